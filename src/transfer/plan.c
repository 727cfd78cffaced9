/*
 * Programme plans and conversion rules from and to JSON, and their checks: a plan's groups and
 * courses add up, a rule names only what its plan has and never a course the plan keeps from
 * transfer, two rules do not contradict each other. No I/O.
 */
#include <stdio.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/json.h"
#include "transfer.h"

/* ---- Field paths ---- */

/* Prefixes the field of the failure just recorded with "name[i]." so that it names the item. */
static enum ll_err in_item(enum ll_err err, const char *name, int i)
{
	const struct ll_error *e = ll_error_get(err);
	char field[LL_FIELD_MAX + 64], message[LL_MESSAGE_MAX];
	if (e->field[0])
		snprintf(field, sizeof(field), "%s[%d].%s", name, i, e->field);
	else
		snprintf(field, sizeof(field), "%s[%d]", name, i);
	snprintf(message, sizeof(message), "%s", e->message);
	return ll_fail(err, field, "%s", message);
}

/* The array at key of obj (absent: NULL when is_optional), of at most max items. */
static enum ll_err array_at(const json_t *obj, const char *key, size_t min, size_t max, json_t **ret)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (min == 0) {
			*ret = NULL;
			return LL_OK;
		}
		return ll_fail(LL_MISSING_FIELD, key, "%s is required", key);
	}
	if (!json_is_array(v))
		return ll_fail(LL_WRONG_TYPE, key, "%s must be an array", key);
	if (json_array_size(v) < min || json_array_size(v) > max)
		return ll_fail(LL_OUT_OF_RANGE, key, "%s must hold %zu to %zu items", key, min, max);
	*ret = v;
	return LL_OK;
}

/* json_decode of obj by spec, leaving out the keys in skip (NULL-terminated), which the caller
 * decodes by hand. */
static enum ll_err decode_except(const json_t *obj, const struct json_field *spec, void *base,
				 const char *const *skip)
{
	json_t *rest = json_object();
	const char *key;
	json_t *v;
	if (!rest)
		return LL_NOMEM;
	json_object_foreach((json_t *)obj, key, v)
		if (ledger_name_index(skip, key) < 0 && json_object_set(rest, key, v) != 0) {
			json_decref(rest);
			return LL_NOMEM;
		}
	enum ll_err err = json_decode(rest, spec, base);
	json_decref(rest);
	return err;
}

static bool is_code_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_' ||
	       c == '.' || c == '(' || c == ')';
}

enum ll_err transfer_code_check(const char *s, const char *field, bool is_pattern)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 40)
		return ll_fail(LL_INVALID_VALUE, field, "a code has 1 to 40 characters");
	for (size_t i = 0; i < n; i++)
		if (!is_code_char((unsigned char)s[i]) && !(is_pattern && s[i] == '*'))
			return ll_fail(LL_INVALID_VALUE, field, "a code holds letters, digits and - _ . ( )%s",
				       is_pattern ? " and * for any run of characters" : "");
	return LL_OK;
}

/* ---- Plans ---- */

struct plan_in {
	int64_t total_credits_milli;
	int64_t transfer_max_permille;
};
struct group_in {
	const char *code, *name, *name_en;
	bool is_elective;
	int64_t min_credits_milli;
};
static const struct json_field group_spec[] = {
	JSON_STR("code", struct group_in, code, .max_len = 40),
	JSON_STR("name", struct group_in, name, .max_len = 100),
	JSON_STR("name_en", struct group_in, name_en, .is_optional = true, .max_len = 100),
	JSON_BOOL("elective", struct group_in, is_elective, .is_optional = true),
	JSON_I64("min_credits_milli", struct group_in, min_credits_milli, .is_optional = true, .min = 0,
		 .max = OUTCOME_CREDITS_MILLI_MAX),
	JSON_END
};

struct course_in {
	const char *code, *name, *name_en, *group;
	int64_t credits_milli;
	bool is_transfer_excluded;
};
static const struct json_field course_spec[] = {
	JSON_STR("code", struct course_in, code, .max_len = 40),
	JSON_STR("name", struct course_in, name, .max_len = 100),
	JSON_STR("name_en", struct course_in, name_en, .is_optional = true, .max_len = 100),
	JSON_STR("group", struct course_in, group, .max_len = 40),
	JSON_I64("credits_milli", struct course_in, credits_milli, .min = 0, .max = 30000),
	JSON_BOOL("transfer_excluded", struct course_in, is_transfer_excluded, .is_optional = true),
	JSON_END
};

