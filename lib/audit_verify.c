/*
 * audit_verify.c - the streaming verifier of the audit log: chain, hashes,
 * signatures, key history, the Merkle tree, and checkpoints of both kinds.
 * Fed by lib/audit.c from the vault and by audit_export.c from a file.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "audit_chain.h"

/* ------------------------------------------------------------------------ */
/* Verifier                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct chain_user {
	char *name; /* NULL: empty slot */
	unsigned char key[AUDIT_KEY_BYTES];
	uint64_t disabled_at; /* 0: active */
} chain_user;

struct audit_verifier {
	int pinned;
	unsigned char pin[AUDIT_HASH_BYTES];
	unsigned char vault_id[AUDIT_HASH_BYTES]; /* hash of entry 1 */
	unsigned char last[AUDIT_HASH_BYTES];
	uint64_t entries;

	/* a run of unsigned entries waiting for a signature by one key */
	int pending;
	uint64_t pending_start;
	unsigned char pending_key[AUDIT_KEY_BYTES];

	/* users the chain introduced, open addressing; the hash is keyed with
	 * a random key so that a hostile export cannot make lookups collide */
	chain_user *users;
	size_t cap, count;
	unsigned char sipkey[crypto_shorthash_KEYBYTES];

	int have_cp, cp_done;
	audit_checkpoint cp;

	/* a prefix verified before (vault__audit_verifier_trust) */
	uint64_t trust_size;
	unsigned char trust_root[TLOG_HASH];

	/* the RFC 6962 tree of the entries so far, and what the last one stored */
	tlog_frontier tree;
	unsigned char stored[TLOG_MAX_LEVELS][TLOG_HASH];
	int nstored;

	/* The leaves since `base` (the tree's edge then), kept when asked
	 * (vault__audit_verifier_keep_leaves): a handle's own record of the
	 * log it read, to tell whether a tree head is of that log without
	 * reading rows anyone can rewrite (witness.c).  keep_leaves -1: given
	 * up (out of memory). */
	int keep_leaves;
	tlog_frontier leaves_base;
	unsigned char (*leaves)[TLOG_HASH];
	size_t nleaves, capleaves;

	int finished;
	vault_status failed; /* sticky: once broken, always broken */
	vault_verify_result res;
};

/* One more leaf for the record (vault__audit_verifier_keep_leaves). */
static void keep_leaf(audit_verifier *av, const unsigned char leaf[TLOG_HASH])
{
	if (av->keep_leaves <= 0)
		return;
	if (av->nleaves == av->capleaves) {
		size_t nc = av->capleaves ? av->capleaves * 2 : 1024;
		void *n = realloc(av->leaves, nc * TLOG_HASH);

		if (n == NULL) { /* the record is given up, not wrong */
			free(av->leaves);
			av->leaves = NULL;
			av->nleaves = av->capleaves = 0;
			av->keep_leaves = -1;
			return;
		}
		av->leaves = n;
		av->capleaves = nc;
	}
	memcpy(av->leaves[av->nleaves++], leaf, TLOG_HASH);
}

static void copy_res(const audit_verifier *av, vault_verify_result *res)
{
	if (!res)
		return;
	res->entries = av->res.entries;
	res->bad_seq = av->res.bad_seq;
	memcpy(res->reason, av->res.reason, sizeof res->reason);
}

static vault_status fail(audit_verifier *av, vault_verify_result *res,
                         vault_status st, uint64_t bad_seq, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Entries before bad_seq are the ones verified. */
static vault_status fail(audit_verifier *av, vault_verify_result *res,
                         vault_status st, uint64_t bad_seq, const char *fmt, ...)
{
	va_list ap;

	av->failed = st;
	av->res.bad_seq = bad_seq;
	av->res.entries = bad_seq ? bad_seq - 1 : av->entries;
	va_start(ap, fmt);
	vsnprintf(av->res.reason, sizeof av->res.reason, fmt, ap);
	va_end(ap);
	copy_res(av, res);
	return st;
}

static size_t user_slot(const audit_verifier *av, const char *name)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	size_t i;

	crypto_shorthash(h, (const unsigned char *)name, strlen(name), av->sipkey);
	for (i = 0; i < sizeof h; i++)
		v = v << 8 | h[i];
	return (size_t)(v & (av->cap - 1));
}

