/*
 * cli.c - helpers shared by the commands: errors and exit codes, option
 * parsing, value parsing, tables, JSON, passphrases and unlocking.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- errors ------------------------------------------------------------ */

int cli_exit_code(vault_status st)
{
	switch (st) {
	case VAULT_OK:
		return CLI_EXIT_OK;
	case VAULT_ERR_INVALID:
		/* The library rejected an argument the user typed: that is a
		 * usage error like a parse error, not a failure of the vault. */
		return CLI_EXIT_USAGE;
	case VAULT_ERR_AUTH:
		return CLI_EXIT_AUTH;
	case VAULT_ERR_DENIED:
		return CLI_EXIT_DENIED;
	case VAULT_ERR_NOT_FOUND:
		return CLI_EXIT_NOT_FOUND;
	case VAULT_ERR_INTEGRITY:
	case VAULT_ERR_CORRUPT:
		return CLI_EXIT_INTEGRITY;
	case VAULT_ERR_CONSENT:
		return CLI_EXIT_CONSENT;
	case VAULT_ERR_BUSY:
		return CLI_EXIT_BUSY;
	case VAULT_ERR_PASSWD_EXPIRED:
		return CLI_EXIT_PASSWD_EXPIRED;
	case VAULT_ERR_WEAK_PASSPHRASE:
	case VAULT_ERR_AMBIGUOUS:
		/* The user's input needs changing: a usage error. */
		return CLI_EXIT_USAGE;
	case VAULT_ERR_NOSPACE:
		return CLI_EXIT_NOSPACE;
	default:
		return CLI_EXIT_ERROR;
	}
}

/* The context errors are reported in: --json decides their form. */
static struct cli_ctx *bound;

void cli_bind(struct cli_ctx *ctx)
{
	bound = ctx;
}

/* One error: "vault: TEXT" (and "hint: HINT") on stderr, and with --json
 * the same as one JSON object on stdout. */
static void report(int code, int has_status, vault_status st, const char *text,
                   const char *hint)
{
	fprintf(stderr, "vault: %s\n", text);
	if (hint && hint[0])
		fprintf(stderr, "hint: %s\n", hint);
	if (bound && bound->json) {
		json_t *o = json_object();
		char *dump;

		if (o == NULL)
			return;
		json_object_set_new(o, "error", json_string(text));
		json_object_set_new(o, "status", has_status ? json_integer(st) : json_null());
		json_object_set_new(o, "exit", json_integer(code));
		if (hint && hint[0])
			json_object_set_new(o, "hint", json_string(hint));
		dump = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (dump) {
			fflush(stdout);
			printf("%s\n", dump);
			fflush(stdout);
			free(dump);
		}
	}
}

/* What to do next after a refusal, from the status and the library's
 * reason, with what the command was about.  "" when there is nothing
 * useful to add. */
static void refusal_hint(struct cli_ctx *ctx, vault_status st, const char *detail,
                         char *hint, size_t size)
{
	char cls[CLI_CLASSES_BUFSIZE];
	const char *org = NULL;
	const char *c = ctx && ctx->about_case ? ctx->about_case : "CASE";

	hint[0] = '\0';
	if (ctx == NULL)
		return;
	if (st == VAULT_ERR_CONSENT) {
		snprintf(hint, size,
		         "record her consent with `vault consent add %s --org %s --classes %s"
		         " --purpose TEXT`, then share again",
		         c, ctx->about_org ? ctx->about_org : "ORG",
		         ctx->about_classes ? cli_classes_str(ctx->about_classes, cls) : "LIST");
		return;
	}
	if (st == VAULT_ERR_AMBIGUOUS) {
		snprintf(hint, size, "say which with --class general, sensitive or safety");
		return;
	}
	if (st != VAULT_ERR_DENIED || detail == NULL)
		return;
	if (ctx->v)
		vault_whoami(ctx->v, &org, NULL);
	if (strstr(detail, "restricted case of your organisation")) {
		snprintf(hint, size,
		         "a supervisor of %s can use `vault break-glass %s --reason TEXT`"
		         " (reviewed), or ask its holder to share it",
		         org ? org : "your organisation", c);
	} else if (strstr(detail, "read-only grant")) {
		snprintf(hint, size, "ask the owner%s%s to share it with you with --perm write",
		         ctx->about_org ? ", organisation " : "",
		         ctx->about_org ? ctx->about_org : "");
	} else if (strstr(detail, "no grant on this case") ||
	           strstr(detail, "no grant for this class")) {
		snprintf(hint, size, "ask the case's owner to share it with %s%s",
		         org ? "your organisation " : "you", org ? org : "");
	}
}

