/*
 * The rules of check-ins and points, without I/O: education types, Beijing days, streaks, the
 * daily codes of check-in sites, and which earning rule awards what.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../base/clock.h"
#include "../ledger/ledger.h"
#include "points.h"

const char *const edu_types[] = { "academic", "vocational", "community", "elder", NULL };
const char *const checkin_sources[] = { "statement", "manual", "site", NULL };
const char *const points_event_kinds[] = { "checkin", "completion", "outcome", NULL };

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; s && names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

enum edu_type edu_type_of_kind(const char *kind)
{
	static const struct {
		const char *kind;
		enum edu_type type;
	} map[] = {
		{ "academic_credit", EDU_ACADEMIC },           { "academic_qualification", EDU_ACADEMIC },
		{ "vocational_certificate", EDU_VOCATIONAL },  { "professional_qualification", EDU_VOCATIONAL },
		{ "non_degree_training", EDU_VOCATIONAL },     { "enterprise_training", EDU_VOCATIONAL },
		{ "community_education", EDU_COMMUNITY },      { "other_learning", EDU_COMMUNITY },
		{ "elder_education", EDU_ELDER },
	};
	for (size_t i = 0; kind && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].kind, kind) == 0)
			return map[i].type;
	return EDU_COMMUNITY;
}

enum edu_type edu_type_of_institution(const char *institution_type)
{
	static const struct {
		const char *type;
		enum edu_type edu;
	} map[] = {
		{ "university", EDU_ACADEMIC },           { "open_university", EDU_ACADEMIC },
		{ "adult_college", EDU_ACADEMIC },        { "vocational_college", EDU_VOCATIONAL },
		{ "training_institution", EDU_VOCATIONAL }, { "enterprise", EDU_VOCATIONAL },
		{ "elder_university", EDU_ELDER },        { "elder_school", EDU_ELDER },
	};
	for (size_t i = 0; institution_type && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].type, institution_type) == 0)
			return map[i].edu;
	return EDU_COMMUNITY;
}

/* ---- Days ---- */

#define DAY_US (86400LL * 1000000)

int64_t points_day_of(int64_t t_us)
{
	int64_t local = t_us + POINTS_UTC_OFFSET_US;
	return local >= 0 ? local / DAY_US : -((-local + DAY_US - 1) / DAY_US);
}

void points_day_format(int64_t day, char out[11])
{
	clock_format_date(day * DAY_US, out);
}

/* ---- Check-ins ---- */

#define ADL_VERBS "http://adlnet.gov/expapi/verbs/"

static bool adl_verb_in(const char *verb, const char *const *names)
{
	size_t n = strlen(ADL_VERBS);
	if (!verb || strncmp(verb, ADL_VERBS, n) != 0)
		return false;
	return name_index(names, verb + n) >= 0;
}

bool checkin_verb_qualifies(const char *verb)
{
	static const char *const learned[] = { "completed", "passed", "failed", "attended", "experienced",
					       "progressed", "answered", NULL };
	return adl_verb_in(verb, learned);
}

bool completion_verb(const char *verb)
{
	static const char *const completing[] = { "completed", "passed", NULL };
	return adl_verb_in(verb, completing);
}

void checkin_streak_of(const int64_t *days, int n, int64_t today, struct checkin_streak *ret)
{
	*ret = (struct checkin_streak){ .total_days = n };
	int run = 0;
	for (int i = 0; i < n; i++) {
		run = i > 0 && days[i] == days[i - 1] + 1 ? run + 1 : 1;
		if (run > ret->longest)
			ret->longest = run;
	}
	if (n == 0)
		return;
	ret->is_checked_in_today = days[n - 1] == today;
	/* The run that ends at the last day counts while it can still go on: it ends today or
	 * yesterday. Days after today (none are stored) would not count. */
	if (days[n - 1] == today || days[n - 1] == today - 1)
		ret->current = run;
}

