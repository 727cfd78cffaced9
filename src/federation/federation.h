/*
 * The Yangtze River Delta federation (长三角学分银行互认): each province's credit bank runs its own
 * node and keeps its own data; nodes exchange signed records only with the person's consent.
 * This node has a node id and signs with the credit bank's issuer keys; a city admin registers the
 * peers it trusts, with their addresses and pinned public keys, and may suspend one.
 *
 * Files: httpsig.c (HTTP Message Signatures; no I/O), node.c (this node and peers' rules; no
 * I/O), peers_db.c (the registry), federation_http.c (handlers), exchange_http.c (what peers ask,
 * signed both ways), call.c (asking a peer, signed both ways), region.c (the regional
 * statistics), subjects_db.c (finding a person by the regional hash of their ID number),
 * fetch_db.c (a person's fetches of their records from peers, and the outcomes imported),
 * fetcher.c (running the fetches that are due, with retries).
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

/* ---- Persons by the regional hash of their ID number (subjects_db.c) ---- */

struct ll_tx;
/* Fills in the regional hash of every person without one (all of them anew when the regional key
 * changed); *ret_n: how many. Nothing when the key file holds no regional key. */
enum ll_err fed_subjects_catch_up(struct ll_store *st, const struct ll_keys *keys, int64_t *ret_n);
/* The person whose ID number has the regional hash hash, filling in hashes first when none has. */
enum ll_err fed_subject_find(struct ll_store *st, const struct ll_keys *keys, const unsigned char hash[32],
			     char ret_person_id[64], bool *ret_is_found);
/* The regional hash of person_id's ID number; LL_NO_REGION_KEY without a regional key. */
enum ll_err fed_subject_hash(struct ll_store *st, const struct ll_keys *keys, const char *person_id,
			     unsigned char ret_hash[32]);

/* ---- Cross-node access to a person's records, logged on both nodes (the list is the caller's) ---- */

struct fed_access {
	const char *node_id;            /* the other node */
	const char *fetch_id;           /* the home node's fetch */
	const char *direction;          /* "out": this node asked; "in": a peer asked this node */
	const char *person_id;
	const char *purpose;
	int64_t consent_until;
	int64_t records;                /* records that crossed in this request */
	int64_t at;
};
/* Counts one request of a fetch in its row of the access log (made by the first). */
enum ll_err fed_access_log(struct ll_tx *tx, const struct fed_access *a);
/* The person's access log, newest first: {"items": [{"node_id", "name", "direction", "purpose",
 * "consent_until", "requests", "records", "first_at", "last_at"}]}. */
enum ll_err fed_access_list(struct ll_store *st, const char *person_id, json_t **ret_page);

/* ---- Fetches of a person's records from peers (fetch_db.c, fetcher.c) ----
 * Every JSON result below is the caller's (json_decref). */

struct fed_records_in {
	const char *subject, *purpose, *fetch_id;
	int64_t consent_until, after, limit;
};
extern const struct json_field fed_records_spec[];

/* What a person asks: fetch their records held by the peer node_id, consenting for a purpose
 * until a time. */
struct fed_fetch_in {
	const char *node_id;
	const char *purpose;            /* 1 to 200 characters */
	int64_t consent_until;          /* ahead of now, at most 365 days */
};
extern const struct json_field fed_fetch_spec[];
/* A fetch's states: queued (to be tried), running, retrying (it failed; tried again at next_at),
 * done, failed (given up after FED_FETCH_ATTEMPTS tries, or the peer is gone or suspended),
 * withdrawn (the person withdrew consent), expired (consent ended before it was done). */
#define FED_FETCH_ATTEMPTS 8
#define FED_FETCH_RECORDS_MAX 100000      /* records one fetch may bring */
/* Records the person's fetch, queued to run now. The peer must be registered and active, and no
 * other fetch of theirs from it under way. Nothing is stored when anything is refused. */
enum ll_err fed_fetch_create(struct ll_store *st, const char *person_id, const struct fed_fetch_in *in, int64_t now_us,
			     json_t **ret_fetch);
/* The person's fetches, newest first: {"items": [{"id", "node_id", "name", "purpose",
 * "consent_until", "state", "received", "imported", "attempts", "next_at", "last_error",
 * "created_at", "updated_at", "finished_at"}]}. */
enum ll_err fed_fetch_list(struct ll_store *st, const char *person_id, json_t **ret_page);
/* One of the person's fetches; LL_NOT_FOUND when it is not theirs. */
enum ll_err fed_fetch_get(struct ll_store *st, const char *person_id, const char *id, json_t **ret_fetch);
/* Tries a fetch that is retrying or failed again now (consent permitting). */
enum ll_err fed_fetch_retry(struct ll_store *st, const char *person_id, const char *id, int64_t now_us,
			    json_t **ret_fetch);
/* The person withdraws consent: a fetch not done stops (withdrawn); what it imported stays. */
enum ll_err fed_fetch_withdraw(struct ll_store *st, const char *person_id, const char *id, int64_t now_us,
			       json_t **ret_fetch);
/* Outcomes imported for the person from peers, newest award first, at most 2000, without their
 * credentials' text: {"total", "items": [{"id", "node_id", "node_name", "outcome_id", "entry_id",
 * "credential_id", "kid", "kind", "title", "code", "institution", "level", "credits", "hours",
 * "result", "awarded_on", "imported_at", "fetch_id"}]}. Caller owns. */
enum ll_err fed_external_list(struct ll_store *st, const char *person_id, json_t **ret_page);
/* One of them with "jws", its credential as the peer signed it; LL_NOT_FOUND when not theirs. */
enum ll_err fed_external_get(struct ll_store *st, const char *person_id, const char *id, json_t **ret_outcome);

/* Who runs fetches: this node and how it reaches peers. */
struct fed_fetcher {
	struct ll_store *st;
	const struct ll_keys *keys;
	const struct cred_issuer *iss;
	const char *own_id;
	const struct fetch_policy *policy;
	int page;                       /* records asked for per request (1 to 100) */
	const volatile int *stop;       /* set when the server stops: a fetch stops after its page */
};
/* Runs the fetch that is due soonest, if one is, page after page until it is done or fails;
 * *ret_ran says whether one ran. Fetches left running by a server that stopped are due again. */
enum ll_err fed_fetch_run_due(const struct fed_fetcher *f, int64_t now_us, bool *ret_ran);

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
enum ll_err fed_http_records(struct http_req *req);
/* This node's conversion rules in force and, peer by peer, the rules that recognise its outcomes
 * (public). */
enum ll_err fed_http_recognition(struct http_req *req);
/* A person's own fetches, imported outcomes and access log. */
enum ll_err fed_http_fetch_list(struct http_req *req);
enum ll_err fed_http_fetch_create(struct http_req *req);
enum ll_err fed_http_fetch_get(struct http_req *req);
enum ll_err fed_http_fetch_retry(struct http_req *req);
enum ll_err fed_http_fetch_withdraw(struct http_req *req);
enum ll_err fed_http_external_list(struct http_req *req);
enum ll_err fed_http_external_get(struct http_req *req);
enum ll_err fed_http_access_list(struct http_req *req);

#endif
