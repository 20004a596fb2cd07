/*
 * share.c - consent, grants, revocation, links and break-glass.
 *
 * A grant seals the class keys to its holder (every epoch, so the holder
 * reads the history); a revocation deletes the holder's seals and rotates
 * the classes, so what is written afterwards is under keys it never had.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "internal.h"

#define MAX_CONSENTS 64

typedef struct consent_set {
	policy_consent c[MAX_CONSENTS];
	char ids[MAX_CONSENTS][VAULT_ID_BUFSIZE];
	char orgs[MAX_CONSENTS][VAULT_NAME_MAX + 1];
	size_t n;
} consent_set;

/* The consent `only` of the case, for the decision; with none named, the
 * case's consents that could cover sharing `classes` with organisation
 * `org` at `now` (vault_policy_find_consent() asks the same), newest
 * first.  Those alone: the newest MAX_CONSENTS of all of them could be
 * withdrawn or another organisation's, and a live consent behind them
 * was not seen (the share refused). */
static vault_status load_consents(vault *v, const char *case_id, const char *only,
                                  const char *org, unsigned int classes, int64_t now,
                                  consent_set *cs)
{
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	cs->n = 0;
	st = vault__prepare(v, "SELECT id, org, classes, scope, given_at, expires, withdrawn"
	                       " FROM consents WHERE case_id = ?1 AND (?2 IS NOT NULL AND id = ?2"
	                       " OR ?2 IS NULL AND org = ?3 AND withdrawn = 0"
	                       " AND (expires = 0 OR expires > ?4) AND given_at <= ?4"
	                       " AND (scope & ?5) != 0 AND (classes & ?6) = ?6)"
	                       " ORDER BY created DESC, id", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, case_id);
	if (only)
		vault__bind_text(s, 2, only);
	else
		sqlite3_bind_null(s, 2);
	org ? (void)vault__bind_text(s, 3, org) : (void)sqlite3_bind_null(s, 3);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int(s, 5, (int)VAULT_SCOPE_SHARING);
	sqlite3_bind_int(s, 6, (int)classes);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && cs->n < MAX_CONSENTS) {
		size_t i = cs->n++;
		snprintf(cs->ids[i], VAULT_ID_BUFSIZE, "%s", (const char *)sqlite3_column_text(s, 0));
		snprintf(cs->orgs[i], VAULT_NAME_MAX + 1, "%s", (const char *)sqlite3_column_text(s, 1));
		cs->c[i].org = cs->orgs[i];
		cs->c[i].classes = (unsigned int)sqlite3_column_int(s, 2);
		cs->c[i].scope = (unsigned int)sqlite3_column_int(s, 3);
		cs->c[i].given_at = sqlite3_column_int64(s, 4);
		cs->c[i].expires = sqlite3_column_int64(s, 5);
		cs->c[i].withdrawn = sqlite3_column_int64(s, 6);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return vault__sql_status(v, rc, "consents");
	if (only && cs->n == 0)
		return vault__err(v, VAULT_ERR_NOT_FOUND, "no consent %s on this case", only);
	return VAULT_OK;
}

/* ---- consent --------------------------------------------------------------- */

struct consent_fill {
	vault_basis basis;
	const char *reason;
};

static void consent_fill(gate *g, void *ctx)
{
	struct consent_fill *f = ctx;

	g->req.basis = f->basis;
	g->req.reason = f->reason;
}

vault_status vault_consent_add(vault *v, const char *case_id,
                               const vault_consent_options *opts,
                               char out_id[VAULT_ID_BUFSIZE])
{
	vault_consent_options o;
	struct consent_fill f;
	unsigned char raw[16];
	char id[VAULT_ID_BUFSIZE];
	vault_org_kind kind;
	sqlite3_stmt *s;
	int64_t now = vault__now();
	unsigned char *sealed = NULL;
	char *sealed_reason = NULL;
	size_t sealed_len = 0;
	uint32_t sealed_epoch = 0;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (opts == NULL || out_id == NULL || opts->version == 0 ||
	    opts->version > VAULT_CONSENT_OPTIONS_VERSION)
		return vault__err(v, VAULT_ERR_INVALID, "consent options and out_id are required");
	out_id[0] = '\0';
	o = *opts;
	if (o.scope == 0)
		o.scope = VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING;
	if (o.basis == 0)
		o.basis = VAULT_BASIS_CONSENT;
	if (o.given_at == 0)
		o.given_at = now;
	if (!vault__valid_id(case_id) || !vault__valid_name(o.org) || o.classes == 0 ||
	    (o.classes & ~VAULT_CLASS_ALL) != 0 || (o.scope & ~7u) != 0 ||
	    !vault__valid_text(o.purpose, VAULT_TEXT_MAX, 0) ||
	    vault_basis_name(o.basis) == NULL ||
	    !vault__valid_text(o.reason, VAULT_TEXT_MAX, 1) || o.given_at > now + 300 ||
	    (o.expires != 0 && o.expires <= now))
		return vault__err(v, VAULT_ERR_INVALID,
		                  "consent: case id, organisation, classes, purpose are required;"
		                  " it cannot be given in the future or expire in the past");
	vault__random(raw, sizeof(raw));
	vault__hex(raw, sizeof(raw), id);
	f.basis = o.basis;
	f.reason = o.reason;
	st = vault__gate_open(v, &g, "consent.add", POLICY_CONSENT, case_id, o.org, o.classes,
	                      consent_fill, &f);
	/* Emergency bases are reviewed with their reason: sealed for the
	 * reviewers, as a break-glass reason is. */
	if (o.basis != VAULT_BASIS_CONSENT && o.reason && o.reason[0] && g.ev.reason == NULL &&
	    g.in_txn) {
		vault_status sst = vault__reason_seal(v, case_id, g.have_case ? g.cs.owner_org : "",
		                                      o.reason, &sealed_reason);
		if (sst == VAULT_OK)
			g.ev.reason = sealed_reason;
		else if (st == VAULT_OK)
			st = sst;
	}
	if (st == VAULT_OK)
		st = vault__org_kind_of(v, o.org, &kind, NULL);
	/* Purpose and reason are about her: sealed under the case's general
	 * class key, which those who list consents hold (freetext.c), once a
	 * holder whose grant lapsed no longer holds it (as for records:
	 * attack 70s). */
	if (st == VAULT_OK)
		st = vault__drop_lapsed_holders(v, case_id, VAULT_CLASS_GENERAL);
	if (st == VAULT_OK)
		st = vault__consent_seal(v, case_id, id, o.purpose, o.reason, &sealed_epoch,
		                         &sealed, &sealed_len);
	if (st == VAULT_OK)
		st = vault__prepare(v, "INSERT INTO consents(id, case_id, org, classes, scope,"
		                       " purpose, basis, reason, given_at, expires, withdrawn,"
		                       " recorded_by, created, sealed_epoch, sealed)"
		                       " VALUES(?1,?2,?3,?4,?5,'',?7,'',?9,?10,0,?11,?12,?13,?14)",
		                       &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, id);
		vault__bind_text(s, 2, case_id);
		vault__bind_text(s, 3, o.org);
		sqlite3_bind_int(s, 4, (int)o.classes);
		sqlite3_bind_int(s, 5, (int)o.scope);
		sqlite3_bind_int(s, 7, (int)o.basis);
		sqlite3_bind_int64(s, 13, sealed_epoch);
		sqlite3_bind_blob(s, 14, sealed, (int)sealed_len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 9, o.given_at);
		sqlite3_bind_int64(s, 10, o.expires);
		vault__bind_text(s, 11, v->user);
		sqlite3_bind_int64(s, 12, now);
		st = vault__sql_status(v, sqlite3_step(s), "consent");
		sqlite3_finalize(s);
	}
	free(sealed);
	st = vault__gate_close(&g, st);
	free(sealed_reason);
	if (st == VAULT_OK)
		memcpy(out_id, id, VAULT_ID_BUFSIZE);
	return st;
}

