/*
 * cmd_stats.c - `vault stats export|combine|vocabulary`: statistics without
 * reading a case.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const char cli_usage_stats[] =
	"usage: vault stats export --since DATE --until DATE --out FILE [--k N]\n"
	"   or: vault stats combine FILE... --out FILE [--format json|csv|html]\n"
	"                           (--vkey KEY | --vkeys FILE)...\n"
	"   or: vault stats vocabulary\n"
	"\n"
	"export      (supervisors) Count your organisation's victim cases created\n"
	"            from --since to --until (dates YYYY-MM-DD, UTC, both days\n"
	"            included) whose consent covers statistics: each indicator by\n"
	"            value and by month of creation.  Counts below k (default 5,\n"
	"            at least 3) are suppressed, and so are others that would\n"
	"            give one away.  Cases without that consent are one \"not\n"
	"            consented\" total.  FILE is a signed note: the JSON signed\n"
	"            with your audit key, so give the authority your verifier key\n"
	"            (vault audit vkey).  Recorded in the audit log.\n"
	"combine     (no vault, no passphrase) Check each FILE's signature against\n"
	"            the verifier keys you trust, refuse a file whose signature\n"
	"            fails or that no trusted key signed, refuse two files of the\n"
	"            same organisation over overlapping periods, and write the\n"
	"            network's sums to --out: JSON (default), CSV (an empty count\n"
	"            is suppressed) or HTML (one file, bar charts, no scripts).\n"
	"            A figure suppressed in any file stays suppressed in the sum.\n"
	"vocabulary  Print the indicators' vocabulary (keys and values) as JSON;\n"
	"            set them with 'vault case indicators CASE --set KEY=VALUE'.\n";

#define STATS_FILE_MAX (4u * 1024u * 1024u)
#define STATS_FILES_MAX 256
#define VKEYS_MAX 64
#define VKEY_FILE_MAX 65536

/* YYYY-MM-DD as the Unix time of its midnight, UTC. */
static int parse_day(const char *opt, const char *text, int64_t *out)
{
	struct tm tm;
	int y, m, d, n = 0;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (text == NULL || sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    (size_t)n != strlen(text) || strlen(text) != 10 || y < 1970 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return cli_usage_error("stats", "stats export: bad %s '%s' (expected YYYY-MM-DD)",
		                       opt, text ? text : "");
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d)
		return cli_usage_error("stats", "stats export: bad %s '%s' (no such day)", opt,
		                       text);
	*out = (int64_t)t;
	return 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	size_t n;

	if (f == NULL)
		return cli_error("cannot create %s: %s", path, strerror(errno));
	n = fwrite(data, 1, len, f);
	if (fclose(f) != 0 || n != len)
		return cli_error("cannot write %s", path);
	return 0;
}

static int stats_export(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *out = NULL, *k = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("since", &since), CLI_STR("until", &until), CLI_STR("out", &out),
		CLI_STR("k", &k), CLI_OPT_END,
	};
	vault_stats_options o = VAULT_STATS_OPTIONS_INIT;
	vault_buf note = VAULT_BUF_INIT;
	uint64_t kv = 0;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("stats export", argc - 1, argv + 1, opts, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (since == NULL || until == NULL || out == NULL)
		return cli_usage_error("stats", "stats export: --since, --until and --out are "
		                       "required");
	if ((r = parse_day("--since", since, &o.since)) != 0 ||
	    (r = parse_day("--until", until, &o.until)) != 0)
		return r;
	o.until += 86400; /* the last day is included */
	if (k != NULL && (r = cli_parse_uint("stats export", "--k", k, 1000000, &kv)) != 0)
		return r;
	o.k = (unsigned int)kv;
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((st = vault_stats_export(ctx->v, &o, &note)) != VAULT_OK)
		return cli_fail(ctx, st);
	r = write_file(out, note.data, note.len);
	vault_buf_free(&note);
	if (r != 0)
		return r;
	if (ctx->json)
		return cli_json_print(json_pack("{s:s}", "out", out));
	printf("wrote the signed statistics from %s to %s into %s\n", since, until, out);
	return CLI_EXIT_OK;
}

