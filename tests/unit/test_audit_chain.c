/*
 * test_audit_chain.c - the audit log format: entry hash, chain verification,
 * JSON Lines export, checkpoints, and the offline export verifier.
 *
 * A synthetic log of 19 entries by four users (deterministic keys, so the log
 * and its vault id are the same every run) is verified intact, then broken
 * one way per test; each break must be found at the right entry.
 *
 * Standalone build (without the rest of the library):
 *   gcc ... -DAUDIT_CHAIN_STANDALONE tests/unit/test_audit_chain.c \
 *       lib/audit_entry.c lib/audit_verify.c lib/audit_export.c \
 *       lib/audit_checkpoint.c lib/tlog.c \
 *       $(pkg-config --cflags --libs libsodium jansson cmocka)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "audit_chain.h"
#include "vault.h"

/* ------------------------------------------------------------------------ */
/* Keys and a synthetic log                                                  */
/* ------------------------------------------------------------------------ */

enum { ADMIN, ALICE, BOB, CAROL, MALLORY, NUSERS };
static const char *const names[NUSERS] = {"admin", "alice", "bob", "carol",
                                          "mallory"};

typedef struct keypair {
	unsigned char pk[32], sk[64];
} keypair;

static keypair K[NUSERS];

#define MAXE 64
#define BASE_N 19
#define T0 INT64_C(1700000000)

typedef struct tlog {
	audit_rec rec[MAXE];
	int signer[MAXE]; /* whose secret key signs rec[i] */
	size_t n;
} tlog;

static char tmp_path[64];
static char pin_hex[65];

/* Seeds are fixed (byte i+1 repeated) so that the fuzzers can rebuild the
 * same keys and the seed corpus stays valid. */
static void keys_init(void)
{
	unsigned char seed[32];
	int i;

	assert_true(sodium_init() >= 0);
	for (i = 0; i < NUSERS; i++) {
		memset(seed, i + 1, sizeof seed);
		crypto_sign_seed_keypair(K[i].pk, K[i].sk, seed);
	}
}

static audit_rec *add(tlog *L, int who, const char *action, const char *target,
                      int sign)
{
	audit_rec *r;

	assert_true(L->n < MAXE);
	r = &L->rec[L->n];
	memset(r, 0, sizeof *r);
	r->seq = L->n + 1;
	r->ts = T0 + 60 * (int64_t)L->n;
	r->actor = names[who];
	r->org = who == ADMIN ? "" : "cav-nord";
	r->role = who == ADMIN ? "admin" : "caseworker";
	r->action = action;
	r->case_id = "";
	r->target = target;
	r->cls = "";
	r->outcome = "ok";
	r->reason = "";
	r->purpose = "casework";
	memcpy(r->key, K[who].pk, 32);
	r->has_sig = sign;
	L->signer[L->n] = who;
	L->n++;
	return r;
}

static void with_newkey(audit_rec *r, int who)
{
	r->has_newkey = 1;
	memcpy(r->newkey, K[who].pk, 32);
}

#define ALL_KEYS 0xff

/* Recompute prev and hash from entry index `from` on, and re-sign the signed
 * entries whose signer's key is in `can_sign` (a bit mask of users): what
 * someone holding those keys can do to the log. */
static void rechain(tlog *L, size_t from, unsigned can_sign)
{
	size_t i;

	for (i = from; i < L->n; i++) {
		audit_rec *r = &L->rec[i];

		if (i == 0)
			memset(r->prev, 0, 32);
		else
			memcpy(r->prev, L->rec[i - 1].hash, 32);
		assert_int_equal(vault_audit_rec_hash(r, r->hash), VAULT_OK);
		if (r->has_sig && (can_sign & (1u << L->signer[i])))
			crypto_sign_detached(r->sig, NULL, r->hash, 32,
			                     K[L->signer[i]].sk);
	}
}

#define CASE1 "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

static void build_base(tlog *L)
{
	audit_rec *r;

	memset(L, 0, sizeof *L);
	r = add(L, ADMIN, "vault.create", "", 1);                 /* 1 */
	with_newkey(r, ADMIN);
	with_newkey(add(L, ADMIN, "user.add", "alice", 0), ALICE); /* 2 */
	with_newkey(add(L, ADMIN, "user.add", "bob", 1), BOB);     /* 3 */
	add(L, ALICE, "session.open", "", 0);                      /* 4 */
	r = add(L, ALICE, "case.create", "", 0);                   /* 5 */
	r->case_id = CASE1;
	r = add(L, ALICE, "record.put", "intake", 1);              /* 6 */
	r->case_id = CASE1;
	r->cls = "general";
	r = add(L, BOB, "record.get", "intake", 1);                /* 7 */
	r->case_id = CASE1;
	r->cls = "safety";
	r->outcome = "denied";
	r->reason = "no grant for class safety";
	r = add(L, ALICE, "record.get", "intake", 1);              /* 8 */
	r->case_id = CASE1;
	r->cls = "general,sensitive";
	r = add(L, ALICE, "case.share", "cav-sud", 0);             /* 9 */
	r->case_id = CASE1;
	r->purpose = "referral";
	r = add(L, ALICE, "record.get", "intake", 1);              /* 10 */
	r->case_id = CASE1;
	r = add(L, BOB, "case.break_glass", "", 1);                /* 11 */
	r->case_id = CASE1;
	r->role = "supervisor";
	r->reason = "imminent danger reported by the shelter";
	r->purpose = "emergency";
	r->high = 1;
	with_newkey(add(L, ADMIN, "user.add", "carol", 1), CAROL); /* 12 */
	add(L, CAROL, "record.get", "intake", 0)->case_id = CASE1; /* 13 */
	add(L, CAROL, "record.list", "", 1)->case_id = CASE1;      /* 14 */
	add(L, ADMIN, "user.disable", "carol", 1);                 /* 15 */
	add(L, ADMIN, "audit.export", "", 0);                      /* 16 */
	add(L, ADMIN, "audit.checkpoint", "", 1);                  /* 17 */
	add(L, BOB, "record.get", "intake", 0)->case_id = CASE1;   /* 18 */
	add(L, BOB, "record.put", "notes", 1)->case_id = CASE1;    /* 19 */
	assert_int_equal(L->n, BASE_N);
	rechain(L, 0, ALL_KEYS);
}

static void hex(char *out, const unsigned char *b, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, b, n);
}

/* Renumber entries from index `from` to their position. */
static void renumber(tlog *L, size_t from)
{
	size_t i;

	for (i = from; i < L->n; i++)
		L->rec[i].seq = i + 1;
}

static void remove_at(tlog *L, size_t i)
{
	memmove(&L->rec[i], &L->rec[i + 1], (L->n - i - 1) * sizeof L->rec[0]);
	memmove(&L->signer[i], &L->signer[i + 1],
	        (L->n - i - 1) * sizeof L->signer[0]);
	L->n--;
}

static audit_rec *insert_at(tlog *L, size_t i, const audit_rec *r, int signer)
{
	assert_true(L->n < MAXE);
	memmove(&L->rec[i + 1], &L->rec[i], (L->n - i) * sizeof L->rec[0]);
	memmove(&L->signer[i + 1], &L->signer[i], (L->n - i) * sizeof L->signer[0]);
	L->rec[i] = *r;
	L->signer[i] = signer;
	L->n++;
	return &L->rec[i];
}

static void write_lines(const tlog *L, size_t n, const char *path)
{
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++) {
		char *line = NULL;

		assert_int_equal(vault_audit_rec_to_json(&L->rec[i], &line), VAULT_OK);
		assert_true(fputs(line, f) >= 0);
		assert_true(fputc('\n', f) == '\n');
		free(line);
	}
	assert_int_equal(fclose(f), 0);
}

