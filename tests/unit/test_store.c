/*
 * The store interface on both engines. Every engine case runs on SQLite (a file in a temporary
 * folder) and, when LIFELONG_TEST_PG names a server (scripts/pg-test.sh run sets it), again on
 * PostgreSQL; each case starts from an empty database. A few cases check what only PostgreSQL
 * does (deadlocks, lost sessions, aborted transactions). Tests never share rows with each other
 * and never assert from a thread other than the main one.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/embed.h"
#include "base/log.h"
#include "store/sqlite_vfs.h"
#include "store/store.h"

static const char *g_url;    /* the engine under test */
static bool g_is_pg;
static char g_sqlite_dir[64];
static char g_sqlite_path[128];
static char g_sqlite_url[160];

/* ---- helpers: one statement in one transaction ---- */

struct one_stmt {
	struct store_stmt stmt;
	const struct store_val *params;
	int n_params;
	store_row_fn on_row;
	void *row_ctx;
	int64_t changes;
};

static enum ll_err one_stmt_txn(struct ll_tx *tx, void *ctx)
{
	struct one_stmt *o = ctx;
	enum ll_err err = store_exec(tx, &o->stmt, o->params, o->n_params, o->on_row, o->row_ctx);
	o->changes = store_changes(tx);
	return err;
}

/* Runs sql with params in its own write transaction; *ret_changes may be NULL. */
static enum ll_err run_sql(struct ll_store *st, const char *sql, const struct store_val *params, int n_params,
			   store_row_fn on_row, void *row_ctx, int64_t *ret_changes)
{
	struct one_stmt o = { { "test statement", sql }, params, n_params, on_row, row_ctx, 0 };
	enum ll_err err = store_run(st, STORE_WRITE, "test", one_stmt_txn, &o);
	if (err == LL_OK && ret_changes)
		*ret_changes = o.changes;
	return err;
}

static enum ll_err first_i64(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err count_row(const struct store_row *row, void *ctx)
{
	(*(int64_t *)ctx)++;
	return LL_OK;
}

/* Runs a query whose first column of its only row is an integer; -1 when it returns no row. */
static int64_t query_i64(struct ll_store *st, const char *sql, const struct store_val *params, int n_params)
{
	int64_t v = -1;
	assert_int_equal(run_sql(st, sql, params, n_params, first_i64, &v, NULL), LL_OK);
	return v;
}

static int64_t counter_value(struct ll_store *st, const char *name)
{
	return query_i64(st, "SELECT value FROM counters WHERE name = $1", SP(SV_TEXT(name)));
}

static int64_t counter_rows(struct ll_store *st)
{
	int64_t n = 0;
	assert_int_equal(run_sql(st, "SELECT name FROM counters", SP_NONE, count_row, &n, NULL), LL_OK);
	return n;
}

static void values_table_create(struct ll_store *st)
{
	assert_int_equal(run_sql(st, "CREATE TABLE t_values (id BIGINT PRIMARY KEY, t TEXT, n BIGINT, b BYTEA)",
				 SP_NONE, NULL, NULL, NULL),
			 LL_OK);
}

/* ---- fixtures ---- */

static const char *const SCHEMA_RESET[] = { "DROP SCHEMA public CASCADE", "CREATE SCHEMA public" };

static enum ll_err schema_reset_txn(struct ll_tx *tx, void *ctx)
{
	(void)ctx;
	enum ll_err err = LL_OK;
	for (size_t i = 0; i < sizeof(SCHEMA_RESET) / sizeof(SCHEMA_RESET[0]) && err == LL_OK; i++) {
		struct store_stmt stmt = { "schema reset", SCHEMA_RESET[i] };
		err = store_exec(tx, &stmt, SP_NONE, NULL, NULL);
	}
	return err;
}

/* Empties the database under test: a new SQLite file, or an empty public schema. */
static void database_empty(void)
{
	if (!g_is_pg) {
		const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
		for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
			char path[160];
			snprintf(path, sizeof(path), "%s%s", g_sqlite_path, suffixes[i]);
			unlink(path);
		}
		return;
	}
	struct ll_store *st = NULL;
	assert_int_equal(store_open(g_url, NULL, &st), LL_OK);
	assert_int_equal(store_run(st, STORE_WRITE, "schema reset", schema_reset_txn, NULL), LL_OK);
	store_close(st);
}

static int setup_empty(void **state)
{
	database_empty();
	struct ll_store *st = NULL;
	if (store_open(g_url, NULL, &st) != LL_OK) {
		fprintf(stderr, "cannot open %s: %s\n", g_is_pg ? "postgres" : g_url,
			ll_error_get(LL_STORE)->message);
		return -1;
	}
	*state = st;
	return 0;
}

static int setup_migrated(void **state)
{
	if (setup_empty(state) != 0)
		return -1;
	int applied = 0;
	return store_migrate(*state, &applied) == LL_OK ? 0 : -1;
}

static int teardown_store(void **state)
{
	*state = store_close(*state);
	return 0;
}

/* ---- engine-independent cases ---- */

static void test_open_bad_url_is_config_error(void **state)
{
	(void)state;
	struct ll_store *st = NULL;
	assert_int_equal(store_open("mysql://localhost/db", NULL, &st), LL_CONFIG);
	assert_int_equal(store_open("sqlite:", NULL, &st), LL_CONFIG);
	assert_int_equal(store_open("", NULL, &st), LL_CONFIG);
	assert_null(st);
}

static void test_open_never_reports_the_password(void **state)
{
	(void)state;
	struct ll_store *st = NULL;
	/* Nothing listens on port 1: the connection is refused at once. */
	assert_int_equal(store_open("postgres://lifelong:s3cret-pw@127.0.0.1:1/none", NULL, &st), LL_STORE);
	const struct ll_error *e = ll_error_get(LL_STORE);
	assert_non_null(strstr(e->message, "cannot connect to database"));
	assert_null(strstr(e->message, "s3cret"));
	/* A URL libpq cannot parse is a configuration error, and its parser's words are not passed
	 * on since they quote the bad part. */
	assert_int_equal(store_open("postgres://lifelong:s3cret%zz@127.0.0.1/none", NULL, &st), LL_CONFIG);
	assert_null(strstr(ll_error_get(LL_CONFIG)->message, "s3cret"));
	assert_null(st);
}

static void test_open_missing_sqlite_folder_fails(void **state)
{
	(void)state;
	struct ll_store *st = NULL;
	assert_int_equal(store_open("sqlite:/nonexistent-folder/x/lifelong.db", NULL, &st), LL_STORE);
	assert_null(st);
}

/* ---- cases run on each engine ---- */

