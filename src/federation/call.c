/*
 * Asking a peer: a request signed as this node for that peer (RFC 9421 over its method,
 * authority, path and, with a body, its Content-Digest, with a nonce of its own), and an answer
 * believed only when it is signed by one of the keys pinned for the peer, for that request (its
 * nonce), over a body whose Content-Digest matches and which names the peer as its node.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/clock.h"
#include "../http/fetch.h"
#include "federation.h"
#include "federation_int.h"
#include "httpsig.h"

/* The pinned key of the peer whose kid the answer's keyid names. */
static bool pinned_key(void *ctx, const char *keyid, unsigned char pk[32])
{
	const json_t *peer = ctx;
	const char *id = json_string_value(json_object_get(peer, "node_id"));
	size_t il = strlen(id);
	if (strncmp(keyid, id, il) != 0 || keyid[il] != '#')
		return false;
	size_t i;
	const json_t *jwk;
	json_array_foreach (json_object_get(peer, "keys"), i, jwk) {
		const char *kid = json_string_value(json_object_get(jwk, "kid"));
		if (kid && strcmp(kid, keyid + il + 1) == 0 && jose_jwk_ed25519_parse(jwk, "keys", pk) == LL_OK)
			return true;
		ll_error_clear();
	}
	return false;
}

static const char *answer_header(void *ctx, const char *name)
{
	return fetched_header(ctx, name);
}

static const char *request_header(void *ctx, const char *name)
{
	return strcmp(name, "content-digest") == 0 ? ctx : NULL;
}

/* How a call failed: the state it is told as. */
static enum ll_err failed(const char **ret_state, const char *state, enum ll_err err)
{
	*ret_state = state;
	return err;
}

/* The refusal a peer answered: its error's code and message when it sent one. */
static enum ll_err refused(const char *peer_id, const struct fetched *f)
{
	json_t *body = json_loadb(f->body, f->len, 0, NULL);
	const json_t *e = json_object_get(body, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *message = json_string_value(json_object_get(e, "message"));
	const char *field = json_string_value(json_object_get(e, "field"));
	enum ll_err err = ll_fail(f->status == 403 ? LL_FORBIDDEN : f->status >= 500 ? LL_IO : LL_UNAUTHENTICATED,
				  field && strlen(field) < 64 ? field : NULL, "%s answered %ld%s%.40s%s%.200s", peer_id,
				  f->status, code ? " " : "", code ? code : "", message ? ": " : "", message ? message : "");
	json_decref(body);
	return err;
}

enum ll_err fed_call(const struct fed_call *c, const char *method, const char *path, const json_t *body,
		     json_t **ret_answer, const char **ret_state)
{
	*ret_answer = NULL;
	*ret_state = "ok";
	const char *base_url = json_string_value(json_object_get(c->peer, "base_url"));
	const char *peer_id = json_string_value(json_object_get(c->peer, "node_id"));
	char url[512], authority[256];
	snprintf(url, sizeof(url), "%s%s", base_url, path);
	const char *host = strstr(base_url, "//");
	snprintf(authority, sizeof(authority), "%s", host ? host + 2 : base_url);

	struct buf text;
	buf_init(&text);
	char digest[HTTPSIG_DIGEST_MAX] = "";
	if (body) {
		if (!json_dump_compact(body, &text)) {
			buf_release(&text);
			return LL_NOMEM;
		}
		httpsig_content_digest(text.data, text.len, digest);
	}
	/* The request: signed over its method, authority and path (and digest), with a nonce of its own. */
	unsigned char raw[18];
	randombytes_buf(raw, sizeof(raw));
	char *nonce = jose_b64url_encode(raw, sizeof(raw));
	struct fed_signer signer;
	enum ll_err err = nonce ? fed_signer_init(&signer, c->st, c->keys, c->iss, c->own_id) : LL_NOMEM;
	const struct httpsig_message msg = { .method = method, .authority = authority, .path = path,
					     .header = request_header, .ctx = digest };
	char tag[64];
	snprintf(tag, sizeof(tag), FED_TAG "/%s", peer_id);
	const struct httpsig_params p = { .components = { "@method", "@authority", "@path", "content-digest" },
					  .n_components = body ? 4 : 3, .created = clock_now_us() / 1000000,
					  .nonce = nonce, .keyid = signer.keyid, .tag = tag };
	char *input = NULL, *signature = NULL;
	if (err == LL_OK)
		err = httpsig_sign_by(&msg, &p, "sig1", fed_signer_sign, &signer, &input, &signature);
	char input_line[1024], signature_line[256], digest_line[128];
	if (err == LL_OK) {
		snprintf(input_line, sizeof(input_line), "Signature-Input: %s", input);
		snprintf(signature_line, sizeof(signature_line), "Signature: %s", signature);
		snprintf(digest_line, sizeof(digest_line), "Content-Digest: %s", digest);
	}
	free(input);
	free(signature);
	if (err != LL_OK) {
		free(nonce);
		buf_release(&text);
		return err;
	}
	const char *const headers[] = { "Accept: application/json", input_line, signature_line,
					"Content-Type: application/json", digest_line };
	const struct fetch_in in = { .method = method, .url = url, .headers = headers, .n_headers = body ? 5 : 3,
				     .body = text.data, .body_len = text.len };
	/* A page of credentials runs to a few hundred KiB: more than a document fetched to verify one. */
	struct fetch_policy policy = *c->policy;
	policy.max_bytes = FED_ANSWER_MAX;
	struct fetched f;
	err = fetch_request(&policy, &in, &f);
	buf_release(&text);
	if (err != LL_OK) {
		free(nonce);
		return failed(ret_state, "unreachable", err);
	}
	if (f.status != 200) {
		err = refused(peer_id, &f);
		fetch_release(&f);
		free(nonce);
		return failed(ret_state, "refused", err);
	}

	/* The answer: signed by a pinned key for this request, over its status, type and digest. */
	static const char *const REQUIRED[] = { "@status", "content-type", "content-digest" };
	const struct httpsig_message answer = { .status = 200, .header = answer_header, .ctx = &f };
	struct httpsig_verified v;
	int64_t now_s = clock_now_us() / 1000000;
	err = httpsig_verify(&answer, "sig1", REQUIRED, 3, now_s, FED_WINDOW_S, FED_SKEW_S, pinned_key, (void *)c->peer,
			     &v);
	char got[HTTPSIG_DIGEST_MAX];
	httpsig_content_digest(f.body, f.len, got);
	const char *sent_digest = fetched_header(&f, "content-digest");
	if (err == LL_OK && strcmp(v.nonce, nonce) != 0)
		err = ll_fail(LL_UNAUTHENTICATED, "nonce", "%s's answer was made for another request", peer_id);
	if (err == LL_OK && (!sent_digest || strcmp(sent_digest, got) != 0))
		err = ll_fail(LL_UNAUTHENTICATED, "content-digest", "%s's answer is not the body its signature covers", peer_id);
	json_t *obj = err == LL_OK ? json_loadb(f.body, f.len, 0, NULL) : NULL;
	if (err == LL_OK && (!json_is_object(obj) || !json_is_string(json_object_get(obj, "node_id")) ||
			     strcmp(json_string_value(json_object_get(obj, "node_id")), peer_id) != 0))
		err = ll_fail(LL_UNAUTHENTICATED, "node_id", "%s answered for another node", peer_id);
	fetch_release(&f);
	free(nonce);
	if (err != LL_OK) {
		json_decref(obj);
		return failed(ret_state, "bad_signature", err);
	}
	*ret_answer = obj;
	return LL_OK;
}
