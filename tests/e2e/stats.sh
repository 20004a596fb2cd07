#!/usr/bin/env bash
# End-to-end tests of statistics without reading a case (@since 1.1.0):
# `vault case indicators`, `vault stats export` by two organisations'
# supervisors, `vault stats combine` offline with pinned verifier keys, its
# refusals, and the HTML rendered by headless Chromium to PDF and PNG,
# whose text is checked with pdftotext.
#
#   tests/e2e/stats.sh build/vault        (run.sh calls it)
#
# The PNG stays at build/stats-combined.png (beside the vault command).
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 PATH/TO/vault" >&2
	exit 2
fi
VAULT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BUILD=$(dirname "$VAULT")
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vault-e2e-stats.XXXXXX")
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

ADMIN_PW='admin: stats passphrase'
declare -A PW
run "$VAULT" --passphrase-fd 3 init "$V" --admin admin --kdf "$KDF" 3<<<"$ADMIN_PW"
expect "init" 0 '^vault id: '
# Organisations and their people; every first passphrase is changed.
adduser() { # BY ORG NAME ROLE: a member added by her organisation's supervisor
	local by=$1 org=$2 name=$3 role=$4
	PW[$name]="first passphrase of $name"
	asnew "$by" "${PW[$by]}" "${PW[$name]}" user add "$name" --role "$role" --org "$org" \
		--kdf "$KDF"
	[ "$RC" = 0 ] || fail "user add $name"
	asnew "$name" "${PW[$name]}" "${PW[$name]}, now her own" passwd --kdf "$KDF"
	[ "$RC" = 0 ] || fail "passwd $name"
	PW[$name]="${PW[$name]}, now her own"
}
addorg() { # ID KIND SUPERVISOR
	PW[$3]="first passphrase of $3"
	asnew admin "$ADMIN_PW" "${PW[$3]}" org add "$1" --kind "$2" --name "$1" --supervisor "$3" \
		--kdf "$KDF"
	[ "$RC" = 0 ] || fail "org add $1"
	asnew "$3" "${PW[$3]}" "${PW[$3]}, now her own" passwd --kdf "$KDF"
	PW[$3]="${PW[$3]}, now her own"
}
addorg cav-iris antiviolence-centre sup_cav
addorg cas-aurora reception-centre sup_cas
addorg prefettura authority pref
adduser sup_cav cav-iris cw_cav caseworker
adduser sup_cas cas-aurora cw_cas caseworker
pass "a network of three organisations"

TODAY=$(date -u +%F)
SINCE=$(date -u -d "$TODAY - 2 months" +%Y-%m-01)

# newcase USER ORG CONSENT_SCOPE INDICATORS...: a victim case with indicators.
newcase() {
	local user=$1 org=$2 scope=$3
	shift 3
	as "$user" "${PW[$user]}" case new --kind victim
	local c
	c=$(cat "$TMP/out")
	if [ "$scope" != none ]; then
		as "$user" "${PW[$user]}" consent add "$c" --org "$org" --classes general \
			--purpose "statistics for the network" --scope "$scope"
		[ "$RC" = 0 ] || fail "consent add"
	fi
	as "$user" "${PW[$user]}" case indicators "$c" --set "$@"
	[ "$RC" = 0 ] || fail "case indicators --set $*"
	LASTCASE=$c
}

# ---- indicators ------------------------------------------------------------------

newcase cw_cav cav-iris services,statistics age_band=30-39 violence=physical-assault,stalking \
	perpetrator_relation=partner
CASE1=$LASTCASE
as cw_cav "${PW[cw_cav]}" case indicators "$CASE1"
expect "case indicators shows them" 0 '^violence=physical-assault,stalking$'
as cw_cav "${PW[cw_cav]}" --json case indicators "$CASE1"
expect "case indicators --json" 0 '"age_band": "30-39"'
as cw_cav "${PW[cw_cav]}" case indicators "$CASE1" --set violence=kicking
expect "an unknown value is refused, listing the valid ones (exit 2)" 2 '' \
	'violence: bad value .kicking.; valid: rape, sexual-assault'
as cw_cav "${PW[cw_cav]}" case indicators "$CASE1" --set shoe_size=38
expect "an unknown key is refused, listing the valid ones (exit 2)" 2 '' \
	'unknown indicator .shoe_size'
as cw_cav "${PW[cw_cav]}" case indicators "$CASE1" --set age_band=30-39,40-49
expect "a single-valued key takes one value" 2 '' 'one value only'
as cw_cas "${PW[cw_cas]}" case indicators "$CASE1"
expect "another organisation without a grant cannot read them (exit 4)" 4
if grep -r -a -q -- 'physical-assault,stalking' "$V"; then
	fail "no indicator plaintext in the vault's files"
