/*
 * test_cache.c - each user's sealed cache of the facts she verified
 * (lib/facts_cache.c, "the user's sealed cache" in lib/facts.c).  An open
 * resumes from it and reads only the entries after it; it saves time and
 * decides nothing: a cache that is not hers, damaged, partly removed, or
 * an older copy of her own gives the facts the whole log gives, and an
 * entry rewritten below it is refused before the log is shown.
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
#include <jansson.h>
#include <sqlite3.h>

#include "facts.h"
#include "helpers.h"
#include "internal.h"

typedef struct fx {
	char *dir;
	char case_id[VAULT_ID_BUFSIZE];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	f->dir = th_network();
	th_case(f->dir, "cav_sup", VAULT_CASE_VICTIM, 0, f->case_id);
	th_put(f->dir, "cav_sup", f->case_id, "address", VAULT_CLASS_SAFETY, "via Roma 1");
	th_put(f->dir, "cav_sup", f->case_id, "intake", VAULT_CLASS_GENERAL, "first meeting");
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

static void cache_path(const fx *f, const char *user, char *out, size_t cap)
{
	char id[65];

	assert_int_equal(vault__slot_id_hex(f->dir, user, id), VAULT_OK);
	snprintf(out, cap, "%s/facts-%s.cache", f->dir, id);
}

static long long log_length(const fx *f)
{
	return th_db_int(f->dir, "admin", "SELECT max(seq) FROM audit");
}

/* Open as `user`: the entries the open read beyond her cache. */
static uint64_t replayed_by(const fx *f, const char *user)
{
	vault *v = th_open(f->dir, user);
	uint64_t n = vault__facts_replayed(v);

	vault_close(v);
	return n;
}

static void expect_text(const fx *f, const char *user, const char *name, const char *want)
{
	char *text = NULL;

	assert_int_equal(th_get(f->dir, user, f->case_id, name, &text), VAULT_OK);
	assert_string_equal(text, want);
	free(text);
}

/* The second open reads only what came after the first one closed; the
 * facts are those of the whole log (the records read and check). */
static void test_cache__open_resumes_from_it(void **state)
{
	fx *f = *state;
	long long n = log_length(f);
	char path[600];

	cache_path(f, "cav_sup", path, sizeof(path));
	assert_int_equal(access(path, F_OK), 0);
	assert_true(replayed_by(f, "cav_sup") <= 1);
	expect_text(f, "cav_sup", "address", "via Roma 1");
	/* without it: every entry */
	th_forget_cache(f->dir, "cav_sup");
	assert_true(replayed_by(f, "cav_sup") >= (uint64_t)n);
	assert_true(replayed_by(f, "cav_sup") <= 1);
}

/* Another user's cache, or hers damaged: read as nothing. */
static void test_cache__not_hers_or_damaged_is_read_as_none(void **state)
{
	fx *f = *state;
	char mine[600], hers[600];

	(void)replayed_by(f, "cav_cw");
	cache_path(f, "cav_cw", mine, sizeof(mine));
	cache_path(f, "cav_sup", hers, sizeof(hers));
	th_copy_file(hers, mine);
	assert_true(replayed_by(f, "cav_cw") >= (uint64_t)log_length(f) - 2);
	assert_true(replayed_by(f, "cav_cw") <= 1);
	/* a byte of the sealed head flipped */
	assert_int_equal(th_db_int(f->dir, "admin", "SELECT 1"), 1);
	{
		sqlite3 *db = NULL;

		assert_int_equal(sqlite3_open(mine, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "UPDATE parts SET ct = randomblob(length(ct))"
		                                  " WHERE name = 'head'", NULL, NULL, NULL),
		                 SQLITE_OK);
		sqlite3_close(db);
	}
	assert_true(replayed_by(f, "cav_cw") >= (uint64_t)log_length(f) - 2);
	/* not a database at all */
	th_flip_byte(mine, 0);
	assert_true(replayed_by(f, "cav_cw") >= (uint64_t)log_length(f) - 2);
}

/* cav_sup shares the case's general class with cav_cw, who reads it (her
 * cache now holds the grant); a copy of that cache is kept in old. */
