/*
 * audit_chain.c - the audit log's format: entry hash, chain verification,
 * JSON Lines export, C2SP checkpoints, and the offline export verifier.
 *
 * Everything here works on bytes handed in by the caller: an export file or a
 * checkpoint may come from an attacker, so every length is checked before it
 * is used and libsodium is only called with arguments it cannot abort on.
 */
#include "audit_chain.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

/* Defined in lib/error.c (declared in internal.h, which this file does not
 * include so that it builds without SQLite): the thread-local message of
 * handle-less calls. */
extern void vault__set_last_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#define FIELD_MAX 65535u              /* longest text field the encoding takes */
#define LINE_MAX_BYTES (1024u * 1024u) /* longest export line */
#define PROGRESS_EVERY 4096u
#define NOTE_MAX 16384u               /* longest checkpoint text */
#define NOTE_SIG_B64_MAX 1024         /* base64 of a foreign signature */
#define ORIGIN_PREFIX "libvault/"
#define EM_DASH "\xe2\x80\x94"        /* U+2014, starts a signature line */

/* Earliest and latest times RFC 3339 can write with a four-digit year:
 * 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define TS_MIN INT64_C(-62167219200)
#define TS_MAX INT64_C(253402300799)

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------ */

static void put_u32(unsigned char b[4], uint32_t v)
{
	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
}

static void put_u64(unsigned char b[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		b[i] = (unsigned char)v;
		v >>= 8;
	}
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lower-case only: the export writes lower case, and one spelling per value
 * keeps the format canonical. */
static int hex_decode_lower(const char *hex, size_t hexlen, unsigned char *out,
                            size_t outlen)
{
	size_t i;

	if (hexlen != outlen * 2)
		return -1;
	for (i = 0; i < outlen; i++) {
		int hi = hex_nibble(hex[2 * i]);
		int lo = hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* An id typed by an auditor may be upper case; accept both there only. */
static int hex_decode_any(const char *hex, unsigned char *out, size_t outlen)
{
	size_t i, n = strlen(hex);

	if (n != outlen * 2)
		return -1;
	for (i = 0; i < n; i++) {
		char c = hex[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return -1;
	}
	if (sodium_hex2bin(out, outlen, hex, n, NULL, NULL, NULL) != 0)
		return -1;
	return 0;
}

static void hex_encode(char *out, const unsigned char *bin, size_t binlen)
{
	static const char xd[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < binlen; i++) {
		out[2 * i] = xd[bin[i] >> 4];
		out[2 * i + 1] = xd[bin[i] & 15];
	}
	out[2 * binlen] = '\0';
}

static int is_zero(const unsigned char *b, size_t n)
{
	return sodium_is_zero(b, n);
}

/* The vault's rule for user and organisation names (vault.h). */
static int valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > VAULT_NAME_MAX || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static void set_why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* Timestamps: RFC 3339 UTC, whole seconds                                   */
/* ------------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm): exact for every year, independent of time_t and the TZ. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put_digits(char *out, unsigned v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* out holds 21 bytes. */
static int ts_format(int64_t ts, char out[21])
{
	int64_t days, secs, y;
	unsigned m, d;

	if (ts < TS_MIN || ts > TS_MAX)
		return -1;
	days = ts / 86400;
	secs = ts % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	/* digit by digit: the ranges are known, and snprintf's are not */
	put_digits(out, (unsigned)y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, (unsigned)(secs / 3600), 2);
	out[13] = ':';
	put_digits(out + 14, (unsigned)(secs / 60 % 60), 2);
	out[16] = ':';
	put_digits(out + 17, (unsigned)(secs % 60), 2);
	out[19] = 'Z';
	out[20] = '\0';
	return 0;
}

static int digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Only the exact form ts_format writes, so that a time has one spelling. */
static int ts_parse(const char *s, size_t n, int64_t *out)
{
	static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30,
	                                   31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, se, dim;

	if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59)
		return -1;
	dim = mdays[mo - 1];
	if (mo == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		dim = 29;
	if (d < 1 || d > dim)
		return -1;
	*out = days_from_civil((int64_t)y, mo, d) * 86400 +
	       (int64_t)(h * 3600 + mi * 60 + se);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry hash                                                                */
/* ------------------------------------------------------------------------ */

static const char *rec_text(const audit_rec *r, int i)
{
	switch (i) {
	case 0: return r->actor;
	case 1: return r->org;
	case 2: return r->role;
	case 3: return r->action;
	case 4: return r->case_id;
	case 5: return r->target;
	case 6: return r->cls;
	case 7: return r->outcome;
	case 8: return r->reason;
	default: return r->purpose;
	}
}

#define REC_TEXT_FIELDS 10

vault_status vault_audit_rec_hash(const audit_rec *r,
                                  unsigned char out[AUDIT_HASH_BYTES])
{
	crypto_generichash_state st;
	unsigned char b[8];
	int i;

	if (!r || !out)
		return VAULT_ERR_INVALID;
	for (i = 0; i < REC_TEXT_FIELDS; i++) {
		const char *s = rec_text(r, i);

		if (!s || strlen(s) > FIELD_MAX)
			return VAULT_ERR_INVALID;
	}
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;

	/* Each field is length-prefixed and the domain string ends in a NUL,
	 * so no two different entries share an encoding. */
	crypto_generichash_init(&st, NULL, 0, AUDIT_HASH_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)AUDIT_DOMAIN,
	                          sizeof AUDIT_DOMAIN); /* with its NUL */
	crypto_generichash_update(&st, r->prev, AUDIT_HASH_BYTES);
	put_u64(b, r->seq);
	crypto_generichash_update(&st, b, 8);
	put_u64(b, (uint64_t)r->ts); /* two's complement */
	crypto_generichash_update(&st, b, 8);
	for (i = 0; i < REC_TEXT_FIELDS; i++) {
		const char *s = rec_text(r, i);
		size_t n = strlen(s);

		put_u32(b, (uint32_t)n);
		crypto_generichash_update(&st, b, 4);
		crypto_generichash_update(&st, (const unsigned char *)s, n);
	}
	put_u32(b, r->has_newkey ? AUDIT_KEY_BYTES : 0);
	crypto_generichash_update(&st, b, 4);
	if (r->has_newkey)
		crypto_generichash_update(&st, r->newkey, AUDIT_KEY_BYTES);
	b[0] = r->high ? 1 : 0;
	crypto_generichash_update(&st, b, 1);
	crypto_generichash_update(&st, r->key, AUDIT_KEY_BYTES);
	crypto_generichash_final(&st, out, AUDIT_HASH_BYTES);
	return VAULT_OK;
}

/* ------------------------------------------------------------------------ */
/* C2SP key id                                                               */
/* ------------------------------------------------------------------------ */

/* First 4 bytes of SHA-256(name || 0x0A || 0x01 || pk), 0x01 being the
 * signed-note algorithm byte of Ed25519. */
void vault_audit_note_keyid(const char *name, const unsigned char pk[32],
                            unsigned char id[4])
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	static const unsigned char sep[2] = {0x0A, 0x01};

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name));
	crypto_hash_sha256_update(&st, sep, 2);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	memcpy(id, h, 4);
}

/* ------------------------------------------------------------------------ */
/* Verifier                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct chain_user {
	char *name; /* NULL: empty slot */
	unsigned char key[AUDIT_KEY_BYTES];
	uint64_t disabled_at; /* 0: active */
} chain_user;

