/*
 * The learning overpass (立交桥): programmes with their plans, conversion rules (转换规则) that say
 * which learning outcomes grant which credit of a programme, and audits of a person against a
 * programme that say, requirement by requirement, what satisfied it and why each rule that could
 * have applied did not. Rules are data that a machine applies and a person can read; a decision
 * always records the rule version it used.
 *
 * Files: plan.c (programme plans and rules from and to JSON, their validation; no I/O),
 * audit.c (matching outcomes to rules and the optimal assignment of an audit; no I/O),
 * transfer_db.c (programmes, plan and rule versions, enrolments, audits over the ledger),
 * apply_db.c (applications and their decisions), units_db.c (certification units and the
 * city's statistics), transfer_http.c (handlers).
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
#define RULE_FROM_NODES_MAX 8          /* peers a condition accepts imported outcomes from */

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
/* Checks a programme, course or group code: 1 to 40 letters, digits and - _ . ( ), and '*' for
 * any run of characters when is_pattern; LL_INVALID_VALUE naming field. */
enum ll_err transfer_code_check(const char *s, const char *field, bool is_pattern);
/* Index of the course with this code, or -1. */
int plan_course_find(const struct programme_plan *p, const char *code);
int plan_group_find(const struct programme_plan *p, const char *code);

/* ---- Conversion rules (plan.c) ---- */

/* The least result an outcome must carry: a score (in tenths), a grade (on the scale of
 * transfer_grade_rank) or a pass (a pass or any passing grade). */
enum min_result_kind { MIN_RESULT_NONE, MIN_RESULT_SCORE, MIN_RESULT_GRADE, MIN_RESULT_PASS };

/* One condition: count distinct outcomes of the person, each of this kind, with a code equal to
 * code (or matching it where it holds '*' for any run of characters), at least min_level, at
 * least the result, at least min_hours_milli, awarded at most within_years before the decision.
 * Outcomes held here always count; outcomes imported from a peer of the federation count only
 * when the condition names that peer in from_nodes (mutual recognition). */
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
	const char *from_nodes[RULE_FROM_NODES_MAX];   /* node ids (JS, ZJ, …) */
	int n_from_nodes;
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
 *                   "min_hours_milli":16000,"within_years":5,"count":1,"from_nodes":["JS","ZJ"]}],
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

/* A current outcome of the person, as the audit sees it: held here, or imported from a peer. */
struct audit_outcome {
	const char *id;                 /* the outcome id (an imported one: its id here) */
	const char *node_id;            /* NULL: held here; else the peer it was imported from */
	enum outcome_kind kind;
	const char *title;
	const char *code;
	int64_t level, credits_milli, hours_milli;   /* -1: none */
	enum result_kind result_kind;
	const char *result;
	const char *awarded_on;         /* YYYY-MM-DD */
};

/* A transfer a learner applied for: approved (credit already in the ledger) or still awaiting a
 * decision (is_pending), with the outcomes it used. An item that grants several courses comes
 * as one audit_transfer a course, under the same id, sharing its outcomes. */
