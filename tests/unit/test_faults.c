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

#include <cmocka.h>

#include "helpers.h"
#include "internal.h"

/* No operation needs anywhere near this many allocations. */
#define MAX_RUNS 500

/* ---- local helpers -------------------------------------------------------- */

/* Arm the injector, and read back whether it fired. */
static void arm(long n)
{
	vault__fault_alloc_after(n);
}

static int disarm(void)
{
	int hit = vault__fault_alloc_hit();

	vault__fault_alloc_after(0);
	return hit;
}

static void verify_log(const char *dir)
{
	vault_verify_result r;
	vault *v = th_open(dir, "aud");
	vault_status st;

	assert_int_equal(vault_verify_result_init(&r, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	st = vault_audit_verify(v, NULL, &r, NULL, NULL);
	if (st != VAULT_OK)
		fail_msg("audit verify: %s: %s (seq %llu)", vault_strerror(st), r.reason,
		         (unsigned long long)r.bad_seq);
	vault_close(v);
}

static long long db_int(const char *dir, const char *sql)
{
	sqlite3 *db = th_db_open(dir, "cav_cw");
	sqlite3_stmt *s;
	long long r = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		r = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return r;
}

static void check_clean(const char *what, long n, vault_status st, const vault_status *ok,
                        size_t nok)
{
	size_t i;

	if (st == VAULT_ERR_NOMEM)
		return;
	for (i = 0; i < nok; i++)
		if (st == ok[i])
			return;
	fail_msg("%s, allocation %ld failing: %s", what, n, vault_strerror(st));
}

/* ---- vault_open --------------------------------------------------------------- */

static void test_faults__open(void **state)
{
	char *dir = th_network();
	long n, failures = 0;
	long long entries = db_int(dir, "SELECT count(*) FROM audit");
	size_t len;
	const unsigned char *p = th_pass("cav_cw", &len);

	(void)state;
	for (n = 1; n < MAX_RUNS; n++) {
		vault *v = (vault *)&n;
		vault_status st;
		int hit;

		arm(n);
		st = vault_open(dir, "cav_cw", p, len, NULL, &v);
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
			check_clean("open", n, st, NULL, 0);
			assert_null(v);
			if (strlen(vault_last_errmsg()) == 0)
				fail_msg("open, allocation %ld failing: %s without a message", n,
				         vault_strerror(st));
			/* A failed open leaves no trace in the log. */
			assert_int_equal(db_int(dir, "SELECT count(*) FROM audit"), entries);
		}
		/* The next open works. */
		v = th_open(dir, "cav_cw");
		vault_close(v);
		entries = db_int(dir, "SELECT count(*) FROM audit");
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	verify_log(dir);
	th_rmdir(dir);
}

/* A failed unlock noted in the inbox is entered by the next open, even if
 * earlier opens failed for want of memory. */
static void test_faults__open_with_pending_failed_unlock(void **state)
{
	char *dir = th_network();
	long n, failures = 0;
	size_t len;
	const unsigned char *p = th_pass("cav_sup", &len);
	vault *v = NULL;

	(void)state;
	assert_int_equal(vault_open(dir, "cav_sup", (const unsigned char *)"wrong", 5, NULL, &v),
	                 VAULT_ERR_AUTH);
	for (n = 1; n < MAX_RUNS; n++) {
		vault_status st;
		int hit;

		arm(n);
		st = vault_open(dir, "cav_sup", p, len, NULL, &v);
		hit = disarm();
		if (!hit) {
			assert_int_equal(st, VAULT_OK);
			vault_close(v);
			break;
		}
		if (st == VAULT_OK) {
			vault_close(v);
			break; /* the inbox was drained by this one */
		}
		failures++;
		check_clean("open with inbox", n, st, NULL, 0);
		assert_null(v);
	}
	assert_true(failures > 0);
	/* Exactly one auth.fail entry: not lost, not doubled. */
	assert_int_equal(db_int(dir, "SELECT count(*) FROM audit WHERE action = 'auth.fail'"), 1);
	verify_log(dir);
	th_rmdir(dir);
}

/* ---- vault_record_put -------------------------------------------------------- */

static void test_faults__record_put(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], name[32];
	long n, failures = 0;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(vault_record_put(v, cid, "existing", VAULT_CLASS_SAFETY, "v1", 2, NULL),
	                 VAULT_OK);
	for (n = 1; n < MAX_RUNS; n++) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_buf b = VAULT_BUF_INIT;
		uint32_t ver = 0;
		vault_status st;
		int hit;

		snprintf(name, sizeof(name), "rec%ld", n);
		arm(n);
		st = vault_record_put(v, cid, name, VAULT_CLASS_SENSITIVE, "some text", 9, &ver);
		hit = disarm();
		if (!hit) {
			assert_int_equal(st, VAULT_OK);
			assert_int_equal(ver, 1);
			break;
		}
		if (st != VAULT_OK) {
			failures++;
			check_clean("put", n, st, ok, 1);
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
		arm(n);
		st = vault_record_put(v, cid, "existing", VAULT_CLASS_SAFETY, "vN", 2, NULL);
		hit = disarm();
		if (st != VAULT_OK)
			check_clean("put version", n, st, ok, 1);
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	vault_close(v);
	/* Versions of "existing" have no gap: each failed put left nothing. */
	assert_int_equal(db_int(dir, "SELECT max(version) - count(*) FROM records"
	                             " WHERE name = 'existing'"), 0);
	verify_log(dir);
	th_rmdir(dir);
}

/* The same inside the caller's transaction: a failed put leaves the
 * transaction open and usable. */
static void test_faults__record_put_in_transaction(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], name[32];
	long n, failures = 0, done = 0, i;
	vault_buf b = VAULT_BUF_INIT;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(vault_begin(v), VAULT_OK);
	for (n = 1; n < MAX_RUNS; n++) {
		vault_status st;
		int hit;

		snprintf(name, sizeof(name), "tx%ld", n);
		arm(n);
		st = vault_record_put(v, cid, name, VAULT_CLASS_GENERAL, "in txn", 6, NULL);
		hit = disarm();
		if (st == VAULT_OK) {
			done++;
		} else {
			failures++;
			check_clean("put in transaction", n, st, NULL, 0);
		}
		if (!hit)
			break;
	}
	assert_true(failures > 0);
	assert_int_equal(vault_commit(v), VAULT_OK);
	for (i = 1; i <= n; i++) {
		vault_status st;
		snprintf(name, sizeof(name), "tx%ld", i);
		st = vault_record_get(v, cid, name, 0, &b, NULL, NULL);
		assert_true(st == VAULT_OK || st == VAULT_ERR_NOT_FOUND);
		done -= st == VAULT_OK;
		vault_buf_free(&b);
	}
	assert_int_equal(done, 0); /* exactly the puts that succeeded are there */
	vault_close(v);
	verify_log(dir);
	th_rmdir(dir);
}

/* ---- vault_record_get ---------------------------------------------------------- */

static void test_faults__record_get(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	long n, failures = 0;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	th_put(dir, "cav_cw", cid, "plan", VAULT_CLASS_SAFETY, "safety plan text");
	v = th_open(dir, "cav_cw");
	for (n = 1; n < MAX_RUNS; n++) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_buf b = {(unsigned char *)&n, 99};
		vault_status st;
		int hit;

		/* A fresh handle each time: nothing cached, every key unsealed. */
		vault_close(v);
		v = th_open(dir, "cav_cw");
		arm(n);
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
			check_clean("get", n, st, ok, 1);
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
	verify_log(dir);
	th_rmdir(dir);
}

/* ---- vault_case_create ---------------------------------------------------------- */

static int count_case(const vault_case_info *i, void *ctx)
{
	(void)i;
	(*(int *)ctx)++;
	return 0;
}

static void test_faults__case_create(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	long n, failures = 0;
	int cases = 0, now;
	vault *v = th_open(dir, "cav_cw");

	(void)state;
	for (n = 1; n < MAX_RUNS; n++) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_status st;
		int hit;

		memset(cid, 'x', sizeof(cid));
		arm(n);
		st = vault_case_create(v, VAULT_CASE_VICTIM, 0, cid);
		hit = disarm();
		if (st == VAULT_OK) {
			cases++;
		} else {
			failures++;
			check_clean("case create", n, st, ok, 1);
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
	verify_log(dir);
	th_rmdir(dir);
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

static void test_faults__share(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], consent[VAULT_ID_BUFSIZE];
	long n, failures = 0;
	vault *v = th_open(dir, "cav_cw");

	(void)state;
	for (n = 1; n < MAX_RUNS; n++) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT};
		vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
		struct grant_seen gs = {0};
		vault_status st;
		int hit;

		/* A victim case with her consent to share its general class
		 * with the reception centre, set up without faults. */
		assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, cid), VAULT_OK);
		assert_int_equal(vault_record_put(v, cid, "intake", VAULT_CLASS_GENERAL,
		                                  "shared text", 11, NULL), VAULT_OK);
		co.org = "cas";
		co.classes = VAULT_CLASS_GENERAL;
		co.purpose = "continuity of reception";
		assert_int_equal(vault_consent_add(v, cid, &co, consent), VAULT_OK);

		arm(n);
		st = vault_share(v, cid, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, NULL);
		hit = disarm();
		assert_int_equal(vault_grant_foreach(v, cid, count_grant, &gs), VAULT_OK);
		if (st == VAULT_OK) {
			assert_int_equal(gs.n, 1);
		} else {
			failures++;
			check_clean("share", n, st, ok, 1);
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
	verify_log(dir);
	th_rmdir(dir);
}

