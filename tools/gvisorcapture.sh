#!/bin/sh
# gvisorcapture.sh: gVisor's netstack closing connections in every
# pattern (active, passive, simultaneous, half-close, unread-data RST,
# SO_LINGER {1,0}, refused connect, TIME-WAIT reuse) between two netstack
# hosts joined back to back in virtual time, with and without 10% random
# loss (seeded; the seed is printed), captured at A and judged under the
# gvisor profile (package capture, vantage a). Runs in the stack/gvisor
# module; needs no privileges.
#
# Usage: tools/gvisorcapture.sh [REPS [DIR [SEED]]]   (default 20
# repetitions per pattern and loss; the pcaps are kept in DIR if given)
# TCPCLOSE_GVISOR_CAPTURE_FIELDS=Name=value,... judges with gvisor's
# fields changed.
set -eu
reps=${1:-20}
dir=${2:-}
seed=${3:-1}
if [ -n "$dir" ]; then
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
fi
cd "$(dirname "$0")/../stack/gvisor"
TCPCLOSE_GVISOR_CAPTURE_REPS=$reps TCPCLOSE_GVISOR_CAPTURE_DIR=$dir TCPCLOSE_GVISOR_CAPTURE_SEED=$seed \
	go test . -run '^TestCaptureJudgedGvisor$' -count=1 -v | grep -v '^=== '
if [ -n "$dir" ]; then
	echo "captures in $dir; judge one again with:"
	echo "  go run ./cmd/tcpclose check $dir/gvisor-half-close-loss0-seed301.pcap -profile gvisor -vantage a"
fi
