/*
 * audit_chain.h - the audit log's format, shared by its files: entry
 * encoding and hash (audit_entry.c), the chain, signature, tree and
 * checkpoint rules of verification (audit_verify.c), JSON Lines export and
 * its offline verification (audit_export.c), checkpoints (audit_checkpoint.c)
 * and proofs checked offline (audit_proof.c).
 *
 * Nothing here touches the database: lib/audit.c feeds entries from the
 * vault, vault_audit_verify_export() feeds them from an export file, and
 * both go through the same verifier.  SECURITY.md documents every byte.
 */
#ifndef VAULT_AUDIT_CHAIN_H
#define VAULT_AUDIT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "tlog.h"
#include "vault.h"

#define AUDIT_HASH_BYTES 32 /* BLAKE2b-256 */
#define AUDIT_KEY_BYTES 32  /* Ed25519 public key */
#define AUDIT_SIG_BYTES 64  /* Ed25519 signature */
#define AUDIT_DOMAIN "libvault-audit-v1"
/* Entries that carry signed statements (lib/facts.c) hash under their own
 * domain, with the statement text as one more field. */
#define AUDIT_DOMAIN_FACTS "libvault-audit-v2"
/* Longest statement text.  The largest a library writes is a disable's,
 * which rotates every case its organisation owns: about 500 bytes a case,
 * so 1 MiB refused the disable of a member of an organisation that owned
 * about 2,000 cases (checked: 1,500 went through, 2,200 did not); 16 MiB
 * takes about 30,000. */
#define FACT_MAX (16u * 1024u * 1024u - 4096u)

#define FIELD_MAX 65535u               /* longest text field the encoding takes */
/* Longest export line: the statement text escaped (JSON already, so at
 * most twice as long: 32 MiB) and the ten other text fields at their
 * longest, each control character escaped six times as long (under 4 MiB). */
#define LINE_MAX_BYTES (40u * 1024u * 1024u)
#define LINE_MAX_TEXT "40 MiB"
#define PROGRESS_EVERY 4096u
#define NOTE_MAX 16384u                /* longest checkpoint text */
#define NOTE_SIG_B64_MAX 1024          /* base64 of a foreign signature */
#define ORIGIN_PREFIX "libvault/"
#define EM_DASH "\xe2\x80\x94"         /* U+2014, starts a signature line */
#define REC_TEXT_FIELDS 10

/* Earliest and latest times RFC 3339 can write with a four-digit year:
 * 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define TS_MIN INT64_C(-62167219200)
#define TS_MAX INT64_C(253402300799)

/* Defined in lib/error.c (declared in internal.h, which these files do not
 * include so that they build without SQLite): the thread-local message of
 * handle-less calls. */
extern void vault__set_last_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* One entry.  Text fields are never NULL ("" for none) and hold no NUL. */
typedef struct audit_rec {
	uint64_t seq;
	int64_t ts;
	const char *actor, *org, *role, *action, *case_id, *target, *cls,
	    *outcome, *reason, *purpose;
	/* Signed statements (lib/facts.c, SECURITY.md): JSON text, or NULL or
	 * "" for none.  Not one of the REC_TEXT_FIELDS: entries without it hash
	 * as they always did. */
	const char *fact;
	unsigned char newkey[AUDIT_KEY_BYTES]; /* key this entry introduces */
	int has_newkey;
	int high;
	unsigned char prev[AUDIT_HASH_BYTES];
	unsigned char hash[AUDIT_HASH_BYTES];
	unsigned char key[AUDIT_KEY_BYTES];    /* signer's Ed25519 public key */
	unsigned char sig[AUDIT_SIG_BYTES];
	int has_sig;  /* 0: covered by the next signed entry of the same signer */
} audit_rec;

