/*
 * cmd_passwd.c - `vault passwd [--kdf LEVEL]`.
 */
#include "cli.h"

const char cli_usage_passwd[] =
	"usage: vault passwd [--kdf interactive|moderate|sensitive]\n"
	"\n"
	"Re-seal your key slot under a new passphrase, read from\n"
	"--new-passphrase-fd or asked twice on the terminal, with new keys.  --kdf\n"
	"sets the Argon2id cost of the new slot (default: the vault's; never\n"
	"cheaper); raising it is how an old slot is strengthened.\n"
	"\n"
	"A first passphrase (chosen by whoever added you) must be changed before\n"
	"any other command works (they exit 9 until then).  The new passphrase may\n"
	"not be the old one, nor one that is easy to guess (zxcvbn score below 3):\n"
	"the refusal (exit 2) says why.  A crash during the change never locks\n"
	"you out: the old or the new passphrase opens, whichever was committed.\n";

int cmd_passwd(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *kdf_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("kdf", &kdf_text),
		CLI_OPT_END,
	};
	struct cli_secret pass = {NULL, 0};
	vault_kdf kdf = VAULT_KDF_DEFAULT;
	const char *who, *org = NULL;
	vault_role role;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("passwd", argc - 1, argv + 1, opts, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (kdf_text && (r = cli_parse_kdf("passwd", kdf_text, &kdf)) != 0)
		return r;
	if ((r = cli_open(ctx)) != 0)
		return r;
	who = vault_whoami(ctx->v, &org, &role);
	if ((r = cli_new_passphrase(ctx, who ? who : "you", &pass)) != 0)
		return r;
	st = vault_passwd(ctx->v, pass.data, pass.len, kdf);
	cli_secret_free(&pass);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:o, s:b}", "user", cli_str_json(who),
		                                "changed", 1));
	printf("passphrase changed for %s\n", who ? who : "you");
	return CLI_EXIT_OK;
}
