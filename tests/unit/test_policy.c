/*
 * test_policy.c - the access decision, as tables and as focused cases.
 *
 * vault_policy_decide() is pure, so these tests need no vault: each one
 * builds a request by hand and checks the decision.  The two matrices
 * spell out the expected outcome of every role, organisation kind, case
 * kind, class and action in one representative situation each; the
 * focused tests below them pin the rules one at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

#define NOW ((int64_t)1700000000)

/* A reason of exactly VAULT_BREAK_GLASS_REASON_MIN (20) bytes, and one
 * byte short of it. */
#define REASON_20 "client not reachable"
#define REASON_19 "client not reachabl"
#define REASON_LONG "threat reported tonight, she is not answering"

/* A request with room for its grants and consents.  Initialised in place,
 * since the request points into it. */
struct fixture {
	policy_request req;
	policy_grant grants[4];
	policy_consent consents[4];
};

/* A caseworker of the anti-violence centre "org-a" on a victim case that
 * org-a owns, holding nothing yet.  Tests add what they need. */
static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->req.now = NOW;
	f->req.action = POLICY_READ;
	f->req.role = VAULT_ROLE_CASEWORKER;
	f->req.actor = "anna";
	f->req.actor_org = "org-a";
	f->req.actor_org_kind = VAULT_ORG_ANTIVIOLENCE_CENTRE;
	f->req.has_case = 1;
	f->req.case_kind = VAULT_CASE_VICTIM;
	f->req.owner_org = "org-a";
	f->req.classes = VAULT_CLASS_GENERAL;
	f->req.grants = f->grants;
	f->req.consents = f->consents;
}

static void add_grant(struct fixture *f, unsigned int classes, vault_perm perm,
                      int64_t expires, int revoked)
{
	policy_grant *g;

	assert_true(f->req.ngrants < 4);
	g = &f->grants[f->req.ngrants++];
	g->classes = classes;
	g->perm = perm;
	g->expires = expires;
	g->revoked = revoked;
}

static void add_consent(struct fixture *f, const char *org,
                        unsigned int classes, unsigned int scope,
                        int64_t given_at, int64_t expires, int64_t withdrawn)
{
	policy_consent *c;

	assert_true(f->req.nconsents < 4);
	c = &f->consents[f->req.nconsents++];
	c->org = org;
	c->classes = classes;
	c->scope = scope;
	c->given_at = given_at;
	c->expires = expires;
	c->withdrawn = withdrawn;
}

/* Share or revoke towards the organisation `org` of kind `kind`. */
static void target_org(struct fixture *f, const char *org, vault_org_kind kind)
{
	f->req.target_kind = VAULT_PRINCIPAL_ORG;
	f->req.target = org;
	f->req.target_org = org;
	f->req.target_org_kind = kind;
	f->req.target_role = (vault_role)0;
}

/* Share or revoke towards the user `name`, member of `org`. */
static void target_user(struct fixture *f, const char *name, const char *org,
                        vault_org_kind kind, vault_role role)
{
	f->req.target_kind = VAULT_PRINCIPAL_USER;
	f->req.target = name;
	f->req.target_org = org;
	f->req.target_org_kind = kind;
	f->req.target_role = role;
}

static policy_decision decide(const struct fixture *f)
{
	policy_decision d;

	/* Garbage first, so a field the function forgets to set shows. */
	memset(&d, 0xa5, sizeof(d));
	vault_policy_decide(&f->req, &d);
	assert_non_null(d.reason);
	return d;
}

static void assert_allowed(const policy_decision *d, int high)
{
	assert_int_equal(d->allow, 1);
	assert_int_equal(d->status, VAULT_OK);
	assert_int_equal(d->high, high);
}

static void assert_denied(const policy_decision *d, int high)
{
	assert_int_equal(d->allow, 0);
	assert_int_equal(d->status, VAULT_ERR_DENIED);
	assert_int_equal(d->high, high);
}

static void assert_no_consent(const policy_decision *d)
{
	assert_int_equal(d->allow, 0);
	assert_int_equal(d->status, VAULT_ERR_CONSENT);
	assert_int_equal(d->high, 0);
}

static void assert_reason(const policy_decision *d, const char *want)
{
	assert_string_equal(d->reason, want);
}

static void assert_separation(const policy_decision *d)
{
	assert_denied(d, 1);
	assert_non_null(strstr(d->reason, "separation"));
}

/* ------------------------------------------------------------------------ */
/* The matrices                                                              */
/* ------------------------------------------------------------------------ */

/* Short names, so that one row fits one line. */
#define ADM VAULT_ROLE_ADMIN
#define CW  VAULT_ROLE_CASEWORKER
#define SUP VAULT_ROLE_SUPERVISOR
#define AUD VAULT_ROLE_AUDITOR
#define AVC VAULT_ORG_ANTIVIOLENCE_CENTRE
#define REC VAULT_ORG_RECEPTION_CENTRE
#define PP  VAULT_ORG_PERPETRATOR_PROGRAMME
#define HLT VAULT_ORG_HEALTH
#define AUT VAULT_ORG_AUTHORITY
#define OTH VAULT_ORG_OTHER
#define VIC VAULT_CASE_VICTIM
#define PER VAULT_CASE_PERPETRATOR
#define GEN VAULT_CLASS_GENERAL
#define SEN VAULT_CLASS_SENSITIVE
#define SAF VAULT_CLASS_SAFETY

enum expect {
	OK = 1, /* allowed */
	OKH,    /* allowed, high severity */
	NO,     /* denied (VAULT_ERR_DENIED) */
	NOH,    /* denied, high severity */
	CNS     /* refused for want of consent (VAULT_ERR_CONSENT) */
};

/* The columns of a row, in order. */
static const policy_action matrix_actions[5] = {
	POLICY_READ, POLICY_WRITE, POLICY_SHARE, POLICY_REVOKE,
	POLICY_BREAK_GLASS
};
static const char *const action_names[5] = {
	"read", "write", "share", "revoke", "break-glass"
};

struct matrix_row {
	vault_role role;
	vault_org_kind org;    /* kind of the actor's organisation */
	vault_case_kind kind;
	unsigned int cls;      /* the class read, written or shared */
	enum expect exp[5];    /* read write share revoke break-glass */
};

/*
 * Situation 1: the actor belongs to org-a, the organisation that owns the
 * case, of the kind in the row, and holds a live SHARE grant on every
 * class; no break-glass is running.  Share goes to org-c (an anti-violence
 * centre) under a valid consent for every class; revoke targets org-c;
 * break-glass comes with a long enough reason.
 */
