#!/bin/sh
# Run every benchmark built into BUILD/bench, then bench/exec.sh (eptsim
# exec against bare Unicorn and lackey; bench_uc is its tool, not a
# benchmark of its own).  usage: bench/run.sh BUILD
set -eu
for b in "$1"/bench/*; do
	[ -x "$b" ] || continue
	case $b in
	*/bench_uc) continue ;;
	esac
	echo "== $b"
	"$b"
done
sh "$(dirname "$0")/exec.sh" "$1"
