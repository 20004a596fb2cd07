/*
 * test_nospace.c - a full disk fails closed and says so.  A VFS shim over
 * SQLite's default one answers SQLITE_FULL to every write while armed, as
 * a full disk does (ENOSPC): nobody can open the vault or read from it,
 * since each needs room for its audit entry, and the status and message
 * say "disk full", not "audit" or "I/O".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

static sqlite3_vfs *real_vfs;
static sqlite3_vfs full_vfs;
static int disk_full;

typedef struct full_file {
	sqlite3_file base;
	sqlite3_file *real; /* follows this struct in the same allocation */
} full_file;

#define REAL(f) (((full_file *)(f))->real)

static int f_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
	return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
	return disk_full ? SQLITE_FULL : REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 s)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), s);
}
static int f_sync(sqlite3_file *f, int fl) { return REAL(f)->pMethods->xSync(REAL(f), fl); }
static int f_size(sqlite3_file *f, sqlite3_int64 *s)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), s);
}
static int f_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int f_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int f_check(sqlite3_file *f, int *r)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r);
}
static int f_fctl(sqlite3_file *f, int op, void *a)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, a);
}
static int f_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int f_dev(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int f_shmmap(sqlite3_file *f, int pg, int sz, int ext, void volatile **p)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, p);
}
static int f_shmlock(sqlite3_file *f, int o, int n, int fl)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), o, n, fl);
}
static void f_shmbarrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int f_shmunmap(sqlite3_file *f, int d) { return REAL(f)->pMethods->xShmUnmap(REAL(f), d); }

static const sqlite3_io_methods full_methods = {
	2, f_close, f_read, f_write, f_truncate, f_sync, f_size, f_lock, f_unlock, f_check,
	f_fctl, f_sector, f_dev, f_shmmap, f_shmlock, f_shmbarrier, f_shmunmap, NULL, NULL,
};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	full_file *ff = (full_file *)f;
	int rc;

	(void)vfs;
	ff->real = (sqlite3_file *)(ff + 1);
	rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
	ff->base.pMethods = rc == SQLITE_OK ? &full_methods : NULL;
	return rc;
}

static int setup(void **state)
{
	(void)state;
	real_vfs = sqlite3_vfs_find(NULL);
	assert_non_null(real_vfs);
	full_vfs = *real_vfs;
	full_vfs.zName = "disk-full";
	full_vfs.szOsFile = (int)sizeof(full_file) + real_vfs->szOsFile;
	full_vfs.xOpen = f_open;
	full_vfs.pNext = NULL;
	assert_int_equal(sqlite3_vfs_register(&full_vfs, 1), SQLITE_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sqlite3_vfs_unregister(&full_vfs);
	return 0;
}

static void test_nospace__full_disk_fails_closed_and_says_so(void **state)
{
	char *dir = th_network();
	char cid[VAULT_ID_BUFSIZE];
	vault_buf b = VAULT_BUF_INIT;
	vault_verify_result res;
	const unsigned char *p;
	size_t len;
	vault *v = NULL, *a;

	(void)state;
	th_case(dir, "cav_cw", VAULT_CASE_VICTIM, 0, cid);
	th_put(dir, "cav_cw", cid, "note", VAULT_CLASS_GENERAL, "first interview");
	v = th_open(dir, "cav_cw");

	disk_full = 1;
	/* A read needs room for its entry: no data, and the reason. */
	assert_int_equal(vault_record_get(v, cid, "note", 0, &b, NULL, NULL), VAULT_ERR_NOSPACE);
	assert_null(b.data);
	assert_non_null(strstr(vault_errmsg(v), "disk full"));
	assert_int_equal(vault_record_put(v, cid, "more", VAULT_CLASS_GENERAL, "x", 1, NULL),
	                 VAULT_ERR_NOSPACE);
	assert_non_null(strstr(vault_errmsg(v), "free space"));
	vault_close(v);
	/* Nobody can open it: an open is an entry too, auditors' included. */
	p = th_pass("aud", &len);
	v = NULL;
	assert_int_equal(vault_open(dir, "aud", p, len, NULL, &v), VAULT_ERR_NOSPACE);
	assert_null(v);
	assert_non_null(strstr(vault_last_errmsg(), "disk full"));
	disk_full = 0;

	/* Space again: everything works, nothing half-done, the log verifies. */
	v = th_open(dir, "cav_cw");
	assert_int_equal(vault_record_get(v, cid, "more", 0, &b, NULL, NULL), VAULT_ERR_NOT_FOUND);
	assert_int_equal(vault_record_get(v, cid, "note", 0, &b, NULL, NULL), VAULT_OK);
	vault_buf_free(&b);
	vault_close(v);
	a = th_open(dir, "aud");
	assert_int_equal(vault_verify_result_init(&res, VAULT_VERIFY_RESULT_VERSION), VAULT_OK);
	assert_int_equal(vault_audit_verify(a, NULL, &res, NULL, NULL), VAULT_OK);
	vault_close(a);
	th_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nospace__full_disk_fails_closed_and_says_so),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
