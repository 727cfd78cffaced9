/*
 * SQL of certification units (认证单元), which institutions publish and the city approves, and of
 * the city's statistics of transfers by programme and by the kind of outcome they used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/roles.h"
#include "../base/clock.h"
#include "transfer_db.h"

const struct json_field cert_unit_spec[] = {
	JSON_STR("code", struct cert_unit_in, code, .max_len = 40, .doc = "the unit's code, unique in the city"),
	JSON_STR("name", struct cert_unit_in, name, .min_len = 1, .max_len = 100),
	JSON_STR("name_en", struct cert_unit_in, name_en, .is_optional = true, .max_len = 100),
	JSON_I64("level", struct cert_unit_in, level, .min = 1, .max = FRAMEWORK_LEVEL_MAX,
		 .doc = "level in the learning-outcomes framework"),
	JSON_I64("credits_milli", struct cert_unit_in, credits_milli, .min = 1, .max = 30000),
	JSON_STRS("outcomes", struct cert_unit_in, outcomes, .min_len = 1, .max_len = 20,
		  .doc = "learning-outcome statements: what a holder can do"),
	JSON_STR("assessment", struct cert_unit_in, assessment, .min_len = 1, .max_len = 2000,
		 .doc = "how the unit is assessed"),
	JSON_END
};

/* A learning-outcome statement is a sentence, not an essay. */
#define OUTCOME_CHARS_MAX 200

#define UNIT_COLS                                                                                                 \
	"u.id, u.institution_id, i.name, u.code, u.name, u.name_en, u.level, u.credits_milli, u.outcomes, "      \
	"u.assessment, u.status, u.reason, u.created_at, u.decided_at, i.name_en"
static const struct store_stmt UNIT_INSERT = {
	"cert unit insert",
	"INSERT INTO cert_units (id, institution_id, code, name, name_en, level, credits_milli, outcomes, assessment, "
	"status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11) "
	"ON CONFLICT DO NOTHING"
};
static const struct store_stmt UNIT_GET = {
	"cert unit", "SELECT " UNIT_COLS " FROM cert_units u JOIN institutions i ON i.id = u.institution_id WHERE u.id = $1"
};
static const struct store_stmt UNIT_DECIDE = {
	"cert unit decide",
	"UPDATE cert_units SET status = $2, reason = $3, decided_by = $4, decided_at = $5 WHERE id = $1 AND status = 'pending'"
};
static const struct store_stmt UNIT_EXISTS = { "cert unit exists", "SELECT 1 FROM cert_units WHERE id = $1" };
/* Approved units for anyone; the others for the city ($3 = 1) or their own institution ($4). */
static const struct store_stmt UNIT_LIST = {
	"cert unit list",
	"SELECT " UNIT_COLS " FROM cert_units u JOIN institutions i ON i.id = u.institution_id "
	"WHERE ($1 = '' OR u.status = $1) AND ($2 = '' OR lower(u.code) LIKE lower($2) ESCAPE '\\' "
	"OR lower(u.name) LIKE lower($2) ESCAPE '\\' OR lower(u.name_en) LIKE lower($2) ESCAPE '\\') "
	"AND (u.status = 'approved' OR $3 = 1 OR u.institution_id = $4) AND ($5 = '' OR u.institution_id = $5) "
	"ORDER BY u.code LIMIT 500"
};
static const struct store_stmt STATS_PROGRAMMES = {
	"transfer stats programmes",
	"SELECT p.id, p.name, p.name_en, i.name, t.status, COUNT(*), COALESCE(SUM(t.credits_milli), 0), i.name_en "
	"FROM transfer_items t JOIN programmes p ON p.id = t.programme_id JOIN institutions i ON i.id = p.institution_id "
	"GROUP BY p.id, p.name, p.name_en, i.name, i.name_en, t.status ORDER BY i.name, p.name, p.id, t.status"
};
static const struct store_stmt STATS_PROGRAMME_KINDS = {
	"transfer stats programme kinds",
	"SELECT t.programme_id, s.kind, COUNT(DISTINCT s.item_id) FROM transfer_sources s "
	"JOIN transfer_items t ON t.id = s.item_id WHERE t.status = 'approved' GROUP BY t.programme_id, s.kind "
	"ORDER BY t.programme_id, s.kind"
};
static const struct store_stmt STATS_KINDS = {
	"transfer stats kinds",
	"SELECT s.kind, COUNT(DISTINCT s.item_id), COUNT(*) FROM transfer_sources s "
	"JOIN transfer_items t ON t.id = s.item_id WHERE t.status = 'approved' GROUP BY s.kind ORDER BY s.kind"
};

