/* SQL of the audit and access logs. Rows are only ever inserted. */
#include "audit.h"

#include "../base/clock.h"
#include "../base/id.h"
#include "../base/json.h"
#include "../store/store.h"

static const struct store_stmt AUDIT_INSERT = {
	"audit insert",
	"INSERT INTO audit_log (id, at, actor_id, actor_role, action, target_type, target_id, ip, detail) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
};
static const struct store_stmt PII_INSERT = {
	"pii access insert",
	"INSERT INTO pii_access_log (id, person_id, at, actor_id, actor_role, actor_name, institution_id, fields, "
	"purpose, ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
};
static const struct store_stmt PII_LIST = {
	"pii access list",
	"SELECT l.at, l.actor_name, l.actor_role, l.institution_id, i.name, l.fields, l.purpose "
	"FROM pii_access_log l LEFT JOIN institutions i ON i.id = l.institution_id "
	"WHERE l.person_id = $1 AND l.at < $2 ORDER BY l.at DESC LIMIT $3"
};
static const struct store_stmt AUDIT_LIST_ALL = {
	"audit list",
	"SELECT at, actor_id, actor_role, action, target_type, target_id, ip, detail FROM audit_log "
	"WHERE at < $1 ORDER BY at DESC LIMIT $2"
};
static const struct store_stmt AUDIT_LIST_TARGET = {
	"audit list target",
	"SELECT at, actor_id, actor_role, action, target_type, target_id, ip, detail FROM audit_log "
	"WHERE target_type = $3 AND target_id = $4 AND at < $1 ORDER BY at DESC LIMIT $2"
};

enum ll_err audit_write(struct ll_tx *tx, const struct audit_actor *actor, const char *action,
			const char *target_type, const char *target_id, const char *detail)
{
	ll_id id;
	id_new(&id);
	return store_exec(tx, &AUDIT_INSERT,
			  SP(SV_TEXT(id.s), SV_I64(clock_now_us()), SV_TEXT(actor->id), SV_TEXT(actor->role),
			     SV_TEXT(action), SV_TEXT(target_type), SV_TEXT(target_id), SV_TEXT(actor->ip),
			     SV_TEXT(detail)),
			  NULL, NULL);
}

enum ll_err audit_pii_read(struct ll_tx *tx, const struct audit_actor *actor, const char *person_id,
			   const char *fields, const char *purpose)
{
	ll_id id;
	id_new(&id);
	return store_exec(tx, &PII_INSERT,
			  SP(SV_TEXT(id.s), SV_TEXT(person_id), SV_I64(clock_now_us()), SV_TEXT(actor->id),
			     SV_TEXT(actor->role), SV_TEXT(actor->name), SV_TEXT(actor->institution_id),
			     SV_TEXT(fields), SV_TEXT(purpose), SV_TEXT(actor->ip)),
			  NULL, NULL);
}

struct page_ctx {
	const char *person_id;
	const char *target_type;
	const char *target_id;
	int64_t before_us;
	int limit;
	json_t *items;
	int64_t last_at;
};

static enum ll_err pii_row(const struct store_row *row, void *ctx)
{
	struct page_ctx *p = ctx;
	json_t *item = json_object();
	p->last_at = store_row_i64(row, 0);
	json_set_time(item, "at", p->last_at);
	json_set_str(item, "actor_name", store_row_text(row, 1));
	json_set_str(item, "actor_role", store_row_text(row, 2));
	if (store_row_is_null(row, 3))
		json_object_set_new(item, "institution", json_null());
	else
		json_object_set_new(item, "institution", json_pack("{s:s, s:s?}", "id", store_row_text(row, 3),
								   "name", store_row_text(row, 4)));
	json_set_str(item, "fields", store_row_text(row, 5));
	json_set_str(item, "purpose", store_row_text(row, 6));
	json_array_append_new(p->items, item);
	return LL_OK;
}

static enum ll_err pii_list_txn(struct ll_tx *tx, void *ctx)
{
	struct page_ctx *p = ctx;
	json_array_clear(p->items);
	return store_exec(tx, &PII_LIST, SP(SV_TEXT(p->person_id), SV_I64(p->before_us), SV_I64(p->limit)), pii_row, p);
}

static json_t *page_wrap(struct page_ctx *p)
{
	json_t *next = json_null();
	if ((int)json_array_size(p->items) == p->limit)
		next = json_integer(p->last_at);
	return json_pack("{s:O, s:o}", "items", p->items, "next", next);
}

enum ll_err audit_pii_list(struct ll_store *st, const char *person_id, int64_t before_us, int limit,
			   json_t **ret_page)
{
	struct page_ctx p = { .person_id = person_id, .before_us = before_us ? before_us : INT64_MAX,
			      .limit = limit, .items = json_array() };
	enum ll_err err = store_run(st, STORE_READ, "pii access list", pii_list_txn, &p);
	if (err == LL_OK)
		*ret_page = page_wrap(&p);
	json_decref(p.items);
	return err;
}

static enum ll_err audit_row(const struct store_row *row, void *ctx)
{
	struct page_ctx *p = ctx;
	json_t *item = json_object();
	p->last_at = store_row_i64(row, 0);
	json_set_time(item, "at", p->last_at);
	json_set_str(item, "actor_id", store_row_text(row, 1));
	json_set_str(item, "actor_role", store_row_text(row, 2));
	json_set_str(item, "action", store_row_text(row, 3));
	json_set_str(item, "target_type", store_row_text(row, 4));
	json_set_str(item, "target_id", store_row_text(row, 5));
	json_set_str(item, "ip", store_row_text(row, 6));
	json_set_str(item, "detail", store_row_text(row, 7));
	json_array_append_new(p->items, item);
	return LL_OK;
}

static enum ll_err audit_list_txn(struct ll_tx *tx, void *ctx)
{
	struct page_ctx *p = ctx;
	json_array_clear(p->items);
	if (p->target_type && p->target_id)
		return store_exec(tx, &AUDIT_LIST_TARGET,
				  SP(SV_I64(p->before_us), SV_I64(p->limit), SV_TEXT(p->target_type), SV_TEXT(p->target_id)),
				  audit_row, p);
	return store_exec(tx, &AUDIT_LIST_ALL, SP(SV_I64(p->before_us), SV_I64(p->limit)), audit_row, p);
}

enum ll_err audit_list(struct ll_store *st, const char *target_type, const char *target_id, int64_t before_us,
		       int limit, json_t **ret_page)
{
	struct page_ctx p = { .target_type = target_type, .target_id = target_id,
			      .before_us = before_us ? before_us : INT64_MAX, .limit = limit, .items = json_array() };
	enum ll_err err = store_run(st, STORE_READ, "audit list", audit_list_txn, &p);
	if (err == LL_OK)
		*ret_page = page_wrap(&p);
	json_decref(p.items);
	return err;
}
