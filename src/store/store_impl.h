/*
 * What an engine supplies to store.c: connection life, transactions, statement execution and
 * bulk insert. Private to src/store/; nothing outside this folder includes it.
 */
#ifndef LL_STORE_IMPL_H
#define LL_STORE_IMPL_H

#include <pthread.h>
#include <stdatomic.h>

#include "store.h"

struct store_conn; /* engine-defined */

/* A result row as the engine sees it; store.c's accessors dispatch through ops. */
struct store_row_ops {
	int (*columns)(const struct store_row *row);
	bool (*is_null)(const struct store_row *row, int col);
	const char *(*text)(const struct store_row *row, int col);
	int64_t (*i64)(const struct store_row *row, int col);
	const void *(*blob)(const struct store_row *row, int col, size_t *ret_len);
};

struct store_row {
	const struct store_row_ops *ops;
	void *impl;     /* engine's statement or result */
	int index;      /* row number within impl, where the engine needs one */
	void *scratch;  /* engine's per-row decoding space, freed by the engine */
};

struct store_engine_ops {
	const char *name;
	enum ll_err (*conn_open)(const char *target, const struct store_options *opt, struct store_conn **ret);
	void (*conn_close)(struct store_conn *c);
	enum ll_err (*begin)(struct store_conn *c, enum store_mode mode);
	enum ll_err (*commit)(struct store_conn *c);
	void (*rollback)(struct store_conn *c);
	/* Runs one statement; sets *ret_changes for writes. */
	enum ll_err (*exec)(struct store_conn *c, const struct store_stmt *stmt, const struct store_val *params,
			    int n_params, store_row_fn on_row, void *ctx, int64_t *ret_changes);
	/* Runs a script of several statements without parameters (migrations). */
	enum ll_err (*exec_script)(struct store_conn *c, const char *sql);
	enum ll_err (*bulk_insert)(struct store_conn *c, const char *table, const char *const *cols, int n_cols,
				   store_next_row_fn next_row, void *ctx, int64_t *ret_rows);
	/* Drops the secondary indexes of an empty table and writes a script that rebuilds them to
	 * *ret_restore (malloc-owned, NULL when nothing was dropped). NULL for an engine whose bulk
	 * load does not gain from it. */
	enum ll_err (*indexes_suspend)(struct store_conn *c, const char *table, char **ret_restore);
};

extern const struct store_engine_ops store_sqlite_ops;
extern const struct store_engine_ops store_postgres_ops;

struct pooled_conn {
	struct pooled_conn *next;
	struct store_conn *conn;
};

#define STORE_COUNTER_BLOCKS 8
#define STORE_MEMO_MAX 4

struct ll_store {
	const struct store_engine_ops *ops;
	enum store_engine_kind kind;
	char *target;            /* path for SQLite, conninfo for PostgreSQL */
	struct store_options opt;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct pooled_conn *idle;
	int open_count;
	_Atomic uint64_t db_time_us;
	_Atomic uint64_t transactions;
	_Atomic uint64_t retries;
	_Atomic uint64_t failures;
	/* Blocks of counters reserved by store_counter_take: [next, end) still to hand out. */
	pthread_mutex_t blocks_lock;
	struct counter_block {
		char name[32];
		int64_t next, end;
	} blocks[STORE_COUNTER_BLOCKS];
	/* What modules keep beside the store (store_memo). */
	pthread_mutex_t memo_lock;
	struct store_memo {
		const char *name;
		void *p;
		void (*release)(void *p);
	} memos[STORE_MEMO_MAX];
};

struct ll_tx {
	struct ll_store *st;
	struct store_conn *conn;
	enum store_mode mode;
	int64_t changes;
};

/* Statement cache shared by both engines: maps SQL text to an engine handle. */
#define STMT_CACHE_SLOTS 256
struct stmt_cache_slot {
	char *sql;        /* the engine's own copy of the statement text */
	void *handle;
};
struct stmt_cache {
	struct stmt_cache_slot slots[STMT_CACHE_SLOTS];
	int count;
};
/* Finds the slot caching sql, or the empty slot where it should go (sql NULL); NULL if full. */
struct stmt_cache_slot *stmt_cache_find(struct stmt_cache *c, const char *sql);

#endif
