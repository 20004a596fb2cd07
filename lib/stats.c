/*
 * stats.c - statistics without reading a case: an organisation's signed,
 * suppressed counts of its consented cases (vault_stats_export), and the
 * authority's sum of the network's signed exports (vault_stats_combine).
 *
 * The figures of an export, and the equations between them that a reader
 * could use to recompute a suppressed one:
 *   - the cases series: cases by month, and their total;
 *   - per indicator, a table value x month (a case without the key counts
 *     under "not-recorded"), its row totals (by value over the period),
 *     its column totals and grand total.  For a single-valued key these are
 *     the cases series itself (one figure, so suppressed alike everywhere);
 *     for the multi-valued key (types of violence) they count mentions.
 * Every row, column and margin is an equation.  SECURITY.md gives the
 * method and what it does not protect against.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "audit_chain.h"
#include "facts.h"
#include "internal.h"
#include "stats.h"

#define STATS_FORMAT "libvault-stats/1"
#define STATS_COMBINED_FORMAT "libvault-stats-combined/1"
#define MONTHS_MAX 120
#define DOCS_MAX 256
#define VKEYS_MAX 64
#define SUPPRESSED (-1)

/* ---- suppression --------------------------------------------------------- */

/* Is a "better" next figure to suppress than b?  Cells before totals,
 * non-zero before zero (a zero hides nobody), then the smallest. */
static int better(const sdc_fig *a, const sdc_fig *b)
{
	if (a->total != b->total)
		return !a->total;
	if ((a->value == 0) != (b->value == 0))
		return a->value != 0;
	return a->value < b->value;
}

size_t vault__sdc_suppress(sdc_fig *figs, size_t nfigs, const size_t *members,
                           const size_t *off, size_t neq, unsigned int k)
{
	size_t i, e, m, n = 0;
	int changed = 1;

	for (i = 0; i < nfigs; i++) {
		figs[i].suppressed = figs[i].value > 0 && figs[i].value < k;
		n += (size_t)figs[i].suppressed;
	}
	/* Each pass suppresses at least one more figure or ends: at most
	 * nfigs passes. */
	while (changed) {
		changed = 0;
		for (e = 0; e < neq; e++) {
			size_t hidden = 0, pick = SIZE_MAX;

			for (m = off[e]; m < off[e + 1]; m++)
				hidden += (size_t)figs[members[m]].suppressed;
			if (hidden != 1)
				continue;
			for (m = off[e]; m < off[e + 1]; m++) {
				const sdc_fig *f = &figs[members[m]];

				if (!f->suppressed && (pick == SIZE_MAX || better(f, &figs[pick])))
					pick = members[m];
			}
			if (pick == SIZE_MAX)
				continue; /* an equation of one figure gives nothing away */
			figs[pick].suppressed = 1;
			n++;
			changed = 1;
		}
	}
	return n;
}

/* ---- the layout of an export's figures ------------------------------------ */

typedef struct layout {
	size_t nmonths;
	size_t nrows[IND_NKEYS]; /* values + not-recorded */
	size_t cell0[IND_NKEYS], row0[IND_NKEYS], col0[IND_NKEYS], grand[IND_NKEYS];
	size_t cases_total;      /* the cases series is figures [0, nmonths] */
	size_t nfigs;
	size_t *members, *off;
	size_t neq, nmem;
} layout;

static void layout_free(layout *l)
{
	free(l->members);
	free(l->off);
}

static int eq_begin(layout *l)
{
	l->off[l->neq] = l->nmem;
	return 0;
}

static void eq_add(layout *l, size_t fig)
{
	l->members[l->nmem++] = fig;
}

static void eq_end(layout *l)
{
	l->neq++;
	l->off[l->neq] = l->nmem;
}

/* Place every figure and write down the equations. */
static int layout_make(layout *l, size_t nmonths)
{
	size_t i, r, c, C = nmonths, neq = 1, nmem = C + 1, f;

	memset(l, 0, sizeof *l);
	l->nmonths = C;
	l->cases_total = C;
	f = C + 1;
	for (i = 0; i < IND_NKEYS; i++) {
		size_t R = vault__ind_keys[i].nvalues + 1;

		l->nrows[i] = R;
		l->cell0[i] = f;
		f += R * C;
		l->row0[i] = f;
		f += R;
		if (vault__ind_keys[i].multi) {
			l->col0[i] = f;
			f += C;
			l->grand[i] = f;
			f += 1;
			neq += 1;           /* totals row */
			nmem += C + 1;
		} else {
			l->col0[i] = 0;     /* the cases series */
			l->grand[i] = l->cases_total;
		}
		neq += R + C + 1;           /* rows, columns, totals column */
		nmem += R * (C + 1) + C * (R + 1) + R + 1;
	}
	l->nfigs = f;
	l->members = vault__calloc(nmem, sizeof *l->members);
	l->off = vault__calloc(neq + 1, sizeof *l->off);
	if (l->members == NULL || l->off == NULL) {
		layout_free(l);
		return -1;
	}
	eq_begin(l); /* the cases series */
	for (c = 0; c < C; c++)
		eq_add(l, c);
	eq_add(l, l->cases_total);
	eq_end(l);
	for (i = 0; i < IND_NKEYS; i++) {
		size_t R = l->nrows[i];

		for (r = 0; r < R; r++) {
			eq_begin(l);
			for (c = 0; c < C; c++)
				eq_add(l, l->cell0[i] + r * C + c);
			eq_add(l, l->row0[i] + r);
			eq_end(l);
		}
		for (c = 0; c < C; c++) {
			eq_begin(l);
			for (r = 0; r < R; r++)
				eq_add(l, l->cell0[i] + r * C + c);
			eq_add(l, l->col0[i] + c);
			eq_end(l);
		}
		eq_begin(l);
		for (r = 0; r < R; r++)
			eq_add(l, l->row0[i] + r);
		eq_add(l, l->grand[i]);
		eq_end(l);
		if (vault__ind_keys[i].multi) {
			eq_begin(l);
			for (c = 0; c < C; c++)
				eq_add(l, l->col0[i] + c);
			eq_add(l, l->grand[i]);
			eq_end(l);
		}
	}
	return 0;
}

