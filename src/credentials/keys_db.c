/*
 * The issuer's keys: Ed25519 pairs named by their JWK thumbprints, the secret half sealed with
 * the node's key, numbered as they are made. The newest (by number, not by a clock that may step
 * back) signs; every key the issuer ever had still verifies, so a credential signed before a
 * rotation stays valid.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../store/store.h"
#include "credentials.h"
#include "credentials_db.h"

static const struct store_stmt KEY_INSERT = {
	"credential key insert",
	"INSERT INTO credential_keys (kid, public_key, secret_sealed, created_at, created_by, number) "
	"VALUES ($1, $2, $3, $4, $5, $6)"
};
static const struct store_stmt KEY_COUNT = { "credential key count", "SELECT COUNT(*) FROM credential_keys" };
static const struct store_stmt KEY_NEWEST = {
	"credential key newest",
	"SELECT kid, public_key, secret_sealed FROM credential_keys ORDER BY number DESC LIMIT 1"
};
static const struct store_stmt KEY_ALL = {
	"credential keys", "SELECT kid, public_key, created_at FROM credential_keys ORDER BY number DESC"
};
static const struct store_stmt KEY_ONE = { "credential key", "SELECT public_key FROM credential_keys WHERE kid = $1" };


#define SEALED_BYTES (JOSE_ED25519_SECRET_BYTES + CRYPTO_SEAL_OVERHEAD)

struct new_key {
	const struct ll_keys *keys;
	const struct audit_actor *actor;
	bool is_only_if_none;
	char kid[JOSE_THUMBPRINT_MAX];
	bool is_made;
};

static enum ll_err count_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err new_key_txn(struct ll_tx *tx, void *ctx)
{
	struct new_key *k = ctx;
	k->is_made = false;
	if (k->is_only_if_none) {
		int64_t n = 0;
		enum ll_err err = store_exec(tx, &KEY_COUNT, SP_NONE, count_row, &n);
		if (err != LL_OK || n > 0)
			return err;
	}
	int64_t number = 0;
	enum ll_err err = store_counter_add(tx, "credential_key", 1, &number);
	if (err != LL_OK)
		return err;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], sealed[SEALED_BYTES];
	crypto_sign_keypair(pk, sk);
	crypto_seal(k->keys, sk, sizeof(sk), sealed);
	sodium_memzero(sk, sizeof(sk));
	jose_jwk_thumbprint(pk, k->kid);
	err = store_exec(tx, &KEY_INSERT,
			 SP(SV_TEXT(k->kid), SV_BLOB(pk, sizeof(pk)), SV_BLOB(sealed, sizeof(sealed)), SV_I64(clock_now_us()),
			    SV_TEXT(k->actor ? k->actor->id : NULL), SV_I64(number)),
			 NULL, NULL);
	if (err == LL_OK && k->actor)
		err = audit_write(tx, k->actor, "credential_key.rotate", "credential_key", k->kid, NULL);
	k->is_made = err == LL_OK;
	return err;
}

enum ll_err cred_keys_ensure(struct ll_store *st, const struct ll_keys *keys)
{
	struct new_key k = { .keys = keys, .is_only_if_none = true };
	return store_run(st, STORE_WRITE, "credential key ensure", new_key_txn, &k);
}

enum ll_err cred_key_rotate(struct ll_store *st, const struct ll_keys *keys, const struct audit_actor *actor,
			    char ret_kid[JOSE_THUMBPRINT_MAX])
{
	struct new_key k = { .keys = keys, .actor = actor };
	enum ll_err err = store_run(st, STORE_WRITE, "credential key rotate", new_key_txn, &k);
	if (err == LL_OK)
		memcpy(ret_kid, k.kid, JOSE_THUMBPRINT_MAX);
	return err;
}

struct signing_ctx {
	const struct ll_keys *keys;
	struct cred_signing_key *out;
	bool is_found;
	bool is_forged;
};

static enum ll_err signing_row(const struct store_row *row, void *ctx)
{
	struct signing_ctx *c = ctx;
	size_t pk_len, sealed_len;
	const void *pk = store_row_blob(row, 1, &pk_len);
	const unsigned char *sealed = store_row_blob(row, 2, &sealed_len);
	if (pk_len != JOSE_ED25519_PUBLIC_BYTES || sealed_len != SEALED_BYTES ||
	    !crypto_open(c->keys, sealed, sealed_len, c->out->sk)) {
		c->is_forged = true;
		return LL_OK;
	}
	snprintf(c->out->kid, sizeof(c->out->kid), "%s", store_row_text(row, 0));
	memcpy(c->out->pk, pk, pk_len);
	c->is_found = true;
	return LL_OK;
}

enum ll_err cred_signing_key(struct ll_tx *tx, const struct ll_keys *keys, struct cred_signing_key *ret)
{
	struct signing_ctx c = { keys, ret, false, false };
	enum ll_err err = store_exec(tx, &KEY_NEWEST, SP_NONE, signing_row, &c);
	if (err != LL_OK)
		return err;
	if (c.is_forged)
		return ll_fail(LL_INTERNAL, NULL, "the issuer's newest key does not open with this node's key file");
	if (!c.is_found)
		return ll_fail(LL_INTERNAL, NULL, "the issuer has no key yet");
	return LL_OK;
}

enum ll_err cred_sign_with(const struct cred_signing_key *key, const struct cred_issuer *iss, const json_t *credential,
			   char **ret_jws)
{
	*ret_jws = NULL;
	char kid[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 2];
	snprintf(kid, sizeof(kid), "%s#%s", iss->did, key->kid);
	json_t *header = json_pack("{s:s, s:s, s:s, s:s, s:s}", "alg", "EdDSA", "kid", kid, "typ", "vc+jwt", "cty", "vc",
				   "iss", iss->did);
	struct buf payload;
	buf_init(&payload);
	bool is_dumped = credential && json_dump_compact(credential, &payload);
	enum ll_err err = header && is_dumped ? jose_jws_sign_ed25519(header, payload.data, payload.len, key->sk, ret_jws)
					      : LL_NOMEM;
	json_decref(header);
	buf_release(&payload);
	return err;
}

enum ll_err cred_sign(struct ll_tx *tx, const struct ll_keys *keys, const struct cred_issuer *iss,
		      const json_t *credential, char **ret_jws, char ret_kid[JOSE_THUMBPRINT_MAX])
{
	*ret_jws = NULL;
	struct cred_signing_key key;
	enum ll_err err = cred_signing_key(tx, keys, &key);
	if (err != LL_OK)
		return err;
	memcpy(ret_kid, key.kid, JOSE_THUMBPRINT_MAX);
	err = cred_sign_with(&key, iss, credential, ret_jws);
	sodium_memzero(key.sk, sizeof(key.sk));
	return err;
}

struct jwks_ctx {
	const struct cred_issuer *iss;
	json_t *keys;
};

/* A key as a JWK whose kid is the one a credential's header names: the issuer's DID URL of it. */
static enum ll_err jwk_row(const struct store_row *row, void *ctx)
{
	struct jwks_ctx *j = ctx;
	size_t len;
	const void *pk = store_row_blob(row, 1, &len);
	if (len != JOSE_ED25519_PUBLIC_BYTES)
		return ll_fail(LL_INTERNAL, NULL, "an issuer key has the wrong length");
	char kid[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 2];
	snprintf(kid, sizeof(kid), "%s#%s", j->iss->did, store_row_text(row, 0));
	json_t *jwk = jose_jwk_ed25519(pk, kid);
	if (!jwk || json_object_set_new(jwk, "alg", json_string("EdDSA")) != 0 ||
	    json_object_set_new(jwk, "use", json_string("sig")) != 0 || json_array_append_new(j->keys, jwk) != 0)
		return LL_NOMEM;
	return LL_OK;
}

