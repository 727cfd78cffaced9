/*
 * HTTP of the federation: this node's identity and keys (public: what a peer's admin pins), and
 * the registry of peers (city admin; auditors read it).
 */
#include <string.h>

#include "../base/arena.h"
#include "../base/clock.h"
#include "../base/crypto.h"

#include "../audit/audit.h"
#include "../credentials/credentials.h"
#include "../http/auth_http.h"
#include "../http/http.h"
#include "../transfer/transfer.h"
#include "federation.h"

const struct json_field fed_peer_update_spec[] = {
	JSON_STR("name", struct fed_peer_in, name, .min_len = 1, .max_len = 100, .doc = "the peer credit bank's name"),
	JSON_STR("base_url", struct fed_peer_in, base_url, .min_len = 8, .max_len = 200,
		 .doc = "where the peer answers: https://host[:port]"),
	JSON_STRS("keys", struct fed_peer_in, keys, .max_len = FED_KEYS_MAX,
		  .doc = "the peer's public keys: the x (base64url) of each Ed25519 JWK"),
	JSON_ENUM("status", struct fed_peer_in, status, fed_status_names, .is_optional = true,
		  .doc = "active or suspended (unchanged when not given): a suspended peer is neither asked nor answered"),
	JSON_END
};

enum ll_err fed_http_node(struct http_req *req)
{
	const struct cred_issuer *iss = req->app->issuer;
	json_t *keys = NULL;
	enum ll_err err = cred_keys_jwks(req->app->st, iss, &keys);
	if (err != LL_OK)
		return err;
	const char *id = req->app->node_id;
	const char *zh = fed_node_name(id, false), *en = fed_node_name(id, true);
	json_t *node = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "node_id", id, "name", zh ? zh : iss->name, "name_en",
				 en ? en : iss->name_en, "issuer", iss->did, "base_url", iss->url, "keys", keys);
	if (!node)
		return LL_NOMEM;
	http_reply(req, 200, node);
	http_add_header(req, "Cache-Control", "public, max-age=60");
	return LL_OK;
}

enum ll_err fed_http_peer_list(struct http_req *req)
{
	json_t *page = NULL;
	enum ll_err err = fed_peer_list(req->app->st, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err fed_http_peer_get(struct http_req *req)
{
	json_t *peer = NULL;
	enum ll_err err = fed_peer_get(req->app->st, http_param(req, "node_id"), &peer);
	if (err == LL_OK)
		http_reply(req, 200, peer);
	return err;
}

/* The body as a peer, checked: in and its keys as stored. */
static enum ll_err peer_body(struct http_req *req, const char *node_id, struct fed_peer_in *in, json_t **ret_root,
			     json_t **ret_keys)
{
	memset(in, 0, sizeof(*in));
	/* A new peer is active unless told; a change leaves the status as it was unless told. */
	in->status = node_id ? FED_STATUS_KEEP : FED_ACTIVE;
	enum ll_err err = http_body(req, in, ret_root);
	if (err == LL_OK && node_id)
		in->node_id = node_id;
	if (err == LL_OK)
		err = fed_peer_check(in, req->app->node_id, req->app->fetch, ret_keys);
	size_t len = err == LL_OK ? strlen(in->base_url) : 0;
	if (len && in->base_url[len - 1] == '/') {
		in->base_url = arena_printf(&req->arena, "%.*s", (int)len - 1, in->base_url);
		if (!in->base_url)
			err = ll_fail(LL_ARENA_FULL, NULL, NULL);
	}
	return err;
}

enum ll_err fed_http_peer_create(struct http_req *req)
{
	struct fed_peer_in in;
	json_t *root = NULL, *keys = NULL, *peer = NULL;
	enum ll_err err = peer_body(req, NULL, &in, &root, &keys);
	struct audit_actor actor;
	http_actor(req, &actor);
	if (err == LL_OK)
		err = fed_peer_create(req->app->st, &in, keys, &actor, &peer);
	json_decref(keys);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 201, peer);
	return err;
}

enum ll_err fed_http_peer_update(struct http_req *req)
{
	struct fed_peer_in in;
	json_t *root = NULL, *keys = NULL, *peer = NULL;
	const char *node_id = http_param(req, "node_id");
	enum ll_err err = peer_body(req, node_id, &in, &root, &keys);
	/* A node id that is not one can name no registered peer. */
	if (err == LL_INVALID_VALUE && strcmp(ll_error_get(err)->field, "node_id") == 0)
		err = ll_fail(LL_NOT_FOUND, NULL, "no peer has node id %s", node_id);
	struct audit_actor actor;
	http_actor(req, &actor);
	if (err == LL_OK)
		err = fed_peer_update(req->app->st, node_id, &in, keys, &actor, &peer);
	json_decref(keys);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 200, peer);
	return err;
}

enum ll_err fed_http_region(struct http_req *req)
{
	json_t *region = NULL;
	enum ll_err err = fed_region(req->app->st, req->app->keys, req->app->issuer, req->app->node_id, req->app->fetch,
				     &region);
	if (err == LL_OK)
		http_reply(req, 200, region);
	return err;
}

/* ---- A person's records held by peers ---- */

