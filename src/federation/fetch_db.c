/*
 * A person's fetches of their records from peers, what they imported, and the log of every
 * cross-node access to their records. A fetch is made only with the person's consent (a purpose
 * and a period) and runs in the background (fetcher.c); the person sees its state, and may try a
 * failed one again or withdraw consent.
 */
#include <stdio.h>
#include <string.h>

#include "../base/id.h"
#include "../store/store.h"
#include "federation.h"

#define DAY_US (86400LL * 1000000)
#define FED_LIST_MAX_TEXT "2000"         /* rows a list gives at most */
#define CONSENT_MAX_DAYS 365

const struct json_field fed_fetch_spec[] = {
	JSON_STR("node_id", struct fed_fetch_in, node_id, .min_len = 2, .max_len = 8,
		 .doc = "the peer holding the records (JS, ZJ, AH, …)"),
	JSON_STR("purpose", struct fed_fetch_in, purpose, .min_len = 1, .max_len = 200,
		 .doc = "what the records are fetched for, as the peer logs it (学分转换)"),
	JSON_TIME("consent_until", struct fed_fetch_in, consent_until,
		  .doc = "when the consent ends: ahead of now, at most 365 days ahead"),
	JSON_END
};

#define FETCH_COLUMNS                                                                                          \
	"f.id, f.node_id, p.name, f.purpose, f.consent_until, f.state, f.received, f.imported, f.attempts, "   \
	"f.next_at, f.last_error, f.created_at, f.updated_at, f.finished_at"
#define FETCH_FROM " FROM federation_fetches f LEFT JOIN federation_peers p ON p.node_id = f.node_id"

static const struct store_stmt PEER_STATUS = { "fetch peer status", "SELECT status FROM federation_peers WHERE node_id = $1" };
static const struct store_stmt UNDER_WAY = {
	"fetch under way",
	"SELECT COUNT(*) FROM federation_fetches WHERE person_id = $1 AND node_id = $2 "
	"AND state IN ('queued', 'running', 'retrying')"
};
static const struct store_stmt INSERT = {
	"fetch insert",
	"INSERT INTO federation_fetches (id, person_id, node_id, purpose, consent_until, state, after_seq, received, "
	"imported, attempts, next_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'queued', 0, 0, 0, 0, $6, $6, $6)"
};
static const struct store_stmt LIST = {
	"fetch list", "SELECT " FETCH_COLUMNS FETCH_FROM " WHERE f.person_id = $1 ORDER BY f.created_at DESC, f.id DESC "
	"LIMIT " FED_LIST_MAX_TEXT
};
static const struct store_stmt GET = { "fetch get",
				       "SELECT " FETCH_COLUMNS FETCH_FROM " WHERE f.person_id = $1 AND f.id = $2" };
static const struct store_stmt RETRY = {
	"fetch retry",
	"UPDATE federation_fetches SET state = 'queued', next_at = $3, updated_at = $3, finished_at = NULL, attempts = 0 "
	"WHERE person_id = $1 AND id = $2 AND state IN ('retrying', 'failed') AND consent_until > $3"
};
static const struct store_stmt WITHDRAW = {
	"fetch withdraw",
	"UPDATE federation_fetches SET state = 'withdrawn', next_at = NULL, updated_at = $3, finished_at = $3 "
	"WHERE person_id = $1 AND id = $2 AND state IN ('queued', 'running', 'retrying', 'failed')"
};
/* The list without the credentials' text (a few KiB each); one outcome with it. */
#define EXTERNAL_COLUMNS                                                                                     \
	"x.id, x.node_id, p.name, x.outcome_id, x.entry_id, x.credential_id, x.kid, x.kind, x.title, "        \
	"x.institution, x.level, x.credits_milli, x.hours_milli, x.result, x.awarded_on, x.imported_at, "     \
	"x.fetch_id, x.code"
#define EXTERNAL_FROM " FROM external_outcomes x LEFT JOIN federation_peers p ON p.node_id = x.node_id "
static const struct store_stmt EXTERNAL = {
	"external outcomes",
	"SELECT " EXTERNAL_COLUMNS EXTERNAL_FROM "WHERE x.person_id = $1 ORDER BY x.awarded_on DESC, x.id LIMIT "
	FED_LIST_MAX_TEXT
};
static const struct store_stmt EXTERNAL_ONE = {
	"external outcome", "SELECT " EXTERNAL_COLUMNS ", x.jws" EXTERNAL_FROM "WHERE x.person_id = $1 AND x.id = $2"
};
static const struct store_stmt EXTERNAL_COUNT = { "external count",
						  "SELECT COUNT(*) FROM external_outcomes WHERE person_id = $1" };
