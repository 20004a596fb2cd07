/*
 * facts.h - the files are untrusted: signed statements in, verified facts out.
 *
 * Every row that decides access or says whom to seal a key to (the
 * "authoritative" tables: users, orgs, org_pubkeys, cases, case_classes,
 * class_epochs, grants, consents, links, breakglass, records, indicators)
 * is a fact.  The operation that writes such a row states the row's new
 * image (or its removal) in the `fact` field of its audit entry, which the
 * actor signs and the Merkle tree commits.  This layer
 *
 *  - collects the images of the rows an operation wrote (a SQLite update
 *    hook sees every insert and update; removals are declared before they
 *    happen) and hands them to the audit entry as one statement text;
 *  - replays the verified log (chain, signatures and key history as
 *    vault_audit_verify() checks them) into the set of row images it
 *    vouches for, judging each statement by the pure policy function over
 *    the facts as they stood at that entry: a statement its signer was not
 *    entitled to make is VAULT_ERR_INTEGRITY;
 *  - checks the rows the library relies on against that set before they
 *    are used: any row written around the API (added, changed, removed) is
 *    VAULT_ERR_INTEGRITY, with what failed.
 *
 * The policy stays pure: it judges facts, it never sees a signature.
 * SECURITY.md ("The files are untrusted") documents the statement format.
 */
#ifndef VAULT_FACTS_H
#define VAULT_FACTS_H

#include <stdint.h>

#include "vault.h"

struct vault;
struct audit_rec;
typedef struct facts facts;

/* After the store is open (schema current): replay the log, vouch for the
 * rows of a vault made before schema 7 (legacy), and check the global rows. */
vault_status vault__facts_start(struct vault *v);
void vault__facts_free(struct vault *v);

/* At the start of every transaction: catch up with entries others
 * appended, and check the global rows again if another connection wrote. */
vault_status vault__facts_sync(struct vault *v);

/* A row of an authoritative table is about to be deleted (the update hook
 * cannot read a row that is gone).  `where` selects the rows by rowid-free
 * columns, with ?1 and ?2 bound to a1 and a2 (a2 may be NULL). */
vault_status vault__facts_note_delete(struct vault *v, const char *table,
                                      const char *where, const char *a1,
                                      const char *a2);

/* The statement text of the rows written since the last entry, for an
 * entry with outcome "ok" (NULL when none; the caller frees it with free()).
 * An entry of another outcome calls vault__facts_discard(). */
vault_status vault__facts_take(struct vault *v, char **text);
void vault__facts_discard(struct vault *v);
/* Our own entry is in the log: its statements become facts when the
 * transaction commits (vault__facts_commit), or go with a rollback
 * (vault__facts_reset, which every rollback path runs). */
vault_status vault__facts_own(struct vault *v, const struct audit_rec *r);
void vault__facts_commit(struct vault *v);
void vault__facts_reset(struct vault *v);

/* The rows of a case (all authoritative tables but records, which are
 * checked one by one as they are read) are the ones the log vouches for. */
vault_status vault__facts_check_case(struct vault *v, const char *case_id);
/* Every row of each named table of facts (NULL-terminated list: "cases",
 * "grants", "orgs", ...), for every case, is one the log vouches for, and
 * every index of those tables agrees with them, read now: for a report
 * that reads them across an organisation's cases, in its own transaction. */
vault_status vault__facts_check_tables(struct vault *v, const char *const *names);
/* One row, by rowid, is one the log vouches for.  For records, `latest`
 * set also checks that no newer version of it is a fact. */
vault_status vault__facts_check_row(struct vault *v, const char *table,
                                    int64_t rowid, int latest);
/* The same for a row of records, and *legacy: is its fact a legacy one
 * (a row of 1.x, vouched for by the migration from a vault made before
 * schema 7)?  A row holding a name in clear is a version of 1.x of the
 * record only then: a signed one is a fact about another name value,
 * never a version of the record (attack 180c).  For a legacy row,
 * `latest` checks it is the newest of the legacy versions. */
vault_status vault__facts_record_legacy(struct vault *v, int64_t rowid, int latest,
                                        int *legacy);
