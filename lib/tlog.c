/*
 * tlog.c - RFC 6962 Merkle tree hashing, stored hashes, proofs and their
 * checks.  See tlog.h; the layout of the stored hashes follows Go's
 * golang.org/x/mod/sumdb/tlog so that the two can be read side by side.
 */
#include "tlog.h"

#include <string.h>

#include <sodium.h>

void vault__tlog_leaf_hash(const unsigned char *data, size_t len,
                           unsigned char out[TLOG_HASH])
{
	crypto_hash_sha256_state st;
	static const unsigned char zero = 0x00;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, out);
}

void vault__tlog_node_hash(const unsigned char left[TLOG_HASH],
                           const unsigned char right[TLOG_HASH],
                           unsigned char out[TLOG_HASH])
{
	unsigned char buf[1 + 2 * TLOG_HASH];

	buf[0] = 0x01;
	memcpy(buf + 1, left, TLOG_HASH);
	memcpy(buf + 1 + TLOG_HASH, right, TLOG_HASH);
	crypto_hash_sha256(out, buf, sizeof buf);
}

void vault__tlog_empty_root(unsigned char out[TLOG_HASH])
{
	crypto_hash_sha256(out, (const unsigned char *)"", 0);
}

int vault__tlog_stored_count(uint64_t n)
{
	int c = 1;

	while (n & 1) {
		c++;
		n >>= 1;
	}
	return c;
}

void vault__tlog_frontier_init(tlog_frontier *f)
{
	memset(f, 0, sizeof *f);
}

int vault__tlog_frontier_append(tlog_frontier *f,
                                const unsigned char leaf[TLOG_HASH],
                                unsigned char stored[TLOG_MAX_LEVELS][TLOG_HASH],
                                int *nstored)
{
	unsigned char cur[TLOG_HASH];
	int level = 0;

	if (f->size == UINT64_MAX)
		return -1;
	memcpy(cur, leaf, TLOG_HASH);
	memcpy(stored[0], cur, TLOG_HASH);
	/* A binary counter: each carry merges two equal subtrees. */
	while ((f->size >> level) & 1) {
		vault__tlog_node_hash(f->h[level], cur, cur);
		level++;
		memcpy(stored[level], cur, TLOG_HASH);
	}
	memcpy(f->h[level], cur, TLOG_HASH);
	f->size++;
	*nstored = level + 1;
	return 0;
}

void vault__tlog_frontier_root(const tlog_frontier *f,
                               unsigned char out[TLOG_HASH])
{
	unsigned char r[TLOG_HASH];
	int level, have = 0;

	if (f->size == 0) {
		vault__tlog_empty_root(out);
		return;
	}
	/* The smallest subtree is the right-most; fold leftwards. */
	for (level = 0; level < TLOG_MAX_LEVELS; level++) {
		if (!((f->size >> level) & 1))
			continue;
		if (!have) {
			memcpy(r, f->h[level], TLOG_HASH);
			have = 1;
		} else {
			vault__tlog_node_hash(f->h[level], r, r);
		}
	}
	memcpy(out, r, TLOG_HASH);
}

vault_status vault__tlog_frontier_load(tlog_frontier *f, uint64_t size,
                                       tlog_read_fn read, void *ctx)
{
	int level;
	vault_status st;

	vault__tlog_frontier_init(f);
	for (level = 0; level < TLOG_MAX_LEVELS; level++) {
		if (!((size >> level) & 1))
			continue;
		st = read(ctx, level, (size >> level) - 1, f->h[level]);
		if (st != VAULT_OK)
			return st;
	}
	f->size = size;
	return VAULT_OK;
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

/* MTH(D[lo:hi]), hi > lo: one read when the range is a complete subtree,
 * else the RFC's split, whose left part always is one. */
static vault_status subtree_hash(uint64_t lo, uint64_t hi, tlog_read_fn read,
                                 void *ctx, unsigned char out[TLOG_HASH])
{
	uint64_t n = hi - lo, k;
	unsigned char l[TLOG_HASH], r[TLOG_HASH];
	vault_status st;
	int level = 0;

	if ((n & (n - 1)) == 0) {
		while (((uint64_t)1 << level) < n)
			level++;
		if ((lo & (n - 1)) == 0)
			return read(ctx, level, lo >> level, out);
	}
	k = split_point(n);
	if ((st = subtree_hash(lo, lo + k, read, ctx, l)) != VAULT_OK ||
	    (st = subtree_hash(lo + k, hi, read, ctx, r)) != VAULT_OK)
		return st;
	vault__tlog_node_hash(l, r, out);
	return VAULT_OK;
}

vault_status vault__tlog_tree_hash(uint64_t size, tlog_read_fn read, void *ctx,
                                   unsigned char out[TLOG_HASH])
{
	if (size == 0) {
		vault__tlog_empty_root(out);
		return VAULT_OK;
	}
	return subtree_hash(0, size, read, ctx, out);
}

/* PATH(m, D[lo:hi]): the proof is built leaf-side first, as the RFC lists it. */
static vault_status path(uint64_t m, uint64_t lo, uint64_t hi, tlog_read_fn read,
                         void *ctx, unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH],
                         size_t *n)
{
	uint64_t k;
	vault_status st;

	if (hi - lo <= 1)
		return VAULT_OK;
	k = split_point(hi - lo);
	if (m < lo + k) {
		if ((st = path(m, lo, lo + k, read, ctx, proof, n)) != VAULT_OK)
			return st;
		st = subtree_hash(lo + k, hi, read, ctx, proof[*n]);
	} else {
		if ((st = path(m, lo + k, hi, read, ctx, proof, n)) != VAULT_OK)
			return st;
		st = subtree_hash(lo, lo + k, read, ctx, proof[*n]);
	}
	if (st == VAULT_OK)
		(*n)++;
	return st;
}

