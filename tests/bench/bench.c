/*
 * bench.c - libvault against the raw floor of the same work, as ratios.
 *
 * `make bench` builds this against libvault.a and runs it.  Everything runs
 * on local disk under /tmp (not tmpfs: fsync must cost what it costs).
 *
 *  1. Record put and get of 1 KiB, through libvault and through raw
 *     SQLCipher opened with the same settings (raw key, 4096-byte pages,
 *     WAL, synchronous=FULL, secure_delete ON), doing only what cannot be
 *     avoided: per put, AEAD (XChaCha20-Poly1305, random nonce) + insert the
 *     record row + BLAKE2b-256 over ~200 bytes + insert an audit row; per
 *     get, select + decrypt + hash + insert an audit row.  Puts batched (2000
 *     operations in one transaction) and one per transaction (200); gets one
 *     per transaction only, since 1.1.0 refuses them inside vault_begin()
 *     (a get's audit entry must be durable before its plaintext leaves).
 *     Each figure is the best of ROUNDS rounds.
 *  2. Audit verification throughput over a log of 100,000+ entries, in the
 *     vault and offline from an export.
 *  3. Ed25519 signing per entry against signing once per transaction.
 *  4. Diagnostics: the same raw floor with a SAVEPOINT around each operation
 *     (what libvault's gate does), the cost of a guarded buffer
 *     (sodium_malloc) for a returned plaintext, and the design floor: the
 *     rows libvault writes for a put (record with its sealed label, the
 *     entry with its statement and tree hashes, the audit index), made the
 *     cheapest way with no checks (design_put).  The design floor over the
 *     raw floor is what the stored format costs; libvault over the design
 *     floor is what its checks and facts cost.
 *
 * `bench profile put|get` runs only libvault's puts (batched) or gets (one
 * per transaction), for perf or callgrind; after puts it prints the raw
 * floor and the design floor, with the ratios.  `bench floors` prints the
 * design floor with its stored parts left out one by one, then the floor
 * of two formats not built: one entry per transaction, with its
 * statements stored, and with the rows as its statements.  `bench disable N` times
 * vault_user_disable() on a vault of N records (it re-keys the database)
 * against a raw sqlcipher_export of the same file.  `bench admindisable C`:
 * an admin's disable, the supervisor's open that makes the owed keys, and
 * the first write after.  `bench orgdisable C`
 * times a disable in an organisation that owns C cases, and the auditor's
 * open after it with and without her cache of facts.
 *
 * The absolute figures depend on the machine; the ratios are the result.
 * Key slots use VAULT_KDF_INSECURE_TEST_ONLY: the KDF is not measured.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <dirent.h>

#include <sodium.h>
#include <sqlite3.h>

#include "vault.h"
#include "internal.h" /* the tree's own proof generation, without the audit gate */
#include <sys/resource.h>

/* SQLCipher's keying call (its header hides it without SQLITE_HAS_CODEC). */
int sqlite3_key(sqlite3 *db, const void *key, int nkey);

#define REC_SIZE 1024
#define N_BATCH 2000
#define N_TXN 200
#define ROUNDS 5
#define N_VERIFY 100000
#define VERIFY_BATCH 10000
#define N_SIGN 10000

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void ok(vault_status st, vault *v, const char *what)
{
	if (st != VAULT_OK)
		die("%s: %s (%s)", what, vault_strerror(st),
		    v ? vault_errmsg(v) : vault_last_errmsg());
}

static void rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			rmtree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* ------------------------------------------------------------------------ */
/* libvault                                                                  */
/* ------------------------------------------------------------------------ */

static char g_base[64];
static char g_vdir[128];
static char g_case[VAULT_ID_BUFSIZE];
static unsigned char g_rec[REC_SIZE];

#define PASS_ADMIN "bench-admin"
#define PASS_SUP "bench-supervisor"

static vault *lv_setup(void)
{
	vault_create_options co = VAULT_CREATE_OPTIONS_INIT;
	vault *adm = NULL, *v = NULL;

	snprintf(g_vdir, sizeof(g_vdir), "%s/vault", g_base);
	co.kdf = VAULT_KDF_INSECURE_TEST_ONLY;
	ok(vault_create(g_vdir, "admin", (const unsigned char *)PASS_ADMIN,
	                strlen(PASS_ADMIN), &co, &adm), NULL, "create");
	ok(vault_org_add(adm, "cav", "Centro antiviolenza", VAULT_ORG_ANTIVIOLENCE_CENTRE,
	                 "sup", (const unsigned char *)PASS_SUP, strlen(PASS_SUP),
	                 VAULT_KDF_INSECURE_TEST_ONLY), adm, "org add");
	ok(vault_user_add(adm, "aud", NULL, VAULT_ROLE_AUDITOR, (const unsigned char *)"bench-aud",
	                  9, VAULT_KDF_INSECURE_TEST_ONLY), adm, "auditor add");
	vault_close(adm);
	/* First passphrases (chosen by the admin) change before anything else. */
	ok(vault_open(g_vdir, "aud", (const unsigned char *)"bench-aud", 9, NULL, &v), NULL,
	   "open aud");
	ok(vault_passwd(v, (const unsigned char *)"bench-aud2", 10, VAULT_KDF_DEFAULT), v,
	   "passwd aud");
	ok(vault_passwd(v, (const unsigned char *)"bench-aud", 9, VAULT_KDF_DEFAULT), v,
	   "passwd aud");
	vault_close(v);
	ok(vault_open(g_vdir, "sup", (const unsigned char *)PASS_SUP, strlen(PASS_SUP), NULL,
	              &v), NULL, "open");
	ok(vault_passwd(v, (const unsigned char *)"bench-sup2", 10, VAULT_KDF_DEFAULT), v,
	   "passwd sup");
	ok(vault_passwd(v, (const unsigned char *)PASS_SUP, strlen(PASS_SUP), VAULT_KDF_DEFAULT), v,
	   "passwd sup");
	ok(vault_case_create(v, VAULT_CASE_VICTIM, 0, g_case), v, "case create");
	return v;
}

static void lv_put(vault *v, const char *name)
{
	ok(vault_record_put(v, g_case, name, VAULT_CLASS_GENERAL, g_rec, REC_SIZE, NULL), v,
	   "put");
}

static void lv_get(vault *v, const char *name)
{
	vault_buf b = VAULT_BUF_INIT;

	ok(vault_record_get(v, g_case, name, 0, &b, NULL, NULL), v, "get");
	if (b.len != REC_SIZE)
		die("get: %zu bytes", b.len);
	vault_buf_free(&b);
}

/* Returns µs per operation. */
static double lv_run(vault *v, int put, int n, int batched, const char *prefix)
{
	char name[64];
	double t0, t;
	int i;

	t0 = now_us();
	batched = batched && put; /* gets are refused inside vault_begin() */
	if (batched)
		ok(vault_begin(v), v, "begin");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		if (put)
			lv_put(v, name);
		else
			lv_get(v, name);
	}
	if (batched)
		ok(vault_commit(v), v, "commit");
	t = now_us() - t0;
	return t / n;
}

/* ------------------------------------------------------------------------ */
/* raw SQLCipher: the floor                                                  */
/* ------------------------------------------------------------------------ */

#define DESIGN 1
#define DESIGN_NO_FACT 2   /* the statement text is made and hashed, not stored */
#define DESIGN_NO_TREE 4   /* the tree hashes are computed, not stored */
#define DESIGN_NO_INDEX 8  /* no audit index */
#define DESIGN_NO_LABEL 16 /* the label is sealed, not stored */
#define DESIGN_NO_PAD 32   /* the record is not padded */
/* a format not built: one entry per transaction, whose statement list
 * holds every put of it (each put writes its record row and adds its
 * statement; the commit writes the one entry, its tree hashes and its
 * signature) */
#define DESIGN_ONE_ENTRY 64

typedef struct raw {
	int savepoint; /* diagnostic: wrap each operation in a savepoint */
	/* diagnostic: the rows libvault writes, made the cheapest way (see
	 * design_put); the DESIGN_NO_* bits leave parts of it out (`bench
	 * floors`) */
	int design;
	tlog_frontier tree;
	unsigned char signsk[64];
	sqlite3_stmt *sign;
	sqlite3 *db;
	sqlite3_stmt *ins_rec, *sel_rec, *ins_audit;
	unsigned char key[32];     /* record key */
	unsigned char prev[32];    /* audit chain head */
	unsigned char signpk[32];
	uint64_t seq;
	unsigned char *ct, *pt;
	char *batch; /* DESIGN_ONE_ENTRY: the transaction's statements so far */
	size_t nbatch, capbatch;
} raw;