static void test_migrations_apply_once(void **state)
{
	struct ll_store *st = *state;
	int count = 0, highest = 0;
	for (const struct embedded_file *f = embedded_migrations; f->name; f++) {
		count++;
		highest = atoi(f->name);
	}
	assert_true(count > 0);

	int version = -1, applied = -1;
	assert_int_equal(store_schema_version(st, &version), LL_OK);
	assert_int_equal(version, 0);
	assert_int_equal(store_migrate(st, &applied), LL_OK);
	assert_int_equal(applied, count);
	assert_int_equal(store_schema_version(st, &version), LL_OK);
	assert_int_equal(version, highest);
	assert_int_equal(store_migrate(st, &applied), LL_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(store_schema_version(st, &version), LL_OK);
	assert_int_equal(version, highest);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM schema_migrations", SP_NONE), count);
	assert_int_equal(store_engine(st), g_is_pg ? STORE_ENGINE_POSTGRES : STORE_ENGINE_SQLITE);
}

struct value_row {
	int64_t id;
	const char *text;          /* NULL for SQL NULL */
	bool is_n_null;
	int64_t n;
	const unsigned char *blob; /* NULL for SQL NULL */
	size_t blob_len;
};

struct value_check {
	const struct value_row *want;
	int rows;
	int columns;
	int mismatches;
};

static bool blob_equal(const void *got, size_t got_len, const void *want, size_t want_len)
{
	return got_len == want_len && (want_len == 0 || memcmp(got, want, want_len) == 0);
}

/* Compares columns t, n, b of a row with want; counts rather than asserts, as it runs inside the
 * store's call. */
static enum ll_err value_check_row(const struct store_row *row, void *ctx)
{
	struct value_check *c = ctx;
	const struct value_row *w = c->want;
	c->rows++;
	c->columns = store_row_columns(row);
	bool ok = store_row_is_null(row, 0) == !w->text;
	if (ok && w->text)
		ok = store_row_text(row, 0) && strcmp(store_row_text(row, 0), w->text) == 0;
	if (ok && !w->text)
		ok = store_row_text(row, 0) == NULL;
	ok = ok && store_row_is_null(row, 1) == w->is_n_null;
	if (ok && !w->is_n_null)
		ok = store_row_i64(row, 1) == w->n;
	ok = ok && store_row_is_null(row, 2) == !w->blob;
	size_t len = 99;
	const void *b = store_row_blob(row, 2, &len);
	if (ok && w->blob)
		ok = blob_equal(b, len, w->blob, w->blob_len);
	if (ok && !w->blob)
		ok = b == NULL && len == 0;
	if (!ok)
		c->mismatches++;
	return LL_OK;
}

static struct store_val value_text(const struct value_row *r)
{
	return SV_TEXT(r->text);
}

static struct store_val value_n(const struct value_row *r)
{
	return r->is_n_null ? SV_NULL : SV_I64(r->n);
}

static struct store_val value_blob(const struct value_row *r)
{
	return r->blob ? SV_BLOB(r->blob, r->blob_len) : SV_NULL;
}

static void test_values_round_trip(void **state)
{
	struct ll_store *st = *state;
	static const unsigned char zeros_inside[] = { 0, 1, 0, 255, 0 };
	static const unsigned char one_zero[] = { 0 };
	static const unsigned char empty[] = { 0 };
	const struct value_row rows[] = {
		{ 1, "hello", false, 0, zeros_inside, sizeof(zeros_inside) },
		{ 2, "", false, -1, empty, 0 },
		{ 3, "上海市终身学习 \t\\ 'quoted' \"double\"", false, INT64_MIN, NULL, 0 },
		{ 4, NULL, false, INT64_MAX, one_zero, 1 },
		{ 5, NULL, true, 0, NULL, 0 },
		{ 6, "-42", false, -9007199254740993LL, zeros_inside, 2 },
	};
	values_table_create(st);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int64_t changes = 0;
		assert_int_equal(run_sql(st, "INSERT INTO t_values (id, t, n, b) VALUES ($1, $2, $3, $4)",
					 SP(SV_I64(rows[i].id), value_text(&rows[i]), value_n(&rows[i]),
					    value_blob(&rows[i])),
					 NULL, NULL, &changes),
				 LL_OK);
		assert_int_equal(changes, 1);
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct value_check c = { .want = &rows[i] };
		assert_int_equal(run_sql(st, "SELECT t, n, b FROM t_values WHERE id = $1", SP(SV_I64(rows[i].id)),
					 value_check_row, &c, NULL),
				 LL_OK);
		assert_int_equal(c.rows, 1);
		assert_int_equal(c.columns, 3);
		assert_int_equal(c.mismatches, 0);
	}
	/* Extremes survive arithmetic and comparison on the server side too. */
	assert_int_equal(query_i64(st, "SELECT id FROM t_values WHERE n = $1", SP(SV_I64(INT64_MIN))), 3);
	assert_int_equal(query_i64(st, "SELECT n FROM t_values WHERE id = $1", SP(SV_I64(4))), INT64_MAX);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM t_values WHERE n < $1", SP(SV_I64(0))), 3);
}

static void test_params_out_of_order_and_reused(void **state)
{
	struct ll_store *st = *state;
	values_table_create(st);
	/* $2 comes first and is used twice. */
	assert_int_equal(run_sql(st, "INSERT INTO t_values (id, t, n) VALUES ($2, $1, $2)",
				 SP(SV_TEXT("forty-two"), SV_I64(42)), NULL, NULL, NULL),
			 LL_OK);
	assert_int_equal(query_i64(st, "SELECT n FROM t_values WHERE id = $2 AND n = $2 AND t = $1",
				   SP(SV_TEXT("forty-two"), SV_I64(42))),
			 42);
	/* A value the statement does not use is ignored, as SQLite does. */
	assert_int_equal(query_i64(st, "SELECT n FROM t_values WHERE id = $1", SP(SV_I64(42), SV_TEXT("unused"))), 42);
	/* A parameter without a value is our own mistake on both engines. */
	assert_int_equal(run_sql(st, "SELECT n FROM t_values WHERE id = $1 AND t = $2", SP(SV_I64(42)), NULL, NULL,
				 NULL),
			 LL_INTERNAL);
}

struct changes_ctx {
	int64_t after_insert;
	int64_t after_update;
	int64_t after_select;
	int64_t after_delete;
	int64_t after_delete_none;
};

static enum ll_err changes_txn(struct ll_tx *tx, void *ctx)
{
	struct changes_ctx *c = ctx;
	static const struct store_stmt insert = {
		"insert", "INSERT INTO counters (name, value) VALUES ('a', 1), ('b', 2), ('c', 3)"
	};
	static const struct store_stmt update = {
		"update", "UPDATE counters SET value = value + 10 WHERE value >= $1"
	};
	static const struct store_stmt select = { "select", "SELECT name FROM counters" };
	static const struct store_stmt delete = { "delete", "DELETE FROM counters WHERE name = $1" };
	int64_t n = 0;
	enum ll_err err = store_exec(tx, &insert, SP_NONE, NULL, NULL);
	c->after_insert = store_changes(tx);
	if (err == LL_OK)
		err = store_exec(tx, &update, SP(SV_I64(2)), NULL, NULL);
	c->after_update = store_changes(tx);
	if (err == LL_OK)
		err = store_exec(tx, &select, SP_NONE, count_row, &n);
	c->after_select = store_changes(tx);
	if (err == LL_OK)
		err = store_exec(tx, &delete, SP(SV_TEXT("a")), NULL, NULL);
	c->after_delete = store_changes(tx);
	if (err == LL_OK)
		err = store_exec(tx, &delete, SP(SV_TEXT("nobody")), NULL, NULL);
	c->after_delete_none = store_changes(tx);
	return err;
}

static void test_changes_counts_writes(void **state)
{
	struct ll_store *st = *state;
	struct changes_ctx c = { 0 };
	assert_int_equal(store_run(st, STORE_WRITE, "changes", changes_txn, &c), LL_OK);
	assert_int_equal(c.after_insert, 3);
	assert_int_equal(c.after_update, 2);
	assert_int_equal(c.after_select, 2); /* a SELECT leaves the count of the latest write */
	assert_int_equal(c.after_delete, 1);
	assert_int_equal(c.after_delete_none, 0);
	assert_int_equal(counter_value(st, "c"), 13);
}

static const struct store_stmt COUNTER_INSERT = {
	"counter insert", "INSERT INTO counters (name, value) VALUES ($1, $2)"
};

static enum ll_err insert_fresh_then_dup_txn(struct ll_tx *tx, void *ctx)
{
	(void)ctx;
	enum ll_err err = store_exec(tx, &COUNTER_INSERT, SP(SV_TEXT("fresh"), SV_I64(1)), NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &COUNTER_INSERT, SP(SV_TEXT("dup"), SV_I64(2)), NULL, NULL);
	return err;
}

static void test_unique_violation_is_conflict_and_rolls_back(void **state)
{
	struct ll_store *st = *state;
	assert_int_equal(run_sql(st, COUNTER_INSERT.sql, SP(SV_TEXT("dup"), SV_I64(1)), NULL, NULL, NULL), LL_OK);
	assert_int_equal(store_run(st, STORE_WRITE, "dup", insert_fresh_then_dup_txn, NULL), LL_CONFLICT);
	assert_int_equal(counter_rows(st), 1);
	assert_int_equal(counter_value(st, "fresh"), -1);
	assert_int_equal(counter_value(st, "dup"), 1);
	/* The same statements work afterwards on the same pooled connection. */
	assert_int_equal(run_sql(st, COUNTER_INSERT.sql, SP(SV_TEXT("fresh"), SV_I64(5)), NULL, NULL, NULL), LL_OK);
	assert_int_equal(counter_value(st, "fresh"), 5);
}

static void test_on_conflict_do_nothing_changes_nothing(void **state)
{
	struct ll_store *st = *state;
	const char *sql = "INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
	int64_t changes = -1;
	assert_int_equal(run_sql(st, sql, SP(SV_TEXT("x"), SV_I64(1)), NULL, NULL, &changes), LL_OK);
	assert_int_equal(changes, 1);
	assert_int_equal(run_sql(st, sql, SP(SV_TEXT("x"), SV_I64(2)), NULL, NULL, &changes), LL_OK);
	assert_int_equal(changes, 0);
	assert_int_equal(counter_value(st, "x"), 1);
}

