/*
 * The regional picture: this node's aggregate statistics beside each peer's, asked of the peer
 * with a signed request and believed only when its answer is signed by one of the keys pinned for
 * it, for that request (its nonce), with a Content-Digest that matches the body. A peer that is
 * suspended is not asked; one that does not answer, refuses, or answers with a bad signature is
 * listed as such, and counts toward no total.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../http/fetch.h"
#include "federation.h"
#include "federation_int.h"
#include "httpsig.h"

#define STATS_PATH "/api/v1/federation/stats"

/* The pinned key of peer whose kid the answer's keyid names. */
struct pinned {
	const json_t *peer;
};

static bool pinned_key(void *ctx, const char *keyid, unsigned char pk[32])
{
	const struct pinned *p = ctx;
	const char *id = json_string_value(json_object_get(p->peer, "node_id"));
	size_t il = strlen(id);
	if (strncmp(keyid, id, il) != 0 || keyid[il] != '#')
		return false;
	size_t i;
	const json_t *jwk;
	json_array_foreach (json_object_get(p->peer, "keys"), i, jwk) {
		const char *kid = json_string_value(json_object_get(jwk, "kid"));
		if (kid && strcmp(kid, keyid + il + 1) == 0 && jose_jwk_ed25519_parse(jwk, "keys", pk) == LL_OK)
			return true;
		ll_error_clear();
	}
	return false;
}

static const char *answer_header(void *ctx, const char *name)
{
	return fetched_header(ctx, name);
}

/* How a peer's answer failed: the state the region lists it in. */
static enum ll_err failed(const char **ret_state, const char *state, enum ll_err err)
{
	*ret_state = state;
	return err;
}

enum ll_err fed_peer_stats(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			   const char *own_id, const struct fetch_policy *policy, const json_t *peer, json_t **ret_stats,
			   const char **ret_state)
{
	*ret_stats = NULL;
	*ret_state = "ok";
	const char *base_url = json_string_value(json_object_get(peer, "base_url"));
	const char *peer_id = json_string_value(json_object_get(peer, "node_id"));
	char url[512], authority[256];
	snprintf(url, sizeof(url), "%s" STATS_PATH, base_url);
	const char *host = strstr(base_url, "//");
	snprintf(authority, sizeof(authority), "%s", host ? host + 2 : base_url);

	/* The request: signed over its method, authority and path, with a nonce of its own. */
	unsigned char raw[18];
	randombytes_buf(raw, sizeof(raw));
	char *nonce = jose_b64url_encode(raw, sizeof(raw));
	struct fed_signer signer;
	enum ll_err err = nonce ? fed_signer_init(&signer, st, keys, iss, own_id) : LL_NOMEM;
	const struct httpsig_message msg = { .method = "GET", .authority = authority, .path = STATS_PATH };
	char tag[64];
	snprintf(tag, sizeof(tag), FED_TAG "/%s", peer_id);
	const struct httpsig_params p = { .components = { "@method", "@authority", "@path" }, .n_components = 3,
					  .created = clock_now_us() / 1000000, .nonce = nonce, .keyid = signer.keyid,
					  .tag = tag };
	char *input = NULL, *signature = NULL;
	if (err == LL_OK)
		err = httpsig_sign_by(&msg, &p, "sig1", fed_signer_sign, &signer, &input, &signature);
	char input_line[1024], signature_line[256];
	if (err == LL_OK) {
		snprintf(input_line, sizeof(input_line), "Signature-Input: %s", input);
		snprintf(signature_line, sizeof(signature_line), "Signature: %s", signature);
	}
	free(input);
	free(signature);
	if (err != LL_OK) {
		free(nonce);
		return err;
	}
	const char *const headers[] = { "Accept: application/json", input_line, signature_line };
	const struct fetch_in in = { .url = url, .headers = headers, .n_headers = 3 };
	struct fetched f;
	err = fetch_request(policy, &in, &f);
	if (err != LL_OK) {
		free(nonce);
		return failed(ret_state, "unreachable", err);
	}
	if (f.status != 200) {
		err = ll_fail(LL_UNAUTHENTICATED, NULL, "%s answered %ld", peer_id, f.status);
		fetch_release(&f);
		free(nonce);
		return failed(ret_state, "refused", err);
	}

	/* The answer: signed by a pinned key for this request, over its status, type and digest. */
	static const char *const REQUIRED[] = { "@status", "content-type", "content-digest" };
	const struct httpsig_message answer = { .status = 200, .header = answer_header, .ctx = &f };
	struct pinned pin = { peer };
	struct httpsig_verified v;
	int64_t now_s = clock_now_us() / 1000000;
	err = httpsig_verify(&answer, "sig1", REQUIRED, 3, now_s, FED_WINDOW_S, FED_SKEW_S, pinned_key, &pin, &v);
	char digest[HTTPSIG_DIGEST_MAX];
	httpsig_content_digest(f.body, f.len, digest);
	const char *sent_digest = fetched_header(&f, "content-digest");
	if (err == LL_OK && strcmp(v.nonce, nonce) != 0)
		err = ll_fail(LL_UNAUTHENTICATED, "nonce", "%s's answer was made for another request", peer_id);
	if (err == LL_OK && (!sent_digest || strcmp(sent_digest, digest) != 0))
		err = ll_fail(LL_UNAUTHENTICATED, "content-digest", "%s's answer is not the body its signature covers", peer_id);
	json_t *stats = err == LL_OK ? json_loadb(f.body, f.len, 0, NULL) : NULL;
	if (err == LL_OK && (!json_is_object(stats) || !json_is_string(json_object_get(stats, "node_id")) ||
			     strcmp(json_string_value(json_object_get(stats, "node_id")), peer_id) != 0))
		err = ll_fail(LL_UNAUTHENTICATED, "node_id", "%s answered for another node", peer_id);
	fetch_release(&f);
	free(nonce);
	if (err != LL_OK) {
		json_decref(stats);
		return failed(ret_state, "bad_signature", err);
	}
	*ret_stats = stats;
	return LL_OK;
}

