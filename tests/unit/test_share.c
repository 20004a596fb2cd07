/*
 * test_share.c - sharing again with a holder updates its one grant, and a
 * restricted case whose caseworker left is handed to a colleague by a
 * supervisor under break-glass; the restricted listing that lets her find
 * it.
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
#include "internal.h" /* vault__clock_shift */

#define REASON_OK "she left the service; her cases go to a colleague"

static char *g_dir;

static int group_setup(void **state)
{
	(void)state;
	g_dir = th_network();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	th_rmdir(g_dir);
	return 0;
}

static void add_user(const char *by, const char *name, vault_role role)
{
	size_t n;
	const unsigned char *p = th_pass(name, &n);
	vault *v = th_open(g_dir, by);

	assert_int_equal(vault_user_add(v, name, NULL, role, p, n, TEST_KDF), VAULT_OK);
	vault_close(v);
}

/* Rows of the grants table for (case, principal), revoked or not. */
static int grant_rows(const char *case_id, const char *principal, int live_only)
{
	sqlite3 *db = th_db_open(g_dir, "admin");
	sqlite3_stmt *s;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM grants WHERE case_id = ?1"
	                                        " AND principal = ?2 AND (?3 = 0 OR revoked = 0)",
	                                    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, principal, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, live_only);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

struct grant_seen {
	const char *principal;
	int n;
	unsigned int classes;
	vault_perm perm;
};

static int grant_cb(const vault_grant_info *g, void *ctx)
{
	struct grant_seen *gs = ctx;

	if (strcmp(g->principal, gs->principal) == 0) {
		gs->n++;
		gs->classes = g->classes;
		gs->perm = g->perm;
	}
	return 0;
}

static struct grant_seen grants_of(vault *v, const char *case_id, const char *principal)
{
	struct grant_seen gs = {principal, 0, 0, (vault_perm)0};

	assert_int_equal(vault_grant_foreach(v, case_id, grant_cb, &gs), VAULT_OK);
	return gs;
}

static vault_status share(vault *v, const char *case_id, vault_principal_kind kind,
                          const char *who, unsigned int classes, vault_perm perm)
{
	vault_share_options o = VAULT_SHARE_OPTIONS_INIT;

	o.perm = perm;
	return vault_share(v, case_id, kind, who, classes, &o);
}

static void test_share__again_updates_the_one_grant(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	struct grant_seen gs;
	vault *v;

	(void)state;
	th_case(g_dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, id);
	v = th_open(g_dir, "cuav_cw");
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL,
	                       VAULT_PERM_READ), VAULT_OK);
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_ORG, "cas",
	                       VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE,
	                       VAULT_PERM_WRITE), VAULT_OK);
	gs = grants_of(v, id, "cas");
	assert_int_equal(gs.n, 1);
	assert_int_equal(gs.classes, VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE);
	assert_int_equal(gs.perm, VAULT_PERM_WRITE);
	vault_close(v);
	/* One row in the table too, not a second one hidden by the listing. */
	assert_int_equal(grant_rows(id, "cas", 0), 1);
	/* And the update took effect: the centre writes sensitive now. */
	th_put(g_dir, "cas_cw", id, "note", VAULT_CLASS_SENSITIVE, "written by cas");

	/* A lower right replaces the higher one. */
	v = th_open(g_dir, "cuav_cw");
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_ORG, "cas",
	                       VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE,
	                       VAULT_PERM_READ), VAULT_OK);
	gs = grants_of(v, id, "cas");
	assert_int_equal(gs.n, 1);
	assert_int_equal(gs.perm, VAULT_PERM_READ);
	vault_close(v);
	v = th_open(g_dir, "cas_cw");
	assert_int_equal(vault_record_put(v, id, "note", VAULT_CLASS_SENSITIVE, "x", 1, NULL),
	                 VAULT_ERR_DENIED);
	vault_close(v);
}

