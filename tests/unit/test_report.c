/*
 * test_report.c - her access report and a supervisor's access review
 * (lib/report.c): who may and may not run each, that each run is audited,
 * that staff names stay hidden without --names, what each section holds,
 * and that every value reaching the HTML is escaped.
 *
 * The policy rules are tested first as a table (no vault); then one network
 * (helpers.c) with one victim case that the reception centre (cas) opened,
 * shared with the anti-violence centre (cav) for 5 days and with the health
 * service (asl) for 30, read by cav, refused to the perpetrator programme
 * (cuav), opened by break-glass with a reason holding markup, and shared on
 * an emergency basis.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "helpers.h"
#include "internal.h"

/* ---- the policy, as a table -------------------------------------------------- */

struct prow {
	policy_action action;
	vault_role role;
	const char *org;
	vault_org_kind kind;
	vault_perm perm; /* grant held on the case (0: none) */
	const char *target;
	int allow;
};

static void test_report__policy_table(void **state)
{
	static const struct prow rows[] = {
		/* the access report: share-right holders and auditors */
		{POLICY_REPORT_ACCESS, VAULT_ROLE_CASEWORKER, "a", VAULT_ORG_RECEPTION_CENTRE, VAULT_PERM_SHARE, NULL, 1},
		{POLICY_REPORT_ACCESS, VAULT_ROLE_SUPERVISOR, "a", VAULT_ORG_RECEPTION_CENTRE, VAULT_PERM_SHARE, NULL, 1},
		{POLICY_REPORT_ACCESS, VAULT_ROLE_CASEWORKER, "b", VAULT_ORG_ANTIVIOLENCE_CENTRE, VAULT_PERM_WRITE, NULL, 0},
		{POLICY_REPORT_ACCESS, VAULT_ROLE_CASEWORKER, "b", VAULT_ORG_ANTIVIOLENCE_CENTRE, VAULT_PERM_READ, NULL, 0},
		{POLICY_REPORT_ACCESS, VAULT_ROLE_SUPERVISOR, "b", VAULT_ORG_ANTIVIOLENCE_CENTRE, 0, NULL, 0},
		{POLICY_REPORT_ACCESS, VAULT_ROLE_AUDITOR, NULL, 0, 0, NULL, 1},
		{POLICY_REPORT_ACCESS, VAULT_ROLE_ADMIN, NULL, 0, 0, NULL, 0},
		/* a perpetrator programme never, even holding the share right */
		{POLICY_REPORT_ACCESS, VAULT_ROLE_SUPERVISOR, "p", VAULT_ORG_PERPETRATOR_PROGRAMME, VAULT_PERM_SHARE, NULL, 0},
		/* names: supervisors among them, and auditors */
		{POLICY_REPORT_ACCESS_NAMES, VAULT_ROLE_CASEWORKER, "a", VAULT_ORG_RECEPTION_CENTRE, VAULT_PERM_SHARE, NULL, 0},
		{POLICY_REPORT_ACCESS_NAMES, VAULT_ROLE_SUPERVISOR, "a", VAULT_ORG_RECEPTION_CENTRE, VAULT_PERM_SHARE, NULL, 1},
		{POLICY_REPORT_ACCESS_NAMES, VAULT_ROLE_SUPERVISOR, "b", VAULT_ORG_ANTIVIOLENCE_CENTRE, VAULT_PERM_READ, NULL, 0},
		{POLICY_REPORT_ACCESS_NAMES, VAULT_ROLE_AUDITOR, NULL, 0, 0, NULL, 1},
		{POLICY_REPORT_ACCESS_NAMES, VAULT_ROLE_ADMIN, NULL, 0, 0, NULL, 0},
		/* the review: supervisors of that organisation, and auditors */
		{POLICY_REPORT_REVIEW, VAULT_ROLE_SUPERVISOR, "a", VAULT_ORG_RECEPTION_CENTRE, 0, "a", 1},
		{POLICY_REPORT_REVIEW, VAULT_ROLE_SUPERVISOR, "b", VAULT_ORG_ANTIVIOLENCE_CENTRE, 0, "a", 0},
		{POLICY_REPORT_REVIEW, VAULT_ROLE_CASEWORKER, "a", VAULT_ORG_RECEPTION_CENTRE, 0, "a", 0},
		{POLICY_REPORT_REVIEW, VAULT_ROLE_AUDITOR, NULL, 0, 0, "a", 1},
		{POLICY_REPORT_REVIEW, VAULT_ROLE_ADMIN, NULL, 0, 0, "a", 0},
		{POLICY_REPORT_REVIEW, VAULT_ROLE_AUDITOR, NULL, 0, 0, NULL, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct prow *p = &rows[i];
		policy_grant g = {VAULT_CLASS_GENERAL, p->perm, 0, 0};
		policy_request req;
		policy_decision d;

		memset(&req, 0, sizeof(req));
		req.now = 1700000000;
		req.action = p->action;
		req.role = p->role;
		req.actor = "someone";
		req.actor_org = p->org;
		req.actor_org_kind = p->kind;
		if (p->action != POLICY_REPORT_REVIEW) {
			req.has_case = 1;
			req.case_kind = VAULT_CASE_VICTIM;
			req.owner_org = "a";
			req.grants = &g;
			req.ngrants = p->perm ? 1 : 0;
		}
		req.target = p->target;
		vault_policy_decide(&req, &d);
		if (d.allow != p->allow)
			fail_msg("row %zu: expected %s, got %s (%s)", i, p->allow ? "allow" : "deny",
			         d.allow ? "allow" : "deny", d.reason);
		if (!d.allow)
			assert_int_equal(d.status, VAULT_ERR_DENIED);
	}
}

/* ---- the network --------------------------------------------------------------- */

#define BG_REASON "<script>alert(1)</script> she called at night & the operator was away"
#define EMERGENCY_REASON "imminent danger: he found the <shelter>"

static char *dir;
static char case_id[VAULT_ID_BUFSIZE];
static char other_case[VAULT_ID_BUFSIZE]; /* cav's own case */

static void consent(vault *v, const char *org, unsigned int classes, vault_basis basis,
                    const char *reason)
{
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	char id[VAULT_ID_BUFSIZE];

	o.org = org;
	o.classes = classes;
	o.purpose = "referral";
	o.basis = basis;
	o.reason = reason;
	assert_int_equal(vault_consent_add(v, case_id, &o, id), VAULT_OK);
}

static void share(vault *v, const char *org, unsigned int classes, int64_t expires)
{
	vault_share_options o = VAULT_SHARE_OPTIONS_INIT;

	o.expires = expires;
	assert_int_equal(vault_share(v, case_id, VAULT_PRINCIPAL_ORG, org, classes, &o), VAULT_OK);
}

static int group_setup(void **state)
{
	vault *v;
	char *text = NULL;

	(void)state;
	dir = th_network();
	th_case(dir, "cas_cw", VAULT_CASE_VICTIM, 0, case_id);
	th_put(dir, "cas_cw", case_id, "intake", VAULT_CLASS_GENERAL, "arrived with two children");
	th_put(dir, "cas_cw", case_id, "shelter", VAULT_CLASS_SAFETY, "Via dei Tigli 7");
	v = th_open(dir, "cas_cw");
	consent(v, "cav", VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY, VAULT_BASIS_CONSENT, NULL);
	share(v, "cav", VAULT_CLASS_GENERAL, vault__now() + 5 * 86400);
	vault_close(v);
	v = th_open(dir, "cas_sup");
	consent(v, "asl", VAULT_CLASS_GENERAL, VAULT_BASIS_VITAL_INTEREST, EMERGENCY_REASON);
	share(v, "asl", VAULT_CLASS_GENERAL, vault__now() + 30 * 86400);
	assert_int_equal(vault_break_glass(v, case_id, BG_REASON, 3600), VAULT_OK);
	vault_close(v);
	assert_int_equal(th_get(dir, "cav_cw", case_id, "intake", &text), VAULT_OK);
	free(text);
	assert_int_equal(th_get(dir, "cuav_cw", case_id, "shelter", &text), VAULT_ERR_DENIED);
	assert_int_equal(th_get(dir, "cav_cw", case_id, "shelter", &text), VAULT_ERR_DENIED);
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, other_case);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	th_rmdir(dir);
	return 0;
}

