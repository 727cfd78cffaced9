/*
 * The API of check-ins and points: a learner's check-ins, balances, statement and vouchers; an
 * institution's learning sites (with today's QR code) and the vouchers presented to it; the
 * city's earning rules and incentives catalogue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/roles.h"
#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/qr.h"
#include "../http/auth_http.h"
#include "../http/http.h"
#include "points.h"

/* ---- Check-ins ---- */

enum ll_err points_http_checkins(struct http_req *req)
{
	static const char *const allowed[] = { "month", NULL };
	enum ll_err err = http_query_only(req, allowed);
	if (err != LL_OK)
		return err;
	char today[11];
	points_day_format(points_day_of(clock_now_us()), today);
	const char *month = http_query(req, "month");
	int year = 0, mon = 0;
	char rest = 0;
	if (!month)
		sscanf(today, "%4d-%2d", &year, &mon);
	else if (strlen(month) != 7 || sscanf(month, "%4d-%2d%c", &year, &mon, &rest) != 2)
		return ll_fail(LL_BAD_QUERY, "month", "month is YYYY-MM");
	json_t *out = NULL;
	err = checkin_month(req->app->st, req->caller.person_id, year, mon, &out);
	if (err == LL_OK)
		http_reply(req, 200, out);
	return err;
}

enum ll_err points_http_checkin(struct http_req *req)
{
	struct checkin_in in = { 0 };
	json_t *root = NULL, *out = NULL;
	enum ll_err err = http_body(req, &in, &root);
	bool is_new = false;
	if (err == LL_OK)
		err = checkin_today(req->app->st, req->caller.person_id, &in, &out, &is_new);
	if (err == LL_OK)
		http_reply(req, is_new ? 201 : 200, out);
	json_decref(root);
	return err;
}

/* ---- Learning sites ---- */

enum ll_err points_http_sites(struct http_req *req)
{
	json_t *out = NULL;
	enum ll_err err = checkin_site_list(req->app->st, req->caller.institution_id, &out);
	if (err == LL_OK)
		http_reply(req, 200, out);
	return err;
}

enum ll_err points_http_site_create(struct http_req *req)
{
	struct site_in in = { 0 };
	json_t *root = NULL, *out = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK) {
		struct audit_actor actor;
		http_actor(req, &actor);
		err = checkin_site_create(req->app->st, req->caller.institution_id, &in, &actor, &out);
	}
	if (err == LL_OK)
		http_reply(req, 201, out);
	json_decref(root);
	return err;
}

enum ll_err points_http_site_retire(struct http_req *req)
{
	struct audit_actor actor;
	http_actor(req, &actor);
	enum ll_err err = checkin_site_retire(req->app->st, req->caller.institution_id, http_param(req, "id"), &actor);
	if (err == LL_OK)
		http_reply_empty(req, 204);
	return err;
}

enum ll_err points_http_site_get(struct http_req *req)
{
	json_t *out = NULL;
	enum ll_err err = checkin_site_get(req->app->st, http_param(req, "id"), &out);
	if (err == LL_OK)
		http_reply(req, 200, out);
	return err;
}

enum ll_err points_http_site_code(struct http_req *req)
{
	json_t *out = NULL;
	enum ll_err err = checkin_site_code_today(req->app->st, req->caller.institution_id, http_param(req, "id"), &out);
	if (err == LL_OK)
		http_reply(req, 200, out);
	return err;
}

/* The origin this server was reached at, as the request's Host (and a proxy's
 * X-Forwarded-Proto) give it; only the characters a host and port are made of. */
static void request_origin(const struct http_req *req, char *out, size_t cap)
{
	const char *host = http_header(req, "Host");
	const char *proto = http_header(req, "X-Forwarded-Proto");
	bool is_safe = host && *host && strlen(host) < 200;
	for (const char *p = host; is_safe && *p; p++)
		is_safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			  strchr(".-:[]", *p);
	snprintf(out, cap, "%s://%s", proto && strcmp(proto, "https") == 0 ? "https" : "http",
		 is_safe ? host : "localhost");
}

enum ll_err points_http_site_qr(struct http_req *req)
{
	json_t *code = NULL;
	enum ll_err err = checkin_site_code_today(req->app->st, req->caller.institution_id, http_param(req, "id"), &code);
	if (err != LL_OK)
		return err;
	char origin[256];
	request_origin(req, origin, sizeof(origin));
	char *url = arena_printf(&req->arena, "%s%s", origin, json_string_value(json_object_get(code, "path")));
	json_decref(code);
	if (!url)
		return ll_fail(LL_ARENA_FULL, NULL, NULL);
	struct buf svg;
	buf_init(&svg);
	err = qr_svg(url, &svg);
	char *body = err == LL_OK ? arena_memdup(&req->arena, svg.data, svg.len) : NULL;
	if (err == LL_OK && !body)
		err = ll_fail(LL_ARENA_FULL, NULL, NULL);
	if (err == LL_OK) {
		http_add_header(req, "Cache-Control", "private, max-age=60");
		http_reply_raw(req, 200, "image/svg+xml", body, svg.len);
	}
	buf_release(&svg);
	return err;
}

/* ---- Earning rules ---- */

