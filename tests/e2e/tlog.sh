#!/usr/bin/env bash
# End-to-end tests of the verifiable log (@since 1.1.0): tree checkpoints and
# their verifier keys, `vault audit prove` and `check-proof` (offline, no
# vault), `vault audit cosign`, the checkpoint an export writes beside itself,
# and the Go interop check when Go is installed.
#
#   tests/e2e/tlog.sh build/vault        (run.sh calls it)
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 PATH/TO/vault" >&2
	exit 2
fi
VAULT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vault-e2e-tlog.XXXXXX")
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
	echo "     exit code: $RC"
	echo "     stdout: $(head -c 600 "$TMP/out")"
	echo "     stderr: $(head -c 600 "$TMP/err")"
}
run() {
	set +e
	"$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	set -e
}
as() {
	local user=$1 pass=$2
	shift 2
	run "$VAULT" --vault "$V" --user "$user" --passphrase-fd 3 "$@" 3<<<"$pass"
}
asnew() {
	local user=$1 pass=$2 newpass=$3
	shift 3
	run "$VAULT" --vault "$V" --user "$user" --passphrase-fd 3 \
		--new-passphrase-fd 4 "$@" 3<<<"$pass" 4<<<"$newpass"
}
expect() {
	local name=$1 want=$2 out_re=${3:-} err_re=${4:-}
	if [ "$RC" != "$want" ]; then
		fail "$name" "expected exit code $want"
	elif [ -n "$out_re" ] && ! grep -Eq -- "$out_re" "$TMP/out"; then
		fail "$name" "stdout does not match /$out_re/"
	elif [ -n "$err_re" ] && ! grep -Eq -- "$err_re" "$TMP/err"; then
		fail "$name" "stderr does not match /$err_re/"
	else
		pass "$name"
	fi
}
json() {
	"$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)" <"$TMP/out" 2>/dev/null || true
}

ADMIN_PW='admin: tlog passphrase'
AUD_PW='auditor: tlog passphrase'
SUP_PW='supervisor: tlog passphrase'

run "$VAULT" --passphrase-fd 3 init "$V" --admin admin --kdf "$KDF" 3<<<"$ADMIN_PW"
expect "init" 0 '^vault id: '
VAULT_ID=$(sed -n 's/^vault id: //p' "$TMP/out")
asnew admin "$ADMIN_PW" "$AUD_PW" user add aud --role auditor --kdf "$KDF"
expect "add an auditor" 0 'added auditor aud'
asnew admin "$ADMIN_PW" "$SUP_PW" org add cav --kind antiviolence-centre --name CAV \
	--supervisor sup --kdf "$KDF"
expect "add an organisation" 0 'added organisation cav'
# First use: a passphrase someone else chose must change before anything else.
asnew aud "$AUD_PW" "$AUD_PW (her own)" passwd --kdf "$KDF"
expect "the auditor changes her first passphrase" 0
AUD_PW="$AUD_PW (her own)"
asnew sup "$SUP_PW" "$SUP_PW (her own)" passwd --kdf "$KDF"
expect "the supervisor changes her first passphrase" 0
SUP_PW="$SUP_PW (her own)"

# ---- verifier keys and checkpoints --------------------------------------------

run "$VAULT" audit vkey --help
expect "audit vkey --help" 0 'vault audit vkey'
as aud "$AUD_PW" audit vkey
expect "audit vkey: name+hash+base64" 0 '^aud\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$'
AUD_VKEY=$(cat "$TMP/out")
as aud "$AUD_PW" audit vkey sup
expect "audit vkey USER" 0 '^sup\+[0-9a-f]{8}\+'
SUP_VKEY=$(cat "$TMP/out")
as aud "$AUD_PW" audit vkey nobody
expect "audit vkey of no such user: exit 5" 5 '' 'no user nobody'
as aud "$AUD_PW" --json audit checkpoint --out "$TMP/cp1.txt"
expect "checkpoint --json has the verifier key" 0 '"vkey"'
check_vkey=$(json 'd["vkey"]')
[ "$check_vkey" = "$AUD_VKEY" ] && pass "checkpoint --json vkey is audit vkey's" ||
	fail "checkpoint --json vkey is audit vkey's"
if head -1 "$TMP/cp1.txt" | grep -Eq "^libvault/$VAULT_ID/tlog$"; then
	pass "the checkpoint's origin names the tree kind"
else
	fail "the checkpoint's origin names the tree kind"
fi
as aud "$AUD_PW" audit verify --checkpoint "$TMP/cp1.txt"
expect "verify against a tree checkpoint" 0 'checkpoint: Merkle tree root'

# ---- proofs, checked offline --------------------------------------------------

