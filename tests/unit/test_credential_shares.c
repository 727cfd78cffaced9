/*
 * Transcripts and shares of credentials (求职认证) on a real database.
 *
 * Transcripts (cred_issue_clr): a transcript of a person's outcomes is recorded as a
 * ClrCredential with no outcome or entry of its own and one credential_entries row per outcome;
 * it embeds each outcome's badge (as an EnvelopedVerifiableCredential of the badge's JWS) in the
 * order asked, reusing a current badge and issuing one for an outcome without one (never reusing
 * the badge of a version since corrected); it holds up to 20 outcomes; it verifies with this
 * node's keys, each embedded badge reported valid; correcting or revoking one of its outcomes
 * revokes it (its status check fails, its bit is set for this node's verifier and in the list it
 * serves) and nothing else; refusals (no ids, not an array, an id that is not a string, one
 * twice, 21, an unknown one, another person's, a revoked one) store nothing and name outcome_ids.
 *
 * Verifying a transcript (cred_verify with a verifier of the test's own that also knows a test
 * key, so that a transcript can be signed here): one embedding a badge whose JWS has one changed
 * character, one embedding nothing and one embedding another transcript all fail the ledger
 * check and are not valid, while the same transcript embedding the untouched badges is valid.
 *
 * Shares (cred_share_*): made with a 32-character base64url token and its link, its items in
 * order and its transcript; only the token's keyed hash and its sealed form are stored; 30 days
 * unless told, at most 365 days ahead; listed newest first, and only the person's; another
 * person's share is not found (read, link, end); opening records the visit (address, user agent,
 * shown) and shows every credential with a valid report and the holder's name; an unknown or
 * malformed token is not found and records nothing; an ended share is refused and its opening
 * recorded as not shown; ending twice keeps the first end; an expired share is refused and reads
 * as expired; refusals (expiry in the past, now, or more than 365 days ahead, no purpose, no
 * outcomes, an unknown or another person's outcome) store nothing; a share of an outcome revoked
 * since opens as not valid.
 *
 * Every case runs on SQLite and, when LIFELONG_TEST_PG names a server, on PostgreSQL, from an
 * empty migrated database (ledger_fixture.h, credentials_fixture.h).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credentials_fixture.h"
#include "json_fixture.h"

#define SECOND_US INT64_C(1000000)
#define DAY_US (INT64_C(24) * 3600 * SECOND_US)
#define ENVELOPED_PREFIX "data:application/vc+jwt,"
#define TEST_KID "test-key"

static const char *at(int64_t t_us, char out[32])
{
	clock_format_rfc3339(t_us, out);
	return out;
}

/* A JSON array of the n strings given; caller owns it. */
static json_t *ids_of(int n, const char *const *ids)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(ids[i]));
	return a;
}

/* The person's transcript of the n outcomes given, issued; caller owns it. */
static json_t *clr_ok(struct fx *f, const struct cred_issuer *iss, int person, int n, const char *const *outcome_ids)
{
	json_t *ids = ids_of(n, outcome_ids);
	json_t *obj = NULL;
	assert_ok(cred_issue_clr(f->st, g_keys, iss, person_ids[person], ids, &obj));
	assert_non_null(obj);
	json_decref(ids);
	return obj;
}

static enum ll_err text_row(const struct store_row *row, void *ctx)
{
	char **out = ctx;
	free(*out);
	*out = strdup(store_row_text(row, 0));
	return *out ? LL_OK : LL_NOMEM;
}

/* The first column of the last row a query returns, as text (malloc'd); NULL when none. */
static char *sql_text(struct ll_store *st, const char *text, const struct store_val *params, int n_params)
{
	char *v = NULL;
	sql(st, text, params, n_params, text_row, &v);
	return v;
}

static bool is_revoked(struct fx *f, uint64_t index)
{
	bool b = false;
	assert_ok(cred_status_is_revoked(f->st, index, &b));
	return b;
}

/* Whether bit index is set in status list 0 as this node serves it now. */
static bool is_listed_revoked(struct fx *f, const struct cred_issuer *iss, uint64_t index)
{
	unsigned char *bits = list_bits(f, iss);
	bool b = cred_status_get(bits, CRED_STATUS_LIST_BYTES, index);
	free(bits);
	return b;
}

/* ---- A verifier that also knows a key of the test's ---- */

/* The issuer's keys as this node publishes them, and one more (fragment TEST_KID) that only this
 * verifier believes, so that the test can sign transcripts of its own making. */
struct test_verifier {
	struct ll_store *st;
	const struct cred_issuer *iss;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
};

static enum ll_err test_key(void *ctx, const char *did, const char *fragment, bool is_ledger,
			    unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], enum cred_key_lookup *ret)
{
	const struct test_verifier *t = ctx;
	*ret = KEY_ISSUER_UNKNOWN;
	if (strcmp(did, t->iss->did) != 0)
		return LL_OK;
	*ret = KEY_NOT_PUBLISHED;
	if (is_ledger) {
		if (strcmp(fragment, "ledger") == 0) {
			memcpy(pk, g_keys->sign_pk, JOSE_ED25519_PUBLIC_BYTES);
			*ret = KEY_FOUND;
		}
		return LL_OK;
	}
	if (strcmp(fragment, TEST_KID) == 0) {
		memcpy(pk, t->pk, JOSE_ED25519_PUBLIC_BYTES);
		*ret = KEY_FOUND;
		return LL_OK;
	}
	enum ll_err err = cred_key_public(t->st, fragment, pk);
	if (err == LL_NOT_FOUND) {
		ll_error_clear();
		return LL_OK;
	}
	if (err == LL_OK)
		*ret = KEY_FOUND;
	return err;
}

/* A transcript of the n JWSs given (no status entry), signed with the test key, of the person the
 * first of them names (as the issuer would make it); malloc'd. */
static char *test_clr(const struct test_verifier *t, int n, const char *const *jws)
{
	char name[128] = "张三", account[64] = "310000000001";
	struct jose_jws first;
	if (n > 0 && jose_jws_parse(jws[0], "jws", &first) == LL_OK) {
		json_t *badge = json_loadb(first.payload, first.payload_len, 0, NULL);
		const json_t *ids = json_object_get(json_object_get(badge, "credentialSubject"), "identifier");
		const char *n0 = json_string_value(json_object_get(json_array_get(ids, 0), "identityHash"));
		const char *n1 = json_string_value(json_object_get(json_array_get(ids, 1), "identityHash"));
		if (n0 && n1) {
			snprintf(name, sizeof(name), "%s", n0);
			snprintf(account, sizeof(account), "%s", n1);
		}
		json_decref(badge);
		jose_jws_release(&first);
	}
	ll_error_clear();
	const struct cred_clr_in in = { .issuer = t->iss, .id = "urn:uuid:01a20bb3-0585-75f0-8be1-aa12d730aaaa",
					.valid_from_us = clock_now_us() - SECOND_US, .person_name = name,
					.account_no = account, .jws = jws, .n = n, .status_index = -1 };
	json_t *vc = cred_clr_json(&in);
	assert_non_null(vc);
	char kid[CRED_DID_MAX + 16];
	snprintf(kid, sizeof(kid), "%s#%s", t->iss->did, TEST_KID);
	json_t *header = json_pack("{s:s, s:s, s:s, s:s}", "alg", "EdDSA", "kid", kid, "typ", "vc+jwt", "cty", "vc");
	char *payload = json_dumps(vc, JSON_COMPACT);
	char *out = NULL;
	assert_ok(jose_jws_sign_ed25519(header, payload, strlen(payload), t->sk, &out));
	free(payload);
	json_decref(header);
	json_decref(vc);
	return out;
}

static json_t *verified_by(struct test_verifier *t, const char *jws)
{
	const struct cred_verifier v = { test_key, NULL, t };
	json_t *report = NULL;
	assert_ok(cred_verify(&v, jws, clock_now_us(), &report));
	assert_non_null(report);
	return report;
}

