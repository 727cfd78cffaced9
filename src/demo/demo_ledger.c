/*
 * The demo city's learning histories: for each resident, a plausible record of outcomes across
 * the credit bank's kinds (community and elder courses, enterprise training, skill certificates,
 * professional qualifications, open-university course credits and degrees, non-degree training,
 * volunteering), deposited by institutions of the right types over the years their age allows,
 * a few corrected or revoked. Rules only: the same seed and person give the same history, and
 * every outcome passes the default entry standard of its kind. demo_db.c writes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../base/clock.h"
#include "../base/grow.h"
#include "demo.h"

#define DAY_US (86400LL * 1000000LL)
/* Outcomes are dated up to the demo's moment (demo.c's AS_OF): 2026-10-31. */
#define LAST_DAY_Y 2026, 10, 31
#define FIRST_YEAR 2008

struct course {
	const char *title, *code;
	int64_t credits_milli, hours_milli;
	int level;
};

static const struct course open_university_courses[] = {
	{ "英语(一)", "00012", 7000, 126000, 6 },          { "英语(二)", "00015", 14000, 252000, 7 },
	{ "计算机应用基础", "00018", 2000, 36000, 6 },     { "高等数学(一)", "00020", 6000, 108000, 6 },
	{ "管理学原理", "00054", 6000, 108000, 6 },        { "中国近现代史纲要", "03708", 2000, 36000, 6 },
	{ "马克思主义基本原理概论", "03709", 4000, 72000, 7 }, { "大学语文", "04729", 4000, 72000, 6 },
	{ "公共关系学", "00182", 4000, 72000, 6 },         { "行政管理学", "00277", 5000, 90000, 6 },
	{ "社会学概论", "00034", 4000, 72000, 6 },         { "经济法概论", "00043", 4000, 72000, 7 },
	{ "会计学基础", "00041", 5000, 90000, 6 },         { "市场营销学", "00058", 5000, 90000, 6 },
	{ "人力资源管理", "00147", 6000, 108000, 7 },      { "现代汉语", "00535", 6000, 108000, 6 },
};
static const struct course degrees[] = {
	{ "行政管理（专科）", "590201", 80000, 0, 6 }, { "工商企业管理（专科）", "530601", 80000, 0, 6 },
	{ "会计（专科）", "530302", 80000, 0, 6 },     { "行政管理（本科）", "120402", 76000, 0, 7 },
	{ "汉语言文学（本科）", "050101", 76000, 0, 7 }, { "计算机科学与技术（本科）", "080901", 80000, 0, 7 },
};
static const struct course community_courses[] = {
	{ "家庭急救知识", "SQ-JJ", 0, 8000, 2 },      { "智能手机应用入门", "SQ-SJ", 0, 12000, 2 },
	{ "上海话入门", "SQ-SH", 0, 16000, 2 },       { "家庭理财常识", "SQ-LC", 0, 8000, 3 },
	{ "垃圾分类与绿色生活", "SQ-LJ", 0, 4000, 1 }, { "社区书法", "SQ-SF", 0, 32000, 2 },
	{ "亲子阅读指导", "SQ-YD", 0, 12000, 3 },     { "防范电信诈骗", "SQ-ZP", 0, 4000, 1 },
	{ "海派文化讲座", "SQ-HP", 0, 6000, 2 },      { "健康烹饪", "SQ-PR", 0, 16000, 2 },
};
static const struct course elder_courses[] = {
	{ "书法（楷书）", "LN-SF", 0, 64000, 3 },   { "国画（花鸟）", "LN-GH", 0, 64000, 3 },
	{ "太极拳", "LN-TJ", 0, 32000, 2 },         { "智能手机与生活", "LN-SJ", 0, 24000, 2 },
	{ "合唱", "LN-HC", 0, 48000, 2 },           { "摄影基础", "LN-SY", 0, 32000, 3 },
	{ "养生保健", "LN-YS", 0, 16000, 2 },       { "沪剧欣赏", "LN-HJ", 0, 24000, 2 },
	{ "英语口语", "LN-YY", 0, 48000, 3 },       { "电脑与网络应用", "LN-DN", 0, 32000, 3 },
};
static const struct course enterprise_courses[] = {
	{ "安全生产培训", "QY-AQ", 0, 8000, 3 },       { "新员工入职培训", "QY-RZ", 0, 16000, 3 },
	{ "数字化技能提升", "QY-SZ", 0, 24000, 4 },    { "质量管理体系（ISO 9001）", "QY-ZL", 0, 16000, 4 },
	{ "班组长管理能力", "QY-BZ", 0, 24000, 4 },    { "消防安全知识", "QY-XF", 0, 4000, 2 },
	{ "精益生产", "QY-JY", 0, 32000, 5 },          { "客户服务礼仪", "QY-KF", 0, 8000, 3 },
};
static const struct course trainings[] = {
	{ "Python 编程基础", "FX-PY", 0, 48000, 4 },   { "人工智能通识", "FX-AI", 0, 24000, 4 },
	{ "家庭教育指导", "FX-JT", 0, 16000, 4 },      { "养老护理技能", "FX-YL", 0, 64000, 4 },
	{ "电子商务运营", "FX-DS", 0, 40000, 4 },      { "心理健康知识", "FX-XL", 0, 12000, 3 },
};
static const struct course certificates[] = {
	{ "电工（四级/中级工）", "6-31-01-03", 0, 0, 4 },       { "电工（三级/高级工）", "6-31-01-03", 0, 0, 5 },
	{ "育婴员（四级/中级工）", "4-10-01-02", 0, 0, 4 },     { "养老护理员（四级/中级工）", "4-10-01-05", 0, 0, 4 },
	{ "西式面点师（四级/中级工）", "4-03-02-02", 0, 0, 4 }, { "计算机程序设计员（三级）", "4-04-05-01", 0, 0, 5 },
	{ "焊工（三级/高级工）", "6-18-02-04", 0, 0, 5 },       { "中式烹调师（二级/技师）", "4-03-02-01", 0, 0, 6 },
};
/* National examinations that conversion rules name: CET-4 (a score) and NCRE level 2 (a pass). */
static const struct course cet4 = { "大学英语四级（CET-4）", "CET4", 0, 0, 5 };
static const struct course ncre2 = { "全国计算机等级考试二级（MS Office 高级应用）", "NCRE-2-MSO", 0, 0, 5 };
static const struct course qualifications[] = {
	{ "会计专业技术资格（初级）", "ZG-KJ1", 0, 0, 5 }, { "中小学教师资格", "ZG-JS", 0, 0, 6 },
	{ "社会工作者职业资格（初级）", "ZG-SG", 0, 0, 5 }, { "注册安全工程师", "ZG-AQ", 0, 0, 7 },
};
static const struct course volunteering[] = {
	{ "社区志愿服务", "ZY-SQ", 0, 20000, 2 },   { "进博会城市志愿者", "ZY-JB", 0, 40000, 3 },
	{ "图书馆志愿服务", "ZY-TS", 0, 16000, 2 }, { "读书会领读", "ZY-DS", 0, 12000, 3 },
};

