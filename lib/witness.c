/*
 * witness.c - every user a witness: the newest tree head (size, root) this
 * user's library has seen of a vault's log, kept outside the vault folder
 * (vault_open_options.state_dir, like ssh's known_hosts), and checked at
 * every open: the log must extend it.  A log cut, rolled back (a restored
 * vault.db, a restored copy of the whole folder, dropped WAL frames) or
 * rewritten below what this user already saw is VAULT_ERR_INTEGRITY.
 *
 * The file, <state_dir>/<vault id>/<user>, is text:
 *
 *   libvault-witness/1\n <vault id>\n <user>\n <size>\n <root, base64>\n
 *   <signer's Ed25519 public key, base64>\n <signature, base64>\n
 *
 * signed (the first six lines) with the user's own Ed25519 key from her key
 * slot, so that nobody else can write a state she accepts.  A state signed by
 * an earlier key of hers (before a passphrase change gave her new keys) is
 * still checked, then signed again with the current key.
 *
 * Opening stays cheap: the old root is recomputed from O(log n) stored tree
 * hashes, and only the entries appended since are read (their hashes folded
 * into the tree and compared with the stored tree at the head).  Binding the
 * entries' fields to their hashes is vault_audit_verify()'s work.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "facts.h"
#include "internal.h"

#define STATE_MAGIC "libvault-witness/1"
#define STATE_MAX 1024

typedef struct witness_state {
	uint64_t size;
	unsigned char root[TLOG_HASH];
	unsigned char pk[32];
	unsigned char sig[64];
} witness_state;

/* <state_dir>/<vault id>[/<user>] into a malloc'ed string. */
static char *state_path(const char *dir, const char *id, const char *user)
{
	size_t n = strlen(dir) + strlen(id) + (user ? strlen(user) : 0) + 3;
	char *p = vault__malloc(n);

	if (p != NULL)
		snprintf(p, n, user ? "%s/%s/%s" : "%s/%s", dir, id, user ? user : "");
	return p;
}