static enum ll_err insert_then_fail_txn(struct ll_tx *tx, void *ctx)
{
	(void)ctx;
	enum ll_err err = store_exec(tx, &COUNTER_INSERT, SP(SV_TEXT("one"), SV_I64(1)), NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &COUNTER_INSERT, SP(SV_TEXT("two"), SV_I64(2)), NULL, NULL);
	if (err == LL_OK)
		err = ll_fail(LL_INVALID_VALUE, "test", "the rule said no");
	return err;
}

static void test_txn_error_rolls_back_earlier_writes(void **state)
{
	struct ll_store *st = *state;
	assert_int_equal(store_run(st, STORE_WRITE, "fail", insert_then_fail_txn, NULL), LL_INVALID_VALUE);
	assert_int_equal(counter_rows(st), 0);
}

/* ---- bulk insert ---- */

#define BULK_ROWS 10000

struct bulk_gen {
	int next;
	char text[256];
	unsigned char blob[64];
	struct value_row row;
};

/* The row with this id, deterministic, with text that COPY must escape. */
static void bulk_row(struct bulk_gen *g, int id)
{
	struct value_row *r = &g->row;
	memset(r, 0, sizeof(*r));
	r->id = id;
	if (id % 7 == 0) {
		r->text = NULL;
	} else if (id % 11 == 0) {
		r->text = "";
	} else if (id % 13 == 0) {
		r->text = "\\."; /* COPY's end-of-data marker, as data */
	} else {
		snprintf(g->text, sizeof(g->text),
			 "行 %d\t制表\n换行\\反斜杠\r回车 \\N \\t 终身学习 end\\", id);
		r->text = g->text;
	}
	if (id % 17 == 0) {
		r->is_n_null = true;
	} else {
		r->n = id == 1 ? INT64_MIN : id == 2 ? INT64_MAX : (int64_t)id * (id % 2 ? -7919 : 104729);
	}
	if (id % 19 == 0) {
		r->blob = NULL;
	} else {
		r->blob_len = (size_t)(id % 50);
		for (size_t k = 0; k < r->blob_len; k++)
			g->blob[k] = (k + (size_t)id) % 5 == 0 ? 0 : (unsigned char)((size_t)id * 31 + k);
		r->blob = g->blob;
	}
}

static bool bulk_next(struct store_val *vals, void *ctx)
{
	struct bulk_gen *g = ctx;
	if (g->next > BULK_ROWS)
		return false;
	bulk_row(g, g->next++);
	vals[0] = SV_I64(g->row.id);
	vals[1] = value_text(&g->row);
	vals[2] = value_n(&g->row);
	vals[3] = value_blob(&g->row);
	return true;
}

struct bulk_ctx {
	int64_t rows;
};

static enum ll_err bulk_txn(struct ll_tx *tx, void *ctx)
{
	struct bulk_ctx *b = ctx;
	static const char *const cols[] = { "id", "t", "n", "b" };
	struct bulk_gen g = { .next = 1 };
	return store_bulk_insert(tx, "t_values", cols, 4, bulk_next, &g, &b->rows);
}

struct bulk_check {
	struct bulk_gen g;
	int rows;
	int mismatches;
	int first_bad_id;
};

static enum ll_err bulk_check_row(const struct store_row *row, void *ctx)
{
	struct bulk_check *c = ctx;
	/* value_check_row reads columns 0..2, so the query puts id last. */
	int64_t id = store_row_i64(row, 3);
	bulk_row(&c->g, (int)id);
	struct value_check one = { .want = &c->g.row };
	value_check_row(row, &one);
	c->rows++;
	if (one.mismatches || id != c->rows) {
		if (!c->mismatches)
			c->first_bad_id = (int)id;
		c->mismatches++;
	}
	return LL_OK;
}

static enum ll_err bulk_read_txn(struct ll_tx *tx, void *ctx)
{
	static const struct store_stmt read = { "bulk read", "SELECT t, n, b, id FROM t_values ORDER BY id" };
	struct bulk_check *c = ctx;
	c->rows = 0;
	c->mismatches = 0;
	return store_exec(tx, &read, SP_NONE, bulk_check_row, c);
}

static void test_bulk_insert_round_trip(void **state)
{
	struct ll_store *st = *state;
	values_table_create(st);
	struct bulk_ctx b = { .rows = -1 };
	assert_int_equal(store_run(st, STORE_WRITE, "bulk", bulk_txn, &b), LL_OK);
	assert_int_equal(b.rows, BULK_ROWS);
	struct bulk_check c = { 0 };
	assert_int_equal(store_run(st, STORE_READ, "bulk read", bulk_read_txn, &c), LL_OK);
	if (c.mismatches)
		fprintf(stderr, "first differing row: %d\n", c.first_bad_id);
	assert_int_equal(c.rows, BULK_ROWS);
	assert_int_equal(c.mismatches, 0);
}

static bool bulk_dup_next(struct store_val *vals, void *ctx)
{
	int *n = ctx;
	if (*n >= 3)
		return false;
	(*n)++;
	vals[0] = SV_TEXT("same");
	vals[1] = SV_I64(*n);
	return true;
}

static enum ll_err bulk_dup_txn(struct ll_tx *tx, void *ctx)
{
	static const char *const cols[] = { "name", "value" };
	int n = 0;
	int64_t rows = 0;
	return store_bulk_insert(tx, "counters", cols, 2, bulk_dup_next, &n, &rows);
}

static void test_bulk_insert_duplicate_is_conflict(void **state)
{
	struct ll_store *st = *state;
	assert_int_equal(store_run(st, STORE_WRITE, "bulk dup", bulk_dup_txn, NULL), LL_CONFLICT);
	assert_int_equal(counter_rows(st), 0);
	/* The connection is usable afterwards. */
	assert_int_equal(run_sql(st, COUNTER_INSERT.sql, SP(SV_TEXT("after"), SV_I64(1)), NULL, NULL, NULL), LL_OK);
}

/* ---- concurrency ---- */

#define WRITERS 4
#define INCREMENTS 200

struct writer {
	pthread_t thread;
	struct ll_store *st;
	int done;
	enum ll_err err;
	int64_t got[INCREMENTS];        /* the value each increment gave */
};

static enum ll_err increment_txn(struct ll_tx *tx, void *ctx)
{
	return store_counter_add(tx, "hits", 1, ctx);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	for (int i = 0; i < INCREMENTS; i++) {
		w->err = store_run(w->st, STORE_WRITE, "increment", increment_txn, &w->got[i]);
		if (w->err != LL_OK)
			break;
		w->done++;
	}
	return NULL;
}

static enum ll_err add_then_fail_txn(struct ll_tx *tx, void *ctx)
{
	enum ll_err err = store_counter_add(tx, "hits", 5, ctx);
	return err == LL_OK ? ll_fail(LL_INVALID_VALUE, NULL, "rolled back") : err;
}

/* store_counter_add from several writers at once: every increment counts and each gives a value
 * no other gave; a counter starts at 0 unasked; a rolled-back addition gives its values back. */
