/*
 * cases.c - cases and their records.
 *
 * A record version is encrypted with XChaCha20-Poly1305 under the current
 * key of its (case, class), with a random nonce; the associated data binds
 * case id, record name, version, class and key epoch (crypto.c).
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

/* Versions count per record, and a record is (case, class, name): a writer
 * learns nothing of a same-named record in a class he cannot read. */
static vault_status next_version(vault *v, const char *case_id, const char *name,
                                 unsigned int cls, uint32_t *ver)
{
	sqlite3_stmt *s = vault__stmt(v, ST_RECORD_MAXVER);
	int rc;

	if (s == NULL)
		return prepare_failed(v, "prepare");
	vault__bind_text(s, 1, case_id);
	vault__bind_text(s, 2, name);
	sqlite3_bind_int(s, 3, (int)cls);
	rc = sqlite3_step(s);
	*ver = rc == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(s, 0) + 1 : 1;
	sqlite3_reset(s);
	if (*ver == 0)
		return vault__err(v, VAULT_ERR_INVALID, "too many versions");
	return rc == SQLITE_ROW ? VAULT_OK : vault__sql_status(v, rc, "version");
}

/* Holders and principals are numbered alike, so one column compares. */
_Static_assert(HOLDER_ORG == VAULT_PRINCIPAL_ORG && HOLDER_USER == VAULT_PRINCIPAL_USER,
               "holder kinds must match principal kinds");

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
	if (rc == SQLITE_ROW) {
		/* Many writes: the light operation takes its savepoint. */
		st = vault__txn_savepoint(v);
		return st == VAULT_OK ? vault__class_rotate(v, case_id, cls) : st;
	}
	if (rc == SQLITE_DONE)
		vault__txn_cache_lapsed_mark(v, case_id, cls);
	return rc == SQLITE_DONE ? VAULT_OK : vault__sql_status(v, rc, "class key holders");
}

/* The row a light put or delete wrote, to take back if its audit entry
 * cannot be written. */
typedef struct written {
	const char *case_id, *name;
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
	vault__bind_text(s, 2, w->name);
	sqlite3_bind_int64(s, 3, w->version);
	sqlite3_bind_int(s, 4, (int)w->cls);
	st = vault__sql_status(g->v, sqlite3_step(s), "undo");
	if (st == VAULT_OK && sqlite3_changes(g->v->db) != 1)
		st = VAULT_ERR_IO;
	sqlite3_finalize(s);
	return st;
}

static vault_status write_version(vault *v, const char *case_id, const char *name,
                                  unsigned int cls, const void *data, size_t len,
                                  int deleted, uint32_t *out_version)
{
	unsigned char nonce[VAULT_AEAD_NONCE_BYTES], ad[AD_MAX];
	unsigned char *key = NULL, *ct = NULL;
	uint32_t epoch = 0, ver = 0;
	sqlite3_stmt *s;
	size_t adlen;
	vault_status st;

	st = next_version(v, case_id, name, cls, &ver);
	if (st == VAULT_OK && !deleted)
		st = vault__drop_lapsed_holders(v, case_id, cls);
	if (st == VAULT_OK)
		st = vault__class_epoch(v, case_id, cls, &epoch);
	if (st != VAULT_OK)
		return st;
	if (!deleted) {
		key = v->sec->scratch;
		ct = vault__malloc(len + VAULT_AEAD_TAG_BYTES);
		if (ct == NULL) {
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			goto cleanup;
		}
		/* The key must come from a seal the writer can open: holding
		 * the grant in the table is not enough. */
		st = vault__class_key(v, case_id, cls, epoch, key);
		if (st != VAULT_OK)
			goto cleanup;
		vault__random(nonce, sizeof(nonce));
		adlen = vault__record_ad(ad, sizeof(ad), case_id, name, ver, cls, epoch);
		vault__aead_seal(ct, data, len, ad, adlen, nonce, key);
	}
	s = vault__stmt(v, ST_RECORD_INSERT);
	if (s == NULL) {
		st = prepare_failed(v, "prepare");
		goto cleanup;
	}
	vault__bind_text(s, 1, case_id);
	vault__bind_text(s, 2, name);
	sqlite3_bind_int64(s, 3, ver);
	sqlite3_bind_int(s, 4, (int)cls);
	sqlite3_bind_int64(s, 5, epoch);
	sqlite3_bind_int(s, 6, deleted);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)len);
	vault__bind_text(s, 8, v->user);
	sqlite3_bind_int64(s, 9, vault__now());
	if (deleted) {
		sqlite3_bind_null(s, 10);
		sqlite3_bind_null(s, 11);
	} else {
		sqlite3_bind_blob(s, 10, nonce, sizeof(nonce), SQLITE_STATIC);
		sqlite3_bind_blob(s, 11, ct, (int)(len + VAULT_AEAD_TAG_BYTES), SQLITE_STATIC);
	}
	st = vault__sql_status(v, sqlite3_step(s), "record");
	sqlite3_reset(s);
	if (st == VAULT_OK && out_version != NULL)
		*out_version = ver;
