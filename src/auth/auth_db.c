/*
 * SQL of users, sessions and API tokens. Password hashing happens outside transactions (it is
 * slow and holds no database state); each transaction here is short.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../base/id.h"
#include "../base/json.h"
#include "../store/store.h"
#include "auth.h"
#include "auth_cache.h"

#define USER_COLS                                                                                   \
	"u.id, u.login, u.role, u.display_name, u.institution_id, i.name, i.type, u.district_code, " \
	"d.name, u.person_id, u.elder_mode, u.locale, u.created_at"
#define USER_FROM                                                                                     \
	" FROM users u LEFT JOIN institutions i ON i.id = u.institution_id LEFT JOIN divisions d ON " \
	"d.code = u.district_code"

static const struct store_stmt USER_INSERT = {
	"user insert",
	"INSERT INTO users (id, login, password_hash, role, display_name, institution_id, district_code, person_id, "
	"created_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
	"ON CONFLICT DO NOTHING"
};
static const struct store_stmt USER_BY_ID = { "user by id", "SELECT " USER_COLS USER_FROM " WHERE u.id = $1" };
static const struct store_stmt USER_CRED_BY_LOGIN = {
	"user credentials by login",
	"SELECT id, password_hash, failed_count, locked_until, is_disabled, login FROM users WHERE login = $1"
};
static const struct store_stmt USER_CRED_BY_PHONE = {
	"user credentials by phone",
	"SELECT u.id, u.password_hash, u.failed_count, u.locked_until, u.is_disabled, u.login FROM users u "
	"JOIN persons p ON p.id = u.person_id WHERE p.phone_hash = $1 LIMIT 2"
};
static const struct store_stmt USER_CRED_BY_ID = {
	"user credentials by id",
	"SELECT id, password_hash, failed_count, locked_until, is_disabled, login FROM users WHERE id = $1"
};
static const struct store_stmt USER_FAILED = {
	"user sign-in failed", "UPDATE users SET failed_count = $2, locked_until = $3 WHERE id = $1"
};
static const struct store_stmt USER_SUCCEEDED = {
	"user sign-in succeeded", "UPDATE users SET failed_count = 0, locked_until = 0 WHERE id = $1"
};
static const struct store_stmt USER_SET_PASSWORD = {
	"user set password",
	"UPDATE users SET password_hash = $2, password_changed_at = $3, failed_count = 0, locked_until = 0 WHERE id = $1"
};
static const struct store_stmt USER_SET_ELDER = { "user set elder", "UPDATE users SET elder_mode = $2 WHERE id = $1" };
static const struct store_stmt USER_SET_LOCALE = { "user set locale", "UPDATE users SET locale = $2 WHERE id = $1" };
static const struct store_stmt STAFF_LIST = {
	"institution staff",
	"SELECT id, login, display_name, role, created_at FROM users WHERE institution_id = $1 ORDER BY created_at"
};
static const struct store_stmt SESSION_INSERT = {
	"session insert",
	"INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, ip) VALUES ($1, $2, $3, $4, $5, $6)"
};
static const struct store_stmt SESSION_PURGE = {
	"session purge", "DELETE FROM sessions WHERE user_id = $1 AND expires_at < $2"
};
static const struct store_stmt SESSION_DELETE = { "session delete", "DELETE FROM sessions WHERE token_hash = $1" };
static const struct store_stmt SESSION_DELETE_OTHERS = {
	"session delete others", "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2"
};
static const struct store_stmt SESSION_USER = {
	"session user",
	"SELECT " USER_COLS ", s.csrf_token, s.expires_at" USER_FROM
	" JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1 AND u.is_disabled = 0"
};
static const struct store_stmt TOKEN_INSERT = {
	"token insert",
	"INSERT INTO api_tokens (id, user_id, name, token_hash, scope, created_at, expires_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7)"
};
static const struct store_stmt TOKEN_USER = {
	"token user",
	"SELECT " USER_COLS ", t.scope, t.expires_at, t.revoked_at" USER_FROM
	" JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND u.is_disabled = 0"
};
static const struct store_stmt TOKEN_LIST = {
	"token list",
	"SELECT id, name, scope, created_at, expires_at, revoked_at, last_used_at FROM api_tokens "
	"WHERE user_id = $1 ORDER BY created_at DESC"
};
static const struct store_stmt TOKEN_REVOKE = {
	"token revoke",
	"UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"
};

/* Reads the USER_COLS columns starting at col 0 into u (arena copies). */
static void user_from_row(const struct store_row *row, struct arena *a, struct user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = arena_strdup(a, store_row_text(row, 0));
	u->login = arena_strdup(a, store_row_text(row, 1));
	role_parse(store_row_text(row, 2), &u->role);
	u->display_name = arena_strdup(a, store_row_text(row, 3));
	u->institution_id = arena_strdup(a, store_row_text(row, 4));
	u->institution_name = arena_strdup(a, store_row_text(row, 5));
	u->institution_type = arena_strdup(a, store_row_text(row, 6));
	u->district_code = arena_strdup(a, store_row_text(row, 7));
	u->district_name = arena_strdup(a, store_row_text(row, 8));
	u->person_id = arena_strdup(a, store_row_text(row, 9));
	u->is_elder_mode = store_row_i64(row, 10) != 0;
	u->locale = arena_strdup(a, store_row_text(row, 11));
	u->created_at = store_row_i64(row, 12);
}

