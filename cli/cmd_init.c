/*
 * cmd_init.c - `vault init DIR --admin NAME [--kdf LEVEL]`.
 */
#include "cli.h"

const char cli_usage_init[] =
	"usage: vault init DIR --admin NAME [--kdf interactive|moderate|sensitive]\n"
	"\n"
	"Create a vault in the folder DIR (made with mode 0700 if absent) with its\n"
	"first administrator NAME, and print the vault id that auditors pin.\n"
	"An existing DIR must be empty and writable by its owner only: anyone else\n"
	"who can write it could plant files or links (exit 2 says which).\n"
	"DIR overrides --vault.\n"
	"\n"
	"  --admin NAME   the first administrator\n"
	"  --kdf LEVEL    Argon2id cost of the administrator's key slot, and the\n"
	"                 vault's default for later slots (default: moderate)\n"
	"\n"
	"The administrator's passphrase is read from --new-passphrase-fd (or\n"
	"--passphrase-fd), else asked twice on the terminal.\n";

int cmd_init(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"DIR"};
	const char *admin = NULL, *kdf_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("admin", &admin),
		CLI_STR("kdf", &kdf_text),
		CLI_OPT_END,
	};
	vault_create_options copts = VAULT_CREATE_OPTIONS_INIT;
	struct cli_secret pass = {NULL, 0};
	char id[VAULT_VAULT_ID_BUFSIZE];
	char prompt[160];
	char *pos[1];
	vault_status st;
	int r;

	r = cli_parse("init", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (admin == NULL)
		return cli_usage_error("init", "init: missing --admin NAME");
	if (kdf_text && (r = cli_parse_kdf("init", kdf_text, &copts.kdf)) != 0)
		return r;
	ctx->vault_dir = pos[0];

	/* Nobody is unlocking here: the one passphrase is a new one, so either
	 * descriptor option may carry it. */
	snprintf(prompt, sizeof(prompt), "New passphrase for %s: ", admin);
	r = cli_secret_read(ctx->new_passphrase_fd >= 0 ? ctx->new_passphrase_fd
	                                                : ctx->passphrase_fd,
	                    prompt, 1, &pass);
	if (r)
		return r;
	st = vault_create(ctx->vault_dir, admin, pass.data, pass.len, &copts, &ctx->v);
	cli_secret_free(&pass);
	if (st != VAULT_OK) {
		ctx->v = NULL;
		return cli_fail(ctx, st);
	}
	if ((st = vault_id(ctx->v, id)) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:s, s:s}", "vault", ctx->vault_dir,
		                                "admin", admin, "vault_id", id));
	printf("created vault %s with administrator %s\n", ctx->vault_dir, admin);
	printf("vault id: %s\n", id);
	printf("Give this vault id to the auditor, who pins it: 'vault audit verify"
	       " --export FILE --vault-id ID' trusts nothing else.\n");
	return CLI_EXIT_OK;
}
