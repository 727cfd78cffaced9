/*
 * The rules of check-ins and points without a database: the education type of every outcome kind
 * and institution type, Beijing days at their midnight, the verbs that count as learning and as
 * completing, streaks, the daily codes of check-in sites, which earning rule matches which event
 * and how much it awards, and rules decoded from JSON and refused with the field that is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/ll_err.h"
#include "ledger/ledger.h"
#include "org/org.h"
#include "points/points.h"
#include "json_fixture.h"

#define HOUR_US (3600LL * 1000000)
#define DAY_US (24 * HOUR_US)
#define ADL "http://adlnet.gov/expapi/verbs/"

/* ---- Education types ---- */

static void test_every_outcome_kind_has_its_education_type(void **state)
{
	(void)state;
	static const struct {
		const char *kind;
		enum edu_type type;
	} expected[] = {
		{ "academic_credit", EDU_ACADEMIC },          { "academic_qualification", EDU_ACADEMIC },
		{ "vocational_certificate", EDU_VOCATIONAL }, { "professional_qualification", EDU_VOCATIONAL },
		{ "non_degree_training", EDU_VOCATIONAL },    { "enterprise_training", EDU_VOCATIONAL },
		{ "community_education", EDU_COMMUNITY },     { "other_learning", EDU_COMMUNITY },
		{ "elder_education", EDU_ELDER },
	};
	int n = 0;
	for (int i = 0; outcome_kinds[i]; i++, n++) {
		size_t j = 0;
		while (j < sizeof(expected) / sizeof(expected[0]) && strcmp(expected[j].kind, outcome_kinds[i]) != 0)
			j++;
		if (j == sizeof(expected) / sizeof(expected[0]))
			fail_msg("outcome kind %s has no expected education type in this test", outcome_kinds[i]);
		if (edu_type_of_kind(outcome_kinds[i]) != expected[j].type)
			fail_msg("outcome kind %s gives %s, not %s", outcome_kinds[i],
				 edu_types[edu_type_of_kind(outcome_kinds[i])], edu_types[expected[j].type]);
	}
	assert_int_equal(n, KIND_COUNT);
	assert_int_equal(n, (int)(sizeof(expected) / sizeof(expected[0])));
	assert_int_equal(edu_type_of_kind("degree"), EDU_COMMUNITY);
	assert_int_equal(edu_type_of_kind("Academic_credit"), EDU_COMMUNITY);
	assert_int_equal(edu_type_of_kind(""), EDU_COMMUNITY);
	assert_int_equal(edu_type_of_kind(NULL), EDU_COMMUNITY);
}

static void test_every_institution_type_has_its_education_type(void **state)
{
	(void)state;
	static const struct {
		const char *type;
		enum edu_type edu;
	} expected[] = {
		{ "university", EDU_ACADEMIC },           { "open_university", EDU_ACADEMIC },
		{ "adult_college", EDU_ACADEMIC },        { "vocational_college", EDU_VOCATIONAL },
		{ "training_institution", EDU_VOCATIONAL }, { "enterprise", EDU_VOCATIONAL },
		{ "elder_university", EDU_ELDER },        { "elder_school", EDU_ELDER },
		{ "community_school", EDU_COMMUNITY },    { "learning_point", EDU_COMMUNITY },
		{ "partner_credit_bank", EDU_COMMUNITY }, { "credit_bank", EDU_COMMUNITY },
		{ "government", EDU_COMMUNITY },
	};
	int n = 0;
	for (int i = 0; institution_types[i]; i++, n++) {
		size_t j = 0;
		while (j < sizeof(expected) / sizeof(expected[0]) && strcmp(expected[j].type, institution_types[i]) != 0)
			j++;
		if (j == sizeof(expected) / sizeof(expected[0]))
			fail_msg("institution type %s has no expected education type in this test", institution_types[i]);
		if (edu_type_of_institution(institution_types[i]) != expected[j].edu)
			fail_msg("institution type %s gives %s, not %s", institution_types[i],
				 edu_types[edu_type_of_institution(institution_types[i])], edu_types[expected[j].edu]);
	}
	assert_int_equal(n, (int)(sizeof(expected) / sizeof(expected[0])));
	assert_int_equal(edu_type_of_institution("school"), EDU_COMMUNITY);
	assert_int_equal(edu_type_of_institution(NULL), EDU_COMMUNITY);
}

