#!/usr/bin/env bash
# Two or more dapa binaries over one JSON Lines log, in interleaved rounds:
# the median CPU time (user + sys), wall time and peak RSS of each, and
# whether their outputs are byte for byte the same.
#
# Usage: benches/compare_log.sh ROUNDS LOG DAPA...
#   e.g. benches/compare_log.sh 7 /tmp/log200m.jsonl /tmp/dapa-before target/release/dapa
#   (make the log with benches/gen_log.py /tmp/log200m.jsonl --size 200M)
#
# CPU time is the figure to compare on a loaded machine: it counts the work
# done, not the waiting for a core. Environment: GNU_TIME=path (default /usr/bin/time).
set -euo pipefail
[[ $# -ge 3 ]] || { sed -n '2,10s/^# \{0,1\}//p' "$0" >&2; exit 2; }
rounds=$1 log=$2
shift 2
GNU_TIME=${GNU_TIME:-/usr/bin/time}
[[ -x $GNU_TIME ]] || { echo "compare_log.sh: GNU time ($GNU_TIME) is needed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(scan "$log" --body-pointer /response/body --time-pointer /time --quiet)
cat "$log" >/dev/null # warm the page cache
first=
for dapa in "$@"; do
  for format in jsonl json; do
    "$dapa" "${args[@]}" --format "$format" >"$work/out.$format" || [[ $? -eq 1 ]]
    if [[ -z $first ]]; then
      cp "$work/out.$format" "$work/first.$format"
    elif ! cmp -s "$work/out.$format" "$work/first.$format"; then
      echo "compare_log.sh: --format $format of $dapa differs from $1's" >&2
      exit 1
    fi
  done
  first=done
done
for _ in $(seq "$rounds"); do
  for i in $(seq $#); do
    dapa=${!i}
    "$GNU_TIME" -f "$i %U %S %e %M" -a -o "$work/times" "$dapa" "${args[@]}" --format json \
      >/dev/null || [[ $? -eq 1 ]]
  done
done
bytes=$(stat -c %s "$log")
echo "| binary | CPU (user+sys) median | min - max | wall median | MB/s (wall) | peak RSS (max) |"
echo "|---|---:|---:|---:|---:|---:|"
for i in $(seq $#); do
  awk -v i="$i" '$1 == i { print $2 + $3, $4, $5 }' "$work/times" | sort -n >"$work/runs"
  cpu=$(awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' "$work/runs")
  range=$(awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo " - " hi }' "$work/runs")
  wall=$(sort -n -k2 "$work/runs" | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }')
  rss=$(sort -n -k3 "$work/runs" | awk 'END { printf "%.1f", $3 / 1024 }')
  rate=$(awk -v b="$bytes" -v s="$wall" 'BEGIN { printf "%.0f", b / 1e6 / s }')
  echo "| ${!i} | $cpu s | $range s | $wall s | $rate | $rss MiB |"
done
