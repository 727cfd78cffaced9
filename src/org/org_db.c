/* SQL of divisions and institutions, and the load of the embedded reference data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../base/embed.h"
#include "../base/id.h"
#include "../store/store.h"
#include "org.h"

static const struct store_stmt DIVISION_COUNT = { "division count", "SELECT COUNT(*) FROM divisions" };
static const struct store_stmt DIVISION_INSERT = {
	"division insert", "INSERT INTO divisions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)"
};
static const struct store_stmt POPULATION_INSERT = {
	"population insert", "INSERT INTO district_population (district_code, population_2020) VALUES ($1, $2)"
};
static const struct store_stmt DIVISION_GET = {
	"division get", "SELECT code, name, level, COALESCE(parent_code, '') FROM divisions WHERE code = $1"
};
static const struct store_stmt DIVISION_CHILDREN = {
	"division children", "SELECT code, name, level FROM divisions WHERE parent_code = $1 ORDER BY code"
};
static const struct store_stmt INSTITUTION_INSERT = {
	"institution insert",
	"INSERT INTO institutions (id, name, name_en, type, district_code, created_at) VALUES ($1, $2, $3, $4, $5, $6) "
	"ON CONFLICT DO NOTHING"
};
#define INSTITUTION_COLS "i.id, i.name, i.name_en, i.type, i.district_code, d.name, i.created_at"
static const struct store_stmt INSTITUTION_GET = {
	"institution get",
	"SELECT " INSTITUTION_COLS " FROM institutions i JOIN divisions d ON d.code = i.district_code WHERE i.id = $1"
};
static const struct store_stmt INSTITUTION_LIST = {
	"institution list",
	"SELECT " INSTITUTION_COLS " FROM institutions i JOIN divisions d ON d.code = i.district_code "
	"WHERE ($1 = '' OR i.district_code = $1) AND ($2 = '' OR i.type = $2) "
	"AND ($4 = '' OR i.name LIKE $4 ESCAPE '\\' OR lower(i.name_en) LIKE lower($4) ESCAPE '\\') ORDER BY i.name LIMIT $3"
};

static enum ll_err count_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

struct load_ctx {
	int loaded;
};

static enum ll_err load_txn(struct ll_tx *tx, void *ctx)
{
	struct load_ctx *l = ctx;
	int64_t count = 0;
	l->loaded = 0;
	enum ll_err err = store_exec(tx, &DIVISION_COUNT, SP_NONE, count_row, &count);
	if (err != LL_OK || count > 0)
		return err;
	const struct embedded_file *f = embed_find(embedded_data, "shanghai-divisions.csv");
	const struct embedded_file *pop = embed_find(embedded_data, "shanghai-district-population-2020.csv");
	if (!f || !pop)
		return ll_fail(LL_INTERNAL, NULL, "reference data missing from the build");
	/* The file is sorted by code, so every parent precedes its children. */
	const char *p = f->data, *end = f->data + f->len;
	int line_no = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[512];
		line_no++;
		if (n >= sizeof(line))
			return ll_fail(LL_INTERNAL, NULL, "divisions line %d too long", line_no);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + 1;
		if (line_no == 1 || n == 0)
			continue;
		struct division d;
		if (!org_parse_division_line(line, &d))
			return ll_fail(LL_INTERNAL, NULL, "divisions line %d malformed", line_no);
		err = store_exec(tx, &DIVISION_INSERT,
				 SP(SV_TEXT(d.code), SV_TEXT(d.name), SV_I64(d.level),
				    d.parent_code[0] ? SV_TEXT(d.parent_code) : SV_NULL),
				 NULL, NULL);
		if (err != LL_OK)
			return err;
		l->loaded++;
	}
	p = pop->data;
	end = pop->data + pop->len;
	line_no = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[256], code[ORG_CODE_LEN + 1];
		line_no++;
		if (n >= sizeof(line))
			return ll_fail(LL_INTERNAL, NULL, "population line %d too long", line_no);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + 1;
		if (line_no == 1 || n == 0)
			continue;
		/* district_code,district_name,population_2020,population_60_plus_2020 */
		const char *c2 = strchr(line, ',');
		const char *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
		if (!c2 || !c3 || c2 - line != ORG_CODE_LEN)
			return ll_fail(LL_INTERNAL, NULL, "population line %d malformed", line_no);
		memcpy(code, line, ORG_CODE_LEN);
		code[ORG_CODE_LEN] = '\0';
		err = store_exec(tx, &POPULATION_INSERT, SP(SV_TEXT(code), SV_I64(strtoll(c3 + 1, NULL, 10))), NULL, NULL);
		if (err != LL_OK)
			return err;
	}
	return LL_OK;
}

