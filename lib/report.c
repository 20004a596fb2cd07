/*
 * report.c - reports people read, built from the audit log: her access
 * report (vault_report_access) and a supervisor's access review
 * (vault_report_review).
 *
 *   decide (policy: POLICY_REPORT_*) -> record the report's own entry and
 *   commit it -> read the log in a read transaction -> write the text.
 *
 * Nothing here decrypts a record: the log and the metadata tables (orgs,
 * users, cases, grants) are all a report reads.  The entry is durable
 * before a byte of the report exists (invariant 3), so the report lists
 * itself last.  The words (English and Italian) are in one table below,
 * so a reader can check both languages say the same.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "facts.h"
#include "internal.h"

/* ---- a growing text buffer ----------------------------------------------- */

struct sb {
	char *p;
	size_t len, cap;
	int failed;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = vault__malloc(cap);
		if (p == NULL) {
			b->failed = 1;
			return;
		}
		/* Copied rather than realloc'ed, so the old bytes (reasons
		 * written by staff) are wiped, not left in freed memory. */
		if (b->p != NULL) {
			memcpy(p, b->p, b->len);
			vault__wipe(b->p, b->cap);
			free(b->p);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	sb_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Text for a terminal: control characters (escape sequences, new lines in
 * a reason) become spaces, so a value cannot rewrite what is around it. */
static void sb_text(struct sb *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		sb_add(b, (c < 0x20 || c == 0x7f) ? " " : s, 1);
	}
}

/* Every value that reaches the HTML goes through here. */
static void sb_html(struct sb *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': sb_puts(b, "&amp;"); break;
		case '<': sb_puts(b, "&lt;"); break;
		case '>': sb_puts(b, "&gt;"); break;
		case '"': sb_puts(b, "&quot;"); break;
		case '\'': sb_puts(b, "&#39;"); break;
		default:
			sb_add(b, (c < 0x20 || c == 0x7f) ? " " : s, 1);
			break;
		}
	}
}

