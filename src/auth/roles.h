/*
 * The roles a caller can have, as bits so that a route can name the set it admits. The names
 * are the identifiers of the API and the CLI; they never change.
 */
#ifndef LL_ROLES_H
#define LL_ROLES_H

#include <stdbool.h>

enum role {
	ROLE_NONE = 0,
	ROLE_CITIZEN = 1 << 0,
	ROLE_STAFF = 1 << 1,
	ROLE_INSTITUTION_ADMIN = 1 << 2,
	ROLE_REVIEWER = 1 << 3,
	ROLE_DISTRICT_ADMIN = 1 << 4,
	ROLE_CITY_ADMIN = 1 << 5,
	ROLE_AUDITOR = 1 << 6,
	/* A learning platform sending xAPI with credentials an institution issued: never a user. */
	ROLE_LRS_CLIENT = 1 << 7,
	/* Another credit bank's node, by a request signed with a key a city admin pinned: never a user. */
	ROLE_PEER_NODE = 1 << 8,
};

#define ROLES_ALL (ROLE_CITIZEN | ROLE_STAFF | ROLE_INSTITUTION_ADMIN | ROLE_REVIEWER | \
		   ROLE_DISTRICT_ADMIN | ROLE_CITY_ADMIN | ROLE_AUDITOR)
#define ROLES_STAFF_ALL (ROLE_STAFF | ROLE_INSTITUTION_ADMIN | ROLE_REVIEWER | ROLE_DISTRICT_ADMIN | \
			 ROLE_CITY_ADMIN | ROLE_AUDITOR)
#define ROLE_COUNT 9

/* "citizen", "staff", ...; NULL for anything that is not exactly one role. */
const char *role_name(enum role r);
/* Parses the name of a role a user can have; false if unknown (or "lrs_client", "peer_node"). */
bool role_parse(const char *name, enum role *ret_role);
/* True when r is exactly one role a user can have (every role but lrs_client and peer_node). */
bool role_is_user(enum role r);
/* The i-th role (0 <= i < ROLE_COUNT). */
enum role role_at(int i);

#endif
