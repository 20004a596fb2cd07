/*
 * cases.c - cases and their records.
 *
 * A record version is encrypted with XChaCha20-Poly1305 under the current
 * key of its (case, class), with a random nonce; the associated data binds
 * case id, record name, version, class and key epoch (crypto.c), and the
 * Padme padding of the content (freetext.c).  Its row names it by its tag,
 * never by its name (freetext.c): look-ups compute the tag, listings open
 * the label.  Rows of 1.x, which hold the name as TEXT, are converted by the
 * first write to their record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "internal.h"

/* A statement that could not be prepared: out of memory, or worse. */
static vault_status prepare_failed(vault *v, const char *what)
{
	int rc = sqlite3_errcode(v->db);

	return vault__sql_status(v, rc == SQLITE_OK ? SQLITE_ERROR : rc, what);
}

static vault_status insert_owner_grant(vault *v, const char *case_id, int restricted)
{
	sqlite3_stmt *s;
	vault_status st;

	st = vault__prepare(v, "INSERT INTO grants(case_id, pkind, principal, classes, perm,"
	                       " consent_id, expires, granted_by, created, revoked, owner)"
	                       " VALUES(?1, ?2, ?3, ?4, ?5, NULL, 0, ?6, ?7, 0, 1)", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, case_id);
	/* A restricted case is held by its creator alone, not the whole org. */
	sqlite3_bind_int(s, 2, restricted ? VAULT_PRINCIPAL_USER : VAULT_PRINCIPAL_ORG);
	vault__bind_text(s, 3, restricted ? v->user : v->org);
	sqlite3_bind_int(s, 4, (int)VAULT_CLASS_ALL);
	sqlite3_bind_int(s, 5, VAULT_PERM_SHARE);
	vault__bind_text(s, 6, v->user);
	sqlite3_bind_int64(s, 7, vault__now());
	st = vault__sql_status(v, sqlite3_step(s), "grant");
	sqlite3_finalize(s);
	return st;
}

vault_status vault_case_create(vault *v, vault_case_kind kind, unsigned int flags,
                               char out_id[VAULT_ID_BUFSIZE])
{
	unsigned char raw[16];
	char id[VAULT_ID_BUFSIZE];
	sqlite3_stmt *s;
	unsigned int c;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (out_id == NULL || vault_case_kind_name(kind) == NULL ||
	    (flags & ~VAULT_CASE_RESTRICTED) != 0)
		return vault__err(v, VAULT_ERR_INVALID, "case create: kind and out_id are required");
	out_id[0] = '\0';
	/* 128 random bits: the id says nothing about the case. */
	vault__random(raw, sizeof(raw));
	vault__hex(raw, sizeof(raw), id);
	st = vault__gate_open(v, &g, "case.create", POLICY_CREATE, NULL, NULL, 0, NULL, NULL);
	if (st == VAULT_OK) {
		g.ev.case_id = id;
		st = vault__prepare(v, "INSERT INTO cases(id, kind, owner_org, created_by,"
		                       " restricted, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", &s);
		if (st == VAULT_OK) {
			vault__bind_text(s, 1, id);
			sqlite3_bind_int(s, 2, (int)kind);
			vault__bind_text(s, 3, v->org);
			vault__bind_text(s, 4, v->user);
			sqlite3_bind_int(s, 5, (flags & VAULT_CASE_RESTRICTED) != 0);
			sqlite3_bind_int64(s, 6, vault__now());
			st = vault__sql_status(v, sqlite3_step(s), "case");
			sqlite3_finalize(s);
		}
	}
	if (st == VAULT_OK)
		st = insert_owner_grant(v, id, (flags & VAULT_CASE_RESTRICTED) != 0);
	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY && st == VAULT_OK; c <<= 1)
		st = vault__class_rotate(v, id, c);
	st = vault__gate_close(&g, st);
	if (st == VAULT_OK)
		memcpy(out_id, id, VAULT_ID_BUFSIZE);
	return st;
}

static void case_info(const gate *g, vault_case_info *info)
{
	info->id = g->cs.id;
	info->kind = g->cs.kind;
	info->owner_org = g->cs.owner_org;
	info->created_by = g->cs.created_by;
	info->created = g->cs.created;
	info->restricted = g->cs.restricted;
	info->readable = g->dec.readable;
	info->writable = g->dec.writable;
}

static vault_status check_case_id(vault *v, const char *case_id)
{
	if (!vault__valid_id(case_id))
		return vault__err(v, VAULT_ERR_INVALID, "a case id is %d hex digits", VAULT_ID_LEN);
	return VAULT_OK;
}

vault_status vault_case_show(vault *v, const char *case_id, vault_case_cb cb, void *ctx)
{
	vault_case_info info;
	vault_status st;
	int ret = 0;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (cb == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "callback is NULL");
	if ((st = check_case_id(v, case_id)) != VAULT_OK)
		return st;
	st = vault__gate_open(v, &g, "case.show", POLICY_META, case_id, NULL, 0, NULL, NULL);
	st = vault__gate_close(&g, st);
	if (st != VAULT_OK)
		return st;
	case_info(&g, &info);
	ret = cb(&info, ctx);
	return (vault_status)ret;
}

vault_status vault_case_foreach(vault *v, vault_case_cb cb, void *ctx)
{
	static const char *const list_tables[] = {"grants", "breakglass", NULL};
	rowbuf rb = {NULL, 0, 0, 0};
	sqlite3_stmt *s = NULL;
	vault_status st;
	size_t r;
	int ret = 0;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (cb == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "callback is NULL");
	st = vault__gate_open(v, &g, "case.list", POLICY_NONE, NULL, NULL, 0, NULL, NULL);
	/* The list is read from grants and break-glass windows across every
	 * case: each row must be one the log vouches for, and none missing,
	 * or a deleted grant would drop a case from the list without a word. */
	if (st == VAULT_OK)
		st = vault__facts_check_tables(v, list_tables);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT DISTINCT case_id FROM grants WHERE revoked = 0 AND"
		                       " ((pkind = 1 AND principal = ?1) OR (pkind = 2 AND principal = ?2))"
		                       " UNION SELECT case_id FROM breakglass WHERE user = ?2 AND until > ?3"
		                       " ORDER BY 1", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, v->org);
		vault__bind_text(s, 2, v->user);
		sqlite3_bind_int64(s, 3, vault__now());
		st = vault__rows_fetch(v, s, &rb);
	}
	sqlite3_finalize(s);
	st = vault__gate_close(&g, st);
	/* Each case through the decision, so expiry and separation apply;
	 * the list itself is one audit entry. */
	for (r = 0; r < rb.nrow && st == VAULT_OK && ret == 0; r++) {
		gate cg;
		vault_case_info info;
		memset(&cg, 0, sizeof(cg));
		cg.v = v;
		st = vault__case_load(v, RB_TEXT(&rb, r, 0), &cg.cs);
		if (st != VAULT_OK)
			break;
		st = vault__gate_peek(v, &cg);
		if (st != VAULT_OK)
			break;
		if (!cg.dec.allow)
			continue;
		case_info(&cg, &info);
		ret = cb(&info, ctx);
	}
	vault__rows_free(&rb);
	return st == VAULT_OK && ret != 0 ? (vault_status)ret : st;
}

/* ---- records ----------------------------------------------------------------- */

#define AD_MAX (32 + 8 + VAULT_ID_BUFSIZE + VAULT_NAME_MAX + 16)

static vault_status check_record_args(vault *v, const char *case_id, const char *name)
{
	vault_status st = check_case_id(v, case_id);

	if (st == VAULT_OK && !vault__valid_name(name))
		st = vault__err(v, VAULT_ERR_INVALID,
		                "a record name is 1..%d of [A-Za-z0-9._-]", VAULT_NAME_MAX);
	return st;
}

/* The tag of (case, cls, name) into tag, *have = 1; *have = 0 if the
 * caller holds no key of that class (then no row of it can be found). */
static vault_status tag_of(vault *v, const char *case_id, unsigned int cls,
                           const char *name, unsigned char tag[VAULT_NAME_TAG_BYTES],
                           int *have)
{
	vault_status st = vault__name_tag(v, case_id, cls, name, tag);

	*have = st == VAULT_OK;
	return st == VAULT_ERR_DENIED ? VAULT_OK : st;
}

/* The associated data of a version's content: the record's place, and a
 * last byte for content padded with Padme, so a row cannot claim the other
 * format. */
static size_t content_ad(unsigned char *ad, size_t cap, const char *case_id,
                         const char *name, uint32_t ver, unsigned int cls, uint32_t epoch,
                         int padded)
{
	size_t n = vault__record_ad(ad, cap - 1, case_id, name, ver, cls, epoch);

	if (n != 0 && padded)
		ad[n++] = 1;
	return n;
}

/* Versions count per record, and a record is (case, class, name): a writer
 * learns nothing of a same-named record in a class he cannot read. */
static vault_status next_version(vault *v, const char *case_id, const char *name,
                                 const unsigned char tag[VAULT_NAME_TAG_BYTES],
                                 unsigned int cls, uint32_t *ver)
{
	sqlite3_stmt *s = vault__stmt(v, ST_RECORD_MAXVER);
	sqlite3_int64 newest, rowid;
	int64_t held = 0;
	vault_status st;
	int rc;

	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_blob(s, 2, tag, VAULT_NAME_TAG_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, (int)cls);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		/* no rows: a new record, unless the log holds versions of it,
		 * by its tag or its 1.x name (removed around the library:
		 * version 1 would be one of them) */
		st = vault__facts_record_newest(v, case_id, tag, VAULT_NAME_TAG_BYTES, 1, cls,
		                                &held);
		if (st == VAULT_OK && held == 0)
			st = vault__facts_record_newest(v, case_id, name, strlen(name), 0, cls, &held);
		if (st == VAULT_OK && held > 0)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "the log holds version %lld of this"
			                " record, but its rows were removed around the library",
			                (long long)held);
		*ver = 1;
		return st;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return vault__sql_status(v, rc, "version");
	}
	newest = sqlite3_column_int64(s, 0);
	rowid = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	/* The next version follows the newest the log holds: a row planted
	 * with a higher number would have the writer sign a version after it
	 * (one near 2^32 freezes the record for good). */
	st = vault__facts_check_row(v, "records", rowid, 1);
	if (st != VAULT_OK)
		return st;
	if (newest < 0 || newest >= (sqlite3_int64)UINT32_MAX)
		return vault__err(v, VAULT_ERR_INVALID, "too many versions");
	*ver = (uint32_t)newest + 1;
	return VAULT_OK;
}

