/*
 * Streaming UTF-8 and GB18030 decoding. UTF-8 is checked here byte by byte (a small state
 * machine after RFC 3629's table); GB18030 is converted by glibc's iconv from a small staging
 * block, with an unfinished character carried to the next chunk. Output goes out in blocks of
 * whole characters. Nothing here may hold more than a block of text or reject a file for a bad
 * byte; the one file-level refusal is UTF-16, which is not text this reader can split into lines.
 */
#include "textenc.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OUT_BYTES 65536
#define STAGE_BYTES 4096

/* Where a UTF-8 character stands while its bytes arrive. */
struct utf8_state {
	unsigned char seq[4];
	unsigned char len;    /* bytes held in seq */
	unsigned char need;   /* continuation bytes still to come */
	unsigned char lo, hi; /* range the next continuation byte must fall in */
};

struct textenc_decoder {
	enum textenc enc;          /* TEXTENC_AUTO until decided */
	enum ll_err err;           /* sticky: the sink's refusal or a file-level failure */
	uint64_t in_bytes;         /* input bytes taken so far */
	uint64_t invalid_count;
	bool is_started;           /* some text was produced (a BOM can only come first) */

	/* automatic detection: bytes from the first non-ASCII one, until there are enough */
	unsigned char sniff[TEXTENC_SNIFF_BYTES];
	size_t sniff_len;
	bool is_sniff_at_start;    /* the sniff began at the first byte of the input */

	struct utf8_state u8;

	iconv_t cd;                /* GB18030 to UTF-8; (iconv_t)-1 when not needed */
	unsigned char carry[4];    /* a GB18030 character cut off at the end of the last chunk */
	size_t carry_len;

	textenc_sink_fn sink;      /* for the call in progress */
	void *ctx;
	char out[OUT_BYTES];
	size_t out_len;
};

enum utf8_step { UTF8_MORE, UTF8_CHAR, UTF8_BAD, UTF8_BAD_AGAIN };

/* Takes one byte. UTF8_CHAR: seq holds a whole character. UTF8_BAD: b cannot start one.
 * UTF8_BAD_AGAIN: the bytes held were a cut-off character and b must be taken again afresh. */
static enum utf8_step utf8_step(struct utf8_state *s, unsigned char b)
{
	if (s->need == 0) {
		s->len = 0;
		if (b < 0x80) {
			s->seq[s->len++] = b;
			return UTF8_CHAR;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			s->need = 1, s->lo = 0x80, s->hi = 0xbf;
		} else if (b >= 0xe0 && b <= 0xef) {
			/* E0 would be overlong below A0; ED above 9F would be a surrogate. */
			s->need = 2, s->lo = b == 0xe0 ? 0xa0 : 0x80, s->hi = b == 0xed ? 0x9f : 0xbf;
		} else if (b >= 0xf0 && b <= 0xf4) {
			/* F0 would be overlong below 90; F4 above 8F would pass U+10FFFF. */
			s->need = 3, s->lo = b == 0xf0 ? 0x90 : 0x80, s->hi = b == 0xf4 ? 0x8f : 0xbf;
		} else {
			return UTF8_BAD;
		}
		s->seq[s->len++] = b;
		return UTF8_MORE;
	}
	if (b < s->lo || b > s->hi) {
		s->need = 0;
		return UTF8_BAD_AGAIN;
	}
	s->seq[s->len++] = b;
	s->lo = 0x80, s->hi = 0xbf;
	return --s->need == 0 ? UTF8_CHAR : UTF8_MORE;
}

bool textenc_utf8_valid(const void *p, size_t len, bool allow_cut)
{
	const unsigned char *s = p;
	struct utf8_state st = { .need = 0 };
	for (size_t i = 0; i < len; i++) {
		enum utf8_step step = utf8_step(&st, s[i]);
		if (step == UTF8_BAD || step == UTF8_BAD_AGAIN)
			return false;
	}
	return st.need == 0 || allow_cut;
}

/* ---- output ---- */

static void out_flush(struct textenc_decoder *d)
{
	if (d->out_len > 0 && d->err == LL_OK)
		d->err = d->sink(d->ctx, d->out, d->out_len);
	d->out_len = 0;
}

static void out_room(struct textenc_decoder *d, size_t n)
{
	if (OUT_BYTES - d->out_len < n)
		out_flush(d);
}

/* A run of ASCII bytes, which may be long. */
static void out_ascii(struct textenc_decoder *d, const unsigned char *p, size_t n)
{
	if (n > 0)
		d->is_started = true;
	while (n > 0 && d->err == LL_OK) {
		out_room(d, 1);
		size_t take = OUT_BYTES - d->out_len;
		if (take > n)
			take = n;
		memcpy(d->out + d->out_len, p, take);
		d->out_len += take;
		p += take, n -= take;
	}
}

