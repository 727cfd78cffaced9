/*
 * The learning overpass on a real database: programmes with their plan versions, conversion rules
 * published against the current plan, refused when they name what the plan lacks or contradict
 * another rule, and decided once by the city (of two deciders at once, one wins); enrolments; and
 * audits over the credit bank that use the latest approved version of each rule, forget revoked
 * outcomes, set aside rules the plan outgrew, and keep to the persons a programme enrolled; and
 * cohort audits that page through every enrolled person once, in person order. Refusals are
 * shown to write nothing by counting the rows of every table a write may touch. The audit engine
 * itself is tested without a database in test_transfer.c. Every case runs on SQLite and, when
 * LIFELONG_TEST_PG names a server (scripts/pg-test.sh run sets it), again on PostgreSQL; each
 * case starts from an empty, migrated database with the reference data, four institutions and
 * three persons (ledger_fixture.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/roles.h"
#include "base/clock.h"
#include "base/id.h"
#include "transfer/transfer.h"
#include "ledger_fixture.h"
#include "json_fixture.h"

static const struct audit_actor CITY = { .id = "user-city", .role = "city_admin", .name = "city" };
static const char AS_OF[] = "2026-06-30";

static struct ledger_caller citizen_of(int person)
{
	return (struct ledger_caller){ .role = ROLE_CITIZEN, .user_id = "user-citizen", .person_id = person_ids[person] };
}

/* ---- Plans and rules as JSON ---- */

/* A shortened associate degree: English I and II and computing in a required group, a course
 * transfer may never replace, and an elective group of 2 credits. */
#define PLAN_HEAD                                                                                                 \
	"{\"total_credits_milli\":30000,\"transfer_max_permille\":500,"                                           \
	"\"groups\":[{\"code\":\"core\",\"name\":\"必修课\",\"name_en\":\"Required\"},"                             \
	"{\"code\":\"elec\",\"name\":\"选修课\",\"elective\":true,\"min_credits_milli\":2000}],"                     \
	"\"courses\":[{\"code\":\"00012\",\"name\":\"英语(一)\",\"name_en\":\"English I\",\"group\":\"core\","         \
	"\"credits_milli\":7000},"
#define PLAN_TAIL                                                                                                 \
	"{\"code\":\"00051\",\"name\":\"管理系统中计算机应用\",\"group\":\"core\",\"credits_milli\":3000},"          \
	"{\"code\":\"03708\",\"name\":\"中国近现代史纲要\",\"group\":\"core\",\"credits_milli\":2000,"               \
	"\"transfer_excluded\":true},"                                                                           \
	"{\"code\":\"00107\",\"name\":\"现代管理学\",\"group\":\"elec\",\"credits_milli\":2000}]}"
#define ENGLISH_II "{\"code\":\"00015\",\"name\":\"英语(二)\",\"group\":\"core\",\"credits_milli\":7000},"

static const char PLAN[] = PLAN_HEAD ENGLISH_II PLAN_TAIL;
/* The same plan without English II. */
static const char PLAN_WITHOUT_00015[] = PLAN_HEAD PLAN_TAIL;
/* The plan with one more elective course. */
static const char PLAN_WITH_00034[] =
	PLAN_HEAD ENGLISH_II
	"{\"code\":\"00034\",\"name\":\"社会学概论\",\"group\":\"elec\",\"credits_milli\":4000}," PLAN_TAIL;

/* A rule whose one condition is the fixture's academic credit (MATH101, grade A), granting the
 * courses given, in effect from 2020-01-01 unless effective names other dates. */
#define MATH_RULE_DATED(name, effective, grants)                                                                  \
	"{\"name\":\"" name "\",\"name_en\":\"" name "\"," effective ","                                          \
	"\"conditions\":[{\"kind\":\"academic_credit\",\"code\":\"MATH101\",\"min_result\":{\"grade\":\"B\"}}],"  \
	"\"grants\":[" grants "]}"
#define MATH_RULE(name, grants) MATH_RULE_DATED(name, "\"effective_from\":\"2020-01-01\"", grants)
#define GRANT(code) "{\"course\":\"" code "\"}"

/* Two community-education courses of 16 hours or more: one elective credit. */
static const char COMMUNITY_RULE[] =
	"{\"name\":\"两门社区教育课程认定选修 1 学分\",\"effective_from\":\"2020-01-01\","
	"\"conditions\":[{\"kind\":\"community_education\",\"min_hours_milli\":16000,\"count\":2}],"
	"\"grants\":[{\"group\":\"elec\",\"credits_milli\":1000}]}";

static const char *jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (!s)
		fail_msg("%s is not a string", key);
	return s;
}

static int64_t jint(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return json_integer_value(v);
}

/* ---- Calls ---- */

static enum ll_err programme_create_as(struct fx *f, const struct ledger_caller *c, const char *code,
				       const char *plan_text, const char **ret_id)
{
	json_t *root = parse(plan_text);
	struct programme_plan plan;
	assert_ok(plan_from_json(root, &plan));
	struct programme_in in = { .code = code, .name = "工商企业管理（专科）", .name_en = "Business Administration",
				   .kind = "self_study" };
	enum ll_err err = programme_create(f->st, c, &in, &plan, &ACTOR, &f->a, ret_id);
	json_decref(root);
	return err;
}

/* A programme of institution_id with PLAN; its id is arena-owned. */
static const char *programme_ok(struct fx *f, const char *institution_id, const char *code)
{
	struct ledger_caller c = staff_of(institution_id);
	const char *id = NULL;
	assert_ok(programme_create_as(f, &c, code, PLAN, &id));
	return id;
}

static enum ll_err plan_publish_as(struct fx *f, const struct ledger_caller *c, const char *id, const char *plan_text,
				   int *ret_version)
{
	json_t *root = parse(plan_text);
	struct programme_plan plan;
	assert_ok(plan_from_json(root, &plan));
	enum ll_err err = programme_publish_plan(f->st, c, id, &plan, &ACTOR, ret_version);
	json_decref(root);
	return err;
}

static enum ll_err rule_publish_as(struct fx *f, const struct ledger_caller *c, const char *programme_id,
				   const char *rule_id, const char *text, const char **ret_id, int *ret_version)
{
	json_t *body = parse(text);
	enum ll_err err = transfer_rule_publish(f->st, c, programme_id, rule_id, body, &ACTOR, &f->a, ret_id, ret_version);
	json_decref(body);
	return err;
}

