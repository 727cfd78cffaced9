/*
 * GET with libcurl under a fetch_policy. The address check runs on every address curl is about to
 * connect to (its open-socket callback), after name resolution, so a name that resolves to a
 * private address is refused as the address itself would be.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "fetch.h"

enum ll_err fetch_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? LL_OK
								: ll_fail(LL_INTERNAL, NULL, "libcurl does not start");
}

int fetch_is_local_host(const struct fetch_policy *p, const char *host, size_t len)
{
	for (int i = 0; p && i < p->n_local_hosts; i++)
		if (strlen(p->local_hosts[i]) == len && strncasecmp(p->local_hosts[i], host, len) == 0)
			return 1;
	return 0;
}

/* Loopback, private (RFC 1918, RFC 4193), link-local, carrier-grade NAT, unspecified, multicast,
 * reserved and benchmarking ranges, and IPv6 forms that carry an IPv4 address (mapped,
 * compatible, NAT64, 6to4) judged by that address. */
static bool is_inside_v4(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 || (a >> 20) == (172 << 4 | 1) ||
	       (a >> 16) == (192 << 8 | 168) || (a >> 16) == (169 << 8 | 254) || (a >> 22) == (100 << 2 | 1) ||
	       (a >> 28) >= 14 || (a >> 8) == (192u << 16 | 0 << 8 | 0) || (a >> 17) == (198u << 7 | 18 >> 1);
}