static void test_edu_type_names_follow_the_enum(void **state)
{
	(void)state;
	assert_string_equal(edu_types[EDU_ACADEMIC], "academic");
	assert_string_equal(edu_types[EDU_VOCATIONAL], "vocational");
	assert_string_equal(edu_types[EDU_COMMUNITY], "community");
	assert_string_equal(edu_types[EDU_ELDER], "elder");
	assert_null(edu_types[EDU_COUNT]);
	assert_string_equal(checkin_sources[CHECKIN_STATEMENT], "statement");
	assert_string_equal(checkin_sources[CHECKIN_MANUAL], "manual");
	assert_string_equal(checkin_sources[CHECKIN_SITE], "site");
	assert_null(checkin_sources[CHECKIN_SOURCE_COUNT]);
	assert_string_equal(points_event_kinds[EVENT_CHECKIN], "checkin");
	assert_string_equal(points_event_kinds[EVENT_COMPLETION], "completion");
	assert_string_equal(points_event_kinds[EVENT_OUTCOME], "outcome");
	assert_null(points_event_kinds[EVENT_KIND_COUNT]);
}

/* ---- Days ---- */

static void test_beijing_day_starts_at_16_utc(void **state)
{
	(void)state;
	int64_t nov23 = clock_days_from_civil(2026, 11, 23), nov24 = nov23 + 1;
	/* 2026-11-23T16:00:00Z is 2026-11-24 00:00 in Beijing. */
	int64_t midnight = nov23 * DAY_US + 16 * HOUR_US;
	assert_int_equal(points_day_of(midnight), nov24);
	assert_int_equal(points_day_of(midnight - 1), nov23);      /* 15:59:59.999999Z */
	assert_int_equal(points_day_of(nov23 * DAY_US), nov23);    /* 08:00 in Beijing */
	assert_int_equal(points_day_of(midnight + DAY_US - 1), nov24);
	assert_int_equal(points_day_of(midnight + DAY_US), nov24 + 1);

	ll_time_us t;
	assert_true(clock_parse_rfc3339("2026-11-23T15:59:59.999999Z", &t));
	assert_int_equal(points_day_of(t), nov23);
	assert_true(clock_parse_rfc3339("2026-11-23T16:00:00Z", &t));
	assert_int_equal(points_day_of(t), nov24);
	assert_true(clock_parse_rfc3339("2026-11-24T00:00:00+08:00", &t));
	assert_int_equal(points_day_of(t), nov24);
}

static void test_beijing_days_before_1970(void **state)
{
	(void)state;
	assert_int_equal(points_day_of(0), 0);                     /* 1970-01-01 08:00 Beijing */
	assert_int_equal(points_day_of(-8 * HOUR_US), 0);          /* Beijing midnight */
	assert_int_equal(points_day_of(-8 * HOUR_US - 1), -1);     /* a microsecond before it */
	assert_int_equal(points_day_of(-8 * HOUR_US - DAY_US), -1);
	assert_int_equal(points_day_of(-8 * HOUR_US - DAY_US - 1), -2);
	assert_int_equal(points_day_of(-9 * HOUR_US), -1);
	assert_int_equal(points_day_of(-365 * DAY_US), -365);     /* 1969-01-01 08:00 Beijing */
}

static void test_day_format(void **state)
{
	(void)state;
	char out[11];
	points_day_format(clock_days_from_civil(2026, 11, 24), out);
	assert_string_equal(out, "2026-11-24");
	points_day_format(0, out);
	assert_string_equal(out, "1970-01-01");
	points_day_format(-1, out);
	assert_string_equal(out, "1969-12-31");
	points_day_format(clock_days_from_civil(2028, 2, 29), out);
	assert_string_equal(out, "2028-02-29");
	ll_time_us t;
	assert_true(clock_parse_rfc3339("2026-12-31T16:00:00Z", &t));
	points_day_format(points_day_of(t), out);
	assert_string_equal(out, "2027-01-01");
}

/* ---- Verbs ---- */

static void test_learning_verbs_qualify_for_a_checkin(void **state)
{
	(void)state;
	static const char *const learned[] = { ADL "completed", ADL "passed",	   ADL "failed",  ADL "attended",
					       ADL "experienced", ADL "progressed", ADL "answered" };
	for (size_t i = 0; i < sizeof(learned) / sizeof(learned[0]); i++)
		if (!checkin_verb_qualifies(learned[i]))
			fail_msg("%s does not qualify for a check-in", learned[i]);

	static const char *const not_learned[] = {
		ADL "voided",
		ADL "launched",
		ADL "initialized",
		ADL "terminated",
		ADL "registered",
		ADL "completedX",
		ADL "complete",
		ADL,
		"http://adlnet.gov/expapi/verbs",
		"https://adlnet.gov/expapi/verbs/completed",
		"http://ADLNET.gov/expapi/verbs/completed",
		"https://w3id.org/xapi/adl/verbs/attended",
		"http://activitystrea.ms/schema/1.0/complete",
		"http://id.tincanapi.com/verb/completed",
		"completed",
		"",
		NULL,
	};
	for (size_t i = 0; i < sizeof(not_learned) / sizeof(not_learned[0]); i++)
		if (checkin_verb_qualifies(not_learned[i]))
			fail_msg("%s qualifies for a check-in", not_learned[i] ? not_learned[i] : "(null)");
}