cleanup:
	vault__wipe(v->sec->scratch, sizeof(v->sec->scratch));
	free(ct);
	return st;
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
	written w = {case_id, name, (unsigned int)cls, 0};

	st = vault__gate_open_light(v, &g, "record.put", POLICY_WRITE, case_id, name, cls,
	                            NULL, NULL);
	g.undo = undo_version;
	g.undo_ctx = &w;
	if (st == VAULT_OK)
		st = write_version(v, case_id, name, cls, data ? data : "", len, 0, &w.version);
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
} rec_row;

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

	if (s == NULL) {
		g->fill_status = prepare_failed(v, "prepare");
		return 0;
	}
	vault__bind_text(s, 1, r->case_id);
	vault__bind_text(s, 2, r->name);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		have |= (unsigned int)sqlite3_column_int(s, 0) & VAULT_CLASS_ALL;
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		g->fill_status = vault__sql_status(v, rc, "record");
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
		unsigned int c;
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
	vault__bind_text(s, 1, r->case_id);
	vault__bind_text(s, 2, r->name);
	if (r->want)
		sqlite3_bind_int64(s, 3, r->want);
	sqlite3_bind_int(s, 4, (int)cls);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return vault__err(v, VAULT_ERR_NOT_FOUND, "no such record or version");
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return vault__sql_status(v, rc, "record");
	}
	/* The row served is a fact, and (for "the latest") no newer version
	 * of it is: a version removed or rewritten around the library is an
	 * integrity error, never an older text served as the newest. */
	st = vault__facts_check_row(v, "records", sqlite3_column_int64(s, 12), r->want == 0);
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
	st = read_row(g->v, r, cls);
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

	if (r->ctlen - VAULT_AEAD_TAG_BYTES != r->size)
		return vault__err(v, VAULT_ERR_CORRUPT, "record size does not match");
	st = vault__class_key(v, r->case_id, r->cls, r->epoch, key);
	if (st == VAULT_OK && vault__buf_alloc(buf, r->size) != VAULT_OK)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (st == VAULT_OK) {
		adlen = vault__record_ad(ad, sizeof(ad), r->case_id, r->name, r->version, r->cls,
		                         r->epoch);
		if (vault__aead_open(buf->data, r->ct, r->ctlen, ad, adlen, r->nonce, key) != 0)
			st = vault__err(v, VAULT_ERR_CORRUPT,
			                "record %s version %u fails authentication", r->name,
			                (unsigned)r->version);
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
	st = vault__gate_open_light(v, &g, "record.get", POLICY_READ, case_id, name,
	                            VAULT_CLASS_GENERAL, record_fill, &r);
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
	written w = {case_id, name, 0, 0};

	st = vault__gate_open_light(v, &g, "record.delete", POLICY_WRITE, case_id, name,
	                            VAULT_CLASS_GENERAL, record_fill, &r);
	g.undo = undo_version;
	g.undo_ctx = &w;
	rec_done(&r);
	if (st == VAULT_OK && r.deleted)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "record %s is already deleted", name);
	w.cls = r.cls;
	if (st == VAULT_OK)
		st = write_version(v, case_id, name, r.cls, NULL, 0, 1, &w.version);
	st = vault__gate_close(&g, st);
	if (st == VAULT_OK && out_version != NULL)
		*out_version = w.version;
	return st;
}

