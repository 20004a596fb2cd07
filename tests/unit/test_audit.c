/*
 * test_audit.c - the audit log inside a vault: one entry per operation,
 * allowed or refused; no secret in any entry; fail closed when the entry
 * cannot be written; failed unlocks; what auditors and others may read;
 * queries; and tampering with the database as an insider would, with the
 * raw file and their own credentials.
 *
 * Entries are counted and read straight from the database (with the
 * admin's own database key), so that the reading adds nothing to the log.
 * The format and the verifier themselves are tested on synthetic logs and
 * exports in test_audit_chain.c.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit_chain.h"
#include "helpers.h"
#include "internal.h"

#define SECRET_GENERAL "Intake-note: she left home on 3 May, secret-GEN-7731"
#define SECRET_SAFETY "Shelter-address: Via dei Tigli 14, secret-SAF-9902"
#define SECRET_SENSITIVE "Residence permit pending, secret-SEN-4410"
#define WRONG_PASS "wrong-passphrase-secret-WP-5521"
#define NEW_PASS "brand-new-passphrase-secret-NP-8080"
#define NEWUSER_PASS "newcomer-passphrase-secret-NU-6262"
#define ORGSUP_PASS "ngo-supervisor-passphrase-secret-OS-1717"
#define BG_REASON "she called the helpline at night and cannot be reached"

typedef struct fx {
	char *dir;
	sqlite3 *db;                    /* the admin's own view of vault.db */
	char vcase[VAULT_ID_BUFSIZE];   /* a victim case of cav, by cav_cw */
	long long put_seq;              /* entry of the first put in vcase */
} fx;

/* One audit row, as stored. */
typedef struct row {
	long long seq, ts;
	char actor[80], org[80], role[32], action[64], case_id[40], target[80];
	char cls[64], outcome[16], reason[1100], purpose[32];
	int has_newkey, high, has_sig;
} row;

/* ---- database helpers ------------------------------------------------------- */

static long long scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static long long count(fx *f)
{
	return scalar(f->db, "SELECT count(*) FROM audit");
}

