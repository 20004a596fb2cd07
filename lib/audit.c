/*
 * audit.c - the audit log in the vault: append and sign, query, export,
 * checkpoint, verify.  The format and the verification rules themselves
 * are in audit_entry.c, audit_verify.c, audit_export.c and
 * audit_checkpoint.c (audit_chain.h), shared with offline verification.
 *
 * Signing: entries are chained by hash as they are appended; before each
 * commit the last entry of the transaction is signed by the actor.  All
 * entries of a transaction are the actor's (the write lock is held), and
 * each hash covers the one before, so that one signature covers them all.
 * SECURITY.md gives the argument and the benchmark that chose it.
 *
 * Every append also stores the entry's hashes in the RFC 6962 Merkle tree
 * (audit_tree.c); checkpoints sign the tree's root, and the proofs, verifier
 * keys and cosignatures of the verifiable log are at the end of this file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "audit_chain.h"
#include "facts.h"
#include "internal.h"

/* A statement that could not be prepared: out of memory, or worse. */
static vault_status prepare_failed(vault *v, const char *what)
{
	int rc = sqlite3_errcode(v->db);

	return vault__sql_status(v, rc == SQLITE_OK ? SQLITE_ERROR : rc, what);
}

vault_outcome vault__outcome_of(vault_status st)
{
	if (st == VAULT_OK)
		return VAULT_OUTCOME_OK;
	if (st == VAULT_ERR_DENIED || st == VAULT_ERR_CONSENT || st == VAULT_ERR_PASSWD_EXPIRED)
		return VAULT_OUTCOME_DENIED;
	return VAULT_OUTCOME_ERROR;
}

static void class_text(unsigned int classes, char *out, size_t cap)
{
	unsigned int c;

	out[0] = '\0';
	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1) {
		if (!(classes & c))
			continue;
		if (out[0] != '\0')
			strncat(out, ",", cap - strlen(out) - 1);
		strncat(out, vault_class_name((vault_class)c), cap - strlen(out) - 1);
	}
}

static vault_status load_head(vault *v)
{
	sqlite3_stmt *s = vault__stmt(v, ST_AUDIT_HEAD);
	int rc;

	if (s == NULL)
		return prepare_failed(v, "prepare");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 1) != 32) {
			sqlite3_reset(s);
			return vault__err(v, VAULT_ERR_CORRUPT, "audit head is malformed");
		}
		v->head_seq = (uint64_t)sqlite3_column_int64(s, 0);
		memcpy(v->head_hash, sqlite3_column_blob(s, 1), 32);
	} else if (rc == SQLITE_DONE) {
		v->head_seq = 0;
		memset(v->head_hash, 0, 32);
	} else {
		sqlite3_reset(s);
		return vault__sql_status(v, rc, "audit head");
	}
	sqlite3_reset(s);
	v->head_known = 1;
	return VAULT_OK;
}

vault_status vault__audit_append(vault *v, const audit_event *e)
{
	char *fact = NULL;
	unsigned char tree[TLOG_MAX_LEVELS][TLOG_HASH];
	int ntree = 0;
	char cls[64];
	audit_rec r;
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	if (!v->head_known &&
	    ((st = load_head(v)) != VAULT_OK ||
	     (st = vault__facts_head_check(v, v->head_seq, v->head_hash)) != VAULT_OK)) {
		v->head_known = 0;
		return st;
	}
	memset(&r, 0, sizeof(r));
	if (e->cls_text != NULL)
		snprintf(cls, sizeof(cls), "%s", e->cls_text);
	else
		class_text(e->classes, cls, sizeof(cls));
	r.seq = v->head_seq + 1;
	r.ts = e->ts != 0 ? e->ts : vault__now();
	r.actor = v->user;
	r.org = v->org;
	r.role = e->actor_role_text ? e->actor_role_text : vault_role_name(v->role);
	r.action = e->action;
	r.case_id = e->case_id ? e->case_id : "";
	r.target = e->target ? e->target : "";
	r.cls = cls;
	r.outcome = vault_outcome_name(e->outcome);
	r.reason = e->reason ? e->reason : "";
	r.purpose = vault_purpose_name(v->purpose);
	if (e->newkey != NULL) {
		memcpy(r.newkey, e->newkey, 32);
		r.has_newkey = 1;
	}
	r.high = e->high;
	memcpy(r.prev, v->head_hash, 32);
	memcpy(r.key, v->sec->sign_pk, 32);
	/* What the operation wrote is stated by the entry that records it,
	 * and only by one that says it was done. */
	if (e->fact != NULL) {
		r.fact = e->fact;
	} else if (e->outcome == VAULT_OUTCOME_OK) {
		st = vault__facts_take(v, &fact);
		if (st != VAULT_OK)
			return st;
		r.fact = fact;
	} else {
		vault__facts_discard(v);
	}
	st = vault_audit_rec_hash(&r, r.hash);
	if (st != VAULT_OK) {
		free(fact);
		return vault__err(v, st, "audit entry too large");
	}
	st = vault__audit_tree_append(v, r.seq, r.hash, tree, &ntree);
	/* A tree the log's rows cannot rebuild (a row deleted around the API)
	 * is damage to the log, not a failure to write the entry. */
	if (st == VAULT_ERR_NOT_FOUND || st == VAULT_ERR_AUDIT) {
		char why[256];

		free(fact);
		snprintf(why, sizeof(why), "%s", vault_errmsg(v));
		return vault__err(v, VAULT_ERR_INTEGRITY, "the audit log's tree cannot be"
		                  " extended: %s", why);
	}
	if (st != VAULT_OK) {
		free(fact);
		return st;
	}

	s = vault__stmt(v, ST_AUDIT_INSERT);
	if (s == NULL) {
		free(fact);
		return vault__err(v, VAULT_ERR_AUDIT, "prepare: %s", sqlite3_errmsg(v->db));
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)r.seq);
	sqlite3_bind_int64(s, 2, r.ts);
	vault__bind_text(s, 3, r.actor);
	vault__bind_text(s, 4, r.org);
	vault__bind_text(s, 5, r.role);
	vault__bind_text(s, 6, r.action);
	vault__bind_text(s, 7, r.case_id);
	vault__bind_text(s, 8, r.target);
	vault__bind_text(s, 9, r.cls);
	vault__bind_text(s, 10, r.outcome);
	vault__bind_text(s, 11, r.reason);
	vault__bind_text(s, 12, r.purpose);
	if (r.has_newkey)
		sqlite3_bind_blob(s, 13, r.newkey, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 13);
	sqlite3_bind_int(s, 14, r.high);
	sqlite3_bind_blob(s, 15, r.prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 16, r.hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 17, r.key, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 18, tree, ntree * TLOG_HASH, SQLITE_STATIC);
	vault__bind_text(s, 19, r.fact ? r.fact : "");
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		v->tree_known = 0; /* the edge moved on without its entry */
	/* A damaged database or a full disk says so; any other failure is the
	 * log's. */
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB ||
	    (rc & 0xff) == SQLITE_ERROR || (rc & 0xff) == SQLITE_FULL) {
		free(fact);
		return vault__sql_status(v, rc, "audit append");
	}
	if (rc != SQLITE_DONE) {
		free(fact);
		return vault__err(v, VAULT_ERR_AUDIT, "audit append: %s",
		                  sqlite3_errmsg(v->db));
	}
	v->head_seq = r.seq;
	memcpy(v->head_hash, r.hash, 32);
	v->last_own_seq = r.seq;
	v->unsigned_entries++;
	/* Our own statements are facts now (judged as a replay would). */
	st = vault__facts_own(v, &r);
	free(fact);
	return st;
}