/* Adds stats' figures to totals. */
static void add_up(json_t *totals, const json_t *stats)
{
	json_t *accounts = json_object_get(totals, "accounts");
	const json_t *a = json_object_get(stats, "accounts");
	const char *const fields[] = { "total", "activated" };
	for (int i = 0; i < 2; i++)
		json_object_set_new(accounts, fields[i],
				    json_integer(json_integer_value(json_object_get(accounts, fields[i])) +
						 json_integer_value(json_object_get(a, fields[i]))));
	json_t *by_kind = json_object_get(totals, "outcomes_by_kind");
	size_t i;
	const json_t *o;
	json_array_foreach (json_object_get(stats, "outcomes"), i, o) {
		const char *kind = json_string_value(json_object_get(o, "kind"));
		if (kind)
			json_object_set_new(by_kind, kind,
					    json_integer(json_integer_value(json_object_get(by_kind, kind)) +
							 json_integer_value(json_object_get(o, "count"))));
	}
	json_t *t = json_object_get(totals, "transfers");
	const json_t *s = json_object_get(stats, "transfers");
	json_object_set_new(t, "approved", json_integer(json_integer_value(json_object_get(t, "approved")) +
							json_integer_value(json_object_get(s, "approved"))));
	json_object_set_new(t, "credits", json_real(json_number_value(json_object_get(t, "credits")) +
						    json_number_value(json_object_get(s, "credits"))));
}

enum ll_err fed_region(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
		       const char *own_id, const struct fetch_policy *policy, json_t **ret_region)
{
	json_t *own = NULL, *peers = NULL;
	enum ll_err err = fed_stats(st, own_id, &own);
	if (err == LL_OK)
		err = fed_peer_list(st, &peers);
	if (err != LL_OK) {
		json_decref(own);
		return err;
	}
	json_t *nodes = json_array();
	json_t *totals = json_pack("{s:{s:i, s:i}, s:{}, s:{s:i, s:f}, s:i}", "accounts", "total", 0, "activated", 0,
				   "outcomes_by_kind", "transfers", "approved", 0, "credits", 0.0, "nodes", 0);
	add_up(totals, own);
	json_array_append_new(nodes, json_pack("{s:s, s:s, s:b, s:o}", "node_id", own_id, "state", "ok", "is_self", 1,
					       "stats", own));
	int counted = 1;
	size_t i;
	const json_t *peer;
	json_array_foreach (json_object_get(peers, "items"), i, peer) {
		const char *id = json_string_value(json_object_get(peer, "node_id"));
		json_t *node = json_pack("{s:s, s:s, s:b}", "node_id", id, "name",
					 json_string_value(json_object_get(peer, "name")), "is_self", 0);
		if (strcmp(json_string_value(json_object_get(peer, "status")), "active") != 0) {
			json_object_set_new(node, "state", json_string("suspended"));
		} else {
			json_t *stats = NULL;
			const char *state = "ok";
			enum ll_err e = fed_peer_stats(st, keys, iss, own_id, policy, peer, &stats, &state);
			json_object_set_new(node, "state", json_string(state));
			if (e == LL_OK) {
				add_up(totals, stats);
				counted++;
				json_object_set_new(node, "stats", stats);
			} else {
				json_object_set_new(node, "error", json_string(ll_error_get(e)->message));
				ll_error_clear();
			}
		}
		json_array_append_new(nodes, node);
	}
	json_object_set_new(totals, "nodes", json_integer(counted));
	json_decref(peers);
	json_t *region = json_pack("{s:o, s:o}", "nodes", nodes, "totals", totals);
	if (!region)
		return LL_NOMEM;
	json_set_time(region, "as_of", clock_now_us());
	*ret_region = region;
	return LL_OK;
}
