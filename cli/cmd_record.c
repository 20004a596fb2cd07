/*
 * cmd_record.c - `vault record put|get|list|history|delete`.
 *
 * Record content is what must never leak: it is read into libvault's secure
 * memory, written out with write(2) from the library's buffer (no stdio copy),
 * and never appears in a message.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char cli_usage_record[] =
	"usage: vault record put CASE NAME [--class general|sensitive|safety]\n"
	"                        [--file PATH] [--empty]\n"
	"   or: vault record get CASE NAME [--class C] [--version N]\n"
	"                        [--out PATH [--force]]\n"
	"   or: vault record list CASE\n"
	"   or: vault record history CASE NAME [--class C]\n"
	"   or: vault record delete CASE NAME [--class C]\n"
	"   or: vault record reclassify CASE NAME --from C --to C [--reason TEXT]\n"
	"   or: vault record redact CASE NAME --version N --reason TEXT [--class C]\n"
	"\n"
	"CASE is a case id, or a unique prefix of at least 6 of its hex digits.\n"
	"A record is its case, its class and its name: the same name may stand\n"
	"for different records in different classes.  Without --class, get,\n"
	"history and delete mean the one class of that name you may read; if\n"
	"you may read it in several, they ask for --class (exit 2).\n"
	"\n"
	"put      Store the content of PATH (or of standard input without --file)\n"
	"         as the next version of record NAME.  The first version must name\n"
	"         its class with --class; later versions keep the class of the\n"
	"         record (a --class that differs stores a separate record of that\n"
	"         name in that class).  On a terminal, type the note and end it\n"
	"         with Ctrl-D on a line of its own.  An empty note is refused\n"
	"         unless --empty.  In a 'vault shell' fed by a pipe, standard\n"
	"         input carries the commands, so --file is required there.\n"
	"get      Write a version of a record (default the latest) as raw bytes to\n"
	"         standard output, or to PATH: written as a new file with mode\n"
	"         0600 and renamed into place; an existing PATH is refused unless\n"
	"         --force.  With --json, the content is in \"data\" (UTF-8) or\n"
	"         \"data_base64\".\n"
	"list     List the records of a case you can read (latest versions).\n"
	"history  List every version of a record, oldest first.\n"
	"delete   Write a tombstone version; earlier versions stay in the history.\n"
	"reclassify  Move a record's content to another class: each version with\n"
	"         content becomes, oldest first, the next version in --to, then\n"
	"         every version in --from is redacted.  Up (general, sensitive,\n"
	"         safety) needs write on both, and for versions others wrote a\n"
	"         supervisor of the owning organisation; down needs that supervisor\n"
	"         and a --reason of at least 20 bytes (a high-severity audit entry).\n"
	"redact   Remove the content of one version for good (supervisors of the\n"
	"         owning organisation, --reason of at least 20 bytes, high\n"
	"         severity); the history shows it as redacted, by whom and why.\n";

/* --class C: one class, or 0 when absent. */
static int one_class(const char *cmd, const char *opt, const char *text, unsigned int *out)
{
	int r;

	*out = 0;
	if (text == NULL)
		return 0;
	if ((r = cli_parse_classes(cmd, opt, text, out)) != 0)
		return r;
	if (*out != VAULT_CLASS_GENERAL && *out != VAULT_CLASS_SENSITIVE &&
	    *out != VAULT_CLASS_SAFETY)
		return cli_usage_error("record", "%s: --%s takes one class", cmd, opt);
	return 0;
}

/* ---- put --------------------------------------------------------------- */

/* Read all of fd into secure memory, growing by doubling, refusing more than
 * VAULT_RECORD_MAX bytes. */
