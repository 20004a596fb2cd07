/*
 * helpers.c - see helpers.h.
 */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <sodium.h>

#include "helpers.h"
#include "internal.h"

int sqlite3_key(sqlite3 *db, const void *key, int nkey);

char *th_tmpdir(void)
{
	char tmpl[] = "/tmp/vault-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

void th_rmdir(char *dir)
{
	DIR *d;
	struct dirent *e;

	if (dir == NULL)
		return;
	d = opendir(dir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			char p[4096];
			struct stat sb;
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
				char *sub = strdup(p);
				th_rmdir(sub);
			} else {
				unlink(p);
			}
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

const unsigned char *th_pass(const char *name, size_t *len)
{
	static char buf[8][96];
	static int next;
	char *b = buf[next++ % 8];

	snprintf(b, 96, "pw-%s", name);
	*len = strlen(b);
	return (const unsigned char *)b;
}

const unsigned char *th_first_pass(const char *name, size_t *len)
{
	static char buf[8][96];
	static int next;
	char *b = buf[next++ % 8];

	snprintf(b, 96, "first-%s", name);
	*len = strlen(b);
	return (const unsigned char *)b;
}

void th_first_passwd(const char *dir, const char *name)
{
	size_t n, m;
	const unsigned char *first = th_first_pass(name, &n);
	const unsigned char *p = th_pass(name, &m);
	vault *v = NULL;

	assert_int_equal(vault_open(dir, name, first, n, NULL, &v), VAULT_OK);
	assert_int_equal(vault_passwd(v, p, m, VAULT_KDF_DEFAULT), VAULT_OK);
	vault_close(v);
}

static void add_org(vault *admin, const char *id, vault_org_kind kind, const char *sup)
{
	size_t n;
	const unsigned char *p = th_first_pass(sup, &n);

	assert_int_equal(vault_org_add(admin, id, id, kind, sup, p, n, TEST_KDF), VAULT_OK);
}

static void add_user(const char *dir, const char *by, const char *name, vault_role role)
{
	size_t n;
	const unsigned char *p = th_first_pass(name, &n);
	vault *v = th_open(dir, by);

	assert_int_equal(vault_user_add(v, name, NULL, role, p, n, TEST_KDF), VAULT_OK);
	vault_close(v);
	th_first_passwd(dir, name);
}

char *th_network(void)
{
	char *base = th_tmpdir();
	char dir[4096];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	snprintf(dir, sizeof(dir), "%s/v", base);
	o.kdf = TEST_KDF;
	assert_int_equal(vault_create(dir, "admin", p, n, &o, &v), VAULT_OK);
	add_org(v, "cav", VAULT_ORG_ANTIVIOLENCE_CENTRE, "cav_sup");
	add_org(v, "cas", VAULT_ORG_RECEPTION_CENTRE, "cas_sup");
	add_org(v, "cuav", VAULT_ORG_PERPETRATOR_PROGRAMME, "cuav_sup");
	add_org(v, "asl", VAULT_ORG_HEALTH, "asl_sup");
	add_org(v, "pref", VAULT_ORG_AUTHORITY, "pref_sup");
	add_org(v, "oth", VAULT_ORG_OTHER, "oth_sup");
	p = th_first_pass("aud", &n);
	assert_int_equal(vault_user_add(v, "aud", NULL, VAULT_ROLE_AUDITOR, p, n, TEST_KDF), VAULT_OK);
	p = th_first_pass("admin2", &n);
	assert_int_equal(vault_user_add(v, "admin2", NULL, VAULT_ROLE_ADMIN, p, n, TEST_KDF), VAULT_OK);
	vault_close(v);
	/* Every first passphrase was chosen by someone else: each user
	 * changes hers to "pw-<name>" before anything else. */
	th_first_passwd(dir, "cav_sup");
	th_first_passwd(dir, "cas_sup");
	th_first_passwd(dir, "cuav_sup");
	th_first_passwd(dir, "asl_sup");
	th_first_passwd(dir, "pref_sup");
	th_first_passwd(dir, "oth_sup");
	th_first_passwd(dir, "aud");
	th_first_passwd(dir, "admin2");
	add_user(dir, "cav_sup", "cav_cw", VAULT_ROLE_CASEWORKER);
	add_user(dir, "cas_sup", "cas_cw", VAULT_ROLE_CASEWORKER);
	add_user(dir, "cuav_sup", "cuav_cw", VAULT_ROLE_CASEWORKER);
	add_user(dir, "asl_sup", "asl_cw", VAULT_ROLE_CASEWORKER);
	/* The vault lives in base/v; the caller frees base through the path. */
	free(base);
	return strdup(dir);
}

vault *th_open(const char *dir, const char *user)
{
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass(user, &n);
	vault_status st = vault_open(dir, user, p, n, NULL, &v);

	if (st != VAULT_OK)
		fail_msg("open as %s: %s (%s)", user, vault_strerror(st), vault_last_errmsg());
	if (v->must_change) {
		/* A user a test added with th_pass(name) as her first passphrase:
		 * she changes it (away and back, as the same one is refused)
		 * before the test goes on. */
		size_t m;
		const unsigned char *tmp = th_first_pass(user, &m);
		st = vault_passwd(v, tmp, m, VAULT_KDF_DEFAULT);
		if (st == VAULT_OK)
			st = vault_passwd(v, p, n, VAULT_KDF_DEFAULT);
		if (st != VAULT_OK)
			fail_msg("first passwd of %s: %s (%s)", user, vault_strerror(st),
			         vault_errmsg(v));
	}
	return v;
}

void th_case(const char *dir, const char *user, vault_case_kind kind, unsigned int flags,
             char out[VAULT_ID_BUFSIZE])
{
	vault *v = th_open(dir, user);

	assert_int_equal(vault_case_create(v, kind, flags, out), VAULT_OK);
	vault_close(v);
}

void th_put(const char *dir, const char *user, const char *case_id, const char *name,
            vault_class cls, const char *text)
{
	vault *v = th_open(dir, user);
	vault_status st = vault_record_put(v, case_id, name, cls, text, strlen(text), NULL);

	if (st != VAULT_OK)
		fail_msg("put as %s: %s (%s)", user, vault_strerror(st), vault_errmsg(v));
	vault_close(v);
}

vault_status th_get(const char *dir, const char *user, const char *case_id,
                    const char *name, char **text)
{
	vault *v = th_open(dir, user);
	vault_buf b = VAULT_BUF_INIT;
	vault_status st = vault_record_get(v, case_id, name, 0, &b, NULL, NULL);

	if (text != NULL)
		*text = NULL;
	if (st == VAULT_OK && text != NULL) {
		*text = malloc(b.len + 1);
		memcpy(*text, b.data, b.len);
		(*text)[b.len] = '\0';
	}
	vault_buf_free(&b);
	vault_close(v);
	return st;
}

int th_dir_contains(const char *dir, const void *needle, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	assert_non_null(d);
	while (!found && (e = readdir(d)) != NULL) {
		char p[4096];
		struct stat sb;
		FILE *f;
		unsigned char *buf;
		size_t n;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (stat(p, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			found = th_dir_contains(p, needle, len);
			continue;
		}
		f = fopen(p, "rb");
		if (f == NULL)
			continue;
		buf = malloc((size_t)sb.st_size + 1);
		n = fread(buf, 1, (size_t)sb.st_size, f);
		fclose(f);
		found = n >= len && memmem(buf, n, needle, len) != NULL;
		free(buf);
	}
	closedir(d);
	return found;
}

static void user_slot(const char *dir, const char *user, slot_secret *sec)
{
	size_t n;
	const unsigned char *p = th_pass(user, &n);
	vault_kdf def;

	unsigned char pk[32], cur[32], pend[32];
	int has_cur = 0, has_pend = 0;

	assert_int_equal(vault__slot_unlock(dir, user, p, n, sec, &def), VAULT_OK);
	/* The database key in force: the one sealed to her, if any (a
	 * disable rotates it), else her slot's own copy. */
	vault__box_pk_from_sk(pk, sec->box_sk);
	if (vault__dbkey_get(dir, user, pk, sec->box_sk, cur, &has_cur, pend, &has_pend) ==
	    VAULT_OK) {
		if (has_cur)
			memcpy(sec->dbkey, cur, 32);
		/* A rotation cut short after its switch: the pending key is the
		 * one that opens (until her next open settles it). */
		if (has_pend && vault__store_key_opens(dir, pend) == 1)
			memcpy(sec->dbkey, pend, 32);
	}
	sodium_memzero(cur, sizeof(cur));
	sodium_memzero(pend, sizeof(pend));
}

sqlite3 *th_db_open(const char *dir, const char *user)
{
	slot_secret sec;

	user_slot(dir, user, &sec);
	return th_db_open_key(dir, sec.dbkey);
}

sqlite3 *th_db_open_key(const char *dir, const unsigned char dbkey[32])
{
	char path[4096], key[70];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/vault.db", dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	key[0] = 'x';
	key[1] = '\'';
	vault__hex(dbkey, 32, key + 2);
	key[66] = '\'';
	key[67] = '\0';
	assert_int_equal(sqlite3_key(db, key, 67), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA cipher_page_size = 4096;"
	                                  "PRAGMA kdf_iter = 64000;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

void th_fixture_1_0_0(const char *fixtures, const char *base, char *dir, size_t dirlen,
                      char case_id[VAULT_ID_BUFSIZE])
{
	static const char *const files[] = {"keyslots", "vault.db"};
	char from[4096], to[4096];
	size_t i;
	FILE *fp;

	snprintf(dir, dirlen, "%s/v", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	for (i = 0; i < 2; i++) {
		snprintf(from, sizeof(from), "%s/vault-1.0.0/%s", fixtures, files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
		th_copy_file(from, to);
	}
	snprintf(from, sizeof(from), "%s/vault-1.0.0.case", fixtures);
	fp = fopen(from, "r");
	assert_non_null(fp);
	assert_non_null(fgets(case_id, VAULT_ID_BUFSIZE, fp));
	fclose(fp);
	case_id[strcspn(case_id, "\n")] = '\0';
}

long long th_db_int(const char *dir, const char *user, const char *sql)
{
	sqlite3 *db = th_db_open(dir, user);
	sqlite3_stmt *s = NULL;
	long long r = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		r = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return r;
}

int th_db_exec(const char *dir, const char *user, const char *sql)
{
	sqlite3 *db = th_db_open(dir, user);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	sqlite3_close(db);
	return rc;
}

/* Every X25519 secret key `user` holds or can unseal: box key, and each
 * organisation key sealed to them (all orgs, all epochs, both kinds). */
static size_t user_keys(sqlite3 *db, const slot_secret *sec,
                        unsigned char pks[][32], unsigned char sks[][32], size_t cap)
{
	sqlite3_stmt *s;
	size_t n = 0;
	unsigned char mypk[32];

	vault__box_pk_from_sk(mypk, sec->box_sk);
	memcpy(pks[n], mypk, 32);
	memcpy(sks[n], sec->box_sk, 32);
	n++;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT k.sealed, p.pk FROM org_keys k JOIN"
	                                        " org_pubkeys p ON p.org = k.org AND"
	                                        " p.epoch = k.epoch AND p.which = k.which",
	                                    -1, &s, NULL), SQLITE_OK);
	while (n < cap && sqlite3_step(s) == SQLITE_ROW) {
		if (vault__unseal(sks[n], sqlite3_column_blob(s, 0),
		                  (size_t)sqlite3_column_bytes(s, 0), mypk, sec->box_sk) == 0) {
			memcpy(pks[n], sqlite3_column_blob(s, 1), 32);
			n++;
		}
	}
	sqlite3_finalize(s);
	return n;
}

static int try_class_key(sqlite3 *db, const slot_secret *sec, const char *case_id,
                         unsigned int cls, uint32_t epoch, unsigned char key[32])
{
	unsigned char pks[64][32], sks[64][32];
	size_t nk = user_keys(db, sec, pks, sks, 64), i;
	sqlite3_stmt *s;
	int ok = 0;

	/* Every seal of this class key, whoever it is addressed to. */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM class_keys WHERE"
	                                        " case_id = ?1 AND class = ?2 AND epoch = ?3",
	                                    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int64(s, 3, epoch);
	while (!ok && sqlite3_step(s) == SQLITE_ROW)
		for (i = 0; i < nk && !ok; i++)
			ok = vault__unseal(key, sqlite3_column_blob(s, 0),
			                   (size_t)sqlite3_column_bytes(s, 0), pks[i], sks[i]) == 0;
	sqlite3_finalize(s);
	vault__wipe(sks, sizeof(sks));
	return ok;
}

int th_user_can_unseal(const char *dir, const char *user, const char *case_id,
                       unsigned int cls, uint32_t epoch)
{
	slot_secret sec;
	unsigned char key[32];
	sqlite3 *db;
	int ok;

	user_slot(dir, user, &sec);
	db = th_db_open(dir, user);
	ok = try_class_key(db, &sec, case_id, cls, epoch, key);
	sqlite3_close(db);
	return ok;
}

int th_user_can_decrypt(const char *dir, const char *user, const char *case_id,
                        const char *name)
{
	slot_secret sec;
	unsigned char key[32], ad[256], out[65536];
	sqlite3 *db;
	sqlite3_stmt *s;
	int ok = 0;

	user_slot(dir, user, &sec);
	db = th_db_open(dir, user);
	/* Rows name a record by a tag he may not be able to compute: he tries
	 * the latest version of every record with every key he holds, and
	 * only the record of that name authenticates (its name is in the
	 * associated data). */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT r.version, r.class, r.epoch, r.nonce,"
	                                        " r.ct, r.padded FROM records r WHERE"
	                                        " r.case_id = ?1 AND r.version = (SELECT"
	                                        " MAX(version) FROM records WHERE case_id ="
	                                        " r.case_id AND name = r.name AND class = r.class)"
	                                        " ORDER BY r.version DESC", -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
	while (!ok && sqlite3_step(s) == SQLITE_ROW) {
		uint32_t ver = (uint32_t)sqlite3_column_int64(s, 0);
		unsigned int cls = (unsigned int)sqlite3_column_int(s, 1);
		uint32_t epoch = (uint32_t)sqlite3_column_int64(s, 2);
		size_t clen = (size_t)sqlite3_column_bytes(s, 4);
		size_t adlen = vault__record_ad(ad, sizeof(ad), case_id, name, ver, cls, epoch);

		if (sqlite3_column_int(s, 5))
			ad[adlen++] = 1; /* padded content (lib/cases.c content_ad) */
		if (clen <= sizeof(out) && clen > 0 &&
		    try_class_key(db, &sec, case_id, cls, epoch, key))
			ok = vault__aead_open(out, sqlite3_column_blob(s, 4), clen, ad, adlen,
			                      sqlite3_column_blob(s, 3), key) == 0;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ok;
}

void th_tag_hex(const char *dir, const char *user, const char *case_id, unsigned int cls,
                const char *name, char out[33])
{
	unsigned char tag[VAULT_NAME_TAG_BYTES], key[32];
	slot_secret sec;
	sqlite3 *db;

	_Static_assert(2 * VAULT_NAME_TAG_BYTES + 1 == 33, "tag hex size");
	/* From her own slot and the file, without a handle: no audit entry. */
	user_slot(dir, user, &sec);
	db = th_db_open(dir, user);
	assert_true(try_class_key(db, &sec, case_id, cls, 1, key));
	sqlite3_close(db);
	vault__name_tag_with(key, case_id, cls, name, tag);
	vault__hex(tag, sizeof(tag), out);
}

unsigned int th_find_tag(const char *dir, const char *user, const char *case_id,
                         const char *name, unsigned char tag[16])
{
	sqlite3 *db = th_db_open(dir, user);
	unsigned char key[32];
	unsigned int cls, found = 0;
	slot_secret sec;

	user_slot(dir, user, &sec);
	for (cls = VAULT_CLASS_SAFETY; cls >= VAULT_CLASS_GENERAL && !found; cls >>= 1) {
		sqlite3_stmt *s;
		if (!try_class_key(db, &sec, case_id, cls, 1, key))
			continue;
		vault__name_tag_with(key, case_id, cls, name, tag);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM records WHERE case_id = ?1"
		                                        " AND class = ?2 AND name = ?3", -1, &s,
		                                    NULL), SQLITE_OK);
		sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, (int)cls);
		sqlite3_bind_blob(s, 3, tag, 16, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			found = cls;
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return found;
}

void th_flip_byte(const char *path, long offset)
{
	int fd = open(path, O_RDWR);
	struct stat sb;
	unsigned char c;
	off_t at;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	at = offset >= 0 ? offset : sb.st_size + offset;
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x5a;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

void th_db_key(const char *dir, const char *user, unsigned char key[32])
{
	slot_secret sec;

	user_slot(dir, user, &sec);
	memcpy(key, sec.dbkey, 32);
	sodium_memzero(&sec, sizeof(sec));
}

void th_forget_witness(const char *dir, const char *user)
{
	assert_int_equal(vault__slot_witness_put(dir, user, NULL, NULL, NULL), VAULT_OK);
}

void th_forget_cache(const char *dir, const char *user)
{
	char path[600], id[65];

	assert_int_equal(vault__slot_id_hex(dir, user, id), VAULT_OK);
	snprintf(path, sizeof(path), "%s/facts-%s.cache", dir, id);
	assert_true(unlink(path) == 0 || errno == ENOENT);
}

void th_copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b;
	char buf[16384];
	size_t n;

	assert_non_null(a);
	b = fopen(to, "wb");
	assert_non_null(b);
	while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
		assert_int_equal(fwrite(buf, 1, n, b), n);
	fclose(a);
	assert_int_equal(fclose(b), 0);
	assert_int_equal(chmod(to, 0600), 0);
}
