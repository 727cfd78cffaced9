/*
 * Shares and archives: a person lets an employer see their whole record (and can end it at
 * once), and an institution reads its learning archive: the persons it deposited outcomes for,
 * and those who shared their record with it. Nothing else of a person reaches an institution.
 */
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "ledger_db.h"

static const struct store_stmt INSTITUTION_EXISTS = {
	"share institution exists", "SELECT 1 FROM institutions WHERE id = $1"
};
static const struct store_stmt SHARE_INSERT = {
	"share insert",
	"INSERT INTO record_shares (person_id, institution_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
};
static const struct store_stmt SHARE_DELETE = {
	"share delete", "DELETE FROM record_shares WHERE person_id = $1 AND institution_id = $2"
};
static const struct store_stmt SHARE_LIST = {
	"share list",
	"SELECT s.institution_id, i.name, i.type, s.created_at, i.name_en FROM record_shares s "
	"JOIN institutions i ON i.id = s.institution_id WHERE s.person_id = $1 ORDER BY s.created_at DESC"
};
/* Current outcomes only: an entry nothing supersedes, and not a revocation. */
#define CURRENT_OF(inst) \
	"e.person_id = p.id AND e.institution_id = " inst " AND e.op <> 'revoke' AND NOT EXISTS " \
	"(SELECT 1 FROM ledger_entries n WHERE n.supersedes = e.id)"
static const struct store_stmt ARCHIVE = {
	"institution archive",
	"SELECT p.id, p.account_no, p.name, "
	"(SELECT COUNT(*) FROM ledger_entries e WHERE " CURRENT_OF("$1") "), "
	"(SELECT COALESCE(SUM(e.hours_milli), 0) FROM ledger_entries e WHERE " CURRENT_OF("$1") "), "
	"(SELECT COALESCE(SUM(e.credits_milli), 0) FROM ledger_entries e WHERE " CURRENT_OF("$1") "), "
	"(SELECT COUNT(*) FROM record_shares s WHERE s.person_id = p.id AND s.institution_id = $1) "
	"FROM persons p WHERE p.id IN (SELECT person_id FROM ledger_entries WHERE institution_id = $1 "
	"UNION SELECT person_id FROM record_shares WHERE institution_id = $1) AND p.id > $2 ORDER BY p.id LIMIT $3"
};

static const struct store_stmt KNOWS = {
	"institution knows person",
	"SELECT 1 WHERE EXISTS (SELECT 1 FROM ledger_entries WHERE institution_id = $2 AND person_id = $1) "
	"OR EXISTS (SELECT 1 FROM record_shares WHERE person_id = $1 AND institution_id = $2)"
};

static enum ll_err exists_row(const struct store_row *row, void *ctx)
{
	(void)row;
	*(bool *)ctx = true;
	return LL_OK;
}

struct share_ctx {
	const char *person_id, *institution_id;
	const struct audit_actor *actor;
	bool is_create;
	json_t *items;
};

static enum ll_err share_txn(struct ll_tx *tx, void *ctx)
{
	struct share_ctx *s = ctx;
	bool is_found = false;
	enum ll_err err;
	if (s->is_create) {
		if ((err = store_exec(tx, &INSTITUTION_EXISTS, SP(SV_TEXT(s->institution_id)), exists_row, &is_found)) != LL_OK)
			return err;
		if (!is_found)
			return ll_fail(LL_UNKNOWN_INSTITUTION, "institution_id", "no institution has this id");
		err = store_exec(tx, &SHARE_INSERT, SP(SV_TEXT(s->person_id), SV_TEXT(s->institution_id), SV_I64(clock_now_us())),
				 NULL, NULL);
	} else {
		err = store_exec(tx, &SHARE_DELETE, SP(SV_TEXT(s->person_id), SV_TEXT(s->institution_id)), NULL, NULL);
		if (err == LL_OK && store_changes(tx) == 0)
			return ll_fail(LL_NOT_FOUND, NULL, "your record is not shared with this institution");
	}
	if (err != LL_OK)
		return err;
	return audit_write(tx, s->actor, s->is_create ? "share.create" : "share.end", "institution", s->institution_id, NULL);
}