static int read_all_secure(int fd, const char *what, struct cli_secret *out)
{
	size_t cap = 4096, len = 0;
	unsigned char *buf = vault_secure_malloc(cap);

	if (buf == NULL)
		return cli_error("cannot allocate secure memory");
	for (;;) {
		ssize_t n;

		if (len == cap) {
			/* One byte past the limit is enough to know it is too big. */
			size_t ncap = cap * 2 > (size_t)VAULT_RECORD_MAX + 1
			                  ? (size_t)VAULT_RECORD_MAX + 1
			                  : cap * 2;
			unsigned char *bigger;

			if (cap >= (size_t)VAULT_RECORD_MAX + 1) {
				vault_secure_free(buf);
				return cli_error("%s is larger than the record limit (%u bytes)",
				                 what, VAULT_RECORD_MAX);
			}
			bigger = vault_secure_malloc(ncap);
			if (bigger == NULL) {
				vault_secure_free(buf);
				return cli_error("cannot allocate secure memory");
			}
			memcpy(bigger, buf, len);
			vault_secure_free(buf);
			buf = bigger;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			vault_secure_free(buf);
			return cli_error("cannot read %s: %s", what, strerror(err));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > VAULT_RECORD_MAX) {
		vault_secure_free(buf);
		return cli_error("%s is larger than the record limit (%u bytes)", what,
		                 VAULT_RECORD_MAX);
	}
	out->data = buf;
	out->len = len;
	return CLI_EXIT_OK;
}

/* The class of the record NAME among those the caller can read, for a next
 * version without --class. */
struct class_find {
	const char *name;
	unsigned int classes; /* every class holding a record of that name */
};

static int class_find_cb(const vault_record_info *info, void *arg)
{
	struct class_find *f = arg;

	if (strcmp(info->name, f->name) == 0)
		f->classes |= (unsigned int)info->cls;
	return 0;
}

static int record_class(struct cli_ctx *ctx, const char *case_id, const char *name,
                        unsigned int *cls)
{
	struct class_find f = {name, 0};
	char list[CLI_CLASSES_BUFSIZE];
	vault_status st;

	st = vault_record_foreach(ctx->v, case_id, class_find_cb, &f);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (f.classes == 0)
		return cli_usage_error("record",
		                       "record put: '%s' is a new record: name its class with"
		                       " --class general, sensitive or safety",
		                       name);
	if ((f.classes & (f.classes - 1)) != 0)
		return cli_usage_error("record",
		                       "record put: '%s' exists in more than one class (%s):"
		                       " say which with --class",
		                       name, cli_classes_str(f.classes, list));
	*cls = f.classes;
	return CLI_EXIT_OK;
}

static int record_put(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE", "NAME"};
	const char *class_text = NULL, *file = NULL;
	int empty_ok = 0;
	const struct cli_opt opts[] = {
		CLI_STR("class", &class_text),
		CLI_STR("file", &file),
		CLI_FLAG("empty", &empty_ok),
		CLI_OPT_END,
	};
	struct cli_secret data = {NULL, 0};
	char case_id[VAULT_ID_BUFSIZE];
	unsigned int cls = 0;
	uint32_t version = 0;
	vault_status st;
	char *pos[2];
	int r, fd, tty = 0;

	r = cli_parse("record put", argc - 1, argv + 1, opts, names, 2, 2, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (class_text) {
		if ((r = cli_parse_classes("record put", "class", class_text, &cls)) != 0)
			return r;
		if (cls != VAULT_CLASS_GENERAL && cls != VAULT_CLASS_SENSITIVE &&
		    cls != VAULT_CLASS_SAFETY)
			return cli_usage_error("record", "record put: --class takes one class");
	}
	/* A shell fed by a pipe reads its commands there; at a terminal the
	 * note is typed and ended with Ctrl-D, as outside the shell. */
	if (file == NULL && ctx->in_shell && !isatty(STDIN_FILENO))
		return cli_usage_error("record",
		                       "record put: inside the shell, give --file PATH");
	/* Unlock first: a wrong passphrase should not cost reading the data. */
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	ctx->about_case = case_id;
	if (cls == 0 && (r = record_class(ctx, case_id, pos[1], &cls)) != 0)
		return r;
	ctx->about_classes = cls;
	if (file) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cli_error("cannot open %s: %s", file, strerror(errno));
		r = read_all_secure(fd, file, &data);
		close(fd);
	} else {
		tty = isatty(STDIN_FILENO);
		if (tty)
			fprintf(stderr, "Type the note for %s (%s); end with Ctrl-D on a line"
			        " of its own:\n", pos[1], vault_class_name((vault_class)cls));
		r = read_all_secure(STDIN_FILENO, "standard input", &data);
		if (tty)
			clearerr(stdin);
	}
	if (r)
		return r;
	if (data.len == 0 && !empty_ok) {
		cli_secret_free(&data);
		return cli_usage_error("record",
		                       "record put: the note is empty, nothing was stored (give"
		                       " --empty to store an empty version)");
	}
	st = vault_record_put(ctx->v, case_id, pos[1], (vault_class)cls, data.data,
	                      data.len, &version);
	cli_secret_free(&data);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:s, s:s, s:I}", "case", case_id,
		                                "name", pos[1], "class",
		                                vault_class_name((vault_class)cls),
		                                "version", (json_int_t)version));
	printf("stored %s version %u (%s)\n", pos[1], (unsigned)version,
	       vault_class_name((vault_class)cls));
	return CLI_EXIT_OK;
}

