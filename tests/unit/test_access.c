/*
 * test_access.c - the access rules of DESIGN.md through the public API and
 * through the keys: a permission matrix, separation (invariant 5), consent
 * (invariant 6), revocation and disabled users (invariant 7), break-glass,
 * restricted cases and grant expiry.
 *
 * test_policy.c checks the decision function as a table; these tests check
 * that the library as linked does what the table says, and that the keys
 * agree: where the API refuses, the database is opened with the user's own
 * keys (helpers.c, and the keyring below, which keeps every key a user held
 * before a revocation) and the record must not decrypt; where the API
 * allows, the same check must succeed, so that it can fail.
 *
 * One network (th_network(), plus the users and the organisation "ext"
 * that group_setup() adds) serves every test.  Each test opens its own
 * cases, and a test that disables a user adds that user first, so the tests
 * do not depend on one another.  Tests that move the clock leave it to the
 * per-test teardown to move it back, even when they fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "internal.h"

/* At least VAULT_BREAK_GLASS_REASON_MIN (20) bytes, and one byte short. */
#define REASON_OK "threat reported tonight, she is not answering"
#define REASON_19 "client not reachabl"

static char *g_dir;     /* the network, built once */
static int64_t g_shift; /* how far the tests moved the library clock */

static void clock_shift(int64_t seconds)
{
	vault__clock_shift(seconds);
	g_shift += seconds;
}

static void add_user(const char *by, const char *name, vault_role role)
{
	size_t n;
	const unsigned char *p = th_pass(name, &n);
	vault *v = th_open(g_dir, by);

	assert_int_equal(vault_user_add(v, name, NULL, role, p, n, TEST_KDF), VAULT_OK);
	vault_close(v);
}

static int group_setup(void **state)
{
	size_t n;
	const unsigned char *p;
	vault *v;

	(void)state;
	g_dir = th_network();
	/* Caseworkers for the two organisations the fixture gives only a
	 * supervisor, and a second caseworker and supervisor of the
	 * anti-violence centre. */
	add_user("pref_sup", "pref_cw", VAULT_ROLE_CASEWORKER);
	add_user("oth_sup", "oth_cw", VAULT_ROLE_CASEWORKER);
	add_user("cav_sup", "cav_cw2", VAULT_ROLE_CASEWORKER);
	add_user("cav_sup", "cav_sup2", VAULT_ROLE_SUPERVISOR);
	/* A third party outside the matrix, to share with and revoke. */
	v = th_open(g_dir, "admin");
	p = th_pass("ext_sup", &n);
	assert_int_equal(vault_org_add(v, "ext", "ext", VAULT_ORG_OTHER, "ext_sup", p, n,
	                               TEST_KDF), VAULT_OK);
	vault_close(v);
	/* nothing is shared to it before its supervisor makes its keys */
	vault_close(th_open(g_dir, "ext_sup"));
	return 0;
}

static int group_teardown(void **state)
{
	char *base = strdup(g_dir);

	(void)state;
	/* th_network() puts the vault in <tmpdir>/v: remove both. */
	assert_non_null(base);
	*strrchr(base, '/') = '\0';
	th_rmdir(g_dir);
	th_rmdir(base);
	g_dir = NULL;
	vault__clock_shift(-g_shift);
	g_shift = 0;
	return 0;
}

/* The clock moves on only, as a machine's does: the network is shared by
 * every test, and its log keeps the latest time an entry states, which
 * the library decides at (lib/gate.c, at_log_time).  Turned back, the
 * next test's "now + 60" would be judged already past. */
