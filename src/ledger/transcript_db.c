/*
 * A person's transcript: the current version of each of their outcomes (the entries nothing
 * supersedes), filtered to what the caller may see, with totals by kind, level and year, as JSON
 * or CSV. Reads only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/roles.h"
#include "../base/clock.h"
#include "ledger_db.h"

static const struct store_stmt TRANSCRIPT = {
	"transcript",
	"SELECT " ENTRY_COLS ", i.name, (SELECT MIN(f.created_at) FROM ledger_entries f WHERE f.outcome_id = e.outcome_id), "
	"(SELECT s.evidence_id FROM submissions s WHERE s.id = e.submission_id), i.name_en "
	"FROM ledger_entries e JOIN institutions i ON i.id = e.institution_id "
	"WHERE e.person_id = $1 AND NOT EXISTS (SELECT 1 FROM ledger_entries n WHERE n.supersedes = e.id) "
	"ORDER BY e.kind, e.awarded_on DESC, e.seq DESC"
};
static const struct store_stmt CURRENT = {
	"current outcomes",
	"SELECT " ENTRY_COLS " FROM ledger_entries e WHERE e.person_id = $1 AND e.op <> 'revoke' "
	"AND NOT EXISTS (SELECT 1 FROM ledger_entries n WHERE n.supersedes = e.id) ORDER BY e.seq"
};
/* Found through the outcome's few versions: comparing the person as an expression keeps SQLite
 * off the person's index, which would read every entry of the person. */
static const struct store_stmt CURRENT_ONE = {
	"current outcome",
	"SELECT " ENTRY_COLS " FROM ledger_entries e WHERE e.outcome_id = $2 AND e.person_id || '' = $1 AND e.op <> 'revoke' "
	"AND NOT EXISTS (SELECT 1 FROM ledger_entries n WHERE n.supersedes = e.id)"
};
static const struct store_stmt PERSON = {
	"transcript person", "SELECT id, account_no, name, district_code FROM persons WHERE id = $1"
};
static const struct store_stmt SHARED = {
	"transcript shared", "SELECT 1 FROM record_shares WHERE person_id = $1 AND institution_id = $2"
};

#define YEARS_MAX 128

struct totals {
	int64_t count, credits_milli, hours_milli;
};

struct transcript_ctx {
	const struct ledger_caller *c;
	const char *person_id;
	const struct transcript_filter *f;
	struct arena a;
	/* Person */
	bool is_found;
	const char *account_no, *name, *district_code;
	bool is_shared;
	int64_t visible;            /* outcomes the caller may see, before filters */
	/* Rows */
	json_t *items;
	struct totals all, by_kind[KIND_COUNT], by_level[FRAMEWORK_LEVEL_MAX + 1];
	int years[YEARS_MAX];
	struct totals by_year[YEARS_MAX];
	int n_years;
	struct buf *csv;
	size_t csv_start;           /* where this run's rows begin, to start again on a retry */
};

static enum ll_err person_row(const struct store_row *row, void *ctx)
{
	struct transcript_ctx *t = ctx;
	t->is_found = true;
	t->account_no = arena_strdup(&t->a, store_row_text(row, 1));
	t->name = arena_strdup(&t->a, store_row_text(row, 2));
	t->district_code = arena_strdup(&t->a, store_row_text(row, 3));
	return LL_OK;
}

static enum ll_err shared_row(const struct store_row *row, void *ctx)
{
	(void)row;
	((struct transcript_ctx *)ctx)->is_shared = true;
	return LL_OK;
}

static void add(struct totals *t, const struct outcome *o)
{
	t->count++;
	if (o->credits_milli > 0)
		t->credits_milli += o->credits_milli;
	if (o->hours_milli > 0)
		t->hours_milli += o->hours_milli;
}

static json_t *totals_json(const struct totals *t)
{
	return json_pack("{s:I, s:I, s:I}", "count", (json_int_t)t->count, "credits_milli", (json_int_t)t->credits_milli,
			 "hours_milli", (json_int_t)t->hours_milli);
}

static bool is_visible(const struct transcript_ctx *t, const struct ledger_entry *e)
{
	const struct ledger_caller *c = t->c;
	if (c->role & (ROLE_STAFF | ROLE_INSTITUTION_ADMIN))
		return t->is_shared || (c->institution_id && strcmp(c->institution_id, e->o.institution_id) == 0);
	return true;
}

static bool is_selected(const struct transcript_filter *f, const struct ledger_entry *e)
{
	const struct outcome *o = &e->o;
	if (e->op == OP_REVOKE && !f->include_revoked)
		return false;
	if (f->kind >= 0 && (int)o->kind != f->kind)
		return false;
	if (f->level >= 0 && o->level != f->level)
		return false;
	if (f->from && strcmp(o->awarded_on, f->from) < 0)
		return false;
	if (f->to && strcmp(o->awarded_on, f->to) > 0)
		return false;
	return true;
}

