/*
 * test_crash.c - a process killed (SIGKILL) at any step of a key-slot change
 * locks nobody out, and the change happened entirely or not at all.
 *
 * The library calls vault__crash_hook at named steps: before and after the
 * write, the fsync and the rename of the key-slot file (and after the fsync
 * of the folder), and before and after the database commit of passwd, org add,
 * user add and user disable.  A child process runs one operation with the
 * hook set to raise SIGKILL at its Nth step; the parent then checks the
 * vault it left, for N = 1, 2, ... until the operation runs to the end.
 * Each N starts from a fresh copy of the same vault.  (Under valgrind the
 * killed children print the leaks of an operation cut short; their exit
 * status is still the kill, and the suite's verdict is the parent's.)
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "internal.h"

static char *g_template; /* the network, with a record of cav's */
static char g_case[VAULT_ID_BUFSIZE];
static long g_crash_at;
static long g_hits;

static void crash_hook(const char *step)
{
	(void)step;
	if (++g_hits == g_crash_at)
		raise(SIGKILL);
}

static int setup(void **state)
{
	(void)state;
	g_template = th_network();
	th_case(g_template, "cav_cw", VAULT_CASE_VICTIM, 0, g_case);
	th_put(g_template, "cav_cw", g_case, "note", VAULT_CLASS_GENERAL, "sealed to cav");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_rmdir(g_template);
	return 0;
}

/* A fresh copy of the template vault (its folder is flat). */
static char *fresh_copy(void)
{
	char *base = th_tmpdir();
	char cmd[8192], *dir = malloc(strlen(base) + 3);

	assert_non_null(dir);
	sprintf(dir, "%s/v", base);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", g_template, dir);
	assert_int_equal(system(cmd), 0);
	free(base); /* the caller removes dir's parent through th_rmdir(dir) */
	return dir;
}

static void rm_copy(char *dir)
{
	char *parent = strdup(dir);

	*strrchr(parent, '/') = '\0';
	free(dir);
	th_rmdir(parent);
}

static vault_status open_as(const char *dir, const char *user, const char *pass, vault **v)
{
	*v = NULL;
	return vault_open(dir, user, (const unsigned char *)pass, strlen(pass), NULL, v);
}

/* 1 if `user` (open) reads the template's record. */
static int reads_note(vault *v)
{
	vault_buf b = VAULT_BUF_INIT;
	int ok = vault_record_get(v, g_case, "note", 0, &b, NULL, NULL) == VAULT_OK &&
	         b.len == strlen("sealed to cav") && memcmp(b.data, "sealed to cav", b.len) == 0;

	vault_buf_free(&b);
	return ok;
}

/* Everyone not involved still opens (nobody is locked out). */
static void bystanders_open(const char *dir, const char *except)
{
	static const char *const users[] = {"admin", "cav_sup", "cas_sup", "cas_cw", "aud"};
	size_t i, n;
	vault *v;

	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		if (strcmp(users[i], except) == 0)
			continue;
		const unsigned char *p = th_pass(users[i], &n);
		v = NULL;
		if (vault_open(dir, users[i], p, n, NULL, &v) != VAULT_OK)
			fail_msg("%s is locked out: %s", users[i], vault_last_errmsg());
		vault_close(v);
	}
}

typedef vault_status (*op_fn)(vault *v);
typedef void (*check_fn)(const char *dir, long step, int finished);

/* Kill the operation at every step in turn; returns the number of steps. */
static long kill_at_every_step(const char *actor, const char *pass, op_fn op,
                               check_fn check)
{
	char actor_pass[128]; /* th_pass() recycles its buffers */
	long n;

	snprintf(actor_pass, sizeof(actor_pass), "%s", pass);
	for (n = 1;; n++) {
		char *dir = fresh_copy();
		int status = 0;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			vault *v = NULL;
			if (open_as(dir, actor, actor_pass, &v) != VAULT_OK) {
				fprintf(stderr, "child: open as %s: %s\n", actor, vault_last_errmsg());
				free(dir);
				_exit(3);
			}
			g_hits = 0;
			g_crash_at = n;
			vault__crash_hook = crash_hook;
			{
				vault_status st = op(v);
				vault__crash_hook = NULL;
				vault_close(v); /* a clean end, for leak checkers */
				free(dir);
				_exit(st == VAULT_OK ? 0 : 4);
			}
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status)) {
			assert_int_equal(WTERMSIG(status), SIGKILL);
			check(dir, n, 0);
			rm_copy(dir);
			continue;
		}
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) != 0)
			fail_msg("the operation failed (child exit %d) with no kill", WEXITSTATUS(status));
		check(dir, n, 1);
		rm_copy(dir);
		return n - 1;
	}
}

/* ---- passwd ------------------------------------------------------------ */

#define NEW_PASS "a new passphrase, typed twice"
static const char *g_who;

