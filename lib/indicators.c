/*
 * indicators.c - a case's statistical indicators: the vocabulary (version
 * IND_VERSION), its validation, and their encrypted storage.
 *
 * Where the vocabulary comes from (README.md, "Statistics without
 * reading a case"): the types of violence are the six core types of the
 * GBV Information Management System (GBVIMS) plus the economic,
 * psychological and stalking categories of Istat's survey of anti-violence
 * centres; age bands, nationality group, relation to the perpetrator,
 * children present and referral paths follow Istat's survey, which answers
 * the data collection of art. 11 of the Istanbul Convention; the legal
 * status group is what reception centres (CAS, SAI) record.  A change of
 * any key or value is a new version.
 *
 * Storage: one row per case in the table `indicators`, the canonical text
 * padded to IND_TEXT_MAX bytes and sealed with XChaCha20-Poly1305 under the
 * case's general class key; the associated data (crypto.c's record AD with
 * the name ".indicators", which no record can take) binds case, version,
 * class and key epoch, so a ciphertext moved to another case or replayed
 * at another version does not open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "facts.h"
#include "internal.h"
#include "stats.h"

static const char *const v_age[] = {"under-18", "18-29", "30-39", "40-49",
                                    "50-59",    "60-plus"};
static const char *const v_nationality[] = {"italian", "other-eu", "non-eu", "stateless"};
static const char *const v_violence[] = {
	/* GBVIMS core types */
	"rape", "sexual-assault", "physical-assault", "forced-marriage",
	"denial-of-resources", "psychological-emotional-abuse",
	/* Istat's survey of anti-violence centres, Istanbul Convention art. 3 */
	"economic", "psychological", "stalking"};
static const char *const v_relation[] = {"partner",      "former-partner", "family-member",
                                         "acquaintance", "stranger",       "other"};
static const char *const v_children[] = {"yes", "no"};
static const char *const v_source[] = {"self",           "police",          "health-service",
                                       "social-services", "reception-centre",
                                       "antiviolence-centre", "other"};
static const char *const v_destination[] = {
	"none",          "antiviolence-centre", "shelter",
	"health-service", "police",             "legal-aid",
	"social-services", "reception-centre",  "other"};
static const char *const v_legal[] = {"asylum-seeker", "refugee", "other"};

#define VALUES(a) (a), sizeof(a) / sizeof((a)[0])

const ind_key vault__ind_keys[IND_NKEYS] = {
	{"age_band", 0, VALUES(v_age)},
	{"nationality_group", 0, VALUES(v_nationality)},
	{"violence", 1, VALUES(v_violence)},
	{"perpetrator_relation", 0, VALUES(v_relation)},
	{"children_present", 0, VALUES(v_children)},
	{"referral_source", 0, VALUES(v_source)},
	{"referral_destination", 0, VALUES(v_destination)},
	{"legal_status_group", 0, VALUES(v_legal)},
};

#define AD_NAME ".indicators"
#define AD_MAX (32 + 8 + VAULT_ID_BUFSIZE + VAULT_NAME_MAX + 16)

static int find_key(const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < IND_NKEYS; i++)
		if (strlen(vault__ind_keys[i].key) == n && memcmp(vault__ind_keys[i].key, k, n) == 0)
			return (int)i;
	return -1;
}

static int find_value(const ind_key *k, const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < k->nvalues; i++)
		if (strlen(k->values[i]) == n && memcmp(k->values[i], v, n) == 0)
			return (int)i;
	return -1;
}

/* "a, b, c" into why. */
static void list_into(char *why, size_t whylen, const char *head, const char *const *items,
                      size_t n, size_t stride_keys)
{
	size_t i, used;

	snprintf(why, whylen, "%s", head);
	for (i = 0; i < n; i++) {
		const char *it = stride_keys ? vault__ind_keys[i].key : items[i];

		used = strlen(why);
		if (used + 1 >= whylen)
			return;
		snprintf(why + used, whylen - used, "%s%s", i ? ", " : "", it);
	}
}

