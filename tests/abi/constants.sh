#!/bin/sh
# tests/abi/constants.sh [check|update] [CC]
#
# abidiff sees functions, variables and types, but not the values of the
# #define constants in include/vault.h (VAULT_ID_BUFSIZE, VAULT_SCOPE_*, ...)
# that callers compile into their programs.  This script evaluates every
# integer macro with the compiler and compares the values with the committed
# tests/abi/constants.txt:
#   - a published constant may never disappear or change value;
#   - a structure version (VAULT_*_VERSION) may only grow (fields appended);
#   - new constants are fine (run `update` to publish them);
#   - VAULT_VERSION_* are the release number and are not compared.
set -eu

mode=${1:-check}
CC=${2:-${CC:-cc}}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
header=$root/include/vault.h
baseline=$here/constants.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Names of object-like macros whose value is an integer expression.
sed -n 's/^#define \(VAULT_[A-Z0-9_]*\)[ \t]\{1,\}[^ \t].*/\1/p' "$header" |
	grep -Ev '^VAULT_(H|API|VERSION_(MAJOR|MINOR|PATCH|NUMBER|STRING))$|_INIT$' |
	sort -u > "$tmp/names"

{
	echo '#include <stdio.h>'
	echo '#include "vault.h"'
	echo 'int main(void) {'
	while read -r n; do
		printf '\tprintf("%%s %%lld\\n", "%s", (long long)(%s));\n' "$n" "$n"
	done < "$tmp/names"
	echo '	return 0;'
	echo '}'
} > "$tmp/c.c"
$CC -std=c11 -Wall -Werror -I"$root/include" -o "$tmp/c" "$tmp/c.c"
"$tmp/c" | LC_ALL=C sort > "$tmp/now"

case $mode in
update)
	cp "$tmp/now" "$baseline"
	echo "constants: baseline written ($(wc -l < "$baseline") constants)"
	exit 0
	;;
check) ;;
*) echo "usage: $0 [check|update] [CC]" >&2; exit 2 ;;
esac

[ -f "$baseline" ] || { echo "constants: FAIL: no baseline $baseline (run: $0 update)"; exit 1; }
fail=0
while read -r name value; do
	cur=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/now")
	if [ -z "$cur" ]; then
		echo "constants: FAIL: $name (= $value) was removed"; fail=1
	elif [ "$cur" != "$value" ]; then
		case $name in
		*_VERSION)
			if [ "$cur" -lt "$value" ]; then
				echo "constants: FAIL: structure version $name went down: $value -> $cur"; fail=1
			else
				echo "constants: note: structure version $name grew: $value -> $cur"
			fi ;;
		*) echo "constants: FAIL: $name changed value: $value -> $cur"; fail=1 ;;
		esac
	fi
done < "$baseline"
awk 'NR == FNR { seen[$1] = 1; next } !($1 in seen) { print "constants: note: new constant " $1 " = " $2 }' \
	"$baseline" "$tmp/now"
if [ $fail -ne 0 ]; then
	echo "constants: FAIL (a published constant never changes; add a new one instead)"
	exit 1
fi
echo "constants: OK ($(wc -l < "$baseline") published constants unchanged)"
