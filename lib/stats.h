/*
 * stats.h - the indicators' vocabulary (indicators.c) and the statistics
 * built on it (stats.c): small-cell suppression, export, combine.
 *
 * Private: the unit tests use it to check the suppression on random tables.
 */
#ifndef VAULT_STATS_H
#define VAULT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "vault.h"

/* ---- the vocabulary (indicators.c) ------------------------------------- */

/* The vocabulary's version: a change of any key or value is a new one. */
#define IND_VERSION "libvault-indicators/1"
#define IND_NKEYS 8
#define IND_VALUES_MAX 16
/* The pseudo-value counted for a key a case does not have set. */
#define IND_NOT_RECORDED "not-recorded"
/* Plaintext of a case's indicators is padded to this size, so the
 * ciphertext does not tell how many are set. */
#define IND_TEXT_MAX 512

typedef struct ind_key {
	const char *key;
	int multi; /* values are a set (types of violence) */
	const char *const *values;
	size_t nvalues;
} ind_key;

extern const ind_key vault__ind_keys[IND_NKEYS];

/* A case's indicators: per key, a set of value indexes as bits (bit i is
 * values[i]); 0 when the key is not set.  A single-valued key has at most
 * one bit. */
typedef struct ind_set {
	uint32_t bits[IND_NKEYS];
} ind_set;

/* Apply "key=value[,value...]" (or "key=" to clear) to *s.  0, or -1 with
 * a message listing the valid keys or values in why. */
int vault__ind_apply(ind_set *s, const char *assignment, char *why, size_t whylen);
/* The canonical text ("key=v1,v2\n" per key set, vocabulary order) into
 * out (cap >= IND_TEXT_MAX); returns its length. */
size_t vault__ind_format(const ind_set *s, char *out, size_t cap);
/* Parse canonical text strictly (what vault__ind_format writes): 0 or -1. */
int vault__ind_parse(const char *text, size_t len, ind_set *s);

/* Decrypt the indicators of a case (*found = 0 when none were set). */
vault_status vault__ind_read(vault *v, const char *case_id, ind_set *out, int *found);

/* ---- suppression (stats.c) --------------------------------------------- */

/* One published figure. */
typedef struct sdc_fig {
	uint64_t value;
	int total;      /* a margin (row, column or grand total), not a cell */
	int suppressed;
} sdc_fig;

/* Linear equations between figures: equation i says that the figures
 * members[off[i] .. off[i+1]) that are not totals sum to the one that is.
 * Suppress every figure in 1..k-1 (primary), then, while an equation has
 * exactly one suppressed figure (which it would give away), suppress one
 * more of its figures (secondary): the smallest non-zero cell, else a zero
 * cell, else the smallest total.  Returns the number suppressed. */
size_t vault__sdc_suppress(sdc_fig *figs, size_t nfigs, const size_t *members,
                           const size_t *off, size_t neq, unsigned int k);

#endif
