/*
 * test_stats.c - indicators and statistics without reading a case: the
 * vocabulary, the encrypted indicators, who may export, small-cell
 * suppression (a property test on random tables), consent, and combining
 * signed exports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "audit_chain.h"
#include "helpers.h"
#include "internal.h"
#include "policy.h"
#include "stats.h"

#define DAY 86400

/* ---- the policy rule, as a table ------------------------------------------ */

static void test_stats__policy_table(void **state)
{
	static const struct {
		vault_role role;
		const char *org;
		vault_org_kind kind;
		const char *target;
		int allow;
	} rows[] = {
		{VAULT_ROLE_SUPERVISOR, "cav", VAULT_ORG_ANTIVIOLENCE_CENTRE, "cav", 1},
		{VAULT_ROLE_SUPERVISOR, "cas", VAULT_ORG_RECEPTION_CENTRE, "cas", 1},
		{VAULT_ROLE_SUPERVISOR, "cuav", VAULT_ORG_PERPETRATOR_PROGRAMME, "cuav", 1},
		{VAULT_ROLE_SUPERVISOR, "cav", VAULT_ORG_ANTIVIOLENCE_CENTRE, "cas", 0},
		{VAULT_ROLE_SUPERVISOR, "cav", VAULT_ORG_ANTIVIOLENCE_CENTRE, NULL, 0},
		{VAULT_ROLE_CASEWORKER, "cav", VAULT_ORG_ANTIVIOLENCE_CENTRE, "cav", 0},
		{VAULT_ROLE_ADMIN, NULL, (vault_org_kind)0, NULL, 0},
		{VAULT_ROLE_AUDITOR, NULL, (vault_org_kind)0, NULL, 0},
		{VAULT_ROLE_SUPERVISOR, NULL, (vault_org_kind)0, NULL, 0},
		/* a kind that does not match its organisation is malformed */
		{VAULT_ROLE_SUPERVISOR, "cav", (vault_org_kind)0, "cav", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		policy_request req;
		policy_decision dec;

		memset(&req, 0, sizeof req);
		req.now = 1000;
		req.action = POLICY_STATS_EXPORT;
		req.role = rows[i].role;
		req.actor = "someone";
		req.actor_org = rows[i].org;
		req.actor_org_kind = rows[i].kind;
		req.target = rows[i].target;
		req.target_kind = VAULT_PRINCIPAL_ORG;
		vault_policy_decide(&req, &dec);
		if (dec.allow != rows[i].allow)
			fail_msg("row %zu: allow %d, want %d (%s)", i, dec.allow, rows[i].allow,
			         dec.reason);
		assert_int_equal(dec.status, rows[i].allow ? VAULT_OK : VAULT_ERR_DENIED);
	}
}

/* ---- the vocabulary -------------------------------------------------------- */

static void test_stats__vocabulary_validation(void **state)
{
	char why[512], text[IND_TEXT_MAX];
	ind_set s, back;
	vault_buf voc = VAULT_BUF_INIT;
	json_t *doc;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(vault__ind_apply(&s, "colour=red", why, sizeof why), -1);
	assert_non_null(strstr(why, "unknown indicator 'colour'"));
	assert_non_null(strstr(why, "age_band"));
	assert_non_null(strstr(why, "legal_status_group"));
	assert_int_equal(vault__ind_apply(&s, "age_band=old", why, sizeof why), -1);
	assert_non_null(strstr(why, "18-29"));
	assert_non_null(strstr(why, "60-plus"));
	/* single-valued keys take one value; multi-valued a comma list */
	assert_int_equal(vault__ind_apply(&s, "age_band=18-29,30-39", why, sizeof why), -1);
	assert_int_equal(vault__ind_apply(&s, "violence=stalking,", why, sizeof why), -1);
	assert_int_equal(vault__ind_apply(&s, "violence=stalking,,rape", why, sizeof why), -1);
	assert_int_equal(vault__ind_apply(&s, "noequals", why, sizeof why), -1);
	assert_int_equal(s.bits[0], 0); /* failures changed nothing */
	assert_int_equal(vault__ind_apply(&s, "violence=stalking,rape,economic", why, sizeof why), 0);
	assert_int_equal(vault__ind_apply(&s, "legal_status_group=asylum-seeker", why, sizeof why),
	                 0);
	assert_int_equal(vault__ind_apply(&s, "age_band=30-39", why, sizeof why), 0);
	vault__ind_format(&s, text, sizeof text);
	/* canonical: vocabulary order of keys and of values */
	assert_string_equal(text, "age_band=30-39\nviolence=rape,economic,stalking\n"
	                          "legal_status_group=asylum-seeker\n");
	assert_int_equal(vault__ind_parse(text, strlen(text), &back), 0);
	assert_memory_equal(&s, &back, sizeof s);
	/* one spelling only */
	assert_int_equal(vault__ind_parse("violence=stalking,rape\n", 23, &back), -1);
	assert_int_equal(vault__ind_parse("age_band=30-39", 14, &back), -1);
	assert_int_equal(vault__ind_apply(&s, "violence=", why, sizeof why), 0);
	assert_int_equal(s.bits[2], 0);

	/* the published vocabulary is the one that validates */
	assert_int_equal(vault_indicators_vocabulary(&voc), VAULT_OK);
	doc = json_loads((const char *)voc.data, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "version")),
	                    IND_VERSION);
	assert_int_equal(json_array_size(json_object_get(doc, "keys")), IND_NKEYS);
	json_decref(doc);
	vault_buf_free(&voc);
	assert_int_equal(vault_indicators_vocabulary(NULL), VAULT_ERR_INVALID);
}

