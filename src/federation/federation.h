/*
 * The Yangtze River Delta federation (长三角学分银行互认): each province's credit bank runs its own
 * node and keeps its own data; nodes exchange signed records only with the person's consent.
 * This node has a node id and signs with the credit bank's issuer keys; a city admin registers the
 * peers it trusts, with their addresses and pinned public keys, and may suspend one.
 *
 * Files: httpsig.c (HTTP Message Signatures; no I/O), node.c (this node and peers' rules; no
 * I/O), peers_db.c (the registry), federation_http.c (handlers), exchange_http.c (what peers ask,
 * signed both ways), region.c (asking peers: the regional statistics).
 */
#ifndef LL_FEDERATION_H
#define LL_FEDERATION_H

#include <jansson.h>
#include <stdbool.h>

#include "../base/json.h"
#include "../base/ll_err.h"

struct ll_store;
struct http_req;
struct audit_actor;
struct fetch_policy;
struct ll_keys;
struct cred_issuer;

#define FED_NODE_ID_MAX 9           /* 2 to 8 capital letters and a NUL */
#define FED_KEYS_MAX 8

/* A node id: 2 to 8 capital letters (SH, JS, ZJ, AH, ...). */
bool fed_node_id_is_valid(const char *id);
/* The name of a known node id in Chinese and English (上海 Shanghai, …); NULL for others. */
const char *fed_node_name(const char *id, bool is_english);

/* A peer as a city admin registers it. */
struct fed_peer_in {
	const char *node_id;
	const char *name;
	const char *base_url;           /* https://host[:port], no path */
	const json_t *keys;             /* 1 to FED_KEYS_MAX Ed25519 public keys: each a JWK's x */
	int status;                     /* FED_ACTIVE, FED_SUSPENDED; FED_STATUS_KEEP in a change: as it was */
};
enum fed_status { FED_STATUS_KEEP = -1, FED_ACTIVE, FED_SUSPENDED, FED_STATUS_COUNT };
extern const char *const fed_status_names[];   /* "active", "suspended" */
extern const struct json_field fed_peer_spec[];
extern const struct json_field fed_peer_update_spec[];

/* Checks in for a peer of the node own_id: its id (not own_id), address (http only for a host
 * policy names local) and keys. LL_INVALID_VALUE naming the field otherwise. *ret_keys: the keys as
 * this node stores them ({"kty","crv","x","kid"} with kid their RFC 7638 thumbprints), caller owns. */
enum ll_err fed_peer_check(const struct fed_peer_in *in, const char *own_id, const struct fetch_policy *policy,
			   json_t **ret_keys);

/* Registers a peer (city admin, audited): LL_CONFLICT when its node id is registered already. */
enum ll_err fed_peer_create(struct ll_store *st, const struct fed_peer_in *in, const json_t *keys,
			    const struct audit_actor *actor, json_t **ret_peer);
/* Changes a peer's name, address, keys or status (city admin, audited). */
enum ll_err fed_peer_update(struct ll_store *st, const char *node_id, const struct fed_peer_in *in, const json_t *keys,
			    const struct audit_actor *actor, json_t **ret_peer);
/* Every peer, by node id: {"items": [{"node_id", "name", "base_url", "keys", "status", "created_at",
 * "updated_at"}]}. */
enum ll_err fed_peer_list(struct ll_store *st, json_t **ret_page);
/* One peer; LL_NOT_FOUND when none has node_id. */
enum ll_err fed_peer_get(struct ll_store *st, const char *node_id, json_t **ret_peer);

/* The node's aggregate statistics for the regional public database, without personal data:
 * {"node_id", "as_of", "accounts": {"total", "activated"}, "outcomes": [{"kind", "count"}] (current
 * outcomes by kind), "transfers": {"approved", "credits"}}. */
enum ll_err fed_stats(struct ll_store *st, const char *node_id, json_t **ret_stats);

/* A peer's statistics (as fed_stats gives them), asked with a request signed as own_id and
 * believed only when the answer is signed for it by a key pinned for the peer. On failure
 * *ret_state says how: "unreachable" (LL_IO), "refused" (the peer answered another status) or
 * "bad_signature". */
enum ll_err fed_peer_stats(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			   const char *own_id, const struct fetch_policy *policy, const json_t *peer, json_t **ret_stats,
			   const char **ret_state);
/* The region: {"as_of", "nodes": [{"node_id", "name", "is_self", "state" ("ok", "suspended",
 * "unreachable", "refused", "bad_signature"), "stats" when ok, "error" when not}], "totals":
 * {"nodes" (how many counted), "accounts": {"total", "activated"}, "outcomes_by_kind": {kind:
 * count}, "transfers": {"approved", "credits"}}}: this node's statistics and each active peer's,
 * asked now. */
enum ll_err fed_region(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
		       const char *own_id, const struct fetch_policy *policy, json_t **ret_region);

/* HTTP (federation_http.c). */
enum ll_err fed_http_node(struct http_req *req);
enum ll_err fed_http_peer_list(struct http_req *req);
enum ll_err fed_http_peer_create(struct http_req *req);
enum ll_err fed_http_peer_get(struct http_req *req);
enum ll_err fed_http_peer_update(struct http_req *req);
enum ll_err fed_http_region(struct http_req *req);
/* exchange_http.c: a peer's signed requests, and the signed answers to them. */
enum ll_err fed_http_authenticate(struct http_req *req);
enum ll_err fed_http_stats(struct http_req *req);

#endif
