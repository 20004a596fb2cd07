/*
 * test_freetext.c - free text about her is in no row of vault.db, and no
 * size in it is exact (issue 12, attack 9; lib/freetext.c).
 *
 * The attacker here is any key-slot holder: she opens vault.db with the
 * database key of her own slot and reads every column of every table.
 */
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

#define SURNAME "Bianchi"

static void must(vault *v, vault_status st, const char *what)
{
	if (st != VAULT_OK)
		fail_msg("%s: %s (%s)", what, vault_strerror(st), vault_errmsg(v));
}

/* Every column of every table of the decrypted database searched for a
 * byte string, as test_attack.c's 9a does; `where` lists the columns. */
static int db_contains(const char *dir, const char *user, const char *needle, char *where,
                       size_t cap)
{
	sqlite3 *db = th_db_open(dir, user);
	sqlite3_stmt *t, *c, *s;
	char nhex[256], q[512];
	int found = 0;

	sodium_bin2hex(nhex, sizeof(nhex), (const unsigned char *)needle, strlen(needle));
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE"
	                                        " type = 'table'", -1, &t, NULL), SQLITE_OK);
	where[0] = '\0';
	while (sqlite3_step(t) == SQLITE_ROW) {
		char *tab = strdup((const char *)sqlite3_column_text(t, 0));
		snprintf(q, sizeof(q), "PRAGMA table_info(\"%s\")", tab);
		assert_int_equal(sqlite3_prepare_v2(db, q, -1, &c, NULL), SQLITE_OK);
		while (sqlite3_step(c) == SQLITE_ROW) {
			const char *col = (const char *)sqlite3_column_text(c, 1);
			snprintf(q, sizeof(q), "SELECT count(*) FROM \"%s\" WHERE"
			         " instr(CAST(\"%s\" AS BLOB), X'%s') > 0", tab, col, nhex);
			assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
			if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0) {
				size_t used = strlen(where);
				snprintf(where + used, cap - used, "%s%s.%s", found ? ", " : "", tab,
				         col);
				found = 1;
			}
			sqlite3_finalize(s);
		}
		sqlite3_finalize(c);
		free(tab);
	}
	sqlite3_finalize(t);
	sqlite3_close(db);
	return found;
}

static long long db_int(const char *dir, const char *sql)
{
	return th_db_int(dir, "aud", sql);
}

struct listed {
	int n;
	char names[8][VAULT_NAME_MAX + 1];
	size_t sizes[8];
	uint32_t versions[8];
};

static int collect(const vault_record_info *info, void *ctx)
{
	struct listed *l = ctx;

	if (l->n < 8) {
		snprintf(l->names[l->n], sizeof(l->names[0]), "%s", info->name);
		l->sizes[l->n] = info->size;
		l->versions[l->n] = info->version;
	}
	l->n++;
	return 0;
}

struct consents {
	int n;
	char purpose[128], reason[128];
};

static int housing_consent_cb(const vault_consent_info *c, void *ctx)
{
	struct consents *cs = ctx;

	cs->n++;
	/* Both are given in the same second: listed by id, in any order. */
	if (c->basis == VAULT_BASIS_CONSENT) {
		snprintf(cs->purpose, sizeof(cs->purpose), "%s", c->purpose);
		snprintf(cs->reason, sizeof(cs->reason), "%s", c->reason);
	}
	return 0;
}

struct reasons {
	int bg, emergency;
};

static int reason_cb(const vault_audit_entry *e, void *ctx)
{
	struct reasons *r = ctx;

	if (strcmp(e->action, "break-glass") == 0 &&
	    strcmp(e->reason, "Maria " SURNAME " called at night") == 0)
		r->bg++;
	if (strcmp(e->action, "consent.add") == 0 &&
	    strcmp(e->reason, SURNAME " is in danger tonight") == 0)
		r->emergency++;
	return 0;
}

