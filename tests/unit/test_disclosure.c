/*
 * test_disclosure.c - invariant 3 inside a caller's transaction: nothing
 * leaves the library, and no refusal is returned, before its audit entry is
 * durable.  The attacker opens a transaction, tries, and rolls back or is
 * killed before the commit; the log must still hold the attempt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"

#define REASON "she called from a neighbour's phone, in danger tonight"

typedef struct fx {
	char *dir;
	char vcase[VAULT_ID_BUFSIZE]; /* a victim case of cav */
	char pcase[VAULT_ID_BUFSIZE]; /* a perpetrator case of cuav */
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	vault *v;

	assert_non_null(f);
	f->dir = th_network();
	th_case(f->dir, "cav_cw", VAULT_CASE_VICTIM, 0, f->vcase);
	th_put(f->dir, "cav_cw", f->vcase, "addr", VAULT_CLASS_SAFETY, "Via Roma 1");
	th_case(f->dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, f->pcase);
	v = th_open(f->dir, "cav_cw");
	assert_int_equal(vault_case_link(v, f->vcase, f->pcase), VAULT_OK);
	vault_close(v);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	th_rmdir(f->dir);
	free(f);
	return 0;
}

/* Entries of `actor` for `action` with `outcome` ("ok", "denied", "error"). */
static long long entries(fx *f, const char *actor, const char *action, const char *outcome)
{
	char sql[512];
	sqlite3 *db = th_db_open(f->dir, "aud");
	sqlite3_stmt *s;
	long long n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE actor = '%s' AND"
	         " action = '%s' AND outcome = '%s'", actor, action, outcome);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static int count_cb(const void *info, void *ctx)
{
	(void)info;
	(*(int *)ctx)++;
	return 0;
}

static int case_cb(const vault_case_info *i, void *c) { return count_cb(i, c); }
static int rec_cb(const vault_record_info *i, void *c) { return count_cb(i, c); }
static int org_cb(const vault_org_info *i, void *c) { return count_cb(i, c); }
static int user_cb(const vault_user_info *i, void *c) { return count_cb(i, c); }
static int consent_cb(const vault_consent_info *i, void *c) { return count_cb(i, c); }
static int grant_cb(const vault_grant_info *i, void *c) { return count_cb(i, c); }
static int link_cb(const char *p, void *c) { return count_cb(p, c); }
static int audit_cb(const vault_audit_entry *e, void *c) { return count_cb(e, c); }

/* Every call that hands out data is refused inside vault_begin(), having
 * called no callback and filled no buffer; the transaction goes on. */
static void test_disclosure__reads_refused_inside_transaction(void **state)
{
	fx *f = *state;
	vault *v = th_open(f->dir, "cav_sup");
	vault *a = th_open(f->dir, "aud");
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	vault_buf b = VAULT_BUF_INIT;
	int n = 0;

	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(vault_record_get(v, f->vcase, "addr", 0, &b, rec_cb, &n),
	                 VAULT_ERR_STATE);
	assert_null(b.data);
	assert_int_equal(vault_record_foreach(v, f->vcase, rec_cb, &n), VAULT_ERR_STATE);
	assert_int_equal(vault_record_history(v, f->vcase, "addr", rec_cb, &n), VAULT_ERR_STATE);
	assert_int_equal(vault_case_show(v, f->vcase, case_cb, &n), VAULT_ERR_STATE);
	assert_int_equal(vault_case_foreach(v, case_cb, &n), VAULT_ERR_STATE);
	assert_int_equal(vault_case_links(v, f->vcase, link_cb, &n), VAULT_ERR_STATE);
	assert_int_equal(vault_consent_foreach(v, f->vcase, consent_cb, &n), VAULT_ERR_STATE);
	assert_int_equal(vault_grant_foreach(v, f->vcase, grant_cb, &n), VAULT_ERR_STATE);
	assert_int_equal(vault_org_foreach(v, org_cb, &n), VAULT_ERR_STATE);
	assert_int_equal(vault_user_foreach(v, user_cb, &n), VAULT_ERR_STATE);
	assert_int_equal(vault_break_glass(v, f->vcase, REASON, 0), VAULT_ERR_STATE);
	assert_int_equal(vault_case_foreach_restricted(v, case_cb, &n), VAULT_ERR_STATE);
	assert_non_null(strstr(vault_errmsg(v), "vault_begin"));
	/* the transaction is still usable and commits */
	assert_int_equal(vault_record_put(v, f->vcase, "note", VAULT_CLASS_GENERAL, "n", 1, NULL),
	                 VAULT_OK);
	assert_int_equal(vault_commit(v), VAULT_OK);
	assert_int_equal(n, 0);

	assert_int_equal(vault_begin(a), VAULT_OK);
	assert_int_equal(vault_audit_foreach(a, &q, audit_cb, &n), VAULT_ERR_STATE);
	assert_int_equal(vault_audit_checkpoint(a, &b), VAULT_ERR_STATE);
	assert_int_equal(vault_rollback(a), VAULT_OK);
	assert_null(b.data);
	assert_int_equal(n, 0);
	vault_close(a);
	vault_close(v);
}