static uint32_t v4_at(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool is_inside(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return is_inside_v4(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6) {
		const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const unsigned char ZERO[12] = { 0 };
		static const unsigned char MAPPED[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		static const unsigned char NAT64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
		if (memcmp(b, ZERO, 12) == 0 || memcmp(b, MAPPED, 12) == 0 || memcmp(b, NAT64, 12) == 0)
			return true; /* ::, ::1, IPv4-compatible and -mapped, NAT64: never a peer's own address */
		if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
			return true; /* 64:ff9b::/32, local NAT64 */
		if (b[0] == 0x20 && b[1] == 0x02)
			return is_inside_v4(v4_at(b + 2)); /* 6to4 */
		if (b[0] == 0xfe && (b[1] & 0x80) == 0x80)
			return true; /* fe80::/10 link-local, fec0::/10 site-local */
		if ((b[0] & 0xfe) == 0xfc || b[0] == 0xff)
			return true; /* fc00::/7, multicast */
		return false;
	}
	return true;
}

struct transfer {
	struct fetched *out;             /* header fields are kept here */
	bool is_local;                   /* the host is allowed anywhere */
	bool is_refused_address;
	size_t max_bytes;
	bool is_too_large;
	char *body;
	size_t len, cap;
	long max_age_s;
};

static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct transfer *t = ctx;
	if (purpose != CURLSOCKTYPE_IPCXN || (!t->is_local && is_inside(&addr->addr))) {
		t->is_refused_address = true;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;
	if (t->len + len > t->max_bytes) {
		t->is_too_large = true;
		return 0;
	}
	if (t->len + len + 1 > t->cap) {
		size_t cap = (t->len + len + 1) * 2;
		char *body = realloc(t->body, cap);
		if (!body)
			return 0;
		t->body = body;
		t->cap = cap;
	}
	memcpy(t->body + t->len, data, len);
	t->len += len;
	t->body[t->len] = '\0';
	return len;
}

/* Keeps a header field line of the final answer (a new status line starts them again). */
static void keep_header(struct fetched *f, const char *line, size_t len)
{
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		for (int i = 0; i < f->n_headers; i++) {
			free(f->header_names[i]);
			free(f->header_values[i]);
		}
		f->n_headers = 0;
		return;
	}
	const char *colon = memchr(line, ':', len);
	if (!colon || f->n_headers == FETCH_HEADERS_MAX)
		return;
	size_t name_len = (size_t)(colon - line);
	const char *v = colon + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	char *name = strndup(line, name_len), *value = strndup(v, (size_t)(end - v));
	if (!name || !value) {
		free(name);
		free(value);
		return;
	}
	for (char *c = name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	f->header_names[f->n_headers] = name;
	f->header_values[f->n_headers++] = value;
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;
	if (t->out)
		keep_header(t->out, line, len);
	if (len > 14 && strncasecmp(line, "cache-control:", 14) == 0) {
		char value[256];
		snprintf(value, sizeof(value), "%.*s", (int)(len - 14), line + 14);
		const char *m = strstr(value, "max-age=");
		if (m)
			t->max_age_s = strtol(m + 8, NULL, 10);
		if (strstr(value, "no-store") || strstr(value, "no-cache"))
			t->max_age_s = 0;
	}
	return len;
}

/* The host of url: after the scheme's "//", up to a port, path, query or fragment; an IPv6
 * literal without its brackets. False when the authority names a user or password (the host
 * would not be what it seems). */
static bool host_of(const char *url, const char **ret_host, size_t *ret_len)
{
	const char *h = strstr(url, "//");
	h = h ? h + 2 : url;
	size_t authority = strcspn(h, "/?#");
	if (memchr(h, '@', authority) || memchr(h, '\\', authority))
		return false;
	if (*h == '[') {
		const char *end = memchr(h, ']', authority);
		if (!end)
			return false;
		*ret_host = h + 1;
		*ret_len = (size_t)(end - h - 1);
		return true;
	}
	*ret_host = h;
	*ret_len = strcspn(h, ":/?#");
	return true;
}

/* Makes in; *ret holds the body, status and header fields of whatever answer came. */
static enum ll_err perform(const struct fetch_policy *p, const struct fetch_in *in, bool keep_headers,
			   struct fetched *ret)
{
	memset(ret, 0, sizeof(*ret));
	const char *url = in->url;
	const char *host;
	size_t host_len;
	if (!host_of(url, &host, &host_len))
		return ll_fail(LL_IO, "url", "an address with a user or password is not fetched");
	struct transfer t = { .out = keep_headers ? ret : NULL, .is_local = fetch_is_local_host(p, host, host_len),
			      .max_bytes = p && p->max_bytes ? p->max_bytes : 256 * 1024, .max_age_s = -1 };
	bool is_https = strncmp(url, "https://", 8) == 0;
	if (!is_https && !(t.is_local && strncmp(url, "http://", 7) == 0))
		return ll_fail(LL_IO, "url", "only https addresses are fetched: %.200s", url);
	CURL *c = curl_easy_init();
	if (!c)
		return LL_NOMEM;
	struct curl_slist *headers = NULL;
	for (int i = 0; i < in->n_headers; i++)
		headers = curl_slist_append(headers, in->headers[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, t.is_local ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	/* Straight to the address checked, never through a proxy the environment names. */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, p && p->timeout_ms ? p->timeout_ms : 5000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, p && p->timeout_ms ? p->timeout_ms : 5000L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "Lifelong");
	if (in->method && strcmp(in->method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, in->method);
	if (in->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, in->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)in->body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	enum ll_err err = LL_OK;
	if (t.is_refused_address)
		err = ll_fail(LL_IO, "url", "%.*s is an address inside this network; it is not fetched", (int)host_len, host);
	else if (t.is_too_large)
		err = ll_fail(LL_IO, "url", "the answer of %.200s is larger than %zu bytes", url, t.max_bytes);
	else if (rc != CURLE_OK)
		err = ll_fail(LL_IO, "url", "%.200s: %s", url, curl_easy_strerror(rc));
	if (err == LL_OK && !t.body && !(t.body = calloc(1, 1)))
		err = LL_NOMEM;
	ret->body = t.body;
	ret->len = t.len;
	ret->max_age_s = t.max_age_s;
	if (err != LL_OK)
		fetch_release(ret);
	return err;
}

enum ll_err fetch_request(const struct fetch_policy *p, const struct fetch_in *in, struct fetched *ret)
{
	return perform(p, in, true, ret);
}

enum ll_err fetch_get(const struct fetch_policy *p, const char *url, const char *accept, struct fetched *ret)
{
	char accept_header[128];
	snprintf(accept_header, sizeof(accept_header), "Accept: %s", accept ? accept : "*/*");
	const char *const headers[] = { accept_header };
	const struct fetch_in in = { .url = url, .headers = headers, .n_headers = 1 };
	enum ll_err err = perform(p, &in, false, ret);
	if (err == LL_OK && ret->status != 200) {
		err = ll_fail(LL_IO, "url", "%.200s answered %ld", url, ret->status);
		fetch_release(ret);
	}
	return err;
}

const char *fetched_header(const struct fetched *f, const char *name)
{
	for (int i = 0; i < f->n_headers; i++)
		if (strcmp(f->header_names[i], name) == 0)
			return f->header_values[i];
	return NULL;
}

void fetch_release(struct fetched *f)
{
	free(f->body);
	for (int i = 0; i < f->n_headers; i++) {
		free(f->header_names[i]);
		free(f->header_values[i]);
	}
	memset(f, 0, sizeof(*f));
}
