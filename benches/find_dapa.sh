# Sourced by the benchmark scripts: sets ROOT (the repository) and DAPA (the
# binary to time: $DAPA when set, else the release build), or calls `die`.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n ${DAPA:-} ]]; then
  [[ -f $DAPA && -x $DAPA ]] || die "DAPA='$DAPA' is not an executable file"
else
  DAPA=${CARGO_TARGET_DIR:-$ROOT/target}/release/dapa
  [[ -f $DAPA && -x $DAPA ]] ||
    die "$DAPA not found: run 'cargo build --release' in $ROOT first (or point DAPA=path at a binary)"
fi
