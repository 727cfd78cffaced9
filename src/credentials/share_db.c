/*
 * Shares (求职认证): a person's chosen outcomes behind a link an employer opens without an
 * account. A share holds each outcome's badge and a transcript of them; its link carries a token
 * of 192 random bits, found by its keyed hash and kept sealed for the person to see again. Every
 * opening of a link that names a share is recorded for the person, shown or not.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/crypto.h"
#include "../base/id.h"
#include "../base/json.h"
#include "../store/store.h"
#include "credentials.h"

#define TOKEN_BYTES 24
#define TOKEN_CHARS (TOKEN_BYTES * 4 / 3)   /* base64url without padding */
#define DAY_US (24LL * 3600 * 1000000)
#define DEFAULT_DAYS 30
#define MAX_DAYS 365
#define VIEW_LOG_MAX 500

const struct json_field cred_share_spec[] = {
	JSON_STRS("outcome_ids", struct cred_share_in, outcome_ids, .min_len = 1, .max_len = CRED_CLR_MAX,
		  .doc = "the outcomes shared (current ones of the caller), in the order shown"),
	JSON_STR("purpose", struct cred_share_in, purpose, .min_len = 1, .max_len = 200,
		 .doc = "what the share is for, as the employer will read it (应聘数据分析岗)"),
	JSON_STR("recipient", struct cred_share_in, recipient, .is_optional = true, .max_len = 200,
		 .doc = "whom it is for"),
	JSON_TIME("expires_at", struct cred_share_in, expires_at, .is_optional = true,
		  .doc = "when the link stops working: at most 365 days ahead; 30 days when not given"),
	JSON_END
};

static const struct store_stmt INSERT = {
	"share insert",
	"INSERT INTO credential_shares (id, person_id, token_hash, token_sealed, purpose, recipient, clr_id, created_at, "
	"expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
};
static const struct store_stmt INSERT_ITEM = {
	"share item", "INSERT INTO credential_share_items (share_id, position, credential_id) VALUES ($1, $2, $3)"
};
#define SHARE_COLUMNS                                                                                             \
	"s.id, s.purpose, s.recipient, s.created_at, s.expires_at, s.ended_at, s.token_sealed, s.clr_id, "         \
	"(SELECT COUNT(*) FROM credential_share_views v WHERE v.share_id = s.id)"
static const struct store_stmt LIST = {
	"share list", "SELECT " SHARE_COLUMNS " FROM credential_shares s WHERE s.person_id = $1 "
		      "ORDER BY s.created_at DESC, s.id DESC LIMIT 200"
};
static const struct store_stmt GET = {
	"share get", "SELECT " SHARE_COLUMNS " FROM credential_shares s WHERE s.person_id = $1 AND s.id = $2"
};
static const struct store_stmt ITEMS = {
	"share items",
	"SELECT i.share_id, i.credential_id, c.outcome_id, c.title FROM credential_share_items i "
	"JOIN credential_shares s ON s.id = i.share_id JOIN credentials c ON c.id = i.credential_id "
	"WHERE s.person_id = $1 AND (s.id = $2 OR $2 IS NULL) ORDER BY i.share_id, i.position"
};
static const struct store_stmt VIEW_LOG = {
	"share view log", "SELECT at, address, user_agent, was_shown FROM credential_share_views WHERE share_id = $1 "
			  "ORDER BY id DESC LIMIT 500"
};
static const struct store_stmt END = {
	"share end", "UPDATE credential_shares SET ended_at = $3 WHERE id = $2 AND person_id = $1 AND ended_at IS NULL"
};
static const struct store_stmt EXISTS = { "share exists",
					  "SELECT COUNT(*) FROM credential_shares WHERE person_id = $1 AND id = $2" };
static const struct store_stmt BY_TOKEN = {
	"share by token",
	"SELECT s.id, s.purpose, s.recipient, s.created_at, s.expires_at, s.ended_at, s.clr_id, p.name "
	"FROM credential_shares s JOIN persons p ON p.id = s.person_id WHERE s.token_hash = $1"
};
static const struct store_stmt VIEW = {
	"share view", "INSERT INTO credential_share_views (share_id, at, address, user_agent, was_shown) "
		      "VALUES ($1, $2, $3, $4, $5)"
};
static const struct store_stmt SHOWN = {
	"share shown",
	"SELECT c.id, c.title, c.jws FROM credential_share_items i JOIN credentials c ON c.id = i.credential_id "
	"WHERE i.share_id = $1 ORDER BY i.position"
};
static const struct store_stmt CLR = { "share transcript", "SELECT id, title, jws FROM credentials WHERE id = $1" };