/* Holders and principals are numbered alike, so one column compares. */
_Static_assert(HOLDER_ORG == VAULT_PRINCIPAL_ORG && HOLDER_USER == VAULT_PRINCIPAL_USER,
               "holder kinds must match principal kinds");

/* Must the class key in force go before a write under it, whatever the
 * seal rows say?  Seal rows are not facts: a holder who deleted hers (or
 * hid them from the index) would never be found lapsed (attack 19).  So
 * this is decided from the facts, the grants (rows checked against them
 * when the gate opened the case) and the signed entry that made the epoch:
 *   - a grant covering the class lapsed after that entry's time: its
 *     holder may have been sealed the key while the grant was live;
 *   - the key's maker may no longer read the class (her grant or her
 *     organisation's lapsed, she was disabled): she knows it (attack 21);
 *   - a grant covering the class was revoked after the key was made, by
 *     a statement without a new epoch (a holder with the share right may
 *     sign her own revocation, keep the key and delete her seals: 22);
 *   - the epoch has no fact and no row of class_epochs (a case made before
 *     schema 7 whose class never rotated since): no signed commitment
 *     names its key, which anyone who can write the seals could have
 *     planted (attacks 20, 36).
 * An epoch made inside this transaction has a row but is not a fact yet:
 * the seal rows alone decide then (the lock is ours).  An epoch time
 * ahead of the clock says nothing: every lapsed grant counts. */
static vault_status lapsed_since_epoch(vault *v, const char *case_id, unsigned int cls,
                                       uint32_t epoch, int *lapsed)
{
	sqlite3_stmt *s;
	int64_t made, now = vault__now();
	vault_status st;
	int rc, stale;

	*lapsed = 0;
	st = vault__facts_key_in_force(v, case_id, cls, epoch, now, &made, &stale);
	if (st != VAULT_OK)
		return st;
	if (stale) {
		*lapsed = 1;
		return VAULT_OK;
	}
	if (made < 0) {
		st = vault__prepare(v, "SELECT 1 FROM class_epochs WHERE case_id = ?1 AND"
		                       " class = ?2 AND epoch = ?3", &s);
		if (st != VAULT_OK)
			return st;
		vault__bind_text(s, 1, case_id);
		sqlite3_bind_int(s, 2, (int)cls);
		sqlite3_bind_int64(s, 3, epoch);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc == SQLITE_ROW)
			return VAULT_OK; /* ours, in this transaction */
		if (rc != SQLITE_DONE)
			return vault__sql_status(v, rc, "class epochs");
		/* No signed commitment names this key (a case made before
		 * schema 7): whoever can write its seals could have planted it
		 * (attack 36), so nothing new is written under it. */
		*lapsed = 1;
		return VAULT_OK;
	}
	if (made > now)
		made = 0;
	s = vault__stmt(v, ST_LAPSED_GRANTS);
	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, made);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	*lapsed = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "lapsed grants");
	return st;
}

/* A grant that lapsed (expired, or capped at an expired consent) keeps its
 * seals of the current class key, since nothing rotated when it lapsed.
 * Before writing under that key, rotate it away from such holders, so a
 * lapsed grant is no grant in the keys either (DESIGN.md invariant 2). */
vault_status vault__drop_lapsed_holders(vault *v, const char *case_id, unsigned int cls)
{
	sqlite3_stmt *s;
	uint32_t epoch;
	vault_status st;
	int rc;

	/* Once per case and class in a vault_begin() batch: the lock is held. */
	if (vault__txn_cache_lapsed_checked(v, case_id, cls))
		return VAULT_OK;
	st = vault__class_epoch(v, case_id, cls, &epoch);
	if (st != VAULT_OK)
		return st;
	s = vault__stmt(v, ST_LAPSED_HOLDERS);
	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, (int)cls);
	sqlite3_bind_int64(s, 3, epoch);
	sqlite3_bind_int(s, 4, HOLDER_ORG);
	sqlite3_bind_int(s, 5, HOLDER_USER);
	sqlite3_bind_int64(s, 6, vault__now());
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		int lapsed = 0;

		st = lapsed_since_epoch(v, case_id, cls, epoch, &lapsed);
		if (st != VAULT_OK)
			return st;
		if (lapsed)
			rc = SQLITE_ROW;
	}
	if (rc == SQLITE_ROW) {
		/* Many writes: the light operation takes its savepoint. */
		st = vault__txn_savepoint(v);
		return st == VAULT_OK ? vault__class_rotate(v, case_id, cls) : st;
	}
	if (rc != SQLITE_DONE)
		return vault__sql_status(v, rc, "class key holders");
	/* an organisation left out while its keys were owed gets what it
	 * missed from the first writer who holds it (attack 170a) */
	st = vault__class_refill(v, case_id, cls);
	if (st == VAULT_OK)
		vault__txn_cache_lapsed_mark(v, case_id, cls);
	return st;
}

/* The row a light put or delete wrote, to take back if its audit entry
 * cannot be written. */
typedef struct written {
	const char *case_id;
	const unsigned char *tag;
	unsigned int cls;
	uint32_t version;
} written;

static vault_status undo_version(gate *g)
{
	written *w = g->undo_ctx;
	sqlite3_stmt *s;
	vault_status st;

	if (w->version == 0)
		return VAULT_OK;
	st = vault__prepare(g->v, "DELETE FROM records WHERE case_id = ?1 AND name = ?2"
	                          " AND version = ?3 AND class = ?4", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, w->case_id);
	sqlite3_bind_blob(s, 2, w->tag, VAULT_NAME_TAG_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, w->version);
	sqlite3_bind_int(s, 4, (int)w->cls);
	st = vault__sql_status(g->v, sqlite3_step(s), "undo");
	if (st == VAULT_OK && sqlite3_changes(g->v->db) != 1)
		st = VAULT_ERR_IO;
	sqlite3_finalize(s);
	return st;
}

/* Convert the rows 1.x wrote of (case, cls, name), which hold its name in
 * clear: name becomes the tag, a label seals name and size, and content is
 * re-encrypted padded, under the key of its own epoch with a new nonce.
 * Run by the first write to the record, which holds its keys. */
static vault_status convert_legacy(vault *v, const char *case_id, unsigned int cls,
                                   const char *name,
                                   const unsigned char tag[VAULT_NAME_TAG_BYTES])
{
	rowbuf rb = {NULL, 0, 0, 0};
	sqlite3_stmt *s = vault__stmt(v, ST_RECORD_LEGACY);
	unsigned char label[VAULT_LABEL_BYTES];
	int *legacy = NULL; /* per row: a legacy fact, to convert */
	size_t nlegacy = 0;
	sqlite3_int64 top = 0; /* the newest legacy version */
	vault_status st;
	size_t i;
	int rc;

	/* Every write asks; once converted, a record never needs it again. */
	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, case_id);
	vault__bind_text(s, 2, name);
	sqlite3_bind_int(s, 3, (int)cls);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return VAULT_OK;
	if (rc != SQLITE_ROW)
		return vault__sql_status(v, rc, "record");
	s = NULL;
	st = vault__prepare(v, "SELECT version, epoch, deleted, size, nonce, ct, rowid"
	                       " FROM records WHERE case_id = ?1 AND name = ?2 AND class = ?3"
	                       " ORDER BY version", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, case_id);
		vault__bind_text(s, 2, name);
		sqlite3_bind_int(s, 3, (int)cls);
		st = vault__rows_fetch(v, s, &rb);
	}
	sqlite3_finalize(s);
	s = NULL;
	/* Only rows the log vouches for are converted: the conversion states
	 * each row in this write's entry, under the writer's signature, so a
	 * row planted in the form of 1.x (its author or size chosen by whoever
	 * wrote it) would become a fact, or an entry no replay accepts.  Sizes
	 * are checked too, before anything is computed from them. */
	/* And only legacy facts are rows of 1.x: a signed row in clear (its
	 * signer's, around the library) is a fact about another name value,
	 * no version of this record; it is left alone, neither converted nor
	 * counted, and the record goes on under its tag (attack 180c: its
	 * conversion collided with the record's own versions, for good).  The
	 * replay accepts no signed version after a legacy one, so the legacy
	 * rows are the versions up to the newest legacy one. */
	if (st == VAULT_OK && rb.nrow > 0 &&
	    (legacy = vault__calloc(rb.nrow, sizeof(*legacy))) == NULL)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	for (i = 0; st == VAULT_OK && i < rb.nrow; i++) {
		sqlite3_int64 size = RB_INT64(&rb, i, 3);

		st = vault__facts_record_legacy(v, RB_INT64(&rb, i, 6), 0, &legacy[i]);
		if (st == VAULT_OK && legacy[i] && (size < 0 || size > VAULT_RECORD_MAX))
			st = vault__err(v, VAULT_ERR_CORRUPT, "record row is malformed");
		if (st == VAULT_OK && legacy[i]) {
			nlegacy++;
			top = RB_INT64(&rb, i, 0);
		}
	}
	for (i = 0; st == VAULT_OK && nlegacy > 0 && i < rb.nrow; i++)
		if (!legacy[i] && RB_INT64(&rb, i, 0) <= top)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "a signed row in clear of record %s"
			                " lies below its versions of 1.x", name);
	if (st == VAULT_OK && nlegacy > 0)
		st = vault__txn_savepoint(v); /* many rows: the light put takes one */
	/* The 1.x rows are restated under the tag: the entry removes each
	 * one's fact (its key names the record in clear) and states the row
	 * converted, version for version (the replay pairs the two). */
	if (st == VAULT_OK && nlegacy > 0) {
		char where[128];

		snprintf(where, sizeof(where), "case_id = ?1 AND name = ?2 AND class = %u AND"
		         " version <= %lld", cls, (long long)top);
		st = vault__facts_note_delete(v, "records", where, case_id, name);
	}
	/* Only the name changes: to its tag, with the name and exact size
	 * sealed in the label.  The ciphertext, its size and every other
	 * column stay as 1.x wrote them, so the replay can see that the row
	 * under its tag is the legacy row, column for column (its content
	 * keeps its exact size: SECURITY.md, "What the files show"). */
	if (st == VAULT_OK && nlegacy > 0)
		st = vault__prepare(v, "UPDATE records SET name = ?1, label = ?2 WHERE rowid = ?3",
		                    &s);
	for (i = 0; st == VAULT_OK && i < rb.nrow; i++) {
		uint32_t ver = (uint32_t)RB_INT64(&rb, i, 0), epoch = (uint32_t)RB_INT64(&rb, i, 1);
		int deleted = RB_INT(&rb, i, 2);
		size_t size = (size_t)RB_INT64(&rb, i, 3);
		sqlite3_value *nv = rb.val[i * (size_t)rb.ncol + 4];
		sqlite3_value *cv = rb.val[i * (size_t)rb.ncol + 5];
		int has_ct = !deleted && sqlite3_value_type(cv) != SQLITE_NULL;

		if (!legacy[i])
			continue;
		if (has_ct && (sqlite3_value_bytes(nv) != VAULT_AEAD_NONCE_BYTES ||
		               (size_t)sqlite3_value_bytes(cv) != size + VAULT_AEAD_TAG_BYTES)) {
			st = vault__err(v, VAULT_ERR_CORRUPT, "record row is malformed");
			break;
		}
		st = vault__label_seal(v, case_id, cls, ver, epoch, tag, name, has_ct ? size : 0,
		                       label);
		if (st == VAULT_OK) {
			sqlite3_bind_blob(s, 1, tag, VAULT_NAME_TAG_BYTES, SQLITE_STATIC);
			sqlite3_bind_blob(s, 2, label, sizeof(label), SQLITE_STATIC);
			sqlite3_bind_int64(s, 3, RB_INT64(&rb, i, 6));
			st = vault__sql_status(v, sqlite3_step(s), "convert record");
			if (st == VAULT_OK && sqlite3_changes(v->db) != 1)
				st = vault__err(v, VAULT_ERR_INTEGRITY, "a 1.x row of record %s moved"
				                " while it was converted", name);
			sqlite3_reset(s);
		}
	}
	sqlite3_finalize(s);
	vault__rows_free(&rb);
	free(legacy);
	return st;
}