else
	pass "no indicator plaintext in the vault's files"
fi

# Six consented cases at the centre, five at the reception centre, and
# cases without a consent to statistics that must not change any figure.
for i in 1 2 3 4 5; do
	newcase cw_cav cav-iris services,statistics age_band=30-39 violence=physical-assault \
		nationality_group=non-eu referral_source=police
done
newcase cw_cav cav-iris services,sharing age_band=under-18 violence=rape
newcase cw_cav cav-iris none age_band=under-18 violence=rape
for i in 1 2 3 4 5; do
	newcase cw_cas cas-aurora services,statistics age_band=18-29 violence=psychological \
		nationality_group=non-eu legal_status_group=asylum-seeker \
		referral_destination=antiviolence-centre
done

# ---- export ---------------------------------------------------------------------

as cw_cav "${PW[cw_cav]}" stats export --since "$SINCE" --until "$TODAY" --out "$TMP/x.note"
expect "a caseworker cannot export (exit 4)" 4 '' 'only a supervisor'
as sup_cav "${PW[sup_cav]}" stats export --since "$SINCE" --until "$TODAY" --out "$TMP/cav.note" \
	--k 2
expect "k below 3 is refused (exit 2)" 2 '' 'at least 3'
as sup_cav "${PW[sup_cav]}" stats export --since "$SINCE" --until 2026-02-30 --out "$TMP/cav.note"
expect "a day that does not exist is refused" 2 '' 'no such day'
as sup_cav "${PW[sup_cav]}" stats export --since "$SINCE" --until "$TODAY" --out "$TMP/cav.note"
expect "the centre's supervisor exports" 0 'wrote the signed statistics'
as sup_cas "${PW[sup_cas]}" stats export --since "$SINCE" --until "$TODAY" --out "$TMP/cas.note"
expect "the reception centre's supervisor exports" 0
if head -1 "$TMP/cav.note" | grep -qx 'libvault-stats/1' && grep -q '^— sup_cav ' "$TMP/cav.note"; then
	pass "the export is a signed note by the supervisor"
else
	fail "the export is a signed note by the supervisor"
fi
sed -n 2p "$TMP/cav.note" >"$TMP/cav.json"
check_json() { "$PY" -c "import json,sys; d=json.load(open('$TMP/cav.json')); sys.exit(0 if ($1) else 1)"; }
if check_json 'd["cases"]["total"] == 6 and d["not_consented"] == 2 and d["org"] == "cav-iris"'; then
	pass "six consented cases counted, two not consented"
else
	fail "six consented cases counted, two not consented" "$(cat "$TMP/cav.json")"
fi
if check_json 'd["indicators"][0]["by_value"][0] == 0 and d["indicators"][2]["by_value"][0] == 0'; then
	pass "the cases without that consent change no figure"
else
	fail "the cases without that consent change no figure"
fi
if check_json 'all(v is None or v == 0 or v >= d["k"] for i in d["indicators"] for v in i["by_value"] + i["month_totals"] + sum(i["by_month"], []))'; then
	pass "no released figure is below k"
else
	fail "no released figure is below k"
fi
as admin "$ADMIN_PW" --json audit log --action stats.export
expect "every export attempt is in the audit log" 0
n_ok=$(grep -c '"outcome": *"ok"' "$TMP/out" || true)
n_denied=$(grep -c '"outcome": *"denied"' "$TMP/out" || true)
[ "$n_ok" = 2 ] && [ "$n_denied" = 1 ] && pass "two exports and one refusal recorded" ||
	fail "two exports and one refusal recorded" "ok=$n_ok denied=$n_denied"
grep -q "period $SINCE to $TODAY, k 5" "$TMP/out" && pass "the entry says the period and k" ||
	fail "the entry says the period and k"
run "$VAULT" --vault "$V" --user admin --passphrase-fd 3 audit vkey sup_cav 3<<<"$ADMIN_PW"
VK_CAV=$(cat "$TMP/out")
as sup_cas "${PW[sup_cas]}" audit vkey
VK_CAS=$(cat "$TMP/out")
as pref "${PW[pref]}" audit vkey
VK_PREF=$(cat "$TMP/out")

# ---- combine (no vault, no passphrase) ---------------------------------------------

printf '# pinned by the Prefecture\n%s\n%s\n' "$VK_CAV" "$VK_CAS" >"$TMP/pinned.vkeys"
run "$VAULT" stats combine "$TMP/cav.note" "$TMP/cas.note" --vkeys "$TMP/pinned.vkeys" \
	--out "$TMP/net.json"
