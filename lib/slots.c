/*
 * slots.c - the key-slot file, and the inbox of failed unlock attempts.
 *
 * keyslots is a JSON document (jansson), format version 2:
 *   {"format":"libvault-keyslots","version":2,"default_kdf":N,
 *    "lookup_key":hex32,"inbox_pk":hex32,
 *    "slots":{"<hex32 slot id>":SLOT + {"pending":SLOT}},
 *    "checksum":hex32}
 *   SLOT = {"fmt":2,"level":N,"ops":N,"mem":N,"flags":N,"vault_id":hex32,
 *           "salt":hex16,"nonce":hex24,"ct":hex}
 * A slot id is BLAKE2b(key = lookup_key, "user:" name), so the file does not
 * list staff names.  A slot's plaintext is dbkey(32) box_sk(32) sign_sk(64),
 * sealed with XChaCha20-Poly1305 under Argon2id(passphrase, salt, ops, mem);
 * the associated data binds the slot id, level, ops, mem, salt, flags and
 * the pinned vault id, so a slot copied under another name, with its cost
 * lowered, its must-change flag dropped or its vault id changed does not
 * open.
 *
 * checksum is a keyed BLAKE2b-256 (a constant, public key: a domain) of
 * the rest of the document but the slots' ciphertexts ("ct"), compact with
 * sorted keys: a flipped byte in the structure, the header or a slot's
 * public fields is VAULT_ERR_CORRUPT for everyone, never a wrong
 * passphrase.  A damaged ciphertext is a slot that does not open (its
 * AEAD tag), for its own user only.  The checksum detects damage, not an
 * attacker (who can recompute it; the AEAD is what stops her).
 *
 * An entry holds its user's slot and, while a change is under way, a
 * "pending" slot: vault_passwd() and vault_user_add() write the new slot
 * there, commit the database, then promote it.  Open settles an entry a
 * crash left with both (vault.c: the one whose keys match the database).
 *
 * Version 1 files (no checksum, format-1 slots without flags or vault id)
 * still open; the first write makes the file version 2, and a user's first
 * open pins the vault id into her slot.
 *
 * Writers hold an exclusive flock on vault.lock and replace the file
 * atomically: temp file, fsync, rename, fsync of the directory.  Every file
 * of the folder is opened with O_NOFOLLOW.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

#define SLOT_FORMAT "libvault-keyslots"
#define SLOT_VERSION 2
#define SLOT_PLAIN_BYTES 128
#define SLOT_CT_BYTES (SLOT_PLAIN_BYTES + VAULT_AEAD_TAG_BYTES)
#define INBOX_MAX_LINES 10000

void (*vault__crash_hook)(const char *step);

static void slot_id(const unsigned char lookup_key[32], const char *user,
                    unsigned char out[32])
{
	char in[8 + VAULT_NAME_MAX + 1];
	int n = snprintf(in, sizeof(in), "user:%s", user);

	vault__keyed_hash(out, 32, in, (size_t)n, lookup_key);
}

/* One slot as stored. */
typedef struct raw_slot {
	int fmt;
	int level;
	unsigned long long ops;
	size_t mem;
	unsigned int flags;
	unsigned char vault_id[32];
	unsigned char salt[16];
	unsigned char nonce[24];
	unsigned char ct[SLOT_CT_BYTES];
} raw_slot;

static void put_be(unsigned char *p, size_t *n, unsigned long long x, int bytes)
{
	int i;

	for (i = bytes - 1; i >= 0; i--)
		p[(*n)++] = (unsigned char)(x >> (8 * i));
}

static size_t slot_ad(unsigned char *ad, const unsigned char id[32], const raw_slot *r)
{
	static const char dom1[] = "libvault-slot-v1";
	static const char dom2[] = "libvault-slot-v2";
	size_t n = 0;

	memcpy(ad, r->fmt == 1 ? dom1 : dom2, sizeof(dom1));
	n += sizeof(dom1);
	memcpy(ad + n, id, 32);
	n += 32;
	put_be(ad, &n, (unsigned int)r->level, 4);
	put_be(ad, &n, r->ops, 8);
	put_be(ad, &n, (unsigned long long)r->mem, 8);
	memcpy(ad + n, r->salt, 16);
	n += 16;
	if (r->fmt == 1)
		return n;
	put_be(ad, &n, r->flags, 4);
	memcpy(ad + n, r->vault_id, 32);
	return n + 32;
}

#define SLOTS_FILE_MAX (64L * 1024 * 1024)

/* Read a file of the vault folder that must be a regular file, never
 * through a symbolic link.  *buf is malloc'ed and NUL-terminated. */
static vault_status read_file(const char *path, char **buf, size_t *len)
{
	struct stat sb;
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	*buf = NULL;
	if (fd < 0) {
		vault__set_last_error(errno == ELOOP ? "the key-slot file is a symbolic link"
		                                     : "cannot read the key-slot file");
		return errno == ELOOP ? VAULT_ERR_CORRUPT : VAULT_ERR_IO;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > SLOTS_FILE_MAX) {
		close(fd);
		vault__set_last_error("key-slot file is damaged");
		return VAULT_ERR_CORRUPT;
	}
	*buf = vault__malloc((size_t)sb.st_size + 1);
	if (*buf == NULL) {
		close(fd);
		vault__set_last_error("out of memory");
		return VAULT_ERR_NOMEM;
	}
	while (n < (size_t)sb.st_size) {
		r = read(fd, *buf + n, (size_t)sb.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n != (size_t)sb.st_size) {
		free(*buf);
		*buf = NULL;
		vault__set_last_error("cannot read the key-slot file");
		return VAULT_ERR_IO;
	}
	(*buf)[n] = '\0';
	*len = n;
	return VAULT_OK;
}

/* jansson (2.14) can lose bytes without failing when an allocation fails
 * while it parses or dumps (its lexer ignores a failed append).  A tree
 * read that way and written back would drop other users' slots, so a tree
 * is trusted only if two parses of the same bytes agree, and a text is
 * written only if it parses back to the tree it came from. */
static vault_status parse_twice(const char *path, json_t **out)
{
	json_t *a = NULL, *b = NULL;
	vault_status st = VAULT_OK;
	char *buf = NULL;
	size_t n = 0;

	*out = NULL;
	st = read_file(path, &buf, &n);
	if (st != VAULT_OK)
		return st;
	a = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL);
	b = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL);
	if (a != NULL && b != NULL && json_equal(a, b)) {
		*out = a; /* the caller checks its shape */
		a = NULL;
	} else if (a != NULL || b != NULL) {
		/* One parse worked: the bytes are fine, memory was not. */
		vault__set_last_error("out of memory");
		st = VAULT_ERR_NOMEM;
	} /* neither parsed: *out stays NULL, the file is damaged */
	json_decref(a);
	json_decref(b);
	free(buf);
	return st;
}

