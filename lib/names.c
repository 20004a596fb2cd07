/*
 * names.c - versions, constants for bindings, option initialisers, and the
 * canonical names of the enumerations.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int vault_version_number(void) { return VAULT_VERSION_NUMBER; }
const char *vault_version_string(void) { return VAULT_VERSION_STRING; }
size_t vault_id_bufsize(void) { return VAULT_ID_BUFSIZE; }
size_t vault_vault_id_bufsize(void) { return VAULT_VAULT_ID_BUFSIZE; }
size_t vault_name_max(void) { return VAULT_NAME_MAX; }
size_t vault_record_max(void) { return VAULT_RECORD_MAX; }

/* Options: version 0 or one from the future is refused rather than guessed. */
#define OPTIONS_INIT(fn, type, ver, init)                                      \
	vault_status fn(type *opts, unsigned int version)                      \
	{                                                                      \
		type tmpl = init;                                              \
		if (opts == NULL || version == 0 || version > (ver))           \
			return VAULT_ERR_INVALID;                              \
		*opts = tmpl;                                                  \
		opts->version = version;                                       \
		return VAULT_OK;                                               \
	}

OPTIONS_INIT(vault_create_options_init, vault_create_options,
             VAULT_CREATE_OPTIONS_VERSION, VAULT_CREATE_OPTIONS_INIT)
vault_status vault_open_options_init(vault_open_options *opts, unsigned int version)
{
	vault_open_options tmpl = VAULT_OPEN_OPTIONS_INIT;

	if (opts == NULL || version == 0 || version > VAULT_OPEN_OPTIONS_VERSION)
		return VAULT_ERR_INVALID;
	/* A version 1 caller's struct ends before state_dir. */
	memcpy(opts, &tmpl, version == 1 ? OPEN_OPTIONS_V1_SIZE
	                                 : sizeof(tmpl));
	opts->version = version;
	return VAULT_OK;
}
OPTIONS_INIT(vault_consent_options_init, vault_consent_options,
             VAULT_CONSENT_OPTIONS_VERSION, VAULT_CONSENT_OPTIONS_INIT)
OPTIONS_INIT(vault_share_options_init, vault_share_options,
             VAULT_SHARE_OPTIONS_VERSION, VAULT_SHARE_OPTIONS_INIT)
OPTIONS_INIT(vault_audit_query_init, vault_audit_query,
             VAULT_AUDIT_QUERY_VERSION, VAULT_AUDIT_QUERY_INIT)

vault_status vault_verify_result_init(vault_verify_result *res, unsigned int version)
{
	if (res == NULL || version == 0 || version > VAULT_VERIFY_RESULT_VERSION)
		return VAULT_ERR_INVALID;
	/* A version 1 caller's struct ends before checkpoint_kind. */
	memset(res, 0, version == 1 ? VERIFY_RESULT_V1_SIZE
	                            : sizeof(*res));
	res->version = version;
	return VAULT_OK;
}

struct name { int value; const char *name; };

static const struct name org_kinds[] = {
	{VAULT_ORG_ANTIVIOLENCE_CENTRE, "antiviolence-centre"},
	{VAULT_ORG_RECEPTION_CENTRE, "reception-centre"},
	{VAULT_ORG_PERPETRATOR_PROGRAMME, "perpetrator-programme"},
	{VAULT_ORG_HEALTH, "health"},
	{VAULT_ORG_AUTHORITY, "authority"},
	{VAULT_ORG_OTHER, "other"},
	{0, NULL}};
static const struct name roles[] = {
	{VAULT_ROLE_ADMIN, "admin"}, {VAULT_ROLE_CASEWORKER, "caseworker"},
	{VAULT_ROLE_SUPERVISOR, "supervisor"}, {VAULT_ROLE_AUDITOR, "auditor"},
	{0, NULL}};
static const struct name case_kinds[] = {
	{VAULT_CASE_VICTIM, "victim"}, {VAULT_CASE_PERPETRATOR, "perpetrator"},
	{0, NULL}};
static const struct name classes[] = {
	{VAULT_CLASS_GENERAL, "general"}, {VAULT_CLASS_SENSITIVE, "sensitive"},
	{VAULT_CLASS_SAFETY, "safety"}, {0, NULL}};
static const struct name perms[] = {
	{VAULT_PERM_READ, "read"}, {VAULT_PERM_WRITE, "write"},
	{VAULT_PERM_SHARE, "share"}, {0, NULL}};
