/*
 * Checking a credential: that it is a JWS of a verifiable credential, signed by a key its issuer
 * publishes, valid now, and (when it carries one) that its ledger entry is in the ledger under a
 * tree head the issuer signed. Each check is reported in plain words; a credential that fails one
 * is never reported valid.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/crypto.h"
#include "../ledger/ledger.h"
#include "../store/store.h"
#include "credentials.h"

const char *const cred_check_names[] = { "format", "signature", "validity", "status", "ledger", NULL };

enum status { NOT_CHECKED, PASSED, FAILED };
static const char *const STATUS_NAMES[] = { "not_checked", "passed", "failed" };

struct report {
	enum status status[CHECK_COUNT];
	char zh[CHECK_COUNT][256];
	char en[CHECK_COUNT][256];
};

static void note(struct report *r, enum cred_check c, enum status s, const char *zh, const char *en_fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void note(struct report *r, enum cred_check c, enum status s, const char *zh, const char *en_fmt, ...)
{
	r->status[c] = s;
	snprintf(r->zh[c], sizeof(r->zh[c]), "%s", zh);
	va_list ap;
	va_start(ap, en_fmt);
	vsnprintf(r->en[c], sizeof(r->en[c]), en_fmt, ap);
	va_end(ap);
}

/* The issuer's id: a string, or an object's "id". */
static const char *issuer_id(const json_t *vc)
{
	const json_t *iss = json_object_get(vc, "issuer");
	return json_is_string(iss) ? json_string_value(iss) : json_string_value(json_object_get(iss, "id"));
}

static bool has_type(const json_t *vc, const char *type)
{
	const json_t *t = json_object_get(vc, "type");
	if (json_is_string(t))
		return strcmp(json_string_value(t), type) == 0;
	size_t i;
	const json_t *v;
	json_array_foreach (t, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), type) == 0)
			return true;
	return false;
}

static void check_format(const struct jose_jws *j, const json_t *vc, struct report *r)
{
	const char *alg = json_string_value(json_object_get(j->header, "alg"));
	const json_t *ctx = json_object_get(vc, "@context");
	const char *first = json_string_value(json_array_get(ctx, 0));
	if (!alg || strcmp(alg, "EdDSA") != 0)
		note(r, CHECK_FORMAT, FAILED, "签名算法不是 EdDSA。", "The signature algorithm is %s, not EdDSA.",
		     alg ? alg : "not given");
	else if (!json_is_object(vc))
		note(r, CHECK_FORMAT, FAILED, "签名的内容不是 JSON 对象。", "What is signed is not a JSON object.");
	else if (!first || strcmp(first, "https://www.w3.org/ns/credentials/v2") != 0 ||
		 !has_type(vc, "VerifiableCredential"))
		note(r, CHECK_FORMAT, FAILED, "签名的内容不是可验证凭证（W3C VC 2.0）。",
		     "What is signed is not a W3C Verifiable Credential 2.0.");
	else if (!issuer_id(vc))
		note(r, CHECK_FORMAT, FAILED, "凭证没有写明签发者。", "The credential does not name its issuer.");
	else
		note(r, CHECK_FORMAT, PASSED, "这是一份 W3C 可验证凭证，以 JWS 签名。",
		     "This is a W3C Verifiable Credential secured as a JWS.");
}