/* Publishes a rule (a new one when rule_id is NULL) as staff of institution_id, failing the test
 * on an error; returns its id (arena-owned) and sets *ret_version when that is not NULL. */
static const char *rule_ok(struct fx *f, const char *institution_id, const char *programme_id, const char *rule_id,
			   const char *text, int *ret_version)
{
	struct ledger_caller c = staff_of(institution_id);
	const char *id = NULL;
	int version = 0;
	assert_ok(rule_publish_as(f, &c, programme_id, rule_id, text, &id, &version));
	if (ret_version)
		*ret_version = version;
	return id;
}

/* A rule published and approved by the city. */
static const char *approved_rule(struct fx *f, const char *institution_id, const char *programme_id, const char *text)
{
	int version;
	const char *id = rule_ok(f, institution_id, programme_id, NULL, text, &version);
	assert_ok(transfer_rule_decide(f->st, id, version, true, NULL, &CITY));
	return id;
}

/* The person shares their record with institution_id, which may then enrol them. */
static void share_with(struct fx *f, int person, const char *institution_id)
{
	assert_ok(share_create(f->st, person_ids[person], institution_id, &ACTOR));
}

static void enrol_ok(struct fx *f, const char *institution_id, const char *programme_id, int person)
{
	struct ledger_caller c = staff_of(institution_id);
	share_with(f, person, institution_id);
	assert_ok(transfer_enrol(f->st, &c, programme_id, f->account[person], &ACTOR));
}

/* The fixture's academic credit for person, deposited by U2: MATH101, grade A, awarded
 * 2025-06-30. Returns the outcome id (arena-owned). */
static const char *math_credit(struct fx *f, int person)
{
	struct outcome o = credit_of(f, person, "高等数学", 4000, "2025-06-30", NULL);
	return deposit_ok(f, U2, &o).outcome_id;
}

/* The audit of person (0..PERSONS-1) by staff of institution_id; caller owns the reference. */
static json_t *audit_ok(struct fx *f, const char *institution_id, const char *programme_id, int person)
{
	struct ledger_caller c = staff_of(institution_id);
	json_t *report = NULL;
	assert_ok(transfer_audit_person(f->st, &c, programme_id, f->account[person], AS_OF, &report));
	assert_non_null(report);
	return report;
}

/* ---- Reading reports ---- */

static json_t *course_of(json_t *report, const char *code)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(report, "courses"), i, c)
		if (strcmp(jstr(c, "code"), code) == 0)
			return c;
	fail_msg("no course %s in the report", code);
	return NULL;
}

static const char *status_of(json_t *report, const char *code)
{
	return jstr(course_of(report, code), "status");
}

/* The rule's entry in the report's "rules", or NULL. */
static json_t *report_rule(json_t *report, const char *id)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(report, "rules"), i, r)
		if (strcmp(jstr(r, "id"), id) == 0)
			return r;
	return NULL;
}

/* Whether any entry of the report's "rules" was applied. */
static bool any_rule_applied(json_t *report)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(report, "rules"), i, r)
		if (json_is_true(json_object_get(r, "applied")))
			return true;
	return false;
}

/* ---- Rows ---- */

/* The rows of every table the overpass's writes touch, to show that a refusal wrote nothing. */
struct tcounts {
	int64_t programmes, plans, rules, versions, enrolments, audit;
};

static struct tcounts tcounts_now(struct fx *f)
{
	return (struct tcounts){
		.programmes = count_rows(f->st, "programmes"),
		.plans = count_rows(f->st, "programme_plans"),
		.rules = count_rows(f->st, "transfer_rules"),
		.versions = count_rows(f->st, "transfer_rule_versions"),
		.enrolments = count_rows(f->st, "enrolments"),
		.audit = count_rows(f->st, "audit_log"),
	};
}

static void assert_tcounts_equal(struct tcounts got, struct tcounts want)
{
	assert_int_equal(got.programmes, want.programmes);
	assert_int_equal(got.plans, want.plans);
	assert_int_equal(got.rules, want.rules);
	assert_int_equal(got.versions, want.versions);
	assert_int_equal(got.enrolments, want.enrolments);
	assert_int_equal(got.audit, want.audit);
}

static int64_t audit_rows(struct fx *f, const char *action, const char *target_id)
{
	return sql_i64(f->st, "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND target_id = $2",
		       SP(SV_TEXT(action), SV_TEXT(target_id)));
}

struct text_ctx {
	char s[256];
	bool is_null;
};

static enum ll_err text_row(const struct store_row *row, void *ctx)
{
	struct text_ctx *t = ctx;
	t->is_null = store_row_is_null(row, 0);
	snprintf(t->s, sizeof(t->s), "%s", t->is_null ? "" : store_row_text(row, 0));
	return LL_OK;
}

/* A column of one version of a rule, as text ("" when NULL). */
static struct text_ctx version_col(struct fx *f, const char *column, const char *rule_id, int version)
{
	char text[160];
	snprintf(text, sizeof(text), "SELECT %s FROM transfer_rule_versions WHERE rule_id = $1 AND version = $2", column);
	struct text_ctx t = { .is_null = true };
	sql(f->st, text, SP(SV_TEXT(rule_id), SV_I64(version)), text_row, &t);
	return t;
}

/* ---- Programmes ---- */

static void test_programme_create_stores_programme_plan_version_1_and_one_audit_row(void **state)
{
	struct fx *f = *state;
	const char *id = programme_ok(f, U1, "530601");
	assert_int_equal(count_rows(f->st, "programmes"), 1);
	assert_int_equal(count_rows(f->st, "programme_plans"), 1);
	assert_int_equal(sql_i64(f->st, "SELECT version FROM programme_plans WHERE programme_id = $1", SP(SV_TEXT(id))), 1);
	assert_int_equal(count_rows(f->st, "audit_log"), 1);
	assert_int_equal(audit_rows(f, "programme.create", id), 1);

	struct programme p;
	json_t *root = NULL;
	assert_ok(programme_get(f->st, id, &f->a, &p, &root));
	assert_string_equal(p.id, id);
	assert_string_equal(p.institution_id, U1);
	assert_string_equal(p.institution_name, "测试大学一");
	assert_string_equal(p.code, "530601");
	assert_string_equal(p.kind, "self_study");
	assert_int_equal(p.plan_version, 1);
	assert_int_equal(p.plan.n_courses, 5);
	assert_int_equal(p.plan.total_credits_milli, 30000);
	assert_int_equal(plan_course_find(&p.plan, "00015"), 1);
	json_decref(root);
}

