/*
 * policy.h - the access decision, as one pure function.
 *
 * No database, no crypto, no clock, no allocation: everything the decision
 * needs is in the request, so it can be read and tested as a table.  The
 * callers (lib/gate.c) gather the facts; the keys are sealed to agree with
 * what this function allows.
 */
#ifndef VAULT_POLICY_H
#define VAULT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "vault.h"

typedef enum policy_action {
	POLICY_READ = 1,        /* read records of the classes in `classes` */
	POLICY_WRITE = 2,       /* write (put, delete) records of `classes` */
	POLICY_SHARE = 3,       /* grant `classes` to the target principal */
	POLICY_REVOKE = 4,      /* revoke the target principal's grants */
	POLICY_BREAK_GLASS = 5, /* emergency access with a reason */
	POLICY_CREATE = 6,      /* open a new case */
	POLICY_META = 7,        /* see the case exists and its metadata */
	POLICY_CONSENT = 8,     /* record or withdraw a consent */
	POLICY_ORG_ADD = 9,     /* add an organisation */
	POLICY_USER_ADD = 10,   /* add a user (target_role, target_org) */
	POLICY_USER_DISABLE = 11, /* disable a user (target_*) */
	POLICY_AUDIT_READ = 12, /* query, export, verify, checkpoint the log */
	POLICY_REDACT = 13,     /* redact a version, or move `classes` content down:
	                           a supervisor of the owning organisation with
	                           write on `classes` and a reason */
	/* (numbered apart, so actions added by other work do not collide) */
	POLICY_LIST_RESTRICTED = 20, /* list the restricted cases of one's organisation */
	/* Reports (lib/report.c), numbered apart as well: */
	POLICY_REPORT_ACCESS = 30,   /* the access report of a case: its share-right
	                                holders, and auditors */
	POLICY_REPORT_ACCESS_NAMES = 31, /* the same with staff names: supervisors
	                                    among them, and auditors */
	POLICY_REPORT_REVIEW = 32,   /* the access review of organisation `target`:
	                                its supervisors, and auditors */
	POLICY_STATS_EXPORT = 40 /* export the statistics of `target` (an organisation):
	                            a supervisor of that organisation */
} policy_action;

/* A grant that applies to the actor (to the actor's user or organisation).
 * The caller has already filtered out grants to other principals. */
typedef struct policy_grant {
	unsigned int classes; /* VAULT_CLASS_* bits */
	vault_perm perm;
	int64_t expires;      /* 0: none */
	int revoked;
} policy_grant;

typedef struct policy_consent {
	const char *org;      /* organisation the sharing is with */
	unsigned int classes;
	unsigned int scope;   /* VAULT_SCOPE_* bits */
	int64_t given_at;
	int64_t expires;      /* 0: never */
	int64_t withdrawn;    /* 0: not withdrawn */
} policy_consent;

typedef struct policy_request {
	int64_t now;
	policy_action action;

	/* who asks */
	vault_role role;
	const char *actor;
	const char *actor_org;          /* NULL when the actor has none */
	vault_org_kind actor_org_kind;  /* 0 when none */

	/* the case (case actions only) */
	int has_case;
	vault_case_kind case_kind;
	const char *owner_org;
	int restricted;
	unsigned int classes;           /* classes the action touches */

	const policy_grant *grants;     /* grants that apply to the actor */
	size_t ngrants;
	int64_t break_glass_until;      /* actor's break-glass on this case, 0: none */

	/* the other party: share/revoke target, new or disabled user */
	vault_principal_kind target_kind;
	const char *target;             /* user name or organisation id */
	const char *target_org;         /* the target's organisation (user: its org) */
	vault_org_kind target_org_kind;
	vault_role target_role;         /* user actions */

	const policy_consent *consents; /* consents recorded on the case */
	size_t nconsents;
	vault_basis basis;              /* POLICY_CONSENT: basis being recorded */
	const char *reason;             /* break-glass or emergency-basis reason */

	/* POLICY_SHARE of a restricted case: no enabled member of the owning
	 * organisation, nor the organisation itself, holds a live grant on it
	 * any more (its holder left).  A supervisor under break-glass may then
	 * hand it over to a colleague. */
	int orphaned;
} policy_request;

typedef struct policy_decision {
	int allow;
	vault_status status;  /* VAULT_OK, VAULT_ERR_DENIED or VAULT_ERR_CONSENT */
	const char *reason;   /* static English text, never a secret */
	int high;             /* high severity for the audit log */
	/* READ/WRITE/META: the classes allowed to be read and written now
	 * (after separation and expiry), whatever `classes` asked for. */
	unsigned int readable;
	unsigned int writable;
} policy_decision;

/* Decide.  Never fails: a malformed request is denied. */
void vault_policy_decide(const policy_request *req, policy_decision *out);

/* The consent among `consents` that allows sharing `classes` with `org` at
 * `now`, or -1.  Used by the decision and by the grant (to record which
 * consent a grant rests on). */
int vault_policy_find_consent(const policy_consent *consents, size_t n,
                              const char *org, unsigned int classes, int64_t now);

/* Until when the actor's live grants (req->grants at req->now) give her
 * the share right on every class of `classes`: INT64_MAX when each of
 * them has a grant that never lapses, -1 when one has none.  A grant she
 * makes, or makes again, expires no later: passing a case on does not
 * outlive her own right to (attack 110d). */
int64_t vault_policy_share_until(const policy_request *req, unsigned int classes);

#endif
