/*
 * cmd_consent.c - `vault consent add|list|withdraw`.
 */
#include "cli.h"

#include <string.h>
#include <time.h>

const char cli_usage_consent[] =
	"usage: vault consent add CASE --org ID --classes LIST --purpose TEXT\n"
	"                         [--basis consent|vital-interest|legal-obligation]\n"
	"                         [--reason TEXT] [--expires DATE] [--given DATE]\n"
	"                         [--scope LIST]\n"
	"   or: vault consent list CASE\n"
	"   or: vault consent withdraw CONSENT\n"
	"\n"
	"add       Record her consent to share CASE with organisation ID, for the\n"
	"          classes in LIST (comma-separated: general,sensitive,safety), and\n"
	"          print the consent id alone.  --purpose says what the sharing is\n"
	"          for.  The bases vital-interest and legal-obligation are for\n"
	"          supervisors, with --reason, and are marked high severity in the\n"
	"          audit log.  --given is when she gave it (default now), --expires\n"
	"          when it lapses (default never).  --scope is a comma-separated\n"
	"          list of services, sharing, statistics (default\n"
	"          services,sharing).\n"
	"list      List the consents recorded for a case, with when each was\n"
	"          given, when it expires and when it was withdrawn.\n"
	"withdraw  Withdraw a consent: every grant resting on it is revoked and the\n"
	"          keys are rotated.\n"
	"\n"
	"CASE is a case id, or a unique prefix of at least 6 of its hex digits.\n"
	"DATE is YYYY-MM-DD (midnight, local time; UTC with --utc), or\n"
	"YYYY-MM-DDTHH:MM:SS with an optional Z or +HH:MM.\n";

static int parse_scope(const char *text, unsigned int *out)
{
	return vault_scopes_parse(text, out) == VAULT_OK && *out != 0 ? 0 : -1;
}

static json_t *scope_json(unsigned int scope)
{
	json_t *a = json_array();

	if (scope & VAULT_SCOPE_SERVICES)
		json_array_append_new(a, json_string("services"));
	if (scope & VAULT_SCOPE_SHARING)
		json_array_append_new(a, json_string("sharing"));
	if (scope & VAULT_SCOPE_STATISTICS)
		json_array_append_new(a, json_string("statistics"));
	return a;
}

static int consent_add(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE"};
	const char *org = NULL, *classes_text = NULL, *purpose = NULL, *basis_text = NULL,
	           *reason = NULL, *expires_text = NULL, *given_text = NULL,
	           *scope_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("org", &org),
		CLI_STR("classes", &classes_text),
		CLI_STR("purpose", &purpose),
		CLI_STR("basis", &basis_text),
		CLI_STR("reason", &reason),
		CLI_STR("expires", &expires_text),
		CLI_STR("given", &given_text),
		CLI_STR("scope", &scope_text),
		CLI_OPT_END,
	};
	vault_consent_options copts = VAULT_CONSENT_OPTIONS_INIT;
	char id[VAULT_ID_BUFSIZE], case_id[VAULT_ID_BUFSIZE];
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("consent add", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (org == NULL)
		return cli_usage_error("consent", "consent add: missing --org ID");
	if (classes_text == NULL)
		return cli_usage_error("consent", "consent add: missing --classes LIST");
	if (purpose == NULL)
		return cli_usage_error("consent", "consent add: missing --purpose TEXT");
	if ((r = cli_parse_classes("consent add", "classes", classes_text,
	                           &copts.classes)) != 0)
		return r;
	if (basis_text && vault_basis_parse(basis_text, &copts.basis) != VAULT_OK)
		return cli_usage_error("consent",
		                       "consent add: bad --basis '%s' (expected consent, "
		                       "vital-interest or legal-obligation)",
		                       basis_text);
	if (expires_text &&
	    (r = cli_parse_time("consent add", "expires", expires_text, &copts.expires)))
		return r;
	if (given_text &&
	    (r = cli_parse_time("consent add", "given", given_text, &copts.given_at)))
		return r;
	if (scope_text && parse_scope(scope_text, &copts.scope) != 0)
		return cli_usage_error("consent",
		                       "consent add: bad --scope '%s' (expected services, "
		                       "sharing, statistics, comma-separated)",
		                       scope_text);
	copts.org = org;
	copts.purpose = purpose;
	copts.reason = reason;
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	ctx->about_case = case_id;
	ctx->about_org = org;
	ctx->about_classes = copts.classes;
	if ((st = vault_consent_add(ctx->v, case_id, &copts, id)) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s}", "id", id));
	/* The id alone, so scripts can write CONSENT=$(vault consent add ...). */
	printf("%s\n", id);
	return CLI_EXIT_OK;
}

