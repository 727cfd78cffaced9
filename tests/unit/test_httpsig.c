/*
 * HTTP Message Signatures (src/federation/httpsig.c): RFC 9421 Appendix B.2.6 byte for byte (the
 * signature base of its test request, and the Ed25519 signature of test-key-ed25519 over it),
 * verifying that signature as another implementation wrote it, and what verifying refuses: a
 * changed covered field, a component required but not covered, a signature too old, from the
 * future or expired, an unknown key, another algorithm, a missing or malformed field. Content-
 * Digest as RFC 9530's example gives it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/crypto.h"
#include "federation/httpsig.h"

/* RFC 9421 B.1.4: test-key-ed25519, its seed and public key. */
#define SEED_HEX "9f8362f87a484a954e6e740c5b4c0e84229139a20aa8ab56ff66586f6a7d29c5"
#define PK_HEX "26b40b8f93fff3d897112f7ebc582b232dbd72517d082fe83cfb30ddce43d1bb"
#define B26_SIGNATURE "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw=="
#define CREATED 1618884473

static const char B26_BASE[] =
	"\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
	"\"@method\": POST\n"
	"\"@path\": /foo\n"
	"\"@authority\": example.com\n"
	"\"content-type\": application/json\n"
	"\"content-length\": 18\n"
	"\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\")"
	";created=1618884473;keyid=\"test-key-ed25519\"";

/* The test request of RFC 9421 B.2, with room for the signature fields. */
struct request {
	const char *names[12];
	const char *values[12];
	int n;
};

static const char *header_of(void *ctx, const char *name)
{
	const struct request *r = ctx;
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->names[i], name) == 0)
			return r->values[i];
	return NULL;
}

static void set(struct request *r, const char *name, const char *value)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->names[i], name) == 0) {
			r->values[i] = value;
			return;
		}
	r->names[r->n] = name;
	r->values[r->n++] = value;
}

static struct request test_request(void)
{
	struct request r = { 0 };
	set(&r, "host", "example.com");
	set(&r, "date", "Tue, 20 Apr 2021 02:07:55 GMT");
	set(&r, "content-type", "application/json");
	set(&r, "content-digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:");
	set(&r, "content-length", "18");
	return r;
}

static struct httpsig_message message_of(struct request *r)
{
	return (struct httpsig_message){ .method = "POST", .authority = "example.com", .path = "/foo",
					 .query = "?param=Value&Pet=dog", .header = header_of, .ctx = r };
}

static struct httpsig_params b26_params(void)
{
	return (struct httpsig_params){ .components = { "date", "@method", "@path", "@authority", "content-type",
							"content-length" },
					.n_components = 6, .created = CREATED, .keyid = "test-key-ed25519" };
}

static void keys(unsigned char pk[32], unsigned char sk[64])
{
	unsigned char seed[32];
	assert_true(crypto_unhex(SEED_HEX, seed, sizeof(seed)));
	crypto_sign_seed_keypair(pk, sk, seed);
	unsigned char want[32];
	assert_true(crypto_unhex(PK_HEX, want, sizeof(want)));
	assert_memory_equal(pk, want, 32);
}

static bool key_of(void *ctx, const char *keyid, unsigned char pk[32])
{
	if (strcmp(keyid, "test-key-ed25519") != 0)
		return false;
	memcpy(pk, ctx, 32);
	return true;
}