/* Every canonical text fits the padded plaintext. */
static void test_stats__vocabulary_fits_padding(void **state)
{
	char text[IND_TEXT_MAX];
	ind_set s;
	size_t i;

	(void)state;
	/* every value of the multi-valued key, the longest of the others */
	for (i = 0; i < IND_NKEYS; i++) {
		size_t j, best = 0;

		for (j = 0; j < vault__ind_keys[i].nvalues; j++)
			if (strlen(vault__ind_keys[i].values[j]) >
			    strlen(vault__ind_keys[i].values[best]))
				best = j;
		s.bits[i] = vault__ind_keys[i].multi ? (1u << vault__ind_keys[i].nvalues) - 1u
		                                     : 1u << best;
	}
	assert_true(vault__ind_format(&s, text, sizeof text) < IND_TEXT_MAX - 1);
	assert_true(vault__ind_keys[2].multi);
	for (i = 0; i < IND_NKEYS; i++)
		assert_true(vault__ind_keys[i].nvalues < IND_VALUES_MAX);
}

/* ---- indicators of a case -------------------------------------------------- */

static void consent_stats(vault *v, const char *case_id, unsigned int scope)
{
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	char cid[VAULT_ID_BUFSIZE];

	o.org = "cav";
	o.classes = VAULT_CLASS_GENERAL;
	o.scope = scope;
	o.purpose = "statistics for the network";
	assert_int_equal(vault_consent_add(v, case_id, &o, cid), VAULT_OK);
}

static void set_ind(vault *v, const char *case_id, const char *a1, const char *a2)
{
	const char *as[2] = {a1, a2};

	assert_int_equal(vault_case_indicators_set(v, case_id, as, a2 ? 2 : 1), VAULT_OK);
}

