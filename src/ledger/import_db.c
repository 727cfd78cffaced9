/*
 * Import jobs: an uploaded outcome file kept in the database, read by a worker in batches that
 * each commit their rows, their errors and the job's checkpoint together. Exactly once: a batch's
 * checkpoint update names the worker and the checkpoint it started from, so a batch that lost its
 * job to another worker rolls back; a worker that resumes skips every line up to the checkpoint.
 * A job's rows go through the same checks as a single deposit (the entry standard of their kind,
 * the account, the depositor's external id) and become submissions and ledger entries the same
 * way.
 */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../audit/audit.h"
#include "../auth/roles.h"
#include "../base/clock.h"
#include "../base/grow.h"
#include "../base/id.h"
#include "../base/log.h"
#include "../base/strmap.h"
#include "../org/org.h"
#include "ledger_db.h"

#define CHUNK_BYTES (1 << 20)
#define LEASE_US (60LL * 1000000)
/* A job keeps at most this many rejected rows in memory while validating (all-or-nothing). */
#define VALIDATION_ERRORS_MAX 100000

/* ---- Statements ---- */

static const struct store_stmt JOB_INSERT = {
	"import job insert",
	"INSERT INTO import_jobs (id, institution_id, created_by, filename, format, mode, status, total_bytes, "
	"created_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8)"
};
static const struct store_stmt CHUNK_INSERT = {
	"import chunk insert", "INSERT INTO import_chunks (job_id, seq, data) VALUES ($1, $2, $3)"
};
static const struct store_stmt CHUNKS = {
	"import chunks", "SELECT data FROM import_chunks WHERE job_id = $1 ORDER BY seq"
};
#define JOB_COLS                                                                                          \
	"j.id, j.institution_id, j.created_by, j.filename, j.format, j.mode, j.status, j.total_bytes, "   \
	"j.bytes_done, j.checkpoint_line, j.rows_read, j.rows_stored, j.rows_pending, j.rows_existing, "  \
	"j.rows_rejected, j.error, j.worker, j.lease_until, j.created_at, j.started_at, j.finished_at, "  \
	"j.run_started_at, j.run_rows, i.name"
#define JOB_FROM " FROM import_jobs j JOIN institutions i ON i.id = j.institution_id"
static const struct store_stmt JOB_BY_ID = { "import job", "SELECT " JOB_COLS JOB_FROM " WHERE j.id = $1" };
static const struct store_stmt JOB_LIST = {
	"import job list",
	"SELECT " JOB_COLS JOB_FROM " WHERE ($1 = '' OR j.institution_id = $1) ORDER BY j.created_at DESC LIMIT $2"
};
/* Taking a job: the worker ($w), its lease ($lease), the time ($now); a queued job starts with
 * validation (all-or-nothing) or writing. */
#define CLAIM_SET(w, lease, now)                                                                                 \
	"UPDATE import_jobs SET worker = " w ", lease_until = " lease ", run_started_at = " now ", run_rows = rows_read, " \
	"started_at = COALESCE(started_at, " now "), status = CASE WHEN status = 'queued' THEN "                   \
	"(CASE WHEN mode = 'all_or_nothing' THEN 'validating' ELSE 'writing' END) ELSE status END "
static const struct store_stmt JOB_CLAIM_ONE = {
	"import job claim one",
	CLAIM_SET("$2", "$3", "$4")
	"WHERE id = $1 AND status IN ('queued', 'validating', 'writing') AND (worker IS NULL OR lease_until < $4 OR worker = $2) "
	"RETURNING id"
};
static const struct store_stmt JOB_CLAIM_NEXT = {
	"import job claim next",
	CLAIM_SET("$1", "$2", "$3")
	"WHERE id = (SELECT id FROM import_jobs WHERE status IN ('queued', 'validating', 'writing') "
	"AND (worker IS NULL OR lease_until < $3) ORDER BY created_at LIMIT 1) RETURNING id"
};
static const struct store_stmt JOB_WORKERS = {
	"import job workers",
	"SELECT id, worker FROM import_jobs WHERE status IN ('validating', 'writing') AND worker LIKE $1"
};
static const struct store_stmt JOB_EXPIRE = {
	"import job expire lease", "UPDATE import_jobs SET lease_until = 0 WHERE id = $1 AND worker = $2"
};
static const struct store_stmt JOB_RELEASE = {
	"import job release", "UPDATE import_jobs SET worker = NULL, lease_until = NULL WHERE id = $1 AND worker = $2"
};
/* A batch's commit: the guard (worker and checkpoint) makes it count once. */
static const struct store_stmt JOB_ADVANCE = {
	"import job advance",
	"UPDATE import_jobs SET checkpoint_line = $4, bytes_done = $5, rows_read = rows_read + $6, "
	"rows_stored = rows_stored + $7, rows_pending = rows_pending + $8, rows_existing = rows_existing + $9, "
	"rows_rejected = rows_rejected + $10, lease_until = $11 "
	"WHERE id = $1 AND worker = $2 AND checkpoint_line = $3"
};
static const struct store_stmt JOB_VALIDATING = {
	"import job validating progress",
	"UPDATE import_jobs SET bytes_done = $3, rows_read = $4, lease_until = $5 WHERE id = $1 AND worker = $2"
};
static const struct store_stmt JOB_TO_WRITING = {
	"import job to writing",
	"UPDATE import_jobs SET status = 'writing', checkpoint_line = 0, bytes_done = 0, rows_read = 0, run_rows = 0 "
	"WHERE id = $1 AND worker = $2 AND status = 'validating'"
};
static const struct store_stmt JOB_FINISH = {
	"import job finish",
	"UPDATE import_jobs SET status = $3, error = $4, finished_at = $5, worker = NULL, lease_until = NULL, "
	"bytes_done = CASE WHEN $3 = 'done' THEN total_bytes ELSE bytes_done END, "
	"rows_read = CASE WHEN $3 = 'rejected' THEN $6 ELSE rows_read END, "
	"rows_rejected = CASE WHEN $3 = 'rejected' THEN $7 ELSE rows_rejected END "
	"WHERE id = $1 AND worker = $2"
};
static const struct store_stmt ERROR_INSERT = {
	"import error insert",
	"INSERT INTO import_errors (job_id, line, field, code, message) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
};
static const struct store_stmt ERRORS_PAGE = {
	"import errors page",
	"SELECT line, field, code, message FROM import_errors WHERE job_id = $1 AND line > $2 ORDER BY line LIMIT $3"
};
static const struct store_stmt ACCOUNT = {
	"import account", "SELECT id FROM persons WHERE account_no = $1"
};
static const struct store_stmt INSTITUTION_TYPE = {
	"import institution type", "SELECT type FROM institutions WHERE id = $1"
};

static const char *const submission_cols[] = {
	"id", "op", "person_id", "institution_id", "outcome_id", "kind", "title", "code", "level", "credits_milli",
	"hours_milli", "result_kind", "result", "started_on", "awarded_on", "certificate_no", "evidence_id",
	"external_id", "standard_version", "status", "submitted_by", "submitted_at", "decided_at", "entry_id"
};
#define SUBMISSION_N_COLS 24

/* ---- Creating jobs ---- */

struct create_ctx {
	const struct ledger_caller *c;
	const struct import_job_in *in;
	const struct audit_actor *actor;
	const char *id;
};

