/*
 * test_invariants.c - invariants 1, 2 and 8 of DESIGN.md, literally, and
 * what damage to the files does:
 *
 *  1. no plaintext of a record, a record name or a passphrase (nor a user
 *     name) in any byte of any file of the vault folder, with a handle
 *     open (WAL present) and after close;
 *  2. a user without a grant gets VAULT_ERR_DENIED, and cannot decrypt the
 *     records with any key they hold, reading the database directly;
 *  8. wrong passphrase and unknown user: the same status, message and KDF
 *     work;
 *  and: a ciphertext moved to another row fails with VAULT_ERR_CORRUPT; a
 *  flipped byte in vault.db or keyslots, or a cut keyslots file, gives a
 *  clean error, never a crash.
 */
#include <fcntl.h>
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
#include <sodium.h>

#include "helpers.h"
#include "internal.h"

/* ---- local helpers -------------------------------------------------------- */

static char *file_path(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = malloc(n);

	snprintf(p, n, "%s/%s", dir, file);
	return p;
}

static long file_size(const char *dir, const char *file)
{
	char *p = file_path(dir, file);
	struct stat sb;
	long n = stat(p, &sb) == 0 ? (long)sb.st_size : -1;

	free(p);
	return n;
}

/* An integer from the database, read directly with `user`'s db key. */
#define db_int th_db_int

static int contains_str(const char *dir, const char *s)
{
	return th_dir_contains(dir, s, strlen(s));
}

/* 1 if `needle` occurs in the one file `path`. */
static int file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t n, len = strlen(needle), i;
	unsigned char *buf;
	struct stat sb;
	int found = 0;

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &sb), 0);
	buf = malloc((size_t)sb.st_size + 1);
	n = fread(buf, 1, (size_t)sb.st_size, f);
	fclose(f);
	for (i = 0; !found && n >= len && i <= n - len; i++)
		found = memcmp(buf + i, needle, len) == 0;
	free(buf);
	return found;
}

static vault_status open_pw(const char *dir, const char *user, const char *pw, vault **out)
{
	return vault_open(dir, user, (const unsigned char *)pw, strlen(pw), NULL, out);
}

static vault_status get_status(vault *v, const char *cid, const char *name, uint32_t ver)
{
	vault_buf b = VAULT_BUF_INIT;
	vault_status st = vault_record_get(v, cid, name, ver, &b, NULL, NULL);

	vault_buf_free(&b);
	return st;
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
	}
	vault_buf_free(&b);
	return st;
}

static void put(vault *v, const char *cid, const char *name, vault_class cls,
                const char *text)
{
	vault_status st = vault_record_put(v, cid, name, cls, text, strlen(text), NULL);

	if (st != VAULT_OK)
		fail_msg("put %s: %s (%s)", name, vault_strerror(st), vault_errmsg(v));
}

/* ---- invariant 1: no plaintext on disk ------------------------------------------ */

#define NEW_PASS_CW "second passphrase of the caseworker 4471"
#define NEW_PASS_USER "passphrase of the newcomer 8812"
#define WRONG_PASS "mistyped passphrase 9921"

static const char *const record_names[] = {
	"intake_interview_notes", "medical_report_er_visit", "residence_permit_status",
	"shelter_address_current", "fears_contact_of_ex_partner", "programme_attendance_log",
};
static const char *const record_texts[] = {
	"She described repeated threats since March, referred by SAI Ostuni",
	"Emergency room visit 12/02: fractured wrist, bruising on forearms",
	"Permit for special protection (art. 18-bis) requested at Questura",
	"Rifugio Le Ginestre, via dei Glicini 17, interno 4, citofono Rossi",
	"Do not call before 20:00; he checks her phone; brother is dangerous",
	"Attended group session 7; denies responsibility; probation officer Bianchi",
};
static const char *const old_texts[] = {
	"Earlier version of the shelter address: Casa Aurora, strada vicinale 9",
};
static const char *const users_all[] = {
	"admin", "admin2", "aud", "cav_sup", "cav_cw", "cas_sup", "cas_cw", "cuav_sup",
	"cuav_cw", "asl_sup", "asl_cw", "pref_sup", "oth_sup", "newcomer_cav",
};

/* A realistic session: cases of two kinds, records in every class, old
 * versions, a deletion, a new user, a passphrase change, a failed unlock.
 * Returns with `*open_h` (may be NULL) a handle left open with fresh
 * writes, so the WAL holds frames. */
