/*
 * Credentials without a database: base64url as JWS uses it (every length round trips; padding,
 * the other alphabet, spaces and stray bits are refused), JWK thumbprints and EdDSA JWSs against
 * the RFC 8037 examples, JWSs that are not three parts of a 64-byte signature refused with their
 * field, a signature over changed bytes that never verifies, the issuer's did:web, and
 * cred_verify's four checks on credentials made here (signed with keys made here, their ledger
 * proofs against a three-leaf tree whose head a ledger key made here signs), with keys found by a
 * callback of this file's or by DID documents. "Now" is always a fixed instant passed in.
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

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/ll_err.h"
#include "base/log.h"
#include "credentials/credentials.h"
#include "ledger/ledger.h"
#include "json_fixture.h"

#define B64URL_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define ISSUER_URL "https://lifelong.sh.cn"
#define DID "did:web:lifelong.sh.cn"

/* RFC 8037 Appendix A: the Ed25519 key of A.1 (d, x), its thumbprint (A.3) and the JWS of A.4. */
#define RFC8037_D "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define RFC8037_X "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define RFC8037_THUMBPRINT "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
#define RFC8037_PAYLOAD "Example of Ed25519 signing"
#define RFC8037_JWS                                               \
	"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." \
	"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"

/* UTC microseconds of y-m-d h:mi:s. */
static int64_t utc_us(int y, unsigned m, unsigned d, int h, int mi, int s)
{
	return (clock_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s) * INT64_C(1000000);
}

/* Noon UTC, 2026-11-23: the "now" of every verification. */
#define NOW utc_us(2026, 11, 23, 12, 0, 0)
#define DAY_US (INT64_C(86400) * 1000000)

static void assert_fails(enum ll_err got, enum ll_err want, const char *field)
{
	if (got != want)
		fail_msg("got %s (%s), want %s", ll_err_code(got), ll_error_get(got)->message, ll_err_code(want));
	if (field)
		assert_string_equal(ll_error_get(got)->field, field);
}

static void assert_ok(enum ll_err err)
{
	if (err != LL_OK)
		fail_msg("failed with %s (%s: %s)", ll_err_code(err), ll_error_get(err)->field, ll_error_get(err)->message);
}

/* s (NUL-terminated) decoded, or NULL when jose_b64url_decode refuses it; *ret_len its length. */
static unsigned char *decoded(const char *s, size_t *ret_len)
{
	static unsigned char sentinel[1];
	unsigned char *out = sentinel;
	size_t len = 99;
	if (!jose_b64url_decode(s, strlen(s), &out, &len)) {
		/* A refusal allocates nothing and says so. */
		assert_null(out);
		assert_int_equal(len, 0);
		return NULL;
	}
	*ret_len = len;
	return out;
}

static bool decodes(const char *s)
{
	size_t len;
	unsigned char *out = decoded(s, &len);
	free(out);
	return out != NULL;
}

/* ---- base64url ---- */

static void test_b64url_round_trips_every_length_without_padding(void **state)
{
	(void)state;
	unsigned char data[300];
	for (size_t n = 0; n <= sizeof(data); n++) {
		randombytes_buf(data, n);
		char *text = jose_b64url_encode(data, n);
		assert_non_null(text);
		/* RFC 7515 §2: no padding, so 4n/3 characters rounded up, of the URL alphabet only. */
		assert_int_equal(strlen(text), (4 * n + 2) / 3);
		assert_int_equal(strspn(text, B64URL_ALPHABET), strlen(text));
		size_t len = 0;
		unsigned char *back = decoded(text, &len);
		assert_non_null(back);
		assert_int_equal(len, n);
		assert_memory_equal(back, data, n);
		assert_int_equal(back[n], '\0');
		free(back);
		free(text);
	}
}

static void test_b64url_encodes_and_decodes_exact_bytes(void **state)
{
	(void)state;
	/* RFC 4648 §10 without its padding, and the two characters that differ from base64. */
	static const struct {
		const char *bytes;
		size_t len;
		const char *text;
	} vectors[] = {
		{ "", 0, "" },           { "f", 1, "Zg" },          { "fo", 2, "Zm8" },
		{ "foo", 3, "Zm9v" },    { "foob", 4, "Zm9vYg" },    { "fooba", 5, "Zm9vYmE" },
		{ "foobar", 6, "Zm9vYmFy" }, { "\xfb\xff", 2, "-_8" }, { "\x00\x00\x00", 3, "AAAA" },
		{ "\xff\xff\xff", 3, "____" }, { "\x00\x10\x83\x10\x51\x87", 6, "ABCDEFGH" },
	};
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		char *text = jose_b64url_encode(vectors[i].bytes, vectors[i].len);
		assert_string_equal(text, vectors[i].text);
		free(text);
		size_t len = 0;
		unsigned char *back = decoded(vectors[i].text, &len);
		assert_non_null(back);
		assert_int_equal(len, vectors[i].len);
		assert_memory_equal(back, vectors[i].bytes, len);
		free(back);
	}
	/* Only the len characters given are decoded. */
	unsigned char *out = NULL;
	size_t len = 0;
	assert_true(jose_b64url_decode("Zm9vYmFy.rest", 4, &out, &len));
	assert_int_equal(len, 3);
	assert_memory_equal(out, "foo", 3);
	free(out);
}

static void test_b64url_refuses_padding_other_alphabets_and_spaces(void **state)
{
	(void)state;
	static const char *const refused[] = {
		"Zg==", "Zg=", "Zm8=", "Zm9v====", "+_8", "-/8", "+/8=", "Zm9v Yg", " Zm9v", "Zm9v ", "Zm9v\n", "Zm9\tv",
		"Zm9v.", "Zm9v%3D", "Z", "Zm9vY", "Zm9vY\xc3\xa9", "*",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (decodes(refused[i]))
			fail_msg("'%s' decoded", refused[i]);
	/* A NUL inside the characters given is not base64url either. */
	unsigned char *out = NULL;
	size_t len = 0;
	assert_false(jose_b64url_decode("Zm\0v", 4, &out, &len));
	assert_null(out);
}

static void test_b64url_decodes_only_the_canonical_spelling_of_trailing_bits(void **state)
{
	(void)state;
	/* One byte is 2 characters (12 bits, 4 of them spare) and two bytes are 3 (18 bits, 2 spare):
	 * of the 64 last characters, only those whose spare bits are zero spell the bytes. */
	int ones = 0, twos = 0;
	for (int c = 0; c < 64; c++) {
		char one[3] = { 'A', B64URL_ALPHABET[c], '\0' };
		size_t len = 0;
		unsigned char *out = decoded(one, &len);
		if ((c & 0x0f) == 0) {
			assert_non_null(out);
			assert_int_equal(len, 1);
			assert_int_equal(out[0], c >> 4);
			ones++;
		} else if (out) {
			fail_msg("'%s' decoded, but its spare bits are not zero", one);
		}
		free(out);
		char two[4] = { 'A', 'A', B64URL_ALPHABET[c], '\0' };
		out = decoded(two, &len);
		if ((c & 0x03) == 0) {
			assert_non_null(out);
			assert_int_equal(len, 2);
			assert_int_equal(out[0], 0);
			assert_int_equal(out[1], c >> 2);
			twos++;
		} else if (out) {
			fail_msg("'%s' decoded, but its spare bits are not zero", two);
		}
		free(out);
	}
	assert_int_equal(ones, 4);
	assert_int_equal(twos, 16);
	/* The example of the rule: "AA" is one zero byte, "AB" and "AC" spell nothing. */
	assert_true(decodes("AA"));
	assert_false(decodes("AB"));
	assert_false(decodes("AC"));
}

/* ---- JWK ---- */

static void rfc8037_public_key(unsigned char pk[JOSE_ED25519_PUBLIC_BYTES])
{
	size_t len = 0;
	unsigned char *x = decoded(RFC8037_X, &len);
	assert_non_null(x);
	assert_int_equal(len, JOSE_ED25519_PUBLIC_BYTES);
	memcpy(pk, x, len);
	free(x);
}

static void test_jwk_thumbprint_is_rfc_8037_appendix_a3(void **state)
{
	(void)state;
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES];
	rfc8037_public_key(pk);
	char kid[JOSE_THUMBPRINT_MAX];
	memset(kid, 'x', sizeof(kid));
	jose_jwk_thumbprint(pk, kid);
	assert_string_equal(kid, RFC8037_THUMBPRINT);
	/* Another key, another thumbprint. */
	pk[0] ^= 1;
	jose_jwk_thumbprint(pk, kid);
	assert_string_not_equal(kid, RFC8037_THUMBPRINT);
	assert_int_equal(strlen(kid), 43);
}

