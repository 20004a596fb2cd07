/*
 * cmd_audit.c - `vault audit log|export|checkpoint|verify|id|vkey|prove|
 * check-proof|cosign`.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char cli_usage_audit[] =
	"usage: vault audit log [--case C] [--actor U] [--org O] [--action A]\n"
	"                       [--outcome ok|denied|error] [--since T] [--until T]\n"
	"                       [--high] [--limit N] [--wide]\n"
	"   or: vault audit export --out FILE\n"
	"   or: vault audit checkpoint [--out FILE]\n"
	"   or: vault audit verify [--checkpoint FILE]\n"
	"   or: vault audit verify --export FILE --vault-id ID [--checkpoint FILE]\n"
	"   or: vault audit id\n"
	"   or: vault audit vkey [USER]\n"
	"   or: vault audit prove --entry SEQ [--checkpoint FILE] [--out FILE]\n"
	"   or: vault audit prove --from FILE [--checkpoint FILE] [--out FILE]\n"
	"   or: vault audit check-proof FILE (--vkey KEY | --vkeys FILE)...\n"
	"   or: vault audit cosign FILE [--out FILE]\n"
	"\n"
	"log         List audit entries in sequence order, filtered (auditors and\n"
	"            administrators see the whole log, others their own entries).\n"
	"            The table fits 100 columns: case ids are cut to 8 digits (a\n"
	"            prefix every command accepts), long names end in '~', and '!'\n"
	"            after the outcome marks a high-severity entry; --wide shows\n"
	"            every field in full (org, role, class, purpose, reason).\n"
	"            --limit N keeps the newest N entries.  --since includes T,\n"
	"            --until excludes it; T is YYYY-MM-DD (local midnight) or\n"
	"            YYYY-MM-DDTHH:MM:SS with an optional Z or +HH:MM.  --high keeps\n"
	"            high-severity entries (break-glass, emergency bases, separation\n"
	"            refusals, hand-overs).  With --json, one JSON object per line\n"
	"            (JSON Lines).  Times are local with their offset (--utc: UTC).\n"
	"            --action takes one of these names:\n"
	"              vault.create vault.open facts.legacy auth.fail org.add\n"
	"              org.list user.add user.list user.disable user.rekey\n"
	"              org.rotate vault.rekey case.create case.list\n"
	"              case.list.restricted case.show case.link case.links\n"
	"              record.put record.get record.list record.history\n"
	"              record.delete record.redact record.reclassify consent.add\n"
	"              consent.list consent.withdraw\n"
	"              share revoke grant.list break-glass audit.query\n"
	"              audit.export audit.checkpoint audit.verify.start\n"
	"              audit.verify report.access report.review\n"
	"              case.indicators.set case.indicators.get stats.export\n"
	"export      Write the whole log to FILE as JSON Lines, for offline\n"
	"            verification, and FILE.checkpoint: a checkpoint of exactly\n"
	"            what was exported, which verify --export then checks.  Shows\n"
	"            progress when stderr is a terminal.\n"
	"checkpoint  Print (or write to FILE) a signed checkpoint of the log as it\n"
	"            is now: its size and Merkle tree root (a C2SP tlog-checkpoint\n"
	"            in a signed note).  Keep it: verifying against it later\n"
	"            detects a log that was cut, rolled back or forked.  With\n"
	"            --json, also your verifier key.\n"
	"verify      Verify the chain, hashes, signatures and key history of the\n"
	"            log in the vault or, with --export, of an exported file; with\n"
	"            --checkpoint, also that the log extends that checkpoint.\n"
	"            With --export no vault, user or passphrase is needed, but the\n"
	"            vault id you pinned is.  Prints \"ok: N entries\" or \"FAILED\n"
	"            at entry N: reason\" (exit code 6), and which kind of\n"
	"            checkpoint was checked (a 1.0 one holds a hash chain head).\n"
	"id          Print the vault id (the hash of the first audit entry) so an\n"
	"            auditor can pin it.  It is the id pinned in your own key\n"
	"            slot; if the database says another, a WARNING says so and the\n"
	"            exit code is 6 (the log may have been rewritten).  Verification\n"
	"            in the vault checks the log against the same pinned id.\n"
	"vkey        Print the verifier key of USER (default: you) in the signed-\n"
	"            note form name+hash+base64(0x01||key), for whoever checks\n"
	"            checkpoints and proofs (Go's sumdb/note reads it as it is).\n"
	"prove       Print an RFC 6962 proof as JSON: with --entry, that entry SEQ\n"
	"            is in the log (the entry, its audit path, the checkpoint); with\n"
	"            --from, that the log of that checkpoint is a prefix of the log\n"
	"            now.  Against --checkpoint FILE if given, else a checkpoint you\n"
	"            sign now.  An entry's proof shows nothing of other entries.\n"
	"check-proof Check a proof offline (no vault, user or passphrase) with the\n"
	"            verifier keys you trust.  Prints \"ok\" or \"FAILED: reason\"\n"
	"            (exit code 6).\n"
	"cosign      Witness a checkpoint of this vault's log: check it against the\n"
	"            log, then print it with your signature line added (a signed-\n"
	"            note Ed25519 signature; verify it with your vkey).\n";

/* Longest checkpoint file we read: a signed note is a few hundred bytes. */
#define CHECKPOINT_MAX 65536

