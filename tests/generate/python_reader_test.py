#!/usr/bin/python3
"""The generated Python reader (protoc-gen-strictlog-python, docs/SCHEMA.md "Python reader") against the real
ClickHouse server. Two modes, each its own ctest test:

  python_reader_test.py types BUILD_DIR PROTOC
      Rows inserted with clickhouse_driver's own INSERT, read back through the generated Reader, every attribute
      compared with its exact value and Python type, and every value checked against its annotation. Two models:
      tests/generate/testdata/example.proto (every column type: Enum8 and Enum16, Nullable NULL and not, arrays
      and arrays of arrays, timestamps with nanoseconds, IPv4 and IPv6, bytes that are not UTF-8, UInt64 and
      Int64 at their limits), whose DDL and module are generated here as a user would, and strictlog's own
      (BUILD_DIR/gen/clickhouse/clickhouse.sql, BUILD_DIR/gen/python/strictlog_events.py): an OpenVPN, an
      OpenSSH and the quarantine table.

  python_reader_test.py sink BUILD_DIR
      End to end: every line of corpus/ and docs/examples/ through `strictlog normalize --sink clickhouse://...`,
      read back with strictlog's module, and each event and quarantine record compared field by field with what
      `strictlog normalize --format jsonl` writes for the same input: every JSON field is a column, every column
      holds the field's value (or its default when the JSON omits it).

The server is the ctest fixture's (STRICTLOG_CLICKHOUSE_TCP, and STRICTLOG_CLICKHOUSE_HTTP for the sink), the
database one of each mode's own, dropped at the end. Exit 0 when every check passed, 1 at the first failure, 77
(a skip for ctest) without clickhouse_driver.
"""
import base64
import calendar
import dataclasses
import datetime
import enum
import importlib.util
import ipaddress
import json
import os
import py_compile
import re
import struct
import subprocess
import sys
import tempfile
import typing

try:
    import clickhouse_driver
except ImportError as error:
    print("SKIP: clickhouse_driver is not importable (%s): install Debian's python3-clickhouse-driver "
          "(tools/bootstrap does)" % error, file=sys.stderr)
    sys.exit(77)

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATABASE = "test_generate_python_reader"
UTC = datetime.timezone.utc
UINT64_MAX = 2**64 - 1
INT64_MIN = -2**63


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def check(what, actual, expected):
    if actual != expected:
        fail("%s:\n  expected %r\n  actual   %r" % (what, expected, actual))


def check_raises(what, exception, expected_message, call):
    try:
        call()
    except exception as e:
        check(what + ": message", str(e), expected_message)
        return
    fail("%s: no %s" % (what, exception.__name__))


# --- Generating, as a user would -------------------------------------------------------------------------------

def run_plugin(build_dir, protoc, plugin, opt, out_dir):
    command = [protoc, "--plugin=protoc-gen-strictlog-%s=%s/protoc-gen-strictlog-%s" % (plugin, build_dir, plugin),
               "--strictlog-%s_out=%s" % (plugin, out_dir), "-I" + SOURCE_DIR + "/tests/generate/testdata",
               "-I" + SOURCE_DIR + "/proto", "example.proto"]
    if opt:
        command.insert(2, "--strictlog-%s_opt=%s" % (plugin, opt))
    subprocess.run(command, check=True)


def load(path, name):
    """Compiles the module at `path` (python3 -m py_compile) and imports it as `name`."""
    py_compile.compile(path, doraise=True)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses looks its module up
    spec.loader.exec_module(module)
    return module


def statements(sql):
    """The statements of a generated DDL file: its `--` lines dropped, split at the `;` that ends a line."""
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    return [s.strip() for s in re.split(r";\n", body + "\n") if s.strip()]


# --- Values as the test writes them (independent of the module) and as it expects them -----------------------

def ip(text):
    """The FixedString(16) bytes of an address: IPv6, or IPv4 mapped to ::ffff:a.b.c.d."""
    address = ipaddress.ip_address(text)
    if address.version == 4:
        return b"\0" * 10 + b"\xff\xff" + address.packed
    return address.packed


def float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def at(seconds, nanos):
    """The datetime a (seconds, nanos) timestamp reads as: UTC, truncated to microseconds."""
    return datetime.datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanos // 1000)


T1 = calendar.timegm((2026, 11, 22, 9, 15, 2))
T2 = calendar.timegm((2106, 2, 7, 6, 28, 15))  # DateTime's last second


def insert(client, table, values):
    """One row through clickhouse_driver's INSERT, String and FixedString values as bytes. Every column of the
    table must be given, in the table's order, so that none is left at its default unseen."""
    columns = [name for (name,) in client.execute(
        "SELECT name FROM system.columns WHERE database = %(db)s AND table = %(table)s",
        {"db": DATABASE, "table": table})]
    check("insert into %s: the columns given" % table, list(values), columns)
    client.execute("INSERT INTO %s.%s (%s) VALUES" % (DATABASE, table, ", ".join(values)), [tuple(values.values())],
                   settings={"strings_as_bytes": True})


