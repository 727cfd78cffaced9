/*
 * Account rules without a database: GB 11643 resident ID numbers, mobile numbers, account
 * numbers with their Luhn digit, masking, and the sealed and hashed forms they are stored in.
 * The check characters below were computed outside this program (weights 7 9 10 5 8 4 2 1 6 3
 * 7 9 10 5 8 4 2, sum mod 11 into "10X98765432"), so a change to the algorithm breaks them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "accounts/accounts.h"
#include "base/clock.h"
#include "base/crypto.h"

/* 2024-06-01T00:00:00Z: a fixed "now" so the future-date rule is reproducible. */
#define NOW_US (1717200000LL * 1000000LL)

static const char *const valid_ids[] = {
	"11010519491231002X", /* the commonly cited example */
	"310104199001011233",
	"310115198506154322",
	"440304200002290014", /* born on a leap day */
	"31011519800315104X",
	"310110198010101110",
	"310105197001010051",
	"310112198512317774",
	"310101202406011237", /* born today */
};

static void test_id_number_valid(void **state)
{
	for (size_t i = 0; i < sizeof(valid_ids) / sizeof(valid_ids[0]); i++) {
		enum ll_err err = id_number_check(valid_ids[i], NOW_US, NULL);
		if (err != LL_OK)
			fail_msg("%s refused: %s", valid_ids[i], ll_error_get(err)->message);
	}
}

static void test_id_number_check_char_known(void **state)
{
	assert_int_equal(id_number_check_char("11010519491231002"), 'X');
	assert_int_equal(id_number_check_char("31011519800315104"), 'X');
	assert_int_equal(id_number_check_char("31010419900101123"), '3');
	assert_int_equal(id_number_check_char("31011519850615432"), '2');
	assert_int_equal(id_number_check_char("44030420000229001"), '4');
	assert_int_equal(id_number_check_char("31011019801010111"), '0');
	assert_int_equal(id_number_check_char("31010519700101005"), '1');
	assert_int_equal(id_number_check_char("11010519491231003"), '8');
	/* Every valid example's last character is its check character. */
	for (size_t i = 0; i < sizeof(valid_ids) / sizeof(valid_ids[0]); i++)
		assert_int_equal(id_number_check_char(valid_ids[i]), valid_ids[i][17]);
}

static void test_id_number_lowercase_x_accepted(void **state)
{
	assert_int_equal(id_number_check("11010519491231002x", NOW_US, NULL), LL_OK);
	assert_int_equal(id_number_check("31011519800315104x", NOW_US, NULL), LL_OK);
}

static void expect_invalid(const char *id, const char *why)
{
	struct id_facts facts;
	memset(&facts, 0x55, sizeof(facts));
	ll_error_clear();
	enum ll_err err = id_number_check(id, NOW_US, &facts);
	if (err != LL_INVALID_ID_NUMBER)
		fail_msg("%s (%s): got %s", id, why, ll_err_code(err));
	assert_string_equal(ll_error_get(err)->field, "id_number");
	assert_int_equal(facts.birth_year, 0x55555555); /* nothing written on failure */
}

static void test_id_number_wrong_length(void **state)
{
	expect_invalid("", "empty");
	expect_invalid("31010419900101123", "17 characters");
	expect_invalid("3101041990010112333", "19 characters");
	expect_invalid("310104900101123", "old 15-digit form");
}

static void test_id_number_non_digit(void **state)
{
	expect_invalid("3101041990O1011233", "letter O for zero");
	expect_invalid("31010A199001011233", "letter in region");
	expect_invalid("X10104199001011233", "X at the front");
	expect_invalid("3101041990010112X3", "X in the sequence");
	expect_invalid("-10104199001011233", "sign");
}

static void test_id_number_wrong_check_char(void **state)
{
	expect_invalid("310104199001011234", "check 4 for 3");
	expect_invalid("110105194912310021", "digit for X");
	expect_invalid("11010519491231002Y", "Y for X");
	/* A single changed digit is caught. */
	char id[] = "310104199001011233";
	for (int pos = 0; pos < 17; pos++) {
		char orig = id[pos];
		for (char d = '0'; d <= '9'; d++) {
			if (d == orig)
				continue;
			id[pos] = d;
			assert_int_not_equal(id_number_check(id, NOW_US, NULL), LL_OK);
		}
		id[pos] = orig;
	}
}