as aud "$AUD_PW" audit prove --entry 2 --out "$TMP/incl.json"
expect "prove --entry" 0 'wrote the proof'
run "$VAULT" audit check-proof "$TMP/incl.json" --vkey "$AUD_VKEY"
expect "check-proof of an inclusion proof, offline" 0 '^ok: the proof holds'
run "$VAULT" audit check-proof "$TMP/incl.json" --vkey "$SUP_VKEY"
expect "check-proof with a key that did not sign: exit 6" 6 '^FAILED: .*no signature by a trusted key'
sed 's/"outcome": "ok"/"outcome": "denied"/' "$TMP/incl.json" >"$TMP/bent.json"
run "$VAULT" audit check-proof "$TMP/bent.json" --vkey "$AUD_VKEY"
expect "check-proof of a changed entry: exit 6" 6 '^FAILED: entry 2'
run "$VAULT" audit check-proof "$TMP/incl.json"
expect "check-proof without keys: exit 2" 2 '' '--vkey'
as aud "$AUD_PW" audit prove --entry 9999
expect "prove a missing entry: exit 5" 5 '' 'no entry 9999'
as aud "$AUD_PW" audit prove --entry 1 --from "$TMP/cp1.txt"
expect "prove with --entry and --from: exit 2" 2 '' 'exactly one'
as sup "$SUP_PW" audit prove --entry 1
expect "a supervisor cannot make proofs: exit 4" 4 '' 'denied'

as aud "$AUD_PW" audit prove --from "$TMP/cp1.txt" --out "$TMP/cons.json"
expect "prove --from" 0 'wrote the proof'
printf '%s\n%s\n' "$AUD_VKEY" "$SUP_VKEY" >"$TMP/keys.txt"
run "$VAULT" --json audit check-proof "$TMP/cons.json" --vkeys "$TMP/keys.txt"
expect "check-proof of a consistency proof, offline" 0 '"ok": true'

# ---- cosigning ------------------------------------------------------------------

as sup "$SUP_PW" audit cosign "$TMP/cp1.txt" --out "$TMP/cp1-cosigned.txt"
expect "cosign" 0 'wrote the checkpoint'
check_lines=$(grep -c '^— ' "$TMP/cp1-cosigned.txt" || true)
[ "$check_lines" = 2 ] && pass "the cosigned checkpoint has two signature lines" ||
	fail "the cosigned checkpoint has two signature lines"
as aud "$AUD_PW" audit verify --checkpoint "$TMP/cp1-cosigned.txt"
expect "the cosigned checkpoint still verifies" 0 '^ok: '
as aud "$AUD_PW" audit cosign "$TMP/cp1.txt"
expect "cosign what you signed already: exit 1" 1 '' 'signed this checkpoint already'
# another first character of the root (one that was X already stayed the same)
sed -E '3{s/^X/Y/;t;s/^./X/}' "$TMP/cp1.txt" >"$TMP/forged.txt"
as aud "$AUD_PW" audit cosign "$TMP/forged.txt"
expect "cosign a checkpoint of a forked log: exit 6" 6 '' 'rewritten or forked|malformed|not base64'

# ---- export and its checkpoint ----------------------------------------------------

as aud "$AUD_PW" audit export --out "$TMP/log.jsonl"
expect "export" 0 'exported'
[ -s "$TMP/log.jsonl.checkpoint" ] && pass "export writes FILE.checkpoint" ||
	fail "export writes FILE.checkpoint"
as aud "$AUD_PW" audit checkpoint --out "$TMP/cp-after.txt"
run "$VAULT" audit verify --export "$TMP/log.jsonl" --vault-id "$VAULT_ID"
expect "export then checkpoint: the export verifies against its own checkpoint" 0 \
	'checkpoint: Merkle tree root'
head -n -1 "$TMP/log.jsonl" >"$TMP/cut" && mv "$TMP/cut" "$TMP/log.jsonl"
run "$VAULT" audit verify --export "$TMP/log.jsonl" --vault-id "$VAULT_ID"
expect "a cut export fails against the checkpoint beside it: exit 6" 6 '^FAILED'

# ---- Go's reference implementation -------------------------------------------------

if command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ]; then
	as aud "$AUD_PW" audit checkpoint --out "$TMP/cp2.txt"
	as aud "$AUD_PW" audit prove --entry 3 --checkpoint "$TMP/cp2.txt" --out "$TMP/incl2.json"
	as aud "$AUD_PW" audit prove --from "$TMP/cp1-cosigned.txt" --checkpoint "$TMP/cp2.txt" \
		--out "$TMP/cons2.json"
	run "$HERE/../interop/run.sh" "$TMP/incl2.json" "$TMP/cons2.json" "$AUD_VKEY" "$SUP_VKEY"
	expect "Go's sumdb/note and sumdb/tlog verify libvault's checkpoints and proofs" 0 \
		'^ok: note.Open'
else
	echo "skip Go interop (golang-go or golang-golang-x-mod-dev not installed)"
fi

# ---- every user a witness ------------------------------------------------------------

[ -d "$XDG_STATE_HOME/libvault/$VAULT_ID" ] && pass "the CLI keeps witness state in \$XDG_STATE_HOME/libvault" ||
	fail "the CLI keeps witness state in \$XDG_STATE_HOME/libvault"
cp -a "$V" "$TMP/v-old"
as sup "$SUP_PW" audit vkey
as aud "$AUD_PW" audit id
rm -rf "$V" && mv "$TMP/v-old" "$V"
as aud "$AUD_PW" audit id
expect "a restored older folder: the next open by a user who saw more fails, exit 6" 6 '' \
	'cut or rolled back'
XDG_STATE_HOME="$TMP/other-state" as aud "$AUD_PW" audit id
expect "a user with no memory of the later state cannot tell" 0 "^$VAULT_ID$"

echo
echo "tlog.sh: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