static void test_concurrent_writers_lose_no_increment(void **state)
{
	struct ll_store *st = *state;
	struct writer w[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .st = st };
		assert_int_equal(pthread_create(&w[i].thread, NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(w[i].thread, NULL);
	for (int i = 0; i < WRITERS; i++) {
		assert_int_equal(w[i].err, LL_OK);
		assert_int_equal(w[i].done, INCREMENTS);
	}
	assert_int_equal(counter_value(st, "hits"), WRITERS * INCREMENTS);
	static bool seen[WRITERS * INCREMENTS + 1];
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < WRITERS; i++)
		for (int k = 0; k < INCREMENTS; k++) {
			int64_t v = w[i].got[k];
			assert_true(v >= 1 && v <= WRITERS * INCREMENTS);
			assert_false(seen[v]);
			seen[v] = true;
		}
	int64_t v = 0;
	assert_int_equal(store_run(st, STORE_WRITE, "add then fail", add_then_fail_txn, &v), LL_INVALID_VALUE);
	assert_int_equal(v, WRITERS * INCREMENTS + 5);
	assert_int_equal(counter_value(st, "hits"), WRITERS * INCREMENTS);
}

#define TAKERS 4
#define TAKES 300
#define BLOCK 64

struct taker {
	pthread_t thread;
	struct ll_store *st;
	enum ll_err err;
	int64_t got[TAKES];
};

static void *taker_main(void *arg)
{
	struct taker *t = arg;
	for (int i = 0; i < TAKES && t->err == LL_OK; i++)
		t->err = store_counter_take(t->st, "taken", BLOCK, &t->got[i]);
	return NULL;
}

static enum ll_err add_one_txn(struct ll_tx *tx, void *ctx)
{
	return store_counter_add(tx, "taken", 1, ctx);
}

/* store_counter_take from several threads at once: each value is given once, in order within a
 * thread; the counter row moves a block at a time, so a process holds at most one block it has
 * not handed out; store_counter_add beside it never gives a value a block holds; and another
 * store of the same database reserves blocks of its own. */
static void test_counter_take_gives_each_value_once_a_block_at_a_time(void **state)
{
	struct ll_store *st = *state;
	struct taker t[TAKERS];
	for (int i = 0; i < TAKERS; i++) {
		t[i] = (struct taker){ .st = st };
		assert_int_equal(pthread_create(&t[i].thread, NULL, taker_main, &t[i]), 0);
	}
	for (int i = 0; i < TAKERS; i++)
		pthread_join(t[i].thread, NULL);
	static bool seen[TAKERS * TAKES + BLOCK];
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < TAKERS; i++) {
		assert_int_equal(t[i].err, LL_OK);
		for (int k = 0; k < TAKES; k++) {
			int64_t v = t[i].got[k];
			assert_true(v >= 0 && v < TAKERS * TAKES + BLOCK);
			assert_false(seen[v]);
			seen[v] = true;
			if (k)
				assert_true(v > t[i].got[k - 1]);
		}
	}
	/* 1,200 values taken in blocks of 64: 19 blocks reserved, 16 values of the last one left. */
	int64_t reserved = counter_value(st, "taken");
	assert_int_equal(reserved, (TAKERS * TAKES + BLOCK - 1) / BLOCK * BLOCK);
	/* A value added beside the blocks is past every block. */
	int64_t added = 0;
	assert_int_equal(store_run(st, STORE_WRITE, "add one", add_one_txn, &added), LL_OK);
	assert_int_equal(added, reserved + 1);
	/* The rest of this store's block comes next, then a new block past the added value. */
	int64_t v = 0;
	for (int64_t k = TAKERS * TAKES; k < reserved; k++) {
		assert_int_equal(store_counter_take(st, "taken", BLOCK, &v), LL_OK);
		assert_int_equal(v, k);
	}
	assert_int_equal(store_counter_take(st, "taken", BLOCK, &v), LL_OK);
	assert_int_equal(v, reserved + 1);
	/* Another store (another process, as far as the database knows) takes from a block of its own. */
	struct ll_store *other = NULL;
	assert_int_equal(store_open(g_url, NULL, &other), LL_OK);
	int64_t w = 0;
	assert_int_equal(store_counter_take(other, "taken", BLOCK, &w), LL_OK);
	assert_int_equal(w, reserved + 1 + BLOCK);
	store_close(other);
	assert_int_equal(store_counter_take(st, "taken", 0, &v), LL_INTERNAL);
}

/* ---- statistics, the statement cache, callbacks, errors ---- */

static enum ll_err nothing_txn(struct ll_tx *tx, void *ctx)
{
	(void)tx;
	(void)ctx;
	return LL_OK;
}

static void test_stats_count_transactions(void **state)
{
	struct ll_store *st = *state;
	struct store_stats before, after;
	store_get_stats(st, &before);
	assert_true(before.open_connections >= 1);
	assert_int_equal(store_run(st, STORE_READ, "nothing", nothing_txn, NULL), LL_OK);
	assert_int_equal(store_run(st, STORE_WRITE, "nothing", nothing_txn, NULL), LL_OK);
	assert_int_equal(store_run(st, STORE_WRITE, "fail", insert_then_fail_txn, NULL), LL_INVALID_VALUE);
	assert_int_equal(run_sql(st, "SELECT no_such_column FROM counters", SP_NONE, NULL, NULL, NULL), LL_STORE);
	store_get_stats(st, &after);
	assert_int_equal(after.transactions - before.transactions, 4);
	assert_int_equal(after.failures - before.failures, 1); /* only the database's own failure */
	assert_true(after.db_time_us > before.db_time_us);
}

static enum ll_err many_statements_txn(struct ll_tx *tx, void *ctx)
{
	int *mismatches = ctx;
	/* More distinct statements than the cache holds, so that both paths run, twice. */
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < 300; k++) {
			char sql[64];
			snprintf(sql, sizeof(sql), "SELECT $1 + %d", k);
			struct store_stmt stmt = { "many", sql };
			int64_t v = -1;
			enum ll_err err = store_exec(tx, &stmt, SP(SV_I64(1000)), first_i64, &v);
			if (err != LL_OK)
				return err;
			if (v != 1000 + k)
				(*mismatches)++;
		}
	}
	return LL_OK;
}

static void test_statement_cache_overflow_still_runs(void **state)
{
	struct ll_store *st = *state;
	int mismatches = 0;
	assert_int_equal(store_run(st, STORE_READ, "many", many_statements_txn, &mismatches), LL_OK);
	assert_int_equal(mismatches, 0);
}

struct stop_ctx {
	int calls;
	int64_t after;
};

static enum ll_err stop_after_two(const struct store_row *row, void *ctx)
{
	(void)row;
	struct stop_ctx *s = ctx;
	return ++s->calls == 2 ? LL_NOT_FOUND : LL_OK;
}

static enum ll_err stop_txn(struct ll_tx *tx, void *ctx)
{
	struct stop_ctx *s = ctx;
	static const struct store_stmt all = { "all", "SELECT name FROM counters ORDER BY name" };
	static const struct store_stmt count = { "count", "SELECT COUNT(*) FROM counters" };
	enum ll_err err = store_exec(tx, &all, SP_NONE, stop_after_two, s);
	if (err != LL_NOT_FOUND)
		return err == LL_OK ? LL_INTERNAL : err;
	/* The transaction goes on after a callback stopped a statement. */
	return store_exec(tx, &count, SP_NONE, first_i64, &s->after);
}

static void test_row_callback_stops_statement(void **state)
{
	struct ll_store *st = *state;
	for (int i = 0; i < 5; i++) {
		char name[8];
		snprintf(name, sizeof(name), "r%d", i);
		assert_int_equal(run_sql(st, COUNTER_INSERT.sql, SP(SV_TEXT(name), SV_I64(i)), NULL, NULL, NULL), LL_OK);
	}
	struct stop_ctx s = { 0 };
	assert_int_equal(store_run(st, STORE_READ, "stop", stop_txn, &s), LL_OK);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.after, 5);
}

static void test_sql_error_is_store_error_and_store_recovers(void **state)
{
	struct ll_store *st = *state;
	assert_int_equal(run_sql(st, "SELEC nonsense", SP_NONE, NULL, NULL, NULL), LL_STORE);
	assert_true(strlen(ll_error_get(LL_STORE)->message) > 0);
	assert_int_equal(run_sql(st, "INSERT INTO no_such_table (x) VALUES ($1)", SP(SV_I64(1)), NULL, NULL, NULL),
			 LL_STORE);
	assert_int_equal(counter_rows(st), 0);
}

/* ---- PostgreSQL only ---- */

struct crosser {
	pthread_t thread;
	struct ll_store *st;
	pthread_barrier_t *barrier;
	const char *first;
	const char *second;
	int attempts;
	enum ll_err err;
};

static enum ll_err cross_txn(struct ll_tx *tx, void *ctx)
{
	struct crosser *c = ctx;
	static const struct store_stmt bump = { "bump", "UPDATE counters SET value = value + 1 WHERE name = $1" };
	enum ll_err err = store_exec(tx, &bump, SP(SV_TEXT(c->first)), NULL, NULL);
	/* Only the first attempt waits for the other: a retry must not wait for one who is past it. */
	if (err == LL_OK && c->attempts++ == 0)
		pthread_barrier_wait(c->barrier);
	if (err == LL_OK)
		err = store_exec(tx, &bump, SP(SV_TEXT(c->second)), NULL, NULL);
	return err;
}

static void *crosser_main(void *arg)
{
	struct crosser *c = arg;
	c->err = store_run(c->st, STORE_WRITE, "cross", cross_txn, c);
	return NULL;
}