static const struct store_stmt ACCESS = {
	"access list",
	"SELECT a.node_id, p.name, a.direction, a.purpose, a.consent_until, a.requests, a.records, a.first_at, a.last_at "
	"FROM federation_access a LEFT JOIN federation_peers p ON p.node_id = a.node_id WHERE a.person_id = $1 "
	"ORDER BY a.last_at DESC LIMIT " FED_LIST_MAX_TEXT
};

static const struct store_stmt ACCESS_LOG = {
	"federation access",
	"INSERT INTO federation_access (node_id, fetch_id, direction, person_id, purpose, consent_until, requests, records, "
	"first_at, last_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8) ON CONFLICT (node_id, fetch_id, direction, person_id) "
	"DO UPDATE SET requests = federation_access.requests + 1, records = federation_access.records + $7, "
	"last_at = $8, consent_until = $6"
};

enum ll_err fed_access_log(struct ll_tx *tx, const struct fed_access *a)
{
	return store_exec(tx, &ACCESS_LOG,
			  SP(SV_TEXT(a->node_id), SV_TEXT(a->fetch_id), SV_TEXT(a->direction), SV_TEXT(a->person_id),
			     SV_TEXT(a->purpose), SV_I64(a->consent_until), SV_I64(a->records), SV_I64(a->at)),
			  NULL, NULL);
}

static void set_opt_time(json_t *o, const char *key, const struct store_row *row, int col)
{
	json_set_time(o, key, store_row_is_null(row, col) ? 0 : store_row_i64(row, col));
}

static enum ll_err fetch_row(const struct store_row *row, void *ctx)
{
	json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:I, s:I, s:I, s:s?}", "id", store_row_text(row, 0), "node_id",
			      store_row_text(row, 1), "name", store_row_text(row, 2), "purpose", store_row_text(row, 3),
			      "state", store_row_text(row, 5), "received", (json_int_t)store_row_i64(row, 6), "imported",
			      (json_int_t)store_row_i64(row, 7), "attempts", (json_int_t)store_row_i64(row, 8),
			      "last_error", store_row_text(row, 10));
	if (!o)
		return LL_NOMEM;
	json_set_time(o, "consent_until", store_row_i64(row, 4));
	set_opt_time(o, "next_at", row, 9);
	json_set_time(o, "created_at", store_row_i64(row, 11));
	json_set_time(o, "updated_at", store_row_i64(row, 12));
	set_opt_time(o, "finished_at", row, 13);
	return json_array_append_new(ctx, o) == 0 ? LL_OK : LL_NOMEM;
}

struct create {
	const char *person_id;
	const struct fed_fetch_in *in;
	int64_t now;
	const char *id;
	char status[16];
	int64_t under_way;
};

static enum ll_err status_row(const struct store_row *row, void *ctx)
{
	snprintf(ctx, 16, "%s", store_row_text(row, 0));
	return LL_OK;
}

static enum ll_err count_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err create_txn(struct ll_tx *tx, void *ctx)
{
	struct create *c = ctx;
	c->status[0] = '\0';
	enum ll_err err = store_exec(tx, &PEER_STATUS, SP(SV_TEXT(c->in->node_id)), status_row, c->status);
	if (err != LL_OK)
		return err;
	if (!c->status[0])
		return ll_fail(LL_NOT_FOUND, "node_id", "this credit bank does not exchange records with %s", c->in->node_id);
	if (strcmp(c->status, "active") != 0)
		return ll_fail(LL_PEER_SUSPENDED, "node_id", "exchange with %s is suspended", c->in->node_id);
	err = store_exec(tx, &UNDER_WAY, SP(SV_TEXT(c->person_id), SV_TEXT(c->in->node_id)), count_row, &c->under_way);
	if (err == LL_OK && c->under_way)
		return ll_fail(LL_FETCH_UNDER_WAY, "node_id", "a fetch of your records from %s is under way", c->in->node_id);
	if (err == LL_OK)
		err = store_exec(tx, &INSERT,
				 SP(SV_TEXT(c->id), SV_TEXT(c->person_id), SV_TEXT(c->in->node_id), SV_TEXT(c->in->purpose),
				    SV_I64(c->in->consent_until), SV_I64(c->now)),
				 NULL, NULL);
	/* Another request of theirs made one meanwhile (the index of fetches under way). */
	if (err == LL_CONFLICT)
		err = ll_fail(LL_FETCH_UNDER_WAY, "node_id", "a fetch of your records from %s is under way", c->in->node_id);
	return err;
}

