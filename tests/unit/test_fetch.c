/*
 * Fetching other issuers' documents without a network: the address a did:web DID names (did:web
 * §3.2: a port percent-encoded, a path of colon-separated segments, /.well-known without one; http
 * only for a host named local), DIDs that name nothing fetchable, and the refusals that come
 * before any byte is sent: plain http to a host not named local, and https to an address of this
 * machine or a private network (loopback, RFC 1918, link-local), whatever name leads there. And
 * issuers whose key is in their DID (did:key, did:jwk): their documents made without a fetch, and
 * a credential of such an issuer verified, changed and signed by another key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/crypto.h"
#include "credentials/credentials.h"
#include "http/fetch.h"

static const char *const LOCAL[] = { "127.0.0.1", "credit.bank.internal" };
static const struct fetch_policy POLICY = { .local_hosts = LOCAL, .n_local_hosts = 2, .timeout_ms = 2000 };

static void assert_url(const char *did, const char *want)
{
	char url[CRED_URL_MAX];
	assert_int_equal(cred_did_web_url(did, &POLICY, url), LL_OK);
	assert_string_equal(url, want);
}

static void test_did_web_names_its_document(void **state)
{
	assert_url("did:web:lifelong.js.cn", "https://lifelong.js.cn/.well-known/did.json");
	assert_url("did:web:lifelong.zj.cn%3A8443", "https://lifelong.zj.cn:8443/.well-known/did.json");
	assert_url("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json");
	assert_url("did:web:127.0.0.1%3A18080", "http://127.0.0.1:18080/.well-known/did.json");
	assert_url("did:web:credit.bank.internal", "http://credit.bank.internal/.well-known/did.json");
}

static void test_other_dids_name_nothing_to_fetch(void **state)
{
	char url[CRED_URL_MAX];
	const char *const bad[] = { "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "did:web:", "https://x.cn",
				    "did:web:evil.cn%2F..%2F", "did:web:a b.cn", "did:web:host.cn:pa th", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(cred_did_web_url(bad[i], &POLICY, url), LL_INVALID_VALUE);
	assert_int_equal(cred_did_web_url(NULL, &POLICY, url), LL_INVALID_VALUE);
}

static void assert_refused(const char *url, const char *reason)
{
	struct fetched f;
	assert_int_equal(fetch_get(&POLICY, url, "application/json", &f), LL_IO);
	assert_null(f.body);
	const char *msg = ll_error_get(LL_IO)->message;
	if (!strstr(msg, reason))
		fail_msg("%s: \"%s\" does not say \"%s\"", url, msg, reason);
}

static void test_plain_http_is_only_for_local_hosts(void **state)
{
	assert_refused("http://lifelong.js.cn/.well-known/did.json", "only https");
	assert_refused("ftp://127.0.0.1/x", "only https");
	assert_refused("file:///etc/passwd", "only https");
}

static void test_addresses_inside_are_refused_before_connecting(void **state)
{
	assert_refused("https://127.0.0.2:9/.well-known/did.json", "inside this network");
	assert_refused("https://10.1.2.3:9/x", "inside this network");
	assert_refused("https://192.168.0.1:9/x", "inside this network");
	assert_refused("https://172.16.5.4:9/x", "inside this network");
	assert_refused("https://169.254.169.254/latest/meta-data", "inside this network");
	assert_refused("https://[::1]:9/x", "inside this network");
	assert_refused("https://[fd00::1]:9/x", "inside this network");
	assert_refused("https://[::ffff:127.0.0.1]:9/x", "inside this network");
	/* A name that resolves to loopback is refused as its address would be. */
	assert_refused("https://localhost:9/x", "inside this network");
	/* IPv6 forms that carry an IPv4 address, reserved and benchmarking ranges. */
	assert_refused("https://[::127.0.0.1]:9/x", "inside this network");
	assert_refused("https://[64:ff9b::7f00:1]:9/x", "inside this network");
	assert_refused("https://[2002:7f00:1::1]:9/x", "inside this network");
	assert_refused("https://[fec0::1]:9/x", "inside this network");
	assert_refused("https://240.0.0.1:9/x", "inside this network");
	assert_refused("https://198.18.0.1:9/x", "inside this network");
	assert_refused("https://192.0.0.8:9/x", "inside this network");
}

static void test_an_address_with_a_user_is_never_fetched(void **state)
{
	/* The host curl connects to follows the "@": a local issuer's name before it proves nothing. */
	assert_refused("http://127.0.0.1:x@169.254.169.254/latest/meta-data/", "user or password");
	assert_refused("https://credit.bank.internal@10.0.0.1/", "user or password");
	assert_refused("http://credit.bank.internal:80\\@10.0.0.1/", "user or password");
}

/* did:key of the Ed25519 key of the seed 32 × 0x07 (computed with node:crypto and base58btc). */
#define SEED_DID_KEY "did:key:z6MkvDqGT54cXesYGvABpF1UapVNwjCqRcafi4Px6Thv5T3Z"
#define SEED_PK_HEX "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"

static void assert_document_key(const json_t *doc, const char *did, const char *vm, const char *pk_hex)
{
	assert_string_equal(json_string_value(json_object_get(doc, "id")), did);
	const json_t *m = json_array_get(json_object_get(doc, "verificationMethod"), 0);
	assert_string_equal(json_string_value(json_object_get(m, "id")), vm);
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "assertionMethod"), 0)), vm);
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], want[JOSE_ED25519_PUBLIC_BYTES];
	assert_int_equal(jose_jwk_ed25519_parse(json_object_get(m, "publicKeyJwk"), "jwk", pk), LL_OK);
	assert_true(crypto_unhex(pk_hex, want, sizeof(want)));
	assert_memory_equal(pk, want, sizeof(pk));
}

