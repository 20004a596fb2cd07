/*
 * test_audit_tlog.c - the audit log as a transparency log, in a vault: the
 * stored Merkle tree, tree checkpoints and 1.0 chain checkpoints, verifier
 * keys, inclusion and consistency proofs checked offline, cosigning, and the
 * checkpoint an export writes beside itself.  Attacks first: a rewritten
 * tree, a forged or foreign checkpoint, a proof bent by one bit.
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
#include <jansson.h>
#include <sodium.h>

#include "audit_chain.h"
#include "helpers.h"
#include "internal.h"

typedef struct fx {
	char *dir;
	char case_id[VAULT_ID_BUFSIZE];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = th_network();
	th_case(f->dir, "cav_cw", VAULT_CASE_VICTIM, 0, f->case_id);
	th_put(f->dir, "cav_cw", f->case_id, "intake", VAULT_CLASS_GENERAL, "first");
	th_put(f->dir, "cav_cw", f->case_id, "intake", VAULT_CLASS_GENERAL, "second");
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

static char *checkpoint_as(fx *f, const char *user)
{
	vault *v = th_open(f->dir, user);
	vault_buf b = VAULT_BUF_INIT;
	char *text;

	assert_int_equal(vault_audit_checkpoint(v, &b), VAULT_OK);
	text = strdup((const char *)b.data);
	vault_buf_free(&b);
	vault_close(v);
	return text;
}

static char *vkey_of(fx *f, const char *as, const char *user)
{
	vault *v = th_open(f->dir, as);
	vault_buf b = VAULT_BUF_INIT;
	char *text;

	assert_int_equal(vault_audit_vkey(v, user, &b), VAULT_OK);
	text = strdup((const char *)b.data);
	vault_buf_free(&b);
	vault_close(v);
	return text;
}

static vault_status verify(fx *f, const char *cp, vault_verify_result *res)
{
	vault *v = th_open(f->dir, "aud");
	vault_status st;

	assert_int_equal(vault_verify_result_init(res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	st = vault_audit_verify(v, cp, res, NULL, NULL);
	vault_close(v);
	return st;
}

static vault_status check(const char *proof, const char *vkey, vault_verify_result *res)
{
	const char *keys[1] = {vkey};

	assert_int_equal(vault_verify_result_init(res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	return vault_audit_check_proof(proof, keys, 1, res);
}

static char *prove_incl(fx *f, uint64_t seq, const char *cp)
{
	vault *v = th_open(f->dir, "aud");
	vault_buf b = VAULT_BUF_INIT;
	char *text;

	assert_int_equal(vault_audit_prove_inclusion(v, seq, cp, &b), VAULT_OK);
	text = strdup((const char *)b.data);
	vault_buf_free(&b);
	vault_close(v);
	return text;
}

static long long db_count(fx *f, const char *sql)
{
	sqlite3 *db = th_db_open(f->dir, "admin");
	sqlite3_stmt *s;
	long long n;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* ---- the tree in the vault ------------------------------------------------ */

static void test_audit_tlog__every_entry_has_its_tree_row(void **state)
{
	fx *f = *state;

	assert_int_equal(db_count(f, "SELECT count(*) FROM audit WHERE tree IS NULL"), 0);
	/* 1 + trailing ones of seq - 1 hashes, 2 on average */
	assert_int_equal(db_count(f, "SELECT length(tree) FROM audit WHERE seq = 8"), 4 * 32);
	assert_int_equal(db_count(f, "SELECT length(tree) FROM audit WHERE seq = 9"), 32);
}

static void test_audit_tlog__checkpoint_is_a_tree_checkpoint(void **state)
{
	fx *f = *state;
	char *cp = checkpoint_as(f, "aud");
	audit_checkpoint c;
	vault_verify_result res;
	char why[128];

	assert_int_equal(vault_audit_checkpoint_parse(cp, strlen(cp), &c, why, sizeof(why)),
	                 VAULT_OK);
	assert_int_equal(c.kind, AUDIT_CP_TREE);
	assert_non_null(strstr(c.origin, "/tlog"));
	assert_int_equal(verify(f, cp, &res), VAULT_OK);
	assert_int_equal(res.checkpoint_kind, VAULT_CHECKPOINT_TREE);
	assert_true(res.tree_size > c.size);
	free(cp);
}

/* A checkpoint made by libvault 1.0 (the chain head) still verifies, and
 * says it is of the old kind. */
