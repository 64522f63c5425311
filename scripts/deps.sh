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
else
	need_pkg libunicorn-dev; need_pkg libcmocka-dev; need_pkg libjansson-dev
fi
command -v gnuplot >/dev/null 2>&1 || need_pkg gnuplot-nox
command -v musl-gcc >/dev/null 2>&1 || need_pkg musl-tools
# objdump and nm: the tests check the instruction decoder and the fault addresses with them
command -v objdump >/dev/null 2>&1 || need_pkg binutils

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
