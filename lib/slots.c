/*
 * slots.c - the key-slot file, and the inbox of failed unlock attempts.
 *
 * keyslots is a JSON document (jansson):
 *   {"format":"libvault-keyslots","version":1,"default_kdf":N,
 *    "lookup_key":hex32,"inbox_pk":hex32,
 *    "slots":{"<hex32 slot id>":{"level":N,"ops":N,"mem":N,
 *             "salt":hex16,"nonce":hex24,"ct":hex}}}
 * A slot id is BLAKE2b(key = lookup_key, "user:" name), so the file does not
 * list staff names.  A slot's plaintext is dbkey(32) box_sk(32) sign_sk(64),
 * sealed with XChaCha20-Poly1305 under Argon2id(passphrase, salt, ops, mem);
 * the associated data binds the slot id, level, ops, mem and salt, so a
 * slot copied under another name or with its cost lowered does not open.
 *
 * Writers hold an exclusive flock on vault.lock and replace the file
 * atomically: temp file, fsync, rename, fsync of the directory.
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
#define SLOT_VERSION 1
#define SLOT_PLAIN_BYTES 128
#define SLOT_CT_BYTES (SLOT_PLAIN_BYTES + VAULT_AEAD_TAG_BYTES)
#define INBOX_MAX_LINES 10000

static void slot_id(const unsigned char lookup_key[32], const char *user,
                    unsigned char out[32])
{
	char in[8 + VAULT_NAME_MAX + 1];
	int n = snprintf(in, sizeof(in), "user:%s", user);

	vault__keyed_hash(out, 32, in, (size_t)n, lookup_key);
}

static size_t slot_ad(unsigned char *ad, const unsigned char id[32], int level,
                      unsigned long long ops, size_t mem,
                      const unsigned char salt[16])
{
	static const char dom[] = "libvault-slot-v1";
	size_t n = 0;
	int i;

	memcpy(ad, dom, sizeof(dom));
	n += sizeof(dom);
	memcpy(ad + n, id, 32);
	n += 32;
	for (i = 3; i >= 0; i--)
		ad[n++] = (unsigned char)((unsigned int)level >> (8 * i));
	for (i = 7; i >= 0; i--)
		ad[n++] = (unsigned char)(ops >> (8 * i));
	for (i = 7; i >= 0; i--)
		ad[n++] = (unsigned char)((unsigned long long)mem >> (8 * i));
	memcpy(ad + n, salt, 16);
	return n + 16;
}

#define SLOTS_FILE_MAX (64L * 1024 * 1024)

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
	long size;
	FILE *f;

	*out = NULL;
	f = fopen(path, "rbe");
	if (f == NULL) {
		vault__set_last_error("cannot read the key-slot file");
		return VAULT_ERR_IO;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > SLOTS_FILE_MAX ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		vault__set_last_error("key-slot file is damaged");
		return VAULT_ERR_CORRUPT;
	}
	buf = vault__malloc((size_t)size + 1);
	if (buf == NULL) {
		fclose(f);
		vault__set_last_error("out of memory");
		return VAULT_ERR_NOMEM;
	}
	n = fread(buf, 1, (size_t)size, f);
	fclose(f);
	if (n != (size_t)size) {
		free(buf);
		vault__set_last_error("cannot read the key-slot file");
		return VAULT_ERR_IO;
	}
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

static vault_status load(const char *dir, json_t **out)
{
	char *path = vault__path(dir, VAULT_SLOTS_FILE);
	json_t *root = NULL, *fmt, *ver;
	vault_status st;

	if (path == NULL)
		return VAULT_ERR_NOMEM;
	if (access(path, F_OK) != 0) {
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
		vault__set_last_error("key-slot file is damaged");
		return VAULT_ERR_CORRUPT;
	}
	fmt = json_object_get(root, "format");
	ver = json_object_get(root, "version");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), SLOT_FORMAT) != 0 ||
	    !json_is_integer(ver) || !json_is_object(json_object_get(root, "slots"))) {
		json_decref(root);
		vault__set_last_error("key-slot file is damaged");
		return VAULT_ERR_CORRUPT;
	}
	if (json_integer_value(ver) > SLOT_VERSION) {
		/* Read before the tree (and `ver` with it) is freed. */
		long long newer = (long long)json_integer_value(ver);
		json_decref(root);
		vault__set_last_error("key-slot file version %lld is newer than this library",
		                      newer);
		return VAULT_ERR_VERSION;
	}
	*out = root;
	return VAULT_OK;
}