static const char *state_of(int64_t expires_at, int64_t ended_at, int64_t now_us)
{
	return ended_at ? "ended" : expires_at <= now_us ? "expired" : "active";
}

/* The link of a token: <issuer url>/s/<token>. */
static json_t *link_json(const struct cred_issuer *iss, const char *token)
{
	return json_sprintf("%s/s/%s", iss->url, token);
}

/* ---- Making a share ---- */

struct create_ctx {
	const char *id, *person_id;
	const struct cred_share_in *in;
	const unsigned char *token_hash;
	const unsigned char *sealed;
	const json_t *clr;
	int64_t now, expires_at;
};

static enum ll_err create_txn(struct ll_tx *tx, void *ctx)
{
	const struct create_ctx *c = ctx;
	enum ll_err err = store_exec(
		tx, &INSERT,
		SP(SV_TEXT(c->id), SV_TEXT(c->person_id), SV_BLOB(c->token_hash, CRYPTO_HASH_BYTES),
		   SV_BLOB(c->sealed, TOKEN_CHARS + CRYPTO_SEAL_OVERHEAD), SV_TEXT(c->in->purpose),
		   SV_TEXT(c->in->recipient && *c->in->recipient ? c->in->recipient : NULL),
		   SV_TEXT(json_string_value(json_object_get(c->clr, "id"))), SV_I64(c->now), SV_I64(c->expires_at)),
		NULL, NULL);
	size_t i;
	const json_t *item;
	json_array_foreach (json_object_get(c->clr, "items"), i, item) {
		if (err != LL_OK)
			break;
		err = store_exec(tx, &INSERT_ITEM,
				 SP(SV_TEXT(c->id), SV_I64((int64_t)i),
				    SV_TEXT(json_string_value(json_object_get(item, "credential_id")))),
				 NULL, NULL);
	}
	return err;
}

enum ll_err cred_share_create(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			      const char *person_id, const struct cred_share_in *in, int64_t now_us, json_t **ret_share)
{
	int64_t expires_at = in->expires_at ? in->expires_at : now_us + DEFAULT_DAYS * DAY_US;
	if (expires_at <= now_us)
		return ll_fail(LL_OUT_OF_RANGE, "expires_at", "a share must end in the future");
	if (expires_at > now_us + MAX_DAYS * DAY_US)
		return ll_fail(LL_OUT_OF_RANGE, "expires_at", "a share lasts at most %d days", MAX_DAYS);
	if (!in->purpose || !*in->purpose)
		return ll_fail(LL_MISSING_FIELD, "purpose", "say what the share is for");
	json_t *clr = NULL;
	enum ll_err err = cred_issue_clr(st, keys, iss, person_id, in->outcome_ids, &clr);
	if (err != LL_OK)
		return err;
	/* The token: random bits as base64url text; the text is what is hashed and sealed. It is a
	 * secret, so libsodium's constant-time encoder spells it, not jose_b64url_encode. */
	unsigned char raw[TOKEN_BYTES];
	randombytes_buf(raw, sizeof(raw));
	size_t token_cap = sodium_base64_encoded_len(sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *token = malloc(token_cap);
	if (token)
		sodium_bin2base64(token, token_cap, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	if (!token) {
		json_decref(clr);
		return LL_NOMEM;
	}
	unsigned char hash[CRYPTO_HASH_BYTES], sealed[TOKEN_CHARS + CRYPTO_SEAL_OVERHEAD];
	crypto_token_hash(keys, token, hash);
	crypto_seal(keys, token, strlen(token), sealed);
	ll_id id;
	id_new(&id);
	struct create_ctx c = { id.s, person_id, in, hash, sealed, clr, now_us, expires_at };
	err = store_run(st, STORE_WRITE, "share create", create_txn, &c);
	json_t *share = NULL;
	if (err == LL_OK) {
		json_t *items = json_array();
		size_t i;
		const json_t *item;
		json_array_foreach (json_object_get(clr, "items"), i, item)
			json_array_append_new(items, json_pack("{s:O, s:O, s:O}", "credential_id",
							       json_object_get(item, "credential_id"), "outcome_id",
							       json_object_get(item, "outcome_id"), "title",
							       json_object_get(item, "title")));
		share = json_pack("{s:s, s:s, s:s, s:s, s:o, s:i, s:O, s:o}", "id", id.s, "purpose", in->purpose, "state",
				  "active", "token", token, "url", link_json(iss, token), "views", 0, "clr_id",
				  json_object_get(clr, "id"), "items", items);
		if (share) {
			json_set_str(share, "recipient", in->recipient && *in->recipient ? in->recipient : NULL);
			json_set_time(share, "created_at", now_us);
			json_set_time(share, "expires_at", expires_at);
			json_set_time(share, "ended_at", 0);
			*ret_share = share;
		} else {
			err = LL_NOMEM;
		}
	}
	sodium_memzero(token, strlen(token));
	free(token);
	json_decref(clr);
	return err;
}

/* ---- The person's shares ---- */

struct read_ctx {
	const struct ll_keys *keys;
	const struct cred_issuer *iss;
	const char *person_id, *id;     /* id: one share, or NULL for all */
	int64_t now;
	json_t *shares;                 /* in order */
	json_t *by_id;                  /* id -> share (borrowed from shares) */
};

static enum ll_err share_row(const struct store_row *row, void *ctx)
{
	struct read_ctx *r = ctx;
	size_t sealed_len = 0;
	const unsigned char *sealed = store_row_blob(row, 6, &sealed_len);
	char token[TOKEN_CHARS + 1];
	if (sealed_len != TOKEN_CHARS + CRYPTO_SEAL_OVERHEAD || !crypto_open(r->keys, sealed, sealed_len, token))
		return ll_fail(LL_INTERNAL, NULL, "a share's token does not open with this node's key");
	token[TOKEN_CHARS] = '\0';
	int64_t expires_at = store_row_i64(row, 4);
	int64_t ended_at = store_row_is_null(row, 5) ? 0 : store_row_i64(row, 5);
	json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:s, s:[]}", "id", store_row_text(row, 0), "purpose",
			      store_row_text(row, 1), "state", state_of(expires_at, ended_at, r->now), "token", token,
			      "url", link_json(r->iss, token), "views", (json_int_t)store_row_i64(row, 8), "clr_id",
			      store_row_text(row, 7), "items");
	sodium_memzero(token, sizeof(token));
	if (!s)
		return LL_NOMEM;
	json_set_str(s, "recipient", store_row_text(row, 2));
	json_set_time(s, "created_at", store_row_i64(row, 3));
	json_set_time(s, "expires_at", expires_at);
	json_set_time(s, "ended_at", ended_at);
	if (json_array_append_new(r->shares, s) != 0 || json_object_set(r->by_id, store_row_text(row, 0), s) != 0)
		return LL_NOMEM;
	return LL_OK;
}

