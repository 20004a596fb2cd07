/*
 * facts_cache.c - where a user keeps the facts her library verified: a
 * SQLite file of her own in the vault folder, facts-<slot id>.cache (the
 * hex of her slot id in keyslots, a keyed hash of her name: the folder's
 * listing names nobody; a facts-<user>.cache of earlier builds is removed
 * when she opens or saves her cache), one row per part, each part sealed
 * with XChaCha20-Poly1305 under a key only she can derive (from the seed
 * of her Ed25519 key, crypto_kdf), and bound to the vault id, her name and
 * the part's name.
 *
 * Anyone who can write the folder can delete the file, or put back an
 * older copy of it: neither gains anything.  What a part says is checked
 * by lib/facts.c (a part's digest is in the head part, and the head names
 * the log entry it was made at, which the log must still hold); a missing
 * or unreadable part only makes the next open read the whole log again.
 * Nobody else can read a part, or write one she accepts, once her keys are
 * her own: until she changes the first passphrase someone else chose for
 * her, that someone knows them, and no cache is read or written (facts.c).
 * Its journal and temporary tables stay in memory: SQLite 3.15 would make
 * them as files beside it by name, following a link planted there.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "facts.h"
#include "internal.h"

#define CACHE_DOMAIN "libvault-facts-cache-v1"

/* Her cache's file: named after her slot id (vault__slot_id_hex), never
 * her name, so that a listing of the folder names nobody.  NULL when it
 * cannot be made (no memory, keyslots unreadable): no cache. */
static char *cache_path(const vault *v)
{
	char id[65], *p = NULL;
	size_t n;

	if (vault__slot_id_hex(v->dir, v->user, id) == VAULT_OK) {
		n = strlen(v->dir) + strlen(id) + sizeof("/facts-.cache");
		p = vault__malloc(n);
		if (p != NULL)
			snprintf(p, n, "%s/facts-%s.cache", v->dir, id);
	}
	return p;
}

/* Earlier builds named her cache facts-<user>.cache (and a crash could
 * leave its journal beside it): the name goes from the folder.  A plain
 * file only, by its name (unlink follows no link); anything else planted
 * under that name is not hers to remove. */
static void legacy_remove(const vault *v)
{
	static const char *const ext[] = {".cache", ".cache-journal"};
	struct stat sb;
	char *p;
	size_t i, n;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		n = strlen(v->dir) + strlen(v->user) + strlen(ext[i]) + sizeof("/facts-");
		p = vault__malloc(n);
		if (p == NULL)
			return;
		snprintf(p, n, "%s/facts-%s%s", v->dir, v->user, ext[i]);
		if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode))
			(void)unlink(p);
		free(p);
	}
}

/* Her key for the cache: from her Ed25519 seed, so it changes with her keys
 * (a passphrase change), and nobody who lacks them has it. */
static void cache_key(const vault *v, unsigned char key[32])
{
	crypto_kdf_derive_from_key(key, 32, 1, "vfactsc1", v->sec->sign_sk);
}

static size_t cache_ad(const vault *v, const char *part, unsigned char *ad, size_t cap)
{
	size_t n = 0, l;

	l = sizeof(CACHE_DOMAIN);
	if (n + l + 32 > cap)
		return 0;
	memcpy(ad + n, CACHE_DOMAIN, l);
	n += l;
	memcpy(ad + n, v->pinned_id, 32);
	n += 32;
	l = strlen(v->user) + 1;
	if (n + l > cap)
		return 0;
	memcpy(ad + n, v->user, l);
	n += l;
	l = strlen(part) + 1;
	if (n + l > cap)
		return 0;
	memcpy(ad + n, part, l);
	return n + l;
}

