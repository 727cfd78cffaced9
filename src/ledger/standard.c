/*
 * Entry standards (录入标准) and the checks an outcome must pass before the credit bank takes it:
 * the kinds, the fields a standard can require, a standard's JSON form, the standards a new city
 * starts with, and standard_check. Pure rules: no I/O, nothing allocated but jansson values the
 * caller asks for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../org/org.h"
#include "ledger.h"

const char *const outcome_kinds[] = {
	"academic_credit", "academic_qualification", "vocational_certificate", "professional_qualification",
	"non_degree_training", "enterprise_training", "community_education", "elder_education", "other_learning",
	NULL
};

const char *const result_kinds[] = { "", "grade", "score", "pass", NULL };

const char *const outcome_field_names[] = {
	"code", "level", "credits_milli", "hours_milli", "result", "started_on", "certificate_no", "evidence", NULL
};

int ledger_name_index(const char *const *names, const char *s)
{
	for (int i = 0; s && names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

bool outcome_kind_parse(const char *name, enum outcome_kind *ret_kind)
{
	int i = ledger_name_index(outcome_kinds, name);
	if (i < 0)
		return false;
	*ret_kind = (enum outcome_kind)i;
	return true;
}

void outcome_init(struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->level = -1;
	o->credits_milli = -1;
	o->hours_milli = -1;
}

void outcome_in_init(struct outcome_in *in)
{
	memset(in, 0, sizeof(*in));
	in->level = -1;
	in->credits_milli = -1;
	in->hours_milli = -1;
}

const struct json_field outcome_spec[] = {
	JSON_STR("account_no", struct outcome_in, account_no, .min_len = 16, .max_len = 16,
		 .doc = "the person's lifelong learning account number"),
	JSON_STR("kind", struct outcome_in, kind, .min_len = 1, .max_len = 40,
		 .doc = "academic_credit, academic_qualification, vocational_certificate, professional_qualification, "
			"non_degree_training, enterprise_training, community_education, elder_education or other_learning"),
	JSON_STR("title", struct outcome_in, title, .min_len = 1, .max_len = 200),
	JSON_STR("code", struct outcome_in, code, .is_optional = true, .min_len = 1, .max_len = 40,
		 .doc = "course or certificate code"),
	JSON_I64("level", struct outcome_in, level, .is_optional = true, .min = 1, .max = FRAMEWORK_LEVEL_MAX,
		 .doc = "level in the learning-outcomes framework"),
	JSON_I64("credits_milli", struct outcome_in, credits_milli, .is_optional = true, .min = 0,
		 .max = OUTCOME_CREDITS_MILLI_MAX, .doc = "credits in thousandths (2.5 credits = 2500)"),
	JSON_I64("hours_milli", struct outcome_in, hours_milli, .is_optional = true, .min = 0,
		 .max = OUTCOME_HOURS_MILLI_MAX, .doc = "learning hours in thousandths"),
	JSON_STR("result_kind", struct outcome_in, result_kind, .is_optional = true, .max_len = 10,
		 .doc = "grade, score or pass"),
	JSON_STR("result", struct outcome_in, result, .is_optional = true, .min_len = 1, .max_len = 20,
		 .doc = "a grade (A-F, 优秀, 良好, 中等, 及格), a score (0-1000, one decimal) or pass"),
	JSON_STR("started_on", struct outcome_in, started_on, .is_optional = true, .min_len = 10, .max_len = 10,
		 .doc = "YYYY-MM-DD"),
	JSON_STR("awarded_on", struct outcome_in, awarded_on, .min_len = 10, .max_len = 10, .doc = "YYYY-MM-DD"),
	JSON_STR("certificate_no", struct outcome_in, certificate_no, .is_optional = true, .min_len = 1, .max_len = 60),
	JSON_STR("evidence_id", struct outcome_in, evidence_id, .is_optional = true, .min_len = 1, .max_len = 40,
		 .doc = "id of an uploaded evidence file"),
	JSON_STR("external_id", struct outcome_in, external_id, .is_optional = true, .min_len = 1, .max_len = 100,
		 .doc = "the depositor's own id of this record: deposits are idempotent by it"),
	JSON_STR("reason", struct outcome_in, reason, .is_optional = true, .min_len = 1, .max_len = 500,
		 .doc = "corrections: why the record changes"),
	JSON_END
};

enum ll_err outcome_from_in(const struct outcome_in *in, struct outcome *ret)
{
	struct outcome o;
	outcome_init(&o);
	if (!outcome_kind_parse(in->kind, &o.kind))
		return ll_fail(LL_INVALID_VALUE, "kind", "kind must be one of the credit bank's kinds");
	if (in->result_kind) {
		int rk = ledger_name_index(result_kinds, in->result_kind);
		if (rk <= 0)
			return ll_fail(LL_INVALID_VALUE, "result_kind", "result_kind must be grade, score or pass");
		o.result_kind = (enum result_kind)rk;
	}
	if (in->result && o.result_kind == RESULT_NONE)
		return ll_fail(LL_MISSING_FIELD, "result_kind", "a result needs its result_kind");
	if (!in->result && o.result_kind != RESULT_NONE)
		return ll_fail(LL_MISSING_FIELD, "result", "result_kind needs a result");
	o.account_no = in->account_no;
	o.title = in->title;
	o.code = in->code;
	o.level = in->level;
	o.credits_milli = in->credits_milli;
	o.hours_milli = in->hours_milli;
	o.result = in->result;
	o.started_on = in->started_on;
	o.awarded_on = in->awarded_on;
	o.certificate_no = in->certificate_no;
	o.evidence_id = in->evidence_id;
	o.external_id = in->external_id;
	*ret = o;
	return LL_OK;
}

/* ---- Standards as JSON ---- */

