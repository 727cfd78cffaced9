/*
 * Engine-independent half of the store: URL parsing, the connection pool, transactions with
 * bounded retry, statistics and the statement cache. It never issues SQL of its own except
 * through the engine's operations.
 */
#include "store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/clock.h"
#include "../base/log.h"

#define STORE_MAX_RETRIES 8

enum ll_err store_open(const char *url, const struct store_options *opt, struct ll_store **ret_store)
{
	enum ll_err err = LL_OK;
	struct ll_store *st = calloc(1, sizeof(*st));
	if (!st)
		return ll_fail(LL_NOMEM, NULL, NULL);
	if (opt)
		st->opt = *opt;
	if (st->opt.max_connections <= 0)
		st->opt.max_connections = 8;
	if (st->opt.busy_timeout_ms <= 0)
		st->opt.busy_timeout_ms = 5000;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->freed, NULL);
	pthread_mutex_init(&st->blocks_lock, NULL);
	pthread_mutex_init(&st->memo_lock, NULL);

	if (strncmp(url, "sqlite:", 7) == 0 && url[7]) {
		st->ops = &store_sqlite_ops;
		st->kind = STORE_ENGINE_SQLITE;
		st->target = strdup(url + 7);
	} else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
		st->ops = &store_postgres_ops;
		st->kind = STORE_ENGINE_POSTGRES;
		st->target = strdup(url);
	} else {
		err = ll_fail(LL_CONFIG, "db", "database URL must start with sqlite: or postgres://");
		goto out;
	}
	if (!st->target) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	/* Open one connection now so that a bad URL fails at start-up, not at the first request. */
	struct store_conn *c;
	err = st->ops->conn_open(st->target, &st->opt, &c);
	if (err != LL_OK)
		goto out;
	struct pooled_conn *pc = malloc(sizeof(*pc));
	if (!pc) {
		st->ops->conn_close(c);
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	pc->conn = c;
	pc->next = NULL;
	st->idle = pc;
	st->open_count = 1;
	*ret_store = st;
	st = NULL;
out:
	store_close(st);
	return err;
}

struct ll_store *store_close(struct ll_store *st)
{
	if (!st)
		return NULL;
	for (int i = 0; i < STORE_MEMO_MAX; i++)
		if (st->memos[i].name)
			st->memos[i].release(st->memos[i].p);
	struct pooled_conn *pc = st->idle;
	while (pc) {
		struct pooled_conn *next = pc->next;
		st->ops->conn_close(pc->conn);
		free(pc);
		pc = next;
	}
	pthread_mutex_destroy(&st->lock);
	pthread_mutex_destroy(&st->blocks_lock);
	pthread_mutex_destroy(&st->memo_lock);
	pthread_cond_destroy(&st->freed);
	free(st->target);
	free(st);
	return NULL;
}

enum store_engine_kind store_engine(const struct ll_store *st)
{
	return st->kind;
}

static enum ll_err pool_take(struct ll_store *st, struct pooled_conn **ret)
{
	pthread_mutex_lock(&st->lock);
	for (;;) {
		if (st->idle) {
			struct pooled_conn *pc = st->idle;
			st->idle = pc->next;
			pthread_mutex_unlock(&st->lock);
			*ret = pc;
			return LL_OK;
		}
		if (st->open_count < st->opt.max_connections) {
			st->open_count++;
			pthread_mutex_unlock(&st->lock);
			struct pooled_conn *pc = malloc(sizeof(*pc));
			enum ll_err err = pc ? st->ops->conn_open(st->target, &st->opt, &pc->conn)
					     : ll_fail(LL_NOMEM, NULL, NULL);
			if (err != LL_OK) {
				free(pc);
				pthread_mutex_lock(&st->lock);
				st->open_count--;
				pthread_cond_signal(&st->freed);
				pthread_mutex_unlock(&st->lock);
				return err;
			}
			*ret = pc;
			return LL_OK;
		}
		pthread_cond_wait(&st->freed, &st->lock);
	}
}