static enum ll_err exists_row(const struct store_row *row, void *ctx)
{
	(void)row;
	*(bool *)ctx = true;
	return LL_OK;
}

static enum ll_err create_txn(struct ll_tx *tx, void *ctx)
{
	static const struct store_stmt INSTITUTION_EXISTS = {
		"import institution exists", "SELECT 1 FROM institutions WHERE id = $1"
	};
	struct create_ctx *x = ctx;
	const struct import_job_in *in = x->in;
	bool is_found = false;
	enum ll_err err = store_exec(tx, &INSTITUTION_EXISTS, SP(SV_TEXT(x->c->institution_id)), exists_row, &is_found);
	if (err != LL_OK)
		return err;
	if (!is_found)
		return ll_fail(LL_UNKNOWN_INSTITUTION, "institution_id", "no institution has this id");
	err = store_exec(tx, &JOB_INSERT,
				     SP(SV_TEXT(x->id), SV_TEXT(x->c->institution_id), SV_TEXT(x->c->user_id),
					SV_TEXT(in->filename), SV_TEXT(in->format == CSV_FORMAT_JSONL ? "jsonl" : "csv"),
					SV_TEXT(import_modes[in->mode]), SV_I64((int64_t)in->len), SV_I64(clock_now_us())),
				     NULL, NULL);
	/* Each chunk deflated (zlib, fastest level): text files shrink several times, and the file
	 * is written once more than its rows. */
	uLongf bound = compressBound(CHUNK_BYTES);
	unsigned char *packed = malloc(bound);
	if (!packed)
		return LL_NOMEM;
	for (size_t off = 0, seq = 0; err == LL_OK && off < in->len; off += CHUNK_BYTES, seq++) {
		size_t n = in->len - off < CHUNK_BYTES ? in->len - off : CHUNK_BYTES;
		uLongf packed_len = bound;
		if (compress2(packed, &packed_len, (const Bytef *)in->data + off, (uLong)n, 1) != Z_OK) {
			err = ll_fail(LL_INTERNAL, NULL, "cannot compress an import file");
			break;
		}
		err = store_exec(tx, &CHUNK_INSERT, SP(SV_TEXT(x->id), SV_I64((int64_t)seq), SV_BLOB(packed, packed_len)),
				 NULL, NULL);
	}
	free(packed);
	if (err != LL_OK)
		return err;
	return audit_write(tx, x->actor, "import.create", "import_job", x->id, in->filename);
}

enum ll_err import_job_create(struct ll_store *st, const struct ledger_caller *c, const struct import_job_in *in,
			      const struct audit_actor *actor, struct arena *a, const char **ret_id)
{
	if (!(c->role & (ROLE_STAFF | ROLE_INSTITUTION_ADMIN)) || !c->institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "outcomes are imported by the staff of an institution");
	if (in->len == 0)
		return ll_fail(LL_MISSING_FIELD, "file", "the file is empty");
	if (in->len > IMPORT_MAX_BYTES)
		return ll_fail(LL_BODY_TOO_LARGE, "file", "an import file is at most %d MiB", IMPORT_MAX_BYTES >> 20);
	ll_id id;
	id_new(&id);
	struct create_ctx x = { .c = c, .in = in, .actor = actor, .id = id.s };
	enum ll_err err = store_run(st, STORE_WRITE, "import job create", create_txn, &x);
	if (err == LL_OK)
		*ret_id = arena_strdup(a, id.s);
	return err;
}

/* ---- Reading jobs ---- */

struct job {
	const char *id, *institution_id, *created_by, *filename, *format, *mode, *status, *error, *worker;
	const char *institution_name;
	int64_t total_bytes, bytes_done, checkpoint_line;
	int64_t rows_read, rows_stored, rows_pending, rows_existing, rows_rejected;
	int64_t lease_until, created_at, started_at, finished_at, run_started_at, run_rows;
};

struct job_rows {
	struct arena *a;
	struct job one;
	bool is_found;
	json_t *items;
};

static json_t *job_json(const struct job *j)
{
	json_t *o = json_object();
	json_set_str(o, "id", j->id);
	json_object_set_new(o, "institution", json_pack("{s:s?, s:s?}", "id", j->institution_id, "name", j->institution_name));
	json_set_str(o, "filename", j->filename);
	json_set_str(o, "format", j->format);
	json_set_str(o, "mode", j->mode);
	json_set_str(o, "status", j->status);
	json_set_str(o, "error", j->error);
	json_object_set_new(o, "total_bytes", json_integer(j->total_bytes));
	json_object_set_new(o, "bytes_done", json_integer(j->bytes_done));
	bool is_over = strcmp(j->status, "done") == 0 || strcmp(j->status, "rejected") == 0;
	int pct = is_over ? 100 : j->total_bytes > 0 ? (int)(j->bytes_done * 100 / j->total_bytes) : 0;
	json_object_set_new(o, "percent", json_integer(pct > 100 ? 100 : pct));
	static const char *const counts[] = { "rows_read", "rows_stored", "rows_pending", "rows_existing", "rows_rejected" };
	const int64_t vals[] = { j->rows_read, j->rows_stored, j->rows_pending, j->rows_existing, j->rows_rejected };
	for (int i = 0; i < 5; i++)
		json_object_set_new(o, counts[i], json_integer(vals[i]));
	/* Rows per second of the current (or last) run, so that a resumed job does not count the
	 * time it spent waiting. */
	int64_t end = j->finished_at > 0 ? j->finished_at : clock_now_us();
	double secs = j->run_started_at > 0 ? (double)(end - j->run_started_at) / 1e6 : 0;
	int64_t rows = j->rows_read - (j->run_rows > 0 ? j->run_rows : 0);
	json_object_set_new(o, "rows_per_s", json_integer(secs > 0.05 ? (int64_t)((double)rows / secs) : 0));
	json_set_time(o, "created_at", j->created_at);
	json_set_time(o, "started_at", j->started_at);
	json_set_time(o, "finished_at", j->finished_at);
	return o;
}

static int64_t opt_i64(const struct store_row *row, int col)
{
	return store_row_is_null(row, col) ? 0 : store_row_i64(row, col);
}

static enum ll_err job_row(const struct store_row *row, void *ctx)
{
	struct job_rows *r = ctx;
	struct job *j = &r->one;
	struct arena *a = r->a;
	j->id = ledger_col_text(a, row, 0);
	j->institution_id = ledger_col_text(a, row, 1);
	j->created_by = ledger_col_text(a, row, 2);
	j->filename = ledger_col_text(a, row, 3);
	j->format = ledger_col_text(a, row, 4);
	j->mode = ledger_col_text(a, row, 5);
	j->status = ledger_col_text(a, row, 6);
	j->total_bytes = opt_i64(row, 7);
	j->bytes_done = opt_i64(row, 8);
	j->checkpoint_line = opt_i64(row, 9);
	j->rows_read = opt_i64(row, 10);
	j->rows_stored = opt_i64(row, 11);
	j->rows_pending = opt_i64(row, 12);
	j->rows_existing = opt_i64(row, 13);
	j->rows_rejected = opt_i64(row, 14);
	j->error = ledger_col_text(a, row, 15);
	j->worker = ledger_col_text(a, row, 16);
	j->lease_until = opt_i64(row, 17);
	j->created_at = opt_i64(row, 18);
	j->started_at = opt_i64(row, 19);
	j->finished_at = opt_i64(row, 20);
	j->run_started_at = opt_i64(row, 21);
	j->run_rows = opt_i64(row, 22);
	j->institution_name = ledger_col_text(a, row, 23);
	r->is_found = true;
	if (r->items)
		json_array_append_new(r->items, job_json(j));
	return LL_OK;
}

