#!/usr/bin/env bash
# End-to-end tests of the reports (@since 1.1.0): `vault report access` (her
# access report) and `vault report review` (a supervisor's access review):
# who may run them, that they are recorded, names only with --names, the
# formats and languages, and the HTML rendered by headless Chromium to PDF
# and PNG, whose text (pdftotext) must hold the expected lines.
#
#   tests/e2e/report.sh build/vault        (run.sh calls it)
#
# The rendered pages stay at a stable place beside the vault binary:
#   build/report-access.pdf, build/report-access.png,
#   build/report-review.pdf, build/report-review.png
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 PATH/TO/vault" >&2
	exit 2
fi
VAULT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BUILD=$(dirname "$VAULT")
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vault-e2e-report.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
unset VAULT_DIR VAULT_USER LC_ALL LC_MESSAGES
export LANG=C
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
# flat: the last stdout with each run of white space made one space (text
# reports wrap long values under their label).
flat() { tr -s '[:space:]' ' ' <"$TMP/out" >"$TMP/flat"; }
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "condition failed: $*"; fi
}
first_change() {
	asnew "$1" "$2" "$2 (temporary)" passwd --kdf "$KDF"
	asnew "$1" "$2 (temporary)" "$2" passwd --kdf "$KDF"
	expect "$1 changes the first passphrase" 0 "passphrase changed for $1"
}

ADMIN_PW='admin: report passphrase'
AUD_PW='auditor: report passphrase'
SUPCAS_PW='sup-cas: report passphrase'
SUPCAV_PW='sup-cav: report passphrase'
SUPCUAV_PW='sup-cuav: report passphrase'
OPCAS_PW='op-cas: report passphrase'
CWCAV_PW='cw-cav: report passphrase'
CWCUAV_PW='cw-cuav: report passphrase'
BG_REASON='<script>alert(1)</script> she called the hotline at night'

# ---- a small network -----------------------------------------------------------

run "$VAULT" --passphrase-fd 3 init "$V" --admin admin --kdf "$KDF" 3<<<"$ADMIN_PW"
expect "init" 0 '^vault id: '
asnew admin "$ADMIN_PW" "$AUD_PW" user add aud --role auditor --kdf "$KDF"
asnew admin "$ADMIN_PW" "$SUPCAS_PW" org add cas-aurora --kind reception-centre \
	--name "CAS Aurora" --supervisor sup_cas --kdf "$KDF"
asnew admin "$ADMIN_PW" "$SUPCAV_PW" org add cav-iris --kind antiviolence-centre \
	--name "Centro antiviolenza Iris" --supervisor sup_cav --kdf "$KDF"
asnew admin "$ADMIN_PW" "$SUPCUAV_PW" org add cuav-nord --kind perpetrator-programme \
	--name "CUAV Nord" --supervisor sup_cuav --kdf "$KDF"
expect "organisations added" 0 'cuav-nord'
for u in aud:"$AUD_PW" sup_cas:"$SUPCAS_PW" sup_cav:"$SUPCAV_PW" sup_cuav:"$SUPCUAV_PW"; do
	first_change "${u%%:*}" "${u#*:}"
done
asnew sup_cas "$SUPCAS_PW" "$OPCAS_PW" user add op_cas --org cas-aurora --role caseworker --kdf "$KDF"
asnew sup_cav "$SUPCAV_PW" "$CWCAV_PW" user add cw_cav --org cav-iris --role caseworker --kdf "$KDF"
asnew sup_cuav "$SUPCUAV_PW" "$CWCUAV_PW" user add cw_cuav --org cuav-nord --role caseworker --kdf "$KDF"
for u in op_cas:"$OPCAS_PW" cw_cav:"$CWCAV_PW" cw_cuav:"$CWCUAV_PW"; do
	first_change "${u%%:*}" "${u#*:}"
done

as op_cas "$OPCAS_PW" case new --kind victim
expect "a victim case" 0 '^[0-9a-f]{32}$'
CASE=$(cat "$TMP/out")
as op_cas "$OPCAS_PW" record put "$CASE" intake --class general < <(printf 'Intake: arrived with two children.')
as op_cas "$OPCAS_PW" record put "$CASE" shelter --class safety < <(printf 'Via dei Tigli 7')
expect "records written" 0 'version 1'
as op_cas "$OPCAS_PW" consent add "$CASE" --org cav-iris --classes general --purpose "referral"
SOON=$(date -u -d '+5 days' +%Y-%m-%d)
as op_cas "$OPCAS_PW" share "$CASE" --org cav-iris --classes general --perm read --expires "$SOON"
expect "shared with the centre until $SOON" 0 'shared general'
as cw_cav "$CWCAV_PW" --purpose referral record get "$CASE" intake
expect "the centre reads the intake" 0 'two children'
as cw_cuav "$CWCUAV_PW" record get "$CASE" shelter
expect "the programme is refused" 4
as sup_cas "$SUPCAS_PW" break-glass "$CASE" --hours 1 --reason "$BG_REASON"
expect "break-glass with markup in its reason" 0 'emergency access'

