/*
 * QR codes of links (src/base/qr.c) and the per-address budget of guesses (src/http/guesses.c),
 * without a database or a server. The PNG is read back as a decoder would (signature, chunk CRCs,
 * size, inflated rows) and its pixels compared with the code libqrencode makes; the SVG draws the
 * same dark modules. The guess budget allows its burst, then one failure per interval, keeps
 * addresses apart (an IPv6 /64 is one address), and forgets the least limited address first when
 * its table is full.
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
#include <qrencode.h>

#include "base/buf.h"
#include "base/qr.h"
#include "http/guesses.h"

#define LINK "https://lifelong.sh.cn/s/KQkqlCasCWwepv5jdf9ENG_W3uuUmFXH"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The chunk of type at *pos in png, its CRC checked; advances *pos past it. */
static const unsigned char *chunk(const struct buf *png, size_t *pos, const char *type, uint32_t *ret_len)
{
	const unsigned char *p = (const unsigned char *)png->data + *pos;
	assert_true(*pos + 12 <= png->len);
	uint32_t len = be32(p);
	assert_true(*pos + 12 + len <= png->len);
	assert_memory_equal(p + 4, type, 4);
	uLong crc = crc32(0L, p + 4, 4 + len);
	assert_int_equal(be32(p + 8 + len), (uint32_t)crc);
	*pos += 12 + len;
	*ret_len = len;
	return p + 8;
}

