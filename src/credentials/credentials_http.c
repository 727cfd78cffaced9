/*
 * HTTP of credentials: the issuer's did:web document, keys and profile (public), a citizen's
 * credentials, key rotation (city), and verifying any credential (public).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/clock.h"
#include "../base/json.h"
#include "../http/auth_http.h"
#include "../http/http.h"
#include "credentials.h"

struct issue_in {
	const char *outcome_id;
	const json_t *outcome_ids;
};

const struct json_field cred_issue_spec[] = {
	JSON_STR("outcome_id", struct issue_in, outcome_id, .is_optional = true, .min_len = 1, .max_len = 64,
		 .doc = "the outcome (its current version) an Open Badges credential speaks for"),
	JSON_STRS("outcome_ids", struct issue_in, outcome_ids, .is_optional = true, .min_len = 1, .max_len = CRED_CLR_MAX,
		  .doc = "instead: the outcomes a CLR transcript holds, in order"),
	JSON_END
};

struct verify_in {
	const char *credential;
};

const struct json_field cred_verify_spec[] = {
	JSON_STR("credential", struct verify_in, credential, .min_len = 1, .max_len = 200000,
		 .doc = "a verifiable credential as a JWS in compact serialization (VC-JOSE)"),
	JSON_END
};

/* The issuer's public documents change only when a key is added: caches may keep them briefly. */
static void public_cache(struct http_req *req)
{
	http_add_header(req, "Cache-Control", "public, max-age=60");
}

enum ll_err cred_http_did(struct http_req *req)
{
	json_t *doc;
	enum ll_err err = cred_did_document(req->app->st, req->app->keys, req->app->issuer, &doc);
	if (err == LL_OK) {
		http_reply(req, 200, doc);
		public_cache(req);
	}
	return err;
}

enum ll_err cred_http_jwks(struct http_req *req)
{
	json_t *keys;
	enum ll_err err = cred_keys_jwks(req->app->st, req->app->issuer, &keys);
	if (err == LL_OK) {
		http_reply(req, 200, json_pack("{s:o}", "keys", keys));
		public_cache(req);
	}
	return err;
}

enum ll_err cred_http_issuer(struct http_req *req)
{
	const struct cred_issuer *iss = req->app->issuer;
	json_t *profile = cred_issuer_profile(iss);
	if (!profile)
		return LL_NOMEM;
	char jwks[320];
	snprintf(jwks, sizeof(jwks), "%s/api/v1/credentials/jwks", iss->url);
	json_object_set_new(profile, "jwks_uri", json_string(jwks));
	snprintf(jwks, sizeof(jwks), "%s/.well-known/did.json", iss->url);
	json_object_set_new(profile, "did_document", json_string(jwks));
	http_reply(req, 200, profile);
	public_cache(req);
	return LL_OK;
}

enum ll_err cred_http_key_rotate(struct http_req *req)
{
	struct audit_actor actor;
	http_actor(req, &actor);
	char kid[JOSE_THUMBPRINT_MAX];
	enum ll_err err = cred_key_rotate(req->app->st, req->app->keys, &actor, kid);
	if (err == LL_OK)
		http_reply(req, 201, json_pack("{s:s}", "kid", kid));
	return err;
}

enum ll_err cred_http_issue(struct http_req *req)
{
	const char *pid = NULL;
	struct issue_in in = { 0 };
	json_t *root = NULL, *obj;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = http_body(req, &in, &root);
	if (err == LL_OK && in.outcome_id && in.outcome_ids)
		err = ll_fail(LL_INVALID_VALUE, "outcome_ids",
			      "give outcome_id for one badge or outcome_ids for a transcript, not both");
	else if (err == LL_OK && in.outcome_ids)
		err = cred_issue_clr(req->app->st, req->app->keys, req->app->issuer, pid, in.outcome_ids, &obj);
	else if (err == LL_OK)
		err = cred_issue_badge(req->app->st, req->app->keys, req->app->issuer, pid, in.outcome_id, &obj);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 201, obj);
	return err;
}

enum ll_err cred_http_list(struct http_req *req)
{
	const char *pid = NULL;
	json_t *page;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = cred_list(req->app->st, pid, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err cred_http_get(struct http_req *req)
{
	const char *pid = NULL;
	json_t *obj;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = cred_get(req->app->st, pid, http_param(req, "id"), &obj);
	if (err == LL_OK)
		http_reply(req, 200, obj);
	return err;
}

enum ll_err cred_http_verify(struct http_req *req)
{
	struct verify_in in = { 0 };
	json_t *root = NULL, *report;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK)
		err = cred_verify_online(req->app->st, req->app->keys, req->app->issuer, req->app->resolver, in.credential,
					 clock_now_us(), &report);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 200, report);
	return err;
}

enum ll_err cred_http_status_list(struct http_req *req)
{
	const char *n = http_param(req, "list");
	char *end = NULL;
	unsigned long long list = n && *n >= '0' && *n <= '9' && strlen(n) < 12 ? strtoull(n, &end, 10) : 0;
	if (!end || *end)
		return ll_fail(LL_NOT_FOUND, NULL, "a status list is named by its number");
	char *jws = NULL;
	enum ll_err err = cred_status_list_jws(req->app->st, req->app->keys, req->app->issuer, list, &jws);
	if (err != LL_OK)
		return err;
	size_t len = strlen(jws);
	char *body = arena_alloc(&req->arena, len + 1);
	if (!body) {
		free(jws);
		return LL_ARENA_FULL;
	}
	memcpy(body, jws, len + 1);
	free(jws);
	/* A revocation shows within seconds: caches may keep a list only that long. */
	http_reply_raw(req, 200, "application/vc+jwt", body, len);
	http_add_header(req, "Cache-Control", "public, max-age=5");
	return LL_OK;
}
