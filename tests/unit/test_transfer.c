/*
 * The learning overpass's rules without a database: programme plans and conversion rules decoded
 * and refused with the field that is wrong, contradictions between rules, each part of a rule
 * condition, and audits: direct passes, one-to-many, many-to-one and counted rules, the share
 * transfer may give, approved transfers, explanations, and an assignment a greedy audit gets wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "transfer/transfer.h"
#include "json_fixture.h"

/* An associate degree of the self-study examinations, shortened: a required group with English I
 * and II, computing I and II, and an elective group of 4 credits. */
static const char *const PLAN_JSON =
	"{\"total_credits_milli\":30000,\"transfer_max_permille\":500,"
	" \"groups\":[{\"code\":\"core\",\"name\":\"必修课\",\"name_en\":\"Required\"},"
	"            {\"code\":\"elec\",\"name\":\"选修课\",\"elective\":true,\"min_credits_milli\":4000}],"
	" \"courses\":[{\"code\":\"00012\",\"name\":\"英语(一)\",\"name_en\":\"English I\",\"group\":\"core\",\"credits_milli\":7000},"
	"             {\"code\":\"00015\",\"name\":\"英语(二)\",\"group\":\"core\",\"credits_milli\":7000},"
	"             {\"code\":\"00051\",\"name\":\"管理系统中计算机应用\",\"group\":\"core\",\"credits_milli\":3000},"
	"             {\"code\":\"00052\",\"name\":\"计算机应用实践\",\"group\":\"core\",\"credits_milli\":1000},"
	"             {\"code\":\"03708\",\"name\":\"中国近现代史纲要\",\"group\":\"core\",\"credits_milli\":2000,"
	"              \"transfer_excluded\":true},"
	"             {\"code\":\"00107\",\"name\":\"现代管理学\",\"group\":\"elec\",\"credits_milli\":2000}]}";

struct fx {
	json_t *plan_json;
	struct programme_plan plan;
	json_t *rule_json[16];
	struct transfer_rule rules[16];
	int n_rules;
	struct audit_outcome outcomes[64];
	int n_outcomes;
	struct audit_transfer transfers[4];
	int n_transfers;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->plan_json = parse(PLAN_JSON);
	assert_int_equal(plan_from_json(f->plan_json, &f->plan), LL_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	json_decref(f->plan_json);
	for (int i = 0; i < f->n_rules; i++)
		json_decref(f->rule_json[i]);
	free(f);
	return 0;
}

/* Adds a rule decoded from text, with an id and version 1. */
static void rule_add(struct fx *f, const char *id, const char *text)
{
	f->rule_json[f->n_rules] = parse(text);
	struct transfer_rule *r = &f->rules[f->n_rules];
	enum ll_err err = rule_from_json(f->rule_json[f->n_rules], &f->plan, r);
	if (err != LL_OK)
		fail_msg("rule %s refused: %s %s", id, ll_error_get(err)->field, ll_error_get(err)->message);
	r->id = id;
	r->version = 1;
	f->n_rules++;
}

static struct audit_outcome *outcome_add(struct fx *f, const char *id, enum outcome_kind kind, const char *code,
					 enum result_kind rk, const char *result, const char *awarded_on)
{
	struct audit_outcome *o = &f->outcomes[f->n_outcomes++];
	*o = (struct audit_outcome){ .id = id, .kind = kind, .title = id, .code = code, .level = -1, .credits_milli = -1,
				     .hours_milli = -1, .result_kind = rk, .result = result, .awarded_on = awarded_on };
	return o;
}

static json_t *audit(struct fx *f)
{
	struct audit_input in = { .plan = &f->plan, .rules = f->rules, .n_rules = f->n_rules, .outcomes = f->outcomes,
				  .n_outcomes = f->n_outcomes, .transfers = f->transfers, .n_transfers = f->n_transfers,
				  .as_of = "2026-11-24" };
	json_t *report = NULL;
	enum ll_err err = transfer_audit(&in, &report);
	if (err != LL_OK)
		fail_msg("audit failed: %s", ll_error_get(err)->message);
	return report;
}

static json_t *course_of(json_t *report, const char *code)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(report, "courses"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "code")), code) == 0)
			return c;
	fail_msg("no course %s in the report", code);
	return NULL;
}

static const char *status_of(json_t *report, const char *code)
{
	return json_string_value(json_object_get(course_of(report, code), "status"));
}

static json_t *rule_of(json_t *report, const char *id)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(report, "rules"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "id")), id) == 0)
			return r;
	fail_msg("no rule %s in the report", id);
	return NULL;
}

/* Whether rule id's reasons hold one with this code (and this outcome, when not NULL). */
static bool has_reason(json_t *report, const char *id, const char *code, const char *outcome_id)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(rule_of(report, id), "reasons"), i, x) {
		const char *oid = json_string_value(json_object_get(x, "outcome_id"));
		if (strcmp(json_string_value(json_object_get(x, "code")), code) == 0 &&
		    (!outcome_id || (oid && strcmp(oid, outcome_id) == 0)))
			return true;
	}
	return false;
}

static const char *first_outcome_of(json_t *report, const char *course)
{
	return json_string_value(json_array_get(json_object_get(course_of(report, course), "outcome_ids"), 0));
}

static int64_t credit_of(json_t *report, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(report, "credits"), key));
}

/* ---- Plans ---- */

static void test_plan_round_trips_through_json(void **state)
{
	struct fx *f = *state;
	assert_int_equal(f->plan.n_groups, 2);
	assert_int_equal(f->plan.n_courses, 6);
	assert_true(f->plan.courses[4].is_transfer_excluded);
	assert_true(f->plan.groups[1].is_elective);
	assert_int_equal(f->plan.groups[1].min_credits_milli, 4000);
	assert_int_equal(plan_course_find(&f->plan, "00051"), 2);
	assert_int_equal(plan_course_find(&f->plan, "99999"), -1);
	json_t *again = plan_to_json(&f->plan);
	struct programme_plan p2;
	assert_int_equal(plan_from_json(again, &p2), LL_OK);
	json_t *third = plan_to_json(&p2);
	assert_true(json_equal(again, third));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(again, "courses"), 0), "name_en")),
			    "English I");
	json_decref(again);
	json_decref(third);
}

struct refusal {
	const char *json;
	enum ll_err err;
	const char *field;
};

