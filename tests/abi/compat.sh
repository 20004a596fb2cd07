#!/bin/sh
# tests/abi/compat.sh B - an old client binary runs on a newer libvault.so.1.
#
# 1. make install (B as the build directory) into a temporary DESTDIR with
#    PREFIX=/usr, build tests/abi/client.c against that installed copy only,
#    through `pkg-config --cflags --libs libvault`, and run it.
# 2. Copy the source tree (without build directories), add a new public
#    function vault_compat_probe_added() at the end of vault.h with its
#    implementation in lib/compat_probe.c, build and install that into a
#    second DESTDIR.
# 3. Run the *same* client binary against the new library: it must exit 0
#    and print exactly the same output.  The ABI gate (gate.sh) must also
#    call old -> new "additions only".
set -eu

B=${1:-build}
CC=${CC:-cc}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $B in /*) ;; *) B=$root/$B ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MAKE=${MAKE:-make}
unset MAKEFLAGS MFLAGS MAKELEVEL || true

say() { echo "compat: $*"; }
pc() { # pc DESTDIR args...: pkg-config seeing only that installed copy of libvault
	d=$1; shift
	PKG_CONFIG_PATH="$d/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$d" pkg-config "$@"
}

# --- 1. the old library and a client built against it ---------------------
say "installing $B into $tmp/old"
# libvault.pc embeds PREFIX but the Makefile does not remake it when PREFIX
# changes: drop the generated copy so this install writes PREFIX=/usr, and
# again afterwards so the next install writes its own.
rm -f "$B/libvault.pc"
trap 'rm -rf "$tmp"; rm -f "$B/libvault.pc"' EXIT
$MAKE -C "$root" -s install B="$B" DESTDIR="$tmp/old" PREFIX=/usr >/dev/null
flags=$(pc "$tmp/old" --cflags --libs libvault)
say "client flags: $flags"
# shellcheck disable=SC2086 # flags are words
$CC -std=c11 -Wall -Wextra -Werror -o "$tmp/client" "$here/client.c" $flags
if readelf -d "$tmp/client" | grep -Eq 'R(UN)?PATH'; then
	say "FAIL: the client has an rpath; it must find libvault through LD_LIBRARY_PATH"
	exit 1
fi
readelf -d "$tmp/client" | grep -q 'NEEDED.*\[libvault\.so\.1\]' ||
	{ say "FAIL: the client does not need libvault.so.1"; exit 1; }

run_client() { # run_client LIBDIR WORKDIR OUT
	resolved=$(LD_LIBRARY_PATH="$1" ldd "$tmp/client" | awk '/libvault\.so\.1/ { print $3 }')
	case $resolved in
	"$1"/*) ;;
	*) say "FAIL: libvault.so.1 resolved to '$resolved', not under $1"; exit 1 ;;
	esac
	LD_LIBRARY_PATH="$1" "$tmp/client" "$2" > "$3" ||
		{ say "FAIL: client exited $? against $1"; cat "$3"; exit 1; }
}
run_client "$tmp/old/usr/lib" "$tmp/work-old" "$tmp/out-old"
say "old library:"
sed 's/^/  | /' "$tmp/out-old"
grep -qx 'get hello, world' "$tmp/out-old" || { say "FAIL: unexpected output"; exit 1; }

# --- 2. a newer library with one added function ----------------------------
say "building a new libvault with vault_compat_probe_added() in $tmp/src"
mkdir "$tmp/src"
(cd "$root" && tar --exclude=./build --exclude='./build-*' --exclude=./.git -cf - .) |
	(cd "$tmp/src" && tar -xf -)
h=$tmp/src/include/vault.h
last=$(grep -n '^#endif' "$h" | tail -n 1 | cut -d: -f1)
{
	head -n $((last - 1)) "$h"
	echo '/** Added after 1.0.0 by tests/abi/compat.sh to prove that additions keep'
	echo ' *  old clients working. */'
	echo 'VAULT_API int vault_compat_probe_added(void);'
	echo
	tail -n +"$last" "$h"
} > "$h.new"
mv "$h.new" "$h"
cat > "$tmp/src/lib/compat_probe.c" <<'C'
/* Added by tests/abi/compat.sh: a new function in a later release. */
#include "vault.h"

VAULT_API int vault_compat_probe_added(void)
{
	return 42;
}
C
$MAKE -C "$tmp/src" -s install B=build DESTDIR="$tmp/new" PREFIX=/usr >/dev/null
nm -D --defined-only "$tmp/new/usr/lib/libvault.so.1" | grep -q ' vault_compat_probe_added@@VAULT_1' ||
	{ say "FAIL: the new library does not export vault_compat_probe_added"; exit 1; }

# --- 3. the old binary on the new library ----------------------------------
run_client "$tmp/new/usr/lib" "$tmp/work-new" "$tmp/out-new"
if ! cmp -s "$tmp/out-old" "$tmp/out-new"; then
	say "FAIL: the old client behaves differently on the new library:"
	diff "$tmp/out-old" "$tmp/out-new" | sed 's/^/  /'
	exit 1
fi
say "old client on the new library: exit 0, same output"

if command -v abidw >/dev/null 2>&1; then
	abidw --no-corpus-path --headers-dir "$root/include" "$tmp/old/usr/lib/libvault.so.1" > "$tmp/old.abi"
	abidw --no-corpus-path --headers-dir "$tmp/src/include" "$tmp/new/usr/lib/libvault.so.1" > "$tmp/new.abi"
	"$here/gate.sh" "$tmp/old.abi" "$tmp/new.abi" | sed 's/^/  | /'
	"$here/gate.sh" "$tmp/old.abi" "$tmp/new.abi" >/dev/null ||
		{ say "FAIL: the ABI gate refused an addition"; exit 1; }
fi
say "OK"