static const struct matrix_row own_org_share_grant[] = {
	/* role org  case cls   read write share revoke break-glass */
	{ADM, AVC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, REC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, REC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, PP , VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, PP , PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, PER, SAF, {NO , NO , NO , NO , NOH}},
	{CW , AVC, VIC, GEN, {OK , OK , OK , OK , NOH}},
	{CW , AVC, VIC, SEN, {OK , OK , OK , OK , NOH}},
	{CW , AVC, VIC, SAF, {OK , OK , OK , OK , NOH}},
	{CW , AVC, PER, GEN, {OK , OK , OK , OK , NOH}},
	{CW , AVC, PER, SEN, {OK , OK , OK , OK , NOH}},
	{CW , AVC, PER, SAF, {OK , OK , OK , OK , NOH}},
	{CW , REC, VIC, GEN, {OK , OK , OK , OK , NOH}},
	{CW , REC, VIC, SEN, {OK , OK , OK , OK , NOH}},
	{CW , REC, VIC, SAF, {OK , OK , OK , OK , NOH}},
	{CW , REC, PER, GEN, {OK , OK , OK , OK , NOH}},
	{CW , REC, PER, SEN, {OK , OK , OK , OK , NOH}},
	{CW , REC, PER, SAF, {OK , OK , OK , OK , NOH}},
	{CW , PP , VIC, GEN, {OK , OK , OK , OK , NOH}},
	{CW , PP , VIC, SEN, {OK , OK , OK , OK , NOH}},
	{CW , PP , VIC, SAF, {NOH, NOH, NOH, OK , NOH}},
	{CW , PP , PER, GEN, {OK , OK , OK , OK , NOH}},
	{CW , PP , PER, SEN, {OK , OK , OK , OK , NOH}},
	{CW , PP , PER, SAF, {OK , OK , OK , OK , NOH}},
	{CW , HLT, VIC, GEN, {OK , OK , OK , OK , NOH}},
	{CW , HLT, VIC, SEN, {OK , OK , OK , OK , NOH}},
	{CW , HLT, VIC, SAF, {OK , OK , OK , OK , NOH}},
	{CW , HLT, PER, GEN, {OK , OK , OK , OK , NOH}},
	{CW , HLT, PER, SEN, {OK , OK , OK , OK , NOH}},
	{CW , HLT, PER, SAF, {OK , OK , OK , OK , NOH}},
	{CW , AUT, VIC, GEN, {OK , OK , OK , OK , NOH}},
	{CW , AUT, VIC, SEN, {OK , OK , OK , OK , NOH}},
	{CW , AUT, VIC, SAF, {OK , OK , OK , OK , NOH}},
	{CW , AUT, PER, GEN, {OK , OK , OK , OK , NOH}},
	{CW , AUT, PER, SEN, {OK , OK , OK , OK , NOH}},
	{CW , AUT, PER, SAF, {OK , OK , OK , OK , NOH}},
	{CW , OTH, VIC, GEN, {OK , OK , OK , OK , NOH}},
	{CW , OTH, VIC, SEN, {OK , OK , OK , OK , NOH}},
	{CW , OTH, VIC, SAF, {OK , OK , OK , OK , NOH}},
	{CW , OTH, PER, GEN, {OK , OK , OK , OK , NOH}},
	{CW , OTH, PER, SEN, {OK , OK , OK , OK , NOH}},
	{CW , OTH, PER, SAF, {OK , OK , OK , OK , NOH}},
	{SUP, AVC, VIC, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, AVC, VIC, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, AVC, VIC, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, AVC, PER, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, AVC, PER, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, AVC, PER, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, REC, VIC, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, REC, VIC, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, REC, VIC, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, REC, PER, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, REC, PER, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, REC, PER, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, PP , VIC, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, PP , VIC, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, PP , VIC, SAF, {NOH, NOH, NOH, OK , OKH}},
	{SUP, PP , PER, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, PP , PER, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, PP , PER, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, HLT, VIC, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, HLT, VIC, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, HLT, VIC, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, HLT, PER, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, HLT, PER, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, HLT, PER, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, AUT, VIC, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, AUT, VIC, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, AUT, VIC, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, AUT, PER, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, AUT, PER, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, AUT, PER, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, OTH, VIC, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, OTH, VIC, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, OTH, VIC, SAF, {OK , OK , OK , OK , OKH}},
	{SUP, OTH, PER, GEN, {OK , OK , OK , OK , OKH}},
	{SUP, OTH, PER, SEN, {OK , OK , OK , OK , OKH}},
	{SUP, OTH, PER, SAF, {OK , OK , OK , OK , OKH}},
	{AUD, AVC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, REC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, REC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, PP , VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, PP , PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, PER, SAF, {NO , NO , NO , NO , NOH}},
};

/*
 * Situation 2: the actor belongs to org-b, of the kind in the row; the case
 * is owned by org-a (an anti-violence centre), which gave org-b a live
 * WRITE grant on every class.  Share, revoke and break-glass as in
 * situation 1.
 */
static const struct matrix_row other_org_write_grant[] = {
	/* role org  case cls   read write share revoke break-glass */
	{ADM, AVC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AVC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, REC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, REC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, REC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, PP , VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, PP , PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, PP , PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, HLT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, AUT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, PER, GEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, PER, SEN, {NO , NO , NO , NO , NOH}},
	{ADM, OTH, PER, SAF, {NO , NO , NO , NO , NOH}},
	{CW , AVC, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , AVC, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , AVC, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{CW , AVC, PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , AVC, PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , AVC, PER, SAF, {OK , OK , NO , NO , NOH}},
	{CW , REC, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , REC, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , REC, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{CW , REC, PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , REC, PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , REC, PER, SAF, {OK , OK , NO , NO , NOH}},
	{CW , PP , VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , PP , VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , PP , VIC, SAF, {NOH, NOH, NOH, NO , NOH}},
	{CW , PP , PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , PP , PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , PP , PER, SAF, {OK , OK , NO , NO , NOH}},
	{CW , HLT, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , HLT, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , HLT, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{CW , HLT, PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , HLT, PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , HLT, PER, SAF, {OK , OK , NO , NO , NOH}},
	{CW , AUT, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , AUT, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , AUT, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{CW , AUT, PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , AUT, PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , AUT, PER, SAF, {OK , OK , NO , NO , NOH}},
	{CW , OTH, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{CW , OTH, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{CW , OTH, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{CW , OTH, PER, GEN, {OK , OK , NO , NO , NOH}},
	{CW , OTH, PER, SEN, {OK , OK , NO , NO , NOH}},
	{CW , OTH, PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, AVC, PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, REC, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, REC, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, REC, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, REC, PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, REC, PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, REC, PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, PP , VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, PP , VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, PP , VIC, SAF, {NOH, NOH, NOH, NO , NOH}},
	{SUP, PP , PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, PP , PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, PP , PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, HLT, PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, AUT, PER, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, VIC, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, VIC, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, VIC, SAF, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, PER, GEN, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, PER, SEN, {OK , OK , NO , NO , NOH}},
	{SUP, OTH, PER, SAF, {OK , OK , NO , NO , NOH}},
	{AUD, AVC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AVC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, REC, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, REC, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, REC, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, PP , VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, PP , PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, PP , PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, HLT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, AUT, PER, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, VIC, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, VIC, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, VIC, SAF, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, PER, GEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, PER, SEN, {NO , NO , NO , NO , NOH}},
	{AUD, OTH, PER, SAF, {NO , NO , NO , NO , NOH}},
};

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

static const char *role_name(vault_role r)
{
	static const char *const n[] = {"?", "admin", "caseworker",
	                                "supervisor", "auditor"};
	return (r >= 1 && r <= 4) ? n[r] : "?";
}

static int kind_index(vault_org_kind k)
{
	return (int)k - 1;
}

static int class_index(unsigned int c)
{
	return c == GEN ? 0 : c == SEN ? 1 : c == SAF ? 2 : -1;
}

/* Each table must hold every combination exactly once: a row lost in an
 * edit would otherwise go unnoticed. */
static void assert_table_complete(const struct matrix_row *t, size_t n)
{
	int seen[4][6][2][3];
	size_t i;

	memset(seen, 0, sizeof(seen));
	assert_int_equal(n, 4 * 6 * 2 * 3);
	for (i = 0; i < n; i++) {
		int r = (int)t[i].role - 1, k = kind_index(t[i].org);
		int ck = (int)t[i].kind - 1, c = class_index(t[i].cls);

		assert_true(r >= 0 && r < 4 && k >= 0 && k < 6);
		assert_true(ck >= 0 && ck < 2 && c >= 0 && c < 3);
		assert_int_equal(seen[r][k][ck][c], 0);
		seen[r][k][ck][c] = 1;
	}
}

typedef void (*situation_fn)(struct fixture *f, const struct matrix_row *row,
                             policy_action action);

static void situation_common(struct fixture *f, const struct matrix_row *row,
                             policy_action action)
{
	f->req.action = action;
	f->req.role = row->role;
	f->req.actor = "actor";
	f->req.actor_org_kind = row->org;
	f->req.case_kind = row->kind;
	f->req.owner_org = "org-a";
	f->req.classes = row->cls;
	f->req.reason = REASON_LONG;
	if (action == POLICY_SHARE || action == POLICY_REVOKE)
		target_org(f, "org-c", AVC);
	add_consent(f, "org-c", VAULT_CLASS_ALL,
	            VAULT_SCOPE_SERVICES | VAULT_SCOPE_SHARING, NOW - 86400, 0,
	            0);
}

static void situation_own_org(struct fixture *f, const struct matrix_row *row,
                              policy_action action)
{
	situation_common(f, row, action);
	f->req.actor_org = "org-a";
	add_grant(f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
}

static void situation_other_org(struct fixture *f,
                                const struct matrix_row *row,
                                policy_action action)
{
	situation_common(f, row, action);
	f->req.actor_org = "org-b";
	add_grant(f, VAULT_CLASS_ALL, VAULT_PERM_WRITE, 0, 0);
}

static int matches(const policy_decision *d, enum expect e)
{
	switch (e) {
	case OK:
		return d->allow == 1 && d->status == VAULT_OK && d->high == 0;
	case OKH:
		return d->allow == 1 && d->status == VAULT_OK && d->high == 1;
	case NO:
		return d->allow == 0 && d->status == VAULT_ERR_DENIED &&
		       d->high == 0;
	case NOH:
		return d->allow == 0 && d->status == VAULT_ERR_DENIED &&
		       d->high == 1;
	case CNS:
		return d->allow == 0 && d->status == VAULT_ERR_CONSENT &&
		       d->high == 0;
	}
	return 0;
}

static void run_matrix(const struct matrix_row *t, size_t n,
                       situation_fn situation)
{
	static const char *const exp_names[] = {"?", "OK", "OKH", "NO", "NOH",
	                                        "CNS"};
	size_t i, a;
	int failures = 0;

	assert_table_complete(t, n);
	for (i = 0; i < n; i++) {
		for (a = 0; a < 5; a++) {
			struct fixture f;
			policy_decision d;

			fixture_init(&f);
			situation(&f, &t[i], matrix_actions[a]);
			d = decide(&f);
			if (matches(&d, t[i].exp[a]))
				continue;
			failures++;
			print_error("row %zu (%s, org kind %d, case kind %d, "
			            "class %u, %s): want %s, got allow=%d "
			            "status=%d high=%d (%s)\n",
			            i, role_name(t[i].role), (int)t[i].org,
			            (int)t[i].kind, t[i].cls, action_names[a],
			            exp_names[t[i].exp[a]], d.allow, (int)d.status,
			            d.high, d.reason);
		}
	}
	assert_int_equal(failures, 0);
}

static void test_policy__matrix_own_org_share_grant(void **state)
{
	(void)state;
	run_matrix(own_org_share_grant, NROWS(own_org_share_grant),
	           situation_own_org);
}

static void test_policy__matrix_other_org_write_grant(void **state)
{
	(void)state;
	run_matrix(other_org_write_grant, NROWS(other_org_write_grant),
	           situation_other_org);
}

/* ------------------------------------------------------------------------ */
/* Redaction and moving content down (POLICY_REDACT)                         */
/* ------------------------------------------------------------------------ */

#define REDACT_REASON "she asked: the address was entered by mistake"

static void redact_fixture(struct fixture *f, vault_role role, const char *org)
{
	fixture_init(f);
	f->req.action = POLICY_REDACT;
	f->req.role = role;
	f->req.actor_org = org;
	f->req.classes = VAULT_CLASS_SAFETY;
	f->req.reason = REDACT_REASON;
	/* The organisation's own hold: every class, with share. */
	add_grant(f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
}

static void test_policy__redact_by_owning_supervisor_allowed_high(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	redact_fixture(&f, VAULT_ROLE_SUPERVISOR, "org-a");
	d = decide(&f);
	assert_allowed(&d, 1);
}

static void test_policy__redact_by_caseworker_denied_high(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	redact_fixture(&f, VAULT_ROLE_CASEWORKER, "org-a");
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "redaction and moving content to a lower class are for supervisors");
}

static void test_policy__redact_by_other_org_supervisor_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	redact_fixture(&f, VAULT_ROLE_SUPERVISOR, "org-b");
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "redaction only on cases of your own organisation");
}

static void test_policy__redact_short_reason_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	redact_fixture(&f, VAULT_ROLE_SUPERVISOR, "org-a");
	f.req.reason = "mistake";
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "redaction reason too short");
	f.req.reason = NULL;
	d = decide(&f);
	assert_denied(&d, 1);
}

static void test_policy__redact_needs_write_on_the_classes(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	redact_fixture(&f, VAULT_ROLE_SUPERVISOR, "org-a");
	f.req.ngrants = 0;
	add_grant(&f, VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY, VAULT_PERM_READ, 0, 0);
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "no grant for this class (safety)");
}

/* ------------------------------------------------------------------------ */
/* Malformed requests                                                        */
/* ------------------------------------------------------------------------ */

static void test_policy__null_request_denied(void **state)
{
	policy_decision d;

	(void)state;
	memset(&d, 0xa5, sizeof(d));
	vault_policy_decide(NULL, &d);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");
	assert_int_equal(d.readable, 0);
	assert_int_equal(d.writable, 0);
}

static void test_policy__null_decision_ignored(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f);
	vault_policy_decide(&f.req, NULL);
	vault_policy_decide(NULL, NULL);
}

static void test_policy__unknown_action_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f.req.action = (policy_action)0;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");
	f.req.action = (policy_action)99;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");
}

static void test_policy__unknown_role_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f.req.role = (vault_role)0;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");
	f.req.role = (vault_role)5;
	f.req.action = POLICY_AUDIT_READ;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");
}

