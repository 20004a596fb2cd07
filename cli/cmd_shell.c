/*
 * cmd_shell.c - `vault shell`: unlock once, then run commands from standard
 * input through the same command table, with the open handle.
 *
 * Staff would otherwise pay the key derivation on every command.  The price
 * is an unlocked vault in a long-lived process, so it locks on `exit`, at the
 * end of input, on SIGINT/SIGTERM/SIGHUP and after 15 idle minutes.
 *
 * At a terminal, lines are read with libedit: line editing and a history
 * kept in memory only.  No history file is ever read or written: it would
 * hold case ids and record names.
 */
#include "cli.h"

#include <errno.h>
#include <histedit.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

const char cli_usage_shell[] =
	"usage: vault shell [--idle-timeout SECONDS]\n"
	"\n"
	"Unlock the vault once, then read commands from standard input, one per\n"
	"line, without the leading 'vault'.  At a terminal the prompt \"vault> \"\n"
	"is shown, lines can be edited (arrows, Ctrl-A, Ctrl-E, ...) and earlier\n"
	"ones recalled with the up arrow; that history lives in memory only and\n"
	"is never written to a file.  Words are split on blanks; \"double\" and\n"
	"'single' quotes group words.  A line may start with --json, --utc or\n"
	"--purpose WORD for that command.  'init' and 'shell' are not available;\n"
	"when the commands come from a pipe, 'record put' needs --file.\n"
	"\n"
	"Inside the shell only:\n"
	"  use CASE   make CASE (an id or a unique prefix) the current case: a\n"
	"             command whose first argument is a case may leave it out\n"
	"             (\"record get intake\"); 'use' alone shows it, 'use none'\n"
	"             forgets it.  The prompt shows its first 8 digits.\n"
	"  clear      clear the screen and its scrollback, and forget the\n"
	"             history of commands\n"
	"  help       list what works inside the shell; help COMMAND for one\n"
	"  exit, quit lock the vault and leave\n"
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

/* ---- at a terminal: libedit ------------------------------------------- */

struct term {
	EditLine *el;
	History *hist;
	int idle_ms;
	int idle_expired;
	char prompt[48];
};

static struct term *term_for_prompt;

static char *term_prompt(EditLine *el)
{
	(void)el;
	return term_for_prompt ? term_for_prompt->prompt : (char *)"vault> ";
}

/* libedit's character source: poll(2) first, so the idle timeout and the
 * signals that lock the shell end a wait for a key.  Bytes are decoded
 * from the locale's multibyte encoding one by one. */
