/*
 * libFuzzer target for request-body decoding: the bytes go through json_parse with the server's
 * depth cap, then through json_decode against a spec with every field kind (and their optional
 * and default-limit forms) and against every body spec of the real route table. Whatever the
 * decoder accepts must honour the spec it accepted against; a violation aborts, as a crash.
 * It must never write outside the input struct or read outside the input bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct every_kind {
	const char *str;
	const char *str_dflt;
	int64_t i64;
	int64_t i64_any;
	bool flag;
	int64_t at_us;
	int choice;
	json_t *strs;
	const char *opt_str;
	int64_t opt_i64;
	json_t *opt_strs;
};

static const char *const choices[] = { "read", "write", "中文", "", NULL };

static const struct json_field every_spec[] = {
	JSON_STR("str", struct every_kind, str, .min_len = 2, .max_len = 8),
	JSON_STR("str_dflt", struct every_kind, str_dflt, .doc = "default limits"),
	JSON_I64("i64", struct every_kind, i64, .min = -100, .max = 100),
	JSON_I64("i64_any", struct every_kind, i64_any, .doc = "no bounds"),
	JSON_BOOL("flag", struct every_kind, flag, .doc = "a switch"),
	JSON_TIME("at", struct every_kind, at_us, .doc = "a time"),
	JSON_ENUM("choice", struct every_kind, choice, choices, .doc = "one of"),
	JSON_STRS("strs", struct every_kind, strs, .max_len = 4, .min_len = 1),
	JSON_STR("opt_str", struct every_kind, opt_str, .is_optional = true, .min_len = 1, .max_len = 3),
	JSON_I64("opt_i64", struct every_kind, opt_i64, .is_optional = true, .min = 1, .max = 1),
	JSON_STRS("opt_strs", struct every_kind, opt_strs, .is_optional = true),
	JSON_END
};

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz_json: property failed: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                       \
		}                                                                      \
	} while (0)

static size_t str_max(const struct json_field *f)
{
	return f->max_len ? f->max_len : JSON_STR_MAX_DEFAULT;
}

/* What an accepted object must satisfy, field by field, read back through the spec's offsets. */
static void check_accepted(const json_t *obj, const struct json_field *spec, const unsigned char *base,
			   const unsigned char *untouched)
{
	for (const struct json_field *f = spec; f->name; f++) {
		const json_t *v = json_object_get(obj, f->name);
		bool is_present = v && !json_is_null(v);
		CHECK(is_present || f->is_optional);
		if (!is_present) {
			/* Absent or null: the bytes of the field are as they were. */
			size_t n = f->kind == JSON_KIND_STR ? sizeof(const char *)
				 : f->kind == JSON_KIND_BOOL ? sizeof(bool)
				 : f->kind == JSON_KIND_ENUM ? sizeof(int)
				 : f->kind == JSON_KIND_STRS ? sizeof(json_t *) : sizeof(int64_t);
			CHECK(memcmp(base + f->off, untouched + f->off, n) == 0);
			continue;
		}
		switch (f->kind) {
		case JSON_KIND_STR: {
			const char *s;
			memcpy(&s, base + f->off, sizeof(s));
			CHECK(s == json_string_value(v));
			size_t chars = json_utf8_chars(s);
			CHECK(chars <= str_max(f) && chars >= f->min_len);
			break;
		}
		case JSON_KIND_I64: {
			int64_t n;
			memcpy(&n, base + f->off, sizeof(n));
			CHECK(n == json_integer_value(v));
			if (f->min || f->max)
				CHECK(n >= f->min && n <= f->max);
			break;
		}
		case JSON_KIND_BOOL: {
			bool b;
			memcpy(&b, base + f->off, sizeof(b));
			CHECK(b == json_is_true(v));
			break;
		}
		case JSON_KIND_TIME: {
			int64_t t;
			char out[32];
			ll_time_us back;
			memcpy(&t, base + f->off, sizeof(t));
			/* Formatting and parsing again gives the same instant, where the year fits. */
			clock_format_rfc3339(t, out);
			if (clock_parse_rfc3339(out, &back))
				CHECK(back == t);
			break;
		}
		case JSON_KIND_ENUM: {
			int i, n = 0;
			memcpy(&i, base + f->off, sizeof(i));
			while (f->choices[n])
				n++;
			CHECK(i >= 0 && i < n);
			CHECK(strcmp(f->choices[i], json_string_value(v)) == 0);
			break;
		}
		case JSON_KIND_STRS: {
			json_t *a;
			size_t i;
			json_t *e;
			memcpy(&a, base + f->off, sizeof(a));
			CHECK(a == v);
			CHECK(json_array_size(a) <= (f->max_len ? f->max_len : 100));
			json_array_foreach(a, i, e) {
				CHECK(json_is_string(e));
				CHECK(json_utf8_chars(json_string_value(e)) >= f->min_len);
			}
			break;
		}
		case JSON_KIND_END:
			break;
		}
	}
	/* And no key outside the spec. */
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		bool is_known = false;
		for (const struct json_field *f = spec; f->name; f++)
			is_known |= strcmp(f->name, key) == 0;
		CHECK(is_known);
	}
}

/* Decodes into a poisoned buffer so that a field left alone can be told from one written. */
static void decode_against(const json_t *root, const struct json_field *spec)
{
	_Alignas(16) unsigned char base[512], untouched[512];
	/* Every field must land inside the stand-in for the caller's struct. */
	for (const struct json_field *f = spec; f->name; f++)
		CHECK(f->off + sizeof(int64_t) <= sizeof(base));
	memset(base, 0xa5, sizeof(base));
	memcpy(untouched, base, sizeof(base));
	enum ll_err err = json_decode(root, spec, base);
	if (err == LL_OK) {
		CHECK(json_is_object(root));
		check_accepted(root, spec, base, untouched);
	} else {
		const struct ll_error *e = ll_error_get(err);
		CHECK(e->err == err);
		CHECK(ll_err_http_status(err) == 400 || ll_err_http_status(err) == 500);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = NULL;
	ll_error_clear();
	enum ll_err err = json_parse((const char *)data, size, JSON_MAX_DEPTH_DEFAULT, &root);
	if (err != LL_OK) {
		CHECK(root == NULL);
		CHECK(err == LL_INVALID_JSON || err == LL_TOO_DEEP);
		return 0;
	}
	CHECK(root != NULL);
	decode_against(root, every_spec);
	for (size_t i = 0; i < routes_count; i++)
		if (routes[i].body_spec)
			decode_against(root, routes[i].body_spec);
	json_decref(root);
	return 0;
}