static void sb_free(struct sb *b)
{
	if (b->p != NULL) {
		vault__wipe(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

/* ---- words ------------------------------------------------------------------ */

enum msg {
	M_TITLE_ACCESS, M_INTRO_ACCESS, M_TITLE_REVIEW, M_INTRO_REVIEW, M_CASE, M_HELD_BY,
	M_PERIOD, M_FROM_START, M_TO_NOW, M_PRODUCED, M_NAMES_SHOWN, M_NAMES_HIDDEN,
	M_KINDS, M_ENTRIES, M_REFUSED_N, M_EMERGENCY_N, M_NONE, M_WHEN, M_WHO, M_WHAT,
	M_WHY, M_OUTCOME, M_REASON, M_NO_ORG, M_MEMBER_OF, M_ORGANISATION, M_CLASS,
	M_S_OUTSIDE, M_S_BREAK_GLASS, M_S_REFUSALS, M_S_EMERGENCY, M_S_LAPSING,
	M_S_OUTSIDE_HELP, M_S_BREAK_GLASS_HELP, M_S_REFUSALS_HELP, M_S_EMERGENCY_HELP,
	M_S_LAPSING_HELP, M_TIMES, M_LAST, M_EXPIRES, M_HOLDER, M_PERM, M_SHARED_WITH,
	M_ACTOR, M_NO_CLASS, M_FOOTER, M_PAGE_LANG, M_S_ACCESSES, M_ORG_LABEL, NMSG
};

static const char *const words[NMSG][2] = {
	[M_TITLE_ACCESS] = {"Access report", "Rapporto sugli accessi"},
	[M_INTRO_ACCESS] = {
		"This report lists every time someone opened, changed, shared or tried to"
		" reach this file, as the audit log of the network recorded it. It is"
		" made from the log alone: no content of the file is in it.",
		"Questo rapporto elenca ogni volta che qualcuno ha aperto, modificato,"
		" condiviso o cercato di raggiungere questa cartella, come lo ha registrato"
		" il registro degli accessi della rete. È fatto solo dal registro: non"
		" contiene nulla del contenuto della cartella."},
	[M_TITLE_REVIEW] = {"Access review", "Revisione degli accessi"},
	[M_INTRO_REVIEW] = {
		"What a supervisor reviews: accesses to the organisation's cases from"
		" outside it, emergency accesses, refusals, emergency-basis consents and"
		" grants about to lapse, as the audit log recorded them.",
		"Ciò che la responsabile verifica: accessi ai casi dell'organizzazione da"
		" parte di altri, accessi di emergenza, rifiuti, consensi su base di"
		" emergenza e permessi in scadenza, come li ha registrati il registro"
		" degli accessi."},
	[M_CASE] = {"Case", "Caso"},
	[M_HELD_BY] = {"Held by", "Seguito da"},
	[M_PERIOD] = {"Period", "Periodo"},
	[M_FROM_START] = {"from the start", "dall'inizio"},
	[M_TO_NOW] = {"to now", "a oggi"},
	[M_PRODUCED] = {"Produced", "Prodotto il"},
	[M_NAMES_SHOWN] = {"Staff names are shown (this use is recorded).",
	                   "I nomi del personale sono mostrati (questo uso è registrato)."},
	[M_NAMES_HIDDEN] = {"Staff names are not shown: each access says the organisation"
	                    " and the role of the person.",
	                    "I nomi del personale non sono mostrati: per ogni accesso sono"
	                    " indicati l'organizzazione e il ruolo della persona."},
	[M_KINDS] = {"What the kinds of access mean", "Che cosa significano i tipi di accesso"},
	[M_ENTRIES] = {"accesses recorded", "accessi registrati"},
	[M_REFUSED_N] = {"refused", "rifiutati"},
	[M_EMERGENCY_N] = {"emergency", "di emergenza"},
	[M_NONE] = {"None in this period.", "Nessuno in questo periodo."},
	[M_WHEN] = {"When", "Quando"},
	[M_WHO] = {"Who", "Chi"},
	[M_WHAT] = {"What", "Che cosa"},
	[M_WHY] = {"Why", "Perché"},
	[M_OUTCOME] = {"Outcome", "Esito"},
	[M_REASON] = {"Reason", "Motivo"},
	[M_NO_ORG] = {"network staff (no organisation)", "personale della rete (nessuna organizzazione)"},
	[M_MEMBER_OF] = {"a member of", "una persona di"},
	[M_ORGANISATION] = {"organisation", "organizzazione"},
	[M_CLASS] = {"Class", "Categoria"},
	[M_S_OUTSIDE] = {"Accesses from outside the organisation",
	                 "Accessi da parte di altre organizzazioni"},
	[M_S_BREAK_GLASS] = {"Emergency accesses (break-glass)", "Accessi di emergenza"},
	[M_S_REFUSALS] = {"Refusals, by person and class", "Rifiuti, per persona e categoria"},
	[M_S_EMERGENCY] = {"Consents on an emergency basis", "Consensi su base di emergenza"},
	[M_S_LAPSING] = {"Grants about to lapse", "Permessi in scadenza"},
	[M_S_OUTSIDE_HELP] = {
		"Every attempt on a case of the organisation by someone of another"
		" organisation, or by network staff.",
		"Ogni tentativo su un caso dell'organizzazione da parte di una persona"
		" di un'altra organizzazione, o del personale della rete."},
	[M_S_BREAK_GLASS_HELP] = {
		"Each use, allowed or refused, with the reason its author wrote.",
		"Ogni uso, consentito o rifiutato, con il motivo scritto da chi lo ha fatto."},
	[M_S_REFUSALS_HELP] = {
		"Refused attempts on the organisation's cases, or by its members.",
		"Tentativi rifiutati sui casi dell'organizzazione, o da parte dei suoi membri."},
	[M_S_EMERGENCY_HELP] = {
		"Sharing recorded without her consent, on vital interest or legal obligation.",
		"Condivisioni registrate senza il suo consenso, per interesse vitale o"
		" obbligo di legge."},
	[M_S_LAPSING_HELP] = {
		"Live grants on the organisation's cases that end within 14 days from now.",
		"Permessi attivi sui casi dell'organizzazione che scadono entro 14 giorni da oggi."},
	[M_TIMES] = {"Times", "Volte"},
	[M_LAST] = {"Last", "Ultima volta"},
	[M_EXPIRES] = {"Ends", "Scade"},
	[M_HOLDER] = {"Holder", "Titolare"},
	[M_PERM] = {"Right", "Diritto"},
	[M_SHARED_WITH] = {"Shared with", "Condiviso con"},
	[M_ACTOR] = {"Person", "Persona"},
	[M_NO_CLASS] = {"the whole case", "l'intero caso"},
	[M_FOOTER] = {
		"Times are local time with their offset from UTC. Refusal reasons are"
		" the rule's own words, in English. The audit log is signed: an auditor"
		" can check that no entry was changed or removed.",
		"Gli orari sono in ora locale con lo scarto da UTC. I motivi dei rifiuti"
		" sono le parole della regola, in inglese. Il registro degli accessi è"
		" firmato: un revisore può verificare che nessuna voce sia stata"
		" modificata o tolta."},
	[M_PAGE_LANG] = {"en", "it"},
	[M_S_ACCESSES] = {"Accesses", "Accessi"},
	[M_ORG_LABEL] = {"Organisation", "Organizzazione"},
};

enum akind { K_READ, K_WRITE, K_SHARE, K_CONSENT, K_EMERGENCY, K_REPORT, K_REFUSED, K_OTHER };

/* Indexed by enum akind: the label, English and Italian. */
static const char *const kind_words[][2] = {
	{"read", "lettura"},
	{"write", "scrittura"},
	{"sharing", "condivisione"},
	{"consent", "consenso"},
	{"emergency access", "accesso di emergenza"},
	{"report", "rapporto"},
	{"refused", "rifiutato"},
	{"other", "altro"},
};

static const char *const kind_help[][2] = {
	{"someone looked at information in the file, without changing it.",
	 "qualcuno ha consultato informazioni della cartella, senza modificarle."},
	{"someone added, changed or removed information.",
	 "qualcuno ha aggiunto, modificato o tolto informazioni."},
	{"the case was opened to another organisation or person, or that access was"
	 " taken back. Outside the organisation that holds it, her case is shared only"
	 " with her recorded consent.",
	 "il caso è stato aperto a un'altra organizzazione o persona, oppure"
	 " quell'accesso è stato revocato. Fuori dall'organizzazione che lo segue, il"
	 " caso viene condiviso solo con il suo consenso registrato."},
	{"her consent (or, in an emergency, another legal basis) was recorded or"
	 " withdrawn.",
	 "è stato registrato o ritirato il suo consenso (o, in un'emergenza, un'altra"
	 " base giuridica)."},
	{"a supervisor opened the file without the usual permission, in an emergency,"
	 " writing down why. Every use is reviewed.",
	 "una responsabile ha aperto la cartella senza il permesso abituale, in"
	 " un'emergenza, scrivendo il motivo. Ogni uso viene verificato."},
	{"someone produced a report of the accesses, like this one.",
	 "qualcuno ha prodotto un rapporto sugli accessi, come questo."},
	{"someone tried, and the rules stopped them: nothing was shown or changed.",
	 "qualcuno ha provato e le regole lo hanno impedito: nulla è stato mostrato"
	 " o modificato."},
};

static const struct action_word {
	const char *action;
	enum akind kind;
	const char *w[2];
} action_words[] = {
	{"case.create", K_WRITE, {"opened the case", "ha aperto il caso"}},
	{"case.show", K_READ, {"looked at the case summary", "ha consultato la scheda del caso"}},
	{"case.link", K_WRITE, {"linked the case to another case", "ha collegato il caso a un altro"}},
	{"case.links", K_READ, {"looked at the links of the case", "ha consultato i collegamenti del caso"}},
	{"record.put", K_WRITE, {"wrote a record", "ha scritto un documento"}},
	{"record.get", K_READ, {"read a record", "ha letto un documento"}},
	{"record.list", K_READ, {"listed the records", "ha visto l'elenco dei documenti"}},
	{"record.history", K_READ, {"looked at the history of a record",
	                            "ha consultato la storia di un documento"}},
	{"record.delete", K_WRITE, {"deleted a record", "ha cancellato un documento"}},
	{"record.redact", K_WRITE, {"redacted a version of a record",
	                            "ha oscurato una versione di un documento"}},
	{"record.reclassify", K_WRITE, {"moved a record to another class",
	                                "ha spostato un documento in un'altra categoria"}},
	{"consent.add", K_CONSENT, {"recorded a consent", "ha registrato un consenso"}},
	{"consent.list", K_READ, {"looked at the consents", "ha consultato i consensi"}},
	{"consent.withdraw", K_CONSENT, {"recorded that a consent was withdrawn",
	                                 "ha registrato il ritiro di un consenso"}},
	{"share", K_SHARE, {"shared the case", "ha condiviso il caso"}},
	{"revoke", K_SHARE, {"took back access to the case", "ha revocato un accesso al caso"}},
	{"grant.list", K_READ, {"looked at who has access", "ha consultato chi ha accesso"}},
	{"break-glass", K_EMERGENCY, {"used emergency access", "ha usato l'accesso di emergenza"}},
	{"report.access", K_REPORT, {"produced an access report",
	                             "ha prodotto un rapporto sugli accessi"}},
};

static const struct action_word *action_word(const char *action)
{
	size_t i;

	for (i = 0; i < sizeof(action_words) / sizeof(action_words[0]); i++)
		if (strcmp(action_words[i].action, action) == 0)
			return &action_words[i];
	return NULL;
}

/* Canonical names (vault_*_name) to plain words; unknown ones as they are. */
static const char *const name_words[][3] = {
	{"antiviolence-centre", "anti-violence centre", "centro antiviolenza"},
	{"reception-centre", "reception centre", "centro di accoglienza"},
	{"perpetrator-programme", "programme for men who use violence",
	 "programma per uomini autori di violenza"},
	{"health", "health service", "servizio sanitario"},
	{"authority", "public authority", "autorità pubblica"},
	{"other", "other organisation", "altra organizzazione"},
	{"admin", "administrator", "amministratore"},
	{"caseworker", "caseworker", "operatrice o operatore"},
	{"supervisor", "supervisor", "responsabile"},
	{"auditor", "auditor", "revisore"},
	{"general", "case-work record", "scheda di lavoro sul caso"},
	{"sensitive", "health, legal and immigration status",
	 "salute, situazione legale e permesso di soggiorno"},
	{"safety", "safety: where she is and how to reach her",
	 "sicurezza: dove si trova e come contattarla"},
	{"casework", "case work", "lavoro sul caso"},
	{"referral", "referral to another service", "invio ad altro servizio"},
	{"audit", "audit", "verifica (audit)"},
	{"statistics", "statistics", "statistiche"},
	{"emergency", "emergency", "emergenza"},
	{"ok", "done", "eseguito"},
	{"denied", "refused", "rifiutato"},
	{"error", "failed", "non riuscito"},
	{"consent", "her consent", "il suo consenso"},
	{"vital-interest", "vital interest", "interesse vitale"},
	{"legal-obligation", "legal obligation", "obbligo di legge"},
	{"read", "read", "lettura"},
	{"write", "read and write", "lettura e scrittura"},
	{"share", "read, write and share", "lettura, scrittura e condivisione"},
};

static const char *word(const char *name, int it)
{
	size_t i;

	for (i = 0; i < sizeof(name_words) / sizeof(name_words[0]); i++)
		if (strcmp(name_words[i][0], name) == 0)
			return name_words[i][1 + it];
	return name;
}

/* ---- times ----------------------------------------------------------------- */

#define TIME_BUFSIZE 40

/* RFC 3339-like, for people: "2026-12-01 17:03:12 +01:00", or "... Z". */
static const char *time_str(int64_t ts, int utc, char out[TIME_BUFSIZE])
{
	time_t t = (time_t)ts;
	struct tm tm;
	long off;

	if (utc) {
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(out, TIME_BUFSIZE, "%Y-%m-%d %H:%M:%S Z", &tm) == 0)
			snprintf(out, TIME_BUFSIZE, "@%lld", (long long)ts);
		return out;
	}
	tzset();
	if (localtime_r(&t, &tm) == NULL || strftime(out, TIME_BUFSIZE, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(out, TIME_BUFSIZE, "@%lld", (long long)ts);
		return out;
	}
	off = tm.tm_gmtoff;
	snprintf(out + strlen(out), TIME_BUFSIZE - strlen(out), " %c%02ld:%02ld",
	         off < 0 ? '-' : '+', labs(off) / 3600, (labs(off) % 3600) / 60);
	return out;
}

/* ---- options and the shared frame ---------------------------------------- */

vault_status vault_report_options_init(vault_report_options *opts, unsigned int version)
{
	vault_report_options d = VAULT_REPORT_OPTIONS_INIT;

	if (opts == NULL || version == 0 || version > VAULT_REPORT_OPTIONS_VERSION)
		return VAULT_ERR_INVALID;
	*opts = d;
	opts->version = version;
	return VAULT_OK;
}

static vault_status options(vault *v, const vault_report_options *opts,
                            vault_report_options *o, vault_buf *out)
{
	vault_report_options d = VAULT_REPORT_OPTIONS_INIT;

	if (out == NULL)
		return vault__err(v, VAULT_ERR_INVALID, "report: out is NULL");
	if (opts != NULL) {
		if (opts->version == 0 || opts->version > VAULT_REPORT_OPTIONS_VERSION)
			return vault__err(v, VAULT_ERR_INVALID, "report: unknown options version");
		d = *opts;
	}
	if (d.format == 0)
		d.format = VAULT_REPORT_TEXT;
	if (d.lang == 0)
		d.lang = VAULT_LANG_EN;
	if (d.format != VAULT_REPORT_TEXT && d.format != VAULT_REPORT_JSON &&
	    d.format != VAULT_REPORT_HTML)
		return vault__err(v, VAULT_ERR_INVALID, "report: unknown format %d", (int)d.format);
	if (d.lang != VAULT_LANG_EN && d.lang != VAULT_LANG_IT)
		return vault__err(v, VAULT_ERR_INVALID, "report: unknown language %d", (int)d.lang);
	if (d.since < 0 || d.until < 0 || (d.until != 0 && d.until <= d.since))
		return vault__err(v, VAULT_ERR_INVALID,
		                  "report: the period must end after it starts");
	if (v->user_txn)
		return vault__err(v, VAULT_ERR_STATE, "report: finish the transaction first");
	*o = d;
	return VAULT_OK;
}

/* A report being written: its options, its words and its buffer. */
struct rep {
	vault *v;
	vault_report_options o;
	int it;       /* Italian */
	int html;
	int64_t now;
	struct sb b;
};

static const char *W(const struct rep *r, enum msg m)
{
	return words[m][r->it];
}

/* A value: escaped for HTML, cleaned of control characters for text. */
static void val(struct rep *r, const char *s)
{
	if (r->html)
		sb_html(&r->b, s);
	else
		sb_text(&r->b, s);
}

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	/* Belt and braces: even a value that escaped the escaping could run
	 * nothing and fetch nothing. */
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
	" style-src 'unsafe-inline'\">\n"
	"<meta name=\"referrer\" content=\"no-referrer\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";

static const char html_style[] =
	"<style>\n"
	"body{font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,sans-serif;"
	"font-size:11pt;line-height:1.4;color:#111;margin:2em auto;max-width:60em;padding:0 1em}\n"
	"h1{font-size:18pt;margin:0 0 .3em}h2{font-size:13pt;margin:1.4em 0 .3em;"
	"border-bottom:1px solid #999}\n"
	".meta{margin:.2em 0}.help{color:#333;font-size:10pt}\n"
	"dl.kinds{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;font-size:10pt}\n"
	"dl.kinds dt{font-weight:bold}dl.kinds dd{margin:0}\n"
	"table{border-collapse:collapse;width:100%;font-size:9.5pt;margin-top:.5em}\n"
	"th,td{border:1px solid #bbb;padding:.25em .4em;text-align:left;vertical-align:top}\n"
	"th{background:#eee}tr.refused td{background:#fdecea}tr.emergency td{background:#fff4d6}\n"
	"td.when{white-space:nowrap}.reason{font-style:italic}.footer{margin-top:2em;font-size:9pt;color:#444}\n"
	"@page{size:A4;margin:15mm}\n"
	"@media print{body{margin:0;max-width:none;font-size:10pt}"
	"th{background:#eee !important;-webkit-print-color-adjust:exact;print-color-adjust:exact}"
	"tr.refused td,tr.emergency td{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
	"tr{break-inside:avoid}thead{display:table-header-group}h2{break-after:avoid}}\n"
	"</style>\n</head>\n<body>\n";

static void begin_doc(struct rep *r, enum msg title)
{
	if (r->html) {
		sb_printf(&r->b, html_head, W(r, M_PAGE_LANG));
		sb_puts(&r->b, "<title>");
		val(r, W(r, title));
		sb_puts(&r->b, "</title>\n");
		sb_puts(&r->b, html_style);
		sb_puts(&r->b, "<h1>");
		val(r, W(r, title));
		sb_puts(&r->b, "</h1>\n");
	} else {
		size_t n = strlen(W(r, title));

		sb_puts(&r->b, W(r, title));
		sb_puts(&r->b, "\n");
		while (n-- > 0)
			sb_puts(&r->b, "=");
		sb_puts(&r->b, "\n");
	}
}

/* "Label: value" line; the value is escaped. */
static void meta_line(struct rep *r, enum msg label, const char *value)
{
	if (r->html) {
		sb_puts(&r->b, "<p class=\"meta\"><b>");
		val(r, W(r, label));
		sb_puts(&r->b, ":</b> ");
		val(r, value);
		sb_puts(&r->b, "</p>\n");
	} else {
		val(r, W(r, label));
		sb_puts(&r->b, ": ");
		val(r, value);
		sb_puts(&r->b, "\n");
	}
}

static void para(struct rep *r, const char *text, const char *cls)
{
	if (r->html) {
		sb_printf(&r->b, "<p class=\"%s\">", cls);
		val(r, text);
		sb_puts(&r->b, "</p>\n");
	} else {
		/* Wrapped at 76 columns (on spaces; UTF-8 counts as bytes). */
		const char *p = text;

		while (*p) {
			const char *end = p, *brk = NULL;
			char line[96];
			size_t n;

			while (*end && end - p < 76) {
				if (*end == ' ')
					brk = end;
				end++;
			}
			if (*end && brk != NULL)
				end = brk;
			n = (size_t)(end - p) < sizeof(line) - 1 ? (size_t)(end - p) : sizeof(line) - 1;
			memcpy(line, p, n);
			line[n] = '\0';
			val(r, line);
			sb_puts(&r->b, "\n");
			p = end;
			while (*p == ' ')
				p++;
		}
	}
}

static void section(struct rep *r, enum msg title, enum msg help)
{
	if (r->html) {
		sb_puts(&r->b, "<h2>");
		val(r, W(r, title));
		sb_puts(&r->b, "</h2>\n");
	} else {
		size_t n = strlen(W(r, title));

		sb_puts(&r->b, "\n");
		val(r, W(r, title));
		sb_puts(&r->b, "\n");
		while (n-- > 0)
			sb_puts(&r->b, "-");
		sb_puts(&r->b, "\n");
	}
	if (help != NMSG)
		para(r, W(r, help), "help");
}

static void period_line(struct rep *r)
{
	char a[TIME_BUFSIZE], b[TIME_BUFSIZE], line[2 * TIME_BUFSIZE + 80];

	snprintf(line, sizeof(line), "%s - %s",
	         r->o.since ? time_str(r->o.since, r->o.utc, a) : W(r, M_FROM_START),
	         r->o.until ? time_str(r->o.until, r->o.utc, b) : W(r, M_TO_NOW));
	meta_line(r, M_PERIOD, line);
}

static void produced_line(struct rep *r)
{
	char t[TIME_BUFSIZE];

	meta_line(r, M_PRODUCED, time_str(r->now, r->o.utc, t));
}

static void kinds_help(struct rep *r)
{
	static const enum akind shown[] = {K_READ, K_WRITE, K_SHARE, K_CONSENT,
	                                   K_EMERGENCY, K_REPORT, K_REFUSED};
	size_t i;

	section(r, M_KINDS, NMSG);
	if (r->html)
		sb_puts(&r->b, "<dl class=\"kinds\">\n");
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		const char *label = kind_words[shown[i]][r->it];
		const char *help = kind_help[shown[i]][r->it];

		if (r->html) {
			sb_puts(&r->b, "<dt>");
			val(r, label);
			sb_puts(&r->b, "</dt><dd>");
			val(r, help);
			sb_puts(&r->b, "</dd>\n");
		} else {
			char line[1024];

			snprintf(line, sizeof(line), "- %s: %s", label, help);
			para(r, line, "");
		}
	}
	if (r->html)
		sb_puts(&r->b, "</dl>\n");
}

static void end_doc(struct rep *r)
{
	if (r->html) {
		sb_puts(&r->b, "<p class=\"footer\">");
		val(r, W(r, M_FOOTER));
		sb_puts(&r->b, "</p>\n</body>\n</html>\n");
	} else {
		sb_puts(&r->b, "\n");
		para(r, W(r, M_FOOTER), "");
	}
}

/* Table helpers (HTML) / blocks (text). */
static void table_head(struct rep *r, const enum msg *cols, size_t n)
{
	size_t i;

	if (!r->html)
		return;
	sb_puts(&r->b, "<table>\n<thead><tr>");
	for (i = 0; i < n; i++) {
		sb_puts(&r->b, "<th>");
		val(r, W(r, cols[i]));
		sb_puts(&r->b, "</th>");
	}
	sb_puts(&r->b, "</tr></thead>\n<tbody>\n");
}

static void table_end(struct rep *r)
{
	if (r->html)
		sb_puts(&r->b, "</tbody>\n</table>\n");
}

/* ---- one access, as people read it ----------------------------------------- */

/* Column numbers of ACCESS_SQL. */
enum { A_SEQ, A_TS, A_ACTOR, A_ORG, A_ROLE, A_ACTION, A_CASE, A_TARGET, A_CLASS,
       A_OUTCOME, A_REASON, A_PURPOSE, A_HIGH, A_ORG_NAME, A_ORG_KIND, A_T_ORG_NAME,
       A_T_USER_ORG };

#define ACCESS_COLS                                                            \
	"a.seq, a.ts, a.actor, a.org, a.role, a.action, a.case_id, a.target,"  \
	" a.class, a.outcome, a.reason, a.purpose, a.high, o.name, o.kind,"    \
	" t.name, u.org"
/* The actor's organisation; for sharing, the target as an organisation or
 * as a user (whose organisation stands in for her name). */
#define ACCESS_JOINS                                                           \
	" LEFT JOIN orgs o ON o.id = a.org"                                    \
	" LEFT JOIN orgs t ON a.action IN ('share', 'revoke', 'consent.add')"  \
	"  AND t.id = a.target"                                                \
	" LEFT JOIN users u ON a.action IN ('share', 'revoke') AND u.name = a.target"

static const char *rb_text(const rowbuf *rb, size_t row, int col)
{
	const char *s = RB_TEXT(rb, row, col);

	return s ? s : "";
}

static enum akind kind_of(const rowbuf *rb, size_t i, const struct action_word **aw)
{
	*aw = action_word(rb_text(rb, i, A_ACTION));
	return *aw ? (*aw)->kind : K_OTHER;
}

/* "CAS Aurora (reception centre)", or network staff. */
static void org_words(struct rep *r, const char *org, const char *org_name, int org_kind,
                      char *out, size_t cap)
{
	const char *kn = vault_org_kind_name((vault_org_kind)org_kind);

	if (org[0] == '\0')
		snprintf(out, cap, "%s", W(r, M_NO_ORG));
	else
		snprintf(out, cap, "%s (%s)", org_name[0] ? org_name : org,
		         kn ? word(kn, r->it) : W(r, M_ORGANISATION));
}

/* "general,safety" in words. */
static void classes_words(struct rep *r, const char *cls, char *out, size_t cap)
{
	char tmp[64];
	char *save = NULL, *tok;

	out[0] = '\0';
	if (cls[0] == '\0') {
		snprintf(out, cap, "%s", W(r, M_NO_CLASS));
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s", cls);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (out[0] != '\0')
			strncat(out, "; ", cap - strlen(out) - 1);
		strncat(out, word(tok, r->it), cap - strlen(out) - 1);
	}
}

struct access_text {
	char reason_buf[VAULT_TEXT_MAX + 1]; /* a sealed reason, opened */
	char when[TIME_BUFSIZE];
	char who[VAULT_TEXT_MAX + 3 * VAULT_NAME_MAX + 256];
	char what[VAULT_TEXT_MAX + 512];
	const char *why;
	const char *outcome;
	const char *reason;
	enum akind kind;
	int refused;
};

/* The log names a record by its tag ("r:" + hex, lib/freetext.c): its
 * name, for a reader who holds the key of one of its versions, else the
 * tag itself (a stable id, which says nothing more). */
static const char *record_name(struct rep *r, const char *case_id, const char *target,
                               char name[VAULT_NAME_MAX + 1])
{
	unsigned char tag[VAULT_NAME_TAG_BYTES];
	sqlite3_stmt *s;
	size_t size;
	int ok = 0;

	if (strncmp(target, "r:", 2) != 0 || strlen(target) != VAULT_NAME_TAG_TEXT - 1 ||
	    sodium_hex2bin(tag, sizeof(tag), target + 2, 2 * sizeof(tag), NULL, NULL, NULL) != 0)
		return target; /* a name written by 1.x, or not a record */
	if (vault__prepare(r->v, "SELECT class, version, epoch, label FROM records WHERE"
	                         " case_id = ?1 AND name = ?2 AND label IS NOT NULL"
	                         " ORDER BY version DESC", &s) != VAULT_OK)
		return target;
	vault__bind_text(s, 1, case_id);
	sqlite3_bind_blob(s, 2, tag, sizeof(tag), SQLITE_STATIC);
	while (!ok && sqlite3_step(s) == SQLITE_ROW)
		ok = vault__label_open(r->v, case_id, (unsigned int)sqlite3_column_int(s, 0),
		                       (uint32_t)sqlite3_column_int64(s, 1),
		                       (uint32_t)sqlite3_column_int64(s, 2), tag,
		                       sqlite3_column_blob(s, 3),
		                       (size_t)sqlite3_column_bytes(s, 3), name, &size) == VAULT_OK;
	sqlite3_finalize(s);
	return ok ? name : target;
}

/* A reason sealed for the reviewers (break-glass, emergency consents;
 * lib/freetext.c), opened into buf for one of them; a placeholder for
 * anyone else. */
static const char *reason_of(vault *v, const rowbuf *rb, size_t i, char *buf, size_t cap)
{
	const char *reason = rb_text(rb, i, A_REASON);
	char *open = NULL;

	if (!vault__reason_is_sealed(reason))
		return reason;
	if (vault__reason_open(v, rb_text(rb, i, A_CASE), reason, &open) != VAULT_OK)
		return VAULT_REASON_BROKEN;
	if (open == NULL)
		return VAULT_REASON_SEALED;
	snprintf(buf, cap, "%s", open);
	vault__wipe(open, strlen(open));
	free(open);
	return buf;
}

static void describe(struct rep *r, const rowbuf *rb, size_t i, int names,
                     struct access_text *t)
{
	const struct action_word *aw;
	char org[VAULT_TEXT_MAX + 64], cls[256];
	const char *action = rb_text(rb, i, A_ACTION);
	const char *target = rb_text(rb, i, A_TARGET);
	const char *role = rb_text(rb, i, A_ROLE);
	size_t n;

	t->kind = kind_of(rb, i, &aw);
	t->refused = strcmp(rb_text(rb, i, A_OUTCOME), "denied") == 0;
	time_str(RB_INT64(rb, i, A_TS), r->o.utc, t->when);
	org_words(r, rb_text(rb, i, A_ORG), rb_text(rb, i, A_ORG_NAME),
	          RB_INT(rb, i, A_ORG_KIND), org, sizeof(org));
	snprintf(t->who, sizeof(t->who), "%s, %s", org, word(role, r->it));
	if (names) {
		n = strlen(t->who);
		snprintf(t->who + n, sizeof(t->who) - n, " [%s]", rb_text(rb, i, A_ACTOR));
	}
	classes_words(r, rb_text(rb, i, A_CLASS), cls, sizeof(cls));
	snprintf(t->what, sizeof(t->what), "%s (%s): %s",
	         aw ? aw->w[r->it] : action, kind_words[t->kind][r->it], cls);
	n = strlen(t->what);
	/* Whom it was shared with: an organisation by name, a person by her
	 * organisation unless names are shown. */
	if (t->kind == K_SHARE || strcmp(action, "consent.add") == 0) {
		const char *tname = rb_text(rb, i, A_T_ORG_NAME);
		const char *uorg = rb_text(rb, i, A_T_USER_ORG);

		if (tname[0])
			snprintf(t->what + n, sizeof(t->what) - n, "; %s: %s",
			         r->it ? "con" : "with", tname);
		else if (names && target[0])
			snprintf(t->what + n, sizeof(t->what) - n, "; %s: %s%s%s%s",
			         r->it ? "con" : "with", target, uorg[0] ? " (" : "", uorg,
			         uorg[0] ? ")" : "");
		else if (uorg[0])
			snprintf(t->what + n, sizeof(t->what) - n, "; %s: %s %s",
			         r->it ? "con" : "with", W(r, M_MEMBER_OF), uorg);
	} else if (strncmp(action, "record.", 7) == 0 && target[0]) {
		char name[VAULT_NAME_MAX + 1];
		snprintf(t->what + n, sizeof(t->what) - n, " \"%s\"",
		         record_name(r, rb_text(rb, i, A_CASE), target, name));
	}
	t->why = word(rb_text(rb, i, A_PURPOSE), r->it);
	t->outcome = word(rb_text(rb, i, A_OUTCOME), r->it);
	t->reason = reason_of(r->v, rb, i, t->reason_buf, sizeof(t->reason_buf));
	/* An allowed access carries the rule's "allowed": no news to her. */
	if (!t->refused && t->kind != K_EMERGENCY && strcmp(action, "consent.add") != 0)
		t->reason = "";
}

/* "  Label     value", the value wrapped at 76 columns under itself
 * (text only; columns counted in UTF-8 characters). */
#define FIELD_INDENT 12
#define FIELD_WIDTH 76
static void field(struct rep *r, enum msg label, const char *value)
{
	size_t col = FIELD_INDENT;
	const char *p = value;

	sb_printf(&r->b, "\n  %-9s ", W(r, label));
	while (*p) {
		const char *end = p, *q;
		size_t chars = 0;
		char word[VAULT_TEXT_MAX + 1];

		while (*end == ' ')
			end++;
		p = end;
		while (*end && *end != ' ')
			end++;
		for (q = p; q < end; q++)
			chars += ((unsigned char)*q & 0xC0) != 0x80;
		if (end == p)
			break;
		if (col > FIELD_INDENT && col + 1 + chars > FIELD_WIDTH) {
			sb_printf(&r->b, "\n%*s", FIELD_INDENT, "");
			col = FIELD_INDENT;
		} else if (col > FIELD_INDENT) {
			sb_puts(&r->b, " ");
			col++;
		}
		if ((size_t)(end - p) > VAULT_TEXT_MAX)
			end = p + VAULT_TEXT_MAX;
		memcpy(word, p, (size_t)(end - p));
		word[end - p] = '\0';
		val(r, word);
		col += chars;
		p = end;
	}
}

static void access_row(struct rep *r, const struct access_text *t, int with_why)
{
	if (r->html) {
		sb_printf(&r->b, "<tr%s><td class=\"when\">", t->refused ? " class=\"refused\""
		                              : t->kind == K_EMERGENCY ? " class=\"emergency\"" : "");
		val(r, t->when);
		sb_puts(&r->b, "</td><td>");
		val(r, t->who);
		sb_puts(&r->b, "</td><td>");
		val(r, t->what);
		if (t->reason[0]) {
			sb_puts(&r->b, "<br><span class=\"reason\">");
			val(r, W(r, M_REASON));
			sb_puts(&r->b, ": ");
			val(r, t->reason);
			sb_puts(&r->b, "</span>");
		}
		if (with_why) {
			sb_puts(&r->b, "</td><td>");
			val(r, t->why);
		}
		sb_puts(&r->b, "</td><td>");
		val(r, t->outcome);
		sb_puts(&r->b, "</td></tr>\n");
		return;
	}
	sb_puts(&r->b, "\n");
	val(r, t->when);
	if (t->refused || t->kind == K_EMERGENCY) {
		sb_puts(&r->b, "  ** ");
		val(r, t->refused ? kind_words[K_REFUSED][r->it] : kind_words[K_EMERGENCY][r->it]);
		sb_puts(&r->b, " **");
	}
	field(r, M_WHO, t->who);
	field(r, M_WHAT, t->what);
	if (with_why)
		field(r, M_WHY, t->why);
	field(r, M_OUTCOME, t->outcome);
	if (t->reason[0])
		field(r, M_REASON, t->reason);
	sb_puts(&r->b, "\n");
}

static const enum msg access_cols[] = {M_WHEN, M_WHO, M_WHAT, M_WHY, M_OUTCOME};

static json_t *access_json(struct rep *r, const rowbuf *rb, size_t i, int names,
                           int with_case)
{
	char reason[VAULT_TEXT_MAX + 1], name[VAULT_NAME_MAX + 1];
	const struct action_word *aw;
	static const char *const kinds[] = {"read", "write", "share", "consent",
	                                    "emergency", "report", "refused", "other"};
	enum akind k = kind_of(rb, i, &aw);
	const char *kn = vault_org_kind_name((vault_org_kind)RB_INT(rb, i, A_ORG_KIND));
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}",
	                      "seq", (json_int_t)RB_INT64(rb, i, A_SEQ),
	                      "ts", (json_int_t)RB_INT64(rb, i, A_TS),
	                      "org", rb_text(rb, i, A_ORG),
	                      "org_kind", kn ? kn : "",
	                      "role", rb_text(rb, i, A_ROLE),
	                      "action", rb_text(rb, i, A_ACTION),
	                      "kind", kinds[k],
	                      "classes", rb_text(rb, i, A_CLASS),
	                      "purpose", rb_text(rb, i, A_PURPOSE),
	                      "outcome", rb_text(rb, i, A_OUTCOME),
	                      "reason", reason_of(r->v, rb, i, reason, sizeof(reason)),
	                      "high", RB_INT(rb, i, A_HIGH) != 0);

	if (o == NULL)
		return NULL;
	if (with_case)
		json_object_set_new(o, "case", json_string(rb_text(rb, i, A_CASE)));
	const char *target = rb_text(rb, i, A_TARGET);

	if (strncmp(rb_text(rb, i, A_ACTION), "record.", 7) == 0)
		target = record_name(r, rb_text(rb, i, A_CASE), target, name);
	if (names) {
		json_object_set_new(o, "actor", json_string(rb_text(rb, i, A_ACTOR)));
		json_object_set_new(o, "target", json_string(target));
	} else if (strncmp(rb_text(rb, i, A_ACTION), "record.", 7) == 0 ||
	           rb_text(rb, i, A_T_ORG_NAME)[0]) {
		/* Record names and organisations are not staff names. */
		json_object_set_new(o, "target", json_string(target));
	}
	vault__wipe(reason, sizeof(reason));
	return o;
}

