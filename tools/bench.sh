#!/bin/sh
# tools/bench.sh reproduces the tables of docs/performance.md:
#
#   1. model vs implementation on the same recorded event streams
#      (props BenchmarkEngines), with the impl/model ratio;
#   2. the TIME-WAIT table at 1M entries (10M with BIG=1): lookup,
#      insert, expiry in ns/op and bytes per entry (impl
#      BenchmarkTimeWaitTable, BenchmarkStackTimeWaitMemory);
#   3. sequences per second of the rapid and gopter agreement properties
#      (props BenchmarkAgreement).
#
# Environment: COUNT (default 6) runs per benchmark, OUT (default a
# temporary directory) for the raw results, BIG=1 for 10M TIME-WAIT entries.
# benchstat runs through the module proxy (it is not a dependency of the
# module).
set -eu
cd "$(dirname "$0")/.."
COUNT=${COUNT:-6}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
benchstat() { go run golang.org/x/perf/cmd/benchstat@latest "$@"; }

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/machine.txt"

go test ./props -run '^$' -bench 'BenchmarkEngines' -count "$COUNT" -timeout 2h | tee "$OUT/engines.txt"
benchstat -col /engine "$OUT/engines.txt" | tee "$OUT/engines-benchstat.txt"

if [ "${BIG:-}" = 1 ]; then export TCPCLOSE_BIG=1; fi
go test ./impl -run '^$' -bench 'BenchmarkTimeWaitTable|BenchmarkStackTimeWaitMemory' -count "$COUNT" -timeout 2h | tee "$OUT/timewait.txt"
benchstat "$OUT/timewait.txt" | tee "$OUT/timewait-benchstat.txt"

go test ./props -run '^$' -bench 'BenchmarkAgreement' -benchtime 200x -count "$COUNT" -timeout 2h | tee "$OUT/agreement.txt"
benchstat "$OUT/agreement.txt" | tee "$OUT/agreement-benchstat.txt"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