static void test_programme_code_taken_at_the_institution_is_a_conflict(void **state)
{
	struct fx *f = *state;
	programme_ok(f, U1, "530601");
	struct tcounts before = tcounts_now(f);
	struct ledger_caller u1 = staff_of(U1);
	const char *id = NULL;
	assert_fails(programme_create_as(f, &u1, "530601", PLAN_WITH_00034, &id), LL_CONFLICT, "code");
	assert_null(id);
	assert_tcounts_equal(tcounts_now(f), before);
	/* The code is the institution's own: another institution may use it. */
	programme_ok(f, U2, "530601");
	assert_int_equal(count_rows(f->st, "programmes"), 2);
	assert_int_equal(count_rows(f->st, "programme_plans"), 2);
}

static void test_programme_create_needs_staff_of_an_institution(void **state)
{
	struct fx *f = *state;
	struct tcounts before = tcounts_now(f);
	const struct ledger_caller refused[] = {
		{ .role = ROLE_STAFF, .user_id = "user-staff" },                                /* no institution */
		{ .role = ROLE_INSTITUTION_ADMIN, .user_id = "user-admin" },                    /* no institution */
		{ .role = ROLE_CITIZEN, .user_id = "user-citizen", .person_id = "person-1", .institution_id = U1 },
		{ .role = ROLE_CITY_ADMIN, .user_id = "user-city" },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *id = NULL;
		assert_fails(programme_create_as(f, &refused[i], "530601", PLAN, &id), LL_FORBIDDEN, NULL);
		assert_null(id);
		assert_tcounts_equal(tcounts_now(f), before);
	}
	/* An institution's admin may. */
	struct ledger_caller admin = { .role = ROLE_INSTITUTION_ADMIN, .user_id = "user-admin", .institution_id = U1 };
	const char *id = NULL;
	assert_ok(programme_create_as(f, &admin, "530601", PLAN, &id));
	assert_int_equal(count_rows(f->st, "programmes"), 1);
}

static void test_plan_publish_makes_version_2_and_programme_get_returns_it(void **state)
{
	struct fx *f = *state;
	const char *id = programme_ok(f, U1, "530601");
	struct ledger_caller u1 = staff_of(U1);
	int version = 0;
	assert_ok(plan_publish_as(f, &u1, id, PLAN_WITH_00034, &version));
	assert_int_equal(version, 2);
	assert_int_equal(count_rows(f->st, "programme_plans"), 2);
	assert_int_equal(audit_rows(f, "programme.plan", id), 1);

	struct programme p;
	json_t *root = NULL;
	assert_ok(programme_get(f->st, id, &f->a, &p, &root));
	assert_int_equal(p.plan_version, 2);
	assert_int_equal(p.plan.n_courses, 6);
	assert_true(plan_course_find(&p.plan, "00034") >= 0);
	json_decref(root);

	/* Staff of another institution change nothing; the current plan stays version 2. */
	struct tcounts before = tcounts_now(f);
	struct ledger_caller u2 = staff_of(U2);
	version = 0;
	assert_fails(plan_publish_as(f, &u2, id, PLAN_WITHOUT_00015, &version), LL_FORBIDDEN, NULL);
	assert_int_equal(version, 0);
	assert_tcounts_equal(tcounts_now(f), before);
	assert_ok(programme_get(f->st, id, &f->a, &p, &root));
	assert_int_equal(p.plan_version, 2);
	assert_true(plan_course_find(&p.plan, "00015") >= 0);
	json_decref(root);

	/* A programme that does not exist has no plan to change. */
	assert_fails(plan_publish_as(f, &u1, "no-such-programme", PLAN, &version), LL_NOT_FOUND, NULL);
	assert_tcounts_equal(tcounts_now(f), before);
}

/* ---- Rules ---- */

static void test_rule_publish_stores_pending_version_with_its_plan_version(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	struct ledger_caller u1 = staff_of(U1);
	int plan_version;
	/* Plan version 2, so that the version a rule was checked against is not a constant. */
	assert_ok(plan_publish_as(f, &u1, programme, PLAN_WITH_00034, &plan_version));
	assert_int_equal(plan_version, 2);

	int version = 0;
	const char *id = rule_ok(f, U1, programme, NULL, MATH_RULE("高数免英语", GRANT("00012")), &version);
	assert_non_null(id);
	assert_int_equal(version, 1);
	assert_int_equal(count_rows(f->st, "transfer_rules"), 1);
	assert_int_equal(count_rows(f->st, "transfer_rule_versions"), 1);
	assert_int_equal(sql_i64(f->st, "SELECT version FROM transfer_rules WHERE id = $1", SP(SV_TEXT(id))), 1);
	assert_string_equal(version_col(f, "status", id, 1).s, "pending");
	assert_string_equal(version_col(f, "plan_version", id, 1).s, "2");
	assert_string_equal(version_col(f, "programme_id", id, 1).s, programme);
	assert_true(version_col(f, "decided_at", id, 1).is_null);
	assert_int_equal(audit_rows(f, "transfer_rule.publish", id), 1);

	/* Published again: version 2, waiting too, and version 1 kept as it was. */
	int again = 0;
	const char *same = rule_ok(f, U1, programme, id, MATH_RULE("高数免英语", GRANT("00012") "," GRANT("00015")), &again);
	assert_string_equal(same, id);
	assert_int_equal(again, 2);
	assert_int_equal(count_rows(f->st, "transfer_rules"), 1);
	assert_int_equal(count_rows(f->st, "transfer_rule_versions"), 2);
	assert_int_equal(sql_i64(f->st, "SELECT version FROM transfer_rules WHERE id = $1", SP(SV_TEXT(id))), 2);
	assert_string_equal(version_col(f, "status", id, 2).s, "pending");
	assert_string_equal(version_col(f, "plan_version", id, 2).s, "2");
	assert_int_equal(audit_rows(f, "transfer_rule.publish", id), 2);

	json_t *page = NULL;
	assert_ok(transfer_rule_list(f->st, programme, NULL, &page));
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(jint(json_array_get(items, 0), "version"), 2); /* newest first */
	assert_int_equal(jint(json_array_get(items, 0), "plan_version"), 2);
	assert_int_equal(json_array_size(json_object_get(json_object_get(json_array_get(items, 0), "rule"), "grants")), 2);
	assert_int_equal(json_array_size(json_object_get(json_object_get(json_array_get(items, 1), "rule"), "grants")), 1);
	json_decref(page);
}