/* A victim case shared again on the same consent: still one grant. */
static void test_share__again_on_the_same_consent_updates(void **state)
{
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	char id[VAULT_ID_BUFSIZE], c[VAULT_ID_BUFSIZE];
	struct grant_seen gs;
	vault *v;

	(void)state;
	th_case(g_dir, "cas_cw", VAULT_CASE_VICTIM, 0, id);
	v = th_open(g_dir, "cas_cw");
	o.org = "cav";
	o.classes = VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE;
	o.purpose = "referral";
	assert_int_equal(vault_consent_add(v, id, &o, c), VAULT_OK);
	so.consent_id = c;
	assert_int_equal(vault_share(v, id, VAULT_PRINCIPAL_ORG, "cav", VAULT_CLASS_GENERAL, &so),
	                 VAULT_OK);
	so.perm = VAULT_PERM_WRITE;
	assert_int_equal(vault_share(v, id, VAULT_PRINCIPAL_ORG, "cav",
	                             VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE, &so), VAULT_OK);
	gs = grants_of(v, id, "cav");
	assert_int_equal(gs.n, 1);
	assert_int_equal(gs.perm, VAULT_PERM_WRITE);
	assert_int_equal(gs.classes, VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE);
	vault_close(v);
	assert_int_equal(grant_rows(id, "cav", 0), 1);
}

/* Sharing again must not take classes back silently: that is a revocation,
 * which rotates the keys. */
static void test_share__again_must_name_the_classes_held(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	struct grant_seen gs;
	vault *v;

	(void)state;
	th_case(g_dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, id);
	v = th_open(g_dir, "cuav_cw");
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_USER, "asl_cw",
	                       VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY, VAULT_PERM_READ),
	                 VAULT_OK);
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_USER, "asl_cw", VAULT_CLASS_GENERAL,
	                       VAULT_PERM_WRITE), VAULT_ERR_INVALID);
	assert_non_null(strstr(vault_errmsg(v), "already holds general,safety"));
	/* Nothing changed. */
	gs = grants_of(v, id, "asl_cw");
	assert_int_equal(gs.n, 1);
	assert_int_equal(gs.classes, VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY);
	assert_int_equal(gs.perm, VAULT_PERM_READ);
	vault_close(v);
	assert_int_equal(grant_rows(id, "asl_cw", 0), 1);
}

/* A refused consent says which organisation and classes. */
static void test_share__consent_refusal_names_org_and_classes(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	vault *v;

	(void)state;
	th_case(g_dir, "cas_cw", VAULT_CASE_VICTIM, 0, id);
	v = th_open(g_dir, "cas_cw");
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_ORG, "cav",
	                       VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY, VAULT_PERM_READ),
	                 VAULT_ERR_CONSENT);
	assert_non_null(strstr(vault_errmsg(v), "general,safety"));
	assert_non_null(strstr(vault_errmsg(v), "organisation cav"));
	vault_close(v);
}

/* With no consent named, the share looks among the consents that could
 * cover it: a live consent recorded before 64 others (withdrawn, or for
 * another organisation) was not among the newest 64 of the case, and the
 * share was refused. */
static void test_share__finds_a_live_consent_behind_64_newer(void **state)
{
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	char id[VAULT_ID_BUFSIZE], c[VAULT_ID_BUFSIZE], live[VAULT_ID_BUFSIZE];
	struct grant_seen gs;
	vault *v;
	int i;

	(void)state;
	th_case(g_dir, "cas_cw", VAULT_CASE_VICTIM, 0, id);
	v = th_open(g_dir, "cas_cw");
	o.org = "cav";
	o.classes = VAULT_CLASS_GENERAL;
	o.purpose = "referral";
	assert_int_equal(vault_consent_add(v, id, &o, live), VAULT_OK);
	for (i = 0; i < 64; i++) {
		/* each a second newer (consents of one second are in id order);
		 * every other one withdrawn, the rest given to another centre.
		 * The clock only moves on: the group's later tests see it ahead. */
		vault__clock_shift(1);
		o.org = i % 2 ? "cav" : "asl";
		assert_int_equal(vault_consent_add(v, id, &o, c), VAULT_OK);
		if (i % 2)
			assert_int_equal(vault_consent_withdraw(v, c), VAULT_OK);
	}
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_ORG, "cav", VAULT_CLASS_GENERAL,
	                       VAULT_PERM_READ), VAULT_OK);
	gs = grants_of(v, id, "cav");
	assert_int_equal(gs.n, 1);
	vault_close(v);
	/* on that consent: withdrawn, it takes the share back */
	v = th_open(g_dir, "cas_cw");
	assert_int_equal(vault_consent_withdraw(v, live), VAULT_OK);
	gs = grants_of(v, id, "cav");
	assert_int_equal(gs.n, 0);
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_ORG, "cav", VAULT_CLASS_GENERAL,
	                       VAULT_PERM_READ), VAULT_ERR_CONSENT);
	vault_close(v);
	/* and the log replays whole, as on a new device */
	th_forget_cache(g_dir, "cav_sup");
	vault_close(th_open(g_dir, "cav_sup"));
}