/* ---- reading the log ------------------------------------------------------- */

/* Rows of `sql`, whose parameters are ?1 = p1, ?2 = since, ?3 = until and
 * ?4 = now (a statement may leave some out: binding an absent parameter
 * changes nothing). */
static vault_status fetch(vault *v, const char *sql, const char *p1, const struct rep *r,
                          rowbuf *rb)
{
	sqlite3_stmt *s = NULL;
	vault_status st = vault__prepare(v, sql, &s);

	if (st != VAULT_OK)
		return st;
	vault__bind_text(s, 1, p1);
	sqlite3_bind_int64(s, 2, r->o.since);
	sqlite3_bind_int64(s, 3, r->o.until);
	sqlite3_bind_int64(s, 4, r->now);
	st = vault__rows_fetch(v, s, rb);
	sqlite3_finalize(s);
	return st;
}

/* Each audit entry a report shows (its seq in column 0), as this handle
 * verified it: read in the same transaction as the rows fetched. */
static vault_status entries_verified(vault *v, const rowbuf *rb)
{
	vault_status st = VAULT_OK;
	size_t i;

	for (i = 0; i < rb->nrow && st == VAULT_OK; i++)
		st = vault__audit_entry_check(v, (uint64_t)RB_INT64(rb, i, 0));
	return st;
}