/* Every action the library records (tests/e2e/cli.sh checks this list
 * against lib/ and the man page).  An --action outside it is a mistake. */
static const char *const audit_actions[] = {
	"vault.create", "vault.open", "facts.legacy", "auth.fail", "org.add", "org.list", "user.add",
	"user.list", "user.disable", "user.rekey", "org.rotate", "vault.rekey", "case.create",
	"case.list",
	"case.list.restricted", "case.show", "case.link", "case.links", "record.put",
	"record.get", "record.list", "record.history", "record.delete", "record.redact",
	"record.reclassify", "consent.add",
	"consent.list", "consent.withdraw", "share", "revoke", "grant.list",
	"break-glass", "audit.query", "audit.export", "audit.checkpoint",
	"audit.verify.start", "audit.verify", "report.access", "report.review",
	"case.indicators.set", "case.indicators.get",
	"stats.export", NULL,
};

static int known_action(const char *a)
{
	for (size_t i = 0; audit_actions[i]; i++)
		if (strcmp(audit_actions[i], a) == 0)
			return 1;
	return 0;
}

/* At most `max` characters of s (UTF-8), the last one '~' when cut. */
static const char *cut(const char *s, size_t max, char *buf, size_t size)
{
	size_t chars = 0, i, keep = 0;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (chars == max - 1)
			keep = i; /* bytes of the first max-1 characters */
		chars++;
	}
	if (chars <= max || keep + 2 > size)
		return s;
	memcpy(buf, s, keep);
	buf[keep] = '~';
	buf[keep + 1] = '\0';
	return buf;
}

struct audit_log {
	struct cli_table table;
	int json;
	int wide;
	int failed;
	/* --limit N: the newest N entries, as JSON, in a ring. */
	uint64_t limit;
	json_t **ring;
	size_t cap, n, head;
};

static json_t *entry_json(const vault_audit_entry *e)
{
	json_t *o = json_object();
	char t[CLI_TIME_BUFSIZE];

	if (o == NULL)
		return NULL;
	/* Field names as in the export (SECURITY.md), plus "high". */
	json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
	json_object_set_new(o, "ts", json_string(cli_time_str(e->ts, t)));
	json_object_set_new(o, "actor", cli_str_json(e->actor));
	json_object_set_new(o, "org", cli_str_json(e->org));
	json_object_set_new(o, "role", cli_str_json(e->role));
	json_object_set_new(o, "action", cli_str_json(e->action));
	json_object_set_new(o, "case", cli_str_json(e->case_id));
	json_object_set_new(o, "target", cli_str_json(e->target));
	json_object_set_new(o, "class", cli_str_json(e->cls));
	json_object_set_new(o, "outcome", cli_str_json(vault_outcome_name(e->outcome)));
	json_object_set_new(o, "reason", cli_str_json(e->reason));
	json_object_set_new(o, "purpose", cli_str_json(e->purpose));
	json_object_set_new(o, "high", json_boolean(e->high));
	json_object_set_new(o, "newkey", cli_str_json(e->newkey));
	json_object_set_new(o, "prev", cli_str_json(e->prev));
	json_object_set_new(o, "hash", cli_str_json(e->hash));
	json_object_set_new(o, "sig", cli_str_json(e->sig));
	json_object_set_new(o, "key", cli_str_json(e->key));
	return o;
}