static void test_jwk_is_the_okp_form_and_parses_back(void **state)
{
	(void)state;
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], back[JOSE_ED25519_PUBLIC_BYTES];
	rfc8037_public_key(pk);
	json_t *jwk = jose_jwk_ed25519(pk, NULL);
	json_t *want = parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\"}");
	assert_true(json_equal(jwk, want));
	json_decref(want);
	assert_ok(jose_jwk_ed25519_parse(jwk, "jwk", back));
	assert_memory_equal(back, pk, sizeof(pk));
	json_decref(jwk);
	jwk = jose_jwk_ed25519(pk, RFC8037_THUMBPRINT);
	assert_string_equal(json_string_value(json_object_get(jwk, "kid")), RFC8037_THUMBPRINT);
	json_decref(jwk);

	static const char *const refused[] = {
		"{\"kty\":\"EC\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\"}",
		"{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"" RFC8037_X "\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}",
		"{\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":7}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "AA\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"}",
		"[\"" RFC8037_X "\"]",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		json_t *bad = parse(refused[i]);
		assert_fails(jose_jwk_ed25519_parse(bad, "keys[0]", back), LL_INVALID_VALUE, "keys[0]");
		json_decref(bad);
	}
}

/* ---- JWS ---- */

/* payload signed under header_text by sk: *ret_jws, malloc'd. */
static void sign(const char *header_text, const char *payload, size_t len, const unsigned char *sk, char **ret_jws)
{
	json_t *header = parse(header_text);
	assert_ok(jose_jws_sign_ed25519(header, payload, len, sk, ret_jws));
	json_decref(header);
}

static void test_jws_sign_is_rfc_8037_appendix_a4(void **state)
{
	(void)state;
	size_t len = 0;
	unsigned char *d = decoded(RFC8037_D, &len);
	assert_int_equal(len, crypto_sign_SEEDBYTES);
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], x[JOSE_ED25519_PUBLIC_BYTES];
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, d), 0);
	free(d);
	rfc8037_public_key(x);
	assert_memory_equal(pk, x, sizeof(x));

	char *jws = NULL;
	sign("{\"alg\":\"EdDSA\"}", RFC8037_PAYLOAD, strlen(RFC8037_PAYLOAD), sk, &jws);
	assert_string_equal(jws, RFC8037_JWS);
	free(jws);

	struct jose_jws j;
	assert_ok(jose_jws_parse(RFC8037_JWS, "credential", &j));
	assert_string_equal(json_string_value(json_object_get(j.header, "alg")), "EdDSA");
	assert_int_equal(json_object_size(j.header), 1);
	assert_int_equal(j.payload_len, strlen(RFC8037_PAYLOAD));
	assert_string_equal(j.payload, RFC8037_PAYLOAD);
	assert_int_equal(j.signing_input_len, strlen("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"));
	assert_memory_equal(j.signing_input, RFC8037_JWS, j.signing_input_len);
	assert_true(jose_jws_verify_ed25519(&j, pk));
	/* Another key does not verify it. */
	unsigned char other_pk[crypto_sign_PUBLICKEYBYTES], other_sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(other_pk, other_sk);
	assert_false(jose_jws_verify_ed25519(&j, other_pk));
	jose_jws_release(&j);
	/* Released twice is harmless: release leaves it empty. */
	jose_jws_release(&j);
	sodium_memzero(sk, sizeof(sk));
}

static void assert_parse_refused(const char *compact, enum ll_err want, const char *what)
{
	struct jose_jws j;
	memset(&j, 0x5a, sizeof(j));
	enum ll_err err = jose_jws_parse(compact, "body.credential", &j);
	if (err != want)
		fail_msg("%s: got %s, want %s", what, ll_err_code(err), ll_err_code(want));
	assert_string_equal(ll_error_get(err)->field, "body.credential");
	/* Nothing is left to release. */
	assert_null(j.header);
	assert_null(j.payload);
	ll_error_clear();
}

/* "<b64(header)>.<b64(payload)>.<signature text>" with payload_len bytes of payload. */
static char *compact_of(const char *header, const char *payload, size_t payload_len, const char *signature)
{
	char *h = jose_b64url_encode(header, strlen(header));
	char *p = jose_b64url_encode(payload, payload_len);
	size_t cap = strlen(h) + strlen(p) + strlen(signature) + 3;
	char *out = malloc(cap);
	assert_non_null(out);
	snprintf(out, cap, "%s.%s.%s", h, p, signature);
	free(h);
	free(p);
	return out;
}

static void test_jws_parse_refuses_what_is_not_compact_eddsa_naming_its_field(void **state)
{
	(void)state;
	unsigned char sig[64];
	memset(sig, 7, sizeof(sig));
	char *sig64 = jose_b64url_encode(sig, sizeof(sig));
	char *sig63 = jose_b64url_encode(sig, 63);
	char *sig65buf = malloc(65);
	memset(sig65buf, 7, 65);
	char *sig65 = jose_b64url_encode(sig65buf, 65);
	free(sig65buf);

	char *good = compact_of("{\"alg\":\"EdDSA\"}", "{}", 2, sig64);
	struct jose_jws j;
	assert_ok(jose_jws_parse(good, "body.credential", &j));
	assert_memory_equal(j.signature, sig, sizeof(sig));
	jose_jws_release(&j);

	assert_parse_refused(NULL, LL_MISSING_FIELD, "no text");
	struct {
		char *text;
		const char *what;
	} cases[] = {
		{ strdup(""), "empty" },
		{ strdup("eyJhbGciOiJFZERTQSJ9.e30"), "two parts" },
		{ strdup("eyJhbGciOiJFZERTQSJ9"), "one part" },
		{ NULL, "four parts" },
		{ NULL, "empty header" },
		{ NULL, "empty payload" },
		{ NULL, "empty signature" },
		{ strdup(".."), "three empty parts" },
		{ NULL, "header not base64url" },
		{ NULL, "header padded" },
		{ compact_of("[\"alg\",\"EdDSA\"]", "{}", 2, sig64), "header an array" },
		{ compact_of("\"EdDSA\"", "{}", 2, sig64), "header a string" },
		{ compact_of("{\"alg\":\"EdDSA\"", "{}", 2, sig64), "header not JSON" },
		{ compact_of("{\"alg\":\"EdDSA\",\"alg\":\"none\"}", "{}", 2, sig64), "header with a duplicate key" },
		{ NULL, "payload not base64url" },
		{ NULL, "signature not base64url" },
		{ compact_of("{\"alg\":\"EdDSA\"}", "{}", 2, sig63), "signature of 63 bytes" },
		{ compact_of("{\"alg\":\"EdDSA\"}", "{}", 2, sig65), "signature of 65 bytes" },
		{ compact_of("{\"alg\":\"EdDSA\"}", "{}", 2, "AAAA"), "signature of 3 bytes" },
	};
	const char *dot1 = strchr(good, '.'), *dot2 = strrchr(good, '.');
	int h = (int)(dot1 - good), p = (int)(dot2 - dot1 - 1);
	size_t cap = strlen(good) + 16;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].text)
			continue;
		char *t = malloc(cap);
		const char *w = cases[i].what;
		if (strcmp(w, "four parts") == 0)
			snprintf(t, cap, "%s.%s", good, sig64);
		else if (strcmp(w, "empty header") == 0)
			snprintf(t, cap, "%s", dot1);
		else if (strcmp(w, "empty payload") == 0)
			snprintf(t, cap, "%.*s.%s", h, good, dot2);
		else if (strcmp(w, "empty signature") == 0)
			snprintf(t, cap, "%.*s.", (int)(dot2 - good), good);
		else if (strcmp(w, "header not base64url") == 0)
			snprintf(t, cap, "%.*s+%s", h - 1, good, dot1);
		else if (strcmp(w, "header padded") == 0)
			snprintf(t, cap, "%.*s=%s", h, good, dot1);
		else if (strcmp(w, "payload not base64url") == 0)
			snprintf(t, cap, "%.*s.%.*s/%s", h, good, p - 1, dot1 + 1, dot2);
		else
			snprintf(t, cap, "%.*s.%.*s=", (int)(dot2 - good), good, 85, dot2 + 1);
		cases[i].text = t;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_parse_refused(cases[i].text, LL_INVALID_VALUE, cases[i].what);
		free(cases[i].text);
	}
	free(good);
	free(sig64);
	free(sig63);
	free(sig65);
}