static void text_col(sqlite3_stmt *s, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static void get_row(fx *f, long long seq, row *r)
{
	sqlite3_stmt *s;

	memset(r, 0, sizeof(*r));
	assert_int_equal(sqlite3_prepare_v2(f->db,
	                                    "SELECT seq, ts, actor, org, role, action, case_id,"
	                                    " target, class, outcome, reason, purpose,"
	                                    " newkey IS NOT NULL, high, sig IS NOT NULL"
	                                    " FROM audit WHERE seq = ?1", -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(s, 1, seq);
	if (sqlite3_step(s) != SQLITE_ROW)
		fail_msg("no audit entry %lld", seq);
	r->seq = sqlite3_column_int64(s, 0);
	r->ts = sqlite3_column_int64(s, 1);
	text_col(s, 2, r->actor, sizeof(r->actor));
	text_col(s, 3, r->org, sizeof(r->org));
	text_col(s, 4, r->role, sizeof(r->role));
	text_col(s, 5, r->action, sizeof(r->action));
	text_col(s, 6, r->case_id, sizeof(r->case_id));
	text_col(s, 7, r->target, sizeof(r->target));
	text_col(s, 8, r->cls, sizeof(r->cls));
	text_col(s, 9, r->outcome, sizeof(r->outcome));
	text_col(s, 10, r->reason, sizeof(r->reason));
	text_col(s, 11, r->purpose, sizeof(r->purpose));
	r->has_newkey = sqlite3_column_int(s, 12);
	r->high = sqlite3_column_int(s, 13);
	r->has_sig = sqlite3_column_int(s, 14);
	sqlite3_finalize(s);
}

/* The operation just done wrote exactly one entry: load it. */
static void one_entry(fx *f, long long before, row *r)
{
	long long now = count(f);

	if (now != before + 1)
		fail_msg("expected exactly one new audit entry, got %lld", now - before);
	get_row(f, scalar(f->db, "SELECT max(seq) FROM audit"), r);
}

static void expect(const row *r, const char *actor, const char *org, const char *role,
                   const char *action, const char *case_id, const char *target,
                   const char *cls, const char *outcome)
{
	assert_string_equal(r->actor, actor);
	assert_string_equal(r->org, org);
	assert_string_equal(r->role, role);
	assert_string_equal(r->action, action);
	assert_string_equal(r->case_id, case_id);
	assert_string_equal(r->target, target);
	assert_string_equal(r->cls, cls);
	assert_string_equal(r->outcome, outcome);
	if (strcmp(outcome, "ok") != 0 && r->reason[0] == '\0')
		fail_msg("a refused or failed %s has no reason", action);
}

/* How the log and records.name name record `name` of a case in class cls:
 * its tag (lib/freetext.c), computed with cav_cw's keys.  rtag gives the
 * audit target ("r:" + hex), rtag_sql an SQL blob literal. */
static const char *rtag(fx *f, const char *case_id, unsigned int cls, const char *name)
{
	static char buf[8][40];
	static int k;
	char hex[33], *out = buf[k++ % 8];

	th_tag_hex(f->dir, "cav_cw", case_id, cls, name, hex);
	snprintf(out, 40, "r:%s", hex);
	return out;
}

static const char *rtag_sql(fx *f, const char *case_id, unsigned int cls, const char *name)
{
	static char buf[8][40];
	static int k;
	char hex[33], *out = buf[k++ % 8];

	th_tag_hex(f->dir, "cav_cw", case_id, cls, name, hex);
	snprintf(out, 40, "X'%s'", hex);
	return out;
}

static long long scalarf(fx *f, const char *fmt, ...)
{
	char q[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	return scalar(f->db, q);
}

static void sql(fx *f, const char *user, const char *stmt)
{
	int rc = th_db_exec(f->dir, user, stmt);

	if (rc != SQLITE_OK)
		fail_msg("%s: sqlite rc %d", stmt, rc);
}

/* ---- fixture -------------------------------------------------------------- */

/* Seconds the tests moved the library's clock, undone in teardown. */
static int64_t g_shift;

static void shift(int64_t s)
{
	vault__clock_shift(s);
	g_shift += s;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	f->dir = th_network();
	th_case(f->dir, "cav_cw", VAULT_CASE_VICTIM, 0, f->vcase);
	th_put(f->dir, "cav_cw", f->vcase, "intake", VAULT_CLASS_GENERAL, SECRET_GENERAL);
	th_put(f->dir, "cav_cw", f->vcase, "shelter", VAULT_CLASS_SAFETY, SECRET_SAFETY);
	f->db = th_db_open(f->dir, "admin");
	f->put_seq = scalar(f->db, "SELECT min(seq) FROM audit WHERE action = 'record.put'");
	assert_true(f->put_seq > 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char *parent = strdup(f->dir);
	char *slash = strrchr(parent, '/');

	vault__clock_shift(-g_shift);
	g_shift = 0;
	sqlite3_close(f->db);
	th_rmdir(f->dir);
	/* th_network() puts the vault in <tmpdir>/v */
	if (slash != NULL) {
		*slash = '\0';
		rmdir(parent);
	}
	free(parent);
	free(f);
	return 0;
}

static vault *open_as(fx *f, const char *user)
{
	return th_open(f->dir, user);
}

static vault *open_purpose(fx *f, const char *user, vault_purpose purpose)
{
	vault_open_options o = VAULT_OPEN_OPTIONS_INIT;
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass(user, &n);

	o.purpose = purpose;
	assert_int_equal(vault_open(f->dir, user, p, n, &o, &v), VAULT_OK);
	return v;
}

/* A path next to the vault folder, for exports. */
static void side_path(fx *f, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/../%s", f->dir, name);
}

/* ---- collecting query results ---------------------------------------------- */

typedef struct seen {
	size_t n;
	uint64_t seq[4096];
	int all_actor_ok;
	const char *want_actor;
	char hash1[65], key1[65], newkey1[65], action1[32];
} seen;

static int collect(const vault_audit_entry *e, void *ctx)
{
	seen *s = ctx;

	if (s->n < 4096)
		s->seq[s->n] = e->seq;
	if (s->n == 0) {
		snprintf(s->hash1, sizeof(s->hash1), "%s", e->hash);
		snprintf(s->key1, sizeof(s->key1), "%s", e->key);
		snprintf(s->newkey1, sizeof(s->newkey1), "%s", e->newkey);
		snprintf(s->action1, sizeof(s->action1), "%s", e->action);
	}
	if (s->want_actor && strcmp(e->actor, s->want_actor) != 0)
		s->all_actor_ok = 0;
	s->n++;
	return 0;
}

/* The same entries, found by SQL straight after the query. */
static void same_as_sql(fx *f, const seen *s, const char *where)
{
	char q[1024];
	sqlite3_stmt *st;
	size_t i = 0;

	snprintf(q, sizeof(q), "SELECT seq FROM audit WHERE %s ORDER BY seq", where);
	assert_int_equal(sqlite3_prepare_v2(f->db, q, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (i >= s->n)
			fail_msg("%s: query missed entry %lld", where,
			         (long long)sqlite3_column_int64(st, 0));
		assert_int_equal(s->seq[i], (uint64_t)sqlite3_column_int64(st, 0));
		i++;
	}
	sqlite3_finalize(st);
	if (i != s->n)
		fail_msg("%s: query gave %zu entries, SQL %zu", where, s->n, i);
	/* A filter that matches nothing, or everything, proves nothing. */
	assert_true(s->n > 0);
	assert_true((long long)s->n < count(f));
}

/* ---- verification helpers ---------------------------------------------------- */

static vault_status verify_as_aud(fx *f, const char *checkpoint, vault_verify_result *res)
{
	vault *a;
	vault_status st;

	/* An auditor who saw the log before is stopped at open by her witness
	 * copy when it was tampered with (test_audit_tlog); this one comes to
	 * it afresh, to test what verification itself finds. */
	th_forget_witness(f->dir, "aud");
	th_forget_cache(f->dir, "aud"); /* and reads the whole log at open */
	assert_int_equal(vault_verify_result_init(res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	/* Since schema 7 the open replays the log (every fact rests on it): a
	 * tampered log is refused there, naming the entry, before anything
	 * of it is used. */
	{
		size_t n;
		const unsigned char *p = th_pass("aud", &n);
		const char *e;

		a = NULL;
		st = vault_open(f->dir, "aud", p, n, NULL, &a);
		if (st != VAULT_OK) {
			assert_int_equal(st, VAULT_ERR_INTEGRITY);
			snprintf(res->reason, sizeof(res->reason), "%s", vault_last_errmsg());
			e = strstr(res->reason, "entry ");
			res->bad_seq = e ? strtoull(e + 6, NULL, 10) : 0;
			return st;
		}
	}
	st = vault_audit_verify(a, checkpoint, res, NULL, NULL);
	vault_close(a);
	return st;
}

static void verify_ok(fx *f)
{
	vault_verify_result res;
	vault_status st = verify_as_aud(f, NULL, &res);

	if (st != VAULT_OK)
		fail_msg("intact log fails verification at %llu: %s",
		         (unsigned long long)res.bad_seq, res.reason);
}

static void expect_bad(fx *f, const char *checkpoint, long long bad_seq)
{
	vault_verify_result res;
	vault_status st;

	st = verify_as_aud(f, checkpoint, &res);

	assert_int_equal(st, VAULT_ERR_INTEGRITY);
	assert_true(res.reason[0] != '\0');
	if (bad_seq > 0 && res.bad_seq != (uint64_t)bad_seq)
		fail_msg("expected bad entry %lld, verifier says %llu: %s", bad_seq,
		         (unsigned long long)res.bad_seq, res.reason);
}

static char *take_checkpoint(fx *f)
{
	vault *a = open_as(f, "aud");
	vault_buf b = VAULT_BUF_INIT;
	char *cp;

	assert_int_equal(vault_audit_checkpoint(a, &b), VAULT_OK);
	assert_non_null(b.data);
	cp = strdup((const char *)b.data);
	vault_buf_free(&b);
	vault_close(a);
	return cp;
}

static void put_n(fx *f, const char *user, int n, const char *prefix)
{
	vault *v = open_as(f, user);
	char name[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		assert_int_equal(vault_record_put(v, f->vcase, name, VAULT_CLASS_GENERAL,
		                                  "x", 1, NULL), VAULT_OK);
	}
	vault_close(v);
}

/* ======================================================================== */
/* One entry per operation                                                   */
/* ======================================================================== */

static void test_audit__create_is_entry_1_with_admin_key(void **state)
{
	fx *f = *state;
	row r;

	get_row(f, 1, &r);
	expect(&r, "admin", "", "admin", "vault.create", "", "admin", "", "ok");
	assert_true(r.has_newkey);
	assert_true(r.has_sig);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM audit WHERE seq = 1"
	                               " AND newkey = key"), 1);
}

static void test_audit__vault_id_is_hash_of_entry_1(void **state)
{
	fx *f = *state;
	vault *a = open_as(f, "aud");
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	char id[VAULT_VAULT_ID_BUFSIZE];
	seen s;

	memset(&s, 0, sizeof(s));
	q.limit = 1;
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.seq[0], 1);
	assert_string_equal(s.action1, "vault.create");
	assert_string_equal(s.newkey1, s.key1);
	assert_int_equal(vault_id(a, id), VAULT_OK);
	assert_int_equal(strlen(id), 64);
	assert_string_equal(id, s.hash1);
	vault_close(a);
}

static void test_audit__open_is_recorded(void **state)
{
	fx *f = *state;
	long long n = count(f);
	vault *v = open_as(f, "cav_cw");
	row r;

	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "vault.open", "", "", "", "ok");
	assert_string_equal(r.purpose, "casework");
	assert_true(r.has_sig);
	vault_close(v);
}

static void test_audit__record_put_allowed(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	long long n = count(f);
	uint32_t ver = 0;
	row r;

	assert_int_equal(vault_record_put(v, f->vcase, "health", VAULT_CLASS_SENSITIVE,
	                                  SECRET_SENSITIVE, strlen(SECRET_SENSITIVE), &ver),
	                 VAULT_OK);
	assert_int_equal(ver, 1);
	one_entry(f, n, &r);
	/* The log names the record by its tag, never by its name. */
	expect(&r, "cav_cw", "cav", "caseworker", "record.put", f->vcase,
	       rtag(f, f->vcase, VAULT_CLASS_SENSITIVE, "health"), "sensitive", "ok");
	assert_string_equal(r.reason, "");
	assert_string_equal(r.purpose, "casework");
	assert_false(r.high);
	assert_false(r.has_newkey);
	assert_true(r.has_sig);
	vault_close(v);
}

static void test_audit__record_put_denied(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cas_cw");
	long long n = count(f);
	row r;

	assert_int_equal(vault_record_put(v, f->vcase, "intruder", VAULT_CLASS_GENERAL,
	                                  "x", 1, NULL), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	/* Holding no key of the class, he cannot name it: no target. */
	expect(&r, "cas_cw", "cas", "caseworker", "record.put", f->vcase, "",
	       "general", "denied");
	/* the refused write left only its entry */
	assert_int_equal(scalarf(f, "SELECT count(*) FROM records WHERE name = %s",
	                         rtag_sql(f, f->vcase, VAULT_CLASS_GENERAL, "intruder")), 0);
	vault_close(v);
}

static void test_audit__record_get_allowed(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault_buf b = VAULT_BUF_INIT;
	long long n = count(f);
	row r;

	assert_int_equal(vault_record_get(v, f->vcase, "shelter", 0, &b, NULL, NULL), VAULT_OK);
	assert_int_equal(b.len, strlen(SECRET_SAFETY));
	vault_buf_free(&b);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "record.get", f->vcase,
	       rtag(f, f->vcase, VAULT_CLASS_SAFETY, "shelter"), "safety", "ok");
	vault_close(v);
}

static void test_audit__record_get_denied_has_reason(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cas_cw");
	vault_buf b = VAULT_BUF_INIT;
	long long n = count(f);
	row r;

	assert_int_equal(vault_record_get(v, f->vcase, "intake", 0, &b, NULL, NULL),
	                 VAULT_ERR_DENIED);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	one_entry(f, n, &r);
	/* Holding no key of the case, he cannot name the record in any class:
	 * decided and recorded on every class it may be in. */
	expect(&r, "cas_cw", "cas", "caseworker", "record.get", f->vcase, "",
	       "general,sensitive,safety", "denied");
	assert_true(strlen(r.reason) > 5);
	vault_close(v);
}

static void test_audit__record_get_missing_is_error(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault_buf b = VAULT_BUF_INIT;
	long long n = count(f);
	row r;

	assert_int_equal(vault_record_get(v, f->vcase, "nothing-here", 0, &b, NULL, NULL),
	                 VAULT_ERR_NOT_FOUND);
	one_entry(f, n, &r);
	/* Named in no class: no tag to give. */
	expect(&r, "cav_cw", "cav", "caseworker", "record.get", f->vcase, "",
	       "general", "error");
	vault_close(v);
}

static int ignore_rec(const vault_record_info *i, void *c)
{
	(void)i;
	(void)c;
	return 0;
}

static void test_audit__record_delete_list_history(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault *o = open_as(f, "cas_cw");
	long long n = count(f);
	row r;

	assert_int_equal(vault_record_delete(v, f->vcase, "intake", NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "record.delete", f->vcase,
	       rtag(f, f->vcase, VAULT_CLASS_GENERAL, "intake"), "general", "ok");
	n = count(f);
	assert_int_equal(vault_record_delete(o, f->vcase, "shelter", NULL), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cas_cw", "cas", "caseworker", "record.delete", f->vcase, "",
	       "general,sensitive,safety", "denied");
	n = count(f);
	assert_int_equal(vault_record_foreach(v, f->vcase, ignore_rec, NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "record.list", f->vcase, "", "", "ok");
	n = count(f);
	assert_int_equal(vault_record_history(v, f->vcase, "intake", ignore_rec, NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "record.history", f->vcase,
	       rtag(f, f->vcase, VAULT_CLASS_GENERAL, "intake"), "", "ok");
	n = count(f);
	assert_int_equal(vault_record_foreach(o, f->vcase, ignore_rec, NULL), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cas_cw", "cas", "caseworker", "record.list", f->vcase, "", "", "denied");
	vault_close(o);
	vault_close(v);
}

static int ignore_case(const vault_case_info *i, void *c)
{
	(void)i;
	(void)c;
	return 0;
}

static void test_audit__case_create_show_list(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault *a = open_as(f, "aud");
	char id[VAULT_ID_BUFSIZE];
	long long n = count(f);
	row r;

	assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, id), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "case.create", id, "", "", "ok");
	n = count(f);
	assert_int_equal(vault_case_create(a, VAULT_CASE_VICTIM, 0, id), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "aud", "", "auditor", "case.create", "", "", "", "denied");
	n = count(f);
	assert_int_equal(vault_case_show(v, f->vcase, ignore_case, NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "case.show", f->vcase, "", "", "ok");
	n = count(f);
	assert_int_equal(vault_case_show(a, f->vcase, ignore_case, NULL), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "aud", "", "auditor", "case.show", f->vcase, "", "", "denied");
	n = count(f);
	assert_int_equal(vault_case_foreach(v, ignore_case, NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "case.list", "", "", "", "ok");
	vault_close(a);
	vault_close(v);
}

static int ignore_consent(const vault_consent_info *i, void *c)
{
	(void)i;
	(void)c;
	return 0;
}

static int ignore_grant(const vault_grant_info *i, void *c)
{
	(void)i;
	(void)c;
	return 0;
}

static void add_consent(vault *v, const char *case_id, const char *org, unsigned int cls,
                        vault_status want, char id[VAULT_ID_BUFSIZE])
{
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;

	o.org = org;
	o.classes = cls;
	o.purpose = "referral for reception";
	assert_int_equal(vault_consent_add(v, case_id, &o, id), want);
}

static void test_audit__consent_add_list_withdraw(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault *o = open_as(f, "cas_cw");
	char cid[VAULT_ID_BUFSIZE], x[VAULT_ID_BUFSIZE];
	long long n = count(f);
	row r;

	add_consent(v, f->vcase, "cas", VAULT_CLASS_GENERAL, VAULT_OK, cid);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "consent.add", f->vcase, "cas", "general", "ok");
	n = count(f);
	add_consent(o, f->vcase, "cas", VAULT_CLASS_GENERAL, VAULT_ERR_DENIED, x);
	one_entry(f, n, &r);
	expect(&r, "cas_cw", "cas", "caseworker", "consent.add", f->vcase, "cas", "general",
	       "denied");
	n = count(f);
	assert_int_equal(vault_consent_foreach(v, f->vcase, ignore_consent, NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "consent.list", f->vcase, "", "", "ok");
	n = count(f);
	assert_int_equal(vault_consent_withdraw(o, cid), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cas_cw", "cas", "caseworker", "consent.withdraw", f->vcase, cid, "",
	       "denied");
	n = count(f);
	assert_int_equal(vault_consent_withdraw(v, cid), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "consent.withdraw", f->vcase, cid, "", "ok");
	vault_close(o);
	vault_close(v);
}

static void test_audit__share_revoke_grant_list(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	char cid[VAULT_ID_BUFSIZE];
	long long n;
	row r;

	add_consent(v, f->vcase, "cas", VAULT_CLASS_GENERAL, VAULT_OK, cid);
	n = count(f);
	assert_int_equal(vault_share(v, f->vcase, VAULT_PRINCIPAL_ORG, "cas",
	                             VAULT_CLASS_GENERAL, NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "share", f->vcase, "cas", "general", "ok");
	assert_false(r.high);
	/* no consent covers asl: refused, outcome denied */
	n = count(f);
	assert_int_equal(vault_share(v, f->vcase, VAULT_PRINCIPAL_ORG, "asl",
	                             VAULT_CLASS_GENERAL, NULL), VAULT_ERR_CONSENT);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "share", f->vcase, "asl", "general", "denied");
	/* the separation rule: high severity */
	n = count(f);
	assert_int_equal(vault_share(v, f->vcase, VAULT_PRINCIPAL_ORG, "cuav",
	                             VAULT_CLASS_SAFETY, NULL), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "share", f->vcase, "cuav", "safety", "denied");
	assert_true(r.high);
	n = count(f);
	assert_int_equal(vault_grant_foreach(v, f->vcase, ignore_grant, NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "grant.list", f->vcase, "", "", "ok");
	n = count(f);
	assert_int_equal(vault_revoke(v, f->vcase, VAULT_PRINCIPAL_ORG, "cas"), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "revoke", f->vcase, "cas", "", "ok");
	n = count(f);
	assert_int_equal(vault_revoke(v, f->vcase, VAULT_PRINCIPAL_ORG, "cav"), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "revoke", f->vcase, "cav", "", "denied");
	vault_close(v);
}

static int ignore_link(const char *perp, void *c)
{
	(void)perp;
	(void)c;
	return 0;
}

static void test_audit__link_names_only_the_victim_case(void **state)
{
	fx *f = *state;
	char pcase[VAULT_ID_BUFSIZE];
	char like[512];
	vault *v;
	long long n;
	row r;

	th_case(f->dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, pcase);
	v = open_as(f, "cav_cw");
	n = count(f);
	assert_int_equal(vault_case_link(v, f->vcase, pcase), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "case.link", f->vcase, "", "safety", "ok");
	/* the link is never written in clear, not even in the log */
	snprintf(like, sizeof(like),
	         "SELECT count(*) FROM audit WHERE action LIKE 'case.link%%' AND"
	         " (instr(target, '%s') OR instr(reason, '%s') OR instr(case_id, '%s'))",
	         pcase, pcase, pcase);
	assert_int_equal(scalar(f->db, like), 0);
	n = count(f);
	assert_int_equal(vault_case_links(v, f->vcase, ignore_link, NULL),
	                 VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "case.links", f->vcase, "", "safety", "ok");
	vault_close(v);
}

static int reason_cb(const vault_audit_entry *e, void *ctx)
{
	snprintf(ctx, 256, "%s", e->reason);
	return 0;
}

/* The reason of entry seq, as `user` reads it through the API. */
static const char *reason_as(fx *f, const char *user, long long seq)
{
	static char buf[4][256];
	static int k;
	char *out = buf[k++ % 4];
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	vault *v = open_as(f, user);

	out[0] = '\0';
	q.after_seq = (uint64_t)seq - 1;
	q.limit = 1;
	assert_int_equal(vault_audit_foreach(v, &q, reason_cb, out), VAULT_OK);
	vault_close(v);
	return out;
}

/* A sealed reason opened directly by `user`: "" if not hers to read. */
static const char *reason_opened_by(fx *f, const char *user, const char *case_id,
                                    const char *sealed)
{
	static char buf[4][256];
	static int k;
	char *out = buf[k++ % 4], *opened = NULL;
	vault *v = open_as(f, user);

	assert_int_equal(vault__reason_open(v, case_id, sealed, &opened), VAULT_OK);
	snprintf(out, 256, "%s", opened ? opened : "");
	free(opened);
	vault_close(v);
	return out;
}

static void test_audit__break_glass_is_high(void **state)
{
	fx *f = *state;
	char rcase[VAULT_ID_BUFSIZE];
	vault_buf b = VAULT_BUF_INIT;
	vault *sup, *other;
	long long n;
	row r;

	th_case(f->dir, "cav_cw", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, rcase);
	th_put(f->dir, "cav_cw", rcase, "note", VAULT_CLASS_GENERAL, "restricted note");
	sup = open_as(f, "cav_sup");
	other = open_as(f, "cas_sup");
	n = count(f);
	assert_int_equal(vault_break_glass(other, rcase, BG_REASON, 0), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cas_sup", "cas", "supervisor", "break-glass", rcase, "", "general,sensitive,safety",
	       "denied");
	assert_true(r.high);
	n = count(f);
	assert_int_equal(vault_break_glass(sup, rcase, BG_REASON, 0), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_sup", "cav", "supervisor", "break-glass", rcase, "",
	       "general,sensitive,safety", "ok");
	assert_true(r.high);
	/* The written reason is sealed for the reviewers in the row (it may
	 * name her), and opened for them, not for others, by the API. */
	assert_true(strncmp(r.reason, "sealed:", 7) == 0);
	assert_null(strstr(r.reason, "helpline"));
	assert_string_equal(reason_as(f, "aud", r.seq), BG_REASON); /* an auditor */
	assert_string_equal(reason_opened_by(f, "cav_cw", rcase, r.reason), BG_REASON);
	assert_string_equal(reason_opened_by(f, "cas_sup", rcase, r.reason), "");
	assert_string_equal(reason_opened_by(f, "cuav_cw", rcase, r.reason), "");
	/* what break-glass opened is reviewed too */
	n = count(f);
	assert_int_equal(vault_record_get(sup, rcase, "note", 0, &b, NULL, NULL), VAULT_OK);
	vault_buf_free(&b);
	one_entry(f, n, &r);
	expect(&r, "cav_sup", "cav", "supervisor", "record.get", rcase,
	       rtag(f, rcase, VAULT_CLASS_GENERAL, "note"), "general", "ok");
	assert_true(r.high);
	vault_close(other);
	vault_close(sup);
}

static int ignore_user(const vault_user_info *i, void *c)
{
	(void)i;
	(void)c;
	return 0;
}

static void test_audit__user_add_disable_list_passwd(void **state)
{
	fx *f = *state;
	vault *sup = open_as(f, "cav_sup");
	vault *cw = open_as(f, "cav_cw");
	long long n = count(f);
	row r;

	assert_int_equal(vault_user_add(sup, "cav_new", NULL, VAULT_ROLE_CASEWORKER,
	                                (const unsigned char *)NEWUSER_PASS,
	                                strlen(NEWUSER_PASS), TEST_KDF), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_sup", "cav", "supervisor", "user.add", "", "cav_new", "", "ok");
	assert_true(r.has_newkey); /* the new key enters the chain */
	n = count(f);
	assert_int_equal(vault_user_add(cw, "cav_bad", NULL, VAULT_ROLE_CASEWORKER,
	                                (const unsigned char *)"p", 1, TEST_KDF),
	                 VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "user.add", "", "cav_bad", "", "denied");
	assert_false(r.has_newkey);
	n = count(f);
	assert_int_equal(vault_user_foreach(cw, ignore_user, NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "user.list", "", "", "", "ok");
	n = count(f);
	assert_int_equal(vault_user_disable(cw, "cav_new"), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "user.disable", "", "cav_new", "", "denied");
	n = count(f);
	assert_int_equal(vault_user_disable(sup, "cav_new"), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_sup", "cav", "supervisor", "user.disable", "", "cav_new", "", "ok");
	/* The disable rotated the database key (a new vault.db): other
	 * handles reopen, and so does the test's own reader, which must not
	 * delete the new file's WAL by name when it closes. */
	vault_close(cw);
	{
		int one = 1;
		sqlite3_file_control(f->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
		sqlite3_close(f->db);
		f->db = th_db_open(f->dir, "admin");
	}
	cw = open_as(f, "cav_cw");
	n = count(f);
	assert_int_equal(vault_passwd(cw, (const unsigned char *)NEW_PASS, strlen(NEW_PASS),
	                              TEST_KDF), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "user.rekey", "", "cav_cw", "", "ok");
	vault_close(cw);
	vault_close(sup);
	verify_ok(f);
}

static int ignore_org(const vault_org_info *i, void *c)
{
	(void)i;
	(void)c;
	return 0;
}

/* Adding an organisation creates its first supervisor too: two entries,
 * the supervisor's user.add carrying the new key (the chain's key history
 * knows keys only from user.add entries), then the org.add itself. */
static void test_audit__org_add_and_list(void **state)
{
	fx *f = *state;
	vault *adm = open_as(f, "admin");
	vault *sup = open_as(f, "cav_sup");
	long long n = count(f);
	row r;

	assert_int_equal(vault_org_add(adm, "ngo", "An NGO", VAULT_ORG_OTHER, "ngo_sup",
	                               (const unsigned char *)ORGSUP_PASS, strlen(ORGSUP_PASS),
	                               TEST_KDF), VAULT_OK);
	assert_int_equal(count(f), n + 2);
	get_row(f, n + 1, &r);
	expect(&r, "admin", "", "admin", "user.add", "", "ngo_sup", "", "ok");
	assert_true(r.has_newkey);
	get_row(f, n + 2, &r);
	expect(&r, "admin", "", "admin", "org.add", "", "ngo", "", "ok");
	assert_true(r.has_sig); /* the transaction's last entry carries the signature */
	n = count(f);
	assert_int_equal(vault_org_add(sup, "ngo2", "Another", VAULT_ORG_OTHER, "ngo2_sup",
	                               (const unsigned char *)"p", 1, TEST_KDF), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cav_sup", "cav", "supervisor", "org.add", "", "ngo2", "", "denied");
	assert_false(r.has_newkey);
	n = count(f);
	assert_int_equal(vault_org_foreach(sup, ignore_org, NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_sup", "cav", "supervisor", "org.list", "", "", "", "ok");
	vault_close(sup);
	vault_close(adm);
	verify_ok(f);
}

static void test_audit__purpose_is_recorded(void **state)
{
	fx *f = *state;
	vault *v = open_purpose(f, "cav_cw", VAULT_PURPOSE_REFERRAL);
	vault_buf b = VAULT_BUF_INIT;
	long long n = count(f);
	row r;

	assert_int_equal(vault_record_get(v, f->vcase, "intake", 0, &b, NULL, NULL), VAULT_OK);
	vault_buf_free(&b);
	one_entry(f, n, &r);
	assert_string_equal(r.purpose, "referral");
	assert_int_equal(vault_set_purpose(v, VAULT_PURPOSE_EMERGENCY), VAULT_OK);
	n = count(f);
	assert_int_equal(vault_record_get(v, f->vcase, "intake", 0, &b, NULL, NULL), VAULT_OK);
	vault_buf_free(&b);
	one_entry(f, n, &r);
	assert_string_equal(r.purpose, "emergency");
	vault_close(v);
}

/* Inside vault_begin() each operation still writes its one entry, and one
 * signature at commit covers them all. */
static void test_audit__batched_operations_one_entry_each(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	long long n = count(f);
	char name[16];
	int i;

	assert_int_equal(vault_begin(v), VAULT_OK);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		assert_int_equal(vault_record_put(v, f->vcase, name, VAULT_CLASS_GENERAL, "x", 1,
		                                  NULL), VAULT_OK);
	}
	assert_int_equal(vault_record_put(v, f->vcase, "bad name", VAULT_CLASS_GENERAL, "x", 1,
	                                  NULL), VAULT_ERR_INVALID);
	assert_int_equal(vault_commit(v), VAULT_OK);
	assert_int_equal(count(f), n + 5);
	assert_int_equal(scalarf(f, "SELECT count(*) FROM audit WHERE action = 'record.put'"
	                         " AND target IN ('%s', '%s', '%s', '%s', '%s') AND sig IS NOT NULL",
	                         rtag(f, f->vcase, VAULT_CLASS_GENERAL, "b0"),
	                         rtag(f, f->vcase, VAULT_CLASS_GENERAL, "b1"),
	                         rtag(f, f->vcase, VAULT_CLASS_GENERAL, "b2"),
	                         rtag(f, f->vcase, VAULT_CLASS_GENERAL, "b3"),
	                         rtag(f, f->vcase, VAULT_CLASS_GENERAL, "b4")), 1);
	assert_int_equal(scalar(f->db, "SELECT sig IS NOT NULL FROM audit WHERE seq ="
	                               " (SELECT max(seq) FROM audit)"), 1);
	/* rolled back: entries go too */
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(vault_record_put(v, f->vcase, "gone", VAULT_CLASS_GENERAL, "x", 1, NULL),
	                 VAULT_OK);
	assert_int_equal(vault_rollback(v), VAULT_OK);
	assert_int_equal(count(f), n + 5);
	vault_close(v);
	verify_ok(f);
}

/* ======================================================================== */
/* No secret in the log                                                      */
/* ======================================================================== */

static int column_contains(fx *f, const void *needle, size_t len)
{
	sqlite3_stmt *s;
	int found = 0, i;

	assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT * FROM audit", -1, &s, NULL), SQLITE_OK);
	while (!found && sqlite3_step(s) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(s) && !found; i++) {
			const void *b = sqlite3_column_blob(s, i);
			size_t n = (size_t)sqlite3_column_bytes(s, i);
			found = b != NULL && n >= len && memmem(b, n, needle, len) != NULL;
		}
	}
	sqlite3_finalize(s);
	return found;
}

static void test_audit__no_secret_in_any_entry(void **state)
{
	fx *f = *state;
	static const char *const users[] = {"admin", "admin2", "aud", "cav_sup", "cav_cw",
	                                    "cas_sup", "cas_cw", "cuav_sup", "cuav_cw"};
	const char *const secrets[] = {SECRET_GENERAL, SECRET_SAFETY, SECRET_SENSITIVE,
	                               WRONG_PASS, NEW_PASS, NEWUSER_PASS, ORGSUP_PASS};
	vault_buf b = VAULT_BUF_INIT;
	slot_secret sec;
	vault_kdf def;
	vault *v = NULL, *sup, *adm;
	size_t i, n;
	const unsigned char *p;

	/* Every kind of operation that handles a secret, allowed and refused. */
	assert_int_equal(vault_open(f->dir, "cav_cw", (const unsigned char *)WRONG_PASS,
	                            strlen(WRONG_PASS), NULL, &v), VAULT_ERR_AUTH);
	assert_int_equal(vault_open(f->dir, "nobody", (const unsigned char *)WRONG_PASS,
	                            strlen(WRONG_PASS), NULL, &v), VAULT_ERR_AUTH);
	v = open_as(f, "cav_cw");
	assert_int_equal(vault_record_put(v, f->vcase, "health", VAULT_CLASS_SENSITIVE,
	                                  SECRET_SENSITIVE, strlen(SECRET_SENSITIVE), NULL),
	                 VAULT_OK);
	assert_int_equal(vault_record_get(v, f->vcase, "shelter", 0, &b, NULL, NULL), VAULT_OK);
	vault_buf_free(&b);
	assert_int_equal(vault_record_get(v, f->vcase, "intake", 0, &b, NULL, NULL), VAULT_OK);
	vault_buf_free(&b);
	assert_int_equal(vault_passwd(v, (const unsigned char *)NEW_PASS, strlen(NEW_PASS),
	                              TEST_KDF), VAULT_OK);
	vault_close(v);
	sup = open_as(f, "cav_sup");
	assert_int_equal(vault_user_add(sup, "cav_new", NULL, VAULT_ROLE_CASEWORKER,
	                                (const unsigned char *)NEWUSER_PASS,
	                                strlen(NEWUSER_PASS), TEST_KDF), VAULT_OK);
	vault_close(sup);
	adm = open_as(f, "admin");
	assert_int_equal(vault_org_add(adm, "ngo", "NGO", VAULT_ORG_OTHER, "ngo_sup",
	                               (const unsigned char *)ORGSUP_PASS, strlen(ORGSUP_PASS),
	                               TEST_KDF), VAULT_OK);
	vault_close(adm);
	v = open_as(f, "cas_cw");
	assert_int_equal(vault_record_get(v, f->vcase, "shelter", 0, &b, NULL, NULL),
	                 VAULT_ERR_DENIED);
	vault_close(v);
	/* the log did record all that */
	assert_true(scalar(f->db, "SELECT count(*) FROM audit WHERE action = 'auth.fail'") >= 2);

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (column_contains(f, secrets[i], strlen(secrets[i])))
			fail_msg("audit log holds secret \"%s\"", secrets[i]);
	/* the fixture passphrases ("pw-<name>") */
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		p = th_pass(users[i], &n);
		if (column_contains(f, p, n))
			fail_msg("audit log holds the passphrase of %s", users[i]);
	}
	/* nor any key of the admin's slot: database key, secret keys */
	p = th_pass("admin", &n);
	assert_int_equal(vault__slot_unlock(f->dir, "admin", p, n, &sec, &def), VAULT_OK);
	assert_false(column_contains(f, sec.dbkey, 32));
	assert_false(column_contains(f, sec.box_sk, 32));
	assert_false(column_contains(f, sec.sign_sk, 32));
	vault__wipe(&sec, sizeof(sec));
	/* the scan can see: a public thing is found */
	assert_true(column_contains(f, "record.get", 10));
}

/* ======================================================================== */
/* Fail closed                                                               */
/* ======================================================================== */

#define BLOCK "CREATE TRIGGER block BEFORE INSERT ON audit BEGIN" \
              " SELECT RAISE(ABORT, 'blocked'); END;"
#define UNBLOCK "DROP TRIGGER block;"

static void test_audit__fail_closed_get_returns_no_data(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault_buf b = VAULT_BUF_INIT;
	long long n;

	sql(f, "cav_cw", BLOCK);
	n = count(f);
	assert_int_equal(vault_record_get(v, f->vcase, "shelter", 0, &b, NULL, NULL),
	                 VAULT_ERR_AUDIT);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(count(f), n);
	assert_non_null(strstr(vault_errmsg(v), "audit"));
	/* the handle stays usable once the log can be written again */
	sql(f, "cav_cw", UNBLOCK);
	assert_int_equal(vault_record_get(v, f->vcase, "shelter", 0, &b, NULL, NULL), VAULT_OK);
	assert_int_equal(b.len, strlen(SECRET_SAFETY));
	vault_buf_free(&b);
	assert_int_equal(count(f), n + 1);
	vault_close(v);
	verify_ok(f);
}

static void test_audit__fail_closed_put_leaves_nothing(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault_buf b = VAULT_BUF_INIT;
	uint32_t ver = 77;
	long long n;

	sql(f, "cav_cw", BLOCK);
	n = count(f);
	assert_int_equal(vault_record_put(v, f->vcase, "blocked", VAULT_CLASS_GENERAL, "data", 4,
	                                  &ver), VAULT_ERR_AUDIT);
	/* a new version of an existing record is not written either */
	assert_int_equal(vault_record_put(v, f->vcase, "intake", VAULT_CLASS_GENERAL, "v2", 2,
	                                  NULL), VAULT_ERR_AUDIT);
	assert_int_equal(count(f), n);
	sql(f, "cav_cw", UNBLOCK);
	assert_int_equal(scalarf(f, "SELECT count(*) FROM records WHERE name = %s",
	                         rtag_sql(f, f->vcase, VAULT_CLASS_GENERAL, "blocked")), 0);
	assert_int_equal(scalarf(f, "SELECT max(version) FROM records WHERE name = %s",
	                         rtag_sql(f, f->vcase, VAULT_CLASS_GENERAL, "intake")), 1);
	assert_int_equal(vault_record_get(v, f->vcase, "blocked", 0, &b, NULL, NULL),
	                 VAULT_ERR_NOT_FOUND);
	assert_null(b.data);
	vault_close(v);
}

static void test_audit__fail_closed_denied_attempts(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cas_cw");
	vault_buf b = VAULT_BUF_INIT;
	long long n;

	sql(f, "cav_cw", BLOCK);
	n = count(f);
	/* a refusal that cannot be recorded is still a failure, and says so */
	assert_int_equal(vault_record_get(v, f->vcase, "intake", 0, &b, NULL, NULL),
	                 VAULT_ERR_AUDIT);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(vault_record_put(v, f->vcase, "intruder", VAULT_CLASS_GENERAL, "x", 1,
	                                  NULL), VAULT_ERR_AUDIT);
	assert_int_equal(count(f), n);
	sql(f, "cav_cw", UNBLOCK);
	assert_int_equal(scalarf(f, "SELECT count(*) FROM records WHERE name = %s",
	                         rtag_sql(f, f->vcase, VAULT_CLASS_GENERAL, "intruder")), 0);
	assert_int_equal(vault_record_get(v, f->vcase, "intake", 0, &b, NULL, NULL),
	                 VAULT_ERR_DENIED);
	assert_int_equal(count(f), n + 1);
	vault_close(v);
}

static void test_audit__fail_closed_other_operations(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault *a = open_as(f, "aud");
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	vault_buf b = VAULT_BUF_INIT;
	char id[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault *w = NULL;
	long long n;
	size_t len;
	const unsigned char *p = th_pass("cav_sup", &len);
	seen s;

	sql(f, "cav_cw", BLOCK);
	n = count(f);
	memset(&s, 0, sizeof(s));
	assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, id), VAULT_ERR_AUDIT);
	add_consent(v, f->vcase, "cas", VAULT_CLASS_GENERAL, VAULT_ERR_AUDIT, cid);
	assert_int_equal(vault_share(v, f->vcase, VAULT_PRINCIPAL_USER, "cav_sup",
	                             VAULT_CLASS_GENERAL, NULL), VAULT_ERR_AUDIT);
	assert_int_equal(vault_case_show(v, f->vcase, ignore_case, NULL), VAULT_ERR_AUDIT);
	/* the auditor's reading fails closed too: no entry, no data */
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_ERR_AUDIT);
	assert_int_equal(s.n, 0);
	assert_int_equal(vault_audit_checkpoint(a, &b), VAULT_ERR_AUDIT);
	assert_null(b.data);
	/* an open that cannot be recorded does not happen */
	assert_int_equal(vault_open(f->dir, "cav_sup", p, len, NULL, &w), VAULT_ERR_AUDIT);
	assert_null(w);
	assert_int_equal(count(f), n);
	sql(f, "cav_cw", UNBLOCK);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM consents"), 0);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM grants WHERE principal = 'cav_sup'"),
	                 0);
	vault_close(a);
	vault_close(v);
	verify_ok(f);
}

/* Inside vault_begin(), a write whose entry cannot be written fails alone:
 * the transaction stays usable and commits what was recorded, even when the
 * failed operation is the last one before the commit.  (A read is refused
 * there before it starts: its entry could not be durable first.) */
static void test_audit__fail_closed_inside_transaction(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault_buf b = VAULT_BUF_INIT;
	long long n;

	char trig[256];

	snprintf(trig, sizeof(trig), "CREATE TRIGGER block BEFORE INSERT ON audit WHEN"
	         " NEW.target = '%s' BEGIN SELECT RAISE(ABORT, 'blocked'); END;",
	         rtag(f, f->vcase, VAULT_CLASS_GENERAL, "blocked"));
	sql(f, "cav_cw", trig);
	n = count(f);
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(vault_record_put(v, f->vcase, "a", VAULT_CLASS_GENERAL, "a", 1, NULL),
	                 VAULT_OK);
	assert_int_equal(vault_record_put(v, f->vcase, "blocked", VAULT_CLASS_GENERAL, "x", 1,
	                                  NULL), VAULT_ERR_AUDIT);
	assert_int_equal(vault_record_put(v, f->vcase, "b", VAULT_CLASS_GENERAL, "b", 1, NULL),
	                 VAULT_OK);
	assert_int_equal(vault_record_get(v, f->vcase, "blocked", 0, &b, NULL, NULL),
	                 VAULT_ERR_STATE);
	assert_null(b.data);
	if (vault_commit(v) != VAULT_OK)
		fail_msg("commit after a failed entry: %s", vault_errmsg(v));
	assert_int_equal(count(f), n + 2);
	assert_int_equal(scalarf(f, "SELECT count(*) FROM records WHERE name IN (%s, %s)",
	                         rtag_sql(f, f->vcase, VAULT_CLASS_GENERAL, "a"),
	                         rtag_sql(f, f->vcase, VAULT_CLASS_GENERAL, "b")), 2);
	assert_int_equal(scalarf(f, "SELECT count(*) FROM records WHERE name = %s",
	                         rtag_sql(f, f->vcase, VAULT_CLASS_GENERAL, "blocked")), 0);
	/* the last committed entry carries the transaction's signature */
	assert_int_equal(scalar(f->db, "SELECT sig IS NOT NULL FROM audit WHERE seq ="
	                               " (SELECT max(seq) FROM audit)"), 1);
	vault_close(v);

	/* Adding an organisation writes a key slot, which a rollback could not
	 * undo: refused inside a transaction, with nothing recorded, and the
	 * commit then has nothing of ours to sign (the head is someone else's). */
	v = open_as(f, "admin");
	th_put(f->dir, "cav_cw", f->vcase, "c", VAULT_CLASS_GENERAL, "c"); /* the head is hers */
	n = count(f);
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(vault_org_add(v, "blocked", "Blocked", VAULT_ORG_OTHER, "blocked_sup",
	                               (const unsigned char *)"p", 1, TEST_KDF), VAULT_ERR_STATE);
	if (vault_commit(v) != VAULT_OK)
		fail_msg("commit after a failed entry: %s", vault_errmsg(v));
	assert_int_equal(count(f), n);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM orgs WHERE id = 'blocked'"), 0);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM users WHERE name = 'blocked_sup'"), 0);
	vault_close(v);
	sql(f, "cav_cw", UNBLOCK);
	verify_ok(f);
}

/* ======================================================================== */
/* Failed unlocks                                                             */
/* ======================================================================== */

static int file_exists(fx *f, const char *name)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	return access(p, F_OK) == 0;
}

static void test_audit__failed_unlocks_entered_at_next_open(void **state)
{
	fx *f = *state;
	vault *v = NULL;
	long long n = count(f);
	row r1, r2, r3;

	assert_int_equal(vault_open(f->dir, "cav_cw", (const unsigned char *)WRONG_PASS,
	                            strlen(WRONG_PASS), NULL, &v), VAULT_ERR_AUTH);
	assert_null(v);
	assert_int_equal(vault_open(f->dir, "nobody", (const unsigned char *)"whatever", 8,
	                            NULL, &v), VAULT_ERR_AUTH);
	assert_null(v);
	/* nothing can be written without the database key: noted aside */
	assert_int_equal(count(f), n);
	assert_true(file_exists(f, VAULT_INBOX_FILE));

	v = open_as(f, "cas_sup");
	assert_int_equal(count(f), n + 3);
	get_row(f, n + 1, &r1);
	get_row(f, n + 2, &r2);
	get_row(f, n + 3, &r3);
	expect(&r1, "cas_sup", "cas", "supervisor", "auth.fail", "", r1.target, "", "denied");
	expect(&r2, "cas_sup", "cas", "supervisor", "auth.fail", "", r2.target, "", "denied");
	/* An unknown name is not kept: it may be a passphrase typed in the
	 * wrong field. */
	assert_true((strcmp(r1.target, "cav_cw") == 0 && strcmp(r2.target, "(unknown-user)") == 0) ||
	            (strcmp(r1.target, "(unknown-user)") == 0 && strcmp(r2.target, "cav_cw") == 0));
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM audit WHERE target = 'nobody'"), 0);
	expect(&r3, "cas_sup", "cas", "supervisor", "vault.open", "", "", "", "ok");
	assert_false(file_exists(f, VAULT_INBOX_FILE));
	assert_false(file_exists(f, VAULT_INBOX_FILE ".taken"));
	vault_close(v);
	/* entered once only */
	v = open_as(f, "cas_sup");
	assert_int_equal(count(f), n + 4);
	vault_close(v);
	verify_ok(f);
}

static void test_audit__failed_unlock_kept_when_open_cannot_record(void **state)
{
	fx *f = *state;
	vault *v = NULL;
	size_t len;
	const unsigned char *p = th_pass("cas_sup", &len);
	long long n;

	assert_int_equal(vault_open(f->dir, "cav_cw", (const unsigned char *)WRONG_PASS,
	                            strlen(WRONG_PASS), NULL, &v), VAULT_ERR_AUTH);
	sql(f, "cav_cw", BLOCK);
	assert_int_equal(vault_open(f->dir, "cas_sup", p, len, NULL, &v), VAULT_ERR_AUDIT);
	assert_null(v);
	sql(f, "cav_cw", UNBLOCK);
	n = count(f);
	v = open_as(f, "cas_sup");
	assert_int_equal(count(f), n + 2);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM audit WHERE action = 'auth.fail'"
	                               " AND target = 'cav_cw'"), 1);
	assert_false(file_exists(f, VAULT_INBOX_FILE));
	assert_false(file_exists(f, VAULT_INBOX_FILE ".taken"));
	vault_close(v);
}

/* ======================================================================== */
/* Who reads the log                                                          */
/* ======================================================================== */

static void test_audit__auditor_reads_log_not_content(void **state)
{
	fx *f = *state;
	vault *a = open_purpose(f, "aud", VAULT_PURPOSE_AUDIT);
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	vault_verify_result res;
	vault_buf b = VAULT_BUF_INIT;
	char path[4096];
	long long n = count(f);
	seen s;
	row r;

	assert_int_equal(vault_record_get(a, f->vcase, "intake", 0, &b, NULL, NULL),
	                 VAULT_ERR_DENIED);
	assert_null(b.data);
	one_entry(f, n, &r);
	expect(&r, "aud", "", "auditor", "record.get", f->vcase, "", "general,sensitive,safety",
	       "denied");
	assert_string_equal(r.purpose, "audit");

	memset(&s, 0, sizeof(s));
	n = count(f);
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "aud", "", "auditor", "audit.query", "", "", "", "ok");
	/* the whole log, the query's own entry included */
	assert_int_equal((long long)s.n, count(f));

	side_path(f, "export.jsonl", path, sizeof(path));
	n = count(f);
	assert_int_equal(vault_audit_export(a, path, NULL, NULL), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "aud", "", "auditor", "audit.export", "", "", "", "ok");
	unlink(path);

	n = count(f);
	assert_int_equal(vault_audit_checkpoint(a, &b), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "aud", "", "auditor", "audit.checkpoint", "", "", "", "ok");
	vault_buf_free(&b);

	n = count(f);
	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	assert_int_equal(vault_audit_verify(a, NULL, &res, NULL, NULL), VAULT_OK);
	assert_int_equal(count(f), n + 2);
	get_row(f, n + 1, &r);
	expect(&r, "aud", "", "auditor", "audit.verify.start", "", "", "", "ok");
	get_row(f, n + 2, &r);
	expect(&r, "aud", "", "auditor", "audit.verify", "", "", "", "ok");
	/* it checked everything up to and including its own start entry */
	assert_int_equal((long long)res.entries, n + 1);
	vault_close(a);
}

static void test_audit__caseworker_sees_only_own_entries(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault *o = open_as(f, "cas_cw");
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	vault_buf b = VAULT_BUF_INIT;
	long long n;
	seen s;
	row r;

	assert_int_equal(vault_record_get(o, f->vcase, "intake", 0, &b, NULL, NULL),
	                 VAULT_ERR_DENIED);
	memset(&s, 0, sizeof(s));
	s.all_actor_ok = 1;
	s.want_actor = "cav_cw";
	n = count(f);
	assert_int_equal(vault_audit_foreach(v, &q, collect, &s), VAULT_OK);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "audit.query", "", "", "", "ok");
	assert_true(s.all_actor_ok);
	assert_int_equal((long long)s.n,
	                 scalar(f->db, "SELECT count(*) FROM audit WHERE actor = 'cav_cw'"));
	/* asking for someone else's entries gives none of them */
	memset(&s, 0, sizeof(s));
	q.actor = "cas_cw";
	assert_int_equal(vault_audit_foreach(v, &q, collect, &s), VAULT_OK);
	assert_int_equal(s.n, 0);
	/* a case the caseworker works on: still only their own entries */
	memset(&s, 0, sizeof(s));
	s.all_actor_ok = 1;
	s.want_actor = "cav_cw";
	q.actor = NULL;
	q.case_id = f->vcase;
	assert_int_equal(vault_audit_foreach(v, &q, collect, &s), VAULT_OK);
	assert_true(s.all_actor_ok);
	assert_true(s.n >= 3); /* create, two puts */
	vault_close(o);
	vault_close(v);
}

static void test_audit__caseworker_cannot_export_verify_checkpoint(void **state)
{
	fx *f = *state;
	vault *v = open_as(f, "cav_cw");
	vault_verify_result res;
	vault_buf b = VAULT_BUF_INIT;
	char path[4096];
	long long n;
	row r;

	side_path(f, "cw-export.jsonl", path, sizeof(path));
	n = count(f);
	assert_int_equal(vault_audit_export(v, path, NULL, NULL), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "audit.export", "", "", "", "denied");
	assert_int_equal(access(path, F_OK), -1);
	n = count(f);
	assert_int_equal(vault_audit_checkpoint(v, &b), VAULT_ERR_DENIED);
	assert_null(b.data);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "audit.checkpoint", "", "", "", "denied");
	n = count(f);
	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	assert_int_equal(vault_audit_verify(v, NULL, &res, NULL, NULL), VAULT_ERR_DENIED);
	one_entry(f, n, &r);
	expect(&r, "cav_cw", "cav", "caseworker", "audit.verify.start", "", "", "", "denied");
	vault_close(v);
}

/* Reading the log needs a read transaction of its own: inside vault_begin()
 * it is refused, and the refused call leaves nothing in the caller's
 * transaction (a function that fails changes nothing). */
static void test_audit__log_reads_refused_inside_transaction(void **state)
{
	fx *f = *state;
	vault *a = open_as(f, "aud");
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	vault_verify_result res;
	vault_buf b = VAULT_BUF_INIT;
	char path[4096];
	long long n = count(f);
	seen s;

	memset(&s, 0, sizeof(s));
	side_path(f, "txn-export.jsonl", path, sizeof(path));
	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	assert_int_equal(vault_begin(a), VAULT_OK);
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_ERR_STATE);
	assert_int_equal(vault_audit_export(a, path, NULL, NULL), VAULT_ERR_STATE);
	assert_int_equal(vault_audit_checkpoint(a, &b), VAULT_ERR_STATE);
	assert_int_equal(vault_audit_verify(a, NULL, &res, NULL, NULL), VAULT_ERR_STATE);
	assert_int_equal(vault_commit(a), VAULT_OK);
	assert_int_equal(s.n, 0);
	assert_null(b.data);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(count(f), n);
	vault_close(a);
	verify_ok(f);
}

