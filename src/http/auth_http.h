/*
 * Who is calling: resolves the session cookie or the bearer token of a request into
 * req->caller, and checks the CSRF token of cookie-authenticated writes. Also the cookie
 * names and how a caller becomes an audit actor.
 */
#ifndef LL_HTTP_AUTH_H
#define LL_HTTP_AUTH_H

#include "../audit/audit.h"
#include "http.h"

#define SESSION_COOKIE "ll_session"
#define CSRF_HEADER "X-CSRF-Token"

/* Fills req->caller when the request carries credentials. A request without any stays
 * unauthenticated (LL_OK); one with bad credentials fails with LL_UNAUTHENTICATED; a cookie
 * write without the right CSRF header fails with LL_CSRF unless the route is exempt. */
enum ll_err http_authenticate(struct http_req *req);

/* The caller as an audit actor (strings borrowed from req). */
void http_actor(const struct http_req *req, struct audit_actor *ret_actor);
/* The person whose learning account the caller is (the /me routes of a citizen): *ret_person_id
 * borrowed from req; LL_NOT_FOUND when the caller has none. */
enum ll_err http_my_person(const struct http_req *req, const char **ret_person_id);

#endif