/* "" reads better as "-" in a table. */
static const char *dash(const char *s)
{
	return (s && s[0]) ? s : "-";
}

static const char *jget(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* One entry (as JSON, the one form both outputs share) out: a JSON line, or
 * a table row. */
static int emit(struct audit_log *l, json_t *e)
{
	char seq[24], a[64], t[64], c[16];
	const char *outcome = jget(e, "outcome");
	int high = json_is_true(json_object_get(e, "high"));

	if (l->json)
		return cli_json_line(json_incref(e));
	snprintf(seq, sizeof(seq), "%lld", (long long)json_integer_value(json_object_get(e, "seq")));
	if (l->wide) {
		cli_table_add(&l->table, seq, jget(e, "ts"), dash(jget(e, "actor")),
		              dash(jget(e, "org")), dash(jget(e, "role")), dash(jget(e, "action")),
		              dash(jget(e, "case")), dash(jget(e, "target")), dash(jget(e, "class")),
		              dash(outcome), high ? "high" : "", dash(jget(e, "purpose")),
		              dash(jget(e, "reason")));
		return 0;
	}
	snprintf(c, sizeof(c), "%.8s", jget(e, "case"));
	{
		char o[16];

		snprintf(o, sizeof(o), "%s%s", dash(outcome), high ? "!" : "");
		cli_table_add(&l->table, seq, jget(e, "ts"),
		              dash(cut(jget(e, "actor"), 10, a, sizeof(a))),
		              dash(jget(e, "action")), dash(c),
		              dash(cut(jget(e, "target"), 10, t, sizeof(t))), o);
	}
	return 0;
}

static int log_row(const vault_audit_entry *e, void *arg)
{
	struct audit_log *l = arg;
	json_t *j = entry_json(e);

	if (j == NULL) {
		l->failed = cli_error("out of memory");
		return 1;
	}
	if (l->limit == 0) {
		/* Streamed as they come: a log can be long. */
		if (emit(l, j) != 0)
			l->failed = 1;
		json_decref(j);
		return l->failed;
	}
	if (l->n < l->cap) {
		l->ring[(l->head + l->n++) % l->cap] = j;
		return 0;
	}
	if (l->cap < l->limit && l->cap < (size_t)1 << 20) {
		/* Grow: the ring is still in order from index 0. */
		size_t ncap = l->cap ? l->cap * 2 : 64;
		json_t **nr;

		if (ncap > l->limit)
			ncap = (size_t)l->limit;
		nr = realloc(l->ring, ncap * sizeof(*nr));
		if (nr == NULL) {
			json_decref(j);
			l->failed = cli_error("out of memory");
			return 1;
		}
		l->ring = nr;
		l->cap = ncap;
		l->ring[l->n++] = j;
		return 0;
	}
	/* Full: the oldest goes. */
	json_decref(l->ring[l->head]);
	l->ring[l->head] = j;
	l->head = (l->head + 1) % l->cap;
	return 0;
}

static int audit_log(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const wide_headers[] = {
		"SEQ",   "TIME",    "ACTOR",   "ORG",     "ROLE",     "ACTION", "CASE",
		"TARGET", "CLASS", "OUTCOME", "SEVERITY", "PURPOSE", "REASON"};
	static const char *const headers[] = {"SEQ",  "TIME",   "ACTOR",  "ACTION",
	                                      "CASE", "TARGET", "OUTCOME"};
	const char *case_id = NULL, *actor = NULL, *org = NULL, *action = NULL,
	           *outcome = NULL, *since = NULL, *until = NULL, *limit = NULL;
	int high = 0, wide = 0;
	const struct cli_opt opts[] = {
		CLI_STR("case", &case_id),
		CLI_STR("actor", &actor),
		CLI_STR("org", &org),
		CLI_STR("action", &action),
		CLI_STR("outcome", &outcome),
		CLI_STR("since", &since),
		CLI_STR("until", &until),
		CLI_FLAG("high", &high),
		CLI_STR("limit", &limit),
		CLI_FLAG("wide", &wide),
		CLI_OPT_END,
	};
	vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
	struct audit_log l;
	vault_status st;
	uint64_t lim = 0;
	char *pos[1];
	int r;

	r = cli_parse("audit log", argc - 1, argv + 1, opts, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (outcome && vault_outcome_parse(outcome, &q.outcome) != VAULT_OK)
		return cli_usage_error("audit",
		                       "audit log: bad --outcome '%s' (expected ok, denied "
		                       "or error)",
		                       outcome);
	if (action && !known_action(action))
		return cli_usage_error("audit",
		                       "audit log: unknown --action '%s' (the names are listed "
		                       "in 'vault help audit')",
		                       action);
	if (since && (r = cli_parse_time("audit log", "since", since, &q.since)) != 0)
		return r;
	if (until && (r = cli_parse_time("audit log", "until", until, &q.until)) != 0)
		return r;
	if (limit &&
	    (r = cli_parse_uint("audit log", "limit", limit, UINT64_MAX, &lim)) != 0)
		return r;
	if (limit && lim == 0)
		return cli_usage_error("audit", "audit log: --limit must be at least 1");
	q.case_id = case_id;
	q.actor = actor;
	q.org = org;
	q.action = action;
	q.high_only = high;
	if ((r = cli_open(ctx)) != 0)
		return r;
	memset(&l, 0, sizeof(l));
	if (wide)
		cli_table_init(&l.table, 13, wide_headers);
	else
		cli_table_init(&l.table, 7, headers);
	l.json = ctx->json;
	l.wide = wide;
	l.limit = lim;
	st = vault_audit_foreach(ctx->v, &q, log_row, &l);
	for (size_t i = 0; i < l.n; i++) {
		json_t *j = l.ring[(l.head + i) % l.cap];

		if (!l.failed && st == VAULT_OK && emit(&l, j) != 0)
			l.failed = 1;
		json_decref(j);
	}
	free(l.ring);
	if (l.failed) {
		cli_table_free(&l.table);
		return CLI_EXIT_ERROR;
	}
	if (st != VAULT_OK) {
		cli_table_free(&l.table);
		return cli_fail(ctx, st);
	}
	r = ctx->json ? CLI_EXIT_OK : cli_table_print(&l.table, "no entries");
	cli_table_free(&l.table);
	return r;
}

/* ---- export ------------------------------------------------------------ */

static int audit_export(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *out = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("out", &out),
		CLI_OPT_END,
	};
	struct cli_progress p = {"exporting", 0, 0};
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("audit export", argc - 1, argv + 1, opts, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (out == NULL)
		return cli_usage_error("audit", "audit export: missing --out FILE");
	if ((r = cli_open(ctx)) != 0)
		return r;
	st = vault_audit_export(ctx->v, out, cli_progress_cb, &p);
	cli_progress_end(&p);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s}", "out", out));
	printf("exported the audit log to %s\n", out);
	return CLI_EXIT_OK;
}

/* ---- checkpoint -------------------------------------------------------- */

static int audit_checkpoint(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *out = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("out", &out),
		CLI_OPT_END,
	};
	vault_buf note = VAULT_BUF_INIT, vkey = VAULT_BUF_INIT;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("audit checkpoint", argc - 1, argv + 1, opts, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((st = vault_audit_checkpoint(ctx->v, &note)) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json && (st = vault_audit_vkey(ctx->v, NULL, &vkey)) != VAULT_OK) {
		vault_buf_free(&note);
		return cli_fail(ctx, st);
	}
	if (out) {
		FILE *f = fopen(out, "wb");

		if (f == NULL) {
			r = cli_error("cannot create %s: %s", out, strerror(errno));
		} else {
			size_t n = fwrite(note.data, 1, note.len, f);

			if (fclose(f) != 0 || n != note.len)
				r = cli_error("cannot write %s", out);
		}
		if (r == 0 && ctx->json)
			r = cli_json_print(json_pack("{s:s, s:s%, s:s}", "out", out, "checkpoint",
			                             (const char *)note.data, note.len, "vkey",
			                             (const char *)vkey.data));
		else if (r == 0)
			printf("wrote the checkpoint to %s\n", out);
	} else if (ctx->json) {
		r = cli_json_print(json_pack("{s:s%, s:s}", "checkpoint", (const char *)note.data,
		                             note.len, "vkey", (const char *)vkey.data));
	} else {
		fwrite(note.data, 1, note.len, stdout);
		if (note.len == 0 || note.data[note.len - 1] != '\n')
			fputc('\n', stdout);
	}
	vault_buf_free(&note);
	vault_buf_free(&vkey);
	return r;
}

/* ---- verify ------------------------------------------------------------ */

static json_t *kind_json(int kind)
{
	if (kind == VAULT_CHECKPOINT_CHAIN)
		return json_string("chain");
	if (kind == VAULT_CHECKPOINT_TREE)
		return json_string("tree");
	return json_null();
}

/* The reason without a leading "entry N: " that would repeat our own. */
static const char *reason_text(const vault_verify_result *res, vault_status st)
{
	char prefix[48];
	size_t n;

	if (res->reason[0] == '\0')
		return vault_strerror(st);
	snprintf(prefix, sizeof(prefix), "entry %llu: ", (unsigned long long)res->bad_seq);
	n = strlen(prefix);
	return strncmp(res->reason, prefix, n) == 0 ? res->reason + n : res->reason;
}

static int audit_verify(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *export_path = NULL, *vault_id = NULL, *cp_path = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("export", &export_path),
		CLI_STR("vault-id", &vault_id),
		CLI_STR("checkpoint", &cp_path),
		CLI_OPT_END,
	};
	struct cli_progress p = {"verifying", 0, 0};
	vault_verify_result res;
	char *checkpoint = NULL;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("audit verify", argc - 1, argv + 1, opts, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (export_path && vault_id == NULL)
		return cli_usage_error("audit",
		                       "audit verify: --export needs --vault-id ID (the "
		                       "vault id you pinned)");
	if (vault_id && export_path == NULL)
		return cli_usage_error("audit", "audit verify: --vault-id goes with --export");
	if (vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION) != VAULT_OK)
		return cli_error("cannot initialise the verification result");
	if (cp_path && (r = cli_read_text_file(cp_path, CHECKPOINT_MAX, &checkpoint)) != 0)
		return r;
	if (export_path) {
		/* Offline: an auditor with the file and the pinned id, no vault. */
		st = vault_audit_verify_export(export_path, vault_id, checkpoint, &res,
		                               cli_progress_cb, &p);
	} else {
		if ((r = cli_open(ctx)) != 0) {
			free(checkpoint);
			return r;
		}
		st = vault_audit_verify(ctx->v, checkpoint, &res, cli_progress_cb, &p);
	}
	cli_progress_end(&p);
	free(checkpoint);

	if (st == VAULT_OK) {
		if (ctx->json)
			return cli_json_print(json_pack("{s:b, s:I, s:o}", "ok", 1, "entries",
			                                (json_int_t)res.entries, "checkpoint_kind",
			                                kind_json(res.checkpoint_kind)));
		printf("ok: %llu entries\n", (unsigned long long)res.entries);
		if (res.checkpoint_kind == VAULT_CHECKPOINT_CHAIN)
			printf("checkpoint: of the 1.0 kind (hash chain head): the log "
			       "extends it; no Merkle proof can be made against it\n");
		else if (res.checkpoint_kind == VAULT_CHECKPOINT_TREE)
			printf("checkpoint: Merkle tree root: the log extends it\n");
		return CLI_EXIT_OK;
	}
	if (st == VAULT_ERR_INTEGRITY || st == VAULT_ERR_CORRUPT) {
		/* The verdict is the command's output; the error line follows on
		 * stderr like every other failure. */
		res.reason[sizeof(res.reason) - 1] = '\0';
		if (ctx->json) {
			/* One document: the verdict carries the error fields, and
			 * the error line goes to stderr only. */
			int code;

			cli_json_print(json_pack("{s:b, s:I, s:I, s:s, s:s, s:i, s:i}", "ok", 0,
			                         "entries", (json_int_t)res.entries, "bad_seq",
			                         (json_int_t)res.bad_seq, "reason", res.reason,
			                         "error", vault_strerror(st), "status", (int)st,
			                         "exit", cli_exit_code(st)));
			fflush(stdout);
			ctx->json = 0;
			code = cli_fail(ctx, st);
			ctx->json = 1;
			return code;
		} else
			printf("FAILED at entry %llu: %s\n", (unsigned long long)res.bad_seq,
			       reason_text(&res, st));
		/* The verdict first, then the error line, even through pipes. */
		fflush(stdout);
	}
	return cli_fail(ctx, st);
}

