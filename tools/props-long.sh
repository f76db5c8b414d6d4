#!/bin/sh
# tools/props-long.sh runs the long property campaigns of package props:
# the rapid and gopter agreement properties and the invariants with many
# more and longer sequences (TCPCLOSE_LONG=1), then the mutation tests
# (TCPCLOSE_MUTANTS=1), whose table goes to $OUT/mutants.md.
#
# Replaying a failure: rapid prints -rapid.seed (and keeps a fail file
# under props/testdata/rapid unless -rapid.nofailfile); gopter prints
# TCPCLOSE_GOPTER_SEED=<seed> and the subtest to -run.
set -eu
cd "$(dirname "$0")/.."
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
TCPCLOSE_LONG=1 go test ./props -run 'TestImplAgreesWithModel|TestImplAgreesWithModelGopter|TestModelInvariants|TestImplInvariants|TestEnginesAgree' -v -timeout 6h 2>&1 | tee "$OUT/props-long.txt" | grep -E '^(---|ok|FAIL)|sequences/s|abandoned'
TCPCLOSE_MUTANTS=1 TCPCLOSE_MUTANTS_OUT="$OUT/mutants.md" go test -tags mutants ./props -run 'TestMutants$' -v -timeout 6h 2>&1 | tee "$OUT/mutants.txt" | grep -E '^(---|ok|FAIL)|agree/|invariants/'
cat "$OUT/mutants.md"