static enum ll_err jwks_txn(struct ll_tx *tx, void *ctx)
{
	struct jwks_ctx *j = ctx;
	json_array_clear(j->keys);
	return store_exec(tx, &KEY_ALL, SP_NONE, jwk_row, j);
}

enum ll_err cred_keys_jwks(struct ll_store *st, const struct cred_issuer *iss, json_t **ret_keys)
{
	json_t *arr = json_array();
	if (!arr)
		return LL_NOMEM;
	struct jwks_ctx j = { iss, arr };
	enum ll_err err = store_run(st, STORE_READ, "credential keys", jwks_txn, &j);
	if (err != LL_OK) {
		json_decref(arr);
		return err;
	}
	*ret_keys = arr;
	return LL_OK;
}

struct public_ctx {
	unsigned char *pk;
	bool is_found;
};

static enum ll_err public_row(const struct store_row *row, void *ctx)
{
	struct public_ctx *c = ctx;
	size_t len;
	const void *pk = store_row_blob(row, 0, &len);
	if (len == JOSE_ED25519_PUBLIC_BYTES) {
		memcpy(c->pk, pk, len);
		c->is_found = true;
	}
	return LL_OK;
}

struct public_get {
	const char *kid;
	struct public_ctx c;
};

static enum ll_err public_txn(struct ll_tx *tx, void *ctx)
{
	struct public_get *g = ctx;
	g->c.is_found = false;
	return store_exec(tx, &KEY_ONE, SP(SV_TEXT(g->kid)), public_row, &g->c);
}