static void test_id_number_unknown_province(void **state)
{
	expect_invalid("990101199001011230", "province 99 with a right check char");
	expect_invalid("000101199001011231", "province 00");
	assert_int_equal(id_number_check_char("99010119900101123"), '0');
}

static void test_id_number_impossible_dates(void **state)
{
	expect_invalid("310101199902301239", "1999-02-30");
	expect_invalid("310101202302291238", "2023-02-29, not a leap year");
	expect_invalid("310101189912311239", "1899, before 1900");
	char id[19];
	/* Month 13 and day 00, each with its right check character. */
	memcpy(id, "31010119901301123", 17);
	id[17] = id_number_check_char(id);
	id[18] = '\0';
	expect_invalid(id, "month 13");
	memcpy(id, "31010119900100123", 17);
	id[17] = id_number_check_char(id);
	expect_invalid(id, "day 00");
	memcpy(id, "31010119000229123", 17);
	id[17] = id_number_check_char(id);
	expect_invalid(id, "1900-02-29, century not leap");
	memcpy(id, "31010120000229123", 17);
	id[17] = id_number_check_char(id);
	assert_int_equal(id_number_check(id, NOW_US, NULL), LL_OK); /* 2000 is a leap year */
	memcpy(id, "31010119000101123", 17);
	id[17] = id_number_check_char(id);
	assert_int_equal(id_number_check(id, NOW_US, NULL), LL_OK); /* 1900 itself is allowed */
}

static void test_id_number_future_birth_date(void **state)
{
	expect_invalid("310101202406021232", "tomorrow");
	assert_int_equal(id_number_check("310101202406011237", NOW_US, NULL), LL_OK);
	/* The same number becomes valid once that day has come. */
	assert_int_equal(id_number_check("310101202406021232", NOW_US + 86400LL * 1000000, NULL), LL_OK);
}

static void test_id_number_facts(void **state)
{
	struct id_facts f;
	assert_int_equal(id_number_check("11010519491231002X", NOW_US, &f), LL_OK);
	assert_int_equal(f.birth_year, 1949);
	assert_int_equal(f.birth_month, 12);
	assert_int_equal(f.birth_day, 31);
	assert_int_equal(f.gender, 'F'); /* 17th digit 2: even */
	assert_string_equal(f.region, "110105");
	assert_int_equal(id_number_check("310104199001011233", NOW_US, &f), LL_OK);
	assert_int_equal(f.birth_year, 1990);
	assert_int_equal(f.birth_month, 1);
	assert_int_equal(f.birth_day, 1);
	assert_int_equal(f.gender, 'M'); /* 17th digit 3: odd */
	assert_string_equal(f.region, "310104");
	assert_int_equal(id_number_check("440304200002290014", NOW_US, &f), LL_OK);
	assert_int_equal(f.birth_month, 2);
	assert_int_equal(f.birth_day, 29);
	assert_int_equal(f.gender, 'M'); /* 1 */
	assert_string_equal(f.region, "440304");
}