static char *session(vault **open_h)
{
	char *dir = th_network();
	char vc[VAULT_ID_BUFSIZE], pc[VAULT_ID_BUFSIZE];
	vault *v, *w = NULL;
	size_t n;
	const unsigned char *p;

	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, vc);
	v = th_open(dir, "cav_cw");
	put(v, vc, record_names[0], VAULT_CLASS_GENERAL, record_texts[0]);
	put(v, vc, record_names[1], VAULT_CLASS_SENSITIVE, record_texts[1]);
	put(v, vc, record_names[2], VAULT_CLASS_SENSITIVE, record_texts[2]);
	put(v, vc, record_names[3], VAULT_CLASS_SAFETY, old_texts[0]);
	put(v, vc, record_names[3], VAULT_CLASS_SAFETY, record_texts[3]);
	put(v, vc, record_names[4], VAULT_CLASS_SAFETY, record_texts[4]);
	put(v, vc, "to_be_deleted_record", VAULT_CLASS_GENERAL, "short-lived text 3141");
	assert_int_equal(vault_record_delete(v, vc, "to_be_deleted_record", NULL), VAULT_OK);
	assert_int_equal(vault_passwd(v, (const unsigned char *)NEW_PASS_CW,
	                              strlen(NEW_PASS_CW), TEST_KDF), VAULT_OK);
	vault_close(v);

	th_case(dir, "cuav_cw", VAULT_CASE_PERPETRATOR, 0, pc);
	th_put(dir, "cuav_cw", pc, record_names[5], VAULT_CLASS_GENERAL, record_texts[5]);

	v = th_open(dir, "cav_sup");
	p = (const unsigned char *)NEW_PASS_USER;
	n = strlen(NEW_PASS_USER);
	assert_int_equal(vault_user_add(v, "newcomer_cav", NULL, VAULT_ROLE_CASEWORKER, p, n,
	                                TEST_KDF), VAULT_OK);
	vault_close(v);
	assert_int_equal(open_pw(dir, "cav_sup", WRONG_PASS, &w), VAULT_ERR_AUTH);
	assert_int_equal(open_pw(dir, "someone_unknown", WRONG_PASS, &w), VAULT_ERR_AUTH);

	if (open_h != NULL) {
		vault_buf b = VAULT_BUF_INIT;
		assert_int_equal(open_pw(dir, "newcomer_cav", NEW_PASS_USER, &w), VAULT_OK);
		/* Her first passphrase was chosen for her: she changes it. */
		assert_int_equal(vault_passwd(w, (const unsigned char *)NEW_PASS_CW "-nc",
		                              strlen(NEW_PASS_CW "-nc"), TEST_KDF), VAULT_OK);
		assert_int_equal(vault_record_get(w, vc, record_names[3], 0, &b, NULL, NULL),
		                 VAULT_OK);
		assert_memory_equal(b.data, record_texts[3], strlen(record_texts[3]));
		vault_buf_free(&b);
		put(w, vc, "written_while_open", VAULT_CLASS_GENERAL, record_texts[0]);
		*open_h = w;
	}
	return dir;
}

static void assert_no_plaintext(const char *dir)
{
	size_t i;
	char pw[96];

	/* The scanner works: it finds what is there. */
	assert_true(contains_str(dir, "libvault-keyslots"));
	for (i = 0; i < sizeof(record_texts) / sizeof(record_texts[0]); i++)
		if (contains_str(dir, record_texts[i]))
			fail_msg("record text %zu is on disk", i);
	if (contains_str(dir, old_texts[0]))
		fail_msg("an old version's text is on disk");
	if (contains_str(dir, "short-lived text 3141"))
		fail_msg("a deleted record's text is on disk");
	for (i = 0; i < sizeof(record_names) / sizeof(record_names[0]); i++)
		if (contains_str(dir, record_names[i]))
			fail_msg("record name %s is on disk", record_names[i]);
	if (contains_str(dir, "to_be_deleted_record"))
		fail_msg("a deleted record's name is on disk");
	for (i = 0; i < sizeof(users_all) / sizeof(users_all[0]); i++) {
		snprintf(pw, sizeof(pw), "pw-%s", users_all[i]);
		if (contains_str(dir, pw))
			fail_msg("passphrase of %s is on disk", users_all[i]);
	}
	assert_false(contains_str(dir, NEW_PASS_CW));
	assert_false(contains_str(dir, NEW_PASS_USER));
	assert_false(contains_str(dir, WRONG_PASS));
	/* Names of staff: long enough that chance cannot put them there. */
	for (i = 0; i < sizeof(users_all) / sizeof(users_all[0]); i++)
		if (strlen(users_all[i]) >= 6 && contains_str(dir, users_all[i]))
			fail_msg("user name %s is on disk", users_all[i]);
	assert_false(contains_str(dir, "someone_unknown"));
}

static void test_invariants__no_plaintext_with_handle_open(void **state)
{
	vault *h = NULL;
	char *dir = session(&h);

	(void)state;
	/* The WAL is there and holds frames: it is scanned too. */
	assert_true(file_size(dir, "vault.db-wal") > 0);
	assert_no_plaintext(dir);
	vault_close(h);
	th_rmdir(dir);
}

static void test_invariants__no_plaintext_after_close(void **state)
{
	char *dir = session(NULL);

	(void)state;
	/* Every handle closed: the WAL was checkpointed into vault.db. */
	assert_true(file_size(dir, "vault.db-wal") <= 0);
	assert_no_plaintext(dir);
	th_rmdir(dir);
}

static void test_invariants__keyslots_hold_no_user_names(void **state)
{
	char *dir = session(NULL);
	char *ks = file_path(dir, "keyslots");
	size_t i;

	(void)state;
	assert_true(file_contains(ks, "libvault-keyslots"));
	for (i = 0; i < sizeof(users_all) / sizeof(users_all[0]); i++)
		if (file_contains(ks, users_all[i]))
			fail_msg("user name %s is in keyslots", users_all[i]);
	free(ks);
	th_rmdir(dir);
}

/* ---- invariant 2: no grant, no key ------------------------------------------------ */

/* A victim case of cav with one record in each class. */
static char *victim_case(char cid[VAULT_ID_BUFSIZE])
{
	char *dir = th_network();
	vault *v;

	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	put(v, cid, "gen", VAULT_CLASS_GENERAL, "general content");
	put(v, cid, "sens", VAULT_CLASS_SENSITIVE, "sensitive content");
	put(v, cid, "safe", VAULT_CLASS_SAFETY, "safety content");
	vault_close(v);
	return dir;
}

static const char *const rec_of_class[3] = {"gen", "sens", "safe"};

static void test_invariants__owning_org_member_can_decrypt_directly(void **state)
{
	char cid[VAULT_ID_BUFSIZE];
	char *dir = victim_case(cid);
	unsigned int c;
	int i;

	(void)state;
	/* The by-hand path works: what the others fail at is real. */
	for (i = 0, c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1, i++) {
		assert_int_equal(th_user_can_unseal(dir, "cav_cw", cid, c, 1), 1);
		assert_int_equal(th_user_can_unseal(dir, "cav_sup", cid, c, 1), 1);
		assert_int_equal(th_user_can_decrypt(dir, "cav_cw", cid, rec_of_class[i]), 1);
		assert_int_equal(th_user_can_decrypt(dir, "cav_sup", cid, rec_of_class[i]), 1);
	}
	th_rmdir(dir);
}