int plan_group_find(const struct programme_plan *p, const char *code)
{
	for (int i = 0; code && i < p->n_groups; i++)
		if (strcmp(p->groups[i].code, code) == 0)
			return i;
	return -1;
}

int plan_course_find(const struct programme_plan *p, const char *code)
{
	for (int i = 0; code && i < p->n_courses; i++)
		if (strcmp(p->courses[i].code, code) == 0)
			return i;
	return -1;
}

static const struct json_field plan_spec[] = {
	JSON_I64("total_credits_milli", struct plan_in, total_credits_milli, .min = 1000, .max = OUTCOME_CREDITS_MILLI_MAX),
	JSON_I64("transfer_max_permille", struct plan_in, transfer_max_permille, .min = 0, .max = 1000),
	JSON_END
};

enum ll_err plan_from_json(const json_t *obj, struct programme_plan *ret)
{
	if (!json_is_object(obj))
		return ll_fail(LL_WRONG_TYPE, NULL, "a plan is a JSON object");
	struct plan_in in = { 0 };
	static const char *const arrays[] = { "groups", "courses", NULL };
	enum ll_err err = decode_except(obj, plan_spec, &in, arrays);
	if (err != LL_OK)
		return err;
	json_t *groups, *courses;
	if ((err = array_at(obj, "groups", 1, PLAN_GROUPS_MAX, &groups)) != LL_OK ||
	    (err = array_at(obj, "courses", 1, PLAN_COURSES_MAX, &courses)) != LL_OK)
		return err;
	struct programme_plan p = { .total_credits_milli = in.total_credits_milli,
				    .transfer_max_permille = (int)in.transfer_max_permille };
	size_t i;
	json_t *item;
	json_array_foreach(groups, i, item) {
		struct group_in g = { 0 };
		if ((err = json_decode(item, group_spec, &g)) != LL_OK ||
		    (err = transfer_code_check(g.code, "code", false)) != LL_OK)
			return in_item(err, "groups", (int)i);
		if (plan_group_find(&p, g.code) >= 0)
			return in_item(ll_fail(LL_CONFLICT, "code", "group %s appears twice", g.code), "groups", (int)i);
		if (!g.is_elective && g.min_credits_milli != 0)
			return in_item(ll_fail(LL_INVALID_VALUE, "min_credits_milli",
					       "a required group asks for every course, not for credits"),
				       "groups", (int)i);
		if (g.is_elective && g.min_credits_milli <= 0)
			return in_item(ll_fail(LL_MISSING_FIELD, "min_credits_milli",
					       "an elective group says how many credits it asks for"),
				       "groups", (int)i);
		p.groups[p.n_groups++] = (struct plan_group){ g.code, g.name, g.name_en, g.is_elective, g.min_credits_milli };
	}
	int64_t group_credits[PLAN_GROUPS_MAX] = { 0 };
	json_array_foreach(courses, i, item) {
		struct course_in c = { 0 };
		if ((err = json_decode(item, course_spec, &c)) != LL_OK || (err = transfer_code_check(c.code, "code", false)) != LL_OK)
			return in_item(err, "courses", (int)i);
		int g = plan_group_find(&p, c.group);
		if (g < 0)
			return in_item(ll_fail(LL_UNKNOWN_GROUP, "group", "the plan has no group %s", c.group), "courses",
				       (int)i);
		if (plan_course_find(&p, c.code) >= 0)
			return in_item(ll_fail(LL_CONFLICT, "code", "course %s appears twice", c.code), "courses", (int)i);
		p.courses[p.n_courses++] = (struct plan_course){ c.code, c.name, c.name_en, c.credits_milli, g,
								 c.is_transfer_excluded };
		group_credits[g] += c.credits_milli;
	}
	/* An elective group may have no course of its own: credit granted to it fills it. */
	int64_t asked = 0;
	for (int g = 0; g < p.n_groups; g++) {
		if (group_credits[g] == 0 && !p.groups[g].is_elective)
			return in_item(ll_fail(LL_INVALID_VALUE, NULL, "required group %s has no course", p.groups[g].code),
				       "groups", g);
		asked += p.groups[g].is_elective ? p.groups[g].min_credits_milli : group_credits[g];
	}
	if (asked > p.total_credits_milli)
		return ll_fail(LL_OUT_OF_RANGE, "total_credits_milli",
			       "the groups ask for %lld.%03lld credits, more than the total", (long long)(asked / 1000),
			       (long long)(asked % 1000));
	*ret = p;
	return LL_OK;
}