static void mark_totals(const layout *l, sdc_fig *figs)
{
	size_t i, r, c;

	for (c = 0; c <= l->nmonths; c++)
		figs[c].total = 1; /* the cases series: margins of every table */
	for (i = 0; i < IND_NKEYS; i++) {
		for (r = 0; r < l->nrows[i]; r++)
			figs[l->row0[i] + r].total = 1;
		if (vault__ind_keys[i].multi) {
			for (c = 0; c < l->nmonths; c++)
				figs[l->col0[i] + c].total = 1;
			figs[l->grand[i]].total = 1;
		}
	}
}

/* Count one case, created in month m, with indicators *s. */
static void count_case(const layout *l, sdc_fig *figs, size_t m, const ind_set *s)
{
	size_t i, j, C = l->nmonths;

	figs[m].value++;
	figs[l->cases_total].value++;
	for (i = 0; i < IND_NKEYS; i++) {
		const ind_key *k = &vault__ind_keys[i];
		uint32_t bits = s->bits[i];

		if (bits == 0)
			bits = 1u << k->nvalues; /* not-recorded, the last row */
		for (j = 0; j <= k->nvalues; j++) {
			if (!(bits & (1u << j)))
				continue;
			figs[l->cell0[i] + j * C + m].value++;
			figs[l->row0[i] + j].value++;
			if (k->multi) {
				figs[l->col0[i] + m].value++;
				figs[l->grand[i]].value++;
			}
		}
	}
}

/* ---- dates ------------------------------------------------------------------ */

static int64_t month_index(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	return (int64_t)(tm.tm_year + 1900) * 12 + tm.tm_mon;
}

static void month_label(int64_t idx, char out[8])
{
	unsigned int y = (unsigned int)((idx / 12) % 10000), m = (unsigned int)(idx % 12) + 1;

	snprintf(out, 8, "%04u-%02u", y % 10000u, m % 100u);
}

static void day_label(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(out, 16, "?");
	else
		strftime(out, 16, "%Y-%m-%d", &tm);
}

/* ---- export ----------------------------------------------------------------- */

vault_status vault_stats_options_init(vault_stats_options *opts, unsigned int version)
{
	vault_stats_options d = VAULT_STATS_OPTIONS_INIT;

	if (opts == NULL || version == 0 || version > VAULT_STATS_OPTIONS_VERSION)
		return VAULT_ERR_INVALID;
	*opts = d;
	opts->version = version;
	return VAULT_OK;
}

/* The text of doc, read back and compared: jansson's writer can lose part
 * of its output when an allocation fails, without saying so, and a signed
 * or published document must be exactly the figures.  NULL on failure. */
static char *dump_checked(const json_t *doc, size_t flags)
{
	char *text = json_dumps(doc, flags);
	json_t *back;

	if (text == NULL)
		return NULL;
	back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (back == NULL || !json_equal(back, doc)) {
		free(text);
		text = NULL;
	}
	json_decref(back);
	return text;
}

/* Append v to a, or note that a document is incomplete (an allocation
 * failed): a signed export must never miss a figure. */
static void add(json_t *a, json_t *v, int *bad)
{
	if (a == NULL || v == NULL || json_array_append_new(a, v) != 0)
		*bad = 1;
	if (a == NULL)
		json_decref(v);
}

static json_t *fig_json(const sdc_fig *f)
{
	return f->suppressed ? json_null() : json_integer((json_int_t)f->value);
}

static json_t *figs_json(const sdc_fig *figs, size_t first, size_t n, size_t stride)
{
	json_t *a = json_array();
	size_t i;
	int bad = 0;

	for (i = 0; a != NULL && i < n; i++)
		add(a, fig_json(&figs[first + i * stride]), &bad);
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *export_json(const layout *l, const sdc_fig *figs, int64_t m0)
{
	json_t *inds = json_array(), *months = json_array(), *doc;
	size_t i, r, C = l->nmonths;
	char label[8];
	int bad = 0;

	for (i = 0; i < C; i++) {
		month_label(m0 + (int64_t)i, label);
		add(months, json_string(label), &bad);
	}
	for (i = 0; i < IND_NKEYS; i++) {
		const ind_key *k = &vault__ind_keys[i];
		json_t *values = json_array(), *by_month = json_array();

		for (r = 0; r < k->nvalues; r++)
			add(values, json_string(k->values[r]), &bad);
		add(values, json_string(IND_NOT_RECORDED), &bad);
		for (r = 0; r < l->nrows[i]; r++)
			add(by_month, figs_json(figs, l->cell0[i] + r * C, C, 1), &bad);
		add(inds,
		    json_pack("{s:s, s:b, s:o, s:o, s:o, s:o, s:o}", "key", k->key, "multi", k->multi,
		              "values", values, "by_value", figs_json(figs, l->row0[i], l->nrows[i], 1),
		              "by_month", by_month, "month_totals", figs_json(figs, l->col0[i], C, 1),
		              "total", fig_json(&figs[l->grand[i]])),
		    &bad);
	}
	doc = json_pack("{s:o, s:{s:o, s:o}, s:o}", "months", months, "cases", "by_month",
	                figs_json(figs, 0, C, 1), "total", fig_json(&figs[l->cases_total]),
	                "indicators", inds);
	if (bad) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* Does the case hold a valid consent whose scope includes statistics? */
static vault_status consented(vault *v, sqlite3_stmt *s, const char *case_id, int64_t now,
                              int *yes)
{
	int rc;

	sqlite3_reset(s);
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		return vault__sql_status(v, rc, "consents");
	*yes = sqlite3_column_int(s, 0) > 0;
	sqlite3_reset(s);
	return VAULT_OK;
}

struct export_count {
	uint64_t not_consented, unreadable;
};

static vault_status count_cases(vault *v, const layout *l, sdc_fig *figs, int64_t since,
                                int64_t until, int64_t m0, struct export_count *ec)
{
	sqlite3_stmt *cs = NULL, *ks = NULL;
	int64_t now = vault__now();
	vault_status st;
	int rc = SQLITE_DONE;

	st = vault__prepare(v, "SELECT id, created, restricted FROM cases WHERE owner_org = ?1"
	                       " AND kind = ?2 AND created >= ?3 AND created < ?4 ORDER BY id",
	                    &cs);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT count(*) FROM consents WHERE case_id = ?1"
		                       " AND (scope & 4) != 0 AND withdrawn = 0"
		                       " AND (expires = 0 OR expires > ?2) AND given_at <= ?2",
		                    &ks);
	if (st == VAULT_OK) {
		vault__bind_text(cs, 1, v->org);
		sqlite3_bind_int(cs, 2, VAULT_CASE_VICTIM);
		sqlite3_bind_int64(cs, 3, since);
		sqlite3_bind_int64(cs, 4, until);
	}
	while (st == VAULT_OK && (rc = sqlite3_step(cs)) == SQLITE_ROW) {
		char id[VAULT_ID_BUFSIZE];
		int yes = 0, found = 0;
		int64_t m;
		ind_set set;

		snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(cs, 0));
		m = month_index(sqlite3_column_int64(cs, 1)) - m0;
		if (!vault__valid_id(id) || m < 0 || (size_t)m >= l->nmonths) {
			st = vault__err(v, VAULT_ERR_CORRUPT, "a case row is malformed");
			break;
		}
		st = consented(v, ks, id, now, &yes);
		if (st != VAULT_OK)
			break;
		if (!yes) {
			ec->not_consented++;
			continue;
		}
		/* A restricted case is its holder's alone: the supervisors'
		 * escrow key opens it only under break-glass. */
		if (sqlite3_column_int(cs, 2) != 0) {
			ec->unreadable++;
			continue;
		}
		st = vault__ind_read(v, id, &set, &found);
		if (st == VAULT_ERR_DENIED) {
			ec->unreadable++;
			st = VAULT_OK;
			continue;
		}
		if (st == VAULT_OK)
			count_case(l, figs, (size_t)m, &set);
		vault__wipe(&set, sizeof set);
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "cases");
	sqlite3_finalize(cs);
	sqlite3_finalize(ks);
	return st;
}

