/*
 * The PostgreSQL engine over libpq: one session per pooled connection, READ COMMITTED
 * transactions, statements prepared once per connection under generated names and run with
 * text results, SQLSTATE mapped to our errors, and bulk insert through COPY. It must never be
 * used by two threads at once (the pool in store.c hands each connection to one transaction at
 * a time), and it must never put the connection URL or its password into a message.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/log.h"
#include "store_impl.h"

/* Fixed type OIDs from the server's catalog (pg_type.dat); libpq ships no header for them. */
#define PG_BOOL_OID 16
#define PG_BYTEA_OID 17

#define PG_COPY_CHUNK (64 * 1024)
#define PG_STATEMENT_NAME_MAX 24

/* What the statement cache's handle points to for this engine. */
struct pg_stmt {
	int n_params;                      /* as the server counts them, which may be fewer than given */
	char name[PG_STATEMENT_NAME_MAX];  /* "" for the unnamed statement */
};

struct store_conn {
	PGconn *pg;
	struct stmt_cache cache;
	unsigned next_stmt;      /* numbers the statements this session prepares; never reused */
	struct pg_stmt unnamed;  /* used when the cache is full */
	bool is_read_only;
};

/* Decoded BYTEA values of the current row, one buffer a column, reused from row to row of one
 * statement and freed when the statement is done. */
struct pg_blob {
	unsigned char *data;
	size_t len;
	size_t cap;
};
struct pg_scratch {
	struct pg_blob *cols;
	int n_cols;
};

static const char PG_SESSION_SETUP[] =
	"SET client_min_messages = warning; SET TimeZone = 'UTC'; SET bytea_output = 'hex'";
static const char PG_BEGIN[] = "BEGIN ISOLATION LEVEL READ COMMITTED";

/* Copies msg into out without the trailing newline libpq appends, with every occurrence of
 * secret (when not empty) replaced by "***". */
