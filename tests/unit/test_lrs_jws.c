/*
 * Signed statements: JWSs made here with fresh RSA keys and certificates, checked against the
 * statements they sign. A good signature verifies; a changed payload, another statement's
 * payload, another key's signature, a broken chain, a short key, HS256, none, a JWS that is not
 * three base64url parts and a payload that is not JSON are refused with the attachment's path;
 * a signature without a certificate is accepted and reported unverified.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lrs/lrs.h"
#include "json_fixture.h"

#define FIELD "attachments[0]"

#define ACTOR "\"actor\":{\"mbox\":\"mailto:li.hua@example.cn\",\"name\":\"Li Hua\"}"
#define VERB "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\",\"display\":{\"zh-CN\":\"完成\"}}"
#define VERB_OTHER "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/failed\",\"display\":{\"zh-CN\":\"未通过\"}}"
#define OBJECT "\"object\":{\"id\":\"https://learn.shlll.cn/courses/elder-phone-101\"," \
	       "\"definition\":{\"name\":{\"zh-CN\":\"老年人智能手机入门\"}}}"
#define CONTEXT "\"context\":{\"contextActivities\":{\"parent\":{\"id\":\"https://learn.shlll.cn/programs/digital\"}}}"
#define ID "\"id\":\"6690d9a4-4c57-4a4e-9a4f-0e1d2c3b4a59\""
#define TIMESTAMP "\"timestamp\":\"2026-03-01T08:00:00.123+08:00\""
/* The statement a client signs: whole, with its id, before the signature is attached. */
#define PAYLOAD "{" ID "," ACTOR "," VERB "," OBJECT "," CONTEXT "," TIMESTAMP "}"

#define SIGNATURE_ATTACHMENT                                                                      \
	"{\"usageType\":\"http://adlnet.gov/expapi/attachments/signature\",\"display\":{\"en-US\":" \
	"\"Signature\"},\"contentType\":\"application/octet-stream\",\"length\":512,\"sha2\":"      \
	"\"672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634\"}"
#define PDF_ATTACHMENT                                                                            \
	"{\"usageType\":\"http://id.tincanapi.com/attachment/certificate-of-completion\","         \
	"\"display\":{\"zh-CN\":\"结业证书\"},\"contentType\":\"application/pdf\",\"length\":1024,"  \
	"\"sha2\":\"495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a\"}"

static EVP_PKEY *key_a, *key_b, *key_small;
static X509 *cert_a, *cert_b, *cert_small;

/* Base64 of len bytes; with is_url the JWS form (URL alphabet, no padding). Caller frees. */
static char *b64(const void *data, size_t len, bool is_url)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	assert_non_null(out);
	int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	assert_true(n >= 0);
	if (is_url) {
		for (char *p = out; *p; p++)
			*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
		char *pad = strchr(out, '=');
		if (pad)
			*pad = '\0';
	}
	return out;
}

/* A certificate for key, signed by issuer_key under issuer's name (itself when issuer is NULL). */
static X509 *certificate(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
	assert_int_equal(X509_set_pubkey(x, key), 1);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name), 1);
	assert_true(X509_sign(x, issuer ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

static char *certificate_b64(X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	assert_true(len > 0);
	char *out = b64(der, (size_t)len, false);
	OPENSSL_free(der);
	return out;
}

/* The protected header {"alg":alg, "x5c":[chain…]} as JSON text. Caller frees. */
static char *header(const char *alg, X509 *const *chain, int n)
{
	json_t *h = json_pack("{ss}", "alg", alg);
	if (n > 0) {
		json_t *x5c = json_array();
		for (int i = 0; i < n; i++) {
			char *c = certificate_b64(chain[i]);
			json_array_append_new(x5c, json_string(c));
			free(c);
		}
		json_object_set_new(h, "x5c", x5c);
	}
	char *text = json_dumps(h, JSON_COMPACT);
	json_decref(h);
	return text;
}

/* The base64url RSA signature of "<header_b64>.<payload_b64>" by key with md. Caller frees. */
static char *sign(const char *header_b64, const char *payload_b64, EVP_PKEY *key, const EVP_MD *md)
{
	size_t n = strlen(header_b64) + 1 + strlen(payload_b64);
	char *input = malloc(n + 1);
	assert_non_null(input);
	snprintf(input, n + 1, "%s.%s", header_b64, payload_b64);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sig_len = 0;
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, key), 1);
	assert_int_equal(EVP_DigestSign(ctx, NULL, &sig_len, (unsigned char *)input, n), 1);
	unsigned char *sig = malloc(sig_len);
	assert_non_null(sig);
	assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *)input, n), 1);
	EVP_MD_CTX_free(ctx);
	char *out = b64(sig, sig_len, true);
	free(sig);
	free(input);
	return out;
}

