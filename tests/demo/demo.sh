#!/usr/bin/env bash
# The network scenario of issue 5, told through the `vault` command.
#
#   tests/demo/demo.sh build/vault        (or: make demo)
#
# Works on ./demo-vault, removed first so every run starts clean.  Key slots
# use the "interactive" Argon2id level: real cost, a fraction of a second per
# unlock.  The passphrases are literal here because this is a demo; real
# staff type them at a prompt that does not echo.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 PATH/TO/vault" >&2
	exit 2
fi
VAULT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
DEMO="$PWD/demo-vault"
KDF=interactive
unset VAULT_DIR VAULT_USER

rm -rf "$DEMO"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vault-demo.XXXXXX") # the auditor's desk
trap 'rm -rf "$WORK"' EXIT
START=$(date +%s)

# Bold headings on a terminal only; fd 5 is where the narration goes, so the
# commands' own output can be captured or indented separately.
exec 5>&1
if [ -t 1 ]; then
	heading() { printf '\n\033[1m== %s\033[0m\n' "$*" >&5; }
else
	heading() { printf '\n== %s\n' "$*" >&5; }
fi
say() { printf '   %s\n' "$*" >&5; }

# v USER PASSPHRASE ARGS...: run vault as USER; show the command (never the
# passphrase, which travels on file descriptor 3).
v() {
	local user=$1 pass=$2
	shift 2
	printf '   $ vault --user %s %s\n' "$user" "$*" >&5
	"$VAULT" --vault "$DEMO" --user "$user" --passphrase-fd 3 "$@" 3<<<"$pass"
}

# vnew USER PASSPHRASE NEWPASS ARGS...: the same, with a new passphrase on fd 4.
vnew() {
	local user=$1 pass=$2 newpass=$3
	shift 3
	printf '   $ vault --user %s %s\n' "$user" "$*" >&5
	"$VAULT" --vault "$DEMO" --user "$user" --passphrase-fd 3 \
		--new-passphrase-fd 4 "$@" 3<<<"$pass" 4<<<"$newpass"
}

indent() { sed 's/^/   | /'; }

# refused WANT-EXIT CMD...: the command must fail with that exit code; its
# output and its message are shown indented.
refused() {
	local want=$1 rc=0
	shift
	"$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	indent <"$WORK/out"
	indent <"$WORK/err"
	if [ "$rc" != "$want" ]; then
		echo "demo: expected exit code $want, got $rc" >&2
		exit 1
	fi
	say "-> refused as expected (exit code $rc)"
}

ADMIN_PW='Rete provinciale: admin 2024!'
SUP_CAS_PW='Aurora supervisor, long passphrase'
OP_CAS_PW='Operatrice Giulia: tre gatti neri'
SUP_CAV_PW='Iris supervisor: quattro stagioni'
CW_CAV_PW='Operatrice Sara: cinque lune'
SUP_CUAV_PW='CUAV supervisor: sei ponti'
CW_CUAV_PW='Operatore Marco: sette mari'
SUP_ASL_PW='ASL supervisor: otto colline'
AUDIT_PW='Auditor Elena: nove fontane'

GENERAL_NOTE='Intake: A. arrived on 3 March with her two children. She speaks Tigrinya and some English. She reports repeated violence by her partner.'
SAFETY_NOTE='Safety plan: staying at the shelter in Via dei Tigli 7. Safe contact: the reception desk, never her own phone. He drives a grey Fiat Punto and knows the station.'

# ---------------------------------------------------------------------------
heading "1. The network administrator creates the vault"
printf '   $ vault init %s --admin admin --kdf %s\n' "$DEMO" "$KDF" >&5
"$VAULT" --new-passphrase-fd 4 init "$DEMO" --admin admin --kdf "$KDF" 4<<<"$ADMIN_PW" | indent
VAULT_ID=$(v admin "$ADMIN_PW" audit id 2>/dev/null)
say "The vault id is the hash of the first audit entry; the auditor pins it."

