/*
 * gate.c - the one gate every operation passes: check, decide, record, then
 * touch keys and data; and the class keys that make the decision binding.
 *
 *   st = vault__gate_open(v, &g, "record.get", POLICY_READ, case, name, cls, ...);
 *   if (st == VAULT_OK)
 *           st = <the work, inside the operation's savepoint>;
 *   st = vault__gate_close(&g, st);   <- audit entry + commit, or nothing
 *
 * A refused or failed operation leaves only its audit entry.  If the entry
 * cannot be written the whole operation is undone and VAULT_ERR_AUDIT is
 * returned, so no data leaves without its trace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "facts.h"
#include "internal.h"

/* A statement that could not be prepared: out of memory, or worse. */
static vault_status prepare_failed(vault *v, const char *what)
{
	int rc = sqlite3_errcode(v->db);

	return vault__sql_status(v, rc == SQLITE_OK ? SQLITE_ERROR : rc, what);
}

vault_status vault__case_load(vault *v, const char *case_id, case_row *out)
{
	sqlite3_stmt *s = vault__stmt(v, ST_CASE_GET);
	int rc;

	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, case_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return vault__err(v, VAULT_ERR_NOT_FOUND, "no case %s", case_id);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return vault__sql_status(v, rc, "case");
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", case_id);
	out->kind = (vault_case_kind)sqlite3_column_int(s, 0);
	snprintf(out->owner_org, sizeof(out->owner_org), "%s",
	         (const char *)sqlite3_column_text(s, 1));
	snprintf(out->created_by, sizeof(out->created_by), "%s",
	         (const char *)sqlite3_column_text(s, 2));
	out->restricted = sqlite3_column_int(s, 3);
	out->created = sqlite3_column_int64(s, 4);
	out->owner_kind = (vault_org_kind)sqlite3_column_int(s, 5);
	sqlite3_reset(s);
	return VAULT_OK;
}

static vault_status load_grants(vault *v, gate *g)
{
	sqlite3_stmt *s = vault__stmt(v, ST_GRANTS_FOR_ACTOR);
	size_t n = 0;
	int rc;

	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, g->cs.id);
	/* Organisation ids are never empty, so "" matches no org grant. */
	vault__bind_text(s, 2, v->org);
	vault__bind_text(s, 3, v->user);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* a lapsed grant decides nothing: kept, lapsed grants filled the
		 * places of a live one (attack 90e) */
		if (sqlite3_column_int64(s, 2) != 0 && sqlite3_column_int64(s, 2) <= g->req.now)
			continue;
		if (n == GATE_MAX_GRANTS)
			continue; /* more grants add nothing a decision needs */
		g->grants[n].classes = (unsigned int)sqlite3_column_int(s, 0);
		g->grants[n].perm = (vault_perm)sqlite3_column_int(s, 1);
		g->grants[n].expires = sqlite3_column_int64(s, 2);
		g->grants[n].revoked = sqlite3_column_int(s, 3);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return vault__sql_status(v, rc, "grants");
	g->req.grants = g->grants;
	g->req.ngrants = n;

	s = vault__stmt(v, ST_BREAKGLASS_GET);
	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, g->cs.id);
	vault__bind_text(s, 2, v->user);
	/* begun by this machine's clock, not the log's (at_log_time) */
	sqlite3_bind_int64(s, 3, vault__now() + VAULT_LOG_AHEAD_S);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		g->req.break_glass_until = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? VAULT_OK : vault__sql_status(v, rc, "break-glass");
}

/* ---- the transaction cache ----------------------------------------------
 * Inside vault_begin() the write lock is held from one operation to the
 * next, so what a record operation loaded about its case (the case row, the
 * actor's grant rows, break-glass, class epochs) cannot change under it,
 * except by this handle: every operation that is not a light record
 * operation, every rotation and every rollback clears the cache.  Rows are
 * cached, not decisions: expiry is still judged at each operation's time.
 * A batch of puts to one case then costs one look-up, not one per record. */

struct txn_cache {
	int valid;
	case_row cs;
	policy_grant grants[GATE_MAX_GRANTS];
	size_t ngrants;
	int64_t bg_until;
	uint32_t epoch[3];      /* per class (bit index); 0: not loaded */
	unsigned int lapsed_ok; /* classes whose holders were checked */
};

static int class_index(unsigned int cls)
{
	return cls == VAULT_CLASS_GENERAL ? 0 : cls == VAULT_CLASS_SENSITIVE ? 1 : 2;
}

void vault__txn_cache_clear(vault *v)
{
	if (v->tc != NULL)
		memset(v->tc, 0, sizeof(*v->tc));
}

void vault__txn_cache_free(vault *v)
{
	free(v->tc);
	v->tc = NULL;
}

/* The cache, if it holds `case_id` and may be used now. */
static struct txn_cache *tc_for(vault *v, const char *case_id)
{
	if (!v->user_txn || v->tc == NULL || !v->tc->valid ||
	    strcmp(v->tc->cs.id, case_id) != 0)
		return NULL;
	return v->tc;
}

int vault__txn_cache_lapsed_checked(vault *v, const char *case_id, unsigned int cls)
{
	struct txn_cache *tc = tc_for(v, case_id);

	return tc != NULL && (tc->lapsed_ok & cls) != 0;
}

void vault__txn_cache_lapsed_mark(vault *v, const char *case_id, unsigned int cls)
{
	struct txn_cache *tc = tc_for(v, case_id);

	if (tc != NULL)
		tc->lapsed_ok |= cls;
}

/* Load the case and the actor's grants into g, from the cache if it has
 * them (light operations inside vault_begin()), else from the database. */