static void pg_message_copy(char *out, size_t out_size, const char *msg, const char *secret)
{
	size_t secret_len = secret ? strlen(secret) : 0;
	size_t n = 0;
	while (*msg && n + 1 < out_size) {
		if (secret_len && strncmp(msg, secret, secret_len) == 0) {
			for (const char *m = "***"; *m && n + 1 < out_size; m++)
				out[n++] = *m;
			msg += secret_len;
			continue;
		}
		out[n++] = *msg == '\n' || *msg == '\t' ? ' ' : *msg;
		msg++;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* Maps a failed result (res may be NULL) to our errors: a lost connection first, then SQLSTATE. */
static enum ll_err pg_fail(struct store_conn *c, const PGresult *res, const char *what)
{
	char msg[LL_MESSAGE_MAX];
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	pg_message_copy(msg, sizeof(msg), primary ? primary : PQerrorMessage(c->pg), NULL);
	if (PQstatus(c->pg) != CONNECTION_OK)
		return ll_fail(LL_STORE, NULL, "%s: connection to database lost: %s", what, msg);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state && strcmp(state, "23505") == 0)
		return ll_fail(LL_CONFLICT, NULL, "%s: %s", what, msg);
	if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
		return ll_fail(LL_STORE_BUSY, NULL, "%s: %s", what, msg);
	return ll_fail(LL_STORE, NULL, "%s: %s", what, msg);
}

/* Runs a command without parameters or rows. */
static enum ll_err pg_command(struct store_conn *c, const char *sql, const char *what)
{
	PGresult *res = PQexec(c->pg, sql);
	enum ll_err err = LL_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		err = pg_fail(c, res, what);
	PQclear(res);
	return err;
}

static void pg_notice(void *arg, const char *message)
{
	(void)arg;
	char msg[LL_MESSAGE_MAX];
	pg_message_copy(msg, sizeof(msg), message, NULL);
	log_warn("store", "postgres: %s", msg);
}

/* Forgets every prepared statement: the session that knew them is gone. */
static void pg_cache_clear(struct store_conn *c)
{
	for (int i = 0; i < STMT_CACHE_SLOTS; i++) {
		struct stmt_cache_slot *s = &c->cache.slots[i];
		free(s->sql);
		free(s->handle);
		s->sql = NULL;
		s->handle = NULL;
	}
	c->cache.count = 0;
}

/* Settings every session starts with: UTC, quiet notices, hex BYTEA (which pg_rows decodes). */
static enum ll_err pg_session_setup(struct store_conn *c)
{
	PQsetNoticeProcessor(c->pg, pg_notice, NULL);
	enum ll_err err = pg_command(c, PG_SESSION_SETUP, "cannot set up database session");
	if (err == LL_OK && c->is_read_only)
		err = pg_command(c, "SET default_transaction_read_only = on", "cannot set up database session");
	return err;
}

static void pg_close(struct store_conn *c)
{
	if (!c)
		return;
	pg_cache_clear(c);
	PQfinish(c->pg);
	free(c);
}

static enum ll_err pg_open(const char *target, const struct store_options *opt, struct store_conn **ret)
{
	enum ll_err err = LL_OK;
	char *parse_msg = NULL;
	char *secret = NULL;
	struct store_conn *c = NULL;
	/* Parse first: libpq's own parse errors may quote the malformed part, password included, so
	 * they are not passed on. The password is kept only to scrub it from later messages. */
	PQconninfoOption *info = PQconninfoParse(target, &parse_msg);
	if (!info) {
		err = parse_msg ? ll_fail(LL_CONFIG, "db", "database URL is not a valid PostgreSQL URL")
				: ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	bool is_oom = false;
	for (const PQconninfoOption *o = info; o->keyword; o++) {
		if (strcmp(o->keyword, "password") == 0 && o->val && o->val[0]) {
			secret = strdup(o->val);
			is_oom = !secret;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c || is_oom) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	c->pg = PQconnectdb(target);
	if (!c->pg) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		char msg[LL_MESSAGE_MAX];
		pg_message_copy(msg, sizeof(msg), PQerrorMessage(c->pg), secret);
		err = ll_fail(LL_STORE, "db", "cannot connect to database: %s", msg);
		goto out;
	}
	c->is_read_only = opt->is_read_only;
	err = pg_session_setup(c);
	if (err != LL_OK)
		goto out;
	*ret = c;
	c = NULL;
out:
	pg_close(c);
	free(secret);
	PQconninfoFree(info);
	PQfreemem(parse_msg);
	return err;
}

/* Opens a new session on the same connection settings; cached statements are forgotten. */
static enum ll_err pg_reset(struct store_conn *c)
{
	pg_cache_clear(c);
	PQreset(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK)
		return pg_fail(c, NULL, "cannot reconnect to database");
	return pg_session_setup(c);
}

static enum ll_err pg_begin(struct store_conn *c, enum store_mode mode)
{
	(void)mode; /* both modes are READ COMMITTED; row locks order concurrent writers */
	enum ll_err err = pg_command(c, PG_BEGIN, "cannot begin transaction");
	if (err == LL_STORE && PQstatus(c->pg) != CONNECTION_OK) {
		/* An idle pooled session dies with a server restart or an idle timeout. Nothing has
		 * happened in this transaction yet, so one reconnect loses nothing. */
		err = pg_reset(c);
		if (err == LL_OK)
			err = pg_command(c, PG_BEGIN, "cannot begin transaction");
	}
	return err;
}

static enum ll_err pg_commit(struct store_conn *c)
{
	PGresult *res = PQexec(c->pg, "COMMIT");
	enum ll_err err = LL_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		err = pg_fail(c, res, "cannot commit transaction");
	else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		/* COMMIT of a transaction that an earlier error aborted rolls back and still succeeds:
		 * the caller swallowed that error, and must not be told its writes were kept. */
		err = ll_fail(LL_STORE, NULL, "cannot commit transaction: an earlier statement failed, "
			      "so it was rolled back");
	PQclear(res);
	return err;
}

static void pg_rollback(struct store_conn *c)
{
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		PQclear(PQexec(c->pg, "ROLLBACK"));
}

/* Finds sql among this session's prepared statements, or prepares it (under a new name when
 * the cache has room, as the unnamed statement when not). The result is owned by c. */
static enum ll_err pg_prepare(struct store_conn *c, const char *sql, const struct pg_stmt **ret)
{
	enum ll_err err = LL_OK;
	struct stmt_cache_slot *slot = stmt_cache_find(&c->cache, sql);
	if (slot && slot->sql) {
		*ret = slot->handle;
		return LL_OK;
	}
	char *sql_copy = NULL;
	struct pg_stmt *s = &c->unnamed;
	PGresult *res = NULL;
	if (slot) {
		sql_copy = strdup(sql);
		s = calloc(1, sizeof(*s));
		if (!sql_copy || !s) {
			err = ll_fail(LL_NOMEM, NULL, NULL);
			goto out;
		}
		snprintf(s->name, sizeof(s->name), "ll_%u", c->next_stmt++);
	} else {
		s->name[0] = '\0';
	}
	res = PQprepare(c->pg, s->name, sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		err = pg_fail(c, res, "cannot prepare statement");
		goto out;
	}
	PQclear(res);
	/* Ask how many parameters the statement takes: callers may pass more values than it uses,
	 * which SQLite ignores and PostgreSQL would refuse. */
	res = PQdescribePrepared(c->pg, s->name);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		err = pg_fail(c, res, "cannot describe statement");
		goto out;
	}
	s->n_params = PQnparams(res);
	if (slot) {
		slot->sql = sql_copy;
		slot->handle = s;
		c->cache.count++;
		sql_copy = NULL;
	}
	*ret = s;
	s = NULL;
out:
	PQclear(res);
	free(sql_copy);
	if (s != &c->unnamed)
		free(s);
	return err;
}

/* Parameter arrays for PQexecPrepared, in one allocation. */
struct pg_params {
	const char **values;
	int *lengths;
	int *formats;
	char (*numbers)[24];
};

static enum ll_err pg_params_fill(struct pg_params *p, const struct store_val *params, int n)
{
	p->values = NULL;
	if (n == 0)
		return LL_OK;
	size_t each = sizeof(*p->values) + sizeof(*p->lengths) + sizeof(*p->formats) + sizeof(*p->numbers);
	char *mem = calloc((size_t)n, each);
	if (!mem)
		return ll_fail(LL_NOMEM, NULL, NULL);
	/* Largest alignment first: pointers, then ints, then chars. */
	p->values = (const char **)(void *)mem;
	p->lengths = (int *)(void *)(mem + (size_t)n * sizeof(*p->values));
	p->formats = p->lengths + n;
	p->numbers = (char (*)[24])(void *)(p->formats + n);
	for (int i = 0; i < n; i++) {
		const struct store_val *v = &params[i];
		switch (v->type) {
		case STORE_TEXT:
			p->values[i] = v->text; /* NULL text is SQL NULL, as in SQLite */
			break;
		case STORE_I64:
			snprintf(p->numbers[i], sizeof(p->numbers[i]), "%lld", (long long)v->i64);
			p->values[i] = p->numbers[i];
			break;
		case STORE_BLOB:
			if (v->len > (size_t)0x3fffffff) {
				free(mem);
				p->values = NULL;
				return ll_fail(LL_INTERNAL, NULL, "parameter %d: blob of %zu bytes is too large", i + 1,
					       v->len);
			}
			/* libpq needs a pointer even for an empty blob; the length says there is nothing. */
			p->values[i] = v->blob ? v->blob : "";
			p->lengths[i] = (int)v->len;
			p->formats[i] = 1;
			break;
		default:
			p->values[i] = NULL;
			break;
		}
	}
	return LL_OK;
}

static enum ll_err pg_hex_decode(struct pg_blob *b, const char *hex, size_t hex_len)
{
	if (hex_len < 2 || hex[0] != '\\' || hex[1] != 'x' || hex_len % 2 != 0)
		return ll_fail(LL_STORE, NULL, "BYTEA value is not in hex form");
	size_t len = (hex_len - 2) / 2;
	if (len + 1 > b->cap) {
		unsigned char *p = realloc(b->data, len + 1);
		if (!p)
			return ll_fail(LL_NOMEM, NULL, NULL);
		b->data = p;
		b->cap = len + 1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = hex[2 + 2 * i + (size_t)k];
			unsigned d;
			if (ch >= '0' && ch <= '9')
				d = (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				d = (unsigned)(ch - 'a' + 10);
			else if (ch >= 'A' && ch <= 'F')
				d = (unsigned)(ch - 'A' + 10);
			else
				return ll_fail(LL_STORE, NULL, "BYTEA value has a bad hex digit");
			v = v << 4 | d;
		}
		b->data[i] = (unsigned char)v;
	}
	b->len = len;
	return LL_OK;
}

/* Decodes the BYTEA columns of row r before the callback sees it, so that a failure is an
 * error of the statement rather than a silently empty value. */
static enum ll_err pg_scratch_fill(struct pg_scratch *s, const PGresult *res, int r)
{
	for (int i = 0; i < s->n_cols; i++) {
		if (PQftype(res, i) != PG_BYTEA_OID || PQgetisnull(res, r, i))
			continue;
		enum ll_err err = pg_hex_decode(&s->cols[i], PQgetvalue(res, r, i), (size_t)PQgetlength(res, r, i));
		if (err != LL_OK)
			return err;
	}
	return LL_OK;
}

static void pg_scratch_release(struct pg_scratch *s)
{
	for (int i = 0; s->cols && i < s->n_cols; i++)
		free(s->cols[i].data);
	free(s->cols);
	s->cols = NULL;
}

static const struct store_row_ops pg_row_ops;

/* Hands each row of res to on_row. */
static enum ll_err pg_rows(const PGresult *res, store_row_fn on_row, void *ctx)
{
	enum ll_err err = LL_OK;
	struct pg_scratch scratch = { .n_cols = PQnfields(res) };
	for (int i = 0; i < scratch.n_cols && !scratch.cols; i++) {
		if (PQftype(res, i) == PG_BYTEA_OID) {
			scratch.cols = calloc((size_t)scratch.n_cols, sizeof(*scratch.cols));
			if (!scratch.cols) {
				err = ll_fail(LL_NOMEM, NULL, NULL);
				goto out;
			}
		}
	}
	struct store_row row = { .ops = &pg_row_ops, .impl = (void *)res, .scratch = &scratch };
	int n_rows = PQntuples(res);
	for (int r = 0; r < n_rows; r++) {
		if (scratch.cols) {
			err = pg_scratch_fill(&scratch, res, r);
			if (err != LL_OK)
				goto out;
		}
		row.index = r;
		err = on_row(&row, ctx);
		if (err != LL_OK)
			goto out;
	}
out:
	pg_scratch_release(&scratch);
	return err;
}

static bool pg_is_change(const char *tag)
{
	static const char *const verbs[] = { "INSERT ", "UPDATE ", "DELETE ", "MERGE " };
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncmp(tag, verbs[i], strlen(verbs[i])) == 0)
			return true;
	return false;
}

