/*
 * cmd_report.c - `vault report access CASE ...` and `vault report review
 * --org ORG ...`: the reports libvault writes (vault_report_access,
 * vault_report_review), printed or written to a file.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cli_usage_report[] =
	"usage: vault report access CASE [--since T] [--until T]\n"
	"                           [--format text|json|html] [--lang it|en] [--names]\n"
	"                           [--out FILE]\n"
	"   or: vault report review --org ORG [--since T] [--until T]\n"
	"                           [--format text|json|html] [--lang it|en] [--out FILE]\n"
	"\n"
	"access   Her access report (GDPR art. 15): every access to case CASE recorded\n"
	"         in the audit log, refusals and emergency (break-glass) uses included:\n"
	"         when (local time with its offset; UTC with --utc), which organisation\n"
	"         and its kind, which role, what (class, read or write), why (the\n"
	"         declared purpose) and the outcome, with a short explanation of each\n"
	"         kind of access.  Staff names only with --names, for supervisors and\n"
	"         auditors (that use is recorded).  For holders of the share right on\n"
	"         the case, and auditors.  CASE is a case id or a unique prefix of at\n"
	"         least 6 of its hex digits.\n"
	"review   A supervisor's access review of organisation ORG: accesses to its\n"
	"         cases by anyone outside it, break-glass uses with their reasons,\n"
	"         refusals by person and class, consents on an emergency basis, and\n"
	"         grants that lapse within 14 days.  For supervisors of ORG, and\n"
	"         auditors.\n"
	"\n"
	"Each report is itself an audit entry (report.access, report.review).\n"
	"--since includes T, --until excludes it; T is YYYY-MM-DD (local midnight)\n"
	"or a full time.  --format html writes one self-contained page (no script,\n"
	"no external resource) that prints well; json is for programs (also chosen\n"
	"by the global --json).  --lang defaults to Italian when LC_ALL,\n"
	"LC_MESSAGES or LANG starts with 'it', else English.  --out FILE writes\n"
	"the report to FILE (created with mode 0600) instead of standard output.\n";

static int parse_format(const char *text, vault_report_format *out)
{
	if (strcmp(text, "text") == 0)
		*out = VAULT_REPORT_TEXT;
	else if (strcmp(text, "json") == 0)
		*out = VAULT_REPORT_JSON;
	else if (strcmp(text, "html") == 0)
		*out = VAULT_REPORT_HTML;
	else
		return cli_usage_error("report", "report: bad --format '%s' (expected text,"
		                       " json or html)", text);
	return 0;
}

static vault_lang env_lang(void)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *l = getenv(vars[i]);

		if (l != NULL && l[0] != '\0')
			return strncmp(l, "it", 2) == 0 ? VAULT_LANG_IT : VAULT_LANG_EN;
	}
	return VAULT_LANG_EN;
}

/* The options every report takes, checked before any passphrase is asked. */
struct report_args {
	const char *since, *until, *format, *lang, *out;
	int names;
};

static int report_options(struct cli_ctx *ctx, const struct report_args *a,
                          vault_report_options *o)
{
	int r;

	vault_report_options_init(o, VAULT_REPORT_OPTIONS_VERSION);
	o->format = ctx->json ? VAULT_REPORT_JSON : VAULT_REPORT_TEXT;
	if (a->format && (r = parse_format(a->format, &o->format)) != 0)
		return r;
	o->lang = env_lang();
	if (a->lang) {
		if (strcmp(a->lang, "it") == 0)
			o->lang = VAULT_LANG_IT;
		else if (strcmp(a->lang, "en") == 0)
			o->lang = VAULT_LANG_EN;
		else
			return cli_usage_error("report", "report: bad --lang '%s' (expected it"
			                       " or en)", a->lang);
	}
	if (a->since && (r = cli_parse_time("report", "since", a->since, &o->since)) != 0)
		return r;
	if (a->until && (r = cli_parse_time("report", "until", a->until, &o->until)) != 0)
		return r;
	if (o->until != 0 && o->until <= o->since)
		return cli_usage_error("report", "report: --until must be after --since");
	o->names = a->names;
	o->utc = ctx->utc;
	return 0;
}

static int emit(struct cli_ctx *ctx, const vault_buf *b, const char *out)
{
	int fd, r = CLI_EXIT_OK;
	size_t done = 0;

	if (out == NULL) {
		fwrite(b->data, 1, b->len, stdout);
		return CLI_EXIT_OK;
	}
	/* Who saw her file is itself personal data: only the caller reads it. */
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cli_error("cannot create %s: %s", out, strerror(errno));
	while (done < b->len) {
		ssize_t n = write(fd, b->data + done, b->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = cli_error("cannot write %s: %s", out, strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	if (close(fd) != 0 && r == CLI_EXIT_OK)
		r = cli_error("cannot write %s: %s", out, strerror(errno));
	if (r != CLI_EXIT_OK)
		return r;
	if (ctx->json)
		return cli_json_print(json_pack("{s:s}", "out", out));
	printf("wrote the report to %s\n", out);
	return CLI_EXIT_OK;
}

static int report_access(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE"};
	struct report_args a = {0};
	const struct cli_opt opts[] = {
		CLI_STR("since", &a.since), CLI_STR("until", &a.until),
		CLI_STR("format", &a.format), CLI_STR("lang", &a.lang),
		CLI_STR("out", &a.out), CLI_FLAG("names", &a.names), CLI_OPT_END,
	};
	vault_report_options o;
	vault_buf b = VAULT_BUF_INIT;
	char case_id[VAULT_ID_BUFSIZE];
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("report", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = report_options(ctx, &a, &o)) != 0)
		return r;
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	ctx->about_case = case_id;
	if ((st = vault_report_access(ctx->v, case_id, &o, &b)) != VAULT_OK)
		return cli_fail(ctx, st);
	r = emit(ctx, &b, a.out);
	vault_buf_free(&b);
	return r;
}

static int report_review(struct cli_ctx *ctx, int argc, char **argv)
{
	struct report_args a = {0};
	const char *org = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("org", &org), CLI_STR("since", &a.since), CLI_STR("until", &a.until),
		CLI_STR("format", &a.format), CLI_STR("lang", &a.lang),
		CLI_STR("out", &a.out), CLI_OPT_END,
	};
	vault_report_options o;
	vault_buf b = VAULT_BUF_INIT;
	vault_status st;
	int r;

	r = cli_parse("report", argc - 1, argv + 1, opts, NULL, 0, 0, NULL);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (org == NULL)
		return cli_usage_error("report", "report review: missing --org ORG");
	if ((r = report_options(ctx, &a, &o)) != 0)
		return r;
	if ((r = cli_open(ctx)) != 0)
		return r;
	ctx->about_org = org;
	if ((st = vault_report_review(ctx->v, org, &o, &b)) != VAULT_OK)
		return cli_fail(ctx, st);
	r = emit(ctx, &b, a.out);
	vault_buf_free(&b);
	return r;
}

int cmd_report(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{"access", report_access},
		{"review", report_review},
		{NULL, NULL},
	};

	return cli_subcommand(ctx, "report", argc, argv, subs);
}
