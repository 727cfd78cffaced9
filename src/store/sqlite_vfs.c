/*
 * The VFS the store's SQLite connections open files through: the platform's own, except that
 * writes to a write-ahead log are gathered. SQLite writes each frame of a commit to the log
 * as two calls (its 24-byte header, then its page), one after the other; a commit of a thousand
 * pages is two thousand system calls, each with its own locking and page-cache work in the
 * kernel. Here consecutive writes fill a buffer that goes to the file in one call when it is
 * full, when the log is synced, read, truncated or closed, or when a write lands elsewhere.
 *
 * No other connection may see the log differ from what SQLite wrote, so the buffer is also
 * written before two moments of the database file's shared index, which is why the database
 * file is wrapped too: the publication of a commit there (SQLite puts a barrier between writing
 * the index header's two copies; under synchronous=FULL, which the store sets, the sync has
 * written the buffer already), and the release of any of its locks, the write lock among them.
 * A transaction that spilled pages to the log and then rolled back leaves frames no one needs;
 * they reach the file while this connection still holds the write lock, as SQLite would have
 * written them, never later on top of another writer's. Only the store's connections open files
 * through it, by name; it is not the process's default.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_vfs.h"

/* The platform's VFS writes at most 128 KiB less one byte in a call (it masks the length). */
#define GATHER_BYTES ((1 << 17) - 1)

/* A file of the platform's VFS, in the memory after this struct, with methods of ours. */
struct wrapped {
	sqlite3_file base;
	sqlite3_file *real;
};

struct db_file;

struct gather_file {
	struct wrapped w;
	struct db_file *db;    /* the connection's database file, when it is wrapped */
	unsigned char *buf;    /* GATHER_BYTES, allocated at the first write */
	sqlite3_int64 at;      /* the file offset of buf[0] */
	size_t len;
};

struct db_file {
	struct wrapped w;
	struct gather_file *log; /* the connection's log while it is open */
	sqlite3_filename name;   /* as SQLite gave it: its log's name is found from it */
	struct db_file *next;    /* in open_dbs */
};

/* The database files open, for a log to find its own by name (sqlite3_database_file_object
 * would read before a name that SQLite did not make). */
static pthread_mutex_t open_dbs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db_file *open_dbs;

static sqlite3_vfs *real_vfs;
static unsigned long log_writes; /* calls that wrote to a log file, gathered or not */

static int log_write(struct gather_file *g, const void *data, int amt, sqlite3_int64 off)
{
	__atomic_add_fetch(&log_writes, 1, __ATOMIC_RELAXED);
	return g->w.real->pMethods->xWrite(g->w.real, data, amt, off);
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
	int rc2 = g->w.real->pMethods->xClose(g->w.real);
	pthread_mutex_lock(&open_dbs_lock);
	if (g->db)
		g->db->log = NULL;
	pthread_mutex_unlock(&open_dbs_lock);
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
	return g->w.real->pMethods->xRead(g->w.real, out, amt, off);
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
	/* Written as it comes: larger than the buffer, no memory for one, or a log whose database
	 * file is not known (nothing would write the buffer before the shared index moves on). */
	if ((size_t)amt > GATHER_BYTES || !g->db || (!g->buf && !(g->buf = malloc(GATHER_BYTES))))
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
	return rc != SQLITE_OK ? rc : g->w.real->pMethods->xTruncate(g->w.real, size);
}

static int gather_sync(sqlite3_file *f, int flags)
{
	struct gather_file *g = (struct gather_file *)f;
	int rc = gather_flush(g);
	return rc != SQLITE_OK ? rc : g->w.real->pMethods->xSync(g->w.real, flags);
}

static int gather_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct gather_file *g = (struct gather_file *)f;
	int rc = g->w.real->pMethods->xFileSize(g->w.real, size);
	if (rc == SQLITE_OK && g->len > 0 && g->at + (sqlite3_int64)g->len > *size)
		*size = g->at + (sqlite3_int64)g->len;
	return rc;
}

/* Methods that only pass the call on, for either kind of wrapped file. */
static sqlite3_file *real_of(sqlite3_file *f)
{
	return ((struct wrapped *)f)->real;
}

static int pass_lock(sqlite3_file *f, int level)
{
	return real_of(f)->pMethods->xLock(real_of(f), level);
}

static int pass_unlock(sqlite3_file *f, int level)
{
	return real_of(f)->pMethods->xUnlock(real_of(f), level);
}

static int pass_check_reserved(sqlite3_file *f, int *out)
{
	return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int pass_file_control(sqlite3_file *f, int op, void *arg)
{
	return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int pass_sector_size(sqlite3_file *f)
{
	return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int pass_device_characteristics(sqlite3_file *f)
{
	return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

static int pass_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off)
{
	return real_of(f)->pMethods->xRead(real_of(f), out, amt, off);
}

static int pass_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
	return real_of(f)->pMethods->xWrite(real_of(f), data, amt, off);
}

static int pass_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

static int pass_sync(sqlite3_file *f, int flags)
{
	return real_of(f)->pMethods->xSync(real_of(f), flags);
}

static int pass_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

static int pass_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
	return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}

static int pass_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

static int pass_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out)
{
	return real_of(f)->pMethods->xFetch(real_of(f), off, amt, out);
}