static void test_rfc9421_b26_base_and_signature(void **state)
{
	struct request r = test_request();
	struct httpsig_message msg = message_of(&r);
	struct httpsig_params p = b26_params();
	struct buf base, params;
	buf_init(&base);
	buf_init(&params);
	assert_int_equal(httpsig_base(&msg, &p, &base, &params), LL_OK);
	buf_putc(&base, '\0');
	assert_string_equal(base.data, B26_BASE);
	buf_release(&base);
	buf_release(&params);

	unsigned char pk[32], sk[64];
	keys(pk, sk);
	char *input = NULL, *signature = NULL;
	assert_int_equal(httpsig_sign(&msg, &p, "sig-b26", sk, &input, &signature), LL_OK);
	assert_string_equal(input, "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" "
				   "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"");
	assert_string_equal(signature, "sig-b26=:" B26_SIGNATURE ":");
	free(input);
	free(signature);
}

static enum ll_err verify_at(struct request *r, const char *const *required, int n, int64_t now,
			     struct httpsig_verified *v)
{
	unsigned char pk[32], sk[64];
	keys(pk, sk);
	struct httpsig_message msg = message_of(r);
	return httpsig_verify(&msg, "sig-b26", required, n, now, 300, 60, key_of, pk, v);
}

static const char *const REQUIRED[] = { "@method", "@path", "@authority", "content-type" };

static void test_rfc9421_b26_as_sent_verifies(void **state)
{
	struct request r = test_request();
	/* As the RFC's example sends it, with a second signature beside it. */
	set(&r, "signature-input", "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" "
				   "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\", "
				   "other=(\"@method\");created=1618884473;keyid=\"x\"");
	set(&r, "signature", "other=:AAAA:, sig-b26=:" B26_SIGNATURE ":");
	struct httpsig_verified v;
	assert_int_equal(verify_at(&r, REQUIRED, 4, CREATED + 10, &v), LL_OK);
	assert_string_equal(v.keyid, "test-key-ed25519");
	assert_int_equal(v.params.created, CREATED);
	assert_int_equal(v.params.n_components, 6);
	assert_string_equal(v.params.components[5], "content-length");

	/* A covered field changed: the signature no longer matches. */
	set(&r, "content-length", "19");
	assert_int_equal(verify_at(&r, REQUIRED, 4, CREATED + 10, &v), LL_UNAUTHENTICATED);
	assert_string_equal(ll_error_get(LL_UNAUTHENTICATED)->field, "signature");
	set(&r, "content-length", "18");
	/* A field the signature does not cover may change. */
	set(&r, "content-digest", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
	assert_int_equal(verify_at(&r, REQUIRED, 4, CREATED + 10, &v), LL_OK);
	/* ... unless the verifier requires it. */
	const char *const digest[] = { "content-digest" };
	assert_int_equal(verify_at(&r, digest, 1, CREATED + 10, &v), LL_UNAUTHENTICATED);
	assert_string_equal(ll_error_get(LL_UNAUTHENTICATED)->field, "signature-input");
}

static void test_sign_then_verify_with_nonce_and_window(void **state)
{
	unsigned char pk[32], sk[64];
	keys(pk, sk);
	struct request r = test_request();
	struct httpsig_message msg = message_of(&r);
	struct httpsig_params p = { .components = { "@method", "@authority", "@path", "@query", "content-digest" },
				    .n_components = 5, .created = 2000000000, .expires = 2000000300,
				    .nonce = "b3k2pp5k7z-50gnwp.yemd", .alg = "ed25519", .keyid = "test-key-ed25519",
				    .tag = "lifelong-node" };
	char *input = NULL, *signature = NULL;
	assert_int_equal(httpsig_sign(&msg, &p, "sig1", sk, &input, &signature), LL_OK);
	/* The field values carry their label. */
	set(&r, "signature-input", input);
	set(&r, "signature", signature);
	struct httpsig_verified v;
	const char *const required[] = { "@method", "@path", "content-digest" };
	assert_int_equal(httpsig_verify(&msg, "sig1", required, 3, 2000000010, 300, 60, key_of, pk, &v), LL_OK);
	assert_string_equal(v.nonce, "b3k2pp5k7z-50gnwp.yemd");
	assert_string_equal(v.tag, "lifelong-node");
	assert_int_equal(v.params.expires, 2000000300);
	/* Too old, from the future beyond the clock skew allowed, or expired. */
	assert_int_equal(httpsig_verify(&msg, "sig1", required, 3, 2000000000 + 361, 300, 60, key_of, pk, &v),
			 LL_UNAUTHENTICATED);
	assert_int_equal(httpsig_verify(&msg, "sig1", required, 3, 2000000000 - 61, 300, 60, key_of, pk, &v),
			 LL_UNAUTHENTICATED);
	assert_int_equal(httpsig_verify(&msg, "sig1", required, 3, 2000000300 + 61, 600, 60, key_of, pk, &v),
			 LL_UNAUTHENTICATED);
	/* Another query: @query is covered. */
	msg.query = "?param=Value&Pet=cat";
	assert_int_equal(httpsig_verify(&msg, "sig1", required, 3, 2000000010, 300, 60, key_of, pk, &v),
			 LL_UNAUTHENTICATED);
	msg.query = "?param=Value&Pet=dog";
	/* An unknown label, an unknown key, a signature of another key. */
	assert_int_equal(httpsig_verify(&msg, "sig2", required, 3, 2000000010, 300, 60, key_of, pk, &v),
			 LL_UNAUTHENTICATED);
	unsigned char other_pk[32], other_sk[64];
	crypto_sign_keypair(other_pk, other_sk);
	assert_int_equal(httpsig_verify(&msg, "sig1", required, 3, 2000000010, 300, 60, key_of, other_pk, &v),
			 LL_UNAUTHENTICATED);
	free(input);
	free(signature);
}

static void test_malformed_fields_are_refused(void **state)
{
	const char *const inputs[] = {
		"sig-b26=(\"date\" \"@method\");created=1618884473;keyid=\"test-key-ed25519\";alg=\"rsa-pss-sha512\"",
		"sig-b26=(\"date\" \"@method\";created=1618884473;keyid=\"test-key-ed25519\"",
		"sig-b26=(\"date\" \"@method\");created=x;keyid=\"test-key-ed25519\"",
		"sig-b26=(\"date\" \"@method\");keyid=\"test-key-ed25519\"",
		"sig-b26=(\"date\" \"@method\");created=1618884473;unknown=1;keyid=\"test-key-ed25519\"",
		"sig-b26=(\"Date\");created=1618884473;keyid=\"test-key-ed25519\"",
		"sig-b26=(\"@nothing\");created=1618884473;keyid=\"test-key-ed25519\"",
		"sig-b26=(\"x-absent\");created=1618884473;keyid=\"test-key-ed25519\"",
		NULL,
	};
	struct httpsig_verified v;
	for (int i = 0; inputs[i]; i++) {
		struct request r = test_request();
		set(&r, "signature-input", inputs[i]);
		set(&r, "signature", "sig-b26=:" B26_SIGNATURE ":");
		if (verify_at(&r, NULL, 0, CREATED, &v) != LL_UNAUTHENTICATED)
			fail_msg("accepted: %s", inputs[i]);
	}
	const char *const signatures[] = { "sig-b26=" B26_SIGNATURE, "sig-b26=:AAAA:", "sig-b26=:!!!:", NULL };
	for (int i = 0; signatures[i]; i++) {
		struct request r = test_request();
		set(&r, "signature-input", "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" "
					   "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"");
		set(&r, "signature", signatures[i]);
		if (verify_at(&r, NULL, 0, CREATED, &v) != LL_UNAUTHENTICATED)
			fail_msg("accepted: %s", signatures[i]);
	}
	struct request r = test_request();
	assert_int_equal(verify_at(&r, NULL, 0, CREATED, &v), LL_UNAUTHENTICATED);
}

static void test_signing_refuses_what_it_cannot_write(void **state)
{
	unsigned char pk[32], sk[64];
	keys(pk, sk);
	struct request r = test_request();
	struct httpsig_message msg = message_of(&r);
	char *input = NULL, *signature = NULL;
	struct httpsig_params p = b26_params();
	p.keyid = "quote\"in";
	assert_int_equal(httpsig_sign(&msg, &p, "sig1", sk, &input, &signature), LL_INVALID_VALUE);
	p = b26_params();
	p.components[1] = "@status"; /* a request has none */
	assert_int_equal(httpsig_sign(&msg, &p, "sig1", sk, &input, &signature), LL_INVALID_VALUE);
	p = b26_params();
	p.components[1] = "date";
	assert_int_equal(httpsig_sign(&msg, &p, "sig1", sk, &input, &signature), LL_INVALID_VALUE);
	assert_int_equal(httpsig_sign(&msg, &p, "Sig", sk, &input, &signature), LL_INVALID_VALUE);
	assert_null(input);
	assert_null(signature);
	/* A response: its status. */
	struct httpsig_message resp = { .status = 200, .header = header_of, .ctx = &r };
	struct httpsig_params rp = { .components = { "@status", "content-type" }, .n_components = 2, .created = 1,
				     .keyid = "test-key-ed25519" };
	assert_int_equal(httpsig_sign(&resp, &rp, "sig1", sk, &input, &signature), LL_OK);
	free(input);
	free(signature);
}

static void test_content_digest_of_rfc9530s_example(void **state)
{
	char d[HTTPSIG_DIGEST_MAX];
	httpsig_content_digest("{\"hello\": \"world\"}", 18, d);
	assert_string_equal(d, "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc9421_b26_base_and_signature),
		cmocka_unit_test(test_rfc9421_b26_as_sent_verifies),
		cmocka_unit_test(test_sign_then_verify_with_nonce_and_window),
		cmocka_unit_test(test_malformed_fields_are_refused),
		cmocka_unit_test(test_signing_refuses_what_it_cannot_write),
		cmocka_unit_test(test_content_digest_of_rfc9530s_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
