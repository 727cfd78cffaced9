/*
 * The registry of peers: created and changed by a city admin, each change in the audit log; the
 * keys stored as the JWKs fed_peer_check made of them.
 */
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../base/json.h"
#include "../store/store.h"
#include "federation.h"

#define PEER_COLUMNS "node_id, name, base_url, keys, status, created_at, updated_at"

static const struct store_stmt INSERT = {
	"peer insert", "INSERT INTO federation_peers (node_id, name, base_url, keys, status, created_at, created_by, "
		       "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $6) ON CONFLICT (node_id) DO NOTHING"
};
static const struct store_stmt UPDATE = {
	"peer update",
	"UPDATE federation_peers SET name = $2, base_url = $3, keys = $4, status = COALESCE($5, status), updated_at = $6 "
	"WHERE node_id = $1"
};
static const struct store_stmt LIST = { "peer list",
					"SELECT " PEER_COLUMNS " FROM federation_peers ORDER BY node_id" };
static const struct store_stmt GET = { "peer get", "SELECT " PEER_COLUMNS " FROM federation_peers WHERE node_id = $1" };

const struct json_field fed_peer_spec[] = {
	JSON_STR("node_id", struct fed_peer_in, node_id, .min_len = 2, .max_len = 8,
		 .doc = "the peer's node id: 2 to 8 capital letters (JS, ZJ, AH)"),
	JSON_STR("name", struct fed_peer_in, name, .min_len = 1, .max_len = 100, .doc = "the peer credit bank's name"),
	JSON_STR("base_url", struct fed_peer_in, base_url, .min_len = 8, .max_len = 200,
		 .doc = "where the peer answers: https://host[:port]"),
	JSON_STRS("keys", struct fed_peer_in, keys, .max_len = FED_KEYS_MAX,
		  .doc = "the peer's public keys: the x (base64url) of each Ed25519 JWK its /api/v1/federation/node lists"),
	JSON_ENUM("status", struct fed_peer_in, status, fed_status_names, .is_optional = true,
		  .doc = "active (the default) or suspended"),
	JSON_END
};

static json_t *peer_of(const struct store_row *row)
{
	json_t *keys = json_loads(store_row_text(row, 3), 0, NULL);
	json_t *p = json_pack("{s:s, s:s, s:s, s:o, s:s}", "node_id", store_row_text(row, 0), "name", store_row_text(row, 1),
			      "base_url", store_row_text(row, 2), "keys", keys ? keys : json_array(), "status",
			      store_row_text(row, 4));
	if (p) {
		json_set_time(p, "created_at", store_row_i64(row, 5));
		json_set_time(p, "updated_at", store_row_i64(row, 6));
	}
	return p;
}

static enum ll_err peer_row(const struct store_row *row, void *ctx)
{
	json_t **ret = ctx;
	json_decref(*ret);
	*ret = peer_of(row);
	return *ret ? LL_OK : LL_NOMEM;
}

struct write_ctx {
	const struct fed_peer_in *in;
	const char *node_id;
	const char *keys;
	const struct audit_actor *actor;
	bool is_create;
	json_t *peer;
};

