/*
 * SQL of the credit bank's reference data: the learning-outcomes framework's levels and the
 * versioned entry standards, seeded with the defaults a new city starts with and edited by city
 * administrators. A standard is never changed in place: each edit is a new version.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "ledger_db.h"

static const struct store_stmt LEVEL_SEED = {
	"level seed",
	"INSERT INTO framework_levels (level, name, name_en, descriptor, descriptor_en, updated_at) "
	"VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
};
static const struct store_stmt LEVEL_LIST = {
	"level list", "SELECT level, name, name_en, descriptor, descriptor_en, updated_at FROM framework_levels ORDER BY level"
};
static const struct store_stmt LEVEL_UPDATE = {
	"level update",
	"UPDATE framework_levels SET name = $2, name_en = $3, descriptor = $4, descriptor_en = $5, updated_by = $6, "
	"updated_at = $7 WHERE level = $1"
};
static const struct store_stmt STANDARD_COUNT = {
	"standard count", "SELECT COUNT(*) FROM entry_standards WHERE kind = $1"
};
static const struct store_stmt STANDARD_INSERT = {
	"standard insert",
	"INSERT INTO entry_standards (kind, version, rules, created_by, created_at) VALUES ($1, $2, $3, $4, $5)"
};
static const struct store_stmt STANDARD_CURRENT = {
	"standard current",
	"SELECT version, rules, created_at FROM entry_standards WHERE kind = $1 ORDER BY version DESC LIMIT 1"
};
static const struct store_stmt STANDARD_MAX = {
	"standard max version", "SELECT COALESCE(MAX(version), 0) FROM entry_standards WHERE kind = $1"
};
static const struct store_stmt STANDARD_ALL_CURRENT = {
	"standard list current",
	"SELECT s.kind, s.version, s.rules, s.created_at, u.display_name FROM entry_standards s "
	"LEFT JOIN users u ON u.id = s.created_by WHERE s.version = "
	"(SELECT MAX(v.version) FROM entry_standards v WHERE v.kind = s.kind) ORDER BY s.kind"
};
static const struct store_stmt STANDARD_VERSIONS = {
	"standard versions",
	"SELECT s.kind, s.version, s.rules, s.created_at, u.display_name FROM entry_standards s "
	"LEFT JOIN users u ON u.id = s.created_by WHERE s.kind = $1 ORDER BY s.version DESC"
};

/* ---- Reference data ---- */

static enum ll_err seed_txn(struct ll_tx *tx, void *ctx)
{
	(void)ctx;
	int64_t now = clock_now_us();
	enum ll_err err = LL_OK;
	for (int i = 0; i < FRAMEWORK_LEVEL_MAX && err == LL_OK; i++) {
		const struct framework_level *l = &framework_levels_default[i];
		err = store_exec(tx, &LEVEL_SEED, SP(SV_I64(l->level), SV_TEXT(l->name), SV_TEXT(l->name_en),
						     SV_TEXT(l->descriptor), SV_TEXT(l->descriptor_en), SV_I64(now)),
				 NULL, NULL);
	}
	for (int k = 0; k < KIND_COUNT && err == LL_OK; k++) {
		int64_t n = 0;
		err = store_exec(tx, &STANDARD_COUNT, SP(SV_TEXT(outcome_kinds[k])), ledger_i64_row, &n);
		if (err != LL_OK || n > 0)
			continue;
		struct entry_standard s;
		standard_default((enum outcome_kind)k, &s);
		json_t *rules = standard_to_json(&s);
		char *text = json_dumps(rules, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(rules);
		if (!text)
			return LL_NOMEM;
		err = store_exec(tx, &STANDARD_INSERT, SP(SV_TEXT(outcome_kinds[k]), SV_I64(1), SV_TEXT(text), SV_NULL,
							  SV_I64(now)), NULL, NULL);
		free(text);
	}
	return err;
}

enum ll_err ledger_seed_reference(struct ll_store *st)
{
	return store_run(st, STORE_WRITE, "ledger reference data", seed_txn, NULL);
}

static enum ll_err level_row(const struct store_row *row, void *ctx)
{
	json_t *o = json_object();
	json_object_set_new(o, "level", json_integer(store_row_i64(row, 0)));
	static const char *const keys[] = { "name", "name_en", "descriptor", "descriptor_en" };
	for (int i = 0; i < 4; i++)
		json_set_str(o, keys[i], store_row_text(row, i + 1));
	json_set_time(o, "updated_at", store_row_i64(row, 5));
	json_array_append_new(ctx, o);
	return LL_OK;
}

static enum ll_err level_list_txn(struct ll_tx *tx, void *ctx)
{
	json_array_clear(ctx);
	return store_exec(tx, &LEVEL_LIST, SP_NONE, level_row, ctx);
}

enum ll_err framework_level_list(struct ll_store *st, json_t **ret_items)
{
	json_t *items = json_array();
	enum ll_err err = store_run(st, STORE_READ, "framework levels", level_list_txn, items);
	if (err != LL_OK) {
		json_decref(items);
		return err;
	}
	*ret_items = items;
	return LL_OK;
}

struct level_update_ctx {
	int level;
	const struct level_in *in;
	const struct audit_actor *actor;
};

static enum ll_err level_update_txn(struct ll_tx *tx, void *ctx)
{
	struct level_update_ctx *c = ctx;
	char target[8];
	enum ll_err err = store_exec(tx, &LEVEL_UPDATE,
				     SP(SV_I64(c->level), SV_TEXT(c->in->name), SV_TEXT(c->in->name_en),
					SV_TEXT(c->in->descriptor), SV_TEXT(c->in->descriptor_en), SV_TEXT(c->actor->id),
					SV_I64(clock_now_us())), NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) == 0)
		return ll_fail(LL_NOT_FOUND, "level", "the framework has no level %d", c->level);
	snprintf(target, sizeof(target), "%d", c->level);
	return audit_write(tx, c->actor, "framework_level.update", "framework_level", target, NULL);
}