/* VAULT_REPORT_LAPSE_DAYS in seconds, for the SQL. */
#define LAPSE_SECONDS "1209600"
_Static_assert(VAULT_REPORT_LAPSE_DAYS * 86400 == 1209600, "LAPSE_SECONDS");

#define PERIOD " AND a.ts >= ?2 AND (?3 = 0 OR a.ts < ?3)"

/* The report's text into *out (the buffer is wiped either way). */
static vault_status finish(struct rep *r, json_t *doc, vault_buf *out)
{
	vault_status st = VAULT_OK;

	if (doc != NULL) {
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		json_decref(doc);
		if (text == NULL)
			return vault__err(r->v, VAULT_ERR_NOMEM, "out of memory");
		sb_puts(&r->b, text);
		sb_puts(&r->b, "\n");
		vault__wipe(text, strlen(text));
		free(text);
	}
	if (r->b.failed || r->b.p == NULL)
		st = vault__err(r->v, VAULT_ERR_NOMEM, "out of memory");
	if (st == VAULT_OK)
		st = vault__buf_alloc(out, r->b.len);
	if (st == VAULT_OK)
		memcpy(out->data, r->b.p, r->b.len);
	sb_free(&r->b);
	return st;
}

/* ---- her access report --------------------------------------------------------- */

