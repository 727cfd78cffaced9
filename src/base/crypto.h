/*
 * Secrets and their uses, over libsodium: the key file, sealing personal data (secretbox),
 * keyed look-up hashes, password hashing (Argon2id) and random tokens. Keys live in
 * sodium_malloc memory and are wiped on release; no function here logs or returns a key.
 */
#ifndef LL_CRYPTO_H
#define LL_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ll_err.h"

#define CRYPTO_KEY_BYTES 32
#define CRYPTO_HASH_BYTES 32
#define CRYPTO_SEAL_OVERHEAD 40 /* nonce 24 + MAC 16 */
#define CRYPTO_PWHASH_MAX 128

/* Domains of look-up hashes: the same value hashed for two purposes gives unrelated hashes. */
#define CRYPTO_DOMAIN_ID_NUMBER "id_number"
#define CRYPTO_DOMAIN_PHONE "phone"

/* The secrets one Lifelong node holds; sodium_malloc-owned, freed with keys_free. */
struct ll_keys {
	unsigned char seal[CRYPTO_KEY_BYTES];    /* secretbox key for personal data */
	unsigned char lookup[CRYPTO_KEY_BYTES];  /* keyed hash for look-up of sealed values */
	unsigned char token[CRYPTO_KEY_BYTES];   /* keyed hash of session and API tokens */
	unsigned char sign_sk[64];               /* Ed25519 signing key of this node */
	unsigned char sign_pk[32];
	unsigned char region[CRYPTO_KEY_BYTES];  /* the federation's shared look-up key (optional) */
	bool has_region;
};

/* Initialises libsodium; call once before anything else here. */
enum ll_err crypto_init(void);

/* Writes a new key file at path with mode 0600; refuses to overwrite an existing file. With
 * with_region, it also holds a new regional look-up key (a "region=" line), which the credit
 * banks of a federation share: each of them copies that line into its own key file. */
enum ll_err keys_generate_file(const char *path, bool with_region);
/* Loads a key file; refuses one that group or others may read or that is malformed.
 * Caller frees *ret_keys with keys_free. */
enum ll_err keys_load(const char *path, struct ll_keys **ret_keys);
/* Wipes and frees; accepts NULL; returns NULL. */
struct ll_keys *keys_free(struct ll_keys *keys);

/* Seals plaintext: out must hold len + CRYPTO_SEAL_OVERHEAD bytes. */
void crypto_seal(const struct ll_keys *keys, const void *plain, size_t len, unsigned char *out);
/* Opens a sealed value into out (len - CRYPTO_SEAL_OVERHEAD bytes); false if forged. */
bool crypto_open(const struct ll_keys *keys, const unsigned char *sealed, size_t len, void *out);

/* Keyed BLAKE2b of (domain, data) with the look-up key: equal inputs give equal hashes, so a
 * sealed value can be found without being opened. */
void crypto_lookup_hash(const struct ll_keys *keys, const char *domain, const void *data, size_t len,
			unsigned char out[CRYPTO_HASH_BYTES]);
/* Keyed BLAKE2b of an ID number (upper case) with the regional key, the same on every node of the
 * federation that shares it: how a peer finds a person without the number crossing the wire.
 * False when the key file holds no regional key. */
bool crypto_region_hash(const struct ll_keys *keys, const char *id_number, size_t len,
			unsigned char out[CRYPTO_HASH_BYTES]);
/* Keyed BLAKE2b of a bearer token with the token key. */
void crypto_token_hash(const struct ll_keys *keys, const char *token, unsigned char out[CRYPTO_HASH_BYTES]);

/* Argon2id hash string of password (interactive limits) into out. */
enum ll_err crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_MAX]);
/* True if password matches the stored hash string. */
bool crypto_password_verify(const char *stored, const char *password);

/* n random bytes as 2n lowercase hex characters plus NUL into out. */
void crypto_random_hex(char *out, size_t n);
/* Hex encoding of n bytes into out (2n+1 bytes). */
void crypto_hex(const unsigned char *in, size_t n, char *out);
/* Decodes exactly n bytes of hex; false if malformed. */
bool crypto_unhex(const char *hex, unsigned char *out, size_t n);
/* Constant-time string comparison. */
bool crypto_str_equal(const char *a, const char *b);

#endif