/* ---- get --------------------------------------------------------------- */

static json_t *record_json(const vault_record_info *info)
{
	return json_pack("{s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:b}", "case",
	                 cli_str_json(info->case_id), "name", cli_str_json(info->name),
	                 "class", cli_str_json(vault_class_name(info->cls)), "version",
	                 (json_int_t)info->version, "size", (json_int_t)info->size,
	                 "author", cli_str_json(info->author), "created",
	                 cli_time_json(info->created), "deleted", info->deleted);
}

static int keep_info(const vault_record_info *info, void *arg)
{
	json_t **out = arg;

	json_decref(*out);
	*out = record_json(info);
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Base64 (RFC 4648) for binary content in JSON; jansson has none. */
static json_t *base64_json(const unsigned char *p, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t olen = (len + 2) / 3 * 4;
	char *out = vault_secure_malloc(olen + 1);
	size_t o = 0;
	json_t *j;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	j = json_stringn(out, o);
	vault_secure_free(out);
	return j;
}

/* Write the record to `path` as a new 0600 file in the same folder, synced,
 * then moved into place: never a half-written file, never the mode of a
 * file that was there.  Without `force` an existing path is kept (link(2)
 * fails on it, so a file that appeared meanwhile is not replaced either). */
static int write_out(const char *path, const unsigned char *data, size_t len, int force)
{
	char tmp[4096];
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	int fd, err = 0, n;

	n = snprintf(tmp, sizeof(tmp), "%.*s.vault-out-XXXXXX", (int)dirlen, path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return cli_error("path too long: %s", path);
	fd = mkstemp(tmp); /* 0600, O_EXCL */
	if (fd < 0)
		return cli_error("cannot create a file next to %s: %s", path, strerror(errno));
	if (fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err == 0) {
		if (force) {
			if (rename(tmp, path) != 0)
				err = errno;
		} else if (link(tmp, path) != 0) {
			err = errno;
		}
	}
	unlink(tmp); /* after link(2), or after a failure */
	if (err == EEXIST)
		return cli_error_code(CLI_EXIT_USAGE, "give --force to replace it",
		                      "%s already exists; nothing was written", path);
	if (err)
		return cli_error("cannot write %s: %s", path, strerror(err));
	return CLI_EXIT_OK;
}

static int record_get(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE", "NAME"};
	const char *version_text = NULL, *out_path = NULL, *class_text = NULL;
	unsigned int cls = 0;
	int force = 0;
	const struct cli_opt opts[] = {
		CLI_STR("class", &class_text),
		CLI_STR("version", &version_text),
		CLI_STR("out", &out_path),
		CLI_FLAG("force", &force),
		CLI_OPT_END,
	};
	vault_buf buf = VAULT_BUF_INIT;
	char case_id[VAULT_ID_BUFSIZE];
	json_t *info = NULL;
	uint64_t version = 0;
	struct stat sb;
	vault_status st;
	char *pos[2];
	int r;

	r = cli_parse("record get", argc - 1, argv + 1, opts, names, 2, 2, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (version_text &&
	    (r = cli_parse_uint("record get", "version", version_text, UINT32_MAX,
	                        &version)) != 0)
		return r;
	if ((r = one_class("record get", "class", class_text, &cls)) != 0)
		return r;
	if (force && out_path == NULL)
		return cli_usage_error("record", "record get: --force goes with --out PATH");
	/* Before decrypting anything: the answer would be the same after. */
	if (out_path && !force && lstat(out_path, &sb) == 0)
		return cli_error_code(CLI_EXIT_USAGE, "give --force to replace it",
		                      "%s already exists; nothing was written", out_path);
	/* --force replaces a file, never a link, a device or a pipe. */
	if (out_path && force && lstat(out_path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return cli_error_code(CLI_EXIT_USAGE, "choose a new file name",
		                      "%s is not a regular file: --force replaces only files;"
		                      " nothing was written", out_path);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	ctx->about_case = case_id;
	st = vault_record_get_v2(ctx->v, case_id, pos[1], cls, (uint32_t)version, &buf,
	                         keep_info, &info);
	if (st != VAULT_OK) {
		json_decref(info);
		return cli_fail(ctx, st);
	}
	if (out_path) {
		r = write_out(out_path, buf.data, buf.len, force);
		if (r == 0 && ctx->json && info) {
			json_object_set_new(info, "out", json_string(out_path));
			r = cli_json_print(json_incref(info));
		} else if (r == 0 && ctx->json) {
			r = cli_error("out of memory");
		}
	} else if (ctx->json) {
		json_t *text = json_stringn((const char *)buf.data, buf.len);

		if (info == NULL) {
			json_decref(text);
			r = cli_error("out of memory");
		} else {
			/* json_stringn refuses invalid UTF-8: binary goes as base64. */
			if (text)
				json_object_set_new(info, "data", text);
			else
				json_object_set_new(info, "data_base64",
				                    base64_json(buf.data, buf.len));
			r = cli_json_print(json_incref(info));
		}
	} else {
		fflush(stdout);
		if (write_all(STDOUT_FILENO, buf.data, buf.len) != 0)
			r = cli_error("cannot write the record: %s", strerror(errno));
	}
	vault_buf_free(&buf);
	json_decref(info);
	return r;
}

/* ---- list, history ----------------------------------------------------- */

struct record_list {
	struct cli_table table;
	json_t *arr;
	int history; /* columns of `history` rather than `list` */
};

static int record_row(const vault_record_info *info, void *arg)
{
	struct record_list *l = arg;
	char t[CLI_TIME_BUFSIZE], ver[16], size[24];
	const char *cls = vault_class_name(info->cls);
	const char *status = info->redacted_by ? "redacted" : info->deleted ? "deleted" : "";

	if (l->arr) {
		json_array_append_new(l->arr, record_json(info));
		return 0;
	}
	snprintf(ver, sizeof(ver), "%u", (unsigned)info->version);
	snprintf(size, sizeof(size), "%zu", info->size);
	if (l->history)
		cli_table_add(&l->table, ver, cls, size, info->author,
		              cli_time_str(info->created, t), status);
	else
		cli_table_add(&l->table, info->name, cls, ver, size, info->author,
		              cli_time_str(info->created, t), status);
	return 0;
}

static int record_list_or_history(struct cli_ctx *ctx, int argc, char **argv,
                                  int history)
{
	static const char *const names[] = {"CASE", "NAME"};
	static const char *const list_headers[] = {"NAME",   "CLASS",   "VERSION", "SIZE",
	                                           "AUTHOR", "UPDATED", "STATUS"};
	static const char *const hist_headers[] = {"VERSION", "CLASS",   "SIZE",
	                                           "AUTHOR",  "CREATED", "STATUS"};
	const char *class_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("class", &class_text),
		CLI_OPT_END,
	};
	unsigned int cls = 0;
	struct record_list l;
	char case_id[VAULT_ID_BUFSIZE];
	vault_status st;
	char *pos[2];
	int r;

	r = cli_parse(history ? "record history" : "record list", argc - 1, argv + 1,
	              history ? opts : NULL, names, history ? 2 : 1, history ? 2 : 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = one_class("record history", "class", class_text, &cls)) != 0)
		return r;
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	l.history = history;
	if (history)
		cli_table_init(&l.table, 6, hist_headers);
	else
		cli_table_init(&l.table, 7, list_headers);
	l.arr = ctx->json ? json_array() : NULL;
	if (history)
		st = vault_record_history_v2(ctx->v, case_id, pos[1], cls, record_row, &l);
	else
		st = vault_record_foreach(ctx->v, case_id, record_row, &l);
	if (st != VAULT_OK) {
		json_decref(l.arr);
		cli_table_free(&l.table);
		return cli_fail(ctx, st);
	}
	r = ctx->json ? cli_json_print(l.arr) : cli_table_print(&l.table, "no records");
	cli_table_free(&l.table);
	return r;
}

static int record_list(struct cli_ctx *ctx, int argc, char **argv)
{
	return record_list_or_history(ctx, argc, argv, 0);
}

static int record_history(struct cli_ctx *ctx, int argc, char **argv)
{
	return record_list_or_history(ctx, argc, argv, 1);
}

/* ---- delete ------------------------------------------------------------ */

static int record_delete(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE", "NAME"};
	const char *class_text = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("class", &class_text),
		CLI_OPT_END,
	};
	unsigned int cls = 0;
	char case_id[VAULT_ID_BUFSIZE];
	uint32_t version = 0;
	vault_status st;
	char *pos[2];
	int r;

	r = cli_parse("record delete", argc - 1, argv + 1, opts, names, 2, 2, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = one_class("record delete", "class", class_text, &cls)) != 0)
		return r;
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	ctx->about_case = case_id;
	if ((st = vault_record_delete_v2(ctx->v, case_id, pos[1], cls, &version)) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:s, s:I, s:b}", "case", case_id,
		                                "name", pos[1], "version",
		                                (json_int_t)version, "deleted", 1));
	printf("deleted %s (tombstone version %u; earlier versions stay in its "
	       "history)\n",
	       pos[1], (unsigned)version);
	return CLI_EXIT_OK;
}

