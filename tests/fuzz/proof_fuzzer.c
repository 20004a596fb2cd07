/*
 * proof_fuzzer.c - text through vault_audit_check_proof(), the offline
 * checker of inclusion and consistency proofs, with the verifier key of the
 * vault that made the seed corpus (tests/fuzz/corpus/proof).
 *
 * Invariants: the answer is VAULT_OK, VAULT_ERR_INTEGRITY with a reason, or
 * VAULT_ERR_INVALID / VAULT_ERR_NOMEM; never a crash, leak or abort.  The
 * inclusion.json and consistency.json seeds check (tests/e2e/tlog.sh makes
 * proofs like them with the CLI).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const vkeys[] = {
	"admin+44e782f6+AbVsyDbBAg92nIu98B72JpvsizwcczKwhVFt9DPPGlH9",
	"witness.example/w+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vault_verify_result res;
	vault_status st;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION) == VAULT_OK);
	/* the second key's hash is not its own: refused as a whole */
	st = vault_audit_check_proof(text, vkeys, 2, &res);
	check(st == VAULT_ERR_INVALID);
	st = vault_audit_check_proof(text, vkeys, 1, &res);
	check(st == VAULT_OK || st == VAULT_ERR_INVALID || st == VAULT_ERR_NOMEM ||
	      (st == VAULT_ERR_INTEGRITY && res.reason[0] != '\0'));
	if (st == VAULT_OK)
		check(res.tree_size > 0 && res.checkpoint_kind == VAULT_CHECKPOINT_TREE);
	free(text);
	return 0;
}