static void write_export(const tlog *L, const char *path)
{
	write_lines(L, L->n, path);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void res_init(vault_verify_result *res)
{
	memset(res, 0, sizeof *res);
	res->version = VAULT_VERIFY_RESULT_VERSION;
}

static vault_status verify_log(const tlog *L, const char *cp,
                               vault_verify_result *res)
{
	write_export(L, tmp_path);
	res_init(res);
	return vault_audit_verify_export(tmp_path, pin_hex, cp, res, NULL, NULL);
}

/* The log must fail verification at entry bad_seq with needle in the reason. */
static void expect_bad(const tlog *L, const char *cp, uint64_t bad_seq,
                       const char *needle)
{
	vault_verify_result res;
	vault_status st = verify_log(L, cp, &res);

	if (st != VAULT_ERR_INTEGRITY || res.bad_seq != bad_seq ||
	    !strstr(res.reason, needle))
		print_error("status %d bad_seq %llu reason \"%s\" (want bad_seq "
		            "%llu and \"%s\")\n", st,
		            (unsigned long long)res.bad_seq, res.reason,
		            (unsigned long long)bad_seq, needle);
	assert_int_equal(st, VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, bad_seq);
	assert_non_null(strstr(res.reason, needle));
	assert_int_equal(res.entries, bad_seq - 1);
}

static void expect_ok(const tlog *L, const char *cp)
{
	vault_verify_result res;
	vault_status st = verify_log(L, cp, &res);

	if (st != VAULT_OK)
		print_error("status %d bad_seq %llu reason \"%s\"\n", st,
		            (unsigned long long)res.bad_seq, res.reason);
	assert_int_equal(st, VAULT_OK);
	assert_int_equal(res.entries, L->n);
	assert_int_equal(res.bad_seq, 0);
	assert_string_equal(res.reason, "");
}

/* In memory, without JSON: for loops over many variants. */
static vault_status verify_mem(const tlog *L, vault_verify_result *res)
{
	unsigned char pin[32];
	audit_verifier *av = NULL;
	vault_status st = VAULT_OK;
	size_t i;

	assert_int_equal(sodium_hex2bin(pin, 32, pin_hex, 64, NULL, NULL, NULL), 0);
	assert_int_equal(vault_audit_verifier_new(pin, &av), VAULT_OK);
	res_init(res);
	for (i = 0; i < L->n && st == VAULT_OK; i++)
		st = vault_audit_verifier_push(av, &L->rec[i], res);
	if (st == VAULT_OK)
		st = vault_audit_verifier_finish(av, NULL, res);
	vault_audit_verifier_free(av);
	return st;
}

/* Checkpoint text of L at `size` signed by user `who`, in a malloc'd string. */
static char *make_cp(const tlog *L, uint64_t size, int who)
{
	char vid[65];
	vault_buf b = VAULT_BUF_INIT;
	char *s;

	hex(vid, L->rec[0].hash, 32);
	assert_int_equal(vault_audit_checkpoint_make(vid, size,
	                                             L->rec[size - 1].hash,
	                                             names[who], K[who].sk,
	                                             K[who].pk, &b),
	                 VAULT_OK);
	assert_non_null(b.data);
	assert_int_equal(strlen((char *)b.data), b.len);
	s = strdup((char *)b.data);
	assert_non_null(s);
	vault_buf_free(&b);
	return s;
}

/* Re-render a parsed checkpoint as note text (after a test changed it). */
static char *render_cp(const audit_checkpoint *cp)
{
	unsigned char blob[68];
	char b64[sodium_base64_ENCODED_LEN(68, sodium_base64_VARIANT_ORIGINAL)];
	char *s = malloc(1024);

	assert_non_null(s);
	memcpy(blob, cp->keyid, 4);
	memcpy(blob + 4, cp->sig, 64);
	sodium_bin2base64(b64, sizeof b64, blob, 68, sodium_base64_VARIANT_ORIGINAL);
	snprintf(s, 1024, "%.*s\n\xe2\x80\x94 %s %s\n", (int)cp->body_len, cp->body,
	         cp->signer, b64);
	return s;
}

static void parse_cp(const char *text, audit_checkpoint *cp)
{
	char why[128];

	assert_int_equal(vault_audit_checkpoint_parse(text, strlen(text), cp, why,
	                                              sizeof why),
	                 VAULT_OK);
}

#ifdef AUDIT_CHAIN_STANDALONE
static char stub_last_error[512];
#define LAST_ERROR() stub_last_error
#else
#define LAST_ERROR() vault_last_errmsg()
#endif

static int setup(void **state)
{
	int fd;
	tlog L;

	(void)state;
	strcpy(tmp_path, "/tmp/test_audit_chain_XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0)
		return -1;
	close(fd);
	build_base(&L);
	hex(pin_hex, L.rec[0].hash, 32);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(tmp_path);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	keys_init();
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry hash                                                                */
/* ------------------------------------------------------------------------ */

static size_t app(unsigned char *buf, size_t off, const void *p, size_t n)
{
	assert_true(off + n <= 4096);
	memcpy(buf + off, p, n);
	return off + n;
}

static size_t app_u32(unsigned char *buf, size_t off, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 8), (unsigned char)v};
	return app(buf, off, b, 4);
}

static size_t app_text(unsigned char *buf, size_t off, const char *s)
{
	off = app_u32(buf, off, (uint32_t)strlen(s));
	return app(buf, off, s, strlen(s));
}

/* The encoding written out independently, byte by byte, as SECURITY.md
 * documents it. */
static void documented_hash(const audit_rec *r, unsigned char out[32])
{
	static unsigned char buf[4096];
	unsigned char b8[8];
	uint64_t ts = (uint64_t)r->ts;
	size_t off = 0;
	int i;

	off = app(buf, off, "libvault-audit-v1\0", 18);
	off = app(buf, off, r->prev, 32);
	for (i = 0; i < 8; i++)
		b8[i] = (unsigned char)(r->seq >> (56 - 8 * i));
	off = app(buf, off, b8, 8);
	for (i = 0; i < 8; i++)
		b8[i] = (unsigned char)(ts >> (56 - 8 * i));
	off = app(buf, off, b8, 8);
	off = app_text(buf, off, r->actor);
	off = app_text(buf, off, r->org);
	off = app_text(buf, off, r->role);
	off = app_text(buf, off, r->action);
	off = app_text(buf, off, r->case_id);
	off = app_text(buf, off, r->target);
	off = app_text(buf, off, r->cls);
	off = app_text(buf, off, r->outcome);
	off = app_text(buf, off, r->reason);
	off = app_text(buf, off, r->purpose);
	off = app_u32(buf, off, r->has_newkey ? 32 : 0);
	if (r->has_newkey)
		off = app(buf, off, r->newkey, 32);
	b8[0] = r->high ? 1 : 0;
	off = app(buf, off, b8, 1);
	off = app(buf, off, r->key, 32);
	crypto_generichash(out, 32, buf, off, NULL, 0);
}

static void test_audit_chain__hash_matches_documented_encoding(void **state)
{
	tlog L;
	size_t i;

	(void)state;
	build_base(&L);
	L.rec[3].ts = -86401; /* a negative time: two's complement */
	for (i = 0; i < L.n; i++) {
		unsigned char want[32], got[32];

		documented_hash(&L.rec[i], want);
		assert_int_equal(vault_audit_rec_hash(&L.rec[i], got), VAULT_OK);
		assert_memory_equal(want, got, 32);
	}
}

static void test_audit_chain__hash_rejects_field_over_65535(void **state)
{
	tlog L;
	unsigned char h[32];
	char *big = malloc(65537);

	(void)state;
	assert_non_null(big);
	build_base(&L);
	memset(big, 'a', 65536);
	big[65536] = '\0';
	L.rec[6].reason = big;
	assert_int_equal(vault_audit_rec_hash(&L.rec[6], h), VAULT_ERR_INVALID);
	big[65535] = '\0';
	assert_int_equal(vault_audit_rec_hash(&L.rec[6], h), VAULT_OK);
	L.rec[6].reason = NULL;
	assert_int_equal(vault_audit_rec_hash(&L.rec[6], h), VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_rec_hash(NULL, h), VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_rec_hash(&L.rec[5], NULL), VAULT_ERR_INVALID);
	free(big);
}

/* Mutations of one entry, by number; returns 0 when it does not apply. */
#define MUTATIONS 19
static int mutate(audit_rec *r, int m)
{
	static const char *const other = "tampered";
	const char **text[10] = {&r->actor, &r->org, &r->role, &r->action,
	                         &r->case_id, &r->target, &r->cls, &r->outcome,
	                         &r->reason, &r->purpose};

	if (m < 10) {
		*text[m] = strcmp(*text[m], other) ? other : "x";
		return 1;
	}
	switch (m) {
	case 10: r->ts++; return 1;
	case 11:
		r->has_newkey = !r->has_newkey;
		if (r->has_newkey)
			memset(r->newkey, 0x42, 32);
		return 1;
	case 12:
		if (!r->has_newkey)
			return 0;
		r->newkey[31] ^= 1;
		return 1;
	case 13: r->high = !r->high; return 1;
	case 14: r->prev[0] ^= 0x80; return 1;
	case 15: r->key[5] ^= 1; return 1;
	case 16: r->hash[31] ^= 1; return 1;
	case 17: r->seq++; return 1;
	case 18:
		if (!r->has_sig)
			return 0;
		r->sig[10] ^= 4;
		return 1;
	}
	return 0;
}

static void test_audit_chain__hash_covers_every_field(void **state)
{
	tlog L;
	unsigned char h0[32], h1[32];
	int m;

	(void)state;
	build_base(&L);
	assert_int_equal(vault_audit_rec_hash(&L.rec[2], h0), VAULT_OK);
	for (m = 0; m < MUTATIONS; m++) {
		audit_rec r = L.rec[2];

		if (!mutate(&r, m))
			continue;
		assert_int_equal(vault_audit_rec_hash(&r, h1), VAULT_OK);
		if (m == 16 || m == 18) /* hash and sig are not hashed */
			assert_memory_equal(h0, h1, 32);
		else
			assert_memory_not_equal(h0, h1, 32);
	}
}

/* ------------------------------------------------------------------------ */
/* JSON Lines                                                                */
/* ------------------------------------------------------------------------ */

static void assert_rec_equal(const audit_rec *a, const audit_rec *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->ts, b->ts);
	assert_string_equal(a->actor, b->actor);
	assert_string_equal(a->org, b->org);
	assert_string_equal(a->role, b->role);
	assert_string_equal(a->action, b->action);
	assert_string_equal(a->case_id, b->case_id);
	assert_string_equal(a->target, b->target);
	assert_string_equal(a->cls, b->cls);
	assert_string_equal(a->outcome, b->outcome);
	assert_string_equal(a->reason, b->reason);
	assert_string_equal(a->purpose, b->purpose);
	assert_int_equal(a->has_newkey, b->has_newkey);
	if (a->has_newkey)
		assert_memory_equal(a->newkey, b->newkey, 32);
	assert_int_equal(!!a->high, !!b->high);
	assert_memory_equal(a->prev, b->prev, 32);
	assert_memory_equal(a->hash, b->hash, 32);
	assert_memory_equal(a->key, b->key, 32);
	assert_int_equal(a->has_sig, b->has_sig);
	if (a->has_sig)
		assert_memory_equal(a->sig, b->sig, 64);
}

static void test_audit_chain__json_round_trip(void **state)
{
	tlog L;
	size_t i;

	(void)state;
	build_base(&L);
	for (i = 0; i < L.n; i++) {
		char *line = NULL, why[128];
		audit_rec back;
		void *store = NULL;

		assert_int_equal(vault_audit_rec_to_json(&L.rec[i], &line), VAULT_OK);
		assert_int_equal(vault_audit_rec_from_json(line, strlen(line), &back,
		                                           &store, why, sizeof why),
		                 VAULT_OK);
		assert_rec_equal(&L.rec[i], &back);
		free(store);
		free(line);
	}
}

static void test_audit_chain__json_field_order_and_form(void **state)
{
	tlog L;
	char *line = NULL, want[1024], k[65], h[65], s[129];

	(void)state;
	build_base(&L);
	assert_int_equal(vault_audit_rec_to_json(&L.rec[0], &line), VAULT_OK);
	hex(k, K[ADMIN].pk, 32);
	hex(h, L.rec[0].hash, 32);
	hex(s, L.rec[0].sig, 64);
	snprintf(want, sizeof want,
	         "{\"seq\":1,\"ts\":\"2023-11-14T22:13:20Z\",\"actor\":\"admin\","
	         "\"org\":\"\",\"role\":\"admin\",\"action\":\"vault.create\","
	         "\"case\":\"\",\"target\":\"\",\"class\":\"\",\"outcome\":\"ok\","
	         "\"reason\":\"\",\"purpose\":\"casework\",\"newkey\":\"%s\","
	         "\"high\":false,\"prev\":\"%064d\",\"hash\":\"%s\",\"sig\":\"%s\","
	         "\"key\":\"%s\"}", k, 0, h, s, k);
	assert_string_equal(line, want);
	free(line);

	/* unsigned, no new key, high */
	L.rec[1].high = 1;
	assert_int_equal(vault_audit_rec_to_json(&L.rec[1], &line), VAULT_OK);
	assert_non_null(strstr(line, "\"high\":true,"));
	assert_non_null(strstr(line, "\"sig\":\"\","));
	free(line);
	assert_int_equal(vault_audit_rec_to_json(&L.rec[3], &line), VAULT_OK);
	assert_non_null(strstr(line, "\"newkey\":\"\","));
	free(line);
}

static void test_audit_chain__json_ts_edges(void **state)
{
	static const struct {
		int64_t ts;
		const char *s;
	} v[] = {
		{0, "1970-01-01T00:00:00Z"},
		{-1, "1969-12-31T23:59:59Z"},
		{951782400, "2000-02-29T00:00:00Z"},
		{1700000000, "2023-11-14T22:13:20Z"},
		{4107542399, "2100-02-28T23:59:59Z"},
		{INT64_C(-62167219200), "0000-01-01T00:00:00Z"},
		{INT64_C(253402300799), "9999-12-31T23:59:59Z"},
	};
	tlog L;
	size_t i;

	(void)state;
	build_base(&L);
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *line = NULL, why[128], want[64];
		audit_rec back;
		void *store = NULL;

		L.rec[0].ts = v[i].ts;
		assert_int_equal(vault_audit_rec_to_json(&L.rec[0], &line), VAULT_OK);
		snprintf(want, sizeof want, "\"ts\":\"%s\"", v[i].s);
		assert_non_null(strstr(line, want));
		assert_int_equal(vault_audit_rec_from_json(line, strlen(line), &back,
		                                           &store, why, sizeof why),
		                 VAULT_OK);
		assert_int_equal(back.ts, v[i].ts);
		free(store);
		free(line);
	}
}

static void test_audit_chain__json_refuses_unencodable_entry(void **state)
{
	tlog L;
	audit_rec r;
	char *line = (char *)"x";

	(void)state;
	build_base(&L);
	r = L.rec[0];
	r.ts = INT64_C(253402300800);
	assert_int_equal(vault_audit_rec_to_json(&r, &line), VAULT_ERR_INVALID);
	assert_null(line);
	r = L.rec[0];
	r.ts = INT64_C(-62167219201);
	assert_int_equal(vault_audit_rec_to_json(&r, &line), VAULT_ERR_INVALID);
	r = L.rec[0];
	r.seq = 0;
	assert_int_equal(vault_audit_rec_to_json(&r, &line), VAULT_ERR_INVALID);
	r = L.rec[0];
	r.reason = "\xff\xfe not UTF-8";
	assert_int_equal(vault_audit_rec_to_json(&r, &line), VAULT_ERR_INVALID);
	r = L.rec[0];
	r.actor = NULL;
	assert_int_equal(vault_audit_rec_to_json(&r, &line), VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_rec_to_json(NULL, &line), VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_rec_to_json(&L.rec[0], NULL), VAULT_ERR_INVALID);
}