static void shared_and_copied(const fx *f, char path[600], char old[620])
{
	vault_share_options o = VAULT_SHARE_OPTIONS_INIT;
	vault *v = th_open(f->dir, "cav_sup");

	assert_int_equal(vault_share(v, f->case_id, VAULT_PRINCIPAL_USER, "cav_cw",
	                             VAULT_CLASS_GENERAL, &o), VAULT_OK);
	vault_close(v);
	expect_text(f, "cav_cw", "intake", "first meeting");
	cache_path(f, "cav_cw", path, 600);
	snprintf(old, 620, "%s.old", path);
	th_copy_file(path, old);
}

/* Her own older copy put back (by her, or by anyone who kept one) after a
 * newer version was written and her grant was revoked: the entries after
 * it are read again, so the newer version is still the newest (and its
 * row removed is a rollback, refused) and the revocation still holds. */
static void test_cache__older_copy_forgets_nothing(void **state)
{
	fx *f = *state;
	char path[600], old[620], sql[200];

	shared_and_copied(f, path, old);
	th_put(f->dir, "cav_sup", f->case_id, "intake", VAULT_CLASS_GENERAL, "second meeting");
	expect_text(f, "cav_cw", "intake", "second meeting");
	/* the older copy back: the newer version is still the newest */
	th_copy_file(old, path);
	expect_text(f, "cav_cw", "intake", "second meeting");
	/* ...and its row removed around the library is a rollback */
	th_copy_file(old, path);
	snprintf(sql, sizeof(sql), "DELETE FROM records WHERE case_id = '%s' AND class = %d AND"
	         " version = (SELECT max(version) FROM records WHERE case_id = '%s' AND class = %d)",
	         f->case_id, VAULT_CLASS_GENERAL, f->case_id, VAULT_CLASS_GENERAL);
	assert_int_equal(th_db_exec(f->dir, "cav_cw", sql), 0);
	assert_int_equal(th_get(f->dir, "cav_cw", f->case_id, "intake", NULL),
	                 VAULT_ERR_INTEGRITY);
}

static void test_cache__older_copy_keeps_a_revocation(void **state)
{
	fx *f = *state;
	char path[600], old[620];
	vault_status st;
	vault *v;

	/* a restricted case: its holders by name only */
	th_case(f->dir, "cav_sup", VAULT_CASE_VICTIM, VAULT_CASE_RESTRICTED, f->case_id);
	th_put(f->dir, "cav_sup", f->case_id, "intake", VAULT_CLASS_GENERAL, "first meeting");
	shared_and_copied(f, path, old);
	v = th_open(f->dir, "cav_sup");
	assert_int_equal(vault_revoke(v, f->case_id, VAULT_PRINCIPAL_USER, "cav_cw"), VAULT_OK);
	vault_close(v);
	assert_int_equal(th_get(f->dir, "cav_cw", f->case_id, "intake", NULL), VAULT_ERR_DENIED);
	th_copy_file(old, path);
	assert_int_equal(th_get(f->dir, "cav_cw", f->case_id, "intake", NULL), VAULT_ERR_DENIED);
	/* her grant row put back as live around the library: not a fact, and
	 * nothing gained */
	th_copy_file(old, path);
	assert_int_equal(th_db_exec(f->dir, "cav_cw", "UPDATE grants SET revoked = 0"), 0);
	st = th_get(f->dir, "cav_cw", f->case_id, "intake", NULL);
	assert_true(st == VAULT_ERR_DENIED || st == VAULT_ERR_INTEGRITY);
	assert_int_equal(th_get(f->dir, "cav_sup", f->case_id, "intake", NULL),
	                 VAULT_ERR_INTEGRITY);
}

/* A case's part removed from the file (or replaced by another handle of
 * hers): the read that needs it reads the whole log instead, and works. */
