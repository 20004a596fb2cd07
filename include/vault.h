/*
 * vault.h - the public interface of libvault.
 *
 * libvault stores the case records of victims of gender-based violence and of
 * perpetrators, encrypted and access-controlled, with an audit log that an
 * auditor can verify without any key.  This header is the whole contract: every
 * other file under lib/ is private.
 *
 * Conventions (they hold for every function below unless its comment says
 * otherwise):
 *
 *  - Every function that can fail returns a vault_status: VAULT_OK (0) on
 *    success, a negative VAULT_ERR_* on failure.  Numbers are never reused.
 *  - On failure with a handle, vault_errmsg(handle) holds a one-line detail;
 *    failures before a handle exists (vault_open, vault_create, offline audit
 *    verification) leave it in vault_last_errmsg(), which is thread-local.
 *    Messages never contain passphrases, keys or record content.
 *  - A function that fails changes nothing: every operation runs inside one
 *    SQLite transaction (the caller's, when vault_begin() opened one).
 *  - Strings are NUL-terminated UTF-8.  Pointers passed to callbacks are
 *    valid only during the callback.  A callback returns 0 to continue;
 *    any other value stops the iteration, and the function returns it.
 *  - Bytes handed to the caller come in a vault_buf, released (and wiped)
 *    only with vault_buf_free().
 *  - Thread safety: a handle is used by one thread at a time.  Separate
 *    handles, in one process or several, may work on one vault at once;
 *    a writer waits up to the busy timeout, then gets VAULT_ERR_BUSY.
 *  - The library never prints, never exits and never aborts on bad input.
 *
 * Unless stated otherwise, everything here is @since 1.0.0.
 */
#ifndef VAULT_H
#define VAULT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(VAULT_BUILDING) && defined(__GNUC__)
#define VAULT_API __attribute__((visibility("default")))
#else
#define VAULT_API
#endif

/* ------------------------------------------------------------------------ */
/* Versions                                                                  */
/* ------------------------------------------------------------------------ */

#define VAULT_VERSION_MAJOR 1
#define VAULT_VERSION_MINOR 1
#define VAULT_VERSION_PATCH 0
#define VAULT_VERSION_NUMBER                                                   \
	(VAULT_VERSION_MAJOR * 10000 + VAULT_VERSION_MINOR * 100 +             \
	 VAULT_VERSION_PATCH)
#define VAULT_VERSION_STRING "1.1.0"

/** The version of the library actually linked, as VAULT_VERSION_NUMBER. */
VAULT_API int vault_version_number(void);
/** The version of the library actually linked, as "MAJOR.MINOR.PATCH". */
VAULT_API const char *vault_version_string(void);

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

typedef enum vault_status {
	VAULT_OK = 0,
	/** An argument is NULL, empty, too long or out of range. */
	VAULT_ERR_INVALID = -1,
	/** Memory (or secure memory) could not be allocated. */
	VAULT_ERR_NOMEM = -2,
	/** A file could not be read, written, synced or renamed. */
	VAULT_ERR_IO = -3,
	/** Unknown user, wrong passphrase or disabled user: deliberately one
	 *  status, after the same key-derivation work in every case.  Also
	 *  every call on a handle whose user was disabled after it was opened
	 *  (the handle wipes its keys; close it). */
	VAULT_ERR_AUTH = -4,
	/** The access rules refuse the operation (the attempt is audited). */
	VAULT_ERR_DENIED = -5,
	/** No such vault, organisation, user, case, record, version or consent
	 *  (among those the caller may know of). */
	VAULT_ERR_NOT_FOUND = -6,
	/** The organisation, user or vault already exists. */
	VAULT_ERR_EXISTS = -7,
	/** Stored data fails authentication or is malformed: tampering, a
	 *  ciphertext moved to another row, a damaged file. */
	VAULT_ERR_CORRUPT = -8,
	/** The vault was written by a newer libvault (schema or slot format). */
	VAULT_ERR_VERSION = -9,
	/** Another handle holds the write lock longer than the busy timeout. */
	VAULT_ERR_BUSY = -10,
	/** Sharing a victim case needs a valid consent that covers it. */
	VAULT_ERR_CONSENT = -11,
	/** The audit entry could not be written, so the operation was not done
	 *  and returned no data (fail closed). */
	VAULT_ERR_AUDIT = -12,
	/** Integrity failure: the audit log was changed, reordered, cut or
	 *  forked; or a row, the schema or an index of vault.db is not what the
	 *  signed log and this library say (written around the library).  The
	 *  message names the first bad entry, or what failed. */
	VAULT_ERR_INTEGRITY = -13,
	/** Call out of sequence: vault_commit() without vault_begin(), a nested
	 *  vault_begin(), an operation on a handle whose transaction failed;
	 *  a write that needs a key sealed to an organisation whose keys are
	 *  not its own yet (its first supervisor has not changed her first
	 *  passphrase, or an admin's disable left them owed until a supervisor
	 *  of it opens the vault: vault_user_disable). */
	VAULT_ERR_STATE = -14,
	/** The linked SQLite has no encryption (PRAGMA cipher_version is empty),
	 *  or libsodium could not be initialised.  libvault refuses to run. */
	VAULT_ERR_NOCRYPTO = -15,
	/** The key slot's passphrase was chosen by someone else (vault_org_add,
	 *  vault_user_add) and its owner has not changed it yet: every call but
	 *  vault_passwd() and vault_close() is refused until she does; the
	 *  message says to run `vault passwd` (vault_passwd()).  Refused
	 *  operations on cases, users and the log are audited (outcome
	 *  "denied"): whoever chose the passphrase may be the one trying.
	 *  @since 1.1.0 */
	VAULT_ERR_PASSWD_EXPIRED = -16,
	/** vault_passwd(): the new passphrase is the old one, or too easy to
	 *  guess; the message says why.  @since 1.1.0 */
	VAULT_ERR_WEAK_PASSPHRASE = -17,
	/** A record name exists in more than one class the caller may read:
	 *  name the class.  @since 1.1.0 */
	VAULT_ERR_AMBIGUOUS = -18,
	/** The disk holding the vault is full: nothing was done, because the
	 *  audit entry could not be written.  @since 1.1.0 */
	VAULT_ERR_NOSPACE = -19
} vault_status;

/** Short, static, English text for a status.  Never NULL. */
VAULT_API const char *vault_strerror(vault_status status);

/** Detail of the last failure on this thread of a call that has no handle
 *  (vault_create, vault_open, vault_audit_verify_export).  Never NULL; "" when
 *  there is none.  Valid until the next such call on this thread. */
VAULT_API const char *vault_last_errmsg(void);

/* ------------------------------------------------------------------------ */
/* Buffers and secure memory                                                 */
/* ------------------------------------------------------------------------ */

/** Bytes returned by the library.  Initialise with VAULT_BUF_INIT; release
 *  with vault_buf_free(), which wipes the bytes.  data is NUL-terminated one
 *  byte past len, so text can be used as a C string. */
typedef struct vault_buf {
	unsigned char *data;
	size_t len;
} vault_buf;

#define VAULT_BUF_INIT {NULL, 0}

/** Wipe and free buf->data and reset *buf to VAULT_BUF_INIT.  NULL-safe. */
VAULT_API void vault_buf_free(vault_buf *buf);

/** Guarded, locked memory for secrets the caller holds (a passphrase read
 *  from the terminal).  Returns NULL on failure or when size is 0. */
VAULT_API void *vault_secure_malloc(size_t size);
/** Wipe and release memory from vault_secure_malloc().  NULL-safe. */
VAULT_API void vault_secure_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Enumerations (values are stable; new ones are only appended)              */
/* ------------------------------------------------------------------------ */

/** Argon2id cost of a key slot. */
typedef enum vault_kdf {
	VAULT_KDF_DEFAULT = 0,     /**< the vault's default (MODERATE) */
	VAULT_KDF_INTERACTIVE = 1, /**< libsodium OPSLIMIT/MEMLIMIT_INTERACTIVE */
	VAULT_KDF_MODERATE = 2,    /**< libsodium OPSLIMIT/MEMLIMIT_MODERATE */
	VAULT_KDF_SENSITIVE = 3,   /**< libsodium OPSLIMIT/MEMLIMIT_SENSITIVE */
	/** Argon2id at libsodium's minimum cost.  For test suites only: a
	 *  passphrase under this level falls to brute force. */
	VAULT_KDF_INSECURE_TEST_ONLY = 99
} vault_kdf;

typedef enum vault_org_kind {
	VAULT_ORG_ANTIVIOLENCE_CENTRE = 1,
	VAULT_ORG_RECEPTION_CENTRE = 2,
	VAULT_ORG_PERPETRATOR_PROGRAMME = 3,
	VAULT_ORG_HEALTH = 4,
	VAULT_ORG_AUTHORITY = 5,
	VAULT_ORG_OTHER = 6
} vault_org_kind;

typedef enum vault_role {
	VAULT_ROLE_ADMIN = 1,
	VAULT_ROLE_CASEWORKER = 2,
	VAULT_ROLE_SUPERVISOR = 3,
	VAULT_ROLE_AUDITOR = 4
} vault_role;