static void test_audit_tlog__chain_checkpoint_of_1_0_still_verifies(void **state)
{
	fx *f = *state;
	char idhex[VAULT_VAULT_ID_BUFSIZE];
	unsigned char head[32];
	size_t len;
	const unsigned char *p = th_pass("aud", &len);
	slot_secret sec;
	vault_kdf def;
	vault_buf b = VAULT_BUF_INIT;
	vault_verify_result res;
	sqlite3 *db;
	sqlite3_stmt *s;
	long long n;
	vault *v = th_open(f->dir, "aud");

	assert_int_equal(vault_id(v, idhex), VAULT_OK);
	vault_close(v);
	db = th_db_open(f->dir, "aud");
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit ORDER BY seq DESC"
	                                        " LIMIT 1", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	memcpy(head, sqlite3_column_blob(s, 1), 32);
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_int_equal(vault__slot_unlock(f->dir, "aud", p, len, &sec, &def), VAULT_OK);
	assert_int_equal(vault_audit_checkpoint_make(idhex, (uint64_t)n, head, "aud", sec.sign_sk,
	                                             sec.sign_sk + 32, &b), VAULT_OK);
	sodium_memzero(&sec, sizeof(sec));
	assert_int_equal(verify(f, (const char *)b.data, &res), VAULT_OK);
	assert_int_equal(res.checkpoint_kind, VAULT_CHECKPOINT_CHAIN);
	/* a version 1 result still works, untouched past its end */
	{
		struct {
			vault_verify_result r;
		} big;
		vault *a = th_open(f->dir, "aud");

		memset(&big, 0xAB, sizeof(big));
		assert_int_equal(vault_verify_result_init(&big.r, 1), VAULT_OK);
		assert_int_equal(big.r.checkpoint_kind, (int)0xABABABAB);
		assert_int_equal(vault_audit_verify(a, (const char *)b.data, &big.r, NULL, NULL),
		                 VAULT_OK);
		assert_int_equal(big.r.checkpoint_kind, (int)0xABABABAB);
		vault_close(a);
	}
	/* and Merkle proofs refuse it, saying why */
	{
		vault *a = th_open(f->dir, "aud");
		vault_buf out = VAULT_BUF_INIT;

		assert_int_equal(vault_audit_prove_inclusion(a, 1, (const char *)b.data, &out),
		                 VAULT_ERR_INVALID);
		assert_non_null(strstr(vault_errmsg(a), "1.0 kind"));
		vault_close(a);
	}
	vault_buf_free(&b);
}

/* Someone with the database key rewrites a tree row: proofs from it would
 * lie, so verification must say so. */
static void test_audit_tlog__rewritten_tree_row_fails_verification(void **state)
{
	fx *f = *state;
	vault_verify_result res;

	assert_int_equal(verify(f, NULL, &res), VAULT_OK);
	assert_int_equal(th_db_exec(f->dir, "cav_cw", "UPDATE audit SET tree ="
	                                             " zeroblob(length(tree)) WHERE seq = 3"),
	                 SQLITE_OK);
	assert_int_equal(verify(f, NULL, &res), VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, 3);
	assert_non_null(strstr(res.reason, "Merkle tree"));
}

/* A vault made by 1.0 has no tree: the first write builds it, and the
 * result is the same tree. */
static void test_audit_tlog__missing_tree_is_rebuilt_from_the_log(void **state)
{
	fx *f = *state;
	char *before = checkpoint_as(f, "aud"), *after;
	vault_verify_result res;

	assert_int_equal(th_db_exec(f->dir, "admin", "UPDATE audit SET tree = NULL"), SQLITE_OK);
	assert_int_equal(verify(f, before, &res), VAULT_OK);
	assert_int_equal(db_count(f, "SELECT count(*) FROM audit WHERE tree IS NULL"), 0);
	/* a damaged row in the middle is reported, not silently used ... */
	assert_int_equal(th_db_exec(f->dir, "admin", "UPDATE audit SET tree = x'00'"
	                                            " WHERE seq = 4"), SQLITE_OK);
	assert_int_equal(verify(f, NULL, &res), VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, 4);
	/* ... and one on the right edge (what an append reads) is rebuilt */
	assert_int_equal(th_db_exec(f->dir, "admin", "UPDATE audit SET tree = x'00'"
	                                            " WHERE seq = 4 OR seq = (SELECT max(seq)"
	                                            " FROM audit)"), SQLITE_OK);
	after = checkpoint_as(f, "aud");
	assert_int_equal(verify(f, before, &res), VAULT_OK);
	assert_int_equal(verify(f, after, &res), VAULT_OK);
	free(before);
	free(after);
}

/* A checkpoint with the log's own key cannot be passed off for a forked log:
 * the root is of the tree, not of its last entry. */
static void test_audit_tlog__forged_root_fails(void **state)
{
	fx *f = *state;
	char *cp = checkpoint_as(f, "aud"), *p;
	vault_verify_result res;

	p = strchr(strchr(cp, '\n') + 1, '\n') + 1; /* the root line */
	p[5] = p[5] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(f, cp, &res), VAULT_ERR_INTEGRITY);
	free(cp);
}

/* ---- verifier keys ---------------------------------------------------------- */

static void test_audit_tlog__vkey_is_the_signed_note_form(void **state)
{
	fx *f = *state;
	char *k = vkey_of(f, "aud", NULL), *k2 = vkey_of(f, "admin", "aud");
	vault *v = th_open(f->dir, "aud");
	vault_buf b = VAULT_BUF_INIT;
	unsigned char raw[33], id[4], want[4];
	size_t blen;
	char *plus1 = strchr(k, '+'), *plus2;

	assert_non_null(plus1);
	plus2 = strchr(plus1 + 1, '+');
	assert_non_null(plus2);
	assert_int_equal(plus1 - k, 3);
	assert_memory_equal(k, "aud", 3);
	assert_int_equal(plus2 - plus1, 9);
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), plus2 + 1, strlen(plus2 + 1), NULL,
	                                   &blen, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(blen, 33);
	assert_int_equal(raw[0], 1);
	vault_audit_note_keyid("aud", raw + 1, want);
	assert_int_equal(sodium_hex2bin(id, 4, plus1 + 1, 8, NULL, NULL, NULL), 0);
	assert_memory_equal(id, want, 4);
	/* the same from the user table as from her slot */
	assert_string_equal(k, k2);
	assert_int_equal(vault_audit_vkey(v, "nobody", &b), VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_audit_vkey(v, "bad name", &b), VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_vkey(v, NULL, NULL), VAULT_ERR_INVALID);
	vault_close(v);
	free(k);
	free(k2);
}