json_t *plan_to_json(const struct programme_plan *p)
{
	json_t *groups = json_array(), *courses = json_array();
	for (int i = 0; i < p->n_groups; i++) {
		const struct plan_group *g = &p->groups[i];
		json_t *o = json_pack("{s:s, s:s, s:b}", "code", g->code, "name", g->name, "elective", g->is_elective);
		if (g->name_en)
			json_object_set_new(o, "name_en", json_string(g->name_en));
		if (g->is_elective)
			json_object_set_new(o, "min_credits_milli", json_integer(g->min_credits_milli));
		json_array_append_new(groups, o);
	}
	for (int i = 0; i < p->n_courses; i++) {
		const struct plan_course *c = &p->courses[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b}", "code", c->code, "name", c->name, "group",
				      p->groups[c->group].code, "credits_milli", (json_int_t)c->credits_milli,
				      "transfer_excluded", c->is_transfer_excluded);
		if (c->name_en)
			json_object_set_new(o, "name_en", json_string(c->name_en));
		json_array_append_new(courses, o);
	}
	return json_pack("{s:I, s:i, s:o, s:o}", "total_credits_milli", (json_int_t)p->total_credits_milli,
			 "transfer_max_permille", p->transfer_max_permille, "groups", groups, "courses", courses);
}

/* ---- Grades ---- */

int transfer_grade_rank(const char *s)
{
	static const struct {
		const char *grade;
		int rank;
	} scale[] = {
		{ "A+", 97 }, { "A", 93 }, { "A-", 90 }, { "B+", 87 }, { "B", 83 }, { "B-", 80 }, { "C+", 77 },
		{ "C", 73 }, { "C-", 70 }, { "D+", 67 }, { "D", 63 }, { "D-", 60 }, { "F", 0 }, { "优秀", 90 },
		{ "良好", 80 }, { "中等", 70 }, { "及格", 60 }, { "合格", 60 }, { "不及格", 0 }, { "不合格", 0 },
	};
	for (size_t i = 0; s && i < sizeof(scale) / sizeof(scale[0]); i++)
		if (strcmp(scale[i].grade, s) == 0)
			return scale[i].rank;
	return -1;
}

int64_t transfer_score_tenths(const char *s)
{
	int64_t whole = 0;
	int digits = 0;
	const char *p = s;
	for (; p && *p >= '0' && *p <= '9' && digits < 5; p++, digits++)
		whole = whole * 10 + (*p - '0');
	if (!p || digits == 0 || digits > 4)
		return -1;
	int64_t tenths = whole * 10;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9') || p[2] != '\0')
			return -1;
		tenths += p[1] - '0';
	} else if (*p != '\0') {
		return -1;
	}
	return tenths <= 10000 ? tenths : -1;
}

/* ---- Rules ---- */

struct condition_in {
	const char *kind, *code;
	int64_t min_level, min_hours_milli, within_years, count;
	const json_t *from_nodes;
};
static const struct json_field condition_spec[] = {
	JSON_STR("kind", struct condition_in, kind, .max_len = 40),
	JSON_STR("code", struct condition_in, code, .is_optional = true, .max_len = 40),
	JSON_I64("min_level", struct condition_in, min_level, .is_optional = true, .min = 1, .max = FRAMEWORK_LEVEL_MAX),
	JSON_I64("min_hours_milli", struct condition_in, min_hours_milli, .is_optional = true, .min = 0,
		 .max = OUTCOME_HOURS_MILLI_MAX),
	JSON_I64("within_years", struct condition_in, within_years, .is_optional = true, .min = 1,
		 .max = RULE_WITHIN_YEARS_MAX),
	JSON_I64("count", struct condition_in, count, .is_optional = true, .min = 1, .max = RULE_COUNT_MAX),
	JSON_STRS("from_nodes", struct condition_in, from_nodes, .is_optional = true, .max_len = RULE_FROM_NODES_MAX),
	JSON_END
};

