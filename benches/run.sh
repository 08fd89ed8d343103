#!/usr/bin/env bash
# Benchmark `dapa scan` (or `dapa replay`) against plain `cat` of the same files.
#
# Usage: benches/run.sh CORPUS_DIR [RUNS]        (RUNS defaults to 7)
#
# Environment:
#   DAPA=path       binary to benchmark (default: target/release/dapa of this repo,
#                   or $CARGO_TARGET_DIR/release/dapa when that is set)
#   DAPA_COMMAND=replay
#                   time `dapa replay` instead of `dapa scan` (give its
#                   `--definition FILE --fail-on none` in DAPA_EXTRA)
#   DAPA_JOBS=N     pass `--jobs N` to dapa
#   DAPA_EXTRA="--profile cognigy-profile"
#                   more options (split on spaces), e.g. to time the schema layer
#   GNU_TIME=path   GNU time used for the peak-RSS run (default /usr/bin/time;
#                   skipped with a note when it is missing)
#
# This script builds nothing: run `cargo build --release` first.
# A corpus can be made with: benches/gen_corpus.py /tmp/dapa-corpus
set -euo pipefail

die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }

usage() {
  sed -n '2,17s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || usage
[[ $1 == -h || $1 == --help ]] && usage

CORPUS=$1
RUNS=${2:-7}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ -d $CORPUS ]] || die "corpus directory '$CORPUS' does not exist (make one with benches/gen_corpus.py)"

# shellcheck source=benches/find_dapa.sh
. "$(dirname "${BASH_SOURCE[0]}")/find_dapa.sh"

DAPA_COMMAND=${DAPA_COMMAND:-scan}
[[ $DAPA_COMMAND == scan || $DAPA_COMMAND == replay ]] ||
  die "DAPA_COMMAND must be scan or replay, got '$DAPA_COMMAND'"
DAPA_ARGS=("$DAPA_COMMAND" "$CORPUS" --quiet --format json)
if [[ -n ${DAPA_JOBS:-} ]]; then
  [[ $DAPA_JOBS =~ ^[0-9]+$ ]] || die "DAPA_JOBS must be an integer, got '$DAPA_JOBS'"
  DAPA_ARGS+=(--jobs "$DAPA_JOBS")
fi
if [[ -n ${DAPA_EXTRA:-} ]]; then
  read -r -a EXTRA <<<"$DAPA_EXTRA"
  DAPA_ARGS+=("${EXTRA[@]}")
fi

# --- clock ------------------------------------------------------------------
# `date +%s%N` (GNU coreutils) gives nanoseconds; elsewhere %N is not expanded,
# so fall back to python's clock.  Both sides of the ratio use the same clock.
if [[ $(date +%s%N) =~ ^[0-9]+$ ]]; then
  now_ns() { date +%s%N; }
elif command -v python3 >/dev/null; then
  now_ns() { python3 -c 'import time; print(time.time_ns())'; }
else
  die "need GNU date (date +%s%N) or python3 for nanosecond timing"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dapa-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# --- corpus facts -----------------------------------------------------------
read -r FILES BYTES < <(find "$CORPUS" -type f -printf '%s\n' | awk '{n++; s+=$1} END {printf "%.0f %.0f\n", n, s}')
[[ $FILES -gt 0 ]] || die "corpus '$CORPUS' contains no files"

CPU_MODEL=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
CPU_MODEL=${CPU_MODEL:-unknown}
NPROC=$(nproc 2>/dev/null || echo '?')

# --- the two commands ---------------------------------------------------------
cat_all() {
  find "$CORPUS" -type f -print0 | xargs -0 cat > /dev/null
}

# Runs dapa once; exit 0 (clean) and 1 (problems found) are both fine.
run_dapa() {
  local rc=0
  "$DAPA" "${DAPA_ARGS[@]}" > /dev/null 2> "$TMP/dapa.stderr" || rc=$?
  if [[ $rc -ne 0 && $rc -ne 1 ]]; then
    {
      # shellcheck disable=SC2016 # the backticks are Markdown for the command
      printf 'run.sh: benchmark aborted: `%s %s` exited with status %d (expected 0 or 1)\n' \
        "$DAPA" "${DAPA_ARGS[*]}" "$rc"
      if [[ -s $TMP/dapa.stderr ]]; then
        echo '--- last lines of its stderr:'
        tail -n 20 "$TMP/dapa.stderr"
      fi
    } >&2
    exit 1
  fi
}

