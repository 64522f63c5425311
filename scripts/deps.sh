#!/bin/sh
# Install what eptsim needs from Debian's packages, only what is missing.
# Checks by pkg-config for libraries and by `command -v` for programs.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu

missing=""
need_pkg() { missing="$missing $1"; }

command -v pkg-config >/dev/null 2>&1 || need_pkg pkg-config
command -v cc >/dev/null 2>&1 || need_pkg gcc
if command -v pkg-config >/dev/null 2>&1; then
	pkg-config --exists unicorn || need_pkg libunicorn-dev
	pkg-config --exists cmocka || need_pkg libcmocka-dev
	pkg-config --exists jansson || need_pkg libjansson-dev
	# the trace files' compressions (traces/tr_io.c)
	pkg-config --exists zlib || need_pkg zlib1g-dev
	pkg-config --exists liblzma || need_pkg liblzma-dev
	pkg-config --exists libzstd || need_pkg libzstd-dev
else
	need_pkg libunicorn-dev; need_pkg libcmocka-dev; need_pkg libjansson-dev
	need_pkg zlib1g-dev; need_pkg liblzma-dev; need_pkg libzstd-dev
fi
command -v gnuplot >/dev/null 2>&1 || need_pkg gnuplot-nox
command -v musl-gcc >/dev/null 2>&1 || need_pkg musl-tools
# objdump and nm: the tests check the instruction decoder and the fault addresses with them
command -v objdump >/dev/null 2>&1 || need_pkg binutils
# valgrind and xz: the trace tests make a lackey trace and compress it
command -v valgrind >/dev/null 2>&1 || need_pkg valgrind
command -v xz >/dev/null 2>&1 || need_pkg xz-utils
# xmllint: the tests check the JUnit XML of `eptsim check` with it
command -v xmllint >/dev/null 2>&1 || need_pkg libxml2-utils
# clang and libFuzzer's runtime: the fuzz targets (tests/fuzz, `make fuzz`).
# Debian ships the runtime apart, as libclang-rt-N-dev for clang N.
if command -v clang >/dev/null 2>&1; then
	v=$(clang -dumpversion 2>/dev/null || echo 14)
	rt=$(clang -print-runtime-dir 2>/dev/null || echo /nonexistent)
	[ -f "$rt/libclang_rt.fuzzer-x86_64.a" ] || need_pkg "libclang-rt-${v%%.*}-dev"
else
	need_pkg clang; need_pkg libclang-rt-14-dev
fi

[ -n "$missing" ] || exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "eptsim: missing packages:$missing" >&2
	echo "eptsim: install them with: sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
echo "eptsim: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd
