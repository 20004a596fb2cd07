/*
 * test_faults.c - allocation failures, as SQLite's test_malloc does it:
 * for N = 1, 2, 3, ... make the N-th allocation of the library fail, run
 * one operation, and go on until a run no longer reaches an injected
 * failure.  Every failing run must return a clean status, leak nothing
 * (the suite runs under ASan and valgrind) and leave the vault consistent:
 * nothing half done, the same operation then works, and the audit log
 * verifies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "helpers.h"
#include "internal.h"

/* No operation needs anywhere near this many allocations. */
#define MAX_RUNS 5000

/* ---- local helpers -------------------------------------------------------- */

/* Every allocation is failed in turn; under valgrind, which makes each run
 * some thirty times slower, every one of the first 32 and then a sample
 * (the exhaustive runs are the normal and the ASan builds, whose leak
 * checker sees every error path). */
static int under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

static long next_run(long n)
{
	static int vg = -1;

	if (vg < 0)
		vg = under_valgrind();
	return vg && n >= 32 ? n + n / 8 : n + 1;
}

static void add_user(const char *dir, const char *by, const char *name, vault_role role)
{
	size_t n;
	const unsigned char *p = th_pass(name, &n);
	vault *v = th_open(dir, by);

	assert_int_equal(vault_user_add(v, name, NULL, role, p, n, TEST_KDF), VAULT_OK);
	vault_close(v);
}

/* The part of the fixture network these tests use, with fewer key slots
 * (each run parses the slot file): admin, auditor "aud", organisations
 * cav (cav_sup, cav_cw) and cas (cas_sup, cas_cw).  Passphrases as
 * th_pass(). */
static char *small_network(void)
{
	char *base = th_tmpdir();
	char dir[4096];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	snprintf(dir, sizeof(dir), "%s/v", base);
	free(base);
	o.kdf = TEST_KDF;
	assert_int_equal(vault_create(dir, "admin", p, n, &o, &v), VAULT_OK);
	p = th_pass("cav_sup", &n);
	assert_int_equal(vault_org_add(v, "cav", "cav", VAULT_ORG_ANTIVIOLENCE_CENTRE, "cav_sup",
	                               p, n, TEST_KDF), VAULT_OK);
	p = th_pass("cas_sup", &n);
	assert_int_equal(vault_org_add(v, "cas", "cas", VAULT_ORG_RECEPTION_CENTRE, "cas_sup",
	                               p, n, TEST_KDF), VAULT_OK);
	vault_close(v);
	add_user(dir, "admin", "aud", VAULT_ROLE_AUDITOR);
	add_user(dir, "cav_sup", "cav_cw", VAULT_ROLE_CASEWORKER);
	add_user(dir, "cas_sup", "cas_cw", VAULT_ROLE_CASEWORKER);
	/* Each has changed the first passphrase someone else chose (th_open),
	 * so that no run pays for that (two passphrase hashes) again. */
	{
		static const char *const users[] = {"cav_sup", "cas_sup", "aud", "cav_cw",
		                                    "cas_cw"};
		size_t i;

		for (i = 0; i < sizeof(users) / sizeof(users[0]); i++)
			vault_close(th_open(dir, users[i]));
	}
	return strdup(dir);
}

/* Only the administrator "admin": one key slot, so the runs that parse
 * the slot file stay few. */
static char *solo_vault(void)
{
	char *base = th_tmpdir();
	char dir[4096];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	snprintf(dir, sizeof(dir), "%s/v", base);
	free(base);
	o.kdf = TEST_KDF;
	assert_int_equal(vault_create(dir, "admin", p, n, &o, NULL), VAULT_OK);
	return strdup(dir);
}

static void rm_network(char *dir)
{
	char *base = strdup(dir);

	*strrchr(base, '/') = '\0';
	th_rmdir(dir);
	th_rmdir(base);
}

/* Every run from the same vault.  Each open replays the whole log, and an
 * open's allocations grow with it: runs that kept adding entries would
 * make the loop quadratic, and the allocation it must reach a moving
 * target.  So a loop keeps a copy of the vault folder, taken while no
 * handle is open, and puts it back before each run. */
static void copy_flat(const char *from, const char *to)
{
	DIR *d;
	struct dirent *e;
	char a[4096], b[4096];

	/* what a run left behind goes first (its WAL, its lock, its inbox) */
	d = opendir(to);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		assert_int_equal(unlink(b), 0);
	}
	closedir(d);
	d = opendir(from);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		th_copy_file(a, b);
	}
	closedir(d);
}

/* The copy of `dir`, beside it: free with tmpl_drop(). */
static char *tmpl_take(const char *dir)
{
	size_t n = strlen(dir) + 6;
	char *t = malloc(n);

	assert_non_null(t);
	snprintf(t, n, "%s.tmpl", dir);
	assert_int_equal(mkdir(t, 0700), 0);
	copy_flat(dir, t);
	return t;
}

static void tmpl_put(const char *tmpl, const char *dir)
{
	copy_flat(tmpl, dir);
}

static void tmpl_drop(char *tmpl)
{
	th_rmdir(tmpl);
}

/* Arm the injector, and read back whether it fired. */
/* SQLite's allocations count too while this is set (see main). */
static int sqlite_faults;

/* Runs armed in the current test, printed after it. */
static long armed_runs;

static void arm(long n, int sqlite_too)
{
	armed_runs++;
	sqlite_faults = sqlite_too;
	vault__fault_alloc_after(n);
}

static int disarm(void)
{
	int hit = vault__fault_alloc_hit();

	sqlite_faults = 0;
	vault__fault_alloc_after(0);
	return hit;
}

static void verify_with(vault *v)
{
	vault_verify_result r;
	vault_status st;

	assert_int_equal(vault_verify_result_init(&r, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	st = vault_audit_verify(v, NULL, &r, NULL, NULL);
	if (st != VAULT_OK)
		fail_msg("audit verify: %s: %s (seq %llu)", vault_strerror(st), r.reason,
		         (unsigned long long)r.bad_seq);
}

static void verify_log(const char *dir, const char *auditor)
{
	vault *v = th_open(dir, auditor);

	verify_with(v);
	vault_close(v);
}

#define db_int_as th_db_int

static long long db_int(const char *dir, const char *sql)
{
	return db_int_as(dir, "cav_cw", sql);
}

static void check_clean(const char *what, long n, vault_status st, const vault_status *ok,
                        size_t nok, const char *msg)
{
	size_t i;

	if (st == VAULT_ERR_NOMEM)
		return;
	for (i = 0; i < nok; i++)
		if (st == ok[i])
			return;
	fail_msg("%s, allocation %ld failing: %s (%s)", what, n, vault_strerror(st), msg);
}

/* ---- vault_open --------------------------------------------------------------- */

static void test_faults__open(void **state)
{
	char *dir = solo_vault(), *tmpl = tmpl_take(dir);
	long n, failures = 0;
	long long entries = db_int_as(dir, "admin", "SELECT count(*) FROM audit");
	size_t len;
	const unsigned char *p = th_pass("admin", &len);

	(void)state;
	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		vault *v = (vault *)&n;
		vault_status st;
		int hit;

		tmpl_put(tmpl, dir);
		arm(n, 0);
		st = vault_open(dir, "admin", p, len, NULL, &v);
		hit = disarm();
		if (!hit) {
			assert_int_equal(st, VAULT_OK);
			vault_close(v);
			break;
		}
		if (st == VAULT_OK) {
			/* A failure the library recovered from: still a good handle. */
			vault_close(v);
		} else {
			failures++;
			check_clean("open", n, st, NULL, 0, vault_last_errmsg());
			assert_null(v);
			if (strlen(vault_last_errmsg()) == 0)
				fail_msg("open, allocation %ld failing: %s without a message", n,
				         vault_strerror(st));
			/* A failed open leaves no trace in the log. */
			assert_int_equal(db_int_as(dir, "admin", "SELECT count(*) FROM audit"),
			                 entries);
		}
		/* The next open works. */
		v = th_open(dir, "admin");
		vault_close(v);
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	verify_log(dir, "admin");
	tmpl_drop(tmpl);
	rm_network(dir);
}

/* ---- vault_create ---------------------------------------------------------------- */

static void test_faults__create(void **state)
{
	char *base = th_tmpdir();
	char dir[4096];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	long n, failures = 0;
	size_t len;
	const unsigned char *p = th_pass("admin", &len);

	(void)state;
	o.kdf = TEST_KDF;
	snprintf(dir, sizeof(dir), "%s/v", base);
	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		vault *v = (vault *)&n;
		vault_status st;
		struct stat sb;
		int hit;

		arm(n, 0);
		st = vault_create(dir, "admin", p, len, &o, &v);
		hit = disarm();
		if (st == VAULT_OK) {
			assert_non_null(v);
			vault_close(v);
			break;
		}
		assert_true(hit);
		failures++;
		check_clean("create", n, st, NULL, 0, vault_last_errmsg());
		assert_null(v);
		assert_true(strlen(vault_last_errmsg()) > 0);
		/* Nothing left behind: the folder it made is gone, so the next
		 * attempt starts clean. */
		if (stat(dir, &sb) == 0)
			fail_msg("create, allocation %ld failing: %s left behind", n, dir);
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	{
		vault *v = th_open(dir, "admin");
		verify_with(v);
		vault_close(v);
	}
	th_rmdir(base);
}

/* A failed unlock noted in the inbox is entered by the next open, even if
 * earlier opens failed for want of memory: not lost, not doubled. */
static void test_faults__open_with_pending_failed_unlock(void **state)
{
	char *dir = solo_vault();
	long n, failures = 0;
	size_t len;
	const unsigned char *p = th_pass("admin", &len);
	vault *v = NULL;

	(void)state;
	assert_int_equal(vault_open(dir, "admin", (const unsigned char *)"wrong", 5, NULL, &v),
	                 VAULT_ERR_AUTH);
	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		vault_status st;
		int hit;

		arm(n, 0);
		st = vault_open(dir, "admin", p, len, NULL, &v);
		hit = disarm();
		if (st == VAULT_OK) {
			vault_close(v);
			break; /* the inbox was drained by this one */
		}
		assert_true(hit);
		failures++;
		check_clean("open with inbox", n, st, NULL, 0, vault_last_errmsg());
		assert_null(v);
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	assert_int_equal(db_int_as(dir, "admin", "SELECT count(*) FROM audit WHERE"
	                                         " action = 'auth.fail'"), 1);
	/* And the next open does not enter it again. */
	v = th_open(dir, "admin");
	vault_close(v);
	assert_int_equal(db_int_as(dir, "admin", "SELECT count(*) FROM audit WHERE"
	                                         " action = 'auth.fail'"), 1);
	verify_log(dir, "admin");
	rm_network(dir);
}

/* ---- vault_record_put -------------------------------------------------------- */

static void put_loop(int sqlite_too)
{
	char *dir = small_network();
	char cid[VAULT_ID_BUFSIZE], name[32];
	long n, failures = 0;
	vault *v;

	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(vault_record_put(v, cid, "existing", VAULT_CLASS_SAFETY, "v1", 2, NULL),
	                 VAULT_OK);
	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_buf b = VAULT_BUF_INIT;
		uint32_t ver = 0;
		vault_status st;
		int hit;

		snprintf(name, sizeof(name), "rec%ld", n);
		arm(n, sqlite_too);
		st = vault_record_put(v, cid, name, VAULT_CLASS_SENSITIVE, "some text", 9, &ver);
		hit = disarm();
		if (!hit) {
			assert_int_equal(st, VAULT_OK);
			assert_int_equal(ver, 1);
			break;
		}
		if (st != VAULT_OK) {
			failures++;
			check_clean("put", n, st, ok, 1, vault_errmsg(v));
			assert_true(strlen(vault_errmsg(v)) > 0);
			/* Nothing of it was written. */
			assert_int_equal(vault_record_get(v, cid, name, 0, &b, NULL, NULL),
			                 VAULT_ERR_NOT_FOUND);
		}
		/* The handle goes on: the same put works now. */
		assert_int_equal(vault_record_put(v, cid, name, VAULT_CLASS_SENSITIVE, "some text",
		                                  9, NULL), VAULT_OK);
		assert_int_equal(vault_record_get(v, cid, name, 0, &b, NULL, NULL), VAULT_OK);
		assert_int_equal(b.len, 9);
		vault_buf_free(&b);
		/* A new version of an existing record, under faults too. */
		arm(n, sqlite_too);
		st = vault_record_put(v, cid, "existing", VAULT_CLASS_SAFETY, "vN", 2, NULL);
		disarm();
		if (st != VAULT_OK)
			check_clean("put version", n, st, ok, 1, vault_errmsg(v));
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	vault_close(v);
	/* Versions of "existing" have no gap: each failed put left nothing. */
	assert_int_equal(db_int(dir, "SELECT max(version) - count(*) FROM records"
	                             " WHERE name = 'existing'"), 0);
	verify_log(dir, "aud");
	rm_network(dir);
}

static void test_faults__record_put(void **state)
{
	(void)state;
	put_loop(0);
}

static void test_faults__record_put_sqlite(void **state)
{
	(void)state;
	put_loop(1);
}

/* Is record <prefix><n> (n 0: just <prefix>) there? */
static int present(vault *v, const char *cid, const char *prefix, long n)
{
	vault_buf b = VAULT_BUF_INIT;
	char name[32];
	vault_status st;

	if (n > 0)
		snprintf(name, sizeof(name), "%s%ld", prefix, n);
	else
		snprintf(name, sizeof(name), "%s", prefix);
	st = vault_record_get(v, cid, name, 0, &b, NULL, NULL);
	vault_buf_free(&b);
	assert_true(st == VAULT_OK || st == VAULT_ERR_NOT_FOUND);
	return st == VAULT_OK;
}

/* Inside the caller's transaction: a put that fails leaves the transaction
 * usable, or, if SQLite gave the whole transaction up, every later call
 * says so until vault_rollback(): all or nothing, never a part. */
static void txn_loop(int sqlite_too)
{
	char *dir = small_network();
	char cid[VAULT_ID_BUFSIZE], name[32];
	long n, failures = 0, lost = 0;
	vault *v;

	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_status st, after;
		int hit;

		assert_int_equal(vault_begin(v), VAULT_OK);
		snprintf(name, sizeof(name), "a%ld", n);
		assert_int_equal(vault_record_put(v, cid, name, VAULT_CLASS_GENERAL, "a", 1, NULL),
		                 VAULT_OK);
		snprintf(name, sizeof(name), "b%ld", n);
		arm(n, sqlite_too);
		st = vault_record_put(v, cid, name, VAULT_CLASS_GENERAL, "b", 1, NULL);
		hit = disarm();
		if (st != VAULT_OK) {
			failures++;
			check_clean("put in transaction", n, st, ok, 1, vault_errmsg(v));
		}
		snprintf(name, sizeof(name), "c%ld", n);
		after = vault_record_put(v, cid, name, VAULT_CLASS_GENERAL, "c", 1, NULL);
		if (after == VAULT_ERR_STATE) {
			/* The transaction is gone: nothing of it may be committed.
			 * A failure other than a lost entry ends it on purpose: the
			 * attempt's entry was committed on its own (vault_begin). */
			if (st == VAULT_ERR_AUDIT)
				lost++;
			assert_int_not_equal(st, VAULT_OK);
			assert_int_equal(vault_commit(v), VAULT_ERR_STATE);
			assert_int_equal(vault_commit(v), VAULT_ERR_STATE); /* and it is over */
			assert_false(present(v, cid, "a", n));
			assert_false(present(v, cid, "c", n));
		} else {
			assert_int_equal(after, VAULT_OK);
			assert_int_equal(vault_commit(v), VAULT_OK);
			assert_true(present(v, cid, "a", n));
			assert_true(present(v, cid, "c", n));
			assert_int_equal(present(v, cid, "b", n), st == VAULT_OK);
		}
		if (!hit)
			break;
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	/* An entry that could not be written (the operation undone) leaves the
	 * transaction usable; only SQLite's own failures take it down then. */
	if (!sqlite_too)
		assert_int_equal(lost, 0);
	vault_close(v);
	verify_log(dir, "aud");
	rm_network(dir);
}

static void test_faults__record_put_in_transaction(void **state)
{
	(void)state;
	txn_loop(0);
}

static void test_faults__record_put_in_transaction_sqlite(void **state)
{
	(void)state;
	txn_loop(1);
}

/* A rolled-back transaction after a lost one: the handle starts afresh. */
static void test_faults__rollback_after_lost_transaction(void **state)
{
	char *dir = small_network();
	char cid[VAULT_ID_BUFSIZE];
	vault_status st = VAULT_OK;
	vault *v;
	long n;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	/* Find a failure that takes the transaction down. */
	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		int hit;
		assert_int_equal(vault_begin(v), VAULT_OK);
		assert_int_equal(vault_record_put(v, cid, "a", VAULT_CLASS_GENERAL, "a", 1, NULL),
		                 VAULT_OK);
		arm(n, 1);
		vault_record_put(v, cid, "b", VAULT_CLASS_GENERAL, "b", 1, NULL);
		hit = disarm();
		st = vault_record_put(v, cid, "c", VAULT_CLASS_GENERAL, "c", 1, NULL);
		if (st == VAULT_ERR_STATE)
			break;
		assert_int_equal(vault_rollback(v), VAULT_OK);
		assert_true(hit);
	}
	assert_int_equal(st, VAULT_ERR_STATE);
	assert_true(strlen(vault_errmsg(v)) > 0);
	assert_int_equal(vault_rollback(v), VAULT_OK);
	assert_false(present(v, cid, "a", 0));
	/* A new transaction works and commits. */
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(vault_record_put(v, cid, "d", VAULT_CLASS_GENERAL, "d", 1, NULL),
	                 VAULT_OK);
	assert_int_equal(vault_commit(v), VAULT_OK);
	assert_true(present(v, cid, "d", 0));
	vault_close(v);
	verify_log(dir, "aud");
	rm_network(dir);
}

/* ---- vault_record_get ---------------------------------------------------------- */

static void get_loop(int sqlite_too)
{
	char *dir = small_network();
	char cid[VAULT_ID_BUFSIZE];
	long n, failures = 0;
	vault *v;

	char *tmpl;

	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	th_put(dir, "cav_cw", cid, "plan", VAULT_CLASS_SAFETY, "safety plan text");
	tmpl = tmpl_take(dir);
	v = th_open(dir, "cav_cw");
	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_buf b = {(unsigned char *)&n, 99};
		vault_status st;
		int hit;

		/* A fresh handle each time: nothing cached, every key unsealed. */
		vault_close(v);
		tmpl_put(tmpl, dir);
		v = th_open(dir, "cav_cw");
		arm(n, sqlite_too);
		st = vault_record_get(v, cid, "plan", 0, &b, NULL, NULL);
		hit = disarm();
		if (!hit) {
			assert_int_equal(st, VAULT_OK);
			assert_int_equal(b.len, 16);
			assert_memory_equal(b.data, "safety plan text", 16);
			vault_buf_free(&b);
			break;
		}
		if (st == VAULT_OK) {
			assert_memory_equal(b.data, "safety plan text", 16);
			vault_buf_free(&b);
		} else {
			failures++;
			check_clean("get", n, st, ok, 1, vault_errmsg(v));
			/* No data left the library. */
			assert_null(b.data);
			assert_int_equal(b.len, 0);
		}
		assert_int_equal(vault_record_get(v, cid, "plan", 0, &b, NULL, NULL), VAULT_OK);
		vault_buf_free(&b);
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	vault_close(v);
	verify_log(dir, "aud");
	tmpl_drop(tmpl);
	rm_network(dir);
}

static void test_faults__record_get(void **state)
{
	(void)state;
	get_loop(0);
}

static void test_faults__record_get_sqlite(void **state)
{
	(void)state;
	get_loop(1);
}

/* ---- vault_case_create ---------------------------------------------------------- */

static int count_case(const vault_case_info *i, void *ctx)
{
	(void)i;
	(*(int *)ctx)++;
	return 0;
}

static void case_loop(int sqlite_too)
{
	char *dir = small_network();
	char cid[VAULT_ID_BUFSIZE];
	long n, failures = 0;
	int cases = 0, now;
	vault *v = th_open(dir, "cav_cw");

	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_status st;
		int hit;

		memset(cid, 'x', sizeof(cid));
		arm(n, sqlite_too);
		st = vault_case_create(v, VAULT_CASE_VICTIM, 0, cid);
		hit = disarm();
		if (st == VAULT_OK) {
			cases++;
		} else {
			failures++;
			check_clean("case create", n, st, ok, 1, vault_errmsg(v));
			assert_string_equal(cid, "");
		}
		now = 0;
		assert_int_equal(vault_case_foreach(v, count_case, &now), VAULT_OK);
		assert_int_equal(now, cases);
		if (!hit)
			break;
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	/* No case without its keys: every case has its three classes. */
	assert_int_equal(db_int(dir, "SELECT count(*) FROM cases"), cases);
	assert_int_equal(db_int(dir, "SELECT count(*) FROM case_classes"), 3 * cases);
	assert_int_equal(db_int(dir, "SELECT count(*) FROM grants"), cases);
	/* And the last one works as a case. */
	assert_int_equal(vault_record_put(v, cid, "first", VAULT_CLASS_SAFETY, "x", 1, NULL),
	                 VAULT_OK);
	vault_close(v);
	verify_log(dir, "aud");
	rm_network(dir);
}

static void test_faults__case_create(void **state)
{
	(void)state;
	case_loop(0);
}

static void test_faults__case_create_sqlite(void **state)
{
	(void)state;
	case_loop(1);
}

/* ---- vault_share ------------------------------------------------------------------ */

struct grant_seen {
	int n;
};

static int count_grant(const vault_grant_info *g, void *ctx)
{
	struct grant_seen *s = ctx;

	if (g->kind == VAULT_PRINCIPAL_ORG && strcmp(g->principal, "cas") == 0)
		s->n++;
	return 0;
}

static void share_loop(int sqlite_too)
{
	char *dir = small_network();
	char cid[VAULT_ID_BUFSIZE], consent[VAULT_ID_BUFSIZE];
	long n, failures = 0;
	char *tmpl = tmpl_take(dir);
	vault *v = NULL;

	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
		struct grant_seen gs = {0};
		vault_status st;
		int hit;

		/* Each run from the vault as it was: the log stays short. */
		vault_close(v);
		tmpl_put(tmpl, dir);
		v = th_open(dir, "cav_cw");
		/* A victim case with her consent to share its general class
		 * with the reception centre, set up without faults. */
		assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, cid), VAULT_OK);
		assert_int_equal(vault_record_put(v, cid, "intake", VAULT_CLASS_GENERAL,
		                                  "shared text", 11, NULL), VAULT_OK);
		co.org = "cas";
		co.classes = VAULT_CLASS_GENERAL;
		co.purpose = "continuity of reception";
		assert_int_equal(vault_consent_add(v, cid, &co, consent), VAULT_OK);

		arm(n, sqlite_too);
		st = vault_share(v, cid, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, NULL);
		hit = disarm();
		assert_int_equal(vault_grant_foreach(v, cid, count_grant, &gs), VAULT_OK);
		if (st == VAULT_OK) {
			assert_int_equal(gs.n, 1);
		} else {
			failures++;
			check_clean("share", n, st, ok, 1, vault_errmsg(v));
			/* Nothing granted, nothing sealed. */
			assert_int_equal(gs.n, 0);
			assert_int_equal(th_user_can_unseal(dir, "cas_cw", cid, VAULT_CLASS_GENERAL, 1),
			                 0);
			assert_int_equal(vault_share(v, cid, VAULT_PRINCIPAL_ORG, "cas",
			                             VAULT_CLASS_GENERAL, NULL), VAULT_OK);
		}
		/* The share, however it came about, works. */
		{
			char *text = NULL;
			assert_int_equal(th_get(dir, "cas_cw", cid, "intake", &text), VAULT_OK);
			assert_string_equal(text, "shared text");
			free(text);
		}
		if (!hit)
			break;
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	vault_close(v);
	verify_log(dir, "aud");
	tmpl_drop(tmpl);
	rm_network(dir);
}

static void test_faults__share(void **state)
{
	(void)state;
	share_loop(0);
}

static void test_faults__share_sqlite(void **state)
{
	(void)state;
	share_loop(1);
}

/* ---- vault_revoke (a key rotation on a case with history) ------------------------ */

static void revoke_loop(int sqlite_too)
{
	char *dir = small_network();
	char cid[VAULT_ID_BUFSIZE], consent[VAULT_ID_BUFSIZE];
	long n, failures = 0;
	char *tmpl = tmpl_take(dir);
	vault *v = NULL;

	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
		vault_buf b = VAULT_BUF_INIT;
		vault_status st;
		char *text = NULL;
		int hit;

		/* Each run from the vault as it was: the log stays short. */
		vault_close(v);
		tmpl_put(tmpl, dir);
		v = th_open(dir, "cav_cw");
		/* A case with a record under epoch 1 of its key, shared. */
		assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, cid), VAULT_OK);
		assert_int_equal(vault_record_put(v, cid, "history", VAULT_CLASS_GENERAL,
		                                  "written before", 14, NULL), VAULT_OK);
		co.org = "cas";
		co.classes = VAULT_CLASS_GENERAL;
		co.purpose = "continuity of reception";
		assert_int_equal(vault_consent_add(v, cid, &co, consent), VAULT_OK);
		assert_int_equal(vault_share(v, cid, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL,
		                             NULL), VAULT_OK);

		arm(n, sqlite_too);
		st = vault_revoke(v, cid, VAULT_PRINCIPAL_ORG, "cas");
		hit = disarm();
		if (st != VAULT_OK) {
			failures++;
			check_clean("revoke", n, st, ok, 1, vault_errmsg(v));
			/* Nothing revoked: the reception centre still reads. */
			assert_int_equal(th_get(dir, "cas_cw", cid, "history", &text), VAULT_OK);
			free(text);
		} else {
			assert_int_equal(th_get(dir, "cas_cw", cid, "history", NULL), VAULT_ERR_DENIED);
		}
		/* The owner reads the case's history whatever happened: the key
		 * of its first epoch was not sealed over. */
		assert_int_equal(vault_record_get(v, cid, "history", 0, &b, NULL, NULL), VAULT_OK);
		vault_buf_free(&b);
		assert_int_equal(th_user_can_decrypt(dir, "cav_sup", cid, "history"), 1);
		if (!hit)
			break;
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	vault_close(v);
	verify_log(dir, "aud");
	tmpl_drop(tmpl);
	rm_network(dir);
}