/* ---- proofs ----------------------------------------------------------------- */

static void test_audit_tlog__inclusion_proof_checks_offline(void **state)
{
	fx *f = *state;
	char *vk = vkey_of(f, "aud", NULL), *other = vkey_of(f, "cav_cw", NULL);
	vault_verify_result res;
	long long n = db_count(f, "SELECT count(*) FROM audit"), seq;

	for (seq = 1; seq <= n; seq += 3) {
		char *proof = prove_incl(f, (uint64_t)seq, NULL);

		if (check(proof, vk, &res) != VAULT_OK)
			fail_msg("entry %lld: %s", seq, res.reason);
		assert_true(res.tree_size >= (uint64_t)n);
		/* a key that did not sign it proves nothing */
		assert_int_equal(check(proof, other, &res), VAULT_ERR_INTEGRITY);
		assert_non_null(strstr(res.reason, "no signature by a trusted key"));
		free(proof);
	}
	free(vk);
	free(other);
}

/* The proof of one entry holds that entry and hashes, nothing of another
 * entry: no actor, action or case of any other entry appears in it. */
static void test_audit_tlog__inclusion_proof_discloses_no_other_entry(void **state)
{
	fx *f = *state;
	char *proof = prove_incl(f, 1, NULL);
	json_t *o = json_loads(proof, 0, NULL);

	assert_non_null(o);
	assert_null(strstr(proof, f->case_id));
	assert_null(strstr(proof, "cav_cw"));
	assert_null(strstr(proof, "record.put"));
	assert_int_equal(json_object_size(o), 6);
	json_decref(o);
	free(proof);
}

static char *replace_once(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	char *out;

	assert_non_null(p);
	out = malloc(strlen(s) - strlen(from) + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, s, (size_t)(p - s));
	strcpy(out + (p - s), to);
	strcat(out, p + strlen(from));
	return out;
}

static void test_audit_tlog__bent_inclusion_proofs_fail(void **state)
{
	fx *f = *state;
	char *vk = vkey_of(f, "aud", NULL);
	char *proof = prove_incl(f, 5, NULL), *bent;
	json_t *o = json_loads(proof, 0, NULL), *entry, *arr;
	vault_verify_result res;
	char *text;
	const char *h;
	char hb[64];

	assert_non_null(o);
	/* the entry's content changed: its hash no longer matches */
	entry = json_object_get(o, "entry");
	json_object_set_new(entry, "outcome", json_string("denied"));
	text = json_dumps(o, 0);
	assert_int_equal(check(text, vk, &res), VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, 5);
	free(text);
	json_decref(o);

	/* one proof hash changed */
	o = json_loads(proof, 0, NULL);
	arr = json_object_get(o, "proof");
	assert_true(json_array_size(arr) > 0);
	h = json_string_value(json_array_get(arr, 0));
	snprintf(hb, sizeof(hb), "%s", h);
	hb[3] = hb[3] == 'A' ? 'B' : 'A';
	json_array_set_new(arr, 0, json_string(hb));
	text = json_dumps(o, 0);
	assert_int_equal(check(text, vk, &res), VAULT_ERR_INTEGRITY);
	assert_non_null(strstr(res.reason, "not in the checkpoint's tree"));
	free(text);
	json_decref(o);

	/* another index */
	bent = replace_once(proof, "\"index\": 4", "\"index\": 3");
	assert_int_equal(check(bent, vk, &res), VAULT_ERR_INTEGRITY);
	free(bent);
	/* malformed */
	assert_int_equal(check("{}", vk, &res), VAULT_ERR_INVALID);
	assert_int_equal(check("not json", vk, &res), VAULT_ERR_INVALID);
	assert_int_equal(check(proof, "aud+00000000+AQ==", &res), VAULT_ERR_INVALID);
	free(proof);
	free(vk);
}

static char *consistency(fx *f, const char *old, const char *cp, vault_status want)
{
	vault *v = th_open(f->dir, "aud");
	vault_buf b = VAULT_BUF_INIT;
	char *text = NULL;

	assert_int_equal(vault_audit_prove_consistency(v, old, cp, &b), want);
	if (want == VAULT_OK)
		text = strdup((const char *)b.data);
	vault_buf_free(&b);
	vault_close(v);
	return text;
}

static void test_audit_tlog__consistency_proof_checks_offline(void **state)
{
	fx *f = *state;
	char *vk = vkey_of(f, "aud", NULL);
	char *old = checkpoint_as(f, "aud"), *mid, *proof, *p2;
	vault_verify_result res;

	th_put(f->dir, "cav_cw", f->case_id, "note", VAULT_CLASS_GENERAL, "third");
	mid = checkpoint_as(f, "aud");
	proof = consistency(f, old, NULL, VAULT_OK);
	if (check(proof, vk, &res) != VAULT_OK)
		fail_msg("%s", res.reason);
	p2 = consistency(f, old, mid, VAULT_OK);
	assert_int_equal(check(p2, vk, &res), VAULT_OK);
	free(p2);
	/* same size: an empty proof */
	p2 = consistency(f, old, old, VAULT_OK);
	assert_int_equal(check(p2, vk, &res), VAULT_OK);
	free(p2);
	/* out of order */
	consistency(f, mid, old, VAULT_ERR_INVALID);
	free(proof);
	free(old);
	free(mid);
	free(vk);
}