/* The newest version the log holds of the record whose rows hold `name`
 * (len bytes: a BLOB tag when is_tag, else a 1.x name as TEXT, of which
 * only the legacy facts count: its versions of 1.x) in class cls of the
 * case (0: none): a record found without rows had them removed around the
 * library. */
vault_status vault__facts_record_newest(struct vault *v, const char *case_id,
                                        const void *name, size_t len, int is_tag,
                                        unsigned int cls, int64_t *newest);
/* The same, with how many versions of it the log holds (versions may be
 * NULL): a history that shows fewer lost some around the library. */
vault_status vault__facts_record_head(struct vault *v, const char *case_id,
                                      const void *name, size_t len, int is_tag,
                                      unsigned int cls, int64_t *newest,
                                      uint32_t *versions);
/* How many records of the case, in the classes of mask, the log holds a
 * version of: a listing of their newest rows must show that many. */
vault_status vault__facts_record_count(struct vault *v, const char *case_id,
                                       unsigned int mask, uint64_t *n);
/* Has the open transaction stated record rows of the case, not yet facts
 * (they become facts at its commit)?  Counts against the facts wait for
 * it. */
int vault__facts_records_pending(struct vault *v, const char *case_id);
/* The commitment to a class key: keyed BLAKE2b of (case, class, epoch). */
void vault__facts_commitment(const unsigned char key[32], const char *case_id,
                             unsigned int cls, uint32_t epoch,
                             unsigned char out[32]);
/* The user's sealed cache of the facts she verified (lib/facts_cache.c):
 * the head (the log entry it was made at, the verifier's state, every fact
 * but record versions, and a digest of each case's part) and one part per
 * case with the record versions and their newest versions.  An open
 * resumes from it; a case's part is read at the first need.  Written by
 * vault__facts_save() (at close, and after an open that read many entries). */
vault_status vault__facts_save(struct vault *v);
#define FACTS_SAVE_AFTER 256 /* entries an open read, that it saves at once */
/* The user's keys are about to change (vault_passwd): the cache, sealed
 * under the old ones, is read whole into the set and removed, and the next
 * save writes all of it under the new ones. */
void vault__facts_rekeying(struct vault *v);
/* Before the log itself is shown (the audit query, the access reports):
 * an open from the cache read only the entries after it, so the entries
 * before are verified now, once in the handle, as vault_audit_verify() does
 * (signatures inside the prefix her last open verified excepted), and must
 * make the tree the facts come from.  VAULT_ERR_INTEGRITY if they do not. */
vault_status vault__facts_log_whole(struct vault *v);
/* Is `root` the tree of entries 1..size this handle verified?  The entries
 * it has not read yet (its own among them) are verified first: call it
 * inside a read transaction whose log ends at `size`.  VAULT_ERR_INTEGRITY
 * if the stored tree was rewritten (vault_audit_checkpoint signs only a
 * verified root). */
vault_status vault__facts_tree_is(struct vault *v, uint64_t size, const unsigned char *root);
/* The log's head as the database has it (seq, hash), which a write is
 * about to chain onto, is the log this handle verified, or its own:
 * VAULT_OK, or VAULT_ERR_INTEGRITY (rewritten, cut) naming the entry. */
vault_status vault__facts_head_check(struct vault *v, uint64_t seq, const unsigned char hash[32]);
/* The tree of the log as this handle's verifier read it, up to the head
 * (the entries since read through it first), and whether a transaction of
 * the handle committed. */
struct tlog_frontier;
vault_status vault__facts_verified_tree(struct vault *v, struct tlog_frontier *out, int *wrote);
/* 1 and the tree of entries 1..seq as this handle's verifier read it, if it
 * read exactly that far and entry seq has that hash; else 0. */
int vault__facts_frontier(struct vault *v, uint64_t seq, const unsigned char hash[32],
                          struct tlog_frontier *out);
/* The handle's connection to the database was (re)opened: whatever the
 * facts knew of the rows through the last one is checked again. */
void vault__facts_reconnected(struct vault *v);
/* A digest of the whole set, every case's part read (tests: the facts an
 * open gets from the cache and the entries after it are those the whole
 * log gives). */
