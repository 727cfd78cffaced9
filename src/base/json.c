/*
 * Spec-table JSON decoding. A decoder never stores anything: it fills the caller's variables
 * and reports the first failing field; the caller decides what to do with the values.
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"

/* Scans for nesting depth outside strings; jansson's own limit is far too deep for a request. */
static bool json_depth_ok(const char *text, size_t len, int max_depth)
{
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return false;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return true;
}

enum ll_err json_parse(const char *text, size_t len, int max_depth, json_t **ret_root)
{
	json_error_t jerr;
	if (len == 0)
		return ll_fail(LL_INVALID_JSON, "", "body is empty; a JSON object is required");
	if (!json_depth_ok(text, len, max_depth))
		return ll_fail(LL_TOO_DEEP, "", "JSON nested deeper than %d levels", max_depth);
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return ll_fail(LL_INVALID_JSON, "", "invalid JSON at line %d column %d: %s", jerr.line,
			       jerr.column, jerr.text);
	*ret_root = root;
	return LL_OK;
}

size_t json_utf8_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	return n;
}

static const struct json_field *spec_find(const struct json_field *spec, const char *key)
{
	for (const struct json_field *f = spec; f->name; f++)
		if (strcmp(f->name, key) == 0)
			return f;
	return NULL;
}

static enum ll_err check_str(const struct json_field *f, const json_t *v, const char *field)
{
	if (!json_is_string(v))
		return ll_fail(LL_WRONG_TYPE, field, "%s must be a string", field);
	size_t chars = json_utf8_chars(json_string_value(v));
	size_t max = f->max_len ? f->max_len : JSON_STR_MAX_DEFAULT;
	if (chars > max)
		return ll_fail(LL_TOO_LONG, field, "%s is longer than %zu characters", field, max);
	if (chars < f->min_len)
		return ll_fail(f->min_len == 1 ? LL_MISSING_FIELD : LL_INVALID_VALUE, field,
			       f->min_len == 1 ? "%s must not be empty" : "%s is shorter than %zu characters",
			       field, f->min_len);
	return LL_OK;
}

static enum ll_err decode_field(const struct json_field *f, const json_t *v, char *dst)
{
	enum ll_err err;
	switch (f->kind) {
	case JSON_KIND_STR:
		err = check_str(f, v, f->name);
		if (err != LL_OK)
			return err;
		*(const char **)dst = json_string_value(v);
		return LL_OK;
	case JSON_KIND_I64: {
		if (!json_is_integer(v))
			return ll_fail(LL_WRONG_TYPE, f->name, "%s must be an integer", f->name);
		int64_t n = json_integer_value(v);
		if ((f->min || f->max) && (n < f->min || n > f->max))
			return ll_fail(LL_OUT_OF_RANGE, f->name, "%s must be between %lld and %lld", f->name,
				       (long long)f->min, (long long)f->max);
		*(int64_t *)dst = n;
		return LL_OK;
	}
	case JSON_KIND_BOOL:
		if (!json_is_boolean(v))
			return ll_fail(LL_WRONG_TYPE, f->name, "%s must be true or false", f->name);
		*(bool *)dst = json_is_true(v);
		return LL_OK;
	case JSON_KIND_TIME: {
		int64_t t;
		if (!json_is_string(v))
			return ll_fail(LL_WRONG_TYPE, f->name, "%s must be an RFC 3339 string", f->name);
		if (!clock_parse_rfc3339(json_string_value(v), &t))
			return ll_fail(LL_INVALID_VALUE, f->name, "%s is not an RFC 3339 date-time", f->name);
		*(int64_t *)dst = t;
		return LL_OK;
	}
	case JSON_KIND_ENUM:
		if (!json_is_string(v))
			return ll_fail(LL_WRONG_TYPE, f->name, "%s must be a string", f->name);
		for (int i = 0; f->choices[i]; i++) {
			if (strcmp(f->choices[i], json_string_value(v)) == 0) {
				*(int *)dst = i;
				return LL_OK;
			}
		}
		return ll_fail(LL_INVALID_VALUE, f->name, "%s is not one of the allowed values", f->name);
	case JSON_KIND_STRS: {
		if (!json_is_array(v))
			return ll_fail(LL_WRONG_TYPE, f->name, "%s must be an array of strings", f->name);
		size_t max_items = f->max_len ? f->max_len : 100;
		if (json_array_size(v) > max_items)
			return ll_fail(LL_TOO_LONG, f->name, "%s has more than %zu items", f->name, max_items);
		struct json_field item = { .name = f->name, .kind = JSON_KIND_STR, .min_len = f->min_len };
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			char path[LL_FIELD_MAX];
			snprintf(path, sizeof(path), "%s[%zu]", f->name, i);
			err = check_str(&item, e, path);
			if (err != LL_OK)
				return err;
		}
		*(json_t **)dst = (json_t *)v;
		return LL_OK;
	}
	case JSON_KIND_END:
		break;
	}
	return ll_fail(LL_INTERNAL, f->name, "unknown field kind");
}

