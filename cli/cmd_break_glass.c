/*
 * cmd_break_glass.c - `vault break-glass CASE --reason TEXT [--hours N]`.
 */
#include "cli.h"

const char cli_usage_break_glass[] =
	"usage: vault break-glass CASE --reason TEXT [--hours N]\n"
	"\n"
	"Emergency access by a supervisor to a case of their own organisation\n"
	"(typically a restricted one), with a written reason of at least 20\n"
	"characters, for N hours (default 8, at most 24).  Each use is a\n"
	"high-severity audit entry for review.  It never opens the safety class\n"
	"of a victim case to a perpetrator programme.\n";

int cmd_break_glass(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE"};
	const char *reason = NULL, *hours_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("reason", &reason),
		CLI_STR("hours", &hours_text),
		CLI_OPT_END,
	};
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
	/* The library owns the limits; this only keeps the multiplication sane. */
	if (hours_text &&
	    (r = cli_parse_uint("break-glass", "hours", hours_text, 1000000, &hours)) != 0)
		return r;
	if (hours_text && hours == 0)
		return cli_usage_error("break-glass", "break-glass: --hours must be at least 1");
	seconds = (int64_t)hours * 3600;
	if ((r = cli_open(ctx)) != 0)
		return r;
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
