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

enum ll_err fed_peer_stats(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			   const char *own_id, const struct fetch_policy *policy, const json_t *peer, json_t **ret_stats,
			   const char **ret_state)
{
	const struct fed_call c = { .st = st, .keys = keys, .iss = iss, .own_id = own_id, .policy = policy, .peer = peer };
	return fed_call(&c, "GET", STATS_PATH, NULL, ret_stats, ret_state);
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
