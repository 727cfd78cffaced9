/*
 * What a module's HTTP handler sees of a request: its path parameters, query, decoded body,
 * the authenticated caller and an arena, and the calls that set the reply. The server
 * (server.c) owns the request; handlers allocate from req->arena and free nothing by hand.
 */
#ifndef LL_HTTP_H
#define LL_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../auth/roles.h"
#include "../base/arena.h"
#include "../base/json.h"
#include "../base/ll_err.h"

struct ll_store;
struct ll_keys;
struct metrics;
struct pw_gate;
struct user;
struct lrs_service;
struct cred_issuer;
struct guess_limit;
struct cred_resolver;
struct fetch_policy;

/* What the server process shares with every handler. Read-only after start-up. */
struct app {
	struct ll_store *st;
	struct ll_keys *keys;
	const char *web_dir;           /* built portal, or NULL */
	bool is_cookie_secure;         /* add Secure to cookies (behind TLS) */
	struct metrics *metrics;
	struct pw_gate *pw_gate;       /* bounds concurrent password hashing */
	void *daemon;                  /* struct MHD_Daemon *, for connection counts */
	struct lrs_service *lrs;       /* the learning record store's writer and caches */
	const struct cred_issuer *issuer; /* who signs credentials, at the city's public address */
	struct guess_limit *share_guesses; /* unknown share links asked for, per address */
	struct cred_resolver *resolver; /* other issuers' published keys and status lists */
	const struct fetch_policy *fetch; /* what may be fetched from where (other issuers, peers) */
	const char *node_id;           /* this credit bank's node in the federation (SH) */
};

/* The authenticated party of a request. Strings are arena-owned. */
struct caller {
	bool is_authenticated;
	enum role role;
	const char *user_id;
	const char *login;
	const char *display_name;
	const char *institution_id;    /* NULL unless staff of an institution */
	const char *district_code;     /* NULL unless a district office */
	const char *person_id;         /* NULL unless a citizen */
	bool is_elder_mode;
	const char *locale;
	const char *csrf_token;        /* session's CSRF token; NULL for API tokens */
	bool is_via_token;             /* authenticated by an API token, not a cookie */
	bool is_read_only;             /* API token with read scope */
	const struct user *user;       /* the whole user row, arena-owned */
};

#define HTTP_MAX_PARAMS 4

struct route;

struct http_req {
	struct app *app;
	void *conn;                    /* struct MHD_Connection * */
	const struct route *route;
	struct arena arena;
	const char *method;
	const char *path;              /* without the query string */
	const char *ip;
	char request_id[24];
	int n_params;
	const char *param_names[HTTP_MAX_PARAMS];
	const char *param_values[HTTP_MAX_PARAMS];
	char *body;                    /* NUL-terminated, heap; freed by the server */
	size_t body_len;
	struct caller caller;
	int64_t started_us;
	/* The reply. */
	int status;
	json_t *reply_json;            /* owned reference; dumped by the server */
	const char *reply_raw;         /* arena-owned alternative body */
	size_t reply_raw_len;
	const char *content_type;
	int n_headers;
	const char *header_names[10];
	const char *header_values[10];
	/* Error state set before the handler runs (limits, routing). */
	enum ll_err early_err;
	bool is_body_overflow;
	/* Headers and query parameters that stand in for the request's own (see http_override). */
	int n_overrides;
	const char *override_names[24];
	const char *override_values[24];
	bool override_is_header[24];
	bool is_query_replaced;
	const char *reroute_method;    /* set by a route's check: route the request anew, as this method */
	/* Work a handler hands to another thread (see http_defer). */
	enum ll_err (*on_suspended)(struct http_req *req);
	enum ll_err (*on_resumed)(struct http_req *req);
	void (*on_completed)(struct http_req *req);
	void *handler_state;
};

typedef enum ll_err (*http_handler)(struct http_req *req);

/* Token scope a route needs: reading routes accept read tokens. */
enum route_scope { SCOPE_READ, SCOPE_WRITE };

