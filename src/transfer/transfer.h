/*
 * The learning overpass (立交桥): programmes with their plans, conversion rules (转换规则) that say
 * which learning outcomes grant which credit of a programme, and audits of a person against a
 * programme that say, requirement by requirement, what satisfied it and why each rule that could
 * have applied did not. Rules are data that a machine applies and a person can read; a decision
 * always records the rule version it used.
 *
 * Files: plan.c (programme plans and rules from and to JSON, their validation; no I/O),
 * audit.c (matching outcomes to rules and the optimal assignment of an audit; no I/O).
 */
#ifndef LL_TRANSFER_H
#define LL_TRANSFER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/arena.h"
#include "../base/ll_err.h"
#include "../ledger/ledger.h"

/* ---- Programme plans (plan.c) ---- */

#define PLAN_GROUPS_MAX 32
#define PLAN_COURSES_MAX 200
#define RULE_CONDITIONS_MAX 8
#define RULE_GRANTS_MAX 8
#define RULE_COUNT_MAX 100             /* outcomes one condition may ask for */
#define RULE_WITHIN_YEARS_MAX 100

/* A group of the plan: every course of a required group must be passed; an elective group asks
 * for at least min_credits_milli from its courses and from credit granted to it. */
struct plan_group {
	const char *code;
	const char *name, *name_en;
	bool is_elective;
	int64_t min_credits_milli;      /* elective groups */
};

struct plan_course {
	const char *code;               /* as the ledger's outcomes carry it, e.g. 00012 */
	const char *name, *name_en;
	int64_t credits_milli;
	int group;                      /* index into plan.groups */
	bool is_transfer_excluded;      /* transfer can never replace it */
};

struct programme_plan {
	struct plan_group groups[PLAN_GROUPS_MAX];
	int n_groups;
	struct plan_course courses[PLAN_COURSES_MAX];
	int n_courses;
	int64_t total_credits_milli;
	int transfer_max_permille;      /* the largest share of the total that transfer may give */
};

/* Decodes and checks a plan:
 *   {"total_credits_milli":80000, "transfer_max_permille":500,
 *    "groups":[{"code":"core","name":"…","name_en":"…","elective":false}, {"code":"elec",
 *              "name":"…","elective":true,"min_credits_milli":12000}],
 *    "courses":[{"code":"00012","name":"英语(一)","name_en":"English I","credits_milli":7000,
 *               "group":"core","transfer_excluded":false}]}
 * Errors name the field with its path ("courses[3].group"): unknown keys, wrong types, a course
 * in an unknown group, a code used twice, a required group without courses, groups that ask for
 * more than the total. Strings are borrowed from obj. */
enum ll_err plan_from_json(const json_t *obj, struct programme_plan *ret);
/* The plan as JSON (the stored form, also the API's). Caller owns the reference. */
json_t *plan_to_json(const struct programme_plan *p);
/* Index of the course with this code, or -1. */
int plan_course_find(const struct programme_plan *p, const char *code);
int plan_group_find(const struct programme_plan *p, const char *code);

/* ---- Conversion rules (plan.c) ---- */

/* The least result an outcome must carry: a score (in tenths), a grade (on the scale of
 * transfer_grade_rank) or a pass (a pass or any passing grade). */
enum min_result_kind { MIN_RESULT_NONE, MIN_RESULT_SCORE, MIN_RESULT_GRADE, MIN_RESULT_PASS };

/* One condition: count distinct outcomes of the person, each of this kind, with a code equal to
 * code (or matching it where it holds '*' for any run of characters), at least min_level, at
 * least the result, at least min_hours_milli, awarded at most within_years before the decision. */
struct rule_condition {
	enum outcome_kind kind;
	const char *code;               /* NULL: any code */
	int64_t min_level;              /* -1: any */
	enum min_result_kind min_result_kind;
	int64_t min_score_tenths;
	int min_grade_rank;
	const char *min_result;         /* as written, for explanations */
	int64_t min_hours_milli;        /* -1: any */
	int within_years;               /* 0: any age */
	int count;                      /* at least 1 */
};

/* What a rule grants: a named course of the plan, or credits in an elective group. */
struct rule_grant {
	const char *course_code;        /* or NULL */
	const char *group_code;         /* with credits_milli, when course_code is NULL */
	int64_t credits_milli;
	int course, group;              /* indices into the plan the rule was checked against; -1 */
};

struct transfer_rule {
	const char *id;
	int version;
	const char *name, *name_en;
	struct rule_condition conditions[RULE_CONDITIONS_MAX];  /* all together, by distinct outcomes */
	int n_conditions;
	struct rule_grant grants[RULE_GRANTS_MAX];
	int n_grants;
	const char *effective_from;     /* YYYY-MM-DD */
	const char *effective_to;       /* YYYY-MM-DD or NULL: open */
	int32_t from_days, to_days;     /* days since 1970-01-01; to_days INT32_MAX when open */
};