static void test_stats__indicators_roundtrip(void **state)
{
	char *dir = th_network();
	char c[VAULT_ID_BUFSIZE], p[VAULT_ID_BUFSIZE];
	const char *bad[] = {"age_band=30-39", "violence=kicking"};
	const char *unknown[] = {"favourite=blue"};
	vault_buf out = VAULT_BUF_INIT;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, c);
	th_case(dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, p);
	v = th_open(dir, "cav_cw");
	assert_int_equal(vault_case_indicators_get(v, c, &out), VAULT_OK);
	assert_int_equal(out.len, 0); /* none set yet */
	vault_buf_free(&out);
	set_ind(v, c, "violence=stalking,psychological", "age_band=30-39");
	set_ind(v, c, "children_present=yes", NULL);
	/* a bad value refuses the whole call, naming the valid values */
	assert_int_equal(vault_case_indicators_set(v, c, bad, 2), VAULT_ERR_INVALID);
	assert_non_null(strstr(vault_errmsg(v), "physical-assault"));
	assert_int_equal(vault_case_indicators_set(v, c, unknown, 1), VAULT_ERR_INVALID);
	assert_non_null(strstr(vault_errmsg(v), "referral_destination"));
	assert_int_equal(vault_case_indicators_get(v, c, &out), VAULT_OK);
	assert_string_equal((const char *)out.data,
	                    "age_band=30-39\nviolence=psychological,stalking\nchildren_present=yes\n");
	vault_buf_free(&out);
	/* inside vault_begin() nothing that hands data out runs */
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(vault_case_indicators_get(v, c, &out), VAULT_ERR_STATE);
	assert_int_equal(vault_rollback(v), VAULT_OK);
	vault_close(v);

	/* no plaintext in any file of the vault */
	assert_false(th_dir_contains(dir, "psychological,stalking", 22));
	assert_false(th_dir_contains(dir, "children_present", 16));

	/* another organisation without a grant: refused */
	v = th_open(dir, "cas_cw");
	assert_int_equal(vault_case_indicators_get(v, c, &out), VAULT_ERR_DENIED);
	assert_int_equal(vault_case_indicators_set(v, c, unknown, 0), VAULT_ERR_INVALID);
	vault_close(v);
	/* a perpetrator case has no victim indicators */
	v = th_open(dir, "cuav_cw");
	{
		const char *a[] = {"age_band=30-39"};

		assert_int_equal(vault_case_indicators_set(v, p, a, 1), VAULT_ERR_INVALID);
	}
	vault_close(v);
	th_rmdir(dir);
}

/* A ciphertext moved to another case does not open. */
static void test_stats__indicators_bound_to_case(void **state)
{
	char *dir = th_network();
	char a[VAULT_ID_BUFSIZE], b[VAULT_ID_BUFSIZE], sql[512];
	vault_buf out = VAULT_BUF_INIT;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, a);
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, b);
	v = th_open(dir, "cav_cw");
	set_ind(v, a, "age_band=under-18", NULL);
	set_ind(v, b, "age_band=60-plus", NULL);
	vault_close(v);
	snprintf(sql, sizeof sql,
	         "UPDATE indicators SET nonce = (SELECT nonce FROM indicators WHERE case_id = '%s'),"
	         " ct = (SELECT ct FROM indicators WHERE case_id = '%s') WHERE case_id = '%s'",
	         a, a, b);
	assert_int_equal(th_db_exec(dir, "cav_cw", sql), 0);
	v = th_open(dir, "cav_cw");
	/* a row rewritten around the library: not the one the log holds */
	assert_int_equal(vault_case_indicators_get(v, b, &out), VAULT_ERR_INTEGRITY);
	vault_close(v);
	th_rmdir(dir);
}

/* ---- suppression: property test -------------------------------------------- */

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* A random R x C table with its margins; check what the suppression left. */
static void one_table(unsigned int k)
{
	size_t R = 1 + rnd(6), C = 1 + rnd(6), r, c, e, m;
	size_t nfigs = R * C + R + C + 1, grand = R * C + R + C;
	size_t members[(6 * 6 + 6 + 6 + 1) * 2], off[6 + 6 + 3];
	size_t nm = 0, ne = 0;
	sdc_fig figs[6 * 6 + 6 + 6 + 1];

	memset(figs, 0, sizeof figs);
	for (r = 0; r < R; r++)
		for (c = 0; c < C; c++) {
			/* mostly small counts: the hard case */
			uint64_t x = rnd(3) == 0 ? 0 : rnd(4) == 0 ? rnd(40) : rnd(2 * k);

			figs[r * C + c].value = x;
			figs[R * C + r].value += x;
			figs[R * C + R + c].value += x;
			figs[grand].value += x;
		}
	for (r = R * C; r < nfigs; r++)
		figs[r].total = 1;
	for (r = 0; r < R; r++) {
		off[ne++] = nm;
		for (c = 0; c < C; c++)
			members[nm++] = r * C + c;
		members[nm++] = R * C + r;
	}
	for (c = 0; c < C; c++) {
		off[ne++] = nm;
		for (r = 0; r < R; r++)
			members[nm++] = r * C + c;
		members[nm++] = R * C + R + c;
	}
	off[ne++] = nm;
	for (r = 0; r < R; r++)
		members[nm++] = R * C + r;
	members[nm++] = grand;
	off[ne++] = nm;
	for (c = 0; c < C; c++)
		members[nm++] = R * C + R + c;
	members[nm++] = grand;
	off[ne] = nm;

	vault__sdc_suppress(figs, nfigs, members, off, ne, k);
	for (r = 0; r < nfigs; r++)
		if (!figs[r].suppressed && figs[r].value != 0 && figs[r].value < k)
			fail_msg("released figure %zu is %llu < k=%u", r,
			         (unsigned long long)figs[r].value, k);
	/* no equation has exactly one unknown: nothing recomputed by subtraction */
	for (e = 0; e < ne; e++) {
		size_t hidden = 0;

		for (m = off[e]; m < off[e + 1]; m++)
			hidden += (size_t)figs[members[m]].suppressed;
		if (hidden == 1)
			fail_msg("equation %zu of a %zux%zu table has one suppressed figure", e, R, C);
	}
}

