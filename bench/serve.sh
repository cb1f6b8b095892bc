#!/usr/bin/env bash
# strictlog serve: sustained messages/s over TCP on loopback, events written as --format pb.
#
#   bench/serve.sh                     # MESSAGES=2000000 RUNS=3 THREADS=2 CONNECTIONS=4
#   STRICTLOG=build/strictlog LOADGEN=build/strictlog-loadgen bench/serve.sh
#
# Each run starts `strictlog serve` on a free port, sends MESSAGES messages with strictlog-loadgen over CONNECTIONS
# TCP connections (RFC 6587 octet counting, as fast as the server takes them: it stops reading while its queue is
# full), sends SIGTERM once the loadgen has finished, and waits for serve to drain its queue and publish its
# outputs. messages/s = accepted / (seconds from the loadgen's start to serve's exit), so the figure covers every
# message normalized and written, not just received. A run counts only with zero loss: serve's listener line says
# `accepted MESSAGES`, and its equation line `accepted MESSAGES == events + dropped_by_rule + quarantined: ok`.
# The row is the median of RUNS runs; peak_MiB is serve's peak RSS (GNU time).
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
STRICTLOG="${STRICTLOG:-build/strictlog}"
LOADGEN="${LOADGEN:-$(dirname "$STRICTLOG")/strictlog-loadgen}"
GEN="${GEN:-../shared/bench/gen_workload.py}"
DIR="${BENCH_DIR:-$( [ -w /dev/shm ] && echo /dev/shm/strictlog-bench-serve || echo /tmp/strictlog-bench-serve)}"
mkdir -p "$DIR"
for t in python3 /usr/bin/time "$STRICTLOG" "$LOADGEN"; do
  command -v "$t" >/dev/null || { echo "bench: missing $t (apt-get install -y time; ninja strictlog strictlog-loadgen)" >&2; exit 2; }
done

python3 "$GEN" --lines 100000 --seed 1 --out "$DIR/all.log" >/dev/null
grep -E ' openvpn\[[0-9]+\]: ' "$DIR/all.log" | sed -E 's/^/<30>/; s/ openvpn\[[0-9]+\]: / openvpn[{seq}]: /' > "$DIR/template.txt"

# run_once: prints `messages_per_second seconds peak_KiB quarantined`, or fails the script on any loss.
run_once() {
  rm -f "$DIR"/ev.*pb "$DIR"/q.*jsonl "$DIR/ready" "$DIR/serve.err" "$DIR/time.out"
  # GNU time runs serve as its child: the signal goes to serve itself (time would die of it), and time's exit
  # status is serve's. stdout goes to /dev/null, so no stray process can hold this function's output open.
  /usr/bin/time -f '%M' -o "$DIR/time.out" "$STRICTLOG" serve --grammars grammars --mappings mappings \
    --tcp 127.0.0.1:0 --format pb --out "$DIR/ev.pb" --quarantine "$DIR/q.jsonl" --threads "$THREADS" \
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
  "$LOADGEN" --tcp "127.0.0.1:$port" --messages "$MESSAGES" --connections "$CONNECTIONS" \
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

echo "# $(date -u +%FT%TZ) $(nproc) cores; $MESSAGES messages over $CONNECTIONS TCP connections" \
     "($(wc -l < "$DIR/template.txt") OpenVPN template lines); median of $RUNS runs"
echo "| command | messages | messages/s | wall_s | peak_MiB | quarantined |"
echo "|---|---:|---:|---:|---:|---:|"
rows=()
for _ in $(seq "$RUNS"); do rows+=("$(run_once)"); done
printf '%s\n' "${rows[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" | {
  read -r rate wall rss quarantined
  printf '| serve --threads %s --format pb, loadgen TCP x%s | %d | %d | %.3f | %.1f | %d |\n' \
    "$THREADS" "$CONNECTIONS" "$MESSAGES" "$rate" "$wall" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" \
    "$quarantined"
}