heading "2. The organisations of the network, each with its supervisor"
vnew admin "$ADMIN_PW" "$SUP_CAS_PW" org add cas-aurora --kind reception-centre \
	--name "CAS Aurora (reception centre)" --supervisor sup_aurora --kdf "$KDF" | indent
vnew admin "$ADMIN_PW" "$SUP_CAV_PW" org add cav-iris --kind antiviolence-centre \
	--name "Centro antiviolenza Iris" --supervisor sup_iris --kdf "$KDF" | indent
vnew admin "$ADMIN_PW" "$SUP_CUAV_PW" org add cuav-nord --kind perpetrator-programme \
	--name "CUAV Nord (programme for men)" --supervisor sup_cuav --kdf "$KDF" | indent
vnew admin "$ADMIN_PW" "$SUP_ASL_PW" org add asl-health --kind health \
	--name "ASL, health service" --supervisor sup_asl --kdf "$KDF" | indent
v admin "$ADMIN_PW" org list | indent
say "Each supervisor replaces the passphrase the administrator chose for her:"
say "she gets new keys, and so does her organisation, which the administrator never knew."
for who in cas cav cuav asl; do
	case $who in
	cas) user=sup_aurora old=$SUP_CAS_PW ;;
	cav) user=sup_iris old=$SUP_CAV_PW ;;
	cuav) user=sup_cuav old=$SUP_CUAV_PW ;;
	asl) user=sup_asl old=$SUP_ASL_PW ;;
	esac
	new="$old (now hers alone)"
	vnew "$user" "$old" "$new" passwd --kdf "$KDF" | indent
	case $who in
	cas) SUP_CAS_PW=$new ;;
	cav) SUP_CAV_PW=$new ;;
	cuav) SUP_CUAV_PW=$new ;;
	asl) SUP_ASL_PW=$new ;;
	esac
done
say "The administrator keeps none of the organisations' keys: she cannot read their cases."

heading "3. Staff and the auditor"
vnew sup_aurora "$SUP_CAS_PW" "$OP_CAS_PW" user add giulia --org cas-aurora \
	--role caseworker --kdf "$KDF" | indent
vnew sup_iris "$SUP_CAV_PW" "$CW_CAV_PW" user add sara --org cav-iris \
	--role caseworker --kdf "$KDF" | indent
vnew sup_cuav "$SUP_CUAV_PW" "$CW_CUAV_PW" user add marco --org cuav-nord \
	--role caseworker --kdf "$KDF" | indent
vnew admin "$ADMIN_PW" "$AUDIT_PW" user add elena --role auditor --kdf "$KDF" | indent
v admin "$ADMIN_PW" user list | indent
say "Someone else chose each of these passphrases: until its owner changes it,"
say "every command refuses and says what to run:"
refused 9 v giulia "$OP_CAS_PW" case list
say "An easy new passphrase is refused too, with the reason:"
refused 2 vnew giulia "$OP_CAS_PW" "giulia2024" passwd
for user in giulia sara marco elena; do
	case $user in
	giulia) old=$OP_CAS_PW ;;
	sara) old=$CW_CAV_PW ;;
	marco) old=$CW_CUAV_PW ;;
	elena) old=$AUDIT_PW ;;
	esac
	new="$old (chosen by me)"
	vnew "$user" "$old" "$new" passwd | indent
	case $user in
	giulia) OP_CAS_PW=$new ;;
	sara) CW_CAV_PW=$new ;;
	marco) CW_CUAV_PW=$new ;;
	elena) AUDIT_PW=$new ;;
	esac
done
v admin "$ADMIN_PW" user list | indent

heading "4. At the reception centre, Giulia opens a case for a woman who is a victim"
CASE=$(v giulia "$OP_CAS_PW" case new --kind victim)
say "case id: $CASE  (random: it reveals nothing about her)"
printf '%s\n' "$GENERAL_NOTE" | v giulia "$OP_CAS_PW" record put "$CASE" intake --class general | indent
printf '%s\n' "$SAFETY_NOTE" | v giulia "$OP_CAS_PW" record put "$CASE" safety-plan --class safety | indent
v giulia "$OP_CAS_PW" record list "$CASE" | indent

