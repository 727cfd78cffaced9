/*
 * Other issuers' keys. A did:key or did:jwk issuer's key is in its DID itself (W3C CCG did:key
 * for Ed25519, did:jwk). Other issuers' published documents are fetched when a credential names
 * them and kept as long as they say they may be cached: a did:web issuer's DID document (did:web
 * §3.2: the host, a port percent-encoded, a path of colon-separated segments; /.well-known/did.json
 * without one) and its status lists (at the statusListCredential address, believed only when they verify with the
 * same document's keys, as cred_verify_with_documents believes them). A failed fetch is kept
 * briefly too, so that a run of credentials naming a dead issuer does not fetch it each time.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../http/fetch.h"
#include "credentials.h"

#define ENTRIES 256
#define DOCUMENT_DEFAULT_S 300
#define LIST_DEFAULT_S 60
#define KEEP_MAX_S 3600
#define FAILURE_S 10

struct entry {
	char url[CRED_URL_MAX];
	char *body;                     /* NULL: the fetch failed */
	char reason[256];               /* why it failed */
	int64_t fetched_us, until_us;
};

struct cred_resolver {
	struct fetch_policy policy;
	pthread_mutex_t mu;
	struct entry entries[ENTRIES];
};

struct cred_resolver *cred_resolver_new(const struct fetch_policy *policy)
{
	struct cred_resolver *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (policy)
		r->policy = *policy;
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

void cred_resolver_free(struct cred_resolver *r)
{
	if (!r)
		return;
	for (int i = 0; i < ENTRIES; i++)
		free(r->entries[i].body);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

enum ll_err cred_did_web_url(const char *did, const struct fetch_policy *policy, char out[CRED_URL_MAX])
{
	if (!did || strncmp(did, "did:web:", 8) != 0 || !did[8])
		return ll_fail(LL_INVALID_VALUE, "issuer", "only did:web issuers are resolved");
	const char *rest = did + 8;
	size_t host_len = strcspn(rest, ":");
	char host[CRED_DID_MAX];
	size_t h = 0;
	/* The host, with %3A back to a colon (a port); nothing else may be percent-encoded in it. */
	for (size_t i = 0; i < host_len && h + 1 < sizeof(host); i++) {
		if (rest[i] == '%' && i + 2 < host_len && rest[i + 1] == '3' && (rest[i + 2] == 'A' || rest[i + 2] == 'a')) {
			host[h++] = ':';
			i += 2;
		} else if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", rest[i])) {
			host[h++] = rest[i];
		} else {
			return ll_fail(LL_INVALID_VALUE, "issuer", "the did:web host is not a host name");
		}
	}
	host[h] = '\0';
	if (!h || h >= sizeof(host) - 1)
		return ll_fail(LL_INVALID_VALUE, "issuer", "the did:web host is not a host name");
	size_t name_len = strcspn(host, ":");
	const char *scheme = fetch_is_local_host(policy, host, name_len) ? "http" : "https";
	int n = snprintf(out, CRED_URL_MAX, "%s://%s", scheme, host);
	const char *path = rest + host_len;
	if (!*path) {
		n += snprintf(out + n, CRED_URL_MAX - (size_t)n, "/.well-known/did.json");
	} else {
		for (const char *p = path; *p && n < CRED_URL_MAX; p++) {
			char c = *p == ':' ? '/' : *p;
			if (!strchr("/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_~%", c))
				return ll_fail(LL_INVALID_VALUE, "issuer", "the did:web path is not a path");
			out[n++] = c;
		}
		if (n < CRED_URL_MAX)
			n += snprintf(out + n, CRED_URL_MAX - (size_t)n, "/did.json");
	}
	if (n >= CRED_URL_MAX)
		return ll_fail(LL_INVALID_VALUE, "issuer", "the did:web address is too long");
	return LL_OK;
}

/* url's body as fetched, from the cache while it may be kept; malloc'd copy in *ret_body. A
 * failure is LL_IO with its reason. */
static enum ll_err get(struct cred_resolver *r, const char *url, const char *accept, long default_s,
		       char **ret_body)
{
	*ret_body = NULL;
	if (strlen(url) >= CRED_URL_MAX)
		return ll_fail(LL_IO, "url", "the address is too long");
	int64_t now = clock_now_us();
	pthread_mutex_lock(&r->mu);
	struct entry *oldest = &r->entries[0];
	for (int i = 0; i < ENTRIES; i++) {
		struct entry *e = &r->entries[i];
		if (e->url[0] && strcmp(e->url, url) == 0 && e->until_us > now) {
			enum ll_err err = LL_OK;
			if (e->body)
				*ret_body = strdup(e->body);
			else
				err = ll_fail(LL_IO, "url", "%s", e->reason);
			pthread_mutex_unlock(&r->mu);
			return err == LL_OK && !*ret_body ? LL_NOMEM : err;
		}
		if (e->fetched_us < oldest->fetched_us)
			oldest = e;
	}
	pthread_mutex_unlock(&r->mu);
	struct fetched f;
	enum ll_err err = fetch_get(&r->policy, url, accept, &f);
	long keep_s = err != LL_OK ? FAILURE_S : f.max_age_s >= 0 ? f.max_age_s : default_s;
	if (keep_s > KEEP_MAX_S)
		keep_s = KEEP_MAX_S;
	pthread_mutex_lock(&r->mu);
	free(oldest->body);
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->url, sizeof(oldest->url), "%s", url);
	oldest->fetched_us = now;
	oldest->until_us = now + (int64_t)keep_s * 1000000;
	if (err == LL_OK)
		oldest->body = strdup(f.body);
	else
		snprintf(oldest->reason, sizeof(oldest->reason), "%s", ll_error_get(err)->message);
	pthread_mutex_unlock(&r->mu);
	if (err == LL_OK) {
		*ret_body = f.body;
		return LL_OK;
	}
	return err;
}

