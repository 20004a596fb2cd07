/*
 * orgs.c - organisations and users, and the organisation keys.
 *
 * An organisation has two X25519 key pairs per epoch: the members' key
 * (HOLDER_ORG), sealed to every member, and the supervisors' key
 * (HOLDER_ORG_SUP), sealed to its supervisors only, which holds every case
 * of the organisation in escrow for break-glass.  The admin who creates an
 * organisation seals both to the first supervisor and keeps neither; later
 * members are added by a supervisor, who holds the keys to seal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "facts.h"

static vault_status put_org_pubkey(vault *v, const char *org, uint32_t epoch,
                                   int which, const unsigned char pk[32])
{
	sqlite3_stmt *s;
	vault_status st;

	st = vault__prepare(v, "INSERT INTO org_pubkeys(org, epoch, which, pk)"
	                       " VALUES(?1, ?2, ?3, ?4)", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, org);
	sqlite3_bind_int64(s, 2, epoch);
	sqlite3_bind_int(s, 3, which);
	sqlite3_bind_blob(s, 4, pk, 32, SQLITE_STATIC);
	st = vault__sql_status(v, sqlite3_step(s), "organisation key");
	sqlite3_finalize(s);
	return st;
}

/* Seal an organisation secret key to one user. */
static vault_status put_org_key(vault *v, const char *org, uint32_t epoch, int which,
                                const char *user, const unsigned char user_pk[32],
                                const unsigned char sk[32])
{
	unsigned char sealed[VAULT_SEALED_KEY_BYTES];
	sqlite3_stmt *s;
	vault_status st;

	/* A key nothing can be sealed to (one of low order, which a user may
	 * sign as her own new key) leaves her out, not the rotation that a
	 * disable or a withdrawal needs (attack 80a). */
	if (vault__seal(sealed, sk, user_pk) != 0)
		return VAULT_OK;
	st = vault__prepare(v, "INSERT OR REPLACE INTO org_keys(org, epoch, which, user,"
	                       " sealed) VALUES(?1, ?2, ?3, ?4, ?5)", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, org);
	sqlite3_bind_int64(s, 2, epoch);
	sqlite3_bind_int(s, 3, which);
	vault__bind_text(s, 4, user);
	sqlite3_bind_blob(s, 5, sealed, sizeof(sealed), SQLITE_STATIC);
	st = vault__sql_status(v, sqlite3_step(s), "organisation key");
	sqlite3_finalize(s);
	return st;
}

