/*
 * The demo city's learning overpass: two programmes with real-world conversion rules, approved
 * by the city, and their cohorts. The self-study associate degree of 上海开放大学 takes CET-4 of
 * 425 or more for English I and II, NCRE level 2 for the two computing courses, and ten
 * community-education courses of 16 hours for an elective credit; the dual-system (双元制)
 * programme of a vocational college takes an electrician's senior-worker (高级工) certificate
 * for practice credits. Everyone who took a course at the open university follows the first;
 * every certified electrician (whoever certified them), the second. Some of each cohort have applied for
 * transfer: most were approved, one rejected with a reason, some still wait. Institutions have
 * published certification units (认证单元): two approved by the city, one waiting, one rejected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../audit/audit.h"
#include "../auth/roles.h"
#include "../base/clock.h"
#include "../base/grow.h"
#include "../store/store.h"
#include "../transfer/transfer.h"
#include "demo.h"

static const char *const business_plan =
	"{\"total_credits_milli\":70000,\"transfer_max_permille\":500,"
	"\"groups\":[{\"code\":\"public\",\"name\":\"公共基础课\",\"name_en\":\"Public foundation\"},"
	"{\"code\":\"core\",\"name\":\"专业核心课\",\"name_en\":\"Core\"},"
	"{\"code\":\"elective\",\"name\":\"选修课\",\"name_en\":\"Electives\",\"elective\":true,\"min_credits_milli\":8000}],"
	"\"courses\":["
	"{\"code\":\"03708\",\"name\":\"中国近现代史纲要\",\"name_en\":\"Outline of Modern Chinese History\",\"group\":\"public\","
	"\"credits_milli\":2000,\"transfer_excluded\":true},"
	"{\"code\":\"00012\",\"name\":\"英语(一)\",\"name_en\":\"English I\",\"group\":\"public\",\"credits_milli\":7000},"
	"{\"code\":\"00015\",\"name\":\"英语(二)\",\"name_en\":\"English II\",\"group\":\"public\",\"credits_milli\":14000},"
	"{\"code\":\"00051\",\"name\":\"管理系统中计算机应用\",\"name_en\":\"Computers in Management Systems\","
	"\"group\":\"public\",\"credits_milli\":3000},"
	"{\"code\":\"00052\",\"name\":\"管理系统中计算机应用（实践）\",\"name_en\":\"Computers in Management Systems (practice)\","
	"\"group\":\"public\",\"credits_milli\":1000},"
	"{\"code\":\"00054\",\"name\":\"管理学原理\",\"name_en\":\"Principles of Management\",\"group\":\"core\",\"credits_milli\":6000},"
	"{\"code\":\"00041\",\"name\":\"会计学基础\",\"name_en\":\"Basic Accounting\",\"group\":\"core\",\"credits_milli\":5000},"
	"{\"code\":\"00058\",\"name\":\"市场营销学\",\"name_en\":\"Marketing\",\"group\":\"core\",\"credits_milli\":5000},"
	"{\"code\":\"00147\",\"name\":\"人力资源管理\",\"name_en\":\"Human Resource Management\",\"group\":\"core\",\"credits_milli\":6000},"
	"{\"code\":\"00043\",\"name\":\"经济法概论\",\"name_en\":\"Economic Law\",\"group\":\"core\",\"credits_milli\":4000},"
	"{\"code\":\"00182\",\"name\":\"公共关系学\",\"name_en\":\"Public Relations\",\"group\":\"elective\",\"credits_milli\":4000},"
	"{\"code\":\"00277\",\"name\":\"行政管理学\",\"name_en\":\"Public Administration\",\"group\":\"elective\",\"credits_milli\":5000},"
	"{\"code\":\"00034\",\"name\":\"社会学概论\",\"name_en\":\"Introduction to Sociology\",\"group\":\"elective\",\"credits_milli\":4000},"
	"{\"code\":\"04729\",\"name\":\"大学语文\",\"name_en\":\"College Chinese\",\"group\":\"elective\",\"credits_milli\":4000}]}";

static const char *const business_rules[] = {
	"{\"name\":\"大学英语四级 425 分及以上免考英语(一)、英语(二)\",\"name_en\":\"CET-4 of 425 or more exempts English I and II\","
	"\"effective_from\":\"2020-01-01\",\"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"CET4\","
	"\"min_result\":{\"score\":\"425\"}}],\"grants\":[{\"course\":\"00012\"},{\"course\":\"00015\"}]}",
	"{\"name\":\"全国计算机等级考试二级免考 00051、00052\",\"name_en\":\"NCRE level 2 exempts 00051 and 00052\","
	"\"effective_from\":\"2020-01-01\",\"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"NCRE-2*\","
	"\"min_result\":\"pass\"}],\"grants\":[{\"course\":\"00051\"},{\"course\":\"00052\"}]}",
	"{\"name\":\"十门 16 学时及以上社区教育课程认定选修 1 学分\","
	"\"name_en\":\"Ten community-education courses of 16 hours or more count as one elective credit\","
	"\"effective_from\":\"2021-01-01\",\"conditions\":[{\"kind\":\"community_education\",\"min_hours_milli\":16000,"
	"\"count\":10}],\"grants\":[{\"group\":\"elective\",\"credits_milli\":1000}]}",
};

static const char *const dual_plan =
	"{\"total_credits_milli\":60000,\"transfer_max_permille\":400,"
	"\"groups\":[{\"code\":\"core\",\"name\":\"专业课\",\"name_en\":\"Core\"},"
	"{\"code\":\"practice\",\"name\":\"企业实践学分\",\"name_en\":\"Workplace practice\",\"elective\":true,"
	"\"min_credits_milli\":20000}],"
	"\"courses\":["
	"{\"code\":\"DQ101\",\"name\":\"电工基础\",\"name_en\":\"Electrical Fundamentals\",\"group\":\"core\",\"credits_milli\":8000},"
	"{\"code\":\"DQ102\",\"name\":\"电机与拖动\",\"name_en\":\"Electric Machines and Drives\",\"group\":\"core\",\"credits_milli\":8000},"
	"{\"code\":\"DQ103\",\"name\":\"可编程控制器应用\",\"name_en\":\"PLC Applications\",\"group\":\"core\",\"credits_milli\":8000},"
	"{\"code\":\"DQ104\",\"name\":\"工厂供配电\",\"name_en\":\"Factory Power Supply\",\"group\":\"core\",\"credits_milli\":8000},"
	"{\"code\":\"DQ105\",\"name\":\"安全用电\",\"name_en\":\"Electrical Safety\",\"group\":\"core\",\"credits_milli\":8000,"
	"\"transfer_excluded\":true}]}";

static const char *const dual_rules[] = {
	"{\"name\":\"电工（三级/高级工）证书认定企业实践 10 学分\","
	"\"name_en\":\"An electrician's senior-worker certificate counts as 10 practice credits\","
	"\"effective_from\":\"2022-09-01\",\"conditions\":[{\"kind\":\"vocational_certificate\",\"code\":\"6-31-01-03\","
	"\"min_level\":5}],\"grants\":[{\"group\":\"practice\",\"credits_milli\":10000}]}",
	"{\"name\":\"四项企业安全与精益培训认定企业实践 2 学分\","
	"\"name_en\":\"Four enterprise trainings of 8 hours or more count as 2 practice credits\","
	"\"effective_from\":\"2022-09-01\",\"conditions\":[{\"kind\":\"enterprise_training\",\"code\":\"QY-*\","
	"\"min_hours_milli\":8000,\"count\":4}],\"grants\":[{\"group\":\"practice\",\"credits_milli\":2000}]}",
};

static const struct store_stmt ENROL_COURSE_TAKERS = {
	"demo enrol course takers",
	"INSERT INTO enrolments (person_id, programme_id, enrolled_by, enrolled_at) "
	"SELECT DISTINCT e.person_id, $1, NULL, CAST($2 AS BIGINT) FROM ledger_entries e WHERE e.institution_id = $3 "
	"AND e.kind = 'academic_credit' ON CONFLICT DO NOTHING"
};
static const struct store_stmt ENROL_CERTIFICATE_HOLDERS = {
	"demo enrol certificate holders",
	"INSERT INTO enrolments (person_id, programme_id, enrolled_by, enrolled_at) "
	"SELECT DISTINCT e.person_id, $1, NULL, CAST($2 AS BIGINT) FROM ledger_entries e WHERE e.kind = 'vocational_certificate' "
	"AND e.code = $3 ON CONFLICT DO NOTHING"
};

struct enrol_ctx {
	const char *business, *dual;
	const char *open_university;
};

static enum ll_err enrol_txn(struct ll_tx *tx, void *ctx)
{
	struct enrol_ctx *e = ctx;
	int64_t now = clock_now_us();
	enum ll_err err = store_exec(tx, &ENROL_COURSE_TAKERS, SP(SV_TEXT(e->business), SV_I64(now), SV_TEXT(e->open_university)),
				     NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &ENROL_CERTIFICATE_HOLDERS,
				 SP(SV_TEXT(e->dual), SV_I64(now), SV_TEXT("6-31-01-03")), NULL, NULL);
	return err;
}

/* Creates one programme of institution with its plan and rules, the rules approved by the city. */
static enum ll_err programme_make(struct ll_store *st, const char *institution_id, const char *code, const char *name,
				  const char *name_en, const char *kind, const char *plan_text,
				  const char *const *rules, int n_rules, struct arena *a, const char **ret_id,
				  const char **ret_rule_ids)
{
	const struct ledger_caller staff = { .role = ROLE_INSTITUTION_ADMIN, .institution_id = institution_id };
	const struct audit_actor actor = { .role = "institution_admin", .name = "lifelong demo",
					   .institution_id = institution_id };
	const struct audit_actor city = { .role = "city_admin", .name = "lifelong demo" };
	json_error_t je;
	json_t *plan_json = json_loads(plan_text, 0, &je);
	if (!plan_json)
		return ll_fail(LL_INTERNAL, NULL, "demo plan of %s: %s", code, je.text);
	struct programme_plan *plan = arena_alloc(a, sizeof(*plan));
	enum ll_err err = plan ? plan_from_json(plan_json, plan) : LL_NOMEM;
	struct programme_in in = { .code = code, .name = name, .name_en = name_en, .kind = kind };
	if (err == LL_OK)
		err = programme_create(st, &staff, &in, plan, &actor, a, ret_id);
	json_decref(plan_json);
	for (int i = 0; i < n_rules && err == LL_OK; i++) {
		json_t *body = json_loads(rules[i], 0, &je);
		if (!body)
			return ll_fail(LL_INTERNAL, NULL, "demo rule %d of %s: %s", i, code, je.text);
		int version;
		err = transfer_rule_publish(st, &staff, *ret_id, NULL, body, &actor, a, &ret_rule_ids[i], &version);
		json_decref(body);
		if (err == LL_OK)
			err = transfer_rule_decide(st, ret_rule_ids[i], version, true, NULL, &city);
	}
	return err;
}