typedef enum vault_case_kind {
	VAULT_CASE_VICTIM = 1,
	VAULT_CASE_PERPETRATOR = 2
} vault_case_kind;

/** Sensitivity classes.  The values are bits, so a set of classes is their
 *  OR (an "unsigned int classes" argument). */
typedef enum vault_class {
	VAULT_CLASS_GENERAL = 1,   /**< the case-work record */
	VAULT_CLASS_SENSITIVE = 2, /**< health, legal and immigration status */
	VAULT_CLASS_SAFETY = 4     /**< where she is, how to reach her, who she fears */
} vault_class;

#define VAULT_CLASS_ALL 7u

/** Rights on a case; each includes the ones before it. */
typedef enum vault_perm {
	VAULT_PERM_READ = 1,
	VAULT_PERM_WRITE = 2,
	VAULT_PERM_SHARE = 3
} vault_perm;

typedef enum vault_principal_kind {
	VAULT_PRINCIPAL_ORG = 1,
	VAULT_PRINCIPAL_USER = 2
} vault_principal_kind;

/** The declared purpose of a handle's accesses, recorded with each one. */
typedef enum vault_purpose {
	VAULT_PURPOSE_CASEWORK = 1,
	VAULT_PURPOSE_REFERRAL = 2,
	VAULT_PURPOSE_AUDIT = 3,
	VAULT_PURPOSE_STATISTICS = 4,
	VAULT_PURPOSE_EMERGENCY = 5
} vault_purpose;

/** Legal basis of a consent record (GDPR art. 6/9). */
typedef enum vault_basis {
	VAULT_BASIS_CONSENT = 1,
	VAULT_BASIS_VITAL_INTEREST = 2,   /**< supervisors only, with a reason */
	VAULT_BASIS_LEGAL_OBLIGATION = 3  /**< supervisors only, with a reason */
} vault_basis;

/** What a consent covers (bits). */
#define VAULT_SCOPE_SERVICES 1u   /**< taking part in the services */
#define VAULT_SCOPE_SHARING 2u    /**< sharing with the named organisation */
#define VAULT_SCOPE_STATISTICS 4u /**< anonymised reporting */

/** Audit outcomes. */
typedef enum vault_outcome {
	VAULT_OUTCOME_OK = 1,
	VAULT_OUTCOME_DENIED = 2,
	VAULT_OUTCOME_ERROR = 3
} vault_outcome;

/** Canonical lower-case names ("reception-centre", "safety", ...) and their
 *  inverse.  The *_name functions return NULL for an unknown value; the
 *  *_parse functions return VAULT_ERR_INVALID for an unknown name. */
VAULT_API const char *vault_org_kind_name(vault_org_kind kind);
VAULT_API vault_status vault_org_kind_parse(const char *name, vault_org_kind *out);
VAULT_API const char *vault_role_name(vault_role role);
VAULT_API vault_status vault_role_parse(const char *name, vault_role *out);
VAULT_API const char *vault_case_kind_name(vault_case_kind kind);
VAULT_API vault_status vault_case_kind_parse(const char *name, vault_case_kind *out);
VAULT_API const char *vault_class_name(vault_class cls);
/** Parse one class name, or a comma-separated list into a set of bits. */
VAULT_API vault_status vault_classes_parse(const char *list, unsigned int *out);
VAULT_API const char *vault_perm_name(vault_perm perm);
VAULT_API vault_status vault_perm_parse(const char *name, vault_perm *out);
VAULT_API const char *vault_purpose_name(vault_purpose purpose);
VAULT_API vault_status vault_purpose_parse(const char *name, vault_purpose *out);
VAULT_API const char *vault_basis_name(vault_basis basis);
VAULT_API vault_status vault_basis_parse(const char *name, vault_basis *out);
VAULT_API const char *vault_outcome_name(vault_outcome outcome);
VAULT_API vault_status vault_outcome_parse(const char *name, vault_outcome *out);
/** "interactive", "moderate", "sensitive", "default" and
 *  "insecure-test-only". */
VAULT_API const char *vault_kdf_name(vault_kdf kdf);
VAULT_API vault_status vault_kdf_parse(const char *name, vault_kdf *out);
/** Comma-separated "services,sharing,statistics" into VAULT_SCOPE_* bits. */
VAULT_API vault_status vault_scopes_parse(const char *list, unsigned int *out);

/* ------------------------------------------------------------------------ */
/* Limits                                                                    */
/* ------------------------------------------------------------------------ */

/** Identifiers generated by the library (cases, consents) are this many
 *  lower-case hex characters; buffers for them need VAULT_ID_BUFSIZE. */
#define VAULT_ID_LEN 32
#define VAULT_ID_BUFSIZE 33
/** The vault id (hash of the first audit entry) in hex, plus NUL. */
#define VAULT_VAULT_ID_BUFSIZE 65
/** Names of users, organisations and records: 1..64 bytes of
 *  [A-Za-z0-9._-], not starting with '.' or '-'. */
#define VAULT_NAME_MAX 64
/** Free text (display names, reasons, purposes): at most this many bytes. */
#define VAULT_TEXT_MAX 1024
/** Largest record a vault_record_put() accepts (16 MiB). */
#define VAULT_RECORD_MAX (16u * 1024u * 1024u)
/** Passphrases: 1..VAULT_PASSPHRASE_MAX bytes (any bytes). */
#define VAULT_PASSPHRASE_MAX 1024
/** Shortest reason a break-glass access accepts. */
#define VAULT_BREAK_GLASS_REASON_MIN 20
/** Default and longest break-glass duration, in seconds. */
#define VAULT_BREAK_GLASS_DEFAULT_S (8 * 3600)
#define VAULT_BREAK_GLASS_MAX_S (24 * 3600)

/** Function forms of the constants above, for bindings that cannot read
 *  macros. */
VAULT_API size_t vault_id_bufsize(void);
VAULT_API size_t vault_vault_id_bufsize(void);
VAULT_API size_t vault_name_max(void);
VAULT_API size_t vault_record_max(void);

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                 */
/* ------------------------------------------------------------------------ */

/** An open vault, unlocked by one user.  Opaque. */
typedef struct vault vault;

/** Options of vault_create().  Initialise with VAULT_CREATE_OPTIONS_INIT or
 *  vault_create_options_init(); NULL means defaults.  Fields are only ever
 *  appended; version tells the library how many there are. */
typedef struct vault_create_options {
	unsigned int version;
	/** Cost of the administrator's key slot, and the default for slots made
	 *  later without a level, and the cost spent on an unknown user. */
	vault_kdf kdf;
} vault_create_options;

#define VAULT_CREATE_OPTIONS_VERSION 1
#define VAULT_CREATE_OPTIONS_INIT {VAULT_CREATE_OPTIONS_VERSION, VAULT_KDF_DEFAULT}
VAULT_API vault_status vault_create_options_init(vault_create_options *opts,
                                                 unsigned int version);

/** Options of vault_open(). */
typedef struct vault_open_options {
	unsigned int version;
	/** Declared purpose of every access through this handle;
	 *  0 means VAULT_PURPOSE_CASEWORK. */
	vault_purpose purpose;
	/** How long a writer waits for the lock before VAULT_ERR_BUSY;
	 *  0 means 5000 ms, negative means do not wait. */
	int busy_timeout_ms;
	/** Version 2 (@since 1.1.0): a folder of this user's own, outside the
	 *  vault folder (the CLI uses $XDG_STATE_HOME/libvault, by default
	 *  ~/.local/state/libvault), where the library keeps the newest tree
	 *  head of the audit log this user has seen, signed with her key
	 *  (<state_dir>/<vault id>/<user>, created 0700).  vault_open() then
	 *  checks that the log extends it, and advances it: a log cut, rolled
	 *  back or rewritten below what she saw is VAULT_ERR_INTEGRITY, with a
	 *  message that says so.  A handle left open checks it again after
	 *  another connection wrote, when another handle of hers saved it
	 *  since; a save never replaces a newer state of hers.  NULL: no such
	 *  check (her copy in the key-slot file is still checked). */
	const char *state_dir;
} vault_open_options;

/* Version 1 is the 1.0 layout, without state_dir. */
#define VAULT_OPEN_OPTIONS_VERSION 2
#define VAULT_OPEN_OPTIONS_INIT {VAULT_OPEN_OPTIONS_VERSION, (vault_purpose)0, 0, NULL}
VAULT_API vault_status vault_open_options_init(vault_open_options *opts,
                                               unsigned int version);

/**
 * Create a vault in the directory `path` (created with mode 0700 if absent;
 * an existing folder must be empty and writable by its owner only) with its
 * first administrator `admin`.  The first audit entry records the
 * administrator's public key; its hash is the vault id, pinned in her key
 * slot.  On success, when `out` is not NULL, *out is an open handle for the
 * administrator; the caller closes it.
 *
 * Errors: VAULT_ERR_INVALID (bad name, empty or too long passphrase, unknown
 * kdf; since 1.1.0 also an existing folder that is not empty or that group
 * or others can write, a path that is a symbolic link, a folder of another
 * user, or one in a parent folder that group or others can write and that
 * is not sticky: the message says which), VAULT_ERR_EXISTS (a vault
 * is already there), VAULT_ERR_IO, VAULT_ERR_NOMEM, VAULT_ERR_NOCRYPTO.
 */