/* Text reports wrap long values under their label: checks read the text
 * with each run of white space made one space. */
static char *flat(const char *t)
{
	char *out = malloc(strlen(t) + 1), *o = out;

	assert_non_null(out);
	for (; *t; t++) {
		if (*t == ' ' || *t == '\n') {
			if (o == out || o[-1] != ' ')
				*o++ = ' ';
			continue;
		}
		*o++ = *t;
	}
	*o = '\0';
	return out;
}

/* The report as `user` sees it: the status, and the text into *out
 * (text flattened, see flat()). */
static vault_status report(const char *user, vault_report_format fmt, vault_lang lang,
                           int names, char **out)
{
	vault_report_options o = VAULT_REPORT_OPTIONS_INIT;
	vault_buf b = VAULT_BUF_INIT;
	vault *v = th_open(dir, user);
	vault_status st;

	o.format = fmt;
	o.lang = lang;
	o.names = names;
	st = vault_report_access(v, case_id, &o, &b);
	*out = NULL;
	if (st == VAULT_OK) {
		assert_int_equal(strlen((const char *)b.data), b.len);
		*out = fmt == VAULT_REPORT_TEXT ? flat((const char *)b.data)
		                                : strdup((const char *)b.data);
	}
	vault_buf_free(&b);
	vault_close(v);
	return st;
}

