/*
 * The API description against THE route table: every visible route is described with its
 * method, summary, responses, exactly its roles, exactly its body fields and its path
 * parameters, and nothing is described that the table does not hold. A route added to routes.c
 * is checked here without this file changing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/roles.h"
#include "http/http.h"
#include "http/ops.h"

static json_t *g_doc;

static int setup(void **state)
{
	g_doc = openapi_document();
	return g_doc ? 0 : -1;
}

static int teardown(void **state)
{
	json_decref(g_doc);
	return 0;
}

/* "POST" -> "post". */
static void lower(const char *m, char out[16])
{
	size_t i = 0;
	for (; m[i] && i < 15; i++)
		out[i] = (char)(m[i] >= 'A' && m[i] <= 'Z' ? m[i] - 'A' + 'a' : m[i]);
	out[i] = '\0';
}

static json_t *operation(const struct route *r)
{
	char m[16];
	lower(r->method, m);
	return json_object_get(json_object_get(json_object_get(g_doc, "paths"), r->path), m);
}

static void test_document_header(void **state)
{
	assert_string_equal(json_string_value(json_object_get(g_doc, "openapi")), "3.1.0");
	assert_non_null(json_object_get(json_object_get(g_doc, "info"), "title"));
	assert_true(json_is_object(json_object_get(json_object_get(g_doc, "components"), "schemas")));
	assert_true(routes_count > 0);
}

static void test_every_visible_route_described(void **state)
{
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		if (r->is_hidden)
			continue;
		json_t *op = operation(r);
		if (!op)
			fail_msg("route %s %s is not in the API description", r->method, r->path);
		/* The row gives the summary; the path the document falls back to describes nothing. */
		if (!r->summary || !r->summary[0])
			fail_msg("route %s %s has no summary", r->method, r->path);
		const char *summary = json_string_value(json_object_get(op, "summary"));
		assert_non_null(summary);
		assert_string_equal(summary, r->summary);
		json_t *responses = json_object_get(op, "responses");
		assert_true(json_is_object(responses));
		char ok[8];
		snprintf(ok, sizeof(ok), "%d", r->ok_status ? r->ok_status : 200);
		if (!json_object_get(responses, ok))
			fail_msg("route %s %s: no %s response", r->method, r->path, ok);
		assert_non_null(json_object_get(responses, "default"));
	}
}

static void test_nothing_described_beyond_the_table(void **state)
{
	size_t visible = 0, described = 0;
	for (size_t i = 0; i < routes_count; i++)
		visible += !routes[i].is_hidden;
	const char *path;
	json_t *item;
	json_object_foreach(json_object_get(g_doc, "paths"), path, item) {
		const char *m;
		json_t *op;
		json_object_foreach(item, m, op) {
			bool is_in_table = false;
			for (size_t i = 0; i < routes_count; i++) {
				char lm[16];
				lower(routes[i].method, lm);
				is_in_table |= !routes[i].is_hidden && strcmp(routes[i].path, path) == 0 && strcmp(lm, m) == 0;
			}
			if (!is_in_table)
				fail_msg("%s %s is described but not a visible route", m, path);
			described++;
		}
	}
	/* Equal counts also mean no two rows share a method and path (one would hide the other). */
	assert_int_equal(described, visible);
}

/* The role named name, users' or not. */
static bool role_named(const char *name, enum role *ret)
{
	for (int k = 0; k < ROLE_COUNT; k++)
		if (strcmp(role_name(role_at(k)), name) == 0) {
			*ret = role_at(k);
			return true;
		}
	return false;
}

static void test_roles_match_exactly(void **state)
{
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		if (r->is_hidden)
			continue;
		json_t *roles = json_object_get(operation(r), "x-roles");
		assert_true(json_is_array(roles));
		unsigned described = 0;
		size_t k;
		json_t *v;
		json_array_foreach(roles, k, v) {
			enum role role = ROLE_NONE;
			if (!json_is_string(v) || !role_named(json_string_value(v), &role))
				fail_msg("route %s %s: x-roles holds something that is not a role", r->method, r->path);
			if (described & (unsigned)role)
				fail_msg("route %s %s: role %s listed twice", r->method, r->path, json_string_value(v));
			described |= (unsigned)role;
		}
		if (described != r->roles)
			fail_msg("route %s %s: x-roles describe 0x%x, the table says 0x%x", r->method, r->path, described,
				 r->roles);
		/* Public routes need no credentials; the others say how to give them. */
		json_t *security = json_object_get(operation(r), "security");
		assert_true(json_is_array(security));
		assert_int_equal(json_array_size(security) == 0, r->roles == 0);
	}
}