int cli_fail(struct cli_ctx *ctx, vault_status st)
{
	const char *what = vault_strerror(st);
	const char *detail = (ctx && ctx->v) ? vault_errmsg(ctx->v)
	                                     : vault_last_errmsg();
	char text[1400], hint[512];
	int code = cli_exit_code(st);

	if (detail == NULL || detail[0] == '\0' || strcmp(detail, what) == 0)
		snprintf(text, sizeof(text), "%s", what);
	else if (strncmp(detail, what, strlen(what)) == 0)
		snprintf(text, sizeof(text), "%s", detail); /* it says it already */
	else
		snprintf(text, sizeof(text), "%s: %s", what, detail);
	refusal_hint(ctx, st, detail, hint, sizeof(hint));
	report(code, 1, st, text, hint);
	return code;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	char group[64], text[1024];
	size_t n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	report(CLI_EXIT_USAGE, 0, VAULT_OK, text, NULL);
	if (cmd == NULL || cmd[0] == '\0') {
		fputs("See 'vault help'.\n", stderr);
		return CLI_EXIT_USAGE;
	}
	/* Help is per command group: "record put" points at 'vault help record'. */
	n = strcspn(cmd, " ");
	if (n >= sizeof(group))
		n = sizeof(group) - 1;
	memcpy(group, cmd, n);
	group[n] = '\0';
	fprintf(stderr, "See 'vault help %s' or 'vault help'.\n", group);
	return CLI_EXIT_USAGE;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;
	char text[1024];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	report(CLI_EXIT_ERROR, 0, VAULT_OK, text, NULL);
	return CLI_EXIT_ERROR;
}

int cli_error_code(int code, const char *hint, const char *fmt, ...)
{
	va_list ap;
	char text[1024];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	report(code, 0, VAULT_OK, text, hint);
	return code;
}

/* ---- case ids ---------------------------------------------------------- */

struct case_match {
	const char *prefix;
	size_t len;
	char first[VAULT_ID_BUFSIZE];
	char list[8][VAULT_ID_BUFSIZE];
	size_t n;
};

static int case_match_cb(const vault_case_info *info, void *arg)
{
	struct case_match *m = arg;

	if (strncmp(info->id, m->prefix, m->len) != 0)
		return 0;
	/* A case listed by both listings is one case. */
	for (size_t i = 0; i < m->n && i < 8; i++)
		if (strcmp(m->list[i], info->id) == 0)
			return 0;
	if (m->n < 8)
		snprintf(m->list[m->n], VAULT_ID_BUFSIZE, "%s", info->id);
	m->n++;
	return 0;
}