static void test_completion_verbs(void **state)
{
	(void)state;
	assert_true(completion_verb(ADL "completed"));
	assert_true(completion_verb(ADL "passed"));
	assert_false(completion_verb(ADL "failed"));
	assert_false(completion_verb(ADL "attended"));
	assert_false(completion_verb(ADL "experienced"));
	assert_false(completion_verb(ADL "progressed"));
	assert_false(completion_verb(ADL "answered"));
	assert_false(completion_verb(ADL "voided"));
	assert_false(completion_verb(ADL "launched"));
	assert_false(completion_verb(ADL "completedX"));
	assert_false(completion_verb(ADL "passedX"));
	assert_false(completion_verb("http://id.tincanapi.com/verb/completed"));
	assert_false(completion_verb("https://adlnet.gov/expapi/verbs/passed"));
	assert_false(completion_verb("passed"));
	assert_false(completion_verb(NULL));
}

/* ---- Streaks ---- */

static void test_streak_of_no_days(void **state)
{
	(void)state;
	struct checkin_streak s = { .current = 9, .longest = 9, .total_days = 9, .is_checked_in_today = true };
	checkin_streak_of(NULL, 0, 20781, &s);
	assert_int_equal(s.current, 0);
	assert_int_equal(s.longest, 0);
	assert_int_equal(s.total_days, 0);
	assert_false(s.is_checked_in_today);
}

static void test_streak_of_today_alone(void **state)
{
	(void)state;
	const int64_t days[] = { 20781 };
	struct checkin_streak s;
	checkin_streak_of(days, 1, 20781, &s);
	assert_int_equal(s.current, 1);
	assert_int_equal(s.longest, 1);
	assert_int_equal(s.total_days, 1);
	assert_true(s.is_checked_in_today);
}

static void test_streak_ending_yesterday_still_counts(void **state)
{
	(void)state;
	const int64_t days[] = { 20777, 20778, 20779, 20780 };
	struct checkin_streak s;
	checkin_streak_of(days, 4, 20781, &s);
	assert_int_equal(s.current, 4);
	assert_int_equal(s.longest, 4);
	assert_int_equal(s.total_days, 4);
	assert_false(s.is_checked_in_today);
}

static void test_streak_ending_two_days_ago_is_broken(void **state)
{
	(void)state;
	const int64_t days[] = { 20777, 20778, 20779 };
	struct checkin_streak s;
	checkin_streak_of(days, 3, 20781, &s);
	assert_int_equal(s.current, 0);
	assert_int_equal(s.longest, 3);
	assert_int_equal(s.total_days, 3);
	assert_false(s.is_checked_in_today);
}

static void test_streak_longest_is_not_current(void **state)
{
	(void)state;
	/* Five days in a row, a gap, one alone, a gap, then the last three ending today. */
	const int64_t days[] = { 20760, 20761, 20762, 20763, 20764, 20770, 20779, 20780, 20781 };
	struct checkin_streak s;
	checkin_streak_of(days, 9, 20781, &s);
	assert_int_equal(s.current, 3);
	assert_int_equal(s.longest, 5);
	assert_int_equal(s.total_days, 9);
	assert_true(s.is_checked_in_today);

	/* The same days seen the next day: the run ending yesterday still counts, not checked in. */
	checkin_streak_of(days, 9, 20782, &s);
	assert_int_equal(s.current, 3);
	assert_false(s.is_checked_in_today);

	/* A current run longer than every earlier one is also the longest. */
	const int64_t rising[] = { 20770, 20771, 20776, 20777, 20778, 20779, 20780, 20781 };
	checkin_streak_of(rising, 8, 20781, &s);
	assert_int_equal(s.current, 6);
	assert_int_equal(s.longest, 6);
	assert_int_equal(s.total_days, 8);
}

/* ---- Site codes ---- */

static void secret_fill(unsigned char secret[SITE_SECRET_BYTES], unsigned char first)
{
	for (int i = 0; i < SITE_SECRET_BYTES; i++)
		secret[i] = (unsigned char)(first + i);
}

static void test_site_code_is_the_days_keyed_hash(void **state)
{
	(void)state;
	unsigned char secret[SITE_SECRET_BYTES], other[SITE_SECRET_BYTES];
	secret_fill(secret, 0);
	memset(other, 0xAB, sizeof(other));
	int64_t day = clock_days_from_civil(2026, 11, 24);
	char a[SITE_CODE_LEN + 1], b[SITE_CODE_LEN + 1];

	/* Known answers: the first 40 bits of HMAC-SHA256(secret, day as 8 big-endian bytes) in
	 * Crockford's base32, computed apart from this program. A change here makes every code
	 * printed or shown today stop working. */
	checkin_site_code(secret, day, a);
	assert_string_equal(a, "AH4581RS");
	checkin_site_code(secret, day + 1, a);
	assert_string_equal(a, "V02AS238");
	checkin_site_code(other, day, a);
	assert_string_equal(a, "6018EK0V");
	checkin_site_code(secret, -1, a);
	assert_string_equal(a, "A7GQJFNE");

	/* The same secret and day give the same code. */
	checkin_site_code(secret, day, a);
	checkin_site_code(secret, day, b);
	assert_string_equal(a, b);

	/* Another secret gives another code. */
	checkin_site_code(other, day, b);
	assert_string_not_equal(a, b);
}

