/*
 * The ceiling of the import benchmark: the same outcome rows written into the same tables
 * (submissions and ledger_entries) of the same schema, through the same storage layer (a cached
 * INSERT on SQLite, COPY on PostgreSQL), in transactions of the same size, with nothing else:
 * no entry standard, no duplicate check, no hashing, no Merkle tree, no person chain look-up.
 * Account numbers are resolved from a map loaded before the clock starts. The file is the
 * benchmark's own simple CSV (no quotes): account_no,kind,title,code,credits,result,awarded_on,external_id.
 *
 *   import_raw DB_URL FILE INSTITUTION_ID   prints "rows seconds"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/clock.h"
#include "../src/base/id.h"
#include "../src/base/strmap.h"
#include "../src/ledger/ledger.h"
#include "../src/store/store.h"

/* Transactions of the size the import uses. */
#define BATCH IMPORT_BATCH_ROWS
#define MAX_COLS 8

static const char *const sub_cols[] = {
	"id", "op", "person_id", "institution_id", "outcome_id", "kind", "title", "code", "credits_milli", "result_kind",
	"result", "awarded_on", "external_id", "standard_version", "status", "submitted_at", "decided_at", "entry_id"
};
static const char *const entry_cols[] = {
	"seq", "id", "person_id", "person_seq", "prev_hash", "entry_hash", "op", "outcome_id", "submission_id",
	"standard_version", "institution_id", "kind", "title", "code", "credits_milli", "result_kind", "result",
	"awarded_on", "external_id", "created_at"
};

struct row {
	char *f[MAX_COLS];
	const char *person_id;
	ll_id sub_id, entry_id;
	int64_t seq;
};

struct batch {
	struct row rows[BATCH];
	int n, next;
	const char *institution;
	int64_t now;
};

static const unsigned char zero_hash[32];

static bool next_sub(struct store_val *v, void *ctx)
{
	struct batch *b = ctx;
	if (b->next >= b->n)
		return false;
	struct row *r = &b->rows[b->next++];
	int i = 0;
	v[i++] = SV_TEXT(r->sub_id.s);
	v[i++] = SV_TEXT("deposit");
	v[i++] = SV_TEXT(r->person_id);
	v[i++] = SV_TEXT(b->institution);
	v[i++] = SV_TEXT(r->entry_id.s);
	v[i++] = SV_TEXT(r->f[1]);
	v[i++] = SV_TEXT(r->f[2]);
	v[i++] = SV_TEXT(r->f[3]);
	v[i++] = SV_I64((int64_t)(atof(r->f[4]) * 1000));
	v[i++] = SV_TEXT("score");
	v[i++] = SV_TEXT(r->f[5]);
	v[i++] = SV_TEXT(r->f[6]);
	v[i++] = SV_TEXT(r->f[7]);
	v[i++] = SV_I64(1);
	v[i++] = SV_TEXT("stored");
	v[i++] = SV_I64(b->now);
	v[i++] = SV_I64(b->now);
	v[i++] = SV_TEXT(r->entry_id.s);
	return true;
}

static bool next_entry(struct store_val *v, void *ctx)
{
	struct batch *b = ctx;
	if (b->next >= b->n)
		return false;
	struct row *r = &b->rows[b->next++];
	int i = 0;
	v[i++] = SV_I64(r->seq);
	v[i++] = SV_TEXT(r->entry_id.s);
	v[i++] = SV_TEXT(r->person_id);
	/* Unique with the person: the sequence number serves as a stand-in for the person's count. */
	v[i++] = SV_I64(r->seq + 1);
	v[i++] = SV_BLOB(zero_hash, 32);
	v[i++] = SV_BLOB(zero_hash, 32);
	v[i++] = SV_TEXT("deposit");
	v[i++] = SV_TEXT(r->entry_id.s);
	v[i++] = SV_TEXT(r->sub_id.s);
	v[i++] = SV_I64(1);
	v[i++] = SV_TEXT(b->institution);
	v[i++] = SV_TEXT(r->f[1]);
	v[i++] = SV_TEXT(r->f[2]);
	v[i++] = SV_TEXT(r->f[3]);
	v[i++] = SV_I64((int64_t)(atof(r->f[4]) * 1000));
	v[i++] = SV_TEXT("score");
	v[i++] = SV_TEXT(r->f[5]);
	v[i++] = SV_TEXT(r->f[6]);
	v[i++] = SV_TEXT(r->f[7]);
	v[i++] = SV_I64(b->now);
	return true;
}

