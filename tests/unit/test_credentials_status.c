/*
 * Revocation status lists without a database (src/credentials/status.c): the bit order and the
 * encoding W3C Bitstring Status List v1.0 fixes, decoding what other issuers publish, and the
 * entries and lists credentials carry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "base/crypto.h"
#include "credentials/credentials.h"

static unsigned char g_bits[CRED_STATUS_LIST_BYTES];

/* The specification's example (§2.2): an empty list of 131,072 bits. */
static void test_the_specifications_empty_list_decodes(void **state)
{
	unsigned char *bits = NULL;
	size_t len = 0;
	assert_int_equal(cred_status_decode("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
					    "encodedList", &bits, &len),
			 LL_OK);
	assert_int_equal(len, CRED_STATUS_LIST_BYTES);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(bits[i], 0);
	free(bits);
}

/* Index 0 is the left-most bit of the first byte (§2.1). */
static void test_index_zero_is_the_left_most_bit(void **state)
{
	memset(g_bits, 0, sizeof(g_bits));
	cred_status_set(g_bits, 0);
	assert_int_equal(g_bits[0], 0x80);
	cred_status_set(g_bits, 9);
	assert_int_equal(g_bits[1], 0x40);
	cred_status_set(g_bits, CRED_STATUS_LIST_BITS - 1);
	assert_int_equal(g_bits[CRED_STATUS_LIST_BYTES - 1], 0x01);
	/* An index is within its list: index + one list's worth is the same bit. */
	cred_status_set(g_bits, CRED_STATUS_LIST_BITS + 2);
	assert_int_equal(g_bits[0], 0x80 | 0x20);
	assert_true(cred_status_get(g_bits, sizeof(g_bits), 9));
	assert_false(cred_status_get(g_bits, sizeof(g_bits), 10));
	assert_false(cred_status_get(g_bits, 1, 9)); /* past the end of what was given */
}

/* What is encoded is GZIP (RFC 1952) under the multibase prefix "u", and decodes to the same bits. */
static void test_encoded_lists_are_gzip_in_multibase_base64url(void **state)
{
	static const uint64_t set[] = { 0, 1, 7, 8, 4095, 65536, CRED_STATUS_LIST_BITS - 1 };
	memset(g_bits, 0, sizeof(g_bits));
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		cred_status_set(g_bits, set[i]);
	char *encoded = NULL;
	assert_int_equal(cred_status_encode(g_bits, &encoded), LL_OK);
	assert_int_equal(encoded[0], 'u');
	assert_null(strpbrk(encoded, "+/="));
	unsigned char *gz = NULL;
	size_t gz_len = 0;
	assert_true(jose_b64url_decode(encoded + 1, strlen(encoded + 1), &gz, &gz_len));
	assert_true(gz_len > 10 && gz[0] == 0x1f && gz[1] == 0x8b); /* the gzip magic */
	free(gz);
	unsigned char *bits = NULL;
	size_t len = 0;
	assert_int_equal(cred_status_decode(encoded, "encodedList", &bits, &len), LL_OK);
	assert_int_equal(len, CRED_STATUS_LIST_BYTES);
	assert_memory_equal(bits, g_bits, len);
	for (uint64_t i = 0; i < CRED_STATUS_LIST_BITS; i++) {
		bool want = false;
		for (size_t k = 0; k < sizeof(set) / sizeof(set[0]); k++)
			want |= set[k] == i;
		if (cred_status_get(bits, len, i) != want)
			fail_msg("bit %llu is %d", (unsigned long long)i, !want);
	}
	free(bits);
	free(encoded);
}

