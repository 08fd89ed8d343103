#!/usr/bin/env bash
# Time `dapa scan` against its floors: the least work any tool must do to read
# and parse (and validate) every file, with dapa's own crates, allocator and
# thread pool (examples/floor.rs).
#
# Usage: benches/floor.sh CORPUS_DIR [ROUNDS]      (ROUNDS defaults to 11)
#
# Environment:
#   DAPA=path       dapa binary (default: target/release/dapa of this repo,
#                   or $CARGO_TARGET_DIR/release/dapa when that is set)
#   FLOOR=path      floor binary (default: target/release/examples/floor beside it)
#   SCHEMA=path     schema (default: schemas/cognigy-profile.json)
#
# Each round runs, one after the other: floor parse, dapa scan, floor validate,
# dapa scan --schema. A ratio is dapa's time over its floor's in the same round;
# the figure is the median over the rounds, with the lowest and highest. Every
# command runs from an empty folder, so that no dapa.toml is found. This script
# builds nothing: run `cargo build --release --bin dapa --example floor` first.
set -euo pipefail

die() { printf 'floor.sh: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,18s/^# \{0,1\}//p' "$0" >&2; exit 2; }

[[ $# -ge 1 && $# -le 2 ]] || usage
[[ $1 == -h || $1 == --help ]] && usage
CORPUS=$(cd "$1" 2>/dev/null && pwd) || die "corpus directory '$1' does not exist (make one with benches/gen_corpus.py)"
ROUNDS=${2:-11}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"

# shellcheck source=benches/find_dapa.sh
. "$(dirname "${BASH_SOURCE[0]}")/find_dapa.sh"
DAPA=$(cd "$(dirname "$DAPA")" && pwd)/$(basename "$DAPA")
FLOOR=${FLOOR:-$(dirname "$DAPA")/examples/floor}
[[ -x $FLOOR ]] || die "$FLOOR not found: run 'cargo build --release --example floor' first"
SCHEMA=${SCHEMA:-$ROOT/schemas/cognigy-profile.json}
SCHEMA=$(cd "$(dirname "$SCHEMA")" && pwd)/$(basename "$SCHEMA")
[[ -f $SCHEMA ]] || die "schema '$SCHEMA' not found"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dapa-floor.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

NAMES=(floor-parse dapa floor-validate dapa-schema)
run() {
  case $1 in
    floor-parse) "$FLOOR" parse "$CORPUS" ;;
    floor-validate) "$FLOOR" validate "$CORPUS" "$SCHEMA" ;;
    # Exit 1 (problems found) is expected; anything else stops the benchmark.
    dapa) "$DAPA" scan "$CORPUS" --quiet --format json || [[ $? -eq 1 ]] ;;
    dapa-schema) "$DAPA" scan "$CORPUS" --quiet --format json --schema "$SCHEMA" || [[ $? -eq 1 ]] ;;
  esac > /dev/null
}

printf 'floor.sh: warming the page cache...\n' >&2
for name in "${NAMES[@]}"; do run "$name" || die "warm-up: $name failed"; done
for ((round = 1; round <= ROUNDS; round++)); do
  line=""
  for name in "${NAMES[@]}"; do
    t0=$(date +%s%N)
    run "$name" || die "round $round: $name failed"
    t1=$(date +%s%N)
    echo $((t1 - t0)) >> "$TMP/$name.ns"
    line+=" $name $(((t1 - t0) / 1000000)) ms"
  done
  printf 'floor.sh: round %d/%d:%s\n' "$round" "$ROUNDS" "$line" >&2
done

# Per-round ratios, then their median and range.
ratio() { paste "$TMP/$1.ns" "$TMP/$2.ns" | awk '{printf "%.4f\n", $1 / $2}' | sort -n; }
summary() { awk '{a[NR] = $1} END {printf "%.2f | %.2f - %.2f", a[int((NR + 1) / 2)], a[1], a[NR]}'; }
median_ms() { sort -n "$TMP/$1.ns" | awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)] / 1e6}'; }

read -r FILES BYTES < <(find "$CORPUS" -type f -printf '%s\n' | awk '{n++; s += $1} END {printf "%d %d\n", n, s}')
cat <<EOF

| benchmark | |
|---|---|
| machine | $(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown), nproc $(nproc) |
| corpus | $FILES files, $BYTES bytes |
| rounds | $ROUNDS, interleaved, warm page cache |

| command | median |
|---|---:|
| floor: walk + read + serde_json | $(median_ms floor-parse) ms |
| \`dapa scan DIR --quiet --format json\` | $(median_ms dapa) ms |
| floor: ... + jsonschema \`is_valid\` (formats checked, as dapa does) | $(median_ms floor-validate) ms |
| \`dapa scan ... --schema SCHEMA\` | $(median_ms dapa-schema) ms |

| ratio | median | min - max |
|---|---:|---:|
| dapa / parse floor | $(ratio dapa floor-parse | summary) |
| dapa --schema / parse + validate floor | $(ratio dapa-schema floor-validate | summary) |
EOF
