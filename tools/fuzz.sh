#!/usr/bin/env bash
# Fuzzing campaign: runs each native Go fuzz target for the given number of
# seconds, one after another, and prints a summary table.
#
#   tools/fuzz.sh [seconds-per-target] [target...]
#
# A target is PKG:Name or, for package fuzz, just Name. Default: 600 s per
# target, every target of the module: fuzz:FuzzAgree fuzz:FuzzSim
# fuzz:FuzzScript fuzz:FuzzSegmentCodec script:FuzzParse script:FuzzReader
# sim:FuzzFaults.
# For each target it records the executions per second (from the fuzzer's
# progress lines), the corpus size at the start and the end (the "total"
# of the progress lines: seeds plus what the fuzz cache holds) and the new
# interesting inputs, and the crashes: files the fuzzer wrote under
# PKG/testdata/fuzz/<Target>/ after a failure (Go minimizes them first).
#
# When a target fails before its time is up, the crasher is moved to
# PKG/testdata/crashers/<Target>/ (a failing corpus entry would stop every
# later run at once) and the target runs again for the time left. Triage
# each crasher (go test ./fuzz -run TestDecode -v -decode <file>); a real
# bug that is fixed goes back into testdata/fuzz/<Target>/ as a regression.
#
# Environment:
#   FUZZ_MINIMIZE   -fuzzminimizetime (default: Go's own, 60s; every target
#                   bounds the bytes it reads, so minimizing is cheap)
#   FUZZ_PARALLEL   -parallel (default: GOMAXPROCS)
#   FUZZ_FRESH=1    drop the target's fuzz cache first, so the corpus
#                   starts from the committed seeds
#   FUZZ_LOG_DIR    where the raw logs go (default: a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(fuzz:FuzzAgree fuzz:FuzzSim fuzz:FuzzScript fuzz:FuzzSegmentCodec script:FuzzParse script:FuzzReader sim:FuzzFaults)
fi
minarg=()
if [ -n "${FUZZ_MINIMIZE:-}" ]; then minarg=(-fuzzminimizetime "$FUZZ_MINIMIZE"); fi
logdir="${FUZZ_LOG_DIR:-$(mktemp -d -t tcpclose-fuzz.XXXXXX)}"
mkdir -p "$logdir"
module=github.com/tcpclose/tcpclose
gocache="$(go env GOCACHE)"
par=()
if [ -n "${FUZZ_PARALLEL:-}" ]; then par=(-parallel "$FUZZ_PARALLEL"); fi

echo "campaign: ${secs}s per target, minimize ${FUZZ_MINIMIZE:-Go default}, $(nproc) CPUs, logs in $logdir"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -c -o /dev/null ./fuzz # fail early on a build error
go test -c -o /dev/null ./script
go test -c -o /dev/null ./sim

summary="$logdir/summary.tsv"
printf 'target\tseconds\texecs\texecs/s\tcorpus start\tcorpus end\tnew interesting\tcrashes\tdistinct\tload start\tload end\n' >"$summary"

for spec in "${targets[@]}"; do
	case "$spec" in
	*:*) pkg=${spec%%:*} t=${spec#*:} ;;
	*) pkg=fuzz t=$spec ;;
	esac
	corpus="$pkg/testdata/fuzz/$t"
	mkdir -p "$corpus"
	if [ "${FUZZ_FRESH:-0}" = 1 ]; then rm -rf "${gocache:?}/fuzz/$module/$pkg/$t"; fi
	load0=$(cut -d' ' -f1 /proc/loadavg)
	left=$secs
	execs=0
	elapsed=0
	start_total=""
	end_total=0
	newint=0
	crashes=0
	sigs=()
	round=0
	while [ "$left" -gt 0 ]; do
		round=$((round + 1))
		log="$logdir/$t.$round.log"
		before=$(ls "$corpus" | sort)
		t0=$(date +%s)
		set +e
		go test "./$pkg" -run '^$' -fuzz "^$t\$" -fuzztime "${left}s" "${minarg[@]}" "${par[@]}" >"$log" 2>&1
		rc=$?
		set -e
		t1=$(date +%s)
		# Progress lines: "fuzz: elapsed: 3s, execs: 22277 (7425/sec), new interesting: 125 (total: 125)"
		read -r e x n tot0 tot1 < <(awk '
			/^fuzz: elapsed:/ {
				el = $3; sub(/,$/, "", el)
				s = 0
				if (el ~ /h/) { split(el, a, "h"); s += a[1] * 3600; el = a[2] }
				if (el ~ /m/) { split(el, a, "m"); s += a[1] * 60; el = a[2] }
				sub(/s$/, "", el); s += el
				x = $5; sub(/,$/, "", x)
				for (i = 1; i <= NF; i++) {
					if ($i == "interesting:") n = $(i + 1)
					if ($i == "(total:") { tot = $(i + 1); sub(/\)$/, "", tot) }
				}
				if (first == "") first = tot
				last_e = s; last_x = x; last_n = n; last_t = tot
			}
			END { printf "%d %d %d %s %d\n", last_e, last_x, last_n, (first == "" ? "0" : first), last_t }
		' "$log")
		execs=$((execs + x))
		elapsed=$((elapsed + e))
		newint=$((newint + n))
		if [ -z "$start_total" ]; then start_total=$tot0; fi
		end_total=$tot1
		new=$(comm -13 <(echo "$before") <(ls "$corpus" | sort) | grep -v '^$' || true)
		if [ "$rc" -ne 0 ]; then
			if [ -z "$new" ]; then
				# No input to blame: say what the log says went wrong (a
				# worker killed from outside or out of memory, a hang, a
				# build error) rather than a bare FAIL.
				why=$(grep -m1 -E 'hung or terminated unexpectedly|signal: killed|out of memory|timed out|panic:|cannot|build failed' "$log" || true)
				echo "$t: go test failed without a crasher (exit $rc): ${why:-no reason in the log}; see $log" >&2
				tail -20 "$log" >&2
				break
			fi
			mkdir -p "$pkg/testdata/crashers/$t"
			# The failure's first message line, with the input's
			# details cut off, tells repeats of one bug apart.
			sig=$(grep -m1 -E '_test\.go:[0-9]+:' "$log" | sed -E 's/^[[:space:]]*//' | cut -c1-120 || true)
			for f in $new; do
				crashes=$((crashes + 1))
				mv "$corpus/$f" "$pkg/testdata/crashers/$t/$f"
				echo "$t: crasher $pkg/testdata/crashers/$t/$f (log $log)"
				grep -m1 -A12 -- '--- FAIL' "$log" | sed 's/^/    /' || true
			done
			if printf '%s\n' "${sigs[@]}" | grep -qxF -- "$sig"; then
				echo "$t: the same failure again; not running it further" >&2
				break
			fi
			sigs+=("$sig")
		fi
		used=$((t1 - t0))
		if [ "$used" -lt 1 ]; then used=1; fi
		left=$((left - used))
		if [ "$rc" -eq 0 ]; then break; fi
	done
	load1=$(cut -d' ' -f1 /proc/loadavg)
	rate=0
	if [ "$elapsed" -gt 0 ]; then rate=$((execs / elapsed)); fi
	printf '%s\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n' "$t" "$elapsed" "$execs" "$rate" "$start_total" "$end_total" "$newint" "$crashes" "${#sigs[@]}" "$load0" "$load1" >>"$summary"
	echo "$t: ${elapsed}s, $execs execs ($rate/s), corpus $start_total -> $end_total, $crashes crashes"
done

echo
column -t -s "$(printf '\t')" "$summary"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