static vault_status op_passwd(vault *v)
{
	return vault_passwd(v, (const unsigned char *)NEW_PASS, strlen(NEW_PASS),
	                    VAULT_KDF_DEFAULT);
}

static void check_passwd(const char *dir, long step, int finished)
{
	size_t n;
	const char *old = (const char *)th_pass(g_who, &n);
	vault *a = NULL, *b = NULL;
	vault_status sa = open_as(dir, g_who, old, &a);
	vault_status sb = open_as(dir, g_who, NEW_PASS, &b);

	/* Exactly one opens; the other is a wrong passphrase, never damage. */
	if ((sa == VAULT_OK) == (sb == VAULT_OK))
		fail_msg("%s, kill at step %ld: old %s, new %s", g_who, step,
		         vault_strerror(sa), vault_strerror(sb));
	assert_int_equal(sa == VAULT_OK ? sb : sa, VAULT_ERR_AUTH);
	if (finished)
		assert_int_equal(sb, VAULT_OK);
	/* The keys that opened are hers: she reads what is sealed to her. */
	if (!reads_note(sa == VAULT_OK ? a : b))
		fail_msg("%s, kill at step %ld: opens but cannot read", g_who, step);
	vault_close(a);
	vault_close(b);
	/* Settled: the same passphrase opens again, the other still does not. */
	assert_int_equal(open_as(dir, g_who, sa == VAULT_OK ? old : NEW_PASS, &a), VAULT_OK);
	vault_close(a);
	assert_int_equal(open_as(dir, g_who, sa == VAULT_OK ? NEW_PASS : old, &b),
	                 VAULT_ERR_AUTH);
	bystanders_open(dir, g_who);
}

static void test_crash__passwd_caseworker(void **state)
{
	size_t n;

	(void)state;
	g_who = "cav_cw";
	/* Two slot writes (the pending slot, then settled) of 7 steps each
	 * (write, fsync, rename: before and after; the folder's fsync), and
	 * before and after the commit. */
	assert_true(kill_at_every_step("cav_cw", (const char *)th_pass("cav_cw", &n),
	                               op_passwd, check_passwd) == 16);
}

/* The first supervisor's change also replaces her organisation's keys. */
static void test_crash__passwd_supervisor(void **state)
{
	size_t n;

	(void)state;
	g_who = "cav_sup";
	assert_true(kill_at_every_step("cav_sup", (const char *)th_pass("cav_sup", &n),
	                               op_passwd, check_passwd) == 16);
}

/* ---- org add -------------------------------------------------------------- */

#define FIRST_PASS "chosen by the admin 5521"

static vault_status op_org_add(vault *v)
{
	return vault_org_add(v, "neworg", "New organisation", VAULT_ORG_OTHER, "newsup",
	                     (const unsigned char *)FIRST_PASS, strlen(FIRST_PASS), TEST_KDF);
}

