/*
 * statement_fuzzer.c - text through the parser of signed statements (the
 * `fact` field of audit entries, lib/facts.c), which every open reads from
 * a database any key-slot holder can write.
 *
 * Invariants: the answer is well-formed (1), malformed (0) or out of
 * memory (-1), the same for the same text; never a crash, leak or abort.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int a = vault__facts_parse_check((const char *)data, size);
	int b = vault__facts_parse_check((const char *)data, size);

	if (a < -1 || a > 1 || (a >= 0 && b >= 0 && a != b))
		abort();
	return 0;
}