/* A compact JWS of payload (header_json as the header) signed by key with md. Caller frees. */
static char *jws_of(const char *header_json, const char *payload, EVP_PKEY *key, const EVP_MD *md)
{
	char *h = b64(header_json, strlen(header_json), true);
	char *p = b64(payload, strlen(payload), true);
	char *s = sign(h, p, key, md);
	size_t n = strlen(h) + strlen(p) + strlen(s) + 3;
	char *out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%s.%s.%s", h, p, s);
	free(h);
	free(p);
	free(s);
	return out;
}

/* payload signed by key as RS256, with key's certificate (cert, or none when NULL). */
static char *rs256(const char *payload, EVP_PKEY *key, X509 *cert)
{
	char *h = header("RS256", &cert, cert ? 1 : 0);
	char *out = jws_of(h, payload, key, EVP_sha256());
	free(h);
	return out;
}

/* The statement as the LRS receives it: the signed one with the signature attached last. */
static json_t *received(const char *payload)
{
	json_t *st = parse(payload);
	json_t *list = json_object_get(st, "attachments");
	if (!list) {
		list = json_array();
		json_object_set_new(st, "attachments", list);
	}
	json_array_append_new(list, parse(SIGNATURE_ATTACHMENT));
	return st;
}

static enum ll_err verify(const json_t *statement, const char *jws, struct lrs_signature_result *ret)
{
	ll_error_clear();
	return lrs_signature_verify(statement, jws, strlen(jws), FIELD, ret);
}

/* Checks that jws is refused for statement with the attachment's path and a message that says
 * what, as why. */
static void assert_refused(const json_t *statement, const char *jws, const char *why)
{
	struct lrs_signature_result r = { .alg = "unset" };
	enum ll_err err = verify(statement, jws, &r);
	if (err != LL_INVALID_VALUE)
		fail_msg("expected a refusal (%s), got %d", why, (int)err);
	const struct ll_error *e = ll_error_get(err);
	assert_string_equal(e->field, FIELD);
	if (!strstr(e->message, why))
		fail_msg("the message '%s' does not say '%s'", e->message, why);
	assert_string_equal(r.alg, "unset"); /* nothing written on failure */
}

static int setup(void **state)
{
	key_a = EVP_RSA_gen(2048);
	key_b = EVP_RSA_gen(2048);
	key_small = EVP_RSA_gen(1024);
	if (!key_a || !key_b || !key_small)
		return -1;
	cert_a = certificate(key_a, "platform-a.example.cn", NULL, NULL);
	cert_b = certificate(key_b, "platform-b.example.cn", NULL, NULL);
	cert_small = certificate(key_small, "small.example.cn", NULL, NULL);
	return 0;
}

static int teardown(void **state)
{
	X509_free(cert_a);
	X509_free(cert_b);
	X509_free(cert_small);
	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
	EVP_PKEY_free(key_small);
	return 0;
}