static void test_a_signature_over_changed_bytes_does_not_verify(void **state)
{
	(void)state;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(pk, sk);
	const char *payload = "{\"title\":\"高等数学\",\"credits\":4}";
	char *jws = NULL;
	sign("{\"alg\":\"EdDSA\",\"kid\":\"k\"}", payload, strlen(payload), sk, &jws);
	struct jose_jws j;
	assert_ok(jose_jws_parse(jws, "credential", &j));
	assert_true(jose_jws_verify_ed25519(&j, pk));
	jose_jws_release(&j);

	/* Each character of the header and payload changed in turn: what still parses does not
	 * verify. */
	char *changed = strdup(jws);
	size_t sig_at = (size_t)(strrchr(jws, '.') - jws);  /* where ".signature" starts */
	int parsed = 0;
	for (size_t i = 0; i < sig_at; i++) {
		if (jws[i] == '.')
			continue;
		changed[i] = jws[i] == 'A' ? 'B' : 'A';
		if (jose_jws_parse(changed, "credential", &j) == LL_OK) {
			parsed++;
			if (jose_jws_verify_ed25519(&j, pk))
				fail_msg("changing character %zu still verifies", i);
			jose_jws_release(&j);
		}
		ll_error_clear();
		changed[i] = jws[i];
	}
	assert_true(parsed > 0);

	/* One byte of the payload flipped, the signature kept. */
	char *flipped_payload = strdup(payload);
	flipped_payload[2] ^= 0x20;
	char *h64 = jose_b64url_encode("{\"alg\":\"EdDSA\",\"kid\":\"k\"}", strlen("{\"alg\":\"EdDSA\",\"kid\":\"k\"}"));
	char *p64 = jose_b64url_encode(flipped_payload, strlen(flipped_payload));
	size_t cap = strlen(jws) + 8;
	char *forged = malloc(cap);
	snprintf(forged, cap, "%s.%s%s", h64, p64, jws + sig_at);
	assert_int_equal(strncmp(forged, jws, strlen(h64) + 1), 0);
	assert_ok(jose_jws_parse(forged, "credential", &j));
	assert_true(memcmp(j.payload, payload, strlen(payload)) != 0);
	assert_false(jose_jws_verify_ed25519(&j, pk));
	jose_jws_release(&j);

	/* The signature's last character as each of the 63 others: three spell other bytes (the last
	 * four bits of 86 characters are spare), none verifies. */
	size_t last = strlen(jws) - 1;
	int other_signatures = 0;
	for (int c = 0; c < 64; c++) {
		if (B64URL_ALPHABET[c] == jws[last])
			continue;
		changed[last] = B64URL_ALPHABET[c];
		if (jose_jws_parse(changed, "credential", &j) == LL_OK) {
			other_signatures++;
			if (jose_jws_verify_ed25519(&j, pk))
				fail_msg("signature ending in '%c' verifies", B64URL_ALPHABET[c]);
			jose_jws_release(&j);
		}
		ll_error_clear();
	}
	assert_int_equal(other_signatures, 3);
	changed[last] = jws[last];

	/* And each bit of the signature flipped. */
	assert_ok(jose_jws_parse(jws, "credential", &j));
	for (size_t bit = 0; bit < 8 * sizeof(j.signature); bit++) {
		j.signature[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		if (jose_jws_verify_ed25519(&j, pk))
			fail_msg("signature with bit %zu flipped verifies", bit);
		j.signature[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	assert_true(jose_jws_verify_ed25519(&j, pk));
	jose_jws_release(&j);

	free(forged);
	free(h64);
	free(p64);
	free(flipped_payload);
	free(changed);
	free(jws);
	sodium_memzero(sk, sizeof(sk));
}

/* ---- The issuer ---- */

static void test_issuer_is_the_did_web_of_its_host_and_port(void **state)
{
	(void)state;
	static const struct {
		const char *url, *want_url, *did;
	} accepted[] = {
		{ "https://lifelong.sh.cn", "https://lifelong.sh.cn", "did:web:lifelong.sh.cn" },
		{ "https://lifelong.sh.cn/", "https://lifelong.sh.cn", "did:web:lifelong.sh.cn" },
		{ "http://127.0.0.1:8080", "http://127.0.0.1:8080", "did:web:127.0.0.1%3A8080" },
		{ "http://localhost:8080/", "http://localhost:8080", "did:web:localhost%3A8080" },
	};
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		struct cred_issuer iss;
		assert_ok(cred_issuer_init(accepted[i].url, &iss));
		assert_string_equal(iss.url, accepted[i].want_url);
		assert_string_equal(iss.did, accepted[i].did);
		assert_non_null(iss.name);
		assert_non_null(iss.name_en);
	}

	char long_host[300];
	snprintf(long_host, sizeof(long_host), "https://%0280d", 0);
	const char *refused[] = {
		"https://lifelong.sh.cn/credentials", "https://lifelong.sh.cn/a/", "lifelong.sh.cn", "//lifelong.sh.cn",
		"ftp://lifelong.sh.cn", "https://lifelong.sh.cn?x=1", "https://lifelong.sh.cn#top", "https://", "https:///",
		"HTTPS:/lifelong.sh.cn", "", NULL, long_host,
		/* Hosts that would make an invalid did:web: credentials, an empty or impossible port,
		 * spaces, other characters, IPv6 literals. */
		"https://user:pw@lifelong.sh.cn", "https://lifelong.sh.cn:", "https://lifelong.sh.cn:99999",
		"https://lifelong.sh.cn:0", "https://lifelong.sh.cn:80:80", "https://life long.sh.cn", "https://a\\b",
		"http://[::1]:8080", "https://.lifelong.sh.cn", "https://-lifelong.sh.cn", "https://lifelong.sh.cn:8o",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct cred_issuer iss;
		enum ll_err err = cred_issuer_init(refused[i], &iss);
		if (err != LL_INVALID_VALUE)
			fail_msg("'%s': got %s", refused[i] ? refused[i] : "(null)", ll_err_code(err));
		assert_string_equal(ll_error_get(err)->field, "url");
	}
}

static void test_issuer_profile_names_the_did_and_address(void **state)
{
	(void)state;
	struct cred_issuer iss;
	assert_ok(cred_issuer_init(ISSUER_URL, &iss));
	json_t *p = cred_issuer_profile(&iss);
	assert_string_equal(json_string_value(json_object_get(p, "id")), DID);
	assert_string_equal(json_string_value(json_object_get(p, "url")), ISSUER_URL);
	assert_string_equal(json_string_value(json_array_get(json_object_get(p, "type"), 0)), "Profile");
	assert_string_equal(json_string_value(json_object_get(p, "name")), iss.name);
	json_decref(p);
}

/* ---- Verifying ----
 *
 * The world of these cases: the issuer at ISSUER_URL with its credential key (kid its
 * thumbprint) and its ledger key; a ledger of three leaves whose middle one is the entry, under a
 * tree head the ledger key signed; and keys of nobody's. */

struct world {
	struct cred_issuer iss;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char kid[JOSE_THUMBPRINT_MAX];
	char header_kid[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 2];
	struct ll_keys ledger, stranger;     /* only sign_pk and sign_sk are used */
	struct ledger_entry entry;
	unsigned char leaves[3][MERKLE_HASH_BYTES];
	struct merkle_sth sth;
	struct merkle_proof proof;
};
static struct world *w;

static int world_setup(void **state)
{
	(void)state;
	log_set_level(LOG_ERROR);
	if (crypto_init() != LL_OK)
		return -1;
	w = calloc(1, sizeof(*w));
	if (!w || cred_issuer_init(ISSUER_URL, &w->iss) != LL_OK)
		return -1;
	crypto_sign_keypair(w->pk, w->sk);
	jose_jwk_thumbprint(w->pk, w->kid);
	snprintf(w->header_kid, sizeof(w->header_kid), "%s#%s", DID, w->kid);
	crypto_sign_keypair(w->ledger.sign_pk, w->ledger.sign_sk);
	crypto_sign_keypair(w->stranger.sign_pk, w->stranger.sign_sk);

	struct ledger_entry *e = &w->entry;
	e->seq = 1;
	e->id = "01a20bb3-0585-75f0-8be1-aa12d730e001";
	e->person_id = "person-1";
	e->person_seq = 1;
	e->op = OP_DEPOSIT;
	e->outcome_id = e->id;
	e->submission_id = "01a20bb3-0585-75f0-8be1-aa12d730e0a1";
	e->standard_version = 1;
	outcome_init(&e->o);
	e->o.kind = KIND_ACADEMIC_CREDIT;
	e->o.institution_id = "inst-university-1";
	e->o.title = "高等数学";
	e->o.code = "MATH101";
	e->o.credits_milli = 4000;
	e->o.result_kind = RESULT_GRADE;
	e->o.result = "A";
	e->o.awarded_on = "2026-06-30";
	e->actor_id = "user-staff";
	e->created_at = NOW - 30 * DAY_US;
	if (entry_compute_hash(e, e->entry_hash) != LL_OK)
		return -1;
	merkle_hash_leaf("leaf 0", 6, w->leaves[0]);
	memcpy(w->leaves[1], e->entry_hash, MERKLE_HASH_BYTES);
	merkle_hash_leaf("leaf 2", 6, w->leaves[2]);
	struct merkle_leaves leaves = { .hashes = &w->leaves[0][0] };
	w->sth.tree_size = 3;
	w->sth.timestamp_us = NOW - DAY_US;
	if (merkle_root(&leaves, 3, w->sth.root_hash) != LL_OK || merkle_sth_sign(&w->sth, &w->ledger) != LL_OK ||
	    merkle_inclusion_proof(&leaves, 3, 1, &w->proof) != LL_OK)
		return -1;
	return 0;
}

static int world_teardown(void **state)
{
	(void)state;
	if (w)
		sodium_memzero(w, sizeof(*w));
	free(w);
	w = NULL;
	return 0;
}

/* The credential of the world's entry, valid from a day before NOW; caller owns it. */
static json_t *credential(void)
{
	const struct cred_badge_in in = {
		.issuer = &w->iss,
		.id = "urn:uuid:01a20bb3-0585-75f0-8be1-aa12d730c001",
		.valid_from_us = NOW - DAY_US,
		.entry = &w->entry,
		.person_name = "张三",
		.account_no = "3100000000000017",
		.institution_name = "测试大学一",
		.sth = &w->sth,
		.proof = &w->proof,
		.log_key_id = DID "#ledger",
	};
	json_t *vc = cred_badge_json(&in);
	assert_non_null(vc);
	return vc;
}

static json_t *ledger_of(json_t *vc)
{
	json_t *l = json_object_get(vc, "lifelongLedger");
	assert_non_null(l);
	return l;
}

/* vc secured as the issuer does (VC-JOSE header) with alg and kid, by sk; caller frees. */
static char *secure_as(const json_t *vc, const char *alg, const char *kid, const unsigned char *sk)
{
	json_t *header = json_pack("{s:s, s:s, s:s}", "alg", alg, "typ", "vc+jwt", "cty", "vc");
	if (kid)
		json_object_set_new(header, "kid", json_string(kid));
	char *payload = json_dumps(vc, JSON_COMPACT);
	char *jws = NULL;
	assert_ok(jose_jws_sign_ed25519(header, payload, strlen(payload), sk, &jws));
	free(payload);
	json_decref(header);
	return jws;
}

static char *secure(const json_t *vc)
{
	return secure_as(vc, "EdDSA", w->header_kid, w->sk);
}

/* The keys an issuer publishes, as this file's callback finds them: the world's credential key
 * and ledger key for its did, and what each call asked for. */
struct test_keys {
	const char *did;
	const char *kid;                        /* the one credential key */
	const unsigned char *pk;
	const unsigned char *ledger_pk;
	bool is_forced;                         /* answer forced instead */
	enum cred_key_lookup forced;
	enum ll_err err;                        /* returned when not LL_OK */
	int calls, ledger_calls;
	char asked[2][128];                     /* fragments asked for: [0] signature, [1] ledger */
};

static enum ll_err test_key(void *ctx, const char *did, const char *fragment, bool is_ledger,
			    unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], enum cred_key_lookup *ret)
{
	struct test_keys *k = ctx;
	k->calls++;
	k->ledger_calls += is_ledger;
	snprintf(k->asked[is_ledger], sizeof(k->asked[0]), "%s", fragment);
	if (k->err != LL_OK)
		return ll_fail(k->err, NULL, "the keys cannot be read");
	if (k->is_forced) {
		*ret = k->forced;
		if (k->forced == KEY_FOUND)
			memcpy(pk, is_ledger ? k->ledger_pk : k->pk, JOSE_ED25519_PUBLIC_BYTES);
		return LL_OK;
	}
	*ret = KEY_ISSUER_UNKNOWN;
	if (strcmp(did, k->did) != 0)
		return LL_OK;
	*ret = KEY_NOT_PUBLISHED;
	if (is_ledger ? strcmp(fragment, "ledger") == 0 : strcmp(fragment, k->kid) == 0) {
		memcpy(pk, is_ledger ? k->ledger_pk : k->pk, JOSE_ED25519_PUBLIC_BYTES);
		*ret = KEY_FOUND;
	}
	return LL_OK;
}

static struct test_keys world_keys(void)
{
	return (struct test_keys){ .did = DID, .kid = w->kid, .pk = w->pk, .ledger_pk = w->ledger.sign_pk };
}

/* The report's entry for check (by its API name); fails the test when there is none. */
static const json_t *check_of(const json_t *report, const char *check)
{
	size_t i;
	const json_t *c;
	json_array_foreach (json_object_get(report, "checks"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "check")), check) == 0)
			return c;
	fail_msg("the report has no check %s", check);
	return NULL;
}