def same(path, actual, expected):
    """Equal and of the same type, all the way down: True == 1 and an IntEnum == its int, so == is not enough."""
    if type(actual) is not type(expected):
        fail("%s: %r is a %s, expected %r (a %s)" % (path, actual, type(actual).__name__, expected,
                                                      type(expected).__name__))
    if isinstance(expected, list):
        check(path + ": length", len(actual), len(expected))
        for i, (a, e) in enumerate(zip(actual, expected)):
            same("%s[%d]" % (path, i), a, e)
    elif isinstance(expected, datetime.datetime):
        check(path, (actual, actual.utcoffset()), (expected, datetime.timedelta(0)))
    else:
        check(path, actual, expected)


def conforms(value, hint):
    """Whether `value` is of the type annotation `hint` (Optional, Union, List, classes)."""
    origin = typing.get_origin(hint)
    if origin is typing.Union:
        return any(conforms(value, h) for h in typing.get_args(hint))
    if origin is list:
        return isinstance(value, list) and all(conforms(v, typing.get_args(hint)[0]) for v in value)
    if hint is type(None):
        return value is None
    if hint is int:
        return type(value) is int  # not bool, not an IntEnum
    return isinstance(value, hint)


def check_rows(what, actual, expected):
    check(what + ": rows", len(actual), len(expected))
    for i, (a, e) in enumerate(zip(actual, expected)):
        check("%s[%d]: class" % (what, i), type(a), type(e))
        hints = typing.get_type_hints(type(e))
        for field in dataclasses.fields(e):
            value = getattr(a, field.name)
            same("%s[%d].%s" % (what, i, field.name), value, getattr(e, field.name))
            if not conforms(value, hints[field.name]):
                fail("%s[%d].%s: %r is not a %s" % (what, i, field.name, value, hints[field.name]))
        check("%s[%d]" % (what, i), a, e)


# --- The example model --------------------------------------------------------------------------------------

def request_values(request_id, full):
    """Request's columns, the ones every example table has: `full` sets each to a value other than its
    default, else NULLs, empty arrays and the epoch."""
    if full:
        return {
            "request_id": request_id.encode(), "time": T1, "time_nanos": 123456789,
            "source_host_name": b"web-1", "source_host_location_city": "Z\u00fcrich".encode(),
            "source_host_location_latitude": 47.376887, "source_host_location_longitude": 0.1, "source_port": 443,
            "client_ip": ip("192.0.2.7"), "body": b"\xff\x00\xfe not UTF-8", "tags": [b"a", b"b"],
            "headers_name": [b"Accept", b"X-Empty"], "headers_values": [[b"text/html", b"*/*"], []],
            "headers_weight": [5, None], "retries": 3, "severity": "SEVERITY_DEBUG", "sampled": 1,
            "size_delta": INT64_MIN, "bytes_sent": UINT64_MAX, "labels_key": [b"env"], "labels_value": [b"prod"],
        }
    return {
        "request_id": request_id.encode(), "time": 0, "time_nanos": 0, "source_host_name": b"",
        "source_host_location_city": b"", "source_host_location_latitude": 0.0,
        "source_host_location_longitude": 0.0, "source_port": 0, "client_ip": None, "body": b"", "tags": [],
        "headers_name": [], "headers_values": [], "headers_weight": [], "retries": None,
        "severity": "SEVERITY_CRITICAL", "sampled": 0, "size_delta": 0, "bytes_sent": 0, "labels_key": [],
        "labels_value": [],
    }


def request_expected(ex, request_id, full):
    if full:
        return dict(
            request_id=request_id, time=at(T1, 123456789), time_nanos=123456789, source_host_name="web-1",
            source_host_location_city="Z\u00fcrich", source_host_location_latitude=47.376887,
            source_host_location_longitude=float32(0.1), source_port=443,
            client_ip=ipaddress.IPv4Address("192.0.2.7"), body=b"\xff\x00\xfe not UTF-8", tags=["a", "b"],
            headers_name=["Accept", "X-Empty"], headers_values=[["text/html", "*/*"], []], headers_weight=[5, None],
            retries=3, severity=ex.Severity.SEVERITY_DEBUG, sampled=True, size_delta=INT64_MIN,
            bytes_sent=UINT64_MAX, labels_key=["env"], labels_value=["prod"])
    return dict(
        request_id=request_id, time=datetime.datetime(1970, 1, 1, tzinfo=UTC), time_nanos=0, source_host_name="",
        source_host_location_city="", source_host_location_latitude=0.0, source_host_location_longitude=0.0,
        source_port=0, client_ip=None, body=b"", tags=[], headers_name=[], headers_values=[], headers_weight=[],
        retries=None, severity=ex.Severity.SEVERITY_CRITICAL, sampled=False, size_delta=0, bytes_sent=0,
        labels_key=[], labels_value=[])


