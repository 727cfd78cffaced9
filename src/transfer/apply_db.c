/*
 * SQL of transfer applications: a learner applies for what a fresh audit finds available, the
 * receiving institution decides each item, and an approval stores the credit in the ledger as
 * entries that name the item, the rule version and the source outcomes. Nothing of an
 * application is stored when any of it is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/roles.h"
#include "../base/clock.h"
#include "transfer_db.h"

/* ---- Applications ---- */

const char *const transfer_item_statuses[] = { "pending", "approved", "rejected", NULL };

static const struct store_stmt ITEMS_OF = {
	"transfer items of person",
	"SELECT id, status, rule_id, rule_version, grants, sources FROM transfer_items WHERE person_id = $1 "
	"AND programme_id = $2 AND status IN ('pending', 'approved') ORDER BY created_at, id"
};
static const struct store_stmt APPLICATION_INSERT = {
	"transfer application insert",
	"INSERT INTO transfer_applications (id, person_id, programme_id, created_at) VALUES ($1, $2, $3, $4)"
};
static const struct store_stmt ITEM_INSERT = {
	"transfer item insert",
	"INSERT INTO transfer_items (id, application_id, person_id, programme_id, institution_id, rule_id, rule_version, "
	"grants, sources, credits_milli, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11)"
};
static const struct store_stmt SOURCE_INSERT = {
	"transfer source insert",
	"INSERT INTO transfer_sources (programme_id, person_id, outcome_id, kind, item_id) VALUES ($1, $2, $3, $4, $5) "
	"ON CONFLICT DO NOTHING"
};
static const struct store_stmt COURSE_INSERT = {
	"transfer course insert",
	"INSERT INTO transfer_courses (programme_id, person_id, course_code, item_id) VALUES ($1, $2, $3, $4) "
	"ON CONFLICT DO NOTHING"
};
#define ITEM_COLS                                                                                                   \
	"i.id, i.application_id, i.person_id, i.programme_id, i.institution_id, i.rule_id, i.rule_version, i.grants, " \
	"i.sources, i.credits_milli, i.status, i.reason, i.decided_at, i.created_at, p.name, p.name_en, v.body, "     \
	"per.account_no, per.name, du.display_name"
#define ITEM_FROM                                                                                                   \
	" FROM transfer_items i JOIN programmes p ON p.id = i.programme_id JOIN persons per ON per.id = i.person_id " \
	"LEFT JOIN transfer_rule_versions v ON v.rule_id = i.rule_id AND v.version = i.rule_version "                \
	"LEFT JOIN users du ON du.id = i.decided_by "
static const struct store_stmt ITEM_GET = { "transfer item", "SELECT " ITEM_COLS ITEM_FROM "WHERE i.id = $1" };
static const struct store_stmt ITEMS_OF_PERSON = {
	"transfer items of a person",
	"SELECT " ITEM_COLS ITEM_FROM "WHERE i.person_id = $1 ORDER BY i.created_at DESC, i.id LIMIT 500"
};
static const struct store_stmt ITEM_QUEUE = {
	"transfer item queue",
	"SELECT " ITEM_COLS ITEM_FROM "WHERE i.institution_id = $1 AND i.status = $2 ORDER BY i.created_at, i.id LIMIT 500"
};
static const struct store_stmt ITEM_DECIDE = {
	"transfer item decide",
	"UPDATE transfer_items SET status = $2, reason = $3, decided_by = $4, decided_at = $5 "
	"WHERE id = $1 AND status = 'pending'"
};
static const struct store_stmt SOURCES_FREE = { "transfer sources free", "DELETE FROM transfer_sources WHERE item_id = $1" };
static const struct store_stmt COURSES_FREE = { "transfer courses free", "DELETE FROM transfer_courses WHERE item_id = $1" };

/* The items of a person in a programme as the audit takes them: one a grant. */
struct items_ctx {
	struct arena *a;
	struct audit_transfer *transfers;
	int n, cap;
	enum ll_err err;
};

