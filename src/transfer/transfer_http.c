/*
 * HTTP handlers of the learning overpass: programmes and their plans, conversion rules and the
 * city's decisions on them, enrolments, and audits. Each decodes its request, calls
 * transfer_db.c and encodes the answer; none holds SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../http/auth_http.h"
#include "../http/http.h"
#include "transfer.h"

static void caller_of(const struct http_req *req, struct ledger_caller *c)
{
	ledger_http_caller(req, c);
}

/* ?as_of=YYYY-MM-DD, or NULL for today. */
static enum ll_err as_of_query(const struct http_req *req, const char **ret)
{
	const char *v = http_query(req, "as_of");
	int64_t days;
	if (v && !clock_parse_date(v, &days))
		return ll_fail(LL_BAD_QUERY, "as_of", "as_of is a date, YYYY-MM-DD");
	*ret = v;
	return LL_OK;
}

/* ---- Programmes ---- */

/* Replies 200 with page when err is LL_OK; returns err. */
static enum ll_err page_reply(struct http_req *req, enum ll_err err, json_t *page)
{
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err transfer_http_programmes(struct http_req *req)
{
	json_t *page = NULL;
	enum ll_err err = programme_list(req->app->st, http_query(req, "institution"), http_query(req, "q"), &page);
	return page_reply(req, err, page);
}

/* Replies with programme id and its current plan. */
static enum ll_err programme_reply(struct http_req *req, const char *id, int status)
{
	struct programme p;
	json_t *root;
	enum ll_err err = programme_get(req->app->st, id, &req->arena, &p, &root);
	if (err == LL_OK) {
		http_reply(req, status, programme_json(&p));
		json_decref(root);
	}
	return err;
}

/* The plan object of a body, decoded; strings borrowed from root. */
static enum ll_err plan_of(const json_t *root, struct programme_plan *ret)
{
	json_t *plan = json_object_get(root, "plan");
	if (!plan)
		return ll_fail(LL_MISSING_FIELD, "plan", "plan is required");
	enum ll_err err = plan_from_json(plan, ret);
	if (err != LL_OK) {
		const struct ll_error *e = ll_error_get(err);
		char field[LL_FIELD_MAX + 8], message[LL_MESSAGE_MAX];
		snprintf(field, sizeof(field), e->field[0] ? "plan.%s" : "plan", e->field);
		snprintf(message, sizeof(message), "%s", e->message);
		return ll_fail(err, field, "%s", message);
	}
	return LL_OK;
}

enum ll_err transfer_http_programme_create(struct http_req *req)
{
	json_t *root;
	enum ll_err err = http_body(req, NULL, &root);
	if (err != LL_OK)
		return err;
	struct programme_in in = { 0 };
	struct programme_plan *plan = arena_alloc(&req->arena, sizeof(*plan));
	if (!plan) {
		json_decref(root);
		return LL_ARENA_FULL;
	}
	/* The fields of programme_spec, and the plan beside them. */
	json_t *head = json_deep_copy(root);
	json_object_del(head, "plan");
	if ((err = json_decode(head, programme_spec, &in)) == LL_OK && (err = plan_of(root, plan)) == LL_OK) {
		struct ledger_caller c;
		struct audit_actor actor;
		const char *id = NULL;
		caller_of(req, &c);
		http_actor(req, &actor);
		err = programme_create(req->app->st, &c, &in, plan, &actor, &req->arena, &id);
		if (err == LL_OK)
			err = programme_reply(req, id, 201);
	}
	json_decref(head);
	json_decref(root);
	return err;
}

enum ll_err transfer_http_programme(struct http_req *req)
{
	return programme_reply(req, http_param(req, "id"), 200);
}

enum ll_err transfer_http_plan_publish(struct http_req *req)
{
	json_t *root;
	enum ll_err err = http_body(req, NULL, &root);
	if (err != LL_OK)
		return err;
	struct programme_plan *plan = arena_alloc(&req->arena, sizeof(*plan));
	if (!plan) {
		json_decref(root);
		return LL_ARENA_FULL;
	}
	if ((err = plan_from_json(root, plan)) == LL_OK) {
		struct ledger_caller c;
		struct audit_actor actor;
		int version;
		caller_of(req, &c);
		http_actor(req, &actor);
		if ((err = programme_publish_plan(req->app->st, &c, http_param(req, "id"), plan, &actor, &version)) == LL_OK)
			err = programme_reply(req, http_param(req, "id"), 201);
	}
	json_decref(root);
	return err;
}

/* ---- Rules ---- */

enum ll_err transfer_http_rules(struct http_req *req)
{
	json_t *page = NULL;
	enum ll_err err = transfer_rule_list(req->app->st, http_param(req, "id"), http_query(req, "status"), &page);
	return page_reply(req, err, page);
}

static enum ll_err rule_publish(struct http_req *req, const char *rule_id)
{
	json_t *root;
	enum ll_err err = http_body(req, NULL, &root);
	if (err != LL_OK)
		return err;
	struct ledger_caller c;
	struct audit_actor actor;
	const char *id;
	int version;
	caller_of(req, &c);
	http_actor(req, &actor);
	err = transfer_rule_publish(req->app->st, &c, http_param(req, "id"), rule_id, root, &actor, &req->arena, &id,
				    &version);
	if (err == LL_OK)
		http_reply(req, 201, json_pack("{s:s, s:i, s:s, s:s}", "id", id, "version", version, "status", "pending",
					       "programme_id", http_param(req, "id")));
	json_decref(root);
	return err;
}

enum ll_err transfer_http_rule_publish(struct http_req *req)
{
	return rule_publish(req, NULL);
}

enum ll_err transfer_http_rule_republish(struct http_req *req)
{
	return rule_publish(req, http_param(req, "rule"));
}

enum ll_err transfer_http_rule_queue(struct http_req *req)
{
	json_t *page = NULL;
	const char *status = http_query(req, "status");
	enum ll_err err = transfer_rule_list(req->app->st, NULL, status ? status : "pending", &page);
	return page_reply(req, err, page);
}

struct decision_in {
	int decision;                   /* index into rule_decisions */
	const char *reason;
};
static const char *const rule_decisions[] = { "approve", "reject", NULL };
const struct json_field transfer_decision_spec[] = {
	JSON_ENUM("decision", struct decision_in, decision, rule_decisions),
	JSON_STR("reason", struct decision_in, reason, .is_optional = true, .max_len = 500,
		 .doc = "why; required to reject"),
	JSON_END
};

enum ll_err transfer_http_rule_decide(struct http_req *req)
{
	struct decision_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	int64_t version = 0;
	const char *v = http_param(req, "version");
	char *end;
	version = v ? strtoll(v, &end, 10) : 0;
	if (!v || *end || version < 1 || version > 1000000) {
		json_decref(root);
		return ll_fail(LL_NOT_FOUND, NULL, "no such rule version");
	}
	struct audit_actor actor;
	http_actor(req, &actor);
	bool is_approved = in.decision == 0;
	err = transfer_rule_decide(req->app->st, http_param(req, "rule"), (int)version, is_approved, in.reason, &actor);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:s, s:I, s:s}", "id", http_param(req, "rule"), "version",
					       (json_int_t)version, "status", is_approved ? "approved" : "rejected"));
	json_decref(root);
	return err;
}