struct audit_verifier {
	int pinned;
	unsigned char pin[AUDIT_HASH_BYTES];
	unsigned char vault_id[AUDIT_HASH_BYTES]; /* hash of entry 1 */
	unsigned char last[AUDIT_HASH_BYTES];
	uint64_t entries;

	/* a run of unsigned entries waiting for a signature by one key */
	int pending;
	uint64_t pending_start;
	unsigned char pending_key[AUDIT_KEY_BYTES];

	/* users the chain introduced, open addressing; the hash is keyed with
	 * a random key so that a hostile export cannot make lookups collide */
	chain_user *users;
	size_t cap, count;
	unsigned char sipkey[crypto_shorthash_KEYBYTES];

	int have_cp, cp_done;
	audit_checkpoint cp;

	/* the RFC 6962 tree of the entries so far, and what the last one stored */
	tlog_frontier tree;
	unsigned char stored[TLOG_MAX_LEVELS][TLOG_HASH];
	int nstored;

	int finished;
	vault_status failed; /* sticky: once broken, always broken */
	vault_verify_result res;
};

static void copy_res(const audit_verifier *av, vault_verify_result *res)
{
	if (!res)
		return;
	res->entries = av->res.entries;
	res->bad_seq = av->res.bad_seq;
	memcpy(res->reason, av->res.reason, sizeof res->reason);
}

static vault_status fail(audit_verifier *av, vault_verify_result *res,
                         vault_status st, uint64_t bad_seq, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Entries before bad_seq are the ones verified. */
static vault_status fail(audit_verifier *av, vault_verify_result *res,
                         vault_status st, uint64_t bad_seq, const char *fmt, ...)
{
	va_list ap;

	av->failed = st;
	av->res.bad_seq = bad_seq;
	av->res.entries = bad_seq ? bad_seq - 1 : av->entries;
	va_start(ap, fmt);
	vsnprintf(av->res.reason, sizeof av->res.reason, fmt, ap);
	va_end(ap);
	copy_res(av, res);
	return st;
}

static size_t user_slot(const audit_verifier *av, const char *name)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	size_t i;

	crypto_shorthash(h, (const unsigned char *)name, strlen(name), av->sipkey);
	for (i = 0; i < sizeof h; i++)
		v = v << 8 | h[i];
	return (size_t)(v & (av->cap - 1));
}

static chain_user *user_find(const audit_verifier *av, const char *name)
{
	size_t i;

	if (av->cap == 0)
		return NULL;
	for (i = user_slot(av, name);; i = (i + 1) & (av->cap - 1)) {
		if (!av->users[i].name)
			return NULL;
		if (strcmp(av->users[i].name, name) == 0)
			return &av->users[i];
	}
}

static int user_grow(audit_verifier *av)
{
	size_t ncap = av->cap ? av->cap * 2 : 16, i;
	chain_user *old = av->users, *nu;
	size_t ocap = av->cap;

	if (ncap > SIZE_MAX / sizeof *nu)
		return -1;
	nu = calloc(ncap, sizeof *nu);
	if (!nu)
		return -1;
	av->users = nu;
	av->cap = ncap;
	for (i = 0; i < ocap; i++) {
		size_t j;

		if (!old[i].name)
			continue;
		for (j = user_slot(av, old[i].name); nu[j].name;
		     j = (j + 1) & (ncap - 1))
			;
		nu[j] = old[i];
	}
	free(old);
	return 0;
}

/* Caller has checked the name is not there yet. */
static int user_add(audit_verifier *av, const char *name,
                    const unsigned char key[AUDIT_KEY_BYTES])
{
	size_t j;
	char *copy;

	if ((av->count + 1) * 2 > av->cap && user_grow(av) != 0)
		return -1;
	copy = strdup(name);
	if (!copy)
		return -1;
	for (j = user_slot(av, name); av->users[j].name;
	     j = (j + 1) & (av->cap - 1))
		;
	av->users[j].name = copy;
	memcpy(av->users[j].key, key, AUDIT_KEY_BYTES);
	av->users[j].disabled_at = 0;
	av->count++;
	return 0;
}

vault_status vault_audit_verifier_new(const unsigned char *vault_id,
                                      audit_verifier **out)
{
	audit_verifier *av;

	if (!out)
		return VAULT_ERR_INVALID;
	*out = NULL;
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;
	av = calloc(1, sizeof *av);
	if (!av)
		return VAULT_ERR_NOMEM;
	if (vault_id) {
		av->pinned = 1;
		memcpy(av->pin, vault_id, AUDIT_HASH_BYTES);
	}
	randombytes_buf(av->sipkey, sizeof av->sipkey);
	*out = av;
	return VAULT_OK;
}

void vault_audit_verifier_free(audit_verifier *av)
{
	size_t i;

	if (!av)
		return;
	for (i = 0; i < av->cap; i++)
		free(av->users[i].name);
	free(av->users);
	free(av);
}

void vault_audit_verifier_stored(const audit_verifier *av,
                                 const unsigned char **hashes, size_t *len)
{
	*hashes = av->stored[0];
	*len = av->entries ? (size_t)av->nstored * TLOG_HASH : 0;
}

void vault_audit_verifier_root(const audit_verifier *av,
                               unsigned char root[TLOG_HASH])
{
	vault__tlog_frontier_root(&av->tree, root);
}

static int cp_well_formed(const audit_checkpoint *cp)
{
	return cp->size > 0 && cp->nsigs >= 0 && cp->nsigs <= NOTE_SIGS_MAX &&
	       cp->kind >= 0 && cp->kind <= AUDIT_CP_TREE &&
	       memchr(cp->origin, '\0', sizeof cp->origin) &&
	       memchr(cp->signer, '\0', sizeof cp->signer) &&
	       cp->body_len <= sizeof cp->body;
}

vault_status vault_audit_verifier_set_checkpoint(audit_verifier *av,
                                                 const audit_checkpoint *cp)
{
	if (!av || !cp || !cp_well_formed(cp))
		return VAULT_ERR_INVALID;
	if (av->entries > 0 || av->failed || av->finished)
		return VAULT_ERR_STATE;
	av->cp = *cp;
	av->have_cp = 1;
	av->cp_done = 0;
	return VAULT_OK;
}

static vault_status check_origin(audit_verifier *av, const audit_checkpoint *cp,
                                 vault_verify_result *res)
{
	char want[sizeof ORIGIN_PREFIX + 2 * AUDIT_HASH_BYTES +
	          sizeof AUDIT_CP_TREE_SUFFIX];

	memcpy(want, ORIGIN_PREFIX, sizeof ORIGIN_PREFIX - 1);
	hex_encode(want + sizeof ORIGIN_PREFIX - 1, av->vault_id, AUDIT_HASH_BYTES);
	if (cp->kind == AUDIT_CP_TREE)
		strcat(want, AUDIT_CP_TREE_SUFFIX);
	if (cp->kind == 0 || strcmp(cp->origin, want) != 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, 1,
		            "checkpoint origin is not this vault (entry 1 differs)");
	return VAULT_OK;
}

/* Called at entry cp->size with its hash, the tree and the key history as
 * of then.  Signatures by keys the chain does not hold (witnesses, other
 * logs, keys replaced since) are ignored, as signed-note verifiers do; one
 * signature by a user the chain knows must verify, and a signature by such
 * a user that does not verify is a forgery. */