static int teardown(void **state)
{
	(void)state;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static vault_status share_to(vault *v, const char *case_id, vault_principal_kind kind,
                             const char *who, unsigned int classes, vault_perm perm,
                             int64_t expires)
{
	vault_share_options o = VAULT_SHARE_OPTIONS_INIT;

	o.perm = perm;
	o.expires = expires;
	return vault_share(v, case_id, kind, who, classes, &o);
}

static vault_status share_org(vault *v, const char *case_id, const char *org,
                              unsigned int classes, vault_perm perm)
{
	return share_to(v, case_id, VAULT_PRINCIPAL_ORG, org, classes, perm, 0);
}

static void must(vault *v, vault_status st, const char *what)
{
	if (st != VAULT_OK)
		fail_msg("%s: %s (%s)", what, vault_strerror(st), vault_errmsg(v));
}

/* A plain consent (basis: consent) to share `classes` with `org`. */
static void consent(vault *v, const char *case_id, const char *org, unsigned int classes,
                    int64_t expires, char id[VAULT_ID_BUFSIZE])
{
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	char tmp[VAULT_ID_BUFSIZE];

	o.org = org;
	o.classes = classes;
	o.purpose = "referral for support";
	o.expires = expires;
	must(v, vault_consent_add(v, case_id, &o, id != NULL ? id : tmp), "consent");
}

static vault_status emergency_consent(vault *v, const char *case_id, const char *org,
                                      const char *reason)
{
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	char id[VAULT_ID_BUFSIZE];

	o.org = org;
	o.classes = VAULT_CLASS_ALL;
	o.purpose = "emergency referral";
	o.basis = VAULT_BASIS_VITAL_INTEREST;
	o.reason = reason;
	return vault_consent_add(v, case_id, &o, id);
}

static void put(vault *v, const char *case_id, const char *name, vault_class cls,
                const char *text)
{
	must(v, vault_record_put(v, case_id, name, cls, text, strlen(text), NULL), "put");
}

/* The status of reading the latest version; on success the text must be
 * `want` (if not NULL). */
static vault_status get(vault *v, const char *case_id, const char *name, const char *want)
{
	vault_buf b = VAULT_BUF_INIT;
	vault_status st = vault_record_get(v, case_id, name, 0, &b, NULL, NULL);

	if (st == VAULT_OK && want != NULL &&
	    (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0))
		fail_msg("%s: read back something else", name);
	if (st != VAULT_OK)
		assert_null(b.data);
	vault_buf_free(&b);
	return st;
}

static vault_status get_as(const char *user, const char *case_id, const char *name)
{
	vault *v = th_open(g_dir, user);
	vault_status st = get(v, case_id, name, NULL);

	vault_close(v);
	return st;
}

static uint32_t epoch_of(const char *case_id, unsigned int cls)
{
	sqlite3 *db = th_db_open(g_dir, "admin");
	sqlite3_stmt *s;
	uint32_t e = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT epoch FROM case_classes WHERE"
	                                        " case_id = ?1 AND class = ?2", -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, (int)cls);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	e = (uint32_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return e;
}

static void verify_audit(void)
{
	vault *a = th_open(g_dir, "aud");
	vault_verify_result r;
	vault_status st;

	assert_int_equal(vault_verify_result_init(&r, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	st = vault_audit_verify(a, NULL, &r, NULL, NULL);
	if (st != VAULT_OK)
		fail_msg("audit verify: %s at entry %llu: %s", vault_strerror(st),
		         (unsigned long long)r.bad_seq, r.reason);
	assert_true(r.entries > 0);
	vault_close(a);
}

/* What the auditor sees of a case: entries of one action (all if NULL). */
struct tally {
	int n, ok, denied, high;
	const char *reason;  /* count entries whose reason is exactly this */
	int reason_hits;
	const char *needle;  /* count entries with this text in any field */
	int needle_hits;
};

static int has(const char *hay, const char *needle)
{
	return hay != NULL && needle != NULL && strstr(hay, needle) != NULL;
}

static int tally_cb(const vault_audit_entry *e, void *ctx)
{
	struct tally *t = ctx;

	t->n++;
	t->ok += e->outcome == VAULT_OUTCOME_OK;
	t->denied += e->outcome == VAULT_OUTCOME_DENIED;
	t->high += e->high != 0;
	if (t->reason != NULL && e->reason != NULL && strcmp(e->reason, t->reason) == 0)
		t->reason_hits++;
	if (has(e->actor, t->needle) || has(e->org, t->needle) || has(e->action, t->needle) ||
	    has(e->case_id, t->needle) || has(e->target, t->needle) ||
	    has(e->cls, t->needle) || has(e->reason, t->needle) ||
	    has(e->purpose, t->needle))
		t->needle_hits++;
	return 0;
}

/* Query the log as `user` (the auditor sees all of it). */
static struct tally audit_tally_as(const char *user, const char *case_id,
                                   const char *action, int high_only,
                                   const char *reason, const char *needle)
{
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	struct tally t;
	vault *a = th_open(g_dir, user);

	memset(&t, 0, sizeof(t));
	t.reason = reason;
	t.needle = needle;
	q.case_id = case_id;
	q.action = action;
	q.high_only = high_only;
	must(a, vault_audit_foreach(a, &q, tally_cb, &t), "audit query");
	vault_close(a);
	return t;
}

static struct tally audit_tally(const char *case_id, const char *action, int high_only,
                                const char *reason)
{
	return audit_tally_as("aud", case_id, action, high_only, reason, NULL);
}

/* ---- a keyring: every key a user holds at one moment -------------------- */

/*
 * What an insider keeps when they copy their keys before losing access:
 * the box key of their slot, every organisation key sealed to them (all
 * organisations, epochs and kinds), and every class key of one case they
 * can unseal with those.  keyring_can_decrypt() later tries all of it on a
 * record, both as an X25519 key (to unseal any seal of the record's class
 * key) and directly as the record key.
 */
#define KR_MAX 1024

struct keyring {
	unsigned char k[KR_MAX][32];
	size_t n;
};

static void kr_add(struct keyring *kr, const unsigned char key[32])
{
	assert_true(kr->n < KR_MAX);
	memcpy(kr->k[kr->n++], key, 32);
}

static int kr_unseal(const struct keyring *kr, size_t upto, unsigned char out[32],
                     const void *sealed, size_t len)
{
	unsigned char pk[32];
	size_t i;

	for (i = 0; i < upto; i++) {
		vault__box_pk_from_sk(pk, kr->k[i]);
		if (vault__unseal(out, sealed, len, pk, kr->k[i]) == 0)
			return 1;
	}
	return 0;
}

static struct keyring *keyring_take(const char *user, const char *case_id)
{
	struct keyring *kr = calloc(1, sizeof(*kr));
	const unsigned char *p;
	unsigned char key[32];
	slot_secret sec;
	vault_kdf def;
	sqlite3 *db;
	sqlite3_stmt *s;
	size_t n, nbox;

	assert_non_null(kr);
	p = th_pass(user, &n);
	assert_int_equal(vault__slot_unlock(g_dir, user, p, n, &sec, &def), VAULT_OK);
	kr_add(kr, sec.box_sk);
	vault__wipe(&sec, sizeof(sec));
	db = th_db_open(g_dir, user);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM org_keys", -1, &s, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		if (kr_unseal(kr, 1, key, sqlite3_column_blob(s, 0),
		              (size_t)sqlite3_column_bytes(s, 0)))
			kr_add(kr, key);
	sqlite3_finalize(s);
	nbox = kr->n;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM class_keys WHERE"
	                                        " case_id = ?1", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		if (kr_unseal(kr, nbox, key, sqlite3_column_blob(s, 0),
		              (size_t)sqlite3_column_bytes(s, 0)))
			kr_add(kr, key);
	sqlite3_finalize(s);
	sqlite3_close(db);
	vault__wipe(key, sizeof(key));
	return kr;
}

static void keyring_free(struct keyring *kr)
{
	if (kr != NULL)
		vault__wipe(kr, sizeof(*kr));
	free(kr);
}

/* 1 if the latest version of the record decrypts with anything in kr. */
static int keyring_can_decrypt(const struct keyring *kr, const char *case_id,
                               const char *name)
{
	unsigned char ad[256], key[32], *out;
	sqlite3 *db = th_db_open(g_dir, "admin"); /* the file key only */
	sqlite3_stmt *s, *k;
	const unsigned char *ct, *nonce;
	size_t clen, adlen, i;
	unsigned int cls;
	uint32_t ver, epoch;
	int ok = 0;

	unsigned char tag[16];

	/* Rows name the record by its tag: found here with an owner's keys
	 * (the kept keys of epoch 1 would find it too). */
	if (th_find_tag(g_dir, "cas_cw", case_id, name, tag) == 0)
		assert_int_not_equal(th_find_tag(g_dir, "cav_cw", case_id, name, tag), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT version, class, epoch, nonce, ct, padded"
	                                        " FROM records WHERE case_id = ?1 AND name = ?2"
	                                        " ORDER BY version DESC LIMIT 1", -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, tag, sizeof(tag), SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	ver = (uint32_t)sqlite3_column_int64(s, 0);
	cls = (unsigned int)sqlite3_column_int(s, 1);
	epoch = (uint32_t)sqlite3_column_int64(s, 2);
	nonce = sqlite3_column_blob(s, 3);
	ct = sqlite3_column_blob(s, 4);
	clen = (size_t)sqlite3_column_bytes(s, 4);
	assert_true(clen >= VAULT_AEAD_TAG_BYTES);
	adlen = vault__record_ad(ad, sizeof(ad), case_id, name, ver, cls, epoch);
	if (sqlite3_column_int(s, 5))
		ad[adlen++] = 1; /* padded content (lib/cases.c) */
	out = malloc(clen);
	assert_non_null(out);
	/* A class key kept from before, used as it is. */
	for (i = 0; i < kr->n && !ok; i++)
		ok = vault__aead_open(out, ct, clen, ad, adlen, nonce, kr->k[i]) == 0;
	/* Any seal of the record's class key, opened with any kept key. */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM class_keys WHERE"
	                                        " case_id = ?1 AND class = ?2 AND epoch = ?3",
	                                    -1, &k, NULL), SQLITE_OK);
	sqlite3_bind_text(k, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(k, 2, (int)cls);
	sqlite3_bind_int64(k, 3, epoch);
	while (!ok && sqlite3_step(k) == SQLITE_ROW)
		if (kr_unseal(kr, kr->n, key, sqlite3_column_blob(k, 0),
		              (size_t)sqlite3_column_bytes(k, 0)))
			ok = vault__aead_open(out, ct, clen, ad, adlen, nonce, key) == 0;
	sqlite3_finalize(k);
	sqlite3_finalize(s);
	sqlite3_close(db);
	vault__wipe(key, sizeof(key));
	free(out);
	return ok;
}

/* ------------------------------------------------------------------------ */
/* The permission matrix                                                     */
/* ------------------------------------------------------------------------ */

/* Short names, so that one row fits one line (as in test_policy.c). */
#define ADM VAULT_ROLE_ADMIN
#define CW  VAULT_ROLE_CASEWORKER
#define SUP VAULT_ROLE_SUPERVISOR
#define AUD VAULT_ROLE_AUDITOR
#define AVC VAULT_ORG_ANTIVIOLENCE_CENTRE
#define REC VAULT_ORG_RECEPTION_CENTRE
#define PP  VAULT_ORG_PERPETRATOR_PROGRAMME
#define HLT VAULT_ORG_HEALTH
#define AUT VAULT_ORG_AUTHORITY
#define OTH VAULT_ORG_OTHER
#define VIC VAULT_CASE_VICTIM
#define PER VAULT_CASE_PERPETRATOR
#define GEN VAULT_CLASS_GENERAL
#define SEN VAULT_CLASS_SENSITIVE
#define SAF VAULT_CLASS_SAFETY

enum expect {
	OK = 1, /* VAULT_OK, audited "ok" */
	OKH,    /* VAULT_OK, audited "ok", high severity */
	NO,     /* VAULT_ERR_DENIED, audited "denied" */
	NOH,    /* VAULT_ERR_DENIED, audited "denied", high severity */
	CNS     /* VAULT_ERR_CONSENT, audited "denied" */
};

static const char *const action_names[5] = {"read", "write", "share", "revoke",
                                            "break-glass"};
/* The audit action each column writes. */
static const char *const audit_actions[5] = {"record.get", "record.put", "share",
                                             "revoke", "break-glass"};

struct matrix_row {
	vault_role role;
	vault_org_kind org;  /* kind of the actor's organisation */
	vault_case_kind kind;
	unsigned int cls;    /* the class read, written, shared */
	enum expect exp[5];  /* read write share revoke break-glass */
};

/*
 * The situation (the same for every row; matrix_setup() builds it):
 *
 *  - Two cases, one victim and one perpetrator case, opened by cas_cw and
 *    so owned by "cas", the reception centre: its members hold the owner's
 *    SHARE right on every class.  Each has one record per class, written
 *    by cas_cw.
 *  - cas shared each case, with a WRITE grant on every class, with the
 *    other five organisations of the matrix (cav, cuav, asl, pref, oth),
 *    on the victim case under a recorded consent for each of them.  To the
 *    perpetrator programme (cuav) the victim case went without its safety
 *    class: the library refuses that part (invariant 5).
 *  - The row's user is <org>_cw or <org>_sup of the organisation of the
 *    row's kind (for reception-centre rows, that is the owner).  Admins
 *    and auditors belong to no organisation (the API cannot make one that
 *    does), so their rows run as "admin" and "aud" on the same two cases:
 *    the organisation kind cannot change anything for them, and the table
 *    says so.
 *  - read:   vault_record_get of the row's class record; the keys must agree
 *            (th_user_can_decrypt succeeds exactly when the read does).
 *  - write:  vault_record_put of a new version of it.
 *  - share:  vault_share of that class, READ, to the organisation "ext"
 *            (kind other), which holds a consent for every class of the
 *            victim case; undone by the owner if it succeeded.
 *  - revoke: the owner first grants "ext" READ on that class; then
 *            vault_revoke of "ext"; undone by the owner if it was refused.
 *  - break-glass: vault_break_glass on the case with a reason of 40+ bytes,
 *            default duration.  Break-glass is per case: the class does not
 *            change it, and every class row repeats it.
 *
 * Each cell is checked three ways: the status returned, and the auditor's
 * view of the entry the call wrote (outcome and high severity).
 */
static const struct matrix_row matrix[] = {
	/* role org  case cls   read write share revoke break-glass */
	{ADM, AVC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, REC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, REC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, PP , VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, PP , PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, PER, SAF, {NO , NO , NO , NO , NOH}},
	{CW , AVC, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , AVC, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , AVC, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{CW , AVC, PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , AVC, PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , AVC, PER, SAF, {OK , OK , NO , NO , NOH}},
	{CW , REC, VIC, GEN, {OK , OK , OK , OK , NOH}},
	{CW , REC, VIC, SEN, {OK , OK , OK , OK , NOH}},
	{CW , REC, VIC, SAF, {OK , OK , OK , OK , NOH}},
	{CW , REC, PER, GEN, {OK , OK , OK , OK , NOH}},
	{CW , REC, PER, SEN, {OK , OK , OK , OK , NOH}},
	{CW , REC, PER, SAF, {OK , OK , OK , OK , NOH}},
	{CW , PP , VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , PP , VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , PP , VIC, SAF, {NOH, NOH, NOH, NO , NOH}},
	{CW , PP , PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , PP , PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , PP , PER, SAF, {OK , OK , NO , NO , NOH}},
	{CW , HLT, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , HLT, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , HLT, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{CW , HLT, PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , HLT, PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , HLT, PER, SAF, {OK , OK , NO , NO , NOH}},
	{CW , AUT, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , AUT, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , AUT, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{CW , AUT, PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , AUT, PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , AUT, PER, SAF, {OK , OK , NO , NO , NOH}},
	{CW , OTH, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , OTH, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , OTH, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{CW , OTH, PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , OTH, PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , OTH, PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, REC, VIC, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, REC, VIC, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, REC, VIC, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, REC, PER, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, REC, PER, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, REC, PER, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, PP , VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, PP , VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, PP , VIC, SAF, {NOH, NOH, NOH, NO , NOH}},
	{SUP, PP , PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, PP , PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, PP , PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, PER, SAF, {OK , OK , NO , NO , NOH}},
	{AUD, AVC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, REC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, REC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, PP , VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, PP , PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, PER, SAF, {NO , NO , NO , NO , NOH}},
};

#define NROWS (sizeof(matrix) / sizeof(matrix[0]))

static int kind_index(vault_org_kind k)
{
	return (int)k - 1;
}

static int class_index(unsigned int c)
{
	return c == GEN ? 0 : c == SEN ? 1 : c == SAF ? 2 : -1;
}

/* Every combination exactly once: a row lost in an edit would otherwise
 * go unnoticed. */
static void assert_matrix_complete(void)
{
	int seen[4][6][2][3];
	size_t i;

	memset(seen, 0, sizeof(seen));
	assert_int_equal(NROWS, 4 * 6 * 2 * 3);
	for (i = 0; i < NROWS; i++) {
		int r = (int)matrix[i].role - 1, k = kind_index(matrix[i].org);
		int ck = (int)matrix[i].kind - 1, c = class_index(matrix[i].cls);

		assert_true(r >= 0 && r < 4 && k >= 0 && k < 6);
		assert_true(ck >= 0 && ck < 2 && c >= 0 && c < 3);
		assert_int_equal(seen[r][k][ck][c], 0);
		seen[r][k][ck][c] = 1;
	}
}

#define MX_HANDLES 16

struct mx {
	char vic[VAULT_ID_BUFSIZE];
	char per[VAULT_ID_BUFSIZE];
	char user[MX_HANDLES][VAULT_NAME_MAX + 1];
	vault *h[MX_HANDLES];
	size_t nh;
	vault *aud;
	vault *owner; /* cas_sup: sets up and undoes */
	uint64_t mark; /* audit entries up to here are already checked */
	int failures;
};

static vault *mx_handle(struct mx *m, const char *user)
{
	size_t i;

	for (i = 0; i < m->nh; i++)
		if (strcmp(m->user[i], user) == 0)
			return m->h[i];
	assert_true(m->nh < MX_HANDLES);
	snprintf(m->user[m->nh], sizeof(m->user[0]), "%s", user);
	m->h[m->nh] = th_open(g_dir, user);
	return m->h[m->nh++];
}

static void mx_close(struct mx *m)
{
	size_t i;

	for (i = 0; i < m->nh; i++)
		vault_close(m->h[i]);
	m->nh = 0;
}

static const char *mx_user(const struct matrix_row *r, char buf[VAULT_NAME_MAX + 1])
{
	static const char *const orgs[] = {"cav", "cas", "cuav", "asl", "pref", "oth"};

	if (r->role == ADM)
		return "admin";
	if (r->role == AUD)
		return "aud";
	snprintf(buf, VAULT_NAME_MAX + 1, "%s_%s", orgs[kind_index(r->org)],
	         r->role == CW ? "cw" : "sup");
	return buf;
}

static void rec_name(unsigned int cls, char buf[32])
{
	snprintf(buf, 32, "r-%s", vault_class_name((vault_class)cls));
}

static void matrix_setup(struct mx *m)
{
	static const char *const grantees[] = {"cav", "cuav", "asl", "pref", "oth"};
	vault *cw, *own;
	unsigned int c;
	char name[32], text[64];
	size_t i;

	cw = mx_handle(m, "cas_cw");
	own = m->owner = mx_handle(m, "cas_sup");
	m->aud = mx_handle(m, "aud");
	must(cw, vault_case_create(cw, VIC, 0, m->vic), "victim case");
	must(cw, vault_case_create(cw, PER, 0, m->per), "perpetrator case");
	for (c = GEN; c <= SAF; c <<= 1) {
		rec_name(c, name);
		snprintf(text, sizeof(text), "matrix %s", name);
		put(cw, m->vic, name, (vault_class)c, text);
		put(cw, m->per, name, (vault_class)c, text);
	}
	for (i = 0; i < sizeof(grantees) / sizeof(grantees[0]); i++) {
		int sep = strcmp(grantees[i], "cuav") == 0;

		consent(own, m->vic, grantees[i], VAULT_CLASS_ALL, 0, NULL);
		must(own, share_org(own, m->vic, grantees[i],
		                    sep ? GEN | SEN : VAULT_CLASS_ALL, VAULT_PERM_WRITE),
		     "share victim case");
		must(own, share_org(own, m->per, grantees[i], VAULT_CLASS_ALL,
		                    VAULT_PERM_WRITE), "share perpetrator case");
	}
	consent(own, m->vic, "ext", VAULT_CLASS_ALL, 0, NULL);
}

struct last_entry {
	uint64_t seq;
	vault_outcome outcome;
	int high;
	int n;
};

static int last_cb(const vault_audit_entry *e, void *ctx)
{
	struct last_entry *l = ctx;

	l->seq = e->seq;
	l->outcome = e->outcome;
	l->high = e->high;
	l->n++;
	return 0;
}

static const char *expect_name(enum expect e)
{
	static const char *const n[] = {"?", "OK", "OKH", "NO", "NOH", "CNS"};

	return n[e];
}

/* Compare one cell: the status, then the newest entry of that actor and
 * action in the log as the auditor sees it. */
static void mx_check(struct mx *m, size_t row, int col, const char *user,
                     vault_status got, const char *msg)
{
	enum expect want = matrix[row].exp[col];
	vault_status want_st = want == OK || want == OKH ? VAULT_OK
	                       : want == CNS           ? VAULT_ERR_CONSENT
	                                               : VAULT_ERR_DENIED;
	vault_outcome want_out = want_st == VAULT_OK ? VAULT_OUTCOME_OK : VAULT_OUTCOME_DENIED;
	int want_high = want == OKH || want == NOH;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	struct last_entry l;
	vault_status st;

	memset(&l, 0, sizeof(l));
	q.actor = user;
	q.action = audit_actions[col];
	q.after_seq = m->mark;
	st = vault_audit_foreach(m->aud, &q, last_cb, &l);
	if (got == want_st && st == VAULT_OK && l.n > 0 && l.outcome == want_out &&
	    l.high == want_high) {
		m->mark = l.seq;
		return;
	}
	m->failures++;
	print_error("row %zu (%s as %s, %s case, %s, %s): want %s, got %s (%s);"
	            " audit: %d entries, outcome %d, high %d\n",
	            row, vault_role_name(matrix[row].role), user,
	            vault_case_kind_name(matrix[row].kind),
	            vault_class_name((vault_class)matrix[row].cls), action_names[col],
	            expect_name(want), vault_strerror(got), msg, l.n, (int)l.outcome, l.high);
	if (l.n > 0)
		m->mark = l.seq;
}

static void mx_run_row(struct mx *m, size_t i)
{
	const struct matrix_row *r = &matrix[i];
	char ubuf[VAULT_NAME_MAX + 1], name[32], text[160];
	const char *user = mx_user(r, ubuf);
	const char *cs = r->kind == VIC ? m->vic : m->per;
	vault *v = mx_handle(m, user);
	vault_status st;
	int allowed, keys;

	rec_name(r->cls, name);

	/* read, and the keys agree with it */
	st = get(v, cs, name, NULL);
	mx_check(m, i, 0, user, st, vault_errmsg(v));
	allowed = r->exp[0] == OK || r->exp[0] == OKH;
	keys = th_user_can_decrypt(g_dir, user, cs, name);
	if (keys != allowed) {
		m->failures++;
		print_error("row %zu (%s, %s): the API %s the read but the user's own keys %s\n",
		            i, user, name, allowed ? "allows" : "refuses",
		            keys ? "decrypt it" : "do not decrypt it");
	}

	/* write */
	snprintf(text, sizeof(text), "matrix %s, version by %s", name, user);
	st = vault_record_put(v, cs, name, (vault_class)r->cls, text, strlen(text), NULL);
	mx_check(m, i, 1, user, st, vault_errmsg(v));

	/* share with ext; the owner takes it back */
	st = share_org(v, cs, "ext", r->cls, VAULT_PERM_READ);
	mx_check(m, i, 2, user, st, vault_errmsg(v));
	if (st == VAULT_OK)
		must(m->owner, vault_revoke(m->owner, cs, VAULT_PRINCIPAL_ORG, "ext"), "undo share");

	/* revoke ext's grant; the owner takes it back if refused */
	must(m->owner, share_org(m->owner, cs, "ext", r->cls, VAULT_PERM_READ), "grant ext");
	st = vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "ext");
	mx_check(m, i, 3, user, st, vault_errmsg(v));
	if (st != VAULT_OK)
		must(m->owner, vault_revoke(m->owner, cs, VAULT_PRINCIPAL_ORG, "ext"), "undo grant");

	/* break-glass */
	st = vault_break_glass(v, cs, REASON_OK, 0);
	mx_check(m, i, 4, user, st, vault_errmsg(v));
}

static void run_matrix(vault_case_kind kind)
{
	struct mx m;
	size_t i;
	int rows = 0;

	assert_matrix_complete();
	memset(&m, 0, sizeof(m));
	matrix_setup(&m);
	for (i = 0; i < NROWS; i++) {
		if (matrix[i].kind != kind)
			continue;
		mx_run_row(&m, i);
		rows++;
	}
	mx_close(&m);
	assert_int_equal(rows, NROWS / 2);
	assert_int_equal(m.failures, 0);
	verify_audit();
}

static void test_access__matrix_victim_case(void **state)
{
	(void)state;
	run_matrix(VAULT_CASE_VICTIM);
}

static void test_access__matrix_perpetrator_case(void **state)
{
	(void)state;
	run_matrix(VAULT_CASE_PERPETRATOR);
}

/* ------------------------------------------------------------------------ */
/* Invariant 5: separation                                                   */
/* ------------------------------------------------------------------------ */

struct grant_seen {
	const char *principal;
	unsigned int classes; /* union over that principal's grants */
	int n;
};

static int grant_cb(const vault_grant_info *g, void *ctx)
{
	struct grant_seen *s = ctx;

	if (strcmp(g->principal, s->principal) == 0) {
		s->classes |= g->classes;
		s->n++;
	}
	return 0;
}

static struct grant_seen grants_of(vault *v, const char *case_id, const char *principal)
{
	struct grant_seen s = {principal, 0, 0};

	must(v, vault_grant_foreach(v, case_id, grant_cb, &s), "grant list");
	return s;
}

/* A victim case of the anti-violence centre with a consent for the
 * perpetrator programme on every class. */
static void separation_case(vault *cav, char id[VAULT_ID_BUFSIZE])
{
	must(cav, vault_case_create(cav, VIC, 0, id), "case");
	put(cav, id, "where", SAF, "via Roma 1, second floor");
	put(cav, id, "notes", GEN, "first interview");
	consent(cav, id, "cuav", VAULT_CLASS_ALL, 0, NULL);
}

static void test_access__separation_share_all_to_programme_denied(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *cav = th_open(g_dir, "cav_cw");
	struct grant_seen gs;
	struct tally t;

	(void)state;
	separation_case(cav, id);
	/* Her consent covers every class: the safety part is still refused,
	 * and the whole share with it (nothing is half granted). */
	assert_int_equal(share_org(cav, id, "cuav", VAULT_CLASS_ALL, VAULT_PERM_SHARE),
	                 VAULT_ERR_DENIED);
	gs = grants_of(cav, id, "cuav");
	assert_int_equal(gs.n, 0);
	assert_int_equal(get_as("cuav_cw", id, "notes"), VAULT_ERR_DENIED);
	/* The same consent lets the other classes through. */
	must(cav, share_org(cav, id, "cuav", GEN | SEN, VAULT_PERM_SHARE), "share gen+sen");
	gs = grants_of(cav, id, "cuav");
	assert_int_equal(gs.classes, GEN | SEN);
	vault_close(cav);
	/* The refusal is for review. */
	t = audit_tally(id, "share", 1, NULL);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.denied, 1);
}

static void test_access__separation_safety_to_programme_member_denied(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *cav = th_open(g_dir, "cav_cw");
	struct grant_seen gs;
	struct tally t;

	(void)state;
	separation_case(cav, id);
	/* Not to the organisation, and not to one of its members by name. */
	assert_int_equal(share_org(cav, id, "cuav", SAF, VAULT_PERM_READ), VAULT_ERR_DENIED);
	assert_int_equal(share_to(cav, id, VAULT_PRINCIPAL_USER, "cuav_cw", SAF,
	                          VAULT_PERM_READ, 0), VAULT_ERR_DENIED);
	assert_int_equal(share_to(cav, id, VAULT_PRINCIPAL_USER, "cuav_sup", VAULT_CLASS_ALL,
	                          VAULT_PERM_WRITE, 0), VAULT_ERR_DENIED);
	gs = grants_of(cav, id, "cuav_cw");
	assert_int_equal(gs.n, 0);
	gs = grants_of(cav, id, "cuav_sup");
	assert_int_equal(gs.n, 0);
	/* A member may hold the rest by name. */
	must(cav, share_to(cav, id, VAULT_PRINCIPAL_USER, "cuav_cw", GEN, VAULT_PERM_READ, 0),
	     "share general to a member");
	vault_close(cav);
	assert_int_equal(get_as("cuav_cw", id, "notes"), VAULT_OK);
	assert_int_equal(get_as("cuav_cw", id, "where"), VAULT_ERR_DENIED);
	assert_int_equal(th_user_can_decrypt(g_dir, "cuav_cw", id, "where"), 0);
	t = audit_tally(id, "share", 1, NULL);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.denied, 3);
}

static void test_access__separation_granted_member_cannot_read_safety(void **state)
{
	static const char *const users[] = {"cuav_cw", "cuav_sup"};
	char id[VAULT_ID_BUFSIZE];
	vault *cav = th_open(g_dir, "cav_cw");
	uint32_t e, saf_epoch;
	size_t i;

	(void)state;
	separation_case(cav, id);
	/* Everything that can be given: the share right on the rest. */
	must(cav, share_org(cav, id, "cuav", GEN | SEN, VAULT_PERM_SHARE), "share");
	/* A second epoch of every class key: in and out for the health
	 * authority, then new records. */
	consent(cav, id, "asl", VAULT_CLASS_ALL, 0, NULL);
	must(cav, share_org(cav, id, "asl", VAULT_CLASS_ALL, VAULT_PERM_READ), "share asl");
	must(cav, vault_revoke(cav, id, VAULT_PRINCIPAL_ORG, "asl"), "revoke asl");
	put(cav, id, "where2", SAF, "moved to the shelter in via Po");
	put(cav, id, "notes2", GEN, "second interview");
	vault_close(cav);
	saf_epoch = epoch_of(id, SAF);
	assert_true(saf_epoch >= 2);
	for (e = 1; e <= saf_epoch; e++)
		assert_int_equal(th_user_can_unseal(g_dir, "cav_cw", id, SAF, e), 1);

	for (i = 0; i < 2; i++) {
		const char *u = users[i];
		vault *v = th_open(g_dir, u);

		assert_int_equal(get(v, id, "notes2", "second interview"), VAULT_OK);
		assert_int_equal(get(v, id, "where", NULL), VAULT_ERR_DENIED);
		assert_int_equal(get(v, id, "where2", NULL), VAULT_ERR_DENIED);
		assert_int_equal(vault_record_put(v, id, "where3", SAF, "x", 1, NULL),
		                 VAULT_ERR_DENIED);
		vault_close(v);
		assert_int_equal(th_user_can_decrypt(g_dir, u, id, "notes2"), 1);
		assert_int_equal(th_user_can_decrypt(g_dir, u, id, "where"), 0);
		assert_int_equal(th_user_can_decrypt(g_dir, u, id, "where2"), 0);
		for (e = 1; e <= saf_epoch; e++)
			assert_int_equal(th_user_can_unseal(g_dir, u, id, SAF, e), 0);
		assert_int_equal(th_user_can_unseal(g_dir, u, id, GEN, epoch_of(id, GEN)), 1);
	}
	verify_audit();
}

struct case_seen {
	unsigned int readable, writable;
	int n;
	const char *needle; /* text that must appear nowhere */
	int needle_hits;
};

static int case_cb(const vault_case_info *c, void *ctx)
{
	struct case_seen *s = ctx;

	s->readable = c->readable;
	s->writable = c->writable;
	s->n++;
	if (has(c->id, s->needle) || has(c->owner_org, s->needle) ||
	    has(c->created_by, s->needle))
		s->needle_hits++;
	return 0;
}

static void test_access__separation_break_glass_does_not_open_safety(void **state)
{
	char vic[VAULT_ID_BUFSIZE], own[VAULT_ID_BUFSIZE];
	vault *cav = th_open(g_dir, "cav_cw");
	vault *cw, *sup;
	struct case_seen cs;

	(void)state;
	/* On the anti-violence centre's case: not their organisation. */
	separation_case(cav, vic);
	must(cav, share_org(cav, vic, "cuav", GEN | SEN, VAULT_PERM_WRITE), "share");
	vault_close(cav);
	sup = th_open(g_dir, "cuav_sup");
	assert_int_equal(vault_break_glass(sup, vic, REASON_OK, 0), VAULT_ERR_DENIED);
	assert_int_equal(get(sup, vic, "where", NULL), VAULT_ERR_DENIED);

	/* On a victim case the programme owns itself (a partner who turned
	 * to it), break-glass is allowed, and still does not reach safety:
	 * nobody there holds that class's key at all. */
	cw = th_open(g_dir, "cuav_cw");
	must(cw, vault_case_create(cw, VIC, VAULT_CASE_RESTRICTED, own), "case");
	put(cw, own, "notes", GEN, "partner of a participant");
	assert_int_equal(vault_record_put(cw, own, "where", SAF, "x", 1, NULL), VAULT_ERR_DENIED);
	vault_close(cw);
	assert_int_equal(get(sup, own, "notes", NULL), VAULT_ERR_DENIED);
	must(sup, vault_break_glass(sup, own, REASON_OK, 0), "break-glass");
	assert_int_equal(get(sup, own, "notes", "partner of a participant"), VAULT_OK);
	assert_int_equal(vault_record_put(sup, own, "where", SAF, "x", 1, NULL),
	                 VAULT_ERR_DENIED);
	memset(&cs, 0, sizeof(cs));
	must(sup, vault_case_show(sup, own, case_cb, &cs), "show");
	assert_int_equal(cs.readable, GEN | SEN);
	assert_int_equal(cs.writable, GEN | SEN);
	vault_close(sup);
	assert_int_equal(th_user_can_unseal(g_dir, "cuav_sup", own, GEN, epoch_of(own, GEN)), 1);
	assert_int_equal(th_user_can_unseal(g_dir, "cuav_sup", own, SAF, epoch_of(own, SAF)), 0);
	assert_int_equal(th_user_can_unseal(g_dir, "cuav_cw", own, SAF, epoch_of(own, SAF)), 0);
}

struct links_seen {
	int n;
	const char *want; /* count callbacks with exactly this id */
	int hits;
	const char *needle;
	int needle_hits;
};

static int link_cb(const char *perp, void *ctx)
{
	struct links_seen *l = ctx;

	l->n++;
	if (l->want != NULL && strcmp(perp, l->want) == 0)
		l->hits++;
	if (has(perp, l->needle))
		l->needle_hits++;
	return 0;
}

static int record_seen_cb(const vault_record_info *r, void *ctx)
{
	struct case_seen *s = ctx;

	s->n++;
	if (has(r->name, s->needle) || has(r->author, s->needle) || has(r->case_id, s->needle))
		s->needle_hits++;
	return 0;
}

/* A victim case of cav that the programme does not hold, linked to a case
 * the programme owns. */
static void linked_cases(char vic[VAULT_ID_BUFSIZE], char per[VAULT_ID_BUFSIZE])
{
	vault *cav, *cuav;

	th_case(g_dir, "cuav_cw", PER, 0, per);
	th_put(g_dir, "cuav_cw", per, "programme", GEN, "weekly group, started in May");
	cav = th_open(g_dir, "cav_cw");
	must(cav, vault_case_create(cav, VIC, 0, vic), "victim case");
	put(cav, vic, "who", SAF, "she fears her former partner");
	must(cav, vault_case_link(cav, vic, per), "link");
	vault_close(cav);
	cuav = th_open(g_dir, "cuav_cw");
	/* The perpetrator case is touched from its own side too. */
	assert_int_equal(get(cuav, per, "programme", NULL), VAULT_OK);
	vault_close(cuav);
}

static void test_access__separation_link_visible_from_victim_side(void **state)
{
	char vic[VAULT_ID_BUFSIZE], per[VAULT_ID_BUFSIZE];
	struct links_seen l;
	vault *cav;

	(void)state;
	linked_cases(vic, per);
	cav = th_open(g_dir, "cav_cw");
	memset(&l, 0, sizeof(l));
	l.want = per;
	must(cav, vault_case_links(cav, vic, link_cb, &l), "links");
	assert_int_equal(l.n, 1);
	assert_int_equal(l.hits, 1);
	vault_close(cav);
}

static void test_access__separation_link_hidden_from_perpetrator_side(void **state)
{
	static const char *const users[] = {"cuav_cw", "cuav_sup"};
	char vic[VAULT_ID_BUFSIZE], per[VAULT_ID_BUFSIZE];
	size_t i;

	(void)state;
	linked_cases(vic, per);
	for (i = 0; i < 2; i++) {
		vault *v = th_open(g_dir, users[i]);
		struct links_seen l;
		struct case_seen cs;
		struct tally t;

		/* Their own case has no links: nothing is stored on its side. */
		memset(&l, 0, sizeof(l));
		l.needle = vic;
		assert_int_equal(vault_case_links(v, per, link_cb, &l), VAULT_OK);
		assert_int_equal(l.n, 0);
		assert_false(has(vault_errmsg(v), vic));
		/* Its metadata, records and the case list. */
		memset(&cs, 0, sizeof(cs));
		cs.needle = vic;
		must(v, vault_case_show(v, per, case_cb, &cs), "show");
		assert_int_equal(cs.n, 1);
		must(v, vault_record_foreach(v, per, record_seen_cb, &cs), "records");
		must(v, vault_case_foreach(v, case_cb, &cs), "cases");
		assert_int_equal(cs.needle_hits, 0);
		assert_false(has(vault_errmsg(v), vic));
		vault_close(v);
		/* Nor in their own audit entries. */
		t = audit_tally_as(users[i], NULL, NULL, 0, NULL, vic);
		assert_true(t.n > 0);
		assert_int_equal(t.needle_hits, 0);
		/* Knowing the victim case's id gets them nothing either (this
		 * attempt is the first entry of theirs that names it). */
		v = th_open(g_dir, users[i]);
		memset(&l, 0, sizeof(l));
		l.needle = per;
		assert_int_equal(vault_case_links(v, vic, link_cb, &l), VAULT_ERR_DENIED);
		assert_int_equal(l.n, 0);
		vault_close(v);
	}
}

static void test_access__separation_link_not_in_audit_log(void **state)
{
	char vic[VAULT_ID_BUFSIZE], per[VAULT_ID_BUFSIZE];
	struct tally t;

	(void)state;
	linked_cases(vic, per);
	/* The auditor sees that a link was made on the victim case, not to
	 * which case. */
	t = audit_tally_as("aud", vic, "case.link", 0, NULL, per);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.ok, 1);
	assert_int_equal(t.needle_hits, 0);
	/* Nothing filed under the perpetrator case names the victim case. */
	t = audit_tally_as("aud", per, NULL, 0, NULL, vic);
	assert_true(t.n > 0);
	assert_int_equal(t.needle_hits, 0);
}

/* ------------------------------------------------------------------------ */
/* Invariant 6: consent                                                      */
/* ------------------------------------------------------------------------ */

/* A victim case of the reception centre, opened by cas_cw, with one
 * general record. */
static void consent_case(char id[VAULT_ID_BUFSIZE])
{
	th_case(g_dir, "cas_cw", VIC, 0, id);
	th_put(g_dir, "cas_cw", id, "notes", GEN, "arrived in March");
	th_put(g_dir, "cas_cw", id, "health", SEN, "pregnant, 20 weeks");
}

static void test_access__consent_required_to_share_victim_case(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	consent_case(id);
	v = th_open(g_dir, "cas_cw");
	assert_int_equal(share_org(v, id, "cav", GEN, VAULT_PERM_READ), VAULT_ERR_CONSENT);
	vault_close(v);
	assert_int_equal(get_as("cav_cw", id, "notes"), VAULT_ERR_DENIED);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw", id, "notes"), 0);
}

static void test_access__consent_for_another_org_does_not_cover(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	consent_case(id);
	v = th_open(g_dir, "cas_cw");
	consent(v, id, "asl", VAULT_CLASS_ALL, 0, NULL);
	assert_int_equal(share_org(v, id, "cav", GEN, VAULT_PERM_READ), VAULT_ERR_CONSENT);
	must(v, share_org(v, id, "asl", GEN, VAULT_PERM_READ), "share with asl");
	vault_close(v);
}

static void test_access__consent_for_fewer_classes_does_not_cover(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	consent_case(id);
	v = th_open(g_dir, "cas_cw");
	consent(v, id, "cav", GEN, 0, NULL);
	assert_int_equal(share_org(v, id, "cav", GEN | SEN, VAULT_PERM_READ), VAULT_ERR_CONSENT);
	assert_int_equal(share_org(v, id, "cav", SEN, VAULT_PERM_READ), VAULT_ERR_CONSENT);
	must(v, share_org(v, id, "cav", GEN, VAULT_PERM_READ), "share general");
	vault_close(v);
	assert_int_equal(get_as("cav_cw", id, "notes"), VAULT_OK);
	assert_int_equal(get_as("cav_cw", id, "health"), VAULT_ERR_DENIED);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw", id, "health"), 0);
}

static void test_access__consent_expired_does_not_cover(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	consent_case(id);
	v = th_open(g_dir, "cas_cw");
	consent(v, id, "cav", VAULT_CLASS_ALL, vault__now() + 60, NULL);
	must(v, share_org(v, id, "cav", GEN, VAULT_PERM_READ), "share while valid");
	assert_int_equal(get_as("cav_cw", id, "notes"), VAULT_OK);
	clock_shift(120);
	assert_int_equal(share_org(v, id, "cav", SEN, VAULT_PERM_READ), VAULT_ERR_CONSENT);
	vault_close(v);
	/* The grant made under it lapsed with it. */
	assert_int_equal(get_as("cav_cw", id, "notes"), VAULT_ERR_DENIED);
}

static void test_access__consent_withdrawn_does_not_cover(void **state)
{
	char id[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	consent_case(id);
	v = th_open(g_dir, "cas_cw");
	consent(v, id, "cav", VAULT_CLASS_ALL, 0, cid);
	must(v, vault_consent_withdraw(v, cid), "withdraw");
	assert_int_equal(share_org(v, id, "cav", GEN, VAULT_PERM_READ), VAULT_ERR_CONSENT);
	vault_close(v);
	assert_int_equal(get_as("cav_cw", id, "notes"), VAULT_ERR_DENIED);
}

static void test_access__consent_withdrawal_revokes_grants(void **state)
{
	char id[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	struct keyring *kr;
	struct grant_seen gs;
	vault *v;

	(void)state;
	consent_case(id);
	v = th_open(g_dir, "cas_cw");
	consent(v, id, "cav", VAULT_CLASS_ALL, 0, cid);
	must(v, share_org(v, id, "cav", GEN | SEN, VAULT_PERM_WRITE), "share");
	assert_int_equal(get_as("cav_cw", id, "notes"), VAULT_OK);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw", id, "notes"), 1);
	kr = keyring_take("cav_cw", id);
	assert_int_equal(keyring_can_decrypt(kr, id, "notes"), 1);

	must(v, vault_consent_withdraw(v, cid), "withdraw");
	gs = grants_of(v, id, "cav");
	assert_int_equal(gs.n, 0);
	put(v, id, "notes-after", GEN, "she asked to stop the referral");
	put(v, id, "health-after", SEN, "appointment moved");
	vault_close(v);
	assert_int_equal(get_as("cav_cw", id, "notes"), VAULT_ERR_DENIED);
	assert_int_equal(get_as("cav_cw", id, "notes-after"), VAULT_ERR_DENIED);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw", id, "notes-after"), 0);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw", id, "health-after"), 0);
	assert_int_equal(keyring_can_decrypt(kr, id, "notes-after"), 0);
	assert_int_equal(keyring_can_decrypt(kr, id, "health-after"), 0);
	keyring_free(kr);
	assert_int_equal(th_user_can_decrypt(g_dir, "cas_cw", id, "notes-after"), 1);
	verify_audit();
}

/* More principals rest on one consent than the library handles in one
 * batch (GATE_MAX_GRANTS): withdrawing it must still revoke every grant. */
static void test_access__consent_withdrawal_revokes_every_grant(void **state)
{
	enum { NUSERS = GATE_MAX_GRANTS + 2 };
	char id[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], name[32];
	struct grant_seen gs;
	vault *v;
	int i;

	(void)state;
	v = th_open(g_dir, "cav_sup");
	for (i = 0; i < NUSERS; i++) {
		size_t n;
		const unsigned char *p;

		snprintf(name, sizeof(name), "cav_many%02d", i);
		p = th_pass(name, &n);
		must(v, vault_user_add(v, name, NULL, VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
		     "user add");
	}
	vault_close(v);
	consent_case(id);
	v = th_open(g_dir, "cas_cw");
	consent(v, id, "cav", VAULT_CLASS_ALL, 0, cid);
	for (i = 0; i < NUSERS; i++) {
		snprintf(name, sizeof(name), "cav_many%02d", i);
		must(v, share_to(v, id, VAULT_PRINCIPAL_USER, name, GEN, VAULT_PERM_READ, 0),
		     "share with a user");
	}
	must(v, vault_consent_withdraw(v, cid), "withdraw");
	for (i = 0; i < NUSERS; i++) {
		snprintf(name, sizeof(name), "cav_many%02d", i);
		gs = grants_of(v, id, name);
		if (gs.n != 0)
			fail_msg("%s still holds a grant after the withdrawal", name);
	}
	put(v, id, "notes-after", GEN, "she withdrew her consent");
	vault_close(v);
	snprintf(name, sizeof(name), "cav_many%02d", NUSERS - 1);
	assert_int_equal(get_as(name, id, "notes"), VAULT_ERR_DENIED);
	assert_int_equal(th_user_can_decrypt(g_dir, name, id, "notes-after"), 0);
}

static void test_access__consent_not_needed_for_perpetrator_case(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	th_case(g_dir, "cas_cw", PER, 0, id);
	th_put(g_dir, "cas_cw", id, "notes", GEN, "reported by the guest");
	v = th_open(g_dir, "cas_cw");
	must(v, share_org(v, id, "cuav", VAULT_CLASS_ALL, VAULT_PERM_READ), "share");
	vault_close(v);
	assert_int_equal(get_as("cuav_cw", id, "notes"), VAULT_OK);
}

static void test_access__consent_emergency_basis_refused_to_caseworker(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	consent_case(id);
	v = th_open(g_dir, "cas_cw");
	assert_int_equal(emergency_consent(v, id, "cav", "she was attacked in the centre"),
	                 VAULT_ERR_DENIED);
	assert_int_equal(share_org(v, id, "cav", GEN, VAULT_PERM_READ), VAULT_ERR_CONSENT);
	vault_close(v);
}

static void test_access__consent_emergency_basis_needs_reason(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	consent_case(id);
	v = th_open(g_dir, "cas_sup");
	assert_int_equal(emergency_consent(v, id, "cav", NULL), VAULT_ERR_DENIED);
	assert_int_equal(emergency_consent(v, id, "cav", ""), VAULT_ERR_DENIED);
	assert_int_equal(share_org(v, id, "cav", GEN, VAULT_PERM_READ), VAULT_ERR_CONSENT);
	vault_close(v);
}

static void test_access__consent_emergency_basis_by_supervisor_is_high(void **state)
{
	const char *reason = "she was attacked in the centre";
	char id[VAULT_ID_BUFSIZE];
	struct tally t;
	vault *v;

	(void)state;
	consent_case(id);
	v = th_open(g_dir, "cas_sup");
	must(v, emergency_consent(v, id, "cav", reason), "emergency consent");
	must(v, share_org(v, id, "cav", GEN, VAULT_PERM_READ), "share on it");
	vault_close(v);
	t = audit_tally(id, "consent.add", 1, reason);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.ok, 1);
	assert_int_equal(t.reason_hits, 1);
	assert_int_equal(get_as("cav_cw", id, "notes"), VAULT_OK);
}

/* ------------------------------------------------------------------------ */
/* Invariant 7: revocation and disabled users                                */
/* ------------------------------------------------------------------------ */

static const char *const class_recs[3] = {"r-general", "r-sensitive", "r-safety"};
static const unsigned int class_bits[3] = {GEN, SEN, SAF};

/* A victim case of the reception centre, shared with the anti-violence
 * centre (WRITE on every class, under her consent), one record per class. */
static void revocation_case(char id[VAULT_ID_BUFSIZE])
{
	vault *v;
	size_t c;

	th_case(g_dir, "cas_cw", VIC, 0, id);
	v = th_open(g_dir, "cas_cw");
	for (c = 0; c < 3; c++)
		put(v, id, class_recs[c], (vault_class)class_bits[c], "written before");
	consent(v, id, "cav", VAULT_CLASS_ALL, 0, NULL);
	must(v, share_org(v, id, "cav", VAULT_CLASS_ALL, VAULT_PERM_WRITE), "share");
	vault_close(v);
}

static void test_access__revoked_holder_denied_by_api(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v, *own;
	size_t c;

	(void)state;
	revocation_case(id);
	v = th_open(g_dir, "cav_cw");
	for (c = 0; c < 3; c++)
		assert_int_equal(get(v, id, class_recs[c], "written before"), VAULT_OK);
	own = th_open(g_dir, "cas_sup");
	must(own, vault_revoke(own, id, VAULT_PRINCIPAL_ORG, "cav"), "revoke");
	/* The owner's own hold is not revocable. */
	assert_int_equal(vault_revoke(own, id, VAULT_PRINCIPAL_ORG, "cas"), VAULT_ERR_DENIED);
	vault_close(own);
	/* The handle opened before the revocation is refused too. */
	for (c = 0; c < 3; c++) {
		assert_int_equal(get(v, id, class_recs[c], NULL), VAULT_ERR_DENIED);
		assert_int_equal(vault_record_put(v, id, class_recs[c], (vault_class)class_bits[c],
		                                  "x", 1, NULL), VAULT_ERR_DENIED);
	}
	vault_close(v);
	assert_int_equal(get_as("cav_sup", id, "r-general"), VAULT_ERR_DENIED);
}

static void test_access__revoked_holder_cannot_decrypt_later_records(void **state)
{
	static const char *const users[] = {"cav_cw", "cav_sup"};
	char id[VAULT_ID_BUFSIZE], name[32];
	struct keyring *kr[2];
	vault *v;
	size_t c, u;

	(void)state;
	revocation_case(id);
	/* Before: a record written now decrypts with their own keys. */
	v = th_open(g_dir, "cas_cw");
	for (c = 0; c < 3; c++) {
		snprintf(name, sizeof(name), "%s-mid", class_recs[c]);
		put(v, id, name, (vault_class)class_bits[c], "written while they held it");
	}
	vault_close(v);
	for (u = 0; u < 2; u++) {
		for (c = 0; c < 3; c++) {
			snprintf(name, sizeof(name), "%s-mid", class_recs[c]);
			assert_int_equal(th_user_can_decrypt(g_dir, users[u], id, name), 1);
		}
		kr[u] = keyring_take(users[u], id);
	}

	v = th_open(g_dir, "cas_sup");
	must(v, vault_revoke(v, id, VAULT_PRINCIPAL_ORG, "cav"), "revoke");
	for (c = 0; c < 3; c++) {
		snprintf(name, sizeof(name), "%s-after", class_recs[c]);
		put(v, id, name, (vault_class)class_bits[c], "written after the revocation");
	}
	vault_close(v);
	/* After: nothing they hold now, nor anything they kept. */
	for (u = 0; u < 2; u++) {
		for (c = 0; c < 3; c++) {
			snprintf(name, sizeof(name), "%s-after", class_recs[c]);
			assert_int_equal(th_user_can_decrypt(g_dir, users[u], id, name), 0);
			assert_int_equal(keyring_can_decrypt(kr[u], id, name), 0);
			assert_int_equal(th_user_can_decrypt(g_dir, "cas_cw", id, name), 1);
		}
		keyring_free(kr[u]);
	}
	verify_audit();
}

static void test_access__disabled_user_cannot_decrypt_later_records(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	struct keyring *kr;
	size_t n;
	const unsigned char *p;
	vault *v = NULL;

	(void)state;
	add_user("cav_sup", "cav_cw3", VAULT_ROLE_CASEWORKER);
	th_case(g_dir, "cav_cw", VIC, 0, id);
	th_put(g_dir, "cav_cw", id, "notes", GEN, "before");
	th_put(g_dir, "cav_cw", id, "where", SAF, "before");
	/* Before: the organisation's case is theirs to read, keys and all. */
	assert_int_equal(get_as("cav_cw3", id, "notes"), VAULT_OK);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw3", id, "notes"), 1);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw3", id, "where"), 1);
	/* What they could copy while they still had their slot. */
	kr = keyring_take("cav_cw3", id);
	assert_int_equal(keyring_can_decrypt(kr, id, "where"), 1);

	v = th_open(g_dir, "cav_sup");
	must(v, vault_user_disable(v, "cav_cw3"), "disable");
	vault_close(v);
	th_put(g_dir, "cav_cw", id, "notes", GEN, "after");
	th_put(g_dir, "cav_cw", id, "where", SAF, "after");
	assert_int_equal(keyring_can_decrypt(kr, id, "notes"), 0);
	assert_int_equal(keyring_can_decrypt(kr, id, "where"), 0);
	keyring_free(kr);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw", id, "where"), 1);
	p = th_pass("cav_cw3", &n);
	v = NULL;
	assert_int_equal(vault_open(g_dir, "cav_cw3", p, n, NULL, &v), VAULT_ERR_AUTH);
	assert_null(v);
	verify_audit();
}