/* ---- Enrolments and audits ---- */

struct enrol_in {
	const char *account_no;
};
const struct json_field transfer_enrol_spec[] = {
	JSON_STR("account_no", struct enrol_in, account_no, .max_len = 40, .doc = "the learner's account number"),
	JSON_END
};

/* Enrols account_no (the caller when NULL) in programme_id and replies 201. */
static enum ll_err enrol_reply(struct http_req *req, const char *programme_id, const char *account_no)
{
	struct ledger_caller c;
	struct audit_actor actor;
	caller_of(req, &c);
	http_actor(req, &actor);
	enum ll_err err = transfer_enrol(req->app->st, &c, programme_id, account_no, &actor);
	if (err == LL_OK) {
		json_t *o = json_pack("{s:s}", "programme_id", programme_id);
		json_set_str(o, "account_no", account_no);
		http_reply(req, 201, o);
	}
	return err;
}

enum ll_err transfer_http_enrol(struct http_req *req)
{
	struct enrol_in in = { 0 };
	json_t *root = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK)
		err = enrol_reply(req, http_param(req, "id"), in.account_no);
	json_decref(root);
	return err;
}

static enum ll_err audit_reply(struct http_req *req, const char *programme_id, const char *account_no)
{
	const char *as_of = NULL;
	enum ll_err err = as_of_query(req, &as_of);
	if (err != LL_OK)
		return err;
	struct ledger_caller c;
	json_t *report;
	caller_of(req, &c);
	if ((err = transfer_audit_person(req->app->st, &c, programme_id, account_no, as_of, &report)) == LL_OK)
		http_reply(req, 200, report);
	return err;
}