/* Only the importing institution and the credit bank's reviewers and administrators see a job. */
static bool may_see_job(const struct ledger_caller *c, const struct job *j)
{
	if (c->role & (ROLE_REVIEWER | ROLE_CITY_ADMIN | ROLE_AUDITOR))
		return true;
	return c->institution_id && strcmp(c->institution_id, j->institution_id) == 0;
}

struct job_get_ctx {
	const char *id;
	struct job_rows rows;
};

static enum ll_err job_get_txn(struct ll_tx *tx, void *ctx)
{
	struct job_get_ctx *g = ctx;
	g->rows.is_found = false;
	return store_exec(tx, &JOB_BY_ID, SP(SV_TEXT(g->id)), job_row, &g->rows);
}

static enum ll_err job_load(struct ll_store *st, const struct ledger_caller *c, const char *id, struct arena *a,
			    struct job *ret)
{
	struct job_get_ctx g = { .id = id, .rows = { .a = a } };
	enum ll_err err = store_run(st, STORE_READ, "import job", job_get_txn, &g);
	if (err != LL_OK)
		return err;
	if (!g.rows.is_found || (c && !may_see_job(c, &g.rows.one)))
		return ll_fail(LL_NOT_FOUND, NULL, "no import job has this id");
	*ret = g.rows.one;
	return LL_OK;
}

enum ll_err import_job_get(struct ll_store *st, const struct ledger_caller *c, const char *id, json_t **ret_obj)
{
	struct arena a;
	struct job j;
	arena_init(&a, 1 << 20);
	enum ll_err err = job_load(st, c, id, &a, &j);
	if (err == LL_OK)
		*ret_obj = job_json(&j);
	arena_release(&a);
	return err;
}

struct job_list_ctx {
	const char *institution_id;
	int limit;
	struct job_rows rows;
};

static enum ll_err job_list_txn(struct ll_tx *tx, void *ctx)
{
	struct job_list_ctx *l = ctx;
	json_array_clear(l->rows.items);
	return store_exec(tx, &JOB_LIST, SP(SV_TEXT(l->institution_id), SV_I64(l->limit)), job_row, &l->rows);
}

enum ll_err import_job_list(struct ll_store *st, const struct ledger_caller *c, int limit, json_t **ret_page)
{
	struct arena a;
	arena_init(&a, 8 << 20);
	bool is_all = (c->role & (ROLE_REVIEWER | ROLE_CITY_ADMIN | ROLE_AUDITOR)) != 0;
	struct job_list_ctx l = { .institution_id = is_all ? "" : c->institution_id ? c->institution_id : "-",
				  .limit = limit, .rows = { .a = &a, .items = json_array() } };
	enum ll_err err = store_run(st, STORE_READ, "import job list", job_list_txn, &l);
	if (err == LL_OK)
		*ret_page = json_pack("{s:o}", "items", l.rows.items);
	else
		json_decref(l.rows.items);
	arena_release(&a);
	return err;
}

struct errors_ctx {
	const char *id;
	int64_t after;
	int limit;
	json_t *items;
	struct buf *csv;
	size_t csv_start;
	int64_t last_line;
	int n;
};

static enum ll_err error_row(const struct store_row *row, void *ctx)
{
	struct errors_ctx *e = ctx;
	e->last_line = store_row_i64(row, 0);
	e->n++;
	const char *field = store_row_is_null(row, 1) ? NULL : store_row_text(row, 1);
	if (e->csv) {
		char line[24];
		snprintf(line, sizeof(line), "%lld", (long long)e->last_line);
		csv_write_field(e->csv, line, false);
		csv_write_field(e->csv, field, false);
		csv_write_field(e->csv, store_row_text(row, 2), false);
		csv_write_field(e->csv, store_row_text(row, 3), true);
		return LL_OK;
	}
	json_t *o = json_pack("{s:I, s:s?, s:s, s:s}", "line", (json_int_t)e->last_line, "field", field, "code",
			      store_row_text(row, 2), "message", store_row_text(row, 3));
	json_array_append_new(e->items, o);
	return LL_OK;
}

static enum ll_err errors_txn(struct ll_tx *tx, void *ctx)
{
	struct errors_ctx *e = ctx;
	e->n = 0;
	if (e->items)
		json_array_clear(e->items);
	if (e->csv)
		e->csv->len = e->csv_start;
	return store_exec(tx, &ERRORS_PAGE, SP(SV_TEXT(e->id), SV_I64(e->after), SV_I64(e->limit)), error_row, e);
}

enum ll_err import_job_errors(struct ll_store *st, const struct ledger_caller *c, const char *id, int64_t after_line,
			      int limit, json_t **ret_page)
{
	struct arena a;
	struct job j;
	arena_init(&a, 1 << 20);
	enum ll_err err = job_load(st, c, id, &a, &j);
	arena_release(&a);
	if (err != LL_OK)
		return err;
	struct errors_ctx e = { .id = id, .after = after_line, .limit = limit, .items = json_array() };
	err = store_run(st, STORE_READ, "import errors", errors_txn, &e);
	if (err != LL_OK) {
		json_decref(e.items);
		return err;
	}
	json_t *page = json_pack("{s:o}", "items", e.items);
	json_object_set_new(page, "next", e.n == limit ? json_sprintf("%lld", (long long)e.last_line) : json_null());
	*ret_page = page;
	return LL_OK;
}

enum ll_err import_job_errors_csv(struct ll_store *st, const struct ledger_caller *c, const char *id, bool is_english,
				  struct buf *out)
{
	struct arena a;
	struct job j;
	arena_init(&a, 1 << 20);
	enum ll_err err = job_load(st, c, id, &a, &j);
	arena_release(&a);
	if (err != LL_OK)
		return err;
	buf_puts(out, "\xEF\xBB\xBF");
	buf_puts(out, is_english ? "line,field,code,message\r\n" : "行号,字段,错误代码,说明\r\n");
	struct errors_ctx e = { .id = id, .after = 0, .limit = 1000000000, .csv = out, .csv_start = out->len };
	err = store_run(st, STORE_READ, "import errors report", errors_txn, &e);
	if (err == LL_OK && out->is_oom)
		err = LL_NOMEM;
	return err;
}

/* ---- Running jobs ---- */

/* One row of a batch: an outcome to check, or an error the reader or the row's parsing found. */
struct batch_item {
	int64_t line;
	bool is_error;
	struct outcome o;
	enum ll_err err;
	const char *field, *message;
};

struct rejected {
	int64_t line;
	const char *field, *code, *message;
};

