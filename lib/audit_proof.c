/*
 * audit_proof.c - offline checking of the log's proofs: an inclusion proof
 * or a consistency proof (JSON, made by lib/audit.c), against the signed
 * checkpoints it carries and the verifier keys the caller trusts.  No vault,
 * no key, no passphrase: what an outside party runs.
 *
 * Everything here comes from the caller and may be hostile: every field is
 * checked for type and range before use.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "audit_chain.h"
#include "tlog.h"

#define PROOF_MAX_BYTES (2u * 1024u * 1024u)
#define VKEYS_MAX 64

typedef struct vkey {
	char name[NOTE_NAME_MAX + 1];
	unsigned char id[4];
	unsigned char pk[32];
} vkey;

static vault_status invalid(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static vault_status invalid(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	vault__set_last_error("%s", msg);
	return VAULT_ERR_INVALID;
}

static vault_status bad(vault_verify_result *res, uint64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static vault_status bad(vault_verify_result *res, uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof res->reason, fmt, ap);
	va_end(ap);
	res->bad_seq = seq;
	vault__set_last_error("%s", res->reason);
	return VAULT_ERR_INTEGRITY;
}

/* "name+hash+base64(0x01 || key)", as golang.org/x/mod/sumdb/note's
 * NewVerifier reads it: the hash must be that of the name and key. */
