/*
 * JSON in and out over jansson. Input is parsed with a depth cap and duplicate keys refused, then
 * decoded by a spec table that rejects unknown keys, checks types, lengths and ranges, and names
 * the failing field. A spec is static data: each field names an offset into the caller's input
 * struct, so the same table also describes the request body in the OpenAPI document. Decoded
 * strings are borrowed from the parsed root and live as long as it.
 */
#ifndef LL_JSON_H
#define LL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ll_err.h"

#define JSON_MAX_DEPTH_DEFAULT 16
#define JSON_STR_MAX_DEFAULT 1000

enum json_kind {
	JSON_KIND_END = 0,
	JSON_KIND_STR,    /* field: const char * (borrowed) */
	JSON_KIND_I64,    /* field: int64_t */
	JSON_KIND_BOOL,   /* field: bool */
	JSON_KIND_TIME,   /* field: int64_t microseconds, from an RFC 3339 string */
	JSON_KIND_ENUM,   /* field: int, index into .choices */
	JSON_KIND_STRS,   /* field: json_t * (borrowed array of strings, each checked like a STR) */
};

struct json_field {
	const char *name;
	enum json_kind kind;
	size_t off;           /* offset of the field in the input struct */
	bool is_optional;     /* absent or null leaves the field untouched */
	const char *doc;      /* one line for the API description */
	size_t min_len;       /* STR: in characters */
	size_t max_len;       /* STR: in characters; 0 means JSON_STR_MAX_DEFAULT. STRS: items */
	int64_t min, max;     /* I64: inclusive; both 0 means any value */
	const char *const *choices; /* ENUM: NULL-terminated */
};

/* JSON_STR("title", struct outcome_in, title, .max_len = 200): the key, the input struct type and
 * its member, then any other settings. */
#define JSON_STR(n, T, m, ...) { .name = (n), .kind = JSON_KIND_STR, .off = offsetof(T, m), __VA_ARGS__ }
#define JSON_I64(n, T, m, ...) { .name = (n), .kind = JSON_KIND_I64, .off = offsetof(T, m), __VA_ARGS__ }
#define JSON_BOOL(n, T, m, ...) { .name = (n), .kind = JSON_KIND_BOOL, .off = offsetof(T, m), __VA_ARGS__ }
#define JSON_TIME(n, T, m, ...) { .name = (n), .kind = JSON_KIND_TIME, .off = offsetof(T, m), __VA_ARGS__ }
#define JSON_ENUM(n, T, m, c, ...) \
	{ .name = (n), .kind = JSON_KIND_ENUM, .off = offsetof(T, m), .choices = (c), __VA_ARGS__ }
#define JSON_STRS(n, T, m, ...) { .name = (n), .kind = JSON_KIND_STRS, .off = offsetof(T, m), __VA_ARGS__ }
#define JSON_END { .name = NULL }

/* Parses len bytes as one JSON value nested at most max_depth deep, refusing duplicate keys.
 * Caller releases *ret_root with json_decref. */
enum ll_err json_parse(const char *text, size_t len, int max_depth, json_t **ret_root);

/* Decodes obj by spec into the struct at base. Fields that are absent stay as they were, so
 * the caller sets defaults first. On failure the thread's error detail names the field. */
enum ll_err json_decode(const json_t *obj, const struct json_field *spec, void *base);

/* A JSON Schema object describing spec, for the API description. Caller owns the reference. */
json_t *json_spec_schema(const struct json_field *spec);

/* Counts UTF-8 characters (code points) in s. */
size_t json_utf8_chars(const char *s);

/* Appends v to out as compact JSON, byte for byte what json_dumps(v, JSON_COMPACT |
 * JSON_ENCODE_ANY) writes, a few times faster (reports written by the thousand). False when v
 * holds something JSON cannot (a NaN) or out ran out of memory. */
struct buf;
bool json_dump_compact(const json_t *v, struct buf *out);
/* Sets key to a string, or to null when s is NULL. */
void json_set_str(json_t *obj, const char *key, const char *s);
/* Sets key to an RFC 3339 time string, or to null when t is 0. */
void json_set_time(json_t *obj, const char *key, int64_t t_us);

#endif