static const char *status_of(const struct ledger_entry *e)
{
	return e->op == OP_REVOKE ? "revoked" : e->op == OP_CORRECT ? "corrected" : "stored";
}

/* 2500 thousandths as "2.5"; "" for none. */
static void milli_text(int64_t v, char out[32])
{
	if (v < 0) {
		out[0] = '\0';
		return;
	}
	int n = snprintf(out, 32, "%lld.%03lld", (long long)(v / 1000), (long long)(v % 1000));
	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

static void csv_row(struct transcript_ctx *t, const struct ledger_entry *e, const char *institution_name)
{
	char credits[32], hours[32], level[8];
	milli_text(e->o.credits_milli, credits);
	milli_text(e->o.hours_milli, hours);
	snprintf(level, sizeof(level), "%lld", (long long)e->o.level);
	const char *kind = t->f->is_english ? outcome_kind_labels_en[e->o.kind] : outcome_kind_labels_zh[e->o.kind];
	const char *status = status_of(e);
	if (!t->f->is_english)
		status = e->op == OP_REVOKE ? "已撤销" : e->op == OP_CORRECT ? "已更正" : "已入库";
	const char *fields[] = {
		kind, e->o.title, e->o.code, e->o.level < 0 ? "" : level, credits, hours, e->o.result, e->o.awarded_on,
		institution_name, e->o.certificate_no, status, e->outcome_id, e->id,
	};
	size_t n = sizeof(fields) / sizeof(fields[0]);
	for (size_t i = 0; i < n; i++)
		csv_write_field(t->csv, fields[i], i + 1 == n);
}

static json_t *item_json(const struct ledger_entry *e, const struct store_row *row)
{
	json_t *o = json_object();
	json_set_str(o, "outcome_id", e->outcome_id);
	json_set_str(o, "entry_id", e->id);
	json_set_str(o, "status", status_of(e));
	json_set_str(o, "kind", outcome_kinds[e->o.kind]);
	json_set_str(o, "title", e->o.title);
	json_set_str(o, "code", e->o.code);
	json_object_set_new(o, "level", e->o.level < 0 ? json_null() : json_integer(e->o.level));
	json_object_set_new(o, "credits_milli", e->o.credits_milli < 0 ? json_null() : json_integer(e->o.credits_milli));
	json_object_set_new(o, "hours_milli", e->o.hours_milli < 0 ? json_null() : json_integer(e->o.hours_milli));
	json_set_str(o, "result_kind", e->o.result_kind == RESULT_NONE ? NULL : result_kinds[e->o.result_kind]);
	json_set_str(o, "result", e->o.result);
	json_set_str(o, "started_on", e->o.started_on);
	json_set_str(o, "awarded_on", e->o.awarded_on);
	json_set_str(o, "certificate_no", e->o.certificate_no);
	json_set_str(o, "evidence_sha256", e->o.evidence_sha256);
	const char *evidence_id = store_row_is_null(row, ENTRY_N_COLS + 2) ? NULL : store_row_text(row, ENTRY_N_COLS + 2);
	const char *name_en = store_row_is_null(row, ENTRY_N_COLS + 3) ? NULL : store_row_text(row, ENTRY_N_COLS + 3);
	json_set_str(o, "evidence_id", evidence_id);
	json_object_set_new(o, "institution", json_pack("{s:s?, s:s?, s:s?}", "id", e->o.institution_id, "name",
							store_row_text(row, ENTRY_N_COLS), "name_en", name_en));
	json_set_str(o, "op", entry_ops[e->op]);
	json_set_str(o, "reason", e->reason);
	json_set_time(o, "stored_at", store_row_i64(row, ENTRY_N_COLS + 1));
	json_set_time(o, "updated_at", e->created_at);
	if (e->transfer_item_id) {
		json_t *sources = e->transfer_sources ? json_loads(e->transfer_sources, 0, NULL) : NULL;
		json_object_set_new(o, "transfer", json_pack("{s:s, s:s?, s:i, s:o}", "item_id", e->transfer_item_id, "rule_id",
							     e->transfer_rule_id, "rule_version", e->transfer_rule_version,
							     "sources", sources ? sources : json_array()));
	}
	return o;
}

static enum ll_err transcript_row(const struct store_row *row, void *ctx)
{
	struct transcript_ctx *t = ctx;
	struct ledger_entry e;
	enum ll_err err = ledger_entry_from_row(row, &t->a, &e);
	if (err != LL_OK)
		return err;
	if (!is_visible(t, &e))
		return LL_OK;
	t->visible++;
	if (!is_selected(t->f, &e))
		return LL_OK;
	const char *institution_name = store_row_text(row, ENTRY_N_COLS);
	if (t->csv) {
		csv_row(t, &e, institution_name);
		return LL_OK;
	}
	json_array_append_new(t->items, item_json(&e, row));
	if (e.op == OP_REVOKE)
		return LL_OK;
	add(&t->all, &e.o);
	add(&t->by_kind[e.o.kind], &e.o);
	if (e.o.level >= 1 && e.o.level <= FRAMEWORK_LEVEL_MAX)
		add(&t->by_level[e.o.level], &e.o);
	int year = atoi(e.o.awarded_on);
	int at = 0;
	while (at < t->n_years && t->years[at] != year)
		at++;
	if (at == t->n_years && t->n_years < YEARS_MAX)
		t->years[t->n_years++] = year;
	if (at < YEARS_MAX)
		add(&t->by_year[at], &e.o);
	return LL_OK;
}

static enum ll_err transcript_txn(struct ll_tx *tx, void *ctx)
{
	struct transcript_ctx *t = ctx;
	const struct ledger_caller *c = t->c;
	/* store_run may run this again: start from nothing each time. */
	t->is_found = t->is_shared = false;
	t->visible = 0;
	memset(&t->all, 0, sizeof(t->all));
	memset(t->by_kind, 0, sizeof(t->by_kind));
	memset(t->by_level, 0, sizeof(t->by_level));
	memset(t->by_year, 0, sizeof(t->by_year));
	t->n_years = 0;
	if (t->items)
		json_array_clear(t->items);
	if (t->csv)
		t->csv->len = t->csv_start;
	enum ll_err err = store_exec(tx, &PERSON, SP(SV_TEXT(t->person_id)), person_row, t);
	if (err != LL_OK)
		return err;
	bool may = t->is_found;
	if (may && (c->role & ROLE_CITIZEN))
		may = c->person_id && strcmp(c->person_id, t->person_id) == 0;
	else if (may && (c->role & ROLE_DISTRICT_ADMIN))
		may = c->district_code && strcmp(c->district_code, t->district_code) == 0;
	else if (may && (c->role & (ROLE_STAFF | ROLE_INSTITUTION_ADMIN))) {
		may = c->institution_id != NULL;
		if (may && (err = store_exec(tx, &SHARED, SP(SV_TEXT(t->person_id), SV_TEXT(c->institution_id)), shared_row,
					     t)) != LL_OK)
			return err;
	}
	if (!may)
		return ll_fail(LL_NOT_FOUND, NULL, "no learning account with this id");
	err = store_exec(tx, &TRANSCRIPT, SP(SV_TEXT(t->person_id)), transcript_row, t);
	/* An institution that deposited nothing for the person, and was shown nothing, learns
	 * nothing about them, not even that their account exists. */
	if (err == LL_OK && (c->role & (ROLE_STAFF | ROLE_INSTITUTION_ADMIN)) && !t->is_shared && t->visible == 0)
		err = ll_fail(LL_NOT_FOUND, NULL, "no learning account with this id");
	return err;
}

static const char *const csv_head_zh[] = { "类别", "名称", "代码", "等级", "学分", "学时", "成绩", "获得日期",
					   "存入机构", "证书编号", "状态", "成果编号", "记录编号" };
static const char *const csv_head_en[] = { "kind", "title", "code", "level", "credits", "hours", "result",
					   "awarded_on", "institution", "certificate_no", "status", "outcome_id",
					   "entry_id" };

static enum ll_err run(struct ll_store *st, struct transcript_ctx *t)
{
	if (t->f->kind >= KIND_COUNT || t->f->level > FRAMEWORK_LEVEL_MAX)
		return ll_fail(LL_BAD_QUERY, t->f->kind >= KIND_COUNT ? "kind" : "level", "no such kind or level");
	arena_init(&t->a, 0);
	enum ll_err err = store_run(st, STORE_READ, "transcript", transcript_txn, t);
	return err;
}

enum ll_err transcript_get(struct ll_store *st, const struct ledger_caller *c, const char *person_id,
			   const struct transcript_filter *f, json_t **ret_obj)
{
	struct transcript_ctx *t = calloc(1, sizeof(*t));
	if (!t)
		return LL_NOMEM;
	t->c = c;
	t->person_id = person_id;
	t->f = f;
	t->items = json_array();
	enum ll_err err = run(st, t);
	if (err == LL_OK) {
		json_t *o = json_object();
		json_object_set_new(o, "person", json_pack("{s:s, s:s?, s:s?}", "id", person_id, "account_no", t->account_no,
							   "name", t->name));
		json_set_time(o, "generated_at", clock_now_us());
		/* What the caller sees: the whole record, or only what their institution deposited. */
		bool is_partial = (c->role & (ROLE_STAFF | ROLE_INSTITUTION_ADMIN)) && !t->is_shared;
		json_set_str(o, "scope", is_partial ? "deposited" : "all");
		json_object_set_new(o, "items", t->items);
		t->items = NULL;
		json_object_set_new(o, "totals", totals_json(&t->all));
		json_t *kinds = json_array(), *levels = json_array(), *years = json_array();
		for (int k = 0; k < KIND_COUNT; k++) {
			if (!t->by_kind[k].count)
				continue;
			json_t *x = totals_json(&t->by_kind[k]);
			json_set_str(x, "kind", outcome_kinds[k]);
			json_array_append_new(kinds, x);
		}
		for (int l = 1; l <= FRAMEWORK_LEVEL_MAX; l++) {
			if (!t->by_level[l].count)
				continue;
			json_t *x = totals_json(&t->by_level[l]);
			json_object_set_new(x, "level", json_integer(l));
			json_array_append_new(levels, x);
		}
		/* Years ascending, for the chart. */
		for (int done = 0; done < t->n_years; done++) {
			int best = -1;
			for (int i = 0; i < t->n_years; i++)
				if (t->years[i] >= 0 && (best < 0 || t->years[i] < t->years[best]))
					best = i;
			json_t *x = totals_json(&t->by_year[best]);
			json_object_set_new(x, "year", json_integer(t->years[best]));
			json_array_append_new(years, x);
			t->years[best] = -1;
		}
		json_object_set_new(o, "by_kind", kinds);
		json_object_set_new(o, "by_level", levels);
		json_object_set_new(o, "by_year", years);
		*ret_obj = o;
	}
	json_decref(t->items);
	arena_release(&t->a);
	free(t);
	return err;
}

enum ll_err transcript_csv(struct ll_store *st, const struct ledger_caller *c, const char *person_id,
			   const struct transcript_filter *f, struct buf *out)
{
	struct transcript_ctx *t = calloc(1, sizeof(*t));
	if (!t)
		return LL_NOMEM;
	t->c = c;
	t->person_id = person_id;
	t->f = f;
	t->csv = out;
	buf_puts(out, "\xEF\xBB\xBF");
	const char *const *head = f->is_english ? csv_head_en : csv_head_zh;
	size_t n = sizeof(csv_head_zh) / sizeof(csv_head_zh[0]);
	for (size_t i = 0; i < n; i++)
		csv_write_field(out, head[i], i + 1 == n);
	t->csv_start = out->len;
	enum ll_err err = run(st, t);
	if (err == LL_OK && out->is_oom)
		err = LL_NOMEM;
	arena_release(&t->a);
	free(t);
	return err;
}

/* ---- Current outcomes ---- */

struct current_ctx {
	struct arena *a;
	struct ledger_entry *entries;
	size_t n, cap;
};

static enum ll_err current_row(const struct store_row *row, void *ctx)
{
	struct current_ctx *c = ctx;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 32;
		struct ledger_entry *p = arena_alloc(c->a, cap * sizeof(*p));
		if (!p)
			return LL_NOMEM;
		if (c->n)
			memcpy(p, c->entries, c->n * sizeof(*p));
		c->entries = p;
		c->cap = cap;
	}
	return ledger_entry_from_row(row, c->a, &c->entries[c->n++]);
}