int vault__ind_apply(ind_set *s, const char *a, char *why, size_t whylen)
{
	const char *eq = a ? strchr(a, '=') : NULL, *p, *comma;
	const ind_key *k;
	uint32_t bits = 0;
	char head[160];
	int ki, vi;

	if (eq == NULL || (ki = find_key(a, (size_t)(eq - a))) < 0) {
		snprintf(head, sizeof head, "unknown indicator '%.*s' (" IND_VERSION
		         "); valid: ", eq ? (int)(eq - a > 64 ? 64 : eq - a) : 64, a ? a : "");
		list_into(why, whylen, head, NULL, IND_NKEYS, 1);
		return -1;
	}
	k = &vault__ind_keys[ki];
	for (p = eq + 1; *p != '\0'; p = *comma ? comma + 1 : comma) {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		vi = find_value(k, p, (size_t)(comma - p));
		if (vi < 0 || (!k->multi && bits != 0) || (*comma && comma[1] == '\0')) {
			snprintf(head, sizeof head, "%s: bad value '%.*s'%s; valid: ", k->key,
			         (int)((comma - p) > 64 ? 64 : comma - p), p,
			         vi >= 0 ? " (one value only)" : "");
			list_into(why, whylen, head, k->values, k->nvalues, 0);
			return -1;
		}
		bits |= 1u << vi;
	}
	s->bits[ki] = bits;
	return 0;
}

size_t vault__ind_format(const ind_set *s, char *out, size_t cap)
{
	size_t i, j, n = 0;

	out[0] = '\0';
	for (i = 0; i < IND_NKEYS; i++) {
		const ind_key *k = &vault__ind_keys[i];
		int first = 1;

		if (s->bits[i] == 0)
			continue;
		n += (size_t)snprintf(out + n, cap - n, "%s=", k->key);
		for (j = 0; j < k->nvalues && n < cap; j++)
			if (s->bits[i] & (1u << j)) {
				n += (size_t)snprintf(out + n, cap - n, "%s%s", first ? "" : ",",
				                      k->values[j]);
				first = 0;
			}
		if (n < cap)
			n += (size_t)snprintf(out + n, cap - n, "\n");
	}
	return n < cap ? n : cap - 1;
}

int vault__ind_parse(const char *text, size_t len, ind_set *s)
{
	char line[IND_TEXT_MAX], again[IND_TEXT_MAX], why[8];
	size_t pos = 0;
	int ok;

	memset(s, 0, sizeof *s);
	if (len >= IND_TEXT_MAX || memchr(text, '\0', len) != NULL)
		return -1;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n;

		if (nl == NULL)
			return -1;
		n = (size_t)(nl - (text + pos));
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (vault__ind_apply(s, line, why, sizeof why) != 0) {
			vault__wipe(line, sizeof line);
			return -1;
		}
		pos += n + 1;
	}
	/* Canonical only: one spelling per set of indicators. */
	ok = vault__ind_format(s, again, sizeof again) == len && memcmp(again, text, len) == 0;
	vault__wipe(line, sizeof line);
	vault__wipe(again, sizeof again);
	return ok ? 0 : -1;
}

vault_status vault_indicators_vocabulary(vault_buf *out)
{
	json_t *doc, *keys;
	char *text = NULL;
	vault_status st = VAULT_OK;
	size_t i, j;
	int bad = 0;

	if (out == NULL)
		return VAULT_ERR_INVALID;
	out->data = NULL;
	out->len = 0;
	if (vault__crypto_init() != VAULT_OK)
		return VAULT_ERR_NOCRYPTO; /* the buffer is libsodium's memory */
	keys = json_array();
	doc = json_pack("{s:s, s:o}", "version", IND_VERSION, "keys", keys);
	for (i = 0; doc != NULL && i < IND_NKEYS; i++) {
		json_t *vals = json_array(), *k;

		for (j = 0; vals && j < vault__ind_keys[i].nvalues; j++)
			if (json_array_append_new(vals, json_string(vault__ind_keys[i].values[j])))
				bad = 1;
		k = json_pack("{s:s, s:b, s:o}", "key", vault__ind_keys[i].key, "multi",
		              vault__ind_keys[i].multi, "values", vals);
		if (json_array_append_new(keys, k) != 0)
			bad = 1;
	}
	if (doc != NULL && !bad)
		text = json_dumps(doc, JSON_INDENT(2));
	if (text == NULL || vault__buf_alloc(out, strlen(text)) != VAULT_OK)
		st = VAULT_ERR_NOMEM;
	else
		memcpy(out->data, text, strlen(text));
	free(text);
	json_decref(doc);
	return st;
}