static json_t *unit_json(const struct store_row *row)
{
	json_t *outcomes = json_loads(store_row_text(row, 8), 0, NULL);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:s, s:s}", "id", store_row_text(row, 0),
			      "institution_id", store_row_text(row, 1), "institution_name", store_row_text(row, 2), "code",
			      store_row_text(row, 3), "name", store_row_text(row, 4), "level",
			      (json_int_t)store_row_i64(row, 6), "credits_milli", (json_int_t)store_row_i64(row, 7),
			      "outcomes", outcomes ? outcomes : json_array(), "assessment", store_row_text(row, 9), "status",
			      store_row_text(row, 10));
	if (!o)
		return NULL;
	json_set_str(o, "name_en", store_row_is_null(row, 5) ? NULL : store_row_text(row, 5));
	json_set_str(o, "reason", store_row_is_null(row, 11) ? NULL : store_row_text(row, 11));
	json_set_time(o, "created_at", store_row_i64(row, 12));
	json_set_time(o, "decided_at", store_row_is_null(row, 13) ? 0 : store_row_i64(row, 13));
	json_set_str(o, "institution_name_en", store_row_is_null(row, 14) ? NULL : store_row_text(row, 14));
	return o;
}

static enum ll_err unit_row(const struct store_row *row, void *ctx)
{
	json_t *o = unit_json(row);
	if (!o)
		return LL_NOMEM;
	return json_array_append_new(ctx, o) == 0 ? LL_OK : LL_NOMEM;
}

struct publish_ctx {
	const struct ledger_caller *c;
	const struct cert_unit_in *in;
	const char *outcomes;
	const struct audit_actor *actor;
	json_t *result;
};

static enum ll_err publish_txn(struct ll_tx *tx, void *ctx)
{
	struct publish_ctx *x = ctx;
	ll_id id;
	id_new(&id);
	enum ll_err err = store_exec(tx, &UNIT_INSERT,
				     SP(SV_TEXT(id.s), SV_TEXT(x->c->institution_id), SV_TEXT(x->in->code),
					SV_TEXT(x->in->name), SV_TEXT(x->in->name_en), SV_I64(x->in->level),
					SV_I64(x->in->credits_milli), SV_TEXT(x->outcomes), SV_TEXT(x->in->assessment),
					SV_TEXT(x->c->user_id), SV_I64(clock_now_us())),
				     NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) != 1)
		return ll_fail(LL_CONFLICT, "code", "a certification unit has the code %s already", x->in->code);
	json_array_clear(x->result);
	if ((err = store_exec(tx, &UNIT_GET, SP(SV_TEXT(id.s)), unit_row, x->result)) != LL_OK)
		return err;
	return audit_write(tx, x->actor, "cert_unit.publish", "cert_unit", id.s, x->in->code);
}

enum ll_err cert_unit_publish(struct ll_store *st, const struct ledger_caller *c, const struct cert_unit_in *in,
			      const struct audit_actor *actor, json_t **ret_obj)
{
	if (!c->institution_id || !(c->role & (ROLE_STAFF | ROLE_INSTITUTION_ADMIN)))
		return ll_fail(LL_FORBIDDEN, NULL, "certification units are published by an institution's staff");
	enum ll_err err = transfer_code_check(in->code, "code", false);
	if (err != LL_OK)
		return err;
	if (!in->outcomes || json_array_size(in->outcomes) == 0)
		return ll_fail(LL_MISSING_FIELD, "outcomes", "a unit states at least one learning outcome");
	size_t i;
	json_t *line;
	json_array_foreach (in->outcomes, i, line) {
		const char *text = json_string_value(line);
		char field[32];
		snprintf(field, sizeof(field), "outcomes[%zu]", i);
		if (!text || strspn(text, " \t\r\n") == strlen(text))
			return ll_fail(LL_INVALID_VALUE, field, "a learning-outcome statement says something");
		if (json_utf8_chars(text) > OUTCOME_CHARS_MAX)
			return ll_fail(LL_TOO_LONG, field, "a learning-outcome statement is at most %d characters",
				       OUTCOME_CHARS_MAX);
	}
	char *outcomes = json_dumps(in->outcomes, JSON_COMPACT);
	if (!outcomes)
		return LL_NOMEM;
	struct publish_ctx x = { .c = c, .in = in, .outcomes = outcomes, .actor = actor, .result = json_array() };
	err = store_run(st, STORE_WRITE, "cert unit publish", publish_txn, &x);
	free(outcomes);
	if (err == LL_OK)
		*ret_obj = json_incref(json_array_get(x.result, 0));
	json_decref(x.result);
	return err;
}

