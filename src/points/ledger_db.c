/*
 * The points ledger: earning rules (data the city edits), awards, and the double-entry
 * transactions behind every balance. A transaction's two postings sum to zero: the person's
 * account of an education type against the city's issued account (an award) or redeemed
 * account (a redemption). The balance row of each person and type is kept in the same
 * transaction, and the database refuses one below zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../base/grow.h"
#include "../base/id.h"
#include "../store/store.h"
#include "points.h"
#include "points_db.h"

static const struct store_stmt RULE_INSERT = {
	"points rule insert",
	"INSERT INTO points_rules (id, event, name, name_en, edu_type, checkin_source, outcome_kind, level_min, "
	"level_max, points, points_per_hour, daily_cap, is_active, created_at, updated_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)"
};
static const struct store_stmt RULE_UPDATE = {
	"points rule update",
	"UPDATE points_rules SET event = $2, name = $3, name_en = $4, edu_type = $5, checkin_source = $6, "
	"outcome_kind = $7, level_min = $8, level_max = $9, points = $10, points_per_hour = $11, daily_cap = $12, "
	"is_active = $13, updated_at = $14 WHERE id = $1"
};
#define RULE_COLUMNS \
	"id, event, name, name_en, edu_type, checkin_source, outcome_kind, level_min, level_max, points, " \
	"points_per_hour, daily_cap, is_active"
static const struct store_stmt RULE_LIST = { "points rule list",
					     "SELECT " RULE_COLUMNS " FROM points_rules ORDER BY created_at, id" };
static const struct store_stmt RULE_GET = { "points rule get", "SELECT " RULE_COLUMNS " FROM points_rules WHERE id = $1" };
static const struct store_stmt RULE_ACTIVE = {
	"points rules active",
	"SELECT " RULE_COLUMNS " FROM points_rules WHERE is_active = 1 ORDER BY created_at, id"
};
static const struct store_stmt RULE_COUNT = { "points rule count", "SELECT COUNT(*) FROM points_rules" };

static const struct store_stmt TXN_INSERT = {
	"points txn insert",
	"INSERT INTO points_txns (id, person_id, source_key, event, ref, rule_id, day, edu_type, amount, "
	"description, description_en, title, title_en, created_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
	"ON CONFLICT (source_key) DO NOTHING"
};
static const struct store_stmt TXN_BY_KEY = { "points txn by key", "SELECT id FROM points_txns WHERE source_key = $1" };
static const struct store_stmt POSTING_INSERT = {
	"points posting insert",
	"INSERT INTO points_postings (txn_id, account, person_id, edu_type, amount) VALUES ($1, $2, $3, $4, $5)"
};
static const struct store_stmt BALANCE_CREDIT = {
	"points balance credit",
	"INSERT INTO points_balances (person_id, edu_type, balance) VALUES ($1, $2, $3) "
	"ON CONFLICT (person_id, edu_type) DO UPDATE SET balance = points_balances.balance + excluded.balance"
};
static const struct store_stmt BALANCE_DEBIT = {
	"points balance debit",
	"UPDATE points_balances SET balance = balance - $3 WHERE person_id = $1 AND edu_type = $2 AND balance >= $3"
};
static const struct store_stmt EARNED_ON_DAY = {
	"points earned on day",
	"SELECT COALESCE(SUM(amount), 0) FROM points_txns WHERE person_id = $1 AND rule_id = $2 AND day = $3"
};
static const struct store_stmt BALANCES = { "points balances",
					    "SELECT edu_type, balance FROM points_balances WHERE person_id = $1" };
static const struct store_stmt STATEMENT = {
	"points statement",
	"SELECT id, created_at, event, ref, edu_type, amount, description, description_en, title, title_en "
	"FROM points_txns "
	"WHERE person_id = $1 AND ($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3"
};
static const struct store_stmt VERIFY_COUNTS = {
	"points verify counts",
	"SELECT (SELECT COUNT(*) FROM points_txns), (SELECT COUNT(*) FROM points_postings), "
	"(SELECT COUNT(DISTINCT person_id) FROM points_balances)"
};
static const struct store_stmt VERIFY_UNBALANCED = {
	"points verify unbalanced",
	"SELECT (SELECT COUNT(*) FROM (SELECT txn_id FROM points_postings GROUP BY txn_id HAVING SUM(amount) <> 0 "
	"OR COUNT(*) <> 2) u) + (SELECT COUNT(*) FROM points_txns t WHERE NOT EXISTS "
	"(SELECT 1 FROM points_postings p WHERE p.txn_id = t.id))"
};
static const struct store_stmt VERIFY_BALANCES = {
	"points verify balances",
	"SELECT (SELECT COUNT(*) FROM points_balances b LEFT JOIN (SELECT person_id, edu_type, SUM(amount) AS total "
	"FROM points_postings WHERE account = 'person' GROUP BY person_id, edu_type) s "
	"ON s.person_id = b.person_id AND s.edu_type = b.edu_type WHERE b.balance <> COALESCE(s.total, 0)) + "
	"(SELECT COUNT(*) FROM (SELECT person_id, edu_type, SUM(amount) AS total FROM points_postings "
	"WHERE account = 'person' GROUP BY person_id, edu_type) s LEFT JOIN points_balances b "
	"ON s.person_id = b.person_id AND s.edu_type = b.edu_type WHERE b.person_id IS NULL AND s.total <> 0)"
};

/* ---- Rules ---- */