static vault_status list_records(vault *v, const char *action, const char *case_id,
                                 const char *name, unsigned int cls, vault_record_cb cb,
                                 void *ctx)
{
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
	st = name ? check_record_args(v, case_id, name) : check_case_id(v, case_id);
	if (st == VAULT_OK)
		st = check_class_or_any(v, cls);
	if (st != VAULT_OK)
		return st;
	st = vault__gate_open(v, &g, action, POLICY_META, case_id, name, cls, NULL, NULL);
	if (st == VAULT_OK && name != NULL)
		st = vault__prepare(v, "SELECT name, version, class, deleted, size, author,"
		                       " created, redacted_by, redacted_at, redact_reason"
		                       " FROM records WHERE case_id = ?1 AND name = ?2"
		                       " AND (class & ?3) != 0 ORDER BY class, version", &s);
	else if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT r.name, r.version, r.class, r.deleted, r.size,"
		                       " r.author, r.created, r.redacted_by, r.redacted_at,"
		                       " r.redact_reason FROM records r WHERE r.case_id = ?1"
		                       " AND (r.class & ?3) != 0 AND r.version = (SELECT MAX(version)"
		                       " FROM records WHERE case_id = r.case_id AND name = r.name"
		                       " AND class = r.class) ORDER BY r.name, r.class", &s);
	if (st == VAULT_OK) {
		vault__bind_text(s, 1, case_id);
		if (name != NULL)
			vault__bind_text(s, 2, name);
		/* Names of records in classes the caller cannot read stay hidden. */
		sqlite3_bind_int(s, 3, (int)(g.dec.readable & (cls ? cls : VAULT_CLASS_ALL)));
		st = vault__rows_fetch(v, s, &rb);
	}
	sqlite3_finalize(s);
	/* The rows reach the caller only once the entry is committed. */
	st = vault__gate_close(&g, st);
	for (r = 0; st == VAULT_OK && ret == 0 && r < rb.nrow; r++) {
		vault_record_info info;
		int redacted = RB_TEXT(&rb, r, 7) != NULL;
		info.case_id = case_id;
		info.name = RB_TEXT(&rb, r, 0);
		info.version = (uint32_t)RB_INT64(&rb, r, 1);
		info.cls = (vault_class)RB_INT(&rb, r, 2);
		info.deleted = RB_INT(&rb, r, 3);
		info.size = (size_t)RB_INT64(&rb, r, 4);
		info.author = RB_TEXT(&rb, r, 5);
		info.created = RB_INT64(&rb, r, 6);
		info.redacted_by = redacted ? RB_TEXT(&rb, r, 7) : NULL;
		info.redacted_at = redacted ? RB_INT64(&rb, r, 8) : 0;
		info.redact_reason = redacted ? RB_TEXT(&rb, r, 9) : NULL;
		if (redacted)
			info.size = 0;
		ret = cb(&info, ctx);
	}
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
static vault_status redact_rows(vault *v, const char *case_id, unsigned int cls,
                                const char *name, uint32_t version, const char *reason)
{
	sqlite3_stmt *s;
	vault_status st;

	st = vault__prepare(v, "UPDATE records SET nonce = NULL, ct = NULL,"
	                       " redacted_by = ?5, redacted_at = ?6, redact_reason = ?7"
	                       " WHERE case_id = ?1 AND class = ?2 AND name = ?3"
	                       " AND (?4 = 0 OR version = ?4) AND deleted = 0"
	                       " AND redacted_by IS NULL", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, (int)cls);
	vault__bind_text(s, 3, name);
	sqlite3_bind_int64(s, 4, version);
	vault__bind_text(s, 5, v->user);
	sqlite3_bind_int64(s, 6, vault__now());
	vault__bind_text(s, 7, reason);
	st = vault__sql_status(v, sqlite3_step(s), "redact");
	if (st == VAULT_OK && sqlite3_changes(v->db) == 0)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "nothing left to redact");
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
	st = vault__gate_open(v, &g, "record.redact", POLICY_REDACT, case_id, name,
	                      VAULT_CLASS_GENERAL, redact_fill, &c);
	g.ev.reason = reason;
	rec_done(&c.r);
	if (st == VAULT_OK && c.r.deleted)
		st = vault__err(v, VAULT_ERR_INVALID, "version %u is a deletion: it holds"
		                " nothing to redact", (unsigned)version);
	if (st == VAULT_OK && c.r.redacted)
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "version %u is already redacted",
		                (unsigned)version);
	if (st == VAULT_OK)
		st = redact_rows(v, case_id, c.r.cls, name, version, reason);
	st = vault__gate_close(&g, st);
	if (st == VAULT_OK)
		scrub_wal(v);
	return st;
}

