/*
 * Credentials on a real database: the issuer's keys (made once, rotated with an audit row,
 * published newest first; a credential signed before a rotation still verifies after it), issuing
 * a person's own current outcome (recorded, listed, read back, and verified with this node's keys
 * or with its DID document), refusals that store nothing (another person's outcome, an unknown or
 * revoked one, none named, another person's credential), a corrected outcome issued for its newest
 * entry, a credential whose key row is gone or changed, the node's ledger key, which verifies
 * tree heads but never a credential, and migration 0019, which leaves credential_entries to
 * transcripts. Every case runs on SQLite and, when LIFELONG_TEST_PG names a server, on
 * PostgreSQL, from an empty migrated database (ledger_fixture.h, credentials_fixture.h).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embed.h"
#include "credentials_fixture.h"
#include "json_fixture.h"

static int64_t credentials_count(struct fx *f)
{
	return count_rows(f->st, "credentials");
}

/* ---- Keys ---- */

static void test_keys_ensure_makes_one_key_and_then_none(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_int_equal(count_rows(f->st, "credential_keys"), 0);
	json_t *keys = NULL;
	assert_ok(cred_keys_jwks(f->st, &iss, &keys));
	assert_int_equal(json_array_size(keys), 0);
	json_decref(keys);

	assert_ok(cred_keys_ensure(f->st, g_keys));
	assert_int_equal(count_rows(f->st, "credential_keys"), 1);
	assert_ok(cred_keys_ensure(f->st, g_keys));
	assert_int_equal(count_rows(f->st, "credential_keys"), 1);
	/* Made at start-up, by nobody: not audited. */
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM audit_log WHERE action = 'credential_key.rotate'", SP_NONE),
			 0);

	/* Published as an Ed25519 JWK named by the issuer's DID URL of its thumbprint (what a
	 * credential's header names), and found by the thumbprint. */
	assert_ok(cred_keys_jwks(f->st, &iss, &keys));
	assert_int_equal(json_array_size(keys), 1);
	json_t *jwk = json_array_get(keys, 0);
	assert_string_equal(jstr(jwk, "kty"), "OKP");
	assert_string_equal(jstr(jwk, "crv"), "Ed25519");
	assert_string_equal(jstr(jwk, "alg"), "EdDSA");
	assert_string_equal(jstr(jwk, "use"), "sig");
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], found[JOSE_ED25519_PUBLIC_BYTES];
	assert_ok(jose_jwk_ed25519_parse(jwk, "keys[0]", pk));
	char kid[JOSE_THUMBPRINT_MAX], url[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 2];
	jose_jwk_thumbprint(pk, kid);
	snprintf(url, sizeof(url), "%s#%s", iss.did, kid);
	assert_string_equal(jstr(jwk, "kid"), url);
	assert_null(json_object_get(jwk, "d"));
	assert_ok(cred_key_public(f->st, kid, found));
	assert_memory_equal(found, pk, sizeof(pk));
	assert_fails(cred_key_public(f->st, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", found), LL_NOT_FOUND, "kid");
	json_decref(keys);
	/* The secret half is sealed, never the key itself. */
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credential_keys WHERE created_by IS NULL", SP_NONE), 1);
}

static void test_key_rotation_is_audited_and_older_credentials_still_verify(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result d = credit_ok(f, 0, "高等数学", "row-1");
	json_t *before = badge_ok(f, &iss, 0, d.outcome_id);
	const char *old_kid = jstr(before, "kid");
	assert_non_null(old_kid);
	int64_t audit_before = count_rows(f->st, "audit_log");

	char kid[JOSE_THUMBPRINT_MAX];
	assert_ok(cred_key_rotate(f->st, g_keys, &ACTOR, kid));
	assert_int_equal(strlen(kid), 43);
	assert_string_not_equal(kid, old_kid);
	assert_int_equal(count_rows(f->st, "credential_keys"), 2);
	assert_int_equal(count_rows(f->st, "audit_log"), audit_before + 1);
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM audit_log WHERE action = 'credential_key.rotate' AND "
				 "target_type = 'credential_key' AND target_id = $1 AND actor_id = $2 AND actor_role = $3",
				 SP(SV_TEXT(kid), SV_TEXT(ACTOR.id), SV_TEXT(ACTOR.role))),
			 1);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credential_keys WHERE kid = $1 AND created_by = $2",
				 SP(SV_TEXT(kid), SV_TEXT(ACTOR.id))),
			 1);
	/* Ensuring now makes none: there are keys. */
	assert_ok(cred_keys_ensure(f->st, g_keys));
	assert_int_equal(count_rows(f->st, "credential_keys"), 2);

	/* Both published, newest first. */
	json_t *keys = NULL;
	assert_ok(cred_keys_jwks(f->st, &iss, &keys));
	assert_int_equal(json_array_size(keys), 2);
	char url[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 2];
	snprintf(url, sizeof(url), "%s#%s", iss.did, kid);
	assert_string_equal(jstr(json_array_get(keys, 0), "kid"), url);
	snprintf(url, sizeof(url), "%s#%s", iss.did, old_kid);
	assert_string_equal(jstr(json_array_get(keys, 1), "kid"), url);
	json_decref(keys);

	/* The credential signed before still verifies, naming the old key. */
	json_t *report = verified_locally(f, &iss, g_keys, jstr(before, "jws"));
	assert_report(report, true, "passed", "passed", "passed", NULL, "passed");
	char want_kid[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 2];
	snprintf(want_kid, sizeof(want_kid), "%s#%s", iss.did, old_kid);
	assert_string_equal(jstr(report, "kid"), want_kid);
	json_decref(report);

	/* One issued after names the new key, in its summary and in its JWS header. */
	json_t *after = badge_ok(f, &iss, 0, d.outcome_id);
	assert_string_equal(jstr(after, "kid"), kid);
	snprintf(want_kid, sizeof(want_kid), "%s#%s", iss.did, kid);
	struct jose_jws j;
	assert_ok(jose_jws_parse(jstr(after, "jws"), "jws", &j));
	assert_string_equal(jstr(j.header, "kid"), want_kid);
	jose_jws_release(&j);
	report = verified_locally(f, &iss, g_keys, jstr(after, "jws"));
	assert_report(report, true, "passed", "passed", "passed", NULL, "passed");
	assert_string_equal(jstr(report, "kid"), want_kid);
	json_decref(report);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credentials WHERE id = $1 AND kid = $2",
				 SP(SV_TEXT(jstr(after, "id")), SV_TEXT(kid))),
			 1);
	json_decref(after);
	json_decref(before);
}

