/*
 * audit_tree.c - the RFC 6962 Merkle tree over the audit log, in the vault:
 * its stored hashes (table audit_tree), kept up to date on every append, and
 * read back for roots and proofs.
 *
 * The leaf of entry seq is its 32-byte BLAKE2b-256 hash (audit_chain.c), so
 * the leaf hash is SHA-256(0x00 || entry hash): a proof that an entry is in
 * the log needs that entry alone, and its proof hashes are interior nodes
 * that reveal nothing of the other entries.
 *
 * The table is derived data: everything in it follows from the log, and
 * vault_audit_verify() recomputes it.  Rows missing at the end (a vault made
 * by 1.0.0, or an append whose entry failed) are filled in at the next
 * append; rows past the end of the log are dropped there.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static vault_status tree_corrupt(vault *v, uint64_t seq)
{
	return vault__err(v, VAULT_ERR_CORRUPT, "audit tree: stored hashes of entry "
	                  "%llu are missing or malformed", (unsigned long long)seq);
}

/* tlog_read_fn over the table: node (level, index) is stored with the entry
 * that completes it, seq = (index + 1) * 2^level, at position level. */
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

static vault_status tree_insert(vault *v, uint64_t seq,
                                unsigned char stored[TLOG_MAX_LEVELS][TLOG_HASH],
                                int n)
{
	sqlite3_stmt *s = vault__stmt(v, ST_TREE_INSERT);
	int rc;

	if (s == NULL)
		return vault__err(v, VAULT_ERR_AUDIT, "audit tree: %s", sqlite3_errmsg(v->db));
	sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
	sqlite3_bind_blob(s, 2, stored, n * TLOG_HASH, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
		return vault__err(v, VAULT_ERR_CORRUPT, "audit tree: database is damaged");
	if (rc != SQLITE_DONE)
		return vault__err(v, VAULT_ERR_AUDIT, "audit tree: %s", sqlite3_errmsg(v->db));
	return VAULT_OK;
}

/* Append entry seq (= f->size + 1) with hash h to frontier f and store it. */
static vault_status tree_add(vault *v, tlog_frontier *f, uint64_t seq,
                             const unsigned char h[32])
{
	unsigned char leaf[TLOG_HASH], stored[TLOG_MAX_LEVELS][TLOG_HASH];
	int n;

	if (seq != f->size + 1)
		return vault__err(v, VAULT_ERR_INTEGRITY, "audit log: entry %llu follows "
		                  "entry %llu (a gap)", (unsigned long long)seq,
		                  (unsigned long long)f->size);
	vault__tlog_leaf_hash(h, 32, leaf);
	if (vault__tlog_frontier_append(f, leaf, stored, &n) != 0)
		return vault__err(v, VAULT_ERR_AUDIT, "audit tree is full");
	return tree_insert(v, seq, stored, n);
}

/* Bring the table and v->tree to the log's head (v->head_seq, known). */
static vault_status tree_sync(vault *v)
{
	sqlite3_stmt *s = NULL;
	uint64_t have = 0;
	vault_status st;
	int rc;

	v->tree_known = 0;
	st = vault__prepare(v, "SELECT max(seq) FROM audit_tree", &s);
	if (st != VAULT_OK)
		return st;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		have = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return vault__sql_status(v, rc, "audit tree");
	if (have > v->head_seq) {
		/* Left by an entry that failed after its tree row: not the log's. */
		char sql[96];

		snprintf(sql, sizeof(sql), "DELETE FROM audit_tree WHERE seq > %llu",
		         (unsigned long long)v->head_seq);
		if ((st = vault__exec(v, sql)) != VAULT_OK)
			return st;
		have = v->head_seq;
	}
	st = vault__tlog_frontier_load(&v->tree, have, vault__audit_tree_read, v);
	if (st == VAULT_ERR_CORRUPT) {
		/* Damaged rows: the tree follows from the log, so rebuild it. */
		if ((st = vault__exec(v, "DELETE FROM audit_tree")) != VAULT_OK)
			return st;
		vault__tlog_frontier_init(&v->tree);
		have = 0;
	} else if (st != VAULT_OK) {
		return st;
	}
	if (have < v->head_seq) {
		st = vault__prepare(v, "SELECT seq, hash FROM audit WHERE seq > ?1 ORDER BY seq", &s);
		if (st != VAULT_OK)
			return st;
		sqlite3_bind_int64(s, 1, (sqlite3_int64)have);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (sqlite3_column_bytes(s, 1) != 32) {
				st = vault__err(v, VAULT_ERR_CORRUPT, "audit entry %llu is malformed",
				                (unsigned long long)sqlite3_column_int64(s, 0));
				break;
			}
			st = tree_add(v, &v->tree, (uint64_t)sqlite3_column_int64(s, 0),
			              sqlite3_column_blob(s, 1));
			if (st != VAULT_OK)
				break;
		}
		if (st == VAULT_OK && rc != SQLITE_DONE)
			st = vault__sql_status(v, rc, "audit tree");
		sqlite3_finalize(s);
		if (st != VAULT_OK)
			return st;
		if (v->tree.size != v->head_seq)
			return vault__err(v, VAULT_ERR_INTEGRITY, "audit log: %llu entries up to "
			                  "entry %llu (a gap)", (unsigned long long)v->tree.size,
			                  (unsigned long long)v->head_seq);
	}
	memcpy(v->tree_head, v->head_hash, 32);
	v->tree_known = 1;
	return VAULT_OK;
}

vault_status vault__audit_tree_append(vault *v, uint64_t seq, const unsigned char hash[32])
{
	unsigned char saved[TLOG_HASH];
	uint64_t size;
	int top = 0;
	vault_status st;

	/* The edge is kept between transactions while the head is the one it
	 * was computed for: the head hash covers every entry before it. */
	if (!v->tree_known || v->tree.size != v->head_seq ||
	    memcmp(v->tree_head, v->head_hash, 32) != 0) {
		if ((st = tree_sync(v)) != VAULT_OK)
			return st;
	}
	/* An append changes the size and one hash of the edge (the level the
	 * carry stops at): keep those to undo a failed insert. */
	size = v->tree.size;
	while (top < TLOG_MAX_LEVELS - 1 && ((size >> top) & 1))
		top++;
	memcpy(saved, v->tree.h[top], TLOG_HASH);
	st = tree_add(v, &v->tree, seq, hash);
	if (st == VAULT_OK) {
		memcpy(v->tree_head, hash, 32);
	} else {
		v->tree.size = size;
		memcpy(v->tree.h[top], saved, TLOG_HASH);
		v->tree_known = 0;
	}
	return st;
}

vault_status vault__audit_tree_root(vault *v, uint64_t size, unsigned char root[TLOG_HASH])
{
	return vault__tlog_tree_hash(size, vault__audit_tree_read, v, root);
}