/* ======================================================================== */
/* Queries                                                                    */
/* ======================================================================== */

/* Some varied activity: two organisations, refusals, a break-glass. */
static void activity(fx *f, char other[VAULT_ID_BUFSIZE])
{
	char rcase[VAULT_ID_BUFSIZE];
	vault_buf b = VAULT_BUF_INIT;
	vault *v, *sup;

	th_case(f->dir, "cas_cw", VAULT_CASE_VICTIM, 0, other);
	th_put(f->dir, "cas_cw", other, "arrival", VAULT_CLASS_GENERAL, "arrived");
	th_case(f->dir, "cav_cw", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, rcase);
	v = open_as(f, "cas_cw");
	assert_int_equal(vault_record_get(v, f->vcase, "intake", 0, &b, NULL, NULL),
	                 VAULT_ERR_DENIED);
	vault_close(v);
	sup = open_as(f, "cav_sup");
	assert_int_equal(vault_break_glass(sup, rcase, BG_REASON, 0), VAULT_OK);
	assert_int_equal(vault_share(sup, f->vcase, VAULT_PRINCIPAL_ORG, "cuav",
	                             VAULT_CLASS_SAFETY, NULL), VAULT_ERR_DENIED);
	vault_close(sup);
}

static void test_audit__query_by_case(void **state)
{
	fx *f = *state;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	char other[VAULT_ID_BUFSIZE], where[128];
	vault *a;
	seen s;

	activity(f, other);
	a = open_as(f, "aud");
	memset(&s, 0, sizeof(s));
	q.case_id = f->vcase;
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	snprintf(where, sizeof(where), "case_id = '%s'", f->vcase);
	same_as_sql(f, &s, where);
	vault_close(a);
}

