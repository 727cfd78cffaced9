/*
 * What peers ask of this node, signed both ways. A peer's request carries an RFC 9421 signature
 * by one of its pinned keys (keyid "<node id>#<key thumbprint>") over its method, authority and
 * path (and Content-Digest with a body), made within the last five minutes, with a nonce this node
 * has not seen from that peer: anything else is refused before the handler runs, and a suspended
 * peer is refused outright. The answer is signed by this node's newest key over its status,
 * Content-Type and Content-Digest, and carries the request's nonce, so that it answers that
 * request and no other.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/roles.h"
#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../credentials/credentials.h"
#include "../http/http.h"
#include "../store/store.h"
#include "federation.h"
#include "federation_int.h"
#include "httpsig.h"


static const struct store_stmt NONCE_FORGET = { "nonce forget", "DELETE FROM federation_nonces WHERE seen_at < $1" };
static const struct store_stmt NONCE_SEEN = {
	"nonce seen", "INSERT INTO federation_nonces (node_id, nonce, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
};

static const char *request_header(void *ctx, const char *name)
{
	return http_header(ctx, name);
}

/* The peer a keyid names, and why it cannot sign when it cannot. */
struct signer {
	struct ll_store *st;
	char node_id[FED_NODE_ID_MAX];
	bool is_suspended;
};

static bool peer_key(void *ctx, const char *keyid, unsigned char pk[32])
{
	struct signer *s = ctx;
	const char *hash = strchr(keyid, '#');
	if (!hash || (size_t)(hash - keyid) >= sizeof(s->node_id))
		return false;
	snprintf(s->node_id, sizeof(s->node_id), "%.*s", (int)(hash - keyid), keyid);
	json_t *peer = NULL;
	if (!fed_node_id_is_valid(s->node_id) || fed_peer_get(s->st, s->node_id, &peer) != LL_OK) {
		ll_error_clear();
		return false;
	}
	bool is_found = false;
	/* A suspended peer's key still checks the signature: that it is suspended is told only to the peer. */
	s->is_suspended = strcmp(json_string_value(json_object_get(peer, "status")), "active") != 0;
	size_t i;
	const json_t *jwk;
	json_array_foreach (json_object_get(peer, "keys"), i, jwk) {
		const char *kid = json_string_value(json_object_get(jwk, "kid"));
		if (!is_found && kid && strcmp(kid, hash + 1) == 0)
			is_found = jose_jwk_ed25519_parse(jwk, "keys", pk) == LL_OK;
	}
	ll_error_clear();
	json_decref(peer);
	return is_found;
}

struct nonce_ctx {
	const char *node_id, *nonce;
	int64_t now_us;
	bool is_new;
};

static enum ll_err nonce_txn(struct ll_tx *tx, void *ctx)
{
	struct nonce_ctx *n = ctx;
	enum ll_err err = store_exec(tx, &NONCE_FORGET, SP(SV_I64(n->now_us - 2LL * (FED_WINDOW_S + FED_SKEW_S) * 1000000)),
				     NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &NONCE_SEEN, SP(SV_TEXT(n->node_id), SV_TEXT(n->nonce), SV_I64(n->now_us)), NULL, NULL);
	n->is_new = err == LL_OK && store_changes(tx) == 1;
	return err;
}

