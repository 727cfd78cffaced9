/*
 * What the files of this module share: signing as this node (its newest issuer key, named in a
 * keyid "<node id>#<thumbprint>").
 */
#ifndef LL_FEDERATION_INT_H
#define LL_FEDERATION_INT_H

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

#endif
