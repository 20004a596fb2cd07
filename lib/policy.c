/*
 * policy.c - who may do what: the access decision as one pure function.
 *
 * Everything here reads the request and writes the decision, nothing else:
 * no database, no crypto, no clock, no allocation, no output.  Every path
 * starts from "denied, malformed request" and only a rule that matches turns
 * it into an allow, so a case nobody thought of is refused.  The rules are
 * written out in plain words in SECURITY.md ("Permission model").
 */
#include <limits.h>
#include <string.h>

#include "policy.h"

/* Reasons go to the audit log and to vault_errmsg(): short, static, and
 * never built from the request, so they cannot carry names or content. */
#define R_OK                 "allowed"
#define R_OK_BREAK_GLASS     "allowed under break-glass"
#define R_MALFORMED          "malformed request"
#define R_NO_CONTENT         "role holds no case content"
#define R_AUDIT              "only auditors and admins read the audit log"
#define R_ORG_ADD            "only admins add organisations"
#define R_USER_ADD_ADMIN     "admins add only admins and auditors, without an organisation"
#define R_USER_ADD_SUP       "supervisors add caseworkers and supervisors to their own organisation only"
#define R_USER_ADD_ROLE      "this role cannot add users"
#define R_DISABLE_SELF       "users cannot disable themselves"
#define R_DISABLE_SUP        "supervisors disable members of their own organisation only"
#define R_DISABLE_ROLE       "this role cannot disable users"
#define R_CREATE             "only caseworkers and supervisors of an organisation create cases"
#define R_NO_CASE_GRANT      "no grant on this case"
/* One string per class, so the refusal says which class it is about and
 * stays static.  Indexed like class_bits below. */
static const char *const r_no_class_grant[] = {
	"no grant for this class (general)",
	"no grant for this class (sensitive)",
	"no grant for this class (safety)",
};
static const char *const r_read_only[] = {
	"read-only grant for this class (general): ask the owner for write",
	"read-only grant for this class (sensitive): ask the owner for write",
	"read-only grant for this class (safety): ask the owner for write",
};
#define R_RESTRICTED         "restricted case of your organisation, held by its creator alone: a supervisor can use break-glass"
#define R_LIST_RESTRICTED    "only supervisors of an organisation list its restricted cases"
#define R_HANDOVER           "hand-over of a restricted case whose holders left, under break-glass"
#define R_STATS_EXPORT       "only a supervisor of an organisation exports its statistics"
#define R_SEPARATION         "separation rule: victim safety data never goes to a perpetrator programme"
#define R_NO_SHARE_CLASS     "no share right on this class"
#define R_NO_SHARE_CASE      "no share right on this case"
#define R_TARGET_NO_CONTENT  "admins and auditors cannot hold case content"
#define R_NO_CONSENT         "no valid consent covers this organisation and class"
#define R_OWNER_HOLD         "the owning organisation's hold cannot be revoked"
#define R_BG_ROLE            "break-glass is for supervisors only"
#define R_BG_ORG             "break-glass only on cases of your own organisation"
#define R_BG_REASON          "break-glass reason too short"
#define R_REDACT_ROLE        "redaction and moving content to a lower class are for supervisors"
#define R_REDACT_ORG         "redaction only on cases of your own organisation"
#define R_REDACT_REASON      "redaction reason too short"
#define R_EMERGENCY_ROLE     "emergency legal basis is for supervisors only"
#define R_EMERGENCY_REASON   "emergency legal basis needs a reason"
#define R_REPORT_ACCESS      "the access report is for holders of the share right on the case, and auditors"
#define R_REPORT_NAMES       "staff names in the access report are for supervisors and auditors"
#define R_REPORT_SEPARATION  "separation rule: a perpetrator programme gets no report on a victim case"
#define R_REPORT_REVIEW      "the access review is for supervisors of the organisation, and auditors"

/* The three classes one by one, for the per-class rights. */
static const unsigned int class_bits[] = {
	VAULT_CLASS_GENERAL, VAULT_CLASS_SENSITIVE, VAULT_CLASS_SAFETY
};
#define NCLASSES (sizeof(class_bits) / sizeof(class_bits[0]))

/* Index of the first class of `classes` in class_bits (classes != 0). */
static size_t first_class(unsigned int classes)
{
	size_t c;

	for (c = 0; c < NCLASSES; c++)
		if (classes & class_bits[c])
			return c;
	return 0;
}