/* The export line of base entry `i` with the first `from` replaced by `to`. */
static char *line_with(int i, const char *from, const char *to)
{
	tlog L;
	char *line = NULL, *out, *p;

	build_base(&L);
	assert_int_equal(vault_audit_rec_to_json(&L.rec[i], &line), VAULT_OK);
	p = strstr(line, from);
	assert_non_null(p);
	out = malloc(strlen(line) + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, line, (size_t)(p - line));
	strcpy(out + (p - line), to);
	strcat(out, p + strlen(from));
	free(line);
	return out;
}

static void expect_corrupt_line(const char *line, const char *needle)
{
	audit_rec r;
	void *store = (void *)1;
	char why[128];
	vault_status st;

	st = vault_audit_rec_from_json(line, strlen(line), &r, &store, why,
	                               sizeof why);
	if (st != VAULT_ERR_CORRUPT || !strstr(why, needle))
		print_error("line %s: status %d why \"%s\" (want \"%s\")\n", line,
		            st, why, needle);
	assert_int_equal(st, VAULT_ERR_CORRUPT);
	assert_null(store);
	assert_non_null(strstr(why, needle));
}

static void expect_corrupt_sub(int i, const char *from, const char *to,
                               const char *needle)
{
	char *line = line_with(i, from, to);

	expect_corrupt_line(line, needle);
	free(line);
}

static void test_audit_chain__json_rejects_bad_hex(void **state)
{
	char k[65], bad[80];

	(void)state;
	hex(k, K[ADMIN].pk, 32);
	/* upper case, short, long, non-hex, in each hex field */
	{
		char good[80];

		snprintf(good, sizeof good, "\"key\":\"%s\"", k);
		snprintf(bad, sizeof bad, "\"key\":\"%.63sG\"", k);
		expect_corrupt_sub(0, good, bad, "key");
	}
	expect_corrupt_sub(0, "\"key\":\"", "\"key\":\"A", "key");
	expect_corrupt_sub(0, "\"key\":\"", "\"key\":\"0", "key");
	expect_corrupt_sub(0, "\"prev\":\"0", "\"prev\":\"", "prev");
	expect_corrupt_sub(0, "\"prev\":\"0", "\"prev\":\"F", "prev");
	expect_corrupt_sub(0, "\"hash\":\"", "\"hash\":\"00", "hash");
	expect_corrupt_sub(0, "\"sig\":\"", "\"sig\":\"0", "sig");
	expect_corrupt_sub(1, "\"sig\":\"\"", "\"sig\":\"00\"", "sig");
	expect_corrupt_sub(0, "\"newkey\":\"", "\"newkey\":\"z", "newkey");
	expect_corrupt_sub(1, "\"hash\":\"", "\"hash\":\"\",\"x\":\"", "");
	snprintf(bad, sizeof bad, "\"key\":\"%s\"", k);
	expect_corrupt_sub(0, bad, "\"key\":\"\"", "key");
}