/* ---- Counting ---- */

/* The rows of every table a transcript or share writes. */
struct cred_counts {
	int64_t credentials, entries, shares, items, views, keys;
};

static struct cred_counts cred_counts_now(struct fx *f)
{
	return (struct cred_counts){
		.credentials = count_rows(f->st, "credentials"),
		.entries = count_rows(f->st, "credential_entries"),
		.shares = count_rows(f->st, "credential_shares"),
		.items = count_rows(f->st, "credential_share_items"),
		.views = count_rows(f->st, "credential_share_views"),
		.keys = count_rows(f->st, "credential_keys"),
	};
}

static void assert_cred_counts_equal(struct cred_counts got, struct cred_counts want)
{
	assert_int_equal(got.credentials, want.credentials);
	assert_int_equal(got.entries, want.entries);
	assert_int_equal(got.shares, want.shares);
	assert_int_equal(got.items, want.items);
	assert_int_equal(got.views, want.views);
	assert_int_equal(got.keys, want.keys);
}

static int64_t badges_count(struct fx *f)
{
	return sql_i64(f->st, "SELECT COUNT(*) FROM credentials WHERE type = 'OpenBadgeCredential'", SP_NONE);
}

/* ---- Shares ---- */

/* The person's share of the n outcomes given, made at now; caller owns it. */
static json_t *share_ok(struct fx *f, const struct cred_issuer *iss, int person, int n, const char *const *outcome_ids,
			const char *purpose, int64_t expires_at, int64_t now)
{
	json_t *ids = ids_of(n, outcome_ids);
	const struct cred_share_in in = { .outcome_ids = ids, .purpose = purpose, .recipient = "某某科技有限公司",
					  .expires_at = expires_at };
	json_t *share = NULL;
	assert_ok(cred_share_create(f->st, g_keys, iss, person_ids[person], &in, now, &share));
	assert_non_null(share);
	json_decref(ids);
	return share;
}

/* The share's token, from its link. */
static const char *token_of(const json_t *share)
{
	const char *token = jstr(share, "token");
	assert_non_null(token);
	return token;
}

static json_t *opened_ok(struct fx *f, const struct cred_issuer *iss, const char *token, const char *address,
			 const char *user_agent, int64_t now)
{
	const struct cred_share_visit visit = { .address = address, .user_agent = user_agent, .now_us = now };
	json_t *shared = NULL;
	assert_ok(cred_share_open(f->st, g_keys, iss, token, &visit, &shared));
	assert_non_null(shared);
	return shared;
}

static enum ll_err open_at(struct fx *f, const struct cred_issuer *iss, const char *token, int64_t now, json_t **ret)
{
	const struct cred_share_visit visit = { .address = "203.0.113.9", .user_agent = "HR/1.0", .now_us = now };
	return cred_share_open(f->st, g_keys, iss, token, &visit, ret);
}

static int64_t views_of(struct fx *f, const char *share_id, bool was_shown)
{
	return sql_i64(f->st, "SELECT COUNT(*) FROM credential_share_views WHERE share_id = $1 AND was_shown = $2",
		       SP(SV_TEXT(share_id), SV_I64(was_shown ? 1 : 0)));
}

/* ======== Transcripts ======== */

static void test_clr_of_two_outcomes_is_recorded_with_its_entries_and_no_outcome(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	const char *ids[] = { a.outcome_id, b.outcome_id };
	json_t *clr = clr_ok(f, &iss, 0, 2, ids);

	const char *id = jstr(clr, "id");
	assert_non_null(id);
	assert_int_equal(strncmp(id, "urn:uuid:", 9), 0);
	assert_string_equal(jstr(clr, "type"), CRED_TYPE_CLR);
	assert_string_equal(jstr(clr, "title"), "学习成果记录（2 项）");
	assert_non_null(jstr(clr, "issued_at"));
	const json_t *items = json_object_get(clr, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(jstr(json_array_get(items, 0), "outcome_id"), a.outcome_id);
	assert_string_equal(jstr(json_array_get(items, 0), "entry_id"), a.entry_id);
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "高等数学");
	assert_string_equal(jstr(json_array_get(items, 1), "outcome_id"), b.outcome_id);
	assert_string_equal(jstr(json_array_get(items, 1), "entry_id"), b.entry_id);
	assert_string_equal(jstr(json_array_get(items, 1), "title"), "线性代数");

	/* The row: the person's, a ClrCredential, no outcome or entry of its own, the JWS returned. */
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM credentials WHERE id = $1 AND person_id = $2 AND type = $3 AND "
				 "outcome_id IS NULL AND entry_id IS NULL AND jws = $4 AND kid = $5",
				 SP(SV_TEXT(id), SV_TEXT(person_ids[0]), SV_TEXT(CRED_TYPE_CLR), SV_TEXT(jstr(clr, "jws")),
				    SV_TEXT(jstr(clr, "kid")))),
			 1);
	/* One credential_entries row for each outcome's entry, and no other. */
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credential_entries WHERE credential_id = $1", SP(SV_TEXT(id))),
			 2);
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM credential_entries WHERE credential_id = $1 AND entry_id IN ($2, $3)",
				 SP(SV_TEXT(id), SV_TEXT(a.entry_id), SV_TEXT(b.entry_id))),
			 2);
	/* Two badges issued for it, and the transcript: three credentials. */
	assert_int_equal(count_rows(f->st, "credentials"), 3);
	assert_int_equal(badges_count(f), 2);

	/* Listed and read back like any credential. */
	json_t *got = NULL;
	assert_ok(cred_get(f->st, person_ids[0], id, &got));
	assert_string_equal(jstr(got, "type"), CRED_TYPE_CLR);
	assert_string_equal(jstr(got, "jws"), jstr(clr, "jws"));
	json_decref(got);
	json_decref(clr);
}

static void test_clr_embeds_each_badge_as_its_jws_in_the_order_asked(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	/* Asked in the order opposite to the ledger's. */
	const char *ids[] = { b.outcome_id, a.outcome_id };
	const char *entries[] = { b.entry_id, a.entry_id };
	json_t *clr = clr_ok(f, &iss, 0, 2, ids);

	const json_t *vc = json_object_get(clr, "credential");
	const json_t *type = json_object_get(vc, "type");
	assert_string_equal(json_string_value(json_array_get(type, 0)), "VerifiableCredential");
	assert_string_equal(json_string_value(json_array_get(type, 1)), "ClrCredential");
	assert_string_equal(jstr(vc, "id"), jstr(clr, "id"));
	assert_string_equal(jstr(json_object_get(vc, "issuer"), "id"), iss.did);
	const json_t *subject = json_object_get(vc, "credentialSubject");
	assert_string_equal(json_string_value(json_array_get(json_object_get(subject, "type"), 0)), "ClrSubject");
	const json_t *embedded = json_object_get(subject, "verifiableCredential");
	assert_int_equal(json_array_size(embedded), 2);
	const json_t *items = json_object_get(clr, "items");
	for (size_t i = 0; i < 2; i++) {
		const json_t *e = json_array_get(embedded, i);
		assert_string_equal(jstr(e, "type"), "EnvelopedVerifiableCredential");
		const char *data = jstr(e, "id");
		assert_int_equal(strncmp(data, ENVELOPED_PREFIX, strlen(ENVELOPED_PREFIX)), 0);
		const char *jws = data + strlen(ENVELOPED_PREFIX);
		/* The JWS is the person's badge for that outcome's current entry, as stored. */
		const char *badge_id = jstr(json_array_get(items, i), "credential_id");
		assert_string_equal(jstr(json_array_get(items, i), "outcome_id"), ids[i]);
		assert_int_equal(sql_i64(f->st,
					 "SELECT COUNT(*) FROM credentials WHERE id = $1 AND person_id = $2 AND type = $3 "
					 "AND outcome_id = $4 AND entry_id = $5 AND jws = $6",
					 SP(SV_TEXT(badge_id), SV_TEXT(person_ids[0]), SV_TEXT(CRED_TYPE_BADGE), SV_TEXT(ids[i]),
					    SV_TEXT(entries[i]), SV_TEXT(jws))),
				 1);
		struct jose_jws j;
		assert_ok(jose_jws_parse(jws, "jws", &j));
		json_t *badge = json_loadb(j.payload, j.payload_len, 0, NULL);
		assert_string_equal(jstr(badge, "id"), badge_id);
		assert_string_equal(jstr(json_object_get(badge, "lifelongLedger"), "entryId"), entries[i]);
		json_decref(badge);
		jose_jws_release(&j);
	}
	/* The JWS's payload is the credential returned. */
	struct jose_jws j;
	assert_ok(jose_jws_parse(jstr(clr, "jws"), "jws", &j));
	json_t *payload = json_loadb(j.payload, j.payload_len, 0, NULL);
	assert_true(json_equal(payload, vc));
	json_decref(payload);
	jose_jws_release(&j);
	json_decref(clr);
}