/* ---- Issuing ---- */

static void test_issue_badge_for_own_current_outcome_is_recorded_and_verifies(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	/* Three outcomes, so that the proof of the middle one has a path. */
	credit_ok(f, 0, "线性代数", "row-0");
	struct deposit_result d = credit_ok(f, 0, "高等数学", "row-1");
	credit_ok(f, 1, "概率论", "row-2");
	json_t *obj = badge_ok(f, &iss, 0, d.outcome_id);

	const char *id = jstr(obj, "id");
	assert_non_null(id);
	assert_int_equal(strncmp(id, "urn:uuid:", 9), 0);
	assert_string_equal(jstr(obj, "type"), CRED_TYPE_BADGE);
	assert_string_equal(jstr(obj, "outcome_id"), d.outcome_id);
	assert_string_equal(jstr(obj, "entry_id"), d.entry_id);
	assert_string_equal(jstr(obj, "title"), "高等数学");
	assert_non_null(jstr(obj, "issued_at"));
	const json_t *vc = json_object_get(obj, "credential");
	assert_string_equal(jstr(vc, "id"), id);
	assert_string_equal(jstr(json_object_get(vc, "issuer"), "id"), iss.did);
	const json_t *subject = json_object_get(vc, "credentialSubject");
	assert_string_equal(jstr(json_object_get(subject, "achievement"), "name"), "高等数学");
	const json_t *ledger = json_object_get(vc, "lifelongLedger");
	assert_string_equal(jstr(ledger, "entryId"), d.entry_id);
	assert_int_equal(json_integer_value(json_object_get(ledger, "leafIndex")), 1);
	char log_key[CRED_DID_MAX + 16];
	snprintf(log_key, sizeof(log_key), "%s#ledger", iss.did);
	assert_string_equal(jstr(ledger, "treeHeadKey"), log_key);

	/* The JWS: VC-JOSE's header, the credential as its payload. */
	struct jose_jws j;
	assert_ok(jose_jws_parse(jstr(obj, "jws"), "jws", &j));
	assert_string_equal(jstr(j.header, "alg"), "EdDSA");
	assert_string_equal(jstr(j.header, "typ"), "vc+jwt");
	assert_string_equal(jstr(j.header, "cty"), "vc");
	char kid[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 2];
	snprintf(kid, sizeof(kid), "%s#%s", iss.did, jstr(obj, "kid"));
	assert_string_equal(jstr(j.header, "kid"), kid);
	json_t *payload = json_loadb(j.payload, j.payload_len, 0, NULL);
	assert_true(json_equal(payload, vc));
	json_decref(payload);
	jose_jws_release(&j);

	json_t *report = verified_locally(f, &iss, g_keys, jstr(obj, "jws"));
	assert_report(report, true, "passed", "passed", "passed", NULL, "passed");
	assert_string_equal(jstr(report, "issuer"), iss.did);
	json_decref(report);

	/* Recorded for its person and entry. */
	assert_int_equal(credentials_count(f), 1);
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM credentials WHERE id = $1 AND person_id = $2 AND outcome_id = $3 AND "
				 "entry_id = $4 AND type = $5 AND jws = $6",
				 SP(SV_TEXT(id), SV_TEXT(person_ids[0]), SV_TEXT(d.outcome_id), SV_TEXT(d.entry_id),
				    SV_TEXT(CRED_TYPE_BADGE), SV_TEXT(jstr(obj, "jws")))),
			 1);

	/* Listed without its text; read back with it. */
	json_t *page = NULL;
	assert_ok(cred_list(f->st, person_ids[0], &page));
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 1);
	json_t *item = json_array_get(items, 0);
	assert_string_equal(jstr(item, "id"), id);
	assert_string_equal(jstr(item, "entry_id"), d.entry_id);
	assert_string_equal(jstr(item, "outcome_id"), d.outcome_id);
	assert_string_equal(jstr(item, "kid"), jstr(obj, "kid"));
	assert_null(json_object_get(item, "jws"));
	assert_null(json_object_get(item, "credential"));
	json_decref(page);
	assert_ok(cred_list(f->st, person_ids[1], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);

	json_t *got = NULL;
	assert_ok(cred_get(f->st, person_ids[0], id, &got));
	assert_string_equal(jstr(got, "id"), id);
	assert_string_equal(jstr(got, "jws"), jstr(obj, "jws"));
	assert_true(json_equal(json_object_get(got, "credential"), vc));
	assert_string_equal(jstr(got, "entry_id"), d.entry_id);
	json_decref(got);

	/* Another issuer's node does not know this issuer; another node's ledger key did not sign
	 * its tree head. */
	struct cred_issuer other;
	assert_ok(cred_issuer_init("https://other.example", &other));
	report = verified_locally(f, &other, g_keys, jstr(obj, "jws"));
	assert_report(report, false, "passed", "failed", "not_checked", NULL, "not_checked");
	json_decref(report);
	struct ll_keys *stranger = sodium_malloc(sizeof(*stranger));
	memcpy(stranger, g_keys, sizeof(*stranger));
	crypto_sign_keypair(stranger->sign_pk, stranger->sign_sk);
	report = verified_locally(f, &iss, stranger, jstr(obj, "jws"));
	assert_report(report, false, "passed", "passed", "passed", NULL, "failed");
	json_decref(report);
	sodium_free(stranger);
	json_decref(obj);
}