def example_model(client, build_dir, protoc, out_dir):
    run_plugin(build_dir, protoc, "clickhouse", "", out_dir)
    run_plugin(build_dir, protoc, "python", "", out_dir)
    ex = load(os.path.join(out_dir, "strictlog_events.py"), "example_events")
    with open(os.path.join(out_dir, "clickhouse.sql")) as f:
        for statement in statements(f.read()):
            client.execute(statement)
    check("example: TABLES", sorted(ex.TABLES), ["audit_log", "get", "login", "upload"])
    check("example: CLICKHOUSE_VERSION", ex.CLICKHOUSE_VERSION, "18.16")

    insert(client, "get", dict(request_values("g1", True), path=b"/index.html", query=None, status=200,
                               duration_seconds=0.25))
    insert(client, "get", dict(request_values("g2", False), path=b"", query=b"q=1", status=0, duration_seconds=0.0))
    insert(client, "upload", dict(
        request_values("u1", True), files_name=[b"a.txt", b"b.bin"], files_size=[0, UINT64_MAX],
        files_modified=[T1, T2], files_modified_nanos=[0, 999999999], files_tier=["TIER_ENTERPRISE", "TIER_FREE"],
        files_origin_ip=[ip("2001:db8::7"), None], compression_ratio=0.5, tier="TIER_ENTERPRISE"))
    insert(client, "login", dict(
        request_values("l1", False), user=b"alice", password_hash=None, key_fingerprint=b"\x00\x01\xff",
        server_ip=ip("::ffff:198.51.100.1"), requested_tier="TIER_FREE", attempts=-3, session_id=UINT64_MAX))
    insert(client, "audit_log", dict(at=T2, at_nanos=999999999, actor=b"root", seen=[T1, 0], seen_nanos=[1, 0],
                                     level=-2**31))

    reader = ex.Reader(client, DATABASE)
    g1 = ex.Get(**request_expected(ex, "g1", True), path="/index.html", query=None, status=200, duration_seconds=0.25)
    g2 = ex.Get(**request_expected(ex, "g2", False), path="", query="q=1", status=0, duration_seconds=0.0)
    check_rows("get", reader.get(order_by="request_id"), [g1, g2])
    check_rows("upload", reader.upload(), [ex.Upload(
        **request_expected(ex, "u1", True), files_name=["a.txt", "b.bin"], files_size=[0, UINT64_MAX],
        files_modified=[at(T1, 0), at(T2, 999999999)], files_modified_nanos=[0, 999999999],
        files_tier=[ex.Tier.TIER_ENTERPRISE, ex.Tier.TIER_FREE],
        files_origin_ip=[ipaddress.IPv6Address("2001:db8::7"), None], compression_ratio=0.5,
        tier=ex.Tier.TIER_ENTERPRISE)])
    check_rows("login", reader.login(), [ex.Login(
        **request_expected(ex, "l1", False), user="alice", password_hash=None, key_fingerprint=b"\x00\x01\xff",
        server_ip=ipaddress.IPv4Address("198.51.100.1"), requested_tier=ex.Tier.TIER_FREE, attempts=-3,
        session_id=UINT64_MAX)])
    check_rows("audit_log", reader.audit_log(), [ex.AuditLog(
        at=at(T2, 999999999), at_nanos=999999999, actor="root",
        seen=[at(T1, 1), datetime.datetime(1970, 1, 1, tzinfo=UTC)], seen_nanos=[1, 0], level=-2**31)])

    # The query: the columns by name, in the DDL's order; where, params, order_by and limit as given.
    check("audit_log: SQL", reader.sql(ex.AuditLog, "level < 0", "at DESC", 5),
          "SELECT at, at_nanos, actor, seen, seen_nanos, level FROM test_generate_python_reader.audit_log "
          "WHERE level < 0 ORDER BY at DESC LIMIT 5")
    check("SQL: a database name that needs quoting", ex.Reader(client, "my-db`s").sql(ex.AuditLog),
          "SELECT at, at_nanos, actor, seen, seen_nanos, level FROM `my-db\\`s`.audit_log")
    for name, cls in ex.TABLES.items():
        columns = [c for (c,) in client.execute(
            "SELECT name FROM system.columns WHERE database = %(db)s AND table = %(t)s", {"db": DATABASE, "t": name})]
        check("%s: SELECT is the table's columns" % name, list(cls.SELECT), columns)
    check_rows("get where params", reader.get(where="request_id = %(id)s", params={"id": "g2"}), [g2])
    check_rows("get limit", reader.get(order_by="request_id DESC", limit=1), [g2])
    check_rows("get where without params, with %", reader.get(where="path LIKE '/%'"), [g1])
    check_rows("iterate", list(reader.iterate(ex.Get, order_by="request_id")), [g1, g2])
    check_rows("select", reader.select(ex.TABLES["get"], "status = 200"), [g1])
    check_raises("limit -1", ValueError, "limit must be an int of at least 0, not -1",
                 lambda: reader.sql(ex.Get, limit=-1))

    # The annotations, as a reader of the module sees them.
    hints = typing.get_type_hints(ex.Upload)
    check("annotation of files_origin_ip", hints["files_origin_ip"],
          typing.List[typing.Optional[typing.Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]])
    check("annotation of headers_values", hints["headers_values"], typing.List[typing.List[str]])
    check("annotation of time", hints["time"], datetime.datetime)
    check("annotation of tier", hints["tier"], ex.Tier)
    check("Tier", [(m.name, m.value) for m in ex.Tier],
          [("TIER_UNSPECIFIED", 0), ("TIER_FREE", 1), ("TIER_ENTERPRISE", 300)])
    check("Upload extends Request", issubclass(ex.Upload, ex.Request), True)
    check_raises("rows are frozen", dataclasses.FrozenInstanceError, "cannot assign to field 'status'",
                 lambda: setattr(g1, "status", 1))

    # Stored values the types cannot hold: ReaderError names the table, the attribute and the value.
    insert(client, "audit_log", dict(at=T1, at_nanos=0, actor=b"\xff\xfe", seen=[], seen_nanos=[], level=99))
    check_raises("a String that is not UTF-8", ex.ReaderError,
                 "table audit_log: attribute actor: cannot read b'\\xff\\xfe': 'utf-8' codec can't decode byte 0xff "
                 "in position 0: invalid start byte", lambda: reader.audit_log(where="level = 99"))
    insert(client, "audit_log", dict(at=T1, at_nanos=1000000000, actor=b"", seen=[T1], seen_nanos=[], level=100))
    try:
        reader.audit_log(where="level = 100")
        fail("_nanos of a second: no ReaderError")
    except ex.ReaderError as e:
        if not (str(e).startswith("table audit_log: attribute at: cannot read datetime.datetime(2026, 11, 22, 9, 15, 2")
                and str(e).endswith(", 1000000000: 1000000000 nanoseconds is not less than a second")):
            fail("_nanos of a second: %s" % e)


