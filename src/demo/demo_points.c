/*
 * The demo city's check-ins and points: learning sites of 上海开放大学 and 上海老年大学, an
 * incentives catalogue, and the demo citizen's check-ins of the last weeks (a run of days that
 * ends yesterday, so that checking in today lengthens it) with a voucher redeemed from them. The
 * points of everyone's deposits and statements are made by the background worker of `lifelong
 * serve`, from the oldest (the demo citizen's) on.
 */
#include <stdio.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../points/points.h"
#include "../store/store.h"
#include "demo.h"

struct demo_site {
	const char *institution, *name, *name_en, *address;
};

static const struct demo_site sites[] = {
	{ "上海开放大学", "上海开放大学 国顺路学习中心", "Shanghai Open University, Guoshun Road Learning Centre",
	  "杨浦区国顺路288号" },
	{ "上海开放大学", "上海开放大学 浦东学习点", "Shanghai Open University, Pudong Learning Point",
	  "浦东新区东方路2000号" },
	{ "上海老年大学", "上海老年大学 书画教室", "Shanghai University for the Elderly, Painting Studio",
	  "徐汇区宛平南路20号" },
};

struct demo_incentive {
	int kind;
	const char *institution, *name, *name_en, *description;
	int edu_type;
	int64_t cost, stock;
	int expires_in_days;   /* 0: never */
};

static const struct demo_incentive incentives[] = {
	{ 0, "上海开放大学", "开放大学非学历课程券", "Open university short-course voucher",
	  "任选一门非学历培训课程，免学费一次。", EDU_ACADEMIC, 120, 200, 365 },
	{ 0, "上海老年大学", "老年大学课程体验券", "Elder university trial lesson",
	  "书画、声乐、智能手机课程任选一次体验课。", EDU_ELDER, 40, 150, 0 },
	{ 1, "上海开放大学", "学习中心自习室预约", "Study room booking at a learning centre",
	  "国顺路学习中心自习室半天。", EDU_COMMUNITY, 30, 500, 0 },
	{ 0, "上海开放大学", "职业技能培训券", "Vocational skills training voucher",
	  "电工、育婴员等职业技能培训课程减免。", EDU_VOCATIONAL, 200, 50, 180 },
};

/* The demo citizen's check-ins: days before today, and how. */
static const struct {
	int days_ago;
	enum checkin_source source;
	const char *note;
} checkins[] = {
	{ 1, CHECKIN_MANUAL, "读完《城市的学习》第三章" }, { 2, CHECKIN_SITE, NULL },
	{ 3, CHECKIN_MANUAL, "书法练习半小时" },         { 4, CHECKIN_MANUAL, "学了十个英语单词" },
	{ 5, CHECKIN_MANUAL, NULL },                     { 8, CHECKIN_MANUAL, "听了一节养生讲座" },
	{ 9, CHECKIN_MANUAL, NULL },                     { 12, CHECKIN_MANUAL, "智能手机课：视频通话" },
};

struct checkins_ctx {
	const char *person_id, *site_id;
	int64_t today;
};

static enum ll_err checkins_txn(struct ll_tx *tx, void *ctx)
{
	struct checkins_ctx *c = ctx;
	enum ll_err err = LL_OK;
	for (size_t i = 0; err == LL_OK && i < sizeof(checkins) / sizeof(checkins[0]); i++) {
		bool is_new;
		bool is_site = checkins[i].source == CHECKIN_SITE;
		err = checkin_record(tx, c->person_id, c->today - checkins[i].days_ago, checkins[i].source,
				     is_site ? c->site_id : NULL, NULL, checkins[i].note, &is_new);
	}
	return err;
}

enum ll_err demo_points_write(struct ll_store *st, const struct demo_institution *institutions, int n_institutions,
			      const char *citizen_person_id)
{
	char first_site[POINTS_ID_MAX] = "", community_incentive[POINTS_ID_MAX] = "";
	enum ll_err err = points_seed_reference(st); /* the check-ins below earn by the default rules */
	for (size_t i = 0; err == LL_OK && i < sizeof(sites) / sizeof(sites[0]); i++) {
		int k = demo_institution_find(institutions, n_institutions, sites[i].institution);
		if (k < 0)
			return ll_fail(LL_INTERNAL, NULL, "the demo's learning sites need %s", sites[i].institution);
		const struct audit_actor actor = { .role = "institution_admin", .name = "lifelong demo",
						   .institution_id = institutions[k].id.s };
		const struct site_in in = { sites[i].name, sites[i].name_en, sites[i].address };
		json_t *site = NULL;
		err = checkin_site_create(st, institutions[k].id.s, &in, &actor, &site);
		if (err == LL_OK && !first_site[0])
			snprintf(first_site, sizeof(first_site), "%s", json_string_value(json_object_get(site, "id")));
		json_decref(site);
	}
	const struct audit_actor city = { .role = "city_admin", .name = "lifelong demo" };
	for (size_t i = 0; err == LL_OK && i < sizeof(incentives) / sizeof(incentives[0]); i++) {
		const struct demo_incentive *d = &incentives[i];
		int k = demo_institution_find(institutions, n_institutions, d->institution);
		if (k < 0)
			return ll_fail(LL_INTERNAL, NULL, "the demo's incentives need %s", d->institution);
		struct incentive_in in;
		incentive_in_init(&in);
		in.kind = d->kind;
		in.name = d->name;
		in.name_en = d->name_en;
		in.description = d->description;
		in.institution_id = institutions[k].id.s;
		in.edu_type = d->edu_type;
		in.cost = d->cost;
		in.stock = d->stock;
		in.expires_at = d->expires_in_days ? clock_now_us() + d->expires_in_days * 86400LL * 1000000 : 0;
		json_t *made = NULL;
		err = incentive_create(st, &in, &city, &made);
		if (err == LL_OK && d->edu_type == EDU_COMMUNITY)
			snprintf(community_incentive, sizeof(community_incentive), "%s",
				 json_string_value(json_object_get(made, "id")));
		json_decref(made);
	}
	struct checkins_ctx c = { .person_id = citizen_person_id, .site_id = first_site,
				  .today = points_day_of(clock_now_us()) };
	if (err == LL_OK)
		err = store_run(st, STORE_WRITE, "demo checkins", checkins_txn, &c);
	if (err == LL_OK && community_incentive[0]) {
		const struct redeem_in in = { .incentive_id = community_incentive, .request_id = "demo-first-voucher" };
		json_t *voucher = NULL;
		bool is_new;
		err = incentive_redeem(st, citizen_person_id, &in, &voucher, &is_new);
		json_decref(voucher);
	}
	return err;
}