/* What the grants and break-glass give the actor on each class of a case. */
struct rights {
	unsigned int readable;   /* after break-glass and separation */
	unsigned int writable;   /* after break-glass and separation */
	unsigned int g_readable; /* from grants alone, after separation */
	unsigned int g_writable; /* from grants alone, after separation */
	unsigned int shareable;  /* from grants alone, after separation */
	int separated;
};

static void set(policy_decision *out, int allow, vault_status status,
                const char *reason)
{
	out->allow = allow;
	out->status = status;
	out->reason = reason;
}

static void allow(policy_decision *out, const char *reason)
{
	set(out, 1, VAULT_OK, reason);
}

static void deny(policy_decision *out, const char *reason)
{
	set(out, 0, VAULT_ERR_DENIED, reason);
}

/* NULL is never equal to anything, not even to NULL: an absent
 * organisation must not match another absent one. */
static int same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Bounded, so a reason missing its NUL cannot make us read far. */
static size_t text_len(const char *s, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	while (n < max && s[n] != '\0')
		n++;
	return n;
}

static int valid_role(vault_role r)
{
	return r >= VAULT_ROLE_ADMIN && r <= VAULT_ROLE_AUDITOR;
}

static int valid_org_kind(vault_org_kind k)
{
	return k >= VAULT_ORG_ANTIVIOLENCE_CENTRE && k <= VAULT_ORG_OTHER;
}

static int valid_classes(unsigned int c)
{
	return c != 0 && (c & ~VAULT_CLASS_ALL) == 0;
}

static int no_content_role(vault_role r)
{
	return r == VAULT_ROLE_ADMIN || r == VAULT_ROLE_AUDITOR;
}

static int case_action(policy_action a)
{
	switch (a) {
	case POLICY_READ:
	case POLICY_WRITE:
	case POLICY_SHARE:
	case POLICY_REVOKE:
	case POLICY_BREAK_GLASS:
	case POLICY_CREATE:
	case POLICY_META:
	case POLICY_CONSENT:
	case POLICY_REDACT:
		return 1;
	default:
		return 0;
	}
}

static int grant_live(const policy_grant *g, int64_t now)
{
	return !g->revoked && (g->expires == 0 || g->expires > now);
}

/* The separation rule (DESIGN.md invariant 5) hangs on the organisation
 * kind, so a kind that does not match its organisation is not guessed at. */
static int actor_ok(const policy_request *req)
{
	if (!valid_role(req->role))
		return 0;
	if (req->actor_org == NULL)
		return req->actor_org_kind == 0;
	return valid_org_kind(req->actor_org_kind);
}

/* The facts every action on an existing case relies on. */
static int case_ok(const policy_request *req)
{
	size_t i;

	if (!req->has_case || req->owner_org == NULL)
		return 0;
	if (req->case_kind != VAULT_CASE_VICTIM &&
	    req->case_kind != VAULT_CASE_PERPETRATOR)
		return 0;
	if (req->ngrants > 0 && req->grants == NULL)
		return 0;
	if (req->nconsents > 0 && req->consents == NULL)
		return 0;
	/* A grant we cannot read means the facts are wrong somewhere:
	 * stop rather than decide on the rest. */
	for (i = 0; i < req->ngrants; i++) {
		const policy_grant *g = &req->grants[i];

		if (g->perm < VAULT_PERM_READ || g->perm > VAULT_PERM_SHARE)
			return 0;
		if ((g->classes & ~VAULT_CLASS_ALL) != 0)
			return 0;
	}
	return 1;
}

static int break_glass_active(const policy_request *req)
{
	return req->break_glass_until > req->now &&
	       req->role == VAULT_ROLE_SUPERVISOR &&
	       same(req->actor_org, req->owner_org);
}

