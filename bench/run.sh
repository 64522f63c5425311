#!/bin/sh
# Run every benchmark built into BUILD/bench.  usage: bench/run.sh BUILD
set -eu
for b in "$1"/bench/*; do
	[ -x "$b" ] || continue
	echo "== $b"
	"$b"
done