static int user_exists(vault *v, const char *name)
{
	sqlite3_stmt *s;
	int found = 0;

	if (vault__prepare(v, "SELECT 1 FROM users WHERE name = ?1", &s) != VAULT_OK)
		return -1;
	vault__bind_text(s, 1, name);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

/* A user's slot secrets and public keys, freshly made. */
typedef struct new_user {
	slot_secret *sec;
	unsigned char box_pk[32];
	unsigned char sign_pk[32];
} new_user;

static vault_status new_user_make(vault *v, new_user *u)
{
	u->sec = vault__secure_alloc(sizeof(*u->sec));
	if (u->sec == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	memcpy(u->sec->dbkey, v->sec->dbkey, 32);
	vault__box_keypair(u->box_pk, u->sec->box_sk);
	vault__sign_keypair(u->sign_pk, u->sec->sign_sk);
	return VAULT_OK;
}

static vault_status org_keys_new_epoch(vault *v, const char *org, uint32_t epoch,
                                       unsigned char *member_sk, unsigned char *sup_sk)
{
	unsigned char mpk[32], spk[32];
	vault_status st;

	vault__box_keypair(mpk, member_sk);
	vault__box_keypair(spk, sup_sk);
	st = put_org_pubkey(v, org, epoch, HOLDER_ORG, mpk);
	if (st == VAULT_OK)
		st = put_org_pubkey(v, org, epoch, HOLDER_ORG_SUP, spk);
	return st;
}

struct org_add_args {
	const char *id, *name, *sup;
	vault_org_kind kind;
	const unsigned char *pass;
	size_t passlen;
	vault_kdf kdf;
	int slot_written;
	char nonce[49];
};

static vault_status org_add_work(vault *v, gate *g, struct org_add_args *a)
{
	unsigned char *keys = NULL; /* member sk, supervisor sk */
	new_user u = {NULL, {0}, {0}};
	sqlite3_stmt *s = NULL;
	audit_event ev;
	vault_status st;
	int ex = user_exists(v, a->sup);

	if (ex != 0)
		return ex < 0 ? vault__sql_status(v, sqlite3_errcode(v->db), "user lookup")
		              : vault__err(v, VAULT_ERR_EXISTS, "user %s already exists", a->sup);
	/* admin_keys: the admin made these keys; the first supervisor's
	 * passphrase change replaces them (vault_passwd). */
	st = vault__prepare(v, "INSERT INTO orgs(id, name, kind, epoch, created, admin_keys)"
	                       " VALUES(?1, ?2, ?3, 1, ?4, 1)", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, a->id);
	vault__bind_text(s, 2, a->name);
	sqlite3_bind_int(s, 3, (int)a->kind);
	sqlite3_bind_int64(s, 4, vault__now());
	st = vault__sql_status(v, sqlite3_step(s), "organisation");
	sqlite3_finalize(s);
	if (st == VAULT_ERR_EXISTS)
		return vault__err(v, st, "organisation %s already exists", a->id);
	if (st != VAULT_OK)
		return st;
	keys = vault__secure_alloc(64);
	if (keys == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	st = new_user_make(v, &u);
	if (st == VAULT_OK)
		st = org_keys_new_epoch(v, a->id, 1, keys, keys + 32);
	if (st == VAULT_OK)
		st = vault__insert_user(v, a->sup, a->id, VAULT_ROLE_SUPERVISOR, u.box_pk,
		                        u.sign_pk);
	if (st == VAULT_OK)
		st = put_org_key(v, a->id, 1, HOLDER_ORG, a->sup, u.box_pk, keys);
	if (st == VAULT_OK)
		st = put_org_key(v, a->id, 1, HOLDER_ORG_SUP, a->sup, u.box_pk, keys + 32);
	if (st == VAULT_OK) {
		/* The supervisor's key enters the chain's key history. */
		memset(&ev, 0, sizeof(ev));
		ev.action = "user.add";
		ev.target = a->sup;
		ev.cls_text = "";
		ev.reason = "first supervisor of the organisation";
		ev.outcome = VAULT_OUTCOME_OK;
		ev.newkey = u.sign_pk;
		st = vault__audit_append(v, &ev);
		if (st != VAULT_OK)
			st = vault__err(v, VAULT_ERR_AUDIT, "audit entry could not be written");
	}
	if (st == VAULT_OK) {
		/* Pending until the commit; the admin chose the passphrase, so
		 * it must change at first use. */
		st = vault__slot_write(v->dir, a->sup, a->pass, a->passlen, a->kdf, u.sec,
		                       SLOT_MUST_CHANGE, v->pinned_id, SLOT_PUT_NEW, a->nonce);
		if (st == VAULT_OK)
			a->slot_written = 1;
		else
			vault__err(v, st, "%s", vault_last_errmsg());
	}
	(void)g;
	/* The admin keeps no organisation key: they are wiped here. */
	vault__secure_free(keys);
	vault__secure_free(u.sec);
	return st;
}

vault_status vault_org_add(vault *v, const char *id, const char *display_name,
                           vault_org_kind kind, const char *supervisor,
                           const unsigned char *pass, size_t passlen, vault_kdf kdf)
{
	struct org_add_args a = {id, display_name, supervisor, kind, pass, passlen, kdf, 0, ""};
	unsigned long long ops;
	size_t mem;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "%s changes the key-slot file, which a"
		                  " rollback cannot undo: call it outside vault_begin()", "org add");
	if (!vault__valid_name(id) || !vault__valid_name(supervisor) ||
	    !vault__valid_text(display_name, VAULT_TEXT_MAX, 0) ||
	    vault_org_kind_name(kind) == NULL || pass == NULL || passlen == 0 ||
	    passlen > VAULT_PASSPHRASE_MAX || vault__kdf_params(kdf, &ops, &mem) != 0)
		return vault__err(v, VAULT_ERR_INVALID,
		                  "org add: valid id, display name, kind, supervisor name,"
		                  " passphrase and KDF level are required");
	if ((st = vault__kdf_check(v, kdf, &a.kdf)) != VAULT_OK)
		return st;
	st = vault__gate_open(v, &g, "org.add", POLICY_ORG_ADD, NULL, id, 0, NULL, NULL);
	if (st == VAULT_OK)
		st = org_add_work(v, &g, &a);
	VAULT_CRASH_POINT("org_add.commit.before");
	st = vault__gate_close(&g, st);
	VAULT_CRASH_POINT("org_add.commit.after");
	/* The pending slot becomes hers, or goes; if this fails, her first
	 * open settles it. */
	if (a.slot_written)
		(void)vault__slot_settle(v->dir, supervisor, a.nonce, st == VAULT_OK);
	return st;
}

vault_status vault_org_foreach(vault *v, vault_org_cb cb, void *ctx)
{
	rowbuf rb = {NULL, 0, 0, 0};
	sqlite3_stmt *s = NULL;
	vault_status st;
	size_t r;
	int ret = 0;
	gate g;

	if (v == NULL || cb == NULL)
		return v ? vault__err(v, VAULT_ERR_INVALID, "callback is NULL") : VAULT_ERR_INVALID;
	st = vault__gate_open(v, &g, "org.list", POLICY_NONE, NULL, NULL, 0, NULL, NULL);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT id, name, kind, created FROM orgs ORDER BY id", &s);
	if (st == VAULT_OK)
		st = vault__rows_fetch(v, s, &rb);
	sqlite3_finalize(s);
	/* The rows reach the caller only once the entry is committed. */
	st = vault__gate_close(&g, st);
	for (r = 0; st == VAULT_OK && ret == 0 && r < rb.nrow; r++) {
		vault_org_info info;
		info.id = RB_TEXT(&rb, r, 0);
		info.name = RB_TEXT(&rb, r, 1);
		info.kind = (vault_org_kind)RB_INT(&rb, r, 2);
		info.created = RB_INT64(&rb, r, 3);
		ret = cb(&info, ctx);
	}
	vault__rows_free(&rb);
	return st == VAULT_OK && ret != 0 ? (vault_status)ret : st;
}

vault_status vault__user_load(vault *v, const char *name, user_row *u)
{
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	st = vault__prepare(v, "SELECT COALESCE(u.org, ''), COALESCE(o.kind, 0), u.role,"
	                       " u.disabled, u.box_pk FROM users u"
	                       " LEFT JOIN orgs o ON o.id = u.org WHERE u.name = ?1", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(u->org, sizeof(u->org), "%s", (const char *)sqlite3_column_text(s, 0));
		u->org_kind = (vault_org_kind)sqlite3_column_int(s, 1);
		u->role = (vault_role)sqlite3_column_int(s, 2);
		u->disabled = sqlite3_column_int(s, 3);
		if (sqlite3_column_bytes(s, 4) == 32)
			memcpy(u->box_pk, sqlite3_column_blob(s, 4), 32);
	} else if (rc == SQLITE_DONE) {
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "no user %s", name);
	} else {
		st = vault__sql_status(v, rc, "user");
	}
	sqlite3_finalize(s);
	return st;
}

vault_status vault__org_kind_of(vault *v, const char *org, vault_org_kind *kind,
                                uint32_t *epoch)
{
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	st = vault__prepare(v, "SELECT kind, epoch FROM orgs WHERE id = ?1", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, org);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*kind = (vault_org_kind)sqlite3_column_int(s, 0);
		if (epoch)
			*epoch = (uint32_t)sqlite3_column_int64(s, 1);
	} else if (rc == SQLITE_DONE) {
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "no organisation %s", org);
	} else {
		st = vault__sql_status(v, rc, "organisation");
	}
	sqlite3_finalize(s);
	return st;
}

