/*
 * test_vault.c - the public API and the life of a vault: versions, status
 * texts, create/open/close, passphrases, organisations and users, cases and
 * records, the caller's transactions, migrations, several handles.
 *
 * Each public status is reached here by a real call (the ones that belong to
 * other suites: DENIED, CONSENT, AUDIT, INTEGRITY are reached in
 * test_access.c and test_audit.c; DENIED also here).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "helpers.h"
#include "internal.h"

extern int vault__test_no_cipher;

/* ---- local helpers -------------------------------------------------------- */

static const vault_status all_status[] = {
	VAULT_OK,           VAULT_ERR_INVALID,   VAULT_ERR_NOMEM,   VAULT_ERR_IO,
	VAULT_ERR_AUTH,     VAULT_ERR_DENIED,    VAULT_ERR_NOT_FOUND, VAULT_ERR_EXISTS,
	VAULT_ERR_CORRUPT,  VAULT_ERR_VERSION,   VAULT_ERR_BUSY,    VAULT_ERR_CONSENT,
	VAULT_ERR_AUDIT,    VAULT_ERR_INTEGRITY, VAULT_ERR_STATE,   VAULT_ERR_NOCRYPTO,
	VAULT_ERR_PASSWD_EXPIRED, VAULT_ERR_WEAK_PASSPHRASE, VAULT_ERR_AMBIGUOUS,
	VAULT_ERR_NOSPACE,
};
#define NSTATUS (sizeof(all_status) / sizeof(all_status[0]))

/* A vault with only its administrator "admin" (pw-admin), in base/v. */
static char *solo_vault(void)
{
	char *base = th_tmpdir();
	char dir[4096];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	snprintf(dir, sizeof(dir), "%s/v", base);
	free(base);
	o.kdf = TEST_KDF;
	assert_int_equal(vault_create(dir, "admin", p, n, &o, NULL), VAULT_OK);
	return strdup(dir);
}

/* th_rmdir for a vault made in base/v: remove base too. */
static void rm_vault(char *dir)
{
	char *base = strdup(dir);
	char *slash = strrchr(base, '/');

	*slash = '\0';
	th_rmdir(dir);
	th_rmdir(base);
}

static vault_status open_pw(const char *dir, const char *user, const char *pw,
                            vault **out)
{
	return vault_open(dir, user, (const unsigned char *)pw, strlen(pw), NULL, out);
}

static vault_status open_opts(const char *dir, const char *user,
                              const vault_open_options *o, vault **out)
{
	size_t n;
	const unsigned char *p = th_pass(user, &n);

	return vault_open(dir, user, p, n, o, out);
}

static char *file_path(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = malloc(n);

	snprintf(p, n, "%s/%s", dir, file);
	return p;
}

/* An integer from the database, read directly with `user`'s db key. */
#define db_int th_db_int

static int count_cb_org(const vault_org_info *i, void *ctx)
{
	char *acc = ctx;

	strcat(acc, i->id);
	strcat(acc, ",");
	return 0;
}

static int count_cb_user(const vault_user_info *i, void *ctx)
{
	char *acc = ctx;

	strcat(acc, i->name);
	strcat(acc, i->disabled ? "-," : ",");
	return 0;
}

struct case_seen {
	char id[VAULT_ID_BUFSIZE];
	int count;
	vault_case_info last;
	char owner[VAULT_NAME_MAX + 1];
	char creator[VAULT_NAME_MAX + 1];
};

static int case_cb(const vault_case_info *i, void *ctx)
{
	struct case_seen *c = ctx;

	if (c->id[0] == '\0' || strcmp(c->id, i->id) == 0) {
		c->count++;
		c->last = *i;
		snprintf(c->owner, sizeof(c->owner), "%s", i->owner_org);
		snprintf(c->creator, sizeof(c->creator), "%s", i->created_by);
		c->last.id = NULL;
		c->last.owner_org = NULL;
		c->last.created_by = NULL;
	}
	return 0;
}

struct rec_seen {
	int count;
	char names[1024];
	uint32_t versions[16];
	int deleted[16];
	vault_class cls[16];
};

static int rec_cb(const vault_record_info *i, void *ctx)
{
	struct rec_seen *r = ctx;

	if (r->count < 16) {
		r->versions[r->count] = i->version;
		r->deleted[r->count] = i->deleted;
		r->cls[r->count] = i->cls;
	}
	r->count++;
	strcat(r->names, i->name);
	strcat(r->names, ",");
	return 0;
}

static vault_status get_text(vault *v, const char *cid, const char *name, uint32_t ver,
                             char *out, size_t cap)
{
	vault_buf b = VAULT_BUF_INIT;
	vault_status st = vault_record_get(v, cid, name, ver, &b, NULL, NULL);

	out[0] = '\0';
	if (st == VAULT_OK) {
		assert_true(b.len < cap);
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
		/* The buffer is NUL-terminated one past len. */
		assert_int_equal(b.data[b.len], 0);
	}
	vault_buf_free(&b);
	assert_null(b.data);
	return st;
}

static vault_status put_text(vault *v, const char *cid, const char *name, vault_class cls,
                             const char *text, uint32_t *ver)
{
	return vault_record_put(v, cid, name, cls, text, strlen(text), ver);
}