/* Inside vault_begin(), an operation rolled back to its savepoint leaves the
 * head unknown (it may have undone entries of its own).  We hold the write
 * lock since vault_begin() and every transaction signs its last entry before
 * it commits, so an unsigned head with our key is ours, from this
 * transaction; any other head means no entry of ours is left to sign. */
static vault_status reload_own_head(vault *v)
{
	sqlite3_stmt *s = NULL;
	vault_status st = load_head(v);
	int rc, ours = 0;

	if (st != VAULT_OK)
		return st;
	if (v->head_seq != 0) {
		st = vault__prepare(v, "SELECT key, sig IS NULL FROM audit WHERE seq = ?1", &s);
		if (st != VAULT_OK)
			return st;
		sqlite3_bind_int64(s, 1, (sqlite3_int64)v->head_seq);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			/* public keys: no secret, so memcmp is fine */
			ours = sqlite3_column_bytes(s, 0) == 32 &&
			       memcmp(sqlite3_column_blob(s, 0), v->sec->sign_pk, 32) == 0 &&
			       sqlite3_column_int(s, 1) != 0;
		else
			st = vault__sql_status(v, rc, "audit head");
		sqlite3_finalize(s);
	}
	if (st == VAULT_OK && ours)
		v->last_own_seq = v->head_seq;
	else if (st == VAULT_OK)
		v->unsigned_entries = 0;
	return st;
}

vault_status vault__audit_seal(vault *v)
{
	unsigned char sig[64];
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	if (v->unsigned_entries == 0)
		return VAULT_OK;
	if (!v->head_known) {
		st = reload_own_head(v);
		if (st != VAULT_OK)
			return st;
		if (v->unsigned_entries == 0)
			return VAULT_OK;
	}
	/* The head is ours: we appended it under the write lock we still hold. */
	if (v->last_own_seq != v->head_seq || !v->head_known)
		return vault__err(v, VAULT_ERR_AUDIT, "audit head moved during a transaction");
	vault__sign(sig, v->head_hash, 32, v->sec->sign_sk);
	s = vault__stmt(v, ST_AUDIT_SIGN);
	if (s == NULL)
		return vault__err(v, VAULT_ERR_AUDIT, "prepare: %s", sqlite3_errmsg(v->db));
	sqlite3_bind_blob(s, 1, sig, 64, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)v->head_seq);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE || sqlite3_changes(v->db) != 1)
		return vault__err(v, VAULT_ERR_AUDIT, "audit signature could not be written");
	v->unsigned_entries = 0;
	return VAULT_OK;
}

/* ---- reading entries -------------------------------------------------------- */

#define AUDIT_COLS                                                             \
	"seq, ts, actor, org, role, action, case_id, target, class, outcome,"  \
	" reason, purpose, newkey, high, prev, hash, sig, key, fact"

/* Column i as text, or NULL when it holds a NUL byte: the entry hash and
 * the replay read a text up to its first NUL, and a reader of the whole
 * column (SQL, a statement's image looked up) would read another entry
 * than the one signed (attack 230c).  A NULL column stays NULL. */
static const char *text_col(sqlite3_stmt *s, int i, int *bad)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	if (t != NULL && strlen(t) != (size_t)sqlite3_column_bytes(s, i)) {
		*bad = 1;
		return NULL;
	}
	return t;
}

static int row_to_rec(sqlite3_stmt *s, audit_rec *r)
{
	int bad = 0;

	memset(r, 0, sizeof(*r));
	r->seq = (uint64_t)sqlite3_column_int64(s, 0);
	r->ts = sqlite3_column_int64(s, 1);
	r->actor = text_col(s, 2, &bad);
	r->org = text_col(s, 3, &bad);
	r->role = text_col(s, 4, &bad);
	r->action = text_col(s, 5, &bad);
	r->case_id = text_col(s, 6, &bad);
	r->target = text_col(s, 7, &bad);
	r->cls = text_col(s, 8, &bad);
	r->outcome = text_col(s, 9, &bad);
	r->reason = text_col(s, 10, &bad);
	r->purpose = text_col(s, 11, &bad);
	if (sqlite3_column_type(s, 12) != SQLITE_NULL) {
		if (sqlite3_column_bytes(s, 12) != 32)
			return -1;
		memcpy(r->newkey, sqlite3_column_blob(s, 12), 32);
		r->has_newkey = 1;
	}
	r->high = sqlite3_column_int(s, 13);
	if (sqlite3_column_bytes(s, 14) != 32 || sqlite3_column_bytes(s, 15) != 32 ||
	    sqlite3_column_bytes(s, 17) != 32)
		return -1;
	memcpy(r->prev, sqlite3_column_blob(s, 14), 32);
	memcpy(r->hash, sqlite3_column_blob(s, 15), 32);
	memcpy(r->key, sqlite3_column_blob(s, 17), 32);
	if (sqlite3_column_type(s, 16) != SQLITE_NULL) {
		if (sqlite3_column_bytes(s, 16) != 64)
			return -1;
		memcpy(r->sig, sqlite3_column_blob(s, 16), 64);
		r->has_sig = 1;
	}
	r->fact = text_col(s, 18, &bad);
	if (bad || !r->actor || !r->org || !r->role || !r->action || !r->case_id ||
	    !r->target || !r->cls || !r->outcome || !r->reason || !r->purpose)
		return -1;
	return 0;
}

/* Record an audit-log action of the caller, in its own transaction, before
 * the log is read: so what is read includes it, signed. */