#define N(a) (sizeof(a) / sizeof(a[0]))

void demo_outcomes_init(struct demo_outcomes *d, uint64_t seed, const struct demo_institution *institutions,
			int n_institutions)
{
	memset(d, 0, sizeof(*d));
	d->seed = seed;
	d->institutions = institutions;
	for (int i = 0; i < n_institutions; i++) {
		int t = institutions[i].type;
		if (t >= 0 && t < DEMO_INSTITUTION_TYPES && d->n_of_type[t] < DEMO_PER_TYPE)
			d->of_type[t][d->n_of_type[t]++] = i;
	}
	arena_init(&d->arena, 0);
}

void demo_outcomes_release(struct demo_outcomes *d)
{
	free(d->entries);
	arena_release(&d->arena);
	memset(d, 0, sizeof(*d));
}

void demo_outcomes_reset(struct demo_outcomes *d)
{
	d->n = 0;
	arena_reset(&d->arena);
}

/* An institution of the first of the named types the demo has; NULL if none. */
static const char *pick_institution(struct demo_outcomes *d, struct demo_rng *r, const char *const *types)
{
	for (int i = 0; types[i]; i++) {
		int t = -1;
		for (int k = 0; institution_types[k]; k++)
			if (strcmp(institution_types[k], types[i]) == 0)
				t = k;
		if (t >= 0 && d->n_of_type[t] > 0)
			return d->institutions[d->of_type[t][demo_rng_below(r, (uint64_t)d->n_of_type[t])]].id.s;
	}
	return NULL;
}

