/*
 * The VFS the store's SQLite connections open files through: the platform's own, except that
 * writes to a write-ahead log are gathered. SQLite writes each frame of a commit to the log
 * as two calls (its 24-byte header, then its page), one after the other; a commit of a thousand
 * pages is two thousand system calls, each with its own locking and page-cache work in the
 * kernel. Here consecutive writes fill a buffer that goes to the file in one call when it is
 * full, when the log is synced, read, truncated or closed, or when a write lands elsewhere.
 *
 * Nothing is lost that would have been kept: a commit is durable only once the log is synced,
 * and a sync writes the buffer first. Other connections read frames only after the commit has
 * published them, which under synchronous=FULL comes after the sync. That is why only the store
 * opens files through it, by name, and always sets FULL; it is not the process's default.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_vfs.h"

/* The platform's VFS writes at most 128 KiB less one byte in a call (it masks the length). */
#define GATHER_BYTES ((1 << 17) - 1)

struct gather_file {
	sqlite3_file base;
	sqlite3_file *real;    /* the platform's file, in the memory after this struct */
	unsigned char *buf;    /* GATHER_BYTES, allocated at the first write */
	sqlite3_int64 at;      /* the file offset of buf[0] */
	size_t len;
};

static sqlite3_vfs *real_vfs;
static unsigned long log_writes; /* calls that wrote to a log file, gathered or not */

static int log_write(struct gather_file *g, const void *data, int amt, sqlite3_int64 off)
{
	__atomic_add_fetch(&log_writes, 1, __ATOMIC_RELAXED);
	return g->real->pMethods->xWrite(g->real, data, amt, off);
}

static int gather_flush(struct gather_file *g)
{
	if (g->len == 0)
		return SQLITE_OK;
	size_t len = g->len;
	g->len = 0;
	return log_write(g, g->buf, (int)len, g->at);
}

static bool overlaps(const struct gather_file *g, sqlite3_int64 off, int amt)
{
	return g->len > 0 && off < g->at + (sqlite3_int64)g->len && off + amt > g->at;
}

static int gather_close(sqlite3_file *f)
{
	struct gather_file *g = (struct gather_file *)f;
	int rc = gather_flush(g);
	int rc2 = g->real->pMethods->xClose(g->real);
	free(g->buf);
	g->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int gather_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off)
{
	struct gather_file *g = (struct gather_file *)f;
	if (overlaps(g, off, amt)) {
		int rc = gather_flush(g);
		if (rc != SQLITE_OK)
			return rc;
	}
	return g->real->pMethods->xRead(g->real, out, amt, off);
}

static int gather_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
	struct gather_file *g = (struct gather_file *)f;
	sqlite3_int64 end = g->at + (sqlite3_int64)g->len;
	/* A frame written again within the buffer (a page changed twice in one transaction). */
	if (g->len > 0 && off >= g->at && off + amt <= end) {
		memcpy(g->buf + (off - g->at), data, (size_t)amt);
		return SQLITE_OK;
	}
	if (g->len > 0 && (off != end || g->len + (size_t)amt > GATHER_BYTES)) {
		int rc = gather_flush(g);
		if (rc != SQLITE_OK)
			return rc;
	}
	/* Larger than the buffer, or no memory for one: written as it comes. */
	if ((size_t)amt > GATHER_BYTES || (!g->buf && !(g->buf = malloc(GATHER_BYTES))))
		return log_write(g, data, amt, off);
	if (g->len == 0)
		g->at = off;
	memcpy(g->buf + g->len, data, (size_t)amt);
	g->len += (size_t)amt;
	return SQLITE_OK;
}

static int gather_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct gather_file *g = (struct gather_file *)f;
	int rc = gather_flush(g);
	return rc != SQLITE_OK ? rc : g->real->pMethods->xTruncate(g->real, size);
}

static int gather_sync(sqlite3_file *f, int flags)
{
	struct gather_file *g = (struct gather_file *)f;
	int rc = gather_flush(g);
	return rc != SQLITE_OK ? rc : g->real->pMethods->xSync(g->real, flags);
}