vault_status vault_report_access(vault *v, const char *case_id,
                                 const vault_report_options *opts, vault_buf *out)
{
	struct rep r;
	rowbuf rb = {0};
	case_row cs;
	gate g;
	vault_status st;
	json_t *doc = NULL, *arr = NULL;
	size_t i, refused = 0, emergency = 0;
	char owner[VAULT_TEXT_MAX + 64];
	int in_read = 0;

	if (v == NULL)
		return VAULT_ERR_INVALID;
	memset(&r, 0, sizeof(r));
	r.v = v;
	if ((st = options(v, opts, &r.o, out)) != VAULT_OK)
		return st;
	if (!vault__valid_id(case_id))
		return vault__err(v, VAULT_ERR_INVALID, "report: bad case id");
	r.it = r.o.lang == VAULT_LANG_IT;
	r.html = r.o.format == VAULT_REPORT_HTML;

	/* The entry first, committed: so the report exists only once it is
	 * recorded, and says whether names were shown. */
	if (r.o.names)
		st = vault__gate_open(v, &g, "report.access", POLICY_REPORT_ACCESS_NAMES, case_id,
		                      "names", 0, NULL, NULL);
	else
		st = vault__gate_open(v, &g, "report.access", POLICY_REPORT_ACCESS, case_id, NULL,
		                      0, NULL, NULL);
	cs = g.cs;
	st = vault__gate_close(&g, st);
	if (st != VAULT_OK)
		return st;
	r.now = vault__now();

	if ((st = vault__exec(v, "BEGIN")) != VAULT_OK)
		return st;
	in_read = 1;
	/* what it shows was verified in this handle, old entries too, and
	 * the tables it joins are the facts, read in this transaction */
	st = vault__facts_log_whole(v);
	if (st == VAULT_OK) {
		static const char *const joined[] = {"orgs", "users", NULL};

		st = vault__facts_check_tables(v, joined);
	}
	/* the rows are selected by their stored columns: every entry must
	 * still be as verified, or one rewritten since (its case moved, say)
	 * would drop out of the report unseen */
	if (st == VAULT_OK)
		st = vault__audit_log_check(v);
	if (st == VAULT_OK)
		st = fetch(v, "SELECT " ACCESS_COLS " FROM audit a" ACCESS_JOINS
	              " WHERE +a.case_id = ?1" PERIOD " ORDER BY a.seq",
	           case_id, &r, &rb);
	if (st == VAULT_OK)
		st = entries_verified(v, &rb);
	if (st == VAULT_OK) {
		rowbuf ob = {0};

		st = fetch(v, "SELECT name, kind FROM orgs WHERE id = ?1", cs.owner_org, &r, &ob);
		org_words(&r, cs.owner_org, ob.nrow ? rb_text(&ob, 0, 0) : "",
		          ob.nrow ? RB_INT(&ob, 0, 1) : (int)cs.owner_kind, owner, sizeof(owner));
		vault__rows_free(&ob);
	}
	sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL);
	in_read = 0;
	if (st != VAULT_OK)
		goto cleanup;

	for (i = 0; i < rb.nrow; i++) {
		refused += strcmp(rb_text(&rb, i, A_OUTCOME), "denied") == 0;
		emergency += strcmp(rb_text(&rb, i, A_ACTION), "break-glass") == 0;
	}

	if (r.o.format == VAULT_REPORT_JSON) {
		doc = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:b, s:o}", "report", "access",
		                "case", case_id, "case_kind", vault_case_kind_name(cs.kind) ?
		                vault_case_kind_name(cs.kind) : "", "owner_org", cs.owner_org,
		                "since", (json_int_t)r.o.since, "until", (json_int_t)r.o.until,
		                "generated", (json_int_t)r.now, "names", r.o.names != 0,
		                "entries", arr = json_array());
		for (i = 0; doc != NULL && i < rb.nrow; i++)
			if (json_array_append_new(arr, access_json(&r, &rb, i, r.o.names, 0)) != 0) {
				json_decref(doc);
				doc = NULL;
			}
		if (doc == NULL) {
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			goto cleanup;
		}
		st = finish(&r, doc, out);
		goto cleanup;
	}

	begin_doc(&r, M_TITLE_ACCESS);
	para(&r, W(&r, M_INTRO_ACCESS), "help");
	if (!r.html)
		sb_puts(&r.b, "\n");
	meta_line(&r, M_CASE, case_id);
	meta_line(&r, M_HELD_BY, owner);
	period_line(&r);
	produced_line(&r);
	para(&r, W(&r, r.o.names ? M_NAMES_SHOWN : M_NAMES_HIDDEN), "meta");
	kinds_help(&r);
	{
		char line[160];

		snprintf(line, sizeof(line), "%zu %s (%zu %s, %zu %s)", rb.nrow, W(&r, M_ENTRIES),
		         refused, W(&r, M_REFUSED_N), emergency, W(&r, M_EMERGENCY_N));
		section(&r, M_S_ACCESSES, NMSG);
		para(&r, line, "meta");
	}
	if (rb.nrow == 0)
		para(&r, W(&r, M_NONE), "meta");
	else
		table_head(&r, access_cols, 5);
	for (i = 0; i < rb.nrow; i++) {
		struct access_text t;

		describe(&r, &rb, i, r.o.names, &t);
		access_row(&r, &t, 1);
	}
	if (rb.nrow != 0)
		table_end(&r);
	end_doc(&r);
	st = finish(&r, NULL, out);