static enum ll_err range_from_json(const json_t *obj, const char *key, int64_t lo, int64_t hi, struct int_range *r)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		r->min = lo;
		r->max = hi;
		return LL_OK;
	}
	if (!json_is_object(v))
		return ll_fail(LL_WRONG_TYPE, key, "%s must be an object with min and max", key);
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)v, k, x) {
		if (strcmp(k, "min") != 0 && strcmp(k, "max") != 0)
			return ll_fail(LL_UNKNOWN_FIELD, key, "%s has only min and max", key);
	}
	json_t *mn = json_object_get(v, "min"), *mx = json_object_get(v, "max");
	if ((mn && !json_is_integer(mn)) || (mx && !json_is_integer(mx)))
		return ll_fail(LL_WRONG_TYPE, key, "%s.min and %s.max must be integers", key, key);
	r->min = mn ? json_integer_value(mn) : lo;
	r->max = mx ? json_integer_value(mx) : hi;
	if (r->min < lo || r->max > hi || r->min > r->max)
		return ll_fail(LL_OUT_OF_RANGE, key, "%s must satisfy %lld <= min <= max <= %lld", key, (long long)lo,
			       (long long)hi);
	return LL_OK;
}

static enum ll_err names_to_bits(const json_t *arr, const char *key, const char *const *names, unsigned *ret)
{
	if (!json_is_array(arr))
		return ll_fail(LL_WRONG_TYPE, key, "%s must be an array of names", key);
	unsigned bits = 0;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		int at = json_is_string(v) ? ledger_name_index(names, json_string_value(v)) : -1;
		if (at < 0)
			return ll_fail(LL_INVALID_VALUE, key, "%s[%zu] is not a known name", key, i);
		bits |= 1u << at;
	}
	*ret = bits;
	return LL_OK;
}

static json_t *bits_to_names(unsigned bits, const char *const *names)
{
	json_t *arr = json_array();
	for (int i = 0; names[i]; i++)
		if (bits & (1u << i))
			json_array_append_new(arr, json_string(names[i]));
	return arr;
}

static const char *const standard_keys[] = {
	"required", "credits_milli", "hours_milli", "level", "institution_types", "review", "max_age_years",
	"description", "description_en", NULL
};