static vault_status review(const char *user, const char *org, vault_report_format fmt,
                           char **out)
{
	vault_report_options o = VAULT_REPORT_OPTIONS_INIT;
	vault_buf b = VAULT_BUF_INIT;
	vault *v = th_open(dir, user);
	vault_status st;

	o.format = fmt;
	st = vault_report_review(v, org, &o, &b);
	*out = NULL;
	if (st == VAULT_OK)
		*out = fmt == VAULT_REPORT_TEXT ? flat((const char *)b.data)
		                                : strdup((const char *)b.data);
	vault_buf_free(&b);
	vault_close(v);
	return st;
}

/* The newest entry of `action` by `actor`: its outcome and target. */
struct last {
	const char *action, *actor;
	vault_outcome outcome;
	char target[80];
	int found;
};

static int last_cb(const vault_audit_entry *e, void *ctx)
{
	struct last *l = ctx;

	if (strcmp(e->action, l->action) == 0 && strcmp(e->actor, l->actor) == 0) {
		l->found++;
		l->outcome = e->outcome;
		snprintf(l->target, sizeof(l->target), "%s", e->target);
	}
	return 0;
}

static struct last last_entry(const char *action, const char *actor)
{
	struct last l;
	vault *v = th_open(dir, "aud");

	memset(&l, 0, sizeof(l));
	l.action = action;
	l.actor = actor;
	assert_int_equal(vault_audit_foreach(v, NULL, last_cb, &l), VAULT_OK);
	vault_close(v);
	return l;
}