static void compute_rights(const policy_request *req, struct rights *r)
{
	int bg = break_glass_active(req);
	unsigned int hide;
	size_t i, c;

	memset(r, 0, sizeof(*r));
	r->separated = req->case_kind == VAULT_CASE_VICTIM &&
	               req->actor_org_kind == VAULT_ORG_PERPETRATOR_PROGRAMME;
	hide = r->separated ? (unsigned int)VAULT_CLASS_SAFETY : 0u;

	for (c = 0; c < NCLASSES; c++) {
		unsigned int bit = class_bits[c];
		int best = 0;

		for (i = 0; i < req->ngrants; i++) {
			const policy_grant *g = &req->grants[i];

			if (grant_live(g, req->now) && (g->classes & bit) &&
			    (int)g->perm > best)
				best = (int)g->perm;
		}
		if (best >= VAULT_PERM_READ)
			r->g_readable |= bit;
		if (best >= VAULT_PERM_WRITE)
			r->g_writable |= bit;
		if (best >= VAULT_PERM_SHARE)
			r->shareable |= bit;
	}
	/* Break-glass opens the case, but passing it on stays with those
	 * who were trusted with it: it never gives the share right. */
	r->readable = r->g_readable | (bg ? VAULT_CLASS_ALL : 0u);
	r->writable = r->g_writable | (bg ? VAULT_CLASS_ALL : 0u);

	r->readable &= ~hide;
	r->writable &= ~hide;
	r->g_readable &= ~hide;
	r->g_writable &= ~hide;
	/* Who cannot read the safety class cannot pass it on either. */
	r->shareable &= ~hide;
}

static void decide_user_add(const policy_request *req, policy_decision *out)
{
	switch (req->role) {
	case VAULT_ROLE_ADMIN:
		/* Network staff only: an admin who could create caseworkers
		 * could create a way into the cases. */
		if ((req->target_role == VAULT_ROLE_ADMIN ||
		     req->target_role == VAULT_ROLE_AUDITOR) &&
		    req->target_org == NULL)
			allow(out, R_OK);
		else
			deny(out, R_USER_ADD_ADMIN);
		break;
	case VAULT_ROLE_SUPERVISOR:
		if ((req->target_role == VAULT_ROLE_CASEWORKER ||
		     req->target_role == VAULT_ROLE_SUPERVISOR) &&
		    same(req->target_org, req->actor_org))
			allow(out, R_OK);
		else
			deny(out, R_USER_ADD_SUP);
		break;
	default:
		deny(out, R_USER_ADD_ROLE);
		break;
	}
}

static void decide_user_disable(const policy_request *req,
                                policy_decision *out)
{
	if (req->actor == NULL || req->target == NULL ||
	    !valid_role(req->target_role)) {
		deny(out, R_MALFORMED);
		return;
	}
	/* Nobody locks themselves out: the last admin would leave the vault
	 * without anyone to manage it. */
	if (strcmp(req->actor, req->target) == 0 &&
	    (req->role == VAULT_ROLE_ADMIN ||
	     req->role == VAULT_ROLE_SUPERVISOR)) {
		deny(out, R_DISABLE_SELF);
		return;
	}
	switch (req->role) {
	case VAULT_ROLE_ADMIN:
		allow(out, R_OK);
		break;
	case VAULT_ROLE_SUPERVISOR:
		if (same(req->target_org, req->actor_org) &&
		    (req->target_role == VAULT_ROLE_CASEWORKER ||
		     req->target_role == VAULT_ROLE_SUPERVISOR))
			allow(out, R_OK);
		else
			deny(out, R_DISABLE_SUP);
		break;
	default:
		deny(out, R_DISABLE_ROLE);
		break;
	}
}

static void decide_read_write(const policy_request *req,
                              const struct rights *r, policy_decision *out)
{
	unsigned int have, from_grants;

	if (!valid_classes(req->classes)) {
		deny(out, R_MALFORMED);
		return;
	}
	/* Separation before any grant: a grant or break-glass that would
	 * reach the safety class from a perpetrator programme is a mistake
	 * someone should look at, so the refusal is high severity. */
	if (r->separated && (req->classes & VAULT_CLASS_SAFETY)) {
		out->high = 1;
		deny(out, R_SEPARATION);
		return;
	}
	if (req->action == POLICY_READ) {
		have = r->readable;
		from_grants = r->g_readable;
	} else {
		have = r->writable;
		from_grants = r->g_writable;
	}
	if ((req->classes & ~have) != 0) {
		unsigned int missing = req->classes & ~have;

		if (req->restricted && same(req->actor_org, req->owner_org) &&
		    r->g_readable == 0)
			deny(out, R_RESTRICTED);
		else if (req->action == POLICY_WRITE &&
		         (missing & ~r->g_readable) == 0)
			/* She reads it: only the right is missing. */
			deny(out, r_read_only[first_class(missing)]);
		else
			deny(out, r_no_class_grant[first_class(missing)]);
		return;
	}
	if ((req->classes & ~from_grants) != 0) {
		/* Only break-glass let this through: it is reviewed. */
		out->high = 1;
		allow(out, R_OK_BREAK_GLASS);
		return;
	}
	allow(out, R_OK);
}