static vault_status audit_gate(vault *v, const char *action, vault_status *decision)
{
	gate g;
	vault_status st;

	/* The log is read in a read transaction of its own (read_begin):
	 * refuse before recording, so the refused call leaves nothing in the
	 * caller's transaction. */
	*decision = VAULT_ERR_STATE;
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "finish the transaction first");
	st = vault__gate_open(v, &g, action, POLICY_AUDIT_READ, NULL, NULL, 0, NULL, NULL);
	*decision = st;
	if (st == VAULT_ERR_DENIED && strcmp(action, "audit.query") == 0) {
		/* Everyone may read their own entries. */
		st = VAULT_OK;
		g.ev.reason = "own entries only";
	} else if (st == VAULT_ERR_DENIED && strcmp(action, "audit.cosign") == 0) {
		/* Everyone is a witness: a cosignature reads no entry. */
		st = VAULT_OK;
	}
	return vault__gate_close(&g, st);
}

static vault_status read_begin(vault *v)
{
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "finish the transaction first");
	return vault__exec(v, "BEGIN");
}

static void read_end(vault *v)
{
	sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL);
}

static void hexs(const unsigned char *b, size_t n, int present, char *out)
{
	if (present)
		vault__hex(b, n, out);
	else
		out[0] = '\0';
}

/* Does the (verified) entry r pass the query's filters?  only_actor: a
 * caller who may see only her own entries. */
static int query_match(const vault_audit_query *q, const audit_rec *r, const char *only_actor)
{
	const char *oc = q->outcome ? vault_outcome_name(q->outcome) : NULL;

	return (q->case_id == NULL || strcmp(r->case_id, q->case_id) == 0) &&
	       (q->actor == NULL || strcmp(r->actor, q->actor) == 0) &&
	       (q->org == NULL || strcmp(r->org, q->org) == 0) &&
	       (q->action == NULL || strcmp(r->action, q->action) == 0) &&
	       (oc == NULL || strcmp(r->outcome, oc) == 0) && r->ts >= q->since &&
	       (q->until == 0 || r->ts < q->until) && (!q->high_only || r->high) &&
	       (only_actor == NULL || strcmp(r->actor, only_actor) == 0);
}

vault_status vault_audit_foreach(vault *v, const vault_audit_query *q,
                                 vault_audit_cb cb, void *ctx)
{
	vault_audit_query dq = VAULT_AUDIT_QUERY_INIT;
	sqlite3_stmt *s = NULL;
	vault_status st, decision;
	int rc = SQLITE_DONE, ret = 0, match;
	uint64_t count = 0, want;

	if (v == NULL || cb == NULL)
		return v ? vault__err(v, VAULT_ERR_INVALID, "callback is NULL") : VAULT_ERR_INVALID;
	if (q == NULL)
		q = &dq;
	want = q->after_seq + 1;
	if (q->version == 0 || q->version > VAULT_AUDIT_QUERY_VERSION)
		return vault__err(v, VAULT_ERR_INVALID, "unknown query version");
	if ((q->outcome != 0 && vault_outcome_name(q->outcome) == NULL) ||
	    (q->case_id && !vault__valid_id(q->case_id)) ||
	    (q->actor && !vault__valid_text(q->actor, VAULT_NAME_MAX, 0)) ||
	    (q->org && !vault__valid_text(q->org, VAULT_NAME_MAX, 0)) ||
	    (q->action && !vault__valid_text(q->action, 64, 0)))
		return vault__err(v, VAULT_ERR_INVALID, "malformed audit query");
	st = audit_gate(v, "audit.query", &decision);
	if (st != VAULT_OK)
		return st;
	/* The log is read in order from after_seq, every entry verified as
	 * this handle saw it, and the filters are applied here, to verified
	 * fields: a filter in the SQL would judge the rows as they are now,
	 * and an entry whose actor (or case, or time) was rewritten since
	 * would be left out unseen (an insider review).  Never through an
	 * index either, whose pages any key-slot holder could rewrite. */
	st = read_begin(v);
	if (st != VAULT_OK)
		return st;
	/* what it shows was verified in this handle, old entries too */
	st = vault__facts_log_whole(v);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT " AUDIT_COLS " FROM audit WHERE seq > ?1 ORDER BY seq",
		                    &s);
	if (st != VAULT_OK)
		goto cleanup;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)q->after_seq);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char prev[65], hash[65], key[65], sig[129], nk[65], *opened = NULL;
		vault_audit_entry e;
		audit_rec r;
		vault_outcome oc = VAULT_OUTCOME_ERROR;

		if (row_to_rec(s, &r) != 0) {
			st = vault__err(v, VAULT_ERR_CORRUPT, "audit entry %llu is malformed",
			                (unsigned long long)sqlite3_column_int64(s, 0));
			goto cleanup;
		}
		/* none left out: an entry moved away for the query's time would
		 * be missed unseen */
		if (r.seq != want) {
			st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu is gone",
			                (unsigned long long)want);
			goto cleanup;
		}
		want++;
		/* as this handle verified it, not as rewritten since; what is
		 * shown with it (hash, signature) too */
		match = query_match(q, &r, decision == VAULT_OK ? NULL : v->user);
		st = vault__facts_entry_shown(v, &r, match);
		if (st != VAULT_OK)
			goto cleanup;
		if (!match)
			continue;
		vault_outcome_parse(r.outcome, &oc);
		hexs(r.prev, 32, 1, prev);
		hexs(r.hash, 32, 1, hash);
		hexs(r.key, 32, 1, key);
		hexs(r.sig, 64, r.has_sig, sig);
		hexs(r.newkey, 32, r.has_newkey, nk);
		e.seq = r.seq;
		e.ts = r.ts;
		e.actor = r.actor;
		e.org = r.org;
		e.role = r.role;
		e.action = r.action;
		e.case_id = r.case_id;
		e.target = r.target;
		e.cls = r.cls;
		e.outcome = oc;
		e.reason = r.reason;
		/* A reason sealed for the reviewers (lib/freetext.c), opened for
		 * one of them; the entry's hash covers the sealed text. */
		if (vault__reason_is_sealed(r.reason)) {
			if (vault__reason_open(v, r.case_id, r.reason, &opened) != VAULT_OK)
				e.reason = VAULT_REASON_BROKEN;
			else
				e.reason = opened ? opened : VAULT_REASON_SEALED;
		}
		e.purpose = r.purpose;
		e.newkey = nk;
		e.prev = prev;
		e.hash = hash;
		e.sig = sig;
		e.key = key;
		e.high = r.high;
		count++;
		ret = cb(&e, ctx);
		if (opened != NULL) {
			vault__wipe(opened, strlen(opened));
			free(opened);
			opened = NULL;
		}
		if (ret != 0 || (q->limit && count >= q->limit))
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "audit query");
	/* read to the end: every entry this handle verified was there */
	if (st == VAULT_OK && ret == 0 && rc == SQLITE_DONE && want - 1 < vault__facts_verified_hi(v))
		st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entries %llu to %llu, which this"
		                " handle verified, are gone", (unsigned long long)want,
		                (unsigned long long)vault__facts_verified_hi(v));
