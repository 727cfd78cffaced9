/*
 * Route matching by path segments: a "{name}" segment matches any one non-empty segment and
 * captures it. A literal segment wins over a parameter only by table order, so the table lists
 * literal paths before parameterised siblings.
 */
#include "router.h"

#include <string.h>

/* Compares one segment of the pattern with one of the path; captures a parameter. */
static bool segment_matches(const char *pat, size_t plen, const char *seg, size_t slen)
{
	if (plen >= 2 && pat[0] == '{' && pat[plen - 1] == '}')
		return slen > 0;
	return plen == slen && memcmp(pat, seg, slen) == 0;
}

static bool path_matches(const char *pattern, const char *path, struct arena *arena, struct route_match *m)
{
	const char *p = pattern, *q = path;
	int n_params = 0;
	for (;;) {
		if (*p != '/' || *q != '/')
			return *p == '\0' && *q == '\0';
		p++;
		q++;
		size_t plen = strcspn(p, "/"), qlen = strcspn(q, "/");
		if (!segment_matches(p, plen, q, qlen))
			return false;
		if (p[0] == '{') {
			if (n_params >= HTTP_MAX_PARAMS)
				return false;
			if (arena) {
				m->param_names[n_params] = arena_strndup(arena, p + 1, plen - 2);
				m->param_values[n_params] = arena_strndup(arena, q, qlen);
				if (!m->param_names[n_params] || !m->param_values[n_params])
					return false;
			}
			n_params++;
		}
		p += plen;
		q += qlen;
		if (*p == '\0' && *q == '\0') {
			m->n_params = n_params;
			return true;
		}
	}
}

/* True if the comma-separated list holds method as a whole word. */
static bool allow_has(const char *list, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && memcmp(p, method, n) == 0)
			return true;
		p += len;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return false;
}

enum ll_err router_match(const struct route *table, size_t n, const char *method, const char *path,
			 struct arena *arena, struct route_match *ret)
{
	memset(ret, 0, sizeof(*ret));
	bool is_path_known = false;
	size_t allow_len = 0;
	if (path[0] != '/')
		return LL_NOT_FOUND;
	for (size_t i = 0; i < n; i++) {
		const struct route *r = &table[i];
		struct route_match m = { 0 };
		if (!path_matches(r->path, path, NULL, &m))
			continue;
		bool is_same_method = strcmp(r->method, method) == 0 ||
				      (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0);
		if (is_same_method) {
			path_matches(r->path, path, arena, ret);
			ret->route = r;
			return LL_OK;
		}
		is_path_known = true;
		if (!ret->sibling)
			ret->sibling = r;
		size_t mlen = strlen(r->method);
		if (!allow_has(ret->allow, r->method) && allow_len + mlen + 3 < sizeof(ret->allow)) {
			if (allow_len) {
				memcpy(ret->allow + allow_len, ", ", 2);
				allow_len += 2;
			}
			memcpy(ret->allow + allow_len, r->method, mlen);
			allow_len += mlen;
			ret->allow[allow_len] = '\0';
		}
	}
	return is_path_known ? LL_METHOD_NOT_ALLOWED : LL_NOT_FOUND;
}