/* The active peers, as a person chooses among them: {"node_id", "name"}. */
static enum ll_err active_peers(struct ll_store *st, json_t **ret_peers)
{
	json_t *page = NULL;
	enum ll_err err = fed_peer_list(st, &page);
	json_t *peers = err == LL_OK ? json_array() : NULL;
	size_t i;
	const json_t *p;
	json_array_foreach (json_object_get(page, "items"), i, p)
		if (peers && strcmp(json_string_value(json_object_get(p, "status")), "active") == 0)
			json_array_append_new(peers, json_pack("{s:O, s:O}", "node_id", json_object_get(p, "node_id"), "name",
							       json_object_get(p, "name")));
	json_decref(page);
	if (err == LL_OK && !peers)
		err = LL_NOMEM;
	if (err == LL_OK)
		*ret_peers = peers;
	return err;
}

enum ll_err fed_http_fetch_list(struct http_req *req)
{
	const char *pid = NULL;
	json_t *page = NULL, *peers = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = fed_fetch_list(req->app->st, pid, &page);
	if (err == LL_OK)
		err = active_peers(req->app->st, &peers);
	if (err == LL_OK) {
		json_object_set_new(page, "peers", peers);
		json_object_set_new(page, "node_id", json_string(req->app->node_id));
		json_object_set_new(page, "can_exchange", json_boolean(req->app->keys->has_region));
		http_reply(req, 200, page);
	} else {
		json_decref(page);
	}
	return err;
}

enum ll_err fed_http_fetch_create(struct http_req *req)
{
	const char *pid = NULL;
	struct fed_fetch_in in = { 0 };
	json_t *root = NULL, *fetch = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = http_body(req, &in, &root);
	if (err == LL_OK && !req->app->keys->has_region)
		err = ll_fail(LL_NO_REGION_KEY, NULL, NULL);
	if (err == LL_OK)
		err = fed_fetch_create(req->app->st, pid, &in, clock_now_us(), &fetch);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 201, fetch);
	return err;
}

enum ll_err fed_http_fetch_get(struct http_req *req)
{
	const char *pid = NULL;
	json_t *fetch = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = fed_fetch_get(req->app->st, pid, http_param(req, "id"), &fetch);
	if (err == LL_OK)
		http_reply(req, 200, fetch);
	return err;
}

enum ll_err fed_http_fetch_retry(struct http_req *req)
{
	const char *pid = NULL;
	json_t *fetch = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = fed_fetch_retry(req->app->st, pid, http_param(req, "id"), clock_now_us(), &fetch);
	if (err == LL_OK)
		http_reply(req, 200, fetch);
	return err;
}

enum ll_err fed_http_fetch_withdraw(struct http_req *req)
{
	const char *pid = NULL;
	json_t *fetch = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = fed_fetch_withdraw(req->app->st, pid, http_param(req, "id"), clock_now_us(), &fetch);
	if (err == LL_OK)
		http_reply(req, 200, fetch);
	return err;
}

enum ll_err fed_http_external_list(struct http_req *req)
{
	const char *pid = NULL;
	json_t *page = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = fed_external_list(req->app->st, pid, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err fed_http_external_get(struct http_req *req)
{
	const char *pid = NULL;
	json_t *outcome = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = fed_external_get(req->app->st, pid, http_param(req, "id"), &outcome);
	if (err == LL_OK)
		http_reply(req, 200, outcome);
	return err;
}

enum ll_err fed_http_access_list(struct http_req *req)
{
	const char *pid = NULL;
	json_t *page = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = fed_access_list(req->app->st, pid, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

/* ---- Mutual recognition, published ---- */

enum ll_err fed_http_recognition(struct http_req *req)
{
	json_t *rules = NULL, *peers = NULL;
	enum ll_err err = transfer_rules_published(req->app->st, &rules);
	if (err == LL_OK)
		err = fed_peer_list(req->app->st, &peers);
	if (err != LL_OK) {
		json_decref(rules);
		return err;
	}
	/* An agreement a peer: the rules here that recognise its outcomes. */
	json_t *agreements = json_array();
	size_t i, k, m;
	const json_t *peer, *rule, *n;
	json_array_foreach (json_object_get(peers, "items"), i, peer) {
		const char *id = json_string_value(json_object_get(peer, "node_id"));
		json_t *ids = json_array();
		json_array_foreach (rules, k, rule)
			json_array_foreach (json_object_get(rule, "recognises"), m, n)
				if (strcmp(json_string_value(n), id) == 0)
					json_array_append(ids, json_object_get(rule, "id"));
		json_array_append_new(agreements, json_pack("{s:s, s:O, s:O, s:o}", "node_id", id, "name",
							     json_object_get(peer, "name"), "status",
							     json_object_get(peer, "status"), "rule_ids", ids));
	}
	json_decref(peers);
	const char *zh = fed_node_name(req->app->node_id, false);
	json_t *o = json_pack("{s:s, s:s, s:o, s:o}", "node_id", req->app->node_id, "name",
			      zh ? zh : req->app->issuer->name, "agreements", agreements, "rules", rules);
	if (!o)
		return LL_NOMEM;
	json_set_time(o, "as_of", clock_now_us());
	http_reply(req, 200, o);
	http_add_header(req, "Cache-Control", "public, max-age=60");
	return LL_OK;
}
