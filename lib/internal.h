/*
 * internal.h - the handle and what the modules share.  Never installed.
 *
 * Layers (data flows down, nothing below calls up):
 *   api entry points (vault.c orgs.c cases.c share.c audit.c)
 *     -> gate.c   check, decide (policy.c), record (audit.c), then crypto/store
 *     -> crypto.c the only caller of libsodium's secret-key primitives
 *     -> store.c  SQLCipher connection, schema, statements
 *   slots.c       the key-slot file
 */
#ifndef VAULT_INTERNAL_H
#define VAULT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "vault.h"
#include "tlog.h"
#include "policy.h"

#define VAULT_KEY_BYTES 32
/* How far ahead of the machine's clock a break-glass window may begin and
 * count (lib/gate.c load_grants): an hour, for a clock stepped back by
 * its time service. */
#define VAULT_LOG_AHEAD_S 3600
#define VAULT_SIGN_SK_BYTES 64
#define VAULT_SIGN_PK_BYTES 32
#define VAULT_BOX_PK_BYTES 32
#define VAULT_BOX_SK_BYTES 32
#define VAULT_SEAL_OVERHEAD 48 /* crypto_box_SEALBYTES */
#define VAULT_SEALED_KEY_BYTES (VAULT_KEY_BYTES + VAULT_SEAL_OVERHEAD)
#define VAULT_AEAD_NONCE_BYTES 24
#define VAULT_AEAD_TAG_BYTES 16

#define VAULT_SCHEMA_VERSION 1

/* Every operation, an open included, writes its audit entry first: say what
 * to do about it. */
#define VAULT_MSG_DISK_FULL                                                   \
	"disk full: free space on the disk that holds the vault folder (nothing" \
	" was done: every operation, an open too, needs room for its audit entry)"

/* A handle whose database file a key rotation replaced (store.c). */
#define VAULT_MSG_ROTATED                                                     \
	"the database key was rotated (a user was disabled): close this handle" \
	" and open the vault again"

#define VAULT_DB_FILE "vault.db"
#define VAULT_SLOTS_FILE "keyslots"
#define VAULT_LOCK_FILE "vault.lock"
#define VAULT_INBOX_FILE "auth-failures"

/* Holders of a sealed class key. */
#define HOLDER_ORG 1     /* the members' key of an organisation */
#define HOLDER_USER 2    /* one user */
#define HOLDER_ORG_SUP 3 /* the supervisors' key: break-glass escrow */
/* orgs.admin_keys: who may know the organisation's keys in force */
#define ORG_KEYS_OWN 0   /* its own: made by one of its supervisors */
#define ORG_KEYS_FIRST 1 /* the admin's, made with it: its first supervisor's
                          * passphrase change replaces them */
#define ORG_KEYS_OWED 2  /* a member an admin disabled holds them: the
                          * organisation's supervisor makes the next ones */

/* Secrets of the unlocked user, in one sodium_malloc'ed block. */
typedef struct vault_secrets {
	unsigned char dbkey[VAULT_KEY_BYTES];
	unsigned char box_pk[VAULT_BOX_PK_BYTES];
	unsigned char box_sk[VAULT_BOX_SK_BYTES];
	unsigned char sign_pk[VAULT_SIGN_PK_BYTES];
	unsigned char sign_sk[VAULT_SIGN_SK_BYTES];
	/* A class key in use by the current operation: guarded memory without
	 * an allocation per record. */
	unsigned char scratch[VAULT_KEY_BYTES];
	/* A class key and a key derived from it (freetext.c): tags and labels
	 * are computed on every record operation, and a sodium_malloc each
	 * would cost more than the record. */
	unsigned char ftkey[2 * VAULT_KEY_BYTES];
	/* An organisation's secret key while vault__class_key() unseals with
	 * it: the first use of a case unseals a key of each class, and a
	 * sodium_malloc each cost more than the unseal (gate.c). */
	unsigned char orgsk[VAULT_BOX_SK_BYTES];
} vault_secrets;

/* Unsealed keys kept for the life of the handle (class keys and
 * organisation keys), in sodium_malloc'ed memory, wiped on close. */
#define KEYCACHE_SLOTS 128
typedef struct keycache_entry {
	char owner[VAULT_NAME_MAX + 4]; /* case id or "o:" org id */
	uint32_t kind;                     /* class bit, or HOLDER_* for orgs */
	uint32_t epoch;
	uint32_t used;                     /* 0: free; else LRU tick */
	unsigned char key[VAULT_KEY_BYTES];
} keycache_entry;