struct grant_in {
	const char *course, *group;
	int64_t credits_milli;
};
static const struct json_field grant_spec[] = {
	JSON_STR("course", struct grant_in, course, .is_optional = true, .max_len = 40),
	JSON_STR("group", struct grant_in, group, .is_optional = true, .max_len = 40),
	JSON_I64("credits_milli", struct grant_in, credits_milli, .is_optional = true, .min = 1, .max = 30000),
	JSON_END
};

struct rule_in {
	const char *name, *name_en, *effective_from, *effective_to;
};
static const struct json_field rule_spec[] = {
	JSON_STR("name", struct rule_in, name, .max_len = 200),
	JSON_STR("name_en", struct rule_in, name_en, .is_optional = true, .max_len = 200),
	JSON_STR("effective_from", struct rule_in, effective_from, .max_len = 10),
	JSON_STR("effective_to", struct rule_in, effective_to, .is_optional = true, .max_len = 10),
	JSON_END
};

/* min_result: {"score":"425"}, {"grade":"良好"} or "pass". */
static enum ll_err min_result_from_json(const json_t *v, struct rule_condition *c)
{
	if (json_is_string(v) && strcmp(json_string_value(v), "pass") == 0) {
		c->min_result_kind = MIN_RESULT_PASS;
		c->min_result = "pass";
		return LL_OK;
	}
	const char *key;
	json_t *x;
	if (json_is_object(v) && json_object_size(v) == 1) {
		json_object_foreach((json_t *)v, key, x) {
			if (!json_is_string(x))
				return ll_fail(LL_WRONG_TYPE, "min_result", "the least result is a string");
			c->min_result = json_string_value(x);
			if (strcmp(key, "score") == 0) {
				if ((c->min_score_tenths = transfer_score_tenths(c->min_result)) < 0)
					return ll_fail(LL_INVALID_VALUE, "min_result.score",
						       "a score is 0 to 1000 with at most one decimal");
				c->min_result_kind = MIN_RESULT_SCORE;
				return LL_OK;
			}
			if (strcmp(key, "grade") == 0) {
				if ((c->min_grade_rank = transfer_grade_rank(c->min_result)) < 0)
					return ll_fail(LL_INVALID_VALUE, "min_result.grade",
						       "a grade is A+ to F or 优秀, 良好, 中等, 及格, 合格");
				c->min_result_kind = MIN_RESULT_GRADE;
				return LL_OK;
			}
		}
	}
	return ll_fail(LL_INVALID_VALUE, "min_result", "the least result is {\"score\": \"…\"}, {\"grade\": \"…\"} or \"pass\"");
}

static enum ll_err condition_from_json(const json_t *obj, struct rule_condition *ret)
{
	static const char *const by_hand[] = { "min_result", NULL };
	struct condition_in in = { .min_level = -1, .min_hours_milli = -1, .within_years = 0, .count = 1 };
	enum ll_err err = decode_except(obj, condition_spec, &in, by_hand);
	if (err != LL_OK)
		return err;
	struct rule_condition c = { .code = in.code, .min_level = in.min_level, .min_hours_milli = in.min_hours_milli,
				    .within_years = (int)in.within_years, .count = (int)in.count };
	if (!outcome_kind_parse(in.kind, &c.kind))
		return ll_fail(LL_INVALID_VALUE, "kind", "unknown kind of outcome '%s'", in.kind);
	if (c.code && (err = transfer_code_check(c.code, "code", true)) != LL_OK)
		return err;
	json_t *r = json_object_get(obj, "min_result");
	if (r && !json_is_null(r) && (err = min_result_from_json(r, &c)) != LL_OK)
		return err;
	/* The peers whose imported outcomes count: node ids, each once. */
	size_t i;
	const json_t *v;
	json_array_foreach (in.from_nodes, i, v) {
		const char *id = json_string_value(v);
		size_t len = strlen(id);
		bool is_id = len >= 2 && len <= 8;
		for (size_t k = 0; k < len && is_id; k++)
			is_id = id[k] >= 'A' && id[k] <= 'Z';
		if (!is_id)
			return ll_fail(LL_INVALID_VALUE, "from_nodes", "a node id is 2 to 8 capital letters (JS, ZJ, AH)");
		for (int k = 0; k < c.n_from_nodes; k++)
			if (strcmp(c.from_nodes[k], id) == 0)
				return ll_fail(LL_INVALID_VALUE, "from_nodes", "node %s is named twice", id);
		c.from_nodes[c.n_from_nodes++] = id;
	}
	*ret = c;
	return LL_OK;
}

