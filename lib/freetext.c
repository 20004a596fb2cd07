/*
 * freetext.c - free text about a person under the keys of those who may
 * read it, and record sizes padded (issue 12, attack 9).
 *
 * Every key-slot holder reads every row of vault.db, so nothing written
 * there in clear may name or describe her:
 * - a record's name is stored as a tag, a keyed BLAKE2b of the name under
 *   a key derived (crypto_kdf) from the case's FIRST key of that class:
 *   stable for the life of the record, computable by every holder of the
 *   class (holders get every epoch, gate.c), opaque to everyone else; the
 *   name itself (with the exact size) is a label, XChaCha20-Poly1305 under
 *   a key derived from the class key of the version's epoch;
 * - a consent's purpose and reason are sealed under the case's `general`
 *   class key (lib/share.c);
 * - record content is padded with Padmé before encryption, so neither its
 *   stored size nor the ciphertext's length identifies a document.
 * SECURITY.md ("What stays in clear and why") lists what is left.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "facts.h"
#include "internal.h"

/* crypto_kdf contexts (8 bytes each) and sub-key ids. */
#define KDF_CTX_TAG "vlt-tag_"
#define KDF_CTX_LABEL "vlt-lbl_"
#define KDF_CTX_CONSENT "vlt-cns_"
#define KDF_ID 1

