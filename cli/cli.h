/*
 * cli.h - what the commands of `vault` share: the context, the command table,
 * option parsing, passphrase reading, errors and exit codes, tables and JSON.
 *
 * The command is thin on purpose: it parses, prompts and prints.  Every
 * decision (who may do what, what is valid) comes from libvault through the
 * public API in vault.h; the CLI is linked against the shared library and can
 * reach nothing else.
 */
#ifndef VAULT_CLI_H
#define VAULT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "vault.h"

/* Exit codes: documented in `vault help` and vault.1, never renumbered. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_ERROR = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_AUTH = 3,
	CLI_EXIT_DENIED = 4,
	CLI_EXIT_NOT_FOUND = 5,
	CLI_EXIT_INTEGRITY = 6,
	CLI_EXIT_CONSENT = 7,
	CLI_EXIT_BUSY = 8,
	CLI_EXIT_PASSWD_EXPIRED = 9, /* run `vault passwd` first */
	CLI_EXIT_NOSPACE = 10        /* free disk space */
};

/* What the global options chose, and the open handle.  Inside `vault shell`
 * the handle stays open across commands, so every command takes the context
 * and opens the vault only if it is not open yet (cli_open). */
struct cli_ctx {
	const char *vault_dir;
	const char *user;
	int passphrase_fd;     /* -1: ask on the terminal */
	int new_passphrase_fd; /* -1: ask on the terminal */
	int json;
	vault_purpose purpose; /* 0: the library's default */
	vault *v;              /* NULL until cli_open */
	int in_shell;
	int utc;               /* --utc: times in UTC rather than local time */
	/* `use CASE` inside the shell: taken when a CASE argument is left out. */
	char current_case[VAULT_ID_BUFSIZE];
	/* What the running command is about, for the hint after a refusal
	 * (NULL / 0 when unknown).  Set by the commands. */
	const char *about_case;
	const char *about_org;
	unsigned int about_classes;
};

/* The context errors are reported in (JSON or not): main and the shell
 * bind theirs before running anything. */
void cli_bind(struct cli_ctx *ctx);

typedef int (*cli_fn)(struct cli_ctx *ctx, int argc, char **argv);

/* Command flags. */
#define CLI_NO_SHELL 1u /* makes no sense inside `vault shell` */
#define CLI_HIDDEN 2u   /* not listed by `vault help` */

struct cli_command {
	const char *name;
	cli_fn fn;
	unsigned int flags;
	const char *summary; /* one line for `vault help` */
	const char *usage;   /* full text for `vault help NAME` and --help */
};

/* main.c */
const struct cli_command *cli_command_find(const char *name);
const struct cli_command *cli_commands(size_t *count);
/* Run one command line (argv[0] is the command name, after global options). */
int cli_run(struct cli_ctx *ctx, int argc, char **argv);
/* Parse leading global options of argv into ctx; *used is how many words
 * they took.  Inside the shell only the per-command ones are accepted. */
int cli_global_options(struct cli_ctx *ctx, int argc, char **argv, int *used);

/* Command functions, one file each (cli/cmd_<name>.c). */
int cmd_init(struct cli_ctx *ctx, int argc, char **argv);
int cmd_org(struct cli_ctx *ctx, int argc, char **argv);
int cmd_user(struct cli_ctx *ctx, int argc, char **argv);
int cmd_passwd(struct cli_ctx *ctx, int argc, char **argv);
int cmd_case(struct cli_ctx *ctx, int argc, char **argv);
int cmd_record(struct cli_ctx *ctx, int argc, char **argv);
int cmd_consent(struct cli_ctx *ctx, int argc, char **argv);
int cmd_share(struct cli_ctx *ctx, int argc, char **argv);
int cmd_revoke(struct cli_ctx *ctx, int argc, char **argv);
int cmd_link(struct cli_ctx *ctx, int argc, char **argv);
int cmd_break_glass(struct cli_ctx *ctx, int argc, char **argv);
int cmd_audit(struct cli_ctx *ctx, int argc, char **argv);
int cmd_shell(struct cli_ctx *ctx, int argc, char **argv);
int cmd_report(struct cli_ctx *ctx, int argc, char **argv);
int cmd_stats(struct cli_ctx *ctx, int argc, char **argv);
int cmd_help(struct cli_ctx *ctx, int argc, char **argv);
int cmd_version(struct cli_ctx *ctx, int argc, char **argv);