static vault_status write_version(vault *v, const char *case_id, const char *name,
                                  const unsigned char tag[VAULT_NAME_TAG_BYTES],
                                  unsigned int cls, const void *data, size_t len,
                                  int deleted, uint32_t *out_version)
{
	unsigned char nonce[VAULT_AEAD_NONCE_BYTES], ad[AD_MAX], label[VAULT_LABEL_BYTES];
	/* a record of a few KiB is sealed on the stack: a heap block of that
	 * size makes malloc sweep its free lists, on every put */
	unsigned char ct_small[4096 + VAULT_AEAD_TAG_BYTES];
	unsigned char *key = NULL, *ct = NULL;
	vault_buf pt = VAULT_BUF_INIT;
	uint32_t epoch = 0, ver = 0;
	sqlite3_stmt *s;
	size_t adlen, padded = 0;
	vault_status st;

	st = convert_legacy(v, case_id, cls, name, tag);
	if (st == VAULT_OK)
		st = next_version(v, case_id, name, tag, cls, &ver);
	if (st == VAULT_OK && !deleted)
		st = vault__drop_lapsed_holders(v, case_id, cls);
	if (st == VAULT_OK)
		st = vault__class_epoch(v, case_id, cls, &epoch);
	if (st == VAULT_OK)
		st = vault__label_seal(v, case_id, cls, ver, epoch, tag, name, len, label);
	if (st != VAULT_OK)
		return st;
	if (!deleted) {
		key = v->sec->scratch;
		/* Padded in guarded memory, so the copy is wiped when freed. */
		if (vault__buf_alloc(&pt, vault__padme(len)) != VAULT_OK ||
		    (ct = pt.len + VAULT_AEAD_TAG_BYTES <= sizeof(ct_small)
		              ? ct_small
		              : vault__malloc(pt.len + VAULT_AEAD_TAG_BYTES)) == NULL) {
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			goto cleanup;
		}
		if (len > 0)
			memcpy(pt.data, data, len);
		if (vault__pad(pt.data, len, pt.len, &padded) != 0) {
			st = vault__err(v, VAULT_ERR_INVALID, "record too large to pad");
			goto cleanup;
		}
		/* The key must come from a seal the writer can open: holding
		 * the grant in the table is not enough. */
		st = vault__class_key(v, case_id, cls, epoch, key);
		if (st != VAULT_OK)
			goto cleanup;
		vault__random(nonce, sizeof(nonce));
		adlen = content_ad(ad, sizeof(ad), case_id, name, ver, cls, epoch, 1);
		vault__aead_seal(ct, pt.data, padded, ad, adlen, nonce, key);
	}
	s = vault__stmt(v, ST_RECORD_INSERT);
	if (s == NULL) {
		st = prepare_failed(v, "prepare");
		goto cleanup;
	}
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_blob(s, 2, tag, VAULT_NAME_TAG_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, ver);
	sqlite3_bind_int(s, 4, (int)cls);
	sqlite3_bind_int64(s, 5, epoch);
	sqlite3_bind_int(s, 6, deleted);
	/* The padded size: the exact one is in the label. */
	sqlite3_bind_int64(s, 7, (sqlite3_int64)padded);
	vault__bind_text(s, 8, v->user);
	sqlite3_bind_int64(s, 9, vault__now());
	if (deleted) {
		sqlite3_bind_null(s, 10);
		sqlite3_bind_null(s, 11);
	} else {
		sqlite3_bind_blob(s, 10, nonce, sizeof(nonce), SQLITE_STATIC);
		sqlite3_bind_blob(s, 11, ct, (int)(padded + VAULT_AEAD_TAG_BYTES), SQLITE_STATIC);
	}
	sqlite3_bind_blob(s, 12, label, sizeof(label), SQLITE_STATIC);
	sqlite3_bind_int(s, 13, !deleted);
	st = vault__sql_status(v, sqlite3_step(s), "record");
	sqlite3_reset(s);
	if (st == VAULT_OK && out_version != NULL)
		*out_version = ver;
cleanup:
	vault__wipe(v->sec->scratch, sizeof(v->sec->scratch));
	vault_buf_free(&pt);
	if (ct != ct_small)
		free(ct);
	return st;
}

/* The put's look-up: the record's tag, and the audit entry names it by
 * its tag. */
typedef struct put_ctx {
	const char *case_id, *name;
	unsigned int cls;
	unsigned char tag[VAULT_NAME_TAG_BYTES];
	char tag_text[VAULT_NAME_TAG_TEXT];
	int have_tag;
} put_ctx;

static void put_fill(gate *g, void *ctx)
{
	put_ctx *p = ctx;

	g->fill_status = tag_of(g->v, p->case_id, p->cls, p->name, p->tag, &p->have_tag);
	if (p->have_tag) {
		vault__tag_text(p->tag, p->tag_text);
		g->ev.target = p->tag_text;
	}
}

vault_status vault_record_put(vault *v, const char *case_id, const char *name,
                              vault_class cls, const void *data, size_t len,
                              uint32_t *out_version)
{
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if ((st = check_record_args(v, case_id, name)) != VAULT_OK)
		return st;
	if (vault_class_name(cls) == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "unknown class");
	if ((data == NULL && len > 0) || len > VAULT_RECORD_MAX)
		return vault__err(v, VAULT_ERR_INVALID, "record data must be 0..%u bytes",
		                  VAULT_RECORD_MAX);
	put_ctx p = {case_id, name, (unsigned int)cls, {0}, "", 0};
	written w = {case_id, p.tag, (unsigned int)cls, 0};

	st = vault__gate_open_light(v, &g, "record.put", POLICY_WRITE, case_id, NULL, cls,
	                            put_fill, &p);
	g.undo = undo_version;
	g.undo_ctx = &w;
	if (st == VAULT_OK && !p.have_tag)
		st = vault__err(v, VAULT_ERR_DENIED, "no key you hold opens this class of the case");
	if (st == VAULT_OK)
		st = write_version(v, case_id, name, p.tag, cls, data ? data : "", len, 0,
		                   &w.version);
	st = vault__gate_close(&g, st);
	if (st == VAULT_OK && out_version != NULL)
		*out_version = w.version;
	return st;
}

/* A record version's row, read before the decision so the decision can
 * name its class. */
typedef struct rec_row {
	const char *case_id, *name;
	uint32_t want;
	unsigned int want_cls; /* 0: the one class of that name the caller reads */
	uint32_t version, epoch;
	unsigned int cls;
	int deleted;
	size_t size;
	char author[VAULT_NAME_MAX + 1];
	int64_t created;
	unsigned char nonce[VAULT_AEAD_NONCE_BYTES];
	/* The ciphertext, read in place: the row's statement stays on its
	 * row until rec_done(). */
	const unsigned char *ct;
	size_t ctlen;
	sqlite3_stmt *stmt;
	int redacted;
	char redacted_by[VAULT_NAME_MAX + 1];
	int64_t redacted_at;
	char redact_reason[VAULT_TEXT_MAX + 1];
	int padded; /* content padded with Padme: size is the padded size */
	/* The tag of the name in each class (general, sensitive, safety)
	 * whose key the caller holds; the audit entry names the record so. */
	unsigned char tag[3][VAULT_NAME_TAG_BYTES];
	int have_tag[3];
	char tag_text[VAULT_NAME_TAG_TEXT];
	int nokey; /* the caller holds no key of the class asked for */
	int64_t rowid; /* the row read (checked against the facts) */
} rec_row;