static void rx(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die("raw: %s: %s", sql, err ? err : "?");
}

static void rprep(raw *r, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(r->db, sql, -1, s, NULL) != SQLITE_OK)
		die("raw prepare: %s", sqlite3_errmsg(r->db));
}

static void raw_open(raw *r, const char *sub, int design)
{
	unsigned char dbkey[32];
	char path[256], keyspec[70];
	int i;

	memset(r, 0, sizeof(*r));
	r->design = design;
	snprintf(path, sizeof(path), "%s/%s", g_base, sub);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/raw.db", g_base, sub);
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                                      SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		die("raw open");
	randombytes_buf(dbkey, sizeof(dbkey));
	keyspec[0] = 'x';
	keyspec[1] = '\'';
	for (i = 0; i < 32; i++)
		sprintf(keyspec + 2 + 2 * i, "%02x", dbkey[i]);
	keyspec[66] = '\'';
	keyspec[67] = '\0';
	if (sqlite3_key(r->db, keyspec, 67) != SQLITE_OK)
		die("raw key");
	sodium_memzero(keyspec, sizeof(keyspec));
	/* The settings libvault uses (store.c). */
	rx(r->db, "PRAGMA cipher_page_size = 4096; PRAGMA kdf_iter = 64000;"
	          " PRAGMA cipher_use_hmac = ON;");
	rx(r->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	          " PRAGMA secure_delete = ON;");
	if (r->design) {
		/* libvault's two tables as they are now, and the audit index */
		rx(r->db, "CREATE TABLE records(case_id TEXT NOT NULL, class INTEGER NOT NULL,"
		          " name TEXT NOT NULL, version INTEGER NOT NULL, epoch INTEGER NOT NULL,"
		          " deleted INTEGER NOT NULL, size INTEGER NOT NULL, author TEXT NOT NULL,"
		          " created INTEGER NOT NULL, nonce BLOB, ct BLOB, redacted_by TEXT,"
		          " redacted_at INTEGER, redact_reason TEXT, label BLOB,"
		          " padded INTEGER NOT NULL DEFAULT 0,"
		          " PRIMARY KEY(case_id, name, class, version));"
		          "CREATE TABLE audit(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
		          " actor TEXT NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL,"
		          " action TEXT NOT NULL, case_id TEXT NOT NULL, target TEXT NOT NULL,"
		          " class TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,"
		          " purpose TEXT NOT NULL, newkey BLOB, high INTEGER NOT NULL,"
		          " prev BLOB NOT NULL, hash BLOB NOT NULL, sig BLOB, key BLOB NOT NULL,"
		          " tree BLOB, fact TEXT NOT NULL DEFAULT '');");
		if (!(r->design & DESIGN_NO_INDEX))
			rx(r->db, "CREATE INDEX audit_case ON audit(case_id);");
		rprep(r, "INSERT INTO records(case_id, name, version, class, epoch, deleted,"
		         " size, author, created, nonce, ct, label, padded)"
		         " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)", &r->ins_rec);
		rprep(r, "INSERT INTO audit(seq, ts, actor, org, role, action, case_id, target,"
		         " class, outcome, reason, purpose, newkey, high, prev, hash, sig, key,"
		         " tree, fact) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,NULL,0,?13,"
		         "?14,NULL,?15,?16,?17)", &r->ins_audit);
		rprep(r, "UPDATE audit SET sig = ?1 WHERE seq = ?2", &r->sign);
		vault__tlog_frontier_init(&r->tree);
		crypto_sign_keypair(r->signpk, r->signsk);
		goto keys;
	}
	/* The same two tables as libvault's. */
	rx(r->db, "CREATE TABLE records(case_id TEXT NOT NULL, name TEXT NOT NULL,"
	          " version INTEGER NOT NULL, class INTEGER NOT NULL, epoch INTEGER NOT NULL,"
	          " deleted INTEGER NOT NULL, size INTEGER NOT NULL, author TEXT NOT NULL,"
	          " created INTEGER NOT NULL, nonce BLOB, ct BLOB,"
	          " PRIMARY KEY(case_id, name, version));"
	          "CREATE TABLE audit(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	          " actor TEXT NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL,"
	          " action TEXT NOT NULL, case_id TEXT NOT NULL, target TEXT NOT NULL,"
	          " class TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,"
	          " purpose TEXT NOT NULL, newkey BLOB, high INTEGER NOT NULL,"
	          " prev BLOB NOT NULL, hash BLOB NOT NULL, sig BLOB, key BLOB NOT NULL);");
	rprep(r, "INSERT INTO records(case_id, name, version, class, epoch, deleted, size,"
	         " author, created, nonce, ct) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
	      &r->ins_rec);
	rprep(r, "SELECT version, class, epoch, size, nonce, ct FROM records"
	         " WHERE case_id = ?1 AND name = ?2 ORDER BY version DESC LIMIT 1",
	      &r->sel_rec);
	rprep(r, "INSERT INTO audit(seq, ts, actor, org, role, action, case_id, target,"
	         " class, outcome, reason, purpose, newkey, high, prev, hash, sig, key)"
	         " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,NULL,0,?13,?14,NULL,?15)",
	      &r->ins_audit);
	randombytes_buf(r->signpk, sizeof(r->signpk));
keys:
	randombytes_buf(r->key, sizeof(r->key));
	r->ct = malloc(2 * REC_SIZE + crypto_aead_xchacha20poly1305_ietf_ABYTES);
	r->pt = malloc(2 * REC_SIZE);
}

static void raw_close(raw *r)
{
	sqlite3_finalize(r->ins_rec);
	sqlite3_finalize(r->sel_rec);
	sqlite3_finalize(r->ins_audit);
	sqlite3_finalize(r->sign);
	sqlite3_close(r->db);
	free(r->ct);
	free(r->pt);
	free(r->batch);
}

static size_t ad_of(unsigned char *ad, const char *name, uint32_t version)
{
	size_t n = 0, l = strlen(name);

	memcpy(ad, "libvault-record-v1", 19);
	n += 19;
	memcpy(ad + n, g_case, 32);
	n += 32;
	memcpy(ad + n, name, l);
	n += l;
	memcpy(ad + n, &version, 4);
	n += 4;
	memset(ad + n, 0, 8); /* class, epoch */
	ad[n + 3] = 1;
	ad[n + 7] = 1;
	return n + 8;
}

/* One audit row: BLAKE2b-256 over ~200 bytes (prev, seq, ts, the fields,
 * signer key), then the insert. */
static void raw_audit(raw *r, const char *action, const char *name)
{
	unsigned char buf[320], hash[32];
	int64_t ts = (int64_t)time(NULL);
	size_t n = 0;
	sqlite3_stmt *s = r->ins_audit;
	const char *f[] = {"sup", "cav", "supervisor", action, g_case, name, "general", "ok",
	                   "", "casework"};
	size_t i;

	r->seq++;
	memcpy(buf + n, r->prev, 32);
	n += 32;
	memcpy(buf + n, &r->seq, 8);
	n += 8;
	memcpy(buf + n, &ts, 8);
	n += 8;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint32_t l = (uint32_t)strlen(f[i]);
		memcpy(buf + n, &l, 4);
		n += 4;
		memcpy(buf + n, f[i], l);
		n += l;
	}
	memcpy(buf + n, r->signpk, 32);
	n += 32;
	crypto_generichash(hash, 32, buf, n, NULL, 0);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)r->seq);
	sqlite3_bind_int64(s, 2, ts);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		sqlite3_bind_text(s, 3 + (int)i, f[i], -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 13, r->prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 14, hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 15, r->signpk, 32, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		die("raw audit insert: %s", sqlite3_errmsg(r->db));
	sqlite3_reset(s);
	memcpy(r->prev, hash, 32);
}