static void test_rule_naming_an_unknown_course_is_refused_and_stores_nothing(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	struct tcounts before = tcounts_now(f);
	struct ledger_caller u1 = staff_of(U1);
	const char *id = NULL;
	int version = 0;
	assert_fails(rule_publish_as(f, &u1, programme, NULL, MATH_RULE("r", GRANT("99999")), &id, &version),
		     LL_UNKNOWN_COURSE, "grants[0].course");
	assert_tcounts_equal(tcounts_now(f), before);
	assert_int_equal(count_rows(f->st, "transfer_rules"), 0);
	assert_int_equal(count_rows(f->st, "transfer_rule_versions"), 0);

	/* Nor does a refused new version advance the rule it belongs to. */
	const char *rule = rule_ok(f, U1, programme, NULL, MATH_RULE("r", GRANT("00012")), NULL);
	before = tcounts_now(f);
	assert_fails(rule_publish_as(f, &u1, programme, rule, MATH_RULE("r", GRANT("00012") "," GRANT("99999")), &id,
				     &version),
		     LL_UNKNOWN_COURSE, "grants[1].course");
	assert_tcounts_equal(tcounts_now(f), before);
	assert_int_equal(sql_i64(f->st, "SELECT version FROM transfer_rules WHERE id = $1", SP(SV_TEXT(rule))), 1);

	/* A course the plan keeps from transfer, another institution's staff, an unknown rule. */
	assert_fails(rule_publish_as(f, &u1, programme, NULL, MATH_RULE("r", GRANT("03708")), &id, &version),
		     LL_TRANSFER_EXCLUDED, "grants[0].course");
	struct ledger_caller u2 = staff_of(U2);
	assert_fails(rule_publish_as(f, &u2, programme, NULL, COMMUNITY_RULE, &id, &version), LL_FORBIDDEN, NULL);
	assert_fails(rule_publish_as(f, &u1, programme, "no-such-rule", COMMUNITY_RULE, &id, &version), LL_NOT_FOUND,
		     NULL);
	assert_tcounts_equal(tcounts_now(f), before);
}

static void test_rule_contradicting_another_is_refused_but_not_by_its_own_versions(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	const char *a = rule_ok(f, U1, programme, NULL, MATH_RULE("a", GRANT("00012")), NULL);
	struct ledger_caller u1 = staff_of(U1);
	const char *id = NULL;
	int version = 0;

	/* The same condition, other credit, on days in common: refused while a waits... */
	struct tcounts before = tcounts_now(f);
	assert_fails(rule_publish_as(f, &u1, programme, NULL,
				     MATH_RULE_DATED("b", "\"effective_from\":\"2024-01-01\",\"effective_to\":\"2030-12-31\"",
						     GRANT("00015")),
				     &id, &version),
		     LL_RULE_CONTRADICTS, "conditions");
	assert_tcounts_equal(tcounts_now(f), before);
	/* ...and once the city approved it. */
	assert_ok(transfer_rule_decide(f->st, a, 1, true, NULL, &CITY));
	before = tcounts_now(f);
	assert_fails(rule_publish_as(f, &u1, programme, NULL, MATH_RULE("b", GRANT("00015")), &id, &version),
		     LL_RULE_CONTRADICTS, "conditions");
	assert_tcounts_equal(tcounts_now(f), before);

	/* A new version of a granting other credit is an edit of a, not a contradiction. */
	version = 0;
	assert_ok(rule_publish_as(f, &u1, programme, a, MATH_RULE("a", GRANT("00015")), &id, &version));
	assert_string_equal(id, a);
	assert_int_equal(version, 2);

	/* The same condition over days a rule never shares with a (before 2020) is no contradiction. */
	assert_ok(rule_publish_as(f, &u1, programme, NULL,
				  MATH_RULE_DATED("c", "\"effective_from\":\"2015-01-01\",\"effective_to\":\"2019-12-31\"",
						  GRANT("00051")),
				  &id, &version));
	assert_int_equal(count_rows(f->st, "transfer_rules"), 2);
}