/* ------------------------------------------------------------------------ */
/* Break-glass and restricted cases                                          */
/* ------------------------------------------------------------------------ */

/* A restricted victim case of cav_cw, one record per class. */
static void restricted_case(char id[VAULT_ID_BUFSIZE])
{
	size_t c;

	th_case(g_dir, "cav_cw", VIC, VAULT_CASE_RESTRICTED, id);
	for (c = 0; c < 3; c++)
		th_put(g_dir, "cav_cw", id, class_recs[c], (vault_class)class_bits[c], "restricted");
}

static void test_access__break_glass_supervisor_denied_before(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	size_t c;

	(void)state;
	restricted_case(id);
	for (c = 0; c < 3; c++)
		assert_int_equal(get_as("cav_sup", id, class_recs[c]), VAULT_ERR_DENIED);
	assert_int_equal(get_as("cav_cw", id, "r-general"), VAULT_OK);
}

static void test_access__break_glass_refused_for_caseworker(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	struct tally t;
	vault *v;

	(void)state;
	restricted_case(id);
	v = th_open(g_dir, "cav_cw2");
	assert_int_equal(vault_break_glass(v, id, REASON_OK, 0), VAULT_ERR_DENIED);
	assert_int_equal(get(v, id, "r-general", NULL), VAULT_ERR_DENIED);
	vault_close(v);
	t = audit_tally(id, "break-glass", 1, NULL);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.denied, 1);
}