static enum ll_err write_txn(struct ll_tx *tx, void *ctx)
{
	struct write_ctx *w = ctx;
	json_decref(w->peer);
	w->peer = NULL;
	int64_t now = clock_now_us();
	/* A new peer is active unless told; a change keeps the status unless told. */
	const char *status = w->in->status != FED_STATUS_KEEP ? fed_status_names[w->in->status]
			     : w->is_create				 ? fed_status_names[FED_ACTIVE]
								 : NULL;
	enum ll_err err = w->is_create
				  ? store_exec(tx, &INSERT,
					       SP(SV_TEXT(w->node_id), SV_TEXT(w->in->name), SV_TEXT(w->in->base_url),
						  SV_TEXT(w->keys), SV_TEXT(status), SV_I64(now), SV_TEXT(w->actor->id)),
					       NULL, NULL)
				  : store_exec(tx, &UPDATE,
					       SP(SV_TEXT(w->node_id), SV_TEXT(w->in->name), SV_TEXT(w->in->base_url),
						  SV_TEXT(w->keys), SV_TEXT(status), SV_I64(now)),
					       NULL, NULL);
	if (err == LL_OK && store_changes(tx) == 0)
		err = w->is_create ? ll_fail(LL_CONFLICT, "node_id", "%s is registered already", w->node_id)
				   : ll_fail(LL_NOT_FOUND, NULL, "no peer has node id %s", w->node_id);
	if (err == LL_OK)
		err = audit_write(tx, w->actor, w->is_create ? "federation_peer.create" : "federation_peer.update",
				  "federation_peer", w->node_id, status ? status : "status unchanged");
	if (err == LL_OK)
		err = store_exec(tx, &GET, SP(SV_TEXT(w->node_id)), peer_row, &w->peer);
	return err;
}

static enum ll_err write_peer(struct ll_store *st, const char *node_id, const struct fed_peer_in *in, const json_t *keys,
			      const struct audit_actor *actor, bool is_create, json_t **ret_peer)
{
	char *text = json_dumps(keys, JSON_COMPACT);
	if (!text)
		return LL_NOMEM;
	struct write_ctx w = { in, node_id, text, actor, is_create, NULL };
	enum ll_err err = store_run(st, STORE_WRITE, is_create ? "peer create" : "peer update", write_txn, &w);
	free(text);
	if (err == LL_OK && !w.peer)
		err = ll_fail(LL_INTERNAL, NULL, "the peer written is not there");
	if (err != LL_OK) {
		json_decref(w.peer);
		return err;
	}
	*ret_peer = w.peer;
	return LL_OK;
}

enum ll_err fed_peer_create(struct ll_store *st, const struct fed_peer_in *in, const json_t *keys,
			    const struct audit_actor *actor, json_t **ret_peer)
{
	return write_peer(st, in->node_id, in, keys, actor, true, ret_peer);
}

enum ll_err fed_peer_update(struct ll_store *st, const char *node_id, const struct fed_peer_in *in, const json_t *keys,
			    const struct audit_actor *actor, json_t **ret_peer)
{
	return write_peer(st, node_id, in, keys, actor, false, ret_peer);
}

static enum ll_err list_row(const struct store_row *row, void *ctx)
{
	json_t *p = peer_of(row);
	return p && json_array_append_new(ctx, p) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err list_txn(struct ll_tx *tx, void *ctx)
{
	json_array_clear(ctx);
	return store_exec(tx, &LIST, SP_NONE, list_row, ctx);
}

enum ll_err fed_peer_list(struct ll_store *st, json_t **ret_page)
{
	json_t *items = json_array();
	enum ll_err err = items ? store_run(st, STORE_READ, "peer list", list_txn, items) : LL_NOMEM;
	if (err == LL_OK && !(*ret_page = json_pack("{s:o}", "items", items)))
		return LL_NOMEM;
	if (err != LL_OK)
		json_decref(items);
	return err;
}

struct get_ctx {
	const char *node_id;
	json_t *peer;
};

static enum ll_err get_txn(struct ll_tx *tx, void *ctx)
{
	struct get_ctx *g = ctx;
	return store_exec(tx, &GET, SP(SV_TEXT(g->node_id)), peer_row, &g->peer);
}

enum ll_err fed_peer_get(struct ll_store *st, const char *node_id, json_t **ret_peer)
{
	struct get_ctx g = { node_id, NULL };
	enum ll_err err = store_run(st, STORE_READ, "peer get", get_txn, &g);
	if (err == LL_OK && !g.peer)
		err = ll_fail(LL_NOT_FOUND, NULL, "no peer has node id %s", node_id ? node_id : "");
	if (err != LL_OK) {
		json_decref(g.peer);
		return err;
	}
	*ret_peer = g.peer;
	return LL_OK;
}