static int db_count(const char *dir, const char *sql)
{
	sqlite3 *db = th_db_open(dir, "admin");
	sqlite3_stmt *s = NULL;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* The new user opens with her first passphrase and changes it (so her keys
 * are the ones in the database); or she does not exist at all. */
static void check_new_user(const char *dir, long step, int finished, const char *who,
                           const char *count_sql)
{
	int exists = db_count(dir, count_sql);
	vault *v = NULL;
	vault_status st = open_as(dir, who, FIRST_PASS, &v);

	assert_true(exists == 0 || exists == 1);
	if (finished)
		assert_int_equal(exists, 1);
	if (exists) {
		if (st != VAULT_OK)
			fail_msg("%s, kill at step %ld: added but locked out: %s", who, step,
			         vault_last_errmsg());
		assert_int_equal(vault_passwd(v, (const unsigned char *)NEW_PASS,
		                              strlen(NEW_PASS), VAULT_KDF_DEFAULT), VAULT_OK);
	} else {
		if (st != VAULT_ERR_AUTH)
			fail_msg("%s, kill at step %ld: not added, yet open gives %s", who, step,
			         vault_strerror(st));
	}
	vault_close(v);
	bystanders_open(dir, "");
}

static void check_org_add(const char *dir, long step, int finished)
{
	check_new_user(dir, step, finished, "newsup",
	               "SELECT count(*) FROM orgs WHERE id = 'neworg'");
	if (db_count(dir, "SELECT count(*) FROM orgs WHERE id = 'neworg'") !=
	    db_count(dir, "SELECT count(*) FROM users WHERE name = 'newsup'"))
		fail_msg("kill at step %ld: organisation and supervisor apart", step);
}

static void test_crash__org_add(void **state)
{
	size_t n;

	(void)state;
	assert_true(kill_at_every_step("admin", (const char *)th_pass("admin", &n),
	                               op_org_add, check_org_add) == 16);
}

/* ---- user add -------------------------------------------------------------- */

static vault_status op_user_add(vault *v)
{
	return vault_user_add(v, "newbie", NULL, VAULT_ROLE_CASEWORKER,
	                      (const unsigned char *)FIRST_PASS, strlen(FIRST_PASS), TEST_KDF);
}

static void check_user_add(const char *dir, long step, int finished)
{
	check_new_user(dir, step, finished, "newbie",
	               "SELECT count(*) FROM users WHERE name = 'newbie'");
	/* Added entirely: she reads her organisation's record. */
	if (db_count(dir, "SELECT count(*) FROM users WHERE name = 'newbie'") == 1) {
		vault *v = NULL;
		assert_int_equal(open_as(dir, "newbie", NEW_PASS, &v), VAULT_OK);
		assert_true(reads_note(v));
		vault_close(v);
	}
}

static void test_crash__user_add(void **state)
{
	size_t n;

	(void)state;
	assert_true(kill_at_every_step("cav_sup", (const char *)th_pass("cav_sup", &n),
	                               op_user_add, check_user_add) == 16);
}

/* ---- user disable ------------------------------------------------------------ */

/* The disable's commit (2) and slot removal (7), then the database key
 * rotation: export (2), the pending seals (7), the old log and index set
 * aside (2, after "rename.before"), the switch (2), the set-aside files
 * removed (1), the seals made current (7) and after (1); then its
 * vault.rekey entry (1) and, after it, the disabler's witness copy in her
 * key slot (7). */
#define STEPS_DISABLE 39

static vault_status op_disable(vault *v)
{
	return vault_user_disable(v, "cav_cw");
}

static void check_disable(const char *dir, long step, int finished)
{
	int disabled = db_count(dir, "SELECT disabled FROM users WHERE name = 'cav_cw'");
	size_t n;
	const char *p = (const char *)th_pass("cav_cw", &n);
	vault *v = NULL;
	vault_status st = open_as(dir, "cav_cw", p, &v);

	if (finished)
		assert_int_equal(disabled, 1);
	if (disabled) {
		assert_int_equal(st, VAULT_ERR_AUTH);
	} else {
		assert_int_equal(disabled, 0);
		if (st != VAULT_OK)
			fail_msg("kill at step %ld: not disabled, yet locked out", step);
		assert_true(reads_note(v));
	}
	vault_close(v);
	/* Her supervisor still reads the organisation's record either way. */
	v = th_open(dir, "cav_sup");
	assert_true(reads_note(v));
	vault_close(v);
	bystanders_open(dir, "");
	/* Killed after the commit, her slot is gone after the next open. */
	if (disabled) {
		unsigned int flags;
		assert_int_equal(vault__slot_flags(dir, "cav_cw", &flags), VAULT_ERR_NOT_FOUND);
	}
}

static void test_crash__user_disable(void **state)
{
	size_t n;

	(void)state;
	assert_true(kill_at_every_step("cav_sup", (const char *)th_pass("cav_sup", &n),
	                               op_disable, check_disable) == STEPS_DISABLE);
}

/* ---- the database key rotation of a disable ----------------------------------
 * Killed at any step: either the old key is in force (the old file, the old
 * seals) or the new one (the new file, the new seals), never a mix; nobody
 * is locked out; the disabled user's old key opens the database only while
 * the rotation is owed, and a second disable of her finishes it. */

static unsigned char g_oldkey[32];

static int key_opens(const char *dir, const unsigned char key[32])
{
	int r = vault__store_key_opens(dir, key);

	assert_true(r == 0 || r == 1);
	return r;
}

static void check_rotation(const char *dir, long step, int finished)
{
	int disabled = db_count(dir, "SELECT disabled FROM users WHERE name = 'cav_cw'");
	int due = db_count(dir, "SELECT count(*) FROM meta WHERE k = 'dbkey_rotate_due'");
	int old_opens = key_opens(dir, g_oldkey);
	char rotate[4200];
	vault *v = NULL;

	/* One key in force, and the file agrees with the "owed" mark. */
	if (old_opens && disabled && !due)
		fail_msg("kill at step %ld: the old key opens, yet no rotation is owed", step);
	if (!old_opens && (due || !disabled))
		fail_msg("kill at step %ld: a new key without a completed disable", step);
	if (finished)
		assert_false(old_opens);
	/* Everyone opens (settling her own seals), and reads as before. */
	bystanders_open(dir, "cav_cw");
	v = th_open(dir, "cav_sup");
	assert_true(reads_note(v));
	/* Owed: the supervisor finishes it, and the old key is dead. */
	if (old_opens && disabled) {
		assert_int_equal(vault_user_disable(v, "cav_cw"), VAULT_OK);
		assert_true(reads_note(v)); /* her handle goes on, on the new file */
		assert_false(key_opens(dir, g_oldkey));
		assert_int_equal(db_count(dir, "SELECT count(*) FROM meta WHERE"
		                         " k = 'dbkey_rotate_due'"), 0);
	}
	vault_close(v);
	bystanders_open(dir, "cav_cw");
	snprintf(rotate, sizeof(rotate), "%s/vault.db.rotate", dir);
	if (!old_opens)
		assert_int_equal(access(rotate, F_OK), -1); /* switched: nothing left */
}

static void test_crash__disable_rotates_dbkey(void **state)
{
	size_t n;

	(void)state;
	th_db_key(g_template, "cav_cw", g_oldkey);
	assert_true(kill_at_every_step("cav_sup", (const char *)th_pass("cav_sup", &n),
	                               op_disable, check_rotation) == STEPS_DISABLE);
}

/* Handles open elsewhere while a disable rotates the key: each one's next
 * call is VAULT_ERR_AUTH (reopen), none writes to the replaced file, and
 * their closing leaves the new file's write-ahead log alone. */
static void test_crash__rotation_other_handles_must_reopen(void **state)
{
	char *dir = fresh_copy();
	char cs[VAULT_ID_BUFSIZE], cs2[VAULT_ID_BUFSIZE];
	vault *other = th_open(dir, "cas_cw"), *gone = th_open(dir, "cav_cw");
	vault *sup = th_open(dir, "cav_sup"), *v = NULL, *txn = th_open(dir, "cas_sup");
	vault_buf b = VAULT_BUF_INIT;
	vault_verify_result res;

	(void)state;
	th_db_key(dir, "cav_cw", g_oldkey);
	assert_int_equal(vault_user_disable(sup, "cav_cw"), VAULT_OK);
	/* A transaction begun on the replaced file: its first operation
	 * looks and is refused, and so is every one after it (the file is
	 * looked for once a transaction, and only a file found in place is
	 * remembered). */
	assert_int_equal(vault_begin(txn), VAULT_OK);
	assert_int_equal(vault_case_create(txn, VAULT_CASE_VICTIM, 0, cs2), VAULT_ERR_AUTH);
	assert_int_equal(vault_case_create(txn, VAULT_CASE_VICTIM, 0, cs2), VAULT_ERR_AUTH);
	assert_int_equal(vault_rollback(txn), VAULT_OK);
	vault_close(txn);
	assert_false(key_opens(dir, g_oldkey));
	/* The disabling handle goes on, on the new file (in its WAL). */
	assert_int_equal(vault_case_create(sup, VAULT_CASE_VICTIM, 0, cs), VAULT_OK);
	assert_int_equal(vault_record_put(sup, cs, "after", VAULT_CLASS_GENERAL, "written after",
	                                  13, NULL), VAULT_OK);
	/* The others must reopen. */
	assert_int_equal(vault_case_create(other, VAULT_CASE_VICTIM, 0, cs2), VAULT_ERR_AUTH);
	assert_non_null(strstr(vault_errmsg(other), "rotated"));
	assert_int_equal(vault_record_get(gone, g_case, "note", 0, &b, NULL, NULL),
	                 VAULT_ERR_AUTH);
	vault_close(other);
	vault_close(gone);
	/* Nothing written after the switch was lost to their closing: a new
	 * handle, while the writer's frames are still in the WAL only, reads
	 * them through the WAL file's name. */
	v = th_open(dir, "cav_sup");
	assert_int_equal(vault_record_get(v, cs, "after", 0, &b, NULL, NULL), VAULT_OK);
	assert_int_equal(b.len, 13);
	vault_buf_free(&b);
	vault_close(v);
	vault_close(sup);
	/* The log came across whole. */
	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	v = th_open(dir, "aud");
	assert_int_equal(vault_audit_verify(v, NULL, &res, NULL, NULL), VAULT_OK);
	vault_close(v);
	/* And the disabled user is refused, as before. */
	assert_int_equal(open_as(dir, "cav_cw", (const char *)th_pass("cav_cw", &(size_t){0}), &v),
	                 VAULT_ERR_AUTH);
	rm_copy(dir);
}

/* A rotation with a reader of an older state open (attack 180b: the
 * disabled user's own, left open for good): the checkpoint cannot take
 * the old log into the old file, and the rotation does not wait for it.
 * It sets the old log and shared memory aside, switches the files, and
 * removes them.  Killed at each of those steps (and the open that settles
 * such a kill killed in turn): exactly one key opens vault.db, the old
 * before the switch and the new after it; what was committed before the
 * disable, and the disable itself, are all there (the old log was put
 * back, or the export holds them); nothing set aside is left; nobody is
 * locked out; and a rotation cut short is finished by disabling again. */
static const char *g_kill_step;
static int g_kill_nth, g_kill_seen;

static void named_kill_hook(const char *step)
{
	if (g_kill_step != NULL && strcmp(step, g_kill_step) == 0 && ++g_kill_seen == g_kill_nth)
		raise(SIGKILL);
}

static int file_size(const char *dir, const char *name, long *size)
{
	char path[4200];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &sb) != 0)
		return 0;
	if (size != NULL)
		*size = (long)sb.st_size;
	return 1;
}

