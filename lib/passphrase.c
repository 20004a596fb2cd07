/*
 * passphrase.c - how hard a new passphrase is to guess (zxcvbn).
 *
 * Debian's libzxcvbn (zxcvbn-c) estimates the entropy, in bits, of the
 * cheapest way to guess a passphrase from its dictionaries, keyboard
 * patterns, sequences, repeats and dates.  zxcvbn's score 3 starts at 10^8
 * guesses: a passphrase below that is refused, with what made it easy.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <zxcvbn.h>

#include "internal.h"

/* log2(10^8): zxcvbn's score 3 ("safely unguessable: moderate protection
 * from an offline slow-hash scenario"). */
#define MIN_BITS 26.575424759098897

static const char *what(ZxcTypeMatch_t t)
{
	switch ((int)t & ~MULTIPLE_MATCH) {
	case DICTIONARY_MATCH:
	case DICT_LEET_MATCH:
		return "a common word or password";
	case USER_MATCH:
	case USER_LEET_MATCH:
		return "your name or your organisation's";
	case REPEATS_MATCH:
		return "repeated characters";
	case SEQUENCE_MATCH:
		return "a sequence such as abc or 123";
	case SPATIAL_MATCH:
		return "a keyboard pattern";
	case DATE_MATCH:
	case YEAR_MATCH:
		return "a date or a year";
	default:
		return NULL;
	}
}

int vault__passphrase_weak(const unsigned char *pass, size_t len, const char *user,
                           const char *org, char *why, size_t cap)
{
	const char *dict[5] = {user, org != NULL && *org ? org : "libvault", "libvault",
	                       "vault", NULL};
	ZxcMatch_t *info = NULL, *m;
	const char *easy = NULL;
	char *text;
	double bits;

	/* zxcvbn reads a C string: a copy in guarded memory, cut at the first
	 * NUL (the estimate of a prefix is never higher). */
	text = vault__secure_alloc(len + 1);
	if (text == NULL) {
		snprintf(why, cap, "out of memory while checking the new passphrase");
		return 1;
	}
	memcpy(text, pass, len);
	text[len] = '\0';
	bits = ZxcvbnMatch(text, dict, &info);
	for (m = info; m != NULL && easy == NULL; m = m->Next)
		easy = what(m->Type);
	ZxcvbnFreeInfo(info);
	vault__secure_free(text);
	if (bits >= MIN_BITS)
		return 0;
	snprintf(why, cap, "the new passphrase is too easy to guess (about 10^%.0f guesses,"
	         " at least 10^8 needed)%s%s: use four or more unrelated words",
	         bits * log10(2.0), easy ? "; it contains " : "", easy ? easy : "");
	return 1;
}