static vault_status check_cp_at(audit_verifier *av, const audit_checkpoint *cp,
                                const unsigned char hash[AUDIT_HASH_BYTES],
                                vault_verify_result *res)
{
	unsigned long long n = (unsigned long long)cp->size;
	const char *disabled = NULL;
	uint64_t disabled_at = 0;
	int i, good = 0;

	if (cp->kind == AUDIT_CP_TREE) {
		unsigned char root[TLOG_HASH];

		vault__tlog_frontier_root(&av->tree, root);
		if (av->tree.size != cp->size ||
		    memcmp(root, cp->head, TLOG_HASH) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, cp->size,
			            "the tree of entries 1..%llu differs from the "
			            "checkpoint's root (the log was forked or "
			            "rewritten)", n);
	} else if (sodium_memcmp(hash, cp->head, AUDIT_HASH_BYTES) != 0) {
		return fail(av, res, VAULT_ERR_INTEGRITY, cp->size,
		            "entry %llu differs from the checkpoint head "
		            "(the log was forked or rewritten)", n);
	}
	for (i = 0; i < cp->nsigs; i++) {
		const audit_note_sig *s = &cp->sigs[i];
		const chain_user *u;
		unsigned char id[4];

		if (!s->ed25519 || !valid_name(s->name, strlen(s->name)))
			continue;
		u = user_find(av, s->name);
		if (!u)
			continue;
		vault_audit_note_keyid(s->name, u->key, id);
		if (memcmp(id, s->keyid, 4) != 0)
			continue;
		if (crypto_sign_verify_detached(s->sig, (const unsigned char *)cp->body,
		                                cp->body_len, u->key) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, cp->size,
			            "checkpoint signature by \"%s\" does not verify "
			            "with the key the chain holds for \"%s\"", s->name,
			            s->name);
		if (u->disabled_at) {
			disabled = s->name;
			disabled_at = u->disabled_at;
			continue;
		}
		good++;
	}
	if (good == 0 && disabled)
		return fail(av, res, VAULT_ERR_INTEGRITY, cp->size,
		            "checkpoint signature: signer \"%s\" was disabled at "
		            "entry %llu", disabled, (unsigned long long)disabled_at);
	if (good == 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, cp->size,
		            "checkpoint has no signature by a key the chain holds "
		            "at entry %llu", n);
	return VAULT_OK;
}

static int rec_fields_present(const audit_rec *r)
{
	int i;

	for (i = 0; i < REC_TEXT_FIELDS; i++)
		if (!rec_text(r, i))
			return 0;
	return 1;
}

vault_status vault_audit_verifier_push(audit_verifier *av, const audit_rec *r,
                                       vault_verify_result *res)
{
	unsigned char h[AUDIT_HASH_BYTES];
	unsigned long long n;
	chain_user *u;
	vault_status st;

	if (!av || !r || !rec_fields_present(r))
		return VAULT_ERR_INVALID;
	if (av->failed) {
		copy_res(av, res);
		return av->failed;
	}
	if (av->finished)
		return VAULT_ERR_STATE;
	n = (unsigned long long)av->entries + 1;

	if (r->seq != n)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: sequence number is %llu (an entry is "
		            "missing, duplicated or out of order)",
		            n, (unsigned long long)r->seq);
	st = vault_audit_rec_hash(r, h);
	if (st == VAULT_ERR_NOCRYPTO)
		return fail(av, res, st, 0, "libsodium could not be initialised");
	if (st != VAULT_OK)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: a field is too long to encode", n);
	if (sodium_memcmp(h, r->hash, AUDIT_HASH_BYTES) != 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: hash does not match its fields", n);
	if (n == 1 && !is_zero(r->prev, AUDIT_HASH_BYTES))
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry 1: prev is not all zero");
	if (n > 1 && sodium_memcmp(r->prev, av->last, AUDIT_HASH_BYTES) != 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: prev is not the hash of entry %llu", n,
		            n - 1);
	/* A run of unsigned entries must be closed by its own key: another
	 * key in between means nobody vouched for the run. */
	if (av->pending &&
	    sodium_memcmp(av->pending_key, r->key, AUDIT_KEY_BYTES) != 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, av->pending_start,
		            "entry %llu: not signed, and no signature by its "
		            "key covers it (entry %llu is by another key)",
		            (unsigned long long)av->pending_start, n);

	if (n == 1) {
		if (strcmp(r->action, "vault.create") != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, 1,
			            "entry 1 is not vault.create");
		if (!r->has_newkey ||
		    sodium_memcmp(r->key, r->newkey, AUDIT_KEY_BYTES) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, 1,
			            "entry 1 does not introduce its signer's key");
		if (r->actor[0] == '\0')
			return fail(av, res, VAULT_ERR_INTEGRITY, 1,
			            "entry 1 has no actor");
		if (av->pinned &&
		    sodium_memcmp(h, av->pin, AUDIT_HASH_BYTES) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, 1,
			            "entry 1 is not the pinned vault id");
		memcpy(av->vault_id, h, AUDIT_HASH_BYTES);
		if (user_add(av, r->actor, r->key) != 0)
			return fail(av, res, VAULT_ERR_NOMEM, 0, "out of memory");
		if (av->have_cp && (st = check_origin(av, &av->cp, res)) != VAULT_OK)
			return st;
	} else if (strcmp(r->action, "vault.create") == 0) {
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: vault.create after entry 1", n);
	}

	u = user_find(av, r->actor);
	if (!u || sodium_memcmp(u->key, r->key, AUDIT_KEY_BYTES) != 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: signer key is not the actor's key in "
		            "the chain", n);
	if (u->disabled_at)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: the actor was disabled at entry %llu",
		            n, (unsigned long long)u->disabled_at);

	if (r->has_sig) {
		if (crypto_sign_verify_detached(r->sig, h, AUDIT_HASH_BYTES,
		                                r->key) != 0) {
			if (av->pending)
				return fail(av, res, VAULT_ERR_INTEGRITY, n,
				            "entry %llu: signature does not verify "
				            "(entries %llu..%llu it covers are not "
				            "verified either)", n,
				            (unsigned long long)av->pending_start,
				            n - 1);
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: signature does not verify", n);
		}
		av->pending = 0;
	} else if (!av->pending) {
		av->pending = 1;
		av->pending_start = n;
		memcpy(av->pending_key, r->key, AUDIT_KEY_BYTES);
	}

	/* The key history: only what an "ok" entry did changes it. */
	if (strcmp(r->outcome, "ok") == 0 && strcmp(r->action, "user.add") == 0 &&
	    r->has_newkey) {
		if (r->target[0] == '\0')
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: user.add without a target", n);
		if (user_find(av, r->target))
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: user.add of a user already in "
			            "the chain", n);
		if (user_add(av, r->target, r->newkey) != 0)
			return fail(av, res, VAULT_ERR_NOMEM, 0, "out of memory");
	} else if (strcmp(r->outcome, "ok") == 0 && strcmp(r->action, "user.rekey") == 0 &&
	           r->has_newkey) {
		/* A user replaces their own key: the entry is signed with the
		 * old one (checked above), and must carry that signature itself,
		 * so no later entry under the new key can stand in for it. */
		chain_user *t = user_find(av, r->actor);

		if (strcmp(r->target, r->actor) != 0 || !r->has_sig || !t)
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: user.rekey must be the actor's own, "
			            "signed with the old key", n);
		memcpy(t->key, r->newkey, AUDIT_KEY_BYTES);
	} else if (strcmp(r->outcome, "ok") == 0 &&
	           strcmp(r->action, "user.disable") == 0) {
		chain_user *t = user_find(av, r->target);

		if (!t)
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: user.disable of a user the "
			            "chain does not know", n);
		if (!t->disabled_at)
			t->disabled_at = n;
	}

	memcpy(av->last, h, AUDIT_HASH_BYTES);
	av->entries = n;
	{
		unsigned char leaf[TLOG_HASH];

		vault__tlog_leaf_hash(h, AUDIT_HASH_BYTES, leaf);
		if (vault__tlog_frontier_append(&av->tree, leaf, av->stored,
		                                &av->nstored) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: the tree is full", n);
	}

	if (av->have_cp && !av->cp_done && av->cp.size == n) {
		if ((st = check_cp_at(av, &av->cp, h, res)) != VAULT_OK)
			return st;
		av->cp_done = 1;
	}
	av->res.entries = n;
	copy_res(av, res);
	return VAULT_OK;
}

