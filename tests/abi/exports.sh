#!/bin/sh
# tests/abi/exports.sh B - libvault.so.1 exports only the public API.
#
#  - every defined dynamic symbol is named vault_* (nm -D);
#  - each carries a version node VAULT_1 or a later VAULT_1.x (objdump -T);
#  - the set of exported symbols is exactly the set of VAULT_API functions
#    declared in include/vault.h: nothing private leaks out (internal
#    helpers are vault__*), nothing declared is missing.
set -eu

B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
so=$B/libvault.so.1
[ -e "$so" ] || { echo "exports: FAIL: $so not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# Defined dynamic symbols.  nm lists the version-definition names themselves
# (VAULT_1) as absolute symbols: those are not code or data.
nm -D --defined-only "$so" | awk '!($2 == "A" && $3 ~ /^VAULT_/) { print $3 }' |
	sed 's/@.*//' | LC_ALL=C sort -u > "$tmp/nm"
bad=$(grep -v '^vault_[a-z0-9]' "$tmp/nm" || true)
if [ -n "$bad" ]; then
	echo "exports: FAIL: symbols outside the vault_* namespace:"; echo "$bad" | sed 's/^/  /'
	fail=1
fi
private=$(grep '^vault__' "$tmp/nm" || true)
if [ -n "$private" ]; then
	echo "exports: FAIL: internal vault__* symbols are exported:"; echo "$private" | sed 's/^/  /'
	fail=1
fi

# objdump -T: ADDR FLAGS... SECTION SIZE [(]VERSION[)] NAME; undefined
# imports have section *UND*.
objdump -T "$so" | awk '$0 ~ /^[0-9a-f]+ / && $0 !~ /\*UND\*/ && $0 !~ /\*ABS\*/ {
	print $(NF-1), $NF }' | LC_ALL=C sort -k2 > "$tmp/versions"
unversioned=$(awk '$1 !~ /^\(?VAULT_1(\.[0-9]+)*\)?$/ { print "  " $2 " (" $1 ")" }' "$tmp/versions")
if [ -n "$unversioned" ]; then
	echo "exports: FAIL: symbols without a VAULT_1 version node:"; echo "$unversioned"
	fail=1
fi
awk '{ print $2 }' "$tmp/versions" | LC_ALL=C sort -u > "$tmp/objdump"
if ! cmp -s "$tmp/nm" "$tmp/objdump"; then
	echo "exports: FAIL: nm -D and objdump -T disagree:"; diff "$tmp/nm" "$tmp/objdump" | sed 's/^/  /'
	fail=1
fi

# The header's VAULT_API declarations.
sed -n 's/^VAULT_API[^(]*[ *]\(vault_[a-z0-9_]*\)(.*/\1/p' "$root/include/vault.h" |
	LC_ALL=C sort -u > "$tmp/header"
missing=$(LC_ALL=C comm -23 "$tmp/header" "$tmp/nm")
extra=$(LC_ALL=C comm -13 "$tmp/header" "$tmp/nm")
if [ -n "$missing" ]; then
	echo "exports: FAIL: declared in vault.h but not exported:"; echo "$missing" | sed 's/^/  /'
	fail=1
fi
if [ -n "$extra" ]; then
	echo "exports: FAIL: exported but not declared VAULT_API in vault.h:"; echo "$extra" | sed 's/^/  /'
	fail=1
fi

[ $fail -eq 0 ] || exit 1
echo "exports: OK: $(wc -l < "$tmp/nm") symbols, all vault_*, all versioned VAULT_1, matching vault.h"
