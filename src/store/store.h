/*
 * The one storage interface. A store is opened from a URL (sqlite:PATH or postgres://...) and
 * holds a pool of connections of one engine. All SQL runs inside store_run(), one transaction
 * per call, retried a bounded number of times when the engine reports a busy database or a
 * serialization failure. SQL is portable, with $1, $2, ... placeholders; statements are named
 * constants that each connection prepares once and caches. Nothing above this header knows
 * which engine it talks to.
 */
#ifndef LL_STORE_H
#define LL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ll_err.h"

struct ll_store;
struct ll_tx;
struct store_row;

enum store_engine_kind { STORE_ENGINE_SQLITE, STORE_ENGINE_POSTGRES };
enum store_mode { STORE_READ, STORE_WRITE };

/* A named statement. Define each as a static const in the module's _db.c. */
struct store_stmt {
	const char *name;
	const char *sql;
};

enum store_type { STORE_NULL = 0, STORE_TEXT, STORE_I64, STORE_BLOB };

/* One parameter value; text and blobs are borrowed for the duration of the call. */
struct store_val {
	enum store_type type;
	const char *text;
	int64_t i64;
	const void *blob;
	size_t len;
};

#define SV_NULL ((struct store_val){ .type = STORE_NULL })
static inline struct store_val store_val_text(const char *s)
{
	return (struct store_val){ .type = s ? STORE_TEXT : STORE_NULL, .text = s };
}
#define SV_TEXT(s) store_val_text(s)
/* "%part%" for LIKE ... ESCAPE '\\', with the pattern characters of part escaped by a backslash,
 * so that part matches literally; "" when part is NULL or empty. Caller frees; NULL when out of
 * memory. */
char *store_like_pattern(const char *part);
#define SV_I64(n) ((struct store_val){ .type = STORE_I64, .i64 = (n) })
#define SV_BOOL(b) ((struct store_val){ .type = STORE_I64, .i64 = (b) ? 1 : 0 })
#define SV_BLOB(p, n) ((struct store_val){ .type = STORE_BLOB, .blob = (p), .len = (n) })
/* Expands to "array, count" for store_exec's params and n_params. */
#define SP(...) (const struct store_val[]){ __VA_ARGS__ }, \
	(int)(sizeof((const struct store_val[]){ __VA_ARGS__ }) / sizeof(struct store_val))
#define SP_NONE NULL, 0

struct store_options {
	int max_connections;  /* pool size; 0 means 8 */
	int busy_timeout_ms;  /* SQLite busy wait; 0 means 5000 */
	bool is_read_only;
};

/* Called once per result row; the row and its values are valid only during the call. Returning
 * anything but LL_OK stops the statement and store_exec returns that value. */
typedef enum ll_err (*store_row_fn)(const struct store_row *row, void *ctx);
/* Body of a transaction; returning anything but LL_OK rolls it back. */
typedef enum ll_err (*store_txn_fn)(struct ll_tx *tx, void *ctx);

/* Opens the database named by url ("sqlite:PATH", "postgres://..." or "postgresql://...").
 * opt may be NULL. Caller frees with store_close. */
enum ll_err store_open(const char *url, const struct store_options *opt, struct ll_store **ret_store);
/* Closes every connection; accepts NULL; returns NULL. */
struct ll_store *store_close(struct ll_store *st);
enum store_engine_kind store_engine(const struct ll_store *st);

/* Runs fn in one transaction on a pooled connection and commits when it returns LL_OK. A busy
 * database or serialization failure reruns fn, at most a few times, so fn must not keep state
 * across calls other than through ctx fields it resets. what names the work in logs. */
enum ll_err store_run(struct ll_store *st, enum store_mode mode, const char *what, store_txn_fn fn,
		      void *ctx);

/* A connection of the pool kept by one thread for all its transactions (a long-running writer),
 * so that its page cache stays warm between them; it counts against the pool until closed.
 * store_session_run is store_run on that connection (a lost PostgreSQL connection is replaced). */
struct store_session;
enum ll_err store_session_open(struct ll_store *st, struct store_session **ret);
enum ll_err store_session_run(struct store_session *s, enum store_mode mode, const char *what, store_txn_fn fn,
			      void *ctx);
/* Gives the connection back; accepts NULL; returns NULL. */
struct store_session *store_session_close(struct store_session *s);

/* The mode tx was begun in: a STORE_READ transaction sees only what others committed. */
enum store_mode store_tx_mode(const struct ll_tx *tx);

/* What a module keeps beside an open store, found by name (a string constant of the module): the
 * first call makes it with make(st), and store_close frees it with release() before it closes
 * the pool. For memory of what never changes once committed (the ledger's tree nodes) or a
 * session of one writer. Safe from any thread; NULL when make fails or every one of the store's
 * few places is taken. */
void *store_memo(struct ll_store *st, const char *name, void *(*make)(struct ll_store *st), void (*release)(void *));

/* Runs one statement inside tx. on_row may be NULL. A unique-constraint violation returns
 * LL_CONFLICT (and in PostgreSQL aborts the transaction, so prefer ON CONFLICT DO NOTHING and
 * store_changes to detect duplicates). */