static void test_request_bodies_match_specs(void **state)
{
	size_t with_body = 0;
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		if (r->is_hidden)
			continue;
		json_t *body = json_object_get(operation(r), "requestBody");
		/* A route that accepts a body describes it: by a spec, a named schema or its media types. */
		if (r->max_body > 0 && !r->body_spec && !r->body_schema && !r->body_media)
			fail_msg("route %s %s accepts a body but does not describe it", r->method, r->path);
		if (!r->body_spec && r->body_schema) {
			json_t *schema = json_object_get(
				json_object_get(json_object_get(body, "content"), "application/json"), "schema");
			const char *ref = json_string_value(json_object_get(schema, "$ref"));
			char want[128];
			snprintf(want, sizeof(want), "#/components/schemas/%s", r->body_schema);
			if (!ref || strcmp(ref, want) != 0)
				fail_msg("route %s %s: requestBody does not name schema %s", r->method, r->path, r->body_schema);
			json_t *components = json_object_get(json_object_get(g_doc, "components"), "schemas");
			if (!json_object_get(components, r->body_schema))
				fail_msg("route %s %s: schema %s is not among the components", r->method, r->path,
					 r->body_schema);
			continue;
		}
		if (!r->body_spec && r->body_media) {
			if (!json_object_get(json_object_get(body, "content"), "application/octet-stream"))
				fail_msg("route %s %s: raw body is not described", r->method, r->path);
			continue;
		}
		if (!r->body_spec) {
			if (body)
				fail_msg("route %s %s has no body spec but describes a body", r->method, r->path);
			continue;
		}
		with_body++;
		json_t *schema = json_object_get(json_object_get(json_object_get(body, "content"), "application/json"),
						 "schema");
		if (!json_is_object(schema))
			fail_msg("route %s %s: no application/json requestBody schema", r->method, r->path);
		assert_true(json_is_false(json_object_get(schema, "additionalProperties")));
		json_t *props = json_object_get(schema, "properties");
		json_t *required = json_object_get(schema, "required");
		size_t n = 0, n_required = 0;
		for (const struct json_field *f = r->body_spec; f->name; f++) {
			n++;
			if (!json_object_get(props, f->name))
				fail_msg("route %s %s: body field %s not described", r->method, r->path, f->name);
			bool is_listed = false;
			size_t k;
			json_t *v;
			json_array_foreach(required, k, v)
				is_listed |= strcmp(json_string_value(v), f->name) == 0;
			if (is_listed != !f->is_optional)
				fail_msg("route %s %s: field %s required-ness differs", r->method, r->path, f->name);
			n_required += !f->is_optional;
		}
		assert_int_equal(json_object_size(props), n);
		assert_int_equal(json_array_size(required), n_required);
		/* A route that takes a body accepts some bytes of it. */
		if (r->max_body == 0)
			fail_msg("route %s %s has a body spec but max_body 0", r->method, r->path);
	}
	assert_true(with_body > 0);
}

static void test_path_parameters_declared(void **state)
{
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		if (r->is_hidden)
			continue;
		json_t *params = json_object_get(operation(r), "parameters");
		size_t n = 0;
		for (const char *p = strchr(r->path, '{'); p; p = strchr(p + 1, '{')) {
			const char *end = strchr(p, '}');
			assert_non_null(end);
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
			bool is_declared = false;
			size_t k;
			json_t *v;
			json_array_foreach(params, k, v) {
				if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0) {
					assert_string_equal(json_string_value(json_object_get(v, "in")), "path");
					assert_true(json_is_true(json_object_get(v, "required")));
					is_declared = true;
				}
			}
			if (!is_declared)
				fail_msg("route %s %s: path parameter %s not declared", r->method, r->path, name);
			n++;
		}
		assert_int_equal(json_array_size(params), n);
		assert_true(n <= HTTP_MAX_PARAMS);
	}
}

static void test_response_refs_resolve(void **state)
{
	json_t *schemas = json_object_get(json_object_get(g_doc, "components"), "schemas");
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		if (r->is_hidden || !r->response)
			continue;
		if (!json_object_get(schemas, r->response))
			fail_msg("route %s %s: response schema %s is not defined", r->method, r->path, r->response);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_header),
		cmocka_unit_test(test_every_visible_route_described),
		cmocka_unit_test(test_nothing_described_beyond_the_table),
		cmocka_unit_test(test_roles_match_exactly),
		cmocka_unit_test(test_request_bodies_match_specs),
		cmocka_unit_test(test_path_parameters_declared),
		cmocka_unit_test(test_response_refs_resolve),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
