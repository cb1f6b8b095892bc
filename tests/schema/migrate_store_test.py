#!/usr/bin/python3
"""A real store taken from the test data model's v1 to v2 (tests/schema/testdata) with the real strictlog.

    migrate_store_test.py clickhouse|sqlite STRICTLOG_BINARY SETS_DIR

SETS_DIR holds v1.binpb and v2.binpb (tests/schema/CMakeLists.txt). For each store:
  1. `strictlog schema ddl --descriptor-set v1.binpb` creates v1's tables;
  2. v1 rows go in, naming v1's columns only;
  3. `strictlog schema migrate --from v1.binpb --to v2.binpb` is applied;
  4. v2 rows go in, the new columns and the new table included;
  5. every row is read back: old rows read the new columns' defaults (proto3 defaults, NULL for a field with
     presence), new rows their values, in the enum value v2 added too;
  6. the migrated tables have exactly the columns of a store created from v2 directly, with the same types
     (ClickHouse: in the same order too, since migrate adds each column AFTER its predecessor; SQLite can
     only append).
ClickHouse: the shared test server (STRICTLOG_CLICKHOUSE_HTTP), databases of this test's own. SQLite: a file in
a temporary directory. Exits non-zero with the difference on the first mismatch.
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request


def strictlog(binary, *args):
    run = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        sys.exit(f"strictlog {' '.join(args)}: exit {run.returncode}\n{run.stderr}")
    return run.stdout


def statements(sql):
    """The statements of strictlog's SQL output: each ends in `;` at the end of a line."""
    out, current = [], []
    for line in sql.splitlines():
        current.append(line)
        if line.endswith(";"):
            text = "\n".join(current).strip()
            if text != ";":
                out.append(text[:-1])
            current = []
    if "".join(current).strip():
        sys.exit(f"SQL without a final ';': {current!r}")
    return out


def expect(what, got, wanted):
    if got != wanted:
        sys.exit(f"{what}:\n  got:    {got!r}\n  wanted: {wanted!r}")


# Rows as (table, {column: value}). v1's rows name v1's columns only.
V1_ROWS = [
    ("login", {"time": 1795338902, "time_nanos": 0, "host_name": "gw1", "user": "ana",
               "outcome": "OUTCOME_SUCCESS", "attempts": 1}),
    ("file_access", {"time": 1795338903, "time_nanos": 5, "host_name": "gw1", "path": "/etc/shadow",
                     "flags": ["r", "w"]}),
]
V2_ROWS = [
    ("login", {"time": 1795338904, "time_nanos": 0, "host_name": "gw2", "host_domain": "example.org",
               "user": "bob", "outcome": "OUTCOME_LOCKED", "attempts": 5, "method": "password",
               "session_seconds": 3600}),
    ("logout", {"time": 1795338905, "time_nanos": 0, "host_name": "gw2", "host_domain": "example.org",
                "user": "bob", "session_start": 1795335305, "session_start_nanos": 7}),
]
# What reading back gives, per table in time order, for the columns compared.
LOGIN_COLUMNS = ["host_name", "host_domain", "user", "outcome", "attempts", "method", "session_seconds"]
WANTED_LOGIN = [
    ["gw1", "", "ana", "OUTCOME_SUCCESS", 1, "", None],  # v1: the defaults of v2's columns
    ["gw2", "example.org", "bob", "OUTCOME_LOCKED", 5, "password", 3600],
]
WANTED_FILE_ACCESS = [["gw1", "", "/etc/shadow"]]  # host_name, host_domain, path
WANTED_LOGOUT = [["gw2", "example.org", "bob", 1795335305, 7]]  # ..., session_start, session_start_nanos


class ClickHouse:
    def __init__(self, port):
        self.url = f"http://127.0.0.1:{port}/"

    def query(self, sql, body=None):
        url = self.url + "?" + urllib.parse.urlencode({"query": sql})
        data = body.encode() if body is not None else None
        if body is None:  # a statement without data: sent as the POST body, as clickhouse-client does
            url, data = self.url, sql.encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST"), timeout=30) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:  # ClickHouse 18.16 reports errors as HTTP 500 with `Code: NN`
            sys.exit(f"ClickHouse refused:\n{sql}\n{e.read().decode()}")

    def select(self, sql):
        return [json.loads(line) for line in self.query(sql + " FORMAT JSONEachRow").splitlines()]


