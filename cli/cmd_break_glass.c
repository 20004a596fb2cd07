/*
 * cmd_break_glass.c - `vault break-glass CASE --reason TEXT [--hours N]`.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char cli_usage_break_glass[] =
	"usage: vault break-glass CASE --reason TEXT [--hours N]\n"
	"\n"
	"Emergency access by a supervisor to a case of their own organisation\n"
	"(typically a restricted one), with a written reason of at least 20\n"
	"bytes, for N hours (1 to 24, default 8).  Each use is a high-severity\n"
	"audit entry for review.  It never opens the safety class of a victim\n"
	"case to a perpetrator programme.  'vault case list --restricted' lists\n"
	"your organisation's restricted cases.  CASE is a case id, or a unique\n"
	"prefix of at least 6 of its hex digits.\n";

int cmd_break_glass(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE"};
	const char *reason = NULL, *hours_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("reason", &reason),
		CLI_STR("hours", &hours_text),
		CLI_OPT_END,
	};
	char case_id[VAULT_ID_BUFSIZE];
	uint64_t hours = 0;
	int64_t seconds;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("break-glass", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (reason == NULL)
		return cli_usage_error("break-glass", "break-glass: missing --reason TEXT");
	/* Said before the passphrase is asked: the library would refuse the
	 * same (and record a short reason as a refused attempt). */
	if (strlen(reason) < VAULT_BREAK_GLASS_REASON_MIN)
		return cli_usage_error("break-glass",
		                       "break-glass: the reason must be at least %d bytes (this"
		                       " one has %zu): write why, for the review",
		                       VAULT_BREAK_GLASS_REASON_MIN, strlen(reason));
	if (hours_text) {
		char *end;
		unsigned long long h;

		errno = 0;
		h = strtoull(hours_text, &end, 10);
		if (hours_text[0] < '0' || hours_text[0] > '9' || *end != '\0' || errno ||
		    h < 1 || h > VAULT_BREAK_GLASS_MAX_S / 3600)
			return cli_usage_error("break-glass",
			                       "break-glass: --hours must be from 1 to %d (got '%s')",
			                       VAULT_BREAK_GLASS_MAX_S / 3600, hours_text);
		hours = h;
	}
	seconds = (int64_t)hours * 3600;
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	pos[0] = case_id;
	ctx->about_case = case_id;
	if ((st = vault_break_glass(ctx->v, pos[0], reason, seconds)) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:I}", "case", pos[0], "seconds",
		                                (json_int_t)(seconds ? seconds
		                                                     : VAULT_BREAK_GLASS_DEFAULT_S)));
	printf("emergency access to case %s granted for %lld hours; this use is "
	       "recorded for review\n",
	       pos[0], (long long)((seconds ? seconds : VAULT_BREAK_GLASS_DEFAULT_S) / 3600));
	return CLI_EXIT_OK;
}
