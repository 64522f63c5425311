#!/bin/sh
# Run every test binary given, from the project root, and print one closing
# line: "tests: N passed, M failed".  Each binary is a cmocka suite; the
# end-to-end suites find the command through EPTSIM, the guest programs
# (tests/programs, built by make) in the directory EPTSIM_PROGRAMS.
# usage: tests/run.sh BUILD_DIR BINARY...
build=$1; shift
EPTSIM=$build/eptsim; export EPTSIM
EPTSIM_PROGRAMS=$build/programs; export EPTSIM_PROGRAMS
passed=0; failed=0; broken=""
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
for t in "$@"; do
	echo "== $t"
	"$t" >"$tmp" 2>&1; rc=$?
	cat "$tmp"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$tmp" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$tmp" | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		# crashed or exited without cmocka's summary: count it as a failure
		failed=$((failed + 1))
	fi
	[ "$rc" -eq 0 ] || broken="$broken $t"
done
[ -z "$broken" ] || echo "failing suites:$broken"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$broken" ]