/* A record name, a consent's purpose and reason, a break-glass reason and
 * an emergency consent's reason that name her are in no column of any
 * table, and still reach, through the API, those who may read them: list,
 * history, get with and without a class, consents, the auditor's review.
 */
static void test_freetext__names_and_purposes_nowhere_in_the_database(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], where[1024];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_buf b = VAULT_BUF_INIT;
	struct listed l;
	struct consents c;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "cav_cw", cs, "letter-to-" SURNAME, VAULT_CLASS_SENSITIVE, "dear ...");
	th_put(dir, "cav_cw", cs, "letter-to-" SURNAME, VAULT_CLASS_SENSITIVE, "dear ... (2)");
	th_put(dir, "cav_cw", cs, "alpha", VAULT_CLASS_GENERAL, "a");
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "housing for Maria " SURNAME;
	co.reason = "asked by " SURNAME " herself";
	must(v, vault_consent_add(v, cs, &co, cid), "consent");
	must(v, vault_record_delete_v2(v, cs, "alpha", VAULT_CLASS_GENERAL, NULL), "delete");
	{
		/* The reasons the auditors review: break-glass, emergency basis. */
		vault *sup = th_open(dir, "cav_sup");
		vault_consent_options eo = VAULT_CONSENT_OPTIONS_INIT;
		must(sup, vault_break_glass(sup, cs, "Maria " SURNAME " called at night", 0),
		     "break-glass");
		eo.org = "cas";
		eo.classes = VAULT_CLASS_GENERAL;
		eo.purpose = "shelter";
		eo.basis = VAULT_BASIS_VITAL_INTEREST;
		eo.reason = SURNAME " is in danger tonight";
		must(sup, vault_consent_add(sup, cs, &eo, cid), "emergency consent");
		vault_close(sup);
	}

	/* Control: the scan reads the decrypted database. */
	assert_true(db_contains(dir, "cuav_cw", cs, where, sizeof(where)));
	if (db_contains(dir, "cuav_cw", SURNAME, where, sizeof(where)))
		fail_msg("her name is in clear in %s", where);
	if (db_contains(dir, "cuav_cw", "alpha", where, sizeof(where)))
		fail_msg("a deleted record's name is in clear in %s", where);

	/* Those who hold the keys still see everything. */
	memset(&l, 0, sizeof(l));
	must(v, vault_record_foreach(v, cs, collect, &l), "list");
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[0], "alpha"); /* sorted by name */
	assert_string_equal(l.names[1], "letter-to-" SURNAME);
	assert_int_equal(l.sizes[1], strlen("dear ... (2)"));
	memset(&l, 0, sizeof(l));
	must(v, vault_record_history(v, cs, "letter-to-" SURNAME, collect, &l), "history");
	assert_int_equal(l.n, 2);
	assert_int_equal(l.sizes[0], strlen("dear ..."));
	assert_int_equal(l.versions[1], 2);
	must(v, vault_record_get(v, cs, "letter-to-" SURNAME, 1, &b, NULL, NULL), "get");
	assert_int_equal(b.len, strlen("dear ..."));
	assert_memory_equal(b.data, "dear ...", b.len);
	vault_buf_free(&b);
	must(v, vault_record_get_v2(v, cs, "letter-to-" SURNAME, VAULT_CLASS_SENSITIVE, 0, &b,
	                            NULL, NULL), "get with class");
	assert_int_equal(b.len, strlen("dear ... (2)"));
	vault_buf_free(&b);
	memset(&c, 0, sizeof(c));
	must(v, vault_consent_foreach(v, cs, housing_consent_cb, &c), "consents");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.purpose, "housing for Maria " SURNAME);
	assert_string_equal(c.reason, "asked by " SURNAME " herself");
	vault_close(v);
	/* The auditor reviews the break-glass reason through the API. */
	{
		struct reasons rs = {0, 0};
		vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
		v = th_open(dir, "aud");
		q.case_id = cs;
		must(v, vault_audit_foreach(v, &q, reason_cb, &rs), "audit");
		assert_int_equal(rs.bg, 1);
		assert_int_equal(rs.emergency, 1);
		vault_close(v);
	}

	/* Without the keys: the record cannot be named, in any class. */
	assert_int_equal(th_get(dir, "cuav_cw", cs, "letter-to-" SURNAME, NULL), VAULT_ERR_DENIED);
	th_rmdir(dir);
}