/* ---- reclassify, redact ------------------------------------------------- */

static int record_reclassify(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE", "NAME"};
	const char *from_text = NULL, *to_text = NULL, *reason = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("from", &from_text),
		CLI_STR("to", &to_text),
		CLI_STR("reason", &reason),
		CLI_OPT_END,
	};
	unsigned int from = 0, to = 0;
	char case_id[VAULT_ID_BUFSIZE];
	uint32_t version = 0;
	vault_status st;
	char *pos[2];
	int r;

	r = cli_parse("record reclassify", argc - 1, argv + 1, opts, names, 2, 2, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (from_text == NULL || to_text == NULL)
		return cli_usage_error("record", "record reclassify: give --from and --to");
	if ((r = one_class("record reclassify", "from", from_text, &from)) != 0 ||
	    (r = one_class("record reclassify", "to", to_text, &to)) != 0)
		return r;
	if (from == to)
		return cli_usage_error("record", "record reclassify: --from and --to are the"
		                       " same class");
	if (to < from && (reason == NULL || strlen(reason) < VAULT_BREAK_GLASS_REASON_MIN))
		return cli_usage_error("record", "record reclassify: moving content down"
		                       " needs --reason of at least %d bytes",
		                       VAULT_BREAK_GLASS_REASON_MIN);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	ctx->about_case = case_id;
	st = vault_record_reclassify(ctx->v, case_id, pos[1], from, to, reason, &version);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:s, s:s, s:s, s:I}", "case", case_id,
		                                "name", pos[1], "from",
		                                vault_class_name((vault_class)from), "to",
		                                vault_class_name((vault_class)to), "version",
		                                (json_int_t)version));
	printf("moved %s from %s to %s (version %u there); every %s version is redacted\n",
	       pos[1], vault_class_name((vault_class)from), vault_class_name((vault_class)to),
	       (unsigned)version, vault_class_name((vault_class)from));
	return CLI_EXIT_OK;
}

