/*
 * test_review.c - regressions for the findings of the security review:
 * each test reproduces an attack that worked before its fix.
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

#include "helpers.h"
#include "internal.h"
#include "facts.h"

static int count_case(const vault_case_info *i, void *c)
{
	(void)i;
	(*(int *)c)++;
	return 0;
}

/* A handle opened before its user was disabled stops at once: no data,
 * no changes, and the audit log still verifies. */
static void test_review__disabled_user_open_handle_stops(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], cid2[VAULT_ID_BUFSIZE];
	vault_buf b = VAULT_BUF_INIT;
	vault_verify_result res;
	vault *cw, *sup, *aud;
	int n = 0;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	th_put(dir, "cav_cw", cid, "addr", VAULT_CLASS_SAFETY, "Via Roma 1 (shelter)");
	cw = th_open(dir, "cav_cw");
	assert_int_equal(vault_record_get(cw, cid, "addr", 0, &b, NULL, NULL), VAULT_OK);
	vault_buf_free(&b);

	sup = th_open(dir, "cav_sup");
	assert_int_equal(vault_user_disable(sup, "cav_cw"), VAULT_OK);
	vault_close(sup);

	assert_int_equal(vault_record_get(cw, cid, "addr", 0, &b, NULL, NULL), VAULT_ERR_AUTH);
	assert_null(b.data);
	assert_int_equal(vault_case_foreach(cw, count_case, &n), VAULT_ERR_AUTH);
	assert_int_equal(n, 0);
	assert_int_equal(vault_case_create(cw, VAULT_CASE_VICTIM, 0, cid2), VAULT_ERR_AUTH);
	assert_int_equal(vault_begin(cw), VAULT_OK);
	assert_int_equal(vault_record_put(cw, cid, "x", VAULT_CLASS_GENERAL, "x", 1, NULL),
	                 VAULT_ERR_AUTH);
	assert_int_equal(vault_rollback(cw), VAULT_OK);
	vault_close(cw);

	aud = th_open(dir, "aud");
	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	assert_int_equal(vault_audit_verify(aud, NULL, &res, NULL, NULL), VAULT_OK);
	vault_close(aud);
	th_rmdir(dir);
}

/* Withdrawing the consent behind one class removes the holder's seals of
 * that class (every epoch), even while another grant keeps it on the case. */
static void test_review__withdraw_one_consent_drops_that_class_keys(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], c1[VAULT_ID_BUFSIZE], c2[VAULT_ID_BUFSIZE];
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	char *txt = NULL;
	vault *cw;

	(void)state;
	th_case(dir, "cas_cw", VAULT_CASE_VICTIM, 0, cid);
	th_put(dir, "cas_cw", cid, "addr", VAULT_CLASS_SAFETY, "Via Roma 1 (shelter)");
	th_put(dir, "cas_cw", cid, "notes", VAULT_CLASS_GENERAL, "general notes");
	cw = th_open(dir, "cas_cw");
	o.org = "asl";
	o.classes = VAULT_CLASS_GENERAL;
	o.purpose = "health";
	assert_int_equal(vault_consent_add(cw, cid, &o, c1), VAULT_OK);
	o.classes = VAULT_CLASS_SAFETY;
	o.purpose = "safety planning";
	assert_int_equal(vault_consent_add(cw, cid, &o, c2), VAULT_OK);
	so.consent_id = c1;
	assert_int_equal(vault_share(cw, cid, VAULT_PRINCIPAL_ORG, "asl", VAULT_CLASS_GENERAL, &so),
	                 VAULT_OK);
	so.consent_id = c2;
	assert_int_equal(vault_share(cw, cid, VAULT_PRINCIPAL_ORG, "asl", VAULT_CLASS_SAFETY, &so),
	                 VAULT_OK);
	assert_int_equal(th_user_can_decrypt(dir, "asl_cw", cid, "addr"), 1);

	assert_int_equal(vault_consent_withdraw(cw, c2), VAULT_OK);
	vault_close(cw);
	assert_int_equal(th_get(dir, "asl_cw", cid, "addr", &txt), VAULT_ERR_DENIED);
	assert_int_equal(th_user_can_decrypt(dir, "asl_cw", cid, "addr"), 0);
	assert_int_equal(th_user_can_unseal(dir, "asl_cw", cid, VAULT_CLASS_SAFETY, 1), 0);
	/* the general class, still consented, still opens */
	assert_int_equal(th_user_can_decrypt(dir, "asl_cw", cid, "notes"), 1);
	th_rmdir(dir);
}