static void test_plan_refusals_name_the_field(void **state)
{
	(void)state;
	static const struct refusal cases[] = {
		{ "{\"total_credits_milli\":10000,\"transfer_max_permille\":500,\"groups\":[{\"code\":\"a\",\"name\":\"A\"}],"
		  "\"courses\":[{\"code\":\"1\",\"name\":\"x\",\"group\":\"a\",\"credits_milli\":1000},"
		  "{\"code\":\"2\",\"name\":\"y\",\"group\":\"b\",\"credits_milli\":1000}]}",
		  LL_UNKNOWN_GROUP, "courses[1].group" },
		{ "{\"total_credits_milli\":10000,\"transfer_max_permille\":500,\"groups\":[{\"code\":\"a\",\"name\":\"A\"}],"
		  "\"courses\":[{\"code\":\"1\",\"name\":\"x\",\"group\":\"a\",\"credits_milli\":1000},"
		  "{\"code\":\"1\",\"name\":\"y\",\"group\":\"a\",\"credits_milli\":1000}]}",
		  LL_CONFLICT, "courses[1].code" },
		{ "{\"total_credits_milli\":10000,\"transfer_max_permille\":500,\"groups\":[{\"code\":\"a\",\"name\":\"A\"},"
		  "{\"code\":\"e\",\"name\":\"E\",\"elective\":true}],"
		  "\"courses\":[{\"code\":\"1\",\"name\":\"x\",\"group\":\"a\",\"credits_milli\":1000}]}",
		  LL_MISSING_FIELD, "groups[1].min_credits_milli" },
		{ "{\"total_credits_milli\":10000,\"transfer_max_permille\":500,\"groups\":[{\"code\":\"a\",\"name\":\"A\","
		  "\"min_credits_milli\":1000}],\"courses\":[{\"code\":\"1\",\"name\":\"x\",\"group\":\"a\",\"credits_milli\":1000}]}",
		  LL_INVALID_VALUE, "groups[0].min_credits_milli" },
		{ "{\"total_credits_milli\":1000,\"transfer_max_permille\":500,\"groups\":[{\"code\":\"a\",\"name\":\"A\"}],"
		  "\"courses\":[{\"code\":\"1\",\"name\":\"x\",\"group\":\"a\",\"credits_milli\":2000}]}",
		  LL_OUT_OF_RANGE, "total_credits_milli" },
		{ "{\"total_credits_milli\":10000,\"transfer_max_permille\":500,\"groups\":[{\"code\":\"a\",\"name\":\"A\"}],"
		  "\"courses\":[{\"code\":\"1\",\"name\":\"x\",\"group\":\"a\",\"credits_milli\":1000,\"colour\":\"red\"}]}",
		  LL_UNKNOWN_FIELD, "courses[0].colour" },
		{ "{\"total_credits_milli\":10000,\"transfer_max_permille\":500,\"groups\":[{\"code\":\"a\",\"name\":\"A\"}],"
		  "\"courses\":[{\"code\":\"1 2\",\"name\":\"x\",\"group\":\"a\",\"credits_milli\":1000}]}",
		  LL_INVALID_VALUE, "courses[0].code" },
		{ "{\"total_credits_milli\":10000,\"transfer_max_permille\":500,\"groups\":[{\"code\":\"a\",\"name\":\"A\"},"
		  "{\"code\":\"b\",\"name\":\"B\"}],\"courses\":[{\"code\":\"1\",\"name\":\"x\",\"group\":\"a\",\"credits_milli\":1000}]}",
		  LL_INVALID_VALUE, "groups[1]" },
		{ "{\"total_credits_milli\":10000,\"transfer_max_permille\":1500,\"groups\":[{\"code\":\"a\",\"name\":\"A\"}],"
		  "\"courses\":[{\"code\":\"1\",\"name\":\"x\",\"group\":\"a\",\"credits_milli\":1000}]}",
		  LL_OUT_OF_RANGE, "transfer_max_permille" },
		{ "{\"total_credits_milli\":10000,\"transfer_max_permille\":500,\"groups\":[],"
		  "\"courses\":[{\"code\":\"1\",\"name\":\"x\",\"group\":\"a\",\"credits_milli\":1000}]}",
		  LL_OUT_OF_RANGE, "groups" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = parse(cases[i].json);
		struct programme_plan p;
		enum ll_err err = plan_from_json(v, &p);
		if (err != cases[i].err || strcmp(ll_error_get(err)->field, cases[i].field) != 0)
			fail_msg("case %zu: got %s on '%s', want %s on '%s'", i, ll_err_code(err), ll_error_get(err)->field,
				 ll_err_code(cases[i].err), cases[i].field);
		json_decref(v);
	}
}

/* ---- Rules ---- */

static const char *const CET4_RULE =
	"{\"name\":\"大学英语四级 425 分以上免考英语(一)、英语(二)\",\"name_en\":\"CET-4 of 425 or more exempts English I and II\","
	" \"effective_from\":\"2020-01-01\","
	" \"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"CET4\",\"min_result\":{\"score\":\"425\"}}],"
	" \"grants\":[{\"course\":\"00012\"},{\"course\":\"00015\"}]}";

static void test_rule_round_trips_through_json(void **state)
{
	struct fx *f = *state;
	rule_add(f, "cet4", CET4_RULE);
	const struct transfer_rule *r = &f->rules[0];
	assert_int_equal(r->n_conditions, 1);
	assert_int_equal(r->n_grants, 2);
	assert_int_equal(r->conditions[0].min_result_kind, MIN_RESULT_SCORE);
	assert_int_equal(r->conditions[0].min_score_tenths, 4250);
	assert_int_equal(r->conditions[0].count, 1);
	assert_int_equal(r->to_days, INT32_MAX);
	json_t *again = rule_to_json(r);
	struct transfer_rule r2;
	assert_int_equal(rule_from_json(again, &f->plan, &r2), LL_OK);
	json_t *third = rule_to_json(&r2);
	assert_true(json_equal(again, third));
	json_decref(again);
	json_decref(third);
}

static void test_rule_refusals_name_the_field(void **state)
{
	struct fx *f = *state;
#define RULE(conds, grants) \
	"{\"name\":\"r\",\"effective_from\":\"2024-01-01\",\"conditions\":[" conds "],\"grants\":[" grants "]}"
#define COND "{\"kind\":\"vocational_certificate\",\"code\":\"X\"}"
	static const struct refusal cases[] = {
		{ RULE(COND, "{\"course\":\"99999\"}"), LL_UNKNOWN_COURSE, "grants[0].course" },
		{ RULE(COND, "{\"course\":\"00012\"},{\"course\":\"03708\"}"), LL_TRANSFER_EXCLUDED, "grants[1].course" },
		{ RULE(COND, "{\"group\":\"core\",\"credits_milli\":1000}"), LL_INVALID_VALUE, "grants[0].group" },
		{ RULE(COND, "{\"group\":\"nope\",\"credits_milli\":1000}"), LL_UNKNOWN_GROUP, "grants[0].group" },
		{ RULE(COND, "{\"group\":\"elec\"}"), LL_MISSING_FIELD, "grants[0].credits_milli" },
		{ RULE(COND, "{\"course\":\"00012\",\"group\":\"elec\"}"), LL_INVALID_VALUE, "grants[0]" },
		{ RULE(COND, "{\"course\":\"00012\"},{\"course\":\"00012\"}"), LL_CONFLICT, "grants[1]" },
		{ RULE("{\"kind\":\"diploma\"}", "{\"course\":\"00012\"}"), LL_INVALID_VALUE, "conditions[0].kind" },
		{ RULE("{\"kind\":\"community_education\",\"min_result\":\"good\"}", "{\"course\":\"00012\"}"), LL_INVALID_VALUE,
		  "conditions[0].min_result" },
		{ RULE("{\"kind\":\"community_education\",\"min_result\":{\"score\":\"4x\"}}", "{\"course\":\"00012\"}"),
		  LL_INVALID_VALUE, "conditions[0].min_result.score" },
		{ RULE("{\"kind\":\"community_education\",\"min_result\":{\"grade\":\"Z\"}}", "{\"course\":\"00012\"}"),
		  LL_INVALID_VALUE, "conditions[0].min_result.grade" },
		{ RULE("{\"kind\":\"community_education\",\"count\":0}", "{\"course\":\"00012\"}"), LL_OUT_OF_RANGE,
		  "conditions[0].count" },
		{ RULE("{\"kind\":\"community_education\",\"code\":\"a b\"}", "{\"course\":\"00012\"}"), LL_INVALID_VALUE,
		  "conditions[0].code" },
		{ RULE("", "{\"course\":\"00012\"}"), LL_OUT_OF_RANGE, "conditions" },
		{ RULE("{\"kind\":\"community_education\",\"from_nodes\":[\"js\"]}", "{\"course\":\"00012\"}"),
		  LL_INVALID_VALUE, "conditions[0].from_nodes" },
		{ RULE("{\"kind\":\"community_education\",\"from_nodes\":[\"JS\",\"JS\"]}", "{\"course\":\"00012\"}"),
		  LL_INVALID_VALUE, "conditions[0].from_nodes" },
		{ RULE("{\"kind\":\"community_education\",\"from_nodes\":[\"ABCDEFGHI\"]}", "{\"course\":\"00012\"}"),
		  LL_INVALID_VALUE, "conditions[0].from_nodes" },
		{ RULE("{\"kind\":\"community_education\",\"from_nodes\":[\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\",\"H\",\"I\"]}",
		       "{\"course\":\"00012\"}"),
		  LL_TOO_LONG, "conditions[0].from_nodes" },
		{ "{\"name\":\"r\",\"effective_from\":\"2024-01-01\",\"effective_to\":\"2023-12-31\",\"conditions\":[" COND
		  "],\"grants\":[{\"course\":\"00012\"}]}",
		  LL_INVALID_DATE, "effective_to" },
		{ "{\"name\":\"r\",\"effective_from\":\"2024-02-30\",\"conditions\":[" COND "],\"grants\":[{\"course\":\"00012\"}]}",
		  LL_INVALID_DATE, "effective_from" },
	};
#undef RULE
#undef COND
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = parse(cases[i].json);
		struct transfer_rule r;
		enum ll_err err = rule_from_json(v, &f->plan, &r);
		if (err != cases[i].err || strcmp(ll_error_get(err)->field, cases[i].field) != 0)
			fail_msg("case %zu: got %s on '%s', want %s on '%s'", i, ll_err_code(err), ll_error_get(err)->field,
				 ll_err_code(cases[i].err), cases[i].field);
		json_decref(v);
	}
}

