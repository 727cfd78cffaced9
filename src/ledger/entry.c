/*
 * A ledger entry's canonical bytes and hash. The canonical form is the entry as one JSON object:
 * every field, absent ones as null, keys sorted, no spaces, UTF-8, integers as integers, hashes
 * in lowercase hex, created_at in UTC microseconds. The hash covers every stored column, so that
 * a change to any of them is found by recomputing it. Pure rules: no I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/crypto.h"
#include "ledger.h"

const char *const entry_ops[] = { "deposit", "correct", "revoke", NULL };
const char *const submission_statuses[] = { "pending", "returned", "rejected", "stored", NULL };
const char *const review_decisions[] = { "approve", "reject", "return", NULL };

#define CANONICAL_VERSION 1
/* An entry of credit granted by a transfer carries four more fields. */
#define CANONICAL_VERSION_TRANSFER 2

static json_t *opt_int(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The canonical object; created_at as microseconds. NULL when out of memory or a string is not
 * UTF-8 (json_string refuses it). */
static json_t *canonical_object(const struct ledger_entry *e)
{
	char prev[2 * ENTRY_HASH_BYTES + 1];
	crypto_hex(e->prev_hash, ENTRY_HASH_BYTES, prev);
	const struct outcome *o = &e->o;
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	struct {
		const char *key;
		json_t *v;
	} fields[] = {
		{ "v", json_integer(CANONICAL_VERSION) },
		{ "seq", json_integer(e->seq) },
		{ "id", opt_str(e->id) },
		{ "person_id", opt_str(e->person_id) },
		{ "person_seq", json_integer(e->person_seq) },
		{ "prev_hash", json_string(prev) },
		{ "op", json_string(entry_ops[e->op]) },
		{ "outcome_id", opt_str(e->outcome_id) },
		{ "supersedes", opt_str(e->supersedes) },
		{ "submission_id", opt_str(e->submission_id) },
		{ "standard_version", json_integer(e->standard_version) },
		{ "institution_id", opt_str(o->institution_id) },
		{ "kind", json_string(outcome_kinds[o->kind]) },
		{ "title", opt_str(o->title) },
		{ "code", opt_str(o->code) },
		{ "level", opt_int(o->level) },
		{ "credits_milli", opt_int(o->credits_milli) },
		{ "hours_milli", opt_int(o->hours_milli) },
		{ "result_kind", o->result_kind == RESULT_NONE ? json_null() : json_string(result_kinds[o->result_kind]) },
		{ "result", opt_str(o->result) },
		{ "started_on", opt_str(o->started_on) },
		{ "awarded_on", opt_str(o->awarded_on) },
		{ "certificate_no", opt_str(o->certificate_no) },
		{ "evidence_sha256", opt_str(o->evidence_sha256) },
		{ "external_id", opt_str(o->external_id) },
		{ "actor_id", opt_str(e->actor_id) },
		{ "reason", opt_str(e->reason) },
		{ "created_at", json_integer(e->created_at) },
	};
	bool is_ok = true;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!fields[i].v || json_object_set_new(obj, fields[i].key, fields[i].v) != 0)
			is_ok = false;
	}
	if (e->transfer_item_id) {
		json_t *sources = e->transfer_sources ? json_loads(e->transfer_sources, 0, NULL) : NULL;
		if (json_object_set_new(obj, "v", json_integer(CANONICAL_VERSION_TRANSFER)) != 0 ||
		    json_object_set_new(obj, "transfer_item_id", json_string(e->transfer_item_id)) != 0 ||
		    json_object_set_new(obj, "transfer_rule_id", opt_str(e->transfer_rule_id)) != 0 ||
		    json_object_set_new(obj, "transfer_rule_version", json_integer(e->transfer_rule_version)) != 0 ||
		    json_object_set_new(obj, "transfer_sources", sources ? sources : json_null()) != 0)
			is_ok = false;
	}
	if (!is_ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* True if s is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
static bool is_utf8(const unsigned char *s)
{
	while (*s) {
		unsigned char c = *s;
		int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
		if (n < 0 || (n == 1 && c < 0xC2) || (n == 3 && c > 0xF4))
			return false;
		for (int i = 1; i <= n; i++)
			if ((s[i] & 0xC0) != 0x80)
				return false;
		if ((n == 2 && c == 0xE0 && s[1] < 0xA0) || (n == 2 && c == 0xED && s[1] >= 0xA0) ||
		    (n == 3 && c == 0xF0 && s[1] < 0x90) || (n == 3 && c == 0xF4 && s[1] >= 0x90))
			return false;
		s += n + 1;
	}
	return true;
}

/* A JSON string as JavaScript's JSON.stringify writes it (and jansson, but for the case of hex
 * digits in \u escapes): quote, backslash and control characters escaped, everything else as is.
 * The text is UTF-8 already (every input path checks it). */
static void put_string(struct buf *b, const char *s, bool *is_bad)
{
	static const char hex[] = "0123456789abcdef";
	if (!is_utf8((const unsigned char *)s))
		*is_bad = true;
	buf_putc(b, '"');
	const char *run = s;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_append(b, run, (size_t)(p - run));
		run = p + 1;
		switch (c) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\b': buf_puts(b, "\\b"); break;
		case '\f': buf_puts(b, "\\f"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		default: {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
			buf_puts(b, u);
		}
		}
	}
	buf_append(b, run, strlen(run));
	buf_putc(b, '"');
}