static vault_status load_case(vault *v, gate *g, const char *case_id, int light)
{
	struct txn_cache *tc = light ? tc_for(v, case_id) : NULL;
	vault_status st;

	if (tc != NULL) {
		g->cs = tc->cs;
		memcpy(g->grants, tc->grants, tc->ngrants * sizeof(tc->grants[0]));
		g->req.grants = g->grants;
		g->req.ngrants = tc->ngrants;
		g->req.break_glass_until = tc->bg_until;
		return VAULT_OK;
	}
	/* The case's rows are the ones the signed log holds, before any of
	 * them decides anything. */
	st = vault__facts_check_case(v, case_id);
	if (st == VAULT_OK)
		st = vault__case_load(v, case_id, &g->cs);
	if (st == VAULT_OK)
		st = load_grants(v, g);
	if (st != VAULT_OK || !light || !v->user_txn)
		return st;
	if (v->tc == NULL)
		v->tc = vault__calloc(1, sizeof(*v->tc));
	if (v->tc != NULL) {
		memset(v->tc, 0, sizeof(*v->tc));
		v->tc->cs = g->cs;
		memcpy(v->tc->grants, g->grants, g->req.ngrants * sizeof(g->grants[0]));
		v->tc->ngrants = g->req.ngrants;
		v->tc->bg_until = g->req.break_glass_until;
		v->tc->valid = 1;
	}
	return VAULT_OK;
}

/* A handle opened before its user was disabled must stop: checked inside
 * every write transaction (once per vault_begin() batch: the lock is held).
 * A disabled user's keys are wiped from the handle at once. */
static vault_status check_live(vault *v)
{
	sqlite3_stmt *s;
	int rc, disabled = 1;

	if (v->user_txn && v->live_checked)
		return VAULT_OK;
	s = vault__stmt(v, ST_USER_LIVE);
	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, v->user);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		disabled = sqlite3_column_int(s, 0) != 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return vault__sql_status(v, rc, "user");
	if (disabled) {
		v->dead = 1;
		vault__cache_forget(v);
		vault__wipe(v->cache, KEYCACHE_SLOTS * sizeof(keycache_entry));
		vault__wipe(v->sec, sizeof(*v->sec));
		return vault__err(v, VAULT_ERR_AUTH, "this user was disabled; close the handle");
	}
	v->live_checked = v->user_txn;
	return VAULT_OK;
}

/* Invariant 3: nothing leaves the library before its entry is durable.  A
 * caller's transaction (vault_begin) could be rolled back, or the process
 * killed, after the data left and before the entry committed; so calls that
 * hand out case content, keys, links, metadata or the log are refused inside
 * one.  Everything that is not a write discloses something. */
static int discloses(const char *action)
{
	static const char *const verbs[] = {".get", ".show", ".list", ".links", ".history"};
	const char *dot = strrchr(action, '.');
	size_t i;

	/* Every listing ("case.list.restricted" too), every read of the log,
	 * every report, break-glass. */
	if (strncmp(action, "audit.", 6) == 0 || strncmp(action, "report.", 7) == 0 ||
	    strstr(action, ".list") != NULL || strcmp(action, "break-glass") == 0)
		return 1;
	for (i = 0; dot != NULL && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncmp(dot, verbs[i], strlen(verbs[i])) == 0)
			return 1;
	return 0;
}

/* Decided at the log's time, never before it: the replay judges an entry
 * at the latest time of the entries so far, which their signers state.
 * An entry dated ahead (any user can sign one) made the replay judge the
 * next honest ones later than the library had decided them: a share
 * decided on a right that ends before that time was refused by every
 * open, the whole vault locked (attacks 190d, 190h).  What the clock of
 * this machine still decides is which break-glass windows have begun
 * (load_grants): one dated ahead opens nothing before its time (190a). */
static void at_log_time(vault *v, gate *g)
{
	int64_t t = vault__facts_time(v);

	if (t > g->req.now)
		g->req.now = t;
}