static void test_invariants__other_org_denied_by_api(void **state)
{
	static const char *const others[] = {"cas_sup", "cas_cw", "cuav_sup", "cuav_cw",
	                                     "asl_sup", "asl_cw", "pref_sup", "oth_sup"};
	char cid[VAULT_ID_BUFSIZE];
	char *dir = victim_case(cid);
	size_t u;
	int i;

	(void)state;
	for (u = 0; u < sizeof(others) / sizeof(others[0]); u++) {
		vault *v = th_open(dir, others[u]);
		for (i = 0; i < 3; i++) {
			vault_status st = get_status(v, cid, rec_of_class[i], 0);
			if (st != VAULT_ERR_DENIED)
				fail_msg("%s reads %s: %s", others[u], rec_of_class[i],
				         vault_strerror(st));
		}
		vault_close(v);
	}
	th_rmdir(dir);
}

static void test_invariants__other_org_cannot_decrypt_directly(void **state)
{
	static const char *const others[] = {"cas_sup", "cas_cw", "cuav_sup", "cuav_cw",
	                                     "asl_sup", "asl_cw", "pref_sup", "oth_sup"};
	char cid[VAULT_ID_BUFSIZE];
	char *dir = victim_case(cid);
	unsigned int c;
	size_t u;
	int i;

	(void)state;
	for (u = 0; u < sizeof(others) / sizeof(others[0]); u++)
		for (i = 0, c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1, i++) {
			if (th_user_can_unseal(dir, others[u], cid, c, 1))
				fail_msg("%s unseals class %u", others[u], c);
			if (th_user_can_decrypt(dir, others[u], cid, rec_of_class[i]))
				fail_msg("%s decrypts %s", others[u], rec_of_class[i]);
		}
	th_rmdir(dir);
}

static void test_invariants__admin_and_auditor_cannot_decrypt(void **state)
{
	static const char *const staff[] = {"admin", "admin2", "aud"};
	char cid[VAULT_ID_BUFSIZE];
	char *dir = victim_case(cid);
	unsigned int c;
	size_t u;
	int i;

	(void)state;
	for (u = 0; u < sizeof(staff) / sizeof(staff[0]); u++) {
		vault *v = th_open(dir, staff[u]);
		for (i = 0, c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1, i++) {
			assert_int_equal(get_status(v, cid, rec_of_class[i], 0), VAULT_ERR_DENIED);
			if (th_user_can_unseal(dir, staff[u], cid, c, 1))
				fail_msg("%s unseals class %u", staff[u], c);
			if (th_user_can_decrypt(dir, staff[u], cid, rec_of_class[i]))
				fail_msg("%s decrypts %s", staff[u], rec_of_class[i]);
		}
		vault_close(v);
	}
	/* The admin who created the organisations kept none of their keys. */
	assert_int_equal(db_int(dir, "admin", "SELECT count(*) FROM org_keys WHERE user IN"
	                                      " ('admin', 'admin2', 'aud')"), 0);
	assert_true(db_int(dir, "admin", "SELECT count(*) FROM org_keys"
	                                 " WHERE user = 'cav_sup'") > 0);
	th_rmdir(dir);
}

static void test_invariants__restricted_case_closed_to_colleague(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	unsigned int c;
	vault *v;
	size_t n;
	const unsigned char *p = th_pass("cav_cw2", &n);

	(void)state;
	v = th_open(dir, "cav_sup");
	assert_int_equal(vault_user_add(v, "cav_cw2", NULL, VAULT_ROLE_CASEWORKER, p, n,
	                                TEST_KDF), VAULT_OK);
	vault_close(v);
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, cid);
	th_put(dir, "cav_cw", cid, "gen", VAULT_CLASS_GENERAL, "only mine");
	v = th_open(dir, "cav_cw2");
	assert_int_equal(get_status(v, cid, "gen", 0), VAULT_ERR_DENIED);
	vault_close(v);
	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1)
		assert_int_equal(th_user_can_unseal(dir, "cav_cw2", cid, c, 1), 0);
	assert_int_equal(th_user_can_decrypt(dir, "cav_cw2", cid, "gen"), 0);
	assert_int_equal(th_user_can_decrypt(dir, "cav_cw", cid, "gen"), 1);
	th_rmdir(dir);
}

/* ---- invariant 8: one answer for every failed unlock ----------------------------- */

struct attempt {
	vault_status st;
	unsigned long kdf_runs;
	char msg[512];
	int got_handle;
};

static void attempt(const char *dir, const char *user, const char *pw, struct attempt *a)
{
	unsigned long before = vault__kdf_runs;
	vault *v = NULL;

	a->st = open_pw(dir, user, pw, &v);
	a->kdf_runs = vault__kdf_runs - before;
	snprintf(a->msg, sizeof(a->msg), "%s", vault_last_errmsg());
	a->got_handle = v != NULL;
	vault_close(v);
}

static void test_invariants__wrong_passphrase_and_unknown_user_alike(void **state)
{
	char *dir = th_network();
	struct attempt right, wrong, unknown;

	(void)state;
	attempt(dir, "cav_cw", "pw-cav_cw", &right);
	attempt(dir, "cav_cw", "pw-cav_cx", &wrong);
	attempt(dir, "no_such_person", "pw-cav_cw", &unknown);
	assert_int_equal(right.st, VAULT_OK);
	assert_int_equal(wrong.st, VAULT_ERR_AUTH);
	assert_int_equal(unknown.st, VAULT_ERR_AUTH);
	assert_false(wrong.got_handle);
	assert_false(unknown.got_handle);
	/* Exactly one Argon2id run each: the same work as a right one. */
	assert_int_equal(right.kdf_runs, 1);
	assert_int_equal(wrong.kdf_runs, 1);
	assert_int_equal(unknown.kdf_runs, 1);
	assert_true(strlen(wrong.msg) > 0);
	assert_string_equal(wrong.msg, unknown.msg);
	/* The message names neither the user nor the passphrase. */
	assert_null(strstr(wrong.msg, "cav_cw"));
	assert_null(strstr(unknown.msg, "no_such_person"));
	assert_null(strstr(wrong.msg, "pw-"));
	th_rmdir(dir);
}