/* --vkeys FILE: one key a line, '#' comments. */
static int read_vkeys(const char *path, char **file, const char **keys, size_t *n)
{
	char *line, *save = NULL;
	int r;

	if ((r = cli_read_text_file(path, VKEY_FILE_MAX, file)) != 0)
		return r;
	for (line = strtok_r(*file, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (*n == VKEYS_MAX)
			return cli_usage_error("stats", "stats combine: more than %d keys", VKEYS_MAX);
		keys[(*n)++] = line;
	}
	return 0;
}

static int stats_combine(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *files[STATS_FILES_MAX], *keys[VKEYS_MAX], *docs[STATS_FILES_MAX];
	const char *out = NULL, *format = "json";
	char *texts[STATS_FILES_MAX], *vkfile = NULL;
	size_t nfiles = 0, nkeys = 0, i;
	vault_buf res = VAULT_BUF_INIT;
	vault_stats_format fmt;
	vault_status st;
	int r = 0, only_files = 0;

	/* By hand: --vkey repeats, which the common parser does not do. */
	for (int a = 1; a < argc && r == 0; a++) {
		const char *arg = argv[a], *val = NULL;
		const char *eq = strchr(arg, '=');
		char name[16];

		if (only_files || arg[0] != '-' || arg[1] == '\0') {
			if (nfiles == STATS_FILES_MAX)
				return cli_usage_error("stats", "stats combine: more than %d files",
				                       STATS_FILES_MAX);
			files[nfiles++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_files = 1;
			continue;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			cli_print_command_help("stats", stdout);
			return CLI_EXIT_OK;
		}
		snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
		if (strcmp(name, "--vkey") && strcmp(name, "--vkeys") && strcmp(name, "--out") &&
		    strcmp(name, "--format"))
			return cli_usage_error("stats", "stats combine: unknown option '%s'", name);
		if (eq)
			val = eq + 1;
		else if (a + 1 < argc)
			val = argv[++a];
		else
			return cli_usage_error("stats", "stats combine: option '%s' needs a value",
			                       name);
		if (strcmp(name, "--out") == 0) {
			out = val;
		} else if (strcmp(name, "--format") == 0) {
			format = val;
		} else if (strcmp(name, "--vkey") == 0) {
			if (nkeys == VKEYS_MAX)
				return cli_usage_error("stats", "stats combine: more than %d keys",
				                       VKEYS_MAX);
			keys[nkeys++] = val;
		} else if (vkfile != NULL) {
			r = cli_usage_error("stats", "stats combine: one --vkeys FILE");
		} else {
			r = read_vkeys(val, &vkfile, keys, &nkeys);
		}
	}
	if (r != 0)
		goto done;
	if (strcmp(format, "json") == 0) {
		fmt = VAULT_STATS_JSON;
	} else if (strcmp(format, "csv") == 0) {
		fmt = VAULT_STATS_CSV;
	} else if (strcmp(format, "html") == 0) {
		fmt = VAULT_STATS_HTML;
	} else {
		r = cli_usage_error("stats", "stats combine: bad --format '%s' (expected json, csv"
		                    " or html)", format);
		goto done;
	}
	if (nfiles == 0 || out == NULL || nkeys == 0) {
		r = cli_usage_error("stats", "stats combine: give the FILEs, --out FILE and the"
		                    " verifier keys you trust (--vkey KEY or --vkeys FILE)");
		goto done;
	}
	for (i = 0; i < nfiles; i++) {
		if ((r = cli_read_text_file(files[i], STATS_FILE_MAX, &texts[i])) != 0) {
			while (i-- > 0)
				free(texts[i]);
			goto done;
		}
		docs[i] = texts[i];
	}
	st = vault_stats_combine(docs, nfiles, keys, nkeys, fmt, &res);
	for (i = 0; i < nfiles; i++)
		free(texts[i]);
	if (st != VAULT_OK) {
		r = cli_fail(ctx, st);
		goto done;
	}
	r = write_file(out, res.data, res.len);
	vault_buf_free(&res);
	if (r == 0 && ctx->json)
		r = cli_json_print(json_pack("{s:s, s:I}", "out", out, "files", (json_int_t)nfiles));
	else if (r == 0)
		printf("combined %zu signed file%s into %s\n", nfiles, nfiles == 1 ? "" : "s", out);
done:
	free(vkfile);
	return r;
}

static int stats_vocabulary(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_opt opts[] = {CLI_OPT_END};
	vault_buf voc = VAULT_BUF_INIT;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("stats vocabulary", argc - 1, argv + 1, opts, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((st = vault_indicators_vocabulary(&voc)) != VAULT_OK)
		return cli_fail(ctx, st);
	printf("%s\n", (const char *)voc.data);
	vault_buf_free(&voc);
	return CLI_EXIT_OK;
}

int cmd_stats(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{"export", stats_export},
		{"combine", stats_combine},
		{"vocabulary", stats_vocabulary},
		{NULL, NULL},
	};

	return cli_subcommand(ctx, "stats", argc, argv, subs);
}