cleanup:
	if (in_read)
		sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL);
	vault__rows_free(&rb);
	sb_free(&r.b);
	return st;
}

/* ---- a supervisor's access review ------------------------------------------------ */

struct org_fill {
	const char *org;
};

static void review_fill(gate *g, void *ctx)
{
	g->req.target = ((struct org_fill *)ctx)->org;
	g->req.target_kind = VAULT_PRINCIPAL_ORG;
}

/* Refusals, grouped. */
enum { F_ACTOR, F_ORG, F_ROLE, F_CLASS, F_COUNT, F_LAST, F_ORG_NAME, F_ORG_KIND };
/* Grants about to lapse. */
enum { G_CASE, G_PKIND, G_PRINCIPAL, G_CLASSES, G_PERM, G_EXPIRES, G_ORG_NAME };

static void review_accesses(struct rep *r, const rowbuf *rb, enum msg title, enum msg help)
{
	static const enum msg cols[] = {M_WHEN, M_CASE, M_WHO, M_WHAT, M_OUTCOME};
	size_t i;

	section(r, title, help);
	if (rb->nrow == 0) {
		para(r, W(r, M_NONE), "meta");
		return;
	}
	table_head(r, cols, 5);
	for (i = 0; i < rb->nrow; i++) {
		struct access_text t;
		char what[sizeof(t.what) + VAULT_ID_BUFSIZE + 16];

		describe(r, rb, i, 1, &t);
		if (r->html) {
			/* The case id gets its own column. */
			sb_printf(&r->b, "<tr%s><td class=\"when\">", t.refused ? " class=\"refused\""
			                              : t.kind == K_EMERGENCY ? " class=\"emergency\"" : "");
			val(r, t.when);
			sb_puts(&r->b, "</td><td>");
			val(r, rb_text(rb, i, A_CASE));
			sb_puts(&r->b, "</td><td>");
			val(r, t.who);
			sb_puts(&r->b, "</td><td>");
			val(r, t.what);
			if (t.reason[0]) {
				sb_puts(&r->b, "<br><span class=\"reason\">");
				val(r, W(r, M_REASON));
				sb_puts(&r->b, ": ");
				val(r, t.reason);
				sb_puts(&r->b, "</span>");
			}
			sb_puts(&r->b, "</td><td>");
			val(r, t.outcome);
			sb_puts(&r->b, "</td></tr>\n");
		} else {
			snprintf(what, sizeof(what), "%s %s: %s", W(r, M_CASE), rb_text(rb, i, A_CASE),
			         t.what);
			what[sizeof(t.what) - 1] = '\0'; /* cut, never overrun */
			memcpy(t.what, what, strlen(what) + 1);
			access_row(r, &t, 0);
		}
	}
	table_end(r);
}

