/*
 * Numbered migrations, compiled in from src/store/schema/NNNN_<module>.sql and applied in order,
 * each in its own transaction together with its row in schema_migrations. A landed migration is
 * never edited: a change to the schema is a new file.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/embed.h"
#include "../base/log.h"
#include "store_impl.h"

static const struct store_stmt MIGRATIONS_CREATE = {
	"migrations create",
	"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	"applied_at BIGINT NOT NULL)"
};
static const struct store_stmt MIGRATIONS_MAX = {
	"migrations max", "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
};
static const struct store_stmt MIGRATIONS_INSERT = {
	"migrations insert", "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"
};

/* PostgreSQL under READ COMMITTED takes no lock for the check below; SQLite's BEGIN IMMEDIATE does. */
static const struct store_stmt MIGRATIONS_LOCK_PG = {
	"migrations lock", "SELECT pg_advisory_xact_lock(31001)"
};

static enum ll_err read_i64(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err create_txn(struct ll_tx *tx, void *ctx)
{
	(void)ctx;
	return store_exec(tx, &MIGRATIONS_CREATE, SP_NONE, NULL, NULL);
}

static enum ll_err version_txn(struct ll_tx *tx, void *ctx)
{
	return store_exec(tx, &MIGRATIONS_MAX, SP_NONE, read_i64, ctx);
}

struct apply_ctx {
	const struct embedded_file *file;
	int version;
	bool is_applied;
};

static enum ll_err apply_txn(struct ll_tx *tx, void *ctx)
{
	struct apply_ctx *a = ctx;
	int64_t current = 0;
	a->is_applied = false;
	enum ll_err err = LL_OK;
	if (store_engine(tx->st) == STORE_ENGINE_POSTGRES)
		err = store_exec(tx, &MIGRATIONS_LOCK_PG, SP_NONE, NULL, NULL);
	/* Another process may have applied it since we looked: check again under the lock. */
	if (err == LL_OK)
		err = store_exec(tx, &MIGRATIONS_MAX, SP_NONE, read_i64, &current);
	if (err != LL_OK || current >= a->version)
		return err;
	char *sql = strndup(a->file->data, a->file->len);
	if (!sql)
		return ll_fail(LL_NOMEM, NULL, NULL);
	err = tx->st->ops->exec_script(tx->conn, sql);
	free(sql);
	if (err != LL_OK)
		return ll_fail(LL_MIGRATION, NULL, "migration %s failed: %s", a->file->name,
			       ll_error_get(err)->message);
	err = store_exec(tx, &MIGRATIONS_INSERT,
			 SP(SV_I64(a->version), SV_TEXT(a->file->name), SV_I64(clock_now_us())), NULL, NULL);
	a->is_applied = err == LL_OK;
	return err;
}

enum ll_err store_schema_version(struct ll_store *st, int *ret_version)
{
	int64_t v = 0;
	enum ll_err err = store_run(st, STORE_WRITE, "migrations create", create_txn, NULL);
	if (err == LL_OK)
		err = store_run(st, STORE_READ, "migrations version", version_txn, &v);
	if (err == LL_OK)
		*ret_version = (int)v;
	return err;
}

enum ll_err store_migrate(struct ll_store *st, int *ret_applied)
{
	int current = 0, applied = 0;
	enum ll_err err = store_schema_version(st, &current);
	if (err != LL_OK)
		goto out;
	for (const struct embedded_file *f = embedded_migrations; f->name; f++) {
		int version = atoi(f->name);
		if (version <= current)
			continue;
		struct apply_ctx a = { .file = f, .version = version };
		err = store_run(st, STORE_WRITE, "migration", apply_txn, &a);
		if (err != LL_OK)
			goto out;
		if (a.is_applied) {
			applied++;
			log_info("store", "applied migration %s", f->name);
		}
	}
	if (ret_applied)
		*ret_applied = applied;
out:
	return err;
}
