#!/usr/bin/env bash
# strictlog serve: sustained messages/s over TCP and over TLS (RFC 5425) on loopback, side by side, events
# written as --format pb.
#
#   bench/serve.sh                     # MESSAGES=2000000 RUNS=3 THREADS=2 CONNECTIONS=4 TRANSPORTS="tcp tls"
#   STRICTLOG=build/strictlog LOADGEN=build/strictlog-loadgen bench/serve.sh
#   TRANSPORTS=tls bench/serve.sh      # one transport only
#
# Each run starts `strictlog serve` on a free port, sends MESSAGES messages with strictlog-loadgen over CONNECTIONS
# TCP connections (RFC 6587 octet counting, as fast as the server takes them: it stops reading while its queue is
# full), sends SIGTERM once the loadgen has finished, and waits for serve to drain its queue and publish its
# outputs. messages/s = accepted / (seconds from the loadgen's start to serve's exit), so the figure covers every
# message normalized and written, not just received. A run counts only with zero loss: serve's listener line says
# `accepted MESSAGES`, and its equation line `accepted MESSAGES == events + dropped_by_rule + quarantined: ok`.
# The row is the median of RUNS runs; peak_MiB is serve's peak RSS (GNU time).
#
# TLS: serve --tls with a throwaway CA and a server certificate for server.example.org (EC P-256, made here with
# openssl), no client certificates; loadgen --tls checks the server against that CA and name, with TLS 1.3 as
# both ends negotiate it. Each connection's handshake happens once, after loadgen's start, so it is in the figure.
#
# Workload: ../shared/bench/gen_workload.py (as bench/run.sh), its OpenVPN lines as loadgen templates with the
# PRI a syslog client sends (`<30>`, daemon.info) and the header's pid replaced by the message's number, so that
# every message is distinct (message n is template line n mod lines). The generator writes some lines OpenVPN 2.6
# cannot print (see bench/run.sh); strictlog quarantines them, as in production. Needs: python3, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES="${MESSAGES:-2000000}"
RUNS="${RUNS:-3}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-4}"
TRANSPORTS="${TRANSPORTS:-tcp tls}"
STRICTLOG="${STRICTLOG:-build/strictlog}"
LOADGEN="${LOADGEN:-$(dirname "$STRICTLOG")/strictlog-loadgen}"
GEN="${GEN:-../shared/bench/gen_workload.py}"
DIR="${BENCH_DIR:-$( [ -w /dev/shm ] && echo /dev/shm/strictlog-bench-serve || echo /tmp/strictlog-bench-serve)}"
mkdir -p "$DIR"
for t in python3 /usr/bin/time openssl "$STRICTLOG" "$LOADGEN"; do
  command -v "$t" >/dev/null || { echo "bench: missing $t (apt-get install -y time; ninja strictlog strictlog-loadgen)" >&2; exit 2; }
done

python3 "$GEN" --lines 100000 --seed 1 --out "$DIR/all.log" >/dev/null
grep -E ' openvpn\[[0-9]+\]: ' "$DIR/all.log" | sed -E 's/^/<30>/; s/ openvpn\[[0-9]+\]: / openvpn[{seq}]: /' > "$DIR/template.txt"

# The TLS listener's certificates: a CA, and server.example.org signed by it.
certs="$DIR/certs"
if [[ " $TRANSPORTS " == *" tls "* ]]; then
  mkdir -p "$certs"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=strictlog bench CA" \
    -keyout "$certs/ca.key" -out "$certs/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=server.example.org" \
    -keyout "$certs/server.key" -out "$certs/server.csr" 2>/dev/null
  openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" -CAcreateserial -days 2 \
    -extfile <(printf 'subjectAltName=DNS:server.example.org\n') -out "$certs/server.pem" 2>/dev/null
fi

