/*
 * crypto.c - the only module that handles secret keys with libsodium:
 * secure memory, randomness, Argon2id, sealed boxes, AEAD, signatures.
 *
 * Every input is validated by the callers before it gets here: libsodium's
 * misuse handler aborts, and a library must not.
 */
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

unsigned long vault__kdf_runs;

vault_status vault__crypto_init(void)
{
	/* sodium_init() is idempotent and thread-safe. */
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;
	return VAULT_OK;
}

void *vault__secure_alloc(size_t n)
{
	/* The fault injector counts secure allocations too. */
	if (vault__fault_now())
		return NULL;
	return sodium_malloc(n);
}

void vault__secure_free(void *p)
{
	if (p != NULL)
		sodium_free(p);
}

void *vault_secure_malloc(size_t size)
{
	if (size == 0 || vault__crypto_init() != VAULT_OK)
		return NULL;
	return sodium_malloc(size);
}

void vault_secure_free(void *ptr)
{
	if (ptr != NULL)
		sodium_free(ptr);
}

void vault__random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

void vault__wipe(void *p, size_t n)
{
	if (p != NULL)
		sodium_memzero(p, n);
}

int vault__kdf_params(vault_kdf level, unsigned long long *ops, size_t *mem)
{
	switch (level) {
	case VAULT_KDF_INTERACTIVE:
		*ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
		return 0;
	case VAULT_KDF_DEFAULT:
	case VAULT_KDF_MODERATE:
		*ops = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
		return 0;
	case VAULT_KDF_SENSITIVE:
		*ops = crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE;
		*mem = crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE;
		return 0;
	case VAULT_KDF_INSECURE_TEST_ONLY:
		*ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
		*mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
		return 0;
	}
	return -1;
}

int vault__kdf(unsigned char *out, size_t outlen, const unsigned char *pass,
               size_t passlen, const unsigned char salt[16],
               unsigned long long ops, size_t mem)
{
	vault__kdf_runs++;
	/* Bounds are checked here because a slot file supplies them. */
	if (ops < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
	    ops > (unsigned long long)crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE * 4 ||
	    mem < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
	    mem > (size_t)crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE * 4)
		return -1;
	return crypto_pwhash(out, outlen, (const char *)pass, passlen, salt, ops,
	                     mem, crypto_pwhash_ALG_ARGON2ID13);
}

void vault__keyed_hash(unsigned char *out, size_t outlen, const void *in,
                       size_t inlen, const unsigned char key[32])
{
	crypto_generichash(out, outlen, in, inlen, key, 32);
}

int vault__seal_msg(unsigned char *out, const unsigned char *m, size_t len,
                    const unsigned char pk[32])
{
	return crypto_box_seal(out, m, len, pk);
}

int vault__unseal_msg(unsigned char *out, const unsigned char *c, size_t clen,
                      const unsigned char pk[32], const unsigned char sk[32])
{
	if (clen < VAULT_SEAL_OVERHEAD)
		return -1;
	return crypto_box_seal_open(out, c, clen, pk, sk);
}

void vault__box_pk_from_sk(unsigned char pk[32], const unsigned char sk[32])
{
	crypto_scalarmult_base(pk, sk);
}

void vault__sign_pk_from_sk(unsigned char pk[32], const unsigned char sk[64])
{
	crypto_sign_ed25519_sk_to_pk(pk, sk);
}

void vault__box_keypair(unsigned char pk[32], unsigned char sk[32])
{
	crypto_box_keypair(pk, sk);
}

void vault__sign_keypair(unsigned char pk[32], unsigned char sk[64])
{
	crypto_sign_keypair(pk, sk);
}

void vault__sign(unsigned char sig[64], const unsigned char *m, size_t mlen,
                 const unsigned char sk[64])
{
	crypto_sign_detached(sig, NULL, m, mlen, sk);
}

int vault__seal(unsigned char out[VAULT_SEALED_KEY_BYTES],
                const unsigned char key[32], const unsigned char pk[32])
{
	return crypto_box_seal(out, key, VAULT_KEY_BYTES, pk);
}

int vault__unseal(unsigned char key[32], const unsigned char *sealed,
                  size_t sealed_len, const unsigned char pk[32],
                  const unsigned char sk[32])
{
	if (sealed == NULL || sealed_len != VAULT_SEALED_KEY_BYTES)
		return -1;
	return crypto_box_seal_open(key, sealed, sealed_len, pk, sk);
}

void vault__aead_seal(unsigned char *out, const unsigned char *m, size_t len,
                      const unsigned char *ad, size_t adlen,
                      const unsigned char nonce[24], const unsigned char key[32])
{
	crypto_aead_xchacha20poly1305_ietf_encrypt(out, NULL, m, len, ad, adlen,
	                                           NULL, nonce, key);
}