static void test_audit__query_by_actor_and_org(void **state)
{
	fx *f = *state;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	char other[VAULT_ID_BUFSIZE];
	vault *a;
	seen s;

	activity(f, other);
	a = open_as(f, "aud");
	memset(&s, 0, sizeof(s));
	q.actor = "cas_cw";
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	same_as_sql(f, &s, "actor = 'cas_cw'");
	memset(&s, 0, sizeof(s));
	q.actor = NULL;
	q.org = "cav";
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	same_as_sql(f, &s, "org = 'cav'");
	assert_true(scalar(f->db, "SELECT count(DISTINCT actor) FROM audit WHERE org = 'cav'") >= 2);
	vault_close(a);
}

static void test_audit__query_by_action_and_outcome(void **state)
{
	fx *f = *state;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	char other[VAULT_ID_BUFSIZE];
	vault *a;
	seen s;

	activity(f, other);
	a = open_as(f, "aud");
	memset(&s, 0, sizeof(s));
	q.action = "record.put";
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	same_as_sql(f, &s, "action = 'record.put'");
	memset(&s, 0, sizeof(s));
	q.action = NULL;
	q.outcome = VAULT_OUTCOME_DENIED;
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	same_as_sql(f, &s, "outcome = 'denied'");
	assert_int_equal(s.n, 2); /* the refused read and the separation refusal */
	memset(&s, 0, sizeof(s));
	q.case_id = f->vcase;
	q.action = "record.get";
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	assert_int_equal(s.n, 1);
	vault_close(a);
}