/* ---- Applications ---- */

#define APPLICANTS 12
static const struct store_stmt ENROLLED = {
	"demo enrolled", "SELECT person_id FROM enrolments WHERE programme_id = $1 ORDER BY person_id LIMIT 400"
};

struct enrolled {
	struct arena *a;
	const char **ids;
	size_t n, cap;
};

static enum ll_err enrolled_row(const struct store_row *row, void *ctx)
{
	struct enrolled *e = ctx;
	if (!grow(&e->ids, &e->cap, e->n, sizeof(*e->ids), 64))
		return LL_NOMEM;
	if (!(e->ids[e->n] = arena_strdup(e->a, store_row_text(row, 0))))
		return LL_NOMEM;
	e->n++;
	return LL_OK;
}

struct enrolled_ctx {
	const char *programme_id;
	struct enrolled *e;
};

static enum ll_err enrolled_txn(struct ll_tx *tx, void *ctx)
{
	struct enrolled_ctx *x = ctx;
	x->e->n = 0;
	return store_exec(tx, &ENROLLED, SP(SV_TEXT(x->programme_id)), enrolled_row, x->e);
}

/* Up to APPLICANTS learners of the programme apply for what request grants them; of every six
 * applications the institution approves four, rejects one and leaves one waiting. A learner
 * whose audit offers nothing for it is passed over. */