static struct ledger_entry *entry_new(struct demo_outcomes *d)
{
	if (!grow(&d->entries, &d->cap, d->n, sizeof(*d->entries), 4096))
		return NULL;
	struct ledger_entry *e = &d->entries[d->n++];
	memset(e, 0, sizeof(*e));
	outcome_init(&e->o);
	return e;
}

static const char *date_text(struct arena *a, int64_t day)
{
	char *s = arena_alloc(a, 11);
	if (s)
		clock_format_date(day * DAY_US, s);
	return s;
}

struct person_ctx {
	struct demo_outcomes *d;
	struct demo_rng *r;
	const struct demo_person *p;
	int64_t first_day, last_day;   /* when this person can have learned something */
	int64_t first_index;           /* of this person's outcomes in d->entries */
};

/* Adds one deposited outcome; returns it, or NULL when out of memory or no depositor exists. */
static struct ledger_entry *add(struct person_ctx *c, enum outcome_kind kind, const struct course *course,
				const char *const *types, int64_t day)
{
	struct demo_outcomes *d = c->d;
	const char *inst = pick_institution(d, c->r, types);
	if (!inst)
		return NULL;
	struct ledger_entry *e = entry_new(d);
	if (!e)
		return NULL;
	e->person_id = c->p->id.s;
	e->op = OP_DEPOSIT;
	e->standard_version = 1;
	e->o.institution_id = inst;
	e->o.kind = kind;
	e->o.title = course->title;
	e->o.code = course->code;
	e->o.level = course->level;
	if (course->credits_milli)
		e->o.credits_milli = course->credits_milli;
	if (course->hours_milli)
		e->o.hours_milli = course->hours_milli;
	e->o.awarded_on = date_text(&d->arena, day);
	/* Deposited within a month of the award, at a working hour in Shanghai. */
	e->created_at = (day + 1 + (int64_t)demo_rng_below(c->r, 30)) * DAY_US + (1 + (int64_t)demo_rng_below(c->r, 9)) * 3600000000LL;
	return e;
}

static int64_t day_between(struct demo_rng *r, int64_t a, int64_t b)
{
	return b <= a ? a : a + (int64_t)demo_rng_below(r, (uint64_t)(b - a + 1));
}

static void certificate_of(struct person_ctx *c, struct ledger_entry *e, const char *prefix)
{
	char *no = arena_printf(&c->d->arena, "%s%04d%08llu", prefix, atoi(e->o.awarded_on),
				(unsigned long long)demo_rng_below(c->r, 100000000));
	e->o.certificate_no = no;
	/* The scan the standard asks for is summarised by its SHA-256 (the demo keeps no files). */
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)no, strlen(no));
	char *hex = arena_alloc(&c->d->arena, 65);
	if (hex) {
		sodium_bin2hex(hex, 65, h, sizeof(h));
		e->o.evidence_sha256 = hex;
	}
}

static const char *const grades[] = { "优秀", "良好", "中等", "及格", "A", "B+", "B", "C" };

