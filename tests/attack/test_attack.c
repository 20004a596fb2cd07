/*
 * test_attack.c - the attacks of issue 12, done as the attacker would.
 *
 * Every user who runs `vault` can write every file of the vault folder and
 * holds the database key.  Each test here is one attack of the issue: the
 * attacker opens vault.db directly with the key from his own slot, runs SQL,
 * writes seals with crypto_box_seal to public keys he reads from the
 * database, then the victims use the public API as they always do.
 *
 * Each test asserts the SECURE outcome: a refusal (VAULT_ERR_INTEGRITY, or
 * a plain refusal of the API) or nothing gained (the attacker cannot
 * decrypt what the victims wrote).  Each also asserts, before it judges the
 * outcome, that the attack itself took effect (the row is there, the seal
 * opens with the attacker's key), so that the day a test passes, it proves
 * a defence rather than a no-op.
 *
 * This is the acceptance suite of issue 12: `make attacks` runs it, and it
 * is not part of `make check` while the redesign is under way.
 * tests/attack/README.md lists which attacks succeed today.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sodium.h>

#include "helpers.h"
#include "facts.h"
#include "internal.h"
#include "audit_chain.h"

int sqlite3_key(sqlite3 *db, const void *key, int nkey);

/* ---- the attacker's tools ---------------------------------------------- */

/* The attacker's own X25519 key pair, from his own slot. */
static void own_box_keys(const char *dir, const char *user, unsigned char pk[32],
                         unsigned char sk[32])
{
	slot_secret sec;
	vault_kdf def;
	size_t n;
	const unsigned char *p = th_pass(user, &n);

	assert_int_equal(vault__slot_unlock(dir, user, p, n, &sec, &def), VAULT_OK);
	memcpy(sk, sec.box_sk, 32);
	crypto_scalarmult_base(pk, sk);
	sodium_memzero(&sec, sizeof(sec));
}

#define sql_int th_db_int

static void sql_must(const char *dir, const char *user, const char *sql)
{
	sqlite3 *db = th_db_open(dir, user);
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("attack SQL failed: %s (%s)", err ? err : "?", sql);
	sqlite3_close(db);
}

static void status_is(vault *v, vault_status got, vault_status want, const char *what)
{
	if (got != want)
		fail_msg("%s: %s (%s), expected %s", what, vault_strerror(got),
		         v ? vault_errmsg(v) : vault_last_errmsg(), vault_strerror(want));
}

/* The secure outcome of an API call the attack is aimed at: a refusal.
 * VAULT_ERR_INTEGRITY is what the redesign gives; a plain refusal
 * (DENIED, CONSENT, AUTH) also gains the attacker nothing. */
static void refused(vault *v, vault_status st, const char *what)
{
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS: %s went through", what);
	if (st != VAULT_ERR_INTEGRITY && st != VAULT_ERR_DENIED && st != VAULT_ERR_CONSENT &&
	    st != VAULT_ERR_AUTH && st != VAULT_ERR_NOT_FOUND)
		fail_msg("%s: %s (%s): neither an integrity error nor a refusal", what,
		         vault_strerror(st), v ? vault_errmsg(v) : vault_last_errmsg());
}

/* The victims' next step, which the library may refuse because it sees
 * the rows were written around it: VAULT_ERR_INTEGRITY there is the
 * defence (nothing the attacker planted is used), any other failure a bug. */
static vault *victim_open(const char *dir, const char *user, vault_status *st)
{
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass(user, &n);

	*st = vault_open(dir, user, p, n, NULL, &v);
	if (*st == VAULT_ERR_INTEGRITY)
		return NULL;
	if (*st != VAULT_OK)
		fail_msg("open as %s: %s (%s)", user, vault_strerror(*st), vault_last_errmsg());
	return v;
}

static vault_status victim_put(const char *dir, const char *user, const char *cs,
                               const char *name, vault_class cls, const char *text)
{
	vault_status st;
	vault *v = victim_open(dir, user, &st);

	if (v == NULL)
		return st;
	st = vault_record_put(v, cs, name, cls, text, strlen(text), NULL);
	if (st != VAULT_OK && st != VAULT_ERR_INTEGRITY)
		fail_msg("put as %s: %s (%s)", user, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	return st;
}

static vault_status get_cls(const char *dir, const char *user, const char *cs,
                            const char *name, unsigned int cls, char **text)
{
	vault *v = th_open(dir, user);
	vault_buf b = VAULT_BUF_INIT;
	vault_status st = vault_record_get_v2(v, cs, name, cls, 0, &b, NULL, NULL);

	*text = NULL;
	if (st == VAULT_OK) {
		*text = calloc(1, b.len + 1);
		memcpy(*text, b.data, b.len);
	}
	vault_buf_free(&b);
	vault_close(v);
	return st;
}

/* Decrypt the latest version of (case, class, name) with a class key the
 * attacker chose: 1 if the plaintext comes out. */
static int decrypt_with(const char *dir, const char *user, const char *cs,
                        unsigned int cls, const char *name, const unsigned char key[32],
                        char *out, size_t cap)
{
	sqlite3 *db = th_db_open(dir, user);
	sqlite3_stmt *s = NULL;
	unsigned char ad[256], *pt = NULL;
	int ok = 0;

	/* Rows name their record by a tag keyed by the class's first key,
	 * which he may not hold: he tries every row of the class, newest
	 * first, and only the record of that name authenticates (the name is
	 * in the associated data; lib/cases.c). */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT version, epoch, nonce, ct, padded FROM"
	                                        " records WHERE case_id = ?1 AND class = ?2 AND"
	                                        " ct IS NOT NULL ORDER BY version DESC", -1, &s,
	                                    NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, cs, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, (int)cls);
	while (!ok && sqlite3_step(s) == SQLITE_ROW) {
		size_t clen = (size_t)sqlite3_column_bytes(s, 3), len;
		size_t adlen = vault__record_ad(ad, sizeof(ad), cs, name,
		                                (uint32_t)sqlite3_column_int64(s, 0), cls,
		                                (uint32_t)sqlite3_column_int64(s, 1));
		int padded = sqlite3_column_int(s, 4);

		if (clen <= 16)
			continue;
		if (padded)
			ad[adlen++] = 1; /* padded content (lib/cases.c content_ad) */
		pt = realloc(pt, clen);
		assert_non_null(pt);
		ok = crypto_aead_xchacha20poly1305_ietf_decrypt(
		         pt, NULL, NULL, sqlite3_column_blob(s, 3), clen, ad, adlen,
		         sqlite3_column_blob(s, 2), key) == 0;
		len = clen - 16;
		if (ok && padded && sodium_unpad(&len, pt, clen - 16, clen - 16) != 0)
			len = clen - 16;
		if (ok) {
			if (len >= cap)
				len = cap - 1;
			memcpy(out, pt, len);
			out[len] = '\0';
		}
	}
	free(pt);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ok;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, b, n);
}

static char *dup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = malloc(4096);

	va_start(ap, fmt);
	vsnprintf(s, 4096, fmt, ap);
	va_end(ap);
	return s;
}

#define SQLF(dir, user, ...)                                                   \
	do {                                                                   \
		char *q_ = dup_printf(__VA_ARGS__);                           \
		sql_must(dir, user, q_);                                       \
		free(q_);                                                      \
	} while (0)

static long long sql_intf(const char *dir, const char *user, const char *fmt, ...)
{
	va_list ap;
	char q[4096];

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	return sql_int(dir, user, q);
}

/* A holder of the current key of (case, class) with no live grant: the
 * next write of the class rotates its key to every grant holder (lib/cases.c,
 * lapsed holders).  The attacker plants one to have his injected grant
 * served by the owner's next routine write. */
static void plant_lapsed_holder(const char *dir, const char *user, const char *cs,
                                unsigned int cls)
{
	SQLF(dir, user, "INSERT INTO class_keys(case_id, class, epoch, hkind, holder, hepoch,"
	     " sealed) SELECT case_id, class, epoch, %d, 'nobody', 0, randomblob(80)"
	     " FROM case_classes WHERE case_id = '%s' AND class = %u", HOLDER_USER, cs, cls);
	assert_int_equal(sql_intf(dir, user, "SELECT count(*) FROM class_keys WHERE"
	                          " case_id = '%s' AND holder = 'nobody'", cs), 1);
}

/* A victim case of the antiviolence centre with a record in each class. */
static void victim_case(const char *dir, char cs[VAULT_ID_BUFSIZE])
{
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "first interview");
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1, Torino");
}

/* ---- 1. key planting ------------------------------------------------------ */

/* Seal key k as epoch+1 of (cs, cls) to every holder of epoch (but `skip`,
 * if not NULL), as a key-slot holder can: crypto_box_seal to the public
 * keys the database lists.  Returns how many seals she wrote. */
static int seal_to_holders(sqlite3 *db, const char *cs, unsigned int cls, long long epoch,
                           const unsigned char k[32], const char *skip)
{
	sqlite3_stmt *s, *ins;
	int planted = 0;

	assert_int_equal(sqlite3_prepare_v2(db,
	    "SELECT k.hkind, k.holder, k.hepoch, CASE WHEN k.hkind = 2 THEN"
	    " (SELECT box_pk FROM users WHERE name = k.holder) ELSE"
	    " (SELECT pk FROM org_pubkeys WHERE org = k.holder AND epoch = k.hepoch"
	    "  AND which = k.hkind) END FROM class_keys k"
	    " WHERE k.case_id = ?1 AND k.class = ?2 AND k.epoch = ?3 AND k.holder IS NOT ?4",
	    -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	    "INSERT INTO class_keys(case_id, class, epoch, hkind, holder, hepoch, sealed)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &ins, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, cs, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int64(s, 3, epoch);
	if (skip != NULL)
		sqlite3_bind_text(s, 4, skip, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		unsigned char sealed[crypto_box_SEALBYTES + 32];

		if (sqlite3_column_bytes(s, 3) != 32)
			continue;
		assert_int_equal(crypto_box_seal(sealed, k, 32, sqlite3_column_blob(s, 3)), 0);
		sqlite3_bind_text(ins, 1, cs, -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 2, (int)cls);
		sqlite3_bind_int64(ins, 3, epoch + 1);
		sqlite3_bind_int(ins, 4, sqlite3_column_int(s, 0));
		sqlite3_bind_text(ins, 5, (const char *)sqlite3_column_text(s, 1), -1,
		                  SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 6, sqlite3_column_int64(s, 2));
		sqlite3_bind_blob(ins, 7, sealed, sizeof(sealed), SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
		planted++;
	}
	sqlite3_finalize(s);
	sqlite3_finalize(ins);
	return planted;
}

/* A perpetrator-programme caseworker writes a class key he chose as the next
 * epoch of a victim case's safety class, sealed (anonymously) to each
 * holder of the current epoch.  Staff then write her new address. */
static void test_attack__1_key_planting(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], text[512];
	unsigned char k[32];
	sqlite3 *db;
	long long epoch;
	int planted = 0;
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	epoch = sql_intf(dir, "cuav_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	                 " AND class = %d", cs, VAULT_CLASS_SAFETY);
	assert_true(epoch >= 1);

	/* The attack: K, sealed to every holder of the current epoch. */
	randombytes_buf(k, sizeof(k));
	db = th_db_open(dir, "cuav_cw");
	planted = seal_to_holders(db, cs, VAULT_CLASS_SAFETY, epoch, k, NULL);
	assert_int_equal(sqlite3_exec(db, "UPDATE case_classes SET epoch = epoch + 1", NULL, NULL,
	                              NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_true(planted >= 1); /* control: the key went to every holder */
	assert_int_equal(sql_intf(dir, "cuav_cw", "SELECT epoch FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY),
	                 epoch + 1);

	/* The victim's caseworker writes her new address. */
	v = th_open(dir, "cav_cw");
	st = vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti", 14, NULL);
	if (st != VAULT_OK) {
		refused(v, st, "writing under a planted key");
		vault_close(v);
		th_rmdir(dir);
		return;
	}
	vault_close(v);
	/* Written: then it must not be under the attacker's key. */
	if (decrypt_with(dir, "cuav_cw", cs, VAULT_CLASS_SAFETY, "shelter", k, text,
	                 sizeof(text)))
		fail_msg("ATTACK SUCCEEDS: the perpetrator programme reads the new address"
		         " under the key he planted (\"%s\")", text);
	th_rmdir(dir);
}

/* ---- 2. grant injection --------------------------------------------------- */

static void test_attack__2_grant_injection(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *text = NULL;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	/* Control: without the row, the other organisation is refused. */
	st = get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &text);
	assert_int_equal(st, VAULT_ERR_DENIED);

	/* The attack: a grant to himself, "granted by" the owner. */
	SQLF(dir, "cas_cw", "INSERT INTO grants(case_id, pkind, principal, classes, perm,"
	     " consent_id, expires, granted_by, created) VALUES('%s', %d, 'cas_cw', %u, %d,"
	     " NULL, 0, 'cav_cw', %lld)", cs, VAULT_PRINCIPAL_USER, VAULT_CLASS_ALL,
	     VAULT_PERM_READ, (long long)time(NULL));
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM grants WHERE case_id = '%s'"
	                          " AND principal = 'cas_cw' AND revoked = 0", cs), 1);
	plant_lapsed_holder(dir, "cas_cw", cs, VAULT_CLASS_GENERAL);

	/* The owner's next write: refused, the grant is not one the log holds;
	 * or, if it went through, it gains him nothing. */
	st = victim_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "second interview");
	if (st == VAULT_OK)
		st = get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &text);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS: the API hands the injected grantee \"%s\"", text);
	refused(NULL, st, "reading through an injected grant");
	assert_false(th_user_can_decrypt(dir, "cas_cw", cs, "intake"));
	th_rmdir(dir);
}

/* ---- 3. separation bypass ------------------------------------------------- */

static void test_attack__3_separation_bypass(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *text = NULL;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	/* The attack: the programme is "an antiviolence centre" and holds a
	 * grant on every class of the victim's case. */
	SQLF(dir, "cuav_cw", "UPDATE orgs SET kind = %d WHERE id = 'cuav';"
	     "INSERT INTO grants(case_id, pkind, principal, classes, perm, consent_id, expires,"
	     " granted_by, created) VALUES('%s', %d, 'cuav', %u, %d, NULL, 0, 'cav_cw', %lld)",
	     VAULT_ORG_ANTIVIOLENCE_CENTRE, cs, VAULT_PRINCIPAL_ORG, VAULT_CLASS_ALL,
	     VAULT_PERM_READ, (long long)time(NULL));
	assert_int_equal(sql_int(dir, "cuav_cw", "SELECT kind FROM orgs WHERE id = 'cuav'"),
	                 VAULT_ORG_ANTIVIOLENCE_CENTRE);
	plant_lapsed_holder(dir, "cuav_cw", cs, VAULT_CLASS_SAFETY);

	/* Her caseworker writes her new address (or is refused: the rows are
	 * not the ones the log holds). */
	st = victim_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	if (st == VAULT_OK)
		st = get_cls(dir, "cuav_cw", cs, "shelter", VAULT_CLASS_SAFETY, &text);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS: the perpetrator programme reads the victim's"
		         " safety class (\"%s\")", text);
	refused(NULL, st, "the programme reading the safety class");
	assert_false(th_user_can_decrypt(dir, "cuav_cw", cs, "shelter"));
	th_rmdir(dir);
}

/* ---- 4. public-key swap ----------------------------------------------------- */

static void test_attack__4_public_key_swap(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], pkhex[65];
	unsigned char pk[32], sk[32];

	(void)state;
	/* The attack: the reception centre's supervisors' key (the escrow of
	 * every case it opens) becomes the programme caseworker's own. */
	own_box_keys(dir, "cuav_cw", pk, sk);
	hex(pk, 32, pkhex);
	SQLF(dir, "cuav_cw", "UPDATE org_pubkeys SET pk = X'%s' WHERE org = 'cas' AND which = %d"
	     " AND epoch = (SELECT epoch FROM orgs WHERE id = 'cas')", pkhex, HOLDER_ORG_SUP);
	assert_int_equal(sql_intf(dir, "cuav_cw", "SELECT count(*) FROM org_pubkeys WHERE"
	                          " org = 'cas' AND pk = X'%s'", pkhex), 1);

	/* The reception centre opens a case. */
	{
		char *text = NULL;
		vault_status st;
		vault *v = victim_open(dir, "cas_cw", &st);

		if (v != NULL)
			st = vault_case_create(v, VAULT_CASE_VICTIM, 0, cs);
		if (v != NULL && st == VAULT_OK)
			st = vault_record_put(v, cs, "intake", VAULT_CLASS_GENERAL,
			                      "arrived with two children", 25, NULL);
		vault_close(v);
		if (st != VAULT_OK) {
			refused(NULL, st, "a case sealed to a swapped key");
			th_rmdir(dir);
			return;
		}
		(void)text;
	}
	if (th_user_can_decrypt(dir, "cuav_cw", cs, "intake"))
		fail_msg("ATTACK SUCCEEDS: the new case's keys are sealed to the attacker");
	sodium_memzero(sk, sizeof(sk));
	th_rmdir(dir);
}

/* ---- 5. the users table ------------------------------------------------------ */

/* The auditor inserts a ghost member (with his own public keys) into the
 * antiviolence centre; a routine disable re-seals the centre's keys. */
static void test_attack__5a_ghost_member(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], pkhex[65];
	unsigned char pk[32], sk[32];
	vault *v;

	(void)state;
	victim_case(dir, cs);
	own_box_keys(dir, "aud", pk, sk);
	hex(pk, 32, pkhex);
	SQLF(dir, "aud", "INSERT INTO users(name, org, role, box_pk, sign_pk, disabled, created)"
	     " VALUES('ghost', 'cav', %d, X'%s', (SELECT sign_pk FROM users WHERE name = 'aud'),"
	     " 0, %lld)", VAULT_ROLE_CASEWORKER, pkhex, (long long)time(NULL));
	assert_int_equal(sql_int(dir, "aud", "SELECT count(*) FROM users WHERE name = 'ghost'"), 1);
	assert_false(th_user_can_decrypt(dir, "aud", cs, "intake")); /* control */

	/* A routine disable: the centre's keys are re-sealed to its members
	 * (or the supervisor is refused: the ghost is not a user the log holds). */
	{
		vault_status st;

		v = victim_open(dir, "cav_sup", &st);
		if (v != NULL) {
			status_is(v, vault_user_disable(v, "cav_cw"), VAULT_OK, "disable");
			vault_close(v);
			st = victim_put(dir, "cav_sup", cs, "intake", VAULT_CLASS_GENERAL,
			                "moved to a new shelter");
		}
		if (st != VAULT_OK)
			refused(NULL, st, "the supervisor's routine work with a ghost member");
	}
	if (th_user_can_decrypt(dir, "aud", cs, "intake"))
		fail_msg("ATTACK SUCCEEDS: the ghost member's keys open the centre's case");
	sodium_memzero(sk, sizeof(sk));
	th_rmdir(dir);
}

/* A caseworker promotes himself to supervisor in users.role. */
static void test_attack__5b_self_promotion(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	size_t n;
	const unsigned char *p = th_first_pass("mole", &n);
	vault *v;
	vault_status st;

	(void)state;
	th_case(dir, "cav_sup", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, cs);
	th_put(dir, "cav_sup", cs, "intake", VAULT_CLASS_GENERAL, "restricted interview");
	/* Control: as a caseworker he may not add users. */
	v = th_open(dir, "cav_cw");
	status_is(v, vault_user_add(v, "mole", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	          VAULT_ERR_DENIED, "add before");
	vault_close(v);

	SQLF(dir, "cav_cw", "UPDATE users SET role = %d WHERE name = 'cav_cw'",
	     VAULT_ROLE_SUPERVISOR);
	assert_int_equal(sql_int(dir, "cav_cw", "SELECT role FROM users WHERE name = 'cav_cw'"),
	                 VAULT_ROLE_SUPERVISOR);

	v = victim_open(dir, "cav_cw", &st);
	if (v == NULL) {
		/* his own open is refused: his row is not the one the log holds */
		refused(NULL, st, "a self-promoted supervisor's open");
		th_rmdir(dir);
		return;
	}
	st = vault_user_add(v, "mole", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF);
	refused(v, st, "a self-promoted supervisor adding a member");
	st = vault_user_disable(v, "cav_sup");
	refused(v, st, "a self-promoted supervisor disabling his supervisor");
	st = vault_break_glass(v, cs, "the victim called, she is in danger now", 0);
	refused(v, st, "a self-promoted supervisor breaking the glass");
	vault_close(v);
	th_rmdir(dir);
}

/* ---- 6. disabled user -------------------------------------------------------- */

/* He keeps a copy of the key-slot file; he is disabled; his centre writes. */
static void test_attack__6_disabled_user_old_slot(void **state)
{
	char *dir = th_network();
	char *copy = th_tmpdir();
	char cs[VAULT_ID_BUFSIZE], src[4096], dst[4096], cmd[8300];
	unsigned char key[32];
	char khex[65], kq[70];
	sqlite3 *db;
	vault *v;
	int rc;

	(void)state;
	victim_case(dir, cs);
	snprintf(src, sizeof(src), "%s/keyslots", dir);
	snprintf(dst, sizeof(dst), "%s/keyslots", copy);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	assert_int_equal(system(cmd), 0);

	v = th_open(dir, "cav_sup");
	status_is(v, vault_user_disable(v, "cav_cw"), VAULT_OK, "disable");
	vault_close(v);
	th_put(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");

	/* His old slot still opens (control: the copy is a real slot)... */
	th_db_key(copy, "cav_cw", key);
	/* ...and the key in it must open nothing current. */
	snprintf(src, sizeof(src), "%s/vault.db", dir);
	assert_int_equal(sqlite3_open_v2(src, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	hex(key, 32, khex);
	snprintf(kq, sizeof(kq), "x'%s'", khex);
	assert_int_equal(sqlite3_key(db, kq, (int)strlen(kq)), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA cipher_page_size = 4096; PRAGMA kdf_iter = 64000;", NULL, NULL,
	             NULL);
	rc = sqlite3_exec(db, "SELECT count(*) FROM records", NULL, NULL, NULL);
	sqlite3_close(db);
	sodium_memzero(key, sizeof(key));
	if (rc == SQLITE_OK)
		fail_msg("ATTACK SUCCEEDS: a disabled user's old slot copy opens the live"
		         " database");
	th_rmdir(copy);
	th_rmdir(dir);
}

/* Before he is disabled, he puts his own public key on a colleague's row:
 * the rotation of his disable seals the new database key "to her". */
static void test_attack__6b_disabled_user_planted_key(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], pkhex[65];
	unsigned char pk[32], sk[32], cur[32], pend[32];
	int has_cur = 0, has_pend = 0;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	own_box_keys(dir, "cav_cw", pk, sk);
	hex(pk, 32, pkhex);
	SQLF(dir, "cav_cw", "UPDATE users SET box_pk = X'%s' WHERE name = 'cas_cw'", pkhex);
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM users WHERE"
	                          " name = 'cas_cw' AND box_pk = X'%s'", pkhex), 1);

	{
		vault_status st;

		v = victim_open(dir, "cav_sup", &st);
		if (v != NULL) {
			st = vault_user_disable(v, "cav_cw");
			vault_close(v);
		}
		/* refused: her row is not the one the log holds, so nothing is
		 * sealed to the planted key */
		if (st != VAULT_OK)
			refused(NULL, st, "a disable that would seal to a planted key");
		else
			victim_put(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	}

	/* He reads the key-slot file (the folder is his to read) and opens
	 * her seal of the database key with his own secret key. */
	if (vault__dbkey_get(dir, "cas_cw", pk, sk, cur, &has_cur, pend, &has_pend) ==
	        VAULT_OK && has_cur && vault__store_key_opens(dir, cur) == 1)
		fail_msg("ATTACK SUCCEEDS: the new database key was sealed to the disabled"
		         " user's planted public key, and opens the live database");
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(cur, sizeof(cur));
	th_rmdir(dir);
}

/* ---- 7. consent forgery ------------------------------------------------------ */

static void test_attack__7_consent_forgery(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	unsigned char raw[16];
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	/* Control: without a consent, sharing outside is refused. */
	v = th_open(dir, "cav_cw");
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, NULL),
	          VAULT_ERR_CONSENT, "share without consent");
	vault_close(v);

	/* The attack: a consent "recorded by" the supervisor. */
	randombytes_buf(raw, sizeof(raw));
	hex(raw, 16, cid);
	SQLF(dir, "cav_cw", "INSERT INTO consents(id, case_id, org, classes, scope, purpose,"
	     " basis, reason, given_at, expires, withdrawn, recorded_by, created) VALUES('%s',"
	     " '%s', 'cas', %u, %u, 'referral', %d, '', %lld, 0, 0, 'cav_sup', %lld)", cid, cs,
	     VAULT_CLASS_GENERAL, VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING, VAULT_BASIS_CONSENT,
	     (long long)time(NULL), (long long)time(NULL));
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM consents WHERE id = '%s'",
	                          cid), 1);

	v = th_open(dir, "cav_cw");
	so.consent_id = cid;
	st = vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so);
	refused(v, st, "sharing on a forged consent");
	vault_close(v);
	assert_false(th_user_can_decrypt(dir, "cas_cw", cs, "intake"));
	th_rmdir(dir);
}

/* ---- 8. record rollback and forgery ----------------------------------------- */

static void test_attack__8a_record_rollback(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *text = NULL;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	/* The attack: the newest version is gone. */
	/* (Rows name records by tag: the case's one safety record is hers.) */
	SQLF(dir, "cuav_cw", "DELETE FROM records WHERE case_id = '%s' AND class = 4"
	     " AND version = (SELECT MAX(version) FROM records WHERE case_id = '%s'"
	     " AND class = 4)", cs, cs);
	assert_int_equal(sql_intf(dir, "cuav_cw", "SELECT MAX(version) FROM records WHERE"
	                          " case_id = '%s' AND class = 4", cs), 1);

	st = get_cls(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, &text);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS: the old address is served as the latest (\"%s\")",
		         text);
	if (st != VAULT_ERR_INTEGRITY)
		fail_msg("a rolled-back record: %s, expected VAULT_ERR_INTEGRITY",
		         vault_strerror(st));
	th_rmdir(dir);
}

static int author_cb(const vault_record_info *info, void *ctx)
{
	char *author = ctx;

	snprintf(author, 64, "%s", info->author);
	return 0;
}

static void test_attack__8b_author_forgery(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], author[64] = "";
	vault_buf b = VAULT_BUF_INIT;
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	/* (Rows name records by tag: the case's one general record.) */
	SQLF(dir, "cav_cw", "UPDATE records SET author = 'cav_sup' WHERE case_id = '%s'"
	     " AND class = 1", cs);
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM records WHERE"
	                          " case_id = '%s' AND author = 'cav_sup'", cs), 1);

	v = th_open(dir, "cav_sup");
	st = vault_record_get_v2(v, cs, "intake", VAULT_CLASS_GENERAL, 0, &b, author_cb, author);
	vault_buf_free(&b);
	vault_close(v);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS: the record reads as written by \"%s\"", author);
	if (st != VAULT_ERR_INTEGRITY)
		fail_msg("a forged author: %s, expected VAULT_ERR_INTEGRITY", vault_strerror(st));
	th_rmdir(dir);
}

/* 8c: a record row planted in the form of 1.x (a plain name, no label), as
 * if written by the supervisor, with no content.  A write to a 1.x record
 * converts its rows (cases.c convert_legacy) and states them in its entry:
 * converted, the planted row would become a signed fact, a version of the
 * supervisor's, under the caseworker's signature.  Its size is -2: Padme of
 * that (as a size_t) did not return. */
static void test_attack__8c_planted_legacy_row_converted(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault *v;
	vault_status st;
	int i;

	(void)state;
	victim_case(dir, cs);
	for (i = 0; i < 2; i++) {
		SQLF(dir, "cav_cw", "DELETE FROM records WHERE case_id = '%s' AND name = 'note';"
		     "INSERT INTO records(case_id, class, name, version, epoch, deleted, size,"
		     " author, created) VALUES('%s', 1, 'note', 1, 1, 0, %d, 'cav_sup', 0)",
		     cs, cs, i == 0 ? 5 : -2);
		v = victim_open(dir, "cav_cw", &st);
		if (v != NULL) {
			st = vault_record_put(v, cs, "note", VAULT_CLASS_GENERAL, "mine", 4, NULL);
			refused(v, st, "a write over a planted 1.x record row");
			vault_close(v);
		}
		/* nothing of the planted row became a statement */
		assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM audit WHERE"
		                          " fact LIKE '%%cav_sup%%' AND actor = 'cav_cw'"), 0);
	}
	th_rmdir(dir);
}

/* 8d: rows planted where a routine write updates every row that matches:
 * a grant to a user (revoked when she is disabled), not stated anywhere.
 * The write must not sign them, nor leave an entry no replay accepts. */
static void planted_then_disable(int planted_case)
{
	const char *tag = planted_case ? "8e" : "8d";
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault *v;
	vault_status st;

	victim_case(dir, cs);
	if (planted_case) /* a case "of" the reception centre, all its keys rotated */
		sql_must(dir, "cas_cw", "INSERT INTO cases(id, kind, owner_org, created_by,"
		         " restricted, created) VALUES('0123456789abcdef0123456789abcdef', 1,"
		         " 'cas', 'cas_sup', 0, 0)");
	else
		SQLF(dir, "cas_cw", "INSERT INTO grants(case_id, pkind, principal, classes, perm,"
		     " consent_id, expires, granted_by, created, revoked, owner)"
		     " VALUES('%s', 2, 'cas_cw', 1, 1, NULL, 0, 'cav_sup', 0, 0, 0)", cs);
	v = victim_open(dir, "cas_sup", &st);
	if (v != NULL) {
		st = vault_user_disable(v, "cas_cw");
		printf("   %s: the disable: %s (%s)\n", tag, vault_strerror(st), vault_errmsg(v));
		vault_close(v);
	}
	/* whatever the disable answered, the log still verifies for everyone */
	v = NULL;
	{
		size_t n;
		const unsigned char *p = th_pass("cav_cw", &n);

		st = vault_open(dir, "cav_cw", p, n, NULL, &v);
	}
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (%s): after the disable the vault does not open: %s (%s)",
		         tag, vault_strerror(st), vault_last_errmsg());
	vault_close(v);
	th_rmdir(dir);
}

static void test_attack__8d_planted_grant_revoked_by_a_disable(void **state)
{
	(void)state;
	planted_then_disable(0);
}

/* 8e: the same with a case planted as the reception centre's: the disable
 * of one of its caseworkers rotates every case the centre holds. */
static void test_attack__8e_planted_case_rotated_by_a_disable(void **state)
{
	(void)state;
	planted_then_disable(1);
}

/* ---- 9. metadata ---------------------------------------------------------------- */

#define HER_NAME "Maria Bianchi"

/* Every column of every table of the decrypted database, searched for a
 * byte string: what any key-slot holder can read.  `where` lists the
 * columns it is found in. */
static int db_contains(const char *dir, const char *user, const char *needle, char *where,
                       size_t cap)
{
	sqlite3 *db = th_db_open(dir, user);
	sqlite3_stmt *t, *c;
	char nhex[256];
	int found = 0;

	hex((const unsigned char *)needle, strlen(needle), nhex);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE"
	                                        " type = 'table'", -1, &t, NULL), SQLITE_OK);
	where[0] = '\0';
	while (sqlite3_step(t) == SQLITE_ROW) {
		char q[512], *tab = strdup((const char *)sqlite3_column_text(t, 0));
		snprintf(q, sizeof(q), "PRAGMA table_info(\"%s\")", tab);
		assert_int_equal(sqlite3_prepare_v2(db, q, -1, &c, NULL), SQLITE_OK);
		while (sqlite3_step(c) == SQLITE_ROW) {
			const char *col = (const char *)sqlite3_column_text(c, 1);
			snprintf(q, sizeof(q), "SELECT count(*) FROM \"%s\" WHERE"
			         " instr(CAST(\"%s\" AS BLOB), X'%s') > 0", tab, col, nhex);
			{
				sqlite3_stmt *s;
				assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
				if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0) {
					size_t used = strlen(where);
					snprintf(where + used, cap - used, "%s%s.%s",
					         found ? ", " : "", tab, col);
					found = 1;
				}
				sqlite3_finalize(s);
			}
		}
		sqlite3_finalize(c);
		free(tab);
	}
	sqlite3_finalize(t);
	sqlite3_close(db);
	return found;
}

/* Her name in a record name, a consent purpose and reason, a break-glass
 * reason and the reason of a consent on an emergency basis.  The two
 * reasons the auditors review are sealed to them and to the owning
 * organisation (lib/freetext.c); the scan must find none of it. */
static void test_attack__9a_free_text_in_clear(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], where[1024];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "cav_cw", cs, "letter-to-Bianchi", VAULT_CLASS_GENERAL, "dear ...");
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "housing for " HER_NAME;
	co.reason = "she asked for " HER_NAME "'s file to go";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	/* the first write converts nothing, the second writes a version */
	th_put(dir, "cav_cw", cs, "letter-to-Bianchi", VAULT_CLASS_GENERAL, "dear ... (2)");
	vault_close(v);
	v = th_open(dir, "cav_sup");
	status_is(v, vault_break_glass(v, cs, HER_NAME " called from the station", 0), VAULT_OK,
	          "break-glass");
	co.basis = VAULT_BASIS_VITAL_INTEREST;
	co.reason = HER_NAME " is in danger tonight";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "emergency consent");
	vault_close(v);

	/* Control: the scan reads the decrypted database (the case id is
	 * found in it). */
	assert_true(db_contains(dir, "cuav_cw", cs, where, sizeof(where)));
	if (db_contains(dir, "cuav_cw", "Bianchi", where, sizeof(where)))
		fail_msg("ATTACK SUCCEEDS: her name is in clear in %s, for every key-slot"
		         " holder", where);
	th_rmdir(dir);
}

/* The exact size of her safety record. */
static void test_attack__9b_exact_sizes(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	static const char addr[] = "via Roma 1, Torino"; /* 18 bytes */
	long long size, ctlen;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, addr);
	size = sql_intf(dir, "cuav_cw", "SELECT size FROM records WHERE case_id = '%s'", cs);
	ctlen = sql_intf(dir, "cuav_cw", "SELECT length(ct) FROM records WHERE case_id = '%s'",
	                 cs);
	assert_true(ctlen > 0); /* control: the row is there */
	if (size == (long long)strlen(addr))
		fail_msg("ATTACK SUCCEEDS: records.size gives the exact plaintext size (%lld)",
		         size);
	if (ctlen == (long long)strlen(addr) + 16)
		fail_msg("ATTACK SUCCEEDS: the ciphertext length gives the exact plaintext"
		         " size (%lld + 16)", (long long)strlen(addr));
	th_rmdir(dir);
}

/* Who holds which case.
 *
 * Changed knowingly (issue 12 asked for "who holds which case" to be out of
 * the clear; see SECURITY.md, "What stays in clear and why"): the holders
 * of a case stay in clear.  Shares are what the audit is about, and the
 * auditor, who holds no case key, must see who holds which case; the key
 * rotation after a revocation must know whom to seal to.  What holds, and
 * is asserted here: the rows that pair the case with the reception centre
 * carry no free text about her (no purpose, no reason, no record name) and
 * her name is nowhere in the database; the number of such rows is pinned,
 * so a change of design shows up here. */
static void test_attack__9c_holders_in_clear(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], where[1024];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault *v;
	long long n;

	(void)state;
	victim_case(dir, cs);
	th_put(dir, "cav_cw", cs, "Bianchi-housing", VAULT_CLASS_GENERAL, "the housing file");
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "housing for " HER_NAME;
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share");
	vault_close(v);
	{
		char *text = NULL;

		assert_int_equal(get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &text),
		                 VAULT_OK); /* control: shared */
		free(text);
	}

	/* What stays in clear, on purpose: the grant, its seals, the consent. */
	n = sql_intf(dir, "cuav_cw", "SELECT (SELECT count(*) FROM grants WHERE case_id = '%s'"
	             " AND principal = 'cas') + (SELECT count(*) FROM class_keys WHERE"
	             " case_id = '%s' AND holder = 'cas') + (SELECT count(*) FROM consents"
	             " WHERE case_id = '%s' AND org = 'cas')", cs, cs, cs);
	assert_int_equal(n, 3);
	/* What holds: none of those rows says anything about her. */
	if (sql_intf(dir, "cuav_cw", "SELECT count(*) FROM consents WHERE case_id = '%s' AND"
	             " (purpose != '' OR reason != '' OR sealed IS NULL)", cs) != 0)
		fail_msg("ATTACK SUCCEEDS: the consent next to the holder carries its purpose in"
		         " clear");
	if (db_contains(dir, "cuav_cw", "Bianchi", where, sizeof(where)))
		fail_msg("ATTACK SUCCEEDS: her name is next to the holders, in %s", where);
	th_rmdir(dir);
}

/* ---- 10. statements she may sign, carrying facts she may not -------------
 * Round two (an insider review of the signed-statement layer): entries
 * appended through the library's own machinery and signed with the
 * attacker's own key, each stating one row she is not entitled to. */

static const char *forge_target = "";
static int forge_high; /* the entry marked for review, as break-glass is */
static int64_t forge_at; /* the entry's stated time, 0 for now */
static const char *forge_del_table, *forge_del_where, *forge_del_a1;

/* Append one entry signed by `user` through the library's own machinery:
 * the SQL is run on the handle's connection (the update hook collects the
 * images), the entry states them (or `fact` verbatim), signed, committed. */
static vault_status forge(const char *dir, const char *user, const char *sql,
                          const char *action, const char *cs, const char *fact)
{
	vault *v = th_open(dir, user);
	audit_event e;
	vault_status st, st2;

	memset(&e, 0, sizeof(e));
	st = vault__txn_begin(v);
	if (st == VAULT_OK && forge_del_table != NULL)
		st = vault__facts_note_delete(v, forge_del_table, forge_del_where, forge_del_a1, NULL);
	if (st == VAULT_OK && sql != NULL)
		st = vault__exec(v, sql);
	e.action = action;
	e.case_id = cs ? cs : "";
	e.target = forge_target;
	e.outcome = VAULT_OUTCOME_OK;
	e.reason = "";
	e.fact = fact;
	e.high = forge_high;
	e.ts = forge_at;
	if (st == VAULT_OK)
		st = vault__audit_append(v, &e);
	st2 = vault__txn_end(v, st == VAULT_OK);
	if (st == VAULT_OK)
		st = st2;
	if (st != VAULT_OK)
		printf("   forge as %s: %s (%s)\n", user, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	return st;
}

/* End a transaction opened around the library (vault__txn_begin) with
 * an entry of `action` about case cs signed by v's user, which states what
 * it wrote; st is how the writes went. */
static vault_status sign_and_end(vault *v, const char *action, const char *cs,
                                 vault_status st)
{
	audit_event e;
	vault_status st2;

	memset(&e, 0, sizeof(e));
	e.action = action;
	e.case_id = cs;
	e.target = "";
	e.outcome = VAULT_OUTCOME_OK;
	e.reason = "";
	if (st == VAULT_OK)
		st = vault__audit_append(v, &e);
	st2 = vault__txn_end(v, st == VAULT_OK);
	return st == VAULT_OK ? st2 : st;
}

/* Seal K to every holder of the current epoch of (cs, cls) as epoch+1
 * (class_keys is not a fact), return the current epoch. */
static long long plant_seals(const char *dir, const char *user, const char *cs,
                             unsigned int cls, const unsigned char k[32])
{
	long long epoch = sql_intf(dir, user, "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	                           " AND class = %u", cs, cls);
	sqlite3 *db = th_db_open(dir, user);
	int planted = seal_to_holders(db, cs, cls, epoch, k, NULL);

	sqlite3_close(db);
	assert_true(planted >= 1);
	return epoch;
}

static char *epoch_sql(const char *cs, unsigned int cls, long long epoch, const char *author,
                       const unsigned char k[32])
{
	unsigned char c[32];
	char ch[65];

	vault__facts_commitment(k, cs, cls, (uint32_t)(epoch + 1), c);
	hex(c, 32, ch);
	return dup_printf("UPDATE case_classes SET epoch = %lld WHERE case_id = '%s' AND"
	                  " class = %u; INSERT INTO class_epochs(case_id, class, epoch, author,"
	                  " commitment) VALUES('%s', %u, %lld, '%s', X'%s');",
	                  epoch + 1, cs, cls, cs, cls, epoch + 1, author, ch);
}

/* After planting: the owner's caseworker writes her new address; can the
 * attacker read it with K? */
static void judge_planting(const char *dir, const char *attacker, const char *cs,
                           const unsigned char k[32], const char *what)
{
	char text[512];
	vault_status st;

	st = victim_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	if (st != VAULT_OK) {
		printf("   %s: victim's write refused: %s (%s)\n", what, vault_strerror(st),
		       vault_last_errmsg());
		refused(NULL, st, what);
	} else if (decrypt_with(dir, attacker, cs, VAULT_CLASS_SAFETY, "shelter", k, text,
	                        sizeof(text))) {
		fail_msg("ATTACK SUCCEEDS (%s): %s reads the new address \"%s\"", what, attacker,
		         text);
	}
}

/* A. A perpetrator-programme supervisor: an entry that "disables" her own
 * caseworker also carries a new safety epoch of a victim case, with her
 * commitment to a key she chose (facts.c: disables_someone). */
static void test_attack__10a_signed_epoch_in_a_disable(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *sql, *all;
	unsigned char k[32];
	long long epoch;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	randombytes_buf(k, 32);
	epoch = plant_seals(dir, "cuav_sup", cs, VAULT_CLASS_SAFETY, k);
	sql = epoch_sql(cs, VAULT_CLASS_SAFETY, epoch, "cuav_sup", k);
	all = dup_printf("UPDATE users SET disabled = 1 WHERE name = 'cuav_cw'; %s", sql);
	forge_target = "cuav_cw";
	st = forge(dir, "cuav_sup", all, "user.disable", cs, NULL);
	forge_target = "";
	free(sql);
	free(all);
	if (st != VAULT_OK) {
		refused(NULL, st, "forge");
		th_rmdir(dir);
		return;
	}
	judge_planting(dir, "cuav_sup", cs, k, "A: epoch riding on a disable");
	th_rmdir(dir);
}

/* A2. Same, without losing anyone: a new user added already disabled. */
static void test_attack__10b_signed_epoch_with_a_disabled_new_user(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *sql, *all;
	unsigned char k[32];
	long long epoch;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	randombytes_buf(k, 32);
	epoch = plant_seals(dir, "cuav_sup", cs, VAULT_CLASS_SAFETY, k);
	sql = epoch_sql(cs, VAULT_CLASS_SAFETY, epoch, "cuav_sup", k);
	all = dup_printf("INSERT INTO users(name, org, role, box_pk, sign_pk, disabled, created)"
	                 " VALUES('zz', 'cuav', 2, randomblob(32), randomblob(32), 1, 1); %s", sql);
	st = forge(dir, "cuav_sup", all, "user.add", cs, NULL);
	free(sql);
	free(all);
	if (st != VAULT_OK) {
		refused(NULL, st, "forge");
		th_rmdir(dir);
		return;
	}
	judge_planting(dir, "cuav_sup", cs, k, "A2: epoch riding on a disabled new user");
	th_rmdir(dir);
}

/* B. A reception-centre caseworker holding SHARE on `general` only makes a
 * new `safety` epoch (facts.c: POLICY_CONSENT does not look at classes). */
static void test_attack__10c_signed_epoch_by_a_sharer_of_another_class(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql, *txt = NULL;
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	unsigned char k[32];
	long long epoch;
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "housing";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	so.perm = VAULT_PERM_SHARE;
	st = vault_share(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL, &so);
	if (st != VAULT_OK) {
		printf("   share(SHARE) to cas_cw: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
		so.perm = VAULT_PERM_SHARE;
		st = vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so);
	}
	status_is(v, st, VAULT_OK, "share with perm SHARE");
	vault_close(v);
	/* control: cas_cw cannot read safety */
	assert_int_not_equal(get_cls(dir, "cas_cw", cs, "shelter", VAULT_CLASS_SAFETY, &txt),
	                     VAULT_OK);
	randombytes_buf(k, 32);
	epoch = plant_seals(dir, "cas_cw", cs, VAULT_CLASS_SAFETY, k);
	sql = epoch_sql(cs, VAULT_CLASS_SAFETY, epoch, "cas_cw", k);
	st = forge(dir, "cas_cw", sql, "share", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "forge");
		th_rmdir(dir);
		return;
	}
	judge_planting(dir, "cas_cw", cs, k, "B: safety epoch by a general sharer");
	th_rmdir(dir);
}

/* C. Rollback by a writer: the owner's caseworker removes the newest
 * version of a safety record written by her supervisor, in a signed entry
 * (facts.c entitled(), T_RECORDS: a removal needs only WRITE). */
static void test_attack__10d_signed_record_removal(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *text = NULL;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	th_put(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti (new)");
	forge_del_table = "records";
	forge_del_where = "case_id = ?1 AND class = 4 AND version = 2";
	forge_del_a1 = cs;
	{
		char *q = dup_printf("DELETE FROM records WHERE case_id = '%s' AND class = 4 AND"
		                     " version = 2", cs);
		st = forge(dir, "cav_cw", q, "record.put", cs, NULL);
		free(q);
	}
	forge_del_table = NULL;
	if (st != VAULT_OK) {
		refused(NULL, st, "forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT MAX(version) FROM records WHERE"
	                          " case_id = '%s' AND class = 4", cs), 1);
	/* her open replays the log and refuses the removal stated in it */
	{
		vault *v = victim_open(dir, "cav_sup", &st);

		if (v != NULL) {
			vault_close(v);
			st = get_cls(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, &text);
		}
	}
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (10d): the supervisor is served the old address \"%s\""
		         " as the latest, no integrity error", text);
	assert_int_equal(st, VAULT_ERR_INTEGRITY);
	th_rmdir(dir);
}


/* Seals of a key K (random, in k) to every holder of the current safety
 * epoch of cs, as epoch+1, kept aside in a table of hers; and a trigger that,
 * on an insert into `on` matching `when`, moves the class to that epoch
 * "authored" by the owner's caseworker and puts the seals in place.
 * Returns the current epoch. */
static long long plant_epoch_trigger(const char *dir, const char *cs, unsigned char k[32],
                                     const char *on, const char *when)
{
	long long epoch;
	char *ep, *sql;

	randombytes_buf(k, 32);
	epoch = plant_seals(dir, "cuav_cw", cs, VAULT_CLASS_SAFETY, k);
	SQLF(dir, "cuav_cw", "CREATE TABLE stash AS SELECT * FROM class_keys WHERE case_id = '%s'"
	     " AND class = %d AND epoch = %lld; DELETE FROM class_keys WHERE case_id = '%s' AND"
	     " class = %d AND epoch = %lld;", cs, VAULT_CLASS_SAFETY, epoch + 1, cs,
	     VAULT_CLASS_SAFETY, epoch + 1);
	ep = epoch_sql(cs, VAULT_CLASS_SAFETY, epoch, "cav_cw", k);
	sql = dup_printf("CREATE TRIGGER evil AFTER INSERT ON %s WHEN %s AND (SELECT epoch FROM"
	                 " case_classes WHERE case_id = '%s' AND class = %d) = %lld BEGIN %s"
	                 " INSERT INTO class_keys SELECT * FROM stash; END;",
	                 on, when, cs, VAULT_CLASS_SAFETY, epoch, ep);
	sql_must(dir, "cuav_cw", sql);
	free(ep);
	free(sql);
	return epoch;
}

/* ---- 11. a trigger: the victim's own process writes, and signs, the rows --
 * Round three (a review of the trusted-prefix optimisation, 8918c96, found
 * this beside it).  vault.db is the attacker's to write, schema included:
 * a trigger he plants runs in the victim's process, inside her operation's
 * transaction.  The update hook collects the rows it writes as if her
 * operation had written them, so her entry states them and her signature
 * covers them; the policy judges them as hers (she holds the class, so she
 * may make a new epoch of it).  Here: a perpetrator-programme caseworker
 * stashes seals of a key K he chose, and a trigger on `records` that, at
 * the owner's next write to the case, moves the safety class to a new epoch
 * "authored" by her with the commitment to K.  It worked until the library
 * turned triggers off on its connections (store.c, no_triggers); now the
 * open refuses the schema first (the trigger and her table are not the
 * library's).  11c shows the connection runs no trigger either way. */
static void test_attack__11_trigger_makes_victim_sign_epoch(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *when;
	unsigned char k[32];
	long long epoch;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	when = dup_printf("NEW.case_id = '%s'", cs);
	epoch = plant_epoch_trigger(dir, cs, k, "records", when);
	free(when);

	/* The owner's caseworker writes a general note: the trigger fires in
	 * her transaction, and her signed entry states the new epoch. */
	st = victim_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "second interview");
	if (st != VAULT_OK) {
		refused(NULL, st, "the write that fires the trigger");
		th_rmdir(dir);
		return;
	}
	/* The library's connection runs no trigger: the epoch did not move,
	 * and her signed entry states no epoch (with triggers on, both did). */
	assert_int_equal(sql_intf(dir, "cuav_cw", "SELECT epoch FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY),
	                 epoch);
	assert_int_equal(sql_intf(dir, "cuav_cw", "SELECT count(*) FROM audit WHERE actor ="
	                          " 'cav_cw' AND action = 'record.put' AND"
	                          " case_id = '%s' AND fact LIKE '%%class_epochs%%'", cs),
	                 0);
	/* Staff write her new address (every open replays the whole log). */
	judge_planting(dir, "cuav_cw", cs, k, "11: epoch written by a planted trigger");
	th_rmdir(dir);
}

/* 11b. The same without any write of hers: the trigger fires on the
 * `auth.fail` entry her open appends for a failed unlock the attacker made
 * (any wrong passphrase, under any name), and the rows it writes are stated
 * by her `vault.open` entry, the next one with outcome ok.  Opening the
 * vault is enough to sign them. */
static void test_attack__11b_trigger_makes_victim_open_sign_epoch(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	unsigned char k[32];
	vault *v = NULL;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	(void)plant_epoch_trigger(dir, cs, k, "audit", "NEW.action = 'auth.fail'");
	/* a failed unlock: the next open enters it in the log */
	assert_int_equal(vault_open(dir, "cav_cw", (const unsigned char *)"not her passphrase", 18,
	                            NULL, &v),
	                 VAULT_ERR_AUTH);

	/* She opens: refused, since the schema has a trigger the library did
	 * not make (and no trigger would run on its connection anyway). */
	v = victim_open(dir, "cav_cw", &st);
	if (v == NULL) {
		refused(NULL, st, "her open, with the trigger planted");
		th_rmdir(dir);
		return;
	}
	vault_close(v);
	/* No trigger ran in her open: no entry of hers states the epoch
	 * (with triggers on, her vault.open entry did, signed). */
	assert_int_equal(sql_intf(dir, "cuav_cw", "SELECT count(*) FROM audit WHERE actor ="
	                          " 'cav_cw' AND action = 'vault.open' AND"
	                          " fact LIKE '%%class_epochs%%%s%%'", cs),
	                 0);
	/* Later she writes her new address. */
	judge_planting(dir, "cuav_cw", cs, k, "11b: epoch signed by her open");
	th_rmdir(dir);
}

/* 11c. Behind the schema check, the second wall: every connection the
 * library opens has triggers off, whatever the schema holds. */
static void test_attack__11c_connection_runs_no_trigger(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "cav_cw");
	int on = -1;

	(void)state;
	assert_int_equal(sqlite3_db_config(v->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &on),
	                 SQLITE_OK);
	if (on != 0)
		fail_msg("ATTACK SUCCEEDS (11c): the library's connection would run a planted trigger");
	vault_close(v);
	th_rmdir(dir);
}

/* ---- 12. the schema: a table rebuilt to write what she chose ------------
 * With triggers off (11), the schema can still decide what a write does: a
 * column default fills a column the library leaves out, a foreign-key
 * action rewrites rows of another table, a conflict clause deletes the row
 * in the way.  Each would make the victim's own operation write, and her
 * entry state and sign, a row of the attacker's choosing.  She edits
 * sqlite_master itself (writable_schema), the quickest way to rebuild a
 * table; a view instead of a table is the last case.  The victim's open,
 * or her next operation on a handle opened before, must refuse. */
static const char *const schema_edits[] = {
	/* a default: every new grant an owner's */
	"UPDATE sqlite_master SET sql = replace(sql, 'owner INTEGER NOT NULL DEFAULT 0',"
	" 'owner INTEGER NOT NULL DEFAULT 1') WHERE name = 'grants'",
	/* a conflict clause: a second row with the same case replaces the first */
	"UPDATE sqlite_master SET sql = replace(sql, 'case_id TEXT NOT NULL,',"
	" 'case_id TEXT NOT NULL UNIQUE ON CONFLICT REPLACE,') WHERE name = 'grants'",
	/* a foreign-key action */
	"UPDATE sqlite_master SET sql = replace(sql, 'owner INTEGER NOT NULL DEFAULT 0)',"
	" 'owner INTEGER NOT NULL DEFAULT 0, FOREIGN KEY(case_id) REFERENCES cases(id)"
	" ON DELETE SET NULL)') WHERE name = 'grants'",
};

static void schema_edit(const char *dir, const char *attacker, const char *edit)
{
	char *sql = dup_printf("PRAGMA writable_schema = ON; %s; PRAGMA writable_schema = OFF;"
	                       " PRAGMA schema_version = %lld;", edit,
	                       sql_int(dir, attacker, "PRAGMA schema_version") + 1);

	sql_must(dir, attacker, sql);
	free(sql);
}

static void test_attack__12_schema_rewritten(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i <= sizeof(schema_edits) / sizeof(schema_edits[0]); i++) {
		char *dir = th_network(), cs[VAULT_ID_BUFSIZE];
		vault *live, *v = NULL;
		vault_status st;

		victim_case(dir, cs);
		live = th_open(dir, "cav_cw"); /* a handle opened before */
		if (i < sizeof(schema_edits) / sizeof(schema_edits[0])) {
			schema_edit(dir, "cuav_cw", schema_edits[i]);
			/* control: the edit took */
			assert_int_equal(sql_int(dir, "cuav_cw", "SELECT count(*) FROM sqlite_master"
			                                         " WHERE name = 'grants' AND (sql LIKE"
			                                         " '%DEFAULT 1%' OR sql LIKE '%CONFLICT%'"
			                                         " OR sql LIKE '%REFERENCES%')"), 1);
		} else {
			sql_must(dir, "cuav_cw", "CREATE VIEW seen AS SELECT * FROM grants");
		}
		st = vault_record_put(live, cs, "note", VAULT_CLASS_GENERAL, "x", 1, NULL);
		if (st == VAULT_OK)
			fail_msg("ATTACK SUCCEEDS (12, edit %zu): a handle went on writing under a"
			         " schema rewritten around the library", i);
		status_is(live, st, VAULT_ERR_INTEGRITY, "a write after the schema changed");
		vault_close(live);
		st = vault_open(dir, "cav_cw", (const unsigned char *)"pw-cav_cw", 9, NULL, &v);
		if (st == VAULT_OK) {
			vault_close(v);
			fail_msg("ATTACK SUCCEEDS (12, edit %zu): the open accepts a schema rewritten"
			         " around the library", i);
		}
		assert_int_equal(st, VAULT_ERR_INTEGRITY);
		assert_null(v);
		if (strstr(vault_last_errmsg(), "not the one this library makes") == NULL)
			fail_msg("12, edit %zu: refused for another reason: %s", i,
			         vault_last_errmsg());
		th_rmdir(dir);
	}
}


/* ---- 13. an index that disagrees with its table ---------------------------
 * The schema check reads tables only; an index is trusted to be the index
 * of its table.  The attacker builds an index over a scratch table holding
 * the case's live grants plus one more, hers, then (writable_schema) names
 * it an index of `grants`: partial (WHERE revoked = 0), so the check of the
 * case's grants (`case_id = ?1`, lib/facts.c check_rows) can never use it,
 * and covering, so the library's queries with `revoked = 0` read it alone
 * and never the table.  The table holds no row of hers; the index does.
 * A planted lapsed holder makes the owner's next write rotate the class
 * key (lib/cases.c): the new key is sealed to every holder that query
 * finds, the attacker too. */
static void test_attack__13_index_disagrees_with_table(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *text = NULL;
	const char *cols = "case_id, revoked, pkind, principal, classes, perm, expires";
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	assert_false(th_user_can_decrypt(dir, "cas_cw", cs, "intake"));
	SQLF(dir, "cas_cw", "CREATE TABLE scratch(%s);"
	     "INSERT INTO scratch(rowid, %s) SELECT rowid, %s FROM grants WHERE revoked = 0;"
	     "INSERT INTO scratch(rowid, %s) VALUES(1000000, '%s', 0, %d, 'cas_cw', %u, %d, 0);"
	     "CREATE INDEX grants_live ON scratch(%s) WHERE revoked = 0;"
	     "PRAGMA writable_schema = ON;"
	     "UPDATE sqlite_master SET tbl_name = 'grants', sql = 'CREATE INDEX grants_live"
	     " ON grants(%s) WHERE revoked = 0' WHERE name = 'grants_live';"
	     "PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;",
	     cols, cols, cols, cols, cs, VAULT_PRINCIPAL_USER, VAULT_CLASS_ALL, VAULT_PERM_READ,
	     cols, cols, sql_int(dir, "cas_cw", "PRAGMA schema_version") + 1);
	sql_must(dir, "cas_cw", "DROP TABLE scratch");
	/* control: the table holds no grant of hers, the index one */
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM grants NOT INDEXED"
	                          " WHERE principal = 'cas_cw'"), 0);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM grants WHERE"
	                          " case_id = '%s' AND revoked = 0 AND principal = 'cas_cw'"
	                          " AND pkind = %d", cs, VAULT_PRINCIPAL_USER), 1);
	plant_lapsed_holder(dir, "cas_cw", cs, VAULT_CLASS_GENERAL);

	/* The owner's caseworker writes a general note, as every day. */
	st = victim_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "second interview");
	if (st != VAULT_OK) {
		refused(NULL, st, "the owner's write over the planted index");
		th_rmdir(dir);
		return;
	}
	if (th_user_can_decrypt(dir, "cas_cw", cs, "intake")) {
		st = get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &text);
		printf("   13: the API hands her: %s%s%s\n", vault_strerror(st), text ? " " : "",
		       text ? text : "");
		free(text);
		fail_msg("ATTACK SUCCEEDS (13): the owner's write sealed the new general key to"
		         " cas_cw, whose grant is only in an index the attacker planted; she"
		         " decrypts \"intake\"");
	}
	th_rmdir(dir);
}

/* 13b. The same without a new index: the pages behind the library's own
 * grants_case.  She builds an index of that shape over a copy of (case_id,
 * revoked) in which the reception centre's owner grant of a case of its
 * own is filed under the victim's case, points grants_case at it, and
 * takes the copy out of sqlite_master (its pages stay).  The schema text is
 * the library's, byte for byte; every query by case through grants_case now
 * finds the reception centre among the victim case's holders. */
static void test_attack__13b_index_pages_rewritten(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], other[VAULT_ID_BUFSIZE], why[512];
	long long rid;
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	th_case(dir, "cas_cw", VAULT_CASE_VICTIM, 0, other);
	rid = sql_intf(dir, "cas_cw", "SELECT rowid FROM grants WHERE case_id = '%s'", other);
	SQLF(dir, "cas_cw", "CREATE TABLE scratch(case_id TEXT NOT NULL, revoked INTEGER NOT NULL);"
	     "INSERT INTO scratch(rowid, case_id, revoked) SELECT rowid, case_id, revoked FROM grants;"
	     "UPDATE scratch SET case_id = '%s' WHERE rowid = %lld;"
	     "CREATE INDEX scratch_case ON scratch(case_id, revoked);"
	     "PRAGMA writable_schema = ON;"
	     "UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM sqlite_master WHERE"
	     " name = 'scratch_case') WHERE name = 'grants_case';"
	     "DELETE FROM sqlite_master WHERE name IN ('scratch', 'scratch_case');"
	     "PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;",
	     cs, rid, sql_int(dir, "cas_cw", "PRAGMA schema_version") + 1);
	/* control: through the index, the reception centre holds the case */
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM grants WHERE case_id = '%s'"
	                          " AND revoked = 0 AND principal = 'cas'", cs), 1);
	plant_lapsed_holder(dir, "cas_cw", cs, VAULT_CLASS_GENERAL);

	v = victim_open(dir, "cav_cw", &st);
	snprintf(why, sizeof(why), "%s", vault_last_errmsg());
	if (v != NULL) {
		st = vault_record_put(v, cs, "intake", VAULT_CLASS_GENERAL, "second interview", 16,
		                      NULL);
		snprintf(why, sizeof(why), "%s", vault_errmsg(v));
		vault_close(v);
		if (st == VAULT_OK && th_user_can_decrypt(dir, "cas_cw", cs, "intake"))
			fail_msg("ATTACK SUCCEEDS (13b): the owner's write sealed the new general key"
			         " to the reception centre through grants_case's rewritten pages");
		if (st == VAULT_OK)
			fail_msg("13b: the write went through a rewritten index unnoticed");
	}
	/* Refused by whichever check meets it first: the case's rows read
	 * through grants_case (SQLite takes the indexed columns from the
	 * index, so the row is not the signed one), or the index read on its
	 * own against the table (which does not depend on the query plan). */
	if (st != VAULT_ERR_INTEGRITY || strstr(why, "grants") == NULL)
		fail_msg("13b: %s (%s), expected an integrity refusal over grants",
		         vault_strerror(st), why);
	th_rmdir(dir);
}

/* 13c. The users table's own index (its primary key on name), rewritten:
 * a lookup of the reception centre's supervisor by name lands on the row of
 * the perpetrator programme's caseworker, with his keys.  The whole users
 * table is read at open without that index, so only the index read against
 * the table sees it. */
static void test_attack__13c_users_index_pages_rewritten(void **state)
{
	char *dir = th_network();
	vault *v;
	vault_status st;
	long long a, b;

	(void)state;
	a = sql_int(dir, "cuav_cw", "SELECT rowid FROM users WHERE name = 'cas_sup'");
	b = sql_int(dir, "cuav_cw", "SELECT rowid FROM users WHERE name = 'cuav_cw'");
	SQLF(dir, "cuav_cw", "CREATE TABLE scratch(name TEXT PRIMARY KEY);"
	     "INSERT INTO scratch(rowid, name) SELECT rowid, name FROM users WHERE rowid NOT IN"
	     " (%lld, %lld);"
	     "INSERT INTO scratch(rowid, name) VALUES(%lld, 'cuav_cw'), (%lld, 'cas_sup');"
	     "PRAGMA writable_schema = ON;"
	     "UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM sqlite_master WHERE"
	     " name = 'sqlite_autoindex_scratch_1') WHERE name = 'sqlite_autoindex_users_1';"
	     "DELETE FROM sqlite_master WHERE name IN ('scratch', 'sqlite_autoindex_scratch_1');"
	     "PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;",
	     a, b, a, b, sql_int(dir, "cuav_cw", "PRAGMA schema_version") + 1);
	/* control: by name, "cas_sup" is now his row */
	assert_int_equal(sql_int(dir, "cuav_cw", "SELECT rowid FROM users WHERE name = 'cas_sup'"),
	                 b);
	v = victim_open(dir, "cav_cw", &st);
	if (v != NULL) {
		vault_close(v);
		fail_msg("ATTACK SUCCEEDS (13c): the open accepts a users index that files a"
		         " supervisor's name under another user's row");
	}
	assert_int_equal(st, VAULT_ERR_INTEGRITY);
	if (strstr(vault_last_errmsg(), "does not agree with its table") == NULL)
		fail_msg("13c: refused for another reason: %s", vault_last_errmsg());
	th_rmdir(dir);
}

/* ---- 14. the schema changed between the open's check and its lock -------
 * vault__store_open() checks the schema in a read of its own (autocommit),
 * then vault_open() takes the write lock (BEGIN IMMEDIATE), waiting for it
 * as long as the busy timeout allows.  The attacker holds the write lock
 * with the rewrite of attack 12 made but not committed, and commits it
 * while the open waits.  The open then records PRAGMA data_version inside
 * its own transaction, after her commit: no later operation of the handle
 * sees "another connection wrote", so none checks the schema again until
 * someone else commits. */
static void *commit_later(void *arg)
{
	sqlite3 *db = arg;

	usleep(1500 * 1000);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "   14: the attacker's commit failed: %s\n", sqlite3_errmsg(db));
	return NULL;
}

static void test_attack__14_schema_changed_while_the_open_waits(void **state)
{
	char *dir = th_network(), cs[VAULT_ID_BUFSIZE];
	long long ver;
	char *sql;
	sqlite3 *db;
	pthread_t t;
	vault *v = NULL;
	vault_status st;
	size_t n;
	const unsigned char *p = th_pass("cav_cw", &n);

	(void)state;
	victim_case(dir, cs);
	ver = sql_int(dir, "cuav_cw", "PRAGMA schema_version");
	db = th_db_open(dir, "cuav_cw");
	sql = dup_printf("BEGIN IMMEDIATE; PRAGMA writable_schema = ON; %s;"
	                 " PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;",
	                 schema_edits[0], ver + 1);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("attack SQL failed: %s", sqlite3_errmsg(db));
	free(sql);
	assert_int_equal(pthread_create(&t, NULL, commit_later, db), 0);
	st = vault_open(dir, "cav_cw", p, n, NULL, &v);
	assert_int_equal(pthread_join(t, NULL), 0);
	sqlite3_close(db);
	/* control: the rewrite is in the file */
	assert_int_equal(sql_int(dir, "cuav_cw", "SELECT count(*) FROM sqlite_master WHERE"
	                                         " name = 'grants' AND sql LIKE '%DEFAULT 1%'"), 1);
	if (st != VAULT_OK) {
		status_is(NULL, st, VAULT_ERR_INTEGRITY, "the open while the schema changed");
		th_rmdir(dir);
		return;
	}
	st = vault_record_put(v, cs, "note", VAULT_CLASS_GENERAL, "x", 1, NULL);
	if (st == VAULT_OK)
		st = vault_record_put(v, cs, "note", VAULT_CLASS_GENERAL, "y", 1, NULL);
	vault_close(v);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (14): a handle whose open waited for the lock while the"
		         " schema was rewritten went on writing under it, unchecked");
	status_is(NULL, st, VAULT_ERR_INTEGRITY, "a write after the schema changed");
	th_rmdir(dir);
}

/* ---- 15. a default the check allows, on a column an insert leaves out ----
 * The check allows the defaults 0 and '' anywhere.  A record version is
 * inserted without redacted_by, redacted_at, redact_reason (store.c
 * ST_RECORD_INSERT), and a version is redacted when redacted_by is not NULL
 * (cases.c).  With DEFAULT '' on redacted_by, every version the owner's
 * caseworker writes is born redacted, and her signed entry states it so. */
static void test_attack__15_allowed_default_redacts_new_versions(void **state)
{
	char *dir = th_network(), cs[VAULT_ID_BUFSIZE], *text = NULL;
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	schema_edit(dir, "cuav_cw", "UPDATE sqlite_master SET sql = replace(sql,"
	            " 'redacted_by TEXT,', 'redacted_by TEXT DEFAULT '''',') WHERE name = 'records'");
	assert_int_equal(sql_int(dir, "cuav_cw", "SELECT count(*) FROM sqlite_master WHERE"
	                                         " name = 'records' AND sql LIKE"
	                                         " '%redacted_by TEXT DEFAULT ''''%'"), 1);
	st = victim_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "second interview");
	if (st != VAULT_OK) {
		refused(NULL, st, "the owner's write under the allowed default");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_intf(dir, "cuav_cw", "SELECT count(*) FROM records WHERE"
	                          " case_id = '%s' AND redacted_by = ''", cs), 1);
	v = victim_open(dir, "cav_cw", &st);
	if (v == NULL) {
		printf("   15: the next open is refused: %s (%s)\n", vault_strerror(st),
		       vault_last_errmsg());
		fail_msg("ATTACK SUCCEEDS (15): the owner's write signed a version born redacted;"
		         " the vault no longer opens (%s)", vault_last_errmsg());
	}
	vault_close(v);
	st = get_cls(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, &text);
	printf("   15: her read of the new version: %s %s\n", vault_strerror(st),
	       text ? text : "(no text)");
	if (st != VAULT_OK || text == NULL || strcmp(text, "second interview") != 0)
		fail_msg("ATTACK SUCCEEDS (15): the version she wrote and signed reads as"
		         " redacted (%s)", vault_strerror(st));
	free(text);
	th_rmdir(dir);
}

/* Two consents of case cs, by its caseworker: C1 to the reception centre
 * (housing), C2 to the health authority (health care). */
static void two_consents(vault *v, const char *cs, char c1[VAULT_ID_BUFSIZE],
                         char c2[VAULT_ID_BUFSIZE])
{
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;

	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "housing";
	status_is(v, vault_consent_add(v, cs, &co, c1), VAULT_OK, "consent to cas");
	co.org = "asl";
	co.purpose = "health care";
	status_is(v, vault_consent_add(v, cs, &co, c2), VAULT_OK, "consent to asl");
}

/* ---- 16. the consents' index on id, rewritten ------------------------------
 * She gave two consents on her case: C1 to the reception centre, C2 to the
 * health authority, and the centre shared her file with the reception
 * centre under C1.  She withdraws C1.  The reception centre's caseworker
 * swaps C1 and C2 in the pages of the consents' primary-key index (on id,
 * not on the case, so the per-case index read did not cover it): a lookup
 * of C1 by id lands on C2's row.  The withdrawal then withdraws C2, the
 * health authority's, and C1, which she withdrew, stays live; her
 * caseworker's signed entry says "consent.withdraw C1" over C2's row. */
static void test_attack__16_consent_index_swaps_withdrawal(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], c1[VAULT_ID_BUFSIZE], c2[VAULT_ID_BUFSIZE], why[512];
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	long long r1, r2;
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	two_consents(v, cs, c1, c2);
	so.consent_id = c1;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share with cas");
	vault_close(v);

	r1 = sql_intf(dir, "cas_cw", "SELECT rowid FROM consents NOT INDEXED WHERE +id = '%s'", c1);
	r2 = sql_intf(dir, "cas_cw", "SELECT rowid FROM consents NOT INDEXED WHERE +id = '%s'", c2);
	SQLF(dir, "cas_cw", "CREATE TABLE scratch(id TEXT PRIMARY KEY);"
	     "INSERT INTO scratch(rowid, id) SELECT rowid, id FROM consents NOT INDEXED WHERE"
	     " rowid NOT IN (%lld, %lld);"
	     "INSERT INTO scratch(rowid, id) VALUES(%lld, '%s'), (%lld, '%s');"
	     "PRAGMA writable_schema = ON;"
	     "UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM sqlite_master WHERE"
	     " name = 'sqlite_autoindex_scratch_1') WHERE name = 'sqlite_autoindex_consents_1';"
	     "DELETE FROM sqlite_master WHERE name IN ('scratch', 'sqlite_autoindex_scratch_1');"
	     "PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;",
	     r1, r2, r2, c1, r1, c2, sql_int(dir, "cas_cw", "PRAGMA schema_version") + 1);
	/* control: by id, C1 is now C2's row */
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT rowid FROM consents WHERE id = '%s'", c1),
	                 r2);

	v = victim_open(dir, "cav_cw", &st);
	snprintf(why, sizeof(why), "%s", vault_last_errmsg());
	if (v != NULL) {
		st = vault_consent_withdraw(v, c1);
		snprintf(why, sizeof(why), "%s", vault_errmsg(v));
		vault_close(v);
		if (st == VAULT_OK &&
		    (sql_intf(dir, "cas_cw", "SELECT withdrawn FROM consents NOT INDEXED WHERE"
		              " rowid = %lld", r1) == 0 ||
		     sql_intf(dir, "cas_cw", "SELECT withdrawn FROM consents NOT INDEXED WHERE"
		              " rowid = %lld", r2) != 0))
			fail_msg("ATTACK SUCCEEDS (16): withdrawing C1 withdrew the health"
			         " authority's consent and left C1 live");
		if (st == VAULT_OK) { /* the right consent, by its row */
			th_rmdir(dir);
			return;
		}
	}
	if (st != VAULT_ERR_INTEGRITY || strstr(why, "consents") == NULL)
		fail_msg("16: %s (%s), expected an integrity refusal over consents",
		         vault_strerror(st), why);
	th_rmdir(dir);
}

/* 16b: two rows with one consent id.  The primary key's index is what
 * keeps ids unique; pointed for a moment at an empty index of her own, it
 * lets a second row with C1's id in, and pointed back, it holds one entry
 * for the two.  The victim's handle was open before: her withdrawal finds
 * C1 by reading the table, meets two rows, and refuses. */
static void test_attack__16b_two_consent_rows_one_id(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], c1[VAULT_ID_BUFSIZE];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	long long r1, root, scratch, ver;
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "housing";
	status_is(v, vault_consent_add(v, cs, &co, c1), VAULT_OK, "consent to cas");

	r1 = sql_intf(dir, "cas_cw", "SELECT rowid FROM consents NOT INDEXED WHERE +id = '%s'", c1);
	sql_must(dir, "cas_cw", "CREATE TABLE scratch(id TEXT PRIMARY KEY)");
	root = sql_int(dir, "cas_cw", "SELECT rootpage FROM sqlite_master WHERE"
	               " name = 'sqlite_autoindex_consents_1'");
	scratch = sql_int(dir, "cas_cw", "SELECT rootpage FROM sqlite_master WHERE"
	                  " name = 'sqlite_autoindex_scratch_1'");
	ver = sql_int(dir, "cas_cw", "PRAGMA schema_version");
	SQLF(dir, "cas_cw", "PRAGMA writable_schema = ON;"
	     "UPDATE sqlite_master SET rootpage = %lld WHERE name = 'sqlite_autoindex_consents_1';"
	     "PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;", scratch, ver + 1);
	SQLF(dir, "cas_cw", "INSERT INTO consents SELECT * FROM consents NOT INDEXED"
	     " WHERE rowid = %lld", r1);
	SQLF(dir, "cas_cw", "PRAGMA writable_schema = ON;"
	     "UPDATE sqlite_master SET rootpage = %lld WHERE name = 'sqlite_autoindex_consents_1';"
	     "DELETE FROM sqlite_master WHERE name IN ('scratch', 'sqlite_autoindex_scratch_1');"
	     "PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;", root, ver + 2);
	/* control: two rows have C1's id, and the index still answers one */
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM consents NOT INDEXED"
	                          " WHERE +id = '%s'", c1), 2);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM consents WHERE id = '%s'",
	                          c1), 1);

	st = vault_consent_withdraw(v, c1);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (16b): a withdrawal went through with two rows under"
		         " one consent id");
	if (st != VAULT_ERR_INTEGRITY || strstr(vault_errmsg(v), "two consents") == NULL)
		fail_msg("16b: %s (%s), expected the two rows named", vault_strerror(st),
		         vault_errmsg(v));
	vault_close(v);
	th_rmdir(dir);
}

/* 16c: the rows of C1 and C2 change places between the withdrawal's look-up
 * of C1 and its transaction (the library finds C1 by reading the table,
 * then changes it by rowid).  Both rows are still facts, only where they
 * are changed; withdrawing "C1" at C1's old rowid would withdraw the
 * health authority's consent.  The row is read again inside the
 * transaction and must still be C1. */
static const char *g16c_dir;
static long long g16c_r1, g16c_r2;

static void swap_rows_hook(const char *step)
{
	if (strcmp(step, "consent.withdraw.found") != 0)
		return;
	SQLF(g16c_dir, "cas_cw", "UPDATE consents SET rowid = -1 WHERE rowid = %lld;"
	     "UPDATE consents SET rowid = %lld WHERE rowid = %lld;"
	     "UPDATE consents SET rowid = %lld WHERE rowid = -1;",
	     g16c_r1, g16c_r1, g16c_r2, g16c_r2);
}

static void test_attack__16c_consent_rows_swapped_during_withdrawal(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], c1[VAULT_ID_BUFSIZE], c2[VAULT_ID_BUFSIZE];
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	two_consents(v, cs, c1, c2);
	g16c_dir = dir;
	g16c_r1 = sql_intf(dir, "cas_cw", "SELECT rowid FROM consents NOT INDEXED WHERE"
	                   " +id = '%s'", c1);
	g16c_r2 = sql_intf(dir, "cas_cw", "SELECT rowid FROM consents NOT INDEXED WHERE"
	                   " +id = '%s'", c2);

	vault__crash_hook = swap_rows_hook;
	st = vault_consent_withdraw(v, c1);
	vault__crash_hook = NULL;
	/* control: the hook ran, C2 is at C1's old rowid */
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT rowid FROM consents NOT INDEXED WHERE"
	                          " +id = '%s'", c2), g16c_r1);
	if (sql_intf(dir, "cas_cw", "SELECT withdrawn FROM consents NOT INDEXED WHERE"
	             " +id = '%s'", c2) != 0)
		fail_msg("ATTACK SUCCEEDS (16c): withdrawing C1 withdrew the health authority's"
		         " consent");
	if (st != VAULT_ERR_INTEGRITY || strstr(vault_errmsg(v), "moved") == NULL)
		fail_msg("16c: %s (%s), expected the moved row named", vault_strerror(st),
		         vault_errmsg(v));
	vault_close(v);
	th_rmdir(dir);
}

/* ---- 17. the audit table's indexes, rewritten ------------------------------
 * The entries cannot be rewritten unseen (every open replays and verifies
 * them), but the pages of the indexes beside them are not entries.
 * 17: the reception centre's caseworker read the victim's file under a
 * share; he rebuilds audit_case without his reads of her case.  An
 * auditor asking "who accessed this case" (vault_audit_foreach with the
 * case, and the access report, both by case) would no longer see him. */
static int count_actor(const vault_audit_entry *e, void *ctx)
{
	struct { const char *actor; int n; } *c = ctx;

	if (strcmp(e->actor, c->actor) == 0)
		c->n++;
	return 0;
}

static void test_attack__17_audit_case_index_hides_a_read(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *text = NULL;
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	struct { const char *actor; int n; } c = {"cas_cw", 0};
	vault_buf rep = VAULT_BUF_INIT;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "housing";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share");
	vault_close(v);
	assert_int_equal(get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &text),
	                 VAULT_OK);
	free(text);

	SQLF(dir, "cas_cw", "CREATE TABLE scratch(case_id TEXT);"
	     "INSERT INTO scratch(rowid, case_id) SELECT seq, case_id FROM audit WHERE"
	     " NOT (actor = 'cas_cw' AND case_id = '%s');"
	     "CREATE INDEX scratch_case ON scratch(case_id);"
	     "PRAGMA writable_schema = ON;"
	     "UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM sqlite_master WHERE"
	     " name = 'scratch_case') WHERE name = 'audit_case';"
	     "DELETE FROM sqlite_master WHERE name IN ('scratch', 'scratch_case');"
	     "PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;",
	     cs, sql_int(dir, "cas_cw", "PRAGMA schema_version") + 1);
	/* control: through the index, his reads of her case are gone */
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM audit WHERE case_id = '%s'"
	                          " AND actor = 'cas_cw'", cs), 0);
	assert_true(sql_intf(dir, "cas_cw", "SELECT count(*) FROM audit NOT INDEXED WHERE"
	                     " +case_id = '%s' AND actor = 'cas_cw'", cs) > 0);

	v = th_open(dir, "aud");
	q.case_id = cs;
	status_is(v, vault_audit_foreach(v, &q, count_actor, &c), VAULT_OK, "audit query");
	if (c.n == 0)
		fail_msg("ATTACK SUCCEEDS (17): the auditor's query by case does not show the"
		         " reception caseworker's read of her file");
	vault_close(v);
	v = th_open(dir, "cav_sup");
	status_is(v, vault_report_access(v, cs, NULL, &rep), VAULT_OK, "access report");
	if (rep.data == NULL || strstr((const char *)rep.data, "cas (reception centre), caseworker\n"
	                                                "  What      read a record") == NULL)
		fail_msg("ATTACK SUCCEEDS (17): the access report of her case does not show the"
		         " reception caseworker");
	vault_buf_free(&rep);
	vault_close(v);
	th_rmdir(dir);
}

/* 18. The pages behind class_keys_holder, rebuilt without the reception
 * caseworker's own seals (hkind 2): his passphrase change reseals the
 * class keys it finds through that index, and the ones it hid stay sealed
 * to his old key, which whoever chose his first passphrase knows.  The
 * change must reseal every row of his: he reads the case with his new
 * keys once the index is rebuilt from the table. */
static void test_attack__18_holder_index_hides_seals_from_reseal(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	static const unsigned char pw[] = "a new passphrase of his own 18";
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "housing";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share with cas_cw");
	vault_close(v);
	assert_true(sql_int(dir, "cas_cw", "SELECT count(*) FROM class_keys NOT INDEXED WHERE"
	                                   " hkind = 2 AND +holder = 'cas_cw'") > 0);
	SQLF(dir, "cas_cw", "CREATE TABLE scratch(hkind INTEGER, holder TEXT);"
	     "INSERT INTO scratch(rowid, hkind, holder) SELECT rowid, hkind, holder FROM"
	     " class_keys NOT INDEXED WHERE NOT (hkind = 2 AND +holder = 'cas_cw');"
	     "CREATE INDEX scratch_holder ON scratch(hkind, holder);"
	     "PRAGMA writable_schema = ON;"
	     "UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM sqlite_master WHERE"
	     " name = 'scratch_holder') WHERE name = 'class_keys_holder';"
	     "DELETE FROM sqlite_master WHERE name IN ('scratch', 'scratch_holder');"
	     "PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;",
	     sql_int(dir, "cas_cw", "PRAGMA schema_version") + 1);
	/* control: through the index, he holds nothing */
	assert_int_equal(sql_int(dir, "cas_cw", "SELECT count(*) FROM class_keys WHERE"
	                                        " hkind = 2 AND holder = 'cas_cw'"), 0);

	v = th_open(dir, "cas_cw");
	status_is(v, vault_passwd(v, pw, sizeof(pw) - 1, VAULT_KDF_INSECURE_TEST_ONLY), VAULT_OK,
	          "his passphrase change");
	vault_close(v);
	/* The index as the table has it again (a lookup of his key through
	 * the rebuilt one finds none: a read that fails, which is not the
	 * point here): what matters is what the change resealed. */
	sql_must(dir, "cuav_cw", "REINDEX class_keys_holder");
	v = NULL;
	assert_int_equal(vault_open(dir, "cas_cw", pw, sizeof(pw) - 1, NULL, &v), VAULT_OK);
	{
		vault_buf b = VAULT_BUF_INIT;

		st = vault_record_get_v2(v, cs, "intake", VAULT_CLASS_GENERAL, 0, &b, NULL, NULL);
		if (st != VAULT_OK)
			fail_msg("ATTACK SUCCEEDS (18): after his passphrase change he cannot open"
			         " the class key: the change left it sealed to his old key (%s: %s)",
			         vault_strerror(st), vault_errmsg(v));
		assert_int_equal(b.len, strlen("first interview"));
		assert_memory_equal(b.data, "first interview", b.len);
		vault_buf_free(&b);
	}
	vault_close(v);
	th_rmdir(dir);
}

/* The holder's key of the current epoch, unsealed with her own slot. */
static long long kept_key(const char *dir, const char *who, const char *cs, unsigned int cls,
                          unsigned char key[32])
{
	unsigned char pk[32], sk[32];
	long long e0 = sql_intf(dir, who, "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	                        " AND class = %u", cs, cls);
	sqlite3 *db;
	sqlite3_stmt *s;
	int got = 0;

	own_box_keys(dir, who, pk, sk);
	db = th_db_open(dir, who);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM class_keys NOT INDEXED WHERE"
	    " +case_id = ?1 AND +class = ?2 AND +epoch = ?3 AND +hkind = 2 AND +holder = ?4",
	    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, cs, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int64(s, 3, e0);
	sqlite3_bind_text(s, 4, who, -1, SQLITE_STATIC);
	while (!got && sqlite3_step(s) == SQLITE_ROW)
		got = vault__unseal(key, sqlite3_column_blob(s, 0),
		                    (size_t)sqlite3_column_bytes(s, 0), pk, sk) == 0;
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_true(got);
	return e0;
}

/* Her grant lapses; the owner writes, as every day: the key must have
 * rotated, and the key she kept must not open what was written.  `what`
 * names the attack in the failure. */
static void owner_writes_after_lapse(const char *dir, const char *owner, const char *cs,
                                     unsigned int cls, long long e0,
                                     const unsigned char key[32], const char *what)
{
	char out[256];
	long long e1;

	vault__clock_shift(120);
	status_is(NULL, victim_put(dir, owner, cs, "later", cls,
	                           "written after her grant lapsed"), VAULT_OK, "owner's put");
	e1 = sql_intf(dir, owner, "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	              " AND class = %d", cs, cls);
	vault__clock_shift(-120);
	if (decrypt_with(dir, "cas_cw", cs, cls, "later", key, out, sizeof(out)))
		fail_msg("ATTACK SUCCEEDS (%s): the holder whose grant lapsed reads \"%s\","
		         " written after the lapse (epoch %lld -> %lld: not rotated)", what, out,
		         e0, e1);
	assert_true(e1 > e0);
}

/* ---- 19. the lapsed holder hidden from the rotation -------------------------
 * A grant that lapses (expiry) rotates nothing when it lapses: the next
 * write of the class rotates the key away from holders whose grants
 * lapsed.  That used to be asked of the seal rows alone (ST_LAPSED_HOLDERS,
 * answered by class_keys' primary-key index), which are not facts.  The
 * grantee keeps the class key she unsealed while her grant was live, then
 * hides her seal from that look-up: how = 1 rebuilds the index pages
 * without her entries (her rows stay in the table), how = 0 simply
 * deletes her seal rows, how = 2 is the control (nothing touched).  After
 * the expiry the owner writes; the key must rotate and she must not
 * decrypt the new record.  (From an insider review.) */
static void lapsed_holder_hidden(int how)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	unsigned char key[32];
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	long long e0;
	vault *v;

	th_case(dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, cs);
	th_put(dir, "cuav_cw", cs, "intake", VAULT_CLASS_GENERAL, "first interview");
	v = th_open(dir, "cuav_cw");
	so.perm = VAULT_PERM_READ;
	so.expires = vault__now() + 60;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share until now+60");
	vault_close(v);
	/* while her grant is live: she keeps the key of the current epoch */
	e0 = kept_key(dir, "cas_cw", cs, VAULT_CLASS_GENERAL, key);

	if (how == 1) {
		SQLF(dir, "cas_cw", "CREATE TABLE scratch(case_id, class, epoch, hkind, holder, hepoch);"
		     "INSERT INTO scratch(rowid, case_id, class, epoch, hkind, holder, hepoch)"
		     " SELECT rowid, case_id, class, epoch, hkind, holder, hepoch FROM class_keys"
		     " NOT INDEXED WHERE NOT (+hkind = %d AND +holder = 'cas_cw');"
		     "CREATE UNIQUE INDEX scratch_ix ON scratch(case_id, class, epoch, hkind, holder,"
		     " hepoch);"
		     "PRAGMA writable_schema = ON;"
		     "UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM sqlite_master WHERE"
		     " name = 'scratch_ix') WHERE name = 'sqlite_autoindex_class_keys_1';"
		     "DELETE FROM sqlite_master WHERE name IN ('scratch', 'scratch_ix');"
		     "PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;",
		     HOLDER_USER, sql_int(dir, "cas_cw", "PRAGMA schema_version") + 1);
		/* control: her seal rows are in the table, not in the index */
		assert_true(sql_intf(dir, "cas_cw", "SELECT count(*) FROM class_keys NOT INDEXED"
		                     " WHERE +holder = 'cas_cw' AND +case_id = '%s'", cs) > 0);
		assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM class_keys WHERE"
		                          " case_id = '%s' AND class = %d AND epoch = %lld AND"
		                          " hkind = %d", cs, VAULT_CLASS_GENERAL, e0, HOLDER_USER), 0);
	} else if (how == 0) {
		SQLF(dir, "cas_cw", "DELETE FROM class_keys WHERE hkind = %d AND holder = 'cas_cw'",
		     HOLDER_USER);
		assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM class_keys NOT INDEXED"
		                          " WHERE +holder = 'cas_cw'"), 0);
	}
	owner_writes_after_lapse(dir, "cuav_cw", cs, VAULT_CLASS_GENERAL, e0, key,
	                         how == 1   ? "19b, index pages"
	                         : how == 0 ? "19a, seal rows deleted"
	                                    : "19, control");
	th_rmdir(dir);
}

static void test_attack__19_control_lapsed_holder_rotated(void **state)
{
	(void)state;
	lapsed_holder_hidden(2);
}

static void test_attack__19a_lapsed_holder_deletes_her_seals(void **state)
{
	(void)state;
	lapsed_holder_hidden(0);
}

static void test_attack__19b_lapsed_holder_hidden_by_index(void **state)
{
	(void)state;
	lapsed_holder_hidden(1);
}

/* ---- 20, 21. around the fix of attack 19 (an insider review of it) ---- */

/* A user of the 1.0.0 fixture (passphrase pw-<name>, chosen by someone
 * else) changes it, and back, so the helpers' th_pass works. */
static void fixture_passwd(const char *dir, const char *name)
{
	size_t n;
	const unsigned char *p = th_pass(name, &n);
	vault *v = NULL;

	assert_int_equal(vault_open(dir, name, p, n, NULL, &v), VAULT_OK);
	status_is(v, vault_passwd(v, (const unsigned char *)"tmp-pass-x", 10, TEST_KDF), VAULT_OK,
	          "passwd 1");
	status_is(v, vault_passwd(v, p, n, TEST_KDF), VAULT_OK, "passwd 2");
	vault_close(v);
}


/* 20. A case made before schema 7 (a migrated 1.0 vault) has no
 * class_epochs row for its epochs: vault__facts_key_in_force() says -1 ("not
 * a fact") and only the seal rows decide, as before the fix.  The owner
 * shares its `sensitive` class today with an expiring grant (a share seals,
 * it does not rotate; recording the consent rotates `general`, whose key
 * seals the consent's text, attack 70s); the grantee keeps the key, deletes her seal rows, and reads
 * what is written after her grant lapsed.  Now an epoch without a fact or
 * a class_epochs row counts every lapsed grant.  how = 2: control (seals
 * kept). */
static void legacy_lapsed_holder(int how)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	char cid[VAULT_ID_BUFSIZE];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	unsigned char key[32];
	long long e0;
	size_t n;
	const unsigned char *p;
	vault *v;

	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	/* cav_sup never changes hers (a 1.0 supervisor who did in 1.0 would not need to) */
	/* a second organisation, today */
	v = th_open(dir, "admin");
	p = th_first_pass("cas_sup", &n);
	status_is(v, vault_org_add(v, "cas", "cas", VAULT_ORG_RECEPTION_CENTRE, "cas_sup", p, n,
	                           TEST_KDF), VAULT_OK, "org add");
	vault_close(v);
	th_first_passwd(dir, "cas_sup");
	v = th_open(dir, "cas_sup");
	p = th_first_pass("cas_cw", &n);
	status_is(v, vault_user_add(v, "cas_cw", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	          VAULT_OK, "user add");
	vault_close(v);
	th_first_passwd(dir, "cas_cw");
	/* the legacy case is shared with cas_cw for a minute */
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_SENSITIVE;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "housing";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	so.perm = VAULT_PERM_READ;
	so.expires = vault__now() + 60;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_SENSITIVE, &so),
	          VAULT_OK, "share until now+60");
	vault_close(v);
	/* the epoch in force is not a fact: no class_epochs row */
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM class_epochs WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SENSITIVE), 0);
	e0 = kept_key(dir, "cas_cw", cs, VAULT_CLASS_SENSITIVE, key);
	if (how == 0 || how == 3)
		SQLF(dir, "cas_cw", "DELETE FROM class_keys WHERE hkind = %d AND holder = 'cas_cw'",
		     HOLDER_USER);
	if (how == 3) /* a class_epochs row that is not a fact: "made in this transaction" */
		SQLF(dir, "cas_cw", "INSERT INTO class_epochs(case_id, class, epoch, author,"
		     " commitment) VALUES('%s', %d, %lld, 'cav_cw', zeroblob(32))", cs,
		     VAULT_CLASS_SENSITIVE, e0);
	if (how == 3) {
		char out[256];
		vault_status st;

		vault__clock_shift(120);
		st = victim_put(dir, "cav_cw", cs, "later", VAULT_CLASS_SENSITIVE, "after the lapse");
		vault__clock_shift(-120);
		printf("   22c: owner's put: %s (%s)\n", vault_strerror(st), vault_last_errmsg());
		if (st != VAULT_OK)
			refused(NULL, st, "22c");
		else if (decrypt_with(dir, "cas_cw", cs, VAULT_CLASS_SENSITIVE, "later", key, out,
		                      sizeof(out)))
			fail_msg("ATTACK SUCCEEDS (22c): reads \"%s\"", out);
	} else
		owner_writes_after_lapse(dir, "cav_cw", cs, VAULT_CLASS_SENSITIVE, e0, key,
		                         how == 2 ? "20, control" : "20a");
	th_rmdir(base);
}

static void test_attack__20_control_legacy_case_rotated(void **state)
{
	(void)state;
	legacy_lapsed_holder(2);
}

static void test_attack__20a_legacy_case_lapsed_holder_deletes_seals(void **state)
{
	(void)state;
	legacy_lapsed_holder(0);
}

static void test_attack__22c_legacy_case_planted_epoch_row(void **state)
{
	(void)state;
	legacy_lapsed_holder(3);
}

/* 21. An organisation whose grant on a case lapsed (revoked = 0 forever,
 * nothing rotates at expiry).  After the lapse, its supervisor disables a
 * member of hers (a throwaway caseworker she added) in an entry that also
 * states a new epoch of the case's class with a key she chose (facts.c
 * held_by_disabled_org: a grant to the organisation not revoked, its
 * expiry not looked at; the library's own vault_user_disable rotates the
 * same cases, orgs.c).  The epoch's time is after the grant's expiry, so
 * lapsed_since_epoch() sees nothing; she sealed it to the live holders
 * only.  The owner writes; she reads.  Now a key whose maker may no longer
 * read the class is rotated before a write under it.  how = 1: the owner
 * wrote once after the lapse first (the fix rotated), then she mints her
 * epoch. */
/* SQL that moves organisation `org` to its next key epoch, with public
 * keys nobody holds, as a disable of one of its members by its supervisor
 * must (facts.c: a member disabled while her organisation's keys stay in
 * force is refused, attack 150c). */
static char *org_epoch_sql(const char *dir, const char *org)
{
	long long epoch = sql_intf(dir, "admin", "SELECT epoch FROM orgs WHERE id = '%s'", org) + 1;
	unsigned char pk[32];
	char m[65], sup[65];

	randombytes_buf(pk, 32);
	hex(pk, 32, m);
	randombytes_buf(pk, 32);
	hex(pk, 32, sup);
	return dup_printf("UPDATE orgs SET epoch = %lld, admin_keys = 0 WHERE id = '%s';"
	                  " INSERT INTO org_pubkeys(org, epoch, which, pk) VALUES('%s', %lld, %d,"
	                  " X'%s'), ('%s', %lld, %d, X'%s');", epoch, org, org, epoch, HOLDER_ORG,
	                  m, org, epoch, HOLDER_ORG_SUP, sup);
}

static void org_lapsed_supervisor_mints(int how)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], out[256], *sql, *all, *org;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	unsigned char k[32];
	long long e0, e1, ep;
	vault_status st;
	sqlite3 *db;
	size_t n;
	const unsigned char *p;
	vault *v;

	th_case(dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, cs);
	th_put(dir, "cuav_cw", cs, "intake", VAULT_CLASS_GENERAL, "first interview");
	v = th_open(dir, "cuav_cw");
	so.perm = VAULT_PERM_READ;
	so.expires = vault__now() + 60;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share to org cas until now+60");
	vault_close(v);
	e0 = sql_intf(dir, "cas_sup", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	              " AND class = %d", cs, VAULT_CLASS_GENERAL);
	vault__clock_shift(120);
	/* the control: cas_sup cannot read through the API now */
	{
		char *txt = NULL;
		assert_int_not_equal(get_cls(dir, "cas_sup", cs, "intake", VAULT_CLASS_GENERAL, &txt),
		                     VAULT_OK);
		free(txt);
	}
	if (how == 1)
		status_is(NULL, victim_put(dir, "cuav_cw", cs, "mid", VAULT_CLASS_GENERAL,
		                           "owner after lapse"), VAULT_OK, "owner's first put");
	/* a throwaway member */
	v = th_open(dir, "cas_sup");
	p = th_first_pass("cas_tmp", &n);
	status_is(v, vault_user_add(v, "cas_tmp", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	          VAULT_OK, "add throwaway");
	vault_close(v);
	/* her key, sealed as the next epoch to every holder but her own org */
	randombytes_buf(k, 32);
	ep = sql_intf(dir, "cas_sup", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	              " AND class = %d", cs, VAULT_CLASS_GENERAL);
	db = th_db_open(dir, "cas_sup");
	seal_to_holders(db, cs, VAULT_CLASS_GENERAL, ep, k, "cas");
	sqlite3_close(db);
	sql = epoch_sql(cs, VAULT_CLASS_GENERAL, ep, "cas_sup", k);
	/* a disable moves the member's organisation's keys on (150c) */
	org = org_epoch_sql(dir, "cas");
	all = dup_printf("UPDATE users SET disabled = 1 WHERE name = 'cas_tmp'; %s %s", org, sql);
	free(org);
	forge_target = "cas_tmp";
	st = forge(dir, "cas_sup", all, "user.disable", "", NULL);
	forge_target = "";
	free(sql);
	free(all);
	if (st != VAULT_OK) {
		vault__clock_shift(-120);
		refused(NULL, st, "forge");
		th_rmdir(dir);
		return;
	}
	status_is(NULL, victim_put(dir, "cuav_cw", cs, "later", VAULT_CLASS_GENERAL,
	                           "written after her organisation's grant lapsed"),
	          VAULT_OK, "owner's put");
	e1 = sql_intf(dir, "cuav_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	              " AND class = %d", cs, VAULT_CLASS_GENERAL);
	vault__clock_shift(-120);
	if (decrypt_with(dir, "cas_sup", cs, VAULT_CLASS_GENERAL, "later", k, out, sizeof(out)))
		fail_msg("ATTACK SUCCEEDS (21%s): the supervisor of the lapsed organisation reads"
		         " \"%s\" (epochs %lld, %lld -> %lld: hers in force)", how == 1 ? "b" : "a",
		         out, e0, ep, e1);
	th_rmdir(dir);
}

static void test_attack__21a_lapsed_org_supervisor_mints_epoch(void **state)
{
	(void)state;
	org_lapsed_supervisor_mints(0);
}

static void test_attack__21b_lapsed_org_supervisor_mints_after_rotation(void **state)
{
	(void)state;
	org_lapsed_supervisor_mints(1);
}

/* cas_cw, holding a grant with the share right, signs the revocation of
 * her own grant (no new epoch: the replay allows it) and deletes her seal
 * rows (not facts). */
static vault_status silent_self_revoke(const char *dir, const char *cs)
{
	char *sql = dup_printf("UPDATE grants SET revoked = 1 WHERE case_id = '%s' AND"
	                       " pkind = %d AND principal = 'cas_cw'", cs, VAULT_PRINCIPAL_USER);
	vault_status st;

	forge_target = "cas_cw";
	st = forge(dir, "cas_cw", sql, "revoke", cs, NULL);
	forge_target = "";
	free(sql);
	if (st != VAULT_OK)
		return st;
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT revoked FROM grants WHERE case_id = '%s'"
	                          " AND principal = 'cas_cw'", cs), 1);
	SQLF(dir, "cas_cw", "DELETE FROM class_keys WHERE hkind = %d AND holder = 'cas_cw'",
	     HOLDER_USER);
	return VAULT_OK;
}

/* ---- 22. a revoked grant escapes rule (a) -------------------------------
 * (an insider review of the fix of 19-21)  ST_LAPSED_GRANTS counts only
 * grants with revoked = 0.  The library's own revocation rotates, but the
 * replay only *allows* a rotation next to a revocation, it never requires
 * one; and any holder of a share right may state a revocation
 * (facts.c entitled(): POLICY_CONSENT, basis 0, needs only `shareable`).
 * So the grantee (perm SHARE, expiring) keeps the key, signs with her own
 * key an entry revoking her own grant (no new epoch), deletes her seal
 * rows: rule (a) skips the revoked grant, rule (b) sees the owner as the
 * epoch's author, the seal rows show nothing.  how = 0: she revokes;
 * how = 1: she revokes only after the expiry would have done it... no:
 * she revokes while live, and the write comes after the expiry. */
static void revoked_grant_hidden(int how)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], out[256];
	unsigned char key[32];
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	long long e0, e1;
	vault_status st;
	vault *v;

	th_case(dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, cs);
	th_put(dir, "cuav_cw", cs, "intake", VAULT_CLASS_GENERAL, "first interview");
	v = th_open(dir, "cuav_cw");
	so.perm = VAULT_PERM_SHARE;
	so.expires = how == 0 ? vault__now() + 60 : 0;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share (perm share)");
	vault_close(v);
	e0 = kept_key(dir, "cas_cw", cs, VAULT_CLASS_GENERAL, key);
	/* her own revocation, signed by her, no rotation */
	st = silent_self_revoke(dir, cs);
	if (st != VAULT_OK) {
		refused(NULL, st, "22, her revocation of her own grant");
		th_rmdir(dir);
		return;
	}
	/* control: she is refused by the API now */
	{
		char *txt = NULL;
		assert_int_not_equal(get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &txt),
		                     VAULT_OK);
		free(txt);
	}
	vault__clock_shift(120);
	status_is(NULL, victim_put(dir, "cuav_cw", cs, "later", VAULT_CLASS_GENERAL,
	                           "written after her grant ended"), VAULT_OK, "owner's put");
	e1 = sql_intf(dir, "cuav_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	              " AND class = %d", cs, VAULT_CLASS_GENERAL);
	vault__clock_shift(-120);
	if (decrypt_with(dir, "cas_cw", cs, VAULT_CLASS_GENERAL, "later", key, out, sizeof(out)))
		fail_msg("ATTACK SUCCEEDS (22%s): the holder whose grant ended reads \"%s\","
		         " written after (epoch %lld -> %lld: not rotated)", how == 0 ? "a" : "b",
		         out, e0, e1);
	assert_true(e1 > e0);
	th_rmdir(dir);
}

static void test_attack__22a_sharer_revokes_own_expiring_grant(void **state)
{
	(void)state;
	revoked_grant_hidden(0);
}

static void test_attack__22b_sharer_revokes_own_grant(void **state)
{
	(void)state;
	revoked_grant_hidden(1);
}

/* 23 (a cost, not an attack): an epoch made by an admin's disable fails
 * rule (b) (she never reads); how many rotations do the next writes make? */
static void test_attack__23_admin_epoch_rotations(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	long long e[5];
	int i;
	vault *v;

	(void)state;
	th_case(dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, cs);
	th_put(dir, "cuav_cw", cs, "intake", VAULT_CLASS_GENERAL, "first interview");
	v = th_open(dir, "cuav_cw");
	so.perm = VAULT_PERM_READ;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share");
	vault_close(v);
	e[0] = sql_intf(dir, "cuav_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	                " AND class = %d", cs, VAULT_CLASS_GENERAL);
	v = th_open(dir, "admin");
	status_is(v, vault_user_disable(v, "cas_cw"), VAULT_OK, "admin disables cas_cw");
	vault_close(v);
	e[1] = sql_intf(dir, "cuav_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	                " AND class = %d", cs, VAULT_CLASS_GENERAL);
	for (i = 2; i < 5; i++) {
		status_is(NULL, victim_put(dir, "cuav_cw", cs, "n", VAULT_CLASS_GENERAL, "x"),
		          VAULT_OK, "put");
		e[i] = sql_intf(dir, "cuav_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
		                " AND class = %d", cs, VAULT_CLASS_GENERAL);
	}
	printf("   23: epochs share %lld, after disable %lld, after puts %lld %lld %lld; author of"
	       " %lld: ", e[0], e[1], e[2], e[3], e[4], e[1]);
	{
		sqlite3 *db = th_db_open(dir, "cuav_cw");
		sqlite3_stmt *st;
		sqlite3_prepare_v2(db, "SELECT epoch, author FROM class_epochs WHERE case_id = ?1 AND"
		                   " class = 1 ORDER BY epoch", -1, &st, NULL);
		sqlite3_bind_text(st, 1, cs, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW)
			printf("%lld:%s ", (long long)sqlite3_column_int64(st, 0),
			       (const char *)sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	printf("\n");
	assert_true(e[4] - e[2] <= 0);
	th_rmdir(dir);
}

/* 22d: 22 on a victim's case, where her grant rests on the victim's
 * consent: she states her own revocation (no rotation) and deletes her
 * seals; later the victim withdraws her consent (the withdrawal revokes
 * live grants only: none, so nothing rotates); the caseworker writes. */
static void test_attack__22d_consent_withdrawn_after_silent_revoke(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], out[256];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	unsigned char key[32];
	long long e0, e1;
	vault_status st;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "first interview");
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "housing";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	so.perm = VAULT_PERM_SHARE;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share on consent");
	vault_close(v);
	e0 = kept_key(dir, "cas_cw", cs, VAULT_CLASS_GENERAL, key);
	st = silent_self_revoke(dir, cs);
	if (st != VAULT_OK) {
		refused(NULL, st, "22, her revocation of her own grant");
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_cw");
	status_is(v, vault_consent_withdraw(v, cid), VAULT_OK, "the victim withdraws her consent");
	vault_close(v);
	e1 = sql_intf(dir, "cav_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	              " AND class = %d", cs, VAULT_CLASS_GENERAL);
	printf("   22d: epoch %lld after the withdrawal (was %lld)\n", e1, e0);
	status_is(NULL, victim_put(dir, "cav_cw", cs, "later", VAULT_CLASS_GENERAL,
	                           "new address after she withdrew consent"), VAULT_OK, "put");
	e1 = sql_intf(dir, "cav_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	              " AND class = %d", cs, VAULT_CLASS_GENERAL);
	if (decrypt_with(dir, "cas_cw", cs, VAULT_CLASS_GENERAL, "later", key, out, sizeof(out)))
		fail_msg("ATTACK SUCCEEDS (22d): after the consent's withdrawal she reads \"%s\""
		         " (epoch %lld -> %lld)", out, e0, e1);
	th_rmdir(dir);
}

/* ---- 25-30. writes and reads over planted or changed rows --------------------
 * A second insider review (this session): each of these made a victim's
 * routine operation use a row no fact vouched for. */

/* The vault still opens for `other`, and verifies. */
static void still_opens(const char *dir, const char *other, const char *tag)
{
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass(other, &n);
	vault_status st = vault_open(dir, other, p, n, NULL, &v);

	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (%s): the vault does not open for %s: %s (%s)", tag,
		         other, vault_strerror(st), vault_last_errmsg());
	th_forget_cache(dir, "aud");
	vault_close(v);
	printf("   %s: still opens for %s\n", tag, other);
}

/* 25: a record row planted with a huge version: the victim's put takes the
 * next version from MAX(version) of the rows, unchecked, and signs it. */
static void test_attack__25_planted_high_version(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault *v;
	vault_status st;
	uint32_t ver = 0;

	(void)state;
	victim_case(dir, cs);
	/* copy her safety row (its tag) as version 4294967294 */
	SQLF(dir, "cas_cw", "INSERT INTO records(case_id, name, version, class, epoch, deleted,"
	     " size, author, created, nonce, ct, label, padded) SELECT case_id, name, 4294967294,"
	     " class, epoch, deleted, size, author, created, nonce, ct, label, padded FROM records"
	     " WHERE case_id = '%s' AND class = 4", cs);
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY, "via Po 9, Asti", 14, &ver);
	printf("   25: put over the planted version: %s (%s), version %u\n", vault_strerror(st),
	       vault_errmsg(v), (unsigned)ver);
	vault_close(v);
	still_opens(dir, "cas_cw", "25");
	/* the planted row removed: can she write her record again? */
	SQLF(dir, "cas_cw", "DELETE FROM records WHERE case_id = '%s' AND version = 4294967294", cs);
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY, "via Po 11, Asti", 15, &ver);
	printf("   25: the next put, planted row gone: %s (%s), version %u\n", vault_strerror(st),
	       vault_errmsg(v), (unsigned)ver);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (25): her address record can no longer be updated: %s (%s)",
		         vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	th_rmdir(dir);
}

/* 26: a grant planted in ANOTHER case (any case id), resting on her consent:
 * the withdrawal's loop reads grants by consent across every case. */
static void test_attack__26_planted_grant_blocks_withdrawal(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], c1[VAULT_ID_BUFSIZE], c2[VAULT_ID_BUFSIZE];
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	two_consents(v, cs, c1, c2);
	so.consent_id = c1;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share with cas");
	vault_close(v);
	SQLF(dir, "cas_cw", "INSERT INTO grants(case_id, pkind, principal, classes, perm,"
	     " consent_id, expires, granted_by, created, revoked, owner)"
	     " VALUES('ffffffffffffffffffffffffffffffff', 1, 'cas', 1, 1, '%s', 0, 'cav_cw', 0, 0, 0)",
	     c1);
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_consent_withdraw(v, c1);
	printf("   26: the withdrawal: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (26): her consent cannot be withdrawn: %s",
		         vault_strerror(st));
	still_opens(dir, "cas_cw", "26");
	th_rmdir(dir);
}

/* 27: case_classes' epoch lowered (or made huge) before a disable that
 * rotates every class of the centre's cases: the rotation writes epoch+1
 * over an epoch the log holds (INSERT OR REPLACE). */
static void epoch_then_disable(const char *newepoch, const char *tag)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *text = NULL;
	vault *v;
	vault_status st;

	victim_case(dir, cs);
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "second interview");
	SQLF(dir, "cas_cw", "UPDATE case_classes SET epoch = %s WHERE case_id = '%s' AND class = 1",
	     newepoch, cs);
	v = victim_open(dir, "cav_sup", &st);
	assert_non_null(v);
	st = vault_user_disable(v, "cav_cw");
	printf("   %s: the disable: %s (%s)\n", tag, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	still_opens(dir, "cas_cw", tag);
	st = get_cls(dir, "cav_sup", cs, "intake", VAULT_CLASS_GENERAL, &text);
	printf("   %s: the supervisor reads intake: %s (%s)\n", tag, vault_strerror(st),
	       text ? text : "-");
	free(text);
	th_rmdir(dir);
}

static void test_attack__27a_epoch_lowered_before_disable(void **state)
{
	(void)state;
	epoch_then_disable("0", "27a");
}

static void test_attack__27b_epoch_wraps_before_disable(void **state)
{
	(void)state;
	epoch_then_disable("4294967296", "27b");
}

static void test_attack__27c_epoch_max_before_disable(void **state)
{
	(void)state;
	epoch_then_disable("4294967295", "27c");
}

/* 28a: a row in the form of 1.x, named in clear, with the version of her
 * real one: a redaction updates both (name IN (name, tag) AND version). */
static void test_attack__28a_planted_plain_row_redacted(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	SQLF(dir, "cas_cw", "INSERT INTO records(case_id, class, name, version, epoch, deleted, size,"
	     " author, created) VALUES('%s', 4, 'shelter', 1, 1, 0, 5, 'cuav_cw', 0)", cs);
	v = victim_open(dir, "cav_sup", &st);
	assert_non_null(v);
	st = vault_record_redact(v, cs, "shelter", VAULT_CLASS_SAFETY, 1,
	                         "entered in the wrong case by mistake");
	printf("   28a: the redaction: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	still_opens(dir, "cas_cw", "28a");
	th_rmdir(dir);
}

/* 28c: a version planted beside hers (her row copied, its version raised
 * to 7, "by" the perpetrator programme's caseworker), before a move of the
 * record to another class, which copies every version and redacts every
 * row of the old class that matches. */
static void test_attack__28c_planted_version_moved(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	SQLF(dir, "cas_cw", "INSERT INTO records(case_id, name, version, class, epoch, deleted,"
	     " size, author, created, nonce, ct, label, padded) SELECT case_id, name, 7,"
	     " class, epoch, deleted, size, 'cuav_cw', created, nonce, ct, label, padded FROM records"
	     " WHERE case_id = '%s' AND class = 1", cs);
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL, VAULT_CLASS_SAFETY,
	                             NULL, NULL);
	printf("   28c: the move: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	refused(v, st, "a move over a planted version");
	vault_close(v);
	still_opens(dir, "cas_cw", "28c");
	th_rmdir(dir);
}

/* 28b: the same before a move up (reclassify general -> safety). */
static void test_attack__28b_planted_plain_row_moved(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	SQLF(dir, "cas_cw", "INSERT INTO records(case_id, class, name, version, epoch, deleted, size,"
	     " author, created) VALUES('%s', 1, 'intake', 1, 1, 0, 5, 'cuav_cw', 0)", cs);
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL, VAULT_CLASS_SAFETY,
	                             NULL, NULL);
	printf("   28b: the move: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	still_opens(dir, "cas_cw", "28b");
	th_rmdir(dir);
}


/* 27d: as 27a, the epoch raised in case_classes before a disable.  Once
 * signed, epochs with no keys between the old and the new would have made
 * every later share of the class fail for good (a share seals every epoch
 * 1..E).  The disable is refused; nothing is signed over the changed row,
 * so with the row put back the case is shared and revoked as before. */
static void epoch_raised_then_share(const char *raise, const char *tag)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], c1[VAULT_ID_BUFSIZE], c2[VAULT_ID_BUFSIZE];
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	long long e0;
	vault *v;
	vault_status st;

	victim_case(dir, cs);
	e0 = sql_intf(dir, "cas_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	              " AND class = 1", cs);
	SQLF(dir, "cas_cw", "UPDATE case_classes SET epoch = %s WHERE case_id = '%s' AND class = 1",
	     raise, cs);
	v = victim_open(dir, "cav_sup", &st);
	assert_non_null(v);
	st = vault_user_disable(v, "cav_cw");
	printf("   %s: the disable: %s (%s)\n", tag, vault_strerror(st), vault_errmsg(v));
	refused(v, st, "a disable that rotates a case whose epoch row was changed");
	vault_close(v);
	still_opens(dir, "cas_cw", tag);
	SQLF(dir, "cas_cw", "UPDATE case_classes SET epoch = %lld WHERE case_id = '%s'"
	     " AND class = 1", e0, cs);
	v = victim_open(dir, "cav_sup", &st);
	assert_non_null(v);
	two_consents(v, cs, c1, c2);
	so.consent_id = c1;
	st = vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so);
	printf("   %s: the share: %s (%s)\n", tag, vault_strerror(st), vault_errmsg(v));
	if (st == VAULT_OK) {
		st = vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "cas");
		printf("   %s: the revoke: %s (%s)\n", tag, vault_strerror(st), vault_errmsg(v));
	}
	vault_close(v);
	still_opens(dir, "cas_cw", tag);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (%s): after the disable the case cannot be shared/revoked:"
		         " %s", tag, vault_strerror(st));
	th_rmdir(dir);
}

static void test_attack__27d_epoch_raised_then_share(void **state)
{
	(void)state;
	epoch_raised_then_share("epoch + 5", "27d");
}

static void test_attack__27e_epoch_max_then_share(void **state)
{
	(void)state;
	epoch_raised_then_share("4294967294", "27e");
}


/* 29: a seal planted "to" a user (class_keys holds no facts): her passphrase
 * change re-seals every row naming her, and fails on one that does not open. */
static void seal_then_passwd(int org_keys, const char *tag)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	static const unsigned char np[] = "a-new-and-long-passphrase-42!";
	vault *v;
	vault_status st;

	victim_case(dir, cs);
	if (org_keys)
		sql_must(dir, "cuav_cw", "INSERT INTO org_keys(org, epoch, which, user, sealed)"
		         " VALUES('cas', 99, 1, 'cas_cw', randomblob(80))");
	else
		SQLF(dir, "cuav_cw", "INSERT INTO class_keys(case_id, class, epoch, hkind, holder,"
		     " hepoch, sealed) VALUES('%s', 1, 99, 2, 'cas_cw', 0, randomblob(80))", cs);
	v = victim_open(dir, "cas_cw", &st);
	assert_non_null(v);
	st = vault_passwd(v, np, sizeof(np) - 1, TEST_KDF);
	printf("   %s: her passphrase change: %s (%s)\n", tag, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (%s): a planted seal stops her passphrase change: %s",
		         tag, vault_strerror(st));
	th_rmdir(dir);
}

static void test_attack__29a_planted_seal_blocks_passwd(void **state)
{
	(void)state;
	seal_then_passwd(0, "29a");
}

static void test_attack__29b_planted_org_seal_blocks_passwd(void **state)
{
	(void)state;
	seal_then_passwd(1, "29b");
}

/* 29c: the same for a user added by her supervisor, who must change the
 * passphrase chosen for her before anything else. */
static void test_attack__29c_planted_seal_bricks_new_user(void **state)
{
	char *dir = th_network();
	static const unsigned char np[] = "a-new-and-long-passphrase-42!";
	size_t n;
	const unsigned char *fp = th_first_pass("cas_cw2", &n);
	vault *v;
	vault_status st;
	char cs[VAULT_ID_BUFSIZE];

	(void)state;
	v = th_open(dir, "cas_sup");
	status_is(v, vault_user_add(v, "cas_cw2", "cas", VAULT_ROLE_CASEWORKER, fp, n, TEST_KDF),
	          VAULT_OK, "user add");
	vault_close(v);
	v = th_open(dir, "cas_sup");
	status_is(v, vault_case_create(v, VAULT_CASE_VICTIM, 0, cs), VAULT_OK, "case");
	vault_close(v);
	sql_must(dir, "cuav_cw", "INSERT INTO org_keys(org, epoch, which, user, sealed)"
	         " VALUES('cas', 99, 1, 'cas_cw2', randomblob(80))");
	st = vault_open(dir, "cas_cw2", fp, n, NULL, &v);
	status_is(NULL, st, VAULT_OK, "first open");
	st = vault_passwd(v, np, sizeof(np) - 1, TEST_KDF);
	printf("   29c: the new user's first passphrase change: %s (%s)\n", vault_strerror(st),
	       vault_errmsg(v));
	if (st != VAULT_OK) {
		vault_status s2 = vault_record_put(v, cs, "note", VAULT_CLASS_GENERAL, "x", 1, NULL);
		printf("   29c: and then any call: %s\n", vault_strerror(s2));
	}
	vault_close(v);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (29c): the new user can never use her account: %s",
		         vault_strerror(st));
	th_rmdir(dir);
}


/* 30: listings and histories serve record rows unchecked: a row planted in
 * the form of 1.x, and a redaction written on her real row. */
static int list_cb(const vault_record_info *i, void *ctx)
{
	(void)ctx;
	printf("   30: listed %s class %d v%u by %s%s%s%s\n", i->name, (int)i->cls,
	       (unsigned)i->version, i->author, i->redacted_by ? ", redacted by " : "",
	       i->redacted_by ? i->redacted_by : "", i->redacted_by ? i->redact_reason : "");
	if (strcmp(i->name, "court-order") == 0 || i->redacted_by != NULL)
		*(int *)ctx = 1;
	return 0;
}

static void test_attack__30_listing_serves_planted_rows(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault *v;
	vault_status st;
	int seen = 0;

	(void)state;
	victim_case(dir, cs);
	SQLF(dir, "cas_cw", "INSERT INTO records(case_id, class, name, version, epoch, deleted, size,"
	     " author, created) VALUES('%s', 1, 'court-order', 1, 1, 0, 5, 'cav_sup', 0);"
	     "UPDATE records SET nonce = NULL, ct = NULL, redacted_by = 'cav_sup', redacted_at = 1,"
	     " redact_reason = ' no longer relevant' WHERE case_id = '%s' AND class = 4", cs, cs);
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_record_foreach(v, cs, list_cb, &seen);
	printf("   30: the listing: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (st == VAULT_OK && seen)
		fail_msg("ATTACK SUCCEEDS (30): the listing shows planted rows as the log's");
	th_rmdir(dir);
}


/* 27f: 27c's epoch wrapped to 0 (signed), then any later rotation of the
 * class (here forced by a planted lapsed holder at the owner's next write)
 * makes epoch 1 again, over the fact. */
static void test_attack__27f_wrapped_epoch_then_rotation(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	SQLF(dir, "cas_cw", "UPDATE case_classes SET epoch = 4294967295 WHERE case_id = '%s'"
	     " AND class = 1", cs);
	v = victim_open(dir, "cav_sup", &st);
	assert_non_null(v);
	st = vault_user_disable(v, "cav_cw");
	printf("   27f: the disable: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	printf("   27f: epoch in force now %lld\n", sql_intf(dir, "cas_cw", "SELECT epoch FROM"
	       " case_classes WHERE case_id = '%s' AND class = 1", cs));
	still_opens(dir, "cas_cw", "27f (after the disable)");
	plant_lapsed_holder(dir, "cas_cw", cs, VAULT_CLASS_GENERAL);
	st = victim_put(dir, "cav_sup", cs, "intake", VAULT_CLASS_GENERAL, "third interview");
	printf("   27f: the supervisor's put: %s\n", vault_strerror(st));
	still_opens(dir, "cas_cw", "27f (after the put)");
	th_rmdir(dir);
}

/* 31: every version of her record deleted around the library: a read must
 * not answer "no such record" as if the log held none, and her next write
 * must not number a version 1 the log already holds (signed, it would be
 * refused by every replay: no open would verify after it). */
static void test_attack__31_record_rows_all_deleted(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault_buf b = VAULT_BUF_INIT;
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	SQLF(dir, "cas_cw", "DELETE FROM records WHERE case_id = '%s' AND class = 4", cs);
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_record_get_v2(v, cs, "shelter", VAULT_CLASS_SAFETY, 0, &b, NULL, NULL);
	vault_buf_free(&b);
	printf("   31: the read: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	if (st != VAULT_ERR_INTEGRITY)
		fail_msg("31: a record whose rows were all deleted reads as %s, expected"
		         " VAULT_ERR_INTEGRITY", vault_strerror(st));
	st = vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY, "via Po 9, Asti", 14, NULL);
	printf("   31: the write: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	refused(v, st, "a write over a record whose rows were deleted");
	vault_close(v);
	still_opens(dir, "cas_cw", "31");
	th_rmdir(dir);
}

/* ---- 32. rows removed from a listing and a history ---------------------- */

static int count_cb(const vault_record_info *info, void *ctx)
{
	(void)info;
	(*(int *)ctx)++;
	return 0;
}

/* A listing that leaves out the record whose rows were all deleted, or a
 * history that leaves out a version, tells staff the case holds less than
 * the log does: the removal of a fact, silently.  The victim's handle
 * was opened and closed once before the deletion, so the second open
 * takes the record heads from her cache, and the third from the log. */
static void test_attack__32_rows_removed_from_listing_and_history(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault *v;
	vault_status st;
	int n = 0, pass;

	(void)state;
	victim_case(dir, cs);
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "second interview");
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	assert_int_equal(vault_record_foreach(v, cs, count_cb, &n), VAULT_OK);
	assert_int_equal(n, 2);
	vault_close(v);
	/* the safety record's only row, and the first version of the intake */
	SQLF(dir, "cas_cw", "DELETE FROM records WHERE case_id = '%s' AND class = 4", cs);
	SQLF(dir, "cas_cw", "DELETE FROM records WHERE case_id = '%s' AND class = 1 AND"
	     " version = 1", cs);
	for (pass = 0; pass < 2; pass++) {
		char cache[512], id[65];

		v = victim_open(dir, "cav_cw", &st);
		assert_non_null(v);
		n = 0;
		st = vault_record_foreach(v, cs, count_cb, &n);
		printf("   32: the listing (%s): %s, %d records (%s)\n",
		       pass ? "from the log" : "from her cache", vault_strerror(st), n,
		       vault_errmsg(v));
		if (st != VAULT_ERR_INTEGRITY)
			fail_msg("ATTACK SUCCEEDS: 32: a listing leaves out a record whose rows were"
			         " deleted (%s, %d records shown)", vault_strerror(st), n);
		assert_int_equal(n, 0);
		n = 0;
		st = vault_record_history(v, cs, "intake", count_cb, &n);
		printf("   32: the history: %s, %d versions (%s)\n", vault_strerror(st), n,
		       vault_errmsg(v));
		if (st != VAULT_ERR_INTEGRITY)
			fail_msg("ATTACK SUCCEEDS: 32: a history leaves out a deleted version (%s,"
			         " %d versions shown)", vault_strerror(st), n);
		assert_int_equal(n, 0);
		vault_close(v);
		/* the second pass without her cache: the heads from the log */
		assert_int_equal(vault__slot_id_hex(dir, "cav_cw", id), VAULT_OK);
		snprintf(cache, sizeof(cache), "%s/facts-%s.cache", dir, id);
		assert_true(unlink(cache) == 0 || pass == 1);
	}
	still_opens(dir, "cas_cw", "32");
	th_rmdir(dir);
}

/* ---- 33-37. a third insider review (this session) ---------------------------
 * Each test asserts that its attack took effect, then the secure outcome. */

/* Her consent for the reception centre (general, sharing) and a grant of
 * general to cas_cw with `perm`, on it; the consent's id into cid. */
static void share_general_to_cas_cw(const char *dir, const char *cs, vault_perm perm,
                                    int64_t expires, char cid[VAULT_ID_BUFSIZE])
{
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault *v = th_open(dir, "cav_cw");

	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "housing";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	so.perm = perm;
	so.expires = expires;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share general with cas_cw");
	vault_close(v);
}

static vault_status as_user(const char *dir, const char *user, int what, const char *cs,
                            const char *arg)
{
	vault *v = th_open(dir, user);
	vault_status st = VAULT_ERR_INVALID;

	if (what == 0)
		st = vault_revoke(v, cs, VAULT_PRINCIPAL_USER, arg);
	else if (what == 1)
		st = vault_consent_withdraw(v, arg);
	else if (what == 2)
		st = vault_user_disable(v, arg);
	else if (what == 3)
		st = vault_record_put(v, cs, arg, VAULT_CLASS_GENERAL, "a later note", 12, NULL);
	printf("   %s %s %s: %s (%s)\n", user, what == 0 ? "revokes" : what == 1 ? "withdraws"
	       : what == 2 ? "disables" : "writes", arg, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	return st;
}

/* A signed entry the replay refuses: every open refuses at it, naming its
 * signer (SECURITY.md, Known limits), and nothing it states is used.
 * Returns 1 when so; 0 when the open goes through (the entry was
 * accepted, and the caller looks at what it gained). */
static int open_refuses_entry_of(const char *dir, const char *user, const char *signer,
                                 const char *tag)
{
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass(user, &n);
	vault_status st = vault_open(dir, user, p, n, NULL, &v);
	char want[96];

	if (st == VAULT_OK) {
		vault_close(v);
		return 0;
	}
	snprintf(want, sizeof(want), " by %s: ", signer);
	printf("   %s: %s's open refuses the entry: %s (%s)\n", tag, user, vault_strerror(st),
	       vault_last_errmsg());
	if (st != VAULT_ERR_INTEGRITY || strstr(vault_last_errmsg(), want) == NULL)
		fail_msg("%s: the open fails (%s: %s), not at %s's entry", tag, vault_strerror(st),
		         vault_last_errmsg(), signer);
	return 1;
}

/* 33a: a holder of READ on general (the reception centre's caseworker, on
 * her consent) signs, with her own key and around the library, an entry
 * that moves the case's general epoch to 4294967295.  The replay lets any
 * reader of a class state a case_classes row of it, with any epoch (facts.c
 * entitled(), T_CASE_CLASSES: no "previous + 1").  From then on every
 * rotation of that class is refused ("out of range", gate.c
 * vault__class_rotate): her grant can never be revoked, the victim's
 * consent never withdrawn, and nobody of the two centres disabled. */
static void test_attack__33a_signed_epoch_max_blocks_revocation(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql;
	vault_status st, rv, wd, d1, d2;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_READ, 0, cid);
	sql = dup_printf("UPDATE case_classes SET epoch = 4294967295 WHERE case_id = '%s' AND"
	                 " class = %d", cs, VAULT_CLASS_GENERAL);
	st = forge(dir, "cas_cw", sql, "record.get", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "33a forge");
		th_rmdir(dir);
		return;
	}
	/* the attack took effect: her statement is a fact, every open verifies */
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", "33a")) {
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT epoch FROM case_classes WHERE"
	                          " case_id = '%s' AND class = 1", cs), 4294967295LL);
	rv = as_user(dir, "cav_sup", 0, cs, "cas_cw");
	wd = as_user(dir, "cav_cw", 1, cs, cid);
	d1 = as_user(dir, "cas_sup", 2, cs, "cas_cw");
	d2 = as_user(dir, "cav_sup", 2, cs, "cav_cw");
	if (rv != VAULT_OK || wd != VAULT_OK || d1 != VAULT_OK || d2 != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (33a): after one signed epoch by a reader, revoke: %s,"
		         " consent withdrawal: %s, disable of the reader: %s, disable of the"
		         " owner's caseworker: %s", vault_strerror(rv), vault_strerror(wd),
		         vault_strerror(d1), vault_strerror(d2));
	th_rmdir(dir);
}

/* 33b: a holder of WRITE on general signs a version 4294967295 of the
 * victim's `intake` record (facts.c entitled(), T_RECORDS: any version
 * number, no "newest + 1"): the record can never be written again. */
static void test_attack__33b_signed_version_max_freezes_record(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_WRITE, 0, cid);
	sql = dup_printf("INSERT INTO records(case_id, name, version, class, epoch, deleted,"
	                 " size, author, created, nonce, ct, label, padded) SELECT case_id, name,"
	                 " 4294967295, class, epoch, deleted, size, 'cas_cw', created, nonce, ct,"
	                 " label, padded FROM records WHERE case_id = '%s' AND class = 1", cs);
	st = forge(dir, "cas_cw", sql, "record.put", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "33b forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", "33b")) {
		th_rmdir(dir);
		return;
	}
	st = as_user(dir, "cav_cw", 3, cs, "intake");
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (33b): the victim's record can never be written again: %s",
		         vault_strerror(st));
	th_rmdir(dir);
}

/* 34: rows removed around the library, which the list of cases does not
 * miss (32's sibling).  SECURITY.md (Known limits): a writer who deletes
 * rows gets "every user's next use says VAULT_ERR_INTEGRITY and names what
 * is missing". */
struct seen34 {
	int cases;
};

static int case34_cb(const vault_case_info *i, void *ctx)
{
	struct seen34 *s = ctx;

	printf("   34: listed case %s\n", i->id);
	s->cases++;
	return 0;
}

/* 34: the owning organisation's hold on the case (its owner grant)
 * deleted: the caseworker's list of cases leaves the case out and says
 * nothing (lib/cases.c vault_case_foreach reads grants unchecked). */
static void test_attack__34_case_list_silently_misses_case(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	struct seen34 seen = {0};
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	SQLF(dir, "cas_cw", "DELETE FROM grants WHERE case_id = '%s' AND owner = 1", cs);
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_case_foreach(v, case34_cb, &seen);
	printf("   34: the list of cases: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (st == VAULT_OK && seen.cases == 0)
		fail_msg("ATTACK SUCCEEDS (34): her case is gone from her caseworker's list of"
		         " cases, and the list says nothing");
	th_rmdir(dir);
}

/* 34b: the list of restricted cases, read from `cases` across the
 * organisation: a case row turned restricted around the library. */
static void test_attack__34b_restricted_list_reads_changed_case(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	struct seen34 seen = {0};
	vault *v;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	SQLF(dir, "cas_cw", "UPDATE cases SET restricted = 1 WHERE id = '%s'", cs);
	v = victim_open(dir, "cav_sup", &st);
	assert_non_null(v);
	st = vault_case_foreach_restricted(v, case34_cb, &seen);
	printf("   34b: the list of restricted cases: %s (%s)\n", vault_strerror(st),
	       vault_errmsg(v));
	vault_close(v);
	if (st != VAULT_ERR_INTEGRITY)
		fail_msg("ATTACK SUCCEEDS (34b): the list of restricted cases read a changed case"
		         " row: %s, %d cases", vault_strerror(st), seen.cases);
	th_rmdir(dir);
}

/* 35: the statistics an organisation exports are signed by its supervisor
 * and trusted by the authority that combines them.  They are counted from
 * `cases`, `consents` and `indicators` rows read without any check against
 * the facts (lib/stats.c count_cases, lib/indicators.c vault__ind_read):
 * a key-slot holder withdraws, in the table only, the statistics consent of
 * every case of the centre, and the supervisor's routine export signs
 * figures she chose ("not_consented": 4, every indicator gone). */
static char *stats_note(const char *dir, const char *user, vault_status *st)
{
	vault_stats_options o = VAULT_STATS_OPTIONS_INIT;
	vault_buf out = VAULT_BUF_INIT;
	char *note = NULL;
	vault *v = th_open(dir, user);

	o.since = vault__now() - 40 * 86400;
	o.until = vault__now() + 86400;
	o.k = VAULT_STATS_K_MIN;
	*st = vault_stats_export(v, &o, &out);
	printf("   35: export by %s: %s (%s)\n", user, vault_strerror(*st), vault_errmsg(v));
	if (*st == VAULT_OK) {
		note = calloc(1, out.len + 1);
		memcpy(note, out.data, out.len);
	}
	vault_buf_free(&out);
	vault_close(v);
	return note;
}

static void test_attack__35_stats_export_signs_changed_rows(void **state)
{
	char *dir = th_network();
	char c[VAULT_ID_BUFSIZE], *before, *after;
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	char cid[VAULT_ID_BUFSIZE];
	const char *as[2] = {"age_band=30-39", "violence=physical-assault"};
	vault_status st;
	vault *v;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, c);
		v = th_open(dir, "cav_cw");
		o.org = "cav";
		o.classes = VAULT_CLASS_GENERAL;
		o.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_STATISTICS;
		o.purpose = "statistics for the network";
		status_is(v, vault_consent_add(v, c, &o, cid), VAULT_OK, "consent");
		status_is(v, vault_case_indicators_set(v, c, as, 2), VAULT_OK, "indicators");
		vault_close(v);
	}
	before = stats_note(dir, "cav_sup", &st);
	assert_non_null(before);
	assert_non_null(strstr(before, "\"not_consented\":0"));
	/* the attack: the consents withdrawn in the table, no statement */
	SQLF(dir, "cas_cw", "UPDATE consents SET withdrawn = 1 WHERE case_id IN (SELECT id FROM"
	     " cases WHERE owner_org = 'cav')");
	after = stats_note(dir, "cav_sup", &st);
	if (after != NULL)
		printf("   35: %.300s\n", after);
	if (st == VAULT_OK && after != NULL && strstr(after, "\"not_consented\":4") != NULL)
		fail_msg("ATTACK SUCCEEDS (35): the supervisor signed statistics counted from"
		         " consent rows changed around the library (4 cases dropped as not"
		         " consented)");
	free(before);
	free(after);
	th_rmdir(dir);
}

/* 33c: as 33a, by someone who holds nothing any more: the reception
 * centre's grant on general expired (not revoked); its supervisor disables
 * her own caseworker in an entry that also moves the victim case's general
 * epoch to 4294967295.  The replay allows a rotation of every case an
 * organisation "holds" when a member is disabled, and holding is a grant
 * not revoked, expired or not (facts.c held_by_disabled_org).  The owner
 * can then neither write general nor disable anyone. */
static void test_attack__33c_expired_org_signs_epoch_max(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql;
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault_status st, put, d2;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "housing";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	so.expires = vault__now() + 60;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share general with cas, for a minute");
	vault_close(v);
	vault__clock_shift(120); /* the grant has lapsed */
	sql = dup_printf("UPDATE users SET disabled = 1 WHERE name = 'cas_cw';"
	                 " UPDATE case_classes SET epoch = 4294967295 WHERE case_id = '%s' AND"
	                 " class = %d", cs, VAULT_CLASS_GENERAL);
	forge_target = "cas_cw";
	st = forge(dir, "cas_sup", sql, "user.disable", cs, NULL);
	forge_target = "";
	free(sql);
	if (st != VAULT_OK) {
		vault__clock_shift(-120);
		refused(NULL, st, "33c forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cas_sup", "33c")) {
		vault__clock_shift(-120);
		th_rmdir(dir);
		return;
	}
	put = as_user(dir, "cav_cw", 3, cs, "intake");
	d2 = as_user(dir, "cav_sup", 2, cs, "cav_cw");
	vault__clock_shift(-120);
	if (put != VAULT_OK || d2 != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (33c): a supervisor whose organisation's grant had"
		         " lapsed signed an epoch: the owner's write: %s, the owner's disable of"
		         " her own caseworker: %s", vault_strerror(put), vault_strerror(d2));
	th_rmdir(dir);
}

/* 36: key planting (attack 1) on a case made before schema 7.  Its epochs
 * have no class_epochs row, and gate.c check_commitment() accepts any key
 * of such an epoch ("accepted as legacy").  A user with no grant at all
 * (the reception centre's caseworker) replaces, in place, every seal of the
 * current safety epoch with a key of her choosing, sealed to the same
 * holders' public keys; the owner's caseworker writes the new address. */
static int reseal_epoch_with(sqlite3 *db, const char *cs, unsigned int cls, long long epoch,
                             const unsigned char k[32])
{
	sqlite3_stmt *s, *up;
	int n = 0;

	assert_int_equal(sqlite3_prepare_v2(db,
	    "SELECT k.rowid, CASE WHEN k.hkind = 2 THEN"
	    " (SELECT box_pk FROM users WHERE name = k.holder) ELSE"
	    " (SELECT pk FROM org_pubkeys WHERE org = k.holder AND epoch = k.hepoch"
	    "  AND which = k.hkind) END FROM class_keys k"
	    " WHERE k.case_id = ?1 AND k.class = ?2 AND k.epoch = ?3", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE class_keys SET sealed = ?1 WHERE rowid = ?2",
	                                    -1, &up, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, cs, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int64(s, 3, epoch);
	while (sqlite3_step(s) == SQLITE_ROW) {
		unsigned char sealed[crypto_box_SEALBYTES + 32];

		if (sqlite3_column_bytes(s, 1) != 32)
			continue;
		assert_int_equal(crypto_box_seal(sealed, k, 32, sqlite3_column_blob(s, 1)), 0);
		sqlite3_bind_blob(up, 1, sealed, sizeof(sealed), SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 2, sqlite3_column_int64(s, 0));
		assert_int_equal(sqlite3_step(up), SQLITE_DONE);
		sqlite3_reset(up);
		n++;
	}
	sqlite3_finalize(s);
	sqlite3_finalize(up);
	return n;
}

static void test_attack__36_legacy_case_key_planted_in_seals(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "", out[256];
	unsigned char k[32];
	long long epoch;
	size_t n;
	const unsigned char *p;
	sqlite3 *db;
	vault_status st;
	vault *v;
	int planted;

	(void)state;
	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	v = th_open(dir, "admin");
	p = th_first_pass("cas_sup", &n);
	status_is(v, vault_org_add(v, "cas", "cas", VAULT_ORG_RECEPTION_CENTRE, "cas_sup", p, n,
	                           TEST_KDF), VAULT_OK, "org add");
	vault_close(v);
	th_first_passwd(dir, "cas_sup");
	v = th_open(dir, "cas_sup");
	p = th_first_pass("cas_cw", &n);
	status_is(v, vault_user_add(v, "cas_cw", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	          VAULT_OK, "user add");
	vault_close(v);
	th_first_passwd(dir, "cas_cw");
	epoch = sql_intf(dir, "cas_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s' AND"
	                 " class = %d", cs, VAULT_CLASS_SAFETY);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM class_epochs WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 0);
	/* control: she holds no key of the case */
	assert_false(th_user_can_unseal(dir, "cas_cw", cs, VAULT_CLASS_SAFETY, (uint32_t)epoch));
	randombytes_buf(k, sizeof(k));
	db = th_db_open(dir, "cas_cw");
	planted = reseal_epoch_with(db, cs, VAULT_CLASS_SAFETY, epoch, k);
	sqlite3_close(db);
	assert_true(planted >= 1);
	st = victim_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	printf("   36: the owner's put: %s (%s), %d seals replaced\n", vault_strerror(st),
	       vault_last_errmsg(), planted);
	if (st == VAULT_OK &&
	    decrypt_with(dir, "cas_cw", cs, VAULT_CLASS_SAFETY, "shelter", k, out, sizeof(out)))
		fail_msg("ATTACK SUCCEEDS (36): a user with no grant reads the new address \"%s\""
		         " (a key planted in the seals of a case made before schema 7)", out);
	if (st != VAULT_OK)
		refused(NULL, st, "36");
	th_rmdir(base);
}

/* 37: the reports filter the log in SQL on its stored columns (report.c:
 * "+a.case_id = ?1", "c.owner_org = ?1 AND a.org <> ?1") and check against
 * the hashes the handle verified only the rows the query returns.  An
 * entry the handle verified at its open (or caught up with at its last
 * operation), rewritten since in a column the filter reads, is neither
 * returned nor checked: it drops out of the report silently.  (The
 * attacker can put the column back afterwards; nobody else ever sees it.) */
static vault_status report_of(vault *v, int review, const char *what, char **text)
{
	vault_report_options o = VAULT_REPORT_OPTIONS_INIT;
	vault_buf out = VAULT_BUF_INIT;
	vault_status st;

	o.format = VAULT_REPORT_JSON;
	o.names = 1;
	st = review ? vault_report_review(v, what, &o, &out) : vault_report_access(v, what, &o, &out);
	*text = NULL;
	if (st == VAULT_OK) {
		*text = calloc(1, out.len + 1);
		memcpy(*text, out.data, out.len);
	}
	vault_buf_free(&out);
	return st;
}

static void read_then_hidden_from_report(int review)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *t1 = NULL, *t2 = NULL, *txt = NULL;
	const char *tag = review ? "37a" : "37b";
	vault_status st;
	vault *v;

	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_READ, 0, cid);
	/* her read, through the API: an entry of the log */
	status_is(NULL, get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &txt), VAULT_OK,
	          "her read");
	free(txt);
	/* the supervisor's handle (open all day), and a first report */
	v = th_open(dir, "cav_sup");
	st = report_of(v, review, review ? "cav" : cs, &t1);
	status_is(v, st, VAULT_OK, "first report");
	assert_non_null(strstr(t1, "\"actor\": \"cas_cw\"")); /* control: her read is shown */
	/* the attack: the column the report filters on, rewritten */
	if (review)
		SQLF(dir, "cas_cw", "UPDATE audit SET org = 'cav' WHERE actor = 'cas_cw' AND"
		     " action = 'record.get'");
	else
		SQLF(dir, "cas_cw", "UPDATE audit SET case_id = 'ffffffffffffffffffffffffffffffff'"
		     " WHERE actor = 'cas_cw' AND action = 'record.get'");
	st = report_of(v, review, review ? "cav" : cs, &t2);
	printf("   %s: the second report: %s (%s)\n", tag, vault_strerror(st), vault_errmsg(v));
	if (getenv("ATTACK_DEBUG"))
		printf("%s\n----\n%s\n", t1, t2 ? t2 : "");
	vault_close(v);
	/* and put back: every later open verifies, nobody sees a trace */
	if (review)
		SQLF(dir, "cas_cw", "UPDATE audit SET org = 'cas' WHERE actor = 'cas_cw' AND"
		     " action = 'record.get'");
	else
		SQLF(dir, "cas_cw", "UPDATE audit SET case_id = '%s' WHERE actor = 'cas_cw' AND"
		     " action = 'record.get'", cs);
	th_forget_cache(dir, "aud");
	still_opens(dir, "aud", tag);
	if (st == VAULT_OK && strstr(t2, "\"actor\": \"cas_cw\"") == NULL)
		fail_msg("ATTACK SUCCEEDS (%s): her read of the case is gone from the %s, which"
		         " says nothing", tag, review ? "organisation's access review"
		                                      : "victim's access report");
	free(t1);
	free(t2);
	th_rmdir(dir);
}

static void test_attack__37a_read_hidden_from_review(void **state)
{
	(void)state;
	read_then_hidden_from_report(1);
}

static void test_attack__37b_read_hidden_from_access_report(void **state)
{
	(void)state;
	read_then_hidden_from_report(0);
}

/* 33d: 33b's sibling on the case's indicators (facts.c entitled(),
 * T_INDICATORS: any change by a writer of general): a writer signs the
 * indicators row with version 4294967295; they can never be read or set
 * again (the version is in the AEAD's associated data, and the next is
 * "too many versions"), and the case drops out of the signed statistics. */
static void test_attack__33d_signed_indicators_version_max(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql;
	const char *as[1] = {"age_band=30-39"};
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, vault_case_indicators_set(v, cs, as, 1), VAULT_OK, "indicators");
	vault_close(v);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_WRITE, 0, cid);
	sql = dup_printf("UPDATE indicators SET version = 4294967295 WHERE case_id = '%s'", cs);
	st = forge(dir, "cas_cw", sql, "case.indicators.set", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "33d forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", "33d")) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_cw");
	st = vault_case_indicators_set(v, cs, as, 1);
	printf("   33d: the owner sets her indicators: %s (%s)\n", vault_strerror(st),
	       vault_errmsg(v));
	vault_close(v);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (33d): the case's indicators can never be set again: %s",
		         vault_strerror(st));
	th_rmdir(dir);
}

/* 33e: a grant signed with owner = 1 by a sharer of another organisation
 * (facts.c entitled(), T_GRANTS: the owner flag was looked at only for the
 * hold made with the case; otherwise it was any share the signer may make).
 * Revocations skip owner grants (share.c revoke_grants: "owner = 0"), so
 * her organisation's grant could never be revoked, and the withdrawal of
 * the consent it rests on found it every pass and refused.  40h: the same
 * with the owner flag the TEXT 'x' (an INTEGER column keeps it as text),
 * which the replay read as 0.  `owner_sql` is the flag's SQL. */
static void signed_owner_grant(const char *owner_sql, const char *tag)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql, *txt = NULL;
	vault_status st, rv, wd, rd;
	long long live;
	vault *v;

	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_SHARE, 0, cid);
	sql = dup_printf("INSERT INTO grants(case_id, pkind, principal, classes, perm, consent_id,"
	                 " expires, granted_by, created, revoked, owner) VALUES('%s', %d, 'cas',"
	                 " %d, %d, '%s', 0, 'cas_cw', %lld, 0, %s)", cs, VAULT_PRINCIPAL_ORG,
	                 VAULT_CLASS_GENERAL, VAULT_PERM_READ, cid, (long long)vault__now(),
	                 owner_sql);
	st = forge(dir, "cas_cw", sql, "share", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, tag);
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", tag)) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_sup");
	rv = vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "cas");
	printf("   %s: the supervisor revokes cas: %s (%s)\n", tag, vault_strerror(rv),
	       vault_errmsg(v));
	vault_close(v);
	wd = as_user(dir, "cav_cw", 1, cs, cid);
	/* the owner then revokes the sharer herself (a rotation) and writes */
	(void)as_user(dir, "cav_sup", 0, cs, "cas_cw");
	(void)as_user(dir, "cav_cw", 3, cs, "later");
	rd = get_cls(dir, "cas_sup", cs, "later", VAULT_CLASS_GENERAL, &txt);
	printf("   %s: cas_sup reads what was written after: %s \"%s\"\n", tag,
	       vault_strerror(rd), txt ? txt : "");
	free(txt);
	live = sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id = '%s' AND"
	                " principal = 'cas' AND revoked = 0", cs);
	if (rv != VAULT_OK || wd != VAULT_OK || live != 0)
		fail_msg("ATTACK SUCCEEDS (%s): her organisation's signed grant with owner = %s:"
		         " revoke %s, consent withdrawal %s, %lld grants still live", tag, owner_sql,
		         vault_strerror(rv), vault_strerror(wd), live);
	th_rmdir(dir);
}

static void test_attack__33e_signed_owner_grant_unrevocable(void **state)
{
	(void)state;
	signed_owner_grant("1", "33e");
}


/* ---- 40. a fourth insider review (this session): the listing counts and the replay rules ---- */

/* List the case and the history of `name` in a fresh handle of `user`
 * (her cache forgotten first when `nocache`). */
static vault_status list_and_history(const char *dir, const char *user, const char *cs,
                                     const char *name, int nocache, int *nl, int *nh,
                                     vault_status *hst)
{
	vault_status st;
	vault *v;

	if (nocache)
		th_forget_cache(dir, user);
	v = victim_open(dir, user, &st);
	if (v == NULL)
		return st;
	*nl = *nh = 0;
	st = vault_record_foreach(v, cs, count_cb, nl);
	printf("   listing as %s: %s, %d (%s)\n", user, vault_strerror(st), *nl, vault_errmsg(v));
	*hst = VAULT_OK;
	if (name != NULL) {
		*hst = vault_record_history(v, cs, name, count_cb, nh);
		printf("   history of %s as %s: %s, %d (%s)\n", name, user, vault_strerror(*hst), *nh,
		       vault_errmsg(v));
	}
	vault_close(v);
	return st;
}

/* 40a: no attacker.  A caseworker writes to a record of a vault made by
 * 1.0.0: routine, the first write converts its rows (name to tag) by an
 * UPDATE, which the entry states as the new image only; the fact of the
 * old row (its 1.x name) stays, and with it a record head that no row
 * answers any more (facts.c put_fact/heads_bump; cases.c listing_complete).
 * Every later listing of the case, by anyone, must still work. */
static void test_attack__40a_legacy_conversion_breaks_listing(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	vault_status st[2], hst;
	int nl[2] = {0, 0}, nh = 0, pass;

	(void)state;
	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	fixture_passwd(dir, "cav_sup");
	status_is(NULL, list_and_history(dir, "cav_cw", cs, NULL, 0, &nl[0], &nh, &hst), VAULT_OK,
	          "40a: the listing before the write");
	assert_int_equal(nl[0], 3); /* control: addr (general, safety), intake */
	status_is(NULL, victim_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL,
	                           "second interview"), VAULT_OK, "40a: the write that converts");
	/* control: the write converted the 1.x rows of intake */
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM records WHERE case_id ="
	                          " '%s' AND typeof(name) = 'blob'", cs), 2);
	for (pass = 0; pass < 2; pass++)
		st[pass] = list_and_history(dir, pass ? "cav_sup" : "cav_cw", cs, NULL, pass,
		                            &nl[pass], &nh, &hst);
	if (st[0] != VAULT_OK || st[1] != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (40a): after one routine write to a 1.x record the case"
		         " cannot be listed any more: %s (her cache), %s (the supervisor, from the"
		         " log)", vault_strerror(st[0]), vault_strerror(st[1]));
	assert_int_equal(nl[0], 3);
	assert_int_equal(nl[1], 3);
	th_rmdir(base);
}

/* 40b: no attacker.  The history of a record 1.0.0 wrote (not yet written
 * to since) is counted against the record's head "by name": but record
 * images hold the name column hashed (facts.c tables[T_RECORDS], H(1)),
 * and vault__facts_record_head(is_tag = 0) looks it up as a plain string,
 * so it finds no head, ever: 0 versions against 1 row. */
static void test_attack__40b_legacy_record_history_refused(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	vault_status st, hst;
	int nl = 0, nh = 0;

	(void)state;
	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	st = list_and_history(dir, "cav_cw", cs, "intake", 1, &nl, &nh, &hst);
	status_is(NULL, st, VAULT_OK, "40b: the listing"); /* control */
	if (hst != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (40b): the history of a record written by 1.0.0 is"
		         " refused (%s): nothing was removed", vault_strerror(hst));
	assert_int_equal(nh, 1);
	th_rmdir(base);
}

/* 40c: attack 31 on a record 1.0.0 wrote.  A key-slot holder deletes every
 * row of the 1.x `addr` record in safety (the victim's old shelter
 * address).  no_rows() asks the facts by the 1.x name, as a plain string
 * (40b): no head is ever found, so the read says "no such record", and
 * the victim's next write starts a new record at version 1, signed, with
 * the old versions gone from its history. */
static void test_attack__40c_legacy_record_deleted_reads_as_none(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	char *text = NULL;
	vault_status st, put, hst;
	int nl = 0, nh = 0;

	(void)state;
	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	status_is(NULL, get_cls(dir, "cav_cw", cs, "addr", VAULT_CLASS_SAFETY, &text), VAULT_OK,
	          "40c: control read");
	free(text);
	text = NULL;
	/* the attack: every row of the 1.x record, in safety */
	SQLF(dir, "cav_cw", "DELETE FROM records WHERE case_id = '%s' AND class = 4 AND"
	     " name = 'addr'", cs);
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM records WHERE case_id ="
	                          " '%s' AND class = 4", cs), 0);
	th_forget_cache(dir, "cav_cw");
	st = get_cls(dir, "cav_cw", cs, "addr", VAULT_CLASS_SAFETY, &text);
	free(text);
	printf("   40c: her read of addr (safety): %s (%s)\n", vault_strerror(st),
	       vault_last_errmsg());
	put = victim_put(dir, "cav_cw", cs, "addr", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	printf("   40c: her write of addr (safety): %s\n", vault_strerror(put));
	(void)list_and_history(dir, "cav_cw", cs, "addr", 1, &nl, &nh, &hst);
	if (st == VAULT_ERR_NOT_FOUND || put == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (40c): the 1.x record's rows deleted around the library:"
		         " the read says %s, the write %s (its history now %s, %d versions)",
		         vault_strerror(st), vault_strerror(put), vault_strerror(hst), nh);
	th_rmdir(base);
}


/* 40d: no attacker.  The 1.0.0 fixture's `addr` has version 1 in safety and
 * version 2 in general (what 1.0 allowed); the migration keeps the numbers,
 * so general's only row is version 2.  A caseworker writes addr in general:
 * the conversion restates that row under its tag as version 2 (cases.c
 * convert_legacy), but the replay now wants a new record version to be
 * its head's newest + 1 (facts.c entitled(), T_RECORDS, head_version): 1.
 * Her entry is signed; does every open still verify? */
static void test_attack__40d_legacy_gap_conversion_locks_out(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	vault_status st;
	vault *v;

	(void)state;
	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	fixture_passwd(dir, "cav_sup");
	/* control: general holds version 2 of addr alone, in the form of 1.x */
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT group_concat(version) FROM records WHERE"
	                          " case_id = '%s' AND class = 1 AND name = 'addr'", cs), 2);
	st = victim_put(dir, "cav_cw", cs, "addr", VAULT_CLASS_GENERAL, "see the notes of May");
	printf("   40d: her write of addr (general): %s (%s)\n", vault_strerror(st),
	       vault_last_errmsg());
	status_is(NULL, st, VAULT_OK, "40d: the routine write");
	th_forget_cache(dir, "cav_sup");
	v = NULL;
	{
		size_t n;
		const unsigned char *p = th_pass("cav_sup", &n);

		st = vault_open(dir, "cav_sup", p, n, NULL, &v);
	}
	printf("   40d: the supervisor's open: %s (%s)\n", vault_strerror(st), vault_last_errmsg());
	if (v != NULL)
		vault_close(v);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (40d): one routine write to a 1.x record signed an entry"
		         " the replay refuses: the vault no longer opens (%s: %s)",
		         vault_strerror(st), vault_last_errmsg());
	th_rmdir(base);
}


/* 40e: no attacker.  A record 1.0.0 wrote is converted by the first write
 * to it, and the conversion states each old row under its tag, its author
 * kept.  When the writer is not the 1.x author (the supervisor writes to
 * the intake her caseworker wrote), does the replay accept the restated
 * rows "said to be written by someone else" (facts.c entitled(),
 * T_RECORDS)? */
static void test_attack__40e_legacy_conversion_by_another_writer(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	vault_status st;
	vault *v = NULL;
	size_t n;
	const unsigned char *p;

	(void)state;
	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	fixture_passwd(dir, "cav_sup");
	st = victim_put(dir, "cav_sup", cs, "intake", VAULT_CLASS_GENERAL, "supervisor's note");
	printf("   40e: the supervisor's write of intake: %s (%s)\n", vault_strerror(st),
	       vault_last_errmsg());
	if (st != VAULT_OK) { /* refused by her handle: nothing signed */
		th_rmdir(base);
		return;
	}
	th_forget_cache(dir, "cav_cw");
	p = th_pass("cav_cw", &n);
	st = vault_open(dir, "cav_cw", p, n, NULL, &v);
	printf("   40e: the caseworker's open: %s (%s)\n", vault_strerror(st), vault_last_errmsg());
	if (v != NULL)
		vault_close(v);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (40e): a routine write to a 1.x record by another writer"
		         " signed an entry the replay refuses: the vault no longer opens (%s)",
		         vault_last_errmsg());
	th_rmdir(base);
}


/* The step of a flow of routine calls: OK, or the flow is reported. */
#define FLOW(v, call, what)                                                    \
	do {                                                                   \
		vault_status fs_ = (call);                                     \
		printf("   flow: %s: %s (%s)\n", what, vault_strerror(fs_),      \
		       vault_errmsg(v));                                        \
		if (fs_ != VAULT_OK)                                           \
			fail_msg("ATTACK SUCCEEDS (%s): a routine call is refused:" \
			         " %s: %s (%s)", tag_, what, vault_strerror(fs_),    \
			         vault_errmsg(v));                               \
	} while (0)

/* Does every open still verify (the auditor, from the log alone), and can
 * `user` list the case and the history of `name`? */
static void flow_check(const char *dir, const char *tag_, const char *user, const char *cs,
                       const char *name)
{
	vault_status st, hst;
	int nl = 0, nh = 0;

	th_forget_cache(dir, "aud");
	still_opens(dir, "aud", tag_);
	st = list_and_history(dir, user, cs, name, 1, &nl, &nh, &hst);
	if (st != VAULT_OK || hst != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (%s): after routine calls, %s's listing is %s, the"
		         " history of %s %s", tag_, user, vault_strerror(st), name,
		         vault_strerror(hst));
}

/* 40f: no attacker: moves between classes, up and down and up again,
 * deletions, redactions, writes in a transaction; then every open. */
static void test_attack__40f_flows_moves(void **state)
{
	const char *tag_ = "40f";
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	uint32_t ver = 0;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "second interview");
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL,
	                                VAULT_CLASS_SENSITIVE, NULL, &ver), "move up");
	vault_close(v);
	flow_check(dir, tag_, "cav_cw", cs, "intake");
	v = th_open(dir, "cav_sup");
	FLOW(v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_SENSITIVE,
	                                VAULT_CLASS_GENERAL, "moved back after review of the file",
	                                &ver), "move down");
	vault_close(v);
	flow_check(dir, tag_, "cav_sup", cs, "intake");
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_record_put(v, cs, "intake", VAULT_CLASS_GENERAL, "third", 5, NULL),
	     "put after the move down");
	/* the move down wrote its copies as the supervisor's: moving them up
	 * again is hers (80k) */
	status_is(v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL,
	                                     VAULT_CLASS_SENSITIVE, NULL, &ver),
	          VAULT_ERR_DENIED, "40f: the caseworker moves the supervisor's versions up");
	vault_close(v);
	v = th_open(dir, "cav_sup");
	FLOW(v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL,
	                                VAULT_CLASS_SENSITIVE, NULL, &ver), "move up again");
	vault_close(v);
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_record_put(v, cs, "intake", VAULT_CLASS_SENSITIVE, "fourth", 6, NULL),
	     "put in sensitive");
	FLOW(v, vault_record_delete_v2(v, cs, "intake", VAULT_CLASS_SENSITIVE, NULL), "delete");
	FLOW(v, vault_record_put(v, cs, "intake", VAULT_CLASS_SENSITIVE, "fifth", 5, NULL),
	     "put after delete");
	vault_close(v);
	flow_check(dir, tag_, "cav_cw", cs, "intake");
	v = th_open(dir, "cav_sup");
	FLOW(v, vault_record_redact(v, cs, "shelter", VAULT_CLASS_SAFETY, 1,
	                            "written in the wrong file by mistake"), "redact");
	FLOW(v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_SENSITIVE,
	                                VAULT_CLASS_SAFETY, NULL, &ver), "move up to safety");
	FLOW(v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_SAFETY, VAULT_CLASS_GENERAL,
	                                "all of it is fine for the general class", &ver),
	     "move down two classes");
	vault_close(v);
	flow_check(dir, tag_, "cav_sup", cs, "intake");
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_begin(v), "begin");
	FLOW(v, vault_record_put(v, cs, "a1", VAULT_CLASS_GENERAL, "x", 1, NULL), "txn put 1");
	FLOW(v, vault_record_put(v, cs, "a1", VAULT_CLASS_GENERAL, "y", 1, NULL), "txn put 2");
	FLOW(v, vault_record_put(v, cs, "a2", VAULT_CLASS_SAFETY, "z", 1, NULL), "txn put 3");
	FLOW(v, vault_record_delete(v, cs, "a2", NULL), "txn delete");
	FLOW(v, vault_commit(v), "commit");
	vault_close(v);
	flow_check(dir, tag_, "cav_cw", cs, "a1");
	th_rmdir(dir);
}


/* 40g: no attacker: consents, shares to a user, her organisation and a
 * colleague on one consent, its withdrawal (many grants revoked, each
 * class rotated), a re-share, a revocation, indicators, and disables
 * that rotate many cases; then every open. */
static void test_attack__40g_flows_sharing(void **state)
{
	const char *tag_ = "40g";
	char *dir = th_network();
	char cs[3][VAULT_ID_BUFSIZE], c1[VAULT_ID_BUFSIZE], c2[VAULT_ID_BUFSIZE];
	const char *as[2] = {"age_band=30-39", "violence=physical-assault"};
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	unsigned int all = VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY;
	vault *v;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		victim_case(dir, cs[i]);
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = all;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "housing";
	FLOW(v, vault_consent_add(v, cs[0], &co, c1), "consent 1");
	so.consent_id = c1;
	so.perm = VAULT_PERM_WRITE;
	FLOW(v, vault_share(v, cs[0], VAULT_PRINCIPAL_USER, "cas_cw", all, &so), "share cas_cw");
	FLOW(v, vault_share(v, cs[0], VAULT_PRINCIPAL_USER, "cas_sup", all, &so), "share cas_sup");
	FLOW(v, vault_share(v, cs[0], VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so),
	     "share cas");
	so.perm = VAULT_PERM_SHARE;
	FLOW(v, vault_share(v, cs[0], VAULT_PRINCIPAL_USER, "cas_cw", all, &so), "re-share cas_cw");
	FLOW(v, vault_case_indicators_set(v, cs[0], as, 2), "indicators 1");
	FLOW(v, vault_case_indicators_set(v, cs[0], as, 1), "indicators 2");
	vault_close(v);
	v = th_open(dir, "cas_cw");
	FLOW(v, vault_record_put(v, cs[0], "cas-note", VAULT_CLASS_SAFETY, "n", 1, NULL),
	     "cas_cw writes");
	FLOW(v, vault_case_indicators_set(v, cs[0], as, 2), "indicators by cas_cw");
	vault_close(v);
	flow_check(dir, tag_, "cav_cw", cs[0], "shelter");
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_consent_withdraw(v, c1), "withdraw consent 1");
	FLOW(v, vault_record_put(v, cs[0], "shelter", VAULT_CLASS_SAFETY, "via Po 7", 8, NULL),
	     "write after withdrawal");
	for (i = 0; i < 3; i++) {
		FLOW(v, vault_consent_add(v, cs[i], &co, c2), "consent 2");
		so.consent_id = c2;
		so.perm = VAULT_PERM_READ;
		FLOW(v, vault_share(v, cs[i], VAULT_PRINCIPAL_ORG, "cas", all, &so), "share org");
		FLOW(v, vault_share(v, cs[i], VAULT_PRINCIPAL_USER, "cas_cw", all, &so), "share user");
	}
	vault_close(v);
	flow_check(dir, tag_, "cas_cw", cs[0], "shelter");
	v = th_open(dir, "cas_sup");
	FLOW(v, vault_user_disable(v, "cas_cw"), "disable cas_cw");
	vault_close(v);
	flow_check(dir, tag_, "cav_cw", cs[1], "shelter");
	v = th_open(dir, "cav_sup");
	FLOW(v, vault_revoke(v, cs[1], VAULT_PRINCIPAL_ORG, "cas"), "revoke cas");
	FLOW(v, vault_user_disable(v, "cav_cw"), "disable cav_cw");
	FLOW(v, vault_record_put(v, cs[2], "shelter", VAULT_CLASS_SAFETY, "x", 1, NULL),
	     "supervisor writes");
	vault_close(v);
	flow_check(dir, tag_, "cav_sup", cs[2], "shelter");
	th_rmdir(dir);
}


/* 40h: 33e again, around its fix.  The replay reads a grant's owner flag
 * with img_int() (facts.c entitled(), T_GRANTS), which is 0 for anything
 * but a JSON integer; image_ok() lets any column of a signed image be a
 * string.  A sharer of another organisation signs a grant to her
 * organisation whose `owner` is the TEXT 'x' (an INTEGER column keeps a
 * text that is not a number as text): the replay sees no owner's hold,
 * but every revocation selects "owner = 0" (share.c revoke_grants), which
 * 'x' is not.  Her organisation's grant can never be revoked, and the
 * victim's consent never withdrawn. */
static void test_attack__40h_owner_flag_as_text_unrevocable(void **state)
{
	(void)state;
	signed_owner_grant("'x'", "40h");
}


/* 40i: 37's sibling in vault_audit_foreach (audit.c): it reads the log in
 * order and checks each entry it meets against what the handle verified,
 * but never that none is missing (vault__audit_log_check, which the
 * reports now call, does).  The reception caseworker reads the victim's
 * file; the auditor's handle, open all day, has verified it; the
 * caseworker moves her record.get entries out of the table (into a TEMP
 * table of her own connection), the auditor queries by actor, and she puts
 * them back: every later open verifies, nobody sees a trace. */
static int audit40i_cb(const vault_audit_entry *e, void *ctx)
{
	if (strcmp(e->action, "record.get") == 0)
		(*(int *)ctx)++;
	return 0;
}

static vault_status reads_of(vault *v, const char *actor, int *n)
{
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;

	q.actor = actor;
	*n = 0;
	return vault_audit_foreach(v, &q, audit40i_cb, n);
}

static void test_attack__40i_read_hidden_from_audit_query(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *txt = NULL;
	sqlite3 *db;
	vault_status st;
	vault *v;
	int n = 0;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_READ, 0, cid);
	status_is(NULL, get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &txt), VAULT_OK,
	          "her read");
	free(txt);
	v = th_open(dir, "aud");
	status_is(v, reads_of(v, "cas_cw", &n), VAULT_OK, "first query");
	assert_int_equal(n, 1); /* control: her read is shown */
	/* the attack: her entry out of the table, kept in her connection */
	db = th_db_open(dir, "cas_cw");
	assert_int_equal(sqlite3_exec(db, "CREATE TEMP TABLE stash AS SELECT * FROM main.audit"
	                              " WHERE actor = 'cas_cw' AND action = 'record.get';"
	                              " DELETE FROM main.audit WHERE actor = 'cas_cw' AND"
	                              " action = 'record.get'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	st = reads_of(v, "cas_cw", &n);
	printf("   40i: the auditor's second query: %s, %d reads (%s)\n", vault_strerror(st), n,
	       vault_errmsg(v));
	vault_close(v);
	/* and put back */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO main.audit SELECT * FROM stash;"
	                              " DROP TABLE stash", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	th_forget_cache(dir, "aud");
	still_opens(dir, "aud", "40i");
	if (st == VAULT_OK && n == 0)
		fail_msg("ATTACK SUCCEEDS (40i): her read of the case is gone from the auditor's"
		         " query by actor, which says nothing");
	th_rmdir(dir);
}


/* The owner's caseworker sets the case's indicators; the reception
 * caseworker, writer of general on the victim's consent, signs the next
 * version of them with `set` (SQL); then the owner sets and reads them
 * and her supervisor exports the statistics.  The attack fails if the
 * entry is refused or the owner can still set them. */
static void indicators_forged(const char *set, const char *tag_)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql, *note;
	const char *as[1] = {"age_band=30-39"};
	vault_buf b = VAULT_BUF_INIT;
	vault_status st, gt, ex;
	vault *v;

	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, vault_case_indicators_set(v, cs, as, 1), VAULT_OK, "indicators");
	vault_close(v);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_WRITE, 0, cid);
	sql = dup_printf("UPDATE indicators SET version = version + 1, author = 'cas_cw', %s"
	                 " WHERE case_id = '%s'", set, cs);
	st = forge(dir, "cas_cw", sql, "case.indicators.set", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, tag_);
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", tag_)) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_cw");
	st = vault_case_indicators_set(v, cs, as, 1);
	printf("   %s: the owner sets her indicators: %s (%s)\n", tag_, vault_strerror(st),
	       vault_errmsg(v));
	gt = vault_case_indicators_get(v, cs, &b);
	printf("   %s: and reads them: %s (%s)\n", tag_, vault_strerror(gt), vault_errmsg(v));
	vault_buf_free(&b);
	vault_close(v);
	note = stats_note(dir, "cav_sup", &ex);
	free(note);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (%s): after one accepted entry by a writer of general"
		         " (%s), the case's indicators can never be set again (%s), nor read (%s);"
		         " the centre's statistics export: %s", tag_, set, vault_strerror(st),
		         vault_strerror(gt), vault_strerror(ex));
	th_rmdir(dir);
}

/* 40j: 33d's sibling, with an entry the replay ACCEPTS.  A writer of
 * general (the reception caseworker, on the victim's consent) signs the
 * next version of the case's indicators, as the rule wants (the one before
 * + 1), with ciphertext nobody can open (facts.c entitled(), T_INDICATORS
 * checks the version and the right, never that the text opens).
 * vault_case_indicators_set() reads the old set to merge the new
 * assignments into it (indicators.c), fails authentication, and so the
 * indicators can never be set again, nor read; the statistics export of
 * the owning centre reads every case's indicators. */
static void test_attack__40j_signed_indicators_garbage_freezes(void **state)
{
	(void)state;
	indicators_forged("nonce = randomblob(length(nonce)), ct = randomblob(length(ct))", "40j");
}



/* ---- 50. a fifth insider review: commit ec77608 (1.x conversions, typed
 * statements, indicators replaced, audit gaps) ---- */

/* Seal `text` as version ver, epoch ep of (cs, cls, name) under its tag,
 * as the library's conversion does (padded content, sealed label). */
static void seal_converted(vault *v, const char *cs, unsigned int cls, const char *name,
                           uint32_t ver, uint32_t ep, const char *text,
                           unsigned char tag[VAULT_NAME_TAG_BYTES],
                           unsigned char label[VAULT_LABEL_BYTES],
                           unsigned char nonce[24], unsigned char **ct, size_t *ctlen,
                           size_t *padded)
{
	unsigned char key[32], ad[512], *pt;
	size_t len = strlen(text), cap = vault__padme(len), adlen;

	assert_int_equal(vault__name_tag(v, cs, cls, name, tag), VAULT_OK);
	assert_int_equal(vault__class_key(v, cs, cls, ep, key), VAULT_OK);
	pt = calloc(1, cap + 1);
	memcpy(pt, text, len);
	assert_int_equal(vault__pad(pt, len, cap, padded), 0);
	adlen = vault__record_ad(ad, sizeof(ad), cs, name, ver, cls, ep);
	ad[adlen++] = 1; /* padded content (cases.c content_ad) */
	randombytes_buf(nonce, 24);
	*ct = malloc(*padded + 16);
	crypto_aead_xchacha20poly1305_ietf_encrypt(*ct, NULL, pt, *padded, ad, adlen, NULL,
	                                           nonce, key);
	*ctlen = *padded + 16;
	assert_int_equal(vault__label_seal(v, cs, cls, ver, ep, tag, name, len, label), VAULT_OK);
	free(pt);
}

/* In a transaction of v: remove the legacy facts of (cs, cls, name), as a
 * conversion states them, and read its one 1.x row's version, epoch and
 * size. */
static void legacy_removal_begin(vault *v, const char *cs, unsigned int cls, const char *name,
                                 uint32_t *ver, uint32_t *ep, size_t *size)
{
	sqlite3_stmt *s = NULL;
	vault_status st;
	char where[96];

	st = vault__txn_begin(v);
	if (st == VAULT_OK)
		st = vault__facts_check_case(v, cs);
	snprintf(where, sizeof(where), "case_id = ?1 AND name = ?2 AND class = %u", cls);
	if (st == VAULT_OK)
		st = vault__facts_note_delete(v, "records", where, cs, name);
	assert_int_equal(st, VAULT_OK);
	assert_int_equal(sqlite3_prepare_v2(v->db, "SELECT version, epoch, size FROM records WHERE"
	                                           " case_id = ?1 AND name = ?2 AND class = ?3",
	                                    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, cs, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, (int)cls);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW); /* one 1.x row */
	*ver = (uint32_t)sqlite3_column_int64(s, 0);
	*ep = (uint32_t)sqlite3_column_int64(s, 1);
	*size = (size_t)sqlite3_column_int64(s, 2);
	sqlite3_finalize(s);
}

/* Label what v's transaction wrote as a read of cs, sign it and commit. */
static vault_status forged_read_end(vault *v, const char *cs)
{
	audit_event e;
	vault_status st, st2;

	memset(&e, 0, sizeof(e));
	e.action = "record.get";
	e.case_id = cs;
	e.target = "";
	e.outcome = VAULT_OUTCOME_OK;
	e.reason = "";
	st = vault__audit_append(v, &e);
	st2 = vault__txn_end(v, st == VAULT_OK);
	return st == VAULT_OK ? st2 : st;
}

/* As `user`, through the library's own machinery (forge()), one entry that
 * "converts" the 1.x rows of (cs, cls, name): each legacy fact removed and
 * the row restated under its tag, as convert_legacy() does, but with a
 * text and an author of her choosing; and, when extra_name is not NULL, a
 * new record of that name at the same version, "written" by `author`.
 * The entry is labelled as a read. */
static vault_status forge_conversion(const char *dir, const char *user, const char *cs,
                                     unsigned int cls, const char *name, const char *text,
                                     const char *author, const char *extra_name,
                                     const char *extra_text)
{
	vault *v = th_open(dir, user);
	vault_status st;
	sqlite3_stmt *u = NULL;
	uint32_t ver, ep;
	size_t size;
	int n = 0;

	legacy_removal_begin(v, cs, cls, name, &ver, &ep, &size);
	{
		unsigned char tag[VAULT_NAME_TAG_BYTES], label[VAULT_LABEL_BYTES], nonce[24], *ct;
		size_t ctlen, padded;

		seal_converted(v, cs, cls, name, ver, ep, text, tag, label, nonce, &ct, &ctlen,
		               &padded);
		assert_int_equal(sqlite3_prepare_v2(v->db, "UPDATE records SET name = ?4, label = ?5,"
		                                           " size = ?6, nonce = ?7, ct = ?8, padded = 1,"
		                                           " author = ?9 WHERE case_id = ?1 AND"
		                                           " name = ?2 AND class = ?3", -1, &u, NULL),
		                 SQLITE_OK);
		sqlite3_bind_text(u, 1, cs, -1, SQLITE_STATIC);
		sqlite3_bind_text(u, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int(u, 3, (int)cls);
		sqlite3_bind_blob(u, 4, tag, sizeof(tag), SQLITE_TRANSIENT);
		sqlite3_bind_blob(u, 5, label, sizeof(label), SQLITE_TRANSIENT);
		sqlite3_bind_int64(u, 6, (sqlite3_int64)padded);
		sqlite3_bind_blob(u, 7, nonce, 24, SQLITE_TRANSIENT);
		sqlite3_bind_blob(u, 8, ct, (int)ctlen, SQLITE_TRANSIENT);
		sqlite3_bind_text(u, 9, author, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(u), SQLITE_DONE);
		n = sqlite3_changes(v->db);
		sqlite3_finalize(u);
		free(ct);
		assert_int_equal(n, 1);
		if (extra_name != NULL) {
			seal_converted(v, cs, cls, extra_name, ver, ep, extra_text, tag, label, nonce,
			               &ct, &ctlen, &padded);
			assert_int_equal(sqlite3_prepare_v2(v->db, "INSERT INTO records(case_id, name,"
			                                           " version, class, epoch, deleted, size,"
			                                           " author, created, nonce, ct, label,"
			                                           " padded) VALUES(?1, ?2, ?3, ?4, ?5, 0,"
			                                           " ?6, ?7, 1400000000, ?8, ?9, ?10, 1)",
			                                    -1, &u, NULL), SQLITE_OK);
			sqlite3_bind_text(u, 1, cs, -1, SQLITE_STATIC);
			sqlite3_bind_blob(u, 2, tag, sizeof(tag), SQLITE_TRANSIENT);
			sqlite3_bind_int64(u, 3, ver);
			sqlite3_bind_int(u, 4, (int)cls);
			sqlite3_bind_int64(u, 5, ep);
			sqlite3_bind_int64(u, 6, (sqlite3_int64)padded);
			sqlite3_bind_text(u, 7, author, -1, SQLITE_STATIC);
			sqlite3_bind_blob(u, 8, nonce, 24, SQLITE_TRANSIENT);
			sqlite3_bind_blob(u, 9, ct, (int)ctlen, SQLITE_TRANSIENT);
			sqlite3_bind_blob(u, 10, label, sizeof(label), SQLITE_TRANSIENT);
			assert_int_equal(sqlite3_step(u), SQLITE_DONE);
			sqlite3_finalize(u);
			free(ct);
		}
	}
	st = forged_read_end(v, cs);
	printf("   forged conversion as %s: %s (%s)\n", user, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	return st;
}

typedef struct v1seen {
	char author[64];
	int versions;
} v1seen;

static int v1_cb(const vault_record_info *i, void *ctx)
{
	v1seen *s = ctx;

	if (i->version == 1)
		snprintf(s->author, sizeof(s->author), "%s", i->author ? i->author : "");
	s->versions++;
	return 0;
}

/* Version `ver` of (cs, name, cls) as `user` reads it (her handle opened
 * without cache): text into *text (malloc'ed), its author into seen. */
static vault_status read_version(const char *dir, const char *user, const char *cs,
                                 const char *name, unsigned int cls, uint32_t ver,
                                 char **text, v1seen *seen)
{
	vault_buf b = VAULT_BUF_INIT;
	vault_status st;
	vault *v;

	*text = NULL;
	memset(seen, 0, sizeof(*seen));
	th_forget_cache(dir, user);
	v = victim_open(dir, user, &st);
	if (v == NULL)
		return st;
	st = vault_record_get_v2(v, cs, name, cls, ver, &b, NULL, NULL);
	if (st == VAULT_OK) {
		*text = calloc(1, b.len + 1);
		memcpy(*text, b.data, b.len);
		st = vault_record_history_v2(v, cs, name, cls, v1_cb, seen);
	}
	printf("   %s reads %s v%u: %s (%s) \"%s\" by %s\n", user, name, (unsigned)ver,
	       vault_strerror(st), vault_errmsg(v), *text ? *text : "", seen->author);
	vault_buf_free(&b);
	vault_close(v);
	return st;
}

/* 50a: the pairing of a conversion (facts.c entitled(), T_RECORDS:
 * `converted`, paired_row) checks case, class and version of the restated
 * row against a removed legacy fact, never its author or its content: the
 * removal's fact is gone when the image is judged, and nothing compares
 * the two.  The owning centre's supervisor (a writer of general, not the
 * author) "converts" the caseworker's 1.0 intake: version 1 now holds a
 * text of hers, still "by cav_cw", and a new record "statement" appears
 * at version 1, also "by cav_cw".  The entry is labelled a read. */
static void test_attack__50a_conversion_rewrites_legacy_version(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	const char *forged = "she withdrew the complaint of her own will";
	const char *fabricated = "I made it all up. (signed) the caseworker";
	char *text = NULL, *t2 = NULL;
	v1seen seen, seen2;
	vault_status st, st2;

	(void)state;
	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	fixture_passwd(dir, "cav_sup");
	/* control: the 1.0 intake, by the caseworker */
	status_is(NULL, read_version(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, 1, &text,
	                             &seen), VAULT_OK, "50a: control read");
	assert_string_equal(text, "first interview");
	assert_string_equal(seen.author, "cav_cw");
	free(text);
	st = forge_conversion(dir, "cav_sup", cs, VAULT_CLASS_GENERAL, "intake", forged, "cav_cw",
	                      "statement", fabricated);
	if (st != VAULT_OK) {
		refused(NULL, st, "50a forge");
		th_rmdir(base);
		return;
	}
	/* control: the row is hers, under the tag, "by" the caseworker */
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM records WHERE case_id ="
	                          " '%s' AND class = 1 AND typeof(name) = 'blob' AND author ="
	                          " 'cav_cw' AND version = 1", cs), 2);
	if (open_refuses_entry_of(dir, "cav_cw", "cav_sup", "50a")) {
		th_rmdir(base);
		return;
	}
	st = read_version(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, 1, &text, &seen);
	st2 = read_version(dir, "cav_cw", cs, "statement", VAULT_CLASS_GENERAL, 1, &t2, &seen2);
	if ((st == VAULT_OK && strcmp(text, forged) == 0 && strcmp(seen.author, "cav_cw") == 0) ||
	    (st2 == VAULT_OK && strcmp(t2, fabricated) == 0 && strcmp(seen2.author, "cav_cw") == 0))
		fail_msg("ATTACK SUCCEEDS (50a): every open verifies, and the caseworker's 1.0"
		         " intake, version 1, now reads \"%s\" by %s (%d versions), and a record"
		         " she never wrote reads \"%s\" by %s; the supervisor's entry is a"
		         " record.get", text ? text : "", seen.author, seen.versions, t2 ? t2 : "",
		         seen2.author);
	free(text);
	free(t2);
	th_rmdir(base);
}

/* The 1.0.0 fixture, every user's first passphrase changed. */
static void fixture_ready(char *base, char *dir, size_t cap, char cs[VAULT_ID_BUFSIZE])
{
	th_fixture_1_0_0(FIXTURES, base, dir, cap, cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	fixture_passwd(dir, "cav_sup");
	fixture_passwd(dir, "aud");
}

/* After routine calls on the fixture: the auditor opens from the log, the
 * caseworker lists the case and the history of `name` from the log and
 * then from her cache, the supervisor from the log; `nlist` records. */
static void fx_check(const char *dir, const char *tag_, const char *cs, const char *name,
                     int nlist)
{
	const char *who[3] = {"cav_cw", "cav_cw", "cav_sup"};
	int i, nl, nh;
	vault_status st, hst;

	th_forget_cache(dir, "aud");
	still_opens(dir, "aud", tag_);
	for (i = 0; i < 3; i++) {
		nl = nh = 0;
		st = list_and_history(dir, who[i], cs, name, i != 1, &nl, &nh, &hst);
		if (st != VAULT_OK || hst != VAULT_OK)
			fail_msg("ATTACK SUCCEEDS (%s): after routine calls on a 1.0 vault, %s's"
			         " listing (%s) is %s, the history of %s %s", tag_, who[i],
			         i == 1 ? "her cache" : "the log", vault_strerror(st), name,
			         vault_strerror(hst));
		if (nlist >= 0 && nl != nlist)
			fail_msg("%s: %s lists %d records, expected %d", tag_, who[i], nl, nlist);
	}
}

/* 50b: no attacker.  On the 1.0.0 fixture: the supervisor's write converts
 * the caseworker's intake; the supervisor moves it up to safety (the
 * caseworker may not: the versions are not all hers, 80k); the
 * supervisor redacts the converted version 1 there; the caseworker deletes
 * the record and writes it again.  Every open verifies after each. */
static void test_attack__50b_flows_legacy_converted_then_moved(void **state)
{
	const char *tag_ = "50b";
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	uint32_t ver = 0;
	vault *v;

	(void)state;
	fixture_ready(base, dir, sizeof(dir), cs);
	v = th_open(dir, "cav_sup");
	FLOW(v, vault_record_put(v, cs, "intake", VAULT_CLASS_GENERAL, "sup note", 8, NULL),
	     "supervisor converts intake");
	vault_close(v);
	fx_check(dir, tag_, cs, "intake", 3);
	v = th_open(dir, "cav_cw");
	status_is(v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL,
	                                     VAULT_CLASS_SAFETY, NULL, &ver),
	          VAULT_ERR_DENIED, "50b: the caseworker moves the supervisor's version up");
	vault_close(v);
	v = th_open(dir, "cav_sup");
	FLOW(v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL, VAULT_CLASS_SAFETY,
	                                NULL, &ver), "move converted intake up to safety");
	vault_close(v);
	fx_check(dir, tag_, cs, "intake", 4);
	v = th_open(dir, "cav_sup");
	FLOW(v, vault_record_redact(v, cs, "intake", VAULT_CLASS_SAFETY, 1,
	                            "written in the wrong file by mistake"), "redact moved v1");
	vault_close(v);
	fx_check(dir, tag_, cs, "intake", 4);
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_record_delete_v2(v, cs, "intake", VAULT_CLASS_SAFETY, NULL), "delete");
	FLOW(v, vault_record_put(v, cs, "intake", VAULT_CLASS_SAFETY, "again", 5, NULL),
	     "write after delete");
	vault_close(v);
	fx_check(dir, tag_, cs, "intake", 4);
	th_rmdir(base);
}

/* 50c: no attacker.  A supervisor redacts a version 1.0 wrote (routine:
 * the old shelter address must go); its fact is restated by the redaction
 * (facts.c put_fact(..., legacy = 0)), so it is no longer "legacy", but its
 * row still holds the 1.x name.  The caseworker's next write to the
 * record converts that row (cases.c convert_legacy): the entry states the
 * removal of a fact that is not legacy, which entitled() (T_RECORDS) calls
 * "a record version is never removed".  The library's own commit only
 * marks its facts dirty: the entry is signed and committed. */
static void test_attack__50c_legacy_redacted_then_written_locks_out(void **state)
{
	const char *tag_ = "50c";
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	vault *v;

	(void)state;
	fixture_ready(base, dir, sizeof(dir), cs);
	v = th_open(dir, "cav_sup");
	FLOW(v, vault_record_redact(v, cs, "addr", VAULT_CLASS_SAFETY, 1,
	                            "the old address must not stay on file"), "redact 1.x addr v1");
	vault_close(v);
	fx_check(dir, tag_, cs, "addr", 3); /* control: still fine */
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_record_put(v, cs, "addr", VAULT_CLASS_SAFETY, "via Po 7", 8, NULL),
	     "the caseworker writes the new address");
	vault_close(v);
	fx_check(dir, tag_, cs, "addr", 3);
	th_rmdir(base);
}

/* 50d: no attacker.  Three conversions (intake, addr in general whose
 * versions start at 2, addr in safety) and a delete in one vault_begin()
 * transaction; then moves of the record whose 1.x rows sit in two classes. */
static void test_attack__50d_flows_legacy_in_one_transaction(void **state)
{
	const char *tag_ = "50d";
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	uint32_t ver = 0;
	vault *v;

	(void)state;
	fixture_ready(base, dir, sizeof(dir), cs);
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_begin(v), "begin");
	FLOW(v, vault_record_put(v, cs, "intake", VAULT_CLASS_GENERAL, "a", 1, NULL), "put intake");
	FLOW(v, vault_record_put(v, cs, "addr", VAULT_CLASS_GENERAL, "b", 1, NULL), "put addr g");
	FLOW(v, vault_record_put(v, cs, "addr", VAULT_CLASS_SAFETY, "c", 1, NULL), "put addr s");
	FLOW(v, vault_record_delete_v2(v, cs, "intake", VAULT_CLASS_GENERAL, NULL), "del intake");
	FLOW(v, vault_commit(v), "commit");
	vault_close(v);
	fx_check(dir, tag_, cs, "addr", 3);
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_record_reclassify(v, cs, "addr", VAULT_CLASS_GENERAL, VAULT_CLASS_SAFETY,
	                                NULL, &ver), "move addr up onto its safety record");
	vault_close(v);
	fx_check(dir, tag_, cs, "addr", 3);
	th_rmdir(base);
}

/* 50e: no attacker.  The caseworker moves the 1.x `addr` of general up
 * to safety (a move up redacts the copies it leaves, here a 1.x row whose
 * fact loses its legacy mark), then writes a new general note under the
 * same name: its conversion states the removal of that redacted,
 * no-longer-legacy fact (as 50c). */
static void test_attack__50e_legacy_moved_up_then_written_locks_out(void **state)
{
	const char *tag_ = "50e";
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	uint32_t ver = 0;
	vault *v;

	(void)state;
	fixture_ready(base, dir, sizeof(dir), cs);
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_record_reclassify(v, cs, "addr", VAULT_CLASS_GENERAL, VAULT_CLASS_SAFETY,
	                                NULL, &ver), "move 1.x addr up to safety");
	vault_close(v);
	fx_check(dir, tag_, cs, "addr", 3); /* control */
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_record_put(v, cs, "addr", VAULT_CLASS_GENERAL, "see safety", 10, NULL),
	     "a new general note named addr");
	vault_close(v);
	fx_check(dir, tag_, cs, "addr", 3);
	th_rmdir(base);
}

/* 50f: no attacker.  The other 1.x flows: an unconverted 1.x record
 * deleted, and moved up (by the supervisor), then written again. */
static void test_attack__50f_flows_legacy_delete_and_move(void **state)
{
	const char *tag_ = "50f";
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	uint32_t ver = 0;
	vault *v;

	(void)state;
	fixture_ready(base, dir, sizeof(dir), cs);
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_record_delete_v2(v, cs, "addr", VAULT_CLASS_GENERAL, NULL),
	     "delete the unconverted 1.x addr in general (its version 2 alone)");
	vault_close(v);
	fx_check(dir, tag_, cs, "addr", 3);
	v = th_open(dir, "cav_sup");
	FLOW(v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL,
	                                VAULT_CLASS_SENSITIVE, NULL, &ver),
	     "move the 1.x intake up to sensitive");
	vault_close(v);
	fx_check(dir, tag_, cs, "intake", 4);
	v = th_open(dir, "cav_cw");
	FLOW(v, vault_record_put(v, cs, "intake", VAULT_CLASS_SENSITIVE, "more", 4, NULL),
	     "write the moved intake");
	FLOW(v, vault_record_put(v, cs, "addr", VAULT_CLASS_GENERAL, "again", 5, NULL),
	     "write addr in general after its delete");
	vault_close(v);
	fx_check(dir, tag_, cs, "addr", 4);
	th_rmdir(base);
}

static int case_cb50(const vault_case_info *info, void *ctx)
{
	(void)info;
	(*(int *)ctx)++;
	return 0;
}

/* One handle lists while another writes: every call of A after each of
 * B's steps must be OK and right. */
static void two_handles_step(vault *a, const char *tag_, const char *cs, const char *name,
                             int nlist, const char *what)
{
	int nl = 0, nh = 0, nc = 0;
	vault_status st, hst, cst;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;

	st = vault_record_foreach(a, cs, count_cb, &nl);
	hst = vault_record_history(a, cs, name, count_cb, &nh);
	cst = vault_case_foreach(a, case_cb50, &nc);
	printf("   %s after %s: listing %s %d, history %s %d, cases %s %d (%s)\n", tag_, what,
	       vault_strerror(st), nl, vault_strerror(hst), nh, vault_strerror(cst), nc,
	       vault_errmsg(a));
	if (st != VAULT_OK || hst != VAULT_OK || cst != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (%s): while another handle writes (%s), a listing is"
		         " %s, a history %s, the case list %s (%s)", tag_, what, vault_strerror(st),
		         vault_strerror(hst), vault_strerror(cst), vault_errmsg(a));
	if (nlist >= 0 && nl != nlist)
		fail_msg("%s: %d records listed after %s, expected %d", tag_, nl, what, nlist);
	(void)q;
}

/* 50g: no attacker.  Two handles open at once (the caseworker's and her
 * supervisor's): the supervisor lists, reads the history and the case list
 * after each write of the caseworker (a new record, a new version, a
 * delete, a move, a transaction still open), on the 1.0.0 fixture (the
 * writes convert 1.x records under the listing handle's older facts). */
static void test_attack__50g_two_handles_list_while_other_writes(void **state)
{
	const char *tag_ = "50g";
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	uint32_t ver = 0;
	vault *a, *b;
	int n = 0;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;

	(void)state;
	fixture_ready(base, dir, sizeof(dir), cs);
	a = th_open(dir, "cav_sup");
	b = th_open(dir, "cav_cw");
	two_handles_step(a, tag_, cs, "intake", 3, "nothing");
	FLOW(b, vault_record_put(b, cs, "intake", VAULT_CLASS_GENERAL, "x", 1, NULL), "convert");
	two_handles_step(a, tag_, cs, "intake", 3, "a conversion");
	FLOW(b, vault_record_put(b, cs, "new", VAULT_CLASS_SAFETY, "y", 1, NULL), "new record");
	two_handles_step(a, tag_, cs, "new", 4, "a new record");
	FLOW(b, vault_record_put(b, cs, "addr", VAULT_CLASS_SAFETY, "z", 1, NULL), "convert 2");
	FLOW(b, vault_record_delete_v2(b, cs, "new", VAULT_CLASS_SAFETY, NULL), "delete");
	two_handles_step(a, tag_, cs, "addr", 4, "a delete");
	FLOW(b, vault_record_reclassify(b, cs, "intake", VAULT_CLASS_GENERAL,
	                                VAULT_CLASS_SENSITIVE, NULL, &ver), "move");
	two_handles_step(a, tag_, cs, "intake", 5, "a move");
	FLOW(b, vault_begin(b), "begin");
	FLOW(b, vault_record_put(b, cs, "t1", VAULT_CLASS_GENERAL, "t", 1, NULL), "txn put");
	/* (a listing writes its own entry: BUSY while b holds the write lock) */
	FLOW(b, vault_commit(b), "commit");
	two_handles_step(a, tag_, cs, "t1", 6, "its commit");
	/* the auditor's query while the log grows from another handle */
	vault_close(a);
	a = th_open(dir, "aud");
	FLOW(a, vault_audit_foreach(a, &q, audit40i_cb, &n), "audit query");
	FLOW(b, vault_record_put(b, cs, "t1", VAULT_CLASS_GENERAL, "u", 1, NULL), "put");
	q.after_seq = 3;
	q.limit = 5;
	FLOW(a, vault_audit_foreach(a, &q, audit40i_cb, &n), "audit query, after 3, limit 5");
	q.after_seq = 0;
	q.limit = 0;
	FLOW(a, vault_audit_foreach(a, &q, audit40i_cb, &n), "audit query after growth");
	q.after_seq = 100000;
	FLOW(a, vault_audit_foreach(a, &q, audit40i_cb, &n), "audit query after the end");
	vault_close(a);
	vault_close(b);
	fx_check(dir, tag_, cs, "t1", 6);
	th_rmdir(base);
}

/* 50h: the replacement of indicators that "do not open" (indicators.c
 * vault_case_indicators_set, ec77608) takes any VAULT_ERR_CORRUPT of
 * vault__ind_read() as "the stored set is garbage", but a CORRUPT also
 * comes from the KEY look-up (gate.c vault__class_key: an organisation
 * seal that does not open, org_keys and class_keys are not facts).  The
 * victim's general class rotated after her indicators were set (a
 * revocation); a key-slot holder of another organisation points the
 * centre's seal of the OLD epoch at an organisation-key epoch 999 and
 * plants an org_keys row for the caseworker there that opens to nothing.
 * The stored set is intact, its epoch committed.  The caseworker adds one
 * indicator: does her set destroy the others? */
static void test_attack__50h_indicators_destroyed_by_planted_org_seal(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *got = NULL;
	const char *as[2] = {"age_band=30-39", "violence=physical-assault"};
	const char *more[1] = {"age_band=40-49"};
	vault_buf b = VAULT_BUF_INIT;
	long long e1, e2;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, vault_case_indicators_set(v, cs, as, 2), VAULT_OK, "indicators");
	vault_close(v);
	e1 = sql_intf(dir, "cav_cw", "SELECT epoch FROM indicators WHERE case_id = '%s'", cs);
	/* a routine rotation of general: a share, then its revocation */
	share_general_to_cas_cw(dir, cs, VAULT_PERM_READ, 0, cid);
	status_is(NULL, as_user(dir, "cav_cw", 0, cs, "cas_cw"), VAULT_OK, "revoke");
	e2 = sql_intf(dir, "cav_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s' AND"
	              " class = 1", cs);
	assert_true(e2 > e1); /* control: the set sits under an older epoch */
	/* the attack (cuav_cw: SQL only; seals are not facts) */
	SQLF(dir, "cuav_cw", "UPDATE class_keys SET hepoch = 999 WHERE case_id = '%s' AND"
	     " class = 1 AND epoch = %lld AND hkind = 1 AND holder = 'cav';"
	     " DELETE FROM class_keys WHERE case_id = '%s' AND class = 1 AND epoch = %lld AND"
	     " hkind = 2 AND holder = 'cav_cw';"
	     " INSERT INTO org_keys(org, epoch, which, user, sealed) VALUES('cav', 999, 1,"
	     " 'cav_cw', randomblob(80))", cs, e1, cs, e1);
	assert_int_equal(sql_intf(dir, "cuav_cw", "SELECT count(*) FROM class_keys WHERE case_id"
	                          " = '%s' AND class = 1 AND epoch = %lld AND hepoch = 999", cs, e1),
	                 1);
	v = victim_open(dir, "cav_cw", &st);
	if (v == NULL) {
		refused(NULL, st, "50h open");
		th_rmdir(dir);
		return;
	}
	st = vault_case_indicators_set(v, cs, more, 1);
	printf("   50h: the caseworker adds one indicator: %s (%s)\n", vault_strerror(st),
	       vault_errmsg(v));
	if (st == VAULT_OK && vault_case_indicators_get(v, cs, &b) == VAULT_OK) {
		got = calloc(1, b.len + 1);
		memcpy(got, b.data, b.len);
	}
	vault_buf_free(&b);
	vault_close(v);
	printf("   50h: the indicators now: %s\n", got ? got : "(none)");
	if (st == VAULT_OK && got != NULL && strstr(got, "physical-assault") == NULL)
		fail_msg("ATTACK SUCCEEDS (50h): the caseworker's routine set destroyed the"
		         " case's other indicators (now \"%s\"), signed by her: the stored set"
		         " was intact, only its key look-up was made to fail", got);
	free(got);
	th_rmdir(dir);
}



/* ---- 60. a sixth insider review: the pairing of 3bb51bd ---- */

/* ?1-?3 the 1.x row (case, name, class), ?4 a tag and ?5 a label. */
static void bind60(sqlite3_stmt *s, const char *cs, unsigned int cls, const char *name,
                   const unsigned char tag[VAULT_NAME_TAG_BYTES],
                   const unsigned char label[VAULT_LABEL_BYTES])
{
	sqlite3_bind_text(s, 1, cs, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, (int)cls);
	sqlite3_bind_blob(s, 4, tag, VAULT_NAME_TAG_BYTES, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 5, label, VAULT_LABEL_BYTES, SQLITE_TRANSIENT);
}

/* As `user`: remove the legacy facts of (cs, cls, name) and restate the row
 * under its tag, with mode 1: a label sealing another name; 2: the
 * padded column set; 3: a second row (the same columns) under the tag of
 * "statement"; 4: a label sealing its own name and another size.  Labelled
 * a read. */
static vault_status forge60(const char *dir, const char *user, const char *cs,
                            unsigned int cls, const char *name, int mode)
{
	vault *v = th_open(dir, user);
	vault_status st;
	sqlite3_stmt *s = NULL;
	unsigned char tag[VAULT_NAME_TAG_BYTES], label[VAULT_LABEL_BYTES];
	unsigned char tag2[VAULT_NAME_TAG_BYTES], label2[VAULT_LABEL_BYTES];
	uint32_t ver, ep;
	size_t size;

	legacy_removal_begin(v, cs, cls, name, &ver, &ep, &size);
	assert_int_equal(vault__name_tag(v, cs, cls, name, tag), VAULT_OK);
	assert_int_equal(vault__label_seal(v, cs, cls, ver, ep, tag,
	                                   mode == 1 ? "statement" : name,
	                                   mode == 4 ? 9999 : size, label),
	                 VAULT_OK);
	if (mode == 3) {
		assert_int_equal(vault__name_tag(v, cs, cls, "statement", tag2), VAULT_OK);
		assert_int_equal(vault__label_seal(v, cs, cls, ver, ep, tag2, "statement", size,
		                                   label2), VAULT_OK);
		assert_int_equal(sqlite3_prepare_v2(v->db, "INSERT INTO records(case_id, name, class,"
		                 " version, epoch, deleted, size, author, created, nonce, ct,"
		                 " redacted_by, redacted_at, redact_reason, label, padded) SELECT"
		                 " case_id, ?4, class, version, epoch, deleted, size, author, created,"
		                 " nonce, ct, redacted_by, redacted_at, redact_reason, ?5, padded FROM"
		                 " records WHERE case_id = ?1 AND name = ?2 AND class = ?3", -1, &s,
		                 NULL), SQLITE_OK);
		bind60(s, cs, cls, name, tag2, label2);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
		sqlite3_finalize(s);
	}
	assert_int_equal(sqlite3_prepare_v2(v->db, mode == 2
	                 ? "UPDATE records SET name = ?4, label = ?5, padded = 1 WHERE case_id = ?1"
	                   " AND name = ?2 AND class = ?3"
	                 : "UPDATE records SET name = ?4, label = ?5 WHERE case_id = ?1"
	                   " AND name = ?2 AND class = ?3", -1, &s, NULL), SQLITE_OK);
	bind60(s, cs, cls, name, tag, label);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(v->db), 1);
	sqlite3_finalize(s);
	st = forged_read_end(v, cs);
	printf("   forge60 mode %d as %s: %s (%s)\n", mode, user, vault_strerror(st),
	       vault_errmsg(v));
	vault_close(v);
	return st;
}

typedef struct names60 {
	int statement, intake, n;
	size_t isize;
	vault_status listed;
} names60;

static int names60_cb(const vault_record_info *i, void *ctx)
{
	names60 *s = ctx;

	printf("   listed: %s v%u class %d size %zu by %s\n", i->name, (unsigned)i->version,
	       (int)i->cls, i->size, i->author ? i->author : "");
	if (strcmp(i->name, "statement") == 0)
		s->statement++;
	if (strcmp(i->name, "intake") == 0) {
		s->intake++;
		s->isize = i->size;
	}
	s->n++;
	return 0;
}

/* After a forge60: does every open verify (the caseworker's from the log),
 * and what does her listing show?  1 when the open refused. */
static int after60(const char *dir, const char *cs, const char *tag_, names60 *nm)
{
	vault_status st;
	vault *v;

	memset(nm, 0, sizeof(*nm));
	th_forget_cache(dir, "cav_cw");
	if (open_refuses_entry_of(dir, "cav_cw", "cav_sup", tag_))
		return 1;
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_record_foreach(v, cs, names60_cb, nm);
	printf("   %s: listing %s (%s)\n", tag_, vault_strerror(st), vault_errmsg(v));
	nm->listed = st;
	vault_close(v);
	return 0;
}

/* Forge in `mode` (forge60) on the 1.0.0 fixture as the supervisor, then
 * the caseworker opens and lists.  Returns 0 when the forge or an open was
 * refused (nothing more to judge), else 1 with *nm what the listing shows. */
static int attack60(int mode, const char *tag, names60 *nm)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "", what[32];
	vault_status st;
	int listed = 0;

	fixture_ready(base, dir, sizeof(dir), cs);
	st = forge60(dir, "cav_sup", cs, VAULT_CLASS_GENERAL, "intake", mode);
	snprintf(what, sizeof(what), "%s forge", tag);
	if (st != VAULT_OK)
		refused(NULL, st, what);
	else
		listed = !after60(dir, cs, tag, nm);
	th_rmdir(base);
	return listed;
}

/* 60a: a conversion by another writer (the supervisor) whose label seals
 * another name ("statement"): converts() sets column 14 to null before
 * hashing, so the replay never sees the label's content; the reader must. */
static void test_attack__60a_conversion_label_rewritten(void **state)
{
	names60 nm;

	(void)state;
	if (!attack60(1, "60a", &nm))
		return;
	if (nm.statement > 0)
		fail_msg("ATTACK SUCCEEDS (60a): every open verifies; the supervisor's \"read\""
		         " relabelled the caseworker's 1.0 intake: the listing shows %d record(s)"
		         " \"statement\" and intake %d times", nm.statement, nm.intake);
	/* Refused, and as what it is: the label is not the row's. */
	assert_int_equal(nm.listed, VAULT_ERR_INTEGRITY);
}

/* 60d: the same, the label keeping the name and giving another size. */
static void test_attack__60d_conversion_label_resized(void **state)
{
	names60 nm;

	(void)state;
	if (!attack60(4, "60d", &nm))
		return;
	if (nm.isize == 9999)
		fail_msg("ATTACK SUCCEEDS (60d): every open verifies; the caseworker's 1.0 intake"
		         " is listed with the size the supervisor's label gives (%zu)", nm.isize);
	assert_int_equal(nm.listed, VAULT_ERR_INTEGRITY);
}

/* 60b: a conversion that also sets `padded` (a column other than name and
 * label): the hash must differ. */
static void test_attack__60b_conversion_padded_changed(void **state)
{
	names60 nm;

	(void)state;
	if (attack60(2, "60b", &nm))
		fail_msg("ATTACK SUCCEEDS (60b): a conversion that changed `padded` verifies");
}

/* 60c: one removal, two rows: the legacy intake restated under its tag and
 * again, the same columns, under the tag of "statement" (by cav_cw). */
static void test_attack__60c_one_removal_two_rows(void **state)
{
	names60 nm;

	(void)state;
	if (attack60(3, "60c", &nm))
		fail_msg("ATTACK SUCCEEDS (60c): one removal paired with two rows verifies (%d"
		         " \"statement\")", nm.statement);
}

/* 61: a link is sealed under the victim case's key and checked by the
 * replay against her case only (its other end is not in clear), so the
 * library must check the other case's row before it believes its kind:
 * a key-slot holder turns a second victim case into a "perpetrator" case
 * in `cases.kind`, and the caseworker's link is made to it. */
static void test_attack__61_link_to_changed_case_row(void **state)
{
	char *dir = th_network();
	char vic[VAULT_ID_BUFSIZE], other[VAULT_ID_BUFSIZE];
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, vic);
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, other);
	SQLF(dir, "cas_cw", "UPDATE cases SET kind = %d WHERE id = '%s'",
	     (int)VAULT_CASE_PERPETRATOR, other);
	v = th_open(dir, "cav_cw");
	st = vault_case_link(v, vic, other);
	printf("   61: link to the changed case: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (61): a victim case was linked as a perpetrator case on"
		         " a changed row");
	assert_int_equal(st, VAULT_ERR_INTEGRITY);
	th_rmdir(dir);
}

/* 62: vault_break_glass() opens a window of at most 24 hours; a supervisor
 * of the owning organisation, entitled to break the glass, signs around it
 * a window of 30 days on a restricted case of her centre. */
static void test_attack__62_break_glass_window_of_a_month(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *sql;
	int64_t now = vault__now();
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	sql = dup_printf("INSERT INTO breakglass(case_id, user, until, reason, created)"
	                 " VALUES('%s', 'cav_sup', %lld, 'x', %lld)", cs,
	                 (long long)(now + 30 * 86400), (long long)now);
	forge_high = 1; /* as vault_break_glass() marks it */
	st = forge(dir, "cav_sup", sql, "break-glass", cs, NULL);
	forge_high = 0;
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "62 forge");
		th_rmdir(dir);
		return;
	}
	if (!open_refuses_entry_of(dir, "cav_cw", "cav_sup", "62"))
		fail_msg("ATTACK SUCCEEDS (62): a break-glass window of 30 days is a fact");
	th_rmdir(dir);
}

/* 62c: a window of an hour, signed by her in an entry labelled as a read
 * (what the review, which looks for break-glass entries, does not show). */
static void test_attack__62c_break_glass_window_labelled_a_read(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *sql;
	int64_t now = vault__now();
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	sql = dup_printf("INSERT INTO breakglass(case_id, user, until, reason, created)"
	                 " VALUES('%s', 'cav_sup', %lld, 'x', %lld)", cs,
	                 (long long)(now + 3600), (long long)now);
	st = forge(dir, "cav_sup", sql, "case.show", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "62c forge");
		th_rmdir(dir);
		return;
	}
	if (!open_refuses_entry_of(dir, "cav_cw", "cav_sup", "62c"))
		fail_msg("ATTACK SUCCEEDS (62c): a break-glass window in an entry labelled"
		         " \"case.show\" is a fact");
	th_rmdir(dir);
}

/* 62b (control): the longest window vault_break_glass() opens verifies. */
static void test_attack__62b_break_glass_window_of_a_day(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_sup");
	st = vault_break_glass(v, cs, "the caseworker is away and she called in danger",
	                       VAULT_BREAK_GLASS_MAX_S);
	vault_close(v);
	assert_int_equal(st, VAULT_OK);
	th_forget_cache(dir, "cav_cw");
	v = victim_open(dir, "cav_cw", &st);
	assert_int_equal(st, VAULT_OK);
	vault_close(v);
	th_rmdir(dir);
}

/* ---- 70. a seventh insider review: links, break-glass, consents, grants,
 * organisation keys ------------------------------------------------------- */

/* Her consent for `org` on `classes` and a grant of them to that
 * organisation with `perm`, by the owner's caseworker. */
static void consent_and_share_org(const char *dir, const char *cs, const char *org,
                                  unsigned int classes, vault_perm perm,
                                  char cid[VAULT_ID_BUFSIZE])
{
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault *v = th_open(dir, "cav_cw");

	co.org = org;
	co.classes = classes;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "referral";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	so.perm = perm;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, org, classes, &so), VAULT_OK,
	          "share with the organisation");
	vault_close(v);
}

/* 70a: the API makes a grant that takes a victim case outside its
 * organisation rest on her consent (consent_id, expiry capped by the
 * consent's), so that her withdrawal takes it back.  The replay only asks
 * whether some consent covers the share at that time.  The owner's
 * caseworker (share right) signs an update of the health service's grant
 * that detaches it from the consent (consent_id NULL, no expiry).  The
 * victim then withdraws her consent: the library says OK, revokes nothing,
 * and the health service reads her new shelter address. */
static void test_attack__70a_grant_detached_from_consent(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *q, *txt = NULL;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	consent_and_share_org(dir, cs, "asl", VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY,
	                      VAULT_PERM_READ, cid);
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id ="
	                          " '%s' AND principal = 'asl' AND consent_id = '%s'", cs, cid), 1);
	q = dup_printf("UPDATE grants SET consent_id = NULL, expires = 0 WHERE case_id = '%s'"
	               " AND principal = 'asl' AND revoked = 0", cs);
	st = forge(dir, "cav_cw", q, "share", cs, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "70a forge");
		th_rmdir(dir);
		return;
	}
	/* the attack took effect: the grant rests on no consent, signed */
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id ="
	                          " '%s' AND principal = 'asl' AND consent_id IS NULL AND"
	                          " revoked = 0", cs), 1);
	if (open_refuses_entry_of(dir, "cav_sup", "cav_cw", "70a")) {
		th_rmdir(dir);
		return;
	}
	/* the victim withdraws her consent, through her supervisor */
	st = as_user(dir, "cav_sup", 1, cs, cid);
	if (st != VAULT_OK) {
		refused(NULL, st, "70a withdrawal");
		th_rmdir(dir);
		return;
	}
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Garibaldi 9, Biella");
	st = get_cls(dir, "asl_cw", cs, "shelter", VAULT_CLASS_SAFETY, &txt);
	printf("   70a: health reads after the withdrawal: %s\n", vault_strerror(st));
	if (st == VAULT_OK) {
		char out[128];
		snprintf(out, sizeof(out), "%s", txt);
		free(txt);
		fail_msg("ATTACK SUCCEEDS (70a): after the victim withdrew her consent (OK), the"
		         " health service still holds a live grant and reads her new address"
		         " \"%s\"", out);
	}
	free(txt);
	th_rmdir(dir);
}

static int consent_cb70(const vault_consent_info *i, void *ctx)
{
	int64_t *w = ctx;

	*w = i->withdrawn;
	return 0;
}

/* 70b: a withdrawal is an update of the consent's `withdrawn`; the replay
 * allows any change of that column by anyone entitled to record a consent
 * (a share right on one class), also back to 0.  The owner's caseworker
 * signs the consent live again after the victim withdrew it, then shares
 * on it through the API. */
static void test_attack__70b_consent_unwithdrawn(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *q, *txt = NULL;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	int64_t withdrawn = -1;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	consent_and_share_org(dir, cs, "asl", VAULT_CLASS_GENERAL, VAULT_PERM_READ, cid);
	status_is(NULL, as_user(dir, "cav_sup", 1, cs, cid), VAULT_OK, "withdrawal");
	assert_int_not_equal(get_cls(dir, "asl_cw", cs, "intake", VAULT_CLASS_GENERAL, &txt),
	                     VAULT_OK);
	free(txt);
	txt = NULL;
	q = dup_printf("UPDATE consents SET withdrawn = 0 WHERE id = '%s'", cid);
	st = forge(dir, "cav_cw", q, "case.show", cs, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "70b forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT withdrawn FROM consents WHERE id = '%s'",
	                          cid), 0);
	if (open_refuses_entry_of(dir, "cav_sup", "cav_cw", "70b")) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_sup");
	status_is(v, vault_consent_foreach(v, cs, consent_cb70, &withdrawn), VAULT_OK,
	          "consent list");
	vault_close(v);
	v = th_open(dir, "cav_cw");
	so.consent_id = cid;
	st = vault_share(v, cs, VAULT_PRINCIPAL_ORG, "asl", VAULT_CLASS_GENERAL, &so);
	printf("   70b: consent listed as withdrawn=%lld; share on it: %s (%s)\n",
	       (long long)withdrawn, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (st == VAULT_OK && withdrawn == 0)
		fail_msg("ATTACK SUCCEEDS (70b): a consent the victim withdrew is live again (listed"
		         " as never withdrawn) and her case was shared on it");
	if (st == VAULT_OK || withdrawn == 0)
		fail_msg("ATTACK SUCCEEDS (70b): a withdrawn consent was made live again"
		         " (share: %s, listed withdrawn=%lld)", vault_strerror(st),
		         (long long)withdrawn);
	th_rmdir(dir);
}

/* 70c: a supervisor may publish a key epoch of her organisation (facts.c
 * entitled(), T_ORG_PUBKEYS), any epoch.  The rotation of a disable
 * publishes orgs.epoch + 1 with a plain INSERT.  A supervisor about to be
 * dismissed publishes epoch 2 of her organisation ahead: no disable of
 * anyone of it (herself included) can ever go through. */
static void test_attack__70c_org_epoch_published_ahead(void **state)
{
	char *dir = th_network();
	char *q;
	vault_status st, st2;
	vault *v;

	(void)state;
	q = dup_printf("INSERT INTO org_pubkeys(org, epoch, which, pk) SELECT 'cav', epoch + 1,"
	               " %d, randomblob(32) FROM orgs WHERE id = 'cav'", HOLDER_ORG);
	st = forge(dir, "cav_sup", q, "case.list", NULL, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "70c forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_int(dir, "cav_cw", "SELECT count(*) FROM org_pubkeys WHERE org ="
	                         " 'cav' AND epoch = (SELECT epoch + 1 FROM orgs WHERE id = 'cav')"),
	                 1);
	if (open_refuses_entry_of(dir, "admin", "cav_sup", "70c")) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "admin");
	st = vault_user_disable(v, "cav_sup");
	printf("   70c: admin disables cav_sup: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	st2 = vault_user_disable(v, "cav_sup");
	printf("   70c: and again: %s (%s)\n", vault_strerror(st2), vault_errmsg(v));
	vault_close(v);
	if (sql_int(dir, "cav_cw", "SELECT disabled FROM users WHERE name = 'cav_sup'") == 0)
		fail_msg("ATTACK SUCCEEDS (70c): a supervisor who published her organisation's next"
		         " key epoch ahead can never be disabled (%s)", vault_strerror(st));
	th_rmdir(dir);
}

static int link_cb70(const char *perp, void *ctx)
{
	(void)perp;
	(*(int *)ctx)++;
	return 0;
}

/* 70d: vault_case_link needs write on the victim case's SAFETY class (the
 * link is sealed under its key); the replay accepts a link from a writer of
 * ANY class, and a link is never removed.  A perpetrator-programme
 * caseworker, who holds write on the victim's general class (with her
 * consent) and can never hold safety, signs a link row that opens under no
 * key: her centre can never list her links again. */
static void test_attack__70d_link_by_general_writer(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], pc[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *q;
	int n = 0;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	th_case(dir, "cav_cw", VAULT_CASE_PERPETRATOR, 0, pc);
	v = th_open(dir, "cav_cw");
	status_is(v, vault_case_link(v, cs, pc), VAULT_OK, "link");
	status_is(v, vault_case_links(v, cs, link_cb70, &n), VAULT_OK, "links");
	vault_close(v);
	assert_int_equal(n, 1);
	consent_and_share_org(dir, cs, "cuav", VAULT_CLASS_GENERAL, VAULT_PERM_WRITE, cid);
	q = dup_printf("INSERT INTO links(victim_case, epoch, nonce, ct) VALUES('%s', 1,"
	               " randomblob(%d), randomblob(%d))", cs, VAULT_AEAD_NONCE_BYTES,
	               VAULT_ID_LEN + VAULT_AEAD_TAG_BYTES);
	st = forge(dir, "cuav_cw", q, "record.put", cs, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "70d forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM links WHERE victim_case"
	                          " = '%s'", cs), 2);
	if (open_refuses_entry_of(dir, "cav_cw", "cuav_cw", "70d")) {
		th_rmdir(dir);
		return;
	}
	n = 0;
	v = th_open(dir, "cav_cw");
	st = vault_case_links(v, cs, link_cb70, &n);
	printf("   70d: the owner lists the links: %s (%s), %d\n", vault_strerror(st),
	       vault_errmsg(v), n);
	vault_close(v);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70d): a perpetrator-programme caseworker with write on"
		         " general signed a link the replay accepts; the victim's links can never be"
		         " listed again (%s)", vault_strerror(st));
	th_rmdir(dir);
}

/* 70e: the replay accepts a break-glass window from an entitled supervisor
 * for herself, whatever its length, reason, or the entry's action.  The
 * owning centre's supervisor signs a ten-year window on a restricted case
 * of her caseworker, under the action "case.show" (not high severity), and
 * reads the case: the organisation's review lists no break-glass. */
static void test_attack__70e_hidden_endless_break_glass(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *q, *txt = NULL;
	vault_report_options ro = VAULT_REPORT_OPTIONS_INIT;
	vault_buf out = VAULT_BUF_INIT;
	int64_t now = (int64_t)time(NULL);
	vault_status st;
	char *bgpart;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 1, cs);
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1, Torino");
	assert_int_not_equal(get_cls(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, &txt),
	                     VAULT_OK);
	free(txt);
	txt = NULL;
	q = dup_printf("INSERT INTO breakglass(case_id, user, until, reason, created) VALUES('%s',"
	               " 'cav_sup', %lld, 'x', %lld)", cs, (long long)(now + 10LL * 365 * 86400),
	               (long long)now);
	st = forge(dir, "cav_sup", q, "case.show", cs, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "70e forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "aud", "cav_sup", "70e")) {
		th_rmdir(dir);
		return;
	}
	st = get_cls(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, &txt);
	printf("   70e: the supervisor reads the restricted case: %s\n", vault_strerror(st));
	free(txt);
	v = th_open(dir, "aud");
	ro.format = VAULT_REPORT_JSON;
	status_is(v, vault_report_review(v, "cav", &ro, &out), VAULT_OK, "review");
	vault_close(v);
	bgpart = strstr((char *)out.data, "\"break_glass\"");
	assert_non_null(bgpart);
	printf("   70e: review: %.60s\n", bgpart);
	if (st == VAULT_OK && strncmp(bgpart, "\"break_glass\": []", 17) != 0 &&
	    strncmp(bgpart, "\"break_glass\":[]", 16) != 0) {
		vault_buf_free(&out);
		th_rmdir(dir);
		return;
	}
	vault_buf_free(&out);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70e): a supervisor opened a 10-year break-glass window"
		         " with no reason under a benign action, read the restricted case, and the"
		         " organisation's review lists no break-glass");
	th_rmdir(dir);
}

/* 70f: "only the user herself changes her public keys" (facts.c entitled(),
 * T_USERS): any value, and the statement holds only its hash.  The auditor
 * signs her own box key as 32 zero bytes, a point crypto_box_seal refuses.
 * Every break-glass reason (sealed to each enabled auditor), and every
 * disable's database-key rotation (sealed to each enabled user), now fails
 * for everyone, for good. */
static void test_attack__70f_auditor_poisons_own_box_key(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault_status st, st2, st3;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 1, cs);
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1, Torino");
	st = forge(dir, "aud", "UPDATE users SET box_pk = zeroblob(32) WHERE name = 'aud'",
	           "user.rekey", NULL, NULL);
	if (st != VAULT_OK) {
		refused(NULL, st, "70f forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_int(dir, "cav_cw", "SELECT count(*) FROM users WHERE name = 'aud'"
	                         " AND box_pk = zeroblob(32)"), 1);
	if (open_refuses_entry_of(dir, "cav_sup", "aud", "70f")) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_sup");
	st = vault_break_glass(v, cs, "she called at night: the abuser found the shelter", 3600);
	printf("   70f: break-glass: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	v = th_open(dir, "admin");
	st2 = vault_user_disable(v, "cas_cw");
	printf("   70f: admin disables cas_cw: %s (%s)\n", vault_strerror(st2), vault_errmsg(v));
	st3 = vault_user_disable(v, "cas_cw");
	printf("   70f: and again: %s (%s)\n", vault_strerror(st3), vault_errmsg(v));
	if (st2 != VAULT_OK) {
		/* the way out, once someone finds whose key it is */
		vault_status st4 = vault_user_disable(v, "aud");
		printf("   70f: (recovery) admin disables aud: %s (%s)\n", vault_strerror(st4),
		       vault_errmsg(v));
	}
	vault_close(v);
	if (st != VAULT_OK || st2 != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70f): the auditor's signed box key of zeros stops every"
		         " break-glass (%s) and every disable's key rotation (%s, again: %s)",
		         vault_strerror(st), vault_strerror(st2), vault_strerror(st3));
	th_rmdir(dir);
}

/* 70g: an update of a grant is judged as a share on the case its NEW image
 * names (facts.c entitled(), T_GRANTS: no column but `revoked` is held
 * fixed, and the case is read from the new image).  The reception
 * caseworker, who holds nothing of the victim's case, moves the health
 * service's grant on it to a perpetrator case of his own (where he may
 * share with anyone), signed.  The victim's case loses a grant no
 * revocation took back, and its facts no longer agree with its rows. */
static void test_attack__70g_grant_moved_to_another_case(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], mine[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *q, *txt = NULL;
	long long gid;
	vault_status st, st2;

	(void)state;
	victim_case(dir, cs);
	consent_and_share_org(dir, cs, "asl", VAULT_CLASS_GENERAL, VAULT_PERM_READ, cid);
	th_case(dir, "cas_cw", VAULT_CASE_PERPETRATOR, 0, mine);
	gid = sql_intf(dir, "cas_cw", "SELECT id FROM grants WHERE case_id = '%s' AND principal ="
	               " 'asl'", cs);
	/* control: he holds nothing of her case */
	assert_int_not_equal(get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &txt),
	                     VAULT_OK);
	free(txt);
	txt = NULL;
	q = dup_printf("UPDATE grants SET case_id = '%s', granted_by = 'cas_cw', consent_id ="
	               " NULL WHERE id = %lld", mine, gid);
	st = forge(dir, "cas_cw", q, "share", mine, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "70g forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM grants WHERE id = %lld"
	                          " AND case_id = '%s'", gid, mine), 1);
	if (open_refuses_entry_of(dir, "cav_cw", "cas_cw", "70g")) {
		th_rmdir(dir);
		return;
	}
	{
		vault *v = th_open(dir, "cav_cw");
		vault_buf b = VAULT_BUF_INIT;

		st = vault_record_get_v2(v, cs, "intake", VAULT_CLASS_GENERAL, 0, &b, NULL, NULL);
		printf("   70g: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
		vault_buf_free(&b);
		vault_close(v);
	}
	st2 = get_cls(dir, "asl_cw", cs, "intake", VAULT_CLASS_GENERAL, &txt);
	free(txt);
	printf("   70g: owner reads her case: %s; health reads it: %s\n", vault_strerror(st),
	       vault_strerror(st2));
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70g): a caseworker with no right on the victim's case"
		         " signed the move of a grant out of it; the replay accepted it and the case"
		         " is refused to its owner for good (%s)", vault_strerror(st));
	if (st2 != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70g): a caseworker with no right on the victim's case"
		         " took the health service's grant away, unrevoked and unrecorded (%s)",
		         vault_strerror(st2));
	th_rmdir(dir);
}

/* 70h: 70g's root for tables whose key holds the case: an UPDATE that
 * changes a row's key is stated as a new row under the new key, and the
 * old key's fact stays, without its row: as if deleted, which any writer
 * can do.  The reception caseworker
 * moves the victim's first `intake` version into his own perpetrator case
 * (as version 1 "by" him, a write he is entitled to there), signed. */
static void test_attack__70h_record_row_moved_to_another_case(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], mine[VAULT_ID_BUFSIZE], *q;
	vault_status st;
	vault *v;
	vault_buf b = VAULT_BUF_INIT;

	(void)state;
	victim_case(dir, cs);
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "second interview");
	th_case(dir, "cas_cw", VAULT_CASE_PERPETRATOR, 0, mine);
	q = dup_printf("UPDATE records SET case_id = '%s', author = 'cas_cw' WHERE case_id = '%s'"
	               " AND class = %d AND version = 1", mine, cs, VAULT_CLASS_GENERAL);
	st = forge(dir, "cas_cw", q, "record.put", mine, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "70h forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM records WHERE case_id ="
	                          " '%s'", mine), 1);
	if (open_refuses_entry_of(dir, "cav_cw", "cas_cw", "70h")) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_cw");
	st = vault_record_get_v2(v, cs, "intake", VAULT_CLASS_GENERAL, 0, &b, NULL, NULL);
	printf("   70h: owner reads her record: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_buf_free(&b);
	{
		int n = 0;
		vault_status sh = vault_record_history(v, cs, "intake", count_cb, &n);

		printf("   70h: owner's history: %s (%s), %d versions\n", vault_strerror(sh),
		       vault_errmsg(v), n);
		if (sh != VAULT_OK && st == VAULT_OK)
			st = sh;
		if (sh == VAULT_OK && n != 2) {
			vault_close(v);
			fail_msg("ATTACK SUCCEEDS (70h): her record's history shows %d versions, OK", n);
		}
	}
	vault_close(v);
	/* The denial of service any writer has by deleting rows (SECURITY.md,
	 * "What the signed statements do not stop"): detected, never served
	 * short or as someone else's. */
	if (st != VAULT_ERR_INTEGRITY)
		fail_msg("ATTACK SUCCEEDS (70h): the record whose version was moved away reads"
		         " %s, not as an integrity failure", vault_strerror(st));
	th_rmdir(dir);
}

/* Unseal the blob of the first row of `sql` (one blob column) with (pk, sk). */
static int unseal_row(const char *dir, const char *user, const char *sql,
                      const unsigned char pk[32], const unsigned char sk[32],
                      unsigned char out[32])
{
	sqlite3 *db = th_db_open(dir, user);
	sqlite3_stmt *s = NULL;
	int ok = 0;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	while (!ok && sqlite3_step(s) == SQLITE_ROW)
		ok = sqlite3_column_bytes(s, 0) == (int)(crypto_box_SEALBYTES + 32) &&
		     crypto_box_seal_open(out, sqlite3_column_blob(s, 0),
		                          (unsigned long long)sqlite3_column_bytes(s, 0), pk, sk) == 0;
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ok;
}

/* 70i: the admin makes a new organisation's keys and chooses its first
 * supervisor's passphrase; her first passphrase change is what takes both
 * away from him (orgs.admin_keys: new organisation keys, new class keys).
 * The replay lets an admin change admin_keys (facts.c entitled(), T_ORGS:
 * H(5)), so he signs it 0 before her first change: nothing is rotated, and
 * the organisation key he unsealed with the passphrase he chose opens
 * every case the centre writes. */
static void admin_keys_cleared(int attack)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *q, text[256];
	unsigned char spk[32], ssk[32], opk[32], osk[32], ck[32];
	vault_status st;
	size_t n;
	const unsigned char *p;
	slot_secret sec;
	vault_kdf def;
	vault *v;

	v = th_open(dir, "admin");
	p = th_first_pass("new_sup", &n);
	status_is(v, vault_org_add(v, "newc", "newc", VAULT_ORG_ANTIVIOLENCE_CENTRE, "new_sup",
	                           p, n, TEST_KDF), VAULT_OK, "org add");
	vault_close(v);
	/* what the chooser of her first passphrase holds: her first slot */
	assert_int_equal(vault__slot_unlock(dir, "new_sup", p, n, &sec, &def), VAULT_OK);
	memcpy(ssk, sec.box_sk, 32);
	crypto_scalarmult_base(spk, ssk);
	sodium_memzero(&sec, sizeof(sec));
	q = dup_printf("SELECT sealed FROM org_keys WHERE org = 'newc' AND epoch = 1 AND which = %d"
	               " AND user = 'new_sup'", HOLDER_ORG);
	assert_true(unseal_row(dir, "admin", q, spk, ssk, osk));
	free(q);
	crypto_scalarmult_base(opk, osk);
	/* the attack */
	st = attack ? forge(dir, "admin", "UPDATE orgs SET admin_keys = 0 WHERE id = 'newc'",
	                    "org.add", NULL, NULL)
	            : VAULT_OK;
	if (st != VAULT_OK) {
		refused(NULL, st, "70i forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'newc'"),
	                 attack ? 0 : 1);
	if (open_refuses_entry_of(dir, "cav_sup", "admin", "70i")) {
		th_rmdir(dir);
		return;
	}
	th_first_passwd(dir, "new_sup");
	th_case(dir, "new_sup", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "new_sup", cs, "shelter", VAULT_CLASS_SAFETY, "via Verdi 3, Novara");
	q = dup_printf("SELECT sealed FROM class_keys WHERE case_id = '%s' AND class = %d AND"
	               " hkind = %d AND holder = 'newc' ORDER BY epoch DESC", cs,
	               VAULT_CLASS_SAFETY, HOLDER_ORG);
	if (unseal_row(dir, "admin", q, opk, osk, ck) &&
	    decrypt_with(dir, "admin", cs, VAULT_CLASS_SAFETY, "shelter", ck, text, sizeof(text))) {
		free(q);
		if (!attack)
			fail_msg("70i control: the admin reads without the attack");
		fail_msg("ATTACK SUCCEEDS (70i): the admin signed admin_keys = 0; the first"
		         " supervisor's passphrase change kept the organisation keys he made, and he"
		         " reads \"%s\"", text);
	}
	free(q);
	th_rmdir(dir);
}

static void test_attack__70i_control_first_passwd_rotates(void **state)
{
	(void)state;
	admin_keys_cleared(0);
}

static void test_attack__70i_admin_clears_admin_keys(void **state)
{
	(void)state;
	admin_keys_cleared(1);
}

/* 70j: a move (vault_record_reclassify) re-encrypts each version under the
 * other class's key and keeps its author; the replay, which cannot compare
 * the two texts, accepts a new row "by" someone else when the same entry
 * redacts a copy of hers in another class (facts.c moved_here()), and such
 * a redaction from any writer of that class (no supervisor, no direction).
 * The perpetrator programme's caseworker, with write on general and
 * sensitive of the victim's case (her consent), signs one entry that
 * redacts the centre supervisor's sensitive risk assessment and writes
 * "assessment" in general as version 1 by the supervisor, with his text. */
static void test_attack__70j_move_rewrites_anothers_version(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], author[64] = "", *q;
	const char *fake = "low risk: she exaggerates, joint sessions advised";
	unsigned char tag[VAULT_NAME_TAG_BYTES], label[VAULT_LABEL_BYTES], key[32];
	unsigned char nonce[VAULT_AEAD_NONCE_BYTES], ad[512], pt[256], ct[256 + 16];
	size_t len = strlen(fake), padded = 0, adlen;
	uint32_t epoch = 0;
	sqlite3_stmt *ins = NULL;
	vault_buf b = VAULT_BUF_INIT;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	th_put(dir, "cav_sup", cs, "assessment", VAULT_CLASS_SENSITIVE,
	       "high risk: he threatened to kill her; no contact");
	consent_and_share_org(dir, cs, "cuav", VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE,
	                      VAULT_PERM_WRITE, cid);
	v = th_open(dir, "cuav_cw");
	st = vault__txn_begin(v);
	q = dup_printf("UPDATE records SET nonce = NULL, ct = NULL, redacted_by = 'cuav_cw',"
	               " redacted_at = %lld WHERE case_id = '%s' AND class = %d AND author ="
	               " 'cav_sup'", (long long)time(NULL), cs, VAULT_CLASS_SENSITIVE);
	if (st == VAULT_OK)
		st = vault__exec(v, q);
	free(q);
	if (st == VAULT_OK)
		st = vault__name_tag(v, cs, VAULT_CLASS_GENERAL, "assessment", tag);
	if (st == VAULT_OK)
		st = vault__class_epoch(v, cs, VAULT_CLASS_GENERAL, &epoch);
	if (st == VAULT_OK)
		st = vault__label_seal(v, cs, VAULT_CLASS_GENERAL, 1, epoch, tag, "assessment", len,
		                       label);
	if (st == VAULT_OK)
		st = vault__class_key(v, cs, VAULT_CLASS_GENERAL, epoch, key);
	if (st == VAULT_OK) {
		memset(pt, 0, sizeof(pt));
		memcpy(pt, fake, len);
		assert_int_equal(vault__pad(pt, len, vault__padme(len), &padded), 0);
		adlen = vault__record_ad(ad, sizeof(ad) - 1, cs, "assessment", 1, VAULT_CLASS_GENERAL,
		                         epoch);
		ad[adlen++] = 1;
		randombytes_buf(nonce, sizeof(nonce));
		crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, pt, padded, ad, adlen, NULL,
		                                           nonce, key);
		assert_int_equal(sqlite3_prepare_v2(v->db, "INSERT INTO records(case_id, name, version,"
		                                    " class, epoch, deleted, size, author, created,"
		                                    " nonce, ct, label, padded) VALUES(?1, ?2, 1, ?3,"
		                                    " ?4, 0, ?5, 'cav_sup', ?6, ?7, ?8, ?9, 1)", -1,
		                                    &ins, NULL), SQLITE_OK);
		sqlite3_bind_text(ins, 1, cs, -1, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 2, tag, sizeof(tag), SQLITE_STATIC);
		sqlite3_bind_int(ins, 3, VAULT_CLASS_GENERAL);
		sqlite3_bind_int64(ins, 4, epoch);
		sqlite3_bind_int64(ins, 5, (sqlite3_int64)padded);
		sqlite3_bind_int64(ins, 6, (sqlite3_int64)time(NULL));
		sqlite3_bind_blob(ins, 7, nonce, sizeof(nonce), SQLITE_STATIC);
		sqlite3_bind_blob(ins, 8, ct, (int)(padded + 16), SQLITE_STATIC);
		sqlite3_bind_blob(ins, 9, label, sizeof(label), SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			st = VAULT_ERR_CORRUPT;
		sqlite3_finalize(ins);
	}
	st = sign_and_end(v, "record.reclassify", cs, st);
	printf("   70j: forge: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (st != VAULT_OK) {
		refused(NULL, st, "70j forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM records WHERE case_id ="
	                          " '%s' AND class = %d AND author = 'cav_sup' AND ct IS NOT NULL",
	                          cs, VAULT_CLASS_GENERAL), 1);
	if (open_refuses_entry_of(dir, "cav_sup", "cuav_cw", "70j")) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_cw");
	st = vault_record_get_v2(v, cs, "assessment", VAULT_CLASS_GENERAL, 0, &b, author_cb,
	                         author);
	printf("   70j: the centre reads general/assessment: %s (%s) by %s: %.*s\n",
	       vault_strerror(st), vault_errmsg(v), author, (int)b.len,
	       b.data ? (char *)b.data : "");
	if (st == VAULT_OK && strcmp(author, "cav_sup") == 0 && b.len == len &&
	    memcmp(b.data, fake, len) == 0) {
		vault_buf_free(&b);
		vault_close(v);
		fail_msg("ATTACK SUCCEEDS (70j): the perpetrator programme's caseworker destroyed the"
		         " supervisor's risk assessment and the centre reads his text as hers");
	}
	vault_buf_free(&b);
	vault_close(v);
	th_rmdir(dir);
}

/* 70k: the replay judges a grant a supervisor states under break-glass as
 * the hand-over of an ORPHANED restricted case without looking whether it
 * is orphaned (facts.c entitled(), T_GRANTS: q.req.orphaned = 1), and
 * whatever its right.  The centre's supervisor, under a break-glass window,
 * gives a colleague a share grant on a restricted case its caseworker
 * still holds (the API refuses: not orphaned), under the action
 * "case.show". */
static void test_attack__70k_handover_of_held_restricted_case(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *q, *txt = NULL;
	size_t n;
	const unsigned char *p = th_first_pass("cav_cw2", &n);
	audit_event e;
	unsigned int c;
	vault_status st, st2;
	vault *v;

	v = th_open(dir, "cav_sup");
	status_is(v, vault_user_add(v, "cav_cw2", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	          VAULT_OK, "user add");
	vault_close(v);
	th_first_passwd(dir, "cav_cw2");
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 1, cs);
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1, Torino");
	v = th_open(dir, "cav_sup");
	status_is(v, vault_break_glass(v, cs, "urgent: she called the centre from hospital", 3600),
	          VAULT_OK, "break-glass");
	st = vault_share(v, cs, VAULT_PRINCIPAL_USER, "cav_cw2", VAULT_CLASS_ALL, NULL);
	printf("   70k: the API hand-over (not orphaned): %s (%s)\n", vault_strerror(st),
	       vault_errmsg(v));
	assert_int_not_equal(st, VAULT_OK);
	/* the forge, on her own handle */
	st = vault__txn_begin(v);
	q = dup_printf("INSERT INTO grants(case_id, pkind, principal, classes, perm, consent_id,"
	               " expires, granted_by, created, revoked, owner) VALUES('%s', %d, 'cav_cw2',"
	               " %d, %d, NULL, 0, 'cav_sup', %lld, 0, 0)", cs, VAULT_PRINCIPAL_USER,
	               VAULT_CLASS_ALL, VAULT_PERM_SHARE, (long long)time(NULL));
	if (st == VAULT_OK)
		st = vault__exec(v, q);
	free(q);
	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY && st == VAULT_OK; c <<= 1)
		st = vault__class_seal_all(v, cs, c, HOLDER_USER, "cav_cw2");
	memset(&e, 0, sizeof(e));
	e.action = "case.show";
	e.case_id = cs;
	e.target = "";
	e.outcome = VAULT_OUTCOME_OK;
	e.reason = "";
	if (st == VAULT_OK)
		st = vault__audit_append(v, &e);
	st2 = vault__txn_end(v, st == VAULT_OK);
	if (st == VAULT_OK)
		st = st2;
	printf("   70k: forge: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (st != VAULT_OK) {
		refused(NULL, st, "70k forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_cw", "cav_sup", "70k")) {
		th_rmdir(dir);
		return;
	}
	st = get_cls(dir, "cav_cw2", cs, "shelter", VAULT_CLASS_SAFETY, &txt);
	printf("   70k: her colleague reads the restricted case: %s\n", vault_strerror(st));
	free(txt);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70k): a restricted case its caseworker still holds was"
		         " handed (with the share right) to a colleague, a hand-over the API refuses,"
		         " recorded as \"case.show\"");
	th_rmdir(dir);
}

/* 70l: no forging.  POLICY_REVOKE needs the share right on ONE class; the
 * revocation rotates every class the revoked grants covered
 * (share.c after_revoke); the replay lets a rotation be made by a reader
 * of the class, or in a revoking entry by a member of the owning
 * organisation.  The reception caseworker, who holds share on general
 * only, revokes (API) the health service's grant on general and safety:
 * his library signs a new safety epoch that no replay accepts. */
static void test_attack__70l_routine_revoke_by_general_sharer(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], cid2[VAULT_ID_BUFSIZE];
	vault_status st, sto;
	vault *v = NULL;
	size_t n;
	const unsigned char *p;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_SHARE, 0, cid);
	consent_and_share_org(dir, cs, "asl", VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY,
	                      VAULT_PERM_READ, cid2);
	v = th_open(dir, "cas_cw");
	st = vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "asl");
	printf("   70l: cas_cw revokes org asl: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	v = NULL;
	if (st != VAULT_OK) {
		th_rmdir(dir);
		return; /* refused: nothing signed */
	}
	p = th_pass("cav_sup", &n);
	sto = vault_open(dir, "cav_sup", p, n, NULL, &v);
	printf("   70l: cav_sup opens: %s (%s)\n", vault_strerror(sto), vault_last_errmsg());
	if (v != NULL)
		vault_close(v);
	if (sto != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70l): a routine revocation by a sharer of general signed"
		         " an entry no replay accepts: nobody can open the vault (%s)",
		         vault_strerror(sto));
	th_rmdir(dir);
}

/* 70m: 70l's root in a first passphrase change.  The first supervisor's
 * change of an organisation whose keys the admin made rotates every class
 * of every case the organisation owns or holds a grant on (vault.c rekey,
 * vault__rotate_cases), also classes its grant does not cover; the replay
 * accepts those epochs only from a reader of the class.  The victim
 * centre's caseworker shared the general class of a case with a new
 * organisation before its supervisor's first login (routine: with her
 * consent); that first login signed an entry no replay accepts.
 * Since 150b/150c nothing is sealed to an organisation before its own
 * supervisor made its keys: that share is refused, and the same take-over
 * comes at a supervisor's open after an admin disabled one of her members
 * (vault.c take_over_owed), with a grant of one class to her centre (it
 * makes the organisation's keys only since 160a; the classes rotate at
 * their next write). */
static void test_attack__70m_first_passwd_rotates_unreadable_class(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault_status st, sto;
	vault *v = NULL;
	size_t n, m;
	const unsigned char *p, *np;

	(void)state;
	v = th_open(dir, "admin");
	p = th_first_pass("new_sup", &n);
	status_is(v, vault_org_add(v, "newc", "newc", VAULT_ORG_ANTIVIOLENCE_CENTRE, "new_sup",
	                           p, n, TEST_KDF), VAULT_OK, "org add");
	vault_close(v);
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	co.org = "newc";
	co.classes = VAULT_CLASS_GENERAL;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "referral";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	so.perm = VAULT_PERM_READ;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "newc", VAULT_CLASS_GENERAL, &so),
	          VAULT_ERR_STATE, "share with an organisation whose keys are the admin's");
	vault_close(v);
	v = NULL;
	assert_int_equal(vault_open(dir, "new_sup", p, n, NULL, &v), VAULT_OK);
	np = th_pass("new_sup", &m);
	st = vault_passwd(v, np, m, VAULT_KDF_DEFAULT);
	printf("   70m: new_sup's first passphrase change: %s (%s)\n", vault_strerror(st),
	       vault_errmsg(v));
	vault_close(v);
	assert_int_equal(st, VAULT_OK);
	/* the owed keys of an organisation holding one class of a case */
	consent_and_share_org(dir, cs, "cas", VAULT_CLASS_GENERAL, VAULT_PERM_READ, cid);
	v = th_open(dir, "admin");
	status_is(v, vault_user_disable(v, "cas_cw"), VAULT_OK, "the admin disables cas_cw");
	vault_close(v);
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cas'"),
	                 ORG_KEYS_OWED);
	v = NULL;
	p = th_pass("cas_sup", &n);
	st = vault_open(dir, "cas_sup", p, n, NULL, &v);
	printf("   70m: cas_sup's open makes the owed keys: %s (%s)\n", vault_strerror(st),
	       vault_last_errmsg());
	if (v != NULL)
		vault_close(v);
	v = NULL;
	assert_int_equal(st, VAULT_OK);
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cas'"),
	                 ORG_KEYS_OWN);
	p = th_pass("cav_sup", &n);
	sto = vault_open(dir, "cav_sup", p, n, NULL, &v);
	printf("   70m: cav_sup opens: %s (%s)\n", vault_strerror(sto), vault_last_errmsg());
	if (v != NULL)
		vault_close(v);
	if (sto != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70m): a take-over of an organisation's keys signed an"
		         " entry no replay accepts: nobody can open the vault (%s)",
		         vault_strerror(sto));
	th_rmdir(dir);
}

/* 70n: the replay judges a new grant as a share of its classes to its
 * principal and never looks at its right (facts.c entitled(), T_GRANTS);
 * the policy stops at a grant whose right it cannot read (policy.c
 * case_ok: "malformed"), for every request of every holder it applies to.
 * The reception caseworker, who holds share on the victim's general class,
 * signs a grant of general to the victim's own centre with right 4.  No
 * revocation can take it back: the owning organisation's hold cannot be
 * revoked, and every request of the centre on the case is malformed. */
static void test_attack__70n_grant_with_unknown_right_to_owner(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *q, *txt = NULL;
	vault_status st, st2, st3;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_SHARE, 0, cid);
	q = dup_printf("INSERT INTO grants(case_id, pkind, principal, classes, perm, consent_id,"
	               " expires, granted_by, created, revoked, owner) VALUES('%s', %d, 'cav', %d, 4,"
	               " NULL, 0, 'cas_cw', %lld, 0, 0)", cs, VAULT_PRINCIPAL_ORG,
	               VAULT_CLASS_GENERAL, (long long)time(NULL));
	st = forge(dir, "cas_cw", q, "share", cs, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "70n forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id ="
	                          " '%s' AND principal = 'cav' AND perm = 4", cs), 1);
	if (open_refuses_entry_of(dir, "cav_cw", "cas_cw", "70n")) {
		th_rmdir(dir);
		return;
	}
	st = get_cls(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, &txt);
	free(txt);
	v = th_open(dir, "cav_sup");
	st2 = vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "cav");
	printf("   70n: the centre reads: %s; its supervisor revokes it: %s (%s)\n",
	       vault_strerror(st), vault_strerror(st2), vault_errmsg(v));
	st3 = vault_break_glass(v, cs, "the case is frozen: she needs her file now", 3600);
	printf("   70n: break-glass: %s (%s)\n", vault_strerror(st3), vault_errmsg(v));
	vault_close(v);
	if (st != VAULT_OK && st2 != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70n): a sharer from another centre signed a grant with"
		         " right 4 to the owning centre: the centre can no longer use the victim's"
		         " case (%s), and nothing revokes it (%s; break-glass: %s)",
		         vault_strerror(st), vault_strerror(st2), vault_strerror(st3));
	th_rmdir(dir);
}

/* 70o: 70b's root against the signed statistics.  The victim withdrew her
 * statistics consent (her centre's supervisor, API).  The reception
 * caseworker, who holds share on one class of her case, signs the consent
 * live again; the centre supervisor's next export, checked against the
 * facts, signs her case as consented. */
static void test_attack__70o_statistics_consent_unwithdrawn(void **state)
{
	char *dir = th_network();
	char c[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], scid[VAULT_ID_BUFSIZE], *q;
	char *before, *after;
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	vault_status st;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, c);
	v = th_open(dir, "cav_cw");
	o.org = "cav";
	o.classes = VAULT_CLASS_GENERAL;
	o.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_STATISTICS;
	o.purpose = "statistics for the network";
	status_is(v, vault_consent_add(v, c, &o, scid), VAULT_OK, "consent");
	{
		const char *as[1] = {"age_band=30-39"};
		status_is(v, vault_case_indicators_set(v, c, as, 1), VAULT_OK, "indicators");
	}
	vault_close(v);
	share_general_to_cas_cw(dir, c, VAULT_PERM_SHARE, 0, cid);
	status_is(NULL, as_user(dir, "cav_sup", 1, c, scid), VAULT_OK, "withdrawal");
	before = stats_note(dir, "cav_sup", &st);
	assert_non_null(before);
	assert_non_null(strstr(before, "\"not_consented\":1"));
	q = dup_printf("UPDATE consents SET withdrawn = 0 WHERE id = '%s'", scid);
	st = forge(dir, "cas_cw", q, "case.show", c, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "70o forge");
		free(before);
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", "70o")) {
		free(before);
		th_rmdir(dir);
		return;
	}
	after = stats_note(dir, "cav_sup", &st);
	if (st == VAULT_OK && after != NULL && strstr(after, "\"not_consented\":0") != NULL) {
		free(before);
		free(after);
		fail_msg("ATTACK SUCCEEDS (70o): another centre's caseworker revived a withdrawn"
		         " statistics consent; the supervisor's export signs the case as consented");
	}
	free(before);
	free(after);
	th_rmdir(dir);
}

/* 70p: vault_audit_checkpoint signs only a root the handle's verifier
 * computed (facts_tree_is); vault_audit_cosign compares the checkpoint with
 * the STORED tree hashes (audit.tree, anyone's to rewrite) and a signature
 * by any user.  The reception caseworker rewrites the stored node of
 * entries 1..16, signs a checkpoint of size 16 with that root, and the
 * auditor, as witness, cosigns a tree that is not the log's. */
static void test_attack__70p_cosign_of_rewritten_stored_tree(void **state)
{
	char *dir = th_network();
	char idhex[VAULT_VAULT_ID_BUFSIZE];
	unsigned char fake[32];
	vault_buf cp = VAULT_BUF_INIT, out = VAULT_BUF_INIT;
	slot_secret sec;
	vault_kdf def;
	size_t n;
	const unsigned char *p = th_pass("cas_cw", &n);
	vault *w, *w2 = NULL;
	vault_status st;
	sqlite3 *db;
	sqlite3_stmt *s;
	unsigned char blob[64 * 32];
	int len;

	(void)state;
	assert_true(sql_int(dir, "cas_cw", "SELECT max(seq) FROM audit") > 32);
	w = th_open(dir, "aud");
	status_is(w, vault_id(w, idhex), VAULT_OK, "vault id");
	/* the stored node (level 4, index 0) lives in entry 16's row */
	randombytes_buf(fake, sizeof(fake));
	db = th_db_open(dir, "cas_cw");
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT tree FROM audit WHERE seq = 16", -1, &s,
	                                    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	len = sqlite3_column_bytes(s, 0);
	assert_int_equal(len, 5 * 32);
	memcpy(blob, sqlite3_column_blob(s, 0), (size_t)len);
	sqlite3_finalize(s);
	memcpy(blob + 4 * 32, fake, 32);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit SET tree = ?1 WHERE seq = 16", -1, &s,
	                                    NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, blob, len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_int_equal(vault__slot_unlock(dir, "cas_cw", p, n, &sec, &def), VAULT_OK);
	st = vault_audit_checkpoint_make_tree(idhex, 16, fake, "cas_cw", sec.sign_sk,
	                                      sec.sign_sk + 32, &cp);
	sodium_memzero(&sec, sizeof(sec));
	assert_int_equal(st, VAULT_OK);
	/* a witness opening now, or one whose handle was open before */
	p = th_pass("aud", &n);
	st = vault_open(dir, "aud", p, n, NULL, &w2);
	printf("   70p: the witness opens after the rewrite: %s (%s)\n", vault_strerror(st),
	       vault_last_errmsg());
	if (st == VAULT_OK) {
		vault_close(w);
		w = w2;
	}
	st = vault_audit_cosign(w, (const char *)cp.data, &out);
	printf("   70p: the auditor cosigns: %s (%s)\n", vault_strerror(st), vault_errmsg(w));
	vault_close(w);
	vault_buf_free(&cp);
	vault_buf_free(&out);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70p): the auditor cosigned a checkpoint whose root is not"
		         " the tree of the log (a stored node rewritten around the library)");
	th_rmdir(dir);
}

/* 70q: 70l through a withdrawal.  POLICY_CONSENT needs the share right on
 * one class; the withdrawal revokes the grants on the consent and rotates
 * every class they covered.  The reception caseworker (share on general)
 * withdraws, at the victim's request, her consent for the health service
 * (general and safety): a routine call whose entry no replay accepts. */
static void test_attack__70q_routine_withdrawal_by_general_sharer(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], cid2[VAULT_ID_BUFSIZE];
	vault_status st, sto;
	vault *v = NULL;
	size_t n;
	const unsigned char *p;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_SHARE, 0, cid);
	consent_and_share_org(dir, cs, "asl", VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY,
	                      VAULT_PERM_READ, cid2);
	st = as_user(dir, "cas_cw", 1, cs, cid2);
	if (st != VAULT_OK) {
		th_rmdir(dir);
		return; /* refused: nothing signed */
	}
	p = th_pass("cav_sup", &n);
	sto = vault_open(dir, "cav_sup", p, n, NULL, &v);
	printf("   70q: cav_sup opens: %s (%s)\n", vault_strerror(sto), vault_last_errmsg());
	if (v != NULL)
		vault_close(v);
	if (sto != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (70q): a routine withdrawal by a sharer of general signed"
		         " an entry no replay accepts: nobody can open the vault (%s)",
		         vault_strerror(sto));
	th_rmdir(dir);
}

struct links70 {
	const char *want;
	int n, found;
};

static int link_cb70r(const char *perp, void *ctx)
{
	struct links70 *l = ctx;

	l->n++;
	if (strcmp(perp, l->want) == 0)
		l->found = 1;
	return 0;
}

/* 70r: no forging.  vault_case_links reads at most 256 links (ORDER BY
 * rowid LIMIT 256) and says nothing of the rest.  The health service's
 * caseworker, who holds write on the victim's safety class (her consent),
 * links her case 256 times to a perpetrator case of his own; the link her
 * centre then makes to her abuser's case is never listed, and the listing
 * is OK. */
static void test_attack__70r_links_listing_truncated(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], decoy[VAULT_ID_BUFSIZE], abuser[VAULT_ID_BUFSIZE];
	char cid[VAULT_ID_BUFSIZE];
	struct links70 l = {NULL, 0, 0};
	vault_status st;
	vault *v;
	int i;

	(void)state;
	victim_case(dir, cs);
	consent_and_share_org(dir, cs, "asl", VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY,
	                      VAULT_PERM_WRITE, cid);
	th_case(dir, "asl_cw", VAULT_CASE_PERPETRATOR, 0, decoy);
	v = th_open(dir, "asl_cw");
	status_is(v, vault_begin(v), VAULT_OK, "begin");
	for (i = 0; i < 256; i++)
		status_is(v, vault_case_link(v, cs, decoy), VAULT_OK, "link");
	status_is(v, vault_commit(v), VAULT_OK, "commit");
	vault_close(v);
	th_case(dir, "cav_cw", VAULT_CASE_PERPETRATOR, 0, abuser);
	v = th_open(dir, "cav_cw");
	status_is(v, vault_case_link(v, cs, abuser), VAULT_OK, "the centre's link");
	l.want = abuser;
	st = vault_case_links(v, cs, link_cb70r, &l);
	printf("   70r: the centre lists her links: %s (%s), %d shown, hers %s\n",
	       vault_strerror(st), vault_errmsg(v), l.n, l.found ? "among them" : "missing");
	vault_close(v);
	if (st == VAULT_OK && !l.found)
		fail_msg("ATTACK SUCCEEDS (70r): the link to her abuser's case is left out of an OK"
		         " listing (%d shown)", l.n);
	th_rmdir(dir);
}

/* 70s: attack 19's rule (a write rotates a class key away from holders
 * whose grant lapsed since the epoch) is applied to records, links and
 * indicators, not to consent texts: vault_consent_add seals purpose and
 * reason under the general key in force (freetext.c vault__consent_seal),
 * with no rotation.  The reception caseworker's grant on general lapses;
 * the centre then records a new consent for the health service; with the
 * key he kept (his seal rows are still there) he reads its purpose. */
static void test_attack__70s_consent_text_after_lapse(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], cid2[VAULT_ID_BUFSIZE];
	const char *secret = "transfer to the shelter in via Po 7, Asti";
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	unsigned char key[32], *blob = NULL;
	char *purpose = NULL, *reason = NULL;
	long long e0, ep;
	vault_status st;
	sqlite3 *db;
	sqlite3_stmt *s;
	int blen = 0;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_READ, (int64_t)time(NULL) + 60, cid);
	e0 = kept_key(dir, "cas_cw", cs, VAULT_CLASS_GENERAL, key);
	vault__clock_shift(120); /* his grant lapsed */
	v = th_open(dir, "cav_cw");
	co.org = "asl";
	co.classes = VAULT_CLASS_GENERAL;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = secret;
	status_is(v, vault_consent_add(v, cs, &co, cid2), VAULT_OK, "consent after the lapse");
	vault_close(v);
	vault__clock_shift(-120);
	ep = sql_intf(dir, "cas_cw", "SELECT sealed_epoch FROM consents WHERE id = '%s'", cid2);
	printf("   70s: his key's epoch %lld, the new consent's %lld\n", e0, ep);
	db = th_db_open(dir, "cas_cw");
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM consents WHERE id = ?1", -1,
	                                    &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, cid2, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	blen = sqlite3_column_bytes(s, 0);
	blob = malloc((size_t)blen);
	memcpy(blob, sqlite3_column_blob(s, 0), (size_t)blen);
	sqlite3_finalize(s);
	sqlite3_close(db);
	/* he opens it with the keys of his own slot (his seal of that epoch) */
	v = th_open(dir, "cas_cw");
	st = vault__consent_open(v, cs, cid2, (uint32_t)ep, blob, (size_t)blen, &purpose, &reason);
	vault_close(v);
	free(blob);
	if (st == VAULT_OK && purpose != NULL && strcmp(purpose, secret) == 0) {
		free(purpose);
		free(reason);
		fail_msg("ATTACK SUCCEEDS (70s): after his grant lapsed he reads the purpose of a"
		         " consent recorded since: \"%s\"", secret);
	}
	free(purpose);
	free(reason);
	th_rmdir(dir);
}

/* ---- 80. an eighth insider review ----------------------------------------
 * After the seventh review's new replay rules: routine sequences through
 * the public API after which every user's fresh open must still verify
 * (a refusal is a lock-out of the whole vault), and attempts around the
 * new rules. */

static const char *const net80[] = {"admin", "aud", "cav_sup", "cav_cw", "cas_sup", "cas_cw",
                                     "cuav_sup", "cuav_cw", "asl_sup", "asl_cw", NULL};

/* Every user (of the network and `extra`) opens afresh: from the log. */
static void all_open80(const char *dir, const char *tag, const char *const *extra)
{
	const char *const *lists[2] = {net80, extra};
	int l, i;

	for (l = 0; l < 2; l++)
		for (i = 0; lists[l] != NULL && lists[l][i] != NULL; i++) {
			const char *u = lists[l][i];
			vault *v = NULL;
			size_t n;
			const unsigned char *p = th_pass(u, &n);
			vault_status st;

			th_forget_cache(dir, u);
			st = vault_open(dir, u, p, n, NULL, &v);
			if (st == VAULT_ERR_AUTH || st == VAULT_ERR_NOT_FOUND) {
				printf("   %s: %s cannot open (%s): disabled?\n", tag, u, vault_strerror(st));
				continue;
			}
			if (st != VAULT_OK)
				fail_msg("LOCK-OUT (%s): after routine calls %s's fresh open fails: %s (%s)",
				         tag, u, vault_strerror(st), vault_last_errmsg());
			vault_close(v);
		}
	printf("   %s: every fresh open verifies\n", tag);
}

#define STEP80(tag, v, call)                                                                  \
	do {                                                                                  \
		vault_status st_ = (call);                                                    \
		printf("   %s: %s: %s (%s)\n", tag, #call, vault_strerror(st_),                 \
		       st_ == VAULT_OK ? "" : vault_errmsg(v));                                 \
	} while (0)

static vault_status consent80(vault *v, const char *cs, const char *org, unsigned int classes,
                              vault_basis basis, int64_t expires, char cid[VAULT_ID_BUFSIZE])
{
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;

	co.org = org;
	co.classes = classes;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "referral";
	co.basis = basis;
	co.reason = basis == VAULT_BASIS_CONSENT ? NULL : "she is in danger, taken to hospital";
	co.expires = expires;
	return vault_consent_add(v, cs, &co, cid);
}

static vault_status share80(vault *v, const char *cs, vault_principal_kind k, const char *to,
                            unsigned int classes, vault_perm perm, const char *cid,
                            int64_t expires)
{
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;

	so.consent_id = cid;
	so.perm = perm;
	so.expires = expires;
	return vault_share(v, cs, k, to, classes, &so);
}

/* 80a: 70f's fix skips a low-order box key when sealing a reason and the
 * database key, not when sealing an organisation key (orgs.c put_org_key)
 * or a class key (gate.c seal_to).  A caseworker signs her own new box key
 * as zeros (her own keys: entitled); then her supervisor cannot disable a
 * colleague who leaves (the organisation's rotation fails), and a victim's
 * consent cannot be withdrawn on a case she holds by name. */
static void test_attack__80a_member_poisons_own_box_key(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	size_t n;
	const unsigned char *p = th_first_pass("cav_cw2", &n);
	vault_status st, st2, st3;
	vault *v;

	(void)state;
	v = th_open(dir, "cav_sup");
	status_is(v, vault_user_add(v, "cav_cw2", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	          VAULT_OK, "user add");
	vault_close(v);
	th_first_passwd(dir, "cav_cw2");
	th_case(dir, "cav_sup", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "cav_sup", cs, "intake", VAULT_CLASS_GENERAL, "first interview");
	v = th_open(dir, "cav_sup");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_USER, "cav_cw", VAULT_CLASS_ALL,
	                     VAULT_PERM_WRITE, NULL, 0), VAULT_OK, "share to cav_cw");
	status_is(v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cid),
	          VAULT_OK, "consent");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL,
	                     VAULT_PERM_READ, cid, 0), VAULT_OK, "share to cas");
	vault_close(v);
	st = forge(dir, "cav_cw", "UPDATE users SET box_pk = zeroblob(32) WHERE name = 'cav_cw'",
	           "user.rekey", NULL, NULL);
	if (st != VAULT_OK) {
		refused(NULL, st, "80a forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cav_cw", "80a")) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_sup");
	st2 = vault_consent_withdraw(v, cid);
	printf("   80a: the victim withdraws her consent: %s (%s)\n", vault_strerror(st2),
	       vault_errmsg(v));
	st3 = vault_user_disable(v, "cav_cw2");
	printf("   80a: cav_sup disables cav_cw2, who left: %s (%s)\n", vault_strerror(st3),
	       vault_errmsg(v));
	vault_close(v);
	if (st2 != VAULT_OK || st3 != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (80a): a caseworker's signed box key of zeros stops the"
		         " victim's consent withdrawal (%s) and every disable in her organisation (%s)",
		         vault_strerror(st2), vault_strerror(st3));
	th_rmdir(dir);
}

/* 80b: no attacker.  Shares and re-shares: the same consent (widening
 * classes, changing right and expiry, by another sharer), another consent,
 * a share onwards by a holder of another organisation, revocations by a
 * sharer of another organisation and by the owner, a withdrawal; consents
 * with an expiry. */
static void test_attack__80b_reshares_and_revocations(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], ca[VAULT_ID_BUFSIZE], cb[VAULT_ID_BUFSIZE],
	    cc[VAULT_ID_BUFSIZE];
	int64_t now = (int64_t)time(NULL);
	vault *v;

	(void)state;
	victim_case(dir, cs);
	th_put(dir, "cav_cw", cs, "notes", VAULT_CLASS_SENSITIVE, "she fears him");
	v = th_open(dir, "cav_cw");
	STEP80("80b", v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE,
	                           VAULT_BASIS_CONSENT, now + 7 * 86400, ca));
	STEP80("80b", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_READ, ca, 0));
	STEP80("80b", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas",
	                         VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE, VAULT_PERM_WRITE, ca,
	                         now + 30 * 86400));
	STEP80("80b", v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cb));
	STEP80("80b", v, share80(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_SHARE, cb, 0));
	STEP80("80b", v, share80(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_SHARE, NULL, now + 86400));
	STEP80("80b", v, consent80(v, cs, "asl", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT,
	                           now + 3 * 86400, cc));
	vault_close(v);
	all_open80(dir, "80b-1", NULL);
	v = th_open(dir, "cav_sup");
	STEP80("80b", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas",
	                         VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE, VAULT_PERM_SHARE, ca,
	                         now + 2 * 86400));
	vault_close(v);
	v = th_open(dir, "cas_cw");
	STEP80("80b", v, share80(v, cs, VAULT_PRINCIPAL_USER, "cas_sup", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_READ, NULL, 0));
	STEP80("80b", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "asl", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_WRITE, NULL, 0));
	STEP80("80b", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "asl", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_READ, cc, 0));
	vault_close(v);
	all_open80(dir, "80b-2", NULL);
	v = th_open(dir, "cas_cw");
	STEP80("80b", v, vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "asl"));
	STEP80("80b", v, vault_revoke(v, cs, VAULT_PRINCIPAL_USER, "cas_sup"));
	vault_close(v);
	all_open80(dir, "80b-3", NULL);
	v = th_open(dir, "cas_sup");
	STEP80("80b", v, vault_consent_withdraw(v, cb));
	vault_close(v);
	v = th_open(dir, "cav_cw");
	STEP80("80b", v, vault_consent_withdraw(v, cb));
	STEP80("80b", v, vault_consent_withdraw(v, cc));
	vault_close(v);
	all_open80(dir, "80b-4", NULL);
	vault__clock_shift(3 * 86400); /* the cas grant and the asl consent lapsed */
	v = th_open(dir, "cav_cw");
	STEP80("80b", v, vault_record_put(v, cs, "notes", VAULT_CLASS_SENSITIVE, "moved", 5, NULL));
	STEP80("80b", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas",
	                         VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE, VAULT_PERM_READ, ca,
	                         0));
	STEP80("80b", v, vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "cas"));
	STEP80("80b", v, vault_consent_withdraw(v, ca));
	vault_close(v);
	all_open80(dir, "80b-5", NULL);
	vault__clock_shift(-3 * 86400);
	th_rmdir(dir);
}

/* 80c: no attacker.  An emergency basis (vital interest) recorded by the
 * supervisor, with an expiry; shares on it to an organisation and to a
 * user of another, a re-share by its holder, withdrawal by the holder's
 * organisation and by the owner; then disables in both. */
static void test_attack__80c_emergency_basis_and_disables(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], ce[VAULT_ID_BUFSIZE], ce2[VAULT_ID_BUFSIZE];
	int64_t now = (int64_t)time(NULL);
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_sup");
	STEP80("80c", v, consent80(v, cs, "asl", VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY,
	                           VAULT_BASIS_VITAL_INTEREST, now + 86400, ce));
	STEP80("80c", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "asl",
	                         VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY, VAULT_PERM_SHARE, ce, 0));
	STEP80("80c", v, consent80(v, cs, "pref", VAULT_CLASS_GENERAL,
	                           VAULT_BASIS_LEGAL_OBLIGATION, 0, ce2));
	STEP80("80c", v, share80(v, cs, VAULT_PRINCIPAL_USER, "pref_sup", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_READ, ce2, 0));
	vault_close(v);
	v = th_open(dir, "asl_cw");
	STEP80("80c", v, share80(v, cs, VAULT_PRINCIPAL_USER, "asl_sup",
	                         VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY, VAULT_PERM_READ, NULL, 0));
	STEP80("80c", v, vault_record_put(v, cs, "er", VAULT_CLASS_SAFETY, "bruises", 7, NULL));
	vault_close(v);
	all_open80(dir, "80c-1", NULL);
	v = th_open(dir, "asl_sup");
	STEP80("80c", v, vault_user_disable(v, "asl_cw"));
	vault_close(v);
	all_open80(dir, "80c-2", NULL);
	v = th_open(dir, "asl_sup");
	STEP80("80c", v, vault_consent_withdraw(v, ce));
	vault_close(v);
	all_open80(dir, "80c-2b", NULL);
	v = th_open(dir, "cav_cw");
	STEP80("80c", v, vault_consent_withdraw(v, ce));
	STEP80("80c", v, vault_revoke(v, cs, VAULT_PRINCIPAL_USER, "pref_sup"));
	vault_close(v);
	v = th_open(dir, "admin");
	STEP80("80c", v, vault_user_disable(v, "pref_sup"));
	STEP80("80c", v, vault_user_disable(v, "cav_sup"));
	vault_close(v);
	all_open80(dir, "80c-3", NULL);
	th_rmdir(dir);
}

/* 80d: no attacker.  A restricted case; break-glass for the longest window
 * and for the default one; its holder leaves (disabled); the supervisor,
 * under break-glass, hands it over; the new holder moves a record up, the
 * supervisor moves one down and redacts; a link, indicators. */
static void test_attack__80d_break_glass_handover_moves(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], pc[VAULT_ID_BUFSIZE];
	const char *extra[] = {"cav_cw2", NULL};
	const char *ind[2] = {"violence=stalking,psychological", "age_band=30-39"};
	size_t n;
	const unsigned char *p = th_first_pass("cav_cw2", &n);
	vault *v;

	v = th_open(dir, "cav_sup");
	status_is(v, vault_user_add(v, "cav_cw2", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	          VAULT_OK, "user add");
	vault_close(v);
	th_first_passwd(dir, "cav_cw2");
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 1, cs);
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "first interview");
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1, Torino");
	th_put(dir, "cav_cw", cs, "notes", VAULT_CLASS_SENSITIVE, "she fears him");
	th_case(dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, pc);
	v = th_open(dir, "cav_sup");
	STEP80("80d", v, vault_break_glass(v, cs, "urgent: she called the centre from hospital",
	                                   VAULT_BREAK_GLASS_MAX_S));
	vault_close(v);
	all_open80(dir, "80d-1", extra);
	vault__clock_shift(VAULT_BREAK_GLASS_MAX_S + 60);
	v = th_open(dir, "admin");
	STEP80("80d", v, vault_user_disable(v, "cav_cw"));
	vault_close(v);
	v = th_open(dir, "cav_sup");
	STEP80("80d", v, vault_break_glass(v, cs, "her caseworker left: the case must go on", 0));
	STEP80("80d", v, share80(v, cs, VAULT_PRINCIPAL_USER, "cav_cw2", VAULT_CLASS_ALL,
	                         VAULT_PERM_SHARE, NULL, 0));
	STEP80("80d", v, vault_record_reclassify(v, cs, "notes", VAULT_CLASS_SENSITIVE,
	                                         VAULT_CLASS_GENERAL,
	                                         "she asked for it to be shared with all", NULL));
	vault_close(v);
	all_open80(dir, "80d-2", extra);
	v = th_open(dir, "cav_cw2");
	STEP80("80d", v, vault_record_put(v, cs, "intake", VAULT_CLASS_GENERAL, "second", 6, NULL));
	STEP80("80d", v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL,
	                                         VAULT_CLASS_SAFETY, NULL, NULL));
	STEP80("80d", v, vault_case_link(v, cs, pc));
	STEP80("80d", v, vault_case_indicators_set(v, cs, ind, 2));
	STEP80("80d", v, vault_break_glass(v, cs, "caseworkers may not break the glass", 0));
	vault_close(v);
	v = th_open(dir, "cav_sup");
	STEP80("80d", v, vault_record_redact(v, cs, "shelter", VAULT_CLASS_SAFETY, 1,
	                                     "an address she asked us to forget now"));
	STEP80("80d", v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_SAFETY,
	                                         VAULT_CLASS_SENSITIVE,
	                                         "not a safety matter after all, she said", NULL));
	vault_close(v);
	all_open80(dir, "80d-3", extra);
	vault__clock_shift(-(VAULT_BREAK_GLASS_MAX_S + 60));
	th_rmdir(dir);
}

/* 80e: no attacker.  An organisation the admin adds: before its first
 * supervisor's first passphrase change, cases are shared to it (one on a
 * grant that lapsed, one on a consent since withdrawn, a perpetrator case);
 * then her change, a colleague she adds, a disable. */
static void test_attack__80e_new_org_first_passwd(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cs2[VAULT_ID_BUFSIZE], pc[VAULT_ID_BUFSIZE],
	    c1[VAULT_ID_BUFSIZE], c2[VAULT_ID_BUFSIZE];
	const char *extra[] = {"new_sup", "new_cw", NULL};
	int64_t now = (int64_t)time(NULL);
	size_t n;
	const unsigned char *p = th_first_pass("new_sup", &n);
	vault *v;

	(void)state;
	v = th_open(dir, "admin");
	status_is(v, vault_org_add(v, "newc", "newc", VAULT_ORG_HEALTH, "new_sup", p, n, TEST_KDF),
	          VAULT_OK, "org add");
	vault_close(v);
	victim_case(dir, cs);
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cs2);
	th_put(dir, "cav_cw", cs2, "intake", VAULT_CLASS_GENERAL, "x");
	th_case(dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, pc);
	th_put(dir, "cuav_cw", pc, "prog", VAULT_CLASS_SENSITIVE, "y");
	v = th_open(dir, "cav_cw");
	STEP80("80e", v, consent80(v, cs, "newc", VAULT_CLASS_ALL, VAULT_BASIS_CONSENT, 0, c1));
	STEP80("80e", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "newc",
	                         VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY, VAULT_PERM_WRITE, c1,
	                         now + 60));
	STEP80("80e", v, consent80(v, cs2, "newc", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, c2));
	STEP80("80e", v, share80(v, cs2, VAULT_PRINCIPAL_ORG, "newc", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_READ, c2, 0));
	STEP80("80e", v, vault_consent_withdraw(v, c2));
	vault_close(v);
	v = th_open(dir, "cuav_cw");
	STEP80("80e", v, share80(v, pc, VAULT_PRINCIPAL_ORG, "newc", VAULT_CLASS_SENSITIVE,
	                         VAULT_PERM_READ, NULL, 0));
	vault_close(v);
	vault__clock_shift(120); /* the grant on cs lapsed */
	th_first_passwd(dir, "new_sup");
	all_open80(dir, "80e-1", extra);
	p = th_first_pass("new_cw", &n);
	v = th_open(dir, "new_sup");
	STEP80("80e", v, vault_user_add(v, "new_cw", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF));
	vault_close(v);
	th_first_passwd(dir, "new_cw");
	v = th_open(dir, "new_sup");
	STEP80("80e", v, vault_user_disable(v, "new_cw"));
	vault_close(v);
	all_open80(dir, "80e-2", extra);
	vault__clock_shift(-120);
	th_rmdir(dir);
}

/* 80f: no attacker.  On the 1.0.0 fixture: a colleague added and
 * disabled, an organisation added by the admin whose first supervisor
 * changes her passphrase after a share to it, a withdrawal, break-glass
 * for the longest window, a move up and a supervisor's move down. */
static void test_attack__80f_fixture_routine_sequence(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "", cid[VAULT_ID_BUFSIZE];
	const char *extra[] = {"cav_cw2", "rc_sup", NULL};
	size_t n;
	const unsigned char *p;
	vault *v;

	(void)state;
	fixture_ready(base, dir, sizeof(dir), cs);
	p = th_first_pass("cav_cw2", &n);
	v = th_open(dir, "cav_sup");
	STEP80("80f", v, vault_user_add(v, "cav_cw2", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF));
	vault_close(v);
	th_first_passwd(dir, "cav_cw2");
	p = th_first_pass("rc_sup", &n);
	v = th_open(dir, "admin");
	STEP80("80f", v, vault_org_add(v, "rc", "rc", VAULT_ORG_RECEPTION_CENTRE, "rc_sup", p, n,
	                               TEST_KDF));
	vault_close(v);
	v = th_open(dir, "cav_cw");
	STEP80("80f", v, consent80(v, cs, "rc", VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE,
	                           VAULT_BASIS_CONSENT, 0, cid));
	STEP80("80f", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "rc", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_SHARE, cid, 0));
	STEP80("80f", v, share80(v, cs, VAULT_PRINCIPAL_USER, "cav_cw2", VAULT_CLASS_ALL,
	                         VAULT_PERM_WRITE, NULL, 0));
	STEP80("80f", v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL,
	                                         VAULT_CLASS_SENSITIVE, NULL, NULL));
	vault_close(v);
	th_first_passwd(dir, "rc_sup");
	all_open80(dir, "80f-1", extra);
	v = th_open(dir, "cav_sup");
	STEP80("80f", v, vault_user_disable(v, "cav_cw2"));
	STEP80("80f", v, vault_break_glass(v, cs, "urgent: she called the centre from hospital",
	                                   VAULT_BREAK_GLASS_MAX_S));
	STEP80("80f", v, vault_record_reclassify(v, cs, "addr", VAULT_CLASS_SAFETY,
	                                         VAULT_CLASS_GENERAL,
	                                         "she asked for it to be shared with all", NULL));
	vault_close(v);
	v = th_open(dir, "rc_sup");
	STEP80("80f", v, vault_consent_withdraw(v, cid));
	vault_close(v);
	all_open80(dir, "80f-2", extra);
	th_rmdir(base);
}

/* 80g: no attacker.  Checkpoints below the head: made, then the log grows
 * (other users' writes), then cosigned by a witness whose handle was open
 * before, by a fresh one, proven consistent and inclusive.  A refusal is a
 * false alarm of a forked log. */
static void test_attack__80g_cosign_prove_below_head(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault_buf cp1 = VAULT_BUF_INIT, cp2 = VAULT_BUF_INIT, out = VAULT_BUF_INIT;
	vault_status st[6];
	vault *w, *a, *w2;
	int i;

	(void)state;
	victim_case(dir, cs);
	w = th_open(dir, "aud");
	a = th_open(dir, "admin");
	status_is(a, vault_audit_checkpoint(a, &cp1), VAULT_OK, "checkpoint 1");
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "second interview");
	th_put(dir, "cav_cw", cs, "notes", VAULT_CLASS_SENSITIVE, "she fears him");
	st[0] = vault_audit_cosign(w, (const char *)cp1.data, &out);
	printf("   80g: old witness handle cosigns cp1: %s (%s)\n", vault_strerror(st[0]),
	       vault_errmsg(w));
	vault_buf_free(&out);
	w2 = th_open(dir, "aud");
	st[1] = vault_audit_cosign(w2, (const char *)cp1.data, &out);
	printf("   80g: fresh witness cosigns cp1: %s (%s)\n", vault_strerror(st[1]), vault_errmsg(w2));
	vault_buf_free(&out);
	st[2] = vault_audit_prove_consistency(a, (const char *)cp1.data, NULL, &out);
	printf("   80g: old admin handle proves cp1 -> now: %s (%s)\n", vault_strerror(st[2]),
	       vault_errmsg(a));
	vault_buf_free(&out);
	st[3] = vault_audit_prove_inclusion(a, 2, (const char *)cp1.data, &out);
	printf("   80g: old admin handle proves entry 2 in cp1: %s (%s)\n", vault_strerror(st[3]),
	       vault_errmsg(a));
	vault_buf_free(&out);
	status_is(a, vault_audit_checkpoint(a, &cp2), VAULT_OK, "checkpoint 2");
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "third interview");
	st[4] = vault_audit_cosign(w, (const char *)cp2.data, &out);
	printf("   80g: old witness handle cosigns cp2: %s (%s)\n", vault_strerror(st[4]),
	       vault_errmsg(w));
	vault_buf_free(&out);
	st[5] = vault_audit_prove_consistency(w2, (const char *)cp1.data, (const char *)cp2.data,
	                                      &out);
	printf("   80g: witness proves cp1 -> cp2: %s (%s)\n", vault_strerror(st[5]),
	       vault_errmsg(w2));
	vault_buf_free(&out);
	vault_close(w);
	vault_close(w2);
	vault_close(a);
	vault_buf_free(&cp1);
	vault_buf_free(&cp2);
	for (i = 0; i < 6; i++)
		if (st[i] == VAULT_ERR_INTEGRITY)
			fail_msg("LOCK-OUT (80g): step %d: an honest checkpoint below the head is called"
			         " not this log's (a false alarm of a forked log)", i);
	th_rmdir(dir);
}

struct count80 {
	const char *action;
	int n;
};

static int count_action80(const vault_audit_entry *e, void *ctx)
{
	struct count80 *c = ctx;

	if (strcmp(e->action, c->action) == 0)
		c->n++;
	return 0;
}

/* 80h: the replay binds a break-glass window to a reviewed "break-glass"
 * entry (70e), not to the entry's case.  The supervisor signs a
 * break-glass entry naming one case of hers, with the window of another
 * (restricted) case in it, and reads that case: its audit query shows her
 * reads and no break-glass on it. */
static void test_attack__80h_break_glass_entry_names_another_case(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], decoy[VAULT_ID_BUFSIZE], *sql, *txt = NULL;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	struct count80 c = {"break-glass", 0};
	long long now = (long long)time(NULL);
	vault_status st;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 1, cs);
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1, Torino");
	th_case(dir, "cav_sup", VAULT_CASE_VICTIM, 0, decoy);
	sql = dup_printf("INSERT INTO breakglass(case_id, user, until, reason, created)"
	                 " VALUES('%s', 'cav_sup', %lld, '', %lld)", cs, now + 3600, now);
	forge_high = 1;
	st = forge(dir, "cav_sup", sql, "break-glass", decoy, NULL);
	forge_high = 0;
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "80h forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_cw", "cav_sup", "80h")) {
		th_rmdir(dir);
		return;
	}
	st = get_cls(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, &txt);
	printf("   80h: the supervisor reads the restricted case: %s\n", vault_strerror(st));
	free(txt);
	v = th_open(dir, "aud");
	q.case_id = cs;
	status_is(v, vault_audit_foreach(v, &q, count_action80, &c), VAULT_OK, "audit query");
	vault_close(v);
	printf("   80h: break-glass entries on the case: %d\n", c.n);
	if (st == VAULT_OK && c.n == 0)
		fail_msg("ATTACK SUCCEEDS (80h): a break-glass window on a restricted case, signed in"
		         " an entry naming another case: her reads of it show no break-glass in the"
		         " case's audit");
	th_rmdir(dir);
}

/* 80j: the replay takes an organisation key epoch only as the next one,
 * and an organisation key only with its epoch (70c), but not an epoch
 * without its keys.  The admin signs cav's epoch + 1 alone: no key of that
 * epoch exists, so no class key is sealed to the centre (gate.c holder_pk
 * finds no org_pubkeys row and leaves the holder out, silently). */
static void test_attack__80j_org_epoch_without_keys(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *txt = NULL;
	vault_status st, st2, st3;
	vault *v;

	(void)state;
	st = forge(dir, "admin", "UPDATE orgs SET epoch = epoch + 1 WHERE id = 'cav'", "org.add",
	           NULL, NULL);
	if (st != VAULT_OK) {
		refused(NULL, st, "80j forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "admin", "80j")) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_cw");
	st = vault_case_create(v, VAULT_CASE_VICTIM, 0, cs);
	printf("   80j: cav_cw creates a case: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	st2 = st == VAULT_OK ? vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7", 8,
	                                        NULL)
	                     : st;
	printf("   80j: and writes: %s (%s)\n", vault_strerror(st2), vault_errmsg(v));
	vault_close(v);
	st3 = st == VAULT_OK ? get_cls(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, &txt) : st;
	printf("   80j: her supervisor reads it: %s\n", vault_strerror(st3));
	free(txt);
	if (st != VAULT_OK || st2 != VAULT_OK || st3 != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (80j): an organisation epoch signed without its keys: the"
		         " centre's new cases are not sealed to it (create %s, write %s, supervisor"
		         " reads %s)", vault_strerror(st), vault_strerror(st2), vault_strerror(st3));
	th_rmdir(dir);
}

/* The victim case, with general and sensitive shared on her consent to
 * the reception caseworker to write: a writer of two classes who is no
 * supervisor of the owning organisation.  Returns the owner's handle. */
static vault *shared_two_classes(const char *dir, char cs[VAULT_ID_BUFSIZE])
{
	char cid[VAULT_ID_BUFSIZE];
	vault *v;

	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE,
	                       VAULT_BASIS_CONSENT, 0, cid), VAULT_OK, "consent");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_USER, "cas_cw",
	                     VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE, VAULT_PERM_WRITE, cid, 0),
	          VAULT_OK, "share");
	return v;
}

/* The reception caseworker, writer of general and sensitive on the
 * victim's consent (no redaction right), signs around the library the
 * redaction of the victim centre's general intake beside a junk sensitive
 * version of her own; `claim` also restates the intake as hers.  Returns
 * the forge's status. */
static vault_status forge_junk_move_up(const char *dir, char cs[VAULT_ID_BUFSIZE], int claim,
                                       const char *tag_)
{
	char *sql;
	long long now = (long long)time(NULL);
	vault_status st;
	vault *v;

	v = shared_two_classes(dir, cs);
	st = vault_record_redact(v, cs, "intake", VAULT_CLASS_GENERAL, 1,
	                         "control: a caseworker's redaction");
	printf("   %s: (the owner's caseworker may redact? %s)\n", tag_, vault_strerror(st));
	vault_close(v);
	if (st == VAULT_OK)
		th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "first interview");
	v = th_open(dir, "cas_cw");
	st = vault_record_redact(v, cs, "intake", VAULT_CLASS_GENERAL, 0,
	                         "the API: she may not redact it");
	printf("   %s: cas_cw redacts by the API: %s\n", tag_, vault_strerror(st));
	vault_close(v);
	sql = dup_printf("INSERT INTO records(case_id, name, version, class, epoch, deleted, size,"
	                 " author, created, nonce, ct, label, padded) SELECT '%s', randomblob(16),"
	                 " 1, 2, epoch, 0, 5, 'cas_cw', %lld, randomblob(24), randomblob(48),"
	                 " randomblob(64), 1 FROM case_classes WHERE case_id = '%s' AND class = 2;"
	                 "UPDATE records SET nonce = NULL, ct = NULL, redacted_by = 'cas_cw',"
	                 " redacted_at = %lld, redact_reason = 'moved to sensitive'%s WHERE"
	                 " case_id = '%s' AND class = 1 AND author = 'cav_cw' AND"
	                 " redacted_by IS NULL", cs, now, cs, now, claim ? ", author = 'cas_cw'" : "",
	                 cs);
	st = forge(dir, "cas_cw", sql, "record.reclassify", cs, NULL);
	free(sql);
	return st;
}

/* forge_junk_move_up(), then the victim centre's caseworker opens, lists
 * and reads her intake: the attack fails if the entry is refused. */
static void junk_move_up(int claim, const char *tag_)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *txt = NULL;
	vault_status st;

	st = forge_junk_move_up(dir, cs, claim, tag_);
	if (st != VAULT_OK) {
		refused(NULL, st, tag_);
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_cw", "cas_cw", tag_)) {
		th_rmdir(dir);
		return;
	}
	{
		int nl = 0, nh = 0;
		vault_status hst = VAULT_OK;
		vault_status lst = list_and_history(dir, "cav_cw", cs, "intake", 1, &nl, &nh, &hst);

		printf("   %s: the owner lists the case: %s (%d records; history %s)\n",
		       tag_, vault_strerror(lst), nl, vault_strerror(hst));
	}
	st = get_cls(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, &txt);
	printf("   %s: the owner reads her intake: %s (%s)\n", tag_, vault_strerror(st), txt ? txt : "");
	if (st != VAULT_OK || txt == NULL || strstr(txt, "interview") == NULL) {
		free(txt);
		fail_msg("ATTACK SUCCEEDS (%s): a writer without the redaction right destroyed the"
		         " victim centre's intake (%s) by signing a junk version of her own beside it",
		         tag_, vault_strerror(st));
	}
	free(txt);
	th_rmdir(dir);
}

/* Forge `sql` as `signer` in an entry labelled `action` about case `cs`,
 * then open as `reader`.  0 when the forge or the open refuses it (the
 * open at the signer's entry), 1 when the entry stands. */
/* An entry signed by `signer` (st: how its signing went): 1 when every
 * open by `reader` accepts it, 0 when refused (and said so). */
static int signed_and_kept(vault_status st, const char *dir, const char *signer,
                           const char *reader, const char *tag_)
{
	if (st != VAULT_OK) {
		refused(NULL, st, tag_);
		return 0;
	}
	return !open_refuses_entry_of(dir, reader, signer, tag_);
}

static int forged_and_kept(const char *dir, const char *signer, const char *sql,
                           const char *action, const char *cs, const char *reader,
                           const char *tag_)
{
	return signed_and_kept(forge(dir, signer, sql, action, cs, NULL), dir, signer, reader,
	                       tag_);
}

/* 100a: a redaction rewrites the history it keeps.  The replay saw a
 * redaction only as "the ciphertext goes, by her": the rest of the row
 * (author, time, size, label) was whatever her statement said, since the
 * facts keep a version's hash, not its image.  The victim centre's
 * supervisor, entitled to redact, redacts the intake around the library
 * and states it as written by the reception caseworker. */
/* 80k: moved_up_from() asks only that the entry write SOME version of the
 * case in a higher class as the redactor's.  The reception caseworker,
 * writer of general and sensitive on the victim's consent (no redaction
 * right), signs a redaction of the victim centre's intake with a junk
 * sensitive version of her own beside it: the content is destroyed, not
 * moved. */
static void test_attack__80k_redaction_beside_an_unrelated_version(void **state)
{
	(void)state;
	junk_move_up(0, "80k");
}

/* The victim centre's supervisor (after redacting the intake herself, if
 * `redacted`) signs, around the library, an UPDATE of the intake's row
 * that `set`s what a redaction leaves; the attack fails if it is refused. */
static void redaction_restated(int redacted, const char *set, const char *tag_)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *sql;
	int kept;
	vault *v;

	victim_case(dir, cs);
	if (redacted) {
		v = th_open(dir, "cav_sup");
		status_is(v, vault_record_redact(v, cs, "intake", VAULT_CLASS_GENERAL, 1,
		                                 "the intake named her brother's address"),
		          VAULT_OK, "the supervisor redacts the intake");
		vault_close(v);
	}
	sql = dup_printf("UPDATE records SET %s WHERE case_id = '%s' AND class = 1", set, cs);
	kept = forged_and_kept(dir, "cav_sup", sql, "record.redact", cs, "cav_cw", tag_);
	free(sql);
	if (kept)
		fail_msg("ATTACK SUCCEEDS (%s): a redaction set %s, and the replay took it", tag_,
		         set);
	th_rmdir(dir);
}

static void test_attack__100a_redaction_rewrites_the_author(void **state)
{
	(void)state;
	redaction_restated(0, "nonce = NULL, ct = NULL, redacted_by = 'cav_sup',"
	                      " redacted_at = CAST(strftime('%s', 'now') AS INTEGER),"
	                      " redact_reason = randomblob(60), author = 'cas_cw'", "100a");
}

/* 100b: 80k with the author rewritten.  Judged on the row it states, the
 * redacted version is the redactor's own, which a move up may redact: the
 * reception caseworker states the intake as hers beside her junk copy. */
static void test_attack__100b_move_up_claims_the_version(void **state)
{
	(void)state;
	junk_move_up(1, "100b");
}

/* 100c: a version redacted again.  A second redaction (here by the same
 * supervisor, around the library) would rewrite who redacted it, when
 * and why: the history a redaction leaves. */
static void test_attack__100c_version_redacted_again(void **state)
{
	(void)state;
	redaction_restated(1, "redacted_at = redacted_at - 86400, redact_reason = randomblob(60)",
	                   "100c");
}

/* The victim centre's caseworker reads her intake, as written, in `cls`. */
static void intake_reads(const char *dir, const char *cs, unsigned int cls)
{
	char *txt = NULL;

	status_is(NULL, get_cls(dir, "cav_cw", cs, "intake", cls, &txt), VAULT_OK, "the intake");
	assert_string_equal(txt, "first interview");
	free(txt);
}

/* 100d: through the API, what 80k forged.  A writer of both classes who
 * is no supervisor moves her own record up, not a colleague's; the
 * owning organisation's supervisor moves the colleague's.  The refusal
 * changes nothing: the intake still reads in general. */
static void test_attack__100d_move_up_of_anothers_version_by_api(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	uint32_t ver = 0;
	vault_status st;
	vault *v;

	(void)state;
	v = shared_two_classes(dir, cs);
	vault_close(v);
	th_put(dir, "cas_cw", cs, "note", VAULT_CLASS_GENERAL, "met her at the station");
	v = th_open(dir, "cas_cw");
	st = vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL, VAULT_CLASS_SENSITIVE,
	                             NULL, &ver);
	printf("   100d: cas_cw moves the intake up: %s (%s)\n", vault_strerror(st),
	       vault_errmsg(v));
	if (st != VAULT_ERR_DENIED || strstr(vault_errmsg(v), "written by cav_cw") == NULL)
		fail_msg("100d: a writer moved another author's version up: %s (%s)",
		         vault_strerror(st), vault_errmsg(v));
	status_is(v, vault_record_reclassify(v, cs, "note", VAULT_CLASS_GENERAL,
	                                     VAULT_CLASS_SENSITIVE, NULL, &ver),
	          VAULT_OK, "she moves her own note up");
	vault_close(v);
	intake_reads(dir, cs, VAULT_CLASS_GENERAL); /* nothing moved */
	v = th_open(dir, "cav_sup");
	status_is(v, vault_record_reclassify(v, cs, "intake", VAULT_CLASS_GENERAL,
	                                     VAULT_CLASS_SENSITIVE, NULL, &ver),
	          VAULT_OK, "the supervisor moves the intake up");
	vault_close(v);
	intake_reads(dir, cs, VAULT_CLASS_SENSITIVE);
	th_rmdir(dir);
}

/* 80l: no attacker.  The victim asks the reception centre, which holds
 * her case on her consent with the share right and passed it on to its
 * supervisor, to withdraw that consent.  The withdrawal revokes the
 * centre's grant, then the supervisor's: the replay judges the second
 * revocation on the facts the first left (the caseworker no longer holds
 * the share right), so no replay accepts the entry. */
static void test_attack__80l_withdrawal_by_sharer_revokes_in_turn(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cid),
	          VAULT_OK, "consent");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL,
	                     VAULT_PERM_SHARE, cid, 0), VAULT_OK, "share with cas");
	vault_close(v);
	v = th_open(dir, "cas_cw");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_USER, "cas_sup", VAULT_CLASS_GENERAL,
	                     VAULT_PERM_READ, NULL, 0), VAULT_OK, "share with cas_sup");
	STEP80("80l", v, vault_consent_withdraw(v, cid));
	vault_close(v);
	all_open80(dir, "80l", NULL);
	th_rmdir(dir);
}

/* 80m: no attacker.  The reception centre holds the case on two consents
 * (general with the share right, sensitive to read); its supervisor
 * revokes the centre's hold (vault_revoke revokes both grants in one
 * entry). */
static void test_attack__80m_revoke_two_grants_of_one_principal(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], c1[VAULT_ID_BUFSIZE], c2[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	victim_case(dir, cs);
	th_put(dir, "cav_cw", cs, "notes", VAULT_CLASS_SENSITIVE, "she fears him");
	v = th_open(dir, "cav_cw");
	status_is(v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, c1),
	          VAULT_OK, "consent 1");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL,
	                     VAULT_PERM_SHARE, c1, 0), VAULT_OK, "share general");
	status_is(v, consent80(v, cs, "cas", VAULT_CLASS_SENSITIVE, VAULT_BASIS_CONSENT, 0, c2),
	          VAULT_OK, "consent 2");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_SENSITIVE,
	                     VAULT_PERM_READ, c2, 0), VAULT_OK, "share sensitive");
	vault_close(v);
	v = th_open(dir, "cas_sup");
	STEP80("80m", v, vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "cas"));
	vault_close(v);
	all_open80(dir, "80m", NULL);
	th_rmdir(dir);
}

/* 80n: no attacker.  The supervisor records an emergency basis (vital
 * interest) for the health service; the next day the caseworker, who
 * holds the case and may withdraw consents, withdraws it (the API asks
 * POLICY_CONSENT with a plain basis; the replay judges the withdrawn row
 * with its emergency basis: a supervisor's). */
static void test_attack__80n_caseworker_withdraws_emergency_basis(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], ce[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_sup");
	status_is(v, consent80(v, cs, "asl", VAULT_CLASS_GENERAL, VAULT_BASIS_VITAL_INTEREST, 0,
	                       ce), VAULT_OK, "emergency basis");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_ORG, "asl", VAULT_CLASS_GENERAL,
	                     VAULT_PERM_READ, ce, 0), VAULT_OK, "share");
	vault_close(v);
	v = th_open(dir, "cav_cw");
	STEP80("80n", v, vault_consent_withdraw(v, ce));
	vault_close(v);
	all_open80(dir, "80n", NULL);
	th_rmdir(dir);
}

/* 80o: no attacker.  The first supervisor's first passphrase change
 * (vault.c vault_passwd) decides which classes she reads when it rotates
 * (rekey: vault__gate_peek, at the gate's time), then derives the new
 * slot's key (Argon2id: seconds at the production levels), then signs the
 * entry at the time it is appended.  A grant to her organisation that
 * lapses in between: the entry's rotation of that class is judged at the
 * entry's time, when she no longer reads it.  The hook stands for the
 * slot's key derivation taking two minutes (with a grant lapsing a minute
 * in; at production levels, a grant lapsing within the seconds of the
 * derivation). */
static void clock_hook80(const char *step)
{
	if (strcmp(step, "passwd.commit.before") == 0 ||
	    strcmp(step, "org_rotate.commit.before") == 0) {
		vault__clock_shift(120);
		vault__crash_hook = NULL;
	}
}

static void test_attack__80o_first_passwd_as_a_grant_lapses(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], c1[VAULT_ID_BUFSIZE];
	int64_t now = (int64_t)time(NULL);
	size_t n;
	const unsigned char *p;
	vault_status st;
	vault *v = NULL;

	(void)state;
	/* Since 150b/150c, a take-over of owed keys at a supervisor's open
	 * (nothing is shared to an organisation before its first supervisor's
	 * passphrase change) */
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, c1),
	          VAULT_OK, "consent");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL,
	                     VAULT_PERM_READ, c1, now + 60), VAULT_OK, "share for a minute");
	vault_close(v);
	v = th_open(dir, "admin");
	status_is(v, vault_user_disable(v, "cas_cw"), VAULT_OK, "the admin disables cas_cw");
	vault_close(v);
	v = NULL;
	p = th_pass("cas_sup", &n);
	vault__crash_hook = clock_hook80;
	st = vault_open(dir, "cas_sup", p, n, NULL, &v);
	vault__crash_hook = NULL;
	printf("   80o: her open makes her centre's owed keys: %s (%s)\n", vault_strerror(st),
	       vault_last_errmsg());
	if (v != NULL)
		vault_close(v);
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cas'"),
	                 ORG_KEYS_OWN);
	all_open80(dir, "80o", NULL);
	vault__clock_shift(-120);
	th_rmdir(dir);
}

/* 80p: 80k's side effect alone.  A writer of general on the victim's
 * consent signs one version of her own whose row the replay cannot judge
 * (random tag, label and text): the facts vouch for it, no operation
 * removes it, and no one can name it to redact it.  The owner's listing of
 * the case fails from then on. */
static void test_attack__80p_junk_version_breaks_listing(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql;
	long long now = (long long)time(NULL);
	int nl = 0, nh = 0;
	vault_status st, lst, hst = VAULT_OK;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_WRITE, 0, cid);
	sql = dup_printf("INSERT INTO records(case_id, name, version, class, epoch, deleted, size,"
	                 " author, created, nonce, ct, label, padded) SELECT '%s', randomblob(16),"
	                 " 1, 1, epoch, 0, 5, 'cas_cw', %lld, randomblob(24), randomblob(48),"
	                 " randomblob(64), 1 FROM case_classes WHERE case_id = '%s' AND class = 1",
	                 cs, now, cs);
	st = forge(dir, "cas_cw", sql, "record.put", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "80p forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_cw", "cas_cw", "80p")) {
		th_rmdir(dir);
		return;
	}
	lst = list_and_history(dir, "cav_cw", cs, "intake", 1, &nl, &nh, &hst);
	printf("   80p: the owner lists the case: %s (%d records)\n", vault_strerror(lst), nl);
	if (lst != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (80p): one signed junk version by a writer of general makes"
		         " the owner's listing of the case fail for good (%s)", vault_strerror(lst));
	th_rmdir(dir);
}

/* ---- 90. a ninth insider review: the entry's time, revocations judged
 * on the rights before the entry ------------------------------------------ */

/* 90a: the replay judges an entry at the time the entry states, and that
 * time is the signer's to write.  The reception caseworker's grant (share)
 * on general lapses; she then signs, dated a minute before the lapse, a new
 * grant to herself with no expiry.  The owner's next write seals the new
 * general key to her. */
static void backdated_grant(int backdate, const char *tag)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql, *txt = NULL;
	int64_t t0 = vault__now();
	vault_status st, rd;

	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_SHARE, t0 + 60, cid);
	vault__clock_shift(600); /* her grant lapsed ten minutes ago */
	sql = dup_printf("INSERT INTO grants(case_id, pkind, principal, classes, perm, consent_id,"
	                 " expires, granted_by, created, revoked, owner) VALUES('%s', %d, 'cas_cw',"
	                 " %d, %d, '%s', 0, 'cas_cw', %lld, 0, 0)", cs, VAULT_PRINCIPAL_USER,
	                 VAULT_CLASS_GENERAL, VAULT_PERM_READ, cid, (long long)(t0 + 5));
	forge_at = backdate ? t0 + 5 : 0; /* dated before her lapse */
	st = forge(dir, "cas_cw", sql, "share", cs, NULL);
	forge_at = 0;
	free(sql);
	if (st != VAULT_OK) {
		vault__clock_shift(-600);
		refused(NULL, st, tag);
		th_rmdir(dir);
		return;
	}
	th_forget_cache(dir, "cav_sup");
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", tag)) {
		vault__clock_shift(-600);
		th_rmdir(dir);
		return;
	}
	(void)as_user(dir, "cav_cw", 3, cs, "later");
	rd = get_cls(dir, "cas_cw", cs, "later", VAULT_CLASS_GENERAL, &txt);
	vault__clock_shift(-600);
	printf("   %s: after her lapse she reads the owner's later note: %s \"%s\"\n", tag,
	       vault_strerror(rd), txt ? txt : "");
	if (rd == VAULT_OK) {
		free(txt);
		fail_msg("ATTACK SUCCEEDS (%s): a holder whose grant lapsed signed a grant to herself"
		         " with no expiry (%s); every open accepts it and she reads what the owner"
		         " wrote after her lapse", tag, backdate ? "dated before the lapse" : "now");
	}
	free(txt);
	th_rmdir(dir);
}

static void test_attack__90a_backdated_entry_after_lapse(void **state)
{
	(void)state;
	backdated_grant(1, "90a");
}

/* control: the same entry stamped now is refused (it is the date alone) */
static void test_attack__90a_control_undated(void **state)
{
	(void)state;
	backdated_grant(0, "90a control");
}

/* 90b: a revocation is judged on the rights before the entry: every grant
 * the entry states revoked counts as live (facts.c fill_case_as,
 * revoked_in), including one revoked long before and merely restated.
 * The reception caseworker's share grant is revoked by the owner; she then
 * signs an entry that restates her own revoked grant (no change) and
 * revokes the health service's grant. */
static void restated_revocation(int restate, const char *tag)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], cid2[VAULT_ID_BUFSIZE], *sql;
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault_status st;
	long long live;
	vault *v;

	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_SHARE, 0, cid);
	v = th_open(dir, "cav_cw");
	co.org = "asl";
	co.classes = VAULT_CLASS_GENERAL;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "health";
	status_is(v, vault_consent_add(v, cs, &co, cid2), VAULT_OK, "consent asl");
	so.consent_id = cid2;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "asl", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share general with asl");
	vault_close(v);
	assert_int_equal(as_user(dir, "cav_sup", 0, cs, "cas_cw"), VAULT_OK);
	sql = dup_printf("UPDATE grants SET revoked = 1 WHERE case_id = '%s' AND"
	                 " principal IN (%s'asl')", cs, restate ? "'cas_cw', " : "");
	forge_target = "asl";
	st = forge(dir, "cas_cw", sql, "revoke", cs, NULL);
	forge_target = "";
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, tag);
		th_rmdir(dir);
		return;
	}
	th_forget_cache(dir, "cav_sup");
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", tag)) {
		th_rmdir(dir);
		return;
	}
	live = sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id = '%s' AND"
	                " principal = 'asl' AND revoked = 0", cs);
	if (live == 0)
		fail_msg("ATTACK SUCCEEDS (%s): a sharer whose grant was revoked%s revoked the"
		         " health service's grant; every open accepts it", tag,
		         restate ? " restated her own revocation and, in the same entry," : "");
	th_rmdir(dir);
}

static void test_attack__90b_revoked_sharer_restates_own_revocation(void **state)
{
	(void)state;
	restated_revocation(1, "90b");
}

/* control: without her own grant restated the entry is refused */
static void test_attack__90b_control_not_restated(void **state)
{
	(void)state;
	restated_revocation(0, "90b control");
}

/* 90c: no attacker.  gate_open decides at g->req.now, taken under the
 * lock, and the entry carries that time; but vault_share's fill asks
 * whether a restricted case is orphaned at a later vault__now()
 * (share.c restricted_orphaned).  The last live grant of the owning
 * organisation on a restricted case lapses while the supervisor's hand-over
 * (under break-glass) syncs the log: the library finds the case orphaned
 * and hands it over; the replay, at the entry's time, finds the grant
 * still live (facts.c orphaned_in_facts).  The clock tick is made
 * deterministic here by moving the clock when the fill's first query
 * runs. */
static int tick90_armed;
static int64_t tick90_by;

static int tick90(unsigned int type, void *ctx, void *p, void *x)
{
	const char *sql = sqlite3_sql((sqlite3_stmt *)p);

	(void)type;
	(void)ctx;
	(void)x;
	if (tick90_armed && sql != NULL && strstr(sql, "LEFT JOIN orgs o ON o.id = u.org") != NULL) {
		tick90_armed = 0;
		vault__clock_shift(tick90_by);
	}
	return 0;
}

static void handover_at_lapse(int during, const char *tag)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	const char *extra[] = {"cav_cw2", NULL};
	size_t n;
	const unsigned char *p = th_first_pass("cav_cw2", &n);
	int64_t expires, shift;
	vault_status st;
	vault *v;

	v = th_open(dir, "cav_sup");
	status_is(v, vault_user_add(v, "cav_cw2", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	          VAULT_OK, "user add");
	vault_close(v);
	th_first_passwd(dir, "cav_cw2");
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 1, cs);
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "first interview");
	expires = vault__now() + 300;
	v = th_open(dir, "cav_cw");
	STEP80("90c", v, share80(v, cs, VAULT_PRINCIPAL_USER, "cav_cw2", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_WRITE, NULL, expires));
	vault_close(v);
	v = th_open(dir, "admin");
	STEP80("90c", v, vault_user_disable(v, "cav_cw"));
	vault_close(v);
	v = th_open(dir, "cav_sup");
	STEP80("90c", v, vault_break_glass(v, cs, "her caseworker left: the case must go on", 0));
	/* two seconds before her colleague's grant lapses (control: ten
	 * seconds after it, and the clock does not move) */
	shift = expires + (during ? -2 : 10) - vault__now();
	vault__clock_shift(shift);
	tick90_armed = during;
	tick90_by = 10;
	sqlite3_trace_v2(v->db, SQLITE_TRACE_STMT, tick90, NULL);
	st = share80(v, cs, VAULT_PRINCIPAL_USER, "cav_cw2", VAULT_CLASS_GENERAL, VAULT_PERM_SHARE,
	             NULL, 0);
	sqlite3_trace_v2(v->db, 0, NULL, NULL);
	printf("   %s: the hand-over as her grant lapses: %s (%s); the clock %s\n", tag,
	       vault_strerror(st), st == VAULT_OK ? "" : vault_errmsg(v),
	       during && !tick90_armed ? "moved during the fill" : "did not move");
	vault_close(v);
	if (during && !tick90_armed)
		vault__clock_shift(-tick90_by);
	tick90_armed = 0;
	vault__clock_shift(-shift);
	all_open80(dir, tag, extra);
	th_rmdir(dir);
}

static void test_attack__90c_handover_as_last_grant_lapses(void **state)
{
	(void)state;
	handover_at_lapse(1, "90c");
}

static void test_attack__90c_control_handover_after_lapse(void **state)
{
	(void)state;
	handover_at_lapse(0, "90c control");
}

/* 90d: no attacker.  The replay reads at most MAXG (64) consents of a case,
 * the first ones in the log (facts.c fill_case_as); the library decides a
 * share on the consent it names (share.c load_consents).  A case with 64
 * earlier consents (each recorded, then withdrawn: years of referrals);
 * the 65th is recorded and the case shared on it. */
static void share_on_nth_consent(int before, const char *tag)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault_status st;
	vault *v;
	int i;

	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	for (i = 0; i < before; i++) {
		st = consent80(v, cs, "asl", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cid);
		if (st == VAULT_OK)
			st = vault_consent_withdraw(v, cid);
		if (st != VAULT_OK)
			fail_msg("90d: consent %d: %s (%s)", i, vault_strerror(st), vault_errmsg(v));
	}
	STEP80(tag, v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cid));
	STEP80(tag, v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL,
	                       VAULT_PERM_READ, cid, 0));
	vault_close(v);
	all_open80(dir, tag, NULL);
	th_rmdir(dir);
}

static void test_attack__90d_share_on_the_65th_consent(void **state)
{
	(void)state;
	share_on_nth_consent(64, "90d");
}

/* control: on the 9th */
static void test_attack__90d_control_share_on_the_9th_consent(void **state)
{
	(void)state;
	share_on_nth_consent(8, "90d control");
}

/* 90e: no attacker.  The replay reads at most MAXG (64) grants of the actor
 * on a case, lapsed and revoked ones too, the first ones in the log; the
 * library reads her live grants only.  The reception caseworker is given
 * write on general for a week, 64 times over (each re-share after the
 * last lapsed); on the 65th she writes. */
static void test_attack__90e_write_on_the_65th_grant(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	int64_t moved = 0;
	vault_status st;
	vault *v;
	int i;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	st = consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cid);
	for (i = 0; st == VAULT_OK && i < 65; i++) {
		st = share80(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL,
		             VAULT_PERM_WRITE, cid, vault__now() + 60);
		if (i < 64) {
			vault__clock_shift(120);
			moved += 120;
		}
	}
	if (st != VAULT_OK) {
		vault__clock_shift(-moved);
		fail_msg("90e: share %d: %s (%s)", i, vault_strerror(st), vault_errmsg(v));
	}
	vault_close(v);
	printf("   90e: %lld grants of cas_cw on the case\n",
	       sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id = '%s' AND"
	                " principal = 'cas_cw'", cs));
	st = as_user(dir, "cas_cw", 3, cs, "her-note");
	vault__clock_shift(-moved);
	all_open80(dir, "90e", NULL);
	if (st != VAULT_OK)
		fail_msg("LOCK-OUT (90e): her write on her live grant is refused: %s (the"
		         " library reads 32 of her grants, lapsed ones first)", vault_strerror(st));
	th_rmdir(dir);
}

/* 90f: no attacker.  As 90e, with grants revoked rather than lapsed: the
 * library reads her live grants only (revoked = 0), the replay every grant
 * of hers, the first 64 in the log (facts.c fill_case_as, MAXG).  The
 * reception caseworker is given write on general, and it is revoked, 64
 * times; the 65th time she writes. */
static void test_attack__90f_write_on_the_65th_grant_after_revocations(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault_status st;
	vault *v;
	int i;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	st = consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cid);
	for (i = 0; st == VAULT_OK && i < 65; i++) {
		st = share80(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL,
		             VAULT_PERM_WRITE, cid, 0);
		if (st == VAULT_OK && i < 64)
			st = vault_revoke(v, cs, VAULT_PRINCIPAL_USER, "cas_cw");
	}
	if (st != VAULT_OK)
		fail_msg("90f: round %d: %s (%s)", i, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	printf("   90f: %lld grants of cas_cw on the case\n",
	       sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id = '%s' AND"
	                " principal = 'cas_cw'", cs));
	st = as_user(dir, "cas_cw", 3, cs, "her-note");
	all_open80(dir, "90f", NULL);
	if (st != VAULT_OK)
		fail_msg("LOCK-OUT (90f): her write on her live grant is refused: %s",
		         vault_strerror(st));
	th_rmdir(dir);
}

/* 90g: no attacker (control).  A consent given "in five minutes" (the API
 * allows up to 300 s ahead): a share on it now, and again once it holds;
 * then its withdrawal.  Every fresh open verifies. */
static void test_attack__90g_consent_given_ahead(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "housing";
	co.given_at = vault__now() + 290;
	STEP80("90g", v, vault_consent_add(v, cs, &co, cid));
	STEP80("90g", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_SHARE, cid, 0));
	vault_close(v);
	all_open80(dir, "90g-1", NULL);
	vault__clock_shift(300);
	v = th_open(dir, "cav_cw");
	STEP80("90g", v, share80(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_SHARE, cid, 0));
	vault_close(v);
	v = th_open(dir, "cas_cw");
	STEP80("90g", v, share80(v, cs, VAULT_PRINCIPAL_USER, "cas_sup", VAULT_CLASS_GENERAL,
	                         VAULT_PERM_READ, cid, 0));
	STEP80("90g", v, vault_consent_withdraw(v, cid));
	vault_close(v);
	vault__clock_shift(-300);
	all_open80(dir, "90g-2", NULL);
	th_rmdir(dir);
}

/* 70t: the owner's caseworker signs the health service's grant, on a
 * consent that expires in a day, changed to expire never: the grant would
 * outlive her consent (facts.c consent_bound). */
static void test_attack__70t_grant_outlives_its_consent(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, consent80(v, cs, "asl", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT,
	                       vault__now() + 86400, cid), VAULT_OK, "consent for a day");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_ORG, "asl", VAULT_CLASS_GENERAL,
	                     VAULT_PERM_READ, cid, 0), VAULT_OK, "share on it");
	vault_close(v);
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id = '%s'"
	                          " AND principal = 'asl' AND expires != 0", cs), 1);
	sql = dup_printf("UPDATE grants SET expires = 0, granted_by = 'cav_cw' WHERE case_id = '%s'"
	                 " AND principal = 'asl'", cs);
	st = forge(dir, "cav_cw", sql, "share", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "70t forge");
		th_rmdir(dir);
		return;
	}
	if (!open_refuses_entry_of(dir, "cav_sup", "cav_cw", "70t"))
		fail_msg("ATTACK SUCCEEDS (70t): a grant that outlives the consent it rests on is"
		         " a fact");
	th_rmdir(dir);
}

/* ---- 110. a tenth insider review: commit d7eb08d and around it ---- */

/* 110a: the reception caseworker, who holds general of the victim's case
 * with the share right (on her consent), signs the revocation of the
 * OWNER's hold (the anti-violence centre's grant, owner = 1).  The replay
 * judges a revocation with POLICY_REVOKE on a request with no target
 * (always refused: decide_revoke, "malformed") or with POLICY_CONSENT,
 * which any holder of any share right passes (facts.c entitled(),
 * T_GRANTS, `revoking`): neither the owner flag nor whose grant it is is
 * looked at.  vault_revoke() refuses the owner's hold (R_OWNER_HOLD) and a
 * withdrawal never touches it (it rests on no consent). */
static void test_attack__110a_sharer_revokes_owners_hold(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql, *txt = NULL;
	vault_status st, rd, rv;
	long long live;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_SHARE, 0, cid);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM grants WHERE case_id = '%s'"
	                          " AND owner = 1 AND revoked = 0", cs), 1);
	sql = dup_printf("UPDATE grants SET revoked = 1 WHERE case_id = '%s' AND owner = 1", cs);
	st = forge(dir, "cas_cw", sql, "revoke", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "110a forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", "110a")) {
		th_rmdir(dir);
		return;
	}
	live = sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id = '%s' AND"
	                " owner = 1 AND revoked = 0", cs);
	rd = get_cls(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, &txt);
	printf("   110a: the owner's caseworker reads her own case: %s\n", vault_strerror(rd));
	free(txt);
	v = th_open(dir, "cav_sup");
	rv = vault_revoke(v, cs, VAULT_PRINCIPAL_USER, "cas_cw");
	printf("   110a: her supervisor revokes the attacker: %s (%s)\n", vault_strerror(rv),
	       vault_errmsg(v));
	vault_close(v);
	if (live == 0)
		fail_msg("ATTACK SUCCEEDS (110a): a sharer of general from another organisation"
		         " revoked the owning centre's hold on its own case (accepted by every"
		         " replay): its caseworker's read is %s, and its supervisor's revocation"
		         " of the attacker is %s", vault_strerror(rd), vault_strerror(rv));
	th_rmdir(dir);
}

/* 110b: 40j's sibling the 40j fix does not reach.  The writer of general
 * signs the next version of the case's indicators (version + 1, as the
 * replay asks) under a class-key epoch no seal exists for.  The replay
 * never looks at the indicators' epoch (or author); the set reads the old
 * row first (indicators.c ind_read -> vault__class_key: VAULT_ERR_DENIED),
 * and only a CORRUPT under a committed epoch is replaced.  So the
 * indicators can never be set again, nor read, and the statistics export
 * counts the case as unreadable. */
static void test_attack__110b_indicators_unknown_epoch_freeze(void **state)
{
	(void)state;
	indicators_forged("epoch = epoch + 1000", "110b");
}


/* 110c: 70d's fix moved the bar, not the outcome.  A link is now a
 * safety writer's, but any safety writer of ANOTHER organisation (the
 * reception centre, a shelter, on her consent to share her safety data)
 * still signs a link whose ciphertext opens under no key (facts.c
 * entitled(), T_LINKS: the right only).  vault_case_links() stops at the
 * first link that fails (share.c: "a link fails authentication") and the
 * victim's links can never be listed again: the same outcome 70d
 * asserted against, from a holder the victim trusted with less. */
static void test_attack__110c_link_by_outside_safety_writer(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], pc[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *q;
	struct links70 l = {NULL, 0, 0};
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	th_case(dir, "cav_cw", VAULT_CASE_PERPETRATOR, 0, pc);
	v = th_open(dir, "cav_cw");
	status_is(v, vault_case_link(v, cs, pc), VAULT_OK, "link");
	vault_close(v);
	consent_and_share_org(dir, cs, "cas", VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY,
	                      VAULT_PERM_WRITE, cid);
	q = dup_printf("INSERT INTO links(victim_case, epoch, nonce, ct) SELECT '%s', epoch,"
	               " randomblob(%d), randomblob(%d) FROM case_classes WHERE case_id = '%s'"
	               " AND class = %d", cs, VAULT_AEAD_NONCE_BYTES,
	               VAULT_ID_LEN + VAULT_AEAD_TAG_BYTES, cs, VAULT_CLASS_SAFETY);
	st = forge(dir, "cas_cw", q, "case.link", cs, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "110c forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM links WHERE victim_case"
	                          " = '%s'", cs), 2);
	if (open_refuses_entry_of(dir, "cav_cw", "cas_cw", "110c")) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_cw");
	l.want = pc;
	st = vault_case_links(v, cs, link_cb70r, &l);
	printf("   110c: the owner lists the links: %s (%s), %d\n", vault_strerror(st),
	       vault_errmsg(v), l.n);
	vault_close(v);
	/* the real link listed, the planted one as "" (link_cb70r counts it) */
	if (st == VAULT_OK && (l.n != 2 || !l.found))
		fail_msg("110c: %d links listed, the real one %s", l.n, l.found ? "among them" : "not");
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (110c): a reception caseworker with write on safety signed"
		         " a link the replay accepts; the victim's links can never be listed again"
		         " (%s)", vault_strerror(st));
	th_rmdir(dir);
}


/* 110d: no forging.  The owner's caseworker gives the reception
 * caseworker general with the share right for a week (the victim's
 * consent has no end).  The reception caseworker shares general again
 * with herself, with no expiry: vault_share() finds her own grant on the
 * same consent and replaces its expiry (share.c, "sharing again ...
 * replaces that grant (right, classes, expiry)"); policy.c decide_share
 * does not ask whether the target is the sharer, and the replay accepts
 * the same (facts.c entitled(), T_GRANTS: a change of expires by a
 * sharer).  The week the owner chose is gone: she keeps the case. */
static void test_attack__110d_sharer_extends_own_grant(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *txt = NULL;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault_status st, rd;
	long long exp;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_SHARE, vault__now() + 7 * 86400, cid);
	v = th_open(dir, "cas_cw");
	so.consent_id = cid;
	so.perm = VAULT_PERM_SHARE;
	so.expires = 0;
	st = vault_share(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL, &so);
	printf("   110d: cas_cw shares general again with herself, no expiry: %s (%s)\n",
	       vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	exp = sql_intf(dir, "cav_cw", "SELECT min(expires) FROM grants WHERE case_id = '%s' AND"
	               " principal = 'cas_cw' AND revoked = 0", cs);
	vault__clock_shift(8 * 86400);
	th_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, "after the week");
	rd = get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &txt);
	printf("   110d: a week and a day later she reads: %s \"%s\"\n", vault_strerror(rd),
	       txt ? txt : "");
	vault__clock_shift(-8 * 86400);
	if (rd == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (110d): a holder of a week's grant with the share right"
		         " made it endless herself (%s, expires %lld), and reads \"%s\" written"
		         " after the week", vault_strerror(st), exp, txt ? txt : "");
	free(txt);
	th_rmdir(dir);
}

/* 110e: 110d around the library: the same holder states her grant
 * endless in an entry of her own.  The replay bounds a share by the
 * sharer's own share right, as vault_share() now does. */
static void test_attack__110e_sharer_states_own_grant_endless(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql;
	int kept;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_SHARE, vault__now() + 7 * 86400, cid);
	sql = dup_printf("UPDATE grants SET expires = 0, granted_by = 'cas_cw' WHERE case_id ="
	                 " '%s' AND principal = 'cas_cw'", cs);
	kept = forged_and_kept(dir, "cas_cw", sql, "share", cs, "cav_cw", "110e");
	free(sql);
	if (kept)
		fail_msg("ATTACK SUCCEEDS (110e): a holder of a week's grant stated it endless, and"
		         " the replay took it");
	th_rmdir(dir);
}

/* ---- 120. an eleventh insider review ----------------------------------------- */

/* 120a: "an owner's hold goes only with its holder's disable" (SECURITY.md,
 * Grants).  The replay (facts.c entitled(), T_GRANTS, revoking) accepts the
 * revocation of a user's grant, the owner's hold of a restricted case
 * included, from anyone POLICY_USER_DISABLE lets disable her, without
 * asking whether the entry disables her (disabled_in() is not called).
 * The centre's supervisor signs, around the library, the revocation of
 * her caseworker's hold on the caseworker's restricted case, and nothing
 * else: the caseworker stays enabled and has lost her case for good (an
 * owner's hold is made only with its case); the case is now orphaned,
 * so the supervisor may hand it over. */
static void test_attack__120a_owner_hold_revoked_without_disable(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *sql, *txt = NULL;
	vault_status rd;
	int kept;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 1, cs);
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1, Torino");
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id ="
	                          " '%s' AND principal = 'cav_cw' AND owner = 1 AND revoked = 0",
	                          cs), 1);
	sql = dup_printf("UPDATE grants SET revoked = 1 WHERE case_id = '%s' AND principal ="
	                 " 'cav_cw' AND owner = 1", cs);
	kept = forged_and_kept(dir, "cav_sup", sql, "revoke", cs, "cav_cw", "120a");
	free(sql);
	if (!kept) {
		th_rmdir(dir);
		return;
	}
	rd = get_cls(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, &txt);
	printf("   120a: the (still enabled) caseworker reads her restricted case: %s\n",
	       vault_strerror(rd));
	free(txt);
	fail_msg("ATTACK SUCCEEDS (120a): the supervisor signed the revocation of her"
	         " caseworker's owner's hold on a restricted case, without disabling her, and"
	         " every open accepts it; the caseworker, still enabled, reads her own case: %s",
	         vault_strerror(rd));
	th_rmdir(dir);
}




/* ---- 130. a twelfth review: routine flows after 4ef27c2 ---- */

/* 130a: no attacker.  90d's fix left the live consents out of the count:
 * the replay still reads at most MAXG (64) LIVE consents of a case, the
 * first ones in the log (facts.c fill_case_as), while vault_share() decides
 * on the consent it names, or on the newest 64 (share.c load_consents,
 * ORDER BY created DESC).  A long case whose 64 earlier consents are still
 * in force (each referral recorded, none withdrawn or ended); the 65th is
 * recorded and the case shared on it: the library signs the share, and
 * every replay refuses it ("not entitled to grant this"). */
static void test_attack__130a_share_on_the_65th_live_consent(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault_status st;
	vault *v;
	int i;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	for (i = 0; i < 64; i++) {
		st = consent80(v, cs, i % 2 ? "asl" : "pref", VAULT_CLASS_GENERAL,
		               VAULT_BASIS_CONSENT, 0, cid);
		if (st != VAULT_OK)
			fail_msg("130a: consent %d: %s (%s)", i, vault_strerror(st), vault_errmsg(v));
	}
	st = consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cid);
	printf("   130a: the 65th consent (cas): %s\n", vault_strerror(st));
	st = share80(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, VAULT_PERM_READ, cid, 0);
	printf("   130a: share on it: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	all_open80(dir, "130a", NULL);
	th_rmdir(dir);
}


/* 130b: no attacker.  A centre that owns 2,100 cases (a few years of
 * work) disables a member who left.  The disable rotates every case the
 * centre owns in its one entry, about 500 bytes of statements a case: at
 * a statement cap of 1 MiB it was refused past about 2,000 cases
 * ("the audit entry could not be written"), and the member kept her
 * access.  Then the auditor's open verifies, and her export of the log
 * (the disable's statements escaped in one line) verifies offline. */
static void test_attack__130b_disable_in_a_centre_of_2100_cases(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], id[VAULT_VAULT_ID_BUFSIZE], path[2200];
	vault_verify_result res;
	vault_status st;
	vault *v;
	int i;

	(void)state;
	v = th_open(dir, "cav_cw");
	for (i = 0; i < 2100; i++)
		status_is(v, vault_case_create(v, VAULT_CASE_VICTIM, 0, cs), VAULT_OK, "case");
	vault_close(v);
	v = th_open(dir, "cav_sup");
	st = vault_user_disable(v, "cav_cw");
	printf("   130b: the supervisor disables her caseworker: %s (%s)\n", vault_strerror(st),
	       vault_errmsg(v));
	vault_close(v);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (130b): a member of a centre owning 2,100 cases cannot be"
		         " disabled: %s", vault_strerror(st));
	/* the log whole, as one with no cache of facts replays it */
	th_forget_cache(dir, "aud");
	still_opens(dir, "aud", "130b");
	snprintf(path, sizeof(path), "%s/export.jsonl", dir);
	v = th_open(dir, "aud");
	status_is(v, vault_id(v, id), VAULT_OK, "vault id");
	status_is(v, vault_audit_export(v, path, NULL, NULL), VAULT_OK, "export");
	vault_close(v);
	status_is(NULL, vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK,
	          "result");
	st = vault_audit_verify_export(path, id, NULL, &res, NULL, NULL);
	if (st != VAULT_OK)
		fail_msg("130b: the export does not verify: %s (entry %llu: %s)", vault_strerror(st),
		         (unsigned long long)res.bad_seq, res.reason);
	th_rmdir(dir);
}


/* ---- 140. a review of the replay's index of an entry (this session) ------ */

/* Create a case as `user` around the library, in one entry signed with her
 * own key: the case row, the owner's hold of her organisation and its
 * first keys, as vault_case_create() states them, plus `extra` SQL (run
 * after the case row and before the first keys, so that they are sealed
 * to what it adds).  The case's id into cs. */
static vault_status forge_case_create(const char *dir, const char *user, const char *org,
                                      const char *extra, char cs[VAULT_ID_BUFSIZE])
{
	vault *v = th_open(dir, user);
	unsigned char raw[16];
	vault_status st;
	unsigned int c;
	char *sql;

	randombytes_buf(raw, sizeof(raw));
	hex(raw, sizeof(raw), cs);
	sql = dup_printf("INSERT INTO cases(id, kind, owner_org, created_by, restricted, created)"
	                 " VALUES('%s', %d, '%s', '%s', 0, strftime('%%s','now'));"
	                 " INSERT INTO grants(case_id, pkind, principal, classes, perm, consent_id,"
	                 " expires, granted_by, created, revoked, owner) VALUES('%s', %d, '%s', %d,"
	                 " %d, NULL, 0, '%s', strftime('%%s','now'), 0, 1); %s",
	                 cs, (int)VAULT_CASE_VICTIM, org, user, cs, (int)VAULT_PRINCIPAL_ORG, org,
	                 (int)VAULT_CLASS_ALL, (int)VAULT_PERM_SHARE, user, extra);
	st = vault__txn_begin(v);
	if (st == VAULT_OK)
		st = vault__exec(v, sql);
	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY && st == VAULT_OK; c <<= 1)
		st = vault__class_rotate(v, cs, c);
	st = sign_and_end(v, "case.create", cs, st);
	printf("   forge case.create as %s: %s (%s)\n", user, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	free(sql);
	return st;
}

/* 140a: "the owner's hold, made with the case" (facts.c entitled(),
 * T_GRANTS: img[11] != 0 && same_entry_creates(x, T_CASES, case_id)) asks
 * only that the entry states the case: not that the hold is the one
 * vault_case_create() makes (the case's owning organisation, or its
 * creator for a restricted case), nor that there is only one.  The centre's
 * caseworker creates a victim case, around the library, with a second
 * owner's hold for the reception centre on every class with the share
 * right: no consent, no expiry, and (an owner's hold) never revocable, by
 * the supervisor or by the victim's withdrawal. */
static void test_attack__140a_owner_hold_to_another_org_made_with_case(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *txt = NULL;
	vault_status st, rv, rd;
	vault *v;

	(void)state;
	status_is(NULL, forge_case_create(dir, "cav_cw", "cav",
	                                  "INSERT INTO grants(case_id, pkind, principal, classes,"
	                                  " perm, consent_id, expires, granted_by, created, revoked,"
	                                  " owner) SELECT id, 1, 'cas', 7, 3, NULL, 0, 'cav_cw',"
	                                  " created, 0, 1 FROM cases ORDER BY rowid DESC LIMIT 1;",
	                                  cs),
	          VAULT_OK, "140a: the forged creation");
	/* control: the second hold is there */
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id = '%s'"
	                          " AND principal = 'cas' AND owner = 1 AND revoked = 0", cs), 1);
	if (open_refuses_entry_of(dir, "cav_sup", "cav_cw", "140a")) {
		th_rmdir(dir);
		return;
	}
	/* routine: the victim's safety address is written by her supervisor */
	v = th_open(dir, "cav_sup");
	st = vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1", 10, NULL);
	printf("   140a: the supervisor writes the shelter's address: %s (%s)\n",
	       vault_strerror(st), vault_errmsg(v));
	rv = vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "cas");
	printf("   140a: the supervisor revokes cas: %s (%s)\n", vault_strerror(rv),
	       vault_errmsg(v));
	vault_close(v);
	rd = get_cls(dir, "cas_cw", cs, "shelter", VAULT_CLASS_SAFETY, &txt);
	printf("   140a: cas_cw reads it: %s \"%s\"\n", vault_strerror(rd), txt ? txt : "");
	free(txt);
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (140a): every open accepts a second owner's hold, of the"
	         " reception centre on every class with the share right, made with the case"
	         " (no consent; revoke by the supervisor: %s; cas_cw reads the safety"
	         " record: %s)", vault_strerror(rv), vault_strerror(rd));
}

/* 140b: 140a with the one hold only, given to the reception centre in
 * place of the owning centre's: a case of the centre that the centre does
 * not hold, and another organisation holds for good. */
static void test_attack__140b_the_one_owner_hold_to_another_org(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];

	(void)state;
	status_is(NULL, forge_case_create(dir, "cav_cw", "cav",
	                                  "UPDATE grants SET principal = 'cas' WHERE owner = 1 AND"
	                                  " case_id = (SELECT id FROM cases ORDER BY rowid DESC"
	                                  " LIMIT 1);", cs),
	          VAULT_OK, "140b: the forged creation");
	assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM grants WHERE case_id = '%s'"
	                          " AND principal = 'cas' AND owner = 1", cs), 1);
	if (open_refuses_entry_of(dir, "cav_sup", "cav_cw", "140b")) {
		th_rmdir(dir);
		return;
	}
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (140b): every open accepts a case made with the reception"
	         " centre's owner's hold in place of its own centre's");
}

/* 140c: a consent is stated as given (vault_consent_add) and withdrawn by
 * an entry of its own (vault_consent_withdraw); nothing refused one stated
 * as withdrawn from the start: the case's consents then list a
 * withdrawal, in the victim's name, of a consent she never gave. */
static void test_attack__140c_consent_recorded_already_withdrawn(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *q;
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	q = dup_printf("INSERT INTO consents(id, case_id, org, classes, scope, purpose, basis,"
	               " reason, given_at, expires, withdrawn, recorded_by, created) VALUES("
	               "'00000000000000000000000000000140', '%s', 'cas', %d, %d, '', %d, '',"
	               " strftime('%%s','now'), 0, strftime('%%s','now'), 'cav_cw',"
	               " strftime('%%s','now'))", cs, (int)VAULT_CLASS_GENERAL,
	               (int)VAULT_SCOPE_SHARING, (int)VAULT_BASIS_CONSENT);
	st = forge(dir, "cav_cw", q, "consent.add", cs, NULL);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "140c forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cav_cw", "140c")) {
		th_rmdir(dir);
		return;
	}
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (140c): every open accepts a consent recorded already withdrawn");
}

/* Publish organisation org's public keys of `epoch` inside v's open
 * transaction, around the library. */
static vault_status put_org_pubkeys(vault *v, const char *org, long long epoch,
                                    const unsigned char mpk[32], const unsigned char spk[32])
{
	sqlite3_stmt *s = NULL;
	vault_status st = VAULT_OK;
	int which;

	for (which = HOLDER_ORG; st == VAULT_OK && which <= HOLDER_ORG_SUP; which++) {
		if (which != HOLDER_ORG && which != HOLDER_ORG_SUP)
			continue;
		st = vault__prepare(v, "INSERT INTO org_pubkeys(org, epoch, which, pk)"
		                       " VALUES(?1, ?2, ?3, ?4)", &s);
		if (st != VAULT_OK)
			break;
		sqlite3_bind_text(s, 1, org, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, epoch);
		sqlite3_bind_int(s, 3, which);
		sqlite3_bind_blob(s, 4, which == HOLDER_ORG ? mpk : spk, 32, SQLITE_STATIC);
		st = sqlite3_step(s) == SQLITE_DONE ? VAULT_OK : VAULT_ERR_IO;
		sqlite3_finalize(s);
	}
	return st;
}

/* Seal organisation org's secret keys of `epoch` to user (public key upk)
 * inside v's open transaction: the members' key, and the supervisors' if
 * she is one. */
static vault_status put_org_seals(vault *v, const char *org, long long epoch, const char *user,
                                  const unsigned char upk[32], int supervisor,
                                  const unsigned char msk[32], const unsigned char ssk[32])
{
	unsigned char sealed[VAULT_SEALED_KEY_BYTES];
	sqlite3_stmt *s = NULL;
	vault_status st = VAULT_OK;
	int which;

	for (which = HOLDER_ORG; st == VAULT_OK && which <= HOLDER_ORG_SUP; which++) {
		if (which != HOLDER_ORG && (which != HOLDER_ORG_SUP || !supervisor))
			continue;
		assert_int_equal(vault__seal(sealed, which == HOLDER_ORG ? msk : ssk, upk), 0);
		st = vault__prepare(v, "INSERT INTO org_keys(org, epoch, which, user, sealed)"
		                       " VALUES(?1, ?2, ?3, ?4, ?5)", &s);
		if (st != VAULT_OK)
			break;
		sqlite3_bind_text(s, 1, org, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, epoch);
		sqlite3_bind_int(s, 3, which);
		sqlite3_bind_text(s, 4, user, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 5, sealed, sizeof(sealed), SQLITE_STATIC);
		st = sqlite3_step(s) == SQLITE_DONE ? VAULT_OK : VAULT_ERR_IO;
		sqlite3_finalize(s);
	}
	return st;
}

/* Does the member key (mpk, msk) of organisation org open the newest
 * safety key of the case sealed to it, and that the record "shelter"?
 * Its text into text. */
static int org_key_reads_shelter(const char *dir, const char *cs, const char *org,
                                 const unsigned char mpk[32], const unsigned char msk[32],
                                 char *text, size_t cap)
{
	unsigned char ck[32];
	char *q = dup_printf("SELECT sealed FROM class_keys WHERE case_id = '%s' AND class = %d"
	                     " AND hkind = %d AND holder = '%s' ORDER BY epoch DESC", cs,
	                     VAULT_CLASS_SAFETY, HOLDER_ORG, org);
	int ok = unseal_row(dir, "admin", q, mpk, msk, ck) &&
	         decrypt_with(dir, "admin", cs, VAULT_CLASS_SAFETY, "shelter", ck, text, cap);

	free(q);
	sodium_memzero(ck, sizeof(ck));
	return ok;
}

/* ---- 150. a fourteenth insider review: rules that ask only what else the
 * entry states ------------------------------------------------------------ */

/* 150a: "an organisation's first supervisor, made with it" (facts.c
 * entitled(), T_USERS: a new supervisor is the admin's when
 * same_entry_creates(x, T_ORGS, org)) asks only that the entry state a row
 * of the organisation, not that it creates it; and an admin may restate an
 * organisation's row unchanged (T_ORGS: no column changed is no refusal).
 * So the admin (a role that holds no case content, and whom the policy lets
 * add only admins and auditors) signs, around the library, an entry that
 * restates the anti-violence centre's row as it is and adds a supervisor
 * "ghost" of the centre with his own public key.  Every open accepts it;
 * at the centre's next routine disable, its new keys are sealed to the
 * ghost, and the admin reads the victim's shelter address. */
static void test_attack__150a_admin_adds_supervisor_to_existing_org(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], pkhex[65], spkhex[65], *q;
	unsigned char pk[32], sk[32], spk[32], ssk[64];
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	own_box_keys(dir, "admin", pk, sk);
	hex(pk, 32, pkhex);
	crypto_sign_keypair(spk, ssk);
	hex(spk, 32, spkhex);
	assert_false(th_user_can_decrypt(dir, "admin", cs, "shelter")); /* control */
	q = dup_printf("UPDATE orgs SET name = name WHERE id = 'cav';"
	               " INSERT INTO users(name, org, role, box_pk, sign_pk, disabled, created)"
	               " VALUES('ghost', 'cav', %d, X'%s', X'%s', 0, strftime('%%s','now'));",
	               (int)VAULT_ROLE_SUPERVISOR, pkhex, spkhex);
	forge_target = "ghost";
	st = forge(dir, "admin", q, "user.add", NULL, NULL);
	forge_target = "";
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "150a forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_int(dir, "admin", "SELECT count(*) FROM users WHERE name = 'ghost'"
	                         " AND org = 'cav' AND disabled = 0"), 1);
	if (open_refuses_entry_of(dir, "cav_sup", "admin", "150a")) {
		th_rmdir(dir);
		return;
	}
	/* the centre's routine work: a caseworker leaves */
	v = th_open(dir, "cav_sup");
	status_is(v, vault_user_disable(v, "cav_cw"), VAULT_OK, "150a: the routine disable");
	vault_close(v);
	th_put(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	if (th_user_can_decrypt(dir, "admin", cs, "shelter")) {
		sodium_memzero(sk, sizeof(sk));
		th_rmdir(dir);
		fail_msg("ATTACK SUCCEEDS (150a): every open accepts a supervisor of the"
		         " anti-violence centre added by the admin beside its row restated"
		         " unchanged; after the centre's next disable the admin reads its"
		         " victim's new shelter address");
	}
	sodium_memzero(sk, sizeof(sk));
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (150a): every open accepts a supervisor of the anti-violence"
	         " centre added by the admin (the keys did not reach him in this run)");
}

/* 150b: an organisation's first keys are given up only by its first
 * supervisor (facts.c entitled(), T_ORGS, attack 70i), but its row is
 * judged at its creation on POLICY_ORG_ADD alone: admin_keys is whatever
 * the admin states.  vault_org_add() writes 1 (the admin made the keys;
 * the first supervisor's passphrase change rotates them away).  The admin
 * adds an organisation around the library, as vault_org_add() does in
 * every other column, with admin_keys = 0: her first passphrase change
 * rotates nothing, and the member key he made opens its cases. */
static void test_attack__150b_org_made_with_admin_keys_given_up(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], nonce[49], text[256];
	unsigned char mpk[32], msk[32], spk[32], ssk[32];
	unsigned char upk[32], usignpk[32];
	slot_secret *sec = vault__secure_alloc(sizeof(*sec));
	const unsigned char *p;
	audit_event e;
	vault_status st, st2;
	size_t n;
	vault *v;

	(void)state;
	assert_non_null(sec);
	v = th_open(dir, "admin");
	memcpy(sec->dbkey, v->sec->dbkey, 32);
	vault__box_keypair(upk, sec->box_sk);
	vault__sign_keypair(usignpk, sec->sign_sk);
	vault__box_keypair(mpk, msk);
	vault__box_keypair(spk, ssk);
	st = vault__txn_begin(v);
	if (st == VAULT_OK)
		st = vault__exec(v, "INSERT INTO orgs(id, name, kind, epoch, created, admin_keys)"
		                    " VALUES('newc', 'newc', 1, 1, strftime('%s','now'), 0)");
	if (st == VAULT_OK)
		st = put_org_pubkeys(v, "newc", 1, mpk, spk);
	if (st == VAULT_OK)
		st = vault__insert_user(v, "new_sup", "newc", VAULT_ROLE_SUPERVISOR, upk, usignpk);
	if (st == VAULT_OK)
		st = put_org_seals(v, "newc", 1, "new_sup", upk, 1, msk, ssk);
	memset(&e, 0, sizeof(e));
	e.action = "user.add";
	e.case_id = "";
	e.target = "new_sup";
	e.cls_text = "";
	e.reason = "first supervisor of the organisation";
	e.outcome = VAULT_OUTCOME_OK;
	e.newkey = usignpk;
	if (st == VAULT_OK)
		st = vault__audit_append(v, &e);
	st2 = vault__txn_end(v, st == VAULT_OK);
	if (st == VAULT_OK)
		st = st2;
	printf("   150b: forged org add: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	p = th_first_pass("new_sup", &n);
	if (st == VAULT_OK)
		st = vault__slot_write(dir, "new_sup", p, n, TEST_KDF, sec, SLOT_MUST_CHANGE,
		                       v->pinned_id, SLOT_PUT_NEW, nonce);
	if (st == VAULT_OK)
		st = vault__slot_settle(dir, "new_sup", nonce, 1);
	vault_close(v);
	vault__secure_free(sec);
	if (st != VAULT_OK) {
		refused(NULL, st, "150b forge");
		th_rmdir(dir);
		return;
	}
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'newc'"), 0);
	if (open_refuses_entry_of(dir, "cav_sup", "admin", "150b")) {
		th_rmdir(dir);
		return;
	}
	/* her first passphrase change, her first case, its shelter address */
	th_first_passwd(dir, "new_sup");
	th_case(dir, "new_sup", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "new_sup", cs, "shelter", VAULT_CLASS_SAFETY, "via Verdi 3, Novara");
	if (org_key_reads_shelter(dir, cs, "newc", mpk, msk, text, sizeof(text))) {
		th_rmdir(dir);
		fail_msg("ATTACK SUCCEEDS (150b): the admin made an organisation with admin_keys = 0;"
		         " every open accepted it, its first supervisor's passphrase change kept the"
		         " keys he made, and he reads \"%s\"", text);
	}
	th_rmdir(dir);
}

/* 150c (as it stood before the fix): an organisation's next key epoch was
 * published "by an admin or a supervisor of that organisation" (facts.c
 * entitled(), T_ORGS and
 * T_ORG_PUBKEYS: a->role == VAULT_ROLE_ADMIN), and an admin may disable
 * anyone: vault_user_disable(), called by an admin, makes the new keys of
 * the user's organisation in the admin's own process.  Nothing marks those
 * keys as the admin's (as admin_keys marks an organisation's first keys,
 * attack 70i): the class keys he makes are rotated before the next write
 * (their maker reads no class, attack 21), but they are then sealed to the
 * organisation key he made.  The admin disables the centre's caseworker,
 * as the API does, keeping the centre's new member key; the supervisor's
 * next write of the victim's shelter address is his to read. */
static void test_attack__150c_admin_disable_makes_org_keys(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *q, text[256];
	unsigned char mpk[32], msk[32], spk[32], ssk[32];
	long long epoch;
	sqlite3_stmt *m = NULL;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	epoch = sql_int(dir, "admin", "SELECT epoch FROM orgs WHERE id = 'cav'") + 1;
	vault__box_keypair(mpk, msk);
	vault__box_keypair(spk, ssk);
	v = th_open(dir, "admin");
	st = vault__txn_begin(v);
	if (st == VAULT_OK)
		st = vault__exec(v, "UPDATE users SET disabled = 1 WHERE name = 'cav_cw';"
		                    " DELETE FROM org_keys WHERE user = 'cav_cw'");
	if (st == VAULT_OK)
		st = put_org_pubkeys(v, "cav", epoch, mpk, spk);
	/* sealed to the centre's members, as vault__org_rotate() does */
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT name, role, box_pk FROM users WHERE org = 'cav' AND"
		                       " disabled = 0", &m);
	while (st == VAULT_OK && sqlite3_step(m) == SQLITE_ROW)
		st = put_org_seals(v, "cav", epoch, (const char *)sqlite3_column_text(m, 0),
		                   sqlite3_column_blob(m, 2),
		                   sqlite3_column_int(m, 1) == VAULT_ROLE_SUPERVISOR, msk, ssk);
	sqlite3_finalize(m);
	if (st == VAULT_OK) {
		q = dup_printf("UPDATE orgs SET epoch = %lld WHERE id = 'cav'", epoch);
		st = vault__exec(v, q);
		free(q);
	}
	{
		audit_event e;
		vault_status st2;

		memset(&e, 0, sizeof(e));
		e.action = "user.disable";
		e.case_id = "";
		e.target = "cav_cw";
		e.outcome = VAULT_OUTCOME_OK;
		e.reason = "";
		if (st == VAULT_OK)
			st = vault__audit_append(v, &e);
		st2 = vault__txn_end(v, st == VAULT_OK);
		if (st == VAULT_OK)
			st = st2;
	}
	printf("   150c: the admin's disable: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (st != VAULT_OK) {
		refused(NULL, st, "150c forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "admin", "150c")) {
		th_rmdir(dir);
		return;
	}
	/* the centre goes on: the supervisor writes the victim's new address */
	th_put(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	if (org_key_reads_shelter(dir, cs, "cav", mpk, msk, text, sizeof(text))) {
		th_rmdir(dir);
		fail_msg("ATTACK SUCCEEDS (150c): the admin disabled the centre's caseworker with"
		         " new centre keys of his own making; every open accepted it, and he reads"
		         " \"%s\"", text);
	}
	th_rmdir(dir);
}

/* 150d: 150a once more, where the admin may state the centre's row: with
 * his disable of one of its members, which marks the keys she holds owed
 * (the row changes, as the rule wants).  "An organisation's first
 * supervisor, made with it" must ask that the entry creates the row
 * (facts.c same_entry_creates: no fact of it before the entry), not that
 * it states one.  Accepted, the ghost supervisor would be sealed the
 * centre's next keys, which its supervisor makes at her next open. */
static void test_attack__150d_admin_supervisor_beside_a_disable(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], pkhex[65], spkhex[65], *q;
	unsigned char pk[32], sk[32], spk[32], ssk[64];
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	own_box_keys(dir, "admin", pk, sk);
	sodium_memzero(sk, sizeof(sk));
	hex(pk, 32, pkhex);
	crypto_sign_keypair(spk, ssk);
	hex(spk, 32, spkhex);
	q = dup_printf("UPDATE users SET disabled = 1 WHERE name = 'cav_cw';"
	               " DELETE FROM org_keys WHERE user = 'cav_cw';"
	               " UPDATE orgs SET admin_keys = %d WHERE id = 'cav';"
	               " INSERT INTO users(name, org, role, box_pk, sign_pk, disabled, created)"
	               " VALUES('ghost', 'cav', %d, X'%s', X'%s', 0, strftime('%%s','now'));",
	               ORG_KEYS_OWED, (int)VAULT_ROLE_SUPERVISOR, pkhex, spkhex);
	forge_target = "cav_cw";
	st = forge(dir, "admin", q, "user.disable", NULL, NULL);
	forge_target = "";
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "150d forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "admin", "150d")) {
		th_rmdir(dir);
		return;
	}
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (150d): every open accepts a supervisor of the anti-violence"
	         " centre added by the admin with his disable of one of its members: the"
	         " centre's next keys are sealed to him");
}

/* 150e: vault_org_add() makes one first supervisor, whose keys the admin
 * makes (her passphrase change replaces them, and the organisation's).
 * The admin states an organisation with two: the second, his, would be
 * sealed the keys the first makes at her change. */
static void test_attack__150e_org_made_with_two_supervisors(void **state)
{
	char *dir = th_network();
	char h[4][65], *q;
	unsigned char k[32];
	vault_status st;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		randombytes_buf(k, 32);
		hex(k, 32, h[i]);
	}
	q = dup_printf("INSERT INTO orgs(id, name, kind, epoch, created, admin_keys)"
	               " VALUES('newc', 'newc', %d, 1, strftime('%%s','now'), %d);"
	               " INSERT INTO org_pubkeys(org, epoch, which, pk) VALUES('newc', 1, %d,"
	               " X'%s'), ('newc', 1, %d, X'%s');"
	               " INSERT INTO users(name, org, role, box_pk, sign_pk, disabled, created)"
	               " VALUES('new_sup', 'newc', %d, X'%s', X'%s', 0, strftime('%%s','now')),"
	               " ('new_sup2', 'newc', %d, X'%s', X'%s', 0, strftime('%%s','now'));",
	               (int)VAULT_ORG_ANTIVIOLENCE_CENTRE, ORG_KEYS_FIRST, HOLDER_ORG, h[0],
	               HOLDER_ORG_SUP, h[1], (int)VAULT_ROLE_SUPERVISOR, h[2], h[3],
	               (int)VAULT_ROLE_SUPERVISOR, h[3], h[2]);
	forge_target = "newc";
	st = forge(dir, "admin", q, "org.add", NULL, NULL);
	forge_target = "";
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "150e forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "admin", "150e")) {
		th_rmdir(dir);
		return;
	}
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (150e): every open accepts an organisation made with two"
	         " first supervisors, both with keys the admin made");
}

/* 150f: until the first supervisor's passphrase change, the admin knows
 * her keys (he chose her first passphrase).  He signs, as her, the add of
 * a caseworker of her centre with keys of his making; her change then
 * makes the centre's own keys and seals them to every member, his
 * caseworker too. */
static void test_attack__150f_admin_signs_as_first_supervisor(void **state)
{
	char *dir = th_network();
	char h[2][65], *q;
	unsigned char k[32];
	size_t n;
	const unsigned char *p = th_first_pass("new_sup", &n);
	vault_status st;
	vault *v = th_open(dir, "admin");
	int i;

	(void)state;
	status_is(v, vault_org_add(v, "newc", "newc", VAULT_ORG_ANTIVIOLENCE_CENTRE, "new_sup",
	                           p, n, TEST_KDF), VAULT_OK, "org add");
	vault_close(v);
	v = NULL;
	/* her slot, under the passphrase he chose */
	assert_int_equal(vault_open(dir, "new_sup", p, n, NULL, &v), VAULT_OK);
	for (i = 0; i < 2; i++) {
		randombytes_buf(k, 32);
		hex(k, 32, h[i]);
	}
	q = dup_printf("INSERT INTO users(name, org, role, box_pk, sign_pk, disabled, created)"
	               " VALUES('puppet', 'newc', %d, X'%s', X'%s', 0, strftime('%%s','now'));",
	               (int)VAULT_ROLE_CASEWORKER, h[0], h[1]);
	st = vault__txn_begin(v);
	if (st == VAULT_OK)
		st = vault__exec(v, q);
	free(q);
	st = sign_and_end(v, "user.add", "", st);
	vault_close(v);
	if (st != VAULT_OK) {
		refused(NULL, st, "150f forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "new_sup", "150f")) {
		th_rmdir(dir);
		return;
	}
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (150f): every open accepts a member added in the name of a"
	         " first supervisor before her passphrase change, by whoever chose it");
}

/* 150g (control, no attacker): the admin disables a caseworker of the
 * anti-violence centre.  Her centre's keys are marked owed, not made by
 * him; nothing is sealed to the centre until its supervisor's next open
 * makes them (a write that needs a seal waits, refused, changing
 * nothing); then the centre writes on, and every open verifies. */
static void test_attack__150g_control_admin_disable_owes_keys(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	long long epoch;
	size_t n;
	const unsigned char *p;
	vault_status st;
	vault *v;
	const char *const others[] = {"cav_cw2", NULL};

	(void)state;
	v = th_open(dir, "cav_sup");
	p = th_pass("cav_cw2", &n);
	status_is(v, vault_user_add(v, "cav_cw2", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	          VAULT_OK, "a second caseworker");
	vault_close(v);
	/* her case: its keys are hers, and the disabled caseworker held them
	 * through the centre's key */
	th_case(dir, "cav_cw2", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "cav_cw2", cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1, Alba");
	epoch = sql_int(dir, "admin", "SELECT epoch FROM orgs WHERE id = 'cav'");
	v = th_open(dir, "admin");
	status_is(v, vault_user_disable(v, "cav_cw"), VAULT_OK, "the admin disables cav_cw");
	vault_close(v);
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cav'"),
	                 ORG_KEYS_OWED);
	assert_int_equal(sql_int(dir, "admin", "SELECT epoch FROM orgs WHERE id = 'cav'"), epoch);
	/* the centre's other caseworker: her write needs a key sealed to it */
	v = th_open(dir, "cav_cw2");
	st = vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY,
	                      "via Po 7, Asti", 14, NULL);
	printf("   150g: a write under keys the disabled caseworker held: %s (%s)\n",
	       vault_strerror(st), vault_errmsg(v));
	assert_int_equal(st, VAULT_ERR_STATE);
	vault_close(v);
	/* her supervisor's open makes the keys */
	vault_close(th_open(dir, "cav_sup"));
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cav'"),
	                 ORG_KEYS_OWN);
	assert_int_equal(sql_int(dir, "admin", "SELECT epoch FROM orgs WHERE id = 'cav'"),
	                 epoch + 1);
	assert_int_equal(sql_int(dir, "admin", "SELECT count(*) FROM audit WHERE"
	                         " action = 'org.rotate' AND actor = 'cav_sup'"), 1);
	th_put(dir, "cav_cw2", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	all_open80(dir, "150g", others);
	th_rmdir(dir);
}

/* 150h, 150i: a case row is judged on who creates it (facts.c entitled(),
 * T_CASES), not on what it says: vault_case_create() writes a kind the
 * policy knows (victim, perpetrator) and restricted 0 or 1.  The centre's
 * caseworker creates, around the library, a victim's case with
 * restricted = 2: the policy holds it restricted (hers alone), but her
 * supervisor's listing of restricted cases, the one she needs to reach it
 * by break-glass when the caseworker leaves, asks for restricted = 1 and
 * never shows it.  (150i: of kind 3, which no separation rule names.) */
static int count_case(const vault_case_info *info, void *ctx)
{
	(void)info;
	(*(int *)ctx)++;
	return 0;
}

static void case_row_unknown(const char *tag, const char *extra)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault_status st;
	int n = 0;
	vault *v;

	st = forge_case_create(dir, "cav_cw", "cav", extra, cs);
	if (st != VAULT_OK) {
		refused(NULL, st, tag);
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cav_cw", tag)) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_sup");
	(void)vault_case_foreach_restricted(v, count_case, &n);
	vault_close(v);
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (%s): every open accepts a case row no library call writes"
	         " (%d restricted case(s) listed to its supervisor)", tag, n);
}

static void test_attack__150h_case_restricted_2(void **state)
{
	(void)state;
	case_row_unknown("150h", "UPDATE grants SET pkind = 2, principal = 'cav_cw' WHERE owner = 1"
	                         " AND case_id = (SELECT id FROM cases ORDER BY rowid DESC LIMIT 1);"
	                         " UPDATE cases SET restricted = 2 WHERE rowid ="
	                         " (SELECT max(rowid) FROM cases);");
}

static void test_attack__150i_case_of_unknown_kind(void **state)
{
	(void)state;
	case_row_unknown("150i", "UPDATE cases SET kind = 3 WHERE rowid = (SELECT max(rowid)"
	                         " FROM cases);");
}

/* ---- 160. a fifteenth insider review: owed keys (admin_keys 2) ----------- */

/* A second member of `org`, added by its supervisor `sup` (as 150g). */
static void member160(const char *dir, const char *sup, const char *name, vault_role role)
{
	size_t n;
	const unsigned char *p = th_pass(name, &n);
	vault *v = th_open(dir, sup);

	status_is(v, vault_user_add(v, name, NULL, role, p, n, TEST_KDF), VAULT_OK, "160: member");
	vault_close(v);
	vault_close(th_open(dir, name)); /* her first passphrase change */
}

/* The anti-violence centre's victim case, its general class shared with
 * the reception centre on her consent (returned in cid). */
static void shared160(const char *dir, char cs[VAULT_ID_BUFSIZE], char cid[VAULT_ID_BUFSIZE])
{
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault *v;

	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "housing";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "160: consent");
	so.consent_id = cid;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "160: share to cas");
	vault_close(v);
}

static void admin_disables160(const char *dir, const char *who)
{
	vault *v = th_open(dir, "admin");

	status_is(v, vault_user_disable(v, who), VAULT_OK, "160: the admin's disable");
	vault_close(v);
}

/* 160a: no attacker, or an admin.  take_over_owed() (lib/vault.c) makes an
 * owed organisation's keys at its supervisor's open, and rotates the
 * classes she reads of every case her organisation owns or holds: each
 * new class key is sealed to every holder (gate.c seal_to), which refuses
 * an organisation whose own keys are owed (VAULT_ERR_STATE), and a failed
 * take-over fails the open.  Two centres share one case (the victim's
 * general class, shared with the reception centre on her consent); the
 * admin disables a member of each, as members leave.  The anti-violence
 * centre's supervisor's open then rotates the shared case, whose general
 * key must be sealed to the reception centre (owed): refused, the open
 * fails.  The reception centre's supervisor's open rotates the same case,
 * sealed to the anti-violence centre (owed): refused too.  Neither can
 * ever open again: each waits for the other. */
static void test_attack__160a_two_owed_orgs_sharing_a_case_deadlock(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault *v = NULL;
	size_t n;
	const unsigned char *p;
	vault_status s1, s2;
	char m1[512] = "", m2[512] = "";

	(void)state;
	shared160(dir, cs, cid);
	member160(dir, "cav_sup", "cav_cw2", VAULT_ROLE_CASEWORKER);
	admin_disables160(dir, "cav_cw2");
	admin_disables160(dir, "cas_cw");
	assert_int_equal(sql_int(dir, "admin", "SELECT count(*) FROM orgs WHERE admin_keys = 2"
	                         " AND id IN ('cav', 'cas')"), 2);
	p = th_pass("cav_sup", &n);
	s1 = vault_open(dir, "cav_sup", p, n, NULL, &v);
	if (s1 == VAULT_OK)
		vault_close(v);
	else
		snprintf(m1, sizeof(m1), "%s", vault_last_errmsg());
	v = NULL;
	p = th_pass("cas_sup", &n);
	s2 = vault_open(dir, "cas_sup", p, n, NULL, &v);
	if (s2 == VAULT_OK)
		vault_close(v);
	else
		snprintf(m2, sizeof(m2), "%s", vault_last_errmsg());
	printf("   160a: cav_sup's open: %s (%s)\n   160a: cas_sup's open: %s (%s)\n",
	       vault_strerror(s1), m1, vault_strerror(s2), m2);
	if (s1 != VAULT_OK || s2 != VAULT_OK) {
		th_rmdir(dir);
		fail_msg("LOCK-OUT (160a): after the admin disabled a member of each of two centres"
		         " sharing a case, the supervisors' opens fail (cav_sup: %s, cas_sup: %s):"
		         " each take-over must seal the shared case's new key to the other, owed,"
		         " centre", vault_strerror(s1), vault_strerror(s2));
	}
	assert_int_equal(sql_int(dir, "admin", "SELECT count(*) FROM orgs WHERE admin_keys = 2"),
	                 0);
	th_rmdir(dir);
}

/* 160b: no attacker.  The admin disables a centre's only supervisor (she
 * left): vault_user_disable() marks the centre's keys owed, "made when one
 * of its supervisors next opens the vault" (vault.h, SECURITY.md Known
 * limits).  It has none left, and none can be added: the policy lets only
 * a supervisor of the centre add one (an admin adds admins and auditors,
 * and an organisation's first supervisor only with the organisation,
 * attack 150a).  So the keys stay owed for good: nothing is ever sealed to
 * the centre again, and its caseworker can neither open a new case nor
 * write to the ones it has.  Nothing documented it; before 5749edf the
 * admin's disable moved the keys on (keys he then held) and the centre
 * worked on.  Now documented (SECURITY.md, Known limits: no succession of
 * supervisors): the test holds what must hold then, that the centre's
 * writes that need a key are refused, changing nothing, its reads go on,
 * and every open verifies. */
static void test_attack__160b_admin_disables_only_supervisor_freezes_centre(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cs2[VAULT_ID_BUFSIZE] = "";
	vault_status s1, s2;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	admin_disables160(dir, "cav_sup");
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cav'"),
	                 ORG_KEYS_OWED);
	assert_int_equal(sql_intf(dir, "admin", "SELECT count(*) FROM users WHERE org = 'cav' AND"
	                          " role = %d AND disabled = 0", (int)VAULT_ROLE_SUPERVISOR), 0);
	v = th_open(dir, "cav_cw");
	s1 = vault_case_create(v, VAULT_CASE_VICTIM, 0, cs2);
	printf("   160b: cav_cw opens a case: %s (%s)\n", vault_strerror(s1), vault_errmsg(v));
	s2 = vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti", 14, NULL);
	printf("   160b: cav_cw writes her case: %s (%s)\n", vault_strerror(s2), vault_errmsg(v));
	vault_close(v);
	assert_int_equal(s1, VAULT_ERR_STATE);
	assert_int_equal(s2, VAULT_ERR_STATE);
	{
		char *text = NULL;

		assert_int_equal(th_get(dir, "cav_cw", cs, "shelter", &text), VAULT_OK);
		free(text);
	}
	all_open80(dir, "160b", NULL);
	th_rmdir(dir);
}

/* 160c: a consent withdrawal by a member of the owning organisation
 * rotates the classes of the grants it revokes (share.c after_revoke,
 * rotate = owner_member): the new keys are sealed to the owning centre,
 * which seal_to() refuses while its keys are owed.  So while an admin's
 * disable leaves the centre's keys owed, the victim's withdrawal of her
 * consent to the reception centre is refused (VAULT_ERR_STATE), and the
 * reception centre reads on; with its only supervisor disabled (160b) it
 * is refused for good.  A revoker outside the owning organisation makes
 * no key and the next write rotates (attack 70l): the same path would do
 * here. */
static void test_attack__160c_withdrawal_refused_while_owner_owes_keys(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *text = NULL;
	vault_status st, rd;
	vault *v;

	(void)state;
	shared160(dir, cs, cid);
	admin_disables160(dir, "cav_sup");
	v = th_open(dir, "cav_cw");
	st = vault_consent_withdraw(v, cid);
	printf("   160c: the victim's withdrawal: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	rd = get_cls(dir, "cas_cw", cs, "intake", VAULT_CLASS_GENERAL, &text);
	free(text);
	if (st != VAULT_OK) {
		th_rmdir(dir);
		fail_msg("LOCK-OUT (160c): the victim's consent withdrawal is refused (%s) while the"
		         " owning centre's keys are owed (for good: its only supervisor was"
		         " disabled); the reception centre's grant stays live, its read: %s",
		         vault_strerror(st), vault_strerror(rd));
	}
	assert_int_not_equal(rd, VAULT_OK);
	th_rmdir(dir);
}

/* 160d: a supervisor's disable of her own member rotates every case her
 * centre owns (orgs.c vault_user_disable), sealing the new keys to every
 * holder: while another organisation holding one of those cases owes its
 * keys (an admin disabled one of its members), the disable is refused
 * (VAULT_ERR_STATE) and the member who left keeps her access.  Routing it
 * through the admin marks her centre owed in turn, and 160a follows. */
static void test_attack__160d_supervisor_disable_refused_while_grantee_owes(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault_status st;
	vault *v;

	(void)state;
	shared160(dir, cs, cid);
	member160(dir, "cav_sup", "cav_cw2", VAULT_ROLE_CASEWORKER);
	admin_disables160(dir, "cas_cw");
	v = th_open(dir, "cav_sup");
	st = vault_user_disable(v, "cav_cw2");
	printf("   160d: cav_sup disables cav_cw2: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (st != VAULT_OK) {
		assert_int_equal(sql_int(dir, "admin", "SELECT disabled FROM users WHERE"
		                         " name = 'cav_cw2'"), 0);
		th_rmdir(dir);
		fail_msg("LOCK-OUT (160d): the centre's supervisor cannot disable a caseworker who"
		         " left (%s) while the reception centre, which holds one of its cases, owes"
		         " its keys; she keeps her access", vault_strerror(st));
	}
	th_rmdir(dir);
}

/* 160e: the 1.x exemption ("an organisation of a 1.x vault whose first
 * supervisor never changed her passphrase keeps the admin's first keys as
 * 1.x did": its members sign, and are sealed keys, as before) holds only
 * while the organisation's row is a legacy fact.  An admin's disable of a
 * member restates that row (admin_keys 1 kept, facts.c entitled(), T_ORGS:
 * "CASE admin_keys WHEN 1 THEN 1") as a signed fact: from then on the
 * exemption is gone (fentry.legacy = 0).  In the 1.0.0 fixture the centre's
 * supervisor never changed her passphrase (admin_keys 1); the admin
 * disables her (she left).  The centre's caseworker, who worked on under
 * the exemption, is now a member "whose keys are still the admin's": every
 * statement of hers is refused (her own passphrase change), nothing is
 * sealed to the centre, and no supervisor is left to take the keys over.
 * Since: an admin's disable marks the keys owed (2) whatever they were,
 * which the replay takes from him; her passphrase change goes, and every
 * open verifies.  Her writes wait, as at 160b (no supervisor is left). */
static void test_attack__160e_legacy_org_loses_exemption_at_admin_disable(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	vault_status pw, put, op;
	vault *v;
	size_t n;
	const unsigned char *p;

	(void)state;
	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	printf("   160e: cav admin_keys %lld\n",
	       sql_int(dir, "cav_cw", "SELECT admin_keys FROM orgs WHERE id = 'cav'"));
	status_is(NULL, victim_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL,
	                           "second interview"), VAULT_OK, "160e: a write under the exemption");
	v = th_open(dir, "admin");
	status_is(v, vault_user_disable(v, "cav_sup"), VAULT_OK, "160e: the admin disables cav_sup");
	vault_close(v);
	p = th_pass("cav_cw", &n);
	v = th_open(dir, "cav_cw");
	put = vault_record_put(v, cs, "intake", VAULT_CLASS_GENERAL, "third", 5, NULL);
	printf("   160e: cav_cw's write: %s (%s)\n", vault_strerror(put), vault_errmsg(v));
	pw = vault_passwd(v, (const unsigned char *)"tmp-pass-y", 10, TEST_KDF);
	printf("   160e: cav_cw's passphrase change: %s (%s)\n", vault_strerror(pw), vault_errmsg(v));
	if (pw == VAULT_OK)
		(void)vault_passwd(v, p, n, TEST_KDF); /* back (refused once the first is) */
	vault_close(v);
	v = NULL;
	p = th_pass("admin", &n);
	op = vault_open(dir, "admin", p, n, NULL, &v);
	printf("   160e: the admin's open: %s (%s)\n", vault_strerror(op), vault_last_errmsg());
	if (op == VAULT_OK)
		vault_close(v);
	if (op != VAULT_OK) {
		th_rmdir(base);
		fail_msg("LOCK-OUT (160e): after the admin disabled the 1.x centre's supervisor (its"
		         " row restated, the 1.x exemption gone), the caseworker's routine passphrase"
		         " change (%s) signed an entry every open refuses: %s", vault_strerror(pw),
		         vault_strerror(op));
	}
	if (pw != VAULT_OK) {
		th_rmdir(base);
		fail_msg("LOCK-OUT (160e): after the admin disabled the 1.x centre's supervisor, its"
		         " caseworker can no longer change her passphrase (%s)", vault_strerror(pw));
	}
	assert_int_equal(put, VAULT_ERR_STATE); /* as 160b: no supervisor is left */
	th_rmdir(base);
}

/* 160f (control, no attacker): a centre owing keys is left out of the
 * keys another makes meanwhile, and sealed them once its keys are its own.
 * The victim centre shares a case's general class with the reception
 * centre; the admin disables the reception centre's caseworker.  The
 * victim centre writes on (the new key left out of the reception centre's
 * seals: its old keys are the disabled member's); the reception centre's
 * supervisor's open makes its keys; the victim centre's next write seals
 * the reception centre the key of what was written meanwhile too. */
static void test_attack__160f_control_owed_grantee_left_out_then_refilled(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *text = NULL;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	consent_and_share_org(dir, cs, "cas", VAULT_CLASS_GENERAL, VAULT_PERM_READ, cid);
	v = th_open(dir, "admin");
	status_is(v, vault_user_disable(v, "cas_cw"), VAULT_OK, "the admin disables cas_cw");
	vault_close(v);
	/* the victim centre writes on */
	status_is(NULL, victim_put(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL,
	                           "second interview"), VAULT_OK, "160f: a write while cas owes");
	/* the reception centre's supervisor makes its keys */
	vault_close(th_open(dir, "cas_sup"));
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cas'"),
	                 ORG_KEYS_OWN);
	status_is(NULL, victim_put(dir, "cav_cw", cs, "note", VAULT_CLASS_GENERAL, "a call"),
	          VAULT_OK, "160f: the next write");
	assert_int_equal(th_get(dir, "cas_sup", cs, "intake", &text), VAULT_OK);
	assert_string_equal(text, "second interview");
	free(text);
	text = NULL;
	assert_int_equal(th_get(dir, "cas_sup", cs, "note", &text), VAULT_OK);
	free(text);
	all_open80(dir, "160f", NULL);
	th_rmdir(dir);
}

/* 170a: no attacker.  While the owning centre owes its keys (the admin
 * disabled one of its members), a writer of the reception centre (write
 * grant on the general class) writes: the general key is stale (the
 * owner's row changed after it was made), so she rotates it, and seal_to()
 * leaves the owning centre out, escrow included.  The owning centre's
 * supervisor's open takes its keys over; its caseworker's next write finds
 * the key stale again and rotates, and refill_missed() tries to seal the
 * owning centre the epoch it missed: she cannot open it (it was never
 * sealed to her centre), so it is skipped ("best effort").  Nothing later
 * rotates the class (the new key is not stale), and the reception centre's
 * writes go on under it: the epoch is never sealed to the owning centre.
 * Its supervisors (escrow, break-glass) and caseworkers never read what
 * the reception centre wrote while the keys were owed. */
static void test_attack__170a_owner_never_refilled_when_it_rotates_first(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *text = NULL;
	char cid2[VAULT_ID_BUFSIZE];
	vault_status sup_rd, cw_rd, sh;
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	consent_and_share_org(dir, cs, "cas", VAULT_CLASS_GENERAL, VAULT_PERM_WRITE, cid);
	member160(dir, "cav_sup", "cav_cw2", VAULT_ROLE_CASEWORKER);
	admin_disables160(dir, "cav_cw2");
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cav'"),
	                 ORG_KEYS_OWED);
	/* the reception centre writes (a rotation that leaves cav out) */
	status_is(NULL, victim_put(dir, "cas_cw", cs, "cas_note", VAULT_CLASS_GENERAL,
	                           "seen at the shelter"), VAULT_OK, "170a: cas writes");
	/* cav's supervisor makes its keys */
	vault_close(th_open(dir, "cav_sup"));
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cav'"),
	                 ORG_KEYS_OWN);
	/* cav's caseworker writes first: the rotation is hers */
	status_is(NULL, victim_put(dir, "cav_cw", cs, "cav_note", VAULT_CLASS_GENERAL,
	                           "a call"), VAULT_OK, "170a: cav writes");
	/* the reception centre writes on (no rotation) */
	status_is(NULL, victim_put(dir, "cas_cw", cs, "cas_note2", VAULT_CLASS_GENERAL,
	                           "a second visit"), VAULT_OK, "170a: cas writes again");
	sup_rd = get_cls(dir, "cav_sup", cs, "cas_note", VAULT_CLASS_GENERAL, &text);
	free(text);
	text = NULL;
	cw_rd = get_cls(dir, "cav_cw", cs, "cas_note", VAULT_CLASS_GENERAL, &text);
	free(text);
	printf("   170a: cav_sup reads cas_note: %s; cav_cw: %s; cav sup seals of general: %lld"
	       " of %lld epochs\n", vault_strerror(sup_rd), vault_strerror(cw_rd),
	       sql_intf(dir, "admin", "SELECT count(*) FROM class_keys WHERE case_id = '%s' AND"
	                " class = %d AND hkind = 3 AND holder = 'cav'", cs, VAULT_CLASS_GENERAL),
	       sql_intf(dir, "admin", "SELECT epoch FROM case_classes WHERE case_id = '%s' AND"
	                " class = %d", cs, VAULT_CLASS_GENERAL));
	/* the owning centre shares the class on: a share seals every epoch */
	v = th_open(dir, "cav_cw");
	co.org = "asl";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "referral";
	status_is(v, vault_consent_add(v, cs, &co, cid2), VAULT_OK, "170a: consent to asl");
	so.consent_id = cid2;
	sh = vault_share(v, cs, VAULT_PRINCIPAL_ORG, "asl", VAULT_CLASS_GENERAL, &so);
	printf("   170a: cav_cw shares the general class with asl: %s (%s)\n", vault_strerror(sh),
	       vault_errmsg(v));
	vault_close(v);
	all_open80(dir, "170a", NULL);
	th_rmdir(dir);
	if (sup_rd != VAULT_OK || cw_rd != VAULT_OK || sh != VAULT_OK)
		fail_msg("LOCK-OUT (170a): the owning centre never reads what the reception centre"
		         " wrote while its keys were owed (supervisor: %s, caseworker: %s): its own"
		         " caseworker's rotation after the take-over cannot refill the epoch it"
		         " missed, and nothing rotates the class again; nor can it share the class"
		         " on (%s: a share seals every epoch)", vault_strerror(sup_rd),
		         vault_strerror(cw_rd), vault_strerror(sh));
}

/* 170b: no attacker.  A reviewed reason (an emergency consent's, a
 * break-glass's) is sealed to every enabled auditor and to the owning
 * centre's members' key; since 896a9ac, not to that key while the centre's
 * keys are marked (freetext.c, vault__reason_seal), "the auditors still
 * read it".  A vault with no auditor (the admin disabled the only one: she
 * left) then has nobody to seal it to, and vault__reason_seal() refuses
 * with VAULT_ERR_CORRUPT ("no one to seal the reason to").  The reception
 * centre's supervisor, who holds the victim's case with the share right,
 * records an emergency (vital interest) consent while the owning centre
 * owes its keys: refused, for as long as the owning centre's supervisor
 * does not open (for good when it has none left, 160b).  The owning
 * centre's own supervisor hits it too, in a session opened before the
 * admin's disable (her break-glass). */
static void test_attack__170b_emergency_refused_no_reviewer_while_owner_owes(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], cid2[VAULT_ID_BUFSIZE];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_status em;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	consent_and_share_org(dir, cs, "cas", VAULT_CLASS_GENERAL, VAULT_PERM_SHARE, cid);
	member160(dir, "cav_sup", "cav_cw2", VAULT_ROLE_CASEWORKER);
	v = th_open(dir, "admin");
	status_is(v, vault_user_disable(v, "aud"), VAULT_OK, "170b: the auditor left");
	vault_close(v);
	admin_disables160(dir, "cav_cw2");
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cav'"),
	                 ORG_KEYS_OWED);
	v = th_open(dir, "cas_sup");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "emergency housing";
	co.basis = VAULT_BASIS_VITAL_INTEREST;
	co.reason = "she is in danger tonight";
	em = vault_consent_add(v, cs, &co, cid2);
	printf("   170b: cas_sup's emergency consent: %s (%s)\n", vault_strerror(em),
	       vault_errmsg(v));
	vault_close(v);
	all_open80(dir, "170b", NULL);
	th_rmdir(dir);
	if (em != VAULT_OK)
		fail_msg("LOCK-OUT (170b): with no auditor enabled and the owning centre's keys"
		         " owed, a reviewed reason has no reader: the reception centre's emergency"
		         " consent is refused as a corrupt vault (%s), until the owning centre's"
		         " supervisor opens (never, if it has none left)", vault_strerror(em));
}

/* 170c: a disable is judged on the policy and on the organisation's row
 * it states (facts.c entitled(), T_USERS), not on whether she was enabled:
 * the admin restates a caseworker he disabled long ago beside the centre's
 * keys marked owed, and marks them owed again whenever he likes (its
 * writes wait until its supervisor's next open). */
static void test_attack__170c_admin_disables_the_disabled_again(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "admin");
	status_is(v, vault_user_disable(v, "cav_cw"), VAULT_OK, "the admin disables cav_cw");
	vault_close(v);
	vault_close(th_open(dir, "cav_sup")); /* the centre's keys are its own again */
	assert_int_equal(sql_int(dir, "admin", "SELECT admin_keys FROM orgs WHERE id = 'cav'"),
	                 ORG_KEYS_OWN);
	forge_target = "cav_cw";
	st = forge(dir, "admin", "UPDATE users SET disabled = 1 WHERE name = 'cav_cw';"
	                         " UPDATE orgs SET admin_keys = 2 WHERE id = 'cav';",
	           "user.disable", NULL, NULL);
	forge_target = "";
	if (st != VAULT_OK) {
		refused(NULL, st, "170c forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "admin", "170c")) {
		th_rmdir(dir);
		return;
	}
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (170c): every open accepts a disable of a user disabled"
	         " before, which marks her centre's keys owed again");
}

/* 170d: vault_share() seals nothing to an organisation whose keys are
 * owed, so it grants it nothing; the replay judged a grant on the policy
 * alone.  The victim centre's caseworker signs, around the library, a
 * grant to the reception centre (on the victim's consent) while its keys
 * are owed: keys that a caseworker who left holds. */
static void test_attack__170d_grant_to_an_owing_centre(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *q;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cid),
	          VAULT_OK, "consent");
	vault_close(v);
	v = th_open(dir, "admin");
	status_is(v, vault_user_disable(v, "cas_cw"), VAULT_OK, "the admin disables cas_cw");
	vault_close(v);
	q = dup_printf("INSERT INTO grants(case_id, pkind, principal, classes, perm, consent_id,"
	               " expires, granted_by, created, revoked, owner) VALUES('%s', %d, 'cas', %d,"
	               " %d, '%s', 0, 'cav_cw', strftime('%%s','now'), 0, 0);", cs,
	               (int)VAULT_PRINCIPAL_ORG, (int)VAULT_CLASS_GENERAL, (int)VAULT_PERM_READ, cid);
	forge_target = "cas";
	st = forge(dir, "cav_cw", q, "share", cs, NULL);
	forge_target = "";
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "170d forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cav_cw", "170d")) {
		th_rmdir(dir);
		return;
	}
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (170d): every open accepts a grant to a centre whose keys are"
	         " owed (held by a caseworker who left)");
}

/* 170e: an admin makes no key of a case (he reads none; his disable of a
 * member marks her organisation's keys owed and rotates nothing).  The
 * replay let any disable of a member of an organisation holding the case
 * (facts.c held_by_disabled_org), or of a user holding a grant on it
 * (revokes_class), state a new epoch of its classes, whoever signed it.
 * The admin disables the victim centre's caseworker in an entry of his
 * own that also moves the case's `safety` class to a key he chose, sealed
 * to its holders; the centre's supervisor then writes her new address. */
static void test_attack__170e_admin_disable_mints_an_epoch(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], out[256], *ep_sql, *q;
	unsigned char k[32];
	long long ep;
	vault_status st;
	sqlite3 *db;

	(void)state;
	victim_case(dir, cs);
	ep = sql_intf(dir, "admin", "SELECT epoch FROM case_classes WHERE case_id = '%s' AND"
	              " class = %d", cs, VAULT_CLASS_SAFETY);
	randombytes_buf(k, 32);
	db = th_db_open(dir, "admin");
	assert_true(seal_to_holders(db, cs, VAULT_CLASS_SAFETY, ep, k, NULL) > 0);
	sqlite3_close(db);
	ep_sql = epoch_sql(cs, VAULT_CLASS_SAFETY, ep, "admin", k);
	q = dup_printf("UPDATE users SET disabled = 1 WHERE name = 'cav_cw';"
	               " UPDATE orgs SET admin_keys = 2 WHERE id = 'cav'; %s", ep_sql);
	forge_target = "cav_cw";
	st = forge(dir, "admin", q, "user.disable", NULL, NULL);
	forge_target = "";
	free(ep_sql);
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "170e forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "admin", "170e")) {
		th_rmdir(dir);
		return;
	}
	st = victim_put(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 9, Asti");
	if (st == VAULT_OK &&
	    decrypt_with(dir, "admin", cs, VAULT_CLASS_SAFETY, "shelter", k, out, sizeof(out))) {
		th_rmdir(dir);
		fail_msg("ATTACK SUCCEEDS (170e): the admin reads the new shelter address \"%s\"",
		         out);
	}
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (170e): every open accepts a case key made by the admin"
	         " (put after it: %s)", vault_strerror(st));
}

/* ---- 180. review 16a: versions, caches, witness, rotation, legacy -------- */


/* 180a: the disable has committed (the users table was checked against the
 * facts inside it), and the rotation of the database key has not begun:
 * vault_user_disable() next removes the slot (vault__slot_remove, which
 * waits for an exclusive flock on vault.lock) and only then rotates.  The
 * user being disabled holds that flock (vault.lock is a file of the folder
 * anyone can open), so the disabler waits there for as long as he likes;
 * his old database key still opens vault.db (the rotation has not run), so
 * he writes his own box key on a colleague's users row and lets go.
 * stage_dbkey() reads `users` unchecked and seals the new database key
 * "to her", that is to him.  The hook below stands for his process at that
 * point (the disabler blocked on the lock). */
static const char *g180a_dir;
static unsigned char g180a_oldkey[32], g180a_pk[32];
static int g180a_done;

static void disabled_user_swaps_key_hook(const char *step)
{
	sqlite3 *db;
	sqlite3_stmt *s;

	if (strcmp(step, "user_disable.commit.after") != 0 || g180a_done)
		return;
	g180a_done = 1;
	db = th_db_open_key(g180a_dir, g180a_oldkey);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE users SET box_pk = ?1 WHERE"
	                                        " name = 'cas_cw'", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, g180a_pk, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_attack__180a_disabled_user_swaps_key_before_rotation(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cs2[VAULT_ID_BUFSIZE];
	unsigned char sk[32], cur[32], pend[32], herpk[32];
	const char *names[16];
	unsigned char pks[16][32];
	size_t n = 0;
	int has_cur = 0, has_pend = 0, opens;
	sqlite3 *db;
	sqlite3_stmt *s;
	vault_status st;
	vault *v;
	long long seen;

	(void)state;
	victim_case(dir, cs);
	/* his tools: the database key and box keys of his own slot */
	th_db_key(dir, "cav_cw", g180a_oldkey);
	own_box_keys(dir, "cav_cw", g180a_pk, sk);
	db = th_db_open_key(dir, g180a_oldkey);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT box_pk FROM users WHERE name = 'cas_cw'",
	                                    -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	memcpy(herpk, sqlite3_column_blob(s, 0), 32);
	sqlite3_finalize(s);
	sqlite3_close(db);

	g180a_dir = dir;
	g180a_done = 0;
	vault__crash_hook = disabled_user_swaps_key_hook;
	v = th_open(dir, "cav_sup");
	st = vault_user_disable(v, "cav_cw");
	printf("   180a: the disable: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	vault__crash_hook = NULL;
	assert_true(g180a_done); /* the attack ran */

	/* He opens "her" seal of the new database key with his own key. */
	opens = vault__dbkey_get(dir, "cas_cw", g180a_pk, sk, cur, &has_cur, pend, &has_pend) ==
	            VAULT_OK && has_cur && vault__store_key_opens(dir, cur) == 1;
	if (opens) {
		/* He covers his tracks with the new key: her row put back, the
		 * new key sealed to every enabled user as the rotation does. */
		db = th_db_open_key(dir, cur);
		assert_int_equal(sqlite3_prepare_v2(db, "UPDATE users SET box_pk = ?1 WHERE"
		                                        " name = 'cas_cw'", -1, &s, NULL), SQLITE_OK);
		sqlite3_bind_blob(s, 1, herpk, 32, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
		sqlite3_finalize(s);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT name, box_pk FROM users WHERE"
		                                        " disabled = 0", -1, &s, NULL), SQLITE_OK);
		while (sqlite3_step(s) == SQLITE_ROW && n < 16) {
			names[n] = strdup((const char *)sqlite3_column_text(s, 0));
			memcpy(pks[n], sqlite3_column_blob(s, 1), 32);
			n++;
		}
		sqlite3_finalize(s);
		sqlite3_close(db);
		assert_int_equal(vault__dbkey_stage(dir, 0, names, (const unsigned char (*)[32])pks,
		                                    n, cur, NULL), VAULT_OK);
		assert_int_equal(vault__dbkey_commit(dir, 0), VAULT_OK);
		while (n > 0)
			free((void *)names[--n]);
		/* Life goes on: nobody's open says anything, and the centre
		 * opens a new case after his disable. */
		v = th_open(dir, "cas_cw");
		vault_close(v);
		th_case(dir, "cav_sup", VAULT_CASE_VICTIM, 0, cs2);
		th_put(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");
		db = th_db_open_key(dir, cur);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM cases WHERE id = ?1",
		                                    -1, &s, NULL), SQLITE_OK);
		sqlite3_bind_text(s, 1, cs2, -1, SQLITE_STATIC);
		seen = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
		sqlite3_finalize(s);
		sqlite3_close(db);
		fail_msg("ATTACK SUCCEEDS (180a): the disable returned %s; the disabled user, who"
		         " wrote his box key on cas_cw's row between the disable's commit and its"
		         " rotation, holds the new database key: it opens the live vault.db, he"
		         " sealed it back to everyone, every open goes on, and he reads what is"
		         " written after his disable (the new case: %lld row)",
		         vault_strerror(st), seen);
	}
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(cur, sizeof(cur));
	th_rmdir(dir);
}


/* Does the key `oldkey` open the live vault.db and find case cs2 in it? */
static int old_key_reads_case(const char *dir, const unsigned char oldkey[32], const char *cs2)
{
	sqlite3 *db = th_db_open_key(dir, oldkey);
	sqlite3_stmt *s;
	long long seen = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM cases WHERE id = ?1", -1, &s, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(s, 1, cs2, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			seen = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return seen == 1;
}

/* 180b: the disabled user keeps his old key opening the live database for
 * good.  Before his disable he opens vault.db with his key and leaves a
 * read transaction open (any reader of the folder can).  The rotation's
 * checkpoint of the old WAL then never completes (store.c: BUSY, "another
 * handle is reading an older state"), so every vault_user_disable() of him,
 * the first and each one meant to finish it, returns an error and leaves
 * the old key in force; the disabler cannot tell who holds the reader.
 * SECURITY.md's limit says the old key opens the live file "until the
 * rotation of a disable cut short is finished": here it is never finished,
 * by his choice.  Now the rotation waits for no reader: the old log is set
 * aside whole, not checkpointed first (lib/store.c, vault__store_rotate). */
static void test_attack__180b_disabled_user_blocks_rotation_forever(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cs2[VAULT_ID_BUFSIZE];
	unsigned char oldkey[32];
	sqlite3 *hold;
	vault_status st1, st2, st3;
	vault *v;
	long long seen = -1;
	int i;

	(void)state;
	victim_case(dir, cs);
	th_db_key(dir, "cav_cw", oldkey);
	hold = th_db_open_key(dir, oldkey);
	assert_int_equal(sqlite3_exec(hold, "BEGIN; SELECT count(*) FROM audit;", NULL, NULL,
	                              NULL), SQLITE_OK);

	v = th_open(dir, "cav_sup");
	st1 = vault_user_disable(v, "cav_cw");
	vault_close(v);
	/* the centre tries again, as the error tells it to, twice */
	for (i = 0, st2 = st3 = VAULT_OK; i < 2; i++) {
		v = th_open(dir, "cav_sup");
		if (i == 0)
			st2 = vault_user_disable(v, "cav_cw");
		else
			st3 = vault_user_disable(v, "cav_cw");
		vault_close(v);
	}
	/* the centre works on: a new case after his disable */
	th_case(dir, "cav_sup", VAULT_CASE_VICTIM, 0, cs2);

	/* his old key, on a second connection, reads the live file */
	seen = old_key_reads_case(dir, oldkey, cs2);
	sqlite3_exec(hold, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(hold);
	if (seen == 1)
		fail_msg("ATTACK SUCCEEDS (180b): with a read transaction of his own left open,"
		         " the disabled user's old key still opens the live database after three"
		         " disables (%s, %s, %s) and reads the case opened after them",
		         vault_strerror(st1), vault_strerror(st2), vault_strerror(st3));
	sodium_memzero(oldkey, sizeof(oldkey));
	th_rmdir(dir);
}


/* 180c: a version in the form of 1.x, signed.  A writer of general (the
 * reception caseworker, on the victim's consent) signs, around the
 * library, new versions of the victim's "intake" with its name in clear
 * in `records.name` (no tag, no label), as her own: version 1, then 2
 * (a deletion mark).  The replay accepts them (her version, the one after
 * the newest under that key, of a class she writes).  But the library
 * reads a name in clear as a row of 1.x: a plain get of "intake" takes the
 * highest version of the name or its tag (ST_RECORD_GET_LATEST) and says
 * the centre's record is deleted; and the centre's next write "converts"
 * her rows (convert_legacy checks that they are facts, not that they are
 * legacy facts), stating the removal of a version no replay lets anyone
 * remove.  Now a row in clear is a version of 1.x only as a legacy fact:
 * signed ones are passed over by reads and conversions alike. */
/* The reception caseworker signs versions 1 and 2 (deletion marks) of
 * `name` in the victim's case with the name in clear, as 1.x wrote them.
 * Returns 1 when every open accepts them (the caller looks at what they
 * do), 0 when refused. */
static int signed_rows_in_clear(const char *dir, const char *cs, const char *name,
                                const char *tag)
{
	vault_status st;
	char *sql;
	int k;

	for (k = 1; k <= 2; k++) {
		sql = dup_printf("INSERT INTO records(case_id, name, version, class, epoch, deleted,"
		                 " size, author, created, nonce, ct, label, padded) SELECT '%s',"
		                 " '%s', %d, 1, epoch, 1, 0, 'cas_cw', strftime('%%s','now'),"
		                 " NULL, NULL, NULL, 0 FROM case_classes WHERE case_id = '%s' AND"
		                 " class = 1", cs, name, k, cs);
		st = forge(dir, "cas_cw", sql, "record.delete", cs, NULL);
		free(sql);
		if (st != VAULT_OK) {
			refused(NULL, st, tag);
			return 0;
		}
	}
	return !open_refuses_entry_of(dir, "cav_sup", "cas_cw", tag);
}

/* 180f: 180c before the record exists: the reception caseworker signs
 * rows in clear under a name the centre has not used yet; its first write
 * of that name counted them as the record's versions of 1.x (rows it
 * could not find under the tag: "rows removed"). */
static void test_attack__180f_signed_rows_in_clear_before_the_record(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *text = NULL;
	vault_status put, got;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_WRITE, 0, cid);
	if (!signed_rows_in_clear(dir, cs, "hearing", "180f")) {
		th_rmdir(dir);
		return;
	}
	put = as_user(dir, "cav_cw", 3, cs, "hearing");
	got = get_cls(dir, "cav_cw", cs, "hearing", VAULT_CLASS_GENERAL, &text);
	printf("   180f: the centre's get of its new record: %s (%s)\n", vault_strerror(got),
	       text ? text : "");
	if (put != VAULT_OK || got != VAULT_OK || strcmp(text, "a later note") != 0) {
		free(text);
		fail_msg("ATTACK SUCCEEDS (180f): the centre's first write of a record whose name"
		         " she signed in clear: %s, its read: %s", vault_strerror(put),
		         vault_strerror(got));
	}
	free(text);
	th_rmdir(dir);
}

static void test_attack__180c_signed_plain_name_version(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *text = NULL;
	vault_status got, put;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_WRITE, 0, cid);
	if (!signed_rows_in_clear(dir, cs, "intake", "180c")) {
		th_rmdir(dir);
		return;
	}
	/* the entries are facts; what do the centre's reads and writes do? */
	got = get_cls(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, &text);
	printf("   180c: the centre's get of intake: %s (%s)\n", vault_strerror(got),
	       text ? text : "");
	free(text);
	put = as_user(dir, "cav_cw", 3, cs, "intake");
	/* and again, by her supervisor: not a passing failure */
	if (put != VAULT_OK)
		put = as_user(dir, "cav_sup", 3, cs, "intake");
	{
		vault *v = NULL;
		size_t n;
		const unsigned char *p = th_pass("cav_sup", &n);
		vault_status so = vault_open(dir, "cav_sup", p, n, NULL, &v);

		if (v != NULL)
			vault_close(v);
		if (so != VAULT_OK)
			fail_msg("ATTACK SUCCEEDS (180c): after the centre's routine write to its own"
			         " record (%s), no open of the vault verifies: %s (%s)",
			         vault_strerror(put), vault_strerror(so), vault_last_errmsg());
	}
	if (got == VAULT_ERR_NOT_FOUND)
		fail_msg("ATTACK SUCCEEDS (180c): the centre's intake reads as deleted (rows the"
		         " reception caseworker signed under its name in clear), and neither the"
		         " caseworker nor her supervisor can write it again: %s",
		         vault_strerror(put));
	if (put != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (180c): the centre can no longer write its own record"
		         " intake: %s", vault_strerror(put));
	th_rmdir(dir);
}


/* 180d: a version born redacted, in the supervisor's name.  A writer of
 * general (the reception caseworker, on the victim's consent) signs,
 * around the library, the next version of the centre's "intake" as her
 * own, but with redacted_by = the centre's supervisor, a time and a
 * reason ("court order"), and no ciphertext.  The replay checks a new
 * version's author, number and class, not that it is born unredacted
 * (a redaction is judged only as a change of a version: redaction_refused,
 * a supervisor's high-severity act).  The centre's read of its record then
 * says "redacted", and its history says the supervisor redacted it, for a
 * reason she never gave, in no reviewed entry.  Now a new version is born
 * unredacted, as write_version() writes it. */
struct hist180d {
	char by[64], why[128];
	int redacted;
};

static int hist180d_cb(const vault_record_info *i, void *ctx)
{
	struct hist180d *h = ctx;

	if (i->redacted_by != NULL) {
		h->redacted++;
		snprintf(h->by, sizeof(h->by), "%s", i->redacted_by);
		snprintf(h->why, sizeof(h->why), "%s", i->redact_reason ? i->redact_reason : "");
	}
	return 0;
}

static void test_attack__180d_version_born_redacted_by_supervisor(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *sql, *text = NULL;
	struct hist180d h;
	vault_status st, got;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_WRITE, 0, cid);
	sql = dup_printf("INSERT INTO records(case_id, name, version, class, epoch, deleted,"
	                 " size, author, created, nonce, ct, redacted_by, redacted_at,"
	                 " redact_reason, label, padded) SELECT case_id, name, version + 1,"
	                 " class, epoch, 0, size, 'cas_cw', strftime('%%s','now'), NULL, NULL,"
	                 " 'cav_sup', strftime('%%s','now'), 'court order', label, padded"
	                 " FROM records WHERE case_id = '%s' AND class = 1 ORDER BY version"
	                 " DESC LIMIT 1", cs);
	st = forge(dir, "cas_cw", sql, "record.put", cs, NULL);
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "180d forge");
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", "180d")) {
		th_rmdir(dir);
		return;
	}
	got = get_cls(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, &text);
	free(text);
	memset(&h, 0, sizeof(h));
	v = th_open(dir, "cav_cw");
	status_is(v, vault_record_history_v2(v, cs, "intake", VAULT_CLASS_GENERAL, hist180d_cb,
	                                     &h), VAULT_OK, "history");
	vault_close(v);
	printf("   180d: get: %s; history: %d redacted, by %s (%s)\n", vault_strerror(got),
	       h.redacted, h.by, h.why);
	if (h.redacted > 0 && strcmp(h.by, "cav_sup") == 0)
		fail_msg("ATTACK SUCCEEDS (180d): the centre's intake reads as %s, and its history"
		         " says cav_sup redacted it (\"%s\"): a version cas_cw signed born redacted"
		         " in her name", vault_strerror(got), h.why);
	th_rmdir(dir);
}


/* 180e: staff names in the folder listing.  The key-slot file hides its
 * users behind slot ids (test_invariants__keyslots_hold_no_user_names; the
 * witness copy in it names nobody), since a thief of a disk or a backup
 * must learn nothing, staff names included (invariant 1).  But each
 * user's cache of facts is a file named after her in the vault folder,
 * facts-<user>.cache (lib/facts_cache.c cache_path): `ls` of a backup
 * listed every caseworker of the shelter who used the vault.  Now the
 * file is named by her slot id. */
static void test_attack__180e_cache_file_names_staff(void **state)
{
	static const char *const staff[] = {"cav_cw", "cav_sup", "cas_cw", "aud"};
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], found[512] = "";
	struct dirent *d;
	DIR *dd;
	vault *v;
	size_t i;

	(void)state;
	victim_case(dir, cs);
	for (i = 0; i < sizeof(staff) / sizeof(staff[0]); i++) {
		v = th_open(dir, staff[i]);
		vault_close(v);
	}
	/* the thief's view: names only, no key */
	dd = opendir(dir);
	assert_non_null(dd);
	while ((d = readdir(dd)) != NULL)
		for (i = 0; i < sizeof(staff) / sizeof(staff[0]); i++)
			if (strstr(d->d_name, staff[i]) != NULL &&
			    strlen(found) + strlen(d->d_name) + 2 < sizeof(found)) {
				strcat(found, d->d_name);
				strcat(found, " ");
				break;
			}
	closedir(dd);
	if (found[0] != '\0')
		fail_msg("ATTACK SUCCEEDS (180e): the vault folder's listing names its staff,"
		         " without any key: %s", found);
	th_rmdir(dir);
}

/* ---- 190. a review of the replay's time, break-glass, grants and users ---- */

/* 190a: the replay bounds a break-glass window to 24 hours (plus an hour)
 * after the entry's time, and judges the entry at the latest time of the
 * entries so far, its own included.  Its signer states that time: 90a
 * stopped dating an entry back, nothing stops dating it ahead.  The
 * centre's supervisor signs a reviewed break-glass entry about a
 * restricted case of her caseworker, dated 20 days ahead, with a window
 * that ends 24 hours after that: every open accepts it, and she reads the
 * restricted case through the API for 21 days on one entry.  Now a window
 * lasts at most 24 hours from its own start, and the library counts only
 * windows begun by its own clock (lib/gate.c, at_log_time). */
static void test_attack__190a_break_glass_window_dated_ahead(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *sql, *txt = NULL;
	int64_t now = vault__now(), ahead = now + 20 * 86400;
	vault_status st;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, cs);
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1, Torino");
	/* control: her supervisor does not read the restricted case */
	st = get_cls(dir, "cav_sup", cs, "shelter", VAULT_CLASS_SAFETY, &txt);
	free(txt);
	txt = NULL;
	assert_int_equal(st, VAULT_ERR_DENIED);
	sql = dup_printf("INSERT INTO breakglass(case_id, user, until, reason, created)"
	                 " VALUES('%s', 'cav_sup', %lld, 'x', %lld)", cs,
	                 (long long)(ahead + VAULT_BREAK_GLASS_MAX_S), (long long)ahead);
	forge_high = 1; /* a reviewed break-glass entry, as vault_break_glass() marks it */
	forge_at = ahead;
	st = forge(dir, "cav_sup", sql, "break-glass", cs, NULL);
	forge_high = 0;
	forge_at = 0;
	free(sql);
	if (st != VAULT_OK) {
		refused(NULL, st, "190a forge");
		th_rmdir(dir);
		return;
	}
	th_forget_cache(dir, "cav_cw");
	if (open_refuses_entry_of(dir, "cav_cw", "cav_sup", "190a")) {
		th_rmdir(dir);
		return;
	}
	/* three days on (the longest honest window ended two days ago) */
	vault__clock_shift(3 * 86400);
	v = th_open(dir, "cav_sup");
	{
		vault_buf b = VAULT_BUF_INIT;

		st = vault_record_get_v2(v, cs, "shelter", VAULT_CLASS_SAFETY, 0, &b, NULL, NULL);
		if (st == VAULT_OK)
			txt = strndup((const char *)b.data, b.len);
		vault_buf_free(&b);
	}
	vault_close(v);
	vault__clock_shift(-3 * 86400);
	th_rmdir(dir);
	if (st == VAULT_OK) {
		printf("   190a: three days later cav_sup reads \"%s\"\n", txt);
		free(txt);
		fail_msg("ATTACK SUCCEEDS (190a): a break-glass entry dated 20 days ahead is a fact,"
		         " and its window opens the restricted case for 21 days");
	}
	refused(NULL, st, "190a read");
}

/* 190b: an emergency consent (vital interest: sharing without her word) is
 * a supervisor's, with a written reason, in a reviewed (high) entry sealed
 * for the auditors (the policy marks it high, allowed or refused).  The
 * replay judges the consent row alone: not the entry's action, its mark
 * for review, nor its case (70e and 80h ask them of a break-glass window).
 * The centre's supervisor signs a vital-interest consent for the "other"
 * organisation, on every class, in an entry labelled "case.show", not
 * marked for review, with no reason; every open accepts it, her share of
 * the safety class rests on it, and no high-severity entry of the case
 * says that her file left the centre without her word. */
static void test_attack__190b_emergency_consent_hidden_from_review(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *q, *txt = NULL;
	const char *cid = "00000000000000000000000000000190";
	long long high;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	q = dup_printf("INSERT INTO consents(id, case_id, org, classes, scope, purpose, basis,"
	               " reason, given_at, expires, withdrawn, recorded_by, created) VALUES("
	               "'%s', '%s', 'oth', %d, %d, '', %d, '', strftime('%%s','now'), 0, 0,"
	               " 'cav_sup', strftime('%%s','now'))", cid, cs, (int)VAULT_CLASS_ALL,
	               (int)VAULT_SCOPE_SHARING, (int)VAULT_BASIS_VITAL_INTEREST);
	st = forge(dir, "cav_sup", q, "case.show", cs, NULL); /* not high */
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "190b forge");
		th_rmdir(dir);
		return;
	}
	th_forget_cache(dir, "cav_cw");
	if (open_refuses_entry_of(dir, "cav_cw", "cav_sup", "190b")) {
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cav_sup");
	st = share80(v, cs, VAULT_PRINCIPAL_ORG, "oth", VAULT_CLASS_ALL, VAULT_PERM_READ, cid, 0);
	printf("   190b: share of every class to oth on the hidden emergency consent: %s (%s)\n",
	       vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	high = sql_intf(dir, "cav_cw", "SELECT count(*) FROM audit WHERE case_id = '%s' AND"
	                " high = 1", cs);
	if (st == VAULT_OK &&
	    get_cls(dir, "oth_sup", cs, "shelter", VAULT_CLASS_SAFETY, &txt) == VAULT_OK) {
		printf("   190b: oth_sup reads \"%s\"; high-severity entries of the case: %lld\n",
		       txt, high);
		free(txt);
		th_rmdir(dir);
		fail_msg("ATTACK SUCCEEDS (190b): an emergency consent signed in an entry that is"
		         " not reviewed is a fact, and the victim's safety class left the centre on"
		         " it");
	}
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (190b): every open accepts an emergency consent in an entry"
	         " that is not reviewed");
}

/* 190c: the hand-over of an orphaned restricted case (rule 9.2) is high
 * severity: the policy marks it so, and the review shows it.  The replay
 * judges the grant only: not the entry's mark for review (70e asks it of a
 * break-glass window).  The centre's supervisor, after her caseworker left
 * and under a reviewed break-glass of an hour, signs the hand-over to a
 * colleague, with the share right and no end, in an entry labelled
 * "case.show" that is not marked for review: every open accepts it, and
 * the review shows a window of an hour, not that the case now has a new
 * holder for good. */
static void test_attack__190c_handover_hidden_from_review(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *q, *txt = NULL;
	size_t n;
	const unsigned char *p = th_first_pass("cav_cw2", &n);
	audit_event e;
	unsigned int c;
	long long high;
	vault_status st, st2;
	vault *v;

	(void)state;
	v = th_open(dir, "cav_sup");
	status_is(v, vault_user_add(v, "cav_cw2", NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	          VAULT_OK, "user add");
	vault_close(v);
	th_first_passwd(dir, "cav_cw2");
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, cs);
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_SAFETY, "via Roma 1, Torino");
	v = th_open(dir, "cav_sup");
	status_is(v, vault_user_disable(v, "cav_cw"), VAULT_OK, "disable cav_cw");
	vault_close(v);
	v = th_open(dir, "cav_sup");
	status_is(v, vault_break_glass(v, cs, "urgent: she called the centre from hospital", 3600),
	          VAULT_OK, "break-glass");
	st = vault__txn_begin(v);
	q = dup_printf("INSERT INTO grants(case_id, pkind, principal, classes, perm, consent_id,"
	               " expires, granted_by, created, revoked, owner) VALUES('%s', %d, 'cav_cw2',"
	               " %d, %d, NULL, 0, 'cav_sup', %lld, 0, 0)", cs, VAULT_PRINCIPAL_USER,
	               VAULT_CLASS_ALL, VAULT_PERM_SHARE, (long long)time(NULL));
	if (st == VAULT_OK)
		st = vault__exec(v, q);
	free(q);
	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY && st == VAULT_OK; c <<= 1)
		st = vault__class_seal_all(v, cs, c, HOLDER_USER, "cav_cw2");
	memset(&e, 0, sizeof(e));
	e.action = "case.show";
	e.case_id = cs;
	e.target = "";
	e.outcome = VAULT_OUTCOME_OK;
	e.reason = "";
	e.high = 0; /* the API marks a hand-over high */
	if (st == VAULT_OK)
		st = vault__audit_append(v, &e);
	st2 = vault__txn_end(v, st == VAULT_OK);
	if (st == VAULT_OK)
		st = st2;
	vault_close(v);
	if (st != VAULT_OK) {
		refused(NULL, st, "190c forge");
		th_rmdir(dir);
		return;
	}
	th_forget_cache(dir, "cas_sup");
	if (open_refuses_entry_of(dir, "cas_sup", "cav_sup", "190c")) {
		th_rmdir(dir);
		return;
	}
	high = sql_intf(dir, "cav_sup", "SELECT count(*) FROM audit WHERE case_id = '%s' AND"
	                " high = 1 AND action <> 'break-glass'", cs);
	st = get_cls(dir, "cav_cw2", cs, "shelter", VAULT_CLASS_SAFETY, &txt);
	printf("   190c: cav_cw2 reads the restricted case: %s; reviewed entries of the case but"
	       " the break-glass: %lld\n", vault_strerror(st), high);
	free(txt);
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (190c): every open accepts the hand-over of a restricted case"
	         " in an entry that is not reviewed");
}

/* 190d: the same root as 190a, against everyone.  Every entry, one that
 * states nothing included, moves the time the replay judges the entries
 * after it at (90a: never earlier than the one before); its signer states
 * that time, and nothing bounds it ahead.  A perpetrator-programme
 * caseworker with no right on anything appends an entry that states
 * nothing, dated 10 days ahead.  Then the reception caseworker, whose
 * share right on the victim's general class ends in two days, shares it
 * with her supervisor through the API (the library decides at the clock's
 * time: allowed).  Every replay judges that share 10 days on, when her
 * right has lapsed: every open of the vault refused the log at HER entry,
 * and named her.  Now the library decides at the log's time, as the replay
 * judges: her share is refused, and nothing is signed. */
/* An entry that states nothing, signed by a user with no right and dated
 * `ahead` seconds on; then the reception caseworker, whose share right on
 * the victim's general class ends in `right` seconds, shares it with her
 * supervisor through the API.  The share is refused, or every open still
 * verifies. */
static void dated_ahead_then_share(int64_t ahead, int64_t right, const char *tag)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	int64_t now = vault__now();
	vault_status st;
	vault *v;

	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cid),
	          VAULT_OK, "consent");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL,
	                     VAULT_PERM_SHARE, cid, now + right), VAULT_OK, "share");
	vault_close(v);
	forge_at = now + ahead;
	st = forge(dir, "cuav_cw", NULL, "case.list", NULL, NULL);
	forge_at = 0;
	if (st != VAULT_OK) {
		refused(NULL, st, tag);
		th_rmdir(dir);
		return;
	}
	v = th_open(dir, "cas_cw");
	st = share80(v, cs, VAULT_PRINCIPAL_USER, "cas_sup", VAULT_CLASS_GENERAL, VAULT_PERM_READ,
	             cid, 0);
	printf("   %s: cas_cw's share (her right ends in %llds, the log is %llds ahead): %s"
	       " (%s)\n", tag, (long long)right, (long long)ahead, vault_strerror(st),
	       vault_errmsg(v));
	vault_close(v);
	th_forget_cache(dir, "cav_sup");
	if (st != VAULT_OK) {
		/* the library decides at the log's time, as the replay judges:
		 * the share is refused, and every open verifies */
		assert_int_equal(st, VAULT_ERR_DENIED);
		v = th_open(dir, "cav_sup");
		vault_close(v);
		th_rmdir(dir);
		return;
	}
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", tag)) {
		th_rmdir(dir);
		fail_msg("ATTACK SUCCEEDS (%s): an entry dated ahead by a user with no right made"
		         " every open refuse an honest share, and name its sharer", tag);
	}
	th_rmdir(dir);
}

static void test_attack__190d_entry_dated_ahead_locks_vault_on_honest_share(void **state)
{
	(void)state;
	dated_ahead_then_share(10 * 86400, 2 * 86400, "190d");
}

/* 190e: a grant changed keeps its case, holder, consent and classes; its
 * right, end and sharer may change (sharing again), bounded above by the
 * sharer's own share right (110d) and the consent (70a).  Nothing bounds
 * it below.  A lapse rotates the key at the next write only when the
 * grant's end falls after the key was made (lib/cases.c,
 * lapsed_since_epoch, ST_LAPSED_GRANTS: expires > made), or when a seal
 * row of a holder with no live grant is found (ST_LAPSED_HOLDERS: seal
 * rows are not facts, 19a).  The reception caseworker holds a week's
 * grant with the share right on the victim's general and safety classes.
 * She keeps the safety key, signs her own grant "shared again" with an end
 * in 1970 (before the key was made), and deletes her seal rows.  A week
 * later (her grant would have lapsed and the next write rotated the key
 * away from her) the centre writes the new shelter address: nothing
 * rotates, and she reads it with the key she kept. */
static void test_attack__190e_grant_end_moved_before_the_key(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], out[256], *q;
	unsigned char key[32];
	int64_t now = vault__now();
	long long e0, e1;
	vault_status st;
	vault *v;
	int read;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY,
	                       VAULT_BASIS_CONSENT, 0, cid), VAULT_OK, "consent");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_USER, "cas_cw",
	                     VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY, VAULT_PERM_SHARE, cid,
	                     now + 7 * 86400), VAULT_OK, "a week's share to cas_cw");
	vault_close(v);
	/* while her grant is live she keeps the safety key in force */
	e0 = kept_key(dir, "cas_cw", cs, VAULT_CLASS_SAFETY, key);
	q = dup_printf("UPDATE grants SET expires = 1, granted_by = 'cas_cw' WHERE case_id = '%s'"
	               " AND pkind = %d AND principal = 'cas_cw'", cs, (int)VAULT_PRINCIPAL_USER);
	forge_target = "cas_cw";
	st = forge(dir, "cas_cw", q, "share", cs, NULL);
	forge_target = "";
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "190e forge");
		th_rmdir(dir);
		return;
	}
	/* seal rows are not facts: hers go (as in 19a) */
	SQLF(dir, "cas_cw", "DELETE FROM class_keys WHERE hkind = %d AND holder = 'cas_cw'",
	     HOLDER_USER);
	th_forget_cache(dir, "cav_sup");
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", "190e")) {
		th_rmdir(dir);
		return;
	}
	/* a week and a day later: the centre writes, as every day */
	vault__clock_shift(8 * 86400);
	st = victim_put(dir, "cav_cw", cs, "later", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	e1 = sql_intf(dir, "cav_cw", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	              " AND class = %d", cs, VAULT_CLASS_SAFETY);
	vault__clock_shift(-8 * 86400);
	status_is(NULL, st, VAULT_OK, "the centre's put");
	read = decrypt_with(dir, "cas_cw", cs, VAULT_CLASS_SAFETY, "later", key, out, sizeof(out));
	th_rmdir(dir);
	if (read)
		fail_msg("ATTACK SUCCEEDS (190e): a week after her grant's end she reads \"%s\","
		         " written then (safety epoch %lld -> %lld: not rotated)", out, e0, e1);
	assert_true(e1 > e0);
}

/* 190f: vault_consent_withdraw() sets the consent withdrawn and, in the
 * same entry, revokes every grant that rests on it (with new keys); a
 * consent already withdrawn it refuses ("already withdrawn") and revokes
 * nothing.  The replay judges a withdrawal as a consent row alone
 * (POLICY_CONSENT: a share right on one class): nothing asks that the
 * grants resting on it go with it.  The reception caseworker, who holds
 * the victim's general class with the share right on her consent, signs
 * the withdrawal of that consent and keeps her grant.  When the victim
 * withdraws her consent at the centre, the centre is told it is already
 * withdrawn, nothing is revoked, and the caseworker reads on, what the
 * centre writes after included. */
static void test_attack__190f_consent_withdrawn_grants_kept(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *q, *txt = NULL;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	status_is(v, consent80(v, cs, "cas", VAULT_CLASS_GENERAL, VAULT_BASIS_CONSENT, 0, cid),
	          VAULT_OK, "consent");
	status_is(v, share80(v, cs, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_GENERAL,
	                     VAULT_PERM_SHARE, cid, 0), VAULT_OK, "share to cas_cw");
	vault_close(v);
	q = dup_printf("UPDATE consents SET withdrawn = strftime('%%s','now') WHERE id = '%s'", cid);
	forge_target = cid;
	st = forge(dir, "cas_cw", q, "consent.withdraw", cs, NULL);
	forge_target = "";
	free(q);
	if (st != VAULT_OK) {
		refused(NULL, st, "190f forge");
		th_rmdir(dir);
		return;
	}
	th_forget_cache(dir, "cav_sup");
	if (open_refuses_entry_of(dir, "cav_sup", "cas_cw", "190f")) {
		th_rmdir(dir);
		return;
	}
	/* the victim withdraws her consent at the centre */
	v = th_open(dir, "cav_cw");
	st = vault_consent_withdraw(v, cid);
	printf("   190f: the centre's withdrawal: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	th_put(dir, "cav_cw", cs, "later", VAULT_CLASS_GENERAL, "she moved to her sister's");
	st = get_cls(dir, "cas_cw", cs, "later", VAULT_CLASS_GENERAL, &txt);
	if (st == VAULT_OK) {
		printf("   190f: after the withdrawal cas_cw reads \"%s\"\n", txt);
		free(txt);
		th_rmdir(dir);
		fail_msg("ATTACK SUCCEEDS (190f): the grantee withdrew the consent herself and kept"
		         " her grant; the victim's withdrawal revoked nothing");
	}
	th_rmdir(dir);
	refused(NULL, st, "190f read");
}

/* One forged redaction of the case's safety record by the victim centre's
 * supervisor, in an entry labelled `action`, marked high or not, about
 * the case itself or (other_case) about another of hers.  Fails unless
 * every open refuses it. */
static void forged_redaction_refused(int high, const char *action, int other_case,
                                     const char *tag)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], other[VAULT_ID_BUFSIZE], *q;
	vault_status st;

	victim_case(dir, cs);
	if (other_case)
		th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, other);
	q = dup_printf("UPDATE records SET nonce = NULL, ct = NULL, redacted_by = 'cav_sup',"
	               " redacted_at = strftime('%%s','now'), redact_reason = randomblob(48)"
	               " WHERE case_id = '%s' AND class = %d", cs, (int)VAULT_CLASS_SAFETY);
	forge_high = high;
	st = forge(dir, "cav_sup", q, action, other_case ? other : cs, NULL);
	forge_high = 0;
	free(q);
	/* the attack took effect: the text is gone */
	if (st == VAULT_OK)
		assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM records WHERE"
		                          " case_id = '%s' AND redacted_by = 'cav_sup'", cs), 1);
	if (!signed_and_kept(st, dir, "cav_sup", "cav_cw", tag)) {
		th_rmdir(dir);
		return;
	}
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (%s): every open accepts a redaction of the safety record in"
	         " %s entry filed as %s about %s", tag, high ? "a high" : "an unreviewed", action,
	         other_case ? "another case" : "its case");
}

/* 190g: a redaction removes content for good and is always reviewed
 * (policy: decide_redact marks it high; vault_record_redact() writes a
 * high entry).  The replay judged it on the right alone.  The victim
 * centre's supervisor signs, around the library, the redaction of her
 * caseworker's safety record in an entry that is not high: the text is
 * gone, and the review of high-severity entries shows nothing. */
static void test_attack__190g_redaction_hidden_from_review(void **state)
{
	(void)state;
	forged_redaction_refused(0, "record.redact", 0, "190g");
}

/* 190h: 190d within the hour the library lets the log's time run ahead
 * of its clock: the library decides at the log's time, as every replay
 * judges, so an honest share on a right that ends before it is refused
 * (nothing written), never signed and then refused by every open. */
static void test_attack__190h_entry_dated_ahead_within_the_hour(void **state)
{
	(void)state;
	dated_ahead_then_share(1800, 600, "190h");
}

/* ---- review 17 ----------------------------------------------------------- */

/* 200a: 190g's rule (a redaction is a fact only in an entry marked high)
 * sidestepped by the move-up exemption.  redaction_refused() lets any
 * version be redacted without review when the entry also writes SOME
 * version of the case in a higher class as the redactor's
 * (moved_up_from), and a supervisor passes decide(POLICY_REDACT) for
 * every version.  The victim centre's supervisor signs, around the
 * library and in an entry NOT marked high, a junk version of a new
 * sensitive record beside the redaction of the caseworker's general
 * intake: nothing is moved, the intake's text is destroyed, and the review
 * of high-severity entries never lists it. */
static void test_attack__200a_unreviewed_redaction_beside_junk_move_up(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], *sql, *txt = NULL;
	long long now = (long long)time(NULL);
	vault_status st;

	(void)state;
	victim_case(dir, cs);
	sql = dup_printf("INSERT INTO records(case_id, name, version, class, epoch, deleted, size,"
	                 " author, created, nonce, ct, label, padded) SELECT '%s', randomblob(16),"
	                 " 1, 2, epoch, 0, 5, 'cav_sup', %lld, randomblob(24), randomblob(48),"
	                 " randomblob(64), 1 FROM case_classes WHERE case_id = '%s' AND class = 2;"
	                 "UPDATE records SET nonce = NULL, ct = NULL, redacted_by = 'cav_sup',"
	                 " redacted_at = %lld, redact_reason = randomblob(48) WHERE"
	                 " case_id = '%s' AND class = 1 AND author = 'cav_cw'", cs, now, cs, now, cs);
	forge_high = 0;
	st = forge(dir, "cav_sup", sql, "record.put", cs, NULL);
	free(sql);
	/* the attack took effect: the intake's ciphertext is gone, in an
	 * entry not marked for review */
	if (st == VAULT_OK)
		assert_int_equal(sql_intf(dir, "cav_cw", "SELECT count(*) FROM records WHERE"
		                          " case_id = '%s' AND class = 1 AND redacted_by = 'cav_sup'"
		                          " AND ct IS NULL", cs), 1);
	if (!signed_and_kept(st, dir, "cav_sup", "cav_cw", "200a")) {
		th_rmdir(dir);
		return;
	}
	st = get_cls(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, &txt);
	printf("   200a: the caseworker reads her intake: %s (%s)\n", vault_strerror(st),
	       txt ? txt : "");
	free(txt);
	th_rmdir(dir);
	fail_msg("ATTACK SUCCEEDS (200a): every open accepts the supervisor's redaction of the"
	         " caseworker's intake in an entry the review does not list, beside a junk"
	         " sensitive version of hers (nothing was moved up)");
}

/* 200b: the disabled user keeps his old key opening the live database for
 * good, as in 180b, with a directory.  Before his disable he makes a
 * directory named vault.db.rotate in the vault folder (any user of the
 * folder can).  Every rotation unlinks the leftover (unlink fails on a
 * directory, silently) and then creates it O_EXCL: EEXIST, "cannot create
 * the re-keyed database file", so every vault_user_disable() of him fails
 * after its commit and the old key stays in force; vault_open() never
 * looks at that name (pick_dbkey settles only when a seal is pending or a
 * log is set aside), so the centre works on and writes under it. */
static void test_attack__200b_directory_blocks_rotation_forever(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cs2[VAULT_ID_BUFSIZE], path[4096];
	unsigned char oldkey[32];
	vault_status st1, st2;
	vault *v;
	long long seen = -1;

	(void)state;
	victim_case(dir, cs);
	th_db_key(dir, "cav_cw", oldkey);
	snprintf(path, sizeof(path), "%s/vault.db.rotate", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/vault.db.rotate/x", dir);
	assert_int_equal(mkdir(path, 0700), 0);

	v = th_open(dir, "cav_sup");
	st1 = vault_user_disable(v, "cav_cw");
	printf("   200b: the disable: %s (%s)\n", vault_strerror(st1), vault_errmsg(v));
	vault_close(v);
	v = th_open(dir, "cav_sup");
	st2 = vault_user_disable(v, "cav_cw");
	printf("   200b: again: %s (%s)\n", vault_strerror(st2), vault_errmsg(v));
	vault_close(v);
	/* the centre works on: a new case after his disable */
	th_case(dir, "cav_sup", VAULT_CASE_VICTIM, 0, cs2);

	seen = old_key_reads_case(dir, oldkey, cs2);
	sodium_memzero(oldkey, sizeof(oldkey));
	snprintf(path, sizeof(path), "%s/vault.db.rotate/x", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/vault.db.rotate", dir);
	rmdir(path);
	th_rmdir(dir);
	if (seen == 1)
		fail_msg("ATTACK SUCCEEDS (200b): with a directory named vault.db.rotate planted"
		         " in the folder, the disabled user's old key still opens the live database"
		         " after two disables (%s, %s) and reads the case opened after them",
		         vault_strerror(st1), vault_strerror(st2));
}

/* The 1.0.0 fixture in base (its folder in dir, its case in cs), with
 * the passphrases of admin, cav_cw and cav_sup changed; the text of
 * cav_cw's never-converted 1.x `intake` (malloc'ed), read as a control. */
static char *fixture_intake(const char *base, char dir[2048], char cs[VAULT_ID_BUFSIZE],
                            const char *tag)
{
	char *before = NULL;

	th_fixture_1_0_0(FIXTURES, base, dir, 2048, cs);
	fixture_passwd(dir, "admin");
	fixture_passwd(dir, "cav_cw");
	fixture_passwd(dir, "cav_sup");
	if (get_cls(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, &before) != VAULT_OK)
		fail_msg("%s: control, the 1.x intake does not read", tag);
	printf("   %s: the 1.x intake: %s\n", tag, before);
	return before;
}

/* 200c: 180c's mirror, under the tag.  A writer of general (the
 * centre's supervisor; any writer of the class holds its first key, so
 * the tag) signs, around the library, a version 1 of the 1.0.0 fixture's
 * `intake` UNDER ITS TAG, before the record was ever converted.  The
 * replay cannot tell that the tag is the legacy name's (it holds no key):
 * a new record, version 1 after none, born unredacted, by a writer.  But
 * the library reads a record with rows under its tag without its rows in
 * clear (ST_RECORD_GET*): the caseworker's 1.x intake is shadowed by the
 * planted version, and her next write converts her 1.x rows onto the tag
 * (convert_legacy), where version 1 is taken: the record is frozen.
 * Pinned as a known limit (SECURITY.md): the replay cannot link a tag to
 * the name in clear, so it cannot refuse the entry, and no statement may
 * remove a version.  What must hold: the entry names its signer, the vault
 * still opens for everyone, and her read is not her 1.x text silently
 * replaced (here it is refused: the planted ciphertext does not open). */
static void test_attack__200c_tagged_version_shadows_legacy_record(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	unsigned char tag[VAULT_NAME_TAG_BYTES], label[VAULT_LABEL_BYTES], junk[128];
	char *before = NULL, *after = NULL;
	vault_status st, got, put;
	sqlite3_stmt *s = NULL;
	long long epoch;
	vault *v;

	(void)state;
	before = fixture_intake(base, dir, cs, "200c");
	epoch = sql_intf(dir, "cav_sup", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	                 " AND class = 1", cs);

	v = th_open(dir, "cav_sup");
	st = vault__txn_begin(v);
	assert_int_equal(st, VAULT_OK);
	assert_int_equal(vault__name_tag(v, cs, VAULT_CLASS_GENERAL, "intake", tag), VAULT_OK);
	assert_int_equal(vault__label_seal(v, cs, VAULT_CLASS_GENERAL, 1, (uint32_t)epoch, tag,
	                                   "intake", 5, label), VAULT_OK);
	randombytes_buf(junk, sizeof(junk));
	assert_int_equal(sqlite3_prepare_v2(v->db, "INSERT INTO records(case_id, name, version,"
	                 " class, epoch, deleted, size, author, created, nonce, ct, label, padded)"
	                 " VALUES(?1, ?2, 1, 1, ?3, 0, 64, 'cav_sup', strftime('%s','now'), ?4,"
	                 " ?5, ?6, 1)", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, cs, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, tag, sizeof(tag), SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, epoch);
	sqlite3_bind_blob(s, 4, junk, 24, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, junk + 24, 80, SQLITE_STATIC);
	sqlite3_bind_blob(s, 6, label, sizeof(label), SQLITE_STATIC);
	st = sqlite3_step(s) == SQLITE_DONE ? VAULT_OK : VAULT_ERR_IO;
	sqlite3_finalize(s);
	st = sign_and_end(v, "record.put", cs, st);
	printf("   200c: the forged tagged version: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	if (!signed_and_kept(st, dir, "cav_sup", "cav_cw", "200c")) {
		free(before);
		th_rmdir(base);
		return;
	}
	got = get_cls(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, &after);
	printf("   200c: the caseworker reads her intake: %s (%s)\n", vault_strerror(got),
	       after ? after : "");
	v = th_open(dir, "cav_cw");
	put = vault_record_put(v, cs, "intake", VAULT_CLASS_GENERAL, "second interview", 16, NULL);
	printf("   200c: the caseworker writes her intake: %s (%s)\n", vault_strerror(put),
	       vault_errmsg(v));
	vault_close(v);
	{
		int same = got == VAULT_OK && after != NULL && before != NULL &&
		           strcmp(after, before) == 0;

		free(before);
		free(after);
		still_opens(dir, "aud", "200c");
		th_rmdir(base);
		if (got == VAULT_OK && !same)
			fail_msg("ATTACK SUCCEEDS (200c): her 1.x intake reads another text, silently");
		if (!same || put != VAULT_OK)
			printf("   200c: known limit (SECURITY.md): the 1.x record is frozen by a"
			       " version signed under its tag (read: %s, write: %s)\n",
			       vault_strerror(got), vault_strerror(put));
	}
}

/* 200h: 200c in clear.  The centre's supervisor (a writer of general)
 * signs, around the library, a version of the 1.0.0 fixture's `intake`
 * IN CLEAR (its name as text, the form of 1.x), numbered after its 1.x
 * versions, as her own, born unredacted: every other rule of a new
 * version holds.  Only "no signed version after a 1.x one that is not its
 * conversion" (lib/facts.c, entitled) refuses it.  Kept, it would be the
 * newest row in clear of the record: a signed row in clear is no 1.x
 * version, so the caseworker's read of her intake finds the record's
 * newest row not one of hers, and her conversion would leave it behind. */
static void test_attack__200h_signed_version_in_clear_after_legacy_ones(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	char *before = NULL, *after = NULL, sql[1024];
	long long epoch, newest;
	vault_status got, put;

	(void)state;
	before = fixture_intake(base, dir, cs, "200h");
	epoch = sql_intf(dir, "cav_sup", "SELECT epoch FROM case_classes WHERE case_id = '%s'"
	                 " AND class = 1", cs);
	newest = sql_intf(dir, "cav_sup", "SELECT max(version) FROM records WHERE case_id = '%s'"
	                  " AND name = 'intake' AND class = 1", cs);
	assert_true(newest >= 1);
	snprintf(sql, sizeof(sql), "INSERT INTO records(case_id, name, version, class, epoch,"
	         " deleted, size, author, created, nonce, ct, padded) VALUES('%s', 'intake', %lld,"
	         " 1, %lld, 0, 16, 'cav_sup', strftime('%%s','now'), randomblob(24),"
	         " randomblob(32), 0)", cs, newest + 1, epoch);
	if (!forged_and_kept(dir, "cav_sup", sql, "record.put", cs, "cav_cw", "200h")) {
		free(before);
		th_rmdir(base);
		return;
	}
	got = get_cls(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, &after);
	{
		vault *v = th_open(dir, "cav_cw");

		put = vault_record_put(v, cs, "intake", VAULT_CLASS_GENERAL, "second interview", 16,
		                       NULL);
		vault_close(v);
	}
	printf("   200h: kept; the caseworker reads her intake: %s, writes it: %s\n",
	       vault_strerror(got), vault_strerror(put));
	{
		int same = got == VAULT_OK && after != NULL && strcmp(after, before) == 0;

		free(before);
		free(after);
		th_rmdir(base);
		if (!same || put != VAULT_OK)
			fail_msg("ATTACK SUCCEEDS (200h): a signed version in clear after her 1.x"
			         " versions is kept, and her intake no longer reads or writes");
	}
}

/* ---- review 18 ----------------------------------------------------------- */


/* 200d: 190g made a redaction a fact only in an entry marked high, but
 * not only in the entry the review reads as one: a redaction (or a move)
 * about the record's own case.  The supervisor files the redaction of the
 * safety record as a high `record.redact` about another case (the review
 * of this case shows nothing), then as a high `record.put` about the case
 * (the review reads "wrote a record"), as break-glass was before 80h. */
static void test_attack__200d_redaction_filed_under_another_case_or_action(void **state)
{
	(void)state;
	forged_redaction_refused(1, "record.redact", 1, "200d other case");
	forged_redaction_refused(1, "record.put", 0, "200d other action");
}

/* The folder of the vault a rotation hook acts on, where it acts (a crash
 * point of lib/store.c), what it does there, and how often it did. */
static const char *plant_dir, *plant_step;
static void (*plant_what)(const char *dir);
static int plant_done;

static void plant_hook(const char *step)
{
	if (plant_what != NULL && strcmp(step, plant_step) == 0) {
		plant_what(plant_dir);
		plant_done++;
	}
}

static void plant_path(char *out, size_t cap, const char *dir, const char *suffix)
{
	assert_true(snprintf(out, cap, "%s/vault.db%s", dir, suffix) < (int)cap);
}

/* A directory (with one inside, so that rmdir cannot take it either)
 * under vault.db`suffix`. */
static void plant_dir_at(const char *dir, const char *suffix)
{
	char path[4096], sub[4200];

	plant_path(path, sizeof(path), dir, suffix);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/x", path);
	assert_int_equal(mkdir(sub, 0700), 0);
}

/* ... under each name the switch renames onto */
static void plant_aside_dirs(const char *dir)
{
	plant_dir_at(dir, ".rotate-oldwal");
	plant_dir_at(dir, ".rotate-oldshm");
}

/* ... under the name the export is created at, after the rotation cleared it */
static void plant_export_dir(const char *dir)
{
	plant_dir_at(dir, ".rotate");
}

/* vault.db.rotate replaced by a hard link to vault.db. */
static void plant_link_to_db(const char *dir)
{
	char db[4096], tmp[4096];

	plant_path(db, sizeof(db), dir, "");
	plant_path(tmp, sizeof(tmp), dir, ".rotate");
	assert_int_equal(unlink(tmp), 0);
	assert_int_equal(link(db, tmp), 0);
}


/* The caseworker of the victim centre, about to be disabled, acts on the
 * folder at `step` of the rotation her disable starts (`what`).  Returns
 * how the disable went; after it, the vault opens for everyone (nobody is
 * locked out), and *old_reads says whether her old database key reads a
 * case opened after it. */
static vault_status disable_with_planting(const char *dir, const char *step,
                                          void (*what)(const char *), const char *tag,
                                          int *old_reads)
{
	char cs[VAULT_ID_BUFSIZE], cs2[VAULT_ID_BUFSIZE];
	unsigned char oldkey[32];
	vault_status st;
	vault *v;

	victim_case(dir, cs);
	th_db_key(dir, "cav_cw", oldkey);
	plant_dir = dir;
	plant_step = step;
	plant_what = what;
	plant_done = 0;
	vault__crash_hook = plant_hook;
	v = th_open(dir, "cav_sup");
	st = vault_user_disable(v, "cav_cw");
	vault__crash_hook = NULL;
	plant_what = NULL;
	printf("   %s: the disable: %s (%s)\n", tag, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	assert_int_equal(plant_done, 1);
	/* nobody but her is locked out, whichever way it went */
	still_opens(dir, "cav_sup", tag);
	still_opens(dir, "cas_cw", tag);
	still_opens(dir, "aud", tag);
	th_case(dir, "cav_sup", VAULT_CASE_VICTIM, 0, cs2);
	*old_reads = old_key_reads_case(dir, oldkey, cs2);
	sodium_memzero(oldkey, sizeof(oldkey));
	return st;
}

/* 200e: 200b's directory, planted after the rotation cleared the names it
 * uses.  The caseworker, watching the folder, makes directories under the
 * names the switch renames the old log and shared memory onto
 * (vault.db.rotate-oldwal, -oldshm) once the export is written, and under
 * vault.db.rotate right before it is created: a rename never replaces a
 * directory with a file, and an O_EXCL create never succeeds on a name
 * taken, so every disable of her failed after its commit and her old key
 * kept opening the live database. */
/* A planting at `step` that the rotation must shrug off: her disable
 * succeeds in one go, and her old key reads nothing written after it. */
static void planting_changes_nothing(const char *step, void (*what)(const char *),
                                     const char *tag)
{
	char *dir = th_network();
	int old_reads;
	vault_status st = disable_with_planting(dir, step, what, tag, &old_reads);

	th_rmdir(dir);
	if (st != VAULT_OK || old_reads)
		fail_msg("ATTACK SUCCEEDS (%s): with a planting at %s, her disable returns %s and"
		         " her old key %s the case opened after it", tag, step, vault_strerror(st),
		         old_reads ? "reads" : "does not read");
}

static void test_attack__200e_directories_planted_during_rotation(void **state)
{
	(void)state;
	planting_changes_nothing("rotate.export.after", plant_aside_dirs, "200e");
	planting_changes_nothing("rotate.export.before", plant_export_dir, "200e");
}

/* 200f: once the export is written (and, second, once the old log is set
 * aside, past the rotation's last look at the name), the caseworker about
 * to be disabled replaces vault.db.rotate with a hard link to vault.db.
 * The switch renamed vault.db onto itself (which succeeds and does
 * nothing) and made the new key's seals current: vault.db was the old
 * file, so every open failed, and her old key was the only one that
 * opened the vault.  The rotation must see that the file it would switch
 * to is not the one it exported, and not rotate: nobody is locked out,
 * and disabling her again finishes it. */
static void test_attack__200f_hard_link_as_the_rotated_file(void **state)
{
	static const char *const steps[] = {"rotate.export.after", "rotate.aside.shm"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *dir = th_network();
		char cs3[VAULT_ID_BUFSIZE];
		unsigned char oldkey[32];
		int old_reads;
		vault_status st, again;
		vault *v;

		st = disable_with_planting(dir, steps[i], plant_link_to_db, "200f", &old_reads);
		if (st == VAULT_OK) {
			th_rmdir(dir);
			fail_msg("200f: a rotation whose file was replaced by a link to vault.db (at %s)"
			         " reports success", steps[i]);
		}
		/* not rotated: the old key is still the key, until the disable
		 * is finished */
		assert_true(old_reads);
		th_db_key(dir, "cav_sup", oldkey);
		v = th_open(dir, "cav_sup");
		again = vault_user_disable(v, "cav_cw");
		vault_close(v);
		assert_int_equal(again, VAULT_OK);
		th_case(dir, "cav_sup", VAULT_CASE_VICTIM, 0, cs3);
		still_opens(dir, "cas_cw", "200f");
		old_reads = old_key_reads_case(dir, oldkey, cs3);
		sodium_memzero(oldkey, sizeof(oldkey));
		th_rmdir(dir);
		assert_false(old_reads);
	}
}

/* 210a: settle reads "vault.db.rotate is there" as "the switch did not
 * happen", and nothing but the name says so.  The caseworker about to be
 * disabled, watching the folder, creates an empty plain file named
 * vault.db.rotate right after the switch (the rename of the export onto
 * vault.db), past the rotation's last look at that name and before its own
 * settle (then vault__store_settle_rotation) removes what it set aside.  That settle
 * then takes her file for the unswitched export: it renames the OLD file's
 * write-ahead log and shared memory (vault.db.rotate-oldwal, -oldshm) back
 * to vault.db-wal and -shm, beside the NEW file, and unlinks her file.
 * SQLite opens any vault.db-wal it finds and reads its frames (nothing in
 * a WAL ties it to its database file): pages encrypted under the old key
 * now shadow the new file's, the new key opens nothing, and the new key's
 * seals are already current.  Everyone is locked out; disabling her again
 * cannot finish anything (no handle opens), and the only way back is a
 * hand deletion of vault.db-wal by someone who knows to. */
static void plant_plain_rotate(const char *dir)
{
	char tmp[4096];
	int fd;

	plant_path(tmp, sizeof(tmp), dir, ".rotate");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static void test_attack__210a_plain_rotate_name_planted_after_switch(void **state)
{
	(void)state;
	/* still_opens() fails when everyone is locked out */
	planting_changes_nothing("rotate.rename.after", plant_plain_rotate, "210a");
	planting_changes_nothing("rotate.commit.after", plant_plain_rotate, "210a");
}

static void kill_hook(const char *step)
{
	if (plant_step != NULL && strcmp(step, plant_step) == 0)
		raise(SIGKILL);
}

/* 210d: 210a after a crash.  The disable is killed between the switch and
 * the rotation's last step (its seals pending, then current), and the
 * caseworker makes a file under the export's name before anyone opens the
 * vault again.  The open that settles the rotation read that name as "not
 * switched" and put the old log back beside the new file: every open
 * failed.  It must tell from the keys instead. */
static void test_attack__210d_export_name_planted_after_a_killed_switch(void **state)
{
	static const char *const steps[] = {"rotate.rename.after", "rotate.commit.after"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *dir = th_network();
		char cs[VAULT_ID_BUFSIZE], cs2[VAULT_ID_BUFSIZE];
		unsigned char oldkey[32];
		int status = 0, old_reads;
		pid_t pid;

		victim_case(dir, cs);
		th_db_key(dir, "cav_cw", oldkey);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			vault *v = th_open(dir, "cav_sup");

			plant_step = steps[i];
			vault__crash_hook = kill_hook;
			(void)vault_user_disable(v, "cav_cw");
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		plant_plain_rotate(dir);
		still_opens(dir, "cav_sup", "210d");
		still_opens(dir, "cas_cw", "210d");
		still_opens(dir, "aud", "210d");
		th_case(dir, "cav_sup", VAULT_CASE_VICTIM, 0, cs2);
		old_reads = old_key_reads_case(dir, oldkey, cs2);
		sodium_memzero(oldkey, sizeof(oldkey));
		th_rmdir(dir);
		if (old_reads)
			fail_msg("ATTACK SUCCEEDS (210d): killed at %s, her old key reads the case"
			         " opened after her disable", steps[i]);
	}
}

/* 210b: the rollback of a switch reads "vault.db.rotate is gone" as "the
 * switch happened", and deletes the old file's log.  The caseworker about
 * to be disabled opens vault.db with her key from a process of her own and
 * leaves a read transaction open (as in 180b): the rotation's PASSIVE
 * checkpoint then leaves every transaction committed after her snapshot in
 * the old WAL only (the disable's own commit among them).  Once the old
 * log and shared memory are set aside, right before the switch, she
 * unlinks vault.db.rotate.  The rename onto vault.db fails (ENOENT), the
 * rollback called vault__store_settle_rotation(), which found no
 * vault.db.rotate, decides the switch happened, and unlinks
 * vault.db.rotate-oldwal and -oldshm: the only copy of those transactions.
 * She keeps her reader until the disabler's handle is closed (its close
 * cannot checkpoint past her shared lock), then is killed (-9): the old
 * WAL's last descriptor goes.  vault.db is the old file at her snapshot:
 * the disable is gone (she is enabled again, no rotation is owed), the
 * record written before it too, and her old key opens the live database.
 * Disabling her again cannot "finish" anything: the disabler's own open
 * now finds the log shorter than she saw. */
static void unlink_rotate(const char *dir)
{
	char tmp[4096];

	plant_path(tmp, sizeof(tmp), dir, ".rotate");
	assert_int_equal(unlink(tmp), 0);
}

/* Reads, with `key`, her users row, the rotation owed, and the case's
 * record rows; 1 if the key opened vault.db. */
static int probe_210b(const char *dir, const unsigned char key[32], const char *cs,
                      int *disabled, int *rot_due, long long *notes)
{
	sqlite3 *db = th_db_open_key(dir, key);
	sqlite3_stmt *s;
	int opened = 0;

	if (sqlite3_prepare_v2(db, "SELECT disabled FROM users WHERE name = 'cav_cw'", -1, &s,
	                       NULL) == SQLITE_OK) {
		opened = 1;
		if (sqlite3_step(s) == SQLITE_ROW)
			*disabled = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	if (opened && sqlite3_prepare_v2(db, "SELECT count(*) FROM meta WHERE k ="
	                                 " 'dbkey_rotate_due'", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			*rot_due = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	if (opened && sqlite3_prepare_v2(db, "SELECT count(*) FROM records WHERE case_id = ?1",
	                                 -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, cs, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			*notes = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return opened;
}

/* A process of her own that opens vault.db with `key` and holds a read
 * transaction open (as in 180b) until killed: the old log keeps every
 * transaction committed after her snapshot.  Returns once it holds it. */
static pid_t hold_a_read(const char *dir, const unsigned char key[32])
{
	int pfd[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *hold = th_db_open_key(dir, key);

		if (sqlite3_exec(hold, "BEGIN; SELECT count(*) FROM audit;", NULL, NULL, NULL) !=
		    SQLITE_OK)
			_exit(3);
		(void)!write(pfd[1], "r", 1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	return pid;
}

static void test_attack__210b_export_unlinked_before_switch_drops_old_wal(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	unsigned char oldkey[32], supkey[32];
	int status = 0, disabled = -1, rot_due = -1, old_opens;
	long long notes = -1;
	vault_status st;
	pid_t pid;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	th_db_key(dir, "cav_cw", oldkey);
	pid = hold_a_read(dir, oldkey);
	/* committed after her snapshot: a note, then her disable */
	th_put(dir, "cav_sup", cs, "after-her-snapshot", VAULT_CLASS_GENERAL, "kept?");
	plant_dir = dir;
	plant_step = "rotate.aside.shm";
	plant_what = unlink_rotate;
	plant_done = 0;
	vault__crash_hook = plant_hook;
	v = th_open(dir, "cav_sup");
	st = vault_user_disable(v, "cav_cw");
	vault__crash_hook = NULL;
	plant_what = NULL;
	printf("   210b: the disable: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	assert_int_equal(plant_done, 1);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	/* what the live vault.db holds, read with her old key if it opens
	 * it, else with the supervisor's key in force */
	old_opens = probe_210b(dir, oldkey, cs, &disabled, &rot_due, &notes);
	if (!old_opens) {
		th_db_key(dir, "cav_sup", supkey);
		(void)probe_210b(dir, supkey, cs, &disabled, &rot_due, &notes);
		sodium_memzero(supkey, sizeof(supkey));
	}
	sodium_memzero(oldkey, sizeof(oldkey));
	th_rmdir(dir);
	/* victim_case() wrote 2 records; the note makes 3.  A rotation that
	 * failed and says so leaves her disabled with the rotation owed. */
	if (disabled != 1 || notes != 3 || (old_opens && rot_due != 1))
		fail_msg("ATTACK SUCCEEDS (210b): the disable returned %s; after it her old key"
		         " %s the live vault.db, where she is %s, a rotation owed: %d, and the"
		         " case holds %lld record rows (3 were committed): the rollback of the"
		         " switch deleted the old write-ahead log",
		         vault_strerror(st), old_opens ? "opens" : "does not open",
		         disabled == 0 ? "enabled" : disabled == 1 ? "disabled" : "unknown",
		         rot_due, notes);
}

/* 210c: a 1.x record's text destroyed without a redaction.  The replay
 * accepts, from any writer of the class, the removal of a legacy record
 * fact when the same entry restates the row "converted": the same row,
 * column for column, but for its name (now a tag) and a label
 * (facts.c converts()).  It cannot check that the tag is the record's
 * (BLAKE2b of the name under the class key) nor that the label seals its
 * name: it holds no key.  The centre's supervisor (any writer of general
 * would do) "converts" the caseworker's 1.x `intake` under a random tag
 * and a random label, in an ordinary record.put entry about the case, not
 * marked high.  The ciphertext stays, but nothing finds it any more: the
 * record's tag holds no row, the label opens nothing, and the content's AD
 * needs the name.  Her text is gone from every read, as a redaction would
 * make it, with no record.redact entry and no review. */
/* The listing shows a row by its tag (r:<hex>): its label does not open. */
static int tag_listed_cb(const vault_record_info *info, void *ctx)
{
	if (strncmp(info->name, "r:", 2) == 0)
		*(int *)ctx = 1;
	return 0;
}

static void test_attack__210c_legacy_record_converted_under_junk_tag(void **state)
{
	char *base = th_tmpdir(), dir[2048], cs[VAULT_ID_BUFSIZE] = "";
	unsigned char tag[VAULT_NAME_TAG_BYTES], label[VAULT_LABEL_BYTES];
	char *before = NULL, *after = NULL;
	vault_status st, got;
	sqlite3_stmt *s = NULL;
	int changed = 0;
	vault *v;

	(void)state;
	before = fixture_intake(base, dir, cs, "210c");

	v = th_open(dir, "cav_sup");
	st = vault__txn_begin(v);
	assert_int_equal(st, VAULT_OK);
	randombytes_buf(tag, sizeof(tag));
	randombytes_buf(label, sizeof(label));
	st = vault__facts_note_delete(v, "records", "case_id = ?1 AND name = ?2 AND class = 1",
	                              cs, "intake");
	if (st == VAULT_OK) {
		assert_int_equal(sqlite3_prepare_v2(v->db, "UPDATE records SET name = ?1, label = ?2"
		                                    " WHERE case_id = ?3 AND name = 'intake' AND"
		                                    " class = 1", -1, &s, NULL), SQLITE_OK);
		sqlite3_bind_blob(s, 1, tag, sizeof(tag), SQLITE_STATIC);
		sqlite3_bind_blob(s, 2, label, sizeof(label), SQLITE_STATIC);
		sqlite3_bind_text(s, 3, cs, -1, SQLITE_STATIC);
		st = sqlite3_step(s) == SQLITE_DONE ? VAULT_OK : VAULT_ERR_IO;
		changed = sqlite3_changes(v->db);
		sqlite3_finalize(s);
	}
	st = sign_and_end(v, "record.put", cs, st);
	printf("   210c: the junk conversion (%d rows): %s (%s)\n", changed, vault_strerror(st),
	       vault_errmsg(v));
	vault_close(v);
	if (!signed_and_kept(st, dir, "cav_sup", "cav_cw", "210c")) {
		free(before);
		th_rmdir(base);
		return;
	}
	assert_true(changed >= 1);
	got = get_cls(dir, "cav_cw", cs, "intake", VAULT_CLASS_GENERAL, &after);
	printf("   210c: the caseworker reads her intake: %s (%s)\n", vault_strerror(got),
	       after ? after : "");
	still_opens(dir, "aud", "210c");
	{
		int same = got == VAULT_OK && after != NULL && before != NULL &&
		           strcmp(after, before) == 0;
		char lh[2 * VAULT_LABEL_BYTES + 1];
		long long kept;
		int listed = 0;

		hex(label, sizeof(label), lh);
		kept = sql_intf(dir, "cav_cw", "SELECT count(*) FROM records WHERE case_id = '%s'"
		                " AND class = 1 AND ct IS NOT NULL AND label = X'%s'", cs, lh);

		v = th_open(dir, "cav_cw");
		assert_int_equal(vault_record_foreach(v, cs, tag_listed_cb, &listed), VAULT_OK);
		vault_close(v);
		free(before);
		free(after);
		th_rmdir(base);
		if (got == VAULT_OK && !same)
			fail_msg("ATTACK SUCCEEDS (210c): the caseworker's 1.x intake reads another text");
		/* Known limit (SECURITY.md): the replay cannot check a tag or a
		 * label (it holds no key).  What must hold: nothing is destroyed
		 * (the ciphertext is in the file, under her entry), and nothing
		 * is silent (the listing shows the row under its tag). */
		if (!same && (kept < 1 || !listed))
			fail_msg("ATTACK SUCCEEDS (210c): the caseworker's 1.x intake is gone from her"
			         " reads (%s), its ciphertext %s, and the listing %s it",
			         vault_strerror(got), kept ? "kept" : "destroyed",
			         listed ? "shows" : "does not show");
		if (!same)
			printf("   210c: known limit (SECURITY.md): the 1.x record is hidden under a"
			       " tag and label of her choosing, its text kept, listed by its tag\n");
	}
}

/* ---- review 19: the pending seal is the attacker's word ------------------
 * pick_dbkey (lib/vault.c) settles a killed rotation "by the keys": with a
 * pending seal, the switch happened exactly when the pending key opens
 * vault.db.  But the seals are the "dbkeys" map of keyslots, a file of the
 * untrusted folder: a seal is crypto_box_seal to a public key (the users'
 * box_pk, which she reads with her key), with nothing that says who made
 * it, and the file's checksum is keyed with a public constant.  She can
 * write every user's "pend" herself (the library's own stage function is
 * used here: it needs nothing but the file and the public keys).  A planted
 * pending seal on its own changes nothing (the open keeps the seal that
 * opens vault.db); after a killed rotation it decides the settle. */

/* Every enabled user's name and box key, read with her key (before the
 * disable: they do not change). */
static size_t users_pks_220(const char *dir, const unsigned char key[32], char names[32][64],
                            unsigned char pks[32][32])
{
	sqlite3 *db = th_db_open_key(dir, key);
	sqlite3_stmt *s;
	size_t n = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name, box_pk FROM users WHERE"
	                                    " disabled = 0", -1, &s, NULL), SQLITE_OK);
	while (n < 32 && sqlite3_step(s) == SQLITE_ROW) {
		snprintf(names[n], 64, "%s", (const char *)sqlite3_column_text(s, 0));
		assert_int_equal(sqlite3_column_bytes(s, 1), 32);
		memcpy(pks[n], sqlite3_column_blob(s, 1), 32);
		n++;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* The victim's case, the caseworker's database key, and the enabled
 * users with their public keys (their count). */
static size_t victim_and_users_220(const char *dir, char cs[VAULT_ID_BUFSIZE],
                                   unsigned char oldkey[32], char names[32][64],
                                   unsigned char pks[32][32])
{
	size_t n;

	victim_case(dir, cs);
	th_db_key(dir, "cav_cw", oldkey);
	n = users_pks_220(dir, oldkey, names, pks);
	assert_true(n > 0);
	return n;
}

/* Her write of keyslots: `key` sealed as everyone's pending seal (and
 * `cur`, unless NULL, as everyone's current one). */
static void plant_dbkey_seals(const char *dir, char names[32][64],
                              unsigned char pks[32][32], size_t n, const unsigned char key[32],
                              const unsigned char *cur)
{
	const char *u[32];
	size_t i;

	for (i = 0; i < n; i++)
		u[i] = names[i];
	assert_int_equal(vault__dbkey_stage(dir, 0, u, (const unsigned char(*)[32])pks, n, key,
	                                    cur), VAULT_OK);
}

static void plant_pending_seals_220(const char *dir, char names[32][64],
                                    unsigned char pks[32][32], size_t n,
                                    const unsigned char key[32])
{
	plant_dbkey_seals(dir, names, pks, n, key, NULL);
}

/* The disable of cav_cw by cav_sup, in a child killed (-9) at `step`. */
static void disable_killed_at_220(const char *dir, const char *step)
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		vault *v = th_open(dir, "cav_sup");

		plant_step = step;
		vault__crash_hook = kill_hook;
		(void)vault_user_disable(v, "cav_cw");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* 220a: the open deletes the old log beside the old file.  As in 210b, the
 * caseworker about to be disabled holds a read transaction open with her
 * key (180b), so the disable's own commit (and a note written before it)
 * stays in the old WAL only.  The disable is killed once the old log and
 * shared memory are set aside, before the switch (rotate.aside.shm):
 * vault.db is the old file, the pending seals hold the new key, which
 * does not open it, and the next open would put the log back.  Before
 * anyone opens, she writes the OLD database key as everyone's pending
 * seal.  The next open (anyone's) finds that "the pending key opens
 * vault.db", decides the switch happened, and settle_aside(dir, 0)
 * unlinks vault.db.rotate-oldwal and -oldshm, the only copy of those
 * transactions; the export goes too.  The open reports success.  vault.db
 * is the old file at her snapshot: the disable is gone (she is enabled
 * again, no rotation is owed: dbkey_rotate_due was in the same commit),
 * the note too, and her old key is the key in force (kept as everyone's
 * seal).  Only a user who saw the lost entries (the disabler) can notice,
 * by his witness. */
static void test_attack__220a_old_key_planted_as_pending_seal_drops_old_wal(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], names[32][64];
	unsigned char oldkey[32], supkey[32], pks[32][32];
	int status = 0, disabled = -1, rot_due = -1, old_opens, kept;
	long long notes = -1;
	size_t n;
	vault_status st;
	pid_t pid;
	vault *v = NULL;
	const unsigned char *p;
	size_t plen;

	(void)state;
	n = victim_and_users_220(dir, cs, oldkey, names, pks);
	pid = hold_a_read(dir, oldkey);
	th_put(dir, "cav_sup", cs, "after-her-snapshot", VAULT_CLASS_GENERAL, "kept?");
	disable_killed_at_220(dir, "rotate.aside.shm");
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* her write of keyslots */
	plant_pending_seals_220(dir, names, pks, n, oldkey);
	/* anyone's open settles the killed rotation */
	p = th_pass("cas_cw", &plen);
	st = vault_open(dir, "cas_cw", p, plen, NULL, &v);
	printf("   220a: the open after the crash: %s (%s)\n", vault_strerror(st),
	       vault_last_errmsg());
	vault_close(v);
	/* Refused, nothing settled: the old log must still be set aside, whole
	 * (another's open, whose seals the folder did not change, settles it;
	 * here she changed everyone's). */
	if (st != VAULT_OK) {
		char aside[4096];
		struct stat sb;

		plant_path(aside, sizeof(aside), dir, ".rotate-oldwal");
		kept = stat(aside, &sb) == 0 && sb.st_size > 0;
		sodium_memzero(oldkey, sizeof(oldkey));
		th_rmdir(dir);
		if (st != VAULT_ERR_CORRUPT || !kept)
			fail_msg("ATTACK SUCCEEDS (220a): the open refuses (%s) and the old log is %s",
			         vault_strerror(st), kept ? "kept" : "gone");
		return;
	}
	old_opens = probe_210b(dir, oldkey, cs, &disabled, &rot_due, &notes);
	if (!old_opens) {
		th_db_key(dir, "cav_sup", supkey);
		(void)probe_210b(dir, supkey, cs, &disabled, &rot_due, &notes);
		sodium_memzero(supkey, sizeof(supkey));
	}
	printf("   220a: old key %s vault.db; disabled %d, rotation owed %d, %lld record rows\n",
	       old_opens ? "opens" : "does not open", disabled, rot_due, notes);
	sodium_memzero(oldkey, sizeof(oldkey));
	th_rmdir(dir);
	/* a killed rotation settled right leaves her disabled, the rotation
	 * owed, and the 3 records */
	if (disabled != 1 || notes != 3 || (old_opens && rot_due != 1))
		fail_msg("ATTACK SUCCEEDS (220a): after a rotation killed before its switch and"
		         " her old key planted as everyone's pending seal, her old key %s the live"
		         " vault.db, where she is %s, a rotation owed: %d, and the case holds %lld"
		         " record rows (3 were committed): the open decided the switch happened"
		         " and deleted the old write-ahead log",
		         old_opens ? "opens" : "does not open",
		         disabled == 0 ? "enabled" : disabled == 1 ? "disabled" : "unknown", rot_due,
		         notes);
}

/* 220b: the open puts the old log beside the new file (210a/210d's
 * lockout, by a seal instead of a name).  The disable is killed right
 * after the switch (rotate.rename.after): vault.db is the new file, the
 * old log and shared memory are set aside, and the pending seals hold the
 * new key.  Before anyone opens, she rewrites ONE pending seal, that of
 * the first user to open (cas_cw), to a key that does not open the new
 * file (her old one; any key would do).  That open finds that "the
 * pending key does not open vault.db", decides the switch did not happen,
 * and puts vault.db.rotate-oldwal and -oldshm back under vault.db-wal and
 * -shm, beside the NEW file, whose frames SQLite then reads as its pages:
 * the open fails ("cannot read the database"), and so does every later
 * open, of users whose pending seal is the library's own new key too.
 * Everyone is locked out; disabling her again opens nothing. */
static void test_attack__220b_junk_pending_seal_puts_old_wal_beside_new_file(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cs2[VAULT_ID_BUFSIZE], names[32][64];
	unsigned char oldkey[32], pks[32][32];
	int old_reads;
	size_t n, i;
	vault_status st;
	vault *v = NULL;
	const unsigned char *p;
	size_t plen;

	(void)state;
	n = victim_and_users_220(dir, cs, oldkey, names, pks);
	disable_killed_at_220(dir, "rotate.rename.after");
	/* only the seal of the first to open (cas_cw): everyone else keeps
	 * the new key, genuinely sealed to them */
	for (i = 0; i < n && strcmp(names[i], "cas_cw") != 0; i++)
		;
	assert_true(i < n);
	plant_pending_seals_220(dir, names + i, pks + i, 1, oldkey);
	/* the first open (cas_cw's) settles the killed rotation; then the
	 * others, whose pending seals are the library's own */
	p = th_pass("cas_cw", &plen);
	st = vault_open(dir, "cas_cw", p, plen, NULL, &v);
	printf("   220b: the first open after the crash: %s (%s)\n", vault_strerror(st),
	       vault_last_errmsg());
	vault_close(v);
	/* hers refused (her seals are not hers: they do not tell), the
	 * others' open settles it by their own seals */
	still_opens(dir, "cav_sup", "220b");
	still_opens(dir, "aud", "220b");
	th_case(dir, "cav_sup", VAULT_CASE_VICTIM, 0, cs2);
	old_reads = old_key_reads_case(dir, oldkey, cs2);
	sodium_memzero(oldkey, sizeof(oldkey));
	th_rmdir(dir);
	if (old_reads)
		fail_msg("ATTACK SUCCEEDS (220b): her old key reads the case opened after her"
		         " disable");
}

/* Hard links to the live log and shared memory under the names the
 * switch sets them aside at. */
static void plant_aside_links(const char *dir)
{
	static const char *const names[2][2] = {{"-wal", ".rotate-oldwal"},
	                                        {"-shm", ".rotate-oldshm"}};
	char from[4096], to[4096];
	size_t i;

	for (i = 0; i < 2; i++) {
		plant_path(from, sizeof(from), dir, names[i][0]);
		plant_path(to, sizeof(to), dir, names[i][1]);
		assert_int_equal(link(from, to), 0);
	}
}

/* 220c: the set-aside names as hard links to what is set aside.  Once the
 * export is written, the caseworker about to be disabled links
 * vault.db-wal as vault.db.rotate-oldwal (and -shm as -oldshm): the
 * rename that sets the old log aside then renames a file onto itself,
 * which succeeds and does nothing, and the old log stayed under
 * vault.db-wal beside the new file, its frames under the old key: every
 * open read the vault as damaged. */
static void test_attack__220c_aside_names_linked_to_the_live_log(void **state)
{
	(void)state;
	planting_changes_nothing("rotate.export.after", plant_aside_links, "220c");
}

/* ---- review 23 ----------------------------------------------------------- */

/* The enabled users but `skip`, and their box keys (users_pks_220). */
static size_t users_but_230(const char *dir, const unsigned char key[32], const char *skip,
                            char names[32][64], unsigned char pks[32][32])
{
	size_t n = users_pks_220(dir, key, names, pks), i, m = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], skip) == 0)
			continue;
		if (m != i) {
			memcpy(names[m], names[i], 64);
			memcpy(pks[m], pks[i], 32);
		}
		m++;
	}
	return m;
}

/* Her write of keyslots: `key` sealed as the current database key of each
 * of these users, anything else of theirs gone (as a completed rotation
 * leaves it). */
static void plant_current_seals_230(const char *dir, char names[32][64],
                                    unsigned char pks[32][32], size_t n,
                                    const unsigned char key[32])
{
	plant_dbkey_seals(dir, names, pks, n, key, key);
	assert_int_equal(vault__dbkey_commit(dir, 0), VAULT_OK);
}

/* The old file (her link `keep`) back under its name `db`, the new one's
 * log and shared memory out of the way, and her old key as everyone's key
 * in force. */
static void put_old_file_back_230(const char *dir, const char *keep, const char *db,
                                  const unsigned char oldkey[32], const char *cs,
                                  char names[32][64], unsigned char pks[32][32], size_t n)
{
	char path[4096];

	plant_path(path, sizeof(path), dir, "-wal");
	(void)unlink(path);
	plant_path(path, sizeof(path), dir, "-shm");
	(void)unlink(path);
	assert_int_equal(rename(keep, db), 0);
	assert_true(old_key_reads_case(dir, oldkey, cs)); /* the attack took effect */
	plant_current_seals_230(dir, names, pks, n, oldkey);
}

/* Life goes on in the file put back: the centre opens a new case with an
 * address.  1 if her old key reads that case. */
static int life_goes_on_230(const char *dir, const unsigned char oldkey[32], const char *tag_)
{
	char cs2[VAULT_ID_BUFSIZE];

	th_case(dir, "cav_sup", VAULT_CASE_VICTIM, 0, cs2);
	th_put(dir, "cav_sup", cs2, "shelter", VAULT_CLASS_SAFETY, "via Po 7, Asti");
	still_opens(dir, "aud", tag_);
	return old_key_reads_case(dir, oldkey, cs2);
}

/* The victim's case, the caseworker's database key, the users to seal to
 * but her (their count), and her hard link `keep` to the file in force
 * `db` (4096 bytes each). */
static size_t link_kept_230(const char *dir, char cs[VAULT_ID_BUFSIZE],
                            unsigned char oldkey[32], char names[32][64],
                            unsigned char pks[32][32], char *keep, char *db, const char *tag_)
{
	size_t n;

	victim_case(dir, cs);
	th_db_key(dir, "cav_cw", oldkey);
	n = users_but_230(dir, oldkey, "cav_cw", names, pks);
	assert_true(n > 0);
	assert_true(snprintf(keep, 4096, "%s.%s-keep", dir, tag_) < 4096);
	plant_path(db, 4096, dir, "");
	(void)unlink(keep);
	assert_int_equal(link(db, keep), 0);
	return n;
}

/* 230a: the old file put back after a disable that completed.  Nothing
 * binds the database key, or the file it opens, to anything signed: a
 * user's "cur" seal is crypto_box_seal to her public key, which anyone
 * can make, and the open uses whatever key that seal holds to open
 * whatever file is named vault.db.  Before her disable, the caseworker
 * keeps a hard link to vault.db (any writer of the folder can).  Her
 * supervisor disables her: the disable commits (the case keys she held
 * are rotated in that commit), the rotation checkpoints the old log into
 * the old file, exports it under a new key, switches, and returns
 * VAULT_OK; her old key opens nothing (attack 6's control).  Right after,
 * she renames her link back over vault.db (its new log and shared memory
 * removed: nothing was written since), and seals her OLD database key as
 * every remaining user's current key.  The old file holds exactly the log
 * every user saw (the rotation signs nothing), so no witness, cache or
 * checkpoint tells; dbkey_rotate_due, in the old file, is read only by a
 * later disable.  Everyone opens and works in the file her old key opens:
 * she reads, on the disk, everything written after her disable (names of
 * cases, grants, the log in clear), which 1.1.0's rotation at every
 * disable was to stop.  Now the rotation ends with a signed "vault.rekey"
 * entry that only the new file holds, and the disabler's witness state
 * (her key-slot copy) is saved past it: the old file is a log cut short,
 * and her next open refuses it (VAULT_ERR_INTEGRITY).  What is left is
 * the log's limit (SECURITY.md): a writer of the folder who also puts
 * back every user's older witness copy is told only by a witness state
 * kept outside the folder (vault_open_options.state_dir). */
static void test_attack__230a_old_file_put_back_after_completed_disable(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], names[32][64];
	char keep[4096], db[4096];
	unsigned char oldkey[32], pks[32][32];
	int old_reads;
	size_t n;
	vault_status st;
	vault *v;

	(void)state;
	n = link_kept_230(dir, cs, oldkey, names, pks, keep, db, "230a");

	v = th_open(dir, "cav_sup");
	status_is(v, vault_user_disable(v, "cav_cw"), VAULT_OK, "disable");
	vault_close(v);
	/* control: the rotation ran to its end, her old key opens nothing */
	assert_false(old_key_reads_case(dir, oldkey, cs));

	put_old_file_back_230(dir, keep, db, oldkey, cs, names, pks, n);

	/* Life goes on: the centre opens a new case with an address. */
	v = victim_open(dir, "cav_sup", &st);
	if (v == NULL) {
		printf("   230a: the disabler's open of the old file put back: %s (%s)\n",
		       vault_strerror(st), vault_last_errmsg());
		refused(NULL, st, "an open of the old file put back");
		if (strstr(vault_last_errmsg(), "cut or rolled back") == NULL)
			fail_msg("230a: refused, but not as a log cut short: %s", vault_last_errmsg());
		sodium_memzero(oldkey, sizeof(oldkey));
		th_rmdir(dir);
		return;
	}
	vault_close(v);
	old_reads = life_goes_on_230(dir, oldkey, "230a");
	sodium_memzero(oldkey, sizeof(oldkey));
	th_rmdir(dir);
	if (old_reads)
		fail_msg("ATTACK SUCCEEDS (230a): after her disable completed (the database key"
		         " rotated), the disabled caseworker put the old file back under"
		         " vault.db and sealed her old key as everyone's current one: every"
		         " open goes on, and her old key reads the case opened after her"
		         " disable");
}

/* The centre's get of its safety record "shelter" by name (victim_case):
 * its text, or VAULT_ERR_INTEGRITY; any other answer, for either of its
 * users, names the attack `tag_` and what was planted (then the vault
 * `dir` is removed). */
static int shelter_reads(const vault_buf *b)
{
	return b->len == strlen("via Roma 1, Torino") &&
	       memcmp(b->data, "via Roma 1, Torino", b->len) == 0;
}

static void shelter_control(const char *dir, const char *cs)
{
	vault_buf b = VAULT_BUF_INIT;
	vault *v = th_open(dir, "cav_cw");

	status_is(v, vault_record_get(v, cs, "shelter", 0, &b, NULL, NULL), VAULT_OK,
	          "get before");
	assert_true(shelter_reads(&b));
	vault_buf_free(&b);
	vault_close(v);
}

static void shelter_read_or_refused(char *dir, const char *cs, const char *tag_,
                                    const char *planted)
{
	static const char *const users[] = {"cav_cw", "cav_sup"};
	char msg[512] = "";
	vault_buf b = VAULT_BUF_INIT;
	vault_status st = VAULT_OK, bad = VAULT_OK;
	const char *who = "";
	size_t i;
	vault *v;

	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		v = victim_open(dir, users[i], &st);
		if (v == NULL)
			continue; /* refused at the open: the defence */
		st = vault_record_get(v, cs, "shelter", 0, &b, NULL, NULL);
		if (st == VAULT_OK && !shelter_reads(&b))
			fail_msg("ATTACK SUCCEEDS (%s): %s's get of shelter read another text", tag_,
			         users[i]);
		if (st != VAULT_OK && st != VAULT_ERR_INTEGRITY && bad == VAULT_OK) {
			bad = st;
			who = users[i];
			snprintf(msg, sizeof(msg), "%s", vault_errmsg(v));
		}
		vault_buf_free(&b);
		vault_close(v);
	}
	th_rmdir(dir);
	if (bad != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (%s): %s refuses %s's get of her safety record by name"
		         " with %s (%s), not VAULT_ERR_INTEGRITY", tag_, planted, who,
		         vault_strerror(bad), msg);
}

/* 230b: a row of no one class, in clear, decides a get.  A get that names
 * no class asks ST_RECORD_CLASSES which classes the name is in: under each
 * class's tag, and by the name in clear (rows of 1.x).  A row in clear
 * counts only as a legacy fact (resolve_class checks its rowid), except a
 * row whose class is no one class ("refused where it is read"): its bits
 * are added to the classes found, unchecked, and the read never comes.
 * Any holder of the database key (here the reception centre's
 * caseworker, who holds no grant on the case and no class key of it)
 * inserts a row in clear, named "shelter", class 3 (general | sensitive),
 * a deletion mark.  The centre's own get of its safety record "shelter"
 * is then VAULT_ERR_AMBIGUOUS, "record shelter exists in classes general,
 * sensitive, safety": a row the log does not vouch for refuses the read,
 * and the library tells the reader of classes the record is not in,
 * without VAULT_ERR_INTEGRITY.  Class 5 does the same with general.  Now
 * such a row is checked against the facts like any row in clear: the
 * get is VAULT_ERR_INTEGRITY. */
static void test_attack__230b_planted_row_of_no_class_makes_get_ambiguous(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];

	(void)state;
	victim_case(dir, cs);
	shelter_control(dir, cs);
	SQLF(dir, "cas_cw", "INSERT INTO records(case_id, name, version, class, epoch, deleted,"
	     " size, author, created) VALUES('%s', 'shelter', 1, 3, 1, 1, 0, 'cav_sup', 0)", cs);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM records WHERE"
	                          " case_id = '%s' AND name = 'shelter' AND class = 3", cs), 1);
	shelter_read_or_refused(dir, cs, "230b", "a records row in clear of class 3, planted by"
	                        " a user with no right on the case,");
}

/* 230c: one statement text, two readings.  A signed entry's statement text
 * (audit.fact) is hashed into the chain (lib/audit_entry.c) and replayed
 * (parse_statements) as a C string: up to its first NUL byte.
 * stated_image(), which finds the image a record version was last stated
 * with (its fact keeps only a hash) to judge a redaction of it, reads the
 * same column whole (json_loadb of sqlite3_column_bytes).  A TEXT value
 * may hold a NUL.  Any holder of the database key (here the reception
 * caseworker, with no right on the case, who signs nothing) appends a NUL
 * and a byte to the text of the entry that stated the centre's safety
 * record: the chain, the signatures and every replay read what they read
 * before, and the auditor's vault_audit_verify() passes.  The supervisor
 * then redacts that version through the API: the library allows it and
 * signs it, but the replay of her own entry at commit, and of every open
 * after, finds "the version it redacts is in no entry the log holds": her
 * honest entry is refused, and the vault no longer opens for anyone
 * (VAULT_ERR_INTEGRITY naming her entry, never the one changed).  Now an
 * audit row whose text holds a NUL is malformed wherever it is read again
 * (the verification, a replay: VAULT_ERR_INTEGRITY naming it), and a
 * handle that already verified it judges the redaction on the text signed,
 * up to the NUL, as the replay does: the redaction is a fact. */
static void test_attack__230c_nul_in_fact_text_poisons_redaction(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], msg[512] = "", want[64];
	long long seq;
	vault_status st, ost;
	vault *v, *o = NULL;
	size_t n;
	const unsigned char *p;

	(void)state;
	victim_case(dir, cs);
	/* the entry that stated "shelter" version 1: the case's last put */
	seq = sql_intf(dir, "cas_cw", "SELECT max(seq) FROM audit WHERE action = 'record.put'"
	               " AND case_id = '%s' AND outcome = 'ok'", cs);
	assert_true(seq > 0);
	snprintf(want, sizeof(want), "audit entry %lld is malformed", seq);
	/* the supervisor's handle, open from before the change */
	v = th_open(dir, "cav_sup");
	SQLF(dir, "cas_cw", "UPDATE audit SET fact = fact || X'00' || 'x' WHERE seq = %lld", seq);
	/* the attack took effect: the column holds a NUL inside */
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT instr(CAST(fact AS BLOB), X'00') > 0"
	                          " FROM audit WHERE seq = %lld", seq), 1);
	/* control: the redaction of the general record, whose entry is
	 * untouched, goes through */
	status_is(v, vault_record_redact(v, cs, "intake", VAULT_CLASS_GENERAL, 1,
	                                 "entered in the wrong case by mistake"), VAULT_OK,
	          "control redaction");
	/* her redaction is judged on the text signed, up to its NUL */
	st = vault_record_redact(v, cs, "shelter", VAULT_CLASS_SAFETY, 1,
	                         "entered in the wrong case by mistake");
	/* and her own entry's replay keeps it: the next use says so */
	if (st == VAULT_OK)
		st = vault_record_put(v, cs, "after", VAULT_CLASS_GENERAL, "x", 1, NULL);
	snprintf(msg, sizeof(msg), "%s", vault_errmsg(v));
	vault_close(v);
	/* the next open that reads the changed entry refuses it as damaged,
	 * naming it (the auditor's reads the whole log) */
	p = th_pass("aud", &n);
	ost = vault_open(dir, "aud", p, n, NULL, &o);
	printf("   230c: redaction %s (%s); the auditor's open %s (%s)\n", vault_strerror(st), msg,
	       vault_strerror(ost), o ? "" : vault_last_errmsg());
	if (ost == VAULT_OK) {
		vault_verify_result res;

		memset(&res, 0, sizeof(res));
		res.version = 1;
		ost = vault_audit_verify(o, NULL, &res, NULL, NULL);
		snprintf(msg, sizeof(msg), "%s", vault_errmsg(o));
	} else {
		snprintf(msg, sizeof(msg), "%s", vault_last_errmsg());
	}
	vault_close(o);
	th_rmdir(dir);
	if (st != VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (230c): a NUL byte appended (unsigned, by a user with no"
		         " right on the case) to the fact text of the entry that stated the safety"
		         " record makes the supervisor's redaction of that version fail: %s", msg);
	if (ost == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (230c): the auditor's open and verification pass over a"
		         " fact text changed after its NUL byte");
	if (strstr(msg, want) == NULL)
		fail_msg("230c: the log is refused, but not for the entry changed: %s", msg);
}

/* ---- review 24 ----------------------------------------------------------- */

/* vault_open() with a state folder outside the vault folder (the CLI's
 * way: the witness state a writer of the folder cannot reach). */
static vault *open_with_state(const char *dir, const char *user, const char *state_dir,
                              vault_status *st)
{
	vault_open_options o = VAULT_OPEN_OPTIONS_INIT;
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass(user, &n);

	o.state_dir = state_dir;
	*st = vault_open(dir, user, p, n, &o, &v);
	return *st == VAULT_OK ? v : NULL;
}

/* 240a: 230a, with the disabler's witness state kept outside the folder.
 * SECURITY.md says of 230a's remaining variant (the old file put back
 * *and* the disabler's older witness copy put back in the key-slot file)
 * that "only a witness state kept outside the folder
 * (vault_open_options.state_dir) tells".  It does not: rotate_dbkey()
 * (lib/orgs.c) saves the disabler's state past the vault.rekey entry
 * with vault__witness_save(v, NULL), into her key-slot copy only; the
 * handle does not keep the state_dir it was opened with, so the state
 * file outside the folder still holds the head of her open, before the
 * disable: a prefix of the old file's log, which holds everything up to
 * and including the disable.  The caseworker keeps a hard link to
 * vault.db and reads her supervisor's key-slot witness copy (a public
 * field) before the disable; the supervisor opens with a state folder of
 * her own and disables her (VAULT_OK, the key rotated).  The caseworker
 * puts the old file back, seals her old key as everyone's current one,
 * and puts back the supervisor's older key-slot copy.  The supervisor's
 * next open, with the same state folder, checks both copies, finds both
 * a prefix of the old file's log, and goes on: everyone works in the
 * file her old key opens.  Now the handle keeps its state_dir, and the
 * rotation saves her state there too: her next open refuses the old
 * file, cut short. */
static void test_attack__240a_old_file_put_back_past_a_state_dir(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], names[32][64];
	char keep[4096], db[4096], sd[4096];
	char *oldcopy = NULL, *newcopy = NULL;
	unsigned char oldkey[32], pks[32][32];
	int old_reads;
	size_t n;
	vault_status st;
	vault *v;

	(void)state;
	assert_true(snprintf(sd, sizeof(sd), "%s.240a-state", dir) < (int)sizeof(sd));
	n = link_kept_230(dir, cs, oldkey, names, pks, keep, db, "240a");

	/* the supervisor, a witness with a state folder outside the vault
	 * folder (as the CLI always is), disables her */
	v = open_with_state(dir, "cav_sup", sd, &st);
	if (v == NULL)
		fail_msg("open as cav_sup: %s (%s)", vault_strerror(st), vault_last_errmsg());
	vault_close(v);
	/* her key-slot copy as it stands, before the disable: public */
	assert_int_equal(vault__slot_witness_get(dir, "cav_sup", &oldcopy), VAULT_OK);
	assert_non_null(oldcopy);
	v = open_with_state(dir, "cav_sup", sd, &st);
	if (v == NULL)
		fail_msg("open as cav_sup: %s (%s)", vault_strerror(st), vault_last_errmsg());
	status_is(v, vault_user_disable(v, "cav_cw"), VAULT_OK, "disable");
	vault_close(v);
	assert_false(old_key_reads_case(dir, oldkey, cs)); /* control: rotated */
	assert_int_equal(vault__slot_witness_get(dir, "cav_sup", &newcopy), VAULT_OK);
	assert_true(newcopy != NULL && strcmp(newcopy, oldcopy) != 0); /* saved past the rekey */

	/* 230a: the old file back, her old key as everyone's ... */
	put_old_file_back_230(dir, keep, db, oldkey, cs, names, pks, n);
	/* ... and the supervisor's older key-slot copy back (the state file
	 * outside the folder she cannot reach, and does not touch) */
	assert_int_equal(vault__slot_witness_put(dir, "cav_sup", oldcopy, NULL, NULL), VAULT_OK);

	v = open_with_state(dir, "cav_sup", sd, &st);
	printf("   240a: the disabler's open (state folder %s) of the old file put back: %s (%s)\n",
	       sd, vault_strerror(st), v ? "" : vault_last_errmsg());
	free(oldcopy);
	free(newcopy);
	if (v == NULL) {
		refused(NULL, st, "an open of the old file put back");
		sodium_memzero(oldkey, sizeof(oldkey));
		th_rmdir(strdup(sd));
		th_rmdir(dir);
		return;
	}
	vault_close(v);
	old_reads = life_goes_on_230(dir, oldkey, "240a");
	sodium_memzero(oldkey, sizeof(oldkey));
	th_rmdir(strdup(sd));
	th_rmdir(dir);
	if (old_reads)
		fail_msg("ATTACK SUCCEEDS (240a): the disabler kept her witness state outside the"
		         " vault folder (state_dir), yet after the disabled caseworker put the old"
		         " file back, sealed her old key as everyone's and put back the disabler's"
		         " older key-slot witness copy, the disabler's open with that state folder"
		         " goes on (the rotation saved no state there), and the old key reads the"
		         " case opened after the disable");
}

/* 240b: a row under a tag decides a get, unchecked.  230b's fix checks a
 * row in clear of no one class against the facts; ST_RECORD_CLASSES's
 * rows under a tag are still counted as they are (resolve_class: "under a
 * tag: have |= c"), and never checked.  A user who holds a class's key of
 * a case but may not write in it (here the reception caseworker, given
 * the general class of the centre's victim case to READ, with the
 * woman's consent) derives the general tag of the name "shelter" from the
 * general key of epoch 1 sealed to her, and inserts one records row under
 * it, class 1 (nothing else of it need be right: no content, no label,
 * no fact).  The centre's get of its safety record "shelter" by name is
 * then VAULT_ERR_AMBIGUOUS, "record shelter exists in classes general,
 * safety": a planted row refuses the read and tells the reader of a
 * record that does not exist, without VAULT_ERR_INTEGRITY.  Now a row
 * under a tag counts only if the log holds versions of the record in
 * that class: VAULT_ERR_INTEGRITY. */
static void test_attack__240b_planted_tagged_row_makes_get_ambiguous(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], hx[2 * 16 + 1];
	unsigned char k1[32], tag[VAULT_NAME_TAG_BYTES];

	(void)state;
	victim_case(dir, cs);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_READ, 0, cid);
	shelter_control(dir, cs);
	/* her general key of epoch 1 (sealed to her by the share), the tag */
	assert_int_equal(kept_key(dir, "cas_cw", cs, VAULT_CLASS_GENERAL, k1), 1);
	vault__name_tag_with(k1, cs, VAULT_CLASS_GENERAL, "shelter", tag);
	sodium_memzero(k1, sizeof(k1));
	hex(tag, sizeof(tag), hx);
	SQLF(dir, "cas_cw", "INSERT INTO records(case_id, name, version, class, epoch, deleted,"
	     " size, author, created) VALUES('%s', X'%s', 1, 1, 1, 1, 0, 'cav_cw', 0)", cs, hx);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM records WHERE"
	                          " case_id = '%s' AND name = X'%s' AND class = 1", cs, hx), 1);
	shelter_read_or_refused(dir, cs, "240b", "a records row under the general tag of"
	                        " \"shelter\", planted by a reader of the general class with no"
	                        " right to write in it,");
}

/* 250a: every row of a record deleted, and a get that names no class.
 * resolve_class() finds the classes from the rows there are: 240b made a
 * row count only if the log vouches for it, but a class the log holds
 * versions of and no row answers for is simply not counted.  The
 * reception caseworker (no right on the case) deletes every row of the
 * centre's safety record "shelter"; the centre's get of "shelter" by name
 * is VAULT_ERR_NOT_FOUND, "no such record or version", the removal of a
 * fact told as absence (attack 31 named the class, and read_row()'s
 * no_rows() says VAULT_ERR_INTEGRITY).  Expected: VAULT_ERR_INTEGRITY,
 * which it is now: the classes the log holds count, rows or none. */
static void test_attack__250a_rows_deleted_get_by_name_not_found(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault_buf b = VAULT_BUF_INIT;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	shelter_control(dir, cs);
	SQLF(dir, "cas_cw", "DELETE FROM records WHERE case_id = '%s' AND class = 4", cs);
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_record_get(v, cs, "shelter", 0, &b, NULL, NULL);
	printf("   250a: the get by name: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_buf_free(&b);
	vault_close(v);
	th_rmdir(dir);
	if (st != VAULT_ERR_INTEGRITY)
		fail_msg("ATTACK SUCCEEDS (250a): every row of the safety record \"shelter\""
		         " deleted around the library, the centre's get of it by name is %s,"
		         " not VAULT_ERR_INTEGRITY", vault_strerror(st));
}

/* 250b: one class of a record deleted: the get picks the other silently.
 * The centre holds "shelter" in general and in safety; its get by name is
 * VAULT_ERR_AMBIGUOUS (never a silent pick).  The reception caseworker,
 * given the general class to READ, derives the general tag of "shelter"
 * and deletes its general rows.  resolve_class() counts only the classes
 * rows answer for, so the get reads the safety text, VAULT_OK: the
 * general record's removal is not told, and the pick the library refuses
 * to make is made for it.  Expected: VAULT_ERR_INTEGRITY (or AMBIGUOUS).
 * Now every class the log holds versions of the record in counts, rows
 * or none: AMBIGUOUS. */
static void test_attack__250b_one_class_deleted_get_picks_the_other(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], hx[2 * 16 + 1];
	unsigned char k1[32], tag[VAULT_NAME_TAG_BYTES];
	vault_buf b = VAULT_BUF_INIT;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	th_put(dir, "cav_cw", cs, "shelter", VAULT_CLASS_GENERAL, "see the safety record");
	v = th_open(dir, "cav_cw");
	st = vault_record_get(v, cs, "shelter", 0, &b, NULL, NULL);
	printf("   250b: the get by name before: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	status_is(v, st, VAULT_ERR_AMBIGUOUS, "get by name of a record in two classes");
	vault_buf_free(&b);
	vault_close(v);
	share_general_to_cas_cw(dir, cs, VAULT_PERM_READ, 0, cid);
	assert_int_equal(kept_key(dir, "cas_cw", cs, VAULT_CLASS_GENERAL, k1), 1);
	vault__name_tag_with(k1, cs, VAULT_CLASS_GENERAL, "shelter", tag);
	sodium_memzero(k1, sizeof(k1));
	hex(tag, sizeof(tag), hx);
	SQLF(dir, "cas_cw", "DELETE FROM records WHERE case_id = '%s' AND name = X'%s'"
	     " AND class = 1", cs, hx);
	v = victim_open(dir, "cav_cw", &st);
	assert_non_null(v);
	st = vault_record_get(v, cs, "shelter", 0, &b, NULL, NULL);
	printf("   250b: the get by name after: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	th_rmdir(dir);
	if (st == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (250b): the general rows of \"shelter\" deleted around"
		         " the library, the centre's get of it by name reads the safety text"
		         " (%s), VAULT_OK, where it was VAULT_ERR_AMBIGUOUS",
		         shelter_reads(&b) ? "via Roma 1" : "another text");
	vault_buf_free(&b);
}

/* ---- 260: the log's rows and stored tree, met by a handle left open ---- *
 * (a review of the export, the proofs and the head an append chains to) */

/* One audit row as an entry, its texts owned. */
typedef struct arow {
	audit_rec r;
	char *t[11]; /* actor, org, role, action, case, target, class, outcome,
	              * reason, purpose, fact */
} arow;

static void arow_sync(arow *a)
{
	a->r.actor = a->t[0];
	a->r.org = a->t[1];
	a->r.role = a->t[2];
	a->r.action = a->t[3];
	a->r.case_id = a->t[4];
	a->r.target = a->t[5];
	a->r.cls = a->t[6];
	a->r.outcome = a->t[7];
	a->r.reason = a->t[8];
	a->r.purpose = a->t[9];
	a->r.fact = a->t[10];
}

static void arow_read(sqlite3 *db, uint64_t seq, arow *a)
{
	sqlite3_stmt *s;
	int i;

	memset(a, 0, sizeof(*a));
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, ts, actor, org, role, action,"
	                                        " case_id, target, class, outcome, reason,"
	                                        " purpose, newkey, high, prev, hash, sig, key,"
	                                        " fact FROM audit WHERE seq = ?1", -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	a->r.seq = (uint64_t)sqlite3_column_int64(s, 0);
	a->r.ts = sqlite3_column_int64(s, 1);
	for (i = 0; i < 10; i++)
		a->t[i] = strdup((const char *)sqlite3_column_text(s, 2 + i));
	a->t[10] = strdup(sqlite3_column_text(s, 18) ? (const char *)sqlite3_column_text(s, 18)
	                                             : "");
	if (sqlite3_column_type(s, 12) != SQLITE_NULL) {
		memcpy(a->r.newkey, sqlite3_column_blob(s, 12), 32);
		a->r.has_newkey = 1;
	}
	a->r.high = sqlite3_column_int(s, 13);
	memcpy(a->r.prev, sqlite3_column_blob(s, 14), 32);
	memcpy(a->r.hash, sqlite3_column_blob(s, 15), 32);
	if (sqlite3_column_type(s, 16) != SQLITE_NULL) {
		memcpy(a->r.sig, sqlite3_column_blob(s, 16), 64);
		a->r.has_sig = 1;
	}
	memcpy(a->r.key, sqlite3_column_blob(s, 17), 32);
	sqlite3_finalize(s);
	arow_sync(a);
}

static void arow_set(arow *a, int i, const char *text)
{
	free(a->t[i]);
	a->t[i] = strdup(text);
	arow_sync(a);
}

static void arow_free(arow *a)
{
	int i;

	for (i = 0; i < 11; i++)
		free(a->t[i]);
}

/* Row a->r.seq rewritten as the entry a, its hash computed from its fields
 * (the BLAKE2b of the encoding in SECURITY.md, which anyone can compute). */
static void arow_write(sqlite3 *db, arow *a)
{
	sqlite3_stmt *s;
	int i;

	assert_int_equal(vault_audit_rec_hash(&a->r, a->r.hash), VAULT_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit SET ts = ?2, actor = ?3, org = ?4,"
	                                        " role = ?5, action = ?6, case_id = ?7,"
	                                        " target = ?8, class = ?9, outcome = ?10,"
	                                        " reason = ?11, purpose = ?12, newkey = ?13,"
	                                        " high = ?14, prev = ?15, hash = ?16, sig = ?17,"
	                                        " key = ?18, fact = ?19 WHERE seq = ?1", -1, &s,
	                                    NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)a->r.seq);
	sqlite3_bind_int64(s, 2, a->r.ts);
	for (i = 0; i < 10; i++)
		sqlite3_bind_text(s, 3 + i, a->t[i], -1, SQLITE_STATIC);
	if (a->r.has_newkey)
		sqlite3_bind_blob(s, 13, a->r.newkey, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 13);
	sqlite3_bind_int(s, 14, a->r.high);
	sqlite3_bind_blob(s, 15, a->r.prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 16, a->r.hash, 32, SQLITE_STATIC);
	if (a->r.has_sig)
		sqlite3_bind_blob(s, 17, a->r.sig, 64, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 17);
	sqlite3_bind_blob(s, 18, a->r.key, 32, SQLITE_STATIC);
	sqlite3_bind_text(s, 19, a->t[10], -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(s);
}

/* Every row's stored Merkle tree hashes made again from the hash column,
 * as lib/audit_tree.c makes them (RFC 6962: public, anyone can). */
static void tree_rewrite(sqlite3 *db)
{
	unsigned char leaf[TLOG_HASH], stored[TLOG_MAX_LEVELS][TLOG_HASH];
	tlog_frontier f;
	sqlite3_stmt *s, *u;
	int n;

	vault__tlog_frontier_init(&f);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit ORDER BY seq", -1, &s,
	                                    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit SET tree = ?2 WHERE seq = ?1", -1, &u,
	                                    NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		vault__tlog_leaf_hash(sqlite3_column_blob(s, 1), 32, leaf);
		assert_int_equal(vault__tlog_frontier_append(&f, leaf, stored, &n), 0);
		sqlite3_bind_int64(u, 1, sqlite3_column_int64(s, 0));
		sqlite3_bind_blob(u, 2, stored, n * TLOG_HASH, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(u), SQLITE_DONE);
		sqlite3_reset(u);
	}
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
}

/* 260a: vault_audit_checkpoint() and vault_audit_cosign() sign only a root
 * the handle verified (attack 70p); vault_audit_prove_inclusion() with no
 * checkpoint signs a fresh one over the stored root, its proof made of
 * stored nodes, its entry read from the row as it is now.  With the
 * auditor's handle open (an application, `vault shell`), the perpetrator
 * programme's caseworker rewrites an old entry into a break-glass on the
 * victim's case by cav_sup (hash recomputed from its fields) and the stored
 * tree to match.  The auditor proves that entry for the Prefecture; the
 * Prefecture checks the proof offline against the auditor's verifier key. */
static void test_attack__260a_inclusion_proof_of_a_rewritten_entry(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	vault_buf proof = VAULT_BUF_INIT, vk = VAULT_BUF_INIT;
	vault_verify_result res;
	const char *keys[1];
	vault_status st, cst = VAULT_ERR_INVALID;
	unsigned char pk[32];
	long long n, k = 5;
	sqlite3 *db;
	sqlite3_stmt *s;
	arow a;
	vault *w;

	(void)state;
	victim_case(dir, cs);
	w = th_open(dir, "aud");
	n = sql_int(dir, "cuav_cw", "SELECT max(seq) FROM audit");
	/* the tree after the auditor's audit.prove entry (n + 1) keeps entry k
	 * under a node of an old row (not one that entry's append merges) */
	assert_true((n + 1) & n);
	db = th_db_open(dir, "cuav_cw");
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sign_pk FROM users WHERE name = 'cav_sup'",
	                                    -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	memcpy(pk, sqlite3_column_blob(s, 0), 32);
	sqlite3_finalize(s);
	arow_read(db, (uint64_t)k, &a);
	arow_set(&a, 0, "cav_sup");
	arow_set(&a, 1, "cav");
	arow_set(&a, 2, "supervisor");
	arow_set(&a, 3, "break-glass");
	arow_set(&a, 4, cs);
	arow_set(&a, 5, "");
	arow_set(&a, 6, "general,sensitive,safety");
	arow_set(&a, 7, "ok");
	arow_set(&a, 10, "");
	a.r.high = 1;
	a.r.has_newkey = 0;
	memcpy(a.r.key, pk, 32);
	arow_write(db, &a);
	arow_free(&a);
	tree_rewrite(db);
	sqlite3_close(db);
	assert_int_equal(sql_intf(dir, "cuav_cw", "SELECT count(*) FROM audit WHERE seq = %lld AND"
	                          " action = 'break-glass' AND case_id = '%s'", k, cs), 1);

	st = vault_audit_prove_inclusion(w, (uint64_t)k, NULL, &proof);
	printf("   260a: the auditor proves entry %lld: %s (%s)\n", k, vault_strerror(st),
	       vault_errmsg(w));
	if (st == VAULT_OK) {
		status_is(w, vault_audit_vkey(w, NULL, &vk), VAULT_OK, "vkey");
		keys[0] = (const char *)vk.data;
		vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION);
		cst = vault_audit_check_proof((const char *)proof.data, keys, 1, &res);
		printf("   260a: the Prefecture checks it offline: %s (%s)\n", vault_strerror(cst),
		       res.reason);
	}
	vault_close(w);
	vault_buf_free(&vk);
	vault_buf_free(&proof);
	th_rmdir(dir);
	if (st == VAULT_OK && cst == VAULT_OK)
		fail_msg("ATTACK SUCCEEDS (260a): the auditor signed an inclusion proof of an entry"
		         " nobody made (cav_sup's break-glass on the victim's case, written into"
		         " row %lld around the library), and it checks offline against her key",
		         k);
}

static int count_entry(const vault_audit_entry *e, void *ctx)
{
	(void)e;
	(*(int *)ctx)++;
	return 0;
}

/* The rows of `table` matching `where` in `from`, put into `to` as they are
 * (INSERT OR REPLACE, every column, the row id among them). */
static void rows_copy(sqlite3 *from, sqlite3 *to, const char *table, const char *where)
{
	char *q = dup_printf("SELECT * FROM %s WHERE %s", table, where), *ins;
	sqlite3_stmt *s, *u;
	int i, nc, rows = 0;

	assert_int_equal(sqlite3_prepare_v2(from, q, -1, &s, NULL), SQLITE_OK);
	free(q);
	nc = sqlite3_column_count(s);
	ins = dup_printf("INSERT OR REPLACE INTO %s VALUES(?%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s)", table,
	                 nc > 1 ? ",?" : "", nc > 2 ? ",?" : "", nc > 3 ? ",?" : "",
	                 nc > 4 ? ",?" : "", nc > 5 ? ",?" : "", nc > 6 ? ",?" : "",
	                 nc > 7 ? ",?" : "", nc > 8 ? ",?" : "", nc > 9 ? ",?" : "",
	                 nc > 10 ? ",?" : "", nc > 11 ? ",?" : "", nc > 12 ? ",?" : "",
	                 nc > 13 ? ",?" : "", nc > 14 ? ",?" : "", nc > 15 ? ",?" : "");
	assert_true(nc <= 16);
	assert_int_equal(sqlite3_prepare_v2(to, ins, -1, &u, NULL), SQLITE_OK);
	free(ins);
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (i = 0; i < nc; i++)
			sqlite3_bind_value(u, i + 1, sqlite3_column_value(s, i));
		assert_int_equal(sqlite3_step(u), SQLITE_DONE);
		sqlite3_reset(u);
		rows++;
	}
	assert_true(rows > 0);
	sqlite3_finalize(s);
	sqlite3_finalize(u);
}

/* 260c: 260a with the entries left as they are and the stored tree alone
 * rewritten (one entry's hash column changed, the tree rebuilt over it):
 * an inclusion proof of another entry and an export each signed a
 * checkpoint over a root that is not the log's, in the auditor's name (the
 * export's offline check then cries tampering at an honest log, the proof
 * checks against a forged tree).  Each is refused, and nothing is signed. */
static void test_attack__260c_rewritten_tree_signed_by_proof_or_export(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], path[4200];
	vault_buf proof = VAULT_BUF_INIT, cp = VAULT_BUF_INIT, cons = VAULT_BUF_INIT;
	vault_status sp, sc, se;
	sqlite3 *db;
	vault *w;

	(void)state;
	victim_case(dir, cs);
	w = th_open(dir, "aud");
	status_is(w, vault_audit_checkpoint(w, &cp), VAULT_OK, "checkpoint");
	db = th_db_open(dir, "cuav_cw");
	assert_int_equal(sqlite3_exec(db, "UPDATE audit SET hash = zeroblob(32) WHERE seq = 7",
	                              NULL, NULL, NULL), SQLITE_OK);
	tree_rewrite(db);
	sqlite3_close(db);
	sp = vault_audit_prove_inclusion(w, 5, NULL, &proof);
	printf("   260c: the auditor proves entry 5: %s (%s)\n", vault_strerror(sp), vault_errmsg(w));
	sc = vault_audit_prove_consistency(w, (const char *)cp.data, NULL, &cons);
	printf("   260c: ...proves consistency with her checkpoint: %s (%s)\n", vault_strerror(sc),
	       vault_errmsg(w));
	snprintf(path, sizeof(path), "%s/../export.jsonl", dir);
	se = vault_audit_export(w, path, NULL, NULL);
	printf("   260c: ...exports the log: %s (%s)\n", vault_strerror(se), vault_errmsg(w));
	vault_close(w);
	vault_buf_free(&proof);
	vault_buf_free(&cons);
	vault_buf_free(&cp);
	th_rmdir(dir);
	if (sp != VAULT_ERR_INTEGRITY || sc != VAULT_ERR_INTEGRITY || se != VAULT_ERR_INTEGRITY)
		fail_msg("ATTACK SUCCEEDS (260c): a proof, a consistency proof or an export signed"
		         " the root of a stored tree rewritten around the library (%s, %s, %s)",
		         vault_strerror(sp), vault_strerror(sc), vault_strerror(se));
}

/* 260b: an append chains to the head row as the database has it now
 * (load_head reads seq and hash of the last row), and nothing compares that
 * row with the entry the handle verified there.  The handle's own facts are
 * caught up only past entries it has not verified, so a head it verified
 * and that is rewritten since is never read again.  Her handle left open
 * (an application, `vault shell`), the victim centre's caseworker looks at
 * her own entries (which verifies the log up to her audit.query entry, the
 * head).  The reception centre's caseworker, who holds `general` of her
 * case on a consent that covers every class, rewrites that head row into
 * an unsigned entry "by" cav_cw, with her key, that shares every class
 * with the reception centre on that consent (the statement and the grant
 * row she computes by hand; the test takes them from the same share made
 * in a copy of the folder), the stored tree to match.  The caseworker's
 * next routine write chains to it and signs: her signature covers a share
 * she never made, and every replay accepts it as hers.  Then the centre
 * writes the new shelter address (a write refills the keys of every holder
 * that missed an epoch), and the reception caseworker reads it. */
static void forged_head_260(int own_write_first)
{
	char *dir = th_network(), *base2 = th_tmpdir(), dir2[4096], *cmd, *w;
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], *text = NULL;
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	unsigned int all = VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE | VAULT_CLASS_SAFETY;
	vault_status st, sto = VAULT_OK, stg = VAULT_ERR_DENIED;
	long long head, forged_seq;
	int seen = 0;
	sqlite3 *db, *db2;
	arow a, c;
	vault *v;

	victim_case(dir, cs);
	/* she consents to the reception centre for every class; the centre
	 * shares only general with it, to read */
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = all;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "referral";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so),
	          VAULT_OK, "share general");
	vault_close(v);

	/* the statement and the grant row the attacker would compute by hand:
	 * taken from the same share made in a copy of the folder */
	snprintf(dir2, sizeof(dir2), "%s/v", base2);
	cmd = dup_printf("cp -a '%s' '%s'", dir, dir2);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	v = th_open(dir2, "cav_cw");
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", all, &so), VAULT_OK,
	          "share every class (in the copy)");
	vault_close(v);
	db2 = th_db_open(dir2, "cas_cw");
	arow_read(db2, (uint64_t)sql_int(dir2, "cas_cw", "SELECT max(seq) FROM audit WHERE"
	                                 " action = 'share'"), &c);
	assert_non_null(strstr(c.t[10], "grants"));

	/* the victim's handle, left open; she looks at her own entries */
	v = th_open(dir, "cav_cw");
	status_is(v, vault_audit_foreach(v, &q, count_entry, &seen), VAULT_OK, "own entries");
	head = sql_int(dir, "cas_cw", "SELECT max(seq) FROM audit");
	assert_int_equal((long long)vault__facts_verified_hi(v), head);
	/* 260d: the head is her own write, committed after the verifier read */
	if (own_write_first) {
		status_is(v, vault_record_put(v, cs, "before", VAULT_CLASS_GENERAL, "called", 6,
		                              NULL), VAULT_OK, "her own write");
		head = sql_int(dir, "cas_cw", "SELECT max(seq) FROM audit");
		assert_true((long long)vault__facts_verified_hi(v) < head);
	}

	/* the attacker: the head row becomes the share, unsigned, by cav_cw */
	db = th_db_open(dir, "cas_cw");
	arow_read(db, (uint64_t)head, &a);
	assert_string_equal(a.t[0], "cav_cw");
	for (int i = 1; i < 11; i++)
		arow_set(&a, i, c.t[i]);
	if (c.r.ts > a.r.ts)
		a.r.ts = c.r.ts;
	a.r.high = c.r.high;
	a.r.has_newkey = 0;
	a.r.has_sig = 0;
	arow_write(db, &a);
	tree_rewrite(db);
	forged_seq = head;
	arow_free(&a);
	arow_free(&c);

	/* her next routine write */
	st = vault_record_put(v, cs, "note", VAULT_CLASS_GENERAL, "called the lawyer", 17, NULL);
	printf("   260b: cav_cw's next write, in the handle left open: %s (%s)\n",
	       vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	printf("   260b: entry %lld (forged, unsigned) is covered by entry %lld, signed by"
	       " cav_cw: %lld\n", forged_seq, forged_seq + 1,
	       sql_intf(dir, "cas_cw", "SELECT count(*) FROM audit WHERE seq = %lld AND"
	                " sig IS NOT NULL AND actor = 'cav_cw' AND prev = (SELECT hash FROM"
	                " audit WHERE seq = %lld)", forged_seq + 1, forged_seq));
	/* the grant row as the forged statement has it */
	w = dup_printf("case_id = '%s' AND principal = 'cas'", cs);
	rows_copy(db2, db, "grants", w);
	free(w);
	sqlite3_close(db2);
	sqlite3_close(db);

	/* the centre writes her new address */
	v = victim_open(dir, "cav_sup", &sto);
	if (v != NULL) {
		sto = vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY, "via Po 9, Torino", 16,
		                       NULL);
		printf("   260b: cav_sup writes the new address: %s (%s)\n", vault_strerror(sto),
		       vault_errmsg(v));
		vault_close(v);
	} else {
		printf("   260b: cav_sup's open: %s (%s)\n", vault_strerror(sto),
		       vault_last_errmsg());
	}
	if (sto == VAULT_OK) {
		stg = get_cls(dir, "cas_cw", cs, "shelter", VAULT_CLASS_SAFETY, &text);
		printf("   260b: cas_cw reads the shelter: %s%s%s\n", vault_strerror(stg),
		       text ? ": " : "", text ? text : "");
	}
	th_rmdir(dir);
	th_rmdir(base2);
	if (stg == VAULT_OK && text != NULL && strcmp(text, "via Po 9, Torino") == 0) {
		free(text);
		fail_msg("ATTACK SUCCEEDS (260b): a head row rewritten under a handle left open was"
		         " signed by cav_cw's next write (a share of every class to the reception"
		         " centre she never made), and the reception caseworker reads the new"
		         " shelter address");
	}
	free(text);
}

static void test_attack__260b_forged_head_signed_by_next_append(void **state)
{
	(void)state;
	forged_head_260(0);
}

/* 260d: 260b where the head row rewritten is her own last write, which
 * her verifier has not read (her handle wrote it) */
static void test_attack__260d_own_head_rewritten_before_next_append(void **state)
{
	(void)state;
	forged_head_260(1);
}

/* 260e: her last entry (the record of her own open) deleted under her open
 * handle, the log then one entry shorter than what she wrote: her next
 * write would take its seq and chain onto the entry before, and her
 * signature would cover a log from which the record of her access is gone. */
static void test_attack__260e_own_last_entry_deleted_before_next_append(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	long long head, left;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	head = sql_int(dir, "cas_cw", "SELECT max(seq) FROM audit");
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM audit WHERE seq = %lld AND"
	                          " actor = 'cav_cw' AND action = 'vault.open'", head), 1);
	th_db_exec(dir, "cas_cw", "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
	st = vault_record_put(v, cs, "note", VAULT_CLASS_GENERAL, "called", 6, NULL);
	printf("   260e: cav_cw's next write: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	left = sql_intf(dir, "cas_cw", "SELECT count(*) FROM audit WHERE seq = %lld AND"
	                " action = 'vault.open'", head);
	th_rmdir(dir);
	if (st != VAULT_ERR_INTEGRITY)
		fail_msg("ATTACK SUCCEEDS (260e): her write after her own last entry was deleted"
		         " returned %s (the entry of her open %s)", vault_strerror(st),
		         left ? "is back" : "is gone, her signature over the log without it");
}

/* ---- 270: what a handle left open forgets ------------------------------- *
 * (a review of what a vault handle keeps between calls, twenty-seventh) */

/* The attacker's own connection to her cache file of `user` (a SQLite file
 * in the vault folder, its rows sealed): every part but the head deleted,
 * as another handle of hers saving would (test_cache__another_handle_
 * replaced_a_part), so that the next need of a case's record facts reads
 * the log again from its start. */
static void cache_parts_drop(const char *dir, const char *user)
{
	char id[128], path[4300];
	sqlite3 *db;

	assert_int_equal(vault__slot_id_hex(dir, user, id), VAULT_OK);
	snprintf(path, sizeof(path), "%s/facts-%s.cache", dir, id);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM parts WHERE name <> 'head'", NULL, NULL,
	                              NULL), SQLITE_OK);
	assert_true(sqlite3_changes(db) > 0);
	sqlite3_close(db);
}

/* The rows of case cs in `table` put back as the copy db2 holds them. */
static void case_rows_put_back(sqlite3 *db, sqlite3 *db2, const char *table, const char *cs)
{
	char *q = dup_printf("DELETE FROM %s WHERE case_id = '%s'", table, cs), *w;

	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	free(q);
	w = dup_printf("case_id = '%s'", cs);
	rows_copy(db2, db, table, w);
	free(w);
}

/* The 270 setup: a victim case cs of the antiviolence centre, shared on her
 * consent with the reception centre (every class), and a second case cb;
 * a copy of the folder made by the attacker in dir2 (before anything
 * below). */
static void setup_300(char *dir, char cs[VAULT_ID_BUFSIZE], char cb[VAULT_ID_BUFSIZE],
                      const char *dir2)
{
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	unsigned int all = VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE | VAULT_CLASS_SAFETY;
	char cid[VAULT_ID_BUFSIZE], *text = NULL, *cmd;
	vault *v;

	victim_case(dir, cs);
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cb);
	th_put(dir, "cav_cw", cb, "notes", VAULT_CLASS_GENERAL, "called back");
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = all;
	co.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	co.purpose = "referral";
	status_is(v, vault_consent_add(v, cs, &co, cid), VAULT_OK, "consent");
	so.consent_id = cid;
	status_is(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", all, &so), VAULT_OK,
	          "share every class");
	vault_close(v);
	assert_int_equal(get_cls(dir, "cas_cw", cs, "shelter", VAULT_CLASS_SAFETY, &text),
	                 VAULT_OK);
	free(text);
	if (dir2 != NULL) {
		cmd = dup_printf("cp -a '%s' '%s'", dir, dir2);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
}

/* The attacker appends a junk entry at the tail of the log (a copy of the
 * head, seq + 1, a random hash, no signature). */
static void junk_tail_300(const char *dir)
{
	sqlite3 *db = th_db_open(dir, "cas_cw");

	assert_int_equal(sqlite3_exec(db, "CREATE TEMP TABLE j AS SELECT * FROM audit WHERE"
	                              " seq = (SELECT max(seq) FROM audit);"
	                              "UPDATE j SET seq = seq + 1, prev = hash,"
	                              " hash = randomblob(32), sig = NULL;"
	                              "INSERT INTO audit SELECT * FROM j;",
	                              NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The attacker cuts the log from entry `from` on and puts the case's
 * grant, epoch and seal rows back as the copy dir2 holds them (and the
 * record rows of case `records_of`, unless NULL). */
static void cut_and_put_back_300(const char *dir, const char *dir2, const char *cs,
                                 long long from, const char *records_of)
{
	static const char *const tabs[] = {"grants", "case_classes", "class_epochs",
	                                   "class_keys"};
	sqlite3 *db = th_db_open(dir, "cas_cw"), *db2 = th_db_open(dir2, "cas_cw");
	char *cmd;
	size_t i;

	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	cmd = dup_printf("DELETE FROM audit WHERE seq >= %lld", from);
	assert_int_equal(sqlite3_exec(db, cmd, NULL, NULL, NULL), SQLITE_OK);
	free(cmd);
	for (i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++)
		case_rows_put_back(db, db2, tabs[i], cs);
	if (records_of != NULL)
		case_rows_put_back(db, db2, "records", records_of);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db2);
	sqlite3_close(db);
}

/* The variants of the cut (each a test below). */
enum cut270 {
	CUT_OPEN_HANDLE,     /* 270a: her handle stays open, a cache part dropped */
	CUT_REOPEN,          /* 270c: she closes, and opens again after the cut */
	CUT_JUNK_TAIL,       /* 280a: 270c, her close's read made to fail */
	CUT_FORK,            /* 280b: 270a, one valid entry of another after the cut */
	CUT_FORK_THEN_CLOSE, /* 280c: 280b, then she closes and opens again */
	CUT_SECOND_HANDLE,   /* 290a: a second handle of hers saves her cache on the fork */
	CUT_BATCH_SECOND,    /* 290b: 290a, the revocation in a batch that rebuilt */
	CUT_STALE_CLOSE,     /* 295a: 280a, the revocation by a second handle of hers */
};

static const char *const cut270_name[] = {"270a", "270c", "280a", "280b", "280c", "290a",
                                          "290b", "295a"};

/* 270a: a handle's facts are rebuilt from the log as it is now when a part
 * of its cache cannot be read (records_of, rebuild_once(v, F, 0)), and the
 * rebuild checks only that the log reaches the witness state of the open:
 * what the handle verified or wrote since, its own revocation included, is
 * forgotten without a word.  The centre's caseworker, her handle left open
 * (an application, `vault shell`), revokes the reception centre (its
 * caseworker is suspected of passing addresses on): the safety key of the
 * case is rotated.  The reception caseworker deletes the revocation's
 * entry (the tail of the log, past every witness state), puts the case's
 * grant, epoch and seal rows back as they were (from a copy of the folder
 * she made before), and drops the parts of the caseworker's cache.  The
 * caseworker reads a note of another case (the part is read: the log
 * again, without the revocation), then writes the new shelter address,
 * under the key the reception centre still holds. */
static void own_revocation_cut_270(enum cut270 mode)
{
	int reopen = mode == CUT_REOPEN || mode == CUT_JUNK_TAIL || mode == CUT_FORK_THEN_CLOSE ||
	             mode == CUT_STALE_CLOSE;
	int second = mode == CUT_SECOND_HANDLE || mode == CUT_BATCH_SECOND;
	char *dir = th_network(), *base2 = th_tmpdir(), dir2[4096], *cmd;
	char cs[VAULT_ID_BUFSIZE], cb[VAULT_ID_BUFSIZE], *text = NULL;
	vault_buf b = VAULT_BUF_INIT;
	vault_status sg, sp = VAULT_ERR_DENIED, stg = VAULT_ERR_DENIED;
	long long r;
	sqlite3 *db;
	size_t i;
	vault *v;
	char *sd = th_tmpdir();
	vault_status so2 = VAULT_OK;

	/* she consents to the reception centre, which gets every class; the
	 * attacker keeps a copy of the folder (any user can) */
	snprintf(dir2, sizeof(dir2), "%s/v", base2);
	setup_300(dir, cs, cb, dir2);

	/* the caseworker's handle, left open: she revokes the reception centre */
	v = open_with_state(dir, "cav_cw", sd, &so2);
	assert_non_null(v);
	if (mode == CUT_BATCH_SECOND) {
		/* 290b: the revocation in a batch that also writes a note of the
		 * other case, whose part of her cache is gone (the attacker
		 * dropped it, or another handle of hers saved since): the write
		 * rebuilds the facts from the log inside the batch, her own
		 * unsigned entry among them */
		char *q, id[128], cpath[4300];

		assert_int_equal(vault__slot_id_hex(dir, "cav_cw", id), VAULT_OK);
		snprintf(cpath, sizeof(cpath), "%s/facts-%s.cache", dir, id);
		assert_int_equal(sqlite3_open_v2(cpath, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
		q = dup_printf("DELETE FROM parts WHERE name LIKE 'c:%s:%%'", cb);
		assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
		free(q);
		printf("   290b: parts of the other case dropped: %d\n", sqlite3_changes(db));
		sqlite3_close(db);
		status_is(v, vault_begin(v), VAULT_OK, "begin");
		status_is(v, vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK, "revoke");
		status_is(v, vault_record_put(v, cb, "notes", VAULT_CLASS_GENERAL,
		                              "called again", 12, NULL), VAULT_OK,
		          "note in the batch");
		status_is(v, vault_commit(v), VAULT_OK, "commit");
	} else if (mode == CUT_STALE_CLOSE) {
		/* 295a: her first handle writes a note; a second handle of hers
		 * (`vault shell` beside the application) revokes the reception
		 * centre and closes, saving her witness state after the
		 * revocation; the first handle closes last (after the junk tail
		 * below), its read of the entries since failing: its tree is
		 * the one of its own note, below the revocation */
		vault *b2;

		status_is(v, vault_record_put(v, cb, "notes", VAULT_CLASS_GENERAL, "called again",
		                              12, NULL), VAULT_OK, "note");
		b2 = open_with_state(dir, "cav_cw", sd, &so2);
		assert_non_null(b2);
		status_is(b2, vault_revoke(b2, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK,
		          "revoke in a second handle");
		vault_close(b2);
	} else {
		status_is(v, vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK, "revoke");
	}
	/* 280a: before her close, the attacker appends a junk entry (a broken
	 * hash) at the tail, so that the close's read of the log through her
	 * verifier fails and saves no witness state; gone again after it */
	if (mode == CUT_JUNK_TAIL || mode == CUT_STALE_CLOSE)
		junk_tail_300(dir);
	/* 270c: she closes, and opens again after the attacker's work (280c:
	 * she closes after it) */
	if (reopen && mode != CUT_FORK_THEN_CLOSE) {
		vault_close(v);
		v = NULL;
	}
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 2);

	/* the attacker: the revocation's entry and everything after it gone,
	 * the case's rows as they were, the parts of her cache dropped */
	r = sql_intf(dir, "cas_cw", "SELECT min(seq) FROM audit WHERE action = 'revoke' AND"
	             " case_id = '%s'", cs);
	assert_true(r > 0);
	/* (290b: the note of the batch, gone with its entry) */
	cut_and_put_back_300(dir, dir2, cs, r, mode == CUT_BATCH_SECOND ? cb : NULL);
	/* 280b: one entry of her own after the cut (a routine read through the
	 * API, signed by her library), so the log is longer than the cut again */
	if (mode == CUT_FORK || mode == CUT_FORK_THEN_CLOSE) {
		assert_int_equal(get_cls(dir, "cas_cw", cs, "shelter", VAULT_CLASS_SAFETY, &text),
		                 VAULT_OK);
		free(text);
		text = NULL;
	}
	/* 280c: she closes only now: the close reads the forked log through
	 * her verifier and saves its tree as her witness state */
	if (mode == CUT_FORK_THEN_CLOSE) {
		vault_close(v);
		v = NULL;
	}
	/* 290a: no cache part dropped; a second handle of hers (another
	 * window, `vault shell` beside the application) opens the cut log
	 * (her witness states date from the first handle's open: the known
	 * limit), reads a note a few times, and closes: its close saves her cache of facts
	 * at the head of the forked log, above the first handle's floor */
	if (second) {
		vault *b2 = open_with_state(dir, "cav_cw", sd, &so2);

		printf("   290a: a second handle of cav_cw opens the cut log: %s\n",
		       vault_strerror(so2));
		for (i = 0; b2 != NULL && i < 3; i++) {
			sg = vault_record_get_v2(b2, cb, "notes", VAULT_CLASS_GENERAL, 0, &b, NULL,
			                         NULL);
			vault_buf_free(&b);
		}
		vault_close(b2);
	} else {
		cache_parts_drop(dir, "cav_cw");
	}
	if (reopen) {
		/* ...her witness copy in the key-slot file as it was, too */
		cmd = dup_printf("cp '%s/keyslots' '%s/keyslots'", dir2, dir);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		v = open_with_state(dir, "cav_cw", sd, &so2);
		printf("   270c: cav_cw opens again: %s (%s)\n", vault_strerror(so2),
		       v ? "" : vault_last_errmsg());
	}
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 1);

	/* the caseworker goes on in the same handle: a note of another case */
	if (v != NULL) {
		sg = vault_record_get_v2(v, cb, "notes", VAULT_CLASS_GENERAL, 0, &b, NULL, NULL);
		printf("   270a: cav_cw reads a note of another case: %s (%s)\n",
		       vault_strerror(sg), vault_errmsg(v));
		vault_buf_free(&b);
		/* 290a: the first call is refused (the fork at her floor), and she
		 * tries again, as an application or a person does */
		if (second && sg != VAULT_OK) {
			sg = vault_record_get_v2(v, cb, "notes", VAULT_CLASS_GENERAL, 0, &b, NULL,
			                         NULL);
			printf("   290a: cav_cw reads it again: %s (%s)\n", vault_strerror(sg),
			       vault_errmsg(v));
			vault_buf_free(&b);
		}
		/* ...and writes the new address of the shelter */
		sp = vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY, "via Po 9, Torino", 16,
		                      NULL);
		printf("   270a: cav_cw writes the new address: %s (%s)\n", vault_strerror(sp),
		       vault_errmsg(v));
		vault_close(v);
	}
	if (sp == VAULT_OK) {
		stg = get_cls(dir, "cas_cw", cs, "shelter", VAULT_CLASS_SAFETY, &text);
		printf("   270a: cas_cw reads the shelter: %s%s%s\n", vault_strerror(stg),
		       text ? ": " : "", text ? text : "");
	}
	th_rmdir(dir);
	th_rmdir(base2);
	th_rmdir(sd);
	if (stg == VAULT_OK && text != NULL && strcmp(text, "via Po 9, Torino") == 0) {
		free(text);
		fail_msg("ATTACK SUCCEEDS (%s): cav_cw's own revocation, cut from the log, was"
		         " forgotten when %s; the reception caseworker reads the new address",
		         cut270_name[mode],
		         reopen ? "she opened the vault again"
		         : second ? "her open handle rebuilt its facts (without a word) from the"
		                    " cache her second handle saved on the fork"
		                  : "her open handle read its log again (a part of her cache gone)");
	}
	free(text);
}

static void test_attack__270a_own_revocation_forgotten_by_rebuild(void **state)
{
	(void)state;
	own_revocation_cut_270(CUT_OPEN_HANDLE);
}

/* 270c: 270a with the handle closed after her revocation and opened again
 * (her state folder kept outside the vault folder; the attacker also puts
 * back her witness copy in the key-slot file): the witness state was saved
 * only at open, so it predated her revocation, and her cache, ahead of the
 * cut log, was set aside as an older one.  It is saved at close now too. */
static void test_attack__270c_own_revocation_cut_between_two_opens(void **state)
{
	(void)state;
	own_revocation_cut_270(CUT_REOPEN);
}

/* 270b: the facts know whether another connection wrote by SQLite's
 * data_version (vault__facts_sync), a counter of one connection, kept in
 * the handle as a number.  A database key rotation (every disable) closes
 * the disabler's connection and opens a new one on the new file
 * (vault__store_rotate): the count starts again, and the number the facts
 * kept, of the old connection, is compared with the new connection's.
 * When they happen to agree (nobody else wrote while her handle was open:
 * both are 1), what was written to the new file before the new connection
 * first read it is never checked against the facts: not at the disable's
 * own vault.rekey entry, not at her next calls, until someone else
 * writes.  The perpetrator programme's caseworker, enabled and so sealed
 * the new database key, waits for the switch (the hook stands for his
 * process racing it: the new file under vault.db, the new key's seals
 * current, the disabler not yet reconnected) and puts his own public key
 * on the centre's members key row (org_pubkeys, the epoch the disable just
 * made: attack 4).  The supervisor then opens a case for a new victim and
 * writes her shelter: the case's keys are sealed to "the centre", that is
 * to him. */
static const char *g270b_dir;
static unsigned char g270b_pk[32], g270b_sk[32];
static int g270b_done;

static void rotation_race_hook(const char *step)
{
	unsigned char cur[32], pend[32];
	int has_cur = 0, has_pend = 0;
	sqlite3 *db;
	sqlite3_stmt *s;

	if (strcmp(step, "rotate.commit.after") != 0 || g270b_done)
		return;
	g270b_done = 1;
	assert_int_equal(vault__dbkey_get(g270b_dir, "cuav_cw", g270b_pk, g270b_sk, cur, &has_cur,
	                                  pend, &has_pend), VAULT_OK);
	assert_true(has_cur);
	db = th_db_open_key(g270b_dir, cur);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE org_pubkeys SET pk = ?1 WHERE org = 'cav'"
	                                        " AND which = 1 AND epoch = (SELECT epoch FROM orgs"
	                                        " WHERE id = 'cav')", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, g270b_pk, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* 280a: 270c, where the attacker makes the close's witness save fail: a
 * junk entry appended at the tail of the log before her close (the close
 * reads the entries since through her verifier, which refuses it, and
 * saves nothing), removed again with the revocation afterwards. */
static void test_attack__280a_close_witness_save_failed_by_junk_tail(void **state)
{
	(void)state;
	own_revocation_cut_270(CUT_JUNK_TAIL);
}

/* 295a: 280a, where the revocation is made by a second handle of hers,
 * which saves her witness state after it when it closes; her first handle,
 * opened before and holding a note of hers below the revocation, closes
 * last, its read of the entries since made to fail by the junk tail: its
 * save put her state back to its own note, below the revocation, and the
 * cut passed her next open.  A save now leaves a newer state of hers in
 * place (the state file under a lock on its folder, the copy in her key
 * slot under the key-slot file's). */
static void test_attack__295a_close_moves_witness_back(void **state)
{
	(void)state;
	own_revocation_cut_270(CUT_STALE_CLOSE);
}

/* 280b: 270a, where the attacker appends one valid entry of her own after
 * the cut: the handle's next sync reads it through the verifier (catch_up),
 * which never compares the entry now at the handle's own committed seq with
 * the hash it wrote, and floor_raise moves the floor onto the forked log;
 * the rebuild that follows (a cache part gone) then finds the floor there
 * and forgets the revocation. */
static void test_attack__280b_floor_moved_onto_fork_by_sync(void **state)
{
	(void)state;
	own_revocation_cut_270(CUT_FORK);
}

/* 280c: 270c, where the cut (and one valid entry of the attacker's after
 * it) happens while her handle is still open: her close reads the forked
 * log through her verifier (nothing compares the entry at her own
 * committed seq with the hash she wrote) and signs its tree as her witness
 * state, so her next open finds the fork consistent with it. */
static void test_attack__280c_close_witnesses_the_fork(void **state)
{
	(void)state;
	own_revocation_cut_270(CUT_FORK_THEN_CLOSE);
}

/* 280d: the right edge of the tree an append extends was loaded from the
 * stored nodes whenever the head had moved (another user wrote), and any
 * key-slot holder can rewrite those: an honest write then stored hashes
 * made from hers.  With the victim's handle open, the reception
 * caseworker opens the vault (one entry more), then overwrites every
 * stored node; the victim writes.  Her entry's stored hashes must be the
 * tree of the entries as they are (the verifier's edge), not hers. */
/* 290a: 280b, where the handle's floor holds only for one call.  The
 * handle's next sync reads the fork through catch_up and refuses it
 * (VAULT_ERR_INTEGRITY, F->dirty), but the call after it rebuilds from the
 * cache (rebuild -> rebuild_once(v, F, 1)), and the cache was saved by a
 * second handle of hers that opened the cut log (its witness states, from
 * the first handle's open, predate the revocation) and wrote past it.  The
 * cache's head is above the floor, and the log still holds it, so
 * cache_load_head accepts it; floor_check then finds the floor neither in
 * vh[] (empty: nothing was read after the cache's head) nor at the
 * verified head, and passes without comparing anything.  The revocation
 * is forgotten and her next write seals the shelter to the revoked
 * centre. */
static void test_attack__290a_floor_forgotten_after_one_refusal_via_second_handle_cache(
    void **state)
{
	(void)state;
	own_revocation_cut_270(CUT_SECOND_HANDLE);
}

/* 290b: 290a without the refusal.  The revocation is committed in a
 * batch (vault_begin, vault_revoke, a note written to another case whose
 * cache part is gone, vault_commit): the write's rebuild from the log
 * (records_of) replayed her unsigned entry, so facts.c sets rebuild_after, and her next call rebuilds (F->dirty)
 * before anything reads the log through catch_up.  The rebuild starts from
 * the cache the second handle saved on the fork, above the floor, and
 * floor_check compares nothing: no VAULT_ERR_INTEGRITY at all. */
static void test_attack__290b_floor_forgotten_by_rebuild_after_batch_via_second_handle_cache(
    void **state)
{
	(void)state;
	own_revocation_cut_270(CUT_BATCH_SECOND);
}

static void test_attack__280d_rewritten_tree_not_extended_by_an_honest_write(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE];
	unsigned char leaf[TLOG_HASH], want[TLOG_MAX_LEVELS][TLOG_HASH];
	int nwant = 0, same = 0;
	long long mine;
	tlog_frontier f;
	sqlite3 *db;
	sqlite3_stmt *s;
	vault_status st;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	v = th_open(dir, "cav_cw");
	vault_close(th_open(dir, "cas_cw"));
	db = th_db_open(dir, "cas_cw");
	assert_int_equal(sqlite3_exec(db, "UPDATE audit SET tree = zeroblob(length(tree))"
	                              " WHERE tree IS NOT NULL", NULL, NULL, NULL), SQLITE_OK);
	st = vault_record_put(v, cs, "note", VAULT_CLASS_GENERAL, "called", 6, NULL);
	printf("   280d: cav_cw writes: %s (%s)\n", vault_strerror(st), vault_errmsg(v));
	vault_close(v);
	mine = sql_intf(dir, "cas_cw", "SELECT max(seq) FROM audit WHERE actor = 'cav_cw' AND"
	                " action = 'record.put'");
	/* the tree of the entries' hashes, up to hers */
	vault__tlog_frontier_init(&f);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit ORDER BY seq", -1, &s,
	                                    NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 0) <= mine) {
		vault__tlog_leaf_hash(sqlite3_column_blob(s, 1), 32, leaf);
		assert_int_equal(vault__tlog_frontier_append(&f, leaf, want, &nwant), 0);
	}
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT tree FROM audit WHERE seq = ?1", -1, &s,
	                                    NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, mine);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) == nwant * TLOG_HASH)
		same = memcmp(sqlite3_column_blob(s, 0), want, (size_t)nwant * TLOG_HASH) == 0;
	sqlite3_finalize(s);
	sqlite3_close(db);
	th_rmdir(dir);
	if (st == VAULT_OK && !same)
		fail_msg("ATTACK SUCCEEDS (280d): an honest write extended stored tree nodes"
		         " rewritten around the library");
}

static void test_attack__270b_rows_planted_as_the_disabler_reconnects(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], nc[VAULT_ID_BUFSIZE], text[512] = "";
	unsigned char key[32];
	vault_status sd, sc = VAULT_ERR_DENIED, sp = VAULT_ERR_DENIED;
	int got = 0;
	sqlite3 *db;
	sqlite3_stmt *s;
	vault *v;

	(void)state;
	victim_case(dir, cs);
	own_box_keys(dir, "cuav_cw", g270b_pk, g270b_sk);
	g270b_dir = dir;
	g270b_done = 0;
	/* the centre's supervisor, her handle open: a caseworker leaves */
	v = th_open(dir, "cav_sup");
	vault__crash_hook = rotation_race_hook;
	sd = vault_user_disable(v, "cav_cw");
	vault__crash_hook = NULL;
	printf("   270b: cav_sup disables cav_cw: %s (%s)\n", vault_strerror(sd), vault_errmsg(v));
	assert_true(g270b_done); /* the race ran */
	/* a new victim comes to the centre */
	if (sd == VAULT_OK) {
		sc = vault_case_create(v, VAULT_CASE_VICTIM, 0, nc);
		printf("   270b: cav_sup opens a new case: %s (%s)\n", vault_strerror(sc),
		       vault_errmsg(v));
	}
	if (sc == VAULT_OK) {
		sp = vault_record_put(v, nc, "shelter", VAULT_CLASS_SAFETY, "via Po 9, Torino", 16,
		                      NULL);
		printf("   270b: cav_sup writes her shelter: %s (%s)\n", vault_strerror(sp),
		       vault_errmsg(v));
	}
	vault_close(v);
	if (sp == VAULT_OK) {
		/* the programme's caseworker: the seal to "the centre" opens with
		 * his own key */
		db = th_db_open(dir, "cuav_cw");
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM class_keys WHERE"
		                                        " case_id = ?1 AND class = 4 AND hkind = 1"
		                                        " AND holder = 'cav'", -1, &s, NULL),
		                 SQLITE_OK);
		sqlite3_bind_text(s, 1, nc, -1, SQLITE_STATIC);
		while (!got && sqlite3_step(s) == SQLITE_ROW)
			got = vault__unseal(key, sqlite3_column_blob(s, 0),
			                    (size_t)sqlite3_column_bytes(s, 0), g270b_pk, g270b_sk) == 0;
		sqlite3_finalize(s);
		sqlite3_close(db);
		if (got)
			got = decrypt_with(dir, "cuav_cw", nc, VAULT_CLASS_SAFETY, "shelter", key, text,
			                   sizeof(text));
		printf("   270b: cuav_cw reads the new victim's shelter: %s\n", got ? text : "no");
	}
	th_rmdir(dir);
	if (got)
		fail_msg("ATTACK SUCCEEDS (270b): a row planted in the new file as the disabler's"
		         " handle reconnected was never checked against the facts; the new case's"
		         " keys were sealed to the perpetrator programme's caseworker, who reads"
		         " the new victim's shelter: %s", text);
}

/* ---- 300: the thirtieth review ------------------------------------------ */

/* The end of a 300 scenario: cav_cw (handle v, or a new open) writes the
 * new address; does the reception caseworker read it? */
static int new_address_leaks_300(const char *dir, const char *cs, vault *v, const char *tag_)
{
	vault_status sp, stg = VAULT_ERR_DENIED;
	char *text = NULL;
	int leaked;

	sp = vault_record_put(v, cs, "shelter", VAULT_CLASS_SAFETY, "via Po 9, Torino", 16, NULL);
	printf("   %s: cav_cw writes the new address: %s (%s)\n", tag_, vault_strerror(sp),
	       vault_errmsg(v));
	vault_close(v);
	if (sp == VAULT_OK)
		stg = get_cls(dir, "cas_cw", cs, "shelter", VAULT_CLASS_SAFETY, &text);
	printf("   %s: cas_cw reads the shelter: %s%s%s\n", tag_, vault_strerror(stg),
	       text ? ": " : "", text ? text : "");
	leaked = stg == VAULT_OK && text != NULL && strcmp(text, "via Po 9, Torino") == 0;
	free(text);
	return leaked;
}

/* 300a: the witness state is written over, never compared with the one
 * it replaces.  cav_cw has an application open (handle A, opened with her
 * state folder) and revokes the reception centre from a second handle
 * (the CLI, `vault revoke`, same state folder): B's close saves her state
 * past the revocation, in the state folder and in her key-slot copy.  The
 * reception caseworker appends a junk row at the tail of the log; A is
 * closed (the application quits): its close cannot read the log through
 * its verifier and saves the tree up to A's floor (280a's fallback),
 * which lies below the revocation, over the newer state B saved, in both
 * copies.  She then cuts the log from the revocation on and puts the
 * case's rows back (no key-slot file put back: her own library rolled
 * the state back).  cav_cw's next open finds both witness states a prefix
 * of the cut log and goes on; she writes the new shelter address under
 * the key the reception centre still holds. */
static void test_attack__300a_older_handle_close_rolls_back_witness_state(void **state)
{
	char *dir = th_network(), *base2 = th_tmpdir(), dir2[4096], *sd = th_tmpdir();
	char cs[VAULT_ID_BUFSIZE], cb[VAULT_ID_BUFSIZE];
	vault_status so2 = VAULT_OK;
	long long r;
	int leaked = 0;
	vault *a, *b, *c;

	(void)state;
	snprintf(dir2, sizeof(dir2), "%s/v", base2);
	setup_300(dir, cs, cb, dir2);
	a = open_with_state(dir, "cav_cw", sd, &so2); /* the application */
	assert_non_null(a);
	b = open_with_state(dir, "cav_cw", sd, &so2); /* the CLI */
	assert_non_null(b);
	status_is(b, vault_revoke(b, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK, "revoke");
	vault_close(b);
	junk_tail_300(dir);
	vault_close(a);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 2);
	r = sql_intf(dir, "cas_cw", "SELECT min(seq) FROM audit WHERE action = 'revoke' AND"
	             " case_id = '%s'", cs);
	assert_true(r > 0);
	cut_and_put_back_300(dir, dir2, cs, r, NULL);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 1);
	c = open_with_state(dir, "cav_cw", sd, &so2);
	printf("   300a: cav_cw opens again: %s (%s)\n", vault_strerror(so2),
	       c ? "" : vault_last_errmsg());
	if (c != NULL)
		leaked = new_address_leaks_300(dir, cs, c, "300a");
	th_rmdir(dir);
	th_rmdir(base2);
	th_rmdir(sd);
	if (leaked)
		fail_msg("ATTACK SUCCEEDS (300a): the close of her older handle wrote its older"
		         " witness state over the newer one her second handle saved; her"
		         " revocation, cut from the log, was forgotten at her next open, and the"
		         " reception caseworker reads the new address");
}

/* 300b: 240a through an older handle's close, no junk needed.  The
 * supervisor has an application open (handle A, her state folder) and
 * disables the caseworker from the CLI (handle B, same state folder): the
 * key rotates, and B saves her witness state past the rotation's
 * vault.rekey entry (key-slot copy and state file).  Then she quits the
 * application, which made no call since: A's connection is still on the
 * old file (it has not looked: db_moved is 0), its close reads the old
 * file's log through its verifier (which holds everything but vault.rekey)
 * and saves that tree over B's state, in both copies.  The disabled
 * caseworker then puts the old file back (230a, her hard link) and seals
 * her old key as everyone's: nothing else needs to be put back.  The
 * supervisor's next open finds both states a prefix of the old file's log,
 * and the centre works on in the file her old key opens. */
static void test_attack__300b_older_handle_close_witnesses_the_old_file(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], names[32][64];
	char keep[4096], db[4096], sd[4096];
	unsigned char oldkey[32], pks[32][32];
	char *before = NULL, *after = NULL, *closed = NULL;
	int old_reads;
	size_t n;
	vault_status st;
	vault *a, *b, *v;

	(void)state;
	assert_true(snprintf(sd, sizeof(sd), "%s.300b-state", dir) < (int)sizeof(sd));
	n = link_kept_230(dir, cs, oldkey, names, pks, keep, db, "300b");
	a = open_with_state(dir, "cav_sup", sd, &st); /* the application */
	assert_non_null(a);
	assert_int_equal(vault__slot_witness_get(dir, "cav_sup", &before), VAULT_OK);
	b = open_with_state(dir, "cav_sup", sd, &st); /* the CLI */
	assert_non_null(b);
	status_is(b, vault_user_disable(b, "cav_cw"), VAULT_OK, "disable");
	vault_close(b);
	assert_false(old_key_reads_case(dir, oldkey, cs)); /* control: rotated */
	assert_int_equal(vault__slot_witness_get(dir, "cav_sup", &after), VAULT_OK);
	vault_close(a); /* the application quits */
	assert_int_equal(vault__slot_witness_get(dir, "cav_sup", &closed), VAULT_OK);
	printf("   300b: her key-slot copy after the application's close is %s\n",
	       closed && after && strcmp(closed, after) == 0 ? "the CLI's (past vault.rekey)"
	       : "another one (older)");
	free(before);
	free(after);
	free(closed);

	put_old_file_back_230(dir, keep, db, oldkey, cs, names, pks, n);
	v = open_with_state(dir, "cav_sup", sd, &st);
	printf("   300b: the disabler's open (state folder) of the old file put back: %s (%s)\n",
	       vault_strerror(st), v ? "" : vault_last_errmsg());
	if (v == NULL) {
		refused(NULL, st, "an open of the old file put back");
		sodium_memzero(oldkey, sizeof(oldkey));
		th_rmdir(strdup(sd));
		th_rmdir(dir);
		return;
	}
	vault_close(v);
	old_reads = life_goes_on_230(dir, oldkey, "300b");
	sodium_memzero(oldkey, sizeof(oldkey));
	th_rmdir(strdup(sd));
	th_rmdir(dir);
	if (old_reads)
		fail_msg("ATTACK SUCCEEDS (300b): the close of the disabler's older handle (still"
		         " on the old file) saved the old file's tree over the witness state her"
		         " disable had saved past vault.rekey; the disabled caseworker put the old"
		         " file back, the disabler's open goes on, and the old key reads the case"
		         " opened after the disable");
}

/* 300c: a handle left open never learns what another handle of the same
 * user wrote and saved as her witness state.  cav_cw has an application
 * open (handle A, her state folder); from the CLI (handle B, same folder)
 * she revokes the reception centre, and B's close saves her state past
 * the revocation.  Before A makes any call, the reception caseworker cuts
 * the log from the revocation on and puts the case's rows back.  A's next
 * sync reads the log after what A verified (nothing of the revocation, so
 * nothing to refuse), the rows agree with A's facts, and A's write of the
 * new address is sealed under the key the reception centre holds.  Her
 * state (in both copies) says she saw the revocation: only her next open
 * would tell, after the leak. */
static void test_attack__300c_open_handle_ignores_state_saved_by_her_other_handle(void **state)
{
	char *dir = th_network(), *base2 = th_tmpdir(), dir2[4096], *sd = th_tmpdir();
	char cs[VAULT_ID_BUFSIZE], cb[VAULT_ID_BUFSIZE];
	vault_buf bf = VAULT_BUF_INIT;
	vault_status so2 = VAULT_OK, sg;
	long long r;
	int leaked;
	vault *a, *b;

	(void)state;
	snprintf(dir2, sizeof(dir2), "%s/v", base2);
	setup_300(dir, cs, cb, dir2);
	a = open_with_state(dir, "cav_cw", sd, &so2); /* the application */
	assert_non_null(a);
	b = open_with_state(dir, "cav_cw", sd, &so2); /* the CLI */
	assert_non_null(b);
	status_is(b, vault_revoke(b, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK, "revoke");
	vault_close(b);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 2);
	r = sql_intf(dir, "cas_cw", "SELECT min(seq) FROM audit WHERE action = 'revoke' AND"
	             " case_id = '%s'", cs);
	assert_true(r > 0);
	cut_and_put_back_300(dir, dir2, cs, r, NULL);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 1);
	sg = vault_record_get_v2(a, cb, "notes", VAULT_CLASS_GENERAL, 0, &bf, NULL, NULL);
	printf("   300c: the application reads a note of another case: %s (%s)\n",
	       vault_strerror(sg), vault_errmsg(a));
	vault_buf_free(&bf);
	leaked = new_address_leaks_300(dir, cs, a, "300c");
	/* ...and her own close saved the cut log's tree as her state */
	b = open_with_state(dir, "cav_cw", sd, &so2);
	printf("   300c: cav_cw's next open, with her state folder: %s (%s)\n",
	       vault_strerror(so2), b ? "the cut goes unnoticed" : vault_last_errmsg());
	vault_close(b);
	th_rmdir(dir);
	th_rmdir(base2);
	th_rmdir(sd);
	if (leaked)
		fail_msg("ATTACK SUCCEEDS (300c): her revocation, made from her second handle and"
		         " saved in her witness state, was cut from the log; her application's"
		         " handle, left open, wrote the new address under the key of the revoked"
		         " centre, which reads it");
}

/* ---- 310: the thirty-first review (an insider with a key slot) ---------- */

/* A file planted under `name` in the vault folder (anyone who writes the
 * folder can); its path into out. */
static void plant_file_310(const char *dir, const char *name, char *out, size_t cap)
{
	int fd;

	assert_true(snprintf(out, cap, "%s/%s", dir, name) < (int)cap);
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

/* 310a: 270c through the close that "saves nothing on a replaced file"
 * (300b's fix).  vault__store_moved() calls the file replaced when
 * vault.db is another inode OR when a file named vault.db.rotate-oldwal
 * (or -oldshm) merely exists in the folder, and the close of a handle
 * whose file it calls replaced saves no witness state.  cav_cw (her state
 * folder) revokes the reception centre; before her handle closes (the CLI
 * closes right after the command; an application whenever its user quits,
 * or reopens after the "reopen" refusal the plant itself causes) the
 * reception caseworker creates an empty file vault.db.rotate-oldwal, and
 * removes it after the close: her witness state (both copies) stays the
 * one of her open, below the revocation.  She then cuts the log from the
 * revocation on, puts the case's rows back and drops the cache parts (no
 * key-slot file put back: it was never advanced); cav_cw's next open finds
 * both states a prefix of the cut log and writes the new address under the
 * key the reception centre still holds. */
static void test_attack__310a_close_save_suppressed_by_planted_aside_wal(void **state)
{
	char *dir = th_network(), *base2 = th_tmpdir(), dir2[4096], *sd = th_tmpdir();
	char cs[VAULT_ID_BUFSIZE], cb[VAULT_ID_BUFSIZE], plant[4200];
	char *before = NULL, *after = NULL;
	vault_status so2 = VAULT_OK;
	long long r;
	int leaked = 0, same;
	vault *a, *c;

	(void)state;
	snprintf(dir2, sizeof(dir2), "%s/v", base2);
	setup_300(dir, cs, cb, dir2);
	a = open_with_state(dir, "cav_cw", sd, &so2);
	assert_non_null(a);
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &before), VAULT_OK);
	status_is(a, vault_revoke(a, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK, "revoke");
	/* the attacker: an empty file under the name of a rotation's set-aside
	 * log, for the moment of her close */
	plant_file_310(dir, "vault.db.rotate-oldwal", plant, sizeof(plant));
	vault_close(a);
	assert_int_equal(unlink(plant), 0);
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &after), VAULT_OK);
	same = before && after && strcmp(before, after) == 0;
	printf("   310a: her key-slot witness copy after the close is %s\n",
	       same ? "the one of her open (before the revocation)" : "newer");
	free(before);
	free(after);
	/* (the attack took effect when the close saved nothing) */
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 2);
	r = sql_intf(dir, "cas_cw", "SELECT min(seq) FROM audit WHERE action = 'revoke' AND"
	             " case_id = '%s'", cs);
	assert_true(r > 0);
	cut_and_put_back_300(dir, dir2, cs, r, NULL);
	cache_parts_drop(dir, "cav_cw");
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 1);
	c = open_with_state(dir, "cav_cw", sd, &so2);
	printf("   310a: cav_cw opens again (state folder): %s (%s)\n", vault_strerror(so2),
	       c ? "the cut goes unnoticed" : vault_last_errmsg());
	if (c != NULL)
		leaked = new_address_leaks_300(dir, cs, c, "310a");
	else
		refused(NULL, so2, "310a: her open of the cut log");
	th_rmdir(dir);
	th_rmdir(base2);
	th_rmdir(sd);
	if (leaked)
		fail_msg("ATTACK SUCCEEDS (310a): an empty file planted as vault.db.rotate-oldwal"
		         " for the moment of her close made the close save no witness state; her"
		         " revocation, cut from the log, was forgotten at her next open (state"
		         " folder and all), and the reception caseworker reads the new address");
}

/* 310b: 240a through the same planted name, at the rotation.  The disabled
 * caseworker keeps a hard link to vault.db (230a) and watches the folder
 * (inotify): the moment the rotation removes what it set aside
 * (rotate.aside.removed), she creates an empty vault.db.rotate-oldwal
 * again.  The rotation has switched files; its handle's reopen then finds
 * "a rotation under way" (vault__store_moved) and cannot follow, so the
 * disable writes no vault.rekey entry and saves no witness state (the
 * error says the key was rotated: close and open again), and its close
 * saves nothing either.  She removes the planted file, puts the old file
 * back and seals her old key as everyone's (230a): the supervisor's next
 * open, with her state folder, finds both states (those of her open,
 * before the disable) a prefix of the old file's log. */
static const char *g310b_dir;
static int g310b_done;

static void plant_after_aside_removed_310b(const char *step)
{
	char plant[4200];

	if (strcmp(step, "rotate.aside.removed") != 0 || g310b_done)
		return;
	g310b_done = 1;
	plant_file_310(g310b_dir, "vault.db.rotate-oldwal", plant, sizeof(plant));
}

static void test_attack__310b_rotation_rekey_entry_suppressed_by_planted_aside_wal(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], names[32][64], plant[4200];
	char keep[4096], db[4096], sd[4096];
	unsigned char oldkey[32], pks[32][32];
	vault_status st, sdis;
	int old_reads;
	size_t n;
	vault *v;

	(void)state;
	assert_true(snprintf(sd, sizeof(sd), "%s.310b-state", dir) < (int)sizeof(sd));
	n = link_kept_230(dir, cs, oldkey, names, pks, keep, db, "310b");
	v = open_with_state(dir, "cav_sup", sd, &st);
	assert_non_null(v);
	g310b_dir = dir;
	g310b_done = 0;
	vault__crash_hook = plant_after_aside_removed_310b;
	sdis = vault_user_disable(v, "cav_cw");
	vault__crash_hook = NULL;
	printf("   310b: cav_sup disables cav_cw: %s (%s)\n", vault_strerror(sdis),
	       vault_errmsg(v));
	vault_close(v);
	assert_true(g310b_done);
	printf("   310b: vault.rekey entries in the new file: %lld (the attack took effect"
	       " at 0)\n", sql_intf(dir, "cav_sup", "SELECT count(*) FROM audit WHERE action ="
	                             " 'vault.rekey'"));
	assert_false(old_key_reads_case(dir, oldkey, cs)); /* control: rotated */
	plant_path(plant, sizeof(plant), dir, ".rotate-oldwal");
	assert_int_equal(unlink(plant), 0);

	put_old_file_back_230(dir, keep, db, oldkey, cs, names, pks, n);
	v = open_with_state(dir, "cav_sup", sd, &st);
	printf("   310b: the disabler's open (state folder) of the old file put back: %s (%s)\n",
	       vault_strerror(st), v ? "" : vault_last_errmsg());
	if (v == NULL) {
		refused(NULL, st, "an open of the old file put back");
		sodium_memzero(oldkey, sizeof(oldkey));
		th_rmdir(strdup(sd));
		th_rmdir(dir);
		return;
	}
	vault_close(v);
	old_reads = life_goes_on_230(dir, oldkey, "310b");
	sodium_memzero(oldkey, sizeof(oldkey));
	th_rmdir(strdup(sd));
	th_rmdir(dir);
	if (old_reads)
		fail_msg("ATTACK SUCCEEDS (310b): an empty vault.db.rotate-oldwal planted right"
		         " after the rotation removed its set-aside files made the disabler's"
		         " handle unable to follow: no vault.rekey entry, no witness state past"
		         " the disable; the disabled caseworker put the old file back, the"
		         " disabler's open (state folder) goes on, and her old key reads the case"
		         " opened after the disable");
}

/* 310c: 300c with the cut made while her second handle is still open.
 * vault__witness_recheck runs only from vault__facts_sync, and only when
 * PRAGMA data_version says another connection wrote; a witness save writes
 * files, not the database.  cav_cw has an application open (handle A, her
 * state folder) and `vault shell` (handle B, same folder); in B she revokes
 * the reception centre.  The reception caseworker cuts the log from the
 * revocation on and puts the case's rows back while B is still open; A
 * reads a note (its sync reads the cut log and rechecks her copies: only
 * the states of the opens, below the revocation, are there).  Then she
 * quits the shell: B's close saves her state past the revocation (the tree
 * up to B's floor, 280a's fallback), in both copies.  A writes the new
 * address: nothing wrote to the database since A's last sync, so no
 * recheck runs, and the address goes under the key the reception centre
 * holds; only her next open says the log was cut, after the leak. */
static void state_saved_after_the_cut_310c(int batch)
{
	const char *tag_ = batch ? "310f" : "310c";
	char *dir = th_network(), *base2 = th_tmpdir(), dir2[4096], *sd = th_tmpdir();
	char cs[VAULT_ID_BUFSIZE], cb[VAULT_ID_BUFSIZE], *text = NULL;
	char *before = NULL, *after = NULL;
	vault_buf bf = VAULT_BUF_INIT;
	vault_status so2 = VAULT_OK, sg, sp, sc;
	long long r;
	int leaked, moved;
	vault *a, *b;

	snprintf(dir2, sizeof(dir2), "%s/v", base2);
	setup_300(dir, cs, cb, dir2);
	a = open_with_state(dir, "cav_cw", sd, &so2); /* the application */
	assert_non_null(a);
	b = open_with_state(dir, "cav_cw", sd, &so2); /* vault shell */
	assert_non_null(b);
	status_is(b, vault_revoke(b, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK, "revoke");
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 2);
	r = sql_intf(dir, "cas_cw", "SELECT min(seq) FROM audit WHERE action = 'revoke' AND"
	             " case_id = '%s'", cs);
	assert_true(r > 0);
	cut_and_put_back_300(dir, dir2, cs, r, NULL);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 1);
	/* the application, in the meantime (310f: a batch begins, its first
	 * operation a note of another case) */
	if (batch) {
		status_is(a, vault_begin(a), VAULT_OK, "begin");
		sg = vault_record_put(a, cb, "notes", VAULT_CLASS_GENERAL, "in the batch", 12,
		                      NULL);
		printf("   310f: the application's batch writes a note of another case: %s (%s)\n",
		       vault_strerror(sg), vault_errmsg(a));
	} else {
		sg = vault_record_get_v2(a, cb, "notes", VAULT_CLASS_GENERAL, 0, &bf, NULL, NULL);
		printf("   310c: the application reads a note of another case: %s (%s)\n",
		       vault_strerror(sg), vault_errmsg(a));
		vault_buf_free(&bf);
	}
	/* she quits the shell: its close saves her state past the revocation */
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &before), VAULT_OK);
	vault_close(b);
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &after), VAULT_OK);
	moved = before && after && strcmp(before, after) != 0;
	printf("   %s: the shell's close saved her witness state: %s\n", tag_,
	       moved ? "yes (past the revocation)" : "no");
	free(before);
	free(after);
	assert_true(moved); /* the state says she saw the revocation */
	if (batch) {
		/* the batch goes on: the new address, and the commit */
		sp = vault_record_put(a, cs, "shelter", VAULT_CLASS_SAFETY, "via Po 9, Torino", 16,
		                      NULL);
		sc = sp == VAULT_OK ? vault_commit(a) : (vault_rollback(a), sp);
		printf("   310f: the batch writes the new address: %s; commits: %s (%s)\n",
		       vault_strerror(sp), vault_strerror(sc), vault_errmsg(a));
		vault_close(a);
		leaked = sc == VAULT_OK &&
		         get_cls(dir, "cas_cw", cs, "shelter", VAULT_CLASS_SAFETY, &text) == VAULT_OK &&
		         text != NULL && strcmp(text, "via Po 9, Torino") == 0;
		free(text);
	} else {
		leaked = new_address_leaks_300(dir, cs, a, tag_);
	}
	b = open_with_state(dir, "cav_cw", sd, &so2);
	printf("   %s: cav_cw's next open, with her state folder: %s (%s)\n", tag_,
	       vault_strerror(so2), b ? "the cut goes unnoticed" : vault_last_errmsg());
	vault_close(b);
	th_rmdir(dir);
	th_rmdir(base2);
	th_rmdir(sd);
	if (leaked)
		fail_msg("ATTACK SUCCEEDS (%s): her revocation, made in her second handle, was"
		         " cut from the log while that handle was open; its close then saved her"
		         " state past the revocation, but her application's handle, which had"
		         " synced in between, never checked it again (nothing wrote to the"
		         " database) and wrote the new address under the key of the revoked"
		         " centre, which reads it", tag_);
}

static void test_attack__310c_state_saved_after_the_cut_not_rechecked(void **state)
{
	(void)state;
	state_saved_after_the_cut_310c(0);
}

/* 310f: 310c inside a vault_begin() batch: its first operation reads the cut
 * log and rechecks her copies (only the states of the opens, below the
 * revocation); her shell's close then saves her state past it, while the
 * batch is open (a witness save writes files, not the database); the later
 * operations of the batch hold the write lock and read nothing new.  The
 * batch's commit checks her copies again. */
static void test_attack__310f_state_saved_during_a_batch_after_the_cut(void **state)
{
	(void)state;
	state_saved_after_the_cut_310c(1);
}

/* 310d: a save replaces a smaller state of hers without asking whether
 * the tree it saves extends it (newer_state compares sizes only).  cav_cw
 * has an application open (handle A, her state folder) that wrote a note;
 * from the CLI (handle B) she revokes the reception centre, and B's close
 * saves her state past the revocation.  The reception caseworker cuts the
 * log from the revocation on, puts the case's rows back, and reads the
 * shelter once through the API (her library signs two entries of her own
 * on the cut log: the fork is now longer than her state).  The application
 * quits without another call: A's close reads the fork through its
 * verifier (A's floor, its note, lies below the cut) and saves the fork's
 * tree over B's state, in both copies, since it is larger.  Her next open
 * finds both states a prefix of the forked log; she writes the new
 * address under the key the reception centre still holds. */
/* 310d, 320a, 320b: how the log is broken for the moment of the close. */
enum fork_break {
	FORK_PLAIN,      /* 310d: not at all */
	FORK_BROKEN_ROW, /* 320a: entry 1 malformed, mended after */
	FORK_ROW_ZERO,   /* 320b: a row 0 planted, removed after */
};

static void fork_over_her_state(enum fork_break how);

static void test_attack__310d_close_saves_a_fork_over_her_smaller_state(void **state)
{
	(void)state;
	fork_over_her_state(FORK_PLAIN);
}

/* 310e: 300a through a passphrase change.  A save leaves a newer state in
 * place only if it is "hers" to the saving handle: signed with that
 * handle's key or one the log says she replaced (was_her_key).  A handle
 * opened before her passphrase change knows only her old key, and the log
 * holds no user.rekey signed with her new one: the newer state, signed with
 * the new key, is not hers to it, and its close writes its older tree,
 * signed with the OLD key, over it, in both copies; her next open (new key)
 * accepts a state signed with the old key (was_her_key).  cav_cw has an
 * application open (A, state folder) that wrote a note; in the CLI she
 * changes her passphrase, then (a second command, new passphrase) revokes
 * the reception centre: her state is saved past the revocation, signed with
 * her new key.  The reception caseworker appends a junk row at the tail
 * (280a), so that A's close saves the tree up to its note; A is closed;
 * she cuts the log from the revocation on and puts the case's rows back.
 * cav_cw's next open (new passphrase, state folder) goes on. */
static void test_attack__310e_older_handle_close_after_passwd_rolls_back_witness(void **state)
{
	static const char np[] = "a brand new passphrase for cav_cw 310e";
	char *dir = th_network(), *base2 = th_tmpdir(), dir2[4096], *sd = th_tmpdir();
	char cs[VAULT_ID_BUFSIZE], cb[VAULT_ID_BUFSIZE];
	char *past = NULL, *closed = NULL;
	vault_open_options o = VAULT_OPEN_OPTIONS_INIT;
	vault_status so2 = VAULT_OK;
	long long r;
	int leaked = 0, replaced;
	vault *a, *b, *c = NULL;

	(void)state;
	snprintf(dir2, sizeof(dir2), "%s/v", base2);
	setup_300(dir, cs, cb, dir2);
	o.state_dir = sd;
	a = open_with_state(dir, "cav_cw", sd, &so2); /* the application */
	assert_non_null(a);
	status_is(a, vault_record_put(a, cb, "notes", VAULT_CLASS_GENERAL, "called again", 12,
	                              NULL), VAULT_OK, "note");
	b = open_with_state(dir, "cav_cw", sd, &so2); /* the CLI: vault passwd */
	assert_non_null(b);
	status_is(b, vault_passwd(b, (const unsigned char *)np, strlen(np), TEST_KDF), VAULT_OK,
	          "passwd");
	vault_close(b);
	b = NULL; /* the CLI: vault revoke, with her new passphrase */
	so2 = vault_open(dir, "cav_cw", (const unsigned char *)np, strlen(np), &o, &b);
	status_is(b, so2, VAULT_OK, "open with the new passphrase");
	status_is(b, vault_revoke(b, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK, "revoke");
	vault_close(b);
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &past), VAULT_OK);
	junk_tail_300(dir);
	vault_close(a); /* the application quits */
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &closed), VAULT_OK);
	replaced = past && closed && strcmp(past, closed) != 0;
	printf("   310e: the application's close %s her state past the revocation\n",
	       replaced ? "replaced (older tree, old key)" : "left");
	free(past);
	free(closed);
	r = sql_intf(dir, "cas_cw", "SELECT min(seq) FROM audit WHERE action = 'revoke' AND"
	             " case_id = '%s'", cs);
	assert_true(r > 0);
	cut_and_put_back_300(dir, dir2, cs, r, NULL);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 1);
	so2 = vault_open(dir, "cav_cw", (const unsigned char *)np, strlen(np), &o, &c);
	printf("   310e: cav_cw opens again (new passphrase, state folder): %s (%s)\n",
	       vault_strerror(so2), so2 == VAULT_OK ? "the cut goes unnoticed"
	                                            : vault_last_errmsg());
	if (so2 == VAULT_OK)
		leaked = new_address_leaks_300(dir, cs, c, "310e");
	else
		refused(NULL, so2, "310e: her open of the cut log");
	th_rmdir(dir);
	th_rmdir(base2);
	th_rmdir(sd);
	if (leaked)
		fail_msg("ATTACK SUCCEEDS (310e): her application's handle, opened before her"
		         " passphrase change, did not know the state her CLI saved with her new"
		         " key as hers and wrote its older tree (signed with her old key) over it;"
		         " her revocation, cut from the log, was forgotten at her next open, and"
		         " the reception caseworker reads the new address");
}

/* ---- 320: the thirty-second review (an insider with a key slot) -------- */

/* The attacker breaks (or mends) audit entry `seq`: its hash cut to 31
 * bytes, the original kept in *saved (32 bytes) to put back. */
static void break_row_320(const char *dir, long long seq, unsigned char saved[32], int mend)
{
	sqlite3 *db = th_db_open(dir, "cas_cw");
	sqlite3_stmt *s = NULL;

	if (!mend) {
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash FROM audit WHERE seq = ?1", -1,
		                                    &s, NULL), SQLITE_OK);
		sqlite3_bind_int64(s, 1, seq);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_bytes(s, 0), 32);
		memcpy(saved, sqlite3_column_blob(s, 0), 32);
		sqlite3_finalize(s);
	}
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit SET hash = ?1 WHERE seq = ?2", -1,
	                                    &s, NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, saved, mend ? 32 : 31, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, seq);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* 320a: 310d through prefix_of's "the log no longer holds t" (2).  A save
 * keeps a state of hers that its tree t does not extend, unless the log
 * no longer holds t: then t is saved over it, whatever it was.  Whether
 * the log holds t is asked of the entries' hashes from the first one on
 * (log_roots), while the close's read of the log (catch_up) reads only
 * the entries after what the handle verified.  So, as in 310d: cav_cw's
 * application (A) wrote a note; her CLI (B) revokes the reception centre
 * and saves her state past the revocation; the reception caseworker cuts
 * the log from the revocation on, puts the case's rows back and makes the
 * fork longer than her state (one API read).  Then, for the moment of A's
 * close, she cuts the hash of entry 1 to 31 bytes: A's close reads the
 * fork (entries after its note) and verifies it, log_roots finds entry 1
 * malformed, prefix_of says 2, and keep_found lets the fork's tree be
 * saved over her state past the revocation, in both copies.  She mends
 * entry 1; cav_cw's next open finds both states a prefix of the fork. */
static void fork_over_her_state(enum fork_break how)
{
	static const char *const tags[] = {"310d", "320a", "320b"};
	const char *tag_ = tags[how];
	char *dir = th_network(), *base2 = th_tmpdir(), dir2[4096], *sd = th_tmpdir();
	char cs[VAULT_ID_BUFSIZE], cb[VAULT_ID_BUFSIZE], *text = NULL;
	char *past = NULL, *closed = NULL;
	unsigned char saved[32];
	vault_status so2 = VAULT_OK;
	long long r, head;
	int leaked = 0, replaced;
	vault *a, *b, *c;

	snprintf(dir2, sizeof(dir2), "%s/v", base2);
	setup_300(dir, cs, cb, dir2);
	a = open_with_state(dir, "cav_cw", sd, &so2); /* the application */
	assert_non_null(a);
	status_is(a, vault_record_put(a, cb, "notes", VAULT_CLASS_GENERAL, "called again", 12,
	                              NULL), VAULT_OK, "note");
	b = open_with_state(dir, "cav_cw", sd, &so2); /* the CLI */
	assert_non_null(b);
	status_is(b, vault_revoke(b, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK, "revoke");
	vault_close(b);
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &past), VAULT_OK);
	r = sql_intf(dir, "cas_cw", "SELECT min(seq) FROM audit WHERE action = 'revoke' AND"
	             " case_id = '%s'", cs);
	assert_true(r > 0);
	cut_and_put_back_300(dir, dir2, cs, r, NULL);
	assert_int_equal(get_cls(dir, "cas_cw", cs, "shelter", VAULT_CLASS_SAFETY, &text),
	                 VAULT_OK);
	free(text);
	text = NULL;
	head = sql_intf(dir, "cas_cw", "SELECT max(seq) FROM audit");
	printf("   %s: the revocation was entry %lld; the forked log has %lld entries\n", tag_,
	       r, head);
	assert_true(head > r); /* the fork is longer than her state */
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 1);
	if (how == FORK_PLAIN) {
		vault_close(a); /* the application quits */
	} else if (how == FORK_BROKEN_ROW) {
		/* the attacker: entry 1 malformed for the moment of A's close */
		break_row_320(dir, 1, saved, 0);
		vault_close(a); /* the application quits */
		break_row_320(dir, 1, saved, 1);
	} else {
		/* 320b: a row 0 (a copy of entry 1) planted for the moment of
		 * A's close: no genuine row touched */
		sqlite3 *db = th_db_open(dir, "cas_cw");

		assert_int_equal(sqlite3_exec(db, "CREATE TEMP TABLE z AS SELECT * FROM audit WHERE"
		                              " seq = 1; UPDATE z SET seq = 0;"
		                              "INSERT INTO audit SELECT * FROM z;",
		                              NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		assert_int_equal(sql_intf(dir, "cas_cw", "SELECT count(*) FROM audit WHERE"
		                          " seq = 0"), 1);
		vault_close(a); /* the application quits */
		db = th_db_open(dir, "cas_cw"); /* and removed again */
		assert_int_equal(sqlite3_exec(db, "DELETE FROM audit WHERE seq = 0", NULL, NULL,
		                              NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &closed), VAULT_OK);
	replaced = past && closed && strcmp(past, closed) != 0;
	printf("   %s: the application's close %s her state past the revocation\n", tag_,
	       replaced ? "replaced (the fork's tree)" : "left");
	free(past);
	free(closed);
	c = open_with_state(dir, "cav_cw", sd, &so2);
	printf("   %s: cav_cw opens again (state folder): %s (%s)\n", tag_, vault_strerror(so2),
	       c ? "the fork goes unnoticed" : vault_last_errmsg());
	if (c != NULL)
		leaked = new_address_leaks_300(dir, cs, c, tag_);
	else
		refused(NULL, so2, "her open of the forked log");
	th_rmdir(dir);
	th_rmdir(base2);
	th_rmdir(sd);
	if (leaked)
		fail_msg("ATTACK SUCCEEDS (%s): the close of her application's handle saved the"
		         " tree of a forked log (her revocation cut, entries of the attacker's"
		         " after%s) over the state her CLI had saved past the revocation; her"
		         " next open went on, and the reception caseworker reads the new"
		         " address", tag_,
		         how == FORK_ROW_ZERO ? "; a row 0 planted for the moment of the close"
		         : how == FORK_BROKEN_ROW ? "; entry 1 malformed for the moment of the close"
		                                  : "");
}

static void test_attack__320a_malformed_low_row_lets_close_save_fork_over_her_state(
    void **state)
{
	(void)state;
	fork_over_her_state(FORK_BROKEN_ROW);
}

/* 320b: 320a with no genuine row touched: a row numbered 0 (a copy of
 * entry 1) inserted for the moment of the close and deleted after.
 * log_roots reads every row with seq <= t's size, from the lowest, and
 * finds the numbering broken (2); the close's own read (catch_up, seq >
 * what the handle verified) never looks at it.  (Left in the log, the row
 * makes her next open refuse: removing it is part of the attack.) */
static void test_attack__320b_planted_row_zero_lets_close_save_fork_over_her_state(
    void **state)
{
	(void)state;
	fork_over_her_state(FORK_ROW_ZERO);
}

/* ---- 330: the thirty-third review (an insider with a key slot) -------- */

/* The size line (the fourth) of a witness copy's text; 0 if none. */
static long long state_size_330(const char *text)
{
	const char *p = text;
	int i;

	for (i = 0; p != NULL && i < 3; i++) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return p != NULL ? atoll(p) : 0;
}

/* The attacker blanks (or puts back) the stored tree hashes of entries
 * 1..n (audit.tree), kept in *saved to put back. */
static void blank_tree_330(const char *dir, long long n, unsigned char ***saved, int **lens,
                           int mend)
{
	sqlite3 *db = th_db_open(dir, "cas_cw");
	sqlite3_stmt *s = NULL;
	long long i;

	if (!mend) {
		*saved = calloc((size_t)n + 1, sizeof(**saved));
		*lens = calloc((size_t)n + 1, sizeof(**lens));
		assert_non_null(*saved);
		assert_non_null(*lens);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, tree FROM audit WHERE seq"
		                                    " BETWEEN 1 AND ?1", -1, &s, NULL), SQLITE_OK);
		sqlite3_bind_int64(s, 1, n);
		while (sqlite3_step(s) == SQLITE_ROW) {
			i = sqlite3_column_int64(s, 0);
			(*lens)[i] = sqlite3_column_bytes(s, 1);
			(*saved)[i] = malloc((size_t)(*lens)[i] + 1);
			memcpy((*saved)[i], sqlite3_column_blob(s, 1), (size_t)(*lens)[i]);
		}
		sqlite3_finalize(s);
		assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit SET tree ="
		                                    " zeroblob(length(tree)) WHERE seq BETWEEN 1"
		                                    " AND ?1", -1, &s, NULL), SQLITE_OK);
		sqlite3_bind_int64(s, 1, n);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
		assert_true(sqlite3_changes(db) == n);
		sqlite3_finalize(s);
	} else {
		assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit SET tree = ?1 WHERE seq = ?2",
		                                    -1, &s, NULL), SQLITE_OK);
		for (i = 1; i <= n; i++) {
			sqlite3_bind_blob(s, 1, (*saved)[i], (*lens)[i], SQLITE_TRANSIENT);
			sqlite3_bind_int64(s, 2, i);
			assert_int_equal(sqlite3_step(s), SQLITE_DONE);
			sqlite3_reset(s);
			free((*saved)[i]);
		}
		sqlite3_finalize(s);
		free(*saved);
		free(*lens);
	}
	sqlite3_close(db);
}

/* 330a: 320a turned round: a save keeps a state of hers it cannot show to
 * be a prefix of the tree it saves, unless the handle "knows" that state
 * (known_has).  A state saved by her other handle after this one last
 * looked is not known; the attacker makes the log unable to show it a
 * prefix for the moment of the close (a stored tree hash blanked below it,
 * so the consistency proof fails; entry 1 malformed, so log_roots cannot
 * read the entries: prefix_of says 2), and keep_found keeps her OLDER state
 * in place of the tree past her own revocation: the close that 270c relies
 * on saves nothing.  cav_cw has the application open (A) and the CLI (B,
 * `vault shell`), which writes two notes; A revokes the reception centre
 * (its sync rechecks B's open state: known); the reception caseworker
 * appends a junk row (280a) so that B's close saves its floor tree (below
 * the revocation, not known to A) over B's open state; she removes the
 * junk row, blanks the stored tree hashes and entry 1's hash for the
 * moment of A's close, mends them, cuts the log from the revocation on and
 * puts the case's rows back.  cav_cw's next open finds both copies a
 * prefix of the cut log. */
static void test_attack__330a_unknown_older_state_kept_by_close_past_her_revocation(
    void **state)
{
	char *dir = th_network(), *base2 = th_tmpdir(), dir2[4096], *sd = th_tmpdir();
	char cs[VAULT_ID_BUFSIZE], cb[VAULT_ID_BUFSIZE];
	char *sb_open = NULL, *sb_close = NULL, *closed = NULL;
	unsigned char saved1[32], **trees = NULL;
	int *lens = NULL;
	vault_status so2 = VAULT_OK;
	long long r, n3;
	int leaked = 0;
	vault *a, *b, *c;

	(void)state;
	snprintf(dir2, sizeof(dir2), "%s/v", base2);
	setup_300(dir, cs, cb, dir2);
	a = open_with_state(dir, "cav_cw", sd, &so2); /* the application */
	assert_non_null(a);
	b = open_with_state(dir, "cav_cw", sd, &so2); /* the CLI */
	assert_non_null(b);
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &sb_open), VAULT_OK);
	status_is(b, vault_record_put(b, cb, "notes", VAULT_CLASS_GENERAL, "called again", 12,
	                              NULL), VAULT_OK, "note 1");
	status_is(b, vault_record_put(b, cb, "notes", VAULT_CLASS_GENERAL, "and again", 9,
	                              NULL), VAULT_OK, "note 2");
	/* the application revokes (its sync checks B's open state) */
	status_is(a, vault_revoke(a, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK, "revoke");
	r = sql_intf(dir, "cas_cw", "SELECT min(seq) FROM audit WHERE action = 'revoke' AND"
	             " case_id = '%s'", cs);
	assert_true(r > 0);
	/* B's close reads nothing (280a): it saves its floor, below the revocation */
	junk_tail_300(dir);
	vault_close(b);
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &sb_close), VAULT_OK);
	assert_non_null(sb_open);
	assert_non_null(sb_close);
	n3 = state_size_330(sb_close);
	printf("   330a: her state: %lld at B's open, %lld at B's close; the revocation is"
	       " entry %lld\n", state_size_330(sb_open), n3, r);
	assert_true(strcmp(sb_open, sb_close) != 0); /* a state A never looked at */
	assert_true(n3 > 0 && n3 < r);               /* below the revocation */
	{
		sqlite3 *db = th_db_open(dir, "cas_cw");

		assert_int_equal(sqlite3_exec(db, "DELETE FROM audit WHERE seq = (SELECT max(seq)"
		                              " FROM audit) AND sig IS NULL", NULL, NULL, NULL),
		                 SQLITE_OK);
		assert_int_equal(sqlite3_changes(db), 1);
		sqlite3_close(db);
	}
	/* for the moment of A's close: no proof from the stored tree, no
	 * entries' hashes from entry 1 */
	blank_tree_330(dir, n3, &trees, &lens, 0);
	break_row_320(dir, 1, saved1, 0);
	vault_close(a); /* the application quits */
	break_row_320(dir, 1, saved1, 1);
	blank_tree_330(dir, n3, &trees, &lens, 1);
	assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &closed), VAULT_OK);
	printf("   330a: A's close %s her state (now %lld)\n",
	       closed && state_size_330(closed) >= r ? "saved" : "did not save",
	       closed ? state_size_330(closed) : 0);
	free(closed);
	free(sb_open);
	free(sb_close);
	cut_and_put_back_300(dir, dir2, cs, r, NULL);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 1);
	c = open_with_state(dir, "cav_cw", sd, &so2);
	printf("   330a: cav_cw opens again (state folder): %s (%s)\n", vault_strerror(so2),
	       c ? "the cut goes unnoticed" : vault_last_errmsg());
	if (c != NULL)
		leaked = new_address_leaks_300(dir, cs, c, "330a");
	else
		refused(NULL, so2, "330a: her open of the cut log");
	th_rmdir(dir);
	th_rmdir(base2);
	th_rmdir(sd);
	if (leaked)
		fail_msg("ATTACK SUCCEEDS (330a): her application's close found in her state folder"
		         " a state her CLI saved below her revocation after the application last"
		         " looked (not known to it); with the stored tree blanked and entry 1"
		         " malformed for the moment of the close, prefix_of said 2 and keep_found"
		         " kept that older state: the close saved nothing past her revocation, which"
		         " the reception caseworker then cut; her next open went on, and the"
		         " reception caseworker reads the new address");
}

/* 330b: 330a with one handle and no junk row: the known ring flushed.
 * The ring holds the 8 newest heads the handle checked or saved, and every
 * recheck that finds a copy changed (by its text) adds the head it checks.
 * The key-slot file is the attacker's to write: between the application's
 * calls she writes back, in turn, two old genuine copies of cav_cw's
 * state (kept from the key-slot file after her earlier sessions): each
 * call's recheck finds them a prefix of its tree and "knows" them again,
 * eight times, until the head the application saved at its open (the one
 * in her state folder) has left the ring.  cav_cw revoked the reception
 * centre in that application; for the moment of its close the attacker
 * blanks the stored tree hashes below that head and makes entry 1
 * malformed (330a): keep_found keeps the open's state, below the
 * revocation, in her state folder; she cuts the revocation and puts the
 * case's rows back.  cav_cw's next open goes on. */
static void test_attack__330b_known_ring_flushed_by_old_copies_in_the_key_slot(void **state)
{
	char *dir = th_network(), *base2 = th_tmpdir(), dir2[4096], *sd = th_tmpdir();
	char cs[VAULT_ID_BUFSIZE], cb[VAULT_ID_BUFSIZE], *old[2] = {NULL, NULL};
	char *path = NULL, text[2048];
	unsigned char saved1[32], **trees = NULL;
	int *lens = NULL, i, held;
	vault_status so2 = VAULT_OK;
	long long r, n0, nfile;
	int leaked = 0;
	unsigned int k, nk;
	FILE *f;
	vault *a, *c;

	(void)state;
	snprintf(dir2, sizeof(dir2), "%s/v", base2);
	setup_300(dir, cs, cb, dir2);
	/* her earlier sessions: the attacker keeps her key-slot copies */
	for (i = 0; i < 2; i++) {
		c = open_with_state(dir, "cav_cw", sd, &so2);
		assert_non_null(c);
		vault_close(c);
		assert_int_equal(vault__slot_witness_get(dir, "cav_cw", &old[i]), VAULT_OK);
		assert_non_null(old[i]);
	}
	assert_true(strcmp(old[0], old[1]) != 0);
	a = open_with_state(dir, "cav_cw", sd, &so2); /* the application */
	assert_non_null(a);
	assert_non_null(a->wpath[1] ? a->wpath[1] : "x");
	status_is(a, vault_revoke(a, cs, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK, "revoke");
	r = sql_intf(dir, "cas_cw", "SELECT min(seq) FROM audit WHERE action = 'revoke' AND"
	             " case_id = '%s'", cs);
	assert_true(r > 0);
	assert_non_null(a->wpath[1]);
	path = strdup(a->wpath[1]);
	f = fopen(path, "r");
	assert_non_null(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	n0 = state_size_330(text);
	assert_true(n0 > 0 && n0 < r); /* her state folder: the application's open */
	/* the attacker writes the old copies back in turn, between its calls */
	for (i = 0; i < 8; i++) {
		assert_int_equal(vault__slot_witness_put(dir, "cav_cw", old[i % 2], NULL, NULL),
		                 VAULT_OK);
		status_is(a, vault_record_put(a, cb, "notes", VAULT_CLASS_GENERAL, "a call", 6,
		                              NULL), VAULT_OK, "note");
	}
	/* the setup took effect: the head in her state folder has left the ring */
	held = 0;
	nk = a->nwknown < 8 ? a->nwknown : 8;
	for (k = 0; k < nk; k++)
		held |= a->wknown[k].size == (uint64_t)n0;
	printf("   330b: the application's ring: %u heads added, the open's state (%lld) %s\n",
	       a->nwknown, n0, held ? "still in it" : "gone from it");
	/* (the attack took effect when it was gone) */
	blank_tree_330(dir, n0, &trees, &lens, 0);
	break_row_320(dir, 1, saved1, 0);
	vault_close(a); /* the application quits */
	break_row_320(dir, 1, saved1, 1);
	blank_tree_330(dir, n0, &trees, &lens, 1);
	f = fopen(path, "r");
	assert_non_null(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	nfile = state_size_330(text);
	printf("   330b: the revocation is entry %lld; her state folder holds %lld after the"
	       " close\n", r, nfile);
	/* (the attack took effect when the close left the open's state there) */
	/* and the key-slot file (the attacker's to write): an old copy of hers */
	assert_int_equal(vault__slot_witness_put(dir, "cav_cw", old[1], NULL, NULL), VAULT_OK);
	free(path);
	free(old[0]);
	free(old[1]);
	cut_and_put_back_300(dir, dir2, cs, r, NULL);
	assert_int_equal(sql_intf(dir, "cas_cw", "SELECT max(epoch) FROM case_classes WHERE"
	                          " case_id = '%s' AND class = %d", cs, VAULT_CLASS_SAFETY), 1);
	c = open_with_state(dir, "cav_cw", sd, &so2);
	printf("   330b: cav_cw opens again (state folder): %s (%s)\n", vault_strerror(so2),
	       c ? "the cut goes unnoticed" : vault_last_errmsg());
	if (c != NULL)
		leaked = new_address_leaks_300(dir, cs, c, "330b");
	else
		refused(NULL, so2, "330b: her open of the cut log");
	th_rmdir(dir);
	th_rmdir(base2);
	th_rmdir(sd);
	if (leaked)
		fail_msg("ATTACK SUCCEEDS (330b): old copies of her state written back into the"
		         " key-slot file between her application's calls pushed the head in her"
		         " state folder out of its ring of known heads; with the stored tree"
		         " blanked and entry 1 malformed for the moment of the close, keep_found"
		         " kept that state below her revocation; the reception caseworker cut the"
		         " revocation, her next open went on, and she reads the new address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attack__1_key_planting),
		cmocka_unit_test(test_attack__2_grant_injection),
		cmocka_unit_test(test_attack__3_separation_bypass),
		cmocka_unit_test(test_attack__4_public_key_swap),
		cmocka_unit_test(test_attack__5a_ghost_member),
		cmocka_unit_test(test_attack__5b_self_promotion),
		cmocka_unit_test(test_attack__6_disabled_user_old_slot),
		cmocka_unit_test(test_attack__6b_disabled_user_planted_key),
		cmocka_unit_test(test_attack__7_consent_forgery),
		cmocka_unit_test(test_attack__8a_record_rollback),
		cmocka_unit_test(test_attack__8b_author_forgery),
		cmocka_unit_test(test_attack__8c_planted_legacy_row_converted),
		cmocka_unit_test(test_attack__8d_planted_grant_revoked_by_a_disable),
		cmocka_unit_test(test_attack__8e_planted_case_rotated_by_a_disable),
		cmocka_unit_test(test_attack__9a_free_text_in_clear),
		cmocka_unit_test(test_attack__9b_exact_sizes),
		cmocka_unit_test(test_attack__9c_holders_in_clear),
		cmocka_unit_test(test_attack__10a_signed_epoch_in_a_disable),
		cmocka_unit_test(test_attack__10b_signed_epoch_with_a_disabled_new_user),
		cmocka_unit_test(test_attack__10c_signed_epoch_by_a_sharer_of_another_class),
		cmocka_unit_test(test_attack__10d_signed_record_removal),
		cmocka_unit_test(test_attack__11_trigger_makes_victim_sign_epoch),
		cmocka_unit_test(test_attack__11b_trigger_makes_victim_open_sign_epoch),
		cmocka_unit_test(test_attack__11c_connection_runs_no_trigger),
		cmocka_unit_test(test_attack__12_schema_rewritten),
		cmocka_unit_test(test_attack__13_index_disagrees_with_table),
		cmocka_unit_test(test_attack__13b_index_pages_rewritten),
		cmocka_unit_test(test_attack__13c_users_index_pages_rewritten),
		cmocka_unit_test(test_attack__14_schema_changed_while_the_open_waits),
		cmocka_unit_test(test_attack__15_allowed_default_redacts_new_versions),
		cmocka_unit_test(test_attack__16_consent_index_swaps_withdrawal),
		cmocka_unit_test(test_attack__16b_two_consent_rows_one_id),
		cmocka_unit_test(test_attack__16c_consent_rows_swapped_during_withdrawal),
		cmocka_unit_test(test_attack__17_audit_case_index_hides_a_read),
		cmocka_unit_test(test_attack__18_holder_index_hides_seals_from_reseal),
		cmocka_unit_test(test_attack__19_control_lapsed_holder_rotated),
		cmocka_unit_test(test_attack__19a_lapsed_holder_deletes_her_seals),
		cmocka_unit_test(test_attack__19b_lapsed_holder_hidden_by_index),
		cmocka_unit_test(test_attack__20_control_legacy_case_rotated),
		cmocka_unit_test(test_attack__20a_legacy_case_lapsed_holder_deletes_seals),
		cmocka_unit_test(test_attack__21a_lapsed_org_supervisor_mints_epoch),
		cmocka_unit_test(test_attack__21b_lapsed_org_supervisor_mints_after_rotation),
		cmocka_unit_test(test_attack__22a_sharer_revokes_own_expiring_grant),
		cmocka_unit_test(test_attack__22b_sharer_revokes_own_grant),
		cmocka_unit_test(test_attack__22c_legacy_case_planted_epoch_row),
		cmocka_unit_test(test_attack__22d_consent_withdrawn_after_silent_revoke),
		cmocka_unit_test(test_attack__23_admin_epoch_rotations),
		cmocka_unit_test(test_attack__25_planted_high_version),
		cmocka_unit_test(test_attack__26_planted_grant_blocks_withdrawal),
		cmocka_unit_test(test_attack__27a_epoch_lowered_before_disable),
		cmocka_unit_test(test_attack__27b_epoch_wraps_before_disable),
		cmocka_unit_test(test_attack__27c_epoch_max_before_disable),
		cmocka_unit_test(test_attack__27d_epoch_raised_then_share),
		cmocka_unit_test(test_attack__27e_epoch_max_then_share),
		cmocka_unit_test(test_attack__27f_wrapped_epoch_then_rotation),
		cmocka_unit_test(test_attack__28a_planted_plain_row_redacted),
		cmocka_unit_test(test_attack__28b_planted_plain_row_moved),
		cmocka_unit_test(test_attack__28c_planted_version_moved),
		cmocka_unit_test(test_attack__29a_planted_seal_blocks_passwd),
		cmocka_unit_test(test_attack__29b_planted_org_seal_blocks_passwd),
		cmocka_unit_test(test_attack__29c_planted_seal_bricks_new_user),
		cmocka_unit_test(test_attack__30_listing_serves_planted_rows),
		cmocka_unit_test(test_attack__31_record_rows_all_deleted),
		cmocka_unit_test(test_attack__32_rows_removed_from_listing_and_history),
		cmocka_unit_test(test_attack__33a_signed_epoch_max_blocks_revocation),
		cmocka_unit_test(test_attack__33b_signed_version_max_freezes_record),
		cmocka_unit_test(test_attack__33c_expired_org_signs_epoch_max),
		cmocka_unit_test(test_attack__33d_signed_indicators_version_max),
		cmocka_unit_test(test_attack__33e_signed_owner_grant_unrevocable),
		cmocka_unit_test(test_attack__34_case_list_silently_misses_case),
		cmocka_unit_test(test_attack__34b_restricted_list_reads_changed_case),
		cmocka_unit_test(test_attack__35_stats_export_signs_changed_rows),
		cmocka_unit_test(test_attack__36_legacy_case_key_planted_in_seals),
		cmocka_unit_test(test_attack__37a_read_hidden_from_review),
		cmocka_unit_test(test_attack__37b_read_hidden_from_access_report),
		cmocka_unit_test(test_attack__40a_legacy_conversion_breaks_listing),
		cmocka_unit_test(test_attack__40b_legacy_record_history_refused),
		cmocka_unit_test(test_attack__40c_legacy_record_deleted_reads_as_none),
		cmocka_unit_test(test_attack__40d_legacy_gap_conversion_locks_out),
		cmocka_unit_test(test_attack__40e_legacy_conversion_by_another_writer),
		cmocka_unit_test(test_attack__40f_flows_moves),
		cmocka_unit_test(test_attack__40g_flows_sharing),
		cmocka_unit_test(test_attack__40h_owner_flag_as_text_unrevocable),
		cmocka_unit_test(test_attack__40i_read_hidden_from_audit_query),
		cmocka_unit_test(test_attack__40j_signed_indicators_garbage_freezes),
		cmocka_unit_test(test_attack__50a_conversion_rewrites_legacy_version),
		cmocka_unit_test(test_attack__50b_flows_legacy_converted_then_moved),
		cmocka_unit_test(test_attack__50c_legacy_redacted_then_written_locks_out),
		cmocka_unit_test(test_attack__50d_flows_legacy_in_one_transaction),
		cmocka_unit_test(test_attack__50e_legacy_moved_up_then_written_locks_out),
		cmocka_unit_test(test_attack__50f_flows_legacy_delete_and_move),
		cmocka_unit_test(test_attack__50g_two_handles_list_while_other_writes),
		cmocka_unit_test(test_attack__50h_indicators_destroyed_by_planted_org_seal),
		cmocka_unit_test(test_attack__60a_conversion_label_rewritten),
		cmocka_unit_test(test_attack__60b_conversion_padded_changed),
		cmocka_unit_test(test_attack__60c_one_removal_two_rows),
		cmocka_unit_test(test_attack__60d_conversion_label_resized),
		cmocka_unit_test(test_attack__61_link_to_changed_case_row),
		cmocka_unit_test(test_attack__62_break_glass_window_of_a_month),
		cmocka_unit_test(test_attack__62b_break_glass_window_of_a_day),
		cmocka_unit_test(test_attack__62c_break_glass_window_labelled_a_read),
		cmocka_unit_test(test_attack__70a_grant_detached_from_consent),
		cmocka_unit_test(test_attack__70b_consent_unwithdrawn),
		cmocka_unit_test(test_attack__70c_org_epoch_published_ahead),
		cmocka_unit_test(test_attack__70d_link_by_general_writer),
		cmocka_unit_test(test_attack__70e_hidden_endless_break_glass),
		cmocka_unit_test(test_attack__70f_auditor_poisons_own_box_key),
		cmocka_unit_test(test_attack__70g_grant_moved_to_another_case),
		cmocka_unit_test(test_attack__70h_record_row_moved_to_another_case),
		cmocka_unit_test(test_attack__70i_control_first_passwd_rotates),
		cmocka_unit_test(test_attack__70i_admin_clears_admin_keys),
		cmocka_unit_test(test_attack__70j_move_rewrites_anothers_version),
		cmocka_unit_test(test_attack__70k_handover_of_held_restricted_case),
		cmocka_unit_test(test_attack__70l_routine_revoke_by_general_sharer),
		cmocka_unit_test(test_attack__70m_first_passwd_rotates_unreadable_class),
		cmocka_unit_test(test_attack__70n_grant_with_unknown_right_to_owner),
		cmocka_unit_test(test_attack__70o_statistics_consent_unwithdrawn),
		cmocka_unit_test(test_attack__70p_cosign_of_rewritten_stored_tree),
		cmocka_unit_test(test_attack__70q_routine_withdrawal_by_general_sharer),
		cmocka_unit_test(test_attack__70r_links_listing_truncated),
		cmocka_unit_test(test_attack__70s_consent_text_after_lapse),
		cmocka_unit_test(test_attack__70t_grant_outlives_its_consent),
		cmocka_unit_test(test_attack__80a_member_poisons_own_box_key),
		cmocka_unit_test(test_attack__80b_reshares_and_revocations),
		cmocka_unit_test(test_attack__80c_emergency_basis_and_disables),
		cmocka_unit_test(test_attack__80d_break_glass_handover_moves),
		cmocka_unit_test(test_attack__80e_new_org_first_passwd),
		cmocka_unit_test(test_attack__80f_fixture_routine_sequence),
		cmocka_unit_test(test_attack__80g_cosign_prove_below_head),
		cmocka_unit_test(test_attack__80h_break_glass_entry_names_another_case),
		cmocka_unit_test(test_attack__80j_org_epoch_without_keys),
		cmocka_unit_test(test_attack__80l_withdrawal_by_sharer_revokes_in_turn),
		cmocka_unit_test(test_attack__80m_revoke_two_grants_of_one_principal),
		cmocka_unit_test(test_attack__80n_caseworker_withdraws_emergency_basis),
		cmocka_unit_test(test_attack__80o_first_passwd_as_a_grant_lapses),
		cmocka_unit_test(test_attack__80p_junk_version_breaks_listing),
		cmocka_unit_test(test_attack__90a_backdated_entry_after_lapse),
		cmocka_unit_test(test_attack__90a_control_undated),
		cmocka_unit_test(test_attack__90b_revoked_sharer_restates_own_revocation),
		cmocka_unit_test(test_attack__90b_control_not_restated),
		cmocka_unit_test(test_attack__90c_handover_as_last_grant_lapses),
		cmocka_unit_test(test_attack__90c_control_handover_after_lapse),
		cmocka_unit_test(test_attack__90d_share_on_the_65th_consent),
		cmocka_unit_test(test_attack__90d_control_share_on_the_9th_consent),
		cmocka_unit_test(test_attack__90e_write_on_the_65th_grant),
		cmocka_unit_test(test_attack__90f_write_on_the_65th_grant_after_revocations),
		cmocka_unit_test(test_attack__90g_consent_given_ahead),
		cmocka_unit_test(test_attack__80k_redaction_beside_an_unrelated_version),
		cmocka_unit_test(test_attack__100a_redaction_rewrites_the_author),
		cmocka_unit_test(test_attack__100b_move_up_claims_the_version),
		cmocka_unit_test(test_attack__100c_version_redacted_again),
		cmocka_unit_test(test_attack__100d_move_up_of_anothers_version_by_api),
		cmocka_unit_test(test_attack__110a_sharer_revokes_owners_hold),
		cmocka_unit_test(test_attack__110b_indicators_unknown_epoch_freeze),
		cmocka_unit_test(test_attack__110c_link_by_outside_safety_writer),
		cmocka_unit_test(test_attack__110d_sharer_extends_own_grant),
		cmocka_unit_test(test_attack__110e_sharer_states_own_grant_endless),
		cmocka_unit_test(test_attack__120a_owner_hold_revoked_without_disable),
		cmocka_unit_test(test_attack__130a_share_on_the_65th_live_consent),
		cmocka_unit_test(test_attack__130b_disable_in_a_centre_of_2100_cases),
		cmocka_unit_test(test_attack__140a_owner_hold_to_another_org_made_with_case),
		cmocka_unit_test(test_attack__140b_the_one_owner_hold_to_another_org),
		cmocka_unit_test(test_attack__140c_consent_recorded_already_withdrawn),
		cmocka_unit_test(test_attack__150a_admin_adds_supervisor_to_existing_org),
		cmocka_unit_test(test_attack__150b_org_made_with_admin_keys_given_up),
		cmocka_unit_test(test_attack__150c_admin_disable_makes_org_keys),
		cmocka_unit_test(test_attack__150d_admin_supervisor_beside_a_disable),
		cmocka_unit_test(test_attack__150e_org_made_with_two_supervisors),
		cmocka_unit_test(test_attack__150f_admin_signs_as_first_supervisor),
		cmocka_unit_test(test_attack__150g_control_admin_disable_owes_keys),
		cmocka_unit_test(test_attack__150h_case_restricted_2),
		cmocka_unit_test(test_attack__150i_case_of_unknown_kind),
		cmocka_unit_test(test_attack__160a_two_owed_orgs_sharing_a_case_deadlock),
		cmocka_unit_test(test_attack__160b_admin_disables_only_supervisor_freezes_centre),
		cmocka_unit_test(test_attack__160c_withdrawal_refused_while_owner_owes_keys),
		cmocka_unit_test(test_attack__160d_supervisor_disable_refused_while_grantee_owes),
		cmocka_unit_test(test_attack__160e_legacy_org_loses_exemption_at_admin_disable),
		cmocka_unit_test(test_attack__160f_control_owed_grantee_left_out_then_refilled),
		cmocka_unit_test(test_attack__170a_owner_never_refilled_when_it_rotates_first),
		cmocka_unit_test(test_attack__170b_emergency_refused_no_reviewer_while_owner_owes),
		cmocka_unit_test(test_attack__170c_admin_disables_the_disabled_again),
		cmocka_unit_test(test_attack__170d_grant_to_an_owing_centre),
		cmocka_unit_test(test_attack__170e_admin_disable_mints_an_epoch),
		cmocka_unit_test(test_attack__180a_disabled_user_swaps_key_before_rotation),
		cmocka_unit_test(test_attack__180b_disabled_user_blocks_rotation_forever),
		cmocka_unit_test(test_attack__180c_signed_plain_name_version),
		cmocka_unit_test(test_attack__180f_signed_rows_in_clear_before_the_record),
		cmocka_unit_test(test_attack__180d_version_born_redacted_by_supervisor),
		cmocka_unit_test(test_attack__180e_cache_file_names_staff),
		cmocka_unit_test(test_attack__190a_break_glass_window_dated_ahead),
		cmocka_unit_test(test_attack__190b_emergency_consent_hidden_from_review),
		cmocka_unit_test(test_attack__190c_handover_hidden_from_review),
		cmocka_unit_test(test_attack__190d_entry_dated_ahead_locks_vault_on_honest_share),
		cmocka_unit_test(test_attack__190e_grant_end_moved_before_the_key),
		cmocka_unit_test(test_attack__190f_consent_withdrawn_grants_kept),
		cmocka_unit_test(test_attack__190g_redaction_hidden_from_review),
		cmocka_unit_test(test_attack__190h_entry_dated_ahead_within_the_hour),
		cmocka_unit_test(test_attack__200a_unreviewed_redaction_beside_junk_move_up),
		cmocka_unit_test(test_attack__200b_directory_blocks_rotation_forever),
		cmocka_unit_test(test_attack__200c_tagged_version_shadows_legacy_record),
		cmocka_unit_test(test_attack__200h_signed_version_in_clear_after_legacy_ones),
		cmocka_unit_test(test_attack__200d_redaction_filed_under_another_case_or_action),
		cmocka_unit_test(test_attack__200e_directories_planted_during_rotation),
		cmocka_unit_test(test_attack__200f_hard_link_as_the_rotated_file),
		cmocka_unit_test(test_attack__210a_plain_rotate_name_planted_after_switch),
		cmocka_unit_test(test_attack__210b_export_unlinked_before_switch_drops_old_wal),
		cmocka_unit_test(test_attack__210c_legacy_record_converted_under_junk_tag),
		cmocka_unit_test(test_attack__210d_export_name_planted_after_a_killed_switch),
		cmocka_unit_test(test_attack__220a_old_key_planted_as_pending_seal_drops_old_wal),
		cmocka_unit_test(test_attack__220b_junk_pending_seal_puts_old_wal_beside_new_file),
		cmocka_unit_test(test_attack__220c_aside_names_linked_to_the_live_log),
		cmocka_unit_test(test_attack__230a_old_file_put_back_after_completed_disable),
		cmocka_unit_test(test_attack__230b_planted_row_of_no_class_makes_get_ambiguous),
		cmocka_unit_test(test_attack__230c_nul_in_fact_text_poisons_redaction),
		cmocka_unit_test(test_attack__240a_old_file_put_back_past_a_state_dir),
		cmocka_unit_test(test_attack__240b_planted_tagged_row_makes_get_ambiguous),
		cmocka_unit_test(test_attack__250a_rows_deleted_get_by_name_not_found),
		cmocka_unit_test(test_attack__250b_one_class_deleted_get_picks_the_other),
		cmocka_unit_test(test_attack__260a_inclusion_proof_of_a_rewritten_entry),
		cmocka_unit_test(test_attack__260b_forged_head_signed_by_next_append),
		cmocka_unit_test(test_attack__260c_rewritten_tree_signed_by_proof_or_export),
		cmocka_unit_test(test_attack__260d_own_head_rewritten_before_next_append),
		cmocka_unit_test(test_attack__260e_own_last_entry_deleted_before_next_append),
		cmocka_unit_test(test_attack__270a_own_revocation_forgotten_by_rebuild),
		cmocka_unit_test(test_attack__270b_rows_planted_as_the_disabler_reconnects),
		cmocka_unit_test(test_attack__270c_own_revocation_cut_between_two_opens),
		cmocka_unit_test(test_attack__295a_close_moves_witness_back),
		cmocka_unit_test(test_attack__280a_close_witness_save_failed_by_junk_tail),
		cmocka_unit_test(test_attack__280b_floor_moved_onto_fork_by_sync),
		cmocka_unit_test(test_attack__280c_close_witnesses_the_fork),
		cmocka_unit_test(test_attack__280d_rewritten_tree_not_extended_by_an_honest_write),
		cmocka_unit_test(test_attack__290a_floor_forgotten_after_one_refusal_via_second_handle_cache),
		cmocka_unit_test(test_attack__290b_floor_forgotten_by_rebuild_after_batch_via_second_handle_cache),
		cmocka_unit_test(test_attack__300a_older_handle_close_rolls_back_witness_state),
		cmocka_unit_test(test_attack__300b_older_handle_close_witnesses_the_old_file),
		cmocka_unit_test(test_attack__300c_open_handle_ignores_state_saved_by_her_other_handle),
		cmocka_unit_test(test_attack__310a_close_save_suppressed_by_planted_aside_wal),
		cmocka_unit_test(test_attack__310b_rotation_rekey_entry_suppressed_by_planted_aside_wal),
		cmocka_unit_test(test_attack__310c_state_saved_after_the_cut_not_rechecked),
		cmocka_unit_test(test_attack__310d_close_saves_a_fork_over_her_smaller_state),
		cmocka_unit_test(test_attack__310e_older_handle_close_after_passwd_rolls_back_witness),
		cmocka_unit_test(test_attack__310f_state_saved_during_a_batch_after_the_cut),
		cmocka_unit_test(test_attack__320a_malformed_low_row_lets_close_save_fork_over_her_state),
		cmocka_unit_test(test_attack__320b_planted_row_zero_lets_close_save_fork_over_her_state),
		cmocka_unit_test(test_attack__330a_unknown_older_state_kept_by_close_past_her_revocation),
		cmocka_unit_test(test_attack__330b_known_ring_flushed_by_old_copies_in_the_key_slot),
	};

	if (sodium_init() < 0)
		return 1;
	/* ATTACK_ONLY=pattern runs the matching tests alone (cmocka's filter). */
	if (getenv("ATTACK_ONLY") != NULL)
		cmocka_set_test_filter(getenv("ATTACK_ONLY"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
