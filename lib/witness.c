/*
 * witness.c - every user a witness: the newest tree head (size, root) this
 * user's library has seen of a vault's log, kept outside the vault folder
 * (vault_open_options.state_dir, like ssh's known_hosts), and checked at
 * every open, and by a handle left open at every operation when another
 * handle of hers saved it since (vault__witness_recheck): the log must
 * extend it.  A save never replaces a state of hers the tree it saves does
 * not extend (keep_found).  A log cut, rolled back (a restored
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
#include <sys/file.h>
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

/* The text of the state file at path: 1, 0 (no file) or a status. */
static int state_text(vault *v, const char *path, char text[STATE_MAX + 1])
{
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
	return 1;
}

/* 1: read and well-formed; 0: no file; negative: a status. */
static int state_read(vault *v, const char *path, const char *id, witness_state *w)
{
	char text[STATE_MAX + 1];
	int r = state_text(v, path, text);

	return r <= 0 ? r : state_parse(v, text, path, id, v->user, w);
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

/* Is state w (a copy for `user`) signed by her, with her key or one she
 * replaced? */
static int signed_by_her(vault *v, const char *id, const char *user, const witness_state *w)
{
	char text[STATE_MAX];
	size_t blen = body(text, sizeof(text), id, user, w->size, w->root, w->pk);

	return blen > 0 &&
	       crypto_sign_verify_detached(w->sig, (const unsigned char *)text, blen, w->pk) == 0 &&
	       (memcmp(w->pk, v->sec->sign_pk, 32) == 0 || was_her_key(v, w->pk));
}

/* A head this handle knows to be a prefix of the log it verifies: from the
 * next reads on too, since every later read extends what it verified (the
 * floor: facts.c) */
static void known_add(vault *v, uint64_t size, const unsigned char root[TLOG_HASH])
{
	unsigned int i = v->nwknown % (sizeof(v->wknown) / sizeof(v->wknown[0]));

	v->wknown[i].size = size;
	memcpy(v->wknown[i].root, root, TLOG_HASH);
	v->nwknown++;
}

static int known_has(const vault *v, const witness_state *w)
{
	unsigned int i, n = sizeof(v->wknown) / sizeof(v->wknown[0]);

	if (v->nwknown < n)
		n = v->nwknown;
	for (i = 0; i < n; i++) /* (public tree heads: memcmp is fine) */
		if (v->wknown[i].size == w->size && memcmp(v->wknown[i].root, w->root, TLOG_HASH) == 0)
			return 1;
	return 0;
}

/* For what a save leaves in place, more widely: signed by a key that signed
 * an entry of hers, the keys that replaced this handle's among them (a
 * passphrase change in another handle of hers: attack 310e).  The rows are
 * anyone's to write: a state kept on their word is still checked, as hers
 * strictly, at her next open. */
static int signed_by_a_signer_of_hers(vault *v, const char *id, const char *user,
                                      const witness_state *w)
{
	char text[STATE_MAX];
	size_t blen = body(text, sizeof(text), id, user, w->size, w->root, w->pk);
	sqlite3_stmt *s = NULL;
	int found;

	if (blen == 0 ||
	    crypto_sign_verify_detached(w->sig, (const unsigned char *)text, blen, w->pk) != 0 ||
	    vault__prepare(v, "SELECT 1 FROM audit WHERE actor = ?1 AND key = ?2 LIMIT 1", &s) !=
	        VAULT_OK)
		return 0;
	vault__bind_text(s, 1, v->user);
	sqlite3_bind_blob(s, 2, w->pk, 32, SQLITE_STATIC);
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
	unsigned char root[TLOG_HASH], stored_root[TLOG_HASH], leaf[TLOG_HASH];
	unsigned char scratch[TLOG_MAX_LEVELS][TLOG_HASH];
	tlog_frontier *f = NULL;
	witness_state w = *wp;
	sqlite3_stmt *s = NULL;
	uint64_t head;
	vault_status st;
	int ns, rc;

	if (!signed_by_her(v, id, user, &w)) {
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
	else
		known_add(v, w.size, w.root);
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

/* The roots of the first a and the first b leaves of the log (a <= b), from
 * its entries' hashes, read in order: 1, 0 if the log holds fewer than b
 * entries (or a row is malformed), or a status. */
static int log_roots(vault *v, uint64_t a, unsigned char ra[TLOG_HASH], uint64_t b,
                     unsigned char rb[TLOG_HASH])
{
	unsigned char leaf[TLOG_HASH], scratch[TLOG_MAX_LEVELS][TLOG_HASH];
	tlog_frontier *f = vault__malloc(sizeof(*f));
	sqlite3_stmt *s = NULL;
	int ns, rc = SQLITE_DONE, ok = 1;
	vault_status st;

	if (f == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	vault__tlog_frontier_init(f);
	st = vault__prepare(v, "SELECT seq, hash FROM audit WHERE seq <= ?1 ORDER BY seq", &s);
	if (st != VAULT_OK) {
		free(f);
		return st;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)b);
	while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		ok = (uint64_t)sqlite3_column_int64(s, 0) == f->size + 1 &&
		     sqlite3_column_bytes(s, 1) == 32;
		if (ok) {
			vault__tlog_leaf_hash(sqlite3_column_blob(s, 1), 32, leaf);
			vault__tlog_frontier_append(f, leaf, scratch, &ns);
			if (f->size == a)
				vault__tlog_frontier_root(f, ra);
		}
	}
	if (ok && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "audit");
	sqlite3_finalize(s);
	ok = ok && f->size == b && a >= 1;
	if (ok)
		vault__tlog_frontier_root(f, rb);
	free(f);
	return st != VAULT_OK ? (int)st : ok;
}

/* Is the state w (size, root) a prefix of the tree t (w->size <= t->size)?
 * The proof is read from the stored tree and checked against the two
 * roots, so stored hashes that anyone could rewrite decide nothing; when it
 * fails, the entries' hashes decide (bound to t by its root: a rewritten
 * stored tree is audit_tree.c's to mend, not a fork).  1 yes, 0 no, 2 the
 * log no longer holds t (cut, or a row broken, below it), or a status. */
static int prefix_of(vault *v, const witness_state *w, const tlog_frontier *t)
{
	unsigned char root[TLOG_HASH], ra[TLOG_HASH], rb[TLOG_HASH];
	unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH];
	size_t n = 0;
	int r;

	if (w->size > t->size)
		return 0;
	vault__tlog_frontier_root(t, root);
	if (w->size == t->size)
		return memcmp(root, w->root, TLOG_HASH) == 0;
	/* the handle's own record of the log it read, when t is of it and it
	 * reaches back to w: no row decides (320a, 330a) */
	if (vault__facts_root_at(v, t->size, rb) && memcmp(rb, root, TLOG_HASH) == 0 &&
	    vault__facts_root_at(v, w->size, ra))
		return memcmp(ra, w->root, TLOG_HASH) == 0;
	if (vault__tlog_prove_consistency(w->size, t->size, vault__audit_tree_read, v, proof,
	                                  &n) == VAULT_OK &&
	    vault__tlog_check_consistency(w->size, w->root, t->size, root,
	                                  (const unsigned char (*)[TLOG_HASH])proof, n) == 0)
		return 1;
	r = log_roots(v, w->size, ra, t->size, rb);
	if (r <= 0)
		return r < 0 ? r : 2;
	if (memcmp(rb, root, TLOG_HASH) != 0)
		return 2; /* the rows are not those t was made of */
	return memcmp(ra, w->root, TLOG_HASH) == 0;
}

/* The state w (one copy, named by `where`) against the tree t the handle's
 * verifier read: one must be a prefix of the other in the log.  A state
 * beyond t (another handle of hers read further, or the entries this
 * handle committed since its verifier last read) is checked against the
 * entries' hashes: the log must still hold it, with t below it. */
static vault_status consistent(vault *v, const char *id, const char *where, const char *user,
                               const witness_state *w, const tlog_frontier *t)
{
	unsigned char root[TLOG_HASH], ra[TLOG_HASH], rb[TLOG_HASH];
	int r;

	if (!signed_by_her(v, id, user, w))
		return vault__err(v, VAULT_ERR_INTEGRITY, "the witness state %s is not signed by "
		                  "%s's key (tampered with?)", where, v->user);
	if (w->size <= t->size) {
		r = prefix_of(v, w, t);
		if (r == 2)
			return vault__err(v, VAULT_ERR_INTEGRITY, "the audit log no longer holds the "
			                  "%llu entries this handle verified: it was cut or rewritten",
			                  (unsigned long long)t->size);
	} else if (t->size == 0) {
		r = log_roots(v, w->size, ra, w->size, rb);
		r = r <= 0 ? r : memcmp(rb, w->root, TLOG_HASH) == 0;
	} else {
		r = log_roots(v, t->size, ra, w->size, rb);
		if (r == 0)
			return vault__err(v, VAULT_ERR_INTEGRITY, "the audit log has fewer entries "
			                  "than the %llu %s saw (another handle of hers, since this "
			                  "one opened): it was cut or rolled back",
			                  (unsigned long long)w->size, v->user);
		vault__tlog_frontier_root(t, root);
		r = r < 0 ? r
		          : memcmp(ra, root, TLOG_HASH) == 0 && memcmp(rb, w->root, TLOG_HASH) == 0;
	}
	if (r < 0)
		return (vault_status)r;
	if (r == 0)
		return vault__err(v, VAULT_ERR_INTEGRITY, "the first %llu entries of the audit log "
		                  "are not those %s saw (another handle of hers, since this one "
		                  "opened): it was rewritten or forked",
		                  (unsigned long long)(w->size < t->size ? w->size : t->size),
		                  v->user);
	return VAULT_OK;
}

/* Has the file at path changed since *seen?  *now: what it is now. */
static int changed(const char *path, const struct witness_seen *seen, struct witness_seen *now)
{
	struct stat sb;

	*now = *seen;
	now->known = 0;
	if (stat(path, &sb) == 0) {
		now->known = 1;
		now->dev = sb.st_dev;
		now->ino = sb.st_ino;
		now->size = sb.st_size;
		/* the change time: no user can set it back (a file's mtime, its
		 * owner can) */
		now->ctime_ns = (long long)sb.st_ctim.tv_sec * 1000000000LL + sb.st_ctim.tv_nsec;
	}
	return !seen->known || !now->known || seen->dev != now->dev || seen->ino != now->ino ||
	       seen->size != now->size || seen->ctime_ns != now->ctime_ns;
}

/* One copy's text (NULL: none), as it is now (*now): checked unless it is
 * the text this handle last checked (the key-slot file changes at every
 * user's open; her copy in it, only when she saves). */
static vault_status recheck_copy(vault *v, const char *id, const char *where, const char *user,
                                 char *text, struct witness_seen *seen,
                                 const struct witness_seen *now, const tlog_frontier *t)
{
	unsigned char h[32];
	witness_state w;
	vault_status st = VAULT_OK;
	int r;

	if (text != NULL) {
		crypto_generichash(h, 32, (const unsigned char *)text, strlen(text), NULL, 0);
		/* (a hash of a public text: memcmp is fine) */
		if (!seen->text_known || memcmp(h, seen->text_hash, 32) != 0) {
			r = strlen(text) > STATE_MAX
			        ? vault__err(v, VAULT_ERR_INTEGRITY, "the witness state %s is "
			                     "malformed", where)
			        : state_parse(v, text, where, id, user, &w);
			st = r < 0 ? (vault_status)r : consistent(v, id, where, user, &w, t);
		}
	}
	if (st == VAULT_OK) {
		*seen = *now;
		seen->text_known = text != NULL;
		if (text != NULL)
			memcpy(seen->text_hash, h, 32);
	}
	return st;
}

/* Where her copies are, once (the id is the pinned one). */
static vault_status witness_paths(vault *v)
{
	vault_status st;

	if (v->wpath[0] != NULL)
		return VAULT_OK;
	st = vault__id(v, v->wid);
	if (st == VAULT_ERR_INTEGRITY && v->pinned)
		st = VAULT_OK; /* as in vault__witness_check() */
	if (st != VAULT_OK)
		return st;
	v->wpath[0] = vault__path(v->dir, VAULT_SLOTS_FILE);
	v->wpath[1] = v->state_dir ? state_path(v->state_dir, v->wid, v->user) : NULL;
	if (v->wpath[0] == NULL || (v->state_dir != NULL && v->wpath[1] == NULL)) {
		free(v->wpath[0]);
		free(v->wpath[1]);
		v->wpath[0] = v->wpath[1] = NULL;
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	return VAULT_OK;
}

vault_status vault__witness_recheck(vault *v, const tlog_frontier *t)
{
	char *copy = NULL, text[STATE_MAX + 1];
	struct witness_seen now[2];
	int changes[2] = {0, 0}, r;
	vault_status st;

	if ((st = witness_paths(v)) != VAULT_OK)
		return st;
	/* At every operation: two stat()s, unless a copy changed */
	changes[0] = changed(v->wpath[0], &v->wseen[0], &now[0]);
	if (v->wpath[1] != NULL)
		changes[1] = changed(v->wpath[1], &v->wseen[1], &now[1]);
	if (!changes[0] && !changes[1])
		return VAULT_OK;
	/* her states are signed with keys this handle does not know of, and
	 * it cannot write anything more (gate.c says so) */
	if (!vault__facts_signer_current(v))
		return vault__err(v, VAULT_ERR_STATE, "your keys changed since this handle was"
		                  " opened (another passphrase change?): open the vault again");
	st = VAULT_OK;
	/* The copy in her key slot (a save rewrites the file whole, under
	 * another name) */
	if (changes[0]) {
		st = vault__slot_witness_get(v->dir, v->user, &copy);
		if (st == VAULT_ERR_NOT_FOUND)
			st = VAULT_OK;
		if (st != VAULT_OK)
			st = vault__err(v, st, "cannot read the witness copy in the key-slot file");
		else
			st = recheck_copy(v, v->wid, "in your key slot", SLOT_COPY_USER, copy,
			                  &v->wseen[0], &now[0], t);
		free(copy);
	}
	if (st == VAULT_OK && changes[1]) {
		r = state_text(v, v->wpath[1], text);
		st = r < 0 ? (vault_status)r
		           : recheck_copy(v, v->wid, v->wpath[1], v->user, r > 0 ? text : NULL,
		                          &v->wseen[1], &now[1], t);
	}
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

/* Is state w (a copy for `user`, found where tree t is about to be saved)
 * one to leave in place: hers (signed now or with a key she replaced), and
 * not a prefix of t?  A newer state (another handle of hers read further)
 * or a fork t would erase.  Otherwise the close of a handle that verified
 * less would move her state back below what she saw (attacks 295a, 300a),
 * and one that read a cut log grown again would write the fork over the
 * state that proves the cut (310d): either way, a log cut to it would pass
 * her next open.  A state that cannot be judged stays too (an error, or a
 * log that no longer holds t), unless this handle knows it for a prefix. */
static int keep_found(vault *v, const char *id, const char *user, const witness_state *w,
                      const tlog_frontier *t)
{
	int r;

	if (!signed_by_her(v, id, user, w) && !signed_by_a_signer_of_hers(v, id, user, w))
		return 0;
	if (w->size > t->size)
		return 1;
	/* a head this handle itself checked or saved: a prefix of t, by the
	 * handle's own reading (when the log was cut below t, only that can
	 * tell: 270c, 310c); otherwise the log must show it, and a log that
	 * cannot (a row broken or planted below t for the moment of the save:
	 * 320a, 320b) proves nothing */
	if (known_has(v, w))
		return 0;
	r = prefix_of(v, w, t);
	return r != 1;
}

struct keep_ctx {
	vault *v;
	const char *id;
	const tlog_frontier *t;
	int kept;
};

/* vault__slot_witness_put()'s question about the copy in her key slot. */
static int keep_slot_copy(const char *old, void *ctx)
{
	struct keep_ctx *k = ctx;
	char copy[STATE_MAX + 1], saved[sizeof(k->v->errmsg)];
	size_t n = strlen(old);
	witness_state w;
	int keep;

	if (n > STATE_MAX)
		return 0;
	memcpy(saved, k->v->errmsg, sizeof(saved));
	memcpy(copy, old, n + 1);
	keep = state_parse(k->v, copy, "in your key slot", k->id, SLOT_COPY_USER, &w) > 0 &&
	       keep_found(k->v, k->id, SLOT_COPY_USER, &w, k->t);
	memcpy(k->v->errmsg, saved, sizeof(saved)); /* a bad copy is replaced, no word */
	k->kept = keep;
	return keep;
}

/* The same of the state file, with the lock on its folder held. */
static int keep_state_file(vault *v, const char *path, const char *id, const tlog_frontier *t)
{
	char saved[sizeof(v->errmsg)];
	witness_state w;
	int keep;

	memcpy(saved, v->errmsg, sizeof(saved));
	keep = state_read(v, path, id, &w) > 0 && keep_found(v, id, v->user, &w, t);
	memcpy(v->errmsg, saved, sizeof(saved));
	return keep;
}

/* A copy this handle has just written is one its recheck need not verify
 * (it is the tree the handle verified): its text, and, for the state file
 * (under the lock of its folder, which her other handles take to save),
 * the file as it is now.  The key-slot file's, not: another handle of hers
 * may have rewritten it since, with a copy this one has not checked. */
static void seen_saved(struct witness_seen *seen, const char *path, const char *text)
{
	struct witness_seen none;

	memset(&none, 0, sizeof(none));
	memset(seen, 0, sizeof(*seen));
	if (path != NULL)
		(void)changed(path, &none, seen);
	crypto_generichash(seen->text_hash, 32, (const unsigned char *)text, strlen(text), NULL,
	                   0);
	seen->text_known = 1;
}

static vault_status save_tree(vault *v, const char *state_dir, const tlog_frontier *t)
{
	char id[VAULT_VAULT_ID_BUFSIZE], text[STATE_MAX], *dir = NULL, *path = NULL,
	    *tmp = NULL;
	struct keep_ctx k;
	vault_status st;
	size_t blen;
	int fd = -1, dfd = -1, locked = -1;

	st = vault__id(v, id);
	if (st == VAULT_ERR_INTEGRITY && v->pinned)
		st = VAULT_OK; /* as in vault__witness_check() */
	if (st != VAULT_OK)
		return st;
	/* In her key-slot entry first: it needs no folder of her own. */
	{
		unsigned char root[TLOG_HASH];

		vault__tlog_frontier_root(t, root);
		known_add(v, t->size, root);
	}
	if (signed_state(v, t, id, SLOT_COPY_USER, text) == 0)
		return vault__err(v, VAULT_ERR_INVALID, "witness state too long");
	/* Best effort, after the open committed: a copy that did not advance
	 * is still a true (older) head, checked at the next open; failing this
	 * open now would leave its entry in the log without a handle. */
	k.v = v;
	k.id = id;
	k.t = t;
	k.kept = 0;
	if (vault__slot_witness_put(v->dir, v->user, text, keep_slot_copy, &k) == VAULT_OK &&
	    !k.kept)
		seen_saved(&v->wseen[0], NULL, text);
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
	/* Her handles save one at a time (the lock on the folder), each
	 * leaving a newer state it finds in place. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (dfd >= 0 && (locked = flock(dfd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (locked != 0) {
		st = vault__err(v, VAULT_ERR_IO, "cannot lock the witness state folder %s", dir);
		goto out;
	}
	if (keep_state_file(v, path, id, t))
		goto out;
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
	} else if (witness_paths(v) == VAULT_OK && v->wpath[1] != NULL &&
	           strcmp(v->wpath[1], path) == 0) {
		seen_saved(&v->wseen[1], path, text);
	}
out:
	if (dfd >= 0)
		close(dfd); /* and its lock */
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

	/* Saved even when the file seems replaced (anyone can plant the name
	 * of a rotation's set-aside log: attack 310a): the tree is the log as
	 * this handle verified it, whatever file is now in place, and a state
	 * it does not extend (the new file's, past vault.rekey: 300b) stays.
	 * Not by a handle whose keys she has since replaced: it would not know
	 * her states signed with the new ones for hers (310e). */
	if (v->dead || v->user_txn || v->db == NULL)
		return;
	if (vault__facts_verified_tree(v, &t, &wrote) == VAULT_OK && wrote && t.size > 0 &&
	    vault__facts_signer_current(v))
		(void)save_tree(v, v->state_dir, &t);
}