static const char **strings_of(struct arena *a, const json_t *array, int *ret_n)
{
	size_t n = json_is_array(array) ? json_array_size(array) : 0;
	const char **out = arena_alloc(a, sizeof(char *) * (n ? n : 1));
	*ret_n = 0;
	for (size_t i = 0; out && i < n; i++)
		if (json_is_string(json_array_get(array, i)))
			out[(*ret_n)++] = arena_strdup(a, json_string_value(json_array_get(array, i)));
	return out;
}

static enum ll_err item_row(const struct store_row *row, void *ctx)
{
	struct items_ctx *x = ctx;
	json_t *grants = json_loads(store_row_text(row, 4), 0, NULL), *sources = json_loads(store_row_text(row, 5), 0, NULL);
	enum ll_err err = LL_OK;
	int n_src;
	const char **src = strings_of(x->a, sources, &n_src);
	const char *id = arena_strdup(x->a, store_row_text(row, 0)), *rule_id = arena_strdup(x->a, store_row_text(row, 2));
	bool is_pending = strcmp(store_row_text(row, 1), "pending") == 0;
	size_t i;
	json_t *g;
	if (!src || !id || !rule_id || !json_is_array(grants)) {
		err = grants ? LL_NOMEM : ll_fail(LL_INTERNAL, NULL, "transfer item %s has malformed grants", store_row_text(row, 0));
		goto out;
	}
	json_array_foreach(grants, i, g) {
		if (x->n == x->cap) {
			int cap = x->cap ? 2 * x->cap : 16;
			struct audit_transfer *p = arena_alloc(x->a, sizeof(*p) * (size_t)cap);
			if (!p) {
				err = LL_NOMEM;
				goto out;
			}
			if (x->n)
				memcpy(p, x->transfers, sizeof(*p) * (size_t)x->n);
			x->transfers = p;
			x->cap = cap;
		}
		const char *course = json_string_value(json_object_get(g, "course"));
		const char *group = json_string_value(json_object_get(g, "group"));
		x->transfers[x->n++] = (struct audit_transfer){
			.id = id, .is_pending = is_pending, .course_code = course ? arena_strdup(x->a, course) : NULL,
			.group_code = group ? arena_strdup(x->a, group) : NULL,
			.credits_milli = json_integer_value(json_object_get(g, "credits_milli")), .rule_id = rule_id,
			.rule_version = (int)store_row_i64(row, 3), .source_ids = src, .n_sources = n_src
		};
	}
out:
	json_decref(grants);
	json_decref(sources);
	return err;
}

enum ll_err transfer_items_load(struct ll_tx *tx, const char *person_id, const char *programme_id, struct arena *a,
				struct audit_transfer **ret, int *ret_n)
{
	struct items_ctx x = { .a = a };
	enum ll_err err = store_exec(tx, &ITEMS_OF, SP(SV_TEXT(person_id), SV_TEXT(programme_id)), item_row, &x);
	if (err != LL_OK)
		return err;
	*ret = x.transfers;
	*ret_n = x.n;
	return LL_OK;
}

/* ---- Applying ---- */

/* An item being gathered: one application of one rule with its outcomes, and what it grants. */
struct pending_item {
	const char *rule_id;
	int rule_version;
	json_t *sources;                /* borrowed from the report */
	json_t *grants;                 /* owned */
	int64_t credits_milli;
};

struct apply_ctx {
	const struct ledger_caller *c;
	const char *programme_id;
	const struct transfer_request *requests;
	int n;
	const struct audit_actor *actor;
	struct arena a;
	json_t *result;
};

static json_t *report_find(json_t *array, const char *key, const char *value)
{
	size_t i;
	json_t *x;
	json_array_foreach(array, i, x) {
		const char *v = json_string_value(json_object_get(x, key));
		if (v && strcmp(v, value) == 0)
			return x;
	}
	return NULL;
}