/* The log is rewritten below an old checkpoint (an entry changed and every
 * hash after it recomputed, tree and all): no consistency proof can be made,
 * and a checkpoint of the rewritten log does not check against the old one. */
static void test_audit_tlog__rewritten_log_has_no_consistency_proof(void **state)
{
	fx *f = *state;
	char *old = checkpoint_as(f, "aud");
	vault *v;
	vault_buf b = VAULT_BUF_INIT;

	/* Rewrite an entry's text and drop the tree: the next write rebuilds
	 * the tree from the changed entry, as a writer covering her tracks
	 * would. */
	assert_int_equal(th_db_exec(f->dir, "admin", "UPDATE audit SET hash = zeroblob(32)"
	                                            " WHERE seq = 2; UPDATE audit SET tree = NULL"),
	                 SQLITE_OK);
	th_forget_witness(f->dir, "aud"); /* her witness copy would stop the open */
	/* Since schema 7 the open replays the log before it relies on anything:
	 * the rewritten entry is refused there, so no handle ever offers a
	 * proof over it (vault_audit_prove_consistency() is never reached). */
	{
		size_t n;
		const unsigned char *p = th_pass("aud", &n);

		v = NULL;
		assert_int_equal(vault_open(f->dir, "aud", p, n, NULL, &v), VAULT_ERR_INTEGRITY);
		assert_null(v);
		assert_non_null(strstr(vault_last_errmsg(), "entry 2"));
	}
	(void)b;
	free(old);
}

/* ---- cosigning ----------------------------------------------------------------- */

static void test_audit_tlog__cosign_adds_a_verifiable_signature(void **state)
{
	fx *f = *state;
	char *cp = checkpoint_as(f, "aud");
	char *vk_cw = vkey_of(f, "cav_cw", NULL);
	vault *v = th_open(f->dir, "cav_cw");
	vault_buf b = VAULT_BUF_INIT, b2 = VAULT_BUF_INIT;
	audit_checkpoint c;
	vault_verify_result res;
	char why[128], *proof;
	json_t *o;

	assert_int_equal(vault_audit_cosign(v, cp, &b), VAULT_OK);
	assert_int_equal(strncmp((const char *)b.data, cp, strlen(cp)), 0);
	assert_int_equal(vault_audit_checkpoint_parse((const char *)b.data, b.len, &c, why,
	                                              sizeof(why)), VAULT_OK);
	assert_int_equal(c.nsigs, 2);
	assert_string_equal(c.sigs[1].name, "cav_cw");
	/* signing twice is refused */
	assert_int_equal(vault_audit_cosign(v, (const char *)b.data, &b2), VAULT_ERR_EXISTS);
	/* a checkpoint the caseworker never saw, of a forked log */
	{
		char *forged = strdup(cp), *p = strchr(strchr(forged, '\n') + 1, '\n') + 1;

		p[2] = p[2] == 'A' ? 'B' : 'A';
		assert_int_equal(vault_audit_cosign(v, forged, &b2), VAULT_ERR_INTEGRITY);
		free(forged);
	}
	vault_close(v);
	/* the cosigned checkpoint still verifies in the vault, and an
	 * inclusion proof against it checks with the witness's key alone */
	assert_int_equal(verify(f, (const char *)b.data, &res), VAULT_OK);
	proof = prove_incl(f, 2, (const char *)b.data);
	assert_int_equal(check(proof, vk_cw, &res), VAULT_OK);
	o = json_loads(proof, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "checkpoint")),
	                    (const char *)b.data);
	json_decref(o);
	free(proof);
	vault_buf_free(&b);
	free(cp);
	free(vk_cw);
}

/* ---- export ------------------------------------------------------------------- */

/* Export, then a checkpoint: the export's own checkpoint covers exactly the
 * export, so verifying it raises no false "truncated" alarm; cutting the
 * file is still caught. */