static int contains(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* ---- who may run her access report ---------------------------------------------- */

static void test_report__access_share_holder_and_auditor_may(void **state)
{
	char *t = NULL;

	(void)state;
	assert_int_equal(report("cas_cw", VAULT_REPORT_TEXT, 0, 0, &t), VAULT_OK);
	free(t);
	assert_int_equal(report("cas_sup", VAULT_REPORT_TEXT, 0, 1, &t), VAULT_OK);
	free(t);
	assert_int_equal(report("aud", VAULT_REPORT_TEXT, 0, 1, &t), VAULT_OK);
	free(t);
}

static void test_report__access_refused_without_share_right(void **state)
{
	char *t = NULL;

	(void)state;
	/* cav holds a read grant, cuav nothing, admin no case content. */
	assert_int_equal(report("cav_cw", VAULT_REPORT_TEXT, 0, 0, &t), VAULT_ERR_DENIED);
	assert_null(t);
	assert_int_equal(report("cav_sup", VAULT_REPORT_TEXT, 0, 0, &t), VAULT_ERR_DENIED);
	assert_int_equal(report("cuav_sup", VAULT_REPORT_TEXT, 0, 0, &t), VAULT_ERR_DENIED);
	assert_int_equal(report("admin", VAULT_REPORT_TEXT, 0, 0, &t), VAULT_ERR_DENIED);
	assert_int_equal(last_entry("report.access", "cav_cw").outcome, VAULT_OUTCOME_DENIED);
}

static void test_report__access_names_only_supervisors_and_auditors(void **state)
{
	char *t = NULL;

	(void)state;
	assert_int_equal(report("cas_cw", VAULT_REPORT_TEXT, 0, 1, &t), VAULT_ERR_DENIED);
	assert_null(t);
	struct last l = last_entry("report.access", "cas_cw");
	assert_int_equal(l.outcome, VAULT_OUTCOME_DENIED);
	assert_string_equal(l.target, "names");
}

static void test_report__access_is_audited(void **state)
{
	char *t = NULL;
	struct last before = last_entry("report.access", "cas_sup"), after;

	(void)state;
	assert_int_equal(report("cas_sup", VAULT_REPORT_TEXT, 0, 0, &t), VAULT_OK);
	after = last_entry("report.access", "cas_sup");
	assert_int_equal(after.found, before.found + 1);
	assert_int_equal(after.outcome, VAULT_OUTCOME_OK);
	assert_string_equal(after.target, "");
	/* The report lists itself: its entry was durable before it was made. */
	assert_true(contains(t, "produced an access report"));
	free(t);
	assert_int_equal(report("cas_sup", VAULT_REPORT_TEXT, 0, 1, &t), VAULT_OK);
	free(t);
	after = last_entry("report.access", "cas_sup");
	assert_int_equal(after.found, before.found + 2);
	assert_string_equal(after.target, "names"); /* the use of names is on record */
}

static void test_report__access_unknown_case_and_bad_arguments(void **state)
{
	vault_report_options o = VAULT_REPORT_OPTIONS_INIT;
	vault_buf b = VAULT_BUF_INIT;
	vault *v = th_open(dir, "aud");

	(void)state;
	assert_int_equal(vault_report_access(v, "0123456789abcdef0123456789abcdef", NULL, &b),
	                 VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_report_access(v, "nope", NULL, &b), VAULT_ERR_INVALID);
	assert_int_equal(vault_report_access(v, case_id, NULL, NULL), VAULT_ERR_INVALID);
	assert_int_equal(vault_report_access(NULL, case_id, NULL, &b), VAULT_ERR_INVALID);
	o.format = (vault_report_format)9;
	assert_int_equal(vault_report_access(v, case_id, &o, &b), VAULT_ERR_INVALID);
	o.format = VAULT_REPORT_TEXT;
	o.lang = (vault_lang)7;
	assert_int_equal(vault_report_access(v, case_id, &o, &b), VAULT_ERR_INVALID);
	o.lang = VAULT_LANG_IT;
	o.since = 2000;
	o.until = 1000;
	assert_int_equal(vault_report_access(v, case_id, &o, &b), VAULT_ERR_INVALID);
	o.until = 0;
	o.version = 99;
	assert_int_equal(vault_report_access(v, case_id, &o, &b), VAULT_ERR_INVALID);
	assert_null(b.data);
	assert_int_equal(vault_report_options_init(&o, 0), VAULT_ERR_INVALID);
	assert_int_equal(vault_report_options_init(&o, VAULT_REPORT_OPTIONS_VERSION), VAULT_OK);
	assert_int_equal(o.version, VAULT_REPORT_OPTIONS_VERSION);
	/* Inside vault_begin() nothing may leave before its entry is durable. */
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(vault_report_access(v, case_id, NULL, &b), VAULT_ERR_STATE);
	assert_int_equal(vault_report_review(v, "cas", NULL, &b), VAULT_ERR_STATE);
	assert_int_equal(vault_rollback(v), VAULT_OK);
	vault_close(v);
}

/* ---- what her access report says ----------------------------------------------------- */

static void test_report__access_names_hidden_without_names(void **state)
{
	char *t = NULL;

	(void)state;
	assert_int_equal(report("cas_sup", VAULT_REPORT_TEXT, 0, 0, &t), VAULT_OK);
	assert_false(contains(t, "cas_cw"));
	assert_false(contains(t, "cav_cw"));
	assert_false(contains(t, "cuav_cw"));
	assert_false(contains(t, "cas_sup"));
	assert_true(contains(t, "Staff names are not shown"));
	free(t);
	assert_int_equal(report("cas_sup", VAULT_REPORT_JSON, 0, 0, &t), VAULT_OK);
	assert_false(contains(t, "cav_cw"));
	assert_false(contains(t, "\"actor\""));
	free(t);
	assert_int_equal(report("cas_sup", VAULT_REPORT_HTML, 0, 0, &t), VAULT_OK);
	assert_false(contains(t, "cav_cw"));
	free(t);
	assert_int_equal(report("aud", VAULT_REPORT_TEXT, 0, 1, &t), VAULT_OK);
	assert_true(contains(t, "[cav_cw]"));
	assert_true(contains(t, "[cuav_cw]"));
	assert_true(contains(t, "Staff names are shown"));
	free(t);
}

static void test_report__access_lists_each_access(void **state)
{
	char *t = NULL;

	(void)state;
	assert_int_equal(report("cas_cw", VAULT_REPORT_TEXT, VAULT_LANG_EN, 0, &t), VAULT_OK);
	/* what each kind means, in plain words */
	assert_true(contains(t, "What the kinds of access mean"));
	assert_true(contains(t, "- emergency access: a supervisor opened the file"));
	/* who: organisation, its kind, role */
	assert_true(contains(t, "cav (anti-violence centre), caseworker"));
	assert_true(contains(t, "cuav (programme for men who use violence), caseworker"));
	assert_true(contains(t, "cas (reception centre), supervisor"));
	/* what: class, read or write, the record */
	assert_true(contains(t, "read a record (read): case-work record \"intake\""));
	assert_true(contains(t, "wrote a record (write): safety: where she is and how to reach her"));
	assert_true(contains(t, "shared the case (sharing): case-work record; with: cav"));
	/* why and the outcome, refusals with the rule's reason */
	assert_true(contains(t, "case work"));
	assert_true(contains(t, "** refused **"));
	assert_true(contains(t, "separation rule"));
	/* break-glass with its written reason, and the emergency basis */
	assert_true(contains(t, "used emergency access"));
	assert_true(contains(t, BG_REASON));
	assert_true(contains(t, EMERGENCY_REASON));
	/* local time with its offset */
	assert_true(contains(t, " +") || contains(t, " -"));
	/* nothing of the records themselves */
	assert_false(contains(t, "Via dei Tigli"));
	assert_false(contains(t, "two children"));
	/* not another case's accesses */
	assert_false(contains(t, other_case));
	free(t);
}

static void test_report__access_in_italian(void **state)
{
	char *t = NULL;

	(void)state;
	assert_int_equal(report("cas_cw", VAULT_REPORT_TEXT, VAULT_LANG_IT, 0, &t), VAULT_OK);
	assert_true(contains(t, "Rapporto sugli accessi"));
	assert_true(contains(t, "Che cosa significano i tipi di accesso"));
	assert_true(contains(t, "cav (centro antiviolenza), operatrice o operatore"));
	assert_true(contains(t, "ha letto un documento"));
	assert_true(contains(t, "rifiutato"));
	assert_false(contains(t, "What the kinds of access mean"));
	free(t);
	assert_int_equal(report("cas_cw", VAULT_REPORT_HTML, VAULT_LANG_IT, 0, &t), VAULT_OK);
	assert_true(contains(t, "<html lang=\"it\">"));
	free(t);
}

static void test_report__access_html_is_self_contained_and_escaped(void **state)
{
	char *t = NULL;

	(void)state;
	assert_int_equal(report("aud", VAULT_REPORT_HTML, VAULT_LANG_EN, 1, &t), VAULT_OK);
	assert_true(contains(t, "<!DOCTYPE html>"));
	assert_true(contains(t, "</html>"));
	/* the reason's markup arrives as text */
	assert_true(contains(t, "&lt;script&gt;alert(1)&lt;/script&gt; she called at night"
	                        " &amp; the operator was away"));
	assert_true(contains(t, "he found the &lt;shelter&gt;"));
	assert_false(contains(t, "<script"));
	assert_false(contains(t, "<shelter>"));
	/* nothing fetched, nothing run */
	assert_false(contains(t, "src="));
	assert_false(contains(t, "href="));
	assert_false(contains(t, "http://"));
	assert_false(contains(t, "https://"));
	assert_false(contains(t, "url("));
	assert_true(contains(t, "default-src 'none'"));
	/* it prints */
	assert_true(contains(t, "@media print"));
	assert_true(contains(t, "@page"));
	free(t);
}

static void test_report__access_json_and_period(void **state)
{
	vault_report_options o = VAULT_REPORT_OPTIONS_INIT;
	vault_buf b = VAULT_BUF_INIT;
	json_error_t err;
	json_t *doc, *e;
	vault *v;
	size_t i, n_denied = 0, n_bg = 0;
	char *t = NULL;

	(void)state;
	assert_int_equal(report("aud", VAULT_REPORT_JSON, 0, 1, &t), VAULT_OK);
	doc = json_loads(t, 0, &err);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "case")), case_id);
	assert_string_equal(json_string_value(json_object_get(doc, "owner_org")), "cas");
	json_array_foreach(json_object_get(doc, "entries"), i, e) {
		assert_non_null(json_object_get(e, "actor"));
		n_denied += strcmp(json_string_value(json_object_get(e, "outcome")), "denied") == 0;
		n_bg += strcmp(json_string_value(json_object_get(e, "kind")), "emergency") == 0;
	}
	assert_true(n_denied >= 2);
	assert_int_equal(n_bg, 1);
	json_decref(doc);
	free(t);

	/* A period after everything: only... nothing, not even this report. */
	v = th_open(dir, "aud");
	o.format = VAULT_REPORT_JSON;
	o.since = vault__now() + 3600;
	assert_int_equal(vault_report_access(v, case_id, &o, &b), VAULT_OK);
	doc = json_loads((const char *)b.data, 0, &err);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "entries")), 0);
	json_decref(doc);
	vault_buf_free(&b);
	/* A period before the case: nothing either, in text. */
	o.format = VAULT_REPORT_TEXT;
	o.since = 1000;
	o.until = 2000;
	assert_int_equal(vault_report_access(v, case_id, &o, &b), VAULT_OK);
	assert_true(contains((const char *)b.data, "0 accesses recorded"));
	assert_true(contains((const char *)b.data, "None in this period."));
	vault_buf_free(&b);
	vault_close(v);
}