VAULT_API vault_status vault_create(const char *path, const char *admin,
                                    const unsigned char *passphrase,
                                    size_t passphrase_len,
                                    const vault_create_options *opts,
                                    vault **out);

/**
 * Unlock the vault at `path` as `user`.  Failed unlock attempts are kept,
 * sealed, in the vault folder and entered in the audit log by the next
 * successful open.  Opening is itself audited.
 *
 * Since 1.1.0: a user whose passphrase someone else chose (vault_org_add,
 * vault_user_add) still opens, but every call of the handle except
 * vault_passwd() and vault_close() returns VAULT_ERR_PASSWD_EXPIRED until
 * vault_passwd() succeeds.  Open also finishes what a crash interrupted:
 * of a passphrase change, the slot whose keys the database holds stays
 * (the other passphrase is VAULT_ERR_AUTH); of a database-key rotation
 * (vault_user_disable), the old file or the new one is kept, as the
 * user's keys tell; the slots of disabled users
 * are removed; a 1.0 slot gets the vault id pinned, and a slot cheaper than
 * the vault's default KDF level is raised to it (both re-seal the slot).
 * A supervisor's open makes her organisation's new keys when an admin's
 * disable of one of its members left them owed (vault_user_disable): an
 * "org.rotate" entry of its own, in proportion to its members (its cases'
 * keys are rotated at the next write under each); if that fails, the open
 * fails with its error and the keys stay owed.
 *
 * Errors: VAULT_ERR_AUTH (unknown or disabled user, or wrong passphrase,
 * indistinguishable), VAULT_ERR_NOT_FOUND (no vault at path),
 * VAULT_ERR_CORRUPT (damaged slot file or database: a damaged slot file is
 * never reported as a wrong passphrase, nor noted as a failed unlock; also
 * a vault file that is a symbolic link, and a database-key rotation cut
 * short whose state the user's own key seals cannot tell, because one was
 * changed in the folder: nothing is settled, and the open of a user whose
 * seals were left alone settles it), VAULT_ERR_VERSION,
 * VAULT_ERR_BUSY, VAULT_ERR_INVALID, VAULT_ERR_IO, VAULT_ERR_NOMEM,
 * VAULT_ERR_NOCRYPTO.
 */
VAULT_API vault_status vault_open(const char *path, const char *user,
                                  const unsigned char *passphrase,
                                  size_t passphrase_len,
                                  const vault_open_options *opts, vault **out);

/** Roll back any open transaction, wipe every key and close.  NULL-safe.
 *  A handle that committed a transaction first saves the user's witness
 *  state again (in her key-slot entry, and in the state folder it was
 *  opened with), over the log as the handle verified it, unless its file
 *  was replaced (a key rotation by another handle) or a newer state of
 *  hers is there, and keeps her cache of facts; both best effort
 *  (nothing is reported). */
VAULT_API void vault_close(vault *v);

/** Detail of the last failure on this handle.  Never NULL. */
VAULT_API const char *vault_errmsg(const vault *v);

/** Change the purpose declared for the following accesses. */
VAULT_API vault_status vault_set_purpose(vault *v, vault_purpose purpose);

/** The unlocked user's name; *org (NULL for none) and *role are filled
 *  when those pointers are not NULL.  NULL if v is NULL. */
VAULT_API const char *vault_whoami(const vault *v, const char **org,
                                   vault_role *role);

/**
 * Change the caller's passphrase and KDF level (VAULT_KDF_DEFAULT keeps the
 * vault default); raising the level this way strengthens an old slot.  The
 * caller also gets new key pairs: everything sealed to the old box key is
 * re-sealed, and the audit entry ("user.rekey", signed with the old key)
 * carries the new signing key.  When the caller is the supervisor of an
 * organisation whose keys an admin made (vault_org_add), the organisation
 * keys and the class keys of its cases are replaced too.  So whoever chose
 * the first passphrase (an admin, a supervisor) holds nothing that opens
 * what is written afterwards.  Since 1.1.0 a slot made by someone else
 * must be changed so before anything else (VAULT_ERR_PASSWD_EXPIRED).
 *
 * The new passphrase may not be the one in use, nor one that zxcvbn
 * estimates at fewer than 10^8 guesses (score below 3): both are
 * VAULT_ERR_WEAK_PASSPHRASE with the reason in vault_errmsg() (never the
 * passphrase).  Vaults created at VAULT_KDF_INSECURE_TEST_ONLY skip the
 * estimate (not the same-passphrase check), so test suites stay simple.
 * A level cheaper than the vault's default is VAULT_ERR_INVALID (except in
 * such a vault).
 *
 * Crash-safe: the new slot is written beside the old one, the database
 * commits, then the old slot goes; killed at any point, exactly one of the
 * two passphrases opens (vault_open settles it).  Not inside vault_begin()
 * (VAULT_ERR_STATE); VAULT_ERR_STATE too from a handle opened before
 * another change of the same user's passphrase (open again).
 */
VAULT_API vault_status vault_passwd(vault *v, const unsigned char *new_passphrase,
                                    size_t new_passphrase_len, vault_kdf kdf);

/** The vault id (hex BLAKE2b-256 of the first audit entry), which auditors
 *  pin.  `out` holds VAULT_VAULT_ID_BUFSIZE bytes.  Since 1.1.0 it is the id
 *  pinned in the caller's key slot; if the database's copy disagrees (the
 *  log may have been rewritten by a holder of the database key), *out
 *  still receives the pinned id and the call returns VAULT_ERR_INTEGRITY
 *  with a message. */
VAULT_API vault_status vault_id(vault *v, char out[VAULT_VAULT_ID_BUFSIZE]);

/**
 * Group the following writes into one transaction (bulk import).  Until
 * vault_commit() nothing is durable; vault_rollback() undoes all of it,
 * audit entries included.
 *
 * Nothing leaves the library before its audit entry is durable, and a
 * transaction could still be rolled back, or the process killed, before it
 * commits.  So, since 1.1.0:
 *  - calls that hand out data (vault_record_get, the *_foreach listings,
 *    vault_case_show, vault_case_links, vault_break_glass and every
 *    vault_audit_* call) return VAULT_ERR_STATE inside a transaction, having
 *    done nothing;
 *  - a write that is refused or fails inside a transaction (after its
 *    arguments were accepted) ends it: everything the transaction did is
 *    undone, the attempt's audit entry is committed on its own, the call
 *    returns its status, and every later call returns VAULT_ERR_STATE until
 *    vault_rollback().  vault_commit() then returns VAULT_ERR_STATE too.
 * vault_org_add, vault_user_add, vault_user_disable and vault_passwd change
 * the key-slot file, which a rollback could not undo: inside a transaction
 * they return VAULT_ERR_STATE.
 * Errors: VAULT_ERR_STATE (already in one), VAULT_ERR_BUSY.
 */
VAULT_API vault_status vault_begin(vault *v);
VAULT_API vault_status vault_commit(vault *v);
VAULT_API vault_status vault_rollback(vault *v);

/* ------------------------------------------------------------------------ */
/* Organisations and users                                                   */
/* ------------------------------------------------------------------------ */

typedef struct vault_org_info {
	const char *id;
	const char *name;
	vault_org_kind kind;
	int64_t created; /**< Unix seconds */
} vault_org_info;

typedef int (*vault_org_cb)(const vault_org_info *info, void *ctx);

/**
 * Add an organisation and its first supervisor, who gets a key slot under
 * `supervisor_passphrase`.  Admins only.  The organisation's secret keys are
 * sealed to the supervisor alone and wiped: the admin keeps none of them.
 * Because the admin chose that passphrase, the supervisor must change it
 * (vault_passwd) before anything else: her slot is marked so, and her calls
 * are VAULT_ERR_PASSWD_EXPIRED until she does (since 1.1.0).  That change
 * replaces her keys and the organisation's, so the admin cannot read its
 * cases.  A crash leaves the organisation and its supervisor entirely
 * added or not at all.
 * Errors: VAULT_ERR_DENIED (not admin), VAULT_ERR_EXISTS, VAULT_ERR_INVALID
 * (also a kdf level cheaper than the vault's default, since 1.1.0).
 */
VAULT_API vault_status vault_org_add(vault *v, const char *id,
                                     const char *display_name,
                                     vault_org_kind kind, const char *supervisor,
                                     const unsigned char *supervisor_passphrase,
                                     size_t supervisor_passphrase_len,
                                     vault_kdf kdf);

/** Call cb for every organisation, ordered by id. */
VAULT_API vault_status vault_org_foreach(vault *v, vault_org_cb cb, void *ctx);

typedef struct vault_user_info {
	const char *name;
	const char *org; /**< NULL for admins and auditors of the network */
	vault_role role;
	int disabled;
	int64_t created;
} vault_user_info;

typedef int (*vault_user_cb)(const vault_user_info *info, void *ctx);