static void test_refused_issues_and_reads_store_nothing(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	struct deposit_result mine = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result theirs = credit_ok(f, 1, "高等数学", "row-2");
	struct deposit_result gone = credit_ok(f, 0, "线性代数", "row-3");
	const char *revocation = revoke_ok(f, U1, gone.outcome_id, "录入错误");

	/* No key yet: nothing can be signed. */
	json_t *obj = NULL;
	assert_fails(cred_issue_badge(f->st, g_keys, &iss, person_ids[0], mine.outcome_id, &obj), LL_INTERNAL, NULL);
	assert_null(obj);
	assert_int_equal(credentials_count(f), 0);

	assert_ok(cred_keys_ensure(f->st, g_keys));
	json_t *their_credential = badge_ok(f, &iss, 1, theirs.outcome_id);
	int64_t before = credentials_count(f);
	assert_int_equal(before, 1);

	static const struct {
		int person;
		const char *what;
	} cases[] = {
		{ 0, "another person's outcome" },
		{ 0, "an unknown outcome" },
		{ 0, "a revoked outcome" },
		{ 0, "the entry that revoked an outcome" },
		{ 2, "another person's outcome, asked for by a third" },
	};
	const char *const ids[] = { theirs.outcome_id, "01a20bb3-0585-75f0-8be1-aa12d730ffff", gone.outcome_id,
				    revocation, mine.outcome_id };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ll_err err = cred_issue_badge(f->st, g_keys, &iss, person_ids[cases[i].person], ids[i], &obj);
		if (err != LL_NOT_FOUND)
			fail_msg("%s: got %s, want not_found", cases[i].what, ll_err_code(err));
		assert_string_equal(ll_error_get(err)->field, "outcome_id");
		assert_null(obj);
		assert_int_equal(credentials_count(f), before);
	}
	assert_fails(cred_issue_badge(f->st, g_keys, &iss, person_ids[0], "", &obj), LL_MISSING_FIELD, "outcome_id");
	assert_fails(cred_issue_badge(f->st, g_keys, &iss, person_ids[0], NULL, &obj), LL_MISSING_FIELD, "outcome_id");
	assert_null(obj);
	assert_int_equal(credentials_count(f), before);

	/* Another person's credential is not found, nor one of no one's. */
	assert_fails(cred_get(f->st, person_ids[0], jstr(their_credential, "id"), &obj), LL_NOT_FOUND, NULL);
	assert_fails(cred_get(f->st, person_ids[0], "urn:uuid:01a20bb3-0585-75f0-8be1-aa12d730ffff", &obj),
		     LL_NOT_FOUND, NULL);
	assert_null(obj);
	json_t *page = NULL;
	assert_ok(cred_list(f->st, person_ids[0], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);
	assert_int_equal(credentials_count(f), before);
	json_decref(their_credential);
}