static vault_status stats_fill(vault *v, const vault_stats_options *o, unsigned int k,
                               char **json_out)
{
	static const char *const stats_tables[] = {"cases", "consents", "indicators", NULL};
	char idhex[VAULT_VAULT_ID_BUFSIZE], from[16], to[16], gen[32];
	struct export_count ec = {0, 0};
	int64_t m0 = month_index(o->since), m1 = month_index(o->until - 1);
	sdc_fig *figs = NULL;
	json_t *doc = NULL;
	layout l;
	vault_status st;
	time_t now = (time_t)vault__now();
	struct tm tm;

	*json_out = NULL;
	if (layout_make(&l, (size_t)(m1 - m0 + 1)) != 0)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	figs = vault__calloc(l.nfigs, sizeof *figs);
	if (figs == NULL) {
		layout_free(&l);
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	mark_totals(&l, figs);
	st = vault__id(v, idhex);
	/* The figures are counted from cases, consents and indicators across
	 * the organisation, and leave under the supervisor's signature: each
	 * row must be one the log vouches for, and none missing (a consent
	 * withdrawn in the table only would drop its case from the counts). */
	if (st == VAULT_OK)
		st = vault__facts_check_tables(v, stats_tables);
	if (st == VAULT_OK)
		st = count_cases(v, &l, figs, o->since, o->until, m0, &ec);
	if (st == VAULT_OK) {
		vault__sdc_suppress(figs, l.nfigs, l.members, l.off, l.neq, k);
		day_label(o->since, from);
		day_label(o->until - 1, to);
		gmtime_r(&now, &tm);
		strftime(gen, sizeof gen, "%Y-%m-%dT%H:%M:%SZ", &tm);
		doc = export_json(&l, figs, m0);
		if (doc != NULL &&
		    json_object_update_new(
		        doc, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:i,"
		                       " s:I, s:I}",
		                       "format", STATS_FORMAT, "vocabulary", IND_VERSION,
		                       "vault", idhex, "org", v->org, "org_kind",
		                       vault_org_kind_name(v->org_kind), "signer", v->user, "since",
		                       from, "since_ts", (json_int_t)o->since, "until_ts",
		                       (json_int_t)o->until, "generated", gen, "k", (int)k,
		                       "not_consented", (json_int_t)ec.not_consented, "unreadable",
		                       (json_int_t)ec.unreadable)) == 0 &&
		    json_object_set_new(doc, "until", json_string(to)) == 0)
			*json_out = dump_checked(doc, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_SORT_KEYS);
		if (*json_out == NULL)
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	json_decref(doc);
	free(figs);
	layout_free(&l);
	return st;
}

/* The organisation whose figures are exported: the caller's own. */
static void export_fill(gate *g, void *ctx)
{
	vault *v = ctx;

	g->req.target_kind = VAULT_PRINCIPAL_ORG;
	g->req.target = v->org[0] ? v->org : NULL;
	g->req.target_org = g->req.target;
	g->req.target_org_kind = v->org_kind;
}

vault_status vault_stats_export(vault *v, const vault_stats_options *opts, vault_buf *out)
{
	vault_stats_options o;
	unsigned int k;
	char *json = NULL, *body = NULL, from[16], to[16], what[64];
	size_t blen = 0;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (out == NULL || opts == NULL || opts->version == 0 ||
	    opts->version > VAULT_STATS_OPTIONS_VERSION)
		return vault__err(v, VAULT_ERR_INVALID, "stats export: options and out are required");
	out->data = NULL;
	out->len = 0;
	o = *opts;
	k = o.k == 0 ? VAULT_STATS_K_DEFAULT : o.k;
	if (k < VAULT_STATS_K_MIN || k > 1000000)
		return vault__err(v, VAULT_ERR_INVALID,
		                  "stats export: k must be at least %d", VAULT_STATS_K_MIN);
	if (o.since < 0 || o.until <= o.since || month_index(o.since) < 0 ||
	    month_index(o.until - 1) < 0 ||
	    month_index(o.until - 1) - month_index(o.since) >= MONTHS_MAX)
		return vault__err(v, VAULT_ERR_INVALID,
		                  "stats export: the period needs since < until, at most %d months",
		                  MONTHS_MAX);
	/* The counts leave the library: their entry must be durable first. */
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "stats.export hands out data, so it runs"
		                  " outside vault_begin()");
	st = vault__gate_open(v, &g, "stats.export", POLICY_STATS_EXPORT, NULL,
	                      v->org[0] ? v->org : NULL, 0, export_fill, v);
	/* What was released, for review: the period and the threshold. */
	day_label(o.since, from);
	day_label(o.until - 1, to);
	snprintf(what, sizeof what, "period %s to %s, k %u", from, to, k);
	if (g.ev.reason == NULL)
		g.ev.reason = what;
	if (st == VAULT_OK)
		st = stats_fill(v, &o, k, &json);
	if (st == VAULT_OK) {
		blen = sizeof STATS_FORMAT + strlen(json) + 1;
		body = vault__malloc(blen + 1);
		if (body == NULL)
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		else
			snprintf(body, blen + 1, STATS_FORMAT "\n%s\n", json);
	}
	if (st == VAULT_OK) {
		st = vault__note_sign(body, blen, v->user, v->sec->sign_sk, v->sec->sign_pk, out);
		if (st != VAULT_OK)
			st = vault__err(v, st, "stats export: cannot sign the document");
	}
	free(json);
	free(body);
	st = vault__gate_close(&g, st);
	if (st != VAULT_OK)
		vault_buf_free(out);
	return st;
}

