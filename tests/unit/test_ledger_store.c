/*
 * The credit bank on a real database: deposits stored at once or queued for review, idempotency by
 * external id, failed checks that leave nothing behind, the review workflow (approve, reject,
 * return and resubmit), corrections and revocations as entries that supersede the head, outcome
 * history, and transcripts (current versions, totals, scoping, CSV). The log itself (chains,
 * signed tree heads, proofs, the verifier) is tested in test_ledger_log.c. Every case runs on
 * SQLite and, when LIFELONG_TEST_PG names a server (scripts/pg-test.sh run sets it), again on
 * PostgreSQL; each case starts from an empty, migrated database with the reference data, four
 * institutions and three persons (ledger_fixture.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/roles.h"
#include "base/buf.h"
#include "base/clock.h"
#include "ledger/ledger_db.h"
#include "ledger_fixture.h"

static struct ledger_caller citizen_of(int person)
{
	return (struct ledger_caller){ .role = ROLE_CITIZEN, .user_id = "user-citizen", .person_id = person_ids[person] };
}

/* ---- JSON ---- */

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int64_t jint(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return json_integer_value(v);
}

/* ---- Outcomes and calls ---- */

static struct outcome qualification_of(struct fx *f, int person, const char *evidence_id, const char *external_id)
{
	struct outcome o;
	outcome_init(&o);
	o.kind = KIND_ACADEMIC_QUALIFICATION;
	o.account_no = f->account[person];
	o.title = "计算机科学与技术（本科）";
	o.code = "080901";
	o.level = 7;
	o.started_on = "2022-09-01";
	o.awarded_on = "2026-06-30";
	o.certificate_no = "102471202605001234";
	o.evidence_id = evidence_id;
	o.external_id = external_id;
	return o;
}

static enum ll_err deposit(struct fx *f, const char *institution_id, const struct outcome *o,
			   struct deposit_result *ret)
{
	struct ledger_caller c = staff_of(institution_id);
	return ledger_deposit(f->st, &c, o, &ACTOR, &f->a, ret);
}

static const char *evidence_up(struct fx *f, const char *institution_id, const char *content, char sha[65])
{
	struct ledger_caller c = staff_of(institution_id);
	const char *id = NULL;
	char local[65];
	assert_ok(evidence_store(f->st, &c, content, strlen(content), "application/pdf", "scan.pdf", &ACTOR, &f->a, &id,
				 sha ? sha : local));
	return id;
}

static struct ledger_entry entry_of(struct fx *f, const char *id)
{
	struct ledger_entry e;
	assert_ok(ledger_entry_get(f->st, &REVIEWER, id, &f->a, &e));
	return e;
}

/* The submission as the API shows it; caller owns the reference. */
static json_t *submission_of(struct fx *f, const char *id)
{
	json_t *obj = NULL;
	assert_ok(ledger_submission_get(f->st, &REVIEWER, id, &obj));
	return obj;
}

static void assert_submission_status(struct fx *f, const char *id, const char *status)
{
	json_t *s = submission_of(f, id);
	assert_string_equal(jstr(s, "status"), status);
	json_decref(s);
}

/* ---- Depositing ---- */

static void test_deposit_auto_kind_is_stored_at_once(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	struct deposit_result r = deposit_ok(f, U1, &o);
	assert_int_equal(r.status, SUB_STORED);
	assert_false(r.is_existing);
	assert_non_null(r.submission_id);
	assert_non_null(r.entry_id);
	assert_string_equal(r.outcome_id, r.entry_id);

	json_t *s = submission_of(f, r.submission_id);
	assert_string_equal(jstr(s, "status"), "stored");
	assert_string_equal(jstr(s, "op"), "deposit");
	assert_string_equal(jstr(s, "entry_id"), r.entry_id);
	assert_string_equal(jstr(s, "outcome_id"), r.entry_id);
	assert_string_equal(jstr(s, "external_id"), "row-1");
	json_decref(s);

	struct ledger_entry e = entry_of(f, r.entry_id);
	assert_int_equal(e.seq, 0);
	assert_int_equal(e.op, OP_DEPOSIT);
	assert_string_equal(e.person_id, person_ids[0]);
	assert_int_equal(e.person_seq, 1);
	static const unsigned char zero[ENTRY_HASH_BYTES];
	assert_memory_equal(e.prev_hash, zero, ENTRY_HASH_BYTES);
	assert_string_equal(e.outcome_id, r.entry_id);
	assert_null(e.supersedes);
	assert_string_equal(e.submission_id, r.submission_id);
	assert_int_equal(e.standard_version, 1);
	assert_string_equal(e.o.institution_id, U1);
	assert_string_equal(e.o.title, "高等数学");
	assert_int_equal(e.o.credits_milli, 4000);
	assert_string_equal(e.o.external_id, "row-1");
	unsigned char h[ENTRY_HASH_BYTES];
	assert_ok(entry_compute_hash(&e, h));
	assert_memory_equal(h, e.entry_hash, ENTRY_HASH_BYTES);

	assert_int_equal(count_rows(f->st, "ledger_entries"), 1);
	assert_int_equal(count_rows(f->st, "submissions"), 1);
	assert_int_equal(sql_i64(f->st, "SELECT size FROM ledger_head WHERE id = 1", SP_NONE), 1);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM audit_log WHERE action = 'outcome.deposit' AND target_id = $1",
				 SP(SV_TEXT(r.submission_id))),
			 1);
}

static void test_deposit_same_external_id_same_content_is_idempotent(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	struct deposit_result first = deposit_ok(f, U1, &o);
	struct counts before = counts_now(f);
	/* The same row sent again, from another copy of its strings. */
	struct outcome again = credit_of(f, 0, arena_strdup(&f->a, "高等数学"), 4000, "2026-06-30",
					 arena_strdup(&f->a, "row-1"));
	struct deposit_result r = deposit_ok(f, U1, &again);
	assert_true(r.is_existing);
	assert_int_equal(r.status, SUB_STORED);
	assert_string_equal(r.submission_id, first.submission_id);
	assert_string_equal(r.entry_id, first.entry_id);
	assert_string_equal(r.outcome_id, first.outcome_id);
	assert_counts_equal(counts_now(f), before);
	/* The same external id from another institution is another deposit. */
	struct deposit_result other = deposit_ok(f, U2, &o);
	assert_false(other.is_existing);
	assert_string_not_equal(other.entry_id, first.entry_id);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 2);
}