/* A refused write inside a transaction, then vault_rollback(): the refusal
 * is in the log anyway, and what the transaction did before it is not. */
static void test_disclosure__refusal_survives_rollback(void **state)
{
	fx *f = *state;
	vault *v = th_open(f->dir, "cuav_cw");
	long long denied = entries(f, "cuav_cw", "record.put", "denied");
	long long ok = entries(f, "cuav_cw", "record.put", "ok");

	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(vault_record_put(v, f->pcase, "mine", VAULT_CLASS_GENERAL, "m", 1, NULL),
	                 VAULT_OK);
	assert_int_equal(vault_record_put(v, f->vcase, "probe", VAULT_CLASS_SAFETY, "p", 1, NULL),
	                 VAULT_ERR_DENIED);
	/* the transaction is over: nothing else goes in it */
	assert_int_equal(vault_record_put(v, f->pcase, "more", VAULT_CLASS_GENERAL, "m", 1, NULL),
	                 VAULT_ERR_STATE);
	assert_int_equal(vault_rollback(v), VAULT_OK);
	assert_int_equal(entries(f, "cuav_cw", "record.put", "denied"), denied + 1);
	assert_int_equal(entries(f, "cuav_cw", "record.put", "ok"), ok);
	/* and the handle works again */
	assert_int_equal(vault_record_put(v, f->pcase, "after", VAULT_CLASS_GENERAL, "a", 1, NULL),
	                 VAULT_OK);
	vault_close(v);
}

/* The same attempt by a process killed before vault_commit(): SIGKILL, no
 * chance to clean up.  The refusal (and a refused share) are in the log. */
static void test_disclosure__refusal_survives_sigkill(void **state)
{
	fx *f = *state;
	long long put = entries(f, "cuav_cw", "record.put", "denied");
	long long share = entries(f, "cuav_cw", "share", "denied");
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t len;
		const unsigned char *pw = th_pass("cuav_cw", &len);
		vault *v = NULL;

		if (vault_open(f->dir, "cuav_cw", pw, len, NULL, &v) != VAULT_OK ||
		    vault_begin(v) != VAULT_OK)
			_exit(2);
		if (vault_record_put(v, f->vcase, "probe", VAULT_CLASS_SAFETY, "p", 1, NULL) !=
		    VAULT_ERR_DENIED)
			_exit(3);
		vault_rollback(v);
		if (vault_begin(v) != VAULT_OK ||
		    vault_share(v, f->vcase, VAULT_PRINCIPAL_USER, "cuav_cw", VAULT_CLASS_SAFETY,
		                NULL) != VAULT_ERR_DENIED)
			_exit(4);
		raise(SIGKILL);
		_exit(5);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(entries(f, "cuav_cw", "record.put", "denied"), put + 1);
	assert_int_equal(entries(f, "cuav_cw", "share", "denied"), share + 1);
}

/* An allowed write killed before the commit leaves neither the row nor its
 * entry: nothing was disclosed, so nothing needs recording. */
static void test_disclosure__write_killed_before_commit_leaves_nothing(void **state)
{
	fx *f = *state;
	long long ok = entries(f, "cav_cw", "record.put", "ok");
	char *text = NULL;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t len;
		const unsigned char *pw = th_pass("cav_cw", &len);
		vault *v = NULL;

		if (vault_open(f->dir, "cav_cw", pw, len, NULL, &v) != VAULT_OK ||
		    vault_begin(v) != VAULT_OK ||
		    vault_record_put(v, f->vcase, "killed", VAULT_CLASS_GENERAL, "k", 1, NULL) !=
		        VAULT_OK)
			_exit(2);
		raise(SIGKILL);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(entries(f, "cav_cw", "record.put", "ok"), ok);
	assert_int_equal(th_get(f->dir, "cav_cw", f->vcase, "killed", &text), VAULT_ERR_NOT_FOUND);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disclosure__reads_refused_inside_transaction),
		cmocka_unit_test(test_disclosure__refusal_survives_rollback),
		cmocka_unit_test(test_disclosure__refusal_survives_sigkill),
		cmocka_unit_test(test_disclosure__write_killed_before_commit_leaves_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