static void test_site_codes_change_every_day_and_use_crockford(void **state)
{
	(void)state;
	unsigned char secret[SITE_SECRET_BYTES];
	secret_fill(secret, 7);
	int64_t day = clock_days_from_civil(2026, 1, 1);
	static char codes[366][SITE_CODE_LEN + 1];
	for (int i = 0; i < 366; i++) {
		memset(codes[i], '#', sizeof(codes[i]));
		checkin_site_code(secret, day + i, codes[i]);
		assert_int_equal(strlen(codes[i]), SITE_CODE_LEN);
		for (int c = 0; c < SITE_CODE_LEN; c++)
			if (!strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", codes[i][c]))
				fail_msg("code %s holds '%c', not of Crockford's base32", codes[i], codes[i][c]);
		for (int j = 0; j < i; j++)
			if (strcmp(codes[i], codes[j]) == 0)
				fail_msg("days %d and %d share the code %s", j, i, codes[i]);
	}
}

/* ---- Earning rules: which matches, what it awards ---- */

static struct points_rule rule_of(int event)
{
	return (struct points_rule){ .id = "r1", .event = event, .name = "规则", .name_en = "Rule", .edu_type = -1,
				     .checkin_source = -1, .level_min = -1, .level_max = -1, .points = 1,
				     .daily_cap = -1, .is_active = true };
}

static struct points_event event_of(int kind)
{
	return (struct points_event){ .kind = kind, .person_id = "p1", .key = "k", .day = 20781,
				      .edu_type = EDU_COMMUNITY, .checkin_source = CHECKIN_MANUAL, .level = -1,
				      .hours_milli = -1 };
}

static void test_rule_matches_only_when_active_and_of_the_event(void **state)
{
	(void)state;
	for (int k = 0; k < EVENT_KIND_COUNT; k++) {
		struct points_rule r = rule_of(k);
		for (int ek = 0; ek < EVENT_KIND_COUNT; ek++) {
			struct points_event e = event_of(ek);
			e.outcome_kind = "academic_credit";
			if (points_rule_matches(&r, &e) != (k == ek))
				fail_msg("a %s rule %s a %s event", points_event_kinds[k], k == ek ? "misses" : "matches",
					 points_event_kinds[ek]);
		}
		struct points_event e = event_of(k);
		e.outcome_kind = "academic_credit";
		r.is_active = false;
		assert_false(points_rule_matches(&r, &e));
	}
}

static void test_rule_checkin_source(void **state)
{
	(void)state;
	struct points_rule r = rule_of(EVENT_CHECKIN);
	struct points_event e = event_of(EVENT_CHECKIN);
	for (int s = 0; s < CHECKIN_SOURCE_COUNT; s++) {
		e.checkin_source = s;
		assert_true(points_rule_matches(&r, &e));   /* any source */
	}
	r.checkin_source = CHECKIN_SITE;
	e.checkin_source = CHECKIN_SITE;
	assert_true(points_rule_matches(&r, &e));
	e.checkin_source = CHECKIN_MANUAL;
	assert_false(points_rule_matches(&r, &e));
	e.checkin_source = CHECKIN_STATEMENT;
	assert_false(points_rule_matches(&r, &e));
}

static void test_rule_outcome_kind(void **state)
{
	(void)state;
	struct points_rule r = rule_of(EVENT_OUTCOME);
	struct points_event e = event_of(EVENT_OUTCOME);
	e.outcome_kind = "elder_education";
	assert_true(points_rule_matches(&r, &e));   /* any kind */
	e.outcome_kind = NULL;
	assert_true(points_rule_matches(&r, &e));

	r.outcome_kind = "vocational_certificate";
	e.outcome_kind = "vocational_certificate";
	assert_true(points_rule_matches(&r, &e));
	e.outcome_kind = "professional_qualification";
	assert_false(points_rule_matches(&r, &e));
	e.outcome_kind = NULL;
	assert_false(points_rule_matches(&r, &e));
}

static void test_rule_level_bounds(void **state)
{
	(void)state;
	struct points_rule r = rule_of(EVENT_OUTCOME);
	struct points_event e = event_of(EVENT_OUTCOME);
	e.outcome_kind = "academic_credit";

	e.level = -1;
	assert_true(points_rule_matches(&r, &e));   /* no bound: a level is not needed */
	e.level = 7;
	assert_true(points_rule_matches(&r, &e));

	r.level_min = 3;
	r.level_max = 5;
	static const struct {
		int64_t level;
		bool is_match;
	} both[] = { { -1, false }, { 1, false }, { 2, false }, { 3, true }, { 4, true }, { 5, true }, { 6, false } };
	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		e.level = both[i].level;
		if (points_rule_matches(&r, &e) != both[i].is_match)
			fail_msg("levels 3-5 %s level %lld", both[i].is_match ? "miss" : "match", (long long)both[i].level);
	}

	r.level_max = -1;   /* from 3 up */
	e.level = 10;
	assert_true(points_rule_matches(&r, &e));
	e.level = 2;
	assert_false(points_rule_matches(&r, &e));
	e.level = -1;
	assert_false(points_rule_matches(&r, &e));

	r.level_min = -1;   /* up to 4 */
	r.level_max = 4;
	e.level = 1;
	assert_true(points_rule_matches(&r, &e));
	e.level = 5;
	assert_false(points_rule_matches(&r, &e));
	e.level = -1;
	assert_false(points_rule_matches(&r, &e));
}