vault_status vault__tlog_prove_inclusion(uint64_t index, uint64_t size,
                                         tlog_read_fn read, void *ctx,
                                         unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH],
                                         size_t *n)
{
	*n = 0;
	if (index >= size)
		return VAULT_ERR_INVALID;
	return path(index, 0, size, read, ctx, proof, n);
}

/* SUBPROOF(m, D[lo:hi], b) */
static vault_status subproof(uint64_t m, uint64_t lo, uint64_t hi, int b,
                             tlog_read_fn read, void *ctx,
                             unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH],
                             size_t *n)
{
	uint64_t k;
	vault_status st;

	if (m == hi - lo) {
		if (b)
			return VAULT_OK;
		st = subtree_hash(lo, hi, read, ctx, proof[*n]);
		if (st == VAULT_OK)
			(*n)++;
		return st;
	}
	k = split_point(hi - lo);
	if (m <= k) {
		if ((st = subproof(m, lo, lo + k, b, read, ctx, proof, n)) != VAULT_OK)
			return st;
		st = subtree_hash(lo + k, hi, read, ctx, proof[*n]);
	} else {
		if ((st = subproof(m - k, lo + k, hi, 0, read, ctx, proof, n)) !=
		    VAULT_OK)
			return st;
		st = subtree_hash(lo, lo + k, read, ctx, proof[*n]);
	}
	if (st == VAULT_OK)
		(*n)++;
	return st;
}

vault_status vault__tlog_prove_consistency(uint64_t old_size, uint64_t size,
                                           tlog_read_fn read, void *ctx,
                                           unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH],
                                           size_t *n)
{
	*n = 0;
	if (old_size == 0 || old_size > size)
		return VAULT_ERR_INVALID;
	if (old_size == size)
		return VAULT_OK;
	return subproof(old_size, 0, size, 1, read, ctx, proof, n);
}

/* Hashes are public: memcmp is fine. */
static int same(const unsigned char a[TLOG_HASH], const unsigned char b[TLOG_HASH])
{
	return memcmp(a, b, TLOG_HASH) == 0;
}

int vault__tlog_check_inclusion(const unsigned char leaf[TLOG_HASH],
                                uint64_t index, uint64_t size,
                                const unsigned char root[TLOG_HASH],
                                const unsigned char (*proof)[TLOG_HASH],
                                size_t n)
{
	uint64_t fn, sn;
	unsigned char r[TLOG_HASH];
	size_t i;

	if (index >= size || (n > 0 && !proof))
		return -1;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, TLOG_HASH);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			vault__tlog_node_hash(proof[i], r, r);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			vault__tlog_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && same(r, root) ? 0 : -1;
}

int vault__tlog_check_consistency(uint64_t old_size,
                                  const unsigned char old_root[TLOG_HASH],
                                  uint64_t size,
                                  const unsigned char root[TLOG_HASH],
                                  const unsigned char (*proof)[TLOG_HASH],
                                  size_t n)
{
	uint64_t fn, sn;
	unsigned char fr[TLOG_HASH], sr[TLOG_HASH];
	size_t i = 0;

	if (old_size == 0 || old_size > size || (n > 0 && !proof))
		return -1;
	if (old_size == size)
		return n == 0 && same(old_root, root) ? 0 : -1;
	if (n == 0)
		return -1;
	fn = old_size - 1;
	sn = size - 1;
	/* An old tree of 2^k leaves is a node of the new one: its root is
	 * the proof's implicit first hash. */
	if ((old_size & (old_size - 1)) == 0) {
		memcpy(fr, old_root, TLOG_HASH);
	} else {
		memcpy(fr, proof[0], TLOG_HASH);
		i = 1;
	}
	memcpy(sr, fr, TLOG_HASH);
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < n; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			vault__tlog_node_hash(proof[i], fr, fr);
			vault__tlog_node_hash(proof[i], sr, sr);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			vault__tlog_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && same(fr, old_root) && same(sr, root) ? 0 : -1;
}
