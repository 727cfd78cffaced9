/* HTTP handlers of the credit bank: decode, scope to the caller, call ledger.h, encode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/roles.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../http/auth_http.h"
#include "../http/http.h"
#include "ledger.h"

#define BULK_DECISIONS_MAX 200

struct reason_in {
	const char *reason;
};
const struct json_field revoke_spec[] = {
	JSON_STR("reason", struct reason_in, reason, .min_len = 1, .max_len = 500, .doc = "why the outcome is revoked"),
	JSON_END
};

struct decide_in {
	int decision;
	const char *reason;
	json_t *ids;
};
const struct json_field decide_spec[] = {
	JSON_ENUM("decision", struct decide_in, decision, review_decisions),
	JSON_STR("reason", struct decide_in, reason, .is_optional = true, .min_len = 1, .max_len = 500,
		 .doc = "required to reject or return"),
	JSON_END
};
const struct json_field decide_bulk_spec[] = {
	JSON_STRS("ids", struct decide_in, ids, .max_len = BULK_DECISIONS_MAX, .doc = "submission ids"),
	JSON_ENUM("decision", struct decide_in, decision, review_decisions),
	JSON_STR("reason", struct decide_in, reason, .is_optional = true, .min_len = 1, .max_len = 500,
		 .doc = "required to reject or return"),
	JSON_END
};

void ledger_http_caller(const struct http_req *req, struct ledger_caller *c)
{
	c->role = req->caller.is_authenticated ? req->caller.role : 0;
	c->user_id = req->caller.user_id;
	c->institution_id = req->caller.institution_id;
	c->person_id = req->caller.person_id;
	c->district_code = req->caller.district_code;
}

static bool query_bool(const struct http_req *req, const char *name, bool *ret)
{
	const char *v = http_query(req, name);
	*ret = false;
	if (!v || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return true;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
		*ret = true;
		return true;
	}
	return false;
}

/* ---- Levels and standards ---- */

enum ll_err ledger_http_levels(struct http_req *req)
{
	json_t *items;
	enum ll_err err = framework_level_list(req->app->st, &items);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:o}", "items", items));
	return err;
}

enum ll_err ledger_http_level_update(struct http_req *req)
{
	const char *p = http_param(req, "level");
	char *end;
	long level = strtol(p, &end, 10);
	if (*end || level < 1 || level > FRAMEWORK_LEVEL_MAX)
		return ll_fail(LL_NOT_FOUND, "level", "levels are numbered 1 to %d", FRAMEWORK_LEVEL_MAX);
	struct level_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	struct audit_actor actor;
	http_actor(req, &actor);
	err = framework_level_update(req->app->st, (int)level, &in, &actor);
	json_decref(root);
	if (err == LL_OK)
		err = ledger_http_levels(req);
	return err;
}

static enum ll_err kind_param(const struct http_req *req, enum outcome_kind *ret)
{
	if (!outcome_kind_parse(http_param(req, "kind"), ret))
		return ll_fail(LL_NOT_FOUND, "kind", "no such kind of outcome");
	return LL_OK;
}

enum ll_err ledger_http_standards(struct http_req *req)
{
	json_t *items;
	enum ll_err err = standard_list(req->app->st, -1, &items);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:o}", "items", items));
	return err;
}

enum ll_err ledger_http_standard_versions(struct http_req *req)
{
	enum outcome_kind kind;
	json_t *items;
	enum ll_err err = kind_param(req, &kind);
	if (err == LL_OK)
		err = standard_list(req->app->st, (int)kind, &items);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:o}", "items", items));
	return err;
}

enum ll_err ledger_http_standard_publish(struct http_req *req)
{
	enum outcome_kind kind;
	json_t *root;
	enum ll_err err = kind_param(req, &kind);
	if (err != LL_OK)
		return err;
	if ((err = http_body(req, NULL, &root)) != LL_OK)
		return err;
	struct entry_standard s;
	struct audit_actor actor;
	int version = 0;
	http_actor(req, &actor);
	err = standard_from_json(root, kind, &s);
	if (err == LL_OK)
		err = standard_publish(req->app->st, &s, &actor, &version);
	if (err == LL_OK) {
		s.version = version;
		http_reply(req, 201, json_pack("{s:s, s:i, s:o}", "kind", outcome_kinds[kind], "version", version, "rules",
					       standard_to_json(&s)));
	}
	json_decref(root);
	return err;
}