static void test_stats__suppression_property(void **state)
{
	unsigned int i;

	(void)state;
	rng_state = 0x2545F4914F6CDD1DULL; /* fixed seed: a failure replays */
	for (i = 0; i < 20000; i++)
		one_table(VAULT_STATS_K_MIN + rnd(5));
}

/* A suppressed figure is really withheld, and a lone one drags another. */
static void test_stats__suppression_secondary(void **state)
{
	/* row: 2 (primary), 9, 6 ; total 17 */
	sdc_fig f[4] = {{2, 0, 0}, {9, 0, 0}, {6, 0, 0}, {17, 1, 0}};
	size_t members[4] = {0, 1, 2, 3}, off[2] = {0, 4};

	(void)state;
	assert_int_equal(vault__sdc_suppress(f, 4, members, off, 1, 5), 2);
	assert_true(f[0].suppressed);
	assert_true(f[2].suppressed); /* the smallest other cell */
	assert_false(f[1].suppressed);
	assert_false(f[3].suppressed);
}

/* ---- export ------------------------------------------------------------------ */

/* The JSON document of an export by `user` (asserting it was signed by
 * her key); NULL and *st on refusal. */
static json_t *export_doc(const char *dir, const char *user, unsigned int k, vault_status *st,
                          char **note)
{
	vault_stats_options o = VAULT_STATS_OPTIONS_INIT;
	vault_buf out = VAULT_BUF_INIT;
	const char *nl;
	json_t *doc;
	vault *v = th_open(dir, user);

	o.since = vault__now() - 40 * DAY;
	o.until = vault__now() + DAY;
	o.k = k;
	*st = vault_stats_export(v, &o, &out);
	if (getenv("TEST_STATS_DEBUG"))
		fprintf(stderr, "export by %s: %s\n", user, vault_errmsg(v));
	vault_close(v);
	if (*st != VAULT_OK)
		return NULL;
	assert_memory_equal(out.data, "libvault-stats/1\n", 17);
	nl = strchr((const char *)out.data + 17, '\n');
	assert_non_null(nl);
	doc = json_loadb((const char *)out.data + 17, (size_t)(nl - (const char *)out.data) - 17, 0,
	                 NULL);
	assert_non_null(doc);
	if (getenv("TEST_STATS_DEBUG"))
		fprintf(stderr, "%.*s\n", (int)(nl - (const char *)out.data), (const char *)out.data);
	if (note)
		*note = strdup((const char *)out.data);
	vault_buf_free(&out);
	return doc;
}

static json_int_t by_value(json_t *doc, size_t key, size_t value)
{
	json_t *ind = json_array_get(json_object_get(doc, "indicators"), key);
	json_t *f = json_array_get(json_object_get(ind, "by_value"), value);

	return json_is_null(f) ? -1 : json_integer_value(f);
}

