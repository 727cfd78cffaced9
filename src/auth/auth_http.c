/*
 * HTTP handlers for sign-in, the caller's own profile and preferences, API tokens and staff
 * users: decode, authorise beyond the route's roles, call auth.h, encode.
 */
#include <stdio.h>
#include <string.h>

#include "../http/auth_http.h"
#include "../http/http.h"
#include "auth.h"

struct sign_in_in {
	const char *login;
	const char *password;
};
const struct json_field auth_sign_in_spec[] = {
	JSON_STR("login", struct sign_in_in, login, .min_len = 1, .max_len = 64,
		 .doc = "staff login, learning account number or phone number"),
	JSON_STR("password", struct sign_in_in, password, .min_len = 1, .max_len = AUTH_PASSWORD_MAX),
	JSON_END
};

static const char *const locales[] = { "zh-CN", "en", NULL };
struct prefs_in {
	bool elder_mode;
	int locale;
};
const struct json_field auth_preferences_spec[] = {
	JSON_BOOL("elder_mode", struct prefs_in, elder_mode, .is_optional = true,
		  .doc = "large type, high contrast and fewer choices per screen"),
	JSON_ENUM("locale", struct prefs_in, locale, locales, .is_optional = true),
	JSON_END
};

struct password_in {
	const char *current_password;
	const char *new_password;
};
const struct json_field auth_password_spec[] = {
	JSON_STR("current_password", struct password_in, current_password, .min_len = 1, .max_len = AUTH_PASSWORD_MAX),
	JSON_STR("new_password", struct password_in, new_password, .min_len = 1, .max_len = AUTH_PASSWORD_MAX),
	JSON_END
};

static const char *const scopes[] = { "read", "write", NULL };
struct token_in {
	const char *name;
	int scope;
	int64_t expires_at;
};
const struct json_field auth_token_spec[] = {
	JSON_STR("name", struct token_in, name, .min_len = 1, .max_len = 100, .doc = "what the token is for"),
	JSON_ENUM("scope", struct token_in, scope, scopes, .doc = "read: GET only; write: every route of the role"),
	JSON_TIME("expires_at", struct token_in, expires_at, .is_optional = true),
	JSON_END
};

static const char *const user_roles[] = { "citizen", "staff", "institution_admin", "reviewer", "district_admin",
					  "city_admin", "auditor", NULL };
struct user_body {
	const char *login;
	const char *display_name;
	const char *password;
	int role;
	const char *institution_id;
	const char *district_code;
};
const struct json_field auth_user_spec[] = {
	JSON_STR("login", struct user_body, login, .min_len = 3, .max_len = 64),
	JSON_STR("display_name", struct user_body, display_name, .min_len = 1, .max_len = 100),
	JSON_STR("password", struct user_body, password, .min_len = 1, .max_len = AUTH_PASSWORD_MAX),
	JSON_ENUM("role", struct user_body, role, user_roles),
	JSON_STR("institution_id", struct user_body, institution_id, .is_optional = true, .max_len = 36),
	JSON_STR("district_code", struct user_body, district_code, .is_optional = true, .max_len = 12),
	JSON_END
};

static const char *const staff_roles[] = { "staff", "institution_admin", "reviewer", NULL };
struct staff_body {
	const char *login;
	const char *display_name;
	const char *password;
	int role;
};
const struct json_field auth_staff_spec[] = {
	JSON_STR("login", struct staff_body, login, .min_len = 3, .max_len = 64),
	JSON_STR("display_name", struct staff_body, display_name, .min_len = 1, .max_len = 100),
	JSON_STR("password", struct staff_body, password, .min_len = 1, .max_len = AUTH_PASSWORD_MAX),
	JSON_ENUM("role", struct staff_body, role, staff_roles),
	JSON_END
};

static void set_session_cookie(struct http_req *req, const char *token, int max_age_s)
{
	const char *value = arena_printf(&req->arena, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
					 SESSION_COOKIE, token, max_age_s, req->app->is_cookie_secure ? "; Secure" : "");
	if (value)
		http_add_header(req, "Set-Cookie", value);
}

static json_t *me_json(const struct http_req *req, const struct user *u, const char *csrf)
{
	json_t *o = auth_user_json(u);
	json_set_str(o, "csrf_token", csrf);
	return o;
}

enum ll_err auth_http_sign_in(struct http_req *req)
{
	struct sign_in_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	struct user u;
	const char *token, *csrf;
	err = auth_sign_in(req->app->st, req->app->keys, req->app->pw_gate, in.login, in.password, req->ip,
			   &req->arena, &u, &token, &csrf);
	json_decref(root);
	if (err != LL_OK)
		return err;
	set_session_cookie(req, token, (int)(AUTH_SESSION_TTL_US / 1000000));
	http_reply(req, 200, json_pack("{s:o, s:s}", "user", me_json(req, &u, csrf), "csrf_token", csrf));
	return LL_OK;
}

enum ll_err auth_http_sign_out(struct http_req *req)
{
	const char *cookie = http_cookie(req, SESSION_COOKIE);
	if (cookie && *cookie && !req->caller.is_via_token) {
		struct audit_actor actor;
		http_actor(req, &actor);
		enum ll_err err = auth_sign_out(req->app->st, req->app->keys, cookie, &actor);
		if (err != LL_OK)
			return err;
	}
	set_session_cookie(req, "", 0);
	http_reply_empty(req, 204);
	return LL_OK;
}