static void test_rules_with_the_same_conditions_and_other_grants_contradict(void **state)
{
	struct fx *f = *state;
	rule_add(f, "a", "{\"name\":\"a\",\"effective_from\":\"2024-01-01\",\"conditions\":["
			 "{\"kind\":\"vocational_certificate\",\"code\":\"NCRE-2*\"},{\"kind\":\"community_education\",\"count\":2}],"
			 "\"grants\":[{\"course\":\"00051\"}]}");
	/* The same conditions in the other order, granting another course. */
	rule_add(f, "b", "{\"name\":\"b\",\"effective_from\":\"2025-01-01\",\"conditions\":["
			 "{\"kind\":\"community_education\",\"count\":2},{\"kind\":\"vocational_certificate\",\"code\":\"NCRE-2*\"}],"
			 "\"grants\":[{\"course\":\"00052\"}]}");
	/* The same, but over before a takes effect. */
	rule_add(f, "c", "{\"name\":\"c\",\"effective_from\":\"2020-01-01\",\"effective_to\":\"2023-12-31\",\"conditions\":["
			 "{\"kind\":\"community_education\",\"count\":2},{\"kind\":\"vocational_certificate\",\"code\":\"NCRE-2*\"}],"
			 "\"grants\":[{\"course\":\"00052\"}]}");
	/* The same conditions and grants: a repeat, not a contradiction. */
	rule_add(f, "d", "{\"name\":\"d\",\"effective_from\":\"2024-06-01\",\"conditions\":["
			 "{\"kind\":\"community_education\",\"count\":2},{\"kind\":\"vocational_certificate\",\"code\":\"NCRE-2*\"}],"
			 "\"grants\":[{\"course\":\"00051\"}]}");
	/* Other conditions. */
	rule_add(f, "e", "{\"name\":\"e\",\"effective_from\":\"2024-01-01\",\"conditions\":["
			 "{\"kind\":\"vocational_certificate\",\"code\":\"NCRE-2*\"},{\"kind\":\"community_education\",\"count\":3}],"
			 "\"grants\":[{\"course\":\"00052\"}]}");
	assert_true(rule_contradicts(&f->rules[0], &f->rules[1]));
	assert_true(rule_contradicts(&f->rules[1], &f->rules[0]));
	assert_false(rule_contradicts(&f->rules[0], &f->rules[2]));
	assert_false(rule_contradicts(&f->rules[0], &f->rules[3]));
	assert_false(rule_contradicts(&f->rules[0], &f->rules[4]));
}

