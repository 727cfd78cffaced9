/*
 * Credentials of the learning platforms that send xAPI: issued by an institution's staff in the
 * portal (a key, and a secret shown once), listed, revoked; and checked on every xAPI request
 * through a short-lived cache, so that authentication costs no database read once a client is
 * known. Only a keyed hash of a secret is ever stored.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../base/id.h"
#include "../base/json.h"
#include "../store/store.h"
#include "lrs.h"

/* How long a checked credential is believed without asking the database: a client revoked on
 * another server is refused here at most this much later. */
#define CLIENT_TTL_US (10 * 1000000LL)
#define CLIENT_SLOTS 256

static const struct store_stmt CLIENT_INSERT = {
	"lrs client insert",
	"INSERT INTO lrs_clients (id, institution_id, name, api_key, secret_hash, is_trusted, created_by, created_at, number) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT COALESCE(MAX(number), 0) + 1 FROM lrs_clients))"
};
static const struct store_stmt CLIENT_BY_KEY = {
	"lrs client by key",
	"SELECT id, institution_id, name, secret_hash, is_trusted FROM lrs_clients WHERE api_key = $1 AND revoked_at IS NULL"
};
static const struct store_stmt CLIENT_LIST = {
	"lrs client list",
	"SELECT c.id, c.name, c.api_key, c.is_trusted, c.created_at, c.revoked_at, "
	"(SELECT COUNT(*) FROM lrs_statements s WHERE s.client_id = c.id) "
	"FROM lrs_clients c WHERE c.institution_id = $1 ORDER BY c.created_at DESC LIMIT 200"
};
static const struct store_stmt CLIENT_REVOKE = {
	"lrs client revoke",
	"UPDATE lrs_clients SET revoked_at = $3 WHERE id = $1 AND institution_id = $2 AND revoked_at IS NULL"
};
static const struct store_stmt CLIENT_KEY_OF = { "lrs client key", "SELECT api_key FROM lrs_clients WHERE id = $1 "
								     "AND institution_id = $2" };

/* ---- The cache ---- */

struct client_slot {
	struct lrs_client client;
	unsigned char hash[CRYPTO_HASH_BYTES];
	int64_t expires_us;
};

struct lrs_clients {
	pthread_mutex_t mu;
	struct client_slot slots[CLIENT_SLOTS];
};

struct lrs_clients *lrs_clients_new(void)
{
	struct lrs_clients *c = calloc(1, sizeof(*c));
	if (c)
		pthread_mutex_init(&c->mu, NULL);
	return c;
}

struct lrs_clients *lrs_clients_free(struct lrs_clients *c)
{
	if (c) {
		pthread_mutex_destroy(&c->mu);
		sodium_memzero(c->slots, sizeof(c->slots));
		free(c);
	}
	return NULL;
}

static struct client_slot *slot_of(struct lrs_clients *c, const char *key)
{
	unsigned h = 5381;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = h * 33 + *p;
	return &c->slots[h % CLIENT_SLOTS];
}

void lrs_clients_forget(struct lrs_clients *c, const char *key)
{
	if (!c || !key)
		return;
	pthread_mutex_lock(&c->mu);
	struct client_slot *s = slot_of(c, key);
	if (strcmp(s->client.key, key) == 0)
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&c->mu);
}

/* ---- Authentication ---- */

struct by_key {
	struct lrs_client client;
	unsigned char hash[CRYPTO_HASH_BYTES];
	bool is_found;
};

static enum ll_err by_key_row(const struct store_row *row, void *ctx)
{
	struct by_key *k = ctx;
	size_t len;
	const void *hash = store_row_blob(row, 3, &len);
	if (len != CRYPTO_HASH_BYTES)
		return ll_fail(LL_INTERNAL, NULL, "a client's secret hash has the wrong length");
	snprintf(k->client.id, sizeof(k->client.id), "%s", store_row_text(row, 0));
	snprintf(k->client.institution_id, sizeof(k->client.institution_id), "%s", store_row_text(row, 1));
	snprintf(k->client.name, sizeof(k->client.name), "%s", store_row_text(row, 2));
	memcpy(k->hash, hash, len);
	k->client.is_trusted = store_row_i64(row, 4) != 0;
	k->is_found = true;
	return LL_OK;
}

