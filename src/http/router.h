/*
 * Matches a method and path against the route table. Pure: no I/O, no allocation beyond the
 * caller's arena, so the fuzzer and the unit tests call it directly.
 */
#ifndef LL_ROUTER_H
#define LL_ROUTER_H

#include "http.h"

#define ROUTER_MAX_SEGMENTS 16
#define ROUTER_MAX_ALLOW 96

struct route_match {
	const struct route *route;
	int n_params;
	const char *param_names[HTTP_MAX_PARAMS];
	const char *param_values[HTTP_MAX_PARAMS]; /* arena-owned */
	char allow[ROUTER_MAX_ALLOW];              /* for 405: methods the path accepts */
	const struct route *sibling;               /* for 405: a route of the path (its reply headers) */
};

/* Finds the route for method and path in table (n rows). Returns LL_OK with ret->route set,
 * LL_NOT_FOUND when no route has the path, or LL_METHOD_NOT_ALLOWED with ret->allow filled. */
enum ll_err router_match(const struct route *table, size_t n, const char *method, const char *path,
			 struct arena *arena, struct route_match *ret);

#endif