/* ---- Conditions ---- */

static int32_t day(const char *date)
{
	int64_t d;
	assert_true(clock_parse_date(date, &d));
	return (int32_t)d;
}

static void test_condition_checks_each_part_and_says_why(void **state)
{
	(void)state;
	struct audit_outcome o = { .id = "o", .kind = KIND_VOCATIONAL_CERTIFICATE, .code = "NCRE-2-C", .level = 4,
				   .hours_milli = 16000, .result_kind = RESULT_SCORE, .result = "425",
				   .awarded_on = "2021-11-24" };
	struct rule_condition c = { .kind = KIND_VOCATIONAL_CERTIFICATE, .code = "NCRE-2*", .min_level = 4,
				    .min_result_kind = MIN_RESULT_SCORE, .min_score_tenths = 4250, .min_result = "425",
				    .min_hours_milli = 16000, .within_years = 5, .count = 1 };
	int32_t today = day("2026-11-24");
	struct condition_miss why;
	assert_true(rule_condition_meets(&c, &o, today, &why));
	struct audit_outcome x;
	x = o, x.kind = KIND_COMMUNITY_EDUCATION;
	assert_false(rule_condition_meets(&c, &x, today, &why));
	assert_string_equal(why.code, "kind");
	x = o, x.code = "NCRE-1-C";
	assert_false(rule_condition_meets(&c, &x, today, &why));
	assert_string_equal(why.code, "code");
	x = o, x.code = NULL;
	assert_false(rule_condition_meets(&c, &x, today, &why));
	assert_string_equal(why.code, "code");
	x = o, x.level = 3;
	assert_false(rule_condition_meets(&c, &x, today, &why));
	assert_string_equal(why.code, "level");
	x = o, x.result = "424.9";
	assert_false(rule_condition_meets(&c, &x, today, &why));
	assert_string_equal(why.code, "result");
	assert_string_equal(why.message_en, "score 424.9 is below 425");
	x = o, x.result = "500.5";
	assert_true(rule_condition_meets(&c, &x, today, NULL));
	x = o, x.result_kind = RESULT_GRADE, x.result = "优秀";
	assert_false(rule_condition_meets(&c, &x, today, &why));
	assert_string_equal(why.code, "result");
	x = o, x.hours_milli = 15999;
	assert_false(rule_condition_meets(&c, &x, today, &why));
	assert_string_equal(why.code, "hours");
	/* Five years to the day is within five years; the day before is not. */
	x = o, x.awarded_on = "2021-11-23";
	assert_false(rule_condition_meets(&c, &x, today, &why));
	assert_string_equal(why.code, "age");
	assert_true(rule_condition_meets(&c, &o, today, NULL));
	/* A leap day: four years before 2028-02-29 is 2024-02-29, one year before is 2027-02-28. */
	c.within_years = 1;
	x = o, x.awarded_on = "2027-02-28";
	assert_true(rule_condition_meets(&c, &x, day("2028-02-29"), NULL));
	x = o, x.awarded_on = "2027-02-27";
	assert_false(rule_condition_meets(&c, &x, day("2028-02-29"), NULL));
	/* An absent part of a condition asks for nothing. */
	struct rule_condition any = { .kind = KIND_VOCATIONAL_CERTIFICATE, .min_level = -1, .min_hours_milli = -1, .count = 1 };
	x = o, x.level = -1, x.hours_milli = -1, x.result_kind = RESULT_NONE, x.result = NULL, x.awarded_on = "1990-01-01";
	assert_true(rule_condition_meets(&any, &x, today, NULL));
}

