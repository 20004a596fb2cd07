/*
 * audit_export.c - the JSON Lines export: entries to and from export lines
 * (RFC 3339 times), and the offline verification of an export file.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "audit_chain.h"

/* ------------------------------------------------------------------------ */
/* Timestamps: RFC 3339 UTC, whole seconds                                   */
/* ------------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm): exact for every year, independent of time_t and the TZ. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put_digits(char *out, unsigned v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* out holds 21 bytes. */
static int ts_format(int64_t ts, char out[21])
{
	int64_t days, secs, y;
	unsigned m, d;

	if (ts < TS_MIN || ts > TS_MAX)
		return -1;
	days = ts / 86400;
	secs = ts % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	/* digit by digit: the ranges are known, and snprintf's are not */
	put_digits(out, (unsigned)y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, (unsigned)(secs / 3600), 2);
	out[13] = ':';
	put_digits(out + 14, (unsigned)(secs / 60 % 60), 2);
	out[16] = ':';
	put_digits(out + 17, (unsigned)(secs % 60), 2);
	out[19] = 'Z';
	out[20] = '\0';
	return 0;
}

static int digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Only the exact form ts_format writes, so that a time has one spelling. */
static int ts_parse(const char *s, size_t n, int64_t *out)
{
	static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30,
	                                   31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, se, dim;

	if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59)
		return -1;
	dim = mdays[mo - 1];
	if (mo == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		dim = 29;
	if (d < 1 || d > dim)
		return -1;
	*out = days_from_civil((int64_t)y, mo, d) * 86400 +
	       (int64_t)(h * 3600 + mi * 60 + se);
	return 0;
}


/* ------------------------------------------------------------------------ */
/* JSON Lines                                                                */
/* ------------------------------------------------------------------------ */

static const char *const json_text_keys[REC_TEXT_FIELDS] = {
	"actor", "org", "role", "action", "case",
	"target", "class", "outcome", "reason", "purpose"};

/* json_object_set_new steals v even on failure. */
static int put(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *hex_json(const unsigned char *b, size_t n)
{
	char buf[2 * AUDIT_SIG_BYTES + 1];

	vault__audit_hex(buf, b, n);
	return json_string(buf);
}

vault_status vault_audit_rec_to_json(const audit_rec *r, char **out)
{
	json_t *o;
	char ts[21];
	int i, bad = 0;

	if (!out)
		return VAULT_ERR_INVALID;
	*out = NULL;
	if (!r || !vault__audit_rec_complete(r) || r->seq == 0 ||
	    r->seq > (uint64_t)INT64_MAX || ts_format(r->ts, ts) != 0)
		return VAULT_ERR_INVALID;
	for (i = 0; i < REC_TEXT_FIELDS; i++)
		if (strlen(vault__audit_rec_text(r, i)) > FIELD_MAX)
			return VAULT_ERR_INVALID;
	o = json_object();
	if (!o)
		return VAULT_ERR_NOMEM;
	/* json_string() refuses invalid UTF-8: such an entry cannot be
	 * exported faithfully, so it is refused rather than mangled. */
	bad |= put(o, "seq", json_integer((json_int_t)r->seq));
	bad |= put(o, "ts", json_string(ts));
	for (i = 0; i < REC_TEXT_FIELDS; i++)
		bad |= put(o, json_text_keys[i], json_string(vault__audit_rec_text(r, i)));
	bad |= put(o, "newkey", r->has_newkey ? hex_json(r->newkey, AUDIT_KEY_BYTES)
	                                      : json_string(""));
	bad |= put(o, "high", json_boolean(r->high));
	bad |= put(o, "prev", hex_json(r->prev, AUDIT_HASH_BYTES));
	bad |= put(o, "hash", hex_json(r->hash, AUDIT_HASH_BYTES));
	bad |= put(o, "sig", r->has_sig ? hex_json(r->sig, AUDIT_SIG_BYTES)
	                                : json_string(""));
	bad |= put(o, "key", hex_json(r->key, AUDIT_KEY_BYTES));
	/* Only entries with statements have the field: older exports and
	 * entries without one read as they always did. */
	if (r->fact != NULL && r->fact[0] != '\0')
		bad |= put(o, "fact", json_string(r->fact));
	if (bad) {
		json_decref(o);
		return VAULT_ERR_INVALID;
	}
	*out = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(o);
	return *out ? VAULT_OK : VAULT_ERR_NOMEM;
}

#define JSON_KEYS 18

/* Fixed-length lower-case hex, or "" when optional allows it.  Returns 1
 * for a value, 0 for "", -1 for anything else. */
static int json_hex(json_t *o, const char *k, unsigned char *out, size_t n,
                    int optional)
{
	json_t *v = json_object_get(o, k);
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0)
		return optional ? 0 : -1;
	return vault__audit_unhex(s, len, out, n) == 0 ? 1 : -1;
}

