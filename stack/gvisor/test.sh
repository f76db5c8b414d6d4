#!/bin/sh
# Runs the gVisor netstack adapter's tests. The adapter is its own Go
# module (it pulls in gVisor), so the root module's `go test ./...` does not
# reach it. Everything it needs is fetched by `go` from gvisorstack/go.mod.
#
#   gvisorstack/test.sh              vet, gofmt check and tests
#   gvisorstack/test.sh -race        extra flags go to `go test`
#
# Benchmarks (not run here):
#   cd gvisorstack && go test -run '^$' -bench CloseHandshake -count 5 ./...
set -eu
cd "$(dirname "$0")"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "gofmt needed:" "$unformatted" >&2
	exit 1
fi
go vet ./...
go test "$@" ./...