vault_status vault_consent_foreach(vault *v, const char *case_id, vault_consent_cb cb,
                                   void *ctx)
{
	rowbuf rb = {NULL, 0, 0, 0};
	sqlite3_stmt *s = NULL;
	char **text = NULL; /* purpose and reason of each row, opened */
	vault_status st;
	size_t r;
	int ret = 0;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (cb == NULL || !vault__valid_id(case_id))
		return vault__err(v, VAULT_ERR_INVALID, "case id and callback are required");
	st = vault__gate_open(v, &g, "consent.list", POLICY_META, case_id, NULL, 0, NULL, NULL);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT id, org, classes, scope, purpose, basis, reason,"
		                       " given_at, expires, withdrawn, recorded_by, sealed_epoch,"
		                       " sealed FROM consents WHERE case_id = ?1"
		                       " ORDER BY created, id", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, case_id);
		st = vault__rows_fetch(v, s, &rb);
	}
	sqlite3_finalize(s);
	if (st == VAULT_OK && rb.nrow > 0 && (text = calloc(2 * rb.nrow, sizeof(*text))) == NULL)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	/* Opened inside the operation: a sealed text that fails to open is
	 * recorded as the listing's failure.  A caller who holds no key of the
	 * general class (a share of other classes only) gets "" for both. */
	for (r = 0; st == VAULT_OK && r < rb.nrow; r++) {
		sqlite3_value *sv = rb.val[r * (size_t)rb.ncol + 12];
		if (sqlite3_value_type(sv) == SQLITE_NULL)
			continue; /* written by 1.x: in clear in its row */
		st = vault__consent_open(v, case_id, RB_TEXT(&rb, r, 0),
		                         (uint32_t)RB_INT64(&rb, r, 11), sqlite3_value_blob(sv),
		                         (size_t)sqlite3_value_bytes(sv), &text[2 * r],
		                         &text[2 * r + 1]);
		if (st == VAULT_ERR_DENIED)
			st = VAULT_OK;
	}
	/* The rows reach the caller only once the entry is committed. */
	st = vault__gate_close(&g, st);
	for (r = 0; st == VAULT_OK && ret == 0 && r < rb.nrow; r++) {
		vault_consent_info c;
		c.id = RB_TEXT(&rb, r, 0);
		c.case_id = case_id;
		c.org = RB_TEXT(&rb, r, 1);
		c.classes = (unsigned int)RB_INT(&rb, r, 2);
		c.scope = (unsigned int)RB_INT(&rb, r, 3);
		c.purpose = text[2 * r] ? text[2 * r] : RB_TEXT(&rb, r, 4);
		c.basis = (vault_basis)RB_INT(&rb, r, 5);
		c.reason = text[2 * r + 1] ? text[2 * r + 1] : RB_TEXT(&rb, r, 6);
		c.given_at = RB_INT64(&rb, r, 7);
		c.expires = RB_INT64(&rb, r, 8);
		c.withdrawn = RB_INT64(&rb, r, 9);
		c.recorded_by = RB_TEXT(&rb, r, 10);
		ret = cb(&c, ctx);
	}
	for (r = 0; text != NULL && r < 2 * rb.nrow; r++) {
		if (text[r] != NULL)
			vault__wipe(text[r], strlen(text[r]));
		free(text[r]);
	}
	free(text);
	vault__rows_free(&rb);
	return st == VAULT_OK && ret != 0 ? (vault_status)ret : st;
}