/* No stored size and no ciphertext length is the exact size: both are the
 * Padmé length; the API gives the exact size back. */
static void test_freetext__sizes_are_padded(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], q[256], text[2001];
	static const size_t lens[] = {0, 18, 63, 64, 65, 1000, 2000};
	vault_buf b = VAULT_BUF_INIT;
	struct listed l;
	size_t i;
	vault *v;

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cs);
	v = th_open(dir, "cav_cw");
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char name[16];
		snprintf(name, sizeof(name), "r%zu", i);
		must(v, vault_record_put(v, cs, name, VAULT_CLASS_SAFETY, text, lens[i], NULL), "put");
	}
	vault_close(v);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		unsigned char tag[16];
		char hex[33], name[16];
		long long size, ctlen;

		snprintf(name, sizeof(name), "r%zu", i);
		assert_int_equal(th_find_tag(dir, "cav_cw", cs, name, tag), VAULT_CLASS_SAFETY);
		sodium_bin2hex(hex, sizeof(hex), tag, sizeof(tag));
		snprintf(q, sizeof(q), "SELECT size FROM records WHERE name = X'%s'", hex);
		size = db_int(dir, q);
		snprintf(q, sizeof(q), "SELECT length(ct) FROM records WHERE name = X'%s'", hex);
		ctlen = db_int(dir, q);
		assert_int_equal(size, (long long)vault__padme(lens[i]));
		assert_int_equal(ctlen, size + VAULT_AEAD_TAG_BYTES);
		assert_true(size > (long long)lens[i]);
	}
	/* Every record under 64 bytes looks the same. */
	assert_int_equal(vault__padme(0), 64);
	assert_int_equal(vault__padme(18), 64);
	assert_int_equal(vault__padme(63), 64);
	v = th_open(dir, "cav_cw");
	memset(&l, 0, sizeof(l));
	must(v, vault_record_foreach(v, cs, collect, &l), "list");
	assert_int_equal(l.n, 7);
	for (i = 0; i < 7; i++) {
		size_t k = (size_t)(l.names[i][1] - '0');
		assert_int_equal(l.sizes[i], lens[k]);
	}
	must(v, vault_record_get(v, cs, "r5", 0, &b, NULL, NULL), "get");
	assert_int_equal(b.len, 1000);
	vault_buf_free(&b);
	vault_close(v);
	th_rmdir(dir);
}

/* Padmé: at most 12% over, only the top bits vary, and unpadding accepts
 * nothing but the padding it made. */