enum ll_err standard_from_json(const json_t *obj, enum outcome_kind kind, struct entry_standard *ret)
{
	if (!json_is_object(obj))
		return ll_fail(LL_WRONG_TYPE, NULL, "a standard is a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		if (ledger_name_index(standard_keys, key) < 0)
			return ll_fail(LL_UNKNOWN_FIELD, key, "a standard has no field '%.40s'", key);
	}
	struct entry_standard s = { .kind = kind };
	enum ll_err err;
	json_t *req = json_object_get(obj, "required");
	if (req && (err = names_to_bits(req, "required", outcome_field_names, &s.required)) != LL_OK)
		return err;
	if ((err = range_from_json(obj, "credits_milli", 0, OUTCOME_CREDITS_MILLI_MAX, &s.credits_milli)) != LL_OK ||
	    (err = range_from_json(obj, "hours_milli", 0, OUTCOME_HOURS_MILLI_MAX, &s.hours_milli)) != LL_OK ||
	    (err = range_from_json(obj, "level", 1, FRAMEWORK_LEVEL_MAX, &s.level)) != LL_OK)
		return err;
	json_t *types = json_object_get(obj, "institution_types");
	if (!types)
		return ll_fail(LL_MISSING_FIELD, "institution_types", "name the institution types that may deposit");
	if ((err = names_to_bits(types, "institution_types", institution_types, &s.institution_types)) != LL_OK)
		return err;
	if (s.institution_types == 0)
		return ll_fail(LL_INVALID_VALUE, "institution_types", "at least one institution type must be able to deposit");
	json_t *review = json_object_get(obj, "review");
	if (!json_is_string(review) ||
	    (strcmp(json_string_value(review), "auto") != 0 && strcmp(json_string_value(review), "manual") != 0))
		return ll_fail(review ? LL_INVALID_VALUE : LL_MISSING_FIELD, "review", "review must be auto or manual");
	s.is_reviewed = strcmp(json_string_value(review), "manual") == 0;
	json_t *age = json_object_get(obj, "max_age_years");
	if (age && !json_is_null(age)) {
		if (!json_is_integer(age))
			return ll_fail(LL_WRONG_TYPE, "max_age_years", "max_age_years must be an integer");
		if (json_integer_value(age) < 0 || json_integer_value(age) > 100)
			return ll_fail(LL_OUT_OF_RANGE, "max_age_years", "max_age_years must be 0 (any) to 100");
		s.max_age_years = (int)json_integer_value(age);
	}
	static const char *const texts[] = { "description", "description_en" };
	const char **dst[] = { &s.description, &s.description_en };
	for (int i = 0; i < 2; i++) {
		json_t *t = json_object_get(obj, texts[i]);
		if (!t || json_is_null(t))
			continue;
		if (!json_is_string(t))
			return ll_fail(LL_WRONG_TYPE, texts[i], "%s must be a string", texts[i]);
		if (json_utf8_chars(json_string_value(t)) > 1000)
			return ll_fail(LL_TOO_LONG, texts[i], "%s is longer than 1000 characters", texts[i]);
		*dst[i] = json_string_value(t);
	}
	*ret = s;
	return LL_OK;
}

json_t *standard_to_json(const struct entry_standard *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "required", bits_to_names(s->required, outcome_field_names));
	json_object_set_new(o, "credits_milli", json_pack("{s:I, s:I}", "min", (json_int_t)s->credits_milli.min, "max",
							  (json_int_t)s->credits_milli.max));
	json_object_set_new(o, "hours_milli", json_pack("{s:I, s:I}", "min", (json_int_t)s->hours_milli.min, "max",
							(json_int_t)s->hours_milli.max));
	json_object_set_new(o, "level", json_pack("{s:I, s:I}", "min", (json_int_t)s->level.min, "max",
						  (json_int_t)s->level.max));
	json_object_set_new(o, "institution_types", bits_to_names(s->institution_types, institution_types));
	json_object_set_new(o, "review", json_string(s->is_reviewed ? "manual" : "auto"));
	json_object_set_new(o, "max_age_years", json_integer(s->max_age_years));
	json_set_str(o, "description", s->description);
	json_set_str(o, "description_en", s->description_en);
	return o;
}

/* ---- The standards a city starts with ---- */

static unsigned types_mask(const char *const *names)
{
	unsigned bits = 0;
	for (int i = 0; names[i]; i++) {
		int at = ledger_name_index(institution_types, names[i]);
		LL_BUG(at < 0);
		bits |= 1u << at;
	}
	return bits;
}