static const char *status_of(const json_t *report, const char *check)
{
	return json_string_value(json_object_get(check_of(report, check), "status"));
}

/* Fails the test unless report says is_valid and each check's status (in the order format,
 * signature, validity, ledger). These verifiers consult no status list, so status is never
 * checked (test_verify_asks_the_status_list_of_the_credential covers it). */
static void assert_report(const json_t *report, bool is_valid, const char *format, const char *signature,
			  const char *validity, const char *ledger)
{
	const char *want[CHECK_COUNT] = { format, signature, validity, "not_checked", ledger };
	const json_t *checks = json_object_get(report, "checks");
	assert_int_equal(json_array_size(checks), CHECK_COUNT);
	for (int c = 0; c < CHECK_COUNT; c++) {
		const json_t *check = json_array_get(checks, (size_t)c);
		assert_string_equal(json_string_value(json_object_get(check, "check")), cred_check_names[c]);
		const char *got = status_of(report, cred_check_names[c]);
		if (strcmp(got, want[c]) != 0)
			fail_msg("check %s is %s (%s), want %s", cred_check_names[c], got,
				 json_string_value(json_object_get(check, "message_en")), want[c]);
		assert_non_null(json_string_value(json_object_get(check, "message")));
		assert_non_null(json_string_value(json_object_get(check, "message_en")));
	}
	if (json_is_true(json_object_get(report, "is_valid")) != is_valid)
		fail_msg("is_valid is %s, want %s", is_valid ? "false" : "true", is_valid ? "true" : "false");
}

static json_t *verified_by(struct test_keys *k, const char *jws, int64_t now_us)
{
	json_t *report = NULL;
	const struct cred_verifier v = { test_key, NULL, k };
	assert_ok(cred_verify(&v, jws, now_us, &report));
	assert_non_null(report);
	return report;
}

/* The report of vc, secured by the world's issuer, verified at NOW with the world's keys. */
static json_t *verified(const json_t *vc)
{
	char *jws = secure(vc);
	struct test_keys k = world_keys();
	json_t *report = verified_by(&k, jws, NOW);
	free(jws);
	return report;
}

/* True when the report has no key, or has it as null (the report writes null for what it could
 * not read). */
static bool is_absent(const json_t *report, const char *key)
{
	const json_t *v = json_object_get(report, key);
	return !v || json_is_null(v);
}

static const char *message_en(const json_t *report, const char *check)
{
	return json_string_value(json_object_get(check_of(report, check), "message_en"));
}