enum stmt_id {
	ST_CASE_GET,
	ST_GRANTS_FOR_ACTOR,
	ST_BREAKGLASS_GET,
	ST_EPOCH_GET,
	ST_CLASSKEY_FIND,
	ST_RECORD_MAXVER,
	ST_RECORD_INSERT,
	ST_RECORD_GET,
	ST_RECORD_GET_LATEST,
	ST_RECORD_CLASSES,
	ST_RECORD_LEGACY,
	ST_AUDIT_HEAD,
	ST_AUDIT_INSERT,
	ST_AUDIT_SIGN,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_LAPSED_HOLDERS,
	ST_LAPSED_GRANTS,
	ST_USER_LIVE,
	ST_TREE_SET,
	ST_TREE_GET,
	ST__COUNT
};

/* Cached statements whose text a module builds at run time (facts.c). */
#define VAULT_DYN_STMTS 16
#define VAULT_TEXT_STMTS 48

struct vault {
	sqlite3 *db;
	char *dir;
	char *state_dir; /* vault_open_options.state_dir, or NULL */
	char user[VAULT_NAME_MAX + 1];
	char org[VAULT_NAME_MAX + 1]; /* "" for none */
	vault_org_kind org_kind;      /* 0 for none */
	vault_role role;
	vault_purpose purpose;
	vault_kdf default_kdf;
	vault_secrets *sec;
	keycache_entry *cache; /* KEYCACHE_SLOTS entries */
	uint32_t cache_tick;
	sqlite3_stmt *st[ST__COUNT];
	sqlite3_stmt *dyn[VAULT_DYN_STMTS]; /* texts other modules build (store.c) */
	struct { char *sql; sqlite3_stmt *s; } byt[VAULT_TEXT_STMTS]; /* vault__stmt_text */
	unsigned int byt_next;

	int user_txn;        /* vault_begin() is in force */
	int live_checked;    /* the user was found enabled in this transaction */
	int file_checked;    /* the database file was found in place in this transaction */
	int dead;            /* the user was disabled: the handle refuses all */
	dev_t db_dev;        /* the vault.db file the handle opened: the */
	ino_t db_ino;        /* database key rotation replaces it (store.c) */
	int db_moved;        /* ... and it was replaced: the handle must reopen */
	int rotating;        /* it holds the vault lock for its own key rotation
	                      * (orgs.c): a set-aside name is no other's rotation */
	int busy_ms;         /* the busy timeout it was opened with */
	int schema_checked;  /* vault__store_check_schema() passed ... */
	int schema_version;  /* ... at this PRAGMA schema_version */
	int op_depth;        /* an operation's savepoint is open */
	int head_known;      /* head below is valid for this transaction */
	uint64_t head_seq;
	unsigned char head_hash[32];
	int unsigned_entries; /* entries of ours not yet covered by a signature */
	uint64_t last_own_seq;
	/* The Merkle tree's right edge (audit_tree.c), valid while tree_known
	 * and while the log's head is still tree_head at size tree.size. */
	int tree_known;
	unsigned char tree_head[32];
	tlog_frontier tree;
	/* The copies of her witness state as this handle last checked them
	 * (witness.c): the key-slot file's and the state file's, by inode,
	 * size and time of change, and the text found there. */
	struct witness_seen {
		int known;
		dev_t dev;
		ino_t ino;
		off_t size;
		long long ctime_ns;
		int text_known;              /* the copy's text, checked */
		unsigned char text_hash[32]; /* (BLAKE2b) */
	} wseen[2];
	char *wpath[2]; /* their paths (the state file's NULL without state_dir) */
	/* Heads of hers this handle knows to be prefixes of the log it
	 * verified (checked at its open or by its recheck, or saved by it):
	 * the newest few, a ring */
	struct { uint64_t size; unsigned char root[32]; } wknown[8];
	unsigned int nwknown;
	char wid[VAULT_VAULT_ID_BUFSIZE];

	/* What light operations inside one vault_begin() transaction loaded
	 * about their case (gate.c); NULL until first needed. */
	struct txn_cache *tc;

	char errmsg[512];

	/* The slot's passphrase was chosen by someone else: every call but
	 * vault_passwd() is VAULT_ERR_PASSWD_EXPIRED until it changes. */
	int must_change;
	int in_passwd;               /* vault_passwd() is running */
	/* The vault id pinned in the user's key slot (vault_id, verify). */
	int pinned;
	unsigned char pinned_id[32];

	/* The facts the verified log vouches for (lib/facts.c). */
	struct facts *facts;
};