static int name_at(const char *const *names, const char *s)
{
	for (int i = 0; s && names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static int64_t i64_or_none(const struct store_row *row, int col)
{
	return store_row_is_null(row, col) ? -1 : store_row_i64(row, col);
}

static void copy_text(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static enum ll_err rule_row_read(const struct store_row *row, struct rule_row *ret)
{
	memset(ret, 0, sizeof(*ret));
	struct points_rule *r = &ret->rule;
	copy_text(r->id, sizeof(r->id), store_row_text(row, 0));
	r->event = name_at(points_event_kinds, store_row_text(row, 1));
	copy_text(ret->name, sizeof(ret->name), store_row_text(row, 2));
	copy_text(ret->name_en, sizeof(ret->name_en), store_row_text(row, 3));
	r->name = ret->name;
	r->name_en = ret->name_en;
	r->edu_type = store_row_is_null(row, 4) ? -1 : name_at(edu_types, store_row_text(row, 4));
	r->checkin_source = store_row_is_null(row, 5) ? -1 : name_at(checkin_sources, store_row_text(row, 5));
	if (!store_row_is_null(row, 6)) {
		copy_text(ret->outcome_kind, sizeof(ret->outcome_kind), store_row_text(row, 6));
		r->outcome_kind = ret->outcome_kind;
	}
	r->level_min = i64_or_none(row, 7);
	r->level_max = i64_or_none(row, 8);
	r->points = store_row_i64(row, 9);
	r->points_per_hour = store_row_i64(row, 10);
	r->daily_cap = i64_or_none(row, 11);
	r->is_active = store_row_i64(row, 12) != 0;
	if (r->event < 0)
		return ll_fail(LL_INTERNAL, NULL, "points rule %s has an unknown event", r->id);
	return LL_OK;
}

static enum ll_err rule_into_set(const struct store_row *row, void *ctx)
{
	struct rule_set *s = ctx;
	if (!grow(&s->rows, &s->cap, s->n, sizeof(*s->rows), 16))
		return LL_NOMEM;
	enum ll_err err = rule_row_read(row, &s->rows[s->n]);
	if (err == LL_OK)
		s->n++;
	return err;
}

enum ll_err points_rules_load(struct ll_tx *tx, struct rule_set *ret)
{
	ret->n = 0;
	enum ll_err err = store_exec(tx, &RULE_ACTIVE, SP_NONE, rule_into_set, ret);
	/* A rule's strings live in its row, which growing the array may have moved. */
	for (size_t i = 0; i < ret->n; i++) {
		struct rule_row *row = &ret->rows[i];
		row->rule.name = row->name;
		row->rule.name_en = row->name_en;
		if (row->rule.outcome_kind)
			row->rule.outcome_kind = row->outcome_kind;
	}
	return err;
}

void points_rules_release(struct rule_set *s)
{
	free(s->rows);
	*s = (struct rule_set){ 0 };
}

static enum ll_err rule_into_json(const struct store_row *row, void *ctx)
{
	struct rule_row r;
	enum ll_err err = rule_row_read(row, &r);
	if (err == LL_OK && json_array_append_new(ctx, points_rule_json(&r.rule)) != 0)
		err = LL_NOMEM;
	return err;
}

static enum ll_err rule_list_txn(struct ll_tx *tx, void *ctx)
{
	json_array_clear(ctx);
	return store_exec(tx, &RULE_LIST, SP_NONE, rule_into_json, ctx);
}

enum ll_err points_rule_list(struct ll_store *st, json_t **ret_items)
{
	json_t *items = json_array();
	enum ll_err err = items ? store_run(st, STORE_READ, "points rule list", rule_list_txn, items) : LL_NOMEM;
	if (err != LL_OK) {
		json_decref(items);
		return err;
	}
	*ret_items = items;
	return LL_OK;
}

static struct store_val name_or_null(const char *const *names, int i)
{
	return i >= 0 ? SV_TEXT(names[i]) : SV_NULL;
}

static struct store_val i64_or_null(int64_t v)
{
	return v >= 0 ? SV_I64(v) : SV_NULL;
}

struct save_ctx {
	const char *id;
	bool is_new;
	const struct points_rule *r;
	const struct audit_actor *actor;
	json_t *saved;
};

static enum ll_err rule_saved_json(const struct store_row *row, void *ctx)
{
	struct rule_row r;
	enum ll_err err = rule_row_read(row, &r);
	if (err == LL_OK) {
		json_t **saved = ctx;
		json_decref(*saved);
		*saved = points_rule_json(&r.rule);
	}
	return err;
}

static enum ll_err rule_save_txn(struct ll_tx *tx, void *ctx)
{
	struct save_ctx *x = ctx;
	const struct points_rule *r = x->r;
	struct store_val v[] = { SV_TEXT(x->id),
				 SV_TEXT(points_event_kinds[r->event]),
				 SV_TEXT(r->name),
				 SV_TEXT(r->name_en ? r->name_en : ""),
				 name_or_null(edu_types, r->edu_type),
				 name_or_null(checkin_sources, r->checkin_source),
				 SV_TEXT(r->outcome_kind),
				 i64_or_null(r->level_min),
				 i64_or_null(r->level_max),
				 SV_I64(r->points),
				 SV_I64(r->points_per_hour),
				 i64_or_null(r->daily_cap),
				 SV_BOOL(r->is_active),
				 SV_I64(clock_now_us()) };
	enum ll_err err = store_exec(tx, x->is_new ? &RULE_INSERT : &RULE_UPDATE, v, (int)(sizeof(v) / sizeof(v[0])),
				     NULL, NULL);
	if (err == LL_OK && !x->is_new && store_changes(tx) == 0)
		return ll_fail(LL_NOT_FOUND, NULL, "no points rule has this id");
	if (err == LL_OK)
		err = audit_write(tx, x->actor, x->is_new ? "points_rule.create" : "points_rule.update", "points_rule",
				  x->id, r->name);
	if (err == LL_OK)
		err = store_exec(tx, &RULE_GET, SP(SV_TEXT(x->id)), rule_saved_json, &x->saved);
	return err;
}

enum ll_err points_rule_save(struct ll_store *st, const char *id, const struct points_rule *r,
			     const struct audit_actor *actor, json_t **ret)
{
	ll_id fresh;
	if (!id)
		id_new(&fresh);
	struct save_ctx x = { .id = id ? id : fresh.s, .is_new = !id, .r = r, .actor = actor };
	enum ll_err err = store_run(st, STORE_WRITE, "points rule save", rule_save_txn, &x);
	if (err == LL_OK && !x.saved)
		err = LL_NOMEM;
	if (err != LL_OK) {
		json_decref(x.saved);
		return err;
	}
	*ret = x.saved;
	return LL_OK;
}

/* The rules a new city starts with. */
static const struct points_rule default_rules[] = {
	{ .event = EVENT_CHECKIN, .name = "每日学习打卡", .name_en = "Daily learning check-in", .edu_type = -1,
	  .checkin_source = -1, .level_min = -1, .level_max = -1, .points = 5, .daily_cap = -1, .is_active = true },
	{ .event = EVENT_CHECKIN, .name = "学习点扫码打卡", .name_en = "Check-in at a learning site", .edu_type = -1,
	  .checkin_source = CHECKIN_SITE, .level_min = -1, .level_max = -1, .points = 5, .daily_cap = -1,
	  .is_active = true },
	{ .event = EVENT_COMPLETION, .name = "完成在线课程", .name_en = "Online course completed", .edu_type = -1,
	  .checkin_source = -1, .level_min = -1, .level_max = -1, .points = 2, .points_per_hour = 5, .daily_cap = 50,
	  .is_active = true },
	{ .event = EVENT_OUTCOME, .name = "学习成果存入学分银行", .name_en = "Outcome deposited in the credit bank",
	  .edu_type = -1, .checkin_source = -1, .level_min = -1, .level_max = -1, .points = 20, .daily_cap = -1,
	  .is_active = true },
	{ .event = EVENT_OUTCOME, .name = "资历框架五级及以上成果", .name_en = "Outcome at framework level 5 or above",
	  .edu_type = -1, .checkin_source = -1, .level_min = 5, .level_max = -1, .points = 30, .daily_cap = -1,
	  .is_active = true },
};

static enum ll_err count_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err seed_txn(struct ll_tx *tx, void *ctx)
{
	int64_t n = 0;
	enum ll_err err = store_exec(tx, &RULE_COUNT, SP_NONE, count_row, &n);
	for (size_t i = 0; err == LL_OK && n == 0 && i < sizeof(default_rules) / sizeof(default_rules[0]); i++) {
		struct save_ctx x = { .is_new = true, .r = &default_rules[i], .actor = ctx };
		ll_id id;
		id_new(&id);
		x.id = id.s;
		err = rule_save_txn(tx, &x);
		json_decref(x.saved);
	}
	return err;
}

enum ll_err points_seed_reference(struct ll_store *st)
{
	static const struct audit_actor system = { .id = "system", .role = "system", .name = "lifelong" };
	return store_run(st, STORE_WRITE, "points seed", seed_txn, (void *)&system);
}

/* ---- Moving points ---- */

static enum ll_err id_row(const struct store_row *row, void *ctx)
{
	copy_text(ctx, POINTS_ID_MAX, store_row_text(row, 0));
	return LL_OK;
}

enum ll_err points_move(struct ll_tx *tx, const struct points_move *m, char ret_txn_id[POINTS_ID_MAX],
			bool *ret_is_new)
{
	if (m->amount <= 0 || m->edu_type < 0 || m->edu_type >= EDU_COUNT)
		return ll_fail(LL_INTERNAL, NULL, "a points movement needs a positive amount and a type");
	ll_id id;
	id_new(&id);
	const char *type = edu_types[m->edu_type];
	int64_t signed_amount = m->is_credit ? m->amount : -m->amount;
	enum ll_err err = store_exec(tx, &TXN_INSERT,
				     SP(SV_TEXT(id.s), SV_TEXT(m->person_id), SV_TEXT(m->source_key), SV_TEXT(m->event),
					SV_TEXT(m->ref ? m->ref : ""), SV_TEXT(m->rule_id), SV_I64(m->day), SV_TEXT(type),
					SV_I64(signed_amount), SV_TEXT(m->description ? m->description : ""),
					SV_TEXT(m->description_en ? m->description_en : ""), SV_TEXT(m->title), SV_TEXT(m->title_en),
					SV_I64(clock_now_us())),
				     NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) == 0) {
		*ret_is_new = false;
		if (ret_txn_id)
			ret_txn_id[0] = '\0';
		return ret_txn_id ? store_exec(tx, &TXN_BY_KEY, SP(SV_TEXT(m->source_key)), id_row, ret_txn_id) : LL_OK;
	}
	*ret_is_new = true;
	if (ret_txn_id)
		copy_text(ret_txn_id, POINTS_ID_MAX, id.s);
	if (m->is_credit) {
		err = store_exec(tx, &BALANCE_CREDIT, SP(SV_TEXT(m->person_id), SV_TEXT(type), SV_I64(m->amount)), NULL,
				 NULL);
	} else {
		err = store_exec(tx, &BALANCE_DEBIT, SP(SV_TEXT(m->person_id), SV_TEXT(type), SV_I64(m->amount)), NULL,
				 NULL);
		if (err == LL_OK && store_changes(tx) == 0)
			return ll_fail(LL_INSUFFICIENT_POINTS, NULL, "the balance of %s points is below %lld", type,
				       (long long)m->amount);
	}
	if (err == LL_OK)
		err = store_exec(tx, &POSTING_INSERT,
				 SP(SV_TEXT(id.s), SV_TEXT("person"), SV_TEXT(m->person_id), SV_TEXT(type),
				    SV_I64(signed_amount)),
				 NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &POSTING_INSERT,
				 SP(SV_TEXT(id.s), SV_TEXT(m->is_credit ? "city:issued" : "city:redeemed"), SV_NULL,
				    SV_TEXT(type), SV_I64(-signed_amount)),
				 NULL, NULL);
	return err;
}

/* ---- Awards ---- */

enum ll_err points_award_with(struct ll_tx *tx, const struct rule_set *rules, const struct points_event *e)
{
	enum ll_err err = LL_OK;
	for (size_t i = 0; err == LL_OK && i < rules->n; i++) {
		const struct points_rule *r = &rules->rows[i].rule;
		if (!points_rule_matches(r, e))
			continue;
		int64_t earned = 0;
		if (r->daily_cap >= 0)
			err = store_exec(tx, &EARNED_ON_DAY, SP(SV_TEXT(e->person_id), SV_TEXT(r->id), SV_I64(e->day)),
					 count_row, &earned);
		int64_t amount = err == LL_OK ? points_rule_award(r, e, earned) : 0;
		if (amount == 0)
			continue;
		char key[POINTS_ID_MAX + 200];
		snprintf(key, sizeof(key), "%s|%s", r->id, e->key);
		struct points_move m = { .person_id = e->person_id, .edu_type = points_rule_edu_type(r, e),
					 .amount = amount, .is_credit = true, .source_key = key,
					 .event = points_event_kinds[e->kind], .ref = e->key, .rule_id = r->id,
					 .day = e->day, .description = r->name, .description_en = r->name_en,
					 .title = e->title, .title_en = e->title_en };
		bool is_new;
		err = points_move(tx, &m, NULL, &is_new);
	}
	return err;
}

enum ll_err points_award(struct ll_tx *tx, const struct points_event *e)
{
	struct rule_set rules = { 0 };
	enum ll_err err = points_rules_load(tx, &rules);
	if (err == LL_OK)
		err = points_award_with(tx, &rules, e);
	points_rules_release(&rules);
	return err;
}

/* ---- Balances and the statement ---- */

struct person_ctx {
	const char *person_id;
	const char *after;
	int limit;
	int64_t balances[EDU_COUNT];
	json_t *items;
	int n;
};

static enum ll_err balance_row(const struct store_row *row, void *ctx)
{
	struct person_ctx *p = ctx;
	int t = name_at(edu_types, store_row_text(row, 0));
	if (t >= 0)
		p->balances[t] = store_row_i64(row, 1);
	return LL_OK;
}

static enum ll_err balances_txn(struct ll_tx *tx, void *ctx)
{
	struct person_ctx *p = ctx;
	memset(p->balances, 0, sizeof(p->balances));
	return store_exec(tx, &BALANCES, SP(SV_TEXT(p->person_id)), balance_row, p);
}

json_t *points_balances_json(const int64_t balances[EDU_COUNT])
{
	json_t *by_type = json_object();
	int64_t total = 0;
	for (int t = 0; by_type && t < EDU_COUNT; t++) {
		json_object_set_new(by_type, edu_types[t], json_integer(balances[t]));
		total += balances[t];
	}
	return by_type ? json_pack("{s:o, s:I}", "balances", by_type, "total", (json_int_t)total) : NULL;
}

enum ll_err points_balances(struct ll_store *st, const char *person_id, json_t **ret)
{
	struct person_ctx p = { .person_id = person_id };
	enum ll_err err = store_run(st, STORE_READ, "points balances", balances_txn, &p);
	if (err != LL_OK)
		return err;
	*ret = points_balances_json(p.balances);
	return *ret ? LL_OK : LL_NOMEM;
}

static enum ll_err statement_row(const struct store_row *row, void *ctx)
{
	struct person_ctx *p = ctx;
	if (++p->n > p->limit)
		return LL_OK;
	char at[32];
	clock_format_rfc3339(store_row_i64(row, 1), at);
	const char *event = store_row_text(row, 2);
	/* A title without an English form is the same in English. */
	int title_en = store_row_is_null(row, 9) ? 8 : 9;
	json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s?, s:s?}", "id",
				 store_row_text(row, 0), "at", at, "kind",
				 strcmp(event, "redemption") == 0 ? "redeem" : "award", "event", event, "ref",
				 store_row_text(row, 3), "edu_type", store_row_text(row, 4), "points",
				 (json_int_t)store_row_i64(row, 5), "description", store_row_text(row, 6), "description_en",
				 store_row_text(row, 7), "title", store_row_text(row, 8), "title_en",
				 store_row_text(row, title_en));
	return line && json_array_append_new(p->items, line) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err statement_txn(struct ll_tx *tx, void *ctx)
{
	struct person_ctx *p = ctx;
	json_array_clear(p->items);
	p->n = 0;
	return store_exec(tx, &STATEMENT, SP(SV_TEXT(p->person_id), SV_TEXT(p->after), SV_I64(p->limit + 1)),
			  statement_row, p);
}

enum ll_err points_statement(struct ll_store *st, const char *person_id, const char *after, int limit,
			     json_t **ret_page)
{
	if (after && *after && !id_is_valid(after))
		return ll_fail(LL_BAD_QUERY, "after", "after is the next value of the previous page");
	struct person_ctx p = { .person_id = person_id, .after = after ? after : "", .limit = limit,
				.items = json_array() };
	enum ll_err err = p.items ? store_run(st, STORE_READ, "points statement", statement_txn, &p) : LL_NOMEM;
	if (err != LL_OK) {
		json_decref(p.items);
		return err;
	}
	json_t *page = json_pack("{s:o}", "items", p.items);
	if (page && p.n > limit) {
		json_t *last = json_array_get(p.items, json_array_size(p.items) - 1);
		json_object_set(page, "next", json_object_get(last, "id"));
	}
	*ret_page = page;
	return page ? LL_OK : LL_NOMEM;
}

/* ---- Checking the whole ledger ---- */

static enum ll_err counts_row(const struct store_row *row, void *ctx)
{
	struct points_check *c = ctx;
	c->transactions = store_row_i64(row, 0);
	c->postings = store_row_i64(row, 1);
	c->persons = store_row_i64(row, 2);
	return LL_OK;
}

static enum ll_err verify_txn(struct ll_tx *tx, void *ctx)
{
	struct points_check *c = ctx;
	memset(c, 0, sizeof(*c));
	enum ll_err err = store_exec(tx, &VERIFY_COUNTS, SP_NONE, counts_row, c);
	if (err == LL_OK)
		err = store_exec(tx, &VERIFY_UNBALANCED, SP_NONE, count_row, &c->unbalanced);
	if (err == LL_OK)
		err = store_exec(tx, &VERIFY_BALANCES, SP_NONE, count_row, &c->wrong_balances);
	return err;
}

enum ll_err points_verify(struct ll_store *st, struct points_check *ret)
{
	return store_run(st, STORE_READ, "points verify", verify_txn, ret);
}