/* n consented cases of the same profile. */
static void consented_cases(const char *dir, int n)
{
	char c[VAULT_ID_BUFSIZE];
	vault *v;
	int i;

	for (i = 0; i < n; i++) {
		th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, c);
		v = th_open(dir, "cav_cw");
		consent_stats(v, c, VAULT_SCOPE_SERVICES | VAULT_SCOPE_STATISTICS);
		set_ind(v, c, "age_band=30-39", i % 2 ? "violence=physical-assault,stalking"
		                                      : "violence=physical-assault");
		vault_close(v);
	}
}

static void test_stats__export_counts(void **state)
{
	char *dir = th_network();
	vault_status st;
	json_t *doc;

	(void)state;
	consented_cases(dir, 4);
	doc = export_doc(dir, "cav_sup", 3, &st, NULL);
	assert_int_equal(st, VAULT_OK);
	assert_string_equal(json_string_value(json_object_get(doc, "org")), "cav");
	assert_string_equal(json_string_value(json_object_get(doc, "vocabulary")),
	                    IND_VERSION);
	assert_int_equal(json_integer_value(json_object_get(doc, "k")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "cases"),
	                                                    "total")), 4);
	assert_int_equal(by_value(doc, 0, 2), 4);  /* age_band 30-39 */
	assert_int_equal(by_value(doc, 0, 0), 0);  /* under-18: nobody, released */
	assert_int_equal(by_value(doc, 1, 4), 4);  /* nationality not recorded */
	assert_int_equal(by_value(doc, 2, 8), -1); /* stalking: 2 < k, suppressed */
	/* its column's other non-zero cell (physical assault, 4) goes with it */
	assert_true(json_is_null(json_array_get(
	    json_array_get(json_object_get(json_array_get(json_object_get(doc, "indicators"), 2),
	                                   "by_month"), 2), 2)));
	json_decref(doc);

	/* k below the minimum is refused */
	assert_null(export_doc(dir, "cav_sup", 2, &st, NULL));
	assert_int_equal(st, VAULT_ERR_INVALID);
	th_rmdir(dir);
}

/* Released figures do not depend on cases without a consent to statistics. */
static void test_stats__non_consented_never_changes_released(void **state)
{
	char *dir = th_network();
	char c[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE];
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	json_t *before, *after;
	vault_status st;
	vault *v;
	int i;

	(void)state;
	consented_cases(dir, 6);
	before = export_doc(dir, "cav_sup", 3, &st, NULL);
	assert_int_equal(st, VAULT_OK);
	/* a case without consent, one with a consent that excludes
	 * statistics, one whose consent was withdrawn, one that lapsed:
	 * all with indicators that would change every table */
	for (i = 0; i < 4; i++) {
		th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, c);
		v = th_open(dir, "cav_cw");
		set_ind(v, c, "age_band=30-39", "violence=physical-assault,stalking");
		set_ind(v, c, "nationality_group=non-eu", "legal_status_group=refugee");
		if (i == 1)
			consent_stats(v, c, VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING);
		if (i == 2 || i == 3) {
			o.org = "cav";
			o.classes = VAULT_CLASS_GENERAL;
			o.scope = VAULT_SCOPE_STATISTICS;
			o.purpose = "statistics";
			o.expires = i == 3 ? vault__now() + 60 : 0;
			assert_int_equal(vault_consent_add(v, c, &o, cid), VAULT_OK);
			if (i == 2)
				assert_int_equal(vault_consent_withdraw(v, cid), VAULT_OK);
		}
		vault_close(v);
	}
	vault__clock_shift(120); /* the fourth consent lapses */
	after = export_doc(dir, "cav_sup", 3, &st, NULL);
	vault__clock_shift(-120);
	assert_int_equal(st, VAULT_OK);
	assert_int_equal(json_integer_value(json_object_get(after, "not_consented")),
	                 json_integer_value(json_object_get(before, "not_consented")) + 4);
	json_object_del(before, "not_consented");
	json_object_del(after, "not_consented");
	json_object_del(before, "generated");
	json_object_del(after, "generated");
	/* the period moved with the clock by two minutes */
	json_object_del(before, "since_ts");
	json_object_del(after, "since_ts");
	json_object_del(before, "until_ts");
	json_object_del(after, "until_ts");
	assert_true(json_equal(before, after));
	json_decref(before);
	json_decref(after);
	th_rmdir(dir);
}

