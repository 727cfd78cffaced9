/* Role names, in one table. */
#include "roles.h"

#include <string.h>

static const struct {
	enum role role;
	const char *name;
	bool is_user;
} role_rows[ROLE_COUNT] = {
	{ ROLE_CITIZEN, "citizen", true },
	{ ROLE_STAFF, "staff", true },
	{ ROLE_INSTITUTION_ADMIN, "institution_admin", true },
	{ ROLE_REVIEWER, "reviewer", true },
	{ ROLE_DISTRICT_ADMIN, "district_admin", true },
	{ ROLE_CITY_ADMIN, "city_admin", true },
	{ ROLE_AUDITOR, "auditor", true },
	{ ROLE_LRS_CLIENT, "lrs_client", false },
	{ ROLE_PEER_NODE, "peer_node", false },
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
		if (role_rows[i].is_user && strcmp(role_rows[i].name, name) == 0) {
			*ret_role = role_rows[i].role;
			return true;
		}
	}
	return false;
}

bool role_is_user(enum role r)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (role_rows[i].role == r)
			return role_rows[i].is_user;
	return false;
}

enum role role_at(int i)
{
	return role_rows[i].role;
}