int cli_case_id(struct cli_ctx *ctx, const char *arg, char out[VAULT_ID_BUFSIZE])
{
	struct case_match m;
	char lower[VAULT_ID_BUFSIZE];
	size_t len = strlen(arg), i;
	vault_role role = (vault_role)0;
	vault_status st;

	for (i = 0; i < len && i < VAULT_ID_LEN; i++) {
		char c = arg[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			break;
		lower[i] = c;
	}
	if (i != len || len > VAULT_ID_LEN || len < CLI_CASE_PREFIX_MIN)
		return cli_usage_error(NULL,
		                       "'%s' is not a case id: give its %d hex digits, or a"
		                       " unique prefix of at least %d",
		                       arg, VAULT_ID_LEN, CLI_CASE_PREFIX_MIN);
	lower[len] = '\0';
	if (len == VAULT_ID_LEN) {
		memcpy(out, lower, VAULT_ID_BUFSIZE);
		return CLI_EXIT_OK;
	}
	memset(&m, 0, sizeof(m));
	m.prefix = lower;
	m.len = len;
	st = vault_case_foreach(ctx->v, case_match_cb, &m);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	/* A supervisor also reaches her organisation's restricted cases (by
	 * break-glass): their ids are hers to abbreviate too. */
	vault_whoami(ctx->v, NULL, &role);
	if (m.n == 0 && role == VAULT_ROLE_SUPERVISOR) {
		st = vault_case_foreach_restricted(ctx->v, case_match_cb, &m);
		if (st != VAULT_OK)
			return cli_fail(ctx, st);
	}
	if (m.n == 0)
		return cli_error_code(CLI_EXIT_NOT_FOUND, NULL,
		                      "no case you can see starts with '%s'", arg);
	if (m.n > 1) {
		char text[8 * (VAULT_ID_BUFSIZE + 2) + 128];
		size_t n = (size_t)snprintf(text, sizeof(text),
		                            "case id prefix '%s' is ambiguous: it matches", arg);

		for (i = 0; i < m.n && i < 8 && n < sizeof(text); i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s %s",
			                      i ? "," : "", m.list[i]);
		if (m.n > 8 && n < sizeof(text))
			snprintf(text + n, sizeof(text) - n, " and %zu more", m.n - 8);
		return cli_usage_error(NULL, "%s; give more digits", text);
	}
	memcpy(out, m.list[0], VAULT_ID_BUFSIZE);
	return CLI_EXIT_OK;
}

/* ---- options ----------------------------------------------------------- */

static const struct cli_opt *find_opt(const struct cli_opt *opts,
                                      const char *name, size_t len)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

int cli_parse(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
              const char *const *posnames, int nreq, int nmax, char **pos)
{
	int npos = 0;
	int only_pos = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (npos >= nmax)
				return cli_usage_error(cmd, "%s: unexpected argument '%s'",
				                       cmd, a);
			pos[npos++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_print_command_help(cmd, stdout);
			return CLI_HELP_SHOWN;
		}
		if (a[1] != '-')
			return cli_usage_error(cmd, "%s: unknown option '%s'", cmd, a);

		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct cli_opt *o = find_opt(opts, name, len);

		if (o == NULL)
			return cli_usage_error(cmd, "%s: unknown option '--%.*s'", cmd,
			                       (int)len, name);
		if (o->type == CLI_OPT_FLAG) {
			if (eq)
				return cli_usage_error(cmd, "%s: option '--%s' takes no value",
				                       cmd, o->name);
			*o->flag = 1;
			continue;
		}
		if (eq) {
			*o->str = eq + 1;
		} else {
			if (i + 1 >= argc)
				return cli_usage_error(cmd, "%s: option '--%s' needs a value",
				                       cmd, o->name);
			*o->str = argv[++i];
		}
	}
	/* Inside the shell, after `use CASE`, a command whose first argument
	 * is a case may leave it out. */
	if (npos < nreq && npos < nmax && posnames && bound &&
	    bound->current_case[0] && strstr(posnames[0], "CASE") != NULL) {
		memmove(pos + 1, pos, (size_t)npos * sizeof(*pos));
		pos[0] = bound->current_case;
		npos++;
	}
	if (npos < nreq)
		return cli_usage_error(cmd, "%s: missing %s", cmd,
		                       posnames ? posnames[npos] : "argument");
	for (int i = npos; i < nmax; i++)
		pos[i] = NULL;
	return 0;
}

int cli_subcommand(struct cli_ctx *ctx, const char *group, int argc, char **argv,
                   const struct cli_sub *subs)
{
	char list[256];
	size_t n = 0;

	list[0] = '\0';
	for (const struct cli_sub *s = subs; s->name && n < sizeof(list); s++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		                      n ? ", " : "", s->name);
	if (argc < 2)
		return cli_usage_error(group, "%s: missing subcommand (%s)", group, list);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_print_command_help(group, stdout);
		return CLI_EXIT_OK;
	}
	for (const struct cli_sub *s = subs; s->name; s++)
		if (strcmp(argv[1], s->name) == 0)
			return s->fn(ctx, argc - 1, argv + 1);
	return cli_usage_error(group, "%s: unknown subcommand '%s' (%s)", group,
	                       argv[1], list);
}

/* ---- value parsers ----------------------------------------------------- */

int cli_parse_classes(const char *cmd, const char *opt, const char *text,
                      unsigned int *out)
{
	if (vault_classes_parse(text, out) != VAULT_OK || *out == 0)
		return cli_usage_error(cmd,
		                       "%s: bad class list '%s' for --%s (expected "
		                       "general, sensitive, safety, comma-separated)",
		                       cmd, text, opt);
	return 0;
}

