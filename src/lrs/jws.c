/*
 * Signed statements: the JWS of a signature attachment decoded (compact serialization only), its
 * alg held to the RS256/384/512 that xAPI requires, its payload compared with the statement it
 * signs, and its signature verified with the first certificate of its x5c through OpenSSL's EVP
 * interface. Pure: no I/O, no certificate fetched or trusted, nothing kept between calls; every
 * OpenSSL error it causes is cleared before it returns.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lrs.h"

#define JWS_HEADER_DEPTH 8
#define JWS_PAYLOAD_DEPTH 32            /* as deep as a statement sent to /xapi may be */
#define JWS_RSA_BITS_MIN 2048           /* RFC 7518 3.3: RS* keys are 2048 bits or more */

/* The algorithms xAPI allows (Data 2.6: "MUST use RS256, RS384 or RS512"). EVP would verify PS*
 * and ES* too (ES* after turning JWS's R||S into DER), but a statement signed so breaks that
 * rule, and the LRS must check that the signature requirements are met; so they are refused
 * like HS256 and none. */
static const struct jws_alg {
	const char *name;
	const EVP_MD *(*md)(void);
} ALGS[] = {
	{ "RS256", EVP_sha256 },
	{ "RS384", EVP_sha384 },
	{ "RS512", EVP_sha512 },
};

static enum ll_err refuse(const char *field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static enum ll_err refuse(const char *field, const char *fmt, ...)
{
	char msg[LL_MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ll_fail(LL_INVALID_VALUE, field, "%s: %s", field, msg);
}

/* ---- Decoding ---- */

static int b64_value(unsigned char c, bool is_url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (is_url ? '-' : '+'))
		return 62;
	if (c == (is_url ? '_' : '/'))
		return 63;
	return -1;
}

/* Decodes n characters of base64: with is_url the URL alphabet without padding (a JWS, RFC 7515
 * 2), else the standard alphabet with its padding (x5c, RFC 7515 4.1.6). LL_INVALID_VALUE (no
 * detail recorded) for anything else, LL_NOMEM; on LL_OK the caller frees *ret. */
static enum ll_err b64_decode(const char *s, size_t n, bool is_url, unsigned char **ret, size_t *ret_len)
{
	if (!is_url) {
		if (n % 4 != 0)
			return LL_INVALID_VALUE;
		for (int pad = 0; pad < 2 && n > 0 && s[n - 1] == '='; pad++)
			n--;
	}
	if (n % 4 == 1)
		return LL_INVALID_VALUE;
	unsigned char *out = malloc(n / 4 * 3 + 3);
	if (!out)
		return LL_NOMEM;
	size_t len = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char)s[i], is_url);
		if (v < 0) {
			free(out);
			return LL_INVALID_VALUE;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*ret = out;
	*ret_len = len;
	return LL_OK;
}

/* A JWS taken apart. The encoded parts point into the caller's bytes. */
struct jws {
	const char *header_b64, *payload_b64, *sig_b64;
	size_t header_b64_len, payload_b64_len, sig_b64_len;
	json_t *header;
	json_t *payload;
	unsigned char *sig;
	size_t sig_len;
	const struct jws_alg *alg;
	X509 *chain[LRS_JWS_CHAIN_MAX];
	int n_chain;
};

static void jws_release(struct jws *j)
{
	json_decref(j->header);
	json_decref(j->payload);
	free(j->sig);
	for (int i = 0; i < j->n_chain; i++)
		X509_free(j->chain[i]);
}

/* Splits header.payload.signature, each part base64url and none empty. */
static enum ll_err jws_split(struct jws *j, const char *s, size_t len, const char *field)
{
	const char *dot1 = memchr(s, '.', len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - s)) : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - s)))
		return refuse(field, "a signature is a JWS in compact serialization: three base64url parts "
				     "joined by dots");
	j->header_b64 = s;
	j->header_b64_len = (size_t)(dot1 - s);
	j->payload_b64 = dot1 + 1;
	j->payload_b64_len = (size_t)(dot2 - j->payload_b64);
	j->sig_b64 = dot2 + 1;
	j->sig_b64_len = len - (size_t)(j->sig_b64 - s);
	if (j->header_b64_len == 0 || j->payload_b64_len == 0 || j->sig_b64_len == 0)
		return refuse(field, "the JWS has an empty %s", j->header_b64_len == 0 ? "header" :
				     j->payload_b64_len == 0 ? "payload" : "signature");
	return LL_OK;
}