static enum ll_err applications_make(struct ll_store *st, const char *programme_id, const char *institution_id,
				     const struct transfer_request *request, struct arena *a)
{
	struct enrolled e = { .a = a };
	struct enrolled_ctx x = { programme_id, &e };
	enum ll_err err = store_run(st, STORE_READ, "demo enrolled", enrolled_txn, &x);
	const struct ledger_caller staff = { .role = ROLE_INSTITUTION_ADMIN, .institution_id = institution_id };
	const struct audit_actor reviewer = { .role = "institution_admin", .name = "lifelong demo",
					      .institution_id = institution_id };
	int made = 0;
	for (size_t i = 0; i < e.n && made < APPLICANTS && err == LL_OK; i++) {
		const struct ledger_caller learner = { .role = ROLE_CITIZEN, .person_id = e.ids[i] };
		const struct audit_actor actor = { .role = "citizen", .name = "lifelong demo" };
		json_t *application = NULL;
		enum ll_err apply_err = transfer_apply(st, &learner, programme_id, request, 1, &actor, &application);
		if (apply_err == LL_INVALID_VALUE || apply_err == LL_CONFLICT)
			continue; /* nothing of this learner's record serves the request */
		if ((err = apply_err) != LL_OK)
			break;
		json_t *items = json_object_get(application, "items");
		size_t k;
		json_t *item;
		json_array_foreach (items, k, item) {
			const char *item_id = json_string_value(json_object_get(item, "id"));
			if (made % 6 == 5 || err != LL_OK)
				continue;
			bool is_approved = made % 6 != 4;
			err = transfer_item_decide(st, &staff, item_id, is_approved,
						   is_approved ? NULL : "证书复印件与证书编号不一致，请补交清晰的证书扫描件",
						   &reviewer);
		}
		json_decref(application);
		made++;
	}
	free(e.ids);
	return err;
}