/* After grants were revoked: a principal that holds nothing more loses its
 * seals, and the classes those grants covered get new keys. */
static vault_status after_revoke(vault *v, const char *case_id, int pkind,
                                 const char *principal, unsigned int classes, int rotate)
{
	sqlite3_stmt *s;
	vault_status st;
	unsigned int c, keep = 0;
	int rc;

	/* The classes the principal still holds by another live grant. */
	st = vault__prepare(v, "SELECT classes FROM grants WHERE case_id = ?1 AND pkind = ?2 AND"
	                       " principal = ?3 AND revoked = 0", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, pkind);
	vault__bind_text(s, 3, principal);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		keep |= (unsigned int)sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return vault__sql_status(v, rc, "grants"); /* not "no grant left" */
	/* Every seal of a class it no longer holds goes, old epochs included:
	 * a copy of the database made afterwards opens none of them. */
	st = vault__prepare(v, "DELETE FROM class_keys WHERE case_id = ?1 AND hkind = ?2"
	                       " AND holder = ?3 AND (class & ?4) = 0", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, pkind == VAULT_PRINCIPAL_ORG ? HOLDER_ORG : HOLDER_USER);
	vault__bind_text(s, 3, principal);
	sqlite3_bind_int(s, 4, (int)keep);
	st = vault__sql_status(v, sqlite3_step(s), "revoke keys");
	sqlite3_finalize(s);
	/* New keys now only when the replay lets this revoker make them: a
	 * member of the owning organisation (facts.c, revokes_class).  Anyone
	 * else, a sharer of one class, may not make a key of a class she does
	 * not read (attack 10c): her entry would be refused by every replay
	 * (attacks 70l, 70q).  Then the next write to each class rotates it
	 * first, since a grant covering it was revoked after its key was
	 * made (cases.c, lapsed_since_epoch): nothing new is written under a
	 * key the revoked principal held. */
	for (c = VAULT_CLASS_GENERAL; rotate && c <= VAULT_CLASS_SAFETY && st == VAULT_OK; c <<= 1)
		if (classes & c)
			st = vault__class_rotate(v, case_id, c);
	return st;
}

/* Does the gate's actor belong to the organisation that owns its case, one
 * whose keys are its own (it makes the new class keys of a revocation)?
 * An owning centre owing keys revokes without them: the next write under
 * each class rotates it, a grant covering it having been revoked after its
 * key was made; a withdrawal refused until its supervisor opened left the
 * grantee reading (attack 160c). */
static int owner_member(vault *v, const gate *g)
{
	int keys;

	if (!g->have_case || v->org[0] == '\0' || strcmp(g->cs.owner_org, v->org) != 0)
		return 0;
	keys = vault__facts_org_keys(v, v->org);
	return keys == ORG_KEYS_OWN ||
	       (keys == ORG_KEYS_FIRST && vault__facts_org_legacy(v, v->org));
}

/* Revoke the live grants matching (case, principal[, consent]), with new
 * keys of what they covered when `rotate` (after_revoke); *classes
 * gets the union of what they covered, *n how many there were. */
static vault_status revoke_grants(vault *v, const char *case_id, int pkind,
                                  const char *principal, const char *consent_id, int rotate,
                                  unsigned int *classes, int *n)
{
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	*classes = 0;
	*n = 0;
	st = vault__prepare(v, "SELECT classes FROM grants WHERE case_id = ?1 AND pkind = ?2"
	                       " AND principal = ?3 AND revoked = 0 AND owner = 0"
	                       " AND (?4 IS NULL OR consent_id = ?4)", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, pkind);
	vault__bind_text(s, 3, principal);
	consent_id ? (void)vault__bind_text(s, 4, consent_id) : (void)sqlite3_bind_null(s, 4);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*classes |= (unsigned int)sqlite3_column_int(s, 0);
		(*n)++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return vault__sql_status(v, rc, "grants");
	st = vault__prepare(v, "UPDATE grants SET revoked = 1 WHERE case_id = ?1 AND pkind = ?2"
	                       " AND principal = ?3 AND revoked = 0 AND owner = 0"
	                       " AND (?4 IS NULL OR consent_id = ?4)", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, pkind);
	vault__bind_text(s, 3, principal);
	consent_id ? (void)vault__bind_text(s, 4, consent_id) : (void)sqlite3_bind_null(s, 4);
	st = vault__sql_status(v, sqlite3_step(s), "revoke");
	sqlite3_finalize(s);
	if (st == VAULT_OK && *n > 0)
		st = after_revoke(v, case_id, pkind, principal, *classes, rotate);
	return st;
}

/* Is column i of s the text want (and text)? */
static int col_is(sqlite3_stmt *s, int i, const char *want)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return sqlite3_column_type(s, i) == SQLITE_TEXT && t != NULL &&
	       strcmp((const char *)t, want) == 0;
}