/* Checkpoints are public: memcmp is fine. */
static int same_cp(const audit_checkpoint *a, const audit_checkpoint *b)
{
	return a->size == b->size && a->kind == b->kind &&
	       a->nsigs == b->nsigs && strcmp(a->origin, b->origin) == 0 &&
	       strcmp(a->signer, b->signer) == 0 &&
	       memcmp(a->head, b->head, sizeof a->head) == 0 &&
	       memcmp(a->keyid, b->keyid, sizeof a->keyid) == 0 &&
	       memcmp(a->sig, b->sig, sizeof a->sig) == 0 &&
	       a->body_len == b->body_len &&
	       memcmp(a->body, b->body, a->body_len) == 0;
}

vault_status vault_audit_verifier_finish(audit_verifier *av,
                                         const audit_checkpoint *cp,
                                         vault_verify_result *res)
{
	const audit_checkpoint *c;
	int seen;
	vault_status st;

	if (!av)
		return VAULT_ERR_INVALID;
	if (av->failed) {
		copy_res(av, res);
		return av->failed;
	}
	if (av->finished)
		return VAULT_ERR_STATE;
	if (cp && !cp_well_formed(cp))
		return VAULT_ERR_INVALID;
	if (av->entries == 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, 1, "the log is empty");
	if (av->pending)
		return fail(av, res, VAULT_ERR_INTEGRITY, av->pending_start,
		            "entry %llu: entries at the end are not signed "
		            "(%llu..%llu)", (unsigned long long)av->pending_start,
		            (unsigned long long)av->pending_start,
		            (unsigned long long)av->entries);

	seen = av->have_cp && (!cp || same_cp(cp, &av->cp));
	c = cp ? cp : (av->have_cp ? &av->cp : NULL);
	if (c) {
		if ((st = check_origin(av, c, res)) != VAULT_OK)
			return st;
		if (c->size > av->entries)
			return fail(av, res, VAULT_ERR_INTEGRITY, av->entries + 1,
			            "log is shorter than the checkpoint (truncated "
			            "or rolled back): %llu entries, checkpoint has "
			            "%llu", (unsigned long long)av->entries,
			            (unsigned long long)c->size);
		if (!(seen && av->cp_done)) {
			if (c->size != av->entries) {
				/* Not a verification failure: the caller gave
				 * too late what was needed earlier. */
				snprintf(av->res.reason, sizeof av->res.reason,
				         "a checkpoint older than the log's end "
				         "must be set before the entries are pushed");
				av->res.bad_seq = 0;
				av->res.entries = av->entries;
				copy_res(av, res);
				return VAULT_ERR_STATE;
			}
			if ((st = check_cp_at(av, c, av->last, res)) != VAULT_OK)
				return st;
		}
	}
	av->finished = 1;
	av->res.entries = av->entries;
	av->res.bad_seq = 0;
	av->res.reason[0] = '\0';
	copy_res(av, res);
	return VAULT_OK;
}

/* ------------------------------------------------------------------------ */
/* JSON Lines                                                                */
/* ------------------------------------------------------------------------ */

static const char *const json_text_keys[REC_TEXT_FIELDS] = {
	"actor", "org", "role", "action", "case",
	"target", "class", "outcome", "reason", "purpose"};

/* json_object_set_new steals v even on failure. */
static int put(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *hex_json(const unsigned char *b, size_t n)
{
	char buf[2 * AUDIT_SIG_BYTES + 1];

	hex_encode(buf, b, n);
	return json_string(buf);
}

vault_status vault_audit_rec_to_json(const audit_rec *r, char **out)
{
	json_t *o;
	char ts[21];
	int i, bad = 0;

	if (!out)
		return VAULT_ERR_INVALID;
	*out = NULL;
	if (!r || !rec_fields_present(r) || r->seq == 0 ||
	    r->seq > (uint64_t)INT64_MAX || ts_format(r->ts, ts) != 0)
		return VAULT_ERR_INVALID;
	for (i = 0; i < REC_TEXT_FIELDS; i++)
		if (strlen(rec_text(r, i)) > FIELD_MAX)
			return VAULT_ERR_INVALID;
	o = json_object();
	if (!o)
		return VAULT_ERR_NOMEM;
	/* json_string() refuses invalid UTF-8: such an entry cannot be
	 * exported faithfully, so it is refused rather than mangled. */
	bad |= put(o, "seq", json_integer((json_int_t)r->seq));
	bad |= put(o, "ts", json_string(ts));
	for (i = 0; i < REC_TEXT_FIELDS; i++)
		bad |= put(o, json_text_keys[i], json_string(rec_text(r, i)));
	bad |= put(o, "newkey", r->has_newkey ? hex_json(r->newkey, AUDIT_KEY_BYTES)
	                                      : json_string(""));
	bad |= put(o, "high", json_boolean(r->high));
	bad |= put(o, "prev", hex_json(r->prev, AUDIT_HASH_BYTES));
	bad |= put(o, "hash", hex_json(r->hash, AUDIT_HASH_BYTES));
	bad |= put(o, "sig", r->has_sig ? hex_json(r->sig, AUDIT_SIG_BYTES)
	                                : json_string(""));
	bad |= put(o, "key", hex_json(r->key, AUDIT_KEY_BYTES));
	if (bad) {
		json_decref(o);
		return VAULT_ERR_INVALID;
	}
	*out = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(o);
	return *out ? VAULT_OK : VAULT_ERR_NOMEM;
}

#define JSON_KEYS 18

/* Fixed-length lower-case hex, or "" when optional allows it.  Returns 1
 * for a value, 0 for "", -1 for anything else. */
static int json_hex(json_t *o, const char *k, unsigned char *out, size_t n,
                    int optional)
{
	json_t *v = json_object_get(o, k);
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0)
		return optional ? 0 : -1;
	return hex_decode_lower(s, len, out, n) == 0 ? 1 : -1;
}