static void review_refusals(struct rep *r, const rowbuf *rb)
{
	static const enum msg cols[] = {M_ACTOR, M_WHO, M_CLASS, M_TIMES, M_LAST};
	size_t i;

	section(r, M_S_REFUSALS, M_S_REFUSALS_HELP);
	if (rb->nrow == 0) {
		para(r, W(r, M_NONE), "meta");
		return;
	}
	table_head(r, cols, 5);
	for (i = 0; i < rb->nrow; i++) {
		char org[VAULT_TEXT_MAX + 64], cls[256], when[TIME_BUFSIZE], n[32];

		org_words(r, rb_text(rb, i, F_ORG), rb_text(rb, i, F_ORG_NAME),
		          RB_INT(rb, i, F_ORG_KIND), org, sizeof(org));
		classes_words(r, rb_text(rb, i, F_CLASS), cls, sizeof(cls));
		time_str(RB_INT64(rb, i, F_LAST), r->o.utc, when);
		snprintf(n, sizeof(n), "%lld", (long long)RB_INT64(rb, i, F_COUNT));
		if (r->html) {
			sb_puts(&r->b, "<tr><td>");
			val(r, rb_text(rb, i, F_ACTOR));
			sb_puts(&r->b, "</td><td>");
			val(r, org);
			sb_puts(&r->b, ", ");
			val(r, word(rb_text(rb, i, F_ROLE), r->it));
			sb_puts(&r->b, "</td><td>");
			val(r, cls);
			sb_puts(&r->b, "</td><td>");
			val(r, n);
			sb_puts(&r->b, "</td><td>");
			val(r, when);
			sb_puts(&r->b, "</td></tr>\n");
		} else {
			sb_puts(&r->b, "\n");
			val(r, rb_text(rb, i, F_ACTOR));
			sb_puts(&r->b, ", ");
			val(r, org);
			sb_puts(&r->b, ", ");
			val(r, word(rb_text(rb, i, F_ROLE), r->it));
			field(r, M_CLASS, cls);
			sb_printf(&r->b, "\n  %-9s %s (%s: ", W(r, M_TIMES), n, W(r, M_LAST));
			val(r, when);
			sb_puts(&r->b, ")\n");
		}
	}
	table_end(r);
}

static void review_lapsing(struct rep *r, const rowbuf *rb)
{
	static const enum msg cols[] = {M_EXPIRES, M_CASE, M_HOLDER, M_CLASS, M_PERM};
	size_t i;

	section(r, M_S_LAPSING, M_S_LAPSING_HELP);
	if (rb->nrow == 0) {
		para(r, W(r, M_NONE), "meta");
		return;
	}
	table_head(r, cols, 5);
	for (i = 0; i < rb->nrow; i++) {
		char holder[VAULT_TEXT_MAX + 64], cls[256], when[TIME_BUFSIZE], cl[64];
		const char *perm = vault_perm_name((vault_perm)RB_INT(rb, i, G_PERM));
		unsigned int c = (unsigned int)RB_INT(rb, i, G_CLASSES), bit;

		cl[0] = '\0';
		for (bit = VAULT_CLASS_GENERAL; bit <= VAULT_CLASS_SAFETY; bit <<= 1)
			if (c & bit) {
				if (cl[0])
					strncat(cl, ",", sizeof(cl) - strlen(cl) - 1);
				strncat(cl, vault_class_name((vault_class)bit), sizeof(cl) - strlen(cl) - 1);
			}
		classes_words(r, cl, cls, sizeof(cls));
		time_str(RB_INT64(rb, i, G_EXPIRES), r->o.utc, when);
		if (RB_INT(rb, i, G_PKIND) == VAULT_PRINCIPAL_ORG)
			snprintf(holder, sizeof(holder), "%s", rb_text(rb, i, G_ORG_NAME)[0] ?
			         rb_text(rb, i, G_ORG_NAME) : rb_text(rb, i, G_PRINCIPAL));
		else
			snprintf(holder, sizeof(holder), "%s", rb_text(rb, i, G_PRINCIPAL));
		if (r->html) {
			sb_puts(&r->b, "<tr><td>");
			val(r, when);
			sb_puts(&r->b, "</td><td>");
			val(r, rb_text(rb, i, G_CASE));
			sb_puts(&r->b, "</td><td>");
			val(r, holder);
			sb_puts(&r->b, "</td><td>");
			val(r, cls);
			sb_puts(&r->b, "</td><td>");
			val(r, word(perm ? perm : "", r->it));
			sb_puts(&r->b, "</td></tr>\n");
		} else {
			sb_puts(&r->b, "\n");
			val(r, when);
			field(r, M_CASE, rb_text(rb, i, G_CASE));
			field(r, M_HOLDER, holder);
			snprintf(holder, sizeof(holder), "%s (%s)", cls, word(perm ? perm : "", r->it));
			field(r, M_CLASS, holder);
			sb_puts(&r->b, "\n");
		}
	}
	table_end(r);
}