vault_status vault_consent_withdraw(vault *v, const char *consent_id)
{
	char case_id[VAULT_ID_BUFSIZE];
	sqlite3_stmt *s, *gs = NULL;
	struct consent_fill f = {VAULT_BASIS_CONSENT, NULL};
	vault_status st;
	int rc, withdrawn = 0, found = 0;
	int64_t rowid = 0;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (!vault__valid_id(consent_id))
		return vault__err(v, VAULT_ERR_INVALID, "a consent id is %d hex digits", VAULT_ID_LEN);
	st = vault__txn_begin(v);
	if (st != VAULT_OK)
		return st;
	/* Found by reading the table, never through its index on id, and
	 * changed by rowid: rewritten index pages cannot turn a withdrawal of
	 * one consent into another's (facts.c reads that index against the
	 * table too).  NOT INDEXED alone does not do it: SQLite 3.15 still
	 * answers "unique column = ?" through its index; "+id" is a term no
	 * index can serve.  Two rows with one id are not the library's. */
	st = vault__prepare(v, "SELECT rowid, case_id FROM consents NOT INDEXED"
	                       " WHERE +id = ?1", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, consent_id);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW && ++found == 1) {
			rowid = sqlite3_column_int64(s, 0);
			snprintf(case_id, sizeof(case_id), "%s", (const char *)sqlite3_column_text(s, 1));
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			st = vault__sql_status(v, rc, "consent");
		else if (found > 1)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "two consents have the id %s (written"
			                " around the library)", consent_id);
		else if (found == 0)
			st = vault__err(v, VAULT_ERR_NOT_FOUND, "no consent %s", consent_id);
		sqlite3_finalize(s);
	}
	vault__txn_end(v, 1);
	if (st != VAULT_OK)
		return st;
	VAULT_CRASH_POINT("consent.withdraw.found"); /* tests: rows change here */
	st = vault__gate_open(v, &g, "consent.withdraw", POLICY_CONSENT, case_id, consent_id,
	                      0, consent_fill, &f);
	/* Again inside the gate's transaction, whose case rows are checked
	 * now: the row may have changed since the lookup. */
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT id, case_id, withdrawn FROM consents WHERE rowid = ?1",
		                    &s);
	if (st == VAULT_OK) {
		sqlite3_bind_int64(s, 1, rowid);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && (!col_is(s, 0, consent_id) || !col_is(s, 1, case_id)))
			st = vault__err(v, VAULT_ERR_INTEGRITY, "consent %s moved while it was being"
			                " withdrawn (written around the library)", consent_id);
		else if (rc == SQLITE_ROW)
			withdrawn = sqlite3_column_int64(s, 2) != 0;
		else
			st = rc == SQLITE_DONE ? vault__err(v, VAULT_ERR_NOT_FOUND, "no consent %s",
			                                    consent_id)
			                       : vault__sql_status(v, rc, "consent");
		sqlite3_finalize(s);
	}
	if (st == VAULT_OK && withdrawn)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "consent %s is already withdrawn", consent_id);
	if (st == VAULT_OK)
		st = vault__prepare(v, "UPDATE consents SET withdrawn = ?2 WHERE rowid = ?1", &s);
	if (st == VAULT_OK) {
		sqlite3_bind_int64(s, 1, rowid);
		sqlite3_bind_int64(s, 2, vault__now());
		st = vault__sql_status(v, sqlite3_step(s), "consent");
		sqlite3_finalize(s);
	}
	/* The grants that rested on it go, with new keys: in batches, until
	 * none is left, however many principals there are. */
	while (st == VAULT_OK) {
		struct { int pkind; char p[VAULT_NAME_MAX + 1]; } list[GATE_MAX_GRANTS];
		size_t n = 0, i;
		int done = 0;

		/* The consent's own case only, whose rows the gate checked: a
		 * grant planted in another case on this consent would never be
		 * revoked here, and the loop would refuse the withdrawal. */
		st = vault__prepare(v, "SELECT DISTINCT pkind, principal FROM grants WHERE"
		                       " consent_id = ?1 AND case_id = ?3 AND revoked = 0 LIMIT ?2",
		                    &gs);
		if (st != VAULT_OK)
			break;
		vault__bind_text(gs, 1, consent_id);
		sqlite3_bind_int(gs, 2, GATE_MAX_GRANTS);
		vault__bind_text(gs, 3, case_id);
		while (n < GATE_MAX_GRANTS && (rc = sqlite3_step(gs)) == SQLITE_ROW) {
			list[n].pkind = sqlite3_column_int(gs, 0);
			snprintf(list[n].p, sizeof(list[n].p), "%s", (const char *)sqlite3_column_text(gs, 1));
			n++;
		}
		if (n < GATE_MAX_GRANTS && rc != SQLITE_DONE)
			st = vault__sql_status(v, rc, "grants");
		sqlite3_finalize(gs);
		if (st != VAULT_OK || n == 0)
			break;
		for (i = 0; i < n && st == VAULT_OK; i++) {
			unsigned int cls;
			int cnt;
			st = revoke_grants(v, case_id, list[i].pkind, list[i].p, consent_id,
			                   owner_member(v, &g), &cls, &cnt);
			done += cnt;
		}
		/* Every pass must revoke something, or it would never end. */
		if (st == VAULT_OK && done == 0)
			st = vault__err(v, VAULT_ERR_CORRUPT, "grants on a consent cannot be revoked");
	}
	return vault__gate_close(&g, st);
}

/* A restricted case is orphaned when neither its owning organisation nor
 * any enabled member of it holds a live grant on it: its holder left (a
 * disabled user's grants are revoked), and only break-glass reaches it. */
static vault_status restricted_orphaned(vault *v, const case_row *cs, int64_t now,
                                        int *orphaned)
{
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	*orphaned = 0;
	st = vault__prepare(v, "SELECT 1 FROM grants g WHERE g.case_id = ?1 AND g.revoked = 0"
	                       " AND (g.expires = 0 OR g.expires > ?2) AND ((g.pkind = 1 AND"
	                       " g.principal = ?3) OR (g.pkind = 2 AND EXISTS (SELECT 1 FROM"
	                       " users u WHERE u.name = g.principal AND u.disabled = 0 AND"
	                       " u.org = ?3))) LIMIT 1", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, cs->id);
	sqlite3_bind_int64(s, 2, now);
	vault__bind_text(s, 3, cs->owner_org);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		*orphaned = 1;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? VAULT_OK : vault__sql_status(v, rc, "grants");
}