/* Runs `body` in a child with the hook armed at the nth `step` (NULL: no
 * kill); returns 1 if the child was killed there, 0 if it ran to the end. */
static int run_killed(const char *dir, const char *step, int nth,
                      void (*body)(const char *dir))
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		g_kill_step = step;
		g_kill_nth = nth;
		g_kill_seen = 0;
		body(dir);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		assert_int_equal(WTERMSIG(status), SIGKILL);
		return 1;
	}
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("the child failed (exit %d) with no kill at %s", WEXITSTATUS(status),
		         step != NULL ? step : "-");
	return 0;
}

/* A reader of the state before the disable (his transaction never ends),
 * a record committed after it began (so it stays in the log), then the
 * disable. */
static void disable_past_a_reader(const char *dir)
{
	sqlite3 *hold = th_db_open(dir, "cav_cw");
	vault *v;

	if (sqlite3_exec(hold, "BEGIN; SELECT count(*) FROM audit;", NULL, NULL, NULL) !=
	    SQLITE_OK)
		_exit(5);
	v = th_open(dir, "cav_sup");
	if (vault_record_put(v, g_case, "late", VAULT_CLASS_GENERAL, "written late", 12, NULL) !=
	    VAULT_OK)
		_exit(6);
	vault__crash_hook = named_kill_hook;
	if (vault_user_disable(v, "cav_cw") != VAULT_OK)
		_exit(4);
	vault__crash_hook = NULL;
	vault_close(v);
	sqlite3_exec(hold, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(hold);
}

/* An open, with the hook armed: it settles what the rotation left. */
static void open_settles(const char *dir)
{
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass("cas_cw", &n);

	vault__crash_hook = named_kill_hook;
	if (vault_open(dir, "cas_cw", p, n, NULL, &v) != VAULT_OK)
		_exit(7);
	vault__crash_hook = NULL;
	vault_close(v);
}

static int reads_late(vault *v)
{
	vault_buf b = VAULT_BUF_INIT;
	int ok = vault_record_get(v, g_case, "late", 0, &b, NULL, NULL) == VAULT_OK &&
	         b.len == 12 && memcmp(b.data, "written late", 12) == 0;

	vault_buf_free(&b);
	return ok;
}

static void check_rotation_past_reader(const char *dir, const char *step, int switched)
{
	unsigned char cur[32];
	vault_verify_result res;
	vault *v = NULL;
	int old_opens;

	/* The first open settles it: nothing set aside is left behind.  Its
	 * user has no pending seal (as one the rotation could not seal to)
	 * and settles it all the same. */
	if (!switched)
		assert_int_equal(vault__dbkey_settle(dir, 0, "cas_sup", 0), VAULT_OK);
	v = th_open(dir, "cas_sup");
	vault_close(v);
	if (file_size(dir, "vault.db.rotate-oldwal", NULL) ||
	    file_size(dir, "vault.db.rotate-oldshm", NULL))
		fail_msg("kill at %s: a log set aside is left after an open", step);
	/* Exactly one key opens: the old one before the switch, the new one
	 * (everyone's seal) from it on. */
	old_opens = key_opens(dir, g_oldkey);
	th_db_key(dir, "cav_sup", cur);
	assert_true(key_opens(dir, cur));
	if (old_opens != !switched)
		fail_msg("kill at %s: the %s key is in force", step, old_opens ? "old" : "new");
	if (switched)
		assert_true(memcmp(cur, g_oldkey, 32) != 0);
	/* Nothing committed is lost: the disable and the owed mark as the
	 * file says, and the record written past the reader. */
	assert_int_equal(db_count(dir, "SELECT disabled FROM users WHERE name = 'cav_cw'"), 1);
	assert_int_equal(db_count(dir, "SELECT count(*) FROM meta WHERE k = 'dbkey_rotate_due'"),
	                 old_opens);
	v = th_open(dir, "cav_sup");
	if (!reads_late(v) || !reads_note(v))
		fail_msg("kill at %s: a record committed before the disable is lost", step);
	/* Cut short before the switch: disabling again finishes it. */
	if (old_opens) {
		assert_int_equal(vault_user_disable(v, "cav_cw"), VAULT_OK);
		assert_false(key_opens(dir, g_oldkey));
		assert_true(reads_late(v));
	}
	vault_close(v);
	bystanders_open(dir, "cav_cw");
	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	v = th_open(dir, "aud");
	assert_int_equal(vault_audit_verify(v, NULL, &res, NULL, NULL), VAULT_OK);
	vault_close(v);
	/* (a new file never switched in is removed by an open that settles a
	 * pending seal, or by the next rotation) */
	assert_false(file_size(dir, "vault.db.rotate", NULL));
}

static void test_crash__rotation_past_an_old_reader(void **state)
{
	static const struct {
		const char *step;
		int switched;
	} steps[] = {{"rotate.rename.before", 0}, {"rotate.aside.wal", 0},
	             {"rotate.aside.shm", 0},     {"rotate.rename.after", 1},
	             {"rotate.commit.after", 1},  {"rotate.aside.removed", 1},
	             {NULL, 1}};
	size_t i;
	long size = 0;

	(void)state;
	th_db_key(g_template, "cav_cw", g_oldkey);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *dir = fresh_copy();
		int killed = run_killed(dir, steps[i].step, 1, disable_past_a_reader);

		assert_int_equal(killed, steps[i].step != NULL);
		/* The reader kept the log from the old file: it was set aside
		 * whole, not checkpointed away, and the name is free for the
		 * new file. */
		if (steps[i].step != NULL && strcmp(steps[i].step, "rotate.aside.shm") == 0) {
			assert_true(file_size(dir, "vault.db.rotate-oldwal", &size));
			assert_true(size > 0);
			assert_false(file_size(dir, "vault.db-wal", NULL));
			assert_false(file_size(dir, "vault.db-shm", NULL));
		}
		check_rotation_past_reader(dir, steps[i].step != NULL ? steps[i].step : "(none)",
		                           steps[i].switched);
		rm_copy(dir);
	}
}