/* Separation depends on the organisation kind, so a kind that does not fit
 * the organisation is refused rather than read as "not a programme". */
static void test_policy__actor_org_kind_must_fit(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f.req.actor_org_kind = (vault_org_kind)0;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");
	f.req.actor_org_kind = (vault_org_kind)7;
	d = decide(&f);
	assert_reason(&d, "malformed request");
	f.req.actor_org = NULL;
	f.req.actor_org_kind = VAULT_ORG_PERPETRATOR_PROGRAMME;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");
}

static void test_policy__malformed_case_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	d = decide(&f);
	assert_allowed(&d, 0); /* the baseline is fine */

	f.req.has_case = 0;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");
	assert_int_equal(d.readable, 0);

	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f.req.owner_org = NULL;
	d = decide(&f);
	assert_reason(&d, "malformed request");

	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f.req.case_kind = (vault_case_kind)3;
	d = decide(&f);
	assert_reason(&d, "malformed request");

	fixture_init(&f);
	f.req.grants = NULL;
	f.req.ngrants = 2;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");

	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f.req.consents = NULL;
	f.req.nconsents = 1;
	d = decide(&f);
	assert_reason(&d, "malformed request");
}

/* A grant that cannot be understood may be the one meant to limit the
 * actor: refuse rather than skip it. */
static void test_policy__malformed_grant_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	add_grant(&f, VAULT_CLASS_GENERAL, (vault_perm)4, 0, 0);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");

	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_GENERAL, (vault_perm)0, 0, 0);
	d = decide(&f);
	assert_reason(&d, "malformed request");

	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_GENERAL | 8u, VAULT_PERM_READ, 0, 0);
	d = decide(&f);
	assert_reason(&d, "malformed request");
}

static void test_policy__read_write_classes_must_be_valid(void **state)
{
	static const unsigned int bad[] = {0u, 8u, VAULT_CLASS_ALL | 8u,
	                                   0xffffffffu};
	struct fixture f;
	policy_decision d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fixture_init(&f);
		add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
		f.req.classes = bad[i];
		f.req.action = POLICY_READ;
		d = decide(&f);
		assert_denied(&d, 0);
		assert_reason(&d, "malformed request");
		f.req.action = POLICY_WRITE;
		d = decide(&f);
		assert_reason(&d, "malformed request");
		f.req.action = POLICY_SHARE;
		target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE);
		d = decide(&f);
		assert_reason(&d, "malformed request");
	}
}

/* ------------------------------------------------------------------------ */
/* Network administration                                                    */
/* ------------------------------------------------------------------------ */

static void test_policy__audit_read_auditor_and_admin_only(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.action = POLICY_AUDIT_READ;
	f.req.actor_org = NULL;
	f.req.actor_org_kind = (vault_org_kind)0;
	f.req.has_case = 0;
	f.req.role = VAULT_ROLE_AUDITOR;
	d = decide(&f);
	assert_allowed(&d, 0);
	f.req.role = VAULT_ROLE_ADMIN;
	d = decide(&f);
	assert_allowed(&d, 0);

	fixture_init(&f);
	f.req.action = POLICY_AUDIT_READ;
	f.req.role = VAULT_ROLE_CASEWORKER;
	d = decide(&f);
	assert_denied(&d, 0);
	f.req.role = VAULT_ROLE_SUPERVISOR;
	d = decide(&f);
	assert_denied(&d, 0);
}

static void test_policy__org_add_admin_only(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.action = POLICY_ORG_ADD;
	f.req.actor_org = NULL;
	f.req.actor_org_kind = (vault_org_kind)0;
	f.req.role = VAULT_ROLE_ADMIN;
	d = decide(&f);
	assert_allowed(&d, 0);
	f.req.role = VAULT_ROLE_AUDITOR;
	d = decide(&f);
	assert_denied(&d, 0);

	fixture_init(&f);
	f.req.action = POLICY_ORG_ADD;
	f.req.role = VAULT_ROLE_SUPERVISOR;
	d = decide(&f);
	assert_denied(&d, 0);
	f.req.role = VAULT_ROLE_CASEWORKER;
	d = decide(&f);
	assert_denied(&d, 0);
}

static void user_action(struct fixture *f, policy_action action,
                        vault_role role, const char *actor_org,
                        vault_role target_role, const char *target_org)
{
	fixture_init(f);
	f->req.action = action;
	f->req.has_case = 0;
	f->req.role = role;
	f->req.actor = "actor";
	f->req.actor_org = actor_org;
	f->req.actor_org_kind = actor_org ? VAULT_ORG_ANTIVIOLENCE_CENTRE
	                                  : (vault_org_kind)0;
	f->req.target_kind = VAULT_PRINCIPAL_USER;
	f->req.target = "newcomer";
	f->req.target_role = target_role;
	f->req.target_org = target_org;
	f->req.target_org_kind = target_org ? VAULT_ORG_ANTIVIOLENCE_CENTRE
	                                    : (vault_org_kind)0;
}