/* ---- the review ---------------------------------------------------------------------- */

static void test_report__review_who_may(void **state)
{
	char *t = NULL;
	struct last l;

	(void)state;
	assert_int_equal(review("cas_sup", "cas", VAULT_REPORT_TEXT, &t), VAULT_OK);
	free(t);
	assert_int_equal(review("aud", "cas", VAULT_REPORT_TEXT, &t), VAULT_OK);
	free(t);
	assert_int_equal(review("cav_sup", "cas", VAULT_REPORT_TEXT, &t), VAULT_ERR_DENIED);
	assert_int_equal(review("cas_cw", "cas", VAULT_REPORT_TEXT, &t), VAULT_ERR_DENIED);
	assert_int_equal(review("admin", "cas", VAULT_REPORT_TEXT, &t), VAULT_ERR_DENIED);
	/* Whether an organisation exists, only to those who may review. */
	assert_int_equal(review("cav_sup", "nosuch", VAULT_REPORT_TEXT, &t), VAULT_ERR_DENIED);
	assert_int_equal(review("aud", "nosuch", VAULT_REPORT_TEXT, &t), VAULT_ERR_NOT_FOUND);
	assert_null(t);
	l = last_entry("report.review", "cav_sup");
	assert_int_equal(l.found, 2);
	assert_int_equal(l.outcome, VAULT_OUTCOME_DENIED);
	l = last_entry("report.review", "cas_sup");
	assert_int_equal(l.found, 1);
	assert_int_equal(l.outcome, VAULT_OUTCOME_OK);
	assert_string_equal(l.target, "cas");
}