static void test_pg_deadlock_is_retried(void **state)
{
	struct ll_store *st = *state;
	assert_int_equal(run_sql(st, COUNTER_INSERT.sql, SP(SV_TEXT("left"), SV_I64(0)), NULL, NULL, NULL), LL_OK);
	assert_int_equal(run_sql(st, COUNTER_INSERT.sql, SP(SV_TEXT("right"), SV_I64(0)), NULL, NULL, NULL), LL_OK);
	pthread_barrier_t barrier;
	pthread_barrier_init(&barrier, NULL, 2);
	struct crosser c[2] = {
		{ .st = st, .barrier = &barrier, .first = "left", .second = "right" },
		{ .st = st, .barrier = &barrier, .first = "right", .second = "left" },
	};
	struct store_stats before, after;
	store_get_stats(st, &before);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&c[i].thread, NULL, crosser_main, &c[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(c[i].thread, NULL);
	pthread_barrier_destroy(&barrier);
	store_get_stats(st, &after);
	assert_int_equal(c[0].err, LL_OK);
	assert_int_equal(c[1].err, LL_OK);
	assert_true(c[0].attempts + c[1].attempts >= 3); /* the deadlock victim ran again */
	assert_true(after.retries > before.retries);
	assert_int_equal(counter_value(st, "left"), 2);
	assert_int_equal(counter_value(st, "right"), 2);
}

static void test_pg_lost_session_is_replaced(void **state)
{
	struct ll_store *st = NULL;
	const struct store_options one = { .max_connections = 1 };
	assert_int_equal(store_open(g_url, &one, &st), LL_OK);
	struct ll_store *killer = *state;
	struct store_stats before, after;

	/* An idle pooled session killed from outside: the next transaction reconnects and succeeds. */
	int64_t pid = query_i64(st, "SELECT pg_backend_pid()", SP_NONE);
	assert_true(pid > 0);
	assert_int_equal(query_i64(killer, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1 AND "
					   "pg_terminate_backend($1, 5000)",
				   SP(SV_I64(pid))),
			 1);
	store_get_stats(st, &before);
	int64_t pid2 = query_i64(st, "SELECT pg_backend_pid()", SP_NONE);
	assert_true(pid2 > 0);
	assert_true(pid2 != pid);
	store_get_stats(st, &after);
	assert_int_equal(after.failures, before.failures);

	/* A session lost inside a transaction fails that transaction and is replaced. */
	assert_int_equal(run_sql(st, "SELECT pg_terminate_backend(pg_backend_pid())", SP_NONE, NULL, NULL, NULL),
			 LL_STORE);
	assert_true(query_i64(st, "SELECT pg_backend_pid()", SP_NONE) > 0);
	store_close(st);
}

static enum ll_err swallow_conflict_txn(struct ll_tx *tx, void *ctx)
{
	(void)ctx;
	enum ll_err err = store_exec(tx, &COUNTER_INSERT, SP(SV_TEXT("kept"), SV_I64(1)), NULL, NULL);
	if (err != LL_OK)
		return err;
	err = store_exec(tx, &COUNTER_INSERT, SP(SV_TEXT("dup"), SV_I64(2)), NULL, NULL);
	return err == LL_CONFLICT ? LL_OK : LL_INTERNAL; /* the mistake under test */
}

static void test_pg_commit_after_swallowed_error_fails(void **state)
{
	struct ll_store *st = *state;
	assert_int_equal(run_sql(st, COUNTER_INSERT.sql, SP(SV_TEXT("dup"), SV_I64(1)), NULL, NULL, NULL), LL_OK);
	assert_int_equal(store_run(st, STORE_WRITE, "swallow", swallow_conflict_txn, NULL), LL_STORE);
	assert_int_equal(counter_value(st, "kept"), -1);
}

static void test_pg_read_only_store_refuses_writes(void **state)
{
	(void)state;
	struct ll_store *st = NULL;
	const struct store_options ro = { .is_read_only = true };
	assert_int_equal(store_open(g_url, &ro, &st), LL_OK);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM counters", SP_NONE), 0);
	assert_int_equal(run_sql(st, COUNTER_INSERT.sql, SP(SV_TEXT("no"), SV_I64(1)), NULL, NULL, NULL), LL_STORE);
	store_close(st);
}

/* Every SQLite connection logs ahead, syncs each commit, and copies its log into the database
 * only once the log holds 512 MiB (bench/lrs.sh measures what that earns). */
static void test_sqlite_connections_are_durable_and_checkpoint_late(void **state)
{
	struct ll_store *st = *state;
	assert_int_equal(query_i64(st, "SELECT journal_mode = 'wal' FROM pragma_journal_mode", SP_NONE), 1);
	assert_int_equal(query_i64(st, "SELECT synchronous FROM pragma_synchronous", SP_NONE), 2);
	assert_int_equal(query_i64(st, "PRAGMA wal_autocheckpoint", SP_NONE), 131072);
}

/* ---- the log's gathered writes (SQLite) ---- */

static enum ll_err big_rows_txn(struct ll_tx *tx, void *ctx)
{
	const int *n = ctx;
	static const struct store_stmt insert = { "big row", "INSERT INTO t_values (id, t) VALUES ($1, $2)" };
	char text[3001];
	enum ll_err err = LL_OK;
	for (int i = 0; i < *n && err == LL_OK; i++) {
		memset(text, 'a' + i % 26, sizeof(text) - 1);
		text[sizeof(text) - 1] = '\0';
		err = store_exec(tx, &insert, SP(SV_I64(i), SV_TEXT(text)), NULL, NULL);
	}
	return err;
}

/* A commit of 300 pages reaches the log in a few calls, not SQLite's two a page, and every row
 * is there for a connection opened afterwards. */
static void test_sqlite_log_writes_are_gathered(void **state)
{
	struct ll_store *st = *state;
	values_table_create(st);
	int n = 300;
	unsigned long before = sqlite_vfs_log_writes();
	assert_int_equal(store_run(st, STORE_WRITE, "big rows", big_rows_txn, &n), LL_OK);
	unsigned long writes = sqlite_vfs_log_writes() - before;
	assert_true(writes >= 10);                            /* 300 pages of 4 KiB, 128 KiB a call */
	assert_true(writes <= 16);
	*state = store_close(st);
	assert_int_equal(store_open(g_url, NULL, &st), LL_OK);
	*state = st;
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM t_values WHERE length(t) = 3000", SP_NONE), n);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM t_values WHERE substr(t, 3000, 1) = char(97 + id % 26)",
				   SP_NONE),
			 n);
}

/* The size of the file at path on disk. */
static int64_t disk_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	int64_t n = ftell(f);
	fclose(f);
	return n;
}

/* The file's bytes as a reader of the disk sees them. */
static size_t file_read_all(const char *path, unsigned char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(out, 1, cap, f);
	fclose(f);
	return n;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7);
}

static sqlite3 *vfs_connection(const char *path, const char *synchronous);
static void vfs_exec(sqlite3 *db, const char *sql);
static void vfs_db_remove(const char *path);

/* Two connections of the store's VFS on a new database name in the test folder, with a table t,
 * and the first one's database file and log as SQLite holds them. */
struct vfs_pair {
	char path[160], wal[170];
	sqlite3 *a, *b;
	sqlite3_file *db, *log;
};