struct user_add_fill {
	const char *org;
	vault_role role;
	vault_org_kind kind;
	uint32_t epoch;
};

/* Inside the gate, so that an unknown organisation is a recorded attempt. */
static void user_add_fill(gate *g, void *ctx)
{
	struct user_add_fill *f = ctx;

	if (f->org != NULL)
		g->fill_status = vault__org_kind_of(g->v, f->org, &f->kind, &f->epoch);

	g->req.target_kind = VAULT_PRINCIPAL_USER;
	g->req.target_org = f->org;
	g->req.target_org_kind = f->kind;
	g->req.target_role = f->role;
}

vault_status vault_user_add(vault *v, const char *name, const char *org,
                            vault_role role, const unsigned char *pass,
                            size_t passlen, vault_kdf kdf)
{
	struct user_add_fill f;
	new_user u = {NULL, {0}, {0}};
	unsigned char *sk = NULL;
	unsigned long long ops;
	uint32_t epoch = 0, e;
	size_t mem;
	int slot_written = 0, ex;
	char nonce[49];
	vault_kdf level;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "%s changes the key-slot file, which a"
		                  " rollback cannot undo: call it outside vault_begin()", "user add");
	if (!vault__valid_name(name) || (org != NULL && !vault__valid_name(org)) ||
	    vault_role_name(role) == NULL || pass == NULL || passlen == 0 ||
	    passlen > VAULT_PASSPHRASE_MAX || vault__kdf_params(kdf, &ops, &mem) != 0)
		return vault__err(v, VAULT_ERR_INVALID,
		                  "user add: valid name, role, passphrase and KDF level are required");
	if ((st = vault__kdf_check(v, kdf, &level)) != VAULT_OK)
		return st;
	/* A supervisor adds to their own organisation by default. */
	if (org == NULL && v->role == VAULT_ROLE_SUPERVISOR &&
	    (role == VAULT_ROLE_CASEWORKER || role == VAULT_ROLE_SUPERVISOR))
		org = v->org;
	f.org = org;
	f.role = role;
	f.kind = 0;
	f.epoch = 0;
	st = vault__gate_open(v, &g, "user.add", POLICY_USER_ADD, NULL, name, 0,
	                      user_add_fill, &f);
	epoch = f.epoch;
	if (st != VAULT_OK)
		goto done;
	ex = user_exists(v, name);
	if (ex != 0) {
		st = ex < 0 ? vault__sql_status(v, sqlite3_errcode(v->db), "user lookup")
		            : vault__err(v, VAULT_ERR_EXISTS, "user %s already exists", name);
		goto done;
	}
	st = new_user_make(v, &u);
	if (st == VAULT_OK)
		st = vault__insert_user(v, name, org, role, u.box_pk, u.sign_pk);
	if (st == VAULT_OK && org != NULL) {
		sk = vault__secure_alloc(32);
		if (sk == NULL)
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		/* Every epoch, so the new member reads the organisation's past. */
		for (e = 1; e <= epoch && st == VAULT_OK; e++) {
			st = vault__org_key(v, org, HOLDER_ORG, e, sk);
			if (st == VAULT_OK)
				st = put_org_key(v, org, e, HOLDER_ORG, name, u.box_pk, sk);
			if (st == VAULT_OK && role == VAULT_ROLE_SUPERVISOR) {
				st = vault__org_key(v, org, HOLDER_ORG_SUP, e, sk);
				if (st == VAULT_OK)
					st = put_org_key(v, org, e, HOLDER_ORG_SUP, name, u.box_pk, sk);
			}
		}
	}
	if (st == VAULT_OK) {
		/* Pending until the commit; someone else chose the passphrase,
		 * so it must change at first use. */
		g.ev.newkey = u.sign_pk;
		st = vault__slot_write(v->dir, name, pass, passlen, level, u.sec,
		                       SLOT_MUST_CHANGE, v->pinned_id, SLOT_PUT_NEW, nonce);
		if (st == VAULT_OK)
			slot_written = 1;
		else
			vault__err(v, st, "%s", vault_last_errmsg());
	}