/* One whole character: a byte-order mark is dropped when it comes first. */
static void out_char(struct textenc_decoder *d, const unsigned char *seq, size_t len)
{
	if (!d->is_started) {
		d->is_started = true;
		if (len == 3 && seq[0] == 0xef && seq[1] == 0xbb && seq[2] == 0xbf)
			return;
	}
	out_room(d, len);
	memcpy(d->out + d->out_len, seq, len);
	d->out_len += len;
}

static void out_invalid(struct textenc_decoder *d)
{
	d->is_started = true;
	d->invalid_count++;
	out_room(d, 1);
	d->out[d->out_len++] = (char)TEXTENC_INVALID;
}

/* ---- UTF-8 ---- */

static void utf8_decode(struct textenc_decoder *d, const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n && d->err == LL_OK) {
		if (d->u8.need == 0 && p[i] < 0x80) {
			size_t run = i;
			while (run < n && p[run] < 0x80)
				run++;
			out_ascii(d, p + i, run - i);
			i = run;
			continue;
		}
		switch (utf8_step(&d->u8, p[i])) {
		case UTF8_MORE:
			i++;
			break;
		case UTF8_CHAR:
			out_char(d, d->u8.seq, d->u8.len);
			i++;
			break;
		case UTF8_BAD:
			out_invalid(d);
			i++;
			break;
		case UTF8_BAD_AGAIN:
			/* One mark for the cut-off character; the byte that cut it is read again,
			 * so a comma or a newline right after a broken character keeps its meaning. */
			out_invalid(d);
			break;
		}
	}
}

static void utf8_finish(struct textenc_decoder *d)
{
	if (d->u8.need > 0) {
		d->u8.need = 0;
		out_invalid(d);
	}
}

/* ---- GB18030 ---- */

/* Converts the staging bytes; leaves a character cut off at their end in carry unless at_eof. */
static void gb_convert(struct textenc_decoder *d, unsigned char *stage, size_t len, bool at_eof)
{
	char *in = (char *)stage;
	size_t in_left = len;
	while (in_left > 0 && d->err == LL_OK) {
		out_room(d, 16);
		bool was_started = d->is_started;
		size_t before = d->out_len;
		char *o = d->out + d->out_len;
		size_t o_left = OUT_BYTES - d->out_len;
		size_t rc = iconv(d->cd, &in, &in_left, &o, &o_left);
		int e = errno;
		d->out_len = (size_t)(o - d->out);
		if (!was_started && d->out_len > before) {
			d->is_started = true;
			/* Nothing came out before, so the buffer starts with this text. */
			if (d->out_len >= 3 && memcmp(d->out, "\xef\xbb\xbf", 3) == 0) {
				memmove(d->out, d->out + 3, d->out_len - 3);
				d->out_len -= 3;
			}
		}
		if (rc != (size_t)-1)
			break;
		if (e == E2BIG) {
			out_flush(d);
		} else if (e == EINVAL && !at_eof && in_left <= sizeof(d->carry)) {
			memcpy(d->carry, in, in_left);
			d->carry_len = in_left;
			return;
		} else {
			/* EILSEQ, or a character cut off by the end of the file: mark the first byte
			 * and go on from the next, as a trail byte may be ASCII with its own meaning. */
			out_invalid(d);
			in++, in_left--;
		}
	}
}

static void gb_decode(struct textenc_decoder *d, const unsigned char *p, size_t n, bool at_eof)
{
	unsigned char stage[sizeof(d->carry) + STAGE_BYTES];
	while ((n > 0 || (at_eof && d->carry_len > 0)) && d->err == LL_OK) {
		size_t take = n < STAGE_BYTES ? n : STAGE_BYTES;
		size_t len = d->carry_len;
		memcpy(stage, d->carry, len);
		if (take > 0)
			memcpy(stage + len, p, take);
		len += take;
		p += take, n -= take;
		d->carry_len = 0;
		gb_convert(d, stage, len, at_eof && n == 0);
	}
}

