/*
 * store.c - the SQLCipher connection: keying, cipher settings, schema and
 * migrations, cached statements, transactions.
 *
 * SQL here runs on SQLite 3.15 (Debian 12's SQLCipher 3.4): no UPSERT,
 * RETURNING, window functions or JSON1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts.h"
#include "internal.h"

/* SQLCipher's keying call; its header declares it only under
 * SQLITE_HAS_CODEC, which distributions do not set for users. */
int sqlite3_key(sqlite3 *db, const void *key, int nkey);

/* Schema migrations: migrations[i] takes a database from version i to i+1.
 * A new release appends; a published step never changes. */
static const char *const migrations[] = {
	/* 0 -> 1: the tables */
	"CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
	"CREATE TABLE orgs(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" kind INTEGER NOT NULL, epoch INTEGER NOT NULL, created INTEGER NOT NULL,"
	" admin_keys INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE org_pubkeys(org TEXT NOT NULL, epoch INTEGER NOT NULL,"
	" which INTEGER NOT NULL, pk BLOB NOT NULL, PRIMARY KEY(org, epoch, which));"
	"CREATE TABLE org_keys(org TEXT NOT NULL, epoch INTEGER NOT NULL,"
	" which INTEGER NOT NULL, user TEXT NOT NULL, sealed BLOB NOT NULL,"
	" PRIMARY KEY(org, epoch, which, user));"
	"CREATE TABLE users(name TEXT PRIMARY KEY, org TEXT, role INTEGER NOT NULL,"
	" box_pk BLOB NOT NULL, sign_pk BLOB NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
	"CREATE TABLE cases(id TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
	" owner_org TEXT NOT NULL, created_by TEXT NOT NULL,"
	" restricted INTEGER NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE case_classes(case_id TEXT NOT NULL, class INTEGER NOT NULL,"
	" epoch INTEGER NOT NULL, PRIMARY KEY(case_id, class));"
	"CREATE TABLE class_keys(case_id TEXT NOT NULL, class INTEGER NOT NULL,"
	" epoch INTEGER NOT NULL, hkind INTEGER NOT NULL, holder TEXT NOT NULL,"
	" hepoch INTEGER NOT NULL, sealed BLOB NOT NULL,"
	" PRIMARY KEY(case_id, class, epoch, hkind, holder, hepoch));"
	"CREATE TABLE records(case_id TEXT NOT NULL, name TEXT NOT NULL,"
	" version INTEGER NOT NULL, class INTEGER NOT NULL, epoch INTEGER NOT NULL,"
	" deleted INTEGER NOT NULL, size INTEGER NOT NULL, author TEXT NOT NULL,"
	" created INTEGER NOT NULL, nonce BLOB, ct BLOB,"
	" PRIMARY KEY(case_id, name, version));"
	"CREATE TABLE grants(id INTEGER PRIMARY KEY, case_id TEXT NOT NULL,"
	" pkind INTEGER NOT NULL, principal TEXT NOT NULL, classes INTEGER NOT NULL,"
	" perm INTEGER NOT NULL, consent_id TEXT, expires INTEGER NOT NULL,"
	" granted_by TEXT NOT NULL, created INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0, owner INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX grants_case ON grants(case_id, revoked);"
	"CREATE TABLE consents(id TEXT PRIMARY KEY, case_id TEXT NOT NULL,"
	" org TEXT NOT NULL, classes INTEGER NOT NULL, scope INTEGER NOT NULL,"
	" purpose TEXT NOT NULL, basis INTEGER NOT NULL, reason TEXT NOT NULL,"
	" given_at INTEGER NOT NULL, expires INTEGER NOT NULL,"
	" withdrawn INTEGER NOT NULL, recorded_by TEXT NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE links(victim_case TEXT NOT NULL, epoch INTEGER NOT NULL,"
	" nonce BLOB NOT NULL, ct BLOB NOT NULL);"
	"CREATE TABLE breakglass(case_id TEXT NOT NULL, user TEXT NOT NULL,"
	" until INTEGER NOT NULL, reason TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE audit(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	" actor TEXT NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL,"
	" action TEXT NOT NULL, case_id TEXT NOT NULL, target TEXT NOT NULL,"
	" class TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,"
	" purpose TEXT NOT NULL, newkey BLOB, high INTEGER NOT NULL,"
	" prev BLOB NOT NULL, hash BLOB NOT NULL, sig BLOB, key BLOB NOT NULL);",
	/* 1 -> 2: indexes for audit queries by case and key look-ups.  Every
	 * audit index is one more B-tree written by every operation, so only
	 * the case (what auditors ask most) has one; other filters scan. */
	"CREATE INDEX audit_case ON audit(case_id);"
	"CREATE INDEX class_keys_holder ON class_keys(hkind, holder);"
	"CREATE INDEX breakglass_case ON breakglass(case_id, user);",
	/* 2 -> 3 (1.1.0): a record is (case, class, name).  Under 1.0 a name
	 * was one record whose versions could change class, so a writer of
	 * `general` could add a version over a `safety` record he cannot read.
	 * Each version keeps its class and number (its AEAD binds both), so a
	 * 1.0 record whose versions changed class becomes one record per class.
	 * Redacted versions keep who, when and why; their ciphertext is gone.
	 * The key leads with (case, name): a get that names no class looks up
	 * the classes of a name, and must not scan the case's records. */
	"CREATE TABLE records_v3(case_id TEXT NOT NULL, class INTEGER NOT NULL,"
	" name TEXT NOT NULL, version INTEGER NOT NULL, epoch INTEGER NOT NULL,"
	" deleted INTEGER NOT NULL, size INTEGER NOT NULL, author TEXT NOT NULL,"
	" created INTEGER NOT NULL, nonce BLOB, ct BLOB, redacted_by TEXT,"
	" redacted_at INTEGER, redact_reason TEXT,"
	" PRIMARY KEY(case_id, name, class, version));"
	"INSERT INTO records_v3(case_id, class, name, version, epoch, deleted, size,"
	" author, created, nonce, ct) SELECT case_id, class, name, version, epoch,"
	" deleted, size, author, created, nonce, ct FROM records;"
	"DROP TABLE records;"
	"ALTER TABLE records_v3 RENAME TO records;",
	/* 3 -> 4 (1.1.0): the RFC 6962 Merkle tree over the audit log, its
	 * stored hashes (lib/tlog.h) in each entry's row: the hashes that the
	 * entry completes, 32 bytes each, leaf first.  In the row, not a table
	 * of their own: written by the entry's own insert, so the two cannot
	 * part.  Derived from the log: filled in for the entries of a
	 * 1.0 vault at the first append (lib/audit_tree.c), and checked against
	 * the log by vault_audit_verify(). */
	"ALTER TABLE audit ADD COLUMN tree BLOB;",
	/* 4 -> 5 (1.1.0): the key history of each user (added, rekeyed) by
	 * name, for the first-passphrase check at open (vault.c).  Partial:
	 * only those rare entries, so appends pay nothing for it.  Read by
	 * nothing since that check takes the history from the open's replay
	 * (its pages are anyone's to rewrite: test_review__resealed_slot_and_
	 * keyhist_index_rewritten_still_expired). */
	"CREATE INDEX audit_keyhist ON audit(target, seq)"
	" WHERE action IN ('user.add', 'user.rekey');",
	/* 5 -> 6 (1.1.0): a case's statistical indicators (lib/stats.c), one
	 * row per case, encrypted under its general class key; a table of
	 * their own so that no record name is reserved and record listings
	 * stay what they were.  version counts the writes and is bound into
	 * the AEAD's associated data with the case and the key's epoch. */
	"CREATE TABLE indicators(case_id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
	" epoch INTEGER NOT NULL, author TEXT NOT NULL, created INTEGER NOT NULL,"
	" nonce BLOB NOT NULL, ct BLOB NOT NULL);",
	/* 6 -> 7 (schema 7): the files are untrusted (lib/facts.c).  Each entry
	 * may carry signed statements: the images of the rows its operation
	 * wrote ("" for none).  class_epochs holds the commitment to
	 * each class key, so a key planted in a seal is refused.  legacy_facts:
	 * the rows a vault made before schema 7 held when it was migrated, vouched
	 * for by one "legacy" statement of the migrating user, and reported as
	 * legacy (never as verified). */
	"ALTER TABLE audit ADD COLUMN fact TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE class_epochs(case_id TEXT NOT NULL, class INTEGER NOT NULL,"
	" epoch INTEGER NOT NULL, author TEXT NOT NULL, commitment BLOB NOT NULL,"
	" PRIMARY KEY(case_id, class, epoch));"
	"CREATE TABLE legacy_facts(n INTEGER PRIMARY KEY, case_id TEXT NOT NULL,"
	" image TEXT NOT NULL);",
	/* 7 -> 8 (schema 8, issue 12 attack 9): free text out of the clear
	 * (lib/freetext.c).  A record row written from now on holds in `name`
	 * a 16-byte BLOB tag instead of the name, the name and exact size in
	 * `label` (sealed), its content padded with Padme (`padded` = 1, `size`
	 * the padded size).  A consent's purpose and reason move into `sealed`
	 * (under the general class key of `sealed_epoch`), leaving '' behind.
	 * Rows of 1.x stay readable as they are (a TEXT name, label NULL): the
	 * first write to a record, by a user who holds its keys, converts all
	 * its versions (cases.c convert_legacy).  Sealing needs class keys that
	 * no single opener holds, so SQL alone cannot do it here. */
	"ALTER TABLE records ADD COLUMN label BLOB;"
	"ALTER TABLE records ADD COLUMN padded INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE consents ADD COLUMN sealed_epoch INTEGER;"
	"ALTER TABLE consents ADD COLUMN sealed BLOB;",
};

