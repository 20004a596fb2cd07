/*
 * audit_entry.c - the audit entry's encoding and hash, the signed-note key id,
 * and the small helpers the audit_*.c files share (audit_chain.h).
 *
 * Everything in the audit_*.c files works on bytes handed in by the caller:
 * an export file, a proof or a checkpoint may come from an attacker, so
 * every length is checked before it is used and libsodium is only called
 * with arguments it cannot abort on.
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

int vault__audit_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lower-case only: the export writes lower case, and one spelling per value
 * keeps the format canonical. */
int vault__audit_unhex(const char *hex, size_t hexlen, unsigned char *out,
                            size_t outlen)
{
	size_t i;

	if (hexlen != outlen * 2)
		return -1;
	for (i = 0; i < outlen; i++) {
		int hi = vault__audit_hex_nibble(hex[2 * i]);
		int lo = vault__audit_hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* An id typed by an auditor may be upper case; accept both there only. */
int vault__audit_unhex_any(const char *hex, unsigned char *out, size_t outlen)
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

void vault__audit_hex(char *out, const unsigned char *bin, size_t binlen)
{
	static const char xd[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < binlen; i++) {
		out[2 * i] = xd[bin[i] >> 4];
		out[2 * i + 1] = xd[bin[i] & 15];
	}
	out[2 * binlen] = '\0';
}

/* The vault's rule for user and organisation names (vault.h). */
int vault__audit_valid_name(const char *s, size_t n)
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

void vault__audit_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}


/* ------------------------------------------------------------------------ */
/* Entry hash                                                                */
/* ------------------------------------------------------------------------ */

const char *vault__audit_rec_text(const audit_rec *r, int i)
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


vault_status vault_audit_rec_hash(const audit_rec *r,
                                  unsigned char out[AUDIT_HASH_BYTES])
{
	crypto_generichash_state st;
	unsigned char b[8];
	int i;

	if (!r || !out)
		return VAULT_ERR_INVALID;
	for (i = 0; i < REC_TEXT_FIELDS; i++) {
		const char *s = vault__audit_rec_text(r, i);

		if (!s || strlen(s) > FIELD_MAX)
			return VAULT_ERR_INVALID;
	}
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;

	/* Each field is length-prefixed and the domain string ends in a NUL,
	 * so no two different entries share an encoding. */
	if (r->fact != NULL && strlen(r->fact) > FACT_MAX)
		return VAULT_ERR_INVALID;
	crypto_generichash_init(&st, NULL, 0, AUDIT_HASH_BYTES);
	if (r->fact != NULL && r->fact[0] != '\0')
		crypto_generichash_update(&st, (const unsigned char *)AUDIT_DOMAIN_FACTS,
		                          sizeof AUDIT_DOMAIN_FACTS);
	else
		crypto_generichash_update(&st, (const unsigned char *)AUDIT_DOMAIN,
		                          sizeof AUDIT_DOMAIN); /* with its NUL */
	crypto_generichash_update(&st, r->prev, AUDIT_HASH_BYTES);
	put_u64(b, r->seq);
	crypto_generichash_update(&st, b, 8);
	put_u64(b, (uint64_t)r->ts); /* two's complement */
	crypto_generichash_update(&st, b, 8);
	for (i = 0; i < REC_TEXT_FIELDS; i++) {
		const char *s = vault__audit_rec_text(r, i);
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
	if (r->fact != NULL && r->fact[0] != '\0') {
		size_t n = strlen(r->fact);

		put_u32(b, (uint32_t)n);
		crypto_generichash_update(&st, b, 4);
		crypto_generichash_update(&st, (const unsigned char *)r->fact, n);
	}
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