static void test_freetext__padme_and_unpad(void **state)
{
	unsigned char buf[4096];
	size_t len, padded, n;

	(void)state;
	for (len = 0; len < 3000; len += 7) {
		size_t p = vault__padme(len);
		assert_true(p > len);
		assert_true(p <= 64 || (double)p <= (double)(len + 1) * 1.12 + 1);
		memset(buf, 0xA5, sizeof(buf));
		assert_int_equal(vault__pad(buf, len, sizeof(buf), &padded), 0);
		assert_int_equal(padded, p);
		assert_int_equal(vault__unpad(buf, padded, &n), 0);
		assert_int_equal(n, len);
		/* byte for byte what sodium_pad makes with one block of p */
		{
			unsigned char ref[4096];
			size_t rp = 0;

			memset(ref, 0xA5, sizeof(ref));
			assert_int_equal(sodium_pad(&rp, ref, len, p, sizeof(ref)), 0);
			assert_int_equal(rp, p);
			assert_memory_equal(buf + len, ref + len, p - len);
			assert_int_equal(buf[p], 0xA5); /* nothing past p */
		}
	}
	/* Lengths no buffer holds: SIZE_MAX, at once (the loop once shifted a
	 * size_t by 64, undefined, and on x86 never ended), and refused. */
	alarm(10);
	assert_true(vault__padme(SIZE_MAX) == SIZE_MAX);
	assert_true(vault__padme(SIZE_MAX - 1) == SIZE_MAX);
	assert_true(vault__padme((size_t)1 << 63) == SIZE_MAX);
	assert_true(vault__padme(SIZE_MAX / 4) >= SIZE_MAX / 4 + 1);
	assert_true(vault__padme(SIZE_MAX / 4 + 1) == SIZE_MAX);
	assert_int_equal(vault__pad(buf, SIZE_MAX - 1, sizeof(buf), &padded), -1);
	alarm(0);
	/* Padmé of 1000 + 1: E = 9, S = 4, the low 5 bits are zero. */
	assert_int_equal(vault__padme(1000), 1024);
	assert_int_equal(vault__padme(1100) % 32, 0);
	/* Not enough room, and paddings Padmé would not make. */
	assert_int_equal(vault__pad(buf, 100, 100, &padded), -1);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(vault__unpad(buf, 64, &n), -1); /* no 0x80 */
	buf[10] = 0x80;
	assert_int_equal(vault__unpad(buf, 128, &n), -1); /* 10 bytes pad to 64, not 128 */
	assert_int_equal(vault__unpad(buf, 64, &n), 0);
	assert_int_equal(n, 10);
}

/* The tag of a record does not change when its class key rotates (a
 * revocation), so its versions stay one record and the log names it by
 * one id. */
static void test_freetext__tag_stable_across_key_rotation(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], hex1[33], hex2[33], q[256];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault_buf b = VAULT_BUF_INIT;
	struct listed l;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "cav_cw", cs, "plan", VAULT_CLASS_GENERAL, "before");
	th_tag_hex(dir, "cav_cw", cs, VAULT_CLASS_GENERAL, "plan", hex1);
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "housing";
	must(v, vault_consent_add(v, cs, &co, cid), "consent");
	so.consent_id = cid;
	must(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so), "share");
	must(v, vault_revoke(v, cs, VAULT_PRINCIPAL_ORG, "cas"), "revoke");
	must(v, vault_record_put(v, cs, "plan", VAULT_CLASS_GENERAL, "after", 5, NULL), "put");
	vault_close(v);
	snprintf(q, sizeof(q), "SELECT max(epoch) FROM case_classes WHERE case_id = '%s'"
	         " AND class = 1", cs);
	assert_true(db_int(dir, q) > 1); /* control: the key rotated */
	th_tag_hex(dir, "cav_cw", cs, VAULT_CLASS_GENERAL, "plan", hex2);
	assert_string_equal(hex1, hex2);
	snprintf(q, sizeof(q), "SELECT count(DISTINCT epoch) FROM records WHERE name = X'%s'",
	         hex1);
	assert_int_equal(db_int(dir, q), 2);
	snprintf(q, sizeof(q), "SELECT count(*) FROM audit WHERE action = 'record.put' AND"
	         " target = 'r:%s'", hex1);
	assert_int_equal(db_int(dir, q), 2);
	v = th_open(dir, "cav_cw");
	memset(&l, 0, sizeof(l));
	must(v, vault_record_history(v, cs, "plan", collect, &l), "history");
	assert_int_equal(l.n, 2);
	must(v, vault_record_get(v, cs, "plan", 1, &b, NULL, NULL), "get v1");
	assert_memory_equal(b.data, "before", 6);
	vault_buf_free(&b);
	vault_close(v);
	th_rmdir(dir);
}

/* A label moved to another row: a listing fails rather than show one
 * record under another's name.  The row is no longer the one the log
 * holds (VAULT_ERR_INTEGRITY, the listing checks each row); the label,
 * bound to its row's tag, would not open there either. */
