#!/bin/sh
# tests/example/run.sh B CC - build and run the README's example the way a
# user would: against an installed libvault (make install into a temporary
# DESTDIR), with flags from `pkg-config --cflags --libs libvault` only.
set -eu

B=${1:-build}
CC=${2:-cc}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $B in /*) ;; *) B=$root/$B ;; esac
tmp=$(mktemp -d)
MAKE=${MAKE:-make}
unset MAKEFLAGS MFLAGS MAKELEVEL || true
# libvault.pc embeds PREFIX, and the Makefile does not remake it when PREFIX
# changes: drop the generated copy before and after this PREFIX=/usr install.
rm -f "$B/libvault.pc"
trap 'rm -rf "$tmp"; rm -f "$B/libvault.pc"' EXIT

$MAKE -C "$root" -s install B="$B" DESTDIR="$tmp/inst" PREFIX=/usr >/dev/null
flags=$(PKG_CONFIG_PATH="$tmp/inst/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$tmp/inst" \
	pkg-config --cflags --libs libvault)
echo "example: $CC example.c $flags"
case " $flags " in
*" -I$tmp/inst/usr/include "*) ;;
*) echo "example: FAIL: pkg-config did not point at the installed headers"; exit 1 ;;
esac
# shellcheck disable=SC2086 # flags are words
$CC -std=c11 -Wall -Wextra -pedantic -Werror -o "$tmp/example" "$here/example.c" $flags

LD_LIBRARY_PATH="$tmp/inst/usr/lib" "$tmp/example" "$tmp/vault" > "$tmp/out" 2> "$tmp/err" || {
	echo "example: FAIL: exit status $?"; cat "$tmp/err" "$tmp/out"; exit 1; }
sed 's/^/  | /' "$tmp/out"
[ ! -s "$tmp/err" ] || { echo "example: FAIL: wrote to stderr:"; cat "$tmp/err"; exit 1; }
grep -Eqx 'case [0-9a-f]{32}' "$tmp/out" ||
	{ echo "example: FAIL: no case id in the output"; exit 1; }
grep -qx 'record intake, version 1: First interview at the help desk; follow-up on Monday.' "$tmp/out" ||
	{ echo "example: FAIL: the record did not come back"; exit 1; }
if grep -rq 'follow-up on Monday' "$tmp/vault"; then
	echo "example: FAIL: plaintext found in the vault folder"; exit 1
fi
# A second run on the same folder must fail cleanly: the vault exists.
if LD_LIBRARY_PATH="$tmp/inst/usr/lib" "$tmp/example" "$tmp/vault" > /dev/null 2> "$tmp/err"; then
	echo "example: FAIL: creating over an existing vault succeeded"; exit 1
fi
grep -q '^example: create: ' "$tmp/err" ||
	{ echo "example: FAIL: unexpected error text:"; cat "$tmp/err"; exit 1; }
echo "example: OK (built with pkg-config against the installed copy, ran, output checked, error path checked)"