enum ll_err store_exec(struct ll_tx *tx, const struct store_stmt *stmt, const struct store_val *params,
		       int n_params, store_row_fn on_row, void *ctx);
/* Rows changed by the latest INSERT, UPDATE or DELETE in tx. */
int64_t store_changes(const struct ll_tx *tx);
/* The store a transaction runs in. */
struct ll_store *store_tx_store(struct ll_tx *tx);

/* Bulk insert into table (columns named by cols, n_cols of them): rows come from next_row, which
 * fills vals (n_cols entries) and returns false when there are no more. PostgreSQL uses COPY;
 * SQLite a cached INSERT. Runs inside tx. */
typedef bool (*store_next_row_fn)(struct store_val *vals, void *ctx);
enum ll_err store_bulk_insert(struct ll_tx *tx, const char *table, const char *const *cols, int n_cols,
			      store_next_row_fn next_row, void *ctx, int64_t *ret_rows);

/* Before a bulk load into table, inside tx: when the table is empty, drops the table's secondary
 * indexes (those no constraint needs; unique and primary keys stay) so that the load does not maintain them row by row. *ret_restore is a
 * script that rebuilds them (caller frees with free(); NULL when nothing was dropped). Give it
 * to store_indexes_restore once the rows are in: building an index from finished rows costs a
 * fraction of keeping it up to date. Until then, queries on those columns scan the table. */
enum ll_err store_indexes_suspend(struct ll_tx *tx, const char *table, char **ret_restore);
/* Rebuilds what store_indexes_suspend dropped, inside tx; restore may be NULL (nothing to do). */
enum ll_err store_indexes_restore(struct ll_tx *tx, const char *restore);

/* Tells the engine that table has grown a lot since it last looked (a bulk load into a table that
 * was empty): PostgreSQL gathers fresh statistics (ANALYZE), so that plans it cached while the
 * table was small stop scanning it; SQLite, whose look-ups here need no statistics, does nothing.
 * table is a name from the schema, never input. Runs inside tx. */
enum ll_err store_refresh_statistics(struct ll_tx *tx, const char *table);

/* Followers: work that reads another part of the store in order (its seq) and keeps how far it
 * got in the follow_cursors table, moving the position in the same transaction as its own writes
 * so that a crash neither skips nor repeats. The position of name (0 when it has none yet; a
 * migration gives a follower of something numbered from 0 its starting -1). */
enum ll_err store_cursor_get(struct ll_tx *tx, const char *name, int64_t *ret_position);
/* Moves name's position forward to position (never back: a follower on another server that got
 * further keeps its place). */
enum ll_err store_cursor_advance(struct ll_tx *tx, const char *name, int64_t position);

/* Counters (the counters table): adds n to name's value (made at 0 the first time) inside tx and
 * gives the value it now has. The row stays locked until tx ends, so concurrent transactions
 * never get the same values; a rolled-back transaction gives its values back. */
enum ll_err store_counter_add(struct ll_tx *tx, const char *name, int64_t n, int64_t *ret_value);
/* One value of counter name, outside any transaction of the caller's: this store reserves block
 * values at a time (a transaction of its own) and hands them out in order, so that concurrent
 * callers neither wait for each other nor share a value. Values are unique, increasing within a
 * block, and not dense: those a process reserved and never handed out are skipped. *ret_value is
 * the value before the add (from 0), as store_counter_add's value minus one would be. */
enum ll_err store_counter_take(struct ll_store *st, const char *name, int64_t block, int64_t *ret_value);

/* A list as the API gives it (items.c): stmt with params run in one read transaction, each row
 * made an item by item_of (NULL when out of memory), answered as {"items":[…]} in *ret_page
 * (caller owns it). */
typedef struct json_t *(*store_item_fn)(const struct store_row *row);
enum ll_err store_items(struct ll_store *st, const char *what, const struct store_stmt *stmt,
			const struct store_val *params, int n_params, store_item_fn item_of, struct json_t **ret_page);

/* Column accessors for a result row; indexes from 0. Text is NUL-terminated and borrowed. */
int store_row_columns(const struct store_row *row);
bool store_row_is_null(const struct store_row *row, int col);
const char *store_row_text(const struct store_row *row, int col);
int64_t store_row_i64(const struct store_row *row, int col);
const void *store_row_blob(const struct store_row *row, int col, size_t *ret_len);

/* Applies every migration not yet applied, in order; returns how many ran. */
enum ll_err store_migrate(struct ll_store *st, int *ret_applied);
/* Highest applied migration number (0 when none). */
enum ll_err store_schema_version(struct ll_store *st, int *ret_version);

/* Cumulative time spent in the database, in microseconds, and transaction counts (for /metrics). */
struct store_stats {
	uint64_t db_time_us;
	uint64_t transactions;
	uint64_t retries;
	uint64_t failures;
	int open_connections;
};
void store_get_stats(struct ll_store *st, struct store_stats *ret_stats);

#endif
