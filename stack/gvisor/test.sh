#!/bin/sh
# Runs the gVisor netstack adapter's tests. The adapter is its own Go
# module (it pulls in gVisor), so the root module's `go test ./...` does not
# reach it. Everything it needs is fetched by `go` from stack/gvisor/go.mod.
#
#   stack/gvisor/test.sh             vet, gofmt check and tests
#   stack/gvisor/test.sh -race       extra flags go to `go test`
#
# Benchmarks (not run here): impl, the model and netstack side by side,
#   cd stack/gvisor && go test -run '^$' -bench CloseHandshake -benchmem -count 6 ./...
set -eu
cd "$(dirname "$0")"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "gofmt needed:" "$unformatted" >&2
	exit 1
fi
go vet ./...
go test "$@" ./...