static enum ll_err check_signature(const struct cred_verifier *keys, const struct jose_jws *j, const json_t *vc,
				   struct report *r, char *ret_kid, size_t kid_cap)
{
	const char *issuer = issuer_id(vc);
	const char *kid = json_string_value(json_object_get(j->header, "kid"));
	size_t il = strlen(issuer);
	snprintf(ret_kid, kid_cap, "%s", kid ? kid : "");
	if (!kid || strncmp(kid, issuer, il) != 0 || kid[il] != '#' || !kid[il + 1]) {
		note(r, CHECK_SIGNATURE, FAILED, "签名没有指明是签发者的哪一把密钥。",
		     "The signature does not name one of its issuer's keys (kid %s).", kid ? kid : "not given");
		return LL_OK;
	}
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES];
	enum cred_key_lookup found = KEY_ISSUER_UNKNOWN;
	enum ll_err err = keys->key(keys->ctx, issuer, kid + il + 1, false, pk, &found);
	if (err != LL_OK)
		return err;
	if (found == KEY_ISSUER_UNKNOWN) {
		note(r, CHECK_SIGNATURE, FAILED, "无法取得签发者公布的密钥，不能确认签名。",
		     "The keys its issuer %s publishes are not known here, so the signature cannot be confirmed.", issuer);
		return LL_OK;
	}
	if (found == KEY_ISSUER_UNREACHABLE) {
		note(r, CHECK_SIGNATURE, FAILED, "签发者公布密钥的地址现在无法访问，不能确认签名。",
		     "The keys its issuer %s publishes could not be fetched now, so the signature cannot be confirmed.",
		     issuer);
		return LL_OK;
	}
	if (found == KEY_NOT_PUBLISHED) {
		note(r, CHECK_SIGNATURE, FAILED, "签名所用的密钥不是签发者公布的密钥。",
		     "The key that signed it (%s) is not one its issuer publishes.", kid + il + 1);
		return LL_OK;
	}
	if (!jose_jws_verify_ed25519(j, pk))
		note(r, CHECK_SIGNATURE, FAILED, "签名不符：凭证在签发后被改动过，或不是这把密钥签的。",
		     "The signature does not match: the credential was changed after it was signed, or another key "
		     "signed it.");
	else
		note(r, CHECK_SIGNATURE, PASSED, "签名有效，由签发者公布的密钥签署。",
		     "The signature is valid, made with a key its issuer publishes.");
	return LL_OK;
}

static void check_validity(const json_t *vc, int64_t now_us, struct report *r)
{
	const char *from = json_string_value(json_object_get(vc, "validFrom"));
	const char *until = json_string_value(json_object_get(vc, "validUntil"));
	ll_time_us t_from = 0, t_until = 0;
	if ((json_object_get(vc, "validFrom") && (!from || !clock_parse_rfc3339(from, &t_from))) ||
	    (json_object_get(vc, "validUntil") && (!until || !clock_parse_rfc3339(until, &t_until))))
		note(r, CHECK_VALIDITY, FAILED, "有效期的日期格式不对。", "Its validity dates are not dates.");
	else if (from && t_from > now_us)
		note(r, CHECK_VALIDITY, FAILED, "凭证尚未生效。", "It is not valid until %s.", from);
	else if (until && t_until <= now_us)
		note(r, CHECK_VALIDITY, FAILED, "凭证已过期。", "It expired at %s.", until);
	else
		note(r, CHECK_VALIDITY, PASSED, "凭证在有效期内。", "It is within its validity dates.");
}

/* The credential's BitstringStatusListEntry (revocation), asked of v's status lists. */
static enum ll_err check_status(const struct cred_verifier *v, const json_t *vc, struct report *r)
{
	const json_t *s = json_object_get(vc, "credentialStatus");
	if (!s) {
		note(r, CHECK_STATUS, NOT_CHECKED, "凭证没有写明在哪里查询撤销状态。",
		     "The credential names no status list to look up revocation in.");
		return LL_OK;
	}
	const char *type = json_string_value(json_object_get(s, "type"));
	const char *purpose = json_string_value(json_object_get(s, "statusPurpose"));
	const char *index = json_string_value(json_object_get(s, "statusListIndex"));
	const char *list = json_string_value(json_object_get(s, "statusListCredential"));
	char *end = NULL;
	unsigned long long at = index && *index >= '0' && *index <= '9' ? strtoull(index, &end, 10) : 0;
	if (!type || strcmp(type, "BitstringStatusListEntry") != 0 || !purpose || strcmp(purpose, "revocation") != 0 ||
	    !end || *end || !list) {
		note(r, CHECK_STATUS, FAILED, "撤销状态的写法不对。",
		     "Its credentialStatus is not a revocation entry of a Bitstring Status List.");
		return LL_OK;
	}
	enum cred_status_lookup found = STATUS_LIST_UNKNOWN;
	if (v->status) {
		enum ll_err err = v->status(v->ctx, issuer_id(vc), list, (uint64_t)at, &found);
		if (err != LL_OK)
			return err;
	}
	if (found == STATUS_REVOKED)
		note(r, CHECK_STATUS, FAILED, "凭证已被撤销：它所证明的记录已被更正或撤销。",
		     "It has been revoked: the record it speaks for was corrected or revoked.");
	else if (found == STATUS_CLEAR)
		note(r, CHECK_STATUS, PASSED, "凭证没有被撤销。", "It has not been revoked.");
	else
		note(r, CHECK_STATUS, NOT_CHECKED, "无法查询签发者的撤销清单。",
		     "Its issuer's status list could not be consulted (%s).", list);
	return LL_OK;
}