/* ---- Evidence ---- */

static bool is_evidence_type(const char *ct, size_t *ret_len)
{
	static const char *const types[] = { "application/pdf", "image/png", "image/jpeg", "image/webp", NULL };
	size_t n = ct ? strcspn(ct, "; \t") : 0;
	for (int i = 0; types[i]; i++)
		if (n == strlen(types[i]) && strncasecmp(ct, types[i], n) == 0) {
			*ret_len = n;
			return true;
		}
	return false;
}

enum ll_err ledger_http_evidence_upload(struct http_req *req)
{
	const char *ct = http_header(req, "Content-Type");
	size_t ct_len;
	if (!is_evidence_type(ct, &ct_len))
		return ll_fail(LL_UNSUPPORTED_MEDIA, "Content-Type", "evidence is a PDF, PNG, JPEG or WebP file");
	const char *name = http_query(req, "name");
	if (name && json_utf8_chars(name) > 200)
		return ll_fail(LL_BAD_QUERY, "name", "name is longer than 200 characters");
	struct ledger_caller c;
	struct audit_actor actor;
	const char *id;
	char sha[65];
	ledger_http_caller(req, &c);
	http_actor(req, &actor);
	enum ll_err err = evidence_store(req->app->st, &c, req->body, req->body_len,
					 arena_strndup(&req->arena, ct, ct_len), name, &actor, &req->arena, &id, sha);
	if (err == LL_OK)
		http_reply(req, 201, json_pack("{s:s, s:s, s:I, s:s, s:s?}", "id", id, "sha256", sha, "size",
					       (json_int_t)req->body_len, "media_type", arena_strndup(&req->arena, ct, ct_len),
					       "name", name));
	return err;
}

enum ll_err ledger_http_evidence_get(struct http_req *req)
{
	struct ledger_caller c;
	const void *data;
	size_t len;
	const char *type, *name;
	ledger_http_caller(req, &c);
	enum ll_err err = evidence_load(req->app->st, &c, http_param(req, "id"), &req->arena, &data, &len, &type, &name);
	if (err == LL_OK) {
		http_reply_raw(req, 200, type, data, len);
		http_add_header(req, "Cache-Control", "private, max-age=3600");
	}
	return err;
}

/* ---- Deposits, corrections, revocations ---- */

static json_t *deposit_json(const struct deposit_result *r)
{
	return json_pack("{s:s, s:s, s:s?, s:s?, s:b}", "submission_id", r->submission_id, "status",
			 submission_statuses[r->status], "entry_id", r->entry_id, "outcome_id", r->outcome_id, "is_existing",
			 r->is_existing);
}

/* Decodes the body into an outcome; *ret_root keeps its strings. */
static enum ll_err outcome_body(struct http_req *req, struct outcome *o, const char **ret_reason, json_t **ret_root)
{
	struct outcome_in in;
	outcome_in_init(&in);
	enum ll_err err = http_body(req, &in, ret_root);
	if (err != LL_OK)
		return err;
	err = outcome_from_in(&in, o);
	if (err != LL_OK) {
		json_decref(*ret_root);
		return err;
	}
	if (ret_reason)
		*ret_reason = in.reason;
	return LL_OK;
}

/* A deposit (outcome_id NULL) or a correction of outcome_id, from the request body. */
static enum ll_err deposit_or_correct(struct http_req *req, const char *outcome_id)
{
	struct outcome o;
	json_t *root;
	const char *reason;
	enum ll_err err = outcome_body(req, &o, &reason, &root);
	if (err != LL_OK)
		return err;
	struct ledger_caller c;
	struct audit_actor actor;
	struct deposit_result r;
	ledger_http_caller(req, &c);
	http_actor(req, &actor);
	if (!outcome_id)
		err = reason ? ll_fail(LL_UNKNOWN_FIELD, "reason", "a deposit has no reason; corrections do")
			     : ledger_deposit(req->app->st, &c, &o, &actor, &req->arena, &r);
	else
		err = ledger_correct(req->app->st, &c, outcome_id, &o, reason, &actor, &req->arena, &r);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, r.is_existing ? 200 : 201, deposit_json(&r));
	return err;
}

enum ll_err ledger_http_deposit(struct http_req *req)
{
	return deposit_or_correct(req, NULL);
}