static int record_redact(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE", "NAME"};
	const char *class_text = NULL, *version_text = NULL, *reason = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("class", &class_text),
		CLI_STR("version", &version_text),
		CLI_STR("reason", &reason),
		CLI_OPT_END,
	};
	unsigned int cls = 0;
	uint64_t version = 0;
	char case_id[VAULT_ID_BUFSIZE];
	vault_status st;
	char *pos[2];
	int r;

	r = cli_parse("record redact", argc - 1, argv + 1, opts, names, 2, 2, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = one_class("record redact", "class", class_text, &cls)) != 0)
		return r;
	if (version_text == NULL)
		return cli_usage_error("record", "record redact: give --version N");
	if ((r = cli_parse_uint("record redact", "version", version_text, UINT32_MAX,
	                        &version)) != 0)
		return r;
	if (version == 0)
		return cli_usage_error("record", "record redact: versions start at 1");
	if (reason == NULL || strlen(reason) < VAULT_BREAK_GLASS_REASON_MIN)
		return cli_usage_error("record", "record redact: --reason of at least %d bytes"
		                       " is required", VAULT_BREAK_GLASS_REASON_MIN);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	ctx->about_case = case_id;
	st = vault_record_redact(ctx->v, case_id, pos[1], cls, (uint32_t)version, reason);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s, s:s, s:I, s:b}", "case", case_id, "name",
		                                pos[1], "version", (json_int_t)version,
		                                "redacted", 1));
	printf("redacted version %u of %s: its content is gone from the vault's files\n",
	       (unsigned)version, pos[1]);
	return CLI_EXIT_OK;
}

int cmd_record(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{"put", record_put},
		{"get", record_get},
		{"list", record_list},
		{"history", record_history},
		{"delete", record_delete},
		{"reclassify", record_reclassify},
		{"redact", record_redact},
		{NULL, NULL},
	};

	return cli_subcommand(ctx, "record", argc, argv, subs);
}
