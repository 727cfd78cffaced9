/*
 * The streaming table reader and its text decoder: UTF-8 with and without a BOM, GB18030 with
 * characters outside GBK, CSV quoting and line numbers, every per-row and per-file fault, JSON
 * Lines, and that cutting the input into chunks of any size, down to one byte, changes nothing.
 * Every read below is done whole and again in chunks of 1, 2, 3, 5, 13, 64 and 4097 bytes, and
 * the transcripts must agree. Fixtures are in tests/unit/data (see its README).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/ll_err.h"
#include "base/textenc.h"

#ifndef CSV_TEST_DATA
#define CSV_TEST_DATA "tests/unit/data"
#endif

/* ---- a transcript of one read ---- */

struct run {
	struct buf out;          /* "2: a=x b=y" for rows, "3! code field" for errors */
	char last_msg[LL_MESSAGE_MAX];
	uint64_t stop_at_row;    /* the row callback returns LL_CONFLICT on this row number */
	int errors_allowed;      /* the error callback says stop after this many (0: never) */
	int errors;
};

static void put_escaped(struct buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			buf_puts(b, "\\n");
		else if (s[i] == '\r')
			buf_puts(b, "\\r");
		else
			buf_putc(b, s[i]);
	}
}

static enum ll_err on_row(void *ctx, const struct csv_row *row)
{
	struct run *t = ctx;
	buf_printf(&t->out, "%ld:", row->line);
	for (size_t i = 0; i < row->ncells; i++) {
		const struct csv_cell *c = &row->cells[i];
		buf_printf(&t->out, " %s=", c->name);
		if (!c->value) {
			buf_puts(&t->out, "(null)");
		} else {
			assert_int_equal(strlen(c->value), c->len);
			put_escaped(&t->out, c->value, c->len);
		}
	}
	buf_putc(&t->out, '\n');
	if (t->stop_at_row && row->number == t->stop_at_row)
		return LL_CONFLICT;
	return LL_OK;
}

static enum ll_err on_error(void *ctx, const struct csv_reader_error *e)
{
	struct run *t = ctx;
	buf_printf(&t->out, "%ld! %s %s%s\n", e->line, ll_err_code(e->err), e->field ? e->field : "-",
		   e->is_fatal ? " fatal" : "");
	snprintf(t->last_msg, sizeof(t->last_msg), "%s", e->message);
	assert_true(e->message[0] >= 'a' && e->message[0] <= 'z');
	t->errors++;
	if (t->errors_allowed && t->errors >= t->errors_allowed)
		return LL_ARENA_FULL;
	return LL_OK;
}

struct result {
	enum ll_err err;
	char *out;               /* the transcript; freed by result_release */
	char last_msg[LL_MESSAGE_MAX];
	struct csv_reader_stats stats;
};

static void result_release(struct result *res)
{
	free(res->out);
	res->out = NULL;
}

/* Reads data with opt (its callbacks are filled in here), feeding chunk bytes at a time
 * (0: all at once). */
static void read_chunked(const struct csv_reader_options *opt, const void *data, size_t len,
			 size_t chunk, struct run *t, struct result *ret)
{
	struct csv_reader_options o = *opt;
	struct csv_reader *r = NULL;
	const char *p = data;
	buf_init(&t->out);
	t->errors = 0;
	t->last_msg[0] = '\0';
	o.on_row = on_row;
	o.on_error = on_error;
	o.ctx = t;
	assert_int_equal(csv_reader_new(&o, &r), LL_OK);
	enum ll_err err = LL_OK;
	size_t step = chunk ? chunk : len;
	for (size_t off = 0; off < len && err == LL_OK; off += step)
		err = csv_reader_feed(r, p + off, len - off < step ? len - off : step);
	if (err == LL_OK)
		err = csv_reader_finish(r);
	else
		assert_int_equal(csv_reader_finish(r), err); /* stopped stays stopped */
	csv_reader_stats(r, &ret->stats);
	csv_reader_free(r);
	ret->err = err;
	buf_putc(&t->out, '\0');
	ret->out = buf_steal(&t->out, NULL);
	snprintf(ret->last_msg, sizeof(ret->last_msg), "%s", t->last_msg);
}