vault_status vault_audit_rec_from_json(const char *line, size_t len,
                                       audit_rec *r, void **store, char *why,
                                       size_t whylen)
{
	json_error_t err;
	json_t *o = NULL, *v, *fact;
	const char *key;
	char *p;
	size_t total = 0, i;
	vault_status st = VAULT_ERR_CORRUPT;
	json_int_t seq;

	if (store)
		*store = NULL;
	if (why && whylen)
		why[0] = '\0';
	if (!line || !r || !store) {
		vault__audit_why(why, whylen, "invalid argument");
		return VAULT_ERR_INVALID;
	}
	memset(r, 0, sizeof *r);
	if (len > LINE_MAX_BYTES) {
		vault__audit_why(why, whylen, "line longer than " LINE_MAX_TEXT);
		return VAULT_ERR_CORRUPT;
	}
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (!o) {
		vault__audit_why(why, whylen, "not valid JSON (column %d): %s",
		        err.column, err.text);
		return VAULT_ERR_CORRUPT;
	}
	if (!json_is_object(o)) {
		vault__audit_why(why, whylen, "not a JSON object");
		goto done;
	}
	/* Every known key must be there, so equal counts mean no stranger. */
	json_object_foreach(o, key, v) {
		static const char *const known[JSON_KEYS] = {
			"seq", "ts", "actor", "org", "role", "action",
			"case", "target", "class", "outcome", "reason",
			"purpose", "newkey", "high", "prev", "hash", "sig",
			"key"};
		int k, found = strcmp(key, "fact") == 0;

		for (k = 0; k < JSON_KEYS; k++)
			if (strcmp(key, known[k]) == 0)
				found = 1;
		if (!found) {
			vault__audit_why(why, whylen, "unknown field");
			goto done;
		}
	}
	fact = json_object_get(o, "fact");
	if (fact != NULL && (!json_is_string(fact) || json_string_length(fact) == 0 ||
	                     json_string_length(fact) > FACT_MAX ||
	                     strlen(json_string_value(fact)) != json_string_length(fact))) {
		vault__audit_why(why, whylen, "fact is not a non-empty string without NUL");
		goto done;
	}
	if (fact != NULL)
		total += json_string_length(fact) + 1;
	if (json_object_size(o) != JSON_KEYS + (fact != NULL ? 1u : 0u)) {
		vault__audit_why(why, whylen, "a field is missing");
		goto done;
	}

	v = json_object_get(o, "seq");
	if (!json_is_integer(v) || (seq = json_integer_value(v)) <= 0) {
		vault__audit_why(why, whylen, "seq is not a positive integer");
		goto done;
	}
	r->seq = (uint64_t)seq;
	v = json_object_get(o, "ts");
	if (!json_is_string(v) ||
	    ts_parse(json_string_value(v), json_string_length(v), &r->ts) != 0) {
		vault__audit_why(why, whylen, "ts is not a UTC time YYYY-MM-DDTHH:MM:SSZ");
		goto done;
	}
	for (i = 0; i < REC_TEXT_FIELDS; i++) {
		v = json_object_get(o, json_text_keys[i]);
		if (!json_is_string(v)) {
			vault__audit_why(why, whylen, "%s is not a string",
			        json_text_keys[i]);
			goto done;
		}
		/* jansson refuses \u0000 without JSON_ALLOW_NUL; checked again
		 * because C strings would silently cut the field there. */
		if (strlen(json_string_value(v)) != json_string_length(v) ||
		    json_string_length(v) > FIELD_MAX) {
			vault__audit_why(why, whylen, "%s is too long or holds a NUL",
			        json_text_keys[i]);
			goto done;
		}
		total += json_string_length(v) + 1;
	}
	switch (json_hex(o, "newkey", r->newkey, AUDIT_KEY_BYTES, 1)) {
	case 1: r->has_newkey = 1; break;
	case 0: r->has_newkey = 0; break;
	default:
		vault__audit_why(why, whylen, "newkey is not \"\" or 64 lower-case hex digits");
		goto done;
	}
	v = json_object_get(o, "high");
	if (!json_is_boolean(v)) {
		vault__audit_why(why, whylen, "high is not true or false");
		goto done;
	}
	r->high = json_is_true(v);
	if (json_hex(o, "prev", r->prev, AUDIT_HASH_BYTES, 0) != 1) {
		vault__audit_why(why, whylen, "prev is not 64 lower-case hex digits");
		goto done;
	}
	if (json_hex(o, "hash", r->hash, AUDIT_HASH_BYTES, 0) != 1) {
		vault__audit_why(why, whylen, "hash is not 64 lower-case hex digits");
		goto done;
	}
	switch (json_hex(o, "sig", r->sig, AUDIT_SIG_BYTES, 1)) {
	case 1: r->has_sig = 1; break;
	case 0: r->has_sig = 0; break;
	default:
		vault__audit_why(why, whylen, "sig is not \"\" or 128 lower-case hex digits");
		goto done;
	}
	if (json_hex(o, "key", r->key, AUDIT_KEY_BYTES, 0) != 1) {
		vault__audit_why(why, whylen, "key is not 64 lower-case hex digits");
		goto done;
	}

	p = malloc(total);
	if (!p) {
		vault__audit_why(why, whylen, "out of memory");
		st = VAULT_ERR_NOMEM;
		goto done;
	}
	*store = p;
	for (i = 0; i < REC_TEXT_FIELDS; i++) {
		v = json_object_get(o, json_text_keys[i]);
		memcpy(p, json_string_value(v), json_string_length(v) + 1);
		switch (i) {
		case 0: r->actor = p; break;
		case 1: r->org = p; break;
		case 2: r->role = p; break;
		case 3: r->action = p; break;
		case 4: r->case_id = p; break;
		case 5: r->target = p; break;
		case 6: r->cls = p; break;
		case 7: r->outcome = p; break;
		case 8: r->reason = p; break;
		default: r->purpose = p; break;
		}
		p += json_string_length(v) + 1;
	}
	if (fact != NULL) {
		memcpy(p, json_string_value(fact), json_string_length(fact) + 1);
		r->fact = p;
	}
	st = VAULT_OK;
done:
	json_decref(o);
	if (st != VAULT_OK) {
		/* no half-filled entry leaks out */
		free(*store);
		*store = NULL;
		memset(r, 0, sizeof *r);
	}
	return st;
}