static void test_access__break_glass_refused_for_other_org_supervisor(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	struct tally t;
	vault *v;

	(void)state;
	restricted_case(id);
	v = th_open(g_dir, "cas_sup");
	assert_int_equal(vault_break_glass(v, id, REASON_OK, 0), VAULT_ERR_DENIED);
	assert_int_equal(get(v, id, "r-general", NULL), VAULT_ERR_DENIED);
	vault_close(v);
	t = audit_tally(id, "break-glass", 1, NULL);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.denied, 1);
}

static void test_access__break_glass_refused_without_reason(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	struct tally t;
	vault *v;

	(void)state;
	restricted_case(id);
	v = th_open(g_dir, "cav_sup");
	/* No reason at all is a caller's mistake; an empty or short one is a
	 * refused attempt, and recorded for review. */
	assert_int_equal(vault_break_glass(v, id, NULL, 0), VAULT_ERR_INVALID);
	assert_int_equal(vault_break_glass(v, id, "", 0), VAULT_ERR_DENIED);
	assert_int_equal(vault_break_glass(v, id, REASON_19, 0), VAULT_ERR_DENIED);
	assert_int_equal(get(v, id, "r-general", NULL), VAULT_ERR_DENIED);
	vault_close(v);
	t = audit_tally(id, "break-glass", 1, NULL);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.denied, 2);
}