/* A gzip of n bytes of zeros, as a multibase string. */
static char *gzip_of(size_t n)
{
	unsigned char *zeros = calloc(1, n), *gz = malloc(n + 1024);
	z_stream z = { 0 };
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = zeros;
	z.avail_in = (uInt)n;
	z.next_out = gz;
	z.avail_out = (uInt)(n + 1024);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	char *b64 = jose_b64url_encode(gz, z.total_out);
	deflateEnd(&z);
	char *out = malloc(strlen(b64) + 2);
	out[0] = 'u';
	strcpy(out + 1, b64);
	free(b64);
	free(gz);
	free(zeros);
	return out;
}

/* What is not a list is refused, naming the field: no multibase prefix, not base64url, not gzip,
 * shorter than the 16 KiB the specification makes the minimum. */
static void test_what_is_not_a_list_is_refused(void **state)
{
	char *short_list = gzip_of(100), *list = gzip_of(CRED_STATUS_LIST_BYTES);
	const char *bad[] = { NULL, "", "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA", "u!!!!",
			      "uAAAAAAAA", short_list, list + 1 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned char *bits = (unsigned char *)"unchanged";
		size_t len = 7;
		ll_error_clear();
		assert_int_equal(cred_status_decode(bad[i], "encodedList", &bits, &len), LL_INVALID_VALUE);
		assert_string_equal(ll_error_get(LL_INVALID_VALUE)->field, "encodedList");
		assert_null(bits);
		assert_int_equal(len, 0);
	}
	unsigned char *bits = NULL;
	size_t len = 0;
	assert_int_equal(cred_status_decode(list, "encodedList", &bits, &len), LL_OK);
	free(bits);
	free(short_list);
	free(list);
}

/* A credential names its list and its index within it; the list is a VC 2.0 of the issuer. */
static void test_entries_and_lists_name_each_other(void **state)
{
	struct cred_issuer iss;
	assert_int_equal(cred_issuer_init("https://lifelong.sh.cn", &iss), LL_OK);
	json_t *e = cred_status_entry_json(&iss, CRED_STATUS_LIST_BITS + 3);
	assert_string_equal(json_string_value(json_object_get(e, "type")), "BitstringStatusListEntry");
	assert_string_equal(json_string_value(json_object_get(e, "statusPurpose")), "revocation");
	assert_string_equal(json_string_value(json_object_get(e, "statusListIndex")), "3");
	assert_string_equal(json_string_value(json_object_get(e, "statusListCredential")),
			    "https://lifelong.sh.cn/api/v1/credentials/status/1");
	assert_string_equal(json_string_value(json_object_get(e, "id")),
			    "https://lifelong.sh.cn/api/v1/credentials/status/1#3");
	json_decref(e);
	json_t *l = cred_status_list_json(&iss, 1, "uH4sI", 0);
	const json_t *subject = json_object_get(l, "credentialSubject");
	assert_string_equal(json_string_value(json_object_get(l, "id")), "https://lifelong.sh.cn/api/v1/credentials/status/1");
	assert_string_equal(json_string_value(json_object_get(l, "issuer")), "did:web:lifelong.sh.cn");
	assert_string_equal(json_string_value(json_array_get(json_object_get(l, "type"), 1)), "BitstringStatusListCredential");
	assert_string_equal(json_string_value(json_array_get(json_object_get(l, "@context"), 0)),
			    "https://www.w3.org/ns/credentials/v2");
	assert_string_equal(json_string_value(json_object_get(subject, "type")), "BitstringStatusList");
	assert_string_equal(json_string_value(json_object_get(subject, "statusPurpose")), "revocation");
	assert_string_equal(json_string_value(json_object_get(subject, "encodedList")), "uH4sI");
	json_decref(l);
}

int main(void)
{
	crypto_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_specifications_empty_list_decodes),
		cmocka_unit_test(test_index_zero_is_the_left_most_bit),
		cmocka_unit_test(test_encoded_lists_are_gzip_in_multibase_base64url),
		cmocka_unit_test(test_what_is_not_a_list_is_refused),
		cmocka_unit_test(test_entries_and_lists_name_each_other),
	};
	return cmocka_run_group_tests_name("credential status lists", tests, NULL, NULL);
}