/* ---- combine ----------------------------------------------------------------- */

typedef struct pinned {
	char name[NOTE_NAME_MAX + 1];
	unsigned char pk[32];
} pinned;

/* Combined figures: SUPPRESSED, or a count. */
typedef int64_t cfig;

typedef struct doc_src {
	char vault[VAULT_VAULT_ID_BUFSIZE];
	char org[VAULT_NAME_MAX + 1];
	char signer[VAULT_NAME_MAX + 1];
	char since[16], until[16];
	int64_t since_ts, until_ts;
	int k;
	json_t *doc;
} doc_src;

typedef struct combined {
	size_t nmonths;
	char (*months)[8];
	cfig not_consented, unreadable;
	cfig *cases;               /* nmonths + 1 (the total last) */
	cfig *by_value[IND_NKEYS]; /* nrows */
	cfig *by_month[IND_NKEYS]; /* nrows * nmonths */
	cfig *month_totals[IND_NKEYS];
	cfig total[IND_NKEYS];
	doc_src *src;
	size_t nsrc;
} combined;

static vault_status bad_doc(size_t i, vault_status st, const char *what)
{
	vault__set_last_error("stats combine: file %zu: %s", i + 1, what);
	return st;
}

static int json_fig(json_t *j, cfig *out)
{
	if (json_is_null(j)) {
		*out = SUPPRESSED;
		return 0;
	}
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    json_integer_value(j) > ((json_int_t)1 << 40))
		return -1;
	*out = (cfig)json_integer_value(j);
	return 0;
}

static int json_figs(json_t *a, size_t n)
{
	size_t i;
	cfig x;

	if (!json_is_array(a) || json_array_size(a) != n)
		return -1;
	for (i = 0; i < n; i++)
		if (json_fig(json_array_get(a, i), &x) != 0)
			return -1;
	return 0;
}

static int is_month(const char *s)
{
	return s != NULL && strlen(s) == 7 && s[4] == '-' && strspn(s, "0123456789-") == 7 &&
	       s[5] >= '0' && s[5] <= '1' && strcmp(s + 5, "00") != 0 && strcmp(s + 5, "12") <= 0;
}

/* The document's shape, against this vocabulary. */
static const char *check_shape(json_t *doc)
{
	json_t *months = json_object_get(doc, "months"), *inds = json_object_get(doc, "indicators");
	json_t *cases = json_object_get(doc, "cases");
	size_t C, i, r;

	if (!json_is_string(json_object_get(doc, "format")) ||
	    strcmp(json_string_value(json_object_get(doc, "format")), STATS_FORMAT) != 0)
		return "not a " STATS_FORMAT " document";
	if (!json_is_string(json_object_get(doc, "vocabulary")) ||
	    strcmp(json_string_value(json_object_get(doc, "vocabulary")),
	           IND_VERSION) != 0)
		return "another vocabulary version than " IND_VERSION;
	if (!json_is_array(months) || json_array_size(months) == 0 ||
	    json_array_size(months) > MONTHS_MAX)
		return "bad months";
	C = json_array_size(months);
	for (i = 0; i < C; i++)
		if (!is_month(json_string_value(json_array_get(months, i))) ||
		    (i > 0 && strcmp(json_string_value(json_array_get(months, i - 1)),
		                     json_string_value(json_array_get(months, i))) >= 0))
			return "bad months";
	if (!json_is_object(cases) || json_figs(json_object_get(cases, "by_month"), C) != 0 ||
	    !json_object_get(cases, "total") ||
	    json_fig(json_object_get(cases, "total"), &(cfig){0}) != 0)
		return "bad cases";
	if (!json_is_integer(json_object_get(doc, "not_consented")) ||
	    json_integer_value(json_object_get(doc, "not_consented")) < 0 ||
	    !json_is_integer(json_object_get(doc, "unreadable")) ||
	    json_integer_value(json_object_get(doc, "unreadable")) < 0)
		return "bad not_consented or unreadable";
	if (!json_is_array(inds) || json_array_size(inds) != IND_NKEYS)
		return "bad indicators";
	for (i = 0; i < IND_NKEYS; i++) {
		const ind_key *k = &vault__ind_keys[i];
		json_t *ind = json_array_get(inds, i), *values = json_object_get(ind, "values");
		json_t *bm = json_object_get(ind, "by_month");
		size_t R = k->nvalues + 1;

		if (!json_is_string(json_object_get(ind, "key")) ||
		    strcmp(json_string_value(json_object_get(ind, "key")), k->key) != 0 ||
		    !json_is_array(values) || json_array_size(values) != R)
			return "indicators do not match the vocabulary";
		for (r = 0; r < R; r++) {
			const char *want = r < k->nvalues ? k->values[r] : IND_NOT_RECORDED;
			const char *have = json_string_value(json_array_get(values, r));

			if (have == NULL || strcmp(have, want) != 0)
				return "indicator values do not match the vocabulary";
		}
		if (json_figs(json_object_get(ind, "by_value"), R) != 0 ||
		    json_figs(json_object_get(ind, "month_totals"), C) != 0 ||
		    !json_object_get(ind, "total") ||
		    json_fig(json_object_get(ind, "total"), &(cfig){0}) != 0 || !json_is_array(bm) ||
		    json_array_size(bm) != R)
			return "bad indicator figures";
		for (r = 0; r < R; r++)
			if (json_figs(json_array_get(bm, r), C) != 0)
				return "bad indicator figures";
	}
	return NULL;
}