static int cls_index(unsigned int cls)
{
	return cls == VAULT_CLASS_GENERAL ? 0 : cls == VAULT_CLASS_SENSITIVE ? 1 : 2;
}

/* The tags of r->name in the classes of `classes`. */
static vault_status rec_tags(vault *v, rec_row *r, unsigned int classes)
{
	unsigned int c;
	vault_status st = VAULT_OK;

	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY && st == VAULT_OK; c <<= 1)
		if ((classes & c) && !r->have_tag[cls_index(c)])
			st = tag_of(v, r->case_id, c, r->name, r->tag[cls_index(c)],
			            &r->have_tag[cls_index(c)]);
	return st;
}

/* Name the record by its tag in class cls in the audit entry, if known. */
static void rec_target(gate *g, rec_row *r, unsigned int cls)
{
	if (vault_class_name((vault_class)cls) != NULL && r->have_tag[cls_index(cls)]) {
		vault__tag_text(r->tag[cls_index(cls)], r->tag_text);
		g->ev.target = r->tag_text;
	}
}

static void rec_done(rec_row *r)
{
	if (r->stmt != NULL)
		sqlite3_reset(r->stmt);
	r->stmt = NULL;
	r->ct = NULL;
}

/* Which class a name given without one means: the one class the caller may
 * read it in.  Several: VAULT_ERR_AMBIGUOUS (never a silent pick).  None
 * readable: the lowest class it exists in, which the decision then refuses,
 * as it would with the class named.  0 (with fill_status set) otherwise. */
static unsigned int resolve_class(gate *g, rec_row *r)
{
	vault *v = g->v;
	sqlite3_stmt *s = vault__stmt(v, ST_RECORD_CLASSES);
	policy_request rq = g->req;
	policy_decision d;
	unsigned int have = 0, readable;
	int rc;

	unsigned int c;

	if (s == NULL) {
		g->fill_status = prepare_failed(v, "prepare");
		return 0;
	}
	/* A class whose key the caller lacks: its tag is unknown, and its
	 * rows are found only by a name in clear (1.x). */
	if ((g->fill_status = rec_tags(v, r, VAULT_CLASS_ALL)) != VAULT_OK)
		return 0;
	vault__bind_text(s, 1, r->case_id);
	vault__bind_text(s, 2, r->name);
	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1)
		if (r->have_tag[cls_index(c)])
			sqlite3_bind_blob(s, 3 + cls_index(c), r->tag[cls_index(c)],
			                  VAULT_NAME_TAG_BYTES, SQLITE_STATIC);
	/* (class, under its tag, newest version, its rowid): rows of a class
	 * under the name in clear count only as the record's versions of
	 * 1.x, legacy facts; a row in clear that is no fact at all is refused */
	{
		int64_t plain[3] = {0, 0, 0}; /* rowid of the newest row in clear */
		int has_plain[3] = {0, 0, 0}, legacy;

		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			c = (unsigned int)sqlite3_column_int(s, 0) & VAULT_CLASS_ALL;
			/* A row that decides the classes is one the log vouches
			 * for (attacks 230b, 240b).  Under a tag: the log holds
			 * versions of the record in that class (the newest row may
			 * be damaged, and is refused where it is read, while an
			 * older version still reads), or the row is a fact (ours,
			 * of this transaction).  In clear, of no one class (no
			 * version the library writes): the row is a fact, and is
			 * refused where it is read. */
			if (sqlite3_column_int(s, 1) && vault_class_name((vault_class)c) != NULL) {
				int64_t held = 0;

				g->fill_status = vault__facts_record_newest(
				    v, r->case_id, r->tag[cls_index(c)], VAULT_NAME_TAG_BYTES, 1, c, &held);
				if (g->fill_status == VAULT_OK && held == 0)
					g->fill_status = vault__facts_check_row(
					    v, "records", sqlite3_column_int64(s, 3), 0);
				if (g->fill_status != VAULT_OK)
					break;
				have |= c;
				continue;
			}
			if (vault_class_name((vault_class)c) == NULL) {
				g->fill_status = vault__facts_check_row(v, "records",
				                                        sqlite3_column_int64(s, 3), 0);
				if (g->fill_status != VAULT_OK)
					break;
				have |= c;
				continue;
			}
			plain[cls_index(c)] = sqlite3_column_int64(s, 3);
			has_plain[cls_index(c)] = 1;
		}
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		if (g->fill_status != VAULT_OK)
			return 0;
		if (rc != SQLITE_DONE) {
			g->fill_status = vault__sql_status(v, rc, "record");
			return 0;
		}
		for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1) {
			if (!has_plain[cls_index(c)] || (have & c))
				continue;
			g->fill_status = vault__facts_record_legacy(v, plain[cls_index(c)], 0, &legacy);
			if (g->fill_status != VAULT_OK)
				return 0;
			if (legacy)
				have |= c;
		}
	}
	/* ...and the classes the log holds versions of the record in count
	 * even when no row answers: rows removed around the library are then
	 * VAULT_ERR_INTEGRITY where the class is read (no_rows), never "no
	 * such record", nor a silent pick of another class (attacks 250a,
	 * 250b).  By its tag where she holds the class key, by its 1.x name. */
	for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1) {
		int64_t held = 0;

		if (have & c)
			continue;
		if (r->have_tag[cls_index(c)])
			g->fill_status = vault__facts_record_newest(v, r->case_id, r->tag[cls_index(c)],
			                                            VAULT_NAME_TAG_BYTES, 1, c, &held);
		if (g->fill_status == VAULT_OK && held == 0)
			g->fill_status = vault__facts_record_newest(v, r->case_id, r->name,
			                                            strlen(r->name), 0, c, &held);
		if (g->fill_status != VAULT_OK)
			return 0;
		if (held > 0)
			have |= c;
	}
	if (have == 0 && (!r->have_tag[0] || !r->have_tag[1] || !r->have_tag[2])) {
		/* It may be in a class whose key she lacks, where no tag of hers
		 * finds it: decide on all those classes, as if it were there, so
		 * that a refusal does not depend on whether it exists (and the
		 * entry says every class it may be in: none can be told). */
		unsigned int untagged = 0;
		for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1)
			if (!r->have_tag[cls_index(c)])
				untagged |= c;
		r->nokey = 1;
		r->cls = untagged & (~untagged + 1);
		g->req.classes = untagged;
		g->ev.classes = untagged;
		return 0;
	}
	if (have == 0) {
		g->fill_status = vault__err(v, VAULT_ERR_NOT_FOUND, "no such record or version");
		g->req.classes = VAULT_CLASS_GENERAL;
		return 0;
	}
	rq.action = POLICY_META;
	rq.classes = have;
	vault_policy_decide(&rq, &d);
	readable = d.allow ? have & d.readable : 0;
	if (readable != 0 && (readable & (readable - 1)) != 0) {
		char list[64] = "";
		for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1)
			if (readable & c)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				         list[0] ? ", " : "", vault_class_name((vault_class)c));
		g->fill_status = vault__err(v, VAULT_ERR_AMBIGUOUS, "record %s exists in"
		                            " classes %s", r->name, list);
		g->req.classes = readable;
		return 0;
	}
	if (readable == 0)
		readable = have & (~have + 1); /* the lowest: refused below */
	return readable;
}

/* No row answered for (case, cls, name), by its tag or its 1.x name:
 * NOT_FOUND if the log holds no version of it (or not version `want`), else
 * INTEGRITY (rows removed around the library; a write would number a
 * version the log holds). */
static vault_status no_rows(vault *v, const char *case_id, const char *name,
                            const unsigned char *tag, unsigned int cls, uint32_t want)
{
	int64_t by_tag = 0, by_name = 0, newest;
	vault_status st = VAULT_OK;

	if (tag != NULL)
		st = vault__facts_record_newest(v, case_id, tag, VAULT_NAME_TAG_BYTES, 1, cls,
		                                &by_tag);
	if (st == VAULT_OK)
		st = vault__facts_record_newest(v, case_id, name, strlen(name), 0, cls, &by_name);
	if (st != VAULT_OK)
		return st;
	newest = by_tag > by_name ? by_tag : by_name;
	if (newest > 0 && (want == 0 || (int64_t)want <= newest))
		return vault__err(v, VAULT_ERR_INTEGRITY, "the log holds version %lld of record"
		                  " %s, but its rows were removed around the library",
		                  (long long)(want ? want : newest), name);
	return vault__err(v, VAULT_ERR_NOT_FOUND, "no such record or version");
}

/* Read the row of version r->want (0: the latest) of (case, cls, name)
 * into r; its ciphertext stays in place until rec_done().  NOT_FOUND
 * (message set) when there is none. */