static void test_corrected_outcome_is_issued_for_its_newest_entry(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result d = credit_ok(f, 0, "Calculus", "c-1");
	json_t *first = badge_ok(f, &iss, 0, d.outcome_id);
	assert_string_equal(jstr(first, "entry_id"), d.entry_id);

	const char *entry_id = corrected_ok(f, 0, d.outcome_id, "Calculus I");
	assert_string_not_equal(entry_id, d.entry_id);

	json_t *second = badge_ok(f, &iss, 0, d.outcome_id);
	assert_string_equal(jstr(second, "outcome_id"), d.outcome_id);
	assert_string_equal(jstr(second, "entry_id"), entry_id);
	assert_string_equal(jstr(second, "title"), "Calculus I");
	const json_t *ledger = json_object_get(json_object_get(second, "credential"), "lifelongLedger");
	assert_string_equal(jstr(ledger, "entryId"), entry_id);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credentials WHERE id = $1 AND entry_id = $2",
				 SP(SV_TEXT(jstr(second, "id")), SV_TEXT(entry_id))),
			 1);
	assert_valid(f, &iss, jstr(second, "jws"));
	assert_int_equal(credentials_count(f), 2);
	json_decref(second);
	json_decref(first);
}

/* ---- Publishing and verifying ---- */

