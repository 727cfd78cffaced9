/*
 * What the credentials' store tests share (test_credentials_store.c: keys, badges, verifying and
 * revoking; test_credential_shares.c: transcripts and shares), on top of ledger_fixture.h's
 * database of a case: the issuer at ISSUER_URL, a person's credit deposited and stored, corrected,
 * and issued as a badge; a credential verified with this node's keys and the checks of its
 * report; and the bits of status list 0 and the index a credential holds in it.
 *
 * Everything is static, functions static inline, so that each test program is still one
 * translation unit with its own copy and a helper one program does not use costs no warning.
 * Include it once, from the file that holds main, in place of ledger_fixture.h.
 */
#ifndef LL_TEST_CREDENTIALS_FIXTURE_H
#define LL_TEST_CREDENTIALS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "credentials/credentials.h"
#include "ledger_fixture.h"

#define ISSUER_URL "https://lifelong.sh.cn"
/* The address of status list 0 of the issuer at ISSUER_URL. */
#define STATUS_LIST_0_URL ISSUER_URL "/api/v1/credentials/status/0"

static inline const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static inline struct cred_issuer issuer(void)
{
	struct cred_issuer iss;
	assert_ok(cred_issuer_init(ISSUER_URL, &iss));
	return iss;
}

/* ---- Outcomes and badges ---- */

/* A credit of person's, deposited by U1 and stored at once; strings in f's arena. */
static inline struct deposit_result credit_ok(struct fx *f, int person, const char *title, const char *external_id)
{
	struct outcome o = credit_of(f, person, title, 4000, "2026-06-30", external_id);
	struct deposit_result r = deposit_ok(f, U1, &o);
	assert_int_equal(r.status, SUB_STORED);
	return r;
}

/* The outcome's newest entry id after correcting it to title (approved when it waits for
 * review); in f's arena. */
static inline const char *corrected_ok(struct fx *f, int person, const char *outcome_id, const char *title)
{
	struct outcome fixed = credit_of(f, person, title, 4500, "2026-06-30", NULL);
	struct deposit_result c = correct_ok(f, U1, outcome_id, &fixed, "课程名称录入错误");
	const char *entry_id = c.entry_id;
	if (c.status == SUB_PENDING) {
		assert_ok(ledger_decide(f->st, &REVIEWER, c.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
		json_t *s = NULL;
		assert_ok(ledger_submission_get(f->st, &REVIEWER, c.submission_id, &s));
		entry_id = arena_strdup(&f->a, jstr(s, "entry_id"));
		json_decref(s);
	}
	assert_non_null(entry_id);
	return entry_id;
}

/* The person's badge for outcome_id, issued; caller owns it. */
static inline json_t *badge_ok(struct fx *f, const struct cred_issuer *iss, int person, const char *outcome_id)
{
	json_t *obj = NULL;
	assert_ok(cred_issue_badge(f->st, g_keys, iss, person_ids[person], outcome_id, &obj));
	assert_non_null(obj);
	return obj;
}

/* ---- Reports ---- */

/* The status of the report's check of that name; fails the test when it has none. */
static inline const char *status_of(const json_t *report, const char *check)
{
	size_t i;
	const json_t *c;
	json_array_foreach (json_object_get(report, "checks"), i, c)
		if (strcmp(jstr(c, "check"), check) == 0)
			return jstr(c, "status");
	fail_msg("the report has no check %s", check);
	return NULL;
}

/* Fails the test unless report says is_valid and each check's status, in the order format,
 * signature, validity, status, ledger; a check given as NULL is not looked at. */
static inline void assert_report(const json_t *report, bool is_valid, const char *format, const char *signature,
				 const char *validity, const char *status, const char *ledger)
{
	const char *const want[] = { format, signature, validity, status, ledger };
	for (int c = 0; c < CHECK_COUNT; c++) {
		if (!want[c])
			continue;
		const char *got = status_of(report, cred_check_names[c]);
		if (strcmp(got, want[c]) != 0)
			fail_msg("check %s is %s, want %s", cred_check_names[c], got, want[c]);
	}
	if (json_is_true(json_object_get(report, "is_valid")) != is_valid)
		fail_msg("is_valid is %s, want %s", is_valid ? "false" : "true", is_valid ? "true" : "false");
}

static inline void assert_all_passed(const json_t *report)
{
	assert_report(report, true, "passed", "passed", "passed", "passed", "passed");
}

/* jws verified now with keys as this node's; caller owns the report. */
static inline json_t *verified_locally(struct fx *f, const struct cred_issuer *iss, const struct ll_keys *keys,
				       const char *jws)
{
	json_t *report = NULL;
	assert_ok(cred_verify_local(f->st, keys, iss, jws, clock_now_us(), &report));
	assert_non_null(report);
	return report;
}

/* Fails the test unless jws, verified now with this node's keys, passes every check (its status
 * in this node's own list too). */
static inline void assert_valid(struct fx *f, const struct cred_issuer *iss, const char *jws)
{
	json_t *report = verified_locally(f, iss, g_keys, jws);
	assert_all_passed(report);
	json_decref(report);
}

/* ---- Status lists ---- */

/* The bits of status list 0 as this node serves it now (its JWS verified first); caller frees. */
static inline unsigned char *list_bits(struct fx *f, const struct cred_issuer *iss)
{
	char *jws = NULL;
	assert_ok(cred_status_list_jws(f->st, g_keys, iss, 0, &jws));
	json_t *report = verified_locally(f, iss, g_keys, jws);
	assert_true(json_is_true(json_object_get(report, "is_valid")));
	const json_t *list = json_object_get(report, "credential");
	assert_string_equal(jstr(list, "id"), STATUS_LIST_0_URL);
	assert_string_equal(jstr(json_object_get(list, "credentialSubject"), "statusPurpose"), "revocation");
	unsigned char *bits = NULL;
	size_t len = 0;
	assert_ok(cred_status_decode(jstr(json_object_get(list, "credentialSubject"), "encodedList"), "encodedList", &bits,
				     &len));
	assert_int_equal(len, CRED_STATUS_LIST_BYTES);
	json_decref(report);
	free(jws);
	return bits;
}

/* The status index a credential (the decoded one, not its summary) names in list 0. */
static inline uint64_t index_of(const json_t *credential)
{
	const json_t *status = json_object_get(credential, "credentialStatus");
	assert_string_equal(jstr(status, "statusListCredential"), STATUS_LIST_0_URL);
	return strtoull(jstr(status, "statusListIndex"), NULL, 10);
}

#endif