static void test_policy__user_add_by_admin(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	user_action(&f, POLICY_USER_ADD, ADM, NULL, ADM, NULL);
	d = decide(&f);
	assert_allowed(&d, 0);
	user_action(&f, POLICY_USER_ADD, ADM, NULL, AUD, NULL);
	d = decide(&f);
	assert_allowed(&d, 0);

	/* An admin who could add caseworkers could let themself in. */
	user_action(&f, POLICY_USER_ADD, ADM, NULL, CW, "org-a");
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_ADD, ADM, NULL, SUP, "org-a");
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_ADD, ADM, NULL, CW, NULL);
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_ADD, ADM, NULL, AUD, "org-a");
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_ADD, ADM, NULL, (vault_role)9, NULL);
	d = decide(&f);
	assert_denied(&d, 0);
}

static void test_policy__user_add_by_supervisor(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	user_action(&f, POLICY_USER_ADD, SUP, "org-a", CW, "org-a");
	d = decide(&f);
	assert_allowed(&d, 0);
	user_action(&f, POLICY_USER_ADD, SUP, "org-a", SUP, "org-a");
	d = decide(&f);
	assert_allowed(&d, 0);

	user_action(&f, POLICY_USER_ADD, SUP, "org-a", CW, "org-b");
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_ADD, SUP, "org-a", CW, NULL);
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_ADD, SUP, "org-a", ADM, NULL);
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_ADD, SUP, "org-a", AUD, "org-a");
	d = decide(&f);
	assert_denied(&d, 0);
	/* Two missing organisations are not the same organisation. */
	user_action(&f, POLICY_USER_ADD, SUP, NULL, CW, NULL);
	d = decide(&f);
	assert_denied(&d, 0);
}

static void test_policy__user_add_by_others_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	user_action(&f, POLICY_USER_ADD, CW, "org-a", CW, "org-a");
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_ADD, AUD, NULL, AUD, NULL);
	d = decide(&f);
	assert_denied(&d, 0);
}

static void test_policy__user_disable_by_admin(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	user_action(&f, POLICY_USER_DISABLE, ADM, NULL, CW, "org-a");
	d = decide(&f);
	assert_allowed(&d, 0);
	user_action(&f, POLICY_USER_DISABLE, ADM, NULL, ADM, NULL);
	d = decide(&f);
	assert_allowed(&d, 0);
	user_action(&f, POLICY_USER_DISABLE, ADM, NULL, SUP, "org-b");
	d = decide(&f);
	assert_allowed(&d, 0);

	user_action(&f, POLICY_USER_DISABLE, ADM, NULL, ADM, NULL);
	f.req.target = "actor";
	d = decide(&f);
	assert_denied(&d, 0);
}

static void test_policy__user_disable_by_supervisor(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	user_action(&f, POLICY_USER_DISABLE, SUP, "org-a", CW, "org-a");
	d = decide(&f);
	assert_allowed(&d, 0);
	user_action(&f, POLICY_USER_DISABLE, SUP, "org-a", SUP, "org-a");
	d = decide(&f);
	assert_allowed(&d, 0);

	user_action(&f, POLICY_USER_DISABLE, SUP, "org-a", SUP, "org-a");
	f.req.target = "actor";
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_DISABLE, SUP, "org-a", CW, "org-b");
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_DISABLE, SUP, "org-a", ADM, NULL);
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_DISABLE, SUP, "org-a", AUD, "org-a");
	d = decide(&f);
	assert_denied(&d, 0);
}

static void test_policy__user_disable_by_others_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	user_action(&f, POLICY_USER_DISABLE, CW, "org-a", CW, "org-a");
	d = decide(&f);
	assert_denied(&d, 0);
	user_action(&f, POLICY_USER_DISABLE, AUD, NULL, CW, "org-a");
	d = decide(&f);
	assert_denied(&d, 0);
}

static void test_policy__user_disable_malformed(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	user_action(&f, POLICY_USER_DISABLE, ADM, NULL, CW, "org-a");
	f.req.target = NULL;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");
	user_action(&f, POLICY_USER_DISABLE, ADM, NULL, CW, "org-a");
	f.req.actor = NULL;
	d = decide(&f);
	assert_reason(&d, "malformed request");
	user_action(&f, POLICY_USER_DISABLE, ADM, NULL, (vault_role)0, NULL);
	d = decide(&f);
	assert_reason(&d, "malformed request");
}

/* ------------------------------------------------------------------------ */
/* Cases: roles, creation, metadata                                          */
/* ------------------------------------------------------------------------ */

static void test_policy__admin_and_auditor_hold_no_content(void **state)
{
	static const policy_action acts[] = {
		POLICY_READ, POLICY_WRITE, POLICY_SHARE, POLICY_REVOKE,
		POLICY_BREAK_GLASS, POLICY_CREATE, POLICY_META, POLICY_CONSENT
	};
	static const vault_role roles[] = {VAULT_ROLE_ADMIN, VAULT_ROLE_AUDITOR};
	struct fixture f;
	policy_decision d;
	size_t i, r;

	(void)state;
	for (r = 0; r < 2; r++) {
		for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
			fixture_init(&f);
			/* Even a grant does not open the case to them. */
			add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
			f.req.role = roles[r];
			f.req.action = acts[i];
			f.req.break_glass_until = NOW + 3600;
			f.req.reason = REASON_LONG;
			target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE);
			d = decide(&f);
			assert_denied(&d, acts[i] == POLICY_BREAK_GLASS);
			assert_reason(&d, "role holds no case content");
			assert_int_equal(d.readable, 0);
			assert_int_equal(d.writable, 0);
		}
	}
}

static void test_policy__create_needs_an_organisation(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.action = POLICY_CREATE;
	f.req.has_case = 0;
	f.req.owner_org = NULL;
	d = decide(&f);
	assert_allowed(&d, 0);
	f.req.role = VAULT_ROLE_SUPERVISOR;
	d = decide(&f);
	assert_allowed(&d, 0);

	f.req.actor_org = NULL;
	f.req.actor_org_kind = (vault_org_kind)0;
	d = decide(&f);
	assert_denied(&d, 0);
	f.req.role = VAULT_ROLE_CASEWORKER;
	d = decide(&f);
	assert_denied(&d, 0);
}

static void test_policy__meta_needs_a_grant(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.action = POLICY_META;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no grant on this case");
	assert_int_equal(d.readable, 0);
	assert_int_equal(d.writable, 0);

	add_grant(&f, VAULT_CLASS_SENSITIVE, VAULT_PERM_READ, 0, 0);
	d = decide(&f);
	assert_allowed(&d, 0);
	assert_int_equal(d.readable, VAULT_CLASS_SENSITIVE);
	assert_int_equal(d.writable, 0);
}

/* A programme member whose only grant is the safety class of a victim case
 * holds, in effect, nothing of it. */
static void test_policy__meta_separated_safety_only_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.action = POLICY_META;
	f.req.actor_org = "org-p";
	f.req.actor_org_kind = VAULT_ORG_PERPETRATOR_PROGRAMME;
	add_grant(&f, VAULT_CLASS_SAFETY, VAULT_PERM_SHARE, 0, 0);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no grant on this case");
	assert_int_equal(d.readable, 0);
}

/* ------------------------------------------------------------------------ */
/* Grants                                                                    */
/* ------------------------------------------------------------------------ */

static void test_policy__rights_are_the_best_live_grant(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_SAFETY, VAULT_PERM_READ, 0, 0);
	add_grant(&f, VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY,
	          VAULT_PERM_WRITE, 0, 0);
	add_grant(&f, VAULT_CLASS_GENERAL, VAULT_PERM_READ, 0, 0);
	f.req.action = POLICY_WRITE;
	f.req.classes = VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY;
	d = decide(&f);
	assert_allowed(&d, 0);
	assert_int_equal(d.readable, VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY);
	assert_int_equal(d.writable, VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY);

	f.req.classes = VAULT_CLASS_SENSITIVE;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no grant for this class (sensitive)");
	/* Reported even on a refusal: the caller lists what it may show. */
	assert_int_equal(d.readable, VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY);
}

static void test_policy__read_grant_does_not_write(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_READ, 0, 0);
	f.req.action = POLICY_READ;
	d = decide(&f);
	assert_allowed(&d, 0);
	f.req.action = POLICY_WRITE;
	d = decide(&f);
	assert_denied(&d, 0);
	/* The refusal says what to do next. */
	assert_reason(&d, "read-only grant for this class (general): ask the owner for write");
	assert_int_equal(d.readable, VAULT_CLASS_ALL);
	assert_int_equal(d.writable, 0);
}

