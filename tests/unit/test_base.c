/*
 * The base module's rules: the JSON spec decoder and its schema, the arena, the byte buffer,
 * clock conversions, the error table, UUIDv7 ids and the libsodium wrappers with the key file
 * and its optional regional look-up key.
 * Nothing here opens a database; the key-file cases write into a fresh temporary folder that
 * the group teardown removes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/grow.h"
#include "base/id.h"
#include "base/json.h"
#include "base/ll_err.h"

/* ---- JSON: parsing ---- */

static enum ll_err parse(const char *text, int depth, json_t **ret_root)
{
	return json_parse(text, strlen(text), depth, ret_root);
}

static void test_json_parse_accepts_object(void **state)
{
	json_t *root = NULL;
	assert_int_equal(parse("{\"a\": [1, {\"b\": \"c\"}]}", 16, &root), LL_OK);
	assert_true(json_is_object(root));
	json_decref(root);
}

static void test_json_parse_depth_cap(void **state)
{
	json_t *root = NULL;
	/* Exactly the cap is fine; one deeper is refused before jansson sees it. */
	assert_int_equal(parse("[[{\"a\": 1}]]", 3, &root), LL_OK);
	json_decref(root);
	root = NULL;
	assert_int_equal(parse("[[{\"a\": [1]}]]", 3, &root), LL_TOO_DEEP);
	assert_null(root);
	assert_int_equal(parse("{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}", 5, &root), LL_TOO_DEEP);
	/* Deep nesting followed by closing brackets still counts the peak, not the sum. */
	assert_int_equal(parse("[[1],[2],[3],[4],[5]]", 2, &root), LL_OK);
	json_decref(root);
}

static void test_json_parse_depth_ignores_brackets_in_strings(void **state)
{
	json_t *root = NULL;
	assert_int_equal(parse("{\"a\": \"[[[[{{{{\"}", 1, &root), LL_OK);
	json_decref(root);
	root = NULL;
	/* An escaped quote does not end the string early. */
	assert_int_equal(parse("{\"a\": \"\\\"[[[[\"}", 1, &root), LL_OK);
	json_decref(root);
}

static void test_json_parse_refuses_duplicate_keys(void **state)
{
	json_t *root = NULL;
	assert_int_equal(parse("{\"a\": 1, \"a\": 2}", 16, &root), LL_INVALID_JSON);
	assert_null(root);
}

static void test_json_parse_refuses_empty_body(void **state)
{
	json_t *root = NULL;
	assert_int_equal(json_parse("", 0, 16, &root), LL_INVALID_JSON);
	assert_null(root);
}

static void test_json_parse_refuses_garbage(void **state)
{
	json_t *root = NULL;
	assert_int_equal(parse("{\"a\": }", 16, &root), LL_INVALID_JSON);
	assert_int_equal(parse("{\"a\": 1} trailing", 16, &root), LL_INVALID_JSON);
	assert_null(root);
}

static void test_json_parse_reads_only_len_bytes(void **state)
{
	json_t *root = NULL;
	const char text[] = "{\"a\": 1}GARBAGE";
	assert_int_equal(json_parse(text, 8, 16, &root), LL_OK);
	json_decref(root);
}

/* ---- JSON: decoding by spec ---- */

struct every_kind {
	const char *name;
	int64_t count;
	bool is_on;
	int64_t at_us;
	int color;
	json_t *tags;
	const char *note;
};

static const char *const colors[] = { "red", "green", "blue", NULL };

static const struct json_field every_spec[] = {
	JSON_STR("name", struct every_kind, name, .min_len = 1, .max_len = 3),
	JSON_I64("count", struct every_kind, count, .min = -5, .max = 10),
	JSON_BOOL("is_on", struct every_kind, is_on, .doc = "switch"),
	JSON_TIME("at", struct every_kind, at_us, .doc = "when"),
	JSON_ENUM("color", struct every_kind, color, colors, .doc = "colour"),
	JSON_STRS("tags", struct every_kind, tags, .max_len = 2, .min_len = 1),
	JSON_STR("note", struct every_kind, note, .is_optional = true, .min_len = 3, .max_len = 5),
	JSON_END
};

#define VALID_BODY_FIELDS \
	"\"name\": \"abc\", \"count\": 3, \"is_on\": true, \"at\": \"2024-02-29T12:00:00Z\", " \
	"\"color\": \"green\", \"tags\": [\"x\", \"y\"]"

/* Parses text and decodes it into *in by every_spec; the root is released before returning, so
 * only non-string results may be inspected. On failure *ret_field gets the failing field. */
static enum ll_err decode(const char *text, struct every_kind *in, char ret_field[LL_FIELD_MAX])
{
	json_t *root = NULL;
	enum ll_err err = parse(text, 16, &root);
	assert_int_equal(err, LL_OK);
	ll_error_clear();
	err = json_decode(root, every_spec, in);
	if (ret_field)
		snprintf(ret_field, LL_FIELD_MAX, "%s", ll_error_get(err)->field);
	json_decref(root);
	return err;
}

static void test_json_decode_fills_every_kind(void **state)
{
	json_t *root = NULL;
	struct every_kind in = { .note = "dflt" };
	assert_int_equal(parse("{" VALID_BODY_FIELDS "}", 16, &root), LL_OK);
	assert_int_equal(json_decode(root, every_spec, &in), LL_OK);
	assert_string_equal(in.name, "abc");
	assert_int_equal(in.count, 3);
	assert_true(in.is_on);
	ll_time_us want;
	assert_true(clock_parse_rfc3339("2024-02-29T12:00:00Z", &want));
	assert_int_equal(in.at_us, want);
	assert_int_equal(in.color, 1);
	assert_true(json_is_array(in.tags));
	assert_int_equal(json_array_size(in.tags), 2);
	assert_string_equal(in.note, "dflt");
	json_decref(root);
}

static void test_json_decode_unknown_field_named(void **state)
{
	struct every_kind in = { 0 };
	char field[LL_FIELD_MAX];
	assert_int_equal(decode("{" VALID_BODY_FIELDS ", \"colour\": \"red\"}", &in, field), LL_UNKNOWN_FIELD);
	assert_string_equal(field, "colour");
}

static void test_json_decode_missing_required_named(void **state)
{
	struct every_kind in = { 0 };
	char field[LL_FIELD_MAX];
	assert_int_equal(decode("{\"name\": \"abc\", \"count\": 3, \"is_on\": true, \"at\": \"2024-02-29T12:00:00Z\", "
				"\"tags\": []}", &in, field), LL_MISSING_FIELD);
	assert_string_equal(field, "color");
	assert_int_equal(decode("{}", &in, field), LL_MISSING_FIELD);
	assert_string_equal(field, "name");
}

static void test_json_decode_optional_absent_keeps_default(void **state)
{
	json_t *root = NULL;
	struct every_kind in = { .note = "dflt" };
	assert_int_equal(parse("{" VALID_BODY_FIELDS "}", 16, &root), LL_OK);
	assert_int_equal(json_decode(root, every_spec, &in), LL_OK);
	assert_string_equal(in.note, "dflt");
	json_decref(root);
}

static void test_json_decode_optional_present_is_decoded(void **state)
{
	json_t *root = NULL;
	struct every_kind in = { .note = "dflt" };
	assert_int_equal(parse("{" VALID_BODY_FIELDS ", \"note\": \"hello\"}", 16, &root), LL_OK);
	assert_int_equal(json_decode(root, every_spec, &in), LL_OK);
	assert_string_equal(in.note, "hello");
	json_decref(root);
}

static void test_json_decode_null_is_absent(void **state)
{
	json_t *root = NULL;
	struct every_kind in = { .note = "dflt" };
	/* Optional and null: the default stays. */
	assert_int_equal(parse("{" VALID_BODY_FIELDS ", \"note\": null}", 16, &root), LL_OK);
	assert_int_equal(json_decode(root, every_spec, &in), LL_OK);
	assert_string_equal(in.note, "dflt");
	json_decref(root);
}

static void test_json_decode_requires_object(void **state)
{
	json_t *root = NULL;
	struct every_kind in = { 0 };
	assert_int_equal(parse("[1, 2]", 16, &root), LL_OK);
	assert_int_equal(json_decode(root, every_spec, &in), LL_WRONG_TYPE);
	json_decref(root);
}