static void test_grades_and_passes_share_one_scale(void **state)
{
	(void)state;
	assert_int_equal(transfer_grade_rank("A+"), 97);
	assert_int_equal(transfer_grade_rank("F"), 0);
	assert_int_equal(transfer_grade_rank("良好"), 80);
	assert_int_equal(transfer_grade_rank("合格"), 60);
	assert_int_equal(transfer_grade_rank("good"), -1);
	assert_int_equal(transfer_grade_rank(NULL), -1);
	struct rule_condition grade = { .kind = KIND_NON_DEGREE_TRAINING, .min_level = -1, .min_hours_milli = -1,
					.min_result_kind = MIN_RESULT_GRADE, .min_grade_rank = 80, .min_result = "良好",
					.count = 1 };
	struct audit_outcome o = { .id = "o", .kind = KIND_NON_DEGREE_TRAINING, .level = -1, .hours_milli = -1,
				   .result_kind = RESULT_GRADE, .result = "B", .awarded_on = "2026-01-01" };
	int32_t today = day("2026-11-24");
	assert_true(rule_condition_meets(&grade, &o, today, NULL));   /* B is 83 */
	o.result = "B-";
	assert_true(rule_condition_meets(&grade, &o, today, NULL));   /* 80 */
	o.result = "中等";
	assert_false(rule_condition_meets(&grade, &o, today, NULL));
	struct rule_condition pass = grade;
	pass.min_result_kind = MIN_RESULT_PASS;
	static const struct {
		enum result_kind kind;
		const char *result;
		bool is_pass;
	} cases[] = {
		{ RESULT_PASS, "pass", true },   { RESULT_GRADE, "合格", true },  { RESULT_GRADE, "及格", true },
		{ RESULT_GRADE, "D-", true },    { RESULT_GRADE, "不及格", false }, { RESULT_GRADE, "F", false },
		{ RESULT_SCORE, "60", true },    { RESULT_SCORE, "59.9", false }, { RESULT_NONE, NULL, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.result_kind = cases[i].kind;
		o.result = cases[i].result;
		if (rule_condition_meets(&pass, &o, today, NULL) != cases[i].is_pass)
			fail_msg("case %zu (%s) should%s pass", i, cases[i].result ? cases[i].result : "none",
				 cases[i].is_pass ? "" : " not");
	}
}

/* ---- Outcomes of other credit banks (mutual recognition) ---- */

static void test_rule_recognises_the_peers_it_names_and_says_so(void **state)
{
	struct fx *f = *state;
	rule_add(f, "yrd", "{\"name\":\"yrd\",\"effective_from\":\"2024-01-01\",\"conditions\":["
			   "{\"kind\":\"community_education\",\"count\":2,\"from_nodes\":[\"ZJ\",\"JS\"]}],"
			   "\"grants\":[{\"group\":\"elec\",\"credits_milli\":1000}]}");
	const struct rule_condition *c = &f->rules[0].conditions[0];
	assert_int_equal(c->n_from_nodes, 2);
	/* Round trip: the peers are kept, in their order. */
	json_t *again = rule_to_json(&f->rules[0]);
	json_t *nodes = json_object_get(json_array_get(json_object_get(again, "conditions"), 0), "from_nodes");
	assert_int_equal(json_array_size(nodes), 2);
	assert_string_equal(json_string_value(json_array_get(nodes, 0)), "ZJ");
	json_decref(again);
	struct audit_outcome o = { .id = "x", .kind = KIND_COMMUNITY_EDUCATION, .level = -1, .hours_milli = -1,
				   .credits_milli = -1, .awarded_on = "2026-01-01" };
	int32_t today = day("2026-11-24");
	struct condition_miss why;
	assert_true(rule_condition_meets(c, &o, today, &why));      /* held here: always */
	o.node_id = "JS";
	assert_true(rule_condition_meets(c, &o, today, &why));
	o.node_id = "AH";
	assert_false(rule_condition_meets(c, &o, today, &why));
	assert_string_equal(why.code, "source");
	assert_non_null(strstr(why.message_en, "AH"));
	/* A condition that names no peer takes nothing imported. */
	struct rule_condition local = *c;
	local.n_from_nodes = 0;
	o.node_id = "JS";
	assert_false(rule_condition_meets(&local, &o, today, &why));
	assert_string_equal(why.code, "source");
}

static void test_rules_recognising_other_peers_do_not_contradict(void **state)
{
	struct fx *f = *state;
	rule_add(f, "a", "{\"name\":\"a\",\"effective_from\":\"2024-01-01\",\"conditions\":["
			 "{\"kind\":\"community_education\",\"count\":2,\"from_nodes\":[\"JS\"]}],\"grants\":[{\"course\":\"00051\"}]}");
	rule_add(f, "b", "{\"name\":\"b\",\"effective_from\":\"2024-01-01\",\"conditions\":["
			 "{\"kind\":\"community_education\",\"count\":2,\"from_nodes\":[\"ZJ\"]}],\"grants\":[{\"course\":\"00052\"}]}");
	rule_add(f, "c", "{\"name\":\"c\",\"effective_from\":\"2024-01-01\",\"conditions\":["
			 "{\"kind\":\"community_education\",\"count\":2,\"from_nodes\":[\"JS\"]}],\"grants\":[{\"course\":\"00052\"}]}");
	assert_false(rule_contradicts(&f->rules[0], &f->rules[1]));
	assert_true(rule_contradicts(&f->rules[0], &f->rules[2]));
}

static void test_audit_never_passes_a_course_directly_by_another_banks_outcome(void **state)
{
	struct fx *f = *state;
	outcome_add(f, "eng1-js", KIND_ACADEMIC_CREDIT, "00012", RESULT_SCORE, "75", "2025-06-30")->node_id = "JS";
	json_t *r = audit(f);
	assert_string_equal(status_of(r, "00012"), "missing");
	json_decref(r);
	/* Recognised by a rule that names its bank, it transfers. */
	rule_add(f, "yrd", "{\"name\":\"yrd\",\"effective_from\":\"2024-01-01\",\"conditions\":["
			   "{\"kind\":\"academic_credit\",\"code\":\"00012\",\"min_result\":\"pass\",\"from_nodes\":[\"JS\"]}],"
			   "\"grants\":[{\"course\":\"00012\"}]}");
	r = audit(f);
	assert_string_equal(status_of(r, "00012"), "available");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(r, "outcomes"), "eng1-js"), "node_id")), "JS");
	json_decref(r);
}

/* ---- Audits ---- */

static void test_audit_counts_courses_passed_directly(void **state)
{
	struct fx *f = *state;
	outcome_add(f, "eng1", KIND_ACADEMIC_CREDIT, "00012", RESULT_SCORE, "75", "2025-06-30");
	outcome_add(f, "comp1-failed", KIND_ACADEMIC_CREDIT, "00051", RESULT_SCORE, "55", "2025-06-30");
	outcome_add(f, "hist", KIND_ACADEMIC_CREDIT, "03708", RESULT_GRADE, "合格", "2025-06-30");
	json_t *r = audit(f);
	assert_string_equal(status_of(r, "00012"), "completed");
	assert_string_equal(first_outcome_of(r, "00012"), "eng1");
	assert_string_equal(status_of(r, "00051"), "missing");
	assert_string_equal(status_of(r, "03708"), "completed");
	assert_int_equal(credit_of(r, "earned_milli"), 9000);
	assert_false(json_is_true(json_object_get(r, "is_complete")));
	json_decref(r);
}

static void test_audit_one_certificate_exempts_two_courses(void **state)
{
	struct fx *f = *state;
	rule_add(f, "cet4", CET4_RULE);
	outcome_add(f, "cet4", KIND_VOCATIONAL_CERTIFICATE, "CET4", RESULT_SCORE, "500", "2024-12-20");
	json_t *r = audit(f);
	assert_string_equal(status_of(r, "00012"), "available");
	assert_string_equal(status_of(r, "00015"), "available");
	assert_string_equal(first_outcome_of(r, "00015"), "cet4");
	assert_string_equal(json_string_value(json_object_get(json_object_get(course_of(r, "00012"), "rule"), "id")), "cet4");
	assert_true(json_is_true(json_object_get(rule_of(r, "cet4"), "applied")));
	assert_int_equal(credit_of(r, "transfer_available_milli"), 14000);
	assert_int_equal(credit_of(r, "earned_milli"), 0);
	/* The outcomes it names come in short with the report. */
	json_t *named = json_object_get(json_object_get(r, "outcomes"), "cet4");
	assert_string_equal(json_string_value(json_object_get(named, "code")), "CET4");
	assert_string_equal(json_string_value(json_object_get(named, "result")), "500");
	assert_string_equal(json_string_value(json_object_get(named, "kind")), "vocational_certificate");
	assert_int_equal(json_object_size(json_object_get(r, "outcomes")), 1);
	json_decref(r);
	/* Below the score: nothing, and the report says why, naming the outcome. */
	f->outcomes[0].result = "400";
	r = audit(f);
	assert_string_equal(status_of(r, "00012"), "missing");
	assert_false(json_is_true(json_object_get(rule_of(r, "cet4"), "applied")));
	assert_true(has_reason(r, "cet4", "result", "cet4"));
	json_decref(r);
}

