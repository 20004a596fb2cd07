/*
 * test_records.c - a record is (case, class, name): no shadowing, no silent
 * downgrade, explicit reclassification, redaction that leaves the disk, and
 * a vault written by 1.0.0 that migrates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <sodium.h>
#include <openssl/evp.h>

#include "helpers.h"
#include "internal.h"

#define REASON "she asked: the address was entered in the wrong case"
#define PAGE 4096
#define RESERVE 48 /* SQLCipher 3/4 with HMAC: IV 16 + HMAC-SHA1 20, to 16 */

typedef struct fx {
	char *dir;
	char cid[VAULT_ID_BUFSIZE]; /* a victim case of cav, shared with cas (general) */
} fx;

static void must(vault *v, vault_status st, const char *what)
{
	if (st != VAULT_OK)
		fail_msg("%s: %s (%s)", what, vault_strerror(st), vault_errmsg(v));
}

static int setup(void **state)
{
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	char consent[VAULT_ID_BUFSIZE];
	fx *f = calloc(1, sizeof(*f));
	vault *v;

	assert_non_null(f);
	f->dir = th_network();
	th_case(f->dir, "cav_cw", VAULT_CASE_VICTIM, 0, f->cid);
	th_put(f->dir, "cav_cw", f->cid, "addr", VAULT_CLASS_SAFETY, "Via Roma 1, shelter");
	v = th_open(f->dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "referral for support";
	must(v, vault_consent_add(v, f->cid, &co, consent), "consent");
	so.perm = VAULT_PERM_WRITE;
	must(v, vault_share(v, f->cid, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so),
	     "share");
	vault_close(v);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	th_rmdir(f->dir);
	free(f);
	return 0;
}

static vault_status get(const char *dir, const char *user, const char *cid,
                        const char *name, unsigned int cls, uint32_t ver, char *text,
                        size_t cap)
{
	vault_buf b = VAULT_BUF_INIT;
	vault *v = th_open(dir, user);
	vault_status st = vault_record_get_v2(v, cid, name, cls, ver, &b, NULL, NULL);

	text[0] = '\0';
	if (st == VAULT_OK)
		snprintf(text, cap, "%.*s", (int)b.len, (const char *)b.data);
	vault_buf_free(&b);
	vault_close(v);
	return st;
}

static vault_status put(const char *dir, const char *user, const char *cid,
                        const char *name, vault_class cls, const char *text, uint32_t *ver)
{
	vault *v = th_open(dir, user);
	vault_status st = vault_record_put(v, cid, name, cls, text, strlen(text), ver);

	vault_close(v);
	return st;
}

/* Another organisation with write on `general` writes a name that exists
 * only in `safety`: he gets his own record (version 1: nothing learnt), the
 * owner is asked which one she means, his delete touches his record only. */
static void test_records__other_class_name_cannot_shadow(void **state)
{
	fx *f = *state;
	char text[128];
	uint32_t ver = 0;
	vault *v;

	assert_int_equal(put(f->dir, "cas_cw", f->cid, "addr", VAULT_CLASS_GENERAL,
	                     "his text", &ver), VAULT_OK);
	assert_int_equal(ver, 1);
	/* He reads his own, and only his own. */
	assert_int_equal(get(f->dir, "cas_cw", f->cid, "addr", 0, 0, text, sizeof(text)),
	                 VAULT_OK);
	assert_string_equal(text, "his text");
	/* She reads both classes: never a silent pick. */
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "addr", 0, 0, text, sizeof(text)),
	                 VAULT_ERR_AMBIGUOUS);
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "addr", VAULT_CLASS_SAFETY, 0, text,
	                     sizeof(text)), VAULT_OK);
	assert_string_equal(text, "Via Roma 1, shelter");
	/* His delete deletes his record. */
	v = th_open(f->dir, "cas_cw");
	assert_int_equal(vault_record_delete(v, f->cid, "addr", &ver), VAULT_OK);
	assert_int_equal(ver, 2);
	assert_int_equal(vault_record_delete_v2(v, f->cid, "addr", VAULT_CLASS_SAFETY, NULL),
	                 VAULT_ERR_DENIED);
	vault_close(v);
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "addr", VAULT_CLASS_SAFETY, 0, text,
	                     sizeof(text)), VAULT_OK);
	assert_string_equal(text, "Via Roma 1, shelter");
	/* Only her record is left live: the plain get is hers again?  No: his
	 * record still exists (deleted), so the name stays ambiguous for her. */
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "addr", 0, 0, text, sizeof(text)),
	                 VAULT_ERR_AMBIGUOUS);
}