/* Replaces one field of the valid body with a value and expects err naming that field. */
static void expect_field_error(const char *key, const char *value, enum ll_err want, const char *want_field)
{
	char text[1024];
	struct every_kind in = { 0 };
	char field[LL_FIELD_MAX];
	/* Duplicates are refused by the parser, so build the body without the field first. */
	struct { const char *k, *v; } base[] = {
		{ "name", "\"abc\"" }, { "count", "3" }, { "is_on", "true" }, { "at", "\"2024-02-29T12:00:00Z\"" },
		{ "color", "\"green\"" }, { "tags", "[\"x\", \"y\"]" },
	};
	size_t n = 0;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "{");
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		if (strcmp(base[i].k, key) != 0)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "\"%s\": %s, ", base[i].k, base[i].v);
	snprintf(text + n, sizeof(text) - n, "\"%s\": %s}", key, value);
	enum ll_err err = decode(text, &in, field);
	if (err != want)
		fail_msg("body %s: got %s, want %s", text, ll_err_code(err), ll_err_code(want));
	assert_string_equal(field, want_field);
}

static void test_json_decode_null_required_is_missing(void **state)
{
	expect_field_error("is_on", "null", LL_MISSING_FIELD, "is_on");
	expect_field_error("name", "null", LL_MISSING_FIELD, "name");
}

static void test_json_decode_wrong_types(void **state)
{
	expect_field_error("name", "1", LL_WRONG_TYPE, "name");
	expect_field_error("name", "[\"abc\"]", LL_WRONG_TYPE, "name");
	expect_field_error("count", "\"3\"", LL_WRONG_TYPE, "count");
	expect_field_error("count", "3.0", LL_WRONG_TYPE, "count");
	expect_field_error("count", "true", LL_WRONG_TYPE, "count");
	expect_field_error("is_on", "1", LL_WRONG_TYPE, "is_on");
	expect_field_error("is_on", "\"true\"", LL_WRONG_TYPE, "is_on");
	expect_field_error("at", "1700000000", LL_WRONG_TYPE, "at");
	expect_field_error("color", "1", LL_WRONG_TYPE, "color");
	expect_field_error("tags", "\"x\"", LL_WRONG_TYPE, "tags");
	expect_field_error("tags", "{\"a\": \"x\"}", LL_WRONG_TYPE, "tags");
}

static void test_json_decode_length_counts_utf8_characters(void **state)
{
	/* Three Chinese characters are nine bytes but three characters: max_len 3 admits them. */
	expect_field_error("name", "\"中文字\"", LL_OK, "");
	expect_field_error("name", "\"中文字符\"", LL_TOO_LONG, "name");
	expect_field_error("name", "\"abcd\"", LL_TOO_LONG, "name");
	assert_int_equal(json_utf8_chars("中文字"), 3);
	assert_int_equal(json_utf8_chars(""), 0);
	assert_int_equal(json_utf8_chars("a\xc3\xa9z"), 3);
}

static void test_json_decode_min_len(void **state)
{
	/* min_len 1 reads as "must not be empty"; a longer minimum is an invalid value. */
	expect_field_error("name", "\"\"", LL_MISSING_FIELD, "name");
	expect_field_error("name", "\"a\"", LL_OK, "");
	expect_field_error("note", "\"ab\"", LL_INVALID_VALUE, "note");
	expect_field_error("note", "\"中文字\"", LL_OK, "");
	expect_field_error("note", "\"abcdef\"", LL_TOO_LONG, "note");
}

static void test_json_decode_default_max_len(void **state)
{
	struct { const char *s; } in = { 0 };
	const struct json_field spec[] = { JSON_STR("s", __typeof__(in), s, .doc = "no max"), JSON_END };
	json_t *ok = json_pack("{s:s}", "s", "");
	char *big = malloc(JSON_STR_MAX_DEFAULT + 2);
	memset(big, 'a', JSON_STR_MAX_DEFAULT);
	big[JSON_STR_MAX_DEFAULT] = '\0';
	json_object_set_new(ok, "s", json_string(big));
	assert_int_equal(json_decode(ok, spec, &in), LL_OK);
	big[JSON_STR_MAX_DEFAULT] = 'a';
	big[JSON_STR_MAX_DEFAULT + 1] = '\0';
	json_object_set_new(ok, "s", json_string(big));
	assert_int_equal(json_decode(ok, spec, &in), LL_TOO_LONG);
	free(big);
	json_decref(ok);
}

static void test_json_decode_i64_range_inclusive(void **state)
{
	expect_field_error("count", "-5", LL_OK, "");
	expect_field_error("count", "10", LL_OK, "");
	expect_field_error("count", "-6", LL_OUT_OF_RANGE, "count");
	expect_field_error("count", "11", LL_OUT_OF_RANGE, "count");
	expect_field_error("count", "9223372036854775807", LL_OUT_OF_RANGE, "count");
}

static void test_json_decode_i64_without_bounds_takes_any(void **state)
{
	struct { int64_t n; } in = { 0 };
	const struct json_field spec[] = { JSON_I64("n", __typeof__(in), n, .doc = "any"), JSON_END };
	json_t *obj = json_pack("{s:I}", "n", (json_int_t)INT64_MIN);
	assert_int_equal(json_decode(obj, spec, &in), LL_OK);
	assert_true(in.n == INT64_MIN);
	json_decref(obj);
}

static void test_json_decode_enum_choices(void **state)
{
	expect_field_error("color", "\"blue\"", LL_OK, "");
	expect_field_error("color", "\"Blue\"", LL_INVALID_VALUE, "color");
	expect_field_error("color", "\"\"", LL_INVALID_VALUE, "color");
	expect_field_error("color", "\"purple\"", LL_INVALID_VALUE, "color");
}

static void test_json_decode_time(void **state)
{
	json_t *root = NULL;
	struct every_kind a = { 0 }, b = { 0 };
	assert_int_equal(parse("{\"name\": \"abc\", \"count\": 3, \"is_on\": true, \"at\": \"2024-02-29T20:30:00+08:30\", "
			       "\"color\": \"green\", \"tags\": []}", 16, &root), LL_OK);
	assert_int_equal(json_decode(root, every_spec, &a), LL_OK);
	json_decref(root);
	assert_int_equal(parse("{\"name\": \"abc\", \"count\": 3, \"is_on\": true, \"at\": \"2024-02-29T12:00:00Z\", "
			       "\"color\": \"green\", \"tags\": []}", 16, &root), LL_OK);
	assert_int_equal(json_decode(root, every_spec, &b), LL_OK);
	json_decref(root);
	assert_int_equal(a.at_us, b.at_us);
	expect_field_error("at", "\"2024-02-29T12:00:00-05:00\"", LL_OK, "");
	expect_field_error("at", "\"2024-02-29\"", LL_INVALID_VALUE, "at");
	expect_field_error("at", "\"yesterday\"", LL_INVALID_VALUE, "at");
	expect_field_error("at", "\"2023-02-29T12:00:00Z\"", LL_INVALID_VALUE, "at");
	expect_field_error("at", "\"2024-02-29T12:00:00\"", LL_INVALID_VALUE, "at");
}

static void test_json_decode_strs(void **state)
{
	expect_field_error("tags", "[]", LL_OK, "");
	expect_field_error("tags", "[\"a\", \"b\", \"c\"]", LL_TOO_LONG, "tags");
	expect_field_error("tags", "[\"a\", 2]", LL_WRONG_TYPE, "tags[1]");
	expect_field_error("tags", "[\"a\", null]", LL_WRONG_TYPE, "tags[1]");
	expect_field_error("tags", "[\"\", \"b\"]", LL_MISSING_FIELD, "tags[0]");
}

static void test_json_decode_first_failure_in_spec_order(void **state)
{
	struct every_kind in = { 0 };
	char field[LL_FIELD_MAX];
	assert_int_equal(decode("{\"name\": 1, \"count\": \"x\"}", &in, field), LL_WRONG_TYPE);
	assert_string_equal(field, "name");
}

/* ---- JSON: schema ---- */