/* The checksum of a tree without its "checksum" member.  Dumped twice:
 * jansson can drop bytes when an allocation fails (see parse_twice), and a
 * checksum of such a text would call a sound file damaged. */
static vault_status checksum_of(json_t *root, unsigned char out[32])
{
	static const unsigned char key[32] = "libvault-keyslots-checksum-v2";
	json_t *pub = json_deep_copy(root), *e;
	const char *k;
	char *a = NULL, *b = NULL;
	vault_status st = VAULT_OK;

	/* The public parts: everything but the sealed ciphertexts, which
	 * their AEAD tag covers (a damaged one is a slot that does not open,
	 * for its user only). */
	json_object_foreach(json_object_get(pub, "slots"), k, e) {
		json_object_del(e, "ct");
		json_object_del(json_object_get(e, "pending"), "ct");
	}
	if (pub != NULL) {
		a = json_dumps(pub, JSON_COMPACT | JSON_SORT_KEYS);
		b = json_dumps(pub, JSON_COMPACT | JSON_SORT_KEYS);
	}
	json_decref(pub);
	if (a == NULL || b == NULL || strcmp(a, b) != 0) {
		vault__set_last_error("out of memory");
		st = VAULT_ERR_NOMEM;
	} else {
		vault__keyed_hash(out, 32, a, strlen(a), key);
	}
	free(a);
	free(b);
	return st;
}

static int get_hex(json_t *obj, const char *k, unsigned char *out, size_t len)
{
	json_t *v = json_object_get(obj, k);

	if (!json_is_string(v))
		return -1;
	return vault__unhex(json_string_value(v), out, len);
}

static vault_status damaged(void)
{
	vault__set_last_error("key-slot file is damaged");
	return VAULT_ERR_CORRUPT;
}

static vault_status load(const char *dir, json_t **out)
{
	char *path = vault__path(dir, VAULT_SLOTS_FILE);
	json_t *root = NULL, *fmt, *ver;
	unsigned char want[32], got[32];
	vault_status st;
	long long version;
	struct stat sb;

	if (path == NULL)
		return VAULT_ERR_NOMEM;
	if (lstat(path, &sb) != 0) {
		free(path);
		vault__set_last_error("no vault here: %s has no key-slot file", dir);
		return VAULT_ERR_NOT_FOUND;
	}
	st = parse_twice(path, &root);
	free(path);
	if (st != VAULT_OK)
		return st;
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return damaged();
	}
	fmt = json_object_get(root, "format");
	ver = json_object_get(root, "version");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), SLOT_FORMAT) != 0 ||
	    !json_is_integer(ver) || json_integer_value(ver) < 1 ||
	    !json_is_object(json_object_get(root, "slots"))) {
		json_decref(root);
		return damaged();
	}
	version = (long long)json_integer_value(ver);
	if (version > SLOT_VERSION) {
		json_decref(root);
		vault__set_last_error("key-slot file version %lld is newer than this library",
		                      version);
		return VAULT_ERR_VERSION;
	}
	/* Version 1 had no checksum; one that claims to be version 1 with a
	 * checksum has a damaged version field. */
	if (version == 1) {
		if (json_object_get(root, "checksum") != NULL) {
			json_decref(root);
			return damaged();
		}
	} else {
		if (get_hex(root, "checksum", want, 32) != 0) {
			json_decref(root);
			return damaged();
		}
		json_object_del(root, "checksum");
		st = checksum_of(root, got);
		if (st == VAULT_OK && memcmp(got, want, 32) != 0)
			st = damaged();
		if (st != VAULT_OK) {
			json_decref(root);
			return st;
		}
	}
	*out = root;
	return VAULT_OK;
}

/* A slot's fields; -1 if one is missing or malformed. */
static int parse_slot(json_t *o, raw_slot *r)
{
	json_t *jf = json_object_get(o, "fmt");
	json_t *jl = json_object_get(o, "level");
	json_t *jo = json_object_get(o, "ops");
	json_t *jm = json_object_get(o, "mem");
	json_t *jg = json_object_get(o, "flags");

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o) || !json_is_integer(jl) || !json_is_integer(jo) ||
	    !json_is_integer(jm) || json_integer_value(jo) <= 0 ||
	    json_integer_value(jm) <= 0 || get_hex(o, "salt", r->salt, 16) != 0 ||
	    get_hex(o, "nonce", r->nonce, 24) != 0 ||
	    get_hex(o, "ct", r->ct, sizeof(r->ct)) != 0)
		return -1;
	r->fmt = jf == NULL ? 1 : json_is_integer(jf) ? (int)json_integer_value(jf) : -1;
	if (r->fmt != 1 && r->fmt != 2)
		return -1;
	if (r->fmt == 2 && (!json_is_integer(jg) || json_integer_value(jg) < 0 ||
	                    json_integer_value(jg) > 0xffff ||
	                    get_hex(o, "vault_id", r->vault_id, 32) != 0))
		return -1;
	r->level = (int)json_integer_value(jl);
	r->ops = (unsigned long long)json_integer_value(jo);
	r->mem = (size_t)json_integer_value(jm);
	r->flags = r->fmt == 2 ? (unsigned int)json_integer_value(jg) : 0;
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

#define CRASH_POINT(step) VAULT_CRASH_POINT(step)