enum ll_err cred_key_public(struct ll_store *st, const char *kid, unsigned char ret_pk[JOSE_ED25519_PUBLIC_BYTES])
{
	struct public_get g = { kid, { ret_pk, false } };
	enum ll_err err = store_run(st, STORE_READ, "credential key", public_txn, &g);
	if (err == LL_OK && !g.c.is_found)
		err = ll_fail(LL_NOT_FOUND, "kid", "the issuer has no key %s", kid);
	return err;
}

enum ll_err cred_did_document(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			      json_t **ret_doc)
{
	json_t *jwks = NULL;
	enum ll_err err = cred_keys_jwks(st, iss, &jwks);
	if (err != LL_OK)
		return err;
	json_t *methods = json_array(), *assertion = json_array();
	json_t *ledger_jwk = jose_jwk_ed25519(keys->sign_pk, NULL);
	char id[CRED_DID_MAX + 64];
	bool is_ok = methods && assertion && ledger_jwk;
	size_t i;
	json_t *jwk;
	json_array_foreach (jwks, i, jwk) {
		snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(jwk, "kid")));
		is_ok = is_ok &&
			json_array_append_new(methods, json_pack("{s:s, s:s, s:s, s:O}", "id", id, "type", "JsonWebKey2020",
								 "controller", iss->did, "publicKeyJwk", jwk)) == 0 &&
			json_array_append_new(assertion, json_string(id)) == 0;
	}
	/* The key that signs the ledger's tree heads: not for credentials, but named so that the
	 * proof a credential carries can say whose signature its tree head bears. */
	snprintf(id, sizeof(id), "%s#ledger", iss->did);
	is_ok = is_ok && json_array_append_new(methods, json_pack("{s:s, s:s, s:s, s:O}", "id", id, "type",
								 "JsonWebKey2020", "controller", iss->did,
								 "publicKeyJwk", ledger_jwk)) == 0;
	json_decref(ledger_jwk);
	json_decref(jwks);
	json_t *doc = is_ok ? json_pack("{s:[s, s], s:s, s:o, s:o}", "@context", "https://www.w3.org/ns/did/v1",
					"https://w3id.org/security/suites/jws-2020/v1", "id", iss->did, "verificationMethod",
					methods, "assertionMethod", assertion)
			    : NULL;
	if (!doc) {
		if (!is_ok) {
			json_decref(methods);
			json_decref(assertion);
		}
		return LL_NOMEM;
	}
	*ret_doc = doc;
	return LL_OK;
}

struct sign_bytes_ctx {
	const struct ll_keys *keys;
	const void *msg;
	size_t len;
	unsigned char *sig;
	char *kid;
};

static enum ll_err sign_bytes_txn(struct ll_tx *tx, void *ctx)
{
	struct sign_bytes_ctx *c = ctx;
	struct cred_signing_key key;
	enum ll_err err = cred_signing_key(tx, c->keys, &key);
	if (err != LL_OK)
		return err;
	crypto_sign_detached(c->sig, NULL, c->msg, c->len, key.sk);
	memcpy(c->kid, key.kid, JOSE_THUMBPRINT_MAX);
	sodium_memzero(key.sk, sizeof(key.sk));
	return LL_OK;
}

enum ll_err cred_sign_bytes(struct ll_store *st, const struct ll_keys *keys, const void *msg, size_t len,
			    unsigned char ret_sig[64], char ret_kid[JOSE_THUMBPRINT_MAX])
{
	struct sign_bytes_ctx c = { keys, msg, len, ret_sig, ret_kid };
	return store_run(st, STORE_READ, "issuer sign", sign_bytes_txn, &c);
}
