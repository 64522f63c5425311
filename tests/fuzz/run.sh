#!/bin/sh
# run.sh - the short, deterministic fuzz run of `make check`.  Copied to
# BUILD/fuzz/run, it runs each fuzz target beside it (BUILD/fuzz/fuzz_NAME)
# for $EPTSIM_FUZZ_RUNS inputs (20000) from seed 1, starting from a copy of
# tests/fuzz/corpus/NAME, so the committed corpus is left as it is.  It
# prints cmocka's summary lines, so tests/run.sh counts each target as one
# test.  A finding leaves its input as BUILD/fuzz/crash-NAME-*; replay it
# with `BUILD/fuzz/fuzz_NAME FILE`.  Run from the project root.
dir=$(dirname "$0")
runs=${EPTSIM_FUZZ_RUNS:-20000}
total=0; passed=0; failed=""
for bin in "$dir"/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	total=$((total + 1))
	echo "[ RUN      ] fuzz_$name"
	work=$(mktemp -d)
	mkdir "$work/corpus"
	cp tests/fuzz/corpus/"$name"/* "$work/corpus/" 2>/dev/null
	if "$bin" -runs="$runs" -seed=1 -max_len=4096 -timeout=30 -rss_limit_mb=2048 \
		-artifact_prefix="$dir/crash-$name-" "$work/corpus" >"$work/log" 2>&1; then
		grep '^Done ' "$work/log"
		echo "[       OK ] fuzz_$name"
		passed=$((passed + 1))
	else
		tail -n 60 "$work/log"
		echo "[  FAILED  ] fuzz_$name"
		failed="$failed fuzz_$name"
	fi
	rm -rf "$work"
done
if [ "$total" -eq 0 ]; then
	echo "no fuzz targets in $dir"
	failed=" fuzz_targets_missing"
fi
echo "[==========] $total test(s) run."
echo "[  PASSED  ] $passed test(s)."
[ -z "$failed" ] || {
	set -- $failed
	echo "[  FAILED  ] $# test(s), listed below:"
	for f in "$@"; do echo "[  FAILED  ] $f"; done
	exit 1
}