/* The VM steps of the statements a get runs to find a record's newest
 * version, in a get of it (counted by SQLite, no clock). */
static int get_steps(vault *v, const char *cid, const char *name)
{
	static const int sts[] = {ST_RECORD_CLASSES, ST_RECORD_GET_LATEST};
	vault_buf b = VAULT_BUF_INIT;
	int i, steps = 0;

	for (i = 0; i < 2; i++) {
		sqlite3_stmt *s = vault__stmt(v, sts[i]);

		assert_non_null(s);
		sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 1);
		sqlite3_stmt_status(s, SQLITE_STMTSTATUS_SORT, 1);
	}
	must(v, vault_record_get(v, cid, name, 0, &b, NULL, NULL), "get");
	vault_buf_free(&b);
	for (i = 0; i < 2; i++) {
		sqlite3_stmt *s = vault__stmt(v, sts[i]);

		/* no sort: the key's index gives the newest version first */
		assert_int_equal(sqlite3_stmt_status(s, SQLITE_STMTSTATUS_SORT, 0), 0);
		steps += sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 0);
	}
	return steps;
}

/* A get finds the newest version through the key's index: a record of
 * 300 versions costs its look-ups what a record of one does (a MAX()
 * grouped by class, or one ORDER BY over the tag and the name in clear,
 * read every version: 52 ms a get at 100k versions, 0.7 ms since). */
static void test_records__newest_version_found_without_reading_the_others(void **state)
{
	fx *f = *state;
	vault *v = th_open(f->dir, "cav_cw");
	int i, one, many;

	must(v, vault_record_put(v, f->cid, "one", VAULT_CLASS_SENSITIVE, "x", 1, NULL), "put");
	must(v, vault_begin(v), "begin");
	for (i = 0; i < 300; i++)
		must(v, vault_record_put(v, f->cid, "many", VAULT_CLASS_SENSITIVE, "y", 1, NULL),
		     "put");
	must(v, vault_commit(v), "commit");
	one = get_steps(v, f->cid, "one");
	many = get_steps(v, f->cid, "many");
	assert_true(one > 0);
	assert_int_equal(many, one);
	vault_close(v);
}

/* Writing `general` under a safety record's name never makes a version of
 * the safety record: its versions keep their class. */
static void test_records__versions_never_change_class(void **state)
{
	fx *f = *state;
	char text[128];
	uint32_t ver = 0;
	vault *v;

	th_put(f->dir, "cav_cw", f->cid, "fear", VAULT_CLASS_SAFETY, "his brother");
	assert_int_equal(put(f->dir, "cav_cw", f->cid, "fear", VAULT_CLASS_GENERAL, "see notes",
	                     &ver), VAULT_OK);
	assert_int_equal(ver, 1);
	assert_int_equal(put(f->dir, "cav_cw", f->cid, "fear", VAULT_CLASS_SAFETY,
	                     "his brother and cousin", &ver), VAULT_OK);
	assert_int_equal(ver, 2);
	/* The other organisation, holding general, never reads a safety version. */
	assert_int_equal(get(f->dir, "cas_cw", f->cid, "fear", 0, 2, text, sizeof(text)),
	                 VAULT_ERR_NOT_FOUND);
	assert_int_equal(get(f->dir, "cas_cw", f->cid, "fear", 0, 1, text, sizeof(text)),
	                 VAULT_OK);
	assert_string_equal(text, "see notes");
	v = th_open(f->dir, "cas_cw");
	assert_int_equal(vault_record_get_v2(v, f->cid, "fear", VAULT_CLASS_SAFETY, 0,
	                                     &(vault_buf)VAULT_BUF_INIT, NULL, NULL),
	                 VAULT_ERR_DENIED);
	vault_close(v);
}

typedef struct redacted_count {
	const char *by;
	int redacted, live;
} redacted_count;

static int count_redacted(const vault_record_info *i, void *ctx)
{
	redacted_count *n = ctx;

	if (i->redacted_by != NULL) {
		assert_string_equal(i->redacted_by, n->by);
		assert_non_null(i->redact_reason);
		assert_true(i->redacted_at > 0);
		assert_int_equal(i->size, 0);
		n->redacted++;
	} else {
		n->live++;
	}
	return 0;
}