struct route {
	const char *method;
	const char *path;                   /* "/api/v1/institutions/{id}/staff" */
	http_handler handler;
	unsigned roles;                     /* bits of enum role; 0 means public */
	size_t max_body;                    /* bytes; 0 means no body is accepted */
	const char *tag;
	const char *summary;
	const struct json_field *body_spec; /* request body, for decoding and the API description */
	const char *body_schema;            /* a JSON body decoded by the handler: its schema's name in ops.c */
	const char *body_media;             /* a raw body: its media types, "application/pdf, image/png" */
	const char *response;               /* name of the response schema in openapi.c, or NULL */
	int ok_status;                      /* 200 unless given */
	bool is_csrf_exempt;                /* sign-in: no session exists yet */
	bool is_hidden;                     /* not part of the API description (static files) */
	/* Any web page may call it (public documents, verifying): its replies say
	 * Access-Control-Allow-Origin: *, and a CORS preflight (OPTIONS) of its path is answered. */
	bool is_cross_origin;
	bool is_path_secret;                /* its path carries a secret: logged as the route's template */
	/* A protocol of its own (xAPI): checks of the request that come before authentication (its
	 * error is the answer), authentication other than the portal's session or API token, and
	 * what every reply of the route carries (headers, the exact content type), errors too. */
	enum ll_err (*check)(struct http_req *req);
	enum ll_err (*authenticate)(struct http_req *req);
	void (*decorate)(struct http_req *req);
	const char *security;               /* the API description's security scheme for authenticate */
};

/* The route table (routes.c) and its length. */
extern const struct route routes[];
extern const size_t routes_count;

/* Path parameter by name ("id"), or NULL. */
const char *http_param(const struct http_req *req, const char *name);
/* Query argument by name, or NULL. Borrowed from the connection. */
const char *http_query(const struct http_req *req, const char *name);
/* Request header by name, or NULL. */
const char *http_header(const struct http_req *req, const char *name);
/* Cookie by name, or NULL. */
const char *http_cookie(const struct http_req *req, const char *name);

/* Parses the body as JSON and decodes it by the route's body_spec into in. *ret_root keeps the
 * decoded strings alive; the caller releases it with json_decref (NULL when in is not needed). */
enum ll_err http_body(struct http_req *req, void *in, json_t **ret_root);
/* LL_BAD_QUERY naming the first query parameter that is not one of allowed (NULL-ended; names
 * compared case-sensitively) or that is given twice. */
enum ll_err http_query_only(const struct http_req *req, const char *const *allowed);
/* Integer query argument with a default and inclusive bounds; LL_BAD_QUERY names it. */
enum ll_err http_query_int(const struct http_req *req, const char *name, int64_t dflt, int64_t min, int64_t max,
			   int64_t *ret_value);

/* Sets a JSON reply, taking ownership of body. */
void http_reply(struct http_req *req, int status, json_t *body);
/* Sets an empty reply (204). */
void http_reply_empty(struct http_req *req, int status);
/* Sets a raw reply; body is arena-owned or static. */
void http_reply_raw(struct http_req *req, int status, const char *content_type, const char *body, size_t len);
/* Replies 200 with the bytes of b (copied into the arena) as a download named filename (ASCII,
 * static); LL_ARENA_FULL when the arena cannot hold them. */
struct buf;
enum ll_err http_reply_download(struct http_req *req, const char *content_type, const struct buf *b,
				const char *filename);
/* Adds a response header (name and value arena-owned or static). */
void http_add_header(struct http_req *req, const char *name, const char *value);

/* Answers the request later, from work another thread does, without holding a server thread
 * while it waits. The handler sets state and returns LL_OK; the server then suspends the
 * connection and calls on_suspended(req), which hands the work over (its error, if it could not,
 * is the answer). The other thread calls http_resume(req) when done and touches req no more;
 * on_resumed(req) then runs on a server thread and sets the reply as a handler would.
 * on_completed(req), when given, runs when the request ends however it ends, to free state. */
void http_defer(struct http_req *req, void *state, enum ll_err (*on_suspended)(struct http_req *req),
		enum ll_err (*on_resumed)(struct http_req *req), void (*on_completed)(struct http_req *req));
/* Wakes a request that http_defer suspended; callable from any thread, once. */
void http_resume(struct http_req *req);

/* For a protocol that sends a request inside another (xAPI's alternate request syntax: a form
 * POSTed with ?method=): from a route's check, name a header (used when the request has no header
 * of that name; Content-Type and Content-Length replace the request's own) or a query parameter
 * (once one is given, the request's query is these and nothing else). name and value are
 * arena-owned or static. LL_OUT_OF_RANGE past 24. */
enum ll_err http_override(struct http_req *req, const char *name, const char *value, bool is_header);
/* From a route's check: the request is method (with the body, headers and query the check set),
 * and is routed anew before it is authenticated. */
void http_reroute(struct http_req *req, const char *method);
/* Replaces the request's body with body (heap memory, taken over) of len bytes. */
void http_replace_body(struct http_req *req, char *body, size_t len);

/* True if the caller holds any of the roles in mask. */
bool http_caller_is(const struct http_req *req, unsigned mask);

#endif
