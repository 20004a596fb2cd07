/*
 * cmd_case.c - `vault case new|list|show|indicators`.
 */
#include <string.h>

#include "cli.h"

const char cli_usage_case[] =
	"usage: vault case new --kind victim|perpetrator [--restricted]\n"
	"   or: vault case list [--restricted]\n"
	"   or: vault case show CASE [--grants]\n"
	"   or: vault case indicators CASE [--set KEY=VALUE[,VALUE...]...]\n"
	"\n"
	"CASE is a case id, or a unique prefix of at least 6 of its hex digits.\n"
	"\n"
	"new   Open a case owned by your organisation and print its id alone.\n"
	"      Without --restricted the whole organisation holds it; with it only\n"
	"      you do (and your organisation's supervisors through break-glass).\n"
	"list  List the cases you can read at least one class of.  --restricted\n"
	"      (supervisors): every restricted case of your organisation, whoever\n"
	"      holds it, metadata only; the listing is recorded in the audit log.\n"
	"      To hand over the case of a caseworker who left: break-glass on it,\n"
	"      then 'vault share CASE --user COLLEAGUE --classes ... --perm share'.\n"
	"show  Show a case: kind, owner, the classes you can read and write and,\n"
	"      for a victim case whose safety class you hold, the perpetrator\n"
	"      cases linked to it.  --grants also lists who holds the case\n"
	"      (needs the share right).\n"
	"indicators  Show the statistical indicators of a victim case (read on\n"
	"      its general class), or with --set change some of them (write on\n"
	"      it): KEY=VALUE, KEY=V1,V2 for the types of violence, KEY= to clear.\n"
	"      An unknown key or value is refused with the valid ones listed;\n"
	"      'vault stats vocabulary' prints them all.  Recorded.\n";

static int case_new(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *kind_text = NULL;
	int restricted = 0;
	const struct cli_opt opts[] = {
		CLI_STR("kind", &kind_text),
		CLI_FLAG("restricted", &restricted),
		CLI_OPT_END,
	};
	char id[VAULT_ID_BUFSIZE];
	vault_case_kind kind;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("case new", argc - 1, argv + 1, opts, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if (kind_text == NULL)
		return cli_usage_error("case", "case new: missing --kind victim|perpetrator");
	if (vault_case_kind_parse(kind_text, &kind) != VAULT_OK)
		return cli_usage_error("case",
		                       "case new: bad --kind '%s' (expected victim or "
		                       "perpetrator)",
		                       kind_text);
	if ((r = cli_open(ctx)) != 0)
		return r;
	st = vault_case_create(ctx->v, kind, restricted ? VAULT_CASE_RESTRICTED : 0u, id);
	if (st != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json)
		return cli_json_print(json_pack("{s:s}", "id", id));
	/* The id alone, so scripts can write CASE=$(vault case new ...). */
	printf("%s\n", id);
	return CLI_EXIT_OK;
}

static json_t *case_json(const vault_case_info *info)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:o}", "id", info->id,
	                 "kind", cli_str_json(vault_case_kind_name(info->kind)),
	                 "owner_org", cli_str_json(info->owner_org), "created_by",
	                 cli_str_json(info->created_by), "created",
	                 cli_time_json(info->created), "restricted", info->restricted,
	                 "readable", cli_classes_json(info->readable), "writable",
	                 cli_classes_json(info->writable));
}

struct case_list {
	struct cli_table table;
	json_t *arr;
	int restricted; /* the --restricted columns */
};

static int case_row(const vault_case_info *info, void *arg)
{
	struct case_list *l = arg;
	char t[CLI_TIME_BUFSIZE], rd[CLI_CLASSES_BUFSIZE], wr[CLI_CLASSES_BUFSIZE];

	if (l->arr) {
		json_array_append_new(l->arr, case_json(info));
		return 0;
	}
	if (l->restricted) {
		cli_table_add(&l->table, info->id, vault_case_kind_name(info->kind),
		              info->created_by, cli_classes_str(info->readable, rd),
		              cli_classes_str(info->writable, wr),
		              cli_time_str(info->created, t));
		return 0;
	}
	cli_table_add(&l->table, info->id, vault_case_kind_name(info->kind),
	              info->owner_org, info->restricted ? "yes" : "no",
	              cli_classes_str(info->readable, rd),
	              cli_classes_str(info->writable, wr),
	              cli_time_str(info->created, t));
	return 0;
}