/* ---- users and passphrases -------------------------------------------------------- */

static void test_faults__user_add(void **state)
{
	char *dir = th_network();
	char name[32], pw[48];
	long n, failures = 0;
	vault *v = th_open(dir, "cav_sup");

	(void)state;
	for (n = 1; n < MAX_RUNS; n++) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT, VAULT_ERR_IO};
		vault *w = NULL;
		vault_status st;
		int hit;

		snprintf(name, sizeof(name), "member%ld", n);
		snprintf(pw, sizeof(pw), "pw-%s", name);
		arm(n);
		st = vault_user_add(v, name, NULL, VAULT_ROLE_CASEWORKER, (const unsigned char *)pw,
		                    strlen(pw), TEST_KDF);
		hit = disarm();
		if (st != VAULT_OK) {
			failures++;
			check_clean("user add", n, st, ok, 2);
			/* No half user: no slot to open, no row. */
			assert_int_equal(vault_open(dir, name, (const unsigned char *)pw, strlen(pw),
			                            NULL, &w), VAULT_ERR_AUTH);
			assert_int_equal(vault_user_add(v, name, NULL, VAULT_ROLE_CASEWORKER,
			                                (const unsigned char *)pw, strlen(pw), TEST_KDF),
			                 VAULT_OK);
		}
		assert_int_equal(vault_open(dir, name, (const unsigned char *)pw, strlen(pw), NULL,
		                            &w), VAULT_OK);
		vault_close(w);
		if (!hit)
			break;
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	vault_close(v);
	verify_log(dir);
	th_rmdir(dir);
}