/* Usage texts, next to the code they describe. */
extern const char cli_usage_init[];
extern const char cli_usage_org[];
extern const char cli_usage_user[];
extern const char cli_usage_passwd[];
extern const char cli_usage_case[];
extern const char cli_usage_record[];
extern const char cli_usage_consent[];
extern const char cli_usage_share[];
extern const char cli_usage_revoke[];
extern const char cli_usage_link[];
extern const char cli_usage_break_glass[];
extern const char cli_usage_audit[];
extern const char cli_usage_shell[];
extern const char cli_usage_report[];
extern const char cli_usage_stats[];
extern const char cli_usage_help[];
extern const char cli_usage_version[];

/* cmd_help.c */
void cli_print_main_help(FILE *out);
/* Print the usage of a command ("record" or "record put": the group's). */
void cli_print_command_help(const char *name, FILE *out);

/* ---- errors (cli.c) ---------------------------------------------------- */

/* The exit code that stands for a library status. */
int cli_exit_code(vault_status st);
/* Report a library failure on stderr ("vault: <strerror>: <detail>") and
 * return its exit code.  The detail comes from the handle if one is open,
 * else from the thread's last error. */
int cli_fail(struct cli_ctx *ctx, vault_status st);
/* Report a bad command line for `cmd`, point at help, return 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Report any other failure ("vault: ..."), return 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report a failure with its own exit code (and an optional hint line). */
int cli_error_code(int code, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Every error is also one JSON object on stdout with --json:
 *   {"error": TEXT, "status": N or null, "exit": CODE[, "hint": TEXT]}
 * so that scripts need not parse stderr. */

/* Resolve a CASE argument into a full id: 32 hex digits as they are, or a
 * unique prefix of at least CLI_CASE_PREFIX_MIN hex digits among the cases
 * the caller can see (vault_case_foreach; when none matches, a supervisor's
 * organisation's restricted cases too).  Needs the vault open.  Returns an
 * exit code: 5 when nothing matches, 2 for an ambiguous prefix (listing
 * the matches) or a malformed one. */
#define CLI_CASE_PREFIX_MIN 6
int cli_case_id(struct cli_ctx *ctx, const char *arg, char out[VAULT_ID_BUFSIZE]);

/* ---- options ----------------------------------------------------------- */

/* Subcommands of a group ("record put"): argv[1] names one of them. */
struct cli_sub {
	const char *name;
	cli_fn fn;
};
/* Run the subcommand argv[1] with argv shifted by one (argv[0] is then the
 * subcommand); no subcommand, --help or an unknown one are handled here. */
int cli_subcommand(struct cli_ctx *ctx, const char *group, int argc, char **argv,
                   const struct cli_sub *subs);

enum cli_opt_type { CLI_OPT_STR, CLI_OPT_FLAG };

struct cli_opt {
	const char *name; /* without the leading "--" */
	enum cli_opt_type type;
	const char **str; /* CLI_OPT_STR */
	int *flag;        /* CLI_OPT_FLAG */
};

#define CLI_STR(n, p) {(n), CLI_OPT_STR, (p), NULL}
#define CLI_FLAG(n, p) {(n), CLI_OPT_FLAG, NULL, (p)}
#define CLI_OPT_END {NULL, CLI_OPT_STR, NULL, NULL}

/* The value cli_parse returns when it printed --help: the command returns 0. */
#define CLI_HELP_SHOWN (-1)

/*
 * Parse the words after the command name(s): options (--name VALUE,
 * --name=VALUE, flags), anywhere among positional arguments, "--" ending
 * options.  Positional arguments go to pos[0..]; there must be at least
 * nreq of them (named by posnames for the message) and at most nmax.
 * Returns 0, CLI_HELP_SHOWN, or CLI_EXIT_USAGE after saying what was wrong.
 */
int cli_parse(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
              const char *const *posnames, int nreq, int nmax, char **pos);

/* Turn a cli_parse result into the command's return value. */
#define CLI_PARSE_RESULT(r) ((r) == CLI_HELP_SHOWN ? CLI_EXIT_OK : (r))

/* Value parsers: 0 on success; on failure they print a usage error and
 * return CLI_EXIT_USAGE.  `opt` names the option in the message. */
int cli_parse_classes(const char *cmd, const char *opt, const char *text,
                      unsigned int *out);
int cli_parse_time(const char *cmd, const char *opt, const char *text,
                   int64_t *out);
int cli_parse_uint(const char *cmd, const char *opt, const char *text,
                   uint64_t max, uint64_t *out);
int cli_parse_kdf(const char *cmd, const char *text, vault_kdf *out);
int cli_parse_fd(const char *opt, const char *text, int *out);

/* ---- formatting -------------------------------------------------------- */

#define CLI_TIME_BUFSIZE 40
/* RFC 3339 in local time with its offset ("2024-05-01T11:30:00+02:00"), or
 * in UTC ("2024-05-01T09:30:00Z") under --utc; "-" for 0. */
const char *cli_time_str(int64_t ts, char buf[CLI_TIME_BUFSIZE]);
#define CLI_CLASSES_BUFSIZE 64
/* "general,safety"; "-" for none. */
const char *cli_classes_str(unsigned int classes, char buf[CLI_CLASSES_BUFSIZE]);
/* The same set as a JSON array of names. */
json_t *cli_classes_json(unsigned int classes);
/* A time as a JSON string, or null for 0. */
json_t *cli_time_json(int64_t ts);
/* A possibly NULL string as JSON (null for NULL). */
json_t *cli_str_json(const char *s);

/* Aligned table: headers and rows of text, widths computed at print time. */
struct cli_table {
	size_t ncols;
	const char *const *headers;
	char **cells; /* nrows * ncols, owned */
	size_t nrows;
	size_t cap;
	int failed; /* an allocation failed; print reports it */
};

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *headers);
/* Append a row of exactly t->ncols strings (NULL prints as "-"). */
void cli_table_add(struct cli_table *t, ...);
/* Print to stdout; an empty table prints `empty` instead (if not NULL).
 * Returns CLI_EXIT_OK, or an error if a row could not be stored. */