static void test_deposit_same_external_id_different_content_is_refused(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	deposit_ok(f, U1, &o);
	struct counts before = counts_now(f);
	struct deposit_result r;
	struct outcome changed[4] = { o, o, o, o };
	changed[0].title = "高等数学（二）";
	changed[1].credits_milli = 4500;
	changed[2].account_no = f->account[1];
	changed[3].result = "B";
	for (int i = 0; i < 4; i++) {
		assert_fails(deposit(f, U1, &changed[i], &r), LL_DUPLICATE_EXTERNAL_ID, "external_id");
		assert_counts_equal(counts_now(f), before);
	}
}

/* Deposits o for institution_id, which must fail with want naming field and write nothing. */
static void assert_refused_cleanly(struct fx *f, const char *what, const char *institution_id,
				   const struct outcome *o, enum ll_err want, const char *field)
{
	struct counts before = counts_now(f);
	struct deposit_result r;
	enum ll_err err = deposit(f, institution_id, o, &r);
	if (err != want)
		fail_msg("%s: got %s, want %s", what, ll_err_code(err), ll_err_code(want));
	assert_string_equal(ll_error_get(err)->field, field);
	assert_counts_equal(counts_now(f), before);
}

static void test_deposit_failing_check_writes_nothing(void **state)
{
	struct fx *f = *state;
	/* Evidence of another institution, and one deposit already there, so that the counts are
	 * not all zero. */
	const char *foreign = evidence_up(f, U2, "%PDF-1.7 U2's scan", NULL);
	struct outcome ok = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-ok");
	deposit_ok(f, U1, &ok);

	struct outcome o = credit_of(f, 0, "x", 4000, "2026-06-30", "r1");
	o.account_no = "3100000000099999";
	assert_refused_cleanly(f, "unknown account", U1, &o, LL_UNKNOWN_ACCOUNT, "account_no");
	o.account_no = NULL;
	assert_refused_cleanly(f, "no account", U1, &o, LL_MISSING_FIELD, "account_no");
	o = training_of(f, 0, "安全培训", 8000);
	assert_refused_cleanly(f, "kind not allowed", U1, &o, LL_KIND_NOT_ALLOWED, "kind");
	o = credit_of(f, 0, "x", 4000, "2026-06-30", "r3");
	o.code = NULL;
	assert_refused_cleanly(f, "missing code", U1, &o, LL_MISSING_FIELD, "code");
	o = qualification_of(f, 0, "no-such-evidence", "r4");
	assert_refused_cleanly(f, "unknown evidence", U1, &o, LL_UNKNOWN_EVIDENCE, "evidence_id");
	o = qualification_of(f, 0, foreign, "r5");
	assert_refused_cleanly(f, "another institution's evidence", U1, &o, LL_UNKNOWN_EVIDENCE, "evidence_id");
	o = qualification_of(f, 0, NULL, "r6");
	assert_refused_cleanly(f, "evidence missing", U1, &o, LL_EVIDENCE_REQUIRED, "evidence_id");
	o = credit_of(f, 0, "x", 4000, "2099-01-01", "r7");
	assert_refused_cleanly(f, "future date", U1, &o, LL_INVALID_DATE, "awarded_on");
	o = credit_of(f, 0, "x", 25000, "2026-06-30", "r8");
	assert_refused_cleanly(f, "credits out of range", U1, &o, LL_OUT_OF_RANGE, "credits_milli");
	o = credit_of(f, 0, "x", 4000, "2026-06-30", "r9");
	o.result = "Z";
	assert_refused_cleanly(f, "bad grade", U1, &o, LL_INVALID_RESULT, "result");
	/* Only staff of an institution deposit. */
	struct counts before = counts_now(f);
	struct ledger_caller citizen = citizen_of(0);
	struct deposit_result r;
	assert_fails(ledger_deposit(f->st, &citizen, &ok, &ACTOR, &f->a, &r), LL_FORBIDDEN, NULL);
	assert_counts_equal(counts_now(f), before);
}

/* ---- Review ---- */

static void test_manual_kind_waits_for_review_then_approval_appends(void **state)
{
	struct fx *f = *state;
	char sha[65];
	const char *ev = evidence_up(f, U1, "%PDF-1.7 diploma scan", sha);
	struct outcome o = qualification_of(f, 0, ev, "deg-1");
	struct deposit_result r = deposit_ok(f, U1, &o);
	assert_int_equal(r.status, SUB_PENDING);
	assert_null(r.entry_id);
	assert_null(r.outcome_id);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 0);
	assert_submission_status(f, r.submission_id, "pending");

	/* Staff do not decide. */
	struct ledger_caller staff = staff_of(U1);
	assert_fails(ledger_decide(f->st, &staff, r.submission_id, DECIDE_APPROVE, NULL, &ACTOR), LL_FORBIDDEN, NULL);
	assert_fails(ledger_decide(f->st, &REVIEWER, "no-such-submission", DECIDE_APPROVE, NULL, &ACTOR), LL_NOT_FOUND,
		     NULL);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 0);

	assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	json_t *s = submission_of(f, r.submission_id);
	assert_string_equal(jstr(s, "status"), "stored");
	assert_string_equal(jstr(s, "decided_by"), "user-reviewer");
	const char *entry_id = arena_strdup(&f->a, jstr(s, "entry_id"));
	assert_non_null(entry_id);
	assert_string_equal(jstr(s, "outcome_id"), entry_id);
	json_decref(s);

	assert_int_equal(count_rows(f->st, "ledger_entries"), 1);
	struct ledger_entry e = entry_of(f, entry_id);
	assert_int_equal(e.op, OP_DEPOSIT);
	assert_string_equal(e.outcome_id, entry_id);
	assert_string_equal(e.submission_id, r.submission_id);
	assert_string_equal(e.o.evidence_sha256, sha);
	assert_string_equal(e.o.external_id, "deg-1");
	assert_string_equal(e.actor_id, "user-reviewer");
	assert_int_equal(e.o.level, 7);
	assert_int_equal(e.person_seq, 1);
	assert_true(verify(f).is_ok);
}