static void test_access__break_glass_supervisor_with_reason_is_high(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	struct tally t;
	vault *v;
	size_t c;

	(void)state;
	restricted_case(id);
	v = th_open(g_dir, "cav_sup");
	must(v, vault_break_glass(v, id, REASON_OK, 0), "break-glass");
	for (c = 0; c < 3; c++)
		assert_int_equal(get(v, id, class_recs[c], "restricted"), VAULT_OK);
	vault_close(v);
	/* Only that supervisor: a colleague, or the other supervisor, is
	 * still out. */
	assert_int_equal(get_as("cav_cw2", id, "r-general"), VAULT_ERR_DENIED);
	assert_int_equal(get_as("cav_sup2", id, "r-general"), VAULT_ERR_DENIED);
	t = audit_tally(id, "break-glass", 1, REASON_OK);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.ok, 1);
	assert_int_equal(t.reason_hits, 1);
	t = audit_tally(id, "record.get", 1, NULL);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.ok, 3);
	verify_audit();
}

static void test_access__break_glass_expires(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	restricted_case(id);
	v = th_open(g_dir, "cav_sup");
	must(v, vault_break_glass(v, id, REASON_OK, 0), "break-glass");
	assert_int_equal(get(v, id, "r-safety", "restricted"), VAULT_OK);
	clock_shift(8 * 3600 - 60);
	assert_int_equal(get(v, id, "r-safety", "restricted"), VAULT_OK);
	clock_shift(120);
	assert_int_equal(get(v, id, "r-safety", NULL), VAULT_ERR_DENIED);
	assert_int_equal(get(v, id, "r-general", NULL), VAULT_ERR_DENIED);
	vault_close(v);
}

