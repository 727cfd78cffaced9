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

#endif