static vault_status gate_open(vault *v, gate *g, const char *action,
                              policy_action pa, const char *case_id,
                              const char *target, unsigned int classes,
                              gate_fill_cb fill, void *fill_ctx, int light)
{
	vault_status st;

	memset(g, 0, sizeof(*g));
	g->v = v;
	g->ev.action = action;
	g->ev.case_id = case_id;
	g->ev.target = target;
	g->ev.classes = classes;
	g->req.now = vault__now();
	g->req.action = pa;
	g->req.role = v->role;
	g->req.actor = v->user;
	g->req.actor_org = v->org[0] ? v->org : NULL;
	g->req.actor_org_kind = v->org_kind;
	g->req.classes = classes;

	if (!light)
		vault__txn_cache_clear(v); /* it may change what the cache holds */
	if (v->dead)
		return vault__err(v, VAULT_ERR_AUTH, "this user was disabled; close the handle");
	if (v->user_txn && discloses(action))
		return vault__err(v, VAULT_ERR_STATE, "%s hands out data, so it runs outside"
		                  " vault_begin(): its audit entry must be durable first", action);
	st = light ? vault__txn_begin_light(v) : vault__txn_begin(v);
	if (st != VAULT_OK)
		return st;
	g->in_txn = 1;
	/* Decided now, under the lock, and the entry says so: the replay
	 * judges the entry at its time, and a grant that lapsed between the
	 * decision and the entry (a passphrase's key derivation takes
	 * seconds) made an entry no replay accepted (attack 80o). */
	g->req.now = vault__now();
	/* The facts first: what others appended, and rows written around us. */
	st = vault__facts_sync(v);
	if (st == VAULT_OK && !vault__facts_signer_current(v))
		st = vault__err(v, VAULT_ERR_STATE, "your keys changed since this handle was"
		                " opened (another passphrase change?): open the vault again");
	if (st != VAULT_OK) {
		vault__txn_end(v, 0);
		/* not recorded: the log itself is in question, or an entry signed
		 * with a key she no longer holds would not verify */
		g->in_txn = 0;
		return st;
	}
	st = check_live(v);
	if (st == VAULT_OK)
		at_log_time(v, g);
	if (st != VAULT_OK) {
		vault__txn_end(v, 0);
		g->in_txn = 0; /* not recorded: the entry would not verify */
		return st;
	}
	if ((st = vault__check_expired(v)) != VAULT_OK) {
		/* Recorded: whoever chose that passphrase may be the one trying. */
		g->ev.reason = "the passphrase must be changed first";
		return st;
	}
	if (case_id != NULL) {
		st = load_case(v, g, case_id, light);
		if (st != VAULT_OK)
			return st;
		g->have_case = 1;
		g->req.has_case = 1;
		g->req.case_kind = g->cs.kind;
		g->req.owner_org = g->cs.owner_org;
		g->req.restricted = g->cs.restricted;
	}
	if (fill != NULL) {
		fill(g, fill_ctx);
		if (g->fill_status == VAULT_ERR_NOT_FOUND && case_id != NULL) {
			/* Say "not found" only to someone who may see the case. */
			g->req.action = POLICY_META;
		} else if (g->fill_status != VAULT_OK) {
			return g->fill_status;
		}
	}
	if (pa == POLICY_NONE) {
		/* Actions open to every unlocked user (their own passphrase,
		 * listing names): recorded, not decided. */
		g->dec.allow = 1;
		g->dec.status = VAULT_OK;
		return g->fill_status;
	}
	vault_policy_decide(&g->req, &g->dec);
	g->ev.high = g->dec.high;
	if (!g->dec.allow) {
		g->ev.reason = g->dec.reason;
		return vault__err(v, g->dec.status, "%s", g->dec.reason);
	}
	if (g->fill_status != VAULT_OK)
		return g->fill_status;
	return VAULT_OK;
}

vault_status vault__gate_open(vault *v, gate *g, const char *action,
                              policy_action pa, const char *case_id,
                              const char *target, unsigned int classes,
                              gate_fill_cb fill, void *fill_ctx)
{
	return gate_open(v, g, action, pa, case_id, target, classes, fill, fill_ctx, 0);
}

vault_status vault__gate_open_light(vault *v, gate *g, const char *action,
                                    policy_action pa, const char *case_id,
                                    const char *target, unsigned int classes,
                                    gate_fill_cb fill, void *fill_ctx)
{
	return gate_open(v, g, action, pa, case_id, target, classes, fill, fill_ctx, 1);
}

/* A refusal or failure inside the caller's transaction.  Its entry must be
 * durable before the status is returned, and the caller could still roll
 * the transaction back or be killed before committing it.  So the caller's
 * transaction ends here, undone (it would be half an import without the
 * failed step), the entry commits in a transaction of its own, and the
 * handle answers VAULT_ERR_STATE until vault_rollback(). */
static vault_status close_alone(gate *g, vault_status st)
{
	vault *v = g->v;
	vault_status ast;
	char saved[sizeof(v->errmsg)];

	memcpy(saved, v->errmsg, sizeof(saved));
	sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	v->op_depth = 0;
	v->head_known = 0;
	v->unsigned_entries = 0;
	v->live_checked = 0;
	vault__cache_forget(v);
	g->in_txn = 0;
	if (g->ev.reason == NULL)
		g->ev.reason = vault_strerror(st);
	g->ev.outcome = vault__outcome_of(st);
	v->user_txn = 0; /* the entry's own BEGIN IMMEDIATE ... COMMIT */
	ast = vault__txn_begin(v);
	if (ast == VAULT_OK) {
		ast = vault__audit_append(v, &g->ev);
		ast = vault__txn_end(v, ast == VAULT_OK) == VAULT_OK ? ast : VAULT_ERR_AUDIT;
	}
	/* Still "in" the caller's transaction, which SQLite no longer has: every
	 * call but vault_rollback() gets VAULT_ERR_STATE. */
	v->user_txn = 1;
	if (ast != VAULT_OK)
		return vault__err(v, ast == VAULT_ERR_NOSPACE ? ast : VAULT_ERR_AUDIT,
		                  "the audit entry could not be written; the transaction was"
		                  " rolled back");
	memcpy(v->errmsg, saved, sizeof(saved));
	return st;
}