static void raw_put(raw *r, const char *name)
{
	unsigned char nonce[24], ad[160];
	size_t adlen = ad_of(ad, name, 1);
	unsigned long long clen;
	sqlite3_stmt *s = r->ins_rec;

	randombytes_buf(nonce, sizeof(nonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(r->ct, &clen, g_rec, REC_SIZE, ad, adlen,
	                                           NULL, nonce, r->key);
	sqlite3_bind_text(s, 1, g_case, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, 1);
	sqlite3_bind_int(s, 4, 1);
	sqlite3_bind_int64(s, 5, 1);
	sqlite3_bind_int(s, 6, 0);
	sqlite3_bind_int64(s, 7, REC_SIZE);
	sqlite3_bind_text(s, 8, "sup", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)time(NULL));
	sqlite3_bind_blob(s, 10, nonce, sizeof(nonce), SQLITE_STATIC);
	sqlite3_bind_blob(s, 11, r->ct, (int)clen, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		die("raw insert: %s", sqlite3_errmsg(r->db));
	sqlite3_reset(s);
	raw_audit(r, "record.put", name);
}

/* The floor of libvault's put as it is stored now, doing only what its rows
 * need, the cheapest way and with no checks: Padme padding, the record
 * sealed (XChaCha20-Poly1305) with a sealed label, the record row; its
 * statement (the row's image, blobs as BLAKE2b-256 in base64, the same
 * text libvault writes, made with snprintf), the entry's BLAKE2b-256 over
 * its fields and that text, the Merkle tree's leaf and nodes (RFC 6962,
 * libvault's own code), the audit row with its statement and tree hashes;
 * one Ed25519 signature per transaction (design_commit).  What it leaves
 * out is what makes the statement a fact: its checks against the facts,
 * the replay's judgement, the JSON library. */
static void b64_of(char out[45], const unsigned char *p, size_t n)
{
	unsigned char h[32];

	crypto_generichash(h, 32, p, n, NULL, 0);
	sodium_bin2base64(out, 45, h, 32, sodium_base64_VARIANT_ORIGINAL);
}

static void design_entry(raw *r, int64_t ts, char tagtext[33], const unsigned char tag[16],
                         const char *fact, size_t fl);

static void design_put(raw *r, const char *name)
{
	unsigned char nonce[24], ad[160], tag[16], label[VAULT_LABEL_BYTES], lpt[4 + VAULT_NAME_MAX + 1];
	char fact[1024], htag[45], hnonce[45], hct[45], hlabel[45], tagtext[33];
	size_t adlen = ad_of(ad, name, 1), padded;
	unsigned long long clen;
	int64_t ts = (int64_t)time(NULL);
	int fl;
	sqlite3_stmt *s = r->ins_rec;

	crypto_generichash(tag, sizeof(tag), (const unsigned char *)name, strlen(name), r->key, 32);
	memcpy(r->pt, g_rec, REC_SIZE);
	padded = REC_SIZE;
	if (!(r->design & DESIGN_NO_PAD))
		vault__pad(r->pt, REC_SIZE, 2 * REC_SIZE, &padded);
	randombytes_buf(nonce, sizeof(nonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(r->ct, &clen, r->pt, padded, ad, adlen, NULL,
	                                           nonce, r->key);
	memset(lpt, 0, sizeof(lpt));
	memcpy(lpt + 4, name, strlen(name));
	randombytes_buf(label, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(label + 24, NULL, lpt, sizeof(lpt), ad, adlen,
	                                           NULL, label, r->key);
	sqlite3_bind_text(s, 1, g_case, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, tag, sizeof(tag), SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, 1);
	sqlite3_bind_int(s, 4, 1);
	sqlite3_bind_int64(s, 5, 1);
	sqlite3_bind_int(s, 6, 0);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)padded);
	sqlite3_bind_text(s, 8, "sup", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, ts);
	sqlite3_bind_blob(s, 10, nonce, sizeof(nonce), SQLITE_STATIC);
	sqlite3_bind_blob(s, 11, r->ct, (int)clen, SQLITE_STATIC);
	if (r->design & DESIGN_NO_LABEL)
		sqlite3_bind_null(s, 12);
	else
		sqlite3_bind_blob(s, 12, label, sizeof(label), SQLITE_STATIC);
	sqlite3_bind_int(s, 13, 1);
	if (sqlite3_step(s) != SQLITE_DONE)
		die("design insert: %s", sqlite3_errmsg(r->db));
	sqlite3_reset(s);
	/* the statement: the row's image */
	b64_of(htag, tag, sizeof(tag));
	b64_of(hnonce, nonce, sizeof(nonce));
	b64_of(hct, r->ct, (size_t)clen);
	b64_of(hlabel, label, sizeof(label));
	fl = snprintf(fact, sizeof(fact), "{\"v\":1,\"s\":[{\"t\":\"records\",\"r\":[\"%s\","
	              "{\"h\":\"%s\"},1,1,1,0,%zu,\"sup\",%lld,{\"h\":\"%s\"},{\"h\":\"%s\"},"
	              "null,null,null,{\"h\":\"%s\"},1]}]}", g_case, htag, padded, (long long)ts,
	              hnonce, hct, hlabel);
	if (r->design & DESIGN_ONE_ENTRY) {
		/* the statement alone, added to the transaction's list */
		size_t st = strlen("{\"v\":1,\"s\":["), sl = (size_t)fl - st - 2;

		if (r->nbatch + sl + 1 > r->capbatch) {
			r->capbatch = (r->nbatch + sl + 1) * 2;
			if ((r->batch = realloc(r->batch, r->capbatch)) == NULL)
				die("out of memory");
		}
		if (r->nbatch > 0)
			r->batch[r->nbatch++] = ',';
		memcpy(r->batch + r->nbatch, fact + st, sl);
		r->nbatch += sl;
		return;
	}
	design_entry(r, ts, tagtext, tag, fact, (size_t)fl);
}

/* The entry over a statement list: its hash, tree hashes and row. */
static void design_entry(raw *r, int64_t ts, char tagtext[33], const unsigned char tag[16],
                         const char *fact, size_t fl)
{
	unsigned char buf[1024], hash[32], leaf[32], stored[TLOG_MAX_LEVELS][TLOG_HASH];
	size_t n = 0, i;
	int nstored;
	sqlite3_stmt *s;

	/* the entry's hash over its fields and statement */
	{
		const char *f[] = {"sup", "cav", "supervisor", "record.put", g_case, "", "general",
		                   "ok", "", "casework"};
		crypto_generichash_state hs;

		if (tag != NULL)
			for (i = 0; i < 16; i++)
				sprintf(tagtext + 2 * i, "%02x", tag[i]);
		f[5] = tag != NULL ? tagtext : "";
		r->seq++;
		memcpy(buf + n, r->prev, 32);
		n += 32;
		memcpy(buf + n, &r->seq, 8);
		n += 8;
		memcpy(buf + n, &ts, 8);
		n += 8;
		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			uint32_t l = (uint32_t)strlen(f[i]);
			memcpy(buf + n, &l, 4);
			n += 4;
			memcpy(buf + n, f[i], l);
			n += l;
		}
		memcpy(buf + n, r->signpk, 32);
		n += 32;
		crypto_generichash_init(&hs, NULL, 0, 32);
		crypto_generichash_update(&hs, buf, n);
		crypto_generichash_update(&hs, (const unsigned char *)fact, fl);
		crypto_generichash_final(&hs, hash, 32);
		vault__tlog_leaf_hash(hash, 32, leaf);
		if (vault__tlog_frontier_append(&r->tree, leaf, stored, &nstored) != 0)
			die("design tree");
		s = r->ins_audit;
		sqlite3_bind_int64(s, 1, (sqlite3_int64)r->seq);
		sqlite3_bind_int64(s, 2, ts);
		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			sqlite3_bind_text(s, 3 + (int)i, f[i], -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 13, r->prev, 32, SQLITE_STATIC);
		sqlite3_bind_blob(s, 14, hash, 32, SQLITE_STATIC);
		sqlite3_bind_blob(s, 15, r->signpk, 32, SQLITE_STATIC);
		if (r->design & DESIGN_NO_TREE)
			sqlite3_bind_null(s, 16);
		else
			sqlite3_bind_blob(s, 16, stored, nstored * TLOG_HASH, SQLITE_STATIC);
		sqlite3_bind_text(s, 17, fact, r->design & DESIGN_NO_FACT ? 0 : (int)fl,
		                  SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			die("design audit insert: %s", sqlite3_errmsg(r->db));
		sqlite3_reset(s);
		memcpy(r->prev, hash, 32);
	}
}

/* One signature per transaction, on its last entry. */
static void design_commit(raw *r)
{
	unsigned char sig[64];

	if ((r->design & DESIGN_ONE_ENTRY) && r->nbatch > 0) {
		char *fact = malloc(r->nbatch + 32), tagtext[33];
		int fl;

		if (fact == NULL)
			die("out of memory");
		fl = snprintf(fact, r->nbatch + 32, "{\"v\":1,\"s\":[%.*s]}", (int)r->nbatch,
		              r->batch);
		design_entry(r, (int64_t)time(NULL), tagtext, NULL, fact, (size_t)fl);
		free(fact);
		r->nbatch = 0;
	}

	crypto_sign_detached(sig, NULL, r->prev, 32, r->signsk);
	sqlite3_bind_blob(r->sign, 1, sig, 64, SQLITE_STATIC);
	sqlite3_bind_int64(r->sign, 2, (sqlite3_int64)r->seq);
	if (sqlite3_step(r->sign) != SQLITE_DONE)
		die("design sign: %s", sqlite3_errmsg(r->db));
	sqlite3_reset(r->sign);
}

static void raw_get(raw *r, const char *name)
{
	unsigned char ad[160];
	unsigned long long plen;
	sqlite3_stmt *s = r->sel_rec;
	size_t adlen = ad_of(ad, name, 1);

	sqlite3_bind_text(s, 1, g_case, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW)
		die("raw select: %s", sqlite3_errmsg(r->db));
	if (sqlite3_column_bytes(s, 4) != 24 ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(
	        r->pt, &plen, NULL, sqlite3_column_blob(s, 5),
	        (unsigned long long)sqlite3_column_bytes(s, 5), ad, adlen,
	        sqlite3_column_blob(s, 4), r->key) != 0 ||
	    plen != REC_SIZE)
		die("raw decrypt");
	sqlite3_reset(s);
	raw_audit(r, "record.get", name);
}

static double raw_run(raw *r, int put, int n, int batched, const char *prefix)
{
	char name[64];
	double t0, t;
	int i;

	t0 = now_us();
	if (batched)
		rx(r->db, "BEGIN IMMEDIATE");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		if (!batched)
			rx(r->db, "BEGIN IMMEDIATE");
		if (r->savepoint)
			rx(r->db, "SAVEPOINT op");
		if (put && r->design)
			design_put(r, name);
		else if (put)
			raw_put(r, name);
		else
			raw_get(r, name);
		if (r->savepoint)
			rx(r->db, "RELEASE op");
		if (!batched && r->design)
			design_commit(r);
		if (!batched)
			rx(r->db, "COMMIT");
	}
	if (batched && r->design)
		design_commit(r);
	if (batched)
		rx(r->db, "COMMIT");
	t = now_us() - t0;
	return t / n;
}

/* ------------------------------------------------------------------------ */
/* main                                                                      */
/* ------------------------------------------------------------------------ */

struct row {
	const char *op;
	double lv, raw;
};

static int cb_query_count(const vault_audit_entry *e, void *ctx)
{
	(void)e;
	(*(uint64_t *)ctx)++;
	return 0;
}

static int cb_count(uint64_t done, uint64_t total, void *ctx)
{
	(void)done;
	(void)total;
	(void)ctx;
	return 0;
}

static double minf(double a, double b)
{
	return a < b ? a : b;
}

/* `bench profile put|get`: only libvault's batched operations, 10 x 2000,
 * to run under perf or callgrind. */
static int profile(const char *what)
{
	char prefix[32];
	vault *v;
	int i, put = strcmp(what, "put") == 0;

	double best = 1e18, bestc = 1e18;
	v = lv_setup();
	for (i = 0; i < 10; i++) {
		struct timespec a, b;
		double w;
		snprintf(prefix, sizeof(prefix), "p%d-", i);
		if (!put)
			lv_run(v, 1, N_BATCH, 1, prefix);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
		w = lv_run(v, put, N_BATCH, 1, prefix);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		best = minf(best, w);
		bestc = minf(bestc, ((b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3) / N_BATCH);
	}
	printf("%s batched: best wall %.1f us/op, best cpu %.1f us/op\n", what, best, bestc);
	if (put) { /* the floor, for the ratio */
		raw r;
		double rbest = 1e18, dbest = 1e18;

		raw_open(&r, "raw", 0);
		for (i = 0; i < 10; i++) {
			snprintf(prefix, sizeof(prefix), "p%d-", i);
			rbest = minf(rbest, raw_run(&r, 1, N_BATCH, 1, prefix));
		}
		raw_close(&r);
		printf("raw put batched: best wall %.1f us/op; libvault/raw %.2fx\n", rbest,
		       best / rbest);
		raw_open(&r, "design", DESIGN);
		for (i = 0; i < 10; i++) {
			snprintf(prefix, sizeof(prefix), "p%d-", i);
			dbest = minf(dbest, raw_run(&r, 1, N_BATCH, 1, prefix));
		}
		raw_close(&r);
		printf("libvault's rows, cheapest (design floor): best wall %.1f us/op;"
		       " floor/raw %.2fx, libvault/floor %.2fx\n", dbest, dbest / rbest, best / dbest);
	}
	vault_close(v);
	rmtree(g_base);
	return 0;
}

/* `bench floors`: the design floor, then with its stored parts left out one
 * by one (their computation stays), each against the raw floor in the same
 * process: what the stored format costs, and what its computation alone
 * costs. */
static int floors(void)
{
	static const struct {
		int bits;
		const char *what;
	} v[] = {
	    {DESIGN, "design floor (libvault's rows for a put)"},
	    {DESIGN | DESIGN_NO_FACT, "  without the statement text stored"},
	    {DESIGN | DESIGN_NO_FACT | DESIGN_NO_TREE, "  and without the tree hashes stored"},
	    {DESIGN | DESIGN_NO_FACT | DESIGN_NO_TREE | DESIGN_NO_INDEX, "  and without the audit index"},
	    {DESIGN | DESIGN_NO_FACT | DESIGN_NO_TREE | DESIGN_NO_INDEX | DESIGN_NO_LABEL,
	     "  and without the label stored"},
	    {DESIGN | DESIGN_NO_FACT | DESIGN_NO_TREE | DESIGN_NO_INDEX | DESIGN_NO_LABEL |
	         DESIGN_NO_PAD,
	     "  and without padding"},
	    {DESIGN | DESIGN_ONE_ENTRY,
	     "one entry per transaction (a format not built)"},
	    {DESIGN | DESIGN_ONE_ENTRY | DESIGN_NO_FACT,
	     "  and its statements not stored (the rows are)"},
	};
	char prefix[32], sub[32];
	size_t k;
	int i;

	printf("%-46s %10s %10s %8s\n", "batched put (2000/txn), best of 10", "us/op", "raw us/op",
	       "ratio");
	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		double a = 1e18, b = 1e18;
		raw r, d;

		snprintf(sub, sizeof(sub), "raw%zu", k);
		raw_open(&r, sub, 0);
		snprintf(sub, sizeof(sub), "floor%zu", k);
		raw_open(&d, sub, v[k].bits);
		for (i = 0; i < 10; i++) {
			snprintf(prefix, sizeof(prefix), "f%d-", i);
			a = minf(a, raw_run(&r, 1, N_BATCH, 1, prefix));
			b = minf(b, raw_run(&d, 1, N_BATCH, 1, prefix));
		}
		raw_close(&r);
		raw_close(&d);
		printf("%-46s %10.1f %10.1f %7.2fx\n", v[k].what, b, a, b / a);
		fflush(stdout);
	}
	rmtree(g_base);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The verifiable log: proofs, their sizes and checks, open as a witness     */
/* ------------------------------------------------------------------------ */

static long rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Proof generation (tree reads only, then through the API with its audit
 * entry), proof sizes, offline checks, and vault_open with a witness state. */
static void tlog_bench(vault *aud, const char *state_dir, const char *who,
                       const char *pass)
{
	unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH], root[32];
	vault_buf cp = VAULT_BUF_INIT, pr = VAULT_BUF_INIT, vk = VAULT_BUF_INIT;
	vault_verify_result res;
	const char *keys[1];
	uint64_t size, i, k = 2000;
	size_t n, maxn = 0, bytes;
	double t0, t;
	vault *w;
	int j;

	ok(vault_audit_checkpoint(aud, &cp), aud, "checkpoint");
	size = strtoull(strchr((const char *)cp.data, '\n') + 1, NULL, 10);
	ok(vault_audit_vkey(aud, NULL, &vk), aud, "vkey");
	ok(vault__exec(aud, "BEGIN"), aud, "begin");
	t0 = now_us();
	for (i = 0; i < k; i++) {
		uint64_t seq = 1 + (i * 7919u) % size;

		ok(vault__tlog_prove_inclusion(seq - 1, size, vault__audit_tree_read, aud, proof,
		                               &n), aud, "prove");
		if (n > maxn)
			maxn = n;
	}
	t = (now_us() - t0) / (double)k;
	ok(vault__audit_tree_root(aud, size, root), aud, "root");
	vault__exec(aud, "COMMIT");
	printf("inclusion proof at %llu entries: %.1f us from the stored tree (%zu hashes,"
	       " %zu bytes, at most)\n", (unsigned long long)size, t, maxn, maxn * 32);
	t0 = now_us();
	for (j = 0; j < 20; j++) {
		vault_buf_free(&pr);
		ok(vault_audit_prove_inclusion(aud, 1 + (uint64_t)j * (size / 21),
		                               (const char *)cp.data, &pr), aud, "prove api");
	}
	t = (now_us() - t0) / 20;
	bytes = pr.len;
	printf("  vault_audit_prove_inclusion (with its audit entry, one transaction): %.0f us;"
	       " the JSON proof is %zu bytes\n", t, bytes);
	keys[0] = (const char *)vk.data;
	vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION);
	t0 = now_us();
	for (j = 0; j < 200; j++)
		if (vault_audit_check_proof((const char *)pr.data, keys, 1, &res) != VAULT_OK)
			die("check proof: %s", res.reason);
	printf("  vault_audit_check_proof (offline, inclusion): %.0f us each\n",
	       (now_us() - t0) / 200);
	vault_buf_free(&pr);
	ok(vault_audit_prove_consistency(aud, (const char *)cp.data, NULL, &pr), aud, "cons");
	printf("  consistency proof %llu -> now: %zu bytes of JSON\n", (unsigned long long)size,
	       pr.len);
	vault_buf_free(&pr);
	vault_buf_free(&vk);
	vault_buf_free(&cp);

	/* vault_open as a witness: the state was made by a first open; the
	 * second reads what is new since (one entry) */
	{
		vault_open_options o = VAULT_OPEN_OPTIONS_INIT;
		double plain = 1e18, witness = 1e18;

		o.state_dir = state_dir;
		ok(vault_open(g_vdir, who, (const unsigned char *)pass, strlen(pass), &o, &w), NULL,
		   "open witness");
		vault_close(w);
		for (j = 0; j < 5; j++) {
			t0 = now_us();
			ok(vault_open(g_vdir, who, (const unsigned char *)pass, strlen(pass), NULL, &w),
			   NULL, "open");
			plain = minf(plain, now_us() - t0);
			vault_close(w);
			t0 = now_us();
			ok(vault_open(g_vdir, who, (const unsigned char *)pass, strlen(pass), &o, &w),
			   NULL, "open witness");
			witness = minf(witness, now_us() - t0);
			vault_close(w);
		}
		printf("vault_open at %llu entries: %.2f ms without a witness state, %.2f ms with"
		       " one (+%.2f ms)\n\n", (unsigned long long)size, plain / 1e3, witness / 1e3,
		       (witness - plain) / 1e3);
	}
}

/* `bench scale N`: grow one log to N entries (puts of new records, 10k a
 * transaction: each entry states a record version, so the facts the open
 * replays grow with it; gets cannot be batched), and report verification, proofs and open at the end, with
 * the peak RSS along the way. */
static int scale(uint64_t n)
{
	vault *v = lv_setup(), *aud;
	vault_verify_result res;
	uint64_t done = 0;
	double t0 = now_us(), t;
	char sd[200];

	while (done < n) {
		char name[32];
		int i;

		ok(vault_begin(v), v, "begin");
		for (i = 0; i < VERIFY_BATCH; i++) {
			snprintf(name, sizeof(name), "w%llu", (unsigned long long)done + (unsigned)i);
			lv_put(v, name);
		}
		ok(vault_commit(v), v, "commit");
		done += VERIFY_BATCH;
		if (done % 200000 == 0)
			printf("  %llu entries, %.0f s, max RSS %ld KiB\n", (unsigned long long)done,
			       (now_us() - t0) / 1e6, rss_kb());
	}
	vault_close(v);
	printf("grown by %llu puts in %.1f s (%.1f us each), max RSS %ld KiB\n",
	       (unsigned long long)n, (now_us() - t0) / 1e6, (now_us() - t0) / (double)n,
	       rss_kb());
	ok(vault_open(g_vdir, "aud", (const unsigned char *)"bench-aud", 9, NULL, &aud), NULL,
	   "open aud");
	vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION);
	t0 = now_us();
	ok(vault_audit_verify(aud, NULL, &res, cb_count, NULL), aud, "verify");
	t = now_us() - t0;
	printf("vault_audit_verify: %llu entries in %.2f s = %.0f entries/s, max RSS %ld KiB\n",
	       (unsigned long long)res.entries, t / 1e6, res.entries / (t / 1e6), rss_kb());
	snprintf(sd, sizeof(sd), "%s/state", g_base);
	tlog_bench(aud, sd, "aud", "bench-aud");
	printf("max RSS at the end %ld KiB\n", rss_kb());
	vault_close(aud);
	rmtree(g_base);
	return 0;
}