/**
 * Add a user with a key slot under `passphrase`.
 *  - An admin adds admins and auditors (org must be NULL).
 *  - A supervisor adds caseworkers and supervisors to their own organisation
 *    (org NULL or their own), sealing the organisation keys to the new user.
 * The passphrase is a first one: the new user must change it with
 * vault_passwd() before anything else (VAULT_ERR_PASSWD_EXPIRED until
 * then; see vault_user_must_change).  Crash-safe: added entirely or not.
 * Errors: VAULT_ERR_DENIED, VAULT_ERR_EXISTS, VAULT_ERR_NOT_FOUND (org),
 * VAULT_ERR_INVALID (also a kdf level cheaper than the vault's default,
 * since 1.1.0).
 */
VAULT_API vault_status vault_user_add(vault *v, const char *name,
                                      const char *org, vault_role role,
                                      const unsigned char *passphrase,
                                      size_t passphrase_len, vault_kdf kdf);

/** Call cb for every user, ordered by name. */
VAULT_API vault_status vault_user_foreach(vault *v, vault_user_cb cb, void *ctx);

/**
 * Disable a user: remove the key slot, revoke the user's own grants, and
 * rotate the keys of the user's organisation and of every case class it
 * holds, so nothing written afterwards can be read with a key the user had.
 * Admins disable anyone but themselves; a supervisor disables members of
 * their own organisation.  An admin makes no key (he reads no case): his
 * disable of a member of an organisation rotates no key but the
 * database's, and marks the organisation's keys owed; the next open by a
 * supervisor of it makes them (vault_open).  Until then nothing is sealed
 * to that organisation and nothing is written under a key the member held:
 * its members' writes that need a new key fail with VAULT_ERR_STATE and
 * change nothing; other organisations' leave it out (it reads what they
 * wrote meanwhile after their next write once its keys are made).  An
 * organisation whose last supervisor an admin disables stays so (SECURITY.md,
 * Known limits).  Atomic: the
 * key slot is removed after the database commits; killed in between, the
 * next open removes it.
 *
 * Since 1.1.0 it also rotates the database key, so that a copy of the
 * user's old key slot opens nothing current: the database is exported
 * under a new random key into a fresh file that replaces vault.db, and the
 * new key is sealed to every remaining user in the key-slot file.  This
 * rewrites the whole database (about the time of a raw sqlcipher_export of
 * it; the same order of time as reading it all) while holding the write
 * lock, so other writers wait (VAULT_ERR_BUSY after their busy timeout).
 * Killed at any step, the old key (old file and seals) or the new one is
 * in force, never a mix, and every user still opens.  Other handles open
 * on the vault, in this process or another, stay on the replaced file:
 * their next call is VAULT_ERR_AUTH ("the database key was rotated"), and
 * they must be closed and opened again; the caller's handle goes on.
 * The rotation ends with a "vault.rekey" audit entry (target: the user) in
 * the new file, and the caller's witness state (vault_open_options.
 * state_dir and her key-slot copy) is saved past it: the old file put back
 * under vault.db is then a log cut short to her (VAULT_ERR_INTEGRITY at
 * her next open).  If the entry or that state cannot be written, the call
 * returns the error (VAULT_ERR_IO, ...) and says the key was rotated.
 * If the disable committed but the rotation did not finish (killed, disk
 * full: VAULT_ERR_NOSPACE, another writer past the busy timeout:
 * VAULT_ERR_BUSY, a file under one of its names replaced in the vault
 * folder meanwhile: VAULT_ERR_IO), the call returns that error, the user
 * stays disabled, and calling vault_user_disable() again for the same user
 * finishes the rotation (VAULT_OK) instead of reporting
 * VAULT_ERR_NOT_FOUND.
 */
VAULT_API vault_status vault_user_disable(vault *v, const char *name);

/* ------------------------------------------------------------------------ */
/* Cases and records                                                         */
/* ------------------------------------------------------------------------ */

/** vault_case_create() flags. */
#define VAULT_CASE_RESTRICTED 1u

typedef struct vault_case_info {
	const char *id;
	vault_case_kind kind;
	const char *owner_org;
	const char *created_by;
	int64_t created;
	int restricted;
	/** Classes the caller may read now (VAULT_CLASS_* bits). */
	unsigned int readable;
	/** Classes the caller may write now. */
	unsigned int writable;
} vault_case_info;

typedef int (*vault_case_cb)(const vault_case_info *info, void *ctx);

/**
 * Open a new case owned by the caller's organisation.  The identifier is
 * random and reveals nothing.  Without VAULT_CASE_RESTRICTED the whole
 * organisation holds it; with it only the creator does (and the
 * organisation's supervisors through break-glass).  Caseworkers and
 * supervisors only.  `out_id` holds VAULT_ID_BUFSIZE bytes.
 */
VAULT_API vault_status vault_case_create(vault *v, vault_case_kind kind,
                                         unsigned int flags,
                                         char out_id[VAULT_ID_BUFSIZE]);

/** Call cb for every case the caller can read at least one class of. */
VAULT_API vault_status vault_case_foreach(vault *v, vault_case_cb cb, void *ctx);

/** Call cb once with the metadata of one case.  Audited.
 *  VAULT_ERR_NOT_FOUND if it does not exist, VAULT_ERR_DENIED if the caller
 *  holds nothing of it. */
VAULT_API vault_status vault_case_show(vault *v, const char *case_id,
                                       vault_case_cb cb, void *ctx);

typedef struct vault_record_info {
	const char *case_id;
	const char *name;
	vault_class cls;
	uint32_t version;
	int64_t created;
	const char *author;
	int deleted; /**< this version is a tombstone */
	size_t size; /**< plaintext bytes (0 when redacted) */
	/* @since 1.1.0 (the library fills these; a program built against 1.0
	 * never reads past `size`, so the struct may grow) */
	const char *redacted_by;   /**< who redacted this version, or NULL */
	int64_t redacted_at;       /**< when (Unix seconds), or 0 */
	const char *redact_reason; /**< why, or NULL; sealed for the auditors and
	                                the owning organisation (1.1.0): others get
	                                "[sealed for the auditors and the owning
	                                organisation]" */
} vault_record_info;

typedef int (*vault_record_cb)(const vault_record_info *info, void *ctx);

/**
 * A record is identified by its case, its class and its name (since 1.1.0):
 * versions never change class, and the same name may stand for different
 * records in different classes.  Writing a name that exists only in a class
 * the caller cannot read creates the caller's own record in the class named,
 * and reveals nothing of the other.  Calls that take no class (or class 0)
 * mean the one class of that name the caller may read; when the caller may
 * read it in several, they fail with VAULT_ERR_AMBIGUOUS (name the class).
 *
 * Store `len` bytes as the next version of record `name` of a case, in
 * class `cls`, encrypted under the case's current key for that class.
 * *out_version (may be NULL) receives the new version number (from 1).
 * Errors: VAULT_ERR_DENIED (no write right on that class),
 * VAULT_ERR_NOT_FOUND (case), VAULT_ERR_INVALID.
 */
VAULT_API vault_status vault_record_put(vault *v, const char *case_id,
                                        const char *name, vault_class cls,
                                        const void *data, size_t len,
                                        uint32_t *out_version);

/**
 * Decrypt version `version` of a record (0: the latest) into *out, which the
 * caller releases with vault_buf_free().  `info` (may be NULL) is called
 * once with the version's metadata.  A deleted record, or a tombstone
 * version, gives VAULT_ERR_NOT_FOUND.  Errors: VAULT_ERR_DENIED,
 * VAULT_ERR_NOT_FOUND, VAULT_ERR_CORRUPT (authentication failed).
 */
VAULT_API vault_status vault_record_get(vault *v, const char *case_id,
                                        const char *name, uint32_t version,
                                        vault_buf *out, vault_record_cb info,
                                        void *ctx);

/** Call cb with the latest version of each record (name and class) of the
 *  case, among the classes the caller may read, ordered by name and class.
 *  Deleted records are included with deleted set, redacted versions with
 *  redacted_by set.  A version the signed log holds whose sealed name does
 *  not open (its writer sealed it so) is listed under its opaque tag
 *  ("r:" and hex) with size 0; a name or size that is not its row's is
 *  VAULT_ERR_INTEGRITY (since 1.1.0). */
VAULT_API vault_status vault_record_foreach(vault *v, const char *case_id,
                                            vault_record_cb cb, void *ctx);

/** Call cb for every version of one name, in each class the caller may
 *  read, by class then oldest first. */
VAULT_API vault_status vault_record_history(vault *v, const char *case_id,
                                            const char *name,
                                            vault_record_cb cb, void *ctx);

/** Write a tombstone version.  Earlier versions stay readable by version
 *  number for the record's history. */
VAULT_API vault_status vault_record_delete(vault *v, const char *case_id,
                                           const char *name,
                                           uint32_t *out_version);

/**
 * vault_record_get() with a class: `cls` is one VAULT_CLASS_* value, or 0
 * for the one class of that name the caller may read.  A redacted version
 * gives VAULT_ERR_NOT_FOUND (its metadata says who redacted it and why).
 * Errors: as vault_record_get(), and VAULT_ERR_AMBIGUOUS (cls 0, and the
 * name exists in several classes the caller may read).  @since 1.1.0
 */
