#!/usr/bin/env bash
# Rows/s into SQLite: `strictlog normalize --sink sqlite:FILE` on the OpenVPN workload.
#
#   bench/sink_sqlite.sh               # LINES=1000000 RUNS=3 THREADS=2
#
# Workload: as bench/run.sh, the OpenVPN lines of ../shared/bench/gen_workload.py. Rows of the table:
#   --format pb --out FILE      the same normalize run without a database, for comparison
#   --sink sqlite:FILE          end to end: lines read, normalized, each batch (2048 lines) one transaction,
#                               committed and synced (WAL, synchronous=FULL) before the next; the run exits once
#                               the WAL is checkpointed into the database file
# rows = events + quarantine records (lines that drop rules take go nowhere); rows/s = rows / wall time of
# the whole run (start-up, rule loading and table creation included). Every run starts from a new database
# file, and the rows it then holds are checked against the run's summary. The database goes to DB_DIR, on
# disk by default, since a tmpfs would hide the syncs. Medians of RUNS runs; peak_MiB is strictlog's peak RSS
# (GNU time). Needs: python3 (its sqlite3 module counts the rows), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES="${LINES:-1000000}"
RUNS="${RUNS:-3}"
THREADS="${THREADS:-2}"
STRICTLOG="${STRICTLOG:-build/strictlog}"
GEN="${GEN:-../shared/bench/gen_workload.py}"
DIR="${BENCH_DIR:-$( [ -w /dev/shm ] && echo /dev/shm/strictlog-bench-sqlite || echo /tmp/strictlog-bench-sqlite)}"
DB_DIR="${DB_DIR:-/var/tmp/strictlog-bench-sqlite}"
for t in python3 /usr/bin/time "$STRICTLOG"; do
  command -v "$t" >/dev/null || { echo "bench: missing $t (apt-get install -y time; tools/bootstrap)" >&2; exit 2; }
done
mkdir -p "$DIR" "$DB_DIR"
DB="$DB_DIR/bench.db"
trap 'rm -f "$DB" "$DB-wal" "$DB-shm"' EXIT
stored() {
  python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = '"'"'table'"'"'")]
print(sum(db.execute("SELECT count(*) FROM " + t).fetchone()[0] for t in tables))' "$1"
}

python3 "$GEN" --lines "$LINES" --seed 1 --out "$DIR/all.log" >/dev/null
grep -E ' openvpn\[[0-9]+\]: ' "$DIR/all.log" > "$DIR/ovpn.log"
n=$(wc -l < "$DIR/ovpn.log")
sl="$STRICTLOG normalize --year 2026 --threads $THREADS"

# The rows every run must store: events + quarantined of the plain run's summary.
$sl --out "$DIR/sl.pb" --quarantine "$DIR/sl.q.jsonl" "$DIR/ovpn.log" 2> "$DIR/summary.txt"
rows=$(awk '/^  events +[0-9]+$/ { e = $2 } /^  quarantined +[0-9]+$/ { q = $2 } END { print e + q }' "$DIR/summary.txt")
echo "# $(date -u +%FT%TZ) $(nproc) cores; $n OpenVPN lines (of $LINES generated) -> $rows rows; SQLite $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)') in $DB_DIR ($(df --output=fstype "$DB_DIR" | tail -1)); --threads $THREADS; median of $RUNS runs"
printf '%-34s %12s %12s %10s %10s\n' run rows/s lines/s wall_s peak_MiB

# measure NAME CMD CHECK: RUNS times, a new database (untimed), then CMD under GNU time; with CHECK, the
# database must then hold `rows` rows. Prints the median row.
measure() {
  local name=$1 cmd=$2 check=$3 results=()
  for _ in $(seq "$RUNS"); do
    rm -f "$DB" "$DB-wal" "$DB-shm"
    results+=("$(/usr/bin/time -f '%e %M' sh -c "$cmd" 2>&1 >/dev/null | tail -1)")
    if [ -n "$check" ]; then
      got=$(stored "$DB")
      [ "$got" = "$rows" ] || { echo "bench: $name: the database holds $got rows, expected $rows" >&2; exit 1; }
    fi
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" | {
    read -r wall rss
    awk -v rows="$rows" -v n="$n" -v w="$wall" -v r="$rss" -v name="$name" \
      'BEGIN { printf "%-34s %12.0f %12.0f %10.3f %10.1f\n", name, (w > 0 ? rows / w : 0), (w > 0 ? n / w : 0), w, r / 1024 }'
  }
}

measure "normalize --format pb (no database)" "$sl --out $DIR/sl.pb --quarantine $DIR/sl.q.jsonl $DIR/ovpn.log" ""
measure "normalize --sink sqlite:FILE" "$sl --sink sqlite:$DB $DIR/ovpn.log" check