enum ll_err framework_level_update(struct ll_store *st, int level, const struct level_in *in,
				   const struct audit_actor *actor)
{
	struct level_update_ctx c = { .level = level, .in = in, .actor = actor };
	return store_run(st, STORE_WRITE, "framework level update", level_update_txn, &c);
}

/* Parses stored rules into *ret with strings copied into a. */
static enum ll_err standard_parse(const char *rules, enum outcome_kind kind, int version, struct arena *a,
				  struct entry_standard *ret)
{
	json_t *obj = json_loads(rules, 0, NULL);
	if (!obj)
		return ll_fail(LL_STORE, NULL, "the stored standard of %s is not JSON", outcome_kinds[kind]);
	enum ll_err err = standard_from_json(obj, kind, ret);
	if (err == LL_OK) {
		ret->version = version;
		ret->description = arena_strdup(a, ret->description);
		ret->description_en = arena_strdup(a, ret->description_en);
	}
	json_decref(obj);
	return err;
}

struct standard_row_ctx {
	struct arena *a;
	enum outcome_kind kind;
	struct entry_standard *s;
	json_t *items;
	bool is_found;
	enum ll_err err;
};

static enum ll_err standard_row(const struct store_row *row, void *ctx)
{
	struct standard_row_ctx *c = ctx;
	c->is_found = true;
	return standard_parse(store_row_text(row, 1), c->kind, (int)store_row_i64(row, 0), c->a, c->s);
}

enum ll_err standard_current(struct ll_tx *tx, enum outcome_kind kind, struct arena *a, struct entry_standard *ret)
{
	struct entry_standard s;
	struct standard_row_ctx c = { .a = a, .kind = kind, .s = &s };
	enum ll_err err = store_exec(tx, &STANDARD_CURRENT, SP(SV_TEXT(outcome_kinds[kind])), standard_row, &c);
	if (err == LL_OK && !c.is_found)
		err = ll_fail(LL_INTERNAL, "kind", "no entry standard is published for %s", outcome_kinds[kind]);
	if (err == LL_OK)
		*ret = s;
	return err;
}

/* A listed standard: {"kind", "version", "published_at", "rules": {...}}. */
static enum ll_err standard_list_row(const struct store_row *row, void *ctx)
{
	json_t *rules = json_loads(store_row_text(row, 2), 0, NULL);
	if (!rules)
		return ll_fail(LL_STORE, NULL, "a stored standard is not JSON");
	json_t *o = json_object();
	json_set_str(o, "kind", store_row_text(row, 0));
	json_object_set_new(o, "version", json_integer(store_row_i64(row, 1)));
	json_set_time(o, "published_at", store_row_i64(row, 3));
	/* The city's defaults have no publisher: null. */
	json_set_str(o, "published_by", store_row_is_null(row, 4) ? NULL : store_row_text(row, 4));
	json_object_set_new(o, "rules", rules);
	json_array_append_new(ctx, o);
	return LL_OK;
}

struct standard_list_ctx {
	int kind;
	json_t *items;
};

static enum ll_err standard_list_txn(struct ll_tx *tx, void *ctx)
{
	struct standard_list_ctx *c = ctx;
	json_array_clear(c->items);
	if (c->kind < 0)
		return store_exec(tx, &STANDARD_ALL_CURRENT, SP_NONE, standard_list_row, c->items);
	return store_exec(tx, &STANDARD_VERSIONS, SP(SV_TEXT(outcome_kinds[c->kind])), standard_list_row, c->items);
}

enum ll_err standard_list(struct ll_store *st, int kind, json_t **ret_items)
{
	struct standard_list_ctx c = { .kind = kind, .items = json_array() };
	enum ll_err err = store_run(st, STORE_READ, "entry standards", standard_list_txn, &c);
	if (err != LL_OK) {
		json_decref(c.items);
		return err;
	}
	*ret_items = c.items;
	return LL_OK;
}

struct publish_ctx {
	const struct entry_standard *s;
	const char *rules;
	const struct audit_actor *actor;
	int version;
};

static enum ll_err publish_txn(struct ll_tx *tx, void *ctx)
{
	struct publish_ctx *c = ctx;
	int64_t max = 0;
	const char *kind = outcome_kinds[c->s->kind];
	enum ll_err err = store_exec(tx, &STANDARD_MAX, SP(SV_TEXT(kind)), ledger_i64_row, &max);
	if (err != LL_OK)
		return err;
	c->version = (int)max + 1;
	err = store_exec(tx, &STANDARD_INSERT, SP(SV_TEXT(kind), SV_I64(c->version), SV_TEXT(c->rules),
						  SV_TEXT(c->actor->id), SV_I64(clock_now_us())), NULL, NULL);
	if (err != LL_OK)
		return err;
	char detail[64];
	snprintf(detail, sizeof(detail), "version %d", c->version);
	return audit_write(tx, c->actor, "entry_standard.publish", "entry_standard", kind, detail);
}

enum ll_err standard_publish(struct ll_store *st, const struct entry_standard *s, const struct audit_actor *actor,
			     int *ret_version)
{
	json_t *rules = standard_to_json(s);
	char *text = json_dumps(rules, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(rules);
	if (!text)
		return LL_NOMEM;
	struct publish_ctx c = { .s = s, .rules = text, .actor = actor };
	enum ll_err err = store_run(st, STORE_WRITE, "entry standard publish", publish_txn, &c);
	free(text);
	if (err == LL_OK)
		*ret_version = c.version;
	return err;
}