enum ll_err ledger_current_outcomes(struct ll_tx *tx, const char *person_id, struct arena *a,
				    struct ledger_entry **ret_entries, int *ret_n)
{
	struct current_ctx c = { .a = a };
	enum ll_err err = store_exec(tx, &CURRENT, SP(SV_TEXT(person_id)), current_row, &c);
	if (err != LL_OK)
		return err;
	*ret_entries = c.entries;
	*ret_n = (int)c.n;
	return LL_OK;
}

struct current_one {
	struct arena *a;
	struct ledger_entry *entry;
	bool is_found;
};

static enum ll_err current_one_row(const struct store_row *row, void *ctx)
{
	struct current_one *c = ctx;
	c->is_found = true;
	return ledger_entry_from_row(row, c->a, c->entry);
}

enum ll_err ledger_current_outcome(struct ll_tx *tx, const char *person_id, const char *outcome_id, struct arena *a,
				   struct ledger_entry *ret_entry, bool *ret_is_found)
{
	struct current_one c = { a, ret_entry, false };
	enum ll_err err = store_exec(tx, &CURRENT_ONE, SP(SV_TEXT(person_id), SV_TEXT(outcome_id)), current_one_row, &c);
	*ret_is_found = err == LL_OK && c.is_found;
	return err;
}