# run_once TRANSPORT: prints `messages_per_second seconds peak_KiB quarantined`, or fails the script on any loss.
run_once() {
  local transport="$1" listen=(--tcp 127.0.0.1:0) client=()
  if [ "$transport" = tls ]; then
    listen=(--tls 127.0.0.1:0 --tls-cert "$certs/server.pem" --tls-key "$certs/server.key")
    client=(--tls --ca "$certs/ca.pem" --server-name server.example.org)
  fi
  rm -f "$DIR"/ev.*pb "$DIR"/q.*jsonl "$DIR/ready" "$DIR/serve.err" "$DIR/time.out"
  # GNU time runs serve as its child: the signal goes to serve itself (time would die of it), and time's exit
  # status is serve's. stdout goes to /dev/null, so no stray process can hold this function's output open.
  /usr/bin/time -f '%M' -o "$DIR/time.out" "$STRICTLOG" serve --grammars grammars --mappings mappings \
    "${listen[@]}" --format pb --out "$DIR/ev.pb" --quarantine "$DIR/q.jsonl" --threads "$THREADS" \
    --no-processed-time --ready-file "$DIR/ready" >/dev/null 2>"$DIR/serve.err" &
  local timer=$! serve=""
  for _ in $(seq 200); do
    [ -z "$serve" ] && serve=$(pgrep -P "$timer" || true)
    [ -n "$serve" ] && [ -s "$DIR/ready" ] && break
    sleep 0.1
  done
  [ -n "$serve" ] && [ -s "$DIR/ready" ] ||
    { kill "$timer"; echo "bench: serve did not get ready:" >&2; cat "$DIR/serve.err" >&2; exit 1; }
  local listener port start end
  listener=$(head -1 "$DIR/ready")
  port=${listener##*:}
  start=$(date +%s.%N)
  "$LOADGEN" --tcp "127.0.0.1:$port" "${client[@]}" --messages "$MESSAGES" --connections "$CONNECTIONS" \
    --template "$DIR/template.txt" --timeout 600 >"$DIR/loadgen.out" ||
    { kill -TERM "$serve"; wait "$timer" || true; echo "bench: loadgen failed" >&2; exit 1; }
  kill -TERM "$serve"
  wait "$timer" || { echo "bench: serve failed:" >&2; cat "$DIR/serve.err" >&2; exit 1; }
  end=$(date +%s.%N)
  grep -qF "  listener $listener: accepted $MESSAGES, " "$DIR/serve.err" &&
    grep -qE "^  accepted $MESSAGES == events [0-9]+ \+ dropped_by_rule [0-9]+ \+ quarantined [0-9]+: ok$" \
      "$DIR/serve.err" ||
    { echo "bench: messages were lost (sent $MESSAGES):" >&2; cat "$DIR/loadgen.out" "$DIR/serve.err" >&2; exit 1; }
  local quarantined
  quarantined=$(sed -nE 's/^  accepted .* quarantined ([0-9]+): ok$/\1/p' "$DIR/serve.err")
  awk -v n="$MESSAGES" -v s="$start" -v e="$end" -v rss="$(tail -1 "$DIR/time.out")" -v q="$quarantined" \
    'BEGIN { printf "%.0f %.3f %d %d\n", n / (e - s), e - s, rss, q }'
}

echo "# $(date -u +%FT%TZ) $(nproc) cores; $MESSAGES messages over $CONNECTIONS connections" \
     "($(wc -l < "$DIR/template.txt") OpenVPN template lines); median of $RUNS runs"
echo "| command | messages | messages/s | wall_s | peak_MiB | quarantined |"
echo "|---|---:|---:|---:|---:|---:|"
# The transports alternate run by run, so that a change in the machine's load touches both alike.
declare -A rows
for _ in $(seq "$RUNS"); do
  for transport in $TRANSPORTS; do rows[$transport]+="$(run_once "$transport")"$'\n'; done
done
for transport in $TRANSPORTS; do
  printf '%s' "${rows[$transport]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" | {
    read -r rate wall rss quarantined
    printf '| serve --threads %s --format pb, loadgen %s x%s | %d | %d | %.3f | %.1f | %d |\n' \
      "$THREADS" "${transport^^}" "$CONNECTIONS" "$MESSAGES" "$rate" "$wall" \
      "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$quarantined"
  }
done