expect "stats combine: JSON" 0 'combined 2 signed files'
if "$PY" -c "import json; d=json.load(open('$TMP/net.json')); exit(0 if d['cases']['total']==11 and len(d['sources'])==2 and d['not_consented']==2 else 1)"; then
	pass "the network's sums"
else
	fail "the network's sums" "$(head -c 400 "$TMP/net.json")"
fi
run "$VAULT" stats combine "$TMP/cav.note" "$TMP/cas.note" --vkey "$VK_CAV" --vkey "$VK_CAS" \
	--out "$TMP/net.csv" --format csv
expect "stats combine: CSV" 0
grep -q '^age_band,30-39,total,6' "$TMP/net.csv" && pass "CSV has the figures" ||
	fail "CSV has the figures"
run "$VAULT" stats combine "$TMP/cav.note" "$TMP/cas.note" --vkey "$VK_CAV" \
	--out "$TMP/bad.json"
expect "a file no pinned key signed is refused (exit 6)" 6 '' 'file 2: no trusted verifier key'
sed 's/"not_consented":2/"not_consented":0/' "$TMP/cav.note" >"$TMP/forged.note"
run "$VAULT" stats combine "$TMP/forged.note" "$TMP/cas.note" --vkeys "$TMP/pinned.vkeys" \
	--out "$TMP/bad.json"
expect "a file whose signature fails is refused (exit 6)" 6 '' 'signature of sup_cav does not verify'
run "$VAULT" stats combine "$TMP/cav.note" "$TMP/cas.note" "$TMP/cav.note" \
	--vkeys "$TMP/pinned.vkeys" --out "$TMP/bad.json"
expect "a second file of the same organisation and period is refused" 1 '' 'overlapping periods'
[ ! -e "$TMP/bad.json" ] && pass "a refused combine writes nothing" ||
	fail "a refused combine writes nothing"
run "$VAULT" stats combine "$TMP/cav.note" --vkey not-a-key --out "$TMP/bad.json"
expect "a malformed verifier key (exit 2)" 2 '' 'verifier key 1 is malformed'
run "$VAULT" stats combine "$TMP/cav.note" --out "$TMP/bad.json"
expect "combine without pinned keys is a usage error" 2 '' 'verifier keys you trust'

# The authority's user combines with the keys she pinned.
run "$VAULT" stats combine "$TMP/cav.note" "$TMP/cas.note" --vkeys "$TMP/pinned.vkeys" \
	--format html --out "$TMP/net.html"
expect "stats combine: HTML" 0
if grep -qi '<script' "$TMP/net.html" || grep -Eqi '(src|href)=' "$TMP/net.html"; then
	fail "the HTML has no script and no external resource"
else
	pass "the HTML has no script and no external resource"
fi
grep -q '<svg' "$TMP/net.html" && pass "the HTML draws bar charts in inline SVG" ||
	fail "the HTML draws bar charts in inline SVG"

# ---- rendered by headless Chromium -------------------------------------------------

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ] || ! command -v pdftotext >/dev/null; then
	fail "chromium and pdftotext are installed (make test-deps)"
else
	sandbox=()
	[ "$(id -u)" = 0 ] && sandbox=(--no-sandbox)
	chrome() {
		timeout 120 "$CHROMIUM" --headless --disable-gpu "${sandbox[@]}" \
			--user-data-dir="$TMP/chromium-$1" --no-first-run --disable-extensions \
			--hide-scrollbars "${@:2}" "file://$TMP/net.html" >/dev/null 2>&1
	}
	if chrome pdf --no-pdf-header-footer --print-to-pdf="$TMP/net.pdf" && [ -s "$TMP/net.pdf" ]; then
		pass "chromium prints the HTML to PDF"
		pdftotext -layout "$TMP/net.pdf" "$TMP/net.txt"
		for want in 'Network statistics on gender-based violence' 'cav-iris' 'cas-aurora' \
			'Types of violence' 'physical-assault' 'psychological' 'suppressed' \
			'Without consent to statistics'; do
			grep -q -- "$want" "$TMP/net.txt" && pass "the rendered page says: $want" ||
				fail "the rendered page says: $want" "$(head -c 600 "$TMP/net.txt")"
		done
	else
		fail "chromium prints the HTML to PDF"
	fi
	if chrome png --screenshot="$TMP/net.png" --window-size=1000,2400 && [ -s "$TMP/net.png" ]; then
		cp "$TMP/net.png" "$BUILD/stats-combined.png"
		pass "chromium takes a screenshot: $BUILD/stats-combined.png"
		echo "screenshot: $BUILD/stats-combined.png"
	else
		fail "chromium takes a screenshot"
	fi
fi

echo
echo "stats: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