struct auth_ctx {
	const char *key;
	struct by_key *k;
};

static enum ll_err by_key_txn(struct ll_tx *tx, void *ctx)
{
	struct auth_ctx *a = ctx;
	a->k->is_found = false;
	return store_exec(tx, &CLIENT_BY_KEY, SP(SV_TEXT(a->key)), by_key_row, a->k);
}

enum ll_err lrs_client_authenticate(struct ll_store *st, const struct ll_keys *keys, struct lrs_clients *cache,
				    const char *key, const char *secret, struct lrs_client *ret)
{
	if (!key || !secret || strlen(key) >= LRS_CLIENT_KEY_MAX)
		return ll_fail(LL_BAD_CREDENTIALS, NULL, "unknown key or wrong secret");
	unsigned char given[CRYPTO_HASH_BYTES];
	crypto_token_hash(keys, secret, given);
	int64_t now = clock_now_us();
	if (cache) {
		pthread_mutex_lock(&cache->mu);
		struct client_slot *s = slot_of(cache, key);
		bool is_hit = s->expires_us > now && strcmp(s->client.key, key) == 0 &&
			      sodium_memcmp(s->hash, given, sizeof(given)) == 0;
		if (is_hit)
			*ret = s->client;
		pthread_mutex_unlock(&cache->mu);
		if (is_hit)
			return LL_OK;
	}
	struct by_key k = { 0 };
	struct auth_ctx a = { key, &k };
	enum ll_err err = store_run(st, STORE_READ, "lrs client", by_key_txn, &a);
	if (err != LL_OK)
		return err;
	if (!k.is_found || sodium_memcmp(k.hash, given, sizeof(given)) != 0)
		return ll_fail(LL_BAD_CREDENTIALS, NULL, "unknown key or wrong secret");
	snprintf(k.client.key, sizeof(k.client.key), "%s", key);
	if (cache) {
		pthread_mutex_lock(&cache->mu);
		struct client_slot *s = slot_of(cache, key);
		s->client = k.client;
		memcpy(s->hash, k.hash, sizeof(s->hash));
		s->expires_us = now + CLIENT_TTL_US;
		pthread_mutex_unlock(&cache->mu);
	}
	*ret = k.client;
	return LL_OK;
}

json_t *lrs_client_authority(const struct lrs_client *c, const char *home_page)
{
	char home[LRS_HOME_PAGE_MAX + 32];
	snprintf(home, sizeof(home), "%s/xapi/clients", home_page);
	return json_pack("{s:s, s:s, s:{s:s, s:s}}", "objectType", "Agent", "name", c->name, "account", "homePage", home,
			 "name", c->key);
}

/* ---- Issuing, listing, revoking ---- */

struct create_ctx {
	const char *institution_id, *user_id, *name;
	bool is_trusted;
	const struct audit_actor *actor;
	const char *id, *key;
	const unsigned char *hash;
	int64_t now;
};

static enum ll_err create_txn(struct ll_tx *tx, void *ctx)
{
	struct create_ctx *x = ctx;
	/* The next number: the statement writer's lock keeps two issuers from taking the same one. */
	enum ll_err err = lrs_write_lock(tx);
	if (err == LL_OK)
		err = store_exec(tx, &CLIENT_INSERT,
				 SP(SV_TEXT(x->id), SV_TEXT(x->institution_id), SV_TEXT(x->name), SV_TEXT(x->key),
				    SV_BLOB(x->hash, CRYPTO_HASH_BYTES), SV_BOOL(x->is_trusted), SV_TEXT(x->user_id),
				    SV_I64(x->now)),
				 NULL, NULL);
	if (err == LL_OK)
		err = audit_write(tx, x->actor, "lrs_client.create", "lrs_client", x->id, x->name);
	return err;
}

