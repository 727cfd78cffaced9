/*
 * The issuer's signing key inside a transaction (keys_db.c), for the files of this module that
 * sign (issue_db.c).
 */
#ifndef LL_CREDENTIALS_KEYS_DB_H
#define LL_CREDENTIALS_KEYS_DB_H

#include "credentials.h"

struct ll_tx;

struct cred_signing_key {
	char kid[JOSE_THUMBPRINT_MAX];
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES];
	unsigned char sk[JOSE_ED25519_SECRET_BYTES];   /* the caller wipes it with sodium_memzero */
};

/* The newest key, opened. LL_INTERNAL when there is none or it does not open. */
enum ll_err cred_signing_key(struct ll_tx *tx, const struct ll_keys *keys, struct cred_signing_key *ret);

#endif