/* Reads whole, then in chunks of many sizes; every way must give the same transcript. */
static struct result read_with(const struct csv_reader_options *opt, const void *data, size_t len,
			       uint64_t stop_at_row, int errors_allowed)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 13, 64, 4097 };
	struct run t = { .stop_at_row = stop_at_row, .errors_allowed = errors_allowed };
	struct result whole = { 0 };
	read_chunked(opt, data, len, 0, &t, &whole);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct result part = { 0 };
		read_chunked(opt, data, len, chunks[i], &t, &part);
		if (strcmp(part.out, whole.out) != 0)
			fail_msg("chunks of %zu bytes read\n%s\nbut whole reads\n%s", chunks[i], part.out,
				 whole.out);
		assert_int_equal(part.err, whole.err);
		assert_int_equal(part.stats.rows_delivered, whole.stats.rows_delivered);
		assert_int_equal(part.stats.rows_rejected, whole.stats.rows_rejected);
		assert_int_equal(part.stats.encoding, whole.stats.encoding);
		if (part.err == LL_OK)
			assert_int_equal(part.stats.bytes_in, len);
		result_release(&part);
	}
	return whole;
}

static struct result read_csv(const char *text)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	return read_with(&opt, text, strlen(text), 0, 0);
}

static struct result read_opt(const struct csv_reader_options *opt, const char *text)
{
	return read_with(opt, text, strlen(text), 0, 0);
}

static void expect(struct result *res, enum ll_err err, const char *out)
{
	if (strcmp(res->out, out) != 0)
		fail_msg("read\n%s\nexpected\n%s", res->out, out);
	assert_int_equal(res->err, err);
	result_release(res);
}

static char *slurp(const char *name, size_t *ret_len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", CSV_TEST_DATA, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	struct buf b;
	buf_init(&b);
	char block[4096];
	size_t n;
	while ((n = fread(block, 1, sizeof(block), f)) > 0)
		buf_append(&b, block, n);
	fclose(f);
	buf_putc(&b, '\0');
	char *s = buf_steal(&b, ret_len);
	(*ret_len)--;
	return s;
}

static struct result read_fixture(const struct csv_reader_options *opt, const char *name)
{
	size_t len;
	char *data = slurp(name, &len);
	struct result res = read_with(opt, data, len, 0, 0);
	free(data);
	return res;
}

/* ---- encodings, from the fixtures ---- */

#define PEOPLE_ROWS(nl) \
	"2: account_no=A001 name=王小明 title=Python 程序设计, 入门 credits=2.5\n" \
	"3: account_no=A002 name=李𠀀 title=老年大学 \"书法\" 班 credits=1\n" \
	"4: account_no=A003 name=刘䶮 title=社区教育：茶艺" nl "第二期 credits=0.5\n" \
	"6: account_no=A004 name=Zoë Müller title=English café credits=3\n"

static void test_utf8_without_bom_lf(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	struct result res = read_fixture(&opt, "people_utf8.csv");
	assert_int_equal(res.stats.encoding, TEXTENC_UTF8);
	assert_int_equal(res.stats.rows_delivered, 4);
	expect(&res, LL_OK, PEOPLE_ROWS("\\n"));
}

static void test_utf8_with_bom_crlf(void **state)
{
	/* The BOM does not stick to the first column's name, and CRLF inside the quoted value
	 * stays as it was written. */
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	struct result res = read_fixture(&opt, "people_bom_crlf.csv");
	assert_int_equal(res.stats.encoding, TEXTENC_UTF8);
	expect(&res, LL_OK, PEOPLE_ROWS("\\r\\n"));
}

static void test_gb18030_detected_with_four_byte_characters(void **state)
{
	size_t len;
	char *raw = slurp("people_gb18030.csv", &len);
	/* 𠀀 (U+20000) and ë are four-byte GB18030 sequences, outside GBK. */
	assert_non_null(memmem(raw, len, "\x95\x32\x82\x36", 4));
	assert_non_null(memmem(raw, len, "\x81\x30\x8a\x35", 4));
	assert_false(textenc_utf8_valid(raw, len, false));
	free(raw);

	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	struct result res = read_fixture(&opt, "people_gb18030.csv");
	assert_int_equal(res.stats.encoding, TEXTENC_GB18030);
	expect(&res, LL_OK, PEOPLE_ROWS("\\n"));

	opt.encoding = TEXTENC_GB18030;
	res = read_fixture(&opt, "people_gb18030.csv");
	expect(&res, LL_OK, PEOPLE_ROWS("\\n"));
}

static void test_gb18030_read_as_forced_utf8_rejects_rows(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV, .encoding = TEXTENC_UTF8 };
	struct result res = read_fixture(&opt, "people_gb18030.csv");
	/* The header is ASCII and survives; each row with Chinese in it is refused. */
	expect(&res, LL_OK,
	       "2! bad_encoding name\n"
	       "3! bad_encoding name\n"
	       "4! bad_encoding name\n"
	       "6! bad_encoding name\n");
}