static void test_audit__query_by_time_range(void **state)
{
	fx *f = *state;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	int64_t t0 = vault__now();
	char where[256];
	vault *v = open_as(f, "cav_cw");
	vault *a;
	seen s;

	shift(10000);
	assert_int_equal(vault_record_put(v, f->vcase, "mid1", VAULT_CLASS_GENERAL, "x", 1, NULL),
	                 VAULT_OK);
	assert_int_equal(vault_record_put(v, f->vcase, "mid2", VAULT_CLASS_GENERAL, "x", 1, NULL),
	                 VAULT_OK);
	shift(10000);
	assert_int_equal(vault_record_put(v, f->vcase, "late", VAULT_CLASS_GENERAL, "x", 1, NULL),
	                 VAULT_OK);
	vault_close(v);
	shift(10000); /* the auditor's own entries fall after the window */
	a = open_as(f, "aud");
	memset(&s, 0, sizeof(s));
	q.since = t0 + 5000;
	q.until = t0 + 15000;
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	snprintf(where, sizeof(where), "ts >= %lld AND ts < %lld", (long long)q.since,
	         (long long)q.until);
	same_as_sql(f, &s, where);
	assert_int_equal(s.n, 2);
	/* and they are the two puts made inside the window */
	snprintf(where, sizeof(where), "SELECT count(*) FROM audit WHERE ts >= %lld AND"
	         " ts < %lld AND target IN ('%s', '%s')", (long long)q.since,
	         (long long)q.until, rtag(f, f->vcase, VAULT_CLASS_GENERAL, "mid1"),
	         rtag(f, f->vcase, VAULT_CLASS_GENERAL, "mid2"));
	assert_int_equal(scalar(f->db, where), 2);
	/* since alone */
	memset(&s, 0, sizeof(s));
	q.until = 0;
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	snprintf(where, sizeof(where), "ts >= %lld", (long long)q.since);
	same_as_sql(f, &s, where);
	vault_close(a);
}