static void test_a_good_signature_with_a_certificate_verifies(void **state)
{
	json_t *st = received(PAYLOAD);
	char *jws = rs256(PAYLOAD, key_a, cert_a);
	struct lrs_signature_result r = { 0 };
	assert_int_equal(verify(st, jws, &r), LL_OK);
	assert_string_equal(r.alg, "RS256");
	assert_true(r.has_key);
	assert_true(r.is_verified);

	/* The stored form (authority set, version added, contextActivities as arrays) is the same
	 * statement too. */
	json_t *authority = parse("{\"objectType\":\"Agent\",\"account\":{\"homePage\":"
				  "\"https://lifelong.sh.cn/xapi/clients\",\"name\":\"k1\"}}");
	struct lrs_stamp stamp = { .authority = authority, .id = "01a20bb3-0585-75f0-8be1-aa12d730ffd8" };
	struct lrs_statement checked;
	assert_int_equal(lrs_statement_check(st, "", &stamp, &checked), LL_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(verify(checked.json, jws, &r), LL_OK);
	assert_true(r.is_verified);
	lrs_statement_release(&checked);
	json_decref(authority);

	/* A line break after the JWS in the attachment's data is not part of it; NULL names the field
	 * "signature". */
	size_t n = strlen(jws);
	char *with_crlf = malloc(n + 3);
	assert_non_null(with_crlf);
	snprintf(with_crlf, n + 3, "%s\r\n", jws);
	assert_int_equal(lrs_signature_verify(st, with_crlf, n + 2, NULL, &r), LL_OK);
	with_crlf[0] = '!';
	assert_int_equal(lrs_signature_verify(st, with_crlf, n + 2, NULL, &r), LL_INVALID_VALUE);
	assert_string_equal(ll_error_get(LL_INVALID_VALUE)->field, "signature");
	free(with_crlf);
	free(jws);

	/* RS512 and a chain whose root signed the signing certificate. */
	X509 *leaf = certificate(key_a, "leaf.example.cn", cert_b, key_b);
	X509 *chain[] = { leaf, cert_b };
	char *h = header("RS512", chain, 2);
	jws = jws_of(h, PAYLOAD, key_a, EVP_sha512());
	assert_int_equal(verify(st, jws, &r), LL_OK);
	assert_string_equal(r.alg, "RS512");
	assert_true(r.is_verified);
	free(jws);
	free(h);
	/* The same certificates in the wrong order do not form a chain. */
	X509 *reversed[] = { cert_b, leaf };
	h = header("RS512", reversed, 2);
	jws = jws_of(h, PAYLOAD, key_b, EVP_sha512());
	assert_refused(st, jws, "x5c[0] is not signed by x5c[1]");
	free(jws);
	free(h);
	X509_free(leaf);
	json_decref(st);
}

static void test_without_a_certificate_it_is_accepted_unverified(void **state)
{
	/* What the conformance suite sends: {"alg":"RS256"} and nothing to verify with. */
	json_t *st = received(PAYLOAD);
	char *jws = rs256(PAYLOAD, key_b, NULL);
	struct lrs_signature_result r = { .has_key = true, .is_verified = true };
	assert_int_equal(verify(st, jws, &r), LL_OK);
	assert_string_equal(r.alg, "RS256");
	assert_false(r.has_key);
	assert_false(r.is_verified);
	free(jws);
	json_decref(st);
}

static void test_a_changed_payload_does_not_verify(void **state)
{
	/* One byte of the payload changed ("Li Hua" becomes "Li Hub") after it was signed, and the
	 * statement sent changed with it, so only the signature can tell. */
	const char *changed = "{" ID ",\"actor\":{\"mbox\":\"mailto:li.hua@example.cn\",\"name\":\"Li Hub\"},"
			      VERB "," OBJECT "," CONTEXT "," TIMESTAMP "}";
	assert_int_equal(strlen(changed), strlen(PAYLOAD));
	char *h = header("RS256", &cert_a, 1);
	char *h64 = b64(h, strlen(h), true);
	char *p64 = b64(PAYLOAD, strlen(PAYLOAD), true);
	char *sig = sign(h64, p64, key_a, EVP_sha256());
	char *changed64 = b64(changed, strlen(changed), true);
	char jws[16384];
	snprintf(jws, sizeof(jws), "%s.%s.%s", h64, changed64, sig);
	json_t *st = received(changed);
	assert_refused(st, jws, "does not verify");
	json_decref(st);

	/* A byte of the compact form changed, whatever it breaks, is refused too. */
	st = received(PAYLOAD);
	snprintf(jws, sizeof(jws), "%s.%s.%s", h64, p64, sig);
	struct lrs_signature_result r;
	assert_int_equal(verify(st, jws, &r), LL_OK);
	char *p = jws + strlen(h64) + 1 + strlen(p64) / 2;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(verify(st, jws, &r), LL_INVALID_VALUE);
	json_decref(st);
	free(h);
	free(h64);
	free(p64);
	free(sig);
	free(changed64);
}

static void test_another_statements_payload_does_not_match(void **state)
{
	const char *other = "{" ID "," ACTOR "," VERB_OTHER "," OBJECT "," CONTEXT "," TIMESTAMP "}";
	json_t *st = received(PAYLOAD);
	char *jws = rs256(other, key_a, cert_a);
	assert_refused(st, jws, "the JWS payload is not the statement it signs");
	free(jws);
	jws = rs256(other, key_a, NULL);
	assert_refused(st, jws, "the JWS payload is not the statement it signs");
	free(jws);
	json_decref(st);
}

static void test_another_keys_signature_does_not_verify(void **state)
{
	json_t *st = received(PAYLOAD);
	char *jws = rs256(PAYLOAD, key_b, cert_a);
	assert_refused(st, jws, "does not verify");
	free(jws);
	json_decref(st);
}

static void test_algorithms_xapi_does_not_allow_are_refused(void **state)
{
	json_t *st = received(PAYLOAD);
	static const struct {
		const char *header, *why;
	} algs[] = {
		{ "{\"alg\":\"HS256\"}", "xAPI signatures use alg RS256, RS384 or RS512, not HS256" },
		{ "{\"alg\":\"none\"}", "not none" },
		{ "{\"alg\":\"PS256\"}", "not PS256" },
		{ "{\"alg\":\"ES256\"}", "not ES256" },
		{ "{\"alg\":\"rs256\"}", "not rs256" },
		{ "{\"alg\":\"RS256RS256RS256RS256\"}", "not this one" },
		{ "{\"alg\":\"签名算法\"}", "not this one" },
		{ "{\"alg\":[\"RS256\"]}", "names no alg" },
	};
	char *p64 = b64(PAYLOAD, strlen(PAYLOAD), true);
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		char *h64 = b64(algs[i].header, strlen(algs[i].header), true);
		char jws[8192];
		snprintf(jws, sizeof(jws), "%s.%s.c2lnbmF0dXJl", h64, p64); /* any signature bytes */
		assert_refused(st, jws, algs[i].why);
		free(h64);
	}
	char *jws = jws_of("{\"typ\":\"JWT\"}", PAYLOAD, key_a, EVP_sha256());
	assert_refused(st, jws, "names no alg");
	free(jws);
	jws = jws_of("{\"alg\":\"RS256\",\"crit\":[\"b64\"],\"b64\":false}", PAYLOAD, key_a, EVP_sha256());
	assert_refused(st, jws, "crit");
	free(jws);
	free(p64);
	json_decref(st);
}