/* "general,safety" for messages (never for the audit log's fixed reasons). */
static const char *classes_text(unsigned int classes, char buf[40])
{
	size_t n = 0;
	unsigned int c;

	buf[0] = '\0';
	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1)
		if (classes & c)
			n += (size_t)snprintf(buf + n, 40 - n, "%s%s", n ? "," : "",
			                      vault_class_name((vault_class)c));
	return buf;
}

/* The live grants the principal already holds on the case resting on
 * `consent` (NULL: on none), not the owner's hold: their rowids (at most
 * GATE_MAX_GRANTS) and the classes they cover. */
struct held {
	sqlite3_int64 id[GATE_MAX_GRANTS];
	size_t n;
	unsigned int classes;
};

static vault_status held_grants(vault *v, const char *case_id, vault_principal_kind kind,
                                const char *principal, const char *consent, struct held *h)
{
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	h->n = 0;
	h->classes = 0;
	st = vault__prepare(v, "SELECT id, classes FROM grants WHERE case_id = ?1 AND pkind = ?2"
	                       " AND principal = ?3 AND revoked = 0 AND owner = 0"
	                       " AND (expires = 0 OR expires > ?4) AND consent_id IS ?5"
	                       " ORDER BY id", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, (int)kind);
	vault__bind_text(s, 3, principal);
	sqlite3_bind_int64(s, 4, vault__now());
	consent ? (void)vault__bind_text(s, 5, consent) : (void)sqlite3_bind_null(s, 5);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		h->classes |= (unsigned int)sqlite3_column_int(s, 1);
		if (h->n < GATE_MAX_GRANTS)
			h->id[h->n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? VAULT_OK : vault__sql_status(v, rc, "grants");
}

/* ---- grants ------------------------------------------------------------------ */

struct share_fill {
	vault_principal_kind kind;
	const char *principal;
	const char *consent_id;
	user_row u;
	vault_org_kind org_kind;
	consent_set cs;
	struct held held;
};

static void share_fill(gate *g, void *ctx)
{
	struct share_fill *f = ctx;
	vault *v = g->v;
	vault_status st;

	g->req.target_kind = f->kind;
	g->req.target = f->principal;
	if (f->kind == VAULT_PRINCIPAL_ORG) {
		st = vault__org_kind_of(v, f->principal, &f->org_kind, NULL);
		g->req.target_org = f->principal;
		g->req.target_org_kind = f->org_kind;
	} else {
		st = vault__user_load(v, f->principal, &f->u);
		if (st == VAULT_OK && f->u.disabled)
			st = vault__err(v, VAULT_ERR_NOT_FOUND, "user %s is disabled", f->principal);
		g->req.target_org = f->u.org[0] ? f->u.org : NULL;
		g->req.target_org_kind = f->u.org_kind;
		g->req.target_role = f->u.role;
	}
	if (st == VAULT_OK && g->req.action == POLICY_SHARE) {
		st = load_consents(v, g->cs.id, f->consent_id, g->req.target_org, g->req.classes,
		                   g->req.now, &f->cs);
		g->req.consents = f->cs.c;
		g->req.nconsents = f->cs.n;
	}
	if (st == VAULT_OK && g->req.action == POLICY_SHARE && g->cs.restricted)
		/* at the time of the decision, which the entry carries and the
		 * replay judges it at (attack 90c) */
		st = restricted_orphaned(v, &g->cs, g->req.now, &g->req.orphaned);
	if (st == VAULT_ERR_NOT_FOUND) {
		/* An unknown target is the caller's mistake, not a reason to
		 * reveal the case: decide META, then say "not found". */
		g->fill_status = st;
	} else if (st != VAULT_OK) {
		g->fill_status = st;
	}
}

vault_status vault_share(vault *v, const char *case_id, vault_principal_kind kind,
                         const char *principal, unsigned int classes,
                         const vault_share_options *opts)
{
	vault_share_options o = VAULT_SHARE_OPTIONS_INIT;
	struct share_fill *f = NULL;
	const char *consent = NULL;
	int64_t expires;
	sqlite3_stmt *s;
	unsigned int c;
	vault_status st;
	size_t i;
	int ci;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (opts != NULL) {
		if (opts->version == 0 || opts->version > VAULT_SHARE_OPTIONS_VERSION)
			return vault__err(v, VAULT_ERR_INVALID, "unknown options version");
		o = *opts;
	}
	if (o.perm == 0)
		o.perm = VAULT_PERM_READ;
	if (!vault__valid_id(case_id) || !vault__valid_name(principal) ||
	    (kind != VAULT_PRINCIPAL_ORG && kind != VAULT_PRINCIPAL_USER) || classes == 0 ||
	    (classes & ~VAULT_CLASS_ALL) != 0 || vault_perm_name(o.perm) == NULL ||
	    (o.consent_id != NULL && !vault__valid_id(o.consent_id)) || o.expires < 0 ||
	    (o.expires != 0 && o.expires <= vault__now()))
		return vault__err(v, VAULT_ERR_INVALID,
		                  "share: case id, principal kind and name, classes and a valid"
		                  " permission are required; expiry must be in the future");
	f = vault__calloc(1, sizeof(*f));
	if (f == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	f->kind = kind;
	f->principal = principal;
	f->consent_id = o.consent_id;
	st = vault__gate_open(v, &g, "share", POLICY_SHARE, case_id, principal, classes,
	                      share_fill, f);
	if (st == VAULT_ERR_CONSENT) {
		/* The audit entry keeps the fixed reason; the caller is told
		 * which organisation and classes, and what to do. */
		char cl[40];

		if (kind == VAULT_PRINCIPAL_ORG)
			st = vault__err(v, st, "no valid consent covers sharing %s with"
			                " organisation %s: record her consent first",
			                classes_text(classes, cl), principal);
		else
			st = vault__err(v, st, "no valid consent covers sharing %s with user %s"
			                " of organisation %s: record her consent first",
			                classes_text(classes, cl), principal,
			                g.req.target_org ? g.req.target_org : "(none)");
	}
	if (st != VAULT_OK)
		goto done;
	expires = o.expires;
	ci = vault_policy_find_consent(f->cs.c, f->cs.n, g.req.target_org, classes, g.req.now);
	/* Victim cases leaving their organisation rest on a consent, and
	 * never outlive it. */
	if (g.cs.kind == VAULT_CASE_VICTIM && ci >= 0 &&
	    (g.req.target_org == NULL || strcmp(g.req.target_org, g.cs.owner_org) != 0)) {
		consent = f->cs.ids[ci];
		if (f->cs.c[ci].expires != 0 && (expires == 0 || expires > f->cs.c[ci].expires))
			expires = f->cs.c[ci].expires;
	}
	/* Nor the sharer's own share right: what she passes on, or gives
	 * herself again, ends when her right to pass it on does (attack
	 * 110d).  A hand-over (no share right, policy.c) is not bound. */
	{
		int64_t until = vault_policy_share_until(&g.req, classes);

		if (until >= 0 && until != INT64_MAX && (expires == 0 || expires > until))
			expires = until;
	}
	/* One grant per holder and consent: sharing again with a principal
	 * that holds the case on the same consent (or, inside the owning
	 * organisation and for perpetrator cases, on none) replaces that
	 * grant (right, classes, expiry).  Grants on different consents stay
	 * apart, so withdrawing one takes back what rested on it.  The new
	 * grant must name at least the classes held, so that nothing is taken
	 * back silently: that is vault_revoke(), which rotates the keys. */
	st = held_grants(v, case_id, kind, principal, consent, &f->held);
	if (st == VAULT_OK && (f->held.classes & ~classes) != 0) {
		char cl[40];
		st = vault__err(v, VAULT_ERR_INVALID, "%s already holds %s of this case: name"
		                " at least those classes to change its grant, or revoke it first",
		                principal, classes_text(f->held.classes, cl));
	}
	if (st == VAULT_OK && f->held.n > 0)
		st = vault__prepare(v, "UPDATE grants SET classes = ?2, perm = ?3, consent_id = ?4,"
		                       " expires = ?5, granted_by = ?6, created = ?7 WHERE id = ?1", &s);
	else if (st == VAULT_OK)
		st = vault__prepare(v, "INSERT INTO grants(case_id, pkind, principal, classes, perm,"
		                       " consent_id, expires, granted_by, created, revoked, owner)"
		                       " VALUES(?8, ?9, ?10, ?2, ?3, ?4, ?5, ?6, ?7, 0, 0)", &s);
	if (st == VAULT_OK) {
		if (f->held.n > 0)
			sqlite3_bind_int64(s, 1, f->held.id[0]);
		sqlite3_bind_int(s, 2, (int)classes);
		sqlite3_bind_int(s, 3, (int)o.perm);
		consent ? (void)vault__bind_text(s, 4, consent) : (void)sqlite3_bind_null(s, 4);
		sqlite3_bind_int64(s, 5, expires);
		vault__bind_text(s, 6, v->user);
		sqlite3_bind_int64(s, 7, vault__now());
		if (f->held.n == 0) {
			vault__bind_text(s, 8, case_id);
			sqlite3_bind_int(s, 9, (int)kind);
			vault__bind_text(s, 10, principal);
		}
		st = vault__sql_status(v, sqlite3_step(s), "grant");
		sqlite3_finalize(s);
	}
	/* Rows a vault written before 1.1 may hold twice are folded into the
	 * one kept: they cover nothing it does not (checked above), so no key
	 * changes hands. */
	for (i = 1; st == VAULT_OK && i < f->held.n; i++) {
		st = vault__prepare(v, "UPDATE grants SET revoked = 1 WHERE id = ?1", &s);
		if (st == VAULT_OK) {
			sqlite3_bind_int64(s, 1, f->held.id[i]);
			st = vault__sql_status(v, sqlite3_step(s), "grant");
			sqlite3_finalize(s);
		}
	}
	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY && st == VAULT_OK; c <<= 1)
		if (classes & c)
			st = vault__class_seal_all(v, case_id, c,
			                           kind == VAULT_PRINCIPAL_ORG ? HOLDER_ORG : HOLDER_USER,
			                           principal);
done:
	st = vault__gate_close(&g, st);
	free(f);
	return st;
}

vault_status vault_revoke(vault *v, const char *case_id, vault_principal_kind kind,
                          const char *principal)
{
	struct share_fill *f;
	unsigned int classes;
	vault_status st;
	int n = 0;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (!vault__valid_id(case_id) || !vault__valid_name(principal) ||
	    (kind != VAULT_PRINCIPAL_ORG && kind != VAULT_PRINCIPAL_USER))
		return vault__err(v, VAULT_ERR_INVALID, "revoke: case id, principal kind and name");
	f = vault__calloc(1, sizeof(*f));
	if (f == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	f->kind = kind;
	f->principal = principal;
	st = vault__gate_open(v, &g, "revoke", POLICY_REVOKE, case_id, principal, 0,
	                      share_fill, f);
	if (st == VAULT_OK)
		st = revoke_grants(v, case_id, (int)kind, principal, NULL, owner_member(v, &g),
		                   &classes, &n);
	if (st == VAULT_OK && n == 0)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "%s holds no revocable grant on this case",
		                principal);
	st = vault__gate_close(&g, st);
	free(f);
	return st;
}

vault_status vault_grant_foreach(vault *v, const char *case_id, vault_grant_cb cb, void *ctx)
{
	rowbuf rb = {NULL, 0, 0, 0};
	sqlite3_stmt *s = NULL;
	vault_status st;
	size_t r;
	int ret = 0;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (cb == NULL || !vault__valid_id(case_id))
		return vault__err(v, VAULT_ERR_INVALID, "case id and callback are required");
	/* Who holds a case is for those who may share it: the policy's
	 * CONSENT rule is exactly "share right on some class". */
	st = vault__gate_open(v, &g, "grant.list", POLICY_CONSENT, case_id, NULL, 0, NULL, NULL);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT pkind, principal, classes, perm, consent_id, expires,"
		                       " granted_by, created FROM grants WHERE case_id = ?1 AND"
		                       " revoked = 0 AND (expires = 0 OR expires > ?2) ORDER BY id", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, case_id);
		sqlite3_bind_int64(s, 2, vault__now());
		st = vault__rows_fetch(v, s, &rb);
	}
	sqlite3_finalize(s);
	st = vault__gate_close(&g, st);
	for (r = 0; st == VAULT_OK && ret == 0 && r < rb.nrow; r++) {
		vault_grant_info gi;
		gi.case_id = case_id;
		gi.kind = (vault_principal_kind)RB_INT(&rb, r, 0);
		gi.principal = RB_TEXT(&rb, r, 1);
		gi.classes = (unsigned int)RB_INT(&rb, r, 2);
		gi.perm = (vault_perm)RB_INT(&rb, r, 3);
		gi.consent_id = RB_TEXT(&rb, r, 4);
		gi.expires = RB_INT64(&rb, r, 5);
		gi.granted_by = RB_TEXT(&rb, r, 6);
		gi.created = RB_INT64(&rb, r, 7);
		ret = cb(&gi, ctx);
	}
	vault__rows_free(&rb);
	return st == VAULT_OK && ret != 0 ? (vault_status)ret : st;
}