static int consent_seen(const vault_consent_info *c, void *x)
{
	(void)c;
	(*(int *)x)++;
	return 0;
}

static int record_seen(const vault_record_info *r, void *x)
{
	(void)r;
	(*(int *)x)++;
	return 0;
}

/* A listing whose audit entry cannot be written hands the caller nothing. */
static void test_review__listing_without_entry_returns_nothing(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], c1[VAULT_ID_BUFSIZE];
	vault_consent_options o = VAULT_CONSENT_OPTIONS_INIT;
	int seen = 0;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	th_put(dir, "cav_cw", cid, "addr", VAULT_CLASS_SAFETY, "Via Roma 1");
	v = th_open(dir, "cav_cw");
	o.org = "asl";
	o.classes = VAULT_CLASS_GENERAL;
	o.purpose = "pregnancy follow-up";
	assert_int_equal(vault_consent_add(v, cid, &o, c1), VAULT_OK);
	assert_int_equal(th_db_exec(dir, "cav_cw", "CREATE TRIGGER block BEFORE INSERT ON audit"
	                                           " BEGIN SELECT RAISE(ABORT, 'blocked'); END;"), 0);
	assert_int_equal(vault_consent_foreach(v, cid, consent_seen, &seen), VAULT_ERR_AUDIT);
	assert_int_equal(vault_record_foreach(v, cid, record_seen, &seen), VAULT_ERR_AUDIT);
	assert_int_equal(vault_record_history(v, cid, "addr", record_seen, &seen), VAULT_ERR_AUDIT);
	assert_int_equal(seen, 0);
	assert_int_equal(th_db_exec(dir, "cav_cw", "DROP TRIGGER block;"), 0);
	assert_int_equal(vault_consent_foreach(v, cid, consent_seen, &seen), VAULT_OK);
	assert_int_equal(seen, 1); /* so the test can fail */
	vault_close(v);
	th_rmdir(dir);
}

/* Text that reaches the audit log must be UTF-8 the export can carry, with
 * no control or bidirectional-override characters. */
static void test_review__reasons_must_be_clean_utf8(void **state)
{
	static const char *const bad[] = {
	    "urgent \xff\xfe medical emergency now",   /* not UTF-8 */
	    "urgent \xc0\xaf medical emergency now",   /* overlong */
	    "urgent \xed\xa0\x80 medical emergency",   /* surrogate */
	    "urgent medical emergency\nforged line",   /* control */
	    "urgent medical \xe2\x80\xae emergency now", /* U+202E */
	};
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	char path[4096];
	vault *sup, *aud;
	size_t i;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, cid);
	sup = th_open(dir, "cav_sup");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vault_break_glass(sup, cid, bad[i], 0), VAULT_ERR_INVALID);
	assert_int_equal(vault_break_glass(sup, cid, "urgenza medica: è in pericolo adesso", 0),
	                 VAULT_OK);
	vault_close(sup);
	aud = th_open(dir, "aud");
	snprintf(path, sizeof(path), "%s/export.jsonl", dir);
	assert_int_equal(vault_audit_export(aud, path, NULL, NULL), VAULT_OK);
	vault_close(aud);
	th_rmdir(dir);
}

/* Operations that write the key-slot file are refused inside vault_begin():
 * a rollback could not take the slot back. */
static void test_review__slot_writers_refused_in_transaction(void **state)
{
	char *dir = th_network();
	slot_secret sec;
	vault_kdf def;
	vault *sup;

	(void)state;
	sup = th_open(dir, "cav_sup");
	assert_int_equal(vault_begin(sup), VAULT_OK);
	assert_int_equal(vault_user_add(sup, "temp_volunteer", NULL, VAULT_ROLE_CASEWORKER,
	                                (const unsigned char *)"told-on-phone", 13, TEST_KDF),
	                 VAULT_ERR_STATE);
	assert_int_equal(vault_passwd(sup, (const unsigned char *)"new-pass", 8, TEST_KDF),
	                 VAULT_ERR_STATE);
	assert_int_equal(vault_user_disable(sup, "cav_cw"), VAULT_ERR_STATE);
	assert_int_equal(vault_rollback(sup), VAULT_OK);
	vault_close(sup);
	assert_int_equal(vault__slot_unlock(dir, "temp_volunteer",
	                                    (const unsigned char *)"told-on-phone", 13, &sec, &def),
	                 VAULT_ERR_AUTH);
	th_rmdir(dir);
}