static void pool_give(struct ll_store *st, struct pooled_conn *pc, bool is_broken)
{
	pthread_mutex_lock(&st->lock);
	if (is_broken) {
		st->open_count--;
		pthread_mutex_unlock(&st->lock);
		st->ops->conn_close(pc->conn);
		free(pc);
		pthread_mutex_lock(&st->lock);
	} else {
		pc->next = st->idle;
		st->idle = pc;
	}
	pthread_cond_signal(&st->freed);
	pthread_mutex_unlock(&st->lock);
}

/* Runs fn in one transaction on pc, retrying a busy database; *ret_broken when pc is lost. */
static enum ll_err run_on(struct ll_store *st, struct pooled_conn *pc, enum store_mode mode, const char *what,
			  store_txn_fn fn, void *ctx, bool *ret_broken)
{
	int64_t t0 = clock_mono_us();
	enum ll_err err;
	for (int attempt = 0;; attempt++) {
		struct ll_tx tx = { .st = st, .conn = pc->conn, .mode = mode };
		err = st->ops->begin(pc->conn, mode);
		if (err == LL_OK) {
			err = fn(&tx, ctx);
			if (err == LL_OK)
				err = st->ops->commit(pc->conn);
			/* Also after a failed COMMIT: SQLite keeps the transaction open when COMMIT is busy,
			 * and a retry's BEGIN would then fail on a connection left holding its locks. */
			if (err != LL_OK)
				st->ops->rollback(pc->conn);
		}
		if (err != LL_STORE_BUSY || attempt + 1 >= STORE_MAX_RETRIES)
			break;
		atomic_fetch_add(&st->retries, 1);
		/* Back off a little more each time, with jitter, so that retries do not collide. */
		usleep((useconds_t)((1000 << (attempt < 6 ? attempt : 6)) + rand() % 1000));
	}
	/* A lost PostgreSQL connection is replaced rather than reused. */
	*ret_broken = err == LL_STORE && st->kind == STORE_ENGINE_POSTGRES;
	atomic_fetch_add(&st->transactions, 1);
	atomic_fetch_add(&st->db_time_us, (uint64_t)(clock_mono_us() - t0));
	if (err == LL_STORE || err == LL_STORE_BUSY) {
		atomic_fetch_add(&st->failures, 1);
		log_warn("store", "%s failed: %s", what, ll_error_get(err)->message);
	}
	return err;
}

enum ll_err store_run(struct ll_store *st, enum store_mode mode, const char *what, store_txn_fn fn,
		      void *ctx)
{
	struct pooled_conn *pc;
	enum ll_err err = pool_take(st, &pc);
	if (err != LL_OK)
		return err;
	bool is_broken = false;
	err = run_on(st, pc, mode, what, fn, ctx, &is_broken);
	pool_give(st, pc, is_broken);
	return err;
}

struct store_session {
	struct ll_store *st;
	struct pooled_conn *pc;
};

enum ll_err store_session_open(struct ll_store *st, struct store_session **ret)
{
	struct store_session *s = calloc(1, sizeof(*s));
	if (!s)
		return ll_fail(LL_NOMEM, NULL, NULL);
	s->st = st;
	enum ll_err err = pool_take(st, &s->pc);
	if (err != LL_OK) {
		free(s);
		return err;
	}
	*ret = s;
	return LL_OK;
}

enum ll_err store_session_run(struct store_session *s, enum store_mode mode, const char *what, store_txn_fn fn,
			      void *ctx)
{
	if (!s->pc) {
		enum ll_err err = pool_take(s->st, &s->pc);
		if (err != LL_OK)
			return err;
	}
	bool is_broken = false;
	enum ll_err err = run_on(s->st, s->pc, mode, what, fn, ctx, &is_broken);
	if (is_broken) {
		pool_give(s->st, s->pc, true);
		s->pc = NULL; /* the next run takes another */
	}
	return err;
}