static void test_verify_a_good_credential_passes_all_four_checks(void **state)
{
	(void)state;
	assert_string_equal(cred_check_names[CHECK_FORMAT], "format");
	assert_string_equal(cred_check_names[CHECK_SIGNATURE], "signature");
	assert_string_equal(cred_check_names[CHECK_VALIDITY], "validity");
	assert_string_equal(cred_check_names[CHECK_LEDGER], "ledger");
	assert_null(cred_check_names[CHECK_COUNT]);

	json_t *vc = credential();
	char *jws = secure(vc);
	struct test_keys k = world_keys();
	json_t *report = verified_by(&k, jws, NOW);
	assert_report(report, true, "passed", "passed", "passed", "passed");
	assert_string_equal(json_string_value(json_object_get(report, "issuer")), DID);
	assert_string_equal(json_string_value(json_object_get(report, "kid")), w->header_kid);
	assert_true(json_equal(json_object_get(report, "credential"), vc));
	/* It asked for the credential key by its fragment, and for the ledger key. */
	assert_int_equal(k.calls, 2);
	assert_int_equal(k.ledger_calls, 1);
	assert_string_equal(k.asked[0], w->kid);
	assert_string_equal(k.asked[1], "ledger");
	json_decref(report);
	/* Valid from the very instant of validFrom. */
	report = verified_by(&k, jws, NOW - DAY_US);
	assert_report(report, true, "passed", "passed", "passed", "passed");
	json_decref(report);
	free(jws);
	json_decref(vc);
}

static void test_verify_a_credential_outside_its_dates_fails_validity(void **state)
{
	(void)state;
	json_t *vc = credential();
	char *jws = secure(vc);
	struct test_keys k = world_keys();
	/* Before validFrom. */
	json_t *report = verified_by(&k, jws, NOW - DAY_US - 1);
	assert_report(report, false, "passed", "passed", "failed", "passed");
	json_decref(report);
	free(jws);

	char later[32];
	clock_format_rfc3339(NOW + 1, later);
	json_object_set_new(vc, "validFrom", json_string(later));
	report = verified(vc);
	assert_report(report, false, "passed", "passed", "failed", "passed");
	assert_non_null(strstr(message_en(report, "validity"), "not valid until"));
	json_decref(report);

	/* validUntil past, or now: expired; a moment later than now: valid. */
	json_object_set_new(vc, "validFrom", json_string("2026-01-01T00:00:00Z"));
	char until[32];
	clock_format_rfc3339(NOW - 1, until);
	json_object_set_new(vc, "validUntil", json_string(until));
	report = verified(vc);
	assert_report(report, false, "passed", "passed", "failed", "passed");
	assert_non_null(strstr(message_en(report, "validity"), "expired"));
	json_decref(report);
	clock_format_rfc3339(NOW, until);
	json_object_set_new(vc, "validUntil", json_string(until));
	report = verified(vc);
	assert_report(report, false, "passed", "passed", "failed", "passed");
	assert_non_null(strstr(message_en(report, "validity"), "expired"));
	json_decref(report);
	clock_format_rfc3339(NOW + 1, until);
	json_object_set_new(vc, "validUntil", json_string(until));
	report = verified(vc);
	assert_report(report, true, "passed", "passed", "passed", "passed");
	json_decref(report);

	/* Dates that are not dates. */
	static const char *const not_dates[] = { "2026-13-01T00:00:00Z", "yesterday", "" };
	for (size_t i = 0; i < sizeof(not_dates) / sizeof(not_dates[0]); i++) {
		json_object_set_new(vc, "validUntil", json_string(not_dates[i]));
		report = verified(vc);
		assert_report(report, false, "passed", "passed", "failed", "passed");
		json_decref(report);
	}
	json_object_set_new(vc, "validUntil", json_integer(1));
	report = verified(vc);
	assert_report(report, false, "passed", "passed", "failed", "passed");
	json_decref(report);
	json_object_del(vc, "validUntil");
	json_object_set_new(vc, "validFrom", json_null());
	report = verified(vc);
	assert_report(report, false, "passed", "passed", "failed", "passed");
	json_decref(report);
	json_decref(vc);
}

static void test_verify_a_kid_not_under_the_issuers_did_fails_the_signature(void **state)
{
	(void)state;
	json_t *vc = credential();
	char kid[256];
	const char *const prefixes[] = { "did:web:other.example#", "did:web:lifelong.sh.cnx#", "did:web:lifelong.sh#",
					 "did:web:lifelong.sh.cn:#", "#", "" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(kid, sizeof(kid), "%s%s", prefixes[i], w->kid);
		char *jws = secure_as(vc, "EdDSA", kid, w->sk);
		struct test_keys k = world_keys();
		json_t *report = verified_by(&k, jws, NOW);
		assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
		/* It was refused before any key was looked up. */
		assert_int_equal(k.calls, 0);
		json_decref(report);
		free(jws);
	}
	/* No fragment, and no kid at all. */
	const char *const no_key[] = { DID "#", DID, NULL };
	for (size_t i = 0; i < sizeof(no_key) / sizeof(no_key[0]); i++) {
		char *jws = secure_as(vc, "EdDSA", no_key[i], w->sk);
		struct test_keys k = world_keys();
		json_t *report = verified_by(&k, jws, NOW);
		assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
		assert_int_equal(k.calls, 0);
		json_decref(report);
		free(jws);
	}
	json_decref(vc);
}

static void test_verify_a_key_the_issuer_does_not_publish_fails_the_signature(void **state)
{
	(void)state;
	json_t *vc = credential();
	/* Signed by a key of the issuer's did that it does not publish. */
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(pk, sk);
	char thumb[JOSE_THUMBPRINT_MAX], kid[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 2];
	jose_jwk_thumbprint(pk, thumb);
	snprintf(kid, sizeof(kid), "%s#%s", DID, thumb);
	char *jws = secure_as(vc, "EdDSA", kid, sk);
	struct test_keys k = world_keys();
	json_t *report = verified_by(&k, jws, NOW);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	assert_non_null(strstr(message_en(report, "signature"), "not one its issuer publishes"));
	assert_string_equal(k.asked[0], thumb);
	json_decref(report);
	free(jws);
	/* The issuer's own key, named by the issuer's kid, when key_fn says it is not published. */
	jws = secure(vc);
	k = world_keys();
	k.is_forced = true;
	k.forced = KEY_NOT_PUBLISHED;
	report = verified_by(&k, jws, NOW);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	json_decref(report);
	/* ... or that it does not know the issuer. */
	k = world_keys();
	k.is_forced = true;
	k.forced = KEY_ISSUER_UNKNOWN;
	report = verified_by(&k, jws, NOW);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	assert_non_null(strstr(message_en(report, "signature"), "not known here"));
	json_decref(report);
	/* Its own kid over another key's signature. */
	free(jws);
	jws = secure_as(vc, "EdDSA", w->header_kid, sk);
	k = world_keys();
	report = verified_by(&k, jws, NOW);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	json_decref(report);
	free(jws);
	json_decref(vc);
	sodium_memzero(sk, sizeof(sk));
}

static void test_verify_a_credential_of_an_unknown_issuer_fails_the_signature(void **state)
{
	(void)state;
	json_t *vc = credential();
	json_t *other = json_pack("{s:s, s:[s], s:s}", "id", "did:web:other.example", "type", "Profile", "name", "Other");
	json_object_set_new(vc, "issuer", other);
	char kid[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 2];
	snprintf(kid, sizeof(kid), "did:web:other.example#%s", w->kid);
	char *jws = secure_as(vc, "EdDSA", kid, w->sk);
	struct test_keys k = world_keys();
	json_t *report = verified_by(&k, jws, NOW);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	assert_string_equal(json_string_value(json_object_get(report, "issuer")), "did:web:other.example");
	json_decref(report);
	free(jws);
	/* The issuer as a plain string is the same issuer. */
	json_object_set_new(vc, "issuer", json_string(DID));
	json_t *report2 = verified(vc);
	assert_report(report2, true, "passed", "passed", "passed", "passed");
	json_decref(report2);
	json_decref(vc);
}

static void test_verify_a_payload_changed_after_signing_fails_the_signature(void **state)
{
	(void)state;
	json_t *vc = credential();
	char *jws = secure(vc);
	/* The holder raises the credits and re-encodes the payload; the signature is the issuer's. */
	json_t *subject = json_object_get(vc, "credentialSubject");
	json_object_set_new(subject, "creditsEarned", json_real(40.0));
	char *payload = json_dumps(vc, JSON_COMPACT);
	char *p64 = jose_b64url_encode(payload, strlen(payload));
	const char *dot1 = strchr(jws, '.'), *dot2 = strrchr(jws, '.');
	size_t cap = strlen(jws) + strlen(p64) + 8;
	char *forged = malloc(cap);
	snprintf(forged, cap, "%.*s.%s%s", (int)(dot1 - jws), jws, p64, dot2);
	struct test_keys k = world_keys();
	json_t *report = verified_by(&k, forged, NOW);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	assert_non_null(strstr(message_en(report, "signature"), "does not match"));
	/* The report still shows what the forged credential says. */
	assert_true(json_equal(json_object_get(report, "credential"), vc));
	assert_int_equal(k.ledger_calls, 0);
	json_decref(report);
	free(forged);
	free(p64);
	free(payload);
	free(jws);
	json_decref(vc);
}

