/*
 * facts.c - signed statements in, verified facts out (facts.h).
 *
 * A statement is the image of one row of an authoritative table: the row's
 * columns in a fixed order, as a JSON array, where every blob and every
 * free-text column is replaced by {"h": base64(BLAKE2b-256(value))}, so the
 * log names no person and holds no ciphertext.  An entry's `fact` field is
 *
 *   {"v":1,"s":[{"t":"<table>","r":[...image...]} or {"t":..,"k":[...key...],"d":1}]}
 *
 * and {"v":1,"legacy":"<base64 digest>","n":<count>} once, for the rows a
 * vault made before schema 7 held when it was migrated.
 *
 * The set of facts maps (table, key) to the BLAKE2b-256 of the image's
 * compact JSON; small tables keep the parsed image too, for the policy
 * replay.  Rows are checked by building their image from the database and
 * looking it up.
 *
 * The set an open starts from is the user's sealed cache (below, "the
 * user's sealed cache"), when she has one fit to read, and the entries
 * after it; a case's record versions are read from it at the first need.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "audit_chain.h"
#include "facts.h"
#include "internal.h"
#include "json_compact.h"
#include "policy.h"

/* ---- the authoritative tables ------------------------------------------- */

#define COLS_MAX 20

typedef struct ftable {
	const char *name;
	const char *cols[COLS_MAX]; /* NULL-terminated, key columns first */
	int nkey;
	int case_col;           /* column holding the case id, -1 none */
	unsigned int hashed;    /* bit i: column i is stored as its hash */
	int keep;               /* keep the parsed image (policy replay) */
	/* column i of an image: 'i' an integer, 'I' an integer or null,
	 * 's' a string, 'S' a string or null, 'h' a hash (or null), as the
	 * schema declares it: a statement with text where the library's SQL
	 * compares a number (owner = 0) would be a fact no query finds */
	const char *types;
} ftable;

enum {
	T_USERS, T_ORGS, T_ORG_PUBKEYS, T_CASES, T_CASE_CLASSES, T_CLASS_EPOCHS,
	T_GRANTS, T_CONSENTS, T_LINKS, T_BREAKGLASS, T_RECORDS, T_INDICATORS, T__COUNT
};

#define H(i) (1u << (i))

static const ftable tables[T__COUNT] = {
	[T_USERS] = {"users", {"name", "org", "role", "box_pk", "sign_pk", "disabled",
	                       "created", NULL}, 1, -1, H(3) | H(4), 1, "sSihhii"},
	[T_ORGS] = {"orgs", {"id", "name", "kind", "epoch", "created", "admin_keys", NULL},
	            1, -1, 0, 1, "ssiiii"},
	[T_ORG_PUBKEYS] = {"org_pubkeys", {"org", "epoch", "which", "pk", NULL}, 3, -1,
	                   H(3), 1, "siih"},
	[T_CASES] = {"cases", {"id", "kind", "owner_org", "created_by", "restricted",
	                       "created", NULL}, 1, 0, 0, 1, "sissii"},
	[T_CASE_CLASSES] = {"case_classes", {"case_id", "class", "epoch", NULL}, 2, 0, 0, 1,
	                    "sii"},
	[T_CLASS_EPOCHS] = {"class_epochs", {"case_id", "class", "epoch", "author",
	                                     "commitment", NULL}, 3, 0, H(4), 1, "siish"},
	[T_GRANTS] = {"grants", {"id", "case_id", "pkind", "principal", "classes", "perm",
	                         "consent_id", "expires", "granted_by", "created", "revoked",
	                         "owner", NULL}, 1, 1, 0, 1, "isisiiSisiii"},
	[T_CONSENTS] = {"consents", {"id", "case_id", "org", "classes", "scope", "purpose",
	                             "basis", "reason", "given_at", "expires", "withdrawn",
	                             "recorded_by", "created", "sealed_epoch", "sealed", NULL},
	                1, 1, H(5) | H(7) | H(14), 1, "sssiihihiiisiIh"},
	[T_LINKS] = {"links", {"victim_case", "nonce", "epoch", "ct", NULL}, 2, 0,
	             H(1) | H(3), 1, "shih"},
	/* no key of its own: the whole row, counted (the same window twice in
	 * one second is two rows) */
	[T_BREAKGLASS] = {"breakglass", {"case_id", "user", "created", "until", "reason",
	                                 NULL}, 5, 0, H(4), 1, "ssiih"},
	[T_RECORDS] = {"records", {"case_id", "name", "class", "version", "epoch", "deleted",
	                           "size", "author", "created", "nonce", "ct", "redacted_by",
	                           "redacted_at", "redact_reason", "label", "padded", NULL}, 4, 0,
	               H(1) | H(9) | H(10) | H(13) | H(14), 0, "shiiiiisihhSIhhi"},
	/* kept parsed: a new row's version must follow the one it replaces */
	[T_INDICATORS] = {"indicators", {"case_id", "version", "epoch", "author", "created",
	                                 "nonce", "ct", NULL}, 1, 0, H(5) | H(6), 1, "siisihh"},
};

static int table_index(const char *name)
{
	int i;

	for (i = 0; i < T__COUNT; i++)
		if (strcmp(tables[i].name, name) == 0)
			return i;
	return -1;
}

static int ncols(const ftable *t)
{
	int n = 0;

	while (n < COLS_MAX && t->cols[n] != NULL)
		n++;
	return n;
}

/* ---- the set of facts --------------------------------------------------- */

typedef struct fentry {
	char *key;              /* "<table>\x1f<key JSON>", NULL: empty slot */
	int tab;
	unsigned char hash[32]; /* of the image's compact JSON */
	json_t *img;            /* parsed image (small tables), or NULL */
	char *case_id;          /* NULL for global tables */
	int legacy;
	int dead;               /* removed (tombstone, keeps probing intact) */
	int64_t ts;             /* time of the signed entry that first stated it (0: legacy) */
	uint64_t seq, seq_last; /* that entry, and the one that stated it last (0: legacy) */
} fentry;

typedef struct fcase {
	char *id; /* NULL: empty slot */
	uint32_t count[T__COUNT];
	/* keys of its grants, consents and break-glass windows: what the
	 * policy replay reads, without a walk over every fact */
	char **pk;
	size_t npk, pkcap;
	/* its record versions and heads in the user's cache (a part of its
	 * own, read at the first need): has_part, with the digest the head
	 * holds; loaded, in the set; rdirty, changed since the part was made */
	int has_part, loaded, rdirty;
	unsigned char digest[32];
	json_t *tmp_e, *tmp_rh; /* while a save collects its part */
	/* its records in each class (general, health, safety) the log holds
	 * a version of, once loaded: what a listing must show */
	uint32_t heads[3];
} fcase;

typedef struct noted {
	int tab;
	int64_t rowid;
	int del;         /* declared removal: key below */
	json_t *delkey;
} noted;

struct facts {
	fentry *e;
	size_t cap, used; /* used counts live and dead slots */
	fcase *c;
	size_t ccap, cused;
	uint32_t gcount[T__COUNT]; /* rows of global tables */
	/* record heads: "<case>\x1f<name image>\x1f<class>" -> newest version */
	struct rhead { char *key; int64_t version; uint32_t n; } *rh;
	size_t rcap, rused;
	unsigned char sipkey[crypto_shorthash_KEYBYTES];

	audit_verifier *av;
	uint64_t verified;   /* entries the verifier took */
	/* the prefix this user verified in full at her last open, whose
	 * signatures the replay need not check again (witness.c) */
	uint64_t trust_size;
	unsigned char trust_root[TLOG_HASH];
	uint64_t applied;    /* entries whose statements are in the set */
	uint64_t legacy_n, legacy_seq;
	/* the latest time of an entry applied (each with statements is judged
	 * at it), and of our own entries of the open transaction */
	int64_t ts_hi, own_ts_hi;
	int applied_any;     /* some statement is in the set */
	/* the case whose rows were checked last, at which data version and
	 * rebuild generation */
	char checked_case[VAULT_ID_BUFSIZE];
	int64_t checked_dv;
	uint64_t gen;
	uint64_t checked_gen;
	uint64_t txn_applied; /* `applied` when the transaction began */
	int dirty;           /* rolled back: replay from scratch */
	int started;
	int64_t data_version;

	json_t *taken;       /* the statements take() gave the entry being written */
	/* the user's image vault__facts_signer_current() last compared with
	 * the handle's signing key (held, so no other image takes its
	 * address), and what it found */
	json_t *signer_seen;
	unsigned char signer_pk[32];
	int signer_same;
	uint64_t txn_head;   /* the log's length when our transaction began */
	/* the last entry our own committed transaction wrote: its seq and
	 * hash (what our next write may chain onto before the verifier has
	 * read it: vault__facts_head_check) */
	uint64_t own_seq;
	unsigned char own_hash[32];
	/* the newest entry this handle verified or committed itself, and its
	 * hash: a rebuild (a cache part gone, a rollback) starts again from
	 * the log, which must still hold it (attack 270a) */
	uint64_t floor_seq;
	unsigned char floor_hash[32];
	/* ...and the tree up to it, when known (what vault_close() witnesses
	 * if the log cannot be read through the verifier then: 280a) */
	tlog_frontier floor_tree;
	int floor_tree_ok;
	int committed;      /* a transaction of this handle committed */
	/* Our own entries of the open transaction: their statements become
	 * facts when it commits (a rollback takes them away with it), and the
	 * rows they state are ours until then. */
	struct own {
		uint64_t seq;
		int64_t ts;
		char *actor, *action, *case_id, *fact;
		int high;
		json_t *stmts;
	} *own;
	size_t nown, owncap;
	struct mine { int tab; int64_t rowid; } *mine;
	size_t nmine, minecap;
	int rebuild_after;   /* replayed inside our own transaction: again after it */
	noted *notes;
	size_t nnotes, notecap;
	int unexplained;     /* a delete nobody declared */
	/* the row of indicators the entry being applied removed (its write
	 * replaces it next), or NULL */
	json_t *ind_gone_img;
	/* the record facts it removed (a conversion restates each once) */
	struct gone { json_t *key; unsigned char hash[32]; int used; } *gone;
	/* ids of the grants the entry being applied revoked (live before it),
	 * or NULL */
	json_t *revoked_now;
	size_t ngone, gonecap;
	/* the verified log's last user.add naming this handle's user comes
	 * after her last user.rekey of her own (vault__facts_added_by_other) */
	int added_by_other;

	/* the user's sealed cache (vault__facts_save): its file, the entry
	 * the facts were read from it up to (0: from the log alone), the
	 * entries the last rebuild read from the log, and whether a part of
	 * it failed (then the log alone, from the start) */
	sqlite3 *cache;
	uint64_t snap_n, replayed;
	int cache_bad;
	/* the hashes (first 16 bytes) of the entries this handle verified,
	 * vh[seq - 1] for vh_from <= seq <= vh_hi, to check an entry shown
	 * against (vault__facts_entry_shown) */
	unsigned char (*vh)[16];
	uint64_t vh_cap, vh_from, vh_hi;
	int from_cache;     /* the last rebuild started from the cache, at entry */
	uint64_t load_n;    /* load_n, whose tree root was load_root */
	unsigned char load_root[TLOG_HASH];
	int whole;          /* ...and entries 1..snap_n were verified in this handle since */
};

static uint64_t hkey(const facts *F, const char *s)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t x = 0;
	int i;

	crypto_shorthash(h, (const unsigned char *)s, strlen(s), F->sipkey);
	for (i = 0; i < 8; i++)
		x = (x << 8) | h[i];
	return x;
}

static fentry *fe_find(const facts *F, const char *key)
{
	size_t i;

	if (F->cap == 0)
		return NULL;
	for (i = hkey(F, key) & (F->cap - 1); F->e[i].key != NULL; i = (i + 1) & (F->cap - 1))
		if (strcmp(F->e[i].key, key) == 0)
			return F->e[i].dead ? NULL : &F->e[i];
	return NULL;
}

static void fe_clear(fentry *e)
{
	json_decref(e->img);
	e->img = NULL;
	free(e->case_id);
	e->case_id = NULL;
}

static int fe_grow(facts *F)
{
	size_t ncap = F->cap ? F->cap * 2 : 1024, i, j;
	fentry *n = calloc(ncap, sizeof(*n));

	if (n == NULL)
		return -1;
	for (i = 0; i < F->cap; i++) {
		if (F->e[i].key == NULL)
			continue;
		if (F->e[i].dead) {
			free(F->e[i].key);
			continue;
		}
		for (j = hkey(F, F->e[i].key) & (ncap - 1); n[j].key != NULL; j = (j + 1) & (ncap - 1))
			;
		n[j] = F->e[i];
	}
	free(F->e);
	F->e = n;
	F->cap = ncap;
	F->used = 0;
	for (i = 0; i < ncap; i++)
		F->used += n[i].key != NULL;
	return 0;
}

/* The slot of key, new (key copied) if absent or dead; NULL: no memory. */
static fentry *fe_slot(facts *F, const char *key, int *fresh)
{
	size_t i;

	if ((F->used + 1) * 2 > F->cap && fe_grow(F) != 0)
		return NULL;
	for (i = hkey(F, key) & (F->cap - 1); F->e[i].key != NULL; i = (i + 1) & (F->cap - 1))
		if (strcmp(F->e[i].key, key) == 0) {
			*fresh = F->e[i].dead;
			F->e[i].dead = 0;
			return &F->e[i];
		}
	F->e[i].key = strdup(key);
	if (F->e[i].key == NULL)
		return NULL;
	F->used++;
	*fresh = 1;
	return &F->e[i];
}

static fcase *fc_get(facts *F, const char *id, int create)
{
	size_t i;

	if (F->ccap == 0 || (create && (F->cused + 1) * 2 > F->ccap)) {
		size_t ncap = F->ccap ? F->ccap * 2 : 256, j;
		fcase *n;

		if (!create)
			return NULL;
		n = calloc(ncap, sizeof(*n));
		if (n == NULL)
			return NULL;
		for (j = 0; j < F->ccap; j++) {
			size_t k;

			if (F->c[j].id == NULL)
				continue;
			for (k = hkey(F, F->c[j].id) & (ncap - 1); n[k].id != NULL; k = (k + 1) & (ncap - 1))
				;
			n[k] = F->c[j];
		}
		free(F->c);
		F->c = n;
		F->ccap = ncap;
	}
	for (i = hkey(F, id) & (F->ccap - 1); F->c[i].id != NULL; i = (i + 1) & (F->ccap - 1))
		if (strcmp(F->c[i].id, id) == 0)
			return &F->c[i];
	if (!create)
		return NULL;
	F->c[i].id = strdup(id);
	if (F->c[i].id == NULL)
		return NULL;
	memset(F->c[i].count, 0, sizeof(F->c[i].count));
	memset(F->c[i].heads, 0, sizeof(F->c[i].heads));
	F->c[i].loaded = 1; /* new: nothing of it is in the cache */
	F->cused++;
	return &F->c[i];
}

static struct rhead *rh_get(facts *F, const char *key, int create)
{
	size_t i;

	if (F->rcap == 0 || (create && (F->rused + 1) * 2 > F->rcap)) {
		size_t ncap = F->rcap ? F->rcap * 2 : 1024, j;
		struct rhead *n;

		if (!create)
			return NULL;
		n = calloc(ncap, sizeof(*n));
		if (n == NULL)
			return NULL;
		for (j = 0; j < F->rcap; j++) {
			size_t k;

			if (F->rh[j].key == NULL)
				continue;
			for (k = hkey(F, F->rh[j].key) & (ncap - 1); n[k].key != NULL; k = (k + 1) & (ncap - 1))
				;
			n[k] = F->rh[j];
		}
		free(F->rh);
		F->rh = n;
		F->rcap = ncap;
	}
	for (i = hkey(F, key) & (F->rcap - 1); F->rh[i].key != NULL; i = (i + 1) & (F->rcap - 1))
		if (strcmp(F->rh[i].key, key) == 0)
			return &F->rh[i];
	if (!create)
		return NULL;
	F->rh[i].key = strdup(key);
	if (F->rh[i].key == NULL)
		return NULL;
	F->rh[i].version = 0;
	F->rh[i].n = 0;
	F->rused++;
	return &F->rh[i];
}

/* What the entry being applied removed, forgotten. */
static void gone_clear(facts *F)
{
	size_t i;

	for (i = 0; i < F->ngone; i++)
		json_decref(F->gone[i].key);
	F->ngone = 0;
	json_decref(F->ind_gone_img);
	F->ind_gone_img = NULL;
	json_decref(F->revoked_now);
	F->revoked_now = NULL;
}

static void facts_clear(facts *F)
{
	size_t i;

	for (i = 0; i < F->cap; i++) {
		fe_clear(&F->e[i]);
		free(F->e[i].key);
	}
	free(F->e);
	for (i = 0; i < F->ccap; i++) {
		size_t j;

		for (j = 0; j < F->c[i].npk; j++)
			free(F->c[i].pk[j]);
		free(F->c[i].pk);
		free(F->c[i].id);
	}
	free(F->c);
	for (i = 0; i < F->rcap; i++)
		free(F->rh[i].key);
	free(F->rh);
	vault_audit_verifier_free(F->av);
	gone_clear(F);
	free(F->gone);
	F->gone = NULL;
	F->gonecap = 0;
	F->e = NULL;
	F->c = NULL;
	F->rh = NULL;
	F->av = NULL;
	F->cap = F->used = F->ccap = F->cused = F->rcap = F->rused = 0;
	memset(F->gcount, 0, sizeof(F->gcount));
	F->verified = F->applied = F->legacy_n = F->legacy_seq = 0;
	F->ts_hi = F->own_ts_hi = 0;
	F->snap_n = F->replayed = 0;
}

static void notes_clear(facts *F)
{
	size_t i;

	for (i = 0; i < F->nnotes; i++)
		json_decref(F->notes[i].delkey);
	F->nnotes = 0;
	F->unexplained = 0;
}

/* ---- images ------------------------------------------------------------- */