vault_status vault__gate_close(gate *g, vault_status st)
{
	vault *v = g->v;
	vault_status ast, cst;
	char saved[sizeof(v->errmsg)];

	if (!g->in_txn)
		return st; /* the transaction never started: nothing to record */
	if (sqlite3_get_autocommit(v->db)) {
		/* SQLite rolled the whole transaction back (out of memory, disk
		 * full, I/O error, damage): nothing of the operation is left, and
		 * its entry cannot be written in that transaction.  Written now it
		 * would commit alone, outside the write lock. */
		v->op_depth = 0;
		v->head_known = 0;
		v->unsigned_entries = 0;
		vault__cache_forget(v);
		g->in_txn = 0;
		return st != VAULT_OK ? st
		                      : vault__err(v, VAULT_ERR_IO, "the transaction was lost");
	}
	if (st != VAULT_OK && v->user_txn)
		return close_alone(g, st);
	memcpy(saved, v->errmsg, sizeof(saved));
	if (st != VAULT_OK) {
		/* Undo the work, keep the attempt. */
		vault__txn_undo_op(v);
		if (g->ev.reason == NULL)
			g->ev.reason = vault_strerror(st);
	}
	g->ev.outcome = vault__outcome_of(st);
	g->ev.ts = g->req.now;
	ast = vault__audit_append(v, &g->ev);
	if (ast != VAULT_OK && st == VAULT_OK && g->undo != NULL && g->undo(g) != VAULT_OK &&
	    v->user_txn) {
		/* The row cannot be taken back: nothing of the caller's
		 * transaction can be trusted to commit without its entry.
		 * user_txn stays set: the caller's next calls get
		 * VAULT_ERR_STATE until vault_rollback(), rather than each
		 * committing on its own. */
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
		v->op_depth = 0;
		v->head_known = 0;
		v->unsigned_entries = 0;
		vault__cache_forget(v);
		g->in_txn = 0;
		return vault__err(v, VAULT_ERR_AUDIT, "the audit entry could not be written;"
		                  " the transaction was rolled back");
	}
	if (ast != VAULT_OK) {
		vault__txn_end(v, 0);
		g->in_txn = 0;
		/* A damaged database or a full disk is the cause, not the log. */
		if (ast == VAULT_ERR_NOSPACE || st == VAULT_ERR_NOSPACE)
			return vault__err(v, VAULT_ERR_NOSPACE, "%s", VAULT_MSG_DISK_FULL);
		if (ast == VAULT_ERR_INTEGRITY)
			return VAULT_ERR_INTEGRITY; /* its message is set */
		if (ast == VAULT_ERR_CORRUPT || st == VAULT_ERR_CORRUPT)
			return vault__err(v, VAULT_ERR_CORRUPT, "the database is damaged: the"
			                  " audit entry could not be written; nothing was done");
		return vault__err(v, VAULT_ERR_AUDIT,
		                  "the audit entry could not be written; nothing was done");
	}
	cst = vault__txn_end(v, 1);
	g->in_txn = 0;
	if (cst != VAULT_OK)
		return cst;
	memcpy(v->errmsg, saved, sizeof(saved));
	return st;
}

/* ---- key cache ----------------------------------------------------------- */

static keycache_entry *cache_find(vault *v, const char *owner, uint32_t kind,
                                  uint32_t epoch)
{
	int i;

	for (i = 0; i < KEYCACHE_SLOTS; i++) {
		keycache_entry *e = &v->cache[i];
		if (e->used && e->kind == kind && e->epoch == epoch &&
		    strcmp(e->owner, owner) == 0) {
			e->used = ++v->cache_tick;
			return e;
		}
	}
	return NULL;
}

static void cache_put(vault *v, const char *owner, uint32_t kind, uint32_t epoch,
                      const unsigned char key[32])
{
	keycache_entry *victim = &v->cache[0];
	int i;

	for (i = 0; i < KEYCACHE_SLOTS; i++) {
		if (!v->cache[i].used) {
			victim = &v->cache[i];
			break;
		}
		if (v->cache[i].used < victim->used)
			victim = &v->cache[i];
	}
	snprintf(victim->owner, sizeof(victim->owner), "%s", owner);
	victim->kind = kind;
	victim->epoch = epoch;
	victim->used = ++v->cache_tick;
	memcpy(victim->key, key, 32);
}

void vault__cache_forget(vault *v)
{
	vault__facts_reset(v);
	vault__txn_cache_clear(v);
	if (v->cache != NULL)
		vault__wipe(v->cache, KEYCACHE_SLOTS * sizeof(keycache_entry));
}

/* ---- organisation keys -------------------------------------------------- */

vault_status vault__org_pk(vault *v, const char *org, int which, uint32_t epoch,
                           unsigned char pk[32])
{
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	/* cached: asked for each class key a first use unseals */
	st = vault__stmt_text(v, "SELECT pk FROM org_pubkeys WHERE org = ?1 AND"
	                         " epoch = ?2 AND which = ?3", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, org);
	sqlite3_bind_int64(s, 2, epoch);
	sqlite3_bind_int(s, 3, which);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == 32)
		memcpy(pk, sqlite3_column_blob(s, 0), 32);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		st = vault__err(v, VAULT_ERR_CORRUPT, "organisation key missing");
	else
		st = vault__sql_status(v, rc, "organisation key");
	sqlite3_reset(s);
	return st;
}

vault_status vault__org_key(vault *v, const char *org, int which, uint32_t epoch,
                            unsigned char sk[32])
{
	char owner[VAULT_NAME_MAX + 4];
	unsigned char pk[32];
	keycache_entry *e;
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	snprintf(owner, sizeof(owner), "o:%s", org);
	e = cache_find(v, owner, (uint32_t)which, epoch);
	if (e != NULL) {
		memcpy(sk, e->key, 32);
		return VAULT_OK;
	}
	st = vault__prepare(v, "SELECT sealed FROM org_keys WHERE org = ?1 AND"
	                       " epoch = ?2 AND which = ?3 AND user = ?4", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, org);
	sqlite3_bind_int64(s, 2, epoch);
	sqlite3_bind_int(s, 3, which);
	vault__bind_text(s, 4, v->user);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (vault__unseal(sk, sqlite3_column_blob(s, 0),
		                  (size_t)sqlite3_column_bytes(s, 0), v->sec->box_pk,
		                  v->sec->box_sk) != 0)
			st = vault__err(v, VAULT_ERR_CORRUPT,
			                "an organisation key sealed to you does not open");
	} else if (rc == SQLITE_DONE) {
		st = vault__err(v, VAULT_ERR_DENIED, "you hold no key of organisation %s", org);
	} else {
		st = vault__sql_status(v, rc, "organisation key");
	}
	sqlite3_finalize(s);
	/* The key opened must be the organisation's published one (a fact):
	 * a seal planted by a key-slot holder gives another. */
	if (st == VAULT_OK) {
		unsigned char derived[32];

		st = vault__org_pk(v, org, which, epoch, pk);
		crypto_scalarmult_base(derived, sk);
		if (st == VAULT_OK && sodium_memcmp(derived, pk, 32) != 0)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "the key of organisation %s sealed"
			                " to you is not its published key: a key was planted", org);
		if (st != VAULT_OK)
			vault__wipe(sk, 32);
	}
	if (st == VAULT_OK)
		cache_put(v, owner, (uint32_t)which, epoch, sk);
	return st;
}