/* The admin chooses the first supervisor's passphrase.  Once she changes
 * it, a copy of the old key slot (and that passphrase) opens nothing
 * written afterwards: she has new keys, and her organisation new keys. */
static void test_review__admin_old_slot_useless_after_passwd(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE], keep[4096], cmd[9000];
	vault *sup;

	(void)state;
	snprintf(keep, sizeof(keep), "%s/keyslots.admin-copy", dir);
	snprintf(cmd, sizeof(cmd), "cp %s/keyslots %s", dir, keep);
	assert_int_equal(system(cmd), 0);
	/* without the change, the copy would open her records: the control */
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	th_put(dir, "cav_cw", cid, "before", VAULT_CLASS_SAFETY, "Via Roma 1 (shelter)");
	assert_int_equal(th_user_can_decrypt(dir, "cav_sup", cid, "before"), 1);

	sup = th_open(dir, "cav_sup");
	/* The same passphrase is refused: away and back. */
	assert_int_equal(vault_passwd(sup, (const unsigned char *)"pw-cav_sup2", 11, TEST_KDF),
	                 VAULT_OK);
	assert_int_equal(vault_passwd(sup, (const unsigned char *)"pw-cav_sup", 10, TEST_KDF),
	                 VAULT_OK);
	vault_close(sup);
	th_put(dir, "cav_cw", cid, "after", VAULT_CLASS_SAFETY, "Via Verdi 2 (new shelter)");
	/* She reads with her new keys; the log still verifies. */
	assert_int_equal(th_user_can_decrypt(dir, "cav_sup", cid, "after"), 1);
	{
		vault *aud = th_open(dir, "aud");
		vault_verify_result res;
		assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION),
		                 VAULT_OK);
		assert_int_equal(vault_audit_verify(aud, NULL, &res, NULL, NULL), VAULT_OK);
		vault_close(aud);
	}
	/* The admin puts the old slot back beside the new database. */
	snprintf(cmd, sizeof(cmd), "cp %s %s/keyslots", keep, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(th_user_can_decrypt(dir, "cav_sup", cid, "after"), 0);
	th_rmdir(dir);
}

