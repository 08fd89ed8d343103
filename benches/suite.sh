#!/usr/bin/env bash
# Re-measure scan, scan with a definition, and replay in one command.
#
# Usage: benches/suite.sh WORK_DIR [RUNS]         (RUNS defaults to 7)
#
# Makes, in WORK_DIR, what is missing of: corpus/ (benches/gen_corpus.py,
# 20,000 captures), contact-profile.action.json (benches/gen_definition.py, a
# definition whose contract fits the corpus; kept outside the corpus so the
# plain scan does not find it) and replies/ (benches/gen_replies.py, 20,000 raw
# CRM replies). Then runs benches/run.sh three times, each dapa / cat:
#   1. dapa scan corpus/
#   2. dapa scan corpus/ --definition contact-profile.action.json
#   3. dapa replay replies/ --definition samples/definitions/get-contact-profile.action.json
# Signatures are always on in scan and replay, so every figure includes them.
# Environment: DAPA, DAPA_JOBS, GNU_TIME as for benches/run.sh.
# This script builds nothing: run `cargo build --release` first.
set -euo pipefail

die() { printf 'suite.sh: %s\n' "$*" >&2; exit 2; }

usage() {
  sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || usage
[[ $1 == -h || $1 == --help ]] && usage
WORK=$1
RUNS=${2:-7}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
case $WORK in *' '*) die "WORK_DIR must not contain spaces (run.sh splits DAPA_EXTRA on them)" ;; esac

BENCHES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPLAY_DEFINITION=$(cd "$BENCHES/.." && pwd)/samples/definitions/get-contact-profile.action.json
[[ -f $REPLAY_DEFINITION ]] || die "missing $REPLAY_DEFINITION"
case $REPLAY_DEFINITION in *' '*) die "the repository's path must not contain spaces" ;; esac

mkdir -p "$WORK"
CORPUS=$WORK/corpus
DEFINITION=$WORK/contact-profile.action.json
REPLIES=$WORK/replies
[[ -d $CORPUS ]] || python3 "$BENCHES/gen_corpus.py" "$CORPUS"
[[ -f $DEFINITION ]] || python3 "$BENCHES/gen_definition.py" "$DEFINITION"
[[ -d $REPLIES ]] || python3 "$BENCHES/gen_replies.py" "$REPLIES"

section() { printf '\n### %s\n' "$1"; }

section 'scan, no schema'
DAPA_EXTRA='' "$BENCHES/run.sh" "$CORPUS" "$RUNS"
section 'scan with --definition'
DAPA_EXTRA="--definition $DEFINITION" "$BENCHES/run.sh" "$CORPUS" "$RUNS"
section 'replay'
DAPA_COMMAND=replay DAPA_EXTRA="--definition $REPLAY_DEFINITION --fail-on none" \
  "$BENCHES/run.sh" "$REPLIES" "$RUNS"