static void test_json_spec_schema(void **state)
{
	json_t *s = json_spec_schema(every_spec);
	assert_string_equal(json_string_value(json_object_get(s, "type")), "object");
	assert_true(json_is_false(json_object_get(s, "additionalProperties")));
	json_t *props = json_object_get(s, "properties");
	assert_int_equal(json_object_size(props), 7);
	for (const struct json_field *f = every_spec; f->name; f++)
		assert_non_null(json_object_get(props, f->name));
	assert_string_equal(json_string_value(json_object_get(json_object_get(props, "name"), "type")), "string");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(props, "name"), "maxLength")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(props, "name"), "minLength")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(props, "count"), "type")), "integer");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(props, "count"), "minimum")), -5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(props, "count"), "maximum")), 10);
	assert_string_equal(json_string_value(json_object_get(json_object_get(props, "is_on"), "type")), "boolean");
	assert_string_equal(json_string_value(json_object_get(json_object_get(props, "at"), "format")), "date-time");
	json_t *e = json_object_get(json_object_get(props, "color"), "enum");
	assert_int_equal(json_array_size(e), 3);
	assert_string_equal(json_string_value(json_array_get(e, 2)), "blue");
	assert_string_equal(json_string_value(json_object_get(json_object_get(props, "tags"), "type")), "array");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(props, "tags"), "maxItems")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(props, "at"), "description")), "when");
	/* required: every field but the optional note, in spec order. */
	json_t *req = json_object_get(s, "required");
	const char *want[] = { "name", "count", "is_on", "at", "color", "tags" };
	assert_int_equal(json_array_size(req), 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(json_string_value(json_array_get(req, i)), want[i]);
	json_decref(s);
}

/* ---- arena ---- */

static void test_json_dump_compact_writes_what_jansson_writes(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"{}", "[]", "null", "true", "0", "-9223372036854775808", "9223372036854775807", "\"\"",
		"{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":\"x\",\"e\":false}",
		"[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\\u0080 汉字 😀\"]",
		"{\"键\":\"值\",\"z\":-1,\"a\":[[],{}]}",
		"[1.5,-0.25,1e300]",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *v = json_loads(docs[i], JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		struct buf b;
		buf_init(&b);
		assert_true(json_dump_compact(v, &b));
		buf_putc(&b, '\0');
		if (strcmp((const char *)b.data, want) != 0)
			fail_msg("case %zu: wrote %s, jansson writes %s", i, (const char *)b.data, want);
		buf_release(&b);
		free(want);
		json_decref(v);
	}
	/* A string with a NUL inside, and keys that need escaping. */
	json_t *o = json_object();
	json_object_set_new(o, "k\"\n", json_stringn("a\0b", 3));
	char *want = json_dumps(o, JSON_COMPACT);
	struct buf b;
	buf_init(&b);
	assert_true(json_dump_compact(o, &b));
	buf_putc(&b, '\0');
	assert_string_equal((const char *)b.data, want);
	buf_release(&b);
	free(want);
	json_decref(o);
}

static void test_arena_cap_refuses_and_sets_full(void **state)
{
	struct arena a;
	arena_init(&a, 64);
	assert_non_null(arena_alloc(&a, 48));
	assert_false(a.is_full);
	assert_null(arena_alloc(&a, 17)); /* rounds to 32: 80 > 64 */
	assert_true(a.is_full);
	assert_non_null(arena_alloc(&a, 16)); /* exactly the cap */
	assert_int_equal(a.used, 64);
	assert_null(arena_alloc(&a, 1));
	arena_release(&a);
}

static void test_arena_huge_request_refused(void **state)
{
	struct arena a;
	arena_init(&a, 0);
	assert_null(arena_alloc(&a, SIZE_MAX - 3)); /* rounding would wrap */
	assert_true(a.is_full);
	arena_release(&a);
}

static void test_arena_reset_keeps_working(void **state)
{
	struct arena a;
	arena_init(&a, 64);
	assert_non_null(arena_alloc(&a, 64));
	assert_null(arena_alloc(&a, 1));
	arena_reset(&a);
	assert_false(a.is_full);
	assert_int_equal(a.used, 0);
	for (int round = 0; round < 3; round++) {
		unsigned char *p = arena_alloc(&a, 64);
		assert_non_null(p);
		for (int i = 0; i < 64; i++)
			assert_int_equal(p[i], 0); /* zeroed even when memory is reused */
		memset(p, 0xab, 64);
		arena_reset(&a);
	}
	arena_release(&a);
}

static void test_arena_alignment_16(void **state)
{
	struct arena a;
	arena_init(&a, 0);
	const size_t sizes[] = { 1, 3, 7, 16, 17, 33, 100, 20000, 5, 1 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = arena_alloc(&a, sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
	}
	arena_release(&a);
}

static void test_arena_large_allocations(void **state)
{
	struct arena a;
	arena_init(&a, 0);
	char *small = arena_strdup(&a, "before");
	const size_t big_n = 100 * 1024; /* beyond the 16 KiB chunk */
	unsigned char *big = arena_alloc(&a, big_n);
	assert_non_null(big);
	for (size_t i = 0; i < big_n; i++)
		assert_int_equal(big[i], 0);
	memset(big, 0x5a, big_n);
	char *after = arena_strdup(&a, "after");
	unsigned char *big2 = arena_alloc(&a, big_n);
	assert_non_null(big2);
	memset(big2, 0xa5, big_n);
	assert_string_equal(small, "before");
	assert_string_equal(after, "after");
	for (size_t i = 0; i < big_n; i++)
		assert_int_equal(big[i], 0x5a);
	assert_int_equal(a.used >= 2 * big_n, 1);
	arena_reset(&a);
	assert_non_null(arena_alloc(&a, big_n));
	arena_release(&a);
}

static void test_arena_many_small_allocations_cross_chunks(void **state)
{
	struct arena a;
	arena_init(&a, 0);
	char *ptrs[2000];
	for (int i = 0; i < 2000; i++) {
		ptrs[i] = arena_printf(&a, "item-%d", i);
		assert_non_null(ptrs[i]);
	}
	for (int i = 0; i < 2000; i++) {
		char want[16];
		snprintf(want, sizeof(want), "item-%d", i);
		assert_string_equal(ptrs[i], want);
	}
	arena_release(&a);
}

static void test_arena_strings(void **state)
{
	struct arena a;
	arena_init(&a, 0);
	assert_null(arena_strdup(&a, NULL));
	assert_null(arena_strndup(&a, NULL, 3));
	assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
	assert_string_equal(arena_printf(&a, "%s-%d-%05.1f", "x", 42, 3.14159), "x-42-003.1");
	char *empty = arena_printf(&a, "%s", "");
	assert_non_null(empty);
	assert_string_equal(empty, "");
	assert_non_null(arena_memdup(&a, "", 0));
	assert_memory_equal(arena_memdup(&a, "a\0b", 3), "a\0b", 3);
	arena_release(&a);
}

static void test_arena_printf_respects_cap(void **state)
{
	struct arena a;
	arena_init(&a, 32);
	assert_non_null(arena_printf(&a, "%s", "short"));
	assert_null(arena_printf(&a, "%040d", 1));
	assert_true(a.is_full);
	arena_release(&a);
}

/* ---- buf ---- */

static void test_buf_append_and_grow(void **state)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "ab");
	buf_putc(&b, 'c');
	buf_append(&b, "d\0e", 3);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "abcd\0e", 7);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%04d", i);
	assert_int_equal(b.len, 6 + 4000);
	assert_memory_equal(b.data + 6, "00000001", 8);
	assert_string_equal(b.data + b.len - 4, "0999");
	assert_false(b.is_oom);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_buf_printf_large(void **state)
{
	struct buf b;
	buf_init(&b);
	buf_printf(&b, "%0*d", 5000, 7);
	assert_int_equal(b.len, 5000);
	assert_int_equal(strlen(b.data), 5000);
	assert_int_equal(b.data[4999], '7');
	buf_release(&b);
}

static void test_buf_reset_and_steal(void **state)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "hello");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_puts(&b, "world");
	size_t len = 0;
	char *p = buf_steal(&b, &len);
	assert_string_equal(p, "world");
	assert_int_equal(len, 5);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(p);
	/* Stealing an empty buffer still gives a string the caller frees. */
	p = buf_steal(&b, &len);
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
	buf_release(&b);
}

/* ---- clock ---- */

static void test_grow_doubles_and_keeps_elements(void **state)
{
	(void)state;
	int64_t *items = NULL;
	size_t cap = 0, n = 0;
	/* Room is made only when full: first to the given size, then twice as much each time. */
	size_t caps_seen[8], n_caps = 0;
	for (int64_t v = 0; v < 100; v++) {
		size_t before = cap;
		assert_true(grow(&items, &cap, n, sizeof(*items), 10));
		assert_true(cap > n);
		if (cap != before)
			caps_seen[n_caps++] = cap;
		items[n++] = v * v;
	}
	assert_int_equal(n_caps, 5);
	static const size_t want[] = { 10, 20, 40, 80, 160 };
	for (size_t i = 0; i < n_caps; i++)
		assert_int_equal(caps_seen[i], want[i]);
	for (int64_t v = 0; v < 100; v++)
		assert_int_equal(items[v], v * v);
	/* With room left it changes nothing. */
	int64_t *same = items;
	assert_true(grow(&items, &cap, 50, sizeof(*items), 10));
	assert_ptr_equal(items, same);
	assert_int_equal(cap, 160);
	free(items);
}