static void test_reject_and_return_need_a_reason(void **state)
{
	struct fx *f = *state;
	const char *ev = evidence_up(f, U1, "%PDF-1.7 scan", NULL);
	struct outcome o = qualification_of(f, 0, ev, "deg-1");
	struct deposit_result r = deposit_ok(f, U1, &o);
	struct counts before = counts_now(f);
	assert_fails(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_REJECT, NULL, &ACTOR), LL_MISSING_FIELD,
		     "reason");
	assert_fails(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_RETURN, NULL, &ACTOR), LL_MISSING_FIELD,
		     "reason");
	assert_counts_equal(counts_now(f), before);
	assert_submission_status(f, r.submission_id, "pending");

	assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_REJECT, "证书扫描件与学历信息不符", &ACTOR));
	json_t *s = submission_of(f, r.submission_id);
	assert_string_equal(jstr(s, "status"), "rejected");
	assert_string_equal(jstr(s, "decision_reason"), "证书扫描件与学历信息不符");
	assert_true(json_is_null(json_object_get(s, "entry_id")));
	json_decref(s);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 0);
}

static void test_deciding_twice_is_not_pending(void **state)
{
	struct fx *f = *state;
	const char *ev = evidence_up(f, U1, "%PDF-1.7 scan", NULL);
	struct outcome a = qualification_of(f, 0, ev, "deg-1"), b = qualification_of(f, 1, ev, "deg-2");
	struct deposit_result ra = deposit_ok(f, U1, &a), rb = deposit_ok(f, U1, &b);
	assert_ok(ledger_decide(f->st, &REVIEWER, ra.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	assert_ok(ledger_decide(f->st, &REVIEWER, rb.submission_id, DECIDE_REJECT, "不符", &ACTOR));
	struct counts before = counts_now(f);
	static const enum review_decision all[] = { DECIDE_APPROVE, DECIDE_REJECT, DECIDE_RETURN };
	for (int i = 0; i < 3; i++) {
		assert_fails(ledger_decide(f->st, &REVIEWER, ra.submission_id, all[i], "again", &ACTOR), LL_NOT_PENDING, NULL);
		assert_fails(ledger_decide(f->st, &REVIEWER, rb.submission_id, all[i], "again", &ACTOR), LL_NOT_PENDING, NULL);
	}
	assert_counts_equal(counts_now(f), before);
	assert_int_equal(before.entries, 1);
	assert_submission_status(f, ra.submission_id, "stored");
	assert_submission_status(f, rb.submission_id, "rejected");
}

static void test_returned_submission_is_resubmitted_and_approved(void **state)
{
	struct fx *f = *state;
	const char *ev = evidence_up(f, U1, "%PDF-1.7 blurred scan", NULL);
	struct outcome o = qualification_of(f, 0, ev, "deg-1");
	struct deposit_result r = deposit_ok(f, U1, &o);
	assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_RETURN, "扫描件不清晰", &ACTOR));
	json_t *s = submission_of(f, r.submission_id);
	assert_string_equal(jstr(s, "status"), "returned");
	assert_string_equal(jstr(s, "decision_reason"), "扫描件不清晰");
	json_decref(s);
	/* A returned submission is not approved directly. */
	assert_fails(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_APPROVE, NULL, &ACTOR), LL_NOT_PENDING, NULL);

	char sha[65];
	const char *ev2 = evidence_up(f, U1, "%PDF-1.7 clear scan", sha);
	struct outcome fixed = qualification_of(f, 0, ev2, NULL);
	fixed.certificate_no = "102471202605009999";
	struct deposit_result rr;
	/* Only its institution resubmits, and only for the same account. */
	struct ledger_caller other = staff_of(U2), mine = staff_of(U1);
	struct counts before = counts_now(f);
	assert_fails(ledger_resubmit(f->st, &other, r.submission_id, &fixed, &ACTOR, &f->a, &rr), LL_NOT_FOUND, NULL);
	struct outcome moved = fixed;
	moved.account_no = f->account[1];
	assert_fails(ledger_resubmit(f->st, &mine, r.submission_id, &moved, &ACTOR, &f->a, &rr), LL_INVALID_VALUE,
		     "account_no");
	assert_counts_equal(counts_now(f), before);

	assert_ok(ledger_resubmit(f->st, &mine, r.submission_id, &fixed, &ACTOR, &f->a, &rr));
	assert_string_equal(rr.submission_id, r.submission_id);
	assert_int_equal(rr.status, SUB_PENDING);
	assert_int_equal(count_rows(f->st, "submissions"), 1);
	s = submission_of(f, r.submission_id);
	assert_string_equal(jstr(s, "status"), "pending");
	assert_string_equal(jstr(s, "certificate_no"), "102471202605009999");
	assert_string_equal(jstr(s, "external_id"), "deg-1");
	assert_true(json_is_null(json_object_get(s, "decision_reason")));
	json_decref(s);
	/* Pending again: a second resubmission is refused. */
	assert_fails(ledger_resubmit(f->st, &mine, r.submission_id, &fixed, &ACTOR, &f->a, &rr), LL_NOT_PENDING, NULL);

	assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	s = submission_of(f, r.submission_id);
	struct ledger_entry e = entry_of(f, jstr(s, "entry_id"));
	assert_string_equal(jstr(s, "outcome_id"), e.id);
	json_decref(s);
	assert_string_equal(e.o.certificate_no, "102471202605009999");
	assert_string_equal(e.o.evidence_sha256, sha);
	assert_string_equal(e.o.external_id, "deg-1");
	assert_string_equal(e.submission_id, r.submission_id);
}

