/*
 * vault.c - creating, opening and closing a vault; passphrases; the
 * caller's transactions.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts.h"
#include "internal.h"

static const char *const vault_files[] = {
	VAULT_DB_FILE, VAULT_DB_FILE "-wal", VAULT_DB_FILE "-shm", VAULT_SLOTS_FILE,
	VAULT_LOCK_FILE, VAULT_INBOX_FILE, VAULT_INBOX_FILE ".taken", NULL};

static int valid_pass(const unsigned char *p, size_t n)
{
	return p != NULL && n > 0 && n <= VAULT_PASSPHRASE_MAX;
}

vault_status vault__check_expired(vault *v)
{
	if (!v->must_change || v->in_passwd)
		return VAULT_OK;
	return vault__err(v, VAULT_ERR_PASSWD_EXPIRED,
	                  "%s's first passphrase was chosen by someone else: run `vault passwd`"
	                  " (vault_passwd()) to choose your own before anything else", v->user);
}

/* A failed unlock is noted for the next open to log; if a full disk keeps
 * it out, the answer is "disk full", as for the right passphrase. */
static vault_status auth_failed(const char *dir, const char *user)
{
	if (vault__inbox_note(dir, user) == VAULT_ERR_NOSPACE) {
		vault__set_last_error("%s", VAULT_MSG_DISK_FULL);
		return VAULT_ERR_NOSPACE;
	}
	vault__set_last_error("unknown user or wrong passphrase");
	return VAULT_ERR_AUTH;
}

vault_status vault__kdf_check(vault *v, vault_kdf kdf, vault_kdf *out)
{
	unsigned long long ops;
	size_t mem;

	if (vault__kdf_params(kdf, &ops, &mem) != 0)
		return vault__err(v, VAULT_ERR_INVALID, "unknown KDF level");
	if (kdf == VAULT_KDF_DEFAULT)
		kdf = v->default_kdf;
	/* An unknown name costs the default: a cheaper slot would answer
	 * faster and tell that the name exists. */
	if (v->default_kdf != VAULT_KDF_INSECURE_TEST_ONLY &&
	    vault__kdf_rank(kdf) < vault__kdf_rank(v->default_kdf))
		return vault__err(v, VAULT_ERR_INVALID, "KDF level %s is cheaper than the"
		                  " vault's default (%s), which every key slot must cost at least",
		                  vault_kdf_name(kdf), vault_kdf_name(v->default_kdf));
	*out = kdf;
	return VAULT_OK;
}

/* The files of a vault are plain files: SQLite (3.15) cannot be told not to
 * follow a link, so a planted one is refused before anything opens. */
static vault_status no_links(const char *dir)
{
	static const char *const files[] = {VAULT_DB_FILE, VAULT_DB_FILE "-wal",
	                                    VAULT_DB_FILE "-shm", VAULT_DB_FILE "-journal",
	                                    VAULT_SLOTS_FILE, VAULT_LOCK_FILE, NULL};
	struct stat sb;
	int i;

	for (i = 0; files[i] != NULL; i++) {
		char *p = vault__path(dir, files[i]);
		int link;
		if (p == NULL) {
			vault__set_last_error("out of memory");
			return VAULT_ERR_NOMEM;
		}
		link = lstat(p, &sb) == 0 && !S_ISREG(sb.st_mode);
		free(p);
		if (link) {
			vault__set_last_error("%s in the vault folder is not a plain file (a"
			                      " symbolic link?): refusing to follow it", files[i]);
			return VAULT_ERR_CORRUPT;
		}
	}
	return VAULT_OK;
}

static vault *handle_new(const char *dir)
{
	vault *v = vault__calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->dir = vault__strdup(dir);
	v->sec = vault__secure_alloc(sizeof(*v->sec));
	v->cache = vault__secure_alloc(KEYCACHE_SLOTS * sizeof(keycache_entry));
	if (v->dir == NULL || v->sec == NULL || v->cache == NULL) {
		vault_close(v);
		return NULL;
	}
	memset(v->sec, 0, sizeof(*v->sec));
	memset(v->cache, 0, KEYCACHE_SLOTS * sizeof(keycache_entry));
	v->purpose = VAULT_PURPOSE_CASEWORK;
	return v;
}

void vault_close(vault *v)
{
	if (v == NULL)
		return;
	/* The facts this handle verified, for the next open (best effort:
	 * without them it reads the log). */
	if (!v->dead) {
		vault__witness_save_at_close(v);
		(void)vault__facts_save(v);
	}
	vault__facts_free(v);
	vault__store_close(v);
	vault__txn_cache_free(v);
	vault__secure_free(v->sec); /* sodium_free wipes */
	vault__secure_free(v->cache);
	free(v->dir);
	free(v->state_dir);
	free(v->wpath[0]);
	free(v->wpath[1]);
	vault__wipe(v, sizeof(*v));
	free(v);
}

/* Move the handle's message to the thread-local error, then close it. */
static vault_status fail_handle(vault *v, vault_status st)
{
	if (v != NULL) {
		/* Never an empty detail: a bare allocation failure says what it is. */
		vault__set_last_error("%s", v->errmsg[0] ? v->errmsg : vault_strerror(st));
		vault_close(v);
	}
	return st;
}