#define SCHEMA_LATEST ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* A version's columns as read_row() reads them (cases.c). */
#define RECORD_COLS                                                            \
	"version, class, epoch, deleted, size, author, created, nonce, ct,"    \
	" redacted_by, redacted_at, redact_reason, label, padded, rowid,"      \
	" typeof(name) = 'blob'"

static const char *const stmt_sql[ST__COUNT] = {
	[ST_CASE_GET] =
	    "SELECT c.kind, c.owner_org, c.created_by, c.restricted, c.created, o.kind"
	    " FROM cases c JOIN orgs o ON o.id = c.owner_org WHERE c.id = ?1",
	[ST_GRANTS_FOR_ACTOR] =
	    "SELECT classes, perm, expires, revoked FROM grants"
	    " WHERE case_id = ?1 AND revoked = 0 AND"
	    " ((pkind = 1 AND principal = ?2) OR (pkind = 2 AND principal = ?3))",
	[ST_BREAKGLASS_GET] =
	    "SELECT MAX(until) FROM breakglass WHERE case_id = ?1 AND user = ?2"
	    " AND created <= ?3",
	[ST_EPOCH_GET] =
	    "SELECT epoch FROM case_classes WHERE case_id = ?1 AND class = ?2",
	[ST_CLASSKEY_FIND] =
	    "SELECT hkind, holder, hepoch, sealed FROM class_keys"
	    " WHERE case_id = ?1 AND class = ?2 AND epoch = ?3 AND"
	    " ((hkind = 2 AND holder = ?4) OR (hkind = 1 AND holder = ?5) OR"
	    "  (hkind = 3 AND holder = ?5 AND ?6))",
	/* A record's rows hold in `name` its tag (a BLOB, ?2 here), or, for
	 * rows of 1.x not yet converted, the name as TEXT (cases.c). */
	[ST_RECORD_MAXVER] =
	    "SELECT version, rowid FROM records WHERE case_id = ?1 AND name = ?2"
	    " AND class = ?3 ORDER BY version DESC LIMIT 1",
	[ST_RECORD_INSERT] =
	    "INSERT INTO records(case_id, name, version, class, epoch, deleted, size,"
	    " author, created, nonce, ct, label, padded)"
	    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
	/* ?2 the name (a 1.x row), ?5 the tag of the class (NULL if unknown).
	 * A record with rows under its tag never reads a row under its name
	 * in clear (a conversion converts all of them at once); a row in
	 * clear that is read counts only as a legacy fact (cases.c read_row). */
	[ST_RECORD_GET] =
	    "SELECT " RECORD_COLS " FROM records WHERE case_id = ?1 AND name IN (?2, ?5)"
	    " AND class = ?4 AND version = ?3 AND (name = ?5 OR NOT EXISTS (SELECT 1 FROM records"
	    " WHERE case_id = ?1 AND name = ?5 AND class = ?4))",
	/* The newest under the tag, else the newest in clear: each by the
	 * key's index backwards (one ORDER BY over both names would sort
	 * every version of the record) */
	[ST_RECORD_GET_LATEST] =
	    "SELECT * FROM (SELECT " RECORD_COLS " FROM records WHERE case_id = ?1"
	    " AND name = ?5 AND class = ?4 ORDER BY version DESC LIMIT 1)"
	    " UNION ALL SELECT * FROM (SELECT " RECORD_COLS " FROM records WHERE case_id = ?1"
	    " AND name = ?2 AND class = ?4 AND NOT EXISTS (SELECT 1 FROM records"
	    " WHERE case_id = ?1 AND name = ?5 AND class = ?4) ORDER BY version DESC LIMIT 1)",
	/* ?2 the name, ?3 ?4 ?5 its tags in general, sensitive, safety: per
	 * class, whether rows are under a tag, and the newest row in clear
	 * (counted only if a legacy fact: cases.c resolve_class).  Under a
	 * tag, the newest row by the key's index, one look-up per class: a
	 * MAX() grouped by class reads every version of the record */
	[ST_RECORD_CLASSES] =
	    "SELECT 1, 1, version, rowid FROM (SELECT version, rowid FROM records"
	    " WHERE case_id = ?1 AND name = ?3 AND class = 1 ORDER BY version DESC LIMIT 1)"
	    " UNION ALL SELECT 2, 1, version, rowid FROM (SELECT version, rowid FROM records"
	    " WHERE case_id = ?1 AND name = ?4 AND class = 2 ORDER BY version DESC LIMIT 1)"
	    " UNION ALL SELECT 4, 1, version, rowid FROM (SELECT version, rowid FROM records"
	    " WHERE case_id = ?1 AND name = ?5 AND class = 4 ORDER BY version DESC LIMIT 1)"
	    " UNION ALL SELECT class, 0, MAX(version), rowid FROM records"
	    " WHERE case_id = ?1 AND name = ?2 GROUP BY class",
	/* Does (case, class, name) have rows of 1.x, to convert? */
	[ST_RECORD_LEGACY] =
	    "SELECT 1 FROM records WHERE case_id = ?1 AND name = ?2 AND class = ?3 LIMIT 1",
	[ST_AUDIT_HEAD] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[ST_AUDIT_INSERT] =
	    "INSERT INTO audit(seq, ts, actor, org, role, action, case_id, target,"
	    " class, outcome, reason, purpose, newkey, high, prev, hash, sig, key, tree, fact)"
	    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,NULL,?17,?18,?19)",
	[ST_AUDIT_SIGN] = "UPDATE audit SET sig = ?1 WHERE seq = ?2",
	/* Prepared once: every operation runs them. */
	[ST_SAVEPOINT] = "SAVEPOINT vault_op",
	[ST_RELEASE] = "RELEASE vault_op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO vault_op",
	[ST_USER_LIVE] = "SELECT disabled FROM users WHERE name = ?1",
	[ST_TREE_SET] = "UPDATE audit SET tree = ?2 WHERE seq = ?1",
	[ST_TREE_GET] = "SELECT tree FROM audit WHERE seq = ?1",
	/* A grant of the case covering the class that lapsed after a time
	 * (cases.c, lapsed_since_epoch). */
	[ST_LAPSED_GRANTS] =
	    "SELECT 1 FROM grants WHERE case_id = ?1 AND revoked = 0 AND"
	    " (classes & ?2) != 0 AND expires != 0 AND expires <= ?3 AND"
	    " expires > ?4 LIMIT 1",
	/* A holder of the current class key whose grants all lapsed. */
	[ST_LAPSED_HOLDERS] =
	    "SELECT 1 FROM class_keys k WHERE k.case_id = ?1 AND"
	    " k.class = ?2 AND k.epoch = ?3 AND k.hkind IN (?4, ?5) AND"
	    " NOT EXISTS (SELECT 1 FROM grants g WHERE g.case_id = k.case_id"
	    " AND g.pkind = k.hkind AND g.principal = k.holder AND"
	    " g.revoked = 0 AND (g.classes & ?2) != 0 AND"
	    " (g.expires = 0 OR g.expires > ?6)) LIMIT 1",
};