static void test_grow_refuses_what_memory_cannot_hold(void **state)
{
	(void)state;
	char *items = NULL;
	size_t cap = 0;
	assert_true(grow(&items, &cap, 0, 1, 4));
	memcpy(items, "abc", 4);
	char *before = items;
	/* Doubling to more than the address space holds fails and leaves the array as it was. */
	size_t huge = SIZE_MAX / 2 + 1;
	cap = huge;
	assert_false(grow(&items, &cap, huge, 2, 4));
	assert_ptr_equal(items, before);
	assert_int_equal(cap, huge);
	assert_string_equal(items, "abc");
	free(items);
}

static void test_clock_days_from_civil_known_values(void **state)
{
	assert_int_equal(clock_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(clock_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(clock_days_from_civil(2000, 1, 1), 10957);
	assert_int_equal(clock_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(clock_days_from_civil(2024, 2, 29), 19782);
	assert_int_equal(clock_days_from_civil(1900, 1, 1), -25567);
	assert_int_equal(clock_days_from_civil(1, 1, 1), -719162);
}

static void test_clock_is_valid_date(void **state)
{
	assert_true(clock_is_valid_date(2024, 2, 29));
	assert_true(clock_is_valid_date(2000, 2, 29));
	assert_false(clock_is_valid_date(1900, 2, 29));
	assert_false(clock_is_valid_date(2023, 2, 29));
	assert_true(clock_is_valid_date(2023, 2, 28));
	assert_false(clock_is_valid_date(1999, 2, 30));
	assert_true(clock_is_valid_date(2023, 12, 31));
	assert_false(clock_is_valid_date(2023, 4, 31));
	assert_true(clock_is_valid_date(2023, 1, 31));
	assert_false(clock_is_valid_date(2023, 13, 1));
	assert_false(clock_is_valid_date(2023, 0, 1));
	assert_false(clock_is_valid_date(2023, 1, 0));
	assert_false(clock_is_valid_date(0, 1, 1));
	assert_false(clock_is_valid_date(10000, 1, 1));
	assert_true(clock_is_valid_date(9999, 12, 31));
}

static void test_clock_parse_date(void **state)
{
	(void)state;
	int64_t d = -1;
	assert_true(clock_parse_date("1970-01-01", &d));
	assert_int_equal(d, 0);
	assert_true(clock_parse_date("2024-02-29", &d));
	assert_int_equal(d, clock_days_from_civil(2024, 2, 29));
	static const char *const bad[] = { "2023-02-29", "2024-2-29", "2024-02-29x", "2024/02/29", "1899-12-31",
					   "20a4-01-01", "", "2024-13-01", "2024-01-00" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = 7;
		if (clock_parse_date(bad[i], &d))
			fail_msg("'%s' parsed as a date", bad[i]);
		assert_int_equal(d, 7);
	}
}

static void test_clock_rfc3339_round_trip(void **state)
{
	const ll_time_us samples[] = {
		0, 1, 999999, 1000000, 951782400000000LL /* 2000-02-29 */, 1709208000123456LL /* 2024-02-29 12:00 */,
		-1, -1000000, -2208988800000000LL /* 1900-01-01 */, 253402300799999999LL /* 9999-12-31 */,
	};
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		char out[32];
		ll_time_us back = 0;
		clock_format_rfc3339(samples[i], out);
		assert_true(clock_parse_rfc3339(out, &back));
		assert_int_equal(back, samples[i]);
	}
}

static void test_clock_format_known(void **state)
{
	char out[32], date[11];
	clock_format_rfc3339(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
	clock_format_rfc3339(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
	clock_format_rfc3339(1709208000123456LL, out);
	assert_string_equal(out, "2024-02-29T12:00:00.123456Z");
	clock_format_date(1709208000123456LL, date);
	assert_string_equal(date, "2024-02-29");
}

static void test_clock_parse_offsets_and_fractions(void **state)
{
	ll_time_us t = 0;
	assert_true(clock_parse_rfc3339("2024-02-29T12:00:00Z", &t));
	assert_int_equal(t, 1709208000000000LL);
	assert_true(clock_parse_rfc3339("2024-02-29t12:00:00z", &t));
	assert_int_equal(t, 1709208000000000LL);
	assert_true(clock_parse_rfc3339("2024-02-29T20:00:00+08:00", &t));
	assert_int_equal(t, 1709208000000000LL);
	assert_true(clock_parse_rfc3339("2024-02-29T06:30:00-05:30", &t));
	assert_int_equal(t, 1709208000000000LL);
	assert_true(clock_parse_rfc3339("2024-03-01T00:00:00+12:00", &t));
	assert_int_equal(t, 1709208000000000LL);
	assert_true(clock_parse_rfc3339("2024-02-29T12:00:00.5Z", &t));
	assert_int_equal(t, 1709208000500000LL);
	assert_true(clock_parse_rfc3339("2024-02-29T12:00:00.123456789Z", &t));
	assert_int_equal(t, 1709208000123456LL);
	/* A leap second is accepted and read as the second before. */
	assert_true(clock_parse_rfc3339("2016-12-31T23:59:60Z", &t));
	assert_int_equal(t, 1483228799000000LL);
}

static void test_clock_parse_rejects_garbage(void **state)
{
	const char *bad[] = {
		"", "garbage", "2024-02-29", "2024-02-29T12:00:00", "2024-02-29 12:00:00Z", "2024-2-29T12:00:00Z",
		"2024-02-30T12:00:00Z", "2023-02-29T12:00:00Z", "2024-13-01T00:00:00Z", "2024-02-29T24:00:00Z",
		"2024-02-29T12:60:00Z", "2024-02-29T12:00:61Z", "2024-02-29T12:00:00.Z", "2024-02-29T12:00:00+8:00",
		"2024-02-29T12:00:00+08", "2024-02-29T12:00:00+0800", "2024-02-29T12:00:00+24:00",
		"2024-02-29T12:00:00+08:60", "2024-02-29T12:00:00Zjunk", "2024-02-29T12:00:00+08:00x",
		"0000-01-01T00:00:00Z", "-024-02-29T12:00:00Z", "2024-02-29T12:00:00Y",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ll_time_us t = 42;
		if (clock_parse_rfc3339(bad[i], &t))
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(t, 42);
	}
}

static void test_clock_fixed(void **state)
{
	clock_set_fixed(1709208000000000LL);
	assert_int_equal(clock_now_us(), 1709208000000000LL);
	clock_set_fixed(0);
	assert_true(clock_now_us() > 1709208000000000LL);
}

/* ---- error table ---- */

static const struct {
	enum ll_err err;
	int num, http, exit_code;
	const char *code, *msg;
} err_table[] = {
#define LL_ERR(name, num, http, exit_code, code, msg) { LL_##name, num, http, exit_code, code, msg },
#include "base/ll_err.def"
#undef LL_ERR
};
#define ERR_TABLE_N (sizeof(err_table) / sizeof(err_table[0]))

static void test_ll_err_table_unique_and_sane(void **state)
{
	assert_true(ERR_TABLE_N > 10);
	for (size_t i = 0; i < ERR_TABLE_N; i++) {
		assert_int_equal((int)err_table[i].err, err_table[i].num);
		assert_true(err_table[i].http >= 200 && err_table[i].http <= 599);
		assert_true(err_table[i].code[0] != '\0');
		assert_true(err_table[i].msg[0] != '\0');
		for (size_t j = 0; j < i; j++) {
			if (err_table[i].num == err_table[j].num)
				fail_msg("number %d used twice", err_table[i].num);
			if (strcmp(err_table[i].code, err_table[j].code) == 0)
				fail_msg("name %s used twice", err_table[i].code);
		}
		/* Names are machine-readable: lowercase letters and underscores. */
		for (const char *p = err_table[i].code; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
	}
	assert_int_equal(ll_err_http_status(LL_OK), 200);
}

static void test_ll_err_lookups_match_table(void **state)
{
	for (size_t i = 0; i < ERR_TABLE_N; i++) {
		enum ll_err e = err_table[i].err, back = LL_INTERNAL;
		assert_string_equal(ll_err_code(e), err_table[i].code);
		assert_string_equal(ll_err_message(e), err_table[i].msg);
		assert_int_equal(ll_err_http_status(e), err_table[i].http);
		assert_int_equal(ll_err_exit_code(e), err_table[i].exit_code);
		assert_true(ll_err_from_code(err_table[i].code, &back));
		assert_int_equal(back, e);
	}
	enum ll_err untouched = LL_IO;
	assert_false(ll_err_from_code("no_such_error", &untouched));
	assert_false(ll_err_from_code("", &untouched));
	assert_int_equal(untouched, LL_IO);
	assert_string_equal(ll_err_code((enum ll_err)9999), "internal");
	assert_int_equal(ll_err_http_status((enum ll_err)9999), 500);
}

static void test_ll_err_known_statuses(void **state)
{
	assert_int_equal(ll_err_http_status(LL_NOT_FOUND), 404);
	assert_int_equal(ll_err_http_status(LL_METHOD_NOT_ALLOWED), 405);
	assert_int_equal(ll_err_http_status(LL_UNAUTHENTICATED), 401);
	assert_int_equal(ll_err_http_status(LL_FORBIDDEN), 403);
	assert_int_equal(ll_err_http_status(LL_BUSY), 503);
	assert_int_equal(ll_err_http_status(LL_BODY_TOO_LARGE), 413);
	assert_int_equal(ll_err_http_status(LL_URL_TOO_LONG), 414);
	assert_int_equal(ll_err_http_status(LL_LOCKED), 429);
}

static void test_ll_fail_sets_field_and_message(void **state)
{
	ll_error_clear();
	assert_int_equal(ll_error_get(LL_OK)->err, LL_OK);
	assert_int_equal(ll_fail(LL_TOO_LONG, "title", "title is longer than %d characters", 200), LL_TOO_LONG);
	const struct ll_error *e = ll_error_get(LL_TOO_LONG);
	assert_int_equal(e->err, LL_TOO_LONG);
	assert_string_equal(e->field, "title");
	assert_string_equal(e->message, "title is longer than 200 characters");
}

static void test_ll_fail_default_message(void **state)
{
	ll_fail(LL_FORBIDDEN, NULL, NULL);
	const struct ll_error *e = ll_error_get(LL_FORBIDDEN);
	assert_string_equal(e->field, "");
	assert_string_equal(e->message, ll_err_message(LL_FORBIDDEN));
}

static void test_ll_error_get_other_code_gives_default(void **state)
{
	ll_fail(LL_TOO_LONG, "title", "title too long");
	const struct ll_error *e = ll_error_get(LL_NOT_FOUND);
	assert_int_equal(e->err, LL_NOT_FOUND);
	assert_string_equal(e->field, "");
	assert_string_equal(e->message, ll_err_message(LL_NOT_FOUND));
}

static void test_ll_fail_truncates_long_detail(void **state)
{
	char longf[400];
	memset(longf, 'f', sizeof(longf) - 1);
	longf[sizeof(longf) - 1] = '\0';
	ll_fail(LL_INVALID_VALUE, longf, "%s", longf);
	const struct ll_error *e = ll_error_get(LL_INVALID_VALUE);
	assert_int_equal(strlen(e->field), LL_FIELD_MAX - 1);
	assert_int_equal(strlen(e->message), LL_MESSAGE_MAX - 1);
}

static void test_ll_fail_refiles_its_own_detail(void **state)
{
	/* Re-filing the current message under another field must not read it while overwriting it. */
	ll_fail(LL_INVALID_VALUE, "phone", "phone must have digits only");
	ll_fail(LL_INVALID_VALUE, "person.phone", "%s", ll_error_get(LL_INVALID_VALUE)->message);
	const struct ll_error *e = ll_error_get(LL_INVALID_VALUE);
	assert_string_equal(e->field, "person.phone");
	assert_string_equal(e->message, "phone must have digits only");
	ll_fail(LL_INVALID_VALUE, ll_error_get(LL_INVALID_VALUE)->field, "again: %s", e->message);
	assert_string_equal(e->field, "person.phone");
	assert_string_equal(e->message, "again: phone must have digits only");
}

static void test_ll_fail_retry_after(void **state)
{
	assert_int_equal(ll_fail(LL_LOCKED, "login", NULL), LL_LOCKED);
	assert_int_equal(ll_error_get(LL_LOCKED)->retry_after_s, 0);
	assert_int_equal(ll_fail_retry_after(900), LL_LOCKED);
	assert_int_equal(ll_error_get(LL_LOCKED)->retry_after_s, 900);
	assert_string_equal(ll_error_get(LL_LOCKED)->field, "login");
	/* The next failure starts without the previous one's wait. */
	ll_fail(LL_BUSY, NULL, NULL);
	assert_int_equal(ll_error_get(LL_BUSY)->retry_after_s, 0);
}

/* ---- ids ---- */

static void test_id_format_v7(void **state)
{
	uint8_t r[10];
	memset(r, 0xff, sizeof(r));
	ll_id id;
	id_from_parts(0x0123456789abLL, r, &id);
	assert_int_equal(strlen(id.s), 36);
	assert_true(id_is_valid(id.s));
	assert_memory_equal(id.s, "01234567-89ab-", 14);
	assert_int_equal(id.s[14], '7');           /* version */
	assert_int_equal(id.s[19], 'b');           /* variant 10xx with all ones */
	memset(r, 0, sizeof(r));
	id_from_parts(0, r, &id);
	assert_string_equal(id.s, "00000000-0000-7000-8000-000000000000");
	for (int i = 0; i < 50; i++) {
		id_new(&id);
		assert_true(id_is_valid(id.s));
		assert_int_equal(id.s[14], '7');
		assert_non_null(strchr("89ab", id.s[19]));
	}
}

static void test_id_time_ordered(void **state)
{
	ll_id prev, cur;
	uint8_t hi[10], lo[10];
	memset(hi, 0xff, sizeof(hi));
	memset(lo, 0x00, sizeof(lo));
	/* A later millisecond sorts after, whatever the random bits. */
	id_from_parts(1709208000000LL, hi, &prev);
	for (int64_t ms = 1709208000001LL; ms < 1709208000300LL; ms += 7) {
		id_from_parts(ms, lo, &cur);
		assert_true(strcmp(prev.s, cur.s) < 0);
		id_from_parts(ms, hi, &prev);
	}
	clock_set_fixed(1709208000000000LL);
	id_new(&prev);
	clock_set_fixed(1709208000001000LL);
	id_new(&cur);
	clock_set_fixed(0);
	assert_true(strcmp(prev.s, cur.s) < 0);
	assert_memory_equal(prev.s, "018df4bc-5600", 13); /* 1709208000000 = 0x018df4bc5600 */
}

static void test_id_is_valid(void **state)
{
	assert_true(id_is_valid("018df3d5-8e00-7abc-8def-0123456789ab"));
	assert_false(id_is_valid(""));
	assert_false(id_is_valid("018DF3D5-8E00-7ABC-8DEF-0123456789AB"));
	assert_false(id_is_valid("018df3d5-8e00-7abc-8def-0123456789a"));
	assert_false(id_is_valid("018df3d5-8e00-7abc-8def-0123456789abc"));
	assert_false(id_is_valid("018df3d58e00-7abc-8def-0123456789ab-"));
	assert_false(id_is_valid("018df3d5-8e00-7abc-8def_0123456789ab"));
	assert_false(id_is_valid("018df3d5-8e00-7abc-8deg-0123456789ab"));
	assert_false(id_is_valid("{18df3d5-8e00-7abc-8def-0123456789ab"));
}

/* ---- crypto ---- */

static char g_tmp[64];

static int crypto_group_setup(void **state)
{
	if (crypto_init() != LL_OK)
		return -1;
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/ll-test-base-XXXXXX");
	return mkdtemp(g_tmp) ? 0 : -1;
}

static int crypto_group_teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void tmp_path(const char *name, char out[128])
{
	snprintf(out, 128, "%s/%s", g_tmp, name);
	unlink(out);
}

static struct ll_keys *fresh_keys(const char *name)
{
	char path[128];
	struct ll_keys *k = NULL;
	tmp_path(name, path);
	assert_int_equal(keys_generate_file(path, false), LL_OK);
	assert_int_equal(keys_load(path, &k), LL_OK);
	assert_non_null(k);
	return k;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_crypto_seal_open_round_trip(void **state)
{
	struct ll_keys *k = fresh_keys("seal.keys");
	const char plain[] = "310104199001011233";
	unsigned char sealed[sizeof(plain) + CRYPTO_SEAL_OVERHEAD], again[sizeof(plain) + CRYPTO_SEAL_OVERHEAD];
	char out[sizeof(plain)];
	crypto_seal(k, plain, sizeof(plain), sealed);
	assert_true(crypto_open(k, sealed, sizeof(sealed), out));
	assert_string_equal(out, plain);
	/* A fresh nonce each time: sealing twice gives different bytes. */
	crypto_seal(k, plain, sizeof(plain), again);
	assert_memory_not_equal(sealed, again, sizeof(sealed));
	/* An empty value seals too. */
	unsigned char empty[CRYPTO_SEAL_OVERHEAD];
	crypto_seal(k, "", 0, empty);
	assert_true(crypto_open(k, empty, sizeof(empty), out));
	keys_free(k);
}

static void test_crypto_open_refuses_tampering(void **state)
{
	struct ll_keys *k = fresh_keys("tamper.keys");
	struct ll_keys *other = fresh_keys("tamper-other.keys");
	const char plain[] = "13812345678";
	unsigned char sealed[sizeof(plain) + CRYPTO_SEAL_OVERHEAD];
	char out[sizeof(plain)];
	crypto_seal(k, plain, sizeof(plain), sealed);
	for (size_t i = 0; i < sizeof(sealed); i++) {
		sealed[i] ^= 0x01;
		if (crypto_open(k, sealed, sizeof(sealed), out))
			fail_msg("a flipped bit at byte %zu was not detected", i);
		sealed[i] ^= 0x01;
	}
	assert_false(crypto_open(k, sealed, sizeof(sealed) - 1, out));
	assert_false(crypto_open(k, sealed, CRYPTO_SEAL_OVERHEAD - 1, out));
	assert_false(crypto_open(other, sealed, sizeof(sealed), out));
	assert_true(crypto_open(k, sealed, sizeof(sealed), out));
	keys_free(k);
	keys_free(other);
}

static void test_crypto_lookup_hash(void **state)
{
	struct ll_keys *k = fresh_keys("lookup.keys");
	struct ll_keys *other = fresh_keys("lookup-other.keys");
	unsigned char a[CRYPTO_HASH_BYTES], b[CRYPTO_HASH_BYTES], c[CRYPTO_HASH_BYTES];
	const char *v = "310104199001011233";
	crypto_lookup_hash(k, CRYPTO_DOMAIN_ID_NUMBER, v, strlen(v), a);
	crypto_lookup_hash(k, CRYPTO_DOMAIN_ID_NUMBER, v, strlen(v), b);
	assert_memory_equal(a, b, sizeof(a));                  /* deterministic */
	crypto_lookup_hash(k, CRYPTO_DOMAIN_PHONE, v, strlen(v), c);
	assert_memory_not_equal(a, c, sizeof(a));              /* domain-separated */
	crypto_lookup_hash(k, CRYPTO_DOMAIN_ID_NUMBER, v, strlen(v) - 1, c);
	assert_memory_not_equal(a, c, sizeof(a));
	crypto_lookup_hash(other, CRYPTO_DOMAIN_ID_NUMBER, v, strlen(v), c);
	assert_memory_not_equal(a, c, sizeof(a));              /* keyed */
	/* The domain's end is unambiguous: ("ab", "c") and ("a", "bc") differ. */
	crypto_lookup_hash(k, "ab", "c", 1, a);
	crypto_lookup_hash(k, "a", "bc", 2, b);
	assert_memory_not_equal(a, b, sizeof(a));
	keys_free(k);
	keys_free(other);
}

static void test_crypto_token_hash_differs_from_lookup(void **state)
{
	struct ll_keys *k = fresh_keys("token.keys");
	unsigned char t1[CRYPTO_HASH_BYTES], t2[CRYPTO_HASH_BYTES], l[CRYPTO_HASH_BYTES];
	const char *tok = "0123456789abcdef0123456789abcdef";
	crypto_token_hash(k, tok, t1);
	crypto_token_hash(k, tok, t2);
	assert_memory_equal(t1, t2, sizeof(t1));
	/* Even under the token's own domain name the look-up key gives another hash. */
	crypto_lookup_hash(k, "token", tok, strlen(tok), l);
	assert_memory_not_equal(t1, l, sizeof(t1));
	crypto_lookup_hash(k, CRYPTO_DOMAIN_ID_NUMBER, tok, strlen(tok), l);
	assert_memory_not_equal(t1, l, sizeof(t1));
	keys_free(k);
}

static void test_crypto_password_hash_verify(void **state)
{
	char h1[CRYPTO_PWHASH_MAX], h2[CRYPTO_PWHASH_MAX];
	assert_int_equal(crypto_password_hash("correct horse 1", h1), LL_OK);
	assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
	assert_true(crypto_password_verify(h1, "correct horse 1"));
	assert_false(crypto_password_verify(h1, "correct horse 2"));
	assert_false(crypto_password_verify(h1, ""));
	/* Salted: the same password hashes differently. */
	assert_int_equal(crypto_password_hash("correct horse 1", h2), LL_OK);
	assert_string_not_equal(h1, h2);
	assert_false(crypto_password_verify("not a hash", "correct horse 1"));
}

static void test_crypto_hex(void **state)
{
	const unsigned char in[] = { 0x00, 0x7f, 0xab, 0xff };
	char hex[9];
	unsigned char back[4];
	crypto_hex(in, 4, hex);
	assert_string_equal(hex, "007fabff");
	assert_true(crypto_unhex(hex, back, 4));
	assert_memory_equal(back, in, 4);
	assert_true(crypto_unhex("007FABFF", back, 4));
	assert_false(crypto_unhex("007fab", back, 4));
	assert_false(crypto_unhex("007fabff00", back, 4));
	assert_false(crypto_unhex("007fabfg", back, 4));
	char r1[33], r2[33];
	crypto_random_hex(r1, 16);
	crypto_random_hex(r2, 16);
	assert_int_equal(strlen(r1), 32);
	assert_string_not_equal(r1, r2);
	assert_true(crypto_str_equal("abc", "abc"));
	assert_false(crypto_str_equal("abc", "abd"));
	assert_false(crypto_str_equal("abc", "abcd"));
}

static void test_keys_generate_file_mode_0600(void **state)
{
	char path[128];
	struct stat st;
	tmp_path("mode.keys", path);
	mode_t old = umask(0);
	enum ll_err err = keys_generate_file(path, false);
	umask(old);
	assert_int_equal(err, LL_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_keys_generate_refuses_overwrite(void **state)
{
	char path[128];
	struct stat before, after;
	tmp_path("exists.keys", path);
	write_file(path, "precious\n", 0600);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(keys_generate_file(path, false), LL_CONFLICT);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_size, before.st_size); /* untouched, and not unlinked */
	FILE *f = fopen(path, "r");
	char line[32] = "";
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "precious\n");
}

static void test_keys_load_refuses_open_mode(void **state)
{
	char path[128];
	struct ll_keys *k = NULL;
	tmp_path("open.keys", path);
	assert_int_equal(keys_generate_file(path, false), LL_OK);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(keys_load(path, &k), LL_KEY_FILE);
	assert_null(k);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(keys_load(path, &k), LL_KEY_FILE);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(keys_load(path, &k), LL_KEY_FILE);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(keys_load(path, &k), LL_OK);
	keys_free(k);
}

static void test_keys_load_refuses_missing_and_non_regular(void **state)
{
	char path[128];
	struct ll_keys *k = NULL;
	tmp_path("absent.keys", path);
	assert_int_equal(keys_load(path, &k), LL_KEY_FILE);
	assert_int_equal(keys_load(g_tmp, &k), LL_KEY_FILE); /* a folder */
	assert_null(k);
}

static void test_keys_load_refuses_malformed(void **state)
{
	const char *hex32 = "0000000000000000000000000000000000000000000000000000000000000000";
	char good_rest[1024];
	snprintf(good_rest, sizeof(good_rest), "seal=%s\nlookup=%s\ntoken=%s\nsign=%s%s\n", hex32, hex32, hex32, hex32,
		 hex32);
	char texts[6][1200];
	snprintf(texts[0], sizeof(texts[0]), "%s", "");                                   /* empty */
	snprintf(texts[1], sizeof(texts[1]), "not-lifelong v1\n%s", good_rest);           /* header */
	snprintf(texts[2], sizeof(texts[2]), "lifelong-keys v1\nseal=%s\nlookup=%s\ntoken=%s\n", hex32, hex32,
		 hex32);                                                                   /* missing sign */
	snprintf(texts[3], sizeof(texts[3]), "lifelong-keys v1\nseal=%.62s\nlookup=%s\ntoken=%s\nsign=%s%s\n",
		 hex32, hex32, hex32, hex32, hex32);                                       /* short key */
	snprintf(texts[4], sizeof(texts[4]), "lifelong-keys v1\nseal=%.63sg\nlookup=%s\ntoken=%s\nsign=%s%s\n",
		 hex32, hex32, hex32, hex32, hex32);                                       /* bad hex */
	snprintf(texts[5], sizeof(texts[5]), "lifelong-keys v1\n");                       /* no keys */
	for (int i = 0; i < 6; i++) {
		char path[128];
		struct ll_keys *k = NULL;
		tmp_path("malformed.keys", path);
		write_file(path, texts[i], 0600);
		enum ll_err err = keys_load(path, &k);
		if (err != LL_KEY_FILE)
			fail_msg("malformed key file %d: got %s", i, ll_err_code(err));
		assert_null(k);
	}
	/* The same shape with every key is accepted (so the cases above fail for their flaw). */
	char path[128];
	char text[1200];
	struct ll_keys *k = NULL;
	snprintf(text, sizeof(text), "lifelong-keys v1\n%s", good_rest);
	tmp_path("wellformed.keys", path);
	write_file(path, text, 0600);
	assert_int_equal(keys_load(path, &k), LL_OK);
	keys_free(k);
}

static void test_keys_round_trip(void **state)
{
	char path[128];
	struct ll_keys *a = NULL, *b = NULL, *c = NULL;
	tmp_path("round.keys", path);
	assert_int_equal(keys_generate_file(path, false), LL_OK);
	assert_int_equal(keys_load(path, &a), LL_OK);
	assert_int_equal(keys_load(path, &b), LL_OK);
	assert_memory_equal(a, b, sizeof(*a));
	/* What one process sealed, the next one opens. */
	unsigned char sealed[5 + CRYPTO_SEAL_OVERHEAD];
	char out[5];
	crypto_seal(a, "hello", 5, sealed);
	assert_true(crypto_open(b, sealed, sizeof(sealed), out));
	assert_memory_equal(out, "hello", 5);
	/* The public signing key is derived from the secret one. */
	unsigned char pk_zero[32] = { 0 };
	assert_memory_not_equal(a->sign_pk, pk_zero, 32);
	assert_memory_equal(a->sign_pk, a->sign_sk + 32, 32);
	/* A second file holds other keys. */
	c = fresh_keys("round2.keys");
	assert_memory_not_equal(a->seal, c->seal, CRYPTO_KEY_BYTES);
	assert_memory_not_equal(a->lookup, c->lookup, CRYPTO_KEY_BYTES);
	assert_memory_not_equal(a->token, c->token, CRYPTO_KEY_BYTES);
	assert_memory_not_equal(a->seal, a->lookup, CRYPTO_KEY_BYTES);
	keys_free(a);
	keys_free(b);
	assert_null(keys_free(c));
	assert_null(keys_free(NULL));
}

/* ---- The regional look-up key ---- */

/* The text of the file at path (at most 1 KiB), failing the test when it cannot be read. */
static void read_text(const char *path, char out[1024])
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, 1023, f);
	fclose(f);
	out[n] = '\0';
}

/* The hex after "name=" at the start of a line of text, into out (at most 129 characters); false
 * when no line names it. */
static bool line_value(const char *text, const char *name, char out[130])
{
	size_t nlen = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			size_t len = strcspn(p + nlen + 1, "\n");
			assert_true(len < 130);
			memcpy(out, p + nlen + 1, len);
			out[len] = '\0';
			return true;
		}
	}
	return false;
}

/* A key file at name: new keys of keygen without a region, then the region line given as is
 * (none when NULL); loaded when it loads, else NULL and *ret_err says why. */
static struct ll_keys *keys_with_region_line(const char *name, const char *region_line, enum ll_err *ret_err)
{
	char path[128], text[1024], more[1200];
	tmp_path(name, path);
	assert_int_equal(keys_generate_file(path, false), LL_OK);
	read_text(path, text);
	snprintf(more, sizeof(more), "%s%s%s", text, region_line ? region_line : "", region_line ? "\n" : "");
	unlink(path);
	write_file(path, more, 0600);
	struct ll_keys *k = NULL;
	enum ll_err err = keys_load(path, &k);
	if (ret_err)
		*ret_err = err;
	return k;
}

static void test_keys_generate_with_region_writes_a_region_line_that_loads(void **state)
{
	char path[128], text[1024], hex[130];
	struct ll_keys *k = NULL;
	tmp_path("region.keys", path);
	assert_int_equal(keys_generate_file(path, true), LL_OK);
	read_text(path, text);
	assert_true(line_value(text, "region", hex));
	assert_int_equal(strlen(hex), 2 * CRYPTO_KEY_BYTES);
	assert_int_equal(keys_load(path, &k), LL_OK);
	assert_true(k->has_region);
	/* The key loaded is the one the line holds, and none of the node's own keys. */
	unsigned char want[CRYPTO_KEY_BYTES], zero[CRYPTO_KEY_BYTES] = { 0 };
	assert_true(crypto_unhex(hex, want, sizeof(want)));
	assert_memory_equal(k->region, want, sizeof(want));
	assert_memory_not_equal(k->region, zero, sizeof(zero));
	assert_memory_not_equal(k->region, k->lookup, CRYPTO_KEY_BYTES);
	assert_memory_not_equal(k->region, k->seal, CRYPTO_KEY_BYTES);
	unsigned char h[CRYPTO_HASH_BYTES];
	assert_true(crypto_region_hash(k, "310104199001011233", 18, h));
	/* The other keys are all there too. */
	assert_true(line_value(text, "seal", hex));
	assert_true(line_value(text, "sign", hex));
	keys_free(k);

	/* Two files made with a region hold two regional keys: each keygen makes a new one. */
	struct ll_keys *other = NULL;
	tmp_path("region2.keys", path);
	assert_int_equal(keys_generate_file(path, true), LL_OK);
	assert_int_equal(keys_load(path, &other), LL_OK);
	snprintf(path, sizeof(path), "%s/region.keys", g_tmp);
	assert_int_equal(keys_load(path, &k), LL_OK);
	assert_memory_not_equal(k->region, other->region, CRYPTO_KEY_BYTES);
	keys_free(k);
	keys_free(other);
}

static void test_keys_without_region_have_no_region_hash(void **state)
{
	char path[128], text[1024], hex[130];
	struct ll_keys *k = NULL;
	tmp_path("noregion.keys", path);
	assert_int_equal(keys_generate_file(path, false), LL_OK);
	read_text(path, text);
	assert_false(line_value(text, "region", hex));
	assert_null(strstr(text, "region"));
	assert_int_equal(keys_load(path, &k), LL_OK);
	assert_false(k->has_region);
	unsigned char h[CRYPTO_HASH_BYTES];
	memset(h, 0xa5, sizeof(h));
	assert_false(crypto_region_hash(k, "310104199001011233", 18, h));
	/* The region key a file without one leaves is never used. */
	unsigned char untouched[CRYPTO_HASH_BYTES];
	memset(untouched, 0xa5, sizeof(untouched));
	assert_memory_equal(h, untouched, sizeof(h));
	keys_free(k);
}

static void test_keys_load_refuses_a_malformed_region_line(void **state)
{
	const char *hex32 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char line[200];
	const char *bad[] = { "region=", "region=00", "region=%.62s", "region=%.63sg", "region=%s00", "region=%s ",
			      "region= %s", "region=%.62szz" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), bad[i], hex32);
		enum ll_err err = LL_OK;
		struct ll_keys *k = keys_with_region_line("badregion.keys", line, &err);
		if (err != LL_KEY_FILE)
			fail_msg("'%s' loaded: got %s", line, ll_err_code(err));
		assert_null(k);
		assert_string_equal(ll_error_get(err)->field, "key_file");
	}
	/* The same file with a well-formed line loads, with that key. */
	snprintf(line, sizeof(line), "region=%s", hex32);
	enum ll_err err = LL_OK;
	struct ll_keys *k = keys_with_region_line("goodregion.keys", line, &err);
	assert_int_equal(err, LL_OK);
	assert_true(k->has_region);
	unsigned char want[CRYPTO_KEY_BYTES];
	assert_true(crypto_unhex(hex32, want, sizeof(want)));
	assert_memory_equal(k->region, want, sizeof(want));
	keys_free(k);
}

