/*
 * Incentives and vouchers. A redemption takes one item of stock and the cost in points in one
 * transaction, each by an update that only applies while enough is left, so that no balance or
 * stock goes below zero however many redeem at once; the voucher it issues carries a code the
 * providing institution marks used.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../base/id.h"
#include "../store/store.h"
#include "points.h"

const char *const incentive_kinds[] = { "course_voucher", "venue_visit", "other", NULL };

#define INCENTIVE_COLUMNS \
	"n.id, n.kind, n.name, n.name_en, n.description, n.edu_type, n.cost, n.stock, n.expires_at, n.is_active, " \
	"i.id, i.name, i.name_en"
static const struct store_stmt INCENTIVE_INSERT = {
	"incentive insert",
	"INSERT INTO points_incentives (id, kind, name, name_en, description, institution_id, edu_type, cost, stock, "
	"expires_at, is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
};
static const struct store_stmt INCENTIVE_UPDATE = {
	"incentive update",
	"UPDATE points_incentives SET kind = $2, name = $3, name_en = $4, description = $5, institution_id = $6, "
	"edu_type = $7, cost = $8, expires_at = $9, is_active = $10, updated_at = $11 WHERE id = $1"
};
static const struct store_stmt INCENTIVE_RESTOCK = {
	"incentive restock",
	"UPDATE points_incentives SET stock = stock + $2, updated_at = $3 WHERE id = $1 AND stock + $2 >= 0"
};
static const struct store_stmt INCENTIVE_TAKE = {
	"incentive take", "UPDATE points_incentives SET stock = stock - 1 WHERE id = $1 AND stock > 0"
};
static const struct store_stmt INCENTIVE_GET = {
	"incentive get",
	"SELECT " INCENTIVE_COLUMNS " FROM points_incentives n JOIN institutions i ON i.id = n.institution_id "
	"WHERE n.id = $1"
};
static const struct store_stmt INCENTIVE_LIST_ALL = {
	"incentive list all",
	"SELECT " INCENTIVE_COLUMNS " FROM points_incentives n JOIN institutions i ON i.id = n.institution_id "
	"ORDER BY n.created_at DESC LIMIT 1000"
};
static const struct store_stmt INCENTIVE_LIST_OPEN = {
	"incentive list open",
	"SELECT " INCENTIVE_COLUMNS " FROM points_incentives n JOIN institutions i ON i.id = n.institution_id "
	"WHERE n.is_active = 1 AND (n.expires_at IS NULL OR n.expires_at > $1) ORDER BY n.cost, n.created_at LIMIT 1000"
};
static const struct store_stmt INSTITUTION_EXISTS = { "incentive institution",
						      "SELECT COUNT(*) FROM institutions WHERE id = $1" };

#define REDEMPTION_COLUMNS \
	"r.id, r.code, r.cost, r.created_at, r.expires_at, r.used_at, n.id, n.kind, n.name, n.name_en, n.edu_type, " \
	"i.id, i.name, i.name_en"
#define REDEMPTION_FROM \
	" FROM points_redemptions r JOIN points_incentives n ON n.id = r.incentive_id " \
	"JOIN institutions i ON i.id = n.institution_id "
static const struct store_stmt REDEMPTION_INSERT = {
	"redemption insert",
	"INSERT INTO points_redemptions (id, person_id, incentive_id, txn_id, code, cost, expires_at, created_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
};
static const struct store_stmt REDEMPTION_BY_TXN = {
	"redemption by txn", "SELECT " REDEMPTION_COLUMNS REDEMPTION_FROM "WHERE r.txn_id = $1"
};
static const struct store_stmt REDEMPTION_MINE = {
	"redemption mine",
	"SELECT " REDEMPTION_COLUMNS REDEMPTION_FROM "WHERE r.person_id = $1 ORDER BY r.created_at DESC LIMIT 500"
};
static const struct store_stmt REDEMPTION_BY_CODE = {
	"redemption by code",
	"SELECT " REDEMPTION_COLUMNS REDEMPTION_FROM "WHERE r.code = $1 AND n.institution_id = $2"
};
static const struct store_stmt REDEMPTION_USE = {
	"redemption use",
	"UPDATE points_redemptions SET used_at = $2, used_by = $3 WHERE id = $1 AND used_at IS NULL "
	"AND (expires_at IS NULL OR expires_at > $2)"
};

/* ---- The catalogue ---- */