static enum ll_err check_ledger(const struct cred_verifier *keys, const json_t *vc, struct report *r)
{
	const json_t *l = json_object_get(vc, "lifelongLedger");
	if (!l) {
		note(r, CHECK_LEDGER, NOT_CHECKED, "凭证没有附带学分银行账本证明。",
		     "The credential carries no ledger proof.");
		return LL_OK;
	}
	const char *entry64 = json_string_value(json_object_get(l, "entry"));
	const char *entry_id = json_string_value(json_object_get(l, "entryId"));
	const char *hash_hex = json_string_value(json_object_get(l, "entryHash"));
	const char *key_id = json_string_value(json_object_get(l, "treeHeadKey"));
	const json_t *index = json_object_get(l, "leafIndex");
	struct merkle_sth sth;
	struct merkle_proof proof;
	unsigned char *entry = NULL, leaf[MERKLE_HASH_BYTES], claimed[MERKLE_HASH_BYTES];
	size_t entry_len = 0;
	const char *issuer = issuer_id(vc);
	size_t il = strlen(issuer);
	bool is_formed = entry64 && entry_id && hash_hex && key_id && json_is_integer(index) &&
			 json_integer_value(index) >= 0 && crypto_unhex(hash_hex, claimed, sizeof(claimed)) &&
			 merkle_sth_from_json(json_object_get(l, "treeHead"), &sth) == LL_OK &&
			 merkle_proof_from_json(json_object_get(l, "inclusionProof"), "inclusionProof", &proof) == LL_OK &&
			 jose_b64url_decode(entry64, strlen(entry64), &entry, &entry_len);
	if (!is_formed) {
		ll_error_clear();
		free(entry);
		note(r, CHECK_LEDGER, FAILED, "账本证明不完整或格式不对。", "The ledger proof is incomplete or malformed.");
		return LL_OK;
	}
	merkle_hash_leaf(entry, entry_len, leaf);
	json_t *fields = json_loadb((const char *)entry, entry_len, 0, NULL);
	free(entry);
	const char *in_entry = json_string_value(json_object_get(fields, "id"));
	bool is_same_entry = in_entry && strcmp(in_entry, entry_id) == 0;
	json_decref(fields);
	/* The tree head must be signed by the issuer's own ledger key. */
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES];
	enum cred_key_lookup found = KEY_ISSUER_UNKNOWN;
	bool is_issuers = strncmp(key_id, issuer, il) == 0 && key_id[il] == '#';
	if (is_issuers) {
		enum ll_err err = keys->key(keys->ctx, issuer, key_id + il + 1, true, pk, &found);
		if (err != LL_OK)
			return err;
	}
	if (memcmp(leaf, claimed, sizeof(leaf)) != 0 || !is_same_entry)
		note(r, CHECK_LEDGER, FAILED, "附带的账本记录与它的哈希不符。",
		     "The ledger entry it carries does not match its hash.");
	else if (!is_issuers || found != KEY_FOUND)
		note(r, CHECK_LEDGER, FAILED, "账本树头不是签发者公布的账本密钥签署的。",
		     "The ledger's tree head names a key (%s) that is not its issuer's published ledger key.", key_id);
	else if (!merkle_sth_verify(&sth, pk))
		note(r, CHECK_LEDGER, FAILED, "账本树头的签名不符。", "The signature of the ledger's tree head does not match.");
	else if (!merkle_inclusion_verify((uint64_t)json_integer_value(index), sth.tree_size, leaf, &proof, sth.root_hash))
		note(r, CHECK_LEDGER, FAILED, "包含证明不成立：这条记录不在签署的账本中。",
		     "The inclusion proof fails: the entry is not in the signed ledger.");
	else
		note(r, CHECK_LEDGER, PASSED, "这条记录在签发者的账本中，账本树头有签发者的签名。",
		     "The entry is in its issuer's ledger, under a tree head the issuer signed.");
	return LL_OK;
}