static void test_audit_tlog__export_writes_its_own_checkpoint(void **state)
{
	fx *f = *state;
	char path[512], cpath[600], idhex[VAULT_VAULT_ID_BUFSIZE], *later;
	vault *v = th_open(f->dir, "aud");
	vault_verify_result res;
	FILE *in, *out;
	char line[8192];
	int lines = 0, i;

	assert_int_equal(vault_id(v, idhex), VAULT_OK);
	snprintf(path, sizeof(path), "%s/../export-%d.jsonl", f->dir, (int)getpid());
	snprintf(cpath, sizeof(cpath), "%s.checkpoint", path);
	assert_int_equal(vault_audit_export(v, path, NULL, NULL), VAULT_OK);
	vault_close(v);
	assert_int_equal(access(cpath, R_OK), 0);
	later = checkpoint_as(f, "aud");
	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	assert_int_equal(vault_audit_verify_export(path, idhex, NULL, &res, NULL, NULL), VAULT_OK);
	assert_int_equal(res.checkpoint_kind, VAULT_CHECKPOINT_TREE);
	/* the later checkpoint is larger than the export: that is a cut */
	assert_int_equal(vault_audit_verify_export(path, idhex, later, &res, NULL, NULL),
	                 VAULT_ERR_INTEGRITY);
	/* drop the last line: the checkpoint beside catches it */
	in = fopen(path, "r");
	assert_non_null(in);
	while (fgets(line, sizeof(line), in))
		lines++;
	rewind(in);
	{
		char cut[600];

		snprintf(cut, sizeof(cut), "%s.cut", path);
		out = fopen(cut, "w");
		assert_non_null(out);
		for (i = 0; i < lines - 1 && fgets(line, sizeof(line), in); i++)
			fputs(line, out);
		fclose(out);
		fclose(in);
		assert_int_equal(rename(cut, path), 0);
	}
	assert_int_equal(vault_audit_verify_export(path, idhex, NULL, &res, NULL, NULL),
	                 VAULT_ERR_INTEGRITY);
	assert_non_null(strstr(res.reason, "shorter than the checkpoint"));
	unlink(path);
	unlink(cpath);
	free(later);
}

/* ---- every user a witness ------------------------------------------------------ */

static vault_status open_w(fx *f, const char *user, const char *state, vault **out)
{
	vault_open_options o;
	size_t len;
	const unsigned char *p = th_pass(user, &len);

	assert_int_equal(vault_open_options_init(&o, VAULT_OPEN_OPTIONS_VERSION), VAULT_OK);
	o.state_dir = state;
	return vault_open(f->dir, user, p, len, &o, out);
}

static void open_w_ok(fx *f, const char *user, const char *state)
{
	vault *v = NULL;
	vault_status st = open_w(f, user, state, &v);

	if (st != VAULT_OK)
		fail_msg("open as %s: %s", user, vault_last_errmsg());
	vault_close(v);
}

static void open_w_bad(fx *f, const char *user, const char *state, const char *why)
{
	vault *v = NULL;
	vault_status st = open_w(f, user, state, &v);

	assert_int_equal(st, VAULT_ERR_INTEGRITY);
	assert_null(v);
	if (strstr(vault_last_errmsg(), why) == NULL)
		fail_msg("open as %s: \"%s\" does not say \"%s\"", user, vault_last_errmsg(), why);
}

static char *state_dir(fx *f)
{
	char *d = malloc(strlen(f->dir) + 32);

	assert_non_null(d);
	sprintf(d, "%s/../state-%d", f->dir, (int)getpid());
	return d;
}

static void cp_file(const char *from, const char *to)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static void rm_rf(const char *path)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

/* A cut log: the last entries dropped (tree rows too, as a careful writer
 * would).  Anyone who saw them is told at her next open. */
static void test_audit_tlog__witness_sees_a_cut_log(void **state)
{
	fx *f = *state;
	char *sd = state_dir(f);

	open_w_ok(f, "cav_cw", sd);
	open_w_ok(f, "cav_cw", sd); /* and again: the state advances */
	assert_int_equal(th_db_exec(f->dir, "admin", "DELETE FROM audit WHERE seq > (SELECT"
	                                            " max(seq) - 3 FROM audit)"), SQLITE_OK);
	open_w_bad(f, "cav_cw", sd, "cut or rolled back");
	/* a user who never saw the lost entries cannot tell (SECURITY.md) */
	open_w_ok(f, "cas_cw", sd);
	/* no state folder: the copy in her key slot saw them too */
	{
		vault *v = NULL;

		assert_int_equal(open_w(f, "cav_cw", NULL, &v), VAULT_ERR_INTEGRITY);
		assert_null(v);
		assert_non_null(strstr(vault_last_errmsg(), "cut or rolled back"));
		/* without either copy (both deleted), nothing is left to tell */
		th_forget_witness(f->dir, "cav_cw");
		assert_int_equal(open_w(f, "cav_cw", NULL, &v), VAULT_OK);
		vault_close(v);
	}
	rm_rf(sd);
	free(sd);
}

/* vault.db restored from a copy taken before entries this user saw. */
static void test_audit_tlog__witness_sees_a_restored_database(void **state)
{
	fx *f = *state;
	char *sd = state_dir(f), db[512], old[512];

	snprintf(db, sizeof(db), "%s/vault.db", f->dir);
	snprintf(old, sizeof(old), "%s/../old-vault-%d.db", f->dir, (int)getpid());
	open_w_ok(f, "cav_sup", sd);
	cp_file(db, old); /* the handles are closed: no WAL to copy */
	th_put(f->dir, "cav_cw", f->case_id, "later", VAULT_CLASS_GENERAL, "after the copy");
	open_w_ok(f, "cav_sup", sd);
	cp_file(old, db);
	{
		char wal[520];

		snprintf(wal, sizeof(wal), "%s-wal", db);
		unlink(wal);
	}
	open_w_bad(f, "cav_sup", sd, "cut or rolled back");
	unlink(old);
	rm_rf(sd);
	free(sd);
}

/* The whole folder (database and key slots) restored from an older copy:
 * the state outside the folder still remembers. */
