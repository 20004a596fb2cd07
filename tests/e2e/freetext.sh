#!/usr/bin/env bash
# End-to-end tests of free text out of the clear (issue 12, attack 9;
# @since 1.1.0), through the CLI: record names, consent purposes and
# break-glass reasons that name her are shown to those entitled (record
# list and history, consent list, the auditor's `audit log --wide`), while
# the log names a record by its tag and the folder holds none of it.
#
#   tests/e2e/freetext.sh build/vault        (run.sh calls it)
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 PATH/TO/vault" >&2
	exit 2
fi
VAULT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vault-e2e-freetext.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
unset VAULT_DIR VAULT_USER
export XDG_STATE_HOME="$TMP/state"
V="$TMP/v"
KDF=insecure-test-only
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL $1"
	shift
	for line in "$@"; do echo "     $line"; done
	echo "     exit code: ${RC:-}"
	echo "     stdout: $(head -c 600 "$TMP/out" 2>/dev/null)"
	echo "     stderr: $(head -c 600 "$TMP/err" 2>/dev/null)"
}
run() {
	set +e
	"$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	set -e
}
as() {
	local user=$1
	shift
	run "$VAULT" --vault "$V" --user "$user" --passphrase-fd 3 "$@" 3<<<"${PW[$user]}"
}
asnew() {
	local user=$1 newpass=$2
	shift 2
	run "$VAULT" --vault "$V" --user "$user" --passphrase-fd 3 \
		--new-passphrase-fd 4 "$@" 3<<<"${PW[$user]}" 4<<<"$newpass"
}
expect() {
	local name=$1 want=$2 out_re=${3:-}
	if [ "$RC" != "$want" ]; then
		fail "$name" "expected exit code $want"
	elif [ -n "$out_re" ] && ! grep -Eq -- "$out_re" "$TMP/out"; then
		fail "$name" "stdout does not match /$out_re/"
	else
		pass "$name"
	fi
}
# first USER: she replaces the first passphrase someone else chose.
first() {
	asnew "$1" "${PW[$1]}, now her own" passwd --kdf "$KDF"
	[ "$RC" = 0 ] || fail "passwd $1"
	PW[$1]="${PW[$1]}, now her own"
}

declare -A PW
PW[admin]='admin: freetext passphrase'
PW[aud]='first passphrase of aud'
PW[sup_cav]='first passphrase of sup_cav'
PW[cw_cav]='first passphrase of cw_cav'
PW[sup_cas]='first passphrase of sup_cas'
run "$VAULT" --passphrase-fd 3 init "$V" --admin admin --kdf "$KDF" 3<<<"${PW[admin]}"
expect "init" 0 '^vault id: '
asnew admin "${PW[aud]}" user add aud --role auditor --kdf "$KDF"
asnew admin "${PW[sup_cav]}" org add cav-iris --kind antiviolence-centre --name "Iris" \
	--supervisor sup_cav --kdf "$KDF"
asnew admin "${PW[sup_cas]}" org add cas-aurora --kind reception-centre --name "Aurora" \
	--supervisor sup_cas --kdf "$KDF"
first aud
first sup_cav
first sup_cas
asnew sup_cav "${PW[cw_cav]}" user add cw_cav --org cav-iris --role caseworker --kdf "$KDF"
first cw_cav
pass "a network of two organisations and an auditor"

as cw_cav case new --kind victim
expect "a victim case" 0 '^[0-9a-f]{32}$'
CASE=$(cat "$TMP/out")
as cw_cav record put "$CASE" letter-to-Bianchi --class sensitive < <(printf 'Dear Maria')
expect "a record whose name names her" 0 'version 1'
as cw_cav record put "$CASE" letter-to-Bianchi --class sensitive < <(printf 'Dear Maria, again')
as cw_cav record list "$CASE"
expect "record list shows her caseworker the name" 0 'letter-to-Bianchi'
as cw_cav record history "$CASE" letter-to-Bianchi
expect "record history by name, with exact sizes" 0 '^2 +sensitive +17 '
as cw_cav record get "$CASE" letter-to-Bianchi
expect "record get by name, without a class" 0 '^Dear Maria, again$'
as cw_cav consent add "$CASE" --org cas-aurora --classes general --purpose "housing for Maria Bianchi"
expect "a consent whose purpose names her" 0
as cw_cav consent list "$CASE"
expect "consent list shows the purpose" 0 'housing for Maria Bianchi'
as sup_cav break-glass "$CASE" --hours 1 --reason "Maria Bianchi called from the station"
expect "break-glass with a reason that names her" 0 'emergency access'

as aud audit log --case "$CASE" --wide
expect "the auditor reads the break-glass reason" 0 'Maria Bianchi called from the station'
if grep -q 'letter-to-Bianchi' "$TMP/out"; then
	fail "the log names the record by its tag, not its name"
elif ! grep -Eq 'r:[0-9a-f]{32}' "$TMP/out"; then
	fail "the log names the record by its tag" "no r:<32 hex digits> target"
else
	pass "the log names the record by its tag (r:...), never its name"
fi
as aud audit export --out "$TMP/log.jsonl"
expect "the auditor exports the log" 0
if grep -q 'Bianchi' "$TMP/log.jsonl"; then
	fail "the exported log holds nothing about her (reasons sealed, records by tag)"
elif ! grep -q '"sealed:' "$TMP/log.jsonl"; then
	fail "the exported log carries the sealed reason" "no \"sealed:\" field"
else
	pass "the exported log holds nothing about her (reasons sealed, records by tag)"
fi
AID=$("$VAULT" --vault "$V" --user aud --passphrase-fd 3 audit id 3<<<"${PW[aud]}" 2>/dev/null | head -1)
run "$VAULT" audit verify --export "$TMP/log.jsonl" --vault-id "$AID"
expect "the export with sealed reasons verifies offline" 0
if grep -r -a -q 'Bianchi' "$V"; then
	fail "her name is in no file of the folder"
else
	pass "her name is in no file of the folder"
fi

echo "freetext.sh: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