static void put_key(struct buf *b, const char *key, bool is_first)
{
	if (!is_first)
		buf_putc(b, ',');
	buf_putc(b, '"');
	buf_puts(b, key);
	buf_puts(b, "\":");
}

static void put_str_field(struct buf *b, const char *key, const char *v, bool *is_bad)
{
	put_key(b, key, false);
	if (v)
		put_string(b, v, is_bad);
	else
		buf_puts(b, "null");
}

static void put_int_field(struct buf *b, const char *key, int64_t v, bool is_optional)
{
	put_key(b, key, false);
	if (is_optional && v < 0)
		buf_puts(b, "null");
	else
		buf_printf(b, "%lld", (long long)v);
}

/* "transfer_sources": the outcome ids of a transfer as a JSON array of strings; *is_bad when the
 * stored text is not one. */
static void put_sources(struct buf *b, const char *sources, bool *is_bad)
{
	put_key(b, "transfer_sources", false);
	json_t *a = sources ? json_loads(sources, 0, NULL) : NULL;
	if (!json_is_array(a)) {
		*is_bad = true;
		buf_puts(b, "null");
		json_decref(a);
		return;
	}
	buf_putc(b, '[');
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		if (i)
			buf_putc(b, ',');
		if (!json_is_string(v))
			*is_bad = true;
		else
			put_string(b, json_string_value(v), is_bad);
	}
	buf_putc(b, ']');
	json_decref(a);
}

/* Written by hand rather than through jansson: the hash of every entry runs through here (bulk
 * imports and the verifier), and the keys are fixed, so their sorted order is written out. */
enum ll_err entry_canonical(const struct ledger_entry *e, struct buf *out)
{
	const struct outcome *o = &e->o;
	char prev[2 * ENTRY_HASH_BYTES + 1];
	bool is_bad = false;
	crypto_hex(e->prev_hash, ENTRY_HASH_BYTES, prev);
	buf_putc(out, '{');
	put_key(out, "actor_id", true);
	if (e->actor_id)
		put_string(out, e->actor_id, &is_bad);
	else
		buf_puts(out, "null");
	put_str_field(out, "awarded_on", o->awarded_on, &is_bad);
	put_str_field(out, "certificate_no", o->certificate_no, &is_bad);
	put_str_field(out, "code", o->code, &is_bad);
	put_int_field(out, "created_at", e->created_at, false);
	put_int_field(out, "credits_milli", o->credits_milli, true);
	put_str_field(out, "evidence_sha256", o->evidence_sha256, &is_bad);
	put_str_field(out, "external_id", o->external_id, &is_bad);
	put_int_field(out, "hours_milli", o->hours_milli, true);
	put_str_field(out, "id", e->id, &is_bad);
	put_str_field(out, "institution_id", o->institution_id, &is_bad);
	put_str_field(out, "kind", outcome_kinds[o->kind], &is_bad);
	put_int_field(out, "level", o->level, true);
	put_str_field(out, "op", entry_ops[e->op], &is_bad);
	put_str_field(out, "outcome_id", e->outcome_id, &is_bad);
	put_str_field(out, "person_id", e->person_id, &is_bad);
	put_int_field(out, "person_seq", e->person_seq, false);
	put_str_field(out, "prev_hash", prev, &is_bad);
	put_str_field(out, "reason", e->reason, &is_bad);
	put_str_field(out, "result", o->result, &is_bad);
	put_str_field(out, "result_kind", o->result_kind == RESULT_NONE ? NULL : result_kinds[o->result_kind], &is_bad);
	put_int_field(out, "seq", e->seq, false);
	put_int_field(out, "standard_version", e->standard_version, false);
	put_str_field(out, "started_on", o->started_on, &is_bad);
	put_str_field(out, "submission_id", e->submission_id, &is_bad);
	put_str_field(out, "supersedes", e->supersedes, &is_bad);
	put_str_field(out, "title", o->title, &is_bad);
	if (e->transfer_item_id) {
		put_str_field(out, "transfer_item_id", e->transfer_item_id, &is_bad);
		put_str_field(out, "transfer_rule_id", e->transfer_rule_id, &is_bad);
		put_int_field(out, "transfer_rule_version", e->transfer_rule_version, false);
		put_sources(out, e->transfer_sources, &is_bad);
	}
	put_int_field(out, "v", e->transfer_item_id ? CANONICAL_VERSION_TRANSFER : CANONICAL_VERSION, false);
	buf_putc(out, '}');
	if (is_bad)
		return ll_fail(LL_INVALID_VALUE, NULL, "ledger entry %lld has a field that is not UTF-8", (long long)e->seq);
	return out->is_oom ? LL_NOMEM : LL_OK;
}

enum ll_err entry_compute_hash(const struct ledger_entry *e, unsigned char ret_hash[ENTRY_HASH_BYTES])
{
	struct buf b;
	buf_init(&b);
	enum ll_err err = entry_canonical(e, &b);
	if (err == LL_OK)
		merkle_hash_leaf(b.data, b.len, ret_hash);
	buf_release(&b);
	return err;
}

json_t *entry_json(const struct ledger_entry *e)
{
	json_t *obj = canonical_object(e);
	if (!obj)
		return NULL;
	char hex[2 * ENTRY_HASH_BYTES + 1];
	crypto_hex(e->entry_hash, ENTRY_HASH_BYTES, hex);
	json_object_set_new(obj, "entry_hash", json_string(hex));
	json_object_set_new(obj, "created_at_us", json_integer(e->created_at));
	json_set_time(obj, "created_at", e->created_at);
	return obj;
}