static void test_audit_chain__json_rejects_missing_field(void **state)
{
	static const char *const f[] = {
		"\"ts\":\"2023-11-14T22:13:20Z\",", "\"actor\":\"admin\",",
		"\"org\":\"\",", "\"role\":\"admin\",", "\"action\":\"vault.create\",",
		"\"case\":\"\",", "\"target\":\"\",", "\"class\":\"\",",
		"\"outcome\":\"ok\",", "\"reason\":\"\",", "\"purpose\":\"casework\",",
		"\"high\":false,"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		expect_corrupt_sub(0, f[i], "", "missing");
	expect_corrupt_sub(0, "\"seq\":1,", "", "missing");
}

static void test_audit_chain__json_rejects_extra_field(void **state)
{
	(void)state;
	expect_corrupt_sub(0, "\"seq\":1,", "\"seq\":1,\"note\":\"hi\",", "unknown");
	/* a stranger replacing a known field */
	expect_corrupt_sub(0, "\"org\":", "\"orga\":", "unknown");
	/* the same field twice */
	expect_corrupt_sub(0, "\"seq\":1,", "\"seq\":1,\"seq\":1,", "JSON");
}

static void test_audit_chain__json_rejects_bad_ts(void **state)
{
	static const char *const bad[] = {
		"2023-11-14T22:13:20+01:00", "2023-11-14T22:13:20.5Z",
		"2023-11-14 22:13:20Z", "2023-11-14t22:13:20z", "2023-11-14T22:13:20",
		"2023-02-29T00:00:00Z", "2023-13-01T00:00:00Z", "2023-00-01T00:00:00Z",
		"2023-11-31T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:60:00Z",
		"2023-11-14T22:13:60Z", "20231-1-14T22:13:20Z", "-023-11-14T22:13:20Z",
		"+2023-11-14T22:13:20Z", "1900-02-29T00:00:00Z", "", "x"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char to[64];

		snprintf(to, sizeof to, "\"ts\":\"%s\"", bad[i]);
		expect_corrupt_sub(0, "\"ts\":\"2023-11-14T22:13:20Z\"", to, "ts");
	}
	expect_corrupt_sub(0, "\"ts\":\"2023-11-14T22:13:20Z\"", "\"ts\":1700000000",
	                   "ts");
}

static void test_audit_chain__json_rejects_wrong_types(void **state)
{
	(void)state;
	expect_corrupt_sub(0, "\"seq\":1", "\"seq\":0", "seq");
	expect_corrupt_sub(0, "\"seq\":1", "\"seq\":-1", "seq");
	expect_corrupt_sub(0, "\"seq\":1", "\"seq\":1.0", "seq");
	expect_corrupt_sub(0, "\"seq\":1", "\"seq\":\"1\"", "seq");
	expect_corrupt_sub(0, "\"seq\":1", "\"seq\":99999999999999999999", "JSON");
	expect_corrupt_sub(0, "\"high\":false", "\"high\":0", "high");
	expect_corrupt_sub(0, "\"high\":false", "\"high\":null", "high");
	expect_corrupt_sub(0, "\"actor\":\"admin\"", "\"actor\":null", "actor");
	expect_corrupt_sub(0, "\"actor\":\"admin\"", "\"actor\":[\"admin\"]", "actor");
	expect_corrupt_sub(0, "\"reason\":\"\"", "\"reason\":\"a\\u0000b\"", "JSON");
	expect_corrupt_sub(0, "\"sig\":\"", "\"sig\":1,\"x\":\"", "");
}

static void test_audit_chain__json_rejects_not_an_entry(void **state)
{
	char *line;

	(void)state;
	expect_corrupt_line("", "JSON");
	expect_corrupt_line("[]", "object");
	expect_corrupt_line("{}", "missing");
	expect_corrupt_line("\"seq\"", "JSON");
	expect_corrupt_line("{\"seq\":1", "JSON");
	line = line_with(0, "}", "}x");
	expect_corrupt_line(line, "JSON");
	free(line);
	line = line_with(0, "}", "}{}");
	expect_corrupt_line(line, "JSON");
	free(line);
	{
		/* a NUL byte inside the line */
		char buf[] = "{\"seq\":1\0}";
		audit_rec r;
		void *store = NULL;
		char why[128];

		assert_int_equal(vault_audit_rec_from_json(buf, sizeof buf - 1, &r,
		                                           &store, why, sizeof why),
		                 VAULT_ERR_CORRUPT);
		assert_null(store);
	}
}

static void test_audit_chain__json_rejects_field_over_65535(void **state)
{
	char *big = malloc(65537), *line;

	(void)state;
	assert_non_null(big);
	memset(big, 'r', 65536);
	big[65536] = '\0';
	line = line_with(0, "\"reason\":\"", "\"reason\":\"");
	{
		char *p = strstr(line, "\"reason\":\"\"");
		char *out = malloc(strlen(line) + 65540);

		assert_non_null(p);
		assert_non_null(out);
		sprintf(out, "%.*s\"reason\":\"%s\"%s", (int)(p - line), line, big,
		        p + strlen("\"reason\":\"\""));
		expect_corrupt_line(out, "reason");
		free(out);
	}
	free(line);
	free(big);
}

/* ------------------------------------------------------------------------ */
/* A valid log                                                               */
/* ------------------------------------------------------------------------ */

/* With AUDIT_CHAIN_CORPUS_DIR set, also write the fuzzers' seed corpus
 * (tests/fuzz/corpus/{export,checkpoint}).  An export seed may start with a
 * directive line for export_fuzzer.c: "#rehash" or "#resign". */
static void write_export_seed(const tlog *L, size_t n, const char *dir,
                              const char *name, const char *directive)
{
	char path[512];
	FILE *f;
	size_t i;

	snprintf(path, sizeof path, "%s/export/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	if (directive)
		assert_true(fprintf(f, "%s\n", directive) > 0);
	for (i = 0; i < n; i++) {
		char *line = NULL;

		assert_int_equal(vault_audit_rec_to_json(&L->rec[i], &line), VAULT_OK);
		assert_true(fprintf(f, "%s\n", line) > 0);
		free(line);
	}
	assert_int_equal(fclose(f), 0);
}

static void write_cp_seed(const char *dir, const char *name, const char *text)
{
	char path[512];

	snprintf(path, sizeof path, "%s/checkpoint/%s", dir, name);
	write_text(path, text);
}

static void write_corpus(const char *dir)
{
	tlog L;
	audit_checkpoint cp;
	char *text, *bad;

	build_base(&L);
	write_export_seed(&L, L.n, dir, "valid.jsonl", NULL);
	write_export_seed(&L, L.n, dir, "resign.jsonl", "#resign");
	write_export_seed(&L, 18, dir, "unsigned-tail.jsonl", NULL);
	L.rec[6].outcome = "ok";
	write_export_seed(&L, L.n, dir, "tampered.jsonl", NULL);
	write_export_seed(&L, L.n, dir, "tampered-rehash.jsonl", "#rehash");
	build_base(&L);
	remove_at(&L, 10);
	write_export_seed(&L, L.n, dir, "deleted.jsonl", NULL);
	build_base(&L);
	L.rec[9].actor = "bob";
	memcpy(L.rec[9].key, K[BOB].pk, 32);
	L.signer[9] = BOB;
	write_export_seed(&L, L.n, dir, "run-broken-resign.jsonl", "#resign");

	/* checkpoint_fuzzer.c verifies against the first 3 entries */
	build_base(&L);
	text = make_cp(&L, 3, ADMIN);
	write_cp_seed(dir, "valid-3.txt", text);
	parse_cp(text, &cp);
	cp.sig[1] ^= 1;
	bad = render_cp(&cp);
	write_cp_seed(dir, "forged-3.txt", bad);
	free(bad);
	free(text);
	text = make_cp(&L, 17, ADMIN);
	write_cp_seed(dir, "valid-17.txt", text);
	bad = malloc(strlen(text) + 64);
	assert_non_null(bad);
	sprintf(bad, "%s\xe2\x80\x94 witness.example.org/w AAAAAQID\n", text);
	write_cp_seed(dir, "two-sigs.txt", bad);
	free(bad);
	free(text);
}

static void test_audit_chain__valid_log_verifies(void **state)
{
	tlog L;
	const char *dir = getenv("AUDIT_CHAIN_CORPUS_DIR");

	(void)state;
	build_base(&L);
	expect_ok(&L, NULL);
	if (dir)
		write_corpus(dir);
}

static void test_audit_chain__valid_log_verifies_in_memory(void **state)
{
	tlog L;
	audit_verifier *av = NULL;
	vault_verify_result res;
	size_t i;

	(void)state;
	build_base(&L);
	/* no pinned id: in-vault verification */
	assert_int_equal(vault_audit_verifier_new(NULL, &av), VAULT_OK);
	res_init(&res);
	for (i = 0; i < L.n; i++) {
		assert_int_equal(vault_audit_verifier_push(av, &L.rec[i], &res),
		                 VAULT_OK);
		assert_int_equal(res.entries, i + 1);
	}
	assert_int_equal(vault_audit_verifier_finish(av, NULL, &res), VAULT_OK);
	assert_int_equal(res.entries, L.n);
	assert_int_equal(res.bad_seq, 0);
	assert_string_equal(res.reason, "");
	/* finishing twice is a caller error, not a verdict */
	assert_int_equal(vault_audit_verifier_finish(av, NULL, &res),
	                 VAULT_ERR_STATE);
	vault_audit_verifier_free(av);
	vault_audit_verifier_free(NULL);
}

static void test_audit_chain__pin_accepts_upper_case(void **state)
{
	tlog L;
	vault_verify_result res;
	char up[65];
	size_t i;

	(void)state;
	build_base(&L);
	write_export(&L, tmp_path);
	for (i = 0; i < 64; i++)
		up[i] = (char)(pin_hex[i] >= 'a' ? pin_hex[i] - 32 : pin_hex[i]);
	up[64] = '\0';
	res_init(&res);
	assert_int_equal(vault_audit_verify_export(tmp_path, up, NULL, &res, NULL,
	                                           NULL),
	                 VAULT_OK);
}

/* ------------------------------------------------------------------------ */
/* Tampering                                                                 */
/* ------------------------------------------------------------------------ */

/* Every mutation of every entry, without re-hashing, is found at it. */
static void test_audit_chain__tamper_any_field_of_any_entry(void **state)
{
	tlog L;
	size_t k;
	int m;

	(void)state;
	for (k = 0; k < BASE_N; k++) {
		for (m = 0; m < MUTATIONS; m++) {
			vault_verify_result res;
			vault_status st;

			build_base(&L);
			if (!mutate(&L.rec[k], m))
				continue;
			st = verify_mem(&L, &res);
			if (st != VAULT_ERR_INTEGRITY || res.bad_seq != k + 1)
				print_error("entry %zu mutation %d: status %d bad_seq "
				            "%llu: %s\n", k + 1, m, st,
				            (unsigned long long)res.bad_seq, res.reason);
			assert_int_equal(st, VAULT_ERR_INTEGRITY);
			assert_int_equal(res.bad_seq, k + 1);
			if (m == 17)
				assert_non_null(strstr(res.reason, "sequence number"));
			else if (m == 18)
				assert_non_null(strstr(res.reason,
				                       "signature does not verify"));
			else if (k == 0 && m == 14)
				assert_non_null(strstr(res.reason, "entry 1: hash"));
			else
				assert_non_null(strstr(res.reason,
				                       "hash does not match its fields"));
		}
	}
}

static void test_audit_chain__tamper_outcome(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.rec[6].outcome = "ok"; /* a refusal turned into an access */
	expect_bad(&L, NULL, 7, "entry 7: hash does not match its fields");
}

static void test_audit_chain__tamper_actor(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.rec[9].actor = "bob"; /* blame another user */
	expect_bad(&L, NULL, 10, "entry 10: hash does not match its fields");
}

static void test_audit_chain__tamper_case_and_class(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.rec[7].cls = "general"; /* hide that sensitive was read */
	expect_bad(&L, NULL, 8, "entry 8: hash does not match its fields");
	build_base(&L);
	L.rec[4].case_id = "ffffffffffffffffffffffffffffffff";
	expect_bad(&L, NULL, 5, "entry 5: hash does not match its fields");
}

static void test_audit_chain__tamper_ts(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.rec[10].ts -= 3600;
	expect_bad(&L, NULL, 11, "entry 11: hash does not match its fields");
}

static void test_audit_chain__tamper_high_flag(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.rec[10].high = 0; /* hide a break-glass from review */
	expect_bad(&L, NULL, 11, "entry 11: hash does not match its fields");
}

static void test_audit_chain__tamper_signature(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.rec[13].sig[0] ^= 1;
	expect_bad(&L, NULL, 14, "entry 14: signature does not verify");
}

/* Re-hashing a changed signed entry does not help without its key. */
static void test_audit_chain__tamper_rehashed_signed_entry(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.rec[6].outcome = "ok";
	rechain(&L, 6, 0);
	expect_bad(&L, NULL, 7, "entry 7: signature does not verify");
}

/* An unsigned entry is held by the next hash link and by the signature that
 * closes its run. */
static void test_audit_chain__tamper_rehashed_unsigned_entry(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.rec[4].target = "other";
	assert_int_equal(vault_audit_rec_hash(&L.rec[4], L.rec[4].hash), VAULT_OK);
	expect_bad(&L, NULL, 6, "entry 6: prev is not the hash of entry 5");
	/* re-chained to the end, the run's closing signature breaks */
	rechain(&L, 4, 0);
	expect_bad(&L, NULL, 6, "entry 6: signature does not verify (entries 4..5");
}

static void test_audit_chain__tamper_delete_entry(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	remove_at(&L, 10); /* entry 11: hide a break-glass */
	expect_bad(&L, NULL, 11, "entry 11: sequence number is 12");
	/* renumbered and re-chained by someone without the keys */
	renumber(&L, 10);
	rechain(&L, 10, 0);
	expect_bad(&L, NULL, 11, "entry 11: signature does not verify");
	/* deleting the signed end of a run leaves the run uncovered */
	build_base(&L);
	remove_at(&L, 9);
	renumber(&L, 9);
	rechain(&L, 9, 0);
	expect_bad(&L, NULL, 9, "entry 9: not signed, and no signature by its key "
	                        "covers it (entry 10 is by another key)");
}

static void test_audit_chain__tamper_insert_forged_by_attacker(void **state)
{
	tlog L;
	audit_rec r;

	(void)state;
	build_base(&L);
	r = L.rec[7]; /* claims to be alice reading */
	memcpy(r.key, K[MALLORY].pk, 32);
	insert_at(&L, 8, &r, MALLORY);
	renumber(&L, 8);
	rechain(&L, 8, 1u << MALLORY);
	expect_bad(&L, NULL, 9,
	           "entry 9: signer key is not the actor's key in the chain");
	/* under a name the chain never introduced */
	build_base(&L);
	r = L.rec[7];
	r.actor = "mallory";
	memcpy(r.key, K[MALLORY].pk, 32);
	insert_at(&L, 8, &r, MALLORY);
	renumber(&L, 8);
	rechain(&L, 8, 1u << MALLORY);
	expect_bad(&L, NULL, 9,
	           "entry 9: signer key is not the actor's key in the chain");
}

/* alice holds her own key: an entry of hers spliced in the middle is valid
 * by itself, but the next entry (bob's) no longer links to it. */
static void test_audit_chain__tamper_splice_own_key_in_middle(void **state)
{
	tlog L;
	audit_rec r;

	(void)state;
	build_base(&L);
	r = L.rec[9];
	r.target = "forged-note";
	r.seq = 11;
	insert_at(&L, 10, &r, ALICE);
	rechain(&L, 10, 1u << ALICE); /* only entry 11 (hers) re-signed */
	expect_bad(&L, NULL, 12, "entry 12: sequence number is 11");
	/* renumbered too: bob's signature on entry 12 breaks */
	renumber(&L, 11);
	rechain(&L, 10, 1u << ALICE);
	expect_bad(&L, NULL, 12, "entry 12: signature does not verify");
}

static void test_audit_chain__tamper_swap_entries(void **state)
{
	tlog L;
	audit_rec t;

	(void)state;
	build_base(&L);
	t = L.rec[7];
	L.rec[7] = L.rec[8];
	L.rec[8] = t;
	expect_bad(&L, NULL, 8, "entry 8: sequence number is 9");
}

static void test_audit_chain__tamper_duplicate_entry(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	insert_at(&L, 6, &L.rec[5], ALICE); /* entry 6 twice */
	expect_bad(&L, NULL, 7, "entry 7: sequence number is 6");
}

/* The attacker rewrites user.add carol with its own key, so that carol's
 * entries could be re-signed; it cannot sign as the admin. */
static void test_audit_chain__tamper_replace_user_key(void **state)
{
	tlog L;
	size_t i;

	(void)state;
	build_base(&L);
	memcpy(L.rec[11].newkey, K[MALLORY].pk, 32);
	for (i = 12; i < L.n; i++)
		if (L.signer[i] == CAROL) {
			memcpy(L.rec[i].key, K[MALLORY].pk, 32);
			L.signer[i] = MALLORY;
		}
	rechain(&L, 11, 1u << MALLORY);
	expect_bad(&L, NULL, 12, "entry 12: signature does not verify");
	/* the same, with entry 12 signed by the attacker */
	memcpy(L.rec[11].key, K[MALLORY].pk, 32);
	L.signer[11] = MALLORY;
	rechain(&L, 11, 1u << MALLORY);
	expect_bad(&L, NULL, 12,
	           "entry 12: signer key is not the actor's key in the chain");
}

static void test_audit_chain__tamper_vault_create_key(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	/* a whole new history under the attacker's admin key */
	memcpy(L.rec[0].newkey, K[MALLORY].pk, 32);
	memcpy(L.rec[0].key, K[MALLORY].pk, 32);
	L.signer[0] = MALLORY;
	rechain(&L, 0, 1u << MALLORY);
	expect_bad(&L, NULL, 1, "entry 1 is not the pinned vault id");
}

/* ------------------------------------------------------------------------ */
/* Chain rules                                                               */
/* ------------------------------------------------------------------------ */

static void test_audit_chain__wrong_pinned_vault_id(void **state)
{
	tlog L;
	vault_verify_result res;
	char other[65];

	(void)state;
	build_base(&L);
	write_export(&L, tmp_path);
	strcpy(other, pin_hex);
	other[0] = other[0] == '0' ? '1' : '0';
	res_init(&res);
	assert_int_equal(vault_audit_verify_export(tmp_path, other, NULL, &res, NULL,
	                                           NULL),
	                 VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, 1);
	assert_int_equal(res.entries, 0);
	assert_string_equal(res.reason, "entry 1 is not the pinned vault id");
	assert_string_equal(LAST_ERROR(), "entry 1 is not the pinned vault id");
}

static void test_audit_chain__unsigned_tail(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.rec[18].has_sig = 0;
	expect_bad(&L, NULL, 18, "entry 18: entries at the end are not signed");
}

static void test_audit_chain__run_closed_by_another_key(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	/* alice's unsigned entry 9 followed by bob's entry */
	L.rec[9].actor = "bob";
	memcpy(L.rec[9].key, K[BOB].pk, 32);
	L.signer[9] = BOB;
	rechain(&L, 9, ALL_KEYS);
	expect_bad(&L, NULL, 9, "entry 9: not signed, and no signature by its key "
	                        "covers it (entry 10 is by another key)");
}

static void test_audit_chain__disabled_user_cannot_sign(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	add(&L, CAROL, "record.get", "intake", 1);
	rechain(&L, 19, ALL_KEYS);
	expect_bad(&L, NULL, 20, "entry 20: the actor was disabled at entry 15");
}

static void test_audit_chain__user_added_twice(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	with_newkey(add(&L, ADMIN, "user.add", "alice", 1), MALLORY);
	rechain(&L, 19, ALL_KEYS);
	expect_bad(&L, NULL, 20, "entry 20: user.add of a user already in the chain");
	/* a refused user.add changes nothing */
	build_base(&L);
	{
		audit_rec *r = add(&L, ADMIN, "user.add", "alice", 1);

		with_newkey(r, MALLORY);
		r->outcome = "denied";
	}
	rechain(&L, 19, ALL_KEYS);
	expect_ok(&L, NULL);
}

static void test_audit_chain__user_add_without_target(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	with_newkey(add(&L, ADMIN, "user.add", "", 1), MALLORY);
	rechain(&L, 19, ALL_KEYS);
	expect_bad(&L, NULL, 20, "entry 20: user.add without a target");
}

static void test_audit_chain__disable_unknown_user(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	add(&L, ADMIN, "user.disable", "dave", 1);
	rechain(&L, 19, ALL_KEYS);
	expect_bad(&L, NULL, 20, "entry 20: user.disable of a user the chain does "
	                         "not know");
}

static void test_audit_chain__unknown_actor(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	add(&L, MALLORY, "record.get", "intake", 1);
	rechain(&L, 19, ALL_KEYS);
	expect_bad(&L, NULL, 20,
	           "entry 20: signer key is not the actor's key in the chain");
}

static void test_audit_chain__second_vault_create(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	add(&L, ADMIN, "vault.create", "", 1);
	rechain(&L, 19, ALL_KEYS);
	expect_bad(&L, NULL, 20, "entry 20: vault.create after entry 1");
}

/* Entry 1 rules, with the pin taken from the changed entry so that only the
 * rule under test can fail. */
static void expect_entry1_bad(tlog *L, const char *needle)
{
	char saved[65];

	rechain(L, 0, ALL_KEYS);
	strcpy(saved, pin_hex);
	hex(pin_hex, L->rec[0].hash, 32);
	expect_bad(L, NULL, 1, needle);
	strcpy(pin_hex, saved);
}

static void test_audit_chain__entry1_rules(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.rec[0].action = "session.open";
	expect_entry1_bad(&L, "entry 1 is not vault.create");
	build_base(&L);
	L.rec[0].has_newkey = 0;
	expect_entry1_bad(&L, "entry 1 does not introduce its signer's key");
	build_base(&L);
	memcpy(L.rec[0].newkey, K[ALICE].pk, 32);
	expect_entry1_bad(&L, "entry 1 does not introduce its signer's key");
	build_base(&L);
	L.rec[0].actor = "";
	expect_entry1_bad(&L, "entry 1 has no actor");
	/* a non-zero prev, hash and signature made consistent */
	build_base(&L);
	L.rec[0].prev[3] = 1;
	assert_int_equal(vault_audit_rec_hash(&L.rec[0], L.rec[0].hash), VAULT_OK);
	crypto_sign_detached(L.rec[0].sig, NULL, L.rec[0].hash, 32, K[ADMIN].sk);
	{
		char saved[65];

		strcpy(saved, pin_hex);
		hex(pin_hex, L.rec[0].hash, 32);
		expect_bad(&L, NULL, 1, "entry 1: prev is not all zero");
		strcpy(pin_hex, saved);
	}
}

static void test_audit_chain__empty_log(void **state)
{
	vault_verify_result res;

	(void)state;
	write_text(tmp_path, "");
	res_init(&res);
	assert_int_equal(vault_audit_verify_export(tmp_path, pin_hex, NULL, &res,
	                                           NULL, NULL),
	                 VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, 1);
	assert_string_equal(res.reason, "the log is empty");
}

/* ------------------------------------------------------------------------ */
/* Truncation and checkpoints                                                */
/* ------------------------------------------------------------------------ */

/* The documented limit: without a checkpoint a cut tail goes unnoticed. */
static void test_audit_chain__cut_tail_passes_without_checkpoint(void **state)
{
	tlog L;

	(void)state;
	build_base(&L);
	L.n = 17;
	expect_ok(&L, NULL);
}

static void test_audit_chain__cut_tail_fails_with_checkpoint(void **state)
{
	tlog L;
	char *cp;

	(void)state;
	build_base(&L);
	cp = make_cp(&L, 19, ADMIN);
	L.n = 17;
	expect_bad(&L, cp, 18, "log is shorter than the checkpoint (truncated or "
	                       "rolled back)");
	free(cp);
}

static void test_audit_chain__checkpoint_round_trip(void **state)
{
	tlog L;
	char *text, want[512], b64[64];
	audit_checkpoint cp;

	(void)state;
	build_base(&L);
	text = make_cp(&L, 19, ADMIN);
	sodium_bin2base64(b64, sizeof b64, L.rec[18].hash, 32,
	                  sodium_base64_VARIANT_ORIGINAL);
	snprintf(want, sizeof want, "libvault/%s\n19\n%s\n\n\xe2\x80\x94 admin ",
	         pin_hex, b64);
	assert_memory_equal(text, want, strlen(want));
	assert_int_equal(text[strlen(text) - 1], '\n');

	parse_cp(text, &cp);
	assert_int_equal(cp.size, 19);
	assert_memory_equal(cp.head, L.rec[18].hash, 32);
	assert_string_equal(cp.signer, "admin");
	assert_int_equal(cp.body_len, strlen(want) - strlen("\n\xe2\x80\x94 admin "));
	assert_memory_equal(cp.body, text, cp.body_len);
	snprintf(want, sizeof want, "libvault/%s", pin_hex);
	assert_string_equal(cp.origin, want);
	assert_int_equal(vault_audit_checkpoint_check_sig(&cp, K[ADMIN].pk),
	                 VAULT_OK);
	assert_int_equal(vault_audit_checkpoint_check_sig(&cp, K[BOB].pk),
	                 VAULT_ERR_INTEGRITY);
	{
		/* re-rendered from the parse: the same text */
		char *again = render_cp(&cp);

		assert_string_equal(again, text);
		free(again);
	}
	expect_ok(&L, text);
	free(text);

	/* an older checkpoint: the log extends it */
	text = make_cp(&L, 14, BOB);
	expect_ok(&L, text);
	free(text);
	text = make_cp(&L, 1, ADMIN);
	expect_ok(&L, text);
	free(text);
}

static void test_audit_chain__checkpoint_forged_signature(void **state)
{
	tlog L;
	audit_checkpoint cp;
	char *text, *forged;

	(void)state;
	build_base(&L);
	text = make_cp(&L, 17, ADMIN);
	parse_cp(text, &cp);
	cp.sig[7] ^= 0x10;
	forged = render_cp(&cp);
	assert_int_equal(vault_audit_checkpoint_check_sig(&cp, K[ADMIN].pk),
	                 VAULT_ERR_INTEGRITY);
	expect_bad(&L, forged, 17, "checkpoint signature by \"admin\" does not verify");
	free(forged);

	/* a genuine signature over a different head */
	parse_cp(text, &cp);
	cp.head[0] ^= 1;
	{
		char b64[64];
		size_t bl;

		sodium_bin2base64(b64, sizeof b64, cp.head, 32,
		                  sodium_base64_VARIANT_ORIGINAL);
		bl = (size_t)(strchr(strchr(cp.body, '\n') + 1, '\n') + 1 - cp.body);
		memcpy(cp.body + bl, b64, 44);
	}
	forged = render_cp(&cp);
	expect_bad(&L, forged, 17, "entry 17 differs from the checkpoint head");
	free(forged);
	free(text);
}

static void test_audit_chain__checkpoint_wrong_keyid(void **state)
{
	tlog L;
	audit_checkpoint cp;
	char *text, *bad;

	(void)state;
	build_base(&L);
	text = make_cp(&L, 17, ADMIN);
	parse_cp(text, &cp);
	cp.keyid[2] ^= 1;
	bad = render_cp(&cp);
	assert_int_equal(vault_audit_checkpoint_check_sig(&cp, K[ADMIN].pk),
	                 VAULT_ERR_INTEGRITY);
	/* another key id is another key: ignored, as signed-note verifiers do,
	 * which leaves no signature by a key of the chain */
	expect_bad(&L, bad, 17, "checkpoint has no signature by a key the chain holds");
	free(bad);
	free(text);
}

static void test_audit_chain__checkpoint_signed_by_attacker(void **state)
{
	tlog L;
	audit_checkpoint cp;
	char *text, *bad, vid[65];
	vault_buf b = VAULT_BUF_INIT;

	(void)state;
	build_base(&L);
	hex(vid, L.rec[0].hash, 32);
	/* mallory's own name: not a user of the chain */
	text = make_cp(&L, 17, MALLORY);
	expect_bad(&L, text, 17, "checkpoint has no signature by a key the chain holds");
	free(text);
	/* mallory signing under the admin's name */
	assert_int_equal(vault_audit_checkpoint_make(vid, 17, L.rec[16].hash,
	                                             "admin", K[MALLORY].sk,
	                                             K[MALLORY].pk, &b),
	                 VAULT_OK);
	parse_cp((char *)b.data, &cp);
	bad = render_cp(&cp);
	expect_bad(&L, bad, 17, "checkpoint has no signature by a key the chain holds");
	free(bad);
	vault_buf_free(&b);
}

static void test_audit_chain__checkpoint_signer_disabled(void **state)
{
	tlog L;
	char *text;

	(void)state;
	build_base(&L);
	/* carol was active at entry 14 ... */
	text = make_cp(&L, 14, CAROL);
	expect_ok(&L, text);
	free(text);
	/* ... and disabled at entry 15 */
	text = make_cp(&L, 16, CAROL);
	expect_bad(&L, text, 16, "checkpoint signature: signer \"carol\" was "
	                         "disabled at entry 15");
	free(text);
}

static void test_audit_chain__checkpoint_of_another_vault(void **state)
{
	tlog L, O;
	char *text;

	(void)state;
	build_base(&L);
	build_base(&O);
	O.rec[0].ts++;
	rechain(&O, 0, ALL_KEYS);
	text = make_cp(&O, 19, ADMIN);
	expect_bad(&L, text, 1, "checkpoint origin is not this vault");
	free(text);
}

/* A second history sharing the first 15 entries, signed with the real keys
 * (an operator rolling back and rewriting): consistent by itself. */
static void build_fork(tlog *F, size_t from)
{
	size_t i;

	build_base(F);
	for (i = from; i < F->n; i++)
		F->rec[i].ts += 7;
	rechain(F, from, ALL_KEYS);
}

static void test_audit_chain__fork_after_checkpoint(void **state)
{
	tlog L, F;
	char *text;

	(void)state;
	build_base(&L);
	build_fork(&F, 15); /* entries 16.. differ */
	expect_ok(&F, NULL);
	/* an auditor's checkpoint at 15 is a prefix of both: fine */
	text = make_cp(&L, 15, ADMIN);
	expect_ok(&F, text);
	free(text);
	/* one at 17 was taken on the other branch */
	text = make_cp(&L, 17, ADMIN);
	expect_bad(&F, text, 17, "entry 17 differs from the checkpoint head "
	                         "(the log was forked or rewritten)");
	free(text);
}

static void test_audit_chain__fork_at_checkpoint_entry(void **state)
{
	tlog L, F;
	char *text;

	(void)state;
	build_base(&L);
	build_fork(&F, 16); /* entry 17 is the first to differ */
	text = make_cp(&L, 17, ADMIN);
	expect_bad(&F, text, 17, "entry 17 differs from the checkpoint head");
	free(text);
	text = make_cp(&L, 16, ADMIN);
	expect_ok(&F, text);
	free(text);
}

static void expect_cp_corrupt(const char *text, size_t len, const char *needle)
{
	audit_checkpoint cp;
	char why[128];
	vault_status st = vault_audit_checkpoint_parse(text, len, &cp, why,
	                                               sizeof why);

	if (st != VAULT_ERR_CORRUPT || !strstr(why, needle))
		print_error("status %d why \"%s\" (want \"%s\")\n", st, why, needle);
	assert_int_equal(st, VAULT_ERR_CORRUPT);
	assert_non_null(strstr(why, needle));
}

/* The good note with the first `from` replaced by `to`, parsed. */
static void cp_sub(const char *good, const char *from, const char *to,
                   const char *needle)
{
	char buf[2048];
	const char *p = strstr(good, from);

	assert_non_null(p);
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - good), good, to,
	         p + strlen(from));
	expect_cp_corrupt(buf, strlen(buf), needle);
}

