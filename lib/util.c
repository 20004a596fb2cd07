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

/* One UTF-8 sequence at s: its code point and length, or 0 if it is not
 * well formed (overlong, surrogate, past U+10FFFF, truncated). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	size_t n, i;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Free text (display names, reasons, purposes): bounded, valid UTF-8 (the
 * audit export is JSON), and no control or bidirectional-override
 * characters but tab: they would let a reason forge lines or reorder text
 * in a terminal or a reviewer's screen. */
int vault__valid_text(const char *s, size_t max, int allow_empty)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	if (s == NULL)
		return allow_empty;
	while (p[n] != '\0') {
		uint32_t c;
		size_t len = utf8_next(p + n, &c);

		if (len == 0 || n + len > max)
			return 0;
		if ((c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) ||
		    (c >= 0x200e && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069))
			return 0;
		n += len;
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

/* Tests that make an insert fail with a trigger of their own turn triggers
 * back on (store.c turns them off on every connection of the library). */
static int triggers_on;

void vault__fault_triggers(int on)
{
	triggers_on = on != 0;
}

int vault__fault_triggers_on(void)
{
	return triggers_on;
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