done:
	VAULT_CRASH_POINT("user_add.commit.before");
	st = vault__gate_close(&g, st);
	VAULT_CRASH_POINT("user_add.commit.after");
	if (slot_written)
		(void)vault__slot_settle(v->dir, name, nonce, st == VAULT_OK);
	vault__secure_free(sk);
	vault__secure_free(u.sec);
	return st;
}

vault_status vault_user_foreach(vault *v, vault_user_cb cb, void *ctx)
{
	rowbuf rb = {NULL, 0, 0, 0};
	sqlite3_stmt *s = NULL;
	vault_status st;
	size_t r;
	int ret = 0;
	gate g;

	if (v == NULL || cb == NULL)
		return v ? vault__err(v, VAULT_ERR_INVALID, "callback is NULL") : VAULT_ERR_INVALID;
	st = vault__gate_open(v, &g, "user.list", POLICY_NONE, NULL, NULL, 0, NULL, NULL);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT name, org, role, disabled, created FROM users"
		                       " ORDER BY name", &s);
	if (st == VAULT_OK)
		st = vault__rows_fetch(v, s, &rb);
	sqlite3_finalize(s);
	st = vault__gate_close(&g, st);
	for (r = 0; st == VAULT_OK && ret == 0 && r < rb.nrow; r++) {
		vault_user_info info;
		info.name = RB_TEXT(&rb, r, 0);
		info.org = RB_TEXT(&rb, r, 1);
		info.role = (vault_role)RB_INT(&rb, r, 2);
		info.disabled = RB_INT(&rb, r, 3);
		info.created = RB_INT64(&rb, r, 4);
		ret = cb(&info, ctx);
	}
	vault__rows_free(&rb);
	return st == VAULT_OK && ret != 0 ? (vault_status)ret : st;
}