static void test_resubmission_under_an_automatic_standard_is_stored_at_once(void **state)
{
	struct fx *f = *state;
	struct entry_standard s;
	standard_default(KIND_ACADEMIC_CREDIT, &s);
	s.is_reviewed = true;
	int version = 0;
	const struct audit_actor admin = { .id = "user-admin", .role = "city_admin" };
	assert_ok(standard_publish(f->st, &s, &admin, &version));
	assert_int_equal(version, 2);
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	struct deposit_result r = deposit_ok(f, U1, &o);
	assert_int_equal(r.status, SUB_PENDING);
	assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_RETURN, "成绩有误", &ACTOR));
	s.is_reviewed = false;
	assert_ok(standard_publish(f->st, &s, &admin, &version));
	assert_int_equal(version, 3);

	struct ledger_caller mine = staff_of(U1);
	struct outcome fixed = o;
	fixed.result = "A-";
	struct deposit_result rr;
	assert_ok(ledger_resubmit(f->st, &mine, r.submission_id, &fixed, &ACTOR, &f->a, &rr));
	assert_int_equal(rr.status, SUB_STORED);
	assert_non_null(rr.entry_id);
	assert_string_equal(rr.outcome_id, rr.entry_id);
	json_t *sub = submission_of(f, r.submission_id);
	assert_string_equal(jstr(sub, "status"), "stored");
	assert_string_equal(jstr(sub, "entry_id"), rr.entry_id);
	assert_string_equal(jstr(sub, "outcome_id"), rr.entry_id);
	assert_int_equal(jint(sub, "standard_version"), 3);
	json_decref(sub);
	struct ledger_entry e = entry_of(f, rr.entry_id);
	assert_int_equal(e.op, OP_DEPOSIT);
	assert_string_equal(e.outcome_id, rr.entry_id);
	assert_string_equal(e.o.result, "A-");
	assert_string_equal(e.o.external_id, "row-1");
	assert_int_equal(e.standard_version, 3);
}

/* ---- Corrections, revocations, history ---- */

static void test_correction_supersedes_head_and_keeps_identity(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "Calculus", 4000, "2026-06-30", "c-1");
	struct deposit_result d = deposit_ok(f, U1, &o);
	struct ledger_entry first = entry_of(f, d.entry_id);

	struct counts before = counts_now(f);
	struct ledger_caller mine = staff_of(U1), other = staff_of(U2);
	struct outcome fixed = credit_of(f, 0, "Calculus I", 4500, "2026-06-30", NULL);
	struct deposit_result r;
	assert_fails(ledger_correct(f->st, &mine, d.outcome_id, &fixed, NULL, &ACTOR, &f->a, &r), LL_MISSING_FIELD,
		     "reason");
	assert_fails(ledger_correct(f->st, &other, d.outcome_id, &fixed, "typo", &ACTOR, &f->a, &r), LL_NOT_FOUND, NULL);
	assert_fails(ledger_correct(f->st, &mine, "no-such-outcome", &fixed, "typo", &ACTOR, &f->a, &r), LL_NOT_FOUND,
		     NULL);
	struct outcome moved = fixed;
	moved.account_no = f->account[1];
	assert_fails(ledger_correct(f->st, &mine, d.outcome_id, &moved, "typo", &ACTOR, &f->a, &r), LL_INVALID_VALUE,
		     "account_no");
	struct outcome renamed = fixed;
	renamed.external_id = "c-2";
	assert_fails(ledger_correct(f->st, &mine, d.outcome_id, &renamed, "typo", &ACTOR, &f->a, &r), LL_INVALID_VALUE,
		     "external_id");
	struct outcome bad = fixed;
	bad.code = NULL;
	assert_fails(ledger_correct(f->st, &mine, d.outcome_id, &bad, "typo", &ACTOR, &f->a, &r), LL_MISSING_FIELD,
		     "code");
	assert_counts_equal(counts_now(f), before);

	struct deposit_result c1 = correct_ok(f, U1, d.outcome_id, &fixed, "课程名称录入错误");
	assert_int_equal(c1.status, SUB_STORED);
	assert_string_equal(c1.outcome_id, d.outcome_id);
	assert_string_not_equal(c1.entry_id, d.entry_id);
	struct ledger_entry e1 = entry_of(f, c1.entry_id);
	assert_int_equal(e1.op, OP_CORRECT);
	assert_string_equal(e1.outcome_id, d.outcome_id);
	assert_string_equal(e1.supersedes, d.entry_id);
	assert_string_equal(e1.o.external_id, "c-1");
	assert_string_equal(e1.o.title, "Calculus I");
	assert_int_equal(e1.o.credits_milli, 4500);
	assert_string_equal(e1.reason, "课程名称录入错误");
	assert_string_equal(e1.submission_id, c1.submission_id);
	assert_int_equal(e1.person_seq, 2);
	assert_memory_equal(e1.prev_hash, first.entry_hash, ENTRY_HASH_BYTES);
	json_t *s = submission_of(f, c1.submission_id);
	assert_string_equal(jstr(s, "op"), "correct");
	assert_string_equal(jstr(s, "outcome_id"), d.outcome_id);
	json_decref(s);

	/* The external id may be repeated; a second correction supersedes the first. */
	struct outcome again = fixed;
	again.external_id = "c-1";
	again.result = "A-";
	struct deposit_result c2 = correct_ok(f, U1, d.outcome_id, &again, "成绩更正");
	struct ledger_entry e2 = entry_of(f, c2.entry_id);
	assert_string_equal(e2.supersedes, c1.entry_id);
	assert_string_equal(e2.outcome_id, d.outcome_id);
	assert_string_equal(e2.o.external_id, "c-1");
	assert_int_equal(e2.person_seq, 3);
	assert_memory_equal(e2.prev_hash, e1.entry_hash, ENTRY_HASH_BYTES);
	/* The deposit stays idempotent by its external id after corrections. */
	struct deposit_result re = deposit_ok(f, U1, &o);
	assert_true(re.is_existing);
	assert_string_equal(re.outcome_id, d.outcome_id);
	assert_true(verify(f).is_ok);
}

