/*
 * THE route table: every route of the product with its method, path, handler, the roles that
 * may call it (0: public), its body cap and how the API description shows it. Literal paths come
 * before parameterised siblings.
 */
#include "../accounts/accounts.h"
#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../org/org.h"
#include "http.h"
#include "ops.h"

#define KB 1024

const struct route routes[] = {
	{ "GET", "/healthz", ops_http_health, 0, .tag = "ops", .summary = "Liveness and database check", .response = "Health" },
	{ "GET", "/metrics", ops_http_metrics, 0, .tag = "ops", .summary = "Prometheus metrics", .response = "Text" },
	{ "GET", "/api/openapi.json", ops_http_openapi, 0, .tag = "ops", .summary = "This API description",
	  .response = "OpenAPI" },

	{ "POST", "/api/v1/session", auth_http_sign_in, 0, .max_body = 4 * KB, .tag = "session",
	  .summary = "Sign in with a password; sets the session cookie", .body_spec = auth_sign_in_spec,
	  .response = "Session", .is_csrf_exempt = true },
	{ "DELETE", "/api/v1/session", auth_http_sign_out, ROLES_ALL, .tag = "session", .summary = "Sign out",
	  .ok_status = 204 },
	{ "GET", "/api/v1/me", auth_http_me, ROLES_ALL, .tag = "session", .summary = "The caller", .response = "Me" },
	{ "PUT", "/api/v1/me/preferences", auth_http_preferences, ROLES_ALL, .max_body = 1 * KB, .tag = "session",
	  .summary = "Save elder mode and language", .body_spec = auth_preferences_spec, .response = "Me" },
	{ "POST", "/api/v1/me/password", auth_http_password, ROLES_ALL, .max_body = 2 * KB, .tag = "session",
	  .summary = "Change the caller's password", .body_spec = auth_password_spec, .ok_status = 204 },
	{ "GET", "/api/v1/me/account", accounts_http_mine, ROLE_CITIZEN, .tag = "accounts",
	  .summary = "The caller's own learning account", .response = "Account" },
	{ "GET", "/api/v1/me/access-log", audit_http_my_access_log, ROLE_CITIZEN, .tag = "accounts",
	  .summary = "Who looked at my personal data", .response = "Page" },
	{ "GET", "/api/v1/tokens", auth_http_token_list, ROLES_STAFF_ALL, .tag = "session",
	  .summary = "The caller's API tokens", .response = "Items" },
	{ "POST", "/api/v1/tokens", auth_http_token_create, ROLES_STAFF_ALL, .max_body = 2 * KB, .tag = "session",
	  .summary = "Create an API token (shown once)", .body_spec = auth_token_spec, .response = "Token",
	  .ok_status = 201 },
	{ "DELETE", "/api/v1/tokens/{id}", auth_http_token_revoke, ROLES_STAFF_ALL, .tag = "session",
	  .summary = "Revoke an API token", .ok_status = 204 },

	{ "GET", "/api/v1/divisions", org_http_divisions, 0, .tag = "organisation",
	  .summary = "Children of a division (?parent=CODE; the city by default)", .response = "Items" },
	{ "GET", "/api/v1/institutions", org_http_institution_list, ROLES_STAFF_ALL, .tag = "organisation",
	  .summary = "Institutions (?district=&type=)", .response = "Items" },
	{ "POST", "/api/v1/institutions", org_http_institution_create, ROLE_CITY_ADMIN | ROLE_DISTRICT_ADMIN,
	  .max_body = 4 * KB, .tag = "organisation", .summary = "Register an institution",
	  .body_spec = org_institution_spec, .response = "Institution", .ok_status = 201 },
	{ "GET", "/api/v1/institutions/{id}", org_http_institution_get, ROLES_STAFF_ALL, .tag = "organisation",
	  .summary = "One institution", .response = "Institution" },
	{ "GET", "/api/v1/institutions/{id}/staff", auth_http_staff_list, ROLE_INSTITUTION_ADMIN | ROLE_CITY_ADMIN,
	  .tag = "organisation", .summary = "Staff of an institution", .response = "Items" },
	{ "POST", "/api/v1/institutions/{id}/staff", auth_http_staff_create, ROLE_INSTITUTION_ADMIN | ROLE_CITY_ADMIN,
	  .max_body = 4 * KB, .tag = "organisation", .summary = "Add a staff member to an institution",
	  .body_spec = auth_staff_spec, .response = "User", .ok_status = 201 },
	{ "POST", "/api/v1/users", auth_http_user_create, ROLE_CITY_ADMIN, .max_body = 4 * KB, .tag = "organisation",
	  .summary = "Create a staff user of any role", .body_spec = auth_user_spec, .response = "User",
	  .ok_status = 201 },

	{ "POST", "/api/v1/accounts", accounts_http_create, 0, .max_body = 4 * KB, .tag = "accounts",
	  .summary = "Register a learning account (yourself with a password, or as institution staff)",
	  .body_spec = account_create_spec, .response = "Account", .ok_status = 201 },
	{ "POST", "/api/v1/accounts/activate", accounts_http_activate, 0, .max_body = 2 * KB, .tag = "accounts",
	  .summary = "Activate an account an institution registered", .body_spec = account_activate_spec,
	  .response = "Account", .is_csrf_exempt = true },
	{ "GET", "/api/v1/accounts", accounts_http_search, ROLES_STAFF_ALL, .tag = "accounts",
	  .summary = "Find accounts (?account_no= | ?id_number= | ?district=&after=&limit=)", .response = "Page" },
	{ "GET", "/api/v1/accounts/{id}", accounts_http_get, ROLES_STAFF_ALL, .tag = "accounts",
	  .summary = "One account; ?reveal=true&purpose=... shows whole numbers and is logged", .response = "Account" },
	{ "GET", "/api/v1/stats/activations", accounts_http_stats, ROLE_DISTRICT_ADMIN | ROLE_CITY_ADMIN | ROLE_AUDITOR,
	  .tag = "monitoring", .summary = "Accounts and activations by district", .response = "Stats" },
	{ "GET", "/api/v1/audit", audit_http_list, ROLE_CITY_ADMIN | ROLE_AUDITOR, .tag = "monitoring",
	  .summary = "The audit log of writes (?target_type=&target_id=&before=&limit=)", .response = "Page" },
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