static void test_audit__query_high_severity(void **state)
{
	fx *f = *state;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	char other[VAULT_ID_BUFSIZE];
	vault *a;
	seen s;

	activity(f, other);
	a = open_as(f, "aud");
	memset(&s, 0, sizeof(s));
	q.high_only = 1;
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	same_as_sql(f, &s, "high = 1");
	assert_int_equal(s.n, 2); /* the break-glass and the separation refusal */
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM audit WHERE high = 1 AND"
	                               " action IN ('break-glass', 'share')"), 2);
	vault_close(a);
}

static void test_audit__query_pages_in_stable_order(void **state)
{
	fx *f = *state;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	char other[VAULT_ID_BUFSIZE];
	uint64_t all[4096];
	size_t nall, got = 0, pages = 0, i;
	vault *a;
	seen s;

	activity(f, other);
	put_n(f, "cav_cw", 7, "p");
	a = open_as(f, "aud");
	memset(&s, 0, sizeof(s));
	q.actor = "cav_cw";
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
	same_as_sql(f, &s, "actor = 'cav_cw'");
	nall = s.n;
	memcpy(all, s.seq, nall * sizeof(all[0]));
	assert_true(nall > 9);
	for (i = 1; i < nall; i++)
		assert_true(all[i] > all[i - 1]);
	/* pages of 3, each starting after the last seq seen */
	q.limit = 3;
	q.after_seq = 0;
	for (;;) {
		memset(&s, 0, sizeof(s));
		assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_OK);
		assert_true(s.n <= 3);
		if (s.n == 0)
			break;
		for (i = 0; i < s.n; i++)
			assert_int_equal(s.seq[i], all[got + i]);
		got += s.n;
		q.after_seq = s.seq[s.n - 1];
		pages++;
		assert_true(pages < 100);
	}
	assert_int_equal(got, nall);
	assert_int_equal(pages, (nall + 2) / 3);
	vault_close(a);
}

static int stop_at_two(const vault_audit_entry *e, void *ctx)
{
	int *n = ctx;

	(void)e;
	return ++*n == 2 ? 42 : 0;
}

static void test_audit__query_callback_stops(void **state)
{
	fx *f = *state;
	vault *a = open_as(f, "aud");
	int n = 0;

	assert_int_equal(vault_audit_foreach(a, NULL, stop_at_two, &n), 42);
	assert_int_equal(n, 2);
	vault_close(a);
}

static void test_audit__query_rejects_malformed(void **state)
{
	fx *f = *state;
	vault *a = open_as(f, "aud");
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	long long n = count(f);
	seen s;

	memset(&s, 0, sizeof(s));
	q.case_id = "not-a-case-id";
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_ERR_INVALID);
	q.case_id = NULL;
	q.outcome = (vault_outcome)9;
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_ERR_INVALID);
	q.outcome = 0;
	q.version = 0;
	assert_int_equal(vault_audit_foreach(a, &q, collect, &s), VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_foreach(a, NULL, NULL, &s), VAULT_ERR_INVALID);
	assert_int_equal(s.n, 0);
	assert_int_equal(count(f), n);
	vault_close(a);
}

/* ======================================================================== */
/* Tampering with the database, as an insider                                */
/* ======================================================================== */

static void test_audit__verify_intact_log(void **state)
{
	fx *f = *state;
	vault_verify_result res;

	put_n(f, "cav_cw", 3, "n");
	assert_int_equal(verify_as_aud(f, NULL, &res), VAULT_OK);
	assert_int_equal(res.bad_seq, 0);
	assert_string_equal(res.reason, "");
	assert_true(res.entries > 20);
}

/* Change one field of entry put_seq (a record.put by cav_cw), as cav_cw. */
static void tamper_field(fx *f, const char *set)
{
	char stmt[512];

	verify_ok(f);
	snprintf(stmt, sizeof(stmt), "UPDATE audit SET %s WHERE seq = %lld", set, f->put_seq);
	sql(f, "cav_cw", stmt);
	expect_bad(f, NULL, f->put_seq);
}

#define TAMPER_FIELD(name, set)                                                \
	static void test_audit__tamper_##name(void **state)                    \
	{                                                                      \
		tamper_field(*state, set);                                     \
	}

TAMPER_FIELD(actor, "actor = 'cas_cw'")
TAMPER_FIELD(org, "org = 'cas'")
TAMPER_FIELD(role, "role = 'supervisor'")
TAMPER_FIELD(action, "action = 'record.list'")
TAMPER_FIELD(case_id, "case_id = '00000000000000000000000000000000'")
TAMPER_FIELD(target, "target = 'other'")
TAMPER_FIELD(class, "class = 'general,safety'")
TAMPER_FIELD(outcome, "outcome = 'denied'")
TAMPER_FIELD(reason, "reason = 'nothing to see'")
TAMPER_FIELD(purpose, "purpose = 'statistics'")
TAMPER_FIELD(ts, "ts = ts - 86400")
TAMPER_FIELD(high, "high = 1")
TAMPER_FIELD(prev, "prev = randomblob(32)")
TAMPER_FIELD(hash, "hash = randomblob(32)")
TAMPER_FIELD(sig, "sig = randomblob(64)")

static void test_audit__tamper_delete_entry(void **state)
{
	fx *f = *state;
	char stmt[128];

	verify_ok(f);
	snprintf(stmt, sizeof(stmt), "DELETE FROM audit WHERE seq = %lld", f->put_seq);
	sql(f, "cav_cw", stmt);
	expect_bad(f, NULL, f->put_seq);
}

/* Shift entries >= k up by one, then put a forged one at k. */
static void test_audit__tamper_insert_forged_entry(void **state)
{
	fx *f = *state;
	char stmt[1024];
	long long k = f->put_seq;

	verify_ok(f);
	snprintf(stmt, sizeof(stmt),
	         "UPDATE audit SET seq = -seq WHERE seq >= %lld;"
	         "UPDATE audit SET seq = 1 - seq WHERE seq < 0;"
	         "INSERT INTO audit(seq, ts, actor, org, role, action, case_id, target, class,"
	         " outcome, reason, purpose, newkey, high, prev, hash, sig, key)"
	         " SELECT %lld, ts, actor, org, role, 'record.list', case_id, '', '',"
	         " 'ok', '', purpose, NULL, 0, prev, randomblob(32), NULL, key"
	         " FROM audit WHERE seq = %lld;",
	         k, k, k + 1);
	sql(f, "cav_cw", stmt);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM audit") ,
	                 scalar(f->db, "SELECT max(seq) FROM audit"));
	expect_bad(f, NULL, k);
}