static void test_correction_of_reviewed_kind_waits_for_review(void **state)
{
	struct fx *f = *state;
	const char *ev = evidence_up(f, U1, "%PDF-1.7 scan", NULL);
	struct outcome o = qualification_of(f, 0, ev, "deg-1");
	struct deposit_result d = deposit_ok(f, U1, &o);
	assert_ok(ledger_decide(f->st, &REVIEWER, d.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	json_t *s = submission_of(f, d.submission_id);
	const char *outcome_id = arena_strdup(&f->a, jstr(s, "outcome_id"));
	json_decref(s);

	struct outcome fixed = qualification_of(f, 0, ev, NULL);
	fixed.level = 6;
	struct deposit_result c = correct_ok(f, U1, outcome_id, &fixed, "等级有误");
	assert_int_equal(c.status, SUB_PENDING);
	assert_null(c.entry_id);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 1);
	assert_ok(ledger_decide(f->st, &REVIEWER, c.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	assert_int_equal(count_rows(f->st, "ledger_entries"), 2);
	s = submission_of(f, c.submission_id);
	struct ledger_entry e = entry_of(f, jstr(s, "entry_id"));
	json_decref(s);
	assert_int_equal(e.op, OP_CORRECT);
	assert_string_equal(e.outcome_id, outcome_id);
	assert_string_equal(e.supersedes, outcome_id);
	assert_string_equal(e.o.external_id, "deg-1");
	assert_string_equal(e.reason, "等级有误");
	assert_int_equal(e.o.level, 6);
}

static void test_revoked_outcome_cannot_be_corrected_or_revoked_again(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	struct deposit_result d = deposit_ok(f, U1, &o);
	struct ledger_caller mine = staff_of(U1), other = staff_of(U2), citizen = citizen_of(0);
	const char *id = NULL;
	assert_fails(ledger_revoke(f->st, &mine, d.outcome_id, NULL, &ACTOR, &f->a, &id), LL_MISSING_FIELD, "reason");
	assert_fails(ledger_revoke(f->st, &other, d.outcome_id, "x", &ACTOR, &f->a, &id), LL_NOT_FOUND, NULL);
	assert_fails(ledger_revoke(f->st, &citizen, d.outcome_id, "x", &ACTOR, &f->a, &id), LL_FORBIDDEN, NULL);
	assert_fails(ledger_revoke(f->st, &mine, "no-such-outcome", "x", &ACTOR, &f->a, &id), LL_NOT_FOUND, NULL);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 1);

	const char *rid = revoke_ok(f, U1, d.outcome_id, "重复录入");
	struct ledger_entry head = entry_of(f, d.entry_id), e = entry_of(f, rid);
	assert_int_equal(e.op, OP_REVOKE);
	assert_string_equal(e.outcome_id, d.outcome_id);
	assert_string_equal(e.supersedes, d.entry_id);
	assert_string_equal(e.reason, "重复录入");
	assert_null(e.submission_id);
	/* A revocation repeats the content it revokes. */
	assert_string_equal(e.o.title, head.o.title);
	assert_int_equal(e.o.credits_milli, head.o.credits_milli);
	assert_string_equal(e.o.external_id, "row-1");
	assert_int_equal(e.person_seq, 2);

	struct counts before = counts_now(f);
	struct outcome fixed = credit_of(f, 0, "高等数学（一）", 4000, "2026-06-30", NULL);
	struct deposit_result r;
	assert_fails(ledger_correct(f->st, &mine, d.outcome_id, &fixed, "typo", &ACTOR, &f->a, &r), LL_REVOKED, NULL);
	assert_fails(ledger_revoke(f->st, &mine, d.outcome_id, "again", &ACTOR, &f->a, &id), LL_REVOKED, NULL);
	assert_fails(ledger_revoke(f->st, &REVIEWER, d.outcome_id, "again", &ACTOR, &f->a, &id), LL_REVOKED, NULL);
	assert_counts_equal(counts_now(f), before);
	assert_true(verify(f).is_ok);
}

static void test_reviewer_revokes_any_outcome(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	struct deposit_result d = deposit_ok(f, U1, &o);
	const char *id = NULL;
	assert_ok(ledger_revoke(f->st, &REVIEWER, d.outcome_id, "证书造假", &ACTOR, &f->a, &id));
	struct ledger_entry e = entry_of(f, id);
	assert_int_equal(e.op, OP_REVOKE);
	assert_string_equal(e.actor_id, "user-reviewer");
}

static void test_history_lists_versions_oldest_first(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "v1", 4000, "2026-06-30", "h-1");
	struct deposit_result d = deposit_ok(f, U1, &o);
	/* Another person's entries in between do not belong to the history. */
	struct outcome x = credit_of(f, 1, "other", 4000, "2026-06-30", "h-x");
	deposit_ok(f, U1, &x);
	struct outcome v2 = credit_of(f, 0, "v2", 4000, "2026-06-30", NULL);
	struct deposit_result c1 = correct_ok(f, U1, d.outcome_id, &v2, "r2");
	struct outcome v3 = credit_of(f, 0, "v3", 4000, "2026-06-30", NULL);
	struct deposit_result c2 = correct_ok(f, U1, d.outcome_id, &v3, "r3");
	const char *rv = revoke_ok(f, U1, d.outcome_id, "r4");

	json_t *items = NULL;
	assert_ok(ledger_outcome_history(f->st, &REVIEWER, d.outcome_id, &items));
	assert_int_equal(json_array_size(items), 4);
	static const char *const ops[] = { "deposit", "correct", "correct", "revoke" };
	static const char *const titles[] = { "v1", "v2", "v3", "v3" };
	const char *ids[] = { d.entry_id, c1.entry_id, c2.entry_id, rv };
	int64_t last_seq = -1;
	for (size_t i = 0; i < 4; i++) {
		json_t *it = json_array_get(items, i);
		assert_string_equal(jstr(it, "op"), ops[i]);
		assert_string_equal(jstr(it, "title"), titles[i]);
		assert_string_equal(jstr(it, "id"), ids[i]);
		assert_string_equal(jstr(it, "outcome_id"), d.outcome_id);
		assert_string_equal(jstr(it, "external_id"), "h-1");
		assert_true(jint(it, "seq") > last_seq);
		last_seq = jint(it, "seq");
		if (i == 0)
			assert_true(json_is_null(json_object_get(it, "supersedes")));
		else
			assert_string_equal(jstr(it, "supersedes"), ids[i - 1]);
		assert_non_null(jstr(it, "entry_hash"));
	}
	json_decref(items);

	/* Who may read it: the person and the depositor, not another person or institution. */
	struct ledger_caller own = citizen_of(0), stranger = citizen_of(1), mine = staff_of(U1), other = staff_of(U2);
	assert_ok(ledger_outcome_history(f->st, &own, d.outcome_id, &items));
	json_decref(items);
	assert_ok(ledger_outcome_history(f->st, &mine, d.outcome_id, &items));
	json_decref(items);
	assert_fails(ledger_outcome_history(f->st, &stranger, d.outcome_id, &items), LL_NOT_FOUND, NULL);
	assert_fails(ledger_outcome_history(f->st, &other, d.outcome_id, &items), LL_NOT_FOUND, NULL);
	assert_fails(ledger_outcome_history(f->st, &REVIEWER, "no-such-outcome", &items), LL_NOT_FOUND, NULL);
}

/* ---- Transcripts ---- */

struct record {
	struct deposit_result a, b, c, d, t, x;
	const char *b_fixed;
};

/* Person 0: credits A (U1, 4 credits, level 6, 2025), B (U1, corrected to 3 credits, level 7,
 * 2026), C (U2, 2.5 credits, title with a comma, 2026), D (U1, revoked), T (enterprise training, 8
 * hours, level 3, 2024); person 1: X (U1). */
static struct record record_make(struct fx *f)
{
	struct record r;
	struct outcome a = credit_of(f, 0, "高等数学", 4000, "2025-06-30", "A");
	a.level = 6;
	r.a = deposit_ok(f, U1, &a);
	struct outcome b = credit_of(f, 0, "线性代数", 2500, "2026-01-15", "B");
	b.level = 7;
	r.b = deposit_ok(f, U1, &b);
	b.credits_milli = 3000;
	b.external_id = NULL;
	r.b_fixed = correct_ok(f, U1, r.b.outcome_id, &b, "学分录入错误").entry_id;
	struct outcome c = credit_of(f, 0, "Math, part \"1\"", 2500, "2026-03-01", "C");
	r.c = deposit_ok(f, U2, &c);
	struct outcome d = credit_of(f, 0, "概率论", 1000, "2026-02-01", "D");
	r.d = deposit_ok(f, U1, &d);
	revoke_ok(f, U1, r.d.outcome_id, "重复录入");
	struct outcome t = training_of(f, 0, "安全生产培训", 8000);
	r.t = deposit_ok(f, ENT, &t);
	struct outcome x = credit_of(f, 1, "离散数学", 3000, "2026-01-10", "X");
	r.x = deposit_ok(f, U1, &x);
	return r;
}

static const struct transcript_filter ALL = { .kind = -1, .level = -1 };

static json_t *transcript_ok(struct fx *f, const struct ledger_caller *c, int person, const struct transcript_filter *tf)
{
	json_t *t = NULL;
	assert_ok(transcript_get(f->st, c, person_ids[person], tf, &t));
	return t;
}

static void assert_titles(const json_t *t, const char *const *titles, size_t n)
{
	json_t *items = json_object_get(t, "items");
	if (json_array_size(items) != n) {
		char *dump = json_dumps(items, JSON_COMPACT);
		fail_msg("want %zu items, got %s", n, dump);
	}
	for (size_t i = 0; i < n; i++)
		assert_string_equal(jstr(json_array_get(items, i), "title"), titles[i]);
}

static void assert_totals(const json_t *totals, int64_t count, int64_t credits_milli, int64_t hours_milli)
{
	assert_int_equal(jint(totals, "count"), count);
	assert_int_equal(jint(totals, "credits_milli"), credits_milli);
	assert_int_equal(jint(totals, "hours_milli"), hours_milli);
}

static void test_transcript_shows_current_versions_and_totals(void **state)
{
	struct fx *f = *state;
	struct record r = record_make(f);
	struct ledger_caller own = citizen_of(0);
	json_t *t = transcript_ok(f, &own, 0, &ALL);
	assert_string_equal(jstr(json_object_get(t, "person"), "account_no"), f->account[0]);
	assert_string_equal(jstr(json_object_get(t, "person"), "name"), "张三");
	/* Sorted by kind, then newest first; the corrected version only; the revoked one hidden. */
	static const char *const want[] = { "Math, part \"1\"", "线性代数", "高等数学", "安全生产培训" };
	assert_titles(t, want, 4);
	json_t *items = json_object_get(t, "items");
	json_t *b = json_array_get(items, 1);
	assert_string_equal(jstr(b, "status"), "corrected");
	assert_string_equal(jstr(b, "entry_id"), r.b_fixed);
	assert_string_equal(jstr(b, "outcome_id"), r.b.outcome_id);
	assert_int_equal(jint(b, "credits_milli"), 3000);
	assert_string_equal(jstr(b, "reason"), "学分录入错误");
	assert_string_equal(jstr(json_array_get(items, 0), "status"), "stored");
	assert_string_equal(jstr(json_object_get(json_array_get(items, 0), "institution"), "name"), "测试大学二");

	assert_totals(json_object_get(t, "totals"), 4, 4000 + 3000 + 2500, 8000);
	json_t *kinds = json_object_get(t, "by_kind");
	assert_int_equal(json_array_size(kinds), 2);
	assert_string_equal(jstr(json_array_get(kinds, 0), "kind"), "academic_credit");
	assert_totals(json_array_get(kinds, 0), 3, 9500, 0);
	assert_string_equal(jstr(json_array_get(kinds, 1), "kind"), "enterprise_training");
	assert_totals(json_array_get(kinds, 1), 1, 0, 8000);
	json_t *levels = json_object_get(t, "by_level");
	assert_int_equal(json_array_size(levels), 3);
	static const int64_t lv[] = { 3, 6, 7 }, lc[] = { 0, 4000, 3000 }, lh[] = { 8000, 0, 0 };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(jint(json_array_get(levels, i), "level"), lv[i]);
		assert_totals(json_array_get(levels, i), 1, lc[i], lh[i]);
	}
	json_t *years = json_object_get(t, "by_year");
	assert_int_equal(json_array_size(years), 3);
	assert_int_equal(jint(json_array_get(years, 0), "year"), 2024);
	assert_totals(json_array_get(years, 0), 1, 0, 8000);
	assert_int_equal(jint(json_array_get(years, 1), "year"), 2025);
	assert_totals(json_array_get(years, 1), 1, 4000, 0);
	assert_int_equal(jint(json_array_get(years, 2), "year"), 2026);
	assert_totals(json_array_get(years, 2), 2, 5500, 0);
	json_decref(t);

	/* The revoked outcome shows when asked for, marked, and counts in no total. */
	struct transcript_filter with_revoked = ALL;
	with_revoked.include_revoked = true;
	t = transcript_ok(f, &own, 0, &with_revoked);
	static const char *const want_all[] = { "Math, part \"1\"", "概率论", "线性代数", "高等数学", "安全生产培训" };
	assert_titles(t, want_all, 5);
	assert_string_equal(jstr(json_array_get(json_object_get(t, "items"), 1), "status"), "revoked");
	assert_totals(json_object_get(t, "totals"), 4, 9500, 8000);
	json_decref(t);

	/* Filters. */
	struct transcript_filter tf = ALL;
	tf.kind = KIND_ENTERPRISE_TRAINING;
	t = transcript_ok(f, &own, 0, &tf);
	assert_titles(t, (const char *const[]){ "安全生产培训" }, 1);
	json_decref(t);
	tf = ALL;
	tf.level = 7;
	t = transcript_ok(f, &own, 0, &tf);
	assert_titles(t, (const char *const[]){ "线性代数" }, 1);
	json_decref(t);
	tf = ALL;
	tf.from = "2026-01-15";
	t = transcript_ok(f, &own, 0, &tf);
	assert_titles(t, (const char *const[]){ "Math, part \"1\"", "线性代数" }, 2);
	json_decref(t);
	tf = ALL;
	tf.to = "2025-12-31";
	t = transcript_ok(f, &own, 0, &tf);
	assert_titles(t, (const char *const[]){ "高等数学", "安全生产培训" }, 2);
	json_decref(t);
	tf = ALL;
	tf.kind = KIND_COUNT;
	assert_fails(transcript_get(f->st, &own, person_ids[0], &tf, &t), LL_BAD_QUERY, "kind");

	/* Person 1 has only their own outcome. */
	struct ledger_caller p1 = citizen_of(1);
	t = transcript_ok(f, &p1, 1, &ALL);
	assert_titles(t, (const char *const[]){ "离散数学" }, 1);
	json_decref(t);
}

