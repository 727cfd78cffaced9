/* UUIDv7: 48-bit millisecond time, version 7, 74 random bits, variant 10. */
#include "id.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

void id_from_parts(int64_t unix_ms, const uint8_t rand10[10], ll_id *ret_id)
{
	uint8_t b[16];
	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)(unix_ms >> (40 - 8 * i));
	memcpy(b + 6, rand10, 10);
	b[6] = (uint8_t)(0x70 | (b[6] & 0x0f));
	b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
	snprintf(ret_id->s, sizeof(ret_id->s),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void id_new(ll_id *ret_id)
{
	uint8_t r[10];
	randombytes_buf(r, sizeof(r));
	id_from_parts(clock_now_us() / 1000, r, ret_id);
}

bool id_is_valid(const char *s)
{
	if (strlen(s) != LL_ID_LEN)
		return false;
	for (int i = 0; i < LL_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return false;
		}
	}
	return true;
}