static void test_audit__tamper_append_forged_entry(void **state)
{
	fx *f = *state;
	long long last = count(f);
	char stmt[1024];

	verify_ok(f);
	last = count(f);
	snprintf(stmt, sizeof(stmt),
	         "INSERT INTO audit(seq, ts, actor, org, role, action, case_id, target, class,"
	         " outcome, reason, purpose, newkey, high, prev, hash, sig, key)"
	         " SELECT seq + 1, ts, actor, org, role, 'record.get', '%s', 'shelter', 'safety',"
	         " 'ok', '', purpose, NULL, 0, hash, randomblob(32), randomblob(64), key"
	         " FROM audit WHERE seq = %lld;",
	         f->vcase, last);
	sql(f, "cav_cw", stmt);
	expect_bad(f, NULL, last + 1);
}

/* A replay: entry k again, right after itself. */
static void test_audit__tamper_duplicate_entry(void **state)
{
	fx *f = *state;
	char stmt[1024];
	long long k = f->put_seq;

	verify_ok(f);
	snprintf(stmt, sizeof(stmt),
	         "UPDATE audit SET seq = -seq WHERE seq > %lld;"
	         "UPDATE audit SET seq = 1 - seq WHERE seq < 0;"
	         "INSERT INTO audit(seq, ts, actor, org, role, action, case_id, target, class,"
	         " outcome, reason, purpose, newkey, high, prev, hash, sig, key)"
	         " SELECT seq + 1, ts, actor, org, role, action, case_id, target, class,"
	         " outcome, reason, purpose, newkey, high, prev, hash, sig, key"
	         " FROM audit WHERE seq = %lld;",
	         k, k);
	sql(f, "cav_cw", stmt);
	expect_bad(f, NULL, k + 1);
}

static void test_audit__tamper_swap_two_entries(void **state)
{
	fx *f = *state;
	char stmt[512];
	long long k = f->put_seq;

	verify_ok(f);
	snprintf(stmt, sizeof(stmt),
	         "UPDATE audit SET seq = -1 WHERE seq = %lld;"
	         "UPDATE audit SET seq = %lld WHERE seq = %lld;"
	         "UPDATE audit SET seq = %lld WHERE seq = -1;",
	         k, k, k + 1, k + 1);
	sql(f, "cav_cw", stmt);
	expect_bad(f, NULL, k);
}

static void test_audit__tamper_replace_new_user_key(void **state)
{
	fx *f = *state;
	long long k;

	verify_ok(f);
	k = scalar(f->db, "SELECT seq FROM audit WHERE action = 'user.add' AND target = 'cav_cw'");
	assert_true(k > 1);
	/* cas_cw swaps in their own key for cav_cw's */
	sql(f, "cas_cw", "UPDATE audit SET newkey = (SELECT newkey FROM audit WHERE"
	                 " action = 'user.add' AND target = 'cas_cw')"
	                 " WHERE action = 'user.add' AND target = 'cav_cw'");
	expect_bad(f, NULL, k);
}

static void test_audit__tamper_replace_signer_key(void **state)
{
	fx *f = *state;

	verify_ok(f);
	sql(f, "cas_cw", "UPDATE audit SET key = (SELECT newkey FROM audit WHERE"
	                 " action = 'user.add' AND target = 'cas_cw')"
	                 " WHERE seq = (SELECT min(seq) FROM audit WHERE action = 'record.put')");
	expect_bad(f, NULL, f->put_seq);
}

static void test_audit__tamper_replace_first_admin_key(void **state)
{
	fx *f = *state;

	verify_ok(f);
	sql(f, "admin2", "UPDATE audit SET newkey = (SELECT newkey FROM audit WHERE"
	                 " action = 'user.add' AND target = 'admin2'),"
	                 " key = (SELECT newkey FROM audit WHERE"
	                 " action = 'user.add' AND target = 'admin2') WHERE seq = 1");
	expect_bad(f, NULL, 1);
}

/* The insider re-hashes and re-signs their own entry with their own key:
 * the entry itself checks out, the next one no longer follows it. */
/* Entry `seq` hashed again from its fields as stored now, and signed with
 * `sign_sk` (NULL: its old signature stays, and no longer verifies). */
static void rehash_entry(sqlite3 *db, long long seq, const unsigned char *sign_sk)
{
	sqlite3_stmt *s;
	audit_rec r;
	unsigned char sig[64];

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, ts, actor, org, role, action, case_id,"
	                                        " target, class, outcome, reason, purpose, newkey,"
	                                        " high, prev, key, fact FROM audit WHERE seq = ?1",
	                                    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, seq);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	memset(&r, 0, sizeof(r));
	r.seq = (uint64_t)sqlite3_column_int64(s, 0);
	r.ts = sqlite3_column_int64(s, 1);
	r.actor = (const char *)sqlite3_column_text(s, 2);
	r.org = (const char *)sqlite3_column_text(s, 3);
	r.role = (const char *)sqlite3_column_text(s, 4);
	r.action = (const char *)sqlite3_column_text(s, 5);
	r.case_id = (const char *)sqlite3_column_text(s, 6);
	r.target = (const char *)sqlite3_column_text(s, 7);
	r.cls = (const char *)sqlite3_column_text(s, 8);
	r.outcome = (const char *)sqlite3_column_text(s, 9);
	r.reason = (const char *)sqlite3_column_text(s, 10);
	r.purpose = (const char *)sqlite3_column_text(s, 11);
	r.fact = (const char *)sqlite3_column_text(s, 16); /* hashed since schema 7 */
	assert_int_equal(sqlite3_column_type(s, 12), SQLITE_NULL);
	r.high = sqlite3_column_int(s, 13);
	memcpy(r.prev, sqlite3_column_blob(s, 14), 32);
	memcpy(r.key, sqlite3_column_blob(s, 15), 32);
	assert_int_equal(vault_audit_rec_hash(&r, r.hash), VAULT_OK);
	sqlite3_finalize(s);
	if (sign_sk != NULL) {
		vault__sign(sig, r.hash, 32, sign_sk);
		assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit SET hash = ?1, sig = ?2"
		                                        " WHERE seq = ?3", -1, &s, NULL), SQLITE_OK);
		sqlite3_bind_blob(s, 2, sig, 64, SQLITE_STATIC);
	} else {
		assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit SET hash = ?1 WHERE seq = ?3",
		                                    -1, &s, NULL), SQLITE_OK);
	}
	sqlite3_bind_blob(s, 1, r.hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, seq);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
}

static void test_audit__tamper_rehash_and_resign_own_entry(void **state)
{
	fx *f = *state;
	long long k = f->put_seq;
	sqlite3 *db = th_db_open(f->dir, "cav_cw");
	slot_secret sec;
	vault_kdf def;
	size_t len;
	const unsigned char *p = th_pass("cav_cw", &len);

	verify_ok(f);
	assert_int_equal(vault__slot_unlock(f->dir, "cav_cw", p, len, &sec, &def), VAULT_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE audit SET outcome = 'denied',"
	                                  " reason = 'no grant on this case'"
	                                  " WHERE seq = (SELECT min(seq) FROM audit"
	                                  " WHERE action = 'record.put')", NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(scalar(db, "SELECT count(*) FROM audit WHERE actor = 'cav_cw' AND seq = "
	                            "(SELECT min(seq) FROM audit WHERE action = 'record.put')"), 1);
	rehash_entry(db, k, sec.sign_sk);
	sqlite3_close(db);
	vault__wipe(&sec, sizeof(sec));
	/* The entry is self-consistent now, but the Merkle tree stored with it
	 * is still the old entry's: caught at k itself (without the tree, the
	 * chain catches it at k + 1). */
	expect_bad(f, NULL, k);
	assert_int_equal(th_db_exec(f->dir, "admin", "UPDATE audit SET tree = NULL"), SQLITE_OK);
	/* Without the tree, the replay at open still refuses entry k itself:
	 * it keeps the put's statements under an outcome that is not "ok"
	 * (the chain alone would catch it at k + 1). */
	expect_bad(f, NULL, k);
}

/* An open spares the signatures of the prefix its user verified in full at
 * her last open (the tree head she signed, in her key slot) and checks
 * instead that those entries still make the tree she signed.  An entry of
 * that prefix rewritten, its hash recomputed and its signature (which the
 * attacker cannot make) left as it was, is refused by that tree, not by a
 * signature this open no longer checks. */
static void test_audit__rewritten_verified_prefix_is_refused(void **state)
{
	fx *f = *state;
	vault *v = th_open(f->dir, "cav_cw");
	size_t n;
	const unsigned char *p = th_pass("cav_cw", &n);
	char sql[160];
	long long k;

	vault_close(v);
	k = scalar(f->db, "SELECT max(seq) FROM audit"); /* her open: in the head she signed */
	snprintf(sql, sizeof(sql), "UPDATE audit SET reason = 'rewritten', tree = NULL"
	                           " WHERE seq = %lld", k);
	assert_int_equal(sqlite3_exec(f->db, sql, NULL, NULL, NULL), SQLITE_OK);
	rehash_entry(f->db, k, NULL);
	v = NULL;
	assert_int_equal(vault_open(f->dir, "cav_cw", p, n, NULL, &v), VAULT_ERR_INTEGRITY);
	assert_null(v);
	if (strstr(vault_last_errmsg(), "verified before") == NULL)
		fail_msg("refused for another reason: %s", vault_last_errmsg());
	/* Whoever verifies it afresh stops at its signature. */
	expect_bad(f, NULL, k);
}

/* What that saving costs: a signature damaged inside her verified prefix,
 * its entry unchanged, is not seen by her open (the fields she verified are
 * still the ones signed); vault_audit_verify(), and any open by someone who
 * did not verify that far, report it. */
static void test_audit__damaged_signature_in_verified_prefix(void **state)
{
	fx *f = *state;
	vault *v = th_open(f->dir, "cav_cw");
	char sql[160];
	long long k;

	vault_close(v);
	k = scalar(f->db, "SELECT max(seq) FROM audit");
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM audit WHERE sig IS NOT NULL AND"
	                               " seq = (SELECT max(seq) FROM audit)"), 1);
	snprintf(sql, sizeof(sql), "UPDATE audit SET sig = randomblob(64) WHERE seq = %lld", k);
	assert_int_equal(sqlite3_exec(f->db, sql, NULL, NULL, NULL), SQLITE_OK);
	v = th_open(f->dir, "cav_cw");
	vault_close(v);
	expect_bad(f, NULL, k);
}

/* A row numbered below 1 is outside what the open replays, but a query
 * without that bound would read it: its mere presence is refused. */