static void test_transcript_scoping(void **state)
{
	struct fx *f = *state;
	record_make(f);
	json_t *t = NULL;
	/* A citizen sees only themself. */
	struct ledger_caller stranger = citizen_of(1);
	assert_fails(transcript_get(f->st, &stranger, person_ids[0], &ALL, &t), LL_NOT_FOUND, NULL);
	assert_fails(transcript_get(f->st, &REVIEWER, "no-such-person", &ALL, &t), LL_NOT_FOUND, NULL);
	/* Reviewers see everything. */
	t = transcript_ok(f, &REVIEWER, 0, &ALL);
	assert_int_equal(json_array_size(json_object_get(t, "items")), 4);
	json_decref(t);
	/* A district office sees the persons who live in its district. */
	struct ledger_caller district_a = { .role = ROLE_DISTRICT_ADMIN, .user_id = "user-da", .district_code = DISTRICT_A };
	struct ledger_caller district_b = { .role = ROLE_DISTRICT_ADMIN, .user_id = "user-db", .district_code = DISTRICT_B };
	t = transcript_ok(f, &district_a, 0, &ALL);
	assert_int_equal(json_array_size(json_object_get(t, "items")), 4);
	json_decref(t);
	assert_fails(transcript_get(f->st, &district_b, person_ids[0], &ALL, &t), LL_NOT_FOUND, NULL);

	/* An institution sees what it deposited, and the totals of only that. */
	struct ledger_caller u1 = staff_of(U1), u2 = staff_of(U2), ent = staff_of(ENT);
	t = transcript_ok(f, &u1, 0, &ALL);
	assert_titles(t, (const char *const[]){ "线性代数", "高等数学" }, 2);
	assert_totals(json_object_get(t, "totals"), 2, 7000, 0);
	json_decref(t);
	struct transcript_filter with_revoked = ALL;
	with_revoked.include_revoked = true;
	t = transcript_ok(f, &u1, 0, &with_revoked);
	assert_titles(t, (const char *const[]){ "概率论", "线性代数", "高等数学" }, 3);
	json_decref(t);
	t = transcript_ok(f, &u2, 0, &ALL);
	assert_titles(t, (const char *const[]){ "Math, part \"1\"" }, 1);
	json_decref(t);
	t = transcript_ok(f, &ent, 0, &ALL);
	assert_titles(t, (const char *const[]){ "安全生产培训" }, 1);
	json_decref(t);

	/* Once the person shares their record with the employer, it sees all of it. */
	sql(f->st, "INSERT INTO record_shares (person_id, institution_id, created_at) VALUES ($1, $2, $3)",
	    SP(SV_TEXT(person_ids[0]), SV_TEXT(ENT), SV_I64(clock_now_us())), NULL, NULL);
	t = transcript_ok(f, &ent, 0, &ALL);
	assert_int_equal(json_array_size(json_object_get(t, "items")), 4);
	assert_totals(json_object_get(t, "totals"), 4, 9500, 8000);
	json_decref(t);
	/* The share is the person's with that institution only. */
	t = transcript_ok(f, &u2, 0, &ALL);
	assert_int_equal(json_array_size(json_object_get(t, "items")), 1);
	json_decref(t);
}

