# tests/e2e/first_passphrase.sh - sourced by run.sh (its helpers, $V, $KDF):
# first passphrases, passwd refusals, damaged slot files, unfit folders.

# ---- a first passphrase must change before anything else -------------------

asnew sup_cas "$SUPCAS_PW" "first for newbie 31" user add newbie --org cas-aurora \
	--role caseworker --kdf "$KDF"
expect "user add says the new user must run passwd first" 0 'added caseworker newbie' \
	"newbie must run 'vault passwd'"
as admin "$ADMIN_PW" user list
check "user list shows who still has to change the first passphrase" \
	grep -Eq '^newbie +caseworker +cas-aurora +passwd due' "$TMP/out"
as admin "$ADMIN_PW" --json user list
check "user list --json has must_change_passphrase" \
	test "$(json '[u["must_change_passphrase"] for u in d if u["name"] == "newbie"][0]')" = True
as newbie "first for newbie 31" case list
expect_err "before passwd every command refuses: exit 9, says what to run" 9 'run `vault passwd`'
as newbie "first for newbie 31" audit id
expect_err "audit id too: exit 9" 9 'passwd'
asnew newbie "first for newbie 31" "first for newbie 31" passwd --kdf "$KDF"
expect_err "passwd refuses the same passphrase: exit 2" 2 'the one in use'
asnew newbie "first for newbie 31" "newbie's own 32" passwd --kdf "$KDF"
expect "passwd with a new passphrase" 0 'passphrase changed for newbie'
as newbie "newbie's own 32" case list
expect "after passwd, commands work" 0
as admin "$ADMIN_PW" user list
check "user list shows her active" grep -Eq '^newbie +caseworker +cas-aurora +active' "$TMP/out"

# ---- weak passphrases (a vault at a real KDF level) ------------------------

S="$TMP/strong"
run "$VAULT" --passphrase-fd 3 init "$S" --admin boss --kdf interactive 3<<<"boss: granite lantern 48"
expect "init at the interactive level" 0 '^vault id: '
run "$VAULT" --vault "$S" --user boss --passphrase-fd 3 --new-passphrase-fd 4 passwd \
	3<<<"boss: granite lantern 48" 4<<<"password1"
expect_err "passwd refuses an easy passphrase with the reason: exit 2" 2 'too easy to guess'
check "the refusal does not print the passphrase" sh -c "! grep -q password1 '$TMP/err'"
run "$VAULT" --vault "$S" --user boss --passphrase-fd 3 --new-passphrase-fd 4 passwd \
	--kdf insecure-test-only 3<<<"boss: granite lantern 48" 4<<<"oboe meadow 71 saffron kite"
expect_err "passwd refuses a level cheaper than the vault's: exit 2" 2 'cheaper'
run "$VAULT" --vault "$S" --user boss --passphrase-fd 3 --new-passphrase-fd 4 passwd \
	3<<<"boss: granite lantern 48" 4<<<"oboe meadow 71 saffron kite"
expect "passwd accepts a strong passphrase" 0 'passphrase changed for boss'

# ---- a damaged key-slot file says "damaged" --------------------------------

D="$TMP/damaged"
cp -a "$V" "$D"
"$PY" - "$D/keyslots" <<'PYEOF'
import re, sys
p = sys.argv[1]
t = open(p).read()
m = re.search(r'"lookup_key": "([0-9a-f])', t)
c = "1" if m.group(1) == "0" else "0"
open(p, "w").write(t[:m.start(1)] + c + t[m.end(1):])
PYEOF
run "$VAULT" --vault "$D" --user admin --passphrase-fd 3 case list 3<<<"$ADMIN_PW"
expect_err "a flipped lookup key is damage: exit 6" 6 'damaged'
check "no failed unlock was noted for it" test ! -e "$D/auth-failures"

# ---- vault init refuses unfit folders --------------------------------------

mkdir -p "$TMP/busy" && touch "$TMP/busy/notes.txt"
run "$VAULT" --passphrase-fd 3 init "$TMP/busy" --admin a --kdf "$KDF" 3<<<"x"
expect_err "init into a folder that is not empty: exit 2" 2 'not empty'
mkdir -p "$TMP/shared" && chmod 0775 "$TMP/shared"
run "$VAULT" --passphrase-fd 3 init "$TMP/shared" --admin a --kdf "$KDF" 3<<<"x"
expect_err "init into a group-writable folder: exit 2" 2 'writable by group or others'