static void test_rule_award_fixed_and_per_hour(void **state)
{
	(void)state;
	struct points_rule r = rule_of(EVENT_COMPLETION);
	struct points_event e = event_of(EVENT_COMPLETION);
	r.points = 3;
	assert_int_equal(points_rule_award(&r, &e, 0), 3);   /* no hours */
	e.hours_milli = 5000;
	assert_int_equal(points_rule_award(&r, &e, 0), 3);   /* no points per hour */

	r.points = 2;
	r.points_per_hour = 5;
	static const struct {
		int64_t hours_milli, award;
	} cases[] = { { -1, 2 }, { 0, 2 }, { 999, 2 }, { 1000, 7 }, { 2999, 12 }, { 3000, 17 }, { 10500, 52 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e.hours_milli = cases[i].hours_milli;
		if (points_rule_award(&r, &e, 0) != cases[i].award)
			fail_msg("hours_milli %lld awards %lld, not %lld", (long long)cases[i].hours_milli,
				 (long long)points_rule_award(&r, &e, 0), (long long)cases[i].award);
	}

	r.points = 0;   /* per hour only */
	e.hours_milli = 2999;
	assert_int_equal(points_rule_award(&r, &e, 0), 10);
	e.hours_milli = 999;
	assert_int_equal(points_rule_award(&r, &e, 0), 0);
}

static void test_rule_award_daily_cap(void **state)
{
	(void)state;
	struct points_rule r = rule_of(EVENT_CHECKIN);
	struct points_event e = event_of(EVENT_CHECKIN);
	r.points = 10;
	r.daily_cap = 25;
	assert_int_equal(points_rule_award(&r, &e, 0), 10);
	assert_int_equal(points_rule_award(&r, &e, 15), 10);   /* exactly the room left */
	assert_int_equal(points_rule_award(&r, &e, 20), 5);    /* part of it */
	assert_int_equal(points_rule_award(&r, &e, 24), 1);
	assert_int_equal(points_rule_award(&r, &e, 25), 0);    /* no room */
	assert_int_equal(points_rule_award(&r, &e, 40), 0);    /* past the cap already */

	r.daily_cap = -1;   /* no cap */
	assert_int_equal(points_rule_award(&r, &e, 0), 10);
	assert_int_equal(points_rule_award(&r, &e, 1000000000), 10);
}

static void test_rule_award_never_passes_the_maximum(void **state)
{
	(void)state;
	struct points_rule r = rule_of(EVENT_OUTCOME);
	struct points_event e = event_of(EVENT_OUTCOME);
	r.points = POINTS_AWARD_MAX;
	r.points_per_hour = POINTS_AWARD_MAX;
	e.hours_milli = OUTCOME_HOURS_MILLI_MAX;
	assert_int_equal(points_rule_award(&r, &e, 0), POINTS_AWARD_MAX);

	r.points = 60000;
	r.points_per_hour = 30000;
	e.hours_milli = 2000;   /* 120,000 before the clamp */
	assert_int_equal(points_rule_award(&r, &e, 0), POINTS_AWARD_MAX);

	/* The clamp comes first, then what the cap leaves. */
	r.daily_cap = POINTS_AWARD_MAX;
	assert_int_equal(points_rule_award(&r, &e, 30000), POINTS_AWARD_MAX - 30000);
}

static void test_rule_edu_type(void **state)
{
	(void)state;
	struct points_rule r = rule_of(EVENT_OUTCOME);
	struct points_event e = event_of(EVENT_OUTCOME);
	e.edu_type = EDU_VOCATIONAL;
	assert_int_equal(points_rule_edu_type(&r, &e), EDU_VOCATIONAL);   /* the event's own */
	r.edu_type = EDU_ELDER;
	assert_int_equal(points_rule_edu_type(&r, &e), EDU_ELDER);        /* the rule's */
	r.edu_type = EDU_ACADEMIC;
	assert_int_equal(points_rule_edu_type(&r, &e), EDU_ACADEMIC);
}

/* ---- Rules from JSON ---- */

/* Decodes text by points_rule_spec and turns it into a rule; strings are borrowed from *ret_root,
 * which the caller releases. */
static enum ll_err rule_from_text(const char *text, struct points_rule *ret, json_t **ret_root)
{
	json_t *root = parse(text);
	struct rule_in in;
	rule_in_init(&in);
	ll_error_clear();
	enum ll_err err = json_decode(root, points_rule_spec, &in);
	if (err == LL_OK)
		err = points_rule_from_in(&in, ret);
	*ret_root = root;
	return err;
}

static struct points_rule rule_ok(const char *text, json_t **ret_root)
{
	struct points_rule r;
	enum ll_err err = rule_from_text(text, &r, ret_root);
	if (err != LL_OK)
		fail_msg("rule refused: %s %s: %s (%s)", ll_err_code(err), ll_error_get(err)->field,
			 ll_error_get(err)->message, text);
	return r;
}

static void test_rule_from_json(void **state)
{
	(void)state;
	json_t *root;
	struct points_rule r = rule_ok("{\"event\":\"outcome\",\"name\":\"职业证书\",\"name_en\":\"Certificate\","
				       "\"edu_type\":\"vocational\",\"outcome_kind\":\"vocational_certificate\","
				       "\"level_min\":2,\"level_max\":4,\"points\":20,\"points_per_hour\":1,"
				       "\"daily_cap\":100,\"is_active\":false}",
				       &root);
	assert_int_equal(r.event, EVENT_OUTCOME);
	assert_string_equal(r.name, "职业证书");
	assert_string_equal(r.name_en, "Certificate");
	assert_int_equal(r.edu_type, EDU_VOCATIONAL);
	assert_int_equal(r.checkin_source, -1);
	assert_string_equal(r.outcome_kind, "vocational_certificate");
	assert_int_equal(r.level_min, 2);
	assert_int_equal(r.level_max, 4);
	assert_int_equal(r.points, 20);
	assert_int_equal(r.points_per_hour, 1);
	assert_int_equal(r.daily_cap, 100);
	assert_false(r.is_active);
	json_decref(root);

	/* The least a rule says: everything optional absent or null is "any" or "none". */
	r = rule_ok("{\"event\":\"checkin\",\"name\":\"打卡\",\"points\":1,\"edu_type\":null,\"daily_cap\":null}", &root);
	assert_int_equal(r.event, EVENT_CHECKIN);
	assert_int_equal(r.edu_type, -1);
	assert_int_equal(r.checkin_source, -1);
	assert_null(r.outcome_kind);
	assert_int_equal(r.level_min, -1);
	assert_int_equal(r.level_max, -1);
	assert_int_equal(r.points_per_hour, 0);
	assert_int_equal(r.daily_cap, -1);
	assert_true(r.is_active);
	json_decref(root);

	r = rule_ok("{\"event\":\"checkin\",\"name\":\"打卡点\",\"checkin_source\":\"site\",\"points\":2}", &root);
	assert_int_equal(r.checkin_source, CHECKIN_SITE);
	json_decref(root);

	/* Per hour only is a rule; equal level bounds are one level. */
	r = rule_ok("{\"event\":\"completion\",\"name\":\"学时\",\"points\":0,\"points_per_hour\":5}", &root);
	assert_int_equal(r.points, 0);
	assert_int_equal(r.points_per_hour, 5);
	json_decref(root);
	r = rule_ok("{\"event\":\"outcome\",\"name\":\"五级\",\"level_min\":5,\"level_max\":5,\"points\":5}", &root);
	assert_int_equal(r.level_min, 5);
	assert_int_equal(r.level_max, 5);
	json_decref(root);
}

static const struct refusal {
	const char *why, *json;
	enum ll_err err;
	const char *field;
} REFUSALS[] = {
	{ "an unknown event", "{\"event\":\"login\",\"name\":\"x\",\"points\":1}", LL_INVALID_VALUE, "event" },
	{ "no event", "{\"name\":\"x\",\"points\":1}", LL_MISSING_FIELD, "event" },
	{ "no name", "{\"event\":\"checkin\",\"points\":1}", LL_MISSING_FIELD, "name" },
	{ "no points", "{\"event\":\"checkin\",\"name\":\"x\"}", LL_MISSING_FIELD, "points" },
	{ "a key the spec does not know", "{\"event\":\"checkin\",\"name\":\"x\",\"points\":1,\"id\":\"r1\"}",
	  LL_UNKNOWN_FIELD, "id" },
	{ "an unknown edu_type", "{\"event\":\"checkin\",\"name\":\"x\",\"points\":1,\"edu_type\":\"primary\"}",
	  LL_INVALID_VALUE, "edu_type" },
	{ "an unknown checkin_source",
	  "{\"event\":\"checkin\",\"name\":\"x\",\"points\":1,\"checkin_source\":\"phone\"}", LL_INVALID_VALUE,
	  "checkin_source" },
	{ "checkin_source on a completion rule",
	  "{\"event\":\"completion\",\"name\":\"x\",\"points\":1,\"checkin_source\":\"manual\"}", LL_INVALID_VALUE,
	  "checkin_source" },
	{ "checkin_source on an outcome rule",
	  "{\"event\":\"outcome\",\"name\":\"x\",\"points\":1,\"checkin_source\":\"site\"}", LL_INVALID_VALUE,
	  "checkin_source" },
	{ "an unknown outcome_kind", "{\"event\":\"outcome\",\"name\":\"x\",\"points\":1,\"outcome_kind\":\"degree\"}",
	  LL_INVALID_VALUE, "outcome_kind" },
	{ "outcome_kind on a checkin rule",
	  "{\"event\":\"checkin\",\"name\":\"x\",\"points\":1,\"outcome_kind\":\"academic_credit\"}", LL_INVALID_VALUE,
	  "outcome_kind" },
	{ "outcome_kind on a completion rule",
	  "{\"event\":\"completion\",\"name\":\"x\",\"points\":1,\"outcome_kind\":\"elder_education\"}",
	  LL_INVALID_VALUE, "outcome_kind" },
	{ "level_min on a completion rule", "{\"event\":\"completion\",\"name\":\"x\",\"points\":1,\"level_min\":2}",
	  LL_INVALID_VALUE, "level_min" },
	{ "level_max on a checkin rule", "{\"event\":\"checkin\",\"name\":\"x\",\"points\":1,\"level_max\":2}",
	  LL_INVALID_VALUE, "level_max" },
	{ "level_min above level_max",
	  "{\"event\":\"outcome\",\"name\":\"x\",\"points\":1,\"level_min\":5,\"level_max\":3}", LL_INVALID_VALUE,
	  "level_max" },
	{ "level_min just above level_max",
	  "{\"event\":\"outcome\",\"name\":\"x\",\"points\":1,\"level_min\":4,\"level_max\":3}", LL_INVALID_VALUE,
	  "level_max" },
	{ "level_min below 1", "{\"event\":\"outcome\",\"name\":\"x\",\"points\":1,\"level_min\":0}", LL_OUT_OF_RANGE,
	  "level_min" },
	{ "level_max past the framework", "{\"event\":\"outcome\",\"name\":\"x\",\"points\":1,\"level_max\":11}",
	  LL_OUT_OF_RANGE, "level_max" },
	{ "no points at all", "{\"event\":\"checkin\",\"name\":\"x\",\"points\":0}", LL_INVALID_VALUE, "points" },
	{ "no points at all, per hour said",
	  "{\"event\":\"completion\",\"name\":\"x\",\"points\":0,\"points_per_hour\":0}", LL_INVALID_VALUE, "points" },
	{ "negative points", "{\"event\":\"checkin\",\"name\":\"x\",\"points\":-1}", LL_OUT_OF_RANGE, "points" },
	{ "negative points per hour", "{\"event\":\"completion\",\"name\":\"x\",\"points\":1,\"points_per_hour\":-5}",
	  LL_OUT_OF_RANGE, "points_per_hour" },
	{ "points past the maximum", "{\"event\":\"checkin\",\"name\":\"x\",\"points\":100001}", LL_OUT_OF_RANGE,
	  "points" },
	{ "a daily cap of 0", "{\"event\":\"checkin\",\"name\":\"x\",\"points\":1,\"daily_cap\":0}", LL_OUT_OF_RANGE,
	  "daily_cap" },
	{ "a negative daily cap", "{\"event\":\"checkin\",\"name\":\"x\",\"points\":1,\"daily_cap\":-1}",
	  LL_OUT_OF_RANGE, "daily_cap" },
	{ "points as a string", "{\"event\":\"checkin\",\"name\":\"x\",\"points\":\"5\"}", LL_WRONG_TYPE, "points" },
};

static void test_rule_refusals_name_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(REFUSALS) / sizeof(REFUSALS[0]); i++) {
		const struct refusal *c = &REFUSALS[i];
		json_t *root;
		struct points_rule r;
		enum ll_err err = rule_from_text(c->json, &r, &root);
		if (err != c->err || strcmp(ll_error_get(err)->field, c->field) != 0)
			fail_msg("%s: %s at '%s', not %s at '%s'", c->why, ll_err_code(err), ll_error_get(err)->field,
				 ll_err_code(c->err), c->field);
		json_decref(root);
	}
}