static void test_audit_tlog__witness_sees_a_restored_folder(void **state)
{
	fx *f = *state;
	char *sd = state_dir(f), copy[512];

	snprintf(copy, sizeof(copy), "%s-copy", f->dir);
	cp_file(f->dir, copy);
	th_put(f->dir, "cav_cw", f->case_id, "later", VAULT_CLASS_GENERAL, "after the copy");
	open_w_ok(f, "aud", sd);
	rm_rf(f->dir);
	assert_int_equal(rename(copy, f->dir), 0);
	open_w_bad(f, "aud", sd, "cut or rolled back");
	rm_rf(sd);
	free(sd);
}

/* Entries this user saw, rewritten, with every hash after them and the
 * tree recomputed: the old root is not in the new tree. */
static void test_audit_tlog__witness_sees_a_rewritten_log(void **state)
{
	fx *f = *state;
	char *sd = state_dir(f);

	open_w_ok(f, "cav_cw", sd);
	assert_int_equal(th_db_exec(f->dir, "admin", "UPDATE audit SET hash = zeroblob(32)"
	                                            " WHERE seq = 3; UPDATE audit SET tree = NULL"),
	                 SQLITE_OK);
	/* Since schema 7 no open rebuilds the tree over the changed entry (the replay
	 * at open refuses it): a witness is stopped, naming the entry. */
	open_w_bad(f, "cav_cw", sd, "entry 3");
	rm_rf(sd);
	free(sd);
}

/* Frames lost from vault.db-wal: vault.db as it was, and the WAL cut back to
 * what it held before commits this user saw. */
static void test_audit_tlog__witness_sees_dropped_wal_frames(void **state)
{
	fx *f = *state;
	char *sd = state_dir(f), db[512], wal[520], shm[520], dbcopy[600], walcopy[600];
	struct stat sb;
	off_t early;
	sqlite3 *raw;

	snprintf(db, sizeof(db), "%s/vault.db", f->dir);
	snprintf(wal, sizeof(wal), "%s-wal", db);
	snprintf(shm, sizeof(shm), "%s-shm", db);
	snprintf(dbcopy, sizeof(dbcopy), "%s/../db-%d", f->dir, (int)getpid());
	snprintf(walcopy, sizeof(walcopy), "%s/../wal-%d", f->dir, (int)getpid());
	/* A connection held open keeps the WAL from being checkpointed. */
	raw = th_db_open(f->dir, "admin");
	assert_int_equal(sqlite3_exec(raw, "PRAGMA wal_autocheckpoint = 0; SELECT count(*)"
	                                   " FROM audit", NULL, NULL, NULL), SQLITE_OK);
	open_w_ok(f, "cav_cw", sd);
	assert_int_equal(stat(wal, &sb), 0);
	early = sb.st_size;
	th_put(f->dir, "cav_cw", f->case_id, "later", VAULT_CLASS_GENERAL, "in the WAL");
	open_w_ok(f, "cav_cw", sd);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > early);
	cp_file(db, dbcopy);
	cp_file(wal, walcopy);
	assert_int_equal(truncate(walcopy, early), 0);
	sqlite3_close(raw);
	/* vault.db untouched since, the WAL's last frames gone */
	cp_file(dbcopy, db);
	cp_file(walcopy, wal);
	unlink(shm);
	open_w_bad(f, "cav_cw", sd, "cut or rolled back");
	unlink(dbcopy);
	unlink(walcopy);
	rm_rf(sd);
	free(sd);
}

/* A state file changed by someone else is refused; removed, it starts over. */
static void test_audit_tlog__witness_state_is_signed(void **state)
{
	fx *f = *state;
	char *sd = state_dir(f), path[1024], idhex[VAULT_VAULT_ID_BUFSIZE], text[1024];
	vault *v = th_open(f->dir, "aud");
	FILE *fp;
	size_t n;
	char *p;

	assert_int_equal(vault_id(v, idhex), VAULT_OK);
	vault_close(v);
	open_w_ok(f, "cav_cw", sd);
	snprintf(path, sizeof(path), "%s/%s/cav_cw", sd, idhex);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	/* lower the size it saw to 1 */
	p = strchr(strchr(strchr(text, '\n') + 1, '\n') + 1, '\n') + 1;
	*p = '1';
	memmove(p + 1, strchr(p, '\n'), strlen(strchr(p, '\n')) + 1);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	open_w_bad(f, "cav_cw", sd, "not signed");
	unlink(path);
	open_w_ok(f, "cav_cw", sd);
	rm_rf(sd);
	free(sd);
}

/* Her witness state never moves back.  Two handles of hers: the first
 * opens and writes; the second writes after it and closes, saving her state
 * above the first one's write; the first closes last, its read of the
 * entries since made to fail by a junk entry at the end of the log, so its
 * tree is the one of its own write.  Its save leaves her newer state in
 * place, in the state file and in her key slot: cut below the second
 * handle's write, the log fails her next open through either copy. */