/* ---- class keys ------------------------------------------------------------ */

vault_status vault__class_epoch(vault *v, const char *case_id, unsigned int cls,
                                uint32_t *epoch)
{
	struct txn_cache *tc = tc_for(v, case_id);
	sqlite3_stmt *s;
	int rc;

	if (tc != NULL && tc->epoch[class_index(cls)] != 0) {
		*epoch = tc->epoch[class_index(cls)];
		return VAULT_OK;
	}
	s = vault__stmt(v, ST_EPOCH_GET);
	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, (int)cls);
	rc = sqlite3_step(s);
	*epoch = rc == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (tc != NULL)
		tc->epoch[class_index(cls)] = *epoch;
	if (rc == SQLITE_DONE)
		return vault__err(v, VAULT_ERR_CORRUPT, "case has no key for a class");
	return rc == SQLITE_ROW ? VAULT_OK : vault__sql_status(v, rc, "epoch");
}

/* A class key opened from a seal is the one its epoch's signed commitment
 * names.  The class_epochs row itself is a fact, checked with its case
 * (vault__facts_check_case); an epoch without one is a case made before
 * schema 7 (legacy) or a row removed around the library. */
static vault_status check_commitment(vault *v, const char *case_id, unsigned int cls,
                                     uint32_t epoch, const unsigned char key[32])
{
	unsigned char want[32];
	sqlite3_stmt *s = NULL;
	vault_status st;
	int rc;

	/* cached: the first use of a case checks a key of each class */
	st = vault__stmt_text(v, "SELECT commitment, rowid FROM class_epochs WHERE case_id = ?1"
	                         " AND class = ?2 AND epoch = ?3", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int64(s, 3, epoch);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int64_t rowid = sqlite3_column_int64(s, 1);

		vault__facts_commitment(key, case_id, cls, epoch, want);
		if (sqlite3_column_bytes(s, 0) != 32 ||
		    sodium_memcmp(sqlite3_column_blob(s, 0), want, 32) != 0)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "the %s key of this case (epoch %u)"
			                " sealed to you is not the one its signed commitment names:"
			                " a key was planted", vault_class_name((vault_class)cls),
			                (unsigned)epoch);
		sqlite3_reset(s);
		return st == VAULT_OK ? vault__facts_check_row(v, "class_epochs", rowid, 0) : st;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return vault__sql_status(v, rc, "class epochs");
	if (vault__facts_case_legacy(v, case_id))
		return VAULT_OK;
	return vault__err(v, VAULT_ERR_INTEGRITY, "the %s key of this case (epoch %u) has no"
	                  " signed commitment", vault_class_name((vault_class)cls),
	                  (unsigned)epoch);
}

vault_status vault__class_key(vault *v, const char *case_id, unsigned int cls,
                              uint32_t epoch, unsigned char key[32])
{
	keycache_entry *e = cache_find(v, case_id, cls, epoch);
	sqlite3_stmt *s;
	unsigned char *osk = NULL;
	vault_status st = VAULT_OK, kst, hard = VAULT_OK;
	int rc, found = 0;

	if (e != NULL) {
		memcpy(key, e->key, 32);
		return VAULT_OK;
	}
	s = vault__stmt(v, ST_CLASSKEY_FIND);
	if (s == NULL)
		return prepare_failed(v, "prepare");
	osk = v->sec->orgsk;
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int64(s, 3, epoch);
	vault__bind_text(s, 4, v->user);
	vault__bind_text(s, 5, v->org);
	sqlite3_bind_int(s, 6, v->role == VAULT_ROLE_SUPERVISOR);
	while (!found && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int hkind = sqlite3_column_int(s, 0);
		uint32_t hepoch = (uint32_t)sqlite3_column_int64(s, 2);
		const void *sealed = sqlite3_column_blob(s, 3);
		size_t slen = (size_t)sqlite3_column_bytes(s, 3);
		unsigned char opk[32];

		if (hkind == HOLDER_USER) {
			found = vault__unseal(key, sealed, slen, v->sec->box_pk,
			                      v->sec->box_sk) == 0;
			continue;
		}
		kst = vault__org_key(v, v->org, hkind, hepoch, osk);
		if (kst == VAULT_OK)
			kst = vault__org_pk(v, v->org, hkind, hepoch, opk);
		if (kst != VAULT_OK) {
			/* Not holding that organisation key is a refusal; a damaged
			 * or busy database is not. */
			if (kst != VAULT_ERR_DENIED && hard == VAULT_OK)
				hard = kst;
			continue;
		}
		found = vault__unseal(key, sealed, slen, opk, osk) == 0;
	}
	sqlite3_reset(s);
	vault__wipe(osk, sizeof(v->sec->orgsk));
	if (found && (st = check_commitment(v, case_id, cls, epoch, key)) != VAULT_OK) {
		vault__wipe(key, 32);
		return st;
	}
	if (found)
		cache_put(v, case_id, cls, epoch, key);
	else if (rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "class key"); /* damaged, busy: not a refusal */
	else if (hard != VAULT_OK)
		st = hard; /* its message is set */
	else
		st = vault__err(v, VAULT_ERR_DENIED,
		                "no key you hold opens this class of the case");
	return st;
}