json_t *auth_user_json(const struct user *u)
{
	json_t *o = json_object();
	json_set_str(o, "id", u->id);
	json_set_str(o, "login", u->login);
	json_set_str(o, "role", role_name(u->role));
	json_set_str(o, "display_name", u->display_name);
	if (u->institution_id)
		json_object_set_new(o, "institution", json_pack("{s:s, s:s?, s:s?}", "id", u->institution_id, "name",
								u->institution_name, "type", u->institution_type));
	else
		json_object_set_new(o, "institution", json_null());
	if (u->district_code)
		json_object_set_new(o, "district",
				    json_pack("{s:s, s:s?}", "code", u->district_code, "name", u->district_name));
	else
		json_object_set_new(o, "district", json_null());
	json_set_str(o, "person_id", u->person_id);
	json_object_set_new(o, "elder_mode", json_boolean(u->is_elder_mode));
	json_set_str(o, "locale", u->locale ? u->locale : "zh-CN");
	json_set_time(o, "created_at", u->created_at);
	return o;
}

enum ll_err auth_user_insert(struct ll_tx *tx, struct arena *a, const struct user_in *in, const char *pw_hash,
			     const char **ret_id)
{
	ll_id id;
	id_new(&id);
	int64_t now = clock_now_us();
	enum ll_err err = store_exec(tx, &USER_INSERT,
				     SP(SV_TEXT(id.s), SV_TEXT(in->login), SV_TEXT(pw_hash), SV_TEXT(role_name(in->role)),
					SV_TEXT(in->display_name ? in->display_name : in->login),
					SV_TEXT(in->institution_id), SV_TEXT(in->district_code), SV_TEXT(in->person_id),
					SV_I64(now), pw_hash ? SV_I64(now) : SV_NULL),
				     NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) == 0)
		return ll_fail(LL_CONFLICT, "login", "login '%s' is already taken", in->login);
	*ret_id = arena_strdup(a, id.s);
	return LL_OK;
}

struct one_user {
	struct arena *a;
	struct user *u;
	bool is_found;
	const char *csrf;
	int64_t expires_at;
	const char *scope;
	int64_t revoked_at;
};

static enum ll_err one_user_row(const struct store_row *row, void *ctx)
{
	struct one_user *o = ctx;
	user_from_row(row, o->a, o->u);
	o->is_found = true;
	if (store_row_columns(row) > 13) {
		o->csrf = arena_strdup(o->a, store_row_text(row, 13));
		o->expires_at = store_row_is_null(row, 14) ? 0 : store_row_i64(row, 14);
	}
	if (store_row_columns(row) > 15) {
		o->scope = o->csrf;
		o->revoked_at = store_row_is_null(row, 15) ? 0 : store_row_i64(row, 15);
	}
	return LL_OK;
}

struct create_ctx {
	const struct user_in *in;
	const char *pw_hash;
	const struct audit_actor *actor;
	struct arena *a;
	struct user *u;
};