static void test_clr_reuses_a_current_badge_and_issues_one_for_an_outcome_without(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	json_t *old = badge_ok(f, &iss, 0, a.outcome_id);
	json_t *badge = badge_ok(f, &iss, 0, a.outcome_id); /* a's newest */
	assert_int_equal(badges_count(f), 2);

	const char *ids[] = { a.outcome_id, b.outcome_id };
	json_t *clr = clr_ok(f, &iss, 0, 2, ids);
	const json_t *items = json_object_get(clr, "items");
	/* a's newest badge is reused: no new row for it. */
	assert_string_equal(jstr(json_array_get(items, 0), "credential_id"), jstr(badge, "id"));
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credentials WHERE outcome_id = $1",
				 SP(SV_TEXT(a.outcome_id))),
			 2);
	/* b had none: one is issued, for its current entry. */
	const char *b_badge = jstr(json_array_get(items, 1), "credential_id");
	assert_string_not_equal(b_badge, jstr(badge, "id"));
	assert_string_not_equal(b_badge, jstr(old, "id"));
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM credentials WHERE id = $1 AND type = $2 AND outcome_id = $3 AND "
				 "entry_id = $4",
				 SP(SV_TEXT(b_badge), SV_TEXT(CRED_TYPE_BADGE), SV_TEXT(b.outcome_id), SV_TEXT(b.entry_id))),
			 1);
	assert_int_equal(badges_count(f), 3);
	const char *embedded0 = jstr(json_array_get(json_object_get(json_object_get(json_object_get(clr, "credential"),
											    "credentialSubject"),
								    "verifiableCredential"),
						     0),
				     "id");
	assert_string_equal(embedded0 + strlen(ENVELOPED_PREFIX), jstr(badge, "jws"));

	/* A second transcript of them issues no badge: both are current. */
	json_t *again = clr_ok(f, &iss, 0, 2, ids);
	const json_t *again_items = json_object_get(again, "items");
	assert_string_equal(jstr(json_array_get(again_items, 0), "credential_id"), jstr(badge, "id"));
	assert_string_equal(jstr(json_array_get(again_items, 1), "credential_id"), b_badge);
	assert_string_not_equal(jstr(again, "id"), jstr(clr, "id"));
	assert_int_equal(badges_count(f), 3);
	assert_int_equal(count_rows(f->st, "credentials"), 5);
	json_decref(again);
	json_decref(clr);
	json_decref(badge);
	json_decref(old);
}

static void test_clr_after_a_correction_embeds_a_badge_of_the_new_version(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "Calculus", "row-1");
	json_t *stale = badge_ok(f, &iss, 0, a.outcome_id);
	const char *entry_id = corrected_ok(f, 0, a.outcome_id, "Calculus I");
	assert_string_not_equal(entry_id, a.entry_id);

	const char *ids[] = { a.outcome_id };
	json_t *clr = clr_ok(f, &iss, 0, 1, ids);
	const json_t *item = json_array_get(json_object_get(clr, "items"), 0);
	assert_string_not_equal(jstr(item, "credential_id"), jstr(stale, "id"));
	assert_string_equal(jstr(item, "entry_id"), entry_id);
	assert_string_equal(jstr(item, "title"), "Calculus I");
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credentials WHERE id = $1 AND entry_id = $2",
				 SP(SV_TEXT(jstr(item, "credential_id")), SV_TEXT(entry_id))),
			 1);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credential_entries WHERE credential_id = $1 AND entry_id = $2",
				 SP(SV_TEXT(jstr(clr, "id")), SV_TEXT(entry_id))),
			 1);
	assert_valid(f, &iss, jstr(clr, "jws"));
	json_decref(clr);
	json_decref(stale);
}

static void test_clr_holds_up_to_twenty_outcomes(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	const char *ids[CRED_CLR_MAX + 1];
	for (int i = 0; i <= CRED_CLR_MAX; i++) {
		char title[32], ext[32];
		snprintf(title, sizeof(title), "课程 %d", i);
		snprintf(ext, sizeof(ext), "row-%d", i);
		struct deposit_result d = credit_ok(f, 0, arena_strdup(&f->a, title), arena_strdup(&f->a, ext));
		ids[i] = d.outcome_id;
	}
	json_t *clr = clr_ok(f, &iss, 0, CRED_CLR_MAX, ids);
	assert_int_equal(json_array_size(json_object_get(clr, "items")), CRED_CLR_MAX);
	assert_string_equal(jstr(clr, "title"), "学习成果记录（20 项）");
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credential_entries WHERE credential_id = $1",
				 SP(SV_TEXT(jstr(clr, "id")))),
			 CRED_CLR_MAX);
	json_decref(clr);

	struct cred_counts before = cred_counts_now(f);
	json_t *too_many = ids_of(CRED_CLR_MAX + 1, ids), *obj = NULL;
	assert_fails(cred_issue_clr(f->st, g_keys, &iss, person_ids[0], too_many, &obj), LL_TOO_LONG, "outcome_ids");
	assert_null(obj);
	assert_cred_counts_equal(cred_counts_now(f), before);
	json_decref(too_many);
}

static void test_clr_verifies_locally_with_each_embedded_report_valid(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	const char *ids[] = { a.outcome_id, b.outcome_id };
	json_t *clr = clr_ok(f, &iss, 0, 2, ids);

	json_t *report = verified_locally(f, &iss, g_keys, jstr(clr, "jws"));
	assert_all_passed(report);
	assert_string_equal(jstr(report, "issuer"), iss.did);
	const json_t *embedded = json_object_get(report, "embedded");
	assert_int_equal(json_array_size(embedded), 2);
	for (size_t i = 0; i < 2; i++) {
		const json_t *r = json_array_get(embedded, i);
		assert_all_passed(r);
		const json_t *vc = json_object_get(r, "credential");
		assert_string_equal(jstr(vc, "id"), jstr(json_array_get(json_object_get(clr, "items"), i), "credential_id"));
	}
	json_decref(report);
	json_decref(clr);
}

/* A transcript of a and b; then change (correct or revoke) a: the transcript, and a's badge, are
 * revoked; b's badge is not. */