/* The item of items that applies rule_id with exactly sources, or a new one. */
static struct pending_item *item_for(struct pending_item *items, int *n, json_t *rule, json_t *sources)
{
	const char *rule_id = json_string_value(json_object_get(rule, "id"));
	for (int i = 0; i < *n; i++)
		if (strcmp(items[i].rule_id, rule_id) == 0 && json_equal(items[i].sources, sources))
			return &items[i];
	struct pending_item *it = &items[(*n)++];
	*it = (struct pending_item){ .rule_id = rule_id, .rule_version = (int)json_integer_value(json_object_get(rule, "version")),
				     .sources = sources, .grants = json_array() };
	return it;
}

/* Turns the requests into items by the report; LL_INVALID_VALUE or LL_CONFLICT naming items[i]. */
static enum ll_err items_gather(const struct apply_ctx *x, const struct programme *p, json_t *report,
				struct pending_item *items, int *ret_n)
{
	json_t *courses = json_object_get(report, "courses"), *group_credits = json_object_get(report, "group_credits");
	bool taken[TRANSFER_REQUESTS_MAX * RULE_GRANTS_MAX] = { false };
	int n = 0;
	for (int i = 0; i < x->n; i++) {
		const struct transfer_request *q = &x->requests[i];
		char field[32];
		snprintf(field, sizeof(field), "items[%d]", i);
		if (q->course) {
			json_t *c = report_find(courses, "code", q->course);
			const char *status = c ? json_string_value(json_object_get(c, "status")) : NULL;
			if (!c)
				return ll_fail(LL_UNKNOWN_COURSE, field, "the programme has no course %s", q->course);
			if (strcmp(status, "pending") == 0 || strcmp(status, "transferred") == 0)
				return ll_fail(LL_CONFLICT, field, "course %s is %s already", q->course,
					       strcmp(status, "pending") == 0 ? "applied for" : "transferred");
			if (strcmp(status, "available") != 0)
				return ll_fail(LL_INVALID_VALUE, field, "no rule grants course %s with your outcomes (%s)",
					       q->course, status);
			struct pending_item *it = item_for(items, &n, json_object_get(c, "rule"), json_object_get(c, "outcome_ids"));
			for (size_t k = 0; k < json_array_size(it->grants); k++)
				if (json_equal(json_object_get(json_array_get(it->grants, k), "course"), json_object_get(c, "code")))
					return ll_fail(LL_CONFLICT, field, "course %s is asked for twice", q->course);
			json_array_append_new(it->grants, json_pack("{s:s}", "course", q->course));
			it->credits_milli += p->plan.courses[plan_course_find(&p->plan, q->course)].credits_milli;
			continue;
		}
		if (!q->group || !q->rule_id)
			return ll_fail(LL_MISSING_FIELD, field, "an item names a course, or a group and a rule");
		size_t k;
		json_t *g;
		bool is_found = false;
		json_array_foreach(group_credits, k, g) {
			if (is_found || k >= sizeof(taken) / sizeof(taken[0]) || taken[k])
				continue;
			const char *status = json_string_value(json_object_get(g, "status"));
			const char *group = json_string_value(json_object_get(g, "group"));
			const char *rule = json_string_value(json_object_get(json_object_get(g, "rule"), "id"));
			if (strcmp(status, "available") != 0 || strcmp(group, q->group) != 0 || strcmp(rule, q->rule_id) != 0)
				continue;
			taken[k] = is_found = true;
			struct pending_item *it = item_for(items, &n, json_object_get(g, "rule"), json_object_get(g, "outcome_ids"));
			json_int_t milli = json_integer_value(json_object_get(g, "credits_milli"));
			json_array_append_new(it->grants, json_pack("{s:s, s:I}", "group", q->group, "credits_milli", milli));
			it->credits_milli += milli;
		}
		if (!is_found)
			return ll_fail(LL_INVALID_VALUE, field, "rule %s grants no (more) credit in group %s with your outcomes",
				       q->rule_id, q->group);
	}
	/* An item is one application of a rule: it takes everything else that application grants
	 * with the same outcomes, which could not be applied for apart from it. */
	for (int i = 0; i < n; i++) {
		struct pending_item *it = &items[i];
		size_t k;
		json_t *c;
		json_array_foreach(courses, k, c) {
			json_t *rule = json_object_get(c, "rule");
			if (strcmp(json_string_value(json_object_get(c, "status")), "available") != 0 ||
			    strcmp(json_string_value(json_object_get(rule, "id")), it->rule_id) != 0 ||
			    !json_equal(json_object_get(c, "outcome_ids"), it->sources))
				continue;
			bool is_in = false;
			for (size_t g = 0; g < json_array_size(it->grants) && !is_in; g++)
				is_in = json_equal(json_object_get(json_array_get(it->grants, g), "course"), json_object_get(c, "code"));
			if (is_in)
				continue;
			const char *code = json_string_value(json_object_get(c, "code"));
			json_array_append_new(it->grants, json_pack("{s:s}", "course", code));
			it->credits_milli += p->plan.courses[plan_course_find(&p->plan, code)].credits_milli;
		}
	}
	*ret_n = n;
	return LL_OK;
}