enum ll_err transfer_http_audit(struct http_req *req)
{
	return audit_reply(req, http_param(req, "id"), http_param(req, "account_no"));
}

enum ll_err transfer_http_my_programmes(struct http_req *req)
{
	json_t *page = NULL;
	enum ll_err err = transfer_enrolments(req->app->st, req->caller.person_id, &page);
	return page_reply(req, err, page);
}

struct follow_in {
	const char *programme_id;
};
const struct json_field transfer_follow_spec[] = {
	JSON_STR("programme_id", struct follow_in, programme_id, .max_len = 40),
	JSON_END
};

enum ll_err transfer_http_my_follow(struct http_req *req)
{
	struct follow_in in = { 0 };
	json_t *root = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK)
		err = enrol_reply(req, in.programme_id, NULL);
	json_decref(root);
	return err;
}

enum ll_err transfer_http_my_audit(struct http_req *req)
{
	return audit_reply(req, http_param(req, "id"), NULL);
}

/* ---- Applications ---- */

struct request_in {
	const char *course, *group, *rule_id;
};
static const struct json_field request_spec[] = {
	JSON_STR("course", struct request_in, course, .is_optional = true, .max_len = 40),
	JSON_STR("group", struct request_in, group, .is_optional = true, .max_len = 40),
	JSON_STR("rule_id", struct request_in, rule_id, .is_optional = true, .max_len = 40),
	JSON_END
};

enum ll_err transfer_http_apply(struct http_req *req)
{
	json_t *root = NULL;
	enum ll_err err = http_body(req, NULL, &root);
	if (err != LL_OK)
		return err;
	json_t *items = json_object_get(root, "items");
	struct transfer_request requests[TRANSFER_REQUESTS_MAX];
	size_t n = json_is_array(items) ? json_array_size(items) : 0;
	const char *key;
	json_t *v;
	if (!json_is_object(root)) {
		err = ll_fail(LL_WRONG_TYPE, NULL, "the body is {\"items\": [...]}");
	} else {
		json_object_foreach(root, key, v)
			if (err == LL_OK && strcmp(key, "items") != 0)
				err = ll_fail(LL_UNKNOWN_FIELD, key, "unknown field %s", key);
		if (err == LL_OK && !items)
			err = ll_fail(LL_MISSING_FIELD, "items", "the body is {\"items\": [...]}");
		else if (err == LL_OK && !json_is_array(items))
			err = ll_fail(LL_WRONG_TYPE, "items", "items is an array");
		else if (err == LL_OK && (n < 1 || n > TRANSFER_REQUESTS_MAX))
			err = ll_fail(LL_OUT_OF_RANGE, "items", "an application holds 1 to %d items", TRANSFER_REQUESTS_MAX);
	}
	for (size_t i = 0; err == LL_OK && i < n; i++) {
		struct request_in in = { 0 };
		if ((err = json_decode(json_array_get(items, i), request_spec, &in)) != LL_OK) {
			const struct ll_error *e = ll_error_get(err);
			char field[LL_FIELD_MAX + 40], message[LL_MESSAGE_MAX];
			snprintf(field, sizeof(field), "items[%zu]%s%s", i, e->field[0] ? "." : "", e->field);
			snprintf(message, sizeof(message), "%s", e->message);
			err = ll_fail(err, field, "%s", message);
		}
		requests[i] = (struct transfer_request){ in.course, in.group, in.rule_id };
	}
	if (err == LL_OK) {
		struct ledger_caller c;
		struct audit_actor actor;
		json_t *application;
		caller_of(req, &c);
		http_actor(req, &actor);
		err = transfer_apply(req->app->st, &c, http_param(req, "id"), requests, (int)n, &actor, &application);
		if (err == LL_OK)
			http_reply(req, 201, application);
	}
	json_decref(root);
	return err;
}