/* Moving content up needs write on both classes; the old class keeps only
 * redacted versions. */
static void test_records__reclassify_up(void **state)
{
	fx *f = *state;
	char text[128];
	uint32_t ver = 0;
	redacted_count n = {"cav_cw", 0, 0};
	vault *v;

	th_put(f->dir, "cav_cw", f->cid, "phone", VAULT_CLASS_GENERAL, "333 1234567");
	/* cas holds write on general only */
	v = th_open(f->dir, "cas_cw");
	assert_int_equal(vault_record_reclassify(v, f->cid, "phone", VAULT_CLASS_GENERAL,
	                                         VAULT_CLASS_SAFETY, NULL, NULL),
	                 VAULT_ERR_DENIED);
	vault_close(v);
	v = th_open(f->dir, "cav_cw");
	must(v, vault_record_reclassify(v, f->cid, "phone", VAULT_CLASS_GENERAL,
	                                VAULT_CLASS_SAFETY, NULL, &ver), "reclassify");
	assert_int_equal(ver, 1);
	vault_close(v);
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "phone", VAULT_CLASS_SAFETY, 0, text,
	                     sizeof(text)), VAULT_OK);
	assert_string_equal(text, "333 1234567");
	assert_int_equal(get(f->dir, "cas_cw", f->cid, "phone", 0, 1, text, sizeof(text)),
	                 VAULT_ERR_NOT_FOUND);
	v = th_open(f->dir, "cav_sup");
	must(v, vault_record_history_v2(v, f->cid, "phone", VAULT_CLASS_GENERAL,
	                                count_redacted, &n), "history");
	vault_close(v);
	assert_int_equal(n.redacted, 1); /* the general version, redacted */
	assert_int_equal(n.live, 0);
}

/* A move up destroys nothing: every version goes with the record, in
 * order; only the copies left behind are redacted.  A caseworker moves up
 * her own versions; those someone else wrote, only a supervisor of the
 * owning organisation (SECURITY.md, attack 80k), and a refusal moves none. */
static void test_records__reclassify_up_keeps_the_history(void **state)
{
	fx *f = *state;
	char text[128];
	uint32_t ver = 0;
	vault *v;

	th_put(f->dir, "cav_cw", f->cid, "statement", VAULT_CLASS_GENERAL, "first account");
	th_put(f->dir, "cav_sup", f->cid, "statement", VAULT_CLASS_GENERAL, "second account");
	v = th_open(f->dir, "cav_cw");
	assert_int_equal(vault_record_reclassify(v, f->cid, "statement", VAULT_CLASS_GENERAL,
	                                         VAULT_CLASS_SENSITIVE, NULL, &ver),
	                 VAULT_ERR_DENIED);
	assert_non_null(strstr(vault_errmsg(v), "version 2 of statement was written by cav_sup"));
	vault_close(v);
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "statement", VAULT_CLASS_GENERAL, 1,
	                     text, sizeof(text)), VAULT_OK); /* nothing moved */
	v = th_open(f->dir, "cav_sup");
	must(v, vault_record_reclassify(v, f->cid, "statement", VAULT_CLASS_GENERAL,
	                                VAULT_CLASS_SENSITIVE, NULL, &ver), "reclassify");
	vault_close(v);
	assert_int_equal(ver, 2);
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "statement", VAULT_CLASS_SENSITIVE, 1,
	                     text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, "first account");
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "statement", VAULT_CLASS_SENSITIVE, 2,
	                     text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, "second account");
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "statement", VAULT_CLASS_GENERAL, 1,
	                     text, sizeof(text)), VAULT_ERR_NOT_FOUND);
}

/* Down, where more people read it: supervisors of the owning organisation,
 * with a reason, as a high-severity entry. */