static void test_policy__read_needs_every_class(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_GENERAL, VAULT_PERM_SHARE, 0, 0);
	f.req.classes = VAULT_CLASS_GENERAL | VAULT_CLASS_SAFETY;
	d = decide(&f);
	assert_denied(&d, 0);
	/* It names the class that is missing, not the one she holds. */
	assert_reason(&d, "no grant for this class (safety)");
	assert_int_equal(d.readable, VAULT_CLASS_GENERAL);
}

static void test_policy__expired_grant_gives_nothing(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, NOW - 1, 0);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_int_equal(d.readable, 0);

	/* A grant ends at its expiry second, not after it. */
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, NOW, 0);
	d = decide(&f);
	assert_denied(&d, 0);
	f.req.action = POLICY_SHARE;
	target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no share right on this class");
}

static void test_policy__grant_before_expiry_is_live(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_WRITE, NOW + 1, 0);
	f.req.action = POLICY_WRITE;
	d = decide(&f);
	assert_allowed(&d, 0);
	assert_int_equal(d.writable, VAULT_CLASS_ALL);
}

static void test_policy__revoked_grant_gives_nothing(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 1);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_int_equal(d.readable, 0);

	/* A revoked share grant next to a live read grant leaves read. */
	add_grant(&f, VAULT_CLASS_GENERAL, VAULT_PERM_READ, 0, 0);
	d = decide(&f);
	assert_allowed(&d, 0);
	assert_int_equal(d.readable, VAULT_CLASS_GENERAL);
	f.req.action = POLICY_SHARE;
	target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE);
	d = decide(&f);
	assert_denied(&d, 0);
	f.req.action = POLICY_REVOKE;
	d = decide(&f);
	assert_denied(&d, 0);
}

/* ------------------------------------------------------------------------ */
/* Separation of victim safety data from perpetrator programmes             */
/* ------------------------------------------------------------------------ */

static void test_policy__separation_beats_every_grant(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.role = VAULT_ROLE_SUPERVISOR;
	f.req.actor_org = "org-p";
	f.req.actor_org_kind = VAULT_ORG_PERPETRATOR_PROGRAMME;
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	add_grant(&f, VAULT_CLASS_SAFETY, VAULT_PERM_SHARE, 0, 0);

	f.req.classes = VAULT_CLASS_SAFETY;
	d = decide(&f);
	assert_separation(&d);
	assert_int_equal(d.readable, VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE);
	assert_int_equal(d.writable, VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE);

	f.req.action = POLICY_WRITE;
	d = decide(&f);
	assert_separation(&d);

	f.req.action = POLICY_READ;
	f.req.classes = VAULT_CLASS_ALL;
	d = decide(&f);
	assert_separation(&d);

	f.req.classes = VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE;
	d = decide(&f);
	assert_allowed(&d, 0);

	/* Nor can the programme pass on what it may not read. */
	f.req.action = POLICY_SHARE;
	f.req.classes = VAULT_CLASS_SAFETY;
	target_org(&f, "org-p", VAULT_ORG_PERPETRATOR_PROGRAMME);
	d = decide(&f);
	assert_separation(&d);
	target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE);
	d = decide(&f);
	assert_separation(&d);
}

/* A programme that owns a victim case (its own participant's partner, say)
 * still never reaches its safety class, break-glass or not. */
static void test_policy__separation_beats_break_glass(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.role = VAULT_ROLE_SUPERVISOR;
	f.req.actor_org = "org-p";
	f.req.actor_org_kind = VAULT_ORG_PERPETRATOR_PROGRAMME;
	f.req.owner_org = "org-p";
	f.req.break_glass_until = NOW + 3600;

	f.req.classes = VAULT_CLASS_SAFETY;
	d = decide(&f);
	assert_separation(&d);
	assert_int_equal(d.readable, VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE);
	assert_int_equal(d.writable, VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE);
	f.req.action = POLICY_WRITE;
	d = decide(&f);
	assert_separation(&d);

	/* The rest of the case opens, as break-glass does. */
	f.req.classes = VAULT_CLASS_GENERAL;
	d = decide(&f);
	assert_allowed(&d, 1);
}

static void test_policy__separation_only_for_victim_cases(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.case_kind = VAULT_CASE_PERPETRATOR;
	f.req.actor_org = "org-p";
	f.req.owner_org = "org-p";
	f.req.actor_org_kind = VAULT_ORG_PERPETRATOR_PROGRAMME;
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f.req.classes = VAULT_CLASS_SAFETY;
	d = decide(&f);
	assert_allowed(&d, 0);
	assert_int_equal(d.readable, VAULT_CLASS_ALL);
}

/* A programme member holding the share right only on the safety class of a
 * victim case holds no share right at all: it cannot revoke or record
 * consents on the strength of a class it may not see. */
static void test_policy__separated_safety_share_gives_nothing(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.actor_org = "org-p";
	f.req.actor_org_kind = VAULT_ORG_PERPETRATOR_PROGRAMME;
	add_grant(&f, VAULT_CLASS_SAFETY, VAULT_PERM_SHARE, 0, 0);
	f.req.action = POLICY_REVOKE;
	target_org(&f, "org-b", VAULT_ORG_RECEPTION_CENTRE);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no share right on this case");
	f.req.action = POLICY_CONSENT;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no share right on this case");

	/* The same grant on a perpetrator case is a share right. */
	f.req.case_kind = VAULT_CASE_PERPETRATOR;
	d = decide(&f);
	assert_allowed(&d, 0);
}

static void test_policy__separation_in_share_beats_consent(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	/* Even her consent to share everything with the programme. */
	add_consent(&f, "org-p", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 10, 0, 0);
	f.req.action = POLICY_SHARE;
	f.req.classes = VAULT_CLASS_SAFETY;
	target_org(&f, "org-p", VAULT_ORG_PERPETRATOR_PROGRAMME);
	d = decide(&f);
	assert_separation(&d);

	f.req.classes = VAULT_CLASS_ALL;
	d = decide(&f);
	assert_separation(&d);

	target_user(&f, "paolo", "org-p", VAULT_ORG_PERPETRATOR_PROGRAMME,
	            VAULT_ROLE_CASEWORKER);
	f.req.classes = VAULT_CLASS_SAFETY;
	d = decide(&f);
	assert_separation(&d);

	/* The other classes may go, with that consent. */
	f.req.classes = VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE;
	d = decide(&f);
	assert_allowed(&d, 0);
}

/* Separation is a refusal, not a missing consent: checked before it. */
static void test_policy__separation_in_share_before_consent(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f.req.action = POLICY_SHARE;
	f.req.classes = VAULT_CLASS_SAFETY;
	target_org(&f, "org-p", VAULT_ORG_PERPETRATOR_PROGRAMME);
	d = decide(&f);
	assert_separation(&d);
	assert_int_equal(d.status, VAULT_ERR_DENIED);
}

/* ------------------------------------------------------------------------ */
/* Sharing and consent                                                       */
/* ------------------------------------------------------------------------ */

/* An owner-org caseworker with the share right, sharing `classes` of a
 * victim case with org-b. */
static void share_to_org_b(struct fixture *f, unsigned int classes)
{
	fixture_init(f);
	add_grant(f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f->req.action = POLICY_SHARE;
	f->req.classes = classes;
	target_org(f, "org-b", VAULT_ORG_RECEPTION_CENTRE);
}

static void test_policy__share_with_valid_consent(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	add_consent(&f, "org-b", VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE,
	            VAULT_SCOPE_SHARING, NOW, NOW + 1, 0);
	d = decide(&f);
	assert_allowed(&d, 0);
	assert_reason(&d, "allowed");

	/* A member of org-b is covered by the consent for org-b. */
	target_user(&f, "bea", "org-b", VAULT_ORG_RECEPTION_CENTRE,
	            VAULT_ROLE_CASEWORKER);
	d = decide(&f);
	assert_allowed(&d, 0);
}

static void test_policy__share_consent_missing(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	d = decide(&f);
	assert_no_consent(&d);
	assert_reason(&d, "no valid consent covers this organisation and class");
}

static void test_policy__share_consent_expired(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	add_consent(&f, "org-b", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, NOW - 1, 0);
	d = decide(&f);
	assert_no_consent(&d);

	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	add_consent(&f, "org-b", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, NOW, 0);
	d = decide(&f);
	assert_no_consent(&d);
}

static void test_policy__share_consent_withdrawn(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	add_consent(&f, "org-b", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, 0, NOW - 50);
	d = decide(&f);
	assert_no_consent(&d);
}

static void test_policy__share_consent_wrong_org(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	add_consent(&f, "org-c", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, 0, 0);
	add_consent(&f, "org-b2", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, 0, 0);
	add_consent(&f, "org-", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, 0, 0);
	d = decide(&f);
	assert_no_consent(&d);
}

static void test_policy__share_consent_too_few_classes(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE);
	add_consent(&f, "org-b", VAULT_CLASS_GENERAL, VAULT_SCOPE_SHARING,
	            NOW - 100, 0, 0);
	add_consent(&f, "org-b", VAULT_CLASS_SENSITIVE | VAULT_CLASS_SAFETY,
	            VAULT_SCOPE_SHARING, NOW - 100, 0, 0);
	/* Two consents that together cover it are not one that does. */
	d = decide(&f);
	assert_no_consent(&d);
}