enum ll_err transfer_http_my_applications(struct http_req *req)
{
	struct ledger_caller c;
	json_t *page = NULL;
	caller_of(req, &c);
	enum ll_err err = transfer_applications(req->app->st, &c, &page);
	return page_reply(req, err, page);
}

enum ll_err transfer_http_item_queue(struct http_req *req)
{
	struct ledger_caller c;
	json_t *page = NULL;
	caller_of(req, &c);
	enum ll_err err = transfer_item_queue(req->app->st, &c, http_query(req, "status"), &page);
	return page_reply(req, err, page);
}

enum ll_err transfer_http_item_decide(struct http_req *req)
{
	struct decision_in in = { 0 };
	json_t *root = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK) {
		struct ledger_caller c;
		struct audit_actor actor;
		caller_of(req, &c);
		http_actor(req, &actor);
		bool is_approved = in.decision == 0;
		err = transfer_item_decide(req->app->st, &c, http_param(req, "id"), is_approved, in.reason, &actor);
		if (err == LL_OK)
			http_reply(req, 200, json_pack("{s:s, s:s}", "id", http_param(req, "id"), "status",
						       is_approved ? "approved" : "rejected"));
	}
	json_decref(root);
	return err;
}

/* ---- Certification units and statistics ---- */

enum ll_err transfer_http_units(struct http_req *req)
{
	struct ledger_caller c;
	json_t *page = NULL;
	caller_of(req, &c);
	enum ll_err err = cert_unit_list(req->app->st, &c, http_query(req, "status"), http_query(req, "q"),
					 http_query(req, "institution"), &page);
	return page_reply(req, err, page);
}

enum ll_err transfer_http_unit_publish(struct http_req *req)
{
	struct cert_unit_in in = { 0 };
	json_t *root = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK) {
		struct ledger_caller c;
		struct audit_actor actor;
		json_t *unit;
		caller_of(req, &c);
		http_actor(req, &actor);
		if ((err = cert_unit_publish(req->app->st, &c, &in, &actor, &unit)) == LL_OK)
			http_reply(req, 201, unit);
	}
	json_decref(root);
	return err;
}

enum ll_err transfer_http_unit_decide(struct http_req *req)
{
	struct decision_in in = { 0 };
	json_t *root = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK) {
		struct audit_actor actor;
		http_actor(req, &actor);
		bool is_approved = in.decision == 0;
		err = cert_unit_decide(req->app->st, http_param(req, "id"), is_approved, in.reason, &actor);
		if (err == LL_OK)
			http_reply(req, 200, json_pack("{s:s, s:s}", "id", http_param(req, "id"), "status",
						       is_approved ? "approved" : "rejected"));
	}
	json_decref(root);
	return err;
}

enum ll_err transfer_http_stats(struct http_req *req)
{
	json_t *stats = NULL;
	enum ll_err err = transfer_stats(req->app->st, &stats);
	return page_reply(req, err, stats);
}

enum ll_err transfer_http_my_options(struct http_req *req)
{
	struct ledger_caller c;
	json_t *page = NULL;
	caller_of(req, &c);
	enum ll_err err = transfer_options(req->app->st, &c, &page);
	return page_reply(req, err, page);
}

enum ll_err transfer_http_learners(struct http_req *req)
{
	struct ledger_caller c;
	json_t *page = NULL;
	int64_t limit;
	caller_of(req, &c);
	enum ll_err err = http_query_int(req, "limit", 100, 1, 1000, &limit);
	if (err == LL_OK)
		err = transfer_learners(req->app->st, &c, http_param(req, "id"), http_query(req, "after"), (int)limit, &page);
	return page_reply(req, err, page);
}

enum ll_err transfer_http_my_unfollow(struct http_req *req)
{
	struct ledger_caller c;
	struct audit_actor actor;
	caller_of(req, &c);
	http_actor(req, &actor);
	enum ll_err err = transfer_unfollow(req->app->st, &c, http_param(req, "id"), &actor);
	if (err == LL_OK)
		http_reply_empty(req, 204);
	return err;
}