static void test_region_hash_is_shared_by_files_with_the_same_region_line(void **state)
{
	const char *line_a = "region=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
	const char *line_b = "region=c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf";
	/* Two nodes (other seal, look-up and signing keys) sharing line a; a third with line b. */
	struct ll_keys *sh = keys_with_region_line("sh.keys", line_a, NULL);
	struct ll_keys *js = keys_with_region_line("js.keys", line_a, NULL);
	struct ll_keys *zj = keys_with_region_line("zj.keys", line_b, NULL);
	assert_non_null(sh);
	assert_non_null(js);
	assert_non_null(zj);
	assert_memory_not_equal(sh->lookup, js->lookup, CRYPTO_KEY_BYTES);
	assert_memory_not_equal(sh->seal, js->seal, CRYPTO_KEY_BYTES);

	const char *id = "310104199001011233";
	unsigned char a[CRYPTO_HASH_BYTES], b[CRYPTO_HASH_BYTES], c[CRYPTO_HASH_BYTES], l[CRYPTO_HASH_BYTES];
	assert_true(crypto_region_hash(sh, id, 18, a));
	assert_true(crypto_region_hash(js, id, 18, b));
	assert_memory_equal(a, b, sizeof(a));                  /* the same on both nodes */
	assert_true(crypto_region_hash(sh, id, 18, b));
	assert_memory_equal(a, b, sizeof(a));                  /* deterministic */
	assert_true(crypto_region_hash(zj, id, 18, c));
	assert_memory_not_equal(a, c, sizeof(a));              /* keyed by the region key */
	assert_true(crypto_region_hash(sh, "310104199001011234", 18, c));
	assert_memory_not_equal(a, c, sizeof(a));              /* another number */
	assert_true(crypto_region_hash(sh, id, 17, c));
	assert_memory_not_equal(a, c, sizeof(a));              /* only len bytes */

	/* Not the node's own look-up hash of the same number, in any domain. */
	crypto_lookup_hash(sh, CRYPTO_DOMAIN_ID_NUMBER, id, 18, l);
	assert_memory_not_equal(a, l, sizeof(a));
	crypto_lookup_hash(js, CRYPTO_DOMAIN_ID_NUMBER, id, 18, b);
	assert_memory_not_equal(l, b, sizeof(l));              /* which differs from node to node */
	keys_free(sh);
	keys_free(js);
	keys_free(zj);

	/* Even when the region line holds the look-up key itself, the region hash is its own domain:
	 * it never equals the ID number's look-up hash. */
	char text[1024], path[128], lookup_hex[130], more[1200];
	tmp_path("samekey.keys", path);
	assert_int_equal(keys_generate_file(path, false), LL_OK);
	read_text(path, text);
	assert_true(line_value(text, "lookup", lookup_hex));
	snprintf(more, sizeof(more), "%sregion=%s\n", text, lookup_hex);
	unlink(path);
	write_file(path, more, 0600);
	struct ll_keys *same = NULL;
	assert_int_equal(keys_load(path, &same), LL_OK);
	assert_memory_equal(same->region, same->lookup, CRYPTO_KEY_BYTES);
	assert_true(crypto_region_hash(same, id, 18, a));
	crypto_lookup_hash(same, CRYPTO_DOMAIN_ID_NUMBER, id, 18, l);
	assert_memory_not_equal(a, l, sizeof(a));
	keys_free(same);
}