static void test_policy__share_consent_without_sharing_scope(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	add_consent(&f, "org-b", VAULT_CLASS_ALL,
	            VAULT_SCOPE_SERVICES | VAULT_SCOPE_STATISTICS, NOW - 100, 0,
	            0);
	d = decide(&f);
	assert_no_consent(&d);
}

static void test_policy__share_consent_not_yet_given(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	add_consent(&f, "org-b", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW + 1, 0, 0);
	d = decide(&f);
	assert_no_consent(&d);
}

/* A user with no organisation is outside the owning one. */
static void test_policy__share_to_user_without_org_needs_consent(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	add_consent(&f, "org-b", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, 0, 0);
	target_user(&f, "nobody", NULL, (vault_org_kind)0,
	            VAULT_ROLE_CASEWORKER);
	d = decide(&f);
	assert_no_consent(&d);
}

static void test_policy__share_inside_owner_org_needs_no_consent(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_ALL);
	target_user(&f, "carla", "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE,
	            VAULT_ROLE_CASEWORKER);
	d = decide(&f);
	assert_allowed(&d, 0);
	target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE);
	d = decide(&f);
	assert_allowed(&d, 0);
}

static void test_policy__perpetrator_case_shares_without_consent(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_ALL);
	f.req.case_kind = VAULT_CASE_PERPETRATOR;
	d = decide(&f);
	assert_allowed(&d, 0);
	/* The programme receives its participant's case, every class. */
	target_org(&f, "org-p", VAULT_ORG_PERPETRATOR_PROGRAMME);
	d = decide(&f);
	assert_allowed(&d, 0);
}

static void test_policy__share_needs_share_right(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_WRITE, 0, 0);
	f.req.action = POLICY_SHARE;
	target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no share right on this class");
}

static void test_policy__share_needs_share_on_every_class(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_GENERAL, VAULT_PERM_SHARE, 0, 0);
	add_grant(&f, VAULT_CLASS_SENSITIVE, VAULT_PERM_WRITE, 0, 0);
	f.req.action = POLICY_SHARE;
	target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE);
	f.req.classes = VAULT_CLASS_GENERAL;
	d = decide(&f);
	assert_allowed(&d, 0);
	f.req.classes = VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no share right on this class");
}

static void test_policy__share_to_admin_or_auditor_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	target_user(&f, "root", NULL, (vault_org_kind)0, VAULT_ROLE_ADMIN);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "admins and auditors cannot hold case content");
	target_user(&f, "ines", NULL, (vault_org_kind)0, VAULT_ROLE_AUDITOR);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "admins and auditors cannot hold case content");
}

static void test_policy__share_malformed_target(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	f.req.target = NULL;
	d = decide(&f);
	assert_reason(&d, "malformed request");

	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	f.req.target_kind = (vault_principal_kind)0;
	d = decide(&f);
	assert_reason(&d, "malformed request");

	/* A target organisation of unknown kind might be a programme. */
	share_to_org_b(&f, VAULT_CLASS_SAFETY);
	f.req.target_org_kind = (vault_org_kind)0;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");

	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	f.req.target_org_kind = (vault_org_kind)8;
	d = decide(&f);
	assert_reason(&d, "malformed request");

	/* An organisation whose organisation is another one. */
	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	f.req.target_org = "org-a";
	d = decide(&f);
	assert_reason(&d, "malformed request");

	share_to_org_b(&f, VAULT_CLASS_GENERAL);
	target_user(&f, "bea", "org-b", VAULT_ORG_RECEPTION_CENTRE,
	            (vault_role)0);
	d = decide(&f);
	assert_reason(&d, "malformed request");
}

static void test_policy__find_consent_picks_a_valid_one(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f);
	add_consent(&f, "org-b", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, NOW - 1, 0);
	add_consent(&f, "org-b", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, 0, NOW - 2);
	add_consent(&f, NULL, VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, 0, 0);
	add_consent(&f, "org-b", VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE,
	            VAULT_SCOPE_SHARING | VAULT_SCOPE_SERVICES, NOW - 100, 0, 0);
	assert_int_equal(vault_policy_find_consent(f.consents, 4, "org-b",
	                                           VAULT_CLASS_SENSITIVE, NOW),
	                 3);
	assert_int_equal(vault_policy_find_consent(f.consents, 4, "org-b",
	                                           VAULT_CLASS_ALL, NOW),
	                 -1);
	/* Before it expired, the first one was the answer. */
	assert_int_equal(vault_policy_find_consent(f.consents, 4, "org-b",
	                                           VAULT_CLASS_ALL, NOW - 2),
	                 0);
	assert_int_equal(vault_policy_find_consent(f.consents, 3, "org-b",
	                                           VAULT_CLASS_GENERAL, NOW),
	                 -1);
}

static void test_policy__find_consent_bad_arguments(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f);
	add_consent(&f, "org-b", VAULT_CLASS_ALL, VAULT_SCOPE_SHARING,
	            NOW - 100, 0, 0);
	assert_int_equal(vault_policy_find_consent(f.consents, 1, "org-b",
	                                           VAULT_CLASS_GENERAL, NOW),
	                 0);
	assert_int_equal(vault_policy_find_consent(NULL, 1, "org-b",
	                                           VAULT_CLASS_GENERAL, NOW),
	                 -1);
	assert_int_equal(vault_policy_find_consent(f.consents, 1, NULL,
	                                           VAULT_CLASS_GENERAL, NOW),
	                 -1);
	assert_int_equal(vault_policy_find_consent(f.consents, 0, "org-b",
	                                           VAULT_CLASS_GENERAL, NOW),
	                 -1);
	assert_int_equal(vault_policy_find_consent(f.consents, 1, "org-b", 0,
	                                           NOW),
	                 -1);
	assert_int_equal(vault_policy_find_consent(f.consents, 1, "org-b", 8,
	                                           NOW),
	                 -1);
}

/* ------------------------------------------------------------------------ */
/* Revocation                                                                */
/* ------------------------------------------------------------------------ */

static void test_policy__revoke_needs_share_right(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_WRITE, 0, 0);
	f.req.action = POLICY_REVOKE;
	target_org(&f, "org-b", VAULT_ORG_RECEPTION_CENTRE);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no share right on this case");

	/* The share right on one class is enough. */
	add_grant(&f, VAULT_CLASS_SENSITIVE, VAULT_PERM_SHARE, 0, 0);
	d = decide(&f);
	assert_allowed(&d, 0);
	target_user(&f, "carla", "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE,
	            VAULT_ROLE_CASEWORKER);
	d = decide(&f);
	assert_allowed(&d, 0);
}

static void test_policy__revoke_owner_hold_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f.req.action = POLICY_REVOKE;
	target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "the owning organisation's hold cannot be revoked");
}

static void test_policy__revoke_malformed_target(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	f.req.action = POLICY_REVOKE;
	target_org(&f, "org-b", VAULT_ORG_RECEPTION_CENTRE);
	f.req.target = NULL;
	d = decide(&f);
	assert_reason(&d, "malformed request");
	target_org(&f, "org-b", VAULT_ORG_RECEPTION_CENTRE);
	f.req.target_kind = (vault_principal_kind)3;
	d = decide(&f);
	assert_reason(&d, "malformed request");
}

/* ------------------------------------------------------------------------ */
/* Break-glass                                                               */
/* ------------------------------------------------------------------------ */

/* A supervisor of org-a asking for break-glass on an org-a case. */
static void break_glass(struct fixture *f, const char *reason)
{
	fixture_init(f);
	f->req.action = POLICY_BREAK_GLASS;
	f->req.role = VAULT_ROLE_SUPERVISOR;
	f->req.reason = reason;
	f->req.restricted = 1;
}

static void test_policy__break_glass_supervisor_allowed(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	break_glass(&f, REASON_20);
	d = decide(&f);
	assert_allowed(&d, 1);
	break_glass(&f, REASON_LONG);
	d = decide(&f);
	assert_allowed(&d, 1);
}

static void test_policy__break_glass_refused_for_caseworker(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	break_glass(&f, REASON_LONG);
	f.req.role = VAULT_ROLE_CASEWORKER;
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "break-glass is for supervisors only");
}