def clickhouse_rows(rows, time_columns):
    """JSONEachRow wants DateTime as text; the rest as the values are."""
    import datetime
    out = []
    for table, row in rows:
        row = dict(row)
        for c in time_columns:
            if c in row:
                row[c] = datetime.datetime.fromtimestamp(row[c], datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        out.append((table, row))
    return out


def run_clickhouse(binary, sets):
    port = os.environ.get("STRICTLOG_CLICKHOUSE_HTTP")
    if not port:
        sys.exit("STRICTLOG_CLICKHOUSE_HTTP is not set (run through ctest, which starts the server)")
    ch = ClickHouse(port)
    db, fresh = "strictlog_test_schema_migrate", "strictlog_test_schema_migrate_v2"
    for d in (db, fresh):
        ch.query(f"DROP DATABASE IF EXISTS {d}")

    for s in statements(strictlog(binary, "schema", "ddl", "--descriptor-set", f"{sets}/v1.binpb",
                                  "--target", "clickhouse", "--database", db)):
        ch.query(s)
    expect("v1 tables", [r["name"] for r in ch.select(f"SELECT name FROM system.tables WHERE database = '{db}' ORDER BY name")],
           ["file_access", "login"])
    times = ["time", "session_start"]
    for table, row in clickhouse_rows(V1_ROWS, times):
        ch.query(f"INSERT INTO {db}.{table} FORMAT JSONEachRow", json.dumps(row))

    migration = strictlog(binary, "schema", "migrate", "--from", f"{sets}/v1.binpb", "--to", f"{sets}/v2.binpb",
                          "--target", "clickhouse", "--database", db)
    for s in statements(migration):
        ch.query(s)
    for table, row in clickhouse_rows(V2_ROWS, times):
        ch.query(f"INSERT INTO {db}.{table} FORMAT JSONEachRow", json.dumps(row))

    def rows(table, columns):
        return [[r[c] for c in columns] for r in ch.select(f"SELECT {', '.join(columns)} FROM {db}.{table} ORDER BY time")]

    expect("login rows", rows("login", LOGIN_COLUMNS), WANTED_LOGIN)
    expect("file_access rows", rows("file_access", ["host_name", "host_domain", "path"]), WANTED_FILE_ACCESS)
    expect("file_access flags", rows("file_access", ["flags"]), [[["r", "w"]]])
    expect("file_access time", rows("file_access", ["time", "time_nanos"]), [["2026-11-22 09:15:03", 5]])
    expect("logout rows", rows("logout", ["host_name", "host_domain", "user", "toUInt32(session_start)",
                                          "session_start_nanos"]), WANTED_LOGOUT)

    # The migrated store is the store v2 creates, column for column.
    for s in statements(strictlog(binary, "schema", "ddl", "--descriptor-set", f"{sets}/v2.binpb",
                                  "--target", "clickhouse", "--database", fresh)):
        ch.query(s)

    def columns(d):
        # 18.16's system.columns has no `position`: it lists each table's columns in their order, which a stable
        # sort by table keeps.
        rows = ch.select(f"SELECT table, name, type FROM system.columns WHERE database = '{d}'")
        return sorted(([r["table"], r["name"], r["type"]] for r in rows), key=lambda r: r[0])

    expect("migrated columns (v1 + migrate) against v2's", columns(db), columns(fresh))
    for d in (db, fresh):
        ch.query(f"DROP DATABASE {d}")


def run_sqlite(binary, sets):
    with tempfile.TemporaryDirectory(prefix="strictlog-schema-") as tmp:
        path = os.path.join(tmp, "store.db")
        store = sqlite3.connect(path)
        store.executescript(strictlog(binary, "schema", "ddl", "--descriptor-set", f"{sets}/v1.binpb", "--target", "sqlite"))

        def insert(rows):
            for table, row in rows:
                values = [json.dumps(v) if isinstance(v, list) else v for v in row.values()]  # arrays: JSON text
                store.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", values)
            store.commit()

        insert(V1_ROWS)
        store.executescript(strictlog(binary, "schema", "migrate", "--from", f"{sets}/v1.binpb", "--to",
                                      f"{sets}/v2.binpb", "--target", "sqlite"))
        insert(V2_ROWS)

        def rows(table, columns):
            return [list(r) for r in store.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY time")]

        expect("login rows", rows("login", LOGIN_COLUMNS), WANTED_LOGIN)
        expect("file_access rows", rows("file_access", ["host_name", "host_domain", "path", "flags"]),
               [["gw1", "", "/etc/shadow", '["r", "w"]']])
        expect("logout rows", rows("logout", ["host_name", "host_domain", "user", "session_start", "session_start_nanos"]),
               WANTED_LOGOUT)

        fresh = sqlite3.connect(os.path.join(tmp, "fresh.db"))
        fresh.executescript(strictlog(binary, "schema", "ddl", "--descriptor-set", f"{sets}/v2.binpb", "--target", "sqlite"))

        def columns(db):
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            # name, type, NOT NULL; SQLite appends added columns, so compared in name order.
            return {t: sorted([r[1], r[2], r[3]] for r in db.execute(f"PRAGMA table_info({t})")) for t in tables}

        expect("migrated columns (v1 + migrate) against v2's", columns(store), columns(fresh))
        store.close()
        fresh.close()


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("clickhouse", "sqlite"):
        sys.exit(__doc__)
    store, binary, sets = sys.argv[1:]
    (run_clickhouse if store == "clickhouse" else run_sqlite)(binary, sets)
    print(f"{store}: v1 -> v2 migrated; old and new rows read back as expected")


if __name__ == "__main__":
    main()
