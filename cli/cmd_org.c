/*
 * cmd_org.c - `vault org add|list`.
 */
#include "cli.h"

const char cli_usage_org[] =
	"usage: vault org add ID --kind KIND --name TEXT --supervisor NAME\n"
	"                     [--kdf interactive|moderate|sensitive]\n"
	"   or: vault org list\n"
	"\n"
	"add   Add an organisation and its first supervisor (administrators only).\n"
	"      The organisation's keys are sealed to the supervisor alone, so the\n"
	"      administrator cannot read its cases.  The supervisor's passphrase\n"
	"      is read from --new-passphrase-fd, else asked twice on the terminal.\n"
	"      KIND: antiviolence-centre, reception-centre, perpetrator-programme,\n"
	"      health, authority, other.  --kdf sets the cost of the supervisor's\n"
	"      key slot (default: the vault's).\n"
	"list  List the organisations.\n";

static int org_add(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"ID"};
	const char *kind_text = NULL, *name = NULL, *supervisor = NULL, *kdf_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("kind", &kind_text),
		CLI_STR("name", &name),
		CLI_STR("supervisor", &supervisor),
		CLI_STR("kdf", &kdf_text),
		CLI_OPT_END,
	};
	struct cli_secret pass = {NULL, 0};
	vault_org_kind kind;
	vault_kdf kdf = VAULT_KDF_DEFAULT;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("org add", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (kind_text == NULL)
		return cli_usage_error("org", "org add: missing --kind KIND");
	if (name == NULL)
		return cli_usage_error("org", "org add: missing --name TEXT");
	if (supervisor == NULL)
		return cli_usage_error("org", "org add: missing --supervisor NAME");
	if (vault_org_kind_parse(kind_text, &kind) != VAULT_OK)
		return cli_usage_error("org",
		                       "org add: bad --kind '%s' (expected "
		                       "antiviolence-centre, reception-centre, "
		                       "perpetrator-programme, health, authority or other)",
		                       kind_text);
	if (kdf_text && (r = cli_parse_kdf("org add", kdf_text, &kdf)) != 0)
		return r;
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_new_passphrase(ctx, supervisor, &pass)) != 0)
		return r;
	st = vault_org_add(ctx->v, pos[0], name, kind, supervisor, pass.data,
	                   pass.len, kdf);
	cli_secret_free(&pass);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:s, s:s, s:s}", "id", pos[0],
		                                "kind", vault_org_kind_name(kind),
		                                "name", name, "supervisor", supervisor));
	printf("added organisation %s (%s) with supervisor %s\n", pos[0],
	       vault_org_kind_name(kind), supervisor);
	fprintf(stderr, "vault: %s must run 'vault passwd' before the organisation opens"
	        " cases: that gives her, and the organisation, keys you never knew\n",
	        supervisor);
	return CLI_EXIT_OK;
}

struct org_list {
	struct cli_table table;
	json_t *arr;
};

static int org_row(const vault_org_info *info, void *arg)
{
	struct org_list *l = arg;
	const char *kind = vault_org_kind_name(info->kind);
	char t[CLI_TIME_BUFSIZE];

	if (l->arr) {
		json_array_append_new(l->arr,
		                      json_pack("{s:s, s:o, s:o, s:o}", "id", info->id,
		                                "kind", cli_str_json(kind), "name",
		                                cli_str_json(info->name), "created",
		                                cli_time_json(info->created)));
		return 0;
	}
	cli_table_add(&l->table, info->id, kind, info->name,
	              cli_time_str(info->created, t));
	return 0;
}

static int org_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"ID", "KIND", "NAME", "CREATED"};
	struct org_list l;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("org list", argc - 1, argv + 1, NULL, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	cli_table_init(&l.table, 4, headers);
	l.arr = ctx->json ? json_array() : NULL;
	st = vault_org_foreach(ctx->v, org_row, &l);
	if (st != VAULT_OK) {
		json_decref(l.arr);
		cli_table_free(&l.table);
		return cli_fail(ctx, st);
	}
	r = ctx->json ? cli_json_print(l.arr) : cli_table_print(&l.table, "no organisations");
	cli_table_free(&l.table);
	return r;
}

int cmd_org(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{"add", org_add},
		{"list", org_list},
		{NULL, NULL},
	};

	return cli_subcommand(ctx, "org", argc, argv, subs);
}