static const char *kind_of(const struct audit_outcome *outcomes, int n, const char *outcome_id)
{
	const struct audit_outcome *o = transfer_outcome_find(outcomes, n, outcome_id);
	return o ? outcome_kinds[o->kind] : "other_learning";
}

static enum ll_err apply_txn(struct ll_tx *tx, void *ctx)
{
	struct apply_ctx *x = ctx;
	struct programme p;
	json_t *root = NULL, *report = NULL;
	struct rules_ctx rules = { 0 };
	struct pending_item items[TRANSFER_REQUESTS_MAX];
	int n_items = 0;
	char person_id[LL_ID_LEN + 1], now_day[11];
	json_decref(x->result);
	x->result = NULL;
	arena_reset(&x->a);
	enum ll_err err = transfer_person_of(tx, x->c, NULL, person_id);
	if (err != LL_OK)
		return err;
	if ((err = transfer_programme_load(tx, x->programme_id, &x->a, &p, &root)) != LL_OK)
		return err;
	rules = (struct rules_ctx){ .a = &x->a, .plan = &p.plan, .is_approved_only = true };
	transfer_today(now_day);
	if ((err = transfer_rules_load(tx, x->programme_id, &rules)) != LL_OK ||
	    (err = transfer_audit_one(tx, &p, &rules, person_id, now_day, &x->a, &report)) != LL_OK ||
	    (err = items_gather(x, &p, report, items, &n_items)) != LL_OK)
		goto out;
	/* The kinds of the outcomes used, for the city's statistics. */
	struct audit_outcome *current;
	int n_current;
	if ((err = transfer_person_outcomes(tx, person_id, &x->a, &current, &n_current)) != LL_OK)
		goto out;
	int64_t now = clock_now_us();
	ll_id app_id;
	id_new(&app_id);
	if ((err = store_exec(tx, &APPLICATION_INSERT, SP(SV_TEXT(app_id.s), SV_TEXT(person_id), SV_TEXT(x->programme_id),
							  SV_I64(now)), NULL, NULL)) != LL_OK)
		goto out;
	json_t *out_items = json_array();
	x->result = json_pack("{s:s, s:s, s:s, s:o}", "id", app_id.s, "programme_id", x->programme_id, "programme_name",
			      p.name, "items", out_items);
	json_set_time(x->result, "created_at", now);
	for (int i = 0; i < n_items && err == LL_OK; i++) {
		struct pending_item *it = &items[i];
		ll_id item_id;
		id_new(&item_id);
		char *grants = json_dumps(it->grants, JSON_COMPACT), *sources = json_dumps(it->sources, JSON_COMPACT);
		if (!grants || !sources)
			err = LL_NOMEM;
		if (err == LL_OK)
			err = store_exec(tx, &ITEM_INSERT,
					 SP(SV_TEXT(item_id.s), SV_TEXT(app_id.s), SV_TEXT(person_id), SV_TEXT(x->programme_id),
					    SV_TEXT(p.institution_id), SV_TEXT(it->rule_id), SV_I64(it->rule_version),
					    SV_TEXT(grants), SV_TEXT(sources), SV_I64(it->credits_milli), SV_I64(now)),
					 NULL, NULL);
		free(grants);
		free(sources);
		size_t k;
		json_t *v;
		/* The audit gave each outcome and course to one item; an application that committed
		 * meanwhile may have taken them. */
		json_array_foreach(it->sources, k, v) {
			if (err != LL_OK)
				break;
			err = store_exec(tx, &SOURCE_INSERT,
					 SP(SV_TEXT(x->programme_id), SV_TEXT(person_id), SV_TEXT(json_string_value(v)),
					    SV_TEXT(kind_of(current, n_current, json_string_value(v))), SV_TEXT(item_id.s)),
					 NULL, NULL);
			if (err == LL_OK && store_changes(tx) != 1)
				err = ll_fail(LL_CONFLICT, "items", "an outcome counts for another application already");
		}
		json_array_foreach(it->grants, k, v) {
			const char *course = json_string_value(json_object_get(v, "course"));
			if (err != LL_OK || !course)
				continue;
			err = store_exec(tx, &COURSE_INSERT, SP(SV_TEXT(x->programme_id), SV_TEXT(person_id), SV_TEXT(course),
								SV_TEXT(item_id.s)), NULL, NULL);
			if (err == LL_OK && store_changes(tx) != 1)
				err = ll_fail(LL_CONFLICT, "items", "course %s is applied for already", course);
		}
		json_array_append_new(out_items, json_pack("{s:s, s:s, s:s, s:i, s:O, s:O, s:I}", "id", item_id.s, "status",
							   "pending", "rule_id", it->rule_id, "rule_version", it->rule_version,
							   "grants", it->grants, "sources", it->sources, "credits_milli",
							   (json_int_t)it->credits_milli));
	}
	if (err == LL_OK)
		err = audit_write(tx, x->actor, "transfer.apply", "programme", x->programme_id, app_id.s);
out:
	for (int i = 0; i < n_items; i++)
		json_decref(items[i].grants);
	transfer_rules_release(&rules);
	json_decref(report);
	json_decref(root);
	return err;
}

