/*
 * Route matching against a small table of this test's own, so that each case names the rows it
 * relies on; and the static-file path check. The real route table is covered by test_openapi and
 * the router fuzzer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/router.h"
#include "http/static.h"

/* Handlers are never called here, so rows name only the method and the path. */
#define R(m, p) { .method = (m), .path = (p) }

static const struct route table[] = {
	R("GET", "/a"),                                  /* 0 */
	R("POST", "/a"),                                 /* 1 */
	R("GET", "/items/new"),                          /* 2: literal before its param sibling */
	R("GET", "/items/{id}"),                         /* 3 */
	R("DELETE", "/items/{id}"),                      /* 4 */
	R("GET", "/items/{id}/parts/{part}"),            /* 5 */
	R("PUT", "/items/{id}/parts/{part}"),            /* 6 */
	R("GET", "/four/{a}/{b}/{c}/{d}"),               /* 7: HTTP_MAX_PARAMS */
	R("GET", "/five/{a}/{b}/{c}/{d}/{e}"),           /* 8: one too many */
	R("GET", "/"),                                   /* 9 */
	R("POST", "/only-post"),                         /* 10 */
	R("PUT", "/only-post"),                          /* 11 */
	R("POST", "/only-post"),                         /* 12: duplicate method for the allow list */
};
#define N (sizeof(table) / sizeof(table[0]))

static struct arena g_arena;

static int setup(void **state)
{
	arena_init(&g_arena, 4096);
	return 0;
}

static int teardown(void **state)
{
	arena_release(&g_arena);
	return 0;
}

static enum ll_err match(const char *method, const char *path, struct route_match *m)
{
	return router_match(table, N, method, path, &g_arena, m);
}

static void test_literal_match(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/a", &m), LL_OK);
	assert_ptr_equal(m.route, &table[0]);
	assert_int_equal(m.n_params, 0);
	assert_int_equal(match("POST", "/a", &m), LL_OK);
	assert_ptr_equal(m.route, &table[1]);
	assert_int_equal(match("GET", "/", &m), LL_OK);
	assert_ptr_equal(m.route, &table[9]);
}

static void test_literal_is_case_sensitive(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/A", &m), LL_NOT_FOUND);
	assert_int_equal(match("get", "/a", &m), LL_METHOD_NOT_ALLOWED);
}

static void test_literal_before_param_by_table_order(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/items/new", &m), LL_OK);
	assert_ptr_equal(m.route, &table[2]);
	assert_int_equal(m.n_params, 0);
}

static void test_param_captured_into_arena(void **state)
{
	struct route_match m;
	char path[] = "/items/42";
	assert_int_equal(match("GET", path, &m), LL_OK);
	assert_ptr_equal(m.route, &table[3]);
	assert_int_equal(m.n_params, 1);
	assert_string_equal(m.param_names[0], "id");
	assert_string_equal(m.param_values[0], "42");
	/* The value is a copy, not a pointer into the caller's path. */
	path[7] = 'X';
	assert_string_equal(m.param_values[0], "42");
	assert_true(g_arena.used > 0);
}

static void test_multiple_params(void **state)
{
	struct route_match m;
	assert_int_equal(match("PUT", "/items/7/parts/wheel-2", &m), LL_OK);
	assert_ptr_equal(m.route, &table[6]);
	assert_int_equal(m.n_params, 2);
	assert_string_equal(m.param_names[0], "id");
	assert_string_equal(m.param_values[0], "7");
	assert_string_equal(m.param_names[1], "part");
	assert_string_equal(m.param_values[1], "wheel-2");
}

static void test_max_params(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/four/1/2/3/4", &m), LL_OK);
	assert_ptr_equal(m.route, &table[7]);
	assert_int_equal(m.n_params, HTTP_MAX_PARAMS);
	assert_string_equal(m.param_names[3], "d");
	assert_string_equal(m.param_values[3], "4");
}

static void test_more_than_max_params_never_matches(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/five/1/2/3/4/5", &m), LL_NOT_FOUND);
	assert_null(m.route);
	assert_int_equal(m.n_params, 0);
}

static void test_trailing_slash_does_not_match(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/a/", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "/items/42/", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "/items/42/parts/x/", &m), LL_NOT_FOUND);
}

static void test_prefix_and_extension_do_not_match(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/items", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "/ab", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "/a/b", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "/items/42/parts", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "/items/42/other/x", &m), LL_NOT_FOUND);
}

static void test_empty_segment_does_not_match_param(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/items/", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "/items//parts/x", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "/items/1/parts/", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "//a", &m), LL_NOT_FOUND);
}

static void test_head_matches_get(void **state)
{
	struct route_match m;
	assert_int_equal(match("HEAD", "/a", &m), LL_OK);
	assert_ptr_equal(m.route, &table[0]);
	assert_int_equal(match("HEAD", "/items/9", &m), LL_OK);
	assert_ptr_equal(m.route, &table[3]);
	assert_string_equal(m.param_values[0], "9");
	/* HEAD does not stand in for other methods. */
	assert_int_equal(match("HEAD", "/only-post", &m), LL_METHOD_NOT_ALLOWED);
}