static json_t *rows_json(struct rep *r, const rowbuf *rb, int with_case)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < rb->nrow; i++)
		if (json_array_append_new(arr, access_json(r, rb, i, 1, with_case)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

vault_status vault_report_review(vault *v, const char *org,
                                 const vault_report_options *opts, vault_buf *out)
{
	struct rep r;
	rowbuf outside = {0}, bg = {0}, refusals = {0}, emerg = {0}, lapsing = {0}, ob = {0};
	struct org_fill f;
	gate g;
	vault_org_kind okind;
	vault_status st;
	char oname[VAULT_TEXT_MAX + 64];

	if (v == NULL)
		return VAULT_ERR_INVALID;
	memset(&r, 0, sizeof(r));
	r.v = v;
	if ((st = options(v, opts, &r.o, out)) != VAULT_OK)
		return st;
	if (!vault__valid_name(org))
		return vault__err(v, VAULT_ERR_INVALID, "report: bad organisation id");
	r.it = r.o.lang == VAULT_LANG_IT;
	r.html = r.o.format == VAULT_REPORT_HTML;
	f.org = org;

	st = vault__gate_open(v, &g, "report.review", POLICY_REPORT_REVIEW, NULL, org, 0,
	                      review_fill, &f);
	if (st == VAULT_OK) {
		/* Only someone who may review it learns whether it exists. */
		st = vault__org_kind_of(v, org, &okind, NULL);
	}
	st = vault__gate_close(&g, st);
	if (st != VAULT_OK)
		return st;
	r.now = vault__now();

	if ((st = vault__exec(v, "BEGIN")) != VAULT_OK)
		return st;
	st = vault__facts_log_whole(v);
	/* the tables it joins, for every case of the organisation (an insider
	 * review hid refusals by rewriting a case's owner, and lapsing grants
	 * by rewriting their expiry) */
	if (st == VAULT_OK) {
		static const char *const joined[] = {"cases", "grants", "orgs", "users", NULL};

		st = vault__facts_check_tables(v, joined);
	}
	/* as in vault_report_access(): every entry as verified */
	if (st == VAULT_OK)
		st = vault__audit_log_check(v);
	if (st == VAULT_OK)
		st = fetch(v, "SELECT " ACCESS_COLS " FROM audit a CROSS JOIN cases c ON c.id = a.case_id"
	              ACCESS_JOINS " WHERE c.owner_org = ?1 AND a.org <> ?1" PERIOD
	              " ORDER BY a.seq", org, &r, &outside);
	if (st == VAULT_OK)
		st = entries_verified(v, &outside);
	if (st == VAULT_OK)
		st = fetch(v, "SELECT " ACCESS_COLS " FROM audit a CROSS JOIN cases c ON c.id = a.case_id"
		              ACCESS_JOINS " WHERE c.owner_org = ?1 AND a.action = 'break-glass'"
		              PERIOD " ORDER BY a.seq", org, &r, &bg);
	if (st == VAULT_OK)
		st = entries_verified(v, &bg);
	/* the refusals counted: each entry that counts, as verified */
	if (st == VAULT_OK) {
		rowbuf counted = {0};

		st = fetch(v, "SELECT a.seq FROM audit a LEFT JOIN cases c ON c.id = a.case_id"
		              " WHERE a.outcome = 'denied' AND (c.owner_org = ?1 OR a.org = ?1)"
		              PERIOD, org, &r, &counted);
		if (st == VAULT_OK)
			st = entries_verified(v, &counted);
		vault__rows_free(&counted);
	}
	if (st == VAULT_OK)
		st = fetch(v, "SELECT a.actor, a.org, a.role, a.class, COUNT(*), MAX(a.ts),"
		              " o.name, o.kind FROM audit a LEFT JOIN cases c ON c.id = a.case_id"
		              " LEFT JOIN orgs o ON o.id = a.org"
		              " WHERE a.outcome = 'denied' AND (c.owner_org = ?1 OR a.org = ?1)"
		              PERIOD " GROUP BY a.actor, a.org, a.role, a.class"
		              " ORDER BY COUNT(*) DESC, a.actor, a.class", org, &r, &refusals);
	if (st == VAULT_OK)
		st = fetch(v, "SELECT " ACCESS_COLS " FROM audit a CROSS JOIN cases c ON c.id = a.case_id"
		              ACCESS_JOINS " WHERE c.owner_org = ?1 AND a.action = 'consent.add'"
		              " AND a.high = 1" PERIOD " ORDER BY a.seq", org, &r, &emerg);
	if (st == VAULT_OK)
		st = entries_verified(v, &emerg);
	if (st == VAULT_OK)
		st = fetch(v, "SELECT g.case_id, g.pkind, g.principal, g.classes, g.perm, g.expires,"
		              " o.name FROM cases c JOIN grants g ON g.case_id = c.id"
		              " LEFT JOIN orgs o ON g.pkind = 1 AND o.id = g.principal"
		              " WHERE c.owner_org = ?1 AND g.revoked = 0 AND g.expires > ?4"
		              " AND g.expires <= ?4 + " LAPSE_SECONDS
		              " ORDER BY g.expires, g.case_id",
		           org, &r, &lapsing);
	if (st == VAULT_OK)
		st = fetch(v, "SELECT name, kind FROM orgs WHERE id = ?1", org, &r, &ob);
	sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL);
	if (st != VAULT_OK)
		goto cleanup;
	org_words(&r, org, ob.nrow ? rb_text(&ob, 0, 0) : "", ob.nrow ? RB_INT(&ob, 0, 1) : 0,
	          oname, sizeof(oname));

	if (r.o.format == VAULT_REPORT_JSON) {
		json_t *lap = json_array(), *ref = json_array(), *doc;
		size_t i;

		for (i = 0; lap != NULL && i < lapsing.nrow; i++)
			json_array_append_new(lap, json_pack("{s:s, s:s, s:s, s:i, s:s, s:I}",
			        "case", rb_text(&lapsing, i, G_CASE),
			        "principal_kind", RB_INT(&lapsing, i, G_PKIND) == VAULT_PRINCIPAL_ORG ?
			                          "org" : "user",
			        "principal", rb_text(&lapsing, i, G_PRINCIPAL),
			        "classes", RB_INT(&lapsing, i, G_CLASSES),
			        "perm", vault_perm_name((vault_perm)RB_INT(&lapsing, i, G_PERM)) ?
			                vault_perm_name((vault_perm)RB_INT(&lapsing, i, G_PERM)) : "",
			        "expires", (json_int_t)RB_INT64(&lapsing, i, G_EXPIRES)));
		for (i = 0; ref != NULL && i < refusals.nrow; i++)
			json_array_append_new(ref, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}",
			        "actor", rb_text(&refusals, i, F_ACTOR),
			        "org", rb_text(&refusals, i, F_ORG),
			        "role", rb_text(&refusals, i, F_ROLE),
			        "classes", rb_text(&refusals, i, F_CLASS),
			        "count", (json_int_t)RB_INT64(&refusals, i, F_COUNT),
			        "last", (json_int_t)RB_INT64(&refusals, i, F_LAST)));
		doc = json_pack("{s:s, s:s, s:I, s:I, s:I, s:i, s:o, s:o, s:o, s:o, s:o}",
		                "report", "review", "org", org, "since", (json_int_t)r.o.since,
		                "until", (json_int_t)r.o.until, "generated", (json_int_t)r.now,
		                "lapse_days", VAULT_REPORT_LAPSE_DAYS,
		                "outside", rows_json(&r, &outside, 1), "break_glass", rows_json(&r, &bg, 1),
		                "refusals", ref, "emergency_consents", rows_json(&r, &emerg, 1),
		                "lapsing_grants", lap);
		if (doc == NULL) {
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
			goto cleanup;
		}
		st = finish(&r, doc, out);
		goto cleanup;
	}

	begin_doc(&r, M_TITLE_REVIEW);
	para(&r, W(&r, M_INTRO_REVIEW), "help");
	if (!r.html)
		sb_puts(&r.b, "\n");
	meta_line(&r, M_ORG_LABEL, oname);
	period_line(&r);
	produced_line(&r);
	kinds_help(&r);
	review_accesses(&r, &outside, M_S_OUTSIDE, M_S_OUTSIDE_HELP);
	review_accesses(&r, &bg, M_S_BREAK_GLASS, M_S_BREAK_GLASS_HELP);
	review_refusals(&r, &refusals);
	review_accesses(&r, &emerg, M_S_EMERGENCY, M_S_EMERGENCY_HELP);
	review_lapsing(&r, &lapsing);
	end_doc(&r);
	st = finish(&r, NULL, out);

cleanup:
	vault__rows_free(&outside);
	vault__rows_free(&bg);
	vault__rows_free(&refusals);
	vault__rows_free(&emerg);
	vault__rows_free(&lapsing);
	vault__rows_free(&ob);
	sb_free(&r.b);
	return st;
}