# time_ns FUNCTION -> prints elapsed nanoseconds
time_ns() {
  local t0 t1
  t0=$(now_ns)
  "$1" || return    # errexit is off inside $(...), so propagate failures by hand
  t1=$(now_ns)
  echo $((t1 - t0))
}

median() { # numbers on stdin -> median (integer ns)
  sort -n | awk '{a[NR] = $1} END {
    if (NR == 0) exit 1
    if (NR % 2) printf "%.0f\n", a[(NR + 1) / 2]
    else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

ms() { awk -v ns="$1" 'BEGIN {printf "%.1f ms", ns / 1e6}'; }

# --- warm-up and timed rounds ----------------------------------------------------
printf 'run.sh: %s files, %s bytes in %s; dapa = %s\n' "$FILES" "$BYTES" "$CORPUS" "$DAPA" >&2
printf 'run.sh: warming the page cache...\n' >&2
cat_all || die "warm-up failed: could not cat every file in $CORPUS"

: > "$TMP/cat.ns"
: > "$TMP/dapa.ns"
for ((i = 1; i <= RUNS; i++)); do
  c=$(time_ns cat_all) || die "round $i: find | xargs cat failed"
  d=$(time_ns run_dapa) || exit 1   # run_dapa has already explained the failure
  echo "$c" >> "$TMP/cat.ns"
  echo "$d" >> "$TMP/dapa.ns"
  printf 'run.sh: round %d/%d  cat %s  dapa %s\n' "$i" "$RUNS" "$(ms "$c")" "$(ms "$d")" >&2
done

MED_CAT=$(median < "$TMP/cat.ns")
MED_DAPA=$(median < "$TMP/dapa.ns")
RATIO=$(awk -v a="$MED_DAPA" -v b="$MED_CAT" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}')
range() { sort -n "$1" | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.1f - %.1f ms", lo / 1e6, hi / 1e6}'; }

# --- peak RSS (one extra run) -----------------------------------------------------
GNU_TIME=${GNU_TIME:-/usr/bin/time}
RSS="skipped: $GNU_TIME not found (GNU time is needed; not installing anything)"
if [[ -x $GNU_TIME ]]; then
  # GNU time writes a "Maximum resident set size" line with -v -o; BSD time does not.
  if "$GNU_TIME" -v -o "$TMP/probe.txt" true > /dev/null 2>&1 &&
    grep -q 'Maximum resident set size' "$TMP/probe.txt" 2> /dev/null; then
    rc=0
    "$GNU_TIME" -v -o "$TMP/time.txt" "$DAPA" "${DAPA_ARGS[@]}" > /dev/null 2> "$TMP/dapa.stderr" || rc=$?
    if [[ $rc -ne 0 && $rc -ne 1 ]]; then
      die "peak-RSS run: dapa exited with status $rc (expected 0 or 1)"
    fi
    kb=$(awk -F': *' '/Maximum resident set size/ {print $2}' "$TMP/time.txt" 2> /dev/null || true)
    if [[ $kb =~ ^[0-9]+$ ]]; then
      RSS=$(awk -v kb="$kb" 'BEGIN {printf "%.1f MiB (%.0f KiB)", kb / 1024, kb}')
    else
      RSS="skipped: could not read 'Maximum resident set size' from $GNU_TIME -v"
    fi
  else
    RSS="skipped: $GNU_TIME is not GNU time (no usable -v)"
  fi
fi
if [[ $RSS == skipped* ]]; then
  printf 'run.sh: peak RSS %s\n' "$RSS" >&2
fi

JOBS_DESC=${DAPA_JOBS:+--jobs $DAPA_JOBS}${DAPA_EXTRA:+ $DAPA_EXTRA}
MIB=$(awk -v b="$BYTES" 'BEGIN {printf "%.1f", b / 1048576}')

cat <<EOF

| benchmark | |
|---|---|
| machine | $CPU_MODEL, nproc $NPROC |
| corpus | $FILES files, $BYTES bytes ($MIB MiB) |
| runs | $RUNS interleaved rounds, warm page cache |
| dapa | \`dapa $DAPA_COMMAND DIR --quiet --format json${JOBS_DESC:+ $JOBS_DESC}\` |

| command | median | min - max |
|---|---:|---:|
| find + xargs cat | $(ms "$MED_CAT") | $(range "$TMP/cat.ns") |
| dapa $DAPA_COMMAND | $(ms "$MED_DAPA") | $(range "$TMP/dapa.ns") |
| **ratio dapa / cat** | **${RATIO}x** | |
| dapa peak RSS | $RSS | |
EOF
