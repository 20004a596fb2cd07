/*
 * tlog.h - an RFC 6962 Merkle tree (SHA-256), as a transparency log keeps it.
 *
 * Pure functions over hashes: nothing here knows what an audit entry or a
 * database is.  The tree's hashes are stored as Go's golang.org/x/mod/sumdb/tlog
 * stores them (StoredHashes): appending record n stores its leaf hash and the
 * hash of every subtree that record n completes (1 + the number of trailing
 * one bits of n), so an append costs O(1) hashes amortised, O(log n) at worst,
 * and any node of the tree is one stored hash.  Here the hashes of record n are
 * kept together, in one row, in that order (level 0, 1, ...).
 *
 * Proofs are RFC 6962 section 2.1.1 (PATH) and 2.1.2 (PROOF), checked as
 * RFC 9162 sections 2.1.3.2 and 2.1.4.2 give it; the same lists of hashes
 * that Go's tlog.ProveRecord / tlog.ProveTree produce and tlog.CheckRecord /
 * tlog.CheckTree accept.
 */
#ifndef VAULT_TLOG_H
#define VAULT_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "vault.h"

#define TLOG_HASH 32       /* SHA-256 */
#define TLOG_MAX_LEVELS 64 /* a tree of up to 2^64 - 1 leaves */
/* Longest proof: a consistency proof of a 2^63-leaf tree within a larger
 * one needs at most 2 * 63 + 1 hashes; inclusion at most 64. */
#define TLOG_PROOF_MAX 128

/* RFC 6962: leaf hash SHA-256(0x00 || data), node hash
 * SHA-256(0x01 || left || right), empty tree SHA-256(""). */
void vault__tlog_leaf_hash(const unsigned char *data, size_t len,
                           unsigned char out[TLOG_HASH]);
void vault__tlog_node_hash(const unsigned char left[TLOG_HASH],
                           const unsigned char right[TLOG_HASH],
                           unsigned char out[TLOG_HASH]);
void vault__tlog_empty_root(unsigned char out[TLOG_HASH]);

/* How many hashes are stored with record n (0-based): 1 + trailing ones. */
int vault__tlog_stored_count(uint64_t n);

/*
 * The right edge of a tree: the roots of the complete subtrees it is made
 * of, one per set bit of size (the subtree of 2^level leaves is in
 * h[level] when bit `level` of size is set).  Enough to append and to
 * compute the root, in 2 KiB.
 */
typedef struct tlog_frontier {
	uint64_t size;
	unsigned char h[TLOG_MAX_LEVELS][TLOG_HASH];
} tlog_frontier;

void vault__tlog_frontier_init(tlog_frontier *f);
/* Append a leaf hash; stored[] receives the hashes to store with this
 * record (vault__tlog_stored_count(old size) of them, leaf first).  -1 if
 * the tree is full. */
int vault__tlog_frontier_append(tlog_frontier *f,
                                const unsigned char leaf[TLOG_HASH],
                                unsigned char stored[TLOG_MAX_LEVELS][TLOG_HASH],
                                int *nstored);
/* The tree head (root) at f->size. */
void vault__tlog_frontier_root(const tlog_frontier *f,
                               unsigned char out[TLOG_HASH]);

/* Reads the stored hash of the complete subtree at (level, index): the
 * leaves [index * 2^level, (index + 1) * 2^level).  Returns VAULT_OK or a
 * status that is passed back up unchanged. */
typedef vault_status (*tlog_read_fn)(void *ctx, int level, uint64_t index,
                                     unsigned char out[TLOG_HASH]);

/* The frontier of the tree of `size` leaves, read from stored hashes
 * (one read per set bit of size). */
vault_status vault__tlog_frontier_load(tlog_frontier *f, uint64_t size,
                                       tlog_read_fn read, void *ctx);
/* The root of the tree of `size` leaves, from stored hashes. */
vault_status vault__tlog_tree_hash(uint64_t size, tlog_read_fn read, void *ctx,
                                   unsigned char out[TLOG_HASH]);

/* Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 6962
 * PATH): *n hashes into proof.  VAULT_ERR_INVALID if index >= size. */
vault_status vault__tlog_prove_inclusion(uint64_t index, uint64_t size,
                                         tlog_read_fn read, void *ctx,
                                         unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH],
                                         size_t *n);
/* Consistency proof of the tree of `old_size` leaves within the tree of
 * `size` leaves (RFC 6962 PROOF); empty when the sizes are equal.
 * VAULT_ERR_INVALID unless 0 < old_size <= size. */
vault_status vault__tlog_prove_consistency(uint64_t old_size, uint64_t size,
                                           tlog_read_fn read, void *ctx,
                                           unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH],
                                           size_t *n);

/* Checks (no stored hashes needed): 0 if the proof holds, -1 if not. */
int vault__tlog_check_inclusion(const unsigned char leaf[TLOG_HASH],
                                uint64_t index, uint64_t size,
                                const unsigned char root[TLOG_HASH],
                                const unsigned char (*proof)[TLOG_HASH],
                                size_t n);
int vault__tlog_check_consistency(uint64_t old_size,
                                  const unsigned char old_root[TLOG_HASH],
                                  uint64_t size,
                                  const unsigned char root[TLOG_HASH],
                                  const unsigned char (*proof)[TLOG_HASH],
                                  size_t n);

#endif