static void test_records__reclassify_down_needs_supervisor_and_reason(void **state)
{
	fx *f = *state;
	char text[128];
	vault *v;

	th_put(f->dir, "cav_cw", f->cid, "doctor", VAULT_CLASS_SAFETY, "Dr Bianchi");
	v = th_open(f->dir, "cav_cw");
	assert_int_equal(vault_record_reclassify(v, f->cid, "doctor", VAULT_CLASS_SAFETY,
	                                         VAULT_CLASS_GENERAL, REASON, NULL),
	                 VAULT_ERR_DENIED);
	vault_close(v);
	v = th_open(f->dir, "cav_sup");
	assert_int_equal(vault_record_reclassify(v, f->cid, "doctor", VAULT_CLASS_SAFETY,
	                                         VAULT_CLASS_GENERAL, "short", NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_record_reclassify(v, f->cid, "doctor", VAULT_CLASS_SAFETY,
	                                         VAULT_CLASS_GENERAL, NULL, NULL),
	                 VAULT_ERR_INVALID);
	must(v, vault_record_reclassify(v, f->cid, "doctor", VAULT_CLASS_SAFETY,
	                                VAULT_CLASS_GENERAL, REASON, NULL), "reclassify down");
	vault_close(v);
	assert_int_equal(get(f->dir, "cas_cw", f->cid, "doctor", 0, 0, text, sizeof(text)),
	                 VAULT_OK);
	assert_string_equal(text, "Dr Bianchi");
	{
		sqlite3 *db = th_db_open(f->dir, "aud");
		sqlite3_stmt *s;
		char hex[33], target[40];
		/* The log names the record by its tag in the class it came from. */
		th_tag_hex(f->dir, "cav_cw", f->cid, VAULT_CLASS_SAFETY, "doctor", hex);
		snprintf(target, sizeof(target), "r:%s", hex);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT high, outcome, reason FROM audit"
		                                        " WHERE action = 'record.reclassify' AND"
		                                        " target = ?1 ORDER BY seq", -1, &s,
		                                    NULL), SQLITE_OK);
		sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW); /* the caseworker, refused */
		assert_int_equal(sqlite3_column_int(s, 0), 1);
		assert_string_equal((const char *)sqlite3_column_text(s, 1), "denied");
		assert_int_equal(sqlite3_step(s), SQLITE_ROW); /* the supervisor */
		assert_int_equal(sqlite3_column_int(s, 0), 1);
		assert_string_equal((const char *)sqlite3_column_text(s, 1), "ok");
		/* The reason may name her: sealed for the reviewers in the entry,
		 * opened for the owning organisation (lib/freetext.c). */
		{
			const char *sealed = (const char *)sqlite3_column_text(s, 2);
			char *opened = NULL;
			vault *sup = th_open(f->dir, "cav_sup");
			assert_true(strncmp(sealed, "sealed:", 7) == 0);
			assert_int_equal(vault__reason_open(sup, f->cid, sealed, &opened), VAULT_OK);
			assert_non_null(opened);
			assert_string_equal(opened, REASON);
			free(opened);
			vault_close(sup);
		}
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
}

/* Decrypt every page of a SQLCipher file (vault.db, or the frames of its
 * WAL) with the raw key, as an attacker holding the key would, and look for
 * `needle` in the plaintext pages, free ones included. */
static int pages_contain(const char *path, const unsigned char key[32], int wal,
                         const unsigned char *needle, size_t nlen)
{
	unsigned char page[PAGE], plain[PAGE];
	size_t off = wal ? 32 : 0, step = wal ? 24 + PAGE : PAGE;
	FILE *fp = fopen(path, "rb");
	long pgno = 0;
	int found = 0;

	if (fp == NULL)
		return 0; /* no WAL: nothing in it */
	while (!found && fseek(fp, (long)off, SEEK_SET) == 0 &&
	       fread(page, 1, wal ? 24 : 0, fp) == (wal ? 24u : 0u) &&
	       fread(page, 1, PAGE, fp) == PAGE) {
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		/* Page 1 starts with the 16-byte salt, in clear. */
		size_t start = (!wal && pgno == 0) ? 16 : 0;
		int l1 = 0, l2 = 0;
		size_t i;

		if (wal)
			start = 0; /* page 1 in the WAL would need its number: scan as is */
		assert_non_null(c);
		EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), NULL, key, page + PAGE - RESERVE);
		EVP_CIPHER_CTX_set_padding(c, 0);
		EVP_DecryptUpdate(c, plain, &l1, page + start, (int)(PAGE - RESERVE - start));
		EVP_DecryptFinal_ex(c, plain + l1, &l2);
		EVP_CIPHER_CTX_free(c);
		for (i = 0; i + nlen <= (size_t)(l1 + l2) && !found; i++)
			found = memcmp(plain + i, needle, nlen) == 0;
		off += step;
		pgno++;
	}
	fclose(fp);
	return found;
}

