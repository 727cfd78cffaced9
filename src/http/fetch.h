/*
 * Fetching a document from another server (another issuer's did:web document or status list):
 * GET over HTTPS only, no redirects, a time limit and a size limit, and never to an address of
 * this machine or a private network unless its host was named as allowed (a city's own network,
 * tests on loopback), so that a credential cannot make the server reach inside.
 */
#ifndef LL_FETCH_H
#define LL_FETCH_H

#include <stddef.h>

#include "../base/ll_err.h"

struct fetch_policy {
	const char *const *local_hosts;  /* hosts (no port) that may be fetched over http and on any address */
	int n_local_hosts;
	long timeout_ms;                 /* 0: 5000 */
	size_t max_bytes;                /* 0: 256 KiB */
};

#define FETCH_HEADERS_MAX 24

struct fetched {
	char *body;                      /* malloc'd, NUL after len bytes */
	size_t len;
	long max_age_s;                  /* Cache-Control max-age; -1 when not said */
	long status;                     /* fetch_request: the answer's status */
	int n_headers;                   /* fetch_request: the answer's header fields, names lowercase */
	char *header_names[FETCH_HEADERS_MAX];
	char *header_values[FETCH_HEADERS_MAX];
};

/* A request to make: method (GET when NULL), url, header lines ("Name: value"), and a body. */
struct fetch_in {
	const char *method;
	const char *url;
	const char *const *headers;
	int n_headers;
	const void *body;
	size_t body_len;
};

/* Starts libcurl; once per process, before threads. */
enum ll_err fetch_init(void);
/* Whether url's host is one of p's local hosts. */
int fetch_is_local_host(const struct fetch_policy *p, const char *host, size_t len);
/* GETs url with Accept: accept. A 200 answer fills *ret (release with fetch_release); any other
 * status, a refused address or scheme, a time-out or an answer over the limit is LL_IO with the
 * reason. */
enum ll_err fetch_get(const struct fetch_policy *p, const char *url, const char *accept, struct fetched *ret);
/* Makes in under p as fetch_get does, but answers whatever status came (ret->status) with its
 * body and header fields; LL_IO only when no answer came or it broke a limit. */
enum ll_err fetch_request(const struct fetch_policy *p, const struct fetch_in *in, struct fetched *ret);
/* The value of an answer's header field name (lowercase), or NULL. */
const char *fetched_header(const struct fetched *f, const char *name);
void fetch_release(struct fetched *f);

#endif