enum ll_err share_create(struct ll_store *st, const char *person_id, const char *institution_id,
			 const struct audit_actor *actor)
{
	struct share_ctx s = { .person_id = person_id, .institution_id = institution_id, .actor = actor, .is_create = true };
	return store_run(st, STORE_WRITE, "share create", share_txn, &s);
}

enum ll_err share_end(struct ll_store *st, const char *person_id, const char *institution_id,
		      const struct audit_actor *actor)
{
	struct share_ctx s = { .person_id = person_id, .institution_id = institution_id, .actor = actor };
	return store_run(st, STORE_WRITE, "share end", share_txn, &s);
}

static enum ll_err share_row(const struct store_row *row, void *ctx)
{
	json_t *o = json_object();
	json_object_set_new(o, "institution", json_pack("{s:s, s:s, s:s?, s:s}", "id", store_row_text(row, 0), "name",
							store_row_text(row, 1), "name_en",
							store_row_is_null(row, 4) ? NULL : store_row_text(row, 4), "type",
							store_row_text(row, 2)));
	json_set_time(o, "created_at", store_row_i64(row, 3));
	json_array_append_new(ctx, o);
	return LL_OK;
}

static enum ll_err share_list_txn(struct ll_tx *tx, void *ctx)
{
	struct share_ctx *s = ctx;
	json_array_clear(s->items);
	return store_exec(tx, &SHARE_LIST, SP(SV_TEXT(s->person_id)), share_row, s->items);
}

enum ll_err share_list(struct ll_store *st, const char *person_id, json_t **ret_items)
{
	struct share_ctx s = { .person_id = person_id, .items = json_array() };
	enum ll_err err = store_run(st, STORE_READ, "share list", share_list_txn, &s);
	if (err != LL_OK) {
		json_decref(s.items);
		return err;
	}
	*ret_items = s.items;
	return LL_OK;
}

struct archive_ctx {
	const char *institution_id, *after;
	int limit, n;
	json_t *items;
	const char *last;
	char last_buf[64];
};

static enum ll_err archive_row(const struct store_row *row, void *ctx)
{
	struct archive_ctx *a = ctx;
	json_t *o = json_object();
	json_set_str(o, "person_id", store_row_text(row, 0));
	json_set_str(o, "account_no", store_row_text(row, 1));
	json_set_str(o, "name", store_row_text(row, 2));
	json_object_set_new(o, "outcomes", json_integer(store_row_i64(row, 3)));
	json_object_set_new(o, "hours_milli", json_integer(store_row_i64(row, 4)));
	json_object_set_new(o, "credits_milli", json_integer(store_row_i64(row, 5)));
	json_object_set_new(o, "is_shared", json_boolean(store_row_i64(row, 6) > 0));
	json_array_append_new(a->items, o);
	snprintf(a->last_buf, sizeof(a->last_buf), "%s", store_row_text(row, 0));
	a->n++;
	return LL_OK;
}

static enum ll_err archive_txn(struct ll_tx *tx, void *ctx)
{
	struct archive_ctx *a = ctx;
	json_array_clear(a->items);
	a->n = 0;
	return store_exec(tx, &ARCHIVE, SP(SV_TEXT(a->institution_id), SV_TEXT(a->after ? a->after : ""), SV_I64(a->limit)),
			  archive_row, a);
}

enum ll_err archive_list(struct ll_store *st, const char *institution_id, const char *after, int limit,
			 json_t **ret_page)
{
	struct archive_ctx a = { .institution_id = institution_id, .after = after, .limit = limit, .items = json_array() };
	enum ll_err err = store_run(st, STORE_READ, "institution archive", archive_txn, &a);
	if (err != LL_OK) {
		json_decref(a.items);
		return err;
	}
	json_t *page = json_pack("{s:o}", "items", a.items);
	json_set_str(page, "next", a.n == limit ? a.last_buf : NULL);
	*ret_page = page;
	return LL_OK;
}

enum ll_err ledger_institution_knows(struct ll_tx *tx, const char *person_id, const char *institution_id,
				     bool *ret_is_known)
{
	*ret_is_known = false;
	return store_exec(tx, &KNOWS, SP(SV_TEXT(person_id), SV_TEXT(institution_id)), exists_row, ret_is_known);
}