static int valid_target(const policy_request *req)
{
	if (req->target == NULL)
		return 0;
	if (req->target_org_kind != 0 && !valid_org_kind(req->target_org_kind))
		return 0;
	/* The separation check below needs the kind of the target's
	 * organisation; do not guess it. */
	if (req->target_org != NULL && req->target_org_kind == 0)
		return 0;
	if (req->target_kind == VAULT_PRINCIPAL_ORG) {
		/* An organisation is its own organisation. */
		if (req->target_org != NULL && strcmp(req->target_org,
		                                      req->target) != 0)
			return 0;
		return 1;
	}
	if (req->target_kind == VAULT_PRINCIPAL_USER)
		return valid_role(req->target_role);
	return 0;
}

static void decide_share(const policy_request *req, const struct rights *r,
                         policy_decision *out)
{
	if (!valid_classes(req->classes) || !valid_target(req)) {
		deny(out, R_MALFORMED);
		return;
	}
	/* Checked first, before rights and consent, so that every attempt
	 * is high severity: no consent can send her safety data there. */
	if (req->case_kind == VAULT_CASE_VICTIM &&
	    (req->classes & VAULT_CLASS_SAFETY) &&
	    (req->target_org_kind == VAULT_ORG_PERPETRATOR_PROGRAMME ||
	     r->separated)) {
		out->high = 1;
		deny(out, R_SEPARATION);
		return;
	}
	if ((req->classes & ~r->shareable) != 0) {
		/* A restricted case whose holders left would otherwise be
		 * reachable only 24 hours at a time, by break-glass.  Its
		 * supervisor, under break-glass, hands it to a colleague of the
		 * same organisation: never outside it, never to an
		 * organisation or to herself, and reviewed. */
		if (req->restricted && req->orphaned && break_glass_active(req) &&
		    req->target_kind == VAULT_PRINCIPAL_USER &&
		    !same(req->target, req->actor) &&
		    same(req->target_org, req->owner_org) &&
		    (req->target_role == VAULT_ROLE_CASEWORKER ||
		     req->target_role == VAULT_ROLE_SUPERVISOR)) {
			out->high = 1;
			allow(out, R_HANDOVER);
			return;
		}
		deny(out, R_NO_SHARE_CLASS);
		return;
	}
	if (req->target_kind == VAULT_PRINCIPAL_USER &&
	    no_content_role(req->target_role)) {
		deny(out, R_TARGET_NO_CONTENT);
		return;
	}
	/* Her consent is needed to leave the organisation she turned to;
	 * a perpetrator's case is shared for the programme, without it. */
	if (req->case_kind == VAULT_CASE_VICTIM &&
	    !same(req->target_org, req->owner_org) &&
	    vault_policy_find_consent(req->consents, req->nconsents,
	                              req->target_org, req->classes,
	                              req->now) < 0) {
		set(out, 0, VAULT_ERR_CONSENT, R_NO_CONSENT);
		return;
	}
	allow(out, R_OK);
}

static void decide_revoke(const policy_request *req, const struct rights *r,
                          policy_decision *out)
{
	if (req->target == NULL || (req->target_kind != VAULT_PRINCIPAL_ORG &&
	                            req->target_kind != VAULT_PRINCIPAL_USER)) {
		deny(out, R_MALFORMED);
		return;
	}
	if (r->shareable == 0) {
		deny(out, R_NO_SHARE_CASE);
		return;
	}
	/* The owner's hold is what keeps the case reachable at all. */
	if (req->target_kind == VAULT_PRINCIPAL_ORG &&
	    strcmp(req->target, req->owner_org) == 0) {
		deny(out, R_OWNER_HOLD);
		return;
	}
	allow(out, R_OK);
}

static void decide_break_glass(const policy_request *req,
                               policy_decision *out)
{
	if (req->role != VAULT_ROLE_SUPERVISOR) {
		deny(out, R_BG_ROLE);
		return;
	}
	if (!same(req->actor_org, req->owner_org)) {
		deny(out, R_BG_ORG);
		return;
	}
	if (text_len(req->reason, VAULT_BREAK_GLASS_REASON_MIN) <
	    VAULT_BREAK_GLASS_REASON_MIN) {
		deny(out, R_BG_REASON);
		return;
	}
	allow(out, R_OK);
}

/* Removing content for good (or moving it where more people read it) is
 * the owning organisation's supervisors' call, with a written reason, and
 * on classes they could write anyway.  Always reviewed. */
