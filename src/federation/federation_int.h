/*
 * What the files of this module share: signing as this node (its newest issuer key, named in a
 * keyid "<node id>#<thumbprint>").
 */
#ifndef LL_FEDERATION_INT_H
#define LL_FEDERATION_INT_H

#include <stdint.h>

#include "../credentials/credentials.h"
#include "federation.h"

#define FED_TAG "lifelong-federation"   /* the tag of every signature between nodes */
#define FED_WINDOW_S 300                 /* how old a signature may be */
#define FED_SKEW_S 60                    /* the clock difference allowed */
#define FED_ANSWER_MAX (8u << 20)        /* the largest answer a peer may give */

struct fed_signer {
	struct ll_store *st;
	const struct ll_keys *keys;
	char kid[JOSE_THUMBPRINT_MAX];   /* the newest key's thumbprint */
	char keyid[FED_NODE_ID_MAX + JOSE_THUMBPRINT_MAX + 1];
};

/* Readies s to sign as node_id with the newest key. */
enum ll_err fed_signer_init(struct fed_signer *s, struct ll_store *st, const struct ll_keys *keys,
			    const struct cred_issuer *iss, const char *node_id);
/* An httpsig_sign_fn: ctx is a struct fed_signer. LL_BUSY when the newest key changed since init. */
enum ll_err fed_signer_sign(void *ctx, const void *base, size_t len, unsigned char sig[64]);

/* A call to a peer: who asks (this node, signing with its keys) and whom. */
struct fed_call {
	struct ll_store *st;
	const struct ll_keys *keys;
	const struct cred_issuer *iss;
	const char *own_id;
	const struct fetch_policy *policy;
	const json_t *peer;              /* as fed_peer_get gives it */
};
/* Sends method path (with body as JSON when not NULL) to c's peer, signed as c's node for it,
 * and believes the answer only when it is a 200 signed for this request by a key pinned for the
 * peer, over a JSON object naming the peer as node_id. *ret_answer: that object. On failure
 * *ret_state says how: "unreachable" (no answer, or a limit broken), "refused" (another status;
 * the error the peer sent is told) or "bad_signature". */
enum ll_err fed_call(const struct fed_call *c, const char *method, const char *path, const json_t *body,
		     json_t **ret_answer, const char **ret_state);

/* ---- A fetch being run (run_db.c holds its SQL; fetcher.c its talk with the peer) ---- */

#define FED_PURPOSE_MAX 801              /* 200 characters of UTF-8 */

struct fed_run {
	char id[64], person_id[64], node_id[FED_NODE_ID_MAX], purpose[FED_PURPOSE_MAX], person_name[256];
	int64_t consent_until, after, attempts, received;
	int64_t lease;                   /* the next_at this run set: a change since is another's */
};

/* One record of a page, verified: what is kept of it. The strings live in entry (the ledger
 * entry the credential carries), the answer, or are the record's own (credential_id, kid,
 * institution). */
struct fed_record {
	const char *outcome_id, *entry_id, *credential_id, *kid, *jws;
	const char *kind, *title, *institution, *result, *awarded_on, *code, *result_kind;
	int64_t level, credits_milli, hours_milli;   /* -1: none */
	json_t *entry;
};

/* Takes the fetch due soonest at now for this run, leased for a while: *ret_is_claimed says
 * whether there was one (and no other run took it first). */
enum ll_err fed_run_claim(struct ll_store *st, int64_t now, struct fed_run *ret_run, bool *ret_is_claimed);
/* Extends r's lease; LL_CONFLICT when the fetch was withdrawn or taken over meanwhile. */
enum ll_err fed_run_lease(struct ll_store *st, struct fed_run *r);
/* Ends r's run with state ("retrying" with next_at, "failed", "expired") and message, counting
 * a request to the peer in the access log when is_asked. LL_CONFLICT as fed_run_lease. */
enum ll_err fed_run_set_back(struct ll_store *st, const struct fed_run *r, const char *state, const char *message,
			     int64_t next_at, bool is_asked);
/* Imports a page of n verified records and moves r past it (next: where the next page starts;
 * -1 when this was the last, which ends the fetch and forgets the records of the peer it no
 * longer gave), all in one transaction. *ret_imported: records new or changed here.
 * LL_CONFLICT as fed_run_lease. */
enum ll_err fed_run_import(struct ll_store *st, struct fed_run *r, const struct fed_record *recs, int n, int64_t next,
			   int64_t *ret_imported);

#endif