/* ---- Rules to JSON ---- */

static void test_rule_json_round_trip(void **state)
{
	(void)state;
	json_t *root;
	struct points_rule r = rule_ok("{\"event\":\"outcome\",\"name\":\"职业证书\",\"name_en\":\"Certificate\","
				       "\"edu_type\":\"elder\",\"outcome_kind\":\"elder_education\","
				       "\"level_min\":1,\"level_max\":3,\"points\":20,\"points_per_hour\":2,"
				       "\"daily_cap\":60,\"is_active\":false}",
				       &root);
	snprintf(r.id, sizeof(r.id), "%s", "0193a1f2-rule");
	json_t *j = points_rule_json(&r);
	assert_non_null(j);
	json_t *want = parse("{\"id\":\"0193a1f2-rule\",\"event\":\"outcome\",\"name\":\"职业证书\","
			     "\"name_en\":\"Certificate\",\"edu_type\":\"elder\",\"checkin_source\":null,"
			     "\"outcome_kind\":\"elder_education\",\"level_min\":1,\"level_max\":3,\"points\":20,"
			     "\"points_per_hour\":2,\"daily_cap\":60,\"is_active\":false}");
	if (!json_equal(j, want)) {
		char *got = json_dumps(j, JSON_SORT_KEYS);
		fail_msg("rule JSON is %s", got);
	}
	json_decref(want);

	/* What the API answers decodes (less its id) into the same rule. */
	json_object_del(j, "id");
	struct points_rule again;
	struct rule_in in;
	rule_in_init(&in);
	assert_int_equal(json_decode(j, points_rule_spec, &in), LL_OK);
	assert_int_equal(points_rule_from_in(&in, &again), LL_OK);
	snprintf(again.id, sizeof(again.id), "%s", "0193a1f2-rule");
	json_t *j2 = points_rule_json(&again);
	json_object_del(j2, "id");
	assert_true(json_equal(j, j2));
	json_decref(j2);
	json_decref(j);
	json_decref(root);

	/* Absent optional values are null; a checkin source is named. */
	r = rule_ok("{\"event\":\"checkin\",\"name\":\"打卡\",\"name_en\":\"Check-in\",\"checkin_source\":\"manual\","
		    "\"points\":1}",
		    &root);
	j = points_rule_json(&r);
	assert_non_null(j);
	want = parse("{\"id\":\"\",\"event\":\"checkin\",\"name\":\"打卡\",\"name_en\":\"Check-in\",\"edu_type\":null,"
		     "\"checkin_source\":\"manual\",\"outcome_kind\":null,\"level_min\":null,\"level_max\":null,"
		     "\"points\":1,\"points_per_hour\":0,\"daily_cap\":null,\"is_active\":true}");
	if (!json_equal(j, want)) {
		char *got = json_dumps(j, JSON_SORT_KEYS);
		fail_msg("rule JSON is %s", got);
	}
	json_decref(want);
	json_object_del(j, "id");
	rule_in_init(&in);
	assert_int_equal(json_decode(j, points_rule_spec, &in), LL_OK);
	assert_int_equal(points_rule_from_in(&in, &again), LL_OK);
	assert_int_equal(again.checkin_source, CHECKIN_MANUAL);
	assert_int_equal(again.edu_type, -1);
	assert_int_equal(again.daily_cap, -1);
	assert_int_equal(again.level_min, -1);
	assert_null(again.outcome_kind);
	json_decref(j);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_outcome_kind_has_its_education_type),
		cmocka_unit_test(test_every_institution_type_has_its_education_type),
		cmocka_unit_test(test_edu_type_names_follow_the_enum),
		cmocka_unit_test(test_beijing_day_starts_at_16_utc),
		cmocka_unit_test(test_beijing_days_before_1970),
		cmocka_unit_test(test_day_format),
		cmocka_unit_test(test_learning_verbs_qualify_for_a_checkin),
		cmocka_unit_test(test_completion_verbs),
		cmocka_unit_test(test_streak_of_no_days),
		cmocka_unit_test(test_streak_of_today_alone),
		cmocka_unit_test(test_streak_ending_yesterday_still_counts),
		cmocka_unit_test(test_streak_ending_two_days_ago_is_broken),
		cmocka_unit_test(test_streak_longest_is_not_current),
		cmocka_unit_test(test_site_code_is_the_days_keyed_hash),
		cmocka_unit_test(test_site_codes_change_every_day_and_use_crockford),
		cmocka_unit_test(test_rule_matches_only_when_active_and_of_the_event),
		cmocka_unit_test(test_rule_checkin_source),
		cmocka_unit_test(test_rule_outcome_kind),
		cmocka_unit_test(test_rule_level_bounds),
		cmocka_unit_test(test_rule_award_fixed_and_per_hour),
		cmocka_unit_test(test_rule_award_daily_cap),
		cmocka_unit_test(test_rule_award_never_passes_the_maximum),
		cmocka_unit_test(test_rule_edu_type),
		cmocka_unit_test(test_rule_from_json),
		cmocka_unit_test(test_rule_refusals_name_the_field),
		cmocka_unit_test(test_rule_json_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
