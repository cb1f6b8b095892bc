#!/usr/bin/env bash
# strictlog's row in the shared anchor harness (../shared/bench/run_anchors.sh): the whole mixed workload
# (OpenVPN 67 %, sshd 30 %, other programs 3 %), timed beside lognormalizer and syslog-ng PatternDB with the
# harness's own method, so the figures stand in one table.
#
#   bench/anchors.sh                      # LINES="1000000 100000" RUNS=5, every row the harness knows
#   ROWS="lognorm strictlog" LINES=1000000 RUNS=3 bench/anchors.sh
#
# strictlog reads stdin and writes protobuf events to stdout with one thread (THREADS, default 1: the
# issue's single-threaded comparison). Its parsed fraction is lines minus its quarantine: strictlog has no
# sshd grammar yet, so the sshd and other-program lines are quarantined NO_MATCH, and the fraction shows it.
# Needs what the harness needs (python3, GNU time, liblognorm-utils, syslog-ng-core), and build/strictlog.
set -euo pipefail
cd "$(dirname "$0")/.."
STRICTLOG="$(realpath "${STRICTLOG:-build/strictlog}")"
HARNESS="${HARNESS:-../shared/bench/run_anchors.sh}"
DIR="${BENCH_DIR:-$( [ -w /dev/shm ] && echo /dev/shm/strictlog-bench || echo /tmp/strictlog-bench)}"
mkdir -p "$DIR"
[ -x "$STRICTLOG" ] || { echo "bench: build strictlog first (tools/bootstrap)" >&2; exit 2; }
export BENCH_DIR="$DIR"
export STRICTLOG_QUARANTINE="$DIR/strictlog.quarantine.jsonl"
export STRICTLOG_CMD="$STRICTLOG normalize --grammars $PWD/grammars --mappings $PWD/mappings --year 2026 \
--threads ${THREADS:-1} --format pb --out - --quarantine $STRICTLOG_QUARANTINE - 2>/dev/null"
exec "$HARNESS"