enum ll_err points_http_rules(struct http_req *req)
{
	json_t *items = NULL;
	enum ll_err err = points_rule_list(req->app->st, &items);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:o}", "items", items));
	return err;
}

static enum ll_err rule_save(struct http_req *req, const char *id)
{
	struct rule_in in;
	rule_in_init(&in);
	json_t *root = NULL, *out = NULL;
	struct points_rule r;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK)
		err = points_rule_from_in(&in, &r);
	if (err == LL_OK) {
		struct audit_actor actor;
		http_actor(req, &actor);
		err = points_rule_save(req->app->st, id, &r, &actor, &out);
	}
	if (err == LL_OK)
		http_reply(req, id ? 200 : 201, out);
	json_decref(root);
	return err;
}

enum ll_err points_http_rule_create(struct http_req *req)
{
	return rule_save(req, NULL);
}

enum ll_err points_http_rule_update(struct http_req *req)
{
	return rule_save(req, http_param(req, "id"));
}

/* ---- Balances and the statement ---- */

enum ll_err points_http_balances(struct http_req *req)
{
	json_t *out = NULL;
	enum ll_err err = points_balances(req->app->st, req->caller.person_id, &out);
	if (err == LL_OK)
		http_reply(req, 200, out);
	return err;
}

enum ll_err points_http_statement(struct http_req *req)
{
	int64_t limit;
	json_t *page = NULL;
	enum ll_err err = http_query_int(req, "limit", 50, 1, 200, &limit);
	if (err == LL_OK)
		err = points_statement(req->app->st, req->caller.person_id, http_query(req, "after"), (int)limit, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

/* ---- Incentives and vouchers ---- */

enum ll_err points_http_incentives(struct http_req *req)
{
	json_t *items = NULL;
	bool is_all = http_caller_is(req, ROLE_CITY_ADMIN | ROLE_AUDITOR);
	enum ll_err err = incentive_list(req->app->st, is_all, &items);
	if (err == LL_OK)
		http_reply(req, 200, items);
	return err;
}

static enum ll_err incentive_save(struct http_req *req, const char *id)
{
	struct incentive_in in;
	incentive_in_init(&in);
	json_t *root = NULL, *out = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK) {
		struct audit_actor actor;
		http_actor(req, &actor);
		err = id ? incentive_update(req->app->st, id, &in, &actor, &out)
			 : incentive_create(req->app->st, &in, &actor, &out);
	}
	if (err == LL_OK)
		http_reply(req, id ? 200 : 201, out);
	json_decref(root);
	return err;
}

enum ll_err points_http_incentive_create(struct http_req *req)
{
	return incentive_save(req, NULL);
}

enum ll_err points_http_incentive_update(struct http_req *req)
{
	return incentive_save(req, http_param(req, "id"));
}

struct stock_in {
	int64_t add;
};
const struct json_field incentive_stock_spec[] = {
	JSON_I64("add", struct stock_in, add, .min = -1000000000, .max = 1000000000,
		 .doc = "items to add to the stock; negative takes some away, never below zero"),
	JSON_END
};

enum ll_err points_http_incentive_stock(struct http_req *req)
{
	struct stock_in in = { 0 };
	json_t *root = NULL, *out = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK && in.add == 0)
		err = ll_fail(LL_INVALID_VALUE, "add", "add is a number of items other than zero");
	if (err == LL_OK) {
		struct audit_actor actor;
		http_actor(req, &actor);
		err = incentive_restock(req->app->st, http_param(req, "id"), in.add, &actor, &out);
	}
	if (err == LL_OK)
		http_reply(req, 200, out);
	json_decref(root);
	return err;
}

enum ll_err points_http_redeem(struct http_req *req)
{
	struct redeem_in in = { 0 };
	json_t *root = NULL, *out = NULL;
	bool is_new = false;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK)
		err = incentive_redeem(req->app->st, req->caller.person_id, &in, &out, &is_new);
	if (err == LL_OK)
		http_reply(req, is_new ? 201 : 200, out);
	json_decref(root);
	return err;
}

enum ll_err points_http_my_redemptions(struct http_req *req)
{
	json_t *out = NULL;
	enum ll_err err = redemption_list_mine(req->app->st, req->caller.person_id, &out);
	if (err == LL_OK)
		http_reply(req, 200, out);
	return err;
}

enum ll_err points_http_redemption_find(struct http_req *req)
{
	static const char *const allowed[] = { "code", NULL };
	json_t *out = NULL;
	enum ll_err err = http_query_only(req, allowed);
	if (err == LL_OK)
		err = redemption_find(req->app->st, req->caller.institution_id, http_query(req, "code"), &out);
	if (err == LL_OK)
		http_reply(req, 200, out);
	return err;
}

struct use_in {
	const char *code;
};
const struct json_field voucher_use_spec[] = {
	JSON_STR("code", struct use_in, code, .min_len = 1, .max_len = 20, .doc = "the code on the voucher"),
	JSON_END
};

enum ll_err points_http_redemption_use(struct http_req *req)
{
	struct use_in in = { 0 };
	json_t *root = NULL, *out = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK) {
		struct audit_actor actor;
		http_actor(req, &actor);
		err = redemption_use(req->app->st, req->caller.institution_id, in.code, &actor, &out);
	}
	if (err == LL_OK)
		http_reply(req, 200, out);
	json_decref(root);
	return err;
}