def example_model_datetime64(build_dir, protoc, out_dir):
    """The module for ClickHouse 23.8 (DateTime64, IPv6), which Debian's 18.16 cannot serve: its query and its
    decoding of the values clickhouse_driver returns for those types."""
    run_plugin(build_dir, protoc, "python", "clickhouse_version=23.8", out_dir)
    ex = load(os.path.join(out_dir, "strictlog_events.py"), "example_events_23_8")
    check("23.8: CLICKHOUSE_VERSION", ex.CLICKHOUSE_VERSION, "23.8")
    check("23.8: audit_log SQL", ex.Reader(None, "db").sql(ex.AuditLog),
          "SELECT toUnixTimestamp64Nano(at), actor, arrayMap(x1 -> toUnixTimestamp64Nano(x1), seen), level "
          "FROM db.audit_log")
    decode = ex._decoder(ex.AuditLog)
    check_rows("23.8: audit_log decoded", [decode((T1 * 10**9 + 123456789, b"root", [0, -1], 7))], [ex.AuditLog(
        at=at(T1, 123456789), at_nanos=123456789, actor="root",
        seen=[datetime.datetime(1970, 1, 1, tzinfo=UTC), datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, UTC)],
        seen_nanos=[0, 999999999], level=7)])
    same("23.8: an IPv6 column's IPv4-mapped value", ex._ip(ipaddress.IPv6Address("::ffff:192.0.2.7")),
         ipaddress.IPv4Address("192.0.2.7"))
    same("23.8: an IPv6 column's value", ex._ip(ipaddress.IPv6Address("2001:db8::1")),
         ipaddress.IPv6Address("2001:db8::1"))


# --- strictlog's own model ----------------------------------------------------------------------------------