/* ---- id ---------------------------------------------------------------- */

static int audit_id(struct cli_ctx *ctx, int argc, char **argv)
{
	char id[VAULT_VAULT_ID_BUFSIZE];
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("audit id", argc - 1, argv + 1, NULL, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	st = vault_id(ctx->v, id);
	if (st == VAULT_ERR_INTEGRITY) {
		/* The id pinned in the user's key slot, and a loud warning: the
		 * database says another, so the log may have been rewritten. */
		fprintf(stderr, "vault: WARNING: %s\n", vault_errmsg(ctx->v));
		if (ctx->json)
			cli_json_print(json_pack("{s:s, s:b}", "vault_id", id, "database_agrees", 0));
		else
			printf("%s\n", id);
		return cli_exit_code(st);
	}
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s}", "vault_id", id));
	printf("%s\n", id);
	return CLI_EXIT_OK;
}

/* ---- vkey, prove, check-proof, cosign ------------------------------------ */

/* Text to stdout (or FILE), JSON wrapped as {key: text} with --json. */
static int print_text(struct cli_ctx *ctx, const vault_buf *b, const char *out,
                      const char *key, int is_json_doc)
{
	int r = 0;

	if (out) {
		FILE *f = fopen(out, "wb");

		if (f == NULL)
			return cli_error("cannot create %s: %s", out, strerror(errno));
		if (fwrite(b->data, 1, b->len, f) != b->len)
			r = cli_error("cannot write %s", out);
		if (fclose(f) != 0 && r == 0)
			r = cli_error("cannot write %s", out);
		if (r == 0 && ctx->json)
			r = cli_json_print(json_pack("{s:s}", "out", out));
		else if (r == 0)
			printf("wrote the %s to %s\n", key, out);
		return r;
	}
	if (ctx->json && !is_json_doc)
		return cli_json_print(json_pack("{s:s%}", key, (const char *)b->data, b->len));
	fwrite(b->data, 1, b->len, stdout);
	if (b->len == 0 || b->data[b->len - 1] != '\n')
		fputc('\n', stdout);
	return CLI_EXIT_OK;
}