void standard_default(enum outcome_kind kind, struct entry_standard *ret)
{
	static const char *const academic[] = { "university", "open_university", "vocational_college", "adult_college",
						"credit_bank", NULL };
	static const char *const certifying[] = { "vocational_college", "training_institution", "government",
						  "credit_bank", NULL };
	static const char *const training[] = { "university", "open_university", "vocational_college", "adult_college",
						"training_institution", "credit_bank", NULL };
	static const char *const enterprise[] = { "enterprise", "training_institution", "credit_bank", NULL };
	static const char *const community[] = { "community_school", "learning_point", "open_university",
						 "credit_bank", NULL };
	static const char *const elder[] = { "elder_university", "elder_school", "learning_point", "community_school",
					     "credit_bank", NULL };
	static const char *const other[] = { "community_school", "learning_point", "government", "enterprise",
					     "elder_university", "credit_bank", NULL };
	struct entry_standard s = {
		.kind = kind,
		.version = 1,
		.credits_milli = { 0, 20000 },
		.hours_milli = { 0, 2000000 },
		.level = { 1, FRAMEWORK_LEVEL_MAX },
	};
	switch (kind) {
	case KIND_ACADEMIC_CREDIT:
		s.required = FIELD_CODE | FIELD_CREDITS | FIELD_RESULT;
		s.credits_milli = (struct int_range){ 500, 20000 };
		s.institution_types = types_mask(academic);
		s.description = "学历教育课程学分：课程代码、学分与成绩必填，由学历教育机构存入，自动入库。";
		s.description_en = "Academic course credit: course code, credits and result required; deposited by "
				   "degree-granting institutions; accepted automatically.";
		break;
	case KIND_ACADEMIC_QUALIFICATION:
		s.required = FIELD_CODE | FIELD_LEVEL | FIELD_STARTED_ON | FIELD_CERTIFICATE_NO | FIELD_EVIDENCE;
		s.credits_milli = (struct int_range){ 0, OUTCOME_CREDITS_MILLI_MAX };
		s.level = (struct int_range){ 4, FRAMEWORK_LEVEL_MAX };
		s.institution_types = types_mask(academic);
		s.is_reviewed = true;
		s.description = "学历：专业代码、框架等级、入学日期、证书编号和证书扫描件必填，须经审核。";
		s.description_en = "Academic qualification: programme code, level, start date, certificate number and a "
				   "scan of the certificate required; reviewed.";
		break;
	case KIND_VOCATIONAL_CERTIFICATE:
		s.required = FIELD_CODE | FIELD_LEVEL | FIELD_CERTIFICATE_NO;
		s.level = (struct int_range){ 1, 8 };
		s.institution_types = types_mask(certifying);
		s.description = "职业技能等级证书：职业代码、等级和证书编号必填，由评价机构存入，自动入库。";
		s.description_en = "Vocational skill-level certificate: occupation code, level and certificate number "
				   "required; deposited by assessment bodies; accepted automatically.";
		break;
	case KIND_PROFESSIONAL_QUALIFICATION:
		s.required = FIELD_CODE | FIELD_CERTIFICATE_NO | FIELD_EVIDENCE;
		s.institution_types = types_mask(certifying);
		s.is_reviewed = true;
		s.description = "职业资格证书：资格代码、证书编号和证书扫描件必填，须经审核。";
		s.description_en = "Professional qualification certificate: code, certificate number and a scan "
				   "required; reviewed.";
		break;
	case KIND_NON_DEGREE_TRAINING:
		s.required = FIELD_HOURS | FIELD_STARTED_ON;
		s.hours_milli = (struct int_range){ 1000, 2000000 };
		s.institution_types = types_mask(training);
		s.max_age_years = 10;
		s.description = "非学历培训：学时与开始日期必填，十年内完成，自动入库。";
		s.description_en = "Non-degree training: hours and start date required, completed within ten years; "
				   "accepted automatically.";
		break;
	case KIND_ENTERPRISE_TRAINING:
		s.required = FIELD_HOURS;
		s.hours_milli = (struct int_range){ 500, 2000000 };
		s.institution_types = types_mask(enterprise);
		s.max_age_years = 10;
		s.description = "企业培训：学时必填，由企业或培训机构存入，自动入库，形成在职人员学习档案。";
		s.description_en = "Enterprise training: hours required; deposited by employers and training providers; "
				   "accepted automatically into employees' learning archives.";
		break;
	case KIND_COMMUNITY_EDUCATION:
		s.required = FIELD_HOURS;
		s.hours_milli = (struct int_range){ 1000, 500000 };
		s.institution_types = types_mask(community);
		s.description = "社区教育：学时必填，由社区学校和学习点存入，自动入库。";
		s.description_en = "Community education: hours required; deposited by community schools and learning "
				   "points; accepted automatically.";
		break;
	case KIND_ELDER_EDUCATION:
		s.required = FIELD_HOURS;
		s.hours_milli = (struct int_range){ 1000, 500000 };
		s.institution_types = types_mask(elder);
		s.description = "老年教育：学时必填，由老年大学、老年学校和学习点存入，自动入库。";
		s.description_en = "Elder education: hours required; deposited by elder universities, elder schools and "
				   "learning points; accepted automatically.";
		break;
	case KIND_OTHER_LEARNING:
	case KIND_COUNT:
		s.required = FIELD_HOURS | FIELD_EVIDENCE;
		s.hours_milli = (struct int_range){ 500, 200000 };
		s.institution_types = types_mask(other);
		s.is_reviewed = true;
		s.description = "其他认可的学习（活动、志愿服务）：学时和证明材料必填，须经审核。";
		s.description_en = "Other recognised learning (activities, volunteering): hours and evidence required; "
				   "reviewed.";
		break;
	}
	*ret = s;
}

