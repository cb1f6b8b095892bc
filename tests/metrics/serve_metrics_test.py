#!/usr/bin/env python3
"""`strictlog serve --metrics` end to end: a real serve on loopback, real TCP and UDP senders, scraped over
HTTP and read with the Prometheus project's own Python parser (Debian's python3-prometheus-client), so that
the text is checked by a parser no one here wrote. Also `--log-format json`: every record on stderr is one JSON
object with a code from the documented set.

usage: serve_metrics_test.py STRICTLOG SOURCE_DIR CERT_DIR (tests/tls/make-certs.sh's certificates)
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("python3-prometheus-client is not installed: skipped")
    sys.exit(77)

STRICTLOG, SOURCE, CERTS = sys.argv[1], sys.argv[2], sys.argv[3]
DEADLINE = 20  # seconds for any one wait

ACCEPTED = "<38>Nov 23 08:00:{:02d} bastion2 sshd[3201]: Accepted password for alice from 192.0.2.10 port {} ssh2"
LISTENING = "<38>Nov 23 08:00:00 bastion2 sshd[3201]: Server listening on 0.0.0.0 port 22."
UNKNOWN = "<38>Nov 23 08:00:00 bastion2 mystery[1]: hello"
# Every code log.h defines, as docs/SERVE.md lists them.
CODES = {"listening", "stopping", "stopped", "tls_handshake_failed", "connection_refused", "rate_limit_begins",
         "rate_limit_ends", "reloaded", "reload_failed", "rotated", "output_paused", "output_resumed", "failed",
         "privileges_dropped", "notify_failed"}

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAILED:", what)


def wait_for(predicate, what):
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        check(response.status == 200, "status 200")
        check(response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8", "content type")
        text = response.read().decode("utf-8")
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return text, samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


with tempfile.TemporaryDirectory() as d:
    ready = os.path.join(d, "ready")
    err = open(os.path.join(d, "serve.err"), "w+")
    serve = subprocess.Popen(
        [STRICTLOG, "serve", "--tcp", "127.0.0.1:0", "--udp", "127.0.0.1:0", "--metrics", "127.0.0.1:0",
         "--tls", "127.0.0.1:0", "--tls-cert", os.path.join(CERTS, "server.pem"), "--tls-key",
         os.path.join(CERTS, "server.key"),
         "--ready-file", ready, "--grammars", os.path.join(SOURCE, "grammars"), "--mappings",
         os.path.join(SOURCE, "mappings"), "--format", "jsonl", "--out", os.path.join(d, "events.jsonl"),
         "--threads", "1", "--log-format", "json"],
        stdout=subprocess.DEVNULL, stderr=err)
    try:
        lines = wait_for(lambda: os.path.exists(ready) and open(ready).read().splitlines(), "the ready file")
        tcp = next(l for l in lines if l.startswith("tcp://"))
        udp = next(l for l in lines if l.startswith("udp://"))
        tls = next(l for l in lines if l.startswith("tls://"))
        url = next(l for l in lines if l.startswith("http://"))
        check(url.startswith("http://127.0.0.1:") and url.endswith("/metrics"), f"metrics url {url}")

        def host_port(address):
            host, port = address.split("://")[1].rsplit(":", 1)
            return host, int(port)

        # Before any message: every family is there, the counts are zero.
        text, samples = scrape(url)
        check(value(samples, "strictlog_received_messages_total", listener=tcp) == 0, "tcp received 0 at start")
        check(value(samples, "strictlog_quarantined_total", reason="NO_MATCH") == 0, "NO_MATCH 0 at start")
        check(value(samples, "strictlog_reloads_total", result="success") == 0, "no reload")
        check(value(samples, "strictlog_reload_last_success") == 1, "last reload ok when none")
        check(value(samples, "strictlog_queue_capacity_messages") == 65536, "queue capacity")
        check(value(samples, "strictlog_log_records_total", code="listening") == 1, "one listening record")

        # 5 events, 2 drops, 3 quarantined over TCP (one connection, kept open); 4 events over UDP.
        conn = socket.create_connection(host_port(tcp), timeout=5)
        tcp_lines = [ACCEPTED.format(i, 50100 + i) for i in range(5)] + [LISTENING] * 2 + [UNKNOWN] * 3
        conn.sendall("".join(l + "\n" for l in tcp_lines).encode())
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(4):
            u.sendto(ACCEPTED.format(10 + i, 50200 + i).encode(), host_port(udp))

        def all_counted():
            text, samples = scrape(url)
            return samples if value(samples, "strictlog_lines_total") == 14 else None

        samples = wait_for(all_counted, "14 lines in strictlog_lines_total")
        check(value(samples, "strictlog_received_messages_total", listener=tcp) == 10, "tcp received 10")
        check(value(samples, "strictlog_received_messages_total", listener=udp) == 4, "udp received 4")
        check(value(samples, "strictlog_received_bytes_total", listener=tcp) ==
              sum(len(l) + 1 for l in tcp_lines), "tcp bytes")
        check(value(samples, "strictlog_events_total", grammar="openssh", version="9.2", rule="auth_accepted") == 9,
              "9 auth_accepted events")
        check(value(samples, "strictlog_dropped_total", grammar="openssh", version="9.2", rule="server_listening") == 2,
              "2 drops")
        check(value(samples, "strictlog_quarantined_total", reason="NO_MATCH") == 3, "3 NO_MATCH")
        for cause in ("queue", "kernel", "rate_limit"):
            check(value(samples, "strictlog_udp_lost_total", listener=udp, cause=cause) == 0, f"udp lost {cause} 0")
        check(value(samples, "strictlog_connections_open", listener=tcp) == 1, "one open connection")
        check(value(samples, "strictlog_connections_accepted_total", listener=tcp) == 1, "one accepted connection")
        check(value(samples, "strictlog_queue_depth_messages") == 0, "queue empty")
        check(value(samples, "strictlog_output_paused") == 0, "output not paused")

        conn.close()
        wait_for(lambda: value(scrape(url)[1], "strictlog_connections_open", listener=tcp) == 0, "the close")

        # Plain syslog sent to the TLS port: a failed handshake, counted on that listener only.
        check(value(samples, "strictlog_tls_handshake_failures_total", listener=tls) == 0, "no TLS failure yet")
        bad = socket.create_connection(host_port(tls), timeout=5)
        bad.sendall((ACCEPTED.format(0, 50300) + "\n").encode())
        wait_for(lambda: value(scrape(url)[1], "strictlog_tls_handshake_failures_total", listener=tls) == 1,
                 "the failed handshake")
        bad.close()
        text, samples = scrape(url)
        check(value(samples, "strictlog_received_messages_total", listener=tls) == 0, "nothing accepted over TLS")
        check(value(samples, "strictlog_log_records_total", code="tls_handshake_failed") == 1, "one TLS record")

        # A peer address is never a label: label values come from bounded sets only.
        text, samples = scrape(url)
        listeners_removed = text.replace(tcp, "").replace(udp, "").replace(tls, "")
        check("192.0.2.10" not in text and "127.0.0.1:" not in listeners_removed, "no peer address in the metrics")

        ruleset = [k for k in samples if k[0] == "strictlog_ruleset_info"]
        check(len(ruleset) == 1 and len(dict(ruleset[0][1])["hash"]) == 64, "one ruleset_info with a sha256 hash")

        serve.send_signal(signal.SIGTERM)
        check(serve.wait(timeout=DEADLINE) == 0, "serve exits 0")
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()

    # The events went to the output, and their set is the one the metrics named.
    events = [json.loads(l) for l in open(os.path.join(d, "events.jsonl"))]
    check(len(events) == 9, "9 events written")
    hash_label = dict(ruleset[0][1])["hash"]
    check(all(e["envelope"]["grammar_set_hash"] == hash_label for e in events), "events carry the exported hash")

    # --log-format json: every stderr line is one JSON object with the fields every record has.
    err.seek(0)
    records = []
    for line in err.read().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            check(False, f"stderr line is not JSON: {line!r}")
    for r in records:
        check({"time", "level", "code", "command", "message"} <= r.keys(), f"record fields {r}")
        check(r.get("code") in CODES, f"code {r.get('code')} is documented")
        check(r.get("level") in {"info", "warning", "error"}, f"level {r.get('level')}")
    codes = [r["code"] for r in records]
    check(codes[0] == "listening" and "stopping" in codes and codes[-1] == "stopped", f"codes in order: {codes}")
    failed = [r for r in records if r["code"] == "tls_handshake_failed"]
    check(len(failed) == 1 and failed[0].get("listener") == tls and failed[0].get("level") == "warning"
          and failed[0].get("reason") in ("wrong version number", "http request"), f"TLS failure record {failed}")
    stopped = records[-1]
    check(stopped.get("accepted") == "14" and stopped.get("events") == "9" and stopped.get("dropped") == "2"
          and stopped.get("quarantined") == "3" and stopped.get("balanced") == "true", f"stopped record {stopped}")

if failures:
    print(f"{len(failures)} checks failed")
    sys.exit(1)
print("ok")