/* The open that settles a rotation killed before its switch, killed in
 * turn while it puts the old log back (after the log, after the shared
 * memory, after removing the new file): the next open finishes it. */
static void test_crash__settling_a_rotation_killed(void **state)
{
	static const struct {
		const char *step;
		int nth;
	} steps[] = {{"rotate.settle.back", 1}, {"rotate.settle.back", 2},
	             {"rotate.settle.after", 1}};
	size_t i;

	(void)state;
	th_db_key(g_template, "cav_cw", g_oldkey);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *dir = fresh_copy();

		assert_true(run_killed(dir, "rotate.aside.shm", 1, disable_past_a_reader));
		assert_true(run_killed(dir, steps[i].step, steps[i].nth, open_settles));
		check_rotation_past_reader(dir, steps[i].step, 0);
		rm_copy(dir);
	}
}

/* Two rotations cut short in a row, with nobody else's open between them.
 * The first (cav_sup disables cav_cw) is killed after its switch, before
 * its seals are made current: every user's new key is pending.  cas_sup
 * opens (settling only her own seal) and disables cas_cw; that rotation
 * is killed after it sealed its new key, pending, to everyone, before its
 * switch.  The auditor, who opened neither time, held the old key as
 * current and the first rotation's key as pending, which the second one's
 * replaced: neither opened the file, and she was locked out until some
 * later disable ran to its end.  Each stage now seals the key in force as
 * well, as every remaining user's current key. */
