/*
 * libmicrohttpd glue: the life of one request from the first header to the access-log line.
 * A request gets its state when the URI arrives (the URI log callback), is routed and checked
 * against its limits on the first access-handler call, collects its body on later calls, and is
 * answered on the last one (never on the first, which would make libmicrohttpd 0.9.75 close the
 * connection). The completion callback writes the access log, records metrics and frees the
 * request. No handler runs for a request that failed routing, limits, authentication or
 * authorisation.
 */
#include "server.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/json.h"
#include "../base/log.h"
#include "auth_http.h"
#include "metrics.h"
#include "router.h"
#include "static.h"

#define REQUEST_ARENA_CAP (4u << 20)
#define JSON_BODY_DEPTH 16
/* The body a POST may carry to a path without POST until its check reroutes it (a form). */
#define TENTATIVE_BODY_MAX (64u << 10)

struct server {
	struct MHD_Daemon *daemon;
	struct app *app;
	struct server_options opt;
	uint16_t port;
	char keep_alive[32];  /* "timeout=N": how long an idle connection stays open */
};

static _Atomic uint64_t request_counter;

struct request_state {
	struct http_req req;
	struct server *srv;
	bool is_started;      /* first access-handler call done */
	bool is_answered;
	bool is_suspended;    /* waiting for http_resume */
	bool is_body_ignored; /* a GET, HEAD or DELETE sent a body its route does not take */
	bool is_tentative;    /* a POST its path has no route for, until the path's check reroutes it */
	enum ll_err deferred_err; /* on_suspended's failure, answered on resumption */
	size_t body_cap;
	const char *allow;    /* Allow header for 405 */
	const struct route *sibling; /* for 405: a route of the path, whose reply headers it gets */
	size_t uri_len;       /* request target with its query, as received */
	struct ll_error early_detail; /* field and message of req.early_err */
	char ip_buf[64];
};

/* Decides the answer before any handler runs. The failure detail is thread-local and the answer
 * comes on a later call, maybe on another thread, so it is kept with the request. */
static void fail_early(struct request_state *rs, enum ll_err err)
{
	rs->req.early_err = err;
	rs->early_detail = *ll_error_get(err);
}

