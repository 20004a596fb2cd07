/*
 * audit_tree.c - the RFC 6962 Merkle tree over the audit log, in the vault:
 * its stored hashes (column audit.tree), computed on every append, and read
 * back for roots and proofs.
 *
 * The leaf of entry seq is its 32-byte BLAKE2b-256 hash (audit_entry.c), so
 * the leaf hash is SHA-256(0x00 || entry hash): a proof that an entry is in
 * the log needs that entry alone, and its proof hashes are interior nodes
 * that reveal nothing of the other entries.
 *
 * Entry seq's row holds the hashes that entry completes (lib/tlog.h), leaf
 * first: node (level, index) is in the row of entry (index + 1) * 2^level,
 * at position level.  They are written with the entry, in the same insert.
 *
 * They are derived data: everything in them follows from the log, and
 * vault_audit_verify() recomputes them.  The rows of a vault made by 1.0
 * have none: the first append fills them in, as it does when the right edge
 * it needs is missing or malformed.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "facts.h"
#include "internal.h"

static vault_status tree_corrupt(vault *v, uint64_t seq)
{
	return vault__err(v, VAULT_ERR_CORRUPT, "audit tree: stored hashes of entry "
	                  "%llu are missing or malformed", (unsigned long long)seq);
}

vault_status vault__audit_tree_read(void *ctx, int level, uint64_t index,
                                    unsigned char out[TLOG_HASH])
{
	vault *v = ctx;
	sqlite3_stmt *s;
	uint64_t seq;
	int rc;

	if (level < 0 || level >= 63 || index >= (UINT64_C(1) << (63 - level)) - 1)
		return vault__err(v, VAULT_ERR_INVALID, "audit tree: node out of range");
	seq = (index + 1) << level;
	s = vault__stmt(v, ST_TREE_GET);
	if (s == NULL)
		return vault__sql_status(v, sqlite3_errcode(v->db), "audit tree");
	sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int want = vault__tlog_stored_count(seq - 1) * TLOG_HASH;

		if (sqlite3_column_bytes(s, 0) != want) {
			sqlite3_reset(s);
			return tree_corrupt(v, seq);
		}
		memcpy(out, (const unsigned char *)sqlite3_column_blob(s, 0) +
		                (size_t)level * TLOG_HASH, TLOG_HASH);
		sqlite3_reset(s);
		return VAULT_OK;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return tree_corrupt(v, seq);
	return vault__sql_status(v, rc, "audit tree");
}

/* Rebuild every row's tree hashes from the log (a vault made by 1.0, or a
 * damaged right edge): one pass, O(n), once. */
static vault_status tree_rebuild(vault *v)
{
	unsigned char leaf[TLOG_HASH], stored[TLOG_MAX_LEVELS][TLOG_HASH];
	sqlite3_stmt *s = NULL, *u;
	vault_status st;
	int rc, n;

	vault__tlog_frontier_init(&v->tree);
	st = vault__prepare(v, "SELECT seq, hash FROM audit ORDER BY seq", &s);
	if (st != VAULT_OK)
		return st;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(s, 0);

		if (seq != v->tree.size + 1 || sqlite3_column_bytes(s, 1) != 32) {
			st = vault__err(v, VAULT_ERR_INTEGRITY, "audit log: entry %llu is "
			                "missing or malformed", (unsigned long long)v->tree.size + 1);
			break;
		}
		vault__tlog_leaf_hash(sqlite3_column_blob(s, 1), 32, leaf);
		if (vault__tlog_frontier_append(&v->tree, leaf, stored, &n) != 0) {
			st = vault__err(v, VAULT_ERR_AUDIT, "audit tree is full");
			break;
		}
		if ((u = vault__stmt(v, ST_TREE_SET)) == NULL) {
			st = vault__err(v, VAULT_ERR_AUDIT, "audit tree: %s", sqlite3_errmsg(v->db));
			break;
		}
		sqlite3_bind_int64(u, 1, (sqlite3_int64)seq);
		sqlite3_bind_blob(u, 2, stored, n * TLOG_HASH, SQLITE_STATIC);
		rc = sqlite3_step(u);
		sqlite3_reset(u);
		if (rc != SQLITE_DONE) {
			st = vault__sql_status(v, rc, "audit tree");
			break;
		}
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "audit tree");
	sqlite3_finalize(s);
	if (st == VAULT_OK && v->tree.size != v->head_seq)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "audit log: %llu entries up to entry "
		                "%llu (a gap)", (unsigned long long)v->tree.size,
		                (unsigned long long)v->head_seq);
	return st;
}

/* v->tree at the log's head (v->head_seq, known): the right edge from the
 * stored hashes, O(log n) reads, or a rebuild when they are not there or
 * are not the tree the handle verified. */
static vault_status tree_sync(vault *v)
{
	tlog_frontier mine;
	unsigned char a[TLOG_HASH], b[TLOG_HASH];
	vault_status st;

	v->tree_known = 0;
	st = vault__tlog_frontier_load(&v->tree, v->head_seq, vault__audit_tree_read, v);
	if (st == VAULT_ERR_CORRUPT)
		st = tree_rebuild(v);
	if (st != VAULT_OK)
		return st;
	/* The stored nodes are anyone's to rewrite, and an honest entry must
	 * not extend rewritten ones: when the handle's verifier read up to
	 * this head, its tree decides (attack 280d).  Nodes that disagree are
	 * made again from the entries' hashes; if they still disagree, the
	 * entry extends the verifier's tree all the same. */
	if (vault__facts_frontier(v, v->head_seq, v->head_hash, &mine)) {
		vault__tlog_frontier_root(&mine, a);
		vault__tlog_frontier_root(&v->tree, b);
		if (sodium_memcmp(a, b, TLOG_HASH) != 0 && (st = tree_rebuild(v)) != VAULT_OK)
			return st;
		vault__tlog_frontier_root(&v->tree, b);
		if (sodium_memcmp(a, b, TLOG_HASH) != 0)
			v->tree = mine;
	}
	memcpy(v->tree_head, v->head_hash, 32);
	v->tree_known = 1;
	return VAULT_OK;
}

vault_status vault__audit_tree_append(vault *v, uint64_t seq, const unsigned char hash[32],
                                      unsigned char stored[TLOG_MAX_LEVELS][TLOG_HASH],
                                      int *n)
{
	unsigned char leaf[TLOG_HASH];
	vault_status st;

	/* The edge is kept between transactions while the head is the one it
	 * was computed for: the head hash covers every entry before it. */
	if (!v->tree_known || v->tree.size != v->head_seq ||
	    memcmp(v->tree_head, v->head_hash, 32) != 0) {
		if ((st = tree_sync(v)) != VAULT_OK)
			return st;
	}
	if (seq != v->tree.size + 1)
		return vault__err(v, VAULT_ERR_AUDIT, "audit tree: entry %llu after %llu",
		                  (unsigned long long)seq, (unsigned long long)v->tree.size);
	vault__tlog_leaf_hash(hash, 32, leaf);
	if (vault__tlog_frontier_append(&v->tree, leaf, stored, n) != 0)
		return vault__err(v, VAULT_ERR_AUDIT, "audit tree is full");
	memcpy(v->tree_head, hash, 32);
	return VAULT_OK;
}

vault_status vault__audit_tree_root(vault *v, uint64_t size, unsigned char root[TLOG_HASH])
{
	return vault__tlog_tree_hash(size, vault__audit_tree_read, v, root);
}