static enum ll_err verify_at(const struct cred_verifier *v, const char *jws, int64_t now_us, int depth,
			     json_t **ret_report);

#define ENVELOPED_PREFIX "data:application/vc+jwt,"

/* Whether the credential jws claims issuer (read without checking it: its own check comes after). */
static bool is_same_issuer(const char *jws, const char *issuer)
{
	struct jose_jws j;
	if (!issuer || jose_jws_parse(jws, "credential", &j) != LL_OK) {
		ll_error_clear();
		return true; /* not a credential at all: its own report says so */
	}
	json_t *vc = json_loadb(j.payload, j.payload_len, 0, NULL);
	const char *claimed = json_is_object(vc) ? issuer_id(vc) : NULL;
	bool is_same = !claimed || strcmp(claimed, issuer) == 0;
	json_decref(vc);
	jose_jws_release(&j);
	return is_same;
}

/* A transcript (ClrCredential) carries no ledger proof of its own: its ledger check is that each
 * credential it embeds (enveloped, as its JWS) verifies and is in the ledger. Their reports go to
 * *ret_embedded. */
static enum ll_err check_embedded(const struct cred_verifier *v, const json_t *vc, int64_t now_us, int depth,
				  struct report *r, json_t **ret_embedded)
{
	const json_t *subject = json_object_get(vc, "credentialSubject");
	const json_t *list = json_object_get(subject, "verifiableCredential");
	size_t n = json_array_size(list);
	if (!n || depth > 0) {
		note(r, CHECK_LEDGER, FAILED, "成果记录中没有可以验证的凭证。",
		     "The transcript embeds no credentials that can be verified.");
		return LL_OK;
	}
	if (n > CRED_CLR_MAX) {
		note(r, CHECK_LEDGER, FAILED, "成果记录中的凭证太多。",
		     "The transcript embeds %zu credentials, more than the %d a transcript holds.", n, CRED_CLR_MAX);
		return LL_OK;
	}
	json_t *reports = json_array();
	if (!reports)
		return LL_NOMEM;
	size_t failed = 0, not_in_ledger = 0;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(list, i);
		const char *id = json_string_value(json_object_get(e, "id"));
		const char *type = json_string_value(json_object_get(e, "type"));
		json_t *report = NULL;
		bool is_enveloped = id && type && strcmp(type, "EnvelopedVerifiableCredential") == 0 &&
				    strncmp(id, ENVELOPED_PREFIX, strlen(ENVELOPED_PREFIX)) == 0;
		/* Only the transcript's issuer's credentials are its records: another's would be asked
		 * for nothing (and not fetched). */
		const char *jws = is_enveloped ? id + strlen(ENVELOPED_PREFIX) : "";
		if (is_enveloped && !is_same_issuer(jws, issuer_id(vc))) {
			json_decref(reports);
			note(r, CHECK_LEDGER, FAILED, "成果记录中有凭证不是同一签发者签发的。",
			     "Credential %zu of the transcript was issued by another issuer.", i + 1);
			return LL_OK;
		}
		enum ll_err err = verify_at(v, jws, now_us, depth + 1, &report);
		if (err != LL_OK) {
			json_decref(reports);
			return err;
		}
		/* ... and speak of the transcript's person. */
		const json_t *inner = json_object_get(json_object_get(report, "credential"), "credentialSubject");
		if (json_is_true(json_object_get(report, "is_valid")) &&
		    !json_equal(json_object_get(inner, "identifier"), json_object_get(subject, "identifier"))) {
			json_decref(report);
			json_decref(reports);
			note(r, CHECK_LEDGER, FAILED, "成果记录中有凭证属于另一个人。",
			     "Credential %zu of the transcript speaks of another person.", i + 1);
			return LL_OK;
		}
		const json_t *checks = json_object_get(report, "checks");
		const char *ledger = json_string_value(json_object_get(json_array_get(checks, CHECK_LEDGER), "status"));
		failed += !json_is_true(json_object_get(report, "is_valid"));
		not_in_ledger += !ledger || strcmp(ledger, "passed") != 0;
		json_array_append_new(reports, report);
	}
	if (failed)
		note(r, CHECK_LEDGER, FAILED, "成果记录中有凭证没有通过验证。",
		     "%zu of the %zu credentials the transcript embeds do not verify.", failed, n);
	else if (not_in_ledger)
		note(r, CHECK_LEDGER, FAILED, "成果记录中有凭证没有账本证明。",
		     "%zu of the %zu credentials the transcript embeds are not proved to be in the ledger.", not_in_ledger,
		     n);
	else
		note(r, CHECK_LEDGER, PASSED, "成果记录中的每一份凭证都有效，其记录都在签发者的账本中。",
		     "Each of the %zu credentials the transcript embeds is valid, and each record is in its issuer's "
		     "ledger.",
		     n);
	*ret_embedded = reports;
	return LL_OK;
}