/* ---- links ------------------------------------------------------------------- */

static size_t link_ad(unsigned char *ad, const char *victim, uint32_t epoch)
{
	static const char dom[] = "libvault-link-v1";
	size_t n = 0;

	memcpy(ad, dom, sizeof(dom));
	n += sizeof(dom);
	memcpy(ad + n, victim, VAULT_ID_LEN);
	n += VAULT_ID_LEN;
	ad[n++] = (unsigned char)(epoch >> 24);
	ad[n++] = (unsigned char)(epoch >> 16);
	ad[n++] = (unsigned char)(epoch >> 8);
	ad[n++] = (unsigned char)epoch;
	return n;
}

vault_status vault_case_link(vault *v, const char *victim, const char *perp)
{
	unsigned char ad[64], nonce[VAULT_AEAD_NONCE_BYTES];
	unsigned char ct[VAULT_ID_LEN + VAULT_AEAD_TAG_BYTES];
	unsigned char *key = NULL;
	case_row pc;
	sqlite3_stmt *s;
	uint32_t epoch;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (!vault__valid_id(victim) || !vault__valid_id(perp))
		return vault__err(v, VAULT_ERR_INVALID, "two case ids are required");
	/* The audit entry names the victim case only: the link itself is
	 * never written in clear, not even in the log. */
	st = vault__gate_open(v, &g, "case.link", POLICY_WRITE, victim, NULL,
	                      VAULT_CLASS_SAFETY, NULL, NULL);
	if (st == VAULT_OK && g.cs.kind != VAULT_CASE_VICTIM)
		st = vault__err(v, VAULT_ERR_INVALID, "the first case must be a victim case");
	/* The other case's row is believed only as the signed log holds it:
	 * the replay, which cannot read the link, judges the victim case. */
	if (st == VAULT_OK)
		st = vault__facts_check_case(v, perp);
	if (st == VAULT_OK) {
		st = vault__case_load(v, perp, &pc);
		if (st == VAULT_OK && pc.kind != VAULT_CASE_PERPETRATOR)
			st = vault__err(v, VAULT_ERR_INVALID, "the second case must be a perpetrator case");
	}
	/* As for records: a holder whose grant lapsed must not read what is
	 * written now. */
	if (st == VAULT_OK)
		st = vault__drop_lapsed_holders(v, victim, VAULT_CLASS_SAFETY);
	if (st == VAULT_OK)
		st = vault__class_epoch(v, victim, VAULT_CLASS_SAFETY, &epoch);
	if (st == VAULT_OK) {
		key = vault__secure_alloc(32);
		st = key ? vault__class_key(v, victim, VAULT_CLASS_SAFETY, epoch, key)
		         : vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	if (st == VAULT_OK) {
		size_t adlen = link_ad(ad, victim, epoch);
		vault__random(nonce, sizeof(nonce));
		vault__aead_seal(ct, (const unsigned char *)perp, VAULT_ID_LEN, ad, adlen, nonce, key);
		st = vault__prepare(v, "INSERT INTO links(victim_case, epoch, nonce, ct)"
		                       " VALUES(?1, ?2, ?3, ?4)", &s);
	}
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, victim);
		sqlite3_bind_int64(s, 2, epoch);
		sqlite3_bind_blob(s, 3, nonce, sizeof(nonce), SQLITE_STATIC);
		sqlite3_bind_blob(s, 4, ct, sizeof(ct), SQLITE_STATIC);
		st = vault__sql_status(v, sqlite3_step(s), "link");
		sqlite3_finalize(s);
	}
	vault__secure_free(key);
	return vault__gate_close(&g, st);
}