static void test_access__restricted_colleague_cannot_read(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	size_t c;

	(void)state;
	restricted_case(id);
	for (c = 0; c < 3; c++) {
		assert_int_equal(get_as("cav_cw2", id, class_recs[c]), VAULT_ERR_DENIED);
		assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw2", id, class_recs[c]), 0);
		assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw", id, class_recs[c]), 1);
	}
}

static void test_access__restricted_creator_shares_with_colleague(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	restricted_case(id);
	v = th_open(g_dir, "cav_cw");
	/* Within her organisation: no consent needed. */
	must(v, share_to(v, id, VAULT_PRINCIPAL_USER, "cav_cw2", GEN | SAF, VAULT_PERM_READ, 0),
	     "share with a colleague");
	vault_close(v);
	assert_int_equal(get_as("cav_cw2", id, "r-general"), VAULT_OK);
	assert_int_equal(get_as("cav_cw2", id, "r-safety"), VAULT_OK);
	assert_int_equal(get_as("cav_cw2", id, "r-sensitive"), VAULT_ERR_DENIED);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw2", id, "r-safety"), 1);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw2", id, "r-sensitive"), 0);
	/* Named colleagues only: the rest of the organisation stays out. */
	assert_int_equal(get_as("cav_sup", id, "r-general"), VAULT_ERR_DENIED);
}