static enum ll_err item_row(const struct store_row *row, void *ctx)
{
	struct read_ctx *r = ctx;
	json_t *items = json_object_get(json_object_get(r->by_id, store_row_text(row, 0)), "items");
	json_t *item = json_pack("{s:s, s:s}", "credential_id", store_row_text(row, 1), "title", store_row_text(row, 3));
	if (!item)
		return LL_NOMEM;
	json_set_str(item, "outcome_id", store_row_text(row, 2));
	if (!items) {
		json_decref(item); /* a share past those listed */
		return LL_OK;
	}
	return json_array_append_new(items, item) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err view_row(const struct store_row *row, void *ctx)
{
	json_t *v = json_pack("{s:s, s:b}", "address", store_row_text(row, 1), "was_shown", store_row_i64(row, 3) != 0);
	if (!v)
		return LL_NOMEM;
	json_set_time(v, "at", store_row_i64(row, 0));
	json_set_str(v, "user_agent", store_row_text(row, 2));
	return json_array_append_new(ctx, v) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err read_txn(struct ll_tx *tx, void *ctx)
{
	struct read_ctx *r = ctx;
	json_array_clear(r->shares);
	json_object_clear(r->by_id);
	enum ll_err err = r->id ? store_exec(tx, &GET, SP(SV_TEXT(r->person_id), SV_TEXT(r->id)), share_row, r)
				: store_exec(tx, &LIST, SP(SV_TEXT(r->person_id)), share_row, r);
	if (err == LL_OK && json_array_size(r->shares))
		err = store_exec(tx, &ITEMS, SP(SV_TEXT(r->person_id), SV_TEXT(r->id)), item_row, r);
	if (err == LL_OK && r->id && json_array_size(r->shares)) {
		json_t *log = json_array();
		err = log && json_object_set_new(json_array_get(r->shares, 0), "view_log", log) == 0
			      ? store_exec(tx, &VIEW_LOG, SP(SV_TEXT(r->id)), view_row, log)
			      : LL_NOMEM;
	}
	return err;
}

static enum ll_err read_shares(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			       const char *person_id, const char *id, int64_t now_us, json_t **ret_shares)
{
	struct read_ctx r = { keys, iss, person_id, id, now_us, json_array(), json_object() };
	enum ll_err err = r.shares && r.by_id ? store_run(st, STORE_READ, "share read", read_txn, &r) : LL_NOMEM;
	json_decref(r.by_id);
	if (err != LL_OK) {
		json_decref(r.shares);
		return err;
	}
	*ret_shares = r.shares;
	return LL_OK;
}

enum ll_err cred_share_list(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			    const char *person_id, int64_t now_us, json_t **ret_page)
{
	json_t *shares = NULL;
	enum ll_err err = read_shares(st, keys, iss, person_id, NULL, now_us, &shares);
	if (err == LL_OK && !(*ret_page = json_pack("{s:o}", "items", shares)))
		err = LL_NOMEM;
	return err;
}

enum ll_err cred_share_get(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			   const char *person_id, const char *id, int64_t now_us, json_t **ret_share)
{
	json_t *shares = NULL;
	enum ll_err err = read_shares(st, keys, iss, person_id, id ? id : "", now_us, &shares);
	if (err != LL_OK)
		return err;
	json_t *share = json_array_get(shares, 0);
	if (!share) {
		json_decref(shares);
		return ll_fail(LL_NOT_FOUND, NULL, "you have no share with this id");
	}
	*ret_share = json_incref(share);
	json_decref(shares);
	return LL_OK;
}

struct end_ctx {
	const char *person_id, *id;
	int64_t now;
};

static enum ll_err count_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err end_txn(struct ll_tx *tx, void *ctx)
{
	const struct end_ctx *e = ctx;
	int64_t n = 0;
	enum ll_err err = store_exec(tx, &EXISTS, SP(SV_TEXT(e->person_id), SV_TEXT(e->id)), count_row, &n);
	if (err == LL_OK && !n)
		err = ll_fail(LL_NOT_FOUND, NULL, "you have no share with this id");
	if (err == LL_OK)
		err = store_exec(tx, &END, SP(SV_TEXT(e->person_id), SV_TEXT(e->id), SV_I64(e->now)), NULL, NULL);
	return err;
}

enum ll_err cred_share_end(struct ll_store *st, const char *person_id, const char *id, int64_t now_us)
{
	struct end_ctx e = { person_id, id ? id : "", now_us };
	return store_run(st, STORE_WRITE, "share end", end_txn, &e);
}

/* ---- Opening a link ---- */

struct open_ctx {
	const unsigned char *hash;
	const struct cred_share_visit *visit;
	struct arena *a;
	bool is_found;
	const char *id, *purpose, *recipient, *clr_id, *holder;
	int64_t created_at, expires_at, ended_at;
	json_t *items;                  /* [{"credential_id", "title", "jws"}] */
	json_t *transcript;             /* {"id", "title", "jws"} */
};

static enum ll_err token_row(const struct store_row *row, void *ctx)
{
	struct open_ctx *o = ctx;
	o->is_found = true;
	o->id = arena_strdup(o->a, store_row_text(row, 0));
	o->purpose = arena_strdup(o->a, store_row_text(row, 1));
	o->recipient = store_row_is_null(row, 2) ? NULL : arena_strdup(o->a, store_row_text(row, 2));
	o->created_at = store_row_i64(row, 3);
	o->expires_at = store_row_i64(row, 4);
	o->ended_at = store_row_is_null(row, 5) ? 0 : store_row_i64(row, 5);
	o->clr_id = arena_strdup(o->a, store_row_text(row, 6));
	o->holder = arena_strdup(o->a, store_row_text(row, 7));
	return o->id && o->purpose && o->clr_id && o->holder ? LL_OK : LL_ARENA_FULL;
}

static enum ll_err shown_row(const struct store_row *row, void *ctx)
{
	json_t *c = json_pack("{s:s, s:s, s:s}", "credential_id", store_row_text(row, 0), "title", store_row_text(row, 1),
			      "jws", store_row_text(row, 2));
	return c && json_array_append_new(ctx, c) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err transcript_row(const struct store_row *row, void *ctx)
{
	struct open_ctx *o = ctx;
	json_decref(o->transcript);
	o->transcript = json_pack("{s:s, s:s, s:s}", "id", store_row_text(row, 0), "title", store_row_text(row, 1), "jws",
				  store_row_text(row, 2));
	return o->transcript ? LL_OK : LL_NOMEM;
}

static enum ll_err open_txn(struct ll_tx *tx, void *ctx)
{
	struct open_ctx *o = ctx;
	o->is_found = false;
	json_array_clear(o->items);
	enum ll_err err = store_exec(tx, &BY_TOKEN, SP(SV_BLOB(o->hash, CRYPTO_HASH_BYTES)), token_row, o);
	if (err != LL_OK || !o->is_found)
		return err;
	bool is_shown = !o->ended_at && o->expires_at > o->visit->now_us;
	err = store_exec(tx, &VIEW,
			 SP(SV_TEXT(o->id), SV_I64(o->visit->now_us), SV_TEXT(o->visit->address ? o->visit->address : ""),
			    SV_TEXT(o->visit->user_agent), SV_BOOL(is_shown)),
			 NULL, NULL);
	if (err == LL_OK && is_shown)
		err = store_exec(tx, &SHOWN, SP(SV_TEXT(o->id)), shown_row, o->items);
	if (err == LL_OK && is_shown)
		err = store_exec(tx, &CLR, SP(SV_TEXT(o->clr_id)), transcript_row, o);
	return err;
}

/* Adds to c (with a "jws") the report of verifying it now; false when out of memory. */
static enum ll_err add_report(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss, json_t *c,
			      int64_t now_us, bool *is_all_valid)
{
	json_t *report = NULL;
	enum ll_err err = cred_verify_local(st, keys, iss, json_string_value(json_object_get(c, "jws")), now_us, &report);
	if (err != LL_OK)
		return err;
	*is_all_valid = *is_all_valid && json_is_true(json_object_get(report, "is_valid"));
	return json_object_set_new(c, "report", report) == 0 ? LL_OK : LL_NOMEM;
}

enum ll_err cred_share_open(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			    const char *token, const struct cred_share_visit *visit, json_t **ret_shared)
{
	static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	if (!token || strlen(token) != TOKEN_CHARS || strspn(token, B64URL) != TOKEN_CHARS)
		return ll_fail(LL_NOT_FOUND, NULL, "no share has this link");
	unsigned char hash[CRYPTO_HASH_BYTES];
	crypto_token_hash(keys, token, hash);
	struct arena a;
	arena_init(&a, 64 * 1024);
	struct open_ctx o = { .hash = hash, .visit = visit, .a = &a, .items = json_array() };
	enum ll_err err = o.items ? store_run(st, STORE_WRITE, "share open", open_txn, &o) : LL_NOMEM;
	if (err == LL_OK && !o.is_found)
		err = ll_fail(LL_NOT_FOUND, NULL, "no share has this link");
	else if (err == LL_OK && o.ended_at)
		err = ll_fail(LL_SHARE_ENDED, NULL, "the person ended this share");
	else if (err == LL_OK && o.expires_at <= visit->now_us)
		err = ll_fail(LL_SHARE_EXPIRED, NULL, "this share expired");
	else if (err == LL_OK && !o.transcript)
		err = ll_fail(LL_INTERNAL, NULL, "a share's transcript is missing");
	bool is_valid = true;
	size_t i;
	json_t *item;
	json_array_foreach (o.items, i, item) {
		if (err == LL_OK)
			err = add_report(st, keys, iss, item, visit->now_us, &is_valid);
	}
	if (err == LL_OK)
		err = add_report(st, keys, iss, o.transcript, visit->now_us, &is_valid);
	json_t *shared = NULL;
	if (err == LL_OK) {
		shared = json_pack("{s:s, s:{s:s}, s:{s:s, s:s, s:s, s:s}, s:b, s:O, s:O}", "purpose", o.purpose, "holder",
				   "name", o.holder, "issuer", "name", iss->name, "name_en", iss->name_en, "url", iss->url,
				   "did", iss->did, "is_valid", is_valid, "transcript", o.transcript, "items", o.items);
		if (shared) {
			json_set_str(shared, "recipient", o.recipient);
			json_set_time(shared, "created_at", o.created_at);
			json_set_time(shared, "expires_at", o.expires_at);
			*ret_shared = shared;
		} else {
			err = LL_NOMEM;
		}
	}
	json_decref(o.items);
	json_decref(o.transcript);
	arena_release(&a);
	return err;
}

enum ll_err cred_share_link(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			    const char *person_id, const char *id, char out[CRED_URL_MAX])
{
	json_t *share = NULL;
	enum ll_err err = cred_share_get(st, keys, iss, person_id, id, 0, &share);
	if (err == LL_OK)
		snprintf(out, CRED_URL_MAX, "%s", json_string_value(json_object_get(share, "url")));
	json_decref(share);
	return err;
}