static chain_user *user_find(const audit_verifier *av, const char *name)
{
	size_t i;

	if (av->cap == 0)
		return NULL;
	for (i = user_slot(av, name);; i = (i + 1) & (av->cap - 1)) {
		if (!av->users[i].name)
			return NULL;
		if (strcmp(av->users[i].name, name) == 0)
			return &av->users[i];
	}
}

static int user_grow(audit_verifier *av)
{
	size_t ncap = av->cap ? av->cap * 2 : 16, i;
	chain_user *old = av->users, *nu;
	size_t ocap = av->cap;

	if (ncap > SIZE_MAX / sizeof *nu)
		return -1;
	nu = calloc(ncap, sizeof *nu);
	if (!nu)
		return -1;
	av->users = nu;
	av->cap = ncap;
	for (i = 0; i < ocap; i++) {
		size_t j;

		if (!old[i].name)
			continue;
		for (j = user_slot(av, old[i].name); nu[j].name;
		     j = (j + 1) & (ncap - 1))
			;
		nu[j] = old[i];
	}
	free(old);
	return 0;
}

/* Caller has checked the name is not there yet. */
static int user_add(audit_verifier *av, const char *name,
                    const unsigned char key[AUDIT_KEY_BYTES])
{
	size_t j;
	char *copy;

	if ((av->count + 1) * 2 > av->cap && user_grow(av) != 0)
		return -1;
	copy = strdup(name);
	if (!copy)
		return -1;
	for (j = user_slot(av, name); av->users[j].name;
	     j = (j + 1) & (av->cap - 1))
		;
	av->users[j].name = copy;
	memcpy(av->users[j].key, key, AUDIT_KEY_BYTES);
	av->users[j].disabled_at = 0;
	av->count++;
	return 0;
}

vault_status vault_audit_verifier_new(const unsigned char *vault_id,
                                      audit_verifier **out)
{
	audit_verifier *av;

	if (!out)
		return VAULT_ERR_INVALID;
	*out = NULL;
	if (sodium_init() < 0)
		return VAULT_ERR_NOCRYPTO;
	av = calloc(1, sizeof *av);
	if (!av)
		return VAULT_ERR_NOMEM;
	if (vault_id) {
		av->pinned = 1;
		memcpy(av->pin, vault_id, AUDIT_HASH_BYTES);
	}
	randombytes_buf(av->sipkey, sizeof av->sipkey);
	*out = av;
	return VAULT_OK;
}

vault_status vault__audit_verifier_trust(audit_verifier *av, uint64_t size,
                                         const unsigned char root[TLOG_HASH])
{
	if (!av || !root)
		return VAULT_ERR_INVALID;
	if (av->entries > 0 || av->failed)
		return VAULT_ERR_STATE;
	av->trust_size = size;
	memcpy(av->trust_root, root, TLOG_HASH);
	return VAULT_OK;
}

