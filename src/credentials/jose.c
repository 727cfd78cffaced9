/*
 * JOSE as verifiable credentials use it: base64url without padding (RFC 7515 §2), a JWS in
 * compact serialization signed with EdDSA over Ed25519 (RFC 8037), and an Ed25519 public key as
 * a JWK (OKP) with its RFC 7638 thumbprint. Pure: no I/O.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credentials.h"

/* base64url by table rather than libsodium's, which takes constant time over secrets at several
 * times the cost: what passes here is public (a credential's header and payload, keys, digests),
 * and encoding and decoding a credential's 6 KB was a third of the time spent signing it. */
static const char B64URL[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *jose_b64url_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out = malloc(len / 3 * 4 + 4), *o = out;
	if (!out)
		return NULL;
	size_t i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = B64URL[v >> 18];
		*o++ = B64URL[(v >> 12) & 63];
		*o++ = B64URL[(v >> 6) & 63];
		*o++ = B64URL[v & 63];
	}
	if (len - i == 1) {
		*o++ = B64URL[in[i] >> 2];
		*o++ = B64URL[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
		*o++ = B64URL[v >> 10];
		*o++ = B64URL[(v >> 4) & 63];
		*o++ = B64URL[(v & 15) << 2];
	}
	*o = '\0';
	return out;
}

/* Each character's six bits, or 64 for one outside the alphabet. */
static unsigned char sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned char)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (unsigned char)(c - '0' + 52);
	return c == '-' ? 62 : c == '_' ? 63 : 64;
}

bool jose_b64url_decode(const char *s, size_t len, unsigned char **ret, size_t *ret_len)
{
	*ret = NULL;
	*ret_len = 0;
	/* Two or three characters end it at most: one alone spells no byte. */
	if (len % 4 == 1)
		return false;
	unsigned char *out = malloc(len / 4 * 3 + 3), *o = out;
	if (!out)
		return false;
	const unsigned char *in = (const unsigned char *)s;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char v = sextet(in[i]);
		if (v == 64) {
			free(out);
			return false;
		}
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* The spare bits of the last character are zero in the one spelling of the bytes. */
	if (acc != 0) {
		free(out);
		return false;
	}
	*o = '\0';
	*ret = out;
	*ret_len = (size_t)(o - out);
	return true;
}

static enum ll_err refuse(const char *field, const char *what)
{
	return ll_fail(LL_INVALID_VALUE, field, "%s", what);
}

void jose_jws_release(struct jose_jws *j)
{
	json_decref(j->header);
	free(j->payload);
	memset(j, 0, sizeof(*j));
}

enum ll_err jose_jws_parse(const char *compact, const char *field, struct jose_jws *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!compact)
		return ll_fail(LL_MISSING_FIELD, field, "give the credential: a JWS in compact serialization");
	const char *dot1 = strchr(compact, '.');
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot1 || !dot2 || strchr(dot2 + 1, '.') || dot1 == compact || dot2 == dot1 + 1 || !dot2[1])
		return refuse(field, "a credential is a JWS in compact serialization: three base64url parts joined by dots");
	struct jose_jws j = { .signing_input = compact, .signing_input_len = (size_t)(dot2 - compact) };
	unsigned char *header = NULL, *sig = NULL;
	size_t header_len, sig_len;
	if (!jose_b64url_decode(compact, (size_t)(dot1 - compact), &header, &header_len))
		return refuse(field, "the JWS header is not base64url");
	j.header = json_loadb((const char *)header, header_len, JSON_REJECT_DUPLICATES, NULL);
	free(header);
	if (!json_is_object(j.header)) {
		jose_jws_release(&j);
		return refuse(field, "the JWS header is not a JSON object");
	}
	unsigned char *payload = NULL;
	if (!jose_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &payload, &j.payload_len)) {
		jose_jws_release(&j);
		return refuse(field, "the JWS payload is not base64url");
	}
	j.payload = (char *)payload;
	if (!jose_b64url_decode(dot2 + 1, strlen(dot2 + 1), &sig, &sig_len)) {
		jose_jws_release(&j);
		return refuse(field, "the JWS signature is not base64url");
	}
	if (sig_len != sizeof(j.signature)) {
		free(sig);
		jose_jws_release(&j);
		return refuse(field, "an EdDSA signature is 64 bytes");
	}
	memcpy(j.signature, sig, sig_len);
	free(sig);
	*ret = j;
	return LL_OK;
}