vault_status vault_audit_rec_from_json(const char *line, size_t len,
                                       audit_rec *r, void **store, char *why,
                                       size_t whylen)
{
	json_error_t err;
	json_t *o = NULL, *v;
	const char *key;
	char *p;
	size_t total = 0, i;
	vault_status st = VAULT_ERR_CORRUPT;
	json_int_t seq;

	if (store)
		*store = NULL;
	if (why && whylen)
		why[0] = '\0';
	if (!line || !r || !store) {
		set_why(why, whylen, "invalid argument");
		return VAULT_ERR_INVALID;
	}
	memset(r, 0, sizeof *r);
	if (len > LINE_MAX_BYTES) {
		set_why(why, whylen, "line longer than 1 MiB");
		return VAULT_ERR_CORRUPT;
	}
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (!o) {
		set_why(why, whylen, "not valid JSON (column %d): %s",
		        err.column, err.text);
		return VAULT_ERR_CORRUPT;
	}
	if (!json_is_object(o)) {
		set_why(why, whylen, "not a JSON object");
		goto done;
	}
	/* Every known key must be there, so equal counts mean no stranger. */
	json_object_foreach(o, key, v) {
		static const char *const known[JSON_KEYS] = {
			"seq", "ts", "actor", "org", "role", "action",
			"case", "target", "class", "outcome", "reason",
			"purpose", "newkey", "high", "prev", "hash", "sig",
			"key"};
		int k, found = 0;

		for (k = 0; k < JSON_KEYS; k++)
			if (strcmp(key, known[k]) == 0)
				found = 1;
		if (!found) {
			set_why(why, whylen, "unknown field");
			goto done;
		}
	}
	if (json_object_size(o) != JSON_KEYS) {
		set_why(why, whylen, "a field is missing");
		goto done;
	}

	v = json_object_get(o, "seq");
	if (!json_is_integer(v) || (seq = json_integer_value(v)) <= 0) {
		set_why(why, whylen, "seq is not a positive integer");
		goto done;
	}
	r->seq = (uint64_t)seq;
	v = json_object_get(o, "ts");
	if (!json_is_string(v) ||
	    ts_parse(json_string_value(v), json_string_length(v), &r->ts) != 0) {
		set_why(why, whylen, "ts is not a UTC time YYYY-MM-DDTHH:MM:SSZ");
		goto done;
	}
	for (i = 0; i < REC_TEXT_FIELDS; i++) {
		v = json_object_get(o, json_text_keys[i]);
		if (!json_is_string(v)) {
			set_why(why, whylen, "%s is not a string",
			        json_text_keys[i]);
			goto done;
		}
		/* jansson refuses \u0000 without JSON_ALLOW_NUL; checked again
		 * because C strings would silently cut the field there. */
		if (strlen(json_string_value(v)) != json_string_length(v) ||
		    json_string_length(v) > FIELD_MAX) {
			set_why(why, whylen, "%s is too long or holds a NUL",
			        json_text_keys[i]);
			goto done;
		}
		total += json_string_length(v) + 1;
	}
	switch (json_hex(o, "newkey", r->newkey, AUDIT_KEY_BYTES, 1)) {
	case 1: r->has_newkey = 1; break;
	case 0: r->has_newkey = 0; break;
	default:
		set_why(why, whylen, "newkey is not \"\" or 64 lower-case hex digits");
		goto done;
	}
	v = json_object_get(o, "high");
	if (!json_is_boolean(v)) {
		set_why(why, whylen, "high is not true or false");
		goto done;
	}
	r->high = json_is_true(v);
	if (json_hex(o, "prev", r->prev, AUDIT_HASH_BYTES, 0) != 1) {
		set_why(why, whylen, "prev is not 64 lower-case hex digits");
		goto done;
	}
	if (json_hex(o, "hash", r->hash, AUDIT_HASH_BYTES, 0) != 1) {
		set_why(why, whylen, "hash is not 64 lower-case hex digits");
		goto done;
	}
	switch (json_hex(o, "sig", r->sig, AUDIT_SIG_BYTES, 1)) {
	case 1: r->has_sig = 1; break;
	case 0: r->has_sig = 0; break;
	default:
		set_why(why, whylen, "sig is not \"\" or 128 lower-case hex digits");
		goto done;
	}
	if (json_hex(o, "key", r->key, AUDIT_KEY_BYTES, 0) != 1) {
		set_why(why, whylen, "key is not 64 lower-case hex digits");
		goto done;
	}

	p = malloc(total);
	if (!p) {
		set_why(why, whylen, "out of memory");
		st = VAULT_ERR_NOMEM;
		goto done;
	}
	*store = p;
	for (i = 0; i < REC_TEXT_FIELDS; i++) {
		v = json_object_get(o, json_text_keys[i]);
		memcpy(p, json_string_value(v), json_string_length(v) + 1);
		switch (i) {
		case 0: r->actor = p; break;
		case 1: r->org = p; break;
		case 2: r->role = p; break;
		case 3: r->action = p; break;
		case 4: r->case_id = p; break;
		case 5: r->target = p; break;
		case 6: r->cls = p; break;
		case 7: r->outcome = p; break;
		case 8: r->reason = p; break;
		default: r->purpose = p; break;
		}
		p += json_string_length(v) + 1;
	}
	st = VAULT_OK;
done:
	json_decref(o);
	if (st != VAULT_OK) {
		/* no half-filled entry leaks out */
		free(*store);
		*store = NULL;
		memset(r, 0, sizeof *r);
	}
	return st;
}

/* ------------------------------------------------------------------------ */
/* Checkpoints (C2SP signed note, tlog-checkpoint body)                      */
/* ------------------------------------------------------------------------ */

#define B64_HEAD_LEN 44 /* base64 of 32 bytes */
#define NOTE_SIG_BYTES (4 + AUDIT_SIG_BYTES)

