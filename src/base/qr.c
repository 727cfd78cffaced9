/*
 * QR codes as SVG and PNG. The PNG is 8-bit greyscale (PNG 1.2: IHDR, one IDAT deflated by zlib,
 * IEND), each row led by filter type 0.
 */
#include <qrencode.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "qr.h"

#define QUIET 4

static QRcode *encode(const char *text)
{
	QRcode *qr = text ? QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) : NULL;
	if (!qr)
		ll_fail(LL_INVALID_VALUE, NULL, "cannot make a QR code of this text");
	return qr;
}

enum ll_err qr_svg(const char *text, struct buf *out)
{
	QRcode *qr = encode(text);
	if (!qr)
		return LL_INVALID_VALUE;
	int size = qr->width + 2 * QUIET;
	buf_printf(out,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
		   "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		   size, size, size, size);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				buf_printf(out, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
	buf_puts(out, "\"/></svg>");
	QRcode_free(qr);
	return LL_OK;
}

static void put32(struct buf *out, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
			       (unsigned char)v };
	buf_append(out, b, 4);
}

/* A chunk: length, type, data, and the CRC-32 of type and data. */
static void chunk(struct buf *out, const char type[4], const unsigned char *data, size_t len)
{
	put32(out, (uint32_t)len);
	buf_append(out, type, 4);
	if (len)
		buf_append(out, data, len);
	uLong crc = crc32(0L, (const Bytef *)type, 4);
	if (len)
		crc = crc32(crc, data, (uInt)len);
	put32(out, (uint32_t)crc);
}

enum ll_err qr_png(const char *text, int scale, struct buf *out)
{
	if (scale < 1 || scale > 32)
		return ll_fail(LL_OUT_OF_RANGE, "scale", "a module is 1 to 32 pixels");
	QRcode *qr = encode(text);
	if (!qr)
		return LL_INVALID_VALUE;
	size_t side = (size_t)(qr->width + 2 * QUIET) * (size_t)scale;
	size_t row = side + 1, raw_len = row * side;
	unsigned char *raw = malloc(raw_len);
	uLongf packed_len = compressBound((uLong)raw_len);
	unsigned char *packed = malloc(packed_len);
	if (!raw || !packed) {
		free(raw);
		free(packed);
		QRcode_free(qr);
		return LL_NOMEM;
	}
	for (size_t y = 0; y < side; y++) {
		unsigned char *r = raw + y * row;
		r[0] = 0;
		long my = (long)(y / (size_t)scale) - QUIET;
		for (size_t x = 0; x < side; x++) {
			long mx = (long)(x / (size_t)scale) - QUIET;
			bool is_dark = my >= 0 && mx >= 0 && my < qr->width && mx < qr->width &&
				       (qr->data[my * qr->width + mx] & 1);
			r[1 + x] = is_dark ? 0 : 255;
		}
	}
	QRcode_free(qr);
	int z = compress2(packed, &packed_len, raw, (uLong)raw_len, 9);
	free(raw);
	if (z != Z_OK) {
		free(packed);
		return ll_fail(LL_INTERNAL, NULL, "deflate failed (%d)", z);
	}
	static const unsigned char SIGNATURE[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	buf_append(out, SIGNATURE, sizeof(SIGNATURE));
	/* Width, height, bit depth 8, colour type 0 (greyscale), deflate, filter 0, no interlace. */
	unsigned char ihdr[13] = { 0 };
	for (int i = 0; i < 4; i++) {
		ihdr[i] = (unsigned char)(side >> (24 - 8 * i));
		ihdr[4 + i] = ihdr[i];
	}
	ihdr[8] = 8;
	chunk(out, "IHDR", ihdr, sizeof(ihdr));
	chunk(out, "IDAT", packed, packed_len);
	chunk(out, "IEND", NULL, 0);
	free(packed);
	return LL_OK;
}
