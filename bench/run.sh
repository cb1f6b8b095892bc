#!/usr/bin/env bash
# strictlog beside liblognorm's lognormalizer on the same lines.
#
#   bench/run.sh                       # LINES=1000000 RUNS=5
#
# Workload: ../shared/bench/gen_workload.py (deterministic RFC 3164 mix of an OpenVPN 2.6 server and sshd),
# filtered to the OpenVPN lines (the source strictlog has a grammar for): strictlog with grammars/ and
# mappings/, lognormalizer with the shared anchor rulebase (../shared/bench/anchors/lognorm.rulebase, whose
# sshd rules then sit idle). Each row is the median of RUNS runs (wall time, GNU time's peak RSS); outputs go
# to a tmpfs when there is one. Needs: python3, GNU time, liblognorm-utils.
#
# The generator writes two kinds of OpenVPN line that OpenVPN 2.6 cannot print (`key-method 0` and `3`;
# ssl.c:3718 prints the literal 1, and a peer info value with a blank, which validate_peer_info_line() turns
# into `_`). lognormalizer parses them; strictlog quarantines them as NO_MATCH, by design. The last line
# prints both counts.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES="${LINES:-1000000}"
RUNS="${RUNS:-5}"
STRICTLOG="${STRICTLOG:-build/strictlog}"
GEN="${GEN:-../shared/bench/gen_workload.py}"
DIR="${BENCH_DIR:-$( [ -w /dev/shm ] && echo /dev/shm/strictlog-bench || echo /tmp/strictlog-bench)}"
mkdir -p "$DIR"
for t in python3 lognormalizer /usr/bin/time "$STRICTLOG"; do
  command -v "$t" >/dev/null || { echo "bench: missing $t (apt-get install -y time liblognorm-utils; tools/bootstrap)" >&2; exit 2; }
done

python3 "$GEN" --lines "$LINES" --seed 1 --out "$DIR/all.log" >/dev/null
grep -E ' openvpn\[[0-9]+\]: ' "$DIR/all.log" > "$DIR/ovpn.log"
n=$(wc -l < "$DIR/ovpn.log")
echo "# $(date -u +%FT%TZ) $(nproc) cores; $n lines (OpenVPN subset of $LINES generated); median of $RUNS runs"
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

# --no-processed-time: outputs of the same input are then byte-identical, which the thread check below needs.
sl="$STRICTLOG normalize --year 2026 --no-processed-time --quarantine $DIR/sl.quarantine.jsonl"
RULEBASE="${RULEBASE:-../shared/bench/anchors/lognorm.rulebase}"
measure "lognormalizer -e json" "lognormalizer -r $RULEBASE -e json < $DIR/ovpn.log > $DIR/ln.json"
measure "strictlog --threads 1 --format jsonl" "$sl --threads 1 --format jsonl --out $DIR/sl.jsonl $DIR/ovpn.log 2>/dev/null"
measure "strictlog --threads 1 --format pb" "$sl --threads 1 --format pb --out $DIR/sl.pb $DIR/ovpn.log 2>/dev/null"
measure "strictlog --threads 2 --format pb" "$sl --threads 2 --format pb --out $DIR/sl2.pb $DIR/ovpn.log 2>/dev/null"
# Every thread count writes the same bytes (normalize --threads): checked here on the real workload too.
cmp -s "$DIR/sl.pb" "$DIR/sl2.pb" || echo "# WARNING: --threads 1 and --threads 2 wrote different events" >&2

# The figures compare the same work only if both tools parsed the same lines, bar the ones OpenVPN cannot
# print (see the top of this file).
unparsed=$(grep -c unparsed-data "$DIR/ln.json" || true)
quarantined=$(wc -l < "$DIR/sl.quarantine.jsonl")
impossible=$(grep -cE 'unsupported key-method [^1]$|peer info: [A-Z_]+=[^ ]* ' "$DIR/ovpn.log" || true)
echo "# unparsed: lognormalizer $unparsed, strictlog $quarantined (lines OpenVPN 2.6 cannot print: $impossible)"