static vault_status save(const char *dir, json_t *root)
{
	char *path = vault__path(dir, VAULT_SLOTS_FILE);
	char *tmp = vault__path(dir, VAULT_SLOTS_FILE ".tmp.XXXXXX");
	unsigned char sum[32];
	char sumhex[65];
	char *text = NULL;
	vault_status st = VAULT_ERR_IO;
	size_t len, off = 0;
	int fd = -1;

	if (path == NULL || tmp == NULL)
		goto nomem;
	/* Every write is format 2, with the checksum of what it says. */
	if (json_object_set_new(root, "version", json_integer(SLOT_VERSION)) != 0)
		goto nomem;
	st = checksum_of(root, sum);
	if (st != VAULT_OK)
		goto cleanup_st;
	vault__hex(sum, 32, sumhex);
	if (json_object_set_new(root, "checksum", json_string(sumhex)) != 0)
		goto nomem;
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (text == NULL)
		goto nomem;
	{
		/* See parse_twice(): never write a text that is not the tree. */
		json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
		int same = back != NULL && json_equal(back, root);
		json_decref(back);
		if (!same)
			goto nomem;
	}
	len = strlen(text);
	fd = mkstemp(tmp); /* O_CREAT|O_EXCL: never follows a planted link */
	if (fd < 0)
		goto cleanup;
	CRASH_POINT("slots.write.before");
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto cleanup;
		off += (size_t)w;
	}
	CRASH_POINT("slots.write.after");
	CRASH_POINT("slots.fsync.before");
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto cleanup;
	}
	fd = -1;
	CRASH_POINT("slots.fsync.after");
	CRASH_POINT("slots.rename.before");
	if (rename(tmp, path) != 0)
		goto cleanup;
	CRASH_POINT("slots.rename.after");
	if (fsync_dir(dir) != 0)
		goto cleanup;
	CRASH_POINT("slots.dirsync.after");
	st = VAULT_OK;
	goto cleanup;
nomem:
	st = VAULT_ERR_NOMEM;
cleanup:
	if (st != VAULT_OK)
		vault__set_last_error("cannot write the key-slot file");
cleanup_st:
	if (st != VAULT_OK) {
		if (fd >= 0)
			close(fd);
		if (tmp != NULL)
			unlink(tmp);
	}
	json_object_del(root, "checksum");
	free(text);
	free(path);
	free(tmp);
	return st;
}

