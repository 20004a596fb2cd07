/*
 * client.c - a program built against an installed libvault 1.0, used by
 * tests/abi/compat.sh to show that a later libvault.so.1 runs it unchanged.
 * It uses only the 1.0 interface and prints only deterministic output.
 *
 * usage: client DIR   (DIR must not exist; the client creates a vault there)
 */
#include <stdio.h>
#include <string.h>

#include <vault.h>

#define CHECK(call)                                                            \
	do {                                                                   \
		vault_status st_ = (call);                                     \
		if (st_ != VAULT_OK) {                                         \
			fprintf(stderr, "%s: %s: %s\n", #call, vault_strerror(st_), \
			        v ? vault_errmsg(v) : vault_last_errmsg());    \
			vault_close(v);                                        \
			return 1;                                              \
		}                                                              \
	} while (0)

static const unsigned char admin_pw[] = "client admin passphrase";
static const unsigned char sup_pw[] = "client supervisor passphrase";

int main(int argc, char **argv)
{
	vault *v = NULL;
	vault_create_options copts = VAULT_CREATE_OPTIONS_INIT;
	vault_open_options oopts = VAULT_OPEN_OPTIONS_INIT;
	char case_id[VAULT_ID_BUFSIZE];
	char vid[VAULT_VAULT_ID_BUFSIZE];
	vault_buf out = VAULT_BUF_INIT;
	unsigned int classes = 0;
	uint32_t version = 0;
	const char *dir;

	if (argc != 2) {
		fprintf(stderr, "usage: client DIR\n");
		return 2;
	}
	dir = argv[1];

	/* compile-time and run-time versions agree on the major */
	printf("major %d\n", vault_version_number() / 10000);
	printf("header major %d\n", VAULT_VERSION_MAJOR);
	printf("strerror denied: %s\n", vault_strerror(VAULT_ERR_DENIED));
	printf("id bufsize %zu %d\n", vault_id_bufsize(), VAULT_ID_BUFSIZE);
	CHECK(vault_classes_parse("general,safety", &classes));
	printf("classes %u\n", classes);

	copts.kdf = VAULT_KDF_INSECURE_TEST_ONLY;
	CHECK(vault_create(dir, "admin", admin_pw, sizeof admin_pw - 1, &copts, &v));
	CHECK(vault_org_add(v, "cav", "Centro antiviolenza", VAULT_ORG_ANTIVIOLENCE_CENTRE,
	                    "sara", sup_pw, sizeof sup_pw - 1, VAULT_KDF_INSECURE_TEST_ONLY));
	CHECK(vault_id(v, vid));
	printf("vault id length %zu\n", strlen(vid));
	vault_close(v);
	v = NULL;

	oopts.purpose = VAULT_PURPOSE_CASEWORK;
	CHECK(vault_open(dir, "sara", sup_pw, sizeof sup_pw - 1, &oopts, &v));
	/* Since 1.1 a passphrase someone else chose must change first (1.0's
	 * vault_passwd, so this client still builds against 1.0). */
	CHECK(vault_passwd(v, (const unsigned char *)"sara's own passphrase", 21,
	                   VAULT_KDF_INSECURE_TEST_ONLY));
	CHECK(vault_case_create(v, VAULT_CASE_VICTIM, 0, case_id));
	CHECK(vault_record_put(v, case_id, "intake", VAULT_CLASS_GENERAL, "hello, world", 12,
	                       &version));
	printf("put version %u\n", (unsigned)version);
	CHECK(vault_record_get(v, case_id, "intake", 0, &out, NULL, NULL));
	printf("get %.*s\n", (int)out.len, (const char *)out.data);
	vault_buf_free(&out);
	printf("missing: %s\n",
	       vault_strerror(vault_record_get(v, case_id, "nope", 0, &out, NULL, NULL)));
	vault_close(v);
	v = NULL;

	printf("wrong passphrase: %s\n",
	       vault_strerror(vault_open(dir, "sara", admin_pw, sizeof admin_pw - 1, NULL, &v)));
	vault_close(v);
	return 0;
}