struct unit_decide_ctx {
	const char *id, *reason;
	bool is_approved;
	const struct audit_actor *actor;
};

static enum ll_err unit_decide_txn(struct ll_tx *tx, void *ctx)
{
	struct unit_decide_ctx *x = ctx;
	enum ll_err err = store_exec(tx, &UNIT_DECIDE,
				     SP(SV_TEXT(x->id), SV_TEXT(x->is_approved ? "approved" : "rejected"), SV_TEXT(x->reason),
					SV_TEXT(x->actor ? x->actor->id : NULL), SV_I64(clock_now_us())),
				     NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) != 1) {
		bool is_found = false;
		if ((err = store_exec(tx, &UNIT_EXISTS, SP(SV_TEXT(x->id)), transfer_found_row, &is_found)) != LL_OK)
			return err;
		return is_found ? ll_fail(LL_NOT_PENDING, NULL, "certification unit %s was decided already", x->id)
				: ll_fail(LL_NOT_FOUND, NULL, "no certification unit %s", x->id);
	}
	return audit_write(tx, x->actor, x->is_approved ? "cert_unit.approve" : "cert_unit.reject", "cert_unit", x->id,
			   x->reason);
}

enum ll_err cert_unit_decide(struct ll_store *st, const char *id, bool is_approved, const char *reason,
			     const struct audit_actor *actor)
{
	if (!is_approved && (!reason || !*reason))
		return ll_fail(LL_MISSING_FIELD, "reason", "a rejection says why");
	struct unit_decide_ctx x = { id, reason, is_approved, actor };
	return store_run(st, STORE_WRITE, "cert unit decide", unit_decide_txn, &x);
}

struct unit_list_ctx {
	const struct ledger_caller *c;
	const char *status, *like, *institution_id;
	json_t *items;
};

static enum ll_err unit_list_txn(struct ll_tx *tx, void *ctx)
{
	struct unit_list_ctx *l = ctx;
	json_array_clear(l->items);
	bool is_city = l->c->role & (ROLE_CITY_ADMIN | ROLE_AUDITOR | ROLE_REVIEWER);
	return store_exec(tx, &UNIT_LIST,
			  SP(SV_TEXT(l->status ? l->status : ""), SV_TEXT(l->like), SV_I64(is_city ? 1 : 0),
			     SV_TEXT(l->c->institution_id ? l->c->institution_id : ""),
			     SV_TEXT(l->institution_id ? l->institution_id : "")),
			  unit_row, l->items);
}

enum ll_err cert_unit_list(struct ll_store *st, const struct ledger_caller *c, const char *status, const char *q,
			   const char *institution_id, json_t **ret_page)
{
	if (status && ledger_name_index(rule_statuses, status) < 0)
		return ll_fail(LL_BAD_QUERY, "status", "status is pending, approved or rejected");
	if (q && strlen(q) > 100)
		return ll_fail(LL_BAD_QUERY, "q", "q is at most 100 characters");
	char *like = store_like_pattern(q);
	if (!like)
		return LL_NOMEM;
	struct unit_list_ctx l = { c, status, like, institution_id, json_array() };
	enum ll_err err = store_run(st, STORE_READ, "cert unit list", unit_list_txn, &l);
	free(like);
	if (err != LL_OK) {
		json_decref(l.items);
		return err;
	}
	*ret_page = json_pack("{s:o}", "items", l.items);
	return LL_OK;
}

/* ---- Statistics ---- */

static enum ll_err stats_programme_row(const struct store_row *row, void *ctx)
{
	json_t *programmes = ctx;
	const char *id = store_row_text(row, 0);
	json_t *p = NULL;
	size_t n = json_array_size(programmes);
	if (n > 0 && strcmp(json_string_value(json_object_get(json_array_get(programmes, n - 1), "id")), id) == 0)
		p = json_array_get(programmes, n - 1);
	if (!p) {
		p = json_pack("{s:s, s:s, s:s, s:{}, s:{}}", "id", id, "name", store_row_text(row, 1),
			      "institution_name", store_row_text(row, 3), "items", "kinds");
		if (!p)
			return LL_NOMEM;
		json_set_str(p, "name_en", store_row_is_null(row, 2) ? NULL : store_row_text(row, 2));
		json_set_str(p, "institution_name_en", store_row_is_null(row, 7) ? NULL : store_row_text(row, 7));
		json_array_append_new(programmes, p);
	}
	json_object_set_new(json_object_get(p, "items"), store_row_text(row, 4),
			    json_pack("{s:I, s:I}", "count", (json_int_t)store_row_i64(row, 5), "credits_milli",
				      (json_int_t)store_row_i64(row, 6)));
	return LL_OK;
}