bool jose_jws_verify_ed25519(const struct jose_jws *j, const unsigned char pk[JOSE_ED25519_PUBLIC_BYTES])
{
	return crypto_sign_verify_detached(j->signature, (const unsigned char *)j->signing_input, j->signing_input_len,
					   pk) == 0;
}

enum ll_err jose_jws_sign_ed25519(const json_t *header, const char *payload, size_t len,
				  const unsigned char sk[JOSE_ED25519_SECRET_BYTES], char **ret)
{
	*ret = NULL;
	char *h = json_dumps(header, JSON_COMPACT);
	char *h64 = h ? jose_b64url_encode(h, strlen(h)) : NULL;
	char *p64 = jose_b64url_encode(payload, len);
	free(h);
	size_t hl = h64 ? strlen(h64) : 0, pl = p64 ? strlen(p64) : 0;
	size_t cap = hl + 1 + pl + 1 + sodium_base64_encoded_len(crypto_sign_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = h64 && p64 ? malloc(cap) : NULL;
	if (!out) {
		free(h64);
		free(p64);
		return LL_NOMEM;
	}
	memcpy(out, h64, hl);
	out[hl] = '.';
	memcpy(out + hl + 1, p64, pl);
	free(h64);
	free(p64);
	unsigned char sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, (const unsigned char *)out, hl + 1 + pl, sk);
	out[hl + 1 + pl] = '.';
	sodium_bin2base64(out + hl + 1 + pl + 1, cap - (hl + 1 + pl + 1), sig, sizeof(sig),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	*ret = out;
	return LL_OK;
}

json_t *jose_jwk_ed25519(const unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], const char *kid)
{
	char *x = jose_b64url_encode(pk, JOSE_ED25519_PUBLIC_BYTES);
	json_t *jwk = x ? json_pack("{s:s, s:s, s:s}", "kty", "OKP", "crv", "Ed25519", "x", x) : NULL;
	free(x);
	if (jwk && kid && json_object_set_new(jwk, "kid", json_string(kid)) != 0) {
		json_decref(jwk);
		return NULL;
	}
	return jwk;
}

enum ll_err jose_jwk_ed25519_parse(const json_t *jwk, const char *field, unsigned char pk[JOSE_ED25519_PUBLIC_BYTES])
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	const char *crv = json_string_value(json_object_get(jwk, "crv"));
	const char *x = json_string_value(json_object_get(jwk, "x"));
	if (!json_is_object(jwk) || !kty || strcmp(kty, "OKP") != 0 || !crv || strcmp(crv, "Ed25519") != 0 || !x)
		return refuse(field, "the key is not an Ed25519 JWK (kty OKP, crv Ed25519, x)");
	unsigned char *raw = NULL;
	size_t len = 0;
	bool is_ok = jose_b64url_decode(x, strlen(x), &raw, &len) && len == JOSE_ED25519_PUBLIC_BYTES;
	if (is_ok)
		memcpy(pk, raw, JOSE_ED25519_PUBLIC_BYTES);
	free(raw);
	return is_ok ? LL_OK : refuse(field, "the key's x is not 32 bytes of base64url");
}

void jose_jwk_thumbprint(const unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], char out[JOSE_THUMBPRINT_MAX])
{
	/* RFC 7638 §3.2: the required members in lexicographic order, no white space. */
	char x[64];
	sodium_bin2base64(x, sizeof(x), pk, JOSE_ED25519_PUBLIC_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char canonical[128];
	int n = snprintf(canonical, sizeof(canonical), "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", x);
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)canonical, (unsigned long long)n);
	sodium_bin2base64(out, JOSE_THUMBPRINT_MAX, digest, sizeof(digest), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