static enum ll_err pg_exec(struct store_conn *c, const struct store_stmt *stmt, const struct store_val *params,
			   int n_params, store_row_fn on_row, void *ctx, int64_t *ret_changes)
{
	const struct pg_stmt *s = NULL;
	struct pg_params p = { 0 };
	PGresult *res = NULL;
	enum ll_err err = pg_prepare(c, stmt->sql, &s);
	if (err != LL_OK)
		goto out;
	if (s->n_params > n_params) {
		err = ll_fail(LL_INTERNAL, NULL, "%s: statement parameter $%d has no value", stmt->name,
			      n_params + 1);
		goto out;
	}
	err = pg_params_fill(&p, params, s->n_params);
	if (err != LL_OK)
		goto out;
	res = PQexecPrepared(c->pg, s->name, s->n_params, p.values, p.lengths, p.formats, 0);
	ExecStatusType status = PQresultStatus(res);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		err = pg_fail(c, res, stmt->name);
		goto out;
	}
	if (status == PGRES_TUPLES_OK && on_row) {
		err = pg_rows(res, on_row, ctx);
		if (err != LL_OK)
			goto out;
	}
	/* Like SQLite's changes counter, only writes move it; a SELECT leaves it as it was. */
	if (pg_is_change(PQcmdStatus(res)))
		*ret_changes = strtoll(PQcmdTuples(res), NULL, 10);