/* ---- Checking an outcome ---- */

static bool is_grade(const char *r)
{
	static const char *const grades[] = { "A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F",
					      "优秀", "良好", "中等", "及格", "合格", "不及格", "不合格", NULL };
	return ledger_name_index(grades, r) >= 0;
}

/* A score: 0 to 1000 with at most one decimal (CET-4 scores go to 710, percentages to 100). */
static bool is_score(const char *r)
{
	int whole = 0, digits = 0;
	const char *p = r;
	for (; *p >= '0' && *p <= '9'; p++, digits++)
		whole = whole * 10 + (*p - '0');
	if (digits == 0 || digits > 4 || whole > 1000 || (digits > 1 && r[0] == '0'))
		return false;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		if (whole == 1000 && *p != '0')
			return false;
		p++;
	}
	return *p == '\0';
}

static enum ll_err check_range(int64_t v, const struct int_range *r, const char *field)
{
	if (v >= 0 && (v < r->min || v > r->max))
		return ll_fail(LL_OUT_OF_RANGE, field, "%s must be between %lld and %lld for this kind", field,
			       (long long)r->min, (long long)r->max);
	return LL_OK;
}

enum ll_err standard_check(const struct entry_standard *s, const struct outcome *o, int type_index, int64_t now_us)
{
	if (type_index < 0 || !(s->institution_types & (1u << type_index)))
		return ll_fail(LL_KIND_NOT_ALLOWED, "kind", "this type of institution may not deposit %s",
			       outcome_kinds[s->kind]);
	const struct { unsigned bit; bool is_present; } present[] = {
		{ FIELD_CODE, o->code != NULL },
		{ FIELD_LEVEL, o->level >= 0 },
		{ FIELD_CREDITS, o->credits_milli >= 0 },
		{ FIELD_HOURS, o->hours_milli >= 0 },
		{ FIELD_RESULT, o->result != NULL },
		{ FIELD_STARTED_ON, o->started_on != NULL },
		{ FIELD_CERTIFICATE_NO, o->certificate_no != NULL },
	};
	for (size_t i = 0; i < sizeof(present) / sizeof(present[0]); i++)
		if ((s->required & present[i].bit) && !present[i].is_present)
			return ll_fail(LL_MISSING_FIELD, outcome_field_names[__builtin_ctz(present[i].bit)],
				       "the entry standard of %s requires %s", outcome_kinds[s->kind],
				       outcome_field_names[__builtin_ctz(present[i].bit)]);
	if ((s->required & FIELD_EVIDENCE) && !o->evidence_id)
		return ll_fail(LL_EVIDENCE_REQUIRED, "evidence_id", "the entry standard of %s requires evidence",
			       outcome_kinds[s->kind]);
	enum ll_err err;
	if ((err = check_range(o->credits_milli, &s->credits_milli, "credits_milli")) != LL_OK ||
	    (err = check_range(o->hours_milli, &s->hours_milli, "hours_milli")) != LL_OK ||
	    (err = check_range(o->level, &s->level, "level")) != LL_OK)
		return err;
	if (o->result) {
		bool ok = o->result_kind == RESULT_GRADE   ? is_grade(o->result)
			  : o->result_kind == RESULT_SCORE ? is_score(o->result)
			  : o->result_kind == RESULT_PASS  ? strcmp(o->result, "pass") == 0
							   : false;
		if (!ok)
			return ll_fail(LL_INVALID_RESULT, "result", "result does not fit result_kind %s",
				       result_kinds[o->result_kind]);
	}
	int64_t awarded, started;
	/* Dates are China time: a certificate dated today in Shanghai is tomorrow in UTC until 08:00. */
	int64_t today_cn = (now_us + 8LL * 3600 * 1000000) / (86400LL * 1000000);
	if (!o->awarded_on)
		return ll_fail(LL_MISSING_FIELD, "awarded_on", "awarded_on is required");
	if (!clock_parse_date(o->awarded_on, &awarded))
		return ll_fail(LL_INVALID_DATE, "awarded_on", "awarded_on must be a real date YYYY-MM-DD");
	if (awarded > today_cn)
		return ll_fail(LL_INVALID_DATE, "awarded_on", "awarded_on is in the future");
	/* Years of 365.25 days: a day's slack at the edge matters less than a calendar here. */
	if (s->max_age_years > 0 && awarded < today_cn - (int64_t)s->max_age_years * 36525 / 100)
		return ll_fail(LL_INVALID_DATE, "awarded_on", "the entry standard of %s accepts outcomes of the last %d years",
			       outcome_kinds[s->kind], s->max_age_years);
	if (o->started_on) {
		if (!clock_parse_date(o->started_on, &started))
			return ll_fail(LL_INVALID_DATE, "started_on", "started_on must be a real date YYYY-MM-DD");
		if (started > awarded)
			return ll_fail(LL_INVALID_DATE, "started_on", "started_on is after awarded_on");
	}
	return LL_OK;
}

