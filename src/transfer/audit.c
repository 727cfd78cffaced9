/*
 * Audits of a person against a programme: which outcomes meet which rule conditions, and the
 * assignment of outcomes to requirements that satisfies the most. The assignment is searched
 * exactly: every subset of the possible uses (a course passed directly, a rule applied) is
 * weighed, outcomes are matched to the conditions of the chosen uses by augmenting paths (so that
 * an outcome counts once), and branches that cannot beat the best found are cut. No I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/log.h"
#include "transfer.h"

/* Nodes of the search after which it keeps the best assignment found and says so. */
#define AUDIT_SEARCH_NODES_MAX (1 << 20)
/* How many times one rule that grants only group credit may be applied. */
#define RULE_REPEAT_MAX 16

/* ---- Conditions ---- */

/* Whether code matches pattern, where '*' stands for any run of characters. */
static bool code_matches(const char *pattern, const char *code)
{
	if (!code)
		return false;
	const char *star = NULL, *resume = NULL;
	while (*code) {
		if (*pattern == '*') {
			star = pattern++;
			resume = code;
		} else if (*pattern == *code) {
			pattern++;
			code++;
		} else if (star) {
			pattern = star + 1;
			code = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

/* Whether the result of o reaches the condition's least result; *why explains when not. */
static bool result_meets(const struct rule_condition *c, const struct audit_outcome *o, struct condition_miss *why)
{
	const char *have = o->result ? o->result : "";
	switch (c->min_result_kind) {
	case MIN_RESULT_NONE:
		return true;
	case MIN_RESULT_SCORE:
		if (o->result_kind == RESULT_SCORE && transfer_score_tenths(o->result) >= c->min_score_tenths)
			return true;
		if (why) {
			why->code = "result";
			if (o->result_kind == RESULT_SCORE) {
				snprintf(why->message, sizeof(why->message), "成绩 %s 低于 %s", have, c->min_result);
				snprintf(why->message_en, sizeof(why->message_en), "score %s is below %s", have, c->min_result);
			} else {
				snprintf(why->message, sizeof(why->message), "没有分数成绩（需要至少 %s 分）", c->min_result);
				snprintf(why->message_en, sizeof(why->message_en), "has no score (the rule asks for at least %s)",
					 c->min_result);
			}
		}
		return false;
	case MIN_RESULT_GRADE:
		if (o->result_kind == RESULT_GRADE && transfer_grade_rank(o->result) >= c->min_grade_rank)
			return true;
		if (why) {
			why->code = "result";
			if (o->result_kind == RESULT_GRADE) {
				snprintf(why->message, sizeof(why->message), "等级 %s 低于 %s", have, c->min_result);
				snprintf(why->message_en, sizeof(why->message_en), "grade %s is below %s", have, c->min_result);
			} else {
				snprintf(why->message, sizeof(why->message), "没有等级成绩（需要至少 %s）", c->min_result);
				snprintf(why->message_en, sizeof(why->message_en), "has no grade (the rule asks for at least %s)",
					 c->min_result);
			}
		}
		return false;
	case MIN_RESULT_PASS:
		if (o->result_kind == RESULT_PASS || (o->result_kind == RESULT_GRADE && transfer_grade_rank(o->result) >= 60) ||
		    (o->result_kind == RESULT_SCORE && transfer_score_tenths(o->result) >= 600))
			return true;
		if (why) {
			why->code = "result";
			snprintf(why->message, sizeof(why->message), "成绩 %s 未达到合格", o->result ? have : "（无）");
			snprintf(why->message_en, sizeof(why->message_en), "result %s is not a pass", o->result ? have : "(none)");
		}
		return false;
	}
	return false;
}

/* Year, month and day of a count of days since 1970-01-01 (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *ret_y, unsigned *ret_m, unsigned *ret_d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	*ret_d = doy - (153 * mp + 2) / 5 + 1;
	*ret_m = m;
	*ret_y = (int)((int64_t)yoe + era * 400 + (m <= 2));
}

/* The first day that is within years of as_of: the same date years before (29 February falls
 * back to 28 February in a year without it). */
static int64_t within_limit(int32_t as_of_days, int years)
{
	int y;
	unsigned m, d;
	civil_from_days(as_of_days, &y, &m, &d);
	y -= years;
	if (m == 2 && d == 29 && !clock_is_valid_date(y, 2, 29))
		d = 28;
	return clock_days_from_civil(y, m, d);
}

/* rule_condition_meets with the day o was awarded already parsed (-1: not a date). */
static bool meets(const struct rule_condition *c, const struct audit_outcome *o, int64_t awarded, int32_t as_of_days,
		  struct condition_miss *why)
{
	bool is_accepted = !o->node_id;
	for (int i = 0; i < c->n_from_nodes && !is_accepted; i++)
		is_accepted = strcmp(c->from_nodes[i], o->node_id) == 0;
	if (!is_accepted) {
		if (why) {
			why->code = "source";
			snprintf(why->message, sizeof(why->message), "来自学分银行 %s，本规则不认可该行的成果", o->node_id);
			snprintf(why->message_en, sizeof(why->message_en),
				 "comes from the credit bank %s, whose outcomes this rule does not recognise", o->node_id);
		}
		return false;
	}
	if (o->kind != c->kind) {
		if (why) {
			why->code = "kind";
			snprintf(why->message, sizeof(why->message), "类别不是%s", outcome_kind_labels_zh[c->kind]);
			snprintf(why->message_en, sizeof(why->message_en), "is not of kind %s", outcome_kind_labels_en[c->kind]);
		}
		return false;
	}
	if (c->code && !code_matches(c->code, o->code)) {
		if (why) {
			why->code = "code";
			snprintf(why->message, sizeof(why->message), "代码 %s 不符合 %s", o->code ? o->code : "（无）", c->code);
			snprintf(why->message_en, sizeof(why->message_en), "code %s does not match %s",
				 o->code ? o->code : "(none)", c->code);
		}
		return false;
	}
	if (c->min_level >= 0 && o->level < c->min_level) {
		if (why) {
			why->code = "level";
			snprintf(why->message, sizeof(why->message), "等级 %lld 低于框架等级 %lld", (long long)o->level,
				 (long long)c->min_level);
			snprintf(why->message_en, sizeof(why->message_en), "framework level %lld is below %lld",
				 (long long)o->level, (long long)c->min_level);
		}
		return false;
	}
	if (!result_meets(c, o, why))
		return false;
	if (c->min_hours_milli >= 0 && o->hours_milli < c->min_hours_milli) {
		if (why) {
			why->code = "hours";
			snprintf(why->message, sizeof(why->message), "学时 %lld 少于 %lld", (long long)(o->hours_milli / 1000),
				 (long long)(c->min_hours_milli / 1000));
			snprintf(why->message_en, sizeof(why->message_en), "%lld hours are fewer than %lld",
				 (long long)(o->hours_milli / 1000), (long long)(c->min_hours_milli / 1000));
		}
		return false;
	}
	if (c->within_years > 0 && (awarded < 0 || awarded < within_limit(as_of_days, c->within_years))) {
		if (why) {
			why->code = "age";
			snprintf(why->message, sizeof(why->message), "获得于 %s，超过 %d 年", o->awarded_on ? o->awarded_on : "?",
				 c->within_years);
			snprintf(why->message_en, sizeof(why->message_en), "awarded on %s, more than %d years ago",
				 o->awarded_on ? o->awarded_on : "?", c->within_years);
		}
		return false;
	}
	return true;
}

bool rule_condition_meets(const struct rule_condition *c, const struct audit_outcome *o, int32_t as_of_days,
			  struct condition_miss *why)
{
	int64_t awarded;
	if (!o->awarded_on || !clock_parse_date(o->awarded_on, &awarded))
		awarded = -1;
	return meets(c, o, awarded, as_of_days, why);
}

/* ---- The search ---- */

/* One possible use: a course passed directly by one outcome, or one application of a rule. */
struct use {
	int rule;                       /* index into rules; -1: a course passed directly */
	int course;                     /* direct: the course */
	int copy;                       /* the how-manieth application of its rule */
	int first_slot, n_slots;        /* into slots: one per outcome it needs */
};

/* An outcome a use needs: any one of candidates. */
struct slot {
	const int *candidates;          /* outcome indices */
	int n_candidates;
};

struct score {
	int64_t required;               /* required courses satisfied */
	int64_t elective_milli;         /* elective credits, up to each group's minimum */
	int64_t total_milli;
	int64_t transfer_milli;         /* less is better */
};

struct search {
	const struct audit_input *in;
	int32_t as_of_days;
	struct use *uses;
	int n_uses;
	struct slot *slots;
	int n_slots;
	/* The state along the current branch. */
	bool *is_taken;                 /* per use */
	bool *is_fixed;                 /* per use: taken before the search (it competes with nothing) */
	int *course_by;                 /* per course: use satisfying it, -1, or -2 (approved transfer) */
	int *slot_outcome;              /* per slot of a taken use */
	int *outcome_slot;              /* per outcome: slot using it, -1, or -2 (an approved transfer's) */
	bool *is_visited;               /* per outcome, for one augmenting search */
	int64_t *group_milli;           /* per group: credits earned */
	int64_t *awarded;               /* per outcome: the day it was awarded, -1 if not a date */
	int *of_kind[KIND_COUNT];       /* outcome indices by kind, in input order */
	bool *is_related;               /* per rule: the person has an outcome of a condition's kind and code */
	bool *is_named;                 /* per outcome: the report names it */
	int n_of_kind[KIND_COUNT];
	int64_t transfer_milli, transfer_max_milli;
	/* The best found. */
	struct score best;
	bool *best_taken;
	bool is_best_set;
	long nodes;
	bool is_truncated;
};

static int cmp_score(const struct score *a, const struct score *b)
{
	if (a->required != b->required)
		return a->required < b->required ? -1 : 1;
	if (a->elective_milli != b->elective_milli)
		return a->elective_milli < b->elective_milli ? -1 : 1;
	if (a->total_milli != b->total_milli)
		return a->total_milli < b->total_milli ? -1 : 1;
	if (a->transfer_milli != b->transfer_milli)
		return a->transfer_milli > b->transfer_milli ? -1 : 1;
	return 0;
}

static struct score score_now(const struct search *s)
{
	const struct programme_plan *p = s->in->plan;
	struct score sc = { .transfer_milli = s->transfer_milli };
	for (int c = 0; c < p->n_courses; c++)
		if (s->course_by[c] != -1 && !p->groups[p->courses[c].group].is_elective)
			sc.required++;
	for (int g = 0; g < p->n_groups; g++) {
		sc.total_milli += s->group_milli[g];
		if (p->groups[g].is_elective)
			sc.elective_milli += s->group_milli[g] < p->groups[g].min_credits_milli ? s->group_milli[g]
												 : p->groups[g].min_credits_milli;
	}
	return sc;
}

/* Kuhn's augmenting path from slot k: finds it an outcome, moving others along if need be. */
static bool augment(struct search *s, int k)
{
	const struct slot *sl = &s->slots[k];
	for (int i = 0; i < sl->n_candidates; i++) {
		int o = sl->candidates[i];
		if (s->is_visited[o] || s->outcome_slot[o] == -2)
			continue;
		s->is_visited[o] = true;
		if (s->outcome_slot[o] < 0 || augment(s, s->outcome_slot[o])) {
			s->outcome_slot[o] = k;
			s->slot_outcome[k] = o;
			return true;
		}
	}
	return false;
}

/* What use u would add on top of the current branch: the courses it would newly satisfy. */
static bool use_adds(const struct search *s, const struct use *u)
{
	if (u->rule < 0)
		return s->course_by[u->course] == -1;
	const struct transfer_rule *r = &s->in->rules[u->rule];
	for (int g = 0; g < r->n_grants; g++) {
		if (r->grants[g].group_code)
			return true;
		int c = r->grants[g].course;
		if (c >= 0 && s->course_by[c] == -1)
			return true;
	}
	return false;
}

/* What use_take changed, to undo it. */
struct undo {
	int *outcome_slot, *slot_outcome;
	int courses[RULE_GRANTS_MAX];
	int n_courses;
	int64_t transfer_milli;
};

/* The credit use u would give by transfer on top of the current branch: the courses it would
 * newly satisfy and its group credits; 0 for a course passed directly. */
static int64_t use_transfer_milli(const struct search *s, const struct use *u)
{
	if (u->rule < 0)
		return 0;
	const struct programme_plan *p = s->in->plan;
	const struct transfer_rule *r = &s->in->rules[u->rule];
	int64_t milli = 0;
	for (int g = 0; g < r->n_grants; g++) {
		if (r->grants[g].group_code) {
			milli += r->grants[g].credits_milli;
			continue;
		}
		int c = r->grants[g].course;
		if (c >= 0 && s->course_by[c] == -1)
			milli += p->courses[c].credits_milli;
	}
	return milli;
}

/* Takes use ui on the current branch: its outcomes matched, its courses and credits counted.
 * False (and nothing changed) when its outcomes cannot all be found or transfer would pass the
 * plan's share; saved receives what undoes it. */
static bool use_take(struct search *s, int ui, struct undo *saved)
{
	const struct use *u = &s->uses[ui];
	const struct programme_plan *p = s->in->plan;
	int n_outcomes = s->in->n_outcomes;
	int64_t transfer = use_transfer_milli(s, u);
	if (s->transfer_milli + transfer > s->transfer_max_milli)
		return false;
	memcpy(saved->outcome_slot, s->outcome_slot, sizeof(int) * (size_t)n_outcomes);
	memcpy(saved->slot_outcome, s->slot_outcome, sizeof(int) * (size_t)s->n_slots);
	for (int k = u->first_slot; k < u->first_slot + u->n_slots; k++) {
		memset(s->is_visited, 0, sizeof(bool) * (size_t)n_outcomes);
		if (!augment(s, k)) {
			memcpy(s->outcome_slot, saved->outcome_slot, sizeof(int) * (size_t)n_outcomes);
			memcpy(s->slot_outcome, saved->slot_outcome, sizeof(int) * (size_t)s->n_slots);
			return false;
		}
	}
	saved->n_courses = 0;
	saved->transfer_milli = transfer;
	if (u->rule < 0) {
		s->course_by[u->course] = ui;
		saved->courses[saved->n_courses++] = u->course;
		s->group_milli[p->courses[u->course].group] += p->courses[u->course].credits_milli;
	} else {
		const struct transfer_rule *r = &s->in->rules[u->rule];
		for (int g = 0; g < r->n_grants; g++) {
			if (r->grants[g].group_code) {
				s->group_milli[r->grants[g].group] += r->grants[g].credits_milli;
				continue;
			}
			int c = r->grants[g].course;
			if (c >= 0 && s->course_by[c] == -1) {
				s->course_by[c] = ui;
				saved->courses[saved->n_courses++] = c;
				s->group_milli[p->courses[c].group] += p->courses[c].credits_milli;
			}
		}
	}
	s->transfer_milli += transfer;
	s->is_taken[ui] = true;
	return true;
}

static void use_undo(struct search *s, int ui, const struct undo *saved)
{
	const struct use *u = &s->uses[ui];
	const struct programme_plan *p = s->in->plan;
	memcpy(s->outcome_slot, saved->outcome_slot, sizeof(int) * (size_t)s->in->n_outcomes);
	memcpy(s->slot_outcome, saved->slot_outcome, sizeof(int) * (size_t)s->n_slots);
	for (int i = 0; i < saved->n_courses; i++) {
		int c = saved->courses[i];
		s->course_by[c] = -1;
		s->group_milli[p->courses[c].group] -= p->courses[c].credits_milli;
	}
	if (u->rule >= 0) {
		const struct transfer_rule *r = &s->in->rules[u->rule];
		for (int g = 0; g < r->n_grants; g++)
			if (r->grants[g].group_code)
				s->group_milli[r->grants[g].group] -= r->grants[g].credits_milli;
	}
	s->transfer_milli -= saved->transfer_milli;
	s->is_taken[ui] = false;
}

/* An upper bound of what the uses from i on could still add to the current branch. */
static struct score bound_from(const struct search *s, int i, const struct score *now)
{
	const struct programme_plan *p = s->in->plan;
	struct score ub = *now;
	ub.transfer_milli = s->transfer_milli;
	/* Each course counted once even when several uses grant it. */
	bool seen[PLAN_COURSES_MAX] = { false };
	int64_t group_more[PLAN_GROUPS_MAX] = { 0 };
	for (int k = i; k < s->n_uses; k++) {
		const struct use *u = &s->uses[k];
		if (u->rule < 0) {
			if (s->course_by[u->course] == -1 && !seen[u->course]) {
				seen[u->course] = true;
				group_more[p->courses[u->course].group] += p->courses[u->course].credits_milli;
			}
			continue;
		}
		const struct transfer_rule *r = &s->in->rules[u->rule];
		for (int g = 0; g < r->n_grants; g++) {
			if (r->grants[g].group_code) {
				group_more[r->grants[g].group] += r->grants[g].credits_milli;
				continue;
			}
			int c = r->grants[g].course;
			if (c >= 0 && s->course_by[c] == -1 && !seen[c]) {
				seen[c] = true;
				group_more[p->courses[c].group] += p->courses[c].credits_milli;
			}
		}
	}
	for (int c = 0; c < p->n_courses; c++)
		if (seen[c] && !p->groups[p->courses[c].group].is_elective)
			ub.required++;
	for (int g = 0; g < p->n_groups; g++) {
		ub.total_milli += group_more[g];
		if (p->groups[g].is_elective) {
			int64_t had = s->group_milli[g] < p->groups[g].min_credits_milli ? s->group_milli[g]
											: p->groups[g].min_credits_milli;
			int64_t could = s->group_milli[g] + group_more[g];
			if (could > p->groups[g].min_credits_milli)
				could = p->groups[g].min_credits_milli;
			ub.elective_milli += could - had;
		}
	}
	/* Transfer can only be added to, so the current amount bounds it from the better side. */
	return ub;
}

static void search_from(struct search *s, int i, struct undo *undo_stack)
{
	if (++s->nodes > AUDIT_SEARCH_NODES_MAX) {
		s->is_truncated = true;
		return;
	}
	struct score now = score_now(s);
	if (!s->is_best_set || cmp_score(&now, &s->best) > 0) {
		s->best = now;
		s->is_best_set = true;
		memcpy(s->best_taken, s->is_taken, sizeof(bool) * (size_t)s->n_uses);
	}
	if (i >= s->n_uses)
		return;
	struct score ub = bound_from(s, i, &now);
	if (cmp_score(&ub, &s->best) <= 0)
		return;
	if (s->is_fixed[i]) {
		search_from(s, i + 1, undo_stack);
		return;
	}
	const struct use *u = &s->uses[i];
	/* A further application of a rule only after the one before it (they are alike). */
	bool may_take = use_adds(s, u) && (u->copy == 0 || s->is_taken[i - 1]);
	if (may_take && use_take(s, i, &undo_stack[i])) {
		search_from(s, i + 1, undo_stack);
		use_undo(s, i, &undo_stack[i]);
		if (s->is_truncated)
			return;
	}
	search_from(s, i + 1, undo_stack);
}

/* ---- Building the search ---- */

/* Whether o passes the course it carries the code of: no result, a pass, a passing grade, or a
 * score of at least 60. */
static bool is_passed(const struct audit_outcome *o)
{
	static const struct rule_condition pass = { .min_result_kind = MIN_RESULT_PASS };
	return o->result_kind == RESULT_NONE || result_meets(&pass, o, NULL);
}

static bool rule_in_effect(const struct transfer_rule *r, int32_t day)
{
	return r->from_days <= day && day <= r->to_days;
}

/* The outcomes meeting condition c, into a fresh arena array; their count in *ret_n. */
static int *condition_candidates(struct search *s, struct arena *a, const struct rule_condition *c, int *ret_n)
{
	int *out = arena_alloc(a, sizeof(int) * (size_t)(s->n_of_kind[c->kind] ? s->n_of_kind[c->kind] : 1));
	int n = 0;
	for (int i = 0; out && i < s->n_of_kind[c->kind]; i++) {
		int o = s->of_kind[c->kind][i];
		if (meets(c, &s->in->outcomes[o], s->awarded[o], s->as_of_days, NULL))
			out[n++] = o;
	}
	*ret_n = n;
	return out;
}

static bool rule_grants_course_only(const struct transfer_rule *r)
{
	for (int g = 0; g < r->n_grants; g++)
		if (r->grants[g].group_code)
			return false;
	return true;
}

/* Whether the person has an outcome of the kind and code of one of the rule's conditions. */
static bool rule_is_related(const struct transfer_rule *rule, const struct search *s)
{
	for (int k = 0; k < rule->n_conditions; k++) {
		const struct rule_condition *c = &rule->conditions[k];
		for (int i = 0; i < s->n_of_kind[c->kind]; i++)
			if (!c->code || code_matches(c->code, s->in->outcomes[s->of_kind[c->kind][i]].code))
				return true;
	}
	return false;
}

/* Adds the uses: every course passed directly by an outcome, then each rule in effect whose
 * conditions have enough outcomes (a rule granting group credit alone, as often as its outcomes
 * allow). Returns false when out of memory. */
static bool uses_build(struct search *s, struct arena *a)
{
	const struct audit_input *in = s->in;
	const struct programme_plan *p = in->plan;
	int cap_uses = 64, cap_slots = 256;
	s->uses = arena_alloc(a, sizeof(*s->uses) * (size_t)cap_uses);
	s->slots = arena_alloc(a, sizeof(*s->slots) * (size_t)cap_slots);
	if (!s->uses || !s->slots)
		return false;
#define ROOM(arr, n, cap, more)                                                                    \
	do {                                                                                       \
		if ((n) + (more) > (cap)) {                                                        \
			int cap2_ = 2 * ((n) + (more));                                            \
			void *p_ = arena_alloc(a, sizeof(*(arr)) * (size_t)cap2_);                  \
			if (!p_)                                                                   \
				return false;                                                      \
			memcpy(p_, (arr), sizeof(*(arr)) * (size_t)(n));                           \
			(arr) = p_;                                                                \
			(cap) = cap2_;                                                             \
		}                                                                                  \
	} while (0)
	for (int c = 0; c < p->n_courses; c++) {
		if (s->course_by[c] != -1)
			continue;
		for (int i = 0; i < s->n_of_kind[KIND_ACADEMIC_CREDIT]; i++) {
			int o = s->of_kind[KIND_ACADEMIC_CREDIT][i];
			const struct audit_outcome *x = &in->outcomes[o];
			/* An outcome held by another credit bank passes a course only through a rule. */
			if (x->node_id || !x->code || strcmp(x->code, p->courses[c].code) != 0 ||
			    !is_passed(x) || s->outcome_slot[o] == -2)
				continue;
			ROOM(s->uses, s->n_uses, cap_uses, 1);
			ROOM(s->slots, s->n_slots, cap_slots, 1);
			int *one = arena_alloc(a, sizeof(int));
			if (!one)
				return false;
			*one = o;
			s->slots[s->n_slots] = (struct slot){ one, 1 };
			s->uses[s->n_uses++] = (struct use){ .rule = -1, .course = c, .first_slot = s->n_slots++, .n_slots = 1 };
		}
	}
	for (int r = 0; r < in->n_rules; r++) {
		const struct transfer_rule *rule = &in->rules[r];
		/* A rule no outcome is near cannot apply: the rest need not be weighed. */
		s->is_related[r] = rule_is_related(rule, s);
		if (!s->is_related[r] || !rule_in_effect(rule, s->as_of_days))
			continue;
		int *cands[RULE_CONDITIONS_MAX], n_cands[RULE_CONDITIONS_MAX];
		int times = rule_grants_course_only(rule) ? 1 : RULE_REPEAT_MAX;
		for (int k = 0; k < rule->n_conditions; k++) {
			if (!(cands[k] = condition_candidates(s, a, &rule->conditions[k], &n_cands[k])))
				return false;
			int free = 0;
			for (int i = 0; i < n_cands[k]; i++)
				free += s->outcome_slot[cands[k][i]] != -2;
			if (free / rule->conditions[k].count < times)
				times = free / rule->conditions[k].count;
		}
		for (int copy = 0; copy < times; copy++) {
			int need = 0;
			for (int k = 0; k < rule->n_conditions; k++)
				need += rule->conditions[k].count;
			ROOM(s->uses, s->n_uses, cap_uses, 1);
			ROOM(s->slots, s->n_slots, cap_slots, need);
			struct use *u = &s->uses[s->n_uses++];
			*u = (struct use){ .rule = r, .course = -1, .copy = copy, .first_slot = s->n_slots, .n_slots = need };
			for (int k = 0; k < rule->n_conditions; k++)
				for (int j = 0; j < rule->conditions[k].count; j++)
					s->slots[s->n_slots++] = (struct slot){ cands[k], n_cands[k] };
		}
	}
#undef ROOM
	return true;
}

/* Takes, before the search, every course passed directly whose outcome no other use could
 * take and whose course no other use could satisfy: taking it is best in every assignment, so
 * the search need not weigh it. Returns false when out of memory. */
static bool uses_fix_independent(struct search *s, struct arena *a, struct undo *undo)
{
	const struct programme_plan *p = s->in->plan;
	int *outcome_refs = arena_alloc(a, sizeof(int) * (size_t)(s->in->n_outcomes ? s->in->n_outcomes : 1));
	int *course_refs = arena_alloc(a, sizeof(int) * (size_t)(p->n_courses ? p->n_courses : 1));
	if (!outcome_refs || !course_refs)
		return false;
	for (int k = 0; k < s->n_slots; k++)
		for (int i = 0; i < s->slots[k].n_candidates; i++)
			outcome_refs[s->slots[k].candidates[i]]++;
	for (int i = 0; i < s->n_uses; i++) {
		const struct use *u = &s->uses[i];
		if (u->rule < 0) {
			course_refs[u->course]++;
			continue;
		}
		const struct transfer_rule *r = &s->in->rules[u->rule];
		for (int g = 0; g < r->n_grants; g++)
			if (r->grants[g].course >= 0)
				course_refs[r->grants[g].course]++;
	}
	for (int i = 0; i < s->n_uses; i++) {
		const struct use *u = &s->uses[i];
		if (u->rule >= 0 || course_refs[u->course] != 1 || outcome_refs[s->slots[u->first_slot].candidates[0]] != 1)
			continue;
		bool is_taken = use_take(s, i, &undo[i]);
		LL_BUG(!is_taken);
		s->is_fixed[i] = true;
	}
	return true;
}

/* ---- The report ---- */

/* Object building without json_pack's format parsing: an audit builds many small objects. */
static void put_s(json_t *o, const char *key, const char *v)
{
	json_object_set_new_nocheck(o, key, v ? json_string_nocheck(v) : json_null());
}

static void put_i(json_t *o, const char *key, int64_t v)
{
	json_object_set_new_nocheck(o, key, json_integer(v));
}

static void put_b(json_t *o, const char *key, bool v)
{
	json_object_set_new_nocheck(o, key, json_boolean(v));
}

static json_t *ids_of_use(const struct search *s, const struct use *u)
{
	json_t *ids = json_array();
	for (int k = u->first_slot; k < u->first_slot + u->n_slots; k++) {
		s->is_named[s->slot_outcome[k]] = true;
		json_array_append_new(ids, json_string(s->in->outcomes[s->slot_outcome[k]].id));
	}
	return ids;
}

/* The outcomes the report names, each in short, so that a reader need not look them up. */
static json_t *named_outcomes(const struct search *s)
{
	json_t *o = json_object();
	for (int i = 0; i < s->in->n_outcomes; i++) {
		if (!s->is_named[i])
			continue;
		const struct audit_outcome *x = &s->in->outcomes[i];
		json_t *one = json_object();
		put_s(one, "kind", outcome_kinds[x->kind]);
		json_object_set_new_nocheck(one, "title", json_string(x->title ? x->title : ""));
		put_s(one, "code", x->code);
		put_s(one, "result", x->result);
		put_s(one, "awarded_on", x->awarded_on);
		if (x->node_id)   /* imported from a peer: which one */
			put_s(one, "node_id", x->node_id);
		json_object_set_new(o, x->id, one);
	}
	return o;
}

static json_t *rule_ref(const struct transfer_rule *r)
{
	json_t *o = json_object();
	put_s(o, "id", r->id ? r->id : "");
	put_i(o, "version", r->version);
	return o;
}

static json_t *reason(const char *code, const char *message, const char *message_en, const char *outcome_id)
{
	json_t *o = json_object();
	put_s(o, "code", code);
	/* Checked: a message cut at its buffer's end could end inside a character. */
	json_object_set_new_nocheck(o, "message", json_string(message));
	json_object_set_new_nocheck(o, "message_en", json_string(message_en));
	if (outcome_id)
		json_object_set_new(o, "outcome_id", json_string(outcome_id));
	return o;
}

/* Why rule r applied nowhere: its dates, the outcomes its conditions miss and why, or what its
 * outcomes serve instead. */
static json_t *rule_reasons(struct search *s, int r, struct undo *scratch)
{
	const struct audit_input *in = s->in;
	const struct transfer_rule *rule = &in->rules[r];
	json_t *reasons = json_array();
	char msg[256], msg_en[256];
	if (!rule_in_effect(rule, s->as_of_days)) {
		snprintf(msg, sizeof(msg), "规则有效期为 %s 至 %s", rule->effective_from,
			 rule->effective_to ? rule->effective_to : "长期");
		snprintf(msg_en, sizeof(msg_en), "the rule is in effect from %s to %s", rule->effective_from,
			 rule->effective_to ? rule->effective_to : "no end date");
		json_array_append_new(reasons, reason("not_in_effect", msg, msg_en, NULL));
		return reasons;
	}
	bool is_met = true;
	for (int k = 0; k < rule->n_conditions; k++) {
		const struct rule_condition *c = &rule->conditions[k];
		int met = 0, near = 0, transferred = 0;
		for (int i = 0; i < s->n_of_kind[c->kind]; i++) {
			int o = s->of_kind[c->kind][i];
			const struct audit_outcome *x = &in->outcomes[o];
			struct condition_miss why;
			if (meets(c, x, s->awarded[o], s->as_of_days, &why)) {
				if (s->outcome_slot[o] == -2)
					transferred++;
				else
					met++;
				continue;
			}
			/* Outcomes of the kind and code that fall short are named with the reason, where
			 * the condition asks for one outcome (for a count, the count says enough). */
			if (x->kind == c->kind && (!c->code || code_matches(c->code, x->code)) && near++ < 3 &&
			    c->count == 1) {
				s->is_named[o] = true;
				json_array_append_new(reasons, reason(why.code, why.message, why.message_en, x->id));
			}
		}
		if (met < c->count) {
			is_met = false;
			const char *code = c->code ? c->code : "";
			if (transferred > 0) {
				snprintf(msg, sizeof(msg), "符合条件的成果中有 %d 项已用于已申请或已批准的转换（每项成果在一个计划中只计一次）",
					 transferred);
				snprintf(msg_en, sizeof(msg_en),
					 "%d qualifying outcomes count for transfers applied for or approved (an outcome counts once "
					 "in a programme)",
					 transferred);
				json_array_append_new(reasons, reason("outcome_used", msg, msg_en, NULL));
			}
			if (met == 0 && near == 0 && transferred == 0) {
				snprintf(msg, sizeof(msg), "没有%s类%s%s的学习成果", outcome_kind_labels_zh[c->kind],
					 *code ? "、代码 " : "", code);
				snprintf(msg_en, sizeof(msg_en), "no outcome of kind %s%s%s", outcome_kind_labels_en[c->kind],
					 *code ? " with code " : "", code);
				json_array_append_new(reasons, reason("no_outcome", msg, msg_en, NULL));
			} else if (transferred == 0 || met > 0) {
				snprintf(msg, sizeof(msg), "需要 %d 项符合条件的%s成果，现有 %d 项", c->count,
					 outcome_kind_labels_zh[c->kind], met);
				snprintf(msg_en, sizeof(msg_en), "needs %d qualifying outcomes of kind %s, has %d", c->count,
					 outcome_kind_labels_en[c->kind], met);
				json_array_append_new(reasons, reason("not_enough", msg, msg_en, NULL));
			}
		}
	}
	if (!is_met)
		return reasons;
	/* Its conditions hold: the assignment found a better use for what it needs. */
	int ui = -1;
	for (int i = 0; i < s->n_uses && ui < 0; i++)
		if (s->uses[i].rule == r && !s->is_taken[i])
			ui = i;
	if (ui < 0 || !use_adds(s, &s->uses[ui])) {
		json_array_append_new(reasons, reason("already_satisfied", "规则授予的课程已由其他成果满足",
						      "the courses it grants are satisfied otherwise", NULL));
	} else if (s->transfer_milli + use_transfer_milli(s, &s->uses[ui]) > s->transfer_max_milli) {
		snprintf(msg, sizeof(msg), "转换学分将超过计划允许的 %d.%d%%", in->plan->transfer_max_permille / 10,
			 in->plan->transfer_max_permille % 10);
		snprintf(msg_en, sizeof(msg_en), "transfer would pass the plan's share of %d.%d%%",
			 in->plan->transfer_max_permille / 10, in->plan->transfer_max_permille % 10);
		json_array_append_new(reasons, reason("transfer_share", msg, msg_en, NULL));
	} else if (!use_take(s, ui, scratch)) {
		json_array_append_new(reasons, reason("outcome_used", "所需成果已用于其他要求（每项成果在一个计划中只计一次）",
						      "the outcomes it needs count toward other requirements (an outcome counts once in a programme)",
						      NULL));
	} else {
		use_undo(s, ui, scratch);
		json_array_append_new(reasons, reason("not_needed", "不需要此规则即可得到同样的结果",
						      "the audit reaches the same result without it", NULL));
	}
	return reasons;
}

static const char *course_status(const struct search *s, int c)
{
	int by = s->course_by[c];
	if (by == -2)
		return "transferred";
	if (by == -1)
		return "missing";
	return s->uses[by].rule < 0 ? "completed" : "available";
}

enum ll_err transfer_audit(const struct audit_input *in, json_t **ret_report)
{
	const struct programme_plan *p = in->plan;
	if (in->n_outcomes > AUDIT_OUTCOMES_MAX || in->n_transfers > AUDIT_TRANSFERS_MAX || in->n_rules > AUDIT_RULES_MAX)
		return ll_fail(LL_AUDIT_TOO_LARGE, NULL, "an audit takes at most %d outcomes, %d transfers and %d rules",
			       AUDIT_OUTCOMES_MAX, AUDIT_TRANSFERS_MAX, AUDIT_RULES_MAX);
	int64_t as_of;
	if (!in->as_of || !clock_parse_date(in->as_of, &as_of))
		return ll_fail(LL_INVALID_DATE, "as_of", "a date is YYYY-MM-DD");
	/* Working memory: the caller's, when it audits many (its chunks are reused), else our own. */
	struct arena own, *scratch = in->scratch;
	if (!scratch) {
		arena_init(&own, 0);
		scratch = &own;
	}
	enum ll_err err = LL_NOMEM;
	json_t *report = NULL;
	struct search s = { .in = in, .as_of_days = (int32_t)as_of };
	int n_o = in->n_outcomes ? in->n_outcomes : 1;
	s.course_by = arena_alloc(scratch, sizeof(int) * (size_t)(p->n_courses ? p->n_courses : 1));
	s.outcome_slot = arena_alloc(scratch, sizeof(int) * (size_t)n_o);
	s.is_visited = arena_alloc(scratch, sizeof(bool) * (size_t)n_o);
	s.group_milli = arena_alloc(scratch, sizeof(int64_t) * PLAN_GROUPS_MAX);
	int *transfer_of_course = arena_alloc(scratch, sizeof(int) * (size_t)(p->n_courses ? p->n_courses : 1));
	const char **unused_reason = arena_alloc(scratch, sizeof(char *) * (size_t)(in->n_transfers ? in->n_transfers : 1));
	int *consumed_by = arena_alloc(scratch, sizeof(int) * (size_t)n_o);
	if (!s.course_by || !s.outcome_slot || !s.is_visited || !s.group_milli || !transfer_of_course || !unused_reason ||
	    !consumed_by)
		goto out;
	for (int c = 0; c < p->n_courses; c++)
		s.course_by[c] = transfer_of_course[c] = -1;
	int64_t fixed_group_milli[PLAN_GROUPS_MAX] = { 0 }, applied_group[PLAN_GROUPS_MAX] = { 0 };
	int64_t fixed_transfer_milli = 0, applied_transfer_milli = 0;
	s.awarded = arena_alloc(scratch, sizeof(int64_t) * (size_t)n_o);
	s.is_named = arena_alloc(scratch, sizeof(bool) * (size_t)n_o);
	if (!s.awarded || !s.is_named)
		goto out;
	for (int k = 0; k < KIND_COUNT; k++)
		if (!(s.of_kind[k] = arena_alloc(scratch, sizeof(int) * (size_t)n_o)))
			goto out;
	for (int o = 0; o < in->n_outcomes; o++) {
		s.of_kind[in->outcomes[o].kind][s.n_of_kind[in->outcomes[o].kind]++] = o;
		s.outcome_slot[o] = -1;
		if (!in->outcomes[o].awarded_on || !clock_parse_date(in->outcomes[o].awarded_on, &s.awarded[o]))
			s.awarded[o] = -1;
	}
	s.transfer_max_milli = p->total_credits_milli * p->transfer_max_permille / 1000;

	/* Approved transfers count as they were decided, each outcome once. */
	for (int t = 0; t < in->n_transfers; t++) {
		const struct audit_transfer *x = &in->transfers[t];
		int c = x->course_code ? plan_course_find(p, x->course_code) : -1;
		int g = x->group_code ? plan_group_find(p, x->group_code) : -1;
		int src[RULE_CONDITIONS_MAX * RULE_COUNT_MAX];
		int n_src = 0;
		if (c < 0 && g < 0) {
			unused_reason[t] = "the plan no longer has what it granted";
			continue;
		}
		if (c >= 0 && s.course_by[c] != -1) {
			unused_reason[t] = "the course is already granted by another transfer";
			continue;
		}
		for (int k = 0; k < x->n_sources && !unused_reason[t]; k++) {
			int found = -1;
			for (int o = 0; o < in->n_outcomes && found < 0; o++)
				if (strcmp(in->outcomes[o].id, x->source_ids[k]) == 0)
					found = o;
			if (found < 0)
				unused_reason[t] = "an outcome it used is no longer current (revoked)";
			else if (s.outcome_slot[found] == -2 && strcmp(in->transfers[consumed_by[found]].id, x->id) != 0)
				unused_reason[t] = "an outcome it used counts for another transfer";
			else if (n_src < (int)(sizeof(src) / sizeof(src[0])))
				src[n_src++] = found;
		}
		if (unused_reason[t])
			continue;
		for (int k = 0; k < n_src; k++) {
			s.outcome_slot[src[k]] = -2;
			consumed_by[src[k]] = t;
			s.is_named[src[k]] = true;
		}
		int64_t milli = c >= 0 ? p->courses[c].credits_milli : x->credits_milli;
		int gi = c >= 0 ? p->courses[c].group : g;
		if (c >= 0) {
			s.course_by[c] = -2;
			transfer_of_course[c] = t;
		}
		s.group_milli[gi] += milli;
		s.transfer_milli += milli;
		/* Decided transfers are earned; those awaiting a decision are counted apart. */
		if (x->is_pending) {
			applied_group[gi] += milli;
			applied_transfer_milli += milli;
		} else {
			fixed_group_milli[gi] += milli;
			fixed_transfer_milli += milli;
		}
	}
	if (s.transfer_max_milli < s.transfer_milli)
		s.transfer_max_milli = s.transfer_milli; /* decided before the share changed: they stand */

	if (!(s.is_related = arena_alloc(scratch, sizeof(bool) * (size_t)(in->n_rules ? in->n_rules : 1))) ||
	    !uses_build(&s, scratch))
		goto out;
	int n_u = s.n_uses ? s.n_uses : 1, n_s = s.n_slots ? s.n_slots : 1;
	s.is_taken = arena_alloc(scratch, sizeof(bool) * (size_t)n_u);
	s.best_taken = arena_alloc(scratch, sizeof(bool) * (size_t)n_u);
	s.is_fixed = arena_alloc(scratch, sizeof(bool) * (size_t)n_u);
	s.slot_outcome = arena_alloc(scratch, sizeof(int) * (size_t)n_s);
	struct undo *undo = arena_alloc(scratch, sizeof(*undo) * (size_t)(n_u + 1));
	if (!s.is_taken || !s.best_taken || !s.is_fixed || !s.slot_outcome || !undo)
		goto out;
	for (int i = 0; i <= s.n_uses; i++) {
		undo[i].outcome_slot = arena_alloc(scratch, sizeof(int) * (size_t)n_o);
		undo[i].slot_outcome = arena_alloc(scratch, sizeof(int) * (size_t)n_s);
		if (!undo[i].outcome_slot || !undo[i].slot_outcome)
			goto out;
	}
	for (int k = 0; k < s.n_slots; k++)
		s.slot_outcome[k] = -1;
	if (!uses_fix_independent(&s, scratch, undo))
		goto out;
	search_from(&s, 0, undo);
	if (s.is_truncated)
		log_warn("transfer", "audit search stopped after %d nodes; the best assignment found is reported",
			 AUDIT_SEARCH_NODES_MAX);

	/* Replays the best assignment in the order the search took it, which gives the same matching. */
	for (int i = 0; i < s.n_uses; i++) {
		if (!s.best_taken[i] || s.is_fixed[i])
			continue;
		bool is_taken_again = use_take(&s, i, &undo[i]);
		LL_BUG(!is_taken_again);
	}

	report = json_object();
	json_t *courses = json_array(), *groups = json_array(), *group_credits = json_array(), *rules = json_array(),
	       *unused = json_array();
	json_object_set_new(report, "courses", courses);
	json_object_set_new(report, "groups", groups);
	json_object_set_new(report, "group_credits", group_credits);
	json_object_set_new(report, "rules", rules);
	json_object_set_new(report, "unused_transfers", unused);

	int64_t earned_group[PLAN_GROUPS_MAX], available_group[PLAN_GROUPS_MAX];
	bool required_done[PLAN_GROUPS_MAX], required_with[PLAN_GROUPS_MAX];
	for (int g = 0; g < p->n_groups; g++) {
		earned_group[g] = fixed_group_milli[g];
		available_group[g] = 0;
		required_done[g] = required_with[g] = true;
	}
	/* fixed_group_milli holds the approved transfers' courses and group credits; completed
	 * courses add to earned, available ones to available. */
	int64_t transfer_available = 0;
	for (int c = 0; c < p->n_courses; c++) {
		const struct plan_course *pc = &p->courses[c];
		const char *status = course_status(&s, c);
		json_t *o = json_object();
		put_s(o, "code", pc->code);
		put_s(o, "name", pc->name);
		put_s(o, "name_en", pc->name_en);
		put_s(o, "group", p->groups[pc->group].code);
		put_i(o, "credits_milli", pc->credits_milli);
		put_b(o, "transfer_excluded", pc->is_transfer_excluded);
		put_s(o, "status", status);
		int by = s.course_by[c];
		if (by == -2) {
			const struct audit_transfer *x = &in->transfers[transfer_of_course[c]];
			if (x->is_pending)
				json_object_set_new(o, "status", json_string("pending"));
			json_t *ids = json_array();
			for (int k = 0; k < x->n_sources; k++)
				json_array_append_new(ids, json_string(x->source_ids[k]));
			json_object_set_new(o, "outcome_ids", ids);
			json_object_set_new(o, "transfer_id", json_string(x->id));
			json_object_set_new(o, "rule", json_pack("{s:s, s:i}", "id", x->rule_id ? x->rule_id : "", "version",
								 x->rule_version));
		} else if (by >= 0) {
			const struct use *u = &s.uses[by];
			json_object_set_new(o, "outcome_ids", ids_of_use(&s, u));
			if (u->rule >= 0) {
				json_object_set_new(o, "rule", rule_ref(&in->rules[u->rule]));
				available_group[pc->group] += pc->credits_milli;
				transfer_available += pc->credits_milli;
			} else {
				earned_group[pc->group] += pc->credits_milli;
			}
		}
		if (by == -1 || (by >= 0 && s.uses[by].rule >= 0) ||
		    (by == -2 && in->transfers[transfer_of_course[c]].is_pending))
			required_done[pc->group] = false;
		if (by == -1)
			required_with[pc->group] = false;
		json_array_append_new(courses, o);
	}
	for (int i = 0; i < s.n_uses; i++) {
		const struct use *u = &s.uses[i];
		if (!s.is_taken[i] || u->rule < 0)
			continue;
		const struct transfer_rule *r = &in->rules[u->rule];
		for (int g = 0; g < r->n_grants; g++) {
			if (!r->grants[g].group_code)
				continue;
			int gi = r->grants[g].group;
			available_group[gi] += r->grants[g].credits_milli;
			transfer_available += r->grants[g].credits_milli;
			json_array_append_new(group_credits,
					      json_pack("{s:s, s:I, s:s, s:o, s:o}", "group", r->grants[g].group_code,
							"credits_milli", (json_int_t)r->grants[g].credits_milli, "status",
							"available", "rule", rule_ref(r), "outcome_ids", ids_of_use(&s, u)));
		}
	}
	for (int t = 0; t < in->n_transfers; t++) {
		const struct audit_transfer *x = &in->transfers[t];
		if (unused_reason[t]) {
			json_array_append_new(unused, json_pack("{s:s, s:s}", "id", x->id, "reason", unused_reason[t]));
			continue;
		}
		if (x->course_code)
			continue;
		json_t *ids = json_array();
		for (int k = 0; k < x->n_sources; k++)
			json_array_append_new(ids, json_string(x->source_ids[k]));
		json_array_append_new(group_credits,
				      json_pack("{s:s, s:I, s:s, s:{s:s, s:i}, s:o, s:s}", "group", x->group_code,
						"credits_milli", (json_int_t)x->credits_milli, "status",
						x->is_pending ? "pending" : "transferred", "rule",
						"id", x->rule_id ? x->rule_id : "", "version", x->rule_version, "outcome_ids",
						ids, "transfer_id", x->id));
	}
	bool is_complete = true, is_complete_with = true;
	int64_t earned = 0, applied = 0, available = 0;
	for (int g = 0; g < p->n_groups; g++) {
		const struct plan_group *pg = &p->groups[g];
		bool met = pg->is_elective ? earned_group[g] >= pg->min_credits_milli : required_done[g];
		bool met_with = pg->is_elective
					? earned_group[g] + applied_group[g] + available_group[g] >= pg->min_credits_milli
					: required_with[g];
		is_complete = is_complete && met;
		is_complete_with = is_complete_with && met_with;
		earned += earned_group[g];
		applied += applied_group[g];
		available += available_group[g];
		json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:b, s:b}", "code", pg->code, "name", pg->name,
				      "elective", pg->is_elective, "earned_milli", (json_int_t)earned_group[g],
				      "pending_milli", (json_int_t)applied_group[g], "available_milli",
				      (json_int_t)available_group[g], "is_met", met, "is_met_with_transfers", met_with);
		json_set_str(o, "name_en", pg->name_en);
		if (pg->is_elective)
			json_object_set_new(o, "min_credits_milli", json_integer(pg->min_credits_milli));
		json_array_append_new(groups, o);
	}
	is_complete = is_complete && earned >= p->total_credits_milli;
	is_complete_with = is_complete_with && earned + applied + available >= p->total_credits_milli;
	/* The rules that could have applied: those with an outcome of a condition's kind and code.
	 * The others are only counted. */
	int64_t unrelated = 0;
	for (int r = 0; r < in->n_rules; r++) {
		const struct transfer_rule *rule = &in->rules[r];
		bool is_applied = false;
		for (int i = 0; i < s.n_uses && !is_applied; i++)
			is_applied = s.is_taken[i] && s.uses[i].rule == r;
		if (!is_applied && !s.is_related[r]) {
			unrelated++;
			continue;
		}
		json_t *o = json_object();
		put_s(o, "id", rule->id ? rule->id : "");
		put_i(o, "version", rule->version);
		put_s(o, "name", rule->name);
		put_s(o, "name_en", rule->name_en);
		put_b(o, "applied", is_applied);
		json_object_set_new(o, "reasons", is_applied ? json_array() : rule_reasons(&s, r, &undo[s.n_uses]));
		json_array_append_new(rules, o);
	}
	json_object_set_new(report, "rules_unrelated", json_integer(unrelated));
	json_object_set_new(report, "outcomes", named_outcomes(&s));
	json_object_set_new(report, "as_of", json_string(in->as_of));
	json_object_set_new(report, "is_complete", json_boolean(is_complete));
	json_object_set_new(report, "is_complete_with_transfers", json_boolean(is_complete_with));
	json_object_set_new(report, "is_search_truncated", json_boolean(s.is_truncated));
	json_object_set_new(report, "credits",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "total_required_milli",
				      (json_int_t)p->total_credits_milli, "earned_milli", (json_int_t)earned,
				      "pending_milli", (json_int_t)applied, "available_milli", (json_int_t)available,
				      "transfer_milli", (json_int_t)fixed_transfer_milli, "transfer_pending_milli",
				      (json_int_t)applied_transfer_milli, "transfer_available_milli",
				      (json_int_t)transfer_available, "transfer_max_milli",
				      (json_int_t)(p->total_credits_milli * p->transfer_max_permille / 1000)));
	err = LL_OK;
out:
	if (scratch == &own)
		arena_release(&own);
	if (err != LL_OK) {
		json_decref(report);
		return err;
	}
	*ret_report = report;
	return LL_OK;
}
