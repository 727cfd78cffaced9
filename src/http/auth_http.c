/*
 * Caller resolution for every request. A bearer token wins over a cookie, so machine clients are
 * never subject to CSRF; a cookie-authenticated write must repeat the session's CSRF token in a
 * header, which a cross-site form cannot do.
 */
#include "auth_http.h"

#include <string.h>
#include <strings.h>

#include "../auth/auth.h"
#include "../base/crypto.h"

static void caller_from_user(struct http_req *req, struct caller *c, const struct user *u)
{
	c->user = arena_memdup(&req->arena, u, sizeof(*u));
	c->is_authenticated = true;
	c->role = u->role;
	c->user_id = u->id;
	c->login = u->login;
	c->display_name = u->display_name;
	c->institution_id = u->institution_id;
	c->district_code = u->district_code;
	c->person_id = u->person_id;
	c->is_elder_mode = u->is_elder_mode;
	c->locale = u->locale;
}

enum ll_err http_authenticate(struct http_req *req)
{
	if (req->route && req->route->authenticate)
		return req->route->authenticate(req);
	struct user u;
	enum ll_err err;
	const char *authz = http_header(req, "Authorization");
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
		bool is_read_only = false;
		err = auth_token_user(req->app->st, req->app->keys, authz + 7, &req->arena, &u, &is_read_only);
		if (err != LL_OK)
			return err;
		caller_from_user(req, &req->caller, &u);
		req->caller.is_via_token = true;
		req->caller.is_read_only = is_read_only;
		return LL_OK;
	}
	const char *cookie = http_cookie(req, SESSION_COOKIE);
	if (!cookie || !*cookie)
		return LL_OK;
	const char *csrf = NULL;
	err = auth_session_user(req->app->st, req->app->keys, cookie, &req->arena, &u, &csrf);
	if (err != LL_OK) {
		/* A stale cookie on a public route is no reason to refuse it. */
		return req->route && req->route->roles == 0 ? LL_OK : err;
	}
	caller_from_user(req, &req->caller, &u);
	req->caller.csrf_token = csrf;
	bool is_write = strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
	if (is_write && !(req->route && req->route->is_csrf_exempt)) {
		const char *sent = http_header(req, CSRF_HEADER);
		if (!sent || !csrf || !crypto_str_equal(sent, csrf))
			return ll_fail(LL_CSRF, CSRF_HEADER, "missing or wrong %s header", CSRF_HEADER);
	}
	return LL_OK;
}

enum ll_err http_my_person(const struct http_req *req, const char **ret_person_id)
{
	*ret_person_id = req->caller.person_id;
	return req->caller.person_id ? LL_OK : ll_fail(LL_NOT_FOUND, NULL, "this user has no learning account");
}

void http_actor(const struct http_req *req, struct audit_actor *ret_actor)
{
	memset(ret_actor, 0, sizeof(*ret_actor));
	if (req->caller.is_authenticated) {
		ret_actor->id = req->caller.user_id;
		ret_actor->role = role_name(req->caller.role);
		ret_actor->name = req->caller.display_name;
		ret_actor->institution_id = req->caller.institution_id;
	}
	ret_actor->ip = req->ip;
}