static void test_audit_tlog__witness_never_moves_back(void **state)
{
	fx *f = *state;
	char *sd = state_dir(f), q[256];
	vault *a = NULL, *b = NULL;
	long long mine;

	assert_int_equal(open_w(f, "cav_cw", sd, &a), VAULT_OK);
	assert_int_equal(vault_record_put(a, f->case_id, "first", VAULT_CLASS_GENERAL, "a", 1,
	                                  NULL), VAULT_OK);
	mine = th_db_int(f->dir, "admin", "SELECT max(seq) FROM audit");
	assert_int_equal(open_w(f, "cav_cw", sd, &b), VAULT_OK);
	assert_int_equal(vault_record_put(b, f->case_id, "second", VAULT_CLASS_GENERAL, "b", 1,
	                                  NULL), VAULT_OK);
	vault_close(b);
	assert_int_equal(th_db_exec(f->dir, "admin",
	                            "CREATE TEMP TABLE j AS SELECT * FROM audit WHERE seq ="
	                            " (SELECT max(seq) FROM audit);"
	                            "UPDATE j SET seq = seq + 1, prev = hash,"
	                            " hash = randomblob(32), sig = NULL;"
	                            "INSERT INTO audit SELECT * FROM j;"), SQLITE_OK);
	vault_close(a);
	/* the junk, and the second handle's entries, cut */
	snprintf(q, sizeof(q), "DELETE FROM audit WHERE seq > %lld", mine);
	assert_int_equal(th_db_exec(f->dir, "admin", q), SQLITE_OK);
	open_w_bad(f, "cav_cw", sd, "cut or rolled back");
	open_w_bad(f, "cav_cw", NULL, "cut or rolled back");
	rm_rf(sd);
	free(sd);
}

/* A handle left open checks the witness state another handle of hers saved
 * since: the log it reads must extend it.  Her second handle writes and
 * closes; the log is then cut below that write and grown again, past it, by
 * other users' routine work (a fork: as long, not the same).  Her first
 * handle's next call reads the fork through its verifier without a fault of
 * its own (nothing it verified is gone), and refuses it: the fork's first
 * entries are not those her state signs (the consistency proof). */
static void test_audit_tlog__open_handle_refuses_fork_of_her_other_handle(void **state)
{
	fx *f = *state;
	char *sd = state_dir(f), q[256];
	vault *a = NULL, *b = NULL;
	vault_buf out = VAULT_BUF_INIT;
	long long at_a, at_b;

	assert_int_equal(open_w(f, "cav_cw", sd, &a), VAULT_OK);
	at_a = th_db_int(f->dir, "admin", "SELECT max(seq) FROM audit");
	assert_int_equal(open_w(f, "cav_cw", sd, &b), VAULT_OK);
	assert_int_equal(vault_record_put(b, f->case_id, "second", VAULT_CLASS_GENERAL, "b", 1,
	                                  NULL), VAULT_OK);
	vault_close(b);
	at_b = th_db_int(f->dir, "admin", "SELECT max(seq) FROM audit");
	snprintf(q, sizeof(q), "DELETE FROM audit WHERE seq > %lld", at_a);
	assert_int_equal(th_db_exec(f->dir, "admin", q), SQLITE_OK);
	th_put(f->dir, "cav_sup", f->case_id, "sup", VAULT_CLASS_GENERAL, "s");
	th_put(f->dir, "cav_sup", f->case_id, "sup", VAULT_CLASS_GENERAL, "t");
	assert_true(th_db_int(f->dir, "admin", "SELECT max(seq) FROM audit") > at_b);
	assert_int_equal(vault_record_get_v2(a, f->case_id, "intake", VAULT_CLASS_GENERAL, 0, &out,
	                                    NULL, NULL),
	                 VAULT_ERR_INTEGRITY);
	assert_non_null(strstr(vault_errmsg(a), "rewritten or forked"));
	vault_buf_free(&out);
	vault_close(a);
	rm_rf(sd);
	free(sd);
}

/* A handle left open refuses a copy of her state changed by someone else
 * (its size lowered: the signature no longer holds), or made unreadable,
 * at its next operation, and says which. */