enum ll_err json_decode(const json_t *obj, const struct json_field *spec, void *base)
{
	const char *key;
	json_t *v;
	if (!json_is_object(obj))
		return ll_fail(LL_WRONG_TYPE, "", "body must be a JSON object");
	json_object_foreach((json_t *)obj, key, v) {
		if (!spec_find(spec, key))
			return ll_fail(LL_UNKNOWN_FIELD, key, "unknown field '%.64s'", key);
	}
	for (const struct json_field *f = spec; f->name; f++) {
		json_t *val = json_object_get(obj, f->name);
		bool present = val && !json_is_null(val);
		if (!present) {
			if (f->is_optional)
				continue;
			return ll_fail(LL_MISSING_FIELD, f->name, "%s is required", f->name);
		}
		enum ll_err err = decode_field(f, val, (char *)base + f->off);
		if (err != LL_OK)
			return err;
	}
	return LL_OK;
}

void json_set_str(json_t *obj, const char *key, const char *s)
{
	json_object_set_new(obj, key, s ? json_string(s) : json_null());
}

void json_set_time(json_t *obj, const char *key, int64_t t_us)
{
	if (!t_us) {
		json_object_set_new(obj, key, json_null());
		return;
	}
	char out[32];
	clock_format_rfc3339(t_us, out);
	json_object_set_new(obj, key, json_string(out));
}

json_t *json_spec_schema(const struct json_field *spec)
{
	json_t *props = json_object(), *required = json_array();
	for (const struct json_field *f = spec; f->name; f++) {
		json_t *p = json_object();
		switch (f->kind) {
		case JSON_KIND_STR:
			json_object_set_new(p, "type", json_string("string"));
			json_object_set_new(p, "maxLength", json_integer((json_int_t)(f->max_len ? f->max_len : JSON_STR_MAX_DEFAULT)));
			if (f->min_len)
				json_object_set_new(p, "minLength", json_integer((json_int_t)f->min_len));
			break;
		case JSON_KIND_I64:
			json_object_set_new(p, "type", json_string("integer"));
			if (f->min || f->max) {
				json_object_set_new(p, "minimum", json_integer(f->min));
				json_object_set_new(p, "maximum", json_integer(f->max));
			}
			break;
		case JSON_KIND_BOOL:
			json_object_set_new(p, "type", json_string("boolean"));
			break;
		case JSON_KIND_TIME:
			json_object_set_new(p, "type", json_string("string"));
			json_object_set_new(p, "format", json_string("date-time"));
			break;
		case JSON_KIND_ENUM: {
			json_t *e = json_array();
			for (int i = 0; f->choices[i]; i++)
				json_array_append_new(e, json_string(f->choices[i]));
			json_object_set_new(p, "type", json_string("string"));
			json_object_set_new(p, "enum", e);
			break;
		}
		case JSON_KIND_STRS:
			json_object_set_new(p, "type", json_string("array"));
			json_object_set_new(p, "items", json_pack("{s:s}", "type", "string"));
			json_object_set_new(p, "maxItems", json_integer((json_int_t)(f->max_len ? f->max_len : 100)));
			break;
		case JSON_KIND_END:
			break;
		}
		if (f->doc)
			json_object_set_new(p, "description", json_string(f->doc));
		json_object_set_new(props, f->name, p);
		if (!f->is_optional)
			json_array_append_new(required, json_string(f->name));
	}
	return json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required", required,
			 "additionalProperties", 0);
}

/* ---- Compact output ---- */

static void dump_string(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_putc(out, '"');
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_append(out, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': buf_puts(out, "\\\""); break;
		case '\\': buf_puts(out, "\\\\"); break;
		case '\b': buf_puts(out, "\\b"); break;
		case '\f': buf_puts(out, "\\f"); break;
		case '\n': buf_puts(out, "\\n"); break;
		case '\r': buf_puts(out, "\\r"); break;
		case '\t': buf_puts(out, "\\t"); break;
		default: {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
			buf_append(out, u, 6);
		}
		}
	}
	buf_append(out, s + run, len - run);
	buf_putc(out, '"');
}

static void dump_integer(struct buf *out, json_int_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	buf_append(out, p, (size_t)(tmp + sizeof(tmp) - p));
}

bool json_dump_compact(const json_t *v, struct buf *out)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *x;
		bool is_first = true, is_ok = true;
		buf_putc(out, '{');
		json_object_foreach((json_t *)v, key, x) {
			if (!is_first)
				buf_putc(out, ',');
			is_first = false;
			dump_string(out, key, strlen(key));
			buf_putc(out, ':');
			is_ok = json_dump_compact(x, out) && is_ok;
		}
		buf_putc(out, '}');
		return is_ok && !out->is_oom;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *x;
		bool is_ok = true;
		buf_putc(out, '[');
		json_array_foreach(v, i, x) {
			if (i)
				buf_putc(out, ',');
			is_ok = json_dump_compact(x, out) && is_ok;
		}
		buf_putc(out, ']');
		return is_ok && !out->is_oom;
	}
	case JSON_STRING:
		dump_string(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		dump_integer(out, json_integer_value(v));
		break;
	case JSON_REAL: {
		/* Rare in Lifelong: jansson's own writing keeps them identical. */
		char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (!text)
			return false;
		buf_puts(out, text);
		free(text);
		break;
	}
	case JSON_TRUE:
		buf_puts(out, "true");
		break;
	case JSON_FALSE:
		buf_puts(out, "false");
		break;
	case JSON_NULL:
		buf_puts(out, "null");
		break;
	}
	return !out->is_oom;
}
