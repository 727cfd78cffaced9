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
	if (!is_ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

enum ll_err entry_canonical(const struct ledger_entry *e, struct buf *out)
{
	json_t *obj = canonical_object(e);
	if (!obj)
		return ll_fail(LL_INVALID_VALUE, NULL, "ledger entry %lld has a field that is not UTF-8", (long long)e->seq);
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(obj);
	if (!text)
		return LL_NOMEM;
	buf_puts(out, text);
	free(text);
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