static void test_faults__revoke(void **state)
{
	(void)state;
	revoke_loop(0);
}

static void test_faults__revoke_sqlite(void **state)
{
	(void)state;
	revoke_loop(1);
}

/* ---- users and passphrases -------------------------------------------------------- */

static void test_faults__user_add(void **state)
{
	char *dir = solo_vault(), *tmpl = tmpl_take(dir);
	char name[32], pw[48];
	long n, failures = 0;
	vault *v = NULL;

	(void)state;
	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault *w = NULL;
		vault_status st;
		int hit;

		/* Each run from the vault as it was: the log and the slot file
		 * (parsed by every run) keep their size, and the runs converge. */
		vault_close(v);
		tmpl_put(tmpl, dir);
		v = th_open(dir, "admin");
		snprintf(name, sizeof(name), "aud%ld", n);
		snprintf(pw, sizeof(pw), "pw-%s", name);
		arm(n, 0);
		st = vault_user_add(v, name, NULL, VAULT_ROLE_AUDITOR, (const unsigned char *)pw,
		                    strlen(pw), TEST_KDF);
		hit = disarm();
		if (st != VAULT_OK) {
			failures++;
			check_clean("user add", n, st, ok, 1, vault_errmsg(v));
			/* No half user: no slot to open, and the name is free. */
			assert_int_equal(vault_open(dir, name, (const unsigned char *)pw, strlen(pw),
			                            NULL, &w), VAULT_ERR_AUTH);
			assert_int_equal(vault_user_add(v, name, NULL, VAULT_ROLE_AUDITOR,
			                                (const unsigned char *)pw, strlen(pw), TEST_KDF),
			                 VAULT_OK);
		}
		st = vault_open(dir, name, (const unsigned char *)pw, strlen(pw), NULL, &w);
		if (st != VAULT_OK)
			fail_msg("user add, allocation %ld failing: then open %s (%s)", n,
			         vault_strerror(st), vault_last_errmsg());
		vault_close(w);
		/* The administrator's own slot survived the rewrite. */
		w = th_open(dir, "admin");
		vault_close(w);
		if (!hit)
			break;
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	vault_close(v);
	verify_log(dir, "admin");
	tmpl_drop(tmpl);
	rm_network(dir);
}