static enum ll_err institution_or_district_check(struct ll_tx *tx, const struct user_in *in);

static enum ll_err create_txn(struct ll_tx *tx, void *ctx)
{
	struct create_ctx *c = ctx;
	const char *id;
	enum ll_err err = institution_or_district_check(tx, c->in);
	if (err == LL_OK)
		err = auth_user_insert(tx, c->a, c->in, c->pw_hash, &id);
	if (err == LL_OK)
		err = audit_write(tx, c->actor, "user.create", "user", id, role_name(c->in->role));
	if (err == LL_OK) {
		struct one_user o = { .a = c->a, .u = c->u };
		err = store_exec(tx, &USER_BY_ID, SP(SV_TEXT(id)), one_user_row, &o);
	}
	return err;
}

static const struct store_stmt INSTITUTION_EXISTS = { "institution exists", "SELECT 1 FROM institutions WHERE id = $1" };
static const struct store_stmt DISTRICT_EXISTS = {
	"district exists", "SELECT 1 FROM divisions WHERE code = $1 AND level = 2"
};

static enum ll_err found_row(const struct store_row *row, void *ctx)
{
	*(bool *)ctx = true;
	return LL_OK;
}

static enum ll_err institution_or_district_check(struct ll_tx *tx, const struct user_in *in)
{
	bool found = false;
	enum ll_err err = LL_OK;
	if (in->institution_id) {
		err = store_exec(tx, &INSTITUTION_EXISTS, SP(SV_TEXT(in->institution_id)), found_row, &found);
		if (err == LL_OK && !found)
			return ll_fail(LL_UNKNOWN_INSTITUTION, "institution", "no institution with this id");
	}
	found = false;
	if (err == LL_OK && in->district_code) {
		err = store_exec(tx, &DISTRICT_EXISTS, SP(SV_TEXT(in->district_code)), found_row, &found);
		if (err == LL_OK && !found)
			return ll_fail(LL_UNKNOWN_DIVISION, "district", "no district with this code");
	}
	return err;
}

enum ll_err auth_user_create(struct ll_store *st, struct pw_gate *g, const struct user_in *in,
			     const struct audit_actor *actor, struct arena *a, struct user *ret_user)
{
	char hash[CRYPTO_PWHASH_MAX];
	enum ll_err err = auth_check_user_in(in);
	if (err != LL_OK)
		return err;
	if (in->password) {
		err = pw_gate_hash(g, in->password, hash);
		if (err != LL_OK)
			return err;
	}
	struct create_ctx c = { .in = in, .pw_hash = in->password ? hash : NULL, .actor = actor, .a = a, .u = ret_user };
	return store_run(st, STORE_WRITE, "user create", create_txn, &c);
}

struct get_ctx {
	const char *id;
	struct one_user o;
};

static enum ll_err get_txn(struct ll_tx *tx, void *ctx)
{
	struct get_ctx *g = ctx;
	g->o.is_found = false;
	return store_exec(tx, &USER_BY_ID, SP(SV_TEXT(g->id)), one_user_row, &g->o);
}

enum ll_err auth_user_get(struct ll_store *st, const char *id, struct arena *a, struct user *ret_user)
{
	struct get_ctx g = { .id = id, .o = { .a = a, .u = ret_user } };
	enum ll_err err = store_run(st, STORE_READ, "user get", get_txn, &g);
	if (err == LL_OK && !g.o.is_found)
		err = ll_fail(LL_NOT_FOUND, "id", "no user with this id");
	return err;
}

struct list_ctx {
	const char *key;
	json_t *items;
};

static enum ll_err staff_row(const struct store_row *row, void *ctx)
{
	struct list_ctx *l = ctx;
	json_t *o = json_object();
	json_set_str(o, "id", store_row_text(row, 0));
	json_set_str(o, "login", store_row_text(row, 1));
	json_set_str(o, "display_name", store_row_text(row, 2));
	json_set_str(o, "role", store_row_text(row, 3));
	json_set_time(o, "created_at", store_row_i64(row, 4));
	json_array_append_new(l->items, o);
	return LL_OK;
}