/* The whole audit log verifies (as the network's auditor). */
static void verify_log(const char *dir)
{
	vault_verify_result r;
	vault *v = th_open(dir, "aud");
	vault_status st;

	assert_int_equal(vault_verify_result_init(&r, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	st = vault_audit_verify(v, NULL, &r, NULL, NULL);
	if (st != VAULT_OK)
		fail_msg("audit verify: %s: %s / %s (seq %llu)", vault_strerror(st), r.reason,
		         vault_errmsg(v), (unsigned long long)r.bad_seq);
	assert_true(r.entries > 0);
	vault_close(v);
}

/* Rewrite the integer after `"key": ` in a JSON text file (jansson). */
static void json_set_int(const char *path, const char *key, long long val)
{
	json_error_t e;
	json_t *root = json_load_file(path, 0, &e);

	assert_non_null(root);
	assert_int_equal(json_object_set_new(root, key, json_integer(val)), 0);
	assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
	json_decref(root);
}

/* The "level" of the only slot of a key-slot file. */
static long long only_slot_level(const char *dir)
{
	char *p = file_path(dir, "keyslots");
	json_error_t e;
	json_t *root = json_load_file(p, 0, &e), *slots, *slot;
	const char *k;
	long long level;

	free(p);
	assert_non_null(root);
	slots = json_object_get(root, "slots");
	assert_int_equal(json_object_size(slots), 1);
	k = json_object_iter_key(json_object_iter(slots));
	slot = json_object_get(slots, k);
	level = json_integer_value(json_object_get(slot, "level"));
	json_decref(root);
	return level;
}

/* ---- versions and status texts ---------------------------------------------- */

static void test_vault__version_matches_macros(void **state)
{
	char expect[32];

	(void)state;
	assert_int_equal(vault_version_number(), VAULT_VERSION_NUMBER);
	assert_int_equal(VAULT_VERSION_NUMBER,
	                 VAULT_VERSION_MAJOR * 10000 + VAULT_VERSION_MINOR * 100 +
	                     VAULT_VERSION_PATCH);
	snprintf(expect, sizeof(expect), "%d.%d.%d", VAULT_VERSION_MAJOR,
	         VAULT_VERSION_MINOR, VAULT_VERSION_PATCH);
	assert_string_equal(vault_version_string(), expect);
	assert_string_equal(vault_version_string(), VAULT_VERSION_STRING);
}

static void test_vault__strerror_distinct_and_nonempty(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < NSTATUS; i++) {
		const char *t = vault_strerror(all_status[i]);
		assert_non_null(t);
		assert_true(strlen(t) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(t, vault_strerror(all_status[j]));
	}
	/* An unknown status still gives text, different from all real ones. */
	assert_non_null(vault_strerror((vault_status)-999));
	for (i = 0; i < NSTATUS; i++)
		assert_string_not_equal(vault_strerror((vault_status)-999),
		                        vault_strerror(all_status[i]));
}

static void test_vault__status_values_are_stable(void **state)
{
	(void)state;
	/* Published numbers: never reused, never changed. */
	assert_int_equal(VAULT_OK, 0);
	assert_int_equal(VAULT_ERR_INVALID, -1);
	assert_int_equal(VAULT_ERR_NOMEM, -2);
	assert_int_equal(VAULT_ERR_IO, -3);
	assert_int_equal(VAULT_ERR_AUTH, -4);
	assert_int_equal(VAULT_ERR_DENIED, -5);
	assert_int_equal(VAULT_ERR_NOT_FOUND, -6);
	assert_int_equal(VAULT_ERR_EXISTS, -7);
	assert_int_equal(VAULT_ERR_CORRUPT, -8);
	assert_int_equal(VAULT_ERR_VERSION, -9);
	assert_int_equal(VAULT_ERR_BUSY, -10);
	assert_int_equal(VAULT_ERR_CONSENT, -11);
	assert_int_equal(VAULT_ERR_AUDIT, -12);
	assert_int_equal(VAULT_ERR_INTEGRITY, -13);
	assert_int_equal(VAULT_ERR_STATE, -14);
	assert_int_equal(VAULT_ERR_NOCRYPTO, -15);
	assert_int_equal(VAULT_ERR_PASSWD_EXPIRED, -16);
	assert_int_equal(VAULT_ERR_WEAK_PASSPHRASE, -17);
	assert_int_equal(VAULT_ERR_AMBIGUOUS, -18);
	assert_int_equal(VAULT_ERR_NOSPACE, -19);
}

/* ---- create: arguments -------------------------------------------------------- */

static void test_vault__create_rejects_invalid_arguments(void **state)
{
	char *base = th_tmpdir();
	char dir[4096], longpw[VAULT_PASSPHRASE_MAX + 2], longname[VAULT_NAME_MAX + 2];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	const unsigned char *pw = (const unsigned char *)"pw";
	vault *v = (vault *)&o; /* must be reset to NULL */
	struct stat sb;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/v", base);
	memset(longpw, 'x', sizeof(longpw));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	o.kdf = TEST_KDF;

	assert_int_equal(vault_create(NULL, "admin", pw, 2, &o, &v), VAULT_ERR_INVALID);
	assert_null(v);
	assert_true(strlen(vault_last_errmsg()) > 0);
	assert_int_equal(vault_create("", "admin", pw, 2, &o, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_create(dir, NULL, pw, 2, &o, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_create(dir, "", pw, 2, &o, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_create(dir, "bad name", pw, 2, &o, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_create(dir, "-admin", pw, 2, &o, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_create(dir, ".admin", pw, 2, &o, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_create(dir, "ad/min", pw, 2, &o, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_create(dir, longname, pw, 2, &o, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_create(dir, "admin", NULL, 2, &o, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_create(dir, "admin", pw, 0, &o, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_create(dir, "admin", (const unsigned char *)longpw,
	                              VAULT_PASSPHRASE_MAX + 1, &o, &v),
	                 VAULT_ERR_INVALID);
	o.kdf = (vault_kdf)42;
	assert_int_equal(vault_create(dir, "admin", pw, 2, &o, &v), VAULT_ERR_INVALID);
	o.kdf = (vault_kdf)-1;
	assert_int_equal(vault_create(dir, "admin", pw, 2, &o, &v), VAULT_ERR_INVALID);
	o.kdf = TEST_KDF;
	o.version = 0;
	assert_int_equal(vault_create(dir, "admin", pw, 2, &o, &v), VAULT_ERR_INVALID);
	o.version = VAULT_CREATE_OPTIONS_VERSION + 1;
	assert_int_equal(vault_create(dir, "admin", pw, 2, &o, &v), VAULT_ERR_INVALID);
	assert_null(v);
	/* Nothing was made on any of these paths. */
	assert_int_not_equal(stat(dir, &sb), 0);
	th_rmdir(base);
}

static void test_vault__create_accepts_longest_name_and_passphrase(void **state)
{
	char *base = th_tmpdir();
	char dir[4096], longpw[VAULT_PASSPHRASE_MAX], name[VAULT_NAME_MAX + 1];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	vault *v = NULL;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/v", base);
	memset(longpw, 0xff, sizeof(longpw)); /* any bytes */
	memset(name, 'a', VAULT_NAME_MAX);
	name[VAULT_NAME_MAX] = '\0';
	o.kdf = TEST_KDF;
	assert_int_equal(vault_create(dir, name, (const unsigned char *)longpw,
	                              sizeof(longpw), &o, &v), VAULT_OK);
	vault_close(v);
	v = NULL;
	assert_int_equal(vault_open(dir, name, (const unsigned char *)longpw,
	                            sizeof(longpw), NULL, &v), VAULT_OK);
	vault_close(v);
	th_rmdir(base);
}

static void test_vault__options_init(void **state)
{
	vault_create_options co;
	vault_open_options oo;

	(void)state;
	memset(&co, 0x7f, sizeof(co));
	memset(&oo, 0x7f, sizeof(oo));
	assert_int_equal(vault_create_options_init(&co, VAULT_CREATE_OPTIONS_VERSION), VAULT_OK);
	assert_int_equal(co.version, VAULT_CREATE_OPTIONS_VERSION);
	assert_int_equal(co.kdf, VAULT_KDF_DEFAULT);
	assert_int_equal(vault_open_options_init(&oo, VAULT_OPEN_OPTIONS_VERSION), VAULT_OK);
	assert_int_equal(oo.version, VAULT_OPEN_OPTIONS_VERSION);
	assert_int_equal(oo.purpose, 0);
	assert_int_equal(oo.busy_timeout_ms, 0);
	assert_int_equal(vault_create_options_init(NULL, VAULT_CREATE_OPTIONS_VERSION),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_create_options_init(&co, 0), VAULT_ERR_INVALID);
	assert_int_equal(vault_open_options_init(&oo, VAULT_OPEN_OPTIONS_VERSION + 1),
	                 VAULT_ERR_INVALID);
}

static void test_vault__create_under_a_file_is_io_error(void **state)
{
	char *base = th_tmpdir();
	char file[4096], dir[4200];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	int fd;

	(void)state;
	snprintf(file, sizeof(file), "%s/plain", base);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(dir, sizeof(dir), "%s/v", file);
	o.kdf = TEST_KDF;
	assert_int_equal(vault_create(dir, "admin", (const unsigned char *)"pw", 2, &o, NULL),
	                 VAULT_ERR_IO);
	assert_true(strlen(vault_last_errmsg()) > 0);
	/* The path itself a regular file: not a folder either. */
	assert_int_equal(vault_create(file, "admin", (const unsigned char *)"pw", 2, &o, NULL),
	                 VAULT_ERR_IO);
	th_rmdir(base);
}

static void test_vault__create_twice_is_exists(void **state)
{
	char *dir = solo_vault();
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	vault *v = NULL;

	(void)state;
	o.kdf = TEST_KDF;
	assert_int_equal(vault_create(dir, "other", (const unsigned char *)"pw", 2, &o, &v),
	                 VAULT_ERR_EXISTS);
	assert_null(v);
	/* The first vault is untouched. */
	v = th_open(dir, "admin");
	vault_close(v);
	rm_vault(dir);
}

static void test_vault__create_then_open_and_close(void **state)
{
	char *base = th_tmpdir();
	char dir[4096];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	vault *v = NULL;
	const char *org = "x";
	vault_role role = 0;
	char id1[VAULT_VAULT_ID_BUFSIZE], id2[VAULT_VAULT_ID_BUFSIZE];
	struct stat sb;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	(void)state;
	snprintf(dir, sizeof(dir), "%s/v", base);
	o.kdf = TEST_KDF;
	assert_int_equal(vault_create(dir, "admin", p, n, &o, &v), VAULT_OK);
	assert_non_null(v);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_string_equal(vault_whoami(v, &org, &role), "admin");
	assert_null(org);
	assert_int_equal(role, VAULT_ROLE_ADMIN);
	assert_int_equal(vault_id(v, id1), VAULT_OK);
	assert_int_equal(strlen(id1), 64);
	vault_close(v);
	v = th_open(dir, "admin");
	assert_int_equal(vault_id(v, id2), VAULT_OK);
	assert_string_equal(id1, id2);
	vault_close(v);
	vault_close(NULL); /* NULL-safe */
	th_rmdir(base);
}

static void test_vault__create_without_out_handle(void **state)
{
	char *dir = solo_vault(); /* out == NULL */
	vault *v;

	(void)state;
	v = th_open(dir, "admin");
	assert_non_null(v);
	vault_close(v);
	rm_vault(dir);
}

/* ---- open ------------------------------------------------------------------------ */

static void test_vault__open_rejects_invalid_arguments(void **state)
{
	char *dir = solo_vault();
	vault_open_options o = VAULT_OPEN_OPTIONS_INIT;
	char longpw[VAULT_PASSPHRASE_MAX + 1];
	const unsigned char *pw = (const unsigned char *)"pw-admin";
	vault *v = (vault *)&o;

	(void)state;
	memset(longpw, 'x', sizeof(longpw));
	assert_int_equal(vault_open(dir, "admin", pw, 8, NULL, NULL), VAULT_ERR_INVALID);
	assert_int_equal(vault_open(NULL, "admin", pw, 8, NULL, &v), VAULT_ERR_INVALID);
	assert_null(v);
	assert_int_equal(vault_open("", "admin", pw, 8, NULL, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_open(dir, NULL, pw, 8, NULL, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_open(dir, "admin", NULL, 8, NULL, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_open(dir, "admin", pw, 0, NULL, &v), VAULT_ERR_INVALID);
	assert_int_equal(vault_open(dir, "admin", (const unsigned char *)longpw,
	                            sizeof(longpw), NULL, &v), VAULT_ERR_INVALID);
	o.version = 0;
	assert_int_equal(vault_open(dir, "admin", pw, 8, &o, &v), VAULT_ERR_INVALID);
	o.version = VAULT_OPEN_OPTIONS_VERSION + 1;
	assert_int_equal(vault_open(dir, "admin", pw, 8, &o, &v), VAULT_ERR_INVALID);
	o.version = VAULT_OPEN_OPTIONS_VERSION;
	o.purpose = (vault_purpose)77;
	assert_int_equal(vault_open(dir, "admin", pw, 8, &o, &v), VAULT_ERR_INVALID);
	assert_null(v);
	assert_true(strlen(vault_last_errmsg()) > 0);
	/* The right call works. */
	o.purpose = VAULT_PURPOSE_AUDIT;
	assert_int_equal(vault_open(dir, "admin", pw, 8, &o, &v), VAULT_OK);
	vault_close(v);
	rm_vault(dir);
}

static void test_vault__open_non_vault_dir_is_not_found(void **state)
{
	char *base = th_tmpdir();
	char missing[4096];
	vault *v = NULL;

	(void)state;
	assert_int_equal(open_pw(base, "admin", "pw", &v), VAULT_ERR_NOT_FOUND);
	assert_null(v);
	snprintf(missing, sizeof(missing), "%s/nothing-here", base);
	assert_int_equal(open_pw(missing, "admin", "pw", &v), VAULT_ERR_NOT_FOUND);
	assert_null(v);
	th_rmdir(base);
}

static void test_vault__open_wrong_passphrase_is_auth(void **state)
{
	char *dir = solo_vault();
	vault *v = NULL;

	(void)state;
	assert_int_equal(open_pw(dir, "admin", "pw-wrong", &v), VAULT_ERR_AUTH);
	assert_null(v);
	assert_int_equal(open_pw(dir, "nobody", "pw-admin", &v), VAULT_ERR_AUTH);
	assert_null(v);
	assert_int_equal(open_pw(dir, "not a name", "pw-admin", &v), VAULT_ERR_AUTH);
	assert_null(v);
	rm_vault(dir);
}

/* Invariant 8 from the API side: unknown user and wrong passphrase cost
 * exactly one Argon2id run each and say the same thing. */
static void test_vault__auth_failures_same_work_same_message(void **state)
{
	char *dir = th_network();
	char msg_wrong[512], msg_unknown[512], msg_badname[512];
	unsigned long before, d_wrong, d_unknown, d_badname, d_right;
	vault *v = NULL;

	(void)state;
	before = vault__kdf_runs;
	assert_int_equal(open_pw(dir, "cav_cw", "pw-not-hers", &v), VAULT_ERR_AUTH);
	d_wrong = vault__kdf_runs - before;
	snprintf(msg_wrong, sizeof(msg_wrong), "%s", vault_last_errmsg());

	before = vault__kdf_runs;
	assert_int_equal(open_pw(dir, "no_such_user", "pw-not-hers", &v), VAULT_ERR_AUTH);
	d_unknown = vault__kdf_runs - before;
	snprintf(msg_unknown, sizeof(msg_unknown), "%s", vault_last_errmsg());

	before = vault__kdf_runs;
	assert_int_equal(open_pw(dir, "bad name!", "pw-not-hers", &v), VAULT_ERR_AUTH);
	d_badname = vault__kdf_runs - before;
	snprintf(msg_badname, sizeof(msg_badname), "%s", vault_last_errmsg());

	before = vault__kdf_runs;
	v = th_open(dir, "cav_cw");
	d_right = vault__kdf_runs - before;
	vault_close(v);

	assert_int_equal(d_wrong, 1);
	assert_int_equal(d_unknown, 1);
	assert_int_equal(d_badname, 1);
	assert_int_equal(d_right, 1);
	assert_true(strlen(msg_wrong) > 0);
	assert_string_equal(msg_wrong, msg_unknown);
	assert_string_equal(msg_wrong, msg_badname);
	th_rmdir(dir);
}

static void test_vault__open_newer_schema_is_version(void **state)
{
	char *dir = solo_vault();
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	(void)state;
	assert_int_equal(th_db_exec(dir, "admin", "PRAGMA user_version = 999"), SQLITE_OK);
	assert_int_equal(vault_open(dir, "admin", p, n, NULL, &v), VAULT_ERR_VERSION);
	assert_null(v);
	assert_non_null(strstr(vault_last_errmsg(), "999"));
	rm_vault(dir);
}

static void test_vault__open_newer_keyslots_is_version(void **state)
{
	char *dir = solo_vault();
	char *ks = file_path(dir, "keyslots");
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	(void)state;
	json_set_int(ks, "version", 99);
	assert_int_equal(vault_open(dir, "admin", p, n, NULL, &v), VAULT_ERR_VERSION);
	assert_null(v);
	assert_non_null(strstr(vault_last_errmsg(), "version 99"));
	free(ks);
	rm_vault(dir);
}

static void test_vault__open_damaged_keyslots_is_corrupt(void **state)
{
	char *dir = solo_vault();
	char *ks = file_path(dir, "keyslots");
	vault *v = NULL;
	FILE *f;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	(void)state;
	f = fopen(ks, "w");
	assert_non_null(f);
	fputs("{\"format\": \"libvault-keyslots\", \"version\": 1, \"slo", f);
	fclose(f);
	assert_int_equal(vault_open(dir, "admin", p, n, NULL, &v), VAULT_ERR_CORRUPT);
	assert_null(v);
	free(ks);
	rm_vault(dir);
}

static void test_vault__open_without_cipher_is_nocrypto(void **state)
{
	char *dir = solo_vault();
	vault *v = NULL;
	vault_status st;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	(void)state;
	vault__test_no_cipher = 1;
	st = vault_open(dir, "admin", p, n, NULL, &v);
	vault__test_no_cipher = 0;
	assert_int_equal(st, VAULT_ERR_NOCRYPTO);
	assert_null(v);
	assert_true(strlen(vault_last_errmsg()) > 0);
	v = th_open(dir, "admin");
	vault_close(v);
	rm_vault(dir);
}

static void test_vault__create_without_cipher_is_nocrypto(void **state)
{
	char *base = th_tmpdir();
	char dir[4096];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	vault *v = NULL;
	vault_status st;
	struct stat sb;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/v", base);
	o.kdf = TEST_KDF;
	vault__test_no_cipher = 1;
	st = vault_create(dir, "admin", (const unsigned char *)"pw", 2, &o, &v);
	vault__test_no_cipher = 0;
	assert_int_equal(st, VAULT_ERR_NOCRYPTO);
	assert_null(v);
	/* Nothing left behind: the folder it made is gone again. */
	assert_int_not_equal(stat(dir, &sb), 0);
	th_rmdir(base);
}

static void test_vault__open_out_of_memory_is_nomem(void **state)
{
	char *dir = solo_vault();
	vault *v = NULL;
	vault_status st;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	(void)state;
	vault__fault_alloc_after(1);
	st = vault_open(dir, "admin", p, n, NULL, &v);
	assert_true(vault__fault_alloc_hit());
	vault__fault_alloc_after(0);
	assert_int_equal(st, VAULT_ERR_NOMEM);
	assert_null(v);
	rm_vault(dir);
}

static void test_vault__record_put_out_of_memory_is_nomem(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], text[64];
	vault *v;
	vault_status st;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	/* The first allocation of a put is its ciphertext or key buffer. */
	vault__fault_alloc_after(1);
	st = put_text(v, cid, "note", VAULT_CLASS_GENERAL, "text", NULL);
	assert_true(vault__fault_alloc_hit());
	vault__fault_alloc_after(0);
	assert_int_equal(st, VAULT_ERR_NOMEM);
	assert_int_equal(get_text(v, cid, "note", 0, text, sizeof(text)), VAULT_ERR_NOT_FOUND);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__handle_functions_reject_null(void **state)
{
	char out[VAULT_VAULT_ID_BUFSIZE];
	vault_buf b = VAULT_BUF_INIT;

	(void)state;
	assert_string_equal(vault_errmsg(NULL), "no handle");
	assert_null(vault_whoami(NULL, NULL, NULL));
	assert_int_equal(vault_passwd(NULL, (const unsigned char *)"x", 1, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_begin(NULL), VAULT_ERR_INVALID);
	assert_int_equal(vault_commit(NULL), VAULT_ERR_INVALID);
	assert_int_equal(vault_rollback(NULL), VAULT_ERR_INVALID);
	assert_int_equal(vault_id(NULL, out), VAULT_ERR_INVALID);
	assert_int_equal(vault_set_purpose(NULL, VAULT_PURPOSE_AUDIT), VAULT_ERR_INVALID);
	assert_int_equal(vault_record_get(NULL, "x", "y", 0, &b, NULL, NULL), VAULT_ERR_INVALID);
	assert_int_equal(vault_record_put(NULL, "x", "y", VAULT_CLASS_GENERAL, "a", 1, NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_case_create(NULL, VAULT_CASE_VICTIM, 0, out), VAULT_ERR_INVALID);
	assert_int_equal(vault_org_add(NULL, "o", "o", VAULT_ORG_OTHER, "s",
	                               (const unsigned char *)"p", 1, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_user_add(NULL, "u", NULL, VAULT_ROLE_AUDITOR,
	                                (const unsigned char *)"p", 1, TEST_KDF),
	                 VAULT_ERR_INVALID);
	vault_buf_free(NULL);
	vault_buf_free(&b);
}

static void test_vault__set_purpose(void **state)
{
	char *dir = solo_vault();
	vault *v = th_open(dir, "admin");

	(void)state;
	assert_int_equal(vault_set_purpose(v, (vault_purpose)0), VAULT_ERR_INVALID);
	assert_true(strlen(vault_errmsg(v)) > 0);
	assert_int_equal(vault_set_purpose(v, VAULT_PURPOSE_AUDIT), VAULT_OK);
	vault_close(v);
	rm_vault(dir);
}

/* ---- busy and out-of-sequence ------------------------------------------------- */

static void test_vault__second_writer_gets_busy(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], text[64];
	vault_open_options o = VAULT_OPEN_OPTIONS_INIT;
	vault *a, *b = NULL;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	o.busy_timeout_ms = -1; /* do not wait */
	assert_int_equal(open_opts(dir, "cav_sup", &o, &b), VAULT_OK);
	a = th_open(dir, "cav_cw");
	assert_int_equal(vault_begin(a), VAULT_OK);
	assert_int_equal(put_text(a, cid, "a", VAULT_CLASS_GENERAL, "from a", NULL), VAULT_OK);
	assert_int_equal(put_text(b, cid, "b", VAULT_CLASS_GENERAL, "from b", NULL),
	                 VAULT_ERR_BUSY);
	assert_true(strlen(vault_errmsg(b)) > 0);
	/* A third handle cannot even open (opening is audited, so it writes). */
	{
		vault *c = NULL;
		o.busy_timeout_ms = 50; /* a short wait, then busy */
		assert_int_equal(open_opts(dir, "cas_cw", &o, &c), VAULT_ERR_BUSY);
		assert_null(c);
	}
	assert_int_equal(vault_commit(a), VAULT_OK);
	/* The lock is gone: b writes now, and sees a's record. */
	assert_int_equal(put_text(b, cid, "b", VAULT_CLASS_GENERAL, "from b", NULL), VAULT_OK);
	assert_int_equal(get_text(b, cid, "a", 0, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, "from a");
	vault_close(a);
	vault_close(b);
	th_rmdir(dir);
}

static void test_vault__begin_while_other_writes_is_busy(void **state)
{
	char *dir = th_network();
	vault_open_options o = VAULT_OPEN_OPTIONS_INIT;
	vault *a, *b = NULL;

	(void)state;
	o.busy_timeout_ms = -1;
	assert_int_equal(open_opts(dir, "cas_cw", &o, &b), VAULT_OK);
	a = th_open(dir, "cav_cw");
	assert_int_equal(vault_begin(a), VAULT_OK);
	assert_int_equal(vault_begin(b), VAULT_ERR_BUSY);
	/* Refused, b is not in a transaction: commit is out of sequence. */
	assert_int_equal(vault_commit(b), VAULT_ERR_STATE);
	assert_int_equal(vault_rollback(a), VAULT_OK);
	assert_int_equal(vault_begin(b), VAULT_OK);
	assert_int_equal(vault_commit(b), VAULT_OK);
	vault_close(a);
	vault_close(b);
	th_rmdir(dir);
}

static void test_vault__commit_without_begin_is_state(void **state)
{
	char *dir = solo_vault();
	vault *v = th_open(dir, "admin");

	(void)state;
	assert_int_equal(vault_commit(v), VAULT_ERR_STATE);
	assert_true(strlen(vault_errmsg(v)) > 0);
	assert_int_equal(vault_rollback(v), VAULT_ERR_STATE);
	vault_close(v);
	rm_vault(dir);
}

static void test_vault__nested_begin_is_state(void **state)
{
	char *dir = solo_vault();
	vault *v = th_open(dir, "admin");

	(void)state;
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(vault_begin(v), VAULT_ERR_STATE);
	/* The first transaction is still in force and ends normally. */
	assert_int_equal(vault_commit(v), VAULT_OK);
	assert_int_equal(vault_commit(v), VAULT_ERR_STATE);
	vault_close(v);
	rm_vault(dir);
}

static void test_vault__close_rolls_back_open_transaction(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], text[64];
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(put_text(v, cid, "draft", VAULT_CLASS_GENERAL, "unsaved", NULL),
	                 VAULT_OK);
	vault_close(v);
	v = th_open(dir, "cav_cw");
	assert_int_equal(get_text(v, cid, "draft", 0, text, sizeof(text)), VAULT_ERR_NOT_FOUND);
	vault_close(v);
	verify_log(dir);
	th_rmdir(dir);
}

/* ---- passphrase ------------------------------------------------------------------ */

static void test_vault__passwd_changes_passphrase(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "cav_cw"), *w = NULL;
	const char *np = "a new, longer passphrase";

	(void)state;
	assert_int_equal(vault_passwd(v, (const unsigned char *)np, strlen(np), TEST_KDF),
	                 VAULT_OK);
	vault_close(v);
	assert_int_equal(open_pw(dir, "cav_cw", "pw-cav_cw", &w), VAULT_ERR_AUTH);
	assert_null(w);
	assert_int_equal(open_pw(dir, "cav_cw", np, &w), VAULT_OK);
	vault_close(w);
	/* Other users are unaffected. */
	w = th_open(dir, "cav_sup");
	vault_close(w);
	th_rmdir(dir);
}

static void test_vault__passwd_rejects_invalid(void **state)
{
	char *dir = solo_vault();
	vault *v = th_open(dir, "admin");
	char longpw[VAULT_PASSPHRASE_MAX + 1];

	(void)state;
	memset(longpw, 'p', sizeof(longpw));
	assert_int_equal(vault_passwd(v, NULL, 3, TEST_KDF), VAULT_ERR_INVALID);
	assert_int_equal(vault_passwd(v, (const unsigned char *)"x", 0, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_passwd(v, (const unsigned char *)longpw, sizeof(longpw), TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_passwd(v, (const unsigned char *)"x", 1, (vault_kdf)5),
	                 VAULT_ERR_INVALID);
	vault_close(v);
	/* The old passphrase still works. */
	v = th_open(dir, "admin");
	vault_close(v);
	rm_vault(dir);
}

static void test_vault__passwd_raises_kdf_level(void **state)
{
	char *dir = solo_vault();
	vault *v = th_open(dir, "admin"), *w = NULL;
	const char *np = "stronger now";

	(void)state;
	assert_int_equal(only_slot_level(dir), VAULT_KDF_INSECURE_TEST_ONLY);
	assert_int_equal(vault_passwd(v, (const unsigned char *)np, strlen(np),
	                              VAULT_KDF_INTERACTIVE), VAULT_OK);
	vault_close(v);
	assert_int_equal(only_slot_level(dir), VAULT_KDF_INTERACTIVE);
	assert_int_equal(open_pw(dir, "admin", np, &w), VAULT_OK);
	vault_close(w);
	rm_vault(dir);
}

static void test_vault__passwd_default_level_is_the_vaults(void **state)
{
	char *dir = solo_vault();
	vault *v = th_open(dir, "admin"), *w = NULL;
	const char *np = "same level as before";

	(void)state;
	assert_int_equal(vault_passwd(v, (const unsigned char *)np, strlen(np),
	                              VAULT_KDF_DEFAULT), VAULT_OK);
	vault_close(v);
	/* The vault's default here is the test level, not MODERATE. */
	assert_int_equal(only_slot_level(dir), VAULT_KDF_INSECURE_TEST_ONLY);
	assert_int_equal(open_pw(dir, "admin", np, &w), VAULT_OK);
	vault_close(w);
	rm_vault(dir);
}

/* ---- organisations and users ------------------------------------------------------ */

static void test_vault__org_add_and_list(void **state)
{
	char *dir = solo_vault();
	vault *v = th_open(dir, "admin"), *s;
	char acc[256] = "";
	size_t n;
	const unsigned char *p = th_pass("zeta_sup", &n);

	(void)state;
	assert_int_equal(vault_org_add(v, "zeta", "Zeta centre", VAULT_ORG_ANTIVIOLENCE_CENTRE,
	                               "zeta_sup", p, n, TEST_KDF), VAULT_OK);
	p = th_pass("alfa_sup", &n);
	assert_int_equal(vault_org_add(v, "alfa", "Alfa project", VAULT_ORG_RECEPTION_CENTRE,
	                               "alfa_sup", p, n, TEST_KDF), VAULT_OK);
	assert_int_equal(vault_org_foreach(v, count_cb_org, acc), VAULT_OK);
	assert_string_equal(acc, "alfa,zeta,"); /* ordered by id */
	vault_close(v);
	/* The first supervisor has a working slot. */
	s = th_open(dir, "zeta_sup");
	{
		const char *org = NULL;
		vault_role role = 0;
		vault_whoami(s, &org, &role);
		assert_string_equal(org, "zeta");
		assert_int_equal(role, VAULT_ROLE_SUPERVISOR);
	}
	vault_close(s);
	rm_vault(dir);
}

static void test_vault__org_add_twice_is_exists(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "admin");
	size_t n;
	const unsigned char *p = th_pass("new_sup", &n);

	(void)state;
	assert_int_equal(vault_org_add(v, "cav", "again", VAULT_ORG_OTHER, "new_sup", p, n,
	                               TEST_KDF), VAULT_ERR_EXISTS);
	/* A supervisor name that already exists is refused too. */
	assert_int_equal(vault_org_add(v, "neworg", "new", VAULT_ORG_OTHER, "cav_cw", p, n,
	                               TEST_KDF), VAULT_ERR_EXISTS);
	vault_close(v);
	/* Neither attempt left a slot behind nor broke the existing one. */
	assert_int_equal(open_pw(dir, "new_sup", "pw-new_sup", &v), VAULT_ERR_AUTH);
	v = th_open(dir, "cav_cw");
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__org_add_rejects_invalid(void **state)
{
	char *dir = solo_vault();
	vault *v = th_open(dir, "admin");
	const unsigned char *p = (const unsigned char *)"pw";

	(void)state;
	assert_int_equal(vault_org_add(v, "bad id", "x", VAULT_ORG_OTHER, "s", p, 2, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_org_add(v, "o", "", VAULT_ORG_OTHER, "s", p, 2, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_org_add(v, "o", "x\ny", VAULT_ORG_OTHER, "s", p, 2, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_org_add(v, "o", "x", (vault_org_kind)0, "s", p, 2, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_org_add(v, "o", "x", VAULT_ORG_OTHER, NULL, p, 2, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_org_add(v, "o", "x", VAULT_ORG_OTHER, "s", p, 0, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_org_add(v, "o", "x", VAULT_ORG_OTHER, "s", p, 2, (vault_kdf)7),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_org_foreach(v, NULL, NULL), VAULT_ERR_INVALID);
	vault_close(v);
	rm_vault(dir);
}

static void test_vault__org_add_by_non_admin_is_denied(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "cav_sup");
	size_t n;
	const unsigned char *p = th_pass("x_sup", &n);

	(void)state;
	assert_int_equal(vault_org_add(v, "rogue", "rogue", VAULT_ORG_OTHER, "x_sup", p, n,
	                               TEST_KDF), VAULT_ERR_DENIED);
	vault_close(v);
	assert_int_equal(open_pw(dir, "x_sup", "pw-x_sup", &v), VAULT_ERR_AUTH);
	th_rmdir(dir);
}

static void test_vault__admin_adds_auditor(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "admin");
	size_t n;
	const unsigned char *p = th_pass("aud2", &n);
	vault_role role = 0;
	const char *org = "x";

	(void)state;
	assert_int_equal(vault_user_add(v, "aud2", NULL, VAULT_ROLE_AUDITOR, p, n, TEST_KDF),
	                 VAULT_OK);
	vault_close(v);
	v = th_open(dir, "aud2");
	vault_whoami(v, &org, &role);
	assert_null(org);
	assert_int_equal(role, VAULT_ROLE_AUDITOR);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__supervisor_adds_caseworker_to_own_org(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "cas_sup");
	char cid[VAULT_ID_BUFSIZE];
	size_t n;
	const unsigned char *p = th_pass("cas_cw2", &n);
	const char *org = NULL;
	char *text = NULL;

	(void)state;
	/* A case of the organisation exists before she joins. */
	assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, cid), VAULT_OK);
	assert_int_equal(put_text(v, cid, "intake", VAULT_CLASS_GENERAL, "history", NULL),
	                 VAULT_OK);
	assert_int_equal(vault_user_add(v, "cas_cw2", "cas", VAULT_ROLE_CASEWORKER, p, n,
	                                TEST_KDF), VAULT_OK);
	vault_close(v);
	v = th_open(dir, "cas_cw2");
	vault_whoami(v, &org, NULL);
	assert_string_equal(org, "cas");
	vault_close(v);
	/* Holding the organisation key, she reads the organisation's case. */
	assert_int_equal(th_get(dir, "cas_cw2", cid, "intake", &text), VAULT_OK);
	assert_string_equal(text, "history");
	free(text);
	th_rmdir(dir);
}

static void test_vault__supervisor_adds_to_other_org_is_denied(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "cas_sup");
	size_t n;
	const unsigned char *p = th_pass("spy", &n);

	(void)state;
	assert_int_equal(vault_user_add(v, "spy", "cav", VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	                 VAULT_ERR_DENIED);
	assert_int_equal(vault_user_add(v, "spy", NULL, VAULT_ROLE_ADMIN, p, n, TEST_KDF),
	                 VAULT_ERR_DENIED);
	vault_close(v);
	assert_int_equal(open_pw(dir, "spy", "pw-spy", &v), VAULT_ERR_AUTH);
	th_rmdir(dir);
}

static void test_vault__caseworker_adding_user_is_denied(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "cav_cw");
	size_t n;
	const unsigned char *p = th_pass("friend", &n);

	(void)state;
	assert_int_equal(vault_user_add(v, "friend", NULL, VAULT_ROLE_CASEWORKER, p, n,
	                                TEST_KDF), VAULT_ERR_DENIED);
	assert_int_equal(vault_user_add(v, "friend", "cav", VAULT_ROLE_CASEWORKER, p, n,
	                                TEST_KDF), VAULT_ERR_DENIED);
	assert_true(strlen(vault_errmsg(v)) > 0);
	vault_close(v);
	assert_int_equal(open_pw(dir, "friend", "pw-friend", &v), VAULT_ERR_AUTH);
	th_rmdir(dir);
}

static void test_vault__admin_adding_caseworker_is_denied(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "admin");
	size_t n;
	const unsigned char *p = th_pass("cw9", &n);

	(void)state;
	/* The admin holds no organisation key, so cannot seal one to her. */
	assert_int_equal(vault_user_add(v, "cw9", "cav", VAULT_ROLE_CASEWORKER, p, n, TEST_KDF),
	                 VAULT_ERR_DENIED);
	vault_close(v);
	assert_int_equal(open_pw(dir, "cw9", "pw-cw9", &v), VAULT_ERR_AUTH);
	th_rmdir(dir);
}

static void test_vault__user_add_twice_is_exists(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "cav_sup");
	size_t n;
	const unsigned char *p = th_pass("other", &n);

	(void)state;
	assert_int_equal(vault_user_add(v, "cav_cw", NULL, VAULT_ROLE_CASEWORKER, p, n,
	                                TEST_KDF), VAULT_ERR_EXISTS);
	vault_close(v);
	/* The existing user's slot is intact. */
	v = th_open(dir, "cav_cw");
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__user_add_unknown_org_is_not_found(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "admin");
	size_t n;
	const unsigned char *p = th_pass("ghost", &n);

	(void)state;
	assert_int_equal(vault_user_add(v, "ghost", "no_such_org", VAULT_ROLE_SUPERVISOR, p, n,
	                                TEST_KDF), VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_user_add(v, "bad name", NULL, VAULT_ROLE_AUDITOR, p, n, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_user_add(v, "ghost", NULL, (vault_role)9, p, n, TEST_KDF),
	                 VAULT_ERR_INVALID);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__user_list_and_disable(void **state)
{
	char *dir = th_network();
	vault *v = th_open(dir, "cav_sup"), *w = NULL;
	char acc[1024] = "";

	(void)state;
	assert_int_equal(vault_user_disable(v, "cav_cw"), VAULT_OK);
	assert_int_equal(vault_user_foreach(v, count_cb_user, acc), VAULT_OK);
	assert_string_equal(acc, "admin,admin2,asl_cw,asl_sup,aud,cas_cw,cas_sup,cav_cw-,"
	                         "cav_sup,cuav_cw,cuav_sup,oth_sup,pref_sup,");
	/* Disabling twice: she is no longer an active user. */
	assert_int_equal(vault_user_disable(v, "cav_cw"), VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_user_disable(v, "nobody"), VAULT_ERR_NOT_FOUND);
	/* Not a member of another organisation. */
	assert_int_equal(vault_user_disable(v, "cas_cw"), VAULT_ERR_DENIED);
	vault_close(v);
	assert_int_equal(open_pw(dir, "cav_cw", "pw-cav_cw", &w), VAULT_ERR_AUTH);
	assert_null(w);
	w = th_open(dir, "cas_cw");
	vault_close(w);
	th_rmdir(dir);
}

/* ---- cases ---------------------------------------------------------------------- */

static void test_vault__case_create_list_show(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], cid2[VAULT_ID_BUFSIZE];
	struct case_seen seen;
	vault *v = th_open(dir, "cav_cw");
	size_t i;

	(void)state;
	assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, cid), VAULT_OK);
	assert_int_equal(strlen(cid), VAULT_ID_LEN);
	for (i = 0; i < VAULT_ID_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", cid[i]));
	assert_int_equal(vault_case_create(v, VAULT_CASE_PERPETRATOR, 0, cid2), VAULT_OK);
	assert_string_not_equal(cid, cid2);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(vault_case_foreach(v, case_cb, &seen), VAULT_OK);
	assert_int_equal(seen.count, 2);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(vault_case_show(v, cid, case_cb, &seen), VAULT_OK);
	assert_int_equal(seen.count, 1);
	assert_int_equal(seen.last.kind, VAULT_CASE_VICTIM);
	assert_string_equal(seen.owner, "cav");
	assert_string_equal(seen.creator, "cav_cw");
	assert_int_equal(seen.last.restricted, 0);
	assert_int_equal(seen.last.readable, VAULT_CLASS_ALL);
	assert_int_equal(seen.last.writable, VAULT_CLASS_ALL);
	assert_true(seen.last.created > 0);
	vault_close(v);

	/* A colleague of the same organisation sees it too. */
	v = th_open(dir, "cav_sup");
	memset(&seen, 0, sizeof(seen));
	snprintf(seen.id, sizeof(seen.id), "%s", cid);
	assert_int_equal(vault_case_foreach(v, case_cb, &seen), VAULT_OK);
	assert_int_equal(seen.count, 1);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__case_of_other_org_is_invisible(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	struct case_seen seen;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cas_cw");
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(vault_case_foreach(v, case_cb, &seen), VAULT_OK);
	assert_int_equal(seen.count, 0);
	assert_int_equal(vault_case_show(v, cid, case_cb, &seen), VAULT_ERR_DENIED);
	assert_int_equal(seen.count, 0);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__case_show_unknown_is_not_found(void **state)
{
	char *dir = th_network();
	struct case_seen seen;
	vault *v = th_open(dir, "cav_cw");

	(void)state;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(vault_case_show(v, "0123456789abcdef0123456789abcdef", case_cb, &seen),
	                 VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_case_show(v, "not-a-case-id", case_cb, &seen), VAULT_ERR_INVALID);
	assert_int_equal(vault_case_show(v, NULL, case_cb, &seen), VAULT_ERR_INVALID);
	assert_int_equal(seen.count, 0);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__case_create_rejects_invalid_and_roles(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	vault *v = th_open(dir, "cav_cw");

	(void)state;
	assert_int_equal(vault_case_create(v, (vault_case_kind)9, 0, cid), VAULT_ERR_INVALID);
	assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0x10, cid), VAULT_ERR_INVALID);
	assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, NULL), VAULT_ERR_INVALID);
	vault_close(v);
	/* Admins and auditors hold no case content: they cannot open cases. */
	v = th_open(dir, "admin");
	assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, cid), VAULT_ERR_DENIED);
	vault_close(v);
	v = th_open(dir, "aud");
	assert_int_equal(vault_case_create(v, VAULT_CASE_VICTIM, 0, cid), VAULT_ERR_DENIED);
	vault_close(v);
	th_rmdir(dir);
}

/* ---- records ----------------------------------------------------------------------- */

static void test_vault__record_put_get_versions(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], text[128];
	vault *v;
	uint32_t ver = 0;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(put_text(v, cid, "intake", VAULT_CLASS_GENERAL, "first", &ver), VAULT_OK);
	assert_int_equal(ver, 1);
	assert_int_equal(put_text(v, cid, "intake", VAULT_CLASS_GENERAL, "second", &ver), VAULT_OK);
	assert_int_equal(ver, 2);
	assert_int_equal(put_text(v, cid, "intake", VAULT_CLASS_GENERAL, "third", NULL), VAULT_OK);
	assert_int_equal(get_text(v, cid, "intake", 0, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, "third");
	assert_int_equal(get_text(v, cid, "intake", 1, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, "first");
	assert_int_equal(get_text(v, cid, "intake", 2, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, "second");
	vault_close(v);
	/* Durable: another handle of the organisation reads it. */
	v = th_open(dir, "cav_sup");
	assert_int_equal(get_text(v, cid, "intake", 0, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, "third");
	vault_close(v);
	th_rmdir(dir);
}

struct info_seen {
	int calls;
	vault_record_info info;
	char author[VAULT_NAME_MAX + 1];
};

static int info_cb(const vault_record_info *i, void *ctx)
{
	struct info_seen *s = ctx;

	s->calls++;
	s->info = *i;
	snprintf(s->author, sizeof(s->author), "%s", i->author);
	return 0;
}

static int stop_cb(const vault_record_info *i, void *ctx)
{
	(void)i;
	(void)ctx;
	return 42;
}

static void test_vault__record_get_reports_metadata(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	vault_buf b = VAULT_BUF_INIT;
	struct info_seen s;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(put_text(v, cid, "health", VAULT_CLASS_SENSITIVE, "0123456789", NULL),
	                 VAULT_OK);
	memset(&s, 0, sizeof(s));
	assert_int_equal(vault_record_get(v, cid, "health", 0, &b, info_cb, &s), VAULT_OK);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.info.cls, VAULT_CLASS_SENSITIVE);
	assert_int_equal(s.info.version, 1);
	assert_int_equal(s.info.size, 10);
	assert_int_equal(s.info.deleted, 0);
	assert_string_equal(s.author, "cav_cw");
	assert_int_equal(b.len, 10);
	vault_buf_free(&b);
	/* A callback that stops: its value comes back, and no data. */
	assert_int_equal(vault_record_get(v, cid, "health", 0, &b, stop_cb, NULL), 42);
	assert_null(b.data);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__record_empty_and_binary(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	unsigned char bin[300];
	vault_buf b = VAULT_BUF_INIT;
	vault *v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)i;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(vault_record_put(v, cid, "empty", VAULT_CLASS_GENERAL, NULL, 0, NULL),
	                 VAULT_OK);
	assert_int_equal(vault_record_put(v, cid, "bin", VAULT_CLASS_SAFETY, bin, sizeof(bin),
	                                  NULL), VAULT_OK);
	assert_int_equal(vault_record_get(v, cid, "empty", 0, &b, NULL, NULL), VAULT_OK);
	assert_int_equal(b.len, 0);
	vault_buf_free(&b);
	assert_int_equal(vault_record_get(v, cid, "bin", 0, &b, NULL, NULL), VAULT_OK);
	assert_int_equal(b.len, sizeof(bin));
	assert_memory_equal(b.data, bin, sizeof(bin));
	vault_buf_free(&b);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__record_put_rejects_invalid(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], longname[VAULT_NAME_MAX + 2];
	vault_buf b = VAULT_BUF_INIT;
	vault *v;

	(void)state;
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(put_text(v, cid, "", VAULT_CLASS_GENERAL, "x", NULL), VAULT_ERR_INVALID);
	assert_int_equal(put_text(v, cid, "a/b", VAULT_CLASS_GENERAL, "x", NULL), VAULT_ERR_INVALID);
	assert_int_equal(put_text(v, cid, longname, VAULT_CLASS_GENERAL, "x", NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(put_text(v, cid, "n", (vault_class)3, "x", NULL), VAULT_ERR_INVALID);
	assert_int_equal(put_text(v, cid, "n", (vault_class)0, "x", NULL), VAULT_ERR_INVALID);
	assert_int_equal(put_text(v, "xyz", "n", VAULT_CLASS_GENERAL, "x", NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_record_put(v, cid, "n", VAULT_CLASS_GENERAL, NULL, 5, NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_record_put(v, cid, "n", VAULT_CLASS_GENERAL, "x",
	                                  (size_t)VAULT_RECORD_MAX + 1, NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_record_get(v, cid, "n", 0, NULL, NULL, NULL), VAULT_ERR_INVALID);
	assert_int_equal(vault_record_get(v, cid, "a b", 0, &b, NULL, NULL), VAULT_ERR_INVALID);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__record_unknown_is_not_found(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], text[64];
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(put_text(v, cid, "intake", VAULT_CLASS_GENERAL, "x", NULL), VAULT_OK);
	assert_int_equal(get_text(v, cid, "nothing", 0, text, sizeof(text)), VAULT_ERR_NOT_FOUND);
	assert_int_equal(get_text(v, cid, "intake", 2, text, sizeof(text)), VAULT_ERR_NOT_FOUND);
	assert_int_equal(get_text(v, "00000000000000000000000000000000", "intake", 0, text,
	                          sizeof(text)), VAULT_ERR_NOT_FOUND);
	assert_int_equal(put_text(v, "00000000000000000000000000000000", "intake",
	                          VAULT_CLASS_GENERAL, "x", NULL), VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_record_delete(v, cid, "nothing", NULL), VAULT_ERR_NOT_FOUND);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__record_list_and_history(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	struct rec_seen r;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(put_text(v, cid, "plan", VAULT_CLASS_SAFETY, "p1", NULL), VAULT_OK);
	assert_int_equal(put_text(v, cid, "intake", VAULT_CLASS_GENERAL, "i1", NULL), VAULT_OK);
	assert_int_equal(put_text(v, cid, "intake", VAULT_CLASS_GENERAL, "i2", NULL), VAULT_OK);
	assert_int_equal(put_text(v, cid, "legal", VAULT_CLASS_SENSITIVE, "l1", NULL), VAULT_OK);

	memset(&r, 0, sizeof(r));
	assert_int_equal(vault_record_foreach(v, cid, rec_cb, &r), VAULT_OK);
	assert_int_equal(r.count, 3);
	assert_string_equal(r.names, "intake,legal,plan,"); /* by name, latest only */
	assert_int_equal(r.versions[0], 2);
	assert_int_equal(r.cls[1], VAULT_CLASS_SENSITIVE);
	assert_int_equal(r.cls[2], VAULT_CLASS_SAFETY);

	memset(&r, 0, sizeof(r));
	assert_int_equal(vault_record_history(v, cid, "intake", rec_cb, &r), VAULT_OK);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.versions[0], 1);
	assert_int_equal(r.versions[1], 2);

	assert_int_equal(vault_record_foreach(v, cid, NULL, NULL), VAULT_ERR_INVALID);
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__record_delete_is_tombstone(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], text[64];
	struct rec_seen r;
	uint32_t ver = 0;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(put_text(v, cid, "addr", VAULT_CLASS_SAFETY, "Via Roma 1", NULL),
	                 VAULT_OK);
	assert_int_equal(put_text(v, cid, "addr", VAULT_CLASS_SAFETY, "Via Milano 2", NULL),
	                 VAULT_OK);
	assert_int_equal(vault_record_delete(v, cid, "addr", &ver), VAULT_OK);
	assert_int_equal(ver, 3);
	assert_int_equal(get_text(v, cid, "addr", 0, text, sizeof(text)), VAULT_ERR_NOT_FOUND);
	assert_int_equal(get_text(v, cid, "addr", 3, text, sizeof(text)), VAULT_ERR_NOT_FOUND);
	assert_int_equal(get_text(v, cid, "addr", 1, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, "Via Roma 1");
	assert_int_equal(get_text(v, cid, "addr", 2, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, "Via Milano 2");
	/* Deleting again: nothing to delete. */
	assert_int_equal(vault_record_delete(v, cid, "addr", NULL), VAULT_ERR_NOT_FOUND);

	memset(&r, 0, sizeof(r));
	assert_int_equal(vault_record_foreach(v, cid, rec_cb, &r), VAULT_OK);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.deleted[0], 1);
	assert_int_equal(r.versions[0], 3);
	assert_int_equal(r.cls[0], VAULT_CLASS_SAFETY);
	memset(&r, 0, sizeof(r));
	assert_int_equal(vault_record_history(v, cid, "addr", rec_cb, &r), VAULT_OK);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.deleted[0], 0);
	assert_int_equal(r.deleted[2], 1);
	/* A new put after the tombstone revives the record. */
	assert_int_equal(put_text(v, cid, "addr", VAULT_CLASS_SAFETY, "Via Napoli 3", &ver),
	                 VAULT_OK);
	assert_int_equal(ver, 4);
	assert_int_equal(get_text(v, cid, "addr", 0, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, "Via Napoli 3");
	vault_close(v);
	th_rmdir(dir);
}

static void test_vault__record_other_org_is_denied(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], text[64];
	struct rec_seen r;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	th_put(dir, "cav_cw", cid, "intake", VAULT_CLASS_GENERAL, "secret");
	v = th_open(dir, "cas_cw");
	assert_int_equal(get_text(v, cid, "intake", 0, text, sizeof(text)), VAULT_ERR_DENIED);
	assert_int_equal(put_text(v, cid, "intake", VAULT_CLASS_GENERAL, "mine", NULL),
	                 VAULT_ERR_DENIED);
	assert_int_equal(vault_record_delete(v, cid, "intake", NULL), VAULT_ERR_DENIED);
	memset(&r, 0, sizeof(r));
	assert_int_equal(vault_record_foreach(v, cid, rec_cb, &r), VAULT_ERR_DENIED);
	assert_int_equal(vault_record_history(v, cid, "intake", rec_cb, &r), VAULT_ERR_DENIED);
	assert_int_equal(r.count, 0);
	/* An unknown record of a case she may not see is refused, not "not found". */
	assert_int_equal(get_text(v, cid, "nothing", 0, text, sizeof(text)), VAULT_ERR_DENIED);
	vault_close(v);
	th_rmdir(dir);
}

/* ---- the caller's transactions ----------------------------------------------------- */

static void test_vault__begin_commit_thousand_puts(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], name[32], want[32], text[64];
	vault *v;
	int i;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(vault_begin(v), VAULT_OK);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "r%04d", i);
		snprintf(want, sizeof(want), "value %d", i);
		assert_int_equal(put_text(v, cid, name, (vault_class)(1u << (i % 3)), want, NULL),
		                 VAULT_OK);
	}
	assert_int_equal(vault_commit(v), VAULT_OK);
	vault_close(v);
	v = th_open(dir, "cav_sup");
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "r%04d", i);
		snprintf(want, sizeof(want), "value %d", i);
		assert_int_equal(get_text(v, cid, name, 0, text, sizeof(text)), VAULT_OK);
		assert_string_equal(text, want);
	}
	vault_close(v);
	verify_log(dir);
	th_rmdir(dir);
}

static void test_vault__begin_rollback_leaves_nothing(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], name[32], text[64];
	long long audit_before, records_before;
	vault *v;
	int i;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(put_text(v, cid, "kept", VAULT_CLASS_GENERAL, "kept", NULL), VAULT_OK);
	audit_before = db_int(dir, "cav_cw", "SELECT count(*) FROM audit");
	records_before = db_int(dir, "cav_cw", "SELECT count(*) FROM records");
	assert_int_equal(vault_begin(v), VAULT_OK);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "gone%d", i);
		assert_int_equal(put_text(v, cid, name, VAULT_CLASS_GENERAL, "gone", NULL), VAULT_OK);
	}
	/* Reads wait for the commit: their entry must be durable first. */
	assert_int_equal(get_text(v, cid, "gone3", 0, text, sizeof(text)), VAULT_ERR_STATE);
	assert_int_equal(vault_record_delete(v, cid, "kept", NULL), VAULT_OK);
	assert_int_equal(vault_rollback(v), VAULT_OK);
	/* Rows and audit entries of the rolled-back work are all gone. */
	assert_int_equal(db_int(dir, "cav_cw", "SELECT count(*) FROM audit"), audit_before);
	assert_int_equal(db_int(dir, "cav_cw", "SELECT count(*) FROM records"), records_before);
	assert_int_equal(get_text(v, cid, "gone3", 0, text, sizeof(text)), VAULT_ERR_NOT_FOUND);
	assert_int_equal(get_text(v, cid, "kept", 0, text, sizeof(text)), VAULT_OK);
	/* And the handle goes on working, the log still verifies. */
	assert_int_equal(put_text(v, cid, "after", VAULT_CLASS_GENERAL, "after", NULL), VAULT_OK);
	vault_close(v);
	verify_log(dir);
	th_rmdir(dir);
}

/* A failed write inside a transaction ends it (its entry is committed on its
 * own: see test_disclosure); bad arguments, refused before anything is
 * attempted, do not. */
static void test_vault__failed_op_inside_transaction_ends_it(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], text[64];
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(put_text(v, cid, "one", VAULT_CLASS_GENERAL, "1", NULL), VAULT_OK);
	assert_int_equal(put_text(v, cid, "bad name", VAULT_CLASS_GENERAL, "x", NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(put_text(v, cid, "two", VAULT_CLASS_GENERAL, "2", NULL), VAULT_OK);
	assert_int_equal(vault_record_delete(v, "0123456789abcdef0123456789abcdef", "x", NULL),
	                 VAULT_ERR_NOT_FOUND);
	assert_int_equal(put_text(v, cid, "three", VAULT_CLASS_GENERAL, "3", NULL),
	                 VAULT_ERR_STATE);
	assert_int_equal(vault_commit(v), VAULT_ERR_STATE);
	assert_int_equal(get_text(v, cid, "one", 0, text, sizeof(text)), VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(put_text(v, cid, "four", VAULT_CLASS_GENERAL, "4", NULL), VAULT_OK);
	assert_int_equal(vault_commit(v), VAULT_OK);
	assert_int_equal(get_text(v, cid, "four", 0, text, sizeof(text)), VAULT_OK);
	vault_close(v);
	verify_log(dir);
	th_rmdir(dir);
}

/* ---- schema migration ------------------------------------------------------------- */


/* ---- two handles, two threads ------------------------------------------------------ */

struct writer {
	const char *dir;
	const char *user;
	char cid[VAULT_ID_BUFSIZE];
	int failures;
	vault_status first_error;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char name[32], text[64];
	size_t n;
	const unsigned char *p;
	vault *v = NULL;
	int i;

	/* th_pass uses a static ring: build the passphrase locally. */
	snprintf(text, sizeof(text), "pw-%s", w->user);
	p = (const unsigned char *)text;
	n = strlen(text);
	w->first_error = vault_open(w->dir, w->user, p, n, NULL, &v);
	if (w->first_error != VAULT_OK) {
		w->failures = 200;
		return NULL;
	}
	for (i = 0; i < 200; i++) {
		vault_status st;
		snprintf(name, sizeof(name), "rec%03d", i);
		snprintf(text, sizeof(text), "%s wrote %d", w->user, i);
		st = vault_record_put(v, w->cid, name, VAULT_CLASS_GENERAL, text, strlen(text),
		                      NULL);
		if (st != VAULT_OK) {
			if (w->failures++ == 0)
				w->first_error = st;
		}
	}
	vault_close(v);
	return NULL;
}

static void test_vault__two_handles_two_threads(void **state)
{
	char *dir = th_network();
	struct writer w[2];
	pthread_t t[2];
	char name[32], want[64], text[64];
	vault *v;
	int i, k;

	(void)state;
	memset(w, 0, sizeof(w));
	w[0].dir = w[1].dir = dir;
	w[0].user = "cav_cw";
	w[1].user = "cas_cw";
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, w[0].cid);
	th_case(dir, "cas_cw", VAULT_CASE_VICTIM, 0, w[1].cid);
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&t[k], NULL, writer_main, &w[k]), 0);
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_join(t[k], NULL), 0);
	for (k = 0; k < 2; k++)
		if (w[k].failures != 0)
			fail_msg("%s: %d failures, first %s", w[k].user, w[k].failures,
			         vault_strerror(w[k].first_error));
	for (k = 0; k < 2; k++) {
		v = th_open(dir, w[k].user);
		for (i = 0; i < 200; i++) {
			snprintf(name, sizeof(name), "rec%03d", i);
			snprintf(want, sizeof(want), "%s wrote %d", w[k].user, i);
			assert_int_equal(get_text(v, w[k].cid, name, 0, text, sizeof(text)), VAULT_OK);
			assert_string_equal(text, want);
		}
		vault_close(v);
	}
	verify_log(dir);
	th_rmdir(dir);
}

/* A handle whose user changed her passphrase through another handle would
 * sign with keys no verifier accepts: its next operation is refused, though
 * the same check passed before (the handle remembers what it compared). */
static void test_vault__stale_signer_refused(void **state)
{
	const char *np = "a long new passphrase for the centre";
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	vault *a, *b;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	a = th_open(dir, "cav_cw");
	assert_int_equal(vault_record_put(a, cid, "r1", VAULT_CLASS_GENERAL, "one", 3, NULL),
	                 VAULT_OK);
	b = th_open(dir, "cav_cw");
	assert_int_equal(vault_passwd(b, (const unsigned char *)np, strlen(np), TEST_KDF),
	                 VAULT_OK);
	vault_close(b);
	assert_int_equal(vault_record_put(a, cid, "r2", VAULT_CLASS_GENERAL, "two", 3, NULL),
	                 VAULT_ERR_STATE);
	assert_non_null(strstr(vault_errmsg(a), "your keys changed"));
	vault_close(a);
	verify_log(dir);
	th_rmdir(dir);
}

/* ---- first passphrases, passwd, the key-slot file (issues 9 and 10) ------- */

/* Every kind of call a handle can make, with arguments that reach the
 * library's checks; each result into st[], in a fixed order. */
static int nop_case(const vault_case_info *i, void *ctx) { (void)i; (void)ctx; return 0; }
static int nop_rec(const vault_record_info *i, void *ctx) { (void)i; (void)ctx; return 0; }
static int nop_user(const vault_user_info *i, void *ctx) { (void)i; (void)ctx; return 0; }
static int nop_org(const vault_org_info *i, void *ctx) { (void)i; (void)ctx; return 0; }
static int nop_audit(const vault_audit_entry *e, void *ctx) { (void)e; (void)ctx; return 0; }

#define NCALLS 19
static void every_call(vault *v, const char *cid, vault_status st[NCALLS])
{
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_verify_result r;
	vault_buf b = VAULT_BUF_INIT;
	char id[VAULT_ID_BUFSIZE], vid[VAULT_VAULT_ID_BUFSIZE];
	int due = 0, i = 0;

	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "referral";
	vault_verify_result_init(&r, VAULT_VERIFY_RESULT_VERSION);
	st[i++] = vault_case_create(v, VAULT_CASE_VICTIM, 0, id);
	st[i++] = vault_case_foreach(v, nop_case, NULL);
	st[i++] = vault_case_show(v, cid, nop_case, NULL);
	st[i++] = put_text(v, cid, "first-week", VAULT_CLASS_GENERAL, "x", NULL);
	st[i++] = vault_record_get(v, cid, "note", 0, &b, NULL, NULL);
	vault_buf_free(&b);
	st[i++] = vault_record_foreach(v, cid, nop_rec, NULL);
	st[i++] = vault_record_history(v, cid, "note", nop_rec, NULL);
	st[i++] = vault_consent_add(v, cid, &co, id);
	st[i++] = vault_share(v, cid, VAULT_PRINCIPAL_USER, "cav_sup", VAULT_CLASS_GENERAL, NULL);
	st[i++] = vault_user_foreach(v, nop_user, NULL);
	st[i++] = vault_org_foreach(v, nop_org, NULL);
	st[i++] = vault_audit_foreach(v, &q, nop_audit, NULL);
	st[i++] = vault_audit_verify(v, NULL, &r, NULL, NULL);
	st[i++] = vault_id(v, vid);
	st[i++] = vault_set_purpose(v, VAULT_PURPOSE_REFERRAL);
	st[i++] = vault_begin(v);
	if (st[i - 1] == VAULT_OK)
		vault_rollback(v);
	st[i++] = vault_user_must_change(v, "cav_cw", &due);
	st[i++] = vault_break_glass(v, cid, "she called from the hospital at night", 0);
	st[i++] = vault_user_disable(v, "nobody_here");
	assert_int_equal(i, NCALLS);
}

/* Before her passwd every call is PASSWD_EXPIRED, saying what to run;
 * after it, none is. */
static void expired_then_free(const char *dir, const char *who, const char *first,
                              const char *cid)
{
	vault_status st[NCALLS];
	vault *v = NULL;
	int i;

	assert_int_equal(open_pw(dir, who, first, &v), VAULT_OK); /* open still works */
	every_call(v, cid, st);
	for (i = 0; i < NCALLS; i++) {
		if (st[i] != VAULT_ERR_PASSWD_EXPIRED)
			fail_msg("%s: call %d before passwd gave %s", who, i, vault_strerror(st[i]));
	}
	assert_non_null(strstr(vault_errmsg(v), "vault passwd"));
	assert_non_null(strstr(vault_errmsg(v), "vault_passwd()"));
	/* Each attempt on content, users or the log is recorded as refused:
	 * whoever chose the passphrase may be the one trying. */
	{
		char sql[256];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE actor = '%s' AND"
		         " outcome = 'denied' AND reason = 'the passphrase must be changed first'"
		         " AND action IN ('record.get', 'case.create', 'share', 'user.list')", who);
		assert_int_equal(db_int(dir, "admin", sql), 4);
	}
	/* The same passphrase is refused; another one is her own. */
	assert_int_equal(vault_passwd(v, (const unsigned char *)first, strlen(first), TEST_KDF),
	                 VAULT_ERR_WEAK_PASSPHRASE);
	assert_non_null(strstr(vault_errmsg(v), "in use"));
	assert_int_equal(vault_passwd(v, (const unsigned char *)"my own, now", 11, TEST_KDF),
	                 VAULT_OK);
	every_call(v, cid, st);
	for (i = 0; i < NCALLS; i++) {
		if (st[i] == VAULT_ERR_PASSWD_EXPIRED)
			fail_msg("%s: call %d after passwd still expired", who, i);
	}
	vault_close(v);
	/* A new handle is free from the start. */
	assert_int_equal(open_pw(dir, who, "my own, now", &v), VAULT_OK);
	assert_int_equal(vault_id(v, (char[VAULT_VAULT_ID_BUFSIZE]){0}), VAULT_OK);
	vault_close(v);
}

static void test_vault__first_passphrase_caseworker_must_change(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	vault *sup = th_open(dir, "cav_sup");
	int due = -1;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	th_put(dir, "cav_cw", cid, "note", VAULT_CLASS_GENERAL, "hello");
	assert_int_equal(vault_user_add(sup, "newcw", NULL, VAULT_ROLE_CASEWORKER,
	                                (const unsigned char *)"told on the phone", 17,
	                                TEST_KDF), VAULT_OK);
	assert_int_equal(vault_user_must_change(sup, "newcw", &due), VAULT_OK);
	assert_int_equal(due, 1);
	assert_int_equal(vault_user_must_change(sup, "cav_cw", &due), VAULT_OK);
	assert_int_equal(due, 0);
	expired_then_free(dir, "newcw", "told on the phone", cid);
	assert_int_equal(vault_user_must_change(sup, "newcw", &due), VAULT_OK);
	assert_int_equal(due, 0);
	assert_int_equal(vault_user_must_change(sup, "nobody", &due), VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_user_must_change(sup, "bad name!", &due), VAULT_ERR_INVALID);
	vault_close(sup);
	verify_log(dir);
	th_rmdir(dir);
}

static void test_vault__first_passphrase_supervisor_must_change(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	vault *adm = th_open(dir, "admin");
	int due = -1;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	assert_int_equal(vault_org_add(adm, "neworg", "New", VAULT_ORG_OTHER, "newsup",
	                               (const unsigned char *)"chosen by the admin", 19,
	                               TEST_KDF), VAULT_OK);
	assert_int_equal(vault_user_must_change(adm, "newsup", &due), VAULT_OK);
	assert_int_equal(due, 1);
	vault_close(adm);
	expired_then_free(dir, "newsup", "chosen by the admin", cid);
	th_rmdir(dir);
}

/* A vault at a real KDF level: zxcvbn judges new passphrases. */
static char *interactive_vault(void)
{
	char *base = th_tmpdir();
	char dir[4096];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	size_t n;
	const unsigned char *p = th_pass("admin", &n);

	snprintf(dir, sizeof(dir), "%s/v", base);
	free(base);
	o.kdf = VAULT_KDF_INTERACTIVE;
	assert_int_equal(vault_create(dir, "admin", p, n, &o, NULL), VAULT_OK);
	return strdup(dir);
}

static void test_vault__passwd_refuses_weak_passphrases(void **state)
{
	static const char *const weak[] = {"password1", "admin", "qwertyuiop", "aaaaaaaaaaaa",
	                                   "12345678", "admin2024!"};
	char *dir = interactive_vault();
	vault *v = NULL;
	size_t i;

	(void)state;
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		assert_int_equal(vault_passwd(v, (const unsigned char *)weak[i], strlen(weak[i]),
		                              VAULT_KDF_DEFAULT), VAULT_ERR_WEAK_PASSPHRASE);
		/* The reason, never the passphrase. */
		assert_non_null(strstr(vault_errmsg(v), "too easy to guess"));
		assert_null(strstr(vault_errmsg(v), weak[i]));
	}
	assert_non_null(strstr(vault_errmsg(v), "your name")); /* "admin2024!" */
	/* Nothing changed: the old passphrase still opens. */
	vault_close(v);
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	assert_int_equal(vault_passwd(v, (const unsigned char *)"granite lantern 48 oboe meadow",
	                              30, VAULT_KDF_DEFAULT), VAULT_OK);
	vault_close(v);
	assert_int_equal(open_pw(dir, "admin", "granite lantern 48 oboe meadow", &v), VAULT_OK);
	vault_close(v);
	rm_vault(dir);
}

/* Test-only vaults skip the estimate (so suites stay fast and simple). */
static void test_vault__passwd_test_level_skips_strength(void **state)
{
	char *dir = solo_vault();
	vault *v = NULL;

	(void)state;
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	assert_int_equal(vault_passwd(v, (const unsigned char *)"abc", 3, TEST_KDF), VAULT_OK);
	vault_close(v);
	assert_int_equal(open_pw(dir, "admin", "abc", &v), VAULT_OK);
	vault_close(v);
	rm_vault(dir);
}

/* A slot cheaper than the vault's default would answer a wrong passphrase
 * faster than an unknown name (which costs the default): refused. */
static void test_vault__slot_cheaper_than_default_refused(void **state)
{
	char *dir = interactive_vault();
	vault *v = NULL;

	(void)state;
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	assert_int_equal(vault_user_add(v, "aud", NULL, VAULT_ROLE_AUDITOR,
	                                (const unsigned char *)"x", 1, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_non_null(strstr(vault_errmsg(v), "cheaper than the vault's default"));
	assert_int_equal(vault_org_add(v, "o", "O", VAULT_ORG_OTHER, "s",
	                               (const unsigned char *)"x", 1, TEST_KDF),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_passwd(v, (const unsigned char *)"granite lantern 48 oboe", 23,
	                              TEST_KDF), VAULT_ERR_INVALID);
	assert_non_null(strstr(vault_errmsg(v), "cheaper"));
	/* Nothing was added. */
	assert_int_equal(db_int(dir, "admin", "SELECT count(*) FROM users"), 1);
	/* The default level is fine. */
	assert_int_equal(vault_user_add(v, "aud", NULL, VAULT_ROLE_AUDITOR,
	                                (const unsigned char *)"x", 1, VAULT_KDF_DEFAULT),
	                 VAULT_OK);
	vault_close(v);
	rm_vault(dir);
}

/* The key-slot file as a jansson tree, and back. */
static json_t *slots_load(const char *dir)
{
	char *p = file_path(dir, "keyslots");
	json_error_t e;
	json_t *root = json_load_file(p, 0, &e);

	free(p);
	assert_non_null(root);
	return root;
}

static void slots_store(const char *dir, json_t *root)
{
	char *p = file_path(dir, "keyslots");

	assert_int_equal(json_dump_file(root, p, JSON_INDENT(1) | JSON_SORT_KEYS), 0);
	free(p);
	json_decref(root);
}

static long long count_auth_fail(const char *dir)
{
	return db_int(dir, "admin", "SELECT count(*) FROM audit WHERE action = 'auth.fail'");
}

/* A damaged lookup key is damage (CORRUPT), for everyone, and no failed
 * unlock is noted; a wrong passphrase on a sound file stays AUTH. */
static void test_vault__slot_file_damage_is_corrupt_not_auth(void **state)
{
	char *dir = solo_vault();
	char *inbox = file_path(dir, "auth-failures");
	json_t *root = slots_load(dir);
	char key[65], orig;
	vault *v = NULL;

	(void)state;

	snprintf(key, sizeof(key), "%s", json_string_value(json_object_get(root, "lookup_key")));
	orig = key[7];
	key[7] = orig == '0' ? '1' : '0'; /* still well-formed hex */
	json_object_set_new(root, "lookup_key", json_string(key));
	slots_store(dir, root);
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_ERR_CORRUPT);
	assert_non_null(strstr(vault_last_errmsg(), "damaged"));
	assert_int_equal(open_pw(dir, "admin", "wrong", &v), VAULT_ERR_CORRUPT);
	assert_int_equal(open_pw(dir, "nobody", "wrong", &v), VAULT_ERR_CORRUPT);
	assert_int_equal(access(inbox, F_OK), -1); /* nothing noted */
	/* Put back: it opens, and the log has no failed unlock. */
	root = slots_load(dir);
	key[7] = orig;
	json_object_set_new(root, "lookup_key", json_string(key));
	slots_store(dir, root);
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	vault_close(v);
	assert_int_equal(count_auth_fail(dir), 0);
	/* Other public fields: a slot's cost, its flags, the default level. */
	root = slots_load(dir);
	json_object_set_new(root, "default_kdf", json_integer(VAULT_KDF_SENSITIVE));
	slots_store(dir, root);
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_ERR_CORRUPT);
	root = slots_load(dir);
	json_object_set_new(root, "default_kdf", json_integer(VAULT_KDF_INSECURE_TEST_ONLY));
	slots_store(dir, root);
	/* The control: a wrong passphrase on the sound file is AUTH, noted. */
	assert_int_equal(open_pw(dir, "admin", "wrong", &v), VAULT_ERR_AUTH);
	assert_int_equal(access(inbox, F_OK), 0);
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	vault_close(v);
	assert_int_equal(count_auth_fail(dir), 1);
	free(inbox);
	rm_vault(dir);
}

/* Every byte of the file's structure and public fields: CORRUPT. */
static void test_vault__slot_file_every_public_byte_flip_is_corrupt(void **state)
{
	char *dir = solo_vault();
	char *ks = file_path(dir, "keyslots");
	json_t *root = slots_load(dir);
	const char *ct;
	char *text;
	long size, off;
	FILE *f;

	(void)state;
	/* Where the ciphertext is (its tag covers it: a flip there is AUTH). */
	ct = json_string_value(json_object_get(
	    json_object_iter_value(json_object_iter(json_object_get(root, "slots"))), "ct"));
	f = fopen(ks, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	{
		char *at = strstr(text, ct);
		long ct_from = at - text, ct_to = ct_from + (long)strlen(ct);
		assert_non_null(at);
		for (off = 0; off < size; off++) {
			vault *v = NULL;
			vault_status st;
			th_flip_byte(ks, off);
			st = open_pw(dir, "admin", "pw-admin", &v);
			th_flip_byte(ks, off);
			vault_close(v);
			if (off >= ct_from && off < ct_to)
				assert_true(st == VAULT_ERR_AUTH || st == VAULT_ERR_CORRUPT);
			else if (st != VAULT_ERR_CORRUPT)
				fail_msg("flip at %ld ('%c'): %s", off, text[off], vault_strerror(st));
		}
	}
	free(text);
	json_decref(root);
	free(ks);
	rm_vault(dir);
}

/* An insider with the database key rewrites meta.vault_id and the whole
 * log (a chain of her own, valid in itself): the id pinned in each user's
 * key slot gives it away. */
static void copy_table(sqlite3 *from, sqlite3 *to, const char *table)
{
	char sql[256];
	sqlite3_stmt *s, *ins;
	int i, ncol;

	snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
	assert_int_equal(sqlite3_prepare_v2(from, sql, -1, &s, NULL), SQLITE_OK);
	ncol = sqlite3_column_count(s);
	{
		char q[1024];
		size_t n = (size_t)snprintf(q, sizeof(q), "INSERT INTO %s VALUES(?", table);
		for (i = 1; i < ncol; i++)
			n += (size_t)snprintf(q + n, sizeof(q) - n, ",?");
		snprintf(q + n, sizeof(q) - n, ")");
		assert_int_equal(sqlite3_prepare_v2(to, q, -1, &ins, NULL), SQLITE_OK);
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		sqlite3_reset(ins);
		for (i = 0; i < ncol; i++)
			sqlite3_bind_value(ins, i + 1, sqlite3_column_value(s, i));
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
	}
	sqlite3_finalize(s);
	sqlite3_finalize(ins);
}

static void test_vault__pinned_vault_id_detects_rewritten_log(void **state)
{
	char *dir = th_network();
	char *forged = solo_vault();
	char before[VAULT_VAULT_ID_BUFSIZE], after[VAULT_VAULT_ID_BUFSIZE];
	vault_verify_result r;
	sqlite3 *a, *b;
	vault *v;

	(void)state;
	v = th_open(dir, "aud");
	assert_int_equal(vault_id(v, before), VAULT_OK);
	vault_close(v);
	/* cav_cw, with her own slot's database key, replaces the log. */
	a = th_db_open(dir, "cav_cw");
	b = th_db_open(forged, "admin");
	assert_int_equal(sqlite3_exec(a, "BEGIN; DELETE FROM audit; DELETE FROM meta WHERE"
	                                 " k = 'vault_id'", NULL, NULL, NULL), SQLITE_OK);
	copy_table(b, a, "audit");
	{
		sqlite3_stmt *s;
		assert_int_equal(sqlite3_prepare_v2(b, "SELECT k, v FROM meta WHERE k = 'vault_id'",
		                                    -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		sqlite3_stmt *ins;
		assert_int_equal(sqlite3_prepare_v2(a, "INSERT INTO meta(k, v) VALUES(?1, ?2)", -1,
		                                    &ins, NULL), SQLITE_OK);
		sqlite3_bind_value(ins, 1, sqlite3_column_value(s, 0));
		sqlite3_bind_value(ins, 2, sqlite3_column_value(s, 1));
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_finalize(ins);
		sqlite3_finalize(s);
	}
	assert_int_equal(sqlite3_exec(a, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(a);
	sqlite3_close(b);
	/* The auditor's id is still hers, and it says the database disagrees.
	 * (Her witness copy would stop the open at the rewritten log first:
	 * what is tested here is the pinned id, so she comes to it afresh.) */
	th_forget_witness(dir, "aud");
	/* Since schema 7 the open itself replays the log from the pinned id (every
	 * fact rests on it): the rewritten log is refused before any row is
	 * used, and says why. */
	{
		size_t n;
		const unsigned char *p = th_pass("aud", &n);

		v = NULL;
		assert_int_equal(vault_open(dir, "aud", p, n, NULL, &v), VAULT_ERR_INTEGRITY);
		assert_null(v);
		assert_non_null(strstr(vault_last_errmsg(), "pinned"));
	}
	(void)after;
	(void)before;
	(void)r;
	rm_vault(forged);
	th_rmdir(dir);
}

/* Files of the vault folder are never opened through a planted link. */
static void test_vault__planted_symlinks_are_not_followed(void **state)
{
	char *dir = solo_vault();
	char *inbox = file_path(dir, "auth-failures");
	char *base = th_tmpdir();
	char target[4096], moved[4096];
	static const char *const files[] = {"vault.db", "keyslots", "vault.lock"};
	struct stat sb;
	vault *v = NULL;
	size_t i;

	(void)state;
	/* auth-failures -> a file of the attacker's choosing: not written. */
	snprintf(target, sizeof(target), "%s/target", base);
	close(open(target, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(symlink(target, inbox), 0);
	assert_int_equal(open_pw(dir, "admin", "wrong", &v), VAULT_ERR_AUTH);
	assert_int_equal(stat(target, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	/* The next open removes the link rather than drain through it. */
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	vault_close(v);
	/* vault.db, keyslots, vault.lock moved away and replaced by a link to
	 * the real file: refused, the message says why. */
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = file_path(dir, files[i]);
		snprintf(moved, sizeof(moved), "%s/%s", base, files[i]);
		assert_int_equal(rename(p, moved), 0);
		assert_int_equal(symlink(moved, p), 0);
		assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_ERR_CORRUPT);
		assert_true(strstr(vault_last_errmsg(), "symbolic link") != NULL);
		assert_int_equal(unlink(p), 0);
		assert_int_equal(rename(moved, p), 0);
		free(p);
	}
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	vault_close(v);
	free(inbox);
	th_rmdir(base);
	rm_vault(dir);
}

static void test_vault__create_refuses_unfit_folders(void **state)
{
	char *base = th_tmpdir();
	char dir[4096], file[4200];
	size_t n;
	const unsigned char *p = th_pass("admin", &n);
	vault *v = NULL;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/v", base);
	/* Not empty. */
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(file, sizeof(file), "%s/notes.txt", dir);
	close(open(file, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(vault_create(dir, "admin", p, n, NULL, &v), VAULT_ERR_INVALID);
	assert_non_null(strstr(vault_last_errmsg(), "not empty"));
	assert_null(v);
	assert_int_equal(access(file, F_OK), 0); /* nothing of hers removed */
	unlink(file);
	/* Writable by group, or by others. */
	assert_int_equal(chmod(dir, 0770), 0);
	assert_int_equal(vault_create(dir, "admin", p, n, NULL, &v), VAULT_ERR_INVALID);
	assert_non_null(strstr(vault_last_errmsg(), "writable by group or others"));
	assert_int_equal(chmod(dir, 0702), 0);
	assert_int_equal(vault_create(dir, "admin", p, n, NULL, &v), VAULT_ERR_INVALID);
	snprintf(file, sizeof(file), "%s/keyslots", dir);
	assert_int_equal(access(file, F_OK), -1);
	/* Empty and private: fine. */
	assert_int_equal(chmod(dir, 0700), 0);
	{
		vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
		o.kdf = TEST_KDF;
		assert_int_equal(vault_create(dir, "admin", p, n, &o, &v), VAULT_OK);
	}
	vault_close(v);
	th_rmdir(base);
}

/* A 1.0 key-slot file (version 1, format-1 slots, no checksum) opens; the
 * first open pins the vault id in the slot, and the file is version 2. */
static void test_vault__slot_file_version_1_opens_and_is_pinned(void **state)
{
	char *dir = solo_vault();
	json_t *root = slots_load(dir), *slots, *slot;
	unsigned char lookup[32], id[32], salt[16], nonce[24], ad[128], key[32];
	unsigned char ct[128 + 16];
	char hex[2 * sizeof(ct) + 1], in[80];
	unsigned long long ops;
	size_t mem, n = 0, adlen = 0;
	slot_secret sec;
	vault_kdf def;
	const unsigned char *p = th_pass("admin", &n);
	vault *v = NULL;
	int i;

	(void)state;
	assert_int_equal(vault__slot_unlock(dir, "admin", p, n, &sec, &def), VAULT_OK);
	/* Seal the admin's secrets as libvault 1.0 did. */
	assert_int_equal(vault__unhex(json_string_value(json_object_get(root, "lookup_key")),
	                              lookup, 32), 0);
	vault__keyed_hash(id, 32, in, (size_t)snprintf(in, sizeof(in), "user:admin"), lookup);
	vault__random(salt, 16);
	vault__random(nonce, 24);
	vault__kdf_params(TEST_KDF, &ops, &mem);
	memcpy(ad, "libvault-slot-v1", 17);
	adlen = 17;
	memcpy(ad + adlen, id, 32);
	adlen += 32;
	for (i = 3; i >= 0; i--)
		ad[adlen++] = (unsigned char)((unsigned int)TEST_KDF >> (8 * i));
	for (i = 7; i >= 0; i--)
		ad[adlen++] = (unsigned char)(ops >> (8 * i));
	for (i = 7; i >= 0; i--)
		ad[adlen++] = (unsigned char)((unsigned long long)mem >> (8 * i));
	memcpy(ad + adlen, salt, 16);
	adlen += 16;
	assert_int_equal(vault__kdf(key, 32, p, n, salt, ops, mem), 0);
	vault__aead_seal(ct, (const unsigned char *)&sec, 128, ad, adlen, nonce, key);
	slots = json_object();
	slot = json_object();
	json_object_set_new(slot, "level", json_integer(TEST_KDF));
	json_object_set_new(slot, "ops", json_integer((json_int_t)ops));
	json_object_set_new(slot, "mem", json_integer((json_int_t)mem));
	vault__hex(salt, 16, hex);
	json_object_set_new(slot, "salt", json_string(hex));
	vault__hex(nonce, 24, hex);
	json_object_set_new(slot, "nonce", json_string(hex));
	vault__hex(ct, sizeof(ct), hex);
	json_object_set_new(slot, "ct", json_string(hex));
	vault__hex(id, 32, hex);
	json_object_set_new(slots, hex, slot);
	json_object_set_new(root, "slots", slots);
	json_object_set_new(root, "version", json_integer(1));
	json_object_del(root, "checksum");
	slots_store(dir, root);
	vault__wipe(&sec, sizeof(sec));
	vault__wipe(key, sizeof(key));

	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	assert_int_equal(vault_id(v, hex), VAULT_OK);
	vault_close(v);
	root = slots_load(dir);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 2);
	slot = json_object_iter_value(json_object_iter(json_object_get(root, "slots")));
	assert_int_equal(json_integer_value(json_object_get(slot, "fmt")), 2);
	assert_string_equal(json_string_value(json_object_get(slot, "vault_id")), hex);
	json_decref(root);
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	vault_close(v);
	rm_vault(dir);
}

/* A handle opened before another change of the same user's passphrase
 * cannot overwrite that change's keys. */
static void test_vault__passwd_from_stale_handle_is_refused(void **state)
{
	char *dir = th_network();
	vault *a = th_open(dir, "cav_cw"), *b = th_open(dir, "cav_cw");

	(void)state;
	{
		vault_status st = vault_passwd(a, (const unsigned char *)"from a", 6, TEST_KDF);

		if (st != VAULT_OK)
			fail_msg("passwd from a: %s (%s)", vault_strerror(st), vault_errmsg(a));
	}
	assert_int_equal(vault_passwd(b, (const unsigned char *)"from b", 6, TEST_KDF),
	                 VAULT_ERR_STATE);
	vault_close(a);
	vault_close(b);
	{
		vault_status st = open_pw(dir, "cav_cw", "from a", &a);

		if (st != VAULT_OK)
			fail_msg("open with a's passphrase: %s (%s)", vault_strerror(st),
			         vault_last_errmsg());
	}
	vault_close(a);
	assert_int_equal(open_pw(dir, "cav_cw", "from b", &b), VAULT_ERR_AUTH);
	th_rmdir(dir);
}

/* A vault written before key-slot format 2 (tests/unit/fixtures/slots-v1)
 * opens with every user's passphrase; each user's first open pins the vault
 * id in her slot, and the file becomes version 2 with the others' 1.0
 * slots intact. */
static int first_case(const vault_case_info *i, void *ctx)
{
	snprintf(ctx, VAULT_ID_BUFSIZE, "%s", i->id);
	return 0;
}

static void test_vault__slot_file_1_0_vault_opens(void **state)
{
	static const char fixture[] = "tests/unit/fixtures/slots-v1";
	char *base = th_tmpdir(), dir[4096], cmd[9000], cid[VAULT_ID_BUFSIZE] = "";
	char id[VAULT_VAULT_ID_BUFSIZE];
	vault_buf b = VAULT_BUF_INIT;
	json_t *root, *slot;
	const char *k;
	int fmt2 = 0, fmt1 = 0;
	vault *v = NULL;

	(void)state;
	if (access(fixture, R_OK) != 0)
		fail_msg("run from the source tree: %s is missing", fixture);
	snprintf(dir, sizeof(dir), "%s/v", base);
	snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && chmod 700 '%s'", fixture, dir, dir);
	assert_int_equal(system(cmd), 0);
	root = slots_load(dir);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 1);
	json_decref(root);
	/* The caseworker reads what she wrote under the old library, once she
	 * has changed the passphrase her supervisor chose (1.0 did not enforce
	 * it; the log says it was never changed). */
	assert_int_equal(open_pw(dir, "cav_cw", "pw-cav_cw", &v), VAULT_OK);
	assert_int_equal(vault_case_foreach(v, first_case, cid), VAULT_ERR_PASSWD_EXPIRED);
	assert_int_equal(vault_passwd(v, (const unsigned char *)"cav_cw's own", 12,
	                              VAULT_KDF_DEFAULT), VAULT_OK);
	assert_int_equal(vault_case_foreach(v, first_case, cid), VAULT_OK);
	assert_int_equal(vault_record_get(v, cid, "intake", 0, &b, NULL, NULL), VAULT_OK);
	assert_int_equal(b.len, 14);
	assert_memory_equal(b.data, "written by 1.0", 14);
	vault_buf_free(&b);
	assert_int_equal(vault_id(v, id), VAULT_OK);
	vault_close(v);
	root = slots_load(dir);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 2);
	json_object_foreach(json_object_get(root, "slots"), k, slot) {
		if (json_integer_value(json_object_get(slot, "fmt")) == 2) {
			fmt2++;
			assert_string_equal(json_string_value(json_object_get(slot, "vault_id")), id);
		} else {
			fmt1++;
		}
	}
	json_decref(root);
	assert_int_equal(fmt2, 1);
	assert_int_equal(fmt1, 2);
	/* The others still open (their slots are still format 1), and the log
	 * written by both libraries verifies. */
	assert_int_equal(open_pw(dir, "admin", "pw-admin", &v), VAULT_OK);
	{
		vault_verify_result r;
		vault_verify_result_init(&r, VAULT_VERIFY_RESULT_VERSION);
		if (vault_audit_verify(v, NULL, &r, NULL, NULL) != VAULT_OK)
			fail_msg("verify: %s", r.reason);
		assert_int_equal(vault_id(v, id), VAULT_OK);
	}
	vault_close(v);
	assert_int_equal(open_pw(dir, "cav_sup", "pw-cav_sup", &v), VAULT_OK);
	/* Her passphrase change writes a format-2 slot into the mixed file. */
	assert_int_equal(vault_passwd(v, (const unsigned char *)"sup, new", 8, TEST_KDF),
	                 VAULT_OK);
	assert_int_equal(vault_record_get(v, cid, "intake", 0, &b, NULL, NULL), VAULT_OK);
	vault_buf_free(&b);
	vault_close(v);
	assert_int_equal(open_pw(dir, "cav_sup", "sup, new", &v), VAULT_OK);
	vault_close(v);
	th_rmdir(base);
}

/* An open that unlocked with the old passphrase while a passphrase change
 * committed (before the open took the lock) is a wrong passphrase, not
 * damage: the hook runs the change at that very point. */
static vault *g_race_handle;
static int g_race_done;

static void race_hook(const char *step)
{
	if (strcmp(step, "open.unlocked") != 0 || g_race_done)
		return;
	g_race_done = 1;
	assert_int_equal(vault_passwd(g_race_handle, (const unsigned char *)"changed meanwhile",
	                              17, TEST_KDF), VAULT_OK);
}

static void test_vault__open_racing_a_passwd_is_auth(void **state)
{
	char *dir = th_network();
	size_t n;
	const unsigned char *p = th_pass("cav_cw", &n);
	vault *v = NULL;
	vault_status st;

	(void)state;
	g_race_handle = th_open(dir, "cav_cw");
	g_race_done = 0;
	vault__crash_hook = race_hook;
	st = vault_open(dir, "cav_cw", p, n, NULL, &v);
	vault__crash_hook = NULL;
	assert_true(g_race_done);
	assert_int_equal(st, VAULT_ERR_AUTH);
	vault_close(g_race_handle);
	assert_int_equal(open_pw(dir, "cav_cw", "changed meanwhile", &v), VAULT_OK);
	vault_close(v);
	th_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vault__version_matches_macros),
		cmocka_unit_test(test_vault__strerror_distinct_and_nonempty),
		cmocka_unit_test(test_vault__status_values_are_stable),
		cmocka_unit_test(test_vault__create_rejects_invalid_arguments),
		cmocka_unit_test(test_vault__create_accepts_longest_name_and_passphrase),
		cmocka_unit_test(test_vault__options_init),
		cmocka_unit_test(test_vault__create_under_a_file_is_io_error),
		cmocka_unit_test(test_vault__create_twice_is_exists),
		cmocka_unit_test(test_vault__create_then_open_and_close),
		cmocka_unit_test(test_vault__create_without_out_handle),
		cmocka_unit_test(test_vault__open_rejects_invalid_arguments),
		cmocka_unit_test(test_vault__open_non_vault_dir_is_not_found),
		cmocka_unit_test(test_vault__open_wrong_passphrase_is_auth),
		cmocka_unit_test(test_vault__auth_failures_same_work_same_message),
		cmocka_unit_test(test_vault__open_newer_schema_is_version),
		cmocka_unit_test(test_vault__open_newer_keyslots_is_version),
		cmocka_unit_test(test_vault__open_damaged_keyslots_is_corrupt),
		cmocka_unit_test(test_vault__open_without_cipher_is_nocrypto),
		cmocka_unit_test(test_vault__create_without_cipher_is_nocrypto),
		cmocka_unit_test(test_vault__open_out_of_memory_is_nomem),
		cmocka_unit_test(test_vault__record_put_out_of_memory_is_nomem),
		cmocka_unit_test(test_vault__handle_functions_reject_null),
		cmocka_unit_test(test_vault__set_purpose),
		cmocka_unit_test(test_vault__second_writer_gets_busy),
		cmocka_unit_test(test_vault__begin_while_other_writes_is_busy),
		cmocka_unit_test(test_vault__commit_without_begin_is_state),
		cmocka_unit_test(test_vault__nested_begin_is_state),
		cmocka_unit_test(test_vault__close_rolls_back_open_transaction),
		cmocka_unit_test(test_vault__passwd_changes_passphrase),
		cmocka_unit_test(test_vault__passwd_rejects_invalid),
		cmocka_unit_test(test_vault__passwd_raises_kdf_level),
		cmocka_unit_test(test_vault__passwd_default_level_is_the_vaults),
		cmocka_unit_test(test_vault__org_add_and_list),
		cmocka_unit_test(test_vault__org_add_twice_is_exists),
		cmocka_unit_test(test_vault__org_add_rejects_invalid),
		cmocka_unit_test(test_vault__org_add_by_non_admin_is_denied),
		cmocka_unit_test(test_vault__admin_adds_auditor),
		cmocka_unit_test(test_vault__supervisor_adds_caseworker_to_own_org),
		cmocka_unit_test(test_vault__supervisor_adds_to_other_org_is_denied),
		cmocka_unit_test(test_vault__caseworker_adding_user_is_denied),
		cmocka_unit_test(test_vault__admin_adding_caseworker_is_denied),
		cmocka_unit_test(test_vault__user_add_twice_is_exists),
		cmocka_unit_test(test_vault__user_add_unknown_org_is_not_found),
		cmocka_unit_test(test_vault__user_list_and_disable),
		cmocka_unit_test(test_vault__case_create_list_show),
		cmocka_unit_test(test_vault__case_of_other_org_is_invisible),
		cmocka_unit_test(test_vault__case_show_unknown_is_not_found),
		cmocka_unit_test(test_vault__case_create_rejects_invalid_and_roles),
		cmocka_unit_test(test_vault__record_put_get_versions),
		cmocka_unit_test(test_vault__record_get_reports_metadata),
		cmocka_unit_test(test_vault__record_empty_and_binary),
		cmocka_unit_test(test_vault__record_put_rejects_invalid),
		cmocka_unit_test(test_vault__record_unknown_is_not_found),
		cmocka_unit_test(test_vault__record_list_and_history),
		cmocka_unit_test(test_vault__record_delete_is_tombstone),
		cmocka_unit_test(test_vault__record_other_org_is_denied),
		cmocka_unit_test(test_vault__begin_commit_thousand_puts),
		cmocka_unit_test(test_vault__begin_rollback_leaves_nothing),
		cmocka_unit_test(test_vault__failed_op_inside_transaction_ends_it),
		cmocka_unit_test(test_vault__two_handles_two_threads),
		cmocka_unit_test(test_vault__stale_signer_refused),
		cmocka_unit_test(test_vault__first_passphrase_caseworker_must_change),
		cmocka_unit_test(test_vault__first_passphrase_supervisor_must_change),
		cmocka_unit_test(test_vault__passwd_refuses_weak_passphrases),
		cmocka_unit_test(test_vault__passwd_test_level_skips_strength),
		cmocka_unit_test(test_vault__slot_cheaper_than_default_refused),
		cmocka_unit_test(test_vault__slot_file_damage_is_corrupt_not_auth),
		cmocka_unit_test(test_vault__slot_file_every_public_byte_flip_is_corrupt),
		cmocka_unit_test(test_vault__pinned_vault_id_detects_rewritten_log),
		cmocka_unit_test(test_vault__planted_symlinks_are_not_followed),
		cmocka_unit_test(test_vault__create_refuses_unfit_folders),
		cmocka_unit_test(test_vault__slot_file_version_1_opens_and_is_pinned),
		cmocka_unit_test(test_vault__slot_file_1_0_vault_opens),
		cmocka_unit_test(test_vault__passwd_from_stale_handle_is_refused),
		cmocka_unit_test(test_vault__open_racing_a_passwd_is_auth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