int vault__lock_acquire(const char *dir)
{
	char *path = vault__path(dir, VAULT_LOCK_FILE);
	int fd;

	if (path == NULL)
		return -2; /* out of memory, not an I/O failure */
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

void vault__lock_release(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

static vault_status lock_or_fail(const char *dir, int *lock)
{
	*lock = vault__lock_acquire(dir);
	if (*lock == -2) {
		vault__set_last_error("out of memory");
		return VAULT_ERR_NOMEM;
	}
	if (*lock < 0) {
		vault__set_last_error("cannot lock the vault folder");
		return VAULT_ERR_IO;
	}
	return VAULT_OK;
}

vault_status vault__slots_create(const char *dir, vault_kdf default_kdf,
                                 const unsigned char inbox_pk[32])
{
	unsigned char lookup[32];
	char hex[65];
	json_t *root;
	vault_status st;
	int bad = 0;

	vault__random(lookup, sizeof(lookup));
	root = json_object();
	if (root == NULL)
		return VAULT_ERR_NOMEM;
	bad |= json_object_set_new(root, "format", json_string(SLOT_FORMAT));
	bad |= json_object_set_new(root, "version", json_integer(SLOT_VERSION));
	bad |= json_object_set_new(root, "default_kdf", json_integer(default_kdf));
	vault__hex(lookup, 32, hex);
	bad |= json_object_set_new(root, "lookup_key", json_string(hex));
	vault__hex(inbox_pk, 32, hex);
	bad |= json_object_set_new(root, "inbox_pk", json_string(hex));
	bad |= json_object_set_new(root, "slots", json_object());
	/* A header missing a field (out of memory) is never written. */
	if (bad) {
		vault__set_last_error("out of memory");
		st = VAULT_ERR_NOMEM;
	} else {
		st = save(dir, root);
	}
	json_decref(root);
	return st;
}

static vault_status header(json_t *root, unsigned char lookup[32], vault_kdf *def)
{
	json_t *d = json_object_get(root, "default_kdf");
	unsigned long long ops;
	size_t mem;

	if (get_hex(root, "lookup_key", lookup, 32) != 0 || !json_is_integer(d) ||
	    json_integer_value(d) == VAULT_KDF_DEFAULT ||
	    vault__kdf_params((vault_kdf)json_integer_value(d), &ops, &mem) != 0)
		return damaged();
	*def = (vault_kdf)json_integer_value(d);
	return VAULT_OK;
}

/* Load under the caller's lock, check the header, find the user's entry
 * (NULL if none). */
static vault_status load_entry(const char *dir, const char *user, json_t **root,
                               vault_kdf *def, char idhex[65], unsigned char id[32],
                               json_t **entry)
{
	unsigned char lookup[32];
	vault_status st = load(dir, root);

	if (st == VAULT_OK)
		st = header(*root, lookup, def);
	if (st != VAULT_OK) {
		json_decref(*root);
		*root = NULL;
		return st;
	}
	slot_id(lookup, user, id);
	vault__hex(id, 32, idhex);
	*entry = json_object_get(json_object_get(*root, "slots"), idhex);
	if (*entry != NULL && !json_is_object(*entry)) {
		json_decref(*root);
		*root = NULL;
		return damaged();
	}
	return VAULT_OK;
}

int vault__kdf_rank(vault_kdf level)
{
	switch (level) {
	case VAULT_KDF_INSECURE_TEST_ONLY: return 0;
	case VAULT_KDF_INTERACTIVE: return 1;
	case VAULT_KDF_MODERATE: return 2;
	case VAULT_KDF_SENSITIVE: return 3;
	default: return -1;
	}
}

/* Try one slot with the passphrase: 1 if it opens (out filled), 0 if not,
 * negative status on failure. */
static int try_slot(const unsigned char id[32], const raw_slot *r,
                    const unsigned char *pass, size_t passlen, slot_secret *out,
                    vault_status *st)
{
	unsigned char ad[160];
	unsigned char *key = vault__secure_alloc(32);
	size_t adlen;
	int ok;

	if (key == NULL) {
		*st = VAULT_ERR_NOMEM;
		vault__set_last_error("out of memory");
		return -1;
	}
	if (vault__kdf(key, 32, pass, passlen, r->salt, r->ops, r->mem) != 0) {
		vault__secure_free(key);
		/* Out of memory for Argon2id, or costs out of bounds. */
		*st = VAULT_ERR_CORRUPT;
		vault__set_last_error("key derivation failed");
		return -1;
	}
	adlen = slot_ad(ad, id, r);
	ok = vault__aead_open((unsigned char *)out, r->ct, sizeof(r->ct), ad, adlen,
	                      r->nonce, key) == 0;
	vault__secure_free(key);
	if (!ok)
		vault__wipe(out, sizeof(*out));
	return ok;
}

vault_status vault__slot_unlock_meta(const char *dir, const char *user,
                                     const unsigned char *pass, size_t passlen,
                                     slot_secret *out, vault_kdf *default_kdf,
                                     slot_meta *meta)
{
	unsigned char id[32];
	char idhex[65];
	json_t *root = NULL, *entry = NULL, *cand[2];
	raw_slot r;
	vault_kdf def;
	vault_status st;
	int i, n = 0, rc;

	if (meta != NULL)
		memset(meta, 0, sizeof(*meta));
	st = load_entry(dir, user, &root, &def, idhex, id, &entry);
	if (st != VAULT_OK)
		return st;
	*default_kdf = def;
	if (entry != NULL) {
		json_t *pend = json_object_get(entry, "pending");
		if (json_object_get(entry, "ct") != NULL)
			cand[n++] = entry;
		if (pend != NULL)
			cand[n++] = pend;
		if (n == 0) {
			st = damaged();
			goto cleanup;
		}
		/* Every candidate is checked before any KDF work: a damaged
		 * entry is CORRUPT whatever the passphrase. */
		for (i = 0; i < n; i++) {
			if (parse_slot(cand[i], &r) != 0) {
				st = damaged();
				goto cleanup;
			}
		}
	}
	if (n == 0) {
		/* Unknown user: the same Argon2id work at the vault's default
		 * cost, on a salt derived from the name, then a decryption
		 * that fails - so timing tells nothing. */
		char in[16 + VAULT_NAME_MAX + 1];
		int len = snprintf(in, sizeof(in), "dummy-salt:%s", user);
		unsigned char lookup[32];
		memset(&r, 0, sizeof(r));
		r.fmt = 2;
		(void)get_hex(root, "lookup_key", lookup, 32);
		vault__keyed_hash(r.salt, 16, in, (size_t)len, lookup);
		vault__kdf_params(def, &r.ops, &r.mem);
		r.level = (int)def;
		rc = try_slot(id, &r, pass, passlen, out, &st);
		vault__wipe(out, sizeof(*out));
		if (rc < 0) {
			st = st == VAULT_ERR_CORRUPT ? VAULT_ERR_NOMEM : st;
			goto cleanup;
		}
		st = VAULT_ERR_AUTH;
		vault__set_last_error("unknown user or wrong passphrase");
		goto cleanup;
	}
	st = VAULT_ERR_AUTH;
	for (i = 0; i < n; i++) {
		parse_slot(cand[i], &r);
		rc = try_slot(id, &r, pass, passlen, out, &st);
		if (rc < 0)
			goto cleanup;
		if (rc == 1) {
			st = VAULT_OK;
			if (meta != NULL) {
				meta->which = cand[i] == entry ? SLOT_CURRENT : SLOT_PENDING;
				meta->other = n > 1;
				meta->flags = r.flags;
				meta->pinned = r.fmt == 2;
				memcpy(meta->vault_id, r.vault_id, 32);
				meta->level = (vault_kdf)r.level;
				vault__hex(r.nonce, 24, meta->nonce);
				if (n > 1) {
					json_t *o = json_object_get(cand[1 - i], "nonce");
					snprintf(meta->other_nonce, sizeof(meta->other_nonce),
					         "%s", json_string_value(o));
				}
			}
			break;
		}
	}
	if (st == VAULT_ERR_AUTH)
		vault__set_last_error("unknown user or wrong passphrase");
cleanup:
	json_decref(root);
	return st;
}

vault_status vault__slot_unlock(const char *dir, const char *user,
                                const unsigned char *pass, size_t passlen,
                                slot_secret *out, vault_kdf *default_kdf)
{
	return vault__slot_unlock_meta(dir, user, pass, passlen, out, default_kdf, NULL);
}

vault_status vault__slot_write(const char *dir, const char *user,
                               const unsigned char *pass, size_t passlen,
                               vault_kdf level, const slot_secret *sec,
                               unsigned int flags, const unsigned char vault_id[32],
                               int mode, char nonce_out[49])
{
	unsigned char id[32], ad[160];
	char idhex[65], hex[2 * SLOT_CT_BYTES + 1];
	unsigned char *key = NULL;
	json_t *root = NULL, *slot = NULL, *entry = NULL, *slots;
	raw_slot r;
	vault_kdf def;
	vault_status st;
	size_t adlen;
	int lock, bad = 0;

	st = lock_or_fail(dir, &lock);
	if (st != VAULT_OK)
		return st;
	st = load_entry(dir, user, &root, &def, idhex, id, &entry);
	if (st != VAULT_OK)
		goto cleanup;
	if (level == VAULT_KDF_DEFAULT)
		level = def;
	memset(&r, 0, sizeof(r));
	if (vault__kdf_params(level, &r.ops, &r.mem) != 0) {
		st = VAULT_ERR_INVALID;
		vault__set_last_error("unknown KDF level");
		goto cleanup;
	}
	/* Timing must not tell a known name from an unknown one, which
	 * costs the default (see vault__slot_unlock). */
	if (def != VAULT_KDF_INSECURE_TEST_ONLY && vault__kdf_rank(level) < vault__kdf_rank(def)) {
		st = VAULT_ERR_INVALID;
		vault__set_last_error("KDF level %s is cheaper than the vault's default (%s)",
		                      vault_kdf_name(level), vault_kdf_name(def));
		goto cleanup;
	}
	if (mode == SLOT_PUT_PENDING && (entry == NULL || json_object_get(entry, "ct") == NULL)) {
		st = VAULT_ERR_NOT_FOUND;
		vault__set_last_error("no key slot to change");
		goto cleanup;
	}
	r.fmt = 2;
	r.level = (int)level;
	r.flags = flags;
	memcpy(r.vault_id, vault_id, 32);
	vault__random(r.salt, sizeof(r.salt));
	vault__random(r.nonce, sizeof(r.nonce));
	key = vault__secure_alloc(32);
	if (key == NULL) {
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("out of memory");
		goto cleanup;
	}
	if (vault__kdf(key, 32, pass, passlen, r.salt, r.ops, r.mem) != 0) {
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("key derivation failed (out of memory)");
		goto cleanup;
	}
	adlen = slot_ad(ad, id, &r);
	vault__aead_seal(r.ct, (const unsigned char *)sec, SLOT_PLAIN_BYTES, ad, adlen,
	                 r.nonce, key);
	slot = json_object();
	if (slot == NULL) {
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("out of memory");
		goto cleanup;
	}
	/* Each field checked: a slot written without one (out of memory)
	 * would lock its user out for good. */
	bad |= json_object_set_new(slot, "fmt", json_integer(2));
	bad |= json_object_set_new(slot, "level", json_integer(level));
	bad |= json_object_set_new(slot, "ops", json_integer((json_int_t)r.ops));
	bad |= json_object_set_new(slot, "mem", json_integer((json_int_t)r.mem));
	bad |= json_object_set_new(slot, "flags", json_integer((json_int_t)flags));
	vault__hex(vault_id, 32, hex);
	bad |= json_object_set_new(slot, "vault_id", json_string(hex));
	vault__hex(r.salt, 16, hex);
	bad |= json_object_set_new(slot, "salt", json_string(hex));
	vault__hex(r.nonce, 24, hex);
	if (nonce_out != NULL)
		memcpy(nonce_out, hex, 49);
	bad |= json_object_set_new(slot, "nonce", json_string(hex));
	vault__hex(r.ct, sizeof(r.ct), hex);
	bad |= json_object_set_new(slot, "ct", json_string(hex));
	slots = json_object_get(root, "slots");
	if (!bad) {
		if (mode == SLOT_PUT_PENDING) {
			bad = json_object_set_new(entry, "pending", slot);
		} else if (mode == SLOT_PUT_NEW) {
			json_t *e = json_object();
			if (e == NULL) {
				json_decref(slot);
				bad = 1;
			} else if (json_object_set_new(e, "pending", slot) != 0) {
				json_decref(e);
				bad = 1;
			} else {
				bad = json_object_set_new(slots, idhex, e);
			}
		} else {
			bad = json_object_set_new(slots, idhex, slot);
		}
		slot = NULL; /* owned by the tree now, or freed by jansson */
	}
	if (bad) {
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("out of memory");
		goto cleanup;
	}
	st = save(dir, root);
cleanup:
	json_decref(slot);
	vault__secure_free(key);
	json_decref(root);
	vault__lock_release(lock);
	return st;
}

vault_status vault__slot_settle(const char *dir, const char *user,
                                const char *nonce, int keep)
{
	unsigned char id[32];
	char idhex[65];
	json_t *root = NULL, *entry = NULL, *pend, *jn;
	vault_kdf def;
	vault_status st;
	int lock;

	st = lock_or_fail(dir, &lock);
	if (st != VAULT_OK)
		return st;
	st = load_entry(dir, user, &root, &def, idhex, id, &entry);
	if (st != VAULT_OK)
		goto cleanup;
	pend = entry != NULL ? json_object_get(entry, "pending") : NULL;
	jn = pend != NULL ? json_object_get(pend, "nonce") : NULL;
	if (json_is_string(jn) && strcmp(json_string_value(jn), nonce) == 0) {
		json_t *slots = json_object_get(root, "slots");
		if (keep) {
			/* The pending slot becomes the entry (and its only slot). */
			json_incref(pend);
			st = json_object_set_new(slots, idhex, pend) == 0 ? VAULT_OK : VAULT_ERR_NOMEM;
		} else if (json_object_get(entry, "ct") != NULL) {
			st = json_object_del(entry, "pending") == 0 ? VAULT_OK : VAULT_ERR_NOMEM;
		} else {
			st = json_object_del(slots, idhex) == 0 ? VAULT_OK : VAULT_ERR_NOMEM;
		}
		if (st == VAULT_OK)
			st = save(dir, root);
		else
			vault__set_last_error("out of memory");
		goto cleanup;
	}
	jn = entry != NULL ? json_object_get(entry, "nonce") : NULL;
	if (keep && json_is_string(jn) && strcmp(json_string_value(jn), nonce) == 0) {
		st = VAULT_OK; /* settled already (by an open) */
		goto cleanup;
	}
	st = keep ? VAULT_ERR_NOT_FOUND : VAULT_OK;
	if (st != VAULT_OK)
		vault__set_last_error("the new key slot is no longer in the file");
cleanup:
	json_decref(root);
	vault__lock_release(lock);
	return st;
}

vault_status vault__slot_remove(const char *dir, const char *user)
{
	return vault__slots_prune(dir, &user, 1);
}

vault_status vault__slots_prune(const char *dir, const char *const *users, size_t n)
{
	unsigned char lookup[32], id[32];
	char idhex[65];
	json_t *root = NULL, *slots;
	vault_kdf def;
	vault_status st;
	size_t i, gone = 0;
	int lock;

	st = lock_or_fail(dir, &lock);
	if (st != VAULT_OK)
		return st;
	st = load(dir, &root);
	if (st == VAULT_OK)
		st = header(root, lookup, &def);
	if (st == VAULT_OK) {
		slots = json_object_get(root, "slots");
		for (i = 0; i < n; i++) {
			slot_id(lookup, users[i], id);
			vault__hex(id, 32, idhex);
			if (json_object_del(slots, idhex) == 0)
				gone++;
			/* and the database key sealed to them */
			json_object_del(json_object_get(root, "dbkeys"), idhex);
		}
		if (gone > 0)
			st = save(dir, root);
	}
	json_decref(root);
	vault__lock_release(lock);
	return st;
}

int vault__slot_alone(const char *dir, const char *user, const char *nonce)
{
	unsigned char id[32];
	char idhex[65];
	json_t *root = NULL, *entry = NULL, *jn;
	vault_kdf def;
	int alone = 1; /* when in doubt: nothing else is known */

	if (load_entry(dir, user, &root, &def, idhex, id, &entry) != VAULT_OK)
		return alone;
	jn = entry != NULL ? json_object_get(entry, "nonce") : NULL;
	alone = json_is_string(jn) && strcmp(json_string_value(jn), nonce) == 0 &&
	        json_object_get(entry, "pending") == NULL;
	json_decref(root);
	return alone;
}

vault_status vault__slot_flags(const char *dir, const char *user, unsigned int *flags)
{
	unsigned char id[32];
	char idhex[65];
	json_t *root = NULL, *entry = NULL, *s;
	vault_kdf def;
	raw_slot r;
	vault_status st = load_entry(dir, user, &root, &def, idhex, id, &entry);

	*flags = 0;
	if (st != VAULT_OK)
		return st;
	s = entry == NULL ? NULL
	    : json_object_get(entry, "ct") != NULL ? entry : json_object_get(entry, "pending");
	if (s == NULL)
		st = VAULT_ERR_NOT_FOUND;
	else if (parse_slot(s, &r) != 0)
		st = damaged();
	else
		*flags = r.flags;
	json_decref(root);
	return st;
}

/* What a user's own files in the folder are named after: the hex of her
 * slot id, so that a listing of the folder tells no more than keyslots
 * does.  Reads keyslots; a failure is no name (the callers' files only
 * save time), and leaves the thread's last error as it was. */
vault_status vault__slot_id_hex(const char *dir, const char *user, char hex[65])
{
	char saved[512];
	unsigned char lookup[32], id[32];
	json_t *root = NULL;
	vault_kdf def;
	vault_status st;

	hex[0] = '\0';
	if (dir == NULL || !vault__valid_name(user))
		return VAULT_ERR_INVALID;
	snprintf(saved, sizeof(saved), "%s", vault_last_errmsg());
	st = load(dir, &root);
	if (st == VAULT_OK)
		st = header(root, lookup, &def);
	if (st == VAULT_OK) {
		slot_id(lookup, user, id);
		vault__hex(id, 32, hex);
	}
	json_decref(root);
	vault__wipe(lookup, sizeof(lookup));
	vault__set_last_error("%s", saved);
	return st;
}

/* ---- failed unlock attempts ---------------------------------------------
 * One line per attempt: hex(crypto_box_seal(ts(8, big-endian) || name,
 * inbox_pk)).  Only a holder of the database key can read them (the inbox
 * secret key lives in the database); the next successful open enters them
 * into the audit log and empties the file. */

vault_status vault__inbox_note(const char *dir, const char *user)
{
	unsigned char msg[8 + VAULT_NAME_MAX], sealed[8 + VAULT_NAME_MAX + VAULT_SEAL_OVERHEAD];
	char line[2 * sizeof(sealed) + 2];
	unsigned char lookup[32], pk[32];
	json_t *root = NULL;
	const char *name = vault__valid_name(user) ? user : "(invalid-name)";
	size_t nlen, len;
	int64_t ts = vault__now();
	unsigned char id[32];
	char idhex[65];
	vault_kdf def;
	char *path;
	int fd, i, full = 0;

	if (load(dir, &root) != VAULT_OK)
		return VAULT_OK; /* the open says what is wrong with the file */
	if (header(root, lookup, &def) != VAULT_OK || get_hex(root, "inbox_pk", pk, 32) != 0) {
		json_decref(root);
		return VAULT_OK;
	}
	/* A name with no slot is not kept: people type their passphrase into
	 * the user field, and the log must never hold a passphrase. */
	if (name == user) {
		slot_id(lookup, user, id);
		vault__hex(id, 32, idhex);
		if (json_object_get(json_object_get(root, "slots"), idhex) == NULL)
			name = "(unknown-user)";
	}
	json_decref(root);
	nlen = strlen(name);
	for (i = 7; i >= 0; i--)
		msg[7 - i] = (unsigned char)((uint64_t)ts >> (8 * i));
	memcpy(msg + 8, name, nlen);
	len = 8 + nlen;
	if (vault__seal_msg(sealed, msg, len, pk) != 0)
		return VAULT_OK;
	vault__hex(sealed, len + VAULT_SEAL_OVERHEAD, line);
	line[2 * (len + VAULT_SEAL_OVERHEAD)] = '\n'; /* line has room for it and the NUL */
	line[2 * (len + VAULT_SEAL_OVERHEAD) + 1] = '\0';
	path = vault__path(dir, VAULT_INBOX_FILE);
	if (path == NULL)
		return VAULT_OK;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return errno == ENOSPC || errno == EDQUOT ? VAULT_ERR_NOSPACE : VAULT_OK;
	/* One write() of a short line with O_APPEND: lines never interleave. */
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		full = errno == ENOSPC || errno == EDQUOT;
	close(fd);
	/* A full disk keeps the attempt out of the log: the caller must not
	 * then answer "wrong passphrase" (a free, unlogged guess). */
	return full ? VAULT_ERR_NOSPACE : VAULT_OK;
}

vault_status vault__inbox_drain(const char *dir, const unsigned char pk[32],
                                const unsigned char sk[32], inbox_cb cb,
                                void *ctx, int *count)
{
	char *path, *inbox;
	char line[512];
	unsigned char lookup[32], file_pk[32];
	json_t *root = NULL;
	vault_kdf def;
	vault_status st;
	FILE *f;
	int n = 0;

	*count = 0;
	/* The slot file's inbox key is what failed unlocks are sealed to: if
	 * it is not the database's, they would be lost (or readable by whoever
	 * put another key there), so a damaged one fails the open. */
	st = load(dir, &root);
	if (st == VAULT_OK)
		st = header(root, lookup, &def);
	if (st == VAULT_OK && (get_hex(root, "inbox_pk", file_pk, 32) != 0 ||
	                       memcmp(file_pk, pk, 32) != 0)) {
		vault__set_last_error("key-slot file is damaged");
		st = VAULT_ERR_CORRUPT;
	}
	json_decref(root);
	if (st != VAULT_OK)
		return st;
	path = vault__path(dir, VAULT_INBOX_FILE ".taken");
	inbox = vault__path(dir, VAULT_INBOX_FILE);
	if (path == NULL || inbox == NULL) {
		free(path);
		free(inbox);
		return VAULT_ERR_NOMEM;
	}
	/* Take the inbox aside atomically, so an attempt noted while we drain
	 * lands in a new inbox and is not lost when we clear ours.  A taken
	 * inbox left by an open that failed to commit is drained first. */
	{
		struct stat sb;
		/* A planted link is removed, never followed. */
		if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
			(void)unlink(path);
		if (lstat(path, &sb) != 0)
			(void)rename(inbox, path);
	}
	free(inbox);
	{
		/* Never through a planted symbolic link. */
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		f = fd < 0 ? NULL : fdopen(fd, "r");
		if (f == NULL && fd >= 0)
			close(fd);
	}
	free(path);
	if (f == NULL)
		return VAULT_OK;
	while (n < INBOX_MAX_LINES && fgets(line, sizeof(line), f) != NULL) {
		unsigned char c[8 + VAULT_NAME_MAX + VAULT_SEAL_OVERHEAD];
		unsigned char m[8 + VAULT_NAME_MAX + 1];
		size_t hl = strcspn(line, "\n"), clen = hl / 2;
		char name[VAULT_NAME_MAX + 1];
		uint64_t ts = 0;
		int i, rc;

		line[hl] = '\0';
		n++;
		if (hl % 2 != 0 || clen < 8 + VAULT_SEAL_OVERHEAD || clen > sizeof(c) ||
		    vault__unhex(line, c, clen) != 0 ||
		    vault__unseal_msg(m, c, clen, pk, sk) != 0) {
			/* A line we cannot read is itself worth an entry. */
			rc = cb("(unreadable)", 0, ctx);
		} else {
			size_t ml = clen - VAULT_SEAL_OVERHEAD - 8;
			for (i = 0; i < 8; i++)
				ts = ts << 8 | m[i];
			memcpy(name, m + 8, ml);
			name[ml] = '\0';
			rc = cb(vault__valid_name(name) || strcmp(name, "(unknown-user)") == 0
			            ? name : "(invalid-name)",
			        (int64_t)ts, ctx);
		}
		if (rc != 0) {
			fclose(f);
			return VAULT_ERR_AUDIT;
		}
	}
	fclose(f);
	*count = n;
	return VAULT_OK;
}

void vault__inbox_clear(const char *dir)
{
	/* Called after the entries are committed: it must not fail for want
	 * of memory, or the next open would enter the same attempts again. */
	char buf[4096];
	char *path = buf;
	int n = snprintf(buf, sizeof(buf), "%s/%s", dir, VAULT_INBOX_FILE ".taken");

	if (n < 0 || (size_t)n >= sizeof(buf))
		path = vault__path(dir, VAULT_INBOX_FILE ".taken");
	if (path != NULL)
		unlink(path);
	if (path != buf)
		free(path);
}

/* ---- the witness copy ------------------------------------------------------
 * Beside her slot, each entry may hold "witness": the newest tree head its
 * user saw, as the signed text witness.c writes (signed with her own key,
 * whose secret half only her slot holds).  Outside the checksum's reach
 * nothing changes: it covers the field like every public part.  Removing
 * it costs the attacker nothing she could not do to the state file too,
 * but it goes with the slot: a restore of the state folder alone does not
 * roll it back, and neither does wiping the user's home. */

vault_status vault__slot_witness_get(const char *dir, const char *user, char **text)
{
	unsigned char id[32];
	char idhex[65];
	json_t *root = NULL, *entry = NULL, *w;
	vault_kdf def;
	vault_status st = load_entry(dir, user, &root, &def, idhex, id, &entry);

	*text = NULL;
	if (st != VAULT_OK)
		return st;
	w = entry ? json_object_get(entry, "witness") : NULL;
	if (w != NULL && !json_is_string(w))
		st = damaged();
	else if (w != NULL && (*text = vault__strdup(json_string_value(w))) == NULL)
		st = VAULT_ERR_NOMEM;
	json_decref(root);
	return st;
}

vault_status vault__slot_witness_put(const char *dir, const char *user, const char *text,
                                     int (*keep)(const char *old, void *ctx), void *ctx)
{
	unsigned char id[32];
	char idhex[65];
	json_t *root = NULL, *entry = NULL, *old;
	vault_kdf def;
	vault_status st;
	int lock;

	st = lock_or_fail(dir, &lock);
	if (st != VAULT_OK)
		return st;
	st = load_entry(dir, user, &root, &def, idhex, id, &entry);
	if (st == VAULT_OK && entry == NULL)
		st = VAULT_ERR_NOT_FOUND; /* disabled meanwhile: nothing to keep */
	if (st == VAULT_OK) {
		old = json_object_get(entry, "witness");
		if (text == NULL) /* tests: a user who comes to the log afresh */
			st = old == NULL ? VAULT_OK
			     : json_object_del(entry, "witness") == 0 ? save(dir, root) : damaged();
		else if (json_is_string(old) && strcmp(json_string_value(old), text) == 0)
			goto out; /* unchanged: no write */
		else if (keep != NULL && json_is_string(old) && keep(json_string_value(old), ctx))
			goto out;
		else if (json_object_set_new(entry, "witness", json_string(text)) != 0)
			st = VAULT_ERR_NOMEM;
		else
			st = save(dir, root);
	}
out:
	json_decref(root);
	vault__lock_release(lock);
	return st;
}

/* ---- the database key, sealed to each user ------------------------------
 * "dbkeys": {"<slot id>": {"cur": hex(crypto_box_seal(dbkey, box_pk)),
 *                          "pend": hex(...)}}
 * A user's "cur" seal, when present, is the database key in force; her
 * slot's own copy is the key she was enrolled with, used only while no
 * seal names another.  vault_user_disable() rotates the database key
 * (store.c: export into a new file, then one rename): it stages the new key
 * as every remaining user's "pend" seal, switches the file, then makes
 * "pend" the "cur" of everyone, each step one atomic write of this file.
 * A crash between leaves both seals: vault_open() keeps the one that opens
 * vault.db (vault.c), under the vault lock, so the rotation (which holds
 * it throughout) is never settled half-way.  The map is apart from the
 * slots.  A passphrase change gives its user a new box key, so her seal no
 * longer opens: she uses the key her new slot holds (the one in force when
 * she changed it) until the next rotation seals one to her new key. */

/* The lock held by the caller (lock_held), or taken here. */
static vault_status lock_unless(const char *dir, int lock_held, int *lock)
{
	*lock = -1;
	return lock_held ? VAULT_OK : lock_or_fail(dir, lock);
}

vault_status vault__dbkey_stage(const char *dir, int lock_held, const char *const *users,
                                const unsigned char (*pks)[32], size_t n,
                                const unsigned char key[32], const unsigned char *in_force)
{
	unsigned char lookup[32], id[32], sealed[VAULT_SEALED_KEY_BYTES];
	unsigned char cur[VAULT_SEALED_KEY_BYTES];
	char idhex[65], hex[2 * VAULT_SEALED_KEY_BYTES + 1], curhex[2 * VAULT_SEALED_KEY_BYTES + 1];
	json_t *root = NULL, *map, *slots;
	vault_kdf def;
	vault_status st;
	size_t i;
	int lock, bad = 0;

	st = lock_unless(dir, lock_held, &lock);
	if (st != VAULT_OK)
		return st;
	st = load(dir, &root);
	if (st == VAULT_OK)
		st = header(root, lookup, &def);
	if (st != VAULT_OK)
		goto cleanup;
	slots = json_object_get(root, "slots");
	map = json_object_get(root, "dbkeys");
	if (map == NULL) {
		bad |= json_object_set_new(root, "dbkeys", json_object());
		map = json_object_get(root, "dbkeys");
	}
	if (!json_is_object(map)) {
		st = bad ? VAULT_ERR_NOMEM : damaged();
		if (bad)
			vault__set_last_error("out of memory");
		goto cleanup;
	}
	for (i = 0; i < n && !bad; i++) {
		json_t *e;
		slot_id(lookup, users[i], id);
		vault__hex(id, 32, idhex);
		if (json_object_get(slots, idhex) == NULL)
			continue; /* no slot: nothing could open it */
		/* A key nothing can be sealed to (one of low order, which a user
		 * may sign as her own new key) locks her out, not the rotation
		 * that must shut a disabled user out (attack 70f). */
		if (vault__seal(sealed, key, pks[i]) != 0 ||
		    (in_force != NULL && vault__seal(cur, in_force, pks[i]) != 0))
			continue;
		vault__hex(sealed, sizeof(sealed), hex);
		e = json_object_get(map, idhex);
		if (e == NULL) {
			bad |= json_object_set_new(map, idhex, json_object());
			e = json_object_get(map, idhex);
		}
		bad |= e == NULL || json_object_set_new(e, "pend", json_string(hex));
		/* A pending seal left by a rotation cut short after its switch
		 * (her key in force) is replaced above: her current seal must
		 * then be that key, or a cut of this one too leaves her no key
		 * that opens the file. */
		if (in_force != NULL && e != NULL) {
			vault__hex(cur, sizeof(cur), curhex);
			bad |= json_object_set_new(e, "cur", json_string(curhex));
		}
	}
	if (bad) {
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("out of memory");
		goto cleanup;
	}
	st = save(dir, root);
cleanup:
	json_decref(root);
	vault__lock_release(lock);
	return st;
}

vault_status vault__dbkey_commit(const char *dir, int lock_held)
{
	json_t *root = NULL, *map, *e, *pend;
	const char *k;
	void *tmp;
	vault_status st;
	int lock, bad = 0;

	st = lock_unless(dir, lock_held, &lock);
	if (st != VAULT_OK)
		return st;
	st = load(dir, &root);
	if (st != VAULT_OK)
		goto cleanup;
	map = json_object_get(root, "dbkeys");
	if (!json_is_object(map))
		goto cleanup; /* nothing staged */
	/* Every entry without a staged key held the old one: it goes. */
	json_object_foreach_safe(map, tmp, k, e) {
		pend = json_object_get(e, "pend");
		if (pend == NULL) {
			bad |= json_object_del(map, k);
			continue;
		}
		json_incref(pend);
		bad |= json_object_set_new(e, "cur", pend);
		bad |= json_object_del(e, "pend");
	}
	if (bad) {
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("out of memory");
		goto cleanup;
	}
	st = save(dir, root);
cleanup:
	json_decref(root);
	vault__lock_release(lock);
	return st;
}

vault_status vault__dbkey_get(const char *dir, const char *user,
                              const unsigned char box_pk[32], const unsigned char box_sk[32],
                              unsigned char cur[32], int *has_cur,
                              unsigned char pend[32], int *has_pend)
{
	unsigned char id[32], sealed[VAULT_SEALED_KEY_BYTES];
	char idhex[65];
	json_t *root = NULL, *entry = NULL, *e;
	vault_kdf def;
	vault_status st = load_entry(dir, user, &root, &def, idhex, id, &entry);

	*has_cur = *has_pend = 0;
	if (st != VAULT_OK)
		return st;
	e = json_object_get(json_object_get(root, "dbkeys"), idhex);
	if (e != NULL && get_hex(e, "cur", sealed, sizeof(sealed)) == 0)
		*has_cur = vault__unseal(cur, sealed, sizeof(sealed), box_pk, box_sk) == 0;
	if (e != NULL && get_hex(e, "pend", sealed, sizeof(sealed)) == 0)
		*has_pend = vault__unseal(pend, sealed, sizeof(sealed), box_pk, box_sk) == 0;
	/* A seal that does not open with her key is not hers: sealed to the
	 * box key a passphrase change has since replaced (that change wrote
	 * the key in force into her new slot), or planted.  It is no key. */
	json_decref(root);
	return st;
}

vault_status vault__dbkey_settle(const char *dir, int lock_held, const char *user,
                                 int keep)
{
	unsigned char id[32];
	char idhex[65];
	json_t *root = NULL, *entry = NULL, *e, *pend;
	vault_kdf def;
	vault_status st;
	int lock, bad = 0;

	st = lock_unless(dir, lock_held, &lock);
	if (st != VAULT_OK)
		return st;
	st = load_entry(dir, user, &root, &def, idhex, id, &entry);
	if (st != VAULT_OK)
		goto cleanup;
	e = json_object_get(json_object_get(root, "dbkeys"), idhex);
	pend = e != NULL ? json_object_get(e, "pend") : NULL;
	if (pend == NULL)
		goto cleanup; /* settled already */
	if (keep) {
		json_incref(pend);
		bad |= json_object_set_new(e, "cur", pend);
	}
	bad |= json_object_del(e, "pend");
	if (bad) {
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("out of memory");
		goto cleanup;
	}
	st = save(dir, root);
cleanup:
	json_decref(root);
	vault__lock_release(lock);
	return st;
}
