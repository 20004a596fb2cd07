#!/bin/sh
# tests/abi/gate.sh OLD NEW [abidiff options...]
#
# Compare two ABI descriptions (abidw XML, or ELF objects with DWARF) and
# decide whether NEW may replace OLD under libvault.so.1.  Prints abidiff's
# report, then one verdict line.  Exit 0: identical, or only additions.
# Exit 1: an incompatible or possibly incompatible change.  Exit 2: usage or
# tool error.
#
# abidiff's exit status is a bit field (man abidiff, RETURN VALUES):
#   1 ABIDIFF_ERROR, 2 ABIDIFF_USAGE_ERROR,
#   4 ABIDIFF_ABI_CHANGE, 8 ABIDIFF_ABI_INCOMPATIBLE_CHANGE.
# Bit 8 is set only for removed symbols.  A changed layout of a public struct,
# a changed enumerator value or a changed signature set bit 4 alone, and so
# does a purely additive change (a new function).  So bit 8 fails outright,
# and with bit 4 the report's summary lines decide: any Removed or Changed
# function, variable or symbol fails; Added ones pass.  Harmless changes
# (a new enumerator appended to an enum) are filtered out by abidiff itself
# and leave the status at 0.  The layout of the opaque handle (struct vault,
# defined in lib/internal.h) is private and ignored (private.suppr).
set -u

[ $# -ge 2 ] || { echo "usage: $0 OLD NEW [abidiff options]" >&2; exit 2; }
old=$1 new=$2
shift 2
for f in "$old" "$new"; do
	[ -r "$f" ] || { echo "abi gate: cannot read $f" >&2; exit 2; }
done

here=$(cd "$(dirname "$0")" && pwd)
# Types defined outside include/vault.h (the opaque handle's private layout)
# are not part of the ABI: see private.suppr.
report=$(abidiff --no-corpus-path --suppressions "$here/private.suppr" "$@" "$old" "$new" 2>&1)
rc=$?
[ -n "$report" ] && printf '%s\n' "$report"

if [ $((rc & 3)) -ne 0 ]; then
	echo "abi gate: abidiff failed (exit $rc)" >&2
	exit 2
fi
if [ $((rc & 8)) -ne 0 ]; then
	echo "abi gate: FAIL: incompatible change (exit $rc: a published symbol was removed)"
	exit 1
fi
if [ $((rc & 4)) -eq 0 ]; then
	echo "abi gate: OK: no ABI change"
	exit 0
fi

# Bit 4 alone: additions are fine, anything removed or changed is not.
summaries=$(printf '%s\n' "$report" | grep -E '^[A-Za-z ]+ changes summary:')
if [ -z "$summaries" ]; then
	echo "abi gate: FAIL: abidiff reported a change (exit $rc) but no summary could be read"
	exit 1
fi
bad=$(printf '%s\n' "$summaries" | grep -E '(^|[ ,:])[1-9][0-9]* (Removed|Changed)')
if [ -n "$bad" ]; then
	echo "abi gate: FAIL: published interface removed or changed (exit $rc):"
	printf '  %s\n' "$bad"
	exit 1
fi
if ! printf '%s\n' "$summaries" | grep -qE '(^|[ ,:])[1-9][0-9]* Added'; then
	echo "abi gate: FAIL: abidiff reported a change (exit $rc) that is not an addition"
	exit 1
fi
echo "abi gate: OK: additions only"
exit 0