static void test_audit_chain__checkpoint_parse_rejects_malformed(void **state)
{
	tlog L;
	char *good, b64[64], line[128], buf[2048];
	size_t i;

	(void)state;
	build_base(&L);
	good = make_cp(&L, 17, ADMIN);
	sodium_bin2base64(b64, sizeof b64, L.rec[16].hash, 32,
	                  sodium_base64_VARIANT_ORIGINAL);

	/* every strict prefix is malformed */
	for (i = 0; i < strlen(good); i++)
		expect_cp_corrupt(good, i, "checkpoint");
	cp_sub(good, "\n17\n", "\n0\n", "size");
	cp_sub(good, "\n17\n", "\n017\n", "size");
	cp_sub(good, "\n17\n", "\n+17\n", "size");
	cp_sub(good, "\n17\n", "\n 17\n", "size");
	cp_sub(good, "\n17\n", "\n18446744073709551616\n", "size");
	cp_sub(good, "\n17\n", "\n\n", "size");
	cp_sub(good, "libvault/", "\nlibvault/", "origin");
	cp_sub(good, "libvault/", "lib\tvault/", "control characters");
	snprintf(line, sizeof line, "\n%s\n", b64);
	cp_sub(good, line, "\n\n", "head");
	b64[43] = 'A'; /* '=' dropped: not padded */
	snprintf(buf, sizeof buf, "\n%.43s\n", b64);
	cp_sub(good, line, buf, "head");
	sodium_bin2base64(b64, sizeof b64, L.rec[16].hash, 32,
	                  sodium_base64_VARIANT_ORIGINAL);
	{
		/* a non-canonical last digit: low bits set */
		char t[64];
		static const char alpha[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *pos = strchr(alpha, b64[42]);

		assert_non_null(pos);
		memcpy(t, b64, 45);
		t[42] = alpha[((pos - alpha) & ~3) | 1];
		snprintf(buf, sizeof buf, "\n%.44s\n", t);
		cp_sub(good, line, buf, "head");
	}
	snprintf(buf, sizeof buf, "\n%s\next\n", b64);
	cp_sub(good, line, buf, "empty line"); /* extension lines refused */
	cp_sub(good, "\n\n\xe2\x80\x94", "\n\xe2\x80\x94", "empty line");
	cp_sub(good, "\xe2\x80\x94 ", "- ", "signature line 1");
	cp_sub(good, "\xe2\x80\x94 ", "\xe2\x80\x94", "signature line 1");
	cp_sub(good, " admin ", " admin  ", "signature line 1");
	cp_sub(good, " admin ", " ad+min ", "signature line 1");
	cp_sub(good, " admin ", " ", "signature line 1");
	/* no signature at all */
	snprintf(buf, sizeof buf, "libvault/%s\n17\n%s\n\n", pin_hex, b64);
	expect_cp_corrupt(buf, strlen(buf), "no Ed25519 signature");
	/* no final newline; trailing garbage; a NUL */
	expect_cp_corrupt(good, strlen(good) - 1, "newline");
	snprintf(buf, sizeof buf, "%sx", good);
	expect_cp_corrupt(buf, strlen(buf), "newline");
	snprintf(buf, sizeof buf, "%s\n", good);
	expect_cp_corrupt(buf, strlen(buf), "signature line 2");
	memcpy(buf, good, strlen(good) + 1);
	buf[3] = '\0';
	expect_cp_corrupt(buf, strlen(good), "control characters");
	/* a malformed extra signature line is not ignored */
	snprintf(buf, sizeof buf, "%s\xe2\x80\x94 other !!!!\n", good);
	expect_cp_corrupt(buf, strlen(buf), "signature line 2");
	/* too many signature lines */
	strcpy(buf, good);
	for (i = 0; i < 16; i++)
		strcat(buf, "\xe2\x80\x94 w AAAAAQID\n");
	expect_cp_corrupt(buf, strlen(buf), "more than");
	/* huge */
	{
		char *big = calloc(1, 20000);

		assert_non_null(big);
		memset(big, 'a', 19999);
		expect_cp_corrupt(big, 19999, "longer");
		free(big);
	}
	/* the origin is the verifier's to judge: any printable one parses */
	{
		audit_checkpoint cp;

		snprintf(buf, sizeof buf, "other/%s", good + strlen("libvault/"));
		parse_cp(buf, &cp);
		assert_string_equal(cp.origin, strtok(buf, "\n"));
	}
	free(good);
}

static void test_audit_chain__checkpoint_parse_ignores_foreign_signatures(void **state)
{
	tlog L;
	char *good, buf[2048];
	audit_checkpoint cp;
	const char *sigline;
	unsigned char blob[76];
	char w76[128], w68[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof blob; i++)
		blob[i] = (unsigned char)i;
	sodium_bin2base64(w76, sizeof w76, blob, 76, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(w68, sizeof w68, blob, 68, sodium_base64_VARIANT_ORIGINAL);
	build_base(&L);
	good = make_cp(&L, 17, ADMIN);
	sigline = strstr(good, "\n\n") + 2;
	/* a witness cosignature (76 bytes) and an Ed25519 line by a name that
	 * is no libvault user, before ours, and another after */
	snprintf(buf, sizeof buf,
	         "%.*s\xe2\x80\x94 witness.example.org/w %s\n"
	         "\xe2\x80\x94 example.com/log %s\n"
	         "%s\xe2\x80\x94 bob AAAAAQID\n",
	         (int)(sigline - good), good, w76, w68, sigline);
	parse_cp(buf, &cp);
	assert_string_equal(cp.signer, "admin");
	assert_int_equal(vault_audit_checkpoint_check_sig(&cp, K[ADMIN].pk),
	                 VAULT_OK);
	expect_ok(&L, buf);
	free(good);
}

static void test_audit_chain__checkpoint_make_rejects_bad_args(void **state)
{
	tlog L;
	vault_buf b = VAULT_BUF_INIT;
	const unsigned char *h;
	char up[65];
	size_t i;

	(void)state;
	build_base(&L);
	h = L.rec[0].hash;
	assert_int_equal(vault_audit_checkpoint_make(pin_hex, 0, h, "admin",
	                                             K[ADMIN].sk, K[ADMIN].pk, &b),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_checkpoint_make("abc", 1, h, "admin",
	                                             K[ADMIN].sk, K[ADMIN].pk, &b),
	                 VAULT_ERR_INVALID);
	for (i = 0; i < 65; i++)
		up[i] = (char)(pin_hex[i] >= 'a' ? pin_hex[i] - 32 : pin_hex[i]);
	assert_int_equal(vault_audit_checkpoint_make(up, 1, h, "admin", K[ADMIN].sk,
	                                             K[ADMIN].pk, &b),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_checkpoint_make(pin_hex, 1, h, "ad min",
	                                             K[ADMIN].sk, K[ADMIN].pk, &b),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_checkpoint_make(pin_hex, 1, h, "",
	                                             K[ADMIN].sk, K[ADMIN].pk, &b),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_checkpoint_make(pin_hex, 1, h, "admin",
	                                             K[ADMIN].sk, K[BOB].pk, &b),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_checkpoint_make(pin_hex, 1, NULL, "admin",
	                                             K[ADMIN].sk, K[ADMIN].pk, &b),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_checkpoint_make(pin_hex, 1, h, "admin",
	                                             K[ADMIN].sk, K[ADMIN].pk, NULL),
	                 VAULT_ERR_INVALID);
	assert_null(b.data);
	assert_int_equal(vault_audit_checkpoint_make(pin_hex, UINT64_MAX, h, "admin",
	                                             K[ADMIN].sk, K[ADMIN].pk, &b),
	                 VAULT_OK);
	{
		audit_checkpoint cp;

		parse_cp((char *)b.data, &cp);
		assert_int_equal(cp.size, UINT64_MAX);
	}
	vault_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* The verifier's own contract                                               */
/* ------------------------------------------------------------------------ */

static void test_audit_chain__verifier_checkpoint_contract(void **state)
{
	tlog L;
	audit_verifier *av = NULL;
	audit_checkpoint cp;
	vault_verify_result res;
	char *text;
	size_t i;

	(void)state;
	build_base(&L);
	text = make_cp(&L, 10, ADMIN);
	parse_cp(text, &cp);

	/* given to finish only, an older checkpoint cannot be checked */
	assert_int_equal(vault_audit_verifier_new(NULL, &av), VAULT_OK);
	for (i = 0; i < L.n; i++)
		assert_int_equal(vault_audit_verifier_push(av, &L.rec[i], &res),
		                 VAULT_OK);
	assert_int_equal(vault_audit_verifier_set_checkpoint(av, &cp),
	                 VAULT_ERR_STATE);
	assert_int_equal(vault_audit_verifier_finish(av, &cp, &res),
	                 VAULT_ERR_STATE);
	vault_audit_verifier_free(av);

	/* set first: checked on the way */
	assert_int_equal(vault_audit_verifier_new(NULL, &av), VAULT_OK);
	assert_int_equal(vault_audit_verifier_set_checkpoint(av, NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_verifier_set_checkpoint(av, &cp), VAULT_OK);
	for (i = 0; i < L.n; i++)
		assert_int_equal(vault_audit_verifier_push(av, &L.rec[i], &res),
		                 VAULT_OK);
	assert_int_equal(vault_audit_verifier_finish(av, &cp, &res), VAULT_OK);
	vault_audit_verifier_free(av);
	free(text);

	/* given to finish only, one at the log's end is checked there */
	text = make_cp(&L, 19, ADMIN);
	parse_cp(text, &cp);
	assert_int_equal(vault_audit_verifier_new(NULL, &av), VAULT_OK);
	for (i = 0; i < L.n; i++)
		assert_int_equal(vault_audit_verifier_push(av, &L.rec[i], &res),
		                 VAULT_OK);
	cp.sig[0] ^= 1;
	cp.sigs[0].sig[0] ^= 1;
	assert_int_equal(vault_audit_verifier_finish(av, &cp, &res),
	                 VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, 19);
	vault_audit_verifier_free(av);
	cp.sig[0] ^= 1;
	cp.sigs[0].sig[0] ^= 1;
	assert_int_equal(vault_audit_verifier_new(NULL, &av), VAULT_OK);
	for (i = 0; i < L.n; i++)
		assert_int_equal(vault_audit_verifier_push(av, &L.rec[i], &res),
		                 VAULT_OK);
	assert_int_equal(vault_audit_verifier_finish(av, &cp, &res), VAULT_OK);
	vault_audit_verifier_free(av);

	/* size 0 is malformed */
	cp.size = 0;
	assert_int_equal(vault_audit_verifier_new(NULL, &av), VAULT_OK);
	assert_int_equal(vault_audit_verifier_set_checkpoint(av, &cp),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_verifier_push(av, &L.rec[0], &res), VAULT_OK);
	assert_int_equal(vault_audit_verifier_finish(av, &cp, &res),
	                 VAULT_ERR_INVALID);
	vault_audit_verifier_free(av);
	free(text);
}

static void test_audit_chain__verifier_failure_is_sticky(void **state)
{
	tlog L;
	audit_verifier *av = NULL;
	vault_verify_result res;

	(void)state;
	build_base(&L);
	assert_int_equal(vault_audit_verifier_new(NULL, &av), VAULT_OK);
	assert_int_equal(vault_audit_verifier_push(av, &L.rec[0], &res), VAULT_OK);
	assert_int_equal(vault_audit_verifier_push(av, &L.rec[2], &res),
	                 VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, 2);
	/* the right entry afterwards does not mend it */
	res_init(&res);
	assert_int_equal(vault_audit_verifier_push(av, &L.rec[1], &res),
	                 VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, 2);
	assert_int_equal(vault_audit_verifier_finish(av, NULL, &res),
	                 VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, 2);
	assert_non_null(strstr(res.reason, "entry 2: sequence number is 3"));
	vault_audit_verifier_free(av);
}

static void test_audit_chain__verifier_null_arguments(void **state)
{
	tlog L;
	audit_verifier *av = NULL;
	audit_rec r;

	(void)state;
	build_base(&L);
	assert_int_equal(vault_audit_verifier_new(NULL, NULL), VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_verifier_new(NULL, &av), VAULT_OK);
	assert_int_equal(vault_audit_verifier_push(NULL, &L.rec[0], NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_verifier_push(av, NULL, NULL),
	                 VAULT_ERR_INVALID);
	r = L.rec[0];
	r.purpose = NULL;
	assert_int_equal(vault_audit_verifier_push(av, &r, NULL), VAULT_ERR_INVALID);
	/* res may be NULL */
	assert_int_equal(vault_audit_verifier_push(av, &L.rec[0], NULL), VAULT_OK);
	assert_int_equal(vault_audit_verifier_finish(NULL, NULL, NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_verifier_finish(av, NULL, NULL), VAULT_OK);
	vault_audit_verifier_free(av);
}

/* ------------------------------------------------------------------------ */
/* vault_audit_verify_export                                                 */
/* ------------------------------------------------------------------------ */

/* Base log with line `i` (0-based) of the export replaced by `line`. */
static void export_with_line(size_t i, const char *line)
{
	tlog L;
	FILE *f;
	size_t j;

	build_base(&L);
	f = fopen(tmp_path, "wb");
	assert_non_null(f);
	for (j = 0; j < L.n; j++) {
		char *l = NULL;

		assert_int_equal(vault_audit_rec_to_json(&L.rec[j], &l), VAULT_OK);
		assert_true(fputs(j == i ? line : l, f) >= 0);
		assert_true(fputc('\n', f) == '\n');
		free(l);
	}
	assert_int_equal(fclose(f), 0);
}

static void expect_export_bad(uint64_t bad_seq, const char *needle)
{
	vault_verify_result res;
	vault_status st;

	res_init(&res);
	st = vault_audit_verify_export(tmp_path, pin_hex, NULL, &res, NULL, NULL);
	if (st != VAULT_ERR_INTEGRITY || res.bad_seq != bad_seq ||
	    !strstr(res.reason, needle))
		print_error("status %d bad_seq %llu reason \"%s\"\n", st,
		            (unsigned long long)res.bad_seq, res.reason);
	assert_int_equal(st, VAULT_ERR_INTEGRITY);
	assert_int_equal(res.bad_seq, bad_seq);
	assert_int_equal(res.entries, bad_seq - 1);
	assert_non_null(strstr(res.reason, needle));
	assert_string_equal(LAST_ERROR(), res.reason);
}

static void test_audit_chain__export_bad_hex_line(void **state)
{
	char *line = line_with(4, "\"prev\":\"", "\"prev\":\"X");

	(void)state;
	export_with_line(4, line);
	expect_export_bad(5, "entry 5: prev is not 64 lower-case hex digits");
	free(line);
}

static void test_audit_chain__export_missing_field_line(void **state)
{
	char *line = line_with(2, "\"target\":\"bob\",", "");

	(void)state;
	export_with_line(2, line);
	expect_export_bad(3, "entry 3: a field is missing");
	free(line);
}

static void test_audit_chain__export_extra_field_line(void **state)
{
	char *line = line_with(7, "\"seq\":8,", "\"seq\":8,\"extra\":true,");

	(void)state;
	export_with_line(7, line);
	expect_export_bad(8, "entry 8: unknown field");
	free(line);
}

static void test_audit_chain__export_bad_ts_line(void **state)
{
	char *line = line_with(10, "Z\"", "+00:00\"");

	(void)state;
	export_with_line(10, line);
	expect_export_bad(11, "entry 11: ts is not a UTC time");
	free(line);
}

static void test_audit_chain__export_not_json_line(void **state)
{
	(void)state;
	export_with_line(0, "garbage");
	expect_export_bad(1, "entry 1: not valid JSON");
	export_with_line(6, "");
	expect_export_bad(7, "entry 7: not valid JSON");
}

static void test_audit_chain__export_line_over_the_cap(void **state)
{
	tlog L;
	FILE *f;
	size_t i;

	(void)state;
	build_base(&L);
	write_lines(&L, 3, tmp_path);
	f = fopen(tmp_path, "ab");
	assert_non_null(f);
	for (i = 0; i < 40 * 1024 * 1024 + 1; i++)
		assert_true(fputc(' ', f) == ' ');
	assert_int_equal(fclose(f), 0);
	expect_export_bad(4, "entry 4: line longer than 40 MiB");
}

static void test_audit_chain__export_last_line_without_newline(void **state)
{
	tlog L;
	vault_verify_result res;
	FILE *f;
	char *line = NULL;

	(void)state;
	build_base(&L);
	write_lines(&L, L.n - 1, tmp_path);
	f = fopen(tmp_path, "ab");
	assert_non_null(f);
	assert_int_equal(vault_audit_rec_to_json(&L.rec[L.n - 1], &line), VAULT_OK);
	assert_true(fputs(line, f) >= 0);
	free(line);
	assert_int_equal(fclose(f), 0);
	res_init(&res);
	assert_int_equal(vault_audit_verify_export(tmp_path, pin_hex, NULL, &res,
	                                           NULL, NULL),
	                 VAULT_OK);
	assert_int_equal(res.entries, BASE_N);
}

static void test_audit_chain__export_missing_file(void **state)
{
	vault_verify_result res;

	(void)state;
	res_init(&res);
	assert_int_equal(vault_audit_verify_export("/nonexistent/dir/audit.jsonl",
	                                           pin_hex, NULL, &res, NULL, NULL),
	                 VAULT_ERR_NOT_FOUND);
	assert_string_equal(LAST_ERROR(), "export file not found");
	assert_int_equal(res.bad_seq, 0);
}

static void test_audit_chain__export_bad_arguments(void **state)
{
	vault_verify_result res;
	tlog L;

	(void)state;
	build_base(&L);
	write_export(&L, tmp_path);
	res_init(&res);
	assert_int_equal(vault_audit_verify_export(tmp_path, "abcd", NULL, &res,
	                                           NULL, NULL),
	                 VAULT_ERR_INVALID);
	assert_string_equal(LAST_ERROR(), "vault id is not 64 hex digits");
	{
		char bad[66];

		strcpy(bad, pin_hex);
		bad[10] = 'g';
		assert_int_equal(vault_audit_verify_export(tmp_path, bad, NULL, &res,
		                                           NULL, NULL),
		                 VAULT_ERR_INVALID);
		strcpy(bad, pin_hex);
		strcat(bad, "0");
		assert_int_equal(vault_audit_verify_export(tmp_path, bad, NULL, &res,
		                                           NULL, NULL),
		                 VAULT_ERR_INVALID);
	}
	assert_int_equal(vault_audit_verify_export(tmp_path, NULL, NULL, &res, NULL,
	                                           NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_verify_export(NULL, pin_hex, NULL, &res, NULL,
	                                           NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_verify_export(tmp_path, pin_hex, NULL, NULL,
	                                           NULL, NULL),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault_audit_verify_export(tmp_path, pin_hex,
	                                           "not a checkpoint\n", &res,
	                                           NULL, NULL),
	                 VAULT_ERR_INVALID);
	assert_non_null(strstr(LAST_ERROR(), "checkpoint"));
	/* a directory is not an export */
	assert_int_equal(vault_audit_verify_export("/tmp", pin_hex, NULL, &res,
	                                           NULL, NULL),
	                 VAULT_ERR_IO);
}

typedef struct progress_log {
	int calls;
	uint64_t done[8], total[8];
	int stop_at; /* call number (1-based) that returns non-zero; 0: never */
} progress_log;

static int on_progress(uint64_t done, uint64_t total, void *ctx)
{
	progress_log *p = ctx;

	if (p->calls < 8) {
		p->done[p->calls] = done;
		p->total[p->calls] = total;
	}
	p->calls++;
	return p->stop_at && p->calls == p->stop_at;
}

static void test_audit_chain__export_progress_stop(void **state)
{
	tlog L;
	vault_verify_result res;
	progress_log p;

	(void)state;
	build_base(&L);
	write_export(&L, tmp_path);
	memset(&p, 0, sizeof p);
	res_init(&res);
	assert_int_equal(vault_audit_verify_export(tmp_path, pin_hex, NULL, &res,
	                                           on_progress, &p),
	                 VAULT_OK);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.done[0], BASE_N);
	assert_int_equal(p.total[0], BASE_N);

	memset(&p, 0, sizeof p);
	p.stop_at = 1;
	assert_int_equal(vault_audit_verify_export(tmp_path, pin_hex, NULL, &res,
	                                           on_progress, &p),
	                 VAULT_ERR_STATE);
	assert_string_equal(res.reason, "stopped by caller");
	assert_string_equal(LAST_ERROR(), "stopped by caller");
}

/* 5000 entries: the admin's runs of 99 unsigned entries closed by a signed
 * one; progress at 4096 and at the end. */
static void test_audit_chain__export_progress_every_4096(void **state)
{
	FILE *f;
	audit_rec r;
	unsigned char last[32];
	char vid[65];
	vault_verify_result res;
	progress_log p;
	uint64_t i;

	(void)state;
	f = fopen(tmp_path, "wb");
	assert_non_null(f);
	memset(last, 0, sizeof last);
	for (i = 1; i <= 5000; i++) {
		char *line = NULL;

		memset(&r, 0, sizeof r);
		r.seq = i;
		r.ts = T0 + (int64_t)i;
		r.actor = "admin";
		r.org = r.case_id = r.target = r.cls = r.reason = "";
		r.role = "admin";
		r.action = i == 1 ? "vault.create" : "audit.query";
		r.outcome = "ok";
		r.purpose = "audit";
		if (i == 1) {
			r.has_newkey = 1;
			memcpy(r.newkey, K[ADMIN].pk, 32);
		}
		memcpy(r.key, K[ADMIN].pk, 32);
		memcpy(r.prev, last, 32);
		assert_int_equal(vault_audit_rec_hash(&r, r.hash), VAULT_OK);
		if (i % 100 == 0 || i == 1 || i == 5000) {
			r.has_sig = 1;
			crypto_sign_detached(r.sig, NULL, r.hash, 32, K[ADMIN].sk);
		}
		if (i == 1)
			hex(vid, r.hash, 32);
		memcpy(last, r.hash, 32);
		assert_int_equal(vault_audit_rec_to_json(&r, &line), VAULT_OK);
		assert_true(fputs(line, f) >= 0);
		assert_true(fputc('\n', f) == '\n');
		free(line);
	}
	assert_int_equal(fclose(f), 0);
	memset(&p, 0, sizeof p);
	res_init(&res);
	assert_int_equal(vault_audit_verify_export(tmp_path, vid, NULL, &res,
	                                           on_progress, &p),
	                 VAULT_OK);
	assert_int_equal(res.entries, 5000);
	assert_int_equal(p.calls, 2);
	assert_int_equal(p.done[0], 4096);
	assert_int_equal(p.total[0], 0);
	assert_int_equal(p.done[1], 5000);
	assert_int_equal(p.total[1], 5000);
	/* stopped at 4096 */
	memset(&p, 0, sizeof p);
	p.stop_at = 1;
	assert_int_equal(vault_audit_verify_export(tmp_path, vid, NULL, &res,
	                                           on_progress, &p),
	                 VAULT_ERR_STATE);
	assert_int_equal(res.entries, 4096);
	assert_int_equal(res.bad_seq, 0);
}

/* ------------------------------------------------------------------------ */

#ifdef AUDIT_CHAIN_STANDALONE
/* Stand-ins for lib/error.c and lib/buf.c, only when this file is built
 * with the audit format's files alone. */
void vault__set_last_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

void vault__set_last_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(stub_last_error, sizeof stub_last_error, fmt, ap);
	va_end(ap);
}

void vault_buf_free(vault_buf *buf)
{
	if (!buf)
		return;
	if (buf->data)
		sodium_free(buf->data); /* as lib/crypto.c: it wipes */
	buf->data = NULL;
	buf->len = 0;
}
#endif

#define T(name)                                                                \
	cmocka_unit_test_setup_teardown(test_audit_chain__##name, setup, teardown)

/* ---- 1.1.0: tree checkpoints, signed-note rules ------------------------------ */

/* A tree checkpoint of L at `size` signed by `who`. */
static char *make_tree_cp(const tlog *L, uint64_t size, int who)
{
	char vid[65];
	vault_buf b = VAULT_BUF_INIT;
	tlog_frontier f;
	unsigned char leaf[TLOG_HASH], stored[TLOG_MAX_LEVELS][TLOG_HASH], root[TLOG_HASH];
	uint64_t i;
	int ns;
	char *s;

	vault__tlog_frontier_init(&f);
	for (i = 0; i < size; i++) {
		vault__tlog_leaf_hash(L->rec[i].hash, 32, leaf);
		assert_int_equal(vault__tlog_frontier_append(&f, leaf, stored, &ns), 0);
	}
	vault__tlog_frontier_root(&f, root);
	hex(vid, L->rec[0].hash, 32);
	assert_int_equal(vault_audit_checkpoint_make_tree(vid, size, root, names[who],
	                                                  K[who].sk, K[who].pk, &b),
	                 VAULT_OK);
	s = strdup((char *)b.data);
	assert_non_null(s);
	vault_buf_free(&b);
	return s;
}

static void test_audit_chain__tree_checkpoint_verifies_offline(void **state)
{
	tlog L;
	char *text, *bad;
	audit_checkpoint cp;
	uint64_t n;

	(void)state;
	build_base(&L);
	for (n = 1; n <= L.n; n++) {
		text = make_tree_cp(&L, n, ADMIN);
		parse_cp(text, &cp);
		assert_int_equal(cp.kind, AUDIT_CP_TREE);
		expect_ok(&L, text);
		free(text);
	}
	/* the chain head where a tree root belongs: the kind is in the origin,
	 * so it is checked as a root, and fails */
	text = make_cp(&L, 17, ADMIN);
	bad = malloc(strlen(text) + 8);
	assert_non_null(bad);
	parse_cp(text, &cp);
	free(text);
	text = make_tree_cp(&L, 17, ADMIN);
	{
		audit_checkpoint t;

		parse_cp(text, &t);
		assert_memory_not_equal(t.head, cp.head, 32);
	}
	free(bad);
	/* a root of another log of the same size */
	L.rec[4].ts++;
	assert_int_equal(vault_audit_rec_hash(&L.rec[4], L.rec[4].hash), VAULT_OK);
	bad = make_tree_cp(&L, 17, ADMIN);
	build_base(&L);
	expect_bad(&L, bad, 17, "differs from the checkpoint's root");
	free(bad);
	free(text);
}

/* Signature lines by keys the verifier does not know are skipped, wherever
 * they stand and whatever their (legal) name; the log's own must verify. */
static void test_audit_chain__unknown_signers_first_and_any_legal_name(void **state)
{
	tlog L;
	char *text, *buf, *sig;
	audit_checkpoint cp;
	size_t n;

	(void)state;
	build_base(&L);
	text = make_tree_cp(&L, 17, ADMIN);
	n = strlen(text);
	buf = malloc(n + 256);
	assert_non_null(buf);
	sig = strstr(text, "\n\n") + 2;
	memcpy(buf, text, (size_t)(sig - text));
	buf[sig - text] = '\0';
	/* a witness with a non-ASCII name, and one named like a user of the
	 * log ("bob") but with another key id, before the log's signature */
	strcat(buf, "\xe2\x80\x94 t\xc3\xa9moin.example/w AAAAAQID\n");
	{
		unsigned char zero[68] = {0};
		char b64[sodium_base64_ENCODED_LEN(68, sodium_base64_VARIANT_ORIGINAL)];

		sodium_bin2base64(b64, sizeof b64, zero, 68, sodium_base64_VARIANT_ORIGINAL);
		strcat(buf, "\xe2\x80\x94 bob ");
		strcat(buf, b64);
		strcat(buf, "\n");
	}
	strcat(buf, sig);
	parse_cp(buf, &cp);
	assert_int_equal(cp.nsigs, 3);
	assert_string_equal(cp.sigs[0].name, "t\xc3\xa9moin.example/w");
	assert_string_equal(cp.signer, "bob");
	expect_ok(&L, buf);
	free(buf);
	free(text);
}

static void test_audit_chain__note_key_names(void **state)
{
	(void)state;
	assert_true(vault_audit_note_name_ok("admin", 5));
	assert_true(vault_audit_note_name_ok("sum.golang.org", 14));
	assert_true(vault_audit_note_name_ok("t\xc3\xa9moin", 7));
	assert_false(vault_audit_note_name_ok("", 0));
	assert_false(vault_audit_note_name_ok("a+b", 3));
	assert_false(vault_audit_note_name_ok("a b", 3));
	assert_false(vault_audit_note_name_ok("a\xc2\xa0" "b", 4));     /* NBSP */
	assert_false(vault_audit_note_name_ok("a\xe3\x80\x80" "b", 5)); /* ideographic space */
	assert_false(vault_audit_note_name_ok("a\xff", 2));             /* not UTF-8 */
	assert_false(vault_audit_note_name_ok("\xc0\xaf", 2));          /* overlong */
}

static void test_audit_chain__cosignature_line(void **state)
{
	tlog L;
	char *text;
	audit_checkpoint cp, again;
	vault_buf b = VAULT_BUF_INIT, b2 = VAULT_BUF_INIT;
	char why[128];

	(void)state;
	build_base(&L);
	text = make_tree_cp(&L, 17, ADMIN);
	parse_cp(text, &cp);
	assert_int_equal(vault_audit_checkpoint_add_sig(&cp, text, strlen(text), "witness/1",
	                                                K[MALLORY].sk, K[MALLORY].pk, &b),
	                 VAULT_OK);
	assert_int_equal(vault_audit_checkpoint_parse((char *)b.data, b.len, &again, why,
	                                              sizeof why), VAULT_OK);
	assert_int_equal(again.nsigs, 2);
	assert_int_equal(vault_audit_checkpoint_signed_by(&again, "witness/1", K[MALLORY].pk), 1);
	assert_int_equal(vault_audit_checkpoint_signed_by(&again, "admin", K[ADMIN].pk), 1);
	assert_int_equal(vault_audit_checkpoint_signed_by(&again, "admin", K[BOB].pk), 0);
	assert_int_equal(vault_audit_checkpoint_add_sig(&again, (char *)b.data, b.len,
	                                                "witness/1", K[MALLORY].sk,
	                                                K[MALLORY].pk, &b2),
	                 VAULT_ERR_EXISTS);
	/* the log still verifies against it: the witness is not in the chain */
	expect_ok(&L, (char *)b.data);
	/* a bad name is refused */
	assert_int_equal(vault_audit_checkpoint_add_sig(&cp, text, strlen(text), "a b",
	                                                K[MALLORY].sk, K[MALLORY].pk, &b2),
	                 VAULT_ERR_INVALID);
	vault_buf_free(&b);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(hash_matches_documented_encoding),
		T(hash_rejects_field_over_65535),
		T(hash_covers_every_field),
		T(json_round_trip),
		T(json_field_order_and_form),
		T(json_ts_edges),
		T(json_refuses_unencodable_entry),
		T(json_rejects_bad_hex),
		T(json_rejects_missing_field),
		T(json_rejects_extra_field),
		T(json_rejects_bad_ts),
		T(json_rejects_wrong_types),
		T(json_rejects_not_an_entry),
		T(json_rejects_field_over_65535),
		T(valid_log_verifies),
		T(valid_log_verifies_in_memory),
		T(pin_accepts_upper_case),
		T(tamper_any_field_of_any_entry),
		T(tamper_outcome),
		T(tamper_actor),
		T(tamper_case_and_class),
		T(tamper_ts),
		T(tamper_high_flag),
		T(tamper_signature),
		T(tamper_rehashed_signed_entry),
		T(tamper_rehashed_unsigned_entry),
		T(tamper_delete_entry),
		T(tamper_insert_forged_by_attacker),
		T(tamper_splice_own_key_in_middle),
		T(tamper_swap_entries),
		T(tamper_duplicate_entry),
		T(tamper_replace_user_key),
		T(tamper_vault_create_key),
		T(wrong_pinned_vault_id),
		T(unsigned_tail),
		T(run_closed_by_another_key),
		T(disabled_user_cannot_sign),
		T(user_added_twice),
		T(user_add_without_target),
		T(disable_unknown_user),
		T(unknown_actor),
		T(second_vault_create),
		T(entry1_rules),
		T(empty_log),
		T(cut_tail_passes_without_checkpoint),
		T(cut_tail_fails_with_checkpoint),
		T(checkpoint_round_trip),
		T(checkpoint_forged_signature),
		T(checkpoint_wrong_keyid),
		T(checkpoint_signed_by_attacker),
		T(checkpoint_signer_disabled),
		T(checkpoint_of_another_vault),
		T(fork_after_checkpoint),
		T(fork_at_checkpoint_entry),
		T(checkpoint_parse_rejects_malformed),
		T(checkpoint_parse_ignores_foreign_signatures),
		T(checkpoint_make_rejects_bad_args),
		T(tree_checkpoint_verifies_offline),
		T(unknown_signers_first_and_any_legal_name),
		T(note_key_names),
		T(cosignature_line),
		T(verifier_checkpoint_contract),
		T(verifier_failure_is_sticky),
		T(verifier_null_arguments),
		T(export_bad_hex_line),
		T(export_missing_field_line),
		T(export_extra_field_line),
		T(export_bad_ts_line),
		T(export_not_json_line),
		T(export_line_over_the_cap),
		T(export_last_line_without_newline),
		T(export_missing_file),
		T(export_bad_arguments),
		T(export_progress_stop),
		T(export_progress_every_4096),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