# ---- her access report -------------------------------------------------------------

as op_cas "$OPCAS_PW" report access "$CASE"
expect "report access (text)" 0 '^Access report$'
flat
check "it explains each kind of access" grep -q '^- emergency access: a supervisor opened the file' "$TMP/out"
check "it names the organisation, its kind and the role" \
	grep -q 'Centro antiviolenza Iris (anti-violence centre), caseworker' "$TMP/flat"
check "it says what and why" \
	sh -c "grep -q 'read a record (read): case-work record \"intake\"' '$TMP/flat' && grep -q 'referral to another service' '$TMP/flat'"
check "it lists the refusal, with who tried" \
	sh -c "grep -A2 -F '** refused **' '$TMP/out' | tr -s '[:space:]' ' ' | grep -q 'CUAV Nord (programme for men who use violence), caseworker'"
check "it lists the break-glass reason" grep -qF "$BG_REASON" "$TMP/flat"
check "local time with its offset" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [+-][0-9]{2}:[0-9]{2}' "$TMP/out"
check "no staff names without --names" sh -c "! grep -Eq 'cw_cav|cw_cuav|op_cas|sup_cas' '$TMP/out'"
check "nothing of the records" sh -c "! grep -Eq 'two children|Tigli' '$TMP/out'"
cp "$TMP/out" "$TMP/access.txt"

as op_cas "$OPCAS_PW" report access "$CASE" --names
expect "--names is refused to a caseworker: exit 4" 4 '' 'supervisors and auditors'
as sup_cas "$SUPCAS_PW" report access "$CASE" --names
expect "a supervisor with --names sees who" 0 '\[cw_cav\]'
as cw_cav "$CWCAV_PW" report access "$CASE"
expect "a read grant does not give the report: exit 4" 4 '' 'share right'
as admin "$ADMIN_PW" report access "$CASE"
expect "an admin gets no report: exit 4" 4
as aud "$AUD_PW" --utc report access "$CASE" --names --format json
expect "the auditor, JSON, UTC" 0 '"report": "access"'
check "JSON parses, with actors" sh -c "$PY -c 'import json,sys; d=json.load(sys.stdin); assert any(e.get(\"actor\")==\"cw_cav\" for e in d[\"entries\"])' <'$TMP/out'"
as op_cas "$OPCAS_PW" --json report access "$CASE"
check "--json chooses JSON, without actors" sh -c "[ $RC = 0 ] && $PY -c 'import json,sys; d=json.load(sys.stdin); assert not any(\"actor\" in e for e in d[\"entries\"])' <'$TMP/out'"
as op_cas "$OPCAS_PW" report access "$CASE" --lang it
expect "in Italian" 0 '^Rapporto sugli accessi$'
flat
check "Italian words" grep -q 'Centro antiviolenza Iris (centro antiviolenza), operatrice o operatore' "$TMP/flat"
run env LANG=it_IT.UTF-8 "$VAULT" --vault "$V" --user op_cas --passphrase-fd 3 report access "$CASE" 3<<<"$OPCAS_PW"
expect "LANG=it chooses Italian" 0 '^Rapporto sugli accessi$'
as op_cas "$OPCAS_PW" report access "$CASE" --since 2000-01-01 --until 2000-02-01
expect "a period with nothing in it" 0 '^0 accesses recorded'
as op_cas "$OPCAS_PW" report access "$CASE" --format pdf
expect "bad --format: exit 2" 2 '' "bad --format 'pdf'"
as op_cas "$OPCAS_PW" report access "$CASE" --lang fr
expect "bad --lang: exit 2" 2 '' "bad --lang 'fr'"
as op_cas "$OPCAS_PW" report access "$CASE" --since 2026-02-01 --until 2026-01-01
expect "an empty period: exit 2" 2 '' 'until must be after'
as op_cas "$OPCAS_PW" report access 0123456789abcdef0123456789abcdef
expect "an unknown case: exit 5" 5
as aud "$AUD_PW" audit log --action report.access --case "$CASE"
check "each report is an audit entry" test "$(grep -c 'report.access' "$TMP/out")" -ge 8
check "refused reports are recorded too" grep -Eq 'cw_cav .*report.access.*denied|report.access.*cw_cav.*denied' "$TMP/out"

as sup_cas "$SUPCAS_PW" report access "$CASE" --names --format html --lang en --out "$TMP/access.html"
expect "report access --format html --out" 0 'wrote the report to'
check "the HTML file is for its owner only (0600)" test "$(stat -c %a "$TMP/access.html")" = 600
check "the HTML has no script and no external resource" \
	sh -c "! grep -Eiq '<script|src=|href=|https?:|url\\(' '$TMP/access.html'"