static int term_getc(EditLine *el, wchar_t *wc)
{
	static mbstate_t mbs;
	struct term *t = NULL;

	el_get(el, EL_CLIENTDATA, &t);
	for (;;) {
		struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
		unsigned char c;
		ssize_t n;
		size_t r;
		int pr;

		if (shell_signal) {
			errno = EIO;
			return -1;
		}
		pr = poll(&pfd, 1, t ? t->idle_ms : -1);
		if (pr < 0 && errno == EINTR)
			continue; /* shell_signal is checked above */
		if (pr == 0 && t) {
			t->idle_expired = 1;
			errno = EIO;
			return -1;
		}
		if (pr < 0)
			return -1;
		n = read(STDIN_FILENO, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		r = mbrtowc(wc, (const char *)&c, 1, &mbs);
		if (r == (size_t)-2)
			continue; /* more bytes of this character */
		if (r == (size_t)-1) {
			memset(&mbs, 0, sizeof(mbs));
			*wc = (wchar_t)c; /* not the locale's encoding: take the byte */
		}
		return 1;
	}
}

static int term_open(struct term *t, int idle_ms)
{
	HistEvent ev;

	memset(t, 0, sizeof(*t));
	t->idle_ms = idle_ms;
	snprintf(t->prompt, sizeof(t->prompt), "vault> ");
	setlocale(LC_CTYPE, "");
	t->el = el_init("vault", stdin, stdout, stderr);
	t->hist = history_init();
	if (t->el == NULL || t->hist == NULL)
		return -1;
	history(t->hist, &ev, H_SETSIZE, 500);
	history(t->hist, &ev, H_SETUNIQUE, 1);
	term_for_prompt = t;
	el_set(t->el, EL_CLIENTDATA, t);
	el_set(t->el, EL_EDITOR, "emacs");
	el_set(t->el, EL_PROMPT, term_prompt);
	el_set(t->el, EL_HIST, history, t->hist);
	el_set(t->el, EL_GETCFN, term_getc);
	/* Deliberately no el_source(): no ~/.editrc, and nothing is saved. */
	return 0;
}

static void term_close(struct term *t)
{
	HistEvent ev;

	if (t->hist) {
		history(t->hist, &ev, H_CLEAR);
		history_end(t->hist);
	}
	if (t->el)
		el_end(t->el);
	term_for_prompt = NULL;
	memset(t, 0, sizeof(*t));
}

/* The next line into out, as next_line() does for a pipe. */
static int term_line(struct term *t, char *out)
{
	const char *l;
	int n = 0;
	size_t len;
	HistEvent ev;

	t->idle_expired = 0;
	l = el_gets(t->el, &n);
	if (l == NULL || n <= 0) {
		if (t->idle_expired)
			return LINE_TIMEOUT;
		if (shell_signal)
			return LINE_SIGNAL;
		return n < 0 ? LINE_ERROR : LINE_EOF;
	}
	len = strlen(l);
	if (len > 0 && l[len - 1] == '\n')
		len--;
	if (len > SHELL_LINE_MAX)
		return LINE_TOO_LONG;
	memcpy(out, l, len);
	out[len] = '\0';
	if (len > 0)
		history(t->hist, &ev, H_ENTER, out);
	return LINE_OK;
}

/* ---- commands of the shell itself -------------------------------------- */

static void shell_help(FILE *out)
{
	size_t n;
	const struct cli_command *cmds = cli_commands(&n);

	fputs("Commands (without the leading 'vault'):\n", out);
	for (size_t i = 0; i < n; i++)
		if (!(cmds[i].flags & (CLI_HIDDEN | CLI_NO_SHELL)))
			fprintf(out, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
	fputs("\n"
	      "Inside the shell:\n"
	      "  use CASE     make CASE the current case ('use none' forgets it)\n"
	      "  clear        clear the screen and forget the command history\n"
	      "  exit, quit   lock the vault and leave\n"
	      "\n"
	      "A line may start with --json, --utc or --purpose WORD.  CASE may be\n"
	      "a unique prefix of at least 6 hex digits, or left out after 'use'.\n"
	      "'help COMMAND' shows a command's options.\n",
	      out);
}

static void set_prompt(struct cli_ctx *ctx, struct term *t)
{
	if (t == NULL)
		return;
	if (ctx->current_case[0])
		snprintf(t->prompt, sizeof(t->prompt), "vault [%.8s]> ", ctx->current_case);
	else
		snprintf(t->prompt, sizeof(t->prompt), "vault> ");
}

/* `use`, `clear`, `help`: 1 if the line was one of them (*rc set). */
static int shell_builtin(struct cli_ctx *ctx, struct term *t, int n, char **words,
                         int *rc)
{
	if (strcmp(words[0], "help") == 0 && n == 1) {
		shell_help(stdout);
		*rc = CLI_EXIT_OK;
		return 1;
	}
	if (strcmp(words[0], "clear") == 0) {
		HistEvent ev;

		if (n != 1) {
			*rc = cli_usage_error(NULL, "clear takes no arguments");
			return 1;
		}
		if (isatty(STDOUT_FILENO)) {
			/* Home, erase the screen, erase the scrollback. */
			fputs("\033[H\033[2J\033[3J", stdout);
			fflush(stdout);
		}
		if (t)
			history(t->hist, &ev, H_CLEAR);
		*rc = CLI_EXIT_OK;
		return 1;
	}
	if (strcmp(words[0], "use") == 0) {
		char id[VAULT_ID_BUFSIZE];

		if (n > 2) {
			*rc = cli_usage_error(NULL, "usage: use CASE | use none | use");
			return 1;
		}
		if (n == 1) {
			if (ctx->current_case[0])
				printf("current case %s\n", ctx->current_case);
			else
				printf("no current case\n");
			*rc = CLI_EXIT_OK;
			return 1;
		}
		if (strcmp(words[1], "none") == 0) {
			ctx->current_case[0] = '\0';
			set_prompt(ctx, t);
			*rc = CLI_EXIT_OK;
			return 1;
		}
		*rc = cli_case_id(ctx, words[1], id);
		if (*rc == CLI_EXIT_OK) {
			memcpy(ctx->current_case, id, sizeof(id));
			set_prompt(ctx, t);
			printf("current case %s\n", id);
		}
		return 1;
	}
	return 0;
}

/* One line: per-line --json/--purpose, then the command. */
static int run_line(struct cli_ctx *ctx, int n, char **words)
{
	int saved_json = ctx->json, saved_utc = ctx->utc;
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
	ctx->utc = saved_utc;
	ctx->about_case = NULL;
	ctx->about_org = NULL;
	ctx->about_classes = 0;
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
	struct term term, *t = NULL;
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
	if (interactive) {
		if (term_open(&term, (int)idle_s * 1000) != 0) {
			term_close(&term);
			for (int i = 0; i < 3; i++)
				sigaction(sigs[i], &old[i], NULL);
			cli_close(ctx);
			ctx->in_shell = 0;
			return cli_error("cannot set up line editing on this terminal");
		}
		t = &term;
		fprintf(stderr,
		        "vault: unlocked %s as %s; 'help' lists commands, 'exit' locks\n",
		        ctx->vault_dir, who ? who : ctx->user);
	}

	lr.len = 0;
	lr.eof = 0;
	for (;;) {
		int n, got;

		got = t ? term_line(t, line) : next_line(&lr, (int)idle_s * 1000, line);
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
		if (shell_builtin(ctx, t, n, words, &last)) {
			fflush(stdout);
			continue;
		}
		last = run_line(ctx, n, words);
	}
	if (t)
		term_close(t);
	ctx->current_case[0] = '\0';
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	cli_close(ctx);
	ctx->in_shell = 0;
	explicit_bzero(line, sizeof(line));
	explicit_bzero(&lr, sizeof(lr));
	return last;
}