enum ll_err cred_verify(const struct cred_verifier *v, const char *jws, int64_t now_us, json_t **ret_report)
{
	return verify_at(v, jws, now_us, 0, ret_report);
}

/* cred_verify of a credential embedded depth deep (a transcript's are 1 deep and embed none). */
static enum ll_err verify_at(const struct cred_verifier *v, const char *jws, int64_t now_us, int depth,
			     json_t **ret_report)
{
	struct report r;
	memset(&r, 0, sizeof(r));
	for (int c = 0; c < CHECK_COUNT; c++)
		note(&r, (enum cred_check)c, NOT_CHECKED, "未检查：前面的检查没有通过。",
		     "Not checked: an earlier check failed.");
	struct jose_jws j;
	json_t *vc = NULL, *embedded = NULL;
	char kid[512] = "";
	enum ll_err err = LL_OK;
	if (jose_jws_parse(jws, "credential", &j) != LL_OK) {
		note(&r, CHECK_FORMAT, FAILED, "这不是一份以 JWS 紧凑格式签名的凭证。",
		     "This is not a credential in the compact JWS form (three base64url parts joined by dots).");
		ll_error_clear();
	} else {
		vc = json_loadb(j.payload, j.payload_len, 0, NULL);
		check_format(&j, vc, &r);
		if (r.status[CHECK_FORMAT] == PASSED)
			err = check_signature(v, &j, vc, &r, kid, sizeof(kid));
		if (err == LL_OK && r.status[CHECK_SIGNATURE] == PASSED) {
			check_validity(vc, now_us, &r);
			err = check_status(v, vc, &r);
			if (err == LL_OK && has_type(vc, "ClrCredential"))
				err = check_embedded(v, vc, now_us, depth, &r, &embedded);
			else if (err == LL_OK)
				err = check_ledger(v, vc, &r);
		}
		jose_jws_release(&j);
	}
	if (err != LL_OK) {
		json_decref(vc);
		json_decref(embedded);
		return err;
	}
	bool is_valid = true;
	json_t *checks = json_array();
	for (int c = 0; c < CHECK_COUNT; c++) {
		is_valid = is_valid && r.status[c] != FAILED && (c >= CHECK_STATUS || r.status[c] == PASSED);
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:s}", "check", cred_check_names[c], "status",
							STATUS_NAMES[r.status[c]], "message", r.zh[c], "message_en", r.en[c]));
	}
	/* What could be read of it, and nothing (rather than null) of what could not. */
	const char *issuer = json_is_object(vc) ? issuer_id(vc) : NULL;
	json_t *report = json_pack("{s:b, s:o}", "is_valid", is_valid, "checks", checks);
	bool is_ok = report && (!issuer || json_object_set_new(report, "issuer", json_string(issuer)) == 0) &&
		     (!kid[0] || json_object_set_new(report, "kid", json_string(kid)) == 0) &&
		     (!json_is_object(vc) || json_object_set(report, "credential", vc) == 0) &&
		     (!embedded || json_object_set(report, "embedded", embedded) == 0);
	json_decref(vc);
	json_decref(embedded);
	if (!is_ok) {
		json_decref(report);
		return LL_NOMEM;
	}
	*ret_report = report;
	return LL_OK;
}

/* ---- Key sources ---- */

struct local_keys {
	struct ll_store *st;
	const struct ll_keys *keys;
	const struct cred_issuer *iss;
	struct cred_resolver *resolver; /* other issuers' documents; NULL: they are unknown */
};