/* The newest version of the record the log was grown with. */
static void grow_get(vault *v)
{
	vault_buf b = VAULT_BUF_INIT;

	ok(vault_record_get(v, g_case, "grow", 0, &b, NULL, NULL), v, "get grow");
	vault_buf_free(&b);
}

/* N puts of new records into the case, VERIFY_BATCH a transaction. */
static void grow(vault *v, uint64_t n)
{
	uint64_t done = 0;
	int i;

	while (done < n) {
		char name[32];

		ok(vault_begin(v), v, "begin");
		for (i = 0; i < VERIFY_BATCH && done < n; i++, done++) {
			snprintf(name, sizeof(name), "w%llu", (unsigned long long)done);
			lv_put(v, name);
		}
		ok(vault_commit(v), v, "commit");
	}
}

/* `bench profile-open N`: grow a log by N puts, then open it 3 times
 * (for a profiler: valgrind --tool=callgrind --toggle-collect=vault_open). */
static int profile_open(uint64_t n)
{
	vault *v = lv_setup();
	int i;

	grow(v, n);
	vault_close(v);
	for (i = 0; i < 3; i++) {
		double t0 = now_us();

		ok(vault_open(g_vdir, "sup", (const unsigned char *)PASS_SUP, strlen(PASS_SUP), NULL,
		              &v), NULL, "open");
		printf("vault_open after %llu puts: %.2f ms\n", (unsigned long long)n,
		       (now_us() - t0) / 1e3);
		vault_close(v);
	}
	rmtree(g_base);
	return 0;
}