void checkin_site_code(const unsigned char secret[SITE_SECRET_BYTES], int64_t day, char out[SITE_CODE_LEN + 1])
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford's base32 */
	unsigned char msg[8], mac[crypto_auth_hmacsha256_BYTES];
	for (int i = 0; i < 8; i++)
		msg[i] = (unsigned char)((uint64_t)day >> (56 - 8 * i));
	crypto_auth_hmacsha256(mac, msg, sizeof(msg), secret);
	/* 5 bits per character from the front of the MAC: 40 bits for 8 characters. */
	uint64_t bits = 0;
	for (int i = 0; i < 5; i++)
		bits = bits << 8 | mac[i];
	for (int i = SITE_CODE_LEN - 1; i >= 0; i--) {
		out[i] = alphabet[bits & 31];
		bits >>= 5;
	}
	out[SITE_CODE_LEN] = '\0';
}

/* ---- Earning rules ---- */

bool points_rule_matches(const struct points_rule *r, const struct points_event *e)
{
	if (!r->is_active || r->event != e->kind)
		return false;
	if (e->kind == EVENT_CHECKIN && r->checkin_source >= 0 && r->checkin_source != e->checkin_source)
		return false;
	if (e->kind == EVENT_OUTCOME) {
		if (r->outcome_kind && (!e->outcome_kind || strcmp(r->outcome_kind, e->outcome_kind) != 0))
			return false;
		if ((r->level_min >= 0 || r->level_max >= 0) && e->level < 0)
			return false;
		if (r->level_min >= 0 && e->level < r->level_min)
			return false;
		if (r->level_max >= 0 && e->level > r->level_max)
			return false;
	}
	return true;
}

int64_t points_rule_award(const struct points_rule *r, const struct points_event *e, int64_t earned_today)
{
	int64_t hours = e->hours_milli > 0 ? e->hours_milli / 1000 : 0;
	if (hours > POINTS_AWARD_MAX)
		hours = POINTS_AWARD_MAX; /* the product below then fits, and is clamped anyway */
	int64_t award = r->points + r->points_per_hour * hours;
	if (award > POINTS_AWARD_MAX)
		award = POINTS_AWARD_MAX;
	if (r->daily_cap >= 0) {
		int64_t room = r->daily_cap - earned_today;
		if (award > room)
			award = room;
	}
	return award > 0 ? award : 0;
}

int points_rule_edu_type(const struct points_rule *r, const struct points_event *e)
{
	return r->edu_type >= 0 ? r->edu_type : e->edu_type;
}

/* ---- Rules as the API gives them ---- */

void rule_in_init(struct rule_in *in)
{
	*in = (struct rule_in){ .event = -1, .level_min = -1, .level_max = -1, .points_per_hour = 0,
				.daily_cap = -1, .is_active = true };
}

const struct json_field points_rule_spec[] = {
	JSON_ENUM("event", struct rule_in, event, points_event_kinds,
		  .doc = "what earns: checkin, completion (a completed or passed statement) or outcome (a deposit)"),
	JSON_STR("name", struct rule_in, name, .min_len = 1, .max_len = 100, .doc = "the rule's name, in Chinese"),
	JSON_STR("name_en", struct rule_in, name_en, .is_optional = true, .max_len = 100),
	JSON_STR("edu_type", struct rule_in, edu_type, .is_optional = true,
		 .doc = "academic, vocational, community or elder; absent or null: the source's own"),
	JSON_STR("checkin_source", struct rule_in, checkin_source, .is_optional = true,
		 .doc = "checkin rules only: statement, manual or site; absent: any"),
	JSON_STR("outcome_kind", struct rule_in, outcome_kind, .is_optional = true,
		 .doc = "outcome rules only: the kind of outcome; absent: any"),
	JSON_I64("level_min", struct rule_in, level_min, .is_optional = true, .min = 1, .max = FRAMEWORK_LEVEL_MAX,
		 .doc = "outcome rules only: lowest framework level"),
	JSON_I64("level_max", struct rule_in, level_max, .is_optional = true, .min = 1, .max = FRAMEWORK_LEVEL_MAX,
		 .doc = "outcome rules only: highest framework level"),
	JSON_I64("points", struct rule_in, points, .min = 0, .max = POINTS_AWARD_MAX,
		 .doc = "points for each event"),
	JSON_I64("points_per_hour", struct rule_in, points_per_hour, .is_optional = true, .min = 0,
		 .max = POINTS_AWARD_MAX, .doc = "more points for each whole hour of learning the event records"),
	JSON_I64("daily_cap", struct rule_in, daily_cap, .is_optional = true, .min = 1, .max = POINTS_AWARD_MAX,
		 .doc = "at most this many points a day per person from this rule; absent: no cap"),
	JSON_BOOL("is_active", struct rule_in, is_active, .is_optional = true),
	JSON_END
};