static int pass_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

/* A log is not memory-mapped or shared: those belong to the database file. */
static const sqlite3_io_methods gather_io = {
	.iVersion = 1,
	.xClose = gather_close,
	.xRead = gather_read,
	.xWrite = gather_write,
	.xTruncate = gather_truncate,
	.xSync = gather_sync,
	.xFileSize = gather_file_size,
	.xLock = pass_lock,
	.xUnlock = pass_unlock,
	.xCheckReservedLock = pass_check_reserved,
	.xFileControl = pass_file_control,
	.xSectorSize = pass_sector_size,
	.xDeviceCharacteristics = pass_device_characteristics,
};

/* ---- The database file: its log's buffer written before the shared index moves on ---- */

static int db_close(sqlite3_file *f)
{
	struct db_file *d = (struct db_file *)f;
	pthread_mutex_lock(&open_dbs_lock);
	for (struct db_file **p = &open_dbs; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	if (d->log)
		d->log->db = NULL;
	pthread_mutex_unlock(&open_dbs_lock);
	return d->w.real->pMethods->xClose(d->w.real);
}

/* Between the two copies of a commit's index header: nothing may be published that the log file
 * lacks. An error here cannot be returned; under synchronous=FULL the sync before it has written
 * the buffer and reported any. */
static void db_shm_barrier(sqlite3_file *f)
{
	struct db_file *d = (struct db_file *)f;
	if (d->log)
		gather_flush(d->log);
	d->w.real->pMethods->xShmBarrier(d->w.real);
}

static int db_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	struct db_file *d = (struct db_file *)f;
	/* The lock is released whatever the write does: SQLite does not look at an unlock's result,
	 * and a lock kept would stop every writer. A commit's frames were written at its sync or its
	 * publication, so only frames rolled back can be lost here, which no one reads. */
	if ((flags & SQLITE_SHM_UNLOCK) && d->log)
		gather_flush(d->log);
	return d->w.real->pMethods->xShmLock(d->w.real, offset, n, flags);
}

static const sqlite3_io_methods db_io = {
	.iVersion = 3,
	.xClose = db_close,
	.xRead = pass_read,
	.xWrite = pass_write,
	.xTruncate = pass_truncate,
	.xSync = pass_sync,
	.xFileSize = pass_file_size,
	.xLock = pass_lock,
	.xUnlock = pass_unlock,
	.xCheckReservedLock = pass_check_reserved,
	.xFileControl = pass_file_control,
	.xSectorSize = pass_sector_size,
	.xDeviceCharacteristics = pass_device_characteristics,
	.xShmMap = pass_shm_map,
	.xShmLock = db_shm_lock,
	.xShmBarrier = db_shm_barrier,
	.xShmUnmap = pass_shm_unmap,
	.xFetch = pass_fetch,
	.xUnfetch = pass_unfetch,
};

/* A database file and its log are wrapped (the log's writes gathered); any other file is the
 * platform's own. */
static int vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	if (!(flags & (SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_DB)))
		return real_vfs->xOpen(real_vfs, name, f, flags, out_flags);
	struct wrapped *w = (struct wrapped *)f;
	size_t size = flags & SQLITE_OPEN_WAL ? sizeof(struct gather_file) : sizeof(struct db_file);
	memset(f, 0, size);
	w->real = (sqlite3_file *)((char *)f + size);
	int rc = real_vfs->xOpen(real_vfs, name, w->real, flags, out_flags);
	/* SQLite calls xClose only on a file whose pMethods is set. */
	if (rc != SQLITE_OK)
		return rc;
	pthread_mutex_lock(&open_dbs_lock);
	if (!(flags & SQLITE_OPEN_WAL)) {
		struct db_file *d = (struct db_file *)f;
		d->w.base.pMethods = &db_io;
		d->name = name;
		d->next = open_dbs;
		open_dbs = d;
	} else {
		struct gather_file *g = (struct gather_file *)f;
		g->w.base.pMethods = &gather_io;
		for (struct db_file *d = open_dbs; d && !g->db; d = d->next)
			if (d->name && !d->log && sqlite3_filename_wal(d->name) == name) {
				g->db = d;
				d->log = g;
			}
	}
	pthread_mutex_unlock(&open_dbs_lock);
	return SQLITE_OK;
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
	size_t own = sizeof(struct gather_file) > sizeof(struct db_file) ? sizeof(struct gather_file)
									  : sizeof(struct db_file);
	gather_vfs.szOsFile = real_vfs->szOsFile + (int)own;
	gather_vfs.mxPathname = real_vfs->mxPathname;
	return sqlite3_vfs_register(&gather_vfs, 0);
}

unsigned long sqlite_vfs_log_writes(void)
{
	return __atomic_load_n(&log_writes, __ATOMIC_RELAXED);
}