static void decide_redact(const policy_request *req, const struct rights *r,
                          policy_decision *out)
{
	out->high = 1;
	if (req->role != VAULT_ROLE_SUPERVISOR) {
		deny(out, R_REDACT_ROLE);
		return;
	}
	if (!same(req->actor_org, req->owner_org)) {
		deny(out, R_REDACT_ORG);
		return;
	}
	if (text_len(req->reason, VAULT_BREAK_GLASS_REASON_MIN) <
	    VAULT_BREAK_GLASS_REASON_MIN) {
		deny(out, R_REDACT_REASON);
		return;
	}
	if (!valid_classes(req->classes)) {
		deny(out, R_MALFORMED);
		return;
	}
	if ((req->classes & ~r->writable) != 0) {
		deny(out, r_no_class_grant[first_class(req->classes & ~r->writable)]);
		return;
	}
	allow(out, R_OK);
}

static void decide_consent(const policy_request *req, const struct rights *r,
                           policy_decision *out)
{
	int emergency;

	/* 0 is the public API's default basis, plain consent. */
	if (req->basis != 0 && req->basis != VAULT_BASIS_CONSENT &&
	    req->basis != VAULT_BASIS_VITAL_INTEREST &&
	    req->basis != VAULT_BASIS_LEGAL_OBLIGATION) {
		deny(out, R_MALFORMED);
		return;
	}
	emergency = req->basis == VAULT_BASIS_VITAL_INTEREST ||
	            req->basis == VAULT_BASIS_LEGAL_OBLIGATION;
	/* Sharing without her word is reviewed, whoever tries it. */
	if (emergency)
		out->high = 1;
	if (r->shareable == 0) {
		deny(out, R_NO_SHARE_CASE);
		return;
	}
	if (emergency) {
		if (req->role != VAULT_ROLE_SUPERVISOR) {
			deny(out, R_EMERGENCY_ROLE);
			return;
		}
		if (text_len(req->reason, 1) == 0) {
			deny(out, R_EMERGENCY_REASON);
			return;
		}
	}
	allow(out, R_OK);
}

/* Who saw her file is about her file: those trusted to pass the case on
 * (the share right) answer for it to her, and auditors check the network.
 * Staff names go further than her right to know which organisation and
 * role: supervisors and auditors, who answer for staff, may show them. */
static void decide_report_access(const policy_request *req, policy_decision *out)
{
	struct rights r;

	if (req->role == VAULT_ROLE_AUDITOR) {
		if (req->has_case)
			allow(out, R_OK);
		return;
	}
	if (req->role == VAULT_ROLE_ADMIN) {
		deny(out, R_REPORT_ACCESS);
		return;
	}
	if (!case_ok(req))
		return;
	compute_rights(req, &r);
	if (r.separated) {
		deny(out, R_REPORT_SEPARATION);
		return;
	}
	if (r.shareable == 0) {
		deny(out, R_REPORT_ACCESS);
		return;
	}
	if (req->action == POLICY_REPORT_ACCESS_NAMES &&
	    req->role != VAULT_ROLE_SUPERVISOR) {
		deny(out, R_REPORT_NAMES);
		return;
	}
	allow(out, R_OK);
}

static void decide_report_review(const policy_request *req, policy_decision *out)
{
	if (req->target == NULL) {
		deny(out, R_MALFORMED);
		return;
	}
	if (req->role == VAULT_ROLE_AUDITOR ||
	    (req->role == VAULT_ROLE_SUPERVISOR && same(req->actor_org, req->target)))
		allow(out, R_OK);
	else
		deny(out, R_REPORT_REVIEW);
}