static vault_status run_stmt(vault *v, enum stmt_id id)
{
	sqlite3_stmt *s = vault__stmt(v, id);
	int rc;

	if (s == NULL)
		return vault__sql_status(v, sqlite3_errcode(v->db), "prepare");
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return vault__sql_status(v, rc, "transaction");
}

vault_status vault__sql_status(vault *v, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return VAULT_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return vault__err(v, VAULT_ERR_BUSY, "%s: the vault is busy", what);
	case SQLITE_NOMEM:
		return vault__err(v, VAULT_ERR_NOMEM, "%s: out of memory", what);
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return vault__err(v, VAULT_ERR_CORRUPT, "%s: database is damaged", what);
	case SQLITE_ERROR:
		/* libvault's SQL is fixed, and a trigger's RAISE is a constraint
		 * error: SQLCipher reports a page that fails its HMAC this way. */
		return vault__err(v, VAULT_ERR_CORRUPT, "%s: database is damaged (%s)", what,
		                  v && v->db ? sqlite3_errmsg(v->db) : "a page fails authentication");
	case SQLITE_FULL:
		return vault__err(v, VAULT_ERR_NOSPACE, "%s", VAULT_MSG_DISK_FULL);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return vault__err(v, VAULT_ERR_IO, "%s: %s", what,
		                  v && v->db ? sqlite3_errmsg(v->db) : "I/O error");
	case SQLITE_CONSTRAINT:
		return vault__err(v, VAULT_ERR_EXISTS, "%s: already exists", what);
	default:
		/* Anything else: never a silent success. */
		return vault__err(v, VAULT_ERR_IO, "%s: %s", what,
		                  v && v->db ? sqlite3_errmsg(v->db) : "database error");
	}
}

vault_status vault__exec(vault *v, const char *sql)
{
	int rc = sqlite3_exec(v->db, sql, NULL, NULL, NULL);

	return vault__sql_status(v, rc, "database");
}

/* SQLite rolls the whole transaction back on some errors (out of memory,
 * disk full, I/O).  An operation that went on after one would run each
 * statement in a transaction of its own and commit it: half an operation,
 * outside the write lock.  So no statement is handed out then. */
static int txn_lost(vault *v)
{
	return v->op_depth != 0 && sqlite3_get_autocommit(v->db);
}

vault_status vault__prepare(vault *v, const char *sql, sqlite3_stmt **out)
{
	int rc;

	if (txn_lost(v)) {
		*out = NULL;
		return vault__err(v, VAULT_ERR_IO, "the transaction was rolled back after an error");
	}
	rc = sqlite3_prepare_v2(v->db, sql, -1, out, NULL);
	if (rc != SQLITE_OK)
		*out = NULL;
	return vault__sql_status(v, rc, "prepare");
}

vault_status vault__stmt_dyn(vault *v, int slot, char *(*text)(int slot),
                             sqlite3_stmt **out)
{
	vault_status st;
	char *sql;

	*out = NULL;
	if (slot < 0 || slot >= VAULT_DYN_STMTS)
		return vault__err(v, VAULT_ERR_STATE, "no such statement slot");
	if (v->dyn[slot] == NULL) {
		sql = text(slot);
		if (sql == NULL)
			return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		st = vault__prepare(v, sql, &v->dyn[slot]);
		free(sql);
		if (st != VAULT_OK)
			return st;
	} else if (txn_lost(v)) {
		return vault__err(v, VAULT_ERR_IO, "the transaction was rolled back after an error");
	}
	sqlite3_reset(v->dyn[slot]);
	sqlite3_clear_bindings(v->dyn[slot]);
	*out = v->dyn[slot];
	return VAULT_OK;
}