vault_status vault__new_user_secrets(vault *v, slot_secret **sec,
                                     unsigned char box_pk[32],
                                     unsigned char sign_pk[32])
{
	unsigned char sk_dummy[32];

	(void)sk_dummy;
	*sec = vault__secure_alloc(sizeof(**sec));
	if (*sec == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	memcpy((*sec)->dbkey, v->sec->dbkey, 32);
	vault__box_keypair(box_pk, (*sec)->box_sk);
	vault__sign_keypair(sign_pk, (*sec)->sign_sk);
	return VAULT_OK;
}

static vault_status insert_user(vault *v, const char *name, const char *org,
                                vault_role role, const unsigned char box_pk[32],
                                const unsigned char sign_pk[32])
{
	sqlite3_stmt *s;
	vault_status st;

	st = vault__prepare(v, "INSERT INTO users(name, org, role, box_pk, sign_pk,"
	                       " disabled, created) VALUES(?1, ?2, ?3, ?4, ?5, 0, ?6)", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, name);
	if (org != NULL)
		vault__bind_text(s, 2, org);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_int(s, 3, (int)role);
	sqlite3_bind_blob(s, 4, box_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, sign_pk, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, vault__now());
	st = vault__sql_status(v, sqlite3_step(s), "user");
	if (st == VAULT_ERR_EXISTS)
		vault__err(v, st, "user %s already exists", name);
	sqlite3_finalize(s);
	return st;
}

vault_status vault__insert_user(vault *v, const char *name, const char *org,
                                vault_role role, const unsigned char box_pk[32],
                                const unsigned char sign_pk[32])
{
	return insert_user(v, name, org, role, box_pk, sign_pk);
}

static void remove_files(const char *dir)
{
	int i;

	for (i = 0; vault_files[i] != NULL; i++) {
		char *p = vault__path(dir, vault_files[i]);
		if (p != NULL) {
			unlink(p);
			free(p);
		}
	}
}

/* An existing folder takes a new vault only if it is empty and no one but
 * its owner can write it: anyone who can would plant files or links. */
static vault_status folder_fit(const char *path, const struct stat *sb)
{
	struct dirent *e;
	DIR *d;
	int vault_there = 0, other = 0;

	if ((sb->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		vault__set_last_error("the folder %s is writable by group or others (mode %03o):"
		                      " a vault needs a folder only its owner can write"
		                      " (chmod 700)", path, (unsigned int)(sb->st_mode & 0777));
		return VAULT_ERR_INVALID;
	}
	d = opendir(path);
	if (d == NULL) {
		vault__set_last_error("cannot read the vault folder");
		return errno == ENOMEM ? VAULT_ERR_NOMEM : VAULT_ERR_IO;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (strcmp(e->d_name, VAULT_SLOTS_FILE) == 0 || strcmp(e->d_name, VAULT_DB_FILE) == 0)
			vault_there = 1;
		else
			other = 1;
	}
	closedir(d);
	if (vault_there) {
		vault__set_last_error("a vault already exists there");
		return VAULT_ERR_EXISTS;
	}
	if (other) {
		vault__set_last_error("the folder %s is not empty: a vault needs a folder of"
		                      " its own", path);
		return VAULT_ERR_INVALID;
	}
	return VAULT_OK;
}

/* The folder itself (not a link to it), the caller's own, in a parent that
 * nobody else can rename it out of (group or others may write the parent
 * only if it is sticky, as /tmp is). */
static vault_status folder_placed(const char *path)
{
	struct stat sb, pb;
	char *parent = vault__strdup(path), *slash;
	int ok;

	if (parent == NULL) {
		vault__set_last_error("out of memory");
		return VAULT_ERR_NOMEM;
	}
	while ((slash = strrchr(parent, '/')) != NULL && slash[1] == '\0' && slash != parent)
		*slash = '\0'; /* "dir/" names dir */
	slash = strrchr(parent, '/');
	if (slash == NULL) {
		parent[0] = '.'; /* path is not empty: room for ".\0" */
		parent[1] = '\0';
	}
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	if (lstat(path, &sb) != 0 || lstat(parent, &pb) != 0) {
		free(parent);
		vault__set_last_error("cannot read the vault folder");
		return VAULT_ERR_IO;
	}
	if (S_ISLNK(sb.st_mode)) {
		vault__set_last_error("%s is a symbolic link: give the vault folder itself", path);
		ok = 0;
	} else if (sb.st_uid != geteuid()) {
		vault__set_last_error("the folder %s belongs to another user: a vault needs a"
		                      " folder of your own", path);
		ok = 0;
	} else if ((pb.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (pb.st_mode & S_ISVTX) == 0) {
		vault__set_last_error("the folder that holds %s (%s) is writable by group or"
		                      " others and not sticky: they could replace the vault"
		                      " folder (chmod go-w, or o+t)", path, parent);
		ok = 0;
	} else {
		ok = 1;
	}
	free(parent);
	return ok ? VAULT_OK : VAULT_ERR_INVALID;
}

vault_status vault_create(const char *path, const char *admin,
                          const unsigned char *passphrase, size_t passphrase_len,
                          const vault_create_options *opts, vault **out)
{
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	unsigned char inbox_pk[32], inbox_sk[32], ignored[32];
	slot_secret *slot = NULL;
	vault *v = NULL;
	vault_status st;
	struct stat sb;
	char *p;
	int created_dir = 0, made_files = 0;
	audit_event ev;

	vault__clear_last_error();
	if (out != NULL)
		*out = NULL;
	if (path == NULL || *path == '\0' || !vault__valid_name(admin) ||
	    !valid_pass(passphrase, passphrase_len)) {
		vault__set_last_error("vault_create: a path, a valid administrator name"
		                      " and a passphrase of 1..%d bytes are required",
		                      VAULT_PASSPHRASE_MAX);
		return VAULT_ERR_INVALID;
	}
	if (opts != NULL) {
		if (opts->version == 0 || opts->version > VAULT_CREATE_OPTIONS_VERSION) {
			vault__set_last_error("unknown options version");
			return VAULT_ERR_INVALID;
		}
		o.kdf = opts->kdf;
	}
	if (vault__kdf_params(o.kdf, &(unsigned long long){0}, &(size_t){0}) != 0) {
		vault__set_last_error("unknown KDF level");
		return VAULT_ERR_INVALID;
	}
	if (o.kdf == VAULT_KDF_DEFAULT)
		o.kdf = VAULT_KDF_MODERATE;
	if (vault__crypto_init() != VAULT_OK) {
		vault__set_last_error("libsodium could not be initialised");
		return VAULT_ERR_NOCRYPTO;
	}
	if (mkdir(path, 0700) == 0) {
		created_dir = 1;
	} else if (errno != EEXIST || stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		vault__set_last_error("cannot create the vault folder");
		return errno == ENOMEM ? VAULT_ERR_NOMEM : VAULT_ERR_IO;
	} else {
		st = folder_placed(path);
		if (st == VAULT_OK)
			st = folder_fit(path, &sb);
		if (st != VAULT_OK)
			return st;
	}
	if (created_dir && (st = folder_placed(path)) != VAULT_OK) {
		rmdir(path);
		return st;
	}
	p = vault__path(path, VAULT_SLOTS_FILE);
	if (p == NULL) {
		/* Through fail: the folder just made goes again. */
		vault__set_last_error("out of memory");
		st = VAULT_ERR_NOMEM;
		goto fail;
	}
	if (access(p, F_OK) == 0) {
		free(p);
		vault__set_last_error("a vault already exists there");
		return VAULT_ERR_EXISTS;
	}
	free(p);
	p = vault__path(path, VAULT_DB_FILE);
	if (p == NULL) {
		vault__set_last_error("out of memory");
		st = VAULT_ERR_NOMEM;
		goto fail;
	}
	st = access(p, F_OK) == 0 ? VAULT_ERR_EXISTS : VAULT_OK;
	free(p);
	if (st != VAULT_OK) {
		vault__set_last_error("a vault already exists there");
		return st;
	}

	v = handle_new(path);
	if (v == NULL) {
		vault__set_last_error("out of memory");
		st = VAULT_ERR_NOMEM;
		goto fail;
	}
	snprintf(v->user, sizeof(v->user), "%s", admin);
	v->role = VAULT_ROLE_ADMIN;
	v->default_kdf = o.kdf;
	vault__random(v->sec->dbkey, 32);
	vault__box_keypair(v->sec->box_pk, v->sec->box_sk);
	vault__sign_keypair(v->sec->sign_pk, v->sec->sign_sk);
	vault__box_keypair(inbox_pk, inbox_sk);

	made_files = 1;
	st = vault__slots_create(path, o.kdf, inbox_pk);
	if (st != VAULT_OK) {
		vault__err(v, st, "%s", vault_last_errmsg());
		goto fail;
	}
	st = vault__store_open(v, v->sec->dbkey, 1, 5000);
	if (st != VAULT_OK)
		goto fail;
	st = vault__txn_begin(v);
	if (st != VAULT_OK)
		goto fail;
	/* From the first row on, every fact is stated in the log. */
	st = vault__facts_start(v);
	if (st == VAULT_OK)
		st = vault__meta_put(v, "inbox_pk", inbox_pk, 32);
	if (st == VAULT_OK)
		st = vault__meta_put(v, "inbox_sk", inbox_sk, 32);
	if (st == VAULT_OK)
		st = insert_user(v, admin, NULL, VAULT_ROLE_ADMIN, v->sec->box_pk,
		                 v->sec->sign_pk);
	if (st == VAULT_OK) {
		/* Entry 1: the vault and its first key.  Its hash is the id. */
		memset(&ev, 0, sizeof(ev));
		ev.action = "vault.create";
		ev.target = admin;
		ev.outcome = VAULT_OUTCOME_OK;
		ev.newkey = v->sec->sign_pk;
		st = vault__audit_append(v, &ev);
	}
	if (st == VAULT_OK)
		st = vault__meta_put(v, "vault_id", v->head_hash, 32);
	if (st == VAULT_OK) {
		slot = vault__secure_alloc(sizeof(*slot));
		if (slot == NULL) {
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		} else {
			memcpy(slot->dbkey, v->sec->dbkey, 32);
			memcpy(slot->box_sk, v->sec->box_sk, 32);
			memcpy(slot->sign_sk, v->sec->sign_sk, 64);
			/* The administrator chose her own passphrase: no must-change.
			 * Her slot pins the vault id from the start. */
			memcpy(v->pinned_id, v->head_hash, 32);
			v->pinned = 1;
			st = vault__slot_write(path, admin, passphrase, passphrase_len,
			                       o.kdf, slot, 0, v->pinned_id, SLOT_PUT_CURRENT, NULL);
			if (st != VAULT_OK)
				vault__err(v, st, "%s", vault_last_errmsg());
		}
	}
	st = st == VAULT_OK ? vault__txn_end(v, 1) : (vault__txn_end(v, 0), st);
	if (st != VAULT_OK)
		goto fail;
	vault__secure_free(slot);
	vault__wipe(inbox_sk, sizeof(inbox_sk));
	(void)ignored;
	if (out != NULL)
		*out = v;
	else
		vault_close(v);
	return VAULT_OK;
fail:
	vault__secure_free(slot);
	vault__wipe(inbox_sk, sizeof(inbox_sk));
	if (v != NULL) {
		vault__store_close(v);
		fail_handle(v, st);
	}
	if (made_files)
		remove_files(path);
	if (created_dir)
		rmdir(path);
	return st;
}

struct inbox_ctx {
	vault *v;
	vault_status st;
};

static int note_failure(const char *user, int64_t ts, void *ctx)
{
	struct inbox_ctx *x = ctx;
	char reason[96];
	audit_event ev;

	memset(&ev, 0, sizeof(ev));
	snprintf(reason, sizeof(reason), "failed unlock at %lld (unix time)", (long long)ts);
	ev.action = "auth.fail";
	ev.target = user;
	ev.outcome = VAULT_OUTCOME_DENIED;
	ev.reason = reason;
	x->st = vault__audit_append(x->v, &ev);
	return x->st != VAULT_OK;
}

/* Who the unlocked keys belong to.  *mismatch is set when the user exists
 * but the slot's keys are not her public keys in the database. */
static vault_status load_identity(vault *v, int *mismatch)
{
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	*mismatch = 0;
	st = vault__prepare(v, "SELECT u.org, u.role, u.disabled, u.box_pk, u.sign_pk,"
	                       " COALESCE(o.kind, 0) FROM users u"
	                       " LEFT JOIN orgs o ON o.id = u.org WHERE u.name = ?1", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, v->user);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *org = sqlite3_column_text(s, 0);
		v->role = (vault_role)sqlite3_column_int(s, 1);
		v->org_kind = (vault_org_kind)sqlite3_column_int(s, 5);
		snprintf(v->org, sizeof(v->org), "%s", org ? (const char *)org : "");
		if (sqlite3_column_int(s, 2) != 0) {
			st = vault__err(v, VAULT_ERR_AUTH, "unknown user or wrong passphrase");
		} else if (/* public keys: no secret, so memcmp is fine */
		           sqlite3_column_bytes(s, 3) != 32 || sqlite3_column_bytes(s, 4) != 32 ||
		           memcmp(sqlite3_column_blob(s, 3), v->sec->box_pk, 32) != 0 ||
		           memcmp(sqlite3_column_blob(s, 4), v->sec->sign_pk, 32) != 0) {
			*mismatch = 1;
			st = vault__err(v, VAULT_ERR_CORRUPT,
			                "the key slot does not match the user's public keys");
		}
	} else if (rc == SQLITE_DONE) {
		st = vault__err(v, VAULT_ERR_AUTH, "unknown user or wrong passphrase");
	} else {
		st = vault__sql_status(v, rc, "user");
	}
	sqlite3_finalize(s);
	return st;
}

/* The slot that opened, as a slot_secret (to write it again). */
static vault_status own_secret(vault *v, slot_secret **out)
{
	*out = vault__secure_alloc(sizeof(**out));
	if (*out == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	memcpy((*out)->dbkey, v->sec->dbkey, 32);
	memcpy((*out)->box_sk, v->sec->box_sk, 32);
	memcpy((*out)->sign_sk, v->sec->sign_sk, 64);
	return VAULT_OK;
}

/* Inside the open's write transaction (so no passphrase change of this
 * user is half-way in another process: it holds that lock from before its
 * new slot is written until its commit):
 *  - a pending slot whose keys match the database is a change that
 *    committed: it becomes the user's slot;
 *  - a current slot that matches beside a pending one is a change that
 *    never committed: the pending slot goes;
 *  - a slot without a pinned vault id (format 1) pins the database's now,
 *    and a slot cheaper than the vault's default is raised to it. */
static vault_status settle_slot(vault *v, const slot_meta *m,
                                const unsigned char *pass, size_t passlen)
{
	slot_secret *sec = NULL;
	vault_kdf level = m->level;
	vault_status st = VAULT_OK;
	size_t n = 0;

	if (m->which == SLOT_PENDING)
		st = vault__slot_settle(v->dir, v->user, m->nonce, 1);
	else if (m->other)
		st = vault__slot_settle(v->dir, v->user, m->other_nonce, 0);
	if (st != VAULT_OK)
		return vault__err(v, st, "cannot settle the key slot: %s", vault_last_errmsg());
	if (m->pinned) {
		memcpy(v->pinned_id, m->vault_id, 32);
		v->pinned = 1;
	} else {
		st = vault__meta_get(v, "vault_id", v->pinned_id, 32, &n);
		if (st == VAULT_OK && n != 32)
			st = vault__err(v, VAULT_ERR_CORRUPT, "vault id is malformed");
		if (st != VAULT_OK)
			return st;
		v->pinned = 1;
	}
	if (v->default_kdf != VAULT_KDF_INSECURE_TEST_ONLY &&
	    vault__kdf_rank(level) < vault__kdf_rank(v->default_kdf))
		level = v->default_kdf;
	if (m->pinned && level == m->level)
		return VAULT_OK;
	st = own_secret(v, &sec);
	if (st == VAULT_OK)
		st = vault__slot_write(v->dir, v->user, pass, passlen, level, sec, m->flags,
		                       v->pinned_id, SLOT_PUT_CURRENT, NULL);
	if (st != VAULT_OK)
		vault__err(v, st, "cannot update the key slot: %s", vault_last_errmsg());
	vault__secure_free(sec);
	return st;
}

/* Slots of disabled users that a crash left behind (vault_user_disable
 * removes them after its commit): removed at the next open. */
static void prune_disabled(vault *v)
{
	rowbuf rb = {NULL, 0, 0, 0};
	const char **names = NULL;
	sqlite3_stmt *s = NULL;
	size_t r;

	if (vault__prepare(v, "SELECT name FROM users WHERE disabled != 0", &s) != VAULT_OK)
		return;
	if (vault__rows_fetch(v, s, &rb) == VAULT_OK && rb.nrow > 0 &&
	    (names = vault__calloc(rb.nrow, sizeof(*names))) != NULL) {
		for (r = 0; r < rb.nrow; r++)
			names[r] = RB_TEXT(&rb, r, 0) ? RB_TEXT(&rb, r, 0) : "";
		(void)vault__slots_prune(v->dir, names, rb.nrow);
	}
	sqlite3_finalize(s);
	free(names);
	vault__rows_free(&rb);
}

/* The database key in force for this user: her sealed key ("dbkeys" of the
 * slot file) or, with none, her slot's own copy.  A pending seal is a key
 * rotation under way or cut short: under the vault lock (which a rotation
 * holds from before its first seal until after its last), the one that
 * opens vault.db is kept and the other dropped. */
static vault_status pick_dbkey(vault *v, const unsigned char slot_key[32],
                               unsigned char key[32])
{
	unsigned char *k = vault__secure_alloc(64);
	vault_status st;
	int has_cur = 0, has_pend = 0, lock = -1, ocur, opend;

	if (k == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	st = vault__dbkey_get(v->dir, v->user, v->sec->box_pk, v->sec->box_sk, k, &has_cur,
	                      k + 32, &has_pend);
	/* A rotation killed between setting the old log aside and its end
	 * (whoever has a seal or not) is settled before vault.db is opened:
	 * the old file must not be read without its log, nor the new one
	 * with it.  Whether it switched is told by the keys, never by a name
	 * in the folder (anyone can plant or remove one: attacks 210a, 210d):
	 * while a log is set aside, the seals are pending (they are made
	 * current only once nothing is), so her key in force is the old one
	 * and a pending one the new; vault.db, its old log set aside, opens
	 * with exactly one of them.  Seals are anyone's to write, though: if
	 * both open it, or neither, nothing is settled and her open is
	 * refused (attacks 220a, 220b); another user's open settles it. */
	if (st == VAULT_OK && (has_pend || vault__store_rotation_left(v->dir))) {
		int switched = 1, co = 0, po = 0;

		lock = vault__lock_acquire(v->dir);
		if (lock < 0)
			st = vault__err(v, lock == -2 ? VAULT_ERR_NOMEM : VAULT_ERR_IO,
			                "cannot lock the vault folder");
		else /* again, now that no rotation is under way */
			st = vault__dbkey_get(v->dir, v->user, v->sec->box_pk, v->sec->box_sk, k,
			                      &has_cur, k + 32, &has_pend);
		if (st == VAULT_OK && vault__store_rotation_left(v->dir)) {
			co = vault__store_key_opens(v->dir, has_cur ? k : slot_key);
			po = has_pend ? vault__store_key_opens(v->dir, k + 32) : 0;
			if (co < 0 || po < 0)
				st = vault__err(v, co < 0 ? (vault_status)co : (vault_status)po,
				                "cannot read the database");
			else if (co == po)
				st = vault__err(v, VAULT_ERR_CORRUPT, "a key rotation was cut short, and"
				                " your keys do not tell whether it switched files (a seal"
				                " changed in the vault folder?): nothing was settled");
			else
				switched = po;
		}
		/* (nothing set aside: what is under the export's name goes) */
		if (st == VAULT_OK)
			st = vault__store_settle_rotation_as(v->dir, switched);
	}
	if (st == VAULT_OK && has_pend) {
		ocur = vault__store_key_opens(v->dir, has_cur ? k : slot_key);
		opend = vault__store_key_opens(v->dir, k + 32);
		if (ocur < 0 || opend < 0)
			st = vault__err(v, ocur < 0 ? (vault_status)ocur : (vault_status)opend,
			                "cannot read the database");
		else if (opend == 1 || ocur == 1)
			st = vault__dbkey_settle(v->dir, 1, v->user, opend == 1);
		else
			st = vault__err(v, VAULT_ERR_CORRUPT, "no database key of yours opens the"
			                " database (damaged file)");
		if (st == VAULT_OK && opend == 1) {
			memcpy(k, k + 32, 32);
			has_cur = 1;
		}
	}
	vault__lock_release(lock);
	if (st == VAULT_OK)
		memcpy(key, has_cur ? k : slot_key, 32);
	else if (vault_errmsg(v)[0] == '\0')
		vault__err(v, st, "%s", vault_last_errmsg());
	vault__secure_free(k);
	return st;
}

/* Without a branch on key bytes. */
static int keys_differ(const unsigned char *a, const unsigned char *b)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < 32; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d != 0;
}

/* A supervisor's open, when the facts say her organisation's keys are
 * owed (ORG_KEYS_OWED: an admin disabled one of its members, and an admin
 * makes none of its keys), makes them, in an entry of its own. */
static vault_status take_over_owed(vault *v)
{
	vault_status st;
	gate g;

	if (v->role != VAULT_ROLE_SUPERVISOR || v->org[0] == '\0' || v->must_change ||
	    vault__facts_org_keys(v, v->org) != ORG_KEYS_OWED)
		return VAULT_OK;
	st = vault__gate_open(v, &g, "org.rotate", POLICY_NONE, NULL, v->org, 0, NULL, NULL);
	/* as the facts hold it now, under the lock */
	if (st == VAULT_OK && vault__facts_org_keys(v, v->org) == ORG_KEYS_OWED)
		st = vault__org_take_over(v);
	VAULT_CRASH_POINT("org_rotate.commit.before");
	return vault__gate_close(&g, st);
}

/* Open the database with the key in force, and take the open's write
 * transaction.  A key rotation that switches the file between the choice
 * of the key and the lock (the opener read the old file, or met the new
 * one with the old key) is met by choosing again. */
static vault_status open_store(vault *v, const unsigned char slot_key[32], int busy)
{
	unsigned char *tried = vault__secure_alloc(32);
	vault_status st = VAULT_OK;
	int attempt, again;

	if (tried == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	for (attempt = 0; attempt < 3; attempt++) {
		st = pick_dbkey(v, slot_key, v->sec->dbkey);
		if (st != VAULT_OK)
			break;
		again = attempt > 0 && keys_differ(tried, v->sec->dbkey);
		memcpy(tried, v->sec->dbkey, 32);
		if (attempt > 0 && !again && !v->db_moved)
			break; /* the same key, the same file: the failure stands */
		vault__store_close(v);
		VAULT_CRASH_POINT("open.key_picked");
		st = vault__store_open(v, v->sec->dbkey, 0, busy);
		VAULT_CRASH_POINT("open.store_opened");
		if (st == VAULT_OK)
			st = vault__txn_begin(v);
		if (st == VAULT_OK)
			break;
		if (st != VAULT_ERR_CORRUPT && !v->db_moved)
			break;
	}
	vault__secure_free(tried);
	return st;
}

vault_status vault_open(const char *path, const char *user,
                        const unsigned char *passphrase, size_t passphrase_len,
                        const vault_open_options *opts, vault **out)
{
	vault_open_options o = VAULT_OPEN_OPTIONS_INIT;
	unsigned char inbox_pk[32], inbox_sk[32];
	slot_secret *slot = NULL;
	struct inbox_ctx ix;
	slot_meta meta;
	vault *v = NULL;
	vault_status st;
	size_t n = 0;
	int busy, drained = 0, mismatch = 0;
	audit_event ev;

	vault__clear_last_error();
	if (out != NULL)
		*out = NULL;
	if (out == NULL || path == NULL || *path == '\0' || user == NULL ||
	    !valid_pass(passphrase, passphrase_len)) {
		vault__set_last_error("vault_open: path, user, passphrase and out are required");
		return VAULT_ERR_INVALID;
	}
	if (opts != NULL) {
		if (opts->version == 0 || opts->version > VAULT_OPEN_OPTIONS_VERSION) {
			vault__set_last_error("unknown options version");
			return VAULT_ERR_INVALID;
		}
		/* A version 1 caller's struct ends before state_dir. */
		memcpy(&o, opts, opts->version == 1 ? OPEN_OPTIONS_V1_SIZE
		                                    : sizeof(o));
		if (opts->version == 1)
			o.state_dir = NULL;
	}
	if (o.purpose == 0)
		o.purpose = VAULT_PURPOSE_CASEWORK;
	if (vault_purpose_name(o.purpose) == NULL) {
		vault__set_last_error("unknown purpose");
		return VAULT_ERR_INVALID;
	}
	busy = o.busy_timeout_ms == 0 ? 5000 : o.busy_timeout_ms < 0 ? 0 : o.busy_timeout_ms;
	if (vault__crypto_init() != VAULT_OK) {
		vault__set_last_error("libsodium could not be initialised");
		return VAULT_ERR_NOCRYPTO;
	}
	if (!vault__valid_name(user)) {
		/* Same answer, same work as any unknown user. */
		slot_secret dummy;
		vault_kdf def;
		st = vault__slot_unlock(path, "-", passphrase, passphrase_len, &dummy, &def);
		vault__wipe(&dummy, sizeof(dummy));
		if (st == VAULT_ERR_AUTH)
			st = auth_failed(path, user);
		return st == VAULT_OK ? VAULT_ERR_AUTH : st;
	}
	st = no_links(path);
	if (st != VAULT_OK)
		return st;
	slot = vault__secure_alloc(sizeof(*slot));
	v = handle_new(path);
	/* kept: a later save of her witness state (after a key rotation)
	 * goes where this open checked it */
	if (v != NULL && o.state_dir != NULL && (v->state_dir = vault__strdup(o.state_dir)) == NULL) {
		vault_close(v);
		v = NULL;
	}
	if (slot == NULL || v == NULL) {
		vault__secure_free(slot);
		vault_close(v);
		vault__set_last_error("out of memory");
		return VAULT_ERR_NOMEM;
	}
	st = vault__slot_unlock_meta(path, user, passphrase, passphrase_len, slot,
	                             &v->default_kdf, &meta);
	if (st != VAULT_OK) {
		if (st == VAULT_ERR_AUTH)
			st = auth_failed(path, user);
		else if (vault_last_errmsg()[0] == '\0')
			vault__set_last_error("%s", vault_strerror(st));
		vault__secure_free(slot);
		vault_close(v);
		return st;
	}
	VAULT_CRASH_POINT("open.unlocked");
	snprintf(v->user, sizeof(v->user), "%s", user);
	v->purpose = o.purpose;
	v->must_change = (meta.flags & SLOT_MUST_CHANGE) != 0;
	memcpy(v->sec->box_sk, slot->box_sk, 32);
	memcpy(v->sec->sign_sk, slot->sign_sk, 64);
	vault__box_pk_from_sk(v->sec->box_pk, v->sec->box_sk);
	vault__sign_pk_from_sk(v->sec->sign_pk, v->sec->sign_sk);

	/* Identity, the slot's settling and the failed attempts since the last
	 * open, then this open: one write transaction. */
	st = open_store(v, slot->dbkey, busy);
	vault__secure_free(slot);
	if (st != VAULT_OK)
		return fail_handle(v, st);
	st = load_identity(v, &mismatch);
	if (st == VAULT_ERR_CORRUPT && mismatch &&
	    (meta.which == SLOT_PENDING || meta.other ||
	     !vault__slot_alone(path, user, meta.nonce)))
		/* The other slot of a passphrase change is the one in force: this
		 * passphrase is the old one (the change committed, perhaps while
		 * this open waited for the lock) or the new one of a change that
		 * never did. */
		st = vault__err(v, VAULT_ERR_AUTH, "unknown user or wrong passphrase");
	if (st == VAULT_OK)
		st = settle_slot(v, &meta, passphrase, passphrase_len);
	/* The facts the verified log vouches for, before anything relies on
	 * a row (a vault made before schema 7 has its rows adopted as legacy), and
	 * before this open appends entries of its own. */
	if (st == VAULT_OK)
		st = vault__facts_start(v);
	/* The slot's must-change flag is sealed under the very passphrase its
	 * chooser knows, so she could seal the slot again without it.  The log
	 * she cannot change unseen: a user whom someone else added (a user.add
	 * entry naming her) and who has no user.rekey of her own since must
	 * change her passphrase, whatever her slot says.  The replay that just
	 * verified the log says so (facts.c), not a query through the audit
	 * table's index on target, whose pages she could rewrite.  (Someone
	 * who knows a passphrase can still act as its owner, a rekey included,
	 * until the owner changes it: SECURITY.md, Known limits.) */
	if (st == VAULT_OK && vault__facts_added_by_other(v))
		v->must_change = 1;
	if (st == VAULT_OK)
		st = vault__meta_get(v, "inbox_pk", inbox_pk, 32, &n);
	if (st == VAULT_OK)
		st = vault__meta_get(v, "inbox_sk", inbox_sk, 32, &n);
	if (st == VAULT_OK) {
		ix.v = v;
		ix.st = VAULT_OK;
		st = vault__inbox_drain(path, inbox_pk, inbox_sk, note_failure, &ix, &drained);
		if (st != VAULT_OK && ix.st == VAULT_OK)
			vault__err(v, st, "cannot read the failed-unlock inbox: %s",
			           st == VAULT_ERR_CORRUPT ? "key-slot file is damaged"
			                                   : vault_strerror(st));
		if (st != VAULT_OK)
			st = ix.st != VAULT_OK ? ix.st : st;
	}
	vault__wipe(inbox_sk, sizeof(inbox_sk));
	if (st == VAULT_OK) {
		memset(&ev, 0, sizeof(ev));
		ev.action = "vault.open";
		ev.outcome = VAULT_OUTCOME_OK;
		st = vault__audit_append(v, &ev);
		/* A damaged database is reported as such (the header's contract). */
		if (st != VAULT_OK && st != VAULT_ERR_CORRUPT && st != VAULT_ERR_NOSPACE &&
		    st != VAULT_ERR_INTEGRITY)
			st = vault__err(v, VAULT_ERR_AUDIT, "the open could not be recorded");
	}
	if (st == VAULT_OK)
		prune_disabled(v);
	/* Every user a witness: the log must extend what she saw. */
	if (st == VAULT_OK)
		st = vault__witness_check(v, o.state_dir);
	st = st == VAULT_OK ? vault__txn_end(v, 1) : (vault__txn_end(v, 0), st);
	/* The attempts taken aside are in the log now.  Cleared whatever their
	 * number: an empty taken inbox left behind (a full disk, a planted
	 * file) would otherwise keep every later attempt out of the log. */
	if (st == VAULT_OK)
		vault__inbox_clear(path);
	if (st == VAULT_OK)
		st = vault__witness_save(v, o.state_dir);
	/* An open that read much of the log keeps what it verified at once,
	 * not only at its close (which a crash skips). */
	if (st == VAULT_OK && vault__facts_replayed(v) >= FACTS_SAVE_AFTER)
		(void)vault__facts_save(v);
	/* Her organisation's keys owed since an admin disabled one of its
	 * members: she makes the new ones now (nothing is sealed to it until
	 * then).  Failed, the open fails: the keys stay owed, and safe. */
	if (st == VAULT_OK)
		st = take_over_owed(v);
	if (st == VAULT_ERR_AUTH)
		st = auth_failed(path, user);
	if (st != VAULT_OK)
		return fail_handle(v, st);
	(void)drained;
	*out = v;
	return VAULT_OK;
}

vault_status vault_set_purpose(vault *v, vault_purpose purpose)
{
	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (vault__check_expired(v) != VAULT_OK)
		return VAULT_ERR_PASSWD_EXPIRED;
	if (vault_purpose_name(purpose) == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "unknown purpose");
	v->purpose = purpose;
	return VAULT_OK;
}

const char *vault_whoami(const vault *v, const char **org, vault_role *role)
{
	if (v == NULL)
		return NULL;
	if (org != NULL)
		*org = v->org[0] ? v->org : NULL;
	if (role != NULL)
		*role = v->role;
	return v->user;
}

/* Re-seal to `box_pk` every key sealed to the caller's current box key:
 * the organisation keys of every epoch, and the class keys held by name. */
static vault_status reseal_own(vault *v, const char *sel, const char *upd,
                               const unsigned char box_pk[32])
{
	unsigned char *key = vault__secure_alloc(32);
	unsigned char sealed[VAULT_SEALED_KEY_BYTES];
	sqlite3_stmt *s = NULL, *u = NULL;
	vault_status st;
	int rc;

	if (key == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	st = vault__prepare(v, sel, &s);
	if (st == VAULT_OK)
		st = vault__prepare(v, upd, &u);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, v->user);
		while (st == VAULT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			/* Seals are not facts: anyone can write a row "to" her.  One
			 * she cannot open gave her nothing and is left as it is; it
			 * must not stop her passphrase change (a new user must change
			 * hers before anything else). */
			if (vault__unseal(key, sqlite3_column_blob(s, 1),
			                  (size_t)sqlite3_column_bytes(s, 1), v->sec->box_pk,
			                  v->sec->box_sk) != 0)
				continue;
			if (vault__seal(sealed, key, box_pk) != 0) {
				st = vault__err(v, VAULT_ERR_CORRUPT, "your new public key is invalid");
				break;
			}
			sqlite3_reset(u);
			sqlite3_bind_blob(u, 1, sealed, sizeof(sealed), SQLITE_STATIC);
			sqlite3_bind_int64(u, 2, sqlite3_column_int64(s, 0));
			st = vault__sql_status(v, sqlite3_step(u), "re-seal");
		}
		if (st == VAULT_OK && rc != SQLITE_DONE)
			st = vault__sql_status(v, rc, "re-seal");
	}
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	vault__secure_free(key);
	return st;
}

/* New key pairs for the caller, in the database; and, for the first
 * supervisor of an organisation whose keys an admin made, new organisation
 * keys and new class keys for its cases. */
static vault_status rekey(vault *v, const unsigned char box_pk[32],
                          const unsigned char sign_pk[32])
{
	sqlite3_stmt *s;
	vault_status st;
	int admin_keys = 0, same = 0;

	/* Only over the keys this handle holds: a handle opened before another
	 * change of the same user must not replace that change's keys. */
	st = vault__prepare(v, "SELECT count(*) FROM users WHERE name = ?1 AND box_pk = ?2"
	                       " AND sign_pk = ?3", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, v->user);
	sqlite3_bind_blob(s, 2, v->sec->box_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, v->sec->sign_pk, 32, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		same = sqlite3_column_int(s, 0) == 1;
	else
		st = vault__sql_status(v, sqlite3_errcode(v->db), "user keys");
	sqlite3_finalize(s);
	if (st != VAULT_OK)
		return st;
	if (!same)
		return vault__err(v, VAULT_ERR_STATE, "your keys changed since this handle was"
		                  " opened (another passphrase change?): open the vault again");
	st = reseal_own(v, "SELECT rowid, sealed FROM org_keys WHERE user = ?1",
	                "UPDATE org_keys SET sealed = ?1 WHERE rowid = ?2", box_pk);
	if (st == VAULT_OK)
		/* "+hkind", "+holder": every row, not those the index on
		 * (hkind, holder) lists (its pages are anyone's to rebuild; a
		 * seal it hid would stay under the key the chooser of a first
		 * passphrase knows: attack 18) */
		st = reseal_own(v, "SELECT rowid, sealed FROM class_keys WHERE +hkind = 2"
		                   " AND +holder = ?1",
		                "UPDATE class_keys SET sealed = ?1 WHERE rowid = ?2", box_pk);
	if (st == VAULT_OK)
		st = vault__prepare(v, "UPDATE users SET box_pk = ?2, sign_pk = ?3 WHERE name = ?1"
		                       " AND box_pk = ?4 AND sign_pk = ?5", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, v->user);
		sqlite3_bind_blob(s, 2, box_pk, 32, SQLITE_STATIC);
		sqlite3_bind_blob(s, 3, sign_pk, 32, SQLITE_STATIC);
		sqlite3_bind_blob(s, 4, v->sec->box_pk, 32, SQLITE_STATIC);
		sqlite3_bind_blob(s, 5, v->sec->sign_pk, 32, SQLITE_STATIC);
		st = vault__sql_status(v, sqlite3_step(s), "user keys");
		if (st == VAULT_OK && sqlite3_changes(v->db) != 1)
			st = vault__err(v, VAULT_ERR_STATE, "your keys changed since this handle was"
			                " opened (another passphrase change?): open the vault again");
		sqlite3_finalize(s);
	}
	if (st != VAULT_OK || v->role != VAULT_ROLE_SUPERVISOR || v->org[0] == '\0')
		return st;
	st = vault__prepare(v, "SELECT admin_keys FROM orgs WHERE id = ?1", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, v->org);
		admin_keys = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
		sqlite3_finalize(s);
	}
	if (st != VAULT_OK || !admin_keys)
		return st;
	return vault__org_take_over(v);
}

/* The new passphrase may not be the one in force: a slot of the user's
 * that opens under it says so.  Costs one key derivation. */
static vault_status same_passphrase(vault *v, const unsigned char *pass, size_t len)
{
	slot_secret *probe = vault__secure_alloc(sizeof(*probe));
	vault_kdf def;
	vault_status st;

	if (probe == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	st = vault__slot_unlock(v->dir, v->user, pass, len, probe, &def);
	if (st == VAULT_OK)
		st = vault__err(v, VAULT_ERR_WEAK_PASSPHRASE,
		                "the new passphrase is the one in use: choose another");
	else if (st == VAULT_ERR_AUTH)
		st = VAULT_OK;
	else
		vault__err(v, st, "%s", vault_last_errmsg());
	vault__secure_free(probe);
	return st;
}

vault_status vault_passwd(vault *v, const unsigned char *pass, size_t len,
                          vault_kdf kdf)
{
	unsigned char box_pk[32], sign_pk[32];
	char nonce[49], why[256];
	slot_secret *slot;
	int written = 0;
	vault_kdf level;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "%s changes the key-slot file, which a"
		                  " rollback cannot undo: call it outside vault_begin()", "passwd");
	if (!valid_pass(pass, len))
		return vault__err(v, VAULT_ERR_INVALID, "passphrase must be 1..%d bytes",
		                  VAULT_PASSPHRASE_MAX);
	st = vault__kdf_check(v, kdf, &level);
	if (st != VAULT_OK)
		return st;
	if (v->dead)
		return vault__err(v, VAULT_ERR_AUTH, "this user was disabled; close the handle");
	/* Strength is estimated by zxcvbn; test-only vaults skip it. */
	if (v->default_kdf != VAULT_KDF_INSECURE_TEST_ONLY &&
	    vault__passphrase_weak(pass, len, v->user, v->org, why, sizeof(why)))
		return vault__err(v, VAULT_ERR_WEAK_PASSPHRASE, "%s", why);
	st = same_passphrase(v, pass, len);
	if (st != VAULT_OK)
		return st;
	slot = vault__secure_alloc(sizeof(*slot));
	if (slot == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	/* New key pairs with the new passphrase: whoever chose the old one
	 * (the admin who made a first supervisor, the supervisor who made a
	 * caseworker) could derive the old keys from a copy of the old slot. */
	memcpy(slot->dbkey, v->sec->dbkey, 32);
	vault__box_keypair(box_pk, slot->box_sk);
	vault__sign_keypair(sign_pk, slot->sign_sk);
	/* Crash-safe order: the new slot is written beside the old one
	 * (pending), then the database commits the new public keys and the
	 * entry (signed with the old key, carrying the new one), then the
	 * pending slot replaces the old.  Killed anywhere, exactly one of the
	 * two passphrases opens: the one whose keys the database holds (open
	 * settles the entry, see settle_slot). */
	v->in_passwd = 1;
	st = vault__gate_open(v, &g, "user.rekey", POLICY_NONE, NULL, v->user, 0, NULL, NULL);
	if (st == VAULT_OK)
		st = rekey(v, box_pk, sign_pk);
	if (st == VAULT_OK) {
		g.ev.newkey = sign_pk;
		st = vault__slot_write(v->dir, v->user, pass, len, level, slot, 0, v->pinned_id,
		                       SLOT_PUT_PENDING, nonce);
		if (st == VAULT_OK)
			written = 1;
		else
			vault__err(v, st, "%s", vault_last_errmsg());
	}
	VAULT_CRASH_POINT("passwd.commit.before");
	st = vault__gate_close(&g, st);
	VAULT_CRASH_POINT("passwd.commit.after");
	v->in_passwd = 0;
	/* Settling is tidying: if it fails, the next open does it. */
	if (written)
		(void)vault__slot_settle(v->dir, v->user, nonce, st == VAULT_OK);
	if (st == VAULT_OK) {
		vault__facts_rekeying(v);
		memcpy(v->sec->box_sk, slot->box_sk, 32);
		memcpy(v->sec->sign_sk, slot->sign_sk, 64);
		memcpy(v->sec->box_pk, box_pk, 32);
		memcpy(v->sec->sign_pk, sign_pk, 32);
		v->must_change = 0;
		vault__cache_forget(v);
	}
	vault__secure_free(slot);
	return st;
}

vault_status vault_begin(vault *v)
{
	vault_status st;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "a transaction is already open");
	st = vault__check_expired(v);
	if (st != VAULT_OK)
		return st;
	st = vault__exec(v, "BEGIN IMMEDIATE");
	if (st != VAULT_OK)
		return st;
	v->user_txn = 1;
	v->live_checked = 0;
	v->file_checked = 0;
	v->head_known = 0;
	v->unsigned_entries = 0;
	vault__txn_cache_clear(v);
	return VAULT_OK;
}

vault_status vault_commit(vault *v)
{
	vault_status st;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (!v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "no transaction is open");
	if (sqlite3_get_autocommit(v->db)) {
		/* SQLite rolled it back after an error: nothing to commit. */
		vault__cache_forget(v);
		v->user_txn = 0;
		v->head_known = 0;
		v->unsigned_entries = 0;
		return vault__err(v, VAULT_ERR_STATE, "the transaction was rolled back after"
		                  " an error; nothing was committed");
	}
	/* Every operation inside was refused if the file was replaced (a key
	 * rotation): nothing is committed to a file nobody reads. */
	st = vault__store_moved(v) ? vault__err(v, VAULT_ERR_AUTH, VAULT_MSG_ROTATED)
	                           : vault__facts_witness_recheck(v);
	/* (her state, saved by another handle of hers during the batch, after
	 * a cut its first operation read: 310c) */
	if (st == VAULT_OK)
		st = vault__audit_seal(v);
	if (st == VAULT_OK)
		st = vault__exec(v, "COMMIT");
	if (st != VAULT_OK) {
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
		vault__cache_forget(v);
	} else {
		vault__facts_commit(v); /* the batch's statements are facts now */
	}
	v->user_txn = 0;
	v->head_known = 0;
	v->unsigned_entries = 0;
	return st;
}

vault_status vault_rollback(vault *v)
{
	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (!v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "no transaction is open");
	sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	vault__cache_forget(v);
	v->user_txn = 0;
	v->head_known = 0;
	v->unsigned_entries = 0;
	return VAULT_OK;
}