/* Helpers of the audit_*.c files (audit_entry.c). */
int vault__audit_hex_nibble(char c);
/* Lower-case hex of exactly outlen bytes; 0 or -1. */
int vault__audit_unhex(const char *hex, size_t hexlen, unsigned char *out, size_t outlen);
/* Either case (an id typed by an auditor); 0 or -1. */
int vault__audit_unhex_any(const char *hex, unsigned char *out, size_t outlen);
void vault__audit_hex(char *out, const unsigned char *bin, size_t binlen);
/* The vault's rule for user and organisation names (vault.h). */
int vault__audit_valid_name(const char *s, size_t n);
void vault__audit_why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Text field i (0..REC_TEXT_FIELDS-1) of an entry, in encoding order. */
const char *vault__audit_rec_text(const struct audit_rec *r, int i);
/* Every text field is there (audit_verify.c). */
int vault__audit_rec_complete(const struct audit_rec *r);
/* Canonical standard base64 of exactly n bytes of text into out (cap
 * bytes): the decoded length, or -1 (audit_checkpoint.c). */
long vault__audit_b64_decode(const char *s, size_t n, unsigned char *out, size_t cap);

/* hash = BLAKE2b-256(encoding), the encoding as SECURITY.md gives it (it
 * covers prev and key, not hash or sig).  VAULT_ERR_INVALID if a field is
 * too long to encode. */
vault_status vault_audit_rec_hash(const audit_rec *r,
                                  unsigned char out[AUDIT_HASH_BYTES]);

/* Streaming verifier: push entries in order, then finish. */
typedef struct audit_verifier audit_verifier;

/* vault_id: the pinned hash of entry 1, or NULL to accept entry 1's own
 * (in-vault verification, where the id comes from the same database). */
vault_status vault_audit_verifier_new(const unsigned char *vault_id,
                                      audit_verifier **out);
/* Give the verifier the checkpoint (parsed) before the first push, so that it
 * checks the head when it reaches entry cp->size without keeping every hash.
 * finish() then needs no checkpoint argument.  A checkpoint passed only to
 * finish() can be checked only if its size is the log's length; an older one
 * gives VAULT_ERR_STATE there.  VAULT_ERR_STATE after a push, VAULT_ERR_INVALID
 * for a NULL or size-0 checkpoint. */
struct audit_checkpoint;
vault_status vault_audit_verifier_set_checkpoint(audit_verifier *av,
                                                 const struct audit_checkpoint *cp);
/* A prefix this user's library verified in full before: the tree head
 * (size, RFC 6962 root) she signed after that verification (witness.c).
 * Entries 1..size are checked as always (fields against hash, chain, keys,
 * runs), but their Ed25519 signatures are not verified again: instead the
 * root of the tree of those entries, computed here from their fields, must
 * be `root` when entry `size` is pushed, or the push fails INTEGRITY.  Equal
 * roots mean the same fields she verified (collision resistance of
 * BLAKE2b and SHA-256), so the signatures she checked then still cover them.
 * The caller must refuse a log that ends before `size` (the verifier cannot
 * tell a short log from one still being pushed).  Before the first push:
 * VAULT_ERR_STATE after it. */
vault_status vault__audit_verifier_trust(audit_verifier *av, uint64_t size,
                                         const unsigned char root[TLOG_HASH]);
/* The state of a verifier (lib/facts.c keeps it in the user's sealed cache
 * of facts, so that her next open resumes where this one stopped instead of
 * reading the log again): the vault id, the last entry's hash, the entries
 * counted, the key history and the tree.  Only between runs: a verifier
 * with a checkpoint, a failure, or a run of unsigned entries pending has no
 * state to save (VAULT_ERR_STATE).  *out is a new JSON object. */
struct json_t;
vault_status vault__audit_verifier_save(const audit_verifier *av, struct json_t **out);
/* A fresh verifier (no push yet) takes a saved state: the pinned id, if
 * any, must be the state's vault id.  VAULT_ERR_CORRUPT for a malformed
 * state, VAULT_ERR_INTEGRITY for another vault's, VAULT_ERR_NOMEM.  A trust
 * prefix set before (vault__audit_verifier_trust) is kept if it ends after
 * the state, and dropped otherwise. */
vault_status vault__audit_verifier_load(audit_verifier *av, struct json_t *in);
/* VAULT_OK, or VAULT_ERR_INTEGRITY with res->bad_seq and res->reason set
 * (res->entries counts entries accepted so far). */