static void test_did_document_lists_every_key_and_the_ledger_key_and_verifies(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result d = credit_ok(f, 0, "高等数学", "row-1");
	json_t *before = badge_ok(f, &iss, 0, d.outcome_id);
	char new_kid[JOSE_THUMBPRINT_MAX];
	assert_ok(cred_key_rotate(f->st, g_keys, &ACTOR, new_kid));
	json_t *after = badge_ok(f, &iss, 0, d.outcome_id);

	json_t *doc = NULL;
	assert_ok(cred_did_document(f->st, g_keys, &iss, &doc));
	assert_string_equal(jstr(doc, "id"), iss.did);
	json_t *methods = json_object_get(doc, "verificationMethod");
	json_t *assertion = json_object_get(doc, "assertionMethod");
	json_t *keys = NULL;
	assert_ok(cred_keys_jwks(f->st, &iss, &keys));
	assert_int_equal(json_array_size(keys), 2);
	assert_int_equal(json_array_size(methods), 3);
	assert_int_equal(json_array_size(assertion), 2);
	/* Each key a method of the issuer's, with its JWK, and an assertion method. */
	for (size_t i = 0; i < json_array_size(keys); i++) {
		const json_t *jwk = json_array_get(keys, i);
		const char *id = jstr(jwk, "kid");
		const json_t *m = json_array_get(methods, i);
		assert_string_equal(jstr(m, "id"), id);
		assert_string_equal(jstr(m, "controller"), iss.did);
		assert_string_equal(jstr(json_object_get(m, "publicKeyJwk"), "x"), jstr(jwk, "x"));
		assert_string_equal(json_string_value(json_array_get(assertion, i)), id);
	}
	/* The ledger's key, by its fragment, not an assertion method. */
	char ledger_id[CRED_DID_MAX + 16];
	snprintf(ledger_id, sizeof(ledger_id), "%s#ledger", iss.did);
	const json_t *ledger = json_array_get(methods, 2);
	assert_string_equal(jstr(ledger, "id"), ledger_id);
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES];
	assert_ok(jose_jwk_ed25519_parse(json_object_get(ledger, "publicKeyJwk"), "publicKeyJwk", pk));
	assert_memory_equal(pk, g_keys->sign_pk, sizeof(pk));
	for (size_t i = 0; i < json_array_size(assertion); i++)
		assert_string_not_equal(json_string_value(json_array_get(assertion, i)), ledger_id);
	json_decref(keys);

	/* Credentials of both keys verify with the document, as a verifier elsewhere reads it. */
	char *text = json_dumps(doc, JSON_COMPACT);
	json_t *fetched = parse(text);
	free(text);
	const json_t *docs[] = { fetched };
	json_t *const issued_ones[] = { before, after };
	for (int i = 0; i < 2; i++) {
		json_t *report = NULL;
		assert_ok(cred_verify_with_documents(docs, 1, NULL, 0, jstr(issued_ones[i], "jws"), clock_now_us(), &report));
		assert_report(report, true, "passed", "passed", "passed", NULL, "passed");
		json_decref(report);
	}
	/* A document whose ledger method is another key: the ledger check fails. */
	unsigned char other_pk[crypto_sign_PUBLICKEYBYTES], other_sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(other_pk, other_sk);
	json_object_set_new(json_array_get(json_object_get(fetched, "verificationMethod"), 2), "publicKeyJwk",
			    jose_jwk_ed25519(other_pk, NULL));
	json_t *report = NULL;
	assert_ok(cred_verify_with_documents(docs, 1, NULL, 0, jstr(after, "jws"), clock_now_us(), &report));
	assert_report(report, false, "passed", "passed", "passed", NULL, "failed");
	json_decref(report);
	sodium_memzero(other_sk, sizeof(other_sk));
	json_decref(fetched);
	json_decref(doc);
	json_decref(after);
	json_decref(before);
}

static void test_credential_whose_key_row_is_gone_or_changed_fails_the_signature(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result d = credit_ok(f, 0, "高等数学", "row-1");
	json_t *obj = badge_ok(f, &iss, 0, d.outcome_id);
	const char *jws = jstr(obj, "jws");
	const char *kid = jstr(obj, "kid");
	assert_valid(f, &iss, jws);

	/* Its key's public half replaced behind the API's back. */
	unsigned char other_pk[crypto_sign_PUBLICKEYBYTES], other_sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(other_pk, other_sk);
	sodium_memzero(other_sk, sizeof(other_sk));
	unsigned char pk[JOSE_ED25519_PUBLIC_BYTES];
	assert_ok(cred_key_public(f->st, kid, pk));
	assert_int_equal(sql(f->st, "UPDATE credential_keys SET public_key = $1 WHERE kid = $2",
			     SP(SV_BLOB(other_pk, sizeof(other_pk)), SV_TEXT(kid)), NULL, NULL),
			 1);
	json_t *report = verified_locally(f, &iss, g_keys, jws);
	assert_report(report, false, "passed", "failed", "not_checked", NULL, "not_checked");
	json_decref(report);
	sql(f->st, "UPDATE credential_keys SET public_key = $1 WHERE kid = $2", SP(SV_BLOB(pk, sizeof(pk)), SV_TEXT(kid)),
	    NULL, NULL);
	assert_valid(f, &iss, jws);

	/* Its key deleted (the credential's rows first: it names the key). */
	sql(f->st, "DELETE FROM credential_entries WHERE credential_id IN (SELECT id FROM credentials WHERE kid = $1)",
	    SP(SV_TEXT(kid)), NULL, NULL);
	sql(f->st, "DELETE FROM credentials WHERE kid = $1", SP(SV_TEXT(kid)), NULL, NULL);
	assert_int_equal(sql(f->st, "DELETE FROM credential_keys WHERE kid = $1", SP(SV_TEXT(kid)), NULL, NULL), 1);
	report = verified_locally(f, &iss, g_keys, jws);
	assert_report(report, false, "passed", "failed", "not_checked", NULL, "not_checked");
	json_decref(report);
	/* A new key does not bring it back. */
	assert_ok(cred_keys_ensure(f->st, g_keys));
	report = verified_locally(f, &iss, g_keys, jws);
	assert_report(report, false, "passed", "failed", "not_checked", NULL, "not_checked");
	json_decref(report);
	json_decref(obj);
}