/* `bench disable N`: the cost of vault_user_disable() on a vault of N
 * records of REC_SIZE bytes (it re-keys the whole database), against a raw
 * sqlcipher_export of the same file into a fresh one, in this process. */
static double raw_export_us(const unsigned char key[32])
{
	char path[256], tmp[256], spec[70], sql[1024];
	sqlite3 *db = NULL;
	double t0;

	snprintf(path, sizeof(path), "%s/vault.db", g_vdir);
	snprintf(tmp, sizeof(tmp), "%s/raw-export.db", g_base);
	unlink(tmp);
	spec[0] = 'x';
	spec[1] = '\'';
	sodium_bin2hex(spec + 2, 65, key, 32);
	spec[66] = '\'';
	spec[67] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_key(db, spec, 67) != SQLITE_OK)
		die("raw open");
	/* The vault's cipher settings (store.c); SQLCipher 3.4 ignores the
	 * two algorithm pragmas, whose values are its defaults. */
	rx(db, "PRAGMA cipher_page_size = 4096; PRAGMA kdf_iter = 64000;"
	       "PRAGMA cipher_use_hmac = ON; PRAGMA cipher_hmac_algorithm = HMAC_SHA1;"
	       "PRAGMA cipher_kdf_algorithm = PBKDF2_HMAC_SHA1;");
	t0 = now_us();
	snprintf(sql, sizeof(sql), "ATTACH DATABASE '%s' AS rot KEY \"%s\";"
	         "PRAGMA rot.cipher_page_size = 4096; PRAGMA rot.kdf_iter = 64000;"
	         "PRAGMA rot.cipher_hmac_algorithm = HMAC_SHA1;"
	         "PRAGMA rot.cipher_kdf_algorithm = PBKDF2_HMAC_SHA1;"
	         "PRAGMA rot.synchronous = FULL; SELECT sqlcipher_export('rot');"
	         "DETACH DATABASE rot;", tmp, spec);
	rx(db, sql);
	t0 = now_us() - t0;
	sqlite3_close(db);
	unlink(tmp);
	return t0;
}