static enum ll_err optional_name(const char *const *names, const char *value, const char *field, int *ret)
{
	*ret = -1;
	if (!value)
		return LL_OK;
	*ret = name_index(names, value);
	if (*ret < 0)
		return ll_fail(LL_INVALID_VALUE, field, "%s is not one of the known values", field);
	return LL_OK;
}

enum ll_err points_rule_from_in(const struct rule_in *in, struct points_rule *ret)
{
	struct points_rule r = { .event = in->event, .name = in->name, .name_en = in->name_en ? in->name_en : "",
				     .level_min = in->level_min, .level_max = in->level_max, .points = in->points,
				     .points_per_hour = in->points_per_hour, .daily_cap = in->daily_cap,
				     .is_active = in->is_active };
	enum ll_err err = optional_name(edu_types, in->edu_type, "edu_type", &r.edu_type);
	if (err == LL_OK)
		err = optional_name(checkin_sources, in->checkin_source, "checkin_source", &r.checkin_source);
	if (err != LL_OK)
		return err;
	if (in->checkin_source && in->event != EVENT_CHECKIN)
		return ll_fail(LL_INVALID_VALUE, "checkin_source", "only a checkin rule names a checkin source");
	if (in->outcome_kind) {
		enum outcome_kind kind;
		if (!outcome_kind_parse(in->outcome_kind, &kind))
			return ll_fail(LL_INVALID_VALUE, "outcome_kind", "unknown kind of outcome");
		if (in->event != EVENT_OUTCOME)
			return ll_fail(LL_INVALID_VALUE, "outcome_kind", "only an outcome rule names a kind of outcome");
		r.outcome_kind = in->outcome_kind;
	}
	if ((in->level_min >= 0 || in->level_max >= 0) && in->event != EVENT_OUTCOME)
		return ll_fail(LL_INVALID_VALUE, in->level_min >= 0 ? "level_min" : "level_max",
			       "only an outcome rule names framework levels");
	if (in->level_min >= 0 && in->level_max >= 0 && in->level_min > in->level_max)
		return ll_fail(LL_INVALID_VALUE, "level_max", "level_max is below level_min");
	if (in->points == 0 && in->points_per_hour == 0)
		return ll_fail(LL_INVALID_VALUE, "points", "a rule awards points, per event or per hour");
	*ret = r;
	return LL_OK;
}

static json_t *name_or_null(const char *const *names, int i)
{
	return i >= 0 ? json_string(names[i]) : json_null();
}

static json_t *i64_or_null(int64_t v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

json_t *points_rule_json(const struct points_rule *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:b}", "id", r->id, "event",
			 points_event_kinds[r->event], "name", r->name, "name_en", r->name_en ? r->name_en : "",
			 "edu_type", name_or_null(edu_types, r->edu_type), "checkin_source",
			 name_or_null(checkin_sources, r->checkin_source), "outcome_kind",
			 r->outcome_kind ? json_string(r->outcome_kind) : json_null(), "level_min",
			 i64_or_null(r->level_min), "level_max", i64_or_null(r->level_max), "points",
			 (json_int_t)r->points, "points_per_hour", (json_int_t)r->points_per_hour, "daily_cap",
			 i64_or_null(r->daily_cap), "is_active", r->is_active);
}
