#!/usr/bin/python3
"""The generated DDL of strictlog's own model (gen/, normalizer/generate/*.cmake) and of the example model
(protoc run here) applied to a real store: every table is created, and one table's columns read back
from the store are the expected names and types.

  apply_ddl_test.py clickhouse BUILD_DIR PROTOC   the test server (STRICTLOG_CLICKHOUSE_HTTP), a database of
                                                  its own, dropped at the end; over HTTP (urllib)
  apply_ddl_test.py sqlite BUILD_DIR PROTOC       a temporary file with Python's sqlite3 (libsqlite3)
"""
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATABASE = "test_generate_apply_ddl"


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def statements(sql):
    """The statements of a generated file: its `--` lines dropped, split at the `;` that ends a line."""
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    return [s.strip() for s in re.split(r";\n", body + "\n") if s.strip()]


def created_tables(sql):
    return re.findall(r"^CREATE TABLE IF NOT EXISTS (\w+)", sql, re.M)


def example_ddl(build_dir, protoc, plugin, out_dir):
    """The example model's DDL, generated here as a user would."""
    subprocess.run([protoc, "--plugin=protoc-gen-strictlog-%s=%s/protoc-gen-strictlog-%s" % (plugin, build_dir, plugin),
                    "--strictlog-%s_out=%s" % (plugin, out_dir), "-I" + SOURCE_DIR + "/tests/generate/testdata",
                    "-I" + SOURCE_DIR + "/proto", "example.proto"], check=True)
    with open(os.path.join(out_dir, plugin + ".sql")) as f:
        return f.read()


def check(what, actual, expected):
    if actual != expected:
        fail("%s:\n  expected %r\n  actual   %r" % (what, expected, actual))


# The columns of the payload of openssh_invalid_user, after Event's envelope_* columns.
OPENSSH_INVALID_USER_CLICKHOUSE = [
    ("user_name", "String"),
    ("user_uid", "Nullable(UInt32)"),
    ("src_endpoint_ip", "Nullable(FixedString(16))"),
    ("src_endpoint_port", "Nullable(UInt32)"),
    ("src_endpoint_hostname", "String"),
]
# (name, declared type, NOT NULL)
OPENSSH_INVALID_USER_SQLITE = [
    ("user_name", "TEXT", 1),
    ("user_uid", "INTEGER", 0),
    ("src_endpoint_ip", "TEXT", 0),
    ("src_endpoint_port", "INTEGER", 0),
    ("src_endpoint_hostname", "TEXT", 1),
]


def clickhouse(build_dir, protoc):
    port = os.environ.get("STRICTLOG_CLICKHOUSE_HTTP")
    if not port:
        fail("STRICTLOG_CLICKHOUSE_HTTP is not set (the ctest fixture `clickhouse` sets it)")

    def query(sql, database=None):
        url = "http://127.0.0.1:%s/" % port + ("?database=" + database if database else "")
        request = urllib.request.Request(url, data=sql.encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read().decode()
        except urllib.error.HTTPError as e:
            fail("ClickHouse answered %d to %s:\n%s" % (e.code, sql[:200], e.read().decode()))

    query("DROP DATABASE IF EXISTS " + DATABASE)
    query("CREATE DATABASE " + DATABASE)
    try:
        with open(os.path.join(build_dir, "gen/clickhouse/clickhouse.sql")) as f:
            strictlog_sql = f.read()
        with tempfile.TemporaryDirectory() as out:
            example_sql = example_ddl(build_dir, protoc, "clickhouse", out)
        expected = sorted(created_tables(strictlog_sql) + created_tables(example_sql))
        for sql in (strictlog_sql, example_sql):
            for statement in statements(sql):
                query(statement, DATABASE)
        tables = query("SELECT name FROM system.tables WHERE database = '%s' ORDER BY name" % DATABASE).split()
        check("tables created", tables, expected)
        if len(tables) < 60:
            fail("only %d tables" % len(tables))

        rows = query("SELECT name, type FROM system.columns WHERE database = '%s' AND table = 'openssh_invalid_user' "
                     "FORMAT TabSeparated" % DATABASE).splitlines()
        columns = [tuple(r.split("\t")) for r in rows]
        check("openssh_invalid_user: envelope columns", [c for c in columns[:3]],
              [("envelope_uid", "String"), ("envelope_time", "DateTime(\\'UTC\\')"), ("envelope_time_nanos", "UInt32")])
        check("openssh_invalid_user: payload columns", columns[-5:], OPENSSH_INVALID_USER_CLICKHOUSE)
        sorting = query("SELECT sorting_key, partition_key FROM system.tables WHERE database = '%s' AND "
                        "name = 'openssh_invalid_user' FORMAT TabSeparated" % DATABASE)
        check("openssh_invalid_user: sorting and partition key", sorting,
              "envelope_hostname, envelope_time\ttoYYYYMM(envelope_time)\n")
        rows = query("SELECT name, type FROM system.columns WHERE database = '%s' AND table = 'upload' AND "
                     "name IN ('headers_values', 'files_tier', 'files_origin_ip') FORMAT TabSeparated" % DATABASE)
        check("example upload: nested arrays, Enum16, addresses", rows,
              "headers_values\tArray(Array(String))\n"
              "files_tier\tArray(Enum16(\\'TIER_UNSPECIFIED\\' = 0, \\'TIER_FREE\\' = 1, \\'TIER_ENTERPRISE\\' = 300))\n"
              "files_origin_ip\tArray(Nullable(FixedString(16)))\n")
    finally:
        query("DROP DATABASE IF EXISTS " + DATABASE)


def sqlite(build_dir, protoc):
    with tempfile.TemporaryDirectory() as out:
        with open(os.path.join(build_dir, "gen/sqlite/sqlite.sql")) as f:
            strictlog_sql = f.read()
        example_sql = example_ddl(build_dir, protoc, "sqlite", out)
        db = sqlite3.connect(os.path.join(out, "store.db"))
        for sql in (strictlog_sql, example_sql):
            # One transaction: otherwise each of the ~200 statements waits for its own fsync.
            db.executescript("BEGIN;\n" + sql + "COMMIT;\n")
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        check("tables created", tables, sorted(created_tables(strictlog_sql) + created_tables(example_sql)))
        if len(tables) < 60:
            fail("only %d tables" % len(tables))
        columns = [(r[1], r[2], r[3]) for r in db.execute("PRAGMA table_info(openssh_invalid_user)")]
        check("openssh_invalid_user: envelope columns", columns[:3],
              [("envelope_uid", "TEXT", 1), ("envelope_time", "INTEGER", 1), ("envelope_time_nanos", "INTEGER", 1)])
        check("openssh_invalid_user: payload columns", columns[-5:], OPENSSH_INVALID_USER_SQLITE)
        indexes = [(r[1], [c[2] for c in db.execute("PRAGMA index_info(%s)" % r[1])])
                   for r in db.execute("PRAGMA index_list(openssh_invalid_user)")]
        check("openssh_invalid_user: indexes", sorted(indexes),
              [("openssh_invalid_user_envelope_uid", ["envelope_uid"]),
               ("openssh_invalid_user_order_by", ["envelope_hostname", "envelope_time"])])
        db.close()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("clickhouse", "sqlite"):
        fail("usage: apply_ddl_test.py clickhouse|sqlite BUILD_DIR PROTOC")
    {"clickhouse": clickhouse, "sqlite": sqlite}[sys.argv[1]](sys.argv[2], sys.argv[3])
    print("ok")