static int get_hex(json_t *obj, const char *k, unsigned char *out, size_t len)
{
	json_t *v = json_object_get(obj, k);

	if (!json_is_string(v))
		return -1;
	return vault__unhex(json_string_value(v), out, len);
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

static vault_status save(const char *dir, json_t *root)
{
	char *path = vault__path(dir, VAULT_SLOTS_FILE);
	char *tmp = vault__path(dir, VAULT_SLOTS_FILE ".tmp.XXXXXX");
	char *text = NULL;
	vault_status st = VAULT_ERR_IO;
	size_t len, off = 0;
	int fd = -1;

	if (path == NULL || tmp == NULL)
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
	fd = mkstemp(tmp);
	if (fd < 0)
		goto cleanup;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto cleanup;
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto cleanup;
	if (fsync_dir(dir) != 0)
		goto cleanup;
	st = VAULT_OK;
	goto cleanup;
nomem:
	st = VAULT_ERR_NOMEM;
cleanup:
	if (st != VAULT_OK) {
		vault__set_last_error("cannot write the key-slot file");
		if (fd >= 0)
			close(fd);
		if (tmp != NULL)
			unlink(tmp);
	}
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
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
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
	    vault__kdf_params((vault_kdf)json_integer_value(d), &ops, &mem) != 0) {
		vault__set_last_error("key-slot file is damaged");
		return VAULT_ERR_CORRUPT;
	}
	*def = (vault_kdf)json_integer_value(d);
	return VAULT_OK;
}

vault_status vault__slot_unlock(const char *dir, const char *user,
                                const unsigned char *pass, size_t passlen,
                                slot_secret *out, vault_kdf *default_kdf)
{
	unsigned char lookup[32], id[32], salt[16], nonce[24], ad[128];
	unsigned char ct[SLOT_CT_BYTES];
	char idhex[65];
	unsigned char *key = NULL;
	json_t *root = NULL, *slot;
	unsigned long long ops;
	size_t mem, adlen;
	vault_kdf def;
	int level, known = 0;
	vault_status st;

	st = load(dir, &root);
	if (st != VAULT_OK)
		return st;
	st = header(root, lookup, &def);
	if (st != VAULT_OK)
		goto cleanup;
	*default_kdf = def;
	slot_id(lookup, user, id);
	vault__hex(id, 32, idhex);
	slot = json_object_get(json_object_get(root, "slots"), idhex);
	if (slot != NULL) {
		json_t *jl = json_object_get(slot, "level");
		json_t *jo = json_object_get(slot, "ops");
		json_t *jm = json_object_get(slot, "mem");
		if (!json_is_integer(jl) || !json_is_integer(jo) ||
		    !json_is_integer(jm) || json_integer_value(jo) <= 0 ||
		    json_integer_value(jm) <= 0 ||
		    get_hex(slot, "salt", salt, 16) != 0 ||
		    get_hex(slot, "nonce", nonce, 24) != 0 ||
		    get_hex(slot, "ct", ct, sizeof(ct)) != 0) {
			st = VAULT_ERR_CORRUPT;
			vault__set_last_error("key-slot file is damaged");
			goto cleanup;
		}
		level = (int)json_integer_value(jl);
		ops = (unsigned long long)json_integer_value(jo);
		mem = (size_t)json_integer_value(jm);
		known = 1;
	} else {
		/* Unknown user: the same Argon2id work at the vault's default
		 * cost, on a salt derived from the name, then a decryption
		 * that fails - so timing tells nothing. */
		char in[16 + VAULT_NAME_MAX + 1];
		int n = snprintf(in, sizeof(in), "dummy-salt:%s", user);
		vault__keyed_hash(salt, 16, in, (size_t)n, lookup);
		vault__kdf_params(def, &ops, &mem);
		level = (int)def;
		memset(nonce, 0, sizeof(nonce));
		memset(ct, 0, sizeof(ct));
	}
	key = vault__secure_alloc(32);
	if (key == NULL) {
		st = VAULT_ERR_NOMEM;
		goto cleanup;
	}
	if (vault__kdf(key, 32, pass, passlen, salt, ops, mem) != 0) {
		/* Out of memory for Argon2id, or costs out of bounds. */
		st = known ? VAULT_ERR_CORRUPT : VAULT_ERR_NOMEM;
		vault__set_last_error("key derivation failed");
		goto cleanup;
	}
	adlen = slot_ad(ad, id, level, ops, mem, salt);
	if (vault__aead_open((unsigned char *)out, ct, sizeof(ct), ad, adlen, nonce,
	                     key) != 0 || !known) {
		vault__wipe(out, sizeof(*out));
		st = VAULT_ERR_AUTH;
		vault__set_last_error("unknown user or wrong passphrase");
		goto cleanup;
	}
	st = VAULT_OK;
cleanup:
	vault__secure_free(key);
	json_decref(root);
	return st;
}

