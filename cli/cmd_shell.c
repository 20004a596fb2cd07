/*
 * cmd_shell.c - `vault shell`: unlock once, then run commands from standard
 * input through the same command table, with the open handle.
 *
 * Staff would otherwise pay the key derivation on every command.  The price
 * is an unlocked vault in a long-lived process, so it locks on `exit`, at the
 * end of input, on SIGINT/SIGTERM/SIGHUP and after 15 idle minutes.
 */
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

const char cli_usage_shell[] =
	"usage: vault shell [--idle-timeout SECONDS]\n"
	"\n"
	"Unlock the vault once, then read commands from standard input, one per\n"
	"line, without the leading 'vault' (the prompt \"vault> \" is shown when\n"
	"standard input is a terminal).  Words are split on blanks; \"double\" and\n"
	"'single' quotes group words.  A line may start with --json or\n"
	"--purpose WORD for that command.  'init' and 'shell' are not available,\n"
	"and 'record put' needs --file.\n"
	"\n"
	"The vault is locked on 'exit' or 'quit', at the end of input, on\n"
	"SIGINT, SIGTERM or SIGHUP, and after 15 minutes without input\n"
	"(--idle-timeout makes that shorter; it cannot make it longer).  The\n"
	"exit code is that of the last command.\n";

#define SHELL_IDLE_MAX_S 900
#define SHELL_LINE_MAX 8192
#define SHELL_WORDS_MAX 128

static volatile sig_atomic_t shell_signal;

static void on_signal(int sig)
{
	shell_signal = sig;
}

struct line_reader {
	char buf[SHELL_LINE_MAX];
	size_t len;
	int eof;
};

enum { LINE_OK = 1, LINE_EOF = 0, LINE_TIMEOUT = -2, LINE_SIGNAL = -3,
       LINE_TOO_LONG = -4, LINE_ERROR = -1 };

/* The next line of standard input into out (NUL-terminated, no newline),
 * waiting at most timeout_ms for input.  Uses read(2) after poll(2): stdio
 * would hide buffered input from poll. */
static int next_line(struct line_reader *lr, int timeout_ms, char *out)
{
	for (;;) {
		char *nl = memchr(lr->buf, '\n', lr->len);
		struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
		ssize_t n;
		int pr;

		if (nl || (lr->eof && lr->len > 0)) {
			size_t line = nl ? (size_t)(nl - lr->buf) : lr->len;
			size_t used = nl ? line + 1 : line;

			memcpy(out, lr->buf, line);
			out[line] = '\0';
			memmove(lr->buf, lr->buf + used, lr->len - used);
			lr->len -= used;
			return LINE_OK;
		}
		if (lr->eof)
			return LINE_EOF;
		if (lr->len == sizeof(lr->buf)) {
			lr->len = 0; /* drop it: it is not a command we could run */
			return LINE_TOO_LONG;
		}
		if (shell_signal)
			return LINE_SIGNAL;
		pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue; /* shell_signal is checked above */
		if (pr < 0)
			return LINE_ERROR;
		if (pr == 0)
			return LINE_TIMEOUT;
		n = read(STDIN_FILENO, lr->buf + lr->len, sizeof(lr->buf) - lr->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return LINE_ERROR;
		if (n == 0)
			lr->eof = 1;
		lr->len += (size_t)n;
	}
}

/* Split in place on blanks, with "double quotes" (where \" and \\ escape)
 * and 'single quotes' (literal).  Returns the word count, or -1 for an
 * unterminated quote or too many words. */
static int split_words(char *line, char **words, int max)
{
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\r')
			r++;
		if (*r == '\0' || (*r == '#' && n == 0))
			return n;
		if (n == max)
			return -1;
		words[n++] = w;
		while (*r && *r != ' ' && *r != '\t' && *r != '\r') {
			if (*r == '"') {
				for (r++; *r && *r != '"'; r++) {
					if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
						r++;
					*w++ = *r;
				}
				if (*r != '"')
					return -1;
				r++;
			} else if (*r == '\'') {
				for (r++; *r && *r != '\''; r++)
					*w++ = *r;
				if (*r != '\'')
					return -1;
				r++;
			} else {
				*w++ = *r++;
			}
		}
		/* The terminator may overwrite the blank we stopped on: r is past
		 * it or at the end, and w never runs ahead of r. */
		if (*r)
			r++;
		*w++ = '\0';
	}
}