static void clr_revoked_when(struct fx *f, bool is_correction)
{
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	const char *ids[] = { a.outcome_id, b.outcome_id };
	json_t *clr = clr_ok(f, &iss, 0, 2, ids);
	uint64_t index = index_of(json_object_get(clr, "credential"));
	assert_valid(f, &iss, jstr(clr, "jws"));
	assert_false(is_revoked(f, index));
	/* Every index issued so far (two badges, the transcript) is clear. */
	for (uint64_t i = 0; i < 3; i++) {
		assert_false(is_revoked(f, i));
		assert_false(is_listed_revoked(f, &iss, i));
	}

	if (is_correction)
		corrected_ok(f, 0, a.outcome_id, "高等数学（更正）");
	else
		revoke_ok(f, U1, a.outcome_id, "录入错误");

	assert_true(is_revoked(f, index));
	assert_true(is_listed_revoked(f, &iss, index));
	json_t *report = verified_locally(f, &iss, g_keys, jstr(clr, "jws"));
	assert_string_equal(status_of(report, "status"), "failed");
	assert_false(json_is_true(json_object_get(report, "is_valid")));
	assert_string_equal(status_of(report, "signature"), "passed");
	/* a's badge is revoked with it, b's is not. */
	const json_t *embedded = json_object_get(report, "embedded");
	assert_string_equal(status_of(json_array_get(embedded, 0), "status"), "failed");
	assert_all_passed(json_array_get(embedded, 1));
	json_decref(report);
	const json_t *items = json_object_get(clr, "items");
	char *a_jws = sql_text(f->st, "SELECT jws FROM credentials WHERE id = $1",
			       SP(SV_TEXT(jstr(json_array_get(items, 0), "credential_id"))));
	char *b_jws = sql_text(f->st, "SELECT jws FROM credentials WHERE id = $1",
			       SP(SV_TEXT(jstr(json_array_get(items, 1), "credential_id"))));
	json_t *ra = verified_locally(f, &iss, g_keys, a_jws), *rb = verified_locally(f, &iss, g_keys, b_jws);
	assert_true(is_revoked(f, index_of(json_object_get(ra, "credential"))));
	assert_false(is_revoked(f, index_of(json_object_get(rb, "credential"))));
	assert_true(is_listed_revoked(f, &iss, index_of(json_object_get(ra, "credential"))));
	assert_false(is_listed_revoked(f, &iss, index_of(json_object_get(rb, "credential"))));
	assert_all_passed(rb);
	json_decref(ra);
	json_decref(rb);
	free(a_jws);
	free(b_jws);

	/* A transcript of b alone, issued now, is clear. */
	const char *only_b[] = { b.outcome_id };
	json_t *later = clr_ok(f, &iss, 0, 1, only_b);
	assert_false(is_revoked(f, index_of(json_object_get(later, "credential"))));
	assert_valid(f, &iss, jstr(later, "jws"));
	json_decref(later);
	json_decref(clr);
}

static void test_correcting_an_outcome_revokes_its_clr(void **state)
{
	clr_revoked_when(*state, true);
}

static void test_revoking_an_outcome_revokes_its_clr(void **state)
{
	clr_revoked_when(*state, false);
}

static void test_refused_clrs_store_nothing(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result mine = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result other = credit_ok(f, 0, "线性代数", "row-2");
	struct deposit_result theirs = credit_ok(f, 1, "大学英语", "row-3");
	struct deposit_result gone = credit_ok(f, 0, "概率论", "row-4");
	revoke_ok(f, U1, gone.outcome_id, "录入错误");
	struct cred_counts before = cred_counts_now(f);

	static const struct {
		const char *name;
		const char *ids_json; /* %1 %2 %3 %4: mine, other, theirs, gone */
		enum ll_err want;
	} cases[] = {
		{ "empty", "[]", LL_MISSING_FIELD },
		{ "not an array", "{}", LL_MISSING_FIELD },
		{ "not a string", "[\"@1\", 7]", LL_INVALID_VALUE },
		{ "an empty string", "[\"@1\", \"\"]", LL_INVALID_VALUE },
		{ "twice", "[\"@1\", \"@2\", \"@1\"]", LL_INVALID_VALUE },
		{ "unknown", "[\"@1\", \"01a20bb3-0585-75f0-8be1-aa12d730ffff\"]", LL_NOT_FOUND },
		{ "another person's", "[\"@1\", \"@3\"]", LL_NOT_FOUND },
		{ "revoked", "[\"@1\", \"@4\"]", LL_NOT_FOUND },
	};
	const char *subst[] = { mine.outcome_id, other.outcome_id, theirs.outcome_id, gone.outcome_id };
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		json_t *ids = parse(cases[c].ids_json);
		size_t i;
		json_t *v;
		json_array_foreach (ids, i, v)
			if (json_is_string(v) && json_string_value(v)[0] == '@')
				json_array_set_new(ids, i, json_string(subst[json_string_value(v)[1] - '1']));
		json_t *obj = NULL;
		enum ll_err err = cred_issue_clr(f->st, g_keys, &iss, person_ids[0], ids, &obj);
		if (err != cases[c].want)
			fail_msg("%s: got %s, want %s", cases[c].name, ll_err_code(err), ll_err_code(cases[c].want));
		assert_fails(err, cases[c].want, "outcome_ids");
		assert_null(obj);
		assert_cred_counts_equal(cred_counts_now(f), before);
		json_decref(ids);
	}
	/* NULL for the array too. */
	json_t *obj = NULL;
	assert_fails(cred_issue_clr(f->st, g_keys, &iss, person_ids[0], NULL, &obj), LL_MISSING_FIELD, "outcome_ids");
	assert_cred_counts_equal(cred_counts_now(f), before);
	/* Another person cannot make a transcript of mine. */
	json_t *ids = ids_of(1, (const char *[]){ mine.outcome_id });
	assert_fails(cred_issue_clr(f->st, g_keys, &iss, person_ids[1], ids, &obj), LL_NOT_FOUND, "outcome_ids");
	assert_null(obj);
	assert_cred_counts_equal(cred_counts_now(f), before);
	json_decref(ids);
}

/* ======== Verifying a transcript ======== */

static void test_clr_embedding_a_tampered_badge_fails_the_ledger_check(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	json_t *ba = badge_ok(f, &iss, 0, a.outcome_id), *bb = badge_ok(f, &iss, 0, b.outcome_id);
	struct test_verifier t = { .st = f->st, .iss = &iss };
	crypto_sign_keypair(t.pk, t.sk);

	/* Untouched, the test's transcript of them verifies: the test key signs, each badge is valid. */
	const char *jws[] = { jstr(ba, "jws"), jstr(bb, "jws") };
	char *clr = test_clr(&t, 2, jws);
	json_t *report = verified_by(&t, clr);
	assert_report(report, true, "passed", "passed", "passed", "not_checked", "passed");
	assert_int_equal(json_array_size(json_object_get(report, "embedded")), 2);
	json_decref(report);
	free(clr);

	/* One character of a's signature changed (in the middle: every bit of it counts). */
	char *tampered = strdup(jws[0]);
	char *sig = strrchr(tampered, '.') + 1;
	sig[20] = sig[20] == 'A' ? 'B' : 'A';
	const char *with_tampered[] = { tampered, jws[1] };
	clr = test_clr(&t, 2, with_tampered);
	report = verified_by(&t, clr);
	assert_report(report, false, "passed", "passed", "passed", "not_checked", "failed");
	const json_t *embedded = json_object_get(report, "embedded");
	assert_int_equal(json_array_size(embedded), 2);
	assert_report(json_array_get(embedded, 0), false, "passed", "failed", "not_checked", "not_checked", "not_checked");
	assert_report(json_array_get(embedded, 1), true, "passed", "passed", "passed", "not_checked", "passed");
	json_decref(report);
	free(clr);

	/* One character of b's payload changed instead. */
	free(tampered);
	tampered = strdup(jws[1]);
	char *payload = strchr(tampered, '.') + 1;
	payload[40] = payload[40] == 'A' ? 'B' : 'A';
	const char *with_payload[] = { jws[0], tampered };
	clr = test_clr(&t, 2, with_payload);
	report = verified_by(&t, clr);
	assert_report(report, false, "passed", "passed", "passed", "not_checked", "failed");
	assert_false(json_is_true(json_object_get(json_array_get(json_object_get(report, "embedded"), 1), "is_valid")));
	json_decref(report);
	free(clr);
	free(tampered);
	sodium_memzero(t.sk, sizeof(t.sk));
	json_decref(ba);
	json_decref(bb);
}