static json_t *b64_of(const unsigned char *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *b = malloc(cap);
	json_t *j;

	if (b == NULL)
		return NULL;
	sodium_bin2base64(b, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
	j = json_string(b);
	free(b);
	return j;
}

/* Exactly n bytes from the base64 string j into out. */
static int b64_to(json_t *j, unsigned char *out, size_t n)
{
	const char *s = json_string_value(j);
	size_t len = 0;

	return s != NULL && sodium_base642bin(out, n, s, strlen(s), NULL, &len, NULL,
	                                      sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       len == n;
}

vault_status vault__audit_verifier_save(const audit_verifier *av, json_t **out)
{
	json_t *o, *users;
	size_t i;
	int bad = 0;

	*out = NULL;
	if (av == NULL || av->failed || av->pending || av->have_cp || av->finished ||
	    av->entries == 0)
		return VAULT_ERR_STATE;
	users = json_array();
	for (i = 0; users != NULL && i < av->cap && !bad; i++) {
		const chain_user *u = &av->users[i];

		if (u->name != NULL)
			bad = json_array_append_new(users, json_pack("[so I]", u->name,
			                                             b64_of(u->key, AUDIT_KEY_BYTES),
			                                             (json_int_t)u->disabled_at)) != 0;
	}
	o = users == NULL || bad ? NULL
	                         : json_pack("{s:o s:o s:I s:o s:I s:o s:o}",
	                                     "id", b64_of(av->vault_id, AUDIT_HASH_BYTES),
	                                     "last", b64_of(av->last, AUDIT_HASH_BYTES),
	                                     "entries", (json_int_t)av->entries,
	                                     "users", json_incref(users),
	                                     "tree_size", (json_int_t)av->tree.size,
	                                     "tree", b64_of(av->tree.h[0], sizeof av->tree.h),
	                                     "stored", b64_of(av->stored[0],
	                                                      (size_t)av->nstored * TLOG_HASH));
	json_decref(users);
	if (o == NULL)
		return VAULT_ERR_NOMEM;
	*out = o;
	return VAULT_OK;
}

vault_status vault__audit_verifier_load(audit_verifier *av, json_t *in)
{
	json_t *users = json_object_get(in, "users"), *x;
	json_int_t entries = json_integer_value(json_object_get(in, "entries"));
	json_int_t tsize = json_integer_value(json_object_get(in, "tree_size"));
	const char *stored = json_string_value(json_object_get(in, "stored"));
	unsigned char id[AUDIT_HASH_BYTES], key[AUDIT_KEY_BYTES];
	size_t i, slen = 0;

	if (av == NULL || av->entries > 0 || av->failed || av->have_cp)
		return VAULT_ERR_STATE;
	if (!json_is_array(users) || entries <= 0 || tsize != entries || stored == NULL ||
	    !b64_to(json_object_get(in, "id"), id, sizeof id) ||
	    !b64_to(json_object_get(in, "last"), av->last, sizeof av->last) ||
	    !b64_to(json_object_get(in, "tree"), av->tree.h[0], sizeof av->tree.h) ||
	    sodium_base642bin(av->stored[0], sizeof av->stored, stored, strlen(stored), NULL,
	                      &slen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    slen % TLOG_HASH != 0)
		return VAULT_ERR_CORRUPT;
	if (av->pinned && sodium_memcmp(id, av->pin, AUDIT_HASH_BYTES) != 0)
		return VAULT_ERR_INTEGRITY;
	json_array_foreach(users, i, x) {
		const char *name = json_string_value(json_array_get(x, 0));
		json_int_t dis = json_integer_value(json_array_get(x, 2));

		if (name == NULL || json_array_size(x) != 3 || dis < 0 || dis > entries ||
		    !b64_to(json_array_get(x, 1), key, sizeof key) || user_find(av, name) != NULL)
			return VAULT_ERR_CORRUPT;
		if (user_add(av, name, key) != 0)
			return VAULT_ERR_NOMEM;
		user_find(av, name)->disabled_at = (uint64_t)dis;
	}
	memcpy(av->vault_id, id, AUDIT_HASH_BYTES);
	av->entries = (uint64_t)entries;
	av->tree.size = (uint64_t)tsize;
	if (av->keep_leaves > 0) { /* the record starts again from here */
		av->leaves_base = av->tree;
		av->nleaves = 0;
	}
	av->nstored = (int)(slen / TLOG_HASH);
	av->res.entries = av->entries;
	if (av->trust_size <= av->entries)
		av->trust_size = 0;
	return VAULT_OK;
}

void vault_audit_verifier_free(audit_verifier *av)
{
	size_t i;

	if (!av)
		return;
	for (i = 0; i < av->cap; i++)
		free(av->users[i].name);
	free(av->users);
	free(av->leaves);
	free(av);
}

void vault__audit_verifier_keep_leaves(audit_verifier *av)
{
	if (av->keep_leaves != 0)
		return;
	av->keep_leaves = 1;
	av->leaves_base = av->tree;
	av->nleaves = 0;
}

int vault__audit_verifier_root_at(const audit_verifier *av, uint64_t size,
                                  unsigned char root[TLOG_HASH])
{
	unsigned char scratch[TLOG_MAX_LEVELS][TLOG_HASH];
	tlog_frontier *f;
	uint64_t i;
	int ns;

	/* (a verifier that failed holds leaves it did not accept) */
	if (av->keep_leaves <= 0 || av->failed != VAULT_OK || size < av->leaves_base.size ||
	    size > av->leaves_base.size + av->nleaves || size == 0)
		return 0;
	if ((f = malloc(sizeof(*f))) == NULL)
		return 0;
	*f = av->leaves_base;
	for (i = 0; f->size < size; i++)
		(void)vault__tlog_frontier_append(f, av->leaves[i], scratch, &ns);
	vault__tlog_frontier_root(f, root);
	free(f);
	return 1;
}

void vault_audit_verifier_stored(const audit_verifier *av,
                                 const unsigned char **hashes, size_t *len)
{
	*hashes = av->stored[0];
	*len = av->entries ? (size_t)av->nstored * TLOG_HASH : 0;
}

void vault_audit_verifier_root(const audit_verifier *av,
                               unsigned char root[TLOG_HASH])
{
	vault__tlog_frontier_root(&av->tree, root);
}

void vault__audit_verifier_frontier(const audit_verifier *av, tlog_frontier *out)
{
	*out = av->tree;
}

uint64_t vault__audit_verifier_last(const audit_verifier *av,
                                    unsigned char last[AUDIT_HASH_BYTES])
{
	memcpy(last, av->last, AUDIT_HASH_BYTES);
	return av->entries;
}

int vault__audit_cp_well_formed(const audit_checkpoint *cp)
{
	return cp->size > 0 && cp->nsigs >= 0 && cp->nsigs <= NOTE_SIGS_MAX &&
	       cp->kind >= 0 && cp->kind <= AUDIT_CP_TREE &&
	       memchr(cp->origin, '\0', sizeof cp->origin) &&
	       memchr(cp->signer, '\0', sizeof cp->signer) &&
	       cp->body_len <= sizeof cp->body;
}

vault_status vault_audit_verifier_set_checkpoint(audit_verifier *av,
                                                 const audit_checkpoint *cp)
{
	if (!av || !cp || !vault__audit_cp_well_formed(cp))
		return VAULT_ERR_INVALID;
	if (av->entries > 0 || av->failed || av->finished)
		return VAULT_ERR_STATE;
	av->cp = *cp;
	av->have_cp = 1;
	av->cp_done = 0;
	return VAULT_OK;
}

static vault_status check_origin(audit_verifier *av, const audit_checkpoint *cp,
                                 vault_verify_result *res)
{
	char want[sizeof ORIGIN_PREFIX + 2 * AUDIT_HASH_BYTES +
	          sizeof AUDIT_CP_TREE_SUFFIX];

	memcpy(want, ORIGIN_PREFIX, sizeof ORIGIN_PREFIX - 1);
	vault__audit_hex(want + sizeof ORIGIN_PREFIX - 1, av->vault_id, AUDIT_HASH_BYTES);
	if (cp->kind == AUDIT_CP_TREE) {
		size_t n = strlen(want);
		snprintf(want + n, sizeof(want) - n, "%s", AUDIT_CP_TREE_SUFFIX);
	}
	if (cp->kind == 0 || strcmp(cp->origin, want) != 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, 1,
		            "checkpoint origin is not this vault (entry 1 differs)");
	return VAULT_OK;
}

/* Called at entry cp->size with its hash, the tree and the key history as
 * of then.  Signatures by keys the chain does not hold (witnesses, other
 * logs, keys replaced since) are ignored, as signed-note verifiers do; one
 * signature by a user the chain knows must verify, and a signature by such
 * a user that does not verify is a forgery. */
static vault_status check_cp_at(audit_verifier *av, const audit_checkpoint *cp,
                                const unsigned char hash[AUDIT_HASH_BYTES],
                                vault_verify_result *res)
{
	unsigned long long n = (unsigned long long)cp->size;
	const char *disabled = NULL;
	uint64_t disabled_at = 0;
	int i, good = 0;

	if (cp->kind == AUDIT_CP_TREE) {
		unsigned char root[TLOG_HASH];

		vault__tlog_frontier_root(&av->tree, root);
		if (av->tree.size != cp->size ||
		    memcmp(root, cp->head, TLOG_HASH) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, cp->size,
			            "the tree of entries 1..%llu differs from the "
			            "checkpoint's root (the log was forked or "
			            "rewritten)", n);
	} else if (sodium_memcmp(hash, cp->head, AUDIT_HASH_BYTES) != 0) {
		return fail(av, res, VAULT_ERR_INTEGRITY, cp->size,
		            "entry %llu differs from the checkpoint head "
		            "(the log was forked or rewritten)", n);
	}
	for (i = 0; i < cp->nsigs; i++) {
		const audit_note_sig *s = &cp->sigs[i];
		const chain_user *u;
		unsigned char id[4];

		if (!s->ed25519 || !vault__audit_valid_name(s->name, strlen(s->name)))
			continue;
		u = user_find(av, s->name);
		if (!u)
			continue;
		vault_audit_note_keyid(s->name, u->key, id);
		if (memcmp(id, s->keyid, 4) != 0)
			continue;
		if (crypto_sign_verify_detached(s->sig, (const unsigned char *)cp->body,
		                                cp->body_len, u->key) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, cp->size,
			            "checkpoint signature by \"%s\" does not verify "
			            "with the key the chain holds for \"%s\"", s->name,
			            s->name);
		if (u->disabled_at) {
			disabled = s->name;
			disabled_at = u->disabled_at;
			continue;
		}
		good++;
	}
	if (good == 0 && disabled)
		return fail(av, res, VAULT_ERR_INTEGRITY, cp->size,
		            "checkpoint signature: signer \"%s\" was disabled at "
		            "entry %llu", disabled, (unsigned long long)disabled_at);
	if (good == 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, cp->size,
		            "checkpoint has no signature by a key the chain holds "
		            "at entry %llu", n);
	return VAULT_OK;
}

int vault__audit_rec_complete(const audit_rec *r)
{
	int i;

	for (i = 0; i < REC_TEXT_FIELDS; i++)
		if (!vault__audit_rec_text(r, i))
			return 0;
	return 1;
}

vault_status vault_audit_verifier_push(audit_verifier *av, const audit_rec *r,
                                       vault_verify_result *res)
{
	unsigned char h[AUDIT_HASH_BYTES];
	unsigned long long n;
	chain_user *u;
	vault_status st;

	if (!av || !r || !vault__audit_rec_complete(r))
		return VAULT_ERR_INVALID;
	if (av->failed) {
		copy_res(av, res);
		return av->failed;
	}
	if (av->finished)
		return VAULT_ERR_STATE;
	n = (unsigned long long)av->entries + 1;

	if (r->seq != n)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: sequence number is %llu (an entry is "
		            "missing, duplicated or out of order)",
		            n, (unsigned long long)r->seq);
	st = vault_audit_rec_hash(r, h);
	if (st == VAULT_ERR_NOCRYPTO)
		return fail(av, res, st, 0, "libsodium could not be initialised");
	if (st != VAULT_OK)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: a field is too long to encode", n);
	if (sodium_memcmp(h, r->hash, AUDIT_HASH_BYTES) != 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: hash does not match its fields", n);
	if (n == 1 && !sodium_is_zero(r->prev, AUDIT_HASH_BYTES))
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry 1: prev is not all zero");
	if (n > 1 && sodium_memcmp(r->prev, av->last, AUDIT_HASH_BYTES) != 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: prev is not the hash of entry %llu", n,
		            n - 1);
	/* A run of unsigned entries must be closed by its own key: another
	 * key in between means nobody vouched for the run. */
	if (av->pending &&
	    sodium_memcmp(av->pending_key, r->key, AUDIT_KEY_BYTES) != 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, av->pending_start,
		            "entry %llu: not signed, and no signature by its "
		            "key covers it (entry %llu is by another key)",
		            (unsigned long long)av->pending_start, n);

	if (n == 1) {
		if (strcmp(r->action, "vault.create") != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, 1,
			            "entry 1 is not vault.create");
		if (!r->has_newkey ||
		    sodium_memcmp(r->key, r->newkey, AUDIT_KEY_BYTES) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, 1,
			            "entry 1 does not introduce its signer's key");
		if (r->actor[0] == '\0')
			return fail(av, res, VAULT_ERR_INTEGRITY, 1,
			            "entry 1 has no actor");
		if (av->pinned &&
		    sodium_memcmp(h, av->pin, AUDIT_HASH_BYTES) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, 1,
			            "entry 1 is not the pinned vault id");
		memcpy(av->vault_id, h, AUDIT_HASH_BYTES);
		if (user_add(av, r->actor, r->key) != 0)
			return fail(av, res, VAULT_ERR_NOMEM, 0, "out of memory");
		if (av->have_cp && (st = check_origin(av, &av->cp, res)) != VAULT_OK)
			return st;
	} else if (strcmp(r->action, "vault.create") == 0) {
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: vault.create after entry 1", n);
	}

	u = user_find(av, r->actor);
	if (!u || sodium_memcmp(u->key, r->key, AUDIT_KEY_BYTES) != 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: signer key is not the actor's key in "
		            "the chain", n);
	if (u->disabled_at)
		return fail(av, res, VAULT_ERR_INTEGRITY, n,
		            "entry %llu: the actor was disabled at entry %llu",
		            n, (unsigned long long)u->disabled_at);

	if (r->has_sig) {
		if (n > av->trust_size &&
		    crypto_sign_verify_detached(r->sig, h, AUDIT_HASH_BYTES,
		                                r->key) != 0) {
			if (av->pending)
				return fail(av, res, VAULT_ERR_INTEGRITY, n,
				            "entry %llu: signature does not verify "
				            "(entries %llu..%llu it covers are not "
				            "verified either)", n,
				            (unsigned long long)av->pending_start,
				            n - 1);
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: signature does not verify", n);
		}
		av->pending = 0;
	} else if (!av->pending) {
		av->pending = 1;
		av->pending_start = n;
		memcpy(av->pending_key, r->key, AUDIT_KEY_BYTES);
	}

	/* The key history: only what an "ok" entry did changes it. */
	if (strcmp(r->outcome, "ok") == 0 && strcmp(r->action, "user.add") == 0 &&
	    r->has_newkey) {
		if (r->target[0] == '\0')
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: user.add without a target", n);
		if (user_find(av, r->target))
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: user.add of a user already in "
			            "the chain", n);
		if (user_add(av, r->target, r->newkey) != 0)
			return fail(av, res, VAULT_ERR_NOMEM, 0, "out of memory");
	} else if (strcmp(r->outcome, "ok") == 0 && strcmp(r->action, "user.rekey") == 0 &&
	           r->has_newkey) {
		/* A user replaces their own key: the entry is signed with the
		 * old one (checked above), and must carry that signature itself,
		 * so no later entry under the new key can stand in for it. */
		chain_user *t = user_find(av, r->actor);

		if (strcmp(r->target, r->actor) != 0 || !r->has_sig || !t)
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: user.rekey must be the actor's own, "
			            "signed with the old key", n);
		memcpy(t->key, r->newkey, AUDIT_KEY_BYTES);
	} else if (strcmp(r->outcome, "ok") == 0 &&
	           strcmp(r->action, "user.disable") == 0) {
		chain_user *t = user_find(av, r->target);

		if (!t)
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: user.disable of a user the "
			            "chain does not know", n);
		if (!t->disabled_at)
			t->disabled_at = n;
	}

	memcpy(av->last, h, AUDIT_HASH_BYTES);
	av->entries = n;
	{
		unsigned char leaf[TLOG_HASH];

		vault__tlog_leaf_hash(h, AUDIT_HASH_BYTES, leaf);
		if (vault__tlog_frontier_append(&av->tree, leaf, av->stored,
		                                &av->nstored) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entry %llu: the tree is full", n);
		keep_leaf(av, leaf);
	}

	if (n == av->trust_size) {
		unsigned char root[TLOG_HASH];

		vault__tlog_frontier_root(&av->tree, root);
		if (memcmp(root, av->trust_root, TLOG_HASH) != 0)
			return fail(av, res, VAULT_ERR_INTEGRITY, n,
			            "entries 1..%llu are not those this user "
			            "verified before (the log was rewritten)", n);
	}
	if (av->have_cp && !av->cp_done && av->cp.size == n) {
		if ((st = check_cp_at(av, &av->cp, h, res)) != VAULT_OK)
			return st;
		av->cp_done = 1;
	}
	av->res.entries = n;
	copy_res(av, res);
	return VAULT_OK;
}

/* Checkpoints are public: memcmp is fine. */
static int same_cp(const audit_checkpoint *a, const audit_checkpoint *b)
{
	return a->size == b->size && a->kind == b->kind &&
	       a->nsigs == b->nsigs && strcmp(a->origin, b->origin) == 0 &&
	       strcmp(a->signer, b->signer) == 0 &&
	       memcmp(a->head, b->head, sizeof a->head) == 0 &&
	       memcmp(a->keyid, b->keyid, sizeof a->keyid) == 0 &&
	       memcmp(a->sig, b->sig, sizeof a->sig) == 0 &&
	       a->body_len == b->body_len &&
	       memcmp(a->body, b->body, a->body_len) == 0;
}

vault_status vault_audit_verifier_finish(audit_verifier *av,
                                         const audit_checkpoint *cp,
                                         vault_verify_result *res)
{
	const audit_checkpoint *c;
	int seen;
	vault_status st;

	if (!av)
		return VAULT_ERR_INVALID;
	if (av->failed) {
		copy_res(av, res);
		return av->failed;
	}
	if (av->finished)
		return VAULT_ERR_STATE;
	if (cp && !vault__audit_cp_well_formed(cp))
		return VAULT_ERR_INVALID;
	if (av->entries == 0)
		return fail(av, res, VAULT_ERR_INTEGRITY, 1, "the log is empty");
	if (av->pending)
		return fail(av, res, VAULT_ERR_INTEGRITY, av->pending_start,
		            "entry %llu: entries at the end are not signed "
		            "(%llu..%llu)", (unsigned long long)av->pending_start,
		            (unsigned long long)av->pending_start,
		            (unsigned long long)av->entries);

	seen = av->have_cp && (!cp || same_cp(cp, &av->cp));
	c = cp ? cp : (av->have_cp ? &av->cp : NULL);
	if (c) {
		if ((st = check_origin(av, c, res)) != VAULT_OK)
			return st;
		if (c->size > av->entries)
			return fail(av, res, VAULT_ERR_INTEGRITY, av->entries + 1,
			            "log is shorter than the checkpoint (truncated "
			            "or rolled back): %llu entries, checkpoint has "
			            "%llu", (unsigned long long)av->entries,
			            (unsigned long long)c->size);
		if (!(seen && av->cp_done)) {
			if (c->size != av->entries) {
				/* Not a verification failure: the caller gave
				 * too late what was needed earlier. */
				snprintf(av->res.reason, sizeof av->res.reason,
				         "a checkpoint older than the log's end "
				         "must be set before the entries are pushed");
				av->res.bad_seq = 0;
				av->res.entries = av->entries;
				copy_res(av, res);
				return VAULT_ERR_STATE;
			}
			if ((st = check_cp_at(av, c, av->last, res)) != VAULT_OK)
				return st;
		}
	}
	av->finished = 1;
	av->res.entries = av->entries;
	av->res.bad_seq = 0;
	av->res.reason[0] = '\0';
	copy_res(av, res);
	return VAULT_OK;
}