vault_status vault__stmt_text(vault *v, const char *sql, sqlite3_stmt **out)
{
	unsigned int i, tries;
	vault_status st;
	char *copy;

	*out = NULL;
	if (txn_lost(v))
		return vault__err(v, VAULT_ERR_IO, "the transaction was rolled back after an error");
	for (i = 0; i < VAULT_TEXT_STMTS; i++)
		if (v->byt[i].sql != NULL && strcmp(v->byt[i].sql, sql) == 0) {
			sqlite3_reset(v->byt[i].s);
			sqlite3_clear_bindings(v->byt[i].s);
			*out = v->byt[i].s;
			return VAULT_OK;
		}
	/* The oldest that is not being stepped (a caller may hold one while it
	 * asks for others: check_indexes steps the index list meanwhile). */
	for (tries = 0; tries < VAULT_TEXT_STMTS; tries++) {
		i = v->byt_next++ % VAULT_TEXT_STMTS;
		if (v->byt[i].s == NULL || !sqlite3_stmt_busy(v->byt[i].s))
			break;
	}
	if (tries == VAULT_TEXT_STMTS)
		return vault__err(v, VAULT_ERR_STATE, "every cached statement is in use");
	copy = vault__strdup(sql);
	if (copy == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	sqlite3_finalize(v->byt[i].s);
	free(v->byt[i].sql);
	v->byt[i].s = NULL;
	v->byt[i].sql = NULL;
	st = vault__prepare(v, sql, &v->byt[i].s);
	if (st != VAULT_OK) {
		free(copy);
		return st;
	}
	v->byt[i].sql = copy;
	*out = v->byt[i].s;
	return VAULT_OK;
}

sqlite3_stmt *vault__stmt(vault *v, enum stmt_id id)
{
	sqlite3_stmt *s = v->st[id];

	if (txn_lost(v) && id != ST_ROLLBACK_TO && id != ST_RELEASE)
		return NULL; /* see txn_lost() */
	if (s == NULL) {
		if (sqlite3_prepare_v2(v->db, stmt_sql[id], -1, &s, NULL) != SQLITE_OK)
			return NULL;
		v->st[id] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

int vault__bind_text(sqlite3_stmt *s, int i, const char *t)
{
	return sqlite3_bind_text(s, i, t ? t : "", -1, SQLITE_STATIC);
}

vault_status vault__rows_fetch(vault *v, sqlite3_stmt *s, rowbuf *rb)
{
	int rc, c;

	rb->ncol = sqlite3_column_count(s);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (rb->nrow == rb->cap) {
			size_t cap = rb->cap ? rb->cap * 2 : 16;
			sqlite3_value **n = realloc(rb->val, cap * (size_t)rb->ncol * sizeof(*n));
			if (n == NULL || vault__fault_now()) {
				if (n != NULL)
					rb->val = n;
				return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			}
			rb->val = n;
			rb->cap = cap;
		}
		for (c = 0; c < rb->ncol; c++) {
			sqlite3_value *d = sqlite3_value_dup(sqlite3_column_value(s, c));
			if (d == NULL) {
				while (c-- > 0)
					sqlite3_value_free(rb->val[rb->nrow * (size_t)rb->ncol + (size_t)c]);
				return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			}
			rb->val[rb->nrow * (size_t)rb->ncol + (size_t)c] = d;
		}
		rb->nrow++;
	}
	return rc == SQLITE_DONE ? VAULT_OK : vault__sql_status(v, rc, "list");
}

void vault__rows_free(rowbuf *rb)
{
	size_t i;

	for (i = 0; i < rb->nrow * (size_t)rb->ncol; i++)
		sqlite3_value_free(rb->val[i]);
	free(rb->val);
	memset(rb, 0, sizeof(*rb));
}

vault_status vault__meta_get(vault *v, const char *k, unsigned char *buf,
                             size_t cap, size_t *len)
{
	sqlite3_stmt *s;
	vault_status st;
	int rc;

	st = vault__prepare(v, "SELECT v FROM meta WHERE k = ?1", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, k);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(s, 0);
		if (n > cap) {
			st = vault__err(v, VAULT_ERR_CORRUPT, "meta %s is malformed", k);
		} else {
			if (n > 0)
				memcpy(buf, sqlite3_column_blob(s, 0), n);
			*len = n;
		}
	} else if (rc == SQLITE_DONE) {
		st = vault__err(v, VAULT_ERR_CORRUPT, "meta %s is missing", k);
	} else {
		st = vault__sql_status(v, rc, "meta");
	}
	sqlite3_finalize(s);
	return st;
}

vault_status vault__meta_put(vault *v, const char *k, const void *val, size_t len)
{
	sqlite3_stmt *s;
	vault_status st;

	st = vault__prepare(v, "INSERT OR REPLACE INTO meta(k, v) VALUES(?1, ?2)", &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, k);
	sqlite3_bind_blob(s, 2, val, (int)len, SQLITE_STATIC);
	st = vault__sql_status(v, sqlite3_step(s), "meta");
	sqlite3_finalize(s);
	return st;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

/* The major version of the linked SQLCipher, or 0 when SQLite has no
 * cipher at all (PRAGMA cipher_version returns nothing). */
static int cipher_major(sqlite3 *db)
{
	sqlite3_stmt *s;
	int major = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA cipher_version", -1, &s, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		if (t != NULL && t[0] >= '1' && t[0] <= '9')
			major = atoi((const char *)t);
	}
	sqlite3_finalize(s);
	return major;
}

/* Test hook: pretend the linked SQLite has no cipher. */
int vault__test_no_cipher;

static vault_status migrate(vault *v, int create)
{
	int ver = 0, i;
	vault_status st;

	if (pragma_int(v->db, "PRAGMA user_version", &ver) != SQLITE_OK)
		return vault__err(v, VAULT_ERR_CORRUPT,
		                  "cannot read the database (wrong key or damaged file)");
	if (ver > SCHEMA_LATEST)
		return vault__err(v, VAULT_ERR_VERSION,
		                  "schema version %d is newer than this library's %d",
		                  ver, SCHEMA_LATEST);
	if (ver == 0 && !create)
		return vault__err(v, VAULT_ERR_CORRUPT, "database has no schema");
	if (ver == SCHEMA_LATEST)
		return VAULT_OK;
	st = vault__exec(v, "BEGIN IMMEDIATE");
	if (st != VAULT_OK)
		return st;
	for (i = ver; i < SCHEMA_LATEST && st == VAULT_OK; i++)
		st = vault__exec(v, migrations[i]);
	if (st == VAULT_OK) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_LATEST);
		st = vault__exec(v, sql);
	}
	if (st == VAULT_OK)
		st = vault__exec(v, "COMMIT");
	if (st != VAULT_OK)
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	return st;
}

/* Explicit cipher settings of one database of a connection (main, or an
 * attached one, before its first page is read), so SQLCipher 3.4 and 4.x
 * read the same file: 4096-byte pages, HMAC-SHA1 page authentication and
 * the PBKDF2-SHA1 (64000) key schedule that 4.x calls compatibility 3.
 * With a raw key the KDF iterations do not run, but they are part of the
 * format, so they are pinned too. */
static int cipher_params(sqlite3 *db, const char *schema, int major)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "PRAGMA %s.cipher_page_size = 4096;"
	         "PRAGMA %s.kdf_iter = 64000; PRAGMA %s.cipher_use_hmac = ON;",
	         schema, schema, schema);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (major < 4)
		return 0;
	snprintf(sql, sizeof(sql), "PRAGMA %s.cipher_hmac_algorithm = HMAC_SHA1;"
	         "PRAGMA %s.cipher_kdf_algorithm = PBKDF2_HMAC_SHA1;", schema, schema);
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* SQLCipher's raw-key form, "x'<64 hex>'", in secure memory. */
static char *keyspec_of(const unsigned char key[32])
{
	char *k = vault__secure_alloc(2 + 64 + 2);

	if (k == NULL)
		return NULL;
	k[0] = 'x';
	k[1] = '\'';
	vault__hex(key, 32, k + 2);
	k[66] = '\'';
	k[67] = '\0';
	return k;
}

static int db_path(const char *dir, const char *suffix, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/" VAULT_DB_FILE "%s", dir, suffix);

	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The names a key rotation gives the old file's write-ahead log and shared
 * memory while it switches files (vault__store_rotate). */
#define ASIDE_WAL ".rotate-oldwal"
#define ASIDE_SHM ".rotate-oldshm"

static int exists(const char *dir, const char *suffix)
{
	char path[4096];
	struct stat sb;

	return db_path(dir, suffix, path, sizeof(path)) == 0 && lstat(path, &sb) == 0;
}

int vault__store_moved(vault *v)
{
	char path[4096];
	struct stat sb;

	if (v->db_moved)
		return 1;
	/* A path that cannot be formed or a file that is gone: moved, so
	 * that nothing is written to a file nobody else will read.  The old
	 * WAL set aside: a rotation is switching files (or was killed while
	 * it did, and no open has settled it yet), and the name vault.db-wal
	 * is not this connection's log, or will be the new file's.  Not for
	 * the handle whose own rotation holds the vault lock: it made and
	 * removed its own, and one there now was planted to stop it short of
	 * its vault.rekey entry (attack 310b). */
	if (db_path(v->dir, "", path, sizeof(path)) != 0 || lstat(path, &sb) != 0 ||
	    sb.st_dev != v->db_dev || sb.st_ino != v->db_ino ||
	    (!v->rotating && (exists(v->dir, ASIDE_WAL) || exists(v->dir, ASIDE_SHM))))
		v->db_moved = 1;
	return v->db_moved;
}

int vault__store_rotation_left(const char *dir)
{
	return exists(dir, ASIDE_WAL) || exists(dir, ASIDE_SHM);
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Something at `path` that the library did not make (a directory, a
 * FIFO): unlink() cannot remove it, and a rotation that needs the name
 * would fail for good, leaving the old database key in force (attack
 * 200b).  It is renamed out of the way, under a name nothing reads.
 * 0 when the name is free (or holds a plain file, which unlink takes). */
static int clear_name(const char *path)
{
	char junk[4096 + 32], hex[17];
	unsigned char r[8];
	struct stat sb;

	if (lstat(path, &sb) != 0 || S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode))
		return 0;
	vault__random(r, sizeof(r));
	vault__hex(r, sizeof(r), hex);
	if (snprintf(junk, sizeof(junk), "%s.junk-%s", path, hex) >= (int)sizeof(junk))
		return -1;
	return rename(path, junk);
}

/* rename(from, to), with whatever is not a plain file at `to` moved out of
 * the way first (clear_name), right before: a directory planted there
 * after the rotation began would fail it (a rename never replaces a
 * directory with a file), and the old key would stay in force.  Planted
 * again in the moment between, it is cleared again, a few times.  A hard
 * link to `from` planted at `to` makes the rename do nothing (both names
 * are one file): `from` then goes by unlink, so that the name is free all
 * the same (attack 220c). */
static int rename_clear(const char *from, const char *to)
{
	struct stat sb;
	int i;

	for (i = 0; i < 8; i++) {
		if (clear_name(to) != 0)
			return -1;
		if (rename(from, to) == 0)
			return lstat(from, &sb) == 0 ? unlink(from) : 0;
		if (errno != EISDIR && errno != ENOTEMPTY && errno != EEXIST && errno != ENOTDIR)
			return -1;
	}
	return -1;
}

/* 1 if `path` names the very file *mine describes (a plain file). */
static int is_mine(const char *path, const struct stat *mine)
{
	struct stat sb;

	return lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_dev == mine->st_dev &&
	       sb.st_ino == mine->st_ino;
}

/* What a rotation set aside (the old file's log and shared memory): put
 * back under their names (back: the switch did not happen, vault.db is
 * still the old file), or removed (they are a replaced file's).  Only a
 * plain file goes back (a link planted under the name would be followed
 * by SQLite); the real one always is. */
static vault_status settle_aside(const char *dir, int back)
{
	static const char *const aside[2][2] = {{ASIDE_WAL, "-wal"}, {ASIDE_SHM, "-shm"}};
	char from[4096], to[4096];
	struct stat sb;
	size_t i;
	int moved = 0;

	for (i = 0; i < 2; i++) {
		if (db_path(dir, aside[i][0], from, sizeof(from)) != 0 ||
		    db_path(dir, aside[i][1], to, sizeof(to)) != 0)
			return VAULT_ERR_INVALID;
		if (clear_name(from) != 0) {
			vault__set_last_error("the vault folder holds a set-aside log that is not a"
			                      " file the library made, and it cannot be moved away");
			return VAULT_ERR_IO;
		}
		if (lstat(from, &sb) != 0)
			continue;
		if (back && S_ISREG(sb.st_mode)) {
			if (rename_clear(from, to) != 0) {
				vault__set_last_error("cannot put the write-ahead log of a key"
				                      " rotation cut short back in place");
				return VAULT_ERR_IO;
			}
			moved = 1;
			VAULT_CRASH_POINT("rotate.settle.back");
		} else if (unlink(from) != 0 && errno != ENOENT) {
			vault__set_last_error("cannot remove the write-ahead log of a replaced"
			                      " database file");
			return VAULT_ERR_IO;
		}
	}
	if (moved)
		fsync_dir(dir);
	return VAULT_OK;
}

/* The names a rotation exports under, emptied. */
static void remove_export(const char *dir)
{
	static const char *const rotate_files[] = {".rotate", ".rotate-journal", ".rotate-wal",
	                                           ".rotate-shm"};
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(rotate_files) / sizeof(rotate_files[0]); i++)
		if (db_path(dir, rotate_files[i], path, sizeof(path)) == 0 && clear_name(path) == 0)
			(void)unlink(path);
}