static void vfs_pair_open(struct vfs_pair *p, const char *name)
{
	snprintf(p->path, sizeof(p->path), "%s/%s", g_sqlite_dir, name);
	snprintf(p->wal, sizeof(p->wal), "%s-wal", p->path);
	vfs_db_remove(p->path);
	p->a = vfs_connection(p->path, "FULL");
	p->b = vfs_connection(p->path, "FULL");
	vfs_exec(p->a, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
	p->db = p->log = NULL;
	assert_int_equal(sqlite3_file_control(p->a, "main", SQLITE_FCNTL_FILE_POINTER, &p->db), SQLITE_OK);
	assert_int_equal(sqlite3_file_control(p->a, "main", SQLITE_FCNTL_JOURNAL_POINTER, &p->log), SQLITE_OK);
	assert_non_null(p->db);
	assert_non_null(p->log);
}

/* Closes what is still open (a may have been closed by the test) and removes the files. */
static void vfs_pair_close(struct vfs_pair *p)
{
	sqlite3_close(p->a);
	sqlite3_close(p->b);
	vfs_db_remove(p->path);
}

/* The VFS itself on a connection's log, past the frames SQLite wrote: writes in a row wait in the
 * buffer; a read, a sync, a write elsewhere, a full buffer or the close sends them, and what the
 * file holds in the end is exactly what was written, in order, including a part written twice.
 * A second connection keeps the log from being removed when the first closes. */
static void test_sqlite_vfs_gathers_log_writes_in_order(void **state)
{
	(void)state;
	struct vfs_pair p;
	vfs_pair_open(&p, "gather.db");
	sqlite3_file *f = p.log;
	const char *wal = p.wal;
	enum { BASE = 65536, SIZE = 300000 };
	unsigned char *want = calloc(1, SIZE), *got = calloc(1, BASE + SIZE), *part = malloc(SIZE);
	assert_non_null(want);
	assert_non_null(got);
	assert_non_null(part);
	assert_true(file_read_all(wal, got, BASE + SIZE) < BASE);
	size_t end = 0;
#define WRITE(off, n, seed)                                                                          \
	do {                                                                                         \
		fill(part, (n), (seed));                                                             \
		assert_int_equal(f->pMethods->xWrite(f, part, (int)(n), BASE + (off)), SQLITE_OK); \
		memcpy(want + (off), part, (n));                                                     \
		if ((size_t)(off) + (n) > end)                                                       \
			end = (size_t)(off) + (n);                                                   \
	} while (0)

	unsigned long w0 = sqlite_vfs_log_writes();
	WRITE(0, 32, 1);    /* a header, then frames: a header and a page each */
	WRITE(32, 24, 2);
	WRITE(56, 4096, 3);
	WRITE(4152, 24, 4);
	WRITE(4176, 4096, 5);
	assert_int_equal(sqlite_vfs_log_writes(), w0);
	sqlite3_int64 size = 0;
	assert_int_equal(f->pMethods->xFileSize(f, &size), SQLITE_OK);
	assert_int_equal(size, BASE + 8272);
	WRITE(56, 4096, 6); /* a page written again while still gathered */
	assert_int_equal(sqlite_vfs_log_writes(), w0);

	/* A read of gathered bytes sends them first, and sees them. */
	assert_int_equal(f->pMethods->xRead(f, got, 4096, BASE + 56), SQLITE_OK);
	assert_memory_equal(got, want + 56, 4096);
	assert_int_equal(sqlite_vfs_log_writes(), w0 + 1);

	/* A write elsewhere sends what was gathered before it. */
	WRITE(8272, 100, 7);
	WRITE(20000, 100, 8);
	assert_int_equal(sqlite_vfs_log_writes(), w0 + 2);

	/* A full buffer is sent; more than 128 KiB in a row takes more than one call. */
	for (int i = 0; i < 60; i++)
		WRITE(20100 + (size_t)i * 4120, 4120, 9 + (unsigned)i);
	unsigned long w1 = sqlite_vfs_log_writes();
	assert_true(w1 >= w0 + 3 && w1 <= w0 + 4);

	/* A sync sends the rest: the disk then holds exactly what was written. */
	assert_int_equal(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_OK);
	assert_int_equal(sqlite_vfs_log_writes(), w1 + 1);
	assert_int_equal(file_read_all(wal, got, BASE + SIZE), BASE + end);
	assert_memory_equal(got + BASE, want, end);

	/* Truncating sends what is gathered first; closing sends the rest. */
	WRITE(end, 500, 70);
	assert_int_equal(f->pMethods->xTruncate(f, (sqlite3_int64)(BASE + end)), SQLITE_OK);
	assert_int_equal(sqlite_vfs_log_writes(), w1 + 2);
	WRITE(100, 50, 71);
	sqlite3_close(p.a);
	p.a = NULL;
	assert_true(sqlite_vfs_log_writes() >= w1 + 3);
	assert_int_equal(file_read_all(wal, got, BASE + SIZE), BASE + end);
	assert_memory_equal(got + BASE, want, end);
#undef WRITE
	vfs_pair_close(&p);
	free(want);
	free(got);
	free(part);
}

/* A log opened without its database file (no connection's): nothing would write a buffer before
 * the shared index moves on, so each write goes to the file as it comes. */
static void test_sqlite_vfs_log_without_its_database_is_not_gathered(void **state)
{
	(void)state;
	sqlite3_vfs *vfs = sqlite3_vfs_find(LL_SQLITE_VFS);
	assert_non_null(vfs);
	char path[160];
	snprintf(path, sizeof(path), "%s-alone", g_sqlite_path); /* the platform's VFS wants "<db>-…" */
	unlink(path);
	sqlite3_file *f = calloc(1, (size_t)vfs->szOsFile);
	assert_non_null(f);
	assert_int_equal(vfs->xOpen(vfs, path, f, SQLITE_OPEN_WAL | SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE, NULL),
			 SQLITE_OK);
	unsigned char bytes[24] = { 1, 2, 3 };
	unsigned long w0 = sqlite_vfs_log_writes();
	assert_int_equal(f->pMethods->xWrite(f, bytes, sizeof(bytes), 0), SQLITE_OK);
	assert_int_equal(f->pMethods->xWrite(f, bytes, sizeof(bytes), 24), SQLITE_OK);
	assert_int_equal(sqlite_vfs_log_writes(), w0 + 2);
	assert_int_equal(disk_size(path), 48);
	assert_int_equal(f->pMethods->xClose(f), SQLITE_OK);
	free(f);
	unlink(path);
}

/* A connection of the store's VFS on path, with the store's journal and sync settings. */
static sqlite3 *vfs_connection(const char *path, const char *synchronous)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, LL_SQLITE_VFS),
			 SQLITE_OK);
	char sql[96];
	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s", synchronous);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static int64_t vfs_i64(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static void vfs_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static void vfs_db_remove(const char *path)
{
	const char *suffixes[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char p[200];
		snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
		unlink(p);
	}
}

/* A transaction that spilled pages to the log and rolled back leaves frames in its connection's
 * buffer. Another connection then commits frames at the same places in the log; the first
 * connection reads, checkpoints and closes. Its rolled-back frames must never land on the
 * committed ones: every committed row reads back, and the database is whole after reopening. */
static void test_sqlite_rolled_back_spill_never_overwrites_a_later_commit(void **state)
{
	(void)state;
	char path[160];
	snprintf(path, sizeof(path), "%s/spill.db", g_sqlite_dir);
	vfs_db_remove(path);
	sqlite3 *a = vfs_connection(path, "FULL"), *b = vfs_connection(path, "FULL");
	vfs_exec(b, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
	vfs_exec(b, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) "
		     "INSERT INTO t (v) SELECT zeroblob(100) FROM n");
	/* Ten rows of a page each through a cache of four pages: pages spill to the log. */
	vfs_exec(a, "PRAGMA cache_size=4");
	vfs_exec(a, "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) "
		     "INSERT INTO t (v) SELECT randomblob(3000) FROM n; ROLLBACK");
	vfs_exec(b, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8) "
		     "INSERT INTO t (v) SELECT zeroblob(3000) FROM n");
	assert_int_equal(vfs_i64(a, "SELECT COUNT(*) FROM t"), 11);
	assert_int_equal(vfs_i64(a, "SELECT SUM(length(v)) FROM t WHERE v = zeroblob(length(v))"), 300 + 8 * 3000);
	vfs_exec(a, "PRAGMA wal_checkpoint");
	sqlite3_close(a);
	assert_int_equal(vfs_i64(b, "SELECT COUNT(*) FROM t WHERE v = zeroblob(length(v))"), 11);
	sqlite3_close(b);
	sqlite3 *c = vfs_connection(path, "FULL");
	assert_int_equal(vfs_i64(c, "SELECT COUNT(*) FROM t WHERE v = zeroblob(length(v))"), 11);
	assert_int_equal(vfs_i64(c, "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), 0);
	sqlite3_close(c);
	vfs_db_remove(path);
}

/* A connection that does not sync its commits (synchronous=NORMAL) still publishes a commit only
 * once its frames are in the file: another connection reads them at once. */
static void test_sqlite_unsynced_commit_is_in_the_log_before_it_is_seen(void **state)
{
	(void)state;
	char path[160];
	snprintf(path, sizeof(path), "%s/unsynced.db", g_sqlite_dir);
	vfs_db_remove(path);
	sqlite3 *a = vfs_connection(path, "NORMAL"), *b = vfs_connection(path, "FULL");
	vfs_exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
	for (int i = 1; i <= 3; i++) {
		vfs_exec(a, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) "
			     "INSERT INTO t (v) SELECT zeroblob(3000) FROM n");
		assert_int_equal(vfs_i64(b, "SELECT COUNT(*) FROM t WHERE v = zeroblob(3000)"), 5 * i);
	}
	sqlite3_close(a);
	sqlite3_close(b);
	vfs_db_remove(path);
}

/* The database file of a connection writes its log's gathered bytes before it lets the shared
 * index move on: at the barrier SQLite puts between a commit's two index headers, and before it
 * releases a lock. Bytes are gathered into the connection's own log, then each moment is called
 * as SQLite calls it. */
