/*
 * The SQLite engine: WAL journal, a busy timeout, foreign keys on, and prepared statements
 * cached per connection. $N placeholders are SQLite named parameters, bound by name so that a
 * statement may use them in any order. It must never be used by two threads at once: the pool in
 * store.c hands each connection to one transaction at a time.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/log.h"
#include "sqlite_vfs.h"
#include "store_impl.h"

struct store_conn {
	sqlite3 *db;
	struct stmt_cache cache;
};

static enum ll_err sqlite_fail(sqlite3 *db, int rc, const char *what)
{
	int base = rc & 0xff;
	if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
		return ll_fail(LL_STORE_BUSY, NULL, "%s: database busy", what);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return ll_fail(LL_CONFLICT, NULL, "%s: %s", what, db ? sqlite3_errmsg(db) : "constraint");
	return ll_fail(LL_STORE, NULL, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static void sqlite_close(struct store_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < STMT_CACHE_SLOTS; i++) {
		if (c->cache.slots[i].sql) {
			sqlite3_finalize(c->cache.slots[i].handle);
			free(c->cache.slots[i].sql);
		}
	}
	sqlite3_close_v2(c->db);
	free(c);
}

/* SQLite's process-wide settings, made before it first initialises. Memory statistics off: with
 * them on, every allocation and free of every connection takes one global lock, and threads
 * issuing credentials at once spent their waits on it more than on anything but their commits.
 * Each connection allocates room for SQLITE_PAGES_AT_OPEN pages (about 2 MiB) when it opens and
 * keeps it: a connection drops its pages at the start of every transaction after another's
 * commit, and without this room each page read again was a malloc and each dropped one a free
 * (bench/credentials.sh: about a tenth less processor time a credential). Files are opened
 * through sqlite_vfs.c, which gathers the writes of a commit to the log into few calls. */
#define SQLITE_PAGES_AT_OPEN 512
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static const char *vfs_name; /* NULL: the platform's */

static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, SQLITE_PAGES_AT_OPEN);
	int rc = sqlite_vfs_register();
	if (rc == SQLITE_OK)
		vfs_name = LL_SQLITE_VFS;
	else
		log_warn("store", "log writes are not gathered: %s", sqlite3_errstr(rc));
}

