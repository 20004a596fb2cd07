/*
 * example.c - store a case record and read it back with libvault.
 *
 *   cc example.c $(pkg-config --cflags --libs libvault) -o example
 *   ./example /path/to/new-vault
 *
 * The administrator creates a vault and an anti-violence centre with its
 * first supervisor; the supervisor opens a case, stores the intake
 * interview and reads it back.  Everything on disk is encrypted.
 */
#include <stdio.h>
#include <string.h>

#include <vault.h>

/* A real program reads passphrases from the terminal, without echo, into
 * vault_secure_malloc() memory: never from the command line. */
static const char admin_pass[] = "correct horse battery staple";
static const char giulia_first[] = "given on paper 7391, change it";
static const char giulia_pass[] = "tre tigri contro tre tigri";

static int fail(const char *what, vault_status st, vault *v)
{
	fprintf(stderr, "example: %s: %s (%s)\n", what, vault_strerror(st),
	        v ? vault_errmsg(v) : vault_last_errmsg());
	vault_close(v);
	return 1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "example-vault";
	vault_create_options opts = VAULT_CREATE_OPTIONS_INIT;
	vault *v = NULL;
	vault_status st;

	/* 1. The administrator creates the vault and an organisation with its
	 *    first supervisor.  The admin keeps no key of the organisation. */
	opts.kdf = VAULT_KDF_INTERACTIVE;
	st = vault_create(dir, "admin", (const unsigned char *)admin_pass,
	                  strlen(admin_pass), &opts, &v);
	if (st != VAULT_OK)
		return fail("create", st, NULL);
	st = vault_org_add(v, "cav-north", "Anti-violence centre North",
	                   VAULT_ORG_ANTIVIOLENCE_CENTRE, "giulia",
	                   (const unsigned char *)giulia_first, strlen(giulia_first),
	                   VAULT_KDF_INTERACTIVE);
	if (st != VAULT_OK)
		return fail("add organisation", st, v);
	vault_close(v);

	/* 2. The supervisor unlocks the vault with the passphrase the admin
	 *    chose, and changes it before anything else (until then every
	 *    call is VAULT_ERR_PASSWD_EXPIRED): she gets keys nobody else
	 *    knew.  Then she opens a case and stores a record. */
	st = vault_open(dir, "giulia", (const unsigned char *)giulia_first,
	                strlen(giulia_first), NULL, &v);
	if (st != VAULT_OK)
		return fail("open", st, NULL);
	st = vault_passwd(v, (const unsigned char *)giulia_pass, strlen(giulia_pass),
	                  VAULT_KDF_DEFAULT);
	if (st != VAULT_OK)
		return fail("change passphrase", st, v);

	char case_id[VAULT_ID_BUFSIZE];
	st = vault_case_create(v, VAULT_CASE_VICTIM, 0, case_id);
	if (st != VAULT_OK)
		return fail("create case", st, v);

	const char note[] = "First interview at the help desk; follow-up on Monday.";
	uint32_t version;
	st = vault_record_put(v, case_id, "intake", VAULT_CLASS_GENERAL, note,
	                      strlen(note), &version);
	if (st != VAULT_OK)
		return fail("put record", st, v);

	/* 3. Read it back: the plaintext comes in a vault_buf, which only
	 *    vault_buf_free() releases (and wipes). */
	vault_buf text = VAULT_BUF_INIT;
	st = vault_record_get(v, case_id, "intake", 0, &text, NULL, NULL);
	if (st != VAULT_OK)
		return fail("get record", st, v);
	printf("case %s\nrecord intake, version %u: %.*s\n", case_id,
	       (unsigned)version, (int)text.len, (const char *)text.data);
	vault_buf_free(&text);

	vault_close(v);
	return 0;
}