static void test_faults__passwd(void **state)
{
	char *dir = solo_vault(), *tmpl = tmpl_take(dir);
	char cur[48], next[48];
	long n, failures = 0;
	vault *v = NULL, *w = NULL;

	(void)state;
	for (n = 1; n < MAX_RUNS; n = next_run(n)) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_status st;
		int hit;

		/* Each run from the vault as it was, with the fixture's passphrase. */
		vault_close(v);
		tmpl_put(tmpl, dir);
		v = th_open(dir, "admin");
		snprintf(cur, sizeof(cur), "pw-admin");
		snprintf(next, sizeof(next), "passphrase number %ld", n);
		arm(n, 0);
		st = vault_passwd(v, (const unsigned char *)next, strlen(next), TEST_KDF);
		hit = disarm();
		if (st == VAULT_OK) {
			snprintf(cur, sizeof(cur), "%s", next);
		} else {
			failures++;
			check_clean("passwd", n, st, ok, 1, vault_errmsg(v));
		}
		/* Exactly one passphrase opens the slot: the one in force. */
		st = vault_open(dir, "admin", (const unsigned char *)cur, strlen(cur), NULL, &w);
		if (st != VAULT_OK)
			fail_msg("passwd, allocation %ld failing: then open %s (%s)", n,
			         vault_strerror(st), vault_last_errmsg());
		vault_close(w);
		if (strcmp(cur, next) != 0)
			assert_int_equal(vault_open(dir, "admin", (const unsigned char *)next,
			                            strlen(next), NULL, &w), VAULT_ERR_AUTH);
		if (!hit)
			break;
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	verify_with(v); /* its passphrase may no longer be the fixture's */
	vault_close(v);
	tmpl_drop(tmpl);
	rm_network(dir);
}