/* Decodes and checks a rule against the plan it belongs to:
 *   {"name":"…","name_en":"…","effective_from":"2024-01-01","effective_to":null,
 *    "conditions":[{"kind":"vocational_certificate","code":"CET4*","min_level":3,
 *                   "min_result":{"score":"425"} | {"grade":"良好"} | "pass",
 *                   "min_hours_milli":16000,"within_years":5,"count":1}],
 *    "grants":[{"course":"00012"},{"group":"elec","credits_milli":1000}]}
 * Refused with the field: unknown keys or kinds, a course the plan does not have, a course the
 * plan excludes from transfer, credits to a group that is not elective, a course granted twice,
 * dates out of order. id and version are left for the caller. Strings are borrowed from obj.
 * The rule holds indices into plan: audit it only against that plan. */
enum ll_err rule_from_json(const json_t *obj, const struct programme_plan *plan, struct transfer_rule *ret);
/* The rule's body as JSON (without id and version). Caller owns the reference. */
json_t *rule_to_json(const struct transfer_rule *r);
/* Whether a and b contradict each other: the same conditions, in effect on a common day,
 * granting different credit (a learner could not tell which applies). */
bool rule_contradicts(const struct transfer_rule *a, const struct transfer_rule *b);

/* The rank of a grade on one scale shared by letter and Chinese grades (A+ 97 … F 0, 优秀 90,
 * 良好 80, 中等 70, 及格 60, 合格 60, 不及格 and 不合格 0); -1 when s is not a grade. */
int transfer_grade_rank(const char *s);
/* A score as ledger results write it (0 to 1000, at most one decimal) in tenths; -1 if s is not
 * one. */
int64_t transfer_score_tenths(const char *s);

/* ---- Audits (audit.c) ---- */

/* A current outcome of the person, as the audit sees it. */
struct audit_outcome {
	const char *id;                 /* the outcome id */
	enum outcome_kind kind;
	const char *title;
	const char *code;
	int64_t level, credits_milli, hours_milli;   /* -1: none */
	enum result_kind result_kind;
	const char *result;
	const char *awarded_on;         /* YYYY-MM-DD */
};

/* A transfer a reviewer approved: credit already in the ledger, and the outcomes it used. */
struct audit_transfer {
	const char *id;
	const char *course_code;        /* or group_code with credits_milli */
	const char *group_code;
	int64_t credits_milli;
	const char *rule_id;
	int rule_version;
	const char *const *source_ids;
	int n_sources;
};

struct audit_input {
	const struct programme_plan *plan;
	const struct transfer_rule *rules;   /* the programme's approved rules */
	int n_rules;
	const struct audit_outcome *outcomes;
	int n_outcomes;
	const struct audit_transfer *transfers;
	int n_transfers;
	const char *as_of;                   /* YYYY-MM-DD: rules in effect and ages on this day */
};

#define AUDIT_OUTCOMES_MAX 4096
#define AUDIT_TRANSFERS_MAX 512
#define AUDIT_RULES_MAX 2000

/* Audits a person against a programme. The assignment of outcomes to requirements satisfies as
 * many required courses as any assignment can, then as many elective credits (up to each group's
 * minimum), then as many credits in all, then uses transfer the least; an outcome counts at most
 * once; transfer stays within the plan's share. Ties go to the earlier rule and outcome in input
 * order, so the same input always gives the same report.
 *
 * The report (caller owns the reference):
 *   {"as_of", "is_complete" (by completed courses and approved transfers alone),
 *    "is_complete_with_transfers" (also counting the transfers the learner could apply for),
 *    "credits": {"total_required_milli","earned_milli","transfer_milli","transfer_max_milli",
 *                "available_milli"},
 *    "groups": [{"code","name","name_en","elective","min_credits_milli","earned_milli","is_met"}],
 *    "courses": [{"code","name","name_en","group","credits_milli","status":
 *                 "completed"|"transferred"|"available"|"missing", "outcome_ids":[…],
 *                 "rule":{"id","version"}, "transfer_id"}],
 *    "group_credits": [{"group","credits_milli","status":"transferred"|"available","rule","outcome_ids","transfer_id"}],
 *    "rules": [{"id","version","name","name_en","applied":bool,"reasons":[{"code","message",
 *               "message_en","outcome_id"?}]}]  (the rules applied, and those the person has an
 *               outcome of a condition's kind and code for: the ones that could have applied),
 *    "rules_unrelated": the number of the other rules,
 *    "unused_transfers": [{"id","reason"}], "is_search_truncated": bool}
 * LL_AUDIT_TOO_LARGE when the input passes the caps above. */
enum ll_err transfer_audit(const struct audit_input *in, json_t **ret_report);

/* Whether outcome o meets condition c on day as_of_days; when it does not and why is not NULL,
 * *why gets a reason code ("kind", "code", "level", "result", "hours", "age") and message holds
 * the explanation in Chinese and English. */
struct condition_miss {
	const char *code;
	char message[160];
	char message_en[160];
};
bool rule_condition_meets(const struct rule_condition *c, const struct audit_outcome *o, int32_t as_of_days,
			  struct condition_miss *why);

#endif