def envelope_values(uid, full):
    values = {
        "envelope_uid": uid.encode(), "envelope_time": T1, "envelope_time_nanos": 417000,
        "envelope_time_text": b"2026-11-22 09:15:02 us=417", "envelope_time_year_inferred": 0,
        "envelope_processed_time": T2, "envelope_processed_time_nanos": 999999999, "envelope_hostname": b"vpn1",
        "envelope_process_name": b"openvpn", "envelope_pid": 4242 if full else None,
        "envelope_facility": 3 if full else None, "envelope_severity": 0 if full else None,
        "envelope_input_name": b"openvpn-server.log", "envelope_input_line": UINT64_MAX,
        "envelope_input_offset": 123, "envelope_input_peer": b"", "envelope_input_connection": b"",
        "envelope_grammar": b"openvpn", "envelope_source_version": b"2.6", "envelope_grammar_set_hash": b"ab" * 32,
        "envelope_rule_id": b"rule", "envelope_time_zone": b"Europe/Berlin", "envelope_time_ambiguous": 1,
        "envelope_header_format": "RFC5424" if full else "PROGRAM_LOG", "envelope_msgid": b"ID47",
        "envelope_structured_data_id": [b"exampleSDID@32473", b"timeQuality"] if full else [],
        "envelope_structured_data_params_name": [[b"iut", b"eventSource"], []] if full else [],
        "envelope_structured_data_params_value": [[b"3", b"Application"], []] if full else [],
        "envelope_procid": b"", "envelope_process_module": b"", "envelope_repeat_count": 2 if full else None,
    }
    return values


def envelope_expected(ev, uid, full):
    return dict(
        envelope_uid=uid, envelope_time=at(T1, 417000), envelope_time_nanos=417000,
        envelope_time_text="2026-11-22 09:15:02 us=417", envelope_time_year_inferred=False,
        envelope_processed_time=at(T2, 999999999), envelope_processed_time_nanos=999999999,
        envelope_hostname="vpn1", envelope_process_name="openvpn", envelope_pid=4242 if full else None,
        envelope_facility=3 if full else None, envelope_severity=0 if full else None,
        envelope_input_name="openvpn-server.log", envelope_input_line=UINT64_MAX, envelope_input_offset=123,
        envelope_input_peer="", envelope_input_connection="", envelope_grammar="openvpn",
        envelope_source_version="2.6", envelope_grammar_set_hash="ab" * 32, envelope_rule_id="rule",
        envelope_time_zone="Europe/Berlin", envelope_time_ambiguous=True,
        envelope_header_format=ev.HeaderFormat.RFC5424 if full else ev.HeaderFormat.PROGRAM_LOG,
        envelope_msgid="ID47",
        envelope_structured_data_id=["exampleSDID@32473", "timeQuality"] if full else [],
        envelope_structured_data_params_name=[["iut", "eventSource"], []] if full else [],
        envelope_structured_data_params_value=[["3", "Application"], []] if full else [],
        envelope_procid="", envelope_process_module="", envelope_repeat_count=2 if full else None)