static const char *g_disabler, *g_disabled;

static void disable_killed(const char *dir)
{
	vault *v = th_open(dir, g_disabler);

	vault__crash_hook = named_kill_hook;
	(void)vault_user_disable(v, g_disabled);
	vault__crash_hook = NULL;
	vault_close(v);
}

static void test_crash__two_rotations_cut_short_in_a_row(void **state)
{
	static const char *const second[] = {"rotate.export.after", "rotate.rename.before",
	                                     "rotate.aside.shm", "rotate.aside.removed"};
	static const char *const users[] = {"aud", "admin2", "asl_sup", "pref_sup", "cav_sup"};
	size_t i, j, n;

	(void)state;
	th_db_key(g_template, "cav_cw", g_oldkey);
	for (i = 0; i < sizeof(second) / sizeof(second[0]); i++) {
		char *dir = fresh_copy();
		vault *v;

		g_disabler = "cav_sup";
		g_disabled = "cav_cw";
		assert_true(run_killed(dir, "rotate.aside.removed", 1, disable_killed));
		g_disabler = "cas_sup";
		g_disabled = "cas_cw";
		assert_true(run_killed(dir, second[i], 1, disable_killed));
		for (j = 0; j < sizeof(users) / sizeof(users[0]); j++) {
			const unsigned char *p = th_pass(users[j], &n);

			v = NULL;
			if (vault_open(dir, users[j], p, n, NULL, &v) != VAULT_OK)
				fail_msg("the second rotation killed at %s: %s is locked out: %s",
				         second[i], users[j], vault_last_errmsg());
			vault_close(v);
		}
		/* and the supervisor reads on, the old key opening nothing */
		v = th_open(dir, "cav_sup");
		assert_true(reads_note(v));
		vault_close(v);
		assert_false(key_opens(dir, g_oldkey));
		rm_copy(dir);
	}
}

/* Her state file becomes a folder once the vault.rekey entry is in (before,
 * the disable's own look at her witness state would refuse it). */
static char g_state_path[8500];

static void state_becomes_folder(const char *step)
{
	char x[8600];

	if (strcmp(step, "rekey.entry.after") != 0 || g_state_path[0] == '\0')
		return;
	assert_int_equal(unlink(g_state_path), 0);
	assert_int_equal(mkdir(g_state_path, 0700), 0);
	snprintf(x, sizeof(x), "%s/x", g_state_path);
	assert_int_equal(mkdir(x, 0700), 0);
	g_state_path[0] = '\0';
}

