#!/bin/sh
# tests/abi/check.sh B - the ABI gate of libvault.so.1 (make abi-check).
#
# Compares B/libvault.abi (abidw of the freshly built B/libvault.so.1.x.y,
# written by `make abi-dump`) with the committed baseline
# tests/abi/libvault.abi, then the #define constants with
# tests/abi/constants.txt, then the exported symbols (exports.sh), then
# runs an old client on a newer library (compat.sh) and proves that the gate
# still refuses breaking changes (gate-selftest.sh).
# Fails when a published function, variable or constant is removed or
# changed, or a public struct or enum changes layout or value; additions
# pass.  To publish an intended change: make abi-update, and say why in
# tests/abi/CHANGES.
set -u

B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
baseline=$here/libvault.abi
current=$B/libvault.abi

if [ ! -f "$baseline" ]; then
	echo "abi-check: FAIL: no baseline $baseline (make abi-update, then commit it)"
	exit 1
fi
if [ ! -f "$current" ]; then
	echo "abi-check: FAIL: $current missing (make abi-dump)"
	exit 1
fi
# Without DWARF, abidw records only symbol names and layout changes would
# pass unseen: insist on type information in both descriptions.
for f in "$baseline" "$current"; do
	if ! grep -q "<class-decl name='vault_buf'" "$f"; then
		echo "abi-check: FAIL: $f has no type information (build with -g)"
		exit 1
	fi
done

status=0
echo "== abidiff $baseline $current"
"$here/gate.sh" "$baseline" "$current" --headers-dir2 "$root/include" || status=1
echo "== constants"
"$here/constants.sh" check "${CC:-cc}" || status=1
echo "== exports"
"$here/exports.sh" "$B" || status=1
echo "== an old client on a newer library"
"$here/compat.sh" "$B" || status=1
echo "== the gate refuses breaking changes (scratch copies)"
"$here/gate-selftest.sh" "$B" || status=1

if [ $status -ne 0 ]; then
	echo "abi-check: FAIL"
	echo "  An installed program built against libvault.so.1 could break."
	echo "  Restore the published interface (add a _v2 function instead), or, for"
	echo "  an intended change before release: make abi-update and explain it in"
	echo "  tests/abi/CHANGES."
	exit 1
fi
echo "abi-check: OK"