/* A transcript is one person's records from its own issuer: another person's valid badge, another
 * issuer's credential (not even looked at further) or more than CRED_CLR_MAX fail its ledger check. */
static void test_clr_embedding_another_persons_or_issuers_credential_fails(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 1, "线性代数", "row-2");
	json_t *mine = badge_ok(f, &iss, 0, a.outcome_id), *theirs = badge_ok(f, &iss, 1, b.outcome_id);
	struct test_verifier t = { .st = f->st, .iss = &iss };
	crypto_sign_keypair(t.pk, t.sk);

	/* Both badges are valid on their own; together they are not one person's transcript. */
	const char *two[] = { jstr(mine, "jws"), jstr(theirs, "jws") };
	char *clr = test_clr(&t, 2, two);
	json_t *report = verified_by(&t, clr);
	assert_report(report, false, "passed", "passed", "passed", "not_checked", "failed");
	assert_non_null(strstr(jstr(json_array_get(json_object_get(report, "checks"), CHECK_LEDGER), "message_en"),
			       "another person"));
	json_decref(report);
	free(clr);

	/* A credential that claims another issuer. */
	struct cred_issuer other;
	assert_ok(cred_issuer_init("https://credit.js.example", &other));
	json_t *vc = json_pack("{s:[s], s:[s, s], s:s, s:{s:s}}", "@context", "https://www.w3.org/ns/credentials/v2", "type",
			       "VerifiableCredential", "OpenBadgeCredential", "issuer", other.did, "credentialSubject", "id",
			       "urn:x");
	json_t *header = json_pack("{s:s, s:s}", "alg", "EdDSA", "kid", "did:web:credit.js.example#k");
	char *payload = json_dumps(vc, JSON_COMPACT), *foreign = NULL;
	assert_ok(jose_jws_sign_ed25519(header, payload, strlen(payload), t.sk, &foreign));
	const char *with_foreign[] = { jstr(mine, "jws"), foreign };
	clr = test_clr(&t, 2, with_foreign);
	report = verified_by(&t, clr);
	assert_report(report, false, "passed", "passed", "passed", "not_checked", "failed");
	assert_non_null(strstr(jstr(json_array_get(json_object_get(report, "checks"), CHECK_LEDGER), "message_en"),
			       "another issuer"));
	json_decref(report);
	free(clr);

	/* More records than a transcript holds. */
	const char *many[CRED_CLR_MAX + 1];
	for (int i = 0; i <= CRED_CLR_MAX; i++)
		many[i] = jstr(mine, "jws");
	clr = test_clr(&t, CRED_CLR_MAX + 1, many);
	report = verified_by(&t, clr);
	assert_report(report, false, "passed", "passed", "passed", "not_checked", "failed");
	assert_null(json_object_get(report, "embedded"));
	json_decref(report);
	free(clr);

	free(foreign);
	free(payload);
	json_decref(header);
	json_decref(vc);
	sodium_memzero(t.sk, sizeof(t.sk));
	json_decref(mine);
	json_decref(theirs);
}

static void test_clr_embedding_nothing_fails_the_ledger_check(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct test_verifier t = { .st = f->st, .iss = &iss };
	crypto_sign_keypair(t.pk, t.sk);
	char *clr = test_clr(&t, 0, NULL);
	json_t *report = verified_by(&t, clr);
	assert_report(report, false, "passed", "passed", "passed", "not_checked", "failed");
	assert_int_equal(json_array_size(json_object_get(report, "embedded")), 0);
	json_decref(report);
	free(clr);
	sodium_memzero(t.sk, sizeof(t.sk));
}

static void test_clr_embedding_a_clr_fails_the_ledger_check(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	const char *ids[] = { a.outcome_id };
	json_t *inner = clr_ok(f, &iss, 0, 1, ids);
	struct test_verifier t = { .st = f->st, .iss = &iss };
	crypto_sign_keypair(t.pk, t.sk);
	/* A transcript in a transcript proves no entry: only badges are in the ledger. */
	const char *jws[] = { jstr(inner, "jws") };
	char *clr = test_clr(&t, 1, jws);
	json_t *report = verified_by(&t, clr);
	assert_report(report, false, "passed", "passed", "passed", "not_checked", "failed");
	const json_t *e = json_array_get(json_object_get(report, "embedded"), 0);
	assert_string_equal(status_of(e, "ledger"), "failed");
	assert_false(json_is_true(json_object_get(e, "is_valid")));
	json_decref(report);
	free(clr);
	sodium_memzero(t.sk, sizeof(t.sk));
	json_decref(inner);
}

/* ======== Shares ======== */

static void test_share_create_returns_a_link_its_items_and_its_clr(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	const char *ids[] = { b.outcome_id, a.outcome_id };
	int64_t now = clock_now_us();
	json_t *share = share_ok(f, &iss, 0, 2, ids, "应聘数据分析岗", now + 7 * DAY_US, now);

	const char *token = token_of(share);
	assert_int_equal(strlen(token), 32);
	assert_int_equal(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 32);
	char url[CRED_URL_MAX];
	snprintf(url, sizeof(url), "%s/s/%s", ISSUER_URL, token);
	assert_string_equal(jstr(share, "url"), url);
	assert_string_equal(jstr(share, "state"), "active");
	assert_string_equal(jstr(share, "purpose"), "应聘数据分析岗");
	assert_string_equal(jstr(share, "recipient"), "某某科技有限公司");
	char t[32];
	assert_string_equal(jstr(share, "created_at"), at(now, t));
	assert_string_equal(jstr(share, "expires_at"), at(now + 7 * DAY_US, t));
	assert_true(json_is_null(json_object_get(share, "ended_at")));
	assert_int_equal(json_integer_value(json_object_get(share, "views")), 0);

	/* Its items, in the order asked, are the outcomes' badges; its transcript is of them. */
	const json_t *items = json_object_get(share, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(jstr(json_array_get(items, 0), "outcome_id"), b.outcome_id);
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "线性代数");
	assert_string_equal(jstr(json_array_get(items, 1), "outcome_id"), a.outcome_id);
	assert_string_equal(jstr(json_array_get(items, 1), "title"), "高等数学");
	const char *clr_id = jstr(share, "clr_id");
	assert_non_null(clr_id);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credentials WHERE id = $1 AND type = $2 AND person_id = $3",
				 SP(SV_TEXT(clr_id), SV_TEXT(CRED_TYPE_CLR), SV_TEXT(person_ids[0]))),
			 1);
	for (int i = 0; i < 2; i++) {
		const char *cid = jstr(json_array_get(items, (size_t)i), "credential_id");
		assert_int_equal(sql_i64(f->st,
					 "SELECT COUNT(*) FROM credential_share_items i JOIN credentials c ON c.id = "
					 "i.credential_id WHERE i.share_id = $1 AND i.position = $2 AND i.credential_id = $3 "
					 "AND c.outcome_id = $4 AND c.type = $5",
					 SP(SV_TEXT(jstr(share, "id")), SV_I64(i), SV_TEXT(cid), SV_TEXT(ids[i]),
					    SV_TEXT(CRED_TYPE_BADGE))),
				 1);
		/* the transcript names the same entries */
		assert_int_equal(sql_i64(f->st,
					 "SELECT COUNT(*) FROM credential_entries e JOIN credentials c ON c.entry_id = e.entry_id "
					 "WHERE e.credential_id = $1 AND c.id = $2",
					 SP(SV_TEXT(clr_id), SV_TEXT(cid))),
				 1);
	}
	assert_int_equal(count_rows(f->st, "credential_shares"), 1);
	assert_int_equal(count_rows(f->st, "credential_share_items"), 2);
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM credential_shares WHERE id = $1 AND person_id = $2 AND clr_id = $3 "
				 "AND created_at = $4 AND expires_at = $5 AND ended_at IS NULL",
				 SP(SV_TEXT(jstr(share, "id")), SV_TEXT(person_ids[0]), SV_TEXT(clr_id), SV_I64(now),
				    SV_I64(now + 7 * DAY_US))),
			 1);

	/* Read back: the same link; and by cred_share_link. */
	json_t *got = NULL;
	assert_ok(cred_share_get(f->st, g_keys, &iss, person_ids[0], jstr(share, "id"), now, &got));
	assert_string_equal(jstr(got, "token"), token);
	assert_string_equal(jstr(got, "url"), url);
	assert_string_equal(jstr(got, "state"), "active");
	assert_string_equal(jstr(got, "clr_id"), clr_id);
	assert_string_equal(jstr(got, "expires_at"), jstr(share, "expires_at"));
	assert_int_equal(json_array_size(json_object_get(got, "items")), 2);
	for (size_t i = 0; i < 2; i++)
		assert_string_equal(jstr(json_array_get(json_object_get(got, "items"), i), "credential_id"),
				    jstr(json_array_get(items, i), "credential_id"));
	assert_int_equal(json_array_size(json_object_get(got, "view_log")), 0);
	json_decref(got);
	char link[CRED_URL_MAX];
	assert_ok(cred_share_link(f->st, g_keys, &iss, person_ids[0], jstr(share, "id"), link));
	assert_string_equal(link, url);
	json_decref(share);
}