static void test_cache__missing_part_costs_a_replay(void **state)
{
	fx *f = *state;
	char path[600];
	sqlite3 *db = NULL;
	vault *v;
	vault_buf b = VAULT_BUF_INIT;

	cache_path(f, "cav_sup", path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM parts WHERE name LIKE 'c:%'", NULL, NULL,
	                              NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	v = th_open(f->dir, "cav_sup");
	assert_true(vault__facts_replayed(v) <= 1);
	assert_int_equal(vault_record_get(v, f->case_id, "address", 0, &b, NULL, NULL), VAULT_OK);
	assert_memory_equal(b.data, "via Roma 1", 10);
	vault_buf_free(&b);
	assert_true(vault__facts_replayed(v) >= (uint64_t)log_length(f) - 2);
	vault_close(v);
	expect_text(f, "cav_sup", "address", "via Roma 1");
}

static int count_entries(const vault_audit_entry *e, void *ctx)
{
	(void)e;
	(*(int *)ctx)++;
	return 0;
}

/* An entry rewritten below her cache is not read by her open; it is
 * refused before the log is shown (the audit query, the access report),
 * naming the entry, and by any open that reads the whole log. */
static void test_cache__entry_rewritten_below_it_is_refused_when_shown(void **state)
{
	fx *f = *state;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	vault_buf b = VAULT_BUF_INIT;
	vault_report_options ro = VAULT_REPORT_OPTIONS_INIT;
	size_t len;
	const unsigned char *p = th_pass("cav_sup", &len);
	vault *v;
	int n = 0;

	(void)replayed_by(f, "aud");
	assert_int_equal(th_db_exec(f->dir, "admin", "UPDATE audit SET reason = 'rewritten'"
	                                            " WHERE seq = 5"), 0);
	v = th_open(f->dir, "cav_sup");
	assert_int_equal(vault_audit_foreach(v, &q, count_entries, &n), VAULT_ERR_INTEGRITY);
	assert_non_null(strstr(vault_errmsg(v), "entry 5"));
	assert_int_equal(vault_report_access(v, f->case_id, &ro, &b), VAULT_ERR_INTEGRITY);
	vault_buf_free(&b);
	vault_close(v);
	v = th_open(f->dir, "aud");
	assert_int_equal(vault_audit_foreach(v, &q, count_entries, &n), VAULT_ERR_INTEGRITY);
	vault_close(v);
	assert_int_equal(n, 0);
	th_forget_cache(f->dir, "cav_sup");
	v = NULL;
	assert_int_equal(vault_open(f->dir, "cav_sup", p, len, NULL, &v), VAULT_ERR_INTEGRITY);
	assert_non_null(strstr(vault_last_errmsg(), "entry 5"));
}

/* An entry rewritten around the library while a handle that verified it
 * stays open (an insider review: it was shown as rewritten): the audit
 * query and the access report compare each entry they show with the hash
 * the handle's verification saw. */
static void test_cache__entry_rewritten_after_it_was_verified(void **state)
{
	fx *f = *state;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	vault_report_options ro = VAULT_REPORT_OPTIONS_INIT;
	vault_buf b = VAULT_BUF_INIT;
	char sql[300];
	vault *v = th_open(f->dir, "cav_sup");
	int n = 0;

	assert_int_equal(vault_break_glass(v, f->case_id, "she called at night, the caseworker"
	                                                  " is away", 600), VAULT_OK);
	/* each reads it once: the handle verified everything up to here */
	assert_int_equal(vault_audit_foreach(v, &q, count_entries, &n), VAULT_OK);
	assert_true(n > 0);
	assert_int_equal(vault_report_access(v, f->case_id, &ro, &b), VAULT_OK);
	vault_buf_free(&b);
	assert_int_equal(vault_report_review(v, "cav", &ro, &b), VAULT_OK);
	vault_buf_free(&b);
	/* the break-glass, now said to be for research: the review shows it */
	assert_int_equal(th_db_exec(f->dir, "admin", "UPDATE audit SET purpose = 'research'"
	                                            " WHERE action = 'break-glass'"), 0);
	assert_int_equal(vault_report_review(v, "cav", &ro, &b), VAULT_ERR_INTEGRITY);
	assert_null(b.data);
	/* her own put in the case, given another purpose */
	snprintf(sql, sizeof(sql), "UPDATE audit SET purpose = 'research' WHERE seq ="
	         " (SELECT max(seq) FROM audit WHERE action = 'record.put' AND +case_id = '%s')",
	         f->case_id);
	assert_int_equal(th_db_exec(f->dir, "admin", sql), 0);
	n = 0;
	assert_int_equal(vault_audit_foreach(v, &q, count_entries, &n), VAULT_ERR_INTEGRITY);
	assert_non_null(strstr(vault_errmsg(v), "after this handle verified it"));
	assert_int_equal(vault_report_access(v, f->case_id, &ro, &b), VAULT_ERR_INTEGRITY);
	assert_null(b.data);
	vault_close(v);
}

static json_t *review_of(const fx *f, const char *user, const char *org, vault_status *st)
{
	vault_report_options o = VAULT_REPORT_OPTIONS_INIT;
	vault_buf b = VAULT_BUF_INIT;
	json_t *d = NULL;
	vault *v = th_open(f->dir, user);

	o.format = VAULT_REPORT_JSON;
	*st = vault_report_review(v, org, &o, &b);
	if (*st == VAULT_OK)
		d = json_loadb((const char *)b.data, b.len, 0, NULL);
	vault_buf_free(&b);
	vault_close(v);
	return d;
}

static int count_in(json_t *d, const char *sec, const char *k, const char *val)
{
	size_t i;
	json_t *e;
	int n = 0;

	json_array_foreach(json_object_get(d, sec), i, e) {
		const char *s = json_string_value(json_object_get(e, k));

		n += s != NULL && strcmp(s, val) == 0;
	}
	return n;
}

/* The review reads a case's owner and its grants for every case of the
 * organisation (a second insider review: a perpetrator-programme
 * caseworker gave the victim's case to his own organisation for a moment,
 * and his refused reads left the review; a grant's expiry rewritten hid
 * it from the grants about to lapse): those tables are checked whole. */
static void test_cache__review_joins_only_facts(void **state)
{
	fx *f = *state;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	vault_status st;
	json_t *d;
	char sql[300];
	vault *v;

	assert_int_equal(th_get(f->dir, "cuav_cw", f->case_id, "address", NULL), VAULT_ERR_DENIED);
	d = review_of(f, "cav_sup", "cav", &st);
	assert_int_equal(st, VAULT_OK);
	assert_true(count_in(d, "refusals", "actor", "cuav_cw") >= 1);
	json_decref(d);
	snprintf(sql, sizeof(sql), "UPDATE cases SET owner_org = 'cuav' WHERE id = '%s'", f->case_id);
	assert_int_equal(th_db_exec(f->dir, "cuav_cw", sql), 0);
	d = review_of(f, "cav_sup", "cav", &st);
	assert_int_equal(st, VAULT_ERR_INTEGRITY);
	assert_null(d);
	snprintf(sql, sizeof(sql), "UPDATE cases SET owner_org = 'cav' WHERE id = '%s'", f->case_id);
	assert_int_equal(th_db_exec(f->dir, "cuav_cw", sql), 0);
	/* a grant lapsing in five days, said to lapse in a year */
	v = th_open(f->dir, "cav_sup");
	so.expires = vault__now() + 5 * 86400;
	assert_int_equal(vault_share(v, f->case_id, VAULT_PRINCIPAL_USER, "cav_cw",
	                             VAULT_CLASS_GENERAL, &so), VAULT_OK);
	vault_close(v);
	d = review_of(f, "cav_sup", "cav", &st);
	assert_int_equal(st, VAULT_OK);
	json_decref(d);
	assert_int_equal(th_db_exec(f->dir, "cav_cw", "UPDATE grants SET expires = expires +"
	                                             " 365 * 86400 WHERE principal = 'cav_cw'"), 0);
	d = review_of(f, "cav_sup", "cav", &st);
	assert_int_equal(st, VAULT_ERR_INTEGRITY);
	assert_null(d);
}

struct shown {
	uint64_t seq;
	int n;
};

static int count_seq(const vault_audit_entry *e, void *ctx)
{
	struct shown *s = ctx;

	s->n += e->seq == s->seq;
	return 0;
}

/* The hash and signature an entry is shown with are not in its hash: a
 * handle compares them too (a second insider review showed zeros). */
static void test_cache__shown_hash_and_signature_are_checked(void **state)
{
	fx *f = *state;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	struct shown sh = {0, 0};
	char sql[200];
	vault *v = th_open(f->dir, "aud");

	sh.seq = (uint64_t)th_db_int(f->dir, "admin", "SELECT max(seq) FROM audit WHERE sig IS NOT"
	                                              " NULL AND seq < (SELECT max(seq) FROM audit)");
	assert_int_equal(vault_audit_foreach(v, &q, count_seq, &sh), VAULT_OK);
	assert_int_equal(sh.n, 1);
	snprintf(sql, sizeof(sql), "UPDATE audit SET sig = zeroblob(64) WHERE seq = %llu",
	         (unsigned long long)sh.seq);
	assert_int_equal(th_db_exec(f->dir, "admin", sql), 0);
	assert_int_equal(vault_audit_foreach(v, &q, count_seq, &sh), VAULT_ERR_INTEGRITY);
	snprintf(sql, sizeof(sql), "UPDATE audit SET sig = NULL, hash = zeroblob(32) WHERE seq ="
	         " %llu", (unsigned long long)sh.seq);
	assert_int_equal(th_db_exec(f->dir, "admin", sql), 0);
	assert_int_equal(vault_audit_foreach(v, &q, count_seq, &sh), VAULT_ERR_INTEGRITY);
	vault_close(v);
}

/* A filter judged on rows as they are now would leave out an entry whose
 * actor was rewritten since the handle verified it (a second insider
 * review): the query reads every entry in order, verified, and filters
 * the verified fields. */
static void test_cache__query_filters_verified_fields(void **state)
{
	fx *f = *state;
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	vault *v = th_open(f->dir, "aud");
	int n = 0;

	assert_int_equal(th_get(f->dir, "cuav_cw", f->case_id, "address", NULL), VAULT_ERR_DENIED);
	q.actor = "cuav_cw";
	assert_int_equal(vault_audit_foreach(v, &q, count_entries, &n), VAULT_OK);
	assert_true(n >= 1);
	assert_int_equal(th_db_exec(f->dir, "cuav_cw", "UPDATE audit SET actor = 'cuav_cw '"
	                                               " WHERE actor = 'cuav_cw'"), 0);
	n = 0;
	assert_int_equal(vault_audit_foreach(v, &q, count_entries, &n), VAULT_ERR_INTEGRITY);
	vault_close(v);
}

/* The row and index checks keep their prepared statements in a ring of
 * VAULT_TEXT_STMTS: one being stepped while more texts than that are asked
 * for is never the one finalized to make room. */
static void test_cache__statement_ring_keeps_one_in_use(void **state)
{
	fx *f = *state;
	vault *v = th_open(f->dir, "cav_sup");
	sqlite3_stmt *held = NULL, *other = NULL;
	char sql[64];
	int i, found = 0;

	assert_int_equal(vault__stmt_text(v, "SELECT seq FROM audit ORDER BY seq", &held), VAULT_OK);
	assert_int_equal(sqlite3_step(held), SQLITE_ROW);
	for (i = 0; i < 2 * VAULT_TEXT_STMTS; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		assert_int_equal(vault__stmt_text(v, sql, &other), VAULT_OK);
	}
	/* (by its text: a statement finalized and another prepared may share
	 * an address) */
	for (i = 0; i < VAULT_TEXT_STMTS; i++)
		found += v->byt[i].sql != NULL &&
		         strcmp(v->byt[i].sql, "SELECT seq FROM audit ORDER BY seq") == 0 &&
		         v->byt[i].s == held;
	assert_int_equal(found, 1);
	assert_int_equal(sqlite3_step(held), SQLITE_ROW);
	sqlite3_reset(held);
	vault_close(v);
}

/* A passphrase change gives her new keys: the cache is sealed again under
 * them, whole, and the next open resumes from it. */
static void test_cache__passphrase_change_reseals_it(void **state)
{
	fx *f = *state;
	const unsigned char *p;
	size_t len;
	vault *v;

	(void)replayed_by(f, "cav_sup");
	v = th_open(f->dir, "cav_sup");
	assert_int_equal(vault_passwd(v, (const unsigned char *)"another passphrase", 18, TEST_KDF),
	                 VAULT_OK);
	vault_close(v);
	v = NULL;
	assert_int_equal(vault_open(f->dir, "cav_sup", (const unsigned char *)"another passphrase",
	                            18, NULL, &v), VAULT_OK);
	assert_true(vault__facts_replayed(v) <= 1);
	p = th_pass("cav_sup", &len);
	assert_int_equal(vault_passwd(v, p, len, TEST_KDF), VAULT_OK);
	vault_close(v);
	expect_text(f, "cav_sup", "address", "via Roma 1");
	assert_true(replayed_by(f, "cav_sup") <= 1);
}

/* A link planted under her cache's name, to another SQLite file of hers:
 * never opened, never written; her opens read the log. */
static void test_cache__planted_link_is_not_followed(void **state)
{
	fx *f = *state;
	char path[600], target[620];
	sqlite3 *db = NULL;

	cache_path(f, "cav_cw", path, sizeof(path));
	snprintf(target, sizeof(target), "%s.target", f->dir);
	unlink(path);
	assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE mine(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(symlink(target, path), 0);
	assert_true(replayed_by(f, "cav_cw") >= (uint64_t)log_length(f) - 2);
	assert_true(replayed_by(f, "cav_cw") >= (uint64_t)log_length(f) - 2);
	assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
	{
		sqlite3_stmt *s = NULL;

		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &s,
		                                    NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), 1); /* only hers */
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	unlink(target);
}

/* Her cache is named after her slot id, not her name (attack 180e); the
 * file an earlier build named after her goes when she opens, with the
 * journal a crash could leave beside it.  Only a plain file: a link
 * planted under another user's old name is left, its target untouched. */
static void test_cache__old_name_goes_from_the_folder(void **state)
{
	fx *f = *state;
	char path[600], old[600], oldj[620], link[600], target[620];
	struct stat sb;
	FILE *t;

	cache_path(f, "cav_sup", path, sizeof(path));
	assert_int_equal(lstat(path, &sb), 0);
	assert_null(strstr(path, "cav_sup"));
	snprintf(old, sizeof(old), "%s/facts-cav_sup.cache", f->dir);
	snprintf(oldj, sizeof(oldj), "%s-journal", old);
	th_copy_file(path, old);
	th_copy_file(path, oldj);
	snprintf(link, sizeof(link), "%s/facts-cav_cw.cache", f->dir);
	snprintf(target, sizeof(target), "%s.target", f->dir);
	t = fopen(target, "w");
	assert_non_null(t);
	fputs("not hers", t);
	assert_int_equal(fclose(t), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_true(replayed_by(f, "cav_sup") <= 1); /* her cache, by its new name */
	assert_int_not_equal(lstat(old, &sb), 0);
	assert_int_not_equal(lstat(oldj, &sb), 0);
	assert_int_equal(lstat(path, &sb), 0);
	(void)replayed_by(f, "cav_cw");
	assert_int_equal(lstat(link, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	assert_int_equal(stat(target, &sb), 0);
	assert_int_equal(sb.st_size, 8);
	unlink(link);
	unlink(target);
	expect_text(f, "cav_sup", "intake", "first meeting");
}

/* A link planted under the name of the journal SQLite would make beside
 * her cache (an insider review: SQLite 3.15 creates it by name, following
 * links, and writes the cache's old pages into it, which anyone can fill):
 * the cache keeps its journal in memory, so nothing is created there. */
static void test_cache__planted_journal_link_is_not_written(void **state)
{
	fx *f = *state;
	static const char payload[] = "\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPLANTED attacker\n";
	char path[600], jpath[620], target[700];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	struct stat sb;

	cache_path(f, "cav_sup", path, sizeof(path));
	snprintf(jpath, sizeof(jpath), "%s-journal", path);
	snprintf(target, sizeof(target), "%s.authorized_keys", f->dir);
	unlink(target);
	/* a row of her own in the victim's cache, which the victim's save
	 * deletes (so its page goes through the journal) */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO parts VALUES('zz', zeroblob(24), ?1)",
	                                    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, payload, sizeof(payload) - 1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_int_equal(symlink(target, jpath), 0);
	th_put(f->dir, "cav_sup", f->case_id, "note", VAULT_CLASS_GENERAL, "a note");
	assert_int_not_equal(lstat(target, &sb), 0);
	unlink(jpath);
	expect_text(f, "cav_sup", "note", "a note");
}

/* Two handles of one user (an insider review): A resumed from the cache
 * and has not read the case's part; B writes in the case and closes, and
 * its save removes the part A's head names.  A's next read replays B's
 * entry without that part: the log alone, and no error. */
static void test_cache__another_handle_replaced_a_part(void **state)
{
	fx *f = *state;
	vault_buf buf = VAULT_BUF_INIT;
	vault *a, *b;

	a = th_open(f->dir, "cav_sup");
	b = th_open(f->dir, "cav_sup");
	assert_int_equal(vault_record_put(b, f->case_id, "intake", VAULT_CLASS_GENERAL, "second",
	                                  6, NULL), VAULT_OK);
	vault_close(b);
	assert_int_equal(vault_record_get(a, f->case_id, "intake", 0, &buf, NULL, NULL), VAULT_OK);
	assert_memory_equal(buf.data, "second", 6);
	vault_buf_free(&buf);
	assert_string_equal(vault_errmsg(a), "");
	vault_close(a);
	expect_text(f, "cav_sup", "intake", "second");
}

/* Until a user changes the passphrase someone else chose for her, her keys
 * are known to that someone, who could seal a cache for her (an insider
 * review): her library neither reads nor writes one until she has. */
static void test_cache__none_before_her_own_passphrase(void **state)
{
	fx *f = *state;
	size_t n;
	const unsigned char *first = th_first_pass("newcw", &n);
	char path[600], sups[600];
	vault *v = th_open(f->dir, "cav_sup");

	assert_int_equal(vault_user_add(v, "newcw", "cav", VAULT_ROLE_CASEWORKER, first, n,
	                                TEST_KDF), VAULT_OK);
	vault_close(v);
	cache_path(f, "newcw", path, sizeof(path));
	v = NULL;
	assert_int_equal(vault_open(f->dir, "newcw", first, n, NULL, &v), VAULT_OK);
	assert_true(vault__facts_replayed(v) >= (uint64_t)log_length(f) - 2);
	vault_close(v);
	assert_int_not_equal(access(path, F_OK), 0);
	/* one planted there is not read either */
	cache_path(f, "cav_sup", sups, sizeof(sups));
	th_copy_file(sups, path);
	v = NULL;
	assert_int_equal(vault_open(f->dir, "newcw", first, n, NULL, &v), VAULT_OK);
	assert_true(vault__facts_replayed(v) >= (uint64_t)log_length(f) - 2);
	vault_close(v);
	/* hers from her own passphrase on */
	th_first_passwd(f->dir, "newcw");
	assert_true(replayed_by(f, "newcw") <= 1);
}

/* A node of the stored Merkle tree rewritten after the handle opened (an
 * insider review): the checkpoint it would sign is of a tree nobody
 * verified; refused, the tree named. */
static void test_cache__checkpoint_of_a_rewritten_tree_is_refused(void **state)
{
	fx *f = *state;
	vault_buf cp = VAULT_BUF_INIT;
	vault *v = th_open(f->dir, "aud");

	assert_int_equal(vault_audit_checkpoint(v, &cp), VAULT_OK);
	vault_buf_free(&cp);
	/* entry 32's row holds node (5, 0): the tree of the first 32 leaves */
	assert_true(log_length(f) > 40);
	assert_int_equal(th_db_exec(f->dir, "admin", "UPDATE audit SET tree = substr(tree, 1, 160)"
	                                            " || randomblob(32) WHERE seq = 32"), 0);
	assert_int_equal(vault_audit_checkpoint(v, &cp), VAULT_ERR_INTEGRITY);
	assert_null(cp.data);
	assert_non_null(strstr(vault_errmsg(v), "Merkle tree"));
	vault_close(v);
}

/* The facts an open gets from her cache and the entries after it are the
 * facts the whole log gives, after a little of everything: grants by
 * consent and by name, a revocation, a withdrawal, break-glass, a
 * redaction, a reclassification, a disabled user, new keys. */
static void fingerprint_of(const fx *f, const char *user, int from_cache, long long before,
                           unsigned char out[32])
{
	vault *v;

	if (!from_cache)
		th_forget_cache(f->dir, user);
	v = th_open(f->dir, user);
	if (from_cache) /* her cache was made before the scenario */
		assert_true(vault__facts_replayed(v) < (uint64_t)(log_length(f) - before) + 20);
	else
		assert_true(vault__facts_replayed(v) >= (uint64_t)log_length(f) - 2);
	assert_int_equal(vault__facts_fingerprint(v, out), VAULT_OK);
	vault_close(v);
}

static void test_cache__gives_what_the_log_gives(void **state)
{
	fx *f = *state;
	vault_consent_options co = VAULT_CONSENT_OPTIONS_INIT;
	vault_share_options so = VAULT_SHARE_OPTIONS_INIT;
	char other[VAULT_ID_BUFSIZE], consent[VAULT_ID_BUFSIZE];
	const char *users[] = {"cav_sup", "cas_cw", "aud", "admin"};
	unsigned char a[32], b[32];
	long long before;
	size_t i;
	vault *v;

	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		(void)replayed_by(f, users[i]); /* each has a cache from here */
	before = log_length(f);
	th_case(f->dir, "cas_cw", VAULT_CASE_VICTIM, 0, other);
	th_put(f->dir, "cas_cw", other, "note", VAULT_CLASS_GENERAL, "met at the desk");
	v = th_open(f->dir, "cas_cw");
	co.org = "cav";
	co.classes = VAULT_CLASS_GENERAL;
	co.purpose = "referral";
	assert_int_equal(vault_consent_add(v, other, &co, consent), VAULT_OK);
	so.consent_id = consent;
	assert_int_equal(vault_share(v, other, VAULT_PRINCIPAL_ORG, "cav", VAULT_CLASS_GENERAL, &so),
	                 VAULT_OK);
	assert_int_equal(vault_record_put(v, other, "note", VAULT_CLASS_GENERAL, "second", 6, NULL),
	                 VAULT_OK);
	assert_int_equal(vault_consent_withdraw(v, consent), VAULT_OK);
	vault_close(v);
	v = th_open(f->dir, "cav_sup");
	memset(&so, 0, sizeof(so));
	assert_int_equal(vault_share_options_init(&so, VAULT_SHARE_OPTIONS_VERSION), VAULT_OK);
	assert_int_equal(vault_share(v, f->case_id, VAULT_PRINCIPAL_USER, "cav_cw",
	                             VAULT_CLASS_GENERAL, &so), VAULT_OK);
	assert_int_equal(vault_revoke(v, f->case_id, VAULT_PRINCIPAL_USER, "cav_cw"), VAULT_OK);
	assert_int_equal(vault_break_glass(v, f->case_id, "she called at night, the caseworker"
	                                                  " is away", 600), VAULT_OK);
	assert_int_equal(vault_record_put(v, f->case_id, "intake", VAULT_CLASS_GENERAL, "v2", 2,
	                                  NULL), VAULT_OK);
	assert_int_equal(vault_record_redact(v, f->case_id, "intake", VAULT_CLASS_GENERAL, 1,
	                                     "written in the wrong case"), VAULT_OK);
	vault_close(v);
	v = th_open(f->dir, "admin");
	assert_int_equal(vault_user_disable(v, "cav_cw"), VAULT_OK);
	vault_close(v);
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		fingerprint_of(f, users[i], 1, before, a);
		fingerprint_of(f, users[i], 0, before, b);
		if (memcmp(a, b, 32) != 0)
			fail_msg("%s: the facts from her cache differ from the log's", users[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cache__open_resumes_from_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache__not_hers_or_damaged_is_read_as_none, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__older_copy_forgets_nothing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__older_copy_keeps_a_revocation, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__missing_part_costs_a_replay, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__entry_rewritten_below_it_is_refused_when_shown,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache__entry_rewritten_after_it_was_verified, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__review_joins_only_facts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache__shown_hash_and_signature_are_checked, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__query_filters_verified_fields, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__statement_ring_keeps_one_in_use, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__passphrase_change_reseals_it, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__planted_link_is_not_followed, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__planted_journal_link_is_not_written, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__old_name_goes_from_the_folder, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__another_handle_replaced_a_part, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__none_before_her_own_passphrase, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache__checkpoint_of_a_rewritten_tree_is_refused,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache__gives_what_the_log_gives, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