static const struct name purposes[] = {
	{VAULT_PURPOSE_CASEWORK, "casework"}, {VAULT_PURPOSE_REFERRAL, "referral"},
	{VAULT_PURPOSE_AUDIT, "audit"}, {VAULT_PURPOSE_STATISTICS, "statistics"},
	{VAULT_PURPOSE_EMERGENCY, "emergency"}, {0, NULL}};
static const struct name bases[] = {
	{VAULT_BASIS_CONSENT, "consent"},
	{VAULT_BASIS_VITAL_INTEREST, "vital-interest"},
	{VAULT_BASIS_LEGAL_OBLIGATION, "legal-obligation"}, {0, NULL}};
static const struct name kdfs[] = {
	{VAULT_KDF_DEFAULT, "default"}, {VAULT_KDF_INTERACTIVE, "interactive"},
	{VAULT_KDF_MODERATE, "moderate"}, {VAULT_KDF_SENSITIVE, "sensitive"},
	{VAULT_KDF_INSECURE_TEST_ONLY, "insecure-test-only"}, {0, NULL}};
static const struct name scopes[] = {
	{VAULT_SCOPE_SERVICES, "services"}, {VAULT_SCOPE_SHARING, "sharing"},
	{VAULT_SCOPE_STATISTICS, "statistics"}, {0, NULL}};
static const struct name outcomes[] = {
	{VAULT_OUTCOME_OK, "ok"}, {VAULT_OUTCOME_DENIED, "denied"},
	{VAULT_OUTCOME_ERROR, "error"}, {0, NULL}};

static const char *name_of(const struct name *t, int v)
{
	for (; t->name != NULL; t++)
		if (t->value == v)
			return t->name;
	return NULL;
}

static vault_status parse(const struct name *t, const char *s, int *out)
{
	if (s == NULL || out == NULL)
		return VAULT_ERR_INVALID;
	for (; t->name != NULL; t++)
		if (strcmp(t->name, s) == 0) {
			*out = t->value;
			return VAULT_OK;
		}
	vault__set_last_error("unknown name");
	return VAULT_ERR_INVALID;
}

#define NAMES(type, table, namefn, parsefn)                                    \
	const char *namefn(type v) { return name_of(table, (int)v); }          \
	vault_status parsefn(const char *s, type *out)                         \
	{                                                                      \
		int v = 0;                                                     \
		vault_status st = parse(table, s, &v);                         \
		if (st == VAULT_OK)                                            \
			*out = (type)v;                                        \
		return st;                                                     \
	}

NAMES(vault_org_kind, org_kinds, vault_org_kind_name, vault_org_kind_parse)
NAMES(vault_role, roles, vault_role_name, vault_role_parse)
NAMES(vault_case_kind, case_kinds, vault_case_kind_name, vault_case_kind_parse)
NAMES(vault_perm, perms, vault_perm_name, vault_perm_parse)
NAMES(vault_purpose, purposes, vault_purpose_name, vault_purpose_parse)
NAMES(vault_basis, bases, vault_basis_name, vault_basis_parse)
NAMES(vault_outcome, outcomes, vault_outcome_name, vault_outcome_parse)
NAMES(vault_kdf, kdfs, vault_kdf_name, vault_kdf_parse)

const char *vault_class_name(vault_class cls)
{
	return name_of(classes, (int)cls);
}

static vault_status parse_list(const struct name *table, const char *what,
                               const char *list, unsigned int *out);

vault_status vault_classes_parse(const char *list, unsigned int *out)
{
	return parse_list(classes, "class", list, out);
}

vault_status vault_scopes_parse(const char *list, unsigned int *out)
{
	return parse_list(scopes, "scope", list, out);
}

/* A comma-separated list of names into the OR of their bit values. */
static vault_status parse_list(const struct name *table, const char *what,
                               const char *list, unsigned int *out)
{
	unsigned int set = 0;
	const char *p = list;

	if (list == NULL || out == NULL || *list == '\0')
		return VAULT_ERR_INVALID;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const struct name *t;
		int found = 0;

		for (t = table; t->name != NULL; t++)
			if (strlen(t->name) == n && strncmp(t->name, p, n) == 0) {
				set |= (unsigned int)t->value;
				found = 1;
			}
		if (!found) {
			vault__set_last_error("unknown %s '%.*s'", what, (int)(n > 32 ? 32 : n), p);
			return VAULT_ERR_INVALID;
		}
		if (end == NULL)
			break;
		p = end + 1;
		if (*p == '\0')
			return VAULT_ERR_INVALID;
	}
	*out = set;
	return VAULT_OK;
}
