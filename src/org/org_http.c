/* HTTP handlers of divisions and institutions. */
#include <string.h>

#include "../http/auth_http.h"
#include "../http/http.h"
#include "org.h"

const struct json_field org_institution_spec[] = {
	JSON_STR("name", struct institution_in, name, .min_len = 1, .max_len = 200),
	JSON_STR("name_en", struct institution_in, name_en, .is_optional = true, .max_len = 200),
	JSON_ENUM("type", struct institution_in, type, institution_types),
	JSON_STR("district_code", struct institution_in, district_code, .min_len = 12, .max_len = 12,
		 .doc = "12-digit statistical code of the district"),
	JSON_END
};

enum ll_err org_http_divisions(struct http_req *req)
{
	const char *parent = http_query(req, "parent");
	if (!parent || !*parent)
		parent = ORG_CITY_CODE;
	if (!org_code_is_valid(parent))
		return ll_fail(LL_BAD_QUERY, "parent", "parent must be a 12-digit division code");
	json_t *items;
	enum ll_err err = org_division_children(req->app->st, parent, &items);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:o}", "items", items));
	return err;
}

enum ll_err org_http_institution_list(struct http_req *req)
{
	int64_t limit;
	enum ll_err err = http_query_int(req, "limit", 200, 1, 1000, &limit);
	const char *q = http_query(req, "q");
	json_t *items;
	if (err == LL_OK && q && json_utf8_chars(q) > 100)
		err = ll_fail(LL_BAD_QUERY, "q", "q is longer than 100 characters");
	if (err == LL_OK)
		err = org_institution_list(req->app->st, http_query(req, "district"), http_query(req, "type"), q, (int)limit,
					   &items);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:o}", "items", items));
	return err;
}

enum ll_err org_http_institution_create(struct http_req *req)
{
	struct institution_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	/* A district office registers institutions of its own district only. */
	if (req->caller.role == ROLE_DISTRICT_ADMIN &&
	    (!req->caller.district_code || strcmp(req->caller.district_code, in.district_code) != 0)) {
		json_decref(root);
		return ll_fail(LL_FORBIDDEN, "district_code", "a district office registers institutions of its own district");
	}
	struct audit_actor actor;
	struct institution out;
	http_actor(req, &actor);
	err = org_institution_create(req->app->st, &in, &actor, &req->arena, &out);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 201, org_institution_json(&out));
	return err;
}

enum ll_err org_http_institution_get(struct http_req *req)
{
	struct institution out;
	enum ll_err err = org_institution_get(req->app->st, http_param(req, "id"), &req->arena, &out);
	if (err == LL_OK)
		http_reply(req, 200, org_institution_json(&out));
	return err;
}