vault_status vault_case_links(vault *v, const char *victim, vault_link_cb cb, void *ctx)
{
	unsigned char *key = NULL;
	sqlite3_stmt *s = NULL;
	char (*ids)[VAULT_ID_BUFSIZE] = NULL;
	size_t n = 0, cap = 0, i;
	vault_status st;
	int rc, ret = 0;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (cb == NULL || !vault__valid_id(victim))
		return vault__err(v, VAULT_ERR_INVALID, "case id and callback are required");
	st = vault__gate_open(v, &g, "case.links", POLICY_READ, victim, NULL,
	                      VAULT_CLASS_SAFETY, NULL, NULL);
	if (st == VAULT_OK) {
		key = vault__secure_alloc(32);
		if (key == NULL)
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	/* Every link: a listing cut at some count hid the rest without an
	 * error (256 links planted by a writer of safety: attack 70r). */
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT epoch, nonce, ct FROM links WHERE victim_case = ?1"
		                       " ORDER BY rowid", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, victim);
		while (st == VAULT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			uint32_t epoch = (uint32_t)sqlite3_column_int64(s, 0);
			unsigned char ad[64];
			size_t adlen = link_ad(ad, victim, epoch);
			if (sqlite3_column_bytes(s, 1) != VAULT_AEAD_NONCE_BYTES ||
			    sqlite3_column_bytes(s, 2) != VAULT_ID_LEN + VAULT_AEAD_TAG_BYTES) {
				st = vault__err(v, VAULT_ERR_CORRUPT, "a link is malformed");
				break;
			}
			if (n == cap) {
				size_t nc = cap ? 2 * cap : 16;
				char (*more)[VAULT_ID_BUFSIZE] = vault__calloc(nc, sizeof(*more));

				if (more == NULL) {
					st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
					break;
				}
				if (ids != NULL) {
					memcpy(more, ids, n * sizeof(*ids));
					vault__wipe(ids, cap * sizeof(*ids));
					free(ids);
				}
				ids = more;
				cap = nc;
			}
			/* A link that does not open (written around the library,
			 * under her signature, by someone the log found entitled to
			 * link, or under a key she never sealed to the reader) is
			 * listed as "": refused, it froze every listing of the
			 * case's links for good (attack 110c). */
			st = vault__class_key(v, victim, VAULT_CLASS_SAFETY, epoch, key);
			if (st == VAULT_ERR_DENIED) {
				st = VAULT_OK;
				v->errmsg[0] = '\0';
				memset(ids[n], 0, sizeof(ids[n]));
			} else if (st == VAULT_OK &&
			           vault__aead_open((unsigned char *)ids[n],
			                            sqlite3_column_blob(s, 2),
			                            (size_t)sqlite3_column_bytes(s, 2), ad, adlen,
			                            sqlite3_column_blob(s, 1), key) != 0) {
				memset(ids[n], 0, sizeof(ids[n]));
			}
			if (st == VAULT_OK) {
				ids[n][VAULT_ID_LEN] = '\0';
				if (ids[n][0] != '\0' && !vault__valid_id(ids[n]))
					memset(ids[n], 0, sizeof(ids[n]));
				n++;
			}
		}
		sqlite3_finalize(s);
	}
	vault__secure_free(key);
	st = vault__gate_close(&g, st);
	for (i = 0; st == VAULT_OK && ret == 0 && i < n; i++)
		ret = cb(ids[i], ctx);
	if (ids != NULL)
		vault__wipe(ids, cap * sizeof(*ids)); /* decrypted under the safety key */
	free(ids);
	return st == VAULT_OK && ret != 0 ? (vault_status)ret : st;
}

