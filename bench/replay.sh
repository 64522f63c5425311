#!/bin/sh
# bench/replay.sh BUILD - speed of `eptsim replay` against its peer, reading
# the same trace without simulating it (bench_trace decode: tr_open and
# tr_next only, the limit of any replay), for each trace format (native,
# lackey, champsim) and two access patterns (bench/bench_trace.c):
#
#   friendly  sequential 8-byte accesses over 1 MiB, round and round
#   heavy     uniform 8-byte accesses over 256 MiB (42 times the reach of a
#             1,536-entry STLB of 4 KiB pages): walk-heavy; superpages off
#             (guest and host) and memory enough that nothing swaps; long
#             enough that the first touch of each page (a guest #PF and an
#             EPT violation) is a small part of it
#
# Every replay runs in a VM under EPT (vm.enabled=true, no native
# baseline run).  Rates are accesses (data accesses and instruction
# fetches) per second of wall time of the whole process, from
# date +%s%N: this is a benchmark, nothing of it reaches a report.  The
# access count is the report's counters.accesses.  The traces are
# generated untimed into a temporary directory, one at a time.
#
# Then the memory check: the maximum RSS of a native heavy replay of N
# and 4N data accesses over the same 256 MiB (bench_trace rss, from
# getrusage): the ratio must be about 1, memory not growing with the
# trace's length.  The last line says whether the native targets held:
# friendly >= 20 M accesses/s and heavy >= 5 M accesses/s.
set -u

if [ $# -ne 1 ]; then
	echo "usage: bench/replay.sh BUILD" >&2
	exit 2
fi
build=$1
bt=$build/bench/bench_trace
eptsim=$build/eptsim
# data accesses per trace (each comes with 2 instruction fetches), sized
# for about 1-3 s of replay on the 2-core development machine
n_friendly=20000000
n_heavy=6000000
n_mem=1500000   # the memory check's N
vm="--set vm.enabled=true --set report.native_baseline=false"
heavy="--set superpages=false --set vm.superpages=false --set vm.memory=2GiB --set memory=4GiB"

for x in "$bt" "$eptsim"; do
	if [ ! -x "$x" ]; then
		echo "replay.sh: $x not built (make bench)" >&2
		exit 1
	fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eptsim-replay-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

# accesses REPORT - counters.accesses of a report, or '-'
accesses() {
	n=$(awk '/"counters"/ { c = 1 }
		c && /"accesses":/ { gsub(/[^0-9]/, ""); print; exit }' "$1" 2>/dev/null)
	echo "${n:--}"
}

# check REPORT WHAT - say so if the run did not complete or anything swapped
check() {
	st=$(awk '/"status"/ { s = 1 }
		s && /"state":/ { gsub(/[ ",]|"state":/, ""); print; exit }' "$1" 2>/dev/null)
	[ "$st" = completed ] || echo "$2: note: status ${st:-unknown}, not completed"
	sw=$(grep -Eo '"swap_(ins|outs|full)": [0-9]+' "$1" 2>/dev/null |
		awk '{ s += $2 } END { print s + 0 }')
	[ "$sw" = 0 ] || echo "$2: note: $sw swap operations (memory too small)"
}

echo "== eptsim replay against decoding the trace alone (M accesses/s, in a VM)"
printf '%-9s %-9s %11s %9s %9s %8s\n' format pattern accesses decode replay ratio
nf=- nh=-
for pattern in friendly heavy; do
	n=$n_friendly sets=
	if [ $pattern = heavy ]; then
		n=$n_heavy sets=$heavy
	fi
	for format in native lackey champsim; do
		t=$tmp/$format.$pattern
		if ! "$bt" gen $format $pattern $n "$t" 2>"$tmp/gen.err"; then
			echo "$format $pattern: gen failed: $(tail -n 1 "$tmp/gen.err")"
			continue
		fi
		ns_d=$(wall decode "$bt" decode "$t") || {
			echo "$format $pattern: decode failed: $(tail -n 1 "$tmp/decode.err")"
			ns_d=-
		}
		# shellcheck disable=SC2086 # the --set options are words
		ns_r=$(wall replay "$eptsim" replay -q -o "$t.json" $vm $sets "$t") || {
			echo "$format $pattern: replay failed: $(tail -n 1 "$tmp/replay.err")"
			ns_r=-
		}
		a=$(accesses "$t.json")
		check "$t.json" "$format $pattern"
		da=$(awk '$3 == "accesses" { print $4 }' "$tmp/decode.out")
		[ "$ns_r" = - ] || [ "$da" = "$a" ] ||
			echo "$format $pattern: note: decode read ${da:-no} accesses, the replay made $a"
		r=$(rate "$a" "$ns_r")
		printf '%-9s %-9s %11s %9s %9s %8s\n' $format $pattern "$a" \
			"$(rate "$a" "$ns_d")" "$r" "$(ratio "$ns_d" "$ns_r")"
		if [ $format = native ]; then
			if [ $pattern = friendly ]; then nf=$r; else nh=$r; fi
		fi
		rm -f "$t" "$t.json"
	done
done

echo "== memory: maximum RSS of a native heavy replay, N and 4N data accesses over 256 MiB"
printf '%-12s %11s %9s %11s\n' "data" accesses replay maxrss_kib
rss1=- rss4=-
for k in 1 4; do
	t=$tmp/native.heavy.$k
	if ! "$bt" gen native heavy $((n_mem * k)) "$t" 2>"$tmp/gen.err"; then
		echo "native heavy x$k: gen failed: $(tail -n 1 "$tmp/gen.err")"
		continue
	fi
	# shellcheck disable=SC2086
	ns=$(wall rss "$bt" rss "$eptsim" replay -q -o "$t.json" $vm $heavy "$t") || {
		echo "native heavy x$k: replay failed: $(tail -n 1 "$tmp/rss.err")"
		ns=-
	}
	m=$(awk '$1 == "maxrss_kib" { print $2 }' "$tmp/rss.err")
	a=$(accesses "$t.json")
	check "$t.json" "native heavy x$k"
	printf '%-12s %11s %9s %11s\n' "$((n_mem * k))" "$a" "$(rate "$a" "$ns")" "${m:--}"
	eval "rss$k=\${m:--}"
	rm -f "$t" "$t.json"
done
rr=$(ratio "$rss4" "$rss1")
if awk -v r="$rr" 'BEGIN { exit !(r != "-" && r <= 1.1) }'; then
	echo "maxrss 4N/N: $rr (memory does not grow with the trace's length: held)"
else
	echo "maxrss 4N/N: $rr (memory does not grow with the trace's length: NOT held)"
fi

if awk -v f="$nf" -v h="$nh" \
	'BEGIN { exit !(f != "-" && h != "-" && f >= 20 && h >= 5) }'; then
	echo "targets native friendly >= 20 M/s ($nf) and native heavy >= 5 M/s ($nh): held"
else
	echo "targets native friendly >= 20 M/s ($nf) and native heavy >= 5 M/s ($nh): NOT held"
fi