enum ll_err ledger_http_correct(struct http_req *req)
{
	return deposit_or_correct(req, http_param(req, "id"));
}

enum ll_err ledger_http_resubmit(struct http_req *req)
{
	struct outcome o;
	json_t *root;
	enum ll_err err = outcome_body(req, &o, NULL, &root);
	if (err != LL_OK)
		return err;
	struct ledger_caller c;
	struct audit_actor actor;
	struct deposit_result r;
	ledger_http_caller(req, &c);
	http_actor(req, &actor);
	err = ledger_resubmit(req->app->st, &c, http_param(req, "id"), &o, &actor, &req->arena, &r);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 200, deposit_json(&r));
	return err;
}

enum ll_err ledger_http_revoke(struct http_req *req)
{
	struct reason_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	struct ledger_caller c;
	struct audit_actor actor;
	const char *entry_id;
	ledger_http_caller(req, &c);
	http_actor(req, &actor);
	err = ledger_revoke(req->app->st, &c, http_param(req, "id"), in.reason, &actor, &req->arena, &entry_id);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 201, json_pack("{s:s, s:s}", "outcome_id", http_param(req, "id"), "entry_id", entry_id));
	return err;
}

enum ll_err ledger_http_history(struct http_req *req)
{
	struct ledger_caller c;
	json_t *items;
	ledger_http_caller(req, &c);
	enum ll_err err = ledger_outcome_history(req->app->st, &c, http_param(req, "id"), &items);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:o}", "items", items));
	return err;
}

/* ---- Review ---- */