enum ll_err fed_fetch_create(struct ll_store *st, const char *person_id, const struct fed_fetch_in *in, int64_t now_us,
			     json_t **ret_fetch)
{
	if (!fed_node_id_is_valid(in->node_id))
		return ll_fail(LL_INVALID_VALUE, "node_id", "a node id is 2 to 8 capital letters");
	if (in->consent_until <= now_us)
		return ll_fail(LL_OUT_OF_RANGE, "consent_until", "consent must last beyond now");
	if (in->consent_until > now_us + CONSENT_MAX_DAYS * DAY_US)
		return ll_fail(LL_OUT_OF_RANGE, "consent_until", "consent lasts at most %d days", CONSENT_MAX_DAYS);
	ll_id id;
	id_new(&id);
	struct create c = { .person_id = person_id, .in = in, .now = now_us, .id = id.s };
	enum ll_err err = store_run(st, STORE_WRITE, "fetch create", create_txn, &c);
	return err == LL_OK ? fed_fetch_get(st, person_id, id.s, ret_fetch) : err;
}

struct read {
	const struct store_stmt *stmt;
	const char *person_id, *id;
	store_row_fn fn;
	json_t *items;
};

static enum ll_err read_txn(struct ll_tx *tx, void *ctx)
{
	struct read *r = ctx;
	json_array_clear(r->items);
	return r->id ? store_exec(tx, r->stmt, SP(SV_TEXT(r->person_id), SV_TEXT(r->id)), r->fn, r->items)
		     : store_exec(tx, r->stmt, SP(SV_TEXT(r->person_id)), r->fn, r->items);
}

/* The rows of stmt for the person (and id) as {"items": [...]}. */
static enum ll_err read_items(struct ll_store *st, const struct store_stmt *stmt, const char *person_id, const char *id,
			      store_row_fn fn, json_t **ret_page)
{
	struct read r = { stmt, person_id, id, fn, json_array() };
	enum ll_err err = r.items ? store_run(st, STORE_READ, stmt->name, read_txn, &r) : LL_NOMEM;
	json_t *page = err == LL_OK ? json_pack("{s:o}", "items", r.items) : NULL;
	if (err != LL_OK)
		json_decref(r.items);
	else if (!page)
		err = LL_NOMEM;
	if (err == LL_OK)
		*ret_page = page;
	return err;
}

enum ll_err fed_fetch_list(struct ll_store *st, const char *person_id, json_t **ret_page)
{
	return read_items(st, &LIST, person_id, NULL, fetch_row, ret_page);
}

enum ll_err fed_fetch_get(struct ll_store *st, const char *person_id, const char *id, json_t **ret_fetch)
{
	json_t *page = NULL;
	enum ll_err err = read_items(st, &GET, person_id, id, fetch_row, &page);
	json_t *one = err == LL_OK ? json_array_get(json_object_get(page, "items"), 0) : NULL;
	if (err == LL_OK && !one)
		err = ll_fail(LL_NOT_FOUND, NULL, "you have no fetch %s", id);
	if (err == LL_OK)
		*ret_fetch = json_incref(one);
	json_decref(page);
	return err;
}

struct change {
	const struct store_stmt *stmt;
	const char *person_id, *id;
	int64_t now;
	bool is_changed;
};

static enum ll_err change_txn(struct ll_tx *tx, void *ctx)
{
	struct change *c = ctx;
	enum ll_err err = store_exec(tx, c->stmt, SP(SV_TEXT(c->person_id), SV_TEXT(c->id), SV_I64(c->now)), NULL, NULL);
	c->is_changed = err == LL_OK && store_changes(tx) > 0;
	/* Tried again while another fetch from the same peer is under way. */
	if (err == LL_CONFLICT)
		err = ll_fail(LL_FETCH_UNDER_WAY, "state", "another fetch of your records from this peer is under way");
	return err;
}

/* Applies stmt to the person's fetch id; why not when it did not apply. */
static enum ll_err change(struct ll_store *st, const struct store_stmt *stmt, const char *person_id, const char *id,
			  int64_t now_us, const char *why, json_t **ret_fetch)
{
	json_t *fetch = NULL;
	enum ll_err err = fed_fetch_get(st, person_id, id, &fetch);
	struct change c = { stmt, person_id, id, now_us, false };
	if (err == LL_OK)
		err = store_run(st, STORE_WRITE, stmt->name, change_txn, &c);
	json_decref(fetch);
	if (err == LL_OK && !c.is_changed)
		err = ll_fail(LL_CONFLICT, "state", "%s", why);
	return err == LL_OK ? fed_fetch_get(st, person_id, id, ret_fetch) : err;
}