static int parse_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* YYYY-MM-DD (midnight), YYYY-MM-DDTHH:MM:SS (local time, or UTC under
 * --utc), or either followed by Z or +-HH:MM. */
static int parse_rfc3339(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0, local = 0;
	size_t len = strlen(s);
	struct tm tm, back;
	time_t t;

	if (len < 10 || parse_digits(s, 4, &y) || s[4] != '-' ||
	    parse_digits(s + 5, 2, &mo) || s[7] != '-' || parse_digits(s + 8, 2, &d))
		return -1;
	if (len == 10) {
		local = 1;
	} else {
		const char *z;

		if (len < 19 || (s[10] != 'T' && s[10] != 't') ||
		    parse_digits(s + 11, 2, &h) || s[13] != ':' ||
		    parse_digits(s + 14, 2, &mi) || s[16] != ':' ||
		    parse_digits(s + 17, 2, &sec))
			return -1;
		z = s + 19;
		if (z[0] == '\0') {
			local = 1;
		} else if ((z[0] == 'Z' || z[0] == 'z') && z[1] == '\0') {
			sign = 0;
		} else if ((z[0] == '+' || z[0] == '-') && strlen(z) == 6 &&
		           parse_digits(z + 1, 2, &oh) == 0 && z[3] == ':' &&
		           parse_digits(z + 4, 2, &om) == 0 && oh < 24 && om < 60) {
			sign = z[0] == '+' ? 1 : -1;
		} else {
			return -1;
		}
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec;
	if (local && !(bound && bound->utc)) {
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1 || localtime_r(&t, &back) == NULL)
			return -1;
		*out = (int64_t)t;
		return back.tm_mday == d && back.tm_mon == mo - 1 ? 0 : -1;
	}
	t = timegm(&tm);
	if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL)
		return -1;
	/* timegm normalises 31 February into March: refuse instead. */
	if (back.tm_mday != d || back.tm_mon != mo - 1)
		return -1;
	*out = (int64_t)t - (int64_t)sign * (oh * 3600 + om * 60);
	return 0;
}

int cli_parse_time(const char *cmd, const char *opt, const char *text,
                   int64_t *out)
{
	if (parse_rfc3339(text, out) != 0)
		return cli_usage_error(cmd,
		                       "%s: bad date '%s' for --%s (expected YYYY-MM-DD, "
		                       "YYYY-MM-DDTHH:MM:SS, optionally followed by Z or "
		                       "+HH:MM)",
		                       cmd, text, opt);
	return 0;
}