static void test_did_key_and_did_jwk_carry_their_key(void **state)
{
	struct cred_resolver *r = cred_resolver_new(&POLICY);
	json_t *doc = NULL;
	/* The did:key specification's example Ed25519 key. */
	const char *example = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
	assert_int_equal(cred_resolve_document(r, example, &doc), LL_OK);
	assert_document_key(doc, example,
			    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
			    "#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
			    "2e6fcce36701dc791488e0d0b1745cc1e33a4c1c9fcc41c63bd343dbbe0970e6");
	json_decref(doc);
	/* did:jwk of {"crv":"Ed25519","kty":"OKP","x":<bytes 1 to 32>}. */
	const char *jwk = "did:jwk:eyJjcnYiOiJFZDI1NTE5Iiwia3R5IjoiT0tQIiwieCI6IkFRSURCQVVHQndnSkNnc01EUTRQRUJFU0V4"
			  "UVZGaGNZR1JvYkhCMGVIeUEifQ";
	assert_int_equal(cred_resolve_document(r, jwk, &doc), LL_OK);
	char vm[256];
	snprintf(vm, sizeof(vm), "%s#0", jwk);
	assert_document_key(doc, jwk, vm, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
	json_decref(doc);
	char seed_vm[160];
	snprintf(seed_vm, sizeof(seed_vm), "%s#%s", SEED_DID_KEY, SEED_DID_KEY + 8);
	assert_int_equal(cred_resolve_document(r, SEED_DID_KEY, &doc), LL_OK);
	assert_document_key(doc, SEED_DID_KEY, seed_vm, SEED_PK_HEX);
	json_decref(doc);
	/* Keys of another kind, broken encodings and other methods hold no key. */
	const char *const bad[] = { "did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc", /* X25519 */
				    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do0", /* 0 is not base58 */
				    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doKK", "did:jwk:eyJrdHkiOiJFQyJ9",
				    "did:jwk:!!", "did:example:123", NULL };
	for (int i = 0; bad[i]; i++) {
		doc = NULL;
		assert_int_equal(cred_resolve_document(r, bad[i], &doc), LL_INVALID_VALUE);
		assert_null(doc);
	}
	cred_resolver_free(r);
}

/* A credential of a did:key issuer, signed here with that key. */
static char *signed_by_seed(const char *did, const char *kid_did, const unsigned char sk[64], const char *name)
{
	char kid[160];
	snprintf(kid, sizeof(kid), "%s#%s", kid_did, kid_did + 8);
	json_t *header = json_pack("{s:s, s:s, s:s}", "alg", "EdDSA", "kid", kid, "typ", "vc+jwt");
	json_t *vc = json_pack("{s:[s], s:[s, s], s:s, s:s, s:{s:s}}", "@context", "https://www.w3.org/ns/credentials/v2",
			       "type", "VerifiableCredential", "OpenBadgeCredential", "issuer", did, "name", name,
			       "credentialSubject", "id", "did:example:learner");
	char *payload = json_dumps(vc, JSON_COMPACT), *jws = NULL;
	assert_int_equal(jose_jws_sign_ed25519(header, payload, strlen(payload), sk, &jws), LL_OK);
	free(payload);
	json_decref(vc);
	json_decref(header);
	return jws;
}

static const char *status_in(const json_t *report, const char *check)
{
	size_t i;
	const json_t *c;
	json_array_foreach (json_object_get(report, "checks"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "check")), check) == 0)
			return json_string_value(json_object_get(c, "status"));
	return "";
}

static void test_a_did_key_issuers_credential_verifies_without_a_fetch(void **state)
{
	unsigned char seed[32], pk[32], sk[64], other_pk[32], other_sk[64];
	memset(seed, 7, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_keypair(other_pk, other_sk);
	struct cred_issuer us;
	assert_int_equal(cred_issuer_init("https://lifelong.sh.cn", &us), LL_OK);
	/* No local issuer hosts and a time limit of a millisecond: any fetch would fail. */
	static const struct fetch_policy OFFLINE = { .timeout_ms = 1 };
	struct cred_resolver *r = cred_resolver_new(&OFFLINE);
	char *jws = signed_by_seed(SEED_DID_KEY, SEED_DID_KEY, sk, "Python 程序设计");
	json_t *report = NULL;
	assert_int_equal(cred_verify_online(NULL, NULL, &us, r, jws, 1700000000000000LL, &report), LL_OK);
	assert_true(json_is_true(json_object_get(report, "is_valid")));
	assert_string_equal(status_in(report, "signature"), "passed");
	assert_string_equal(status_in(report, "status"), "not_checked");
	json_decref(report);
	free(jws);
	/* Signed by another key under the same DID: the signature fails. */
	jws = signed_by_seed(SEED_DID_KEY, SEED_DID_KEY, other_sk, "Python 程序设计");
	assert_int_equal(cred_verify_online(NULL, NULL, &us, r, jws, 1700000000000000LL, &report), LL_OK);
	assert_false(json_is_true(json_object_get(report, "is_valid")));
	assert_string_equal(status_in(report, "signature"), "failed");
	json_decref(report);
	free(jws);
	cred_resolver_free(r);
}

int main(void)
{
	if (fetch_init() != LL_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_did_web_names_its_document),
		cmocka_unit_test(test_other_dids_name_nothing_to_fetch),
		cmocka_unit_test(test_plain_http_is_only_for_local_hosts),
		cmocka_unit_test(test_addresses_inside_are_refused_before_connecting),
		cmocka_unit_test(test_an_address_with_a_user_is_never_fetched),
		cmocka_unit_test(test_did_key_and_did_jwk_carry_their_key),
		cmocka_unit_test(test_a_did_key_issuers_credential_verifies_without_a_fetch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