static void test_audit_two_certificates_together_exempt_one_course(void **state)
{
	struct fx *f = *state;
	rule_add(f, "ncre", "{\"name\":\"计算机等级考试二级与办公软件证书合并免考 00051\",\"effective_from\":\"2020-01-01\","
			    "\"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"NCRE-2*\"},"
			    "{\"kind\":\"vocational_certificate\",\"code\":\"OFFICE-*\"}],"
			    "\"grants\":[{\"course\":\"00051\"}]}");
	outcome_add(f, "ncre2", KIND_VOCATIONAL_CERTIFICATE, "NCRE-2-C", RESULT_PASS, "pass", "2024-03-01");
	json_t *r = audit(f);
	assert_string_equal(status_of(r, "00051"), "missing");
	assert_true(has_reason(r, "ncre", "no_outcome", NULL));
	json_decref(r);
	outcome_add(f, "office", KIND_VOCATIONAL_CERTIFICATE, "OFFICE-ADV", RESULT_PASS, "pass", "2024-05-01");
	r = audit(f);
	assert_string_equal(status_of(r, "00051"), "available");
	assert_int_equal(json_array_size(json_object_get(course_of(r, "00051"), "outcome_ids")), 2);
	json_decref(r);
}

static void test_audit_ten_community_courses_grant_an_elective_credit_as_often_as_they_allow(void **state)
{
	struct fx *f = *state;
	rule_add(f, "community", "{\"name\":\"十门 16 学时以上社区教育课程认定选修 1 学分\",\"effective_from\":\"2020-01-01\","
				 "\"conditions\":[{\"kind\":\"community_education\",\"min_hours_milli\":16000,\"count\":10}],"
				 "\"grants\":[{\"group\":\"elec\",\"credits_milli\":1000}]}");
	static char ids[30][16];
	for (int i = 0; i < 23; i++) {
		snprintf(ids[i], sizeof(ids[i]), "comm-%02d", i);
		outcome_add(f, ids[i], KIND_COMMUNITY_EDUCATION, NULL, RESULT_NONE, NULL, "2025-03-01")->hours_milli =
			i == 22 ? 8000 : 16000;
	}
	json_t *r = audit(f);
	/* 22 courses of 16 hours: twice ten, two left over; the short one counts for nothing. */
	assert_int_equal(json_array_size(json_object_get(r, "group_credits")), 2);
	assert_int_equal(credit_of(r, "transfer_available_milli"), 2000);
	json_decref(r);
	f->n_outcomes = 9;
	r = audit(f);
	assert_int_equal(json_array_size(json_object_get(r, "group_credits")), 0);
	assert_true(has_reason(r, "community", "not_enough", NULL));
	json_decref(r);
}

/* Certificate X could serve rule "wide" (→ 00051) or rule "narrow" (→ 00052); certificate Y only
 * "wide". Taking X for "wide" first, as a greedy audit in rule order does, leaves "narrow"
 * without one. */
static void test_audit_matches_outcomes_where_a_greedy_choice_fails(void **state)
{
	struct fx *f = *state;
	rule_add(f, "wide", "{\"name\":\"任一 CERT 证书免考 00051\",\"effective_from\":\"2020-01-01\","
			    "\"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"CERT-*\"}],"
			    "\"grants\":[{\"course\":\"00051\"}]}");
	rule_add(f, "narrow", "{\"name\":\"CERT-X 证书免考 00052\",\"effective_from\":\"2020-01-01\","
			      "\"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"CERT-X\"}],"
			      "\"grants\":[{\"course\":\"00052\"}]}");
	outcome_add(f, "x", KIND_VOCATIONAL_CERTIFICATE, "CERT-X", RESULT_NONE, NULL, "2025-01-01");
	outcome_add(f, "y", KIND_VOCATIONAL_CERTIFICATE, "CERT-Y", RESULT_NONE, NULL, "2025-01-01");
	json_t *r = audit(f);
	assert_string_equal(status_of(r, "00051"), "available");
	assert_string_equal(status_of(r, "00052"), "available");
	assert_string_equal(first_outcome_of(r, "00051"), "y");
	assert_string_equal(first_outcome_of(r, "00052"), "x");
	json_decref(r);
}

/* Certificate Z can serve rule "one" (→ 00051) or rule "two" (→ 00052 and 00015), not both:
 * choosing the first rule that fits satisfies one course, the best choice two. */
static void test_audit_chooses_the_rule_that_satisfies_more(void **state)
{
	struct fx *f = *state;
	rule_add(f, "one", "{\"name\":\"one\",\"effective_from\":\"2020-01-01\","
			   "\"conditions\":[{\"kind\":\"professional_qualification\",\"code\":\"Z\"}],"
			   "\"grants\":[{\"course\":\"00051\"}]}");
	rule_add(f, "two", "{\"name\":\"two\",\"effective_from\":\"2020-01-01\","
			   "\"conditions\":[{\"kind\":\"professional_qualification\",\"code\":\"Z\"}],"
			   "\"grants\":[{\"course\":\"00052\"},{\"course\":\"00015\"}]}");
	outcome_add(f, "z", KIND_PROFESSIONAL_QUALIFICATION, "Z", RESULT_NONE, NULL, "2025-01-01");
	json_t *r = audit(f);
	assert_string_equal(status_of(r, "00051"), "missing");
	assert_string_equal(status_of(r, "00052"), "available");
	assert_string_equal(status_of(r, "00015"), "available");
	assert_true(json_is_true(json_object_get(rule_of(r, "two"), "applied")));
	assert_true(has_reason(r, "one", "outcome_used", NULL));
	json_decref(r);
}