/* Each server thread keeps one finished request's state, arena chunk included, for the next
 * request it starts: libmicrohttpd runs a connection's callbacks on the thread that owns it, so
 * a request ends on the thread it began on. The key's destructor frees the spare when a thread
 * exits. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static unsigned process_id;

static void spare_free(void *p)
{
	struct request_state *rs = p;
	arena_release(&rs->req.arena);
	free(rs);
}

static void spare_init(void)
{
	pthread_key_create(&spare_key, spare_free);
	process_id = (unsigned)getpid();
}

static struct request_state *request_state_new(void)
{
	struct request_state *rs = pthread_getspecific(spare_key);
	if (!rs)
		return calloc(1, sizeof(*rs));
	pthread_setspecific(spare_key, NULL);
	struct arena kept = rs->req.arena;
	memset(rs, 0, sizeof(*rs));
	rs->req.arena = kept;
	return rs;
}

static void request_state_done(struct request_state *rs)
{
	arena_reset(&rs->req.arena);
	if (!pthread_getspecific(spare_key) && pthread_setspecific(spare_key, rs) == 0)
		return;
	spare_free(rs);
}

static void *uri_log_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct server *srv = cls;
	struct request_state *rs = request_state_new();
	if (!rs)
		return NULL;
	bool is_reused = rs->req.arena.head != NULL;
	rs->srv = srv;
	rs->req.app = srv->app;
	rs->req.conn = conn;
	rs->req.started_us = clock_mono_us();
	rs->req.status = 500;
	if (!is_reused)
		arena_init(&rs->req.arena, REQUEST_ARENA_CAP);
	uint64_t n = atomic_fetch_add(&request_counter, 1) + 1;
	snprintf(rs->req.request_id, sizeof(rs->req.request_id), "%08x%012llx", process_id, (unsigned long long)n);
	rs->uri_len = strlen(uri);
	if (rs->uri_len > srv->opt.max_url_bytes)
		fail_early(rs, ll_fail(LL_URL_TOO_LONG, "url", "URL longer than %zu bytes", srv->opt.max_url_bytes));
	return rs;
}

static void client_ip(struct request_state *rs)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(rs->req.conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	rs->ip_buf[0] = '\0';
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, rs->ip_buf, sizeof(rs->ip_buf));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, rs->ip_buf, sizeof(rs->ip_buf));
	}
	rs->req.ip = rs->ip_buf;
}

const char *http_param(const struct http_req *req, const char *name)
{
	for (int i = 0; i < req->n_params; i++)
		if (strcmp(req->param_names[i], name) == 0)
			return req->param_values[i];
	return NULL;
}

static const char *override_of(const struct http_req *req, const char *name, bool is_header)
{
	for (int i = 0; i < req->n_overrides; i++)
		if (req->override_is_header[i] == is_header &&
		    (is_header ? strcasecmp(req->override_names[i], name) == 0 : strcmp(req->override_names[i], name) == 0))
			return req->override_values[i];
	return NULL;
}

const char *http_query(const struct http_req *req, const char *name)
{
	if (req->is_query_replaced)
		return override_of(req, name, false);
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(const struct http_req *req, const char *name)
{
	const char *v = override_of(req, name, true);
	bool is_replaced = strcasecmp(name, "Content-Type") == 0 || strcasecmp(name, "Content-Length") == 0;
	if (v && is_replaced)
		return v;
	const char *own = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
	return own ? own : v;
}

enum ll_err http_override(struct http_req *req, const char *name, const char *value, bool is_header)
{
	if (req->n_overrides == (int)(sizeof(req->override_names) / sizeof(req->override_names[0])))
		return ll_fail(LL_OUT_OF_RANGE, name, "too many parameters");
	req->override_names[req->n_overrides] = name;
	req->override_values[req->n_overrides] = value;
	req->override_is_header[req->n_overrides] = is_header;
	req->n_overrides++;
	if (!is_header)
		req->is_query_replaced = true;
	return LL_OK;
}

void http_reroute(struct http_req *req, const char *method)
{
	req->reroute_method = method;
}

void http_replace_body(struct http_req *req, char *body, size_t len)
{
	free(req->body);
	req->body = body;
	req->body_len = len;
}

const char *http_cookie(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

struct names_visit {
	const char *const *allowed;
	const char *bad;
	bool is_repeated;
	const char *seen[32];
	int n_seen;
};

static enum MHD_Result name_visit(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	(void)value;
	struct names_visit *v = cls;
	if (v->bad)
		return MHD_YES;
	bool is_known = false;
	for (int i = 0; v->allowed[i] && !is_known; i++)
		is_known = strcmp(v->allowed[i], key) == 0;
	if (!is_known)
		v->bad = key;
	for (int i = 0; i < v->n_seen && !v->bad; i++)
		if (strcmp(v->seen[i], key) == 0) {
			v->bad = key;
			v->is_repeated = true;
		}
	if (v->n_seen < 32)
		v->seen[v->n_seen++] = key;
	return MHD_YES;
}

enum ll_err http_query_only(const struct http_req *req, const char *const *allowed)
{
	struct names_visit v = { .allowed = allowed };
	if (req->is_query_replaced) {
		for (int i = 0; i < req->n_overrides; i++)
			if (!req->override_is_header[i])
				name_visit(&v, MHD_GET_ARGUMENT_KIND, req->override_names[i], req->override_values[i]);
	} else {
		MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, name_visit, &v);
	}
	if (!v.bad)
		return LL_OK;
	return v.is_repeated ? ll_fail(LL_BAD_QUERY, v.bad, "%.64s is given twice", v.bad)
			     : ll_fail(LL_BAD_QUERY, v.bad, "this resource has no parameter %.64s", v.bad);
}

enum ll_err http_query_int(const struct http_req *req, const char *name, int64_t dflt, int64_t min, int64_t max,
			   int64_t *ret_value)
{
	const char *s = http_query(req, name);
	if (!s || !*s) {
		*ret_value = dflt;
		return LL_OK;
	}
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || v < min || v > max)
		return ll_fail(LL_BAD_QUERY, name, "%s must be an integer between %lld and %lld", name,
			       (long long)min, (long long)max);
	*ret_value = v;
	return LL_OK;
}

enum ll_err http_body(struct http_req *req, void *in, json_t **ret_root)
{
	const char *ct = http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	/* "application/json", optionally followed by parameters ("; charset=utf-8"). */
	size_t n = ct ? strcspn(ct, "; \t") : 0;
	if (!ct || n != 16 || strncasecmp(ct, "application/json", 16) != 0)
		return ll_fail(LL_UNSUPPORTED_MEDIA, "Content-Type", "body must be sent as application/json");
	json_t *root;
	enum ll_err err = json_parse(req->body ? req->body : "", req->body_len, JSON_BODY_DEPTH, &root);
	if (err != LL_OK)
		return err;
	if (req->route->body_spec) {
		err = json_decode(root, req->route->body_spec, in);
		if (err != LL_OK) {
			json_decref(root);
			return err;
		}
	}
	*ret_root = root;
	return LL_OK;
}