static void test_rule_decide_approves_or_rejects_once(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	const char *a = rule_ok(f, U1, programme, NULL, MATH_RULE("a", GRANT("00012")), NULL);
	const char *b = rule_ok(f, U1, programme, NULL, COMMUNITY_RULE, NULL);

	assert_ok(transfer_rule_decide(f->st, a, 1, true, NULL, &CITY));
	assert_string_equal(version_col(f, "status", a, 1).s, "approved");
	assert_string_equal(version_col(f, "decided_by", a, 1).s, "user-city");
	assert_false(version_col(f, "decided_at", a, 1).is_null);
	assert_int_equal(audit_rows(f, "transfer_rule.decide", a), 1);

	/* A rejection says why; without a reason nothing changes. */
	struct tcounts before = tcounts_now(f);
	assert_fails(transfer_rule_decide(f->st, b, 1, false, NULL, &CITY), LL_MISSING_FIELD, "reason");
	assert_fails(transfer_rule_decide(f->st, b, 1, false, "", &CITY), LL_MISSING_FIELD, "reason");
	assert_tcounts_equal(tcounts_now(f), before);
	assert_string_equal(version_col(f, "status", b, 1).s, "pending");
	assert_ok(transfer_rule_decide(f->st, b, 1, false, "社区课程学时不足以认定学分", &CITY));
	assert_string_equal(version_col(f, "status", b, 1).s, "rejected");
	assert_string_equal(version_col(f, "reason", b, 1).s, "社区课程学时不足以认定学分");
	assert_int_equal(audit_rows(f, "transfer_rule.decide", b), 1);

	/* Decided is decided: neither verdict again; an unknown version or rule is not found. */
	before = tcounts_now(f);
	assert_fails(transfer_rule_decide(f->st, a, 1, true, NULL, &CITY), LL_NOT_PENDING, NULL);
	assert_fails(transfer_rule_decide(f->st, a, 1, false, "改主意了", &CITY), LL_NOT_PENDING, NULL);
	assert_fails(transfer_rule_decide(f->st, b, 1, true, NULL, &CITY), LL_NOT_PENDING, NULL);
	assert_fails(transfer_rule_decide(f->st, a, 2, true, NULL, &CITY), LL_NOT_FOUND, NULL);
	assert_fails(transfer_rule_decide(f->st, "no-such-rule", 1, true, NULL, &CITY), LL_NOT_FOUND, NULL);
	assert_tcounts_equal(tcounts_now(f), before);
	assert_string_equal(version_col(f, "status", a, 1).s, "approved");
	assert_string_equal(version_col(f, "status", b, 1).s, "rejected");

	json_t *page = NULL;
	assert_ok(transfer_rule_list(f->st, NULL, "pending", &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);
}

#define RACES 8

struct decider {
	pthread_t thread;
	struct ll_store *st;
	pthread_barrier_t *barrier;
	const char *rule_id;
	int version;
	bool is_approved;
	enum ll_err err;
};

static void *decider_main(void *arg)
{
	struct decider *d = arg;
	pthread_barrier_wait(d->barrier);
	d->err = transfer_rule_decide(d->st, d->rule_id, d->version, d->is_approved,
				      d->is_approved ? NULL : "与现行规则重复", &CITY);
	return NULL;
}

static void test_two_deciders_at_once_one_wins(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	const char *rule = NULL;
	for (int race = 0; race < RACES; race++) {
		int version;
		rule = rule_ok(f, U1, programme, rule, race % 2 ? COMMUNITY_RULE : MATH_RULE("a", GRANT("00012")), &version);
		assert_int_equal(version, race + 1);
		pthread_barrier_t barrier;
		pthread_barrier_init(&barrier, NULL, 2);
		struct decider d[2] = {
			{ .st = f->st, .barrier = &barrier, .rule_id = rule, .version = version, .is_approved = true },
			{ .st = f->st, .barrier = &barrier, .rule_id = rule, .version = version, .is_approved = false },
		};
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&d[i].thread, NULL, decider_main, &d[i]), 0);
		for (int i = 0; i < 2; i++)
			pthread_join(d[i].thread, NULL);
		pthread_barrier_destroy(&barrier);
		int winners = (d[0].err == LL_OK) + (d[1].err == LL_OK);
		if (winners != 1)
			fail_msg("race %d: the approver got %s and the rejecter %s; want one winner", race,
				 ll_err_code(d[0].err), ll_err_code(d[1].err));
		const struct decider *loser = d[0].err == LL_OK ? &d[1] : &d[0];
		assert_fails(loser->err, LL_NOT_PENDING, NULL);
		/* The version holds the winner's verdict, decided once. */
		assert_string_equal(version_col(f, "status", rule, version).s, d[0].err == LL_OK ? "approved" : "rejected");
		char detail[64];
		snprintf(detail, sizeof(detail), "version %d %%", version);
		assert_int_equal(sql_i64(f->st,
					 "SELECT COUNT(*) FROM audit_log WHERE action = 'transfer_rule.decide' AND "
					 "target_id = $1 AND detail LIKE $2",
					 SP(SV_TEXT(rule), SV_TEXT(detail))),
				 1);
	}
	assert_int_equal(audit_rows(f, "transfer_rule.decide", rule), RACES);
}

struct publisher {
	pthread_t thread;
	struct ll_store *st;
	pthread_barrier_t *barrier;
	struct ledger_caller c;
	const char *programme_id, *text;
	enum ll_err err;
};

static void *publisher_main(void *arg)
{
	struct publisher *p = arg;
	struct arena a;
	arena_init(&a, 0);
	json_t *body = json_loads(p->text, 0, NULL);
	const char *id;
	int version;
	pthread_barrier_wait(p->barrier);
	p->err = transfer_rule_publish(p->st, &p->c, p->programme_id, NULL, body, &ACTOR, &a, &id, &version);
	json_decref(body);
	arena_release(&a);
	return NULL;
}

static void test_two_contradicting_rules_published_at_once_one_is_refused(void **state)
{
	struct fx *f = *state;
	for (int race = 0; race < RACES; race++) {
		char code[16];
		snprintf(code, sizeof(code), "5306%02d", race);
		const char *programme = programme_ok(f, U1, code);
		pthread_barrier_t barrier;
		pthread_barrier_init(&barrier, NULL, 2);
		struct publisher p[2] = {
			{ .st = f->st, .barrier = &barrier, .c = staff_of(U1), .programme_id = programme,
			  .text = MATH_RULE("a", GRANT("00012")) },
			{ .st = f->st, .barrier = &barrier, .c = staff_of(U1), .programme_id = programme,
			  .text = MATH_RULE("b", GRANT("00015")) },
		};
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&p[i].thread, NULL, publisher_main, &p[i]), 0);
		for (int i = 0; i < 2; i++)
			pthread_join(p[i].thread, NULL);
		pthread_barrier_destroy(&barrier);
		if ((p[0].err == LL_OK) + (p[1].err == LL_OK) != 1)
			fail_msg("race %d: the publishers got %s and %s; want one rule stored", race, ll_err_code(p[0].err),
				 ll_err_code(p[1].err));
		assert_int_equal(p[0].err == LL_OK ? p[1].err : p[0].err, LL_RULE_CONTRADICTS);
		assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM transfer_rules WHERE programme_id = $1",
					 SP(SV_TEXT(programme))),
				 1);
	}
}

/* ---- Enrolments ---- */