static void test_utf8_file_forced_as_gb18030_is_not_utf8(void **state)
{
	/* Forcing the wrong encoding must not crash or stop the file: rows come out garbled or
	 * refused, never as the right text. */
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV, .encoding = TEXTENC_GB18030 };
	struct result res = read_fixture(&opt, "people_utf8.csv");
	assert_int_equal(res.err, LL_OK);
	assert_null(strstr(res.out, "王小明"));
	result_release(&res);
}

static void test_utf16_is_refused(void **state)
{
	static const char utf16[] = "\xff\xfe" "a\0,\0b\0\n\0";
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	struct result res = read_with(&opt, utf16, sizeof(utf16) - 1, 0, 0);
	assert_non_null(strstr(res.last_msg, "UTF-16"));
	expect(&res, LL_BAD_ENCODING, "1! bad_encoding - fatal\n");
}

static void test_ascii_only_file_leaves_encoding_open(void **state)
{
	struct result res = read_csv("a,b\n1,2\n");
	assert_int_equal(res.stats.encoding, TEXTENC_AUTO);
	expect(&res, LL_OK, "2: a=1 b=2\n");
}

static void test_gb18030_late_in_the_file_is_still_detected(void **state)
{
	/* Thousands of ASCII rows first: the choice waits for the first byte that is not ASCII. */
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "n,name\n");
	for (int i = 0; i < 500; i++)
		buf_printf(&b, "%d,ascii name %d\n", i, i);
	buf_puts(&b, "500,\xd5\xc5\xc8\xfd\n"); /* 张三 */
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	struct result res = read_with(&opt, b.data, b.len, 0, 0);
	assert_int_equal(res.stats.encoding, TEXTENC_GB18030);
	assert_non_null(strstr(res.out, "502: n=500 name=张三\n"));
	assert_int_equal(res.stats.rows_delivered, 501);
	result_release(&res);
	buf_release(&b);
}

static void test_invalid_utf8_mid_file_rejects_only_that_row(void **state)
{
	/* Valid UTF-8 for more than the detection window, then bad bytes in one row: a truncated
	 * character right before a comma, which must keep its meaning. */
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "id,name,city\n");
	for (int i = 0; i < 300; i++)
		buf_printf(&b, "%d,名字%d,上海\n", i, i);
	buf_puts(&b, "300,bad\xe4\xb8,上海\n");
	buf_puts(&b, "301,ok,bad\xff\xfe\n");
	buf_puts(&b, "302,fine,北京\n");
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	struct result res = read_with(&opt, b.data, b.len, 0, 0);
	assert_int_equal(res.stats.encoding, TEXTENC_UTF8);
	assert_int_equal(res.stats.rows_delivered, 301);
	assert_int_equal(res.stats.rows_rejected, 2);
	assert_non_null(strstr(res.out, "302! bad_encoding name\n"
					"303! bad_encoding city\n"
					"304: id=302 name=fine city=北京\n"));
	assert_non_null(strstr(res.last_msg, "not valid UTF-8"));
	result_release(&res);
	buf_release(&b);

	/* Early, inside the detection window: neither UTF-8 nor GB18030, so UTF-8 it is. */
	res = read_csv("a,b\n1,\xc3\xa9t\xc3\xa9\n2,\xc3\x28\n3,ok\n");
	assert_int_equal(res.stats.encoding, TEXTENC_UTF8);
	expect(&res, LL_OK, "2: a=1 b=été\n3! bad_encoding b\n4: a=3 b=ok\n");
}

static void test_nul_byte_rejects_row(void **state)
{
	static const char text[] = "a,b\n1,x\0y\n2,z\n";
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	struct result res = read_with(&opt, text, sizeof(text) - 1, 0, 0);
	expect(&res, LL_OK, "2! bad_encoding b\n3: a=2 b=z\n");
}

/* ---- the text decoder on its own ---- */

static enum ll_err collect(void *ctx, const char *text, size_t len)
{
	buf_append(ctx, text, len);
	return LL_OK;
}

static char *decode(enum textenc enc, const char *in, size_t len, size_t chunk, enum textenc *ret_enc)
{
	struct textenc_decoder *d = NULL;
	struct buf b;
	buf_init(&b);
	assert_int_equal(textenc_decoder_new(enc, &d), LL_OK);
	for (size_t off = 0; off < len; off += chunk)
		assert_int_equal(textenc_decoder_feed(d, in + off, len - off < chunk ? len - off : chunk,
						      collect, &b), LL_OK);
	assert_int_equal(textenc_decoder_finish(d, collect, &b), LL_OK);
	if (ret_enc)
		*ret_enc = textenc_decoder_encoding(d);
	textenc_decoder_free(d);
	buf_putc(&b, '\0');
	return buf_steal(&b, NULL);
}