static size_t body(char *out, size_t cap, const char *id, const char *user,
                   uint64_t size, const unsigned char root[TLOG_HASH],
                   const unsigned char pk[32])
{
	char r64[sodium_base64_ENCODED_LEN(TLOG_HASH, sodium_base64_VARIANT_ORIGINAL)];
	char k64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	int n;

	sodium_bin2base64(r64, sizeof(r64), root, TLOG_HASH, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(k64, sizeof(k64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap, STATE_MAGIC "\n%s\n%s\n%llu\n%s\n%s\n", id, user,
	             (unsigned long long)size, r64, k64);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static int b64_exact(const char *s, size_t n, unsigned char *out, size_t want)
{
	size_t len = 0;
	const char *end = NULL;

	return sodium_base642bin(out, want, s, n, NULL, &len, &end,
	                         sodium_base64_VARIANT_ORIGINAL) == 0 &&
	               end == s + n && len == want
	           ? 0
	           : -1;
}

/* 1: well-formed; negative: a status.  `where` names the copy. */
/* The name line of the copy in the key-slot file: "-", since that file
 * must not name its users (slot ids hide them). */
#define SLOT_COPY_USER "-"

static int state_parse(vault *v, char *text, const char *where, const char *id,
                       const char *user, witness_state *w)
{
	char *line[7], *p, *end;
	int i;
	unsigned long long size;

	p = text;
	for (i = 0; i < 7; i++) {
		char *nl = strchr(p, '\n');

		if (nl == NULL)
			goto bad;
		*nl = '\0';
		line[i] = p;
		p = nl + 1;
	}
	if (*p != '\0' || strcmp(line[0], STATE_MAGIC) != 0 || strcmp(line[1], id) != 0 ||
	    strcmp(line[2], user) != 0 || line[3][0] < '1' || line[3][0] > '9')
		goto bad;
	errno = 0;
	size = strtoull(line[3], &end, 10);
	if (errno != 0 || *end != '\0' ||
	    b64_exact(line[4], strlen(line[4]), w->root, TLOG_HASH) != 0 ||
	    b64_exact(line[5], strlen(line[5]), w->pk, 32) != 0 ||
	    b64_exact(line[6], strlen(line[6]), w->sig, 64) != 0)
		goto bad;
	w->size = size;
	return 1;
bad:
	return vault__err(v, VAULT_ERR_INTEGRITY, "the witness state %s is malformed "
	                  "(remove it to start witnessing afresh)", where);
}

/* 1: read and well-formed; 0: no file; negative: a status. */
static int state_read(vault *v, const char *path, const char *id, witness_state *w)
{
	char text[STATE_MAX + 1];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return vault__err(v, VAULT_ERR_IO, "cannot read the witness state %s", path);
	}
	n = read(fd, text, STATE_MAX);
	close(fd);
	if (n < 0)
		return vault__err(v, VAULT_ERR_IO, "cannot read the witness state %s", path);
	text[n] = '\0';
	return state_parse(v, text, path, id, v->user, w);
}

/* The copy in the user's key-slot entry: 1, 0 (none) or a status. */
static int slot_state_read(vault *v, const char *id, witness_state *w)
{
	char *text = NULL;
	vault_status st = vault__slot_witness_get(v->dir, v->user, &text);
	int r;

	if (st == VAULT_ERR_NOT_FOUND || (st == VAULT_OK && text == NULL))
		return 0;
	if (st != VAULT_OK)
		return vault__err(v, st, "cannot read the witness copy in the key-slot file");
	r = strlen(text) > STATE_MAX ? vault__err(v, VAULT_ERR_INTEGRITY, "the witness copy"
	                                          " in your key slot is malformed")
	                             : state_parse(v, text, "in your key slot", id,
	                                                           SLOT_COPY_USER, w);
	free(text);
	return r;
}

static vault_status head_now(vault *v, uint64_t *seq)
{
	sqlite3_stmt *s = vault__stmt(v, ST_AUDIT_HEAD);
	int rc;

	if (s == NULL)
		return vault__sql_status(v, sqlite3_errcode(v->db), "audit head");
	rc = sqlite3_step(s);
	*seq = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? VAULT_OK
	                                             : vault__sql_status(v, rc, "audit head");
}

/* A key she replaced: the log has her own user.rekey signed with it.
 * (Public keys: memcmp is fine.) */
static int was_her_key(vault *v, const unsigned char pk[32])
{
	sqlite3_stmt *s = NULL;
	int found = 0;

	if (vault__prepare(v, "SELECT 1 FROM audit WHERE action = 'user.rekey' AND"
	                      " outcome = 'ok' AND actor = ?1 AND key = ?2 LIMIT 1", &s) != VAULT_OK)
		return 0;
	vault__bind_text(s, 1, v->user);
	sqlite3_bind_blob(s, 2, pk, 32, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

/* The log must extend the tree head `w` (read from `path`, a name for
 * messages): signed by this user, a prefix of the log, and the entries
 * since fold into the stored tree. */
static vault_status check_one(vault *v, const char *id, const char *path,
                              const char *user, const witness_state *wp)
{
	char text[STATE_MAX];
	unsigned char root[TLOG_HASH], stored_root[TLOG_HASH], leaf[TLOG_HASH];
	unsigned char scratch[TLOG_MAX_LEVELS][TLOG_HASH];
	tlog_frontier *f = NULL;
	witness_state w = *wp;
	sqlite3_stmt *s = NULL;
	uint64_t head;
	size_t blen;
	vault_status st;
	int ns, rc;

	blen = body(text, sizeof(text), id, user, w.size, w.root, w.pk);
	if (blen == 0 || crypto_sign_verify_detached(w.sig, (const unsigned char *)text, blen,
	                                             w.pk) != 0 ||
	    (memcmp(w.pk, v->sec->sign_pk, 32) != 0 && !was_her_key(v, w.pk))) {
		st = vault__err(v, VAULT_ERR_INTEGRITY, "the witness state %s is not signed by "
		                "%s's key (tampered with?)", path, v->user);
		goto out;
	}
	if ((st = head_now(v, &head)) != VAULT_OK)
		goto out;
	/* The log as this open found it: without the entries it just added
	 * (which could stand in for lost ones, byte for byte). */
	if ((uint64_t)v->unsigned_entries > head ||
	    w.size > head - (uint64_t)v->unsigned_entries) {
		st = vault__err(v, VAULT_ERR_INTEGRITY, "the audit log has %llu entries, but "
		                "%s saw %llu: it was cut or rolled back (a restored vault.db "
		                "or folder, or lost commits)",
		                (unsigned long long)(head - (uint64_t)v->unsigned_entries),
		                v->user, (unsigned long long)w.size);
		goto out;
	}
	/* The tree this user saw must be the first w.size leaves of this one. */
	f = vault__malloc(sizeof(*f));
	if (f == NULL) {
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = vault__tlog_frontier_load(f, w.size, vault__audit_tree_read, v);
	if (st != VAULT_OK)
		goto out;
	vault__tlog_frontier_root(f, root);
	if (memcmp(root, w.root, TLOG_HASH) != 0) {
		st = vault__err(v, VAULT_ERR_INTEGRITY, "the first %llu entries of the audit "
		                "log are not those %s saw: it was rewritten or forked",
		                (unsigned long long)w.size, v->user);
		goto out;
	}
	/* What is new since: fold the entries' hashes into that tree, which
	 * must give the stored tree's root at the head. */
	st = vault__prepare(v, "SELECT seq, hash FROM audit WHERE seq > ?1 ORDER BY seq", &s);
	if (st != VAULT_OK)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)w.size);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((uint64_t)sqlite3_column_int64(s, 0) != f->size + 1 ||
		    sqlite3_column_bytes(s, 1) != 32) {
			st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu is missing or "
			                "malformed", (unsigned long long)f->size + 1);
			break;
		}
		vault__tlog_leaf_hash(sqlite3_column_blob(s, 1), 32, leaf);
		vault__tlog_frontier_append(f, leaf, scratch, &ns);
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "audit");
	sqlite3_finalize(s);
	if (st != VAULT_OK)
		goto out;
	vault__tlog_frontier_root(f, root);
	if ((st = vault__audit_tree_root(v, f->size, stored_root)) != VAULT_OK)
		goto out;
	if (f->size != head || memcmp(root, stored_root, TLOG_HASH) != 0)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "the audit log's Merkle tree is not "
		                "the tree of its entries since entry %llu",
		                (unsigned long long)w.size);
out:
	free(f);
	return st;
}