static void test_enrol_is_idempotent_and_checks_the_account_and_the_institution(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	struct ledger_caller u1 = staff_of(U1), u2 = staff_of(U2);
	/* A learner with no record from the institution is not its to enrol: they follow the
	 * programme themselves, or share their record first. */
	struct tcounts none = tcounts_now(f);
	assert_fails(transfer_enrol(f->st, &u1, programme, f->account[0], &ACTOR), LL_FORBIDDEN, "account_no");
	assert_tcounts_equal(tcounts_now(f), none);
	share_with(f, 0, U1);
	assert_ok(transfer_enrol(f->st, &u1, programme, f->account[0], &ACTOR));
	assert_int_equal(count_rows(f->st, "enrolments"), 1);
	/* Its own deposits for a learner are a record too. */
	math_credit(f, 2);
	const char *programme2 = programme_ok(f, U2, "530602");
	struct ledger_caller u2_staff = staff_of(U2);
	assert_ok(transfer_enrol(f->st, &u2_staff, programme2, f->account[2], &ACTOR));
	assert_int_equal(count_rows(f->st, "enrolments"), 2);
	sql(f->st, "DELETE FROM enrolments WHERE programme_id = $1", SP(SV_TEXT(programme2)), NULL, NULL);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM enrolments WHERE person_id = $1 AND programme_id = $2",
				 SP(SV_TEXT(person_ids[0]), SV_TEXT(programme))),
			 1);
	assert_int_equal(audit_rows(f, "programme.enrol", programme), 1);

	/* Again: fine, and nothing more is stored. */
	struct tcounts before = tcounts_now(f);
	assert_ok(transfer_enrol(f->st, &u1, programme, f->account[0], &ACTOR));
	assert_tcounts_equal(tcounts_now(f), before);

	/* An account number of nobody, well-formed or not. */
	char nobody[ACCOUNT_NO_LEN + 1];
	account_no_format(999, nobody);
	assert_fails(transfer_enrol(f->st, &u1, programme, nobody, &ACTOR), LL_UNKNOWN_ACCOUNT, "account_no");
	assert_fails(transfer_enrol(f->st, &u1, programme, "12345", &ACTOR), LL_UNKNOWN_ACCOUNT, "account_no");
	/* Staff of another institution, and a programme that does not exist. */
	assert_fails(transfer_enrol(f->st, &u2, programme, f->account[1], &ACTOR), LL_FORBIDDEN, NULL);
	assert_fails(transfer_enrol(f->st, &u1, "no-such-programme", f->account[1], &ACTOR), LL_NOT_FOUND, NULL);
	/* Staff say whom they enrol. */
	assert_fails(transfer_enrol(f->st, &u1, programme, NULL, &ACTOR), LL_MISSING_FIELD, "account_no");
	assert_tcounts_equal(tcounts_now(f), before);

	/* A person follows a programme themself, of any institution. */
	struct ledger_caller me = citizen_of(1);
	assert_ok(transfer_enrol(f->st, &me, programme, NULL, &ACTOR));
	assert_int_equal(count_rows(f->st, "enrolments"), 2);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM enrolments WHERE person_id = $1 AND programme_id = $2",
				 SP(SV_TEXT(person_ids[1]), SV_TEXT(programme))),
			 1);
	assert_ok(transfer_enrol(f->st, &me, programme, NULL, &ACTOR));
	assert_int_equal(count_rows(f->st, "enrolments"), 2);

	json_t *page = NULL;
	assert_ok(transfer_enrolments(f->st, person_ids[1], &page));
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_object_get(json_array_get(items, 0), "programme"), "id"), programme);
	json_decref(page);
	assert_ok(transfer_enrolments(f->st, person_ids[2], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);
}

/* ---- Audits ---- */

static void test_audit_uses_the_latest_approved_version_of_each_rule(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	const char *rule = approved_rule(f, U1, programme, MATH_RULE("a", GRANT("00012")));
	const char *credit = math_credit(f, 0);
	enrol_ok(f, U1, programme, 0);

	json_t *r = audit_ok(f, U1, programme, 0);
	assert_string_equal(jstr(r, "as_of"), AS_OF);
	assert_string_equal(status_of(r, "00012"), "available");
	assert_string_equal(jstr(json_object_get(course_of(r, "00012"), "rule"), "id"), rule);
	assert_int_equal(jint(json_object_get(course_of(r, "00012"), "rule"), "version"), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(course_of(r, "00012"), "outcome_ids"), 0)),
			    credit);
	assert_string_equal(status_of(r, "00015"), "missing");
	assert_non_null(report_rule(r, rule));
	assert_int_equal(jint(report_rule(r, rule), "version"), 1);
	assert_true(json_is_true(json_object_get(report_rule(r, rule), "applied")));
	json_decref(r);

	/* Version 2, granting English II too, waits: the audit still applies version 1. */
	int version;
	rule_ok(f, U1, programme, rule, MATH_RULE("a", GRANT("00012") "," GRANT("00015")), &version);
	assert_int_equal(version, 2);
	r = audit_ok(f, U1, programme, 0);
	assert_int_equal(jint(report_rule(r, rule), "version"), 1);
	assert_int_equal(jint(json_object_get(course_of(r, "00012"), "rule"), "version"), 1);
	assert_string_equal(status_of(r, "00015"), "missing");
	json_decref(r);

	/* Approved, it takes over. */
	assert_ok(transfer_rule_decide(f->st, rule, 2, true, NULL, &CITY));
	r = audit_ok(f, U1, programme, 0);
	assert_int_equal(jint(report_rule(r, rule), "version"), 2);
	assert_int_equal(jint(json_object_get(course_of(r, "00012"), "rule"), "version"), 2);
	assert_string_equal(status_of(r, "00015"), "available");
	assert_int_equal(jint(json_object_get(course_of(r, "00015"), "rule"), "version"), 2);
	json_decref(r);

	/* A rejected version 3 leaves version 2 in force. */
	rule_ok(f, U1, programme, rule, MATH_RULE("a", GRANT("00051")), &version);
	assert_int_equal(version, 3);
	assert_ok(transfer_rule_decide(f->st, rule, 3, false, "不符合免考目录", &CITY));
	r = audit_ok(f, U1, programme, 0);
	assert_int_equal(jint(report_rule(r, rule), "version"), 2);
	assert_string_equal(status_of(r, "00015"), "available");
	assert_string_equal(status_of(r, "00051"), "missing");
	json_decref(r);
}

static void test_audit_forgets_a_revoked_outcome(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	approved_rule(f, U1, programme, MATH_RULE("a", GRANT("00012")));
	const char *credit = math_credit(f, 0);
	enrol_ok(f, U1, programme, 0);
	json_t *r = audit_ok(f, U1, programme, 0);
	assert_string_equal(status_of(r, "00012"), "available");
	json_decref(r);

	revoke_ok(f, U2, credit, "成绩录入错误");
	r = audit_ok(f, U1, programme, 0);
	assert_string_equal(status_of(r, "00012"), "missing");
	assert_int_equal(json_array_size(json_object_get(course_of(r, "00012"), "outcome_ids")), 0);
	assert_false(any_rule_applied(r));
	assert_int_equal(jint(json_object_get(r, "credits"), "available_milli"), 0);
	json_decref(r);
}