static enum ll_err sqlite_open(const char *target, const struct store_options *opt, struct store_conn **ret)
{
	pthread_once(&setup_once, sqlite_setup);
	struct store_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return ll_fail(LL_NOMEM, NULL, NULL);
	int flags = SQLITE_OPEN_NOMUTEX | (opt->is_read_only ? SQLITE_OPEN_READONLY
							     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	int rc = sqlite3_open_v2(target, &c->db, flags, vfs_name);
	if (rc != SQLITE_OK) {
		enum ll_err err = ll_fail(LL_STORE, "db", "cannot open database '%s': %s", target,
					  c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		sqlite_close(c);
		return err;
	}
	sqlite3_busy_timeout(c->db, opt->busy_timeout_ms);
	sqlite3_extended_result_codes(c->db, 1);
	/* synchronous=FULL: a commit is on disk before it returns, so whatever the server has answered
	 * for (a deposit, a statement) survives a power cut, not only a crash of the process. */
	/* wal_autocheckpoint: the log is copied into the database file once it holds 512 MiB, not
	 * SQLite's 4 MiB. A page written by many commits in between (an index's, the table's last)
	 * is copied once, which more than doubles the rate of large write transactions (bench/lrs.sh);
	 * the price is a log file of that size and a longer copy, in whichever commit passes it.
	 * No memory map (mmap_size stays 0): a connection starts each transaction after another's
	 * commit with its pages dropped, and with a map that drop is an munmap, a flush of the other
	 * processor's address translations, and a page fault for every page touched again. A read
	 * per page costs less: with the ledger's tree nodes kept in memory, issuing credentials ran
	 * about a tenth faster without the map (bench/credentials.sh), and single statements into
	 * the LRS about 8% faster (bench/lrs.sh). */
	const char *setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
			    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=131072;";
	rc = sqlite3_exec(c->db, setup, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		enum ll_err err = sqlite_fail(c->db, rc, "cannot set up database");
		sqlite_close(c);
		return err;
	}
	*ret = c;
	return LL_OK;
}

static enum ll_err sqlite_prepare(struct store_conn *c, const char *sql, sqlite3_stmt **ret, bool *ret_cached)
{
	struct stmt_cache_slot *slot = stmt_cache_find(&c->cache, sql);
	if (slot && slot->sql) {
		*ret = slot->handle;
		*ret_cached = true;
		return LL_OK;
	}
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v3(c->db, sql, -1, slot ? SQLITE_PREPARE_PERSISTENT : 0, &s, NULL);
	if (rc != SQLITE_OK)
		return sqlite_fail(c->db, rc, "cannot prepare statement");
	*ret_cached = false;
	if (slot) {
		slot->sql = strdup(sql);
		if (slot->sql) {
			slot->handle = s;
			c->cache.count++;
			*ret_cached = true;
		}
	}
	*ret = s;
	return LL_OK;
}

/* Runs a statement without parameters or rows (BEGIN, COMMIT) prepared once per connection:
 * sqlite3_exec would parse it again at every transaction. */
static enum ll_err sqlite_control(struct store_conn *c, const char *sql)
{
	sqlite3_stmt *s = NULL;
	bool is_cached = false;
	enum ll_err err = sqlite_prepare(c, sql, &s, &is_cached);
	if (err != LL_OK)
		return err;
	int rc = sqlite3_step(s);
	if (is_cached)
		sqlite3_reset(s);
	else
		sqlite3_finalize(s);
	return rc == SQLITE_DONE ? LL_OK : sqlite_fail(c->db, rc, sql);
}

static enum ll_err sqlite_begin(struct store_conn *c, enum store_mode mode)
{
	/* A writer takes the write lock up front so that it waits in the busy handler rather than
	 * failing half-way through when a read lock cannot be upgraded. */
	return sqlite_control(c, mode == STORE_WRITE ? "BEGIN IMMEDIATE" : "BEGIN");
}

static enum ll_err sqlite_commit(struct store_conn *c)
{
	return sqlite_control(c, "COMMIT");
}

static void sqlite_rollback(struct store_conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Binds one value (borrowed until the statement is reset) to parameter i. */
static int sqlite_bind_value(sqlite3_stmt *s, int i, const struct store_val *v)
{
	switch (v->type) {
	case STORE_TEXT:
		return sqlite3_bind_text(s, i, v->text, -1, SQLITE_STATIC);
	case STORE_I64:
		return sqlite3_bind_int64(s, i, v->i64);
	case STORE_BLOB:
		return sqlite3_bind_blob64(s, i, v->blob, v->len, SQLITE_STATIC);
	default:
		return sqlite3_bind_null(s, i);
	}
}

static enum ll_err sqlite_bind(struct store_conn *c, sqlite3_stmt *s, const struct store_val *params, int n)
{
	int count = sqlite3_bind_parameter_count(s);
	for (int i = 1; i <= count; i++) {
		const char *name = sqlite3_bind_parameter_name(s, i);
		int idx = name && name[0] == '$' ? atoi(name + 1) : 0;
		if (idx < 1 || idx > n)
			return ll_fail(LL_INTERNAL, NULL, "statement parameter %s has no value", name ? name : "?");
		int rc = sqlite_bind_value(s, i, &params[idx - 1]);
		if (rc != SQLITE_OK)
			return sqlite_fail(c->db, rc, "cannot bind parameter");
	}
	return LL_OK;
}

static const struct store_row_ops sqlite_row_ops;

static enum ll_err sqlite_exec(struct store_conn *c, const struct store_stmt *stmt, const struct store_val *params,
			       int n_params, store_row_fn on_row, void *ctx, int64_t *ret_changes)
{
	sqlite3_stmt *s = NULL;
	bool is_cached = false;
	enum ll_err err = sqlite_prepare(c, stmt->sql, &s, &is_cached);
	if (err != LL_OK)
		return err;
	err = sqlite_bind(c, s, params, n_params);
	if (err != LL_OK)
		goto out;
	struct store_row row = { .ops = &sqlite_row_ops, .impl = s };
	for (;;) {
		int rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			err = sqlite_fail(c->db, rc, stmt->name);
			goto out;
		}
		if (on_row) {
			err = on_row(&row, ctx);
			if (err != LL_OK)
				goto out;
		}
	}
	/* sqlite3_changes64 keeps the count of the latest write, even of an earlier transaction: a read
	 * leaves the transaction's own count alone, as on PostgreSQL. */
	if (!sqlite3_stmt_readonly(s))
		*ret_changes = sqlite3_changes64(c->db);
out:
	if (is_cached) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	} else {
		sqlite3_finalize(s);
	}
	return err;
}

static enum ll_err sqlite_exec_script(struct store_conn *c, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return LL_OK;
	enum ll_err err = ll_fail(LL_MIGRATION, NULL, "script failed: %s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return err;
}

static enum ll_err sqlite_bulk_insert(struct store_conn *c, const char *table, const char *const *cols, int n_cols,
				      store_next_row_fn next_row, void *ctx, int64_t *ret_rows)
{
	struct buf sql;
	buf_init(&sql);
	buf_printf(&sql, "INSERT INTO %s (", table);
	for (int i = 0; i < n_cols; i++)
		buf_printf(&sql, "%s%s", i ? ", " : "", cols[i]);
	buf_puts(&sql, ") VALUES (");
	for (int i = 0; i < n_cols; i++)
		buf_printf(&sql, "%s$%d", i ? ", " : "", i + 1);
	buf_puts(&sql, ")");
	enum ll_err err = LL_OK;
	struct store_val *vals = calloc((size_t)n_cols, sizeof(*vals));
	int64_t rows = 0;
	if (sql.is_oom || !vals) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	/* Prepared once and bound by position ($i is parameter i here): this loop runs millions of
	 * times for a demo city, and looking the statement up and binding by name each row cost a
	 * tenth of the load. */
	sqlite3_stmt *s = NULL;
	bool is_cached = false;
	err = sqlite_prepare(c, sql.data, &s, &is_cached);
	if (err != LL_OK)
		goto out;
	for (;;) {
		memset(vals, 0, sizeof(*vals) * (size_t)n_cols);
		if (!next_row(vals, ctx))
			break;
		int rc = SQLITE_OK;
		for (int i = 0; i < n_cols && rc == SQLITE_OK; i++)
			rc = sqlite_bind_value(s, i + 1, &vals[i]);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			err = sqlite_fail(c->db, rc, "bulk insert");
			break;
		}
		rows++;
	}
	if (is_cached)
		sqlite3_clear_bindings(s);
	else
		sqlite3_finalize(s);
	if (err != LL_OK)
		goto out;
	*ret_rows = rows;
out:
	free(vals);
	buf_release(&sql);
	return err;
}

static enum ll_err sqlite_indexes_suspend(struct store_conn *c, const char *table, char **ret_restore)
{
	/* Indexes a constraint needs have no SQL in the schema table, so they are never listed. */
	static const char list_sql[] =
		"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL "
		"ORDER BY name";
	struct buf probe, drop, restore;
	buf_init(&probe);
	buf_init(&drop);
	buf_init(&restore);
	sqlite3_stmt *s = NULL;
	enum ll_err err = LL_OK;
	int rc;
	*ret_restore = NULL;
	/* Only an empty table: rebuilding the index of a large one would cost more than the load saves. */
	buf_printf(&probe, "SELECT 1 FROM \"%s\" LIMIT 1", table);
	if (probe.is_oom) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	rc = sqlite3_prepare_v2(c->db, probe.data, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	s = NULL;
	if (rc == SQLITE_ROW)
		goto out;
	if (rc != SQLITE_DONE) {
		err = sqlite_fail(c->db, rc, "index suspend");
		goto out;
	}
	rc = sqlite3_prepare_v2(c->db, list_sql, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		buf_printf(&drop, "DROP INDEX \"%s\";", (const char *)sqlite3_column_text(s, 0));
		buf_printf(&restore, "%s;", (const char *)sqlite3_column_text(s, 1));
	}
	if (rc != SQLITE_DONE) {
		err = sqlite_fail(c->db, rc, "index suspend");
		goto out;
	}
	if (drop.is_oom || restore.is_oom) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	if (drop.len == 0)
		goto out;
	rc = sqlite3_exec(c->db, drop.data, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		err = sqlite_fail(c->db, rc, "index suspend");
		goto out;
	}
	*ret_restore = buf_steal(&restore, NULL);
	if (!*ret_restore)
		err = ll_fail(LL_NOMEM, NULL, NULL); /* the transaction rolls back and the indexes stay */
out:
	sqlite3_finalize(s);
	buf_release(&probe);
	buf_release(&drop);
	buf_release(&restore);
	return err;
}

static int sqlite_row_columns(const struct store_row *row)
{
	return sqlite3_column_count(row->impl);
}

static bool sqlite_row_is_null(const struct store_row *row, int col)
{
	return sqlite3_column_type(row->impl, col) == SQLITE_NULL;
}

static const char *sqlite_row_text(const struct store_row *row, int col)
{
	return (const char *)sqlite3_column_text(row->impl, col);
}

static int64_t sqlite_row_i64(const struct store_row *row, int col)
{
	return sqlite3_column_int64(row->impl, col);
}

static const void *sqlite_row_blob(const struct store_row *row, int col, size_t *ret_len)
{
	const void *p = sqlite3_column_blob(row->impl, col);
	*ret_len = (size_t)sqlite3_column_bytes(row->impl, col);
	return p;
}

static const struct store_row_ops sqlite_row_ops = {
	.columns = sqlite_row_columns,
	.is_null = sqlite_row_is_null,
	.text = sqlite_row_text,
	.i64 = sqlite_row_i64,
	.blob = sqlite_row_blob,
};

const struct store_engine_ops store_sqlite_ops = {
	.name = "sqlite",
	.conn_open = sqlite_open,
	.conn_close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.exec = sqlite_exec,
	.exec_script = sqlite_exec_script,
	.bulk_insert = sqlite_bulk_insert,
	.indexes_suspend = sqlite_indexes_suspend,
};