cleanup:
	sqlite3_finalize(s);
	read_end(v);
	if (st == VAULT_OK && ret != 0)
		return (vault_status)ret;
	return st;
}

/* s is the row: with `with_tree`, column AUDIT_NCOLS holds the entry's
 * stored tree hashes. */
typedef vault_status (*rec_fn)(vault *v, const audit_rec *r, sqlite3_stmt *s, void *ctx);

#define AUDIT_NCOLS 19

/* Walk the whole log in one read transaction. */
static vault_status walk(vault *v, rec_fn fn, void *ctx, uint64_t *total, int with_tree)
{
	sqlite3_stmt *s = NULL;
	vault_status st;
	int rc;

	st = vault__prepare(v, "SELECT count(*) FROM audit", &s);
	if (st != VAULT_OK)
		return st;
	*total = sqlite3_step(s) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	st = vault__prepare(v, with_tree ? "SELECT " AUDIT_COLS ", tree FROM audit ORDER BY seq"
	                                 : "SELECT " AUDIT_COLS " FROM audit ORDER BY seq", &s);
	if (st != VAULT_OK)
		return st;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		audit_rec r;
		if (row_to_rec(s, &r) != 0) {
			st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu is malformed",
			                (unsigned long long)sqlite3_column_int64(s, 0));
			break;
		}
		st = fn(v, &r, s, ctx);
		if (st != VAULT_OK)
			break;
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "audit");
	sqlite3_finalize(s);
	return st;
}

/* Every entry after `after`, in order (lib/facts.c replays them). */
vault_status vault__audit_each_after(vault *v, uint64_t after,
                                     vault_status (*fn)(vault *, const audit_rec *, void *),
                                     void *ctx)
{
	sqlite3_stmt *s = NULL;
	vault_status st;
	int rc;

	st = vault__prepare(v, "SELECT " AUDIT_COLS " FROM audit WHERE seq > ?1 ORDER BY seq", &s);
	if (st != VAULT_OK)
		return st;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)after);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		audit_rec r;

		if (row_to_rec(s, &r) != 0) {
			st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu is malformed",
			                (unsigned long long)sqlite3_column_int64(s, 0));
			break;
		}
		st = fn(v, &r, ctx);
		if (st != VAULT_OK)
			break;
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "audit");
	sqlite3_finalize(s);
	return st;
}

struct export_ctx {
	FILE *f;
	uint64_t done, total;
	vault_progress_cb progress;
	void *pctx;
};

static vault_status export_one(vault *v, const audit_rec *r, sqlite3_stmt *row, void *ctx)
{
	struct export_ctx *x = ctx;
	char *line = NULL;
	vault_status st = vault_audit_rec_to_json(r, &line);

	if (st != VAULT_OK)
		return vault__err(v, st, "cannot encode audit entry %llu",
		                  (unsigned long long)r->seq);
	if (fputs(line, x->f) == EOF || fputc('\n', x->f) == EOF)
		st = vault__err(v, VAULT_ERR_IO, "cannot write the export");
	free(line);
	x->done++;
	if (st == VAULT_OK && x->progress && x->done % 4096 == 0 &&
	    x->progress(x->done, x->total, x->pctx) != 0)
		st = vault__err(v, VAULT_ERR_STATE, "stopped by the caller");
	return st;
}

static vault_status fresh_cp(vault *v, uint64_t size, const unsigned char root[TLOG_HASH],
                             vault_buf *out);

/* path + suffix, replaced atomically with buf's bytes. */
static vault_status write_beside(vault *v, const char *path, const char *suffix,
                                 const vault_buf *buf)
{
	size_t n = strlen(path) + strlen(suffix) + 16;
	char *dst = vault__malloc(n), *tmp = vault__malloc(n);
	vault_status st = VAULT_OK;
	FILE *f = NULL;
	int fd = -1;

	if (dst == NULL || tmp == NULL) {
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(dst, n, "%s%s", path, suffix);
	snprintf(tmp, n, "%s.tmp.XXXXXX", dst);
	fd = mkstemp(tmp);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		st = vault__err(v, VAULT_ERR_IO, "cannot create %s", dst);
		goto out;
	}
	if (fwrite(buf->data, 1, buf->len, f) != buf->len || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0)
		st = vault__err(v, VAULT_ERR_IO, "cannot write %s", dst);
	if (fclose(f) != 0 && st == VAULT_OK)
		st = vault__err(v, VAULT_ERR_IO, "cannot write %s", dst);
	if (st == VAULT_OK && rename(tmp, dst) != 0)
		st = vault__err(v, VAULT_ERR_IO, "cannot move %s into place", dst);
	if (st != VAULT_OK)
		unlink(tmp);
out:
	free(dst);
	free(tmp);
	return st;
}