check "the reason's markup is escaped" grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$TMP/access.html"

# ---- the supervisor's review --------------------------------------------------------

as sup_cas "$SUPCAS_PW" report review --org cas-aurora
expect "report review (text)" 0 '^Access review$'
flat
for s in 'Accesses from outside the organisation' 'Emergency accesses (break-glass)' \
	'Refusals, by person and class' 'Consents on an emergency basis' 'Grants about to lapse'; do
	check "review has '$s'" grep -qF "$s" "$TMP/out"
done
check "review: outside accesses by name" grep -q '\[cw_cav\]' "$TMP/out"
check "review: the break-glass reason" grep -qF "$BG_REASON" "$TMP/flat"
check "review: refusals by person" grep -q '^cw_cuav, CUAV Nord' "$TMP/out"
check "review: the grant lapsing in 5 days" sh -c "sed -n '/^Grants about to lapse/,\$p' '$TMP/out' | grep -q '$CASE'"
as sup_cav "$SUPCAV_PW" report review --org cas-aurora
expect "another organisation's supervisor: exit 4" 4
as op_cas "$OPCAS_PW" report review --org cas-aurora
expect "a caseworker: exit 4" 4
as aud "$AUD_PW" report review --org nosuch
expect "the auditor, unknown organisation: exit 5" 5
as aud "$AUD_PW" report review --org cas-aurora --format json
check "review JSON parses" sh -c "[ $RC = 0 ] && $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[\"lapse_days\"] == 14 and len(d[\"break_glass\"]) == 1' <'$TMP/out'"
as sup_cas "$SUPCAS_PW" report review
expect "review without --org: exit 2" 2 '' 'missing --org'
as aud "$AUD_PW" audit log --action report.review
check "each review is an audit entry" test "$(grep -c 'report.review' "$TMP/out")" -ge 5
as sup_cas "$SUPCAS_PW" report review --org cas-aurora --format html --lang it --out "$TMP/review.html"
expect "report review --format html --lang it" 0 'wrote the report'

# ---- rendered by a browser ------------------------------------------------------------

# render NAME HTML: PDF and PNG of the page at build/NAME.{pdf,png}, and the
# PDF's text in $TMP/NAME.txt.  Chromium as root needs --no-sandbox; a fresh
# profile each time; bounded in time.
render() {
	local name=$1 html=$2
	rm -f "$BUILD/$name.pdf" "$BUILD/$name.png"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$TMP/chromium-$name" --no-pdf-header-footer \
		--print-to-pdf="$BUILD/$name.pdf" "file://$html" >"$TMP/chromium.log" 2>&1 || true
	timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$TMP/chromium-$name-png" --window-size=1280,1800 \
		--screenshot="$BUILD/$name.png" "file://$html" >>"$TMP/chromium.log" 2>&1 || true
	# In content order (-raw), so that a table cell's words stay together;
	# cells wrap anywhere, so text is compared without its white space.
	{ pdftotext -raw "$BUILD/$name.pdf" - 2>/dev/null || true; } | tr -d '[:space:]' >"$TMP/$name.txt"
}

if command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then
	render report-access "$TMP/access.html"
	check "Chromium printed the access report to PDF" test -s "$BUILD/report-access.pdf"
	check "Chromium took a screenshot of it" test -s "$BUILD/report-access.png"
	for line in 'Access report' 'What the kinds of access mean' 'Accesses' \
		'Centro antiviolenza Iris (anti-violence centre), caseworker' \
		'read a record (read): case-work record "intake"' \
		'<script>alert(1)</script> she called the hotline at night' \
		'refused' '[cw_cav]'; do
		check "the rendered access report shows: $line" \
			grep -qF -- "$(printf '%s' "$line" | tr -d '[:space:]')" "$TMP/report-access.txt"
	done
	check "the rendered report has no footer URL or date of the browser" \
		sh -c "! grep -q 'file://' '$TMP/report-access.txt'"
	render report-review "$TMP/review.html"
	check "Chromium printed the review to PDF" test -s "$BUILD/report-review.pdf"
	for line in 'Revisione degli accessi' 'Accessi da parte di altre organizzazioni' \
		'Permessi in scadenza' '<script>alert(1)</script>'; do
		check "the rendered review shows: $line" \
			grep -qF -- "$(printf '%s' "$line" | tr -d '[:space:]')" "$TMP/report-review.txt"
	done
	echo "     screenshot: $BUILD/report-access.png (and report-access.pdf, report-review.png, report-review.pdf)"
else
	RC=0
	fail "chromium and pdftotext are needed to render the reports (make test-deps installs them)"
fi

echo
echo "report.sh: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