/* The canonical bytes of e as the credential carries them (base64url); caller frees. */
static char *entry64_of(const struct ledger_entry *e)
{
	struct buf b;
	buf_init(&b);
	assert_ok(entry_canonical(e, &b));
	char *s = jose_b64url_encode(b.data, b.len);
	buf_release(&b);
	return s;
}

static void test_verify_changed_entry_bytes_fail_the_ledger_check(void **state)
{
	(void)state;
	/* The entry with another title: signed by the issuer, so that only the ledger check sees it. */
	struct ledger_entry changed = w->entry;
	changed.o.title = "高等数学（荣誉）";
	char *entry64 = entry64_of(&changed);
	json_t *vc = credential();
	json_object_set_new(ledger_of(vc), "entry", json_string(entry64));
	json_t *report = verified(vc);
	assert_report(report, false, "passed", "passed", "passed", "failed");
	assert_non_null(strstr(message_en(report, "ledger"), "does not match its hash"));
	json_decref(report);

	/* With its hash made to match, the proof fails: that leaf is not in the signed tree. */
	unsigned char h[ENTRY_HASH_BYTES];
	char hex[2 * ENTRY_HASH_BYTES + 1];
	assert_ok(entry_compute_hash(&changed, h));
	crypto_hex(h, sizeof(h), hex);
	json_object_set_new(ledger_of(vc), "entryHash", json_string(hex));
	report = verified(vc);
	assert_report(report, false, "passed", "passed", "passed", "failed");
	assert_non_null(strstr(message_en(report, "ledger"), "inclusion proof fails"));
	json_decref(report);
	json_decref(vc);
	free(entry64);

	/* The entry's id not the one the proof names. */
	vc = credential();
	json_object_set_new(ledger_of(vc), "entryId", json_string("01a20bb3-0585-75f0-8be1-aa12d730e002"));
	report = verified(vc);
	assert_report(report, false, "passed", "passed", "passed", "failed");
	json_decref(report);
	json_decref(vc);

	/* Entry bytes that are not base64url, a hash that is not hex, a proof that is not one. */
	static const struct {
		const char *key;
		const char *json;
	} malformed[] = {
		{ "entry", "\"e30=\"" },           { "entry", "7" },
		{ "entryHash", "\"zz\"" },         { "entryHash", "null" },
		{ "leafIndex", "-1" },            { "leafIndex", "\"1\"" },
		{ "inclusionProof", "[\"00\"]" }, { "inclusionProof", "{}" },
		{ "treeHead", "{}" },             { "treeHeadKey", "null" },
		{ "entryId", "null" },
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		vc = credential();
		json_t *v = json_loads(malformed[i].json, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		json_object_set_new(ledger_of(vc), malformed[i].key, v);
		report = verified(vc);
		if (strcmp(status_of(report, "ledger"), "failed") != 0)
			fail_msg("%s %s: ledger is %s", malformed[i].key, malformed[i].json, status_of(report, "ledger"));
		assert_report(report, false, "passed", "passed", "passed", "failed");
		json_decref(report);
		json_decref(vc);
	}
}

static void test_verify_a_tree_head_not_signed_by_the_issuers_ledger_key_fails(void **state)
{
	(void)state;
	/* The same tree head signed by a stranger's key. */
	struct merkle_sth sth = w->sth;
	assert_ok(merkle_sth_sign(&sth, &w->stranger));
	json_t *vc = credential();
	json_object_set_new(ledger_of(vc), "treeHead", merkle_sth_to_json(&sth));
	json_t *report = verified(vc);
	assert_report(report, false, "passed", "passed", "passed", "failed");
	assert_non_null(strstr(message_en(report, "ledger"), "tree head does not match"));
	json_decref(report);

	/* The issuer's tree head with a changed timestamp or root. */
	sth = w->sth;
	sth.timestamp_us += 1;
	json_object_set_new(ledger_of(vc), "treeHead", merkle_sth_to_json(&sth));
	report = verified(vc);
	assert_report(report, false, "passed", "passed", "passed", "failed");
	json_decref(report);
	json_decref(vc);

	/* The tree head key named as a key of another did, as the issuer's credential key, or as a
	 * ledger key the issuer does not have. */
	const char *const names[] = { "did:web:other.example#ledger", DID "x#ledger", w->header_kid, DID "#ledger-2",
				      DID, "ledger" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		vc = credential();
		json_object_set_new(ledger_of(vc), "treeHeadKey", json_string(names[i]));
		report = verified(vc);
		if (strcmp(status_of(report, "ledger"), "failed") != 0)
			fail_msg("treeHeadKey %s: ledger is %s", names[i], status_of(report, "ledger"));
		assert_report(report, false, "passed", "passed", "passed", "failed");
		json_decref(report);
		json_decref(vc);
	}
	/* A ledger key the callback knows but whose public key is the stranger's. */
	vc = credential();
	char *jws = secure(vc);
	struct test_keys k = world_keys();
	k.ledger_pk = w->stranger.sign_pk;
	report = verified_by(&k, jws, NOW);
	assert_report(report, false, "passed", "passed", "passed", "failed");
	json_decref(report);
	free(jws);
	json_decref(vc);
}

static void test_verify_a_wrong_leaf_index_fails_the_ledger_check(void **state)
{
	(void)state;
	const json_int_t wrong[] = { 0, 2, 3, 4, 1024, INT64_MAX };
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		json_t *vc = credential();
		json_object_set_new(ledger_of(vc), "leafIndex", json_integer(wrong[i]));
		json_t *report = verified(vc);
		if (strcmp(status_of(report, "ledger"), "failed") != 0)
			fail_msg("leafIndex %lld: ledger is %s", (long long)wrong[i], status_of(report, "ledger"));
		assert_report(report, false, "passed", "passed", "passed", "failed");
		json_decref(report);
		json_decref(vc);
	}
	/* A proof of another shape (a sibling dropped or another leaf's) fails too. */
	json_t *vc = credential();
	json_array_remove(json_object_get(ledger_of(vc), "inclusionProof"), 0);
	json_t *report = verified(vc);
	assert_report(report, false, "passed", "passed", "passed", "failed");
	json_decref(report);
	json_decref(vc);
}

static void test_verify_without_a_ledger_proof_is_valid_with_the_ledger_not_checked(void **state)
{
	(void)state;
	json_t *vc = credential();
	json_object_del(vc, "lifelongLedger");
	char *jws = secure(vc);
	struct test_keys k = world_keys();
	json_t *report = verified_by(&k, jws, NOW);
	assert_report(report, true, "passed", "passed", "passed", "not_checked");
	assert_non_null(strstr(message_en(report, "ledger"), "no ledger proof"));
	assert_int_equal(k.ledger_calls, 0);
	json_decref(report);
	free(jws);
	/* Not valid on that account when another check fails. */
	json_object_set_new(vc, "validUntil", json_string("2026-01-01T00:00:00Z"));
	report = verified(vc);
	assert_report(report, false, "passed", "passed", "failed", "not_checked");
	json_decref(report);
	json_decref(vc);
}

static void test_verify_an_algorithm_other_than_eddsa_fails_the_format(void **state)
{
	(void)state;
	json_t *vc = credential();
	const char *const algs[] = { "ES256", "none", "HS256", "eddsa", "Ed25519" };
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		char *jws = secure_as(vc, algs[i], w->header_kid, w->sk);
		struct test_keys k = world_keys();
		json_t *report = verified_by(&k, jws, NOW);
		assert_report(report, false, "failed", "not_checked", "not_checked", "not_checked");
		assert_int_equal(k.calls, 0);
		json_decref(report);
		free(jws);
	}
	/* No alg at all. */
	char *payload = json_dumps(vc, JSON_COMPACT);
	char *jws = NULL;
	sign("{\"kid\":\"" DID "#x\",\"typ\":\"vc+jwt\"}", payload, strlen(payload), w->sk, &jws);
	struct test_keys k = world_keys();
	json_t *report = verified_by(&k, jws, NOW);
	assert_report(report, false, "failed", "not_checked", "not_checked", "not_checked");
	json_decref(report);
	free(jws);
	free(payload);
	json_decref(vc);
}

