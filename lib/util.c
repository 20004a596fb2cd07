/*
 * util.c - validation, clock, allocation with fault injection, hex, paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

int vault__valid_name(const char *s)
{
	size_t n;

	if (s == NULL || s[0] == '\0' || s[0] == '.' || s[0] == '-')
		return 0;
	for (n = 0; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];
		if (n >= VAULT_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Free text: bounded, no control characters but tab (they would let a
 * reason forge lines in a terminal or a log). */
int vault__valid_text(const char *s, size_t max, int allow_empty)
{
	size_t n;

	if (s == NULL)
		return allow_empty;
	for (n = 0; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];
		if (n >= max || (c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return n > 0 || allow_empty;
}

int vault__valid_id(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];
		if (n >= VAULT_ID_LEN || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return n == VAULT_ID_LEN;
}

static int64_t clock_shift;

void vault__clock_shift(int64_t seconds)
{
	clock_shift += seconds;
}

int64_t vault__now(void)
{
	return (int64_t)time(NULL) + clock_shift;
}

static long fault_countdown;
static int fault_hit;

void vault__fault_alloc_after(long n)
{
	fault_countdown = n;
	fault_hit = 0;
}

int vault__fault_alloc_hit(void)
{
	return fault_hit;
}

/* Returns 1 when this allocation must fail (SQLite's test_malloc idea). */
int vault__fault_now(void)
{
	if (fault_countdown <= 0)
		return 0;
	if (--fault_countdown == 0) {
		fault_hit = 1;
		return 1;
	}
	return 0;
}

void *vault__malloc(size_t n)
{
	if (vault__fault_now())
		return NULL;
	return malloc(n ? n : 1);
}

void *vault__calloc(size_t n, size_t size)
{
	if (vault__fault_now())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

char *vault__strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = vault__malloc(n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

void vault__hex(const unsigned char *bin, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2*len hex digits, nothing else. */
int vault__unhex(const char *hex, unsigned char *out, size_t len)
{
	size_t i;

	if (hex == NULL || strlen(hex) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

char *vault__path(const char *dir, const char *file)
{
	size_t a = strlen(dir), b = strlen(file);
	char *p = vault__malloc(a + b + 2);

	if (p == NULL)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, file, b + 1);
	return p;
}