/* ---- storage ------------------------------------------------------------- */

/* The stored row of a case, or *found = 0. */
typedef struct ind_row {
	int found;
	uint32_t version, epoch;
	unsigned char nonce[VAULT_AEAD_NONCE_BYTES];
	unsigned char ct[IND_TEXT_MAX + VAULT_AEAD_TAG_BYTES];
} ind_row;

static vault_status load_row(vault *v, const char *case_id, ind_row *r)
{
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	r->found = 0;
	st = vault__prepare(v, "SELECT version, epoch, nonce, ct FROM indicators"
	                       " WHERE case_id = ?1", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, case_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 2) != VAULT_AEAD_NONCE_BYTES ||
		    sqlite3_column_bytes(s, 3) != (int)sizeof r->ct ||
		    sqlite3_column_int64(s, 0) < 1 || sqlite3_column_int64(s, 0) > UINT32_MAX ||
		    sqlite3_column_int64(s, 1) < 0 || sqlite3_column_int64(s, 1) > UINT32_MAX) {
			st = vault__err(v, VAULT_ERR_CORRUPT, "the indicators of case %s are malformed",
			                case_id);
		} else {
			r->found = 1;
			r->version = (uint32_t)sqlite3_column_int64(s, 0);
			r->epoch = (uint32_t)sqlite3_column_int64(s, 1);
			memcpy(r->nonce, sqlite3_column_blob(s, 2), sizeof r->nonce);
			memcpy(r->ct, sqlite3_column_blob(s, 3), sizeof r->ct);
		}
	} else if (rc != SQLITE_DONE) {
		st = vault__sql_status(v, rc, "indicators");
	}
	sqlite3_finalize(s);
	return st;
}

/* vault__ind_read(); *unopened (if not NULL) set when the key opened
 * from a seal and the stored text did not open under it, or was not a
 * set: what its writer stored, not a key that is wrong. */