typedef struct holder {
	int hkind;
	char name[VAULT_NAME_MAX + 1];
} holder;

/* The public key and key epoch a class key is sealed to for one holder, or
 * 0 if this holder must not get it (separation, disabled user); *keys, an
 * organisation's orgs.admin_keys (ORG_KEYS_OWN for a user). */
static int holder_pk(vault *v, const case_row *cs, unsigned int cls,
                     const holder *h, unsigned char pk[32], uint32_t *hepoch, int *keys)
{
	sqlite3_stmt *s;
	int ok = 0, sep_kind, rc;

	*keys = ORG_KEYS_OWN;
	if (h->hkind == HOLDER_USER) {
		if (vault__prepare(v, "SELECT u.box_pk, COALESCE(o.kind, 0) FROM users u"
		                      " LEFT JOIN orgs o ON o.id = u.org"
		                      " WHERE u.name = ?1 AND u.disabled = 0", &s) != VAULT_OK)
			return -1;
		vault__bind_text(s, 1, h->name);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == 32) {
			memcpy(pk, sqlite3_column_blob(s, 0), 32);
			sep_kind = sqlite3_column_int(s, 1);
			ok = 1;
			*hepoch = 0;
		}
	} else {
		if (vault__prepare(v, "SELECT p.pk, o.kind, o.epoch, o.admin_keys FROM orgs o"
		                      " JOIN org_pubkeys p ON p.org = o.id AND p.epoch = o.epoch"
		                      " WHERE o.id = ?1 AND p.which = ?2", &s) != VAULT_OK)
			return -1;
		vault__bind_text(s, 1, h->name);
		sqlite3_bind_int(s, 2, h->hkind);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == 32) {
			memcpy(pk, sqlite3_column_blob(s, 0), 32);
			sep_kind = sqlite3_column_int(s, 1);
			*hepoch = (uint32_t)sqlite3_column_int64(s, 2);
			*keys = sqlite3_column_int(s, 3);
			ok = 1;
		}
	}
	sqlite3_finalize(s);
	/* A failed look-up is an error, not a holder to leave out. */
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	/* Invariant 5, in the keys: the safety class of a victim case is never
	 * sealed to a perpetrator programme or to one of its members. */
	if (ok && cs->kind == VAULT_CASE_VICTIM && cls == VAULT_CLASS_SAFETY &&
	    sep_kind == VAULT_ORG_PERPETRATOR_PROGRAMME)
		ok = 0;
	return ok;
}

/* Seal `key`, epoch `epoch` of a class, to one holder.  *left_out (may be
 * NULL) says whether an organisation was left out because its keys are
 * not its own: another organisation's, when `leave_out` (a rotation goes
 * on without it, and gives it the epochs it missed once its keys are its
 * own: refill_missed); else, and the caller's own, refused. */
static vault_status seal_to(vault *v, const case_row *cs, unsigned int cls,
                            uint32_t epoch, const holder *h,
                            const unsigned char key[32], int leave_out, int *left_out)
{
	unsigned char pk[32], sealed[VAULT_SEALED_KEY_BYTES];
	uint32_t hepoch = 0;
	sqlite3_stmt *s;
	vault_status st;
	int keys, ok = holder_pk(v, cs, cls, h, pk, &hepoch, &keys);

	if (left_out != NULL)
		*left_out = 0;
	if (ok < 0)
		return prepare_failed(v, "holder");
	if (ok == 0)
		return VAULT_OK;
	/* Nothing is sealed to organisation keys someone outside it may
	 * know: the admin's first ones (attack 150b), or those a member an
	 * admin disabled holds (150c).  Its supervisor makes the next ones;
	 * until then a write of its own that needs a key sealed to it waits,
	 * and another's leaves it out (a centre owing keys held up the
	 * writes, withdrawals and disables of every centre sharing a case
	 * with it: attacks 160a, 160c, 160d).  (An organisation of a 1.x vault
	 * whose first supervisor has not changed her passphrase since is
	 * sealed to as 1.x did: SECURITY.md, Known limits.) */
	if (keys == ORG_KEYS_FIRST && vault__facts_org_legacy(v, h->name))
		keys = ORG_KEYS_OWN;
	if (keys != ORG_KEYS_OWN && leave_out &&
	    !(v->org[0] != '\0' && strcmp(v->org, h->name) == 0)) {
		if (left_out != NULL)
			*left_out = 1;
		return VAULT_OK;
	}
	if (keys == ORG_KEYS_FIRST)
		return vault__err(v, VAULT_ERR_STATE, "organisation %s has no keys of its own"
		                  " yet: its first supervisor makes them when she chooses her"
		                  " passphrase (vault passwd)", h->name);
	if (keys != ORG_KEYS_OWN)
		return vault__err(v, VAULT_ERR_STATE, "organisation %s owes new keys (an admin"
		                  " disabled one of its members): they are made when one of its"
		                  " supervisors next opens the vault", h->name);
	/* A key nothing can be sealed to (one of low order, which a user may
	 * sign as her own new key) leaves that holder out, not the operation
	 * (attacks 70f, 80a). */
	if (vault__seal(sealed, key, pk) != 0)
		return VAULT_OK;
	st = vault__prepare(v, "INSERT OR REPLACE INTO class_keys(case_id, class, epoch,"
	                       " hkind, holder, hepoch, sealed) VALUES(?1,?2,?3,?4,?5,?6,?7)", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, cs->id);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int64(s, 3, epoch);
	sqlite3_bind_int(s, 4, h->hkind);
	vault__bind_text(s, 5, h->name);
	sqlite3_bind_int64(s, 6, hepoch);
	sqlite3_bind_blob(s, 7, sealed, sizeof(sealed), SQLITE_STATIC);
	st = vault__sql_status(v, sqlite3_step(s), "seal class key");
	sqlite3_finalize(s);
	return st;
}