/* ---- vault_user_disable (a database key rotation) ----------------------------------
 * Each run fails one allocation of a supervisor's disable of her
 * caseworker.  Whatever failed, one database key is in force and nobody
 * else is locked out; the error says whether the key was rotated, and says
 * it truly; where it was not, the rotation is owed in the file and
 * disabling her again finishes it; where the handle could not follow the
 * new file, it refuses to go on (close and reopen).
 *
 * A disable makes some 5,000 allocations (the rotation's reopen reads the
 * log again), most of them where a failure is answered by another way
 * (a cache not read is the log read whole).  Failing each in turn takes
 * minutes, so the sweep strides, and where the outcome changed between
 * two runs it goes back and fails every allocation between them.  The
 * handle that cannot follow the new file is two allocations among a
 * thousand that fail nothing: the next test reaches it by name. */

enum { DIS_OK, DIS_UNTOUCHED, DIS_OWED, DIS_MOVED, DIS_ROTATED };

struct disable_run {
	char *dir, *tmpl;
	unsigned char oldkey[32];
	long runs[5];
};

static int disable_once(struct disable_run *d, long n, int *hit)
{
	static const vault_status ok[] = {VAULT_ERR_AUDIT};
	char cid[VAULT_ID_BUFSIZE], msg[512];
	size_t len;
	const unsigned char *pw = th_pass("cav_cw", &len);
	vault_status st;
	vault *v, *w = NULL;
	int old_opens, disabled, due, kind;

	tmpl_put(d->tmpl, d->dir);
	v = th_open(d->dir, "cav_sup");
	arm(n, 0);
	st = vault_user_disable(v, "cav_cw");
	*hit = disarm();
	snprintf(msg, sizeof(msg), "%s", vault_errmsg(v));
	old_opens = vault__store_key_opens(d->dir, d->oldkey);
	assert_true(old_opens == 0 || old_opens == 1);
	if (st == VAULT_OK) {
		assert_int_equal(old_opens, 0);
		kind = DIS_OK;
	} else {
		check_clean("user disable", n, st, ok, 1, msg);
		if (strstr(msg, ": )") != NULL || strstr(msg, ": ;") != NULL || msg[0] == '\0')
			fail_msg("user disable, allocation %ld failing: a reason is missing (%s)", n,
			         msg);
		/* what the error says of the key is what happened */
		if (old_opens && strstr(msg, "was rotated") != NULL)
			fail_msg("user disable, allocation %ld failing: says rotated, but the old"
			         " key opens the database (%s)", n, msg);
		if (!old_opens && strstr(msg, "not rotated") != NULL)
			fail_msg("user disable, allocation %ld failing: says not rotated, but the"
			         " old key opens nothing (%s)", n, msg);
		kind = old_opens ? DIS_OWED : DIS_ROTATED;
		if (strstr(msg, "could not reopen") != NULL) {
			/* rotated, and this handle is on a file no one reads */
			kind = DIS_MOVED;
			assert_int_not_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, cid),
			                     VAULT_OK);
		}
	}
	/* Everyone else opens, the supervisor first (she settles what a run
	 * left pending), and the caseworker's state is one of three. */
	vault_close(v);
	v = th_open(d->dir, "cav_sup");
	disabled = (int)db_int_as(d->dir, "cav_sup",
	                          "SELECT disabled FROM users WHERE name = 'cav_cw'");
	due = (int)db_int_as(d->dir, "cav_sup",
	                     "SELECT count(*) FROM meta WHERE k = 'dbkey_rotate_due'");
	if (old_opens && !disabled) {
		kind = DIS_UNTOUCHED; /* nothing done: the disable runs whole again */
		assert_int_equal(due, 0);
		assert_int_equal(vault_open(d->dir, "cav_cw", pw, len, NULL, &w), VAULT_OK);
		vault_close(w);
		w = NULL;
	} else if (old_opens) {
		assert_int_equal(due, 1); /* owed: disabling her again finishes it */
	} else {
		assert_int_equal(disabled, 1);
		assert_int_equal(due, 0);
	}
	if (old_opens) {
		assert_int_equal(vault_user_disable(v, "cav_cw"), VAULT_OK);
		assert_int_equal(vault__store_key_opens(d->dir, d->oldkey), 0);
	}
	assert_int_equal(vault_open(d->dir, "cav_cw", pw, len, NULL, &w), VAULT_ERR_AUTH);
	vault_close(v);
	if (n % 64 == 0)
		verify_log(d->dir, "aud");
	else
		vault_close(th_open(d->dir, "aud"));
	vault_close(th_open(d->dir, "cas_cw"));
	d->runs[kind]++;
	return kind;
}