static void test_audit_keeps_transfer_within_the_plans_share(void **state)
{
	struct fx *f = *state;
	f->plan.transfer_max_permille = 300; /* 9 of 30 credits */
	rule_add(f, "cet4", CET4_RULE);
	rule_add(f, "ncre", "{\"name\":\"ncre\",\"effective_from\":\"2020-01-01\","
			    "\"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"NCRE-2*\"}],"
			    "\"grants\":[{\"course\":\"00051\"},{\"course\":\"00052\"}]}");
	outcome_add(f, "cet4", KIND_VOCATIONAL_CERTIFICATE, "CET4", RESULT_SCORE, "450", "2024-12-20");
	outcome_add(f, "ncre2", KIND_VOCATIONAL_CERTIFICATE, "NCRE-2-C", RESULT_PASS, "pass", "2024-03-01");
	json_t *r = audit(f);
	/* CET-4 would give 14 credits, past 9; NCRE gives 4. */
	assert_string_equal(status_of(r, "00012"), "missing");
	assert_string_equal(status_of(r, "00051"), "available");
	assert_true(has_reason(r, "cet4", "transfer_share", NULL));
	assert_int_equal(credit_of(r, "transfer_max_milli"), 9000);
	assert_true(credit_of(r, "transfer_available_milli") <= 9000);
	json_decref(r);
}

static void test_audit_counts_approved_transfers_and_their_outcomes_once(void **state)
{
	struct fx *f = *state;
	rule_add(f, "cet4", CET4_RULE);
	outcome_add(f, "cet4", KIND_VOCATIONAL_CERTIFICATE, "CET4", RESULT_SCORE, "450", "2024-12-20");
	outcome_add(f, "comp", KIND_ACADEMIC_CREDIT, "00051", RESULT_SCORE, "80", "2025-06-30");
	/* The transfer was approved for English I alone. */
	static const char *const sources[] = { "cet4" };
	f->transfers[f->n_transfers++] = (struct audit_transfer){ .id = "t1", .course_code = "00012", .rule_id = "cet4",
								  .rule_version = 1, .source_ids = sources, .n_sources = 1 };
	json_t *r = audit(f);
	assert_string_equal(status_of(r, "00012"), "transferred");
	assert_string_equal(json_string_value(json_object_get(course_of(r, "00012"), "transfer_id")), "t1");
	assert_string_equal(status_of(r, "00051"), "completed");
	assert_int_equal(credit_of(r, "transfer_milli"), 7000);
	assert_int_equal(credit_of(r, "earned_milli"), 10000);
	/* The certificate counts for the approved transfer: the rule cannot use it again for
	 * English II. */
	assert_string_equal(status_of(r, "00015"), "missing");
	assert_false(json_is_true(json_object_get(rule_of(r, "cet4"), "applied")));
	assert_true(has_reason(r, "cet4", "outcome_used", NULL));
	json_decref(r);
	/* A transfer whose source is no longer current does not count, and says why. */
	static const char *const gone[] = { "revoked-outcome" };
	f->transfers[0].source_ids = gone;
	r = audit(f);
	assert_string_equal(status_of(r, "00012"), "available");
	assert_int_equal(json_array_size(json_object_get(r, "unused_transfers")), 1);
	json_decref(r);
}

static void test_audit_counts_one_item_granting_two_courses_from_one_certificate(void **state)
{
	struct fx *f = *state;
	rule_add(f, "cet4", CET4_RULE);
	outcome_add(f, "cet4", KIND_VOCATIONAL_CERTIFICATE, "CET4", RESULT_SCORE, "450", "2024-12-20");
	static const char *const sources[] = { "cet4" };
	/* One approved item of the CET-4 rule: a transfer for each course it granted, one id. */
	f->transfers[f->n_transfers++] = (struct audit_transfer){ .id = "item", .course_code = "00012", .rule_id = "cet4",
								  .rule_version = 1, .source_ids = sources, .n_sources = 1 };
	f->transfers[f->n_transfers++] = (struct audit_transfer){ .id = "item", .course_code = "00015", .rule_id = "cet4",
								  .rule_version = 1, .source_ids = sources, .n_sources = 1 };
	json_t *r = audit(f);
	assert_string_equal(status_of(r, "00012"), "transferred");
	assert_string_equal(status_of(r, "00015"), "transferred");
	assert_int_equal(json_array_size(json_object_get(r, "unused_transfers")), 0);
	assert_int_equal(credit_of(r, "transfer_milli"), 14000);
	json_decref(r);
	/* Another item may not use the same certificate. */
	f->transfers[1].id = "other";
	r = audit(f);
	assert_string_equal(status_of(r, "00015"), "missing");
	assert_int_equal(json_array_size(json_object_get(r, "unused_transfers")), 1);
	json_decref(r);
}

static void test_audit_shows_transfers_awaiting_a_decision_as_pending(void **state)
{
	struct fx *f = *state;
	f->plan.total_credits_milli = 20000;
	f->plan.groups[1].min_credits_milli = 2000;
	rule_add(f, "cet4", CET4_RULE);
	static const char *const codes[] = { "00051", "00052", "03708", "00107" };
	for (size_t i = 0; i < 4; i++)
		outcome_add(f, codes[i], KIND_ACADEMIC_CREDIT, codes[i], RESULT_SCORE, "70", "2025-06-30");
	outcome_add(f, "cet4", KIND_VOCATIONAL_CERTIFICATE, "CET4", RESULT_SCORE, "450", "2024-12-20");
	static const char *const sources[] = { "cet4" };
	f->transfers[f->n_transfers++] = (struct audit_transfer){ .id = "item", .is_pending = true, .course_code = "00012",
								  .rule_id = "cet4", .rule_version = 1, .source_ids = sources,
								  .n_sources = 1 };
	f->transfers[f->n_transfers++] = (struct audit_transfer){ .id = "item", .is_pending = true, .course_code = "00015",
								  .rule_id = "cet4", .rule_version = 1, .source_ids = sources,
								  .n_sources = 1 };
	json_t *r = audit(f);
	assert_string_equal(status_of(r, "00012"), "pending");
	assert_string_equal(status_of(r, "00015"), "pending");
	assert_int_equal(credit_of(r, "earned_milli"), 8000);
	assert_int_equal(credit_of(r, "pending_milli"), 14000);
	assert_int_equal(credit_of(r, "transfer_pending_milli"), 14000);
	assert_int_equal(credit_of(r, "transfer_milli"), 0);
	/* Not complete until the transfer is decided; complete once it is, as things stand. */
	assert_false(json_is_true(json_object_get(r, "is_complete")));
	assert_true(json_is_true(json_object_get(r, "is_complete_with_transfers")));
	/* The certificate is taken by the application: the rule is not offered again. */
	assert_false(json_is_true(json_object_get(rule_of(r, "cet4"), "applied")));
	json_decref(r);
	f->transfers[0].is_pending = f->transfers[1].is_pending = false;
	r = audit(f);
	assert_true(json_is_true(json_object_get(r, "is_complete")));
	json_decref(r);
}