/* New organisation keys, sealed to the members that remain; then new keys
 * for every class of every case the organisation holds. */
vault_status vault__org_rotate(vault *v, const char *org)
{
	unsigned char *keys = NULL;
	sqlite3_stmt *s = NULL;
	vault_org_kind kind;
	uint32_t epoch;
	vault_status st;
	int rc;

	st = vault__org_kind_of(v, org, &kind, &epoch);
	if (st != VAULT_OK)
		return st;
	epoch++;
	keys = vault__secure_alloc(64);
	if (keys == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	st = org_keys_new_epoch(v, org, epoch, keys, keys + 32);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT name, role, box_pk FROM users"
		                       " WHERE org = ?1 AND disabled = 0", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, org);
		while (st == VAULT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *name = (const char *)sqlite3_column_text(s, 0);
			const unsigned char *pk = sqlite3_column_blob(s, 2);
			if (sqlite3_column_bytes(s, 2) != 32) {
				st = vault__err(v, VAULT_ERR_CORRUPT, "a user key is malformed");
				break;
			}
			st = put_org_key(v, org, epoch, HOLDER_ORG, name, pk, keys);
			if (st == VAULT_OK && sqlite3_column_int(s, 1) == VAULT_ROLE_SUPERVISOR)
				st = put_org_key(v, org, epoch, HOLDER_ORG_SUP, name, pk, keys + 32);
		}
		sqlite3_finalize(s);
		s = NULL;
	}
	vault__secure_free(keys);
	if (st == VAULT_OK)
		st = vault__prepare(v, "UPDATE orgs SET epoch = ?2, admin_keys = ?3 WHERE id = ?1",
		                    &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, org);
		sqlite3_bind_int64(s, 2, epoch);
		sqlite3_bind_int(s, 3, ORG_KEYS_OWN); /* made by its supervisor */
		st = vault__sql_status(v, sqlite3_step(s), "organisation epoch");
		sqlite3_finalize(s);
		s = NULL;
	}
	return st;
}

/* New keys of the caller's organisation, made by her, its supervisor, in
 * place of keys someone outside it may know (ORG_KEYS_FIRST, the admin's;
 * ORG_KEYS_OWED, those of a member an admin disabled).  Only those: the
 * keys of its cases' classes were made before the organisation's changed,
 * so the next write under each rotates it first (lib/facts.c,
 * vault__facts_key_in_force), sealed to the new keys.  Rotating them here
 * sealed to every holder at once, and two centres owing keys and sharing a
 * case refused each other's take-over, and their supervisors' opens, for
 * good (attack 160a). */
vault_status vault__org_take_over(vault *v)
{
	return vault__org_rotate(v, v->org);
}

