#!/bin/sh
# tests/abi/gate-selftest.sh B - show that the ABI gate fails when it must.
#
# In scratch copies of the source tree (never in the repository) it builds
# libvault with one breaking change each and runs the gate (gate.sh, and
# constants.sh for macros) against the ABI of B:
#   removed   vault_case_links no longer exported (version script)
#   layout    a field inserted in the middle of vault_open_options
#   enum      VAULT_ERR_STATE renumbered
#   constant  VAULT_SCOPE_STATISTICS changed
#   added     a new function (must pass)
#   private   a field added to the opaque struct vault in lib/internal.h
#             (must pass: its layout is not part of the ABI)
# Exit 0 when every breaking change is refused and the addition passes.
set -eu

B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $B in /*) ;; *) B=$root/$B ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MAKE=${MAKE:-make}
unset MAKEFLAGS MFLAGS MAKELEVEL || true

[ -e "$B/libvault.so.1" ] || { echo "gate-selftest: $B/libvault.so.1 not built"; exit 1; }
abidw --no-corpus-path --headers-dir "$root/include" "$B/libvault.so.1" > "$tmp/base.abi"

copy() { # copy NAME: a fresh scratch tree
	mkdir "$tmp/$1"
	(cd "$root" && tar --exclude=./build --exclude='./build-*' --exclude=./.git -cf - .) |
		(cd "$tmp/$1" && tar -xf -)
}
build() { # build NAME: libvault.so.1 and its ABI description
	$MAKE -C "$tmp/$1" -s lib B=build >"$tmp/$1.log" 2>&1 ||
		{ echo "gate-selftest: the '$1' variant does not build:"; tail -20 "$tmp/$1.log"; exit 1; }
	abidw --no-corpus-path --headers-dir "$tmp/$1/include" "$tmp/$1/build/libvault.so.1" > "$tmp/$1.abi"
}
fails=0
expect() { # expect pass|fail NAME
	if "$here/gate.sh" "$tmp/base.abi" "$tmp/$2.abi" > "$tmp/$2.report" 2>&1; then got=pass; else got=fail; fi
	sed 's/^/    | /' "$tmp/$2.report" | tail -n 12
	if [ "$got" = "$1" ]; then echo "gate-selftest: $2: gate says $got, as it should"
	else echo "gate-selftest: $2: WRONG: gate says $got, expected $1"; fails=1; fi
}

echo "== removed: vault_case_links taken out of the exports"
copy removed
sed -i 's/^\(\s*local:\)/\1 vault_case_links;/' "$tmp/removed/lib/libvault.map"
build removed
if nm -D --defined-only "$tmp/removed/build/libvault.so.1" | grep -q ' vault_case_links@'; then
	echo "gate-selftest: could not remove vault_case_links"; exit 1
fi
expect fail removed

echo "== layout: a field inserted in the middle of vault_open_options"
copy layout
sed -i '/^typedef struct vault_open_options {/,/^}/ s/^\(\tunsigned int version;\)$/\1\n\tint inserted;/' \
	"$tmp/layout/include/vault.h"
grep -q '^	int inserted;' "$tmp/layout/include/vault.h" || { echo "gate-selftest: edit failed"; exit 1; }
sed -i 's/^#define VAULT_OPEN_OPTIONS_INIT .*/#define VAULT_OPEN_OPTIONS_INIT {VAULT_OPEN_OPTIONS_VERSION, 0, (vault_purpose)0, 0, NULL}/' \
	"$tmp/layout/include/vault.h"
build layout
expect fail layout

echo "== enum: VAULT_ERR_STATE renumbered"
copy enum
sed -i 's/VAULT_ERR_STATE = -14/VAULT_ERR_STATE = -99/' "$tmp/enum/include/vault.h"
grep -q 'VAULT_ERR_STATE = -99' "$tmp/enum/include/vault.h" || { echo "gate-selftest: edit failed"; exit 1; }
build enum
expect fail enum

echo "== added: a new function (compatible)"
copy added
last=$(grep -n '^#endif' "$tmp/added/include/vault.h" | tail -n 1 | cut -d: -f1)
sed -i "${last}i VAULT_API int vault_selftest_added(void);" "$tmp/added/include/vault.h"
printf '#include "vault.h"\nVAULT_API int vault_selftest_added(void)\n{\n\treturn 1;\n}\n' \
	> "$tmp/added/lib/selftest_added.c"
build added
expect pass added

echo "== private: a field added at the start of the opaque struct vault (compatible)"
copy private
sed -i 's/^struct vault {$/struct vault {\n\tunsigned char selftest_private[24];/' "$tmp/private/lib/internal.h"
grep -q 'selftest_private' "$tmp/private/lib/internal.h" || { echo "gate-selftest: edit failed"; exit 1; }
build private
expect pass private

echo "== constant: VAULT_SCOPE_STATISTICS changed (macros are invisible to abidiff)"
copy constant
sed -i 's/^#define VAULT_SCOPE_STATISTICS 4u/#define VAULT_SCOPE_STATISTICS 8u/' "$tmp/constant/include/vault.h"
if "$tmp/constant/tests/abi/constants.sh" check > "$tmp/constant.report" 2>&1; then
	echo "gate-selftest: constant: WRONG: constants.sh passed"; fails=1
else
	sed 's/^/    | /' "$tmp/constant.report"
	echo "gate-selftest: constant: constants.sh fails, as it should"
fi

[ $fails -eq 0 ] || { echo "gate-selftest: FAIL"; exit 1; }
echo "gate-selftest: OK: removal, layout and enum changes and a changed constant are refused; an addition and a private layout change pass"