/* Decodes a base64url part that holds JSON (the header or the payload) into *ret. */
static enum ll_err jws_json(const char *b64, size_t n, int depth, const char *what, const char *field, json_t **ret)
{
	unsigned char *text;
	size_t len;
	enum ll_err err = b64_decode(b64, n, true, &text, &len);
	if (err == LL_INVALID_VALUE)
		return refuse(field, "the JWS %s is not base64url", what);
	if (err != LL_OK)
		return err;
	json_t *v = NULL;
	err = json_parse((const char *)text, len, depth, &v);
	free(text);
	/* jansson's own words quote the input, which may be cut mid-character; a position is enough. */
	int line, column;
	if (err == LL_TOO_DEEP)
		return refuse(field, "the JWS %s is JSON nested deeper than %d levels", what, depth);
	if (err == LL_INVALID_JSON &&
	    sscanf(ll_error_get(err)->message, "invalid JSON at line %d column %d", &line, &column) == 2)
		return refuse(field, "the JWS %s is not JSON (line %d, column %d)", what, line, column);
	if (err != LL_OK)
		return refuse(field, "the JWS %s is not JSON", what);
	if (!json_is_object(v)) {
		json_decref(v);
		return refuse(field, "the JWS %s is not a JSON object", what);
	}
	*ret = v;
	return LL_OK;
}

static enum ll_err jws_alg(struct jws *j, const char *field)
{
	const char *alg = json_string_value(json_object_get(j->header, "alg"));
	if (!alg)
		return refuse(field, "the JWS header names no alg");
	for (size_t i = 0; i < sizeof(ALGS) / sizeof(ALGS[0]); i++)
		if (strcmp(alg, ALGS[i].name) == 0)
			j->alg = &ALGS[i];
	/* The alg is named back only when it looks like one: the message must stay short UTF-8. */
	bool is_name = strlen(alg) <= 16 && strspn(alg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
		       strlen(alg);
	if (!j->alg)
		return refuse(field, "xAPI signatures use alg RS256, RS384 or RS512, not %s", is_name ? alg : "this one");
	/* RFC 7515 4.1.11: an extension the recipient does not understand makes the JWS invalid. */
	if (json_object_get(j->header, "crit"))
		return refuse(field, "the JWS header asks for extensions (crit) this LRS does not support");
	return LL_OK;
}

/* The x5c chain, when there is one: certificates that decode, each signed by the next, the
 * first holding an RSA key that the alg can use. */
static enum ll_err jws_chain(struct jws *j, const char *field)
{
	const json_t *x5c = json_object_get(j->header, "x5c");
	if (!x5c)
		return LL_OK;
	size_t n = json_array_size(x5c);
	if (!json_is_array(x5c) || n == 0 || n > LRS_JWS_CHAIN_MAX)
		return refuse(field, "the JWS header's x5c is a list of 1 to %d certificates", LRS_JWS_CHAIN_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *b64 = json_string_value(json_array_get(x5c, i));
		unsigned char *der;
		size_t len;
		enum ll_err err = b64 ? b64_decode(b64, strlen(b64), false, &der, &len) : LL_INVALID_VALUE;
		if (err == LL_INVALID_VALUE)
			return refuse(field, "x5c[%zu] is not a certificate in base64", i);
		if (err != LL_OK)
			return err;
		const unsigned char *p = der;
		X509 *cert = d2i_X509(NULL, &p, (long)len);
		bool is_whole = cert && p == der + len;
		free(der);
		if (!is_whole) {
			X509_free(cert);
			return refuse(field, "x5c[%zu] is not a DER certificate", i);
		}
		j->chain[j->n_chain++] = cert;
	}
	/* RFC 7515 4.1.6: each certificate certifies the one before it. Whether the last is one
	 * anybody trusts is not for this check to say. */
	for (int i = 1; i < j->n_chain; i++) {
		EVP_PKEY *issuer = X509_get0_pubkey(j->chain[i]);
		if (!issuer || X509_verify(j->chain[i - 1], issuer) != 1)
			return refuse(field, "x5c[%d] is not signed by x5c[%d], which follows it", i - 1, i);
	}
	EVP_PKEY *key = X509_get0_pubkey(j->chain[0]);
	if (!key || !EVP_PKEY_is_a(key, "RSA"))
		return refuse(field, "the certificate x5c[0] holds no RSA key, which %s needs", j->alg->name);
	if (EVP_PKEY_get_bits(key) < JWS_RSA_BITS_MIN)
		return refuse(field, "the certificate's RSA key has %d bits; %s needs %d or more",
			      EVP_PKEY_get_bits(key), j->alg->name, JWS_RSA_BITS_MIN);
	return LL_OK;
}

/* ---- Verifying ---- */

static enum ll_err jws_verify(const struct jws *j, const char *field)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return LL_NOMEM;
	/* The signing input is the encoded header and payload as sent, dot included (RFC 7515 5.2). */
	size_t input_len = j->header_b64_len + 1 + j->payload_b64_len;
	int ok = EVP_DigestVerifyInit(ctx, NULL, j->alg->md(), NULL, X509_get0_pubkey(j->chain[0]));
	if (ok == 1)
		ok = EVP_DigestVerify(ctx, j->sig, j->sig_len, (const unsigned char *)j->header_b64, input_len);
	EVP_MD_CTX_free(ctx);
	if (ok != 1)
		return refuse(field, "the signature does not verify with the key of the certificate x5c[0]");
	return LL_OK;
}