static void test_share_lasts_30_days_unless_told_and_at_most_365(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	const char *ids[] = { a.outcome_id };
	int64_t now = clock_now_us();
	char t[32];
	json_t *share = share_ok(f, &iss, 0, 1, ids, "应聘", 0, now);
	assert_string_equal(jstr(share, "expires_at"), at(now + 30 * DAY_US, t));
	json_decref(share);
	share = share_ok(f, &iss, 0, 1, ids, "应聘", now + 365 * DAY_US, now);
	assert_string_equal(jstr(share, "expires_at"), at(now + 365 * DAY_US, t));
	json_decref(share);
	share = share_ok(f, &iss, 0, 1, ids, "应聘", now + 1, now);
	assert_string_equal(jstr(share, "state"), "active");
	json_decref(share);
}

static void test_share_stores_only_the_keyed_hash_of_its_token(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	const char *ids[] = { a.outcome_id };
	int64_t now = clock_now_us();
	json_t *share = share_ok(f, &iss, 0, 1, ids, "应聘", 0, now);
	const char *token = token_of(share);
	const char *id = jstr(share, "id");

	/* No text column holds the token, nor does a blob hold its text. */
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM credential_shares WHERE id = $1 OR person_id = $1 OR purpose = $1 OR "
				 "recipient = $1 OR clr_id = $1",
				 SP(SV_TEXT(token))),
			 0);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credential_shares WHERE token_hash = $1 OR token_sealed = $1",
				 SP(SV_BLOB(token, strlen(token)))),
			 0);
	/* What finds it is the token's keyed hash. */
	unsigned char hash[CRYPTO_HASH_BYTES];
	crypto_token_hash(g_keys, token, hash);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credential_shares WHERE id = $1 AND token_hash = $2",
				 SP(SV_TEXT(id), SV_BLOB(hash, sizeof(hash)))),
			 1);
	/* Beside it, only the token sealed (its 32 characters and the seal's overhead). */
	assert_int_equal(sql_i64(f->st, "SELECT LENGTH(token_sealed) FROM credential_shares WHERE id = $1", SP(SV_TEXT(id))),
			 32 + CRYPTO_SEAL_OVERHEAD);
	json_decref(share);
}

static void test_share_list_is_newest_first_and_only_the_persons(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result c = credit_ok(f, 1, "大学英语", "row-2");
	const char *ids[] = { a.outcome_id };
	const char *their_ids[] = { c.outcome_id };
	int64_t now = clock_now_us();
	/* Made in an order other than their times. */
	json_t *s0 = share_ok(f, &iss, 0, 1, ids, "第一", 0, now);
	json_t *s2 = share_ok(f, &iss, 0, 1, ids, "第三", 0, now + 2 * SECOND_US);
	json_t *s1 = share_ok(f, &iss, 0, 1, ids, "第二", 0, now + SECOND_US);
	json_t *theirs = share_ok(f, &iss, 1, 1, their_ids, "他人", 0, now + 3 * SECOND_US);

	json_t *page = NULL;
	assert_ok(cred_share_list(f->st, g_keys, &iss, person_ids[0], now + 3 * SECOND_US, &page));
	const json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 3);
	const json_t *want[] = { s2, s1, s0 };
	for (size_t i = 0; i < 3; i++) {
		const json_t *s = json_array_get(items, i);
		assert_string_equal(jstr(s, "id"), jstr(want[i], "id"));
		assert_string_equal(jstr(s, "token"), jstr(want[i], "token"));
		assert_string_equal(jstr(s, "url"), jstr(want[i], "url"));
		assert_string_equal(jstr(s, "purpose"), jstr(want[i], "purpose"));
		assert_string_equal(jstr(s, "state"), "active");
		assert_int_equal(json_array_size(json_object_get(s, "items")), 1);
		assert_string_equal(jstr(json_array_get(json_object_get(s, "items"), 0), "outcome_id"), a.outcome_id);
	}
	json_decref(page);
	assert_ok(cred_share_list(f->st, g_keys, &iss, person_ids[1], now + 3 * SECOND_US, &page));
	items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_array_get(items, 0), "id"), jstr(theirs, "id"));
	json_decref(page);
	assert_ok(cred_share_list(f->st, g_keys, &iss, person_ids[2], now, &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);
	json_decref(theirs);
	json_decref(s1);
	json_decref(s2);
	json_decref(s0);
}

static void test_share_of_another_person_is_not_found(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	const char *ids[] = { a.outcome_id };
	int64_t now = clock_now_us();
	json_t *share = share_ok(f, &iss, 0, 1, ids, "应聘", 0, now);
	const char *id = jstr(share, "id");

	json_t *got = NULL;
	assert_fails(cred_share_get(f->st, g_keys, &iss, person_ids[1], id, now, &got), LL_NOT_FOUND, NULL);
	assert_null(got);
	assert_fails(cred_share_get(f->st, g_keys, &iss, person_ids[0], "01a20bb3-0585-75f0-8be1-aa12d730ffff", now, &got),
		     LL_NOT_FOUND, NULL);
	assert_null(got);
	char link[CRED_URL_MAX] = "";
	assert_fails(cred_share_link(f->st, g_keys, &iss, person_ids[1], id, link), LL_NOT_FOUND, NULL);
	/* Nor can they end it. */
	assert_fails(cred_share_end(f->st, person_ids[1], id, now), LL_NOT_FOUND, NULL);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credential_shares WHERE ended_at IS NULL", SP_NONE), 1);
	assert_ok(cred_share_get(f->st, g_keys, &iss, person_ids[0], id, now, &got));
	assert_string_equal(jstr(got, "state"), "active");
	json_decref(got);
	json_decref(share);
}