static void test_policy__break_glass_refused_other_org(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	break_glass(&f, REASON_LONG);
	f.req.actor_org = "org-b";
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "break-glass only on cases of your own organisation");

	/* Even holding a grant on the case. */
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_SHARE, 0, 0);
	d = decide(&f);
	assert_denied(&d, 1);
}

static void test_policy__break_glass_refused_short_reason(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	break_glass(&f, REASON_19);
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "break-glass reason too short");
	break_glass(&f, "");
	d = decide(&f);
	assert_reason(&d, "break-glass reason too short");
	break_glass(&f, NULL);
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "break-glass reason too short");
}

/* Refused on a malformed case too, and still reviewed. */
static void test_policy__break_glass_malformed_is_high(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	break_glass(&f, REASON_LONG);
	f.req.owner_org = NULL;
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "malformed request");
}

static void test_policy__break_glass_window_opens_the_case(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.role = VAULT_ROLE_SUPERVISOR;
	f.req.restricted = 1;
	f.req.break_glass_until = NOW + 1;
	f.req.classes = VAULT_CLASS_ALL;
	d = decide(&f);
	assert_allowed(&d, 1);
	assert_reason(&d, "allowed under break-glass");
	assert_int_equal(d.readable, VAULT_CLASS_ALL);
	assert_int_equal(d.writable, VAULT_CLASS_ALL);
	f.req.action = POLICY_WRITE;
	d = decide(&f);
	assert_allowed(&d, 1);
	f.req.action = POLICY_META;
	d = decide(&f);
	assert_allowed(&d, 0);
}

static void test_policy__break_glass_never_gives_share(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.role = VAULT_ROLE_SUPERVISOR;
	f.req.break_glass_until = NOW + 3600;
	add_grant(&f, VAULT_CLASS_ALL, VAULT_PERM_READ, 0, 0);
	f.req.action = POLICY_SHARE;
	target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no share right on this class");
	f.req.action = POLICY_REVOKE;
	target_org(&f, "org-b", VAULT_ORG_RECEPTION_CENTRE);
	d = decide(&f);
	assert_denied(&d, 0);
	f.req.action = POLICY_CONSENT;
	d = decide(&f);
	assert_denied(&d, 0);
}

/* When the grants already allow it, break-glass is not what let it
 * through, and the access is ordinary. */
static void test_policy__break_glass_not_needed_not_high(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.role = VAULT_ROLE_SUPERVISOR;
	f.req.break_glass_until = NOW + 3600;
	add_grant(&f, VAULT_CLASS_GENERAL, VAULT_PERM_READ, 0, 0);
	d = decide(&f);
	assert_allowed(&d, 0);
	assert_reason(&d, "allowed");
	/* Writing it did need break-glass. */
	f.req.action = POLICY_WRITE;
	d = decide(&f);
	assert_allowed(&d, 1);
}

static void test_policy__break_glass_expired(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.role = VAULT_ROLE_SUPERVISOR;
	f.req.break_glass_until = NOW;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no grant for this class (general)");
	assert_int_equal(d.readable, 0);
	f.req.break_glass_until = NOW - 1;
	f.req.action = POLICY_WRITE;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_int_equal(d.writable, 0);
}

/* A window recorded for someone who could not have opened it counts for
 * nothing. */
static void test_policy__break_glass_window_needs_supervisor_of_owner(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.break_glass_until = NOW + 3600;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_int_equal(d.readable, 0);

	f.req.role = VAULT_ROLE_SUPERVISOR;
	f.req.actor_org = "org-b";
	d = decide(&f);
	assert_denied(&d, 0);
	assert_int_equal(d.readable, 0);
}

/* ------------------------------------------------------------------------ */
/* Recording consent                                                         */
/* ------------------------------------------------------------------------ */

static void consent(struct fixture *f, vault_role role, vault_basis basis,
                    const char *reason)
{
	fixture_init(f);
	add_grant(f, VAULT_CLASS_GENERAL, VAULT_PERM_SHARE, 0, 0);
	f->req.action = POLICY_CONSENT;
	f->req.role = role;
	f->req.basis = basis;
	f->req.reason = reason;
	f->req.classes = VAULT_CLASS_ALL;
}

static void test_policy__consent_plain_basis(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	consent(&f, VAULT_ROLE_CASEWORKER, VAULT_BASIS_CONSENT, NULL);
	d = decide(&f);
	assert_allowed(&d, 0);
	/* 0 is the public API's default: plain consent. */
	consent(&f, VAULT_ROLE_CASEWORKER, (vault_basis)0, NULL);
	d = decide(&f);
	assert_allowed(&d, 0);
	consent(&f, VAULT_ROLE_SUPERVISOR, VAULT_BASIS_CONSENT, NULL);
	d = decide(&f);
	assert_allowed(&d, 0);
}

static void test_policy__consent_needs_share_right(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	consent(&f, VAULT_ROLE_CASEWORKER, VAULT_BASIS_CONSENT, NULL);
	f.grants[0].perm = VAULT_PERM_WRITE;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "no share right on this case");
}

static void test_policy__consent_emergency_caseworker_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	consent(&f, VAULT_ROLE_CASEWORKER, VAULT_BASIS_VITAL_INTEREST,
	        REASON_LONG);
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "emergency legal basis is for supervisors only");
	consent(&f, VAULT_ROLE_CASEWORKER, VAULT_BASIS_LEGAL_OBLIGATION,
	        REASON_LONG);
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "emergency legal basis is for supervisors only");
}

static void test_policy__consent_emergency_supervisor(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	consent(&f, VAULT_ROLE_SUPERVISOR, VAULT_BASIS_VITAL_INTEREST,
	        REASON_LONG);
	d = decide(&f);
	assert_allowed(&d, 1);
	consent(&f, VAULT_ROLE_SUPERVISOR, VAULT_BASIS_LEGAL_OBLIGATION, "x");
	d = decide(&f);
	assert_allowed(&d, 1);

	consent(&f, VAULT_ROLE_SUPERVISOR, VAULT_BASIS_VITAL_INTEREST, NULL);
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "emergency legal basis needs a reason");
	consent(&f, VAULT_ROLE_SUPERVISOR, VAULT_BASIS_LEGAL_OBLIGATION, "");
	d = decide(&f);
	assert_denied(&d, 1);
	assert_reason(&d, "emergency legal basis needs a reason");
}

static void test_policy__consent_unknown_basis_denied(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	consent(&f, VAULT_ROLE_SUPERVISOR, (vault_basis)4, REASON_LONG);
	d = decide(&f);
	assert_denied(&d, 0);
	assert_reason(&d, "malformed request");
}

/* ------------------------------------------------------------------------ */
/* Refusals that say what to do next; restricted cases whose holder left     */
/* ------------------------------------------------------------------------ */

static void test_policy__restricted_own_org_points_at_break_glass(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	fixture_init(&f);
	f.req.restricted = 1;
	f.req.action = POLICY_READ;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_non_null(strstr(d.reason, "restricted case of your organisation"));
	assert_non_null(strstr(d.reason, "a supervisor can use break-glass"));
	f.req.action = POLICY_META;
	d = decide(&f);
	assert_denied(&d, 0);
	assert_non_null(strstr(d.reason, "break-glass"));
	/* Another organisation's restricted case says nothing about it. */
	f.req.actor_org = "org-b";
	d = decide(&f);
	assert_reason(&d, "no grant on this case");
	f.req.action = POLICY_READ;
	d = decide(&f);
	assert_reason(&d, "no grant for this class (general)");
}

static void test_policy__list_restricted_supervisors_only(void **state)
{
	static const vault_role roles[] = {VAULT_ROLE_ADMIN, VAULT_ROLE_CASEWORKER,
	                                   VAULT_ROLE_SUPERVISOR, VAULT_ROLE_AUDITOR};
	struct fixture f;
	policy_decision d;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		fixture_init(&f);
		f.req.has_case = 0;
		f.req.action = POLICY_LIST_RESTRICTED;
		f.req.role = roles[i];
		if (roles[i] == VAULT_ROLE_ADMIN || roles[i] == VAULT_ROLE_AUDITOR) {
			f.req.actor_org = NULL;
			f.req.actor_org_kind = (vault_org_kind)0;
		}
		d = decide(&f);
		if (roles[i] == VAULT_ROLE_SUPERVISOR) {
			assert_allowed(&d, 0);
		} else {
			assert_denied(&d, 0);
			assert_reason(&d, "only supervisors of an organisation list its restricted cases");
		}
	}
}

/* The hand-over: a supervisor of org-a, under break-glass, gives a
 * restricted case whose holder left to a caseworker of org-a. */