struct runner {
	struct ll_store *st;
	const char *worker;
	const volatile int *stop;
	import_progress_fn progress;
	void *progress_ctx;
	struct job job;
	struct arena job_arena;            /* the job row, standards */
	bool is_dry;                       /* validating: check, write nothing */
	int type_index;
	bool has_standard[KIND_COUNT];
	struct entry_standard standards[KIND_COUNT];
	/* Lasting across batches. */
	struct strmap *accounts;           /* account_no -> index into person_ids */
	const char **person_ids;           /* strings in job_arena: they stay put as the array grows */
	size_t n_persons, cap_persons;
	struct strmap *externals;          /* external id -> content hash, rows committed by this run */
	struct ledger_heads *heads;        /* the chain heads this run's batches left */
	int64_t checkpoint_line;
	struct csv_reader *reader;
	/* The batch being gathered. */
	struct arena batch_arena;
	struct batch_item *items;
	size_t n_items, cap_items;
	int64_t last_line;
	/* Validation findings (all-or-nothing). */
	struct rejected *found;
	size_t n_found, cap_found;
	struct arena found_arena;
	uint64_t rows_seen;
	uint64_t counts[4];                /* stored, pending, existing, rejected: of this run */
	uint64_t next_refresh;             /* rows stored after which statistics are refreshed again */
	enum ll_err fatal;
	char fatal_message[256];
	bool is_taken_over;
};

/* What one attempt of a batch transaction produced; reset on every attempt. */
struct batch_out {
	struct runner *r;
	struct ledger_entry *entries;
	int n_entries;
	struct store_val *subs;            /* SUBMISSION_N_COLS per submission */
	int n_subs, next_sub;
	struct rejected *rejected;
	int n_rejected;
	struct strmap *seen;               /* external ids of this batch */
	struct strmap *stored_ids;         /* external id -> content hash of the deposit already stored */
	bool refresh_statistics;           /* after this batch, tell the engine the tables grew */
	int64_t stored, pending, existing;
};

static uint64_t content_hash(const struct outcome *o)
{
	crypto_generichash_state s;
	uint64_t h;
	crypto_generichash_init(&s, NULL, 0, sizeof(h));
	const char *texts[] = { o->person_id, outcome_kinds[o->kind], o->title, o->code, o->result, o->started_on,
				o->awarded_on, o->certificate_no };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *t = texts[i] ? texts[i] : "";
		crypto_generichash_update(&s, (const unsigned char *)t, strlen(t) + 1);
	}
	const int64_t nums[] = { o->level, o->credits_milli, o->hours_milli, o->result_kind };
	crypto_generichash_update(&s, (const unsigned char *)nums, sizeof(nums));
	crypto_generichash_final(&s, (unsigned char *)&h, sizeof(h));
	return h;
}

struct text_found {
	struct arena *a;
	const char *text;
	bool is_found;
};

static enum ll_err text_row(const struct store_row *row, void *ctx)
{
	struct text_found *t = ctx;
	t->text = arena_strdup(t->a, store_row_text(row, 0));
	t->is_found = true;
	return LL_OK;
}

/* The person of an account number, cached for the run. NULL when no account has it. */
static enum ll_err resolve_account(struct ll_tx *tx, struct runner *r, const char *account_no, const char **ret)
{
	int64_t at;
	if (strmap_get(r->accounts, account_no, &at) && at >= -1) {
		*ret = at < 0 ? NULL : r->person_ids[at];
		return LL_OK;
	}
	struct text_found t = { .a = &r->batch_arena };
	enum ll_err err = store_exec(tx, &ACCOUNT, SP(SV_TEXT(account_no)), text_row, &t);
	if (err != LL_OK)
		return err;
	if (!t.is_found) {
		*ret = NULL;
		return strmap_put(r->accounts, account_no, -1) ? LL_OK : LL_NOMEM;
	}
	if (!grow(&r->person_ids, &r->cap_persons, r->n_persons, sizeof(*r->person_ids), 1024))
		return LL_NOMEM;
	if (!(r->person_ids[r->n_persons] = arena_strdup(&r->job_arena, t.text)))
		return LL_NOMEM;
	if (!strmap_put(r->accounts, account_no, (int64_t)r->n_persons))
		return LL_NOMEM;
	*ret = r->person_ids[r->n_persons++];
	return LL_OK;
}

struct existing_ctx {
	struct outcome o;
	struct arena *a;
	bool is_found;
};

/* A submission's content from columns at (person_id, kind, ... evidence_id). */
static enum ll_err existing_row_at(const struct store_row *row, int at, struct existing_ctx *x)
{
	struct arena *a = x->a;
	outcome_init(&x->o);
	x->o.person_id = ledger_col_text(a, row, at);
	int kind = ledger_name_index(outcome_kinds, store_row_text(row, at + 1));
	x->o.kind = kind < 0 ? KIND_COUNT : (enum outcome_kind)kind;
	x->o.title = ledger_col_text(a, row, at + 2);
	x->o.code = ledger_col_text(a, row, at + 3);
	x->o.level = ledger_col_i64(row, at + 4);
	x->o.credits_milli = ledger_col_i64(row, at + 5);
	x->o.hours_milli = ledger_col_i64(row, at + 6);
	int rk = store_row_is_null(row, at + 7) ? 0 : ledger_name_index(result_kinds, store_row_text(row, at + 7));
	x->o.result_kind = (enum result_kind)(rk < 0 ? 0 : rk);
	x->o.result = ledger_col_text(a, row, at + 8);
	x->o.started_on = ledger_col_text(a, row, at + 9);
	x->o.awarded_on = ledger_col_text(a, row, at + 10);
	x->o.certificate_no = ledger_col_text(a, row, at + 11);
	x->o.evidence_id = ledger_col_text(a, row, at + 12);
	x->is_found = true;
	return LL_OK;
}

/* ---- Look-ups of a whole batch at once ---- */

struct prefetch {
	struct runner *r;
	struct batch_out *b;
};

static enum ll_err account_row(const struct store_row *row, void *ctx)
{
	struct runner *r = ctx;
	if (!grow(&r->person_ids, &r->cap_persons, r->n_persons, sizeof(*r->person_ids), 1024))
		return LL_NOMEM;
	if (!(r->person_ids[r->n_persons] = arena_strdup(&r->job_arena, store_row_text(row, 1))))
		return LL_NOMEM;
	return strmap_put(r->accounts, store_row_text(row, 0), (int64_t)r->n_persons++) ? LL_OK : LL_NOMEM;
}

static enum ll_err existing_batch_row(const struct store_row *row, void *ctx)
{
	struct prefetch *p = ctx;
	struct existing_ctx x = { .a = &p->r->batch_arena };
	enum ll_err err = existing_row_at(row, 1, &x);
	if (err != LL_OK)
		return err;
	/* Evidence makes a deposit that no row of a file can repeat. */
	int64_t h = x.o.evidence_id || x.o.kind == KIND_COUNT ? 0 : (int64_t)content_hash(&x.o);
	return strmap_put(p->b->stored_ids, store_row_text(row, 0), h) ? LL_OK : LL_NOMEM;
}

/* Resolves the batch's new account numbers and finds its external ids already deposited, a few
 * hundred to a statement. */