static enum ll_err staff_txn(struct ll_tx *tx, void *ctx)
{
	struct list_ctx *l = ctx;
	json_array_clear(l->items);
	return store_exec(tx, &STAFF_LIST, SP(SV_TEXT(l->key)), staff_row, l);
}

enum ll_err auth_institution_staff(struct ll_store *st, const char *institution_id, json_t **ret_items)
{
	struct list_ctx l = { .key = institution_id, .items = json_array() };
	enum ll_err err = store_run(st, STORE_READ, "institution staff", staff_txn, &l);
	if (err != LL_OK) {
		json_decref(l.items);
		return err;
	}
	*ret_items = l.items;
	return LL_OK;
}

/* --- sign-in --- */

struct cred {
	bool is_ambiguous;
	const char *login;
	const unsigned char *phone_hash;
	const char *user_id;
	bool is_found;
	char id[LL_ID_LEN + 1];
	char hash[CRYPTO_PWHASH_MAX];
	int failed_count;
	int64_t locked_until;
	bool is_disabled;
	char user_login[72];
};

static enum ll_err cred_row(const struct store_row *row, void *ctx)
{
	struct cred *c = ctx;
	if (c->is_found) {
		/* A phone shared by several accounts (a family's, say) names none of them. */
		c->is_found = false;
		c->is_ambiguous = true;
		return LL_OK;
	}
	c->is_found = true;
	snprintf(c->id, sizeof(c->id), "%s", store_row_text(row, 0));
	snprintf(c->hash, sizeof(c->hash), "%s", store_row_is_null(row, 1) ? "" : store_row_text(row, 1));
	c->failed_count = (int)store_row_i64(row, 2);
	c->locked_until = store_row_i64(row, 3);
	c->is_disabled = store_row_i64(row, 4) != 0;
	snprintf(c->user_login, sizeof(c->user_login), "%s", store_row_text(row, 5));
	return LL_OK;
}

static enum ll_err cred_txn(struct ll_tx *tx, void *ctx)
{
	struct cred *c = ctx;
	c->is_found = false;
	c->is_ambiguous = false;
	if (c->user_id)
		return store_exec(tx, &USER_CRED_BY_ID, SP(SV_TEXT(c->user_id)), cred_row, c);
	enum ll_err err = store_exec(tx, &USER_CRED_BY_LOGIN, SP(SV_TEXT(c->login)), cred_row, c);
	if (err == LL_OK && !c->is_found && c->phone_hash)
		err = store_exec(tx, &USER_CRED_BY_PHONE, SP(SV_BLOB(c->phone_hash, CRYPTO_HASH_BYTES)), cred_row, c);
	return err;
}

struct outcome_ctx {
	struct cred *c;
	bool is_ok;
	const char *failed_action;  /* audit action of a failure; "session.failed" when NULL */
	const char *ip;
	unsigned char token_hash[CRYPTO_HASH_BYTES];
	const char *csrf;
	struct arena *a;
	struct user *u;
};

static enum ll_err outcome_txn(struct ll_tx *tx, void *ctx)
{
	struct outcome_ctx *o = ctx;
	int64_t now = clock_now_us();
	struct audit_actor actor = { .id = o->c->id, .ip = o->ip };
	enum ll_err err;
	if (!o->is_ok) {
		int count = o->c->failed_count + 1;
		int64_t until = now + auth_backoff_s(count) * 1000000;
		err = store_exec(tx, &USER_FAILED, SP(SV_TEXT(o->c->id), SV_I64(count), SV_I64(until)), NULL, NULL);
		if (err == LL_OK)
			err = audit_write(tx, &actor, count >= AUTH_LOCK_AFTER ? "session.locked"
						  : o->failed_action ? o->failed_action : "session.failed",
					  "user", o->c->id, NULL);
		return err;
	}
	err = store_exec(tx, &USER_SUCCEEDED, SP(SV_TEXT(o->c->id)), NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &SESSION_PURGE, SP(SV_TEXT(o->c->id), SV_I64(now)), NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &SESSION_INSERT,
				 SP(SV_BLOB(o->token_hash, CRYPTO_HASH_BYTES), SV_TEXT(o->c->id), SV_TEXT(o->csrf),
				    SV_I64(now), SV_I64(now + AUTH_SESSION_TTL_US), SV_TEXT(o->ip)),
				 NULL, NULL);
	if (err == LL_OK) {
		struct one_user ou = { .a = o->a, .u = o->u };
		err = store_exec(tx, &USER_BY_ID, SP(SV_TEXT(o->c->id)), one_user_row, &ou);
		actor.role = role_name(o->u->role);
	}
	if (err == LL_OK)
		err = audit_write(tx, &actor, "session.create", "user", o->c->id, NULL);
	return err;
}