/* ---- error.c ----------------------------------------------------------- */
vault_status vault__err(vault *v, vault_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vault__set_last_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
void vault__clear_last_error(void);

/* ---- util.c ------------------------------------------------------------ */
int vault__valid_name(const char *s);
int vault__valid_text(const char *s, size_t max, int allow_empty);
int vault__valid_id(const char *s);
int64_t vault__now(void);
/* Tests move the clock (seconds added to the real time). */
void vault__clock_shift(int64_t seconds);
/* Fault injection: make the n-th next allocation fail (0: none). */
void vault__fault_alloc_after(long n);
int vault__fault_alloc_hit(void);
/* Triggers on the library's connections: off (0), except in tests that
 * plant one to make an insert fail (store.c). */
void vault__fault_triggers(int on);
int vault__fault_triggers_on(void);
int vault__fault_now(void);
void *vault__malloc(size_t n);
void *vault__calloc(size_t n, size_t size);
char *vault__strdup(const char *s);
void vault__hex(const unsigned char *bin, size_t len, char *out);
int vault__unhex(const char *hex, unsigned char *out, size_t len);
char *vault__path(const char *dir, const char *file);

/* ---- crypto.c ---------------------------------------------------------- */
vault_status vault__crypto_init(void);
void *vault__secure_alloc(size_t n);
void vault__secure_free(void *p);
void vault__random(void *buf, size_t len);
void vault__wipe(void *p, size_t n);
int vault__kdf_params(vault_kdf level, unsigned long long *ops, size_t *mem);
/* Counts KDF runs, for the test that unknown users cost the same. */
extern unsigned long vault__kdf_runs;
int vault__kdf(unsigned char *out, size_t outlen, const unsigned char *pass,
               size_t passlen, const unsigned char salt[16],
               unsigned long long ops, size_t mem);
void vault__keyed_hash(unsigned char *out, size_t outlen, const void *in,
                       size_t inlen, const unsigned char key[32]);
int vault__seal_msg(unsigned char *out, const unsigned char *m, size_t len,
                    const unsigned char pk[32]);
int vault__unseal_msg(unsigned char *out, const unsigned char *c, size_t clen,
                      const unsigned char pk[32], const unsigned char sk[32]);
void vault__box_keypair(unsigned char pk[32], unsigned char sk[32]);
void vault__box_pk_from_sk(unsigned char pk[32], const unsigned char sk[32]);
void vault__sign_pk_from_sk(unsigned char pk[32], const unsigned char sk[64]);
void vault__sign_keypair(unsigned char pk[32], unsigned char sk[64]);
void vault__sign(unsigned char sig[64], const unsigned char *m, size_t mlen,
                 const unsigned char sk[64]);
int vault__seal(unsigned char out[VAULT_SEALED_KEY_BYTES],
                const unsigned char key[32], const unsigned char pk[32]);
int vault__unseal(unsigned char key[32], const unsigned char *sealed,
                  size_t sealed_len, const unsigned char pk[32],
                  const unsigned char sk[32]);
/* XChaCha20-Poly1305-IETF; out holds len + VAULT_AEAD_TAG_BYTES. */
void vault__aead_seal(unsigned char *out, const unsigned char *m, size_t len,
                      const unsigned char *ad, size_t adlen,
                      const unsigned char nonce[24], const unsigned char key[32]);
int vault__aead_open(unsigned char *out, const unsigned char *c, size_t clen,
                     const unsigned char *ad, size_t adlen,
                     const unsigned char nonce[24], const unsigned char key[32]);
/* Associated data binding a record ciphertext to its place. */
size_t vault__record_ad(unsigned char *out, size_t cap, const char *case_id,
                        const char *name, uint32_t version, unsigned int cls,
                        uint32_t epoch);
vault_status vault__buf_alloc(vault_buf *buf, size_t len);

/* ---- freetext.c: free text under the readers' keys, padded sizes -------- */
/* A record name's tag (keyed BLAKE2b under the case's first key of the
 * class), its text form for the audit log ("r:" + hex), and its label (the
 * name and exact size, sealed under the key of the version's epoch). */
#define VAULT_NAME_TAG_BYTES 16
#define VAULT_NAME_TAG_TEXT (2 + 2 * VAULT_NAME_TAG_BYTES + 1)
#define VAULT_LABEL_BYTES (VAULT_AEAD_NONCE_BYTES + 4 + VAULT_NAME_MAX + 1 + VAULT_AEAD_TAG_BYTES)
#define VAULT_CONSENT_SEALED_BYTES (VAULT_AEAD_NONCE_BYTES + 8 + 2 * VAULT_TEXT_MAX + VAULT_AEAD_TAG_BYTES)
/* The Padmé length of `len` bytes of content (ISO/IEC 7816-4 padding
 * included; SIZE_MAX for a length no buffer holds, above SIZE_MAX / 4);
 * vault__pad pads buf (cap bytes) in place; vault__unpad finds the
 * content's length, -1 if the padding is not exactly Padmé's. */
size_t vault__padme(size_t len);
int vault__pad(unsigned char *buf, size_t len, size_t cap, size_t *padded);
int vault__unpad(const unsigned char *buf, size_t padded, size_t *len);
vault_status vault__name_tag(vault *v, const char *case_id, unsigned int cls,
                             const char *name, unsigned char tag[VAULT_NAME_TAG_BYTES]);
/* The same from the class's first key, for tests that work as an attacker. */
void vault__name_tag_with(const unsigned char first_key[VAULT_KEY_BYTES], const char *case_id,
                          unsigned int cls, const char *name,
                          unsigned char tag[VAULT_NAME_TAG_BYTES]);
void vault__tag_text(const unsigned char tag[VAULT_NAME_TAG_BYTES],
                     char out[VAULT_NAME_TAG_TEXT]);
/* A record row's label: its name and exact size, sealed under the class key
 * of its epoch and bound to its place.  Open refuses (VAULT_ERR_INTEGRITY) a
 * label whose name does not derive the row's tag. */
vault_status vault__label_seal(vault *v, const char *case_id, unsigned int cls,
                               uint32_t version, uint32_t epoch,
                               const unsigned char tag[VAULT_NAME_TAG_BYTES],
                               const char *name, size_t size,
                               unsigned char out[VAULT_LABEL_BYTES]);
vault_status vault__label_open(vault *v, const char *case_id, unsigned int cls,
                               uint32_t version, uint32_t epoch,
                               const unsigned char tag[VAULT_NAME_TAG_BYTES],
                               const unsigned char *label, size_t len,
                               char name[VAULT_NAME_MAX + 1], size_t *size);
/* A consent's purpose and reason sealed under the case's current general
 * class key (*epoch says which); *out is malloc'ed.  Open gives two
 * malloc'ed strings. */
vault_status vault__consent_seal(vault *v, const char *case_id, const char *consent_id,
                                 const char *purpose, const char *reason,
                                 uint32_t *epoch, unsigned char **out, size_t *outlen);
vault_status vault__consent_open(vault *v, const char *case_id, const char *consent_id,
                                 uint32_t epoch, const unsigned char *sealed, size_t len,
                                 char **purpose, char **reason);
/* A reason the auditors review (break-glass, emergency-basis consent),
 * sealed to every enabled auditor and to the members' key of the case's
 * owning organisation, as text ("sealed:" + base64) for the audit entry.
 * vault__reason_open gives the reason (malloc'ed) to one of them, *out NULL
 * (and VAULT_OK) to anyone else. */
#define VAULT_REASON_SEALED "[sealed for the auditors and the owning organisation]"
#define VAULT_REASON_BROKEN "[sealed reason that does not open]"
int vault__reason_is_sealed(const char *text);
vault_status vault__reason_seal(vault *v, const char *case_id, const char *owner_org,
                                const char *reason, char **out);
vault_status vault__reason_open(vault *v, const char *case_id, const char *text, char **out);

/* ---- slots.c ----------------------------------------------------------- */
typedef struct slot_secret {
	unsigned char dbkey[32];
	unsigned char box_sk[32];
	unsigned char sign_sk[64];
} slot_secret;

/* Unlock `user`'s slot: VAULT_ERR_AUTH for unknown user or wrong
 * passphrase after the same KDF work. */
vault_status vault__slot_unlock(const char *dir, const char *user,
                                const unsigned char *pass, size_t passlen,
                                slot_secret *out, vault_kdf *default_kdf);
/* Write or replace a user's slot (under the vault lock, atomically). */
vault_status vault__slot_put(const char *dir, const char *user,
                             const unsigned char *pass, size_t passlen,
                             vault_kdf level, const slot_secret *sec);
vault_status vault__slot_remove(const char *dir, const char *user);

/* Slot flags (bound into the slot's associated data). */
#define SLOT_MUST_CHANGE 1u
/* Which slot of a user's entry opened. */
#define SLOT_CURRENT 1
#define SLOT_PENDING 2
typedef struct slot_meta {
	int which;               /* SLOT_CURRENT or SLOT_PENDING */
	int other;               /* the entry holds the other one too */
	unsigned int flags;      /* SLOT_MUST_CHANGE */
	int pinned;              /* vault_id is set (a format-2 slot) */
	unsigned char vault_id[32];
	vault_kdf level;
	char nonce[49];          /* hex: names the slot for vault__slot_settle */
	char other_nonce[49];    /* the other slot's, when `other` */
} slot_meta;
/* vault__slot_unlock, telling which slot opened and what it records. */
vault_status vault__slot_unlock_meta(const char *dir, const char *user,
                                     const unsigned char *pass, size_t passlen,
                                     slot_secret *out, vault_kdf *default_kdf,
                                     slot_meta *meta);
/* How vault__slot_write places the new slot in the user's entry. */
#define SLOT_PUT_CURRENT 1 /* replaces the entry */
#define SLOT_PUT_PENDING 2 /* beside the current slot, until settled */
#define SLOT_PUT_NEW 3     /* the entry holds only this pending slot */
/* Seal `sec` for `user` under the passphrase (under the vault lock,
 * atomically).  A level cheaper than the vault's default is refused
 * (VAULT_ERR_INVALID) unless the vault is at the test-only level.
 * nonce_out (49 bytes, may be NULL) names the new slot. */
vault_status vault__slot_write(const char *dir, const char *user,
                               const unsigned char *pass, size_t passlen,
                               vault_kdf level, const slot_secret *sec,
                               unsigned int flags, const unsigned char vault_id[32],
                               int mode, char nonce_out[49]);
/* Settle the pending slot named by `nonce`: keep makes it the user's only
 * slot; otherwise it goes (and the entry too, if it held nothing else). */
vault_status vault__slot_settle(const char *dir, const char *user,
                                const char *nonce, int keep);
/* Remove the entries of these users (no write if none is there). */
vault_status vault__slots_prune(const char *dir, const char *const *users, size_t n);
/* 1 if the user's entry holds the slot named by `nonce` and nothing else;
 * 0 if a passphrase change has put another slot there since it was read. */
int vault__slot_alone(const char *dir, const char *user, const char *nonce);
/* The witness copy kept in a user's key-slot entry (witness.c's signed
 * text): *text malloc'ed, NULL when there is none.  A put leaves the copy
 * there when keep (if not NULL) says so of it, asked under the lock of the
 * key-slot file (text NULL removes the copy). */
vault_status vault__slot_witness_get(const char *dir, const char *user, char **text);
vault_status vault__slot_witness_put(const char *dir, const char *user, const char *text,
                                     int (*keep)(const char *old, void *ctx), void *ctx);
/* The flags of a user's slot; VAULT_ERR_NOT_FOUND if she has none. */
vault_status vault__slot_flags(const char *dir, const char *user, unsigned int *flags);
/* hex (64 digits) of the user's slot id, keyed with keyslots' lookup_key:
 * the name of her files in the folder (facts_cache.c).  Leaves the
 * thread's last error as it was. */
vault_status vault__slot_id_hex(const char *dir, const char *user, char hex[65]);
/* The database key sealed to each user (slots.c, "dbkeys").  lock_held:
 * the caller holds the vault lock (vault__lock_acquire).
 * stage: seal `key` as the pending database key of each of these users
 * that has a slot (pks: their box public keys), and `in_force` (unless
 * NULL: the key vault.db opens with now) as her current one: whatever a
 * rotation cut short before left pending, she then holds both keys the
 * file can be under once this one is done or cut short too.
 * commit: every pending seal becomes its user's key; entries without one
 * (users who were not staged) go.
 * get: the user's sealed keys, current and pending, opened with her box key
 * (a seal that does not open with it is left out: see slots.c).
 * settle: keep (pending becomes current) or drop her pending seal. */
vault_status vault__dbkey_stage(const char *dir, int lock_held, const char *const *users,
                                const unsigned char (*pks)[32], size_t n,
                                const unsigned char key[32], const unsigned char *in_force);
vault_status vault__dbkey_commit(const char *dir, int lock_held);
vault_status vault__dbkey_get(const char *dir, const char *user,
                              const unsigned char box_pk[32], const unsigned char box_sk[32],
                              unsigned char cur[32], int *has_cur,
                              unsigned char pend[32], int *has_pend);
vault_status vault__dbkey_settle(const char *dir, int lock_held, const char *user,
                                 int keep);
/* store.c: the database key rotation.  Export the database into a new file
 * under `newkey`, call stage() before the switch, switch the files with one
 * rename, call commit() after it, and reopen the handle under the new key.
 * The caller holds the vault lock and no transaction. */
typedef vault_status (*rotate_step)(vault *v, const unsigned char newkey[32], void *ctx);
vault_status vault__store_rotate(vault *v, const unsigned char newkey[32],
                                 rotate_step stage, rotate_step commit, void *ctx);
/* 1 if `key` opens dir/vault.db, 0 if it does not (another key), or a
 * negative vault_status (busy, I/O). */
int vault__store_key_opens(const char *dir, const unsigned char key[32]);
/* 1 if vault.db is no longer the file this handle opened (the key was
 * rotated and the file replaced), or a rotation is switching the files. */
int vault__store_moved(vault *v);
/* 1 if a rotation set the old write-ahead log or shared memory aside and
 * has not removed or restored it (under way, or killed). */
int vault__store_rotation_left(const char *dir);
/* Finish what a rotation killed before its end left, told whether the
 * switch happened (vault.c, pick_dbkey, which knows it from the keys: the
 * export's name is anyone's to plant): before it, the old log and shared
 * memory go back and the new file goes; after it, what was set aside
 * goes.  The caller holds the vault lock. */
vault_status vault__store_settle_rotation_as(const char *dir, int switched);
/* Argon2id levels by cost (test-only 0 .. sensitive 3; -1 unknown). */
int vault__kdf_rank(vault_kdf level);
/* Tests: called at named steps of key-slot and database writes (crash
 * tests raise SIGKILL there).  NULL in production. */
extern void (*vault__crash_hook)(const char *step);
#define VAULT_CRASH_POINT(step)                                                \
	do {                                                                   \
		if (vault__crash_hook != NULL)                                 \
			vault__crash_hook(step);                               \
	} while (0)
/* passphrase.c: 1 (and why, in words) if zxcvbn estimates fewer than 10^8
 * guesses (score below 3). */
int vault__passphrase_weak(const unsigned char *pass, size_t len, const char *user,
                           const char *org, char *why, size_t cap);
/* vault.c: refuse every call of a handle whose passphrase must change. */
vault_status vault__check_expired(vault *v);
/* vault_id() without the first-passphrase check (audit.c). */
vault_status vault__id(vault *v, char out[VAULT_VAULT_ID_BUFSIZE]);
/* vault.c: the KDF level a new slot gets (VAULT_KDF_DEFAULT resolved), or
 * VAULT_ERR_INVALID if it is unknown or cheaper than the vault's default. */
vault_status vault__kdf_check(vault *v, vault_kdf kdf, vault_kdf *out);
/* orgs.c: new organisation keys sealed to the remaining members. */
vault_status vault__org_rotate(vault *v, const char *org);
vault_status vault__org_take_over(vault *v);
/* Create the slot file with its header (default level, inbox key). */
vault_status vault__slots_create(const char *dir, vault_kdf default_kdf,
                                 const unsigned char inbox_pk[32]);
/* Failed-unlock inbox. */
/* Note a failed unlock for the next open to log.  VAULT_ERR_NOSPACE when
 * a full disk kept it out (the caller answers that, not AUTH); otherwise
 * VAULT_OK, even when it could not be noted for another reason. */
vault_status vault__inbox_note(const char *dir, const char *user);
typedef int (*inbox_cb)(const char *user, int64_t ts, void *ctx);
vault_status vault__inbox_drain(const char *dir, const unsigned char pk[32],
                                const unsigned char sk[32], inbox_cb cb,
                                void *ctx, int *count);
void vault__inbox_clear(const char *dir);
int vault__lock_acquire(const char *dir);
void vault__lock_release(int fd);

/* ---- audit_tree.c ------------------------------------------------------ */
/* The Merkle tree hashes to store with entry seq (the next one, with
 * `hash`), *n of them, leaf first; fills in what older rows lack first.
 * Needs v->head_* known.  The caller inserts them with the entry, and
 * clears v->tree_known if that fails. */
vault_status vault__audit_tree_append(vault *v, uint64_t seq, const unsigned char hash[32],
                                      unsigned char stored[TLOG_MAX_LEVELS][TLOG_HASH],
                                      int *n);
/* tlog_read_fn over the table (ctx is the vault). */
vault_status vault__audit_tree_read(void *ctx, int level, uint64_t index,
                                    unsigned char out[TLOG_HASH]);
/* RFC 6962 root of the first `size` entries, from the stored hashes. */
vault_status vault__audit_tree_root(vault *v, uint64_t size, unsigned char root[TLOG_HASH]);

/* Sizes of the version 1 (1.0) layouts of structures that grew in 1.1:
 * a version 1 caller's struct ends there. */
#define OPEN_OPTIONS_V1_SIZE (offsetof(vault_open_options, busy_timeout_ms) + sizeof(int))
#define VERIFY_RESULT_V1_SIZE (offsetof(vault_verify_result, reason) + 256)

/* ---- witness.c --------------------------------------------------------- */
/* Inside the open's transaction, after its entry: the log extends the tree
 * head this user saw (state_dir NULL: no check).  VAULT_ERR_INTEGRITY if not. */
vault_status vault__witness_check(vault *v, const char *state_dir);
/* After the open committed: this user has now seen the log as it is. */
vault_status vault__witness_save(vault *v, const char *state_dir);
/* witness.c: at vault_close(), after the handle committed: the state saved
 * again over the tree its verifier read (best effort). */
void vault__witness_save_at_close(vault *v);
/* A handle already open, after it read entries another connection wrote:
 * the tree t its verifier read must extend every witness state of hers
 * saved since it last looked (by another handle of hers), or the log was
 * cut or forked under it: VAULT_ERR_INTEGRITY. */
vault_status vault__witness_recheck(vault *v, const tlog_frontier *t);
/* The tree head (size, root) this user signed after verifying it in full,
 * from her key slot; *size 0 if none she can vouch for. */
void vault__witness_trusted(vault *v, uint64_t *size, unsigned char root[TLOG_HASH]);

/* ---- store.c ----------------------------------------------------------- */
vault_status vault__store_open(vault *v, const unsigned char dbkey[32],
                               int create, int busy_ms);
void vault__store_close(vault *v);
/* The schema is exactly the one the library's migrations make (compared
 * entry for entry with an in-memory copy): VAULT_ERR_INTEGRITY if not.
 * Checked again only when PRAGMA schema_version moved. */
vault_status vault__store_check_schema(vault *v);
sqlite3_stmt *vault__stmt(vault *v, enum stmt_id id);
vault_status vault__sql_status(vault *v, int rc, const char *what);
vault_status vault__exec(vault *v, const char *sql);
vault_status vault__prepare(vault *v, const char *sql, sqlite3_stmt **out);
/* The cached statement of slot `slot` (< VAULT_DYN_STMTS), prepared from
 * text(slot) (malloc'ed, freed here) the first time, reset and unbound; it
 * lives as long as the connection.  On failure a status (the message set)
 * and *out NULL. */
vault_status vault__stmt_dyn(vault *v, int slot, char *(*text)(int slot),
                             sqlite3_stmt **out);
/* The cached statement of the text `sql` (the row and index checks of
 * lib/facts.c, which build theirs from the schema), prepared the first
 * time, reset and unbound; the oldest of VAULT_TEXT_STMTS not being
 * stepped is finalized to make room.  It lives as long as the connection,
 * or until VAULT_TEXT_STMTS other texts were asked for while it was not
 * being stepped: the caller resets it, never finalizes it, and steps it
 * before asking for that many others. */
vault_status vault__stmt_text(vault *v, const char *sql, sqlite3_stmt **out);
vault_status vault__meta_get(vault *v, const char *k, unsigned char *buf,
                             size_t cap, size_t *len);
vault_status vault__meta_put(vault *v, const char *k, const void *val,
                             size_t len);
/* Transactions: operations nest in savepoints inside vault_begin(). */
vault_status vault__txn_begin(vault *v);
vault_status vault__txn_end(vault *v, int ok);
void vault__txn_undo_op(vault *v);
vault_status vault__txn_begin_light(vault *v);
vault_status vault__txn_savepoint(vault *v);
/* Handle lifecycle helpers shared by vault.c and orgs.c. */
vault_status vault__new_user_secrets(vault *v, slot_secret **sec, unsigned char box_pk[32],
                                     unsigned char sign_pk[32]);
int vault__bind_text(sqlite3_stmt *s, int i, const char *t);
/* Rows copied out of a statement, so that a listing reaches the caller's
 * callback only after its audit entry is committed. */
typedef struct rowbuf {
	sqlite3_value **val;
	int ncol;
	size_t nrow, cap;
} rowbuf;
vault_status vault__rows_fetch(vault *v, sqlite3_stmt *s, rowbuf *rb);
void vault__rows_free(rowbuf *rb);
#define RB_TEXT(rb, r, c) ((const char *)sqlite3_value_text((rb)->val[(r) * (rb)->ncol + (c)]))
#define RB_INT(rb, r, c) sqlite3_value_int((rb)->val[(r) * (rb)->ncol + (c)])
#define RB_INT64(rb, r, c) sqlite3_value_int64((rb)->val[(r) * (rb)->ncol + (c)])

/* ---- audit.c ----------------------------------------------------------- */
typedef struct audit_event {
	const char *action;
	const char *case_id;
	const char *target;
	unsigned int classes;
	const char *cls_text; /* instead of classes, when set */
	vault_outcome outcome;
	const char *reason;
	int high;
	const unsigned char *newkey; /* 32 bytes or NULL */
	/* Statements of this entry, instead of the images of the rows the
	 * operation wrote (lib/facts.c: the legacy statement). */
	const char *fact;
	/* Actor override for entries of the chain's creation. */
	const char *actor_role_text;
	/* The entry's time, 0 for now: an operation's entry carries the time
	 * its decision was made at, which the replay judges it at. */
	int64_t ts;
} audit_event;

vault_status vault__audit_append(vault *v, const audit_event *e);
struct audit_rec;
/* Entry seq, read now, is one this handle verified, unchanged
 * (vault__facts_entry_shown): for what a report shows. */
vault_status vault__audit_entry_check(vault *v, uint64_t seq);
/* Every entry of the log, read now, is one this handle verified, unchanged,
 * and none is gone: for a report that selects entries by their stored
 * columns (one rewritten since would drop out of the selection unseen). */
vault_status vault__audit_log_check(vault *v);
vault_status vault__audit_each_after(vault *v, uint64_t after,
                                     vault_status (*fn)(vault *, const struct audit_rec *,
                                                        void *),
                                     void *ctx);
/* Sign the head before commit if entries of ours are unsigned. */
vault_status vault__audit_seal(vault *v);
vault_outcome vault__outcome_of(vault_status st);

/* ---- gate.c ------------------------------------------------------------ */
/* gate action for operations every user may do: recorded, not decided */
#define POLICY_NONE ((policy_action)0)

typedef struct case_row {
	char id[VAULT_ID_BUFSIZE];
	vault_case_kind kind;
	char owner_org[VAULT_NAME_MAX + 1];
	vault_org_kind owner_kind;
	char created_by[VAULT_NAME_MAX + 1];
	int64_t created;
	int restricted;
} case_row;

#define GATE_MAX_GRANTS 32

typedef struct gate {
	vault *v;
	audit_event ev;
	policy_request req;
	policy_decision dec;
	case_row cs;
	int have_case;
	policy_grant grants[GATE_MAX_GRANTS];
	int in_txn;
	vault_status fill_status; /* set by a fill callback */
	/* A light operation (no savepoint) that wrote a row before its audit
	 * entry sets undo to remove it should the entry fail. */
	vault_status (*undo)(struct gate *g);
	void *undo_ctx;
} gate;

/* Start an operation: open its transaction, load the case (if case_id is
 * not NULL), gather the actor's grants and decide `action` on `classes`.
 * Returns the decision's status (or an error); in every case the caller
 * then calls vault__gate_close() exactly once. `req_extra` (may be NULL)
 * fills the target/consent fields of the request before the decision. */
typedef void (*gate_fill_cb)(gate *g, void *ctx);
vault_status vault__gate_open(vault *v, gate *g, const char *action,
                              policy_action pa, const char *case_id,
                              const char *target, unsigned int classes,
                              gate_fill_cb fill, void *fill_ctx);
/* The same for operations that write at most one row before their entry
 * (record put, get, delete): no savepoint, see vault__txn_begin_light. */
vault_status vault__gate_open_light(vault *v, gate *g, const char *action,
                                    policy_action pa, const char *case_id,
                                    const char *target, unsigned int classes,
                                    gate_fill_cb fill, void *fill_ctx);
/* Finish: undo the operation's changes if st is a failure, write the
 * audit entry with the outcome of st, commit (or release the savepoint).
 * Returns st, or the error that prevented recording it. */
vault_status vault__gate_close(gate *g, vault_status st);

vault_status vault__case_load(vault *v, const char *case_id, case_row *out);
/* The META decision for a loaded case (g->cs), outside any transaction
 * and without an audit entry: for listing, whose one entry covers all. */
vault_status vault__gate_peek(vault *v, gate *g);
/* orgs.c, for share.c */
typedef struct user_row {
	char org[VAULT_NAME_MAX + 1];
	vault_org_kind org_kind;
	vault_role role;
	int disabled;
	unsigned char box_pk[32];
} user_row;
vault_status vault__user_load(vault *v, const char *name, user_row *u);
vault_status vault__org_kind_of(vault *v, const char *org, vault_org_kind *kind,
                                uint32_t *epoch);
vault_status vault__insert_user(vault *v, const char *name, const char *org,
                                vault_role role, const unsigned char box_pk[32],
                                const unsigned char sign_pk[32]);
/* New keys of every class of each case the query (one parameter) names. */
vault_status vault__rotate_cases(vault *v, const char *sql, const char *p1);
/* The class key (case, class, epoch) as the actor can unseal it. */
vault_status vault__class_key(vault *v, const char *case_id, unsigned int cls,
                              uint32_t epoch, unsigned char key[32]);
vault_status vault__class_epoch(vault *v, const char *case_id,
                                unsigned int cls, uint32_t *epoch);
/* Make a new epoch of a class key and seal it to every current holder. */
/* Rotate a class key away from holders whose grant lapsed, before anything
 * is written under it (cases.c). */
vault_status vault__drop_lapsed_holders(vault *v, const char *case_id, unsigned int cls);
vault_status vault__class_rotate(vault *v, const char *case_id,
                                 unsigned int cls);
/* Seal every epoch of a class key the actor holds to one more holder. */
/* Seal to each organisation holding the class (its owner's escrow, a
 * live grant) the epochs it has no seal of that the caller holds: those
 * it was left out of while its keys were not its own. */
vault_status vault__class_refill(vault *v, const char *case_id, unsigned int cls);
vault_status vault__class_seal_all(vault *v, const char *case_id,
                                   unsigned int cls, int hkind,
                                   const char *holder);
/* An organisation's secret key (members' or supervisors'), of one epoch. */
vault_status vault__org_pk(vault *v, const char *org, int which, uint32_t epoch,
                           unsigned char pk[32]);
vault_status vault__org_key(vault *v, const char *org, int which,
                            uint32_t epoch, unsigned char sk[32]);
void vault__cache_forget(vault *v);
/* Forget what the transaction cache holds (and free it: on close). */
void vault__txn_cache_clear(vault *v);
void vault__txn_cache_free(vault *v);
/* Lapsed holders of (case, class) were checked in this transaction. */
int vault__txn_cache_lapsed_checked(vault *v, const char *case_id, unsigned int cls);
void vault__txn_cache_lapsed_mark(vault *v, const char *case_id, unsigned int cls);

#endif