/* The disabler's witness state cannot be saved after the rotation's
 * vault.rekey entry (her state file replaced by a folder): the disable
 * says so, and says the key was rotated; it was (the old key opens
 * nothing), she is disabled, and the entry is in the log. */
static void test_crash__disable_reports_witness_state_not_saved(void **state)
{
	char *dir = fresh_copy(), sd[4200], id[4200], path[8500];
	vault_open_options o = VAULT_OPEN_OPTIONS_INIT;
	const unsigned char *p;
	struct dirent *e;
	vault *v = NULL;
	vault_status st;
	DIR *d;
	size_t n;

	(void)state;
	th_db_key(dir, "cav_cw", g_oldkey);
	snprintf(sd, sizeof(sd), "%s.state", dir);
	o.state_dir = sd;
	p = th_pass("cav_sup", &n);
	assert_int_equal(vault_open(dir, "cav_sup", p, n, &o, &v), VAULT_OK);
	/* her state file, <sd>/<vault id>/cav_sup, becomes a folder */
	d = opendir(sd);
	assert_non_null(d);
	id[0] = '\0';
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			snprintf(id, sizeof(id), "%s", e->d_name);
	closedir(d);
	assert_true(id[0] != '\0');
	snprintf(g_state_path, sizeof(g_state_path), "%s/%s/cav_sup", sd, id);
	vault__crash_hook = state_becomes_folder;
	st = vault_user_disable(v, "cav_cw");
	vault__crash_hook = NULL;
	assert_int_equal(g_state_path[0], '\0');
	assert_int_equal(st, VAULT_ERR_IO);
	assert_non_null(strstr(vault_errmsg(v), "the database key was rotated, but its"
	                                        " vault.rekey entry or your witness state"));
	vault_close(v);
	assert_false(key_opens(dir, g_oldkey));
	assert_int_equal(db_count(dir, "SELECT disabled FROM users WHERE name = 'cav_cw'"), 1);
	assert_int_equal(db_count(dir, "SELECT count(*) FROM audit WHERE action = 'vault.rekey'"
	                          " AND target = 'cav_cw'"), 1);
	snprintf(path, sizeof(path), "%s/%s/cav_sup/x", sd, id);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/%s/cav_sup", sd, id);
	rmdir(path);
	th_rmdir(strdup(sd));
	rm_copy(dir);
}

/* An open that a rotation overtakes, between the choice of the key and the
 * opening of the file, or between the opening and the open's lock: it
 * chooses again and opens the new file.  (The hook disables a user from
 * another handle at that step of the open.) */
static vault *g_rotator;
static const char *g_rotate_at;
static int g_rotated;

static void rotate_hook(const char *step)
{
	if (g_rotated || strcmp(step, g_rotate_at) != 0)
		return;
	g_rotated = 1;
	vault__crash_hook = NULL; /* the disable's own steps are not this test's */
	assert_int_equal(vault_user_disable(g_rotator, "cav_cw"), VAULT_OK);
}

static void open_overtaken_at(const char *step)
{
	char *dir = fresh_copy();
	vault *v = NULL;
	size_t n;
	const unsigned char *p = th_pass("cav_sup", &n);

	th_db_key(dir, "cav_cw", g_oldkey);
	g_rotator = th_open(dir, "cav_sup");
	g_rotate_at = step;
	g_rotated = 0;
	vault__crash_hook = rotate_hook;
	if (vault_open(dir, "cav_sup", p, n, NULL, &v) != VAULT_OK)
		fail_msg("an open overtaken by a rotation at %s: %s", step, vault_last_errmsg());
	vault__crash_hook = NULL;
	assert_true(g_rotated);
	assert_false(key_opens(dir, g_oldkey));
	assert_true(reads_note(v));
	vault_close(v);
	vault_close(g_rotator);
	rm_copy(dir);
}

static void test_crash__open_overtaken_by_rotation(void **state)
{
	(void)state;
	open_overtaken_at("open.key_picked");
	open_overtaken_at("open.store_opened");
}

/* A passphrase change after a rotation gives her a new box key, which her
 * sealed database key does not open: her new slot's key (the one in force)
 * serves until the next rotation seals one to her new key. */
static void test_crash__passwd_between_rotations(void **state)
{
	char *dir = fresh_copy();
	size_t n;
	vault *v = th_open(dir, "cav_sup"), *w = NULL;

	(void)state;
	assert_int_equal(vault_user_disable(v, "cav_cw"), VAULT_OK);
	vault_close(v);
	assert_int_equal(open_as(dir, "cas_cw", (const char *)th_pass("cas_cw", &n), &w),
	                 VAULT_OK);
	assert_int_equal(vault_passwd(w, (const unsigned char *)NEW_PASS, strlen(NEW_PASS),
	                              VAULT_KDF_DEFAULT), VAULT_OK);
	vault_close(w);
	assert_int_equal(open_as(dir, "cas_cw", NEW_PASS, &w), VAULT_OK);
	vault_close(w);
	/* The next rotation seals to her new key. */
	v = th_open(dir, "admin");
	assert_int_equal(vault_user_disable(v, "admin2"), VAULT_OK);
	vault_close(v);
	assert_int_equal(open_as(dir, "cas_cw", NEW_PASS, &w), VAULT_OK);
	{
		char cs[VAULT_ID_BUFSIZE];
		assert_int_equal(vault_case_create(w, VAULT_CASE_VICTIM, 0, cs), VAULT_OK);
	}
	vault_close(w);
	bystanders_open(dir, "cas_cw");
	rm_copy(dir);
}