static void handover_fixture(struct fixture *f)
{
	fixture_init(f);
	f->req.action = POLICY_SHARE;
	f->req.role = VAULT_ROLE_SUPERVISOR;
	f->req.actor = "sara";
	f->req.restricted = 1;
	f->req.orphaned = 1;
	f->req.break_glass_until = NOW + 3600;
	f->req.classes = VAULT_CLASS_ALL;
	target_user(f, "lucia", "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE,
	            VAULT_ROLE_CASEWORKER);
}

static void test_policy__handover_of_orphaned_restricted_case(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	handover_fixture(&f);
	d = decide(&f);
	assert_allowed(&d, 1);
	assert_reason(&d, "hand-over of a restricted case whose holders left, under break-glass");
	/* To another supervisor of the organisation too. */
	f.req.target_role = VAULT_ROLE_SUPERVISOR;
	d = decide(&f);
	assert_allowed(&d, 1);
}

/* Each condition of the hand-over, one at a time: without it the share is
 * refused as it was before (no share right from break-glass). */
static void test_policy__handover_needs_every_condition(void **state)
{
	struct fixture f;
	policy_decision d;
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		handover_fixture(&f);
		switch (i) {
		case 0: f.req.orphaned = 0; break;          /* her holder is still here */
		case 1: f.req.restricted = 0; break;        /* an ordinary case */
		case 2: f.req.break_glass_until = 0; break; /* no break-glass */
		case 3: f.req.break_glass_until = NOW; break; /* it ended */
		case 4: f.req.role = VAULT_ROLE_CASEWORKER; break;
		case 5: f.req.actor_org = "org-b"; break;   /* not her organisation */
		case 6:                                     /* outside the organisation */
			target_user(&f, "marta", "org-b", VAULT_ORG_ANTIVIOLENCE_CENTRE,
			            VAULT_ROLE_CASEWORKER);
			break;
		case 7: target_org(&f, "org-a", VAULT_ORG_ANTIVIOLENCE_CENTRE); break;
		case 8: f.req.target = "sara"; break;       /* to herself */
		case 9: f.req.target_role = VAULT_ROLE_AUDITOR; f.req.target_org = NULL;
			f.req.target_org_kind = (vault_org_kind)0; break;
		}
		d = decide(&f);
		assert_int_equal(d.allow, 0);
		assert_reason(&d, "no share right on this class");
	}
}

/* Separation still comes first: a programme's restricted victim case hands
 * over every class but safety. */
static void test_policy__handover_keeps_separation(void **state)
{
	struct fixture f;
	policy_decision d;

	(void)state;
	handover_fixture(&f);
	f.req.actor_org_kind = VAULT_ORG_PERPETRATOR_PROGRAMME;
	f.req.target_org_kind = VAULT_ORG_PERPETRATOR_PROGRAMME;
	d = decide(&f);
	assert_denied(&d, 1);
	assert_non_null(strstr(d.reason, "separation"));
	f.req.classes = VAULT_CLASS_GENERAL | VAULT_CLASS_SENSITIVE;
	d = decide(&f);
	assert_allowed(&d, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy__matrix_own_org_share_grant),
		cmocka_unit_test(test_policy__matrix_other_org_write_grant),
		cmocka_unit_test(test_policy__null_request_denied),
		cmocka_unit_test(test_policy__null_decision_ignored),
		cmocka_unit_test(test_policy__unknown_action_denied),
		cmocka_unit_test(test_policy__redact_by_owning_supervisor_allowed_high),
		cmocka_unit_test(test_policy__redact_by_caseworker_denied_high),
		cmocka_unit_test(test_policy__redact_by_other_org_supervisor_denied),
		cmocka_unit_test(test_policy__redact_short_reason_denied),
		cmocka_unit_test(test_policy__redact_needs_write_on_the_classes),
		cmocka_unit_test(test_policy__restricted_own_org_points_at_break_glass),
		cmocka_unit_test(test_policy__list_restricted_supervisors_only),
		cmocka_unit_test(test_policy__handover_of_orphaned_restricted_case),
		cmocka_unit_test(test_policy__handover_needs_every_condition),
		cmocka_unit_test(test_policy__handover_keeps_separation),
		cmocka_unit_test(test_policy__unknown_role_denied),
		cmocka_unit_test(test_policy__actor_org_kind_must_fit),
		cmocka_unit_test(test_policy__malformed_case_denied),
		cmocka_unit_test(test_policy__malformed_grant_denied),
		cmocka_unit_test(test_policy__read_write_classes_must_be_valid),
		cmocka_unit_test(test_policy__audit_read_auditor_and_admin_only),
		cmocka_unit_test(test_policy__org_add_admin_only),
		cmocka_unit_test(test_policy__user_add_by_admin),
		cmocka_unit_test(test_policy__user_add_by_supervisor),
		cmocka_unit_test(test_policy__user_add_by_others_denied),
		cmocka_unit_test(test_policy__user_disable_by_admin),
		cmocka_unit_test(test_policy__user_disable_by_supervisor),
		cmocka_unit_test(test_policy__user_disable_by_others_denied),
		cmocka_unit_test(test_policy__user_disable_malformed),
		cmocka_unit_test(test_policy__admin_and_auditor_hold_no_content),
		cmocka_unit_test(test_policy__create_needs_an_organisation),
		cmocka_unit_test(test_policy__meta_needs_a_grant),
		cmocka_unit_test(test_policy__meta_separated_safety_only_denied),
		cmocka_unit_test(test_policy__rights_are_the_best_live_grant),
		cmocka_unit_test(test_policy__read_grant_does_not_write),
		cmocka_unit_test(test_policy__read_needs_every_class),
		cmocka_unit_test(test_policy__expired_grant_gives_nothing),
		cmocka_unit_test(test_policy__grant_before_expiry_is_live),
		cmocka_unit_test(test_policy__revoked_grant_gives_nothing),
		cmocka_unit_test(test_policy__separation_beats_every_grant),
		cmocka_unit_test(test_policy__separation_beats_break_glass),
		cmocka_unit_test(test_policy__separation_only_for_victim_cases),
		cmocka_unit_test(test_policy__separated_safety_share_gives_nothing),
		cmocka_unit_test(test_policy__separation_in_share_beats_consent),
		cmocka_unit_test(test_policy__separation_in_share_before_consent),
		cmocka_unit_test(test_policy__share_with_valid_consent),
		cmocka_unit_test(test_policy__share_consent_missing),
		cmocka_unit_test(test_policy__share_consent_expired),
		cmocka_unit_test(test_policy__share_consent_withdrawn),
		cmocka_unit_test(test_policy__share_consent_wrong_org),
		cmocka_unit_test(test_policy__share_consent_too_few_classes),
		cmocka_unit_test(test_policy__share_consent_without_sharing_scope),
		cmocka_unit_test(test_policy__share_consent_not_yet_given),
		cmocka_unit_test(test_policy__share_to_user_without_org_needs_consent),
		cmocka_unit_test(test_policy__share_inside_owner_org_needs_no_consent),
		cmocka_unit_test(test_policy__perpetrator_case_shares_without_consent),
		cmocka_unit_test(test_policy__share_needs_share_right),
		cmocka_unit_test(test_policy__share_needs_share_on_every_class),
		cmocka_unit_test(test_policy__share_to_admin_or_auditor_denied),
		cmocka_unit_test(test_policy__share_malformed_target),
		cmocka_unit_test(test_policy__find_consent_picks_a_valid_one),
		cmocka_unit_test(test_policy__find_consent_bad_arguments),
		cmocka_unit_test(test_policy__revoke_needs_share_right),
		cmocka_unit_test(test_policy__revoke_owner_hold_denied),
		cmocka_unit_test(test_policy__revoke_malformed_target),
		cmocka_unit_test(test_policy__break_glass_supervisor_allowed),
		cmocka_unit_test(test_policy__break_glass_refused_for_caseworker),
		cmocka_unit_test(test_policy__break_glass_refused_other_org),
		cmocka_unit_test(test_policy__break_glass_refused_short_reason),
		cmocka_unit_test(test_policy__break_glass_malformed_is_high),
		cmocka_unit_test(test_policy__break_glass_window_opens_the_case),
		cmocka_unit_test(test_policy__break_glass_never_gives_share),
		cmocka_unit_test(test_policy__break_glass_not_needed_not_high),
		cmocka_unit_test(test_policy__break_glass_expired),
		cmocka_unit_test(test_policy__break_glass_window_needs_supervisor_of_owner),
		cmocka_unit_test(test_policy__consent_plain_basis),
		cmocka_unit_test(test_policy__consent_needs_share_right),
		cmocka_unit_test(test_policy__consent_emergency_caseworker_denied),
		cmocka_unit_test(test_policy__consent_emergency_supervisor),
		cmocka_unit_test(test_policy__consent_unknown_basis_denied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