int main(void)
{
	const struct CMUnitTest json_tests[] = {
		cmocka_unit_test(test_json_parse_accepts_object),
		cmocka_unit_test(test_json_parse_depth_cap),
		cmocka_unit_test(test_json_parse_depth_ignores_brackets_in_strings),
		cmocka_unit_test(test_json_parse_refuses_duplicate_keys),
		cmocka_unit_test(test_json_parse_refuses_empty_body),
		cmocka_unit_test(test_json_parse_refuses_garbage),
		cmocka_unit_test(test_json_parse_reads_only_len_bytes),
		cmocka_unit_test(test_json_decode_fills_every_kind),
		cmocka_unit_test(test_json_decode_unknown_field_named),
		cmocka_unit_test(test_json_decode_missing_required_named),
		cmocka_unit_test(test_json_decode_optional_absent_keeps_default),
		cmocka_unit_test(test_json_decode_optional_present_is_decoded),
		cmocka_unit_test(test_json_decode_null_is_absent),
		cmocka_unit_test(test_json_decode_null_required_is_missing),
		cmocka_unit_test(test_json_decode_requires_object),
		cmocka_unit_test(test_json_decode_wrong_types),
		cmocka_unit_test(test_json_decode_length_counts_utf8_characters),
		cmocka_unit_test(test_json_decode_min_len),
		cmocka_unit_test(test_json_decode_default_max_len),
		cmocka_unit_test(test_json_decode_i64_range_inclusive),
		cmocka_unit_test(test_json_decode_i64_without_bounds_takes_any),
		cmocka_unit_test(test_json_decode_enum_choices),
		cmocka_unit_test(test_json_decode_time),
		cmocka_unit_test(test_json_decode_strs),
		cmocka_unit_test(test_json_decode_first_failure_in_spec_order),
		cmocka_unit_test(test_json_spec_schema),
	};
	const struct CMUnitTest memory_tests[] = {
		cmocka_unit_test(test_json_dump_compact_writes_what_jansson_writes),
		cmocka_unit_test(test_arena_cap_refuses_and_sets_full),
		cmocka_unit_test(test_arena_huge_request_refused),
		cmocka_unit_test(test_arena_reset_keeps_working),
		cmocka_unit_test(test_arena_alignment_16),
		cmocka_unit_test(test_arena_large_allocations),
		cmocka_unit_test(test_arena_many_small_allocations_cross_chunks),
		cmocka_unit_test(test_arena_strings),
		cmocka_unit_test(test_arena_printf_respects_cap),
		cmocka_unit_test(test_buf_append_and_grow),
		cmocka_unit_test(test_buf_printf_large),
		cmocka_unit_test(test_buf_reset_and_steal),
		cmocka_unit_test(test_grow_doubles_and_keeps_elements),
		cmocka_unit_test(test_grow_refuses_what_memory_cannot_hold),
	};
	const struct CMUnitTest rule_tests[] = {
		cmocka_unit_test(test_clock_days_from_civil_known_values),
		cmocka_unit_test(test_clock_is_valid_date),
		cmocka_unit_test(test_clock_parse_date),
		cmocka_unit_test(test_clock_rfc3339_round_trip),
		cmocka_unit_test(test_clock_format_known),
		cmocka_unit_test(test_clock_parse_offsets_and_fractions),
		cmocka_unit_test(test_clock_parse_rejects_garbage),
		cmocka_unit_test(test_clock_fixed),
		cmocka_unit_test(test_ll_err_table_unique_and_sane),
		cmocka_unit_test(test_ll_err_lookups_match_table),
		cmocka_unit_test(test_ll_err_known_statuses),
		cmocka_unit_test(test_ll_fail_sets_field_and_message),
		cmocka_unit_test(test_ll_fail_default_message),
		cmocka_unit_test(test_ll_error_get_other_code_gives_default),
		cmocka_unit_test(test_ll_fail_truncates_long_detail),
		cmocka_unit_test(test_ll_fail_refiles_its_own_detail),
		cmocka_unit_test(test_ll_fail_retry_after),
		cmocka_unit_test(test_id_format_v7),
		cmocka_unit_test(test_id_time_ordered),
		cmocka_unit_test(test_id_is_valid),
	};
	const struct CMUnitTest crypto_tests[] = {
		cmocka_unit_test(test_crypto_seal_open_round_trip),
		cmocka_unit_test(test_crypto_open_refuses_tampering),
		cmocka_unit_test(test_crypto_lookup_hash),
		cmocka_unit_test(test_crypto_token_hash_differs_from_lookup),
		cmocka_unit_test(test_crypto_password_hash_verify),
		cmocka_unit_test(test_crypto_hex),
		cmocka_unit_test(test_keys_generate_file_mode_0600),
		cmocka_unit_test(test_keys_generate_refuses_overwrite),
		cmocka_unit_test(test_keys_load_refuses_open_mode),
		cmocka_unit_test(test_keys_load_refuses_missing_and_non_regular),
		cmocka_unit_test(test_keys_load_refuses_malformed),
		cmocka_unit_test(test_keys_round_trip),
		cmocka_unit_test(test_keys_generate_with_region_writes_a_region_line_that_loads),
		cmocka_unit_test(test_keys_without_region_have_no_region_hash),
		cmocka_unit_test(test_keys_load_refuses_a_malformed_region_line),
		cmocka_unit_test(test_region_hash_is_shared_by_files_with_the_same_region_line),
	};
	int failed = 0;
	failed += cmocka_run_group_tests_name("json", json_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("memory", memory_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("rules", rule_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("crypto", crypto_tests, crypto_group_setup, crypto_group_teardown);
	return failed ? 1 : 0;
}