static void test_invariants__disabled_user_alike(void **state)
{
	char *dir = th_network();
	struct attempt disabled, unknown;
	vault *v = th_open(dir, "cas_sup");

	(void)state;
	assert_int_equal(vault_user_disable(v, "cas_cw"), VAULT_OK);
	vault_close(v);
	attempt(dir, "cas_cw", "pw-cas_cw", &disabled);
	attempt(dir, "no_such_person", "pw-cas_cw", &unknown);
	assert_int_equal(disabled.st, VAULT_ERR_AUTH);
	assert_int_equal(disabled.kdf_runs, 1);
	assert_int_equal(unknown.kdf_runs, 1);
	assert_string_equal(disabled.msg, unknown.msg);
	th_rmdir(dir);
}

/* The work is the same in cost too, not only in count: an unknown user
 * runs Argon2id at the vault's default level, the level of the fixture's
 * slots. */
static void test_invariants__unknown_user_runs_default_cost(void **state)
{
	char *dir = th_network();
	unsigned long long ops_t, ops_d;
	size_t mem_t, mem_d;

	(void)state;
	assert_int_equal(vault__kdf_params(TEST_KDF, &ops_t, &mem_t), 0);
	assert_int_equal(vault__kdf_params(VAULT_KDF_DEFAULT, &ops_d, &mem_d), 0);
	/* The levels differ, so a slot at one and a dummy at the other would
	 * show; the fixture vault's default is the test level. */
	assert_true(ops_t != ops_d || mem_t != mem_d);
	{
		char *ks = file_path(dir, "keyslots");
		assert_true(file_contains(ks, "\"default_kdf\": 99"));
		free(ks);
	}
	th_rmdir(dir);
}

/* ---- a ciphertext moved to another row ------------------------------------------- */

/* records.name holds a record's tag (lib/freetext.c): as an SQL literal,
 * found with cav_cw's keys. */
static void tag_lit(const char *dir, const char *case_id, const char *name, char out[40])
{
	unsigned char tag[16];
	char hex[33];

	assert_int_not_equal(th_find_tag(dir, "cav_cw", case_id, name, tag), 0);
	vault__hex(tag, sizeof(tag), hex);
	snprintf(out, 40, "X'%s'", hex);
}

/* Copy nonce and ciphertext of (case1, name1, ver1) over (case2, name2, ver2). */
static void move_ct(const char *dir, const char *c1, const char *name1, int v1,
                    const char *c2, const char *name2, int v2)
{
	char sql[1024], n1[40], n2[40];

	tag_lit(dir, c1, name1, n1);
	tag_lit(dir, c2, name2, n2);
	snprintf(sql, sizeof(sql),
	         "UPDATE records SET"
	         " nonce = (SELECT nonce FROM records WHERE case_id = '%s' AND name = %s"
	         "          AND version = %d),"
	         " ct = (SELECT ct FROM records WHERE case_id = '%s' AND name = %s"
	         "       AND version = %d)"
	         " WHERE case_id = '%s' AND name = %s AND version = %d",
	         c1, n1, v1, c1, n1, v1, c2, n2, v2);
	assert_int_equal(th_db_exec(dir, "cav_cw", sql), SQLITE_OK);
	assert_int_equal(th_db_exec(dir, "cav_cw", "SELECT 1"), SQLITE_OK);
}

/* The same plaintext length everywhere, so only authentication can fail. */
#define PT_A "payload-A-0001"
#define PT_B "payload-B-0002"

/* Since schema 7 a ciphertext moved, replaced or cut around the library is
 * first a row the signed log does not hold (VAULT_ERR_INTEGRITY, lib/facts.c);
 * the AEAD's associated data (which would say VAULT_ERR_CORRUPT) stays as
 * the second wall. */
static void test_invariants__ciphertext_moved_to_other_case(void **state)
{
	char *dir = th_network();
	char a[VAULT_ID_BUFSIZE], b[VAULT_ID_BUFSIZE], text[64];
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, a);
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, b);
	v = th_open(dir, "cav_cw");
	put(v, a, "note", VAULT_CLASS_GENERAL, PT_A);
	put(v, b, "note", VAULT_CLASS_GENERAL, PT_B);
	assert_int_equal(get_text(v, b, "note", 1, text, sizeof(text)), VAULT_OK);
	vault_close(v);
	move_ct(dir, a, "note", 1, b, "note", 1);
	v = th_open(dir, "cav_cw");
	assert_int_equal(get_text(v, b, "note", 1, text, sizeof(text)), VAULT_ERR_INTEGRITY);
	assert_string_equal(text, "");
	assert_int_equal(get_text(v, a, "note", 1, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, PT_A);
	vault_close(v);
	th_rmdir(dir);
}

static void test_invariants__ciphertext_moved_to_other_name(void **state)
{
	char *dir = th_network();
	char a[VAULT_ID_BUFSIZE], text[64];
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, a);
	v = th_open(dir, "cav_cw");
	put(v, a, "alpha", VAULT_CLASS_SENSITIVE, PT_A);
	put(v, a, "bravo", VAULT_CLASS_SENSITIVE, PT_B);
	assert_int_equal(get_text(v, a, "bravo", 1, text, sizeof(text)), VAULT_OK);
	vault_close(v);
	move_ct(dir, a, "alpha", 1, a, "bravo", 1);
	v = th_open(dir, "cav_cw");
	assert_int_equal(get_text(v, a, "bravo", 1, text, sizeof(text)), VAULT_ERR_INTEGRITY);
	assert_int_equal(get_text(v, a, "bravo", 0, text, sizeof(text)), VAULT_ERR_INTEGRITY);
	assert_int_equal(get_text(v, a, "alpha", 1, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, PT_A);
	vault_close(v);
	th_rmdir(dir);
}

