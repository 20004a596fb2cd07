/*
 * json_compact.h - the compact JSON text of a tree the library built.
 */
#ifndef VAULT_JSON_COMPACT_H
#define VAULT_JSON_COMPACT_H

#include <stddef.h>

#include <jansson.h>

/* The text json_dumpb(x, buf, cap, JSON_COMPACT) writes, for a tree of
 * objects, arrays, strings, integers, true, false and null built in this
 * process (it holds no loop: none is looked for).  Returns the text's
 * length, which may be more than cap (then only a prefix, no more than
 * cap bytes, is written: call again with room for it), or 0 when x is NULL,
 * holds a real, nests deeper than jansson reads, or an allocation failed.
 * No terminating NUL is written. */
size_t vault__json_compact(const json_t *x, char *buf, size_t cap);

#endif