static enum ll_err document_key(void *ctx, const char *did, const char *fragment, bool is_ledger,
				unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], enum cred_key_lookup *ret);
static enum ll_err document_status(void *ctx, const char *did, const char *list_url, uint64_t index,
				   enum cred_status_lookup *ret);

struct documents {
	const json_t *const *docs;
	int n;
	const char *const *lists;
	int n_lists;
};

/* Another issuer's key, from its DID document as the resolver fetches it. */
static enum ll_err remote_key(struct cred_resolver *r, const char *did, const char *fragment, bool is_ledger,
			      unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], enum cred_key_lookup *ret)
{
	json_t *doc = NULL;
	enum ll_err err = cred_resolve_document(r, did, &doc);
	if (err == LL_INVALID_VALUE) {
		ll_error_clear();
		*ret = KEY_ISSUER_UNKNOWN;
		return LL_OK;
	}
	if (err != LL_OK) {
		ll_error_clear();
		*ret = KEY_ISSUER_UNREACHABLE;
		return LL_OK;
	}
	const json_t *docs[] = { doc };
	struct documents d = { docs, 1, NULL, 0 };
	err = document_key(&d, did, fragment, is_ledger, pk, ret);
	json_decref(doc);
	return err;
}

static enum ll_err local_key(void *ctx, const char *did, const char *fragment, bool is_ledger,
			     unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], enum cred_key_lookup *ret)
{
	const struct local_keys *l = ctx;
	*ret = KEY_ISSUER_UNKNOWN;
	if (strcmp(did, l->iss->did) != 0)
		return l->resolver ? remote_key(l->resolver, did, fragment, is_ledger, pk, ret) : LL_OK;
	*ret = KEY_NOT_PUBLISHED;
	if (is_ledger) {
		if (strcmp(fragment, "ledger") == 0) {
			memcpy(pk, l->keys->sign_pk, JOSE_ED25519_PUBLIC_BYTES);
			*ret = KEY_FOUND;
		}
		return LL_OK;
	}
	enum ll_err err = cred_key_public(l->st, fragment, pk);
	if (err == LL_NOT_FOUND) {
		ll_error_clear();
		return LL_OK;
	}
	if (err == LL_OK)
		*ret = KEY_FOUND;
	return err;
}

/* This node's own lists, read from the store as they are now. */
static enum ll_err local_status(void *ctx, const char *did, const char *list_url, uint64_t index,
				enum cred_status_lookup *ret)
{
	const struct local_keys *l = ctx;
	*ret = STATUS_LIST_UNKNOWN;
	if (strcmp(did, l->iss->did) != 0 && l->resolver) {
		/* Another issuer's list, believed once it verifies with the keys of that issuer's document. */
		json_t *doc = NULL;
		char *list = NULL;
		if (cred_resolve_document(l->resolver, did, &doc) != LL_OK ||
		    cred_resolve_status_list(l->resolver, list_url, &list) != LL_OK) {
			ll_error_clear();
			json_decref(doc);
			return LL_OK;
		}
		const json_t *docs[] = { doc };
		const char *lists[] = { list };
		struct documents d = { docs, 1, lists, 1 };
		enum ll_err err = document_status(&d, did, list_url, index, ret);
		json_decref(doc);
		free(list);
		return err;
	}
	char prefix[CRED_URL_MAX];
	cred_status_list_url(l->iss, 0, prefix);
	size_t pl = strlen(prefix) - 1; /* without the list number */
	char *end = NULL;
	const char *n = list_url + pl;
	unsigned long long list = strcmp(did, l->iss->did) == 0 && strncmp(list_url, prefix, pl) == 0 && *n >= '0' &&
					  *n <= '9'
				  ? strtoull(n, &end, 10)
				  : 0;
	if (!end || *end || index >= CRED_STATUS_LIST_BITS || list > UINT64_MAX / CRED_STATUS_LIST_BITS - 1)
		return LL_OK;
	bool is_revoked = false;
	enum ll_err err = cred_status_is_revoked(l->st, list * CRED_STATUS_LIST_BITS + index, &is_revoked);
	if (err == LL_OK)
		*ret = is_revoked ? STATUS_REVOKED : STATUS_CLEAR;
	return err;
}