void http_reply(struct http_req *req, int status, json_t *body)
{
	if (req->reply_json)
		json_decref(req->reply_json);
	req->status = status;
	req->reply_json = body;
	req->reply_raw = NULL;
}

void http_reply_empty(struct http_req *req, int status)
{
	http_reply(req, status, NULL);
}

enum ll_err http_reply_download(struct http_req *req, const char *content_type, const struct buf *b,
				const char *filename)
{
	const char *copy = b->len ? arena_memdup(&req->arena, b->data, b->len) : "";
	char *disposition = arena_printf(&req->arena, "attachment; filename=\"%s\"", filename);
	if (!copy || !disposition)
		return ll_fail(LL_ARENA_FULL, NULL, "the download is larger than a request may hold");
	http_reply_raw(req, 200, content_type, copy, b->len);
	http_add_header(req, "Content-Disposition", disposition);
	return LL_OK;
}

void http_reply_raw(struct http_req *req, int status, const char *content_type, const char *body, size_t len)
{
	http_reply(req, status, NULL);
	req->content_type = content_type;
	req->reply_raw = body;
	req->reply_raw_len = len;
}

void http_add_header(struct http_req *req, const char *name, const char *value)
{
	if (req->n_headers < (int)(sizeof(req->header_names) / sizeof(req->header_names[0]))) {
		req->header_names[req->n_headers] = name;
		req->header_values[req->n_headers] = value;
		req->n_headers++;
	}
}

bool http_caller_is(const struct http_req *req, unsigned mask)
{
	return req->caller.is_authenticated && (req->caller.role & mask) != 0;
}