/* ---- Comparing the payload with the statement ---- */

/* Numbers by value, everything else exactly; object keys in any order. */
static bool value_same(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!value_same(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	if (json_is_object(a)) {
		const char *key;
		const json_t *x;
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach ((json_t *)a, key, x) {
			const json_t *y = json_object_get(b, key);
			if (!y || !value_same(x, y))
				return false;
		}
		return true;
	}
	return json_equal(a, b);
}

static bool is_signature(const json_t *attachment)
{
	const char *usage = json_string_value(json_object_get(attachment, "usageType"));
	return usage && strcmp(usage, LRS_USAGE_SIGNATURE) == 0;
}

/* Every contextActivities property as an array, as the stored form has it and as
 * lrs_statement_same expects of both sides. */
static void context_as_arrays(json_t *st)
{
	json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
	const char *key;
	json_t *v;
	json_object_foreach (ca, key, v) {
		if (json_is_object(v)) {
			json_t *list = json_array();
			json_array_append(list, v);
			json_object_set_new(ca, key, list);
		}
	}
	json_t *obj = json_object_get(st, "object");
	const char *type = json_string_value(json_object_get(obj, "objectType"));
	if (type && strcmp(type, "SubStatement") == 0)
		context_as_arrays(obj);
}

/* A copy of st for lrs_statement_same. NULL for no memory. */
static json_t *comparable(const json_t *st)
{
	json_t *c = json_deep_copy(st);
	if (c)
		context_as_arrays(c);
	return c;
}

/* Sets obj's key to v (a new reference); *is_ok turns false when v is NULL or cannot be set, so
 * that no memory never passes for "the same". */
static void put(json_t *obj, const char *key, json_t *v, bool *is_ok)
{
	if (!v || json_object_set_new(obj, key, v) != 0)
		*is_ok = false;
}

static void append(json_t *list, json_t *v, bool *is_ok)
{
	if (!v || json_array_append_new(list, v) != 0)
		*is_ok = false;
}

/* A deep copy of v, or null when v is absent. */
static json_t *copy_or_null(const json_t *v)
{
	return v ? json_deep_copy(v) : json_null();
}

/* What a signature covers and lrs_statement_same leaves out (it compares a statement sent again
 * with the one stored, where these may differ): the verb's display, the activities' definitions
 * and the attachments, a signature's own excepted. sha2 is hexadecimal, so its case is not
 * compared. NULL for no memory. */
static json_t *signed_extra(const json_t *st, bool is_sub)
{
	bool is_ok = true;
	json_t *r = json_object();
	if (!r)
		return NULL;
	put(r, "verb.display", copy_or_null(json_object_get(json_object_get(st, "verb"), "display")), &is_ok);
	const json_t *obj = json_object_get(st, "object");
	const char *type = json_string_value(json_object_get(obj, "objectType"));
	if (!type || strcmp(type, "Activity") == 0)
		put(r, "object.definition", copy_or_null(json_object_get(obj, "definition")), &is_ok);
	else if (!is_sub && strcmp(type, "SubStatement") == 0)
		put(r, "object", signed_extra(obj, true), &is_ok);
	/* One context activity is a list of one, as the stored form writes it. */
	const json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
	const char *key;
	const json_t *v;
	json_t *defs = json_object();
	put(r, "context.definitions", defs, &is_ok);
	json_object_foreach ((json_t *)ca, key, v) {
		if (!is_ok)
			break;
		json_t *list = json_array();
		put(defs, key, list, &is_ok);
		size_t n = json_is_array(v) ? json_array_size(v) : 1;
		for (size_t i = 0; is_ok && i < n; i++) {
			const json_t *a = json_is_array(v) ? json_array_get(v, i) : v;
			append(list, copy_or_null(json_object_get(a, "definition")), &is_ok);
		}
	}
	json_t *attachments = json_array();
	put(r, "attachments", attachments, &is_ok);
	size_t i;
	json_array_foreach (json_object_get(st, "attachments"), i, v) {
		if (!is_ok)
			break;
		if (!is_sub && is_signature(v))
			continue;
		json_t *a = json_deep_copy(v);
		append(attachments, a, &is_ok);
		const char *sha2 = is_ok ? json_string_value(json_object_get(a, "sha2")) : NULL;
		if (sha2) {
			char *lower = strdup(sha2);
			for (char *p = lower; p && *p; p++)
				if (*p >= 'A' && *p <= 'F')
					*p = (char)(*p - 'A' + 'a');
			put(a, "sha2", lower ? json_string(lower) : NULL, &is_ok);
			free(lower);
		}
	}
	if (!is_ok) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/* The ids of two statements agree when both have one: the LRS gives one to a statement without. */
static bool same_id(const json_t *a, const json_t *b)
{
	const char *x = json_string_value(json_object_get(a, "id"));
	const char *y = json_string_value(json_object_get(b, "id"));
	return !x || !y || strcasecmp(x, y) == 0;
}

/* So do their versions, an absent one being the one the LRS records for it. */
static bool same_version(const json_t *a, const json_t *b)
{
	const char *x = json_string_value(json_object_get(a, "version"));
	const char *y = json_string_value(json_object_get(b, "version"));
	return strcmp(x ? x : LRS_STATEMENT_VERSION_DEFAULT, y ? y : LRS_STATEMENT_VERSION_DEFAULT) == 0;
}

/* Whether payload is the statement it signs (Data 2.6: "the complete Statement before the
 * signature was added", differences from what the LRS does to a statement ignored). */
static enum ll_err signed_same(const json_t *statement, const json_t *payload, bool *ret_same)
{
	json_t *a = comparable(statement), *b = comparable(payload);
	json_t *ea = signed_extra(statement, false), *eb = signed_extra(payload, false);
	enum ll_err err = LL_NOMEM;
	if (a && b && ea && eb) {
		*ret_same = lrs_statement_same(a, b) && value_same(ea, eb) &&
			    same_id(statement, payload) && same_version(statement, payload);
		err = LL_OK;
	}
	json_decref(a);
	json_decref(b);
	json_decref(ea);
	json_decref(eb);
	return err;
}

enum ll_err lrs_signature_verify(const json_t *statement, const void *jws, size_t len, const char *field,
				 struct lrs_signature_result *ret)
{
	struct jws j = { 0 };
	enum ll_err err = LL_OK;
	const char *s = jws;
	if (!field)
		field = "signature";
	/* A signature file may end with a line break that is not part of the JWS. */
	while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len > LRS_JWS_MAX)
		err = refuse(field, "a signature is at most %d bytes", LRS_JWS_MAX);
	if (err == LL_OK)
		err = jws_split(&j, s, len, field);
	if (err == LL_OK)
		err = jws_json(j.header_b64, j.header_b64_len, JWS_HEADER_DEPTH, "header", field, &j.header);
	if (err == LL_OK)
		err = jws_alg(&j, field);
	if (err == LL_OK)
		err = jws_chain(&j, field);
	if (err == LL_OK) {
		err = b64_decode(j.sig_b64, j.sig_b64_len, true, &j.sig, &j.sig_len);
		if (err == LL_INVALID_VALUE)
			err = refuse(field, "the JWS signature is not base64url");
	}
	if (err == LL_OK)
		err = jws_json(j.payload_b64, j.payload_b64_len, JWS_PAYLOAD_DEPTH, "payload", field, &j.payload);
	if (err == LL_OK && j.n_chain > 0)
		err = jws_verify(&j, field);
	bool is_same = false;
	if (err == LL_OK)
		err = signed_same(statement, j.payload, &is_same);
	if (err == LL_OK && !is_same)
		err = refuse(field, "the JWS payload is not the statement it signs");
	if (err == LL_OK) {
		snprintf(ret->alg, sizeof(ret->alg), "%s", j.alg->name);
		ret->has_key = j.n_chain > 0;
		ret->is_verified = j.n_chain > 0;
	}
	jws_release(&j);
	ERR_clear_error(); /* what OpenSSL queued on the way is ours to clear, not a later caller's */
	return err;
}