enum ll_err lrs_client_create(struct ll_store *st, const struct ll_keys *keys, const char *institution_id,
			      const char *user_id, const char *name, bool is_trusted, const struct audit_actor *actor,
			      json_t **ret_obj)
{
	if (!institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "xAPI credentials are issued by an institution's staff");
	if (!name || !*name || strlen(name) > 100)
		return ll_fail(LL_INVALID_VALUE, "name", "a client has a name of 1 to 100 bytes");
	ll_id id;
	id_new(&id);
	char key[LRS_CLIENT_KEY_MAX], secret[65];
	char random[25];
	crypto_random_hex(random, 12);
	snprintf(key, sizeof(key), "llx_%s", random);
	crypto_random_hex(secret, 32);
	unsigned char hash[CRYPTO_HASH_BYTES];
	crypto_token_hash(keys, secret, hash);
	struct create_ctx x = { institution_id, user_id, name, is_trusted, actor, id.s, key, hash, clock_now_us() };
	enum ll_err err = store_run(st, STORE_WRITE, "lrs client create", create_txn, &x);
	if (err == LL_OK) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", id.s, "name", name, "key", key, "secret", secret,
				      "is_trusted", is_trusted);
		json_set_time(o, "created_at", x.now);
		*ret_obj = o;
		err = o ? LL_OK : LL_NOMEM;
	}
	sodium_memzero(secret, sizeof(secret));
	return err;
}

static json_t *client_item(const struct store_row *row)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:I}", "id", store_row_text(row, 0), "name", store_row_text(row, 1),
			      "key", store_row_text(row, 2), "is_trusted", store_row_i64(row, 3) != 0, "statements",
			      (json_int_t)store_row_i64(row, 6));
	if (!o)
		return NULL;
	json_set_time(o, "created_at", store_row_i64(row, 4));
	json_set_time(o, "revoked_at", store_row_is_null(row, 5) ? 0 : store_row_i64(row, 5));
	return o;
}

enum ll_err lrs_client_list(struct ll_store *st, const char *institution_id, json_t **ret_page)
{
	if (!institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "an institution's staff list its xAPI credentials");
	return store_items(st, "lrs client list", &CLIENT_LIST, SP(SV_TEXT(institution_id)), client_item, ret_page);
}

struct revoke_ctx {
	const char *institution_id, *id;
	const struct audit_actor *actor;
	char key[LRS_CLIENT_KEY_MAX];
};

static enum ll_err key_row(const struct store_row *row, void *ctx)
{
	struct revoke_ctx *r = ctx;
	snprintf(r->key, sizeof(r->key), "%s", store_row_text(row, 0));
	return LL_OK;
}

static enum ll_err revoke_txn(struct ll_tx *tx, void *ctx)
{
	struct revoke_ctx *r = ctx;
	r->key[0] = '\0';
	enum ll_err err = store_exec(tx, &CLIENT_KEY_OF, SP(SV_TEXT(r->id), SV_TEXT(r->institution_id)), key_row, r);
	if (err != LL_OK)
		return err;
	if (!r->key[0])
		return ll_fail(LL_NOT_FOUND, NULL, "the institution has no xAPI client %s", r->id);
	err = store_exec(tx, &CLIENT_REVOKE, SP(SV_TEXT(r->id), SV_TEXT(r->institution_id), SV_I64(clock_now_us())),
			 NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) != 1)
		return ll_fail(LL_CONFLICT, NULL, "xAPI client %s was revoked already", r->id);
	return audit_write(tx, r->actor, "lrs_client.revoke", "lrs_client", r->id, NULL);
}

enum ll_err lrs_client_revoke(struct ll_store *st, struct lrs_clients *cache, const char *institution_id,
			      const char *id, const struct audit_actor *actor)
{
	if (!institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "an institution's staff revoke its xAPI credentials");
	struct revoke_ctx r = { .institution_id = institution_id, .id = id, .actor = actor };
	enum ll_err err = store_run(st, STORE_WRITE, "lrs client revoke", revoke_txn, &r);
	if (err == LL_OK)
		lrs_clients_forget(cache, r.key);
	return err;
}
