/*
 * test_json_compact.c - lib/json_compact.c writes what jansson's
 * json_dumpb(JSON_COMPACT) writes, byte for byte: the statement texts the
 * library signs are read back with the fast path only when they are
 * exactly jansson's text of the tree they parse to.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "json_compact.h"

/* jansson's text and ours of x, which must be the same. */
static void same_text(const json_t *x)
{
	size_t want = json_dumpb(x, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	char *a = malloc(want + 1), *b = malloc(want + 1);

	assert_non_null(a);
	assert_non_null(b);
	assert_true(want > 0);
	assert_int_equal(json_dumpb(x, a, want, JSON_COMPACT | JSON_ENCODE_ANY), want);
	assert_int_equal(vault__json_compact(x, b, want), want);
	assert_memory_equal(a, b, want);
	free(a);
	free(b);
}

/* A UTF-8 string of n code points drawn from every range jansson
 * escapes or keeps: controls, quote, backslash, slash, ASCII, two-, three-
 * and four-byte sequences (U+2028 among them), and NUL. */
static json_t *random_string(size_t n)
{
	static const uint32_t special[] = {0, 1, 8, 9, 10, 12, 13, 0x1f, '"', '\\', '/', 0x7f,
	                                   0x80, 0xe9, 0x7ff, 0x800, 0x2028, 0x2029, 0xfffd,
	                                   0xffff, 0x10000, 0x1f600, 0x10ffff};
	char buf[4 * 64];
	size_t i, k = 0;

	for (i = 0; i < n && i < 64; i++) {
		uint32_t c = randombytes_uniform(3) == 0
		                 ? special[randombytes_uniform(sizeof(special) / sizeof(special[0]))]
		                 : 0x20 + randombytes_uniform(0x5f);

		if (c >= 0xd800 && c < 0xe000)
			c = 'x';
		if (c < 0x80) {
			buf[k++] = (char)c;
		} else if (c < 0x800) {
			buf[k++] = (char)(0xc0 | (c >> 6));
			buf[k++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			buf[k++] = (char)(0xe0 | (c >> 12));
			buf[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[k++] = (char)(0x80 | (c & 0x3f));
		} else {
			buf[k++] = (char)(0xf0 | (c >> 18));
			buf[k++] = (char)(0x80 | ((c >> 12) & 0x3f));
			buf[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[k++] = (char)(0x80 | (c & 0x3f));
		}
	}
	return json_stringn(buf, k);
}

static json_t *random_tree(int depth)
{
	static const json_int_t ints[] = {0, 1, -1, 9, 10, -10, 4294967295LL, INT64_MAX,
	                                  INT64_MIN, INT64_MIN + 1};
	uint32_t kind = depth > 4 ? randombytes_uniform(5) : randombytes_uniform(7);
	json_t *x = NULL;
	uint32_t i, n;

	switch (kind) {
	case 0:
		return json_null();
	case 1:
		return randombytes_uniform(2) ? json_true() : json_false();
	case 2:
		return json_integer(randombytes_uniform(2)
		                        ? ints[randombytes_uniform(sizeof(ints) / sizeof(ints[0]))]
		                        : (json_int_t)randombytes_random() - (json_int_t)2147483648LL);
	case 3:
	case 4:
		return random_string(randombytes_uniform(12));
	case 5:
		x = json_array();
		n = randombytes_uniform(5);
		for (i = 0; i < n; i++)
			assert_int_equal(json_array_append_new(x, random_tree(depth + 1)), 0);
		return x;
	default:
		x = json_object();
		n = randombytes_uniform(5);
		for (i = 0; i < n; i++) {
			json_t *k = random_string(1 + randombytes_uniform(6));

			assert_int_equal(json_object_setn_new(x, json_string_value(k),
			                                      json_string_length(k),
			                                      random_tree(depth + 1)),
			                 0);
			json_decref(k);
		}
		return x;
	}
}

static void test_json_compact__same_as_jansson_on_random_trees(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		json_t *x = random_tree(0);

		assert_non_null(x);
		same_text(x);
		json_decref(x);
	}
}

/* The shapes the library writes: a statement of a record put and of a
 * removal, and the cache's objects, parsed from text as a reader would. */
static void test_json_compact__same_as_jansson_on_statements(void **state)
{
	static const char *const texts[] = {
	    "{\"v\":1,\"s\":[{\"t\":\"records\",\"r\":[\"c-1\",{\"h\":\"q83vEjRWeJA=\"},3,1,1,0,"
	    "1024,\"ana\",1764000000,{\"h\":\"AAAA\"},{\"h\":\"/+/+\"},null,null,null,"
	    "{\"h\":\"AQID\"},1]}]}",
	    "{\"v\":1,\"s\":[{\"t\":\"grants\",\"k\":[7],\"d\":true}]}",
	    "{\"v\":1,\"legacy\":\"3q2+7w==\",\"n\":12}",
	    "{\"a\":{},\"b\":[],\"c\":[[[]]],\"k\\u00e9\":\"\\u0000\\u00e9\\u2028\\\"\\\\\\n\\u001f/\"}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_t *x = json_loads(texts[i], JSON_ALLOW_NUL, NULL);

		assert_non_null(x);
		same_text(x);
		json_decref(x);
	}
}

/* A short buffer gets the length wanted and no byte past its end; NULL
 * and a real are refused (0). */
static void test_json_compact__short_buffer_null_and_real(void **state)
{
	json_t *x = json_pack("{s:[i,s,n]}", "k", 12345, "abc");
	json_t *r = json_pack("[i,f]", 1, 0.5);
	char buf[64];
	size_t want;

	(void)state;
	assert_non_null(x);
	assert_non_null(r);
	want = vault__json_compact(x, NULL, 0);
	assert_int_equal(want, strlen("{\"k\":[12345,\"abc\",null]}"));
	memset(buf, '#', sizeof(buf));
	assert_int_equal(vault__json_compact(x, buf, 8), want);
	assert_memory_equal(buf, "{\"k\":[", 6);
	assert_true(buf[8] == '#' && buf[9] == '#');
	assert_int_equal(vault__json_compact(x, buf, sizeof(buf)), want);
	assert_memory_equal(buf, "{\"k\":[12345,\"abc\",null]}", want);
	assert_int_equal(vault__json_compact(NULL, buf, sizeof(buf)), 0);
	assert_int_equal(vault__json_compact(r, buf, sizeof(buf)), 0);
	json_decref(x);
	json_decref(r);
}

static void *no_malloc(size_t n)
{
	(void)n;
	return NULL;
}

/* A string that needs escaping goes through jansson, which allocates:
 * when that fails, the text is refused (0), never written short. */
static void test_json_compact__allocation_failure_refuses(void **state)
{
	json_t *x = json_pack("[s,s]", "plain", "needs \"escaping\"");
	json_malloc_t m;
	json_free_t f;
	char buf[64];

	(void)state;
	assert_non_null(x);
	json_get_alloc_funcs(&m, &f);
	json_set_alloc_funcs(no_malloc, f);
	assert_int_equal(vault__json_compact(x, buf, sizeof(buf)), 0);
	json_set_alloc_funcs(m, f);
	assert_int_equal(vault__json_compact(x, buf, sizeof(buf)),
	                 strlen("[\"plain\",\"needs \\\"escaping\\\"\"]"));
	json_decref(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_compact__same_as_jansson_on_random_trees),
	    cmocka_unit_test(test_json_compact__same_as_jansson_on_statements),
	    cmocka_unit_test(test_json_compact__short_buffer_null_and_real),
	    cmocka_unit_test(test_json_compact__allocation_failure_refuses),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