static enum ll_err batch_prefetch(struct ll_tx *tx, struct batch_out *b)
{
	struct runner *r = b->r;
	const char **accounts = malloc(sizeof(*accounts) * (r->n_items ? r->n_items : 1));
	const char **externals = malloc(sizeof(*externals) * (r->n_items ? r->n_items : 1));
	size_t n_accounts = 0, n_externals = 0;
	enum ll_err err = LL_NOMEM;
	strmap_clear(b->stored_ids);
	if (!accounts || !externals)
		goto out;
	for (size_t i = 0; i < r->n_items; i++) {
		const struct batch_item *it = &r->items[i];
		int64_t v;
		if (it->is_error)
			continue;
		/* -3: an earlier attempt of this batch failed before it knew. */
		if (!strmap_get(r->accounts, it->o.account_no, &v) || v == -3) {
			if (!strmap_put(r->accounts, it->o.account_no, -2))
				goto out;
			accounts[n_accounts++] = it->o.account_no;
		}
		if (it->o.external_id)
			externals[n_externals++] = it->o.external_id;
	}
	err = ledger_exec_in(tx, "import accounts", "SELECT account_no, id FROM persons WHERE account_no IN ", "", NULL, 0,
			     accounts, n_accounts, account_row, r);
	/* What the look-up did not find has no account: -1 from now on. */
	for (size_t i = 0; err == LL_OK && i < n_accounts; i++) {
		int64_t v;
		if (strmap_get(r->accounts, accounts[i], &v) && v == -2 && !strmap_put(r->accounts, accounts[i], -1))
			err = LL_NOMEM;
	}
	struct prefetch p = { .r = r, .b = b };
	struct store_val inst = SV_TEXT(r->job.institution_id);
	if (err == LL_OK)
		err = ledger_exec_in(tx, "import existing",
				     "SELECT external_id, person_id, kind, title, code, level, credits_milli, hours_milli, "
				     "result_kind, result, started_on, awarded_on, certificate_no, evidence_id FROM submissions "
				     "WHERE institution_id = $1 AND external_id IN ",
				     "", &inst, 1, externals, n_externals, existing_batch_row, &p);
out:
	if (err != LL_OK) {
		/* Forget the accounts this attempt was resolving, so that a retry asks again. */
		for (size_t i = 0; i < n_accounts; i++) {
			int64_t v;
			if (strmap_get(r->accounts, accounts[i], &v) && v == -2)
				strmap_put(r->accounts, accounts[i], -3);
		}
	}
	free(accounts);
	free(externals);
	return err;
}