vault_status vault__fcache_open(vault *v, int create, sqlite3 **out)
{
	struct stat sb;
	char *path;
	sqlite3 *db = NULL;
	int rc, fd;

	*out = NULL;
	legacy_remove(v);
	if (!v->pinned)
		return VAULT_ERR_NOT_FOUND; /* nothing to bind it to */
	path = cache_path(v);
	if (path == NULL)
		return VAULT_ERR_NOT_FOUND; /* no name for it: no cache */
	if (create) {
		/* hers alone (SQLite would make it with the umask's mode) */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			close(fd);
	}
	/* A plain file of one name: not a link planted in the folder to make
	 * her write into another file of hers (SQLite 3.15 follows links). */
	if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_nlink != 1) {
		free(path);
		return VAULT_ERR_NOT_FOUND;
	}
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	free(path);
	/* No file beside it: SQLite 3.15 would create its rollback journal
	 * (and temporary files) by name, following a link planted there.  The
	 * journal in memory costs atomicity on a crash, which the cache does
	 * not need: a torn file is read as damaged, and the log read whole. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA journal_mode = MEMORY; PRAGMA temp_store = MEMORY;"
		                      "PRAGMA busy_timeout = 2000;"
		                      "CREATE TABLE IF NOT EXISTS parts(name TEXT PRIMARY KEY,"
		                      " nonce BLOB NOT NULL, ct BLOB NOT NULL)", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		return rc == SQLITE_CANTOPEN ? VAULT_ERR_NOT_FOUND
		       : rc == SQLITE_NOMEM  ? VAULT_ERR_NOMEM
		                             : VAULT_ERR_IO;
	}
	*out = db;
	return VAULT_OK;
}

void vault__fcache_close(sqlite3 *db)
{
	sqlite3_close(db);
}

vault_status vault__fcache_get(vault *v, sqlite3 *db, const char *part, unsigned char **out,
                               size_t *len)
{
	unsigned char key[32], ad[VAULT_NAME_MAX + VAULT_ID_BUFSIZE + 96], *pt = NULL;
	sqlite3_stmt *s = NULL;
	vault_status st = VAULT_ERR_NOT_FOUND;
	size_t adlen = cache_ad(v, part, ad, sizeof(ad));

	*out = NULL;
	*len = 0;
	if (adlen == 0)
		return VAULT_ERR_INVALID;
	if (sqlite3_prepare_v2(db, "SELECT nonce, ct FROM parts WHERE name = ?1", -1, &s, NULL) !=
	    SQLITE_OK)
		return VAULT_ERR_IO;
	sqlite3_bind_text(s, 1, part, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) == VAULT_AEAD_NONCE_BYTES &&
	    sqlite3_column_bytes(s, 1) >= VAULT_AEAD_TAG_BYTES) {
		size_t clen = (size_t)sqlite3_column_bytes(s, 1);

		pt = malloc(clen - VAULT_AEAD_TAG_BYTES + 1);
		if (pt == NULL) {
			st = VAULT_ERR_NOMEM;
		} else {
			cache_key(v, key);
			if (vault__aead_open(pt, sqlite3_column_blob(s, 1), clen, ad, adlen,
			                     sqlite3_column_blob(s, 0), key) == 0) {
				*len = clen - VAULT_AEAD_TAG_BYTES;
				pt[*len] = '\0';
				*out = pt;
				pt = NULL;
				st = VAULT_OK;
			}
			sodium_memzero(key, sizeof(key));
		}
	}
	free(pt);
	sqlite3_finalize(s);
	return st;
}

vault_status vault__fcache_put(vault *v, sqlite3 *db, const char *part,
                               const unsigned char *pt, size_t len)
{
	unsigned char key[32], nonce[VAULT_AEAD_NONCE_BYTES];
	unsigned char ad[VAULT_NAME_MAX + VAULT_ID_BUFSIZE + 96], *ct;
	sqlite3_stmt *s = NULL;
	size_t adlen = cache_ad(v, part, ad, sizeof(ad));
	int rc;

	if (adlen == 0 || len > (size_t)INT32_MAX - VAULT_AEAD_TAG_BYTES)
		return VAULT_ERR_INVALID;
	ct = malloc(len + VAULT_AEAD_TAG_BYTES);
	if (ct == NULL)
		return VAULT_ERR_NOMEM;
	cache_key(v, key);
	vault__random(nonce, sizeof(nonce));
	vault__aead_seal(ct, pt, len, ad, adlen, nonce, key);
	sodium_memzero(key, sizeof(key));
	rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO parts(name, nonce, ct)"
	                            " VALUES(?1, ?2, ?3)", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, part, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 2, nonce, sizeof(nonce), SQLITE_STATIC);
		sqlite3_bind_blob(s, 3, ct, (int)(len + VAULT_AEAD_TAG_BYTES), SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	free(ct);
	return rc == SQLITE_DONE ? VAULT_OK : rc == SQLITE_NOMEM ? VAULT_ERR_NOMEM : VAULT_ERR_IO;
}

vault_status vault__fcache_exec(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? VAULT_OK : rc == SQLITE_NOMEM ? VAULT_ERR_NOMEM : VAULT_ERR_IO;
}

void vault__fcache_remove(vault *v)
{
	char *path = cache_path(v);

	legacy_remove(v);
	if (path != NULL)
		unlink(path);
	free(path);
}
