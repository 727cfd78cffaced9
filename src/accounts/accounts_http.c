/* HTTP handlers of learning accounts. */
#include <string.h>

#include "../http/auth_http.h"
#include "../http/http.h"
#include "accounts.h"

const struct json_field account_create_spec[] = {
	JSON_STR("name", struct account_in, name, .min_len = 1, .max_len = 50),
	/* The length is checked with the rest of the number (id_number_check), so that a digit too
	 * many or too few is invalid_id_number like any other mistake in it; 32 only bounds input. */
	JSON_STR("id_number", struct account_in, id_number, .min_len = 1, .max_len = 32,
		 .doc = "resident ID number (GB 11643): 17 digits and a check character"),
	JSON_STR("phone", struct account_in, phone, .is_optional = true, .max_len = 11, .doc = "mainland mobile number"),
	JSON_STR("committee_code", struct account_in, committee_code, .min_len = 12, .max_len = 12,
		 .doc = "12-digit code of the neighbourhood or village committee of residence"),
	JSON_STR("password", struct account_in, password, .is_optional = true, .max_len = 128,
		 .doc = "given by a person registering themself: the account is activated at once"),
	JSON_END
};

const struct json_field account_activate_spec[] = {
	JSON_STR("account_no", struct activate_in, account_no, .min_len = 16, .max_len = 16),
	JSON_STR("id_number", struct activate_in, id_number, .min_len = 1, .max_len = 32,
		 .doc = "resident ID number (GB 11643): 17 digits and a check character"),
	JSON_STR("password", struct activate_in, password, .min_len = 1, .max_len = 128),
	JSON_END
};

static void scope_of(const struct http_req *req, struct account_scope *s)
{
	s->role = req->caller.is_authenticated ? req->caller.role : 0;
	s->institution_id = req->caller.institution_id;
	s->district_code = req->caller.district_code;
	s->person_id = req->caller.person_id;
}

enum ll_err accounts_http_create(struct http_req *req)
{
	struct account_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	/* Anyone may register themself with a password; staff register others for their institution. */
	if (req->caller.is_authenticated && req->caller.role != ROLE_CITIZEN) {
		in.registered_by = req->caller.institution_id;
	} else if (!in.password) {
		json_decref(root);
		return ll_fail(LL_MISSING_FIELD, "password", "choose a password to register your account");
	} else if (req->caller.is_authenticated) {
		json_decref(root);
		return ll_fail(LL_FORBIDDEN, NULL, "you already have a learning account");
	}
	struct audit_actor actor;
	struct account acc;
	http_actor(req, &actor);
	err = account_create(req->app->st, req->app->keys, req->app->pw_gate, &in, &actor, &req->arena, &acc);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 201, account_json(&acc));
	return err;
}

enum ll_err accounts_http_activate(struct http_req *req)
{
	struct activate_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	struct audit_actor actor;
	struct account acc;
	http_actor(req, &actor);
	err = account_activate(req->app->st, req->app->keys, req->app->pw_gate, &in, &actor, &req->arena, &acc);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 200, account_json(&acc));
	return err;
}

enum ll_err accounts_http_get(struct http_req *req)
{
	struct account_scope scope;
	struct audit_actor actor;
	struct account acc;
	scope_of(req, &scope);
	http_actor(req, &actor);
	const char *reveal = http_query(req, "reveal");
	bool is_reveal = reveal && (strcmp(reveal, "true") == 0 || strcmp(reveal, "1") == 0);
	if (reveal && !is_reveal && strcmp(reveal, "false") != 0 && strcmp(reveal, "0") != 0)
		return ll_fail(LL_BAD_QUERY, "reveal", "reveal must be true or false");
	enum ll_err err = account_get(req->app->st, req->app->keys, http_param(req, "id"), &scope, is_reveal,
				      http_query(req, "purpose"), &actor, &req->arena, &acc);
	if (err == LL_OK)
		http_reply(req, 200, account_json(&acc));
	return err;
}

enum ll_err accounts_http_search(struct http_req *req)
{
	struct account_scope scope;
	int64_t limit;
	scope_of(req, &scope);
	enum ll_err err = http_query_int(req, "limit", 50, 1, 500, &limit);
	if (err != LL_OK)
		return err;
	const char *no = http_query(req, "account_no");
	if (no && !account_no_is_valid(no))
		return ll_fail(LL_INVALID_ACCOUNT_NO, "account_no", "account number is not valid");
	json_t *page;
	err = account_search(req->app->st, req->app->keys, &scope, no, http_query(req, "id_number"),
			     http_query(req, "district"), http_query(req, "after"), (int)limit, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err accounts_http_mine(struct http_req *req)
{
	struct account_scope scope;
	struct audit_actor actor;
	struct account acc;
	const char *pid;
	enum ll_err err = http_my_person(req, &pid);
	if (err != LL_OK)
		return err;
	scope_of(req, &scope);
	http_actor(req, &actor);
	err = account_get(req->app->st, req->app->keys, pid, &scope, false, NULL, &actor,
				      &req->arena, &acc);
	if (err == LL_OK)
		http_reply(req, 200, account_json(&acc));
	return err;
}

enum ll_err accounts_http_stats(struct http_req *req)
{
	struct account_scope scope;
	scope_of(req, &scope);
	json_t *stats;
	enum ll_err err = account_stats(req->app->st, &scope, &stats);
	if (err == LL_OK)
		http_reply(req, 200, stats);
	return err;
}