void incentive_in_init(struct incentive_in *in)
{
	*in = (struct incentive_in){ .kind = -1, .edu_type = -1, .is_active = true };
}

#define INCENTIVE_FIELDS                                                                                          \
	JSON_ENUM("kind", struct incentive_in, kind, incentive_kinds,                                              \
		  .doc = "course_voucher (课程券), venue_visit (场馆参观) or other"),                                  \
		JSON_STR("name", struct incentive_in, name, .min_len = 1, .max_len = 100),                         \
		JSON_STR("name_en", struct incentive_in, name_en, .is_optional = true, .max_len = 100),            \
		JSON_STR("description", struct incentive_in, description, .is_optional = true, .max_len = 1000),   \
		JSON_STR("institution_id", struct incentive_in, institution_id, .max_len = 40,                     \
			 .doc = "the institution that provides it and accepts its vouchers"),                      \
		JSON_ENUM("edu_type", struct incentive_in, edu_type, edu_types,                                    \
			  .doc = "the points it is paid with: academic, vocational, community or elder"),          \
		JSON_I64("cost", struct incentive_in, cost, .min = 1, .max = 1000000),                             \
		JSON_TIME("expires_at", struct incentive_in, expires_at, .is_optional = true,                      \
			  .doc = "after this it cannot be redeemed, and its vouchers are no longer valid"),        \
		JSON_BOOL("is_active", struct incentive_in, is_active, .is_optional = true)

const struct json_field incentive_spec[] = {
	INCENTIVE_FIELDS,
	JSON_I64("stock", struct incentive_in, stock, .min = 0, .max = 1000000000, .doc = "how many can be redeemed"),
	JSON_END
};
const struct json_field incentive_update_spec[] = { INCENTIVE_FIELDS, JSON_END };

static json_t *time_or_null(const struct store_row *row, int col)
{
	if (store_row_is_null(row, col))
		return json_null();
	char at[32];
	clock_format_rfc3339(store_row_i64(row, col), at);
	return json_string(at);
}

static json_t *incentive_json(const struct store_row *row)
{
	int64_t now = clock_now_us(), stock = store_row_i64(row, 7);
	bool is_active = store_row_i64(row, 9) != 0;
	bool is_expired = !store_row_is_null(row, 8) && store_row_i64(row, 8) <= now;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:b, s:b, s:{s:s, s:s, s:s?}}", "id",
			 store_row_text(row, 0), "kind", store_row_text(row, 1), "name", store_row_text(row, 2),
			 "name_en", store_row_text(row, 3), "description", store_row_text(row, 4), "edu_type",
			 store_row_text(row, 5), "cost", (json_int_t)store_row_i64(row, 6), "stock", (json_int_t)stock,
			 "expires_at", time_or_null(row, 8), "is_active", is_active, "is_available",
			 is_active && !is_expired && stock > 0, "institution", "id", store_row_text(row, 10), "name",
			 store_row_text(row, 11), "name_en", store_row_text(row, 12));
}

static enum ll_err incentive_row(const struct store_row *row, void *ctx)
{
	json_t **ret = ctx;
	json_decref(*ret);
	*ret = incentive_json(row);
	return *ret ? LL_OK : LL_NOMEM;
}

struct incentive_ctx {
	const char *id;
	const struct incentive_in *in;
	int64_t add;
	const struct audit_actor *actor;
	json_t *out;
};

static enum ll_err count_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err check_institution(struct ll_tx *tx, const char *id)
{
	int64_t n = 0;
	enum ll_err err = store_exec(tx, &INSTITUTION_EXISTS, SP(SV_TEXT(id)), count_row, &n);
	if (err == LL_OK && n == 0)
		return ll_fail(LL_UNKNOWN_INSTITUTION, "institution_id", "no institution has this id");
	return err;
}

static enum ll_err incentive_reload(struct ll_tx *tx, struct incentive_ctx *x)
{
	json_decref(x->out);
	x->out = NULL;
	enum ll_err err = store_exec(tx, &INCENTIVE_GET, SP(SV_TEXT(x->id)), incentive_row, &x->out);
	if (err == LL_OK && !x->out)
		return ll_fail(LL_NOT_FOUND, NULL, "no incentive has this id");
	return err;
}