static void test_phone_check(void **state)
{
	const char *good[] = { "13812345678", "13000000000", "15900001111", "19999999999", "16612345678" };
	const char *bad[] = {
		"", "1381234567", "138123456789", "12812345678", "10812345678", "23812345678", "03812345678",
		"1381234567a", "+8613812345", "138 1234 56", "1:812345678", "1a812345678",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(phone_check(good[i]), LL_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum ll_err err = phone_check(bad[i]);
		if (err != LL_INVALID_PHONE)
			fail_msg("'%s' accepted as a phone", bad[i]);
		assert_string_equal(ll_error_get(err)->field, "phone");
	}
}

static void test_account_no_format_known(void **state)
{
	/* Luhn digits computed by hand over "31" + 13-digit serial. */
	char out[ACCOUNT_NO_LEN + 1];
	account_no_format(1, out);
	assert_string_equal(out, "3100000000000011");
	account_no_format(42, out);
	assert_string_equal(out, "3100000000000425");
	account_no_format(1234567890123LL, out);
	assert_string_equal(out, "3112345678901230");
	account_no_format(0, out);
	assert_string_equal(out, "3100000000000003");
}

static void test_account_no_format_is_valid(void **state)
{
	char out[ACCOUNT_NO_LEN + 1];
	for (int64_t serial = 0; serial < 5000; serial += 37) {
		account_no_format(serial, out);
		assert_int_equal(strlen(out), ACCOUNT_NO_LEN);
		assert_memory_equal(out, ACCOUNT_NO_PREFIX, 2);
		assert_true(account_no_is_valid(out));
	}
	account_no_format(9999999999999LL, out);
	assert_true(account_no_is_valid(out));
}

static void test_account_no_single_digit_change_detected(void **state)
{
	const int64_t serials[] = { 1, 42, 1234567890123LL, 9999999999999LL, 5050505050505LL };
	for (size_t s = 0; s < sizeof(serials) / sizeof(serials[0]); s++) {
		char no[ACCOUNT_NO_LEN + 1];
		account_no_format(serials[s], no);
		for (int pos = 0; pos < ACCOUNT_NO_LEN; pos++) {
			char orig = no[pos];
			for (char d = '0'; d <= '9'; d++) {
				if (d == orig)
					continue;
				no[pos] = d;
				if (account_no_is_valid(no))
					fail_msg("%s accepted after changing position %d", no, pos);
			}
			no[pos] = orig;
		}
		assert_true(account_no_is_valid(no));
	}
}

static void test_account_no_adjacent_swap_detected(void **state)
{
	char no[ACCOUNT_NO_LEN + 1];
	account_no_format(1234567890123LL, no);
	/* Luhn catches every adjacent transposition except 09 <-> 90. */
	for (int pos = 2; pos + 1 < ACCOUNT_NO_LEN; pos++) {
		char a = no[pos], b = no[pos + 1];
		if (a == b || (a == '0' && b == '9') || (a == '9' && b == '0'))
			continue;
		no[pos] = b;
		no[pos + 1] = a;
		assert_false(account_no_is_valid(no));
		no[pos] = a;
		no[pos + 1] = b;
	}
}

static void test_account_no_prefix_and_length(void **state)
{
	assert_true(account_no_is_valid("3100000000000011"));
	assert_false(account_no_is_valid(""));
	assert_false(account_no_is_valid("310000000000001"));    /* 15 */
	assert_false(account_no_is_valid("31000000000000110"));  /* 17 */
	/* A Luhn-valid number with another prefix: 32 + 13 digits + its check digit. */
	assert_false(account_no_is_valid("3200000000000010"));
	assert_false(account_no_is_valid("0000000000000000"));
	assert_false(account_no_is_valid("31000000000000a1"));
	assert_false(account_no_is_valid("31000000000000 1"));
}

static void test_mask_id_number(void **state)
{
	char out[ID_NUMBER_LEN + 1];
	mask_id_number("31010419900101123X", out);
	assert_string_equal(out, "310***********123X");
	mask_id_number("310104199001011233", out);
	assert_string_equal(out, "310***********1233");
	/* Anything that is not 18 characters is hidden entirely, never partly shown. */
	mask_id_number("3101041990010112", out);
	assert_string_equal(out, "******************");
	mask_id_number("3101041990010112333", out);
	assert_string_equal(out, "******************");
	mask_id_number("", out);
	assert_string_equal(out, "******************");
}

static void test_mask_phone(void **state)
{
	char out[PHONE_LEN + 1];
	mask_phone("13812345678", out);
	assert_string_equal(out, "138****5678");
	mask_phone("1381234567", out);
	assert_string_equal(out, "***********");
	mask_phone("138123456789", out);
	assert_string_equal(out, "***********");
	mask_phone("", out);
	assert_string_equal(out, "***********");
}

/* ---- stored forms ---- */

static char g_tmp[64];
static char g_keys_path[128];
static struct ll_keys *g_keys;

static int secrets_setup(void **state)
{
	if (crypto_init() != LL_OK)
		return -1;
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/ll-test-accounts-XXXXXX");
	if (!mkdtemp(g_tmp))
		return -1;
	snprintf(g_keys_path, sizeof(g_keys_path), "%s/keys", g_tmp);
	if (keys_generate_file(g_keys_path, false) != LL_OK || keys_load(g_keys_path, &g_keys) != LL_OK)
		return -1;
	return 0;
}

static int secrets_teardown(void **state)
{
	g_keys = keys_free(g_keys);
	unlink(g_keys_path);
	return rmdir(g_tmp) == 0 ? 0 : -1;
}

static void test_secrets_lowercase_x_is_the_same_person(void **state)
{
	struct person_secrets upper, lower;
	person_secrets_compute(g_keys, "11010519491231002X", NULL, &upper);
	person_secrets_compute(g_keys, "11010519491231002x", NULL, &lower);
	assert_memory_equal(upper.id_hash, lower.id_hash, CRYPTO_HASH_BYTES);
	assert_string_equal(lower.id_masked, "110***********002X");
	char opened[ID_NUMBER_LEN];
	assert_true(crypto_open(g_keys, lower.id_sealed, sizeof(lower.id_sealed), opened));
	assert_memory_equal(opened, "11010519491231002X", ID_NUMBER_LEN);
	/* The look-up hash is the plain keyed hash of the stored spelling, so a search finds it. */
	unsigned char want[CRYPTO_HASH_BYTES];
	crypto_lookup_hash(g_keys, CRYPTO_DOMAIN_ID_NUMBER, "11010519491231002X", ID_NUMBER_LEN, want);
	assert_memory_equal(lower.id_hash, want, CRYPTO_HASH_BYTES);
}

static void test_secrets_phone(void **state)
{
	struct person_secrets s, none;
	person_secrets_compute(g_keys, "310104199001011233", "13812345678", &s);
	assert_true(s.has_phone);
	assert_string_equal(s.phone_masked, "138****5678");
	assert_string_equal(s.id_masked, "310***********1233");
	char opened[PHONE_LEN];
	assert_true(crypto_open(g_keys, s.phone_sealed, sizeof(s.phone_sealed), opened));
	assert_memory_equal(opened, "13812345678", PHONE_LEN);
	unsigned char want[CRYPTO_HASH_BYTES];
	crypto_lookup_hash(g_keys, CRYPTO_DOMAIN_PHONE, "13812345678", PHONE_LEN, want);
	assert_memory_equal(s.phone_hash, want, CRYPTO_HASH_BYTES);
	person_secrets_compute(g_keys, "310104199001011233", NULL, &none);
	assert_false(none.has_phone);
	assert_memory_equal(none.id_hash, s.id_hash, CRYPTO_HASH_BYTES);
}

static void test_secrets_sealed_with_fresh_nonces(void **state)
{
	struct person_secrets a, b;
	person_secrets_compute(g_keys, "310104199001011233", "13812345678", &a);
	person_secrets_compute(g_keys, "310104199001011233", "13812345678", &b);
	assert_memory_equal(a.id_hash, b.id_hash, CRYPTO_HASH_BYTES);
	assert_memory_equal(a.phone_hash, b.phone_hash, CRYPTO_HASH_BYTES);
	assert_memory_not_equal(a.id_sealed, b.id_sealed, sizeof(a.id_sealed));
	assert_memory_not_equal(a.phone_sealed, b.phone_sealed, sizeof(a.phone_sealed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_number_valid),
		cmocka_unit_test(test_id_number_check_char_known),
		cmocka_unit_test(test_id_number_lowercase_x_accepted),
		cmocka_unit_test(test_id_number_wrong_length),
		cmocka_unit_test(test_id_number_non_digit),
		cmocka_unit_test(test_id_number_wrong_check_char),
		cmocka_unit_test(test_id_number_unknown_province),
		cmocka_unit_test(test_id_number_impossible_dates),
		cmocka_unit_test(test_id_number_future_birth_date),
		cmocka_unit_test(test_id_number_facts),
		cmocka_unit_test(test_phone_check),
		cmocka_unit_test(test_account_no_format_known),
		cmocka_unit_test(test_account_no_format_is_valid),
		cmocka_unit_test(test_account_no_single_digit_change_detected),
		cmocka_unit_test(test_account_no_adjacent_swap_detected),
		cmocka_unit_test(test_account_no_prefix_and_length),
		cmocka_unit_test(test_mask_id_number),
		cmocka_unit_test(test_mask_phone),
	};
	const struct CMUnitTest secrets_tests[] = {
		cmocka_unit_test(test_secrets_lowercase_x_is_the_same_person),
		cmocka_unit_test(test_secrets_phone),
		cmocka_unit_test(test_secrets_sealed_with_fresh_nonces),
	};
	int failed = cmocka_run_group_tests_name("rules", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("stored forms", secrets_tests, secrets_setup, secrets_teardown);
	return failed ? 1 : 0;
}