vault_status vault__facts_fingerprint(struct vault *v, unsigned char out[32]);
/* An audit entry read to be shown (the audit query, the reports) is one
 * this handle verified, as it is now: its fields hash to the hash the
 * handle's verification saw (entries newer than that are verified first);
 * `shown`: it is shown, so its stored hash and signature must be that
 * hash's too.  VAULT_ERR_INTEGRITY for an entry rewritten since. */
vault_status vault__facts_entry_shown(struct vault *v, const struct audit_rec *r, int shown);
/* The newest entry this handle verified (0: none yet). */
uint64_t vault__facts_verified_hi(const struct vault *v);
/* How many entries the last rebuild read beyond the cache (all of them
 * when there was none fit to read). */
uint64_t vault__facts_replayed(const struct vault *v);

struct sqlite3;
vault_status vault__fcache_open(struct vault *v, int create, struct sqlite3 **out);
void vault__fcache_close(struct sqlite3 *db);
/* A part's text (NUL-terminated, malloc'ed), or VAULT_ERR_NOT_FOUND when it
 * is absent or does not open (not hers, another vault's, damaged). */
vault_status vault__fcache_get(struct vault *v, struct sqlite3 *db, const char *part,
                               unsigned char **out, size_t *len);
vault_status vault__fcache_put(struct vault *v, struct sqlite3 *db, const char *part,
                               const unsigned char *pt, size_t len);
vault_status vault__fcache_exec(struct sqlite3 *db, const char *sql);
void vault__fcache_remove(struct vault *v);

/* The statement parser alone (tests/fuzz/statement_fuzzer.c): 1 a
 * well-formed statement text, 0 malformed, -1 out of memory. */
int vault__facts_parse_check(const char *text, size_t len);
/* The copies of her witness state another handle of hers saved since this
 * one last looked, against the tree its verifier read (witness.c): at every
 * operation's sync, and before a vault_begin() batch commits. */
vault_status vault__facts_witness_recheck(struct vault *v);
/* The root of the first `size` entries of the log as this handle's verifier
 * read it, from its own record of their hashes: 1, or 0 if the record does
 * not reach that far back or forth. */
int vault__facts_root_at(struct vault *v, uint64_t size, unsigned char root[32]);
/* Is the handle's signing key still its user's key in the facts? */
int vault__facts_signer_current(struct vault *v);
/* The log's time: the latest time an entry so far states (the replay
 * judges each entry at it). */
int64_t vault__facts_time(struct vault *v);
/* Is the case a legacy fact (made before schema 7, adopted by a migration)? */
int vault__facts_case_legacy(struct vault *v, const char *case_id);
/* The class key in force, epoch of (case_id, cls), as the facts see it.
 * *ts: the time of the signed entry that first stated its epoch, 0 for a
 * legacy fact, -1 when it is not a fact (made inside the open transaction,
 * a case made before schema 7, or no facts).  *stale: 1 when it must go
 * before a write under it whatever the rows say: the user who made it may
 * no longer read the class at `now`, a grant covering the class was
 * revoked in a later entry, or an organisation holding it (its owner, or
 * one it is shared to) changed its keys, or had them marked owed, in a
 * later entry (cases.c, lapsed_since_epoch). */
/* orgs.admin_keys of organisation `org` as the facts hold it (ORG_KEYS_*),
 * or -1 when they hold none. */
int vault__facts_org_keys(struct vault *v, const char *org);
/* Is organisation `org`'s row a legacy fact (of a vault made before schema
 * 7, not restated since)? */
int vault__facts_org_legacy(struct vault *v, const char *org);

vault_status vault__facts_key_in_force(struct vault *v, const char *case_id, unsigned int cls,
                                       uint32_t epoch, int64_t now, int64_t *ts, int *stale);
/* Was the handle's user last added by someone else (a user.add entry
 * naming her, ok), with no user.rekey of her own since, in the log the
 * open verified?  Read from the replay, never through an index of the
 * audit table (whose pages any key-slot holder can rewrite). */
int vault__facts_added_by_other(const struct vault *v);
/* Count of facts vouched for only by the legacy statement of a migration
 * (0 for a vault made since schema 7), and that statement's entry. */
void vault__facts_legacy(const struct vault *v, uint64_t *count, uint64_t *seq);

#endif