vault_status vault_record_reclassify(vault *v, const char *case_id, const char *name,
                                     unsigned int from, unsigned int to,
                                     const char *reason, uint32_t *out_version)
{
	vault_buf buf = VAULT_BUF_INIT;
	rowbuf rb = {NULL, 0, 0, 0};
	sqlite3_stmt *vs = NULL;
	char why[VAULT_TEXT_MAX + 64];
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
	                      case_id, name, from | to, redact_fill, &c);
	g.ev.reason = reason;
	rec_done(&c.r);
	if (st == VAULT_OK && (c.r.deleted || c.r.redacted))
		st = vault__err(v, VAULT_ERR_NOT_FOUND, "record %s has no content in %s", name,
		                vault_class_name((vault_class)from));
	/* Every version with content moves, oldest first: the history goes
	 * with it, so a move up (which any writer of both classes may make)
	 * destroys nothing; only the copies left in `from` are redacted. */
	if (st == VAULT_OK)
		st = vault__prepare(v, "SELECT version FROM records WHERE case_id = ?1 AND"
		                       " class = ?2 AND name = ?3 AND deleted = 0 AND"
		                       " redacted_by IS NULL ORDER BY version", &vs);
	if (st == VAULT_OK) {
		vault__bind_text(vs, 1, case_id);
		sqlite3_bind_int(vs, 2, (int)from);
		vault__bind_text(vs, 3, name);
		st = vault__rows_fetch(v, vs, &rb);
	}
	sqlite3_finalize(vs);
	for (i = 0; st == VAULT_OK && i < rb.nrow; i++) {
		rec_row r;

		memset(&r, 0, sizeof(r));
		r.case_id = case_id;
		r.name = name;
		r.want = (uint32_t)RB_INT64(&rb, i, 0);
		st = read_row(v, &r, from);
		if (st == VAULT_OK)
			st = decrypt_row(v, &r, &buf);
		rec_done(&r);
		if (st == VAULT_OK)
			st = write_version(v, case_id, name, to,
			                   buf.data ? (const void *)buf.data : "", buf.len, 0, &ver);
		vault_buf_free(&buf);
	}
	vault__rows_free(&rb);
	snprintf(why, sizeof(why), "moved to %s%s%s", vault_class_name((vault_class)to),
	         reason ? ": " : "", reason ? reason : "");
	if (st == VAULT_OK)
		st = redact_rows(v, case_id, from, name, 0, why);
	vault_buf_free(&buf);
	st = vault__gate_close(&g, st);
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
