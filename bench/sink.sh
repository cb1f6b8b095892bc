#!/usr/bin/env bash
# Rows/s into ClickHouse: `strictlog normalize --sink clickhouse://...` on the OpenVPN workload.
#
#   bench/sink.sh                      # LINES=1000000 RUNS=3 THREADS=2 HTTP_PORT=18790 TCP_PORT=19790
#
# Starts a private ClickHouse server (tools/clickhouse: Debian's 18.16, loopback, its data under the bench
# directory) and stops it by PID at the end. Workload: as bench/run.sh, the OpenVPN lines of
# ../shared/bench/gen_workload.py. Rows of the table:
#   --format pb --out FILE          the same normalize run without a database, for comparison
#   --sink ...?format=RowBinary     end to end: lines read, normalized, batched (100,000 rows per table), sent,
#   --sink ...?format=JSONEachRow   and every batch acknowledged by the server before the run exits
#   deliver the spool, RowBinary    the insert side alone: the same rows, spooled by a run against a port where
#   deliver the spool, JSONEachRow  nothing listens (in the batches such a run makes: a table's rows of about one
#                                   second each, ~200 files), then delivered by `normalize --sink ... -` with no
#                                   input (and the 3-rule openvpn-mini fixture: loading rules costs ~0.05 s)
# rows = events + quarantine records (lines that drop rules take go nowhere); rows/s = rows / wall time of
# the whole run (start-up and table creation included). Every run starts from an empty database, and the
# rows ClickHouse then holds are checked against the run's summary. Medians of RUNS runs; peak_MiB is
# strictlog's peak RSS (GNU time). The ClickHouse server shares the machine's cores with strictlog.
# Needs: python3, GNU time, curl, clickhouse-server.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES="${LINES:-1000000}"
RUNS="${RUNS:-3}"
THREADS="${THREADS:-2}"
HTTP_PORT="${HTTP_PORT:-18790}"
TCP_PORT="${TCP_PORT:-19790}"
STRICTLOG="${STRICTLOG:-build/strictlog}"
GEN="${GEN:-../shared/bench/gen_workload.py}"
DIR="${BENCH_DIR:-$( [ -w /dev/shm ] && echo /dev/shm/strictlog-bench-sink || echo /tmp/strictlog-bench-sink)}"
for t in python3 /usr/bin/time curl clickhouse-server "$STRICTLOG"; do
  command -v "$t" >/dev/null || { echo "bench: missing $t (apt-get install -y time curl; tools/bootstrap)" >&2; exit 2; }
done
mkdir -p "$DIR"
# The server's data goes to disk, not to the tmpfs: ClickHouse's parts are what a real store writes.
CH_DIR="${CH_DIR:-/tmp/strictlog-bench-clickhouse}"
tools/clickhouse start "$CH_DIR" "$HTTP_PORT" "$TCP_PORT" >/dev/null
trap 'tools/clickhouse stop "$CH_DIR"' EXIT
ch() { curl -sS --fail "http://127.0.0.1:$HTTP_PORT/" --data-binary "$1"; }
stored() { ch "SELECT sum(rows) FROM system.parts WHERE database = '$1' AND active" | sed 's/^$/0/'; }

python3 "$GEN" --lines "$LINES" --seed 1 --out "$DIR/all.log" >/dev/null
grep -E ' openvpn\[[0-9]+\]: ' "$DIR/all.log" > "$DIR/ovpn.log"
n=$(wc -l < "$DIR/ovpn.log")
sl="$STRICTLOG normalize --year 2026 --threads $THREADS"
mini="--grammars tests/fixtures/openvpn-mini/grammars --mappings tests/fixtures/openvpn-mini/mappings"

# The rows every run must store: events + quarantined of the plain run's summary.
$sl --out "$DIR/sl.pb" --quarantine "$DIR/sl.q.jsonl" "$DIR/ovpn.log" 2> "$DIR/summary.txt"
rows=$(awk '/^  events +[0-9]+$/ { e = $2 } /^  quarantined +[0-9]+$/ { q = $2 } END { print e + q }' "$DIR/summary.txt")
echo "# $(date -u +%FT%TZ) $(nproc) cores; $n OpenVPN lines (of $LINES generated) -> $rows rows; ClickHouse $(ch 'SELECT version()'); --threads $THREADS; median of $RUNS runs"
printf '%-34s %12s %12s %10s %10s\n' run rows/s lines/s wall_s peak_MiB

# measure NAME PREPARE CMD DB: RUNS times, PREPARE (untimed) then CMD under GNU time; checks that DB holds
# `rows` rows after CMD (DB empty: no check); prints the median row.
measure() {
  local name=$1 prepare=$2 cmd=$3 db=$4 results=()
  for _ in $(seq "$RUNS"); do
    [ -n "$db" ] && ch "DROP DATABASE IF EXISTS $db" >/dev/null
    sh -c "$prepare"
    results+=("$(/usr/bin/time -f '%e %M' sh -c "$cmd" 2>&1 >/dev/null | tail -1)")
    if [ -n "$db" ]; then
      got=$(stored "$db")
      [ "$got" = "$rows" ] || { echo "bench: $name: ClickHouse holds $got rows, expected $rows" >&2; exit 1; }
    fi
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" | {
    read -r wall rss
    awk -v rows="$rows" -v n="$n" -v w="$wall" -v r="$rss" -v name="$name" \
      'BEGIN { lines = name ~ /^deliver/ ? "-" : sprintf("%.0f", w > 0 ? n / w : 0)
              printf "%-34s %12.0f %12s %10.3f %10.1f\n", name, (w > 0 ? rows / w : 0), lines, w, r / 1024 }'
  }
}

measure "normalize --format pb (no database)" "true" "$sl --out $DIR/sl.pb --quarantine $DIR/sl.q.jsonl $DIR/ovpn.log" ""
for format in RowBinary JSONEachRow; do
  measure "normalize --sink, $format" "rm -rf $DIR/spool" \
    "$sl --sink 'clickhouse://127.0.0.1:$HTTP_PORT/bench?format=$format' --spool $DIR/spool $DIR/ovpn.log" bench
done
for format in RowBinary JSONEachRow; do
  # Port 1: nothing listens there, so every batch is spooled (the run exits 6 after its 10 s finish_timeout).
  measure "deliver the spool, $format" \
    "rm -rf $DIR/spool; $sl --sink 'clickhouse://127.0.0.1:1/bench?format=$format' --spool $DIR/spool $DIR/ovpn.log 2>/dev/null || [ \$? -eq 6 ]" \
    "$sl $mini --sink 'clickhouse://127.0.0.1:$HTTP_PORT/bench?format=$format' --spool $DIR/spool - < /dev/null" bench
done