static struct store_val expiry_val(int64_t expires_at)
{
	return expires_at ? SV_I64(expires_at) : SV_NULL;
}

static enum ll_err incentive_save_txn(struct ll_tx *tx, void *ctx, bool is_new)
{
	struct incentive_ctx *x = ctx;
	const struct incentive_in *in = x->in;
	enum ll_err err = check_institution(tx, in->institution_id);
	if (err == LL_OK && !is_new) {
		/* Its vouchers are presented to the institution that provides it: that stays. */
		err = incentive_reload(tx, x);
		const char *provider = json_string_value(json_object_get(json_object_get(x->out, "institution"), "id"));
		if (err == LL_OK && (!provider || strcmp(provider, in->institution_id) != 0))
			err = ll_fail(LL_INVALID_VALUE, "institution_id", "an incentive stays with the institution that provides it");
	}
	if (err != LL_OK)
		return err;
	int64_t now = clock_now_us();
	if (is_new)
		err = store_exec(tx, &INCENTIVE_INSERT,
				 SP(SV_TEXT(x->id), SV_TEXT(incentive_kinds[in->kind]), SV_TEXT(in->name),
				    SV_TEXT(in->name_en ? in->name_en : ""), SV_TEXT(in->description ? in->description : ""),
				    SV_TEXT(in->institution_id), SV_TEXT(edu_types[in->edu_type]), SV_I64(in->cost),
				    SV_I64(in->stock), expiry_val(in->expires_at), SV_BOOL(in->is_active), SV_I64(now)),
				 NULL, NULL);
	else
		err = store_exec(tx, &INCENTIVE_UPDATE,
				 SP(SV_TEXT(x->id), SV_TEXT(incentive_kinds[in->kind]), SV_TEXT(in->name),
				    SV_TEXT(in->name_en ? in->name_en : ""), SV_TEXT(in->description ? in->description : ""),
				    SV_TEXT(in->institution_id), SV_TEXT(edu_types[in->edu_type]), SV_I64(in->cost),
				    expiry_val(in->expires_at), SV_BOOL(in->is_active), SV_I64(now)),
				 NULL, NULL);
	if (err == LL_OK && !is_new && store_changes(tx) == 0)
		return ll_fail(LL_NOT_FOUND, NULL, "no incentive has this id");
	if (err == LL_OK)
		err = audit_write(tx, x->actor, is_new ? "incentive.create" : "incentive.update", "incentive", x->id,
				  in->name);
	return err == LL_OK ? incentive_reload(tx, x) : err;
}

static enum ll_err incentive_create_txn(struct ll_tx *tx, void *ctx)
{
	return incentive_save_txn(tx, ctx, true);
}

static enum ll_err incentive_update_txn(struct ll_tx *tx, void *ctx)
{
	return incentive_save_txn(tx, ctx, false);
}

static enum ll_err incentive_done(enum ll_err err, struct incentive_ctx *x, json_t **ret)
{
	if (err != LL_OK) {
		json_decref(x->out);
		return err;
	}
	*ret = x->out;
	return LL_OK;
}

enum ll_err incentive_create(struct ll_store *st, const struct incentive_in *in, const struct audit_actor *actor,
			     json_t **ret)
{
	ll_id id;
	id_new(&id);
	struct incentive_ctx x = { .id = id.s, .in = in, .actor = actor };
	return incentive_done(store_run(st, STORE_WRITE, "incentive create", incentive_create_txn, &x), &x, ret);
}

enum ll_err incentive_update(struct ll_store *st, const char *id, const struct incentive_in *in,
			     const struct audit_actor *actor, json_t **ret)
{
	struct incentive_ctx x = { .id = id, .in = in, .actor = actor };
	return incentive_done(store_run(st, STORE_WRITE, "incentive update", incentive_update_txn, &x), &x, ret);
}