static void test_faults__user_disable(void **state)
{
	struct disable_run d;
	long n, prev_n = 0, every_until = 128, failures;
	int kind, prev_kind = -1, hit = 1, vg = under_valgrind();

	(void)state;
	memset(&d, 0, sizeof(d));
	d.dir = small_network();
	d.tmpl = tmpl_take(d.dir);
	th_db_key(d.tmpl, "cav_cw", d.oldkey);
	for (n = 1; n < 40 * MAX_RUNS && hit;) {
		kind = disable_once(&d, n, &hit);
		if (!vg && prev_kind >= 0 && kind != prev_kind && n > prev_n + 1 &&
		    n > every_until) {
			every_until = n; /* the border lies between: every run up to n */
			n = prev_n + 1;
			prev_kind = -1;
			continue;
		}
		prev_n = n;
		prev_kind = kind;
		n = n < every_until ? n + 1 : vg ? n + n / 8 : n + n / 32;
	}
	failures = d.runs[DIS_UNTOUCHED] + d.runs[DIS_OWED] + d.runs[DIS_MOVED] +
	           d.runs[DIS_ROTATED];
	printf("  (%ld ok, %ld did nothing, %ld left the rotation owed, %ld rotated with a handle"
	       " that could not follow, %ld rotated with another failure after)\n",
	       d.runs[DIS_OK], d.runs[DIS_UNTOUCHED], d.runs[DIS_OWED], d.runs[DIS_MOVED],
	       d.runs[DIS_ROTATED]);
	assert_false(hit); /* the sweep reached a run with no failure left */
	assert_true(failures > 0);
	assert_true(d.runs[DIS_UNTOUCHED] > 0 && d.runs[DIS_OWED] > 0);
	verify_log(d.dir, "aud");
	tmpl_drop(d.tmpl);
	rm_network(d.dir);
}

/* The rotation switched files, and the handle's reopen of the new one
 * fails: the allocations from the named step before it fail in turn.  The
 * error says the key was rotated and the handle must be reopened; the old
 * key opens nothing; the handle refuses every write; everyone opens the
 * new file, the disabler too. */
static long reopen_fail_at;

static void arm_at_reopen(const char *step)
{
	if (strcmp(step, "rotate.commit.after") == 0)
		arm(reopen_fail_at, 0);
}