/* ---- The learning-outcomes framework a city starts with ---- */

const struct framework_level framework_levels_default[FRAMEWORK_LEVEL_MAX] = {
	{ 1, "一级", "Level 1", "在直接指导下完成简单、重复的学习或工作任务所需的基础知识和技能。",
	  "Basic knowledge and skills for simple, routine tasks under direct guidance." },
	{ 2, "二级", "Level 2", "在指导下完成常规任务的基本知识与技能，相当于义务教育阶段或初级工入门。",
	  "Basic knowledge and skills for routine tasks under guidance; compulsory schooling or entry-level work." },
	{ 3, "三级", "Level 3", "独立完成常规任务的知识与技能，相当于初级工（五级）。",
	  "Knowledge and skills to do routine tasks independently; junior worker (skill level 5)." },
	{ 4, "四级", "Level 4", "在熟悉情境中解决一般问题，相当于高中阶段或中级工（四级）。",
	  "Solving ordinary problems in familiar situations; upper secondary or intermediate worker (level 4)." },
	{ 5, "五级", "Level 5", "在变化情境中运用专门知识与技能，相当于中等职业教育或高级工（三级）。",
	  "Applying specialised knowledge and skills in changing situations; secondary vocational or senior worker (level 3)." },
	{ 6, "六级", "Level 6", "综合运用专业知识解决复杂问题并指导他人，相当于专科或技师（二级）。",
	  "Solving complex problems with specialised knowledge and guiding others; associate degree or technician (level 2)." },
	{ 7, "七级", "Level 7", "系统掌握学科或专业领域知识，独立开展专业工作，相当于本科或高级技师（一级）。",
	  "Systematic command of a discipline and independent professional work; bachelor's degree or senior technician (level 1)." },
	{ 8, "八级", "Level 8", "在专业领域开展研究与创新，相当于硕士研究生。",
	  "Research and innovation in a field; master's degree." },
	{ 9, "九级", "Level 9", "在学科前沿作出原创性贡献，相当于博士研究生。",
	  "Original contributions at the frontier of a discipline; doctoral degree." },
	{ 10, "十级", "Level 10", "引领学科或行业发展的最高水平成果。",
	  "The highest level of achievement, leading a discipline or an industry." },
};

const struct json_field level_spec[] = {
	JSON_STR("name", struct level_in, name, .min_len = 1, .max_len = 40),
	JSON_STR("name_en", struct level_in, name_en, .min_len = 1, .max_len = 80),
	JSON_STR("descriptor", struct level_in, descriptor, .min_len = 1, .max_len = 1000),
	JSON_STR("descriptor_en", struct level_in, descriptor_en, .min_len = 1, .max_len = 2000),
	JSON_END
};

const char *const outcome_kind_labels_zh[] = {
	"学历教育课程学分", "学历", "职业技能等级证书", "职业资格证书", "非学历培训", "企业培训", "社区教育", "老年教育",
	"其他认可的学习", NULL
};
const char *const outcome_kind_labels_en[] = {
	"Academic course credit", "Academic qualification", "Vocational skill-level certificate",
	"Professional qualification certificate", "Non-degree training", "Enterprise training", "Community education",
	"Elder education", "Other recognised learning", NULL
};