/* base58btc (the Bitcoin alphabet) of len characters into out (cap bytes): false when it is not. */
static bool base58_decode(const char *s, size_t len, unsigned char *out, size_t cap, size_t *ret_len)
{
	static const char ALPHABET[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	unsigned char big[64] = { 0 }; /* the number, big-endian, in the last bytes */
	size_t zeros = 0;
	while (zeros < len && s[zeros] == '1')
		zeros++;
	for (size_t i = 0; i < len; i++) {
		const char *at = s[i] ? strchr(ALPHABET, s[i]) : NULL;
		if (!at)
			return false;
		unsigned carry = (unsigned)(at - ALPHABET);
		for (size_t k = sizeof(big); k-- > 0;) {
			carry += 58u * big[k];
			big[k] = (unsigned char)carry;
			carry >>= 8;
		}
		if (carry)
			return false;
	}
	size_t first = 0;
	while (first < sizeof(big) && !big[first])
		first++;
	size_t n = zeros + sizeof(big) - first;
	if (n > cap)
		return false;
	memset(out, 0, zeros);
	memcpy(out + zeros, big + first, sizeof(big) - first);
	*ret_len = n;
	return true;
}

/* The DID document a did:key (Ed25519: "z" and base58btc of 0xed 0x01 and the key) or a did:jwk
 * (base64url of an Ed25519 JWK) stands for: its one key, as an assertion method. NULL when did is
 * neither, or holds no Ed25519 key. */
static json_t *document_in_did(const char *did)
{
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES];
	char fragment[128];
	if (strncmp(did, "did:key:z", 9) == 0) {
		unsigned char raw[40];
		size_t n = 0;
		const char *mb = did + 8;
		if (strlen(mb) >= sizeof(fragment) || !base58_decode(mb + 1, strlen(mb + 1), raw, sizeof(raw), &n) ||
		    n != 2 + JOSE_ED25519_PUBLIC_BYTES || raw[0] != 0xed || raw[1] != 0x01)
			return NULL;
		memcpy(pk, raw + 2, sizeof(pk));
		snprintf(fragment, sizeof(fragment), "%s", mb);
	} else if (strncmp(did, "did:jwk:", 8) == 0) {
		unsigned char *text = NULL;
		size_t n = 0;
		if (!jose_b64url_decode(did + 8, strlen(did + 8), &text, &n))
			return NULL;
		json_t *jwk = json_loadb((const char *)text, n, 0, NULL);
		free(text);
		enum ll_err err = jose_jwk_ed25519_parse(jwk, "issuer", pk);
		json_decref(jwk);
		if (err != LL_OK) {
			ll_error_clear();
			return NULL;
		}
		snprintf(fragment, sizeof(fragment), "0");
	} else {
		return NULL;
	}
	char *vm = NULL;
	if (asprintf(&vm, "%s#%s", did, fragment) < 0)
		return NULL;
	json_t *doc = json_pack("{s:s, s:[{s:s, s:s, s:s, s:o}], s:[s]}", "id", did, "verificationMethod", "id", vm, "type",
				"JsonWebKey", "controller", did, "publicKeyJwk", jose_jwk_ed25519(pk, NULL),
				"assertionMethod", vm);
	free(vm);
	return doc;
}

enum ll_err cred_resolve_document(struct cred_resolver *r, const char *did, json_t **ret_doc)
{
	/* A did:key or did:jwk carries its key in itself: nothing to fetch. */
	json_t *inner = did ? document_in_did(did) : NULL;
	if (inner) {
		*ret_doc = inner;
		return LL_OK;
	}
	char url[CRED_URL_MAX];
	enum ll_err err = cred_did_web_url(did, &r->policy, url);
	char *body = NULL;
	if (err == LL_OK)
		err = get(r, url, "application/did+json, application/json", DOCUMENT_DEFAULT_S, &body);
	if (err != LL_OK)
		return err;
	json_t *doc = json_loads(body, 0, NULL);
	free(body);
	const char *id = json_string_value(json_object_get(doc, "id"));
	if (!id || strcmp(id, did) != 0) {
		json_decref(doc);
		return ll_fail(LL_IO, "url", "%s does not hold the DID document of %s", url, did);
	}
	*ret_doc = doc;
	return LL_OK;
}

enum ll_err cred_resolve_status_list(struct cred_resolver *r, const char *list_url, char **ret_jws)
{
	return get(r, list_url, "application/vc+jwt, application/jwt", LIST_DEFAULT_S, ret_jws);
}