VAULT_API vault_status vault_record_get_v2(vault *v, const char *case_id,
                                           const char *name, unsigned int cls,
                                           uint32_t version, vault_buf *out,
                                           vault_record_cb info, void *ctx);

/** vault_record_delete() with a class (0: as vault_record_get_v2).
 *  @since 1.1.0 */
VAULT_API vault_status vault_record_delete_v2(vault *v, const char *case_id,
                                              const char *name, unsigned int cls,
                                              uint32_t *out_version);

/** vault_record_history() of one class (0: every class the caller may
 *  read).  @since 1.1.0 */
VAULT_API vault_status vault_record_history_v2(vault *v, const char *case_id,
                                               const char *name, unsigned int cls,
                                               vault_record_cb cb, void *ctx);

/**
 * Remove the content of one version of a record for good: its ciphertext is
 * deleted, overwritten on disk (secure_delete, and a checkpoint that empties
 * the WAL; frames that another open handle still reads are dropped when the
 * last handle closes), and the version stays in the history as redacted, by
 * whom, when and why.  For a supervisor of the case's owning organisation
 * with write on that class, with a reason of at least
 * VAULT_BREAK_GLASS_REASON_MIN bytes; a high-severity audit entry.
 * `cls` 0 means as vault_record_get_v2.  Not inside vault_begin().
 * Errors: VAULT_ERR_DENIED, VAULT_ERR_NOT_FOUND (no such version, or
 * already redacted), VAULT_ERR_INVALID (version 0, a deletion, a short
 * reason), VAULT_ERR_AMBIGUOUS, VAULT_ERR_STATE.  @since 1.1.0
 */
VAULT_API vault_status vault_record_redact(vault *v, const char *case_id,
                                           const char *name, unsigned int cls,
                                           uint32_t version, const char *reason);

/**
 * Move a record's content to another class: every version of it that has
 * content becomes, oldest first, the next version of the record of the
 * same name in class `to` (so its history moves with it and a move
 * destroys nothing), then every version in class `from` is redacted (as
 * vault_record_redact, the reason saying where it went).  Upward (general
 * -> sensitive -> safety) needs write on both classes; `reason` may be NULL.
 * A version someone else wrote moves up only by a supervisor of the owning
 * organisation (VAULT_ERR_DENIED naming its author otherwise, and nothing
 * moves): its copy is written beside its redaction, and no verifier but the
 * copy's readers can compare the two, so moving another's text is a
 * redactor's act (SECURITY.md, attack 80k).  Downward, where more people may
 * read it, needs a supervisor of the owning organisation with write on both
 * and a reason of at least VAULT_BREAK_GLASS_REASON_MIN bytes.  Every move,
 * up or down, is a high-severity entry (the log cannot tell the copy a move
 * leaves from junk written beside a redaction: SECURITY.md, attack 200a).
 * *out_version (may be NULL) receives the new version
 * number in `to` (of the latest version moved).  Not inside vault_begin().
 * @since 1.1.0
 */
VAULT_API vault_status vault_record_reclassify(vault *v, const char *case_id,
                                               const char *name, unsigned int from,
                                               unsigned int to, const char *reason,
                                               uint32_t *out_version);

/* ------------------------------------------------------------------------ */
/* Sharing: consent, grants, revocation, links, break-glass                  */
/* ------------------------------------------------------------------------ */

typedef struct vault_consent_options {
	unsigned int version;
	/** Organisation the consent allows sharing with (required). */
	const char *org;
	/** Classes it covers (VAULT_CLASS_* bits, required). */
	unsigned int classes;
	/** VAULT_SCOPE_* bits; 0 means SERVICES|SHARING. */
	unsigned int scope;
	/** What the sharing is for, in words (required). */
	const char *purpose;
	/** 0 means VAULT_BASIS_CONSENT. */
	vault_basis basis;
	/** Required (VAULT_TEXT_MAX) for vital interest and legal obligation. */
	const char *reason;
	/** When she gave it (Unix seconds); 0 means now. */
	int64_t given_at;
	/** When it lapses (Unix seconds); 0 means never. */
	int64_t expires;
} vault_consent_options;

#define VAULT_CONSENT_OPTIONS_VERSION 1
#define VAULT_CONSENT_OPTIONS_INIT                                             \
	{VAULT_CONSENT_OPTIONS_VERSION, NULL, 0, 0, NULL, (vault_basis)0, NULL, 0, 0}
VAULT_API vault_status vault_consent_options_init(vault_consent_options *opts,
                                                  unsigned int version);

typedef struct vault_consent_info {
	const char *id;
	const char *case_id;
	const char *org;
	unsigned int classes;
	unsigned int scope;
	const char *purpose;
	vault_basis basis;
	const char *reason;
	int64_t given_at;
	int64_t expires;     /**< 0: never */
	int64_t withdrawn;   /**< 0: not withdrawn */
	const char *recorded_by;
} vault_consent_info;

typedef int (*vault_consent_cb)(const vault_consent_info *info, void *ctx);

/**
 * Record a consent for a case the caller holds with the share right.
 * `out_id` (VAULT_ID_BUFSIZE) receives its id.  Emergency bases (vital
 * interest, legal obligation) are for supervisors, with a reason; they are
 * high-severity audit entries.
 */
VAULT_API vault_status vault_consent_add(vault *v, const char *case_id,
                                         const vault_consent_options *opts,
                                         char out_id[VAULT_ID_BUFSIZE]);
/**
 * The consents of a case, oldest first.  Purpose and reason are sealed
 * under the case's general class key (1.1.0): a caller who holds no key of
 * that class gets "" for both.
 */
VAULT_API vault_status vault_consent_foreach(vault *v, const char *case_id,
                                             vault_consent_cb cb, void *ctx);
/** Withdraw a consent and revoke every grant resting on it, as
 *  vault_revoke() does (with its key rotation, or the rotation at the next
 *  write). */
VAULT_API vault_status vault_consent_withdraw(vault *v, const char *consent_id);

typedef struct vault_share_options {
	unsigned int version;
	/** 0 means VAULT_PERM_READ. */
	vault_perm perm;
	/** The consent the share rests on; NULL lets the library pick the
	 *  newest consent of the case that covers it now (needed only for
	 *  victim cases shared outside the owning organisation). */
	const char *consent_id;
	/** Unix seconds; 0 means no end (but never past the consent's). */
	int64_t expires;
} vault_share_options;

#define VAULT_SHARE_OPTIONS_VERSION 1
#define VAULT_SHARE_OPTIONS_INIT {VAULT_SHARE_OPTIONS_VERSION, (vault_perm)0, NULL, 0}
VAULT_API vault_status vault_share_options_init(vault_share_options *opts,
                                                unsigned int version);

typedef struct vault_grant_info {
	const char *case_id;
	vault_principal_kind kind;
	const char *principal;
	unsigned int classes;
	vault_perm perm;
	const char *consent_id; /**< NULL if none */
	int64_t expires;        /**< 0: none */
	const char *granted_by;
	int64_t created;
} vault_grant_info;

typedef int (*vault_grant_cb)(const vault_grant_info *info, void *ctx);

/**
 * Grant an organisation or a user rights on classes of a case, sealing the
 * class keys to them.  Needs the share right on those classes.
 * Errors: VAULT_ERR_CONSENT (victim case leaving its organisation without a
 * valid consent covering that organisation and classes), VAULT_ERR_DENIED
 * (no share right; the safety class of a victim case to a
 * perpetrator-programme organisation or its member), VAULT_ERR_NOT_FOUND.
 *
 * Since 1.1.0: a principal holds one grant per consent it rests on (none,
 * inside the owning organisation and for perpetrator cases).  Sharing again
 * on the same consent replaces that grant's classes, right and expiry
 * rather than adding a second one; `classes` must then include every class
 * it holds (VAULT_ERR_INVALID otherwise: taking classes back is
 * vault_revoke(), which rotates the keys).  A grant expires no later than
 * the consent it rests on, nor than the sharer's own share right on those
 * classes: an earlier end is set in its place (no error), so a holder of a
 * grant for a week cannot pass it on, or give it herself again, for
 * longer.  And a supervisor under
 * vault_break_glass() may share a restricted case of her organisation that
 * nobody holds any more (its holder was disabled, and neither the
 * organisation nor an enabled member of it has a live grant) with another
 * user of her organisation: the hand-over, a high-severity audit entry.
 */
VAULT_API vault_status vault_share(vault *v, const char *case_id,
                                   vault_principal_kind kind,
                                   const char *principal, unsigned int classes,
                                   const vault_share_options *opts);

/**
 * Revoke every grant of a principal on a case, delete the keys sealed to it
 * and, when the caller belongs to the owning organisation, rotate the
 * affected class keys, re-sealed to every remaining holder.  A sharer from
 * another organisation may not make keys of classes she does not read (the
 * signed log would refuse them): then the next write to each affected
 * class rotates it first, so nothing new is written under a key the
 * principal held (since 1.1.0).  The owning organisation's own hold cannot
 * be revoked.  Needs the share right.  Atomic.
 */
VAULT_API vault_status vault_revoke(vault *v, const char *case_id,
                                    vault_principal_kind kind,
                                    const char *principal);

