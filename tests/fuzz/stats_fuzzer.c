/*
 * stats_fuzzer.c - text through vault_stats_combine(), which reads signed
 * statistics files that come from other organisations, with the verifier
 * key of the supervisor who signed the seed corpus (tests/fuzz/corpus/stats).
 *
 * Invariants: the answer is VAULT_OK (then the output is non-empty text),
 * VAULT_ERR_INTEGRITY, VAULT_ERR_INVALID or VAULT_ERR_NOMEM for one file,
 * in each format; the same file twice is never summed (VAULT_ERR_EXISTS
 * when it would be); never a crash, leak or abort.  valid.note combines.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const vkeys[] = {
	"sup+9acb8b0f+AVZsHBcxqD6fQ+mwtN9AHd+m9OZj5vm3JA6+iJaeb/Wh",
};

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vault_buf out = VAULT_BUF_INIT;
	const char *docs[2];
	vault_status st, first = VAULT_OK;
	char *text = malloc(size + 1);
	int fmt;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	docs[0] = docs[1] = text;
	for (fmt = VAULT_STATS_JSON; fmt <= VAULT_STATS_HTML; fmt++) {
		st = vault_stats_combine(docs, 1, vkeys, 1, (vault_stats_format)fmt, &out);
		check(st == VAULT_OK || st == VAULT_ERR_INTEGRITY || st == VAULT_ERR_INVALID ||
		      st == VAULT_ERR_NOMEM);
		check(st == VAULT_OK ? out.data != NULL && out.len > 0 : out.data == NULL);
		if (fmt == VAULT_STATS_JSON)
			first = st;
		else
			check(st == first || st == VAULT_ERR_NOMEM);
		vault_buf_free(&out);
	}
	st = vault_stats_combine(docs, 2, vkeys, 1, VAULT_STATS_JSON, &out);
	check(first != VAULT_OK || st == VAULT_ERR_EXISTS || st == VAULT_ERR_NOMEM);
	check(out.data == NULL);
	free(text);
	return 0;
}