enum ll_err org_load_reference(struct ll_store *st, int *ret_loaded)
{
	struct load_ctx l = { 0 };
	enum ll_err err = store_run(st, STORE_WRITE, "load divisions", load_txn, &l);
	if (err == LL_OK && ret_loaded)
		*ret_loaded = l.loaded;
	return err;
}

struct div_ctx {
	struct division *d;
	bool is_found;
};

static enum ll_err div_row(const struct store_row *row, void *ctx)
{
	struct div_ctx *c = ctx;
	snprintf(c->d->code, sizeof(c->d->code), "%s", store_row_text(row, 0));
	snprintf(c->d->name, sizeof(c->d->name), "%s", store_row_text(row, 1));
	c->d->level = (int)store_row_i64(row, 2);
	snprintf(c->d->parent_code, sizeof(c->d->parent_code), "%s", store_row_text(row, 3));
	c->is_found = true;
	return LL_OK;
}

enum ll_err org_division_get(struct ll_tx *tx, const char *code, const char *field, struct division *ret)
{
	struct div_ctx c = { .d = ret };
	enum ll_err err = store_exec(tx, &DIVISION_GET, SP(SV_TEXT(code)), div_row, &c);
	if (err == LL_OK && !c.is_found)
		err = ll_fail(LL_UNKNOWN_DIVISION, field, "no division with code '%.12s'", code);
	return err;
}

struct list_ctx {
	const char *a, *b;
	const char *pattern;   /* institutions: a LIKE pattern of the name, "" for any */
	int64_t limit;
	json_t *items;
};

static enum ll_err child_row(const struct store_row *row, void *ctx)
{
	struct list_ctx *l = ctx;
	json_array_append_new(l->items, json_pack("{s:s, s:s, s:I}", "code", store_row_text(row, 0), "name",
						  store_row_text(row, 1), "level", (json_int_t)store_row_i64(row, 2)));
	return LL_OK;
}

static enum ll_err children_txn(struct ll_tx *tx, void *ctx)
{
	struct list_ctx *l = ctx;
	json_array_clear(l->items);
	return store_exec(tx, &DIVISION_CHILDREN, SP(SV_TEXT(l->a)), child_row, l);
}

enum ll_err org_division_children(struct ll_store *st, const char *parent, json_t **ret_items)
{
	struct list_ctx l = { .a = parent, .items = json_array() };
	enum ll_err err = store_run(st, STORE_READ, "division children", children_txn, &l);
	if (err != LL_OK) {
		json_decref(l.items);
		return err;
	}
	*ret_items = l.items;
	return LL_OK;
}

json_t *org_institution_json(const struct institution *in)
{
	json_t *o = json_object();
	json_set_str(o, "id", in->id);
	json_set_str(o, "name", in->name);
	json_set_str(o, "name_en", in->name_en);
	json_set_str(o, "type", in->type);
	json_object_set_new(o, "district", json_pack("{s:s, s:s?}", "code", in->district_code, "name", in->district_name));
	json_set_time(o, "created_at", in->created_at);
	return o;
}

struct inst_ctx {
	struct arena *a;
	struct institution *out;
	bool is_found;
	const char *id;
	const struct institution_in *in;
	const struct audit_actor *actor;
	struct list_ctx *list;
};

