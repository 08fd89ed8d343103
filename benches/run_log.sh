#!/usr/bin/env bash
# Peak memory and time of `dapa scan` over JSON Lines logs of different sizes:
# memory must not grow with the log.
#
# Usage: benches/run_log.sh LOG.jsonl...
#   (make logs with benches/gen_log.py, e.g. --lines 30000, --lines 300000, --size 1G)
#
# Environment: DAPA=path (default target/release/dapa), GNU_TIME=path (default /usr/bin/time).
# This script builds nothing: run `cargo build --release` first.
set -euo pipefail
[[ $# -ge 1 ]] || { sed -n '2,9s/^# \{0,1\}//p' "$0" >&2; exit 2; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DAPA=${DAPA:-${CARGO_TARGET_DIR:-$ROOT/target}/release/dapa}
GNU_TIME=${GNU_TIME:-/usr/bin/time}
[[ -x $DAPA ]] || { echo "run_log.sh: $DAPA not found: cargo build --release first" >&2; exit 2; }
[[ -x $GNU_TIME ]] || { echo "run_log.sh: GNU time ($GNU_TIME) is needed for peak memory" >&2; exit 2; }
report=$(mktemp)
trap 'rm -f "$report"' EXIT
echo "| log | lines | bytes | wall | MiB/s | peak RSS |"
echo "|---|---:|---:|---:|---:|---:|"
for log in "$@"; do
  lines=$(wc -l <"$log")
  bytes=$(stat -c %s "$log")
  cat "$log" >/dev/null # warm the page cache
  "$GNU_TIME" -v "$DAPA" scan "$log" --body-pointer /response/body --time-pointer /time \
    --format json --quiet >/dev/null 2>"$report" || [[ $? -eq 1 ]]
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$report")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$report")
  seconds=$(awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }' <<<"$wall")
  rate=$(awk -v b="$bytes" -v s="$seconds" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else print "-" }')
  printf '| %s | %s | %s | %s s | %s | %.1f MiB |\n' "$(basename "$log")" "$lines" "$bytes" "$seconds" "$rate" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
done
