/*
 * cmd_help.c - `vault help [COMMAND]` and `vault version`.
 */
#include "cli.h"

#include <string.h>

const char cli_usage_help[] =
	"usage: vault help [COMMAND]\n"
	"\n"
	"Without COMMAND, list the commands, the global options and the exit\n"
	"codes.  With COMMAND, show its usage (the same as 'vault COMMAND --help').\n";

const char cli_usage_version[] =
	"usage: vault version\n"
	"\n"
	"Print the version of the vault command and of the libvault it runs on.\n";

void cli_print_main_help(FILE *out)
{
	size_t n;
	const struct cli_command *cmds = cli_commands(&n);

	fputs("usage: vault [--vault DIR] [--user NAME] [--passphrase-fd N]\n"
	      "             [--new-passphrase-fd N] [--json] [--utc] [--purpose WORD]\n"
	      "             COMMAND [ARGS]\n"
	      "\n"
	      "Encrypted, access-controlled case records with a verifiable audit log.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < n; i++)
		if (!(cmds[i].flags & CLI_HIDDEN))
			fprintf(out, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
	fputs("\n"
	      "Global options (before COMMAND):\n"
	      "  --vault DIR            the vault folder (default $VAULT_DIR, else ./vault)\n"
	      "  --user NAME            who unlocks it (default $VAULT_USER)\n"
	      "  --passphrase-fd N      read your passphrase from the first line of fd N\n"
	      "  --new-passphrase-fd N  read a new passphrase (init, org add, user add,\n"
	      "                         passwd) from the first line of fd N\n"
	      "  --json                 machine output: one JSON document on stdout\n"
	      "                         (JSON Lines for 'audit log'); errors too, as\n"
	      "                         {\"error\": ..., \"status\": ..., \"exit\": ...}\n"
	      "  --utc                  print times in UTC (default: local time with\n"
	      "                         its offset)\n"
	      "  --purpose WORD         declared purpose of access, recorded in the audit\n"
	      "                         log: casework, referral, audit, statistics,\n"
	      "                         emergency\n"
	      "\n"
	      "Passphrases are never taken from the command line or the environment:\n"
	      "without the fd options they are asked on the terminal, new ones twice.\n"
	      "A CASE may be given as a unique prefix of at least 6 hex digits.\n"
	      "\n"
	      "Exit codes:\n"
	      "  0  ok\n"
	      "  1  other error\n"
	      "  2  usage: bad command line or an argument the library rejects\n"
	      "  3  authentication failed (unknown user or wrong passphrase)\n"
	      "  4  access denied\n"
	      "  5  not found\n"
	      "  6  integrity failure (tampering or damage)\n"
	      "  7  consent required\n"
	      "  8  busy (another process holds the vault)\n"
	      "  9  the passphrase must be changed first: run 'vault passwd'\n"
	      " 10  disk full: free space on the vault's disk\n"
	      "\n"
	      "Run 'vault help COMMAND' or 'vault COMMAND --help' for a command's\n"
	      "options, and see vault(1).\n",
	      out);
}

void cli_print_command_help(const char *name, FILE *out)
{
	char group[64];
	size_t n = name ? strcspn(name, " ") : 0;
	const struct cli_command *cmd = NULL;

	if (n > 0 && n < sizeof(group)) {
		memcpy(group, name, n);
		group[n] = '\0';
		cmd = cli_command_find(group);
	}
	if (cmd == NULL) {
		cli_print_main_help(out);
		return;
	}
	fputs(cmd->usage, out);
}

int cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"COMMAND"};
	char *pos[1];
	int r = cli_parse("help", argc - 1, argv + 1, NULL, names, 0, 1, pos);

	if (r)
		return CLI_PARSE_RESULT(r);
	if (pos[0] == NULL) {
		cli_print_main_help(stdout);
		return CLI_EXIT_OK;
	}
	if (cli_command_find(pos[0]) == NULL)
		return cli_usage_error(NULL, "'%s' is not a vault command", pos[0]);
	cli_print_command_help(pos[0], stdout);
	return CLI_EXIT_OK;
}

int cmd_version(struct cli_ctx *ctx, int argc, char **argv)
{
	char *pos[1];
	int r = cli_parse("version", argc - 1, argv + 1, NULL, NULL, 0, 0, pos);

	if (r)
		return CLI_PARSE_RESULT(r);
	if (ctx->json) {
		json_t *doc = json_pack("{s:s, s:s}", "vault", VAULT_VERSION_STRING,
		                        "libvault", vault_version_string());

		return cli_json_print(doc);
	}
	printf("vault %s (libvault %s)\n", VAULT_VERSION_STRING,
	       vault_version_string());
	return CLI_EXIT_OK;
}
