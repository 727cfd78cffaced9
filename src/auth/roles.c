/* Role names, in one table. */
#include "roles.h"

#include <string.h>

static const struct {
	enum role role;
	const char *name;
} role_rows[ROLE_COUNT] = {
	{ ROLE_CITIZEN, "citizen" },
	{ ROLE_STAFF, "staff" },
	{ ROLE_INSTITUTION_ADMIN, "institution_admin" },
	{ ROLE_REVIEWER, "reviewer" },
	{ ROLE_DISTRICT_ADMIN, "district_admin" },
	{ ROLE_CITY_ADMIN, "city_admin" },
	{ ROLE_AUDITOR, "auditor" },
};

const char *role_name(enum role r)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (role_rows[i].role == r)
			return role_rows[i].name;
	return NULL;
}

bool role_parse(const char *name, enum role *ret_role)
{
	for (int i = 0; i < ROLE_COUNT; i++) {
		if (strcmp(role_rows[i].name, name) == 0) {
			*ret_role = role_rows[i].role;
			return true;
		}
	}
	return false;
}

enum role role_at(int i)
{
	return role_rows[i].role;
}