/* ---- settling under allocation failures ---------------------------------- */

/* A copy of `src` (a vault folder) in a new temporary folder. */
static char *copy_of(const char *src)
{
	char *base = th_tmpdir();
	char cmd[8192], *dir = malloc(strlen(base) + 3);

	assert_non_null(dir);
	sprintf(dir, "%s/v", base);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", src, dir);
	assert_int_equal(system(cmd), 0);
	free(base);
	return dir;
}

/* The vault a passwd of cav_cw killed at step `at` leaves. */
static char *killed_passwd(long at)
{
	char *dir = fresh_copy();
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		vault *v = NULL;
		size_t n;
		const unsigned char *p = th_pass("cav_cw", &n);
		if (vault_open(dir, "cav_cw", p, n, NULL, &v) != VAULT_OK)
			_exit(3);
		g_hits = 0;
		g_crash_at = at;
		vault__crash_hook = crash_hook;
		op_passwd(v);
		_exit(5); /* not killed: the step count is wrong */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	return dir;
}

/* The open that settles an interrupted change (keeping the pending slot
 * after the commit, dropping it before) fails cleanly when any allocation
 * fails, and leaves a vault that the right passphrase still opens. */
static void settle_under_faults(long kill_at, const char *right, const char *wrong)
{
	char *state = killed_passwd(kill_at);
	long n, failures = 0;

	for (n = 1; n < 100000; n++) {
		char *dir = copy_of(state);
		vault *v = NULL;
		vault_status st;
		int hit;

		vault__fault_alloc_after(n);
		st = open_as(dir, "cav_cw", right, &v);
		hit = vault__fault_alloc_hit();
		vault__fault_alloc_after(0);
		vault_close(v);
		if (st != VAULT_OK) {
			failures++;
			if (st != VAULT_ERR_NOMEM && st != VAULT_ERR_AUDIT)
				fail_msg("allocation %ld failing: %s (%s)", n, vault_strerror(st),
				         vault_last_errmsg());
		}
		/* Whatever failed, the right passphrase opens, with her keys, and
		 * the other does not. */
		assert_int_equal(open_as(dir, "cav_cw", right, &v), VAULT_OK);
		assert_true(reads_note(v));
		vault_close(v);
		assert_int_equal(open_as(dir, "cav_cw", wrong, &v), VAULT_ERR_AUTH);
		rm_copy(dir);
		if (!hit)
			break;
	}
	assert_true(n < 100000);
	assert_true(failures > 0);
	rm_copy(state);
}

static void test_crash__open_settles_committed_change_under_faults(void **state)
{
	size_t n;
	char old[64];

	(void)state;
	snprintf(old, sizeof(old), "%s", (const char *)th_pass("cav_cw", &n));
	/* Killed after the commit (step 9: the pending slot's 7, then the
	 * commit's two): the new passphrase is in force. */
	settle_under_faults(9, NEW_PASS, old);
}

static void test_crash__open_drops_uncommitted_change_under_faults(void **state)
{
	size_t n;
	char old[64];

	(void)state;
	snprintf(old, sizeof(old), "%s", (const char *)th_pass("cav_cw", &n));
	/* Killed before the commit: the old passphrase stays in force. */
	settle_under_faults(8, old, NEW_PASS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash__passwd_caseworker),
		cmocka_unit_test(test_crash__passwd_supervisor),
		cmocka_unit_test(test_crash__org_add),
		cmocka_unit_test(test_crash__user_add),
		cmocka_unit_test(test_crash__user_disable),
		cmocka_unit_test(test_crash__disable_rotates_dbkey),
		cmocka_unit_test(test_crash__rotation_other_handles_must_reopen),
		cmocka_unit_test(test_crash__rotation_past_an_old_reader),
		cmocka_unit_test(test_crash__settling_a_rotation_killed),
		cmocka_unit_test(test_crash__open_overtaken_by_rotation),
		cmocka_unit_test(test_crash__passwd_between_rotations),
		cmocka_unit_test(test_crash__two_rotations_cut_short_in_a_row),
		cmocka_unit_test(test_crash__disable_reports_witness_state_not_saved),
		cmocka_unit_test(test_crash__open_settles_committed_change_under_faults),
		cmocka_unit_test(test_crash__open_drops_uncommitted_change_under_faults),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