/* "2500" thousandths as "2.5". */
static void milli_text(int64_t v, char out[32])
{
	int n = snprintf(out, 32, "%lld.%03lld", (long long)(v / 1000), (long long)(v % 1000));
	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

/* A standard's range failure restated in the file's columns and units (credits and hours as
 * decimals); any other failure as it is. */
static enum ll_err file_units(enum ll_err err, const struct entry_standard *std)
{
	const char *field = ll_error_get(err)->field;
	const struct int_range *range = strcmp(field, "credits_milli") == 0 ? &std->credits_milli
				      : strcmp(field, "hours_milli") == 0  ? &std->hours_milli
									   : NULL;
	if (err != LL_OUT_OF_RANGE || !range)
		return err;
	const char *column = range == &std->credits_milli ? "credits" : "hours";
	char lo[32], hi[32];
	milli_text(range->min, lo);
	milli_text(range->max, hi);
	return ll_fail(LL_OUT_OF_RANGE, column, "%s must be between %s and %s for this kind", column, lo, hi);
}

static void reject(struct batch_out *b, int64_t line, enum ll_err err)
{
	const struct ll_error *e = ll_error_get(err);
	struct rejected *x = &b->rejected[b->n_rejected++];
	/* The entry standard speaks of the API's fields; a file has credits and hours in units. */
	static const char *const file_names[][2] = { { "credits_milli", "credits" }, { "hours_milli", "hours" } };
	const char *field = e->field[0] ? e->field : NULL;
	for (size_t i = 0; field && i < sizeof(file_names) / sizeof(file_names[0]); i++)
		if (strcmp(field, file_names[i][0]) == 0)
			field = file_names[i][1];
	x->line = line;
	x->field = arena_strdup(&b->r->batch_arena, field);
	x->code = ll_err_code(err);
	x->message = arena_strdup(&b->r->batch_arena, e->message);
}

static bool next_submission(struct store_val *v, void *ctx)
{
	struct batch_out *b = ctx;
	if (b->next_sub >= b->n_subs)
		return false;
	memcpy(v, b->subs + (size_t)b->next_sub++ * SUBMISSION_N_COLS, SUBMISSION_N_COLS * sizeof(*v));
	return true;
}

/* Checks one row and, unless validating, adds its submission (and entry) to the batch. */
static enum ll_err batch_row(struct ll_tx *tx, struct batch_out *b, struct batch_item *it, int64_t now)
{
	struct runner *r = b->r;
	struct outcome o = it->o;
	const char *person;
	enum ll_err err = resolve_account(tx, r, o.account_no, &person);
	if (err != LL_OK)
		return err;
	if (!person) {
		reject(b, it->line, ll_fail(LL_UNKNOWN_ACCOUNT, "account_no", "no learning account has this number"));
		return LL_OK;
	}
	o.person_id = person;
	o.institution_id = r->job.institution_id;
	if (o.external_id) {
		uint64_t h = content_hash(&o);
		int64_t seen;
		if (strmap_get(b->seen, o.external_id, &seen) || strmap_get(r->externals, o.external_id, &seen)) {
			if ((uint64_t)seen == h)
				b->existing++;
			else
				reject(b, it->line, ll_fail(LL_DUPLICATE_EXTERNAL_ID, "external_id",
							    "this external id appears before with different content"));
			return LL_OK;
		}
		int64_t stored;
		if (strmap_get(b->stored_ids, o.external_id, &stored)) {
			bool is_same = (uint64_t)stored == h && stored != 0;
			if (is_same)
				b->existing++;
			else
				reject(b, it->line, ll_fail(LL_DUPLICATE_EXTERNAL_ID, "external_id",
							    "this external id was deposited before with different content"));
			return LL_OK;
		}
	}
	if (!r->has_standard[o.kind])
		return ll_fail(LL_INTERNAL, "kind", "no entry standard is published for %s", outcome_kinds[o.kind]);
	const struct entry_standard *std = &r->standards[o.kind];
	if ((err = standard_check(std, &o, r->type_index, now)) != LL_OK) {
		reject(b, it->line, file_units(err, std));
		return LL_OK;
	}
	/* Only a row that passed holds its external id: a rejected one may come again corrected. */
	if (o.external_id && !strmap_put(b->seen, o.external_id, (int64_t)content_hash(&o)))
		return LL_NOMEM;
	bool is_stored = !std->is_reviewed;
	if (is_stored)
		b->stored++;
	else
		b->pending++;
	if (r->is_dry)
		return LL_OK;
	ll_id sub_id, entry_id;
	id_new(&sub_id);
	id_new(&entry_id);
	const char *sid = arena_strdup(&r->batch_arena, sub_id.s);
	const char *eid = is_stored ? arena_strdup(&r->batch_arena, entry_id.s) : NULL;
	struct store_val *v = b->subs + (size_t)b->n_subs++ * SUBMISSION_N_COLS;
	int i = 0;
	v[i++] = SV_TEXT(sid);
	v[i++] = SV_TEXT("deposit");
	v[i++] = SV_TEXT(o.person_id);
	v[i++] = SV_TEXT(o.institution_id);
	v[i++] = SV_TEXT(eid);
	v[i++] = SV_TEXT(outcome_kinds[o.kind]);
	v[i++] = SV_TEXT(o.title);
	v[i++] = SV_TEXT(o.code);
	v[i++] = o.level < 0 ? SV_NULL : SV_I64(o.level);
	v[i++] = o.credits_milli < 0 ? SV_NULL : SV_I64(o.credits_milli);
	v[i++] = o.hours_milli < 0 ? SV_NULL : SV_I64(o.hours_milli);
	v[i++] = o.result_kind ? SV_TEXT(result_kinds[o.result_kind]) : SV_NULL;
	v[i++] = SV_TEXT(o.result);
	v[i++] = SV_TEXT(o.started_on);
	v[i++] = SV_TEXT(o.awarded_on);
	v[i++] = SV_TEXT(o.certificate_no);
	v[i++] = SV_NULL;
	v[i++] = SV_TEXT(o.external_id);
	v[i++] = SV_I64(std->version);
	v[i++] = SV_TEXT(is_stored ? "stored" : "pending");
	v[i++] = SV_TEXT(r->job.created_by);
	v[i++] = SV_I64(now);
	v[i++] = is_stored ? SV_I64(now) : SV_NULL;
	v[i++] = SV_TEXT(eid);
	if (is_stored) {
		struct ledger_entry *e = &b->entries[b->n_entries++];
		memset(e, 0, sizeof(*e));
		e->id = eid;
		e->person_id = o.person_id;
		e->op = OP_DEPOSIT;
		e->outcome_id = eid;
		e->submission_id = sid;
		e->standard_version = std->version;
		e->o = o;
		e->actor_id = r->job.created_by;
		e->created_at = now;
	}
	return LL_OK;
}

static enum ll_err batch_txn(struct ll_tx *tx, void *ctx)
{
	struct batch_out *b = ctx;
	struct runner *r = b->r;
	enum ll_err err = LL_OK;
	int64_t now = clock_now_us();
	b->n_entries = b->n_subs = b->next_sub = b->n_rejected = 0;
	b->stored = b->pending = b->existing = 0;
	strmap_clear(b->seen);
	if ((err = batch_prefetch(tx, b)) != LL_OK)
		return err;
	for (size_t i = 0; i < r->n_items && err == LL_OK; i++) {
		struct batch_item *it = &r->items[i];
		if (it->is_error) {
			struct rejected *x = &b->rejected[b->n_rejected++];
			*x = (struct rejected){ it->line, it->field, ll_err_code(it->err), it->message };
			continue;
		}
		err = batch_row(tx, b, it, now);
	}
	if (err != LL_OK)
		return err;
	struct csv_reader_stats stats;
	csv_reader_stats(r->reader, &stats);
	int64_t lease = clock_now_us() + LEASE_US;
	if (r->is_dry)
		return store_exec(tx, &JOB_VALIDATING,
				  SP(SV_TEXT(r->job.id), SV_TEXT(r->worker), SV_I64((int64_t)stats.bytes_in),
				     SV_I64((int64_t)r->rows_seen), SV_I64(lease)), NULL, NULL);
	int64_t rows;
	if ((err = store_bulk_insert(tx, "submissions", submission_cols, SUBMISSION_N_COLS, next_submission, b, &rows)) !=
	    LL_OK)
		return err;
	if ((err = ledger_append_ex(tx, b->entries, b->n_entries, 0, r->heads)) != LL_OK)
		return err;
	for (int i = 0; i < b->n_rejected && err == LL_OK; i++) {
		const struct rejected *x = &b->rejected[i];
		err = store_exec(tx, &ERROR_INSERT, SP(SV_TEXT(r->job.id), SV_I64(x->line), SV_TEXT(x->field),
						       SV_TEXT(x->code), SV_TEXT(x->message)), NULL, NULL);
	}
	if (err != LL_OK)
		return err;
	/* The first batches of a job can multiply the size of tables that were nearly empty: fresh
	 * statistics keep the look-ups of the batches after them on their indexes. */
	static const char *const grown[] = { "submissions", "ledger_entries", "ledger_nodes" };
	for (size_t i = 0; b->refresh_statistics && i < sizeof(grown) / sizeof(grown[0]) && err == LL_OK; i++)
		err = store_refresh_statistics(tx, grown[i]);
	if (err != LL_OK)
		return err;
	err = store_exec(tx, &JOB_ADVANCE,
			 SP(SV_TEXT(r->job.id), SV_TEXT(r->worker), SV_I64(r->checkpoint_line), SV_I64(r->last_line),
			    SV_I64((int64_t)stats.bytes_in), SV_I64((int64_t)r->n_items), SV_I64(b->stored),
			    SV_I64(b->pending), SV_I64(b->existing), SV_I64(b->n_rejected), SV_I64(lease)),
			 NULL, NULL);
	if (err == LL_OK && store_changes(tx) != 1)
		return ll_fail(LL_CONFLICT, NULL, "import job %s was taken over by another worker", r->job.id);
	return err;
}

/* Runs the gathered batch in one transaction and starts a new one. */
static enum ll_err batch_flush(struct runner *r)
{
	if (r->n_items == 0)
		return LL_OK;
	/* With the first batch of a run and then at every doubling of the rows it wrote. */
	struct batch_out b = { .r = r, .refresh_statistics = !r->is_dry && r->counts[0] >= r->next_refresh };
	enum ll_err err = LL_NOMEM;
	b.entries = calloc(r->n_items, sizeof(*b.entries));
	b.subs = calloc(r->n_items * SUBMISSION_N_COLS, sizeof(*b.subs));
	b.rejected = calloc(r->n_items, sizeof(*b.rejected));
	b.seen = strmap_new();
	b.stored_ids = strmap_new();
	if (b.entries && b.subs && b.rejected && b.seen && b.stored_ids)
		err = store_run(r->st, STORE_WRITE, "import batch", batch_txn, &b);
	ledger_heads_settle(r->heads, err == LL_OK);
	if (err == LL_OK) {
		/* Committed: what this batch saw counts for the batches after it. */
		for (size_t i = 0; i < r->n_items; i++) {
			const struct batch_item *it = &r->items[i];
			int64_t h;
			if (!it->is_error && it->o.external_id && strmap_get(b.seen, it->o.external_id, &h) &&
			    !strmap_put(r->externals, it->o.external_id, h)) {
				err = LL_NOMEM;
				break;
			}
		}
		r->counts[0] += (uint64_t)b.stored;
		r->counts[1] += (uint64_t)b.pending;
		r->counts[2] += (uint64_t)b.existing;
		r->counts[3] += (uint64_t)b.n_rejected;
		if (r->is_dry) {
			for (int i = 0; i < b.n_rejected && r->n_found < VALIDATION_ERRORS_MAX; i++) {
				if (!grow(&r->found, &r->cap_found, r->n_found, sizeof(*r->found), 256)) {
					err = LL_NOMEM;
					break;
				}
				struct rejected x = b.rejected[i];
				x.field = arena_strdup(&r->found_arena, x.field);
				x.message = arena_strdup(&r->found_arena, x.message);
				r->found[r->n_found++] = x;
			}
		} else {
			r->checkpoint_line = r->last_line;
			if (b.refresh_statistics)
				r->next_refresh = 2 * (r->counts[0] > 0 ? r->counts[0] : 1);
		}
	}
	if (err == LL_CONFLICT)
		r->is_taken_over = true;
	free(b.entries);
	free(b.subs);
	free(b.rejected);
	strmap_free(b.seen);
	strmap_free(b.stored_ids);
	r->n_items = 0;
	arena_reset(&r->batch_arena);
	if (err == LL_OK && r->progress) {
		struct csv_reader_stats stats;
		csv_reader_stats(r->reader, &stats);
		struct import_progress p = { .bytes_done = stats.bytes_in, .total_bytes = (uint64_t)r->job.total_bytes,
					     .rows_read = r->rows_seen, .rows_stored = r->counts[0],
					     .rows_pending = r->counts[1], .rows_existing = r->counts[2],
					     .rows_rejected = r->counts[3], .phase = r->is_dry ? "validating" : "writing" };
		r->progress(r->progress_ctx, &p);
	}
	return err;
}

static struct batch_item *batch_add(struct runner *r, int64_t line)
{
	if (!grow(&r->items, &r->cap_items, r->n_items, sizeof(*r->items), IMPORT_BATCH_ROWS))
		return NULL;
	struct batch_item *it = &r->items[r->n_items++];
	memset(it, 0, sizeof(*it));
	it->line = line;
	r->last_line = line;
	r->rows_seen++;
	return it;
}

static enum ll_err maybe_flush(struct runner *r)
{
	if (r->n_items < IMPORT_BATCH_ROWS)
		return LL_OK;
	enum ll_err err = batch_flush(r);
	if (err == LL_OK && r->stop && *r->stop)
		return ll_fail(LL_BUSY, NULL, "stopping: the import resumes where it stopped");
	return err;
}

static enum ll_err on_row(void *ctx, const struct csv_row *row)
{
	struct runner *r = ctx;
	if (row->line <= r->checkpoint_line)
		return LL_OK;
	struct batch_item *it = batch_add(r, row->line);
	if (!it)
		return LL_NOMEM;
	enum ll_err err = import_row_outcome(row, &r->batch_arena, &it->o);
	if (err != LL_OK) {
		if (err == LL_NOMEM)
			return err;
		const struct ll_error *e = ll_error_get(err);
		it->is_error = true;
		it->err = err;
		it->field = e->field[0] ? arena_strdup(&r->batch_arena, e->field) : NULL;
		it->message = arena_strdup(&r->batch_arena, e->message);
	}
	return maybe_flush(r);
}

static enum ll_err on_error(void *ctx, const struct csv_reader_error *e)
{
	struct runner *r = ctx;
	if (e->is_fatal) {
		r->fatal = e->err;
		snprintf(r->fatal_message, sizeof(r->fatal_message), "line %ld: %s", e->line, e->message);
		return e->err;
	}
	if (e->line <= r->checkpoint_line)
		return LL_OK;
	struct batch_item *it = batch_add(r, e->line);
	if (!it)
		return LL_NOMEM;
	it->is_error = true;
	it->err = e->err;
	it->field = arena_strdup(&r->batch_arena, e->field);
	it->message = arena_strdup(&r->batch_arena, e->message);
	return maybe_flush(r);
}

struct chunks_ctx {
	char *data;
	size_t len, cap;
};

static enum ll_err chunk_row(const struct store_row *row, void *ctx)
{
	struct chunks_ctx *c = ctx;
	size_t n;
	const void *p = store_row_blob(row, 0, &n);
	uLongf room = (uLongf)(c->cap - c->len < CHUNK_BYTES ? c->cap - c->len : CHUNK_BYTES);
	if (uncompress((Bytef *)c->data + c->len, &room, p, (uLong)n) != Z_OK)
		return ll_fail(LL_STORE, NULL, "a stored chunk of an import file is damaged or too long");
	c->len += room;
	return LL_OK;
}

struct load_ctx {
	struct runner *r;
	struct chunks_ctx file;
};

static enum ll_err load_txn(struct ll_tx *tx, void *ctx)
{
	struct load_ctx *l = ctx;
	struct runner *r = l->r;
	l->file.len = 0;
	enum ll_err err = store_exec(tx, &CHUNKS, SP(SV_TEXT(r->job.id)), chunk_row, &l->file);
	if (err != LL_OK)
		return err;
	struct text_found type = { .a = &r->job_arena };
	if ((err = store_exec(tx, &INSTITUTION_TYPE, SP(SV_TEXT(r->job.institution_id)), text_row, &type)) != LL_OK)
		return err;
	r->type_index = type.is_found ? ledger_name_index(institution_types, type.text) : -1;
	for (int k = 0; k < KIND_COUNT; k++) {
		err = standard_current(tx, (enum outcome_kind)k, &r->job_arena, &r->standards[k]);
		if (err != LL_OK)
			return err;
		r->has_standard[k] = true;
	}
	return LL_OK;
}

/* Reads the whole file through the reader, in batches. */
static enum ll_err run_pass(struct runner *r, const char *data, size_t len)
{
	struct csv_reader_options opt = {
		.format = strcmp(r->job.format, "jsonl") == 0 ? CSV_FORMAT_JSONL : CSV_FORMAT_CSV,
		.columns = import_columns,
		.max_field_bytes = 4096,
		.on_row = on_row,
		.on_error = on_error,
		.ctx = r,
	};
	r->reader = csv_reader_free(r->reader);
	enum ll_err err = csv_reader_new(&opt, &r->reader);
	r->n_items = 0;
	r->rows_seen = 0;
	memset(r->counts, 0, sizeof(r->counts));
	for (size_t off = 0; err == LL_OK && off < len; off += CHUNK_BYTES)
		err = csv_reader_feed(r->reader, data + off, len - off < CHUNK_BYTES ? len - off : CHUNK_BYTES);
	if (err == LL_OK)
		err = csv_reader_finish(r->reader);
	if (err == LL_OK)
		err = batch_flush(r);
	return err;
}

struct finish_ctx {
	struct runner *r;
	const char *status, *error;
	bool write_found;
};

static enum ll_err finish_txn(struct ll_tx *tx, void *ctx)
{
	struct finish_ctx *f = ctx;
	struct runner *r = f->r;
	enum ll_err err = LL_OK;
	for (size_t i = 0; f->write_found && i < r->n_found && err == LL_OK; i++) {
		const struct rejected *x = &r->found[i];
		err = store_exec(tx, &ERROR_INSERT, SP(SV_TEXT(r->job.id), SV_I64(x->line), SV_TEXT(x->field),
						       SV_TEXT(x->code), SV_TEXT(x->message)), NULL, NULL);
	}
	if (err != LL_OK)
		return err;
	err = store_exec(tx, &JOB_FINISH, SP(SV_TEXT(r->job.id), SV_TEXT(r->worker), SV_TEXT(f->status),
					     SV_TEXT(f->error), SV_I64(clock_now_us()), SV_I64((int64_t)r->rows_seen),
					     SV_I64((int64_t)r->counts[3])), NULL, NULL);
	if (err == LL_OK && store_changes(tx) != 1)
		return ll_fail(LL_CONFLICT, NULL, "import job %s was taken over by another worker", r->job.id);
	return err;
}

static enum ll_err job_finish(struct runner *r, const char *status, const char *error, bool write_found)
{
	struct finish_ctx f = { .r = r, .status = status, .error = error, .write_found = write_found };
	return store_run(r->st, STORE_WRITE, "import job finish", finish_txn, &f);
}

static enum ll_err to_writing_txn(struct ll_tx *tx, void *ctx)
{
	struct runner *r = ctx;
	enum ll_err err = store_exec(tx, &JOB_TO_WRITING, SP(SV_TEXT(r->job.id), SV_TEXT(r->worker)), NULL, NULL);
	if (err == LL_OK && store_changes(tx) != 1)
		return ll_fail(LL_CONFLICT, NULL, "import job %s was taken over by another worker", r->job.id);
	return err;
}

/* Runs a claimed job to its end, or until stopped. */
static enum ll_err run_job(struct runner *r)
{
	struct load_ctx l = { .r = r };
	l.file.cap = (size_t)r->job.total_bytes;
	l.file.data = malloc(l.file.cap ? l.file.cap : 1);
	if (!l.file.data)
		return LL_NOMEM;
	enum ll_err err = store_run(r->st, STORE_READ, "import job load", load_txn, &l);
	if (err == LL_OK && l.file.len != l.file.cap)
		err = ll_fail(LL_STORE, NULL, "import job %s: the stored file is incomplete", r->job.id);
	if (err == LL_OK && r->type_index < 0)
		err = job_finish(r, "failed", "the institution's type may not deposit outcomes", false);
	if (err != LL_OK || r->type_index < 0)
		goto out;
	if (strcmp(r->job.status, "validating") == 0) {
		r->is_dry = true;
		r->checkpoint_line = 0;
		err = run_pass(r, l.file.data, l.file.len);
		if (err == LL_OK && r->counts[3] > 0) {
			err = job_finish(r, "rejected", "rows were rejected; nothing was stored", true);
			goto out;
		}
		if (err == LL_OK)
			err = store_run(r->st, STORE_WRITE, "import job to writing", to_writing_txn, r);
		if (err != LL_OK)
			goto out;
		r->is_dry = false;
		strmap_clear(r->externals);
		r->job.checkpoint_line = 0;
	}
	r->checkpoint_line = r->job.checkpoint_line;
	err = run_pass(r, l.file.data, l.file.len);
	if (err == LL_OK)
		err = job_finish(r, "done", NULL, false);
out:
	if (r->fatal != LL_OK && err == r->fatal) {
		/* The file itself is unreadable (no header, UTF-16, too many rows): the job ends here. */
		err = job_finish(r, "failed", r->fatal_message, false);
	}
	free(l.file.data);
	return err;
}

/* Jobs whose worker was a process of this host that is gone: let them be claimed at once
 * rather than after the lease runs out (a server restarted after a crash). */
struct dead_ctx {
	char host[128];
	struct arena a;
	int n;
	const char *ids[64], *workers[64];
};

static enum ll_err dead_row(const struct store_row *row, void *ctx)
{
	struct dead_ctx *d = ctx;
	const char *worker = store_row_text(row, 1);
	const char *colon = strrchr(worker, ':');
	long pid = colon ? strtol(colon + 1, NULL, 10) : 0;
	if (d->n < 64 && pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
		d->ids[d->n] = arena_strdup(&d->a, store_row_text(row, 0));
		d->workers[d->n++] = arena_strdup(&d->a, worker);
	}
	return LL_OK;
}

static enum ll_err dead_txn(struct ll_tx *tx, void *ctx)
{
	struct dead_ctx *d = ctx;
	char like[160];
	d->n = 0;
	snprintf(like, sizeof(like), "%s:%%", d->host);
	enum ll_err err = store_exec(tx, &JOB_WORKERS, SP(SV_TEXT(like)), dead_row, d);
	for (int i = 0; i < d->n && err == LL_OK; i++)
		err = store_exec(tx, &JOB_EXPIRE, SP(SV_TEXT(d->ids[i]), SV_TEXT(d->workers[i])), NULL, NULL);
	return err;
}

struct claim_ctx {
	const char *id, *worker;
	struct arena *a;
	const char *claimed;
};

static enum ll_err claim_row(const struct store_row *row, void *ctx)
{
	struct claim_ctx *c = ctx;
	c->claimed = arena_strdup(c->a, store_row_text(row, 0));
	return LL_OK;
}

static enum ll_err claim_txn(struct ll_tx *tx, void *ctx)
{
	struct claim_ctx *c = ctx;
	int64_t now = clock_now_us();
	c->claimed = NULL;
	if (c->id)
		return store_exec(tx, &JOB_CLAIM_ONE, SP(SV_TEXT(c->id), SV_TEXT(c->worker), SV_I64(now + LEASE_US), SV_I64(now)),
				  claim_row, c);
	return store_exec(tx, &JOB_CLAIM_NEXT, SP(SV_TEXT(c->worker), SV_I64(now + LEASE_US), SV_I64(now)), claim_row, c);
}

static enum ll_err release_txn(struct ll_tx *tx, void *ctx)
{
	struct runner *r = ctx;
	return store_exec(tx, &JOB_RELEASE, SP(SV_TEXT(r->job.id), SV_TEXT(r->worker)), NULL, NULL);
}

enum ll_err import_run(struct ll_store *st, const char *id, const char *worker, const volatile int *stop,
		       import_progress_fn progress, void *ctx, bool *ret_ran)
{
	struct runner *r = calloc(1, sizeof(*r));
	enum ll_err err = LL_NOMEM;
	*ret_ran = false;
	if (!r)
		return LL_NOMEM;
	arena_init(&r->job_arena, 0);
	arena_init(&r->batch_arena, 0);
	arena_init(&r->found_arena, 0);
	r->st = st;
	r->worker = worker;
	r->stop = stop;
	r->progress = progress;
	r->progress_ctx = ctx;
	r->accounts = strmap_new();
	r->externals = strmap_new();
	r->heads = ledger_heads_new();
	if (!r->accounts || !r->externals || !r->heads)
		goto out;
	struct dead_ctx *dead = calloc(1, sizeof(*dead));
	if (!dead)
		goto out;
	arena_init(&dead->a, 1 << 16);
	snprintf(dead->host, sizeof(dead->host), "%.*s", (int)(strrchr(worker, ':') ? strrchr(worker, ':') - worker : 0),
		 worker);
	err = store_run(st, STORE_WRITE, "import job recover", dead_txn, dead);
	arena_release(&dead->a);
	free(dead);
	if (err != LL_OK)
		goto out;
	struct claim_ctx c = { .id = id, .worker = worker, .a = &r->job_arena };
	if ((err = store_run(st, STORE_WRITE, "import job claim", claim_txn, &c)) != LL_OK || !c.claimed)
		goto out;
	if ((err = job_load(st, NULL, c.claimed, &r->job_arena, &r->job)) != LL_OK)
		goto out;
	*ret_ran = true;
	log_info("import", "job %s: %s from line %lld", r->job.id, r->job.status, (long long)r->job.checkpoint_line);
	err = run_job(r);
	if (err == LL_BUSY && stop && *stop) {
		/* Stopped between batches: hand the job back for the next worker. */
		err = store_run(st, STORE_WRITE, "import job release", release_txn, r);
	} else if (err != LL_OK && !r->is_taken_over) {
		/* Anything else that failed the job (a database fault that outlasted the retries):
		 * leave it to be resumed from its checkpoint once the lease runs out. */
		log_error("import", "job %s stopped: %s", r->job.id, ll_error_get(err)->message);
	}
out:
	csv_reader_free(r->reader);
	strmap_free(r->accounts);
	strmap_free(r->externals);
	ledger_heads_free(r->heads);
	free(r->person_ids);
	free(r->items);
	free(r->found);
	arena_release(&r->job_arena);
	arena_release(&r->batch_arena);
	arena_release(&r->found_arena);
	free(r);
	return err;
}