static void test_a_jws_that_is_not_three_base64url_parts_is_refused(void **state)
{
	json_t *st = received(PAYLOAD);
	char *good = rs256(PAYLOAD, key_a, cert_a);
	const char *dot1 = strchr(good, '.'), *dot2 = strrchr(good, '.');
	char jws[16384];
	static const char *const three[] = { "", "eyJhbGciOiJSUzI1NiJ9", "a.b", "a.b.c.d" };
	for (size_t i = 0; i < sizeof(three) / sizeof(three[0]); i++)
		assert_refused(st, three[i], "three base64url parts");
	snprintf(jws, sizeof(jws), "%.*s", (int)(dot2 - good), good);           /* no signature part */
	assert_refused(st, jws, "three base64url parts");
	snprintf(jws, sizeof(jws), "%s.%s", good, dot2 + 1);                    /* four parts */
	assert_refused(st, jws, "three base64url parts");
	snprintf(jws, sizeof(jws), "%.*s.", (int)(dot2 - good), good);          /* an empty signature */
	assert_refused(st, jws, "empty signature");
	snprintf(jws, sizeof(jws), "%.*s+%s", (int)(dot2 + 1 - good), good, dot2 + 2); /* base64, not url */
	assert_refused(st, jws, "signature is not base64url");
	snprintf(jws, sizeof(jws), "%.*s==", (int)strlen(good), good);          /* padding */
	assert_refused(st, jws, "signature is not base64url");
	snprintf(jws, sizeof(jws), "e30.%s", dot1 + 1);                          /* header {} */
	assert_refused(st, jws, "names no alg");
	snprintf(jws, sizeof(jws), "eyJhbGciOiJSUzI1NiJ9.%s", dot1 + 1 + 1);     /* a payload missing a character */
	assert_int_equal(verify(st, jws, &(struct lrs_signature_result){ 0 }), LL_INVALID_VALUE);
	snprintf(jws, sizeof(jws), "W10%s", dot1);                               /* header [] */
	assert_refused(st, jws, "header is not a JSON object");
	snprintf(jws, sizeof(jws), "eyJhbGci%s", dot1);                          /* header {"alg */
	assert_refused(st, jws, "header is not JSON");
	free(good);
	json_decref(st);
}

