/*
 * main.c - the `vault` command: hardening, global options, the command table
 * and dispatch.  Each command lives in cli/cmd_<name>.c (git's builtin/).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static const struct cli_command commands[] = {
	{"init", cmd_init, CLI_NO_SHELL, "Create a vault and its first administrator",
	 cli_usage_init},
	{"org", cmd_org, 0, "Add and list organisations", cli_usage_org},
	{"user", cmd_user, 0, "Add, list and disable users", cli_usage_user},
	{"passwd", cmd_passwd, 0, "Change your passphrase (and its KDF cost)",
	 cli_usage_passwd},
	{"case", cmd_case, 0, "Open, list and show cases and their indicators",
	 cli_usage_case},
	{"record", cmd_record, 0, "Store, read, list, trace and delete records",
	 cli_usage_record},
	{"consent", cmd_consent, 0, "Record, list and withdraw consents",
	 cli_usage_consent},
	{"share", cmd_share, 0, "Grant an organisation or user classes of a case",
	 cli_usage_share},
	{"revoke", cmd_revoke, 0, "Take back every grant of a principal on a case",
	 cli_usage_revoke},
	{"link", cmd_link, 0, "Link a victim case to a perpetrator case",
	 cli_usage_link},
	{"break-glass", cmd_break_glass, 0,
	 "Emergency access to a case of your organisation, with a reason",
	 cli_usage_break_glass},
	{"audit", cmd_audit, 0, "Query, export, checkpoint, verify, prove and cosign the audit log",
	 cli_usage_audit},
	{"report", cmd_report, 0, "Her access report, a supervisor's access review",
	 cli_usage_report},
	{"stats", cmd_stats, 0, "Export signed statistics, combine the network's",
	 cli_usage_stats},
	{"shell", cmd_shell, CLI_NO_SHELL, "Unlock once, then run commands at a prompt",
	 cli_usage_shell},
	{"help", cmd_help, 0, "Show help for vault or for a command", cli_usage_help},
	{"version", cmd_version, 0, "Show the versions of vault and libvault",
	 cli_usage_version},
};

const struct cli_command *cli_commands(size_t *count)
{
	*count = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

const struct cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int cli_run(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 1)
		return cli_usage_error(NULL, "no command given");
	cmd = cli_command_find(argv[0]);
	if (cmd == NULL)
		return cli_usage_error(NULL, "'%s' is not a vault command", argv[0]);
	if (ctx->in_shell && (cmd->flags & CLI_NO_SHELL))
		return cli_usage_error(NULL, "'%s' cannot be used inside the shell",
		                       argv[0]);
	return cmd->fn(ctx, argc, argv);
}

/* "--name VALUE" or "--name=VALUE": *value is set and *i advanced. */
static int opt_value(int argc, char **argv, int *i, const char *name,
                     const char **value, int *matched)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	*matched = 0;
	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*matched = 1;
		*value = a + n + 1;
		return 0;
	}
	if (a[n] != '\0')
		return 0;
	*matched = 1;
	if (*i + 1 >= argc)
		return cli_usage_error(NULL, "option '%s' needs a value", name);
	*value = argv[++*i];
	return 0;
}

int cli_global_options(struct cli_ctx *ctx, int argc, char **argv, int *used)
{
	/* Options that choose the vault, the user or the secrets are fixed for
	 * a shell session: they were used to unlock it. */
	static const char *const session_only[] = {
		"--vault", "--user", "--passphrase-fd", "--new-passphrase-fd"};
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		int m, rc;

		if (a[0] != '-')
			break;
		if (strcmp(a, "--json") == 0) {
			ctx->json = 1;
			continue;
		}
		if (strcmp(a, "--utc") == 0) {
			ctx->utc = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_print_main_help(stdout);
			return CLI_HELP_SHOWN;
		}
		if (strcmp(a, "--version") == 0) {
			char *args[] = {(char *)"version", NULL};

			rc = cmd_version(ctx, 1, args);
			return rc ? rc : CLI_HELP_SHOWN;
		}
		if ((rc = opt_value(argc, argv, &i, "--purpose", &val, &m)) != 0)
			return rc;
		if (m) {
			if (vault_purpose_parse(val, &ctx->purpose) != VAULT_OK)
				return cli_usage_error(NULL,
				                       "bad --purpose '%s' (expected casework, "
				                       "referral, audit, statistics or emergency)",
				                       val);
			continue;
		}
		for (size_t k = 0; k < sizeof(session_only) / sizeof(session_only[0]); k++) {
			size_t n = strlen(session_only[k]);

			if (ctx->in_shell && strncmp(a, session_only[k], n) == 0 &&
			    (a[n] == '\0' || a[n] == '='))
				return cli_usage_error(NULL, "%s cannot be changed inside the shell",
				                       session_only[k]);
		}
		if ((rc = opt_value(argc, argv, &i, "--vault", &val, &m)) != 0)
			return rc;
		if (m) {
			ctx->vault_dir = val;
			continue;
		}
		if ((rc = opt_value(argc, argv, &i, "--user", &val, &m)) != 0)
			return rc;
		if (m) {
			ctx->user = val;
			continue;
		}
		if ((rc = opt_value(argc, argv, &i, "--passphrase-fd", &val, &m)) != 0)
			return rc;
		if (m) {
			if ((rc = cli_parse_fd("--passphrase-fd", val, &ctx->passphrase_fd)))
				return rc;
			continue;
		}
		if ((rc = opt_value(argc, argv, &i, "--new-passphrase-fd", &val, &m)) != 0)
			return rc;
		if (m) {
			if ((rc = cli_parse_fd("--new-passphrase-fd", val,
			                       &ctx->new_passphrase_fd)))
				return rc;
			continue;
		}
		return cli_usage_error(NULL, "unknown option '%s'", a);
	}
	*used = i;
	return 0;
}

/* Secrets must not end up in a core file or be readable through ptrace by
 * another process of the same user.  Fail closed if that cannot be set. */
static int harden(void)
{
	struct rlimit none = {0, 0};

	if (setrlimit(RLIMIT_CORE, &none) != 0)
		return cli_error("cannot disable core dumps");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return cli_error("cannot make the process non-dumpable");
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx;
	const char *env;
	int used = 0, rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.passphrase_fd = -1;
	ctx.new_passphrase_fd = -1;
	cli_bind(&ctx);
	if ((rc = harden()) != 0)
		return rc;

	env = getenv("VAULT_DIR");
	ctx.vault_dir = (env && env[0]) ? env : "vault";
	env = getenv("VAULT_USER");
	ctx.user = (env && env[0]) ? env : NULL;

	rc = cli_global_options(&ctx, argc - 1, argv + 1, &used);
	if (rc)
		return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
	if (used == argc - 1) {
		cli_print_main_help(stderr);
		return CLI_EXIT_USAGE;
	}
	rc = cli_run(&ctx, argc - 1 - used, argv + 1 + used);
	cli_close(&ctx);
	if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
		rc = cli_error("cannot write the output");
	return rc;
}