struct store_session *store_session_close(struct store_session *s)
{
	if (s) {
		if (s->pc)
			pool_give(s->st, s->pc, false);
		free(s);
	}
	return NULL;
}

enum ll_err store_exec(struct ll_tx *tx, const struct store_stmt *stmt, const struct store_val *params,
		       int n_params, store_row_fn on_row, void *ctx)
{
	return tx->st->ops->exec(tx->conn, stmt, params, n_params, on_row, ctx, &tx->changes);
}

int64_t store_changes(const struct ll_tx *tx)
{
	return tx->changes;
}

static const struct store_stmt CURSOR_GET = { "cursor get", "SELECT position FROM follow_cursors WHERE name = $1" };
static const struct store_stmt CURSOR_ADVANCE = {
	"cursor advance", "UPDATE follow_cursors SET position = $2 WHERE name = $1 AND position < $2"
};
static const struct store_stmt CURSOR_INSERT = {
	"cursor insert", "INSERT INTO follow_cursors (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"
};

static enum ll_err position_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

enum ll_err store_cursor_get(struct ll_tx *tx, const char *name, int64_t *ret_position)
{
	*ret_position = 0;
	return store_exec(tx, &CURSOR_GET, SP(SV_TEXT(name)), position_row, ret_position);
}

enum ll_err store_cursor_advance(struct ll_tx *tx, const char *name, int64_t position)
{
	enum ll_err err = store_exec(tx, &CURSOR_ADVANCE, SP(SV_TEXT(name), SV_I64(position)), NULL, NULL);
	if (err == LL_OK && store_changes(tx) == 0)
		err = store_exec(tx, &CURSOR_INSERT, SP(SV_TEXT(name), SV_I64(position)), NULL, NULL);
	return err;
}

static const struct store_stmt COUNTER_SEED = {
	"counter seed", "INSERT INTO counters (name, value) VALUES ($1, 0) ON CONFLICT DO NOTHING"
};
static const struct store_stmt COUNTER_ADD = {
	"counter add", "UPDATE counters SET value = value + $2 WHERE name = $1 RETURNING value"
};

enum ll_err store_counter_add(struct ll_tx *tx, const char *name, int64_t n, int64_t *ret_value)
{
	*ret_value = 0;
	enum ll_err err = store_exec(tx, &COUNTER_SEED, SP(SV_TEXT(name)), NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &COUNTER_ADD, SP(SV_TEXT(name), SV_I64(n)), position_row, ret_value);
	return err;
}

struct reserve_ctx {
	const char *name;
	int64_t block, end;
};

static enum ll_err reserve_txn(struct ll_tx *tx, void *ctx)
{
	struct reserve_ctx *r = ctx;
	return store_counter_add(tx, r->name, r->block, &r->end);
}

enum ll_err store_counter_take(struct ll_store *st, const char *name, int64_t block, int64_t *ret_value)
{
	*ret_value = -1;
	if (block < 1 || strlen(name) >= sizeof(st->blocks[0].name))
		return ll_fail(LL_INTERNAL, NULL, "counter %s cannot be taken in blocks of %lld", name, (long long)block);
	pthread_mutex_lock(&st->blocks_lock);
	struct counter_block *b = NULL;
	for (int i = 0; i < STORE_COUNTER_BLOCKS && !b; i++)
		if (strcmp(st->blocks[i].name, name) == 0 || !st->blocks[i].name[0])
			b = &st->blocks[i];
	enum ll_err err = LL_OK;
	if (!b) {
		err = ll_fail(LL_INTERNAL, NULL, "more than %d counters are taken in blocks", STORE_COUNTER_BLOCKS);
	} else if (b->next >= b->end) {
		/* Reserved under the lock: callers wait for the one transaction rather than each making one. */
		struct reserve_ctx r = { name, block, 0 };
		err = store_run(st, STORE_WRITE, "counter reserve", reserve_txn, &r);
		if (err == LL_OK) {
			snprintf(b->name, sizeof(b->name), "%s", name);
			b->next = r.end - block;
			b->end = r.end;
		}
	}
	if (err == LL_OK)
		*ret_value = b->next++;
	pthread_mutex_unlock(&st->blocks_lock);
	return err;
}