enum ll_err fed_http_authenticate(struct http_req *req)
{
	static const char *const ALLOWED_QUERY[] = { NULL };
	enum ll_err err = http_query_only(req, ALLOWED_QUERY);
	if (err != LL_OK)
		return err;
	const char *host = http_header(req, "Host");
	char authority[256];
	snprintf(authority, sizeof(authority), "%s", host ? host : "");
	for (char *p = authority; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	const struct httpsig_message msg = { .method = req->method, .authority = authority, .path = req->path,
					     .header = request_header, .ctx = req };
	const char *with_body[] = { "@method", "@authority", "@path", "content-digest" };
	int n_required = req->body_len ? 4 : 3;
	struct signer s = { .st = req->app->st };
	struct httpsig_verified v;
	int64_t now_us = clock_now_us();
	err = httpsig_verify(&msg, "sig1", with_body, n_required, now_us / 1000000, FED_WINDOW_S, FED_SKEW_S, peer_key, &s,
			     &v);
	if (err != LL_OK)
		return err;
	if (s.is_suspended)
		return ll_fail(LL_FORBIDDEN, NULL, "this node has suspended the peer %s", s.node_id);
	/* Signed for this node: a request a peer received cannot be sent on to another node as its own. */
	char tag[sizeof(v.tag)];
	snprintf(tag, sizeof(tag), FED_TAG "/%s", req->app->node_id);
	if (strcmp(v.tag, tag) != 0)
		return ll_fail(LL_UNAUTHENTICATED, "signature-input", "the request was not signed for this node (tag %s)",
			       tag);
	if (req->body_len) {
		char digest[HTTPSIG_DIGEST_MAX];
		httpsig_content_digest(req->body, req->body_len, digest);
		const char *sent = http_header(req, "Content-Digest");
		if (!sent || strcmp(sent, digest) != 0)
			return ll_fail(LL_UNAUTHENTICATED, "content-digest", "the body is not the one the signature covers");
	}
	if (!v.nonce[0])
		return ll_fail(LL_UNAUTHENTICATED, "signature-input", "the signature carries no nonce");
	struct nonce_ctx n = { s.node_id, v.nonce, now_us, false };
	err = store_run(req->app->st, STORE_WRITE, "federation nonce", nonce_txn, &n);
	if (err != LL_OK)
		return err;
	if (!n.is_new)
		return ll_fail(LL_UNAUTHENTICATED, "signature-input", "this request was sent before (its nonce is used)");
	char *who = arena_strdup(&req->arena, s.node_id);
	char *nonce = arena_strdup(&req->arena, v.nonce);
	if (!who || !nonce)
		return LL_ARENA_FULL;
	req->caller.is_authenticated = true;
	req->caller.role = ROLE_PEER_NODE;
	req->caller.user_id = who;
	req->caller.login = who;
	req->caller.display_name = who;
	req->caller.is_via_token = true;
	req->handler_state = nonce;
	return LL_OK;
}

/* The headers an answer's signature covers. */
struct answer_headers {
	const char *type, *digest;
};

static const char *answer_header(void *ctx, const char *name)
{
	const struct answer_headers *h = ctx;
	return strcmp(name, "content-type") == 0 ? h->type : strcmp(name, "content-digest") == 0 ? h->digest : NULL;
}

enum ll_err fed_signer_init(struct fed_signer *s, struct ll_store *st, const struct ll_keys *keys,
			    const struct cred_issuer *iss, const char *node_id)
{
	memset(s, 0, sizeof(*s));
	s->st = st;
	s->keys = keys;
	json_t *jwks = NULL;
	enum ll_err err = cred_keys_jwks(st, iss, &jwks);
	/* The JWKS lists the newest key first; its kid is the DID URL of the thumbprint. */
	const char *kid = err == LL_OK ? json_string_value(json_object_get(json_array_get(jwks, 0), "kid")) : NULL;
	const char *hash = kid ? strrchr(kid, '#') : NULL;
	if (err == LL_OK && !hash)
		err = ll_fail(LL_INTERNAL, NULL, "the issuer has no key yet");
	if (err == LL_OK) {
		snprintf(s->kid, sizeof(s->kid), "%s", hash + 1);
		snprintf(s->keyid, sizeof(s->keyid), "%s#%s", node_id, s->kid);
	}
	json_decref(jwks);
	return err;
}

enum ll_err fed_signer_sign(void *ctx, const void *base, size_t len, unsigned char sig[64])
{
	struct fed_signer *s = ctx;
	char used[JOSE_THUMBPRINT_MAX];
	enum ll_err err = cred_sign_bytes(s->st, s->keys, base, len, sig, used);
	if (err == LL_OK && strcmp(used, s->kid) != 0)
		err = ll_fail(LL_BUSY, NULL, "the node's key changed while it signed; ask again");
	return err;
}

/* Answers status with obj (taken), signed by this node's newest key for the request's nonce. */
static enum ll_err reply_signed(struct http_req *req, int status, json_t *obj)
{
	struct buf body;
	buf_init(&body);
	bool is_dumped = obj && json_dump_compact(obj, &body);
	json_decref(obj);
	char digest[HTTPSIG_DIGEST_MAX];
	httpsig_content_digest(body.data, body.len, digest);
	char *text = is_dumped ? arena_memdup(&req->arena, body.data, body.len) : NULL;
	size_t len = body.len;
	buf_release(&body);
	if (!text)
		return ll_fail(LL_ARENA_FULL, NULL, NULL);
	struct fed_signer signer;
	enum ll_err err = fed_signer_init(&signer, req->app->st, req->app->keys, req->app->issuer, req->app->node_id);
	if (err != LL_OK)
		return err;
	struct answer_headers h = { "application/json", digest };
	const struct httpsig_message msg = { .status = status, .header = answer_header, .ctx = &h };
	const struct httpsig_params p = { .components = { "@status", "content-type", "content-digest" },
					  .n_components = 3, .created = clock_now_us() / 1000000,
					  .nonce = req->handler_state, .keyid = signer.keyid, .tag = FED_TAG };
	char *input = NULL, *signature = NULL;
	err = httpsig_sign_by(&msg, &p, "sig1", fed_signer_sign, &signer, &input, &signature);
	if (err != LL_OK)
		return err;
	char *in_arena = arena_strdup(&req->arena, input), *sig_arena = arena_strdup(&req->arena, signature);
	char *digest_arena = arena_strdup(&req->arena, digest);
	free(input);
	free(signature);
	if (!in_arena || !sig_arena || !digest_arena)
		return ll_fail(LL_ARENA_FULL, NULL, NULL);
	http_reply_raw(req, status, "application/json", text, len);
	http_add_header(req, "Content-Digest", digest_arena);
	http_add_header(req, "Signature-Input", in_arena);
	http_add_header(req, "Signature", sig_arena);
	http_add_header(req, "Cache-Control", "no-store");
	return LL_OK;
}

/* ---- Aggregate statistics for the regional public database ---- */

static const struct store_stmt ACCOUNTS = {
	"federation stats accounts", "SELECT COUNT(*), COALESCE(SUM(is_activated), 0) FROM persons"
};
static const struct store_stmt OUTCOMES = {
	"federation stats outcomes",
	"SELECT e.kind, COUNT(*) FROM ledger_entries e WHERE e.op <> 'revoke' "
	"AND NOT EXISTS (SELECT 1 FROM ledger_entries n WHERE n.supersedes = e.id) GROUP BY e.kind ORDER BY e.kind"
};
static const struct store_stmt TRANSFERS = {
	"federation stats transfers",
	"SELECT COUNT(*), COALESCE(SUM(credits_milli), 0) FROM transfer_items WHERE status = 'approved'"
};

static enum ll_err accounts_row(const struct store_row *row, void *ctx)
{
	return json_object_set_new(ctx, "accounts", json_pack("{s:I, s:I}", "total", (json_int_t)store_row_i64(row, 0),
							      "activated", (json_int_t)store_row_i64(row, 1))) == 0
		       ? LL_OK
		       : LL_NOMEM;
}

static enum ll_err outcome_row(const struct store_row *row, void *ctx)
{
	return json_array_append_new(ctx, json_pack("{s:s, s:I}", "kind", store_row_text(row, 0), "count",
						    (json_int_t)store_row_i64(row, 1))) == 0
		       ? LL_OK
		       : LL_NOMEM;
}

static enum ll_err transfers_row(const struct store_row *row, void *ctx)
{
	return json_object_set_new(ctx, "transfers", json_pack("{s:I, s:f}", "approved", (json_int_t)store_row_i64(row, 0),
							       "credits", (double)store_row_i64(row, 1) / 1000.0)) == 0
		       ? LL_OK
		       : LL_NOMEM;
}

static enum ll_err stats_txn(struct ll_tx *tx, void *ctx)
{
	json_t *stats = ctx;
	json_t *outcomes = json_array();
	if (!outcomes || json_object_set_new(stats, "outcomes", outcomes) != 0)
		return LL_NOMEM;
	enum ll_err err = store_exec(tx, &ACCOUNTS, SP_NONE, accounts_row, stats);
	if (err == LL_OK)
		err = store_exec(tx, &OUTCOMES, SP_NONE, outcome_row, outcomes);
	if (err == LL_OK)
		err = store_exec(tx, &TRANSFERS, SP_NONE, transfers_row, stats);
	return err;
}

enum ll_err fed_stats(struct ll_store *st, const char *node_id, json_t **ret_stats)
{
	json_t *stats = json_object();
	enum ll_err err = stats ? store_run(st, STORE_READ, "federation stats", stats_txn, stats) : LL_NOMEM;
	if (err == LL_OK) {
		json_object_set_new(stats, "node_id", json_string(node_id));
		json_set_time(stats, "as_of", clock_now_us());
		*ret_stats = stats;
	} else {
		json_decref(stats);
	}
	return err;
}

enum ll_err fed_http_stats(struct http_req *req)
{
	json_t *stats = NULL;
	enum ll_err err = fed_stats(req->app->st, req->app->node_id, &stats);
	return err == LL_OK ? reply_signed(req, 200, stats) : err;
}

/* ---- A person's records, for the node they asked to fetch them ---- */

#define RECORDS_PAGE_MAX 100

const struct json_field fed_records_spec[] = {
	JSON_STR("subject", struct fed_records_in, subject, .min_len = 43, .max_len = 43,
		 .doc = "the keyed hash of the person's ID number under the regional look-up key (base64url)"),
	JSON_STR("purpose", struct fed_records_in, purpose, .min_len = 1, .max_len = 200,
		 .doc = "what the person consented to the fetch for"),
	JSON_TIME("consent_until", struct fed_records_in, consent_until, .doc = "when the person's consent ends"),
	JSON_STR("fetch_id", struct fed_records_in, fetch_id, .min_len = 1, .max_len = 64,
		 .doc = "the asking node's fetch, the same on every page"),
	JSON_I64("after", struct fed_records_in, after, .is_optional = true, .min = 0, .max = INT64_MAX,
		 .doc = "where the page starts: the next of the page before (0: from the first)"),
	JSON_I64("limit", struct fed_records_in, limit, .is_optional = true, .min = 1, .max = RECORDS_PAGE_MAX,
		 .doc = "records at most in the page (default 100)"),
	JSON_END
};

static enum ll_err access_txn(struct ll_tx *tx, void *ctx)
{
	return fed_access_log(tx, ctx);
}

enum ll_err fed_http_records(struct http_req *req)
{
	struct fed_records_in in = { .limit = RECORDS_PAGE_MAX };
	json_t *root = NULL;
	enum ll_err err = http_body(req, &in, &root);
	unsigned char *hash = NULL;
	size_t hash_len = 0;
	int64_t now = clock_now_us();
	if (err == LL_OK && (!jose_b64url_decode(in.subject, strlen(in.subject), &hash, &hash_len) || hash_len != 32))
		err = ll_fail(LL_INVALID_VALUE, "subject", "the subject is 32 bytes in base64url");
	if (err == LL_OK && in.consent_until <= now)
		err = ll_fail(LL_CONSENT_EXPIRED, "consent_until", "the person's consent ended at the time given");
	if (err == LL_OK && !req->app->keys->has_region)
		err = ll_fail(LL_NO_REGION_KEY, NULL, NULL);
	char person_id[64];
	bool is_found = false;
	if (err == LL_OK)
		err = fed_subject_find(req->app->st, req->app->keys, hash, person_id, &is_found);
	free(hash);
	/* Nobody here with that ID number: an empty page, and nothing of anyone to log. */
	json_t *page = NULL;
	if (err == LL_OK && is_found)
		err = cred_badges_of_person(req->app->st, req->app->keys, req->app->issuer, person_id, in.after,
					    (int)in.limit, &page);
	else if (err == LL_OK)
		page = json_pack("{s:[], s:n}", "items", "next");
	if (err == LL_OK && !page)
		err = LL_NOMEM;
	if (err == LL_OK && is_found) {
		const struct fed_access a = { .node_id = req->caller.user_id, .fetch_id = in.fetch_id, .direction = "in",
					      .person_id = person_id, .purpose = in.purpose,
					      .consent_until = in.consent_until,
					      .records = (int64_t)json_array_size(json_object_get(page, "items")),
					      .at = now };
		err = store_run(req->app->st, STORE_WRITE, "federation access", access_txn, (void *)&a);
	}
	if (err == LL_OK) {
		/* Only what the asking node needs: each record's ids and its credential. */
		size_t i;
		json_t *item;
		json_array_foreach (json_object_get(page, "items"), i, item)
			json_object_del(item, "seq");
		json_object_set_new(page, "node_id", json_string(req->app->node_id));
		json_object_set_new(page, "subject", json_string(in.subject));
		json_object_set_new(page, "fetch_id", json_string(in.fetch_id));
		/* The key that signs this node's ledger tree heads, which its credentials' ledger proofs
		 * name: vouched for by this signed answer. */
		char *ledger_key = jose_b64url_encode(req->app->keys->sign_pk, sizeof(req->app->keys->sign_pk));
		if (!ledger_key || json_object_set_new(page, "ledger_key", json_string(ledger_key)) != 0)
			err = LL_NOMEM;
		free(ledger_key);
	}
	json_decref(root);
	if (err != LL_OK) {
		json_decref(page);
		return err;
	}
	return reply_signed(req, 200, page);
}
