#!/usr/bin/env bash
# Long conformance campaigns (docs/deviations.md, "How these were found"):
# model-based scenarios run on gVisor's netstack and on the Linux kernel
# against the model, each divergence kind shrunk to a script under OUT.
#
#   tools/conform.sh                 10,000 scenarios per stack
#   N=1000 SEED=7 OUT=/tmp/c tools/conform.sh
#
# The kernel needs root (private network namespaces, TUN); it runs on the
# wall clock at about 15 scenarios a second with 16 namespaces in
# parallel, so 10,000 take some 12 minutes plus shrinking. Netstack runs on
# a virtual clock at a few thousand a second. Both use tcpclose-gvisor,
# whose registry holds model, linux, linux-quickack and gvisor.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
SEED=${SEED:-20261123}
OUT=${OUT:-$(pwd)/conform-out}
mkdir -p "$OUT"
cd stack/gvisor
go build -o "$OUT/tcpclose-gvisor" ./cmd/tcpclose-gvisor
cd ../..
status=0
# campaign STACK N DIR [flags]: exit 1 (divergences found) is a result,
# not a failure; 2 is.
campaign() {
	local stack=$1 n=$2 dir=$3
	shift 3
	local rc=0
	"$OUT/tcpclose-gvisor" conform --stack "$stack" --n "$n" --seed "$SEED" --out "$OUT/$dir" "$@" >"$OUT/$dir.txt" || rc=$?
	cat "$OUT/$dir.txt"
	if [ "$rc" -gt 1 ]; then status=$rc; fi
}
echo "== gvisor: $N scenarios, seed $SEED"
campaign gvisor "$N" gvisor --explain
if [ "$(id -u)" = 0 ] && [ -e /dev/net/tun ]; then
	echo "== linux (quickack route): $N scenarios, seed $SEED"
	campaign linux-quickack "$N" linux --progress
	echo "== linux (plain, delayed ACKs): $((N / 10)) scenarios"
	campaign linux "$((N / 10))" linux-plain
	echo "== long tests: corpus on the kernel, every script"
	TCPCLOSE_LONG=1 go test ./stack/oracle -run TestCorpusLinux -v -timeout 60m | tail -20 || status=$?
else
	echo "== linux skipped: needs root and /dev/net/tun"
fi
echo "== gvisor module, 10,000-scenario test"
(cd stack/gvisor && TCPCLOSE_LONG=1 go test ./cmd/tcpclose-gvisor -run 'TestConformGvisor|TestCorpusGvisor' -v | tail -5) || status=$?
echo "reports and scripts under $OUT"
exit "$status"