struct consent_list {
	struct cli_table table;
	json_t *arr;
	int64_t now;
};

static int consent_row(const vault_consent_info *c, void *arg)
{
	struct consent_list *l = arg;
	char given[CLI_TIME_BUFSIZE], exp[CLI_TIME_BUFSIZE], wd[CLI_TIME_BUFSIZE];
	char cls[CLI_CLASSES_BUFSIZE];
	const char *status = c->withdrawn                            ? "withdrawn"
	                     : (c->expires && c->expires <= l->now) ? "expired"
	                                                            : "active";

	if (l->arr) {
		json_array_append_new(
		    l->arr,
		    json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
		              "s:o, s:s}",
		              "id", c->id, "case", cli_str_json(c->case_id), "org",
		              cli_str_json(c->org), "classes", cli_classes_json(c->classes),
		              "scope", scope_json(c->scope), "purpose",
		              cli_str_json(c->purpose), "basis",
		              cli_str_json(vault_basis_name(c->basis)), "reason",
		              cli_str_json(c->reason), "given_at",
		              cli_time_json(c->given_at), "expires", cli_time_json(c->expires),
		              "withdrawn", cli_time_json(c->withdrawn), "recorded_by",
		              cli_str_json(c->recorded_by), "status", status));
		return 0;
	}
	cli_table_add(&l->table, c->id, c->org, cli_classes_str(c->classes, cls),
	              vault_basis_name(c->basis), status, cli_time_str(c->given_at, given),
	              cli_time_str(c->expires, exp), cli_time_str(c->withdrawn, wd),
	              c->recorded_by, c->purpose);
	return 0;
}

static int consent_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE"};
	static const char *const headers[] = {"ID",      "ORG",       "CLASSES",
	                                      "BASIS",   "STATUS",    "GIVEN",
	                                      "EXPIRES", "WITHDRAWN", "RECORDED BY",
	                                      "PURPOSE"};
	struct consent_list l;
	char case_id[VAULT_ID_BUFSIZE];
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("consent list", argc - 1, argv + 1, NULL, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	cli_table_init(&l.table, 10, headers);
	l.arr = ctx->json ? json_array() : NULL;
	l.now = (int64_t)time(NULL);
	st = vault_consent_foreach(ctx->v, case_id, consent_row, &l);
	if (st != VAULT_OK) {
		json_decref(l.arr);
		cli_table_free(&l.table);
		return cli_fail(ctx, st);
	}
	r = ctx->json ? cli_json_print(l.arr) : cli_table_print(&l.table, "no consents");
	cli_table_free(&l.table);
	return r;
}

static int consent_withdraw(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CONSENT"};
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("consent withdraw", argc - 1, argv + 1, NULL, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((st = vault_consent_withdraw(ctx->v, pos[0])) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:b}", "id", pos[0], "withdrawn", 1));
	printf("withdrew consent %s; the grants resting on it are revoked\n", pos[0]);
	return CLI_EXIT_OK;
}

int cmd_consent(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{"add", consent_add},
		{"list", consent_list},
		{"withdraw", consent_withdraw},
		{NULL, NULL},
	};

	return cli_subcommand(ctx, "consent", argc, argv, subs);
}