/* Both copies, each on its own: the state file (state_dir) and the one in
 * her key-slot entry.  Either may be newer (a restored state folder, a
 * restored vault folder); each must be a prefix of the log. */
vault_status vault__witness_check(vault *v, const char *state_dir)
{
	char id[VAULT_VAULT_ID_BUFSIZE], *path = NULL;
	witness_state w;
	vault_status st;
	int r;

	/* The pinned id names her state; a database that names another is
	 * vault_id()'s and vault_audit_verify()'s to report. */
	st = vault__id(v, id);
	if (st == VAULT_ERR_INTEGRITY && v->pinned)
		st = VAULT_OK;
	if (st != VAULT_OK)
		return st;
	r = slot_state_read(v, id, &w);
	if (r < 0)
		return (vault_status)r;
	if (r > 0 && (st = check_one(v, id, "in your key slot", SLOT_COPY_USER, &w)) != VAULT_OK)
		return st;
	if (state_dir == NULL)
		return VAULT_OK;
	path = state_path(state_dir, id, v->user);
	if (path == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	r = state_read(v, path, id, &w);
	st = r < 0 ? (vault_status)r : r > 0 ? check_one(v, id, path, v->user, &w) : VAULT_OK;
	free(path);
	return st;
}

/* The tree head this user signed after her last open, which verified every
 * entry up to it: facts.c replays that prefix without checking its
 * signatures again (vault__audit_verifier_trust).  Only the copy in her key
 * slot, only for the id pinned there, and only if signed by her current key:
 * anyone can write the key-slot file, nobody else can sign with that key.
 * A state signed by an older key of hers is checked by vault__witness_check()
 * and signed anew, and trusted from the next open.  *size 0: none to trust
 * (the faults of a bad copy are vault__witness_check()'s to report). */
void vault__witness_trusted(vault *v, uint64_t *size, unsigned char root[TLOG_HASH])
{
	char id[VAULT_VAULT_ID_BUFSIZE], text[STATE_MAX], *copy = NULL;
	char saved[sizeof(v->errmsg)];
	witness_state w;
	size_t blen;

	*size = 0;
	if (!v->pinned)
		return;
	vault__hex(v->pinned_id, 32, id);
	memcpy(saved, v->errmsg, sizeof(saved));
	if (vault__slot_witness_get(v->dir, v->user, &copy) == VAULT_OK && copy != NULL &&
	    strlen(copy) <= STATE_MAX &&
	    state_parse(v, copy, "in your key slot", id, SLOT_COPY_USER, &w) > 0 &&
	    sodium_memcmp(w.pk, v->sec->sign_pk, 32) == 0 &&
	    (blen = body(text, sizeof(text), id, SLOT_COPY_USER, w.size, w.root, w.pk)) > 0 &&
	    crypto_sign_verify_detached(w.sig, (const unsigned char *)text, blen, w.pk) == 0) {
		*size = w.size;
		memcpy(root, w.root, TLOG_HASH);
	}
	free(copy);
	memcpy(v->errmsg, saved, sizeof(saved)); /* nothing to report from here */
}

/* mkdir, 0700, if absent. */
static int mkdir_private(const char *path)
{
	struct stat sb;

	if (mkdir(path, 0700) == 0)
		return 0;
	return errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
}

/* mkdir -p, each missing folder 0700 (~/.local/state may not exist yet). */
static int mkdirs_private(const char *path)
{
	char *p = vault__strdup(path), *q;
	int rc = 0;

	if (p == NULL)
		return -1;
	for (q = p + 1; rc == 0 && (q = strchr(q, '/')) != NULL; q++) {
		*q = '\0';
		if (p[0] != '\0')
			rc = mkdir_private(p);
		*q = '/';
	}
	if (rc == 0)
		rc = mkdir_private(p);
	free(p);
	return rc;
}

/* The signed state text of the tree head t (size and root), for `user`
 * (her name, or SLOT_COPY_USER) into text; its length, 0 if it cannot fit. */
static size_t signed_state(vault *v, const tlog_frontier *t, const char *id, const char *user,
                           char text[STATE_MAX])
{
	char s64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
	unsigned char root[TLOG_HASH], sig[64];
	size_t blen, n;

	vault__tlog_frontier_root(t, root);
	blen = body(text, STATE_MAX, id, user, t->size, root, v->sec->sign_pk);
	if (blen == 0)
		return 0;
	vault__sign(sig, (const unsigned char *)text, blen, v->sec->sign_sk);
	sodium_bin2base64(s64, sizeof(s64), sig, 64, sodium_base64_VARIANT_ORIGINAL);
	n = strlen(s64);
	if (blen + n + 2 > STATE_MAX)
		return 0;
	memcpy(text + blen, s64, n);
	text[blen + n] = '\n';
	blen += n + 1;
	text[blen] = '\0';
	return blen;
}

static vault_status save_tree(vault *v, const char *state_dir, const tlog_frontier *t)
{
	char id[VAULT_VAULT_ID_BUFSIZE], text[STATE_MAX], *dir = NULL, *path = NULL,
	    *tmp = NULL;
	vault_status st;
	size_t blen;
	int fd = -1;

	st = vault__id(v, id);
	if (st == VAULT_ERR_INTEGRITY && v->pinned)
		st = VAULT_OK; /* as in vault__witness_check() */
	if (st != VAULT_OK)
		return st;
	/* In her key-slot entry first: it needs no folder of her own. */
	if (signed_state(v, t, id, SLOT_COPY_USER, text) == 0)
		return vault__err(v, VAULT_ERR_INVALID, "witness state too long");
	/* Best effort, after the open committed: a copy that did not advance
	 * is still a true (older) head, checked at the next open; failing this
	 * open now would leave its entry in the log without a handle. */
	(void)vault__slot_witness_put(v->dir, v->user, text);
	if (state_dir == NULL)
		return VAULT_OK;
	if ((blen = signed_state(v, t, id, v->user, text)) == 0)
		return vault__err(v, VAULT_ERR_INVALID, "witness state too long");
	dir = state_path(state_dir, id, NULL);
	path = state_path(state_dir, id, v->user);
	tmp = path ? vault__malloc(strlen(path) + 16) : NULL;
	if (dir == NULL || tmp == NULL) {
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (mkdirs_private(state_dir) != 0 || mkdir_private(dir) != 0) {
		st = vault__err(v, VAULT_ERR_IO, "cannot create the witness state folder %s", dir);
		goto out;
	}
	snprintf(tmp, strlen(path) + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0 || write(fd, text, blen) != (ssize_t)blen || fsync(fd) != 0) {
		st = vault__err(v, VAULT_ERR_IO, "cannot write the witness state %s", path);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		st = vault__err(v, VAULT_ERR_IO, "cannot write the witness state %s", path);
	}
out:
	free(dir);
	free(path);
	free(tmp);
	return st;
}

vault_status vault__witness_save(vault *v, const char *state_dir)
{
	if (!v->tree_known)
		return vault__err(v, VAULT_ERR_STATE, "the audit tree is not loaded");
	return save_tree(v, state_dir, &v->tree);
}

/* At close, after the handle's own writes: the tree its verifier read (not
 * the stored one, which anyone can rewrite), so that her next open refuses
 * a log cut below what she wrote (attack 270c).  Best effort: a close
 * reports nothing, and an older state is still a true one. */
void vault__witness_save_at_close(vault *v)
{
	tlog_frontier t;
	int wrote = 0;

	if (v->dead || v->db_moved || v->user_txn || v->db == NULL)
		return;
	if (vault__facts_verified_tree(v, &t, &wrote) == VAULT_OK && wrote && t.size > 0)
		(void)save_tree(v, v->state_dir, &t);
}