static int count_action(const vault_audit_entry *e, void *ctx)
{
	int *n = ctx;

	if (strcmp(e->action, "stats.export") == 0)
		n[e->outcome == VAULT_OUTCOME_OK ? 0 : 1]++;
	return 0;
}

static void test_stats__who_may_export(void **state)
{
	static const char *const refused[] = {"cav_cw", "aud", "admin"};
	vault_audit_query q;
	char *dir = th_network();
	vault_status st;
	json_t *doc;
	int n[2] = {0, 0};
	size_t i;
	vault *v;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_null(export_doc(dir, refused[i], 0, &st, NULL));
		assert_int_equal(st, VAULT_ERR_DENIED);
	}
	/* the authority's supervisor exports her own organisation: no cases */
	doc = export_doc(dir, "pref_sup", 0, &st, NULL);
	assert_int_equal(st, VAULT_OK);
	assert_int_equal(json_integer_value(json_object_get(doc, "k")), VAULT_STATS_K_DEFAULT);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "cases"),
	                                                    "total")), 0);
	json_decref(doc);
	/* the counts leave the library: never inside vault_begin() */
	{
		vault_stats_options o = VAULT_STATS_OPTIONS_INIT;
		vault_buf out = VAULT_BUF_INIT;

		o.since = 0;
		o.until = DAY;
		v = th_open(dir, "cav_sup");
		assert_int_equal(vault_begin(v), VAULT_OK);
		assert_int_equal(vault_stats_export(v, &o, &out), VAULT_ERR_STATE);
		assert_null(out.data);
		assert_int_equal(vault_rollback(v), VAULT_OK);
		o.until = o.since; /* an empty period */
		assert_int_equal(vault_stats_export(v, &o, &out), VAULT_ERR_INVALID);
		o.until = 130LL * 31 * DAY; /* longer than 120 months */
		assert_int_equal(vault_stats_export(v, &o, &out), VAULT_ERR_INVALID);
		o.version = 99;
		assert_int_equal(vault_stats_export(v, &o, &out), VAULT_ERR_INVALID);
		vault_close(v);
	}
	/* every attempt is in the log */
	v = th_open(dir, "aud");
	vault_audit_query_init(&q, VAULT_AUDIT_QUERY_VERSION);
	assert_int_equal(vault_audit_foreach(v, &q, count_action, n), VAULT_OK);
	vault_close(v);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 3);
	th_rmdir(dir);
}

/* ---- combine ------------------------------------------------------------------ */

static char *vkey_of(const char *dir, const char *user)
{
	vault_buf b = VAULT_BUF_INIT;
	vault *v = th_open(dir, user);
	char *s;

	assert_int_equal(vault_audit_vkey(v, NULL, &b), VAULT_OK);
	s = strdup((const char *)b.data);
	vault_buf_free(&b);
	vault_close(v);
	return s;
}

