/*
 * Rules of accounts without I/O: GB 11643 resident ID numbers, phone numbers, account numbers
 * with a Luhn check digit, masking, and the sealed and hashed forms in which they are stored.
 */
#include "accounts.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/crypto.h"

/* Province-level codes of GB/T 2260 that ID numbers begin with. */
static const int province_codes[] = { 11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43,
				      44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83 };

char id_number_check_char(const char *first17)
{
	static const int weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (first17[i] - '0') * weights[i];
	return check[sum % 11];
}

enum ll_err id_number_check(const char *id, int64_t now_us, struct id_facts *ret_facts)
{
	if (strlen(id) != ID_NUMBER_LEN)
		return ll_fail(LL_INVALID_ID_NUMBER, "id_number", "ID number must have 18 characters");
	for (int i = 0; i < 17; i++)
		if (id[i] < '0' || id[i] > '9')
			return ll_fail(LL_INVALID_ID_NUMBER, "id_number", "ID number must begin with 17 digits");
	char last = id[17] == 'x' ? 'X' : id[17];
	if (last != id_number_check_char(id))
		return ll_fail(LL_INVALID_ID_NUMBER, "id_number", "ID number check character is wrong");
	int province = (id[0] - '0') * 10 + (id[1] - '0');
	bool is_known = false;
	for (size_t i = 0; i < sizeof(province_codes) / sizeof(province_codes[0]); i++)
		is_known |= province_codes[i] == province;
	if (!is_known)
		return ll_fail(LL_INVALID_ID_NUMBER, "id_number", "ID number has an unknown region code");
	int y = 0, m = 0, d = 0;
	for (int i = 6; i < 10; i++)
		y = y * 10 + (id[i] - '0');
	m = (id[10] - '0') * 10 + (id[11] - '0');
	d = (id[12] - '0') * 10 + (id[13] - '0');
	if (!clock_is_valid_date(y, m, d) || y < 1900)
		return ll_fail(LL_INVALID_ID_NUMBER, "id_number", "ID number has an impossible birth date");
	/* Birth dates are dates in China Standard Time (UTC+8): compare with today's date there. */
	int64_t today_cst = (now_us / 1000000 + 8 * 3600) / 86400;
	if (clock_days_from_civil(y, (unsigned)m, (unsigned)d) > today_cst)
		return ll_fail(LL_INVALID_ID_NUMBER, "id_number", "ID number has a birth date in the future");
	if (ret_facts) {
		ret_facts->birth_year = y;
		ret_facts->birth_month = m;
		ret_facts->birth_day = d;
		ret_facts->gender = ((id[16] - '0') % 2) ? 'M' : 'F';
		memcpy(ret_facts->region, id, 6);
		ret_facts->region[6] = '\0';
	}
	return LL_OK;
}

enum ll_err phone_check(const char *phone)
{
	if (strlen(phone) != PHONE_LEN || phone[0] != '1' || phone[1] < '3')
		return ll_fail(LL_INVALID_PHONE, "phone", "phone must be an 11-digit mobile number starting 13-19");
	for (const char *p = phone; *p; p++)
		if (*p < '0' || *p > '9')
			return ll_fail(LL_INVALID_PHONE, "phone", "phone must have digits only");
	return LL_OK;
}

static int luhn_digit(const char *digits, size_t n)
{
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int v = digits[n - 1 - i] - '0';
		if (i % 2 == 0) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return (10 - sum % 10) % 10;
}

void account_no_format(int64_t serial, char out[ACCOUNT_NO_LEN + 1])
{
	snprintf(out, ACCOUNT_NO_LEN + 1, ACCOUNT_NO_PREFIX "%013lld", (long long)(serial % 10000000000000LL));
	out[ACCOUNT_NO_LEN - 1] = (char)('0' + luhn_digit(out, ACCOUNT_NO_LEN - 1));
	out[ACCOUNT_NO_LEN] = '\0';
}

bool account_no_is_valid(const char *s)
{
	if (strlen(s) != ACCOUNT_NO_LEN || strncmp(s, ACCOUNT_NO_PREFIX, 2) != 0)
		return false;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return s[ACCOUNT_NO_LEN - 1] - '0' == luhn_digit(s, ACCOUNT_NO_LEN - 1);
}

void mask_id_number(const char *id, char out[ID_NUMBER_LEN + 1])
{
	size_t n = strlen(id);
	if (n != ID_NUMBER_LEN) {
		memset(out, '*', ID_NUMBER_LEN);
	} else {
		memcpy(out, id, 3);
		memset(out + 3, '*', 11);
		memcpy(out + 14, id + 14, 4);
	}
	out[ID_NUMBER_LEN] = '\0';
}

void mask_phone(const char *phone, char out[PHONE_LEN + 1])
{
	if (strlen(phone) != PHONE_LEN) {
		memset(out, '*', PHONE_LEN);
	} else {
		memcpy(out, phone, 3);
		memset(out + 3, '*', 4);
		memcpy(out + 7, phone + 7, 4);
	}
	out[PHONE_LEN] = '\0';
}

void person_secrets_compute(const struct ll_keys *keys, const char *id_number, const char *phone,
			    struct person_secrets *ret)
{
	char id_upper[ID_NUMBER_LEN + 1];
	memcpy(id_upper, id_number, ID_NUMBER_LEN);
	id_upper[ID_NUMBER_LEN] = '\0';
	if (id_upper[17] == 'x')
		id_upper[17] = 'X';
	crypto_lookup_hash(keys, CRYPTO_DOMAIN_ID_NUMBER, id_upper, ID_NUMBER_LEN, ret->id_hash);
	crypto_seal(keys, id_upper, ID_NUMBER_LEN, ret->id_sealed);
	mask_id_number(id_upper, ret->id_masked);
	ret->has_phone = phone != NULL;
	if (phone) {
		crypto_lookup_hash(keys, CRYPTO_DOMAIN_PHONE, phone, PHONE_LEN, ret->phone_hash);
		crypto_seal(keys, phone, PHONE_LEN, ret->phone_sealed);
		mask_phone(phone, ret->phone_masked);
	}
	sodium_memzero(id_upper, sizeof(id_upper));
}