/* ------------------------------------------------------------------------ */
/* Offline verification of an export file                                    */
/* ------------------------------------------------------------------------ */

/* Reads lines of any length up to a cap without ever holding more than the
 * cap: a hostile file with one endless line costs LINE_MAX_BYTES, not all
 * memory. */
typedef struct line_reader {
	FILE *f;
	char buf[65536];
	size_t start, end;
	int eof;
	char *line;
	size_t len, cap;
} line_reader;

/* 1: a line in lr->line/len (no '\n'); 0: end of file; -1: read error;
 * -2: line longer than LINE_MAX_BYTES; -3: out of memory. */
static int read_line(line_reader *lr)
{
	lr->len = 0;
	for (;;) {
		const char *nl;
		size_t take;

		if (lr->start == lr->end) {
			if (lr->eof)
				return lr->len ? 1 : 0;
			lr->start = 0;
			lr->end = fread(lr->buf, 1, sizeof lr->buf, lr->f);
			if (lr->end == 0) {
				if (ferror(lr->f))
					return -1;
				lr->eof = 1;
				continue;
			}
		}
		nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		take = nl ? (size_t)(nl - (lr->buf + lr->start))
		          : lr->end - lr->start;
		if (lr->len + take > LINE_MAX_BYTES)
			return -2;
		if (lr->len + take + 1 > lr->cap) {
			size_t ncap = lr->cap ? lr->cap : 4096;
			char *p;

			while (ncap < lr->len + take + 1)
				ncap *= 2;
			p = realloc(lr->line, ncap);
			if (!p)
				return -3;
			lr->line = p;
			lr->cap = ncap;
		}
		memcpy(lr->line + lr->len, lr->buf + lr->start, take);
		lr->len += take;
		lr->line[lr->len] = '\0';
		lr->start += take;
		if (nl) {
			lr->start++; /* the '\n' */
			return 1;
		}
	}
}