/* A rotation killed before it ended, settled by what the caller knows:
 * `switched`, vault.db is the new file (its pending key opens it), and
 * what was set aside is the replaced file's: it goes; else it goes back
 * under its names.  Whatever is under the export's name goes either way
 * (a file planted there after a switch must not mislead a later settle:
 * attack 210a).  Under the vault lock. */
vault_status vault__store_settle_rotation_as(const char *dir, int switched)
{
	vault_status st = settle_aside(dir, !switched);

	if (st == VAULT_OK) {
		remove_export(dir);
		if (!switched)
			VAULT_CRASH_POINT("rotate.settle.after");
	}
	return st;
}

/* Anyone with the database key can add a trigger to the schema, and a trigger
 * runs inside the transaction of whoever writes next: its rows would be
 * collected as hers, stated in her entry and signed by her (a class-key
 * epoch chosen by the attacker, attack 11).  The library's connections run
 * none: 0, or -1 if SQLite would not say that they are off. */
static int no_triggers(sqlite3 *db)
{
	int want = vault__fault_triggers_on(), got = -1;

	if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, want, &got) != SQLITE_OK)
		return -1;
	return got == want ? 0 : -1;
}

/* The schema must be exactly the one this library makes: every migration run
 * on an empty in-memory database gives it (a vault made by an older release
 * ran the same statements, in the same order), and sqlite_master is compared
 * with it entry for entry: type, name, table and SQL text.  A key-slot holder
 * who rebuilt a table or added an index, a trigger, a view, a default, a
 * foreign key, a conflict clause, a collation or another type would have the
 * victim's own operation write, or the library's queries read, what she
 * chose; the victim's entry would then state it and her signature cover it.
 * Checked at open (again inside the open's write transaction, facts.c) and
 * whenever the schema changed since (PRAGMA schema_version).  What this does
 * not see: the pages behind an index the library made, rewritten to disagree
 * with its table; facts.c reads the indexes of the tables of facts against
 * their rows (check_indexes), SECURITY.md says what is left (records,
 * class_keys, audit). */
static vault_status schema_rows(vault *v, sqlite3 *db, char **out)
{
	sqlite3_stmt *s = NULL;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int rc;

	*out = NULL;
	rc = sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM"
	                            " sqlite_master ORDER BY type, name", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return vault__sql_status(v, rc, "schema");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *col[4];
		size_t need = 0;
		int k;

		for (k = 0; k < 4; k++) {
			col[k] = (const char *)sqlite3_column_text(s, k);
			if (col[k] == NULL)
				break;
			need += strlen(col[k]) + 1;
		}
		if (k < 4) {
			rc = SQLITE_NOMEM;
			break;
		}
		/* (tests that block an insert with a trigger of their own) */
		if (strcmp(col[0], "trigger") == 0 && vault__fault_triggers_on() &&
		    db == v->db)
			continue;
		if (len + need + 1 > cap) {
			size_t nc = (len + need + 1) * 2;
			char *nb = realloc(buf, nc);

			if (nb == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			buf = nb;
			cap = nc;
		}
		for (k = 0; k < 4; k++) {
			size_t n = strlen(col[k]);

			memcpy(buf + len, col[k], n);
			len += n;
			buf[len++] = k < 3 ? '\x1f' : '\x1e';
		}
		buf[len] = '\0';
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(buf);
		return rc == SQLITE_NOMEM ? vault__err(v, VAULT_ERR_NOMEM, "out of memory")
		                          : vault__sql_status(v, rc, "schema");
	}
	*out = buf != NULL ? buf : calloc(1, 1);
	return *out != NULL ? VAULT_OK : vault__err(v, VAULT_ERR_NOMEM, "out of memory");
}

/* The first entry (one line of schema_rows) where a and b differ, for the
 * message: its type and name. */
static void first_difference(const char *a, const char *b, char *out, size_t cap)
{
	const char *la = a, *p = a, *q = b;
	char *c;

	while (*p != '\0' && *p == *q) {
		if (*p == '\x1e')
			la = p + 1;
		p++;
		q++;
	}
	snprintf(out, cap, "%.*s", (int)strcspn(la, "\x1e"), la);
	for (c = out; *c != '\0'; c++)
		if (*c == '\x1f')
			*c = ' ';
}