vault_status vault__slot_put(const char *dir, const char *user,
                             const unsigned char *pass, size_t passlen,
                             vault_kdf level, const slot_secret *sec)
{
	unsigned char lookup[32], id[32], salt[16], nonce[24], ad[128];
	unsigned char ct[SLOT_CT_BYTES];
	char idhex[65], hex[2 * SLOT_CT_BYTES + 1];
	unsigned char *key = NULL;
	json_t *root = NULL, *slot = NULL;
	unsigned long long ops;
	size_t mem, adlen;
	vault_kdf def;
	vault_status st;
	int lock, bad = 0;

	lock = vault__lock_acquire(dir);
	if (lock == -2) {
		vault__set_last_error("out of memory");
		return VAULT_ERR_NOMEM;
	}
	if (lock < 0) {
		vault__set_last_error("cannot lock the vault folder");
		return VAULT_ERR_IO;
	}
	st = load(dir, &root);
	if (st != VAULT_OK)
		goto cleanup;
	st = header(root, lookup, &def);
	if (st != VAULT_OK)
		goto cleanup;
	if (level == VAULT_KDF_DEFAULT)
		level = def;
	if (vault__kdf_params(level, &ops, &mem) != 0) {
		st = VAULT_ERR_INVALID;
		vault__set_last_error("unknown KDF level");
		goto cleanup;
	}
	slot_id(lookup, user, id);
	vault__hex(id, 32, idhex);
	vault__random(salt, sizeof(salt));
	vault__random(nonce, sizeof(nonce));
	key = vault__secure_alloc(32);
	if (key == NULL) {
		st = VAULT_ERR_NOMEM;
		goto cleanup;
	}
	if (vault__kdf(key, 32, pass, passlen, salt, ops, mem) != 0) {
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("key derivation failed (out of memory)");
		goto cleanup;
	}
	adlen = slot_ad(ad, id, (int)level, ops, mem, salt);
	vault__aead_seal(ct, (const unsigned char *)sec, SLOT_PLAIN_BYTES, ad, adlen,
	                 nonce, key);
	slot = json_object();
	if (slot == NULL) {
		st = VAULT_ERR_NOMEM;
		goto cleanup;
	}
	/* Each field checked: a slot written without one (out of memory)
	 * would lock its user out for good. */
	bad |= json_object_set_new(slot, "level", json_integer(level));
	bad |= json_object_set_new(slot, "ops", json_integer((json_int_t)ops));
	bad |= json_object_set_new(slot, "mem", json_integer((json_int_t)mem));
	vault__hex(salt, 16, hex);
	bad |= json_object_set_new(slot, "salt", json_string(hex));
	vault__hex(nonce, 24, hex);
	bad |= json_object_set_new(slot, "nonce", json_string(hex));
	vault__hex(ct, sizeof(ct), hex);
	bad |= json_object_set_new(slot, "ct", json_string(hex));
	if (bad) {
		json_decref(slot);
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("out of memory");
		goto cleanup;
	}
	if (json_object_set_new(json_object_get(root, "slots"), idhex, slot) != 0) {
		slot = NULL;
		st = VAULT_ERR_NOMEM;
		vault__set_last_error("out of memory");
		goto cleanup;
	}
	st = save(dir, root);
cleanup:
	vault__secure_free(key);
	json_decref(root);
	vault__lock_release(lock);
	return st;
}