static vault_status export_fail(vault_verify_result *res, vault_status st,
                                uint64_t bad_seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static vault_status export_fail(vault_verify_result *res, vault_status st,
                                uint64_t bad_seq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof res->reason, fmt, ap);
	va_end(ap);
	res->bad_seq = bad_seq;
	if (bad_seq)
		res->entries = bad_seq - 1;
	vault__set_last_error("%s", res->reason);
	return st;
}

/* PATH.checkpoint as text, or NULL when there is none (or it is too long
 * to be one, which the parser then never sees). */
static char *read_beside(const char *path)
{
	size_t n = strlen(path) + sizeof ".checkpoint", len;
	char *name = malloc(n), *text = NULL;
	FILE *f;

	if (!name)
		return NULL;
	snprintf(name, n, "%s.checkpoint", path);
	f = fopen(name, "rb");
	free(name);
	if (!f)
		return NULL;
	text = malloc(NOTE_MAX + 2);
	if (text) {
		len = fread(text, 1, NOTE_MAX + 1, f);
		text[len] = '\0';
		if (len == 0 || len > NOTE_MAX || memchr(text, '\0', len)) {
			/* unreadable as a note: let the parser say why */
			if (len > NOTE_MAX)
				len = NOTE_MAX + 1;
			text[len] = '\0';
			if (len == 0) {
				free(text);
				text = NULL;
			}
		}
	}
	fclose(f);
	return text;
}

