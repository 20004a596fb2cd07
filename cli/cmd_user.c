/*
 * cmd_user.c - `vault user add|list|disable`.
 */
#include "cli.h"

const char cli_usage_user[] =
	"usage: vault user add NAME --role admin|caseworker|supervisor|auditor\n"
	"                      [--org ID] [--kdf interactive|moderate|sensitive]\n"
	"   or: vault user list\n"
	"   or: vault user disable NAME\n"
	"\n"
	"add      Add a user with a key slot.  An administrator adds administrators\n"
	"         and auditors (no --org); a supervisor adds caseworkers and\n"
	"         supervisors to their own organisation.  The new user's\n"
	"         passphrase is read from --new-passphrase-fd, else asked twice on\n"
	"         the terminal.  --kdf sets the cost of the new key slot.\n"
	"         The passphrase is a first one: until the new user changes it\n"
	"         with 'vault passwd', every other command refuses (exit 9).\n"
	"list     List the users.  STATUS is active, disabled, or 'passwd due'\n"
	"         for a user who has not yet changed the first passphrase.\n"
	"disable  Disable a user: the key slot is removed, the user's grants are\n"
	"         revoked and the keys the user held are rotated.\n";

static int user_add(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"NAME"};
	const char *org = NULL, *role_text = NULL, *kdf_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("org", &org),
		CLI_STR("role", &role_text),
		CLI_STR("kdf", &kdf_text),
		CLI_OPT_END,
	};
	struct cli_secret pass = {NULL, 0};
	vault_kdf kdf = VAULT_KDF_DEFAULT;
	vault_role role;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("user add", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (role_text == NULL)
		return cli_usage_error("user", "user add: missing --role ROLE");
	if (vault_role_parse(role_text, &role) != VAULT_OK)
		return cli_usage_error("user",
		                       "user add: bad --role '%s' (expected admin, "
		                       "caseworker, supervisor or auditor)",
		                       role_text);
	if (kdf_text && (r = cli_parse_kdf("user add", kdf_text, &kdf)) != 0)
		return r;
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_new_passphrase(ctx, pos[0], &pass)) != 0)
		return r;
	st = vault_user_add(ctx->v, pos[0], org, role, pass.data, pass.len, kdf);
	cli_secret_free(&pass);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:o, s:s}", "name", pos[0], "org",
		                                cli_str_json(org), "role",
		                                vault_role_name(role)));
	if (org)
		printf("added %s %s to %s\n", vault_role_name(role), pos[0], org);
	else
		printf("added %s %s\n", vault_role_name(role), pos[0]);
	fprintf(stderr, "vault: %s must run 'vault passwd' before anything else: until then"
	        " every other command refuses (exit 9)\n", pos[0]);
	return CLI_EXIT_OK;
}

struct user_list {
	struct cli_table table;
	json_t *arr;
	vault *v;
};

static int user_row(const vault_user_info *info, void *arg)
{
	struct user_list *l = arg;
	const char *role = vault_role_name(info->role);
	char t[CLI_TIME_BUFSIZE];
	int due = 0;

	/* A disabled user has no key slot left to ask about. */
	if (!info->disabled && vault_user_must_change(l->v, info->name, &due) != VAULT_OK)
		due = 0;
	if (l->arr) {
		json_array_append_new(
		    l->arr, json_pack("{s:s, s:o, s:o, s:b, s:b, s:o}", "name", info->name,
		                      "org", cli_str_json(info->org), "role",
		                      cli_str_json(role), "disabled", info->disabled,
		                      "must_change_passphrase", due,
		                      "created", cli_time_json(info->created)));
		return 0;
	}
	cli_table_add(&l->table, info->name, role, info->org,
	              info->disabled ? "disabled" : due ? "passwd due" : "active",
	              cli_time_str(info->created, t));
	return 0;
}

static int user_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"NAME", "ROLE", "ORG", "STATUS", "CREATED"};
	struct user_list l;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("user list", argc - 1, argv + 1, NULL, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	cli_table_init(&l.table, 5, headers);
	l.arr = ctx->json ? json_array() : NULL;
	l.v = ctx->v;
	st = vault_user_foreach(ctx->v, user_row, &l);
	if (st != VAULT_OK) {
		json_decref(l.arr);
		cli_table_free(&l.table);
		return cli_fail(ctx, st);
	}
	r = ctx->json ? cli_json_print(l.arr) : cli_table_print(&l.table, "no users");
	cli_table_free(&l.table);
	return r;
}

static int user_disable(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"NAME"};
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("user disable", argc - 1, argv + 1, NULL, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((st = vault_user_disable(ctx->v, pos[0])) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:b}", "name", pos[0], "disabled", 1));
	printf("disabled %s; the keys they held have been rotated\n", pos[0]);
	return CLI_EXIT_OK;
}

int cmd_user(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{"add", user_add},
		{"list", user_list},
		{"disable", user_disable},
		{NULL, NULL},
	};

	return cli_subcommand(ctx, "user", argc, argv, subs);
}