def strictlog_model(client, build_dir):
    with open(os.path.join(build_dir, "gen/clickhouse/clickhouse.sql")) as f:
        for statement in statements(f.read()):
            client.execute(statement)
    ev = load(os.path.join(build_dir, "gen/python/strictlog_events.py"), "strictlog_events")
    check("strictlog: every table has a class", sorted(ev.TABLES), sorted(
        name for (name,) in client.execute("SELECT name FROM system.tables WHERE database = %(db)s AND name NOT IN "
                                           "('get', 'upload', 'login', 'audit_log')", {"db": DATABASE})))
    reader = ev.Reader(client, DATABASE)

    insert(client, "openvpn_tls_handshake_failed", dict(
        envelope_values("e1", True), src_endpoint_ip=ip("2001:db8::1"), src_endpoint_port=1194,
        src_endpoint_common_name="client one/\u00e9".encode(), src_endpoint_transport=None))
    insert(client, "openvpn_tls_handshake_failed", dict(
        envelope_values("e2", False), src_endpoint_ip=None, src_endpoint_port=None, src_endpoint_common_name=None,
        src_endpoint_transport=b"udp4"))
    check_rows("openvpn_tls_handshake_failed", reader.openvpn_tls_handshake_failed(order_by="envelope_uid"), [
        ev.OpenvpnTlsHandshakeFailed(
            **envelope_expected(ev, "e1", True), src_endpoint_ip=ipaddress.IPv6Address("2001:db8::1"),
            src_endpoint_port=1194, src_endpoint_common_name="client one/\u00e9", src_endpoint_transport=None),
        ev.OpenvpnTlsHandshakeFailed(
            **envelope_expected(ev, "e2", False), src_endpoint_ip=None, src_endpoint_port=None,
            src_endpoint_common_name=None, src_endpoint_transport="udp4")])
    check_rows("openvpn where", reader.openvpn_tls_handshake_failed(
        where="envelope_hostname = %(h)s AND envelope_pid IS NULL", params={"h": "vpn1"}, limit=100),
        [ev.OpenvpnTlsHandshakeFailed(
            **envelope_expected(ev, "e2", False), src_endpoint_ip=None, src_endpoint_port=None,
            src_endpoint_common_name=None, src_endpoint_transport="udp4")])

    insert(client, "openssh_authentication", dict(
        envelope_values("s1", True), user_name=b"root", user_uid=None, src_endpoint_ip=ip("198.51.100.23"),
        src_endpoint_port=22022, src_endpoint_hostname=b"", status="AUTH_STATUS_FAILURE",
        auth_protocol="AUTH_PROTOCOL_PUBLICKEY", auth_submethod=b"", result="AUTH_RESULT_FAILED",
        account_status="ACCOUNT_STATUS_INVALID", public_key_key_type=b"ED25519",
        public_key_fingerprint=b"SHA256:abc", public_key_certificate_id=b"cert-1",
        public_key_certificate_serial=UINT64_MAX, public_key_ca_key_type=b"RSA", public_key_ca_fingerprint=b"",
        ssh_protocol="SSH_PROTOCOL_SSH2"))
    check_rows("openssh_authentication", reader.openssh_authentication(), [ev.OpensshAuthentication(
        **envelope_expected(ev, "s1", True), user_name="root", user_uid=None,
        src_endpoint_ip=ipaddress.IPv4Address("198.51.100.23"), src_endpoint_port=22022, src_endpoint_hostname="",
        status=ev.AuthStatus.AUTH_STATUS_FAILURE, auth_protocol=ev.AuthProtocol.AUTH_PROTOCOL_PUBLICKEY,
        auth_submethod="", result=ev.StrictlogOpensshV1AuthResult.AUTH_RESULT_FAILED,
        account_status=ev.AccountStatus.ACCOUNT_STATUS_INVALID, public_key_key_type="ED25519",
        public_key_fingerprint="SHA256:abc", public_key_certificate_id="cert-1",
        public_key_certificate_serial=UINT64_MAX, public_key_ca_key_type="RSA", public_key_ca_fingerprint="",
        ssh_protocol=ev.SshProtocol.SSH_PROTOCOL_SSH2)])

    insert(client, "quarantine", dict(
        reason="ENCODING", detail=b"byte 0 is not UTF-8", raw_text=None, raw_bytes=b"\xffbad\x00line",
        input_name=b"-", input_line=7, input_offset=UINT64_MAX, input_peer=b"192.0.2.7:40122",
        input_connection=b"1795425302000000.1", candidate_rule_ids=[b"openvpn/2.6/a", b"openvpn/2.6/b"],
        grammar_set_hash=b"cd" * 32, processed_time=T1, processed_time_nanos=1, process_name=b"openvpn",
        year_reference_time=0, year_reference_time_nanos=0, year_stated=1, time_zone=b"", input_program=b"openvpn",
        nearest_miss_offset=12, nearest_miss_rule_id=b"openvpn/2.6/tls_handshake_failed",
        nearest_miss_element=b"grammars/openvpn/2.6.grammar:120:31", nearest_miss_expected=b"\"TLS Error: \""))
    check_rows("quarantine", reader.quarantine(where="reason = 'ENCODING'"), [ev.Quarantine(
        reason=ev.QuarantineReason.ENCODING, detail="byte 0 is not UTF-8", raw_text=None,
        raw_bytes=b"\xffbad\x00line", input_name="-", input_line=7, input_offset=UINT64_MAX,
        input_peer="192.0.2.7:40122", input_connection="1795425302000000.1",
        candidate_rule_ids=["openvpn/2.6/a", "openvpn/2.6/b"], grammar_set_hash="cd" * 32,
        processed_time=at(T1, 1), processed_time_nanos=1, process_name="openvpn",
        year_reference_time=datetime.datetime(1970, 1, 1, tzinfo=UTC), year_reference_time_nanos=0,
        year_stated=True, time_zone="", input_program="openvpn", nearest_miss_offset=12,
        nearest_miss_rule_id="openvpn/2.6/tls_handshake_failed",
        nearest_miss_element="grammars/openvpn/2.6.grammar:120:31", nearest_miss_expected="\"TLS Error: \"")])


# --- End to end: strictlog normalize --sink, against its JSON ------------------------------------------------

MISSING = object()  # a field the JSON omits: proto3 JSON leaves out a default value


def corpus_input(path):
    """Every `line:` and `line-quoted:` of corpus/ (bytes that are not UTF-8 included, lines holding a line
    break left out), then docs/examples/openvpn-server.log, as one input file."""
    lines = []
    for directory, _, files in sorted(os.walk(os.path.join(SOURCE_DIR, "corpus"))):
        for name in sorted(f for f in files if f.endswith(".cases")):
            with open(os.path.join(directory, name), "rb") as f:
                for line in f.read().split(b"\n"):
                    if line.startswith(b"line: "):
                        lines.append(line[6:])
                    elif line.startswith(b"line-quoted: "):
                        lines.append(unquote(line[13:].strip()))
    with open(os.path.join(SOURCE_DIR, "docs/examples/openvpn-server.log"), "rb") as f:
        lines.extend(f.read().splitlines())
    lines = [line for line in lines if b"\n" not in line and b"\r" not in line]
    with open(path, "wb") as f:
        f.write(b"".join(line + b"\n" for line in lines))
    return len(lines)


