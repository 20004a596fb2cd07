/*
 * json_compact_fuzzer.c - any JSON text jansson parses, written back by
 * lib/json_compact.c: the text must be jansson's own compact text of the
 * tree, byte for byte, or (a tree holding a real, which no statement
 * holds) refused.  Never a crash, leak or abort.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json_compact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int holds_real(const json_t *x)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_real(x))
		return 1;
	if (json_is_array(x))
		for (i = 0; i < json_array_size(x); i++)
			if (holds_real(json_array_get(x, i)))
				return 1;
	if (json_is_object(x))
		json_object_foreach((json_t *)x, k, v)
			if (holds_real(v))
				return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *x = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	size_t want, got;
	char *a, *b;

	if (x == NULL)
		return 0;
	want = json_dumpb(x, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	got = vault__json_compact(x, NULL, 0);
	a = malloc(want + 1);
	b = malloc(want + 1);
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		json_decref(x);
		return 0;
	}
	if (got != 0) {
		if (got != want || json_dumpb(x, a, want, JSON_COMPACT | JSON_ENCODE_ANY) != want ||
		    vault__json_compact(x, b, want) != want || memcmp(a, b, want) != 0)
			abort();
	} else if (!holds_real(x)) {
		abort(); /* refused only a tree that holds a real */
	}
	free(a);
	free(b);
	json_decref(x);
	return 0;
}