vault_status vault_audit_export(vault *v, const char *path,
                                vault_progress_cb progress, void *ctx)
{
	struct export_ctx x = {NULL, 0, 0, progress, ctx};
	unsigned char root[TLOG_HASH];
	vault_buf note = VAULT_BUF_INIT;
	vault_status st, decision;
	char *tmp = NULL;
	int fd = -1;

	if (v == NULL || path == NULL || *path == '\0')
		return v ? vault__err(v, VAULT_ERR_INVALID, "no export path") : VAULT_ERR_INVALID;
	st = audit_gate(v, "audit.export", &decision);
	if (st != VAULT_OK)
		return st;
	tmp = vault__malloc(strlen(path) + 16);
	if (tmp == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	snprintf(tmp, strlen(path) + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0 || (x.f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		st = vault__err(v, VAULT_ERR_IO, "cannot create the export file");
		goto cleanup;
	}
	st = read_begin(v);
	if (st == VAULT_OK) {
		st = walk(v, export_one, &x, &x.total, 0);
		/* The checkpoint of exactly what was exported, from the same
		 * read transaction. */
		if (st == VAULT_OK)
			st = vault__audit_tree_root(v, x.done, root);
		/* ...a root its library verified (attack 260a) */
		if (st == VAULT_OK)
			st = vault__facts_tree_is(v, x.done, root);
		read_end(v);
	}
	if (st == VAULT_OK)
		st = fresh_cp(v, x.done, root, &note);
	if (st == VAULT_OK && (fflush(x.f) != 0 || fsync(fileno(x.f)) != 0))
		st = vault__err(v, VAULT_ERR_IO, "cannot write the export");
	if (fclose(x.f) != 0 && st == VAULT_OK)
		st = vault__err(v, VAULT_ERR_IO, "cannot write the export");
	if (st == VAULT_OK)
		st = write_beside(v, path, ".checkpoint", &note);
	if (st == VAULT_OK && rename(tmp, path) != 0)
		st = vault__err(v, VAULT_ERR_IO, "cannot move the export into place");
	if (st == VAULT_OK && progress)
		progress(x.done, x.total, ctx);
cleanup:
	if (st != VAULT_OK && tmp != NULL)
		unlink(tmp);
	free(tmp);
	vault_buf_free(&note);
	return st;
}

vault_status vault_id(vault *v, char out[VAULT_VAULT_ID_BUFSIZE])
{
	vault_status st;

	if (v == NULL || out == NULL)
		return v ? vault__err(v, VAULT_ERR_INVALID, "out is NULL") : VAULT_ERR_INVALID;
	if ((st = vault__check_expired(v)) != VAULT_OK)
		return st;
	return vault__id(v, out);
}

/* The pinned vault id, for the library's own use (the witness state of a
 * user who must still change her passphrase too). */
vault_status vault__id(vault *v, char out[VAULT_VAULT_ID_BUFSIZE])
{
	unsigned char id[32];
	size_t n = 0;
	vault_status st;

	st = vault__meta_get(v, "vault_id", id, sizeof(id), &n);
	if (st == VAULT_OK && n != 32)
		st = vault__err(v, VAULT_ERR_CORRUPT, "vault id is malformed");
	if (st != VAULT_OK || !v->pinned) {
		if (st == VAULT_OK)
			vault__hex(id, 32, out);
		return st;
	}
	/* The id is the one pinned in the user's key slot; the database's
	 * copy is only compared (anyone with the database key can rewrite it,
	 * with the whole log). */
	vault__hex(v->pinned_id, 32, out);
	/* vault ids are public: memcmp is fine */
	if (memcmp(id, v->pinned_id, 32) != 0)
		return vault__err(v, VAULT_ERR_INTEGRITY, "the database's vault id is not the one"
		                  " pinned in your key slot (%s): the log may have been rewritten",
		                  out);
	return VAULT_OK;
}

vault_status vault_audit_checkpoint(vault *v, vault_buf *out)
{
	unsigned char root[TLOG_HASH];
	char idhex[VAULT_VAULT_ID_BUFSIZE];
	vault_status st, decision;

	if (v == NULL || out == NULL)
		return v ? vault__err(v, VAULT_ERR_INVALID, "out is NULL") : VAULT_ERR_INVALID;
	out->data = NULL;
	out->len = 0;
	st = audit_gate(v, "audit.checkpoint", &decision);
	if (st != VAULT_OK)
		return st;
	st = vault_id(v, idhex);
	if (st != VAULT_OK)
		return st;
	st = read_begin(v);
	if (st != VAULT_OK)
		return st;
	v->head_known = 0;
	st = load_head(v);
	v->head_known = 0;
	if (st == VAULT_OK)
		st = vault__audit_tree_root(v, v->head_seq, root);
	/* she signs only a root her library verified: the stored tree can be
	 * rewritten at any time (an insider review) */
	if (st == VAULT_OK)
		st = vault__facts_tree_is(v, v->head_seq, root);
	read_end(v);
	if (st != VAULT_OK)
		return st;
	st = vault_audit_checkpoint_make_tree(idhex, v->head_seq, root, v->user,
	                                      v->sec->sign_sk, v->sec->sign_pk, out);
	if (st != VAULT_OK)
		return vault__err(v, st, "cannot make the checkpoint");
	return VAULT_OK;
}

struct verify_ctx {
	audit_verifier *av;
	vault_verify_result *res;
	vault_progress_cb progress;
	void *pctx;
	uint64_t total;
};

static vault_status verify_one(vault *v, const audit_rec *r, sqlite3_stmt *row, void *ctx)
{
	struct verify_ctx *x = ctx;
	vault_status st = vault_audit_verifier_push(x->av, r, x->res);
	const unsigned char *want;
	size_t n;

	if (st != VAULT_OK)
		return vault__err(v, st, "%s", x->res->reason);
	/* The stored tree must be the tree of the log: proofs and checkpoints
	 * are made from it. */
	vault_audit_verifier_stored(x->av, &want, &n);
	/* tree hashes are public: memcmp is fine */
	if ((size_t)sqlite3_column_bytes(row, AUDIT_NCOLS) != n ||
	    memcmp(sqlite3_column_blob(row, AUDIT_NCOLS), want, n) != 0) {
		x->res->bad_seq = r->seq;
		x->res->entries = r->seq - 1;
		snprintf(x->res->reason, sizeof(x->res->reason),
		         "entry %llu: the stored Merkle tree hashes are not those of the log",
		         (unsigned long long)r->seq);
		return vault__err(v, VAULT_ERR_INTEGRITY, "%s", x->res->reason);
	}
	if (x->progress && x->res->entries % 4096 == 0 &&
	    x->progress(x->res->entries, x->total, x->pctx) != 0)
		return vault__err(v, VAULT_ERR_STATE, "stopped by the caller");
	return VAULT_OK;
}

vault_status vault_audit_verify(vault *v, const char *checkpoint,
                                vault_verify_result *res,
                                vault_progress_cb progress, void *ctx)
{
	struct verify_ctx x = {NULL, res, progress, ctx, 0};
	audit_checkpoint cp;
	unsigned char id[32];
	char why[256];
	size_t n = 0;
	vault_status st, decision, rst;
	gate g;

	if (v == NULL || res == NULL)
		return v ? vault__err(v, VAULT_ERR_INVALID, "result is NULL") : VAULT_ERR_INVALID;
	if (res->version == 0 || res->version > VAULT_VERIFY_RESULT_VERSION)
		return vault__err(v, VAULT_ERR_INVALID, "initialise the result with vault_verify_result_init()");
	res->entries = 0;
	res->bad_seq = 0;
	res->reason[0] = '\0';
	if (checkpoint != NULL &&
	    vault_audit_checkpoint_parse(checkpoint, strlen(checkpoint), &cp, why,
	                                 sizeof(why)) != VAULT_OK)
		return vault__err(v, VAULT_ERR_INVALID, "checkpoint: %s", why);
	/* Decide (and refuse) before reading; the outcome is recorded after. */
	st = audit_gate(v, "audit.verify.start", &decision);
	if (st != VAULT_OK)
		return st;
	/* Against the id pinned in the user's key slot, not the database's. */
	st = vault__meta_get(v, "vault_id", id, sizeof(id), &n);
	if (st == VAULT_OK && v->pinned) {
		memcpy(id, v->pinned_id, 32);
		n = 32;
	}
	if (st == VAULT_OK)
		st = vault_audit_verifier_new(n == 32 ? id : NULL, &x.av);
	if (st == VAULT_OK && checkpoint != NULL)
		st = vault_audit_verifier_set_checkpoint(x.av, &cp);
	if (st == VAULT_OK)
		st = read_begin(v);
	if (st == VAULT_OK) {
		st = walk(v, verify_one, &x, &x.total, 1);
		read_end(v);
	}
	if (st == VAULT_OK)
		st = vault_audit_verifier_finish(x.av, checkpoint ? &cp : NULL, res);
	if (res->version == 2) {
		res->checkpoint_kind = checkpoint ? cp.kind : 0;
		res->tree_size = res->entries;
	}
	if (st == VAULT_ERR_INTEGRITY)
		vault__err(v, st, "%s", res->reason);
	vault_audit_verifier_free(x.av);
	if (st == VAULT_OK && progress)
		progress(res->entries, x.total, ctx);
	/* The result goes into the log too. */
	rst = vault__gate_open(v, &g, "audit.verify", POLICY_AUDIT_READ, NULL, NULL, 0,
	                       NULL, NULL);
	if (rst == VAULT_OK && st != VAULT_OK)
		g.ev.reason = res->reason[0] ? res->reason : vault_strerror(st);
	rst = vault__gate_close(&g, rst == VAULT_OK ? st : rst);
	if (rst == VAULT_ERR_AUDIT)
		return rst;
	return st;
}

/* ---- the verifiable log: verifier keys, proofs, cosigning ------------------- */

/* "name+hash+base64(0x01 || key)" into a vault_buf. */
static vault_status vkey_text(const char *name, const unsigned char pk[32], vault_buf *out)
{
	unsigned char kb[33], id[4];
	char b64[sodium_base64_ENCODED_LEN(33, sodium_base64_VARIANT_ORIGINAL)];
	size_t n;
	vault_status st;

	kb[0] = 0x01; /* Ed25519, in signed-note algorithm numbers */
	memcpy(kb + 1, pk, 32);
	vault_audit_note_keyid(name, pk, id);
	sodium_bin2base64(b64, sizeof(b64), kb, sizeof(kb), sodium_base64_VARIANT_ORIGINAL);
	n = strlen(name) + 1 + 8 + 1 + strlen(b64);
	st = vault__buf_alloc(out, n);
	if (st != VAULT_OK)
		return st;
	snprintf((char *)out->data, n + 1, "%s+%02x%02x%02x%02x+%s", name, id[0], id[1],
	         id[2], id[3], b64);
	return VAULT_OK;
}

vault_status vault_audit_vkey(vault *v, const char *user, vault_buf *out)
{
	sqlite3_stmt *s = NULL;
	unsigned char pk[32];
	vault_status st;
	int rc;

	if (v == NULL || out == NULL)
		return v ? vault__err(v, VAULT_ERR_INVALID, "out is NULL") : VAULT_ERR_INVALID;
	out->data = NULL;
	out->len = 0;
	if (v->dead)
		return vault__err(v, VAULT_ERR_AUTH, "the user was disabled");
	if ((st = vault__check_expired(v)) != VAULT_OK)
		return st;
	if (user == NULL || strcmp(user, v->user) == 0) {
		/* From the caller's own slot: the key she signs with. */
		st = vkey_text(v->user, v->sec->sign_pk, out);
		return st == VAULT_OK ? st : vault__err(v, st, "out of memory");
	}
	if (!vault__valid_name(user))
		return vault__err(v, VAULT_ERR_INVALID, "bad user name");
	st = vault__prepare(v, "SELECT sign_pk FROM users WHERE name = ?1", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, user);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == 32)
		memcpy(pk, sqlite3_column_blob(s, 0), 32);
	else if (rc == SQLITE_ROW)
		st = vault__err(v, VAULT_ERR_CORRUPT, "the key of user %s is malformed", user);
	else if (rc == SQLITE_DONE)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "no user %s", user);
	else
		st = vault__sql_status(v, rc, "users");
	sqlite3_finalize(s);
	if (st == VAULT_OK && (st = vkey_text(user, pk, out)) != VAULT_OK)
		st = vault__err(v, st, "out of memory");
	return st;
}