/* Writes origin, size and head lines; returns the length or 0. */
static size_t cp_body(char *body, size_t cap, const char *origin, uint64_t size,
                      const unsigned char head[AUDIT_HASH_BYTES])
{
	char b64[sodium_base64_ENCODED_LEN(AUDIT_HASH_BYTES,
	                                   sodium_base64_VARIANT_ORIGINAL)];
	int n;

	sodium_bin2base64(b64, sizeof b64, head, AUDIT_HASH_BYTES,
	                  sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(body, cap, "%s\n%llu\n%s\n", origin,
	             (unsigned long long)size, b64);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

/* body "\n" "— " name " " base64(keyid || sig) "\n", appended to *text. */
static size_t sig_line(char *out, size_t cap, const char *name,
                       const char *body, size_t blen,
                       const unsigned char sign_sk[64],
                       const unsigned char sign_pk[32])
{
	unsigned char blob[NOTE_SIG_BYTES];
	char b64[sodium_base64_ENCODED_LEN(NOTE_SIG_BYTES,
	                                   sodium_base64_VARIANT_ORIGINAL)];
	int n;

	vault_audit_note_keyid(name, sign_pk, blob);
	crypto_sign_detached(blob + 4, NULL, (const unsigned char *)body, blen,
	                     sign_sk);
	sodium_bin2base64(b64, sizeof b64, blob, sizeof blob,
	                  sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap, EM_DASH " %s %s\n", name, b64);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static vault_status make_note(int kind, const char *vault_id_hex, uint64_t size,
                              const unsigned char head[AUDIT_HASH_BYTES],
                              const char *signer,
                              const unsigned char sign_sk[64],
                              const unsigned char sign_pk[32], vault_buf *out)
{
	unsigned char id[AUDIT_HASH_BYTES];
	char origin[sizeof ORIGIN_PREFIX + 2 * AUDIT_HASH_BYTES +
	            sizeof AUDIT_CP_TREE_SUFFIX];
	char body[256], line[NOTE_NAME_MAX + 128];
	size_t blen, llen, signer_len;
	unsigned char *text;

	if (!out)
		return VAULT_ERR_INVALID;
	out->data = NULL;
	out->len = 0;
	if (!vault_id_hex || !head || !signer || !sign_sk || !sign_pk ||
	    size == 0 || strlen(vault_id_hex) != 2 * AUDIT_HASH_BYTES ||
	    hex_decode_lower(vault_id_hex, 2 * AUDIT_HASH_BYTES, id,
	                     AUDIT_HASH_BYTES) != 0)
		return VAULT_ERR_INVALID;
	signer_len = strlen(signer);
	if (!valid_name(signer, signer_len))
		return VAULT_ERR_INVALID;
	/* libsodium's secret key ends with its public key: a mismatch would
	 * give a key id of one key and a signature of another. */
	if (sodium_memcmp(sign_sk + 32, sign_pk, 32) != 0)
		return VAULT_ERR_INVALID;
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;

	snprintf(origin, sizeof origin, "%s%s%s", ORIGIN_PREFIX, vault_id_hex,
	         kind == AUDIT_CP_TREE ? AUDIT_CP_TREE_SUFFIX : "");
	blen = cp_body(body, sizeof body, origin, size, head);
	if (blen == 0)
		return VAULT_ERR_INVALID;
	llen = sig_line(line, sizeof line, signer, body, blen, sign_sk, sign_pk);
	if (llen == 0)
		return VAULT_ERR_INVALID;
	/* vault_buf_free() releases with sodium_free(), so the same allocator */
	text = sodium_malloc(blen + 1 + llen + 1);
	if (!text)
		return VAULT_ERR_NOMEM;
	memcpy(text, body, blen);
	text[blen] = '\n';
	memcpy(text + blen + 1, line, llen + 1);
	out->data = text;
	out->len = blen + 1 + llen;
	return VAULT_OK;
}

vault_status vault_audit_checkpoint_make(const char *vault_id_hex, uint64_t size,
                                         const unsigned char head[AUDIT_HASH_BYTES],
                                         const char *signer,
                                         const unsigned char sign_sk[64],
                                         const unsigned char sign_pk[32],
                                         vault_buf *out)
{
	return make_note(AUDIT_CP_CHAIN, vault_id_hex, size, head, signer, sign_sk,
	                 sign_pk, out);
}

vault_status vault_audit_checkpoint_make_tree(const char *vault_id_hex, uint64_t size,
                                              const unsigned char root[TLOG_HASH],
                                              const char *signer,
                                              const unsigned char sign_sk[64],
                                              const unsigned char sign_pk[32],
                                              vault_buf *out)
{
	return make_note(AUDIT_CP_TREE, vault_id_hex, size, root, signer, sign_sk,
	                 sign_pk, out);
}

/* Decode one UTF-8 sequence at s[0..n): the code point and its length, or
 * -1 for an invalid, overlong or surrogate sequence. */
static long utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	unsigned long c;
	size_t k, i;

	if (n == 0)
		return -1;
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		k = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 4;
		c = s[0] & 0x07;
	} else {
		return -1;
	}
	if (n < k)
		return -1;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*len = k;
	return (long)c;
}

/* Go's unicode.IsSpace, which golang.org/x/mod/sumdb/note refuses in names. */
static int unicode_space(long c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 ||
	       c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	       c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

int vault_audit_note_name_ok(const char *s, size_t n)
{
	size_t i = 0, k;

	if (!s || n == 0 || n > NOTE_NAME_MAX)
		return 0;
	while (i < n) {
		long c = utf8_next((const unsigned char *)s + i, n - i, &k);

		if (c < 0 || c == '+' || unicode_space(c))
			return 0;
		i += k;
	}
	return 1;
}

/* A signed note is UTF-8 with no control character but newline. */
static int note_text_ok(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		long c = utf8_next((const unsigned char *)s + i, n - i, &k);

		if (c < 0 || (c < 0x20 && c != '\n') || c == 0x7f)
			return 0;
		i += k;
	}
	return 1;
}

/* Canonical standard base64 of exactly the given text, decoded into out
 * (cap bytes); returns the decoded length or -1. */
static long b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
	char back[NOTE_SIG_B64_MAX + 4];
	size_t blen = 0;
	const char *end = NULL;

	if (n == 0 || n > NOTE_SIG_B64_MAX || n % 4 != 0)
		return -1;
	if (sodium_base642bin(out, cap, s, n, NULL, &blen, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + n)
		return -1;
	/* Re-encode: one spelling per signature, no stray padding bits. */
	if (sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL) !=
	    n + 1)
		return -1;
	sodium_bin2base64(back, sizeof back, out, blen,
	                  sodium_base64_VARIANT_ORIGINAL);
	if (memcmp(back, s, n) != 0)
		return -1;
	return (long)blen;
}

/* Next line of text[pos..len) without its '\n'; -1 if there is no '\n'. */
static int next_line(const char *text, size_t len, size_t *pos,
                     const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return -1;
	nl = memchr(text + *pos, '\n', len - *pos);
	if (!nl)
		return -1;
	*line = text + *pos;
	*n = (size_t)(nl - *line);
	*pos += *n + 1;
	return 0;
}

static int printable_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

/* The kind, from the origin: "libvault/" 64 lower-case hex digits, then
 * nothing (1.0.0) or "/tlog".  0 for any other origin (another log's). */
static int origin_kind(const char *o, size_t n)
{
	size_t p = sizeof ORIGIN_PREFIX - 1, i;

	if (n < p + 2 * AUDIT_HASH_BYTES || memcmp(o, ORIGIN_PREFIX, p) != 0)
		return 0;
	for (i = p; i < p + 2 * AUDIT_HASH_BYTES; i++)
		if (hex_nibble(o[i]) < 0)
			return 0;
	if (n == p + 2 * AUDIT_HASH_BYTES)
		return AUDIT_CP_CHAIN;
	if (n == p + 2 * AUDIT_HASH_BYTES + sizeof AUDIT_CP_TREE_SUFFIX - 1 &&
	    memcmp(o + i, AUDIT_CP_TREE_SUFFIX, sizeof AUDIT_CP_TREE_SUFFIX - 1) == 0)
		return AUDIT_CP_TREE;
	return 0;
}