static enum ll_err grant_from_json(const json_t *obj, const struct programme_plan *plan, struct rule_grant *ret)
{
	struct grant_in in = { 0 };
	enum ll_err err = json_decode(obj, grant_spec, &in);
	if (err != LL_OK)
		return err;
	if (!in.course == !in.group)
		return ll_fail(LL_INVALID_VALUE, NULL, "a grant names either a course or a group");
	if (in.course) {
		if (in.credits_milli)
			return ll_fail(LL_INVALID_VALUE, "credits_milli", "a granted course carries its own credits");
		int i = plan_course_find(plan, in.course);
		if (i < 0)
			return ll_fail(LL_UNKNOWN_COURSE, "course", "the programme has no course %s", in.course);
		if (plan->courses[i].is_transfer_excluded)
			return ll_fail(LL_TRANSFER_EXCLUDED, "course", "transfer can never replace course %s", in.course);
		*ret = (struct rule_grant){ .course_code = in.course, .course = i, .group = plan->courses[i].group };
		return LL_OK;
	}
	int g = plan_group_find(plan, in.group);
	if (g < 0)
		return ll_fail(LL_UNKNOWN_GROUP, "group", "the programme has no group %s", in.group);
	if (!plan->groups[g].is_elective)
		return ll_fail(LL_INVALID_VALUE, "group", "credits go to an elective group; %s is required", in.group);
	if (!in.credits_milli)
		return ll_fail(LL_MISSING_FIELD, "credits_milli", "a grant to a group says how many credits");
	*ret = (struct rule_grant){ .group_code = in.group, .credits_milli = in.credits_milli, .course = -1, .group = g };
	return LL_OK;
}

enum ll_err rule_from_json(const json_t *obj, const struct programme_plan *plan, struct transfer_rule *ret)
{
	if (!json_is_object(obj))
		return ll_fail(LL_WRONG_TYPE, NULL, "a rule is a JSON object");
	static const char *const arrays[] = { "conditions", "grants", NULL };
	struct rule_in in = { 0 };
	enum ll_err err = decode_except(obj, rule_spec, &in, arrays);
	if (err != LL_OK)
		return err;
	struct transfer_rule r = { .name = in.name, .name_en = in.name_en, .effective_from = in.effective_from,
				   .effective_to = in.effective_to, .to_days = INT32_MAX };
	int64_t days;
	if (!clock_parse_date(in.effective_from, &days))
		return ll_fail(LL_INVALID_DATE, "effective_from", "a date is YYYY-MM-DD");
	r.from_days = (int32_t)days;
	if (in.effective_to) {
		if (!clock_parse_date(in.effective_to, &days))
			return ll_fail(LL_INVALID_DATE, "effective_to", "a date is YYYY-MM-DD");
		if (days < r.from_days)
			return ll_fail(LL_INVALID_DATE, "effective_to", "a rule cannot end before it takes effect");
		r.to_days = (int32_t)days;
	}
	json_t *conditions, *grants, *item;
	size_t i;
	if ((err = array_at(obj, "conditions", 1, RULE_CONDITIONS_MAX, &conditions)) != LL_OK ||
	    (err = array_at(obj, "grants", 1, RULE_GRANTS_MAX, &grants)) != LL_OK)
		return err;
	json_array_foreach(conditions, i, item) {
		if ((err = condition_from_json(item, &r.conditions[r.n_conditions++])) != LL_OK)
			return in_item(err, "conditions", (int)i);
	}
	json_array_foreach(grants, i, item) {
		struct rule_grant *g = &r.grants[r.n_grants];
		if ((err = grant_from_json(item, plan, g)) != LL_OK)
			return in_item(err, "grants", (int)i);
		for (int k = 0; k < r.n_grants; k++)
			if ((g->course_code && r.grants[k].course_code && strcmp(g->course_code, r.grants[k].course_code) == 0) ||
			    (g->group_code && r.grants[k].group_code && strcmp(g->group_code, r.grants[k].group_code) == 0))
				return in_item(ll_fail(LL_CONFLICT, NULL, "the rule grants %s twice",
						       g->course_code ? g->course_code : g->group_code),
					       "grants", (int)i);
		r.n_grants++;
	}
	*ret = r;
	return LL_OK;
}