struct audit_transfer {
	const char *id;
	bool is_pending;
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
	struct arena *scratch;               /* working memory, or NULL for the audit's own; the
					      * caller resets it after the call */
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
 *    "credits": {"total_required_milli","earned_milli","pending_milli","available_milli",
 *                "transfer_milli","transfer_pending_milli","transfer_available_milli",
 *                "transfer_max_milli"},
 *    "groups": [{"code","name","name_en","elective","min_credits_milli","earned_milli",
 *                "pending_milli","available_milli","is_met","is_met_with_transfers"}],
 *    "courses": [{"code","name","name_en","group","credits_milli","status":
 *                 "completed"|"transferred"|"pending"|"available"|"missing", "outcome_ids":[…],
 *                 "rule":{"id","version"}, "transfer_id"}],
 *    "group_credits": [{"group","credits_milli","status":"transferred"|"pending"|"available","rule",
 *                       "outcome_ids","transfer_id"}],
 *    "rules": [{"id","version","name","name_en","applied":bool,"reasons":[{"code","message",
 *               "message_en","outcome_id"?}]}]  (the rules applied, and those the person has an
 *               outcome of a condition's kind and code for: the ones that could have applied),
 *    "rules_unrelated": the number of the other rules,
 *    "outcomes": {"<outcome id>": {"kind","title","code","result","awarded_on"}, and "node_id" for
 *                one imported from a peer} for every outcome the report names,
 *    "unused_transfers": [{"id","reason"}], "is_search_truncated": bool}
 * LL_AUDIT_TOO_LARGE when the input passes the caps above. */
enum ll_err transfer_audit(const struct audit_input *in, json_t **ret_report);

/* Whether outcome o meets condition c on day as_of_days; when it does not and why is not NULL,
 * *why gets a reason code ("source", "kind", "code", "level", "result", "hours", "age") and message holds
 * the explanation in Chinese and English. */
struct condition_miss {
	const char *code;
	char message[160];
	char message_en[160];
};
bool rule_condition_meets(const struct rule_condition *c, const struct audit_outcome *o, int32_t as_of_days,
			  struct condition_miss *why);

/* ---- Programmes, rules and enrolments stored (transfer_db.c) ---- */

struct ll_store;
struct audit_actor;
struct http_req;

enum programme_kind { PROGRAMME_ASSOCIATE, PROGRAMME_BACHELOR, PROGRAMME_DIPLOMA, PROGRAMME_CERTIFICATE,
		      PROGRAMME_SELF_STUDY, PROGRAMME_KIND_COUNT };
/* "associate", "bachelor", "diploma", "certificate", "self_study", NULL */
extern const char *const programme_kinds[];

enum rule_status { RULE_PENDING, RULE_APPROVED, RULE_REJECTED };
extern const char *const rule_statuses[];   /* "pending", "approved", "rejected", NULL */

struct programme_in {
	const char *code, *name, *name_en, *kind;
};
extern const struct json_field programme_spec[];

/* Creates a programme of the caller's institution with its first plan (version 1). The caller
 * is staff of an institution; LL_CONFLICT when the institution has a programme of this code.
 * *ret_id is arena-owned. */
enum ll_err programme_create(struct ll_store *st, const struct ledger_caller *c, const struct programme_in *in,
			     const struct programme_plan *plan, const struct audit_actor *actor, struct arena *a,
			     const char **ret_id);
/* Publishes a new version of a programme's plan (staff of its institution); rules already
 * published keep the version they were checked against until they are published again.
 * *ret_version is the new version. */
enum ll_err programme_publish_plan(struct ll_store *st, const struct ledger_caller *c, const char *id,
				   const struct programme_plan *plan, const struct audit_actor *actor, int *ret_version);
/* A programme with its current plan (and its JSON root, which the plan borrows from):
 * caller releases *ret_root with json_decref. */
struct programme {
	const char *id, *institution_id, *institution_name, *institution_name_en, *code, *name, *name_en, *kind;
	int plan_version;
	struct programme_plan plan;
};
enum ll_err programme_get(struct ll_store *st, const char *id, struct arena *a, struct programme *ret,
			  json_t **ret_root);
/* A programme as the API shows it, with its plan. Caller owns the reference. */
json_t *programme_json(const struct programme *p);
/* Programmes (without plans), by institution when institution_id is not NULL and by a part of the
 * name or code when q is not NULL: {"items":[…]}. Caller owns the reference. */
enum ll_err programme_list(struct ll_store *st, const char *institution_id, const char *q, json_t **ret_page);

/* Publishes a rule of a programme: a new rule when rule_id is NULL, else a new version of it.
 * The body is checked against the programme's current plan (rule_from_json) and against the
 * programme's other rules (rule_contradicts, LL_RULE_CONTRADICTS naming the other rule); the
 * version waits for the city's approval. Staff of the programme's institution. */
enum ll_err transfer_rule_publish(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
				  const char *rule_id, const json_t *body, const struct audit_actor *actor,
				  struct arena *a, const char **ret_rule_id, int *ret_version);
/* The city approves or rejects (with a reason) a pending rule version. LL_NOT_PENDING when it
 * was decided already: of two deciders at once, one wins. */
enum ll_err transfer_rule_decide(struct ll_store *st, const char *rule_id, int version, bool is_approved,
				 const char *reason, const struct audit_actor *actor);
/* Rule versions: of a programme (programme_id), or every pending one (status "pending" and
 * programme_id NULL, for the city's queue): {"items":[{"id","version","programme_id",
 * "programme_name","institution_name","status","rule":{…},"published_at",…}]}. */
enum ll_err transfer_rule_list(struct ll_store *st, const char *programme_id, const char *status, json_t **ret_page);

/* Every programme's conversion rules in force, as the node publishes them: the latest approved
 * version of each rule, [{"id", "version", "programme": {"id", "code", "name", "name_en",
 * "institution", "institution_en"}, "rule": its body, "recognises": [the peers whose imported
 * outcomes a condition accepts], "approved_at"}], by programme code. */
enum ll_err transfer_rules_published(struct ll_store *st, json_t **ret_items);
/* Enrols the person of account_no in a programme (staff of its institution), or the caller
 * themself when account_no is NULL (a person following it). Enrolling again changes nothing.
 * LL_UNKNOWN_ACCOUNT naming "account_no" when no account has the number. */
enum ll_err transfer_enrol(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
			   const char *account_no, const struct audit_actor *actor);
/* The learners enrolled in a programme, for its institution's staff, in pages of limit after the
 * person id after (NULL: from the start): {"items":[{"account_no","name","enrolled_at"}],
 * "next": cursor or null}. */
enum ll_err transfer_learners(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
			      const char *after, int limit, json_t **ret_page);
/* The calling person stops following a programme (LL_NOT_FOUND when they do not follow it);
 * what they applied for stays. */
enum ll_err transfer_unfollow(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
			      const struct audit_actor *actor);
/* The programmes a person follows: {"items":[{"programme":{…},"enrolled_at"}]}. */
enum ll_err transfer_enrolments(struct ll_store *st, const char *person_id, json_t **ret_page);

/* Audits a person against a programme on as_of (YYYY-MM-DD), with the latest approved version
 * of each rule, the person's current outcomes in the ledger, and the plan as it stands; the
 * report of transfer_audit with "programme", "person" and "unfit_rules" (approved rules that no
 * longer fit the plan, with why) added. Staff of the programme's institution audit the persons
 * enrolled in it by account_no; a person audits themself (account_no NULL) against any
 * programme. as_of NULL is today. Caller owns the reference. */
enum ll_err transfer_audit_person(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
				  const char *account_no, const char *as_of, json_t **ret_report);
/* What the calling person's learning counts toward: a summary of their audit against every
 * programme (at most 500), those with the most credit available first: {"items":[{"programme",
 * "is_enrolled","earned_milli","pending_milli","available_milli","total_required_milli",
 * "is_complete_with_transfers","courses":{"completed","transferred","pending","available",
 * "missing"}}]}. */
enum ll_err transfer_options(struct ll_store *st, const struct ledger_caller *c, json_t **ret_page);
/* Audits every person enrolled in a programme, calling on_report with each report (borrowed
 * for the call), in person order. For the CLI. */
enum ll_err transfer_audit_cohort(struct ll_store *st, const char *programme_id, const char *as_of,
				  enum ll_err (*on_report)(void *ctx, const char *person_id, json_t *report), void *ctx);

/* ---- Transfer applications (transfer_db.c) ---- */

/* One thing a learner applies for: a course of the plan, or credit in an elective group by a
 * named rule. */
struct transfer_request {
	const char *course;
	const char *group, *rule_id;
};
#define TRANSFER_REQUESTS_MAX 64
extern const char *const transfer_item_statuses[];   /* "pending", "approved", "rejected", NULL */

/* The calling person applies for credit in a programme. A fresh audit decides what each request
 * gets: a course must be "available" (LL_INVALID_VALUE, or LL_CONFLICT when it is already
 * transferred or applied for, naming "items[i]"), and takes the rule version and outcomes the
 * audit assigned; requests served by one application of one rule become one item. Items wait for
 * the programme's institution; until decided their outcomes count for nothing else in the
 * programme. Nothing is stored when any request fails. *ret_obj: the application with its items
 * (caller owns the reference). */
enum ll_err transfer_apply(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
			   const struct transfer_request *requests, int n, const struct audit_actor *actor,
			   json_t **ret_obj);
/* The calling person's applications, newest first, each with its items and their state. */
enum ll_err transfer_applications(struct ll_store *st, const struct ledger_caller *c, json_t **ret_page);
/* Items of the caller's institution by status (default pending), oldest first, with the person,
 * the programme, the rule and the source outcomes. */
enum ll_err transfer_item_queue(struct ll_store *st, const struct ledger_caller *c, const char *status,
				json_t **ret_page);
/* Staff of the receiving institution approve an item (its credit is stored in the ledger as
 * entries naming the item, the rule version and the source outcomes; LL_REVOKED when a source
 * outcome is no longer current) or reject it with a reason (its outcomes are free again).
 * LL_NOT_PENDING when it was decided already: of two reviewers at once, one wins. */
enum ll_err transfer_item_decide(struct ll_store *st, const struct ledger_caller *c, const char *item_id,
				 bool is_approved, const char *reason, const struct audit_actor *actor);

/* ---- Certification units and statistics (units_db.c) ---- */

/* A certification unit (认证单元): a unit of learning outcomes with a framework level, credits,
 * outcome statements and an assessment standard, published by an institution and approved by the
 * city. Its code can name it in a rule's conditions. */
struct cert_unit_in {
	const char *code, *name, *name_en, *assessment;
	int64_t level, credits_milli;
	json_t *outcomes;               /* array of statements (STRS) */
};
extern const struct json_field cert_unit_spec[];
/* Publishes a unit of the caller's institution (staff); it waits for the city. LL_CONFLICT naming
 * "code" when the code is taken. *ret_obj: the unit. */
enum ll_err cert_unit_publish(struct ll_store *st, const struct ledger_caller *c, const struct cert_unit_in *in,
			      const struct audit_actor *actor, json_t **ret_obj);
/* The city approves or rejects (with a reason) a pending unit; LL_NOT_PENDING when decided. */
enum ll_err cert_unit_decide(struct ll_store *st, const char *id, bool is_approved, const char *reason,
			     const struct audit_actor *actor);
/* Units by status; approved ones for anyone, pending and rejected ones for the city and for the
 * institution that published them. ?q= a part of the code or name; institution_id (or NULL) the
 * publisher's. */
enum ll_err cert_unit_list(struct ll_store *st, const struct ledger_caller *c, const char *status, const char *q,
			   const char *institution_id, json_t **ret_page);
/* An approved unit as a depositor of its completions needs it. Strings arena-owned. */
struct cert_unit_seen {
	const char *id, *institution_id, *code, *name;
	int64_t level, credits_milli;
};
/* The approved unit with this code; LL_NOT_FOUND when there is none. */
enum ll_err cert_unit_approved(struct ll_store *st, const char *code, struct arena *a, struct cert_unit_seen *ret);
/* Transfers for the city: items by programme and status (count, credits) and approved items by the
 * kind of outcome they used: {"programmes":[…], "kinds":[…]}. */
enum ll_err transfer_stats(struct ll_store *st, json_t **ret_obj);

/* ---- Handlers (transfer_http.c) ---- */

/* Bodies: a rule decision {"decision":"approve"|"reject","reason"}, an enrolment
 * {"account_no"}, a learner following a programme {"programme_id"}. */
extern const struct json_field transfer_decision_spec[];
extern const struct json_field transfer_enrol_spec[];
extern const struct json_field transfer_follow_spec[];

enum ll_err transfer_http_programmes(struct http_req *req);
enum ll_err transfer_http_programme_create(struct http_req *req);
enum ll_err transfer_http_programme(struct http_req *req);
enum ll_err transfer_http_plan_publish(struct http_req *req);
enum ll_err transfer_http_rules(struct http_req *req);
enum ll_err transfer_http_rule_publish(struct http_req *req);
enum ll_err transfer_http_rule_republish(struct http_req *req);
enum ll_err transfer_http_rule_queue(struct http_req *req);
enum ll_err transfer_http_rule_decide(struct http_req *req);
enum ll_err transfer_http_enrol(struct http_req *req);
enum ll_err transfer_http_audit(struct http_req *req);
enum ll_err transfer_http_my_programmes(struct http_req *req);
enum ll_err transfer_http_my_follow(struct http_req *req);
enum ll_err transfer_http_my_audit(struct http_req *req);
enum ll_err transfer_http_my_options(struct http_req *req);
enum ll_err transfer_http_learners(struct http_req *req);
enum ll_err transfer_http_my_unfollow(struct http_req *req);
enum ll_err transfer_http_apply(struct http_req *req);
enum ll_err transfer_http_my_applications(struct http_req *req);
enum ll_err transfer_http_item_queue(struct http_req *req);
enum ll_err transfer_http_item_decide(struct http_req *req);
enum ll_err transfer_http_units(struct http_req *req);
enum ll_err transfer_http_unit_publish(struct http_req *req);
enum ll_err transfer_http_unit_decide(struct http_req *req);
enum ll_err transfer_http_stats(struct http_req *req);

#endif