vault_status vault_audit_checkpoint_parse(const char *text, size_t len,
                                          audit_checkpoint *out, char *why,
                                          size_t whylen)
{
	const char *line;
	size_t n, pos = 0, i;
	uint64_t size = 0;
	int sigs = 0, found = 0;
	unsigned char sigbuf[(NOTE_SIG_B64_MAX / 4) * 3];
	long dl;

	if (why && whylen)
		why[0] = '\0';
	if (!text || !out) {
		set_why(why, whylen, "invalid argument");
		return VAULT_ERR_INVALID;
	}
	memset(out, 0, sizeof *out);
	if (len > NOTE_MAX) {
		set_why(why, whylen, "checkpoint longer than %u bytes", NOTE_MAX);
		return VAULT_ERR_CORRUPT;
	}
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;
	if (!note_text_ok(text, len)) {
		set_why(why, whylen, "checkpoint is not UTF-8 text without control "
		                     "characters");
		goto bad;
	}

	/* origin */
	if (next_line(text, len, &pos, &line, &n) || n == 0 ||
	    n >= sizeof out->origin || !printable_ascii(line, n)) {
		set_why(why, whylen, "checkpoint origin line is missing or malformed");
		goto bad;
	}
	memcpy(out->origin, line, n);
	out->origin[n] = '\0';
	/* Another log's origin parses (kind 0): whether it is this vault's is
	 * for the verifier to say. */
	out->kind = origin_kind(line, n);

	/* size: decimal, no sign, no leading zero, not 0 */
	if (next_line(text, len, &pos, &line, &n) || n == 0 || n > 20 ||
	    line[0] == '0') {
		set_why(why, whylen, "checkpoint size line is malformed");
		goto bad;
	}
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(line[i] - '0');

		if (line[i] < '0' || line[i] > '9' ||
		    size > (UINT64_MAX - d) / 10) {
			set_why(why, whylen, "checkpoint size line is malformed");
			goto bad;
		}
		size = size * 10 + d;
	}
	out->size = size;

	/* head */
	if (next_line(text, len, &pos, &line, &n) || n != B64_HEAD_LEN ||
	    b64_decode(line, n, sigbuf, sizeof sigbuf) != AUDIT_HASH_BYTES) {
		set_why(why, whylen, "checkpoint head line is not base64 of 32 bytes");
		goto bad;
	}
	memcpy(out->head, sigbuf, AUDIT_HASH_BYTES);
	if (pos > sizeof out->body) {
		set_why(why, whylen, "checkpoint body too long");
		goto bad;
	}
	memcpy(out->body, text, pos);
	out->body_len = pos;

	/* No extension lines: the body ends with an empty line. */
	if (next_line(text, len, &pos, &line, &n) || n != 0) {
		set_why(why, whylen, "checkpoint body is not followed by an empty line");
		goto bad;
	}

	/* Signature lines, to the very end of the text. */
	while (pos < len) {
		const char *name, *b64, *sp;
		size_t nlen, blen;
		audit_note_sig *s;

		if (next_line(text, len, &pos, &line, &n)) {
			set_why(why, whylen, "checkpoint does not end with a newline");
			goto bad;
		}
		if (++sigs > NOTE_SIGS_MAX) {
			set_why(why, whylen, "checkpoint has more than %d signatures",
			        NOTE_SIGS_MAX);
			goto bad;
		}
		if (n < sizeof EM_DASH + 2 ||
		    memcmp(line, EM_DASH " ", sizeof EM_DASH) != 0) {
			set_why(why, whylen, "checkpoint signature line %d is malformed",
			        sigs);
			goto bad;
		}
		name = line + sizeof EM_DASH;
		sp = memchr(name, ' ', n - sizeof EM_DASH);
		if (!sp) {
			set_why(why, whylen, "checkpoint signature line %d is malformed",
			        sigs);
			goto bad;
		}
		nlen = (size_t)(sp - name);
		b64 = sp + 1;
		blen = (size_t)(line + n - b64);
		/* Any legal key name: witnesses and other logs name their keys
		 * as they like. */
		if (!vault_audit_note_name_ok(name, nlen) ||
		    (dl = b64_decode(b64, blen, sigbuf, sizeof sigbuf)) < 5) {
			set_why(why, whylen, "checkpoint signature line %d is malformed",
			        sigs);
			goto bad;
		}
		s = &out->sigs[out->nsigs++];
		memcpy(s->name, name, nlen);
		s->name[nlen] = '\0';
		memcpy(s->keyid, sigbuf, 4);
		if (dl == NOTE_SIG_BYTES) {
			s->ed25519 = 1;
			memcpy(s->sig, sigbuf + 4, AUDIT_SIG_BYTES);
		}
		if (!found && s->ed25519 && valid_name(name, nlen)) {
			memcpy(out->signer, name, nlen);
			out->signer[nlen] = '\0';
			memcpy(out->keyid, s->keyid, 4);
			memcpy(out->sig, s->sig, AUDIT_SIG_BYTES);
			found = 1;
		}
	}
	if (!found) {
		set_why(why, whylen, "checkpoint has no Ed25519 signature by a "
		                     "libvault user");
		goto bad;
	}
	return VAULT_OK;
bad:
	memset(out, 0, sizeof *out);
	return VAULT_ERR_CORRUPT;
}

int vault_audit_checkpoint_signed_by(const audit_checkpoint *cp, const char *name,
                                     const unsigned char pk[32])
{
	unsigned char id[4];
	int i, found = 0;

	vault_audit_note_keyid(name, pk, id);
	for (i = 0; i < cp->nsigs; i++) {
		const audit_note_sig *s = &cp->sigs[i];

		if (!s->ed25519 || strcmp(s->name, name) != 0 ||
		    memcmp(s->keyid, id, 4) != 0)
			continue;
		if (crypto_sign_verify_detached(s->sig, (const unsigned char *)cp->body,
		                                cp->body_len, pk) != 0)
			return -1;
		found = 1;
	}
	return found;
}

vault_status vault_audit_checkpoint_add_sig(const audit_checkpoint *cp,
                                            const char *text, size_t len,
                                            const char *name,
                                            const unsigned char sign_sk[64],
                                            const unsigned char sign_pk[32],
                                            vault_buf *out)
{
	char line[NOTE_NAME_MAX + 128];
	size_t llen;
	unsigned char *buf;

	if (!out)
		return VAULT_ERR_INVALID;
	out->data = NULL;
	out->len = 0;
	if (!cp || !text || !name || !cp_well_formed(cp) ||
	    !vault_audit_note_name_ok(name, strlen(name)) ||
	    sodium_memcmp(sign_sk + 32, sign_pk, 32) != 0 || len == 0 ||
	    text[len - 1] != '\n')
		return VAULT_ERR_INVALID;
	if (cp->nsigs >= NOTE_SIGS_MAX)
		return VAULT_ERR_INVALID;
	if (vault_audit_checkpoint_signed_by(cp, name, sign_pk) != 0)
		return VAULT_ERR_EXISTS;
	llen = sig_line(line, sizeof line, name, cp->body, cp->body_len, sign_sk,
	                sign_pk);
	if (llen == 0)
		return VAULT_ERR_INVALID;
	buf = sodium_malloc(len + llen + 1);
	if (!buf)
		return VAULT_ERR_NOMEM;
	memcpy(buf, text, len);
	memcpy(buf + len, line, llen + 1);
	out->data = buf;
	out->len = len + llen;
	return VAULT_OK;
}

vault_status vault_audit_checkpoint_check_sig(const audit_checkpoint *cp,
                                              const unsigned char pk[32])
{
	unsigned char id[4];

	if (!cp || !pk || !cp_well_formed(cp))
		return VAULT_ERR_INVALID;
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;
	vault_audit_note_keyid(cp->signer, pk, id);
	if (sodium_memcmp(id, cp->keyid, 4) != 0)
		return VAULT_ERR_INTEGRITY;
	if (crypto_sign_verify_detached(cp->sig, (const unsigned char *)cp->body,
	                                cp->body_len, pk) != 0)
		return VAULT_ERR_INTEGRITY;
	return VAULT_OK;
}

/* ------------------------------------------------------------------------ */
/* Offline verification of an export file                                    */
/* ------------------------------------------------------------------------ */

/* Reads lines of any length up to a cap without ever holding more than the
 * cap: a hostile file with one endless line costs 1 MiB, not all memory. */
typedef struct line_reader {
	FILE *f;
	char buf[65536];
	size_t start, end;
	int eof;
	char *line;
	size_t len, cap;
} line_reader;

/* 1: a line in lr->line/len (no '\n'); 0: end of file; -1: read error;
 * -2: line longer than LINE_MAX_BYTES; -3: out of memory. */