/* An organisation left out of a rotation while its keys were not its own
 * (seal_to) is sealed the epochs before `epoch` it has no seal of, among
 * those the caller holds, at a later rotation or write
 * (vault__class_refill): what was written for it meanwhile is its to read
 * again, whoever wrote first (attack 170a).  (Every holder of a live grant
 * has them all: a share seals every epoch, vault__class_seal_all.)  Best
 * effort: an epoch the caller cannot open is left, not the write. */
static vault_status refill_missed(vault *v, const case_row *cs, unsigned int cls,
                                  uint32_t epoch, const holder *h)
{
	unsigned char *key;
	sqlite3_stmt *s;
	vault_status st, kst;
	uint32_t e;
	int64_t have = 0;
	int rc;

	st = vault__prepare(v, "SELECT count(*) FROM class_keys WHERE case_id = ?1 AND class = ?2"
	                       " AND hkind = ?3 AND holder = ?4 AND epoch >= 1 AND epoch < ?5", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, cs->id);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int(s, 3, h->hkind);
	vault__bind_text(s, 4, h->name);
	sqlite3_bind_int64(s, 5, epoch);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		have = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return vault__sql_status(v, rc, "class keys");
	if (have >= (int64_t)epoch - 1)
		return VAULT_OK;
	/* a light operation's writes take their savepoint first */
	st = vault__txn_savepoint(v);
	if (st != VAULT_OK)
		return st;
	key = vault__secure_alloc(32);
	if (key == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	for (e = 1; e < epoch && st == VAULT_OK; e++) {
		st = vault__prepare(v, "SELECT 1 FROM class_keys WHERE case_id = ?1 AND class = ?2"
		                       " AND epoch = ?3 AND hkind = ?4 AND holder = ?5", &s);
		if (st != VAULT_OK)
			break;
		vault__bind_text(s, 1, cs->id);
		sqlite3_bind_int(s, 2, (int)cls);
		sqlite3_bind_int64(s, 3, e);
		sqlite3_bind_int(s, 4, h->hkind);
		vault__bind_text(s, 5, h->name);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc == SQLITE_ROW)
			continue;
		if (rc != SQLITE_DONE) {
			st = vault__sql_status(v, rc, "class keys");
			break;
		}
		kst = vault__class_key(v, cs->id, cls, e, key);
		if (kst == VAULT_OK)
			st = seal_to(v, cs, cls, e, h, key, 1, NULL);
		else if (kst == VAULT_ERR_NOMEM)
			st = kst;
	}
	vault__secure_free(key);
	return st;
}

/* Who a class key of the case is sealed to: the owning organisation's
 * supervisors (every case in escrow, for break-glass), and every holder of
 * a live grant covering the class.  *out is the caller's to free. */
static vault_status class_holders(vault *v, const case_row *cs, unsigned int cls,
                                  holder **out, size_t *nh)
{
	size_t cap = 8;
	holder *hs = vault__calloc(cap, sizeof(*hs));
	sqlite3_stmt *s = NULL;
	vault_status st;
	int rc;

	*out = NULL;
	*nh = 0;
	if (hs == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	hs[0].hkind = HOLDER_ORG_SUP;
	snprintf(hs[0].name, sizeof(hs[0].name), "%s", cs->owner_org);
	*nh = 1;
	st = vault__prepare(v, "SELECT DISTINCT pkind, principal FROM grants"
	                       " WHERE case_id = ?1 AND revoked = 0 AND (classes & ?2) != 0"
	                       " AND (expires = 0 OR expires > ?3)", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, cs->id);
		sqlite3_bind_int(s, 2, (int)cls);
		sqlite3_bind_int64(s, 3, vault__now());
	}
	while (st == VAULT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*nh == cap) {
			holder *n = realloc(hs, 2 * cap * sizeof(*hs));

			if (n == NULL) {
				st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
				break;
			}
			hs = n;
			cap *= 2;
		}
		hs[*nh].hkind = sqlite3_column_int(s, 0) == VAULT_PRINCIPAL_ORG ? HOLDER_ORG
		                                                               : HOLDER_USER;
		snprintf(hs[*nh].name, sizeof(hs[*nh].name), "%s",
		         (const char *)sqlite3_column_text(s, 1));
		(*nh)++;
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "grants");
	sqlite3_finalize(s);
	if (st != VAULT_OK) {
		free(hs);
		*nh = 0;
		return st;
	}
	*out = hs;
	return VAULT_OK;
}

vault_status vault__class_refill(vault *v, const char *case_id, unsigned int cls)
{
	holder *hs = NULL;
	size_t nh = 0, i;
	uint32_t epoch;
	case_row cs;
	vault_status st;

	st = vault__case_load(v, case_id, &cs);
	if (st == VAULT_OK)
		st = vault__class_epoch(v, case_id, cls, &epoch);
	if (st == VAULT_OK && epoch >= UINT32_MAX)
		return VAULT_OK;
	if (st == VAULT_OK)
		st = class_holders(v, &cs, cls, &hs, &nh);
	for (i = 0; i < nh && st == VAULT_OK; i++)
		if (hs[i].hkind != HOLDER_USER)
			st = refill_missed(v, &cs, cls, epoch + 1, &hs[i]);
	free(hs);
	return st;
}