/* A checkpoint the caller handed in: parsed, of the tree kind, this vault's. */
static vault_status own_tree_cp(vault *v, const char *text, const char *what,
                                audit_checkpoint *cp)
{
	char why[256], idhex[VAULT_VAULT_ID_BUFSIZE], want[128];
	vault_status st;

	if (vault_audit_checkpoint_parse(text, strlen(text), cp, why, sizeof(why)) != VAULT_OK)
		return vault__err(v, VAULT_ERR_INVALID, "%s: %s", what, why);
	if (cp->kind == AUDIT_CP_CHAIN)
		return vault__err(v, VAULT_ERR_INVALID, "%s is of the 1.0 kind (a hash chain "
		                  "head, no Merkle tree): verify the log against it with "
		                  "vault_audit_verify()", what);
	if ((st = vault_id(v, idhex)) != VAULT_OK)
		return st;
	snprintf(want, sizeof(want), "libvault/%s" AUDIT_CP_TREE_SUFFIX, idhex);
	if (cp->kind != AUDIT_CP_TREE || strcmp(cp->origin, want) != 0)
		return vault__err(v, VAULT_ERR_INVALID, "%s is not of this vault's log", what);
	return VAULT_OK;
}

/* Inside a read transaction: the log's size, and the checkpoint's root is
 * the tree's at its size. */
/* The checkpoint's tree is a prefix of the log this handle verified: the
 * stored tree's root at the head is the one the library computed from the
 * entries it verified, and the checkpoint's root is proven consistent with
 * it.  The stored nodes alone would not do: any key-slot holder can
 * rewrite one, and a witness then cosigned a tree that is not the log's
 * (attack 70p); a proof made from rewritten nodes does not check. */
static vault_status cp_matches_log(vault *v, const audit_checkpoint *cp, const char *what)
{
	unsigned char root[TLOG_HASH], (*proof)[TLOG_HASH] = NULL;
	vault_status st;
	size_t n = 0;

	if (cp->size > v->head_seq)
		return vault__err(v, VAULT_ERR_INTEGRITY, "%s has %llu entries, the log %llu: "
		                  "the log was cut or rolled back", what,
		                  (unsigned long long)cp->size, (unsigned long long)v->head_seq);
	st = vault__audit_tree_root(v, v->head_seq, root);
	if (st == VAULT_OK)
		st = vault__facts_tree_is(v, v->head_seq, root);
	if (st == VAULT_OK && (proof = vault__calloc(TLOG_PROOF_MAX, TLOG_HASH)) == NULL)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (st == VAULT_OK)
		st = vault__tlog_prove_consistency(cp->size, v->head_seq, vault__audit_tree_read, v,
		                                   proof, &n);
	if (st == VAULT_OK &&
	    vault__tlog_check_consistency(cp->size, cp->head, v->head_seq, root,
	                                  (const unsigned char (*)[TLOG_HASH])proof, n) != 0)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "%s is not this log's tree at %llu "
		                "entries: the log was rewritten or forked", what,
		                (unsigned long long)cp->size);
	free(proof);
	return st;
}