static void test_a_payload_that_is_not_json_is_refused(void **state)
{
	/* The suite's breakJson: the payload's first quote made an apostrophe. */
	char broken[sizeof(PAYLOAD)];
	memcpy(broken, PAYLOAD, sizeof(PAYLOAD));
	*strchr(broken, '"') = '\'';
	json_t *st = received(PAYLOAD);
	char *jws = rs256(broken, key_a, NULL);
	assert_refused(st, jws, "the JWS payload is not JSON (line 1, column");
	free(jws);
	jws = rs256(broken, key_a, cert_a);
	assert_refused(st, jws, "the JWS payload is not JSON");
	free(jws);
	jws = rs256("[" PAYLOAD "]", key_a, NULL);
	assert_refused(st, jws, "the JWS payload is not a JSON object");
	free(jws);
	char deep[200] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	for (int i = 0; i < 40; i++)
		strcat(deep, "]");
	jws = rs256(deep, key_a, NULL);
	assert_refused(st, jws, "the JWS payload is JSON nested deeper than");
	free(jws);
	json_decref(st);
}

static void test_certificates_are_checked(void **state)
{
	json_t *st = received(PAYLOAD);
	static const struct {
		const char *header, *why;
	} bad[] = {
		{ "{\"alg\":\"RS256\",\"x5c\":[]}", "x5c is a list of 1 to" },
		{ "{\"alg\":\"RS256\",\"x5c\":\"MIIB\"}", "x5c is a list of 1 to" },
		{ "{\"alg\":\"RS256\",\"x5c\":[\"not base64!\"]}", "x5c[0] is not a certificate in base64" },
		{ "{\"alg\":\"RS256\",\"x5c\":[\"bm90IGEgY2VydGlmaWNhdGU=\"]}", "x5c[0] is not a DER certificate" },
		{ "{\"alg\":\"RS256\",\"x5c\":[\"bm90IGEgY2VydGlmaWNhdGU\"]}", "x5c[0] is not a certificate in base64" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *jws = jws_of(bad[i].header, PAYLOAD, key_a, EVP_sha256());
		assert_refused(st, jws, bad[i].why);
		free(jws);
	}
	/* Two certificates that have nothing to do with each other are not a chain. */
	X509 *unrelated[] = { cert_a, cert_b };
	char *h = header("RS256", unrelated, 2);
	char *jws = jws_of(h, PAYLOAD, key_a, EVP_sha256());
	assert_refused(st, jws, "x5c[0] is not signed by x5c[1]");
	free(jws);
	free(h);
	/* RS256 needs an RSA key of 2048 bits or more. */
	jws = rs256(PAYLOAD, key_small, cert_small);
	assert_refused(st, jws, "1024 bits");
	free(jws);
	json_decref(st);
}

/* The payload is the same statement as the one received by lrs_statement_same's rules, and also
 * by what those rules leave out but a signature covers. */
static void test_the_payload_is_compared_strictly(void **state)
{
	struct lrs_signature_result r;
	char *jws = rs256(PAYLOAD, key_a, cert_a);
	static const struct {
		const char *why, *statement;
		bool is_same;
	} cases[] = {
		{ "a timestamp at another offset", "{" ID "," ACTOR "," VERB "," OBJECT "," CONTEXT
		  ",\"timestamp\":\"2026-03-01T00:00:00.123Z\"}", true },
		{ "an id in capitals", "{\"id\":\"6690D9A4-4C57-4A4E-9A4F-0E1D2C3B4A59\"," ACTOR "," VERB ","
		  OBJECT "," CONTEXT "," TIMESTAMP "}", true },
		{ "the version the LRS adds", "{" ID "," ACTOR "," VERB "," OBJECT "," CONTEXT "," TIMESTAMP
		  ",\"version\":\"1.0.0\"}", true },
		{ "another id", "{\"id\":\"6690d9a4-4c57-4a4e-9a4f-0e1d2c3b4a50\"," ACTOR "," VERB "," OBJECT
		  "," CONTEXT "," TIMESTAMP "}", false },
		{ "another verb display", "{" ID "," ACTOR ",\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/"
		  "completed\",\"display\":{\"zh-CN\":\"已完成\"}}," OBJECT "," CONTEXT "," TIMESTAMP "}", false },
		{ "another activity definition", "{" ID "," ACTOR "," VERB ",\"object\":{\"id\":\"https://"
		  "learn.shlll.cn/courses/elder-phone-101\",\"definition\":{\"name\":{\"zh-CN\":\"入门\"}}},"
		  CONTEXT "," TIMESTAMP "}", false },
		{ "a context activity with a definition", "{" ID "," ACTOR "," VERB "," OBJECT
		  ",\"context\":{\"contextActivities\":{\"parent\":[{\"id\":\"https://learn.shlll.cn/programs/"
		  "digital\",\"definition\":{\"name\":{\"en\":\"Digital\"}}}]}}," TIMESTAMP "}", false },
		{ "another instant", "{" ID "," ACTOR "," VERB "," OBJECT "," CONTEXT
		  ",\"timestamp\":\"2026-03-01T00:00:00.124Z\"}", false },
		{ "a result the payload lacks", "{" ID "," ACTOR "," VERB "," OBJECT "," CONTEXT "," TIMESTAMP
		  ",\"result\":{\"completion\":true}}", false },
		{ "an attachment the payload lacks", "{" ID "," ACTOR "," VERB "," OBJECT "," CONTEXT ","
		  TIMESTAMP ",\"attachments\":[" PDF_ATTACHMENT "]}", false },
		{ "a version the payload does not have", "{" ID "," ACTOR "," VERB "," OBJECT "," CONTEXT ","
		  TIMESTAMP ",\"version\":\"1.0.3\"}", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *st = received(cases[i].statement);
		enum ll_err err = verify(st, jws, &r);
		if ((err == LL_OK) != cases[i].is_same)
			fail_msg("%s: expected %s, got %d", cases[i].why, cases[i].is_same ? "the same" : "a refusal",
				 (int)err);
		json_decref(st);
	}
	free(jws);

	/* What lrs_statement_same does not compare, a signature does. */
	json_t *a = received(PAYLOAD);
	json_t *b = received(cases[4].statement);
	assert_true(lrs_statement_same(a, b));
	json_decref(a);
	json_decref(b);

	/* The payload's own attachments are the statement's other than the signature, sha2 in any
	 * case; a payload without an id signs a statement the LRS gave one. */
	const char *with_pdf = "{" ACTOR "," VERB "," OBJECT "," CONTEXT ",\"attachments\":[" PDF_ATTACHMENT "]}";
	jws = rs256(with_pdf, key_a, cert_a);
	json_t *st = received(with_pdf);
	json_t *pdf = json_array_get(json_object_get(st, "attachments"), 0);
	json_object_set_new(pdf, "sha2", json_string("495395E777CD98DA653DF9615D09C0FD6BB2F8D4788394CD53C56A3BFDCD848A"));
	json_object_set_new(st, "id", json_string("01a20bb3-0585-75f0-8be1-aa12d730ffd8"));
	assert_int_equal(verify(st, jws, &r), LL_OK);
	assert_true(r.is_verified);
	json_object_set_new(pdf, "length", json_integer(1025));
	assert_refused(st, jws, "the JWS payload is not the statement it signs");
	json_decref(st);
	st = received("{" ACTOR "," VERB "," OBJECT "," CONTEXT "}");
	assert_refused(st, jws, "the JWS payload is not the statement it signs");
	json_decref(st);
	free(jws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_good_signature_with_a_certificate_verifies),
		cmocka_unit_test(test_without_a_certificate_it_is_accepted_unverified),
		cmocka_unit_test(test_a_changed_payload_does_not_verify),
		cmocka_unit_test(test_another_statements_payload_does_not_match),
		cmocka_unit_test(test_another_keys_signature_does_not_verify),
		cmocka_unit_test(test_algorithms_xapi_does_not_allow_are_refused),
		cmocka_unit_test(test_a_jws_that_is_not_three_base64url_parts_is_refused),
		cmocka_unit_test(test_a_payload_that_is_not_json_is_refused),
		cmocka_unit_test(test_certificates_are_checked),
		cmocka_unit_test(test_the_payload_is_compared_strictly),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