static enum ll_err write_txn(struct ll_tx *tx, void *ctx)
{
	struct batch *b = ctx;
	int64_t n;
	b->next = 0;
	enum ll_err err = store_bulk_insert(tx, "submissions", sub_cols, 18, next_sub, b, &n);
	b->next = 0;
	if (err == LL_OK)
		err = store_bulk_insert(tx, "ledger_entries", entry_cols, 20, next_entry, b, &n);
	return err;
}

struct load_ctx {
	struct strmap *map;
	char (*ids)[LL_ID_LEN + 1];
	size_t n;
};

static enum ll_err person_row(const struct store_row *row, void *ctx)
{
	struct load_ctx *l = ctx;
	snprintf(l->ids[l->n], LL_ID_LEN + 1, "%s", store_row_text(row, 1));
	strmap_put(l->map, store_row_text(row, 0), (int64_t)l->n++);
	return LL_OK;
}

static enum ll_err load_txn(struct ll_tx *tx, void *ctx)
{
	static const struct store_stmt PERSONS = { "raw persons", "SELECT account_no, id FROM persons" };
	((struct load_ctx *)ctx)->n = 0;
	return store_exec(tx, &PERSONS, SP_NONE, person_row, ctx);
}

static enum ll_err max_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err seq_txn(struct ll_tx *tx, void *ctx)
{
	static const struct store_stmt HEAD = { "raw next seq", "SELECT COALESCE(MAX(seq) + 1, 0) FROM ledger_entries" };
	return store_exec(tx, &HEAD, SP_NONE, max_row, ctx);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: import_raw DB_URL FILE INSTITUTION_ID\n");
		return 64;
	}
	struct ll_store *st;
	if (store_open(argv[1], NULL, &st) != LL_OK) {
		fprintf(stderr, "import_raw: cannot open %s\n", argv[1]);
		return 1;
	}
	FILE *f = fopen(argv[2], "r");
	if (!f) {
		fprintf(stderr, "import_raw: cannot open %s\n", argv[2]);
		return 1;
	}
	struct load_ctx l = { .map = strmap_new() };
	l.ids = malloc(sizeof(*l.ids) * 20000000);
	int64_t seq = 0;
	if (store_run(st, STORE_READ, "raw load", load_txn, &l) != LL_OK ||
	    store_run(st, STORE_READ, "raw seq", seq_txn, &seq) != LL_OK) {
		fprintf(stderr, "import_raw: cannot read persons\n");
		return 1;
	}
	struct batch *b = calloc(1, sizeof(*b));
	b->institution = argv[3];
	b->now = clock_now_us();
	char *line = NULL;
	size_t cap = 0;
	int64_t rows = 0;
	int64_t t0 = clock_mono_us();
	bool is_header = true;
	/* The lines of a batch stay allocated until it is written. */
	char *lines[BATCH] = { 0 };
	while (getline(&line, &cap, f) > 0) {
		if (is_header) {
			is_header = false;
			continue;
		}
		struct row *r = &b->rows[b->n];
		free(lines[b->n]);
		lines[b->n] = strdup(line);
		char *p = lines[b->n];
		p[strcspn(p, "\r\n")] = '\0';
		for (int i = 0; i < MAX_COLS; i++) {
			r->f[i] = p;
			p = strchr(p, ',');
			if (p)
				*p++ = '\0';
			else
				p = "";
		}
		int64_t at;
		if (!strmap_get(l.map, r->f[0], &at))
			continue;
		r->person_id = l.ids[at];
		id_new(&r->sub_id);
		id_new(&r->entry_id);
		r->seq = seq++;
		if (++b->n == BATCH) {
			if (store_run(st, STORE_WRITE, "raw batch", write_txn, b) != LL_OK) {
				fprintf(stderr, "import_raw: write failed\n");
				return 1;
			}
			rows += b->n;
			b->n = 0;
		}
	}
	if (b->n > 0 && store_run(st, STORE_WRITE, "raw batch", write_txn, b) != LL_OK) {
		fprintf(stderr, "import_raw: write failed\n");
		return 1;
	}
	rows += b->n;
	double secs = (double)(clock_mono_us() - t0) / 1e6;
	printf("%lld %.3f\n", (long long)rows, secs);
	for (int i = 0; i < BATCH; i++)
		free(lines[i]);
	free(line);
	fclose(f);
	free(b);
	free(l.ids);
	strmap_free(l.map);
	store_close(st);
	return 0;
}