static void test_invariants__ciphertext_moved_to_other_version(void **state)
{
	char *dir = th_network();
	char a[VAULT_ID_BUFSIZE], text[64];
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, a);
	v = th_open(dir, "cav_cw");
	put(v, a, "plan", VAULT_CLASS_SAFETY, PT_A);
	put(v, a, "plan", VAULT_CLASS_SAFETY, PT_B);
	assert_int_equal(get_text(v, a, "plan", 2, text, sizeof(text)), VAULT_OK);
	vault_close(v);
	/* An attacker restores an older version's ciphertext as the latest. */
	move_ct(dir, a, "plan", 1, a, "plan", 2);
	v = th_open(dir, "cav_cw");
	assert_int_equal(get_text(v, a, "plan", 2, text, sizeof(text)), VAULT_ERR_INTEGRITY);
	assert_int_equal(get_text(v, a, "plan", 0, text, sizeof(text)), VAULT_ERR_INTEGRITY);
	assert_int_equal(get_text(v, a, "plan", 1, text, sizeof(text)), VAULT_OK);
	assert_string_equal(text, PT_A);
	vault_close(v);
	th_rmdir(dir);
}

static void test_invariants__ciphertext_moved_to_other_class(void **state)
{
	char *dir = th_network();
	char a[VAULT_ID_BUFSIZE], text[64], sql[160], g[40];
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, a);
	v = th_open(dir, "cav_cw");
	put(v, a, "gen", VAULT_CLASS_GENERAL, PT_A);
	put(v, a, "sens", VAULT_CLASS_SENSITIVE, PT_B);
	assert_int_equal(get_text(v, a, "sens", 1, text, sizeof(text)), VAULT_OK);
	vault_close(v);
	/* The general ciphertext put in the sensitive row ... */
	move_ct(dir, a, "gen", 1, a, "sens", 1);
	/* ... and a row relabelled to another class, ciphertext unchanged. */
	tag_lit(dir, a, "gen", g);
	snprintf(sql, sizeof(sql), "UPDATE records SET class = 4 WHERE name = %s", g);
	assert_int_equal(th_db_exec(dir, "cav_cw", sql), SQLITE_OK);
	v = th_open(dir, "cav_cw");
	assert_int_equal(get_text(v, a, "sens", 1, text, sizeof(text)), VAULT_ERR_INTEGRITY);
	/* its tag is general's: in safety it names nothing (tags are keyed by
	 * their class's key), so nothing is served; and general, where the log
	 * holds its version, has lost its row: told, not "no such record"
	 * (attack 250a) */
	assert_int_equal(get_text(v, a, "gen", 1, text, sizeof(text)), VAULT_ERR_INTEGRITY);
	vault_close(v);
	th_rmdir(dir);
}

static void test_invariants__ciphertext_with_other_epoch_fails(void **state)
{
	char *dir = th_network();
	char a[VAULT_ID_BUFSIZE], text[64];
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, a);
	v = th_open(dir, "cav_cw");
	put(v, a, "gen", VAULT_CLASS_GENERAL, PT_A);
	vault_close(v);
	/* A row that claims another key epoch: no such key, or the wrong one. */
	assert_int_equal(th_db_exec(dir, "cav_cw", "UPDATE records SET epoch = 2"), SQLITE_OK);
	v = th_open(dir, "cav_cw");
	{
		vault_status st = get_text(v, a, "gen", 1, text, sizeof(text));
		assert_true(st == VAULT_ERR_INTEGRITY || st == VAULT_ERR_CORRUPT || st == VAULT_ERR_DENIED);
	}
	assert_string_equal(text, "");
	vault_close(v);
	th_rmdir(dir);
}

static void test_invariants__truncated_ciphertext_is_corrupt(void **state)
{
	char *dir = th_network();
	char a[VAULT_ID_BUFSIZE], text[64];
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, a);
	v = th_open(dir, "cav_cw");
	put(v, a, "gen", VAULT_CLASS_GENERAL, PT_A);
	put(v, a, "short", VAULT_CLASS_GENERAL, PT_A);
	put(v, a, "nonce", VAULT_CLASS_GENERAL, PT_A);
	vault_close(v);
	{
		char sql[512], t1[40], t2[40], t3[40];
		tag_lit(dir, a, "gen", t1);
		tag_lit(dir, a, "short", t2);
		tag_lit(dir, a, "nonce", t3);
		snprintf(sql, sizeof(sql),
		         "UPDATE records SET ct = substr(ct, 1, 20) WHERE name = %s;"
		         "UPDATE records SET ct = x'00' WHERE name = %s;"
		         "UPDATE records SET nonce = x'0102' WHERE name = %s;", t1, t2, t3);
		assert_int_equal(th_db_exec(dir, "cav_cw", sql), SQLITE_OK);
	}
	v = th_open(dir, "cav_cw");
	assert_int_equal(get_text(v, a, "gen", 0, text, sizeof(text)), VAULT_ERR_INTEGRITY);
	assert_int_equal(get_text(v, a, "short", 0, text, sizeof(text)), VAULT_ERR_INTEGRITY);
	assert_int_equal(get_text(v, a, "nonce", 0, text, sizeof(text)), VAULT_ERR_INTEGRITY);
	vault_close(v);
	th_rmdir(dir);
}

/* ---- damaged files ----------------------------------------------------------------- */

#define NREC 60

/* A vault whose database is mostly record pages, all handles closed and
 * the WAL checkpointed away. */
