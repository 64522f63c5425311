# shellcheck shell=sh disable=SC2154
# bench/lib.sh - what the benchmark scripts share; sourced with $tmp set.

# wall NAME CMD... - run CMD (stdout to $tmp/NAME.out, stderr to
# $tmp/NAME.err) and print its wall time in nanoseconds; the status is CMD's
wall() {
	name=$1
	shift
	t0=$(date +%s%N)
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	t1=$(date +%s%N)
	echo $((t1 - t0))
	return $rc
}

# rate N NS - millions per second, or '-'
rate() {
	awk -v n="$1" -v ns="$2" 'BEGIN {
		if (n == "-" || ns == "-" || ns <= 0) print "-";
		else printf "%.1f\n", n * 1000 / ns }'
}

# ratio A B - A / B (of two times: the rate of B's run over A's), or '-'
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || b <= 0) print "-";
		else printf "%.3f\n", a / b }'
}