static void test_sqlite_log_is_written_before_the_index_moves(void **state)
{
	(void)state;
	struct vfs_pair p;
	vfs_pair_open(&p, "moments.db");
	sqlite3_file *db = p.db, *log = p.log;
	const char *wal = p.wal;
	unsigned char bytes[100];
	memset(bytes, 0x5a, sizeof(bytes));
	/* Past the log's end, where SQLite writes a transaction's next frames. */
	int64_t end = disk_size(wal);
	assert_int_equal(log->pMethods->xWrite(log, bytes, sizeof(bytes), end), SQLITE_OK);
	assert_int_equal(disk_size(wal), end);
	db->pMethods->xShmBarrier(db);
	assert_int_equal(disk_size(wal), end + 100);
	assert_int_equal(log->pMethods->xWrite(log, bytes, sizeof(bytes), end + 100), SQLITE_OK);
	assert_int_equal(disk_size(wal), end + 100);
	/* Slot 7 (a reader's), which this connection does not hold: the release changes nothing else. */
	assert_int_equal(db->pMethods->xShmLock(db, 7, 1, SQLITE_SHM_UNLOCK | SQLITE_SHM_SHARED), SQLITE_OK);
	assert_int_equal(disk_size(wal), end + 200);
	vfs_pair_close(&p);
}

/* A lock on the shared index is released even when writing the log's gathered bytes fails (a
 * file size limit here): SQLite does not look at an unlock's result, and a lock kept would stop
 * every writer. */
static void test_sqlite_lock_is_released_when_the_log_cannot_be_written(void **state)
{
	(void)state;
	struct vfs_pair p;
	vfs_pair_open(&p, "unwritable.db");
	sqlite3_file *db = p.db, *log = p.log;
	const char *wal = p.wal;
	int64_t end = disk_size(wal);
	unsigned char bytes[100] = { 0 };
	/* The write lock (slot 0) taken as a writer takes it, then frames gathered past the log's end
	 * that the file may not grow to hold. */
	assert_int_equal(db->pMethods->xShmLock(db, 0, 1, SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE), SQLITE_OK);
	assert_int_equal(log->pMethods->xWrite(log, bytes, sizeof(bytes), end + 4096), SQLITE_OK);
	struct rlimit was;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	struct rlimit small = { .rlim_cur = (rlim_t)end, .rlim_max = was.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	db->pMethods->xShmLock(db, 0, 1, SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	signal(SIGXFSZ, old_handler);
	assert_int_equal(disk_size(wal), end);
	/* Another connection writes at once: the lock is free. */
	sqlite3_busy_timeout(p.b, 0);
	vfs_exec(p.b, "INSERT INTO t (id) VALUES (1)");
	assert_int_equal(vfs_i64(p.a, "SELECT COUNT(*) FROM t"), 1);
	vfs_pair_close(&p);
}

/* ---- index suspension for bulk loads ---- */

struct suspend_ctx {
	char *restore;
	const char *restore_in;
};

static enum ll_err suspend_txn(struct ll_tx *tx, void *ctx)
{
	struct suspend_ctx *c = ctx;
	return store_indexes_suspend(tx, "t_load", &c->restore);
}

static enum ll_err restore_txn(struct ll_tx *tx, void *ctx)
{
	struct suspend_ctx *c = ctx;
	return store_indexes_restore(tx, c->restore_in);
}

/* How many indexes of t_load the engine's catalogue lists by the given name. */
static int64_t index_named(struct ll_store *st, const char *name)
{
	return query_i64(st, g_is_pg ? "SELECT COUNT(*) FROM pg_indexes WHERE tablename = 't_load' AND indexname = $1"
				     : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1",
			 SP(SV_TEXT(name)));
}

static void test_indexes_suspend_and_restore_around_a_load(void **state)
{
	struct ll_store *st = *state;
	assert_int_equal(run_sql(st, "CREATE TABLE t_load (id TEXT PRIMARY KEY, b TEXT, c TEXT UNIQUE)", SP_NONE, NULL,
				 NULL, NULL), LL_OK);
	assert_int_equal(run_sql(st, "CREATE INDEX t_load_b ON t_load (b)", SP_NONE, NULL, NULL, NULL), LL_OK);

	struct suspend_ctx c = { 0 };
	assert_int_equal(store_run(st, STORE_WRITE, "suspend", suspend_txn, &c), LL_OK);
	assert_non_null(c.restore);
	assert_non_null(strstr(c.restore, "t_load_b"));
	assert_int_equal(index_named(st, "t_load_b"), 0);
	/* The unique constraint still holds while the secondary index is gone. */
	assert_int_equal(run_sql(st, "INSERT INTO t_load (id, b, c) VALUES ('1', 'x', 'u')", SP_NONE, NULL, NULL, NULL),
			 LL_OK);
	assert_int_equal(run_sql(st, "INSERT INTO t_load (id, b, c) VALUES ('2', 'y', 'u')", SP_NONE, NULL, NULL, NULL),
			 LL_CONFLICT);

	c.restore_in = c.restore;
	assert_int_equal(store_run(st, STORE_WRITE, "restore", restore_txn, &c), LL_OK);
	assert_int_equal(index_named(st, "t_load_b"), 1);
	free(c.restore);

	/* A table with rows keeps its indexes. */
	struct suspend_ctx again = { 0 };
	assert_int_equal(store_run(st, STORE_WRITE, "suspend", suspend_txn, &again), LL_OK);
	assert_null(again.restore);
	assert_int_equal(index_named(st, "t_load_b"), 1);
}

/* ---- Sessions ---- */

static const struct store_stmt TEMP_CREATE = { "temp create", "CREATE TEMP TABLE session_mark (n INTEGER)" };
static const struct store_stmt TEMP_INSERT = { "temp insert", "INSERT INTO session_mark (n) VALUES (1)" };
static const struct store_stmt TEMP_COUNT = { "temp count", "SELECT COUNT(*) FROM session_mark" };

static enum ll_err temp_create_txn(struct ll_tx *tx, void *ctx)
{
	(void)ctx;
	enum ll_err err = store_exec(tx, &TEMP_CREATE, SP_NONE, NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &TEMP_INSERT, SP_NONE, NULL, NULL);
	return err;
}

static enum ll_err temp_count_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err temp_count_txn(struct ll_tx *tx, void *ctx)
{
	return store_exec(tx, &TEMP_COUNT, SP_NONE, temp_count_row, ctx);
}

/* A session's transactions all run on one connection: a temporary table, which only its own
 * connection sees, is there in the next one, while other transactions run in between. */
static void test_session_keeps_its_connection(void **state)
{
	struct ll_store *st = *state;
	struct store_session *s;
	assert_int_equal(store_session_open(st, &s), LL_OK);
	assert_int_equal(store_session_run(s, STORE_WRITE, "mark", temp_create_txn, NULL), LL_OK);
	for (int i = 0; i < 3; i++) {
		/* The pool's connections are others: they have no such table. */
		int64_t other = -1;
		assert_int_not_equal(store_run(st, STORE_READ, "count elsewhere", temp_count_txn, &other), LL_OK);
		int64_t n = -1;
		assert_int_equal(store_session_run(s, STORE_READ, "count", temp_count_txn, &n), LL_OK);
		assert_int_equal(n, 1);
	}
	s = store_session_close(s);
	assert_null(s);
}

static enum ll_err mode_txn(struct ll_tx *tx, void *ctx)
{
	*(enum store_mode *)ctx = store_tx_mode(tx);
	return LL_OK;
}

/* A transaction knows the mode it was begun in, through store_run and a session alike; writes
 * and reads alternate so that a mode left over from the last one would show. */
static void test_tx_mode_is_the_mode_begun_in(void **state)
{
	struct ll_store *st = *state;
	static const enum store_mode modes[] = { STORE_WRITE, STORE_READ, STORE_WRITE, STORE_READ };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		enum store_mode got = (enum store_mode)-1;
		assert_int_equal(store_run(st, modes[i], "test mode", mode_txn, &got), LL_OK);
		assert_int_equal(got, modes[i]);
	}
	struct store_session *s;
	assert_int_equal(store_session_open(st, &s), LL_OK);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		enum store_mode got = (enum store_mode)-1;
		assert_int_equal(store_session_run(s, modes[i], "test mode", mode_txn, &got), LL_OK);
		assert_int_equal(got, modes[i]);
	}
	s = store_session_close(s);
}

/* What memo_make made and memo_release released, by the number each made thing holds. */
#define MEMO_PLACES 4 /* STORE_MEMO_MAX in store_impl.h */
#define MEMO_LOG_MAX 16
static struct {
	int made, failed;
	int released[MEMO_LOG_MAX];
	struct ll_store *made_for[MEMO_LOG_MAX];
} g_memo;