def unquote(quoted):
    """A corpus `line-quoted:` value: double quotes around \\xHH \\r \\n \\t \\\\ \\" escapes (verify/corpus.cc)."""
    out, i, body = bytearray(), 0, quoted[1:-1]
    while i < len(body):
        if body[i:i + 1] == b"\\":
            escape = body[i + 1:i + 2]
            if escape == b"x":
                out.append(int(body[i + 2:i + 4], 16))
                i += 4
                continue
            out += {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"\\": b"\\", b"\"": b"\""}[escape]
            i += 2
        else:
            out += body[i:i + 1]
            i += 1
    return bytes(out)


def flatten(obj, prefix, out):
    """A proto3 JSON object's fields as the table model's columns: nested messages joined with `_`, a repeated
    message as parallel lists (MISSING where an element omits the field)."""
    for key, value in obj.items():
        name = prefix + key
        if isinstance(value, dict):
            flatten(value, name + "_", out)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            elements = []
            for element in value:
                flat = {}
                flatten(element, "", flat)
                elements.append(flat)
            for sub in sorted({k for e in elements for k in e}):
                out[name + "_" + sub] = [e.get(sub, MISSING) for e in elements]
        else:
            out[name] = value


def json_timestamp(text):
    """(seconds, nanos) of an RFC 3339 timestamp as proto3 JSON writes it (UTC, `Z`, 0 to 9 fraction digits)."""
    match = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z", text)
    if not match:
        fail("%r is not a proto3 JSON timestamp" % text)
    seconds = calendar.timegm(tuple(int(g) for g in match.groups()[:6]))
    return seconds, int((match.group(7) or "").ljust(9, "0"))


def default_of(hint):
    """What an attribute of type annotation `hint` holds for a field the JSON omits: NULL for a field with
    presence, else the proto3 default (the epoch for a timestamp, the value numbered 0 for an enum)."""
    if typing.get_origin(hint) is typing.Union:
        return None  # Optional[...], and an IP address (always nullable)
    if typing.get_origin(hint) is list:
        return []
    if hint is datetime.datetime:
        return datetime.datetime(1970, 1, 1, tzinfo=UTC)
    if isinstance(hint, type) and issubclass(hint, enum.IntEnum):
        return hint(0)
    return hint()  # int, float, str, bytes, bool


def compare(path, value, nanos, expected, hint):
    """A read attribute (and its `_nanos`, for a timestamp) against its JSON value, or MISSING."""
    if expected is MISSING:
        same(path, value, default_of(hint))
        if nanos not in (None, 0, []):
            fail("%s: nanos %r where the JSON has the default" % (path, nanos))
    elif isinstance(value, list):
        check(path + ": length", len(value), len(expected))
        for i, (v, e) in enumerate(zip(value, expected)):
            compare("%s[%d]" % (path, i), v, nanos[i] if nanos is not None else None, e, typing.get_args(hint)[0])
    elif isinstance(value, datetime.datetime):
        seconds, json_nanos = json_timestamp(expected)
        check(path, (value, nanos), (at(seconds, json_nanos), json_nanos))
    elif isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        address = ipaddress.ip_address(expected)
        check(path, value, getattr(address, "ipv4_mapped", None) or address)
    elif isinstance(value, enum.IntEnum):
        check(path, value.name, expected)
    elif isinstance(value, bytes):
        check(path, value, base64.b64decode(expected))
    elif isinstance(value, float):
        if value not in (float(expected), float32(float(expected))):  # Float64, or the Float32 of a proto float
            fail("%s: %r where the JSON has %r" % (path, value, expected))
    elif isinstance(value, (bool, str)):
        check(path, value, expected)
    elif isinstance(value, int):
        check(path, value, int(expected))  # proto3 JSON writes 64-bit integers as strings
    else:
        fail("%s: %r (a %s) where the JSON has %r" % (path, value, type(value).__name__, expected))


def compare_record(path, row, record, skip):
    """Every attribute of `row` against the JSON `record`; every JSON field must be an attribute. `skip` are
    timestamps that differ between the two runs (processing time): they must be within [start, end] instead."""
    flat = {}
    flatten(record, "", flat)
    names = {f.name for f in dataclasses.fields(row)}
    extra = sorted(k for k in flat if k not in names)
    if extra:
        fail("%s: JSON fields without a column: %s" % (path, extra))
    hints = typing.get_type_hints(type(row))
    for field in dataclasses.fields(row):
        name = field.name
        if name.endswith("_nanos") and name[:-6] in names:
            continue  # compared with its timestamp
        value = getattr(row, name)
        nanos = getattr(row, name + "_nanos") if isinstance(value, datetime.datetime) or (
            isinstance(value, list) and name + "_nanos" in names) else None
        if name in skip:
            start, end = skip[name]
            if not start <= value <= end:
                fail("%s.%s: %s is not within the run (%s to %s)" % (path, name, value, start, end))
            continue
        compare("%s.%s" % (path, name), value, nanos, flat.get(name, MISSING), hints[name])


