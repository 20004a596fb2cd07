/*
 * json_compact.c - the compact text of a statement tree, without jansson's
 * loop check (json_compact.h).
 *
 * json_dumpb() checks every object and array it enters for a loop: it
 * formats the container's address with snprintf() into a hashtable it
 * allocates per dump, then deletes it on the way out.  For a statement
 * (eight containers in a record put) that was a sixth of a put's
 * instructions, and the trees here are built by the library and hold no
 * loop.  This walks the tree and writes the same text: punctuation and
 * integers here, every string that needs escaping by jansson itself.  Only
 * the kinds of value a statement holds are written (objects, arrays,
 * strings, integers, true, false, null); a real is refused (how jansson
 * formats one is not repeated here).  tests/unit/test_json_compact.c
 * compares the text with json_dumpb()'s, byte for byte, over random trees
 * of every kind of value, and tests/fuzz/json_compact_fuzzer.c over every
 * text jansson parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json_compact.h"

typedef struct out {
	char *p;
	size_t n, cap; /* n may pass cap: the length wanted, nothing written past */
} out;

static void put(out *o, const char *s, size_t n)
{
	if (o->n <= o->cap && n <= o->cap - o->n)
		memcpy(o->p + o->n, s, n);
	o->n += n;
}

/* A string as JSON: verbatim between quotes when every byte is printable
 * ASCII but a quote or a backslash (nothing to escape), else jansson's own
 * escaping of it. */
static int put_string(out *o, const char *s, size_t n)
{
	size_t i, k;
	json_t *x;
	char *buf;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			break;
	}
	if (i == n) {
		put(o, "\"", 1);
		put(o, s, n);
		put(o, "\"", 1);
		return 0;
	}
	x = json_stringn(s, n);
	if (x == NULL)
		return -1;
	k = json_dumpb(x, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	buf = k ? malloc(k) : NULL;
	if (buf == NULL || json_dumpb(x, buf, k, JSON_COMPACT | JSON_ENCODE_ANY) != k) {
		free(buf);
		json_decref(x);
		return -1;
	}
	put(o, buf, k);
	free(buf);
	json_decref(x);
	return 0;
}

static void put_integer(out *o, json_int_t v)
{
	char t[24];
	size_t i = sizeof(t);
	/* the magnitude as unsigned: -INT64_MIN has no json_int_t */
	unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	do {
		t[--i] = (char)('0' + m % 10);
		m /= 10;
	} while (m != 0);
	if (v < 0)
		t[--i] = '-';
	put(o, t + i, sizeof(t) - i);
}

static int put_value(out *o, const json_t *x, int depth)
{
	size_t i, klen;
	const char *key;
	json_t *val;

	/* jansson's own limit on nesting: a deeper tree is not ours */
	if (depth > 2048)
		return -1;
	switch (json_typeof(x)) {
	case JSON_NULL:
		put(o, "null", 4);
		return 0;
	case JSON_TRUE:
		put(o, "true", 4);
		return 0;
	case JSON_FALSE:
		put(o, "false", 5);
		return 0;
	case JSON_INTEGER:
		put_integer(o, json_integer_value(x));
		return 0;
	case JSON_STRING:
		return put_string(o, json_string_value(x), json_string_length(x));
	case JSON_ARRAY:
		put(o, "[", 1);
		for (i = 0; i < json_array_size(x); i++) {
			if (i > 0)
				put(o, ",", 1);
			if (put_value(o, json_array_get(x, i), depth + 1) != 0)
				return -1;
		}
		put(o, "]", 1);
		return 0;
	case JSON_OBJECT:
		put(o, "{", 1);
		i = 0;
		/* insertion order, as json_dumpb() writes an object without
		 * JSON_SORT_KEYS */
		json_object_keylen_foreach((json_t *)x, key, klen, val) {
			if (i++ > 0)
				put(o, ",", 1);
			if (put_string(o, key, klen) != 0)
				return -1;
			put(o, ":", 1);
			if (put_value(o, val, depth + 1) != 0)
				return -1;
		}
		put(o, "}", 1);
		return 0;
	default: /* a real: no statement holds one */
		return -1;
	}
}

size_t vault__json_compact(const json_t *x, char *buf, size_t cap)
{
	out o = {buf, 0, cap};

	if (x == NULL || put_value(&o, x, 0) != 0)
		return 0;
	return o.n;
}
