/*
 * libFuzzer target for routing: the input is "METHOD PATH" (split at the first space or
 * newline; no separator means GET), matched against THE route table with a request-sized arena.
 * A match must rebuild the path exactly from its pattern and captured parameters; a 405 must
 * name methods; nothing may read past the path's end. Also checks the static-file path guard.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"
#include "http/static.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz_router: property failed: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                         \
		}                                                                        \
	} while (0)

static struct arena g_arena;
static int g_is_ready;

/* Rebuilds a path from a route's pattern and the captured values; true if it equals path. */
static bool rebuilds(const struct route_match *m, const char *path)
{
	char out[8192];
	size_t n = 0;
	int k = 0;
	for (const char *p = m->route->path; *p;) {
		if (*p == '{') {
			const char *end = strchr(p, '}');
			CHECK(end && k < m->n_params);
			CHECK(strlen(m->param_names[k]) == (size_t)(end - p - 1));
			CHECK(memcmp(m->param_names[k], p + 1, (size_t)(end - p - 1)) == 0);
			size_t len = strlen(m->param_values[k]);
			CHECK(len > 0 && !strchr(m->param_values[k], '/'));
			if (n + len >= sizeof(out))
				return false;
			memcpy(out + n, m->param_values[k], len);
			n += len;
			k++;
			p = end + 1;
		} else {
			if (n + 1 >= sizeof(out))
				return false;
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	CHECK(k == m->n_params);
	return strcmp(out, path) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_is_ready) {
		arena_init(&g_arena, 4u << 20); /* the server's request arena cap */
		g_is_ready = 1;
	}
	arena_reset(&g_arena);
	/* Exact-size copies, so that reading one byte past either string is caught. */
	size_t split = 0;
	while (split < size && data[split] != ' ' && data[split] != '\n')
		split++;
	bool has_method = split < size;
	size_t mlen = has_method ? split : 3;
	size_t plen = has_method ? size - split - 1 : size;
	char *method = malloc(mlen + 1);
	char *path = malloc(plen + 1);
	memcpy(method, has_method ? (const char *)data : "GET", mlen);
	method[mlen] = '\0';
	memcpy(path, has_method ? (const char *)data + split + 1 : (const char *)data, plen);
	path[plen] = '\0';

	struct route_match m;
	enum ll_err err = router_match(routes, routes_count, method, path, &g_arena, &m);
	switch (err) {
	case LL_OK:
		CHECK(m.route >= routes && m.route < routes + routes_count);
		CHECK(strcmp(m.route->method, method) == 0 ||
		      (strcmp(method, "HEAD") == 0 && strcmp(m.route->method, "GET") == 0));
		CHECK(m.n_params >= 0 && m.n_params <= HTTP_MAX_PARAMS);
		CHECK(path[0] == '/');
		CHECK(rebuilds(&m, path));
		break;
	case LL_METHOD_NOT_ALLOWED:
		CHECK(m.route == NULL);
		CHECK(memchr(m.allow, '\0', sizeof(m.allow)) != NULL);
		CHECK(m.allow[0] != '\0');
		break;
	case LL_NOT_FOUND:
		CHECK(m.route == NULL);
		break;
	default:
		CHECK(!"router_match returned an unexpected code");
	}

	if (static_path_is_safe(path)) {
		CHECK(path[0] == '/');
		CHECK(!strstr(path, ".."));
		CHECK(!strchr(path, '\\'));
	}
	free(method);
	free(path);
	return 0;
}
