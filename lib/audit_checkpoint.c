/*
 * audit_checkpoint.c - checkpoints: C2SP tlog-checkpoint bodies in C2SP
 * signed notes (both kinds, chain head and tree root), their strict parser,
 * signature lines, cosignature lines and the signed-note rules for key names.
 * (STYLE.md calls this part "tlog"; lib/tlog.c is the Merkle tree itself.)
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "audit_chain.h"

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
	    vault__audit_unhex(vault_id_hex, 2 * AUDIT_HASH_BYTES, id,
	                     AUDIT_HASH_BYTES) != 0)
		return VAULT_ERR_INVALID;
	signer_len = strlen(signer);
	if (!vault__audit_valid_name(signer, signer_len))
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
long vault__audit_b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
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
		if (vault__audit_hex_nibble(o[i]) < 0)
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
		vault__audit_why(why, whylen, "invalid argument");
		return VAULT_ERR_INVALID;
	}
	memset(out, 0, sizeof *out);
	if (len > NOTE_MAX) {
		vault__audit_why(why, whylen, "checkpoint longer than %u bytes", NOTE_MAX);
		return VAULT_ERR_CORRUPT;
	}
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;
	if (!note_text_ok(text, len)) {
		vault__audit_why(why, whylen, "checkpoint is not UTF-8 text without control "
		                     "characters");
		goto bad;
	}

	/* origin */
	if (next_line(text, len, &pos, &line, &n) || n == 0 ||
	    n >= sizeof out->origin || !printable_ascii(line, n)) {
		vault__audit_why(why, whylen, "checkpoint origin line is missing or malformed");
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
		vault__audit_why(why, whylen, "checkpoint size line is malformed");
		goto bad;
	}
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(line[i] - '0');

		if (line[i] < '0' || line[i] > '9' ||
		    size > (UINT64_MAX - d) / 10) {
			vault__audit_why(why, whylen, "checkpoint size line is malformed");
			goto bad;
		}
		size = size * 10 + d;
	}
	out->size = size;

	/* head */
	if (next_line(text, len, &pos, &line, &n) || n != B64_HEAD_LEN ||
	    vault__audit_b64_decode(line, n, sigbuf, sizeof sigbuf) != AUDIT_HASH_BYTES) {
		vault__audit_why(why, whylen, "checkpoint head line is not base64 of 32 bytes");
		goto bad;
	}
	memcpy(out->head, sigbuf, AUDIT_HASH_BYTES);
	if (pos > sizeof out->body) {
		vault__audit_why(why, whylen, "checkpoint body too long");
		goto bad;
	}
	memcpy(out->body, text, pos);
	out->body_len = pos;

	/* No extension lines: the body ends with an empty line. */
	if (next_line(text, len, &pos, &line, &n) || n != 0) {
		vault__audit_why(why, whylen, "checkpoint body is not followed by an empty line");
		goto bad;
	}

	/* Signature lines, to the very end of the text. */
	while (pos < len) {
		const char *name, *b64, *sp;
		size_t nlen, blen;
		audit_note_sig *s;

		if (next_line(text, len, &pos, &line, &n)) {
			vault__audit_why(why, whylen, "checkpoint does not end with a newline");
			goto bad;
		}
		if (++sigs > NOTE_SIGS_MAX) {
			vault__audit_why(why, whylen, "checkpoint has more than %d signatures",
			        NOTE_SIGS_MAX);
			goto bad;
		}
		if (n < sizeof EM_DASH + 2 ||
		    memcmp(line, EM_DASH " ", sizeof EM_DASH) != 0) {
			vault__audit_why(why, whylen, "checkpoint signature line %d is malformed",
			        sigs);
			goto bad;
		}
		name = line + sizeof EM_DASH;
		sp = memchr(name, ' ', n - sizeof EM_DASH);
		if (!sp) {
			vault__audit_why(why, whylen, "checkpoint signature line %d is malformed",
			        sigs);
			goto bad;
		}
		nlen = (size_t)(sp - name);
		b64 = sp + 1;
		blen = (size_t)(line + n - b64);
		/* Any legal key name: witnesses and other logs name their keys
		 * as they like. */
		if (!vault_audit_note_name_ok(name, nlen) ||
		    (dl = vault__audit_b64_decode(b64, blen, sigbuf, sizeof sigbuf)) < 5) {
			vault__audit_why(why, whylen, "checkpoint signature line %d is malformed",
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
		if (!found && s->ed25519 && vault__audit_valid_name(name, nlen)) {
			memcpy(out->signer, name, nlen);
			out->signer[nlen] = '\0';
			memcpy(out->keyid, s->keyid, 4);
			memcpy(out->sig, s->sig, AUDIT_SIG_BYTES);
			found = 1;
		}
	}
	if (!found) {
		vault__audit_why(why, whylen, "checkpoint has no Ed25519 signature by a "
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
	if (!cp || !text || !name || !vault__audit_cp_well_formed(cp) ||
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

	if (!cp || !pk || !vault__audit_cp_well_formed(cp))
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
/* Signed notes of any body (statistics exports, lib/stats.c)                */
/* ------------------------------------------------------------------------ */

/* The first "\n\n" in s[0..n), or NULL (memmem is a GNU extension). */
static const char *blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '\n' && s[i + 1] == '\n')
			return s + i;
	return NULL;
}

vault_status vault__note_sign(const char *body, size_t blen, const char *name,
                              const unsigned char sign_sk[64],
                              const unsigned char sign_pk[32], vault_buf *out)
{
	char line[NOTE_NAME_MAX + 128];
	unsigned char *text;
	size_t llen;

	if (!out)
		return VAULT_ERR_INVALID;
	out->data = NULL;
	out->len = 0;
	if (!body || !name || !sign_sk || !sign_pk || blen == 0 || blen > NOTE_BODY_MAX ||
	    body[blen - 1] != '\n' || !note_text_ok(body, blen) ||
	    !vault__audit_valid_name(name, strlen(name)) ||
	    sodium_memcmp(sign_sk + 32, sign_pk, 32) != 0)
		return VAULT_ERR_INVALID;
	/* A blank line ends the body: one inside it would move the split. */
	if (blank_line(body, blen) != NULL)
		return VAULT_ERR_INVALID;
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;
	llen = sig_line(line, sizeof line, name, body, blen, sign_sk, sign_pk);
	if (llen == 0)
		return VAULT_ERR_INVALID;
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

vault_status vault__note_parse(const char *text, size_t len, size_t *body_len,
                               audit_note_sig *sigs, int *nsigs, char *why,
                               size_t whylen)
{
	const char *line, *split = NULL, *p;
	size_t n, pos;
	unsigned char sigbuf[(NOTE_SIG_B64_MAX / 4) * 3];
	long dl;

	if (why && whylen)
		why[0] = '\0';
	*nsigs = 0;
	*body_len = 0;
	if (len > NOTE_BODY_MAX + NOTE_SIGS_MAX * (NOTE_NAME_MAX + NOTE_SIG_B64_MAX + 8)) {
		vault__audit_why(why, whylen, "signed note too long");
		return VAULT_ERR_CORRUPT;
	}
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;
	if (len == 0 || text[len - 1] != '\n' || !note_text_ok(text, len)) {
		vault__audit_why(why, whylen, "not a signed note: not UTF-8 text without"
		                 " control characters ending with a newline");
		return VAULT_ERR_CORRUPT;
	}
	/* As golang.org/x/mod/sumdb/note: the last blank line ends the body. */
	for (p = text; (p = blank_line(p, len - (size_t)(p - text))) != NULL; p++)
		split = p;
	if (!split || split == text) {
		vault__audit_why(why, whylen, "not a signed note: no signature block");
		return VAULT_ERR_CORRUPT;
	}
	*body_len = (size_t)(split - text) + 1;
	pos = *body_len + 1;
	while (pos < len) {
		const char *name, *b64, *sp;
		size_t nlen, blen;
		audit_note_sig *s;

		if (next_line(text, len, &pos, &line, &n) || *nsigs >= NOTE_SIGS_MAX ||
		    n < sizeof EM_DASH + 2 || memcmp(line, EM_DASH " ", sizeof EM_DASH) != 0) {
			vault__audit_why(why, whylen, "signature line %d is malformed",
			                 *nsigs + 1);
			goto bad;
		}
		name = line + sizeof EM_DASH;
		sp = memchr(name, ' ', n - sizeof EM_DASH);
		if (!sp) {
			vault__audit_why(why, whylen, "signature line %d is malformed",
			                 *nsigs + 1);
			goto bad;
		}
		nlen = (size_t)(sp - name);
		b64 = sp + 1;
		blen = (size_t)(line + n - b64);
		if (nlen > NOTE_NAME_MAX || !vault_audit_note_name_ok(name, nlen) ||
		    (dl = vault__audit_b64_decode(b64, blen, sigbuf, sizeof sigbuf)) < 5) {
			vault__audit_why(why, whylen, "signature line %d is malformed",
			                 *nsigs + 1);
			goto bad;
		}
		s = &sigs[(*nsigs)++];
		memset(s, 0, sizeof *s);
		memcpy(s->name, name, nlen);
		s->name[nlen] = '\0';
		memcpy(s->keyid, sigbuf, 4);
		if (dl == NOTE_SIG_BYTES) {
			s->ed25519 = 1;
			memcpy(s->sig, sigbuf + 4, AUDIT_SIG_BYTES);
		}
	}
	if (*nsigs == 0) {
		vault__audit_why(why, whylen, "signed note has no signature");
		goto bad;
	}
	return VAULT_OK;
bad:
	*nsigs = 0;
	*body_len = 0;
	return VAULT_ERR_CORRUPT;
}

int vault__note_signed_by(const audit_note_sig *sigs, int nsigs, const char *body,
                          size_t blen, const char *name, const unsigned char pk[32])
{
	unsigned char id[4];
	int i, found = 0;

	vault_audit_note_keyid(name, pk, id);
	for (i = 0; i < nsigs; i++) {
		const audit_note_sig *s = &sigs[i];

		if (!s->ed25519 || strcmp(s->name, name) != 0 || memcmp(s->keyid, id, 4) != 0)
			continue;
		if (crypto_sign_verify_detached(s->sig, (const unsigned char *)body, blen,
		                                pk) != 0)
			return -1;
		found = 1;
	}
	return found;
}