static void test_rule_the_plan_outgrew_is_unfit_and_not_applied(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	const char *rule = approved_rule(f, U1, programme, MATH_RULE("a", GRANT("00012") "," GRANT("00015")));
	math_credit(f, 0);
	enrol_ok(f, U1, programme, 0);
	json_t *r = audit_ok(f, U1, programme, 0);
	assert_string_equal(status_of(r, "00012"), "available");
	assert_int_equal(json_array_size(json_object_get(r, "unfit_rules")), 0);
	json_decref(r);

	/* Plan version 2 drops English II, which the rule grants. */
	struct ledger_caller u1 = staff_of(U1);
	int version;
	assert_ok(plan_publish_as(f, &u1, programme, PLAN_WITHOUT_00015, &version));
	r = audit_ok(f, U1, programme, 0);
	assert_int_equal(jint(json_object_get(r, "programme"), "plan_version"), 2);
	json_t *unfit = json_object_get(r, "unfit_rules");
	assert_int_equal(json_array_size(unfit), 1);
	assert_string_equal(jstr(json_array_get(unfit, 0), "id"), rule);
	assert_int_equal(jint(json_array_get(unfit, 0), "version"), 1);
	assert_non_null(strstr(jstr(json_array_get(unfit, 0), "reason"), "grants[1].course"));
	/* Not applied, not even for the course the plan kept. */
	assert_string_equal(status_of(r, "00012"), "missing");
	assert_null(report_rule(r, rule));
	assert_false(any_rule_applied(r));
	json_decref(r);

	/* Published again against the new plan and approved, it applies again. */
	rule_ok(f, U1, programme, rule, MATH_RULE("a", GRANT("00012")), &version);
	assert_string_equal(version_col(f, "plan_version", rule, version).s, "2");
	assert_ok(transfer_rule_decide(f->st, rule, version, true, NULL, &CITY));
	r = audit_ok(f, U1, programme, 0);
	assert_int_equal(json_array_size(json_object_get(r, "unfit_rules")), 0);
	assert_string_equal(status_of(r, "00012"), "available");
	json_decref(r);
}

static void test_audit_staff_see_enrolled_persons_and_a_person_sees_themself(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	approved_rule(f, U1, programme, MATH_RULE("a", GRANT("00012")));
	math_credit(f, 0);
	math_credit(f, 1);
	enrol_ok(f, U1, programme, 0);

	json_t *r = audit_ok(f, U1, programme, 0);
	json_t *person = json_object_get(r, "person");
	assert_string_equal(jstr(person, "id"), person_ids[0]);
	assert_string_equal(jstr(person, "account_no"), f->account[0]);
	assert_string_equal(jstr(person, "name"), "张三");
	assert_string_equal(jstr(json_object_get(r, "programme"), "id"), programme);
	json_decref(r);

	struct ledger_caller u1 = staff_of(U1), u2 = staff_of(U2);
	json_t *none = NULL;
	/* Person 2 holds the same credit but is not enrolled. */
	assert_fails(transfer_audit_person(f->st, &u1, programme, f->account[1], AS_OF, &none), LL_NOT_FOUND, "account_no");
	assert_fails(transfer_audit_person(f->st, &u2, programme, f->account[0], AS_OF, &none), LL_FORBIDDEN, NULL);
	char nobody[ACCOUNT_NO_LEN + 1];
	account_no_format(999, nobody);
	assert_fails(transfer_audit_person(f->st, &u1, programme, nobody, AS_OF, &none), LL_UNKNOWN_ACCOUNT, "account_no");
	assert_fails(transfer_audit_person(f->st, &u1, "no-such-programme", f->account[0], AS_OF, &none), LL_NOT_FOUND,
		     NULL);
	assert_null(none);

	/* A person audits themself against any programme, enrolled or not. */
	struct ledger_caller me = citizen_of(1);
	assert_ok(transfer_audit_person(f->st, &me, programme, NULL, AS_OF, &r));
	assert_string_equal(jstr(json_object_get(r, "person"), "id"), person_ids[1]);
	assert_string_equal(status_of(r, "00012"), "available");
	json_decref(r);
	/* Without a date, today's. */
	assert_ok(transfer_audit_person(f->st, &me, programme, NULL, NULL, &r));
	char today[11];
	clock_format_date(clock_now_us(), today);
	assert_string_equal(jstr(r, "as_of"), today);
	json_decref(r);
	/* A citizen cannot name another's account. */
	assert_fails(transfer_audit_person(f->st, &me, programme, f->account[0], AS_OF, &none), LL_FORBIDDEN, NULL);
	assert_null(none);
}

/* ---- Cohorts ---- */

/* More than one page of the cohort audit (1000 persons), and not a multiple of it. */
#define COHORT_EXTRA 1203

struct cohort_persons {
	int n;
	int first_serial;
};

static enum ll_err cohort_persons_txn(struct ll_tx *tx, void *ctx)
{
	const struct cohort_persons *c = ctx;
	static const struct store_stmt enrol = {
		"test enrol", "INSERT INTO enrolments (person_id, programme_id, enrolled_by, enrolled_at) VALUES ($1, $2, NULL, $3)"
	};
	static const struct store_stmt programme = { "test programme", "SELECT id FROM programmes WHERE code = $1" };
	struct text_ctx main_id = { .is_null = true }, other_id = { .is_null = true };
	enum ll_err err = store_exec(tx, &programme, SP(SV_TEXT("530601")), text_row, &main_id);
	if (err == LL_OK)
		err = store_exec(tx, &programme, SP(SV_TEXT("460306")), text_row, &other_id);
	int64_t now = clock_now_us();
	for (int i = 0; i < c->n && err == LL_OK; i++) {
		int serial = c->first_serial + i;
		ll_id id;
		id_new(&id);
		char account[ACCOUNT_NO_LEN + 1], name[32];
		unsigned char id_hash[32], sealed[ID_NUMBER_LEN + CRYPTO_SEAL_OVERHEAD];
		memset(id_hash, 0, sizeof(id_hash));
		memcpy(id_hash, &serial, sizeof(serial));
		id_hash[31] = 0xc0;
		memset(sealed, 0x5a, sizeof(sealed));
		account_no_format(serial, account);
		snprintf(name, sizeof(name), "学员%d", serial);
		err = store_exec(tx, &PERSON_INSERT,
				 SP(SV_TEXT(id.s), SV_TEXT(account), SV_TEXT(name), SV_BLOB(id_hash, sizeof(id_hash)),
				    SV_BLOB(sealed, sizeof(sealed)), SV_TEXT("310***********001X"), SV_TEXT("1990-01-01"),
				    SV_TEXT("M"), SV_TEXT(DISTRICT_B), SV_I64(now)),
				 NULL, NULL);
		/* Every seventh follows only the other programme. */
		if (err == LL_OK)
			err = store_exec(tx, &enrol, SP(SV_TEXT(id.s), SV_TEXT(i % 7 == 3 ? other_id.s : main_id.s), SV_I64(now)),
					 NULL, NULL);
	}
	return err;
}

struct visit {
	struct fx *f;
	char (*ids)[LL_ID_LEN + 1];
	int n, cap;
	int mismatches;       /* reports that are not of the person they came with */
	int with_credit;      /* reports in which 00012 is available */
};

