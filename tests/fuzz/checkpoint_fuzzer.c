/*
 * checkpoint_fuzzer.c - checkpoint text through the parser, the signature
 * check with a fixed key, and a verifier holding the first three entries of
 * the test log (tests/unit/test_audit_chain.c, same keys and times), so that
 * origin, size, head and signer rules are reached too.
 *
 * Invariants: a parsed note re-rendered parses to the same fields; a note
 * made from its fields with the admin key verifies.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NENTRIES 3

static unsigned char pks[3][32], sks[3][64]; /* admin, alice, bob */
static audit_rec log3[NENTRIES];

static void check(int ok)
{
	if (!ok)
		abort();
}

static int setup(void)
{
	static int ready;
	static const char *const targets[NENTRIES] = {"", "alice", "bob"};
	static const char *const actions[NENTRIES] = {"vault.create", "user.add",
	                                              "user.add"};
	unsigned char seed[32];
	int i;

	if (ready)
		return 1;
	if (sodium_init() < 0)
		return 0;
	for (i = 0; i < 3; i++) {
		memset(seed, i + 1, sizeof seed);
		crypto_sign_seed_keypair(pks[i], sks[i], seed);
	}
	for (i = 0; i < NENTRIES; i++) {
		audit_rec *r = &log3[i];

		memset(r, 0, sizeof *r);
		r->seq = (uint64_t)i + 1;
		r->ts = INT64_C(1700000000) + 60 * i;
		r->actor = "admin";
		r->org = r->case_id = r->cls = r->reason = "";
		r->role = "admin";
		r->action = actions[i];
		r->target = targets[i];
		r->outcome = "ok";
		r->purpose = "casework";
		r->has_newkey = 1;
		memcpy(r->newkey, pks[i], 32);
		memcpy(r->key, pks[0], 32);
		if (i > 0)
			memcpy(r->prev, log3[i - 1].hash, 32);
		check(vault_audit_rec_hash(r, r->hash) == VAULT_OK);
		r->has_sig = i != 1; /* entry 2 is covered by entry 3 */
		if (r->has_sig)
			crypto_sign_detached(r->sig, NULL, r->hash, 32, sks[0]);
	}
	ready = 1;
	return 1;
}

static void reparse(const audit_checkpoint *cp)
{
	unsigned char blob[68];
	char b64[sodium_base64_ENCODED_LEN(68, sodium_base64_VARIANT_ORIGINAL)];
	char text[1024], why[256];
	audit_checkpoint again;
	int n;

	memcpy(blob, cp->keyid, 4);
	memcpy(blob + 4, cp->sig, 64);
	sodium_bin2base64(b64, sizeof b64, blob, sizeof blob,
	                  sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(text, sizeof text, "%.*s\n\xe2\x80\x94 %s %s\n",
	             (int)cp->body_len, cp->body, cp->signer, b64);
	check(n > 0 && (size_t)n < sizeof text);
	check(vault_audit_checkpoint_parse(text, (size_t)n, &again, why,
	                                   sizeof why) == VAULT_OK);
	check(again.size == cp->size && strcmp(again.origin, cp->origin) == 0 &&
	      strcmp(again.signer, cp->signer) == 0 &&
	      memcmp(again.head, cp->head, 32) == 0 &&
	      memcmp(again.keyid, cp->keyid, 4) == 0 &&
	      memcmp(again.sig, cp->sig, 64) == 0 &&
	      again.body_len == cp->body_len &&
	      memcmp(again.body, cp->body, cp->body_len) == 0);
}

static void remake(const audit_checkpoint *cp)
{
	vault_buf b = VAULT_BUF_INIT;
	audit_checkpoint made;
	char why[256];

	char id[65];

	/* only a libvault origin can be made again, in its own kind */
	if (cp->kind == 0)
		return;
	memcpy(id, cp->origin + 9, 64);
	id[64] = '\0';
	if ((cp->kind == AUDIT_CP_CHAIN
	         ? vault_audit_checkpoint_make(id, cp->size, cp->head, cp->signer,
	                                       sks[0], pks[0], &b)
	         : vault_audit_checkpoint_make_tree(id, cp->size, cp->head, cp->signer,
	                                            sks[0], pks[0], &b)) != VAULT_OK)
		return;
	check(vault_audit_checkpoint_parse((const char *)b.data, b.len, &made, why,
	                                   sizeof why) == VAULT_OK);
	check(vault_audit_checkpoint_check_sig(&made, pks[0]) == VAULT_OK);
	check(made.size == cp->size && made.kind == cp->kind &&
	      memcmp(made.head, cp->head, 32) == 0);
	vault_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	audit_checkpoint cp;
	audit_verifier *av = NULL;
	vault_verify_result res;
	char why[256];
	vault_status st;
	int i;

	if (!setup())
		return 0;
	st = vault_audit_checkpoint_parse((const char *)data, size, &cp, why,
	                                  sizeof why);
	if (st != VAULT_OK) {
		check(st == VAULT_ERR_CORRUPT && why[0] != '\0');
		return 0;
	}
	check(cp.size > 0 && cp.body_len > 0);
	st = vault_audit_checkpoint_check_sig(&cp, pks[0]);
	check(st == VAULT_OK || st == VAULT_ERR_INTEGRITY);
	reparse(&cp);
	remake(&cp);

	if (vault_audit_verifier_new(NULL, &av) != VAULT_OK)
		return 0;
	memset(&res, 0, sizeof res);
	st = vault_audit_verifier_set_checkpoint(av, &cp);
	check(st == VAULT_OK);
	for (i = 0; i < NENTRIES && st == VAULT_OK; i++)
		st = vault_audit_verifier_push(av, &log3[i], &res);
	if (st == VAULT_OK)
		st = vault_audit_verifier_finish(av, NULL, &res);
	check(st == VAULT_OK || (st == VAULT_ERR_INTEGRITY && res.bad_seq >= 1 &&
	                         res.reason[0] != '\0'));
	vault_audit_verifier_free(av);
	return 0;
}
