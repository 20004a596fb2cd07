/*
 * export_fuzzer.c - an export file, line by line, through the JSON parser
 * and the streaming verifier.
 *
 * Random bytes almost never hash right, so an input may start with a
 * directive line that lets the fuzzer reach the chain rules behind the hash:
 *   "#rehash"  recompute prev and hash of every entry before pushing it;
 *   "#resign"  also sign each signed entry whose key is one of the test keys
 *              (seeds 0x01.. to 0x05.., as tests/unit/test_audit_chain.c).
 * Each parsed line must also survive a JSON round trip unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NKEYS 5
#define FUZZ_INPUT_MAX (4u * 1024u * 1024u)

static unsigned char pks[NKEYS][32], sks[NKEYS][64];

static int keys_ready(void)
{
	static int ready;
	unsigned char seed[32];
	int i;

	if (ready)
		return 1;
	if (sodium_init() < 0)
		return 0;
	for (i = 0; i < NKEYS; i++) {
		memset(seed, i + 1, sizeof seed);
		crypto_sign_seed_keypair(pks[i], sks[i], seed);
	}
	ready = 1;
	return 1;
}

/* A found bug: libFuzzer reports the crash, the replay driver dies. */
static void check(int ok)
{
	if (!ok)
		abort();
}

static void round_trip(const audit_rec *r)
{
	char *a = NULL, *b = NULL, why[256];
	audit_rec back;
	void *store = NULL;

	check(vault_audit_rec_to_json(r, &a) == VAULT_OK);
	check(vault_audit_rec_from_json(a, strlen(a), &back, &store, why,
	                                sizeof why) == VAULT_OK);
	check(vault_audit_rec_to_json(&back, &b) == VAULT_OK);
	check(strcmp(a, b) == 0);
	free(store);
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	audit_verifier *av = NULL;
	vault_verify_result res;
	unsigned char last[AUDIT_HASH_BYTES];
	int mode = 0;
	uint64_t n = 0;

	if (size > FUZZ_INPUT_MAX || !keys_ready())
		return 0;
	if (size >= 8 && memcmp(p, "#rehash\n", 8) == 0) {
		mode = 1;
		p += 8;
	} else if (size >= 8 && memcmp(p, "#resign\n", 8) == 0) {
		mode = 2;
		p += 8;
	}
	if (vault_audit_verifier_new(NULL, &av) != VAULT_OK)
		return 0;
	memset(&res, 0, sizeof res);
	memset(last, 0, sizeof last);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		audit_rec r;
		void *store = NULL;
		char why[256];
		vault_status st;

		st = vault_audit_rec_from_json(p, len, &r, &store, why, sizeof why);
		p += len + (nl ? 1 : 0);
		if (st != VAULT_OK) {
			check(store == NULL && why[0] != '\0');
			break;
		}
		round_trip(&r);
		if (mode >= 1) {
			memcpy(r.prev, last, sizeof last);
			if (vault_audit_rec_hash(&r, r.hash) != VAULT_OK) {
				free(store);
				break;
			}
		}
		if (mode == 2 && r.has_sig) {
			int i;

			for (i = 0; i < NKEYS; i++)
				if (memcmp(r.key, pks[i], 32) == 0)
					crypto_sign_detached(r.sig, NULL, r.hash,
					                     AUDIT_HASH_BYTES, sks[i]);
		}
		memcpy(last, r.hash, sizeof last);
		st = vault_audit_verifier_push(av, &r, &res);
		free(store);
		if (st != VAULT_OK) {
			/* every verdict names an entry that exists or the next */
			check(st == VAULT_ERR_INTEGRITY && res.bad_seq >= 1 &&
			      res.bad_seq <= n + 1 && res.reason[0] != '\0');
			break;
		}
		n++;
		check(res.entries == n);
	}
	if (p >= end) {
		vault_status st = vault_audit_verifier_finish(av, NULL, &res);

		check(st == VAULT_OK ? res.bad_seq == 0 && res.reason[0] == '\0'
		                     : res.bad_seq >= 1 && res.reason[0] != '\0');
	}
	vault_audit_verifier_free(av);
	return 0;
}