enum ll_err auth_http_me(struct http_req *req)
{
	http_reply(req, 200, me_json(req, req->caller.user, req->caller.csrf_token));
	return LL_OK;
}

enum ll_err auth_http_preferences(struct http_req *req)
{
	struct prefs_in in = { .locale = -1 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	int elder = json_object_get(root, "elder_mode") && !json_is_null(json_object_get(root, "elder_mode"))
			    ? (in.elder_mode ? 1 : 0) : -1;
	json_decref(root);
	struct audit_actor actor;
	http_actor(req, &actor);
	err = auth_set_preferences(req->app->st, req->caller.user_id, elder, in.locale >= 0 ? locales[in.locale] : NULL,
				   &actor);
	if (err != LL_OK)
		return err;
	struct user u;
	err = auth_user_get(req->app->st, req->caller.user_id, &req->arena, &u);
	if (err == LL_OK)
		http_reply(req, 200, me_json(req, &u, req->caller.csrf_token));
	return err;
}

enum ll_err auth_http_password(struct http_req *req)
{
	struct password_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	struct audit_actor actor;
	http_actor(req, &actor);
	err = auth_change_password(req->app->st, req->app->keys, req->app->pw_gate, req->caller.user_id,
				   in.current_password, in.new_password,
				   req->caller.is_via_token ? NULL : http_cookie(req, SESSION_COOKIE), &actor);
	json_decref(root);
	if (err == LL_OK)
		http_reply_empty(req, 204);
	return err;
}

enum ll_err auth_http_token_create(struct http_req *req)
{
	struct token_in in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	if (req->caller.is_via_token) {
		json_decref(root);
		return ll_fail(LL_FORBIDDEN, NULL, "an API token cannot create another token; sign in");
	}
	struct audit_actor actor;
	http_actor(req, &actor);
	const char *id, *token;
	err = auth_token_create(req->app->st, req->app->keys, req->caller.user_id, in.name, in.scope == 0,
				in.expires_at, &actor, &req->arena, &id, &token);
	if (err == LL_OK) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", in.name, "scope", scopes[in.scope],
				      "token", token);
		json_set_time(o, "expires_at", in.expires_at);
		http_reply(req, 201, o);
	}
	json_decref(root);
	return err;
}

enum ll_err auth_http_token_list(struct http_req *req)
{
	json_t *items;
	enum ll_err err = auth_token_list(req->app->st, req->caller.user_id, &items);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:o}", "items", items));
	return err;
}

enum ll_err auth_http_token_revoke(struct http_req *req)
{
	struct audit_actor actor;
	http_actor(req, &actor);
	enum ll_err err = auth_token_revoke(req->app->st, req->caller.user_id, http_param(req, "id"), &actor);
	if (err == LL_OK)
		http_reply_empty(req, 204);
	return err;
}

static enum ll_err create_and_reply(struct http_req *req, const struct user_in *in)
{
	struct audit_actor actor;
	struct user u;
	http_actor(req, &actor);
	enum ll_err err = auth_user_create(req->app->st, req->app->pw_gate, in, &actor, &req->arena, &u);
	if (err == LL_OK)
		http_reply(req, 201, auth_user_json(&u));
	return err;
}

enum ll_err auth_http_user_create(struct http_req *req)
{
	struct user_body in = { 0 };
	json_t *root;
	enum ll_err err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	struct user_in u = { .login = in.login, .display_name = in.display_name, .password = in.password,
			     .institution_id = in.institution_id, .district_code = in.district_code };
	role_parse(user_roles[in.role], &u.role);
	if (u.role == ROLE_CITIZEN)
		err = ll_fail(LL_INVALID_VALUE, "role", "citizens get their user by registering a learning account");
	else
		err = create_and_reply(req, &u);
	json_decref(root);
	return err;
}

/* Institution admins manage their own institution; city admins any. */
static enum ll_err may_manage_institution(const struct http_req *req, const char *institution_id)
{
	if (http_caller_is(req, ROLE_CITY_ADMIN))
		return LL_OK;
	if (req->caller.institution_id && strcmp(req->caller.institution_id, institution_id) == 0)
		return LL_OK;
	return ll_fail(LL_FORBIDDEN, "id", "you may only manage your own institution");
}

enum ll_err auth_http_staff_list(struct http_req *req)
{
	const char *id = http_param(req, "id");
	enum ll_err err = may_manage_institution(req, id);
	json_t *items;
	if (err == LL_OK)
		err = auth_institution_staff(req->app->st, id, &items);
	if (err == LL_OK)
		http_reply(req, 200, json_pack("{s:o}", "items", items));
	return err;
}

enum ll_err auth_http_staff_create(struct http_req *req)
{
	const char *id = http_param(req, "id");
	enum ll_err err = may_manage_institution(req, id);
	if (err != LL_OK)
		return err;
	struct staff_body in = { 0 };
	json_t *root;
	err = http_body(req, &in, &root);
	if (err != LL_OK)
		return err;
	struct user_in u = { .login = in.login, .display_name = in.display_name, .password = in.password,
			     .institution_id = id };
	role_parse(staff_roles[in.role], &u.role);
	err = create_and_reply(req, &u);
	json_decref(root);
	return err;
}