static void test_verify_a_payload_that_is_not_a_vc_fails_the_format(void **state)
{
	(void)state;
	json_t *vc;
	json_t *report;
	/* The v1 context, none, v2 not in an array (VC 2.0 §4.3: an ordered set), or v2 not first. */
	const char *const contexts[] = {
		"[\"https://www.w3.org/2018/credentials/v1\"]",
		"[]",
		"\"https://www.w3.org/ns/credentials/v2\"",
		"[\"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\", \"https://www.w3.org/ns/credentials/v2\"]",
	};
	for (size_t i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++) {
		vc = credential();
		json_object_set_new(vc, "@context", json_loads(contexts[i], JSON_DECODE_ANY, NULL));
		report = verified(vc);
		assert_report(report, false, "failed", "not_checked", "not_checked", "not_checked");
		json_decref(report);
		json_decref(vc);
	}
	vc = credential();
	json_object_del(vc, "@context");
	report = verified(vc);
	assert_report(report, false, "failed", "not_checked", "not_checked", "not_checked");
	json_decref(report);
	json_decref(vc);
	/* Not a VerifiableCredential, or no issuer. */
	vc = credential();
	json_object_set_new(vc, "type", parse("[\"OpenBadgeCredential\"]"));
	report = verified(vc);
	assert_report(report, false, "failed", "not_checked", "not_checked", "not_checked");
	json_decref(report);
	json_object_set_new(vc, "type", json_string("VerifiableCredential"));
	report = verified(vc);
	assert_report(report, true, "passed", "passed", "passed", "passed");
	json_decref(report);
	json_object_del(vc, "issuer");
	report = verified(vc);
	assert_report(report, false, "failed", "not_checked", "not_checked", "not_checked");
	json_decref(report);
	json_object_set_new(vc, "issuer", json_pack("{s:s}", "name", "no id"));
	report = verified(vc);
	assert_report(report, false, "failed", "not_checked", "not_checked", "not_checked");
	json_decref(report);
	json_decref(vc);

	/* A payload that is not JSON, or JSON that is not an object. */
	const char *const payloads[] = { "not json", "[1,2]", "\"vc\"", "" };
	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		char *jws = NULL;
		sign("{\"alg\":\"EdDSA\",\"kid\":\"" DID "#x\"}", payloads[i], strlen(payloads[i]), w->sk, &jws);
		struct test_keys k = world_keys();
		/* (An empty payload leaves an empty part: not a JWS at all.) */
		report = verified_by(&k, jws, NOW);
		assert_true(is_absent(report, "credential"));
		assert_report(report, false, "failed", "not_checked", "not_checked", "not_checked");
		json_decref(report);
		free(jws);
	}
	/* Not a JWS: a report, not an error, with no credential, issuer or kid. */
	const char *const texts[] = { "", "a.b", "eyJ9.e30.AAAA", "....", NULL };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct test_keys k = world_keys();
		report = verified_by(&k, texts[i], NOW);
		assert_report(report, false, "failed", "not_checked", "not_checked", "not_checked");
		assert_true(is_absent(report, "credential"));
		assert_true(is_absent(report, "issuer"));
		assert_true(is_absent(report, "kid"));
		json_decref(report);
	}
}

static void test_verify_passes_on_the_key_lookups_error(void **state)
{
	(void)state;
	json_t *vc = credential();
	char *jws = secure(vc);
	struct test_keys k = world_keys();
	k.err = LL_STORE;
	json_t *report = NULL;
	const struct cred_verifier v = { test_key, NULL, &k };
	assert_fails(cred_verify(&v, jws, NOW, &report), LL_STORE, NULL);
	assert_null(report);
	free(jws);
	json_decref(vc);
}

/* ---- DID documents ---- */

/* A DID document as cred_did_document makes one: the credential key (in assertionMethod when
 * is_asserted) and the ledger key. Caller owns it. */
static json_t *document(bool is_asserted, bool has_ledger)
{
	json_t *methods = json_array(), *assertion = json_array();
	json_t *jwk = jose_jwk_ed25519(w->pk, w->kid);
	json_object_set_new(jwk, "alg", json_string("EdDSA"));
	json_object_set_new(jwk, "use", json_string("sig"));
	json_array_append_new(methods, json_pack("{s:s, s:s, s:s, s:o}", "id", w->header_kid, "type", "JsonWebKey2020",
						 "controller", DID, "publicKeyJwk", jwk));
	if (is_asserted)
		json_array_append_new(assertion, json_string(w->header_kid));
	if (has_ledger)
		json_array_append_new(methods, json_pack("{s:s, s:s, s:s, s:o}", "id", DID "#ledger", "type",
							 "JsonWebKey2020", "controller", DID, "publicKeyJwk",
							 jose_jwk_ed25519(w->ledger.sign_pk, NULL)));
	return json_pack("{s:[s, s], s:s, s:o, s:o}", "@context", "https://www.w3.org/ns/did/v1",
			 "https://w3id.org/security/suites/jws-2020/v1", "id", DID, "verificationMethod", methods,
			 "assertionMethod", assertion);
}

static json_t *verified_with(const json_t *doc, const char *jws)
{
	const json_t *docs[] = { doc };
	json_t *report = NULL;
	assert_ok(cred_verify_with_documents(docs, doc ? 1 : 0, NULL, 0, jws, NOW, &report));
	return report;
}

static void test_documents_verify_a_key_listed_for_assertions_only(void **state)
{
	(void)state;
	json_t *vc = credential();
	char *jws = secure(vc);
	json_t *doc = document(true, true);
	json_t *report = verified_with(doc, jws);
	assert_report(report, true, "passed", "passed", "passed", "passed");
	json_decref(report);
	/* Among documents of other dids, the issuer's is found. */
	json_t *other = document(true, true);
	json_object_set_new(other, "id", json_string("did:web:other.example"));
	const json_t *docs[] = { other, doc };
	assert_ok(cred_verify_with_documents(docs, 2, NULL, 0, jws, NOW, &report));
	assert_report(report, true, "passed", "passed", "passed", "passed");
	json_decref(report);
	/* Only others': the issuer is unknown. No documents at all: the same. */
	report = verified_with(other, jws);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	json_decref(report);
	report = verified_with(NULL, jws);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	json_decref(report);
	json_decref(other);
	json_decref(doc);

	/* The key is a verification method but not an assertion method. */
	doc = document(false, true);
	report = verified_with(doc, jws);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	json_decref(report);
	json_decref(doc);
	/* Listed for assertions but not given as a verification method. */
	doc = document(true, true);
	json_array_remove(json_object_get(doc, "verificationMethod"), 0);
	report = verified_with(doc, jws);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	json_decref(report);
	json_decref(doc);
	/* Its JWK is not an Ed25519 key. */
	doc = document(true, true);
	json_t *jwk = json_object_get(json_array_get(json_object_get(doc, "verificationMethod"), 0), "publicKeyJwk");
	json_object_set_new(jwk, "crv", json_string("P-256"));
	report = verified_with(doc, jws);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	json_decref(report);
	json_decref(doc);
	free(jws);
	json_decref(vc);
}

static void test_documents_accept_the_ledger_method_for_the_ledger_check_only(void **state)
{
	(void)state;
	json_t *vc = credential();
	json_t *doc = document(true, true);
	/* A credential signed by the ledger key, naming "#ledger": not an assertion key. */
	char *jws = secure_as(vc, "EdDSA", DID "#ledger", w->ledger.sign_sk);
	json_t *report = verified_with(doc, jws);
	assert_report(report, false, "passed", "failed", "not_checked", "not_checked");
	json_decref(report);
	free(jws);
	/* A tree head signed by the credential key and named by its method: not the ledger key. */
	struct merkle_sth sth = w->sth;
	struct ll_keys as_credential_key;
	memset(&as_credential_key, 0, sizeof(as_credential_key));
	memcpy(as_credential_key.sign_sk, w->sk, sizeof(w->sk));
	memcpy(as_credential_key.sign_pk, w->pk, sizeof(w->pk));
	assert_ok(merkle_sth_sign(&sth, &as_credential_key));
	sodium_memzero(&as_credential_key, sizeof(as_credential_key));
	json_object_set_new(ledger_of(vc), "treeHead", merkle_sth_to_json(&sth));
	json_object_set_new(ledger_of(vc), "treeHeadKey", json_string(w->header_kid));
	jws = secure(vc);
	report = verified_with(doc, jws);
	assert_report(report, false, "passed", "passed", "passed", "failed");
	json_decref(report);
	free(jws);
	json_decref(vc);
	/* A document without the ledger method: the ledger check fails. */
	json_decref(doc);
	doc = document(true, false);
	vc = credential();
	jws = secure(vc);
	report = verified_with(doc, jws);
	assert_report(report, false, "passed", "passed", "passed", "failed");
	json_decref(report);
	free(jws);
	json_decref(vc);
	json_decref(doc);
}