enum ll_err ledger_http_submissions(struct http_req *req)
{
	struct ledger_caller c;
	struct submission_filter f = { 0 };
	int64_t limit;
	ledger_http_caller(req, &c);
	enum ll_err err = http_query_int(req, "limit", 50, 1, 500, &limit);
	if (err != LL_OK)
		return err;
	f.limit = (int)limit;
	f.status = http_query(req, "status");
	f.kind = http_query(req, "kind");
	f.institution_id = http_query(req, "institution");
	f.before = http_query(req, "after");
	json_t *page;
	err = ledger_submission_list(req->app->st, &c, &f, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err ledger_http_submission_get(struct http_req *req)
{
	struct ledger_caller c;
	json_t *obj;
	ledger_http_caller(req, &c);
	enum ll_err err = ledger_submission_get(req->app->st, &c, http_param(req, "id"), &obj);
	if (err == LL_OK)
		http_reply(req, 200, obj);
	return err;
}

enum ll_err ledger_http_decide(struct http_req *req)
{
	struct decide_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	struct ledger_caller c;
	struct audit_actor actor;
	ledger_http_caller(req, &c);
	http_actor(req, &actor);
	err = ledger_decide(req->app->st, &c, http_param(req, "id"), (enum review_decision)in.decision, in.reason, &actor);
	json_decref(root);
	if (err == LL_OK)
		err = ledger_http_submission_get(req);
	return err;
}

enum ll_err ledger_http_decide_bulk(struct http_req *req)
{
	struct decide_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	struct ledger_caller c;
	struct audit_actor actor;
	ledger_http_caller(req, &c);
	http_actor(req, &actor);
	/* Each item is its own transaction: one that was decided meanwhile does not hold up the rest. */
	json_t *results = json_array();
	size_t i, ok = 0;
	json_t *v;
	json_array_foreach(in.ids, i, v) {
		const char *id = json_string_value(v);
		enum ll_err one = ledger_decide(req->app->st, &c, id, (enum review_decision)in.decision, in.reason, &actor);
		if (one == LL_FORBIDDEN || (one == LL_MISSING_FIELD && i == 0)) {
			err = one;
			break;
		}
		json_t *r = json_pack("{s:s, s:b}", "id", id, "ok", one == LL_OK);
		if (one != LL_OK) {
			const struct ll_error *e = ll_error_get(one);
			json_object_set_new(r, "error", json_pack("{s:s, s:s}", "code", ll_err_code(one), "message", e->message));
		} else {
			ok++;
		}
		json_array_append_new(results, r);
	}
	json_decref(root);
	if (err != LL_OK) {
		json_decref(results);
		return err;
	}
	http_reply(req, 200, json_pack("{s:o, s:I}", "items", results, "decided", (json_int_t)ok));
	return LL_OK;
}

/* ---- The log ---- */

static json_t *sth_json_with_key(const struct merkle_sth *sth, const struct ll_keys *keys)
{
	json_t *o = merkle_sth_to_json(sth);
	char pk[2 * MERKLE_PUBLIC_KEY_BYTES + 1];
	crypto_hex(keys->sign_pk, MERKLE_PUBLIC_KEY_BYTES, pk);
	json_object_set_new(o, "public_key", json_string(pk));
	json_object_set_new(o, "algorithm", json_string("Ed25519"));
	return o;
}

enum ll_err ledger_http_entry(struct http_req *req)
{
	struct ledger_caller c;
	struct ledger_entry e;
	bool want_proof;
	ledger_http_caller(req, &c);
	if (!query_bool(req, "proof", &want_proof))
		return ll_fail(LL_BAD_QUERY, "proof", "proof must be true or false");
	enum ll_err err = ledger_entry_get(req->app->st, &c, http_param(req, "id"), &req->arena, &e);
	if (err != LL_OK)
		return err;
	json_t *o = json_pack("{s:o}", "entry", entry_json(&e));
	if (want_proof) {
		struct merkle_sth sth;
		struct merkle_proof proof;
		err = ledger_sth_current(req->app->st, req->app->keys, (uint64_t)e.seq + 1, &sth);
		if (err == LL_OK)
			err = ledger_inclusion_proof(req->app->st, (uint64_t)e.seq, sth.tree_size, &proof);
		if (err != LL_OK) {
			json_decref(o);
			return err;
		}
		json_object_set_new(o, "leaf_index", json_integer(e.seq));
		json_object_set_new(o, "tree_head", sth_json_with_key(&sth, req->app->keys));
		json_object_set_new(o, "inclusion_proof", merkle_proof_to_json(&proof));
	}
	http_reply(req, 200, o);
	return LL_OK;
}

enum ll_err ledger_http_sth(struct http_req *req)
{
	struct merkle_sth sth;
	enum ll_err err = ledger_sth_current(req->app->st, req->app->keys, 0, &sth);
	if (err == LL_OK) {
		http_reply(req, 200, sth_json_with_key(&sth, req->app->keys));
		http_add_header(req, "Cache-Control", "public, max-age=1");
	}
	return err;
}

enum ll_err ledger_http_consistency(struct http_req *req)
{
	int64_t first, second;
	struct merkle_proof proof;
	enum ll_err err = http_query_int(req, "first", -1, 0, INT64_MAX, &first);
	if (err == LL_OK)
		err = http_query_int(req, "second", -1, 0, INT64_MAX, &second);
	if (err != LL_OK)
		return err;
	if (first < 0 || second < 0)
		return ll_fail(LL_BAD_QUERY, first < 0 ? "first" : "second", "give the sizes first and second");
	err = ledger_consistency_proof(req->app->st, (uint64_t)first, (uint64_t)second, &proof);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:I, s:I, s:o}", "first", (json_int_t)first, "second", (json_int_t)second,
					       "consistency_proof", merkle_proof_to_json(&proof)));
	return err;
}

/* ---- Transcripts ---- */

static enum ll_err transcript_filter_of(const struct http_req *req, struct transcript_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = -1;
	f->level = -1;
	const char *kind = http_query(req, "kind");
	if (kind && *kind) {
		enum outcome_kind k;
		if (!outcome_kind_parse(kind, &k))
			return ll_fail(LL_BAD_QUERY, "kind", "kind must be one of the credit bank's kinds");
		f->kind = (int)k;
	}
	int64_t level;
	enum ll_err err = http_query_int(req, "level", -1, 1, FRAMEWORK_LEVEL_MAX, &level);
	if (err != LL_OK)
		return err;
	f->level = (int)level;
	static const char *const dates[] = { "from", "to" };
	const char **dst[] = { &f->from, &f->to };
	for (int i = 0; i < 2; i++) {
		const char *d = http_query(req, dates[i]);
		if (d && *d) {
			int y, m, day;
			char tail;
			if (strlen(d) != 10 || d[4] != '-' || d[7] != '-' ||
			    sscanf(d, "%4d-%2d-%2d%c", &y, &m, &day, &tail) != 3 || !clock_is_valid_date(y, m, day))
				return ll_fail(LL_BAD_QUERY, dates[i], "%s must be a date YYYY-MM-DD", dates[i]);
			*dst[i] = d;
		}
	}
	if (!query_bool(req, "include_revoked", &f->include_revoked))
		return ll_fail(LL_BAD_QUERY, "include_revoked", "include_revoked must be true or false");
	const char *lang = http_query(req, "lang");
	f->is_english = lang && strncmp(lang, "en", 2) == 0;
	return LL_OK;
}