static void test_faults__passwd(void **state)
{
	char *dir = th_network();
	char cur[48], next[48];
	long n, failures = 0;
	vault *v = th_open(dir, "cav_cw"), *w = NULL;

	(void)state;
	snprintf(cur, sizeof(cur), "pw-cav_cw");
	for (n = 1; n < MAX_RUNS; n++) {
		static const vault_status ok[] = {VAULT_ERR_AUDIT, VAULT_ERR_IO};
		vault_status st;
		int hit;

		snprintf(next, sizeof(next), "passphrase number %ld", n);
		arm(n);
		st = vault_passwd(v, (const unsigned char *)next, strlen(next), TEST_KDF);
		hit = disarm();
		if (st == VAULT_OK) {
			snprintf(cur, sizeof(cur), "%s", next);
		} else {
			failures++;
			check_clean("passwd", n, st, ok, 2);
		}
		/* Exactly one passphrase opens the slot: the one in force. */
		assert_int_equal(vault_open(dir, "cav_cw", (const unsigned char *)cur, strlen(cur),
		                            NULL, &w), VAULT_OK);
		vault_close(w);
		if (strcmp(cur, next) != 0)
			assert_int_equal(vault_open(dir, "cav_cw", (const unsigned char *)next,
			                            strlen(next), NULL, &w), VAULT_ERR_AUTH);
		if (!hit)
			break;
	}
	assert_true(n < MAX_RUNS);
	assert_true(failures > 0);
	vault_close(v);
	verify_log(dir);
	th_rmdir(dir);
}

/* ---- the injector itself ------------------------------------------------------------ */

static void test_faults__injector_counts_and_resets(void **state)
{
	void *p;

	(void)state;
	arm(2);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faults__injector_counts_and_resets),
		cmocka_unit_test(test_faults__open),
		cmocka_unit_test(test_faults__open_with_pending_failed_unlock),
		cmocka_unit_test(test_faults__record_put),
		cmocka_unit_test(test_faults__record_put_in_transaction),
		cmocka_unit_test(test_faults__record_get),
		cmocka_unit_test(test_faults__case_create),
		cmocka_unit_test(test_faults__share),
		cmocka_unit_test(test_faults__user_add),
		cmocka_unit_test(test_faults__passwd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