static const char *check_header(json_t *doc, doc_src *s)
{
	const char *vid = json_string_value(json_object_get(doc, "vault"));
	const char *org = json_string_value(json_object_get(doc, "org"));
	const char *signer = json_string_value(json_object_get(doc, "signer"));
	const char *since = json_string_value(json_object_get(doc, "since"));
	const char *until = json_string_value(json_object_get(doc, "until"));
	json_t *k = json_object_get(doc, "k");
	size_t i;

	if (vid == NULL || strlen(vid) != 64 || org == NULL || !vault__valid_name(org) ||
	    signer == NULL || !vault__valid_name(signer) || since == NULL || until == NULL ||
	    strlen(since) >= sizeof s->since || strlen(until) >= sizeof s->until ||
	    !json_is_integer(json_object_get(doc, "since_ts")) ||
	    !json_is_integer(json_object_get(doc, "until_ts")) || !json_is_integer(k))
		return "missing or bad vault, org, signer, period or k";
	for (i = 0; i < 64; i++)
		if (vault__audit_hex_nibble(vid[i]) < 0)
			return "bad vault id";
	if (json_integer_value(k) < VAULT_STATS_K_MIN)
		return "k below the minimum";
	memcpy(s->vault, vid, 65);
	snprintf(s->org, sizeof s->org, "%s", org);
	snprintf(s->signer, sizeof s->signer, "%s", signer);
	snprintf(s->since, sizeof s->since, "%s", since);
	snprintf(s->until, sizeof s->until, "%s", until);
	s->since_ts = (int64_t)json_integer_value(json_object_get(doc, "since_ts"));
	s->until_ts = (int64_t)json_integer_value(json_object_get(doc, "until_ts"));
	s->k = (int)json_integer_value(k);
	if (s->until_ts <= s->since_ts)
		return "bad period";
	return NULL;
}

/* Verify, parse and check one document into *s. */
static vault_status open_doc(size_t i, const char *text, const pinned *keys, size_t nkeys,
                             doc_src *s)
{
	audit_note_sig *sigs;
	char why[256];
	const char *err, *line;
	size_t blen, j, hlen = sizeof STATS_FORMAT; /* with its newline */
	int nsigs = 0, ok = 0, r;
	json_t *again;
	json_error_t je;
	vault_status st;

	memset(s, 0, sizeof *s);
	sigs = vault__calloc(NOTE_SIGS_MAX, sizeof *sigs);
	if (sigs == NULL)
		return bad_doc(i, VAULT_ERR_NOMEM, "out of memory");
	st = vault__note_parse(text, strlen(text), &blen, sigs, &nsigs, why, sizeof why);
	if (st != VAULT_OK) {
		free(sigs);
		return bad_doc(i, st == VAULT_ERR_CORRUPT ? VAULT_ERR_INVALID : st,
		               why[0] ? why : "not a signed note");
	}
	/* Signatures first: nothing of an unverified document is believed. */
	for (j = 0; j < nkeys; j++) {
		r = vault__note_signed_by(sigs, nsigs, text, blen, keys[j].name, keys[j].pk);
		if (r < 0) {
			free(sigs);
			snprintf(why, sizeof why, "the signature of %s does not verify",
			         keys[j].name);
			return bad_doc(i, VAULT_ERR_INTEGRITY, why);
		}
	}
	if (blen <= hlen || memcmp(text, STATS_FORMAT "\n", hlen) != 0) {
		free(sigs);
		return bad_doc(i, VAULT_ERR_INVALID, "not a " STATS_FORMAT " signed note");
	}
	line = text + hlen;
	/* Parsed twice: jansson reports running out of memory as a syntax
	 * error, or loses part of the document without saying so.  A text
	 * that reads differently the second time was not malformed. */
	s->doc = json_loadb(line, blen - hlen - 1, JSON_REJECT_DUPLICATES, &je);
	again = json_loadb(line, blen - hlen - 1, JSON_REJECT_DUPLICATES, &je);
	if ((s->doc == NULL) != (again == NULL) ||
	    (s->doc != NULL && !json_equal(s->doc, again)) ||
	    (again == NULL && json_error_code(&je) == json_error_out_of_memory)) {
		json_decref(again);
		free(sigs);
		return bad_doc(i, VAULT_ERR_NOMEM, "out of memory");
	}
	json_decref(again);
	if (s->doc == NULL || !json_is_object(s->doc)) {
		free(sigs);
		return bad_doc(i, VAULT_ERR_INVALID, "its JSON does not parse");
	}
	if ((err = check_header(s->doc, s)) != NULL || (err = check_shape(s->doc)) != NULL) {
		free(sigs);
		return bad_doc(i, VAULT_ERR_INVALID, err);
	}
	/* Signed by the pinned key of the supervisor it names. */
	for (j = 0; j < nkeys && !ok; j++)
		ok = strcmp(keys[j].name, s->signer) == 0 &&
		     vault__note_signed_by(sigs, nsigs, text, blen, keys[j].name, keys[j].pk) == 1;
	free(sigs);
	if (!ok) {
		snprintf(why, sizeof why, "no trusted verifier key of its signer %s signed it",
		         s->signer);
		return bad_doc(i, VAULT_ERR_INTEGRITY, why);
	}
	return VAULT_OK;
}

static void add_fig(cfig *acc, json_t *j)
{
	cfig x = SUPPRESSED;

	json_fig(j, &x);
	if (*acc == SUPPRESSED || x == SUPPRESSED)
		*acc = SUPPRESSED;
	else
		*acc += x;
}