enum ll_err transfer_apply(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
			   const struct transfer_request *requests, int n, const struct audit_actor *actor,
			   json_t **ret_obj)
{
	if (n < 1 || n > TRANSFER_REQUESTS_MAX)
		return ll_fail(LL_OUT_OF_RANGE, "items", "an application holds 1 to %d items", TRANSFER_REQUESTS_MAX);
	struct apply_ctx x = { .c = c, .programme_id = programme_id, .requests = requests, .n = n, .actor = actor };
	arena_init(&x.a, 0);
	enum ll_err err = store_run(st, STORE_WRITE, "transfer apply", apply_txn, &x);
	arena_release(&x.a);
	if (err != LL_OK) {
		json_decref(x.result);
		return err;
	}
	*ret_obj = x.result;
	return LL_OK;
}

/* ---- Items listed ---- */

struct item_list_ctx {
	const struct ledger_caller *c;
	const char *status;
	struct arena a;
	json_t *items;
	bool with_sources;              /* the source outcomes in detail, for reviewers */
	struct ll_tx *tx;
};

static json_t *item_json(const struct store_row *row)
{
	json_t *grants = json_loads(store_row_text(row, 7), 0, NULL), *sources = json_loads(store_row_text(row, 8), 0, NULL);
	json_t *rule = store_row_is_null(row, 16) ? NULL : json_loads(store_row_text(row, 16), 0, NULL);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:I, s:s}", "id", store_row_text(row, 0),
			      "application_id", store_row_text(row, 1), "programme_id", store_row_text(row, 3), "rule_id",
			      store_row_text(row, 5), "rule_version", (json_int_t)store_row_i64(row, 6), "grants",
			      grants ? grants : json_array(), "sources", sources ? sources : json_array(), "credits_milli",
			      (json_int_t)store_row_i64(row, 9), "status", store_row_text(row, 10));
	json_set_str(o, "reason", store_row_is_null(row, 11) ? NULL : store_row_text(row, 11));
	json_set_time(o, "decided_at", store_row_is_null(row, 12) ? 0 : store_row_i64(row, 12));
	json_set_time(o, "created_at", store_row_i64(row, 13));
	json_set_str(o, "programme_name", store_row_text(row, 14));
	json_set_str(o, "programme_name_en", store_row_is_null(row, 15) ? NULL : store_row_text(row, 15));
	json_set_str(o, "rule_name", rule ? json_string_value(json_object_get(rule, "name")) : NULL);
	json_set_str(o, "rule_name_en", rule ? json_string_value(json_object_get(rule, "name_en")) : NULL);
	json_set_str(o, "decided_by", store_row_is_null(row, 19) ? NULL : store_row_text(row, 19));
	json_decref(rule);
	return o;
}