static vault_status load_head_now(vault *v)
{
	vault_status st;

	v->head_known = 0;
	st = load_head(v);
	v->head_known = 0;
	return st;
}

static json_t *proof_json(unsigned char (*proof)[TLOG_HASH], size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++) {
		char b64[sodium_base64_ENCODED_LEN(TLOG_HASH, sodium_base64_VARIANT_ORIGINAL)];

		sodium_bin2base64(b64, sizeof(b64), proof[i], TLOG_HASH,
		                  sodium_base64_VARIANT_ORIGINAL);
		if (json_array_append_new(a, json_string(b64)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The JSON document into a vault_buf; steals o. */
static vault_status json_out(vault *v, json_t *o, vault_buf *out)
{
	char *text = o ? json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(1)) : NULL;
	vault_status st;

	json_decref(o);
	if (text == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	st = vault__buf_alloc(out, strlen(text));
	if (st == VAULT_OK)
		memcpy(out->data, text, strlen(text));
	free(text);
	return st == VAULT_OK ? st : vault__err(v, st, "out of memory");
}

/* A new tree checkpoint by the caller at (size, root). */
static vault_status fresh_cp(vault *v, uint64_t size, const unsigned char root[TLOG_HASH],
                             vault_buf *out)
{
	char idhex[VAULT_VAULT_ID_BUFSIZE];
	vault_status st = vault_id(v, idhex);

	if (st != VAULT_OK)
		return st;
	st = vault_audit_checkpoint_make_tree(idhex, size, root, v->user, v->sec->sign_sk,
	                                      v->sec->sign_pk, out);
	return st == VAULT_OK ? st : vault__err(v, st, "cannot make the checkpoint");
}

/* Entry seq, read now, to fn: VAULT_ERR_CORRUPT (no message) if it is
 * gone or malformed. */
static vault_status entry_at(vault *v, uint64_t seq,
                             vault_status (*fn)(vault *, const audit_rec *, void *), void *ctx)
{
	sqlite3_stmt *s = NULL;
	audit_rec r;
	vault_status st;
	int rc;

	st = vault__stmt_text(v, "SELECT " AUDIT_COLS " FROM audit WHERE seq = ?1", &s);
	if (st != VAULT_OK)
		return st;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && row_to_rec(s, &r) == 0)
		st = fn(v, &r, ctx);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		st = VAULT_ERR_CORRUPT;
	else
		st = vault__sql_status(v, rc, "audit");
	sqlite3_reset(s);
	return st;
}

static vault_status shown_fn(vault *v, const audit_rec *r, void *ctx)
{
	(void)ctx;
	return vault__facts_entry_shown(v, r, 1);
}

vault_status vault__audit_entry_check(vault *v, uint64_t seq)
{
	vault_status st = entry_at(v, seq, shown_fn, NULL);

	if (st == VAULT_ERR_CORRUPT)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu is malformed or gone",
		                (unsigned long long)seq);
	return st;
}

vault_status vault__audit_log_check(vault *v)
{
	sqlite3_stmt *s = NULL;
	uint64_t want = 1, hi;
	audit_rec r;
	vault_status st;
	int rc = SQLITE_DONE;

	st = vault__facts_log_whole(v);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT " AUDIT_COLS " FROM audit ORDER BY seq", &s);
	while (st == VAULT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (row_to_rec(s, &r) != 0)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu is malformed",
			                (unsigned long long)want);
		else if (r.seq != want)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu is gone",
			                (unsigned long long)want);
		else
			st = vault__facts_entry_shown(v, &r, 0);
		want++;
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "audit");
	sqlite3_finalize(s);
	hi = vault__facts_verified_hi(v);
	if (st == VAULT_OK && want - 1 < hi)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entries %llu to %llu, which this"
		                " handle verified, are gone", (unsigned long long)want,
		                (unsigned long long)hi);
	return st;
}

/* The entry as this handle verified it, as an export line. */
static vault_status shown_json_fn(vault *v, const audit_rec *r, void *ctx)
{
	vault_status st = vault__facts_entry_shown(v, r, 1);

	return st == VAULT_OK ? vault_audit_rec_to_json(r, ctx) : st;
}

static vault_status read_entry(vault *v, uint64_t seq, char **line)
{
	vault_status st = entry_at(v, seq, shown_json_fn, line);

	if (st == VAULT_ERR_CORRUPT || st == VAULT_ERR_INVALID)
		st = vault__err(v, VAULT_ERR_CORRUPT, "audit entry %llu is malformed",
		                (unsigned long long)seq);
	return st;
}

vault_status vault_audit_prove_inclusion(vault *v, uint64_t seq, const char *checkpoint,
                                         vault_buf *out)
{
	unsigned char root[TLOG_HASH], (*proof)[TLOG_HASH] = NULL;
	vault_buf cpbuf = VAULT_BUF_INIT;
	audit_checkpoint *cp = NULL;
	char *line = NULL;
	vault_status st, decision;
	uint64_t size = 0;
	size_t n = 0;
	json_t *o = NULL, *entry = NULL;

	if (v == NULL || out == NULL)
		return v ? vault__err(v, VAULT_ERR_INVALID, "out is NULL") : VAULT_ERR_INVALID;
	out->data = NULL;
	out->len = 0;
	if (seq == 0)
		return vault__err(v, VAULT_ERR_INVALID, "entries are numbered from 1");
	cp = vault__calloc(1, sizeof(*cp));
	proof = vault__calloc(TLOG_PROOF_MAX, TLOG_HASH);
	if (cp == NULL || proof == NULL) {
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	if (checkpoint && (st = own_tree_cp(v, checkpoint, "checkpoint", cp)) != VAULT_OK)
		goto cleanup;
	if ((st = audit_gate(v, "audit.prove", &decision)) != VAULT_OK)
		goto cleanup;
	if ((st = read_begin(v)) != VAULT_OK)
		goto cleanup;
	st = load_head_now(v);
	if (st == VAULT_OK && checkpoint) {
		st = cp_matches_log(v, cp, "the checkpoint");
		size = cp->size;
		memcpy(root, cp->head, TLOG_HASH);
	} else if (st == VAULT_OK) {
		/* it signs only a root its library verified: the stored tree
		 * can be rewritten around it (attack 260a) */
		size = v->head_seq;
		st = vault__audit_tree_root(v, size, root);
		if (st == VAULT_OK)
			st = vault__facts_tree_is(v, size, root);
	}
	if (st == VAULT_OK && seq > size)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "no entry %llu in a log of %llu",
		                (unsigned long long)seq, (unsigned long long)size);
	if (st == VAULT_OK)
		st = read_entry(v, seq, &line);
	if (st == VAULT_OK)
		st = vault__tlog_prove_inclusion(seq - 1, size, vault__audit_tree_read, v, proof, &n);
	read_end(v);
	if (st == VAULT_OK && !checkpoint)
		st = fresh_cp(v, size, root, &cpbuf);
	if (st != VAULT_OK)
		goto cleanup;
	entry = json_loads(line, 0, NULL);
	o = json_pack("{s:s, s:o, s:I, s:I, s:o, s:s}", "format", "libvault-inclusion-proof/1",
	              "entry", entry, "index", (json_int_t)(seq - 1), "size", (json_int_t)size,
	              "proof", proof_json(proof, n), "checkpoint",
	              checkpoint ? checkpoint : (const char *)cpbuf.data);
	st = json_out(v, o, out);
cleanup:
	free(line);
	free(cp);
	free(proof);
	vault_buf_free(&cpbuf);
	return st;
}