/* ---- Status ---- */

/* A verifier's keys and status list: what the list says and what it was asked. */
struct test_world_status {
	struct test_keys k;                     /* first: test_key reads the context as its own */
	enum cred_status_lookup answer;
	enum ll_err err;
	int calls;
	char did[128], list[CRED_URL_MAX];
	uint64_t index;
};

static enum ll_err test_status(void *ctx, const char *did, const char *list_url, uint64_t index,
			       enum cred_status_lookup *ret)
{
	struct test_world_status *s = ctx;
	s->calls++;
	snprintf(s->did, sizeof(s->did), "%s", did);
	snprintf(s->list, sizeof(s->list), "%s", list_url);
	s->index = index;
	*ret = s->answer;
	return s->err == LL_OK ? LL_OK : ll_fail(s->err, NULL, "the list cannot be read");
}

static json_t *verified_with_status(struct test_world_status *s, const json_t *vc)
{
	char *jws = secure(vc);
	const struct cred_verifier v = { test_key, test_status, s };
	json_t *report = NULL;
	assert_ok(cred_verify(&v, jws, NOW, &report));
	free(jws);
	return report;
}

/* The credential's list and index are asked of the verifier's status list: clear passes, revoked
 * fails (and the credential is not valid), a list it cannot consult leaves status not checked. */
static void test_verify_asks_the_status_list_of_the_credential(void **state)
{
	(void)state;
	json_t *vc = credential();
	json_object_set_new(vc, "credentialStatus", cred_status_entry_json(&w->iss, CRED_STATUS_LIST_BITS + 3));
	static const struct {
		enum cred_status_lookup answer;
		const char *status;
		bool is_valid;
	} cases[] = { { STATUS_CLEAR, "passed", true }, { STATUS_REVOKED, "failed", false },
		      { STATUS_LIST_UNKNOWN, "not_checked", true } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_world_status s = { .k = world_keys(), .answer = cases[i].answer };
		json_t *report = verified_with_status(&s, vc);
		assert_int_equal(s.calls, 1);
		assert_string_equal(s.did, DID);
		assert_string_equal(s.list, "https://lifelong.sh.cn/api/v1/credentials/status/1");
		assert_int_equal(s.index, 3);
		assert_string_equal(status_of(report, "status"), cases[i].status);
		assert_string_equal(status_of(report, "ledger"), "passed");
		assert_int_equal(json_is_true(json_object_get(report, "is_valid")), cases[i].is_valid);
		if (cases[i].answer == STATUS_REVOKED)
			assert_non_null(strstr(message_en(report, "status"), "revoked"));
		json_decref(report);
	}
	/* The list's error is the verification's. */
	struct test_world_status s = { .k = world_keys(), .err = LL_STORE };
	char *jws = secure(vc);
	const struct cred_verifier v = { test_key, test_status, &s };
	json_t *report = NULL;
	assert_fails(cred_verify(&v, jws, NOW, &report), LL_STORE, NULL);
	assert_null(report);
	free(jws);
	/* Not asked when the signature fails. */
	s = (struct test_world_status){ .k = world_keys(), .answer = STATUS_REVOKED };
	s.k.is_forced = true;
	s.k.forced = KEY_NOT_PUBLISHED;
	report = verified_with_status(&s, vc);
	assert_int_equal(s.calls, 0);
	assert_string_equal(status_of(report, "status"), "not_checked");
	json_decref(report);
	json_decref(vc);
}

/* A credentialStatus that is not a revocation entry of a Bitstring Status List fails without
 * asking any list; none at all leaves status not checked. */
static void test_verify_a_malformed_status_entry_fails_the_status_check(void **state)
{
	(void)state;
	static const struct {
		const char *key, *json;
	} malformed[] = {
		{ "type", "\"StatusList2021Entry\"" }, { "statusPurpose", "\"suspension\"" },
		{ "statusListIndex", "\"x\"" },        { "statusListIndex", "\"-1\"" },
		{ "statusListIndex", "3" },              { "statusListIndex", "\"3x\"" },
		{ "statusListCredential", "null" },      { "statusListCredential", "7" },
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		json_t *vc = credential();
		json_t *entry = cred_status_entry_json(&w->iss, 5);
		json_object_set_new(entry, malformed[i].key, json_loads(malformed[i].json, JSON_DECODE_ANY, NULL));
		json_object_set_new(vc, "credentialStatus", entry);
		struct test_world_status s = { .k = world_keys(), .answer = STATUS_CLEAR };
		json_t *report = verified_with_status(&s, vc);
		if (strcmp(status_of(report, "status"), "failed") != 0 || s.calls != 0)
			fail_msg("%s %s: status is %s after %d calls", malformed[i].key, malformed[i].json,
				 status_of(report, "status"), s.calls);
		assert_false(json_is_true(json_object_get(report, "is_valid")));
		json_decref(report);
		json_decref(vc);
	}
	json_t *vc = credential();
	json_object_del(vc, "credentialStatus");
	struct test_world_status s = { .k = world_keys(), .answer = STATUS_REVOKED };
	json_t *report = verified_with_status(&s, vc);
	assert_int_equal(s.calls, 0);
	assert_string_equal(status_of(report, "status"), "not_checked");
	assert_true(json_is_true(json_object_get(report, "is_valid")));
	json_decref(report);
	json_decref(vc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url_round_trips_every_length_without_padding),
		cmocka_unit_test(test_b64url_encodes_and_decodes_exact_bytes),
		cmocka_unit_test(test_b64url_refuses_padding_other_alphabets_and_spaces),
		cmocka_unit_test(test_b64url_decodes_only_the_canonical_spelling_of_trailing_bits),
		cmocka_unit_test(test_jwk_thumbprint_is_rfc_8037_appendix_a3),
		cmocka_unit_test(test_jwk_is_the_okp_form_and_parses_back),
		cmocka_unit_test(test_jws_sign_is_rfc_8037_appendix_a4),
		cmocka_unit_test(test_jws_parse_refuses_what_is_not_compact_eddsa_naming_its_field),
		cmocka_unit_test(test_a_signature_over_changed_bytes_does_not_verify),
		cmocka_unit_test(test_issuer_is_the_did_web_of_its_host_and_port),
		cmocka_unit_test(test_issuer_profile_names_the_did_and_address),
		cmocka_unit_test(test_verify_a_good_credential_passes_all_four_checks),
		cmocka_unit_test(test_verify_a_credential_outside_its_dates_fails_validity),
		cmocka_unit_test(test_verify_a_kid_not_under_the_issuers_did_fails_the_signature),
		cmocka_unit_test(test_verify_a_key_the_issuer_does_not_publish_fails_the_signature),
		cmocka_unit_test(test_verify_a_credential_of_an_unknown_issuer_fails_the_signature),
		cmocka_unit_test(test_verify_a_payload_changed_after_signing_fails_the_signature),
		cmocka_unit_test(test_verify_changed_entry_bytes_fail_the_ledger_check),
		cmocka_unit_test(test_verify_a_tree_head_not_signed_by_the_issuers_ledger_key_fails),
		cmocka_unit_test(test_verify_a_wrong_leaf_index_fails_the_ledger_check),
		cmocka_unit_test(test_verify_without_a_ledger_proof_is_valid_with_the_ledger_not_checked),
		cmocka_unit_test(test_verify_an_algorithm_other_than_eddsa_fails_the_format),
		cmocka_unit_test(test_verify_a_payload_that_is_not_a_vc_fails_the_format),
		cmocka_unit_test(test_verify_passes_on_the_key_lookups_error),
		cmocka_unit_test(test_documents_verify_a_key_listed_for_assertions_only),
		cmocka_unit_test(test_documents_accept_the_ledger_method_for_the_ledger_check_only),
		cmocka_unit_test(test_verify_asks_the_status_list_of_the_credential),
		cmocka_unit_test(test_verify_a_malformed_status_entry_fails_the_status_check),
	};
	return cmocka_run_group_tests_name("credentials", tests, world_setup, world_teardown);
}