static void test_freetext__label_moved_is_corrupt(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], ha[33], hb[33], q[512];
	struct listed l;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "cav_cw", cs, "aaa", VAULT_CLASS_GENERAL, "a");
	th_put(dir, "cav_cw", cs, "bbb", VAULT_CLASS_GENERAL, "b");
	th_tag_hex(dir, "cav_cw", cs, VAULT_CLASS_GENERAL, "aaa", ha);
	th_tag_hex(dir, "cav_cw", cs, VAULT_CLASS_GENERAL, "bbb", hb);
	snprintf(q, sizeof(q), "UPDATE records SET label = (SELECT label FROM records WHERE"
	         " name = X'%s') WHERE name = X'%s'", ha, hb);
	assert_int_equal(th_db_exec(dir, "cav_cw", q), SQLITE_OK);
	v = th_open(dir, "cav_cw");
	memset(&l, 0, sizeof(l));
	assert_int_equal(vault_record_foreach(v, cs, collect, &l), VAULT_ERR_INTEGRITY);
	assert_int_equal(l.n, 0);
	vault_close(v);
	th_rmdir(dir);
}

int sqlite3_key(sqlite3 *db, const void *key, int nkey);

/* One integer from vault.db of the 1.0.0 fixture, opened with the auditor's
 * slot (her fixture passphrase), around the API. */