static char *full_vault(char cid[VAULT_ID_BUFSIZE])
{
	char *dir = th_network();
	char name[32], text[1200];
	vault *v;
	int i;

	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	v = th_open(dir, "cav_cw");
	assert_int_equal(vault_begin(v), VAULT_OK);
	for (i = 0; i < NREC; i++) {
		snprintf(name, sizeof(name), "r%03d", i);
		memset(text, 'a' + i % 26, sizeof(text) - 1);
		text[sizeof(text) - 1] = '\0';
		put(v, cid, name, (vault_class)(1u << (i % 3)), text);
	}
	assert_int_equal(vault_commit(v), VAULT_OK);
	vault_close(v);
	assert_int_equal(th_db_exec(dir, "admin", "PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);
	assert_true(file_size(dir, "vault.db-wal") <= 0);
	return dir;
}

static int clean_status(vault_status st)
{
	return st == VAULT_OK || st == VAULT_ERR_CORRUPT || st == VAULT_ERR_IO ||
	       st == VAULT_ERR_AUDIT || st == VAULT_ERR_INTEGRITY || st == VAULT_ERR_AUTH ||
	       st == VAULT_ERR_NOT_FOUND || st == VAULT_ERR_DENIED;
}

static int list_cb(const vault_record_info *i, void *ctx)
{
	(void)i;
	(*(int *)ctx)++;
	return 0;
}

static char first_step[1024];

/* Everything a reader does, after damage: each step a clean status.
 * Returns the first failure (VAULT_OK if none). */
static vault_status exercise(const char *dir, const char *cid)
{
	vault_status first = VAULT_OK, st;
	char name[32];
	vault *v = NULL;
	int i, n = 0;
	size_t len;
	const unsigned char *p = th_pass("cav_cw", &len);

#define STEP(expr)                                                                 \
	do {                                                                       \
		st = (expr);                                                       \
		if (!clean_status(st))                                             \
			fail_msg("%s: unexpected %s", #expr, vault_strerror(st));  \
		if (st != VAULT_OK && first == VAULT_OK) {                         \
			first = st;                                                \
			snprintf(first_step, sizeof(first_step), "%s: %s", #expr,  \
			         v ? vault_errmsg(v) : vault_last_errmsg());       \
		}                                                                  \
	} while (0)

	STEP(vault_open(dir, "cav_cw", p, len, NULL, &v));
	if (v == NULL)
		return first;
	for (i = 0; i < NREC; i++) {
		snprintf(name, sizeof(name), "r%03d", i);
		STEP(get_status(v, cid, name, 0));
	}
	STEP(vault_record_foreach(v, cid, list_cb, &n));
	vault_close(v);
	v = NULL;
	p = th_pass("aud", &len);
	STEP(vault_open(dir, "aud", p, len, NULL, &v));
	if (v != NULL) {
		vault_verify_result r;
		vault_verify_result_init(&r, VAULT_VERIFY_RESULT_VERSION);
		STEP(vault_audit_verify(v, NULL, &r, NULL, NULL));
		vault_close(v);
	}
#undef STEP
	return first;
}

/* Flip one byte of vault.db at `where` (negative: from the end): the
 * damage must show as VAULT_ERR_CORRUPT, at open or at a later read. */
static void flip_db_and_check(long where)
{
	char cid[VAULT_ID_BUFSIZE];
	char *dir = full_vault(cid);
	char *db = file_path(dir, "vault.db");
	long size = file_size(dir, "vault.db"), off;
	vault_status first;
	int tries = 0;

	assert_true(size >= 16 * 4096);
	off = where >= 0 ? where : size + where;
	assert_int_equal(exercise(dir, cid), VAULT_OK); /* undamaged: all fine */
	assert_int_equal(th_db_exec(dir, "admin", "PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);
	assert_true(file_size(dir, "vault.db-wal") <= 0);
	th_flip_byte(db, off);
	first = exercise(dir, cid);
	/* A page nothing reads (a free page: secure_delete leaves many after
	 * key rotations) cannot show damage; move on to the next page, at most
	 * a few, keeping the offset within the page. */
	while (first == VAULT_OK && off + 4096 < size && tries++ < 16) {
		th_flip_byte(db, off);
		off += 4096;
		th_flip_byte(db, off);
		first = exercise(dir, cid);
	}
	if (first != VAULT_ERR_CORRUPT)
		fail_msg("flip at %ld of %ld: first failure %s (%s)", off, size,
		         vault_strerror(first), first_step);
	free(db);
	th_rmdir(dir);
}

static void test_invariants__flipped_db_header_byte(void **state)
{
	(void)state;
	flip_db_and_check(0);   /* the salt */
}

static void test_invariants__flipped_db_first_page_byte(void **state)
{
	(void)state;
	flip_db_and_check(100); /* the encrypted schema page */
}

static void test_invariants__flipped_db_middle_page_byte(void **state)
{
	char cid[VAULT_ID_BUFSIZE];
	char *dir = full_vault(cid);
	long pages = file_size(dir, "vault.db") / 4096;

	(void)state;
	th_rmdir(dir);
	flip_db_and_check((pages / 2) * 4096 + 1000);
}

static void test_invariants__flipped_db_last_page_byte(void **state)
{
	(void)state;
	flip_db_and_check(-100);
}

/* A vault with one slot (its administrator): every byte of the slot file
 * is either the file's header or that one slot. */
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

static void rm_vault(char *dir)
{
	char *base = strdup(dir);

	*strrchr(base, '/') = '\0';
	th_rmdir(dir);
	th_rmdir(base);
}

/* valgrind makes each run some thirty times slower: there, a sample. */
static int under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* One page after another: a byte flipped in each is a clean error (every
 * page in the normal and ASan runs, every third under valgrind). */
static void test_invariants__flipped_db_every_page(void **state)
{
	char cid[VAULT_ID_BUFSIZE];
	char *dir = full_vault(cid);
	char *db = file_path(dir, "vault.db");
	long pages = file_size(dir, "vault.db") / 4096, pg, step = under_valgrind() ? 3 : 1;
	long tried = 0;
	int undetected = 0;

	(void)state;
	for (pg = 0; pg < pages; pg += step) {
		vault_status first;
		long off = pg * 4096 + 2048;
		assert_int_equal(th_db_exec(dir, "admin", "PRAGMA wal_checkpoint(TRUNCATE)"),
		                 SQLITE_OK);
		th_flip_byte(db, off);
		first = exercise(dir, cid);
		th_flip_byte(db, off);
		tried++;
		/* A page none of these steps reads (another organisation's
		 * keys, an unused index) may go unnoticed; one that is read
		 * fails authentication. */
		if (first == VAULT_OK)
			undetected++;
		else if (first != VAULT_ERR_CORRUPT)
			fail_msg("page %ld: %s (%s)", pg, vault_strerror(first), first_step);
	}
	assert_true(undetected < tried / 4 + 1);
	free(db);
	th_rmdir(dir);
}

/* Bytes flipped at random places (fixed seed) in a populated vault.db: the
 * first failure a reader meets is VAULT_ERR_CORRUPT, never VAULT_ERR_AUDIT
 * or VAULT_ERR_IO.  40 trials, 10 under valgrind. */
static void test_invariants__flipped_db_random_bytes_say_damaged(void **state)
{
	static const unsigned char seed[randombytes_SEEDBYTES] = "libvault flipped-byte trials";
	char cid[VAULT_ID_BUFSIZE];
	char *dir = full_vault(cid);
	char *db = file_path(dir, "vault.db");
	long size = file_size(dir, "vault.db");
	uint32_t offs[40];
	int i, n = under_valgrind() ? 10 : 40, damaged = 0;

	(void)state;
	randombytes_buf_deterministic(offs, sizeof(offs), seed);
	for (i = 0; i < n; i++) {
		long off = (long)(offs[i] % (uint32_t)size);
		vault_status first;

		th_flip_byte(db, off);
		first = exercise(dir, cid);
		th_flip_byte(db, off);
		assert_int_equal(th_db_exec(dir, "admin", "PRAGMA wal_checkpoint(TRUNCATE)"),
		                 SQLITE_OK);
		if (first == VAULT_ERR_CORRUPT)
			damaged++;
		else if (first != VAULT_OK)
			fail_msg("flip at %ld of %ld: %s (%s)", off, size, vault_strerror(first),
			         first_step);
	}
	assert_true(damaged > n / 2);
	free(db);
	th_rmdir(dir);
}

/* A statement that fails with SQLite's plain SQLITE_ERROR (how SQLCipher
 * reports a page that fails its HMAC, and what a table changed around the
 * API gives) is damage, VAULT_ERR_CORRUPT, at whatever step meets it: not
 * VAULT_ERR_IO, and not VAULT_ERR_AUDIT when the audit insert is the one. */
/* A table renamed around the library used to surface as a plain SQLite
 * error inside the operation ("damaged").  Since the schema is compared
 * with the library's own at open, it is refused there, as tampering. */
static void test_invariants__renamed_table_is_refused_at_open(void **state)
{
	char cid[VAULT_ID_BUFSIZE];
	char *dir = full_vault(cid);
	size_t len;
	const unsigned char *p = th_pass("cav_cw", &len);
	vault *v = NULL;

	(void)state;
	assert_int_equal(th_db_exec(dir, "admin", "ALTER TABLE records RENAME TO records_x;"),
	                 SQLITE_OK);
	assert_int_equal(vault_open(dir, "cav_cw", p, len, NULL, &v), VAULT_ERR_INTEGRITY);
	assert_null(v);
	assert_non_null(strstr(vault_last_errmsg(), "schema"));
	assert_int_equal(th_db_exec(dir, "admin", "ALTER TABLE records_x RENAME TO records;"),
	                 SQLITE_OK);
	v = th_open(dir, "cav_cw");
	vault_close(v);
	assert_int_equal(th_db_exec(dir, "admin", "ALTER TABLE audit RENAME TO audit_x;"),
	                 SQLITE_OK);
	v = NULL;
	assert_int_equal(vault_open(dir, "cav_cw", p, len, NULL, &v), VAULT_ERR_INTEGRITY);
	assert_null(v);
	th_rmdir(dir);
}

static void test_invariants__flipped_keyslots_bytes(void **state)
{
	char *dir = solo_vault();
	char *ks = file_path(dir, "keyslots");
	long size = file_size(dir, "keyslots"), off, step;
	int seen_auth = 0, seen_corrupt = 0;

	(void)state;
	step = size / 150 + 1;
	for (off = 0; off < size; off += step) {
		struct attempt a;
		th_flip_byte(ks, off);
		attempt(dir, "admin", "pw-admin", &a);
		th_flip_byte(ks, off); /* restore */
		if (a.st != VAULT_ERR_AUTH && a.st != VAULT_ERR_CORRUPT)
			fail_msg("flip at %ld of %ld: %s", off, size, vault_strerror(a.st));
		assert_false(a.got_handle);
		seen_auth |= a.st == VAULT_ERR_AUTH;
		seen_corrupt |= a.st == VAULT_ERR_CORRUPT;
	}
	assert_true(seen_corrupt);
	assert_true(seen_auth);
	/* Restored, it opens again. */
	{
		vault *v = th_open(dir, "admin");
		vault_close(v);
	}
	free(ks);
	rm_vault(dir);
}

/* The slot file's inbox key, which no unlock needs, is checked too: with
 * another key there, failed unlocks would be sealed to a stranger. */
static void test_invariants__substituted_inbox_key_is_corrupt(void **state)
{
	char *dir = solo_vault();
	char *ks = file_path(dir, "keyslots");
	char *text, *pk;
	long size = file_size(dir, "keyslots");
	struct attempt a;
	FILE *f = fopen(ks, "rb");
	size_t n;

	(void)state;
	assert_non_null(f);
	text = calloc(1, (size_t)size + 1);
	n = fread(text, 1, (size_t)size, f);
	fclose(f);
	pk = strstr(text, "\"inbox_pk\": \"");
	assert_non_null(pk);
	pk += strlen("\"inbox_pk\": \"") + 5;
	*pk = *pk == '0' ? '1' : '0'; /* still well-formed hex */
	f = fopen(ks, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
	free(text);
	attempt(dir, "admin", "pw-admin", &a);
	assert_int_equal(a.st, VAULT_ERR_CORRUPT);
	assert_false(a.got_handle);
	assert_true(strlen(a.msg) > 0);
	free(ks);
	rm_vault(dir);
}

static void test_invariants__flipped_slot_ciphertext_is_auth_or_corrupt(void **state)
{
	char *dir = th_network();
	char *ks = file_path(dir, "keyslots");
	FILE *f = fopen(ks, "rb");
	char *text, *ct;
	long size = file_size(dir, "keyslots");
	struct attempt a;
	size_t n;

	(void)state;
	assert_non_null(f);
	text = calloc(1, (size_t)size + 1);
	n = fread(text, 1, (size_t)size, f);
	fclose(f);
	assert_int_equal((long)n, size);
	/* A hex digit inside a slot's ciphertext swapped for another hex
	 * digit: well-formed, but it must not open. */
	ct = strstr(text, "\"ct\": \"");
	assert_non_null(ct);
	ct += strlen("\"ct\": \"") + 10;
	*ct = *ct == '0' ? '1' : '0';
	f = fopen(ks, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
	free(text);
	/* Whichever slot was changed, no one unlocks it with a changed byte:
	 * try everyone; all either open (their slot is intact) or get AUTH. */
	{
		static const char *const us[] = {"admin", "admin2", "aud", "cav_sup", "cav_cw",
		                                 "cas_sup", "cas_cw", "cuav_sup", "cuav_cw",
		                                 "asl_sup", "asl_cw", "pref_sup", "oth_sup"};
		size_t i;
		int failed = 0;
		char pw[64];
		for (i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
			snprintf(pw, sizeof(pw), "pw-%s", us[i]);
			attempt(dir, us[i], pw, &a);
			assert_true(a.st == VAULT_OK || a.st == VAULT_ERR_AUTH ||
			            a.st == VAULT_ERR_CORRUPT);
			failed += a.st != VAULT_OK;
		}
		assert_int_equal(failed, 1);
	}
	free(ks);
	th_rmdir(dir);
}

static void test_invariants__truncated_keyslots_is_corrupt(void **state)
{
	char *dir = th_network();
	char *ks = file_path(dir, "keyslots");
	long size = file_size(dir, "keyslots");
	struct attempt a;

	(void)state;
	assert_int_equal(truncate(ks, size / 2), 0);
	attempt(dir, "cav_cw", "pw-cav_cw", &a);
	assert_int_equal(a.st, VAULT_ERR_CORRUPT);
	assert_false(a.got_handle);
	attempt(dir, "no_such_person", "pw-cav_cw", &a);
	assert_int_equal(a.st, VAULT_ERR_CORRUPT);
	assert_int_equal(truncate(ks, 0), 0);
	attempt(dir, "cav_cw", "pw-cav_cw", &a);
	assert_int_equal(a.st, VAULT_ERR_CORRUPT);
	free(ks);
	th_rmdir(dir);
}

static void test_invariants__missing_database_is_clean_error(void **state)
{
	char *dir = th_network();
	char *db = file_path(dir, "vault.db");
	struct attempt a;

	(void)state;
	assert_int_equal(unlink(db), 0);
	attempt(dir, "cav_cw", "pw-cav_cw", &a);
	assert_true(a.st == VAULT_ERR_NOT_FOUND || a.st == VAULT_ERR_CORRUPT);
	assert_false(a.got_handle);
	/* No empty database was made in its place. */
	assert_true(file_size(dir, "vault.db") <= 0);
	free(db);
	th_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invariants__no_plaintext_with_handle_open),
		cmocka_unit_test(test_invariants__no_plaintext_after_close),
		cmocka_unit_test(test_invariants__keyslots_hold_no_user_names),
		cmocka_unit_test(test_invariants__owning_org_member_can_decrypt_directly),
		cmocka_unit_test(test_invariants__other_org_denied_by_api),
		cmocka_unit_test(test_invariants__other_org_cannot_decrypt_directly),
		cmocka_unit_test(test_invariants__admin_and_auditor_cannot_decrypt),
		cmocka_unit_test(test_invariants__restricted_case_closed_to_colleague),
		cmocka_unit_test(test_invariants__wrong_passphrase_and_unknown_user_alike),
		cmocka_unit_test(test_invariants__disabled_user_alike),
		cmocka_unit_test(test_invariants__unknown_user_runs_default_cost),
		cmocka_unit_test(test_invariants__ciphertext_moved_to_other_case),
		cmocka_unit_test(test_invariants__ciphertext_moved_to_other_name),
		cmocka_unit_test(test_invariants__ciphertext_moved_to_other_version),
		cmocka_unit_test(test_invariants__ciphertext_moved_to_other_class),
		cmocka_unit_test(test_invariants__ciphertext_with_other_epoch_fails),
		cmocka_unit_test(test_invariants__truncated_ciphertext_is_corrupt),
		cmocka_unit_test(test_invariants__flipped_db_header_byte),
		cmocka_unit_test(test_invariants__flipped_db_first_page_byte),
		cmocka_unit_test(test_invariants__flipped_db_middle_page_byte),
		cmocka_unit_test(test_invariants__flipped_db_last_page_byte),
		cmocka_unit_test(test_invariants__flipped_db_every_page),
		cmocka_unit_test(test_invariants__flipped_db_random_bytes_say_damaged),
		cmocka_unit_test(test_invariants__renamed_table_is_refused_at_open),
		cmocka_unit_test(test_invariants__flipped_keyslots_bytes),
		cmocka_unit_test(test_invariants__substituted_inbox_key_is_corrupt),
		cmocka_unit_test(test_invariants__flipped_slot_ciphertext_is_auth_or_corrupt),
		cmocka_unit_test(test_invariants__truncated_keyslots_is_corrupt),
		cmocka_unit_test(test_invariants__missing_database_is_clean_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