enum ll_err demo_outcomes_add(struct demo_outcomes *d, const struct demo_person *p)
{
	struct demo_rng r;
	/* Stream by account number: adding persons never changes another's history. */
	demo_rng_seed(&r, d->seed, 0x0c0ffee000000000ULL ^ (uint64_t)strtoull(p->account_no, NULL, 10));
	int by = atoi(p->birth_date), bm = atoi(p->birth_date + 5), bday = atoi(p->birth_date + 8);
	int64_t birth = clock_days_from_civil(by, (unsigned)bm, (unsigned)bday);
	int64_t last = clock_days_from_civil(LAST_DAY_Y), first = clock_days_from_civil(FIRST_YEAR, 1, 1);
	int age = (int)((last - birth) / 365);
	struct person_ctx c = { .d = d, .r = &r, .p = p, .first_index = (int64_t)d->n };
	int64_t adult = birth + 18 * 365 + 5;
	c.first_day = adult > first ? adult : first;
	c.last_day = last;
	if (c.first_day > last) {
		/* Children learn in the community too, from age 8. */
		c.first_day = birth + 8 * 365 > first ? birth + 8 * 365 : first;
		if (c.first_day > last)
			return LL_OK;
	}
	static const char *const community[] = { "community_school", "learning_point", NULL };
	static const char *const elder[] = { "elder_university", "elder_school", NULL };
	static const char *const employer[] = { "enterprise", NULL };
	static const char *const trainer[] = { "training_institution", NULL };
	static const char *const certifier[] = { "training_institution", "vocational_college", NULL };
	static const char *const examiner[] = { "government", NULL };
	static const char *const open_univ[] = { "open_university", NULL };
	static const char *const volunteer[] = { "community_school", "learning_point", NULL };
	struct ledger_entry *e;
	int n = 2 + (int)demo_rng_below(&r, 9);
	for (int i = 0; i < n; i++) {
		if (!(e = add(&c, KIND_COMMUNITY_EDUCATION, &community_courses[demo_rng_below(&r, N(community_courses))], community,
			      day_between(&r, c.first_day, last))))
			return LL_NOMEM;
	}
	if (age >= 55) {
		int64_t from = birth + 55 * 365 > first ? birth + 55 * 365 : first;
		n = 4 + (int)demo_rng_below(&r, 17);
		for (int i = 0; i < n; i++) {
			if (!(e = add(&c, KIND_ELDER_EDUCATION, &elder_courses[demo_rng_below(&r, N(elder_courses))], elder,
				      day_between(&r, from, last))))
				return LL_NOMEM;
		}
	}
	bool is_working = age >= 22 && age < 62 && demo_rng_below(&r, 100) < 70;
	if (is_working) {
		n = 2 + (int)demo_rng_below(&r, 13);
		for (int i = 0; i < n; i++) {
			if (!(e = add(&c, KIND_ENTERPRISE_TRAINING, &enterprise_courses[demo_rng_below(&r, N(enterprise_courses))],
				      employer, day_between(&r, c.first_day, last))))
				return LL_NOMEM;
		}
		if (demo_rng_below(&r, 100) < 30) {
			n = 1 + (int)demo_rng_below(&r, 2);
			for (int i = 0; i < n; i++) {
				if (!(e = add(&c, KIND_VOCATIONAL_CERTIFICATE, &certificates[demo_rng_below(&r, N(certificates))],
					      certifier, day_between(&r, c.first_day, last))))
					return LL_NOMEM;
				certificate_of(&c, e, "3100");
			}
		}
		if (demo_rng_below(&r, 100) < 15) {
			if (!(e = add(&c, KIND_PROFESSIONAL_QUALIFICATION, &qualifications[demo_rng_below(&r, N(qualifications))],
				      examiner, day_between(&r, c.first_day, last))))
				return LL_NOMEM;
			certificate_of(&c, e, "ZG31");
		}
	}
	if (age >= 18 && age < 70) {
		n = (int)demo_rng_below(&r, 7);
		for (int i = 0; i < n; i++) {
			if (!(e = add(&c, KIND_NON_DEGREE_TRAINING, &trainings[demo_rng_below(&r, N(trainings))], trainer,
				      day_between(&r, c.first_day, last))))
				return LL_NOMEM;
			int64_t aw = clock_days_from_civil(atoi(e->o.awarded_on), (unsigned)atoi(e->o.awarded_on + 5),
							   (unsigned)atoi(e->o.awarded_on + 8));
			int64_t from = aw - 7 - (int64_t)demo_rng_below(&r, 60);
			e->o.started_on = date_text(&d->arena, from > c.first_day ? from : aw);
		}
	}
	/* About a fifth of adults under 50 study at the open university: course credits over a few
	 * years, and for some a diploma or degree at the end. */
	if (age >= 20 && age < 50 && demo_rng_below(&r, 100) < 20) {
		int64_t span = 4 * 365, start = day_between(&r, c.first_day, last - 365 > c.first_day ? last - 365 : c.first_day);
		int64_t end = start + span < last ? start + span : last;
		n = 8 + (int)demo_rng_below(&r, 9);
		uint64_t taken = 0;
		for (int i = 0; i < n; i++) {
			uint64_t k = demo_rng_below(&r, N(open_university_courses));
			if (taken & (1ULL << k))
				continue;
			taken |= 1ULL << k;
			if (!(e = add(&c, KIND_ACADEMIC_CREDIT, &open_university_courses[k], open_univ, day_between(&r, start, end))))
				return LL_NOMEM;
			bool is_score = demo_rng_below(&r, 2) == 0;
			e->o.result_kind = is_score ? RESULT_SCORE : RESULT_GRADE;
			e->o.result = is_score ? arena_printf(&d->arena, "%d", 60 + (int)demo_rng_below(&r, 40))
					       : grades[demo_rng_below(&r, N(grades))];
		}
		/* Many of them sat CET-4 or NCRE level 2 on the way. */
		if (demo_rng_below(&r, 100) < 40) {
			if (!(e = add(&c, KIND_VOCATIONAL_CERTIFICATE, &cet4, examiner, day_between(&r, start, end))))
				return LL_NOMEM;
			e->o.result_kind = RESULT_SCORE;
			e->o.result = arena_printf(&d->arena, "%d", 350 + (int)demo_rng_below(&r, 260));
			certificate_of(&c, e, "CET4");
		}
		if (demo_rng_below(&r, 100) < 30) {
			if (!(e = add(&c, KIND_VOCATIONAL_CERTIFICATE, &ncre2, examiner, day_between(&r, start, end))))
				return LL_NOMEM;
			e->o.result_kind = RESULT_PASS;
			e->o.result = "pass";
			certificate_of(&c, e, "NCRE");
		}
		if (end < last && demo_rng_below(&r, 100) < 45) {
			if (!(e = add(&c, KIND_ACADEMIC_QUALIFICATION, &degrees[demo_rng_below(&r, N(degrees))], open_univ,
				      day_between(&r, end, last))))
				return LL_NOMEM;
			e->o.started_on = date_text(&d->arena, start);
			certificate_of(&c, e, "5130");
		}
	}
	n = (int)demo_rng_below(&r, 7);
	for (int i = 0; i < n; i++) {
		if (!(e = add(&c, KIND_OTHER_LEARNING, &volunteering[demo_rng_below(&r, N(volunteering))], volunteer,
			      day_between(&r, c.first_day, last))))
			return LL_NOMEM;
		certificate_of(&c, e, "ZY");
		e->o.certificate_no = NULL;
	}