static void test_local_verification_takes_the_node_key_for_tree_heads_only(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result d = credit_ok(f, 0, "高等数学", "row-1");
	json_t *obj = badge_ok(f, &iss, 0, d.outcome_id);
	/* The same credential signed by the node's ledger key and naming it: the key is published,
	 * but for tree heads, not for credentials. */
	char kid[CRED_DID_MAX + 16];
	snprintf(kid, sizeof(kid), "%s#ledger", iss.did);
	json_t *header = json_pack("{s:s, s:s, s:s, s:s}", "alg", "EdDSA", "kid", kid, "typ", "vc+jwt", "cty", "vc");
	char *payload = json_dumps(json_object_get(obj, "credential"), JSON_COMPACT);
	char *jws = NULL;
	assert_ok(jose_jws_sign_ed25519(header, payload, strlen(payload), g_keys->sign_sk, &jws));
	json_t *report = verified_locally(f, &iss, g_keys, jws);
	assert_report(report, false, "passed", "failed", "not_checked", NULL, "not_checked");
	json_decref(report);
	free(jws);
	free(payload);
	json_decref(header);
	json_decref(obj);
}

/* The newest key signs even when the clock stepped back between two keys, or made both in one
 * microsecond: keys are ordered by the number they were made with, not by time. */
static void test_the_newest_key_signs_whatever_the_clock_says(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	struct deposit_result d = credit_ok(f, 0, "高等数学", "row-1");
	const int64_t t = INT64_C(1795400000000000);
	clock_set_fixed(t);
	assert_ok(cred_keys_ensure(f->st, g_keys));
	char kid[JOSE_THUMBPRINT_MAX];
	for (int i = 0; i < 4; i++) {
		clock_set_fixed(i % 2 ? t : t - 1000000); /* a second back, or the same microsecond */
		assert_ok(cred_key_rotate(f->st, g_keys, &ACTOR, kid));
		json_t *obj = badge_ok(f, &iss, 0, d.outcome_id);
		assert_string_equal(jstr(obj, "kid"), kid);
		json_decref(obj);
		json_t *keys = NULL;
		assert_ok(cred_keys_jwks(f->st, &iss, &keys));
		char url[CRED_DID_MAX + JOSE_THUMBPRINT_MAX + 2];
		snprintf(url, sizeof(url), "%s#%s", iss.did, kid);
		assert_string_equal(jstr(json_array_get(keys, 0), "kid"), url);
		json_decref(keys);
	}
	clock_set_fixed(0);
}

/* ---- Revocation ---- */

/* Credentials are numbered in the status lists as they are issued; revoking or correcting the
 * outcome a credential speaks for sets its bit, at once for this node's verifier and in the list
 * it serves; the others stay clear. */