static enum ll_err transcript_reply(struct http_req *req, const char *person_id)
{
	struct ledger_caller c;
	struct transcript_filter f;
	json_t *obj;
	ledger_http_caller(req, &c);
	enum ll_err err = transcript_filter_of(req, &f);
	if (err == LL_OK)
		err = transcript_get(req->app->st, &c, person_id, &f, &obj);
	if (err == LL_OK)
		http_reply(req, 200, obj);
	return err;
}

static enum ll_err transcript_csv_reply(struct http_req *req, const char *person_id)
{
	struct ledger_caller c;
	struct transcript_filter f;
	struct buf b;
	ledger_http_caller(req, &c);
	enum ll_err err = transcript_filter_of(req, &f);
	if (err != LL_OK)
		return err;
	/* Without ?lang, the CSV speaks the caller's language. */
	if (!http_query(req, "lang") && req->caller.locale && strncmp(req->caller.locale, "en", 2) == 0)
		f.is_english = true;
	buf_init(&b);
	err = transcript_csv(req->app->st, &c, person_id, &f, &b);
	if (err == LL_OK)
		err = http_reply_download(req, "text/csv; charset=utf-8", &b, "transcript.csv");
	buf_release(&b);
	return err;
}

enum ll_err ledger_http_my_transcript(struct http_req *req)
{
	const char *pid = NULL;
	enum ll_err err = http_my_person(req, &pid);
	return err == LL_OK ? transcript_reply(req, pid) : err;
}

enum ll_err ledger_http_my_transcript_csv(struct http_req *req)
{
	const char *pid = NULL;
	enum ll_err err = http_my_person(req, &pid);
	return err == LL_OK ? transcript_csv_reply(req, pid) : err;
}

enum ll_err ledger_http_transcript(struct http_req *req)
{
	return transcript_reply(req, http_param(req, "id"));
}

enum ll_err ledger_http_transcript_csv(struct http_req *req)
{
	return transcript_csv_reply(req, http_param(req, "id"));
}

/* ---- Shares and archives ---- */

const struct json_field share_spec[] = {
	JSON_STR("institution_id", struct share_in, institution_id, .min_len = 36, .max_len = 36,
		 .doc = "the institution (an employer) that may see the whole record"),
	JSON_END
};

enum ll_err ledger_http_share_create(struct http_req *req)
{
	const char *pid = NULL;
	struct share_in in = { 0 };
	json_t *root, *items;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	struct audit_actor actor;
	http_actor(req, &actor);
	err = share_create(req->app->st, pid, in.institution_id, &actor);
	json_decref(root);
	if (err == LL_OK)
		err = share_list(req->app->st, pid, &items);
	if (err == LL_OK)
		http_reply(req, 201, json_pack("{s:o}", "items", items));
	return err;
}

enum ll_err ledger_http_share_list(struct http_req *req)
{
	const char *pid = NULL;
	json_t *items;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = share_list(req->app->st, pid, &items);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:o}", "items", items));
	return err;
}

enum ll_err ledger_http_share_end(struct http_req *req)
{
	const char *pid = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err != LL_OK)
		return err;
	struct audit_actor actor;
	http_actor(req, &actor);
	err = share_end(req->app->st, pid, http_param(req, "id"), &actor);
	if (err == LL_OK)
		http_reply_empty(req, 204);
	return err;
}

enum ll_err ledger_http_archive(struct http_req *req)
{
	const char *id = http_param(req, "id");
	/* An institution's own staff, and the credit bank's administrators and auditors. */
	if (!http_caller_is(req, ROLE_CITY_ADMIN | ROLE_AUDITOR) &&
	    !(req->caller.institution_id && strcmp(req->caller.institution_id, id) == 0))
		return ll_fail(LL_NOT_FOUND, NULL, "no institution archive you may read has this id");
	int64_t limit;
	json_t *page;
	enum ll_err err = http_query_int(req, "limit", 100, 1, 500, &limit);
	if (err == LL_OK)
		err = archive_list(req->app->st, id, http_query(req, "after"), (int)limit, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}
