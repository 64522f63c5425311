#!/bin/sh
# Run every benchmark built into BUILD/bench, then bench/exec.sh (eptsim
# exec against bare Unicorn and lackey) and bench/replay.sh (eptsim replay
# against decoding the trace alone).  bench_uc and bench_trace are the
# tools of those two scripts, not benchmarks of their own.
# usage: bench/run.sh BUILD
set -eu
for b in "$1"/bench/*; do
	[ -x "$b" ] || continue
	case $b in
	*/bench_uc | */bench_trace) continue ;;
	esac
	echo "== $b"
	"$b"
done
sh "$(dirname "$0")/exec.sh" "$1"
sh "$(dirname "$0")/replay.sh" "$1"
