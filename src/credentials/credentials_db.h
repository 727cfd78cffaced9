/*
 * What the files of this module share inside a transaction: the issuer's signing key and signing
 * (keys_db.c), and status indexes (status_db.c).
 */
#ifndef LL_CREDENTIALS_DB_H
#define LL_CREDENTIALS_DB_H

#include "credentials.h"

struct ll_tx;

struct cred_signing_key {
	char kid[JOSE_THUMBPRINT_MAX];
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES];
	unsigned char sk[JOSE_ED25519_SECRET_BYTES];   /* the caller wipes it with sodium_memzero */
};

/* The newest key, opened. LL_INTERNAL when there is none or it does not open. */
enum ll_err cred_signing_key(struct ll_tx *tx, const struct ll_keys *keys, struct cred_signing_key *ret);
/* Secures credential with VC-JOSE (W3C Securing Verifiable Credentials using JOSE and COSE §3.1.1:
 * the credential is the payload, the header says vc+jwt and names the key) under the newest key:
 * *ret_jws malloc'd, ret_kid the key's id. */
enum ll_err cred_sign(struct ll_tx *tx, const struct ll_keys *keys, const struct cred_issuer *iss,
		      const json_t *credential, char **ret_jws, char ret_kid[JOSE_THUMBPRINT_MAX]);

/* Secures credential as cred_sign does, with key (opened by cred_signing_key). */
enum ll_err cred_sign_with(const struct cred_signing_key *key, const struct cred_issuer *iss, const json_t *credential,
			   char **ret_jws);

/* The next status index, inside tx (a counter row: concurrent issuers never share one). */
enum ll_err cred_status_next(struct ll_tx *tx, int64_t *ret_index);

#endif