json_t *rule_to_json(const struct transfer_rule *r)
{
	json_t *conditions = json_array(), *grants = json_array();
	for (int i = 0; i < r->n_conditions; i++) {
		const struct rule_condition *c = &r->conditions[i];
		json_t *o = json_pack("{s:s, s:i}", "kind", outcome_kinds[c->kind], "count", c->count);
		if (c->code)
			json_object_set_new(o, "code", json_string(c->code));
		if (c->min_level >= 0)
			json_object_set_new(o, "min_level", json_integer(c->min_level));
		if (c->min_hours_milli >= 0)
			json_object_set_new(o, "min_hours_milli", json_integer(c->min_hours_milli));
		if (c->within_years > 0)
			json_object_set_new(o, "within_years", json_integer(c->within_years));
		if (c->n_from_nodes > 0) {
			json_t *nodes = json_array();
			for (int k = 0; k < c->n_from_nodes; k++)
				json_array_append_new(nodes, json_string(c->from_nodes[k]));
			json_object_set_new(o, "from_nodes", nodes);
		}
		if (c->min_result_kind == MIN_RESULT_PASS)
			json_object_set_new(o, "min_result", json_string("pass"));
		else if (c->min_result_kind != MIN_RESULT_NONE)
			json_object_set_new(o, "min_result",
					    json_pack("{s:s}", c->min_result_kind == MIN_RESULT_SCORE ? "score" : "grade",
						      c->min_result));
		json_array_append_new(conditions, o);
	}
	for (int i = 0; i < r->n_grants; i++) {
		const struct rule_grant *g = &r->grants[i];
		json_array_append_new(grants, g->course_code ? json_pack("{s:s}", "course", g->course_code)
							     : json_pack("{s:s, s:I}", "group", g->group_code,
									 "credits_milli", (json_int_t)g->credits_milli));
	}
	json_t *o = json_pack("{s:s, s:s, s:o, s:o}", "name", r->name, "effective_from", r->effective_from,
			      "conditions", conditions, "grants", grants);
	json_set_str(o, "name_en", r->name_en);
	json_set_str(o, "effective_to", r->effective_to);
	return o;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether a and b name the same peers, in any order. */
static bool same_nodes(const struct rule_condition *a, const struct rule_condition *b)
{
	if (a->n_from_nodes != b->n_from_nodes)
		return false;
	for (int i = 0; i < a->n_from_nodes; i++) {
		bool is_there = false;
		for (int k = 0; k < b->n_from_nodes && !is_there; k++)
			is_there = strcmp(a->from_nodes[i], b->from_nodes[k]) == 0;
		if (!is_there)
			return false;
	}
	return true;
}

static bool same_condition(const struct rule_condition *a, const struct rule_condition *b)
{
	return same_nodes(a, b) && a->kind == b->kind && same_str(a->code, b->code) && a->min_level == b->min_level &&
	       a->min_result_kind == b->min_result_kind && same_str(a->min_result, b->min_result) &&
	       a->min_hours_milli == b->min_hours_milli && a->within_years == b->within_years && a->count == b->count;
}

static bool same_grant(const struct rule_grant *a, const struct rule_grant *b)
{
	return same_str(a->course_code, b->course_code) && same_str(a->group_code, b->group_code) &&
	       a->credits_milli == b->credits_milli;
}

/* Whether the conditions of a are those of b in some order (neither holds a repeat that the
 * other lacks: each list is compared against the other). */
static bool conditions_in(const struct transfer_rule *a, const struct transfer_rule *b)
{
	for (int i = 0; i < a->n_conditions; i++) {
		bool found = false;
		for (int j = 0; !found && j < b->n_conditions; j++)
			found = same_condition(&a->conditions[i], &b->conditions[j]);
		if (!found)
			return false;
	}
	return true;
}

static bool grants_in(const struct transfer_rule *a, const struct transfer_rule *b)
{
	for (int i = 0; i < a->n_grants; i++) {
		bool found = false;
		for (int j = 0; !found && j < b->n_grants; j++)
			found = same_grant(&a->grants[i], &b->grants[j]);
		if (!found)
			return false;
	}
	return true;
}

bool rule_contradicts(const struct transfer_rule *a, const struct transfer_rule *b)
{
	if (a->to_days < b->from_days || b->to_days < a->from_days)
		return false;
	if (a->n_conditions != b->n_conditions || !conditions_in(a, b) || !conditions_in(b, a))
		return false;
	return a->n_grants != b->n_grants || !grants_in(a, b) || !grants_in(b, a);
}