	size_t lo = (size_t)c.first_index, hi = d->n;
	for (size_t i = lo; i < hi; i++) {
		uint8_t rnd[10];
		for (int k = 0; k < 10; k++)
			rnd[k] = (uint8_t)demo_rng_below(&r, 256);
		ll_id id;
		id_from_parts(d->entries[i].created_at / 1000, rnd, &id);
		char *s = arena_strdup(&d->arena, id.s);
		if (!s)
			return LL_NOMEM;
		d->entries[i].id = s;
		d->entries[i].outcome_id = s;
	}
	/* A few are corrected (a result or hours recorded wrongly) or revoked (deposited in error)
	 * a while after they were stored. */
	for (size_t i = lo; i < hi; i++) {
		uint64_t roll = demo_rng_below(&r, 1000);
		if (roll >= 25)
			continue;
		struct ledger_entry *orig = &d->entries[i];
		int64_t at = orig->created_at + (int64_t)(1 + demo_rng_below(&r, 120)) * DAY_US;
		if (at > last * DAY_US)
			continue;
		struct ledger_entry copy = *orig;
		if (!(e = entry_new(d)))
			return LL_NOMEM;
		*e = copy;
		uint8_t rnd[10];
		for (int k = 0; k < 10; k++)
			rnd[k] = (uint8_t)demo_rng_below(&r, 256);
		ll_id id;
		id_from_parts(at / 1000, rnd, &id);
		e->id = arena_strdup(&d->arena, id.s);
		e->supersedes = copy.id;
		e->created_at = at;
		if (roll < 5) {
			e->op = OP_REVOKE;
			e->reason = "存入机构撤销：重复录入";
		} else {
			e->op = OP_CORRECT;
			if (e->o.result_kind == RESULT_SCORE) {
				e->o.result = arena_printf(&d->arena, "%d", 60 + (int)demo_rng_below(&r, 40));
				e->reason = "成绩登记错误，已更正";
			} else if (e->o.hours_milli > 0) {
				e->o.hours_milli += 2000;
				e->reason = "学时登记错误，已更正";
			} else {
				e->reason = "证书信息更正";
				e->o.certificate_no = e->o.certificate_no ? arena_printf(&d->arena, "%sA", e->o.certificate_no) : NULL;
			}
		}
		if (!e->id)
			return LL_NOMEM;
	}
	/* The person's chain in the order things happened; a correction always comes after what it
	 * corrects, as it is dated later. */
	for (size_t i = lo + 1; i < d->n; i++) {
		struct ledger_entry t = d->entries[i];
		size_t j = i;
		for (; j > lo && d->entries[j - 1].created_at > t.created_at; j--)
			d->entries[j] = d->entries[j - 1];
		d->entries[j] = t;
	}
	return LL_OK;
}