static vault_status read_row(vault *v, rec_row *r, unsigned int cls)
{
	sqlite3_stmt *s = vault__stmt(v, r->want ? ST_RECORD_GET : ST_RECORD_GET_LATEST);
	vault_status st = VAULT_OK;
	int rc;

	if (s == NULL)
		return prepare_failed(v, "prepare");
	if (vault_class_name((vault_class)cls) == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "unknown class");
	if ((st = rec_tags(v, r, cls)) != VAULT_OK)
		return st;
	vault__bind_text(s, 1, r->case_id);
	vault__bind_text(s, 2, r->name);
	if (r->want)
		sqlite3_bind_int64(s, 3, r->want);
	sqlite3_bind_int(s, 4, (int)cls);
	if (r->have_tag[cls_index(cls)])
		sqlite3_bind_blob(s, 5, r->tag[cls_index(cls)], VAULT_NAME_TAG_BYTES,
		                  SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 5);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return no_rows(v, r->case_id, r->name,
		               r->have_tag[cls_index(cls)] ? r->tag[cls_index(cls)] : NULL, cls,
		               r->want);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return vault__sql_status(v, rc, "record");
	}
	/* The row served is a fact, and (for "the latest") no newer version
	 * of it is: a version removed or rewritten around the library is an
	 * integrity error, never an older text served as the newest. */
	r->rowid = sqlite3_column_int64(s, 14);
	if (sqlite3_column_int(s, 15)) { /* under its tag */
		st = vault__facts_check_row(v, "records", r->rowid, r->want == 0);
	} else {
		/* In clear: a version of 1.x only as a legacy fact.  A signed
		 * row in clear (its writer's, around the library) is a valid
		 * fact about another name value, never a version of this
		 * record: it is passed over, as if absent (attack 180c).  A
		 * row that is no fact at all is refused, as any. */
		int legacy = 0;

		st = vault__facts_record_legacy(v, r->rowid, r->want == 0, &legacy);
		if (st == VAULT_OK && !legacy)
			st = VAULT_ERR_NOT_FOUND;
	}
	if (st == VAULT_ERR_NOT_FOUND) {
		sqlite3_reset(s);
		return no_rows(v, r->case_id, r->name,
		               r->have_tag[cls_index(cls)] ? r->tag[cls_index(cls)] : NULL, cls,
		               r->want);
	}
	if (st != VAULT_OK) {
		sqlite3_reset(s);
		return st;
	}
	r->version = (uint32_t)sqlite3_column_int64(s, 0);
	r->cls = (unsigned int)sqlite3_column_int(s, 1);
	r->epoch = (uint32_t)sqlite3_column_int64(s, 2);
	r->deleted = sqlite3_column_int(s, 3);
	r->size = (size_t)sqlite3_column_int64(s, 4);
	snprintf(r->author, sizeof(r->author), "%s", (const char *)sqlite3_column_text(s, 5));
	r->created = sqlite3_column_int64(s, 6);
	r->padded = sqlite3_column_int(s, 13) != 0;
	/* The exact size is in the label (read by listings), or comes out of
	 * the padding: for content, size is what the row stores. */
	r->redacted = sqlite3_column_type(s, 9) != SQLITE_NULL;
	if (r->redacted) {
		snprintf(r->redacted_by, sizeof(r->redacted_by), "%s",
		         (const char *)sqlite3_column_text(s, 9));
		r->redacted_at = sqlite3_column_int64(s, 10);
		snprintf(r->redact_reason, sizeof(r->redact_reason), "%s",
		         sqlite3_column_type(s, 11) == SQLITE_NULL
		             ? "" : (const char *)sqlite3_column_text(s, 11));
	}
	if (!r->deleted && !r->redacted) {
		int n = sqlite3_column_bytes(s, 8);
		if (sqlite3_column_bytes(s, 7) != VAULT_AEAD_NONCE_BYTES ||
		    n < VAULT_AEAD_TAG_BYTES || vault_class_name((vault_class)r->cls) == NULL) {
			st = vault__err(v, VAULT_ERR_CORRUPT, "record row is malformed");
		} else {
			memcpy(r->nonce, sqlite3_column_blob(s, 7), VAULT_AEAD_NONCE_BYTES);
			r->ct = sqlite3_column_blob(s, 8);
			r->ctlen = (size_t)n;
			r->stmt = s;
		}
	}
	if (r->stmt == NULL)
		sqlite3_reset(s);
	return st;
}

static void record_fill(gate *g, void *ctx)
{
	rec_row *r = ctx;
	unsigned int cls = r->want_cls;
	vault_status st;

	if (cls == 0 && (cls = resolve_class(g, r)) == 0)
		return;
	if ((g->fill_status = rec_tags(g->v, r, cls)) != VAULT_OK)
		return;
	if (!r->have_tag[cls_index(cls)]) {
		/* Without the key no row can be found: decide on the class
		 * asked for, as if it were there; allowed, it is a refusal. */
		r->nokey = 1;
		r->cls = cls;
		g->req.classes = cls;
		g->ev.classes = cls;
		return;
	}
	st = read_row(g->v, r, cls);
	rec_target(g, r, cls);
	if (st == VAULT_ERR_NOT_FOUND) {
		g->fill_status = st;
		/* Decided on the class asked for: "not found" only to a reader. */
		g->req.classes = cls;
		g->ev.classes = cls;
		return;
	}
	g->fill_status = st;
	if (st != VAULT_OK && st != VAULT_ERR_CORRUPT)
		return;
	/* Decide on the class the row claims; a lie about it fails the AEAD. */
	g->req.classes = vault_class_name((vault_class)r->cls) ? r->cls : VAULT_CLASS_ALL;
	g->ev.classes = g->req.classes;
}

static void rec_info(const rec_row *r, vault_record_info *info)
{
	info->case_id = r->case_id;
	info->name = r->name;
	info->cls = (vault_class)r->cls;
	info->version = r->version;
	info->created = r->created;
	info->author = r->author;
	info->deleted = r->deleted;
	info->size = r->deleted ? 0 : r->size;
	info->redacted_by = r->redacted ? r->redacted_by : NULL;
	info->redacted_at = r->redacted ? r->redacted_at : 0;
	info->redact_reason = r->redacted ? r->redact_reason : NULL;
}

/* The plaintext of the version r holds (its row still current) into *buf,
 * which the caller frees on failure too. */
static vault_status decrypt_row(vault *v, rec_row *r, vault_buf *buf)
{
	unsigned char ad[AD_MAX];
	unsigned char *key = v->sec->scratch;
	size_t adlen;
	vault_status st;

	size_t len;

	if (r->ctlen - VAULT_AEAD_TAG_BYTES != r->size)
		return vault__err(v, VAULT_ERR_CORRUPT, "record size does not match");
	st = vault__class_key(v, r->case_id, r->cls, r->epoch, key);
	if (st == VAULT_OK && vault__buf_alloc(buf, r->size) != VAULT_OK)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (st == VAULT_OK) {
		adlen = content_ad(ad, sizeof(ad), r->case_id, r->name, r->version, r->cls,
		                   r->epoch, r->padded);
		if (vault__aead_open(buf->data, r->ct, r->ctlen, ad, adlen, r->nonce, key) != 0)
			st = vault__err(v, VAULT_ERR_CORRUPT,
			                "record %s version %u fails authentication", r->name,
			                (unsigned)r->version);
	}
	if (st == VAULT_OK && r->padded) {
		/* Authenticated, so a bad padding is a writer's bug, not an attack. */
		if (vault__unpad(buf->data, buf->len, &len) != 0) {
			st = vault__err(v, VAULT_ERR_CORRUPT, "record %s version %u: bad padding",
			                r->name, (unsigned)r->version);
		} else {
			vault__wipe(buf->data + len, buf->len - len);
			buf->len = len;
			r->size = len;
		}
	}
	vault__wipe(key, 32);
	return st;
}

vault_status vault_record_get(vault *v, const char *case_id, const char *name,
                              uint32_t version, vault_buf *out, vault_record_cb info,
                              void *ctx)
{
	return vault_record_get_v2(v, case_id, name, 0, version, out, info, ctx);
}

/* 0 (any) or one known class. */
static vault_status check_class_or_any(vault *v, unsigned int cls)
{
	if (cls != 0 && vault_class_name((vault_class)cls) == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "unknown class");
	return VAULT_OK;
}

vault_status vault_record_get_v2(vault *v, const char *case_id, const char *name,
                                 unsigned int cls, uint32_t version, vault_buf *out,
                                 vault_record_cb info, void *ctx)
{
	vault_buf buf = VAULT_BUF_INIT;
	rec_row r;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (out == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "out is NULL");
	out->data = NULL;
	out->len = 0;
	if ((st = check_record_args(v, case_id, name)) != VAULT_OK ||
	    (st = check_class_or_any(v, cls)) != VAULT_OK)
		return st;
	memset(&r, 0, sizeof(r));
	r.case_id = case_id;
	r.name = name;
	r.want = version;
	r.want_cls = cls;
	/* Light: a get writes nothing but its audit entry. */
	st = vault__gate_open_light(v, &g, "record.get", POLICY_READ, case_id, NULL,
	                            VAULT_CLASS_GENERAL, record_fill, &r);
	if (st == VAULT_OK && r.nokey)
		st = vault__err(v, VAULT_ERR_DENIED, "no key you hold opens this class of the case");
	if (st == VAULT_OK && r.deleted)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "record %s is deleted", name);
	if (st == VAULT_OK && r.redacted)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "record %s version %u was redacted",
		                name, (unsigned)r.version);
	if (st == VAULT_OK)
		st = decrypt_row(v, &r, &buf);
	rec_done(&r);
	/* Nothing leaves before its audit entry is committed. */
	st = vault__gate_close(&g, st);
	if (st != VAULT_OK) {
		vault_buf_free(&buf);
		return st;
	}
	if (info != NULL) {
		vault_record_info ri;
		int ret;
		rec_info(&r, &ri);
		ret = info(&ri, ctx);
		if (ret != 0) {
			vault_buf_free(&buf);
			return (vault_status)ret;
		}
	}
	*out = buf;
	return VAULT_OK;
}

vault_status vault_record_delete(vault *v, const char *case_id, const char *name,
                                 uint32_t *out_version)
{
	return vault_record_delete_v2(v, case_id, name, 0, out_version);
}

