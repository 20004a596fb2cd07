/*
 * error.c - status texts, the per-handle message and the thread-local last
 * error for calls that fail before a handle exists.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[512];

const char *vault_strerror(vault_status status)
{
	switch (status) {
	case VAULT_OK: return "success";
	case VAULT_ERR_INVALID: return "invalid argument";
	case VAULT_ERR_NOMEM: return "out of memory";
	case VAULT_ERR_IO: return "input/output error";
	case VAULT_ERR_AUTH: return "authentication failed";
	case VAULT_ERR_DENIED: return "access denied";
	case VAULT_ERR_NOT_FOUND: return "not found";
	case VAULT_ERR_EXISTS: return "already exists";
	case VAULT_ERR_CORRUPT: return "data is corrupt or was tampered with";
	case VAULT_ERR_VERSION: return "written by a newer libvault";
	case VAULT_ERR_BUSY: return "vault is busy";
	case VAULT_ERR_CONSENT: return "consent required";
	case VAULT_ERR_AUDIT: return "audit entry could not be written";
	case VAULT_ERR_INTEGRITY: return "audit log integrity failure";
	case VAULT_ERR_STATE: return "call out of sequence";
	case VAULT_ERR_NOCRYPTO: return "encryption unavailable";
	case VAULT_ERR_PASSWD_EXPIRED: return "passphrase must be changed first";
	case VAULT_ERR_WEAK_PASSPHRASE: return "passphrase refused";
	case VAULT_ERR_AMBIGUOUS: return "ambiguous: name the class";
	case VAULT_ERR_NOSPACE: return "disk full";
	}
	return "unknown status";
}

vault_status vault__err(vault *v, vault_status st, const char *fmt, ...)
{
	va_list ap;
	char *dst = v ? v->errmsg : last_error;
	size_t cap = v ? sizeof(v->errmsg) : sizeof(last_error);

	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
	return st;
}

void vault__set_last_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

void vault__clear_last_error(void)
{
	last_error[0] = '\0';
}

const char *vault_last_errmsg(void)
{
	return last_error;
}

const char *vault_errmsg(const vault *v)
{
	if (v == NULL)
		return "no handle";
	return v->errmsg;
}