static int vkey_parse(const char *s, vkey *k)
{
	const char *p1 = strchr(s, '+'), *p2;
	unsigned char raw[64], id[4];
	size_t nlen, blen = 0;
	const char *end = NULL;
	int i;

	if (!p1)
		return -1;
	p2 = strchr(p1 + 1, '+');
	nlen = (size_t)(p1 - s);
	if (!p2 || p2 - p1 != 9 || !vault_audit_note_name_ok(s, nlen))
		return -1;
	for (i = 0; i < 8; i++) {
		char c = p1[1 + i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return -1;
	}
	if (sodium_hex2bin(id, 4, p1 + 1, 8, NULL, NULL, NULL) != 0)
		return -1;
	if (sodium_base642bin(raw, sizeof raw, p2 + 1, strlen(p2 + 1), NULL, &blen,
	                      &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    *end != '\0' || blen != 33 || raw[0] != 0x01)
		return -1;
	memcpy(k->name, s, nlen);
	k->name[nlen] = '\0';
	memcpy(k->pk, raw + 1, 32);
	vault_audit_note_keyid(k->name, k->pk, k->id);
	if (memcmp(k->id, id, 4) != 0)
		return -1;
	return 0;
}

/* A checkpoint of the tree kind whose signature one of the keys verifies. */
static vault_status check_cp(const char *text, const vkey *keys, size_t nkeys,
                             const char *what, audit_checkpoint *cp,
                             vault_verify_result *res)
{
	char why[256];
	size_t i;
	int good = 0;

	if (vault_audit_checkpoint_parse(text, strlen(text), cp, why, sizeof why) != VAULT_OK)
		return bad(res, 0, "%s: %s", what, why);
	if (cp->kind != AUDIT_CP_TREE)
		return bad(res, 0, "%s is not a Merkle tree checkpoint (%s)", what,
		           cp->kind == AUDIT_CP_CHAIN ? "a 1.0 hash chain checkpoint"
		                                      : "another log's");
	for (i = 0; i < nkeys; i++) {
		int r = vault_audit_checkpoint_signed_by(cp, keys[i].name, keys[i].pk);

		if (r < 0)
			return bad(res, 0, "%s: the signature by %s does not verify", what,
			           keys[i].name);
		if (r > 0)
			good = 1;
	}
	if (!good)
		return bad(res, 0, "%s carries no signature by a trusted key", what);
	return VAULT_OK;
}

/* The proof's hashes: an array of base64 of 32 bytes, at most TLOG_PROOF_MAX. */
static int proof_hashes(json_t *a, unsigned char (*out)[TLOG_HASH], size_t *n)
{
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > TLOG_PROOF_MAX)
		return -1;
	for (i = 0; i < json_array_size(a); i++) {
		json_t *h = json_array_get(a, i);
		size_t blen = 0;
		const char *end = NULL;

		if (!json_is_string(h) || json_string_length(h) != 44 ||
		    sodium_base642bin(out[i], TLOG_HASH, json_string_value(h), 44, NULL,
		                      &blen, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    blen != TLOG_HASH || *end != '\0')
			return -1;
	}
	*n = i;
	return 0;
}

static int get_u64(json_t *o, const char *k, uint64_t *out)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static vault_status check_inclusion(json_t *o, const vkey *keys, size_t nkeys,
                                    unsigned char (*proof)[TLOG_HASH],
                                    vault_verify_result *res)
{
	json_t *entry = json_object_get(o, "entry"), *cpj = json_object_get(o, "checkpoint");
	audit_checkpoint *cp = NULL;
	unsigned char h[AUDIT_HASH_BYTES], leaf[TLOG_HASH];
	uint64_t index, size;
	size_t n;
	char *line = NULL, why[256];
	void *store = NULL;
	audit_rec r;
	vault_status st;

	if (!json_is_object(entry) || !json_is_string(cpj) || get_u64(o, "index", &index) ||
	    get_u64(o, "size", &size) || proof_hashes(json_object_get(o, "proof"), proof, &n))
		return invalid("inclusion proof: a field is missing or malformed");
	if (index >= size)
		return invalid("inclusion proof: index %llu is outside a tree of %llu",
		               (unsigned long long)index, (unsigned long long)size);
	if (res->version == 2)
		res->tree_size = size;
	line = json_dumps(entry, JSON_COMPACT);
	if (!line)
		return invalid("inclusion proof: out of memory");
	st = vault_audit_rec_from_json(line, strlen(line), &r, &store, why, sizeof why);
	free(line);
	if (st == VAULT_ERR_NOMEM) {
		vault__set_last_error("out of memory");
		return st;
	}
	if (st != VAULT_OK) {
		st = bad(res, index + 1, "entry %llu: %s", (unsigned long long)index + 1, why);
		goto out;
	}
	if (r.seq != index + 1) {
		st = bad(res, index + 1, "the entry is number %llu, the proof is for leaf "
		         "%llu (entry %llu)", (unsigned long long)r.seq,
		         (unsigned long long)index, (unsigned long long)index + 1);
		goto out;
	}
	if (vault_audit_rec_hash(&r, h) != VAULT_OK ||
	    sodium_memcmp(h, r.hash, AUDIT_HASH_BYTES) != 0) {
		st = bad(res, r.seq, "entry %llu: hash does not match its fields",
		         (unsigned long long)r.seq);
		goto out;
	}
	cp = calloc(1, sizeof *cp);
	if (!cp) {
		vault__set_last_error("out of memory");
		st = VAULT_ERR_NOMEM;
		goto out;
	}
	if ((st = check_cp(json_string_value(cpj), keys, nkeys, "the checkpoint", cp, res)) !=
	    VAULT_OK)
		goto out;
	if (cp->size != size) {
		st = bad(res, 0, "the proof is for a tree of %llu, the checkpoint of %llu",
		         (unsigned long long)size, (unsigned long long)cp->size);
		goto out;
	}
	vault__tlog_leaf_hash(r.hash, AUDIT_HASH_BYTES, leaf);
	if (vault__tlog_check_inclusion(leaf, index, size, cp->head,
	                                (const unsigned char (*)[TLOG_HASH])proof, n) != 0) {
		st = bad(res, r.seq, "entry %llu is not in the checkpoint's tree (the "
		         "inclusion proof does not lead to its root)", (unsigned long long)r.seq);
		goto out;
	}
	res->entries = 1;
	st = VAULT_OK;
out:
	free(store);
	free(cp);
	return st;
}

static vault_status check_consistency(json_t *o, const vkey *keys, size_t nkeys,
                                      unsigned char (*proof)[TLOG_HASH],
                                      vault_verify_result *res)
{
	json_t *oj = json_object_get(o, "old_checkpoint"), *nj = json_object_get(o, "checkpoint");
	audit_checkpoint *cps = NULL;
	uint64_t old_size, size;
	size_t n;
	vault_status st;

	if (!json_is_string(oj) || !json_is_string(nj) || get_u64(o, "old_size", &old_size) ||
	    get_u64(o, "size", &size) || proof_hashes(json_object_get(o, "proof"), proof, &n))
		return invalid("consistency proof: a field is missing or malformed");
	if (old_size == 0 || old_size > size)
		return invalid("consistency proof: sizes %llu and %llu are out of order",
		               (unsigned long long)old_size, (unsigned long long)size);
	if (res->version == 2)
		res->tree_size = size;
	cps = calloc(2, sizeof *cps);
	if (!cps) {
		vault__set_last_error("out of memory");
		return VAULT_ERR_NOMEM;
	}
	if ((st = check_cp(json_string_value(oj), keys, nkeys, "the old checkpoint", &cps[0],
	                   res)) != VAULT_OK ||
	    (st = check_cp(json_string_value(nj), keys, nkeys, "the checkpoint", &cps[1],
	                   res)) != VAULT_OK)
		goto out;
	if (strcmp(cps[0].origin, cps[1].origin) != 0) {
		st = bad(res, 0, "the checkpoints are of two logs (%s, %s)", cps[0].origin,
		         cps[1].origin);
		goto out;
	}
	if (cps[0].size != old_size || cps[1].size != size) {
		st = bad(res, 0, "the proof's sizes are not the checkpoints'");
		goto out;
	}
	if (vault__tlog_check_consistency(old_size, cps[0].head, size, cps[1].head,
	                                  (const unsigned char (*)[TLOG_HASH])proof, n) != 0) {
		st = bad(res, old_size + 1, "the log of %llu entries is not a prefix of the "
		         "log of %llu (the consistency proof fails: rewritten or forked)",
		         (unsigned long long)old_size, (unsigned long long)size);
		goto out;
	}
	res->entries = size;
	st = VAULT_OK;
out:
	free(cps);
	return st;
}

vault_status vault_audit_check_proof(const char *proof, const char *const *vkeys,
                                     size_t nvkeys, vault_verify_result *res)
{
	unsigned char (*hashes)[TLOG_HASH] = NULL;
	vkey *keys = NULL;
	json_error_t err;
	json_t *o = NULL, *fmt;
	vault_status st;
	size_t i;

	if (!res)
		return invalid("vault_audit_check_proof: res is NULL");
	if (res->version == 0 || res->version > VAULT_VERIFY_RESULT_VERSION)
		return invalid("initialise the result with vault_verify_result_init()");
	res->entries = 0;
	res->bad_seq = 0;
	res->reason[0] = '\0';
	if (res->version == 2) {
		res->checkpoint_kind = 0;
		res->tree_size = 0;
	}
	if (!proof || (!vkeys && nvkeys))
		return invalid("vault_audit_check_proof: proof or vkeys is NULL");
	if (nvkeys == 0 || nvkeys > VKEYS_MAX)
		return invalid("give 1 to %d trusted verifier keys", VKEYS_MAX);
	if (strlen(proof) > PROOF_MAX_BYTES)
		return invalid("proof longer than %u bytes", PROOF_MAX_BYTES);
	if (sodium_init() < 0)
		return invalid("libsodium could not be initialised");
	keys = calloc(nvkeys, sizeof *keys);
	hashes = calloc(TLOG_PROOF_MAX, TLOG_HASH);
	if (!keys || !hashes) {
		vault__set_last_error("out of memory");
		st = VAULT_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < nvkeys; i++) {
		if (!vkeys[i] || vkey_parse(vkeys[i], &keys[i]) != 0) {
			st = invalid("verifier key %zu is not name+hash+base64(0x01||key) "
			             "with the hash of that name and key", i + 1);
			goto out;
		}
	}
	o = json_loads(proof, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(o)) {
		st = invalid("the proof is not a JSON object (line %d: %s)", err.line, err.text);
		goto out;
	}
	fmt = json_object_get(o, "format");
	if (json_is_string(fmt) && strcmp(json_string_value(fmt), "libvault-inclusion-proof/1") == 0)
		st = check_inclusion(o, keys, nvkeys, hashes, res);
	else if (json_is_string(fmt) &&
	         strcmp(json_string_value(fmt), "libvault-consistency-proof/1") == 0)
		st = check_consistency(o, keys, nvkeys, hashes, res);
	else
		st = invalid("the proof's format is not libvault-inclusion-proof/1 or "
		             "libvault-consistency-proof/1");
	if (st == VAULT_OK && res->version == 2)
		res->checkpoint_kind = VAULT_CHECKPOINT_TREE;
out:
	json_decref(o);
	free(keys);
	free(hashes);
	return st;
}

int vault__audit_vkey_parse(const char *s, char name[NOTE_NAME_MAX + 1],
                            unsigned char pk[32])
{
	vkey k;

	if (!s || vkey_parse(s, &k) != 0)
		return -1;
	memcpy(name, k.name, sizeof k.name);
	memcpy(pk, k.pk, 32);
	return 0;
}