static int disable_bench(int n)
{
	vault *v = lv_setup();
	char name[32], path[256];
	struct stat sb;
	double t_raw, t_dis;
	int i;

	ok(vault_user_add(v, "cw", NULL, VAULT_ROLE_CASEWORKER, (const unsigned char *)"bench-cw",
	                  8, VAULT_KDF_INSECURE_TEST_ONLY), v, "user add");
	for (i = 0; i < n; i++) {
		if (i % N_BATCH == 0)
			ok(vault_begin(v), v, "begin");
		snprintf(name, sizeof(name), "r%d", i);
		lv_put(v, name);
		if (i % N_BATCH == N_BATCH - 1 || i == n - 1)
			ok(vault_commit(v), v, "commit");
	}
	snprintf(path, sizeof(path), "%s/vault.db", g_vdir);
	vault_close(v);
	v = NULL;
	ok(vault_open(g_vdir, "sup", (const unsigned char *)PASS_SUP, strlen(PASS_SUP), NULL,
	              &v), NULL, "open");
	if (stat(path, &sb) != 0)
		die("stat");
	printf("vault of %d records of %d bytes: vault.db %.1f MiB (after checkpoint)\n", n,
	       REC_SIZE, (double)sb.st_size / (1024.0 * 1024.0));
	t_raw = raw_export_us(v->sec->dbkey);
	t_dis = now_us();
	ok(vault_user_disable(v, "cw"), v, "disable");
	t_dis = now_us() - t_dis;
	printf("raw sqlcipher_export of that file:   %8.2f s\n", t_raw / 1e6);
	printf("vault_user_disable (with re-key):    %8.2f s  (%.2fx the raw export)\n",
	       t_dis / 1e6, t_dis / t_raw);
	vault_close(v);
	rmtree(g_base);
	return 0;
}

/* `bench orgdisable C`: a disable in an organisation that owns C cases
 * rotates every one of them in its one entry (about 500 bytes of
 * statements a case); then the auditor's open with no cache of facts
 * replays that entry, against her open from her cache. */
/* A user's cache of facts: named after her slot id (lib/facts_cache.c). */
static void cache_file(const char *user, char *out, size_t cap)
{
	char id[65];

	if (vault__slot_id_hex(g_vdir, user, id) != VAULT_OK)
		die("no slot id for %s", user);
	snprintf(out, cap, "%s/facts-%s.cache", g_vdir, id);
}

static double open_aud_us(void)
{
	vault *v = NULL;
	double t = now_us();

	ok(vault_open(g_vdir, "aud", (const unsigned char *)"bench-aud", 9, NULL, &v), NULL,
	   "open aud");
	t = now_us() - t;
	vault_close(v);
	return t;
}

static int orgdisable_bench(int n)
{
	vault *v = lv_setup();
	char cs[VAULT_ID_BUFSIZE], path[256];
	double t_dis, t_cold, t_warm;
	int i;

	ok(vault_user_add(v, "cw", NULL, VAULT_ROLE_CASEWORKER, (const unsigned char *)"bench-cw",
	                  8, VAULT_KDF_INSECURE_TEST_ONLY), v, "user add");
	for (i = 1; i < n; i++) /* lv_setup made the first */
		ok(vault_case_create(v, VAULT_CASE_VICTIM, 0, cs), v, "case create");
	t_dis = now_us();
	ok(vault_user_disable(v, "cw"), v, "disable");
	t_dis = now_us() - t_dis;
	vault_close(v);
	open_aud_us(); /* her cache, up to the disable */
	t_warm = open_aud_us();
	cache_file("aud", path, sizeof(path));
	if (unlink(path) != 0)
		die("no cache of facts at %s", path);
	t_cold = open_aud_us();
	printf("organisation owning %d cases:\n", n);
	printf("vault_user_disable of a member:        %8.2f s\n", t_dis / 1e6);
	printf("auditor's open, from her cache:        %8.2f s\n", t_warm / 1e6);
	printf("auditor's open, no cache (replays all): %7.2f s\n", t_cold / 1e6);
	rmtree(g_base);
	return 0;
}

/* `bench admindisable C`: an admin's disable of a member of an
 * organisation owning C cases rotates no key but the database's and marks
 * the organisation's keys owed; its supervisor's next open makes them
 * (org.rotate), and the first write to each case rotates its class first. */