static void test_revoking_or_correcting_an_outcome_revokes_its_credentials(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	struct deposit_result c = credit_ok(f, 1, "大学英语", "row-3");
	json_t *ca = badge_ok(f, &iss, 0, a.outcome_id), *cb = badge_ok(f, &iss, 0, b.outcome_id);
	json_t *cc = badge_ok(f, &iss, 1, c.outcome_id);
	assert_int_equal(index_of(json_object_get(ca, "credential")), 0);
	assert_int_equal(index_of(json_object_get(cb, "credential")), 1);
	assert_int_equal(index_of(json_object_get(cc, "credential")), 2);
	/* A badge's entry is its own row's alone: what revokes it is found there. */
	assert_int_equal(count_rows(f->st, "credential_entries"), 0);
	unsigned char *bits = list_bits(f, &iss);
	for (uint64_t i = 0; i < CRED_STATUS_LIST_BITS; i++)
		if (cred_status_get(bits, CRED_STATUS_LIST_BYTES, i))
			fail_msg("bit %llu is set before anything was revoked", (unsigned long long)i);
	free(bits);
	json_t *report = verified_locally(f, &iss, g_keys, jstr(ca, "jws"));
	assert_string_equal(status_of(report, "status"), "passed");
	json_decref(report);

	/* a is revoked, b corrected: both credentials are revoked, c's is not. */
	revoke_ok(f, U1, a.outcome_id, "录入错误");
	struct outcome fixed = credit_of(f, 0, "线性代数（更正）", 4000, "2026-06-30", "row-2");
	struct deposit_result r;
	const struct ledger_caller staff = staff_of(U1);
	assert_ok(ledger_correct(f->st, &staff, b.outcome_id, &fixed, "名称有误", &ACTOR, &f->a, &r));
	if (r.status == SUB_PENDING)
		assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	bits = list_bits(f, &iss);
	assert_true(cred_status_get(bits, CRED_STATUS_LIST_BYTES, 0));
	assert_true(cred_status_get(bits, CRED_STATUS_LIST_BYTES, 1));
	assert_false(cred_status_get(bits, CRED_STATUS_LIST_BYTES, 2));
	free(bits);
	const json_t *const revoked[] = { ca, cb };
	for (int i = 0; i < 2; i++) {
		report = verified_locally(f, &iss, g_keys, jstr(revoked[i], "jws"));
		assert_report(report, false, "passed", "passed", "passed", "failed", "passed");
		json_decref(report);
	}
	assert_valid(f, &iss, jstr(cc, "jws"));
	/* The corrected outcome's new version gets a credential of its own, clear. */
	json_t *cb2 = badge_ok(f, &iss, 0, b.outcome_id);
	assert_int_equal(index_of(json_object_get(cb2, "credential")), 3);
	report = verified_locally(f, &iss, g_keys, jstr(cb2, "jws"));
	assert_string_equal(status_of(report, "status"), "passed");
	json_decref(report);

	/* No credential reaches list 1 yet. */
	char *jws = NULL;
	assert_fails(cred_status_list_jws(f->st, g_keys, &iss, 1, &jws), LL_NOT_FOUND, NULL);
	assert_null(jws);
	json_decref(ca);
	json_decref(cb);
	json_decref(cb2);
	json_decref(cc);
}

#define ISSUERS 6
#define ISSUES_EACH 5

struct issuer_thread {
	pthread_t thread;
	struct fx *f;
	const struct cred_issuer *iss;
	const char *outcome_ids[ISSUES_EACH];
	json_t *issued[ISSUES_EACH];
	enum ll_err err;
};

static void *issuer_main(void *arg)
{
	struct issuer_thread *t = arg;
	for (int i = 0; i < ISSUES_EACH && t->err == LL_OK; i++)
		t->err = cred_issue_badge(t->f->st, g_keys, t->iss, person_ids[0], t->outcome_ids[i], &t->issued[i]);
	return NULL;
}

/* Credentials issued at the same time (they share commits): every one is recorded once, with a
 * status index no other has, and verifies. */
static void test_credentials_issued_at_once_each_get_their_own_index_and_verify(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct issuer_thread t[ISSUERS];
	for (int k = 0; k < ISSUERS; k++) {
		t[k] = (struct issuer_thread){ .f = f, .iss = &iss };
		for (int i = 0; i < ISSUES_EACH; i++) {
			char title[32], row[32];
			snprintf(title, sizeof(title), "课程 %d-%d", k, i);
			snprintf(row, sizeof(row), "row-%d-%d", k, i);
			t[k].outcome_ids[i] = credit_ok(f, 0, title, row).outcome_id;
		}
	}
	for (int k = 0; k < ISSUERS; k++)
		assert_int_equal(pthread_create(&t[k].thread, NULL, issuer_main, &t[k]), 0);
	for (int k = 0; k < ISSUERS; k++)
		pthread_join(t[k].thread, NULL);
	static bool seen[ISSUERS * ISSUES_EACH];
	memset(seen, 0, sizeof(seen));
	for (int k = 0; k < ISSUERS; k++) {
		assert_int_equal(t[k].err, LL_OK);
		for (int i = 0; i < ISSUES_EACH; i++) {
			uint64_t index = index_of(json_object_get(t[k].issued[i], "credential"));
			assert_true(index < ISSUERS * ISSUES_EACH);
			assert_false(seen[index]);
			seen[index] = true;
			assert_string_equal(jstr(t[k].issued[i], "outcome_id"), t[k].outcome_ids[i]);
			assert_valid(f, &iss, jstr(t[k].issued[i], "jws"));
			json_decref(t[k].issued[i]);
		}
	}
	assert_int_equal(count_rows(f->st, "credentials"), ISSUERS * ISSUES_EACH);
	/* a badge's entry is its own row's: credential_entries lists only a transcript's */
	assert_int_equal(count_rows(f->st, "credential_entries"), 0);
}

/* ---- Migration 0019 ---- */