int cli_parse_uint(const char *cmd, const char *opt, const char *text,
                   uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (text[0] < '0' || text[0] > '9')
		goto bad;
	v = strtoull(text, &end, 10);
	if (errno || *end != '\0' || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return cli_usage_error(cmd, "%s: bad number '%s' for --%s (0..%llu)", cmd,
	                       text, opt, (unsigned long long)max);
}

int cli_parse_kdf(const char *cmd, const char *text, vault_kdf *out)
{
	if (vault_kdf_parse(text, out) != VAULT_OK)
		return cli_usage_error(cmd,
		                       "%s: bad --kdf '%s' (expected interactive, moderate "
		                       "or sensitive)",
		                       cmd, text);
	if (*out == VAULT_KDF_INSECURE_TEST_ONLY)
		fputs("vault: warning: --kdf insecure-test-only is for test "
		      "suites; a passphrase under it falls to brute force\n",
		      stderr);
	return 0;
}

int cli_parse_fd(const char *opt, const char *text, int *out)
{
	char *end;
	long v;

	errno = 0;
	if (text[0] < '0' || text[0] > '9')
		goto bad;
	v = strtol(text, &end, 10);
	if (errno || *end != '\0' || v > INT_MAX)
		goto bad;
	*out = (int)v;
	return 0;
bad:
	return cli_usage_error(NULL, "bad file descriptor '%s' for %s", text, opt);
}

/* ---- formatting -------------------------------------------------------- */

const char *cli_time_str(int64_t ts, char buf[CLI_TIME_BUFSIZE])
{
	time_t t = (time_t)ts;
	struct tm tm;
	long off;
	size_t n;

	if (ts == 0)
		return "-";
	if (bound && bound->utc) {
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(buf, CLI_TIME_BUFSIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			return "-";
		return buf;
	}
	if (localtime_r(&t, &tm) == NULL ||
	    (n = strftime(buf, CLI_TIME_BUFSIZE, "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		return "-";
	/* RFC 3339 wants the offset as +HH:MM, strftime's %z gives +HHMM. */
	off = tm.tm_gmtoff;
	snprintf(buf + n, CLI_TIME_BUFSIZE - n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
	         (off < 0 ? -off : off) / 3600, ((off < 0 ? -off : off) % 3600) / 60);
	return buf;
}

const char *cli_classes_str(unsigned int classes, char buf[CLI_CLASSES_BUFSIZE])
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int bit = 1; bit <= VAULT_CLASS_ALL; bit <<= 1) {
		const char *name;

		if (!(classes & bit) || (name = vault_class_name((vault_class)bit)) == NULL)
			continue;
		n += (size_t)snprintf(buf + n, CLI_CLASSES_BUFSIZE - n, "%s%s",
		                      n ? "," : "", name);
		if (n >= CLI_CLASSES_BUFSIZE)
			break;
	}
	return buf[0] ? buf : "-";
}

json_t *cli_classes_json(unsigned int classes)
{
	json_t *a = json_array();

	for (unsigned int bit = 1; a && bit <= VAULT_CLASS_ALL; bit <<= 1) {
		const char *name;

		if ((classes & bit) && (name = vault_class_name((vault_class)bit)))
			json_array_append_new(a, json_string(name));
	}
	return a;
}

json_t *cli_time_json(int64_t ts)
{
	char buf[CLI_TIME_BUFSIZE];

	return ts ? json_string(cli_time_str(ts, buf)) : json_null();
}

json_t *cli_str_json(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* ---- tables ------------------------------------------------------------ */

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *headers)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->headers = headers;
}

void cli_table_add(struct cli_table *t, ...)
{
	va_list ap;

	if (t->failed)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));

		if (cells == NULL) {
			t->failed = 1;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	va_start(ap, t);
	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = va_arg(ap, const char *);
		char *copy = strdup(s ? s : "-");

		if (copy == NULL)
			t->failed = 1;
		t->cells[t->nrows * t->ncols + c] = copy;
	}
	va_end(ap);
	t->nrows++;
}

/* Columns are measured in characters, not bytes: names may be UTF-8. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* Padding is written only before text that follows it, so no line ends
 * in blanks when its last cells are empty. */
static void print_row(const char *const *cells, size_t ncols, const size_t *width)
{
	size_t pending = 0;

	for (size_t c = 0; c < ncols; c++) {
		if (cells[c][0] != '\0') {
			for (; pending > 0; pending--)
				fputc(' ', stdout);
			fputs(cells[c], stdout);
		}
		pending += width[c] + 2 - text_width(cells[c]);
	}
	fputc('\n', stdout);
}