static void test_audit_tlog__open_handle_refuses_a_tampered_state(void **state)
{
	fx *f = *state;
	char *sd = state_dir(f), path[1024], idhex[VAULT_VAULT_ID_BUFSIZE], text[1024], *p;
	vault_buf out = VAULT_BUF_INIT;
	vault *a = NULL;
	FILE *fp;
	size_t n;

	assert_int_equal(open_w(f, "cav_cw", sd, &a), VAULT_OK);
	assert_int_equal(vault_id(a, idhex), VAULT_OK);
	snprintf(path, sizeof(path), "%s/%s/cav_cw", sd, idhex);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	p = strchr(strchr(strchr(text, '\n') + 1, '\n') + 1, '\n') + 1; /* the size */
	*p = '1';
	memmove(p + 1, strchr(p, '\n'), strlen(strchr(p, '\n')) + 1);
	assert_int_equal(unlink(path), 0); /* a new file, as a save makes */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(vault_record_get_v2(a, f->case_id, "intake", VAULT_CLASS_GENERAL, 0,
	                                     &out, NULL, NULL), VAULT_ERR_INTEGRITY);
	assert_non_null(strstr(vault_errmsg(a), "not signed"));
	/* and one that is not a state at all */
	assert_int_equal(unlink(path), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("libvault-witness/1\nnot a state\n", fp);
	fclose(fp);
	assert_int_equal(vault_record_get_v2(a, f->case_id, "intake", VAULT_CLASS_GENERAL, 0,
	                                     &out, NULL, NULL), VAULT_ERR_INTEGRITY);
	assert_non_null(strstr(vault_errmsg(a), "malformed"));
	vault_buf_free(&out);
	vault_close(a);
	rm_rf(sd);
	free(sd);
}

/* A passphrase change gives her new keys: her state, signed with the old
 * one, is still hers (the log's user.rekey says so), and no false alarm
 * follows; a state signed with someone else's key is refused. */
static void test_audit_tlog__witness_survives_a_passphrase_change(void **state)
{
	fx *f = *state;
	char *sd = state_dir(f);
	const char *np = "a brand new passphrase for cav_cw 42";
	vault_open_options o;
	vault *v = NULL;

	open_w_ok(f, "cav_cw", sd);
	v = th_open(f->dir, "cav_cw");
	assert_int_equal(vault_passwd(v, (const unsigned char *)np, strlen(np), TEST_KDF),
	                 VAULT_OK);
	vault_close(v);
	assert_int_equal(vault_open_options_init(&o, VAULT_OPEN_OPTIONS_VERSION), VAULT_OK);
	o.state_dir = sd;
	assert_int_equal(vault_open(f->dir, "cav_cw", (const unsigned char *)np, strlen(np), &o,
	                            &v), VAULT_OK);
	vault_close(v);
	/* and again, now signed with the new key */
	assert_int_equal(vault_open(f->dir, "cav_cw", (const unsigned char *)np, strlen(np), &o,
	                            &v), VAULT_OK);
	vault_close(v);
	/* a state for cav_cw, well formed, but signed by another user */
	{
		char idhex[VAULT_VAULT_ID_BUFSIZE], path[1024], body[512], r64[64], k64[64],
		    s64[128];
		unsigned char root[32] = {0}, sig[64];
		const unsigned char *p;
		size_t len;
		slot_secret sec;
		vault_kdf def;
		FILE *fp;

		v = th_open(f->dir, "aud");
		assert_int_equal(vault_id(v, idhex), VAULT_OK);
		vault_close(v);
		p = th_pass("cas_cw", &len);
		assert_int_equal(vault__slot_unlock(f->dir, "cas_cw", p, len, &sec, &def), VAULT_OK);
		sodium_bin2base64(r64, sizeof(r64), root, 32, sodium_base64_VARIANT_ORIGINAL);
		sodium_bin2base64(k64, sizeof(k64), sec.sign_sk + 32, 32,
		                  sodium_base64_VARIANT_ORIGINAL);
		snprintf(body, sizeof(body), "libvault-witness/1\n%s\ncav_cw\n1\n%s\n%s\n", idhex,
		         r64, k64);
		crypto_sign_detached(sig, NULL, (const unsigned char *)body, strlen(body),
		                     sec.sign_sk);
		sodium_memzero(&sec, sizeof(sec));
		sodium_bin2base64(s64, sizeof(s64), sig, 64, sodium_base64_VARIANT_ORIGINAL);
		snprintf(path, sizeof(path), "%s/%s/cav_cw", sd, idhex);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fprintf(fp, "%s%s\n", body, s64);
		fclose(fp);
		assert_int_equal(vault_open(f->dir, "cav_cw", (const unsigned char *)np, strlen(np),
		                            &o, &v), VAULT_ERR_INTEGRITY);
		assert_non_null(strstr(vault_last_errmsg(), "not signed"));
	}
	rm_rf(sd);
	free(sd);
}

/* Version 1 options (no state_dir) still work, and init writes no more
 * than a version 1 struct. */
static void test_audit_tlog__open_options_version_1(void **state)
{
	fx *f = *state;
	struct {
		unsigned int version;
		vault_purpose purpose;
		int busy_timeout_ms;
		unsigned char after[16];
	} o1;
	size_t len;
	const unsigned char *p = th_pass("aud", &len);
	vault *v = NULL;

	memset(&o1, 0xAB, sizeof(o1));
	assert_int_equal(vault_open_options_init((vault_open_options *)(void *)&o1, 1),
	                 VAULT_OK);
	assert_int_equal(o1.after[0], 0xAB);
	assert_int_equal(vault_open(f->dir, "aud", p, len, (vault_open_options *)(void *)&o1,
	                            &v), VAULT_OK);
	vault_close(v);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(test_audit_tlog__##name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(every_entry_has_its_tree_row),
		T(checkpoint_is_a_tree_checkpoint),
		T(chain_checkpoint_of_1_0_still_verifies),
		T(rewritten_tree_row_fails_verification),
		T(missing_tree_is_rebuilt_from_the_log),
		T(forged_root_fails),
		T(vkey_is_the_signed_note_form),
		T(inclusion_proof_checks_offline),
		T(inclusion_proof_discloses_no_other_entry),
		T(bent_inclusion_proofs_fail),
		T(consistency_proof_checks_offline),
		T(rewritten_log_has_no_consistency_proof),
		T(cosign_adds_a_verifiable_signature),
		T(export_writes_its_own_checkpoint),
		T(witness_sees_a_cut_log),
		T(witness_sees_a_restored_database),
		T(witness_sees_a_restored_folder),
		T(witness_sees_a_rewritten_log),
		T(witness_sees_dropped_wal_frames),
		T(witness_state_is_signed),
		T(witness_never_moves_back),
		T(open_handle_refuses_fork_of_her_other_handle),
		T(open_handle_refuses_a_tampered_state),
		T(witness_survives_a_passphrase_change),
		T(open_options_version_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