/* One line: per-line --json/--purpose, then the command. */
static int run_line(struct cli_ctx *ctx, int n, char **words)
{
	int saved_json = ctx->json;
	vault_purpose saved_purpose = ctx->purpose;
	int used = 0, rc;

	rc = cli_global_options(ctx, n, words, &used);
	if (rc == 0 && used == n)
		rc = cli_usage_error(NULL, "no command given");
	if (rc == 0 && ctx->purpose != saved_purpose) {
		vault_status st = vault_set_purpose(ctx->v, ctx->purpose);

		if (st != VAULT_OK)
			rc = cli_fail(ctx, st);
	}
	if (rc == 0)
		rc = cli_run(ctx, n - used, words + used);
	if (ctx->purpose != saved_purpose) {
		ctx->purpose = saved_purpose;
		vault_set_purpose(ctx->v, saved_purpose ? saved_purpose
		                                        : VAULT_PURPOSE_CASEWORK);
	}
	ctx->json = saved_json;
	fflush(stdout);
	return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
}

int cmd_shell(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *idle_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("idle-timeout", &idle_text),
		CLI_OPT_END,
	};
	static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	static struct line_reader lr; /* 8 KiB: keep it off the stack */
	static char line[SHELL_LINE_MAX + 1];
	struct sigaction sa, old[3];
	uint64_t idle_s = SHELL_IDLE_MAX_S;
	char *words[SHELL_WORDS_MAX];
	int interactive, last = CLI_EXIT_OK, r;
	const char *who, *org = NULL;
	vault_role role;

	r = cli_parse("shell", argc - 1, argv + 1, opts, NULL, 0, 0, words);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (idle_text &&
	    (r = cli_parse_uint("shell", "idle-timeout", idle_text, SHELL_IDLE_MAX_S,
	                        &idle_s)) != 0)
		return r;
	if (idle_s == 0)
		return cli_usage_error("shell", "shell: --idle-timeout must be at least 1");
	if ((r = cli_open(ctx)) != 0)
		return r;
	ctx->in_shell = 1;
	interactive = isatty(STDIN_FILENO);

	/* No SA_RESTART: poll() must return so the loop can lock and leave. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);

	who = vault_whoami(ctx->v, &org, &role);
	if (interactive)
		fprintf(stderr,
		        "vault: unlocked %s as %s; 'help' lists commands, 'exit' locks\n",
		        ctx->vault_dir, who ? who : ctx->user);

	lr.len = 0;
	lr.eof = 0;
	for (;;) {
		int n, got;

		if (interactive) {
			fputs("vault> ", stdout);
			fflush(stdout);
		}
		got = next_line(&lr, (int)idle_s * 1000, line);
		if (got == LINE_TIMEOUT) {
			fprintf(stderr, "\nvault: locked after %llu idle seconds\n",
			        (unsigned long long)idle_s);
			last = CLI_EXIT_OK;
			break;
		}
		if (got == LINE_SIGNAL) {
			fprintf(stderr, "\nvault: locked (signal %d)\n", (int)shell_signal);
			last = 128 + (int)shell_signal;
			break;
		}
		if (got == LINE_EOF) {
			if (interactive)
				fputc('\n', stdout);
			break;
		}
		if (got == LINE_ERROR) {
			last = cli_error("cannot read standard input: %s", strerror(errno));
			break;
		}
		if (got == LINE_TOO_LONG) {
			last = cli_usage_error(NULL, "line longer than %d bytes", SHELL_LINE_MAX);
			continue;
		}
		n = split_words(line, words, SHELL_WORDS_MAX);
		if (n < 0) {
			last = cli_usage_error(NULL, "unterminated quote or too many words");
			continue;
		}
		if (n == 0)
			continue;
		if (n == 1 && (strcmp(words[0], "exit") == 0 || strcmp(words[0], "quit") == 0))
			break;
		last = run_line(ctx, n, words);
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	cli_close(ctx);
	ctx->in_shell = 0;
	explicit_bzero(line, sizeof(line));
	explicit_bzero(&lr, sizeof(lr));
	return last;
}
