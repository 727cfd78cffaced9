/*
 * The audit log (every write: who, what, when, from where) and the personal-data access log
 * (every unmasked read of a person's ID or phone number, which the person can see). Both are
 * written inside the caller's transaction, so an action and its record commit together.
 */
#ifndef LL_AUDIT_H
#define LL_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "../base/ll_err.h"

struct ll_tx;
struct ll_store;
struct http_req;

/* Who acted; strings borrowed. A NULL id means the system itself (CLI, demo). */
struct audit_actor {
	const char *id;
	const char *role;
	const char *name;
	const char *institution_id;
	const char *ip;
};

/* Appends one audit row: action like "account.create", the target's type and id, and a short
 * detail with no personal data in it. */
enum ll_err audit_write(struct ll_tx *tx, const struct audit_actor *actor, const char *action,
			const char *target_type, const char *target_id, const char *detail);

/* Records that actor saw fields ("id_number,phone") of person_id unmasked, and why. */
enum ll_err audit_pii_read(struct ll_tx *tx, const struct audit_actor *actor, const char *person_id,
			   const char *fields, const char *purpose);

/* A person's access log, newest first, at most limit rows before the cursor time (0: now), as
 * {"items":[...], "next": cursor-or-null}. Caller owns the returned reference. */
enum ll_err audit_pii_list(struct ll_store *st, const char *person_id, int64_t before_us, int limit,
			   json_t **ret_page);

/* The audit log, newest first, optionally for one target; same paging. */
enum ll_err audit_list(struct ll_store *st, const char *target_type, const char *target_id, int64_t before_us,
		       int limit, json_t **ret_page);

/* HTTP handlers (audit_http.c). */
enum ll_err audit_http_list(struct http_req *req);
enum ll_err audit_http_my_access_log(struct http_req *req);

#endif