static json_t *hashed_value(const void *p, size_t n)
{
	unsigned char h[32];
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];

	json_t *o = json_object();

	crypto_generichash(h, 32, p, n, NULL, 0);
	sodium_bin2base64(b64, sizeof(b64), h, 32, sodium_base64_VARIANT_ORIGINAL);
	/* {"h": b64}, built directly: json_pack() parses its format on
	 * every call, four times a put */
	if (o != NULL && json_object_set_new_nocheck(o, "h", json_string_nocheck(b64)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* The image of the current row of statement s (columns in table order). */
static json_t *row_image(const ftable *t, sqlite3_stmt *s)
{
	json_t *a = json_array();
	int i, n = ncols(t);

	if (a == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		json_t *x = NULL;
		int type = sqlite3_column_type(s, i);

		if (type == SQLITE_NULL)
			x = json_null();
		else if ((t->hashed & H(i)) || type == SQLITE_BLOB)
			x = hashed_value(sqlite3_column_blob(s, i), (size_t)sqlite3_column_bytes(s, i));
		else if (type == SQLITE_INTEGER)
			x = json_integer(sqlite3_column_int64(s, i));
		else if (type == SQLITE_TEXT)
			x = json_stringn((const char *)sqlite3_column_text(s, i),
			                 (size_t)sqlite3_column_bytes(s, i));
		else /* a float: no column of ours holds one */
			x = json_string("\x01 not an integer");
		if (x == NULL || json_array_append_new(a, x) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static char *select_sql(const ftable *t, const char *where)
{
	char *sql = malloc(1024);
	size_t n;
	int i;

	if (sql == NULL)
		return NULL;
	n = (size_t)snprintf(sql, 1024, "SELECT ");
	for (i = 0; t->cols[i] != NULL && i < COLS_MAX; i++)
		n += (size_t)snprintf(sql + n, 1024 - n, "%s%s", i ? ", " : "", t->cols[i]);
	/* the rowid after the image's columns: rows this operation wrote are
	 * not stated yet (its entry states them) */
	snprintf(sql + n, 1024 - n, ", rowid FROM %s%s%s", t->name, where ? " WHERE " : "",
	         where ? where : "");
	return sql;
}

/* The text of table `tab`'s row by rowid, for vault__stmt_dyn(): its slot
 * is the table's index. */
static char *row_by_rowid_sql(int tab)
{
	return select_sql(&tables[tab], "rowid = ?1");
}

static int noted_here(const facts *F, int tab, int64_t rowid)
{
	size_t i;

	for (i = 0; i < F->nnotes; i++)
		if (F->notes[i].tab == tab && F->notes[i].rowid == rowid)
			return 1;
	/* written earlier in our open transaction: stated, not yet committed */
	for (i = 0; i < F->nmine; i++)
		if (F->mine[i].tab == tab && F->mine[i].rowid == rowid)
			return 1;
	return 0;
}

/* "<table>\x1f<key JSON>" of an image (or of a key array when is_key). */
/* Keys and hashes of images are computed from their values, never from
 * jansson's text: the statement text is only what the log carries (and is
 * read back before it is written).  Each value is fed to BLAKE2b with its
 * type and length, so no two different images meet. */
static void feed_tagged(crypto_generichash_state *hs, unsigned char tag, const char *str,
                        size_t len)
{
	unsigned char b[5];

	b[0] = tag;
	b[1] = (unsigned char)(len >> 24);
	b[2] = (unsigned char)(len >> 16);
	b[3] = (unsigned char)(len >> 8);
	b[4] = (unsigned char)len;
	crypto_generichash_update(hs, b, 5);
	if (len > 0)
		crypto_generichash_update(hs, (const unsigned char *)str, len);
}

static void feed_value(crypto_generichash_state *hs, json_t *x)
{
	unsigned char b[9];
	const char *str = NULL;
	size_t len = 0;

	if (json_is_integer(x)) {
		uint64_t u = (uint64_t)json_integer_value(x);
		int i;

		b[0] = 'i';
		for (i = 0; i < 8; i++)
			b[1 + i] = (unsigned char)(u >> (56 - 8 * i));
		crypto_generichash_update(hs, b, 9);
		return;
	}
	if (json_is_string(x)) {
		b[0] = 's';
		str = json_string_value(x);
		len = json_string_length(x);
	} else if (json_is_object(x)) {
		b[0] = 'h';
		str = json_string_value(json_object_get(x, "h"));
		len = str ? strlen(str) : 0;
	} else {
		b[0] = 'n';
	}
	feed_tagged(hs, b[0], str, len);
}

static void values_hash(json_t *arr, size_t from, size_t to, unsigned char out[32])
{
	crypto_generichash_state hs;
	size_t i;

	crypto_generichash_init(&hs, NULL, 0, 32);
	for (i = from; i < to && i < json_array_size(arr); i++)
		feed_value(&hs, json_array_get(arr, i));
	crypto_generichash_final(&hs, out, 32);
}

/* "<table>\x1f<hash of the key values>" of an image (or of a key array). */
#define KEY_BUF 96
static void key_from_hash(int tab, const unsigned char h[32], char out[KEY_BUF])
{
	char hex[65];

	vault__hex(h, 32, hex);
	snprintf(out, KEY_BUF, "%s\x1f%s", tables[tab].name, hex);
}

static void image_key(int tab, json_t *img, int is_key, char out[KEY_BUF])
{
	unsigned char h[32];

	values_hash(img, 0, is_key ? json_array_size(img) : (size_t)tables[tab].nkey, h);
	key_from_hash(tab, h, out);
}

/* The key of a one-column key that is the string v: as image_key() of
 * the key array [v], without building it. */
static void key1(int tab, const char *v, char out[KEY_BUF])
{
	crypto_generichash_state hs;
	unsigned char h[32];

	crypto_generichash_init(&hs, NULL, 0, 32);
	feed_tagged(&hs, 's', v, strlen(v));
	crypto_generichash_final(&hs, h, 32);
	key_from_hash(tab, h, out);
}

static int image_hash(json_t *img, unsigned char out[32])
{
	values_hash(img, 0, json_array_size(img), out);
	return 0;
}

/* "<case>\x1f<name value hash>\x1f<class>" of a record's image or key. */
static void head_key(json_t *arr, char *out, size_t cap)
{
	unsigned char h[32];
	char hex[65];

	values_hash(arr, 1, 2, h);
	vault__hex(h, 32, hex);
	snprintf(out, cap, "%s\x1f%s\x1f%lld", json_string_value(json_array_get(arr, 0)) ?
	         json_string_value(json_array_get(arr, 0)) : "", hex,
	         (long long)json_integer_value(json_array_get(arr, 2)));
}

/* A record head (key hk, head_key()'s "case\x1fhash\x1fclass") came to
 * hold its first version (d = 1) or lost its last (d = -1).  A head of no
 * case or class of ours is counted nowhere: a listing that meets its row
 * refuses it as a row the log does not hold. */
static void heads_bump(facts *F, const char *hk, int d)
{
	const char *sep = strchr(hk, '\x1f'), *cl = strrchr(hk, '\x1f');
	char id[VAULT_ID_BUFSIZE];
	fcase *c;
	int slot;

	if (sep == NULL || (size_t)(sep - hk) >= sizeof(id))
		return;
	memcpy(id, hk, (size_t)(sep - hk));
	id[sep - hk] = '\0';
	slot = strcmp(cl + 1, "1") == 0 ? 0 : strcmp(cl + 1, "2") == 0 ? 1
	       : strcmp(cl + 1, "4") == 0 ? 2 : -1;
	/* the case is in the set already (its head's fact made it): no
	 * fc_get(, 1) here, which may move the cases a caller holds */
	if (slot < 0 || (c = fc_get(F, id, 0)) == NULL)
		return;
	if (d > 0)
		c->heads[slot]++;
	else if (c->heads[slot] > 0)
		c->heads[slot]--;
}

static const char *img_str(json_t *img, int i)
{
	return json_string_value(json_array_get(img, (size_t)i));
}

static int64_t img_int(json_t *img, int i)
{
	return json_integer_value(json_array_get(img, (size_t)i));
}

/* Is h the base64 (RFC 4648, padded) of 32 bytes, in the one form
 * sodium_bin2base64() writes?  43 characters of the alphabet, the last of
 * which carries 4 bits (its low 2 zero), then "=".  As a check of form it
 * needs none of sodium_base642bin()'s constant time, which a replay of
 * every hashed value of every statement pays. */
static int hash_b64_ok(const char *h)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *last;

	if (strlen(h) != 44 || h[43] != '=' || strspn(h, alphabet) != 43)
		return 0;
	last = strchr(alphabet, h[42]);
	return ((last - alphabet) & 3) == 0;
}

/* A well-formed image of table t: an array of its columns, each null, an
 * integer, a string, or (hashed columns and blobs) {"h": base64 of 32}. */
static int image_ok(const ftable *t, json_t *img, int is_key)
{
	size_t i, n = is_key ? (size_t)t->nkey : (size_t)ncols(t);

	if (!json_is_array(img) || json_array_size(img) != n ||
	    strlen(t->types) != (size_t)ncols(t)) /* the table above, kept in step */
		return 0;
	for (i = 0; i < n; i++) {
		json_t *x = json_array_get(img, i);
		char ty = t->types[i];

		if (json_is_null(x) ? ty == 'i' || ty == 's'
		                    : json_is_integer(x) ? ty != 'i' && ty != 'I'
		                    : json_is_string(x) ? ty != 's' && ty != 'S'
		                    : json_is_object(x) && ty != 'h')
			return 0;
		if (json_is_object(x)) {
			const char *h = json_string_value(json_object_get(x, "h"));

			if (json_object_size(x) != 1 || h == NULL || !hash_b64_ok(h))
				return 0;
		} else if (!json_is_null(x) && !json_is_integer(x) && !json_is_string(x)) {
			return 0;
		} else if (t->hashed & H(i) && !json_is_null(x)) {
			return 0;
		}
	}
	if (t->case_col >= 0 && (size_t)t->case_col < n &&
	    !json_is_string(json_array_get(img, (size_t)t->case_col)))
		return 0;
	return 1;
}

/* ---- the policy replayed ------------------------------------------------ */

typedef struct actor {
	const char *name;
	json_t *user;   /* users image at the time */
	const char *org;
	vault_role role;
	vault_org_kind org_kind;
	const char *action; /* the entry's, and whether it is high */
	int high;
	const char *case_id; /* the case the entry names */
	int org_first; /* her organisation's keys are the admin's first ones,
	                * and the entry does not take them over */
} actor;

static json_t *kept(facts *F, int tab, const char *k1)
{
	char key[KEY_BUF];
	fentry *e;

	key1(tab, k1, key);
	e = fe_find(F, key);
	return e ? e->img : NULL;
}

static vault_org_kind org_kind_of(facts *F, const char *org)
{
	json_t *o = org ? kept(F, T_ORGS, org) : NULL;

	return o ? (vault_org_kind)img_int(o, 2) : (vault_org_kind)0;
}

/* Fill a request with the case and the actor's grants, consents and
 * break-glass on it as the facts hold them now. */
#define MAXG 64
#define BG_SLACK_S 3600
typedef struct creq {
	policy_request req;
	policy_grant g[MAXG];
	policy_consent c[MAXG];
} creq;

static int revoked_in(json_t *ids, json_t *grant_id);

/* `before`: the ids of the grants the entry revoked, counted as live (the
 * actor's rights as they stood before the entry), or NULL.  Grants revoked
 * or lapsed, and consents withdrawn or lapsed, decide nothing and are left
 * out: kept, they filled the places of live ones (attacks 90d, 90f). */
static void fill_case_as(facts *F, creq *q, const actor *a, const char *case_id, int64_t now,
                         json_t *before)
{
	fcase *fc;
	json_t *cs = kept(F, T_CASES, case_id);
	size_t i;

	memset(q, 0, sizeof(*q));
	q->req.now = now;
	q->req.role = a->role;
	q->req.actor = a->name;
	q->req.actor_org = a->org && a->org[0] ? a->org : NULL;
	q->req.actor_org_kind = a->org_kind;
	/* Reasons are free text, kept out of statements (hashed): that one was
	 * given is the operation's check; the replay judges everything else. */
	q->req.reason = "(a written reason, kept with the operation's entry)";
	if (cs == NULL)
		return;
	q->req.has_case = 1;
	q->req.case_kind = (vault_case_kind)img_int(cs, 1);
	q->req.owner_org = img_str(cs, 2);
	q->req.restricted = (int)img_int(cs, 4);
	q->req.grants = q->g;
	q->req.consents = q->c;
	fc = fc_get(F, case_id, 0);
	for (i = 0; fc != NULL && i < fc->npk; i++) {
		fentry *e = fe_find(F, fc->pk[i]);

		if (e == NULL || e->img == NULL)
			continue;
		if (e->tab == T_GRANTS && q->req.ngrants < MAXG) {
			const char *p = img_str(e->img, 3);
			int pk = (int)img_int(e->img, 2);

			if ((img_int(e->img, 10) != 0 &&
			     !(before != NULL && revoked_in(before, json_array_get(e->img, 0)))) ||
			    (img_int(e->img, 7) != 0 && img_int(e->img, 7) <= now))
				continue;
			if (p == NULL || !((pk == VAULT_PRINCIPAL_USER && strcmp(p, a->name) == 0) ||
			                   (pk == VAULT_PRINCIPAL_ORG && q->req.actor_org &&
			                    strcmp(p, q->req.actor_org) == 0)))
				continue;
			q->g[q->req.ngrants].classes = (unsigned int)img_int(e->img, 4);
			q->g[q->req.ngrants].perm = (vault_perm)img_int(e->img, 5);
			q->g[q->req.ngrants].expires = img_int(e->img, 7);
			q->g[q->req.ngrants].revoked =
			    (int)img_int(e->img, 10) &&
			    !(before != NULL && revoked_in(before, json_array_get(e->img, 0)));
			q->req.ngrants++;
		} else if (e->tab == T_CONSENTS && q->req.nconsents < MAXG) {
			policy_consent *c;

			if (img_int(e->img, 10) != 0 ||
			    (img_int(e->img, 9) != 0 && img_int(e->img, 9) <= now))
				continue;
			c = &q->c[q->req.nconsents++];
			c->org = img_str(e->img, 2);
			c->classes = (unsigned int)img_int(e->img, 3);
			c->scope = (unsigned int)img_int(e->img, 4);
			c->given_at = img_int(e->img, 8);
			c->expires = img_int(e->img, 9);
			c->withdrawn = img_int(e->img, 10);
		} else if (e->tab == T_BREAKGLASS) {
			const char *u = img_str(e->img, 1);

			if (u && strcmp(u, a->name) == 0 && img_int(e->img, 3) > q->req.break_glass_until)
				q->req.break_glass_until = img_int(e->img, 3);
		}
	}
}

static void fill_case(facts *F, creq *q, const actor *a, const char *case_id, int64_t now)
{
	fill_case_as(F, q, a, case_id, now, NULL);
}

/* Is grant_id one of ids? */
static int revoked_in(json_t *ids, json_t *grant_id)
{
	size_t i;

	for (i = 0; grant_id != NULL && i < json_array_size(ids); i++)
		if (json_equal(json_array_get(ids, i), grant_id))
			return 1;
	return 0;
}

static int decide(creq *q, policy_action pa, unsigned int classes)
{
	policy_decision d;

	q->req.action = pa;
	q->req.classes = classes;
	vault_policy_decide(&q->req, &d);
	return d.allow;
}

/* Allowed, and reviewed as the library reviews it: a decision the policy
 * marks high severity is the library's only in an entry marked high,
 * which the review of high-severity entries lists (attacks 190b, 190c). */
static int decide_reviewed(creq *q, const actor *a, policy_action pa, unsigned int classes)
{
	policy_decision d;

	q->req.action = pa;
	q->req.classes = classes;
	vault_policy_decide(&q->req, &d);
	return d.allow && (!d.high || a->high);
}

static void set_target_user(facts *F, creq *q, const char *name)
{
	json_t *u = name ? kept(F, T_USERS, name) : NULL;

	q->req.target_kind = VAULT_PRINCIPAL_USER;
	q->req.target = name;
	if (u != NULL) {
		q->req.target_org = img_str(u, 1);
		q->req.target_org_kind = org_kind_of(F, img_str(u, 1));
		q->req.target_role = (vault_role)img_int(u, 2);
	}
}

/* The request's target: the holder of grant image img (a user, or an
 * organisation). */
static void set_target_grantee(facts *F, creq *q, json_t *img)
{
	if (img_int(img, 2) == VAULT_PRINCIPAL_USER) {
		set_target_user(F, q, img_str(img, 3));
		return;
	}
	q->req.target_kind = VAULT_PRINCIPAL_ORG;
	q->req.target = img_str(img, 3);
	q->req.target_org = img_str(img, 3);
	q->req.target_org_kind = org_kind_of(F, img_str(img, 3));
}

/* ---- an entry's statements, found by what they are about ------------------ */

/* A rule that asks what else its entry states (a disable's rotations, a
 * case made with its first keys) finds those statements here, by table and
 * the text of their column 0 or 1, instead of reading the whole entry: a
 * disable in a centre of 2,000 cases states about 10,000 rows, and a scan
 * per statement made its replay grow with the square of its size (at
 * 2,100 cases, 46 s to disable and 15 s to open with no cache: `bench
 * orgdisable`).  Built once per entry, before any statement is judged;
 * statements are found in their order in the entry.  A statement whose
 * column is not text is not found, as no rule matched one. */
typedef struct {
	int tab, col;
	const char *val; /* owned by the statement */
	size_t i;        /* its place in the entry */
} ix_row;

typedef struct {
	json_t *stmts;
	ix_row *rows;
	size_t n;
	uint64_t seq; /* the entry's */
} entry_ix;

static int ix_cmp(const void *pa, const void *pb)
{
	const ix_row *a = pa, *b = pb;
	int c;

	if (a->tab != b->tab)
		return a->tab < b->tab ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	if ((c = strcmp(a->val, b->val)) != 0)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* 0, or -1 out of memory. */
static int ix_build(entry_ix *x, json_t *stmts)
{
	size_t i, cap = 2 * json_array_size(stmts);
	int col;

	x->stmts = stmts;
	x->n = 0;
	x->rows = cap ? malloc(cap * sizeof(*x->rows)) : NULL;
	if (cap && x->rows == NULL)
		return -1;
	for (i = 0; i < json_array_size(stmts); i++) {
		json_t *s = json_array_get(stmts, i), *r = json_object_get(s, "r");
		const char *t = json_string_value(json_object_get(s, "t"));
		int tab = t != NULL ? table_index(t) : -1;

		for (col = 0; tab >= 0 && json_is_array(r) && col < 2; col++)
			if (json_is_string(json_array_get(r, (size_t)col)))
				x->rows[x->n++] = (ix_row){tab, col, img_str(r, col), i};
	}
	if (x->n > 1)
		qsort(x->rows, x->n, sizeof(*x->rows), ix_cmp);
	return 0;
}

static void ix_free(entry_ix *x)
{
	free(x->rows);
	x->rows = NULL;
	x->n = 0;
}

/* The rows [*from, return) of the statements of table `tab` whose column
 * `col` is the text `val`. */
static size_t ix_range(const entry_ix *x, int tab, int col, const char *val, size_t *from)
{
	ix_row key = {tab, col, val, 0};
	size_t lo = 0, hi = x->n, end;

	while (lo < hi) { /* the first row not below (tab, col, val, 0) */
		size_t mid = lo + (hi - lo) / 2;

		if (ix_cmp(&x->rows[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*from = lo;
	for (end = lo; end < x->n && x->rows[end].tab == tab && x->rows[end].col == col &&
	               strcmp(x->rows[end].val, val) == 0;
	     end++)
		;
	return end;
}

/* The image of the statement at row p of the index. */
static json_t *ix_img(const entry_ix *x, size_t p)
{
	return json_object_get(json_array_get(x->stmts, x->rows[p].i), "r");
}

/* Does the entry withdraw consent `id` of case `case_id`? */
static int consent_withdrawn_in(const entry_ix *x, const char *case_id, const char *id)
{
	size_t p, end = ix_range(x, T_CONSENTS, 0, id, &p);

	for (; p < end; p++) {
		json_t *r = ix_img(x, p);

		if (json_is_string(json_array_get(r, 1)) && strcmp(img_str(r, 1), case_id) == 0 &&
		    img_int(r, 10) != 0)
			return 1;
	}
	return 0;
}

/* A grant of the case resting on consent `id`, not revoked before the
 * entry, that the entry does not revoke: vault_consent_withdraw() revokes
 * every one in the entry that withdraws the consent (attack 190f). */
static int consent_grant_left(facts *F, const entry_ix *x, const char *case_id, const char *id)
{
	fcase *fc = fc_get(F, case_id, 0);
	size_t i, p, end;

	for (i = 0; fc != NULL && i < fc->npk; i++) {
		fentry *e = fe_find(F, fc->pk[i]);
		int gone = 0;

		if (e == NULL || e->img == NULL || e->tab != T_GRANTS || img_int(e->img, 10) != 0 ||
		    !json_is_string(json_array_get(e->img, 6)) || strcmp(img_str(e->img, 6), id) != 0)
			continue;
		for (end = ix_range(x, T_GRANTS, 1, case_id, &p); p < end && !gone; p++) {
			json_t *g = ix_img(x, p);

			gone = img_int(g, 0) == img_int(e->img, 0) && img_int(g, 10) != 0;
		}
		if (!gone)
			return 1;
	}
	return 0;
}

/* The epoch of class `cls` of a case that the facts put in force, -1 when
 * they hold none. */
static json_int_t epoch_in_force(facts *F, const char *case_id, unsigned int cls)
{
	json_t *k = json_pack("[s I]", case_id, (json_int_t)cls);
	char key[KEY_BUF];
	fentry *e = NULL;

	if (k != NULL) {
		image_key(T_CASE_CLASSES, k, 1, key);
		e = fe_find(F, key);
	}
	json_decref(k);
	return e != NULL && e->img != NULL ? img_int(e->img, 2) : -1;
}

/* Does a column other than those in `may` (bits) differ between images? */
static int changed_beyond(json_t *o, json_t *n, unsigned int may)
{
	size_t i;

	for (i = 0; i < json_array_size(n); i++)
		if (!(may & H(i)) && !json_equal(json_array_get(o, i), json_array_get(n, i)))
			return 1;
	return 0;
}

/* Does the entry state a row of `tab` whose first column is key1? */
static int states_row(const entry_ix *x, int tab, const char *key1)
{
	size_t p;

	return key1 != NULL && ix_range(x, tab, 0, key1, &p) > p;
}

/* Does the entry create that row (of a table keyed by its first column),
 * for rules that look at the whole operation (a case created with its
 * first keys and grants, an organisation with its first supervisor)?
 * Stated, and no fact of it before this entry: a row restated unchanged
 * beside a new one made the admin an existing centre's supervisor
 * (attack 150a).  Statements are applied in order, so a row stated
 * earlier in the entry is a fact already: first stated by this entry. */
static int same_entry_creates(facts *F, const entry_ix *x, int tab, const char *k1)
{
	char key[KEY_BUF];
	fentry *e;

	if (!states_row(x, tab, k1))
		return 0;
	key1(tab, k1, key);
	e = fe_find(F, key);
	return e == NULL || (!e->legacy && e->seq == x->seq);
}

/* Does the entry revoke a grant of case_id that covers cls, held by a
 * user the entry disables (any_holder: or held by anyone)? */
static int disabled_in(const entry_ix *x, const char *who, json_int_t pkind);

static int revokes_class(const entry_ix *x, const char *case_id, unsigned int cls,
                         int any_holder)
{
	size_t p, end = ix_range(x, T_GRANTS, 1, case_id, &p);

	for (; p < end; p++) {
		json_t *g = ix_img(x, p);

		if (img_int(g, 10) == 0)
			continue;
		/* a disabled holder's cases are rotated whole (orgs.c) */
		if (disabled_in(x, img_str(g, 3), img_int(g, 2)))
			return 1;
		if (any_holder && ((unsigned int)img_int(g, 4) & cls) != 0)
			return 1;
	}
	return 0;
}

/* Does the entry disable a user who is `who` (a user) or a member of
 * `who` (an organisation)? */
static int disabled_in(const entry_ix *x, const char *who, json_int_t pkind)
{
	/* the user by her name (column 0), or a member by her organisation's (1) */
	int col = pkind == VAULT_PRINCIPAL_USER ? 0 : pkind == VAULT_PRINCIPAL_ORG ? 1 : -1;
	size_t p, end;

	if (who == NULL || col < 0)
		return 0;
	for (end = ix_range(x, T_USERS, col, who, &p); p < end; p++)
		if (img_int(ix_img(x, p), 5) != 0)
			return 1;
	return 0;
}

/* A restricted case is orphaned when neither its owning organisation nor
 * any enabled member of it holds a live grant on it (lib/share.c,
 * restricted_orphaned, from the rows). */
static int orphaned_in_facts(facts *F, const char *case_id, const char *owner, int64_t now)
{
	fcase *fc = fc_get(F, case_id, 0);
	size_t i;

	for (i = 0; owner != NULL && fc != NULL && i < fc->npk; i++) {
		fentry *e = fe_find(F, fc->pk[i]);
		json_t *u;

		if (e == NULL || e->img == NULL || e->tab != T_GRANTS || img_int(e->img, 10) != 0 ||
		    (img_int(e->img, 7) != 0 && img_int(e->img, 7) <= now) ||
		    !json_is_string(json_array_get(e->img, 3)))
			continue;
		if (img_int(e->img, 2) == VAULT_PRINCIPAL_ORG && strcmp(img_str(e->img, 3), owner) == 0)
			return 0;
		u = img_int(e->img, 2) == VAULT_PRINCIPAL_USER ? kept(F, T_USERS, img_str(e->img, 3))
		                                               : NULL;
		if (u != NULL && img_int(u, 5) == 0 && json_is_string(json_array_get(u, 1)) &&
		    strcmp(img_str(u, 1), owner) == 0)
			return 0;
	}
	return 1;
}

/* Does the entry publish organisation `org`'s key `which` of `epoch`? */
static int publishes(const entry_ix *x, const char *org, json_int_t epoch, json_int_t which)
{
	size_t p, end;

	if (org == NULL)
		return 0;
	for (end = ix_range(x, T_ORG_PUBKEYS, 0, org, &p); p < end; p++)
		if (img_int(ix_img(x, p), 1) == epoch && img_int(ix_img(x, p), 2) == which)
			return 1;
	return 0;
}

/* Organisation `org`'s fact, or NULL. */
static fentry *org_fact(facts *F, const char *org)
{
	char key[KEY_BUF];

	if (org == NULL)
		return NULL;
	key1(T_ORGS, org, key);
	return fe_find(F, key);
}

/* Are organisation `org`'s keys marked (the admin's first ones, but in a
 * 1.x vault's organisation; or owed), as the facts hold them now? */
static int org_keys_marked(facts *F, const char *org)
{
	fentry *o = org_fact(F, org);

	if (o == NULL || o->img == NULL)
		return 0;
	return img_int(o->img, 5) == ORG_KEYS_OWED ||
	       (img_int(o->img, 5) == ORG_KEYS_FIRST && !o->legacy);
}

/* Does the entry state organisation `org`'s row with keys of its own? */
static int takes_over(const entry_ix *x, const char *org)
{
	size_t p, end;

	for (end = ix_range(x, T_ORGS, 0, org, &p); p < end; p++)
		if (img_int(ix_img(x, p), 5) == ORG_KEYS_OWN)
			return 1;
	return 0;
}

/* Does the entry move organisation `org` to key epoch `epoch` (or create
 * it there)?  Its keys of an epoch are published with that move. */
static int org_moves_to(const entry_ix *x, const char *org, json_int_t epoch)
{
	size_t p, end;

	if (org == NULL)
		return 0;
	for (end = ix_range(x, T_ORGS, 0, org, &p); p < end; p++)
		if (img_int(ix_img(x, p), 3) == epoch)
			return 1;
	return 0;
}

/* The consent of case `case_id` that grant image img names, as the
 * policy reads it: 0 when it names none the facts hold for that case. */
static int named_consent(facts *F, const char *case_id, json_t *img, policy_consent *pc)
{
	const char *cid = json_is_string(json_array_get(img, 6)) ? img_str(img, 6) : NULL;
	json_t *c = cid ? kept(F, T_CONSENTS, cid) : NULL;

	memset(pc, 0, sizeof(*pc));
	if (c == NULL || !json_is_string(json_array_get(c, 1)) ||
	    strcmp(img_str(c, 1), case_id) != 0)
		return 0;
	pc->org = img_str(c, 2);
	pc->classes = (unsigned int)img_int(c, 3);
	pc->scope = (unsigned int)img_int(c, 4);
	pc->given_at = img_int(c, 8);
	pc->expires = img_int(c, 9);
	pc->withdrawn = img_int(c, 10);
	return 1;
}

/* A share of a victim case outside its owning organisation rests on a
 * consent of that case which covers it now, names it, and outlives it, as
 * vault_share() writes it: a grant on none (or on another) was not taken
 * back when she withdrew (attack 70a). */
static const char *consent_bound(facts *F, const creq *q, const char *case_id, json_t *img,
                                 int64_t now)
{
	policy_consent pc;

	if (q->req.case_kind != VAULT_CASE_VICTIM ||
	    (q->req.target_org != NULL && q->req.owner_org != NULL &&
	     strcmp(q->req.target_org, q->req.owner_org) == 0))
		return NULL;
	if (!named_consent(F, case_id, img, &pc))
		return "a share outside the organisation on no consent of the case";
	if (vault_policy_find_consent(&pc, 1, q->req.target_org, (unsigned int)img_int(img, 4),
	                              now) != 0)
		return "a share on a consent that does not cover it";
	if (pc.expires != 0 && (img_int(img, 7) == 0 || img_int(img, 7) > pc.expires))
		return "a share that outlives its consent";
	return NULL;
}

/* A case held by an organisation (a live grant of the case to it, or its
 * ownership) a member of which the entry disables: the organisation's
 * keys change, and every class key of the case is rotated away. */
static int held_by_disabled_org(facts *F, const entry_ix *x, const char *case_id,
                                const char *owner, unsigned int cls)
{
	fcase *fc = fc_get(F, case_id, 0);
	size_t i;

	if (disabled_in(x, owner, VAULT_PRINCIPAL_ORG))
		return 1;
	for (i = 0; fc != NULL && i < fc->npk; i++) {
		fentry *e = fe_find(F, fc->pk[i]);

		/* every class of such a case is rotated (orgs.c) */
		if (e != NULL && e->img != NULL && e->tab == T_GRANTS && img_int(e->img, 10) == 0 &&
		    img_int(e->img, 2) == VAULT_PRINCIPAL_ORG &&
		    disabled_in(x, img_str(e->img, 3), img_int(e->img, 2)))
			return 1;
	}
	return 0;
}

/* A record version the entry redacts whose copy it writes, as `who`'s, in
 * a higher class of the case: what a move up leaves behind. */
static int moved_up_from(const entry_ix *x, json_t *img, const char *who)
{
	size_t p, end;

	/* a record's tag is keyed by its class, so the two sides of a move
	 * share the case, not the name */
	if (!json_is_string(json_array_get(img, 0)))
		return 0;
	for (end = ix_range(x, T_RECORDS, 0, img_str(img, 0), &p); p < end; p++) {
		json_t *k = ix_img(x, p); /* the new row */

		if (json_array_size(k) > 7 && img_int(k, 2) > img_int(img, 2) &&
		    json_is_string(json_array_get(k, 7)) && strcmp(img_str(k, 7), who) == 0)
			return 1;
	}
	return 0;
}

/* How many commitments (class_epochs rows) of (case, cls) the entry
 * states; *to (if not NULL), the epoch its row of case_classes for them
 * puts in force, 0 when it states none. */
static size_t epochs_stated(const entry_ix *x, const char *case_id, unsigned int cls,
                            json_int_t *to)
{
	size_t p, end, k = 0;

	if (to != NULL)
		*to = 0;
	if (case_id == NULL)
		return 0;
	/* the last row of case_classes stated for the class */
	for (end = ix_range(x, T_CASE_CLASSES, 0, case_id, &p); to != NULL && p < end; p++)
		if (img_int(ix_img(x, p), 1) == (json_int_t)cls)
			*to = img_int(ix_img(x, p), 2);
	for (end = ix_range(x, T_CLASS_EPOCHS, 0, case_id, &p); p < end; p++)
		if (img_int(ix_img(x, p), 1) == (json_int_t)cls)
			k++;
	return k;
}

static fentry *find_image_key(facts *F, int tab, json_t *img, int is_key);

/* The newest version the facts hold of the record of row image img (its
 * case, name and class), 0 when none. */
static int64_t head_version(facts *F, json_t *img)
{
	char hk[256];
	struct rhead *h;

	head_key(img, hk, sizeof(hk));
	h = rh_get(F, hk, 0);
	return h != NULL && h->n > 0 ? h->version : 0;
}

/* The fact of version ver of the record of image (or key) arr: its case,
 * name and class, columns 0-2.  NULL when the log holds none. */
static fentry *record_version(facts *F, json_t *arr, int64_t ver)
{
	json_t *k = json_pack("[O O O I]", json_array_get(arr, 0), json_array_get(arr, 1),
	                      json_array_get(arr, 2), (json_int_t)ver);
	fentry *e = k != NULL ? find_image_key(F, T_RECORDS, k, 1) : NULL;

	json_decref(k);
	return e;
}

/* Of head h (the record of arr), the versions that are legacy facts: how
 * many, and the newest (0 and 0: none).  A row in the form of 1.x (its
 * name in clear) is a version of 1.x only as a legacy fact: a signed one
 * is a version of another name value, not of the record (attack 180c).
 * The replay accepts no signed version after a legacy one that is not its
 * conversion, and a signed version follows the newest: any signed ones
 * are the consecutive versions at the top of a head, so the walk down
 * stops at the first legacy (or absent) one. */
static void head_legacy(facts *F, json_t *arr, const struct rhead *h, int64_t *newest,
                        uint32_t *n)
{
	int64_t ver = h->version;
	uint32_t signed_n = 0;
	fentry *e;

	while (ver > 0 && signed_n < h->n && (e = record_version(F, arr, ver)) != NULL &&
	       !e->legacy) {
		signed_n++;
		ver--;
	}
	*n = h->n - signed_n;
	*newest = *n > 0 ? ver : 0;
}

/* Is the newest version the facts hold of the record of image img a
 * legacy fact (a 1.x version, not converted yet)? */
static int head_is_legacy(facts *F, json_t *img)
{
	int64_t newest = head_version(F, img);
	fentry *e = newest > 0 ? record_version(F, img, newest) : NULL;

	return e != NULL && e->legacy;
}

/* Is row image img the legacy row whose removed fact hashed to `hash`
 * (its key `key`), restated under its tag?  A conversion changes the name
 * and adds the label, nothing else: with the old name put back and no
 * label, the image is the old one, column for column. */
static int converts(json_t *img, json_t *key, const unsigned char hash[32])
{
	unsigned char h[32];
	json_t *x;
	int same;

	if (!json_is_array(img) || json_array_size(img) < 15 ||
	    json_is_null(json_array_get(img, 14)) ||
	    json_equal(json_array_get(img, 1), json_array_get(key, 1)) ||
	    (x = json_deep_copy(img)) == NULL)
		return 0;
	same = json_array_set(x, 1, json_array_get(key, 1)) == 0 &&
	       json_array_set_new(x, 14, json_null()) == 0 && image_hash(x, h) == 0 &&
	       sodium_memcmp(h, hash, 32) == 0;
	json_decref(x);
	return same;
}

/* The removal of a legacy record fact (key, hash): does the entry restate
 * it converted? */
static int converted_in(const entry_ix *x, json_t *key, const unsigned char hash[32])
{
	size_t p, end;

	/* the hash covers the case (column 0 of the key and of the image) */
	if (!json_is_string(json_array_get(key, 0)))
		return 0;
	for (end = ix_range(x, T_RECORDS, 0, img_str(key, 0), &p); p < end; p++)
		if (converts(ix_img(x, p), key, hash))
			return 1;
	return 0;
}

/* A new record row: the conversion of a legacy fact this entry removed
 * (each removal restated once)? */
static int converts_gone(facts *F, json_t *img)
{
	size_t i;

	for (i = 0; i < F->ngone; i++)
		if (!F->gone[i].used && converts(img, F->gone[i].key, F->gone[i].hash)) {
			F->gone[i].used = 1;
			return 1;
		}
	return 0;
}

/* The image a record fact was last stated with: the facts keep only its
 * hash (a case may hold 100k versions), so a change to it is judged on the
 * image found in the entry that stated it last (or, for a legacy fact, in
 * the legacy facts) whose hash is the fact's.  Where it was found does not
 * matter: the hash binds it.  NULL when none is found (a new reference). */
static json_t *stated_image(vault *v, const fentry *had)
{
	sqlite3_stmt *s = NULL;
	json_t *found = NULL;
	int rc;

	if (vault__prepare(v, had->seq_last != 0
	                          ? "SELECT fact FROM audit WHERE seq = ?1"
	                          : "SELECT image FROM legacy_facts WHERE case_id = ?2",
	                   &s) != VAULT_OK)
		return NULL;
	if (had->seq_last != 0)
		sqlite3_bind_int64(s, 1, (sqlite3_int64)had->seq_last);
	else
		vault__bind_text(s, 2, had->case_id ? had->case_id : "");
	while (found == NULL && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(s, 0);
		/* the text the entry hash covers and the replay read, up to its
		 * first NUL: bytes written after one are no part of the signed
		 * entry (attack 230c; a verification or replay that reads the
		 * row again refuses it as malformed) */
		json_t *o = text != NULL ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
		/* an entry's statements, or a legacy fact's one */
		json_t *list = had->seq_last != 0 ? json_object_get(o, "s") : NULL;
		size_t i, n = had->seq_last != 0 ? json_array_size(list) : 1;

		for (i = 0; found == NULL && i < n; i++) {
			json_t *st = list != NULL ? json_array_get(list, i) : o;
			json_t *img = json_object_get(st, "r");
			const char *t = json_string_value(json_object_get(st, "t"));
			unsigned char h[32];

			if (img != NULL && t != NULL && strcmp(t, "records") == 0 &&
			    image_ok(&tables[T_RECORDS], img, 0) && image_hash(img, h) == 0 &&
			    sodium_memcmp(h, had->hash, 32) == 0)
				found = json_incref(img);
		}
		json_decref(o);
	}
	sqlite3_finalize(s);
	return found;
}

/* A change to a record version is a redaction: the ciphertext goes, by
 * the signer, and nothing else of the version changes (its author, size,
 * time, label: the history a redaction keeps).  A version is redacted
 * once.  It is a supervisor's act (POLICY_REDACT), but for what a move up
 * leaves behind: the writer of both classes may move up her own versions.
 * Another author's she may not, since the replay cannot compare the copy
 * with the text it replaces (each is sealed under its own class key), so a
 * junk copy beside the redaction would destroy that author's text under
 * the writer's name (attack 80k).  NULL when allowed, else why not. */
static const char *redaction_refused(vault *v, creq *q, const actor *a, const fentry *had,
                                     json_t *img, unsigned int cls, const entry_ix *x)
{
	json_t *was;
	const char *why = NULL;

	if (!json_is_null(json_array_get(img, 9)) || !json_is_null(json_array_get(img, 10)) ||
	    !json_is_string(json_array_get(img, 11)) || strcmp(img_str(img, 11), a->name) != 0)
		return "a change to a record version that is not its redaction by the signer";
	/* where the review looks for it: in the redaction or the move that
	 * vault_record_redact() and vault_record_reclassify() sign, about
	 * its own case (as a break-glass window: attacks 80h, 200d) */
	if (a->action == NULL ||
	    (strcmp(a->action, "record.redact") != 0 && strcmp(a->action, "record.reclassify") != 0))
		return "a redaction in an entry that is neither a redaction nor a move";
	if (a->case_id == NULL || !json_is_string(json_array_get(img, 0)) ||
	    strcmp(a->case_id, img_str(img, 0)) != 0)
		return "a redaction in an entry about another case";
	if ((was = stated_image(v, had)) == NULL)
		return "the version it redacts is in no entry the log holds";
	if (changed_beyond(was, img, H(9) | H(10) | H(11) | H(12) | H(13)))
		why = "a redaction that changes more of the version than its ciphertext";
	else if (!json_is_null(json_array_get(was, 11)))
		why = "a version redacted again";
	else if (moved_up_from(x, img, a->name)) {
		/* the copy a move up leaves behind (down is a supervisor's,
		 * POLICY_REDACT: attack 70j), of her own text (80k), or by a
		 * supervisor's right to redact, reviewed: the replay cannot tell
		 * a copy from junk written beside the redaction of another's
		 * text, and vault_record_reclassify() marks every move high
		 * (attack 200a) */
		if (!decide_reviewed(q, a, POLICY_REDACT, cls) &&
		    !(strcmp(img_str(was, 7), a->name) == 0 && decide(q, POLICY_WRITE, cls)))
			why = decide(q, POLICY_REDACT, cls) ? "a redaction in an entry that is not reviewed"
			                                    : "not entitled to redact this version";
	} else if (!decide(q, POLICY_REDACT, cls)) {
		why = "not entitled to redact this version";
	} else if (!decide_reviewed(q, a, POLICY_REDACT, cls)) {
		/* a redaction, or a move down: always reviewed (attack 190g) */
		why = "a redaction in an entry that is not reviewed";
	}
	json_decref(was);
	return why;
}

/* An owner's hold stated with its case: the one vault_case_create() makes
 * (insert_owner_grant in lib/cases.c), to the owning organisation, or to
 * the creator of a restricted case, on every class with the share right,
 * on no consent and for good.  Any other went to whomever the creator
 * chose, past the consent a share needs, and no revocation ends an
 * owner's hold (attacks 140a, 140b).  NULL when it is that hold. */
static const char *owner_hold_refused(const creq *q, const actor *a, json_t *img)
{
	const char *holder = q->req.restricted ? a->name : q->req.owner_org;

	if (holder == NULL ||
	    img_int(img, 2) != (q->req.restricted ? VAULT_PRINCIPAL_USER : VAULT_PRINCIPAL_ORG) ||
	    strcmp(img_str(img, 3), holder) != 0 || img_int(img, 4) != VAULT_CLASS_ALL ||
	    img_int(img, 5) != VAULT_PERM_SHARE || !json_is_null(json_array_get(img, 6)) ||
	    img_int(img, 7) != 0)
		return "an owner's hold that is not the one its case is made with";
	return NULL;
}

/* Was the actor entitled to this change?  NULL yes, else why not. */
static const char *entitled(vault *v, facts *F, const actor *a, int64_t now, int tab,
                            fentry *had, json_t *img, json_t *key, const entry_ix *x)
{
	/* the row it replaces: parsed for small tables, only known to exist
	 * for records and indicators (kept as hashes) */
	json_t *old = had ? had->img : NULL;
	creq q;
	const char *case_id = NULL;

	/* An organisation whose keys are still the admin's first ones has
	 * one member, its first supervisor, whose keys the admin made too:
	 * what is stated in her name before her passphrase change takes them
	 * over may be his (a member he added so would be sealed the keys she
	 * makes then: attack 150f).  Her first entry is that change. */
	if (a->org_first)
		return "a member of an organisation whose keys are still the admin's";

	if (tab != T_USERS && tab != T_ORGS && tab != T_ORG_PUBKEYS) {
		/* the case column leads every key of a case's table but grants' and
		 * consents' (kept parsed, so `old` names it) */
		json_t *src = img ? img : old ? old : key;

		if (src == NULL || (src == key && tables[tab].case_col != 0))
			return "a statement about a row it cannot name";

		case_id = img_str(src, tables[tab].case_col);
		/* a row stays in its case: a change of the case is no operation's
		 * (and judged on its new case alone, it left the old one a fact
		 * without a row: attack 70g) */
		if (old != NULL && img != NULL &&
		    !json_equal(json_array_get(old, (size_t)tables[tab].case_col),
		                json_array_get(img, (size_t)tables[tab].case_col)))
			return "a row moved to another case";
		fill_case(F, &q, a, case_id, now);
		if (!q.req.has_case && tab != T_CASES)
			return "a row of a case the log does not hold";
	} else {
		fill_case(F, &q, a, "", now);
	}
	switch (tab) {
	case T_USERS:
		if (old == NULL) {
			if (img_int(img, 5) != 0)
				return "a user added already disabled";
			set_target_user(F, &q, NULL);
			q.req.target = img_str(img, 0);
			q.req.target_org = img_str(img, 1);
			q.req.target_org_kind = org_kind_of(F, img_str(img, 1));
			q.req.target_role = (vault_role)img_int(img, 2);
			/* an organisation's one first supervisor, made with it (the
			 * admin made her keys: a second one, his, would be sealed the
			 * keys she makes when she takes them over) */
			if (q.req.target_role == VAULT_ROLE_SUPERVISOR && q.req.target_org != NULL &&
			    same_entry_creates(F, x, T_ORGS, q.req.target_org)) {
				size_t p, end = ix_range(x, T_USERS, 1, q.req.target_org, &p);

				return end - p == 1 && decide(&q, POLICY_ORG_ADD, 0)
				           ? NULL
				           : "not entitled to add this user";
			}
			return decide(&q, POLICY_USER_ADD, 0) ? NULL : "not entitled to add this user";
		}
		if (img == NULL)
			return "users are disabled, never removed";
		if (!changed_beyond(old, img, H(5)) && img_int(img, 5) != 0) {
			/* once: a disabled user restated let an admin mark her
			 * organisation's keys owed at will (attack 170c) */
			if (img_int(old, 5) != 0)
				return "a user disabled again";
			set_target_user(F, &q, img_str(img, 0));
			if (!decide(&q, POLICY_USER_DISABLE, 0))
				return "not entitled to disable this user";
			/* She holds her organisation's keys: the entry moves them on
			 * (its supervisor), or marks them owed (an admin, who makes
			 * none of them: attack 150c).  Either states its row. */
			if (json_is_string(json_array_get(img, 1)) &&
			    !states_row(x, T_ORGS, img_str(img, 1)))
				return "a member disabled while her organisation's keys stay in force";
			return NULL;
		}
		if (!changed_beyond(old, img, H(3) | H(4)) && strcmp(img_str(img, 0), a->name) == 0)
			return NULL; /* her own new keys (user.rekey, signed with the old) */
		return "a change of a user that no operation makes";
	case T_ORGS:
		/* as vault_org_add() makes it: at epoch 1, with its public keys,
		 * marked as keys the admin made (admin_keys 1), which its first
		 * supervisor's passphrase change replaces; one marked otherwise
		 * kept the admin's keys in force for good (attack 150b) */
		if (old == NULL)
			return !decide(&q, POLICY_ORG_ADD, 0) ? "not entitled to add an organisation"
			       : img_int(img, 3) != 1 || img_int(img, 5) != ORG_KEYS_FIRST ||
			               !publishes(x, img_str(img, 0), 1, HOLDER_ORG) ||
			               !publishes(x, img_str(img, 0), 1, HOLDER_ORG_SUP)
			           ? "an organisation added other than with the admin's first keys"
			           : NULL;
		if (img == NULL || changed_beyond(old, img, H(3) | H(5)))
			return "not entitled to change this organisation";
		/* An admin makes no key of an organisation after its first ones
		 * (which its first supervisor replaces): keys he made at a
		 * disable were his to keep, and every case of the centre was
		 * sealed to them after (attack 150c).  His disable of a member
		 * marks the keys she holds owed instead; a supervisor of the
		 * organisation makes the next ones, and no key is sealed to it
		 * until then (lib/gate.c). */
		if (a->role == VAULT_ROLE_ADMIN)
			return img_int(img, 3) == img_int(old, 3) && img_int(img, 5) == ORG_KEYS_OWED &&
			               disabled_in(x, img_str(img, 0), VAULT_PRINCIPAL_ORG)
			           ? NULL
			           : "an admin changes an organisation only to mark its keys owed,"
			             " with the disable of one of its members";
		if (!a->org || strcmp(a->org, img_str(img, 0)) != 0 || a->role != VAULT_ROLE_SUPERVISOR)
			return "not entitled to change this organisation";
		/* its supervisor makes the next key epoch (one stated ahead
		 * stopped every later rotation, and every disable: attack 70c;
		 * none, and a restatement told nothing new), her own keys */
		if (img_int(img, 3) != img_int(old, 3) + 1 || img_int(img, 5) != ORG_KEYS_OWN)
			return "an organisation key epoch that does not follow the one before";
		/* ...with its two public keys: an epoch without them left the
		 * organisation out of every seal made after (attack 80j) */
		if (!publishes(x, img_str(img, 0), img_int(img, 3), HOLDER_ORG) ||
		    !publishes(x, img_str(img, 0), img_int(img, 3), HOLDER_ORG_SUP))
			return "an organisation key epoch without its public keys";
		/* the admin's first keys are given up once, by the first
		 * supervisor, with her own new keys (the admin made those too):
		 * never kept by the admin (attack 70i) */
		if (img_int(old, 5) == ORG_KEYS_FIRST && !states_row(x, T_USERS, a->name))
			return "the first keys of an organisation given up but by its first supervisor";
		return NULL;
	case T_ORG_PUBKEYS:
		if (old != NULL || img == NULL)
			return "an organisation key is never changed or removed";
		/* the epoch the organisation's row moves to in this entry */
		if (!org_moves_to(x, img_str(img, 0), img_int(img, 1)))
			return "an organisation key of an epoch the entry does not put in force";
		/* the admin's: its first, made with it (attack 150c) */
		if ((a->role == VAULT_ROLE_ADMIN && same_entry_creates(F, x, T_ORGS, img_str(img, 0))) ||
		    (a->org && strcmp(a->org, img_str(img, 0)) == 0 && a->role == VAULT_ROLE_SUPERVISOR))
			return NULL;
		return "not entitled to publish this organisation's key";
	case T_CASES:
		if (old != NULL || img == NULL)
			return "a case is never changed or removed";
		if (!a->org || strcmp(a->org, img_str(img, 2)) != 0 ||
		    strcmp(a->name, img_str(img, 3)) != 0)
			return "a case created for another organisation or author";
		/* as vault_case_create() writes it: restricted 2 was hers alone
		 * to the policy and missing from her supervisor's listing of
		 * restricted cases (attack 150h); kind 3 named no separation
		 * (150i) */
		if ((img_int(img, 1) != VAULT_CASE_VICTIM && img_int(img, 1) != VAULT_CASE_PERPETRATOR) ||
		    img_int(img, 4) < 0 || img_int(img, 4) > 1)
			return "a case of a kind or restriction the policy does not know";
		return decide(&q, POLICY_CREATE, 0) ? NULL : "not entitled to create a case";
	case T_CASE_CLASSES:
	case T_CLASS_EPOCHS: {
		unsigned int cls = (unsigned int)img_int(img ? img : old, 1);

		if (img == NULL)
			return "a class key epoch is never removed";
		/* he reads no case: his disable of a member rotates nothing and
		 * marks her organisation's keys owed (attack 170e) */
		if (a->role == VAULT_ROLE_ADMIN)
			return "an administrator makes no key of a case";
		if (tab == T_CLASS_EPOCHS && (old != NULL || strcmp(img_str(img, 3), a->name) != 0))
			return "a class key epoch of another author, or changed";
		/* Epochs go one by one, each with its commitment: the entry's
		 * class row moves on by exactly the commitments it states, and
		 * those are the epochs it moves over.  An epoch stated far ahead
		 * (2^32 - 1), or a commitment ahead of its epoch, would stop
		 * every later rotation of the class, and with it every
		 * revocation, withdrawal and disable that needs one.  (An entry
		 * may rotate a class several times; only its last class row is
		 * stated.) */
		if (tab == T_CASE_CLASSES &&
		    img_int(img, 2) != (old ? img_int(old, 2) : 0) +
		                           (json_int_t)epochs_stated(x, case_id, cls, NULL))
			return "a class key epoch that does not follow the one before";
		if (tab == T_CLASS_EPOCHS) {
			json_int_t to = 0;
			size_t k = epochs_stated(x, case_id, cls, &to);

			if (img_int(img, 2) > to || img_int(img, 2) <= to - (json_int_t)k)
				return "a commitment to an epoch the entry does not put in force";
		}
		if (same_entry_creates(F, x, T_CASES, case_id))
			return NULL; /* the case's first keys, made with it */
		/* a holder of the class rotates it (a lapsed holder dropped) */
		if (decide(&q, POLICY_READ, cls))
			return NULL;
		/* a rotation that follows a revocation in the same entry of a grant
		 * of this case covering this class: by the owning organisation,
		 * or as part of disabling the user who held it (each of those
		 * statements is judged in its own right) */
		if (revokes_class(x, case_id, cls,
		                  a->org != NULL && q.req.owner_org != NULL &&
		                      strcmp(a->org, q.req.owner_org) == 0))
			return NULL;
		if (held_by_disabled_org(F, x, case_id, q.req.owner_org, cls))
			return NULL;
		return "not entitled to make a key of this class";
	}
	case T_GRANTS: {
		int revoking = old != NULL && img != NULL && img_int(img, 10) != 0 &&
		               !changed_beyond(old, img, H(10));
		policy_consent named;

		if (img == NULL)
			return "a grant is revoked, never removed";
		if (old == NULL && img_int(img, 10) != 0)
			return "a grant stated as revoked from the start";
		/* what the policy knows (one it does not refuses the whole case,
		 * and could never be revoked: attack 70n) */
		if ((img_int(img, 2) != VAULT_PRINCIPAL_USER && img_int(img, 2) != VAULT_PRINCIPAL_ORG) ||
		    img_int(img, 4) <= 0 || (img_int(img, 4) & ~(json_int_t)VAULT_CLASS_ALL) != 0 ||
		    img_int(img, 5) < VAULT_PERM_READ || img_int(img, 5) > VAULT_PERM_SHARE ||
		    img_int(img, 10) < 0 || img_int(img, 10) > 1 || img_int(img, 11) < 0 ||
		    img_int(img, 11) > 1)
			return "a grant the policy does not know";
		/* a grant changed keeps its holder, its consent and its classes
		 * (a new grant replaces it: lib/share.c) */
		if (old != NULL && !revoking &&
		    (changed_beyond(old, img, H(4) | H(5) | H(7) | H(8) | H(9)) ||
		     ((unsigned int)img_int(old, 4) & ~(unsigned int)img_int(img, 4)) != 0))
			return "a grant changed beyond what sharing again changes";
		if (revoking) {
			/* judged on her rights as they stood before the entry, as the
			 * library decided: a withdrawal revokes, in one entry, the
			 * grant her right came from and those passed on from it
			 * (attacks 80l, 80m, 80c); only grants this entry revoked,
			 * not one revoked before and restated (attack 90b) */
			fill_case_as(F, &q, a, case_id, now, F->revoked_now);
			/* the grants a withdrawal in this entry takes back, which
			 * vault_consent_withdraw() revokes (the withdrawal is judged
			 * as a statement of its own) */
			if (!img_int(old, 11) && json_is_string(json_array_get(img, 6)) &&
			    consent_withdrawn_in(x, case_id, img_str(img, 6)) &&
			    decide(&q, POLICY_CONSENT, 0))
				return NULL;
			/* judged on the grant's holder, as vault_revoke() decides:
			 * the owning organisation's hold is not a sharer's to take
			 * (attack 110a) */
			set_target_grantee(F, &q, img);
			if (!img_int(old, 11) && decide(&q, POLICY_REVOKE, 0))
				return NULL;
			/* her grants go with a disabled user, a restricted case's
			 * hold included (orgs.c): no other operation ends a hold,
			 * and one entitled to disable her revokes nothing of hers
			 * without disabling her in this entry (attack 120a) */
			if (img_int(img, 2) == VAULT_PRINCIPAL_USER &&
			    disabled_in(x, img_str(img, 3), VAULT_PRINCIPAL_USER) &&
			    decide(&q, POLICY_USER_DISABLE, 0))
				return NULL;
			return img_int(old, 11)
			           ? "an owner's hold is revoked only with its holder's disable"
			           : "not entitled to revoke this grant";
		}
		if (strcmp(img_str(img, 8), a->name) != 0)
			return "a grant said to be made by someone else";
		/* none to an organisation whose keys are not its own, as
		 * vault_share() seals nothing to it (lib/gate.c, seal_to) */
		if (old == NULL && img_int(img, 2) == VAULT_PRINCIPAL_ORG &&
		    org_keys_marked(F, img_str(img, 3)))
			return "a grant to an organisation whose keys are not its own";
		if (img_int(img, 11) != 0 && same_entry_creates(F, x, T_CASES, case_id))
			return owner_hold_refused(&q, a, img);
		/* made with the case only: no revocation ends an owner's hold,
		 * so one granted as a share could never be taken back */
		if (img_int(img, 11) != 0)
			return "an owner's hold made apart from its case";
		set_target_grantee(F, &q, img);
		/* decided on the consent the grant names, as vault_share()
		 * decides it: among the case's first 64 live consents, a share
		 * on the 65th was refused and the vault locked (attack 130a) */
		if (named_consent(F, case_id, img, &named)) {
			q.req.consents = &named;
			q.req.nconsents = 1;
		}
		if (decide(&q, POLICY_SHARE, (unsigned int)img_int(img, 4))) {
			/* as vault_share() bounds it (attack 110d) */
			int64_t until = vault_policy_share_until(&q.req,
			                                         (unsigned int)img_int(img, 4));

			if (until >= 0 && until != INT64_MAX &&
			    (img_int(img, 7) == 0 || img_int(img, 7) > until))
				return "a share that outlives the sharer's own share right";
			return consent_bound(F, &q, case_id, img, now);
		}
		/* a restricted case handed over under break-glass, when it is
		 * orphaned (policy), as the facts hold its grants now: a case its
		 * holder still holds is not handed over (attack 70k) */
		q.req.orphaned = orphaned_in_facts(F, case_id, q.req.owner_org, now);
		if (q.req.restricted && decide_reviewed(&q, a, POLICY_SHARE, (unsigned int)img_int(img, 4)))
			return NULL;
		if (q.req.restricted && decide(&q, POLICY_SHARE, (unsigned int)img_int(img, 4)))
			return "a hand-over in an entry that is not reviewed";
		return "not entitled to grant this";
	}
	case T_CONSENTS:
		if (img == NULL)
			return "a consent is withdrawn, never removed";
		if (old == NULL && strcmp(img_str(img, 11), a->name) != 0)
			return "a consent said to be recorded by someone else";
		/* as vault_consent_add() records it: given, then withdrawn by an
		 * entry of its own (a consent born withdrawn listed a withdrawal
		 * nobody made: attack 140c) */
		if (old == NULL && img_int(img, 10) != 0)
			return "a consent recorded already withdrawn";
		if (old != NULL && changed_beyond(old, img, H(10)))
			return "a consent changed beyond its withdrawal";
		/* withdrawn once, for good (attacks 70b, 70o) */
		if (old != NULL && (img_int(old, 10) != 0 || img_int(img, 10) == 0))
			return "a consent withdrawn again, or brought back";
		if (old != NULL && consent_grant_left(F, x, case_id, img_str(img, 0)))
			return "a consent withdrawn with a grant on it left live";
		q.req.target_org = img_str(img, 2);
		/* a withdrawal is anyone's who may record a consent: its basis
		 * (an emergency one is a supervisor's to record) is not asked, as
		 * vault_consent_withdraw() does not (attack 80n) */
		q.req.basis = old != NULL ? VAULT_BASIS_CONSENT : (vault_basis)img_int(img, 6);
		if (!decide(&q, POLICY_CONSENT, (unsigned int)img_int(img, 3)))
			return "not entitled to record or withdraw this consent";
		/* an emergency consent (no word of hers) is reviewed where the
		 * review looks for it, as break-glass is (attack 190b) */
		if (!decide_reviewed(&q, a, POLICY_CONSENT, (unsigned int)img_int(img, 3)) ||
		    (old == NULL && a->high &&
		     (a->action == NULL || strcmp(a->action, "consent.add") != 0 ||
		      a->case_id == NULL || strcmp(a->case_id, case_id) != 0)))
			return "an emergency consent in an entry that is not its reviewed record";
		return NULL;
	case T_LINKS:
		if (img == NULL || old != NULL)
			return "a link is never changed or removed";
		/* sealed under the safety key, as vault_case_link() writes it */
		return decide(&q, POLICY_WRITE, VAULT_CLASS_SAFETY) ? NULL
		                                                    : "not entitled to link this case";
	case T_BREAKGLASS:
		if (img == NULL || strcmp(img_str(img, 1), a->name) != 0)
			return "a break-glass window of someone else, or removed";
		/* where the review looks for it (attack 70e) */
		if (a->action == NULL || strcmp(a->action, "break-glass") != 0 || !a->high)
			return "a break-glass window in an entry that is not a reviewed break-glass";
		if (a->case_id == NULL || strcmp(a->case_id, case_id) != 0)
			return "a break-glass window in an entry about another case"; /* attack 80h */
		/* At most VAULT_BREAK_GLASS_MAX_S from the entry's time, as
		 * vault_break_glass() writes it; BG_SLACK_S spares an honest
		 * window whose clock stepped back between its row and its entry. */
		if (img_int(img, 3) > now && (uint64_t)img_int(img, 3) - (uint64_t)now >
		                                 VAULT_BREAK_GLASS_MAX_S + BG_SLACK_S)
			return "a break-glass window longer than 24 hours";
		/* and at most 24 hours from its own start, which the library
		 * reads on its own clock (lib/gate.c, at_log_time: attack 190a) */
		if (img_int(img, 3) < img_int(img, 2) ||
		    img_int(img, 3) - img_int(img, 2) > VAULT_BREAK_GLASS_MAX_S + BG_SLACK_S)
			return "a break-glass window longer than 24 hours from its start";
		return decide(&q, POLICY_BREAK_GLASS, 0) ? NULL
		                                         : "not entitled to break the glass";
	case T_RECORDS: {
		unsigned int cls = (unsigned int)img_int(img ? img : key, 2);
		/* a 1.x row restated under its tag by a write to the record: it
		 * keeps its version and author (legacy facts only, paired with
		 * their removal in the same entry) */
		int converted = img != NULL && had == NULL && converts_gone(F, img);

		/* a move writes its versions as the mover's (write_version):
		 * only a conversion keeps another author (attack 70j) */
		if (img != NULL && had == NULL && strcmp(img_str(img, 7), a->name) != 0 &&
		    !converted)
			return "a record version said to be written by someone else";
		if (img != NULL && had != NULL) /* redaction: the ciphertext goes, by her */
			return redaction_refused(v, &q, a, had, img, cls, x);
		/* no operation removes a version (redaction keeps its row): a
		 * removal stated would serve an older text as the newest */
		if (img == NULL)
			return had != NULL && had->legacy && converted_in(x, key, had->hash) &&
			               decide(&q, POLICY_WRITE, cls)
			           ? NULL /* converted: restated under its tag */
			           : "a record version is never removed";
		/* the version after the newest, never a jump: one stated far
		 * ahead would leave the record no next version */
		if (had == NULL && !converted && img_int(img, 3) != head_version(F, img) + 1)
			return "a record version that does not follow the newest";
		/* as write_version() writes it: born unredacted (a redaction is
		 * a reviewed change of a version, by its redactor: attack 180d),
		 * content with its nonce, a deletion mark with none */
		if (had == NULL && !converted &&
		    (!json_is_null(json_array_get(img, 11)) || !json_is_null(json_array_get(img, 12)) ||
		     !json_is_null(json_array_get(img, 13)) ||
		     json_is_null(json_array_get(img, 9)) != (img_int(img, 5) != 0) ||
		     json_is_null(json_array_get(img, 10)) != (img_int(img, 5) != 0)))
			return "a record version born redacted, or with content that does not match its"
			       " deletion mark";
		/* a 1.x record goes on only by its conversion, which removes its
		 * legacy facts first: a signed version after one is no version
		 * of the record, and the conversion would leave it behind */
		if (had == NULL && !converted && head_is_legacy(F, img))
			return "a record version after a 1.x version that is not its conversion";
		return decide(&q, POLICY_WRITE, cls) ? NULL
		                                     : "not entitled to write records of this class";
	}
	case T_INDICATORS: {
		/* the row it replaces, or the one the entry removed before it
		 * (a write deletes the old row, then inserts the new) */
		json_int_t prev = old ? img_int(old, 1)
		                  : F->ind_gone_img && strcmp(img_str(F->ind_gone_img, 0), case_id) == 0
		                        ? img_int(F->ind_gone_img, 1) : 0;

		if (img != NULL && img_int(img, 1) != prev + 1)
			return "a version of the indicators that does not follow the one before";
		/* the writer's, under the general key in force, as
		 * vault_case_indicators_set() writes them: under an epoch
		 * nobody holds they froze the case's indicators (attack 110b) */
		if (img != NULL &&
		    (strcmp(img_str(img, 3), a->name) != 0 ||
		     img_int(img, 2) != epoch_in_force(F, case_id, VAULT_CLASS_GENERAL)))
			return "indicators by someone else, or under another key than the general"
			       " one in force";
	}
		return decide(&q, POLICY_WRITE, VAULT_CLASS_GENERAL)
		           ? NULL
		           : "not entitled to write this case's indicators";
	}
	return "unknown table";
}

/* ---- applying statements ------------------------------------------------ */

/* A case's record versions changed: its part of the cache is to be made
 * again. */
static vault_status records_changed(facts *F, const char *case_id, vault *v)
{
	fcase *c = case_id ? fc_get(F, case_id, 1) : NULL;

	if (c == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	c->rdirty = 1;
	return VAULT_OK;
}

static vault_status need_records(vault *v, facts *F, const char *case_id);
static vault_status records_of(vault *v, facts *F, const char *case_id);

/* known_key: image_key() of img when the caller has it, or NULL */
static vault_status put_fact(facts *F, int tab, json_t *img, int legacy, vault *v,
                             uint64_t seq, int64_t ts, const char *known_key)
{
	const ftable *t = &tables[tab];
	char key[KEY_BUF];
	fentry *e;
	int fresh = 0;
	vault_status st;

	if (known_key != NULL)
		memcpy(key, known_key, KEY_BUF);
	else
		image_key(tab, img, 0, key);
	e = fe_slot(F, key, &fresh);
	if (e == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (!fresh && tab == T_BREAKGLASS) {
		fcase *c = fc_get(F, img_str(img, 0), 1);

		if (c == NULL)
			return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		c->count[tab]++;
		return VAULT_OK;
	}
	/* a 1.x record row restated (redacted) still holds its name in
	 * clear: its conversion pairs with it as with any legacy row */
	if (!fresh && tab == T_RECORDS && e->legacy)
		legacy = 1;
	fe_clear(e);
	e->tab = tab;
	e->legacy = legacy;
	if (fresh) { /* a restatement keeps when it was first stated */
		e->ts = ts;
		e->seq = seq;
	}
	e->seq_last = seq;
	if (image_hash(img, e->hash) != 0)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (t->keep)
		e->img = json_incref(img);
	if (t->case_col >= 0) {
		e->case_id = strdup(img_str(img, t->case_col));
		if (e->case_id == NULL)
			return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	if (fresh) {
		if (t->case_col >= 0) {
			fcase *c = fc_get(F, e->case_id, 1);

			if (c == NULL)
				return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			c->count[tab]++;
			if (tab == T_GRANTS || tab == T_CONSENTS || tab == T_BREAKGLASS) {
				if (c->npk == c->pkcap) {
					size_t nc = c->pkcap ? c->pkcap * 2 : 8;
					char **n = realloc(c->pk, nc * sizeof(*n));

					if (n == NULL)
						return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
					c->pk = n;
					c->pkcap = nc;
				}
				c->pk[c->npk] = strdup(e->key);
				if (c->pk[c->npk] == NULL)
					return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
				c->npk++;
			}
		} else {
			F->gcount[tab]++;
		}
	}
	if (tab == T_RECORDS) {
		char hk[256];
		struct rhead *h;

		head_key(img, hk, sizeof(hk));
		h = rh_get(F, hk, 1);
		if (h == NULL)
			return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		if (fresh && h->n++ == 0)
			heads_bump(F, hk, 1);
		if (img_int(img, 3) > h->version)
			h->version = img_int(img, 3);
		if ((st = records_changed(F, img_str(img, 0), v)) != VAULT_OK)
			return st;
	}
	return VAULT_OK;
}

static vault_status del_fact(facts *F, int tab, json_t *keyarr, vault *v)
{
	char key[KEY_BUF];
	fentry *e;

	image_key(tab, keyarr, 1, key);
	e = fe_find(F, key);
	if (e == NULL)
		return VAULT_OK;
	if (tab == T_INDICATORS) {
		json_decref(F->ind_gone_img);
		F->ind_gone_img = json_incref(e->img);
	}
	if (tab == T_RECORDS) {
		if (F->ngone == F->gonecap) {
			size_t nc = F->gonecap ? F->gonecap * 2 : 8;
			struct gone *n = realloc(F->gone, nc * sizeof(*n));

			if (n == NULL)
				return VAULT_ERR_NOMEM;
			F->gone = n;
			F->gonecap = nc;
		}
		F->gone[F->ngone].key = json_incref(keyarr);
		memcpy(F->gone[F->ngone].hash, e->hash, 32);
		F->gone[F->ngone].used = 0;
		F->ngone++;
	}
	if (tab == T_RECORDS) {
		char hk[256];
		struct rhead *h;

		head_key(keyarr, hk, sizeof(hk));
		h = rh_get(F, hk, 0);
		if (h != NULL && h->n > 0 && --h->n == 0) {
			h->version = 0;
			heads_bump(F, hk, -1);
		} else if (h != NULL && json_integer_value(json_array_get(keyarr, 3)) == h->version)
			h->version--;
		if (records_changed(F, json_string_value(json_array_get(keyarr, 0)), v) != VAULT_OK)
			return VAULT_ERR_NOMEM;
	}
	if (e->case_id != NULL) {
		fcase *c = fc_get(F, e->case_id, 0);

		if (c != NULL && c->count[tab] > 0)
			c->count[tab]--;
	} else if (F->gcount[tab] > 0) {
		F->gcount[tab]--;
	}
	fe_clear(e);
	e->dead = 1;
	return VAULT_OK;
}

static fentry *find_image_key(facts *F, int tab, json_t *img, int is_key)
{
	char key[KEY_BUF];

	image_key(tab, img, is_key, key);
	return fe_find(F, key);
}

static vault_status apply_legacy(vault *v, facts *F, const audit_rec *r, json_t *o);

/* Is o a well-formed statement text (facts.c's header)? */
static int statements_ok(json_t *o)
{
	json_t *stmts;
	size_t i;

	if (!json_is_object(o) || json_integer_value(json_object_get(o, "v")) != 1)
		return 0;
	if (json_object_get(o, "legacy") != NULL)
		return json_is_string(json_object_get(o, "legacy")) &&
		       json_is_integer(json_object_get(o, "n")) && json_object_size(o) == 3;
	stmts = json_object_get(o, "s");
	if (!json_is_array(stmts) || json_object_size(o) != 2 || json_array_size(stmts) == 0)
		return 0;
	for (i = 0; i < json_array_size(stmts); i++) {
		json_t *st = json_array_get(stmts, i);
		const char *t = json_string_value(json_object_get(st, "t"));
		int tab = t ? table_index(t) : -1;
		json_t *img = json_object_get(st, "r"), *key = json_object_get(st, "k");

		if (tab < 0 || !json_is_object(st))
			return 0;
		if (img != NULL ? json_object_size(st) != 2 || !image_ok(&tables[tab], img, 0)
		                : !json_is_true(json_object_get(st, "d")) ||
		                      json_object_size(st) != 3 || !image_ok(&tables[tab], key, 1))
			return 0;
	}
	return 1;
}

/* The compact text of o, exactly, malloc'ed (its length in *len), or NULL
 * when an allocation failed.  Most statements fit the first buffer, on the
 * stack (a heap block of that size would make malloc sweep its free lists
 * on every put); a longer one is written again into one of the size the
 * first pass said.  vault__json_compact() writes what json_dumpb() would,
 * without its loop check; unlike json_dumps(), it never drops a byte when
 * an allocation fails (it fails). */
static char *dump_exact(const json_t *o, size_t *len)
{
	char first[4096], *text;
	size_t n = vault__json_compact(o, first, sizeof(first));

	if (n == 0 || (text = malloc(n + 1)) == NULL)
		return NULL;
	if (n <= sizeof(first))
		memcpy(text, first, n);
	else if (vault__json_compact(o, text, n) != n) {
		free(text);
		return NULL;
	}
	text[n] = '\0';
	*len = n;
	return text;
}

/* Is text exactly the compact text of o?  Then o is the tree text stands
 * for: a compact text is a function of the tree, and no two trees share
 * one.  (A tree jansson built wrong under a failed allocation has another
 * text.) */
static int dumps_to(const json_t *o, const char *text, size_t len)
{
	char *buf = malloc(len + 1);
	int same = buf != NULL && vault__json_compact(o, buf, len + 1) == len &&
	           memcmp(buf, text, len) == 0;

	free(buf);
	return same;
}

/* Parse and check a statement text.  NULL: malformed, or (*oom set) an
 * allocation failed.  jansson does not always say that an allocation
 * failed, and under one it can even build a wrong tree (its lexer drops a
 * byte it cannot save).  The texts the library writes are compact dumps:
 * one parse that dumps back to the text is the tree.  Any other text (or
 * a parse under a failed allocation) takes two parses, which must agree:
 * text that parses well at a second try was never malformed. */
static json_t *parse_statements(const char *text, int *oom)
{
	int attempt;
	size_t len = strlen(text);

	*oom = 0;
	for (attempt = 0; attempt < 2; attempt++) {
		json_error_t err;
		json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &err);
		json_t *again;

		if (o != NULL && statements_ok(o)) {
			if (attempt == 0 && dumps_to(o, text, len))
				return o;
			/* a tree built while an allocation failed can be wrong in
			 * its values: two parses must agree */
			again = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
			if (again != NULL && json_equal(o, again)) {
				json_decref(again);
				return o;
			}
			json_decref(again);
			json_decref(o);
			*oom = 1;
			continue;
		}
		json_decref(o);
		if (o == NULL && json_error_code(&err) == json_error_out_of_memory)
			*oom = 1;
	}
	return NULL;
}

/* Apply the statements of one entry (its signer known and verified). */
static vault_status apply_entry(vault *v, facts *F, const audit_rec *r, int check,
                                json_t *pre)
{
	int oom = 0;
	json_t *o, *stmts;
	actor a;
	entry_ix x = {NULL, NULL, 0, 0};
	size_t i;
	vault_status st = VAULT_OK;

	/* Judged at its time, or at the latest time of an entry before it:
	 * its signer chooses its time, and one dated back, to before a grant
	 * or a window of hers lapsed, brought it back (attack 90a).  Honest
	 * entries are stamped under the write lock, in order; every entry
	 * counts, reads too, so she can date back only to the entry before. */
	if (r->ts > F->ts_hi)
		F->ts_hi = r->ts;
	if (r->fact == NULL || r->fact[0] == '\0' || strcmp(r->outcome, "ok") != 0)
		return r->fact != NULL && r->fact[0] != '\0'
		           ? vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu by %s:"
		                        " statements in an entry whose outcome is not ok",
		                        (unsigned long long)r->seq, r->actor)
		           : VAULT_OK;
	/* our own entry: the tree its text was made from (and read back from) */
	o = pre != NULL ? json_incref(pre) : parse_statements(r->fact, &oom);
	if (o == NULL)
		return oom ? vault__err(v, VAULT_ERR_NOMEM, "out of memory")
		           : vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu by %s: its"
		                        " statements are malformed", (unsigned long long)r->seq,
		                        r->actor);
	if (json_object_get(o, "legacy") != NULL) {
		st = apply_legacy(v, F, r, o);
		json_decref(o);
		F->applied_any = 1;
		return st;
	}
	stmts = json_object_get(o, "s");
	if (!json_is_array(stmts) || json_object_size(o) != 2 || json_array_size(stmts) == 0) {
		json_decref(o);
		return vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu by %s: its statements"
		                  " are malformed", (unsigned long long)r->seq, r->actor);
	}
	memset(&a, 0, sizeof(a));
	a.name = r->actor;
	a.action = r->action;
	a.high = r->high;
	a.case_id = r->case_id;
	/* held: a statement of this entry may replace her row (new keys) */
	a.user = json_incref(kept(F, T_USERS, r->actor));
	if (a.user != NULL) {
		a.org = img_str(a.user, 1);
		a.role = (vault_role)img_int(a.user, 2);
		a.org_kind = org_kind_of(F, a.org);
	}
	gone_clear(F);
	x.seq = r->seq;
	if (ix_build(&x, stmts) != 0)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	/* (An organisation of a 1.x vault had members before its supervisor's
	 * first change: SECURITY.md, Known limits.) */
	if (st == VAULT_OK && a.org != NULL) {
		fentry *own = org_fact(F, a.org);

		a.org_first = own != NULL && own->img != NULL && !own->legacy &&
		              img_int(own->img, 5) == ORG_KEYS_FIRST && !takes_over(&x, a.org);
	}
	for (i = 0; i < json_array_size(stmts) && st == VAULT_OK; i++) {
		json_t *s = json_array_get(stmts, i);
		int tab = table_index(json_string_value(json_object_get(s, "t")) ?
		                      json_string_value(json_object_get(s, "t")) : "");
		json_t *img = json_object_get(s, "r"), *key = json_object_get(s, "k");
		int del = json_is_true(json_object_get(s, "d"));
		char ikey[KEY_BUF];
		fentry *old;
		const char *why = NULL;

		if (tab < 0 || !json_is_object(s) ||
		    (img != NULL ? json_object_size(s) != 2 || !image_ok(&tables[tab], img, 0)
		                 : !del || json_object_size(s) != 3 || !image_ok(&tables[tab], key, 1))) {
			st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu by %s: statement"
			                " %zu is malformed", (unsigned long long)r->seq, r->actor,
			                i + 1);
			break;
		}
		/* a case's record versions are read from the cache at the first need */
		if (tab == T_RECORDS &&
		    (st = need_records(v, F, img_str(img ? img : key, 0))) != VAULT_OK)
			break;
		image_key(tab, img ? img : key, img == NULL, ikey);
		old = fe_find(F, ikey);
		if (a.user == NULL && !(r->seq == 1 && tab == T_USERS))
			why = "its signer is not a user the facts hold";
		else if (a.user != NULL && img_int(a.user, 5) != 0)
			why = "its signer was disabled";
		else if (r->seq == 1)
			why = tab == T_USERS && old == NULL && img_int(img, 2) == VAULT_ROLE_ADMIN &&
			              strcmp(img_str(img, 0), r->actor) == 0
			          ? NULL
			          : "the vault's first entry states more than its first admin";
		else if (check)
			why = entitled(v, F, &a, F->ts_hi, tab, old, img, key, &x);
		if (why == NULL && img == NULL && old == NULL)
			why = "it removes a row the facts do not hold";
		if (why != NULL) {
			st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu by %s: statement %zu"
			                " (%s) is refused: %s", (unsigned long long)r->seq, r->actor,
			                i + 1, tables[tab].name, why);
			break;
		}
		if (tab == T_GRANTS && img != NULL && img_int(img, 10) != 0 && old != NULL &&
		    old->img != NULL && img_int(old->img, 10) == 0) {
			if (F->revoked_now == NULL)
				F->revoked_now = json_array();
			if (F->revoked_now == NULL ||
			    json_array_append(F->revoked_now, json_array_get(img, 0)) != 0)
				st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		}
		if (st == VAULT_OK)
			st = img ? put_fact(F, tab, img, 0, v, r->seq, r->ts, ikey)
			         : del_fact(F, tab, key, v);
		if (st == VAULT_OK && r->seq == 1 && tab == T_USERS) {
			a.user = json_incref(kept(F, T_USERS, r->actor));
			a.org = NULL;
			a.role = VAULT_ROLE_ADMIN;
		}
	}
	ix_free(&x);
	json_decref(a.user);
	json_decref(o);
	gone_clear(F);
	F->applied_any = 1;
	return st;
}

/* ---- legacy: the rows of a vault made before schema 7 ------------------------ */

#define LEGACY_DOMAIN "libvault-legacy-facts-v1"

static vault_status legacy_digest(vault *v, int apply, facts *F, unsigned char out[32],
                                  uint64_t *count)
{
	crypto_generichash_state hs;
	sqlite3_stmt *s = NULL;
	vault_status st;
	int rc;
	uint64_t n = 0;

	st = vault__prepare(v, "SELECT n, case_id, image FROM legacy_facts ORDER BY n", &s);
	if (st != VAULT_OK)
		return st;
	crypto_generichash_init(&hs, NULL, 0, 32);
	crypto_generichash_update(&hs, (const unsigned char *)LEGACY_DOMAIN, sizeof LEGACY_DOMAIN);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && st == VAULT_OK) {
		const char *txt = (const char *)sqlite3_column_text(s, 2);
		unsigned char b[4];
		size_t len = (size_t)sqlite3_column_bytes(s, 2);

		if (sqlite3_column_int64(s, 0) != (sqlite3_int64)(n + 1) || txt == NULL) {
			st = vault__err(v, VAULT_ERR_INTEGRITY, "the legacy facts are out of order");
			break;
		}
		b[0] = (unsigned char)(len >> 24);
		b[1] = (unsigned char)(len >> 16);
		b[2] = (unsigned char)(len >> 8);
		b[3] = (unsigned char)len;
		crypto_generichash_update(&hs, b, 4);
		crypto_generichash_update(&hs, (const unsigned char *)txt, len);
		n++;
		if (apply) {
			json_t *o = json_loadb(txt, len, JSON_REJECT_DUPLICATES, NULL);
			int tab = o ? table_index(json_string_value(json_object_get(o, "t")) ?
			                          json_string_value(json_object_get(o, "t")) : "")
			            : -1;
			json_t *img = o ? json_object_get(o, "r") : NULL;

			if (tab < 0 || img == NULL || !image_ok(&tables[tab], img, 0))
				st = vault__err(v, VAULT_ERR_INTEGRITY, "legacy fact %llu is malformed",
				                (unsigned long long)n);
			else
				st = put_fact(F, tab, img, 1, v, 0, 0, NULL);
			json_decref(o);
		}
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "legacy facts");
	sqlite3_finalize(s);
	crypto_generichash_final(&hs, out, 32);
	*count = n;
	return st;
}

static vault_status apply_legacy(vault *v, facts *F, const audit_rec *r, json_t *o)
{
	unsigned char want[32], got[32];
	const char *d = json_string_value(json_object_get(o, "legacy"));
	json_int_t n = json_integer_value(json_object_get(o, "n"));
	uint64_t count = 0;
	size_t len = 0;
	vault_status st;

	if (F->applied_any || d == NULL || json_object_size(o) != 3 ||
	    sodium_base642bin(want, 32, d, strlen(d), NULL, &len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 || len != 32)
		return vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu: a malformed or late"
		                  " legacy statement", (unsigned long long)r->seq);
	st = legacy_digest(v, 1, F, got, &count);
	if (st != VAULT_OK)
		return st;
	if (sodium_memcmp(want, got, 32) != 0 || (json_int_t)count != n)
		return vault__err(v, VAULT_ERR_INTEGRITY, "the legacy facts are not those that"
		                  " audit entry %llu vouched for", (unsigned long long)r->seq);
	F->legacy_n = count;
	F->legacy_seq = r->seq;
	return VAULT_OK;
}

/* ---- replaying the log -------------------------------------------------- */

/* Entries of a run not yet covered by its signature: their statements wait
 * for it (anyone can write an unsigned entry naming anyone). */
typedef struct waiting {
	audit_rec r;
	char *fact, *actor, *outcome;
} waiting;

typedef struct replay {
	facts *F;
	waiting *w;
	size_t n, cap;
} replay;

static void waiting_free(replay *rp)
{
	size_t i;

	for (i = 0; i < rp->n; i++) {
		free(rp->w[i].fact);
		free(rp->w[i].actor);
		free(rp->w[i].outcome);
	}
	free(rp->w);
	rp->w = NULL;
	rp->n = rp->cap = 0;
}

static vault_status apply_one(vault *v, facts *F, const audit_rec *r)
{
	vault_status st = VAULT_OK;

	if (r->seq > F->applied) {
		st = apply_entry(v, F, r, 1, NULL);
		if (st == VAULT_OK)
			F->applied = r->seq;
	}
	return st;
}

/* Entry seq (verified) hashes to h.  -1: no memory. */
static int vh_put(facts *F, uint64_t seq, const unsigned char *h)
{
	if (seq == 0)
		return 0;
	if (seq > F->vh_cap) {
		uint64_t nc = F->vh_cap ? F->vh_cap : 1024;
		unsigned char(*n)[16];

		while (nc < seq)
			nc *= 2;
		n = realloc(F->vh, (size_t)nc * sizeof(*n));
		if (n == NULL)
			return -1;
		F->vh = n;
		F->vh_cap = nc;
	}
	memcpy(F->vh[seq - 1], h, 16);
	if (F->vh_hi == 0 || seq < F->vh_from)
		F->vh_from = F->vh_hi == 0 ? seq : F->vh_from;
	if (seq > F->vh_hi)
		F->vh_hi = seq;
	return 0;
}

static vault_status replay_one(vault *v, const audit_rec *r, void *ctx)
{
	replay *rp = ctx;
	facts *F = rp->F;
	vault_verify_result res;
	vault_status st;
	size_t i;

	memset(&res, 0, sizeof(res));
	st = vault_audit_verifier_push(F->av, r, &res);
	if (st == VAULT_ERR_NOMEM)
		return vault__err(v, st, "out of memory");
	if (st != VAULT_OK)
		return vault__err(v, VAULT_ERR_INTEGRITY, "the audit log does not verify: %s",
		                  res.reason);
	F->verified = r->seq;
	if (vh_put(F, r->seq, r->hash) != 0)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	/* the newest entry this handle verified or wrote, read again: the same
	 * one, or the log forked there (attack 280b: another user's valid
	 * entry at the seq of her own revocation cut away) */
	if (r->seq == F->floor_seq && sodium_memcmp(r->hash, F->floor_hash, 32) != 0)
		return vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu was rewritten around the"
		                  " library after this handle verified or wrote it",
		                  (unsigned long long)r->seq);
	/* the key history of the user of this handle (vault.c): was she last
	 * added by someone else, or has she rekeyed since? */
	if (r->target != NULL && r->action != NULL && r->outcome != NULL &&
	    strcmp(r->outcome, "ok") == 0 && strcmp(r->target, v->user) == 0) {
		if (strcmp(r->action, "user.add") == 0)
			F->added_by_other = 1;
		else if (strcmp(r->action, "user.rekey") == 0 && r->actor != NULL &&
		         strcmp(r->actor, v->user) == 0)
			F->added_by_other = 0;
	}
	if (!r->has_sig) {
		waiting *w;

		if (rp->n == rp->cap) {
			size_t nc = rp->cap ? rp->cap * 2 : 16;
			waiting *nw = realloc(rp->w, nc * sizeof(*nw));

			if (nw == NULL)
				return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			rp->w = nw;
			rp->cap = nc;
		}
		w = &rp->w[rp->n];
		memset(w, 0, sizeof(*w));
		w->r = *r;
		w->fact = strdup(r->fact ? r->fact : "");
		w->actor = strdup(r->actor);
		w->outcome = strdup(r->outcome);
		if (w->fact == NULL || w->actor == NULL || w->outcome == NULL) {
			free(w->fact);
			free(w->actor);
			free(w->outcome);
			return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		}
		w->r.fact = w->fact;
		w->r.actor = w->actor;
		w->r.outcome = w->outcome;
		rp->n++;
		return VAULT_OK;
	}
	/* Signed: the run before it (same key, the verifier checked) is too. */
	for (i = 0; i < rp->n && st == VAULT_OK; i++)
		st = apply_one(v, F, &rp->w[i].r);
	waiting_free(rp);
	if (st == VAULT_OK)
		st = apply_one(v, F, r);
	return st;
}

static vault_status catch_up(vault *v, facts *F)
{
	replay rp = {F, NULL, 0, 0};
	vault_status st;
	size_t i;

	st = vault__audit_each_after(v, F->verified, replay_one, &rp);
	/* A rebuild inside our own transaction (after a failure) meets our
	 * entries not yet signed: they are ours if they came after the log's
	 * length when the transaction began, under our key.  The verifier has
	 * taken them unsigned, so everything is replayed again after it. */
	for (i = 0; st == VAULT_OK && rp.n > 0 && v->user_txn && v->unsigned_entries > 0 &&
	            i < rp.n; i++)
		if (rp.w[i].r.seq <= F->txn_head ||
		    sodium_memcmp(rp.w[i].r.key, v->sec->sign_pk, 32) != 0)
			break;
	if (st == VAULT_OK && rp.n > 0 && i == rp.n && v->user_txn && v->unsigned_entries > 0) {
		for (i = 0; i < rp.n && st == VAULT_OK; i++)
			st = apply_one(v, F, &rp.w[i].r);
		waiting_free(&rp);
		F->rebuild_after = 1;
	}
	if (st == VAULT_OK && rp.n > 0)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entries %llu..%llu are not signed:"
		                " their statements cannot be facts",
		                (unsigned long long)rp.w[0].r.seq,
		                (unsigned long long)rp.w[rp.n - 1].r.seq);
	waiting_free(&rp);
	return st;
}

/* ---- checking rows ------------------------------------------------------ */

/* Is the row at s (written by this operation) an update of a row the
 * facts hold, so that the count of facts includes it? */
static int find_noted_key(facts *F, int tab, sqlite3_stmt *s)
{
	json_t *img = row_image(&tables[tab], s);
	int found = img != NULL && find_image_key(F, tab, img, 0) != NULL;

	json_decref(img);
	return found;
}

/* Every row of table tab selected by `where` (?1 bound to a1) is a fact,
 * and their number is `want`. */
/* Does one column of two rows hold the same value (type and bytes)? */
static int same_value(sqlite3_stmt *a, int i, sqlite3_stmt *b, int j)
{
	int t = sqlite3_column_type(a, i), n;

	if (t != sqlite3_column_type(b, j))
		return 0;
	switch (t) {
	case SQLITE_NULL:
		return 1;
	case SQLITE_INTEGER:
		return sqlite3_column_int64(a, i) == sqlite3_column_int64(b, j);
	case SQLITE_FLOAT:
		return sqlite3_column_double(a, i) == sqlite3_column_double(b, j);
	default:
		n = sqlite3_column_bytes(a, i);
		return n == sqlite3_column_bytes(b, j) &&
		       (n == 0 || memcmp(sqlite3_column_blob(a, i), sqlite3_column_blob(b, j),
		                         (size_t)n) == 0);
	}
}

/* Rows of a table read without any index: what an index read on its own
 * must count. */
static vault_status table_rows(vault *v, const char *table, uint32_t *n)
{
	sqlite3_stmt *s = NULL;
	char *sql = sqlite3_mprintf("SELECT rowid FROM \"%w\" NOT INDEXED", table);
	vault_status st;
	int rc;

	*n = 0;
	st = sql ? vault__stmt_text(v, sql, &s) : vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	sqlite3_free(sql);
	while (st == VAULT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		(*n)++;
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, table);
	sqlite3_reset(s);
	return st;
}

/* An index is pages of its own: rewritten, it can hold entries its table
 * does not (a grant of another case under this case's id, a revoked grant
 * as live, a consent's id filed under another consent's row), and a query
 * answered through it believes them.  So each index is read on its own,
 * INDEXED BY and covering: every entry must be its row's values, read by
 * rowid from the table, and there must be as many entries as rows.  Which
 * indexes, and how many rows:
 *   case_id set: the indexes of a case's table that start with the case
 *     column, for that case; rows is what the row check saw;
 *   case_id NULL, a global table: all of them; rows likewise;
 *   case_id NULL, a case's table: those that do not start with the case
 *     column (the consents' primary key on id), whole, against the rows of
 *     the whole table read without an index (rows is ignored).
 * Names are the library's own (the schema is checked to be exactly the
 * library's). */
static vault_status check_indexes_as(vault *v, int tab, const char *case_id, uint32_t rows,
                                     int all)
{
	const ftable *t = &tables[tab];
	const char *case_col = case_id != NULL ? t->cols[t->case_col] : NULL;
	int whole = case_id == NULL && t->case_col >= 0 && !all;
	int counted = !whole && !all;
	sqlite3_stmt *list = NULL, *info = NULL, *ix = NULL, *row = NULL;
	vault_status st;
	char *sql;
	int rc;

	sql = sqlite3_mprintf("PRAGMA index_list(%Q)", t->name);
	if (sql == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	st = vault__stmt_text(v, sql, &list);
	sqlite3_free(sql);
	while (st == VAULT_OK && (rc = sqlite3_step(list)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(list, 1);
		char *cols = NULL, *tmp;
		uint32_t n = 0;
		int ncol = 0, skip = 0;

		if (name == NULL) {
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			break;
		}
		sql = sqlite3_mprintf("PRAGMA index_info(%Q)", name);
		st = sql ? vault__stmt_text(v, sql, &info)
		         : vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		sqlite3_free(sql);
		while (st == VAULT_OK && (rc = sqlite3_step(info)) == SQLITE_ROW) {
			const char *c = (const char *)sqlite3_column_text(info, 2);

			if (c == NULL) { /* an expression: not the library's */
				st = vault__err(v, VAULT_ERR_INTEGRITY, "index %s is not the library's",
				                name);
				break;
			}
			/* by case: read per case, or whole; not by case: the other way */
			if (ncol == 0 && case_col != NULL && strcmp(c, case_col) != 0)
				skip = 1;
			if (ncol == 0 && whole && strcmp(c, t->cols[t->case_col]) == 0)
				skip = 1;
			if (skip)
				break;
			tmp = sqlite3_mprintf("%s%s\"%w\"", cols ? cols : "", cols ? ", " : "", c);
			sqlite3_free(cols);
			cols = tmp;
			if (cols == NULL)
				st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			ncol++;
		}
		sqlite3_reset(info);
		info = NULL;
		if (st == VAULT_OK && rc != SQLITE_DONE && !skip)
			st = vault__sql_status(v, rc, "index info");
		if (st != VAULT_OK || skip || ncol == 0) {
			sqlite3_free(cols);
			continue;
		}
		if (!counted) {
			st = table_rows(v, t->name, &rows);
			counted = 1;
		}
		sql = st == VAULT_OK ? sqlite3_mprintf("SELECT rowid, %s FROM \"%w\" INDEXED BY"
		                                       " \"%w\"%s%s%s", cols, t->name, name,
		                                       case_col ? " WHERE \"" : "",
		                                       case_col ? case_col : "",
		                                       case_col ? "\" = ?1" : "")
		                     : NULL;
		if (st == VAULT_OK)
			st = sql ? vault__stmt_text(v, sql, &ix)
			         : vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		sqlite3_free(sql);
		sql = st == VAULT_OK ? sqlite3_mprintf("SELECT %s FROM \"%w\" WHERE rowid = ?1", cols,
		                                       t->name)
		                     : NULL;
		if (st == VAULT_OK)
			st = sql ? vault__stmt_text(v, sql, &row)
			         : vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		sqlite3_free(sql);
		sqlite3_free(cols);
		if (st == VAULT_OK && case_col != NULL)
			vault__bind_text(ix, 1, case_id);
		while (st == VAULT_OK && (rc = sqlite3_step(ix)) == SQLITE_ROW) {
			int k, same;

			n++;
			sqlite3_reset(row);
			sqlite3_bind_int64(row, 1, sqlite3_column_int64(ix, 0));
			rc = sqlite3_step(row);
			same = rc == SQLITE_ROW;
			for (k = 0; same && k < ncol; k++)
				same = same_value(ix, k + 1, row, k);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				st = vault__sql_status(v, rc, t->name);
			else if (!same)
				st = vault__err(v, VAULT_ERR_INTEGRITY, "index %s of %s%s%s does not agree"
				                " with its table (rewritten around the library)", name,
				                t->name, case_id ? " of case " : "", case_id ? case_id : "");
		}
		if (st == VAULT_OK && rc != SQLITE_DONE)
			st = vault__sql_status(v, rc, t->name);
		if (st == VAULT_OK && n != rows)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "index %s of %s%s%s has %u entries"
			                " for %u rows (rewritten around the library)", name, t->name,
			                case_id ? " of case " : "", case_id ? case_id : "", n, rows);
		sqlite3_reset(ix);
		sqlite3_reset(row);
		ix = row = NULL;
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, "index list");
	sqlite3_reset(list);
	return st;
}

/* As described above; `all`: every index of the table, whole, against
 * its rows read without one (a report that reads a case's table for every
 * case of an organisation). */
static vault_status check_indexes(vault *v, int tab, const char *case_id, uint32_t rows)
{
	return check_indexes_as(v, tab, case_id, rows, 0);
}

static vault_status check_rows(vault *v, facts *F, int tab, const char *where,
                               const char *a1, uint32_t want)
{
	const ftable *t = &tables[tab];
	char *sql = select_sql(t, where);
	sqlite3_stmt *s = NULL;
	vault_status st;
	uint32_t n = 0, seen = 0;
	int rc;

	if (sql == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	st = vault__stmt_text(v, sql, &s);
	free(sql);
	if (st != VAULT_OK)
		return st;
	if (a1 != NULL)
		vault__bind_text(s, 1, a1);
	while (st == VAULT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *img;
		unsigned char h[32];
		fentry *e;

		seen++;
		if (noted_here(F, tab, sqlite3_column_int64(s, ncols(t)))) {
			/* written by this operation: stated by its entry; a row it
			 * replaced is not counted either */
			if (want > 0 && find_noted_key(F, tab, s))
				want--;
			continue;
		}
		img = row_image(t, s);

		if (img == NULL || image_hash(img, h) != 0) {
			json_decref(img);
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			break;
		}
		e = find_image_key(F, tab, img, 0);
		json_decref(img);
		n++;
		if (e == NULL || sodium_memcmp(e->hash, h, 32) != 0)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "a row of %s%s%s is not one the signed"
			                " log holds (%s around the library)", t->name,
			                a1 ? " of case " : "", a1 ? a1 : "",
			                e == NULL ? "added" : "changed");
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, t->name);
	sqlite3_reset(s);
	if (st == VAULT_OK && n != want)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "%s%s%s holds %u rows where the signed log"
		                " holds %u (rows removed or added around the library)", t->name,
		                a1 ? " of case " : "", a1 ? a1 : "", n, want);
	if (st == VAULT_OK)
		st = check_indexes(v, tab, a1, seen);
	return st;
}

/* The replay reads entries 1, 2, ...: a row below 1 is never verified, yet
 * a query without that bound (a report) would read it. */
static vault_status check_no_stray_entries(vault *v)
{
	sqlite3_stmt *s = NULL;
	vault_status st = vault__prepare(v, "SELECT min(seq) FROM audit", &s);
	int rc;

	if (st != VAULT_OK)
		return st;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(s, 0) < 1)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "the audit log has an entry numbered %lld,"
		                " below 1: written around the library",
		                (long long)sqlite3_column_int64(s, 0));
	else if (rc != SQLITE_ROW)
		st = vault__sql_status(v, rc, "audit");
	sqlite3_finalize(s);
	return st;
}

static vault_status check_global(vault *v, facts *F)
{
	vault_status st = check_no_stray_entries(v);
	int tab;

	if (st == VAULT_OK)
		st = check_rows(v, F, T_USERS, NULL, NULL, F->gcount[T_USERS]);

	if (st == VAULT_OK)
		st = check_rows(v, F, T_ORGS, NULL, NULL, F->gcount[T_ORGS]);
	if (st == VAULT_OK)
		st = check_rows(v, F, T_ORG_PUBKEYS, NULL, NULL, F->gcount[T_ORG_PUBKEYS]);
	/* the indexes of the cases' tables that are not by case: whole */
	for (tab = 0; tab < T__COUNT && st == VAULT_OK; tab++)
		if (tables[tab].case_col >= 0)
			st = check_indexes(v, tab, NULL, 0);
	return st;
}

vault_status vault__facts_check_tables(vault *v, const char *const *names)
{
	facts *F = v->facts;
	vault_status st = VAULT_OK;
	size_t i, k;

	if (F == NULL)
		return VAULT_OK;
	for (k = 0; names[k] != NULL && st == VAULT_OK; k++) {
		int tab = table_index(names[k]);
		uint32_t want = 0;

		if (tab < 0)
			return vault__err(v, VAULT_ERR_STATE, "no such table of facts");
		if (tables[tab].case_col < 0)
			want = F->gcount[tab];
		for (i = 0; tables[tab].case_col >= 0 && i < F->ccap; i++)
			if (F->c[i].id != NULL)
				want += F->c[i].count[tab];
		st = check_rows(v, F, tab, NULL, NULL, want);
		if (st == VAULT_OK)
			st = check_indexes_as(v, tab, NULL, 0, 1);
	}
	return st;
}

vault_status vault__facts_check_case(vault *v, const char *case_id)
{
	static const int small[] = {T_CASES, T_CASE_CLASSES, T_CLASS_EPOCHS, T_GRANTS,
	                            T_CONSENTS, T_LINKS, T_BREAKGLASS, T_INDICATORS};
	facts *F = v->facts;
	fcase *c;
	size_t i;
	vault_status st = VAULT_OK;
	char where[64];

	if (F == NULL)
		return VAULT_OK;
	/* Checked already, and nobody else wrote since (our own writes state
	 * what they write). */
	if (F->checked_dv == F->data_version && F->checked_gen == F->gen &&
	    strcmp(F->checked_case, case_id) == 0)
		return VAULT_OK;
	c = fc_get(F, case_id, 0);
	for (i = 0; i < sizeof(small) / sizeof(small[0]) && st == VAULT_OK; i++) {
		const ftable *t = &tables[small[i]];

		snprintf(where, sizeof(where), "%s = ?1", t->cols[t->case_col]);
		st = check_rows(v, F, small[i], where, case_id, c ? c->count[small[i]] : 0);
	}
	if (st == VAULT_OK) {
		snprintf(F->checked_case, sizeof(F->checked_case), "%s", case_id);
		F->checked_dv = F->data_version;
		F->checked_gen = F->gen;
	}
	return st;
}

static vault_status check_row(vault *v, const char *table, int64_t rowid, int latest,
                              int *legacy);

vault_status vault__facts_check_row(vault *v, const char *table, int64_t rowid, int latest)
{
	return check_row(v, table, rowid, latest, NULL);
}

vault_status vault__facts_record_legacy(vault *v, int64_t rowid, int latest, int *legacy)
{
	*legacy = 0;
	return check_row(v, "records", rowid, latest, legacy);
}

/* legacy (may be NULL): set to whether the row's fact is legacy. */
static vault_status check_row(vault *v, const char *table, int64_t rowid, int latest,
                              int *legacy)
{
	facts *F = v->facts;
	int tab = table_index(table);
	sqlite3_stmt *s = NULL;
	vault_status st;
	json_t *img = NULL;
	unsigned char h[32];
	fentry *e;
	int rc;

	if (F == NULL) {
		if (legacy != NULL)
			*legacy = 1; /* no facts yet: every row as it stands */
		return VAULT_OK;
	}
	if (tab < 0)
		return vault__err(v, VAULT_ERR_STATE, "no such table of facts");
	st = vault__stmt_dyn(v, tab, row_by_rowid_sql, &s);
	if (st != VAULT_OK)
		return st;
	sqlite3_bind_int64(s, 1, rowid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && noted_here(F, tab, rowid)) {
		sqlite3_reset(s);
		return VAULT_OK; /* this operation's own row, stated by its entry */
	}
	if (rc == SQLITE_ROW)
		img = row_image(&tables[tab], s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? vault__err(v, VAULT_ERR_INTEGRITY, "a row of %s went"
		                                      " away", table)
		                         : vault__sql_status(v, rc, table);
	if (img == NULL || image_hash(img, h) != 0) {
		json_decref(img);
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	if (tab == T_RECORDS && (st = records_of(v, F, img_str(img, 0))) != VAULT_OK) {
		json_decref(img);
		return st;
	}
	e = find_image_key(F, tab, img, 0);
	if (e == NULL || sodium_memcmp(e->hash, h, 32) != 0)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "a row of %s is not one the signed log"
		                " holds (%s around the library)", table,
		                e == NULL ? "added" : "changed");
	if (st == VAULT_OK && legacy != NULL)
		*legacy = e->legacy;
	if (st == VAULT_OK && latest && tab == T_RECORDS) {
		char hk[256];
		struct rhead *rh;
		int64_t newest = 0;
		uint32_t n;

		head_key(img, hk, sizeof(hk));
		rh = rh_get(F, hk, 0);
		/* a legacy row: the newest of the record's 1.x versions */
		if (rh != NULL && e->legacy)
			head_legacy(F, img, rh, &newest, &n);
		else if (rh != NULL)
			newest = rh->version;
		if (rh == NULL || newest != img_int(img, 3))
			st = vault__err(v, VAULT_ERR_INTEGRITY, "version %lld of this record is not its"
			                " newest in the signed log (version %lld): a newer version was"
			                " removed around the library", (long long)img_int(img, 3),
			                (long long)newest);
	}
	json_decref(img);
	return st;
}

/* ---- collecting what an operation wrote -------------------------------- */

static void on_update(void *ctx, int op, const char *db, const char *table, sqlite3_int64 rowid)
{
	facts *F = ctx;
	int tab;
	size_t i;

	if (strcmp(db, "main") != 0 || (tab = table_index(table)) < 0)
		return;
	for (i = 0; i < F->nnotes; i++)
		if (F->notes[i].tab == tab && F->notes[i].rowid == rowid &&
		    F->notes[i].del == (op == SQLITE_DELETE))
			return; /* declared (a removal), or noted already (a write) */
	if (op == SQLITE_DELETE) {
		F->unexplained = 1;
		return;
	}
	if (F->nnotes == F->notecap) {
		size_t nc = F->notecap ? F->notecap * 2 : 32;
		noted *n = realloc(F->notes, nc * sizeof(*n));

		if (n == NULL) {
			F->unexplained = 1; /* take() refuses: nothing goes unstated */
			return;
		}
		F->notes = n;
		F->notecap = nc;
	}
	F->notes[F->nnotes].tab = tab;
	F->notes[F->nnotes].rowid = rowid;
	F->notes[F->nnotes].del = 0;
	F->notes[F->nnotes].delkey = NULL;
	F->nnotes++;
	if (F->nmine == F->minecap) {
		size_t nc = F->minecap ? F->minecap * 2 : 32;
		struct mine *m = realloc(F->mine, nc * sizeof(*m));

		if (m == NULL) {
			F->unexplained = 1;
			return;
		}
		F->mine = m;
		F->minecap = nc;
	}
	F->mine[F->nmine].tab = tab;
	F->mine[F->nmine].rowid = rowid;
	F->nmine++;
}

vault_status vault__facts_note_delete(vault *v, const char *table, const char *where,
                                      const char *a1, const char *a2)
{
	facts *F = v->facts;
	int tab = table_index(table);
	char sql[1024], *base;
	sqlite3_stmt *s = NULL;
	vault_status st;
	int rc;

	if (F == NULL)
		return VAULT_OK;
	if (tab < 0)
		return vault__err(v, VAULT_ERR_STATE, "no such table of facts");
	base = select_sql(&tables[tab], where);
	if (base == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	/* the rowid last, after the image's columns */
	snprintf(sql, sizeof(sql), "SELECT rowid, %s", base + strlen("SELECT "));
	free(base);
	st = vault__prepare(v, sql, &s);
	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, a1);
	if (a2 != NULL)
		vault__bind_text(s, 2, a2);
	while (st == VAULT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* columns shifted by one: image from a copy of the row */
		const ftable *t = &tables[tab];
		json_t *k = json_array();
		int i;

		for (i = 0; i < t->nkey && k != NULL; i++) {
			int type = sqlite3_column_type(s, i + 1);
			json_t *x;

			if ((t->hashed & H(i)) || type == SQLITE_BLOB)
				x = hashed_value(sqlite3_column_blob(s, i + 1),
				                 (size_t)sqlite3_column_bytes(s, i + 1));
			else if (type == SQLITE_INTEGER)
				x = json_integer(sqlite3_column_int64(s, i + 1));
			else
				x = json_stringn((const char *)sqlite3_column_text(s, i + 1),
				                 (size_t)sqlite3_column_bytes(s, i + 1));
			if (x == NULL || json_array_append_new(k, x) != 0) {
				json_decref(k);
				k = NULL;
			}
		}
		if (k == NULL || (F->nnotes == F->notecap &&
		                  (F->notes = realloc(F->notes, (F->notecap = F->notecap ? F->notecap * 2 : 32) *
		                                                    sizeof(*F->notes))) == NULL)) {
			json_decref(k);
			F->nnotes = 0;
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			break;
		}
		F->notes[F->nnotes].tab = tab;
		F->notes[F->nnotes].rowid = sqlite3_column_int64(s, 0);
		F->notes[F->nnotes].del = 1;
		F->notes[F->nnotes].delkey = k;
		F->nnotes++;
	}
	if (st == VAULT_OK && rc != SQLITE_DONE)
		st = vault__sql_status(v, rc, table);
	sqlite3_finalize(s);
	return st;
}

void vault__facts_discard(vault *v)
{
	if (v->facts != NULL) {
		notes_clear(v->facts);
		json_decref(v->facts->taken);
		v->facts->taken = NULL;
	}
}

vault_status vault__facts_take(vault *v, char **text)
{
	facts *F = v->facts;
	json_t *o = NULL, *arr;
	vault_status st = VAULT_OK;
	size_t i;

	*text = NULL;
	if (F != NULL) {
		json_decref(F->taken);
		F->taken = NULL;
	}
	if (F == NULL || F->nnotes == 0) {
		if (F != NULL && F->unexplained) {
			notes_clear(F);
			return vault__err(v, VAULT_ERR_STATE, "a row of facts was removed without"
			                  " its statement");
		}
		return VAULT_OK;
	}
	if (F->unexplained) {
		notes_clear(F);
		return vault__err(v, VAULT_ERR_STATE, "a row of facts was removed without its"
		                  " statement");
	}
	arr = json_array();
	o = arr ? json_pack("{sisO}", "v", 1, "s", arr) : NULL;
	json_decref(arr);
	for (i = 0; o != NULL && i < F->nnotes && st == VAULT_OK; i++) {
		noted *n = &F->notes[i];
		const ftable *t = &tables[n->tab];
		json_t *stmt = NULL;

		if (n->del) {
			stmt = json_pack("{sssOsb}", "t", t->name, "k", n->delkey, "d", 1);
		} else {
			sqlite3_stmt *s = NULL;
			int rc;

			st = vault__stmt_dyn(v, n->tab, row_by_rowid_sql, &s);
			if (st != VAULT_OK)
				break;
			sqlite3_bind_int64(s, 1, n->rowid);
			rc = sqlite3_step(s);
			if (rc == SQLITE_ROW) {
				json_t *img = row_image(t, s);

				stmt = img ? json_pack("{sssO}", "t", t->name, "r", img) : NULL;
				json_decref(img);
			} else if (rc != SQLITE_DONE) {
				st = vault__sql_status(v, rc, t->name);
			} else {
				/* written, then removed by the same operation */
				sqlite3_reset(s);
				continue;
			}
			sqlite3_reset(s);
			if (st != VAULT_OK)
				break;
		}
		if (stmt == NULL || json_array_append_new(json_object_get(o, "s"), stmt) != 0)
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	notes_clear(F);
	if (st == VAULT_OK && o == NULL)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (st == VAULT_OK && json_array_size(json_object_get(o, "s")) > 0) {
		size_t len = 0;

		/* exactly the tree's text: what goes into the log is what the
		 * statements here become (dump_exact) */
		*text = dump_exact(o, &len);
		json_decref(F->taken);
		F->taken = *text ? json_incref(o) : NULL;
		if (*text == NULL)
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		else if (len > FACT_MAX) {
			free(*text);
			*text = NULL;
			st = vault__err(v, VAULT_ERR_INVALID, "the operation changes too many rows"
			                " for one audit entry");
		}
	}
	json_decref(o);
	return st;
}

vault_status vault__facts_own(vault *v, const audit_rec *r)
{
	facts *F = v->facts;
	struct own *o;

	if (F == NULL)
		return VAULT_OK;
	if (r->ts > F->own_ts_hi)
		F->own_ts_hi = r->ts; /* applied with the others at commit */
	if (r->fact == NULL || r->fact[0] == '\0') {
		json_decref(F->taken);
		F->taken = NULL;
		return VAULT_OK;
	}
	if (F->nown == F->owncap) {
		size_t nc = F->owncap ? F->owncap * 2 : 8;
		struct own *n = realloc(F->own, nc * sizeof(*n));

		if (n == NULL)
			return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		F->own = n;
		F->owncap = nc;
	}
	o = &F->own[F->nown];
	o->seq = r->seq;
	o->ts = r->ts;
	o->actor = strdup(r->actor);
	o->action = strdup(r->action ? r->action : "");
	o->case_id = strdup(r->case_id ? r->case_id : "");
	o->high = r->high;
	o->fact = strdup(r->fact);
	o->stmts = F->taken; /* the tree its text was made from, or NULL */
	F->taken = NULL;
	if (o->actor == NULL || o->action == NULL || o->case_id == NULL || o->fact == NULL) {
		free(o->actor);
		free(o->action);
		free(o->case_id);
		free(o->fact);
		json_decref(o->stmts);
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	F->nown++;
	return VAULT_OK;
}

static void own_drop(facts *F, size_t from)
{
	size_t i;

	for (i = from; i < F->nown; i++) {
		free(F->own[i].actor);
		free(F->own[i].action);
		free(F->own[i].case_id);
		free(F->own[i].fact);
		json_decref(F->own[i].stmts);
	}
	F->nown = from < F->nown ? from : F->nown;
}

/* Our transaction committed: its statements are facts now, judged as a
 * replay would judge them. */
void vault__facts_commit(vault *v)
{
	facts *F = v->facts;
	size_t i;
	vault_status st = VAULT_OK;

	if (F == NULL)
		return;
	F->nmine = 0;
	/* Every entry after the log's length at the start of our transaction
	 * is ours (we held the write lock): those without statements are
	 * accounted for as they are. */
	if (!F->dirty && F->applied < F->txn_head)
		F->dirty = 1; /* entries we have not replayed came first */
	for (i = 0; i < F->nown && st == VAULT_OK; i++) {
		audit_rec r;

		if (F->dirty)
			break;
		if (F->own[i].seq <= F->applied) {
			F->dirty = 1;
			break;
		}
		F->applied = F->own[i].seq - 1;
		memset(&r, 0, sizeof(r));
		r.seq = F->own[i].seq;
		r.ts = F->own[i].ts;
		r.actor = F->own[i].actor;
		r.action = F->own[i].action;
		r.high = F->own[i].high;
		r.case_id = F->own[i].case_id;
		r.outcome = "ok";
		r.fact = F->own[i].fact;
		st = apply_entry(v, F, &r, 1, F->own[i].stmts);
		if (st == VAULT_OK)
			F->applied = r.seq;
		else
			F->dirty = 1; /* replayed, and reported, at the next use */
	}
	if (!F->dirty && v->head_known && v->head_seq > F->applied)
		F->applied = v->head_seq; /* our entries after the last statement */
	if (v->head_known && v->head_seq > F->verified) {
		F->own_seq = v->head_seq;
		memcpy(F->own_hash, v->head_hash, 32);
	}
	if (v->head_known && v->head_seq > F->floor_seq) {
		F->floor_seq = v->head_seq;
		memcpy(F->floor_hash, v->head_hash, 32);
		/* the tree our appends extended (from the verifier's, audit_tree.c) */
		F->floor_tree = v->tree;
		F->floor_tree_ok = v->tree_known && v->tree.size == v->head_seq &&
		                   sodium_memcmp(v->tree_head, v->head_hash, 32) == 0;
	}
	F->committed = 1;
	if (!F->dirty && F->own_ts_hi > F->ts_hi)
		F->ts_hi = F->own_ts_hi; /* those without statements count too */
	F->own_ts_hi = 0;
	own_drop(F, 0);
}

/* Something was rolled back (the whole transaction, or one operation's
 * savepoint): our entries that are gone from the log take their
 * statements with them. */
void vault__facts_reset(vault *v)
{
	facts *F = v->facts;
	sqlite3_stmt *s;
	uint64_t head = 0;
	size_t keep = 0;

	if (F == NULL)
		return;
	notes_clear(F);
	json_decref(F->taken);
	F->taken = NULL;
	F->own_ts_hi = 0; /* the entries left are stamped no later than the next */
	if (F->nown == 0)
		return;
	if (v->db != NULL && sqlite3_get_autocommit(v->db) == 0 &&
	    sqlite3_prepare_v2(v->db, "SELECT max(seq) FROM audit", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			head = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	while (keep < F->nown && F->own[keep].seq <= head)
		keep++;
	own_drop(F, keep);
	if (keep == 0)
		F->nmine = 0;
}

/* ---- starting, syncing -------------------------------------------------- */

static int64_t data_version(vault *v)
{
	sqlite3_stmt *s;
	int64_t dv = -1;

	if (sqlite3_prepare_v2(v->db, "PRAGMA data_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		dv = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return dv;
}

/* ---- the user's sealed cache --------------------------------------------
 * (facts.h, vault__facts_save; the file: lib/facts_cache.c)
 *
 *   head:  {"v":1,"lib":"<library version>","n":N,"verifier":{...},
 *           "s":[legacy_n, legacy_seq, applied_any, added_by_other],
 *           "g":[rows of each global table], "e":[fact...], "c":[case...]}
 *     fact: [table, key hex, image hash hex, image or null, case or null,
 *            legacy, ts, seq, seq_last] (every fact but record versions)
 *     case: [id, [facts of each table], [keys of its grants, consents and
 *            windows], digest hex of its part or null]
 *   c:<case>:<16 hex of the digest>:
 *          {"v":1,"case":"<id>","e":[[key hex, hash hex, legacy, ts, seq,
 *            seq_last]...],"rh":[[head key, newest version, versions]...]}
 *
 * Texts are compact dumps, parsed once and dumped back to be sure of the
 * tree (parse_statements).  A cache of another library version is not read:
 * a new version judges the whole log again, once. */

#define CACHE_FORMAT 3 /* 2: indicators kept parsed; 3: facts judged by the replay's rules of
                        * the seventh and eighth insider reviews (made again from the log) */

static void cache_lib(char out[32])
{
	snprintf(out, 32, "%d.%d.%d", VAULT_VERSION_MAJOR, VAULT_VERSION_MINOR,
	         VAULT_VERSION_PATCH);
}

static json_t *hex_json(const unsigned char h[32])
{
	char x[65];

	vault__hex(h, 32, x);
	return json_string(x);
}

static int hex_ok(const char *x)
{
	return x != NULL && strlen(x) == 64 && strspn(x, "0123456789abcdef") == 64;
}

static int from_hex(json_t *j, unsigned char out[32])
{
	const char *x = json_string_value(j);
	size_t len = 0;

	return hex_ok(x) && sodium_hex2bin(out, 32, x, 64, NULL, &len, NULL) == 0 && len == 32;
}

static json_t *cache_parse(const unsigned char *text, size_t len)
{
	json_t *o = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, NULL);

	if (o != NULL && (!json_is_object(o) || !dumps_to(o, (const char *)text, len))) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static void part_name(const fcase *c, char *out, size_t cap)
{
	char x[65];

	vault__hex(c->digest, 32, x);
	snprintf(out, cap, "c:%s:%.16s", c->id, x);
}

/* A fact of the cache into the set: fresh, well-formed, of table `want`
 * (-1: any but records). */
static int load_fact(facts *F, json_t *x, int want, const char *case_id)
{
	/* key and hash at k, k + 1; legacy, ts, seq, seq_last from m */
	int rec = want == T_RECORDS, k = rec ? 0 : 1, m = rec ? 2 : 5;
	int tab = rec ? T_RECORDS : (int)img_int(x, 0);
	const char *hex = img_str(x, k), *cid = rec ? case_id : img_str(x, 4);
	json_t *img = rec ? NULL : json_array_get(x, 3);
	char key[KEY_BUF];
	fentry *e;
	int fresh = 0;

	if (!json_is_array(x) || json_array_size(x) != (rec ? 6u : 9u) || tab < 0 ||
	    tab >= T__COUNT || (!rec && tab == T_RECORDS) || !hex_ok(hex) ||
	    (tables[tab].case_col >= 0) != (cid != NULL) ||
	    (!rec && (tables[tab].keep ? !image_ok(&tables[tab], img, 0) : !json_is_null(img))))
		return -1;
	snprintf(key, sizeof(key), "%s\x1f%s", tables[tab].name, hex);
	e = fe_slot(F, key, &fresh);
	if (e == NULL || !fresh)
		return -1;
	e->tab = tab;
	e->legacy = (int)img_int(x, m);
	e->ts = img_int(x, m + 1);
	e->seq = (uint64_t)img_int(x, m + 2);
	e->seq_last = (uint64_t)img_int(x, m + 3);
	e->img = json_incref(img);
	e->case_id = cid ? strdup(cid) : NULL;
	if (!from_hex(json_array_get(x, (size_t)k + 1), e->hash) || (cid && e->case_id == NULL)) {
		fe_clear(e);
		e->dead = 1;
		return -1;
	}
	return 0;
}

/* The head: everything but the cases' record versions.  VAULT_OK, or
 * VAULT_ERR_NOT_FOUND when there is none fit to read (the caller reads the
 * log from its start), VAULT_ERR_NOMEM. */
static vault_status cache_load_head(vault *v, facts *F)
{
	unsigned char *text = NULL, last[32];
	json_t *o, *x, *ver, *sc;
	char lib[32];
	const char *b64;
	size_t len = 0, i;
	json_int_t n;
	sqlite3_stmt *q = NULL;
	vault_status st;
	int ok;

	/* Keys she did not make herself (her first passphrase, chosen by
	 * someone else, who knows them) seal nothing she may trust. */
	if (v->must_change)
		return VAULT_ERR_NOT_FOUND;
	if (F->cache == NULL && vault__fcache_open(v, 0, &F->cache) != VAULT_OK)
		return VAULT_ERR_NOT_FOUND;
	st = vault__fcache_get(v, F->cache, "head", &text, &len);
	if (st != VAULT_OK)
		return st == VAULT_ERR_NOMEM ? st : VAULT_ERR_NOT_FOUND;
	o = cache_parse(text, len);
	free(text);
	if (o == NULL)
		return VAULT_ERR_NOT_FOUND;
	cache_lib(lib);
	n = json_integer_value(json_object_get(o, "n"));
	ver = json_object_get(o, "verifier");
	sc = json_object_get(o, "s");
	b64 = json_string_value(json_object_get(ver, "last"));
	ok = json_integer_value(json_object_get(o, "v")) == CACHE_FORMAT &&
	     json_is_string(json_object_get(o, "lib")) &&
	     strcmp(json_string_value(json_object_get(o, "lib")), lib) == 0 && n > 0 &&
	     json_integer_value(json_object_get(ver, "entries")) == n && b64 != NULL &&
	     sodium_base642bin(last, 32, b64, strlen(b64), NULL, &len, NULL,
	                       sodium_base64_VARIANT_ORIGINAL) == 0 && len == 32 &&
	     json_array_size(sc) == 5 && json_array_size(json_object_get(o, "g")) == T__COUNT;
	/* The log must still hold the entry it was made at, as it was then:
	 * the entries after it are read, verified, from there. */
	if (ok && vault__prepare(v, "SELECT hash FROM audit WHERE seq = ?1", &q) == VAULT_OK) {
		sqlite3_bind_int64(q, 1, n);
		ok = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == 32 &&
		     sodium_memcmp(sqlite3_column_blob(q, 0), last, 32) == 0;
	} else {
		ok = 0;
	}
	sqlite3_finalize(q);
	st = ok ? vault__audit_verifier_load(F->av, ver) : VAULT_ERR_NOT_FOUND;
	json_array_foreach(json_object_get(o, "e"), i, x)
		if (st == VAULT_OK && load_fact(F, x, -1, NULL) != 0)
			st = VAULT_ERR_NOT_FOUND;
	json_array_foreach(json_object_get(o, "c"), i, x) {
		json_t *cnt = json_array_get(x, 1), *pk = json_array_get(x, 2), *y;
		const char *id = img_str(x, 0);
		fcase *c;
		size_t j;

		if (st != VAULT_OK)
			break;
		if (id == NULL || json_array_size(x) != 4 || json_array_size(cnt) != T__COUNT ||
		    !json_is_array(pk) || (c = fc_get(F, id, 1)) == NULL || c->npk > 0 ||
		    c->has_part) {
			st = VAULT_ERR_NOT_FOUND;
			break;
		}
		for (j = 0; j < T__COUNT; j++)
			c->count[j] = (uint32_t)json_integer_value(json_array_get(cnt, j));
		c->has_part = !json_is_null(json_array_get(x, 3));
		if (c->has_part && !from_hex(json_array_get(x, 3), c->digest))
			st = VAULT_ERR_NOT_FOUND;
		c->loaded = !c->has_part;
		c->pk = calloc(json_array_size(pk) + 1, sizeof(char *));
		c->pkcap = json_array_size(pk) + 1;
		if (c->pk == NULL) {
			st = VAULT_ERR_NOMEM;
			break;
		}
		json_array_foreach(pk, j, y) {
			fentry *e = json_string_value(y) ? fe_find(F, json_string_value(y)) : NULL;

			/* each a fact of this case, of a table the replay reads so */
			if (e == NULL || e->case_id == NULL || strcmp(e->case_id, id) != 0 ||
			    (e->tab != T_GRANTS && e->tab != T_CONSENTS && e->tab != T_BREAKGLASS) ||
			    (c->pk[c->npk] = strdup(e->key)) == NULL) {
				st = VAULT_ERR_NOT_FOUND;
				break;
			}
			c->npk++;
		}
	}
	for (i = 0; st == VAULT_OK && i < T__COUNT; i++)
		F->gcount[i] = (uint32_t)json_integer_value(json_array_get(json_object_get(o, "g"), i));
	if (st == VAULT_OK) {
		F->legacy_n = (uint64_t)img_int(sc, 0);
		F->legacy_seq = (uint64_t)img_int(sc, 1);
		F->applied_any = img_int(sc, 2) != 0;
		F->added_by_other = img_int(sc, 3) != 0;
		F->ts_hi = img_int(sc, 4);
		F->verified = F->applied = F->snap_n = F->load_n = (uint64_t)n;
		vault_audit_verifier_root(F->av, F->load_root);
	}
	json_decref(o);
	return st == VAULT_ERR_NOMEM ? st : st != VAULT_OK ? VAULT_ERR_NOT_FOUND : VAULT_OK;
}

/* A case's record versions, from its part, at the first need. */
static vault_status need_records(vault *v, facts *F, const char *case_id)
{
	fcase *c = case_id ? fc_get(F, case_id, 0) : NULL;
	unsigned char *text = NULL, d[32];
	char part[VAULT_ID_BUFSIZE + 24];
	json_t *o = NULL, *x;
	size_t len = 0, i;
	vault_status st;

	if (c == NULL || c->loaded)
		return VAULT_OK;
	part_name(c, part, sizeof(part));
	st = F->cache ? vault__fcache_get(v, F->cache, part, &text, &len) : VAULT_ERR_NOT_FOUND;
	if (st == VAULT_OK) {
		crypto_generichash(d, 32, text, len, NULL, 0);
		o = sodium_memcmp(d, c->digest, 32) == 0 ? cache_parse(text, len) : NULL;
		st = o != NULL && json_integer_value(json_object_get(o, "v")) == CACHE_FORMAT &&
		             json_is_string(json_object_get(o, "case")) &&
		             strcmp(json_string_value(json_object_get(o, "case")), case_id) == 0
		         ? VAULT_OK
		         : VAULT_ERR_NOT_FOUND;
	}
	free(text);
	json_array_foreach(json_object_get(o, "e"), i, x)
		if (st == VAULT_OK && load_fact(F, x, T_RECORDS, case_id) != 0)
			st = VAULT_ERR_NOT_FOUND;
	json_array_foreach(json_object_get(o, "rh"), i, x) {
		const char *k = img_str(x, 0);
		size_t cl = strlen(case_id);
		struct rhead *h;

		if (st != VAULT_OK)
			break;
		if (k == NULL || json_array_size(x) != 3 || strncmp(k, case_id, cl) != 0 ||
		    k[cl] != '\x1f' || (h = rh_get(F, k, 1)) == NULL || h->n != 0) {
			st = VAULT_ERR_NOT_FOUND;
			break;
		}
		h->version = img_int(x, 1);
		h->n = (uint32_t)img_int(x, 2);
		if (h->n > 0)
			heads_bump(F, k, 1);
	}
	json_decref(o);
	if (st != VAULT_OK) {
		/* the set is half made: the log alone, from its start (rebuild) */
		F->cache_bad = 1;
		return vault__err(v, VAULT_ERR_INTEGRITY, "the facts %s's cache holds of case %s"
		                  " cannot be read: the log is read again", v->user, case_id);
	}
	c->loaded = 1;
	return VAULT_OK;
}

static json_t *fact_json(const fentry *e)
{
	const char *hex = strchr(e->key, '\x1f');

	if (e->tab == T_RECORDS)
		return json_pack("[s o i I I I]", hex + 1, hex_json(e->hash), e->legacy,
		                 (json_int_t)e->ts, (json_int_t)e->seq, (json_int_t)e->seq_last);
	return json_pack("[i s o O s? i I I I]", e->tab, hex + 1, hex_json(e->hash),
	                 e->img ? e->img : json_null(), e->case_id, e->legacy, (json_int_t)e->ts,
	                 (json_int_t)e->seq, (json_int_t)e->seq_last);
}

/* The parts of the cases whose record versions changed since their part
 * was made (or that have none), collected in one pass over the set. */
static vault_status collect_parts(facts *F)
{
	size_t i;

	for (i = 0; i < F->ccap; i++) {
		fcase *c = &F->c[i];

		if (c->id != NULL && c->loaded && (c->rdirty || !c->has_part)) {
			c->tmp_e = json_array();
			c->tmp_rh = json_array();
			if (c->tmp_e == NULL || c->tmp_rh == NULL)
				return VAULT_ERR_NOMEM;
		}
	}
	for (i = 0; i < F->cap; i++) {
		fentry *e = &F->e[i];
		fcase *c;

		if (e->key == NULL || e->dead || e->tab != T_RECORDS)
			continue;
		c = fc_get(F, e->case_id, 0);
		if (c != NULL && c->tmp_e != NULL && json_array_append_new(c->tmp_e, fact_json(e)) != 0)
			return VAULT_ERR_NOMEM;
	}
	for (i = 0; i < F->rcap; i++) {
		struct rhead *h = &F->rh[i];
		char id[VAULT_ID_BUFSIZE];
		const char *sep = h->key ? strchr(h->key, '\x1f') : NULL;
		fcase *c;

		if (sep == NULL || (size_t)(sep - h->key) >= sizeof(id))
			continue;
		memcpy(id, h->key, (size_t)(sep - h->key));
		id[sep - h->key] = '\0';
		c = fc_get(F, id, 0);
		if (c != NULL && c->tmp_rh != NULL &&
		    json_array_append_new(c->tmp_rh, json_pack("[s I i]", h->key, (json_int_t)h->version,
		                                               (int)h->n)) != 0)
			return VAULT_ERR_NOMEM;
	}
	return VAULT_OK;
}

static json_t *head_json(facts *F)
{
	json_t *o = NULL, *ver = NULL, *fs = json_array(), *cs = json_array(), *g = json_array();
	char lib[32];
	size_t i;
	int j, bad = fs == NULL || cs == NULL || g == NULL;

	for (i = 0; !bad && i < F->cap; i++) {
		fentry *e = &F->e[i];

		if (e->key != NULL && !e->dead && e->tab != T_RECORDS)
			bad = json_array_append_new(fs, fact_json(e)) != 0;
	}
	for (i = 0; !bad && i < F->ccap; i++) {
		fcase *c = &F->c[i];
		json_t *cnt = json_array(), *pk = json_array();
		size_t k;

		if (c->id == NULL) {
			json_decref(cnt);
			json_decref(pk);
			continue;
		}
		bad = cnt == NULL || pk == NULL;
		for (j = 0; !bad && j < T__COUNT; j++)
			bad = json_array_append_new(cnt, json_integer(c->count[j])) != 0;
		for (k = 0; !bad && k < c->npk; k++)
			bad = json_array_append_new(pk, json_string(c->pk[k])) != 0;
		if (bad) {
			json_decref(cnt);
			json_decref(pk);
			break;
		}
		bad = json_array_append_new(cs, json_pack("[s o o o]", c->id, cnt, pk,
		                                          c->has_part ? hex_json(c->digest)
		                                                      : json_null())) != 0;
	}
	for (j = 0; !bad && j < T__COUNT; j++)
		bad = json_array_append_new(g, json_integer(F->gcount[j])) != 0;
	cache_lib(lib);
	if (!bad && vault__audit_verifier_save(F->av, &ver) == VAULT_OK)
		o = json_pack("{s:i s:s s:I s:o s:[I I i i I] s:O s:O s:O}", "v", CACHE_FORMAT, "lib",
		              lib, "n", (json_int_t)F->verified, "verifier", ver, "s",
		              (json_int_t)F->legacy_n, (json_int_t)F->legacy_seq, F->applied_any,
		              F->added_by_other, (json_int_t)F->ts_hi, "g", g, "e", fs, "c", cs);
	json_decref(fs);
	json_decref(cs);
	json_decref(g);
	return o;
}

static void parts_drop(facts *F)
{
	size_t i;

	for (i = 0; i < F->ccap; i++) {
		json_decref(F->c[i].tmp_e);
		json_decref(F->c[i].tmp_rh);
		F->c[i].tmp_e = F->c[i].tmp_rh = NULL;
	}
}

vault_status vault__facts_save(vault *v)
{
	facts *F = v->facts;
	json_t *o;
	char *text;
	size_t len = 0, i;
	vault_status st;

	if (F == NULL || !F->started || F->dirty || F->nown > 0 || v->user_txn || !v->pinned ||
	    v->sec == NULL || v->db == NULL || v->must_change)
		return VAULT_OK;
	/* Our own entries are facts since their commit, but the verifier has
	 * not read them yet (nor what others appended since): it reads them
	 * now, so that its state is that of the entry the cache is made at. */
	st = catch_up(v, F);
	if (st != VAULT_OK) {
		F->dirty = 1;
		return st;
	}
	/* Only facts of signed entries, all of which are in the set. */
	if (F->applied != F->verified || F->verified == 0 || F->verified == F->snap_n)
		return VAULT_OK;
	if (F->cache == NULL && (st = vault__fcache_open(v, 1, &F->cache)) != VAULT_OK)
		return st;
	st = collect_parts(F);
	if (st == VAULT_OK)
		st = vault__fcache_exec(F->cache, "BEGIN IMMEDIATE");
	for (i = 0; st == VAULT_OK && i < F->ccap; i++) {
		fcase *c = &F->c[i];
		char part[VAULT_ID_BUFSIZE + 24];

		if (c->tmp_e == NULL)
			continue;
		if (json_array_size(c->tmp_e) == 0 && json_array_size(c->tmp_rh) == 0) {
			c->has_part = 0; /* no record versions: nothing to keep */
			c->rdirty = 0;
			continue;
		}
		o = json_pack("{s:i s:s s:O s:O}", "v", CACHE_FORMAT, "case", c->id, "e", c->tmp_e,
		              "rh", c->tmp_rh);
		text = o ? dump_exact(o, &len) : NULL;
		json_decref(o);
		if (text == NULL) {
			st = VAULT_ERR_NOMEM;
			break;
		}
		crypto_generichash(c->digest, 32, (unsigned char *)text, len, NULL, 0);
		part_name(c, part, sizeof(part));
		st = vault__fcache_put(v, F->cache, part, (unsigned char *)text, len);
		free(text);
		c->has_part = st == VAULT_OK;
		c->rdirty = st != VAULT_OK;
	}
	parts_drop(F);
	o = st == VAULT_OK ? head_json(F) : NULL;
	text = o ? dump_exact(o, &len) : NULL;
	json_decref(o);
	if (st == VAULT_OK && text == NULL)
		st = VAULT_ERR_NOMEM;
	if (st == VAULT_OK)
		st = vault__fcache_put(v, F->cache, "head", (unsigned char *)text, len);
	free(text);
	/* the parts the head does not name (made before, or by another handle
	 * of hers whose head this one replaced) */
	if (st == VAULT_OK)
		st = vault__fcache_exec(F->cache, "CREATE TEMP TABLE IF NOT EXISTS keep(name TEXT);"
		                                  " DELETE FROM keep");
	for (i = 0; st == VAULT_OK && i < F->ccap; i++) {
		char part[VAULT_ID_BUFSIZE + 24], *sql;

		if (F->c[i].id == NULL || !F->c[i].has_part)
			continue;
		part_name(&F->c[i], part, sizeof(part));
		sql = sqlite3_mprintf("INSERT INTO keep VALUES(%Q)", part);
		st = sql ? vault__fcache_exec(F->cache, sql) : VAULT_ERR_NOMEM;
		sqlite3_free(sql);
	}
	if (st == VAULT_OK)
		st = vault__fcache_exec(F->cache, "DELETE FROM parts WHERE name <> 'head' AND name"
		                                  " NOT IN (SELECT name FROM keep); COMMIT");
	if (st != VAULT_OK)
		(void)vault__fcache_exec(F->cache, "ROLLBACK");
	else
		F->snap_n = F->verified;
	return st;
}

void vault__facts_rekeying(vault *v)
{
	facts *F = v->facts;
	size_t i;

	if (F == NULL)
		return;
	/* every part the cache holds, read under the old key while it is
	 * still the handle's; a part that cannot be read leaves the set half
	 * made, and the next use reads the log again */
	for (i = 0; i < F->ccap && !F->dirty; i++)
		if (F->c[i].id != NULL && need_records(v, F, F->c[i].id) != VAULT_OK)
			F->dirty = 1;
	v->errmsg[0] = '\0';
	for (i = 0; i < F->ccap; i++) {
		F->c[i].has_part = 0;
		F->c[i].rdirty = 1;
	}
	vault__fcache_close(F->cache);
	F->cache = NULL;
	vault__fcache_remove(v);
	F->snap_n = 0;
}

/* Entries 1..upto pushed through a verifier of their own. */
typedef struct whole_run {
	audit_verifier *av;
	uint64_t upto;
	unsigned char (*h)[16];
	size_t n, cap;
} whole_run;

static vault_status whole_push(vault *v, const audit_rec *r, void *ctx)
{
	whole_run *w = ctx;
	vault_verify_result res;
	vault_status st;

	if (r->seq > w->upto)
		return VAULT_ERR_STATE; /* read far enough: the caller stops here */
	memset(&res, 0, sizeof(res));
	st = vault_audit_verifier_push(w->av, r, &res);
	if (st == VAULT_ERR_NOMEM)
		return vault__err(v, st, "out of memory");
	if (st != VAULT_OK)
		return vault__err(v, VAULT_ERR_INTEGRITY, "the audit log does not verify: %s",
		                  res.reason);
	/* kept aside: they count once the whole prefix made the right tree */
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 1024;
		unsigned char(*n)[16] = realloc(w->h, nc * sizeof(*n));

		if (n == NULL)
			return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		w->h = n;
		w->cap = nc;
	}
	memcpy(w->h[w->n++], r->hash, 16);
	return VAULT_OK;
}

vault_status vault__facts_log_whole(vault *v)
{
	facts *F = v->facts;
	unsigned char mine[TLOG_HASH], again[TLOG_HASH];
	whole_run w;
	vault_status st;
	size_t i;

	/* read from the log alone, every entry was verified by this handle */
	if (F == NULL || !F->from_cache || F->whole)
		return VAULT_OK;
	/* the entries after the cache were verified by this handle's replay */
	memset(&w, 0, sizeof(w));
	w.upto = F->load_n;
	st = vault_audit_verifier_new(v->pinned ? v->pinned_id : NULL, &w.av);
	if (st != VAULT_OK)
		return vault__err(v, st, "out of memory");
	if (F->trust_size > 0 && F->trust_size <= w.upto)
		(void)vault__audit_verifier_trust(w.av, F->trust_size, F->trust_root);
	st = vault__audit_each_after(v, 0, whole_push, &w);
	if (st == VAULT_ERR_STATE)
		st = VAULT_OK;
	/* the same entries as those the facts come from: the same tree */
	if (st == VAULT_OK) {
		vault_audit_verifier_root(w.av, again);
		memcpy(mine, F->load_root, TLOG_HASH);
		if (sodium_memcmp(mine, again, TLOG_HASH) != 0)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "the audit log's entries up to %llu are"
			                " not those %s's library verified before (rewritten)",
			                (unsigned long long)w.upto, v->user);
	}
	vault_audit_verifier_free(w.av);
	for (i = 0; st == VAULT_OK && i < w.n; i++)
		if (vh_put(F, i + 1, w.h[i]) != 0)
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	free(w.h);
	if (st == VAULT_OK) {
		F->vh_from = 1;
		F->whole = 1;
	}
	return st;
}

vault_status vault__facts_entry_shown(vault *v, const audit_rec *r, int shown)
{
	facts *F = v->facts;
	unsigned char h[32];
	vault_status st;

	if (F == NULL || !F->started)
		return vault__err(v, VAULT_ERR_STATE, "the facts are not loaded");
	st = vault__facts_log_whole(v);
	/* newer than what the handle verified (its own entries among them) */
	if (st == VAULT_OK && r->seq > F->vh_hi && (st = catch_up(v, F)) != VAULT_OK)
		F->dirty = 1;
	if (st != VAULT_OK)
		return st;
	if (r->seq < F->vh_from || r->seq > F->vh_hi)
		return vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu is not one this handle"
		                  " verified", (unsigned long long)r->seq);
	/* its fields (prev and key among them), then what is shown beside
	 * them and not hashed: the stored hash, the signature */
	if (vault_audit_rec_hash(r, h) != VAULT_OK || sodium_memcmp(h, F->vh[r->seq - 1], 16) != 0 ||
	    (shown && (sodium_memcmp(h, r->hash, 32) != 0 ||
	               (r->has_sig && crypto_sign_verify_detached(r->sig, h, 32, r->key) != 0))))
		return vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu was rewritten around the"
		                  " library after this handle verified it",
		                  (unsigned long long)r->seq);
	return VAULT_OK;
}

/* ---- the fingerprint of the set (tests: the cache gives what the log gives) */

typedef struct lines {
	char **l;
	size_t n, cap;
	int oom;
} lines;

static void line_add(lines *L, char *s)
{
	if (s == NULL || L->oom) {
		L->oom = 1;
		free(s);
		return;
	}
	if (L->n == L->cap) {
		size_t nc = L->cap ? L->cap * 2 : 256;
		char **n = realloc(L->l, nc * sizeof(*n));

		if (n == NULL) {
			L->oom = 1;
			free(s);
			return;
		}
		L->l = n;
		L->cap = nc;
	}
	L->l[L->n++] = s;
}

static char *json_line(const char *tag, json_t *o)
{
	size_t len = 0;
	char *t = o ? dump_exact(o, &len) : NULL, *out = NULL;

	json_decref(o);
	if (t != NULL && (out = malloc(strlen(tag) + len + 2)) != NULL)
		snprintf(out, strlen(tag) + len + 2, "%s %s", tag, t);
	free(t);
	return out;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

vault_status vault__facts_fingerprint(vault *v, unsigned char out[32])
{
	facts *F = v->facts;
	crypto_generichash_state hs;
	lines L = {NULL, 0, 0, 0};
	json_t *ver = NULL, *users;
	vault_status st = VAULT_OK;
	size_t i, j;

	if (F == NULL)
		return VAULT_ERR_STATE;
	for (i = 0; i < F->ccap && st == VAULT_OK; i++)
		if (F->c[i].id != NULL)
			st = need_records(v, F, F->c[i].id);
	if (st != VAULT_OK)
		return st;
	for (i = 0; i < F->cap; i++) {
		fentry *e = &F->e[i];

		if (e->key != NULL && !e->dead)
			line_add(&L, json_line(e->key, json_pack("[o s? I I I i]", fact_json(e),
			                                         e->case_id, (json_int_t)e->ts,
			                                         (json_int_t)e->seq,
			                                         (json_int_t)e->seq_last, e->legacy)));
	}
	for (i = 0; i < F->rcap; i++)
		if (F->rh[i].key != NULL)
			line_add(&L, json_line("rh", json_pack("[s I i]", F->rh[i].key,
			                                       (json_int_t)F->rh[i].version,
			                                       (int)F->rh[i].n)));
	for (i = 0; i < F->ccap; i++) {
		fcase *c = &F->c[i];
		json_t *a = json_array();
		char **pk = c->npk ? malloc(c->npk * sizeof(char *)) : NULL;

		if (c->id == NULL) {
			json_decref(a);
			free(pk);
			continue;
		}
		if (c->npk > 0 && pk == NULL)
			L.oom = 1;
		for (j = 0; pk != NULL && j < c->npk; j++)
			pk[j] = c->pk[j];
		if (pk != NULL)
			qsort(pk, c->npk, sizeof(char *), line_cmp);
		for (j = 0; a != NULL && j < T__COUNT; j++)
			json_array_append_new(a, json_integer(c->count[j]));
		for (j = 0; a != NULL && pk != NULL && j < c->npk; j++)
			json_array_append_new(a, json_string(pk[j]));
		free(pk);
		line_add(&L, json_line(c->id, a));
	}
	for (i = 0; i < T__COUNT; i++)
		line_add(&L, json_line("g", json_pack("[i I]", (int)i, (json_int_t)F->gcount[i])));
	/* not how far the log was read: two opens one after the other differ
	 * by the first one's entries, which state nothing */
	line_add(&L, json_line("s", json_pack("[I I i i]", (json_int_t)F->legacy_n,
	                                      (json_int_t)F->legacy_seq, F->applied_any,
	                                      F->added_by_other)));
	/* the verifier's key history, in any order */
	if (vault__audit_verifier_save(F->av, &ver) == VAULT_OK) {
		users = json_object_get(ver, "users");
		for (i = 0; i < json_array_size(users); i++)
			line_add(&L, json_line("u", json_incref(json_array_get(users, i))));
		json_decref(ver);
	} else {
		L.oom = 1;
	}
	if (!L.oom) {
		qsort(L.l, L.n, sizeof(char *), line_cmp);
		crypto_generichash_init(&hs, NULL, 0, 32);
		for (i = 0; i < L.n; i++)
			crypto_generichash_update(&hs, (unsigned char *)L.l[i], strlen(L.l[i]) + 1);
		crypto_generichash_final(&hs, out, 32);
	}
	for (i = 0; i < L.n; i++)
		free(L.l[i]);
	free(L.l);
	return L.oom ? VAULT_ERR_NOMEM : VAULT_OK;
}

vault_status vault__facts_tree_is(vault *v, uint64_t size, const unsigned char *root)
{
	facts *F = v->facts;
	unsigned char mine[TLOG_HASH];
	vault_status st;

	if (F == NULL || !F->started)
		return vault__err(v, VAULT_ERR_STATE, "the facts are not loaded");
	/* the entries since (ours among them) through the verifier first */
	st = catch_up(v, F);
	if (st != VAULT_OK) {
		F->dirty = 1;
		return st;
	}
	if (F->verified != size)
		return vault__err(v, VAULT_ERR_STATE, "the log moved while it was read");
	vault_audit_verifier_root(F->av, mine);
	if (sodium_memcmp(mine, root, TLOG_HASH) != 0)
		return vault__err(v, VAULT_ERR_INTEGRITY, "the stored Merkle tree of entries 1..%llu"
		                  " is not the tree of the entries %s's library verified (rewritten"
		                  " around the library)", (unsigned long long)size, v->user);
	return VAULT_OK;
}

/* The entry a write is about to chain onto, as the database has it now
 * (seq, hash), must be the log this handle verified: its last verified
 * entry, or the last one its own committed transaction wrote, or one of
 * its own transaction still open (it has held the write lock since).  A
 * head row rewritten around the library after this handle read it (an
 * unsigned entry in her name, say, that her next signature would cover:
 * attack 260b), or entries cut below what it verified or wrote (its
 * floor: 260e), are VAULT_ERR_INTEGRITY; entries written since by others
 * are read through the verifier first. */
vault_status vault__facts_head_check(vault *v, uint64_t seq, const unsigned char hash[32])
{
	facts *F = v->facts;
	unsigned char last[32];
	vault_status st;

	if (F == NULL || !F->started)
		return VAULT_OK;
	if (v->user_txn && v->unsigned_entries > 0 && seq > F->txn_head)
		return VAULT_OK;
	/* below the newest entry it verified or wrote: its own last entries
	 * deleted, whose seq this write would take (attack 260e) */
	if (seq < F->floor_seq)
		return vault__err(v, VAULT_ERR_INTEGRITY, "the audit log ends at entry %llu, below"
		                  " entry %llu that this handle verified or wrote: it was cut around"
		                  " the library", (unsigned long long)seq,
		                  (unsigned long long)F->floor_seq);
	if (seq == F->floor_seq && seq > 0 && sodium_memcmp(hash, F->floor_hash, 32) != 0)
		goto rewritten;
	if (seq > F->verified && seq == F->own_seq) {
		if (sodium_memcmp(hash, F->own_hash, 32) != 0)
			goto rewritten;
		return VAULT_OK;
	}
	if (seq > F->verified) {
		st = catch_up(v, F);
		if (st != VAULT_OK) {
			F->dirty = 1;
			return st;
		}
	}
	if (seq != F->verified || vault__audit_verifier_last(F->av, last) != seq)
		return vault__err(v, VAULT_ERR_INTEGRITY, "the audit log ends at entry %llu, not at"
		                  " entry %llu that this handle verified last: it was cut around"
		                  " the library", (unsigned long long)seq,
		                  (unsigned long long)F->verified);
	if (seq == 0 || sodium_memcmp(hash, last, 32) == 0)
		return VAULT_OK;
rewritten:
	F->dirty = 1;
	return vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu, the one this write would"
	                  " follow, was rewritten around the library after this handle read it",
	                  (unsigned long long)seq);
}

uint64_t vault__facts_verified_hi(const vault *v)
{
	return v->facts != NULL ? v->facts->vh_hi : 0;
}

uint64_t vault__facts_replayed(const vault *v)
{
	return v->facts ? v->facts->replayed : 0;
}

/* Start again from nothing: the facts of entry 0. */
static vault_status reset_facts(vault *v, facts *F)
{
	vault_status st;

	facts_clear(F);
	randombytes_buf(F->sipkey, sizeof(F->sipkey));
	st = vault_audit_verifier_new(v->pinned ? v->pinned_id : NULL, &F->av);
	if (st != VAULT_OK)
		return vault__err(v, st, "out of memory");
	/* the handle's own record of the log it reads (witness.c) */
	vault__audit_verifier_keep_leaves(F->av);
	if (F->trust_size > 0)
		(void)vault__audit_verifier_trust(F->av, F->trust_size, F->trust_root);
	F->applied_any = 0;
	F->added_by_other = 0;
	return VAULT_OK;
}

/* Entries floor..upto (a cache's head) chain from the handle's floor: each
 * one's fields hash to its stored hash, the first's is the floor's, and
 * each names the one before as prev.  The cache load checked that the
 * stored hash at upto is the cache's own: so the facts it gives are of a
 * log that holds her floor entry (attacks 290a, 290b: a cache saved by
 * another handle of hers on a fork cut below it). */
struct floor_run {
	facts *F;
	uint64_t upto;
	unsigned char prev[32];
	int bad;
};

static vault_status floor_link(vault *v, const audit_rec *r, void *ctx)
{
	struct floor_run *w = ctx;
	unsigned char h[32];

	(void)v;
	if (r->seq > w->upto)
		return VAULT_ERR_STATE; /* read far enough: the caller stops here */
	if (vault_audit_rec_hash(r, h) != VAULT_OK || sodium_memcmp(h, r->hash, 32) != 0 ||
	    (r->seq == w->F->floor_seq ? sodium_memcmp(h, w->F->floor_hash, 32)
	                               : sodium_memcmp(r->prev, w->prev, 32)) != 0) {
		w->bad = 1;
		return VAULT_ERR_STATE;
	}
	memcpy(w->prev, h, 32);
	return VAULT_OK;
}

static vault_status floor_in_chain(vault *v, facts *F, uint64_t upto)
{
	struct floor_run w;
	vault_status st;

	memset(&w, 0, sizeof(w));
	w.F = F;
	w.upto = upto;
	st = vault__audit_each_after(v, F->floor_seq - 1, floor_link, &w);
	if (st == VAULT_ERR_STATE)
		st = VAULT_OK;
	if (st == VAULT_OK && w.bad)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu was rewritten around the"
		                " library after this handle verified or wrote it",
		                (unsigned long long)F->floor_seq);
	return st;
}

/* The log a rebuild read still holds the newest entry this handle verified
 * or wrote, as it was: a log cut below it, or that entry rewritten, is
 * VAULT_ERR_INTEGRITY, not facts from before it (attack 270a: her own
 * revocation cut away while her handle was open, a cache part removed so
 * that it rebuilt from the log, and the revoked organisation given her
 * next write).  Below the cache's head, the entries from it to that head
 * must chain from it (floor_in_chain). */
static vault_status floor_check(vault *v, facts *F)
{
	unsigned char last[32];
	const unsigned char *have = NULL;
	size_t n = 32;

	if (F->floor_seq == 0)
		return VAULT_OK;
	if (F->verified < F->floor_seq)
		return vault__err(v, VAULT_ERR_INTEGRITY, "the audit log ends at entry %llu, below"
		                  " entry %llu that this handle verified or wrote: it was cut around"
		                  " the library", (unsigned long long)F->verified,
		                  (unsigned long long)F->floor_seq);
	if (F->vh_hi > 0 && F->floor_seq >= F->vh_from && F->floor_seq <= F->vh_hi) {
		have = F->vh[F->floor_seq - 1];
		n = 16;
	} else if (F->floor_seq == F->verified && vault__audit_verifier_last(F->av, last) ==
	                                              F->verified) {
		have = last;
	} else if (F->from_cache && F->floor_seq <= F->load_n) {
		return floor_in_chain(v, F, F->load_n);
	}
	if (have != NULL && sodium_memcmp(have, F->floor_hash, n) != 0)
		return vault__err(v, VAULT_ERR_INTEGRITY, "audit entry %llu was rewritten around the"
		                  " library after this handle verified or wrote it",
		                  (unsigned long long)F->floor_seq);
	return VAULT_OK;
}

/* The newest entry the verifier read is this handle's floor (floor_check),
 * outside a transaction of ours whose entries are not signed yet (a
 * rollback takes those away). */
static void floor_raise(vault *v, facts *F)
{
	if (F->av == NULL || (v->user_txn && v->unsigned_entries > 0) ||
	    F->verified <= F->floor_seq)
		return;
	if (vault__audit_verifier_last(F->av, F->floor_hash) == F->verified) {
		F->floor_seq = F->verified;
		vault__audit_verifier_frontier(F->av, &F->floor_tree);
		F->floor_tree_ok = F->floor_tree.size == F->floor_seq;
	}
}

static vault_status rebuild_once(vault *v, facts *F, int from_cache)
{
	vault_status st = reset_facts(v, F);
	uint64_t from;

	F->dirty = 0;
	F->gen++;
	F->cache_bad = 0;
	F->whole = 0;
	F->from_cache = 0;
	F->vh_from = F->vh_hi = 0;
	if (st == VAULT_OK && from_cache) {
		st = cache_load_head(v, F);
		if (st == VAULT_ERR_NOT_FOUND)
			st = reset_facts(v, F); /* none fit to read: the log alone */
		else if (st != VAULT_OK)
			return vault__err(v, st, "out of memory");
		else
			F->from_cache = 1;
	}
	if (st != VAULT_OK)
		return st;
	from = F->verified;
	st = catch_up(v, F);
	F->replayed = F->verified - from;
	/* The verifier checks the prefix it was told to trust when it reaches
	 * its end: a log that stops short never gets there. */
	if (st == VAULT_OK && F->verified < F->trust_size)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "the audit log has %llu entries, but %s"
		                " verified %llu: it was cut or rolled back",
		                (unsigned long long)F->verified, v->user,
		                (unsigned long long)F->trust_size);
	if (st == VAULT_OK)
		st = floor_check(v, F);
	return st;
}

static vault_status check_global(vault *v, facts *F);

/* A case's record versions for a row check: a part of the cache that cannot
 * be read (removed, or replaced by another handle of hers) costs a read of
 * the whole log, here, and nothing else. */
static vault_status records_of(vault *v, facts *F, const char *case_id)
{
	vault_status st = need_records(v, F, case_id);

	if (st == VAULT_OK || !F->cache_bad)
		return st;
	v->errmsg[0] = '\0';
	st = rebuild_once(v, F, 0);
	F->cache_bad = 0;
	if (st == VAULT_OK)
		st = check_global(v, F);
	if (st != VAULT_OK)
		F->dirty = 1;
	F->txn_applied = F->applied;
	return st;
}

/* The facts of the verified log: from the user's cache and the entries
 * after it, or from the log alone.  Whatever fails after the cache was
 * read is tried again from the log alone, whose verdict stands: the cache
 * saves time, it never decides. */
static vault_status rebuild(vault *v, facts *F)
{
	vault_status st = rebuild_once(v, F, 1);

	if (st != VAULT_OK && st != VAULT_ERR_NOMEM && F->from_cache)
		st = rebuild_once(v, F, 0);
	F->cache_bad = 0;
	return st;
}

/* The stored Merkle tree (which checkpoints, proofs and the witness state
 * are made from) must be the tree of the entries just verified.  Missing
 * hashes (a vault made by 1.0, a damaged edge) are rebuilt from the
 * verified entries at the next append (audit_tree.c). */
static vault_status check_stored_tree(vault *v, facts *F)
{
	unsigned char mine[TLOG_HASH], stored[TLOG_HASH];
	vault_status st;

	if (F->verified == 0)
		return VAULT_OK;
	vault_audit_verifier_root(F->av, mine);
	st = vault__audit_tree_root(v, F->verified, stored);
	if (st == VAULT_ERR_CORRUPT) {
		v->errmsg[0] = '\0'; /* not this open's failure */
		/* ...but the next append rebuilds the tree from the entries'
		 * hashes as stored: those before the cache, not read by this
		 * open, are verified first */
		return vault__facts_log_whole(v);
	}
	if (st == VAULT_OK && sodium_memcmp(mine, stored, TLOG_HASH) != 0)
		st = vault__err(v, VAULT_ERR_INTEGRITY, "the audit log's stored Merkle tree is not"
		                " the tree of its entries");
	return st;
}

/* A vault made before schema 7: its rows are vouched for, once, by the first
 * user who opens it with this library, as legacy facts. */
static vault_status adopt_legacy(vault *v, facts *F)
{
	unsigned char d[32];
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	char fact[256];
	uint64_t n = 0;
	audit_event ev;
	vault_status st;
	int tab;

	st = vault__exec(v, "DELETE FROM legacy_facts");
	for (tab = 0; tab < T__COUNT && st == VAULT_OK; tab++) {
		char *sql = select_sql(&tables[tab], NULL);
		sqlite3_stmt *s = NULL, *ins = NULL;
		int rc;

		if (sql == NULL)
			return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		st = vault__prepare(v, sql, &s);
		free(sql);
		if (st == VAULT_OK)
			st = vault__prepare(v, "INSERT INTO legacy_facts(n, case_id, image)"
			                       " VALUES(?1, ?2, ?3)", &ins);
		while (st == VAULT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			json_t *img = row_image(&tables[tab], s);
			json_t *o = img ? json_pack("{sssO}", "t", tables[tab].name, "r", img) : NULL;
			char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;

			json_decref(img);
			json_decref(o);
			if (txt == NULL) {
				st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
				break;
			}
			sqlite3_bind_int64(ins, 1, (sqlite3_int64)++n);
			vault__bind_text(ins, 2, tables[tab].case_col >= 0
			                             ? (const char *)sqlite3_column_text(s, tables[tab].case_col)
			                             : "");
			vault__bind_text(ins, 3, txt);
			st = vault__sql_status(v, sqlite3_step(ins), "legacy facts");
			sqlite3_reset(ins);
			free(txt);
		}
		sqlite3_finalize(s);
		sqlite3_finalize(ins);
	}
	if (st == VAULT_OK)
		st = legacy_digest(v, 0, F, d, &n);
	if (st != VAULT_OK)
		return st;
	sodium_bin2base64(b64, sizeof(b64), d, 32, sodium_base64_VARIANT_ORIGINAL);
	snprintf(fact, sizeof(fact), "{\"legacy\":\"%s\",\"n\":%llu,\"v\":1}", b64,
	         (unsigned long long)n);
	memset(&ev, 0, sizeof(ev));
	ev.action = "facts.legacy";
	ev.outcome = VAULT_OUTCOME_OK;
	ev.reason = "rows written before schema 7, vouched for by the user who migrated the vault";
	ev.fact = fact;
	return vault__audit_append(v, &ev);
}

vault_status vault__facts_start(vault *v)
{
	facts *F;
	vault_status st;

	if (v->facts == NULL) {
		F = calloc(1, sizeof(*F));
		if (F == NULL)
			return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		v->facts = F;
	}
	F = v->facts;
	/* Again, now that the open holds the write lock: the schema may have
	 * changed while it waited for it (attack 14). */
	st = vault__store_check_schema(v);
	if (st != VAULT_OK)
		return st;
	vault__witness_trusted(v, &F->trust_size, F->trust_root);
	st = rebuild(v, F);
	if (st == VAULT_OK)
		st = check_stored_tree(v, F);
	if (st == VAULT_OK && !F->applied_any && F->verified > 0) {
		st = adopt_legacy(v, F);
		/* the rows are checked against it at once, inside this open
		 * (which closes the handle if it fails to commit) */
		if (st == VAULT_OK)
			vault__facts_commit(v);
		if (st == VAULT_OK && F->dirty)
			st = vault__err(v, VAULT_ERR_INTEGRITY, "the rows of this vault could not be"
			                " adopted as legacy facts");
	}
	if (st == VAULT_OK)
		st = check_global(v, F);
	if (st == VAULT_OK) {
		F->data_version = data_version(v);
		F->txn_applied = F->applied;
		F->txn_head = F->applied;
		F->started = 1;
		floor_raise(v, F);
		sqlite3_update_hook(v->db, on_update, F);
	}
	return st;
}

vault_status vault__facts_sync(vault *v)
{
	facts *F = v->facts;
	vault_status st = VAULT_OK;
	int64_t dv;

	if (F == NULL || !F->started)
		return VAULT_OK;
	notes_clear(F);
	sqlite3_update_hook(v->db, on_update, F); /* the connection may be new */
	if (F->rebuild_after && !(v->user_txn && v->unsigned_entries > 0)) {
		F->rebuild_after = 0;
		F->dirty = 1;
	}
	/* inside vault_begin(), entries of ours are not signed yet: the write
	 * lock held since its first operation kept everyone else out */
	if (v->user_txn && v->unsigned_entries > 0 && !F->dirty)
		return VAULT_OK;
	F->txn_applied = F->applied;
	dv = data_version(v);
	/* another connection wrote, perhaps the schema (store.c) */
	if (dv != F->data_version && (st = vault__store_check_schema(v)) != VAULT_OK)
		return st;
	if (F->dirty) {
		st = rebuild(v, F);
	} else if (dv != F->data_version) {
		st = catch_up(v, F);
		/* a case's part gone from the cache (another handle of hers
		 * saved since): the log alone, from its start */
		if (st != VAULT_OK && F->cache_bad) {
			v->errmsg[0] = '\0';
			st = rebuild_once(v, F, 0);
			F->cache_bad = 0;
		}
	} else {
		if (!(v->user_txn && v->unsigned_entries > 0))
			F->txn_head = F->verified;
		/* nobody wrote, but another handle of hers may have saved her
		 * state since, after a cut this handle already read (310c) */
		return vault__facts_witness_recheck(v);
	}
	if (st == VAULT_OK)
		st = check_global(v, F);
	/* what another handle of hers saw and saved since (attack 300c): the
	 * handle's floor knows only its own entries */
	if (st == VAULT_OK)
		st = vault__facts_witness_recheck(v);
	if (st == VAULT_OK) {
		F->data_version = dv;
		floor_raise(v, F);
	} else {
		F->dirty = 1;
	}
	F->txn_applied = F->applied;
	if (!(v->user_txn && v->unsigned_entries > 0))
		F->txn_head = F->verified;
	return st;
}

int vault__facts_root_at(vault *v, uint64_t size, unsigned char root[32])
{
	facts *F = v->facts;

	if (F == NULL || !F->started || F->av == NULL)
		return 0;
	return vault__audit_verifier_root_at(F->av, size, root);
}

vault_status vault__facts_witness_recheck(vault *v)
{
	facts *F = v->facts;
	tlog_frontier t;

	if (F == NULL || !F->started || F->av == NULL)
		return VAULT_OK;
	vault__audit_verifier_frontier(F->av, &t);
	return vault__witness_recheck(v, &t);
}

vault_status vault__facts_verified_tree(vault *v, tlog_frontier *out, int *wrote)
{
	facts *F = v->facts;
	vault_status st;

	*wrote = F != NULL && F->committed;
	if (F == NULL || !F->started)
		return vault__err(v, VAULT_ERR_STATE, "the facts are not loaded");
	/* the entries since (ours among them) through the verifier first,
	 * which holds the newest entry the handle verified or wrote */
	st = F->dirty ? VAULT_ERR_STATE : catch_up(v, F);
	if (st == VAULT_OK && F->verified >= F->floor_seq) {
		vault__audit_verifier_frontier(F->av, out);
		return VAULT_OK;
	}
	F->dirty = 1;
	/* ...or the log cannot be read so far (a row planted at its end to
	 * make this fail: attack 280a): the tree up to that entry */
	if (F->floor_tree_ok && F->floor_tree.size == F->floor_seq) {
		*out = F->floor_tree;
		return VAULT_OK;
	}
	return st != VAULT_OK ? st : vault__err(v, VAULT_ERR_INTEGRITY, "the log was cut");
}

int vault__facts_frontier(vault *v, uint64_t seq, const unsigned char hash[32],
                          tlog_frontier *out)
{
	facts *F = v->facts;
	unsigned char last[32];

	if (F == NULL || !F->started || F->dirty || seq == 0 || F->verified != seq ||
	    vault__audit_verifier_last(F->av, last) != seq || sodium_memcmp(last, hash, 32) != 0)
		return 0;
	vault__audit_verifier_frontier(F->av, out);
	return out->size == seq;
}

void vault__facts_reconnected(vault *v)
{
	facts *F = v->facts;

	if (F == NULL)
		return;
	/* no data_version the new connection reports means "nothing since":
	 * the next sync reads the log and checks the rows again, and every
	 * case's rows are checked again at their next use */
	F->data_version = INT64_MIN; /* data_version() gives -1 when it fails */
	F->checked_case[0] = '\0';
	F->checked_dv = INT64_MIN;
	F->checked_gen = 0;
}

void vault__facts_free(vault *v)
{
	if (v->facts == NULL)
		return;
	if (v->db != NULL)
		sqlite3_update_hook(v->db, NULL, NULL);
	notes_clear(v->facts);
	json_decref(v->facts->taken);
	json_decref(v->facts->signer_seen);
	own_drop(v->facts, 0);
	free(v->facts->own);
	free(v->facts->mine);
	free(v->facts->notes);
	facts_clear(v->facts);
	vault__fcache_close(v->facts->cache);
	free(v->facts->vh);
	free(v->facts);
	v->facts = NULL;
}

void vault__facts_commitment(const unsigned char key[32], const char *case_id,
                             unsigned int cls, uint32_t epoch, unsigned char out[32])
{
	static const char dom[] = "libvault-class-key-commitment-v1";
	crypto_generichash_state hs;
	unsigned char b[8];

	crypto_generichash_init(&hs, key, 32, 32);
	crypto_generichash_update(&hs, (const unsigned char *)dom, sizeof dom);
	crypto_generichash_update(&hs, (const unsigned char *)case_id, strlen(case_id) + 1);
	b[0] = (unsigned char)cls;
	b[1] = (unsigned char)(epoch >> 24);
	b[2] = (unsigned char)(epoch >> 16);
	b[3] = (unsigned char)(epoch >> 8);
	b[4] = (unsigned char)epoch;
	crypto_generichash_update(&hs, b, 5);
	crypto_generichash_final(&hs, out, 32);
}

/* Was organisation `org`'s row (its key epoch, or its keys marked owed)
 * stated after entry `seq`? */
static int org_changed_after(facts *F, const char *org, uint64_t seq)
{
	fentry *o = org_fact(F, org);

	return o != NULL && o->seq_last > seq;
}

static const char *owner_of(facts *F, const char *case_id)
{
	json_t *c = kept(F, T_CASES, case_id);

	return c != NULL && json_is_string(json_array_get(c, 2)) ? img_str(c, 2) : NULL;
}

vault_status vault__facts_key_in_force(vault *v, const char *case_id, unsigned int cls,
                                       uint32_t epoch, int64_t now, int64_t *ts, int *stale)
{
	facts *F = v->facts;
	json_t *k;
	fentry *e;

	*ts = -1;
	*stale = 0;
	if (F == NULL)
		return VAULT_OK;
	k = json_pack("[sII]", case_id, (json_int_t)cls, (json_int_t)epoch);
	if (k == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	e = find_image_key(F, T_CLASS_EPOCHS, k, 1);
	json_decref(k);
	if (e != NULL && e->img != NULL) {
		const char *author = img_str(e->img, 3);
		json_t *u = author ? kept(F, T_USERS, author) : NULL;
		fcase *fc = fc_get(F, case_id, 0);
		actor a;
		creq q;
		size_t i;

		*ts = e->ts;
		/* A grant covering the class revoked in an entry after the one
		 * that made the key, by a statement without a new epoch (the
		 * library's revocations rotate in the same entry; one signed by
		 * a holder with the share right need not, attack 22): its holder
		 * knows the key. */
		for (i = 0; fc != NULL && i < fc->npk; i++) {
			fentry *g = fe_find(F, fc->pk[i]);

			if (g != NULL && g->img != NULL && g->tab == T_GRANTS &&
			    img_int(g->img, 10) != 0 && ((unsigned int)img_int(g->img, 4) & cls) != 0 &&
			    g->seq_last > e->seq)
				*stale = 1;
			/* ...or its end moved, after the key, to a time now past: a
			 * grant shared again ending before the key was made lapsed
			 * "before" it (lapsed_since_epoch), but its holder knows the
			 * key (attack 190e) */
			if (g != NULL && g->img != NULL && g->tab == T_GRANTS &&
			    img_int(g->img, 10) == 0 && img_int(g->img, 7) != 0 &&
			    img_int(g->img, 7) <= now && ((unsigned int)img_int(g->img, 4) & cls) != 0 &&
			    g->seq_last > e->seq)
				*stale = 1;
			/* ...or an organisation holding it whose keys changed since
			 * (a member left; an admin's disable marks them owed, and
			 * makes no key: attack 150c): she may have kept it */
			if (g != NULL && g->img != NULL && g->tab == T_GRANTS &&
			    img_int(g->img, 10) == 0 && img_int(g->img, 2) == VAULT_PRINCIPAL_ORG &&
			    ((unsigned int)img_int(g->img, 4) & cls) != 0 &&
			    org_changed_after(F, img_str(g->img, 3), e->seq))
				*stale = 1;
		}
		if (org_changed_after(F, owner_of(F, case_id), e->seq))
			*stale = 1;
		/* Whoever made the key knows it: she must still be entitled to
		 * read the class (her grant, or her organisation's, may have
		 * lapsed since, or she may be disabled). */
		memset(&a, 0, sizeof(a));
		a.name = author;
		if (u == NULL || img_int(u, 5) != 0) {
			*stale = 1;
		} else if (!*stale) {
			a.user = u;
			a.org = img_str(u, 1);
			a.role = (vault_role)img_int(u, 2);
			a.org_kind = org_kind_of(F, a.org);
			fill_case(F, &q, &a, case_id, now);
			*stale = !decide(&q, POLICY_READ, cls);
		}
	}
	return VAULT_OK;
}

int vault__facts_org_keys(vault *v, const char *org)
{
	json_t *o = v->facts != NULL && org != NULL ? kept(v->facts, T_ORGS, org) : NULL;

	return o != NULL ? (int)img_int(o, 5) : -1;
}

int vault__facts_org_legacy(vault *v, const char *org)
{
	fentry *e = v->facts != NULL ? org_fact(v->facts, org) : NULL;

	return e != NULL && e->legacy;
}

int64_t vault__facts_time(vault *v)
{
	return v->facts != NULL ? v->facts->ts_hi : 0;
}

int vault__facts_added_by_other(const vault *v)
{
	return v->facts != NULL && v->facts->added_by_other;
}

void vault__facts_legacy(const vault *v, uint64_t *count, uint64_t *seq)
{
	*count = v->facts ? v->facts->legacy_n : 0;
	*seq = v->facts ? v->facts->legacy_seq : 0;
}

int vault__facts_case_legacy(vault *v, const char *case_id)
{
	char key[KEY_BUF];
	fentry *e;

	if (v->facts == NULL)
		return 1;
	key1(T_CASES, case_id, key);
	e = fe_find(v->facts, key);
	return e != NULL && e->legacy;
}

/* The newest version the log holds of the record whose rows hold `name`
 * (len bytes: a BLOB tag when is_tag, else a 1.x name as TEXT) in class
 * cls of the case, and how many versions of it: 0 and 0 when none. */
vault_status vault__facts_record_head(vault *v, const char *case_id, const void *name,
                                      size_t len, int is_tag, unsigned int cls,
                                      int64_t *newest, uint32_t *versions)
{
	facts *F = v->facts;
	json_t *arr;
	struct rhead *h;
	char hk[256];
	vault_status st;

	*newest = 0;
	if (versions != NULL)
		*versions = 0;
	if (F == NULL || !F->started)
		return VAULT_OK;
	st = records_of(v, F, case_id);
	if (st != VAULT_OK)
		return st;
	arr = json_array();
	if (arr == NULL ||
	    json_array_append_new(arr, json_string(case_id)) != 0 ||
	    /* the name column is hashed in an image, a tag or a 1.x name */
	    json_array_append_new(arr, hashed_value(name, len)) != 0 ||
	    json_array_append_new(arr, json_integer((json_int_t)cls)) != 0 ||
	    json_array_size(arr) != 3) {
		json_decref(arr);
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	head_key(arr, hk, sizeof(hk));
	h = rh_get(F, hk, 0);
	if (h != NULL && h->n > 0 && !is_tag) {
		/* a name in clear: its versions of 1.x, the legacy facts (an
		 * image holds a tag or a name hashed alike, so the head may hold
		 * signed versions of that name value too, which are no versions
		 * of the record: attack 180c) */
		uint32_t n;

		head_legacy(F, arr, h, newest, &n);
		if (versions != NULL)
			*versions = n;
	} else if (h != NULL && h->n > 0) {
		*newest = h->version;
		if (versions != NULL)
			*versions = h->n;
	}
	json_decref(arr);
	return VAULT_OK;
}

vault_status vault__facts_record_newest(vault *v, const char *case_id, const void *name,
                                        size_t len, int is_tag, unsigned int cls,
                                        int64_t *newest)
{
	return vault__facts_record_head(v, case_id, name, len, is_tag, cls, newest, NULL);
}

vault_status vault__facts_record_count(vault *v, const char *case_id, unsigned int mask,
                                       uint64_t *n)
{
	facts *F = v->facts;
	fcase *c;
	vault_status st;
	int i;

	*n = 0;
	if (F == NULL || !F->started)
		return VAULT_OK;
	st = records_of(v, F, case_id);
	if (st != VAULT_OK)
		return st;
	if ((c = fc_get(F, case_id, 0)) == NULL)
		return VAULT_OK;
	for (i = 0; i < 3; i++)
		if (mask & (1u << i))
			*n += c->heads[i];
	return VAULT_OK;
}

/* Does statement tree o (a text's {"v", "s"}) state a row of records of
 * the case, or remove one? */
static int states_records_of(json_t *o, const char *case_id)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(o, "s"), i, x) {
		json_t *row = json_object_get(x, "r");
		const char *id;

		if (row == NULL)
			row = json_object_get(x, "k");
		id = json_string_value(json_array_get(row, 0));
		if (strcmp(json_string_value(json_object_get(x, "t")) ?
		           json_string_value(json_object_get(x, "t")) : "", "records") == 0 &&
		    (id == NULL || strcmp(id, case_id) == 0))
			return 1;
	}
	return 0;
}

int vault__facts_records_pending(vault *v, const char *case_id)
{
	facts *F = v->facts;
	size_t i;

	if (F == NULL)
		return 0;
	for (i = 0; i < F->nown; i++)
		if (F->own[i].stmts == NULL || states_records_of(F->own[i].stmts, case_id))
			return 1;
	return 0;
}

/* Is the handle's signing key still its user's key in the facts?  A
 * handle opened before another handle changed her passphrase would sign
 * entries that no verifier accepts. */
int vault__facts_signer_current(vault *v)
{
	json_t *u, *mine;
	int same;

	if (v->facts == NULL || !v->facts->started)
		return 1;
	u = kept(v->facts, T_USERS, v->user);
	if (u == NULL)
		return 1; /* not a user the facts hold: check_live and the replay say so */
	/* images are never changed in place */
	if (u == v->facts->signer_seen && memcmp(v->facts->signer_pk, v->sec->sign_pk, 32) == 0)
		return v->facts->signer_same;
	mine = hashed_value(v->sec->sign_pk, 32);
	if (mine == NULL)
		return 1; /* no memory to tell: the entry's verification will */
	same = json_equal(mine, json_array_get(u, 4));
	json_decref(mine);
	json_decref(v->facts->signer_seen);
	v->facts->signer_seen = json_incref(u);
	memcpy(v->facts->signer_pk, v->sec->sign_pk, 32);
	v->facts->signer_same = same;
	return same;
}

int vault__facts_parse_check(const char *text, size_t len)
{
	char *t;
	json_t *o;
	int oom = 0;

	if (text == NULL || memchr(text, '\0', len) != NULL)
		return 0;
	t = malloc(len + 1);
	if (t == NULL)
		return -1;
	memcpy(t, text, len);
	t[len] = '\0';
	o = parse_statements(t, &oom);
	free(t);
	if (o == NULL)
		return oom ? -1 : 0;
	json_decref(o);
	return 1;
}