struct listed {
	char ids[8][VAULT_ID_BUFSIZE];
	char creators[8][VAULT_NAME_MAX + 1];
	unsigned int readable[8];
	int n;
};

static int listed_cb(const vault_case_info *info, void *ctx)
{
	struct listed *l = ctx;

	if (l->n < 8) {
		snprintf(l->ids[l->n], VAULT_ID_BUFSIZE, "%s", info->id);
		snprintf(l->creators[l->n], VAULT_NAME_MAX + 1, "%s", info->created_by);
		l->readable[l->n] = info->readable;
		assert_true(info->restricted);
	}
	l->n++;
	return 0;
}

static int listed_has(const struct listed *l, const char *id)
{
	for (int i = 0; i < l->n && i < 8; i++)
		if (strcmp(l->ids[i], id) == 0)
			return 1;
	return 0;
}

struct audit_seen {
	const char *action;
	const char *case_id;
	int n, high, ok;
};

static int audit_cb(const vault_audit_entry *e, void *ctx)
{
	struct audit_seen *a = ctx;

	if (strcmp(e->action, a->action) == 0 &&
	    (a->case_id == NULL || strcmp(e->case_id, a->case_id) == 0)) {
		a->n++;
		a->high += e->high;
		a->ok += e->outcome == VAULT_OUTCOME_OK;
	}
	return 0;
}

static struct audit_seen audited(const char *action, const char *case_id)
{
	struct audit_seen a = {action, case_id, 0, 0, 0};
	vault *v = th_open(g_dir, "aud");

	assert_int_equal(vault_audit_foreach(v, NULL, audit_cb, &a), VAULT_OK);
	vault_close(v);
	return a;
}

static void test_cases__foreach_restricted_supervisors_only(void **state)
{
	char mine[VAULT_ID_BUFSIZE], open_case[VAULT_ID_BUFSIZE], other[VAULT_ID_BUFSIZE];
	struct listed l;
	struct audit_seen a;
	vault *v;

	(void)state;
	th_case(g_dir, "asl_cw", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, mine);
	th_case(g_dir, "asl_cw", VAULT_CASE_VICTIM, 0, open_case);
	th_case(g_dir, "cav_cw", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, other);

	v = th_open(g_dir, "asl_sup");
	memset(&l, 0, sizeof(l));
	assert_int_equal(vault_case_foreach_restricted(v, listed_cb, &l), VAULT_OK);
	assert_true(listed_has(&l, mine));
	assert_false(listed_has(&l, open_case)); /* not restricted */
	assert_false(listed_has(&l, other));     /* another organisation's */
	for (int i = 0; i < l.n; i++)
		if (strcmp(l.ids[i], mine) == 0) {
			assert_string_equal(l.creators[i], "asl_cw");
			assert_int_equal(l.readable[i], 0); /* metadata only */
		}
	/* And the content stays closed to her. */
	assert_int_equal(vault_record_get(v, mine, "x", 0, &(vault_buf)VAULT_BUF_INIT, NULL, NULL),
	                 VAULT_ERR_DENIED);
	vault_close(v);

	for (int i = 0; i < 3; i++) {
		static const char *const who[] = {"asl_cw", "admin", "aud"};
		v = th_open(g_dir, who[i]);
		memset(&l, 0, sizeof(l));
		assert_int_equal(vault_case_foreach_restricted(v, listed_cb, &l), VAULT_ERR_DENIED);
		assert_int_equal(l.n, 0);
		vault_close(v);
	}
	v = th_open(g_dir, "asl_sup");
	assert_int_equal(vault_case_foreach_restricted(v, NULL, NULL), VAULT_ERR_INVALID);
	vault_close(v);
	/* One entry per listing, allowed or refused. */
	a = audited("case.list.restricted", NULL);
	assert_true(a.n >= 4);
	assert_true(a.ok >= 1);
}