vault_status vault_audit_prove_consistency(vault *v, const char *old_checkpoint,
                                           const char *checkpoint, vault_buf *out)
{
	unsigned char root[TLOG_HASH], (*proof)[TLOG_HASH] = NULL;
	vault_buf cpbuf = VAULT_BUF_INIT;
	audit_checkpoint *oldcp = NULL, *cp = NULL;
	vault_status st, decision;
	uint64_t size = 0;
	size_t n = 0;
	json_t *o;

	if (v == NULL || out == NULL || old_checkpoint == NULL)
		return v ? vault__err(v, VAULT_ERR_INVALID, "out or old_checkpoint is NULL")
		         : VAULT_ERR_INVALID;
	out->data = NULL;
	out->len = 0;
	oldcp = vault__calloc(1, sizeof(*oldcp));
	cp = vault__calloc(1, sizeof(*cp));
	proof = vault__calloc(TLOG_PROOF_MAX, TLOG_HASH);
	if (oldcp == NULL || cp == NULL || proof == NULL) {
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	if ((st = own_tree_cp(v, old_checkpoint, "old checkpoint", oldcp)) != VAULT_OK ||
	    (checkpoint && (st = own_tree_cp(v, checkpoint, "checkpoint", cp)) != VAULT_OK))
		goto cleanup;
	if (checkpoint && oldcp->size > cp->size) {
		st = vault__err(v, VAULT_ERR_INVALID, "the old checkpoint is larger than the new one");
		goto cleanup;
	}
	if ((st = audit_gate(v, "audit.prove", &decision)) != VAULT_OK)
		goto cleanup;
	if ((st = read_begin(v)) != VAULT_OK)
		goto cleanup;
	st = load_head_now(v);
	if (st == VAULT_OK)
		st = cp_matches_log(v, oldcp, "the old checkpoint");
	if (st == VAULT_OK && checkpoint) {
		st = cp_matches_log(v, cp, "the checkpoint");
		size = cp->size;
	} else if (st == VAULT_OK) {
		/* the root cp_matches_log() checked against the verified tree */
		size = v->head_seq;
		st = vault__audit_tree_root(v, size, root);
	}
	if (st == VAULT_OK)
		st = vault__tlog_prove_consistency(oldcp->size, size, vault__audit_tree_read, v,
		                                   proof, &n);
	read_end(v);
	if (st == VAULT_OK && !checkpoint)
		st = fresh_cp(v, size, root, &cpbuf);
	if (st != VAULT_OK)
		goto cleanup;
	o = json_pack("{s:s, s:I, s:I, s:o, s:s, s:s}", "format",
	              "libvault-consistency-proof/1", "old_size", (json_int_t)oldcp->size,
	              "size", (json_int_t)size, "proof", proof_json(proof, n),
	              "old_checkpoint", old_checkpoint, "checkpoint",
	              checkpoint ? checkpoint : (const char *)cpbuf.data);
	st = json_out(v, o, out);
cleanup:
	free(oldcp);
	free(cp);
	free(proof);
	vault_buf_free(&cpbuf);
	return st;
}

vault_status vault_audit_cosign(vault *v, const char *checkpoint, vault_buf *out)
{
	audit_checkpoint *cp = NULL;
	sqlite3_stmt *s = NULL;
	vault_status st, decision;
	int rc, signed_by_user = 0;

	if (v == NULL || out == NULL || checkpoint == NULL)
		return v ? vault__err(v, VAULT_ERR_INVALID, "out or checkpoint is NULL")
		         : VAULT_ERR_INVALID;
	out->data = NULL;
	out->len = 0;
	cp = vault__calloc(1, sizeof(*cp));
	if (cp == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if ((st = own_tree_cp(v, checkpoint, "checkpoint", cp)) != VAULT_OK)
		goto cleanup;
	if ((st = audit_gate(v, "audit.cosign", &decision)) != VAULT_OK)
		goto cleanup;
	if ((st = read_begin(v)) != VAULT_OK)
		goto cleanup;
	st = load_head_now(v);
	/* What this witness has seen is the log as it is now (which her
	 * open checked against her own state, when she keeps one): the
	 * checkpoint must be a prefix of it. */
	if (st == VAULT_OK)
		st = cp_matches_log(v, cp, "the checkpoint");
	/* Signed by a user of this vault (a log's own key, not only
	 * witnesses); an active user's signature that fails is a forgery. */
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT name, sign_pk FROM users", &s);
	while (st == VAULT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		int r;

		if (name == NULL || sqlite3_column_bytes(s, 1) != 32)
			continue;
		r = vault_audit_checkpoint_signed_by(cp, name, sqlite3_column_blob(s, 1));
		if (r < 0)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "the checkpoint's signature by %s "
			                "does not verify", name);
		else if (r > 0)
			signed_by_user = 1;
	}
	sqlite3_finalize(s);
	read_end(v);
	if (st == VAULT_OK && !signed_by_user)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "the checkpoint has no signature by a "
		                "user of this vault");
	if (st != VAULT_OK)
		goto cleanup;
	st = vault_audit_checkpoint_add_sig(cp, checkpoint, strlen(checkpoint), v->user,
	                                    v->sec->sign_sk, v->sec->sign_pk, out);
	if (st == VAULT_ERR_EXISTS)
		st = vault__err(v, st, "%s has signed this checkpoint already", v->user);
	else if (st != VAULT_OK)
		st = vault__err(v, st, "cannot add the signature");
cleanup:
	free(cp);
	return st;
}