static void test_transcript_of_unrelated_institution_is_not_found(void **state)
{
	struct fx *f = *state;
	record_make(f);
	/* The community school deposited nothing for person 0 and has no share: ledger.h promises
	 * LL_NOT_FOUND "when the caller may see nothing of the person", so that an institution
	 * cannot learn a stranger's name and account number by asking for their transcript. */
	struct ledger_caller cs = staff_of(CS);
	json_t *t = NULL;
	enum ll_err err = transcript_get(f->st, &cs, person_ids[0], &ALL, &t);
	if (err == LL_OK) {
		char *dump = json_dumps(json_object_get(t, "person"), JSON_COMPACT);
		json_decref(t);
		fail_msg("an institution with nothing to see got the transcript of %s", dump);
	}
	assert_fails(err, LL_NOT_FOUND, NULL);
}

static void test_transcript_csv_has_bom_header_and_rows(void **state)
{
	struct fx *f = *state;
	struct record r = record_make(f);
	struct ledger_caller own = citizen_of(0);
	struct buf b;
	buf_init(&b);
	assert_ok(transcript_csv(f->st, &own, person_ids[0], &ALL, &b));
	char *text = buf_steal(&b, NULL);
	assert_memory_equal(text, "\xEF\xBB\xBF", 3);
	const char *head = "类别,名称,代码,等级,学分,学时,成绩,获得日期,存入机构,证书编号,状态,成果编号,记录编号\r\n";
	assert_memory_equal(text + 3, head, strlen(head));
	int lines = 0;
	for (const char *p = text; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	assert_int_equal(lines, 1 + 4);
	/* Quoted where a comma or quote needs it; thousandths as decimals. */
	char *row = strstr(text, "\"Math, part \"\"1\"\"\"");
	assert_non_null(row);
	assert_non_null(strstr(row, ",MATH101,,2.5,,A,2026-03-01,测试大学二,,已入库,"));
	char want[256];
	snprintf(want, sizeof(want), "线性代数,MATH101,7,3,,A,2026-01-15,测试大学一,,已更正,%s,%s\r\n", r.b.outcome_id,
		 r.b_fixed);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "企业培训,安全生产培训,,3,,8,,2024-05-01,测试企业,,已入库,"));
	assert_null(strstr(text, "概率论"));
	free(text);

	struct transcript_filter en = ALL;
	en.is_english = true;
	en.include_revoked = true;
	assert_ok(transcript_csv(f->st, &own, person_ids[0], &en, &b));
	text = buf_steal(&b, NULL);
	assert_memory_equal(text, "\xEF\xBB\xBF"
				  "kind,title,code,level,credits,hours,result,awarded_on,institution,certificate_no,status,"
				  "outcome_id,entry_id\r\n",
			    3 + strlen("kind,title,code,level,credits,hours,result,awarded_on,institution,"
				       "certificate_no,status,outcome_id,entry_id\r\n"));
	assert_non_null(strstr(text, "Academic course credit,概率论,MATH101,,1,,A,2026-02-01,测试大学一,,revoked,"));
	assert_non_null(strstr(text, ",corrected,"));
	free(text);

	/* An institution's CSV holds its own rows only; a stranger gets none. */
	struct ledger_caller u2 = staff_of(U2), stranger = citizen_of(1);
	assert_ok(transcript_csv(f->st, &u2, person_ids[0], &ALL, &b));
	text = buf_steal(&b, NULL);
	lines = 0;
	for (const char *p = text; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	assert_int_equal(lines, 1 + 1);
	free(text);
	assert_fails(transcript_csv(f->st, &stranger, person_ids[0], &ALL, &b), LL_NOT_FOUND, NULL);
	buf_release(&b);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_ledger, teardown_ledger)
	const struct CMUnitTest tests[] = {
		T(test_deposit_auto_kind_is_stored_at_once),
		T(test_deposit_same_external_id_same_content_is_idempotent),
		T(test_deposit_same_external_id_different_content_is_refused),
		T(test_deposit_failing_check_writes_nothing),
		T(test_manual_kind_waits_for_review_then_approval_appends),
		T(test_reject_and_return_need_a_reason),
		T(test_deciding_twice_is_not_pending),
		T(test_returned_submission_is_resubmitted_and_approved),
		T(test_resubmission_under_an_automatic_standard_is_stored_at_once),
		T(test_correction_supersedes_head_and_keeps_identity),
		T(test_correction_of_reviewed_kind_waits_for_review),
		T(test_revoked_outcome_cannot_be_corrected_or_revoked_again),
		T(test_reviewer_revokes_any_outcome),
		T(test_history_lists_versions_oldest_first),
		T(test_transcript_shows_current_versions_and_totals),
		T(test_transcript_scoping),
		T(test_transcript_of_unrelated_institution_is_not_found),
		T(test_transcript_csv_has_bom_header_and_rows),
	};
#undef T
	return ledger_fixture_run("ledger store", tests, sizeof(tests) / sizeof(tests[0]));
}