/* A hash of a password nobody has, so that an unknown login costs as much as a known one. */
static char dummy_hash[CRYPTO_PWHASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
	char secret[33];
	crypto_random_hex(secret, 16);
	if (crypto_password_hash(secret, dummy_hash) != LL_OK)
		dummy_hash[0] = '\0';
}

static bool looks_like_phone(const char *s)
{
	if (strlen(s) != 11 || s[0] != '1')
		return false;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

enum ll_err auth_sign_in(struct ll_store *st, const struct ll_keys *keys, struct pw_gate *g, const char *login,
			 const char *password, const char *ip, struct arena *a, struct user *ret_user,
			 const char **ret_token, const char **ret_csrf)
{
	unsigned char phone_hash[CRYPTO_HASH_BYTES];
	struct cred c = { .login = login };
	if (looks_like_phone(login)) {
		crypto_lookup_hash(keys, CRYPTO_DOMAIN_PHONE, login, strlen(login), phone_hash);
		c.phone_hash = phone_hash;
	}
	enum ll_err err = store_run(st, STORE_READ, "sign-in look-up", cred_txn, &c);
	if (err != LL_OK)
		return err;
	if (c.is_ambiguous)
		return ll_fail(LL_BAD_CREDENTIALS, "login",
			       "this phone number belongs to several accounts; sign in with your account number");
	int64_t now = clock_now_us();
	if (c.is_found && c.locked_until > now) {
		int64_t wait_s = (c.locked_until - now + 999999) / 1000000;
		ll_fail(LL_LOCKED, "login", "too many failed sign-ins; try again in %lld seconds", (long long)wait_s);
		return ll_fail_retry_after((int)wait_s);
	}
	bool is_ok = false;
	bool has_password = c.is_found && c.hash[0];
	pthread_once(&dummy_once, dummy_init);
	err = pw_gate_verify(g, has_password ? c.hash : dummy_hash, password, &is_ok);
	if (err != LL_OK)
		return err;
	is_ok = is_ok && has_password && !c.is_disabled;
	if (!c.is_found)
		return ll_fail(LL_BAD_CREDENTIALS, "password", "wrong login or password");

	char token[65], csrf[65];
	crypto_random_hex(token, 32);
	crypto_random_hex(csrf, 32);
	struct outcome_ctx o = { .c = &c, .is_ok = is_ok, .ip = ip, .csrf = csrf, .a = a, .u = ret_user };
	crypto_token_hash(keys, token, o.token_hash);
	err = store_run(st, STORE_WRITE, "sign-in outcome", outcome_txn, &o);
	if (err != LL_OK)
		return err;
	if (!is_ok) {
		if (c.failed_count + 1 >= AUTH_LOCK_AFTER) {
			ll_fail(LL_LOCKED, "login", "too many failed sign-ins; the account is locked for %lld minutes",
				(long long)(auth_backoff_s(c.failed_count + 1) / 60));
			return ll_fail_retry_after((int)auth_backoff_s(c.failed_count + 1));
		}
		return ll_fail(LL_BAD_CREDENTIALS, "password", "wrong login or password");
	}
	*ret_token = arena_strdup(a, token);
	*ret_csrf = arena_strdup(a, csrf);
	return LL_OK;
}

struct hash_ctx {
	const struct audit_actor *actor;
	unsigned char hash[CRYPTO_HASH_BYTES];
	unsigned char keep[CRYPTO_HASH_BYTES];
	const char *user_id;
	struct one_user o;
	int64_t now;
};

static enum ll_err sign_out_txn(struct ll_tx *tx, void *ctx)
{
	struct hash_ctx *h = ctx;
	enum ll_err err = store_exec(tx, &SESSION_DELETE, SP(SV_BLOB(h->hash, CRYPTO_HASH_BYTES)), NULL, NULL);
	if (err == LL_OK && store_changes(tx) > 0)
		err = audit_write(tx, h->actor, "session.delete", "user", h->actor->id, NULL);
	return err;
}

enum ll_err auth_sign_out(struct ll_store *st, const struct ll_keys *keys, const char *token,
			  const struct audit_actor *actor)
{
	struct hash_ctx h = { .actor = actor };
	crypto_token_hash(keys, token, h.hash);
	auth_cache_forget(h.hash);
	return store_run(st, STORE_WRITE, "sign-out", sign_out_txn, &h);
}

static enum ll_err session_txn(struct ll_tx *tx, void *ctx)
{
	struct hash_ctx *h = ctx;
	h->o.is_found = false;
	return store_exec(tx, &SESSION_USER, SP(SV_BLOB(h->hash, CRYPTO_HASH_BYTES)), one_user_row, &h->o);
}

enum ll_err auth_session_user(struct ll_store *st, const struct ll_keys *keys, const char *token, struct arena *a,
			      struct user *ret_user, const char **ret_csrf)
{
	struct hash_ctx h = { .o = { .a = a, .u = ret_user } };
	bool is_read_only;
	crypto_token_hash(keys, token, h.hash);
	/* Sessions are cached with their CSRF token, API tokens without: neither passes for the other. */
	if (auth_cache_get(h.hash, a, ret_user, ret_csrf, &is_read_only) && *ret_csrf)
		return LL_OK;
	enum ll_err err = store_run(st, STORE_READ, "session look-up", session_txn, &h);
	if (err != LL_OK)
		return err;
	if (!h.o.is_found || h.o.expires_at <= clock_now_us())
		return ll_fail(LL_UNAUTHENTICATED, NULL, "session expired or unknown; sign in again");
	auth_cache_put(h.hash, ret_user, h.o.csrf, false, h.o.expires_at);
	*ret_csrf = h.o.csrf;
	return LL_OK;
}

static enum ll_err token_txn(struct ll_tx *tx, void *ctx)
{
	struct hash_ctx *h = ctx;
	h->o.is_found = false;
	return store_exec(tx, &TOKEN_USER, SP(SV_BLOB(h->hash, CRYPTO_HASH_BYTES)), one_user_row, &h->o);
}

enum ll_err auth_token_user(struct ll_store *st, const struct ll_keys *keys, const char *token, struct arena *a,
			    struct user *ret_user, bool *ret_is_read_only)
{
	struct hash_ctx h = { .o = { .a = a, .u = ret_user } };
	const char *csrf;
	crypto_token_hash(keys, token, h.hash);
	if (auth_cache_get(h.hash, a, ret_user, &csrf, ret_is_read_only) && !csrf)
		return LL_OK;
	enum ll_err err = store_run(st, STORE_READ, "token look-up", token_txn, &h);
	if (err != LL_OK)
		return err;
	if (!h.o.is_found || h.o.revoked_at || (h.o.expires_at && h.o.expires_at <= clock_now_us()))
		return ll_fail(LL_UNAUTHENTICATED, NULL, "API token unknown, expired or revoked");
	*ret_is_read_only = h.o.scope && strcmp(h.o.scope, "read") == 0;
	auth_cache_put(h.hash, ret_user, NULL, *ret_is_read_only, h.o.expires_at);
	return LL_OK;
}

struct password_ctx {
	const char *user_id;
	const char *pw_hash;
	unsigned char keep[CRYPTO_HASH_BYTES];
	const struct audit_actor *actor;
};

static enum ll_err password_txn(struct ll_tx *tx, void *ctx)
{
	struct password_ctx *p = ctx;
	enum ll_err err = auth_set_password_tx(tx, p->user_id, p->pw_hash);
	if (err == LL_OK)
		err = store_exec(tx, &SESSION_DELETE_OTHERS, SP(SV_TEXT(p->user_id), SV_BLOB(p->keep, CRYPTO_HASH_BYTES)),
				 NULL, NULL);
	if (err == LL_OK)
		err = audit_write(tx, p->actor, "user.password", "user", p->user_id, NULL);
	return err;
}

enum ll_err auth_set_password_tx(struct ll_tx *tx, const char *user_id, const char *pw_hash)
{
	return store_exec(tx, &USER_SET_PASSWORD, SP(SV_TEXT(user_id), SV_TEXT(pw_hash), SV_I64(clock_now_us())), NULL,
			  NULL);
}

enum ll_err auth_change_password(struct ll_store *st, const struct ll_keys *keys, struct pw_gate *g,
				 const char *user_id, const char *current, const char *fresh, const char *keep_token,
				 const struct audit_actor *actor)
{
	struct cred c = { .user_id = user_id };
	enum ll_err err = store_run(st, STORE_READ, "password look-up", cred_txn, &c);
	if (err != LL_OK)
		return err;
	bool is_ok = false;
	if (!c.is_found || !c.hash[0])
		return ll_fail(LL_BAD_CREDENTIALS, "current_password", "current password is wrong");
	/* Guessing the current password through this route counts like guessing it at sign-in. */
	int64_t now = clock_now_us();
	if (c.locked_until > now) {
		ll_fail(LL_LOCKED, "current_password", "too many wrong passwords; try again in %lld seconds",
			(long long)((c.locked_until - now + 999999) / 1000000));
		return ll_fail_retry_after((int)((c.locked_until - now + 999999) / 1000000));
	}
	err = pw_gate_verify(g, c.hash, current, &is_ok);
	if (err != LL_OK)
		return err;
	if (!is_ok) {
		struct outcome_ctx o = { .c = &c, .is_ok = false, .failed_action = "user.password_failed",
					 .ip = actor->ip };
		err = store_run(st, STORE_WRITE, "password failure", outcome_txn, &o);
		if (err != LL_OK)
			return err;
		return ll_fail(LL_BAD_CREDENTIALS, "current_password", "current password is wrong");
	}
	err = auth_check_password(fresh, c.user_login);
	if (err != LL_OK)
		return ll_fail(err, "new_password", "%s", ll_error_get(err)->message);
	char hash[CRYPTO_PWHASH_MAX];
	err = pw_gate_hash(g, fresh, hash);
	if (err != LL_OK)
		return err;
	struct password_ctx p = { .user_id = user_id, .pw_hash = hash, .actor = actor };
	if (keep_token)
		crypto_token_hash(keys, keep_token, p.keep);
	else
		memset(p.keep, 0, sizeof(p.keep));
	err = store_run(st, STORE_WRITE, "password change", password_txn, &p);
	auth_cache_forget_user(user_id);
	return err;
}

struct prefs_ctx {
	const char *user_id;
	int elder_mode;
	const char *locale;
	const struct audit_actor *actor;
};

static enum ll_err prefs_txn(struct ll_tx *tx, void *ctx)
{
	struct prefs_ctx *p = ctx;
	enum ll_err err = LL_OK;
	if (p->elder_mode >= 0)
		err = store_exec(tx, &USER_SET_ELDER, SP(SV_TEXT(p->user_id), SV_I64(p->elder_mode)), NULL, NULL);
	if (err == LL_OK && p->locale)
		err = store_exec(tx, &USER_SET_LOCALE, SP(SV_TEXT(p->user_id), SV_TEXT(p->locale)), NULL, NULL);
	if (err == LL_OK)
		err = audit_write(tx, p->actor, "user.preferences", "user", p->user_id, NULL);
	return err;
}

enum ll_err auth_set_preferences(struct ll_store *st, const char *user_id, int elder_mode, const char *locale,
				 const struct audit_actor *actor)
{
	struct prefs_ctx p = { .user_id = user_id, .elder_mode = elder_mode, .locale = locale, .actor = actor };
	enum ll_err err = store_run(st, STORE_WRITE, "preferences", prefs_txn, &p);
	auth_cache_forget_user(user_id);
	return err;
}

struct token_ctx {
	const char *id;
	const char *user_id;
	const char *name;
	const char *scope;
	int64_t expires_at;
	unsigned char hash[CRYPTO_HASH_BYTES];
	const struct audit_actor *actor;
	json_t *items;
	bool is_revoked;
};

static enum ll_err token_create_txn(struct ll_tx *tx, void *ctx)
{
	struct token_ctx *t = ctx;
	enum ll_err err = store_exec(tx, &TOKEN_INSERT,
				     SP(SV_TEXT(t->id), SV_TEXT(t->user_id), SV_TEXT(t->name),
					SV_BLOB(t->hash, CRYPTO_HASH_BYTES), SV_TEXT(t->scope), SV_I64(clock_now_us()),
					t->expires_at ? SV_I64(t->expires_at) : SV_NULL),
				     NULL, NULL);
	if (err == LL_OK)
		err = audit_write(tx, t->actor, "token.create", "api_token", t->id, t->scope);
	return err;
}

enum ll_err auth_token_create(struct ll_store *st, const struct ll_keys *keys, const char *user_id, const char *name,
			      bool is_read_only, int64_t expires_at, const struct audit_actor *actor,
			      struct arena *a, const char **ret_id, const char **ret_token)
{
	ll_id id;
	char secret[49];
	id_new(&id);
	crypto_random_hex(secret, 24);
	char *token = arena_printf(a, "llt_%s", secret);
	if (!token)
		return ll_fail(LL_NOMEM, NULL, NULL);
	if (expires_at && expires_at <= clock_now_us())
		return ll_fail(LL_INVALID_VALUE, "expires_at", "expires_at must be in the future");
	struct token_ctx t = { .id = id.s, .user_id = user_id, .name = name, .scope = is_read_only ? "read" : "write",
			       .expires_at = expires_at, .actor = actor };
	crypto_token_hash(keys, token, t.hash);
	enum ll_err err = store_run(st, STORE_WRITE, "token create", token_create_txn, &t);
	if (err != LL_OK)
		return err;
	*ret_id = arena_strdup(a, id.s);
	*ret_token = token;
	return LL_OK;
}

static enum ll_err token_row(const struct store_row *row, void *ctx)
{
	struct token_ctx *t = ctx;
	json_t *o = json_object();
	json_set_str(o, "id", store_row_text(row, 0));
	json_set_str(o, "name", store_row_text(row, 1));
	json_set_str(o, "scope", store_row_text(row, 2));
	json_set_time(o, "created_at", store_row_i64(row, 3));
	json_set_time(o, "expires_at", store_row_is_null(row, 4) ? 0 : store_row_i64(row, 4));
	json_set_time(o, "revoked_at", store_row_is_null(row, 5) ? 0 : store_row_i64(row, 5));
	json_set_time(o, "last_used_at", store_row_is_null(row, 6) ? 0 : store_row_i64(row, 6));
	json_array_append_new(t->items, o);
	return LL_OK;
}

static enum ll_err token_list_txn(struct ll_tx *tx, void *ctx)
{
	struct token_ctx *t = ctx;
	json_array_clear(t->items);
	return store_exec(tx, &TOKEN_LIST, SP(SV_TEXT(t->user_id)), token_row, t);
}

enum ll_err auth_token_list(struct ll_store *st, const char *user_id, json_t **ret_items)
{
	struct token_ctx t = { .user_id = user_id, .items = json_array() };
	enum ll_err err = store_run(st, STORE_READ, "token list", token_list_txn, &t);
	if (err != LL_OK) {
		json_decref(t.items);
		return err;
	}
	*ret_items = t.items;
	return LL_OK;
}

static enum ll_err token_revoke_txn(struct ll_tx *tx, void *ctx)
{
	struct token_ctx *t = ctx;
	enum ll_err err = store_exec(tx, &TOKEN_REVOKE, SP(SV_TEXT(t->id), SV_TEXT(t->user_id), SV_I64(clock_now_us())),
				     NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) == 0)
		return ll_fail(LL_NOT_FOUND, "id", "no active token with this id");
	return audit_write(tx, t->actor, "token.revoke", "api_token", t->id, NULL);
}

enum ll_err auth_token_revoke(struct ll_store *st, const char *user_id, const char *token_id,
			      const struct audit_actor *actor)
{
	struct token_ctx t = { .id = token_id, .user_id = user_id, .actor = actor };
	enum ll_err err = store_run(st, STORE_WRITE, "token revoke", token_revoke_txn, &t);
	auth_cache_forget_user(user_id);
	return err;
}