static long long count_entries(const char *dir, const char *action, const char *outcome)
{
	sqlite3 *db = th_db_open(dir, "admin");
	sqlite3_stmt *s;
	long long n = -1;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM audit WHERE action = ?1"
	                                        " AND outcome = ?2", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, outcome, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* Attempts on users that fail a look-up are recorded like any other. */
static void test_review__user_lookups_failing_are_recorded(void **state)
{
	char *dir = th_network();
	vault *sup;

	(void)state;
	assert_int_equal(count_entries(dir, "user.add", "error"), 0);
	sup = th_open(dir, "cav_sup");
	assert_int_equal(vault_user_add(sup, "x1", "no-such-org", VAULT_ROLE_CASEWORKER,
	                                (const unsigned char *)"p", 1, TEST_KDF),
	                 VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_user_disable(sup, "cav_cw"), VAULT_OK);
	assert_int_equal(vault_user_disable(sup, "cav_cw"), VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_user_disable(sup, "nobody"), VAULT_ERR_NOT_FOUND);
	vault_close(sup);
	assert_int_equal(count_entries(dir, "user.add", "error"), 1);
	assert_int_equal(count_entries(dir, "user.disable", "ok"), 1);
	assert_int_equal(count_entries(dir, "user.disable", "error"), 2);
	th_rmdir(dir);
}

/* A passphrase change that cannot be recorded puts the old slot back: the
 * old passphrase and keys stay in force together. */
static void test_review__passwd_unrecorded_keeps_old_slot(void **state)
{
	char *dir = th_network();
	size_t n;
	const unsigned char *old = th_pass("cav_cw", &n);
	vault *cw, *v = NULL;

	(void)state;
	cw = th_open(dir, "cav_cw");
	assert_int_equal(th_db_exec(dir, "cav_cw", "CREATE TRIGGER block BEFORE INSERT ON audit"
	                                           " BEGIN SELECT RAISE(ABORT, 'blocked'); END;"), 0);
	assert_int_equal(vault_passwd(cw, (const unsigned char *)"brand-new", 9, TEST_KDF),
	                 VAULT_ERR_AUDIT);
	vault_close(cw);
	assert_int_equal(th_db_exec(dir, "cav_cw", "DROP TRIGGER block;"), 0);
	assert_int_equal(vault_open(dir, "cav_cw", (const unsigned char *)"brand-new", 9, NULL, &v),
	                 VAULT_ERR_AUTH);
	assert_int_equal(vault_open(dir, "cav_cw", old, n, NULL, &v), VAULT_OK);
	vault_close(v);
	th_rmdir(dir);
}

/* Whoever chose a first passphrase knows it, so she can seal the slot again
 * without its must-change flag (the library's own slot writer does it).
 * The log still names the user as added by someone else and never rekeyed:
 * the handle is refused all the same, and so is adding a member.  With
 * hide_in_index, she also rebuilds the pages of the audit table's index on
 * target (audit_keyhist) without the entries naming the new supervisor: a
 * lookup through it finds no user.add.  The open reads the key history
 * from the log it verified, not through that index. */
static void resealed_slot_still_expired(int hide_in_index)
{
	char *dir = th_network();
	const unsigned char *pw;
	unsigned char vid[32];
	slot_secret sec;
	slot_meta meta;
	vault_kdf def;
	size_t n;
	vault *sup, *v = NULL;
	int must = 0;

	/* a new organisation: the admin chose its supervisor's passphrase */
	sup = th_open(dir, "admin");
	pw = th_pass("neo_sup", &n);
	assert_int_equal(vault_org_add(sup, "neo", "Neo", VAULT_ORG_OTHER, "neo_sup", pw, n,
	                               TEST_KDF), VAULT_OK);
	vault_close(sup);
	/* the admin, as attacker, unseals the slot and seals it again, flag 0 */
	memset(&meta, 0, sizeof(meta));
	assert_int_equal(vault__slot_unlock_meta(dir, "neo_sup", pw, n, &sec, &def, &meta),
	                 VAULT_OK);
	assert_true((meta.flags & SLOT_MUST_CHANGE) != 0);
	memcpy(vid, meta.vault_id, 32);
	assert_int_equal(vault__slot_write(dir, "neo_sup", pw, n, TEST_KDF, &sec, 0, vid,
	                                   SLOT_PUT_CURRENT, NULL), VAULT_OK);
	memset(&meta, 0, sizeof(meta));
	assert_int_equal(vault__slot_unlock_meta(dir, "neo_sup", pw, n, &sec, &def, &meta),
	                 VAULT_OK);
	assert_int_equal(meta.flags & SLOT_MUST_CHANGE, 0); /* the flag is gone */
	sodium_memzero(&sec, sizeof(sec));
	if (hide_in_index) {
		char sql[1024];

		snprintf(sql, sizeof(sql),
		         "CREATE TABLE scratch(target TEXT, s INTEGER, action TEXT);"
		         "INSERT INTO scratch(rowid, target, s, action) SELECT seq, target, seq,"
		         " action FROM audit WHERE target IS NOT 'neo_sup';"
		         "CREATE INDEX scratch_keyhist ON scratch(target, s)"
		         " WHERE action IN ('user.add', 'user.rekey');"
		         "PRAGMA writable_schema = ON;"
		         "UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM sqlite_master"
		         " WHERE name = 'scratch_keyhist') WHERE name = 'audit_keyhist';"
		         "DELETE FROM sqlite_master WHERE name IN ('scratch', 'scratch_keyhist');"
		         "PRAGMA writable_schema = OFF; PRAGMA schema_version = %lld;",
		         th_db_int(dir, "admin", "PRAGMA schema_version") + 1);
		assert_int_equal(th_db_exec(dir, "admin", sql), 0);
		/* control: through the index, nothing names her */
		assert_int_equal(th_db_int(dir, "admin", "SELECT count(*) FROM audit WHERE"
		                                         " target = 'neo_sup' AND action IN"
		                                         " ('user.add', 'user.rekey')"), 0);
		assert_true(th_db_int(dir, "admin", "SELECT count(*) FROM audit NOT INDEXED WHERE"
		                                    " +target = 'neo_sup' AND action IN"
		                                    " ('user.add', 'user.rekey')") > 0);
	}
	assert_int_equal(vault_open(dir, "neo_sup", pw, n, NULL, &v), VAULT_OK);
	assert_int_equal(vault_user_add(v, "mallory", "neo", VAULT_ROLE_CASEWORKER,
	                                (const unsigned char *)"pw-mallory", 10, TEST_KDF),
	                 VAULT_ERR_PASSWD_EXPIRED);
	assert_int_equal(vault_user_must_change(v, "neo_sup", &must), VAULT_ERR_PASSWD_EXPIRED);
	vault_close(v);
	th_rmdir(dir);
}

static void test_review__resealed_slot_without_must_change_still_expired(void **state)
{
	(void)state;
	resealed_slot_still_expired(0);
}

static void test_review__resealed_slot_and_keyhist_index_rewritten_still_expired(void **state)
{
	(void)state;
	resealed_slot_still_expired(1);
}

/* An empty auth-failures.taken (planted, or left by a full disk) must not
 * keep later failed unlocks out of the log for good. */
static void test_review__empty_taken_inbox_does_not_hide_failed_unlocks(void **state)
{
	char *dir = th_network();
	char path[4096];
	sqlite3 *db;
	sqlite3_stmt *s;
	vault *v = NULL;
	FILE *fp;
	int i, n = -1;

	(void)state;
	snprintf(path, sizeof(path), "%s/auth-failures.taken", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	for (i = 0; i < 2; i++) {
		assert_int_equal(vault_open(dir, "cav_cw", (const unsigned char *)"wrong", 5, NULL,
		                            &v), VAULT_ERR_AUTH);
		vault_close(th_open(dir, "cav_sup"));
	}
	vault_close(th_open(dir, "cav_sup"));
	db = th_db_open(dir, "aud");
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM audit WHERE"
	                                        " action = 'auth.fail'", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_int_equal(n, 2);
	th_rmdir(dir);
}

/* A row deleted from the middle of the log, around the API: the next
 * write cannot extend the tree, and says the log is damaged (exit 6), not
 * that an entry could not be written. */
static void test_review__deleted_log_row_is_integrity_not_audit(void **state)
{
	char *dir = th_network();
	const unsigned char *pw;
	size_t n;
	vault *v = NULL;
	vault_status st;
	int k;

	(void)state;
	for (k = 2; k < 40; k += 7) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DELETE FROM audit WHERE seq = %d", k);
		assert_int_equal(th_db_exec(dir, "admin", sql), SQLITE_OK);
	}
	th_forget_witness(dir, "cav_cw"); /* she comes afresh: the write must say it */
	pw = th_pass("cav_cw", &n);
	st = vault_open(dir, "cav_cw", pw, n, NULL, &v);
	if (st == VAULT_OK)
		vault_close(v);
	assert_true(st == VAULT_ERR_INTEGRITY || st == VAULT_ERR_CORRUPT || st == VAULT_OK);
	assert_int_not_equal(st, VAULT_ERR_AUDIT);
	th_rmdir(dir);
}

/* vault_create takes the folder itself, the caller's own, in a parent no
 * one else can rename it out of. */
static void test_review__create_refuses_misplaced_folders(void **state)
{
	char *base = th_tmpdir();
	char dir[2048], link[2048], ww[2048], inner[2048], sticky[2048], ok[2048];
	vault_create_options o = VAULT_CREATE_OPTIONS_INIT;
	vault *v = NULL;

	(void)state;
	o.kdf = TEST_KDF;
	snprintf(dir, sizeof(dir), "%s/real", base);
	snprintf(link, sizeof(link), "%s/link", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(symlink(dir, link), 0);
	assert_int_equal(vault_create(link, "admin", (const unsigned char *)"pw", 2, &o, &v),
	                 VAULT_ERR_INVALID);
	assert_non_null(strstr(vault_last_errmsg(), "symbolic link"));
	snprintf(ww, sizeof(ww), "%s/ww", base);
	snprintf(inner, sizeof(inner), "%s/ww/inner", base);
	assert_int_equal(mkdir(ww, 0700), 0);
	assert_int_equal(chmod(ww, 0777), 0);
	assert_int_equal(vault_create(inner, "admin", (const unsigned char *)"pw", 2, &o, &v),
	                 VAULT_ERR_INVALID);
	assert_non_null(strstr(vault_last_errmsg(), "not sticky"));
	assert_int_equal(access(inner, F_OK), -1); /* the folder it made went again */
	assert_int_equal(mkdir(inner, 0700), 0);
	assert_int_equal(vault_create(inner, "admin", (const unsigned char *)"pw", 2, &o, &v),
	                 VAULT_ERR_INVALID);
	snprintf(sticky, sizeof(sticky), "%s/sticky", base);
	snprintf(ok, sizeof(ok), "%s/sticky/vault", base);
	assert_int_equal(mkdir(sticky, 0700), 0);
	assert_int_equal(chmod(sticky, 01777), 0);
	assert_int_equal(vault_create(ok, "admin", (const unsigned char *)"pw", 2, &o, &v),
	                 VAULT_OK);
	vault_close(v);
	if (geteuid() == 0) { /* a folder of another user */
		char theirs[2048];
		snprintf(theirs, sizeof(theirs), "%s/theirs", base);
		assert_int_equal(mkdir(theirs, 0700), 0);
		assert_int_equal(chown(theirs, 65534, 65534), 0);
		assert_int_equal(vault_create(theirs, "admin", (const unsigned char *)"pw", 2, &o,
		                              &v), VAULT_ERR_INVALID);
		assert_non_null(strstr(vault_last_errmsg(), "another user"));
	}
	th_rmdir(base);
}

/* The statement parser takes one parse when the text is the compact dump
 * the library writes, and two (which must agree) for any other spelling of
 * the same JSON: both are statements.  A hash value is the one base64 form
 * of 32 bytes, and nothing else. */
static void test_review__statement_texts_in_any_spelling(void **state)
{
	static const char *h = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	char t[1024];
	const char *bad[] = {
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", /* bits past the 32 bytes */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", /* 31 bytes */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* unpadded */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-=", /* URL alphabet */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* 45 characters */
	};
	size_t i;

	(void)state;
#define ORG(hv) "{\"v\":1,\"s\":[{\"t\":\"org_pubkeys\",\"r\":[\"o\",1,2,{\"h\":\"%s\"}]}]}", hv
	snprintf(t, sizeof(t), ORG(h));
	assert_int_equal(vault__facts_parse_check(t, strlen(t)), 1);
	/* the same statements spelled otherwise: spaces, an escaped letter */
	snprintf(t, sizeof(t), "{ \"v\" : 1, \"s\" : [ { \"t\" : \"org_pubkeys\", \"r\" :"
	         " [ \"\\u006f\", 1, 2, { \"h\" : \"%s\" } ] } ] }", h);
	assert_int_equal(vault__facts_parse_check(t, strlen(t)), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(t, sizeof(t), ORG(bad[i]));
		assert_int_equal(vault__facts_parse_check(t, strlen(t)), 0);
	}
	/* a blob where only a hash may stand */
	snprintf(t, sizeof(t), "{\"v\":1,\"s\":[{\"t\":\"org_pubkeys\",\"r\":[\"o\",1,2,\"%s\"]}]}",
	         h);
	assert_int_equal(vault__facts_parse_check(t, strlen(t)), 0);
	/* text where the schema declares an integer (an owner flag 'x' that
	 * no "owner = 0" finds: attack 40h), or null where it is NOT NULL */
	snprintf(t, sizeof(t), "{\"v\":1,\"s\":[{\"t\":\"org_pubkeys\",\"r\":[\"o\",1,\"box\","
	         "{\"h\":\"%s\"}]}]}", h);
	assert_int_equal(vault__facts_parse_check(t, strlen(t)), 0);
	snprintf(t, sizeof(t), "{\"v\":1,\"s\":[{\"t\":\"org_pubkeys\",\"r\":[\"o\",null,2,"
	         "{\"h\":\"%s\"}]}]}", h);
	assert_int_equal(vault__facts_parse_check(t, strlen(t)), 0);
#undef ORG
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_review__create_refuses_misplaced_folders),
		cmocka_unit_test(test_review__statement_texts_in_any_spelling),
		cmocka_unit_test(test_review__deleted_log_row_is_integrity_not_audit),
		cmocka_unit_test(test_review__empty_taken_inbox_does_not_hide_failed_unlocks),
		cmocka_unit_test(test_review__resealed_slot_without_must_change_still_expired),
		cmocka_unit_test(test_review__resealed_slot_and_keyhist_index_rewritten_still_expired),
	    cmocka_unit_test(test_review__disabled_user_open_handle_stops),
	    cmocka_unit_test(test_review__withdraw_one_consent_drops_that_class_keys),
	    cmocka_unit_test(test_review__listing_without_entry_returns_nothing),
	    cmocka_unit_test(test_review__reasons_must_be_clean_utf8),
	    cmocka_unit_test(test_review__slot_writers_refused_in_transaction),
	    cmocka_unit_test(test_review__admin_old_slot_useless_after_passwd),
	    cmocka_unit_test(test_review__user_lookups_failing_are_recorded),
	    cmocka_unit_test(test_review__passwd_unrecorded_keeps_old_slot),
	};

	/* The fail-closed tests make the audit insert fail with a trigger of
	 * their own: the library's connections run triggers only when told to. */
	vault__fault_triggers(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