out:
	PQclear(res);
	free(p.values);
	return err;
}

static enum ll_err pg_exec_script(struct store_conn *c, const char *sql)
{
	PGresult *res = PQexec(c->pg, sql);
	ExecStatusType status = PQresultStatus(res);
	enum ll_err err = LL_OK;
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
		const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		char msg[LL_MESSAGE_MAX];
		pg_message_copy(msg, sizeof(msg), primary ? primary : PQerrorMessage(c->pg), NULL);
		err = ll_fail(LL_MIGRATION, NULL, "script failed: %s", msg);
	}
	PQclear(res);
	return err;
}

/* Appends one value in COPY's text format. */
static void pg_copy_value(struct buf *b, const struct store_val *v)
{
	static const char hex[] = "0123456789abcdef";
	switch (v->type) {
	case STORE_TEXT:
		if (!v->text) {
			buf_puts(b, "\\N");
			break;
		}
		for (const char *t = v->text; *t;) {
			size_t plain = strcspn(t, "\\\t\n\r");
			buf_append(b, t, plain);
			t += plain;
			if (!*t)
				break;
			buf_putc(b, '\\');
			buf_putc(b, *t == '\\' ? '\\' : *t == '\t' ? 't' : *t == '\n' ? 'n' : 'r');
			t++;
		}
		break;
	case STORE_I64:
		buf_printf(b, "%lld", (long long)v->i64);
		break;
	case STORE_BLOB:
		/* BYTEA's hex input "\x..." with its backslash escaped for COPY. */
		buf_puts(b, "\\\\x");
		for (size_t i = 0; i < v->len; i++) {
			unsigned char ch = ((const unsigned char *)v->blob)[i];
			char pair[2] = { hex[ch >> 4], hex[ch & 15] };
			buf_append(b, pair, 2);
		}
		break;
	default:
		buf_puts(b, "\\N");
		break;
	}
}