static long long fixture_int(const char *dir, const char *sql)
{
	slot_secret sec;
	vault_kdf def;
	char path[4096], key[70];
	sqlite3 *db = NULL;
	sqlite3_stmt *s;
	long long r = -1;

	assert_int_equal(vault__slot_unlock(dir, "aud", (const unsigned char *)"pw-aud", 6, &sec,
	                                    &def), VAULT_OK);
	snprintf(path, sizeof(path), "%s/vault.db", dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	key[0] = 'x';
	key[1] = '\'';
	vault__hex(sec.dbkey, 32, key + 2);
	key[66] = '\'';
	key[67] = '\0';
	sodium_memzero(&sec, sizeof(sec));
	assert_int_equal(sqlite3_key(db, key, 67), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA cipher_page_size = 4096;"
	                                  "PRAGMA kdf_iter = 64000;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		r = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return r;
}

struct why {
	char reason[256];
};

static int why_cb(const vault_record_info *info, void *ctx)
{
	struct why *w = ctx;

	if (info->redact_reason != NULL)
		snprintf(w->reason, sizeof(w->reason), "%s", info->redact_reason);
	return 0;
}

/* A redaction's reason (it may name her) is in no column either; the
 * history gives it to the owning organisation, not to a reader of another
 * organisation the record is shared with. */
static void test_freetext__redaction_reason_sealed(void **state)
{
	char *dir = th_network();
	char cs[VAULT_ID_BUFSIZE], cid[VAULT_ID_BUFSIZE], where[1024];
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	struct why w;
	vault *v;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cs);
	th_put(dir, "cav_cw", cs, "visit", VAULT_CLASS_GENERAL, "at 9 on Tuesday");
	th_put(dir, "cav_cw", cs, "visit", VAULT_CLASS_GENERAL, "cancelled");
	v = th_open(dir, "cav_cw");
	co.org = "cas";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "housing";
	must(v, vault_consent_add(v, cs, &co, cid), "consent");
	so.consent_id = cid;
	must(v, vault_share(v, cs, VAULT_PRINCIPAL_ORG, "cas", VAULT_CLASS_GENERAL, &so), "share");
	vault_close(v);
	v = th_open(dir, "cav_sup");
	must(v, vault_record_redact(v, cs, "visit", VAULT_CLASS_GENERAL, 1,
	                            "Maria " SURNAME " asked for it to go"), "redact");
	memset(&w, 0, sizeof(w));
	must(v, vault_record_history(v, cs, "visit", why_cb, &w), "history");
	assert_string_equal(w.reason, "Maria " SURNAME " asked for it to go");
	vault_close(v);
	if (db_contains(dir, "cuav_cw", SURNAME, where, sizeof(where)))
		fail_msg("the redaction reason is in clear in %s", where);
	v = th_open(dir, "cas_cw");
	memset(&w, 0, sizeof(w));
	must(v, vault_record_history(v, cs, "visit", why_cb, &w), "history (shared)");
	assert_string_equal(w.reason, "[sealed for the auditors and the owning organisation]");
	vault_close(v);
	th_rmdir(dir);
}

/* A vault written by 1.0.0 still reads; the first write to a record
 * converts every version of it (name to tag, name and size sealed in the
 * label; the ciphertext as 1.x wrote it, so the replay sees the row is
 * the legacy one), and its old versions still read exactly. */
static void test_freetext__vault_from_1_0_0_converted_on_first_write(void **state)
{
	char *base = th_tmpdir(), dir[2048], cid[VAULT_ID_BUFSIZE] = "", q[256];
	vault_buf b = VAULT_BUF_INIT;
	struct listed l;
	vault *v = NULL;

	(void)state;
	th_fixture_1_0_0(FIXTURES, base, dir, sizeof(dir), cid);
	assert_int_equal(vault_open(dir, "cav_cw", (const unsigned char *)"pw-cav_cw", 9, NULL,
	                            &v), VAULT_OK);
	must(v, vault_passwd(v, (const unsigned char *)"cav_cw's own", 12, VAULT_KDF_DEFAULT),
	     "passwd");
	/* Before: 1.x rows, names in clear, read as they are. */
	snprintf(q, sizeof(q), "SELECT count(*) FROM records WHERE name = 'intake'");
	assert_int_equal(fixture_int(dir, q), 1);
	memset(&l, 0, sizeof(l));
	must(v, vault_record_foreach(v, cid, collect, &l), "list 1.x");
	assert_int_equal(l.n, 3); /* addr (general, safety), intake */
	assert_string_equal(l.names[2], "intake");
	assert_int_equal(l.sizes[2], strlen("first interview"));
	/* The first write converts the record. */
	must(v, vault_record_put(v, cid, "intake", VAULT_CLASS_GENERAL, "second", 6, NULL), "put");
	assert_int_equal(fixture_int(dir, q), 0);
	assert_int_equal(fixture_int(dir, "SELECT count(*) FROM records WHERE typeof(name) = 'text'"
	                              " AND label IS NULL"), 2); /* addr, not written to */
	assert_int_equal(fixture_int(dir, "SELECT count(*) FROM records WHERE size = 15 AND"
	                              " typeof(name) = 'blob' AND label IS NOT NULL AND"
	                              " padded = 0"), 1);
	must(v, vault_record_get(v, cid, "intake", 1, &b, NULL, NULL), "get converted v1");
	assert_int_equal(b.len, strlen("first interview"));
	assert_memory_equal(b.data, "first interview", b.len);
	vault_buf_free(&b);
	memset(&l, 0, sizeof(l));
	must(v, vault_record_history(v, cid, "intake", collect, &l), "history");
	assert_int_equal(l.n, 2);
	assert_int_equal(l.sizes[0], strlen("first interview"));
	assert_int_equal(l.sizes[1], 6);
	/* A 1.x record not yet written to still reads. */
	must(v, vault_record_get_v2(v, cid, "addr", VAULT_CLASS_SAFETY, 0, &b, NULL, NULL),
	     "get 1.x");
	assert_memory_equal(b.data, "Via Roma 1, shelter", b.len);
	vault_buf_free(&b);
	vault_close(v);
	th_rmdir(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_freetext__names_and_purposes_nowhere_in_the_database),
		cmocka_unit_test(test_freetext__sizes_are_padded),
		cmocka_unit_test(test_freetext__padme_and_unpad),
		cmocka_unit_test(test_freetext__tag_stable_across_key_rotation),
		cmocka_unit_test(test_freetext__label_moved_is_corrupt),
		cmocka_unit_test(test_freetext__redaction_reason_sealed),
		cmocka_unit_test(test_freetext__vault_from_1_0_0_converted_on_first_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