vault_status vault__class_rotate(vault *v, const char *case_id, unsigned int cls)
{
	unsigned char *key = NULL;
	holder *hs = NULL;
	size_t nh = 0, i;
	sqlite3_stmt *s = NULL;
	uint32_t epoch = 0;
	sqlite3_int64 e64;
	case_row cs;
	vault_status st;
	int rc;

	vault__txn_cache_clear(v); /* the epoch changes */
	st = vault__case_load(v, case_id, &cs);
	if (st != VAULT_OK)
		return st;
	/* Only a class with no key yet (a new case) starts at epoch 1: after
	 * any other failure, epoch 1 would be sealed again over the key that
	 * the case's oldest records need. */
	s = vault__stmt(v, ST_EPOCH_GET);
	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, (int)cls);
	rc = sqlite3_step(s);
	e64 = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	s = NULL;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return vault__sql_status(v, rc, "epoch");
	/* The rows were checked against the facts; a next epoch that does not
	 * fit is refused rather than wrapped over epoch 0 or 1. */
	if (e64 < 0 || e64 >= (sqlite3_int64)UINT32_MAX)
		return vault__err(v, VAULT_ERR_INTEGRITY, "the class's key epoch is out of range");
	epoch = (uint32_t)e64 + 1;
	key = vault__secure_alloc(32);
	if (key == NULL) {
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	st = class_holders(v, &cs, cls, &hs, &nh);
	if (st != VAULT_OK)
		goto cleanup;
	vault__random(key, 32);
	for (i = 0; i < nh && st == VAULT_OK; i++) {
		int left_out = 0;

		st = seal_to(v, &cs, cls, epoch, &hs[i], key, 1, &left_out);
		if (st == VAULT_OK && !left_out && hs[i].hkind != HOLDER_USER)
			st = refill_missed(v, &cs, cls, epoch, &hs[i]);
	}
	if (st != VAULT_OK)
		goto cleanup;
	st = vault__prepare(v, "INSERT OR REPLACE INTO case_classes(case_id, class, epoch)"
	                       " VALUES(?1, ?2, ?3)", &s);
	if (st != VAULT_OK)
		goto cleanup;
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int64(s, 3, epoch);
	st = vault__sql_status(v, sqlite3_step(s), "rotate");
	sqlite3_finalize(s);
	s = NULL;
	/* The epoch's commitment, a fact signed with this operation's entry:
	 * a reader refuses a key that does not match it (one planted in a
	 * seal by someone who was not entitled to make this epoch).  A plain
	 * INSERT: an epoch the log holds is never replaced (SQLite does not
	 * tell the update hook of the rows REPLACE deletes). */
	if (st == VAULT_OK)
		st = vault__prepare(v, "INSERT INTO class_epochs(case_id, class, epoch, author,"
		                       " commitment) VALUES(?1, ?2, ?3, ?4, ?5)", &s);
	if (st == VAULT_OK) {
		unsigned char c[32];

		vault__facts_commitment(key, case_id, cls, epoch, c);
		vault__bind_text(s, 1, case_id);
		sqlite3_bind_int(s, 2, (int)cls);
		sqlite3_bind_int64(s, 3, epoch);
		vault__bind_text(s, 4, v->user);
		sqlite3_bind_blob(s, 5, c, 32, SQLITE_STATIC); /* c lives until the step */
		st = vault__sql_status(v, sqlite3_step(s), "rotate");
	}
cleanup:
	sqlite3_finalize(s);
	vault__secure_free(key);
	free(hs);
	return st;
}

vault_status vault__class_seal_all(vault *v, const char *case_id, unsigned int cls,
                                   int hkind, const char *name)
{
	unsigned char *key;
	uint32_t epoch, e;
	case_row cs;
	holder h;
	vault_status st;

	st = vault__case_load(v, case_id, &cs);
	if (st == VAULT_OK)
		st = vault__class_epoch(v, case_id, cls, &epoch);
	if (st != VAULT_OK)
		return st;
	key = vault__secure_alloc(32);
	if (key == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	h.hkind = hkind;
	snprintf(h.name, sizeof(h.name), "%s", name);
	/* Every epoch, so the new holder reads the whole history: those the
	 * sharer holds (one an organisation was left out of while its keys
	 * were owed is sealed to it by a later write, vault__class_refill). */
	for (e = 1; e <= epoch && st == VAULT_OK; e++) {
		st = vault__class_key(v, case_id, cls, e, key);
		if (st == VAULT_OK)
			st = seal_to(v, &cs, cls, e, &h, key, 0, NULL);
		else if (st == VAULT_ERR_DENIED && e < epoch)
			st = VAULT_OK;
	}
	vault__secure_free(key);
	return st;
}

vault_status vault__gate_peek(vault *v, gate *g)
{
	vault_status st;

	g->v = v;
	g->have_case = 1;
	g->req.now = vault__now();
	g->req.action = POLICY_META;
	g->req.role = v->role;
	g->req.actor = v->user;
	g->req.actor_org = v->org[0] ? v->org : NULL;
	g->req.actor_org_kind = v->org_kind;
	g->req.has_case = 1;
	g->req.case_kind = g->cs.kind;
	g->req.owner_org = g->cs.owner_org;
	g->req.restricted = g->cs.restricted;
	st = load_grants(v, g);
	if (st != VAULT_OK)
		return st;
	vault_policy_decide(&g->req, &g->dec);
	return VAULT_OK;
}