static enum ll_err visit_report(void *ctx, const char *person_id, json_t *report)
{
	struct visit *v = ctx;
	if (v->n == v->cap)
		return LL_INTERNAL;
	snprintf(v->ids[v->n++], LL_ID_LEN + 1, "%s", person_id);
	const char *id = json_string_value(json_object_get(json_object_get(report, "person"), "id"));
	if (!id || strcmp(id, person_id) != 0)
		v->mismatches++;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(report, "courses"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "code")), "00012") == 0 &&
		    strcmp(json_string_value(json_object_get(c, "status")), "available") == 0)
			v->with_credit++;
	return LL_OK;
}

struct expected {
	char (*ids)[LL_ID_LEN + 1];
	int n, cap;
};

static enum ll_err expected_row(const struct store_row *row, void *ctx)
{
	struct expected *e = ctx;
	if (e->n == e->cap)
		return LL_INTERNAL;
	snprintf(e->ids[e->n++], LL_ID_LEN + 1, "%s", store_row_text(row, 0));
	return LL_OK;
}

static void test_cohort_audit_visits_every_enrolled_person_once_in_person_order(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	programme_ok(f, U1, "460306");
	approved_rule(f, U1, programme, MATH_RULE("a", GRANT("00012")));
	/* The fixture's persons through the API: two of them, one with the credit. */
	math_credit(f, 2);
	enrol_ok(f, U1, programme, 2);
	enrol_ok(f, U1, programme, 0);
	struct cohort_persons extra = { .n = COHORT_EXTRA, .first_serial = 10000 };
	assert_ok(store_run(f->st, STORE_WRITE, "test cohort", cohort_persons_txn, &extra));

	int cap = COHORT_EXTRA + PERSONS + 8;
	struct expected want = { .ids = calloc((size_t)cap, sizeof(*want.ids)), .cap = cap };
	struct visit got = { .f = f, .ids = calloc((size_t)cap, sizeof(*got.ids)), .cap = cap };
	assert_non_null(want.ids);
	assert_non_null(got.ids);
	sql(f->st, "SELECT person_id FROM enrolments WHERE programme_id = $1 ORDER BY person_id", SP(SV_TEXT(programme)),
	    expected_row, &want);
	int enrolled = COHORT_EXTRA - (COHORT_EXTRA + 3) / 7 + 2;
	assert_int_equal(want.n, enrolled);
	assert_true(want.n > 1000);

	assert_ok(transfer_audit_cohort(f->st, programme, AS_OF, visit_report, &got));
	assert_int_equal(got.n, want.n);
	for (int i = 0; i < got.n; i++) {
		if (strcmp(got.ids[i], want.ids[i]) != 0)
			fail_msg("report %d is of %s, want %s", i, got.ids[i], want.ids[i]);
		if (i > 0 && strcmp(got.ids[i - 1], got.ids[i]) >= 0)
			fail_msg("reports %d and %d are out of person order: %s, %s", i - 1, i, got.ids[i - 1], got.ids[i]);
	}
	assert_int_equal(got.mismatches, 0);
	assert_int_equal(got.with_credit, 1);

	/* An audit of the cohort writes nothing. */
	struct tcounts before = tcounts_now(f);
	got.n = 0;
	assert_ok(transfer_audit_cohort(f->st, programme, AS_OF, visit_report, &got));
	assert_int_equal(got.n, want.n);
	assert_tcounts_equal(tcounts_now(f), before);

	/* An unknown programme is not an empty cohort. */
	got.n = 0;
	assert_fails(transfer_audit_cohort(f->st, "no-such-programme", AS_OF, visit_report, &got), LL_NOT_FOUND, NULL);
	assert_int_equal(got.n, 0);
	free(want.ids);
	free(got.ids);
}

/* A cohort of exactly one page: the last page is full, and the empty one after it ends the walk. */
static void test_cohort_audit_of_exactly_one_page(void **state)
{
	struct fx *f = *state;
	const char *programme = programme_ok(f, U1, "530601");
	programme_ok(f, U1, "460306");
	/* 1167 persons, every seventh (167 of them) in the other programme: 1000 in this one. */
	struct cohort_persons extra = { .n = 1167, .first_serial = 10000 };
	assert_ok(store_run(f->st, STORE_WRITE, "test cohort", cohort_persons_txn, &extra));
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM enrolments WHERE programme_id = $1", SP(SV_TEXT(programme))),
			 1000);
	int cap = 1100;
	struct visit got = { .f = f, .ids = calloc((size_t)cap, sizeof(*got.ids)), .cap = cap };
	assert_non_null(got.ids);
	assert_ok(transfer_audit_cohort(f->st, programme, AS_OF, visit_report, &got));
	assert_int_equal(got.n, 1000);
	for (int i = 1; i < got.n; i++)
		if (strcmp(got.ids[i - 1], got.ids[i]) >= 0)
			fail_msg("reports %d and %d are out of person order", i - 1, i);
	free(got.ids);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_ledger, teardown_ledger)
	const struct CMUnitTest tests[] = {
		T(test_programme_create_stores_programme_plan_version_1_and_one_audit_row),
		T(test_programme_code_taken_at_the_institution_is_a_conflict),
		T(test_programme_create_needs_staff_of_an_institution),
		T(test_plan_publish_makes_version_2_and_programme_get_returns_it),
		T(test_rule_publish_stores_pending_version_with_its_plan_version),
		T(test_rule_naming_an_unknown_course_is_refused_and_stores_nothing),
		T(test_rule_contradicting_another_is_refused_but_not_by_its_own_versions),
		T(test_rule_decide_approves_or_rejects_once),
		T(test_two_deciders_at_once_one_wins),
		T(test_two_contradicting_rules_published_at_once_one_is_refused),
		T(test_enrol_is_idempotent_and_checks_the_account_and_the_institution),
		T(test_audit_uses_the_latest_approved_version_of_each_rule),
		T(test_audit_forgets_a_revoked_outcome),
		T(test_rule_the_plan_outgrew_is_unfit_and_not_applied),
		T(test_audit_staff_see_enrolled_persons_and_a_person_sees_themself),
		T(test_cohort_audit_visits_every_enrolled_person_once_in_person_order),
		T(test_cohort_audit_of_exactly_one_page),
	};
#undef T
	return ledger_fixture_run("transfer store", tests, sizeof(tests) / sizeof(tests[0]));
}