int cli_table_print(struct cli_table *t, const char *empty)
{
	size_t *width;

	if (t->failed)
		return cli_error("out of memory");
	if (t->nrows == 0) {
		if (empty)
			printf("%s\n", empty);
		return CLI_EXIT_OK;
	}
	width = calloc(t->ncols, sizeof(*width));
	if (width == NULL)
		return cli_error("out of memory");
	for (size_t c = 0; c < t->ncols; c++) {
		width[c] = text_width(t->headers[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = text_width(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	print_row(t->headers, t->ncols, width);
	for (size_t r = 0; r < t->nrows; r++)
		print_row((const char *const *)&t->cells[r * t->ncols], t->ncols, width);
	free(width);
	return CLI_EXIT_OK;
}

void cli_table_free(struct cli_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* ---- JSON -------------------------------------------------------------- */

static int json_out(json_t *doc, size_t flags)
{
	char *s;

	if (doc == NULL)
		return cli_error("out of memory");
	s = json_dumps(doc, flags);
	json_decref(doc);
	if (s == NULL)
		return cli_error("out of memory");
	fputs(s, stdout);
	fputc('\n', stdout);
	/* It may hold record text (record get --json). */
	explicit_bzero(s, strlen(s));
	free(s);
	return CLI_EXIT_OK;
}

int cli_json_print(json_t *doc)
{
	return json_out(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

int cli_json_line(json_t *doc)
{
	return json_out(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

/* ---- passphrases ------------------------------------------------------- */

/* The terminal state to restore if a signal arrives while echo is off. */
static struct termios saved_termios;
static volatile sig_atomic_t saved_tty_fd = -1;

static void restore_tty_and_die(int sig)
{
	if (saved_tty_fd >= 0)
		tcsetattr(saved_tty_fd, TCSAFLUSH, &saved_termios);
	/* SA_RESETHAND put the default action back: die of the same signal. */
	raise(sig);
}

static int secret_alloc(struct cli_secret *s)
{
	/* One byte more than the longest passphrase, to tell "too long". */
	s->data = vault_secure_malloc(VAULT_PASSPHRASE_MAX + 1);
	s->len = 0;
	if (s->data == NULL)
		return cli_error("cannot allocate secure memory for the passphrase");
	return CLI_EXIT_OK;
}

void cli_secret_free(struct cli_secret *s)
{
	vault_secure_free(s->data); /* wipes */
	s->data = NULL;
	s->len = 0;
}

/* Read one line byte by byte, so nothing after it is consumed (two
 * passphrases may share one descriptor) and no copy sits in a stdio buffer.
 * Returns 1 for a line, 0 for end of input before any byte, -1 on error
 * (errno set; E2BIG when the line is too long). */
static int read_line(int fd, struct cli_secret *s)
{
	int got = 0;

	s->len = 0;
	for (;;) {
		unsigned char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return got;
		got = 1;
		if (c == '\n')
			return 1;
		if (s->len >= VAULT_PASSPHRASE_MAX) {
			errno = E2BIG;
			return -1;
		}
		s->data[s->len++] = c;
	}
}

static int read_from_fd(int fd, struct cli_secret *out)
{
	int r;

	if (fcntl(fd, F_GETFD) < 0)
		return cli_error("file descriptor %d is not open", fd);
	r = read_line(fd, out);
	if (r < 0 && errno == E2BIG)
		return cli_error("passphrase on file descriptor %d is longer than %d bytes",
		                 fd, VAULT_PASSPHRASE_MAX);
	if (r < 0)
		return cli_error("cannot read passphrase from file descriptor %d: %s",
		                 fd, strerror(errno));
	if (r == 0)
		return cli_error("no passphrase on file descriptor %d", fd);
	return CLI_EXIT_OK;
}

static int read_from_tty(int tty, const char *prompt, struct cli_secret *out)
{
	struct termios noecho;
	struct sigaction sa, old[4];
	static const int sigs[4] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	int r, err;

	if (tcgetattr(tty, &saved_termios) != 0)
		return cli_error("cannot set up the terminal: %s", strerror(errno));
	noecho = saved_termios;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ECHONL;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_tty_and_die;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	saved_tty_fd = tty;
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);

	if (write(tty, prompt, strlen(prompt)) < 0 ||
	    tcsetattr(tty, TCSAFLUSH, &noecho) != 0) {
		r = -1;
	} else {
		r = read_line(tty, out);
	}
	err = errno;
	tcsetattr(tty, TCSAFLUSH, &saved_termios);
	saved_tty_fd = -1;
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);

	if (r < 0 && err == E2BIG)
		return cli_error("passphrase longer than %d bytes", VAULT_PASSPHRASE_MAX);
	if (r < 0)
		return cli_error("cannot read the passphrase: %s", strerror(err));
	if (r == 0)
		return cli_error("no passphrase given");
	return CLI_EXIT_OK;
}

/* Not a secret comparison against an attacker: both came from the same
 * user a moment ago.  Still, it looks at every byte. */
static int same_secret(const struct cli_secret *a, const struct cli_secret *b)
{
	unsigned char d = 0;

	if (a->len != b->len)
		return 0;
	for (size_t i = 0; i < a->len; i++)
		d |= (unsigned char)(a->data[i] ^ b->data[i]);
	return d == 0;
}

int cli_secret_read(int fd, const char *prompt, int confirm,
                    struct cli_secret *out)
{
	struct cli_secret again = {NULL, 0};
	int tty, rc;

	if ((rc = secret_alloc(out)) != 0)
		return rc;
	if (fd >= 0) {
		rc = read_from_fd(fd, out);
		goto done;
	}
	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0) {
		rc = cli_error("no terminal to ask for the passphrase on; "
		               "use --passphrase-fd or --new-passphrase-fd");
		goto done;
	}
	rc = read_from_tty(tty, prompt, out);
	if (rc == 0 && confirm) {
		if ((rc = secret_alloc(&again)) == 0)
			rc = read_from_tty(tty, "Repeat it: ", &again);
		if (rc == 0 && !same_secret(out, &again))
			rc = cli_error("the two passphrases differ");
		cli_secret_free(&again);
	}
	close(tty);
done:
	if (rc != 0)
		cli_secret_free(out);
	return rc;
}

int cli_new_passphrase(struct cli_ctx *ctx, const char *who,
                       struct cli_secret *out)
{
	char prompt[160];

	snprintf(prompt, sizeof(prompt), "New passphrase for %s: ", who);
	return cli_secret_read(ctx->new_passphrase_fd, prompt, 1, out);
}

/* ---- the vault --------------------------------------------------------- */

/* Where this user's library keeps what it saw of each vault's log (the
 * XDG base directory spec's state home): $XDG_STATE_HOME/libvault, else
 * $HOME/.local/state/libvault.  NULL when neither is set (no witness). */
static char *witness_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *out;
	size_t n;

	if (x != NULL && x[0] == '/') {
		n = strlen(x) + sizeof("/libvault");
		if ((out = malloc(n)) != NULL)
			snprintf(out, n, "%s/libvault", x);
		return out;
	}
	if (home == NULL || home[0] != '/')
		return NULL;
	n = strlen(home) + sizeof("/.local/state/libvault");
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s/.local/state/libvault", home);
	return out;
}

int cli_open(struct cli_ctx *ctx)
{
	vault_open_options opts = VAULT_OPEN_OPTIONS_INIT;
	struct cli_secret pass = {NULL, 0};
	char prompt[160], *state = NULL;
	vault_status st;
	int rc;

	if (ctx->v)
		return CLI_EXIT_OK;
	if (ctx->user == NULL || ctx->user[0] == '\0')
		return cli_usage_error(NULL, "no user: give --user NAME or set VAULT_USER");
	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", ctx->user);
	if ((rc = cli_secret_read(ctx->passphrase_fd, prompt, 0, &pass)) != 0)
		return rc;
	opts.purpose = ctx->purpose;
	opts.state_dir = state = witness_dir();
	st = vault_open(ctx->vault_dir, ctx->user, pass.data, pass.len, &opts,
	                &ctx->v);
	cli_secret_free(&pass);
	free(state);
	if (st != VAULT_OK) {
		ctx->v = NULL;
		return cli_fail(ctx, st);
	}
	return CLI_EXIT_OK;
}

void cli_close(struct cli_ctx *ctx)
{
	vault_close(ctx->v);
	ctx->v = NULL;
}

/* ---- progress ---------------------------------------------------------- */

int cli_progress_cb(uint64_t done, uint64_t total, void *ctx)
{
	struct cli_progress *p = ctx;

	p->done = done;
	if (!isatty(STDERR_FILENO))
		return 0;
	if (total)
		fprintf(stderr, "\r%s: %llu/%llu entries (%llu%%)", p->what,
		        (unsigned long long)done, (unsigned long long)total,
		        (unsigned long long)(done * 100 / total));
	else
		fprintf(stderr, "\r%s: %llu entries", p->what, (unsigned long long)done);
	p->shown = 1;
	return 0;
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->shown)
		fputc('\n', stderr);
	p->shown = 0;
}

/* ---- files ------------------------------------------------------------- */

int cli_read_text_file(const char *path, size_t max, char **out)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	*out = NULL;
	if (f == NULL)
		return cli_error("cannot open %s: %s", path, strerror(errno));
	buf = malloc(max + 1);
	if (buf == NULL) {
		fclose(f);
		return cli_error("out of memory");
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return cli_error("cannot read %s", path);
	}
	fclose(f);
	if (n > max) {
		free(buf);
		return cli_error("%s is larger than %zu bytes", path, max);
	}
	if (memchr(buf, '\0', n)) {
		free(buf);
		return cli_error("%s is not a text file", path);
	}
	buf[n] = '\0';
	*out = buf;
	return CLI_EXIT_OK;
}