static void test_decoder_splits_characters_across_chunks(void **state)
{
	static const char utf8[] = "\xef\xbb\xbf" "a\xf0\xa0\x80\x80" "b\xe4\xb8\xad" "c\xc3\xab";
	static const char gb[] = "a\x95\x32\x82\x36" "b\xd6\xd0" "c\x81\x30\x8a\x35";
	for (size_t chunk = 1; chunk <= 8; chunk++) {
		enum textenc enc;
		char *s = decode(TEXTENC_AUTO, utf8, sizeof(utf8) - 1, chunk, &enc);
		assert_string_equal(s, "a𠀀b中cë");
		assert_int_equal(enc, TEXTENC_UTF8);
		free(s);
		s = decode(TEXTENC_AUTO, gb, sizeof(gb) - 1, chunk, &enc);
		assert_string_equal(s, "a𠀀b中cë");
		assert_int_equal(enc, TEXTENC_GB18030);
		free(s);
	}
}

static void test_decoder_marks_invalid_bytes(void **state)
{
	/* One mark a bad sequence; the byte that cut a character short is read afresh. */
	char *s = decode(TEXTENC_UTF8, "a\xc3(b\x80" "c\xe4\xb8", 9, 1, NULL);
	assert_string_equal(s, "a\xff(b\xff" "c\xff");
	free(s);
	/* Overlong, surrogate and past U+10FFFF are refused. */
	assert_false(textenc_utf8_valid("\xc0\x80", 2, false));
	assert_false(textenc_utf8_valid("\xed\xa0\x80", 3, false));
	assert_false(textenc_utf8_valid("\xf4\x90\x80\x80", 4, false));
	assert_true(textenc_utf8_valid("\xf4\x8f\xbf\xbf", 4, false));
	assert_false(textenc_utf8_valid("\xe4\xb8", 2, false));
	assert_true(textenc_utf8_valid("\xe4\xb8", 2, true));
	/* GB18030: a lead byte before ASCII, and a character cut off by the end. */
	s = decode(TEXTENC_GB18030, "\xd6\xd0\x81,\x95\x32", 6, 1, NULL);
	assert_string_equal(s, "中\xff,\xff" "2");
	free(s);
}

static void test_decoder_drops_gb18030_bom(void **state)
{
	char *s = decode(TEXTENC_GB18030, "\x84\x31\x95\x33" "a", 5, 1, NULL);
	assert_string_equal(s, "a");
	free(s);
	/* A U+FEFF later on is text, not a mark. */
	s = decode(TEXTENC_UTF8, "a\xef\xbb\xbf", 4, 1, NULL);
	assert_string_equal(s, "a\xef\xbb\xbf");
	free(s);
}

static void test_encoding_names(void **state)
{
	enum textenc enc = TEXTENC_UTF8;
	assert_true(textenc_from_name("GBK", &enc));
	assert_int_equal(enc, TEXTENC_GB18030);
	assert_true(textenc_from_name("utf8", &enc));
	assert_int_equal(enc, TEXTENC_UTF8);
	assert_true(textenc_from_name("auto", &enc));
	assert_int_equal(enc, TEXTENC_AUTO);
	assert_false(textenc_from_name("latin1", &enc));
	assert_int_equal(enc, TEXTENC_AUTO);
	assert_string_equal(textenc_name(TEXTENC_GB18030), "gb18030");
	assert_int_equal(csv_format_from_name("outcomes.JSONL"), CSV_FORMAT_JSONL);
	assert_int_equal(csv_format_from_name("outcomes.csv"), CSV_FORMAT_CSV);
	assert_int_equal(csv_format_from_name("outcomes.json"), CSV_FORMAT_CSV);
	assert_int_equal(csv_format_from_name("x.ndjson"), CSV_FORMAT_JSONL);
	assert_int_equal(csv_format_from_name(NULL), CSV_FORMAT_CSV);
}

/* ---- CSV shapes ---- */

static void test_quoted_values_and_line_numbers(void **state)
{
	struct result res = read_csv("a,b\n"
				     "1,\"x, y\"\n"
				     "2,\"he said \"\"hi\"\"\"\n"
				     "3,\"line one\nline two\nline three\"\n"
				     "4,after\n"
				     "\n"
				     "  \n"
				     "5,\" kept \" \n"
				     "6,  cut  \n"
				     "7,last");
	expect(&res, LL_OK,
	       "2: a=1 b=x, y\n"
	       "3: a=2 b=he said \"hi\"\n"
	       "4: a=3 b=line one\\nline two\\nline three\n"
	       "7: a=4 b=after\n"
	       "10: a=5 b= kept \n"
	       "11: a=6 b=cut\n"
	       "12: a=7 b=last\n");
}