enum ll_err fed_fetch_retry(struct ll_store *st, const char *person_id, const char *id, int64_t now_us,
			    json_t **ret_fetch)
{
	return change(st, &RETRY, person_id, id, now_us,
		      "only a fetch that failed or waits to be tried again, with consent still given, can be tried now",
		      ret_fetch);
}

enum ll_err fed_fetch_withdraw(struct ll_store *st, const char *person_id, const char *id, int64_t now_us,
			       json_t **ret_fetch)
{
	return change(st, &WITHDRAW, person_id, id, now_us, "this fetch has ended already", ret_fetch);
}

static json_t *milli_or_null(const struct store_row *row, int col)
{
	return store_row_is_null(row, col) ? json_null() : json_real((double)store_row_i64(row, col) / 1000.0);
}

static enum ll_err external_row(const struct store_row *row, void *ctx)
{
	json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:o, s:o, s:s?, s:s, s:s}",
			      "id", store_row_text(row, 0), "node_id", store_row_text(row, 1), "node_name",
			      store_row_text(row, 2), "outcome_id", store_row_text(row, 3), "entry_id",
			      store_row_text(row, 4), "credential_id", store_row_text(row, 5), "kid", store_row_text(row, 6),
			      "kind", store_row_text(row, 7), "title", store_row_text(row, 8), "institution",
			      store_row_text(row, 9), "level",
			      store_row_is_null(row, 10) ? json_null() : json_integer(store_row_i64(row, 10)), "credits",
			      milli_or_null(row, 11), "hours", milli_or_null(row, 12), "result", store_row_text(row, 13),
			      "awarded_on", store_row_text(row, 14), "fetch_id", store_row_text(row, 16));
	if (!o)
		return LL_NOMEM;
	json_set_str(o, "code", store_row_is_null(row, 17) ? NULL : store_row_text(row, 17));
	if (store_row_columns(row) > 18)
		json_set_str(o, "jws", store_row_text(row, 18));
	json_set_time(o, "imported_at", store_row_i64(row, 15));
	return json_array_append_new(ctx, o) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err count_into(const struct store_row *row, void *ctx)
{
	return json_object_set_new(ctx, "total", json_integer(store_row_i64(row, 0))) == 0 ? LL_OK : LL_NOMEM;
}

struct total {
	json_t *page;
	const char *person_id;
};

static enum ll_err total_txn(struct ll_tx *tx, void *ctx)
{
	const struct total *t = ctx;
	return store_exec(tx, &EXTERNAL_COUNT, SP(SV_TEXT(t->person_id)), count_into, t->page);
}

enum ll_err fed_external_list(struct ll_store *st, const char *person_id, json_t **ret_page)
{
	json_t *page = NULL;
	enum ll_err err = read_items(st, &EXTERNAL, person_id, NULL, external_row, &page);
	struct total t = { page, person_id };
	if (err == LL_OK)
		err = store_run(st, STORE_READ, "external count", total_txn, &t);
	if (err != LL_OK) {
		json_decref(page);
		return err;
	}
	*ret_page = page;
	return LL_OK;
}

enum ll_err fed_external_get(struct ll_store *st, const char *person_id, const char *id, json_t **ret_outcome)
{
	json_t *page = NULL;
	enum ll_err err = read_items(st, &EXTERNAL_ONE, person_id, id, external_row, &page);
	json_t *one = err == LL_OK ? json_array_get(json_object_get(page, "items"), 0) : NULL;
	if (err == LL_OK && !one)
		err = ll_fail(LL_NOT_FOUND, NULL, "you have no imported outcome %s", id);
	if (err == LL_OK)
		*ret_outcome = json_incref(one);
	json_decref(page);
	return err;
}

static enum ll_err access_row(const struct store_row *row, void *ctx)
{
	json_t *o = json_pack("{s:s, s:s?, s:s, s:s, s:I, s:I}", "node_id", store_row_text(row, 0), "name",
			      store_row_text(row, 1), "direction", store_row_text(row, 2), "purpose",
			      store_row_text(row, 3), "requests", (json_int_t)store_row_i64(row, 5), "records",
			      (json_int_t)store_row_i64(row, 6));
	if (!o)
		return LL_NOMEM;
	json_set_time(o, "consent_until", store_row_i64(row, 4));
	json_set_time(o, "first_at", store_row_i64(row, 7));
	json_set_time(o, "last_at", store_row_i64(row, 8));
	return json_array_append_new(ctx, o) == 0 ? LL_OK : LL_NOMEM;
}

enum ll_err fed_access_list(struct ll_store *st, const char *person_id, json_t **ret_page)
{
	return read_items(st, &ACCESS, person_id, NULL, access_row, ret_page);
}