static void test_method_not_allowed_lists_allow(void **state)
{
	struct route_match m;
	assert_int_equal(match("PUT", "/a", &m), LL_METHOD_NOT_ALLOWED);
	assert_null(m.route);
	assert_string_equal(m.allow, "GET, POST");
	assert_int_equal(match("POST", "/items/42", &m), LL_METHOD_NOT_ALLOWED);
	assert_string_equal(m.allow, "GET, DELETE");
	/* A method the table names twice for a path is listed once. */
	assert_int_equal(match("GET", "/only-post", &m), LL_METHOD_NOT_ALLOWED);
	assert_string_equal(m.allow, "POST, PUT");
}

static void test_unknown_path_not_found(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/nope", &m), LL_NOT_FOUND);
	assert_null(m.route);
	assert_string_equal(m.allow, "");
}

static void test_path_must_start_with_slash(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "a", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "items/1", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "*", &m), LL_NOT_FOUND);
	assert_int_equal(match("GET", "http://host/a", &m), LL_NOT_FOUND);
}

static void test_query_is_not_part_of_the_path(void **state)
{
	/* The server strips the query; a path that still carries one is a different segment. */
	struct route_match m;
	assert_int_equal(match("GET", "/a?x=1", &m), LL_NOT_FOUND);
}

static void test_full_arena_is_reported(void **state)
{
	/* The server checks is_full before calling a handler, so a capture the arena cannot hold must
	 * mark it rather than hand the handler a missing parameter silently. */
	struct arena tiny;
	struct route_match m;
	arena_init(&tiny, 16);
	assert_int_equal(router_match(table, N, "GET", "/items/42/parts/x", &tiny, &m), LL_OK);
	assert_true(tiny.is_full);
	arena_release(&tiny);
}

static void test_empty_table(void **state)
{
	struct route_match m;
	assert_int_equal(router_match(table, 0, "GET", "/a", &g_arena, &m), LL_NOT_FOUND);
}

static void test_long_allow_list_fits(void **state)
{
	static const struct route many[] = {
		R("GET", "/x"), R("POST", "/x"), R("PUT", "/x"), R("PATCH", "/x"),
		R("DELETE", "/x"), R("OPTIONS", "/x"), R("TRACE", "/x"),
		R("CONNECT", "/x"), R("PROPFIND", "/x"), R("PROPPATCH", "/x"),
		R("MKCOL", "/x"), R("COPY", "/x"), R("MOVE", "/x"), R("LOCK", "/x"),
		R("UNLOCK", "/x"), R("SEARCH", "/x"), R("REPORT", "/x"),
	};
	struct route_match m;
	assert_int_equal(router_match(many, sizeof(many) / sizeof(many[0]), "BREW", "/x", &g_arena, &m),
			 LL_METHOD_NOT_ALLOWED);
	assert_true(strlen(m.allow) < sizeof(m.allow));
	assert_int_equal(strncmp(m.allow, "GET, POST, PUT", 14), 0);
}

static void test_static_path_is_safe(void **state)
{
	assert_true(static_path_is_safe("/"));
	assert_true(static_path_is_safe("/index.html"));
	assert_true(static_path_is_safe("/assets/app.3f2a.js"));
	assert_true(static_path_is_safe("/.well-known/security.txt"));
	assert_false(static_path_is_safe("/../etc/passwd"));
	assert_false(static_path_is_safe("/assets/../../secret"));
	assert_false(static_path_is_safe("/.."));
	assert_false(static_path_is_safe("/a/..b"));
	assert_false(static_path_is_safe("/assets\\app.js"));
	assert_false(static_path_is_safe("/..\\x"));
	assert_false(static_path_is_safe("index.html"));
	assert_false(static_path_is_safe(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_match),
		cmocka_unit_test(test_literal_is_case_sensitive),
		cmocka_unit_test(test_literal_before_param_by_table_order),
		cmocka_unit_test(test_param_captured_into_arena),
		cmocka_unit_test(test_multiple_params),
		cmocka_unit_test(test_max_params),
		cmocka_unit_test(test_more_than_max_params_never_matches),
		cmocka_unit_test(test_trailing_slash_does_not_match),
		cmocka_unit_test(test_prefix_and_extension_do_not_match),
		cmocka_unit_test(test_empty_segment_does_not_match_param),
		cmocka_unit_test(test_head_matches_get),
		cmocka_unit_test(test_method_not_allowed_lists_allow),
		cmocka_unit_test(test_unknown_path_not_found),
		cmocka_unit_test(test_path_must_start_with_slash),
		cmocka_unit_test(test_query_is_not_part_of_the_path),
		cmocka_unit_test(test_full_arena_is_reported),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_long_allow_list_fits),
		cmocka_unit_test(test_static_path_is_safe),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