static enum ll_err restock_txn(struct ll_tx *tx, void *ctx)
{
	struct incentive_ctx *x = ctx;
	enum ll_err err = incentive_reload(tx, x);
	if (err == LL_OK)
		err = store_exec(tx, &INCENTIVE_RESTOCK, SP(SV_TEXT(x->id), SV_I64(x->add), SV_I64(clock_now_us())), NULL,
				 NULL);
	if (err == LL_OK && store_changes(tx) == 0)
		return ll_fail(LL_OUT_OF_STOCK, "add", "the stock cannot go below zero");
	if (err == LL_OK) {
		char detail[32];
		snprintf(detail, sizeof(detail), "%+lld", (long long)x->add);
		err = audit_write(tx, x->actor, "incentive.restock", "incentive", x->id, detail);
	}
	return err == LL_OK ? incentive_reload(tx, x) : err;
}

enum ll_err incentive_restock(struct ll_store *st, const char *id, int64_t add, const struct audit_actor *actor,
			      json_t **ret)
{
	struct incentive_ctx x = { .id = id, .add = add, .actor = actor };
	return incentive_done(store_run(st, STORE_WRITE, "incentive restock", restock_txn, &x), &x, ret);
}

enum ll_err incentive_list(struct ll_store *st, bool is_all, json_t **ret_items)
{
	if (is_all)
		return store_items(st, "incentive list", &INCENTIVE_LIST_ALL, SP_NONE, incentive_json, ret_items);
	return store_items(st, "incentive list", &INCENTIVE_LIST_OPEN, SP(SV_I64(clock_now_us())), incentive_json,
			   ret_items);
}

/* ---- Redeeming ---- */

const struct json_field redeem_spec[] = {
	JSON_STR("incentive_id", struct redeem_in, incentive_id, .max_len = 40),
	JSON_STR("request_id", struct redeem_in, request_id, .is_optional = true, .min_len = 8, .max_len = 64,
		 .doc = "the same request_id again gives the voucher of the first request instead of a second"),
	JSON_END
};

static json_t *redemption_json(const struct store_row *row)
{
	int64_t now = clock_now_us();
	bool is_used = !store_row_is_null(row, 5);
	bool is_expired = !store_row_is_null(row, 4) && store_row_i64(row, 4) <= now;
	char created[32];
	clock_format_rfc3339(store_row_i64(row, 3), created);
	return json_pack("{s:s, s:s, s:I, s:s, s:o, s:o, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s?}}}", "id",
			 store_row_text(row, 0), "code", store_row_text(row, 1), "cost",
			 (json_int_t)store_row_i64(row, 2), "created_at", created, "expires_at", time_or_null(row, 4),
			 "used_at", time_or_null(row, 5), "status", is_used ? "used" : is_expired ? "expired" : "unused",
			 "edu_type", store_row_text(row, 10), "incentive", "id", store_row_text(row, 6), "kind",
			 store_row_text(row, 7), "name", store_row_text(row, 8), "name_en", store_row_text(row, 9),
			 "institution", "id", store_row_text(row, 11), "name", store_row_text(row, 12), "name_en",
			 store_row_text(row, 13));
}

static enum ll_err redemption_row(const struct store_row *row, void *ctx)
{
	json_t **ret = ctx;
	json_decref(*ret);
	*ret = redemption_json(row);
	return *ret ? LL_OK : LL_NOMEM;
}

struct incentive_row {
	bool is_found, is_open;
	int edu_type;
	int64_t cost, expires_at;
	char name[404], name_en[404];
};

static enum ll_err incentive_fields(const struct store_row *row, void *ctx)
{
	struct incentive_row *n = ctx;
	n->is_found = true;
	n->expires_at = store_row_is_null(row, 8) ? 0 : store_row_i64(row, 8);
	n->is_open = store_row_i64(row, 9) != 0 && (!n->expires_at || n->expires_at > clock_now_us());
	n->cost = store_row_i64(row, 6);
	n->edu_type = -1;
	for (int t = 0; edu_types[t]; t++)
		if (strcmp(edu_types[t], store_row_text(row, 5)) == 0)
			n->edu_type = t;
	snprintf(n->name, sizeof(n->name), "%s", store_row_text(row, 2));
	snprintf(n->name_en, sizeof(n->name_en), "%s", store_row_text(row, 3));
	return LL_OK;
}

struct redeem_ctx {
	const char *person_id;
	const struct redeem_in *in;
	char key[160];
	json_t *out;
	bool is_new;
};