static int folder_contains(const char *dir, const unsigned char key[32],
                           const unsigned char *needle, size_t nlen)
{
	char db[4096], wal[4096];

	snprintf(db, sizeof(db), "%s/vault.db", dir);
	snprintf(wal, sizeof(wal), "%s/vault.db-wal", dir);
	return pages_contain(db, key, 0, needle, nlen) || pages_contain(wal, key, 1, needle, nlen);
}

/* The ciphertext of the version, read around the API with the db key. */
static size_t ciphertext_of(const char *dir, const char *cid, const char *name,
                            unsigned int cls, uint32_t ver, unsigned char *out, size_t cap)
{
	sqlite3 *db = th_db_open(dir, "aud");
	sqlite3_stmt *s;
	unsigned char tag[16];
	char hex[33];
	size_t n = 0;

	/* records.name holds the record's tag (lib/freetext.c) */
	th_tag_hex(dir, "cav_cw", cid, cls, name, hex);
	sodium_hex2bin(tag, sizeof(tag), hex, 32, NULL, NULL, NULL);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT ct FROM records WHERE case_id = ?1 AND"
	                                        " name = ?2 AND class = ?3 AND version = ?4",
	                                    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, cid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, tag, sizeof(tag), SQLITE_STATIC);
	sqlite3_bind_int(s, 3, (int)cls);
	sqlite3_bind_int(s, 4, (int)ver);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_BLOB) {
		n = (size_t)sqlite3_column_bytes(s, 0);
		if (n > cap)
			n = cap;
		memcpy(out, sqlite3_column_blob(s, 0), n);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* Redaction: by the owning organisation's supervisors only; the version's
 * ciphertext is in no page of vault.db or its WAL afterwards (the attacker
 * decrypts every page with the database key); the history says who and why. */
static void test_records__redact_removes_ciphertext_from_disk(void **state)
{
	fx *f = *state;
	unsigned char key[32], ct[4096];
	char text[128];
	size_t n;
	redacted_count counts = {"cav_sup", 0, 0};
	vault *v;

	th_put(f->dir, "cav_cw", f->cid, "visit", VAULT_CLASS_GENERAL,
	       "She will be at the station at 9 on Tuesday");
	th_put(f->dir, "cav_cw", f->cid, "visit", VAULT_CLASS_GENERAL, "cancelled");
	th_db_key(f->dir, "aud", key);
	n = ciphertext_of(f->dir, f->cid, "visit", VAULT_CLASS_GENERAL, 1, ct, sizeof(ct));
	assert_true(n > 32);
	/* The scanner finds it before: the check below can fail. */
	assert_true(folder_contains(f->dir, key, ct, 32));

	v = th_open(f->dir, "cav_cw");
	assert_int_equal(vault_record_redact(v, f->cid, "visit", VAULT_CLASS_GENERAL, 1, REASON),
	                 VAULT_ERR_DENIED);
	vault_close(v);
	v = th_open(f->dir, "cav_sup");
	assert_int_equal(vault_record_redact(v, f->cid, "visit", 0, 1, "too short"),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_record_redact(v, f->cid, "visit", 0, 0, REASON),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_begin(v), VAULT_OK);
	assert_int_equal(vault_record_redact(v, f->cid, "visit", 0, 1, REASON), VAULT_ERR_STATE);
	assert_int_equal(vault_rollback(v), VAULT_OK);
	must(v, vault_record_redact(v, f->cid, "visit", 0, 1, REASON), "redact");
	assert_int_equal(vault_record_redact(v, f->cid, "visit", 0, 1, REASON),
	                 VAULT_ERR_NOT_FOUND);
	/* with a handle still open: the checkpoint emptied the WAL */
	assert_false(folder_contains(f->dir, key, ct, 32));
	must(v, vault_record_history(v, f->cid, "visit", count_redacted, &counts), "history");
	assert_int_equal(counts.redacted, 1);
	assert_int_equal(counts.live, 1);
	vault_close(v);
	assert_false(folder_contains(f->dir, key, ct, 32));
	assert_int_equal(ciphertext_of(f->dir, f->cid, "visit", VAULT_CLASS_GENERAL, 1, ct,
	                               sizeof(ct)), 0);
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "visit", 0, 1, text, sizeof(text)),
	                 VAULT_ERR_NOT_FOUND);
	assert_int_equal(get(f->dir, "cav_cw", f->cid, "visit", 0, 2, text, sizeof(text)),
	                 VAULT_OK);
	assert_string_equal(text, "cancelled");
}