vault_status vault_record_delete_v2(vault *v, const char *case_id, const char *name,
                                    unsigned int cls, uint32_t *out_version)
{
	rec_row r;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if ((st = check_record_args(v, case_id, name)) != VAULT_OK ||
	    (st = check_class_or_any(v, cls)) != VAULT_OK)
		return st;
	memset(&r, 0, sizeof(r));
	r.case_id = case_id;
	r.name = name;
	r.want_cls = cls;
	written w = {case_id, NULL, 0, 0};

	st = vault__gate_open_light(v, &g, "record.delete", POLICY_WRITE, case_id, NULL,
	                            VAULT_CLASS_GENERAL, record_fill, &r);
	g.undo = undo_version;
	g.undo_ctx = &w;
	rec_done(&r);
	if (st == VAULT_OK && r.nokey)
		st = vault__err(v, VAULT_ERR_DENIED, "no key you hold opens this class of the case");
	if (st == VAULT_OK && r.deleted)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "record %s is already deleted", name);
	w.cls = r.cls;
	if (st == VAULT_OK && !r.have_tag[cls_index(r.cls)])
		st = vault__err(v, VAULT_ERR_DENIED, "no key you hold opens this class of the case");
	if (st == VAULT_OK) {
		w.tag = r.tag[cls_index(r.cls)];
		st = write_version(v, case_id, name, w.tag, r.cls, NULL, 0, 1, &w.version);
	}
	st = vault__gate_close(&g, st);
	if (st == VAULT_OK && out_version != NULL)
		*out_version = w.version;
	return st;
}

/* One row of a listing, its name and size out of its label. */
typedef struct list_item {
	size_t row;
	char name[VAULT_NAME_MAX + 1];
	unsigned int cls;
	size_t size;
	char *redact_reason; /* a sealed one, opened (malloc'ed) */
	int skip; /* a signed row in clear: no version of a record (180c) */
} list_item;

static int list_item_cmp(const void *a, const void *b)
{
	const list_item *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : x->cls < y->cls ? -1 : x->cls > y->cls;
}

/* Name and exact size of listed row i: from its label, or, for a row of
 * 1.x, from its columns. */
static vault_status list_open(vault *v, const char *case_id, const rowbuf *rb, size_t i,
                              list_item *it)
{
	sqlite3_value *nv = rb->val[i * (size_t)rb->ncol + 0];
	sqlite3_value *lv = rb->val[i * (size_t)rb->ncol + 11];
	unsigned char tag[VAULT_NAME_TAG_BYTES];
	size_t stored;
	vault_status st;

	it->row = i;
	it->cls = (unsigned int)RB_INT(rb, i, 2);
	if (sqlite3_value_type(lv) == SQLITE_NULL) {
		const char *name = RB_TEXT(rb, i, 0);
		if (sqlite3_value_type(nv) != SQLITE_TEXT || !vault__valid_name(name))
			return vault__err(v, VAULT_ERR_CORRUPT, "record row is malformed");
		snprintf(it->name, sizeof(it->name), "%s", name);
		it->size = (size_t)RB_INT64(rb, i, 4);
		return VAULT_OK;
	}
	if (sqlite3_value_type(nv) != SQLITE_BLOB ||
	    sqlite3_value_bytes(nv) != VAULT_NAME_TAG_BYTES ||
	    vault_class_name((vault_class)it->cls) == NULL)
		return vault__err(v, VAULT_ERR_CORRUPT, "record row is malformed");
	memcpy(tag, sqlite3_value_blob(nv), sizeof(tag));
	st = vault__label_open(v, case_id, it->cls, (uint32_t)RB_INT64(rb, i, 1),
	                       (uint32_t)RB_INT64(rb, i, 10), tag, sqlite3_value_blob(lv),
	                       (size_t)sqlite3_value_bytes(lv), it->name, &it->size);
	/* The row is the one the signed log holds (checked before), but its
	 * label does not open: its writer sealed it so.  It is listed under
	 * its tag, with no size, as the review report names it, rather than
	 * ending every listing of the case for good (attack 80p). */
	if (st == VAULT_ERR_CORRUPT) {
		char text[VAULT_NAME_TAG_TEXT];

		_Static_assert(VAULT_NAME_TAG_TEXT <= VAULT_NAME_MAX + 1, "a tag fits a name");
		vault__tag_text(tag, text);
		snprintf(it->name, sizeof(it->name), "%s", text);
		it->size = 0;
		v->errmsg[0] = '\0';
		return VAULT_OK;
	}
	/* The size too must be the row's: exactly, for a version 1.x wrote
	 * (converted by whoever wrote next, not by its author), or padded
	 * with Padme to the stored size.  (A deleted or redacted version is
	 * listed with size 0, whatever its label says.) */
	stored = (size_t)RB_INT64(rb, i, 4);
	if (st == VAULT_OK && !RB_INT(rb, i, 3) && RB_TEXT(rb, i, 7) == NULL &&
	    (RB_INT(rb, i, 13) ? vault__padme(it->size) : it->size) != stored)
		st = vault__err(v, VAULT_ERR_INTEGRITY,
		                "a record label gives another size than its row");
	return st;
}

#define LIST_COLS "r.name, r.version, r.class, r.deleted, r.size, r.author, r.created," \
                  " r.redacted_by, r.redacted_at, r.redact_reason, r.epoch, r.label, r.rowid," \
                  " r.padded"

/* A listing shows the newest row of every record the log holds in the
 * classes of `mask`, and a history every version of the record; rows
 * removed around the library are refused, not skipped.  (Each row shown
 * was checked against the facts already, so a count tells.)  While the
 * open transaction has stated record rows of the case that are not facts
 * yet, the counts wait for its commit. */
static vault_status listing_complete(vault *v, const char *case_id, unsigned int mask,
                                     const rowbuf *rb)
{
	uint64_t n = 0;
	vault_status st;

	if (vault__facts_records_pending(v, case_id))
		return VAULT_OK;
	st = vault__facts_record_count(v, case_id, mask, &n);
	if (st == VAULT_OK && n != rb->nrow)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "the log holds %llu records of the case"
		                " that %s may list, %zu of them with rows: rows were removed"
		                " around the library", (unsigned long long)n, v->user, rb->nrow);
	return st;
}

static vault_status history_complete(vault *v, const char *case_id, const rec_row *rr,
                                     unsigned int mask, const rowbuf *rb,
                                     const list_item *items)
{
	unsigned int c;
	vault_status st = VAULT_OK;

	if (vault__facts_records_pending(v, case_id))
		return VAULT_OK;
	for (c = VAULT_CLASS_GENERAL; st == VAULT_OK && c <= VAULT_CLASS_SAFETY; c <<= 1) {
		uint32_t by_tag = 0, by_name = 0, rows_tag = 0, rows_name = 0;
		int64_t newest;
		size_t r;

		if (!(mask & c))
			continue;
		if (rr->have_tag[cls_index(c)])
			st = vault__facts_record_head(v, case_id, rr->tag[cls_index(c)],
			                              VAULT_NAME_TAG_BYTES, 1, c, &newest, &by_tag);
		if (st == VAULT_OK) /* the record's rows of 1.x, by name */
			st = vault__facts_record_head(v, case_id, rr->name, strlen(rr->name), 0, c,
			                              &newest, &by_name);
		for (r = 0; r < rb->nrow; r++) {
			/* a signed row in clear is no version of the record, and
			 * the facts by its name count only its legacy ones */
			if ((unsigned int)RB_INT(rb, r, 2) != c || items[r].skip)
				continue;
			if (sqlite3_value_type(rb->val[r * (size_t)rb->ncol]) == SQLITE_BLOB)
				rows_tag++;
			else
				rows_name++;
		}
		if (st == VAULT_OK && (rows_tag != by_tag || rows_name != by_name))
			st = vault__err(v, VAULT_ERR_INTEGRITY, "the log holds %u versions of record"
			                " %s in class %s, %u of them with rows: rows were removed"
			                " around the library", by_tag + by_name, rr->name,
			                vault_class_name((vault_class)c), rows_tag + rows_name);
	}
	return st;
}