vault_status vault__store_check_schema(vault *v)
{
	char *want = NULL, *have = NULL, where[96];
	sqlite3 *mem = NULL;
	vault_status st = VAULT_OK;
	int ver = 0, rc, i;

	rc = pragma_int(v->db, "PRAGMA schema_version", &ver);
	if (rc != SQLITE_OK)
		return vault__sql_status(v, rc, "schema version");
	if (v->schema_checked && ver == v->schema_version)
		return VAULT_OK;
	rc = sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	for (i = 0; rc == SQLITE_OK && i < SCHEMA_LATEST; i++)
		rc = sqlite3_exec(mem, migrations[i], NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		st = vault__sql_status(v, rc, "the schema to compare with");
	if (st == VAULT_OK)
		st = schema_rows(v, mem, &want);
	if (st == VAULT_OK)
		st = schema_rows(v, v->db, &have);
	if (st == VAULT_OK && strcmp(want, have) != 0) {
		first_difference(have, want, where, sizeof(where));
		st = vault__err(v, VAULT_ERR_INTEGRITY, "the schema is not the one this library"
		                " makes (at: %s): written around the library", where);
	}
	sqlite3_close(mem);
	free(want);
	free(have);
	if (st == VAULT_OK) {
		v->schema_checked = 1;
		v->schema_version = ver;
	}
	return st;
}

vault_status vault__store_open(vault *v, const unsigned char dbkey[32],
                               int create, int busy_ms)
{
	/* "x'<64 hex>'": SQLCipher's raw-key form, no passphrase KDF. */
	char *keyspec = NULL;
	char *path = NULL;
	vault_status st = VAULT_OK;
	int rc, major, n = 0;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	            (create ? SQLITE_OPEN_CREATE : 0);

	path = vault__path(v->dir, VAULT_DB_FILE);
	if (path == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (create) {
		/* Owner-only from the first byte; SQLite gives its -wal and
		 * -shm files the database file's mode. */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			free(path);
			return vault__err(v, VAULT_ERR_IO, "cannot create the database file");
		}
		close(fd);
	}
	/* The file opened, to tell when a key rotation replaces it. */
	{
		struct stat sb;
		if (lstat(path, &sb) == 0) {
			v->db_dev = sb.st_dev;
			v->db_ino = sb.st_ino;
		}
	}
	v->db_moved = 0;
	v->busy_ms = busy_ms;
	rc = sqlite3_open_v2(path, &v->db, flags, NULL);
	free(path);
	vault__facts_reconnected(v); /* attack 270b */
	if (rc != SQLITE_OK) {
		st = vault__sql_status(v, rc, "open database");
		if (rc == SQLITE_CANTOPEN && !create)
			st = vault__err(v, VAULT_ERR_NOT_FOUND, "no vault database");
		return st;
	}
	sqlite3_extended_result_codes(v->db, 0);
	major = vault__test_no_cipher ? 0 : cipher_major(v->db);
	if (major == 0)
		return vault__err(v, VAULT_ERR_NOCRYPTO,
		                  "the linked SQLite has no encryption (not SQLCipher)");
	keyspec = vault__secure_alloc(2 + 64 + 2);
	if (keyspec == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	keyspec[0] = 'x';
	keyspec[1] = '\'';
	vault__hex(dbkey, 32, keyspec + 2);
	keyspec[66] = '\'';
	keyspec[67] = '\0';
	rc = sqlite3_key(v->db, keyspec, 67);
	vault__secure_free(keyspec);
	if (rc != SQLITE_OK)
		return vault__err(v, VAULT_ERR_NOCRYPTO, "cannot key the database");
	if (no_triggers(v->db) != 0)
		return vault__err(v, VAULT_ERR_NOCRYPTO, "cannot turn off triggers on the database"
		                  " connection");

	if (cipher_params(v->db, "main", major) != 0)
		return vault__sql_status(v, sqlite3_errcode(v->db), "cipher settings");
	/* The first read proves the key: a wrong key or a damaged header
	 * gives SQLITE_NOTADB here. */
	sqlite3_busy_timeout(v->db, busy_ms);
	rc = pragma_int(v->db, "SELECT count(*) FROM sqlite_master", &n);
	if (rc != SQLITE_OK)
		return vault__err(v, rc == SQLITE_BUSY ? VAULT_ERR_BUSY : VAULT_ERR_CORRUPT,
		                  "cannot read the database (damaged file)");
	st = vault__exec(v, "PRAGMA journal_mode = WAL;"
	                    "PRAGMA synchronous = FULL;"
	                    "PRAGMA secure_delete = ON;"
	                    "PRAGMA foreign_keys = OFF;"); /* the schema has none */
	if (st != VAULT_OK)
		return st;
	st = migrate(v, create);
	if (st == VAULT_OK)
		st = vault__store_check_schema(v);
	/* Opened the file a key rotation has just replaced (it held it
	 * locked until the switch): the caller opens again. */
	if (st == VAULT_OK && !create && vault__store_moved(v))
		st = vault__err(v, VAULT_ERR_BUSY, "the database key was rotated while opening");
	return st;
}

void vault__store_close(vault *v)
{
	int i;

	/* A connection to a file a key rotation replaced must not delete the
	 * WAL and shared-memory files when it closes last: SQLite deletes
	 * them by name, and the names are the new file's now. */
	if (v->db != NULL && vault__store_moved(v)) {
		int one = 1;
		sqlite3_file_control(v->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	}

	for (i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(v->st[i]);
		v->st[i] = NULL;
	}
	for (i = 0; i < VAULT_DYN_STMTS; i++) {
		sqlite3_finalize(v->dyn[i]);
		v->dyn[i] = NULL;
	}
	for (i = 0; i < VAULT_TEXT_STMTS; i++) {
		sqlite3_finalize(v->byt[i].s);
		free(v->byt[i].sql);
		v->byt[i].s = NULL;
		v->byt[i].sql = NULL;
	}
	if (v->db != NULL) {
		if (!sqlite3_get_autocommit(v->db))
			sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(v->db);
		v->db = NULL;
	}
}

/* ---- transactions -------------------------------------------------------
 * Outside vault_begin() each operation is its own BEGIN IMMEDIATE ...
 * COMMIT: the write lock is taken first, so the audit head read inside
 * cannot move under us.  Inside vault_begin() an operation is a savepoint. */

/* op_depth: 0 no operation, OP_SAVEPOINT an operation inside its own
 * savepoint, OP_LIGHT an operation without one (see vault__txn_begin_light). */
#define OP_SAVEPOINT 1
#define OP_LIGHT 2

static vault_status txn_begin(vault *v, int light)
{
	vault_status st = VAULT_OK;

	if (v->op_depth != 0)
		return vault__err(v, VAULT_ERR_STATE, "operation already in progress");
	/* The caller's transaction is gone if SQLite rolled it back after an
	 * error: an operation now would commit on its own, not with the rest. */
	if (v->user_txn && sqlite3_get_autocommit(v->db))
		return vault__err(v, VAULT_ERR_STATE, "the transaction was rolled back after an"
		                  " error or a refusal; call vault_rollback()");
	/* vault_begin() took the write lock: once the file is found in place
	 * under it, no rotation can switch it until the transaction ends (a
	 * rotation takes the write lock before it exports), so the first
	 * operation of the transaction looks, and the others need not. */
	if (v->user_txn && !v->file_checked) {
		if (vault__store_moved(v))
			return vault__err(v, VAULT_ERR_AUTH, VAULT_MSG_ROTATED);
		v->file_checked = 1;
	}
	if (!v->user_txn) {
		st = vault__exec(v, "BEGIN IMMEDIATE");
		v->head_known = 0;
		v->unsigned_entries = 0;
		/* Checked under the write lock, which a rotation holds until
		 * its switch: a commit here would go to a file nobody reads. */
		if (st == VAULT_OK && vault__store_moved(v)) {
			sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
			return vault__err(v, VAULT_ERR_AUTH, VAULT_MSG_ROTATED);
		}
	}
	/* The operation's own savepoint: a refused or failed operation rolls
	 * back to it and still writes its audit entry, without giving up the
	 * write lock. */
	if (st == VAULT_OK && !light)
		st = run_stmt(v, ST_SAVEPOINT);
	if (st == VAULT_OK)
		v->op_depth = light ? OP_LIGHT : OP_SAVEPOINT;
	else if (!v->user_txn)
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	return st;
}

vault_status vault__txn_begin(vault *v)
{
	return txn_begin(v, 0);
}

/* An operation that writes at most one row before its audit entry needs no
 * savepoint: if refused or failed it wrote nothing, and if its entry fails
 * the gate's undo deletes that row.  A savepoint makes SQLite copy every
 * page the operation touches into the sub-journal (and SQLCipher encrypt
 * each copy): most of the cost of a batched put or get. */
vault_status vault__txn_begin_light(vault *v)
{
	return txn_begin(v, 1);
}

/* A light operation about to do more than one write takes its savepoint
 * after all. */
vault_status vault__txn_savepoint(vault *v)
{
	vault_status st;

	if (v->op_depth != OP_LIGHT)
		return VAULT_OK;
	st = run_stmt(v, ST_SAVEPOINT);
	if (st == VAULT_OK)
		v->op_depth = OP_SAVEPOINT;
	return st;
}

void vault__txn_undo_op(vault *v)
{
	if (v->op_depth == OP_SAVEPOINT) {
		run_stmt(v, ST_ROLLBACK_TO);
		v->head_known = 0;
		/* Keys of epochs that were just undone must not be reused. */
		vault__cache_forget(v);
	}
}

vault_status vault__txn_end(vault *v, int ok)
{
	vault_status st = VAULT_OK;

	int light = v->op_depth == OP_LIGHT;

	if (v->op_depth == 0)
		return VAULT_OK;
	v->op_depth = 0;
	if (!light && !ok) {
		run_stmt(v, ST_ROLLBACK_TO);
		vault__cache_forget(v);
	}
	if (!light)
		st = run_stmt(v, ST_RELEASE);
	if (v->user_txn) {
		if (!ok)
			v->head_known = 0;
		return ok ? st : VAULT_OK;
	}
	if (ok && st == VAULT_OK) {
		st = vault__audit_seal(v);
		if (st == VAULT_OK)
			st = vault__exec(v, "COMMIT");
		if (st == VAULT_OK) {
			v->unsigned_entries = 0;
			/* our statements are facts now (lib/facts.c) */
			vault__facts_commit(v);
			return VAULT_OK;
		}
	}
	sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	vault__cache_forget(v);
	v->head_known = 0;
	v->unsigned_entries = 0;
	return st;
}

/* ---- the database key rotation -------------------------------------------
 * SQLCipher before 5 cannot rekey a WAL database with other connections
 * open, and a rekey rewrites every page in place anyway.  So the database
 * is exported (sqlcipher_export) into a fresh file under the new key, which
 * then replaces vault.db with one rename:
 *  0. refuse if a rotation killed since this handle opened left the old
 *     log set aside (the next open settles it, by the keys: pick_dbkey),
 *     and clear the export's names of what a killed one left there;
 *  1. BEGIN IMMEDIATE on the handle: nobody commits to the old file until
 *     the switch (every transaction checks, under that lock, that vault.db
 *     is still the file it opened and that no WAL is set aside:
 *     vault__store_moved);
 *  2. export into vault.db.rotate (removed first if a crash left it:
 *     exporting into an existing file copies nothing), set its user_version
 *     (not exported);
 *  3. stage(): the new key sealed to every remaining user, pending, and
 *     the key in force as her current one (a rotation cut short before
 *     may have left her its key pending, which this replaces);
 *  4. a PASSIVE checkpoint of the old WAL into the old file, as far as the
 *     readers of older states let it go (all of it when there are none);
 *     whatever it leaves, nothing waits for them;
 *  5. rename vault.db-wal to vault.db.rotate-oldwal and vault.db-shm to
 *     vault.db.rotate-oldshm, fsync the folder: the new file must never
 *     find the old file's log or index under its names, and the old file
 *     with the log set aside is still the whole old state.  Connections
 *     already open keep their descriptors (a rename does not disturb
 *     them); a reader in the middle of a transaction reads on;
 *  6. rename vault.db.rotate to vault.db (the file exported, checked by
 *     its inode before and after), fsync the folder: the switch;
 *  7. remove the set-aside files (the replaced file's), and whatever is
 *     under the export's name, on what it knows (the switch happened);
 *  8. commit(): every pending seal becomes its user's key (after 7: while
 *     a log is set aside, the seals are pending, and tell an open that
 *     settles it whether the switch happened);
 *  9. reopen the handle on the new file.
 * Killed before 6, the old file and the old seals are in force: the next
 * open, under the vault lock, finds that the pending key does not open
 * vault.db, puts the old log and index back under their names and removes
 * the new file; from 6 on, the new ones: the pending key opens it, and
 * the set-aside files are removed (pick_dbkey in vault.c decides by the
 * keys, vault__store_settle_rotation_as acts; a user the rotation did not
 * seal to, whose key is the old one, finds that it no longer opens
 * vault.db).  No library handle opens vault.db before that is settled,
 * and vault_open() keeps the seal that opens vault.db. */
vault_status vault__store_rotate(vault *v, const unsigned char newkey[32],
                                 rotate_step stage, rotate_step commit, void *ctx)
{
	static const char *const leftovers[] = {".rotate", ".rotate-journal", ".rotate-wal",
	                                        ".rotate-shm"};
	char path[4096], tmp[4096], side[4096], aside[4096], aside_shm[4096], sql[128];
	char *oldspec = NULL, *newspec = NULL;
	sqlite3 *x = NULL;
	sqlite3_stmt *s = NULL;
	struct stat mine, sb;
	vault_status st = VAULT_OK;
	int rc, ver = 0, major, nlog = -1, nckpt = -1, fd = -1, switching = 0;
	size_t i;

	if (db_path(v->dir, "", path, sizeof(path)) != 0 ||
	    db_path(v->dir, ".rotate", tmp, sizeof(tmp)) != 0 ||
	    db_path(v->dir, ASIDE_WAL, aside, sizeof(aside)) != 0 ||
	    db_path(v->dir, ASIDE_SHM, aside_shm, sizeof(aside_shm)) != 0)
		return vault__err(v, VAULT_ERR_INVALID, "the vault path is too long");
	if (vault__store_rotation_left(v->dir))
		return vault__err(v, VAULT_ERR_AUTH, VAULT_MSG_ROTATED);
	for (i = 0; i < sizeof(leftovers) / sizeof(leftovers[0]); i++)
		if (db_path(v->dir, leftovers[i], side, sizeof(side)) == 0) {
			if (clear_name(side) != 0) {
				st = vault__err(v, VAULT_ERR_IO, "the vault folder holds vault.db%s,"
				                " which is not a file the library made, and it cannot"
				                " be moved away", leftovers[i]);
				goto cleanup;
			}
			(void)unlink(side);
		}
	oldspec = keyspec_of(v->sec->dbkey);
	newspec = keyspec_of(newkey);
	if (oldspec == NULL || newspec == NULL) {
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	st = vault__exec(v, "BEGIN IMMEDIATE");
	if (st != VAULT_OK)
		goto cleanup;
	if (vault__store_moved(v)) {
		st = vault__err(v, VAULT_ERR_AUTH, VAULT_MSG_ROTATED);
		goto rollback;
	}
	VAULT_CRASH_POINT("rotate.export.before");
	/* Owner-only from the first byte, and empty: a fresh database.  Its
	 * descriptor stays open: the file is known by its inode from here on
	 * (is_mine), not by its name, which anyone who writes the folder can
	 * point elsewhere (attack 200f). */
	for (i = 0, fd = -1; fd < 0 && i < 8; i++) {
		if (clear_name(tmp) != 0)
			break;
		(void)unlink(tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0 || fstat(fd, &mine) != 0) {
		st = vault__err(v, VAULT_ERR_IO, "cannot create the re-keyed database file");
		goto rollback;
	}
	/* The export runs on a connection of its own: ATTACH cannot run
	 * inside the handle's transaction, which holds the write lock. */
	rc = sqlite3_open_v2(path, &x, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_key(x, oldspec, (int)strlen(oldspec));
	if (rc == SQLITE_OK && no_triggers(x) != 0)
		rc = SQLITE_ERROR;
	major = rc == SQLITE_OK ? cipher_major(x) : 0;
	if (rc == SQLITE_OK && cipher_params(x, "main", major) != 0)
		rc = SQLITE_ERROR;
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(x, v->busy_ms);
		rc = sqlite3_prepare_v2(x, "ATTACH DATABASE ?1 AS rot KEY ?2", -1, &s, NULL);
	}
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, tmp, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, newspec, -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(x);
		sqlite3_finalize(s);
		s = NULL;
	}
	if (rc == SQLITE_OK && cipher_params(x, "rot", major) != 0)
		rc = SQLITE_ERROR;
	/* no journal file beside it, which a folder writer could plant as a
	 * hot one: a failed export is thrown away whole anyway */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(x, "PRAGMA rot.synchronous = FULL;"
		                     "PRAGMA rot.journal_mode = MEMORY;"
		                     "SELECT sqlcipher_export('rot');", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = pragma_int(x, "PRAGMA main.user_version", &ver);
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof(sql), "PRAGMA rot.user_version = %d", ver);
		rc = sqlite3_exec(x, sql, NULL, NULL, NULL);
	}
	/* The new file owes nothing: the rotation it records is done. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(x, "DELETE FROM rot.meta WHERE k = 'dbkey_rotate_due';"
		                     "DETACH DATABASE rot;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		st = rc == SQLITE_FULL ? vault__err(v, VAULT_ERR_NOSPACE, "%s", VAULT_MSG_DISK_FULL)
		     : vault__err(v, rc == SQLITE_BUSY ? VAULT_ERR_BUSY : VAULT_ERR_IO,
		                  "cannot export the database under a new key: %s",
		                  x ? sqlite3_errmsg(x) : "cannot open it");
		goto rollback;
	}
	/* The new file is durable before anything names it, and it is the
	 * file the export wrote: the name was not pointed elsewhere before
	 * SQLite opened it (which would leave this one empty). */
	if (fsync(fd) != 0 || fstat(fd, &mine) != 0 || mine.st_size == 0 || !is_mine(tmp, &mine)) {
		st = vault__err(v, VAULT_ERR_IO, "cannot write the re-keyed database");
		goto rollback;
	}
	VAULT_CRASH_POINT("rotate.export.after");
	st = stage(v, newkey, ctx);
	if (st != VAULT_OK)
		goto rollback;
	/* As much of the old log as the readers of older states allow goes
	 * into the old file (all of it, when there are none); what is left
	 * stays in the log, which is set aside whole, not removed: a reader
	 * who never ends his transaction holds up nothing (attack 180b). */
	(void)sqlite3_wal_checkpoint_v2(x, "main", SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
	sqlite3_close(x);
	x = NULL;
	/* Still the file exported into, under its name: a hard link to
	 * vault.db put there would make the switch a rename of vault.db onto
	 * itself, which succeeds and changes nothing (attack 200f). */
	if (!is_mine(tmp, &mine)) {
		st = vault__err(v, VAULT_ERR_IO, "the re-keyed database file was replaced"
		                " in the vault folder; the key was not rotated");
		goto rollback;
	}
	VAULT_CRASH_POINT("rotate.rename.before");
	switching = 1; /* a failure from here on puts back what was set aside */
	if (db_path(v->dir, "-wal", side, sizeof(side)) != 0 ||
	    (rename_clear(side, aside) != 0 && errno != ENOENT)) {
		st = vault__err(v, VAULT_ERR_IO, "cannot set the old write-ahead log aside");
		goto rollback;
	}
	VAULT_CRASH_POINT("rotate.aside.wal");
	if (db_path(v->dir, "-shm", side, sizeof(side)) != 0 ||
	    (rename_clear(side, aside_shm) != 0 && errno != ENOENT)) {
		st = vault__err(v, VAULT_ERR_IO, "cannot set the old shared-memory file aside");
		goto rollback;
	}
	/* Both names are free for good before vault.db names the new file. */
	fsync_dir(v->dir);
	VAULT_CRASH_POINT("rotate.aside.shm");
	if (rename(tmp, path) != 0) {
		st = vault__err(v, VAULT_ERR_IO, "cannot switch to the re-keyed database");
		goto rollback;
	}
	v->db_moved = 1; /* from here on this handle's file is not in force */
	/* The switch is the new file under vault.db: a name pointed
	 * elsewhere in the moment since the check above made it another
	 * rename (of vault.db onto itself, by a hard link).  Then no seal of
	 * the new key becomes current (it opens no file anyone reads), and
	 * what was set aside goes back if vault.db is still the old file. */
	if (!is_mine(path, &mine)) {
		st = vault__err(v, VAULT_ERR_IO, "the re-keyed database file was replaced"
		                " in the vault folder; the key was not rotated");
		goto rollback;
	}
	/* closed before any connection opens the new file: closing a
	 * descriptor drops every POSIX lock the process holds on the file,
	 * SQLite's too */
	close(fd);
	fd = -1;
	fsync_dir(v->dir);
	VAULT_CRASH_POINT("rotate.rename.after");
	/* The replaced file's log and index: its open connections keep their
	 * descriptors; killed before this, the next open removes them.  The
	 * switch is known to have happened: a file planted under the export's
	 * name since does not make them go back beside the new file (attack
	 * 210a), and it goes too.  Before the seals are made current: while
	 * anything is set aside, a pending seal tells the next open that the
	 * switch happened (pick_dbkey), which a current one could not (attack
	 * 210d). */
	(void)settle_aside(v->dir, 0);
	remove_export(v->dir);
	VAULT_CRASH_POINT("rotate.aside.removed");
	/* A failure here leaves pending seals that every open settles: the
	 * switch is done either way. */
	(void)commit(v, newkey, ctx);
	VAULT_CRASH_POINT("rotate.commit.after");
	sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	vault__store_close(v);
	memcpy(v->sec->dbkey, newkey, 32);
	vault__cache_forget(v);
	st = vault__store_open(v, newkey, 0, v->busy_ms);
	if (st != VAULT_OK) {
		/* The rotation is done; this handle cannot follow it: it
		 * refuses everything (reopen), as other handles do. */
		v->db_moved = 1;
		st = vault__err(v, st, "the database key was rotated, but this handle could not"
		                " reopen the vault: close it and open the vault again");
	}
	goto cleanup;
rollback:
	if (x != NULL)
		sqlite3_close(x);
	x = NULL;
	/* Not switched: what was set aside goes back (before the write lock
	 * is let go), and the new file goes; if that fails too, the next
	 * open does it (every handle refuses to write meanwhile).  Put back
	 * only beside the old file: a rename that moved a file planted under
	 * the export's name onto vault.db has replaced it. */
	if (switching)
		(void)settle_aside(v->dir, lstat(path, &sb) == 0 && sb.st_dev == v->db_dev &&
		                               sb.st_ino == v->db_ino);
	sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	remove_export(v->dir);
cleanup:
	if (fd >= 0)
		close(fd);
	if (x != NULL)
		sqlite3_close(x);
	vault__secure_free(oldspec);
	vault__secure_free(newspec);
	return st;
}

int vault__store_key_opens(const char *dir, const unsigned char key[32])
{
	char path[4096], *spec = NULL;
	sqlite3 *db = NULL;
	int rc, n = 0, r;

	if (db_path(dir, "", path, sizeof(path)) != 0)
		return VAULT_ERR_INVALID;
	spec = keyspec_of(key);
	if (spec == NULL)
		return VAULT_ERR_NOMEM;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_key(db, spec, (int)strlen(spec));
	if (rc == SQLITE_OK && no_triggers(db) != 0)
		rc = SQLITE_ERROR;
	if (rc == SQLITE_OK && cipher_params(db, "main", cipher_major(db)) != 0)
		rc = SQLITE_ERROR;
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		rc = pragma_int(db, "SELECT count(*) FROM sqlite_master", &n);
	}
	r = rc == SQLITE_OK ? 1 : rc == SQLITE_NOTADB ? 0
	    : rc == SQLITE_BUSY ? VAULT_ERR_BUSY : rc == SQLITE_NOMEM ? VAULT_ERR_NOMEM
	    : VAULT_ERR_IO;
	sqlite3_close(db);
	vault__secure_free(spec);
	return r;
}