static void combined_free(combined *c)
{
	size_t i;

	free(c->months);
	free(c->cases);
	for (i = 0; i < IND_NKEYS; i++) {
		free(c->by_value[i]);
		free(c->by_month[i]);
		free(c->month_totals[i]);
	}
}

static int month_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* The union of the documents' months, then every figure summed. */
static vault_status combine_sum(combined *c)
{
	size_t d, i, j, r, n = 0, C, cap = 0;

	for (d = 0; d < c->nsrc; d++)
		cap += json_array_size(json_object_get(c->src[d].doc, "months"));
	c->months = vault__calloc(cap ? cap : 1, sizeof *c->months);
	if (c->months == NULL)
		return VAULT_ERR_NOMEM;
	for (d = 0; d < c->nsrc; d++) {
		json_t *ms = json_object_get(c->src[d].doc, "months");

		for (i = 0; i < json_array_size(ms); i++) {
			const char *m = json_string_value(json_array_get(ms, i));

			for (j = 0; j < n && strcmp(c->months[j], m) != 0; j++)
				;
			if (j == n)
				snprintf(c->months[n++], 8, "%s", m);
		}
	}
	qsort(c->months, n, sizeof *c->months, month_cmp);
	c->nmonths = C = n;
	c->cases = vault__calloc(C + 1, sizeof *c->cases);
	if (c->cases == NULL)
		return VAULT_ERR_NOMEM;
	for (i = 0; i < IND_NKEYS; i++) {
		size_t R = vault__ind_keys[i].nvalues + 1;

		c->by_value[i] = vault__calloc(R, sizeof(cfig));
		c->by_month[i] = vault__calloc(R * C, sizeof(cfig));
		c->month_totals[i] = vault__calloc(C, sizeof(cfig));
		if (!c->by_value[i] || !c->by_month[i] || !c->month_totals[i])
			return VAULT_ERR_NOMEM;
	}
	for (d = 0; d < c->nsrc; d++) {
		json_t *doc = c->src[d].doc, *ms = json_object_get(doc, "months");
		json_t *cases = json_object_get(doc, "cases"), *inds = json_object_get(doc, "indicators");

		c->not_consented += (cfig)json_integer_value(json_object_get(doc, "not_consented"));
		c->unreadable += (cfig)json_integer_value(json_object_get(doc, "unreadable"));
		add_fig(&c->cases[C], json_object_get(cases, "total"));
		for (i = 0; i < IND_NKEYS; i++) {
			json_t *ind = json_array_get(inds, i);

			add_fig(&c->total[i], json_object_get(ind, "total"));
			for (r = 0; r < vault__ind_keys[i].nvalues + 1; r++)
				add_fig(&c->by_value[i][r],
				        json_array_get(json_object_get(ind, "by_value"), r));
		}
		for (j = 0; j < json_array_size(ms); j++) {
			const char *m = json_string_value(json_array_get(ms, j));
			size_t at;

			for (at = 0; at < C && strcmp(c->months[at], m) != 0; at++)
				;
			add_fig(&c->cases[at], json_array_get(json_object_get(cases, "by_month"), j));
			for (i = 0; i < IND_NKEYS; i++) {
				json_t *ind = json_array_get(inds, i);
				json_t *bm = json_object_get(ind, "by_month");

				add_fig(&c->month_totals[i][at],
				        json_array_get(json_object_get(ind, "month_totals"), j));
				for (r = 0; r < vault__ind_keys[i].nvalues + 1; r++)
					add_fig(&c->by_month[i][r * C + at],
					        json_array_get(json_array_get(bm, r), j));
			}
		}
	}
	return VAULT_OK;
}

/* ---- output ------------------------------------------------------------------ */

typedef struct sbuf {
	char *p;
	size_t len, cap;
	int failed;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = vault__malloc(cap);
		if (p == NULL) {
			b->failed = 1;
			return;
		}
		if (b->len > 0)
			memcpy(p, b->p, b->len);
		free(b->p);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *tmp;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (tmp = vault__malloc((size_t)n + 1)) == NULL) {
		b->failed = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(tmp, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_add(b, tmp, (size_t)n);
	free(tmp);
}

/* HTML text: & < > " ' escaped. */
static void sb_html(sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_add(b, "&amp;", 5); break;
		case '<': sb_add(b, "&lt;", 4); break;
		case '>': sb_add(b, "&gt;", 4); break;
		case '"': sb_add(b, "&quot;", 6); break;
		case '\'': sb_add(b, "&#39;", 5); break;
		default: sb_add(b, s, 1);
		}
	}
}

static json_t *cfig_json(cfig f)
{
	return f == SUPPRESSED ? json_null() : json_integer((json_int_t)f);
}