static enum ll_err pg_bulk_insert(struct store_conn *c, const char *table, const char *const *cols, int n_cols,
				  store_next_row_fn next_row, void *ctx, int64_t *ret_rows)
{
	enum ll_err err = LL_OK;
	struct buf b;
	buf_init(&b);
	struct store_val *vals = calloc((size_t)n_cols, sizeof(*vals));
	int64_t rows = 0;
	PGresult *res = NULL;
	buf_printf(&b, "COPY %s (", table);
	for (int i = 0; i < n_cols; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", cols[i]);
	buf_puts(&b, ") FROM STDIN");
	if (b.is_oom || !vals) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	res = PQexec(c->pg, b.data);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		err = pg_fail(c, res, "bulk insert");
		goto out;
	}
	PQclear(res);
	res = NULL;

	/* From here the session is in COPY: whatever happens, end it and read its results. */
	const char *abort_msg = NULL;
	buf_reset(&b);
	for (;;) {
		memset(vals, 0, sizeof(*vals) * (size_t)n_cols);
		bool has_row = next_row(vals, ctx);
		if (has_row) {
			for (int i = 0; i < n_cols; i++) {
				if (i)
					buf_putc(&b, '\t');
				pg_copy_value(&b, &vals[i]);
			}
			buf_putc(&b, '\n');
			rows++;
		}
		if (b.is_oom) {
			err = ll_fail(LL_NOMEM, NULL, NULL);
			abort_msg = "out of memory";
			break;
		}
		if (b.len > 0 && (b.len >= PG_COPY_CHUNK || !has_row)) {
			if (PQputCopyData(c->pg, b.data, (int)b.len) != 1) {
				err = pg_fail(c, NULL, "bulk insert");
				abort_msg = "send failed";
				break;
			}
			buf_reset(&b);
		}
		if (!has_row)
			break;
	}
	if (PQputCopyEnd(c->pg, abort_msg) != 1 && err == LL_OK)
		err = pg_fail(c, NULL, "bulk insert");
	while ((res = PQgetResult(c->pg))) {
		ExecStatusType status = PQresultStatus(res);
		if (status != PGRES_COMMAND_OK && err == LL_OK)
			err = pg_fail(c, res, "bulk insert");
		PQclear(res);
		res = NULL;
		if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH)
			break; /* the session is past saving; store.c replaces it on LL_STORE */
	}
	if (err == LL_OK)
		*ret_rows = rows;