enum store_mode store_tx_mode(const struct ll_tx *tx)
{
	return tx->mode;
}

void *store_memo(struct ll_store *st, const char *name, void *(*make)(struct ll_store *st), void (*release)(void *))
{
	void *p = NULL;
	pthread_mutex_lock(&st->memo_lock);
	for (int i = 0; i < STORE_MEMO_MAX; i++) {
		struct store_memo *m = &st->memos[i];
		if (m->name && strcmp(m->name, name) == 0) {
			p = m->p;
			break;
		}
		if (!m->name) {
			if ((p = make(st)) != NULL)
				*m = (struct store_memo){ .name = name, .p = p, .release = release };
			break;
		}
	}
	pthread_mutex_unlock(&st->memo_lock);
	return p;
}

struct ll_store *store_tx_store(struct ll_tx *tx)
{
	return tx->st;
}

enum ll_err store_bulk_insert(struct ll_tx *tx, const char *table, const char *const *cols, int n_cols,
			      store_next_row_fn next_row, void *ctx, int64_t *ret_rows)
{
	return tx->st->ops->bulk_insert(tx->conn, table, cols, n_cols, next_row, ctx, ret_rows);
}

enum ll_err store_indexes_suspend(struct ll_tx *tx, const char *table, char **ret_restore)
{
	*ret_restore = NULL;
	if (!tx->st->ops->indexes_suspend)
		return LL_OK;
	return tx->st->ops->indexes_suspend(tx->conn, table, ret_restore);
}

enum ll_err store_refresh_statistics(struct ll_tx *tx, const char *table)
{
	if (tx->st->kind != STORE_ENGINE_POSTGRES)
		return LL_OK;
	char sql[96];
	snprintf(sql, sizeof(sql), "ANALYZE %s", table);
	return tx->st->ops->exec_script(tx->conn, sql);
}

enum ll_err store_indexes_restore(struct ll_tx *tx, const char *restore)
{
	if (!restore)
		return LL_OK;
	return tx->st->ops->exec_script(tx->conn, restore);
}

void store_get_stats(struct ll_store *st, struct store_stats *ret_stats)
{
	ret_stats->db_time_us = atomic_load(&st->db_time_us);
	ret_stats->transactions = atomic_load(&st->transactions);
	ret_stats->retries = atomic_load(&st->retries);
	ret_stats->failures = atomic_load(&st->failures);
	pthread_mutex_lock(&st->lock);
	ret_stats->open_connections = st->open_count;
	pthread_mutex_unlock(&st->lock);
}

struct stmt_cache_slot *stmt_cache_find(struct stmt_cache *c, const char *sql)
{
	/* FNV-1a over the text: statements may be built at run time, so the pointer is no key. */
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	for (int i = 0; i < STMT_CACHE_SLOTS; i++) {
		struct stmt_cache_slot *s = &c->slots[(h + (uint64_t)i) % STMT_CACHE_SLOTS];
		if (!s->sql || strcmp(s->sql, sql) == 0)
			return s;
	}
	return NULL;
}

int store_row_columns(const struct store_row *row)
{
	return row->ops->columns(row);
}

bool store_row_is_null(const struct store_row *row, int col)
{
	return row->ops->is_null(row, col);
}

const char *store_row_text(const struct store_row *row, int col)
{
	return row->ops->text(row, col);
}

int64_t store_row_i64(const struct store_row *row, int col)
{
	return row->ops->i64(row, col);
}

const void *store_row_blob(const struct store_row *row, int col, size_t *ret_len)
{
	return row->ops->blob(row, col, ret_len);
}

char *store_like_pattern(const char *part)
{
	if (!part || !*part)
		return strdup("");
	char *out = malloc(2 * strlen(part) + 3), *o = out;
	if (!out)
		return NULL;
	*o++ = '%';
	for (const char *p = part; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}