static int read_line(line_reader *lr)
{
	lr->len = 0;
	for (;;) {
		const char *nl;
		size_t take;

		if (lr->start == lr->end) {
			if (lr->eof)
				return lr->len ? 1 : 0;
			lr->start = 0;
			lr->end = fread(lr->buf, 1, sizeof lr->buf, lr->f);
			if (lr->end == 0) {
				if (ferror(lr->f))
					return -1;
				lr->eof = 1;
				continue;
			}
		}
		nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		take = nl ? (size_t)(nl - (lr->buf + lr->start))
		          : lr->end - lr->start;
		if (lr->len + take > LINE_MAX_BYTES)
			return -2;
		if (lr->len + take + 1 > lr->cap) {
			size_t ncap = lr->cap ? lr->cap : 4096;
			char *p;

			while (ncap < lr->len + take + 1)
				ncap *= 2;
			p = realloc(lr->line, ncap);
			if (!p)
				return -3;
			lr->line = p;
			lr->cap = ncap;
		}
		memcpy(lr->line + lr->len, lr->buf + lr->start, take);
		lr->len += take;
		lr->line[lr->len] = '\0';
		lr->start += take;
		if (nl) {
			lr->start++; /* the '\n' */
			return 1;
		}
	}
}

static vault_status export_fail(vault_verify_result *res, vault_status st,
                                uint64_t bad_seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static vault_status export_fail(vault_verify_result *res, vault_status st,
                                uint64_t bad_seq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof res->reason, fmt, ap);
	va_end(ap);
	res->bad_seq = bad_seq;
	if (bad_seq)
		res->entries = bad_seq - 1;
	vault__set_last_error("%s", res->reason);
	return st;
}

/* PATH.checkpoint as text, or NULL when there is none (or it is too long
 * to be one, which the parser then never sees). */
static char *read_beside(const char *path)
{
	size_t n = strlen(path) + sizeof ".checkpoint", len;
	char *name = malloc(n), *text = NULL;
	FILE *f;

	if (!name)
		return NULL;
	snprintf(name, n, "%s.checkpoint", path);
	f = fopen(name, "rb");
	free(name);
	if (!f)
		return NULL;
	text = malloc(NOTE_MAX + 2);
	if (text) {
		len = fread(text, 1, NOTE_MAX + 1, f);
		text[len] = '\0';
		if (len == 0 || len > NOTE_MAX || memchr(text, '\0', len)) {
			/* unreadable as a note: let the parser say why */
			if (len > NOTE_MAX)
				len = NOTE_MAX + 1;
			text[len] = '\0';
			if (len == 0) {
				free(text);
				text = NULL;
			}
		}
	}
	fclose(f);
	return text;
}

vault_status vault_audit_verify_export(const char *path, const char *vault_id,
                                       const char *checkpoint,
                                       vault_verify_result *res,
                                       vault_progress_cb progress, void *ctx)
{
	char *beside = NULL;
	unsigned char pin[AUDIT_HASH_BYTES];
	audit_checkpoint cp;
	audit_verifier *av = NULL;
	line_reader *lr = NULL;
	char why[256];
	vault_status st;
	int rc;

	if (!res) {
		vault__set_last_error("%s", "vault_audit_verify_export: res is NULL");
		return VAULT_ERR_INVALID;
	}
	res->entries = 0;
	res->bad_seq = 0;
	res->reason[0] = '\0';
	if (!path || !vault_id)
		return export_fail(res, VAULT_ERR_INVALID, 0,
		                   "vault_audit_verify_export: path or vault_id "
		                   "is NULL");
	if (hex_decode_any(vault_id, pin, sizeof pin) != 0)
		return export_fail(res, VAULT_ERR_INVALID, 0,
		                   "vault id is not 64 hex digits");
	if (sodium_init() < 0)
		return export_fail(res, VAULT_ERR_NOCRYPTO, 0,
		                   "libsodium could not be initialised");
	if (!checkpoint) {
		/* The checkpoint vault_audit_export() writes beside the file. */
		beside = read_beside(path);
		if (beside && vault_audit_checkpoint_parse(beside, strlen(beside), &cp,
		                                           why, sizeof why) != VAULT_OK) {
			free(beside);
			return export_fail(res, VAULT_ERR_INTEGRITY, 0,
			                   "%s.checkpoint: %s", path, why);
		}
		checkpoint = beside;
	} else if (vault_audit_checkpoint_parse(checkpoint, strlen(checkpoint), &cp, why,
	                                        sizeof why) != VAULT_OK) {
		return export_fail(res, VAULT_ERR_INVALID, 0, "%s", why);
	}
	if (res->version == 2)
		res->checkpoint_kind = checkpoint ? cp.kind : 0;

	lr = calloc(1, sizeof *lr);
	if (!lr) {
		free(beside);
		return export_fail(res, VAULT_ERR_NOMEM, 0, "out of memory");
	}
	lr->f = fopen(path, "rb");
	if (!lr->f) {
		int e = errno;

		free(lr);
		free(beside);
		if (e == ENOENT || e == ENOTDIR)
			return export_fail(res, VAULT_ERR_NOT_FOUND, 0,
			                   "export file not found");
		return export_fail(res, VAULT_ERR_IO, 0,
		                   "export file cannot be opened (errno %d)", e);
	}
	st = vault_audit_verifier_new(pin, &av);
	if (st != VAULT_OK) {
		export_fail(res, st, 0, "%s", st == VAULT_ERR_NOMEM ? "out of memory"
		                                   : "libsodium could not be initialised");
		goto out;
	}
	if (checkpoint && (st = vault_audit_verifier_set_checkpoint(av, &cp)) !=
	                      VAULT_OK) {
		export_fail(res, VAULT_ERR_INVALID, 0, "checkpoint is malformed");
		goto out;
	}

	while ((rc = read_line(lr)) == 1) {
		unsigned long long n = (unsigned long long)res->entries + 1;
		audit_rec r;
		void *store = NULL;

		st = vault_audit_rec_from_json(lr->line, lr->len, &r, &store, why,
		                               sizeof why);
		if (st == VAULT_ERR_NOMEM) {
			export_fail(res, st, 0, "out of memory");
			goto out;
		}
		if (st != VAULT_OK) {
			/* to an auditor, a damaged export is a broken log */
			st = export_fail(res, VAULT_ERR_INTEGRITY, n, "entry %llu: %s",
			                 n, why);
			goto out;
		}
		st = vault_audit_verifier_push(av, &r, res);
		free(store);
		if (st != VAULT_OK) {
			vault__set_last_error("%s", res->reason);
			goto out;
		}
		if (progress && res->entries % PROGRESS_EVERY == 0 &&
		    progress(res->entries, 0, ctx) != 0) {
			st = export_fail(res, VAULT_ERR_STATE, 0, "stopped by caller");
			goto out;
		}
	}
	if (rc == -2) {
		unsigned long long n = (unsigned long long)res->entries + 1;

		st = export_fail(res, VAULT_ERR_INTEGRITY, n,
		                 "entry %llu: line longer than 1 MiB", n);
		goto out;
	}
	if (rc == -3) {
		st = export_fail(res, VAULT_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if (rc == -1) {
		st = export_fail(res, VAULT_ERR_IO, 0, "export file cannot be read");
		goto out;
	}
	if (progress && progress(res->entries, res->entries, ctx) != 0) {
		st = export_fail(res, VAULT_ERR_STATE, 0, "stopped by caller");
		goto out;
	}
	st = vault_audit_verifier_finish(av, NULL, res);
	if (st != VAULT_OK)
		vault__set_last_error("%s", res->reason);
	if (res->version == 2)
		res->tree_size = res->entries;
out:
	free(beside);
	vault_audit_verifier_free(av);
	if (lr) {
		fclose(lr->f);
		free(lr->line);
		free(lr);
	}
	return st;
}
