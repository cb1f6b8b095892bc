#!/usr/bin/env bash
# strictlog beside liblognorm's lognormalizer on the same lines.
#
#   bench/run.sh                       # LINES=1000000 RUNS=5
#
# Workload: ../shared/bench/gen_workload.py (deterministic RFC 3164 mix of an OpenVPN 2.6 server and sshd),
# filtered to the lines today's grammar covers (the TLS failure of a client instance), so both tools parse
# every line: strictlog with grammars/ and mappings/, lognormalizer with bench/tls.rulebase (the same rules
# from the shared anchor rulebase). Each row is the median of RUNS runs (wall time, GNU time's peak RSS);
# outputs go to a tmpfs when there is one. Needs: python3, GNU time, liblognorm-utils.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES="${LINES:-1000000}"
RUNS="${RUNS:-5}"
GEN="${GEN:-../shared/bench/gen_workload.py}"
DIR="${BENCH_DIR:-$( [ -w /dev/shm ] && echo /dev/shm/strictlog-bench || echo /tmp/strictlog-bench)}"
mkdir -p "$DIR"
for t in python3 lognormalizer /usr/bin/time build/strictlog; do
  command -v "$t" >/dev/null || { echo "bench: missing $t (apt-get install -y time liblognorm-utils; tools/bootstrap)" >&2; exit 2; }
done

python3 "$GEN" --lines "$LINES" --seed 1 --out "$DIR/all.log" >/dev/null
grep -E 'openvpn\[[0-9]+\]: .*(TLS Error: TLS handshake failed|Fatal TLS error \(check_tls_errors_co\), restarting|received, client-instance (restarting|exiting))$' \
  "$DIR/all.log" > "$DIR/tls.log"
n=$(wc -l < "$DIR/tls.log")
echo "# $(date -u +%FT%TZ) $(nproc) cores; $n lines (TLS failure subset of $LINES generated); median of $RUNS runs"
printf '%-44s %12s %10s %12s\n' tool lines/s wall_s peak_MiB

# measure NAME CMD: runs CMD RUNS times under GNU time, prints the median row.
measure() {
  local name=$1 cmd=$2 rows=()
  for _ in $(seq "$RUNS"); do
    rows+=("$(/usr/bin/time -f '%e %M' sh -c "$cmd" 2>&1 >/dev/null | tail -1)")
  done
  printf '%s\n' "${rows[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" | {
    read -r wall rss
    awk -v n="$n" -v w="$wall" -v r="$rss" -v name="$name" \
      'BEGIN { printf "%-44s %12.0f %10.3f %12.1f\n", name, (w > 0 ? n / w : 0), w, r / 1024 }'
  }
}

sl="build/strictlog normalize --year 2026 --quarantine $DIR/sl.quarantine.jsonl"
measure "lognormalizer -e json" "lognormalizer -r bench/tls.rulebase -e json < $DIR/tls.log > $DIR/ln.json"
measure "strictlog normalize --format jsonl" "$sl --format jsonl --out $DIR/sl.jsonl $DIR/tls.log 2>/dev/null"
measure "strictlog normalize --format pb" "$sl --format pb --out $DIR/sl.pb $DIR/tls.log 2>/dev/null"

# Both tools must have parsed every line, or the figures compare different work.
unparsed=$(grep -c unparsed-data "$DIR/ln.json" || true)
quarantined=$(wc -l < "$DIR/sl.quarantine.jsonl")
echo "# unparsed: lognormalizer $unparsed, strictlog $quarantined (both must be 0)"
