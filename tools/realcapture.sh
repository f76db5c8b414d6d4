#!/bin/sh
# realcapture.sh: capture the Linux kernel closing connections in every
# pattern (active, passive, simultaneous, half-close, unread-data RST,
# SO_LINGER {1,0}, refused connect, TIME-WAIT reuse) between two private
# network namespaces joined by a veth pair, with and without 10% random
# loss (nftables numgen random in B's namespace), and judge the captures
# under the linux profile (tcpclose check -profile linux -vantage a).
#
# Needs root, iproute2, nftables, tcpdump and ethtool:
#   apt-get install -y nftables tcpdump ethtool
# Usage: tools/realcapture.sh [REPS [DIR]]   (default 5 repetitions; the
# pcaps are kept in DIR, default a temporary directory)
set -eu
reps=${1:-5}
dir=${2:-$(mktemp -d)}
mkdir -p "$dir"
cd "$(dirname "$0")/.."
TCPCLOSE_REAL_CAPTURES=1 TCPCLOSE_REAL_REPS=$reps TCPCLOSE_REAL_DIR=$dir \
	go test ./capture -run '^TestRealLinux$' -count=1 -v | grep -v '^=== '
echo "captures in $dir; judge one again with:"
echo "  go run ./cmd/tcpclose check -profile linux -vantage a $dir/real-linux-loss10.pcap"