/* 0019_credential_entries.sql leaves credential_entries to transcripts: a badge's row there,
 * which issuing wrote until then, goes, and a transcript's rows stay. 0019 changes rows only, so
 * its script is run again here over rows as version 18 left them. Afterwards the badge is revoked
 * through its own entry and the transcript through its rows. */
static void test_migration_19_keeps_credential_entries_of_transcripts_only(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	json_t *badge = badge_ok(f, &iss, 0, a.outcome_id);
	const char *badge_id = jstr(badge, "id");
	uint64_t badge_index = index_of(json_object_get(badge, "credential"));
	/* The rows of version 18: the badge's entry listed too, and a transcript of both entries. */
	sql(f->st, "INSERT INTO credential_entries (credential_id, entry_id) VALUES ($1, $2)",
	    SP(SV_TEXT(badge_id), SV_TEXT(a.entry_id)), NULL, NULL);
	sql(f->st,
	    "INSERT INTO credentials (id, person_id, type, outcome_id, entry_id, kid, title, issued_at, jws, "
	    "status_index) SELECT 'urn:uuid:test-clr', person_id, $1, NULL, NULL, kid, 'transcript', issued_at, jws, "
	    "status_index + 1 FROM credentials WHERE id = $2",
	    SP(SV_TEXT(CRED_TYPE_CLR), SV_TEXT(badge_id)), NULL, NULL);
	sql(f->st, "INSERT INTO credential_entries (credential_id, entry_id) VALUES ('urn:uuid:test-clr', $1), "
		   "('urn:uuid:test-clr', $2)",
	    SP(SV_TEXT(a.entry_id), SV_TEXT(b.entry_id)), NULL, NULL);
	assert_int_equal(count_rows(f->st, "credential_entries"), 3);

	/* 0019 as it is compiled in, run again over those rows: it is one statement. */
	const struct embedded_file *m = embed_find(embedded_migrations, "0019_credential_entries.sql");
	assert_non_null(m);
	char *script = strndup(m->data, m->len);
	assert_non_null(script);
	assert_int_equal(sql(f->st, script, SP_NONE, NULL, NULL), 1);
	free(script);

	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credential_entries WHERE credential_id = $1",
				 SP(SV_TEXT(badge_id))),
			 0);
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM credential_entries WHERE credential_id = 'urn:uuid:test-clr' "
				 "AND entry_id IN ($1, $2)",
				 SP(SV_TEXT(a.entry_id), SV_TEXT(b.entry_id))),
			 2);
	assert_int_equal(count_rows(f->st, "credential_entries"), 2);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credentials WHERE id = $1 AND entry_id = $2",
				 SP(SV_TEXT(badge_id), SV_TEXT(a.entry_id))),
			 1);

	bool is_revoked = true;
	assert_ok(cred_status_is_revoked(f->st, badge_index, &is_revoked));
	assert_false(is_revoked);
	assert_ok(cred_status_is_revoked(f->st, badge_index + 1, &is_revoked));
	assert_false(is_revoked);
	revoke_ok(f, U1, a.outcome_id, "录入错误");
	assert_ok(cred_status_is_revoked(f->st, badge_index, &is_revoked));
	assert_true(is_revoked);
	is_revoked = false;
	assert_ok(cred_status_is_revoked(f->st, badge_index + 1, &is_revoked));
	assert_true(is_revoked);
	json_decref(badge);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_ledger, teardown_ledger)
	const struct CMUnitTest tests[] = {
		T(test_keys_ensure_makes_one_key_and_then_none),
		T(test_key_rotation_is_audited_and_older_credentials_still_verify),
		T(test_issue_badge_for_own_current_outcome_is_recorded_and_verifies),
		T(test_refused_issues_and_reads_store_nothing),
		T(test_corrected_outcome_is_issued_for_its_newest_entry),
		T(test_did_document_lists_every_key_and_the_ledger_key_and_verifies),
		T(test_credential_whose_key_row_is_gone_or_changed_fails_the_signature),
		T(test_local_verification_takes_the_node_key_for_tree_heads_only),
		T(test_revoking_or_correcting_an_outcome_revokes_its_credentials),
		T(test_the_newest_key_signs_whatever_the_clock_says),
		T(test_credentials_issued_at_once_each_get_their_own_index_and_verify),
		T(test_migration_19_keeps_credential_entries_of_transcripts_only),
	};
#undef T
	return ledger_fixture_run("credentials store", tests, sizeof(tests) / sizeof(tests[0]));
}