/** Call cb for every live grant on a case.  Needs the share right. */
VAULT_API vault_status vault_grant_foreach(vault *v, const char *case_id,
                                           vault_grant_cb cb, void *ctx);

/**
 * Link a victim case to a perpetrator case.  The link is stored encrypted
 * under the victim case's safety key: it is visible only from the victim's
 * side, to holders of its safety class, and nothing about it is stored with
 * the perpetrator case.  Needs write on the victim case's safety class.
 */
VAULT_API vault_status vault_case_link(vault *v, const char *victim_case,
                                       const char *perpetrator_case);

typedef int (*vault_link_cb)(const char *perpetrator_case, void *ctx);
/**
 * Call cb for each perpetrator case linked to a victim case.  A link that
 * does not open under the case's safety key (written around the library
 * by someone entitled to link, whose signed entry names her) is passed as
 * "" rather than ending the listing: every other link is still listed.
 * Needs read on the victim case's safety class.
 */
VAULT_API vault_status vault_case_links(vault *v, const char *victim_case,
                                        vault_link_cb cb, void *ctx);

/**
 * Emergency access by a supervisor to a case of their own organisation
 * (typically a restricted one), for `duration_s` seconds (0: 8 hours, at
 * most 24), with a written reason of at least VAULT_BREAK_GLASS_REASON_MIN
 * bytes.  Each use is a high-severity audit entry.  Never opens the safety
 * class of a victim case to a perpetrator programme.
 */
VAULT_API vault_status vault_break_glass(vault *v, const char *case_id,
                                         const char *reason, int64_t duration_s);

/* ------------------------------------------------------------------------ */
/* Audit log                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct vault_audit_entry {
	uint64_t seq;
	int64_t ts;          /**< Unix seconds, UTC */
	const char *actor;
	const char *org;     /**< "" if none */
	const char *role;
	const char *action;  /**< e.g. "record.get" */
	const char *case_id; /**< "" if none */
	const char *target;  /**< record name, user, organisation, ... or "" */
	const char *cls;     /**< class list or "" */
	vault_outcome outcome;
	const char *reason;  /**< why refused, or the break-glass reason; or "".
	                          A break-glass or emergency-consent reason is
	                          stored sealed for the auditors and the owning
	                          organisation (1.1.0): opened here for them,
	                          "[sealed for the auditors and the owning
	                          organisation]" for anyone else. */
	const char *purpose;
	const char *newkey;  /**< hex public keys this entry introduces, or "" */
	const char *prev;    /**< hex */
	const char *hash;    /**< hex */
	const char *sig;     /**< hex, "" when a later entry's signature covers it */
	const char *key;     /**< hex Ed25519 key of the signer */
	int high;            /**< high severity: break-glass, emergency basis,
	                          separation refusal */
} vault_audit_entry;

typedef int (*vault_audit_cb)(const vault_audit_entry *entry, void *ctx);

/** Filters of vault_audit_foreach(); zero/NULL fields match everything. */
typedef struct vault_audit_query {
	unsigned int version;
	const char *case_id;
	const char *actor;
	const char *org;
	const char *action;
	vault_outcome outcome;
	int64_t since;       /**< ts >= since */
	int64_t until;       /**< ts <  until (0: no end) */
	int high_only;
	uint64_t after_seq;  /**< seq > after_seq: for paging */
	uint64_t limit;      /**< at most this many (0: all) */
} vault_audit_query;

#define VAULT_AUDIT_QUERY_VERSION 1
#define VAULT_AUDIT_QUERY_INIT {VAULT_AUDIT_QUERY_VERSION, NULL, NULL, NULL, NULL, (vault_outcome)0, 0, 0, 0, 0, 0}
VAULT_API vault_status vault_audit_query_init(vault_audit_query *q,
                                              unsigned int version);

/** Progress of long work: called now and then with entries done and total
 *  (0 when unknown).  Return non-zero to stop. */
typedef int (*vault_progress_cb)(uint64_t done, uint64_t total, void *ctx);

/**
 * Call cb for each matching entry in sequence order.  Auditors and admins
 * see the whole log; other users only their own entries.  The query is
 * itself recorded.  The log is read in order from after_seq and every entry
 * read is checked against what this handle verified (its fields' hash; for
 * an entry shown, its stored hash and signature too): the filters apply to
 * verified fields, so an entry rewritten around the library is
 * VAULT_ERR_INTEGRITY, never shown as rewritten or left out unseen.  No
 * filter is answered through an index of the audit table, whose pages any
 * key-slot holder could rewrite.  Cost: a few hundred milliseconds per
 * 100,000 entries after after_seq.
 */
VAULT_API vault_status vault_audit_foreach(vault *v, const vault_audit_query *q,
                                           vault_audit_cb cb, void *ctx);

/** Write the whole log to `path` as JSON Lines (format in SECURITY.md),
 *  replacing the file atomically.  Auditors and admins.  Recorded.
 *  @since 1.1.0 also writes, beside it as `path`.checkpoint, a checkpoint
 *  (tree kind) of exactly the entries exported, signed by the caller, which
 *  vault_audit_verify_export() then uses. */
VAULT_API vault_status vault_audit_export(vault *v, const char *path,
                                          vault_progress_cb progress, void *ctx);

/** A signed checkpoint of the log as it is now (C2SP signed-note text,
 *  format in SECURITY.md), signed by the caller.  Recorded.  @since 1.1.0
 *  of the tree kind (VAULT_CHECKPOINT_TREE): its third line is the RFC 6962
 *  root, not the hash of the last entry. */
VAULT_API vault_status vault_audit_checkpoint(vault *v, vault_buf *out);

/** Result of a verification.  Initialise with vault_verify_result_init(). */
typedef struct vault_verify_result {
	unsigned int version;
	uint64_t entries;   /**< entries checked */
	uint64_t bad_seq;   /**< first bad sequence number (0: none) */
	char reason[256];   /**< why it failed ("" if ok) */
	/** Version 2 (@since 1.1.0): the kind of the checkpoint that was
	 *  checked, a vault_checkpoint_kind (0: none was given). */
	int checkpoint_kind;
	/** Version 2 (@since 1.1.0): the size of the log, or of the proof's
	 *  tree, that the verification ended at. */
	uint64_t tree_size;
} vault_verify_result;

/** The kinds of checkpoint (@since 1.1.0).  A checkpoint says its kind in
 *  its first line (the origin), so one kind is never read as the other. */
typedef enum vault_checkpoint_kind {
	/** Made by libvault 1.0: origin "libvault/<vault id>", line 3 the
	 *  head of the BLAKE2b hash chain.  Still verified by
	 *  vault_audit_verify(), but no Merkle proof can be checked
	 *  against it. */
	VAULT_CHECKPOINT_CHAIN = 1,
	/** Made by libvault 1.1 on: origin "libvault/<vault id>/tlog", line 3
	 *  the RFC 6962 Merkle tree root of the log (a C2SP tlog-checkpoint). */
	VAULT_CHECKPOINT_TREE = 2
} vault_checkpoint_kind;

/* Version 1 is the 1.0 layout, without checkpoint_kind and tree_size. */
#define VAULT_VERIFY_RESULT_VERSION 2
VAULT_API vault_status vault_verify_result_init(vault_verify_result *res,
                                                unsigned int version);

/**
 * Verify the whole log in the vault: chain, hashes, signatures, key history,
 * and, if `checkpoint` (text) is not NULL, that the log extends it.  Since
 * 1.1.0 the first entry is checked against the vault id pinned in the
 * caller's key slot, not the database's copy.
 * VAULT_OK, or VAULT_ERR_INTEGRITY with the first bad entry in *res.
 * @since 1.1.0 also that the stored Merkle tree is the tree of the log; the
 * checkpoint may be of either kind (vault_checkpoint_kind), and a version 2
 * result says which in res->checkpoint_kind.
 */
VAULT_API vault_status vault_audit_verify(vault *v, const char *checkpoint,
                                          vault_verify_result *res,
                                          vault_progress_cb progress, void *ctx);

/**
 * Verify an export offline: no vault, no key, no passphrase.  `vault_id` is
 * the hex vault id the auditor pinned; `checkpoint` (text, may be NULL) a
 * checkpoint the auditor kept.  Without a checkpoint, entries cut off the
 * end cannot be detected.  @since 1.1.0: with `checkpoint` NULL, the file
 * `path`.checkpoint that vault_audit_export() wrote beside the export is
 * used when it exists (res->checkpoint_kind says whether one was checked);
 * the checkpoint's signature must be by a user the log's key history holds.
 */
VAULT_API vault_status vault_audit_verify_export(const char *path,
                                                 const char *vault_id,
                                                 const char *checkpoint,
                                                 vault_verify_result *res,
                                                 vault_progress_cb progress,
                                                 void *ctx);

/* ------------------------------------------------------------------------ */
/* First passphrases (@since 1.1.0)                                          */
/* ------------------------------------------------------------------------ */