static int admindisable_bench(int n)
{
	vault *v = lv_setup(), *adm = NULL;
	char cs[VAULT_ID_BUFSIZE];
	double t_dis, t_open, t_first, t_next;
	int i;

	ok(vault_user_add(v, "cw", NULL, VAULT_ROLE_CASEWORKER, (const unsigned char *)"bench-cw",
	                  8, VAULT_KDF_INSECURE_TEST_ONLY), v, "user add");
	for (i = 1; i < n; i++) /* lv_setup made the first */
		ok(vault_case_create(v, VAULT_CASE_VICTIM, 0, cs), v, "case create");
	vault_close(v);
	ok(vault_open(g_vdir, "admin", (const unsigned char *)PASS_ADMIN, strlen(PASS_ADMIN), NULL,
	              &adm), NULL, "open admin");
	t_dis = now_us();
	ok(vault_user_disable(adm, "cw"), adm, "disable");
	t_dis = now_us() - t_dis;
	vault_close(adm);
	t_open = now_us();
	ok(vault_open(g_vdir, "sup", (const unsigned char *)PASS_SUP, strlen(PASS_SUP), NULL, &v),
	   NULL, "open sup");
	t_open = now_us() - t_open;
	t_first = now_us();
	lv_put(v, "after");
	t_first = now_us() - t_first;
	t_next = now_us();
	lv_put(v, "after2");
	t_next = now_us() - t_next;
	vault_close(v);
	printf("organisation owning %d cases:\n", n);
	printf("an admin's vault_user_disable of a member:      %8.3f s\n", t_dis / 1e6);
	printf("its supervisor's next open (makes the keys):    %8.3f s\n", t_open / 1e6);
	printf("first put to a case after (rotates its class):  %8.2f ms\n", t_first / 1e3);
	printf("next put to that case:                          %8.2f ms\n", t_next / 1e3);
	rmtree(g_base);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* `bench firstcase N [warm]`: what the first use of a case in a handle
 * costs (its rows checked against the facts, its keys unsealed), against
 * the next use, on N cases with a few records each: median over the cases.
 * The handle is fresh; with `warm`, it has first read a record of another
 * case, so what is timed is the case's own first use and not also the
 * handle's (its statements prepared, its organisation key unsealed). */
static int firstcase(int n, int warm)
{
	vault *v = lv_setup();
	char (*cs)[VAULT_ID_BUFSIZE] = calloc((size_t)n, VAULT_ID_BUFSIZE);
	double *first = calloc((size_t)n, sizeof(double)), *second = calloc((size_t)n, sizeof(double));
	int i, j;

	if (cs == NULL || first == NULL || second == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		char name[32];

		ok(vault_case_create(v, VAULT_CASE_VICTIM, 0, cs[i]), v, "case create");
		ok(vault_begin(v), v, "begin");
		for (j = 0; j < 5; j++) {
			snprintf(name, sizeof(name), "r%d", j);
			ok(vault_record_put(v, cs[i], name, VAULT_CLASS_GENERAL, g_rec, REC_SIZE, NULL), v,
			   "put");
		}
		ok(vault_commit(v), v, "commit");
	}
	vault_close(v);
	for (i = 0; i < n; i++) {
		vault_buf b = VAULT_BUF_INIT;
		double t0;

		ok(vault_open(g_vdir, "sup", (const unsigned char *)PASS_SUP, strlen(PASS_SUP), NULL,
		              &v), NULL, "open");
		if (warm) {
			ok(vault_record_get(v, cs[(i + 1) % n], "r2", 0, &b, NULL, NULL), v, "get");
			vault_buf_free(&b);
		}
		t0 = now_us();
		ok(vault_record_get(v, cs[i], "r0", 0, &b, NULL, NULL), v, "get");
		first[i] = now_us() - t0;
		vault_buf_free(&b);
		t0 = now_us();
		ok(vault_record_get(v, cs[i], "r1", 0, &b, NULL, NULL), v, "get");
		second[i] = now_us() - t0;
		vault_buf_free(&b);
		vault_close(v);
	}
	qsort(first, (size_t)n, sizeof(double), cmp_double);
	qsort(second, (size_t)n, sizeof(double), cmp_double);
	printf("first get of a case in a %s handle: %.0f us, the next get: %.0f us (medians over"
	       " %d cases of 5 records); the first use costs %.0f us more\n",
	       warm ? "warm (another case read first)" : "fresh", first[n / 2], second[n / 2], n,
	       first[n / 2] - second[n / 2]);
	free(cs);
	free(first);
	free(second);
	rmtree(g_base);
	return 0;
}

/* `bench checks N C`: what the whole-table and whole-log checks of the
 * reads that select across a vault cost (SECURITY.md, "Rows are checked
 * against the facts"), on a vault of N records in one case (a log of
 * about N entries) and C more cases: the list of cases (grants and
 * break-glass windows whole), the case's listing (counted against the
 * facts), and the case's access report (every entry of the log as
 * verified), each in a new handle, then again in the same handle. */
static int count_rec(const vault_record_info *i, void *ctx)
{
	(void)i;
	(*(uint64_t *)ctx)++;
	return 0;
}

static int count_case(const vault_case_info *i, void *ctx)
{
	(void)i;
	(*(uint64_t *)ctx)++;
	return 0;
}

static int checks_bench(uint64_t n, int c)
{
	vault_report_options ro = VAULT_REPORT_OPTIONS_INIT;
	vault *v = lv_setup();
	uint64_t cnt;
	char cs[VAULT_ID_BUFSIZE];
	double t0;
	int i, pass;

	grow(v, n);
	for (i = 0; i < c; i++)
		ok(vault_case_create(v, VAULT_CASE_VICTIM, 0, cs), v, "case create");
	vault_close(v);
	ok(vault_open(g_vdir, "sup", (const unsigned char *)PASS_SUP, strlen(PASS_SUP), NULL, &v),
	   NULL, "open");
	ro.format = VAULT_REPORT_JSON;
	for (pass = 0; pass < 2; pass++) {
		vault_buf out = VAULT_BUF_INIT;
		const char *when = pass ? "again, same handle" : "first in the handle";

		cnt = 0;
		t0 = now_us();
		ok(vault_case_foreach(v, count_case, &cnt), v, "case list");
		printf("case list (%llu cases), %s: %.1f ms\n", (unsigned long long)cnt, when,
		       (now_us() - t0) / 1e3);
		cnt = 0;
		t0 = now_us();
		ok(vault_record_foreach(v, g_case, count_rec, &cnt), v, "listing");
		printf("listing of the case (%llu records), %s: %.1f ms\n", (unsigned long long)cnt,
		       when, (now_us() - t0) / 1e3);
		t0 = now_us();
		ok(vault_report_access(v, g_case, &ro, &out), v, "report");
		printf("access report of the case (a log of %llu+ entries), %s: %.1f ms\n",
		       (unsigned long long)n, when, (now_us() - t0) / 1e3);
		vault_buf_free(&out);
	}
	vault_close(v);
	rmtree(g_base);
	return 0;
}

int main(int argc, char **argv)
{
	struct row rows[4] = {{"put, batched (2000/txn)", 1e18, 1e18},
	                      {"(get cannot be batched)", 1e18, 1e18},
	                      {"put, one per txn (200)", 1e18, 1e18},
	                      {"get, one per txn (200)", 1e18, 1e18}};
	char prefix[32], id[VAULT_VAULT_ID_BUFSIZE], path[256];
	vault_verify_result res;
	unsigned char sk[64], pk[32], msg[32], sig[64];
	double sp_put = 1e18, sp_get = 1e18, smalloc_us, design_put_us = 1e18;
	double t0, t, t_close, sign_us, verify_us, verify_rate, export_s, vexp_s, vexp_rate;
	vault *v, *aud = NULL;
	raw r, rsp, rdesign;
	int round, i, b;
	double total0 = now_us();

	if (sodium_init() < 0)
		die("libsodium");
	snprintf(g_base, sizeof(g_base), "/tmp/vault-bench-XXXXXX");
	if (mkdtemp(g_base) == NULL)
		die("mkdtemp");
	randombytes_buf(g_rec, sizeof(g_rec));
	if (argc == 3 && strcmp(argv[1], "profile") == 0)
		return profile(argv[2]);
	if (argc == 2 && strcmp(argv[1], "floors") == 0)
		return floors();
	if ((argc == 3 || (argc == 4 && strcmp(argv[3], "warm") == 0)) &&
	    strcmp(argv[1], "firstcase") == 0)
		return firstcase(atoi(argv[2]), argc == 4);
	if (argc == 3 && strcmp(argv[1], "scale") == 0)
		return scale(strtoull(argv[2], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "profile-open") == 0)
		return profile_open(strtoull(argv[2], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "disable") == 0)
		return disable_bench(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "orgdisable") == 0)
		return orgdisable_bench(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "admindisable") == 0)
		return admindisable_bench(atoi(argv[2]));
	if (argc == 4 && strcmp(argv[1], "checks") == 0)
		return checks_bench(strtoull(argv[2], NULL, 10), atoi(argv[3]));

	printf("libvault %s benchmark (SQLCipher %s, libsodium %s), in %s\n",
	       vault_version_string(), sqlite3_libversion(), sodium_version_string(), g_base);
	printf("records of %d bytes; best of %d rounds; key slots at the test-only KDF\n",
	       REC_SIZE, ROUNDS);
	{
		struct statfs sf;
		/* TMPFS_MAGIC: fsync would be free and the ratios meaningless */
		if (statfs(g_base, &sf) == 0 && sf.f_type == 0x01021994)
			printf("WARNING: /tmp is tmpfs here; per-transaction figures do not"
			       " include a real fsync\n");
	}
	printf("\n");
	fflush(stdout);

	v = lv_setup();
	raw_open(&r, "raw", 0);
	raw_open(&rsp, "raw-savepoint", 0);
	rsp.savepoint = 1;
	raw_open(&rdesign, "design-floor", DESIGN);
	raw_run(&rdesign, 1, 20, 1, "w");
	/* warm up both: statements prepared, keys unsealed and cached */
	lv_run(v, 1, 20, 1, "w");
	lv_run(v, 0, 20, 1, "w");
	raw_run(&r, 1, 20, 1, "w");
	raw_run(&r, 0, 20, 1, "w");
	raw_run(&rsp, 1, 20, 1, "w");
	raw_run(&rsp, 0, 20, 1, "w");

	for (round = 0; round < ROUNDS; round++) {
		snprintf(prefix, sizeof(prefix), "b%d-", round);
		rows[0].lv = minf(rows[0].lv, lv_run(v, 1, N_BATCH, 1, prefix));
		rows[0].raw = minf(rows[0].raw, raw_run(&r, 1, N_BATCH, 1, prefix));
		sp_put = minf(sp_put, raw_run(&rsp, 1, N_BATCH, 1, prefix));
		design_put_us = minf(design_put_us, raw_run(&rdesign, 1, N_BATCH, 1, prefix));
		sp_get = minf(sp_get, raw_run(&rsp, 0, N_BATCH, 1, prefix));
		snprintf(prefix, sizeof(prefix), "t%d-", round);
		rows[2].lv = minf(rows[2].lv, lv_run(v, 1, N_TXN, 0, prefix));
		rows[2].raw = minf(rows[2].raw, raw_run(&r, 1, N_TXN, 0, prefix));
		rows[3].lv = minf(rows[3].lv, lv_run(v, 0, N_TXN, 0, prefix));
		rows[3].raw = minf(rows[3].raw, raw_run(&r, 0, N_TXN, 0, prefix));
	}
	raw_close(&r);
	raw_close(&rsp);
	raw_close(&rdesign);
	/* What a guarded, locked buffer for the returned plaintext costs. */
	t0 = now_us();
	for (i = 0; i < N_SIGN; i++) {
		unsigned char *p = sodium_malloc(REC_SIZE + 1);
		if (p == NULL)
			die("sodium_malloc");
		p[0] = (unsigned char)i;
		sodium_free(p);
	}
	smalloc_us = (now_us() - t0) / N_SIGN;

	printf("%-26s %14s %12s %16s\n", "operation", "libvault us/op", "raw us/op",
	       "libvault/raw");
	for (i = 0; i < 4; i++)
		if (i != 1) /* no batched get: see the top of this file */
			printf("%-26s %14.1f %12.1f %15.2fx\n", rows[i].op, rows[i].lv, rows[i].raw,
		       rows[i].lv / rows[i].raw);
	printf("(raw = SQLCipher, same settings: record row with XChaCha20-Poly1305 +"
	       " audit row with BLAKE2b-256;\n target when batched: libvault/raw <= 1.30x)\n\n");
	printf("where batched time goes (diagnostics, same raw floor):\n");
	printf("  raw + a SAVEPOINT/RELEASE around each operation: put %.1f us (%.2fx raw),"
	       " batched raw get %.1f us\n", sp_put, sp_put / rows[0].raw, sp_get);
	printf("    (SQLCipher encrypts every page copied into a savepoint journal)\n");
	printf("  the rows libvault writes for a put (record with label, statement, tree"
	       " hashes, audit index),\n  made the cheapest way with no checks (the design"
	       " floor): put %.1f us (%.2fx raw; libvault %.2fx it)\n", design_put_us,
	       design_put_us / rows[0].raw, rows[0].lv / design_put_us);
	printf("  sodium_malloc + sodium_free of a %d-byte buffer: %.1f us\n\n", REC_SIZE + 1,
	       smalloc_us);
	fflush(stdout);

	/* ---- signing: per entry, or once per transaction ---------------- */
	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	t0 = now_us();
	for (i = 0; i < N_SIGN; i++) {
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
		msg[0] ^= sig[0];
	}
	sign_us = (now_us() - t0) / N_SIGN;
	t0 = now_us();
	for (i = 0; i < N_SIGN; i++)
		if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) == 0)
			msg[1]++;
	verify_us = (now_us() - t0) / N_SIGN;
	sodium_memzero(sk, sizeof(sk));
	printf("Ed25519 over a 32-byte head: sign %.1f us, verify %.1f us (%d each)\n",
	       sign_us, verify_us, N_SIGN);
	printf("  signing every entry would add %.1f us to a batched put of %.1f us (+%.0f%%,"
	       " ratio %.2fx -> %.2fx);\n",
	       sign_us, rows[0].lv, 100.0 * sign_us / rows[0].lv, rows[0].lv / rows[0].raw,
	       (rows[0].lv + sign_us) / rows[0].raw);
	printf("  once per transaction it costs %.3f us per entry at 2000 entries/txn,"
	       " and %.1f us (%.1f%%) of a %.0f us single-op transaction.\n\n",
	       sign_us / N_BATCH, sign_us, 100.0 * sign_us / rows[2].lv, rows[2].lv);
	fflush(stdout);

	/* ---- audit verification ------------------------------------------- */
	/* Grow the log to N_VERIFY+ entries with small audited puts, 10k per
	 * txn (gets cannot be batched). */
	t0 = now_us();
	for (b = 0; b < N_VERIFY / VERIFY_BATCH; b++) {
		ok(vault_begin(v), v, "begin");
		for (i = 0; i < VERIFY_BATCH; i++)
			ok(vault_record_put(v, g_case, "grow", VAULT_CLASS_GENERAL, "x", 1, NULL), v,
			   "put");
		ok(vault_commit(v), v, "commit");
	}
	t = now_us() - t0;
	t0 = now_us();
	vault_close(v); /* saves her cache of facts: 100k versions of one record */
	t_close = now_us() - t0;
	printf("log grown by %d audited puts in %.1f s (%.1f us each)\n", N_VERIFY, t / 1e6,
	       t / N_VERIFY);
	ok(vault_open(g_vdir, "aud", (const unsigned char *)"bench-aud", 9, NULL, &aud), NULL,
	   "open aud");
	ok(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), aud, "init");
	t0 = now_us();
	ok(vault_audit_verify(aud, NULL, &res, cb_count, NULL), aud, "verify");
	t = now_us() - t0;
	verify_rate = (double)res.entries / (t / 1e6);
	printf("vault_audit_verify: %llu entries in %.2f s = %.0f entries/s\n",
	       (unsigned long long)res.entries, t / 1e6, verify_rate);
	{
		/* Queries: by actor and by case, each a scan of the log in order. */
		vault_audit_query q = VAULT_AUDIT_QUERY_INIT;
		uint64_t hits = 0;
		q.actor = "nobody-at-all";
		t0 = now_us();
		ok(vault_audit_foreach(aud, &q, cb_query_count, &hits), aud, "query by actor");
		printf("audit query by actor (scan of %llu entries): %.1f ms\n",
		       (unsigned long long)res.entries, (now_us() - t0) / 1e3);
		q.actor = NULL;
		q.case_id = "00000000000000000000000000000000";
		t0 = now_us();
		ok(vault_audit_foreach(aud, &q, cb_query_count, &hits), aud, "query by case");
		printf("audit query by case (scan): %.1f ms\n", (now_us() - t0) / 1e3);
	}
	snprintf(path, sizeof(path), "%s/export.jsonl", g_base);
	ok(vault_id(aud, id), aud, "vault id");
	t0 = now_us();
	ok(vault_audit_export(aud, path, NULL, NULL), aud, "export");
	export_s = (now_us() - t0) / 1e6;
	t0 = now_us();
	{
		vault_status st = vault_audit_verify_export(path, id, NULL, &res, NULL, NULL);
		if (st != VAULT_OK)
			die("verify export: %s (%s)", vault_strerror(st), res.reason);
	}
	vexp_s = (now_us() - t0) / 1e6;
	vexp_rate = (double)res.entries / vexp_s;
	{
		struct stat sb;
		stat(path, &sb);
		printf("vault_audit_export: %llu entries (%.1f MB) in %.2f s = %.0f entries/s\n",
		       (unsigned long long)res.entries, sb.st_size / 1e6, export_s,
		       (double)res.entries / export_s);
	}
	printf("vault_audit_verify_export (offline): %.2f s = %.0f entries/s\n", vexp_s,
	       vexp_rate);
	printf("  (with one signature per entry, the verify cost alone would cap it at"
	       " %.0f entries/s)\n\n", 1e6 / verify_us);
	{
		char sd[200];

		snprintf(sd, sizeof(sd), "%s/state", g_base);
		tlog_bench(aud, sd, "aud", "bench-aud");
	}
	vault_close(aud);
	/* Staff: an open from her cache of facts, the first read of the case
	 * whose 100k record versions its part holds, and an open without it. */
	{
		double t_open, t_first, t_next, t_full;
		char cpath[300];

		t0 = now_us();
		ok(vault_open(g_vdir, "sup", (const unsigned char *)PASS_SUP, strlen(PASS_SUP), NULL,
		              &v), NULL, "open sup");
		t_open = now_us() - t0;
		t0 = now_us();
		grow_get(v);
		t_first = now_us() - t0;
		t0 = now_us();
		grow_get(v);
		t_next = now_us() - t0;
		vault_close(v);
		cache_file("sup", cpath, sizeof(cpath));
		unlink(cpath);
		t0 = now_us();
		ok(vault_open(g_vdir, "sup", (const unsigned char *)PASS_SUP, strlen(PASS_SUP), NULL,
		              &v), NULL, "open sup");
		t_full = now_us() - t0;
		vault_close(v);
		printf("staff (sup): vault_open from her cache of facts %.2f ms (the log read whole:"
		       " %.0f ms);\n  first get in the case of 100k versions %.1f ms (its part read),"
		       " the next %.2f ms;\n  vault_close after the 100k puts (cache saved) %.0f ms\n\n",
		       t_open / 1e3, t_full / 1e3, t_first / 1e3, t_next / 1e3, t_close / 1e3);
	}

	printf("machine-independent ratios:\n");
	for (i = 0; i < 4; i++)
		if (i != 1)
			printf("  %-26s libvault/raw = %.2fx%s\n", rows[i].op, rows[i].lv / rows[i].raw,
		       i < 2 ? (rows[i].lv / rows[i].raw <= 1.30 ? "  (within 1.3x)"
		                                                 : "  (above 1.3x)")
		             : "");
	printf("  signing per entry / batched put          = %.2f\n", sign_us / rows[0].lv);
	printf("  offline verify / in-vault verify (rate)  = %.2f\n", vexp_rate / verify_rate);
	printf("total bench time %.0f s\n", (now_us() - total0) / 1e6);
	rmtree(g_base);
	return 0;
}