def sink(build_dir):
    http, tcp = os.environ.get("STRICTLOG_CLICKHOUSE_HTTP"), os.environ.get("STRICTLOG_CLICKHOUSE_TCP")
    if not http or not tcp:
        fail("STRICTLOG_CLICKHOUSE_HTTP and _TCP are not set (the ctest fixture `clickhouse` sets them)")
    database = DATABASE + "_sink"
    admin = clickhouse_driver.Client("127.0.0.1", port=int(tcp))
    admin.execute("DROP DATABASE IF EXISTS " + database)
    admin.execute("CREATE DATABASE " + database)
    client = clickhouse_driver.Client("127.0.0.1", port=int(tcp), database=database)
    strictlog = os.path.join(build_dir, "strictlog")
    try:
        with tempfile.TemporaryDirectory() as out:
            lines = corpus_input(os.path.join(out, "input.log"))
            common = ["--year", "2026", "--input-name", "corpus", os.path.join(out, "input.log")]
            start = datetime.datetime.now(UTC)
            subprocess.run([strictlog, "normalize", "--sink", "clickhouse://127.0.0.1:%s/%s" % (http, database),
                            "--spool", os.path.join(out, "spool")] + common, cwd=SOURCE_DIR, check=True,
                           stderr=subprocess.DEVNULL)
            end = datetime.datetime.now(UTC)
            subprocess.run([strictlog, "normalize", "--format", "jsonl", "--out", os.path.join(out, "events.jsonl"),
                            "--quarantine", os.path.join(out, "quarantine.jsonl")] + common, cwd=SOURCE_DIR,
                           check=True, stderr=subprocess.DEVNULL)
            with open(os.path.join(out, "events.jsonl")) as f:
                events = [json.loads(line) for line in f]
            with open(os.path.join(out, "quarantine.jsonl")) as f:
                quarantined = [json.loads(line) for line in f]
        ev = load(os.path.join(build_dir, "gen/python/strictlog_events.py"), "strictlog_events")
        reader = ev.Reader(client, database)
        rows = {}
        for name, cls in ev.TABLES.items():
            for row in reader.iterate(cls):
                key = row.envelope_uid if name != "quarantine" else row.input_offset
                rows[(name, key)] = row
        check("rows", len(rows), len(events) + len(quarantined))
        tables = set()
        for event in events:
            (payload,) = [k for k in event if k != "envelope"]
            uid = event["envelope"]["uid"]
            row = rows.get((payload, uid)) or fail("event %s: no row in %s" % (uid, payload))
            # The payload's columns are its fields without its name (table.h).
            record = dict(event[payload], envelope=event["envelope"])
            compare_record("%s %s" % (payload, uid), row, record, {"envelope_processed_time": (start, end)})
            tables.add(payload)
        for record in quarantined:
            offset = int(record["input"].get("offset", 0))
            row = rows.get(("quarantine", offset)) or fail("quarantine record at %d: no row" % offset)
            compare_record("quarantine at %d" % offset, row, record, {"processed_time": (start, end)})
        reasons = sorted({r["reason"] for r in quarantined})
        print("sink: %d lines, %d events in %d tables, %d quarantine records (%s), compared field by field"
              % (lines, len(events), len(tables), len(quarantined), ", ".join(reasons)))
        if len(tables) < 40 or "ENCODING" not in reasons:
            fail("the corpus reached only %d tables, quarantine reasons %s" % (len(tables), reasons))
    finally:
        client.disconnect()
        admin.execute("DROP DATABASE IF EXISTS " + database)
        admin.disconnect()


def types(build_dir, protoc):
    port = os.environ.get("STRICTLOG_CLICKHOUSE_TCP")
    if not port:
        fail("STRICTLOG_CLICKHOUSE_TCP is not set (the ctest fixture `clickhouse` sets it)")
    admin = clickhouse_driver.Client("127.0.0.1", port=int(port))
    admin.execute("DROP DATABASE IF EXISTS " + DATABASE)
    admin.execute("CREATE DATABASE " + DATABASE)
    client = clickhouse_driver.Client("127.0.0.1", port=int(port), database=DATABASE)
    try:
        with tempfile.TemporaryDirectory() as out:
            example_model(client, build_dir, protoc, out)
        with tempfile.TemporaryDirectory() as out:
            example_model_datetime64(build_dir, protoc, out)
        strictlog_model(client, build_dir)
    finally:
        client.disconnect()
        admin.execute("DROP DATABASE IF EXISTS " + DATABASE)
        admin.disconnect()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "types":
        types(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "sink":
        sink(sys.argv[2])
    else:
        fail("usage: python_reader_test.py types BUILD_DIR PROTOC | sink BUILD_DIR")
    print("ok")