static enum ll_err inst_row(const struct store_row *row, void *ctx)
{
	struct inst_ctx *c = ctx;
	struct institution i = {
		.id = store_row_text(row, 0), .name = store_row_text(row, 1), .name_en = store_row_text(row, 2),
		.type = store_row_text(row, 3), .district_code = store_row_text(row, 4),
		.district_name = store_row_text(row, 5), .created_at = store_row_i64(row, 6),
	};
	if (c->list) {
		json_array_append_new(c->list->items, org_institution_json(&i));
		return LL_OK;
	}
	c->out->id = arena_strdup(c->a, i.id);
	c->out->name = arena_strdup(c->a, i.name);
	c->out->name_en = arena_strdup(c->a, i.name_en);
	c->out->type = arena_strdup(c->a, i.type);
	c->out->district_code = arena_strdup(c->a, i.district_code);
	c->out->district_name = arena_strdup(c->a, i.district_name);
	c->out->created_at = i.created_at;
	c->is_found = true;
	return LL_OK;
}

enum ll_err org_institution_insert(struct ll_tx *tx, const char *id, const struct institution_in *in)
{
	struct division d;
	enum ll_err err = org_division_get(tx, in->district_code, "district_code", &d);
	if (err != LL_OK)
		return err;
	if (d.level != DIVISION_DISTRICT)
		return ll_fail(LL_UNKNOWN_DIVISION, "district_code", "district_code must name a district");
	err = store_exec(tx, &INSTITUTION_INSERT,
			 SP(SV_TEXT(id), SV_TEXT(in->name), SV_TEXT(in->name_en), SV_TEXT(institution_types[in->type]),
			    SV_TEXT(in->district_code), SV_I64(clock_now_us())),
			 NULL, NULL);
	if (err == LL_OK && store_changes(tx) == 0)
		err = ll_fail(LL_CONFLICT, "name", "an institution with this name already exists");
	return err;
}

static enum ll_err inst_create_txn(struct ll_tx *tx, void *ctx)
{
	struct inst_ctx *c = ctx;
	enum ll_err err = org_institution_insert(tx, c->id, c->in);
	if (err == LL_OK)
		err = audit_write(tx, c->actor, "institution.create", "institution", c->id, institution_types[c->in->type]);
	if (err == LL_OK)
		err = store_exec(tx, &INSTITUTION_GET, SP(SV_TEXT(c->id)), inst_row, c);
	return err;
}

enum ll_err org_institution_create(struct ll_store *st, const struct institution_in *in,
				   const struct audit_actor *actor, struct arena *a, struct institution *ret)
{
	ll_id id;
	id_new(&id);
	struct inst_ctx c = { .a = a, .out = ret, .id = id.s, .in = in, .actor = actor };
	return store_run(st, STORE_WRITE, "institution create", inst_create_txn, &c);
}

static enum ll_err inst_get_txn(struct ll_tx *tx, void *ctx)
{
	struct inst_ctx *c = ctx;
	c->is_found = false;
	return store_exec(tx, &INSTITUTION_GET, SP(SV_TEXT(c->id)), inst_row, c);
}

enum ll_err org_institution_get(struct ll_store *st, const char *id, struct arena *a, struct institution *ret)
{
	struct inst_ctx c = { .a = a, .out = ret, .id = id };
	enum ll_err err = store_run(st, STORE_READ, "institution get", inst_get_txn, &c);
	if (err == LL_OK && !c.is_found)
		err = ll_fail(LL_NOT_FOUND, "id", "no institution with this id");
	return err;
}

static enum ll_err inst_list_txn(struct ll_tx *tx, void *ctx)
{
	struct inst_ctx *c = ctx;
	json_array_clear(c->list->items);
	return store_exec(tx, &INSTITUTION_LIST,
			  SP(SV_TEXT(c->list->a), SV_TEXT(c->list->b), SV_I64(c->list->limit), SV_TEXT(c->list->pattern)),
			  inst_row, c);
}

enum ll_err org_institution_list(struct ll_store *st, const char *district_code, const char *type, const char *name_part,
				 int limit, json_t **ret_items)
{
	char *pattern = store_like_pattern(name_part);
	if (!pattern)
		return LL_NOMEM;
	struct list_ctx l = { .a = district_code ? district_code : "", .b = type ? type : "", .limit = limit,
			      .pattern = pattern, .items = json_array() };
	struct inst_ctx c = { .list = &l };
	enum ll_err err = store_run(st, STORE_READ, "institution list", inst_list_txn, &c);
	free(pattern);
	if (err != LL_OK) {
		json_decref(l.items);
		return err;
	}
	*ret_items = l.items;
	return LL_OK;
}