/* A vault written by 1.0.0 (tests/fixtures/make-vault-1.0.0.sh) opens,
 * migrates, and reads what 1.0.0 wrote; its record whose versions changed
 * class becomes one record per class; the log still verifies. */
static void test_records__vault_from_1_0_0_migrates(void **state)
{
	char *base = th_tmpdir(), dir[2048], cid[VAULT_ID_BUFSIZE] = "";
	vault_verify_result res;
	char text[128];
	vault *v = NULL;

	(void)state;
	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cid);
	assert_int_equal(vault_open(dir, "aud", (const unsigned char *)"pw-aud", 6, NULL, &v),
	                 VAULT_OK);
	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	/* 1.0 did not enforce first passphrases: the log says whose were
	 * chosen by someone else and never changed, and those change now. */
	assert_int_equal(vault_audit_verify(v, NULL, &res, NULL, NULL), VAULT_ERR_PASSWD_EXPIRED);
	assert_int_equal(vault_passwd(v, (const unsigned char *)"aud's own", 9, VAULT_KDF_DEFAULT),
	                 VAULT_OK);
	assert_int_equal(vault_audit_verify(v, NULL, &res, NULL, NULL), VAULT_OK);
	vault_close(v);
	{
		vault_buf b = VAULT_BUF_INIT;
		assert_int_equal(vault_open(dir, "cav_cw", (const unsigned char *)"pw-cav_cw", 9,
		                            NULL, &v), VAULT_OK);
		assert_int_equal(vault_passwd(v, (const unsigned char *)"cav_cw's own", 12,
		                              VAULT_KDF_DEFAULT), VAULT_OK);
		assert_int_equal(vault_record_get(v, cid, "addr", 0, &b, NULL, NULL),
		                 VAULT_ERR_AMBIGUOUS);
		assert_int_equal(vault_record_get_v2(v, cid, "addr", VAULT_CLASS_SAFETY, 0, &b,
		                                     NULL, NULL), VAULT_OK);
		snprintf(text, sizeof(text), "%.*s", (int)b.len, (const char *)b.data);
		assert_string_equal(text, "Via Roma 1, shelter");
		vault_buf_free(&b);
		assert_int_equal(vault_record_get_v2(v, cid, "addr", VAULT_CLASS_GENERAL, 2, &b,
		                                     NULL, NULL), VAULT_OK);
		snprintf(text, sizeof(text), "%.*s", (int)b.len, (const char *)b.data);
		assert_string_equal(text, "moved, see notes");
		vault_buf_free(&b);
		assert_int_equal(vault_record_get(v, cid, "intake", 0, &b, NULL, NULL), VAULT_OK);
		vault_buf_free(&b);
		vault_close(v);
	}
	/* The rows were adopted as legacy facts, vouched for by one signed
	 * entry over their images: an image changed afterwards (a grant
	 * widened in legacy_facts) no longer matches it, and every open that
	 * reads the log from its start says so (one from the user's cache of
	 * facts holds the facts as they were vouched for, and reads only the
	 * entries after it). */
	assert_int_equal(th_db_exec(dir, "admin", "UPDATE legacy_facts SET image ="
	                            " replace(image, '\"cav\",', '\"cas\",')"
	                            " WHERE image LIKE '%\"grants\"%'"), SQLITE_OK);
	th_forget_cache(dir, "cav_cw");
	{
		vault *w = NULL;

		assert_int_equal(vault_open(dir, "cav_cw", (const unsigned char *)"cav_cw's own", 12,
		                            NULL, &w), VAULT_ERR_INTEGRITY);
		assert_null(w);
		assert_non_null(strstr(vault_last_errmsg(), "legacy"));
	}
	th_rmdir(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records__other_class_name_cannot_shadow),
		cmocka_unit_test(test_records__versions_never_change_class),
		cmocka_unit_test(test_records__reclassify_up),
		cmocka_unit_test(test_records__reclassify_up_keeps_the_history),
		cmocka_unit_test(test_records__reclassify_down_needs_supervisor_and_reason),
		cmocka_unit_test(test_records__redact_removes_ciphertext_from_disk),
		cmocka_unit_test(test_records__vault_from_1_0_0_migrates),
		cmocka_unit_test(test_records__newest_version_found_without_reading_the_others),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