static int audit_vkey(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"USER"};
	vault_buf b = VAULT_BUF_INIT;
	vault_status st;
	char *pos[1] = {NULL};
	int r;

	r = cli_parse("audit vkey", argc - 1, argv + 1, NULL, names, 0, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((st = vault_audit_vkey(ctx->v, pos[0], &b)) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		r = cli_json_print(json_pack("{s:s, s:s}", "user", pos[0] ? pos[0] : ctx->user,
		                             "vkey", (const char *)b.data));
	else
		r = print_text(ctx, &b, NULL, "vkey", 0);
	vault_buf_free(&b);
	return r;
}

static int audit_prove(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *entry = NULL, *from = NULL, *cp_path = NULL, *out = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("entry", &entry),
		CLI_STR("from", &from),
		CLI_STR("checkpoint", &cp_path),
		CLI_STR("out", &out),
		CLI_OPT_END,
	};
	vault_buf b = VAULT_BUF_INIT;
	char *cp = NULL, *old = NULL, *pos[1];
	uint64_t seq = 0;
	vault_status st;
	int r;

	r = cli_parse("audit prove", argc - 1, argv + 1, opts, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((entry == NULL) == (from == NULL))
		return cli_usage_error("audit", "audit prove: give exactly one of --entry SEQ "
		                       "or --from CHECKPOINT");
	if (entry && (r = cli_parse_uint("audit prove", "entry", entry, UINT64_MAX, &seq)) != 0)
		return r;
	if (cp_path && (r = cli_read_text_file(cp_path, CHECKPOINT_MAX, &cp)) != 0)
		return r;
	if (from && (r = cli_read_text_file(from, CHECKPOINT_MAX, &old)) != 0) {
		free(cp);
		return r;
	}
	if ((r = cli_open(ctx)) == 0) {
		st = entry ? vault_audit_prove_inclusion(ctx->v, seq, cp, &b)
		           : vault_audit_prove_consistency(ctx->v, old, cp, &b);
		r = st == VAULT_OK ? print_text(ctx, &b, out, "proof", 1) : cli_fail(ctx, st);
	}
	vault_buf_free(&b);
	free(cp);
	free(old);
	return r;
}

#define VKEYS_MAX 64
#define VKEY_FILE_MAX 65536

static int audit_check_proof(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"FILE"};
	const char *vkey = NULL, *vkeys_path = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("vkey", &vkey),
		CLI_STR("vkeys", &vkeys_path),
		CLI_OPT_END,
	};
	const char *keys[VKEYS_MAX];
	char *proof = NULL, *file = NULL, *pos[1], *line, *save = NULL;
	vault_verify_result res;
	size_t n = 0;
	vault_status st;
	int r;

	r = cli_parse("audit check-proof", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (vkey == NULL && vkeys_path == NULL)
		return cli_usage_error("audit", "audit check-proof: give the verifier keys you "
		                       "trust with --vkey KEY or --vkeys FILE");
	if (vkey)
		keys[n++] = vkey;
	if (vkeys_path && (r = cli_read_text_file(vkeys_path, VKEY_FILE_MAX, &file)) != 0)
		return r;
	for (line = file ? strtok_r(file, "\n", &save) : NULL; line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (n == VKEYS_MAX) {
			free(file);
			return cli_usage_error("audit", "audit check-proof: more than %d keys",
			                       VKEYS_MAX);
		}
		keys[n++] = line;
	}
	if ((r = cli_read_text_file(pos[0], 2u * 1024u * 1024u, &proof)) != 0) {
		free(file);
		return r;
	}
	vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION);
	st = vault_audit_check_proof(proof, keys, n, &res);
	free(proof);
	free(file);
	if (st == VAULT_OK) {
		if (ctx->json)
			return cli_json_print(json_pack("{s:b, s:I}", "ok", 1, "size",
			                                (json_int_t)res.tree_size));
		printf("ok: the proof holds against a signed tree of %llu entries\n",
		       (unsigned long long)res.tree_size);
		return CLI_EXIT_OK;
	}
	if (st == VAULT_ERR_INTEGRITY) {
		if (ctx->json)
			cli_json_print(json_pack("{s:b, s:I, s:s}", "ok", 0, "bad_seq",
			                         (json_int_t)res.bad_seq, "reason", res.reason));
		else
			printf("FAILED: %s\n", res.reason);
		fflush(stdout);
	}
	return cli_fail(ctx, st);
}

static int audit_cosign(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CHECKPOINT"};
	const char *out = NULL;
	const struct cli_opt opts[] = {
		CLI_STR("out", &out),
		CLI_OPT_END,
	};
	vault_buf b = VAULT_BUF_INIT;
	char *cp = NULL, *pos[1];
	vault_status st;
	int r;

	r = cli_parse("audit cosign", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_read_text_file(pos[0], CHECKPOINT_MAX, &cp)) != 0)
		return r;
	if ((r = cli_open(ctx)) == 0) {
		st = vault_audit_cosign(ctx->v, cp, &b);
		r = st == VAULT_OK ? print_text(ctx, &b, out, "checkpoint", 0) : cli_fail(ctx, st);
	}
	vault_buf_free(&b);
	free(cp);
	return r;
}

int cmd_audit(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{"log", audit_log},
		{"export", audit_export},
		{"checkpoint", audit_checkpoint},
		{"verify", audit_verify},
		{"id", audit_id},
		{"vkey", audit_vkey},
		{"prove", audit_prove},
		{"check-proof", audit_check_proof},
		{"cosign", audit_cosign},
		{NULL, NULL},
	};

	return cli_subcommand(ctx, "audit", argc, argv, subs);
}