vault_status vault_audit_verify_export(const char *path, const char *vault_id,
                                       const char *checkpoint,
                                       vault_verify_result *res,
                                       vault_progress_cb progress, void *ctx)
{
	char *beside = NULL;
	unsigned char pin[AUDIT_HASH_BYTES];
	audit_checkpoint cp;
	audit_verifier *av = NULL;
	line_reader *lr = NULL;
	char why[256];
	vault_status st;
	int rc;

	if (!res) {
		vault__set_last_error("%s", "vault_audit_verify_export: res is NULL");
		return VAULT_ERR_INVALID;
	}
	res->entries = 0;
	res->bad_seq = 0;
	res->reason[0] = '\0';
	if (!path || !vault_id)
		return export_fail(res, VAULT_ERR_INVALID, 0,
		                   "vault_audit_verify_export: path or vault_id "
		                   "is NULL");
	if (vault__audit_unhex_any(vault_id, pin, sizeof pin) != 0)
		return export_fail(res, VAULT_ERR_INVALID, 0,
		                   "vault id is not 64 hex digits");
	if (sodium_init() < 0)
		return export_fail(res, VAULT_ERR_NOCRYPTO, 0,
		                   "libsodium could not be initialised");
	if (!checkpoint) {
		/* The checkpoint vault_audit_export() writes beside the file. */
		beside = read_beside(path);
		if (beside && vault_audit_checkpoint_parse(beside, strlen(beside), &cp,
		                                           why, sizeof why) != VAULT_OK) {
			free(beside);
			return export_fail(res, VAULT_ERR_INTEGRITY, 0,
			                   "%s.checkpoint: %s", path, why);
		}
		checkpoint = beside;
	} else if (vault_audit_checkpoint_parse(checkpoint, strlen(checkpoint), &cp, why,
	                                        sizeof why) != VAULT_OK) {
		return export_fail(res, VAULT_ERR_INVALID, 0, "%s", why);
	}
	if (res->version == 2)
		res->checkpoint_kind = checkpoint ? cp.kind : 0;

	lr = calloc(1, sizeof *lr);
	if (!lr) {
		free(beside);
		return export_fail(res, VAULT_ERR_NOMEM, 0, "out of memory");
	}
	lr->f = fopen(path, "rb");
	if (!lr->f) {
		int e = errno;

		free(lr);
		free(beside);
		if (e == ENOENT || e == ENOTDIR)
			return export_fail(res, VAULT_ERR_NOT_FOUND, 0,
			                   "export file not found");
		return export_fail(res, VAULT_ERR_IO, 0,
		                   "export file cannot be opened (errno %d)", e);
	}
	st = vault_audit_verifier_new(pin, &av);
	if (st != VAULT_OK) {
		export_fail(res, st, 0, "%s", st == VAULT_ERR_NOMEM ? "out of memory"
		                                   : "libsodium could not be initialised");
		goto out;
	}
	if (checkpoint && (st = vault_audit_verifier_set_checkpoint(av, &cp)) !=
	                      VAULT_OK) {
		export_fail(res, VAULT_ERR_INVALID, 0, "checkpoint is malformed");
		goto out;
	}

	while ((rc = read_line(lr)) == 1) {
		unsigned long long n = (unsigned long long)res->entries + 1;
		audit_rec r;
		void *store = NULL;

		st = vault_audit_rec_from_json(lr->line, lr->len, &r, &store, why,
		                               sizeof why);
		if (st == VAULT_ERR_NOMEM) {
			export_fail(res, st, 0, "out of memory");
			goto out;
		}
		if (st != VAULT_OK) {
			/* to an auditor, a damaged export is a broken log */
			st = export_fail(res, VAULT_ERR_INTEGRITY, n, "entry %llu: %s",
			                 n, why);
			goto out;
		}
		st = vault_audit_verifier_push(av, &r, res);
		free(store);
		if (st != VAULT_OK) {
			vault__set_last_error("%s", res->reason);
			goto out;
		}
		if (progress && res->entries % PROGRESS_EVERY == 0 &&
		    progress(res->entries, 0, ctx) != 0) {
			st = export_fail(res, VAULT_ERR_STATE, 0, "stopped by caller");
			goto out;
		}
	}
	if (rc == -2) {
		unsigned long long n = (unsigned long long)res->entries + 1;

		st = export_fail(res, VAULT_ERR_INTEGRITY, n,
		                 "entry %llu: line longer than " LINE_MAX_TEXT, n);
		goto out;
	}
	if (rc == -3) {
		st = export_fail(res, VAULT_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if (rc == -1) {
		st = export_fail(res, VAULT_ERR_IO, 0, "export file cannot be read");
		goto out;
	}
	if (progress && progress(res->entries, res->entries, ctx) != 0) {
		st = export_fail(res, VAULT_ERR_STATE, 0, "stopped by caller");
		goto out;
	}
	st = vault_audit_verifier_finish(av, NULL, res);
	if (st != VAULT_OK)
		vault__set_last_error("%s", res->reason);
	if (res->version == 2)
		res->tree_size = res->entries;
out:
	free(beside);
	vault_audit_verifier_free(av);
	if (lr) {
		fclose(lr->f);
		free(lr->line);
		free(lr);
	}
	return st;
}