/* The text between two headings. */
static char *between(const char *t, const char *from, const char *to)
{
	const char *a = strstr(t, from), *b;

	assert_non_null(a);
	b = to ? strstr(a, to) : a + strlen(a);
	assert_non_null(b);
	return strndup(a, (size_t)(b - a));
}

static void test_report__review_sections(void **state)
{
	char *t = NULL, *s;

	(void)state;
	assert_int_equal(review("cas_sup", "cas", VAULT_REPORT_TEXT, &t), VAULT_OK);
	/* (1) outside accesses: cav and cuav, never cas's own staff */
	s = between(t, "Accesses from outside the organisation", "Emergency accesses (break-glass)");
	assert_true(contains(s, "[cav_cw]"));
	assert_true(contains(s, "[cuav_cw]"));
	assert_true(contains(s, "[aud]")); /* an auditor is outside too */
	assert_false(contains(s, "[cas_cw]"));
	assert_false(contains(s, "[cas_sup]"));
	assert_false(contains(s, other_case));
	free(s);
	/* (2) break-glass with its reason */
	s = between(t, "Emergency accesses (break-glass)", "Refusals, by person and class");
	assert_true(contains(s, "[cas_sup]"));
	assert_true(contains(s, BG_REASON));
	free(s);
	/* (3) refusals by person and class */
	s = between(t, "Refusals, by person and class", "Consents on an emergency basis");
	assert_true(contains(s, "cuav_cw, cuav (programme for men who use violence), caseworker"));
	assert_true(contains(s, "safety: where she is"));
	assert_true(contains(s, "cav_sup")); /* his refused report */
	free(s);
	/* (4) emergency-basis consents with their reason */
	s = between(t, "Consents on an emergency basis", "Grants about to lapse");
	assert_true(contains(s, EMERGENCY_REASON));
	assert_true(contains(s, "with: asl"));
	assert_false(contains(s, "with: cav")); /* her own consent is no emergency */
	free(s);
	/* (5) grants lapsing within 14 days: cav's (5 days), not asl's (30) */
	s = between(t, "Grants about to lapse", NULL);
	assert_true(contains(s, case_id));
	assert_true(contains(s, "cav"));
	assert_false(contains(s, "asl"));
	free(s);
	free(t);
}

