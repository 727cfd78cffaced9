#ifndef LL_STORE_SQLITE_VFS_H
#define LL_STORE_SQLITE_VFS_H

#include <sqlite3.h>

#define LL_SQLITE_VFS "lifelong"

/* Registers the gathering VFS as LL_SQLITE_VFS, once, before a connection names it. SQLITE_OK,
 * or SQLite's code when it cannot (connections then use the platform's VFS as it is). */
int sqlite_vfs_register(void);

/* How many writes this process has made to log files: each a gathered run of SQLite's writes. */
unsigned long sqlite_vfs_log_writes(void);

#endif
