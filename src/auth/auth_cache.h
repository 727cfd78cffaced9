/*
 * A short-lived in-process cache of resolved credentials (session cookies and API tokens, by
 * their keyed hash), so that most requests resolve their caller without a database transaction.
 * An entry lives AUTH_CACHE_TTL_US at most. Changes made on this server (sign-out, password,
 * preferences, token revocation) evict at once; a change made by another server behind the same
 * database takes effect here within the TTL.
 */
#ifndef LL_AUTH_CACHE_H
#define LL_AUTH_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/arena.h"
#include "../base/crypto.h"
#include "auth.h"

#define AUTH_CACHE_TTL_US (2LL * 1000000)

/* Remembers what a credential resolved to. csrf may be NULL (API tokens); credential_expires_at
 * is when the session or token itself ends (0: never). Users whose strings do not fit an entry
 * are simply not cached. */
void auth_cache_put(const unsigned char hash[CRYPTO_HASH_BYTES], const struct user *u, const char *csrf,
		    bool is_read_only, int64_t credential_expires_at);
/* Looks a credential up; on a hit fills ret_user (strings arena-owned) and the rest. */
bool auth_cache_get(const unsigned char hash[CRYPTO_HASH_BYTES], struct arena *a, struct user *ret_user,
		    const char **ret_csrf, bool *ret_is_read_only);
/* Evicts one credential. */
void auth_cache_forget(const unsigned char hash[CRYPTO_HASH_BYTES]);
/* Evicts every credential of a user. */
void auth_cache_forget_user(const char *user_id);

#endif