static void test_opening_a_share_records_the_visit_and_shows_valid_reports(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	const char *ids[] = { a.outcome_id, b.outcome_id };
	int64_t now = clock_now_us();
	json_t *share = share_ok(f, &iss, 0, 2, ids, "应聘数据分析岗", 0, now);
	const char *id = jstr(share, "id");

	int64_t seen = now + 5 * SECOND_US;
	json_t *shared = opened_ok(f, &iss, token_of(share), "198.51.100.7", "Mozilla/5.0 (HR)", seen);
	/* The visit, recorded as shown. */
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM credential_share_views WHERE share_id = $1 AND at = $2 AND address = $3 "
				 "AND user_agent = $4 AND was_shown = 1",
				 SP(SV_TEXT(id), SV_I64(seen), SV_TEXT("198.51.100.7"), SV_TEXT("Mozilla/5.0 (HR)"))),
			 1);
	assert_int_equal(count_rows(f->st, "credential_share_views"), 1);

	/* What the employer sees. */
	assert_true(json_is_true(json_object_get(shared, "is_valid")));
	assert_string_equal(jstr(shared, "purpose"), "应聘数据分析岗");
	assert_string_equal(jstr(shared, "recipient"), "某某科技有限公司");
	assert_string_equal(jstr(json_object_get(shared, "holder"), "name"), "张三");
	const json_t *issuer_obj = json_object_get(shared, "issuer");
	assert_string_equal(jstr(issuer_obj, "url"), ISSUER_URL);
	assert_string_equal(jstr(issuer_obj, "did"), iss.did);
	char t[32];
	assert_string_equal(jstr(shared, "created_at"), at(now, t));
	assert_string_equal(jstr(shared, "expires_at"), jstr(share, "expires_at"));
	assert_null(json_object_get(shared, "token"));
	const json_t *items = json_object_get(shared, "items");
	assert_int_equal(json_array_size(items), 2);
	for (size_t i = 0; i < 2; i++) {
		const json_t *item = json_array_get(items, i);
		const json_t *mine = json_array_get(json_object_get(share, "items"), i);
		assert_string_equal(jstr(item, "credential_id"), jstr(mine, "credential_id"));
		assert_string_equal(jstr(item, "title"), jstr(mine, "title"));
		char *jws = sql_text(f->st, "SELECT jws FROM credentials WHERE id = $1", SP(SV_TEXT(jstr(mine, "credential_id"))));
		assert_string_equal(jstr(item, "jws"), jws);
		free(jws);
		assert_all_passed(json_object_get(item, "report"));
	}
	const json_t *transcript = json_object_get(shared, "transcript");
	assert_string_equal(jstr(transcript, "id"), jstr(share, "clr_id"));
	assert_string_equal(jstr(transcript, "title"), "学习成果记录（2 项）");
	const json_t *report = json_object_get(transcript, "report");
	assert_all_passed(report);
	assert_int_equal(json_array_size(json_object_get(report, "embedded")), 2);
	json_decref(shared);

	/* A second visit without a user agent; the person sees both, newest first. */
	shared = opened_ok(f, &iss, token_of(share), "192.0.2.1", NULL, seen + SECOND_US);
	json_decref(shared);
	json_t *got = NULL;
	assert_ok(cred_share_get(f->st, g_keys, &iss, person_ids[0], id, seen + 2 * SECOND_US, &got));
	assert_int_equal(json_integer_value(json_object_get(got, "views")), 2);
	const json_t *log = json_object_get(got, "view_log");
	assert_int_equal(json_array_size(log), 2);
	const json_t *newest = json_array_get(log, 0), *oldest = json_array_get(log, 1);
	assert_string_equal(jstr(newest, "address"), "192.0.2.1");
	assert_true(json_is_null(json_object_get(newest, "user_agent")));
	assert_true(json_is_true(json_object_get(newest, "was_shown")));
	assert_string_equal(jstr(newest, "at"), at(seen + SECOND_US, t));
	assert_string_equal(jstr(oldest, "address"), "198.51.100.7");
	assert_string_equal(jstr(oldest, "user_agent"), "Mozilla/5.0 (HR)");
	assert_true(json_is_true(json_object_get(oldest, "was_shown")));
	assert_string_equal(jstr(oldest, "at"), at(seen, t));
	json_decref(got);
	json_decref(share);
}

static void test_opening_an_unknown_or_malformed_token_is_not_found_and_records_nothing(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	const char *ids[] = { a.outcome_id };
	int64_t now = clock_now_us();
	json_t *share = share_ok(f, &iss, 0, 1, ids, "应聘", 0, now);
	const char *token = token_of(share);
	struct cred_counts before = cred_counts_now(f);

	char changed[64], longer[64], shorter[64], padded[64], plus[64];
	snprintf(changed, sizeof(changed), "%s", token);
	changed[5] = changed[5] == 'A' ? 'B' : 'A';     /* well formed, no share's */
	snprintf(longer, sizeof(longer), "%sA", token);
	snprintf(shorter, sizeof(shorter), "%.31s", token);
	snprintf(padded, sizeof(padded), "%.31s=", token);
	snprintf(plus, sizeof(plus), "%s", token);
	plus[3] = '+';
	const char *const tokens[] = { changed, longer, shorter, padded, plus, "", NULL,
				       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		json_t *shared = NULL;
		assert_fails(open_at(f, &iss, tokens[i], now + SECOND_US, &shared), LL_NOT_FOUND, NULL);
		assert_null(shared);
		assert_cred_counts_equal(cred_counts_now(f), before);
	}
	/* The right one still opens. */
	json_t *shared = NULL;
	assert_ok(open_at(f, &iss, token, now + SECOND_US, &shared));
	json_decref(shared);
	assert_int_equal(count_rows(f->st, "credential_share_views"), 1);
	json_decref(share);
}

static void test_opening_an_ended_share_is_refused_and_recorded_as_not_shown(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	const char *ids[] = { a.outcome_id };
	int64_t now = clock_now_us();
	json_t *share = share_ok(f, &iss, 0, 1, ids, "应聘", 0, now);
	const char *id = jstr(share, "id");
	assert_ok(cred_share_end(f->st, person_ids[0], id, now + SECOND_US));

	json_t *shared = NULL;
	assert_fails(open_at(f, &iss, token_of(share), now + 2 * SECOND_US, &shared), LL_SHARE_ENDED, NULL);
	assert_null(shared);
	assert_int_equal(views_of(f, id, false), 1);
	assert_int_equal(views_of(f, id, true), 0);
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM credential_share_views WHERE share_id = $1 AND at = $2 AND address = $3",
				 SP(SV_TEXT(id), SV_I64(now + 2 * SECOND_US), SV_TEXT("203.0.113.9"))),
			 1);
	json_t *got = NULL;
	assert_ok(cred_share_get(f->st, g_keys, &iss, person_ids[0], id, now + 3 * SECOND_US, &got));
	assert_string_equal(jstr(got, "state"), "ended");
	char t[32];
	assert_string_equal(jstr(got, "ended_at"), at(now + SECOND_US, t));
	assert_int_equal(json_integer_value(json_object_get(got, "views")), 1);
	assert_false(json_is_true(json_object_get(json_array_get(json_object_get(got, "view_log"), 0), "was_shown")));
	json_decref(got);
	json_decref(share);
}

static void test_ending_a_share_twice_keeps_the_first_ended_at(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	const char *ids[] = { a.outcome_id };
	int64_t now = clock_now_us();
	json_t *share = share_ok(f, &iss, 0, 1, ids, "应聘", 0, now);
	json_t *other = share_ok(f, &iss, 0, 1, ids, "另一份", 0, now);
	const char *id = jstr(share, "id");
	assert_ok(cred_share_end(f->st, person_ids[0], id, now + SECOND_US));
	assert_ok(cred_share_end(f->st, person_ids[0], id, now + 9 * SECOND_US));
	assert_int_equal(sql_i64(f->st, "SELECT ended_at FROM credential_shares WHERE id = $1", SP(SV_TEXT(id))),
			 now + SECOND_US);
	/* Only that share ended. */
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credential_shares WHERE id = $1 AND ended_at IS NULL",
				 SP(SV_TEXT(jstr(other, "id")))),
			 1);
	json_t *got = NULL;
	assert_ok(cred_share_get(f->st, g_keys, &iss, person_ids[0], id, now + 10 * SECOND_US, &got));
	char t[32];
	assert_string_equal(jstr(got, "ended_at"), at(now + SECOND_US, t));
	assert_string_equal(jstr(got, "state"), "ended");
	json_decref(got);
	json_decref(other);
	json_decref(share);
}