/* ------------------------------------------------------------------------ */
/* Grant expiry                                                              */
/* ------------------------------------------------------------------------ */

static void test_access__grant_expires(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	th_case(g_dir, "cas_cw", PER, 0, id);
	th_put(g_dir, "cas_cw", id, "notes", GEN, "reported by the guest");
	v = th_open(g_dir, "cas_cw");
	must(v, share_to(v, id, VAULT_PRINCIPAL_ORG, "cav", GEN, VAULT_PERM_READ,
	                 vault__now() + 60), "share until now+60");
	vault_close(v);
	assert_int_equal(get_as("cav_cw", id, "notes"), VAULT_OK);
	clock_shift(120);
	assert_int_equal(get_as("cav_cw", id, "notes"), VAULT_ERR_DENIED);
}

static void test_access__expired_grant_cannot_decrypt_later_records(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	th_case(g_dir, "cas_cw", PER, 0, id);
	v = th_open(g_dir, "cas_cw");
	put(v, id, "notes", GEN, "reported by the guest");
	must(v, share_to(v, id, VAULT_PRINCIPAL_ORG, "cav", GEN, VAULT_PERM_READ,
	                 vault__now() + 60), "share until now+60");
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw", id, "notes"), 1);
	clock_shift(120);
	/* Written after the grant lapsed: a lapsed grant is no grant
	 * (invariant 2), in the keys as in the API. */
	put(v, id, "notes-later", GEN, "written after the grant lapsed");
	vault_close(v);
	assert_int_equal(get_as("cav_cw", id, "notes-later"), VAULT_ERR_DENIED);
	assert_int_equal(th_user_can_decrypt(g_dir, "cav_cw", id, "notes-later"), 0);
	assert_int_equal(th_user_can_decrypt(g_dir, "cas_cw", id, "notes-later"), 1);
}