static void test_faults__disable_handle_cannot_follow(void **state)
{
	char *dir = small_network(), *tmpl = tmpl_take(dir);
	unsigned char oldkey[32];
	long moved = 0;

	(void)state;
	th_db_key(tmpl, "cav_cw", oldkey);
	for (reopen_fail_at = 1; reopen_fail_at <= 64; reopen_fail_at++) {
		char cid[VAULT_ID_BUFSIZE], msg[512];
		size_t len;
		const unsigned char *pw = th_pass("cav_cw", &len);
		vault *v, *w = NULL;
		vault_status st;

		tmpl_put(tmpl, dir);
		v = th_open(dir, "cav_sup");
		vault__crash_hook = arm_at_reopen;
		st = vault_user_disable(v, "cav_cw");
		vault__crash_hook = NULL;
		(void)disarm();
		snprintf(msg, sizeof(msg), "%s", vault_errmsg(v));
		/* rotated whatever failed after the switch */
		assert_int_equal(vault__store_key_opens(dir, oldkey), 0);
		if (st != VAULT_OK && strstr(msg, "could not reopen") != NULL) {
			moved++;
			assert_non_null(strstr(msg, "was rotated"));
			assert_int_not_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, cid),
			                     VAULT_OK);
			assert_int_not_equal(vault_user_disable(v, "cas_cw"), VAULT_OK);
		}
		vault_close(v);
		assert_int_equal(vault_open(dir, "cav_cw", pw, len, NULL, &w), VAULT_ERR_AUTH);
		vault_close(th_open(dir, "cav_sup"));
		vault_close(th_open(dir, "cas_cw"));
		verify_log(dir, "aud");
		if (moved > 0 && under_valgrind())
			break; /* some thirty times slower: one is enough there */
	}
	printf("  (%ld of %ld runs: the handle could not follow the new file)\n", moved,
	       reopen_fail_at > 64 ? 64 : reopen_fail_at);
	assert_true(moved > 0);
	tmpl_drop(tmpl);
	rm_network(dir);
}

/* ---- the injector itself ------------------------------------------------------------ */

static void test_faults__injector_counts_and_resets(void **state)
{
	void *p;

	(void)state;
	arm(2, 0);
	p = vault__malloc(8);
	assert_non_null(p);
	free(p);
	assert_false(vault__fault_alloc_hit());
	assert_null(vault__malloc(8));
	assert_true(vault__fault_alloc_hit());
	p = vault__malloc(8); /* one failure per arming */
	assert_non_null(p);
	free(p);
	assert_true(disarm());
	assert_false(vault__fault_alloc_hit());
}

/* jansson allocates for the library too (the key-slot file): its
 * allocations count as the library's.  (jansson reports running out of
 * memory while parsing as a syntax error; the library parses twice, so a
 * transient failure still comes back as VAULT_ERR_NOMEM, not CORRUPT.) */
static void *json_fault_malloc(size_t n)
{
	if (vault__fault_now())
		return NULL;
	return malloc(n);
}

/* SQLite's allocator, with the injector in front of it while an operation
 * on an open handle runs.  Not for vault_open(): SQLCipher itself
 * dereferences a failed allocation when it keys a connection
 * (sqlcipher_openssl_setup, Debian 12), a crash outside libvault. */
static sqlite3_mem_methods sqlite_base;

static void *sqlite_fault_malloc(int n)
{
	if (sqlite_faults && vault__fault_now())
		return NULL;
	return sqlite_base.xMalloc(n);
}

static void *sqlite_fault_realloc(void *p, int n)
{
	if (sqlite_faults && vault__fault_now())
		return NULL;
	return sqlite_base.xRealloc(p, n);
}

static int print_runs(void **state)
{
	(void)state;
	printf("  (%ld injected runs)\n", armed_runs);
	armed_runs = 0;
	return 0;
}

int main(void)
{
	sqlite3_mem_methods m;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_faults__injector_counts_and_resets, print_runs),
		cmocka_unit_test_teardown(test_faults__create, print_runs),
		cmocka_unit_test_teardown(test_faults__open, print_runs),
		cmocka_unit_test_teardown(test_faults__open_with_pending_failed_unlock, print_runs),
		cmocka_unit_test_teardown(test_faults__record_put, print_runs),
		cmocka_unit_test_teardown(test_faults__record_put_sqlite, print_runs),
		cmocka_unit_test_teardown(test_faults__record_put_in_transaction, print_runs),
		cmocka_unit_test_teardown(test_faults__record_put_in_transaction_sqlite, print_runs),
		cmocka_unit_test_teardown(test_faults__rollback_after_lost_transaction, print_runs),
		cmocka_unit_test_teardown(test_faults__record_get, print_runs),
		cmocka_unit_test_teardown(test_faults__record_get_sqlite, print_runs),
		cmocka_unit_test_teardown(test_faults__case_create, print_runs),
		cmocka_unit_test_teardown(test_faults__case_create_sqlite, print_runs),
		cmocka_unit_test_teardown(test_faults__share, print_runs),
		cmocka_unit_test_teardown(test_faults__share_sqlite, print_runs),
		cmocka_unit_test_teardown(test_faults__revoke, print_runs),
		cmocka_unit_test_teardown(test_faults__revoke_sqlite, print_runs),
		cmocka_unit_test_teardown(test_faults__user_add, print_runs),
		cmocka_unit_test_teardown(test_faults__passwd, print_runs),
		cmocka_unit_test_teardown(test_faults__user_disable, print_runs),
		cmocka_unit_test_teardown(test_faults__disable_handle_cannot_follow, print_runs),
	};

	/* FAULTS_ONLY=record_get (a cmocka glob, without the prefix) runs the
	 * matching tests alone. */
	if (getenv("FAULTS_ONLY") != NULL) {
		static char filter[128];

		snprintf(filter, sizeof(filter), "test_faults__%s", getenv("FAULTS_ONLY"));
		cmocka_set_test_filter(filter);
	}
	json_set_alloc_funcs(json_fault_malloc, free);
	/* Before SQLite initialises: the allocator is fixed from then on. */
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_base) != SQLITE_OK)
		return 1;
	m = sqlite_base;
	m.xMalloc = sqlite_fault_malloc;
	m.xRealloc = sqlite_fault_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