static void test_stats__combine(void **state)
{
	char *dir = th_network();
	char *cav_note = NULL, *pref_note = NULL, *cav2 = NULL, *bad;
	char *kcav = vkey_of(dir, "cav_sup"), *kpref = vkey_of(dir, "pref_sup");
	char *kother = vkey_of(dir, "cas_sup");
	vault_buf out = VAULT_BUF_INIT;
	vault_status st;
	json_t *d, *sum;
	char *p;

	(void)state;
	consented_cases(dir, 5);
	d = export_doc(dir, "cav_sup", 3, &st, &cav_note);
	json_decref(d);
	d = export_doc(dir, "pref_sup", 3, &st, &pref_note);
	json_decref(d);
	{
		const char *docs[] = {cav_note, pref_note};
		const char *keys[] = {kcav, kpref};

		assert_int_equal(vault_stats_combine(docs, 2, keys, 2, VAULT_STATS_JSON, &out),
		                 VAULT_OK);
		sum = json_loads((const char *)out.data, 0, NULL);
		assert_non_null(sum);
		assert_int_equal(json_array_size(json_object_get(sum, "sources")), 2);
		assert_int_equal(by_value(sum, 0, 2), 5);
		json_decref(sum);
		vault_buf_free(&out);
		assert_int_equal(vault_stats_combine(docs, 2, keys, 2, VAULT_STATS_CSV, &out),
		                 VAULT_OK);
		assert_non_null(strstr((const char *)out.data, "age_band,30-39,total,5\r\n"));
		/* a suppressed figure is an empty count */
		assert_non_null(strstr((const char *)out.data, "violence,stalking,total,\r\n"));
		vault_buf_free(&out);
		assert_int_equal(vault_stats_combine(docs, 2, keys, 2, VAULT_STATS_HTML, &out),
		                 VAULT_OK);
		assert_non_null(strstr((const char *)out.data, "<svg"));
		assert_null(strstr((const char *)out.data, "<script"));
		vault_buf_free(&out);
	}
	/* a key the authority did not pin signed it: refused */
	{
		const char *docs[] = {cav_note};
		const char *keys[] = {kother};

		assert_int_equal(vault_stats_combine(docs, 1, keys, 1, VAULT_STATS_JSON, &out),
		                 VAULT_ERR_INTEGRITY);
		assert_non_null(strstr(vault_last_errmsg(), "no trusted verifier key"));
	}
	/* another pinned supervisor re-signs the centre's figures as hers:
	 * the file names its signer, whose pinned key did not sign it */
	{
		vault *w = th_open(dir, "cas_sup");
		const char *blank = strstr(cav_note, "\n\n");
		const char *docs[1];
		const char *keys[] = {kcav, kother};
		vault_buf resigned = VAULT_BUF_INIT;

		assert_non_null(blank);
		assert_int_equal(vault__note_sign(cav_note, (size_t)(blank - cav_note) + 1, "cas_sup",
		                                  w->sec->sign_sk, w->sec->sign_pk, &resigned),
		                 VAULT_OK);
		vault_close(w);
		docs[0] = (const char *)resigned.data;
		assert_int_equal(vault_stats_combine(docs, 1, keys, 2, VAULT_STATS_JSON, &out),
		                 VAULT_ERR_INTEGRITY);
		assert_non_null(strstr(vault_last_errmsg(), "its signer cav_sup"));
		vault_buf_free(&resigned);
	}
	/* one figure changed: the signature fails */
	bad = strdup(cav_note);
	p = strstr(bad, "\"k\":3");
	assert_non_null(p);
	p[4] = '4';
	{
		const char *docs[] = {pref_note, bad};
		const char *keys[] = {kcav, kpref};

		assert_int_equal(vault_stats_combine(docs, 2, keys, 2, VAULT_STATS_JSON, &out),
		                 VAULT_ERR_INTEGRITY);
		assert_non_null(strstr(vault_last_errmsg(), "file 2"));
		assert_null(out.data);
	}
	/* the same organisation and period twice: refused */
	d = export_doc(dir, "cav_sup", 4, &st, &cav2);
	json_decref(d);
	{
		const char *docs[] = {cav_note, pref_note, cav2};
		const char *keys[] = {kcav, kpref};

		assert_int_equal(vault_stats_combine(docs, 3, keys, 2, VAULT_STATS_JSON, &out),
		                 VAULT_ERR_EXISTS);
		assert_non_null(strstr(vault_last_errmsg(), "overlapping"));
	}
	/* bad arguments */
	{
		const char *docs[] = {cav_note};
		const char *keys[] = {"not a key"};

		assert_int_equal(vault_stats_combine(docs, 1, keys, 1, VAULT_STATS_JSON, &out),
		                 VAULT_ERR_INVALID);
		assert_int_equal(vault_stats_combine(docs, 1, keys, 0, VAULT_STATS_JSON, &out),
		                 VAULT_ERR_INVALID);
		keys[0] = kcav;
		assert_int_equal(vault_stats_combine(docs, 1, keys, 1, (vault_stats_format)9, &out),
		                 VAULT_ERR_INVALID);
		docs[0] = "libvault-stats/1\n{}\n";
		assert_int_equal(vault_stats_combine(docs, 1, keys, 1, VAULT_STATS_JSON, &out),
		                 VAULT_ERR_INVALID);
	}
	free(bad);
	free(cav_note);
	free(cav2);
	free(pref_note);
	free(kcav);
	free(kpref);
	free(kother);
	th_rmdir(dir);
}