/* ---- Certification units ---- */

static const struct demo_unit {
	const char *institution, *code, *name, *name_en, *outcomes, *assessment;
	int64_t level, credits_milli;
	const char *decision;           /* "approve", "reject" or NULL: waiting */
	const char *reason;
} demo_units[] = {
	{ "上海开放大学", "SOU-PY101", "Python 程序设计基础", "Python Programming Fundamentals",
	  "[\"能用 Python 编写处理文本与表格数据的程序\",\"能用函数和模块组织代码，并调试常见错误\","
	  "\"能读写 CSV 与 JSON 文件\"]",
	  "上机考试 120 分钟（占 60%）与一个课程项目（占 40%），合计 60 分及以上为通过。", 5, 3000, "approve", NULL },
	{ "上海电子信息职业技术学院", "SEIT-PLC201", "可编程控制器应用", "Programmable Logic Controller Applications",
	  "[\"能按电气图纸完成 PLC 控制柜的接线与检查\",\"能编写顺序控制与定时计数程序\","
	  "\"能排查传感器与执行器的常见故障\"]",
	  "实训台实操考核：在 90 分钟内完成一项给定的控制任务，由两名考评员按评分表评分，70 分及以上为通过。", 4, 4000,
	  "approve", NULL },
	{ "上海银龄智能生活培训中心", "YL-SZ01", "老年人智能手机应用", "Smartphones for Older Adults",
	  "[\"能用智能手机预约挂号、查看检查报告\",\"能使用移动支付并设置支付密码\",\"能识别常见的电信网络诈骗\"]",
	  "现场操作演示：学员在指导教师面前独立完成挂号、支付与防诈骗识别三项任务。", 1, 500, NULL, NULL },
	{ "上海东方烹饪职业培训学校", "DF-MD02", "中式面点制作", "Chinese Pastry Making",
	  "[\"能制作发酵面团与水调面团的常见品种\"]", "现场制作。", 3, 2000, "reject",
	  "考核标准未写明评分项目与通过分数，请补充后重新提交。" },
};