static vault_status ind_read(vault *v, const char *case_id, ind_set *out, int *found,
                             int *unopened)
{
	unsigned char ad[AD_MAX];
	unsigned char *key = v->sec->scratch, *pt = NULL;
	size_t adlen, n;
	ind_row r;
	vault_status st;

	memset(out, 0, sizeof *out);
	*found = 0;
	st = load_row(v, case_id, &r);
	if (st != VAULT_OK || !r.found)
		return st;
	pt = vault__secure_alloc(IND_TEXT_MAX);
	if (pt == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	st = vault__class_key(v, case_id, VAULT_CLASS_GENERAL, r.epoch, key);
	if (st == VAULT_OK) {
		adlen = vault__record_ad(ad, sizeof ad, case_id, AD_NAME, r.version,
		                         VAULT_CLASS_GENERAL, r.epoch);
		if (vault__aead_open(pt, r.ct, sizeof r.ct, ad, adlen, r.nonce, key) != 0) {
			st = vault__err(v, VAULT_ERR_CORRUPT,
			                "the indicators of case %s fail authentication", case_id);
			if (unopened != NULL)
				*unopened = 1;
		}
	}
	if (st == VAULT_OK) {
		n = strnlen((const char *)pt, IND_TEXT_MAX);
		/* the padding is zeros to the end */
		if (n == IND_TEXT_MAX || vault__ind_parse((const char *)pt, n, out) != 0) {
			st = vault__err(v, VAULT_ERR_CORRUPT, "the indicators of case %s are malformed",
			                case_id);
			if (unopened != NULL)
				*unopened = 1;
		} else {
			*found = 1;
		}
	}
	vault__wipe(key, 32);
	vault__secure_free(pt);
	return st;
}

vault_status vault__ind_read(vault *v, const char *case_id, ind_set *out, int *found)
{
	return ind_read(v, case_id, out, found, NULL);
}

static vault_status ind_write(vault *v, const char *case_id, const ind_set *set,
                              uint32_t version)
{
	unsigned char nonce[VAULT_AEAD_NONCE_BYTES], ad[AD_MAX];
	unsigned char ct[IND_TEXT_MAX + VAULT_AEAD_TAG_BYTES];
	unsigned char *key = v->sec->scratch, *pt;
	uint32_t epoch = 0;
	sqlite3_stmt *s = NULL;
	size_t adlen;
	vault_status st;

	pt = vault__secure_alloc(IND_TEXT_MAX);
	if (pt == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	memset(pt, 0, IND_TEXT_MAX);
	vault__ind_format(set, (char *)pt, IND_TEXT_MAX);
	st = vault__drop_lapsed_holders(v, case_id, VAULT_CLASS_GENERAL);
	if (st == VAULT_OK)
		st = vault__class_epoch(v, case_id, VAULT_CLASS_GENERAL, &epoch);
	/* From a seal the writer opens: holding a grant row is not enough. */
	if (st == VAULT_OK)
		st = vault__class_key(v, case_id, VAULT_CLASS_GENERAL, epoch, key);
	if (st == VAULT_OK) {
		vault__random(nonce, sizeof nonce);
		adlen = vault__record_ad(ad, sizeof ad, case_id, AD_NAME, version,
		                         VAULT_CLASS_GENERAL, epoch);
		vault__aead_seal(ct, pt, IND_TEXT_MAX, ad, adlen, nonce, key);
		st = vault__facts_note_delete(v, "indicators", "case_id = ?1", case_id, NULL);
		if (st == VAULT_OK)
			st = vault__prepare(v, "DELETE FROM indicators WHERE case_id = ?1", &s);
	}
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, case_id);
		st = vault__sql_status(v, sqlite3_step(s), "indicators");
		sqlite3_finalize(s);
		s = NULL;
	}
	if (st == VAULT_OK)
		st = vault__prepare(v, "INSERT INTO indicators(case_id, version, epoch, author,"
		                       " created, nonce, ct) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, case_id);
		sqlite3_bind_int64(s, 2, version);
		sqlite3_bind_int64(s, 3, epoch);
		vault__bind_text(s, 4, v->user);
		sqlite3_bind_int64(s, 5, vault__now());
		sqlite3_bind_blob(s, 6, nonce, sizeof nonce, SQLITE_STATIC);
		sqlite3_bind_blob(s, 7, ct, sizeof ct, SQLITE_STATIC);
		st = vault__sql_status(v, sqlite3_step(s), "indicators");
		sqlite3_finalize(s);
	}
	vault__wipe(key, 32);
	vault__secure_free(pt);
	return st;
}

/* Does the epoch of the case's stored indicators have a commitment (a
 * class_epochs row, checked with the case's rows when its gate opened)? */