static void add_common_headers(struct MHD_Response *resp, struct http_req *req)
{
	MHD_add_response_header(resp, "X-Request-Id", req->request_id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	for (int i = 0; i < req->n_headers; i++)
		MHD_add_response_header(resp, req->header_names[i], req->header_values[i]);
}

static enum MHD_Result queue_error(struct request_state *rs, enum ll_err err)
{
	struct http_req *req = &rs->req;
	const struct ll_error *e = ll_error_get(err);
	json_t *inner = json_pack("{s:s, s:s}", "code", ll_err_code(err), "message", e->message);
	if (e->field[0])
		json_object_set_new(inner, "field", json_string(e->field));
	http_reply(req, ll_err_http_status(err), json_pack("{s:o}", "error", inner));
	if (err == LL_METHOD_NOT_ALLOWED && rs->allow)
		http_add_header(req, "Allow", rs->allow);
	if (err == LL_BUSY || err == LL_STORE_BUSY || ll_err_http_status(err) == 429)
		http_add_header(req, "Retry-After",
				arena_printf(&req->arena, "%d", e->retry_after_s > 0 ? e->retry_after_s : 5));
	if (err >= 500 && ll_err_http_status(err) >= 500)
		log_error("http", "request %s failed: %s", req->request_id, e->message);
	return MHD_YES;
}

static enum MHD_Result send_reply(struct request_state *rs)
{
	struct http_req *req = &rs->req;
	struct MHD_Response *resp;
	rs->is_answered = true;
	const struct route *own = req->route ? req->route : rs->sibling;
	if (own && own->decorate)
		own->decorate(req);
	if (own && own->is_cross_origin)
		http_add_header(req, "Access-Control-Allow-Origin", "*");
	/* A HEAD carried by another method (http_reroute): the headers of a GET, no body. */
	if (req->reroute_method && strcmp(req->reroute_method, "HEAD") == 0 && (req->reply_json || req->reply_raw)) {
		const char *type = req->reply_json ? (req->content_type ? req->content_type : "application/json")
						   : req->content_type;
		if (req->reply_json)
			json_decref(req->reply_json);
		req->reply_json = NULL;
		req->reply_raw = "";
		req->reply_raw_len = 0;
		req->content_type = type;
	}
	if (req->reply_json) {
		size_t len = 0;
		struct buf b;
		buf_init(&b);
		char *text = NULL;
		if (json_dump_compact(req->reply_json, &b))
			text = buf_steal(&b, &len);
		buf_release(&b);
		resp = MHD_create_response_from_buffer(text ? len : 0, text, MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					req->content_type ? req->content_type : "application/json; charset=utf-8");
		/* Answers are not stored unless the handler says how long they may be. */
		bool has_cache_control = false;
		for (int i = 0; i < req->n_headers; i++)
			has_cache_control |= strcasecmp(req->header_names[i], MHD_HTTP_HEADER_CACHE_CONTROL) == 0;
		if (!has_cache_control)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	} else if (req->reply_raw) {
		resp = MHD_create_response_from_buffer(req->reply_raw_len, (void *)req->reply_raw,
						       MHD_RESPMEM_PERSISTENT);
		if (req->content_type)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
	} else {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		return MHD_NO;
	add_common_headers(resp, req);
	/* Said, so that a client reusing connections stops before this server closes an idle one,
	 * instead of sending a request into a connection being closed. */
	MHD_add_response_header(resp, "Keep-Alive", rs->srv->keep_alive);
	enum MHD_Result r = MHD_queue_response(req->conn, (unsigned)req->status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* Decides whether the caller may run the route, authenticating it first. */
static enum ll_err admit(struct http_req *req)
{
	const struct route *r = req->route;
	enum ll_err err = http_authenticate(req);
	if (err != LL_OK)
		return err;
	if (r->roles == 0)
		return LL_OK;
	if (!req->caller.is_authenticated)
		return ll_fail(LL_UNAUTHENTICATED, NULL, "sign-in required");
	if (!(req->caller.role & r->roles))
		return ll_fail(LL_FORBIDDEN, NULL, "role %s may not %s %s", role_name(req->caller.role), r->method,
			      r->path);
	bool is_write = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
	if (is_write && req->caller.is_via_token && req->caller.is_read_only)
		return ll_fail(LL_TOKEN_SCOPE, NULL, "this API token may only read");
	return LL_OK;
}

void http_defer(struct http_req *req, void *state, enum ll_err (*on_suspended)(struct http_req *req),
		enum ll_err (*on_resumed)(struct http_req *req), void (*on_completed)(struct http_req *req))
{
	req->handler_state = state;
	req->on_suspended = on_suspended;
	req->on_resumed = on_resumed;
	req->on_completed = on_completed;
}

void http_resume(struct http_req *req)
{
	MHD_resume_connection(req->conn);
}

/* The handler deferred its answer: suspend, then let the work begin (never the other way round,
 * or the other thread could resume a connection that is not yet suspended). */
static enum MHD_Result suspend(struct request_state *rs)
{
	struct http_req *req = &rs->req;
	rs->is_suspended = true;
	MHD_suspend_connection(req->conn);
	enum ll_err err = req->on_suspended(req);
	if (err != LL_OK) {
		rs->deferred_err = err;
		rs->early_detail = *ll_error_get(err);
		MHD_resume_connection(req->conn);
	}
	return MHD_YES;
}

static enum MHD_Result resumed(struct request_state *rs)
{
	struct http_req *req = &rs->req;
	rs->is_suspended = false;
	ll_error_clear();
	enum ll_err err = rs->deferred_err;
	if (err != LL_OK)
		ll_fail(err, rs->early_detail.field[0] ? rs->early_detail.field : NULL, "%s", rs->early_detail.message);
	else
		err = req->on_resumed(req);
	if (err != LL_OK)
		queue_error(rs, err);
	return send_reply(rs);
}

/* The request is another method than it came as (http_reroute): its route is that method's. */
static enum ll_err reroute(struct request_state *rs)
{
	struct http_req *req = &rs->req;
	struct route_match m;
	enum ll_err err = router_match(routes, routes_count, req->reroute_method, req->path, &req->arena, &m);
	if (err == LL_METHOD_NOT_ALLOWED)
		return ll_fail(err, "method", "%s is not allowed here; allowed: %s", req->reroute_method, m.allow);
	if (err != LL_OK)
		return ll_fail(LL_NOT_FOUND, "path", "no route for %s %s", req->reroute_method, req->path);
	req->route = m.route;
	req->method = req->reroute_method;
	req->n_params = m.n_params;
	for (int i = 0; i < m.n_params; i++) {
		req->param_names[i] = m.param_names[i];
		req->param_values[i] = m.param_values[i];
	}
	return LL_OK;
}

static enum MHD_Result answer(struct request_state *rs)
{
	struct http_req *req = &rs->req;
	enum ll_err err = req->early_err;
	ll_error_clear();
	if (err != LL_OK)
		ll_fail(err, rs->early_detail.field[0] ? rs->early_detail.field : NULL, "%s", rs->early_detail.message);
	if (err == LL_OK && req->is_body_overflow)
		err = ll_fail(LL_BODY_TOO_LARGE, "body", "body larger than %zu bytes", req->route->max_body);
	if (err == LL_OK && !req->route) {
		/* No API route: the portal's files, if this is a GET outside the API. */
		err = static_serve(req);
		if (err == LL_OK)
			return send_reply(rs);
	}
	if (err == LL_OK && req->route->check)
		err = req->route->check(req);
	if (err == LL_OK && rs->is_tentative && !req->reroute_method)
		err = ll_fail(LL_METHOD_NOT_ALLOWED, NULL, "%s is not allowed here; allowed: %s", req->method, rs->allow);
	if (err == LL_OK && req->reroute_method)
		err = reroute(rs);
	if (err == LL_OK)
		err = admit(req);
	if (err == LL_OK) {
		if (req->arena.is_full)
			err = ll_fail(LL_ARENA_FULL, NULL, NULL);
		else
			err = req->route->handler(req);
		if (err == LL_OK && req->arena.is_full)
			err = ll_fail(LL_ARENA_FULL, NULL, NULL);
		if (err == LL_OK && req->on_suspended)
			return suspend(rs);
	}
	if (err != LL_OK)
		queue_error(rs, err);
	return send_reply(rs);
}

static enum MHD_Result count_header_bytes(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	*(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
	return MHD_YES;
}

static enum ll_err preflight(struct http_req *req)
{
	http_reply(req, 204, NULL);
	return LL_OK;
}

/* The answer to a CORS preflight of a route that any origin may call. */
static const struct route PREFLIGHT = { "OPTIONS", NULL, preflight, 0, .is_csrf_exempt = true, .is_hidden = true,
					.is_cross_origin = true, .ok_status = 204 };

static enum MHD_Result first_call(struct request_state *rs, const char *url, const char *method)
{
	struct http_req *req = &rs->req;
	rs->is_started = true;
	client_ip(rs);
	req->method = arena_strdup(&req->arena, method);
	req->path = arena_strdup(&req->arena, url);
	if (req->early_err != LL_OK)
		return MHD_YES;
	/* libmicrohttpd refuses only what overflows its connection pool, which is larger than the
	 * cap (it also holds the reply); the cap itself is enforced here. */
	size_t header_bytes = strlen(method) + rs->uri_len + sizeof(" HTTP/1.1\r\n");
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, count_header_bytes, &header_bytes);
	if (header_bytes > rs->srv->opt.max_header_bytes) {
		fail_early(rs, ll_fail(LL_HEADERS_TOO_LARGE, "headers", "request line and headers larger than %zu bytes",
				       rs->srv->opt.max_header_bytes));
		return MHD_YES;
	}
	struct route_match m;
	enum ll_err err = router_match(routes, routes_count, method, url, &req->arena, &m);
	if (err == LL_OK) {
		req->route = m.route;
		req->n_params = m.n_params;
		for (int i = 0; i < m.n_params; i++) {
			req->param_names[i] = m.param_names[i];
			req->param_values[i] = m.param_values[i];
		}
	} else if (err == LL_METHOD_NOT_ALLOWED && strcmp(method, "POST") == 0 && m.sibling && m.sibling->check &&
		   http_query(req, "method")) {
		/* A POST that names another method (?method=, xAPI's alternate syntax) to a path whose
		 * routes check their requests: the check reroutes it, or the answer is 405 after all. */
		rs->allow = arena_strdup(&req->arena, m.allow);
		rs->sibling = m.sibling;
		rs->is_tentative = true;
		req->route = m.sibling;
		req->n_params = 0;
	} else if (err == LL_METHOD_NOT_ALLOWED && strcmp(method, "OPTIONS") == 0 && m.sibling->is_cross_origin) {
		/* A browser asks (CORS preflight) whether a page of another origin may call the path. */
		req->route = &PREFLIGHT;
		http_add_header(req, "Access-Control-Allow-Methods", arena_strdup(&req->arena, m.allow));
		http_add_header(req, "Access-Control-Allow-Headers", "Content-Type");
		http_add_header(req, "Access-Control-Max-Age", "86400");
	} else if (err == LL_METHOD_NOT_ALLOWED) {
		rs->allow = arena_strdup(&req->arena, m.allow);
		rs->sibling = m.sibling;
		fail_early(rs, ll_fail(err, NULL, "%s is not allowed here; allowed: %s", method, m.allow));
		return MHD_YES;
	} else if (strncmp(url, "/api/", 5) == 0 || !req->app->web_dir ||
		   (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)) {
		fail_early(rs, ll_fail(LL_NOT_FOUND, "path", "no route for %s %s", method, url));
		return MHD_YES;
	}
	/* Refuse a declared body over the route's cap before reading any of it; a GET, HEAD or DELETE
	 * that takes none reads one and ignores it, as HTTP gives it no meaning. */
	const char *cl = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	size_t cap = rs->is_tentative ? TENTATIVE_BODY_MAX : req->route ? req->route->max_body : 0;
	bool is_bodiless = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || strcmp(method, "DELETE") == 0;
	rs->is_body_ignored = cap == 0 && is_bodiless;
	if (cl && strtoull(cl, NULL, 10) > cap && !rs->is_body_ignored)
		fail_early(rs, ll_fail(LL_BODY_TOO_LARGE, "body", "body larger than %zu bytes", cap));
	rs->body_cap = cap;
	return MHD_YES;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_data_size,
				 void **con_cls)
{
	struct request_state *rs = *con_cls;
	if (!rs)
		return MHD_NO; /* out of memory in the URI callback */
	if (rs->is_answered)
		return MHD_YES;
	if (rs->is_suspended)
		return resumed(rs);
	if (!rs->is_started)
		return first_call(rs, url, method);
	if (*upload_data_size > 0) {
		struct http_req *req = &rs->req;
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (req->early_err != LL_OK || req->is_body_overflow || rs->is_body_ignored)
			return MHD_YES; /* discard: the answer is already decided, or needs no body */
		if (req->body_len + n > rs->body_cap) {
			req->is_body_overflow = true;
			return MHD_YES;
		}
		char *grown = realloc(req->body, req->body_len + n + 1);
		if (!grown)
			return MHD_NO;
		memcpy(grown + req->body_len, upload_data, n);
		req->body = grown;
		req->body_len += n;
		req->body[req->body_len] = '\0';
		return MHD_YES;
	}
	return answer(rs);
}

/* Portal pages whose path carries a secret (a share's link token): logged up to the prefix. */
static const char *const SECRET_PAGES[] = { "/s/", NULL };

/* The path as the access log may hold it: without a secret it carries. */
static const char *loggable_path(const struct http_req *req)
{
	if (req->route && req->route->is_path_secret)
		return req->route->path;
	for (int i = 0; req->path && !req->route && SECRET_PAGES[i]; i++)
		if (strncmp(req->path, SECRET_PAGES[i], strlen(SECRET_PAGES[i])) == 0)
			return SECRET_PAGES[i];
	return req->path ? req->path : "";
}

static void access_log_line(struct request_state *rs, int64_t duration_us)
{
	struct http_req *req = &rs->req;
	char ts[32], path[600], method[48], line[1200], caller[160] = "";
	clock_format_rfc3339(clock_now_us(), ts);
	log_json_escape(path, sizeof(path), loggable_path(req));
	log_json_escape(method, sizeof(method), req->method ? req->method : "");
	if (req->caller.is_authenticated)
		snprintf(caller, sizeof(caller), ",\"caller\":\"%s\",\"role\":\"%s\"", req->caller.user_id,
			 role_name(req->caller.role));
	/* Route, id and address come from the route table or the socket; what the client sent is escaped. */
	int n = snprintf(line, sizeof(line),
			 "{\"time\":\"%s\",\"request_id\":\"%s\",\"method\":\"%s\",\"route\":\"%s\","
			 "\"path\":\"%s\",\"status\":%d,\"duration_us\":%lld,\"ip\":\"%s\"%s}",
			 ts, req->request_id, method,
			 req->route ? req->route->path : "", path, req->status, (long long)duration_us,
			 req->ip ? req->ip : "", caller);
	if (n > 0 && (size_t)n < sizeof(line))
		log_access_line(line);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct request_state *rs = *con_cls;
	if (!rs)
		return;
	struct http_req *req = &rs->req;
	int64_t duration = clock_mono_us() - req->started_us;
	if (!rs->is_answered)
		req->status = 499; /* the client went away or timed out before an answer */
	if (rs->is_started) {
		size_t idx = req->route ? (size_t)(req->route - routes) : routes_count;
		metrics_record(req->app->metrics, idx, req->status, duration);
		access_log_line(rs, duration);
	}
	if (req->on_completed)
		req->on_completed(req);
	if (req->reply_json)
		json_decref(req->reply_json);
	free(req->body);
	request_state_done(rs);
	*con_cls = NULL;
}

static enum ll_err parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *ret_len)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	if (!colon || strlen(listen) >= sizeof(host))
		return ll_fail(LL_CONFIG, "listen", "listen address must be HOST:PORT");
	long port = strtol(colon + 1, NULL, 10);
	if (port < 0 || port > 65535)
		return ll_fail(LL_CONFIG, "listen", "port out of range");
	size_t hlen = (size_t)(colon - listen);
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		if (hlen < 2 || host[hlen - 1] != ']')
			return ll_fail(LL_CONFIG, "listen", "bad IPv6 address");
		host[hlen - 1] = '\0';
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return ll_fail(LL_CONFIG, "listen", "bad IPv6 address");
		*ret_len = sizeof(*a6);
		return LL_OK;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	if (hlen == 0 || strcmp(host, "*") == 0)
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (strcmp(host, "localhost") == 0)
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return ll_fail(LL_CONFIG, "listen", "bad IPv4 address '%s'", host);
	*ret_len = sizeof(*a4);
	return LL_OK;
}

enum ll_err server_start(struct app *app, const struct server_options *opt, struct server **ret_server)
{
	enum ll_err err = LL_OK;
	struct sockaddr_storage ss;
	socklen_t sslen;
	pthread_once(&spare_once, spare_init);
	struct server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return ll_fail(LL_NOMEM, NULL, NULL);
	srv->app = app;
	srv->opt = *opt;
	if (!srv->opt.threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		srv->opt.threads = n > 0 ? (unsigned)n : 2;
	}
	if (!srv->opt.max_connections)
		srv->opt.max_connections = 1024;
	if (!srv->opt.max_per_ip)
		srv->opt.max_per_ip = 256;
	if (!srv->opt.timeout_s)
		srv->opt.timeout_s = 30;
	snprintf(srv->keep_alive, sizeof(srv->keep_alive), "timeout=%u", srv->opt.timeout_s);
	if (!srv->opt.max_header_bytes)
		srv->opt.max_header_bytes = 16 * 1024;
	if (!srv->opt.max_url_bytes)
		srv->opt.max_url_bytes = 2048;
	err = parse_listen(srv->opt.listen, &ss, &sslen);
	if (err != LL_OK)
		goto out;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The connection's memory pool holds the request line and headers; its size is the header cap
	 * (libmicrohttpd answers 431 or 414 itself past it). Bodies are copied out as they arrive. */
	srv->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, access_cb, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, srv->opt.threads, MHD_OPTION_CONNECTION_LIMIT, srv->opt.max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->opt.max_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
		srv->opt.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, srv->opt.max_header_bytes + 4096,
		MHD_OPTION_URI_LOG_CALLBACK, uri_log_cb, srv, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, srv,
		MHD_OPTION_END);
	if (!srv->daemon) {
		err = ll_fail(LL_CONFIG, "listen", "cannot listen on %s", srv->opt.listen);
		goto out;
	}
	app->daemon = srv->daemon;
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : 0;
	*ret_server = srv;
	srv = NULL;
out:
	free(srv);
	return err;
}

struct server *server_stop(struct server *srv)
{
	if (!srv)
		return NULL;
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	free(srv);
	return NULL;
}

uint16_t server_port(const struct server *srv)
{
	return srv->port;
}