/* Rotate every class of every case in the SQL's result (one column, id). */
vault_status vault__rotate_cases(vault *v, const char *sql, const char *p1)
{
	rowbuf rb = {NULL, 0, 0, 0};
	sqlite3_stmt *s;
	vault_status st;
	unsigned int c;
	size_t r;

	/* The query reads cases and grants across every case: each row must be
	 * one the log vouches for, or a case or grant planted anywhere would
	 * have its keys rotated in this entry, under the caller's signature
	 * (an entry no replay accepts; no open would verify after it). */
	static const char *const tables_read[] = {"cases", "grants", NULL};

	st = vault__facts_check_tables(v, tables_read);
	if (st != VAULT_OK)
		return st;
	/* The ids first: rotating writes the tables the query reads. */
	st = vault__prepare(v, sql, &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, p1);
	st = vault__rows_fetch(v, s, &rb);
	sqlite3_finalize(s);
	/* Each case's own rows too (its classes' epochs, whose next one the
	 * rotation makes), as an operation on the case checks them when its
	 * gate opens. */
	for (r = 0; r < rb.nrow && st == VAULT_OK; r++) {
		st = vault__facts_check_case(v, RB_TEXT(&rb, r, 0));
		for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY && st == VAULT_OK; c <<= 1)
			st = vault__class_rotate(v, RB_TEXT(&rb, r, 0), c);
	}
	vault__rows_free(&rb);
	return st;
}

struct disable_fill {
	user_row u;
	const char *name;
};

/* Inside the gate, so that an unknown or already disabled user is a
 * recorded attempt. */
static void disable_fill(gate *g, void *ctx)
{
	struct disable_fill *f = ctx;

	g->fill_status = vault__user_load(g->v, f->name, &f->u);
	if (g->fill_status == VAULT_OK && f->u.disabled)
		g->fill_status = vault__err(g->v, VAULT_ERR_NOT_FOUND,
		                            "user %s is already disabled", f->name);

	g->req.target_kind = VAULT_PRINCIPAL_USER;
	g->req.target = f->name;
	g->req.target_org = f->u.org[0] ? f->u.org : NULL;
	g->req.target_org_kind = f->u.org_kind;
	g->req.target_role = f->u.role;
}

/* The same decision for finishing a disable (the user is disabled). */
static void finish_fill(gate *g, void *ctx)
{
	struct disable_fill *f = ctx;

	g->req.target_kind = VAULT_PRINCIPAL_USER;
	g->req.target = f->name;
	g->req.target_org = f->u.org[0] ? f->u.org : NULL;
	g->req.target_org_kind = f->u.org_kind;
	g->req.target_role = f->u.role;
}

static vault_status exec1(vault *v, const char *sql, const char *p1)
{
	sqlite3_stmt *s;
	vault_status st = vault__prepare(v, sql, &s);

	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, p1);
	st = vault__sql_status(v, sqlite3_step(s), "update");
	sqlite3_finalize(s);
	return st;
}

/* ---- the database key rotation of a disable ------------------------------ */

/* Seal the new database key to every enabled user, pending, and the key in
 * force as her current one (store.c step 3). */