/* The current versions of the item's source outcomes, as reviewers weigh them. */
static enum ll_err sources_detail(struct item_list_ctx *l, const char *person_id, json_t *item)
{
	struct ledger_entry *entries;
	struct audit_outcome *all;
	int n, n_all;
	enum ll_err err = ledger_current_outcomes(l->tx, person_id, &l->a, &entries, &n);
	if (err == LL_OK)
		err = transfer_person_outcomes(l->tx, person_id, &l->a, &all, &n_all);
	if (err != LL_OK)
		return err;
	json_t *detail = json_array();
	size_t i;
	json_t *id;
	json_array_foreach(json_object_get(item, "sources"), i, id) {
		json_t *o = NULL;
		for (int k = 0; k < n && !o; k++)
			if (strcmp(entries[k].outcome_id, json_string_value(id)) == 0)
				o = entry_json(&entries[k]);
		/* An outcome imported from another credit bank: what it says, and which bank holds it. */
		const struct audit_outcome *x = o ? NULL : transfer_outcome_find(all, n_all, json_string_value(id));
		if (x && x->node_id) {
			o = json_pack("{s:O, s:s, s:s, s:s, s:s?, s:s?, s:s, s:b}", "outcome_id", id, "node_id", x->node_id,
				      "kind", outcome_kinds[x->kind], "title", x->title, "code", x->code, "result", x->result,
				      "awarded_on", x->awarded_on, "is_external", 1);
			json_object_set_new(o, "level", x->level < 0 ? json_null() : json_integer(x->level));
			json_object_set_new(o, "credits_milli", x->credits_milli < 0 ? json_null() : json_integer(x->credits_milli));
			json_object_set_new(o, "hours_milli", x->hours_milli < 0 ? json_null() : json_integer(x->hours_milli));
		}
		json_array_append_new(detail, o ? o : json_pack("{s:O, s:b}", "outcome_id", id, "is_revoked", 1));
	}
	json_object_set_new(item, "source_outcomes", detail);
	return LL_OK;
}

static enum ll_err item_list_row(const struct store_row *row, void *ctx)
{
	struct item_list_ctx *l = ctx;
	json_t *o = item_json(row);
	if (!o)
		return LL_NOMEM;
	json_object_set_new(o, "person", json_pack("{s:s, s:s, s:s}", "id", store_row_text(row, 2), "account_no",
						   store_row_text(row, 17), "name", store_row_text(row, 18)));
	enum ll_err err = l->with_sources ? sources_detail(l, store_row_text(row, 2), o) : LL_OK;
	json_array_append_new(l->items, o);
	return err;
}

static enum ll_err mine_txn(struct ll_tx *tx, void *ctx)
{
	struct item_list_ctx *l = ctx;
	json_array_clear(l->items);
	return store_exec(tx, &ITEMS_OF_PERSON, SP(SV_TEXT(l->c->person_id)), item_list_row, l);
}

static enum ll_err queue_txn(struct ll_tx *tx, void *ctx)
{
	struct item_list_ctx *l = ctx;
	json_array_clear(l->items);
	arena_reset(&l->a);
	l->tx = tx;
	return store_exec(tx, &ITEM_QUEUE, SP(SV_TEXT(l->c->institution_id), SV_TEXT(l->status)), item_list_row, l);
}