static void *memo_make(struct ll_store *st)
{
	if (g_memo.made >= MEMO_LOG_MAX)
		return NULL;
	int *p = malloc(sizeof(*p));
	if (p) {
		g_memo.made_for[g_memo.made] = st;
		*p = g_memo.made++;
	}
	return p;
}

static void *memo_make_none(struct ll_store *st)
{
	(void)st;
	g_memo.failed++;
	return NULL;
}

static void memo_release(void *p)
{
	int i = *(int *)p;
	if (i >= 0 && i < MEMO_LOG_MAX)
		g_memo.released[i]++;
	free(p);
}

/* A memo is made once a name, by a make given the store, and the same pointer comes back after;
 * each name gets its own; a failed make takes no place; a name past the store's places gets NULL
 * while the others are still found; and store_close releases each made memo exactly once.
 * Another store keeps its own. */
static void test_memo_is_made_once_a_name_and_released_once_at_close(void **state)
{
	struct ll_store *st = *state;
	memset(&g_memo, 0, sizeof(g_memo));
	int *a = store_memo(st, "test memo a", memo_make, memo_release);
	assert_non_null(a);
	assert_ptr_equal(store_memo(st, "test memo a", memo_make, memo_release), a);
	assert_ptr_equal(store_memo(st, "test memo a", memo_make_none, memo_release), a);
	assert_int_equal(g_memo.made, 1);
	assert_int_equal(g_memo.failed, 0);

	/* make failing: NULL, and the place stays free for a working make. */
	assert_null(store_memo(st, "test memo b", memo_make_none, memo_release));
	assert_int_equal(g_memo.failed, 1);
	int *b = store_memo(st, "test memo b", memo_make, memo_release);
	assert_non_null(b);
	assert_ptr_not_equal(b, a);
	assert_ptr_equal(store_memo(st, "test memo b", memo_make, memo_release), b);

	int *c = store_memo(st, "test memo c", memo_make, memo_release);
	int *d = store_memo(st, "test memo d", memo_make, memo_release);
	assert_non_null(c);
	assert_non_null(d);
	assert_int_equal(g_memo.made, MEMO_PLACES);
	assert_int_equal(*a, 0);
	assert_int_equal(*b, 1);
	assert_int_equal(*c, 2);
	assert_int_equal(*d, 3);
	for (int i = 0; i < MEMO_PLACES; i++)
		assert_ptr_equal(g_memo.made_for[i], st);

	/* Every place taken: a fifth name gets nothing, the four are still found. */
	assert_null(store_memo(st, "test memo e", memo_make, memo_release));
	assert_ptr_equal(store_memo(st, "test memo a", memo_make, memo_release), a);
	assert_ptr_equal(store_memo(st, "test memo d", memo_make, memo_release), d);

	/* Another store on the same database keeps memos of its own. */
	struct ll_store *other = NULL;
	assert_int_equal(store_open(g_url, NULL, &other), LL_OK);
	int *other_a = store_memo(other, "test memo a", memo_make, memo_release);
	assert_non_null(other_a);
	assert_ptr_not_equal(other_a, a);
	int other_i = *other_a;
	assert_ptr_equal(g_memo.made_for[other_i], other);
	assert_null(store_close(other));
	assert_int_equal(g_memo.released[other_i], 1);

	for (int i = 0; i < g_memo.made; i++)
		if (i != other_i && g_memo.released[i] != 0)
			fail_msg("memo %d released %d times before its store closed", i, g_memo.released[i]);
	*state = store_close(st);
	for (int i = 0; i < g_memo.made; i++)
		if (g_memo.released[i] != 1)
			fail_msg("memo %d released %d times, want once", i, g_memo.released[i]);
}

/* ---- main ---- */

#define ENGINE_TEST(f, setup) cmocka_unit_test_setup_teardown(f, setup, teardown_store)

static const struct CMUnitTest common_tests[] = {
	cmocka_unit_test(test_open_bad_url_is_config_error),
	cmocka_unit_test(test_open_never_reports_the_password),
	cmocka_unit_test(test_open_missing_sqlite_folder_fails),
};

static const struct CMUnitTest engine_tests[] = {
	ENGINE_TEST(test_migrations_apply_once, setup_empty),
	ENGINE_TEST(test_values_round_trip, setup_migrated),
	ENGINE_TEST(test_params_out_of_order_and_reused, setup_migrated),
	ENGINE_TEST(test_changes_counts_writes, setup_migrated),
	ENGINE_TEST(test_unique_violation_is_conflict_and_rolls_back, setup_migrated),
	ENGINE_TEST(test_on_conflict_do_nothing_changes_nothing, setup_migrated),
	ENGINE_TEST(test_txn_error_rolls_back_earlier_writes, setup_migrated),
	ENGINE_TEST(test_bulk_insert_round_trip, setup_migrated),
	ENGINE_TEST(test_bulk_insert_duplicate_is_conflict, setup_migrated),
	ENGINE_TEST(test_concurrent_writers_lose_no_increment, setup_migrated),
	ENGINE_TEST(test_counter_take_gives_each_value_once_a_block_at_a_time, setup_migrated),
	ENGINE_TEST(test_stats_count_transactions, setup_migrated),
	ENGINE_TEST(test_statement_cache_overflow_still_runs, setup_migrated),
	ENGINE_TEST(test_row_callback_stops_statement, setup_migrated),
	ENGINE_TEST(test_sql_error_is_store_error_and_store_recovers, setup_migrated),
	ENGINE_TEST(test_indexes_suspend_and_restore_around_a_load, setup_migrated),
	ENGINE_TEST(test_session_keeps_its_connection, setup_migrated),
	ENGINE_TEST(test_tx_mode_is_the_mode_begun_in, setup_migrated),
	ENGINE_TEST(test_memo_is_made_once_a_name_and_released_once_at_close, setup_migrated),
};

static const struct CMUnitTest sqlite_tests[] = {
	ENGINE_TEST(test_sqlite_connections_are_durable_and_checkpoint_late, setup_migrated),
	ENGINE_TEST(test_sqlite_log_writes_are_gathered, setup_migrated),
	ENGINE_TEST(test_sqlite_vfs_gathers_log_writes_in_order, setup_migrated),
	ENGINE_TEST(test_sqlite_vfs_log_without_its_database_is_not_gathered, setup_migrated),
	ENGINE_TEST(test_sqlite_rolled_back_spill_never_overwrites_a_later_commit, setup_migrated),
	ENGINE_TEST(test_sqlite_unsynced_commit_is_in_the_log_before_it_is_seen, setup_migrated),
	ENGINE_TEST(test_sqlite_log_is_written_before_the_index_moves, setup_migrated),
	ENGINE_TEST(test_sqlite_lock_is_released_when_the_log_cannot_be_written, setup_migrated),
};

static const struct CMUnitTest pg_tests[] = {
	ENGINE_TEST(test_pg_deadlock_is_retried, setup_migrated),
	ENGINE_TEST(test_pg_lost_session_is_replaced, setup_migrated),
	ENGINE_TEST(test_pg_commit_after_swallowed_error_fails, setup_migrated),
	ENGINE_TEST(test_pg_read_only_store_refuses_writes, setup_migrated),
};

int main(void)
{
	log_set_level(LOG_ERROR); /* the failures these tests cause on purpose are logged as warnings */
	int failed = cmocka_run_group_tests_name("store, any engine", common_tests, NULL, NULL);

	snprintf(g_sqlite_dir, sizeof(g_sqlite_dir), "%s", "/tmp/lifelong-test-store.XXXXXX");
	if (!mkdtemp(g_sqlite_dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(g_sqlite_path, sizeof(g_sqlite_path), "%s/store.db", g_sqlite_dir);
	snprintf(g_sqlite_url, sizeof(g_sqlite_url), "sqlite:%s", g_sqlite_path);
	g_url = g_sqlite_url;
	g_is_pg = false;
	failed += cmocka_run_group_tests_name("store on sqlite", engine_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("store, sqlite only", sqlite_tests, NULL, NULL);
	database_empty();
	rmdir(g_sqlite_dir);

	const char *pg = getenv("LIFELONG_TEST_PG");
	if (pg && pg[0]) {
		g_url = pg;
		g_is_pg = true;
		failed += cmocka_run_group_tests_name("store on postgres", engine_tests, NULL, NULL);
		failed += cmocka_run_group_tests_name("store, postgres only", pg_tests, NULL, NULL);
	} else {
		printf("store on postgres: SKIPPED, LIFELONG_TEST_PG is not set "
		       "(run under scripts/pg-test.sh run)\n");
	}
	return failed ? 1 : 0;
}