/* A programme's approved items by the kind of outcome they used; every such programme has a row above. */
static enum ll_err stats_programme_kind_row(const struct store_row *row, void *ctx)
{
	json_t *programmes = ctx;
	const char *id = store_row_text(row, 0);
	size_t i;
	json_t *p;
	json_array_foreach (programmes, i, p) {
		if (strcmp(json_string_value(json_object_get(p, "id")), id) == 0)
			return json_object_set_new(json_object_get(p, "kinds"), store_row_text(row, 1),
						   json_integer(store_row_i64(row, 2))) == 0 ? LL_OK : LL_NOMEM;
	}
	return LL_OK;
}

static enum ll_err stats_kind_row(const struct store_row *row, void *ctx)
{
	json_t *o = json_pack("{s:s, s:I, s:I}", "kind", store_row_text(row, 0), "approved_items",
			      (json_int_t)store_row_i64(row, 1), "outcomes", (json_int_t)store_row_i64(row, 2));
	return o && json_array_append_new(ctx, o) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err stats_txn(struct ll_tx *tx, void *ctx)
{
	json_t *result = ctx;
	json_t *programmes = json_object_get(result, "programmes"), *kinds = json_object_get(result, "kinds");
	json_array_clear(programmes);
	json_array_clear(kinds);
	enum ll_err err = store_exec(tx, &STATS_PROGRAMMES, SP_NONE, stats_programme_row, programmes);
	if (err == LL_OK)
		err = store_exec(tx, &STATS_PROGRAMME_KINDS, SP_NONE, stats_programme_kind_row, programmes);
	if (err == LL_OK)
		err = store_exec(tx, &STATS_KINDS, SP_NONE, stats_kind_row, kinds);
	return err;
}

enum ll_err transfer_stats(struct ll_store *st, json_t **ret_obj)
{
	json_t *result = json_pack("{s:[], s:[]}", "programmes", "kinds");
	if (!result)
		return LL_NOMEM;
	enum ll_err err = store_run(st, STORE_READ, "transfer stats", stats_txn, result);
	if (err != LL_OK) {
		json_decref(result);
		return err;
	}
	*ret_obj = result;
	return LL_OK;
}

/* ---- Units whose completions are deposited ---- */

static const struct store_stmt UNIT_APPROVED = {
	"cert unit approved",
	"SELECT id, institution_id, code, name, level, credits_milli FROM cert_units WHERE code = $1 AND status = 'approved'"
};

struct approved_ctx {
	const char *code;
	struct arena *a;
	struct cert_unit_seen *u;
	bool is_found;
};

static enum ll_err approved_row(const struct store_row *row, void *ctx)
{
	struct approved_ctx *x = ctx;
	x->u->id = arena_strdup(x->a, store_row_text(row, 0));
	x->u->institution_id = arena_strdup(x->a, store_row_text(row, 1));
	x->u->code = arena_strdup(x->a, store_row_text(row, 2));
	x->u->name = arena_strdup(x->a, store_row_text(row, 3));
	x->u->level = store_row_i64(row, 4);
	x->u->credits_milli = store_row_i64(row, 5);
	x->is_found = true;
	return x->u->id && x->u->institution_id && x->u->code && x->u->name ? LL_OK : LL_NOMEM;
}

static enum ll_err approved_txn(struct ll_tx *tx, void *ctx)
{
	struct approved_ctx *x = ctx;
	x->is_found = false;
	return store_exec(tx, &UNIT_APPROVED, SP(SV_TEXT(x->code)), approved_row, x);
}

enum ll_err cert_unit_approved(struct ll_store *st, const char *code, struct arena *a, struct cert_unit_seen *ret)
{
	struct approved_ctx x = { .code = code, .a = a, .u = ret };
	enum ll_err err = store_run(st, STORE_READ, "cert unit approved", approved_txn, &x);
	if (err == LL_OK && !x.is_found)
		return ll_fail(LL_NOT_FOUND, NULL, "no approved certification unit has this code");
	return err;
}