static void test_crlf_and_lone_cr_line_ends(void **state)
{
	struct result res = read_csv("a,b\r\n1,\"p\r\nq\"\r\n\r\n2,r\r\n");
	expect(&res, LL_OK, "2: a=1 b=p\\r\\nq\n5: a=2 b=r\n");
	res = read_csv("a,b\r1,x\r2,y\r");
	expect(&res, LL_OK, "2: a=1 b=x\n3: a=2 b=y\n");
	/* Mixed: a lone CR, then LF lines; an LF is part of CRLF only right after the CR. */
	res = read_csv("a,b\r1,x\n2,y\r\n3,z\n");
	expect(&res, LL_OK, "2: a=1 b=x\n3: a=2 b=y\n4: a=3 b=z\n");
}

static void test_wrong_column_counts(void **state)
{
	struct result res = read_csv("a,b,c\n"
				     "1,2\n"
				     "1,2,3,4\n"
				     "1,2,3,,\n"
				     ",,\n"
				     ",,,,\n"
				     "1,2,3\n");
	/* Too few, too many; empty extras and empty rows are Excel's padding, not faults. */
	assert_non_null(strstr(res.last_msg, "4 values"));
	expect(&res, LL_OK,
	       "2! csv_column_count -\n"
	       "3! csv_column_count -\n"
	       "4: a=1 b=2 c=3\n"
	       "7: a=1 b=2 c=3\n");
}

static void test_header_padding_columns_are_ignored(void **state)
{
	struct result res = read_csv(" a , \"b\" ,,\n1,2,,\n3,4\n5,6,,x\n");
	expect(&res, LL_OK, "2: a=1 b=2\n3: a=3 b=4\n4! csv_column_count -\n");
}

static void test_broken_quotes_recover_at_next_line(void **state)
{
	struct result res = read_csv("name,age\n"
				     "Bob,1\n"
				     "Ann\"e,2\n"
				     "\"Cy\"x,3\n"
				     "Dan,4\n");
	expect(&res, LL_OK, "2: name=Bob age=1\n3! csv_bad_quote -\n4! csv_bad_quote -\n5: name=Dan age=4\n");

	/* A quote left open swallows the next line until a quote closes it and text follows: the
	 * row is reported where it starts and the swallowed line is read again as its own row. */
	res = read_csv("name,age\n"
		       "Bob,1\n"
		       "\"Carl,2\n"
		       "\"Ann\",3\n"
		       "Dan,4\n");
	assert_non_null(strstr(res.last_msg, "line 4"));
	expect(&res, LL_OK, "2: name=Bob age=1\n3! csv_bad_quote -\n4: name=Ann age=3\n5: name=Dan age=4\n");

	/* The same with CRLF, and with the break between CR and LF falling anywhere. */
	res = read_csv("name,age\r\n\"Carl,2\r\n\"Ann\",3\r\nDan,4\r\n");
	expect(&res, LL_OK, "2! csv_bad_quote -\n3: name=Ann age=3\n4: name=Dan age=4\n");

	/* Open to the end of the file: every line after it is read again. */
	res = read_csv("name,age\nBob,1\n\"Carl,2\nDan,3\nEve,4");
	assert_non_null(strstr(res.last_msg, "never closed"));
	expect(&res, LL_OK, "2: name=Bob age=1\n3! csv_bad_quote -\n4: name=Dan age=3\n5: name=Eve age=4\n");
}

static void test_broken_quote_in_header_stops(void **state)
{
	struct result res = read_csv("na\"me,age\nBob,1\n");
	expect(&res, LL_CSV_BAD_QUOTE, "1! csv_bad_quote - fatal\n");
	assert_int_equal(ll_error_get(LL_CSV_BAD_QUOTE)->err, LL_CSV_BAD_QUOTE);
}