static vault_status stage_dbkey(vault *v, const unsigned char key[32], void *ctx)
{
	static const char *const users_table[] = {"users", NULL};
	rowbuf rb = {NULL, 0, 0, 0};
	const char **names = NULL;
	unsigned char (*pks)[32] = NULL;
	sqlite3_stmt *s = NULL;
	vault_status st;
	size_t r, n = 0;

	(void)ctx;
	/* Under the rotation's write lock, the users table must be the one the
	 * log vouches for: between the disable's commit and this lock, the
	 * user it disabled still held the old key, and a public key of his
	 * written on a colleague's row would be sealed the new one (attack
	 * 180a). */
	st = vault__facts_sync(v);
	if (st == VAULT_OK)
		st = vault__facts_check_tables(v, users_table);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT name, box_pk FROM users WHERE disabled = 0", &s);
	if (st == VAULT_OK)
		st = vault__rows_fetch(v, s, &rb);
	sqlite3_finalize(s);
	if (st == VAULT_OK && rb.nrow > 0) {
		names = vault__calloc(rb.nrow, sizeof(*names));
		pks = vault__calloc(rb.nrow, sizeof(*pks));
		if (names == NULL || pks == NULL)
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	for (r = 0; r < rb.nrow && st == VAULT_OK; r++) {
		sqlite3_value *pk = rb.val[r * (size_t)rb.ncol + 1];
		if (RB_TEXT(&rb, r, 0) == NULL || sqlite3_value_bytes(pk) != 32)
			continue; /* no key to seal to: she could open nothing */
		names[n] = RB_TEXT(&rb, r, 0);
		memcpy(pks[n], sqlite3_value_blob(pk), 32);
		n++;
	}
	if (st == VAULT_OK) {
		st = vault__dbkey_stage(v->dir, 1, names, (const unsigned char (*)[32])pks, n, key,
		                        v->sec->dbkey);
		if (st != VAULT_OK)
			vault__err(v, st, "cannot seal the new database key: %s",
			           vault_last_errmsg()[0] != '\0' ? vault_last_errmsg()
			                                           : vault_strerror(st));
	}
	free(names);
	free(pks);
	vault__rows_free(&rb);
	return st;
}

static vault_status commit_dbkey(vault *v, const unsigned char key[32], void *ctx)
{
	(void)key;
	(void)ctx;
	return vault__dbkey_commit(v->dir, 1);
}

/* A new random database key, sealed to every enabled user; the old one
 * (in every slot copy a disabled user may keep) opens nothing current. */
static vault_status rotate_dbkey(vault *v, const char *name)
{
	unsigned char *key = vault__secure_alloc(32);
	char why[256];
	vault_status st;
	int lock;

	if (key == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	vault__random(key, 32);
	lock = vault__lock_acquire(v->dir);
	if (lock < 0) {
		st = vault__err(v, lock == -2 ? VAULT_ERR_NOMEM : VAULT_ERR_IO,
		                "cannot lock the vault folder");
	} else {
		v->rotating = 1;
		st = vault__store_rotate(v, key, stage_dbkey, commit_dbkey, NULL);
	}
	vault__secure_free(key);
	/* The new file's log says it was made: an entry it alone holds, so
	 * the old file put back under vault.db (kept through a link or a
	 * copy, its key sealed again as everyone's) is a log cut short for
	 * whoever read this entry (attack 230a), not a file with the log
	 * everyone saw.  Written with the vault lock still held: no other
	 * rotation can be under way, so a set-aside name planted since the
	 * switch does not stop it (310b). */
	if (st == VAULT_OK) {
		gate g;

		st = vault__gate_open(v, &g, "vault.rekey", POLICY_NONE, NULL, name, 0, NULL, NULL);
		st = vault__gate_close(&g, st);
		v->rotating = 0;
		vault__lock_release(lock);
		lock = -1;
		VAULT_CRASH_POINT("rekey.entry.after");
		/* ...and the disabler's witness state says she read it, in her
		 * key-slot copy and in the state folder her open checked (which
		 * a writer of the vault folder cannot put back: attack 240a):
		 * her next open refuses a log without it */
		if (st == VAULT_OK)
			st = vault__witness_save(v, v->state_dir);
		if (st != VAULT_OK) {
			snprintf(why, sizeof(why), "%s", vault_errmsg(v));
			return vault__err(v, st, "user %s is disabled and the database key was"
			                  " rotated, but its vault.rekey entry or your witness state"
			                  " after it could not be written: %s", name, why);
		}
	}
	v->rotating = 0;
	vault__lock_release(lock);
	if (st != VAULT_OK && v->db_moved) {
		/* rotated, but this handle could not follow it (store.c says so) */
		snprintf(why, sizeof(why), "%s", vault_errmsg(v));
		vault__err(v, st, "user %s is disabled and %s", name, why);
	} else if (st != VAULT_OK) {
		snprintf(why, sizeof(why), "%s", vault_errmsg(v));
		vault__err(v, st, "user %s is disabled, but the database key was not rotated"
		           " (%s): her old key still opens the database until vault_user_disable"
		           " is run again for her", name, why);
	}
	return st;
}

/* 1 if a disable committed without its key rotation (killed, or refused). */
static int rotation_due(vault *v)
{
	sqlite3_stmt *s = NULL;
	int due;

	if (vault__prepare(v, "SELECT 1 FROM meta WHERE k = 'dbkey_rotate_due'", &s) != VAULT_OK)
		return 0; /* the disable's own transaction reports the failure */
	due = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return due;
}

vault_status vault_user_disable(vault *v, const char *name)
{
	struct disable_fill f;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "%s changes the key-slot file, which a"
		                  " rollback cannot undo: call it outside vault_begin()", "user disable");
	if (!vault__valid_name(name))
		return vault__err(v, VAULT_ERR_INVALID, "invalid user name");
	memset(&f, 0, sizeof(f));
	f.name = name;
	/* Disabled already, but the database key was not rotated (a crash,
	 * other handles): this finishes it.  Who may disable may finish. */
	if (!v->dead && rotation_due(v) && vault__user_load(v, name, &f.u) == VAULT_OK &&
	    f.u.disabled) {
		st = vault__gate_open(v, &g, "user.disable", POLICY_USER_DISABLE, NULL, name, 0,
		                      finish_fill, &f);
		st = vault__gate_close(&g, st);
		return st == VAULT_OK ? rotate_dbkey(v, name) : st;
	}
	st = vault__gate_open(v, &g, "user.disable", POLICY_USER_DISABLE, NULL, name, 0,
	                      disable_fill, &f);
	/* The disable revokes her grants in every case at once: each grants
	 * row it touches must be one the log vouches for, or a row planted in
	 * any case would be stated in this entry (as revoked from the start:
	 * an entry no replay accepts, and no open would verify after it).
	 * vault__rotate_cases(), next, checks cases and grants whole. */
	if (st == VAULT_OK)
		st = exec1(v, "UPDATE users SET disabled = 1 WHERE name = ?1", name);
	/* Cases the user held by name get new keys (the user, now disabled,
	 * is left out of the sealing), then the grants go.  An admin makes no
	 * key of a case or of an organisation (he reads none): the classes
	 * she held are rotated at the next write under them (a grant revoked
	 * after the key was made, lib/cases.c), and her organisation's keys
	 * are marked owed, which its supervisor replaces (attack 150c). */
	if (st == VAULT_OK && v->role != VAULT_ROLE_ADMIN)
		st = vault__rotate_cases(v, "SELECT DISTINCT case_id FROM grants WHERE"
		                            " pkind = 2 AND principal = ?1 AND revoked = 0", name);
	if (st == VAULT_OK)
		st = exec1(v, "UPDATE grants SET revoked = 1 WHERE pkind = 2 AND principal = ?1", name);
	if (st == VAULT_OK)
		st = exec1(v, "DELETE FROM class_keys WHERE hkind = 2 AND holder = ?1", name);
	if (st == VAULT_OK)
		st = exec1(v, "DELETE FROM org_keys WHERE user = ?1", name);
	if (st == VAULT_OK && f.u.org[0] != '\0' && v->role == VAULT_ROLE_ADMIN)
		st = exec1(v, "UPDATE orgs SET admin_keys = 2 WHERE id = ?1", f.u.org);
	else if (st == VAULT_OK && f.u.org[0] != '\0') {
		st = vault__org_rotate(v, f.u.org);
		if (st == VAULT_OK)
			st = vault__rotate_cases(v, "SELECT id FROM cases WHERE owner_org = ?1"
			                            " UNION SELECT case_id FROM grants WHERE"
			                            " pkind = 1 AND principal = ?1 AND revoked = 0",
			                         f.u.org);
	}
	/* Owed until the new database file is in force (store.c clears it in
	 * the new file): a disable cut short is finished by another. */
	if (st == VAULT_OK)
		st = vault__meta_put(v, "dbkey_rotate_due", "1", 1);
	VAULT_CRASH_POINT("user_disable.commit.before");
	st = vault__gate_close(&g, st);
	VAULT_CRASH_POINT("user_disable.commit.after");
	/* After the commit: killed before this, the next open removes it. */
	if (st == VAULT_OK) {
		vault__slot_remove(v->dir, name);
		st = rotate_dbkey(v, name);
	}
	return st;
}

vault_status vault_user_must_change(vault *v, const char *name, int *out)
{
	unsigned int flags = 0;
	vault_status st;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (out == NULL || !vault__valid_name(name))
		return vault__err(v, VAULT_ERR_INVALID, "a valid user name and out are required");
	*out = 0;
	if ((st = vault__check_expired(v)) != VAULT_OK)
		return st;
	if (v->dead)
		return vault__err(v, VAULT_ERR_AUTH, "this user was disabled; close the handle");
	st = vault__slot_flags(v->dir, name, &flags);
	if (st == VAULT_ERR_NOT_FOUND)
		return vault__err(v, st, "user %s has no key slot", name);
	if (st != VAULT_OK)
		return vault__err(v, st, "%s", vault_last_errmsg());
	*out = (flags & SLOT_MUST_CHANGE) != 0;
	return VAULT_OK;
}