static int case_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"ID",       "KIND",     "OWNER",  "RESTRICTED",
	                                      "READABLE", "WRITABLE", "CREATED"};
	static const char *const rheaders[] = {"ID",       "KIND",     "CREATED BY", "READABLE",
	                                       "WRITABLE", "CREATED"};
	int restricted = 0;
	const struct cli_opt opts[] = {
		CLI_FLAG("restricted", &restricted),
		CLI_OPT_END,
	};
	struct case_list l;
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("case list", argc - 1, argv + 1, opts, NULL, 0, 0, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if (restricted)
		cli_table_init(&l.table, 6, rheaders);
	else
		cli_table_init(&l.table, 7, headers);
	l.restricted = restricted;
	l.arr = ctx->json ? json_array() : NULL;
	st = restricted ? vault_case_foreach_restricted(ctx->v, case_row, &l)
	                : vault_case_foreach(ctx->v, case_row, &l);
	if (st != VAULT_OK) {
		json_decref(l.arr);
		cli_table_free(&l.table);
		return cli_fail(ctx, st);
	}
	r = ctx->json ? cli_json_print(l.arr)
	              : cli_table_print(&l.table, restricted ? "no restricted cases" : "no cases");
	cli_table_free(&l.table);
	return r;
}

/* What `case show` gathers before printing anything. */
struct case_show {
	json_t *info;   /* the case, as JSON (also used for the human form) */
	json_t *links;  /* array of perpetrator case ids, or NULL */
	json_t *grants; /* array of grants, or NULL */
	vault_case_kind kind;
	unsigned int readable;
};

static int show_cb(const vault_case_info *info, void *arg)
{
	struct case_show *s = arg;

	json_decref(s->info);
	s->info = case_json(info);
	s->kind = info->kind;
	s->readable = info->readable;
	return 0;
}

static int link_cb(const char *perpetrator_case, void *arg)
{
	struct case_show *s = arg;

	json_array_append_new(s->links, json_string(perpetrator_case));
	return 0;
}

static int grant_cb(const vault_grant_info *g, void *arg)
{
	struct case_show *s = arg;

	json_array_append_new(
	    s->grants,
	    json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "kind",
	              g->kind == VAULT_PRINCIPAL_ORG ? "org" : "user", "principal",
	              cli_str_json(g->principal), "classes", cli_classes_json(g->classes),
	              "perm", cli_str_json(vault_perm_name(g->perm)), "consent",
	              cli_str_json(g->consent_id), "expires", cli_time_json(g->expires),
	              "granted_by", cli_str_json(g->granted_by), "created",
	              cli_time_json(g->created)));
	return 0;
}

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "-";
}

static void print_list(json_t *arr, char *buf, size_t size)
{
	size_t n = 0, i;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(arr, i, v) {
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "",
		                      json_string_value(v) ? json_string_value(v) : "?");
		if (n >= size)
			break;
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "-");
}

static int print_case(struct case_show *s)
{
	char list[256];
	size_t i;
	json_t *g;

	printf("case        %s\n", jstr(s->info, "id"));
	printf("kind        %s\n", jstr(s->info, "kind"));
	printf("owner       %s\n", jstr(s->info, "owner_org"));
	printf("created by  %s\n", jstr(s->info, "created_by"));
	printf("created     %s\n", jstr(s->info, "created"));
	printf("restricted  %s\n",
	       json_is_true(json_object_get(s->info, "restricted")) ? "yes" : "no");
	print_list(json_object_get(s->info, "readable"), list, sizeof(list));
	printf("readable    %s\n", list);
	print_list(json_object_get(s->info, "writable"), list, sizeof(list));
	printf("writable    %s\n", list);
	if (s->links) {
		if (json_array_size(s->links) == 0)
			printf("links       -\n");
		json_array_foreach(s->links, i, g)
			printf("links       %s\n", json_string_value(g)[0] != '\0'
			                              ? json_string_value(g)
			                              : "(a link that does not open)");
	}
	if (s->grants) {
		static const char *const headers[] = {"KIND", "PRINCIPAL", "CLASSES", "PERM",
		                                      "CONSENT", "EXPIRES", "GRANTED BY"};
		struct cli_table t;
		int r;

		printf("\n");
		cli_table_init(&t, 7, headers);
		json_array_foreach(s->grants, i, g) {
			print_list(json_object_get(g, "classes"), list, sizeof(list));
			cli_table_add(&t, jstr(g, "kind"), jstr(g, "principal"), list,
			              jstr(g, "perm"), jstr(g, "consent"), jstr(g, "expires"),
			              jstr(g, "granted_by"));
		}
		r = cli_table_print(&t, "no grants");
		cli_table_free(&t);
		return r;
	}
	return CLI_EXIT_OK;
}