static void test_field_over_cap(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV, .max_field_bytes = 8 };
	struct result res = read_opt(&opt, "a,b\n1,12345678\n2,123456789\n3,\"1234567\"\"\"\n4,ok\n");
	expect(&res, LL_OK, "2: a=1 b=12345678\n3! csv_field_too_long b\n4: a=3 b=1234567\"\n5: a=4 b=ok\n");

	/* A quoted value over the cap across lines: one error where its row starts, and the
	 * record still ends at its closing quote. A value past the named columns that is too long
	 * is not empty. */
	res = read_opt(&opt, "a,b\n1,\"123\n456\n789\n\"\n2,ok\n3,ok,\"123456789\"\n");
	expect(&res, LL_OK, "2! csv_field_too_long b\n6: a=2 b=ok\n7! csv_column_count -\n");

	/* A header name over the cap stops the file. */
	res = read_opt(&opt, "a,\"123456789\"\n");
	expect(&res, LL_CSV_FIELD_TOO_LONG, "1! csv_field_too_long - fatal\n");
}

static void test_huge_line_is_not_held(void **state)
{
	/* 4 MiB on one line with the default 64 KiB cap: one error, then the next row. */
	size_t n = 4u << 20;
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "a,b\n1,");
	char *big = malloc(n);
	memset(big, 'x', n);
	buf_append(&b, big, n);
	free(big);
	buf_puts(&b, "\n2,ok\n");
	struct run t = { 0 };
	struct result res = { 0 };
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	read_chunked(&opt, b.data, b.len, 65536, &t, &res);
	expect(&res, LL_OK, "2! csv_field_too_long b\n3: a=2 b=ok\n");
	buf_release(&b);
}

static void test_record_too_big_to_read_again(void **state)
{
	/* A record of more than CSV_REREAD_MAX_BYTES, over many lines, ends in a broken quote: it
	 * is not kept to be read again, so reading goes on after the line of the fault. */
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "c0");
	for (int i = 1; i < 20; i++)
		buf_printf(&b, ",c%d", i);
	buf_puts(&b, "\nA,B\nx");
	char *part = malloc(60000);
	memset(part, 'v', 60000);
	for (int i = 1; i < 20; i++) {
		buf_puts(&b, ",\"");
		buf_append(&b, part, 30000);
		buf_puts(&b, "\n");
		buf_append(&b, part, 30000);
		buf_puts(&b, "\"");
	}
	free(part);
	assert_true(b.len > CSV_REREAD_MAX_BYTES);
	buf_puts(&b, "x\nnext line of the broken record\n");
	for (int i = 0; i < 20; i++)
		buf_printf(&b, "%sz", i ? "," : "");
	buf_puts(&b, "\n");
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	struct result res = read_with(&opt, b.data, b.len, 0, 0);
	buf_release(&b);
	expect(&res, LL_OK,
	       "2! csv_column_count -\n"
	       "3! csv_bad_quote -\n"
	       "23! csv_column_count -\n"
	       "24: c0=z c1=z c2=z c3=z c4=z c5=z c6=z c7=z c8=z c9=z c10=z c11=z c12=z c13=z c14=z "
	       "c15=z c16=z c17=z c18=z c19=z\n");
}

static void test_too_many_rows(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV, .max_rows = 2 };
	struct result res = read_opt(&opt, "a\n1\n\n2\n3\n4\n");
	assert_non_null(strstr(res.last_msg, "more than 2 rows"));
	expect(&res, LL_CSV_TOO_MANY_ROWS, "2: a=1\n4: a=2\n5! csv_too_many_rows - fatal\n");
	/* Rejected rows count too. */
	res = read_opt(&opt, "a,b\n1\n2\n3,3\n");
	expect(&res, LL_CSV_TOO_MANY_ROWS, "2! csv_column_count -\n3! csv_column_count -\n"
		       "4! csv_too_many_rows - fatal\n");
}

static void test_too_many_columns(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV, .max_columns = 3 };
	struct result res = read_opt(&opt, "a,b,c,d\n1,2,3,4\n");
	expect(&res, LL_CSV_TOO_MANY_COLUMNS, "1! csv_too_many_columns - fatal\n");
	res = read_opt(&opt, "a,b,c\n1,2,3,4,5,6,7\n1,2,3\n");
	expect(&res, LL_OK, "2! csv_column_count -\n3: a=1 b=2 c=3\n");
}

static const struct csv_column outcome_columns[] = {
	{ .name = "account_no", .alias = "账号", .is_required = true },
	{ .name = "title", .alias = "名称", .is_required = true },
	{ .name = "credits", .alias = "学分" },
	{ .name = NULL },
};

static void test_columns_follow_the_callers_table(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV, .columns = outcome_columns };
	struct result res = read_opt(&opt, "名称,账号\n茶艺,A001\n");
	expect(&res, LL_OK, "2: account_no=A001 title=茶艺 credits=(null)\n");
}