int cli_table_print(struct cli_table *t, const char *empty);
void cli_table_free(struct cli_table *t);

/* Print one JSON document (pretty) or one JSON Lines line (compact) on
 * stdout and release it.  NULL (an allocation failed) reports an error. */
int cli_json_print(json_t *doc);
int cli_json_line(json_t *doc);

/* ---- the vault and secrets --------------------------------------------- */

/* A secret held in libvault's secure memory (guarded, locked, wiped). */
struct cli_secret {
	unsigned char *data;
	size_t len;
};

/* Read a passphrase: the first line of `fd` when fd >= 0, else from the
 * terminal without echo (asked twice when `confirm`).  Returns an exit code. */
int cli_secret_read(int fd, const char *prompt, int confirm,
                    struct cli_secret *out);
void cli_secret_free(struct cli_secret *s);
/* A new passphrase (for `who`): --new-passphrase-fd, else the terminal, twice. */
int cli_new_passphrase(struct cli_ctx *ctx, const char *who,
                       struct cli_secret *out);

/* Unlock the vault as ctx->user unless it is open already. */
int cli_open(struct cli_ctx *ctx);
/* Lock it (inside the shell, only the shell does this). */
void cli_close(struct cli_ctx *ctx);

/* Progress on stderr, only when stderr is a terminal. */
struct cli_progress {
	const char *what;
	int shown;
	uint64_t done;
};
int cli_progress_cb(uint64_t done, uint64_t total, void *ctx);
void cli_progress_end(struct cli_progress *p);

/* Read a whole small text file (a checkpoint) into a NUL-terminated heap
 * string.  Returns an exit code. */
int cli_read_text_file(const char *path, size_t max, char **out);

#endif /* VAULT_CLI_H */