static void test_audit__stray_entry_below_1_is_refused(void **state)
{
	fx *f = *state;
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass("cav_cw", &n);

	assert_int_equal(sqlite3_exec(f->db, "CREATE TEMP TABLE stray AS SELECT * FROM audit"
	                                     " WHERE action = 'record.put' LIMIT 1;"
	                                     " UPDATE stray SET seq = -1, hash = randomblob(32),"
	                                     " action = 'user.rekey', tree = NULL;"
	                                     " INSERT INTO audit SELECT * FROM stray;",
	                              NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(vault_open(f->dir, "cav_cw", p, n, NULL, &v), VAULT_ERR_INTEGRITY);
	assert_null(v);
	if (strstr(vault_last_errmsg(), "below 1") == NULL)
		fail_msg("refused for another reason: %s", vault_last_errmsg());
}

/* Cut the tail at a transaction boundary (entry `keep` is signed). */
static long long cut_tail(fx *f, int drop)
{
	char stmt[128];
	long long n = count(f);
	long long keep = n - drop;

	snprintf(stmt, sizeof(stmt), "SELECT sig IS NOT NULL FROM audit WHERE seq = %lld", keep);
	assert_int_equal(scalar(f->db, stmt), 1);
	snprintf(stmt, sizeof(stmt), "DELETE FROM audit WHERE seq > %lld", keep);
	sql(f, "cav_cw", stmt);
	assert_int_equal(count(f), keep);
	return keep;
}

/* The documented limit: without a checkpoint, entries cut off the end at
 * a transaction boundary leave a log that verifies. */
static void test_audit__cut_tail_without_checkpoint_not_detected(void **state)
{
	fx *f = *state;
	vault_verify_result res;

	put_n(f, "cav_cw", 6, "t");
	verify_ok(f);
	cut_tail(f, 6);
	assert_int_equal(verify_as_aud(f, NULL, &res), VAULT_OK);
}

static void test_audit__cut_tail_with_checkpoint_detected(void **state)
{
	fx *f = *state;
	vault_verify_result res;
	long long keep;
	char *cp;

	put_n(f, "cav_cw", 4, "t");
	cp = take_checkpoint(f);
	put_n(f, "cav_cw", 2, "u");
	assert_int_equal(verify_as_aud(f, cp, &res), VAULT_OK);
	keep = cut_tail(f, 8);
	assert_int_equal(verify_as_aud(f, cp, &res), VAULT_ERR_INTEGRITY);
	assert_true(res.bad_seq > (uint64_t)keep);
	assert_true(res.reason[0] != '\0');
	/* and the verification's failure is itself in the log */
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM audit WHERE seq = (SELECT max(seq)"
	                               " FROM audit) AND action = 'audit.verify' AND"
	                               " outcome = 'error' AND reason != ''"), 1);
	free(cp);
}

static void flip_b64(char *cp, size_t at)
{
	char *dash = strstr(cp, "\xe2\x80\x94 ");
	char *sp;

	assert_non_null(dash);
	sp = strrchr(dash, ' ');
	assert_non_null(sp);
	assert_true(strlen(sp + 1) > at + 2);
	sp[1 + at] = sp[1 + at] == 'A' ? 'B' : 'A';
}

static void test_audit__forged_checkpoint_signature_detected(void **state)
{
	fx *f = *state;
	vault_verify_result res;
	char *cp = take_checkpoint(f);
	char *forged = strdup(cp);

	flip_b64(forged, 40);
	assert_int_equal(verify_as_aud(f, cp, &res), VAULT_OK);
	assert_int_equal(verify_as_aud(f, forged, &res), VAULT_ERR_INTEGRITY);
	assert_non_null(strstr(res.reason, "signature"));
	free(forged);
	free(cp);
}

static void test_audit__forged_checkpoint_size_detected(void **state)
{
	fx *f = *state;
	vault_verify_result res;
	char *cp = take_checkpoint(f);
	char *nl = strchr(cp, '\n');

	/* size line: one entry fewer, the signature no longer covers it */
	assert_non_null(nl);
	assert_true(nl[1] >= '1' && nl[1] <= '9');
	nl[1] = nl[1] == '1' ? '2' : (char)(nl[1] - 1);
	assert_int_equal(verify_as_aud(f, cp, &res), VAULT_ERR_INTEGRITY);
	free(cp);
}

/* History rewritten after an auditor kept a checkpoint: the two last
 * entries it covers are cut, and ordinary operations append others. */
static void test_audit__fork_after_checkpoint_detected(void **state)
{
	fx *f = *state;
	vault_verify_result res;
	long long size, keep;
	char *cp;

	put_n(f, "cav_cw", 3, "f");
	cp = take_checkpoint(f);
	size = count(f);
	keep = cut_tail(f, 2);
	assert_int_equal(keep, size - 2);
	put_n(f, "cav_cw", 3, "g");
	assert_true(count(f) > size);
	/* alone, the forked log looks fine */
	assert_int_equal(verify_as_aud(f, NULL, &res), VAULT_OK);
	assert_int_equal(verify_as_aud(f, cp, &res), VAULT_ERR_INTEGRITY);
	assert_int_equal((long long)res.bad_seq, size);
	free(cp);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const char *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	fclose(fp);
}

static void test_audit__export_verifies_offline(void **state)
{
	fx *f = *state;
	char path[4096], path2[4096], id[VAULT_VAULT_ID_BUFSIZE];
	vault_verify_result res;
	vault *a;
	char *cp, *text, *at;
	size_t len, lines = 0, i;

	put_n(f, "cav_cw", 3, "e");
	cp = take_checkpoint(f);
	a = open_as(f, "aud");
	assert_int_equal(vault_id(a, id), VAULT_OK);
	side_path(f, "export.jsonl", path, sizeof(path));
	side_path(f, "export-changed.jsonl", path2, sizeof(path2));
	assert_int_equal(vault_audit_export(a, path, NULL, NULL), VAULT_OK);
	vault_close(a);

	text = slurp(path, &len);
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	/* the export holds the whole log up to its own entry */
	assert_int_equal((long long)lines, count(f));
	assert_non_null(strstr(text, "\"audit.export\""));

	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	assert_int_equal(vault_audit_verify_export(path, id, NULL, &res, NULL, NULL), VAULT_OK);
	assert_int_equal(res.entries, lines);
	assert_int_equal(vault_audit_verify_export(path, id, cp, &res, NULL, NULL), VAULT_OK);

	/* a changed copy: one put turned into a list, same length */
	at = strstr(text, "\"record.put\"");
	assert_non_null(at);
	memcpy(at, "\"record.get\"", 12);
	spit(path2, text, len);
	assert_int_equal(vault_audit_verify_export(path2, id, NULL, &res, NULL, NULL),
	                 VAULT_ERR_INTEGRITY);
	/* the first put in the log is the fixture's */
	assert_int_equal((long long)res.bad_seq, f->put_seq);
	/* another vault's id: entry 1 is not the pinned one */
	id[10] = id[10] == '0' ? '1' : '0';
	assert_int_equal(vault_audit_verify_export(path, id, NULL, &res, NULL, NULL),
	                 VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, 1);
	unlink(path);
	unlink(path2);
	free(text);
	free(cp);
}

static void test_audit__export_of_cut_log_fails_against_checkpoint(void **state)
{
	fx *f = *state;
	char path[4096], id[VAULT_VAULT_ID_BUFSIZE];
	vault_verify_result res;
	vault *a;
	char *cp;

	put_n(f, "cav_cw", 4, "c");
	cp = take_checkpoint(f);
	cut_tail(f, 3);
	/* Her witness copy stops this auditor at open (test_audit_tlog); one
	 * who comes afresh exports the cut log, and the checkpoint tells. */
	a = NULL;
	{
		size_t len;
		const unsigned char *p = th_pass("aud", &len);
		assert_int_equal(vault_open(f->dir, "aud", p, len, NULL, &a), VAULT_ERR_INTEGRITY);
	}
	th_forget_witness(f->dir, "aud");
	a = open_as(f, "aud");
	assert_int_equal(vault_id(a, id), VAULT_OK);
	side_path(f, "cut.jsonl", path, sizeof(path));
	assert_int_equal(vault_audit_export(a, path, NULL, NULL), VAULT_OK);
	vault_close(a);
	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	/* without the checkpoint the cut does not show */
	assert_int_equal(vault_audit_verify_export(path, id, NULL, &res, NULL, NULL), VAULT_OK);
	assert_int_equal(vault_audit_verify_export(path, id, cp, &res, NULL, NULL),
	                 VAULT_ERR_INTEGRITY);
	unlink(path);
	free(cp);
}

#define T(name) cmocka_unit_test_setup_teardown(test_audit__##name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(create_is_entry_1_with_admin_key),
		T(vault_id_is_hash_of_entry_1),
		T(open_is_recorded),
		T(record_put_allowed),
		T(record_put_denied),
		T(record_get_allowed),
		T(record_get_denied_has_reason),
		T(record_get_missing_is_error),
		T(record_delete_list_history),
		T(case_create_show_list),
		T(consent_add_list_withdraw),
		T(share_revoke_grant_list),
		T(link_names_only_the_victim_case),
		T(break_glass_is_high),
		T(user_add_disable_list_passwd),
		T(org_add_and_list),
		T(purpose_is_recorded),
		T(batched_operations_one_entry_each),
		T(no_secret_in_any_entry),
		T(fail_closed_get_returns_no_data),
		T(fail_closed_put_leaves_nothing),
		T(fail_closed_denied_attempts),
		T(fail_closed_other_operations),
		T(fail_closed_inside_transaction),
		T(failed_unlocks_entered_at_next_open),
		T(failed_unlock_kept_when_open_cannot_record),
		T(auditor_reads_log_not_content),
		T(caseworker_sees_only_own_entries),
		T(caseworker_cannot_export_verify_checkpoint),
		T(log_reads_refused_inside_transaction),
		T(query_by_case),
		T(query_by_actor_and_org),
		T(query_by_action_and_outcome),
		T(query_by_time_range),
		T(query_high_severity),
		T(query_pages_in_stable_order),
		T(query_callback_stops),
		T(query_rejects_malformed),
		T(verify_intact_log),
		T(tamper_actor),
		T(tamper_org),
		T(tamper_role),
		T(tamper_action),
		T(tamper_case_id),
		T(tamper_target),
		T(tamper_class),
		T(tamper_outcome),
		T(tamper_reason),
		T(tamper_purpose),
		T(tamper_ts),
		T(tamper_high),
		T(tamper_prev),
		T(tamper_hash),
		T(tamper_sig),
		T(tamper_delete_entry),
		T(tamper_insert_forged_entry),
		T(tamper_append_forged_entry),
		T(tamper_duplicate_entry),
		T(tamper_swap_two_entries),
		T(tamper_replace_new_user_key),
		T(tamper_replace_signer_key),
		T(tamper_replace_first_admin_key),
		T(tamper_rehash_and_resign_own_entry),
		T(rewritten_verified_prefix_is_refused),
		T(damaged_signature_in_verified_prefix),
		T(stray_entry_below_1_is_refused),
		T(cut_tail_without_checkpoint_not_detected),
		T(cut_tail_with_checkpoint_detected),
		T(forged_checkpoint_signature_detected),
		T(forged_checkpoint_size_detected),
		T(fork_after_checkpoint_detected),
		T(export_verifies_offline),
		T(export_of_cut_log_fails_against_checkpoint),
	};

	/* The fail-closed tests make the audit insert fail with a trigger of
	 * their own: the library's connections run triggers only when told to. */
	vault__fault_triggers(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