static enum ll_err item_list(struct ll_store *st, struct item_list_ctx *l, store_txn_fn fn, json_t **ret_page)
{
	l->items = json_array();
	arena_init(&l->a, 0);
	enum ll_err err = store_run(st, STORE_READ, "transfer items", fn, l);
	arena_release(&l->a);
	if (err != LL_OK) {
		json_decref(l->items);
		return err;
	}
	*ret_page = json_pack("{s:o}", "items", l->items);
	return LL_OK;
}

enum ll_err transfer_applications(struct ll_store *st, const struct ledger_caller *c, json_t **ret_page)
{
	if (!(c->role & ROLE_CITIZEN) || !c->person_id)
		return ll_fail(LL_FORBIDDEN, NULL, "a learner lists their own applications");
	struct item_list_ctx l = { .c = c };
	return item_list(st, &l, mine_txn, ret_page);
}

enum ll_err transfer_item_queue(struct ll_store *st, const struct ledger_caller *c, const char *status,
				json_t **ret_page)
{
	if (!c->institution_id || !(c->role & (ROLE_STAFF | ROLE_INSTITUTION_ADMIN)))
		return ll_fail(LL_FORBIDDEN, NULL, "the receiving institution's staff review transfers");
	if (status && ledger_name_index(transfer_item_statuses, status) < 0)
		return ll_fail(LL_BAD_QUERY, "status", "status is pending, approved or rejected");
	struct item_list_ctx l = { .c = c, .status = status ? status : "pending", .with_sources = true };
	return item_list(st, &l, queue_txn, ret_page);
}

/* ---- Deciding ---- */

struct decide_item_ctx {
	const struct ledger_caller *c;
	const char *item_id;
	bool is_approved;
	const char *reason;
	const struct audit_actor *actor;
	struct arena a;
	/* The item */
	bool is_found;
	const char *person_id, *programme_id, *institution_id, *rule_id, *status, *grants, *sources;
	int rule_version;
};

static enum ll_err decide_item_row(const struct store_row *row, void *ctx)
{
	struct decide_item_ctx *x = ctx;
	x->is_found = true;
	x->person_id = arena_strdup(&x->a, store_row_text(row, 2));
	x->programme_id = arena_strdup(&x->a, store_row_text(row, 3));
	x->institution_id = arena_strdup(&x->a, store_row_text(row, 4));
	x->rule_id = arena_strdup(&x->a, store_row_text(row, 5));
	x->rule_version = (int)store_row_i64(row, 6);
	x->grants = arena_strdup(&x->a, store_row_text(row, 7));
	x->sources = arena_strdup(&x->a, store_row_text(row, 8));
	x->status = arena_strdup(&x->a, store_row_text(row, 10));
	return LL_OK;
}

