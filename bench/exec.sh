#!/bin/sh
# bench/exec.sh BUILD - speed of `eptsim exec` on the test programs against
# its peers, in guest instructions per second:
#
#   a  eptsim exec, the full model (a VM under EPT, no native baseline run)
#   b  bench_uc --hooks none: bare Unicorn, the ceiling
#   c  bench_uc --hooks empty: bare Unicorn with the memory and block hooks
#      eptsim needs, doing nothing (the fair peer: a/c is what the model costs)
#   d  valgrind --tool=lackey --trace-mem=yes, natively (the tool people use
#      to get a program's memory trace today)
#
# The instruction count of every rate is bench_uc --hooks code's exact count
# (one untimed run).  Wall-clock time of the whole process, from date +%s%N:
# this is a benchmark, nothing of it reaches a report.  Each program runs at
# a scale taking about 1-2 s in bare Unicorn; lackey takes 20-70 s each.
# The last line says whether a/c >= 0.5 and a/d >= 10 held for all.
set -u

if [ $# -ne 1 ]; then
	echo "usage: bench/exec.sh BUILD" >&2
	exit 2
fi
build=$1
uc=$build/bench/bench_uc
eptsim=$build/eptsim
# program:scale
progs="sweep:16 random:8 chase:4 hash:16 churn:5"

if [ ! -x "$uc" ]; then
	echo "exec.sh: $uc not built (make bench)" >&2
	exit 1
fi
have_exec=0
if [ -x "$eptsim" ] && "$eptsim" exec --help >/dev/null 2>&1; then
	have_exec=1
fi
have_vg=0
if command -v valgrind >/dev/null 2>&1; then
	have_vg=1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eptsim-exec-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

echo "== eptsim exec against bare Unicorn and lackey (M instructions/s)"
[ $have_exec = 1 ] || echo "(a) eptsim exec: unavailable ($eptsim exec --help failed)"
[ $have_vg = 1 ] || echo "(d) valgrind: not installed"
printf '%-8s %6s %12s %9s %9s %9s %9s %8s %8s %8s\n' \
	program scale instructions a b c d a/b a/c a/d
held=1
for pv in $progs; do
	p=${pv%%:*}
	scale=${pv#*:}
	prog=$build/programs/$p
	if [ ! -x "$prog" ]; then
		echo "$p: $prog not built (make bench)"
		held=0
		continue
	fi
	rm -f "$tmp"/*.err
	"$uc" --hooks code "$prog" "$scale" >/dev/null 2>"$tmp/count.err"
	n=$(awk '$1 == "instructions:" { print $2 }' "$tmp/count.err")
	[ -n "$n" ] || n=-

	ns_a=-
	if [ $have_exec = 1 ]; then
		ns_a=$(wall a "$eptsim" exec -q -o "$tmp/$p.json" \
			--set vm.enabled=true --set report.native_baseline=false \
			"$prog" "$scale") || ns_a=-
		sim_n=$(awk '/"counters"/ { c = 1 }
			c && /"instructions":/ { gsub(/[^0-9]/, ""); print; exit }' \
			"$tmp/$p.json" 2>/dev/null)
		if [ "$ns_a" != - ] && [ "$sim_n" != "$n" ]; then
			echo "$p: note: eptsim counted ${sim_n:-no} instructions, bench_uc $n"
		fi
	fi
	ns_b=$(wall b "$uc" --hooks none "$prog" "$scale") || ns_b=-
	ns_c=$(wall c "$uc" --hooks empty "$prog" "$scale") || ns_c=-
	ns_d=-
	if [ $have_vg = 1 ]; then
		ns_d=$(wall d valgrind --tool=lackey --trace-mem=yes \
			--log-file=/dev/null "$prog" "$scale") || ns_d=-
	fi
	for r in a b c d; do
		ns=-
		eval "ns=\$ns_$r"
		if [ "$ns" = - ] && [ -s "$tmp/$r.err" ]; then
			echo "$p: ($r) failed: $(tail -n 1 "$tmp/$r.err")"
		fi
	done

	ac=$(ratio "$ns_c" "$ns_a")
	ad=$(ratio "$ns_d" "$ns_a")
	printf '%-8s %6s %12s %9s %9s %9s %9s %8s %8s %8s\n' "$p" "$scale" "$n" \
		"$(rate "$n" "$ns_a")" "$(rate "$n" "$ns_b")" \
		"$(rate "$n" "$ns_c")" "$(rate "$n" "$ns_d")" \
		"$(ratio "$ns_b" "$ns_a")" "$ac" "$ad"
	if ! awk -v ac="$ac" -v ad="$ad" \
		'BEGIN { exit !(ac != "-" && ad != "-" && ac >= 0.5 && ad >= 10) }'; then
		held=0
	fi
done

if [ $have_exec = 0 ]; then
	echo "targets a/c >= 0.5 and a/d >= 10: not measured (eptsim exec unavailable)"
elif [ $held = 1 ]; then
	echo "targets a/c >= 0.5 and a/d >= 10: held for every program"
else
	echo "targets a/c >= 0.5 and a/d >= 10: NOT held for every program"
fi