static vault_status list_records(vault *v, const char *action, const char *case_id,
                                 const char *name, unsigned int cls, vault_record_cb cb,
                                 void *ctx)
{
	rowbuf rb = {NULL, 0, 0, 0};
	sqlite3_stmt *s = NULL;
	list_item *items = NULL;
	rec_row rr;
	vault_status st;
	size_t r;
	unsigned int c, readable = 0;
	int ret = 0;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (cb == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "callback is NULL");
	st = name ? check_record_args(v, case_id, name) : check_case_id(v, case_id);
	if (st == VAULT_OK)
		st = check_class_or_any(v, cls);
	if (st != VAULT_OK)
		return st;
	memset(&rr, 0, sizeof(rr));
	rr.case_id = case_id;
	rr.name = name;
	st = vault__gate_open(v, &g, action, POLICY_META, case_id, NULL, cls, NULL, NULL);
	if (st == VAULT_OK)
		readable = g.dec.readable & (cls ? cls : VAULT_CLASS_ALL);
	if (st == VAULT_OK && name != NULL) {
		/* By tag in each class she reads (or by name, a 1.x record). */
		st = rec_tags(v, &rr, readable);
		if (st == VAULT_OK)
			st = vault__prepare(v, "SELECT " LIST_COLS " FROM records r WHERE"
			                       " r.case_id = ?1 AND r.name IN (?2, ?4, ?5, ?6) AND"
			                       " (r.name = ?2 OR (r.class = 1 AND r.name = ?4) OR"
			                       " (r.class = 2 AND r.name = ?5) OR"
			                       " (r.class = 4 AND r.name = ?6))"
			                       " AND (r.class & ?3) != 0 ORDER BY r.class, r.version", &s);
	} else if (st == VAULT_OK) {
		st = vault__prepare(v, "SELECT " LIST_COLS " FROM records r WHERE r.case_id = ?1"
		                       " AND (r.class & ?3) != 0 AND r.version = (SELECT MAX(version)"
		                       " FROM records WHERE case_id = r.case_id AND name = r.name"
		                       " AND class = r.class)", &s);
	}
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, case_id);
		if (name != NULL) {
			vault__bind_text(s, 2, name);
			for (c = VAULT_CLASS_GENERAL; c <= VAULT_CLASS_SAFETY; c <<= 1)
				if (rr.have_tag[cls_index(c)])
					sqlite3_bind_blob(s, 4 + cls_index(c), rr.tag[cls_index(c)],
					                  VAULT_NAME_TAG_BYTES, SQLITE_STATIC);
		}
		/* Names of records in classes the caller cannot read stay hidden. */
		sqlite3_bind_int(s, 3, (int)readable);
		st = vault__rows_fetch(v, s, &rb);
	}
	sqlite3_finalize(s);
	if (st == VAULT_OK && rb.nrow > 0 &&
	    (items = calloc(rb.nrow, sizeof(*items))) == NULL)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	for (r = 0; st == VAULT_OK && r < rb.nrow; r++) {
		const char *why = RB_TEXT(&rb, r, 9);
		/* Each row listed is one the log vouches for, as a read checks
		 * it; a listing's rows must also be the newest versions.  A row
		 * in clear is a version of 1.x only as a legacy fact: a signed
		 * one is a fact about another name value, no record's version,
		 * and is not shown (attack 180c), though a listing still counts
		 * it against the facts, whose heads hold it too. */
		items[r].row = r;
		items[r].cls = (unsigned int)RB_INT(&rb, r, 2);
		if (sqlite3_value_type(rb.val[r * (size_t)rb.ncol]) == SQLITE_BLOB) {
			st = vault__facts_check_row(v, "records", RB_INT64(&rb, r, 12),
			                            name == NULL);
		} else {
			int legacy = 0;

			st = vault__facts_record_legacy(v, RB_INT64(&rb, r, 12), name == NULL,
			                                &legacy);
			items[r].skip = !legacy;
			if (st == VAULT_OK && items[r].skip)
				continue;
		}
		if (st == VAULT_OK)
			st = list_open(v, case_id, &rb, r, &items[r]);
		/* A redaction's reason, sealed for the reviewers: opened for one
		 * of them, a placeholder for other readers. */
		if (st == VAULT_OK && vault__reason_is_sealed(why))
			st = vault__reason_open(v, case_id, why, &items[r].redact_reason);
	}
	if (st == VAULT_OK)
		st = name == NULL ? listing_complete(v, case_id, readable, &rb)
		                  : history_complete(v, case_id, &rr, readable, &rb, items);
	/* A history's entry names the record by its tag (in its first class). */
	if (name != NULL && rb.nrow > 0 && items != NULL)
		rec_target(&g, &rr, items[0].cls);
	st = vault__gate_close(&g, st);
	/* Listings come sorted by name, then class; histories as selected. */
	if (st == VAULT_OK && name == NULL && rb.nrow > 1)
		qsort(items, rb.nrow, sizeof(*items), list_item_cmp);
	/* The rows reach the caller only once the entry is committed. */
	for (r = 0; st == VAULT_OK && ret == 0 && r < rb.nrow; r++) {
		vault_record_info info;
		size_t i = items[r].row;
		int redacted = RB_TEXT(&rb, i, 7) != NULL;

		if (items[r].skip)
			continue;
		info.case_id = case_id;
		info.name = items[r].name;
		info.version = (uint32_t)RB_INT64(&rb, i, 1);
		info.cls = (vault_class)items[r].cls;
		info.deleted = RB_INT(&rb, i, 3);
		info.size = items[r].size;
		info.author = RB_TEXT(&rb, i, 5);
		info.created = RB_INT64(&rb, i, 6);
		info.redacted_by = redacted ? RB_TEXT(&rb, i, 7) : NULL;
		info.redacted_at = redacted ? RB_INT64(&rb, i, 8) : 0;
		info.redact_reason = redacted ? RB_TEXT(&rb, i, 9) : NULL;
		if (redacted && vault__reason_is_sealed(info.redact_reason))
			info.redact_reason = items[r].redact_reason ? items[r].redact_reason
			                                            : VAULT_REASON_SEALED;
		if (redacted || info.deleted)
			info.size = 0;
		ret = cb(&info, ctx);
	}
	for (r = 0; items != NULL && r < rb.nrow; r++) {
		if (items[r].redact_reason != NULL)
			vault__wipe(items[r].redact_reason, strlen(items[r].redact_reason));
		free(items[r].redact_reason);
	}
	if (items != NULL)
		vault__wipe(items, rb.nrow * sizeof(*items));
	free(items);
	vault__rows_free(&rb);
	return st == VAULT_OK && ret != 0 ? (vault_status)ret : st;
}

vault_status vault_record_foreach(vault *v, const char *case_id, vault_record_cb cb,
                                  void *ctx)
{
	return list_records(v, "record.list", case_id, NULL, 0, cb, ctx);
}

vault_status vault_record_history(vault *v, const char *case_id, const char *name,
                                  vault_record_cb cb, void *ctx)
{
	return list_records(v, "record.history", case_id, name, 0, cb, ctx);
}

vault_status vault_record_history_v2(vault *v, const char *case_id, const char *name,
                                     unsigned int cls, vault_record_cb cb, void *ctx)
{
	return list_records(v, "record.history", case_id, name, cls, cb, ctx);
}

/* ---- redaction and reclassification ------------------------------------ */

/* Redacted ciphertext must leave the disk, not only the table: the database
 * runs with secure_delete (freed cells are zeroed), and a checkpoint that
 * truncates the WAL copies the zeroed pages over the old ones and drops
 * every frame that still held them.  Readers on other handles can hold
 * frames back; SQLite finishes the job when the last handle closes. */
static void scrub_wal(vault *v)
{
	int log = 0, ckpt = 0;

	sqlite3_wal_checkpoint_v2(v->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &ckpt);
}

/* Remove the ciphertext of `version` (0: every version that has one) of a
 * record and say who did it and why. */
/* Redact the rows read and checked (by rowid: a row beside them that
 * also matches the record, planted around the library, is never touched,
 * so never stated in the entry). */
static vault_status redact_rows(vault *v, const int64_t *rowids, size_t n, const char *reason)
{
	sqlite3_stmt *s;
	vault_status st;
	size_t i;

	st = vault__prepare(v, "UPDATE records SET nonce = NULL, ct = NULL,"
	                       " redacted_by = ?2, redacted_at = ?3, redact_reason = ?4"
	                       " WHERE rowid = ?1 AND deleted = 0 AND redacted_by IS NULL", &s);
	for (i = 0; st == VAULT_OK && i < n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, rowids[i]);
		vault__bind_text(s, 2, v->user);
		sqlite3_bind_int64(s, 3, vault__now());
		vault__bind_text(s, 4, reason);
		st = vault__sql_status(v, sqlite3_step(s), "redact");
		if (st == VAULT_OK && sqlite3_changes(v->db) != 1)
			st = vault__err(v, VAULT_ERR_NOT_FOUND, "nothing left to redact");
	}
	sqlite3_finalize(s);
	return st;
}

typedef struct redact_ctx {
	rec_row r;
	const char *reason;
	unsigned int to; /* reclassify: the target class, decided on too */
} redact_ctx;

static void redact_fill(gate *g, void *ctx)
{
	redact_ctx *c = ctx;

	g->req.reason = c->reason;
	record_fill(g, &c->r);
	/* Decide on both classes a move touches. */
	g->req.classes |= c->to;
	g->ev.classes = g->req.classes;
}

/* A redaction's reason may name her: the entry and the row hold it sealed
 * for the reviewers (freetext.c), *sealed (the caller frees it). */
static vault_status seal_reason(gate *g, const char *case_id, const char *reason,
                                char **sealed, vault_status st)
{
	vault_status sst;

	*sealed = NULL;
	if (reason == NULL || !g->in_txn)
		return st;
	sst = vault__reason_seal(g->v, case_id, g->have_case ? g->cs.owner_org : "", reason,
	                         sealed);
	if (sst == VAULT_OK)
		g->ev.reason = *sealed;
	return st == VAULT_OK ? sst : st;
}

static vault_status check_reason(vault *v, const char *reason, int required)
{
	if (reason == NULL || reason[0] == '\0')
		return required ? vault__err(v, VAULT_ERR_INVALID, "a reason is required"
		                             " (at least %d bytes)", VAULT_BREAK_GLASS_REASON_MIN)
		                : VAULT_OK;
	if (!vault__valid_text(reason, VAULT_TEXT_MAX, 0))
		return vault__err(v, VAULT_ERR_INVALID, "reason must be UTF-8 text of at"
		                  " most %d bytes", VAULT_TEXT_MAX);
	if (required && strlen(reason) < VAULT_BREAK_GLASS_REASON_MIN)
		return vault__err(v, VAULT_ERR_INVALID, "the reason must be at least %d bytes",
		                  VAULT_BREAK_GLASS_REASON_MIN);
	return VAULT_OK;
}