static void test_unknown_duplicate_and_missing_columns(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV, .columns = outcome_columns };
	struct result res = read_opt(&opt, "account_no,title,grade,credits\nA1,t,9,1\n");
	assert_non_null(strstr(res.last_msg, "'grade'"));
	expect(&res, LL_CSV_UNKNOWN_COLUMN, "1! csv_unknown_column grade fatal\n");

	/* Every fault of the header is told before reading stops. */
	res = read_opt(&opt, "title,title,学分,credits,,x\n");
	expect(&res, LL_CSV_DUPLICATE_COLUMN,
	       "1! csv_duplicate_column title fatal\n"
	       "1! csv_duplicate_column credits fatal\n"
	       "1! csv_unknown_column - fatal\n"
	       "1! csv_unknown_column x fatal\n"
	       "1! csv_missing_column account_no fatal\n");
	assert_int_equal(ll_error_get(LL_CSV_DUPLICATE_COLUMN)->err, LL_CSV_DUPLICATE_COLUMN);
	assert_string_equal(ll_error_get(LL_CSV_DUPLICATE_COLUMN)->field, "title");

	/* Without a table of columns only duplicates are faults. */
	res = read_csv("a,b,a\n1,2,3\n");
	expect(&res, LL_CSV_DUPLICATE_COLUMN, "1! csv_duplicate_column a fatal\n");
}

static void test_empty_and_header_only_files(void **state)
{
	struct result res = read_csv("");
	expect(&res, LL_CSV_NO_HEADER, "1! csv_no_header - fatal\n");
	res = read_csv("\xef\xbb\xbf\r\n\r\n");
	expect(&res, LL_CSV_NO_HEADER, "1! csv_no_header - fatal\n");
	res = read_csv("a,b\n");
	assert_int_equal(res.stats.rows_read, 0);
	expect(&res, LL_OK, "");
	res = read_csv("a,b");
	expect(&res, LL_OK, "");
	res = read_csv(",,\n1,2\n");
	expect(&res, LL_CSV_NO_HEADER, "1! csv_no_header - fatal\n");
}

static void test_row_callback_stops_the_read(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	const char *text = "a\n1\n2\n3\n";
	struct result res = read_with(&opt, text, strlen(text), 2, 0);
	assert_int_equal(res.stats.rows_delivered, 2);
	expect(&res, LL_CONFLICT, "2: a=1\n3: a=2\n");
}

static void test_error_callback_stops_the_read(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	const char *text = "a,b\n1\n2\n3\n4,4\n";
	struct result res = read_with(&opt, text, strlen(text), 0, 2);
	expect(&res, LL_ARENA_FULL, "2! csv_column_count -\n3! csv_column_count -\n");
}

static void test_read_file(void **state)
{
	struct csv_reader_stats stats;
	struct run t = { 0 };
	buf_init(&t.out);
	struct csv_reader_options opt = { .on_row = on_row, .on_error = on_error, .ctx = &t };
	assert_int_equal(csv_read_file(CSV_TEST_DATA "/people_gb18030.csv", &opt, &stats), LL_OK);
	assert_int_equal(stats.rows_delivered, 4);
	assert_int_equal(stats.encoding, TEXTENC_GB18030);
	assert_int_equal(stats.bytes_in, 181);
	buf_release(&t.out);
	assert_int_equal(csv_read_file(CSV_TEST_DATA "/no-such-file.csv", &opt, NULL), LL_IO);
}

static void test_reader_needs_a_row_callback(void **state)
{
	struct csv_reader *r = NULL;
	struct csv_reader_options opt = { .format = CSV_FORMAT_CSV };
	assert_int_equal(csv_reader_new(&opt, &r), LL_USAGE);
	assert_null(r);
	assert_null(csv_reader_free(NULL));
}

/* ---- JSON Lines ---- */

static void test_jsonl_fixture(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_JSONL };
	struct result res = read_fixture(&opt, "outcomes.jsonl");
	assert_int_equal(res.stats.rows_read, 5);
	expect(&res, LL_OK,
	       "1: account_no=A001 title=Python 程序设计 credits=2.5 hours=32\n"
	       "3: account_no=A002 title=老年大学 \"书法\" 班 credits=1 passed=true tags=[\"书法\",\"elder\"]\n"
	       "4! invalid_json -\n"
	       "5! invalid_json -\n"
	       "6: account_no=A004 title=茶艺 note=(null)\n");
}