static int gather_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct gather_file *g = (struct gather_file *)f;
	int rc = g->real->pMethods->xFileSize(g->real, size);
	if (rc == SQLITE_OK && g->len > 0 && g->at + (sqlite3_int64)g->len > *size)
		*size = g->at + (sqlite3_int64)g->len;
	return rc;
}

static int gather_lock(sqlite3_file *f, int level)
{
	struct gather_file *g = (struct gather_file *)f;
	return g->real->pMethods->xLock(g->real, level);
}

static int gather_unlock(sqlite3_file *f, int level)
{
	struct gather_file *g = (struct gather_file *)f;
	return g->real->pMethods->xUnlock(g->real, level);
}

static int gather_check_reserved(sqlite3_file *f, int *out)
{
	struct gather_file *g = (struct gather_file *)f;
	return g->real->pMethods->xCheckReservedLock(g->real, out);
}

static int gather_file_control(sqlite3_file *f, int op, void *arg)
{
	struct gather_file *g = (struct gather_file *)f;
	return g->real->pMethods->xFileControl(g->real, op, arg);
}

static int gather_sector_size(sqlite3_file *f)
{
	struct gather_file *g = (struct gather_file *)f;
	return g->real->pMethods->xSectorSize(g->real);
}

static int gather_device_characteristics(sqlite3_file *f)
{
	struct gather_file *g = (struct gather_file *)f;
	return g->real->pMethods->xDeviceCharacteristics(g->real);
}

/* A log is not memory-mapped or shared: those belong to the database file, which is not wrapped. */
static const sqlite3_io_methods gather_io = {
	.iVersion = 1,
	.xClose = gather_close,
	.xRead = gather_read,
	.xWrite = gather_write,
	.xTruncate = gather_truncate,
	.xSync = gather_sync,
	.xFileSize = gather_file_size,
	.xLock = gather_lock,
	.xUnlock = gather_unlock,
	.xCheckReservedLock = gather_check_reserved,
	.xFileControl = gather_file_control,
	.xSectorSize = gather_sector_size,
	.xDeviceCharacteristics = gather_device_characteristics,
};

static int vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		return real_vfs->xOpen(real_vfs, name, f, flags, out_flags);
	struct gather_file *g = (struct gather_file *)f;
	memset(g, 0, sizeof(*g));
	g->real = (sqlite3_file *)(g + 1);
	int rc = real_vfs->xOpen(real_vfs, name, g->real, flags, out_flags);
	/* SQLite calls xClose only on a file whose pMethods is set. */
	g->base.pMethods = rc == SQLITE_OK ? &gather_io : NULL;
	return rc;
}

static int vfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *vfs_dl_open(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void vfs_dl_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, out);
}

static void (*vfs_dl_sym(sqlite3_vfs *vfs, void *handle, const char *name))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, handle, name);
}

static void vfs_dl_close(sqlite3_vfs *vfs, void *handle)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, handle);
}

static int vfs_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int vfs_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int vfs_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int vfs_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}

static int vfs_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs gather_vfs = {
	.iVersion = 2,
	.zName = LL_SQLITE_VFS,
	.xOpen = vfs_open,
	.xDelete = vfs_delete,
	.xAccess = vfs_access,
	.xFullPathname = vfs_full_pathname,
	.xDlOpen = vfs_dl_open,
	.xDlError = vfs_dl_error,
	.xDlSym = vfs_dl_sym,
	.xDlClose = vfs_dl_close,
	.xRandomness = vfs_randomness,
	.xSleep = vfs_sleep,
	.xCurrentTime = vfs_current_time,
	.xGetLastError = vfs_last_error,
	.xCurrentTimeInt64 = vfs_current_time_int64,
};

int sqlite_vfs_register(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	if (!real_vfs || real_vfs->iVersion < 2)
		return SQLITE_ERROR;
	int size = real_vfs->szOsFile + (int)sizeof(struct gather_file);
	gather_vfs.szOsFile = size > real_vfs->szOsFile ? size : real_vfs->szOsFile;
	gather_vfs.mxPathname = real_vfs->mxPathname;
	return sqlite3_vfs_register(&gather_vfs, 0);
}

unsigned long sqlite_vfs_log_writes(void)
{
	return __atomic_load_n(&log_writes, __ATOMIC_RELAXED);
}