/* The ledger entries of an approved item: one outcome a granted course or group credit. */
static enum ll_err item_credit(struct ll_tx *tx, struct decide_item_ctx *x, int64_t now)
{
	struct programme p;
	json_t *root = NULL, *grants = json_loads(x->grants, 0, NULL), *sources = json_loads(x->sources, 0, NULL);
	struct audit_outcome *current;
	int n_current;
	enum ll_err err = transfer_programme_load(tx, x->programme_id, &x->a, &p, &root);
	if (err == LL_OK)
		err = transfer_person_outcomes(tx, x->person_id, &x->a, &current, &n_current);
	if (err != LL_OK)
		goto out;
	size_t i;
	json_t *v;
	json_array_foreach(sources, i, v) {
		if (!transfer_outcome_find(current, n_current, json_string_value(v))) {
			err = ll_fail(LL_REVOKED, NULL, "outcome %s that the transfer uses is no longer current", json_string_value(v));
			goto out;
		}
	}
	size_t n = json_array_size(grants);
	struct ledger_entry *entries = arena_alloc(&x->a, sizeof(*entries) * (n ? n : 1));
	char today_text[11];
	clock_format_date(now, today_text);
	if (!entries) {
		err = LL_NOMEM;
		goto out;
	}
	json_array_foreach(grants, i, v) {
		struct ledger_entry *e = &entries[i];
		memset(e, 0, sizeof(*e));
		outcome_init(&e->o);
		ll_id id;
		id_new(&id);
		e->id = e->outcome_id = arena_strdup(&x->a, id.s);
		e->person_id = e->o.person_id = x->person_id;
		e->op = OP_DEPOSIT;
		e->o.institution_id = x->institution_id;
		e->o.kind = KIND_ACADEMIC_CREDIT;
		const char *course = json_string_value(json_object_get(v, "course"));
		int c = course ? plan_course_find(&p.plan, course) : -1;
		if (course && c < 0) {
			err = ll_fail(LL_UNKNOWN_COURSE, NULL, "the programme no longer has course %s", course);
			goto out;
		}
		if (course) {
			e->o.title = arena_strdup(&x->a, p.plan.courses[c].name);
			e->o.code = arena_strdup(&x->a, course);
			e->o.credits_milli = p.plan.courses[c].credits_milli;
		} else {
			const char *group = json_string_value(json_object_get(v, "group"));
			int g = plan_group_find(&p.plan, group);
			e->o.title = arena_printf(&x->a, "%s（%s）", g >= 0 ? p.plan.groups[g].name : group, p.name);
			e->o.credits_milli = json_integer_value(json_object_get(v, "credits_milli"));
		}
		e->o.result_kind = RESULT_PASS;
		e->o.result = "pass";
		e->o.awarded_on = arena_strdup(&x->a, today_text);
		e->o.external_id = arena_printf(&x->a, "transfer:%s:%zu", x->item_id, i);
		e->actor_id = x->c->user_id;
		e->created_at = now;
		e->transfer_item_id = x->item_id;
		e->transfer_rule_id = x->rule_id;
		e->transfer_rule_version = x->rule_version;
		e->transfer_sources = x->sources;
	}
	err = ledger_append(tx, entries, (int)n);
out:
	json_decref(grants);
	json_decref(sources);
	json_decref(root);
	return err;
}

static enum ll_err decide_item_txn(struct ll_tx *tx, void *ctx)
{
	struct decide_item_ctx *x = ctx;
	arena_reset(&x->a);
	x->is_found = false;
	enum ll_err err = store_exec(tx, &ITEM_GET, SP(SV_TEXT(x->item_id)), decide_item_row, x);
	if (err != LL_OK)
		return err;
	if (!x->is_found || !transfer_is_staff_of(x->c, x->institution_id))
		return ll_fail(LL_NOT_FOUND, NULL, "your institution has no transfer item %s", x->item_id);
	int64_t now = clock_now_us();
	if ((err = store_exec(tx, &ITEM_DECIDE, SP(SV_TEXT(x->item_id), SV_TEXT(x->is_approved ? "approved" : "rejected"),
						   SV_TEXT(x->reason), SV_TEXT(x->c->user_id), SV_I64(now)), NULL, NULL)) != LL_OK)
		return err;
	if (store_changes(tx) != 1)
		return ll_fail(LL_NOT_PENDING, NULL, "transfer item %s was decided already", x->item_id);
	if (x->is_approved)
		err = item_credit(tx, x, now);
	else if ((err = store_exec(tx, &SOURCES_FREE, SP(SV_TEXT(x->item_id)), NULL, NULL)) == LL_OK)
		err = store_exec(tx, &COURSES_FREE, SP(SV_TEXT(x->item_id)), NULL, NULL);
	if (err == LL_OK)
		err = audit_write(tx, x->actor, x->is_approved ? "transfer.approve" : "transfer.reject", "transfer_item",
				  x->item_id, x->reason);
	return err;
}

enum ll_err transfer_item_decide(struct ll_store *st, const struct ledger_caller *c, const char *item_id,
				 bool is_approved, const char *reason, const struct audit_actor *actor)
{
	if (!is_approved && (!reason || !*reason))
		return ll_fail(LL_MISSING_FIELD, "reason", "a rejection says why");
	struct decide_item_ctx x = { .c = c, .item_id = item_id, .is_approved = is_approved, .reason = reason, .actor = actor };
	arena_init(&x.a, 0);
	enum ll_err err = store_run(st, STORE_WRITE, "transfer decide", decide_item_txn, &x);
	arena_release(&x.a);
	return err;
}