/* A link is written under the safety key too: a holder whose grant lapsed
 * cannot read links made afterwards (the key is rotated away from him
 * first, as for records). */
static void test_access__expired_grant_cannot_decrypt_later_links(void **state)
{
	char vid[VAULT_ID_BUFSIZE], p1[VAULT_ID_BUFSIZE], p2[VAULT_ID_BUFSIZE];
	sqlite3 *db;
	sqlite3_stmt *s;
	uint32_t e1 = 0, e2 = 0;
	vault *v;

	(void)state;
	th_case(g_dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, p1);
	th_case(g_dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, p2);
	th_case(g_dir, "cav_cw", VAULT_CASE_VICTIM, 0, vid);
	v = th_open(g_dir, "cav_cw");
	consent(v, vid, "cas", VAULT_CLASS_ALL, 0, NULL);
	must(v, share_to(v, vid, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_SAFETY, VAULT_PERM_READ,
	                 vault__now() + 60), "share until now+60");
	must(v, vault_case_link(v, vid, p1), "link 1");
	clock_shift(120);
	must(v, vault_case_link(v, vid, p2), "link 2");
	vault_close(v);
	db = th_db_open(g_dir, "admin");
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT epoch FROM links WHERE victim_case = ?1"
	                                        " ORDER BY rowid", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, vid, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	e1 = (uint32_t)sqlite3_column_int64(s, 0);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	e2 = (uint32_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_int_equal(th_user_can_unseal(g_dir, "cas_cw", vid, VAULT_CLASS_SAFETY, e1), 1);
	assert_true(e2 > e1);
	assert_int_equal(th_user_can_unseal(g_dir, "cas_cw", vid, VAULT_CLASS_SAFETY, e2), 0);
	assert_int_equal(th_user_can_unseal(g_dir, "cav_cw", vid, VAULT_CLASS_SAFETY, e2), 1);
}

/* ------------------------------------------------------------------------ */

#define T(name) cmocka_unit_test_teardown(test_access__##name, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(matrix_victim_case),
		T(matrix_perpetrator_case),
		T(separation_share_all_to_programme_denied),
		T(separation_safety_to_programme_member_denied),
		T(separation_granted_member_cannot_read_safety),
		T(separation_break_glass_does_not_open_safety),
		T(separation_link_visible_from_victim_side),
		T(separation_link_hidden_from_perpetrator_side),
		T(separation_link_not_in_audit_log),
		T(consent_required_to_share_victim_case),
		T(consent_for_another_org_does_not_cover),
		T(consent_for_fewer_classes_does_not_cover),
		T(consent_expired_does_not_cover),
		T(consent_withdrawn_does_not_cover),
		T(consent_withdrawal_revokes_grants),
		T(consent_withdrawal_revokes_every_grant),
		T(consent_not_needed_for_perpetrator_case),
		T(consent_emergency_basis_refused_to_caseworker),
		T(consent_emergency_basis_needs_reason),
		T(consent_emergency_basis_by_supervisor_is_high),
		T(revoked_holder_denied_by_api),
		T(revoked_holder_cannot_decrypt_later_records),
		T(disabled_user_cannot_decrypt_later_records),
		T(break_glass_supervisor_denied_before),
		T(break_glass_refused_for_caseworker),
		T(break_glass_refused_for_other_org_supervisor),
		T(break_glass_refused_without_reason),
		T(break_glass_supervisor_with_reason_is_high),
		T(break_glass_expires),
		T(restricted_colleague_cannot_read),
		T(restricted_creator_shares_with_colleague),
		T(grant_expires),
		T(expired_grant_cannot_decrypt_later_records),
		T(expired_grant_cannot_decrypt_later_links),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