static void test_opening_an_expired_share_is_refused(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	const char *ids[] = { a.outcome_id };
	int64_t now = clock_now_us();
	int64_t expires_at = now + SECOND_US;
	json_t *share = share_ok(f, &iss, 0, 1, ids, "应聘", expires_at, now);
	const char *id = jstr(share, "id");

	/* The last microsecond before it expires, it opens. */
	json_t *shared = NULL;
	assert_ok(open_at(f, &iss, token_of(share), expires_at - 1, &shared));
	json_decref(shared);
	shared = NULL;
	/* At its end and after, it does not. */
	assert_fails(open_at(f, &iss, token_of(share), expires_at, &shared), LL_SHARE_EXPIRED, NULL);
	assert_null(shared);
	assert_fails(open_at(f, &iss, token_of(share), expires_at + SECOND_US, &shared), LL_SHARE_EXPIRED, NULL);
	assert_null(shared);
	assert_int_equal(views_of(f, id, true), 1);
	assert_int_equal(views_of(f, id, false), 2);

	json_t *got = NULL;
	assert_ok(cred_share_get(f->st, g_keys, &iss, person_ids[0], id, expires_at - 1, &got));
	assert_string_equal(jstr(got, "state"), "active");
	json_decref(got);
	assert_ok(cred_share_get(f->st, g_keys, &iss, person_ids[0], id, expires_at + SECOND_US, &got));
	assert_string_equal(jstr(got, "state"), "expired");
	json_decref(got);
	json_t *page = NULL;
	assert_ok(cred_share_list(f->st, g_keys, &iss, person_ids[0], expires_at + SECOND_US, &page));
	assert_string_equal(jstr(json_array_get(json_object_get(page, "items"), 0), "state"), "expired");
	json_decref(page);
	json_decref(share);
}

static void test_refused_shares_store_nothing(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result theirs = credit_ok(f, 1, "大学英语", "row-2");
	int64_t now = clock_now_us();
	struct cred_counts before = cred_counts_now(f);
	assert_int_equal(before.credentials, 0);

	const char *good[] = { a.outcome_id };
	const char *unknown[] = { a.outcome_id, "01a20bb3-0585-75f0-8be1-aa12d730ffff" };
	const char *of_theirs[] = { a.outcome_id, theirs.outcome_id };
	static const struct {
		const char *name;
		int which_ids; /* 0 good, 1 unknown, 2 theirs, 3 none */
		const char *purpose;
		int64_t expires_in;
		enum ll_err want;
		const char *field;
	} cases[] = {
		{ "expired already", 0, "应聘", -SECOND_US, LL_OUT_OF_RANGE, "expires_at" },
		{ "expires now", 0, "应聘", -1, LL_OUT_OF_RANGE, "expires_at" }, /* -1: expires_at = now */
		{ "over 365 days", 0, "应聘", 365 * DAY_US + 1, LL_OUT_OF_RANGE, "expires_at" },
		{ "empty purpose", 0, "", 0, LL_MISSING_FIELD, "purpose" },
		{ "no purpose", 0, NULL, 0, LL_MISSING_FIELD, "purpose" },
		{ "unknown outcome", 1, "应聘", 0, LL_NOT_FOUND, "outcome_ids" },
		{ "another person's outcome", 2, "应聘", 0, LL_NOT_FOUND, "outcome_ids" },
		{ "no outcomes", 3, "应聘", 0, LL_MISSING_FIELD, "outcome_ids" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		json_t *ids = cases[c].which_ids == 0	? ids_of(1, good)
			      : cases[c].which_ids == 1 ? ids_of(2, unknown)
			      : cases[c].which_ids == 2 ? ids_of(2, of_theirs)
							: json_array();
		int64_t expires_at = cases[c].expires_in == -1 ? now
				     : cases[c].expires_in	? now + cases[c].expires_in
								: 0;
		const struct cred_share_in in = { .outcome_ids = ids, .purpose = cases[c].purpose, .expires_at = expires_at };
		json_t *share = NULL;
		enum ll_err err = cred_share_create(f->st, g_keys, &iss, person_ids[0], &in, now, &share);
		if (err != cases[c].want)
			fail_msg("%s: got %s, want %s", cases[c].name, ll_err_code(err), ll_err_code(cases[c].want));
		assert_fails(err, cases[c].want, cases[c].field);
		assert_null(share);
		assert_cred_counts_equal(cred_counts_now(f), before);
		json_decref(ids);
	}
}

static void test_share_with_a_revoked_outcome_opens_as_not_valid(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-1");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-2");
	const char *ids[] = { a.outcome_id, b.outcome_id };
	int64_t now = clock_now_us();
	json_t *share = share_ok(f, &iss, 0, 2, ids, "应聘", 0, now);
	json_t *shared = opened_ok(f, &iss, token_of(share), "198.51.100.7", NULL, clock_now_us());
	assert_true(json_is_true(json_object_get(shared, "is_valid")));
	json_decref(shared);

	revoke_ok(f, U1, a.outcome_id, "录入错误");
	shared = opened_ok(f, &iss, token_of(share), "198.51.100.7", NULL, clock_now_us());
	assert_false(json_is_true(json_object_get(shared, "is_valid")));
	const json_t *items = json_object_get(shared, "items");
	assert_int_equal(json_array_size(items), 2);
	const json_t *ra = json_object_get(json_array_get(items, 0), "report");
	assert_false(json_is_true(json_object_get(ra, "is_valid")));
	assert_string_equal(status_of(ra, "status"), "failed");
	assert_all_passed(json_object_get(json_array_get(items, 1), "report"));
	const json_t *rt = json_object_get(json_object_get(shared, "transcript"), "report");
	assert_false(json_is_true(json_object_get(rt, "is_valid")));
	assert_string_equal(status_of(rt, "status"), "failed");
	json_decref(shared);
	json_decref(share);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_ledger, teardown_ledger)
	const struct CMUnitTest tests[] = {
		T(test_clr_of_two_outcomes_is_recorded_with_its_entries_and_no_outcome),
		T(test_clr_embeds_each_badge_as_its_jws_in_the_order_asked),
		T(test_clr_reuses_a_current_badge_and_issues_one_for_an_outcome_without),
		T(test_clr_after_a_correction_embeds_a_badge_of_the_new_version),
		T(test_clr_holds_up_to_twenty_outcomes),
		T(test_clr_verifies_locally_with_each_embedded_report_valid),
		T(test_correcting_an_outcome_revokes_its_clr),
		T(test_revoking_an_outcome_revokes_its_clr),
		T(test_refused_clrs_store_nothing),
		T(test_clr_embedding_a_tampered_badge_fails_the_ledger_check),
		T(test_clr_embedding_another_persons_or_issuers_credential_fails),
		T(test_clr_embedding_nothing_fails_the_ledger_check),
		T(test_clr_embedding_a_clr_fails_the_ledger_check),
		T(test_share_create_returns_a_link_its_items_and_its_clr),
		T(test_share_lasts_30_days_unless_told_and_at_most_365),
		T(test_share_stores_only_the_keyed_hash_of_its_token),
		T(test_share_list_is_newest_first_and_only_the_persons),
		T(test_share_of_another_person_is_not_found),
		T(test_opening_a_share_records_the_visit_and_shows_valid_reports),
		T(test_opening_an_unknown_or_malformed_token_is_not_found_and_records_nothing),
		T(test_opening_an_ended_share_is_refused_and_recorded_as_not_shown),
		T(test_ending_a_share_twice_keeps_the_first_ended_at),
		T(test_opening_an_expired_share_is_refused),
		T(test_refused_shares_store_nothing),
		T(test_share_with_a_revoked_outcome_opens_as_not_valid),
	};
#undef T
	return ledger_fixture_run("credential shares", tests, sizeof(tests) / sizeof(tests[0]));
}