vault_status vault_audit_verifier_push(audit_verifier *av, const audit_rec *r,
                                       vault_verify_result *res);
/* End of the log: every entry must be covered by a signature; with a
 * checkpoint (parsed, may be NULL) the log must contain it and extend it. */
struct audit_checkpoint;
vault_status vault_audit_verifier_finish(audit_verifier *av,
                                         const struct audit_checkpoint *cp,
                                         vault_verify_result *res);
void vault_audit_verifier_free(audit_verifier *av);

/* One export line (JSON object, fields as in SECURITY.md, no newline) in a
 * malloc'ed string the caller frees. */
vault_status vault_audit_rec_to_json(const audit_rec *r, char **out);

/* Parse one export line.  The strings of *r point into *store, which the
 * caller releases with free() (also on failure).  VAULT_ERR_CORRUPT with a
 * message in `why` (>= 128 bytes) for any malformed line. */
vault_status vault_audit_rec_from_json(const char *line, size_t len,
                                       audit_rec *r, void **store, char *why,
                                       size_t whylen);

/* The stored tree hashes of the entry pushed last (lib/tlog.h), and the
 * RFC 6962 root of the entries pushed so far. */
void vault_audit_verifier_stored(const audit_verifier *av,
                                 const unsigned char **hashes, size_t *len);
void vault_audit_verifier_root(const audit_verifier *av,
                               unsigned char root[TLOG_HASH]);
/* The RFC 6962 tree of the entries pushed so far (its right edge). */
void vault__audit_verifier_frontier(const audit_verifier *av, tlog_frontier *out);
/* From now on, keep the leaf hash of every entry pushed (a handle's
 * verifier: 32 bytes an entry; a verifier that loads a saved state starts
 * its record there). */
void vault__audit_verifier_keep_leaves(audit_verifier *av);
/* The root of the first `size` leaves, from the tree's edge where the
 * record starts and the leaves since: 1, or 0 when the record does not
 * reach (size before it or after the last push, or no record kept). */
int vault__audit_verifier_root_at(const audit_verifier *av, uint64_t size,
                                  unsigned char root[TLOG_HASH]);
/* The number of entries pushed so far, and the hash of the last of them
 * (all zero before the first). */
uint64_t vault__audit_verifier_last(const audit_verifier *av,
                                    unsigned char last[AUDIT_HASH_BYTES]);

struct audit_checkpoint;
/* Sizes and strings in range (audit_checkpoint.c). */
int vault__audit_cp_well_formed(const struct audit_checkpoint *cp);

/* Checkpoint kinds.  The kind is in the origin line, so a verifier that
 * knows only one kind cannot mistake the other for it. */
#define AUDIT_CP_CHAIN 1 /* 1.0.0: "libvault/<id>", line 3 the chain head */
#define AUDIT_CP_TREE 2  /* 1.1.0: "libvault/<id>/tlog", line 3 the RFC 6962 root */
#define AUDIT_CP_TREE_SUFFIX "/tlog"

#define NOTE_SIGS_MAX 16   /* signature lines in a checkpoint */
#define NOTE_NAME_MAX 256  /* key name in a signature line, bytes */

/* One signature line of a signed note. */
typedef struct audit_note_sig {
	char name[NOTE_NAME_MAX + 1];
	unsigned char keyid[4];
	int ed25519; /* 1: 64 signature bytes follow the key id */
	unsigned char sig[AUDIT_SIG_BYTES];
} audit_note_sig;

/* Checkpoint: C2SP signed note. */
typedef struct audit_checkpoint {
	char origin[128];   /* "libvault/<vault id hex>[/tlog]" */
	int kind;           /* AUDIT_CP_* */
	uint64_t size;      /* entries */
	unsigned char head[AUDIT_HASH_BYTES]; /* chain head or tree root */
	/* The first Ed25519 signature whose key name is a libvault user name. */
	char signer[VAULT_NAME_MAX + 1];
	unsigned char keyid[4];
	unsigned char sig[AUDIT_SIG_BYTES];
	/* every signature line, in order */
	audit_note_sig sigs[NOTE_SIGS_MAX];
	int nsigs;
	/* the signed body (origin, size and head lines) */
	char body[256];
	size_t body_len;
} audit_checkpoint;