vault_status vault_record_redact(vault *v, const char *case_id, const char *name,
                                 unsigned int cls, uint32_t version, const char *reason)
{
	char *sealed = NULL;
	redact_ctx c;
	vault_status st;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if ((st = check_record_args(v, case_id, name)) != VAULT_OK ||
	    (st = check_class_or_any(v, cls)) != VAULT_OK ||
	    (st = check_reason(v, reason, 1)) != VAULT_OK)
		return st;
	if (version == 0)
		return vault__err(v, VAULT_ERR_INVALID, "name the version to redact");
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "redaction must reach the disk at once:"
		                  " call it outside vault_begin()");
	memset(&c, 0, sizeof(c));
	c.r.case_id = case_id;
	c.r.name = name;
	c.r.want = version;
	c.r.want_cls = cls;
	c.reason = reason;
	st = vault__gate_open(v, &g, "record.redact", POLICY_REDACT, case_id, NULL,
	                      VAULT_CLASS_GENERAL, redact_fill, &c);
	st = seal_reason(&g, case_id, reason, &sealed, st);
	rec_done(&c.r);
	if (st == VAULT_OK && c.r.nokey)
		st = vault__err(v, VAULT_ERR_DENIED, "no key you hold opens this class of the case");
	if (st == VAULT_OK && c.r.deleted)
		st = vault__err(v, VAULT_ERR_INVALID, "version %u is a deletion: it holds"
		                " nothing to redact", (unsigned)version);
	if (st == VAULT_OK && c.r.redacted)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "version %u is already redacted",
		                (unsigned)version);
	if (st == VAULT_OK)
		st = redact_rows(v, &c.r.rowid, 1, sealed);
	st = vault__gate_close(&g, st);
	free(sealed);
	if (st == VAULT_OK)
		scrub_wal(v);
	return st;
}

/* Would the gate's actor be allowed to redact class `cls` of its case?
 * Asked of a move up of another author's versions, with no reason: the
 * text is copied, not gone, and the replay asks no reason either. */
static int may_redact(const gate *g, unsigned int cls)
{
	policy_request q = g->req;
	policy_decision d;

	q.action = POLICY_REDACT;
	q.classes = cls;
	q.reason = "(moved up: the text is copied)";
	vault_policy_decide(&q, &d);
	return d.allow;
}

vault_status vault_record_reclassify(vault *v, const char *case_id, const char *name,
                                     unsigned int from, unsigned int to,
                                     const char *reason, uint32_t *out_version)
{
	vault_buf buf = VAULT_BUF_INIT;
	rowbuf rb = {NULL, 0, 0, 0};
	int64_t *moved = NULL; /* the rows moved, read and checked */
	size_t nmoved = 0;
	sqlite3_stmt *vs = NULL;
	char why[VAULT_TEXT_MAX + 64], *sealed = NULL, *sealed_why = NULL;
	int down = to < from; /* general 1 < sensitive 2 < safety 4 */
	size_t i;
	redact_ctx c;
	vault_status st;
	uint32_t ver = 0;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if ((st = check_record_args(v, case_id, name)) != VAULT_OK ||
	    (st = check_reason(v, reason, down)) != VAULT_OK)
		return st;
	if (vault_class_name((vault_class)from) == NULL ||
	    vault_class_name((vault_class)to) == NULL || from == to)
		return vault__err(v, VAULT_ERR_INVALID, "name two different classes");
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "reclassification must reach the disk at"
		                  " once: call it outside vault_begin()");
	memset(&c, 0, sizeof(c));
	c.r.case_id = case_id;
	c.r.name = name;
	c.r.want_cls = from;
	c.reason = reason;
	c.to = to;
	/* Up: write on both classes.  Down (where more people may read it): the
	 * owning organisation's supervisors, with a reason, reviewed. */
	st = vault__gate_open(v, &g, "record.reclassify", down ? POLICY_REDACT : POLICY_WRITE,
	                      case_id, NULL, from | to, redact_fill, &c);
	/* Reviewed either way: a move up redacts the versions it copies, and
	 * the replay cannot tell a copy from junk beside a redaction of
	 * someone else's text (lib/facts.c, redaction_refused: attack 200a). */
	g.ev.high = 1;
	st = seal_reason(&g, case_id, reason, &sealed, st);
	rec_done(&c.r);
	if (st == VAULT_OK && c.r.nokey)
		st = vault__err(v, VAULT_ERR_DENIED, "no key you hold opens this class of the case");
	if (st == VAULT_OK && (c.r.deleted || c.r.redacted))
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "record %s has no content in %s", name,
		                vault_class_name((vault_class)from));
	/* Every version with content moves, oldest first: the history goes
	 * with it, so a move up (which any writer of both classes may make)
	 * destroys nothing; only the copies left in `from` are redacted. */
	/* The record's tag in `to`, which the mover must hold the key of. */
	if (st == VAULT_OK)
		st = rec_tags(v, &c.r, to);
	if (st == VAULT_OK && !c.r.have_tag[cls_index(to)])
		st = vault__err(v, VAULT_ERR_DENIED, "no key you hold opens %s of the case",
		                vault_class_name((vault_class)to));
	if (st == VAULT_OK)
		/* as read_row() finds them: under the tag, or in clear only for
		 * a record with no row under its tag (each read and checked
		 * below, so a row in clear counts only as a legacy fact) */
		st = vault__prepare(v, "SELECT version, rowid FROM records WHERE case_id = ?1 AND"
		                       " class = ?2 AND name IN (?3, ?4) AND deleted = 0 AND"
		                       " redacted_by IS NULL AND (name = ?4 OR NOT EXISTS (SELECT 1"
		                       " FROM records WHERE case_id = ?1 AND class = ?2 AND"
		                       " name = ?4)) ORDER BY version", &vs);
	if (st == VAULT_OK) {
		vault__bind_text(vs, 1, case_id);
		sqlite3_bind_int(vs, 2, (int)from);
		vault__bind_text(vs, 3, name);
		if (c.r.have_tag[cls_index(from)])
			sqlite3_bind_blob(vs, 4, c.r.tag[cls_index(from)], VAULT_NAME_TAG_BYTES,
			                  SQLITE_STATIC);
		st = vault__rows_fetch(v, vs, &rb);
	}
	sqlite3_finalize(vs);
	if (st == VAULT_OK && rb.nrow > 0 &&
	    (moved = vault__calloc(rb.nrow, sizeof(*moved))) == NULL)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (st == VAULT_OK)
		nmoved = rb.nrow;
	for (i = 0; st == VAULT_OK && i < rb.nrow; i++) {
		rec_row r;

		memset(&r, 0, sizeof(r));
		r.case_id = case_id;
		r.name = name;
		r.want = (uint32_t)RB_INT64(&rb, i, 0);
		st = read_row(v, &r, from);
		/* the row read (and checked) must be the one listed: two rows
		 * holding one version are not the library's */
		if (st == VAULT_OK && r.rowid != RB_INT64(&rb, i, 1))
			st = vault__err(v, VAULT_ERR_INTEGRITY, "two rows hold version %u of record"
			                " %s (written around the library)", (unsigned)r.want, name);
		moved[i] = r.rowid;
		/* Another author's version: its copy is stated beside its
		 * redaction, which the replay cannot compare (each is sealed
		 * under its own class key), so moving it is a redactor's act
		 * (attack 80k; the replay asks the same, facts.c). */
		if (st == VAULT_OK && !down && strcmp(r.author, v->user) != 0 &&
		    !may_redact(&g, from))
			st = vault__err(v, VAULT_ERR_DENIED, "version %u of %s was written by %s:"
			                " moving another's text up is a supervisor's, as redacting"
			                " it is", (unsigned)r.want, name, r.author);
		if (st == VAULT_OK)
			st = decrypt_row(v, &r, &buf);
		rec_done(&r);
		if (st == VAULT_OK)
			st = write_version(v, case_id, name, c.r.tag[cls_index(to)], to,
			                   buf.data ? (const void *)buf.data : "", buf.len, 0, &ver);
		vault_buf_free(&buf);
	}
	vault__rows_free(&rb);
	snprintf(why, sizeof(why), "moved to %s%s%s", vault_class_name((vault_class)to),
	         reason ? ": " : "", reason ? reason : "");
	/* The row's reason, sealed as the entry's is; a move up without a
	 * reason says only where the record went. */
	if (st == VAULT_OK && reason != NULL)
		st = vault__reason_seal(v, case_id, g.have_case ? g.cs.owner_org : "", why,
		                        &sealed_why);
	if (st == VAULT_OK)
		st = redact_rows(v, moved, nmoved, sealed_why ? sealed_why : why);
	free(moved);
	vault__wipe(why, sizeof(why));
	vault_buf_free(&buf);
	st = vault__gate_close(&g, st);
	free(sealed);
	free(sealed_why);
	if (st == VAULT_OK) {
		scrub_wal(v);
		if (out_version != NULL)
			*out_version = ver;
	}
	return st;
}

/* ---- restricted cases of the caller's organisation --------------------------- */

vault_status vault_case_foreach_restricted(vault *v, vault_case_cb cb, void *ctx)
{
	static const char *const list_tables[] = {"cases", NULL};
	rowbuf rb = {NULL, 0, 0, 0};
	sqlite3_stmt *s = NULL;
	vault_status st;
	size_t r;
	int ret = 0;
	gate g;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	if (cb == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "callback is NULL");
	st = vault__gate_open(v, &g, "case.list.restricted", POLICY_LIST_RESTRICTED, NULL, NULL,
	                      0, NULL, NULL);
	/* as vault_case_foreach(): the cases read across the organisation */
	if (st == VAULT_OK)
		st = vault__facts_check_tables(v, list_tables);
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT id FROM cases WHERE owner_org = ?1 AND restricted = 1"
		                       " ORDER BY created, id", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, v->org);
		st = vault__rows_fetch(v, s, &rb);
	}
	sqlite3_finalize(s);
	/* One entry for the listing, committed before any row leaves. */
	st = vault__gate_close(&g, st);
	for (r = 0; r < rb.nrow && st == VAULT_OK && ret == 0; r++) {
		gate cg;
		vault_case_info info;

		memset(&cg, 0, sizeof(cg));
		cg.v = v;
		st = vault__case_load(v, RB_TEXT(&rb, r, 0), &cg.cs);
		if (st == VAULT_OK)
			st = vault__gate_peek(v, &cg); /* what she may read now */
		if (st != VAULT_OK)
			break;
		case_info(&cg, &info);
		if (!cg.dec.allow) {
			info.readable = 0;
			info.writable = 0;
		}
		ret = cb(&info, ctx);
	}
	vault__rows_free(&rb);
	return st == VAULT_OK && ret != 0 ? (vault_status)ret : st;
}