enum ll_err cred_verify_online(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			       struct cred_resolver *resolver, const char *jws, int64_t now_us, json_t **ret_report)
{
	struct local_keys l = { st, keys, iss, resolver };
	const struct cred_verifier v = { local_key, local_status, &l };
	return cred_verify(&v, jws, now_us, ret_report);
}

enum ll_err cred_verify_local(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			      const char *jws, int64_t now_us, json_t **ret_report)
{
	return cred_verify_online(st, keys, iss, NULL, jws, now_us, ret_report);
}

/* A DID document's verification method did#fragment, when the relation (assertionMethod, or
 * the method named "ledger") lists it. */
static enum ll_err document_key(void *ctx, const char *did, const char *fragment, bool is_ledger,
				unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], enum cred_key_lookup *ret)
{
	const struct documents *d = ctx;
	*ret = KEY_ISSUER_UNKNOWN;
	for (int i = 0; i < d->n; i++) {
		const char *id = json_string_value(json_object_get(d->docs[i], "id"));
		if (!id || strcmp(id, did) != 0)
			continue;
		*ret = KEY_NOT_PUBLISHED;
		char want[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 64];
		snprintf(want, sizeof(want), "%s#%s", did, fragment);
		bool is_listed = is_ledger && strcmp(fragment, "ledger") == 0;
		size_t k;
		const json_t *v;
		json_array_foreach (json_object_get(d->docs[i], "assertionMethod"), k, v)
			is_listed |= !is_ledger && json_is_string(v) && strcmp(json_string_value(v), want) == 0;
		json_array_foreach (json_object_get(d->docs[i], "verificationMethod"), k, v) {
			const char *vid = json_string_value(json_object_get(v, "id"));
			if (is_listed && vid && strcmp(vid, want) == 0 &&
			    jose_jwk_ed25519_parse(json_object_get(v, "publicKeyJwk"), "publicKeyJwk", pk) == LL_OK) {
				*ret = KEY_FOUND;
				return LL_OK;
			}
			ll_error_clear();
		}
		return LL_OK;
	}
	return LL_OK;
}

/* A status list given, believed once it verifies with the same documents (keys only: a list has
 * no status of its own) and is its issuer's list at list_url. */
static enum ll_err document_status(void *ctx, const char *did, const char *list_url, uint64_t index,
				   enum cred_status_lookup *ret)
{
	const struct documents *d = ctx;
	*ret = STATUS_LIST_UNKNOWN;
	const struct cred_verifier keys_only = { document_key, NULL, (void *)d };
	for (int i = 0; i < d->n_lists; i++) {
		json_t *report = NULL;
		enum ll_err err = cred_verify(&keys_only, d->lists[i], clock_now_us(), &report);
		if (err != LL_OK)
			return err;
		const json_t *list = json_object_get(report, "credential");
		const json_t *subject = json_object_get(list, "credentialSubject");
		const char *id = json_string_value(json_object_get(list, "id"));
		const char *purpose = json_string_value(json_object_get(subject, "statusPurpose"));
		unsigned char *bits = NULL;
		size_t len = 0;
		bool is_it = json_is_true(json_object_get(report, "is_valid")) && id && strcmp(id, list_url) == 0 &&
			     strcmp(json_string_value(json_object_get(report, "issuer")), did) == 0 && purpose &&
			     strcmp(purpose, "revocation") == 0 &&
			     cred_status_decode(json_string_value(json_object_get(subject, "encodedList")), "encodedList",
						&bits, &len) == LL_OK;
		ll_error_clear();
		if (is_it)
			*ret = cred_status_get(bits, len, index) ? STATUS_REVOKED : STATUS_CLEAR;
		free(bits);
		json_decref(report);
		if (is_it)
			return LL_OK;
	}
	return LL_OK;
}

enum ll_err cred_verify_with_documents(const json_t *const *docs, int n, const char *const *lists, int n_lists,
				       const char *jws, int64_t now_us, json_t **ret_report)
{
	struct documents d = { docs, n, lists, n_lists };
	const struct cred_verifier v = { document_key, document_status, &d };
	return cred_verify(&v, jws, now_us, ret_report);
}