static void test_jsonl_with_columns(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_JSONL, .columns = outcome_columns };
	struct result res = read_opt(&opt,
				     "{\"title\": \"a\", \"account_no\": \"A1\"}\r\n"
				     "{\"名称\": \"b\", \"账号\": \"A2\", \"学分\": 1.25}\r\n"
				     "{\"title\": \"c\", \"grade\": 9}\r\n"
				     "{\"title\": \"d\", \"名称\": \"d\"}\r\n"
				     "{\"title\": \"e\", \"title\": \"e\"}\r\n"
				     "   \r\n"
				     "{\"title\": \"f\"}");
	expect(&res, LL_OK,
	       "1: account_no=A1 title=a credits=(null)\n"
	       "2: account_no=A2 title=b credits=1.25\n"
	       "3! csv_unknown_column grade\n"
	       "4! csv_duplicate_column 名称\n"
	       "5! invalid_json -\n"
	       "7: account_no=(null) title=f credits=(null)\n");
}

static void test_jsonl_faults(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_JSONL, .max_line_bytes = 40,
					  .max_field_bytes = 5 };
	struct result res = read_opt(&opt,
				     "{\"a\": \"123456\"}\n"
				     "{\"a\": \"" "0123456789012345678901234567890123456789" "\"}\n"
				     "{\"a\": \"ok\"}\n"
				     "{\"a\": \"\xff\"}\n"
				     "{\"a\": 1,}\n");
	assert_non_null(strstr(res.last_msg, "invalid JSON at column"));
	expect(&res, LL_OK,
	       "1! csv_field_too_long a\n"
	       "2! line_too_long -\n"
	       "3: a=ok\n"
	       "4! bad_encoding -\n"
	       "5! invalid_json -\n");

	opt = (struct csv_reader_options){ .format = CSV_FORMAT_JSONL, .max_rows = 1 };
	res = read_opt(&opt, "{}\n\n{}\n");
	expect(&res, LL_CSV_TOO_MANY_ROWS, "1:\n3! csv_too_many_rows - fatal\n");
}

static void test_jsonl_gb18030_and_empty(void **state)
{
	struct csv_reader_options opt = { .format = CSV_FORMAT_JSONL };
	struct result res = read_opt(&opt, "{\"name\": \"\xc0\xee\x95\x32\x82\x36\"}\n");
	assert_int_equal(res.stats.encoding, TEXTENC_GB18030);
	expect(&res, LL_OK, "1: name=李𠀀\n");
	res = read_opt(&opt, "");
	expect(&res, LL_OK, "");
	res = read_opt(&opt, "\n\n  \n");
	expect(&res, LL_OK, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_without_bom_lf),
		cmocka_unit_test(test_utf8_with_bom_crlf),
		cmocka_unit_test(test_gb18030_detected_with_four_byte_characters),
		cmocka_unit_test(test_gb18030_read_as_forced_utf8_rejects_rows),
		cmocka_unit_test(test_utf8_file_forced_as_gb18030_is_not_utf8),
		cmocka_unit_test(test_utf16_is_refused),
		cmocka_unit_test(test_ascii_only_file_leaves_encoding_open),
		cmocka_unit_test(test_gb18030_late_in_the_file_is_still_detected),
		cmocka_unit_test(test_invalid_utf8_mid_file_rejects_only_that_row),
		cmocka_unit_test(test_nul_byte_rejects_row),
		cmocka_unit_test(test_decoder_splits_characters_across_chunks),
		cmocka_unit_test(test_decoder_marks_invalid_bytes),
		cmocka_unit_test(test_decoder_drops_gb18030_bom),
		cmocka_unit_test(test_encoding_names),
		cmocka_unit_test(test_quoted_values_and_line_numbers),
		cmocka_unit_test(test_crlf_and_lone_cr_line_ends),
		cmocka_unit_test(test_wrong_column_counts),
		cmocka_unit_test(test_header_padding_columns_are_ignored),
		cmocka_unit_test(test_broken_quotes_recover_at_next_line),
		cmocka_unit_test(test_broken_quote_in_header_stops),
		cmocka_unit_test(test_field_over_cap),
		cmocka_unit_test(test_huge_line_is_not_held),
		cmocka_unit_test(test_record_too_big_to_read_again),
		cmocka_unit_test(test_too_many_rows),
		cmocka_unit_test(test_too_many_columns),
		cmocka_unit_test(test_columns_follow_the_callers_table),
		cmocka_unit_test(test_unknown_duplicate_and_missing_columns),
		cmocka_unit_test(test_empty_and_header_only_files),
		cmocka_unit_test(test_row_callback_stops_the_read),
		cmocka_unit_test(test_error_callback_stops_the_read),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_reader_needs_a_row_callback),
		cmocka_unit_test(test_jsonl_fixture),
		cmocka_unit_test(test_jsonl_with_columns),
		cmocka_unit_test(test_jsonl_faults),
		cmocka_unit_test(test_jsonl_gb18030_and_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