heading "5. She consents to a referral to the anti-violence centre; Giulia shares"
say "First, without the consent recorded, the library refuses:"
refused 7 v giulia "$OP_CAS_PW" share "$CASE" --org cav-iris --classes general,safety
CONSENT=$(v giulia "$OP_CAS_PW" consent add "$CASE" --org cav-iris \
	--classes general,safety --purpose "referral for protection and support" \
	--expires "$(date -u -d '+180 days' +%Y-%m-%d)")
say "consent id: $CONSENT"
v giulia "$OP_CAS_PW" consent list "$CASE" | indent
v giulia "$OP_CAS_PW" share "$CASE" --org cav-iris --classes general,safety \
	--perm write --consent "$CONSENT" | indent

heading "6. At the anti-violence centre, Sara reads the case"
v sara "$CW_CAV_PW" case show "$CASE" | indent
v sara "$CW_CAV_PW" --purpose referral record get "$CASE" safety-plan | indent

heading "7. The perpetrator programme opens his case, and is refused her safety record"
PCASE=$(v marco "$CW_CUAV_PW" case new --kind perpetrator)
say "perpetrator case id: $PCASE"
printf 'Taken in charge after a court referral. Group sessions on Tuesdays.\n' |
	v marco "$CW_CUAV_PW" record put "$PCASE" intake --class general | indent
v giulia "$OP_CAS_PW" link "$CASE" "$PCASE" | indent
say "The link is visible only from her side:"
v giulia "$OP_CAS_PW" case show "$CASE" | grep -E '^(case|links)' | indent
say "Marco asks for her safety record:"
refused 4 v marco "$CW_CUAV_PW" record get "$CASE" safety-plan
say "And even with a consent on record, her safety class cannot be shared with a perpetrator programme:"
CCONSENT=$(v giulia "$OP_CAS_PW" consent add "$CASE" --org cuav-nord --classes general,safety \
	--purpose "coordination of the network")
refused 4 v giulia "$OP_CAS_PW" share "$CASE" --org cuav-nord --classes safety --consent "$CCONSENT"
v giulia "$OP_CAS_PW" consent withdraw "$CCONSENT" | indent

heading "8. The auditor: who accessed the case?"
v elena "$AUDIT_PW" audit log --case "$CASE" | indent
say "High-severity entries (separation refusals, break-glass, emergency bases):"
v elena "$AUDIT_PW" audit log --high | indent
say "The auditor herself cannot read the case:"
refused 4 v elena "$AUDIT_PW" record get "$CASE" intake

heading "9. The auditor exports the log and verifies it offline"
v elena "$AUDIT_PW" audit checkpoint --out "$WORK/checkpoint.txt" | indent
v elena "$AUDIT_PW" audit export --out "$WORK/audit.jsonl" | indent
say "Offline: only the export, the pinned vault id and the checkpoint; no vault, no passphrase."
printf '   $ vault audit verify --export audit.jsonl --vault-id %s --checkpoint checkpoint.txt\n' "$VAULT_ID" >&5
"$VAULT" audit verify --export "$WORK/audit.jsonl" --vault-id "$VAULT_ID" \
	--checkpoint "$WORK/checkpoint.txt" | indent
say "Someone edits a copy, to hide that Marco asked for her safety record:"
/usr/bin/env python3 - "$WORK/audit.jsonl" "$WORK/edited.jsonl" <<'PYEOF'
import json, sys
out = []
changed = False
for line in open(sys.argv[1]):
    e = json.loads(line)
    if not changed and e.get("actor") == "marco" and e.get("outcome") == "denied":
        e["outcome"] = "ok"
        e["reason"] = ""
        changed = True
    out.append(json.dumps(e, separators=(",", ":")))
