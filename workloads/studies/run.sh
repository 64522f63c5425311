#!/bin/sh
# run.sh - run one study of workloads/studies (or all) and draw its charts.
# usage: sh workloads/studies/run.sh [-e EPTSIM] [-o DIR] [-j N] NAME...|all
#   NAME: page-sizes, ad-policies, tlb-sizes, vcpus (a sweep file NAME.json here)
#   EPTSIM: the eptsim command (default: build/eptsim)
#   DIR: where each study's sweep directory goes (default: build/studies)
# A study already run resumes: only points without a report run again.
set -eu
here=$(dirname "$0")
eptsim=build/eptsim
out=build/studies
jobs=""
while getopts e:o:j: opt; do
	case $opt in
	e) eptsim=$OPTARG ;;
	o) out=$OPTARG ;;
	j) jobs="-j $OPTARG" ;;
	*) echo "usage: $0 [-e EPTSIM] [-o DIR] [-j N] NAME...|all" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-e EPTSIM] [-o DIR] [-j N] NAME...|all" >&2; exit 2; }
[ "$*" != all ] || set -- page-sizes ad-policies tlb-sizes vcpus
for name in "$@"; do
	[ -f "$here/$name.json" ] || { echo "$0: no study $name ($here/$name.json)" >&2; exit 2; }
	# the axis each study is drawn against
	case $name in
	tlb-sizes) x="--x machine.tlb.stlb.4k.entries" ;;
	*) x="" ;;
	esac
	# shellcheck disable=SC2086
	"$eptsim" sweep $jobs -o "$out/$name" "$here/$name.json"
	# shellcheck disable=SC2086
	"$eptsim" plot $x "$out/$name"
done