/* ---- break-glass --------------------------------------------------------------- */

static void bg_fill(gate *g, void *ctx)
{
	g->req.reason = ctx;
}

vault_status vault_break_glass(vault *v, const char *case_id, const char *reason,
                               int64_t duration_s)
{
	sqlite3_stmt *s;
	char *sealed = NULL;
	vault_status st, sst;
	int64_t now = vault__now();
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (duration_s == 0)
		duration_s = VAULT_BREAK_GLASS_DEFAULT_S;
	/* An empty or short reason is a refused attempt, decided and recorded
	 * for review like any other; only a missing one is a caller's error. */
	if (!vault__valid_id(case_id) || reason == NULL ||
	    !vault__valid_text(reason, VAULT_TEXT_MAX, 1) ||
	    duration_s < 0 || duration_s > VAULT_BREAK_GLASS_MAX_S)
		return vault__err(v, VAULT_ERR_INVALID,
		                  "break-glass: case id, a written reason and a duration of at"
		                  " most %d hours are required", VAULT_BREAK_GLASS_MAX_S / 3600);
	st = vault__gate_open(v, &g, "break-glass", POLICY_BREAK_GLASS, case_id, NULL,
	                      VAULT_CLASS_ALL, bg_fill, (void *)reason);
	/* The written reason is what reviewers read, and what may name her:
	 * sealed for them (the auditors, the owning organisation). */
	if (g.ev.reason == NULL && g.in_txn) {
		sst = vault__reason_seal(v, case_id, g.have_case ? g.cs.owner_org : "", reason,
		                         &sealed);
		if (sst == VAULT_OK)
			g.ev.reason = sealed;
		else if (st == VAULT_OK)
			st = sst;
	}
	g.ev.high = 1;
	if (st == VAULT_OK)
		st = vault__prepare(v, "INSERT INTO breakglass(case_id, user, until, reason, created)"
		                       " VALUES(?1, ?2, ?3, ?4, ?5)", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, case_id);
		vault__bind_text(s, 2, v->user);
		sqlite3_bind_int64(s, 3, now + duration_s);
		vault__bind_text(s, 4, sealed);
		sqlite3_bind_int64(s, 5, now);
		st = vault__sql_status(v, sqlite3_step(s), "break-glass");
		sqlite3_finalize(s);
	}
	st = vault__gate_close(&g, st);
	free(sealed);
	return st;
}