static void voucher_code(char out[11])
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	unsigned char r[10];
	randombytes_buf(r, sizeof(r));
	for (int i = 0; i < 10; i++)
		out[i] = alphabet[r[i] & 31];
	out[10] = '\0';
}

static enum ll_err redeem_txn(struct ll_tx *tx, void *ctx)
{
	struct redeem_ctx *x = ctx;
	json_decref(x->out);
	x->out = NULL;
	ll_id id;
	id_new(&id);
	if (!x->in->request_id)
		snprintf(x->key, sizeof(x->key), "redeem:%s:%s", x->person_id, id.s);
	struct incentive_row n = { 0 };
	enum ll_err err = id_is_valid(x->in->incentive_id)
				  ? store_exec(tx, &INCENTIVE_GET, SP(SV_TEXT(x->in->incentive_id)), incentive_fields, &n)
				  : LL_OK;
	if (err != LL_OK)
		return err;
	if (!n.is_found || n.edu_type < 0)
		return ll_fail(LL_UNKNOWN_INCENTIVE, "incentive_id", "no incentive has this id");
	if (!n.is_open)
		return ll_fail(LL_INCENTIVE_UNAVAILABLE, "incentive_id", "the incentive is retired or past its expiry");
	/* The points first: writing the request's key waits for a copy of the same request that is
	 * under way, and then finds it done (a replay), where taking the stock first would have found
	 * the last item gone. */
	char txn_id[POINTS_ID_MAX];
	struct points_move m = { .person_id = x->person_id, .edu_type = n.edu_type, .amount = n.cost,
				 .source_key = x->key, .event = "redemption", .ref = id.s, .day = points_day_of(clock_now_us()),
				 .description = "兑换激励", .description_en = "Redeemed an incentive", .title = n.name,
				 .title_en = n.name_en[0] ? n.name_en : NULL };
	err = points_move(tx, &m, txn_id, &x->is_new);
	if (err == LL_OK && !x->is_new)
		return LL_CONFLICT; /* the same request, redeemed already: roll back, answer with the first */
	if (err == LL_OK)
		err = store_exec(tx, &INCENTIVE_TAKE, SP(SV_TEXT(x->in->incentive_id)), NULL, NULL);
	if (err == LL_OK && store_changes(tx) == 0)
		return ll_fail(LL_OUT_OF_STOCK, "incentive_id", "the incentive has no stock left");
	char code[11];
	voucher_code(code);
	if (err == LL_OK)
		err = store_exec(tx, &REDEMPTION_INSERT,
				 SP(SV_TEXT(id.s), SV_TEXT(x->person_id), SV_TEXT(x->in->incentive_id), SV_TEXT(txn_id),
				    SV_TEXT(code), SV_I64(n.cost), expiry_val(n.expires_at), SV_I64(clock_now_us())),
				 NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &REDEMPTION_BY_TXN, SP(SV_TEXT(txn_id)), redemption_row, &x->out);
	return err;
}

static enum ll_err txn_id_row(const struct store_row *row, void *ctx)
{
	snprintf(ctx, POINTS_ID_MAX, "%s", store_row_text(row, 0));
	return LL_OK;
}

static const struct store_stmt TXN_OF_KEY = { "points txn of key", "SELECT id FROM points_txns WHERE source_key = $1" };

static enum ll_err earlier_txn(struct ll_tx *tx, void *ctx)
{
	struct redeem_ctx *x = ctx;
	json_decref(x->out);
	x->out = NULL;
	char txn_id[POINTS_ID_MAX] = "";
	enum ll_err err = store_exec(tx, &TXN_OF_KEY, SP(SV_TEXT(x->key)), txn_id_row, txn_id);
	if (err == LL_OK && txn_id[0])
		err = store_exec(tx, &REDEMPTION_BY_TXN, SP(SV_TEXT(txn_id)), redemption_row, &x->out);
	return err;
}