/* A caseworker opens a restricted case and leaves; her supervisor finds it,
 * breaks the glass and hands it to a colleague: two high-severity entries. */
static void test_share__handover_of_departed_caseworkers_restricted_case(void **state)
{
	char id[VAULT_ID_BUFSIZE];
	char *text = NULL;
	struct listed l;
	struct audit_seen a;
	vault *v;

	(void)state;
	add_user("cav_sup", "leaver", VAULT_ROLE_CASEWORKER);
	add_user("cav_sup", "colleague", VAULT_ROLE_CASEWORKER);
	th_case(g_dir, "leaver", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, id);
	th_put(g_dir, "leaver", id, "intake", VAULT_CLASS_SAFETY, "she is at her sister's");

	v = th_open(g_dir, "cav_sup");
	/* Without break-glass: refused. */
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_USER, "colleague", VAULT_CLASS_ALL,
	                       VAULT_PERM_SHARE), VAULT_ERR_DENIED);
	assert_int_equal(vault_break_glass(v, id, REASON_OK, 3600), VAULT_OK);
	/* While the caseworker is still here: refused, break-glass or not. */
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_USER, "colleague", VAULT_CLASS_ALL,
	                       VAULT_PERM_SHARE), VAULT_ERR_DENIED);
	assert_int_equal(vault_user_disable(v, "leaver"), VAULT_OK);
	/* Never to herself, to the organisation, or outside it. */
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_USER, "cav_sup", VAULT_CLASS_ALL,
	                       VAULT_PERM_SHARE), VAULT_ERR_DENIED);
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_ORG, "cav", VAULT_CLASS_ALL,
	                       VAULT_PERM_SHARE), VAULT_ERR_DENIED);
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_USER, "cas_cw", VAULT_CLASS_ALL,
	                       VAULT_PERM_SHARE), VAULT_ERR_DENIED);
	/* She finds it in the restricted listing... */
	memset(&l, 0, sizeof(l));
	assert_int_equal(vault_case_foreach_restricted(v, listed_cb, &l), VAULT_OK);
	assert_true(listed_has(&l, id));
	/* ...and hands it over. */
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_USER, "colleague", VAULT_CLASS_ALL,
	                       VAULT_PERM_SHARE), VAULT_OK);
	vault_close(v);

	assert_int_equal(th_get(g_dir, "colleague", id, "intake", &text), VAULT_OK);
	assert_string_equal(text, "she is at her sister's");
	free(text);
	/* With the keys, not only the table: the colleague can decrypt it. */
	assert_true(th_user_can_decrypt(g_dir, "colleague", id, "intake"));

	/* Now the case has a holder again: no second hand-over. */
	add_user("cav_sup", "third", VAULT_ROLE_CASEWORKER);
	v = th_open(g_dir, "cav_sup");
	assert_int_equal(share(v, id, VAULT_PRINCIPAL_USER, "third", VAULT_CLASS_ALL,
	                       VAULT_PERM_READ), VAULT_ERR_DENIED);
	vault_close(v);

	a = audited("break-glass", id);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.high, 1);
	a = audited("share", id);
	assert_int_equal(a.ok, 1);
	assert_true(a.high >= 1); /* the hand-over is reviewed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share__again_updates_the_one_grant),
		cmocka_unit_test(test_share__again_on_the_same_consent_updates),
		cmocka_unit_test(test_share__again_must_name_the_classes_held),
		cmocka_unit_test(test_share__consent_refusal_names_org_and_classes),
		cmocka_unit_test(test_cases__foreach_restricted_supervisors_only),
		cmocka_unit_test(test_share__handover_of_departed_caseworkers_restricted_case),
		/* last: it moves the library's clock on */
		cmocka_unit_test(test_share__finds_a_live_consent_behind_64_newer),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