static void test_audit_explains_rules_out_of_effect_and_outcomes_too_old(void **state)
{
	struct fx *f = *state;
	rule_add(f, "old", "{\"name\":\"old\",\"effective_from\":\"2010-01-01\",\"effective_to\":\"2015-12-31\","
			   "\"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"CET4\"}],"
			   "\"grants\":[{\"course\":\"00015\"}]}");
	rule_add(f, "recent", "{\"name\":\"recent\",\"effective_from\":\"2020-01-01\","
			      "\"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"CET4\",\"within_years\":3}],"
			      "\"grants\":[{\"course\":\"00012\"}]}");
	outcome_add(f, "cet4-2019", KIND_VOCATIONAL_CERTIFICATE, "CET4", RESULT_SCORE, "480", "2019-06-15");
	json_t *r = audit(f);
	assert_true(has_reason(r, "old", "not_in_effect", NULL));
	assert_true(has_reason(r, "recent", "age", "cet4-2019"));
	assert_string_equal(status_of(r, "00012"), "missing");
	json_decref(r);
}

static void test_audit_is_complete_only_on_what_was_earned(void **state)
{
	struct fx *f = *state;
	rule_add(f, "cet4", CET4_RULE);
	static const char *const codes[] = { "00012", "00015", "00051", "00052", "03708", "00107" };
	for (size_t i = 0; i < 6; i++)
		outcome_add(f, codes[i], KIND_ACADEMIC_CREDIT, codes[i], RESULT_SCORE, "70", "2025-06-30");
	outcome_add(f, "elec2", KIND_ACADEMIC_CREDIT, "00107", RESULT_SCORE, "90", "2025-12-30");
	json_t *r = audit(f);
	/* Required 20 credits, electives 2 of 4, total 22 of 30: not complete. */
	assert_false(json_is_true(json_object_get(r, "is_complete")));
	json_t *elec = json_array_get(json_object_get(r, "groups"), 1);
	assert_int_equal(json_integer_value(json_object_get(elec, "earned_milli")), 2000);
	assert_false(json_is_true(json_object_get(elec, "is_met")));
	json_decref(r);
	/* A plan of 22 credits with 2 elective ones is complete by these courses alone. */
	f->plan.total_credits_milli = 22000;
	f->plan.groups[1].min_credits_milli = 2000;
	r = audit(f);
	assert_true(json_is_true(json_object_get(r, "is_complete")));
	assert_true(json_is_true(json_object_get(r, "is_complete_with_transfers")));
	/* The CET-4 rule found nothing to add: the courses are passed. */
	json_decref(r);
}

static void test_audit_gives_the_same_report_for_the_same_input(void **state)
{
	struct fx *f = *state;
	rule_add(f, "cet4", CET4_RULE);
	rule_add(f, "wide", "{\"name\":\"wide\",\"effective_from\":\"2020-01-01\","
			    "\"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"C*\"}],"
			    "\"grants\":[{\"course\":\"00051\"}]}");
	outcome_add(f, "cet4", KIND_VOCATIONAL_CERTIFICATE, "CET4", RESULT_SCORE, "450", "2024-12-20");
	outcome_add(f, "cert", KIND_VOCATIONAL_CERTIFICATE, "CERT-Q", RESULT_NONE, NULL, "2024-12-20");
	json_t *a = audit(f), *b = audit(f);
	char *sa = json_dumps(a, JSON_SORT_KEYS), *sb = json_dumps(b, JSON_SORT_KEYS);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
}

static void test_audit_refuses_what_passes_its_caps(void **state)
{
	struct fx *f = *state;
	struct audit_input in = { .plan = &f->plan, .n_outcomes = AUDIT_OUTCOMES_MAX + 1, .as_of = "2026-11-24" };
	json_t *r = NULL;
	assert_int_equal(transfer_audit(&in, &r), LL_AUDIT_TOO_LARGE);
	in.n_outcomes = 0;
	in.as_of = "2026-13-01";
	assert_int_equal(transfer_audit(&in, &r), LL_INVALID_DATE);
	assert_null(r);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_plan_round_trips_through_json),
		T(test_plan_refusals_name_the_field),
		T(test_rule_round_trips_through_json),
		T(test_rule_refusals_name_the_field),
		T(test_rules_with_the_same_conditions_and_other_grants_contradict),
		T(test_condition_checks_each_part_and_says_why),
		T(test_grades_and_passes_share_one_scale),
		T(test_rule_recognises_the_peers_it_names_and_says_so),
		T(test_rules_recognising_other_peers_do_not_contradict),
		T(test_audit_never_passes_a_course_directly_by_another_banks_outcome),
		T(test_audit_counts_courses_passed_directly),
		T(test_audit_one_certificate_exempts_two_courses),
		T(test_audit_two_certificates_together_exempt_one_course),
		T(test_audit_ten_community_courses_grant_an_elective_credit_as_often_as_they_allow),
		T(test_audit_matches_outcomes_where_a_greedy_choice_fails),
		T(test_audit_chooses_the_rule_that_satisfies_more),
		T(test_audit_keeps_transfer_within_the_plans_share),
		T(test_audit_counts_approved_transfers_and_their_outcomes_once),
		T(test_audit_counts_one_item_granting_two_courses_from_one_certificate),
		T(test_audit_shows_transfers_awaiting_a_decision_as_pending),
		T(test_audit_explains_rules_out_of_effect_and_outcomes_too_old),
		T(test_audit_is_complete_only_on_what_was_earned),
		T(test_audit_gives_the_same_report_for_the_same_input),
		T(test_audit_refuses_what_passes_its_caps),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