int vault__aead_open(unsigned char *out, const unsigned char *c, size_t clen,
                     const unsigned char *ad, size_t adlen,
                     const unsigned char nonce[24], const unsigned char key[32])
{
	if (clen < VAULT_AEAD_TAG_BYTES)
		return -1;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL, c, clen,
	                                                  ad, adlen, nonce, key);
}

static size_t put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 4;
}

/* "libvault-record-v1" 0x00, then u32 length + bytes of case id and name,
 * then u32 version, u32 class, u32 key epoch: moving a ciphertext to any
 * other row changes the associated data and fails authentication. */
size_t vault__record_ad(unsigned char *out, size_t cap, const char *case_id,
                        const char *name, uint32_t version, unsigned int cls,
                        uint32_t epoch)
{
	static const char dom[] = "libvault-record-v1";
	size_t cl = strlen(case_id), nl = strlen(name), n = 0;

	if (sizeof(dom) + 8 + cl + nl + 12 > cap)
		return 0;
	memcpy(out, dom, sizeof(dom));
	n += sizeof(dom);
	n += put_u32(out + n, (uint32_t)cl);
	memcpy(out + n, case_id, cl);
	n += cl;
	n += put_u32(out + n, (uint32_t)nl);
	memcpy(out + n, name, nl);
	n += nl;
	n += put_u32(out + n, version);
	n += put_u32(out + n, (uint32_t)cls);
	n += put_u32(out + n, epoch);
	return n;
}

/* ---- buffers returned to the caller --------------------------------------
 * Plaintext handed out lives in sodium_malloc memory (guard pages, mlock).
 * Mapping and unmapping that memory costs more than reading a record, so
 * freed buffers of up to BUFPOOL_MAX bytes go back to a small process-wide
 * pool, wiped.  A pooled block is reused with the bytes placed at its end,
 * against the guard page, as sodium_malloc places them: reading past the
 * end still faults.  Blocks stay mapped for the life of the process. */

#define BUFPOOL_SLOTS 16
#define BUFPOOL_MIN 4096
#define BUFPOOL_MAX (64 * 1024)

static struct pool_block {
	unsigned char *base;
	size_t cap;
	int in_use;
} pool[BUFPOOL_SLOTS];
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t pool_class(size_t need)
{
	size_t cap = BUFPOOL_MIN;

	while (cap < need)
		cap *= 2;
	return cap;
}

/* A pooled block of at least `need` bytes, or NULL. */
static unsigned char *pool_take(size_t need)
{
	size_t cap = pool_class(need);
	struct pool_block *empty = NULL;
	unsigned char *p = NULL;
	int i;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < BUFPOOL_SLOTS; i++) {
		struct pool_block *b = &pool[i];
		if (b->base != NULL && !b->in_use && b->cap == cap) {
			b->in_use = 1;
			p = b->base + b->cap - need;
			break;
		}
		if (b->base == NULL && empty == NULL)
			empty = b;
	}
	if (p == NULL && empty != NULL && !vault__fault_now()) {
		empty->base = sodium_malloc(cap);
		if (empty->base != NULL) {
			empty->cap = cap;
			empty->in_use = 1;
			p = empty->base + cap - need;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	return p;
}

/* 1 if p came from the pool (then wiped and given back), else 0. */
static int pool_give(unsigned char *p, size_t len)
{
	int i, found = 0;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < BUFPOOL_SLOTS && !found; i++) {
		struct pool_block *b = &pool[i];
		if (b->base != NULL && b->in_use && p >= b->base && p < b->base + b->cap) {
			sodium_memzero(p, (size_t)(b->base + b->cap - p) < len + 1
			                      ? (size_t)(b->base + b->cap - p) : len + 1);
			b->in_use = 0;
			found = 1;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	return found;
}

vault_status vault__buf_alloc(vault_buf *buf, size_t len)
{
	unsigned char *p = NULL;

	/* The largest record, padded (freetext.c), or text of its size. */
	if (len > vault__padme(VAULT_RECORD_MAX) + 1024)
		return VAULT_ERR_INVALID;
	if (len + 1 <= BUFPOOL_MAX)
		p = pool_take(len + 1);
	if (p == NULL)
		p = vault__secure_alloc(len + 1);
	if (p == NULL)
		return VAULT_ERR_NOMEM;
	p[len] = '\0';
	buf->data = p;
	buf->len = len;
	return VAULT_OK;
}

void vault_buf_free(vault_buf *buf)
{
	if (buf == NULL)
		return;
	/* Pooled blocks are wiped here; sodium_free wipes before unmapping. */
	if (buf->data != NULL && !pool_give(buf->data, buf->len))
		sodium_free(buf->data);
	buf->data = NULL;
	buf->len = 0;
}
