/*
 * Users, sign-in and credentials: staff and citizen users with roles, Argon2id passwords behind
 * a gate that bounds concurrent hashing, back-off and lock-out after failed sign-ins, cookie
 * sessions with a CSRF token, and scoped API tokens. Tokens are shown once and stored only as
 * keyed hashes. Nothing here knows HTTP; auth_http.c adapts it.
 */
#ifndef LL_AUTH_H
#define LL_AUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/arena.h"
#include "../base/crypto.h"
#include "../base/json.h"
#include "../base/ll_err.h"
#include "roles.h"

struct ll_store;
struct ll_tx;
struct ll_keys;
struct http_req;
struct audit_actor;

#define AUTH_SESSION_TTL_US (12LL * 3600 * 1000000)
#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 128
#define AUTH_LOCK_AFTER 5

/* A user as the rest of the program sees it. Strings arena-owned. */
struct user {
	const char *id;
	const char *login;
	enum role role;
	const char *display_name;
	const char *institution_id;
	const char *institution_name;
	const char *institution_type;
	const char *district_code;
	const char *district_name;
	const char *person_id;
	bool is_elder_mode;
	const char *locale;
	int64_t created_at;
};

/* What creating a user needs. */
struct user_in {
	const char *login;
	const char *password;        /* NULL: cannot sign in until one is set */
	const char *display_name;
	enum role role;
	const char *institution_id;  /* required for staff and institution_admin (and reviewer may have one) */
	const char *district_code;   /* required for district_admin */
	const char *person_id;       /* required for citizen */
};

/* --- rules (auth.c, no I/O) --- */

/* Checks a new password: length bounds, not all one class of character, not the login. */
enum ll_err auth_check_password(const char *password, const char *login);
/* Checks a login name: 3-64 of [a-z0-9._-@], or an account number. */
enum ll_err auth_check_login(const char *login);
/* Checks that role and its affiliations fit together (staff needs an institution, ...). */
enum ll_err auth_check_user_in(const struct user_in *in);
/* Seconds a login must wait after failed_count consecutive failures (0: none). */
int64_t auth_backoff_s(int failed_count);

/* --- the password gate --- */
struct pw_gate;
/* At most slots hashes at once and max_waiting callers queued; more get LL_BUSY. */
struct pw_gate *pw_gate_new(int slots, int max_waiting);
struct pw_gate *pw_gate_free(struct pw_gate *g);
/* Hashes or verifies through the gate. */
enum ll_err pw_gate_hash(struct pw_gate *g, const char *password, char out[CRYPTO_PWHASH_MAX]);
enum ll_err pw_gate_verify(struct pw_gate *g, const char *stored, const char *password, bool *ret_ok);

/* --- storage (auth_db.c) --- */

/* Inserts a user inside tx with an already-computed hash (or NULL). LL_CONFLICT if the login is
 * taken. Writes the new id (arena-owned) to *ret_id. */
enum ll_err auth_user_insert(struct ll_tx *tx, struct arena *a, const struct user_in *in, const char *pw_hash,
			     const char **ret_id);
/* Creates a user: checks, hashes through the gate, inserts, audits. */
enum ll_err auth_user_create(struct ll_store *st, struct pw_gate *g, const struct user_in *in,
			     const struct audit_actor *actor, struct arena *a, struct user *ret_user);
/* Loads a user by id. */
enum ll_err auth_user_get(struct ll_store *st, const char *id, struct arena *a, struct user *ret_user);
/* Staff of an institution as a JSON array. Caller owns it. */
enum ll_err auth_institution_staff(struct ll_store *st, const char *institution_id, json_t **ret_items);

/* Signs in: checks back-off, verifies the password, creates a session. ret_token is the cookie
 * value and ret_csrf its CSRF token (both arena-owned, shown once). */
enum ll_err auth_sign_in(struct ll_store *st, const struct ll_keys *keys, struct pw_gate *g, const char *login,
			 const char *password, const char *ip, struct arena *a, struct user *ret_user,
			 const char **ret_token, const char **ret_csrf);
/* Ends the session whose cookie value is token. */
enum ll_err auth_sign_out(struct ll_store *st, const struct ll_keys *keys, const char *token,
			  const struct audit_actor *actor);
/* Resolves a session cookie. LL_UNAUTHENTICATED if unknown or expired. */
enum ll_err auth_session_user(struct ll_store *st, const struct ll_keys *keys, const char *token, struct arena *a,
			      struct user *ret_user, const char **ret_csrf);
/* Resolves an API token; *ret_is_read_only for read-scoped tokens. */
enum ll_err auth_token_user(struct ll_store *st, const struct ll_keys *keys, const char *token, struct arena *a,
			    struct user *ret_user, bool *ret_is_read_only);
/* Changes a password after verifying the current one; ends the user's other sessions. */
enum ll_err auth_change_password(struct ll_store *st, const struct ll_keys *keys, struct pw_gate *g,
				 const char *user_id, const char *current, const char *fresh, const char *keep_token,
				 const struct audit_actor *actor);
/* Sets a password without the current one (activation, administrators). */
enum ll_err auth_set_password_tx(struct ll_tx *tx, const char *user_id, const char *pw_hash);
/* Saves display preferences; NULL/negative leaves a value as it is. */
enum ll_err auth_set_preferences(struct ll_store *st, const char *user_id, int elder_mode, const char *locale,
				 const struct audit_actor *actor);

/* Creates an API token for user_id; *ret_token (arena-owned) is shown once. */
enum ll_err auth_token_create(struct ll_store *st, const struct ll_keys *keys, const char *user_id, const char *name,
			      bool is_read_only, int64_t expires_at, const struct audit_actor *actor,
			      struct arena *a, const char **ret_id, const char **ret_token);
/* The user's tokens, without secrets. */
enum ll_err auth_token_list(struct ll_store *st, const char *user_id, json_t **ret_items);
/* Revokes one of the user's tokens; LL_NOT_FOUND if it is not theirs. */
enum ll_err auth_token_revoke(struct ll_store *st, const char *user_id, const char *token_id,
			      const struct audit_actor *actor);

/* Encodes a user for the API. Caller owns the result. */
json_t *auth_user_json(const struct user *u);

/* --- HTTP handlers (auth_http.c) --- */
enum ll_err auth_http_sign_in(struct http_req *req);
enum ll_err auth_http_sign_out(struct http_req *req);
enum ll_err auth_http_me(struct http_req *req);
enum ll_err auth_http_preferences(struct http_req *req);
enum ll_err auth_http_password(struct http_req *req);
enum ll_err auth_http_token_create(struct http_req *req);
enum ll_err auth_http_token_list(struct http_req *req);
enum ll_err auth_http_token_revoke(struct http_req *req);
enum ll_err auth_http_user_create(struct http_req *req);
enum ll_err auth_http_staff_list(struct http_req *req);
enum ll_err auth_http_staff_create(struct http_req *req);

/* Request body specs, shared with the API description. */
extern const struct json_field auth_sign_in_spec[];
extern const struct json_field auth_preferences_spec[];
extern const struct json_field auth_password_spec[];
extern const struct json_field auth_token_spec[];
extern const struct json_field auth_user_spec[];
extern const struct json_field auth_staff_spec[];

#endif