out:
	PQclear(res);
	free(vals);
	buf_release(&b);
	return err;
}

static enum ll_err pg_indexes_suspend(struct store_conn *c, const char *table, char **ret_restore)
{
	/* Indexes that back a constraint (primary key, unique) stay; the others are dropped, and
	 * their definitions kept to rebuild them. Only an empty table: a large one costs more to
	 * re-index than the load saves. */
	static const char list_sql[] =
		"SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
		"AND i.tablename = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname) "
		"AND NOT EXISTS (SELECT 1 FROM \"%s\" LIMIT 1) ORDER BY i.indexname";
	struct buf query, drop, restore;
	buf_init(&query);
	buf_init(&drop);
	buf_init(&restore);
	PGresult *res = NULL;
	enum ll_err err = LL_OK;
	*ret_restore = NULL;
	buf_printf(&query, list_sql, table);
	if (query.is_oom) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	const char *values[1] = { table };
	res = PQexecParams(c->pg, query.data, 1, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		err = pg_fail(c, res, "index suspend");
		goto out;
	}
	for (int r = 0; r < PQntuples(res); r++) {
		buf_printf(&drop, "DROP INDEX \"%s\";", PQgetvalue(res, r, 0));
		buf_printf(&restore, "%s;", PQgetvalue(res, r, 1));
	}
	if (drop.is_oom || restore.is_oom) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	if (drop.len == 0)
		goto out;
	err = pg_command(c, drop.data, "index suspend");
	if (err != LL_OK)
		goto out;
	*ret_restore = buf_steal(&restore, NULL);
	if (!*ret_restore)
		err = ll_fail(LL_NOMEM, NULL, NULL); /* the transaction rolls back and the indexes stay */
out:
	PQclear(res);
	buf_release(&query);
	buf_release(&drop);
	buf_release(&restore);
	return err;
}

static int pg_row_columns(const struct store_row *row)
{
	return PQnfields(row->impl);
}

static bool pg_row_is_null(const struct store_row *row, int col)
{
	return PQgetisnull(row->impl, row->index, col);
}

static const char *pg_row_text(const struct store_row *row, int col)
{
	if (PQgetisnull(row->impl, row->index, col))
		return NULL; /* as sqlite3_column_text does */
	return PQgetvalue(row->impl, row->index, col);
}

static int64_t pg_row_i64(const struct store_row *row, int col)
{
	const char *v = PQgetvalue(row->impl, row->index, col);
	/* A comparison selected as a column is an integer in SQLite and a boolean here. */
	if (PQftype(row->impl, col) == PG_BOOL_OID)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static const void *pg_row_blob(const struct store_row *row, int col, size_t *ret_len)
{
	const struct pg_scratch *s = row->scratch;
	if (PQgetisnull(row->impl, row->index, col)) {
		*ret_len = 0;
		return NULL;
	}
	if (PQftype(row->impl, col) == PG_BYTEA_OID && s->cols) {
		*ret_len = s->cols[col].len;
		return s->cols[col].data;
	}
	*ret_len = (size_t)PQgetlength(row->impl, row->index, col);
	return PQgetvalue(row->impl, row->index, col);
}

static const struct store_row_ops pg_row_ops = {
	.columns = pg_row_columns,
	.is_null = pg_row_is_null,
	.text = pg_row_text,
	.i64 = pg_row_i64,
	.blob = pg_row_blob,
};

const struct store_engine_ops store_postgres_ops = {
	.name = "postgres",
	.conn_open = pg_open,
	.conn_close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.exec = pg_exec,
	.exec_script = pg_exec_script,
	.bulk_insert = pg_bulk_insert,
	.indexes_suspend = pg_indexes_suspend,
};