static bool gb_valid(iconv_t cd, const unsigned char *p, size_t len, bool allow_cut)
{
	char *in = (char *)(uintptr_t)p;
	size_t in_left = len;
	char scratch[1024];
	iconv(cd, NULL, NULL, NULL, NULL);
	while (in_left > 0) {
		char *o = scratch;
		size_t o_left = sizeof(scratch);
		if (iconv(cd, &in, &in_left, &o, &o_left) != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		return errno == EINVAL && allow_cut;
	}
	return true;
}

/* ---- detection ---- */

static void decode(struct textenc_decoder *d, const unsigned char *p, size_t n)
{
	if (d->enc == TEXTENC_GB18030)
		gb_decode(d, p, n, false);
	else
		utf8_decode(d, p, n);
}

/* Chooses the encoding from the sniffed bytes, then decodes them. at_eof: nothing follows. */
static void decide(struct textenc_decoder *d, bool at_eof)
{
	const unsigned char *s = d->sniff;
	size_t n = d->sniff_len;
	if (d->is_sniff_at_start && n >= 2 &&
	    ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff))) {
		d->err = ll_fail(LL_BAD_ENCODING, NULL,
				 "file is UTF-16 text; save it as CSV in UTF-8 or GB18030");
		return;
	}
	if (d->is_sniff_at_start && n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		d->enc = TEXTENC_UTF8;
	else if (textenc_utf8_valid(s, n, !at_eof))
		d->enc = TEXTENC_UTF8;
	else if (gb_valid(d->cd, s, n, !at_eof))
		d->enc = TEXTENC_GB18030;
	else
		d->enc = TEXTENC_UTF8; /* neither: read as UTF-8 and let the bad rows say so */
	iconv(d->cd, NULL, NULL, NULL, NULL);
	d->sniff_len = 0;
	decode(d, s, n);
}

/* ---- public ---- */

enum ll_err textenc_decoder_new(enum textenc enc, struct textenc_decoder **ret_dec)
{
	struct textenc_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return ll_fail(LL_NOMEM, NULL, "no memory for a text decoder");
	d->enc = enc;
	d->cd = (iconv_t)-1;
	if (enc != TEXTENC_UTF8) {
		d->cd = iconv_open("UTF-8", "GB18030");
		if (d->cd == (iconv_t)-1) {
			free(d);
			return ll_fail(LL_INTERNAL, NULL, "iconv cannot convert GB18030 to UTF-8");
		}
	}
	*ret_dec = d;
	return LL_OK;
}

struct textenc_decoder *textenc_decoder_free(struct textenc_decoder *d)
{
	if (d) {
		if (d->cd != (iconv_t)-1)
			iconv_close(d->cd);
		free(d);
	}
	return NULL;
}

enum ll_err textenc_decoder_feed(struct textenc_decoder *d, const void *data, size_t len,
				 textenc_sink_fn sink, void *ctx)
{
	const unsigned char *p = data;
	if (d->err != LL_OK)
		return d->err;
	d->sink = sink, d->ctx = ctx;
	while (len > 0 && d->err == LL_OK && d->enc == TEXTENC_AUTO) {
		if (d->sniff_len == 0) {
			/* Both encodings read ASCII alike: pass it on until a byte says which. */
			size_t run = 0;
			while (run < len && p[run] < 0x80)
				run++;
			out_ascii(d, p, run);
			d->in_bytes += run;
			p += run, len -= run;
			if (len == 0)
				break;
			d->is_sniff_at_start = d->in_bytes == 0;
		}
		size_t take = TEXTENC_SNIFF_BYTES - d->sniff_len;
		if (take > len)
			take = len;
		memcpy(d->sniff + d->sniff_len, p, take);
		d->sniff_len += take;
		d->in_bytes += take;
		p += take, len -= take;
		if (d->sniff_len == TEXTENC_SNIFF_BYTES)
			decide(d, false);
	}
	if (len > 0 && d->err == LL_OK) {
		d->in_bytes += len;
		decode(d, p, len);
	}
	out_flush(d);
	return d->err;
}

enum ll_err textenc_decoder_finish(struct textenc_decoder *d, textenc_sink_fn sink, void *ctx)
{
	if (d->err != LL_OK)
		return d->err;
	d->sink = sink, d->ctx = ctx;
	if (d->enc == TEXTENC_AUTO && d->sniff_len > 0)
		decide(d, true);
	if (d->err == LL_OK) {
		if (d->enc == TEXTENC_GB18030)
			gb_decode(d, NULL, 0, true);
		else
			utf8_finish(d);
	}
	out_flush(d);
	return d->err;
}

enum textenc textenc_decoder_encoding(const struct textenc_decoder *d)
{
	return d->enc;
}

uint64_t textenc_decoder_invalid_count(const struct textenc_decoder *d)
{
	return d->invalid_count;
}

const char *textenc_name(enum textenc enc)
{
	switch (enc) {
	case TEXTENC_UTF8:
		return "utf-8";
	case TEXTENC_GB18030:
		return "gb18030";
	case TEXTENC_AUTO:
		break;
	}
	return "auto";
}

bool textenc_from_name(const char *name, enum textenc *ret_enc)
{
	static const struct {
		const char *name;
		enum textenc enc;
	} names[] = {
		{ "auto", TEXTENC_AUTO },       { "utf-8", TEXTENC_UTF8 },
		{ "utf8", TEXTENC_UTF8 },       { "gb18030", TEXTENC_GB18030 },
		{ "gbk", TEXTENC_GB18030 },     { "gb2312", TEXTENC_GB18030 },
	};
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			*ret_enc = names[i].enc;
			return true;
		}
	}
	return false;
}