static int stored_epoch_committed(vault *v, const char *case_id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (vault__prepare(v, "SELECT 1 FROM indicators i, class_epochs c WHERE"
	                      " i.case_id = ?1 AND c.case_id = ?1 AND c.class = 1 AND"
	                      " c.epoch = i.epoch", &s) != VAULT_OK)
		return 0;
	vault__bind_text(s, 1, case_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW;
}

vault_status vault_case_indicators_set(vault *v, const char *case_id,
                                       const char *const *assignments, size_t n)
{
	char why[512];
	ind_set set;
	ind_row r;
	int found = 0, unopened = 0;
	size_t i;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (!vault__valid_id(case_id) || assignments == NULL || n == 0 || n > 64)
		return vault__err(v, VAULT_ERR_INVALID,
		                  "indicators: a case id and 1..64 key=value assignments are required");
	/* Checked before anything: bad input changes nothing, even the log. */
	for (i = 0; i < n; i++) {
		ind_set one;

		memset(&one, 0, sizeof one);
		if (assignments[i] == NULL || strlen(assignments[i]) > VAULT_TEXT_MAX ||
		    vault__ind_apply(&one, assignments[i], why, sizeof why) != 0)
			return vault__err(v, VAULT_ERR_INVALID, "%s",
			                  assignments[i] == NULL ? "indicators: NULL assignment" : why);
	}
	st = vault__gate_open(v, &g, "case.indicators.set", POLICY_WRITE, case_id, NULL,
	                      VAULT_CLASS_GENERAL, NULL, NULL);
	if (st == VAULT_OK && !(g.dec.writable & VAULT_CLASS_GENERAL))
		st = vault__err(v, VAULT_ERR_DENIED, "no write right on the general class");
	if (st == VAULT_OK && g.cs.kind != VAULT_CASE_VICTIM)
		st = vault__err(v, VAULT_ERR_INVALID,
		                "indicators describe victim cases; this is a perpetrator case");
	if (st == VAULT_OK)
		st = ind_read(v, case_id, &set, &found, &unopened);
	/* A stored set that does not open under the key its epoch's signed
	 * commitment names was written so by a writer the log found entitled,
	 * under her signature: it is replaced, and this entry says so, rather
	 * than freezing the case's indicators for good.  Under a key no
	 * commitment names (a case made before schema 7) it is refused, as
	 * the key itself may be what is wrong. */
	if (st == VAULT_ERR_CORRUPT && unopened && stored_epoch_committed(v, case_id)) {
		memset(&set, 0, sizeof set);
		g.ev.reason = "the stored indicators did not open: replaced";
		v->errmsg[0] = '\0';
		st = VAULT_OK;
	}
	if (st == VAULT_OK)
		st = load_row(v, case_id, &r);
	for (i = 0; st == VAULT_OK && i < n; i++)
		vault__ind_apply(&set, assignments[i], why, sizeof why);
	if (st == VAULT_OK) {
		if (r.found && r.version == UINT32_MAX)
			st = vault__err(v, VAULT_ERR_INVALID, "too many versions of the indicators");
		else
			st = ind_write(v, case_id, &set, r.found ? r.version + 1 : 1);
	}
	vault__wipe(&set, sizeof set);
	return vault__gate_close(&g, st);
}

vault_status vault_case_indicators_get(vault *v, const char *case_id, vault_buf *out)
{
	char text[IND_TEXT_MAX];
	ind_set set;
	int found = 0;
	size_t n = 0;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (out == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "out is NULL");
	out->data = NULL;
	out->len = 0;
	if (!vault__valid_id(case_id))
		return vault__err(v, VAULT_ERR_INVALID, "indicators: a case id is required");
	st = vault__gate_open(v, &g, "case.indicators.get", POLICY_READ, case_id, NULL,
	                      VAULT_CLASS_GENERAL, NULL, NULL);
	if (st == VAULT_OK && !(g.dec.readable & VAULT_CLASS_GENERAL))
		st = vault__err(v, VAULT_ERR_DENIED, "no read right on the general class");
	if (st == VAULT_OK)
		st = vault__ind_read(v, case_id, &set, &found);
	if (st == VAULT_OK)
		n = vault__ind_format(&set, text, sizeof text);
	vault__wipe(&set, sizeof set);
	/* Nothing leaves before its audit entry is committed. */
	st = vault__gate_close(&g, st);
	if (st == VAULT_OK && vault__buf_alloc(out, n) != VAULT_OK)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (st == VAULT_OK)
		memcpy(out->data, text, n);
	vault__wipe(text, sizeof text);
	return st;
}