static void test_png_is_the_code_libqrencode_makes(void **state)
{
	struct buf png;
	buf_init(&png);
	assert_int_equal(qr_png(LINK, 3, &png), LL_OK);
	static const unsigned char SIGNATURE[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	assert_true(png.len > 8);
	assert_memory_equal(png.data, SIGNATURE, 8);
	size_t pos = 8;
	uint32_t len;
	const unsigned char *ihdr = chunk(&png, &pos, "IHDR", &len);
	assert_int_equal(len, 13);
	QRcode *qr = QRcode_encodeString(LINK, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(qr);
	uint32_t side = (uint32_t)(qr->width + 8) * 3;
	assert_int_equal(be32(ihdr), side);
	assert_int_equal(be32(ihdr + 4), side);
	assert_int_equal(ihdr[8], 8); /* bit depth */
	assert_int_equal(ihdr[9], 0); /* greyscale */
	const unsigned char *idat = chunk(&png, &pos, "IDAT", &len);
	uLongf raw_len = (uLongf)(side + 1) * side;
	unsigned char *raw = malloc(raw_len);
	assert_int_equal(uncompress(raw, &raw_len, idat, len), Z_OK);
	assert_int_equal(raw_len, (uLongf)(side + 1) * side);
	chunk(&png, &pos, "IEND", &len);
	assert_int_equal(len, 0);
	assert_int_equal(pos, png.len);
	/* Every pixel: dark where the module is, white in the quiet zone of four modules. */
	for (uint32_t y = 0; y < side; y++) {
		assert_int_equal(raw[y * (side + 1)], 0); /* filter: none */
		for (uint32_t x = 0; x < side; x++) {
			int my = (int)(y / 3) - 4, mx = (int)(x / 3) - 4;
			bool is_dark = my >= 0 && mx >= 0 && my < qr->width && mx < qr->width &&
				       (qr->data[my * qr->width + mx] & 1);
			assert_int_equal(raw[y * (side + 1) + 1 + x], is_dark ? 0 : 255);
		}
	}
	free(raw);
	QRcode_free(qr);
	buf_release(&png);
}

static void test_svg_draws_each_dark_module_once(void **state)
{
	struct buf svg;
	buf_init(&svg);
	assert_int_equal(qr_svg(LINK, &svg), LL_OK);
	buf_putc(&svg, '\0');
	QRcode *qr = QRcode_encodeString(LINK, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int dark = 0;
	for (int i = 0; i < qr->width * qr->width; i++)
		dark += qr->data[i] & 1;
	char view[64];
	snprintf(view, sizeof(view), "viewBox=\"0 0 %d %d\"", qr->width + 8, qr->width + 8);
	assert_non_null(strstr(svg.data, view));
	int squares = 0;
	for (const char *p = svg.data; (p = strstr(p, "h1v1h-1z")); p++)
		squares++;
	assert_int_equal(squares, dark);
	/* The top-left finder pattern's corner module, after the quiet zone. */
	assert_non_null(strstr(svg.data, "M4 4h1v1h-1z"));
	QRcode_free(qr);
	buf_release(&svg);
}

static void test_png_scale_out_of_range_is_refused(void **state)
{
	struct buf png;
	buf_init(&png);
	assert_int_equal(qr_png(LINK, 0, &png), LL_OUT_OF_RANGE);
	assert_int_equal(qr_png(LINK, 33, &png), LL_OUT_OF_RANGE);
	assert_int_equal(png.len, 0);
	buf_release(&png);
}

/* ---- Guesses ---- */

#define S 1000000LL

static void test_burst_then_one_per_interval(void **state)
{
	struct guess_limit *g = guess_limit_new(20, 30 * S, 1024);
	int64_t now = 1000 * S;
	int wait = -1;
	for (int i = 0; i < 20; i++) {
		assert_true(guess_limit_allows(g, "198.51.100.7", now + i, &wait));
		assert_int_equal(wait, 0);
		guess_limit_fail(g, "198.51.100.7", now + i);
	}
	assert_false(guess_limit_allows(g, "198.51.100.7", now + 20, &wait));
	assert_int_equal(wait, 30);
	/* Half an interval later: still not. */
	assert_false(guess_limit_allows(g, "198.51.100.7", now + 15 * S, &wait));
	assert_int_equal(wait, 15);
	/* One interval later: one more, and then not again for another interval. */
	assert_true(guess_limit_allows(g, "198.51.100.7", now + 30 * S + 20, &wait));
	guess_limit_fail(g, "198.51.100.7", now + 30 * S + 20);
	assert_false(guess_limit_allows(g, "198.51.100.7", now + 31 * S, &wait));
	/* Long after: the whole burst again. */
	for (int i = 0; i < 20; i++) {
		assert_true(guess_limit_allows(g, "198.51.100.7", now + 3600 * S, &wait));
		guess_limit_fail(g, "198.51.100.7", now + 3600 * S);
	}
	assert_false(guess_limit_allows(g, "198.51.100.7", now + 3600 * S, &wait));
	guess_limit_free(g);
}

static void test_addresses_are_apart_and_an_ipv6_64_is_one(void **state)
{
	struct guess_limit *g = guess_limit_new(2, 60 * S, 1024);
	int64_t now = 5 * S;
	int wait;
	guess_limit_fail(g, "2001:db8:1:2::1", now);
	guess_limit_fail(g, "2001:db8:1:2:ffff::9", now);
	/* The same /64: limited together. */
	assert_false(guess_limit_allows(g, "2001:db8:1:2::77", now, &wait));
	/* Another /64, an IPv4 address, and one that differs in its last digit: untouched. */
	assert_true(guess_limit_allows(g, "2001:db8:1:3::1", now, &wait));
	guess_limit_fail(g, "192.0.2.1", now);
	guess_limit_fail(g, "192.0.2.1", now);
	assert_false(guess_limit_allows(g, "192.0.2.1", now, &wait));
	assert_true(guess_limit_allows(g, "192.0.2.10", now, &wait));
	/* An IPv4-mapped IPv6 address is its IPv4 address, not a /64 shared with others. */
	guess_limit_fail(g, "::ffff:192.0.2.50", now);
	assert_true(guess_limit_allows(g, "::ffff:192.0.2.51", now, &wait));
	guess_limit_fail(g, "::ffff:192.0.2.50", now);
	assert_false(guess_limit_allows(g, "192.0.2.50", now, &wait));
	/* An address that does not parse is still counted by what it says. */
	guess_limit_fail(g, "unix", now);
	guess_limit_fail(g, "unix", now);
	assert_false(guess_limit_allows(g, "unix", now, &wait));
	/* No limit: everything is allowed. */
	assert_true(guess_limit_allows(NULL, "192.0.2.1", now, &wait));
	guess_limit_free(g);
}

static void test_a_full_table_forgets_the_least_limited_address_first(void **state)
{
	/* Eight slots: one probe's worth. */
	struct guess_limit *g = guess_limit_new(1, 60 * S, 8);
	int64_t now = 100 * S;
	int wait;
	char addr[32];
	/* Eight addresses fail once, an hour apart: the first is paid off long before the last. */
	for (int i = 0; i < 8; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%d", i);
		guess_limit_fail(g, addr, now + i * 3600 * S);
	}
	int64_t later = now + 7 * 3600 * S + S;
	assert_false(guess_limit_allows(g, "203.0.113.7", later, &wait));
	/* A ninth address takes the slot of the one paid off earliest (the first); the newest stays limited. */
	guess_limit_fail(g, "203.0.113.200", later);
	assert_false(guess_limit_allows(g, "203.0.113.200", later, &wait));
	assert_false(guess_limit_allows(g, "203.0.113.7", later, &wait));
	assert_true(guess_limit_allows(g, "203.0.113.0", later, &wait));
	guess_limit_free(g);
}

static void test_new_refuses_nonsense(void **state)
{
	assert_null(guess_limit_new(0, S, 64));
	assert_null(guess_limit_new(5, 0, 64));
	assert_null(guess_limit_new(5, S, 4));
	guess_limit_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_png_is_the_code_libqrencode_makes),
		cmocka_unit_test(test_svg_draws_each_dark_module_once),
		cmocka_unit_test(test_png_scale_out_of_range_is_refused),
		cmocka_unit_test(test_burst_then_one_per_interval),
		cmocka_unit_test(test_addresses_are_apart_and_an_ipv6_64_is_one),
		cmocka_unit_test(test_a_full_table_forgets_the_least_limited_address_first),
		cmocka_unit_test(test_new_refuses_nonsense),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