enum ll_err incentive_redeem(struct ll_store *st, const char *person_id, const struct redeem_in *in, json_t **ret,
			     bool *ret_is_new)
{
	if (!person_id)
		return ll_fail(LL_FORBIDDEN, NULL, "incentives are redeemed by learners");
	struct redeem_ctx x = { .person_id = person_id, .in = in };
	enum ll_err err = LL_OK;
	if (in->request_id) {
		snprintf(x.key, sizeof(x.key), "redeem:%s:%s", person_id, in->request_id);
		err = store_run(st, STORE_READ, "redemption replay", earlier_txn, &x);
	}
	if (err == LL_OK && !x.out) {
		err = store_run(st, STORE_WRITE, "redeem", redeem_txn, &x);
		if (err == LL_CONFLICT && in->request_id) {
			ll_error_clear();
			err = store_run(st, STORE_READ, "redemption replay", earlier_txn, &x);
			x.is_new = false;
		}
	} else {
		x.is_new = false;
	}
	if (err == LL_OK && !x.out)
		err = ll_fail(LL_INTERNAL, NULL, "the redemption was not found after it was made");
	if (err != LL_OK) {
		json_decref(x.out);
		return err;
	}
	*ret = x.out;
	*ret_is_new = x.is_new;
	return LL_OK;
}

struct voucher_ctx {
	const char *person_id, *institution_id, *code;
	const struct audit_actor *actor;
	json_t *out;
};

enum ll_err redemption_list_mine(struct ll_store *st, const char *person_id, json_t **ret_items)
{
	return store_items(st, "redemptions mine", &REDEMPTION_MINE, SP(SV_TEXT(person_id)), redemption_json, ret_items);
}

static enum ll_err find_txn(struct ll_tx *tx, void *ctx)
{
	struct voucher_ctx *v = ctx;
	json_decref(v->out);
	v->out = NULL;
	enum ll_err err = store_exec(tx, &REDEMPTION_BY_CODE, SP(SV_TEXT(v->code), SV_TEXT(v->institution_id)),
				     redemption_row, &v->out);
	if (err == LL_OK && !v->out)
		return ll_fail(LL_NOT_FOUND, "code", "no voucher of the institution's incentives has this code");
	return err;
}

static enum ll_err voucher_done(enum ll_err err, struct voucher_ctx *v, json_t **ret)
{
	if (err != LL_OK) {
		json_decref(v->out);
		return err;
	}
	*ret = v->out;
	return LL_OK;
}

enum ll_err redemption_find(struct ll_store *st, const char *institution_id, const char *code, json_t **ret)
{
	if (!institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "vouchers are checked by the institution that accepts them");
	if (!code || !*code)
		return ll_fail(LL_BAD_QUERY, "code", "code is the voucher's code");
	struct voucher_ctx v = { .institution_id = institution_id, .code = code };
	return voucher_done(store_run(st, STORE_READ, "redemption find", find_txn, &v), &v, ret);
}

static enum ll_err use_txn(struct ll_tx *tx, void *ctx)
{
	struct voucher_ctx *v = ctx;
	enum ll_err err = find_txn(tx, v);
	if (err != LL_OK)
		return err;
	const char *status = json_string_value(json_object_get(v->out, "status"));
	if (strcmp(status, "used") == 0)
		return ll_fail(LL_VOUCHER_USED, "code", "the voucher was used already");
	if (strcmp(status, "expired") == 0)
		return ll_fail(LL_VOUCHER_EXPIRED, "code", "the voucher has expired");
	const char *id = json_string_value(json_object_get(v->out, "id"));
	err = store_exec(tx, &REDEMPTION_USE, SP(SV_TEXT(id), SV_I64(clock_now_us()), SV_TEXT(v->actor->id)), NULL, NULL);
	if (err == LL_OK && store_changes(tx) == 0)
		return ll_fail(LL_VOUCHER_USED, "code", "the voucher was used already");
	if (err == LL_OK)
		err = audit_write(tx, v->actor, "voucher.use", "redemption", id, v->code);
	return err == LL_OK ? find_txn(tx, v) : err;
}

enum ll_err redemption_use(struct ll_store *st, const char *institution_id, const char *code,
			   const struct audit_actor *actor, json_t **ret)
{
	if (!institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "vouchers are checked by the institution that accepts them");
	struct voucher_ctx v = { .institution_id = institution_id, .code = code, .actor = actor };
	return voucher_done(store_run(st, STORE_WRITE, "redemption use", use_txn, &v), &v, ret);
}