static enum ll_err units_make(struct ll_store *st, const struct demo_institution *institutions, int n_institutions)
{
	const struct audit_actor city = { .role = "city_admin", .name = "lifelong demo" };
	enum ll_err err = LL_OK;
	for (size_t i = 0; i < sizeof(demo_units) / sizeof(demo_units[0]) && err == LL_OK; i++) {
		const struct demo_unit *u = &demo_units[i];
		int k = demo_institution_find(institutions, n_institutions, u->institution);
		if (k < 0)
			return ll_fail(LL_INTERNAL, NULL, "the demo's unit %s needs %s", u->code, u->institution);
		const struct ledger_caller staff = { .role = ROLE_INSTITUTION_ADMIN, .institution_id = institutions[k].id.s };
		const struct audit_actor actor = { .role = "institution_admin", .name = "lifelong demo",
						   .institution_id = institutions[k].id.s };
		struct cert_unit_in in = { .code = u->code, .name = u->name, .name_en = u->name_en,
					   .assessment = u->assessment, .level = u->level,
					   .credits_milli = u->credits_milli, .outcomes = json_loads(u->outcomes, 0, NULL) };
		json_t *unit = NULL;
		err = in.outcomes ? cert_unit_publish(st, &staff, &in, &actor, &unit) : LL_NOMEM;
		json_decref(in.outcomes);
		if (err == LL_OK && u->decision)
			err = cert_unit_decide(st, json_string_value(json_object_get(unit, "id")),
					       strcmp(u->decision, "approve") == 0, u->reason, &city);
		json_decref(unit);
	}
	return err;
}

enum ll_err demo_transfer_write(struct ll_store *st, const struct demo_institution *institutions, int n_institutions)
{
	int open_university = demo_institution_find(institutions, n_institutions, "上海开放大学");
	int college = demo_institution_find(institutions, n_institutions, "上海电子信息职业技术学院");
	if (open_university < 0 || college < 0)
		return ll_fail(LL_INTERNAL, NULL, "the demo's programmes need 上海开放大学 and 上海电子信息职业技术学院");
	struct arena a;
	arena_init(&a, 0);
	const char *business = NULL, *dual = NULL;
	const char *business_rule_ids[sizeof(business_rules) / sizeof(business_rules[0])];
	const char *dual_rule_ids[sizeof(dual_rules) / sizeof(dual_rules[0])];
	enum ll_err err = programme_make(st, institutions[open_university].id.s, "530601", "工商企业管理（专科）",
					 "Business Administration (associate degree)", "self_study", business_plan,
					 business_rules, (int)(sizeof(business_rules) / sizeof(business_rules[0])), &a,
					 &business, business_rule_ids);
	if (err == LL_OK)
		err = programme_make(st, institutions[college].id.s, "460306", "电气自动化技术（双元制）",
				     "Electrical Automation (dual system)", "diploma", dual_plan, dual_rules,
				     (int)(sizeof(dual_rules) / sizeof(dual_rules[0])), &a, &dual, dual_rule_ids);
	struct enrol_ctx cohorts = { business, dual, institutions[open_university].id.s };
	if (err == LL_OK)
		err = store_run(st, STORE_WRITE, "demo enrolments", enrol_txn, &cohorts);
	/* English I by CET-4 (the rule adds English II); practice credits by the electrician's certificate. */
	const struct transfer_request english = { .course = "00012" };
	const struct transfer_request practice = { .group = "practice", .rule_id = dual_rule_ids[0] };
	if (err == LL_OK)
		err = applications_make(st, business, institutions[open_university].id.s, &english, &a);
	if (err == LL_OK)
		err = applications_make(st, dual, institutions[college].id.s, &practice, &a);
	if (err == LL_OK)
		err = units_make(st, institutions, n_institutions);
	arena_release(&a);
	return err;
}