if not changed:  # fall back to any entry in the middle
    e = json.loads(out[len(out) // 2]); e["actor"] = "nobody"
    out[len(out) // 2] = json.dumps(e, separators=(",", ":"))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PYEOF
printf '   $ vault audit verify --export edited.jsonl --vault-id %s\n' "$VAULT_ID" >&5
refused 6 "$VAULT" audit verify --export "$WORK/edited.jsonl" --vault-id "$VAULT_ID"

heading "10. Nothing readable in the vault folder"
say "Looking for every record text, fragments of them, and every passphrase in $DEMO:"
found=0
for s in "$GENERAL_NOTE" "$SAFETY_NOTE" "Tigrinya" "Via dei Tigli" "grey Fiat" \
	"Group sessions on Tuesdays" "$ADMIN_PW" "$SUP_CAS_PW" "$OP_CAS_PW" "$SUP_CAV_PW" \
	"$CW_CAV_PW" "$SUP_CUAV_PW" "$CW_CUAV_PW" "$SUP_ASL_PW" "$AUDIT_PW"; do
	if grep -r -a -F -q -- "$s" "$DEMO"; then
		echo "   FOUND in plaintext: $s" >&2
		found=1
	fi
done
if [ "$found" -ne 0 ]; then
	echo "demo: plaintext found in $DEMO" >&2
	exit 1
fi
ls -l "$DEMO" | indent
say "no plaintext found"

# ==== her access report (issue 13; lib/report.c) =====================================
# Her access report closes the story.  Sections after this one start with
# their own "# ====" line.
heading "11. Her access report: who saw her file"
say "The woman asks her centre who saw her file (GDPR art. 15).  Giulia, who holds the"
say "share right on the case, prints the report: organisations and roles, no staff names."
say "(The same in Italian with --lang it, and as one printable page with --format html.)"
v giulia "$OP_CAS_PW" report access "$CASE" --lang en | indent
# ==== end of her access report ======================================================
# ===========================================================================
# BEGIN the Prefecture's combined statistics (issue 13).  Kept as the very
# last section: it adds an organisation and cases, which the sections above
# do not expect.
# ===========================================================================
heading "12. The Prefecture's combined statistics, without reading a case"
PREF_PW='Prefettura: dieci torri e un fiume'
vnew admin "$ADMIN_PW" "$PREF_PW" org add prefettura --kind authority \
	--name "Prefettura (network coordination)" --supervisor pref_bianchi --kdf "$KDF" | indent
vnew pref_bianchi "$PREF_PW" "$PREF_PW (hers)" passwd --kdf "$KDF" | indent
PREF_PW="$PREF_PW (hers)"
say "Caseworkers record the indicators of their cases, from a versioned vocabulary"
say "(GBVIMS types of violence, Istat's survey of anti-violence centres):"
v sara "$CW_CAV_PW" stats vocabulary | head -8 | indent
say "   ..."
# case_with USER PASS ORG SCOPE INDICATORS...: a victim case with a consent
# (SCOPE "none": no consent at all) and its indicators.
case_with() {
	local user=$1 pass=$2 org=$3 scope=$4 c
	shift 4
	c=$("$VAULT" --vault "$DEMO" --user "$user" --passphrase-fd 3 case new --kind victim 3<<<"$pass")
	if [ "$scope" != none ]; then
		"$VAULT" --vault "$DEMO" --user "$user" --passphrase-fd 3 consent add "$c" --org "$org" \
			--classes general --purpose "anonymised statistics for the network" \
			--scope "$scope" 3<<<"$pass" >/dev/null
	fi
	"$VAULT" --vault "$DEMO" --user "$user" --passphrase-fd 3 case indicators "$c" \
		--set "$@" 3<<<"$pass" >/dev/null
	echo "$c"
}
C1=$(case_with sara "$CW_CAV_PW" cav-iris services,statistics age_band=30-39 \
	violence=physical-assault,psychological,stalking perpetrator_relation=former-partner \
	children_present=yes nationality_group=italian referral_source=police)
printf '   $ vault --user sara case indicators %s --set age_band=30-39 violence=physical-assault,psychological,stalking ...\n' "$C1" >&5
v sara "$CW_CAV_PW" case indicators "$C1" | indent
say "A value outside the vocabulary is refused, with the valid ones:"
refused 2 v sara "$CW_CAV_PW" case indicators "$C1" --set violence=slapping
say "Ten more cases at the two centres.  Two more women did not consent to statistics"
say "(nor did the first one: her consent covers services and sharing only)."
for i in 1 2 3 4 5; do
	case_with sara "$CW_CAV_PW" cav-iris services,statistics age_band=30-39 \
		violence=physical-assault,psychological perpetrator_relation=partner \
		children_present=yes nationality_group=italian referral_source=self >/dev/null
done
case_with sara "$CW_CAV_PW" cav-iris services,sharing age_band=under-18 violence=rape >/dev/null
for i in 1 2 3 4 5; do
	case_with giulia "$OP_CAS_PW" cas-aurora services,statistics age_band=18-29 \
		violence=psychological,economic nationality_group=non-eu \
		legal_status_group=asylum-seeker referral_destination=antiviolence-centre >/dev/null
done
case_with giulia "$OP_CAS_PW" cas-aurora none age_band=18-29 violence=rape >/dev/null

SINCE=$(date -u -d "$(date -u +%F) - 2 months" +%Y-%m-01)
UNTIL=$(date -u +%F)
say "Each centre's supervisor exports her own figures, small cells suppressed, signed:"
v sup_iris "$SUP_CAV_PW" stats export --since "$SINCE" --until "$UNTIL" \
	--out "$WORK/cav-iris.note" | indent
v sup_aurora "$SUP_CAS_PW" stats export --since "$SINCE" --until "$UNTIL" \
	--out "$WORK/cas-aurora.note" | indent
say "A caseworker cannot:"
refused 4 v sara "$CW_CAV_PW" stats export --since "$SINCE" --until "$UNTIL" \
	--out "$WORK/nope.note"
head -c 300 "$WORK/cav-iris.note" | indent
echo >&5
say "   ... and the signature line: $(grep '^— ' "$WORK/cav-iris.note" | cut -c1-40)..."
say "They give the Prefecture their verifier keys, which it pins:"
{
	v sup_iris "$SUP_CAV_PW" audit vkey
	v sup_aurora "$SUP_CAS_PW" audit vkey
} >"$WORK/pinned.vkeys"
indent <"$WORK/pinned.vkeys"
say "The Prefecture's user combines them: no vault, no passphrase, no case read."
printf '   $ vault stats combine cav-iris.note cas-aurora.note --vkeys pinned.vkeys --format csv --out network.csv\n' >&5
"$VAULT" stats combine "$WORK/cav-iris.note" "$WORK/cas-aurora.note" \
	--vkeys "$WORK/pinned.vkeys" --format csv --out "$WORK/network.csv" | indent
grep -E '^(cases,all,total|not_consented|age_band,[^,]+,total|violence,[^,]+,total)' \
	"$WORK/network.csv" | indent
say "(an empty count is a suppressed figure: fewer than 5 women, or one that would give it away)"
printf '   $ vault stats combine ... --format html --out network.html\n' >&5
"$VAULT" stats combine "$WORK/cav-iris.note" "$WORK/cas-aurora.note" \
	--vkeys "$WORK/pinned.vkeys" --format html --out "$PWD/demo-vault-statistics.html" | indent
say "A file altered after signing is refused:"
sed 's/"not_consented":1/"not_consented":0/' "$WORK/cav-iris.note" >"$WORK/altered.note"
refused 6 "$VAULT" stats combine "$WORK/altered.note" --vkeys "$WORK/pinned.vkeys" \
	--out "$WORK/x.json"
say "So is the same centre's file twice:"
refused 1 "$VAULT" stats combine "$WORK/cav-iris.note" "$WORK/cav-iris.note" \
	--vkeys "$WORK/pinned.vkeys" --out "$WORK/x.json"
say "The charts: $PWD/demo-vault-statistics.html (one file, no scripts)."
# ===========================================================================
# END the Prefecture's combined statistics
# ===========================================================================

printf '\nThe demo took %s seconds.  Run it again: it starts from a clean folder.\n' \
	"$(($(date +%s) - START))"