/**
 * *out = 1 if user `name`'s passphrase was chosen by someone else
 * (vault_org_add, vault_user_add) and she has not changed it yet with
 * vault_passwd(); until she does, every call of her handles but
 * vault_passwd() and vault_close() returns VAULT_ERR_PASSWD_EXPIRED.
 * Any unlocked user may ask (as vault_user_foreach lists names).  Reads the
 * key-slot file only: not audited.
 * Errors: VAULT_ERR_NOT_FOUND (no key slot: unknown or disabled user),
 * VAULT_ERR_INVALID, VAULT_ERR_CORRUPT (damaged slot file),
 * VAULT_ERR_PASSWD_EXPIRED (the caller's own passphrase must change).
 * @since 1.1.0
 */
VAULT_API vault_status vault_user_must_change(vault *v, const char *name, int *out);

/* ------------------------------------------------------------------------ */
/* Added in 1.1.0: restricted cases of one's organisation                   */
/* ------------------------------------------------------------------------ */

/**
 * Call cb with the metadata of every restricted case of the caller's
 * organisation, oldest first, whoever holds it: so a supervisor can find
 * the cases of a caseworker who left, reach one with vault_break_glass()
 * and hand it to a colleague with vault_share().  Metadata only (id, kind,
 * owner, creator, creation time); readable and writable say what the
 * caller may read and write now (0 without a grant or break-glass).
 * Supervisors of an organisation only.  The listing is one audit entry
 * ("case.list.restricted"), written before any row reaches cb.
 * Errors: VAULT_ERR_DENIED (not a supervisor), VAULT_ERR_INVALID (cb NULL).
 * @since 1.1.0
 */
VAULT_API vault_status vault_case_foreach_restricted(vault *v, vault_case_cb cb,
                                                     void *ctx);

/* ------------------------------------------------------------------------ */
/* The verifiable log: Merkle tree proofs, verifier keys, cosigning          */
/* (@since 1.1.0)                                                            */
/* ------------------------------------------------------------------------ */

/*
 * The audit log is an RFC 6962 Merkle tree (SHA-256) whose leaf i is the
 * 32-byte hash of entry i + 1 (the "hash" of the export), so leaf hash =
 * SHA-256(0x00 || entry hash).  vault_audit_checkpoint() signs its root as a
 * C2SP tlog-checkpoint in a C2SP signed note, whose Ed25519 signatures any
 * signed-note verifier checks with the verifier keys vault_audit_vkey()
 * publishes (Go's golang.org/x/mod/sumdb/note does, and its
 * golang.org/x/mod/sumdb/tlog checks the proofs below).  SECURITY.md gives
 * every byte, and what the log proves to whom.
 *
 * Proofs are JSON objects (format in SECURITY.md) that carry the signed
 * checkpoints they are proofs against, so that they can be checked with the
 * verifier keys alone: no vault, no key, no passphrase.
 */

/**
 * The signed-note verifier key of a user's audit signing key, in the
 * standard form "name+hash+base64(0x01 || Ed25519 public key)", where hash
 * is 8 hex digits: the first 4 bytes of SHA-256(name || 0x0A || 0x01 ||
 * public key).  `user` NULL means the caller, whose key comes from her own
 * key slot; another user's key is read from the vault's user table (check
 * it against the log with vault_audit_verify() before publishing it).
 * *out (NUL-terminated text) is released with vault_buf_free().
 * Errors: VAULT_ERR_NOT_FOUND (no such user), VAULT_ERR_INVALID.
 * @since 1.1.0
 */
VAULT_API vault_status vault_audit_vkey(vault *v, const char *user, vault_buf *out);

/**
 * An inclusion proof of entry `seq` (1-based), as JSON text in *out: the
 * entry itself (its export line), its leaf index (seq - 1), the tree size,
 * the RFC 6962 audit path (base64 hashes, leaf side first: what Go's
 * tlog.ProveRecord gives) and the signed checkpoint it proves against.
 * `checkpoint` (note text, may be NULL) is a checkpoint of this log, of the
 * tree kind, to prove against; NULL makes a new one, signed by the caller,
 * of the log as it is.  The proof holds only that entry and hashes of
 * subtrees: nothing of any other entry can be read from it.  Auditors and
 * administrators; recorded.  Errors: VAULT_ERR_NOT_FOUND (no such entry, or
 * seq past the checkpoint's size), VAULT_ERR_INVALID (a checkpoint of the
 * 1.0 kind or of another vault), VAULT_ERR_INTEGRITY (the checkpoint's root
 * is not this log's tree at its size: the log was rewritten), VAULT_ERR_DENIED.
 * @since 1.1.0
 */
VAULT_API vault_status vault_audit_prove_inclusion(vault *v, uint64_t seq,
                                                   const char *checkpoint,
                                                   vault_buf *out);

/**
 * A consistency proof (RFC 6962, what Go's tlog.ProveTree gives) that the
 * log of `old_checkpoint` is a prefix of the log of `checkpoint` (NULL: a
 * new checkpoint of the log as it is, signed by the caller), as JSON text
 * in *out, with both checkpoints.  Auditors and administrators; recorded.
 * Errors: as vault_audit_prove_inclusion(); VAULT_ERR_INVALID also when the
 * old checkpoint is larger than the new one.
 * @since 1.1.0
 */
VAULT_API vault_status vault_audit_prove_consistency(vault *v,
                                                     const char *old_checkpoint,
                                                     const char *checkpoint,
                                                     vault_buf *out);

/**
 * Check a proof of vault_audit_prove_inclusion() or
 * vault_audit_prove_consistency() offline: no vault, no key.  `vkeys`
 * holds `nvkeys` trusted verifier keys (vault_audit_vkey()); every
 * checkpoint in the proof must carry a signature that one of them verifies
 * (signatures by other keys are ignored; a signature by one of these keys
 * that does not verify fails).  For an inclusion proof the entry's hash is
 * recomputed from its fields.  VAULT_OK, VAULT_ERR_INTEGRITY with the
 * reason in *res (res->bad_seq is the entry, or 0), or VAULT_ERR_INVALID
 * (malformed proof or key; message in vault_last_errmsg()).
 * res->tree_size is the size the proof is against.
 * @since 1.1.0
 */
VAULT_API vault_status vault_audit_check_proof(const char *proof,
                                               const char *const *vkeys,
                                               size_t nvkeys,
                                               vault_verify_result *res);

/**
 * Cosign a checkpoint of this vault's log, as a witness: check that it is
 * a well-formed tree checkpoint of this vault, that a user of the vault
 * signed it, and that its root is this log's tree at its size: so it is
 * consistent with the log as this handle opened it, which vault_open()
 * checked against the newest state this caller had seen (her witness
 * state, vault_open_options.state_dir; without one, the log alone is the
 * reference); then add the caller's signature line (a plain signed-note Ed25519
 * signature, key name = user name, verifier key from vault_audit_vkey())
 * after the ones it has, into *out.  Any role; recorded.  Errors:
 * VAULT_ERR_INVALID (malformed, 1.0 kind, another vault), VAULT_ERR_INTEGRITY
 * (not this log, or not consistent with what the caller saw),
 * VAULT_ERR_EXISTS (the caller already signed it).
 * @since 1.1.0
 */
VAULT_API vault_status vault_audit_cosign(vault *v, const char *checkpoint,
                                          vault_buf *out);

/* ------------------------------------------------------------------------ */
/* Reports people read (@since 1.1.0)                                        */
/* ------------------------------------------------------------------------ */

/*
 * Reports turn the audit log into something a person reads: the access
 * report a woman is entitled to (GDPR art. 15: who saw her file), and the
 * access review a supervisor makes of her organisation's cases.  They are
 * built from the log and the vault's metadata only: no record is decrypted.
 * Text and HTML are written in plain language, in English or Italian, with
 * a short explanation of what each kind of access means; JSON is for
 * programs (its keys and values are not translated).  The HTML is one
 * self-contained page: no script, no external resource, inline CSS with
 * print rules, every value escaped.
 */

/** How a report is written. */
typedef enum vault_report_format {
	VAULT_REPORT_TEXT = 1, /**< plain text, for the terminal or a letter */
	VAULT_REPORT_JSON = 2, /**< one JSON object, for programs */
	VAULT_REPORT_HTML = 3  /**< one self-contained HTML page that prints well */
} vault_report_format;

/** The language of a text or HTML report. */
typedef enum vault_lang {
	VAULT_LANG_EN = 1,
	VAULT_LANG_IT = 2
} vault_lang;

/** Options of vault_report_access() and vault_report_review().
 *  Initialise with VAULT_REPORT_OPTIONS_INIT or vault_report_options_init();
 *  NULL means defaults.  Fields are only ever appended. */
typedef struct vault_report_options {
	unsigned int version;
	vault_report_format format; /**< 0: VAULT_REPORT_TEXT */
	vault_lang lang;            /**< 0: VAULT_LANG_EN */
	int64_t since;              /**< entries with ts >= since (0: from the start) */
	int64_t until;              /**< entries with ts < until (0: no end) */
	/** vault_report_access() only: name the staff who made each access
	 *  (otherwise only their organisation and role appear).  For
	 *  supervisors and auditors; the report's own audit entry says that
	 *  names were shown. */
	int names;
	/** Times in UTC ("...Z") rather than local time with its offset. */
	int utc;
} vault_report_options;

