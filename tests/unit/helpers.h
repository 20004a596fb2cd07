/*
 * helpers.h - shared fixtures of the unit tests: temporary vaults, a small
 * network of organisations and users, direct access to the database with a
 * user's own keys (what an insider with the raw files could do).
 */
#ifndef VAULT_TEST_HELPERS_H
#define VAULT_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "vault.h"

#define TEST_KDF VAULT_KDF_INSECURE_TEST_ONLY

/* A fresh empty directory under /tmp; free with th_rmdir(). */
char *th_tmpdir(void);
/* Remove a directory tree (vault folders are flat, but be thorough). */
void th_rmdir(char *dir);
/* Copy one file (made 0600), asserting every step. */
void th_copy_file(const char *from, const char *to);

/* Passphrase of a fixture user: "pw-<name>". */
const unsigned char *th_pass(const char *name, size_t *len);

/* First passphrase of a fixture user, chosen by whoever added her:
 * "first-<name>".  th_first_passwd() opens with it and changes it to
 * th_pass(name), as every user must before anything else. */
const unsigned char *th_first_pass(const char *name, size_t *len);
void th_first_passwd(const char *dir, const char *name);

/* The network: admin "admin"; organisations and users:
 *   cav   antiviolence-centre    supervisor "cav_sup", caseworker "cav_cw"
 *   cas   reception-centre       supervisor "cas_sup", caseworker "cas_cw"
 *   cuav  perpetrator-programme  supervisor "cuav_sup", caseworker "cuav_cw"
 *   asl   health                 supervisor "asl_sup", caseworker "asl_cw"
 *   pref  authority              supervisor "pref_sup"
 *   oth   other                  supervisor "oth_sup"
 *   auditor "aud" (no organisation), second admin "admin2".
 * Returns the directory (free with th_rmdir). */
char *th_network(void);

/* Open as a fixture user with th_pass(user) (asserts success).  A user a
 * test added with th_pass(name) as her first passphrase changes it here
 * (away and back), so the handle is usable; tests of the refusal itself
 * open with vault_open(). */
vault *th_open(const char *dir, const char *user);

/* Create a case as `user` (opens and closes a handle); id into out. */
void th_case(const char *dir, const char *user, vault_case_kind kind,
             unsigned int flags, char out[VAULT_ID_BUFSIZE]);
/* Put a record as `user`. */
void th_put(const char *dir, const char *user, const char *case_id,
            const char *name, vault_class cls, const char *text);
/* Get a record as `user`: the status; *text (malloc'ed) on success. */
vault_status th_get(const char *dir, const char *user, const char *case_id,
                    const char *name, char **text);

/* 1 if `needle` occurs anywhere in any file of `dir`. */
int th_dir_contains(const char *dir, const void *needle, size_t len);

/* Open vault.db directly with the database key from `user`'s own slot. */
sqlite3 *th_db_open(const char *dir, const char *user);
/* The same with a database key in hand (an old one a user kept, a new one
 * she got). */
sqlite3 *th_db_open_key(const char *dir, const unsigned char dbkey[32]);
/* Try to open a class key of (case, class, epoch) with every key `user`
 * holds or can unseal from the database (their box key, every epoch of
 * their organisation's keys): 1 if any opens, 0 if none. */
int th_user_can_unseal(const char *dir, const char *user, const char *case_id,
                       unsigned int cls, uint32_t epoch);
/* Try to decrypt the latest version of a record with any class key `user`
 * can unseal by hand: 1 if the plaintext comes out, 0 if not. */
/* The tag that names the record `name` of a case in records.name, found
 * with `user`'s keys (the highest class first); returns its class, 0 if
 * there is none she can name. */
unsigned int th_find_tag(const char *dir, const char *user, const char *case_id,
                         const char *name, unsigned char tag[16]);
/* The tag that names (case, cls, name) in records.name, as hex for SQL
 * (X'...'), computed with `user`'s keys (lib/freetext.c). */
void th_tag_hex(const char *dir, const char *user, const char *case_id, unsigned int cls,
                const char *name, char out[33]);
int th_user_can_decrypt(const char *dir, const char *user, const char *case_id,
                        const char *name);
/* Run SQL on the database directly (with `user`'s db key); 0 on success. */
int th_db_exec(const char *dir, const char *user, const char *sql);
/* The vault made by the 1.0.0 release (fixtures/vault-1.0.0), copied into
 * dir = base/v (created), and the id of its case. */
void th_fixture_1_0_0(const char *fixtures, const char *base, char *dir, size_t dirlen,
                      char case_id[VAULT_ID_BUFSIZE]);
/* One integer from a query run directly on vault.db (-1 if no row). */
long long th_db_int(const char *dir, const char *user, const char *sql);

/* Remove the witness copy from `user`'s key-slot entry: she comes to the
 * log afresh (tests of vault_audit_verify's own diagnosis, after tampering
 * her library would otherwise stop at open). */
void th_forget_witness(const char *dir, const char *user);
/* Remove the user's sealed cache of facts (lib/facts_cache.c): her next
 * open reads the whole log, as someone who comes to it afresh. */
void th_forget_cache(const char *dir, const char *user);

/* The raw SQLCipher key of the vault, from `user`'s own slot. */
void th_db_key(const char *dir, const char *user, unsigned char key[32]);

/* Flip one byte at `offset` (negative: from the end) of a file. */
void th_flip_byte(const char *path, long offset);

#endif