/* ---- allocation failures ---------------------------------------------------- */

/* jansson builds the documents: its allocations count as the library's. */
static void *json_fault_malloc(size_t n)
{
	if (vault__fault_now())
		return NULL;
	return malloc(n);
}

/* Fail the Nth allocation, for every N until none fails: a clean status,
 * no leak (ASan), and whatever is signed or combined is complete. */
static void test_stats__allocation_failures(void **state)
{
	char *dir = th_network();
	char *key = vkey_of(dir, "cav_sup"), *good = NULL;
	vault_stats_options o = VAULT_STATS_OPTIONS_INIT;
	vault_buf out = VAULT_BUF_INIT, ref = VAULT_BUF_INIT, again = VAULT_BUF_INIT;
	const char *keys[1];
	vault_status st;
	json_t *d;
	long n;
	int hit, fmt;
	vault *v;

	(void)state;
	keys[0] = key;
	consented_cases(dir, 4);
	d = export_doc(dir, "cav_sup", 3, &st, &good);
	json_decref(d);
	o.since = vault__now() - 40 * DAY;
	o.until = vault__now() + DAY;
	o.k = 3;
	v = th_open(dir, "cav_sup");
	for (n = 1;; n++) {
		vault__fault_alloc_after(n);
		st = vault_stats_export(v, &o, &out);
		hit = vault__fault_alloc_hit();
		vault__fault_alloc_after(0);
		if (st == VAULT_OK) {
			const char *docs[1] = {(const char *)out.data};

			/* complete: it combines */
			if (vault_stats_combine(docs, 1, keys, 1, VAULT_STATS_JSON, &again) != VAULT_OK)
				fail_msg("export, allocation %ld: %s\n%s", n, vault_last_errmsg(),
				         (const char *)out.data);
			vault_buf_free(&again);
		} else if (st != VAULT_ERR_NOMEM && st != VAULT_ERR_AUDIT) {
			fail_msg("export, allocation %ld: %s (%s)", n, vault_strerror(st),
			         vault_errmsg(v));
		}
		vault_buf_free(&out);
		if (!hit)
			break;
	}
	assert_int_equal(st, VAULT_OK);
	vault_close(v);
	for (fmt = VAULT_STATS_JSON; fmt <= VAULT_STATS_HTML; fmt++) {
		const char *docs[1] = {good};

		assert_int_equal(vault_stats_combine(docs, 1, keys, 1, (vault_stats_format)fmt, &ref),
		                 VAULT_OK);
		for (n = 1;; n++) {
			vault__fault_alloc_after(n);
			st = vault_stats_combine(docs, 1, keys, 1, (vault_stats_format)fmt, &out);
			hit = vault__fault_alloc_hit();
			vault__fault_alloc_after(0);
			if (st == VAULT_OK) {
				assert_int_equal(out.len, ref.len);
				assert_memory_equal(out.data, ref.data, ref.len);
			} else if (st != VAULT_ERR_NOMEM) {
				fail_msg("combine, format %d, allocation %ld: %s (%s)", fmt, n,
				         vault_strerror(st), vault_last_errmsg());
			} else {
				assert_null(out.data);
			}
			vault_buf_free(&out);
			if (!hit)
				break;
		}
		assert_int_equal(st, VAULT_OK);
		vault_buf_free(&ref);
	}
	free(good);
	free(key);
	th_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats__policy_table),
		cmocka_unit_test(test_stats__vocabulary_validation),
		cmocka_unit_test(test_stats__vocabulary_fits_padding),
		cmocka_unit_test(test_stats__indicators_roundtrip),
		cmocka_unit_test(test_stats__indicators_bound_to_case),
		cmocka_unit_test(test_stats__suppression_property),
		cmocka_unit_test(test_stats__suppression_secondary),
		cmocka_unit_test(test_stats__export_counts),
		cmocka_unit_test(test_stats__non_consented_never_changes_released),
		cmocka_unit_test(test_stats__who_may_export),
		cmocka_unit_test(test_stats__combine),
		cmocka_unit_test(test_stats__allocation_failures),
	};

	json_set_alloc_funcs(json_fault_malloc, free);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