#define VAULT_REPORT_OPTIONS_VERSION 1
#define VAULT_REPORT_OPTIONS_INIT                                              \
	{VAULT_REPORT_OPTIONS_VERSION, (vault_report_format)0, (vault_lang)0, 0, 0, 0, 0}
/** Fill *opts with the defaults of `version` (VAULT_ERR_INVALID for an
 *  unknown version or NULL).  @since 1.1.0 */
VAULT_API vault_status vault_report_options_init(vault_report_options *opts,
                                                 unsigned int version);

/**
 * Her access report: every attempt recorded in the audit log on case
 * `case_id`, oldest first, within [since, until): when (local time with its
 * offset, or UTC), which organisation and its kind, which role, what
 * (class; read, write, sharing, emergency access or a report), why (the
 * declared purpose), and the outcome, refusals and break-glass uses (with
 * their written reason) included.  Staff names only with opts->names.
 * The report is written into *out (NUL-terminated text), released with
 * vault_buf_free().
 *
 * Who may: holders of the share right on the case (any class), and
 * auditors; opts->names only supervisors among them, and auditors.  Never
 * a member of a perpetrator programme on a victim case.  The report is
 * itself an audit entry ("report.access", target "names" when names were
 * shown), durable before anything is returned, and is the last line of the
 * report it makes.  Not inside vault_begin() (VAULT_ERR_STATE).
 *
 * Errors: VAULT_ERR_INVALID (bad id, options, format or language; out
 * NULL), VAULT_ERR_NOT_FOUND (no such case), VAULT_ERR_DENIED,
 * VAULT_ERR_STATE, VAULT_ERR_AUDIT, VAULT_ERR_NOMEM.
 * @since 1.1.0
 */
VAULT_API vault_status vault_report_access(vault *v, const char *case_id,
                                           const vault_report_options *opts,
                                           vault_buf *out);

/** Days ahead within which vault_report_review() lists grants about to lapse. */
#define VAULT_REPORT_LAPSE_DAYS 14

/**
 * A supervisor's access review of organisation `org`, within [since,
 * until): (1) every access to the organisation's cases by anyone outside
 * it; (2) every break-glass use on its cases, with its written reason;
 * (3) refusals on its cases or of its members, counted by actor and class;
 * (4) consents recorded on an emergency basis (vital interest, legal
 * obligation) on its cases, with their reason; (5) live grants on its
 * cases that lapse within VAULT_REPORT_LAPSE_DAYS days from now.  Staff
 * names are shown (opts->names is ignored).  *out as vault_report_access().
 *
 * Who may: supervisors of `org`, and auditors.  Recorded ("report.review",
 * target the organisation) before anything is returned.  Not inside
 * vault_begin().  Errors: as vault_report_access(); VAULT_ERR_NOT_FOUND
 * for an unknown organisation (only to those who may run the review).
 * @since 1.1.0
 */
VAULT_API vault_status vault_report_review(vault *v, const char *org,
                                           const vault_report_options *opts,
                                           vault_buf *out);

/* ------------------------------------------------------------------------ */
/* Indicators and statistics without reading a case (@since 1.1.0)           */
/* ------------------------------------------------------------------------ */

/*
 * Indicators are a small, versioned vocabulary of structured fields of a
 * victim case (age band, nationality group, types of violence, relation to
 * the perpetrator, children present, referral source and destination, legal
 * status group), from GBVIMS, Istat's survey of anti-violence centres and
 * art. 11 of the Istanbul Convention; README.md lists every key and value
 * and SECURITY.md says how they are stored (encrypted under the case's
 * general class key, in a table of their own).  The statistics an
 * organisation exports count them over its consented cases only, with small
 * cells suppressed, in a JSON document signed by the supervisor as a C2SP
 * signed note; the authority combines the signed exports of the network.
 */

/**
 * The vocabulary as JSON text in *out: {"version": "libvault-indicators/1"
 * (this library's version of it), "keys": [{"key":
 * ..., "multi": bool, "values": [...]}, ...]}.  No handle.  Errors:
 * VAULT_ERR_INVALID (out NULL), VAULT_ERR_NOMEM.  @since 1.1.0
 */
VAULT_API vault_status vault_indicators_vocabulary(vault_buf *out);

/**
 * Set indicators of a case: each of `assignments[0..n)` is "key=value", or
 * "key=v1,v2" for a multi-valued key (types of violence), or "key=" to
 * clear the key.  The others stay as they were.  Checked against the
 * vocabulary before anything is written: an unknown key or value is
 * VAULT_ERR_INVALID, with the valid ones in vault_errmsg().  Needs write on
 * the case's general class; recorded ("case.indicators.set").  Errors:
 * VAULT_ERR_INVALID, VAULT_ERR_NOT_FOUND, VAULT_ERR_DENIED, VAULT_ERR_CORRUPT.
 * @since 1.1.0
 */
VAULT_API vault_status vault_case_indicators_set(vault *v, const char *case_id,
                                                 const char *const *assignments,
                                                 size_t n);

/**
 * The indicators of a case as text in *out, one "key=value" line per key
 * that is set, in the vocabulary's order (multi-valued keys: values
 * comma-separated in the vocabulary's order); "" when none is set.  Needs
 * read on the case's general class; recorded ("case.indicators.get"); not
 * inside vault_begin().  *out is released with vault_buf_free().  Errors:
 * VAULT_ERR_INVALID, VAULT_ERR_NOT_FOUND, VAULT_ERR_DENIED, VAULT_ERR_CORRUPT,
 * VAULT_ERR_STATE.  @since 1.1.0
 */
VAULT_API vault_status vault_case_indicators_get(vault *v, const char *case_id,
                                                 vault_buf *out);

/** Smallest and default threshold under which a count is suppressed. */
#define VAULT_STATS_K_MIN 3
#define VAULT_STATS_K_DEFAULT 5

typedef struct vault_stats_options {
	unsigned int version;
	/** Cases created in [since, until) (Unix seconds, UTC) are counted;
	 *  both required, until > since, at most 120 months apart. */
	int64_t since;
	int64_t until;
	/** Counts below k are suppressed; 0 means VAULT_STATS_K_DEFAULT;
	 *  below VAULT_STATS_K_MIN is VAULT_ERR_INVALID. */
	unsigned int k;
} vault_stats_options;

#define VAULT_STATS_OPTIONS_VERSION 1
#define VAULT_STATS_OPTIONS_INIT {VAULT_STATS_OPTIONS_VERSION, 0, 0, 0}
/** @since 1.1.0 */
VAULT_API vault_status vault_stats_options_init(vault_stats_options *opts,
                                                unsigned int version);

/**
 * Export the statistics of the caller's organisation: over its victim cases
 * created in the period that hold a valid consent (not withdrawn, not
 * expired) whose scope includes VAULT_SCOPE_STATISTICS, each indicator
 * counted by value and by month of the case's creation (UTC); cells below k
 * suppressed, with secondary suppression (method in SECURITY.md).  Cases
 * without that consent appear only in one "not consented" total.  *out
 * receives a C2SP signed note, signed with the caller's audit key (verifier
 * key from vault_audit_vkey()), whose body is the line "libvault-stats/1"
 * and the JSON document (format in SECURITY.md) carrying the vault id, the
 * organisation, the period, k and the vocabulary's version.  Supervisors of
 * an organisation only; recorded ("stats.export"); not inside
 * vault_begin().  Errors: VAULT_ERR_INVALID, VAULT_ERR_DENIED,
 * VAULT_ERR_CORRUPT, VAULT_ERR_STATE, VAULT_ERR_NOMEM.  @since 1.1.0
 */
VAULT_API vault_status vault_stats_export(vault *v, const vault_stats_options *opts,
                                          vault_buf *out);

/** Output formats of vault_stats_combine(). */
typedef enum vault_stats_format {
	VAULT_STATS_JSON = 1,
	VAULT_STATS_CSV = 2,
	VAULT_STATS_HTML = 3 /**< one file, bar charts in inline SVG, no scripts */
} vault_stats_format;

/**
 * Combine signed exports of vault_stats_export() offline: no vault, no key.
 * `docs[0..ndocs)` are the files' contents; `vkeys[0..nvkeys)` the trusted
 * verifier keys (vault_audit_vkey()).  Each document must carry a signature
 * that one of the keys verifies, by the key named as its signer (a
 * signature line of a trusted key that does not verify refuses it too);
 * two documents of the same vault and organisation whose periods overlap
 * are refused; all must be of this vocabulary version.  The figures are
 * summed; a figure suppressed in any document is suppressed in the sum.
 * *out receives the result in `format`.  Errors (message in
 * vault_last_errmsg()): VAULT_ERR_INTEGRITY (a signature fails or no
 * trusted key signed), VAULT_ERR_EXISTS (same organisation and period),
 * VAULT_ERR_INVALID (malformed document or key, other vocabulary),
 * VAULT_ERR_NOMEM.  @since 1.1.0
 */
VAULT_API vault_status vault_stats_combine(const char *const *docs, size_t ndocs,
                                           const char *const *vkeys, size_t nvkeys,
                                           vault_stats_format format, vault_buf *out);

#ifdef __cplusplus
}
#endif

#endif /* VAULT_H */