/* The user's slot as stored (a JSON object the caller releases with
 * json_decref), to put back if what replaced it must be undone. */
vault_status vault__slot_save(const char *dir, const char *user, void **out)
{
	unsigned char lookup[32], id[32];
	char idhex[65];
	json_t *root = NULL, *slot;
	vault_kdf def;
	vault_status st = load(dir, &root);

	*out = NULL;
	if (st == VAULT_OK)
		st = header(root, lookup, &def);
	if (st == VAULT_OK) {
		slot_id(lookup, user, id);
		vault__hex(id, 32, idhex);
		slot = json_object_get(json_object_get(root, "slots"), idhex);
		if (slot == NULL)
			st = VAULT_ERR_NOT_FOUND;
		else if ((*out = json_deep_copy(slot)) == NULL)
			st = VAULT_ERR_NOMEM;
	}
	json_decref(root);
	return st;
}

void vault__slot_saved_free(void *saved)
{
	json_decref(saved);
}

vault_status vault__slot_restore(const char *dir, const char *user, void *saved)
{
	unsigned char lookup[32], id[32];
	char idhex[65];
	json_t *root = NULL;
	vault_kdf def;
	vault_status st;
	int lock = vault__lock_acquire(dir);

	if (lock < 0)
		return VAULT_ERR_IO;
	st = load(dir, &root);
	if (st == VAULT_OK)
		st = header(root, lookup, &def);
	if (st == VAULT_OK) {
		slot_id(lookup, user, id);
		vault__hex(id, 32, idhex);
		if (json_object_set(json_object_get(root, "slots"), idhex, saved) != 0)
			st = VAULT_ERR_NOMEM;
		else
			st = save(dir, root);
	}
	json_decref(root);
	vault__lock_release(lock);
	return st;
}

vault_status vault__slot_remove(const char *dir, const char *user)
{
	unsigned char lookup[32], id[32];
	char idhex[65];
	json_t *root = NULL;
	vault_kdf def;
	vault_status st;
	int lock = vault__lock_acquire(dir);

	if (lock < 0)
		return lock == -2 ? VAULT_ERR_NOMEM : VAULT_ERR_IO;
	st = load(dir, &root);
	if (st == VAULT_OK)
		st = header(root, lookup, &def);
	if (st == VAULT_OK) {
		slot_id(lookup, user, id);
		vault__hex(id, 32, idhex);
		json_object_del(json_object_get(root, "slots"), idhex);
		st = save(dir, root);
	}
	json_decref(root);
	vault__lock_release(lock);
	return st;
}

/* ---- failed unlock attempts ---------------------------------------------
 * One line per attempt: hex(crypto_box_seal(ts(8, big-endian) || name,
 * inbox_pk)).  Only a holder of the database key can read them (the inbox
 * secret key lives in the database); the next successful open enters them
 * into the audit log and empties the file. */

void vault__inbox_note(const char *dir, const char *user)
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
	int fd, i;

	if (load(dir, &root) != VAULT_OK)
		return;
	if (header(root, lookup, &def) != VAULT_OK || get_hex(root, "inbox_pk", pk, 32) != 0) {
		json_decref(root);
		return;
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
		return;
	vault__hex(sealed, len + VAULT_SEAL_OVERHEAD, line);
	line[2 * (len + VAULT_SEAL_OVERHEAD)] = '\n'; /* line has room for it and the NUL */
	line[2 * (len + VAULT_SEAL_OVERHEAD) + 1] = '\0';
	path = vault__path(dir, VAULT_INBOX_FILE);
	if (path == NULL)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return;
	/* One write() of a short line with O_APPEND: lines never interleave. */
	if (write(fd, line, strlen(line)) < 0) {
		/* Nothing to do: the attempt already failed closed. */
	}
	close(fd);
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
	if (access(path, F_OK) != 0)
		(void)rename(inbox, path);
	free(inbox);
	f = fopen(path, "re");
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