void vault_policy_decide(const policy_request *req, policy_decision *out)
{
	struct rights r;

	if (out == NULL)
		return;
	out->allow = 0;
	out->status = VAULT_ERR_DENIED;
	out->reason = R_MALFORMED;
	out->high = 0;
	out->readable = 0;
	out->writable = 0;

	if (req == NULL)
		return;
	/* Every break-glass attempt is reviewed, refused ones most of all. */
	if (req->action == POLICY_BREAK_GLASS)
		out->high = 1;
	if (!actor_ok(req))
		return;

	switch (req->action) {
	case POLICY_AUDIT_READ:
		if (no_content_role(req->role))
			allow(out, R_OK);
		else
			deny(out, R_AUDIT);
		return;
	case POLICY_ORG_ADD:
		if (req->role == VAULT_ROLE_ADMIN)
			allow(out, R_OK);
		else
			deny(out, R_ORG_ADD);
		return;
	case POLICY_USER_ADD:
		decide_user_add(req, out);
		return;
	case POLICY_USER_DISABLE:
		decide_user_disable(req, out);
		return;
	case POLICY_LIST_RESTRICTED:
		/* Metadata only (which restricted cases exist, who opened
		 * them): what a supervisor needs to know which to reach by
		 * break-glass when their holder is gone. */
		if (req->role == VAULT_ROLE_SUPERVISOR && req->actor_org != NULL)
			allow(out, R_OK);
		else
			deny(out, R_LIST_RESTRICTED);
		return;
	case POLICY_REPORT_ACCESS:
	case POLICY_REPORT_ACCESS_NAMES:
		decide_report_access(req, out);
		return;
	case POLICY_REPORT_REVIEW:
		decide_report_review(req, out);
		return;
	case POLICY_STATS_EXPORT:
		/* Counts of the organisation's own consented cases, signed by
		 * someone who answers for them; never another organisation's. */
		if (req->role == VAULT_ROLE_SUPERVISOR && req->actor_org != NULL &&
		    req->target != NULL && same(req->target, req->actor_org))
			allow(out, R_OK);
		else
			deny(out, R_STATS_EXPORT);
		return;
	default:
		break;
	}

	if (!case_action(req->action))
		return;
	/* Admins and auditors run the network and check it; keeping them
	 * out of the content is what makes that trust bearable. */
	if (no_content_role(req->role)) {
		deny(out, R_NO_CONTENT);
		return;
	}
	if (req->action == POLICY_CREATE) {
		if (req->actor_org != NULL)
			allow(out, R_OK);
		else
			deny(out, R_CREATE);
		return;
	}
	if (!case_ok(req))
		return;

	compute_rights(req, &r);
	if (req->action == POLICY_READ || req->action == POLICY_WRITE ||
	    req->action == POLICY_META) {
		out->readable = r.readable;
		out->writable = r.writable;
	}

	switch (req->action) {
	case POLICY_META:
		if (r.readable != 0)
			allow(out, R_OK);
		else if (req->restricted && same(req->actor_org, req->owner_org))
			deny(out, R_RESTRICTED);
		else
			deny(out, R_NO_CASE_GRANT);
		break;
	case POLICY_READ:
	case POLICY_WRITE:
		decide_read_write(req, &r, out);
		break;
	case POLICY_SHARE:
		decide_share(req, &r, out);
		break;
	case POLICY_REVOKE:
		decide_revoke(req, &r, out);
		break;
	case POLICY_BREAK_GLASS:
		decide_break_glass(req, out);
		break;
	case POLICY_CONSENT:
		decide_consent(req, &r, out);
		break;
	case POLICY_REDACT:
		decide_redact(req, &r, out);
		break;
	default:
		break;
	}
}

int64_t vault_policy_share_until(const policy_request *req, unsigned int classes)
{
	int64_t until = INT64_MAX;
	size_t c, i;

	for (c = 0; c < NCLASSES; c++) {
		int64_t best = -1;

		if (!(classes & class_bits[c]))
			continue;
		for (i = 0; i < req->ngrants; i++) {
			const policy_grant *g = &req->grants[i];

			if (grant_live(g, req->now) && (g->classes & class_bits[c]) &&
			    g->perm >= VAULT_PERM_SHARE)
				best = g->expires == 0     ? INT64_MAX
				       : g->expires > best ? g->expires
				                           : best;
			if (best == INT64_MAX)
				break;
		}
		if (best < until)
			until = best;
	}
	return until;
}

int vault_policy_find_consent(const policy_consent *consents, size_t n,
                              const char *org, unsigned int classes,
                              int64_t now)
{
	size_t i;

	if (consents == NULL || org == NULL || !valid_classes(classes))
		return -1;
	/* The index must fit the return type. */
	if (n > (size_t)INT_MAX)
		n = (size_t)INT_MAX;
	for (i = 0; i < n; i++) {
		const policy_consent *c = &consents[i];

		if (!same(c->org, org))
			continue;
		if ((c->classes & classes) != classes)
			continue;
		if (!(c->scope & VAULT_SCOPE_SHARING))
			continue;
		if (c->given_at > now)
			continue;
		if (c->expires != 0 && c->expires <= now)
			continue;
		if (c->withdrawn != 0)
			continue;
		return (int)i;
	}
	return -1;
}