static void test_report__review_html_and_json(void **state)
{
	json_error_t err;
	json_t *doc;
	char *t = NULL;

	(void)state;
	assert_int_equal(review("aud", "cas", VAULT_REPORT_HTML, &t), VAULT_OK);
	assert_true(contains(t, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_false(contains(t, "<script"));
	assert_true(contains(t, "Grants about to lapse"));
	free(t);
	assert_int_equal(review("aud", "cas", VAULT_REPORT_JSON, &t), VAULT_OK);
	doc = json_loads(t, 0, &err);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "lapse_days")), 14);
	assert_int_equal(json_array_size(json_object_get(doc, "lapsing_grants")), 1);
	assert_int_equal(json_array_size(json_object_get(doc, "break_glass")), 1);
	assert_int_equal(json_array_size(json_object_get(doc, "emergency_consents")), 1);
	assert_true(json_array_size(json_object_get(doc, "outside")) >= 3);
	assert_true(json_array_size(json_object_get(doc, "refusals")) >= 2);
	json_decref(doc);
	free(t);
}

/* Fault injection: the n-th allocation of the library fails, for every n
 * until the report comes out; each failure is clean (a status, no buffer,
 * nothing leaked under ASan), and the handle works afterwards. */
static void test_report__allocation_failures(void **state)
{
	vault_report_options o = VAULT_REPORT_OPTIONS_INIT;
	vault *v = th_open(dir, "aud");
	vault_status st = VAULT_ERR_NOMEM;
	long n;
	int fmt;

	(void)state;
	o.names = 1;
	for (fmt = VAULT_REPORT_TEXT; fmt <= VAULT_REPORT_HTML; fmt++) {
		o.format = (vault_report_format)fmt;
		for (n = 1; n < 2000; n++) {
			vault_buf b = VAULT_BUF_INIT;
			int hit;

			vault__fault_alloc_after(n);
			st = fmt == VAULT_REPORT_JSON ? vault_report_review(v, "cas", &o, &b)
			                              : vault_report_access(v, case_id, &o, &b);
			hit = vault__fault_alloc_hit();
			vault__fault_alloc_after(0);
			if (st != VAULT_OK)
				assert_null(b.data);
			vault_buf_free(&b);
			if (!hit) {
				assert_int_equal(st, VAULT_OK);
				break;
			}
		}
		assert_int_equal(st, VAULT_OK);
		assert_true(n > 1); /* some allocation was made to fail */
	}
	vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report__policy_table),
		cmocka_unit_test(test_report__access_share_holder_and_auditor_may),
		cmocka_unit_test(test_report__access_refused_without_share_right),
		cmocka_unit_test(test_report__access_names_only_supervisors_and_auditors),
		cmocka_unit_test(test_report__access_is_audited),
		cmocka_unit_test(test_report__access_unknown_case_and_bad_arguments),
		cmocka_unit_test(test_report__access_names_hidden_without_names),
		cmocka_unit_test(test_report__access_lists_each_access),
		cmocka_unit_test(test_report__access_in_italian),
		cmocka_unit_test(test_report__access_html_is_self_contained_and_escaped),
		cmocka_unit_test(test_report__access_json_and_period),
		cmocka_unit_test(test_report__review_who_may),
		cmocka_unit_test(test_report__review_sections),
		cmocka_unit_test(test_report__review_html_and_json),
		cmocka_unit_test(test_report__allocation_failures),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