static json_t *cfigs_json(const cfig *f, size_t n)
{
	json_t *a = json_array();
	size_t i;
	int bad = 0;

	for (i = 0; a && i < n; i++)
		add(a, cfig_json(f[i]), &bad);
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *sources_json(const combined *c)
{
	json_t *a = json_array();
	size_t d;
	int bad = 0;

	for (d = 0; a && d < c->nsrc; d++) {
		const doc_src *s = &c->src[d];

		add(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "vault", s->vault, "org", s->org,
		                 "signer", s->signer, "since", s->since, "until", s->until, "k", s->k),
		    &bad);
	}
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static char *render_json(const combined *c)
{
	json_t *doc, *inds = json_array(), *months = json_array();
	size_t i, r, C = c->nmonths;
	char *text = NULL;
	int bad = 0;

	for (i = 0; i < C; i++)
		add(months, json_string(c->months[i]), &bad);
	for (i = 0; i < IND_NKEYS; i++) {
		const ind_key *k = &vault__ind_keys[i];
		json_t *values = json_array(), *bm = json_array();

		for (r = 0; r <= k->nvalues; r++)
			add(values, json_string(r < k->nvalues ? k->values[r] : IND_NOT_RECORDED), &bad);
		for (r = 0; r <= k->nvalues; r++)
			add(bm, cfigs_json(c->by_month[i] + r * C, C), &bad);
		add(inds,
		    json_pack("{s:s, s:b, s:o, s:o, s:o, s:o, s:o}", "key", k->key, "multi", k->multi,
		              "values", values, "by_value", cfigs_json(c->by_value[i], k->nvalues + 1),
		              "by_month", bm, "month_totals", cfigs_json(c->month_totals[i], C),
		              "total", cfig_json(c->total[i])),
		    &bad);
	}
	doc = json_pack("{s:s, s:s, s:o, s:o, s:{s:o, s:o}, s:I, s:I, s:o}", "format",
	                STATS_COMBINED_FORMAT, "vocabulary", IND_VERSION, "sources",
	                sources_json(c), "months", months, "cases", "by_month",
	                cfigs_json(c->cases, C), "total", cfig_json(c->cases[C]), "not_consented",
	                (json_int_t)c->not_consented, "unreadable", (json_int_t)c->unreadable,
	                "indicators", inds);
	if (doc != NULL && !bad)
		text = dump_checked(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(doc);
	return text;
}

static void csv_fig(sbuf *b, const char *ind, const char *value, const char *month, cfig f)
{
	if (f == SUPPRESSED)
		sb_printf(b, "%s,%s,%s,\r\n", ind, value, month);
	else
		sb_printf(b, "%s,%s,%s,%lld\r\n", ind, value, month, (long long)f);
}

/* RFC 4180; every field is a vocabulary word or a month, no quoting needed;
 * an empty count is a suppressed figure. */
static char *render_csv(const combined *c)
{
	sbuf b = {NULL, 0, 0, 0};
	size_t i, r, m, C = c->nmonths;

	sb_printf(&b, "indicator,value,month,count\r\n");
	for (m = 0; m < C; m++)
		csv_fig(&b, "cases", "all", c->months[m], c->cases[m]);
	csv_fig(&b, "cases", "all", "total", c->cases[C]);
	csv_fig(&b, "not_consented", "all", "total", c->not_consented);
	csv_fig(&b, "unreadable", "all", "total", c->unreadable);
	for (i = 0; i < IND_NKEYS; i++) {
		const ind_key *k = &vault__ind_keys[i];

		for (r = 0; r <= k->nvalues; r++) {
			const char *val = r < k->nvalues ? k->values[r] : IND_NOT_RECORDED;

			for (m = 0; m < C; m++)
				csv_fig(&b, k->key, val, c->months[m], c->by_month[i][r * C + m]);
			csv_fig(&b, k->key, val, "total", c->by_value[i][r]);
		}
		for (m = 0; m < C; m++)
			csv_fig(&b, k->key, "all", c->months[m], c->month_totals[i][m]);
		csv_fig(&b, k->key, "all", "total", c->total[i]);
	}
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static const char *const html_titles[IND_NKEYS] = {
	"Age band", "Nationality group", "Types of violence (a case may have several)",
	"Relation to the perpetrator", "Children present", "Referral source",
	"Referral destination", "Legal status group"};

#define BAR_LABEL_W 230
#define BAR_MAX_W 330
#define BAR_ROW_H 24

/* One indicator, by value, as a horizontal bar chart in inline SVG. */
static void html_chart(sbuf *b, const combined *c, size_t i)
{
	const ind_key *k = &vault__ind_keys[i];
	size_t r, R = k->nvalues + 1;
	cfig max = 1;

	for (r = 0; r < R; r++)
		if (c->by_value[i][r] > max)
			max = c->by_value[i][r];
	sb_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\""
	             " role=\"img\" aria-label=\"",
	          BAR_LABEL_W + BAR_MAX_W + 110, R * BAR_ROW_H + 8);
	sb_html(b, html_titles[i]);
	sb_printf(b, "\">\n");
	for (r = 0; r < R; r++) {
		const char *val = r < k->nvalues ? k->values[r] : IND_NOT_RECORDED;
		cfig f = c->by_value[i][r];
		size_t y = r * BAR_ROW_H + 4;

		sb_printf(b, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\" font-size=\"13\">",
		          BAR_LABEL_W - 8, y + 16);
		sb_html(b, val);
		sb_printf(b, "</text>");
		if (f == SUPPRESSED) {
			sb_printf(b, "<text x=\"%d\" y=\"%zu\" font-size=\"12\" fill=\"#666\""
			             " font-style=\"italic\">suppressed</text>\n",
			          BAR_LABEL_W, y + 16);
			continue;
		}
		sb_printf(b, "<rect x=\"%d\" y=\"%zu\" width=\"%lld\" height=\"%d\" fill=\"#5b4b8a\"/>",
		          BAR_LABEL_W, y + 2, (long long)(f * BAR_MAX_W / max), BAR_ROW_H - 6);
		sb_printf(b, "<text x=\"%lld\" y=\"%zu\" font-size=\"13\">%lld</text>\n",
		          (long long)(BAR_LABEL_W + f * BAR_MAX_W / max + 6), y + 16, (long long)f);
	}
	sb_printf(b, "</svg>\n");
}

static void html_cell(sbuf *b, cfig f)
{
	if (f == SUPPRESSED)
		sb_printf(b, "<td class=\"s\">&ndash;</td>");
	else
		sb_printf(b, "<td>%lld</td>", (long long)f);
}

static char *render_html(const combined *c)
{
	sbuf b = {NULL, 0, 0, 0};
	size_t i, r, m, d, C = c->nmonths;

	sb_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	              "<title>Network statistics on gender-based violence</title>\n"
	              "<style>\nbody{font-family:sans-serif;margin:2em;color:#111}"
	              "h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}"
	              "table{border-collapse:collapse;margin:.5em 0}"
	              "td,th{border:1px solid #999;padding:2px 6px;text-align:right}"
	              "th{background:#eee}td.l,th.l{text-align:left}td.s{color:#666}"
	              "section{page-break-inside:avoid}\n</style>\n</head>\n<body>\n"
	              "<h1>Network statistics on gender-based violence</h1>\n"
	              "<p>Vocabulary " IND_VERSION ". Each organisation counted its"
	              " own cases whose consent covers statistics, suppressed every figure below"
	              " its threshold k (and others that would give one away), and signed its"
	              " figures; each signature was checked against a pinned verifier key."
	              " A figure suppressed by any organisation stays suppressed in the sum"
	              " (shown as &ldquo;suppressed&rdquo; or &ndash;).</p>\n"
	              "<h2>Sources</h2>\n<table>\n<tr><th class=\"l\">Organisation</th>"
	              "<th class=\"l\">Signed by</th><th class=\"l\">Period</th><th>k</th>"
	              "<th class=\"l\">Vault</th></tr>\n");
	for (d = 0; d < c->nsrc; d++) {
		const doc_src *s = &c->src[d];

		sb_printf(&b, "<tr><td class=\"l\">");
		sb_html(&b, s->org);
		sb_printf(&b, "</td><td class=\"l\">");
		sb_html(&b, s->signer);
		sb_printf(&b, "</td><td class=\"l\">");
		sb_html(&b, s->since);
		sb_printf(&b, " &ndash; ");
		sb_html(&b, s->until);
		sb_printf(&b, "</td><td>%d</td><td class=\"l\">%.16s&hellip;</td></tr>\n", s->k,
		          s->vault);
	}
	sb_printf(&b, "</table>\n<h2>Cases</h2>\n<table>\n<tr><th class=\"l\">Counted</th>");
	html_cell(&b, c->cases[C]);
	sb_printf(&b, "</tr>\n<tr><th class=\"l\">Without consent to statistics"
	              " (not counted)</th><td>%lld</td></tr>\n<tr><th class=\"l\">Not readable by"
	              " the exporting supervisor (not counted)</th><td>%lld</td></tr>\n</table>\n",
	          (long long)c->not_consented, (long long)c->unreadable);
	for (i = 0; i < IND_NKEYS; i++) {
		const ind_key *k = &vault__ind_keys[i];

		sb_printf(&b, "<section>\n<h2>");
		sb_html(&b, html_titles[i]);
		sb_printf(&b, "</h2>\n");
		html_chart(&b, c, i);
		sb_printf(&b, "<table>\n<tr><th class=\"l\">Value</th>");
		for (m = 0; m < C; m++)
			sb_printf(&b, "<th>%s</th>", c->months[m]);
		sb_printf(&b, "<th>Total</th></tr>\n");
		for (r = 0; r <= k->nvalues; r++) {
			sb_printf(&b, "<tr><td class=\"l\">");
			sb_html(&b, r < k->nvalues ? k->values[r] : IND_NOT_RECORDED);
			sb_printf(&b, "</td>");
			for (m = 0; m < C; m++)
				html_cell(&b, c->by_month[i][r * C + m]);
			html_cell(&b, c->by_value[i][r]);
			sb_printf(&b, "</tr>\n");
		}
		sb_printf(&b, "</table>\n</section>\n");
	}
	sb_printf(&b, "</body>\n</html>\n");
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

vault_status vault_stats_combine(const char *const *docs, size_t ndocs,
                                 const char *const *vkeys, size_t nvkeys,
                                 vault_stats_format format, vault_buf *out)
{
	combined c;
	pinned *keys = NULL;
	char *text = NULL, why[256];
	size_t i, j;
	vault_status st = VAULT_OK;

	vault__clear_last_error();
	if (out == NULL) {
		vault__set_last_error("stats combine: out is NULL");
		return VAULT_ERR_INVALID;
	}
	out->data = NULL;
	out->len = 0;
	if (docs == NULL || ndocs == 0 || ndocs > DOCS_MAX || vkeys == NULL || nvkeys == 0 ||
	    nvkeys > VKEYS_MAX || format < VAULT_STATS_JSON || format > VAULT_STATS_HTML) {
		vault__set_last_error("stats combine: 1..%d documents, 1..%d verifier keys and a"
		                      " format are required", DOCS_MAX, VKEYS_MAX);
		return VAULT_ERR_INVALID;
	}
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;
	memset(&c, 0, sizeof c);
	keys = vault__calloc(nvkeys, sizeof *keys);
	c.src = vault__calloc(ndocs, sizeof *c.src);
	if (keys == NULL || c.src == NULL) {
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("out of memory");
		goto done;
	}
	for (i = 0; i < nvkeys; i++)
		if (vkeys[i] == NULL || vault__audit_vkey_parse(vkeys[i], keys[i].name,
		                                                keys[i].pk) != 0) {
			vault__set_last_error("stats combine: verifier key %zu is malformed", i + 1);
			st = VAULT_ERR_INVALID;
			goto done;
		}
	for (i = 0; i < ndocs && st == VAULT_OK; i++) {
		if (docs[i] == NULL) {
			st = bad_doc(i, VAULT_ERR_INVALID, "NULL");
			break;
		}
		st = open_doc(i, docs[i], keys, nvkeys, &c.src[i]);
		c.nsrc = i + 1;
	}
	/* One organisation's cases are counted once: a second export of the
	 * same vault and organisation over an overlapping period is refused. */
	for (i = 0; st == VAULT_OK && i < c.nsrc; i++)
		for (j = i + 1; st == VAULT_OK && j < c.nsrc; j++) {
			const doc_src *a = &c.src[i], *b2 = &c.src[j];

			if (strcmp(a->vault, b2->vault) == 0 && strcmp(a->org, b2->org) == 0 &&
			    a->since_ts < b2->until_ts && b2->since_ts < a->until_ts) {
				snprintf(why, sizeof why, "files %zu and %zu are both of organisation %s"
				         " over overlapping periods", i + 1, j + 1, a->org);
				vault__set_last_error("stats combine: %s", why);
				st = VAULT_ERR_EXISTS;
			}
		}
	if (st == VAULT_OK && (st = combine_sum(&c)) != VAULT_OK)
		vault__set_last_error("out of memory");
	if (st == VAULT_OK) {
		text = format == VAULT_STATS_JSON  ? render_json(&c)
		       : format == VAULT_STATS_CSV ? render_csv(&c)
		                                   : render_html(&c);
		if (text == NULL || vault__buf_alloc(out, strlen(text)) != VAULT_OK) {
			st = VAULT_ERR_NOMEM;
			vault__set_last_error("out of memory");
		} else {
			memcpy(out->data, text, strlen(text));
		}
	}
done:
	for (i = 0; c.src != NULL && i < c.nsrc; i++)
		json_decref(c.src[i].doc);
	free(c.src);
	combined_free(&c);
	free(keys);
	free(text);
	return st;
}
