/*
 * cmd_link.c - `vault link VICTIM_CASE PERPETRATOR_CASE`.
 */
#include "cli.h"

const char cli_usage_link[] =
	"usage: vault link VICTIM_CASE PERPETRATOR_CASE\n"
	"\n"
	"Link a victim case to a perpetrator case.  The link is stored under the\n"
	"victim case's safety key: it is visible only from the victim's side (in\n"
	"'vault case show'), to holders of its safety class, and nothing about it\n"
	"is stored with the perpetrator case.  Needs write on the victim case's\n"
	"safety class.  Case ids may be given as unique prefixes of at least 6\n"
	"hex digits.\n";

int cmd_link(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"VICTIM_CASE", "PERPETRATOR_CASE"};
	char victim[VAULT_ID_BUFSIZE], perp[VAULT_ID_BUFSIZE];
	vault_status st;
	char *pos[2];
	int r;

	r = cli_parse("link", argc - 1, argv + 1, NULL, names, 2, 2, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], victim)) != 0 ||
	    (r = cli_case_id(ctx, pos[1], perp)) != 0)
		return r;
	pos[0] = victim;
	pos[1] = perp;
	ctx->about_case = victim;
	ctx->about_classes = VAULT_CLASS_SAFETY;
	if ((st = vault_case_link(ctx->v, pos[0], pos[1])) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:s}", "victim_case", pos[0],
		                                "perpetrator_case", pos[1]));
	printf("linked victim case %s to perpetrator case %s\n", pos[0], pos[1]);
	return CLI_EXIT_OK;
}