/* A checkpoint of the tree (AUDIT_CP_TREE) of `size` entries with the given
 * root, as vault_audit_checkpoint_make() makes one of the chain head. */
vault_status vault_audit_checkpoint_make_tree(const char *vault_id_hex, uint64_t size,
                                              const unsigned char root[TLOG_HASH],
                                              const char *signer,
                                              const unsigned char sign_sk[64],
                                              const unsigned char sign_pk[32],
                                              vault_buf *out);
/* The note text of *cp with one more signature line by (name, key), after
 * the ones it has.  VAULT_ERR_EXISTS if that key already signed it. */
vault_status vault_audit_checkpoint_add_sig(const audit_checkpoint *cp,
                                            const char *text, size_t len,
                                            const char *name,
                                            const unsigned char sign_sk[64],
                                            const unsigned char sign_pk[32],
                                            vault_buf *out);
/* The signed-note key hash of (name, Ed25519 key): the first 4 bytes of
 * SHA-256(name || 0x0A || 0x01 || key). */
void vault_audit_note_keyid(const char *name, const unsigned char pk[32],
                            unsigned char id[4]);
/* Does one of cp's signature lines verify with (name, pk)?  1 yes, 0 no such
 * line, -1 a line of that key that does not verify. */
int vault_audit_checkpoint_signed_by(const audit_checkpoint *cp, const char *name,
                                     const unsigned char pk[32]);
/* Is the text a legal signed-note key name (non-empty UTF-8, no space of
 * any kind, no '+')? */
int vault_audit_note_name_ok(const char *s, size_t n);

/* Make the note text (1.0.0 kind, AUDIT_CP_CHAIN) into *out (vault_buf,
 * NUL-terminated). */
vault_status vault_audit_checkpoint_make(const char *vault_id_hex, uint64_t size,
                                         const unsigned char head[AUDIT_HASH_BYTES],
                                         const char *signer,
                                         const unsigned char sign_sk[64],
                                         const unsigned char sign_pk[32],
                                         vault_buf *out);
/* Parse (not verify) a note.  VAULT_ERR_CORRUPT when malformed. */
vault_status vault_audit_checkpoint_parse(const char *text, size_t len,
                                          audit_checkpoint *out, char *why,
                                          size_t whylen);
/* Check the signature of cp->signer with `pk` (the signer's key as the chain
 * knows it).  VAULT_OK or VAULT_ERR_INTEGRITY. */
vault_status vault_audit_checkpoint_check_sig(const audit_checkpoint *cp,
                                              const unsigned char pk[32]);

/* ---- signed notes of any body (lib/stats.c) ---------------------------- */

#define NOTE_BODY_MAX (4u * 1024u * 1024u)

/* The note text of `body` (note text ending with a newline, no blank line)
 * with one signature line by (name, key), into *out (sodium memory). */
vault_status vault__note_sign(const char *body, size_t blen, const char *name,
                              const unsigned char sign_sk[64],
                              const unsigned char sign_pk[32], vault_buf *out);
/* Split a note into its body (text[0..*body_len), with its last newline)
 * and signature lines (sigs holds NOTE_SIGS_MAX).  Parses, does not verify.
 * VAULT_ERR_CORRUPT, with why, when malformed. */
vault_status vault__note_parse(const char *text, size_t len, size_t *body_len,
                               audit_note_sig *sigs, int *nsigs, char *why,
                               size_t whylen);
/* As vault_audit_checkpoint_signed_by, for a parsed note: 1 a line of
 * (name, pk) verifies, 0 none, -1 one of its lines does not verify. */
int vault__note_signed_by(const audit_note_sig *sigs, int nsigs, const char *body,
                          size_t blen, const char *name, const unsigned char pk[32]);
/* A verifier key "name+hash+base64(0x01 || key)" (audit_proof.c): 0 or -1. */
int vault__audit_vkey_parse(const char *s, char name[NOTE_NAME_MAX + 1],
                            unsigned char pk[32]);

#endif