_Static_assert(sizeof(KDF_CTX_TAG) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context");
_Static_assert(sizeof(KDF_CTX_LABEL) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context");
_Static_assert(sizeof(KDF_CTX_CONSENT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context");
_Static_assert(VAULT_KEY_BYTES == crypto_kdf_KEYBYTES, "class keys are kdf keys");
_Static_assert(VAULT_NAME_TAG_BYTES >= crypto_generichash_BYTES_MIN, "tag size");

/* ---- Padmé ------------------------------------------------------------------
 * Padmé (Nikitin et al., "Reducing metadata leakage from encrypted files
 * and communication with PURBs", PETS 2019): a length L is rounded up so
 * that only its top ~log2(log2 L) + 1 bits vary, an overhead of at most
 * 12% that leaks O(log log L) bits.  Below PAD_MIN every length looks the
 * same (Padmé alone would leave short texts, such as an address, nearly
 * exact).  The padding itself is ISO/IEC 7816-4 (what sodium_pad makes,
 * and sodium_unpad reads): at least one byte, so the unpadded length is
 * L + 1. */
#define PAD_MIN 64

size_t vault__padme(size_t len)
{
	size_t l = len + 1, e = 0, s = 0, mask;

	/* No buffer holds a length this large: SIZE_MAX, which every caller's
	 * bound refuses (and the shifts below stay inside size_t). */
	if (len > SIZE_MAX / 4)
		return SIZE_MAX;
	if (l <= PAD_MIN)
		return PAD_MIN;
	while ((l >> (e + 1)) != 0)
		e++; /* e = floor(log2 l) */
	while ((e >> (s + 1)) != 0)
		s++;
	s++; /* s = floor(log2 e) + 1 */
	mask = ((size_t)1 << (e - s)) - 1;
	return (l + mask) & ~mask;
}

int vault__pad(unsigned char *buf, size_t len, size_t cap, size_t *padded)
{
	size_t p = vault__padme(len);

	/* ISO/IEC 7816-4 to p: 0x80, then zeros.  This is the padding
	 * sodium_pad() makes with one block of p bytes (a test compares them
	 * byte for byte), written directly: sodium_pad() walks every byte of
	 * its block in constant time, about a microsecond per kilobyte on
	 * every put, to hide a length the caller knows and Padme already
	 * blurs for everyone else. */
	if (p > cap || p <= len)
		return -1;
	buf[len] = 0x80;
	memset(buf + len + 1, 0, p - len - 1);
	*padded = p;
	return 0;
}

int vault__unpad(const unsigned char *buf, size_t padded, size_t *len)
{
	/* The block size is the padded length itself, which must be what
	 * Padmé gives for the length found. */
	if (padded == 0 || sodium_unpad(len, buf, padded, padded) != 0 ||
	    vault__padme(*len) != padded)
		return -1;
	return 0;
}

/* ---- record names --------------------------------------------------------- */

static size_t put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 4;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void vault__name_tag_with(const unsigned char first_key[VAULT_KEY_BYTES], const char *case_id,
                          unsigned int cls, const char *name,
                          unsigned char tag[VAULT_NAME_TAG_BYTES])
{
	unsigned char key[VAULT_KEY_BYTES], in[4 + VAULT_ID_BUFSIZE + 4 + VAULT_NAME_MAX];
	size_t cl = strnlen(case_id, VAULT_ID_BUFSIZE - 1), nl = strnlen(name, VAULT_NAME_MAX);
	size_t n = 0;

	crypto_kdf_derive_from_key(key, sizeof(key), KDF_ID, KDF_CTX_TAG, first_key);
	/* Case and class too: a tag says nothing across cases. */
	n += put_u32(in + n, (uint32_t)cl);
	memcpy(in + n, case_id, cl);
	n += cl;
	n += put_u32(in + n, (uint32_t)cls);
	memcpy(in + n, name, nl);
	n += nl;
	crypto_generichash(tag, VAULT_NAME_TAG_BYTES, in, n, key, sizeof(key));
	vault__wipe(key, sizeof(key));
}

vault_status vault__name_tag(vault *v, const char *case_id, unsigned int cls,
                             const char *name, unsigned char tag[VAULT_NAME_TAG_BYTES])
{
	unsigned char *key = v->sec->ftkey;
	vault_status st;

	if (strlen(case_id) >= VAULT_ID_BUFSIZE || strlen(name) > VAULT_NAME_MAX)
		return vault__err(v, VAULT_ERR_INVALID, "record name too long");
	/* The first epoch: it never changes, so neither does the tag. */
	st = vault__class_key(v, case_id, cls, 1, key);
	if (st == VAULT_OK)
		vault__name_tag_with(key, case_id, cls, name, tag);
	vault__wipe(key, VAULT_KEY_BYTES);
	return st;
}

void vault__tag_text(const unsigned char tag[VAULT_NAME_TAG_BYTES],
                     char out[VAULT_NAME_TAG_TEXT])
{
	out[0] = 'r';
	out[1] = ':';
	vault__hex(tag, VAULT_NAME_TAG_BYTES, out + 2);
}

/* "libvault-label-v1" 0x00, u32 length + case id, u32 class, u32 version,
 * u32 epoch, the tag: a label moved to any other row fails to open. */
static size_t label_ad(unsigned char *out, const char *case_id, unsigned int cls,
                       uint32_t version, uint32_t epoch,
                       const unsigned char tag[VAULT_NAME_TAG_BYTES])
{
	static const char dom[] = "libvault-label-v1";
	size_t cl = strlen(case_id), n = 0;

	memcpy(out, dom, sizeof(dom));
	n += sizeof(dom);
	n += put_u32(out + n, (uint32_t)cl);
	memcpy(out + n, case_id, cl);
	n += cl;
	n += put_u32(out + n, (uint32_t)cls);
	n += put_u32(out + n, version);
	n += put_u32(out + n, epoch);
	memcpy(out + n, tag, VAULT_NAME_TAG_BYTES);
	return n + VAULT_NAME_TAG_BYTES;
}

#define LABEL_AD_MAX (18 + 4 + VAULT_ID_BUFSIZE + 12 + VAULT_NAME_TAG_BYTES)
/* The label's plaintext: u32 exact size, then the name, padded to the
 * longest name so that its length says nothing either. */
#define LABEL_PT (4 + VAULT_NAME_MAX + 1)

vault_status vault__label_seal(vault *v, const char *case_id, unsigned int cls,
                               uint32_t version, uint32_t epoch,
                               const unsigned char tag[VAULT_NAME_TAG_BYTES],
                               const char *name, size_t size,
                               unsigned char out[VAULT_LABEL_BYTES])
{
	unsigned char *key = v->sec->ftkey;
	unsigned char pt[LABEL_PT], ad[LABEL_AD_MAX];
	size_t nl = strlen(name), adlen;
	vault_status st;

	_Static_assert(VAULT_LABEL_BYTES == VAULT_AEAD_NONCE_BYTES + LABEL_PT +
	                                        VAULT_AEAD_TAG_BYTES, "label size");
	if (nl > VAULT_NAME_MAX || size > UINT32_MAX)
		return vault__err(v, VAULT_ERR_INVALID, "record name or size out of range");
	st = vault__class_key(v, case_id, cls, epoch, key);
	if (st == VAULT_OK) {
		crypto_kdf_derive_from_key(key + VAULT_KEY_BYTES, VAULT_KEY_BYTES, KDF_ID,
		                           KDF_CTX_LABEL, key);
		memset(pt, 0, sizeof(pt));
		put_u32(pt, (uint32_t)size);
		memcpy(pt + 4, name, nl);
		adlen = label_ad(ad, case_id, cls, version, epoch, tag);
		vault__random(out, VAULT_AEAD_NONCE_BYTES);
		vault__aead_seal(out + VAULT_AEAD_NONCE_BYTES, pt, sizeof(pt), ad, adlen, out,
		                 key + VAULT_KEY_BYTES);
	}
	vault__wipe(pt, sizeof(pt));
	vault__wipe(key, 2 * VAULT_KEY_BYTES);
	return st;
}

vault_status vault__label_open(vault *v, const char *case_id, unsigned int cls,
                               uint32_t version, uint32_t epoch,
                               const unsigned char tag[VAULT_NAME_TAG_BYTES],
                               const unsigned char *label, size_t len,
                               char name[VAULT_NAME_MAX + 1], size_t *size)
{
	unsigned char *key = v->sec->ftkey;
	unsigned char pt[LABEL_PT], ad[LABEL_AD_MAX], own[VAULT_NAME_TAG_BYTES];
	size_t adlen;
	vault_status st;

	if (label == NULL || len != VAULT_LABEL_BYTES)
		return vault__err(v, VAULT_ERR_CORRUPT, "record label is malformed");
	st = vault__class_key(v, case_id, cls, epoch, key);
	if (st == VAULT_OK) {
		crypto_kdf_derive_from_key(key + VAULT_KEY_BYTES, VAULT_KEY_BYTES, KDF_ID,
		                           KDF_CTX_LABEL, key);
		adlen = label_ad(ad, case_id, cls, version, epoch, tag);
		if (vault__aead_open(pt, label + VAULT_AEAD_NONCE_BYTES,
		                     len - VAULT_AEAD_NONCE_BYTES, ad, adlen, label,
		                     key + VAULT_KEY_BYTES) != 0 ||
		    pt[sizeof(pt) - 1] != '\0' || !vault__valid_name((const char *)pt + 4))
			st = vault__err(v, VAULT_ERR_CORRUPT,
			                "a record label fails authentication");
	}
	if (st == VAULT_OK) {
		memcpy(name, pt + 4, VAULT_NAME_MAX + 1);
		*size = get_u32(pt);
	}
	vault__wipe(pt, sizeof(pt));
	vault__wipe(key, 2 * VAULT_KEY_BYTES);
	/* The name must be the one the row's tag derives from.  Any writer of
	 * the class can seal a label, and the replay, which holds no class
	 * key, cannot open one: a conversion of a 1.x version by someone other
	 * than its author is checked here, where the name is read. */
	if (st == VAULT_OK)
		st = vault__name_tag(v, case_id, cls, name, own);
	if (st == VAULT_OK && sodium_memcmp(own, tag, VAULT_NAME_TAG_BYTES) != 0)
		st = vault__err(v, VAULT_ERR_INTEGRITY,
		                "a record label names another record than its row");
	if (st != VAULT_OK)
		vault__wipe(name, VAULT_NAME_MAX + 1);
	return st;
}

/* ---- consent purpose and reason --------------------------------------------- */

/* "libvault-consent-v1" 0x00, u32 length + case id, u32 length + consent
 * id, u32 epoch. */
static size_t consent_ad(unsigned char *out, const char *case_id, const char *consent_id,
                         uint32_t epoch)
{
	static const char dom[] = "libvault-consent-v1";
	size_t cl = strlen(case_id), il = strlen(consent_id), n = 0;

	memcpy(out, dom, sizeof(dom));
	n += sizeof(dom);
	n += put_u32(out + n, (uint32_t)cl);
	memcpy(out + n, case_id, cl);
	n += cl;
	n += put_u32(out + n, (uint32_t)il);
	memcpy(out + n, consent_id, il);
	n += il;
	return n + put_u32(out + n, epoch);
}

#define CONSENT_AD_MAX (20 + 8 + 2 * VAULT_ID_BUFSIZE + 4)
/* u32 length + purpose, u32 length + reason, padded to the longest. */
#define CONSENT_PT (8 + 2 * VAULT_TEXT_MAX)

vault_status vault__consent_seal(vault *v, const char *case_id, const char *consent_id,
                                 const char *purpose, const char *reason,
                                 uint32_t *epoch, unsigned char **out, size_t *outlen)
{
	unsigned char *key = vault__secure_alloc(2 * VAULT_KEY_BYTES);
	unsigned char *pt = vault__secure_alloc(CONSENT_PT), *ct = NULL;
	unsigned char ad[CONSENT_AD_MAX];
	size_t pl = purpose ? strlen(purpose) : 0, rl = reason ? strlen(reason) : 0, adlen;
	vault_status st = VAULT_OK;

	*out = NULL;
	*outlen = 0;
	if (key == NULL || pt == NULL)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	else if (pl > VAULT_TEXT_MAX || rl > VAULT_TEXT_MAX)
		st = vault__err(v, VAULT_ERR_INVALID, "consent text too long");
	if (st == VAULT_OK)
		st = vault__class_epoch(v, case_id, VAULT_CLASS_GENERAL, epoch);
	if (st == VAULT_OK)
		st = vault__class_key(v, case_id, VAULT_CLASS_GENERAL, *epoch, key);
	if (st == VAULT_OK && (ct = vault__malloc(VAULT_CONSENT_SEALED_BYTES)) == NULL)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (st == VAULT_OK) {
		crypto_kdf_derive_from_key(key + VAULT_KEY_BYTES, VAULT_KEY_BYTES, KDF_ID,
		                           KDF_CTX_CONSENT, key);
		memset(pt, 0, CONSENT_PT);
		put_u32(pt, (uint32_t)pl);
		if (pl)
			memcpy(pt + 4, purpose, pl);
		put_u32(pt + 4 + pl, (uint32_t)rl);
		if (rl)
			memcpy(pt + 8 + pl, reason, rl);
		adlen = consent_ad(ad, case_id, consent_id, *epoch);
		vault__random(ct, VAULT_AEAD_NONCE_BYTES);
		vault__aead_seal(ct + VAULT_AEAD_NONCE_BYTES, pt, CONSENT_PT, ad, adlen, ct,
		                 key + VAULT_KEY_BYTES);
		*out = ct;
		*outlen = VAULT_CONSENT_SEALED_BYTES;
	}
	vault__secure_free(pt);
	vault__secure_free(key);
	return st;
}

vault_status vault__consent_open(vault *v, const char *case_id, const char *consent_id,
                                 uint32_t epoch, const unsigned char *sealed, size_t len,
                                 char **purpose, char **reason)
{
	unsigned char *key = vault__secure_alloc(2 * VAULT_KEY_BYTES);
	unsigned char *pt = vault__secure_alloc(CONSENT_PT);
	unsigned char ad[CONSENT_AD_MAX];
	uint32_t pl = 0, rl = 0;
	size_t adlen;
	vault_status st = VAULT_OK;

	*purpose = NULL;
	*reason = NULL;
	if (key == NULL || pt == NULL)
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	else if (sealed == NULL || len != VAULT_CONSENT_SEALED_BYTES)
		st = vault__err(v, VAULT_ERR_CORRUPT, "a consent's sealed text is malformed");
	if (st == VAULT_OK)
		st = vault__class_key(v, case_id, VAULT_CLASS_GENERAL, epoch, key);
	if (st == VAULT_OK) {
		crypto_kdf_derive_from_key(key + VAULT_KEY_BYTES, VAULT_KEY_BYTES, KDF_ID,
		                           KDF_CTX_CONSENT, key);
		adlen = consent_ad(ad, case_id, consent_id, epoch);
		if (vault__aead_open(pt, sealed + VAULT_AEAD_NONCE_BYTES,
		                     len - VAULT_AEAD_NONCE_BYTES, ad, adlen, sealed,
		                     key + VAULT_KEY_BYTES) != 0)
			st = vault__err(v, VAULT_ERR_CORRUPT, "consent %s: its sealed text fails"
			                " authentication", consent_id);
	}
	if (st == VAULT_OK) {
		pl = get_u32(pt);
		if (pl <= VAULT_TEXT_MAX)
			rl = get_u32(pt + 4 + pl);
		if (pl > VAULT_TEXT_MAX || rl > VAULT_TEXT_MAX)
			st = vault__err(v, VAULT_ERR_CORRUPT, "consent %s: sealed text is malformed",
			                consent_id);
	}
	if (st == VAULT_OK) {
		*purpose = vault__malloc(pl + 1);
		*reason = vault__malloc(rl + 1);
		if (*purpose == NULL || *reason == NULL) {
			free(*purpose);
			free(*reason);
			*purpose = *reason = NULL;
			st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		} else {
			memcpy(*purpose, pt + 4, pl);
			(*purpose)[pl] = '\0';
			memcpy(*reason, pt + 8 + pl, rl);
			(*reason)[rl] = '\0';
		}
	}
	vault__secure_free(pt);
	vault__secure_free(key);
	return st;
}

/* ---- reasons reviewed by the auditors ---------------------------------------
 * A break-glass reason (the reason of a consent on an emergency basis, of
 * a redaction or a reclassification) is read by those who review it: every auditor, and the organisation that
 * owns the case.  It is sealed for them, in the audit entry's `reason` (the
 * entry's hash and signature cover the sealed text) and in the row:
 *   "sealed:" base64( 0x01 | n | n x (kind | u32 epoch | crypto_box_seal(K))
 *                     | nonce | XChaCha20-Poly1305(K, reason,
 *                       AD = "libvault-reason-v1" 0x00 | case id) )
 * kind 2: an auditor's X25519 key; kind 1: the owning organisation's
 * members' key of that epoch.  K is random, per reason. */

#define REASON_PREFIX "sealed:"
/* A reason, or a redaction's "moved to <class>: <reason>". */
#define REASON_TEXT_MAX (VAULT_TEXT_MAX + 64)
#define REASON_SEAL_BYTES (1 + 4 + VAULT_SEAL_OVERHEAD + VAULT_KEY_BYTES)
#define REASON_MAX_RECIPIENTS 64

int vault__reason_is_sealed(const char *text)
{
	return text != NULL && strncmp(text, REASON_PREFIX, sizeof(REASON_PREFIX) - 1) == 0;
}

static size_t reason_ad(unsigned char *out, const char *case_id)
{
	static const char dom[] = "libvault-reason-v1";
	size_t cl = strlen(case_id);

	memcpy(out, dom, sizeof(dom));
	memcpy(out + sizeof(dom), case_id, cl);
	return sizeof(dom) + cl;
}

vault_status vault__reason_seal(vault *v, const char *case_id, const char *owner_org,
                                const char *reason, char **out)
{
	unsigned char *key = vault__secure_alloc(VAULT_KEY_BYTES), *bin = NULL, *p;
	unsigned char pk[REASON_MAX_RECIPIENTS][32], ad[32 + VAULT_ID_BUFSIZE];
	uint32_t epoch[REASON_MAX_RECIPIENTS];
	int kind[REASON_MAX_RECIPIENTS], n = 0, i, rc;
	size_t rl = strlen(reason), binlen, b64len;
	sqlite3_stmt *s = NULL;
	vault_status st;

	*out = NULL;
	if (key == NULL)
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (strlen(case_id) >= VAULT_ID_BUFSIZE || rl > REASON_TEXT_MAX) {
		vault__secure_free(key);
		return vault__err(v, VAULT_ERR_INVALID, "reason too long");
	}
	/* The auditors, and the owning organisation's members' key; while
	 * its keys are not its own (gate.c, seal_to), its supervisors' own
	 * keys instead (with no auditor left, a reason sealed to nobody
	 * refused every emergency consent of the case: attack 170b). */
	st = vault__prepare(v, "SELECT 2, 0, box_pk, 0 FROM users WHERE role = ?1 AND disabled = 0"
	                       " UNION ALL SELECT 1, o.epoch, p.pk, o.admin_keys FROM orgs o"
	                       " JOIN org_pubkeys p"
	                       " ON p.org = o.id AND p.epoch = o.epoch AND p.which = 1"
	                       " WHERE o.id = ?2"
	                       " UNION ALL SELECT 2, 0, u.box_pk, 0 FROM users u JOIN orgs o"
	                       " ON o.id = u.org WHERE u.org = ?2 AND u.role = ?3"
	                       " AND u.disabled = 0 AND o.admin_keys != 0", &s);
	if (st == VAULT_OK) {
		sqlite3_bind_int(s, 1, VAULT_ROLE_AUDITOR);
		vault__bind_text(s, 2, owner_org);
		sqlite3_bind_int(s, 3, VAULT_ROLE_SUPERVISOR);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < REASON_MAX_RECIPIENTS) {
			static const unsigned char zero[VAULT_KEY_BYTES];
			unsigned char probe[VAULT_SEALED_KEY_BYTES];

			/* A key nothing can be sealed to (one of low order, which a
			 * user may sign as her own new key) leaves her out, not
			 * every reviewed operation of the vault (attack 70f). */
			if (sqlite3_column_bytes(s, 2) != 32 ||
			    vault__seal(probe, zero, sqlite3_column_blob(s, 2)) != 0)
				continue;
			/* nor to organisation keys that are not its own (gate.c,
			 * seal_to): the auditors still read it */
			if (sqlite3_column_int(s, 3) != ORG_KEYS_OWN &&
			    !(sqlite3_column_int(s, 3) == ORG_KEYS_FIRST &&
			      vault__facts_org_legacy(v, owner_org)))
				continue;
			kind[n] = sqlite3_column_int(s, 0);
			epoch[n] = (uint32_t)sqlite3_column_int64(s, 1);
			memcpy(pk[n], sqlite3_column_blob(s, 2), 32);
			n++;
		}
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			st = vault__sql_status(v, rc, "reason recipients");
		else if (n == REASON_MAX_RECIPIENTS && rc == SQLITE_ROW)
			st = vault__err(v, VAULT_ERR_INVALID, "more than %d auditors",
			                REASON_MAX_RECIPIENTS - 1);
		else if (n == 0)
			st = vault__err(v, VAULT_ERR_STATE, "no one to seal the reason to: no auditor,"
			                " and no supervisor of %s", owner_org);
	}
	sqlite3_finalize(s);
	binlen = 2 + (size_t)n * REASON_SEAL_BYTES + VAULT_AEAD_NONCE_BYTES + rl +
	         VAULT_AEAD_TAG_BYTES;
	b64len = sodium_base64_encoded_len(binlen, sodium_base64_VARIANT_ORIGINAL);
	if (st == VAULT_OK && ((bin = vault__malloc(binlen)) == NULL ||
	                       (*out = vault__malloc(sizeof(REASON_PREFIX) - 1 + b64len)) == NULL))
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	if (st == VAULT_OK) {
		vault__random(key, VAULT_KEY_BYTES);
		p = bin;
		*p++ = 1;
		*p++ = (unsigned char)n;
		for (i = 0; i < n && st == VAULT_OK; i++) {
			*p++ = (unsigned char)kind[i];
			p += put_u32(p, epoch[i]);
			if (vault__seal(p, key, pk[i]) != 0)
				st = vault__err(v, VAULT_ERR_CORRUPT, "a reviewer's public key is invalid");
			p += VAULT_SEAL_OVERHEAD + VAULT_KEY_BYTES;
		}
		vault__random(p, VAULT_AEAD_NONCE_BYTES);
		vault__aead_seal(p + VAULT_AEAD_NONCE_BYTES, (const unsigned char *)reason, rl, ad,
		                 reason_ad(ad, case_id), p, key);
	}
	if (st == VAULT_OK) {
		memcpy(*out, REASON_PREFIX, sizeof(REASON_PREFIX) - 1);
		sodium_bin2base64(*out + sizeof(REASON_PREFIX) - 1, b64len, bin, binlen,
		                  sodium_base64_VARIANT_ORIGINAL);
	} else {
		free(*out);
		*out = NULL;
	}
	free(bin);
	vault__secure_free(key);
	return st;
}

vault_status vault__reason_open(vault *v, const char *case_id, const char *text, char **out)
{
	const char *b64 = text + sizeof(REASON_PREFIX) - 1;
	size_t b64len = strlen(b64), binlen, i, n, rl;
	unsigned char *bin = NULL, *key = vault__secure_alloc(2 * VAULT_KEY_BYTES);
	unsigned char ad[32 + VAULT_ID_BUFSIZE];
	const unsigned char *p;
	int found = 0;
	vault_status st = VAULT_OK;

	*out = NULL;
	if (key == NULL || (bin = vault__malloc(b64len)) == NULL) {
		vault__secure_free(key);
		return vault__err(v, VAULT_ERR_NOMEM, "out of memory");
	}
	if (strlen(case_id) >= VAULT_ID_BUFSIZE ||
	    sodium_base642bin(bin, b64len, b64, b64len, NULL, &binlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    binlen < 2 || bin[0] != 1 ||
	    binlen < 2 + (size_t)bin[1] * REASON_SEAL_BYTES + VAULT_AEAD_NONCE_BYTES +
	                 VAULT_AEAD_TAG_BYTES) {
		st = vault__err(v, VAULT_ERR_CORRUPT, "a sealed reason is malformed");
		goto cleanup;
	}
	n = bin[1];
	/* Which seal is hers: she tries her own key, and her organisation's
	 * members' key of the seal's epoch. */
	for (i = 0, p = bin + 2; i < n && !found; i++, p += REASON_SEAL_BYTES) {
		uint32_t e = get_u32(p + 1);
		if (p[0] == HOLDER_USER) {
			found = vault__unseal(key, p + 5, VAULT_SEAL_OVERHEAD + VAULT_KEY_BYTES,
			                      v->sec->box_pk, v->sec->box_sk) == 0;
		} else if (p[0] == HOLDER_ORG && v->org[0] != '\0') {
			unsigned char opk[32];
			if (vault__org_key(v, v->org, HOLDER_ORG, e, key + VAULT_KEY_BYTES) ==
			        VAULT_OK &&
			    vault__org_pk(v, v->org, HOLDER_ORG, e, opk) == VAULT_OK)
				found = vault__unseal(key, p + 5, VAULT_SEAL_OVERHEAD + VAULT_KEY_BYTES,
				                      opk, key + VAULT_KEY_BYTES) == 0;
		}
	}
	if (!found)
		goto cleanup; /* not hers to read: *out stays NULL */
	p = bin + 2 + n * REASON_SEAL_BYTES;
	rl = binlen - (size_t)(p - bin) - VAULT_AEAD_NONCE_BYTES - VAULT_AEAD_TAG_BYTES;
	if ((*out = vault__malloc(rl + 1)) == NULL) {
		st = vault__err(v, VAULT_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	if (vault__aead_open((unsigned char *)*out, p + VAULT_AEAD_NONCE_BYTES,
	                     rl + VAULT_AEAD_TAG_BYTES, ad, reason_ad(ad, case_id), p, key) != 0)
		st = vault__err(v, VAULT_ERR_CORRUPT, "a sealed reason fails authentication");
	if (st == VAULT_OK) {
		(*out)[rl] = '\0';
		if (strlen(*out) != rl || !vault__valid_text(*out, REASON_TEXT_MAX, 1))
			st = vault__err(v, VAULT_ERR_CORRUPT, "a sealed reason is not text");
	}
	if (st != VAULT_OK) {
		free(*out);
		*out = NULL;
	}
cleanup:
	free(bin);
	vault__secure_free(key);
	return st;
}