static int case_show(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = {"CASE"};
	int want_grants = 0;
	const struct cli_opt opts[] = {
		CLI_FLAG("grants", &want_grants),
		CLI_OPT_END,
	};
	struct case_show s = {NULL, NULL, NULL, (vault_case_kind)0, 0};
	char case_id[VAULT_ID_BUFSIZE];
	vault_status st;
	char *pos[1];
	int r;

	r = cli_parse("case show", argc - 1, argv + 1, opts, names, 1, 1, pos);
	if (r)
		return CLI_PARSE_RESULT(r);
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, pos[0], case_id)) != 0)
		return r;
	ctx->about_case = case_id;
	pos[0] = case_id;
	if ((st = vault_case_show(ctx->v, pos[0], show_cb, &s)) != VAULT_OK)
		goto fail;
	if (s.info == NULL) {
		r = cli_error("out of memory");
		goto out;
	}
	/* Links live under the victim case's safety key: ask only when the
	 * library says we hold that class, so a normal look at a case does not
	 * leave a refused attempt in the audit log. */
	if (s.kind == VAULT_CASE_VICTIM && (s.readable & VAULT_CLASS_SAFETY)) {
		s.links = json_array();
		if ((st = vault_case_links(ctx->v, pos[0], link_cb, &s)) != VAULT_OK)
			goto fail;
	}
	if (want_grants) {
		s.grants = json_array();
		if ((st = vault_grant_foreach(ctx->v, pos[0], grant_cb, &s)) != VAULT_OK)
			goto fail;
	}
	if (ctx->json) {
		if (s.links)
			json_object_set(s.info, "links", s.links);
		if (s.grants)
			json_object_set(s.info, "grants", s.grants);
		r = cli_json_print(json_incref(s.info));
	} else {
		r = print_case(&s);
	}
	goto out;
fail:
	r = cli_fail(ctx, st);
out:
	json_decref(s.info);
	json_decref(s.links);
	json_decref(s.grants);
	return r;
}

/* `case indicators CASE [--set K=V ...]`: by hand, --set takes several. */
static int case_indicators(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sets[64], *arg = NULL;
	char case_id[VAULT_ID_BUFSIZE];
	vault_buf out = VAULT_BUF_INIT;
	size_t nsets = 0;
	int in_set = 0, r;
	vault_status st;

	for (int a = 1; a < argc; a++) {
		const char *w = argv[a];

		if (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0) {
			cli_print_command_help("case", stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(w, "--set") == 0 || strncmp(w, "--set=", 6) == 0) {
			in_set = 1;
			if (w[5] == '\0')
				continue;
			w += 6;
		} else if (w[0] == '-') {
			return cli_usage_error("case", "case indicators: unknown option '%s'", w);
		} else if (!in_set || strchr(w, '=') == NULL) {
			if (arg != NULL)
				return cli_usage_error("case", "case indicators: unexpected argument"
				                       " '%s'", w);
			arg = w;
			continue;
		}
		if (nsets == sizeof(sets) / sizeof(sets[0]))
			return cli_usage_error("case", "case indicators: too many --set");
		sets[nsets++] = w;
	}
	if (arg == NULL && ctx->current_case[0])
		arg = ctx->current_case; /* the shell's `use CASE` */
	if (arg == NULL)
		return cli_usage_error("case", "case indicators: missing CASE");
	if (in_set && nsets == 0)
		return cli_usage_error("case", "case indicators: --set needs KEY=VALUE");
	if ((r = cli_open(ctx)) != 0)
		return r;
	if ((r = cli_case_id(ctx, arg, case_id)) != 0)
		return r;
	ctx->about_case = case_id;
	if (nsets > 0) {
		if ((st = vault_case_indicators_set(ctx->v, case_id, sets, nsets)) != VAULT_OK)
			return cli_fail(ctx, st);
		if (ctx->json)
			return cli_json_print(json_pack("{s:s, s:I}", "id", case_id, "set",
			                                (json_int_t)nsets));
		printf("set %zu indicator%s of case %s\n", nsets, nsets == 1 ? "" : "s", case_id);
		return CLI_EXIT_OK;
	}
	if ((st = vault_case_indicators_get(ctx->v, case_id, &out)) != VAULT_OK)
		return cli_fail(ctx, st);
	if (ctx->json) {
		json_t *o = json_object();
		char *save = NULL, *line;

		for (line = strtok_r((char *)out.data, "\n", &save); o && line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *eq = strchr(line, '=');

			if (eq == NULL)
				continue;
			*eq = '\0';
			json_object_set_new(o, line, json_string(eq + 1));
		}
		vault_buf_free(&out);
		return cli_json_print(o);
	}
	if (out.len == 0)
		printf("no indicators set\n");
	else
		fwrite(out.data, 1, out.len, stdout);
	vault_buf_free(&out);
	return CLI_EXIT_OK;
}

int cmd_case(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{"new", case_new},
		{"list", case_list},
		{"show", case_show},
		{"indicators", case_indicators},
		{NULL, NULL},
	};

	return cli_subcommand(ctx, "case", argc, argv, subs);
}
