/*
 * cmd_share.c - `vault share` and `vault revoke`.
 */
#include "cli.h"

const char cli_usage_share[] =
	"usage: vault share CASE (--org ID | --user NAME) --classes LIST\n"
	"                   [--perm read|write|share] [--consent ID] [--expires DATE]\n"
	"\n"
	"Grant an organisation or one user rights on classes of a case (LIST is\n"
	"comma-separated: general,sensitive,safety), sealing the class keys to\n"
	"them.  Needs the share right on those classes.  --perm defaults to read;\n"
	"each right includes the ones before it.  A victim case leaving its\n"
	"organisation needs a valid consent covering that organisation and those\n"
	"classes: --consent names it, or the library picks one.  --expires ends\n"
	"the grant (never past the consent's end).\n"
	"\n"
	"A principal that already holds the case on the same consent keeps one\n"
	"grant: sharing again replaces its right, classes and expiry (name at\n"
	"least the classes it holds; taking classes back is 'vault revoke').\n"
	"\n"
	"A supervisor may hand over a restricted case of her organisation whose\n"
	"holder left (was disabled): after 'vault break-glass CASE', share it\n"
	"with a colleague (--user NAME, same organisation).  Both steps are\n"
	"high-severity audit entries for review.\n"
	"\n"
	"CASE is a case id, or a unique prefix of at least 6 of its hex digits.\n"
	"DATE is YYYY-MM-DD (midnight, local time; UTC with --utc), or\n"
	"YYYY-MM-DDTHH:MM:SS with an optional Z or +HH:MM.\n";

const char cli_usage_revoke[] =
	"usage: vault revoke CASE (--org ID | --user NAME)\n"
	"\n"
	"Revoke every grant of an organisation or a user on a case: the keys\n"
	"sealed to them are deleted and the affected class keys are rotated, so\n"
	"nothing written afterwards can be read with a key they kept.  The owning\n"
	"organisation's own hold cannot be revoked.  Needs the share right.\n";

/* --org or --user, exactly one. */
static int principal(const char *cmd, const char *org, const char *user,
                     vault_principal_kind *kind, const char **name)
{
	if ((org == NULL) == (user == NULL))
		return cli_usage_error(cmd, "%s: give exactly one of --org ID or --user NAME",
		                       cmd);
	*kind = org ? VAULT_PRINCIPAL_ORG : VAULT_PRINCIPAL_USER;
	*name = org ? org : user;
	return 0;
}

int cmd_share(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE"};
	const char *org = NULL, *user = NULL, *classes_text = NULL, *perm_text = NULL,
	           *consent = NULL, *expires_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("org", &org),
		CLI_STR("user", &user),
		CLI_STR("classes", &classes_text),
		CLI_STR("perm", &perm_text),
		CLI_STR("consent", &consent),
		CLI_STR("expires", &expires_text),
		CLI_OPT_END,
	};
	vault_share_options sopts = VAULT_SHARE_OPTIONS_INIT;
	char cls[CLI_CLASSES_BUFSIZE], case_id[VAULT_ID_BUFSIZE];
	vault_principal_kind kind = VAULT_PRINCIPAL_ORG;
	unsigned int classes;
	const char *who = NULL;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("share", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = principal("share", org, user, &kind, &who)) != 0)
		return r;
	if (classes_text == NULL)
		return cli_usage_error("share", "share: missing --classes LIST");
	if ((r = cli_parse_classes("share", "classes", classes_text, &classes)) != 0)
		return r;
	if (perm_text && vault_perm_parse(perm_text, &sopts.perm) != VAULT_OK)
		return cli_usage_error("share",
		                       "share: bad --perm '%s' (expected read, write or "
		                       "share)",
		                       perm_text);
	if (expires_text &&
	    (r = cli_parse_time("share", "expires", expires_text, &sopts.expires)) != 0)
		return r;
	sopts.consent_id = consent;
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	pos[0] = case_id;
	ctx->about_case = case_id;
	ctx->about_org = org;
	ctx->about_classes = classes;
	st = vault_share(ctx->v, pos[0], kind, who, classes, &sopts);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack(
		    "{s:s, s:s, s:s, s:o, s:s, s:o, s:o}", "case", pos[0], "kind",
		    org ? "org" : "user", "principal", who, "classes",
		    cli_classes_json(classes), "perm",
		    vault_perm_name(sopts.perm ? sopts.perm : VAULT_PERM_READ), "consent",
		    cli_str_json(consent), "expires", cli_time_json(sopts.expires)));
	printf("shared %s of case %s with %s %s (%s)\n", cli_classes_str(classes, cls),
	       pos[0], org ? "organisation" : "user", who,
	       vault_perm_name(sopts.perm ? sopts.perm : VAULT_PERM_READ));
	return CLI_EXIT_OK;
}

int cmd_revoke(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE"};
	const char *org = NULL, *user = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("org", &org),
		CLI_STR("user", &user),
		CLI_OPT_END,
	};
	vault_principal_kind kind = VAULT_PRINCIPAL_ORG;
	char case_id[VAULT_ID_BUFSIZE];
	const char *who = NULL;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("revoke", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = principal("revoke", org, user, &kind, &who)) != 0)
		return r;
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	pos[0] = case_id;
	ctx->about_case = case_id;
	if ((st = vault_revoke(ctx->v, pos[0], kind, who)) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:s, s:s, s:b}", "case", pos[0],
		                                "kind", org ? "org" : "user", "principal",
		                                who, "revoked", 1));
	printf("revoked %s %s on case %s; the keys sealed to it are deleted, and its classes"
	       " get new keys (now, or before their next write)\n",
	       org ? "organisation" : "user", who, pos[0]);
	return CLI_EXIT_OK;
}
