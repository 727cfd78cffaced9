/*
 * Check-ins and points on a real database: movements of points that happen once per source key
 * and never take a balance below zero, and a verifier shown to catch a ledger tampered with
 * behind its back; check-ins stored once per source a day, awarding the day's check-in rule once
 * and a site rule for a site; streaks; earning rules by event, kind, level and daily cap, and
 * rules turned off; following the statement store and the credit bank once, again, and from the
 * start again without awarding anything twice; redemptions by eight threads at once that never
 * take a balance or a stock below zero, and a request sent twice at once that gives one voucher;
 * vouchers used once, expiring with their incentive, seen only by the institution that provides
 * them. The rules without a database are tested in test_points.c. Every case runs on SQLite and,
 * when LIFELONG_TEST_PG names a server (scripts/pg-test.sh run sets it), again on PostgreSQL,
 * each from an empty, migrated database with four institutions and three persons
 * (ledger_fixture.h). Threads never call cmocka: they record what they got and the test thread
 * checks it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrs/lrs.h"
#include "points/points.h"
#include "ledger_fixture.h"
#include "json_fixture.h"

#define HOUR_US (3600LL * 1000000)
#define DAY_US (24 * HOUR_US)
#define HOME "https://ll.sh.cn"
#define ADL "http://adlnet.gov/expapi/verbs/"

static const struct audit_actor CITY = { .id = "user-city", .role = "city_admin", .name = "city" };

/* The Beijing day of a date, and a UTC time on it at a Beijing hour. */
static int64_t day_of(int y, unsigned m, unsigned d)
{
	return clock_days_from_civil(y, m, d);
}

static int64_t beijing(int y, unsigned m, unsigned d, int hour)
{
	return day_of(y, m, d) * DAY_US + hour * HOUR_US - POINTS_UTC_OFFSET_US;
}

/* ---- Balances and the ledger as the API and the tables show them ---- */

static void expect_balances(struct fx *f, int person, int64_t academic, int64_t vocational, int64_t community,
			    int64_t elder)
{
	json_t *b = NULL;
	assert_ok(points_balances(f->st, person_ids[person], &b));
	const int64_t want[EDU_COUNT] = { academic, vocational, community, elder };
	json_t *by_type = json_object_get(b, "balances");
	for (int t = 0; t < EDU_COUNT; t++) {
		int64_t got = json_integer_value(json_object_get(by_type, edu_types[t]));
		if (got != want[t])
			fail_msg("%s has %lld %s points, want %lld", person_ids[person], (long long)got, edu_types[t],
				 (long long)want[t]);
	}
	assert_int_equal(json_integer_value(json_object_get(b, "total")), academic + vocational + community + elder);
	json_decref(b);
}

static void expect_ledger_sound(struct fx *f)
{
	struct points_check c;
	assert_ok(points_verify(f->st, &c));
	assert_int_equal(c.unbalanced, 0);
	assert_int_equal(c.wrong_balances, 0);
	assert_int_equal(c.postings, 2 * c.transactions);
}

static int64_t awarded_by_rule(struct fx *f, const char *rule_id)
{
	return sql_i64(f->st, "SELECT COALESCE(SUM(amount), 0) FROM points_txns WHERE rule_id = $1",
		       SP(SV_TEXT(rule_id)));
}

/* What a write may leave behind, to show that a refusal or a second run wrote nothing. */
struct points_counts {
	int64_t txns, postings, balances, checkins, redemptions, balance_sum;
};

static struct points_counts points_counts_now(struct fx *f)
{
	return (struct points_counts){
		.txns = count_rows(f->st, "points_txns"),
		.postings = count_rows(f->st, "points_postings"),
		.balances = count_rows(f->st, "points_balances"),
		.checkins = count_rows(f->st, "checkins"),
		.redemptions = count_rows(f->st, "points_redemptions"),
		.balance_sum = sql_i64(f->st, "SELECT COALESCE(SUM(balance), 0) FROM points_balances", SP_NONE),
	};
}

static void assert_points_counts_equal(struct points_counts got, struct points_counts want)
{
	assert_int_equal(got.txns, want.txns);
	assert_int_equal(got.postings, want.postings);
	assert_int_equal(got.balances, want.balances);
	assert_int_equal(got.checkins, want.checkins);
	assert_int_equal(got.redemptions, want.redemptions);
	assert_int_equal(got.balance_sum, want.balance_sum);
}

/* ---- Moving points in the caller's transaction ---- */

#define MOVES_MAX 4

/* Up to MOVES_MAX movements made in one transaction, in order; the first failure rolls all back. */
struct moves {
	struct points_move m[MOVES_MAX];
	int n;
	char txn_id[MOVES_MAX][POINTS_ID_MAX];
	bool is_new[MOVES_MAX];
};

static struct points_move move_of(int person, int edu, int64_t amount, bool is_credit, const char *key)
{
	return (struct points_move){ .person_id = person_ids[person], .edu_type = edu, .amount = amount,
				     .is_credit = is_credit, .source_key = key,
				     .event = is_credit ? "checkin" : "redemption", .ref = key,
				     .day = points_day_of(clock_now_us()), .description = "测试",
				     .description_en = "test" };
}

static enum ll_err moves_txn(struct ll_tx *tx, void *ctx)
{
	struct moves *mv = ctx;
	enum ll_err err = LL_OK;
	for (int i = 0; i < mv->n && err == LL_OK; i++)
		err = points_move(tx, &mv->m[i], mv->txn_id[i], &mv->is_new[i]);
	return err;
}

static enum ll_err move_one(struct fx *f, struct points_move m, char ret_txn_id[POINTS_ID_MAX], bool *ret_is_new)
{
	struct moves mv = { .m = { m }, .n = 1 };
	enum ll_err err = store_run(f->st, STORE_WRITE, "test move", moves_txn, &mv);
	if (err == LL_OK && ret_txn_id)
		memcpy(ret_txn_id, mv.txn_id[0], POINTS_ID_MAX);
	if (err == LL_OK && ret_is_new)
		*ret_is_new = mv.is_new[0];
	return err;
}

static void credit_ok(struct fx *f, int person, int edu, int64_t amount, const char *key)
{
	bool is_new = false;
	assert_ok(move_one(f, move_of(person, edu, amount, true, key), NULL, &is_new));
	assert_true(is_new);
}

static void test_points_move_credits_debits_and_refuses_a_debit_beyond_the_balance(void **state)
{
	struct fx *f = *state;
	credit_ok(f, 0, EDU_COMMUNITY, 10, "test:credit:1");
	expect_balances(f, 0, 0, 0, 10, 0);
	bool is_new = false;
	char txn_id[POINTS_ID_MAX] = "";
	assert_ok(move_one(f, move_of(0, EDU_COMMUNITY, 4, false, "test:debit:1"), txn_id, &is_new));
	assert_true(is_new);
	assert_true(txn_id[0] != '\0');
	expect_balances(f, 0, 0, 0, 6, 0);
	/* Both sides of each movement: the person's account and the city's. */
	assert_int_equal(sql_i64(f->st, "SELECT amount FROM points_postings WHERE txn_id = $1 AND account = 'person'",
				 SP(SV_TEXT(txn_id))),
			 -4);
	assert_int_equal(sql_i64(f->st,
				 "SELECT amount FROM points_postings WHERE txn_id = $1 AND account = 'city:redeemed'",
				 SP(SV_TEXT(txn_id))),
			 4);
	struct points_counts before = points_counts_now(f);

	/* One point too many: refused, and the rolled-back transaction leaves nothing of it. */
	assert_fails(move_one(f, move_of(0, EDU_COMMUNITY, 7, false, "test:debit:2"), NULL, NULL),
		     LL_INSUFFICIENT_POINTS, NULL);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM points_txns WHERE source_key = 'test:debit:2'", SP_NONE), 0);
	assert_points_counts_equal(points_counts_now(f), before);
	expect_balances(f, 0, 0, 0, 6, 0);
	/* A credit in the same transaction as a refused debit is rolled back with it. */
	struct moves mixed = { .m = { move_of(0, EDU_COMMUNITY, 5, true, "test:credit:2"),
				      move_of(0, EDU_COMMUNITY, 20, false, "test:debit:3") },
			       .n = 2 };
	assert_fails(store_run(f->st, STORE_WRITE, "test moves", moves_txn, &mixed), LL_INSUFFICIENT_POINTS, NULL);
	assert_points_counts_equal(points_counts_now(f), before);
	/* A type the person never had, and another person's balance, pay for nothing. */
	assert_fails(move_one(f, move_of(0, EDU_ELDER, 1, false, "test:debit:4"), NULL, NULL), LL_INSUFFICIENT_POINTS,
		     NULL);
	assert_fails(move_one(f, move_of(1, EDU_COMMUNITY, 1, false, "test:debit:5"), NULL, NULL),
		     LL_INSUFFICIENT_POINTS, NULL);
	assert_points_counts_equal(points_counts_now(f), before);
	/* The whole balance can be spent, down to zero. */
	assert_ok(move_one(f, move_of(0, EDU_COMMUNITY, 6, false, "test:debit:6"), NULL, &is_new));
	expect_balances(f, 0, 0, 0, 0, 0);
	expect_ledger_sound(f);
}

static void test_points_move_of_a_source_key_twice_moves_once(void **state)
{
	struct fx *f = *state;
	char first[POINTS_ID_MAX], again[POINTS_ID_MAX];
	bool is_new = false;
	assert_ok(move_one(f, move_of(0, EDU_ACADEMIC, 8, true, "test:once"), first, &is_new));
	assert_true(is_new);
	struct points_counts before = points_counts_now(f);
	/* The same key again, even with another amount or direction: nothing moves, and the first
	 * transaction is named. */
	assert_ok(move_one(f, move_of(0, EDU_ACADEMIC, 8, true, "test:once"), again, &is_new));
	assert_false(is_new);
	assert_string_equal(again, first);
	assert_ok(move_one(f, move_of(0, EDU_ACADEMIC, 3, false, "test:once"), again, &is_new));
	assert_false(is_new);
	assert_string_equal(again, first);
	assert_points_counts_equal(points_counts_now(f), before);
	expect_balances(f, 0, 8, 0, 0, 0);
	/* Twice within one transaction: once. */
	struct moves twice = { .m = { move_of(1, EDU_ELDER, 2, true, "test:twice"),
				      move_of(1, EDU_ELDER, 2, true, "test:twice") },
			       .n = 2 };
	assert_ok(store_run(f->st, STORE_WRITE, "test moves", moves_txn, &twice));
	assert_true(twice.is_new[0]);
	assert_false(twice.is_new[1]);
	assert_string_equal(twice.txn_id[1], twice.txn_id[0]);
	expect_balances(f, 1, 0, 0, 0, 2);
	expect_ledger_sound(f);
}

static void test_points_verify_finds_the_ledger_sound_and_catches_tampering(void **state)
{
	struct fx *f = *state;
	credit_ok(f, 0, EDU_COMMUNITY, 10, "v:1");
	credit_ok(f, 0, EDU_ACADEMIC, 7, "v:2");
	credit_ok(f, 1, EDU_ELDER, 3, "v:3");
	assert_ok(move_one(f, move_of(0, EDU_COMMUNITY, 4, false, "v:4"), NULL, NULL));
	assert_ok(move_one(f, move_of(0, EDU_ACADEMIC, 7, false, "v:5"), NULL, NULL));
	assert_fails(move_one(f, move_of(1, EDU_ELDER, 5, false, "v:6"), NULL, NULL), LL_INSUFFICIENT_POINTS, NULL);
	bool is_new = true;
	assert_ok(move_one(f, move_of(0, EDU_COMMUNITY, 10, true, "v:1"), NULL, &is_new));
	assert_false(is_new);
	struct points_check c;
	assert_ok(points_verify(f->st, &c));
	assert_int_equal(c.transactions, 5);
	assert_int_equal(c.postings, 10);
	assert_int_equal(c.persons, 2);
	assert_int_equal(c.unbalanced, 0);
	assert_int_equal(c.wrong_balances, 0);
	expect_balances(f, 0, 0, 0, 6, 0);
	expect_balances(f, 1, 0, 0, 0, 3);

	/* A balance changed behind the ledger's back. */
	const struct store_val p1_community[] = { SV_TEXT(person_ids[0]), SV_TEXT("community") };
	assert_int_equal(sql(f->st, "UPDATE points_balances SET balance = balance + 1 WHERE person_id = $1 AND edu_type = $2",
			     p1_community, 2, NULL, NULL),
			 1);
	assert_ok(points_verify(f->st, &c));
	assert_int_equal(c.wrong_balances, 1);
	assert_int_equal(c.unbalanced, 0);
	sql(f->st, "UPDATE points_balances SET balance = balance - 1 WHERE person_id = $1 AND edu_type = $2", p1_community,
	    2, NULL, NULL);
	assert_ok(points_verify(f->st, &c));
	assert_int_equal(c.wrong_balances, 0);

	/* A balance row gone while its postings stay. */
	sql(f->st, "DELETE FROM points_balances WHERE person_id = $1 AND edu_type = 'elder'", SP(SV_TEXT(person_ids[1])),
	    NULL, NULL);
	assert_ok(points_verify(f->st, &c));
	assert_int_equal(c.wrong_balances, 1);
	sql(f->st, "INSERT INTO points_balances (person_id, edu_type, balance) VALUES ($1, 'elder', 3)",
	    SP(SV_TEXT(person_ids[1])), NULL, NULL);
	assert_ok(points_verify(f->st, &c));
	assert_int_equal(c.wrong_balances, 0);

	/* The city's side of a transaction changed: it no longer sums to zero. */
	char txn[POINTS_ID_MAX] = "";
	assert_ok(move_one(f, move_of(0, EDU_COMMUNITY, 1, true, "v:1"), txn, &is_new));
	const struct store_val by_txn[] = { SV_TEXT(txn) };
	sql(f->st, "UPDATE points_postings SET amount = amount - 1 WHERE txn_id = $1 AND account = 'city:issued'", by_txn, 1,
	    NULL, NULL);
	assert_ok(points_verify(f->st, &c));
	assert_int_equal(c.unbalanced, 1);
	assert_int_equal(c.wrong_balances, 0);
	sql(f->st, "UPDATE points_postings SET amount = amount + 1 WHERE txn_id = $1 AND account = 'city:issued'", by_txn, 1,
	    NULL, NULL);
	/* Or lost altogether. */
	sql(f->st, "DELETE FROM points_postings WHERE txn_id = $1 AND account = 'city:issued'", by_txn, 1, NULL, NULL);
	assert_ok(points_verify(f->st, &c));
	assert_int_equal(c.unbalanced, 1);
}

/* ---- Earning rules ---- */

static struct points_rule rule_of(enum points_event_kind event, int64_t points)
{
	return (struct points_rule){ .event = event, .name = "测试规则", .name_en = "Test rule", .edu_type = -1,
				     .checkin_source = -1, .level_min = -1, .level_max = -1, .points = points,
				     .daily_cap = -1, .is_active = true };
}

/* Creates (id NULL) or replaces a rule; its id into ret_id when given. */
static void rule_save_ok(struct fx *f, const char *id, const struct points_rule *r, char ret_id[POINTS_ID_MAX])
{
	json_t *saved = NULL;
	assert_ok(points_rule_save(f->st, id, r, &CITY, &saved));
	if (ret_id)
		snprintf(ret_id, POINTS_ID_MAX, "%s", json_string_value(json_object_get(saved, "id")));
	json_decref(saved);
}

static enum ll_err award_txn(struct ll_tx *tx, void *ctx)
{
	return points_award(tx, ctx);
}

static void award_ok(struct fx *f, const struct points_event *e)
{
	assert_ok(store_run(f->st, STORE_WRITE, "test award", award_txn, (void *)e));
}

static struct points_event completion_of(int person, const char *key, int64_t day, int64_t hours_milli)
{
	return (struct points_event){ .kind = EVENT_COMPLETION, .person_id = person_ids[person], .key = key, .day = day,
				      .edu_type = EDU_ACADEMIC, .level = -1, .hours_milli = hours_milli };
}

static struct points_event outcome_event_of(int person, const char *key, const char *kind, int64_t level)
{
	return (struct points_event){ .kind = EVENT_OUTCOME, .person_id = person_ids[person], .key = key,
				      .day = day_of(2026, 11, 24), .edu_type = edu_type_of_kind(kind), .outcome_kind = kind,
				      .level = level, .hours_milli = -1 };
}

static void test_daily_cap_limits_a_rule_per_person_and_day_across_events(void **state)
{
	struct fx *f = *state;
	struct points_rule r = rule_of(EVENT_COMPLETION, 20);
	r.daily_cap = 50;
	char capped[POINTS_ID_MAX];
	rule_save_ok(f, NULL, &r, capped);
	int64_t d = day_of(2026, 11, 24);
	const char *keys[] = { "statement:a", "statement:b", "statement:c", "statement:d" };
	const int64_t after[] = { 20, 40, 50, 50 };
	for (int i = 0; i < 4; i++) {
		struct points_event e = completion_of(0, keys[i], d, -1);
		award_ok(f, &e);
		assert_int_equal(awarded_by_rule(f, capped), after[i]);
	}
	/* The capped one was cut to what was left; the one past the cap wrote nothing. */
	assert_int_equal(sql_i64(f->st, "SELECT amount FROM points_txns WHERE ref = 'statement:c'", SP_NONE), 10);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM points_txns WHERE ref = 'statement:d'", SP_NONE), 0);
	expect_balances(f, 0, 50, 0, 0, 0);
	/* The next day starts again, and another person has their own cap. */
	struct points_event next_day = completion_of(0, "statement:e", d + 1, -1);
	award_ok(f, &next_day);
	struct points_event other = completion_of(1, "statement:f", d, -1);
	award_ok(f, &other);
	expect_balances(f, 0, 70, 0, 0, 0);
	expect_balances(f, 1, 20, 0, 0, 0);
	/* An event awarded already awards nothing, however often it comes. */
	struct points_event first = completion_of(0, "statement:e", d + 1, -1);
	award_ok(f, &first);
	award_ok(f, &first);
	expect_balances(f, 0, 70, 0, 0, 0);

	/* Points per whole hour, capped too: 2 + 5 a whole hour, at most 30 a day. */
	struct points_rule hourly = rule_of(EVENT_COMPLETION, 2);
	hourly.points_per_hour = 5;
	hourly.daily_cap = 30;
	hourly.edu_type = EDU_ELDER;
	char hourly_id[POINTS_ID_MAX];
	rule_save_ok(f, NULL, &hourly, hourly_id);
	struct points_event long_one = completion_of(2, "statement:g", d, 2999); /* 2 whole hours */
	award_ok(f, &long_one);
	assert_int_equal(awarded_by_rule(f, hourly_id), 12);
	struct points_event longer = completion_of(2, "statement:h", d, 10 * 1000);
	award_ok(f, &longer);
	assert_int_equal(awarded_by_rule(f, hourly_id), 30);
	/* The first rule (its own type: academic) and the hourly one (elder) both applied. */
	expect_balances(f, 2, 40, 0, 0, 30);
	expect_ledger_sound(f);
}

static void test_a_rule_made_inactive_awards_nothing(void **state)
{
	struct fx *f = *state;
	struct points_rule r = rule_of(EVENT_CHECKIN, 5);
	char id[POINTS_ID_MAX];
	rule_save_ok(f, NULL, &r, id);
	struct points_rule off = rule_of(EVENT_CHECKIN, 1000);
	off.is_active = false;
	char off_id[POINTS_ID_MAX];
	rule_save_ok(f, NULL, &off, off_id);
	int64_t d = day_of(2026, 11, 24);
	struct points_event e = { .kind = EVENT_CHECKIN, .person_id = person_ids[0], .key = "checkin:person-1:2026-11-24",
				  .day = d, .edu_type = EDU_COMMUNITY, .checkin_source = CHECKIN_MANUAL, .level = -1,
				  .hours_milli = -1 };
	award_ok(f, &e);
	expect_balances(f, 0, 0, 0, 5, 0);
	assert_int_equal(awarded_by_rule(f, off_id), 0);

	/* Turned off: later events award nothing; what it awarded stays. */
	r.is_active = false;
	rule_save_ok(f, id, &r, NULL);
	e.key = "checkin:person-1:2026-11-25";
	e.day = d + 1;
	award_ok(f, &e);
	expect_balances(f, 0, 0, 0, 5, 0);
	assert_int_equal(count_rows(f->st, "points_txns"), 1);
	/* And on again. */
	r.is_active = true;
	rule_save_ok(f, id, &r, NULL);
	e.key = "checkin:person-1:2026-11-26";
	e.day = d + 2;
	award_ok(f, &e);
	expect_balances(f, 0, 0, 0, 10, 0);
	assert_int_equal(awarded_by_rule(f, off_id), 0);
	/* Replacing a rule that does not exist is refused. */
	json_t *saved = NULL;
	assert_fails(points_rule_save(f->st, "no-such-rule", &r, &CITY, &saved), LL_NOT_FOUND, NULL);
}

static void test_outcome_rules_apply_by_kind_and_level_to_their_type(void **state)
{
	struct fx *f = *state;
	struct points_rule any = rule_of(EVENT_OUTCOME, 1);
	struct points_rule credit = rule_of(EVENT_OUTCOME, 10);
	credit.outcome_kind = "academic_credit";
	struct points_rule mid = rule_of(EVENT_OUTCOME, 100);
	mid.level_min = 3;
	mid.level_max = 5;
	struct points_rule high = rule_of(EVENT_OUTCOME, 1000);
	high.level_min = 6;
	struct points_rule training_to_elder = rule_of(EVENT_OUTCOME, 10000);
	training_to_elder.outcome_kind = "enterprise_training";
	training_to_elder.edu_type = EDU_ELDER;
	/* A completion rule never applies to an outcome. */
	struct points_rule completion = rule_of(EVENT_COMPLETION, 100000);
	const struct points_rule *rules[] = { &any, &credit, &mid, &high, &training_to_elder, &completion };
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		rule_save_ok(f, NULL, rules[i], NULL);

	static const struct {
		const char *key, *kind;
		int64_t level, sum, count;
	} cases[] = {
		{ "outcome:1", "academic_credit", -1, 1 + 10, 2 },          /* no level: no level rule */
		{ "outcome:2", "enterprise_training", 3, 1 + 100 + 10000, 3 }, /* the lowest level of mid */
		{ "outcome:3", "enterprise_training", 5, 1 + 100 + 10000, 3 }, /* its highest */
		{ "outcome:4", "vocational_certificate", 6, 1 + 1000, 2 },
		{ "outcome:5", "elder_education", 2, 1, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct points_event e = outcome_event_of(0, cases[i].key, cases[i].kind, cases[i].level);
		award_ok(f, &e);
		const struct store_val ref[] = { SV_TEXT(cases[i].key) };
		int64_t sum = sql_i64(f->st, "SELECT COALESCE(SUM(amount), 0) FROM points_txns WHERE ref = $1", ref, 1);
		int64_t count = sql_i64(f->st, "SELECT COUNT(*) FROM points_txns WHERE ref = $1", ref, 1);
		if (sum != cases[i].sum || count != cases[i].count)
			fail_msg("%s (%s, level %lld) awarded %lld in %lld, want %lld in %lld", cases[i].key, cases[i].kind,
				 (long long)cases[i].level, (long long)sum, (long long)count, (long long)cases[i].sum,
				 (long long)cases[i].count);
	}
	/* Each award in the rule's type, or the outcome's own. */
	expect_balances(f, 0, 11, 1 + 100 + 1 + 100 + 1 + 1000, 0, 10000 + 10000 + 1);
	expect_ledger_sound(f);
}

/* ---- Check-ins ---- */

struct checkin_call {
	int person;
	int64_t day;
	enum checkin_source source;
	const char *site_id, *note;
	bool is_new;
};

static enum ll_err checkin_txn(struct ll_tx *tx, void *ctx)
{
	struct checkin_call *c = ctx;
	return checkin_record(tx, person_ids[c->person], c->day, c->source, c->site_id, NULL, c->note, &c->is_new);
}

/* Records a check-in; true when it was new. */
static bool checkin_ok(struct fx *f, int person, int64_t day, enum checkin_source source, const char *site_id,
		       const char *note)
{
	struct checkin_call c = { person, day, source, site_id, note, false };
	assert_ok(store_run(f->st, STORE_WRITE, "test checkin", checkin_txn, &c));
	return c.is_new;
}

static void site_create_ok(struct fx *f, const char *institution_id, const char *name, char ret_id[POINTS_ID_MAX])
{
	struct site_in in = { .name = name, .name_en = "Test site", .address = "上海市黄浦区" };
	json_t *site = NULL;
	assert_ok(checkin_site_create(f->st, institution_id, &in, &ACTOR, &site));
	snprintf(ret_id, POINTS_ID_MAX, "%s", json_string_value(json_object_get(site, "id")));
	json_decref(site);
}

static void test_checkin_is_stored_once_per_source_a_day_and_rules_award_once(void **state)
{
	struct fx *f = *state;
	/* The city's defaults: 5 for a day checked in (any source), 5 more at a site. */
	assert_ok(points_seed_reference(f->st));
	assert_ok(points_seed_reference(f->st)); /* only when there are none */
	assert_int_equal(count_rows(f->st, "points_rules"), 5);
	char site[POINTS_ID_MAX];
	site_create_ok(f, CS, "社区学习点", site);
	int64_t d = day_of(2026, 11, 24);

	assert_true(checkin_ok(f, 0, d, CHECKIN_MANUAL, NULL, "读了一章"));
	expect_balances(f, 0, 0, 0, 5, 0);
	/* The same source again: not new, nothing more, the first note kept. */
	assert_false(checkin_ok(f, 0, d, CHECKIN_MANUAL, NULL, "又读了一章"));
	expect_balances(f, 0, 0, 0, 5, 0);
	assert_int_equal(count_rows(f->st, "checkins"), 1);
	assert_int_equal(count_rows(f->st, "points_txns"), 1);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM checkins WHERE note = '读了一章'", SP_NONE), 1);
	/* Another source the same day is a new check-in, but the day was awarded already. */
	assert_true(checkin_ok(f, 0, d, CHECKIN_STATEMENT, NULL, NULL));
	expect_balances(f, 0, 0, 0, 5, 0);
	/* A site check-in is new and earns the site rule. */
	assert_true(checkin_ok(f, 0, d, CHECKIN_SITE, site, NULL));
	expect_balances(f, 0, 0, 0, 10, 0);
	assert_false(checkin_ok(f, 0, d, CHECKIN_SITE, site, NULL));
	expect_balances(f, 0, 0, 0, 10, 0);
	assert_int_equal(count_rows(f->st, "checkins"), 3);
	assert_int_equal(count_rows(f->st, "points_txns"), 2);
	/* A site check-in the next day earns both; the day's key names the day. */
	assert_true(checkin_ok(f, 0, d + 1, CHECKIN_SITE, site, NULL));
	expect_balances(f, 0, 0, 0, 20, 0);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM points_txns WHERE ref = 'checkin:person-1:2026-11-25'",
				 SP_NONE),
			 2);
	/* Another person's day is theirs. */
	assert_true(checkin_ok(f, 1, d, CHECKIN_MANUAL, NULL, NULL));
	expect_balances(f, 1, 0, 0, 5, 0);
	expect_balances(f, 0, 0, 0, 20, 0);
	expect_ledger_sound(f);

	/* The month shows each day once with its sources, its note and its site. */
	clock_set_fixed(beijing(2026, 11, 25, 12));
	json_t *m = NULL;
	assert_ok(checkin_month(f->st, person_ids[0], 2026, 11, &m));
	json_t *days = json_object_get(m, "days");
	assert_int_equal(json_array_size(days), 2);
	json_t *first = json_array_get(days, 0);
	assert_string_equal(json_string_value(json_object_get(first, "date")), "2026-11-24");
	json_t *sources = json_object_get(first, "sources");
	assert_int_equal(json_array_size(sources), 3);
	assert_string_equal(json_string_value(json_array_get(sources, 0)), "manual");
	assert_string_equal(json_string_value(json_array_get(sources, 1)), "site");
	assert_string_equal(json_string_value(json_array_get(sources, 2)), "statement");
	assert_string_equal(json_string_value(json_object_get(first, "note")), "读了一章");
	assert_string_equal(json_string_value(json_object_get(json_object_get(first, "site"), "id")), site);
	json_t *streak = json_object_get(m, "streak");
	assert_int_equal(json_integer_value(json_object_get(streak, "current")), 2);
	assert_int_equal(json_integer_value(json_object_get(streak, "total_days")), 2);
	assert_true(json_is_true(json_object_get(streak, "is_checked_in_today")));
	json_decref(m);
}

static void test_a_site_check_in_needs_the_sites_code_of_today(void **state)
{
	struct fx *f = *state;
	assert_ok(points_seed_reference(f->st));
	clock_set_fixed(beijing(2026, 11, 24, 9));
	char site[POINTS_ID_MAX];
	site_create_ok(f, CS, "社区学习点", site);
	json_t *today = NULL;
	assert_ok(checkin_site_code_today(f->st, CS, site, &today));
	char code[SITE_CODE_LEN + 1];
	snprintf(code, sizeof(code), "%s", json_string_value(json_object_get(today, "code")));
	assert_string_equal(json_string_value(json_object_get(today, "date")), "2026-11-24");
	json_decref(today);
	/* Only the providing institution sees it. */
	assert_fails(checkin_site_code_today(f->st, U1, site, &today), LL_NOT_FOUND, NULL);

	struct points_counts before = points_counts_now(f);
	json_t *got = NULL;
	bool is_new = false;
	struct checkin_in wrong = { .site_id = site, .code = "00000000" };
	if (strcmp(code, "00000000") == 0)
		wrong.code = "11111111";
	assert_fails(checkin_today(f->st, person_ids[0], &wrong, &got, &is_new), LL_INVALID_CHECKIN_CODE, "code");
	struct checkin_in unknown = { .site_id = "no-such-site", .code = code };
	assert_fails(checkin_today(f->st, person_ids[0], &unknown, &got, &is_new), LL_UNKNOWN_SITE, "site_id");
	assert_points_counts_equal(points_counts_now(f), before);

	/* Today's code, typed in lower case. */
	char typed[SITE_CODE_LEN + 1];
	for (int i = 0; i <= SITE_CODE_LEN; i++)
		typed[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] - 'A' + 'a' : code[i]);
	struct checkin_in right = { .site_id = site, .code = typed };
	assert_ok(checkin_today(f->st, person_ids[0], &right, &got, &is_new));
	assert_true(is_new);
	assert_string_equal(json_string_value(json_object_get(got, "source")), "site");
	json_decref(got);
	assert_ok(checkin_today(f->st, person_ids[0], &right, &got, &is_new));
	assert_false(is_new);
	json_decref(got);
	expect_balances(f, 0, 0, 0, 10, 0);

	/* The next day yesterday's code no longer works; and a retired site takes none. */
	clock_set_fixed(beijing(2026, 11, 25, 9));
	struct checkin_in yesterday = { .site_id = site, .code = code };
	assert_fails(checkin_today(f->st, person_ids[1], &yesterday, &got, &is_new), LL_INVALID_CHECKIN_CODE, "code");
	assert_ok(checkin_site_code_today(f->st, CS, site, &today));
	char code2[SITE_CODE_LEN + 1];
	snprintf(code2, sizeof(code2), "%s", json_string_value(json_object_get(today, "code")));
	json_decref(today);
	assert_ok(checkin_site_retire(f->st, CS, site, &ACTOR));
	struct checkin_in retired = { .site_id = site, .code = code2 };
	assert_fails(checkin_today(f->st, person_ids[1], &retired, &got, &is_new), LL_UNKNOWN_SITE, "site_id");
	assert_fails(checkin_site_code_today(f->st, CS, site, &today), LL_NOT_FOUND, NULL);
	expect_balances(f, 1, 0, 0, 0, 0);
}

static void expect_streak(struct fx *f, int person, int y, int m, int current, int longest, int total,
			  bool is_today, const char *dates)
{
	json_t *month = NULL;
	assert_ok(checkin_month(f->st, person_ids[person], y, m, &month));
	json_t *s = json_object_get(month, "streak");
	char got[256] = "";
	size_t i;
	json_t *day;
	json_array_foreach (json_object_get(month, "days"), i, day) {
		size_t n = strlen(got);
		snprintf(got + n, sizeof(got) - n, "%s%s", n ? " " : "",
			 json_string_value(json_object_get(day, "date")) + 8);
	}
	int64_t cur = json_integer_value(json_object_get(s, "current"));
	int64_t lon = json_integer_value(json_object_get(s, "longest"));
	int64_t tot = json_integer_value(json_object_get(s, "total_days"));
	bool today = json_is_true(json_object_get(s, "is_checked_in_today"));
	if (cur != current || lon != longest || tot != total || today != is_today || strcmp(got, dates) != 0)
		fail_msg("%04d-%02d on %s: current %lld longest %lld total %lld today %d days [%s]; want %d %d %d %d [%s]", y,
			 m, json_string_value(json_object_get(month, "today")), (long long)cur, (long long)lon,
			 (long long)tot, today, got, current, longest, total, is_today, dates);
	json_decref(month);
}

static void test_checkin_month_gives_the_days_and_the_streaks(void **state)
{
	struct fx *f = *state;
	/* 30 Oct - 2 Nov (4 days across the month's edge), 10-14 Nov (5), 22-23 Nov (2, the 23rd
	 * from two sources). */
	const int64_t days[][2] = { { 10, 30 }, { 10, 31 }, { 11, 1 },  { 11, 2 },  { 11, 10 }, { 11, 11 },
				    { 11, 12 }, { 11, 13 }, { 11, 14 }, { 11, 22 }, { 11, 23 } };
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		assert_true(checkin_ok(f, 0, day_of(2026, (unsigned)days[i][0], (unsigned)days[i][1]), CHECKIN_MANUAL, NULL,
				       NULL));
	assert_true(checkin_ok(f, 0, day_of(2026, 11, 23), CHECKIN_STATEMENT, NULL, NULL));
	/* Someone else's days are not theirs. */
	assert_true(checkin_ok(f, 1, day_of(2026, 11, 24), CHECKIN_MANUAL, NULL, NULL));

	/* On the 24th, not yet checked in: the run to yesterday goes on. */
	clock_set_fixed(beijing(2026, 11, 24, 8));
	expect_streak(f, 0, 2026, 11, 2, 5, 11, false, "01 02 10 11 12 13 14 22 23");
	expect_streak(f, 0, 2026, 10, 2, 5, 11, false, "30 31");
	expect_streak(f, 0, 2026, 12, 2, 5, 11, false, "");
	/* Checked in on the 24th. */
	assert_true(checkin_ok(f, 0, day_of(2026, 11, 24), CHECKIN_MANUAL, NULL, NULL));
	expect_streak(f, 0, 2026, 11, 3, 5, 12, true, "01 02 10 11 12 13 14 22 23 24");
	/* The day after: still going; two days after: broken. */
	clock_set_fixed(beijing(2026, 11, 25, 23));
	expect_streak(f, 0, 2026, 11, 3, 5, 12, false, "01 02 10 11 12 13 14 22 23 24");
	clock_set_fixed(beijing(2026, 11, 26, 0));
	expect_streak(f, 0, 2026, 11, 0, 5, 12, false, "01 02 10 11 12 13 14 22 23 24");
	/* Someone who never checked in. */
	expect_streak(f, 2, 2026, 11, 0, 0, 0, false, "");
	json_t *month = NULL;
	assert_fails(checkin_month(f->st, person_ids[0], 2026, 13, &month), LL_BAD_QUERY, "month");
}

/* ---- Following statements and the credit bank ---- */

/* Stores one statement (JSON text) as client-1's request, failing the test unless it is stored. */
static void statement_store_text(struct fx *f, const char *text)
{
	json_t *obj = parse(text);
	struct lrs_statement s;
	char id[40];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(obj, "id")));
	struct lrs_stamp stamp = { .id = id };
	assert_ok(lrs_statement_check(obj, "", &stamp, &s));
	json_decref(obj);
	struct lrs_batch b = { .statements = &s, .n = 1, .client_id = "client-1" };
	struct lrs_batch *list[] = { &b };
	assert_ok(lrs_batches_store(f->st, NULL, NULL, HOME, list, 1));
	if (b.err != LL_OK || b.stored != 1)
		fail_msg("statement not stored (%s): %s", ll_err_code(b.err), text);
	lrs_statement_release(&s);
}

static void statement_id(int no, char out[40])
{
	snprintf(out, 40, "01a20bb3-0585-75f0-8be1-%012d", no);
}

/* Statement number no: person (-1: an address nobody linked) did verb (an ADL verb's last part)
 * at timestamp, for duration (NULL: none), in an activity named title. */
static void statement_store(struct fx *f, int no, int person, const char *verb, const char *timestamp,
			    const char *duration, const char *title)
{
	char id[40], actor[160], result[64] = "", text[1024];
	statement_id(no, id);
	if (person < 0)
		snprintf(actor, sizeof(actor), "{\"mbox\":\"mailto:nobody@example.cn\"}");
	else
		snprintf(actor, sizeof(actor), "{\"account\":{\"homePage\":\"" HOME "\",\"name\":\"%s\"}}",
			 f->account[person]);
	if (duration)
		snprintf(result, sizeof(result), ",\"result\":{\"duration\":\"%s\"}", duration);
	snprintf(text, sizeof(text),
		 "{\"id\":\"%s\",\"actor\":%s,\"verb\":{\"id\":\"" ADL "%s\"},\"object\":{\"id\":"
		 "\"https://learn.shlll.cn/courses/%d\",\"definition\":{\"name\":{\"zh-CN\":\"%s\"}}},"
		 "\"timestamp\":\"%s\"%s}",
		 id, actor, verb, no, title, timestamp, result);
	statement_store_text(f, text);
}

static void statement_void(struct fx *f, int no, int target)
{
	char id[40], target_id[40], text[512];
	statement_id(no, id);
	statement_id(target, target_id);
	snprintf(text, sizeof(text),
		 "{\"id\":\"%s\",\"actor\":{\"account\":{\"homePage\":\"" HOME "\",\"name\":\"%s\"}},"
		 "\"verb\":{\"id\":\"" ADL "voided\"},\"object\":{\"objectType\":\"StatementRef\",\"id\":\"%s\"}}",
		 id, f->account[0], target_id);
	statement_store_text(f, text);
}

/* Follows with batches of limit until caught up; returns how many it looked at. */
static int follow_all(struct fx *f, int limit)
{
	int total = 0, done = 0, calls = 0;
	do {
		assert_ok(points_follow(f->st, limit, &done));
		total += done;
		if (++calls > 100)
			fail_msg("points_follow never caught up");
	} while (done > 0);
	return total;
}

static void expect_checkin(struct fx *f, int person, int64_t day, const char *source, int64_t want)
{
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM checkins WHERE person_id = $1 AND day = $2 AND source = $3",
				 SP(SV_TEXT(person_ids[person]), SV_I64(day), SV_TEXT(source))),
			 want);
}

static void test_follow_turns_statements_and_deposits_into_checkins_and_awards_once(void **state)
{
	struct fx *f = *state;
	assert_ok(points_seed_reference(f->st));
	/* Statements come from a platform of a university: academic points for completions. */
	sql(f->st, "INSERT INTO lrs_clients (id, institution_id, name, api_key, secret_hash, created_at) "
		   "VALUES ('client-1', $1, 'moodle', 'llx_1', $2, 1)",
	    SP(SV_TEXT(U1), SV_BLOB("01234567890123456789012345678901", 32)), NULL, NULL);
	clock_set_fixed(beijing(2026, 11, 24, 12));

	/* 00:30 on the 24th in Beijing, two hours: a check-in, and 2 + 5 x 2 for the completion. */
	statement_store(f, 1, 0, "completed", "2026-11-23T16:30:00Z", "PT2H", "老年智能手机课");
	/* 23:59 on the 22nd: a check-in, no completion. */
	statement_store(f, 2, 0, "attended", "2026-11-22T15:59:00Z", NULL, "书法讲座");
	/* The 24th again: 2 + 50 cut to the 38 left of the day's 50; the day is checked in already. */
	statement_store(f, 3, 0, "passed", "2026-11-24T01:00:00Z", "PT10H", "摄影基础");
	/* Past the cap: nothing. */
	statement_store(f, 4, 0, "completed", "2026-11-24T02:00:00Z", "PT1H", "茶艺");
	/* Voided before it was followed: nothing. */
	statement_store(f, 5, 0, "completed", "2026-11-21T02:00:00Z", "PT3H", "被撤销的课");
	statement_void(f, 6, 5);
	/* Not a verb of learning: nothing. */
	statement_store(f, 7, 0, "launched", "2026-11-20T02:00:00Z", NULL, "打开了课程");
	/* About nobody. */
	statement_store(f, 8, -1, "completed", "2026-11-24T02:00:00Z", NULL, "无名");
	/* In the future: the day it was stored. */
	statement_store(f, 9, 1, "experienced", "2026-12-05T00:00:00Z", NULL, "未来");

	/* Deposits: 20 for each outcome, 30 more at level 5 or above. */
	struct outcome credit = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	deposit_ok(f, U1, &credit);
	struct outcome training = training_of(f, 1, "安全培训", 2500);
	deposit_ok(f, ENT, &training);
	struct outcome senior = training_of(f, 2, "高级技师培训", 8000);
	senior.level = 5;
	deposit_ok(f, ENT, &senior);

	/* Six statements about someone and three deposits, in batches of two. */
	assert_int_equal(follow_all(f, 2), 6 + 3);
	const int64_t d24 = day_of(2026, 11, 24), d22 = day_of(2026, 11, 22);
	expect_checkin(f, 0, d24, "statement", 1);
	expect_checkin(f, 0, d22, "statement", 1);
	expect_checkin(f, 0, day_of(2026, 11, 23), "statement", 0);
	expect_checkin(f, 0, day_of(2026, 11, 21), "statement", 0);
	expect_checkin(f, 0, day_of(2026, 11, 20), "statement", 0);
	expect_checkin(f, 1, d24, "statement", 1);
	assert_int_equal(count_rows(f->st, "checkins"), 3);
	expect_balances(f, 0, 12 + 38 + 20, 0, 5 + 5, 0);
	expect_balances(f, 1, 0, 20, 5, 0);
	expect_balances(f, 2, 0, 20 + 30, 0, 0);
	assert_int_equal(count_rows(f->st, "points_txns"), 5 + 2 + 2);
	/* What was learned names the award. */
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM points_txns WHERE person_id = $1 AND event = 'completion' "
				     "AND title = '老年智能手机课' AND amount = 12",
				 SP(SV_TEXT(person_ids[0]))),
			 1);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM points_txns WHERE event = 'outcome' AND title = '高等数学'",
				 SP_NONE),
			 1);
	expect_ledger_sound(f);

	/* Caught up: following again looks at nothing and changes nothing. */
	struct points_counts caught_up = points_counts_now(f);
	int done = -1;
	assert_ok(points_follow(f->st, 500, &done));
	assert_int_equal(done, 0);
	assert_points_counts_equal(points_counts_now(f), caught_up);

	/* What comes later is followed from where it stopped. */
	statement_store(f, 10, 2, "completed", "2026-11-24T03:00:00Z", NULL, "垃圾分类");
	struct outcome more = credit_of(f, 2, "线性代数", 3000, "2026-07-01", "row-2");
	deposit_ok(f, U1, &more);
	assert_int_equal(follow_all(f, 500), 2);
	expect_balances(f, 2, 2 + 20, 50, 5, 0);
	expect_balances(f, 0, 70, 0, 10, 0);
	struct points_counts followed = points_counts_now(f);

	/* Voiding a statement already followed takes nothing back. */
	statement_void(f, 11, 1);
	assert_int_equal(follow_all(f, 500), 0);
	/* Both cursors back to the start: everything looked at again, nothing awarded twice. */
	sql(f->st, "UPDATE follow_cursors SET position = 0 WHERE name = 'points.statements'", SP_NONE, NULL, NULL);
	sql(f->st, "UPDATE follow_cursors SET position = -1 WHERE name = 'points.outcomes'", SP_NONE, NULL, NULL);
	assert_int_equal(follow_all(f, 3), 6 - 1 + 1 + 4);
	assert_points_counts_equal(points_counts_now(f), followed);
	/* And at 0, as a follower that lost its place might. */
	sql(f->st, "UPDATE follow_cursors SET position = 0", SP_NONE, NULL, NULL);
	assert_true(follow_all(f, 500) > 0);
	assert_points_counts_equal(points_counts_now(f), followed);
	expect_balances(f, 0, 70, 0, 10, 0);
	expect_balances(f, 1, 0, 20, 5, 0);
	expect_balances(f, 2, 22, 50, 5, 0);
	expect_ledger_sound(f);
}

/* ---- Incentives and vouchers ---- */

/* An incentive of institution_id priced cost points of type edu, with stock items, expiring at
 * expires_at (0: never); its id into ret_id. */
static void incentive_ok(struct fx *f, const char *institution_id, int edu, int64_t cost, int64_t stock,
			 int64_t expires_at, char ret_id[POINTS_ID_MAX])
{
	struct incentive_in in;
	incentive_in_init(&in);
	in.kind = 0;
	in.name = "社区图书馆借阅券";
	in.name_en = "Library voucher";
	in.description = "借阅一次";
	in.institution_id = institution_id;
	in.edu_type = edu;
	in.cost = cost;
	in.stock = stock;
	in.expires_at = expires_at;
	json_t *out = NULL;
	assert_ok(incentive_create(f->st, &in, &CITY, &out));
	snprintf(ret_id, POINTS_ID_MAX, "%s", json_string_value(json_object_get(out, "id")));
	json_decref(out);
}

static int64_t stock_of(struct fx *f, const char *incentive_id)
{
	return sql_i64(f->st, "SELECT stock FROM points_incentives WHERE id = $1", SP(SV_TEXT(incentive_id)));
}

static int64_t balance_of(struct fx *f, int person, const char *edu)
{
	return sql_i64(f->st, "SELECT balance FROM points_balances WHERE person_id = $1 AND edu_type = $2",
		       SP(SV_TEXT(person_ids[person]), SV_TEXT(edu)));
}

#define THREADS 8

struct redeemer {
	struct ll_store *st;
	const char *person_id, *incentive_id, *request_id;
	pthread_barrier_t *start;
	int successes;
	bool is_new;
	enum ll_err refusal;
	char message[256];
	char code[32];
};

/* Redeems until refused (at most 1000 times, in case refusals never come). */
static void *redeem_until_refused(void *arg)
{
	struct redeemer *r = arg;
	struct redeem_in in = { .incentive_id = r->incentive_id };
	pthread_barrier_wait(r->start);
	for (int i = 0; i < 1000; i++) {
		json_t *voucher = NULL;
		bool is_new = false;
		enum ll_err err = incentive_redeem(r->st, r->person_id, &in, &voucher, &is_new);
		if (err != LL_OK) {
			r->refusal = err;
			snprintf(r->message, sizeof(r->message), "%s", ll_error_get(err)->message);
			return NULL;
		}
		r->successes += is_new;
		json_decref(voucher);
	}
	return NULL;
}

/* N redemptions' worth of points and a stock of M, redeemed by THREADS threads at once. */
static void redeem_race(struct fx *f, int64_t n_points, int64_t m_stock)
{
	const int64_t cost = 3;
	char incentive[POINTS_ID_MAX];
	incentive_ok(f, CS, EDU_COMMUNITY, cost, m_stock, 0, incentive);
	credit_ok(f, 0, EDU_COMMUNITY, n_points * cost, "race:credit");
	/* Someone else's points are not spent. */
	credit_ok(f, 1, EDU_COMMUNITY, 100, "race:other");
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, THREADS);
	struct redeemer r[THREADS];
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct redeemer){ .st = f->st, .person_id = person_ids[0], .incentive_id = incentive, .start = &start };
		pthread_create(&th[i], NULL, redeem_until_refused, &r[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	int64_t successes = 0, expected = n_points < m_stock ? n_points : m_stock;
	for (int i = 0; i < THREADS; i++) {
		successes += r[i].successes;
		bool is_expected = n_points < m_stock   ? r[i].refusal == LL_INSUFFICIENT_POINTS
				   : n_points > m_stock ? r[i].refusal == LL_OUT_OF_STOCK
							: r[i].refusal == LL_INSUFFICIENT_POINTS || r[i].refusal == LL_OUT_OF_STOCK;
		if (!is_expected)
			fail_msg("thread %d stopped with %s (%s)", i, ll_err_code(r[i].refusal), r[i].message);
	}
	assert_int_equal(successes, expected);
	assert_int_equal(stock_of(f, incentive), m_stock - expected);
	assert_int_equal(balance_of(f, 0, "community"), (n_points - expected) * cost);
	assert_int_equal(balance_of(f, 1, "community"), 100);
	assert_int_equal(count_rows(f->st, "points_redemptions"), expected);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(DISTINCT code) FROM points_redemptions", SP_NONE), expected);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM points_txns WHERE event = 'redemption'", SP_NONE), expected);
	json_t *mine = NULL;
	assert_ok(redemption_list_mine(f->st, person_ids[0], &mine));
	assert_int_equal(json_array_size(json_object_get(mine, "items")), expected);
	json_decref(mine);
	expect_ledger_sound(f);
}

static void test_redeeming_at_once_stops_at_the_balance(void **state)
{
	redeem_race(*state, 13, 40);
}

static void test_redeeming_at_once_stops_at_the_stock(void **state)
{
	redeem_race(*state, 40, 13);
}

static void *redeem_once(void *arg)
{
	struct redeemer *r = arg;
	struct redeem_in in = { .incentive_id = r->incentive_id, .request_id = r->request_id };
	json_t *voucher = NULL;
	pthread_barrier_wait(r->start);
	r->refusal = incentive_redeem(r->st, r->person_id, &in, &voucher, &r->is_new);
	if (r->refusal == LL_OK)
		snprintf(r->code, sizeof(r->code), "%s", json_string_value(json_object_get(voucher, "code")));
	else
		snprintf(r->message, sizeof(r->message), "%s", ll_error_get(r->refusal)->message);
	json_decref(voucher);
	return NULL;
}

/* Two threads send the same request at once, rounds times (a new request_id each round), with
 * stock items on the shelf before each round; both must get the same one voucher. */
static void same_request_race(struct fx *f, int rounds, int64_t stock_each_round)
{
	const int64_t cost = 5;
	char incentive[POINTS_ID_MAX];
	incentive_ok(f, CS, EDU_ELDER, cost, stock_each_round, 0, incentive);
	credit_ok(f, 0, EDU_ELDER, rounds * cost, "same:credit");
	for (int round = 0; round < rounds; round++) {
		char request[32];
		snprintf(request, sizeof(request), "request-%04d", round);
		pthread_barrier_t start;
		pthread_barrier_init(&start, NULL, 2);
		struct redeemer r[2];
		pthread_t th[2];
		for (int i = 0; i < 2; i++) {
			r[i] = (struct redeemer){ .st = f->st, .person_id = person_ids[0], .incentive_id = incentive,
						  .request_id = request, .start = &start };
			pthread_create(&th[i], NULL, redeem_once, &r[i]);
		}
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&start);
		for (int i = 0; i < 2; i++)
			if (r[i].refusal != LL_OK)
				fail_msg("round %d: a request sent twice at once was refused: %s (%s)", round,
					 ll_err_code(r[i].refusal), r[i].message);
		assert_string_equal(r[0].code, r[1].code);
		assert_true(r[0].is_new != r[1].is_new);
		assert_int_equal(count_rows(f->st, "points_redemptions"), round + 1);
		assert_int_equal(stock_of(f, incentive), stock_each_round - 1);
		if (stock_each_round == 1) {
			json_t *restocked = NULL;
			assert_ok(incentive_restock(f->st, incentive, 1, &CITY, &restocked));
			json_decref(restocked);
		} else {
			sql(f->st, "UPDATE points_incentives SET stock = $2 WHERE id = $1",
			    SP(SV_TEXT(incentive), SV_I64(stock_each_round)), NULL, NULL);
		}
	}
	assert_int_equal(balance_of(f, 0, "elder"), 0);
	expect_ledger_sound(f);
}

static void test_the_same_request_twice_at_once_gives_one_voucher(void **state)
{
	struct fx *f = *state;
	same_request_race(f, 12, 100);

	/* Sent again later, it still gives the first voucher, even with no points or stock left. */
	char incentive[POINTS_ID_MAX];
	incentive_ok(f, CS, EDU_ACADEMIC, 4, 1, 0, incentive);
	credit_ok(f, 1, EDU_ACADEMIC, 4, "later:credit");
	struct redeem_in in = { .incentive_id = incentive, .request_id = "request-later" };
	json_t *first = NULL, *again = NULL;
	bool is_new = false;
	assert_ok(incentive_redeem(f->st, person_ids[1], &in, &first, &is_new));
	assert_true(is_new);
	assert_ok(incentive_redeem(f->st, person_ids[1], &in, &again, &is_new));
	assert_false(is_new);
	assert_true(json_equal(json_object_get(first, "code"), json_object_get(again, "code")));
	json_decref(first);
	json_decref(again);
	/* Another request is refused (no points and no stock left: either refusal is right) and
	 * writes nothing. */
	struct redeem_in other = { .incentive_id = incentive, .request_id = "request-other" };
	struct points_counts before = points_counts_now(f);
	enum ll_err err = incentive_redeem(f->st, person_ids[1], &other, &again, &is_new);
	if (err != LL_OUT_OF_STOCK && err != LL_INSUFFICIENT_POINTS)
		fail_msg("another request got %s", ll_err_code(err));
	assert_points_counts_equal(points_counts_now(f), before);
	assert_int_equal(stock_of(f, incentive), 0);
	assert_int_equal(balance_of(f, 1, "academic"), 0);
}

/* The last item of the stock, asked for twice at once with one request_id: the second must get
 * the first's voucher, not a refusal (docs/points.md: the same request_id again gets the first
 * voucher back). */
static void test_the_same_request_twice_at_once_for_the_last_item_gives_one_voucher(void **state)
{
	same_request_race(*state, 12, 1);
}

static void test_a_voucher_is_used_once_before_it_expires_at_its_institution_only(void **state)
{
	struct fx *f = *state;
	const int64_t now = beijing(2026, 11, 24, 10);
	clock_set_fixed(now);
	char lasting[POINTS_ID_MAX], expiring[POINTS_ID_MAX];
	incentive_ok(f, CS, EDU_COMMUNITY, 5, 10, 0, lasting);
	incentive_ok(f, CS, EDU_COMMUNITY, 5, 10, now + 10 * DAY_US, expiring);
	credit_ok(f, 0, EDU_COMMUNITY, 100, "voucher:credit");
	char codes[3][32];
	const char *of[3] = { lasting, expiring, expiring };
	for (int i = 0; i < 3; i++) {
		struct redeem_in in = { .incentive_id = of[i] };
		json_t *v = NULL;
		bool is_new = false;
		assert_ok(incentive_redeem(f->st, person_ids[0], &in, &v, &is_new));
		assert_string_equal(json_string_value(json_object_get(v, "status")), "unused");
		snprintf(codes[i], sizeof(codes[i]), "%s", json_string_value(json_object_get(v, "code")));
		json_decref(v);
	}

	/* Another institution finds nothing and uses nothing. */
	json_t *v = NULL;
	assert_fails(redemption_find(f->st, U1, codes[1], &v), LL_NOT_FOUND, "code");
	assert_fails(redemption_use(f->st, U1, codes[1], &ACTOR, &v), LL_NOT_FOUND, "code");
	assert_fails(redemption_use(f->st, CS, "NOSUCHCODE", &ACTOR, &v), LL_NOT_FOUND, "code");
	assert_ok(redemption_find(f->st, CS, codes[1], &v));
	assert_string_equal(json_string_value(json_object_get(v, "status")), "unused");
	json_decref(v);

	/* Used once; the second time is refused. */
	assert_ok(redemption_use(f->st, CS, codes[1], &ACTOR, &v));
	assert_string_equal(json_string_value(json_object_get(v, "status")), "used");
	json_decref(v);
	assert_fails(redemption_use(f->st, CS, codes[1], &ACTOR, &v), LL_VOUCHER_USED, "code");
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM points_redemptions WHERE used_at IS NOT NULL", SP_NONE), 1);

	/* Past the incentive's expiry its unused voucher is expired; a used one stays used; one of an
	 * incentive that never expires still works; and the incentive cannot be redeemed. */
	clock_set_fixed(now + 11 * DAY_US);
	struct points_counts before = points_counts_now(f);
	assert_fails(redemption_use(f->st, CS, codes[2], &ACTOR, &v), LL_VOUCHER_EXPIRED, "code");
	assert_ok(redemption_find(f->st, CS, codes[2], &v));
	assert_string_equal(json_string_value(json_object_get(v, "status")), "expired");
	json_decref(v);
	assert_fails(redemption_use(f->st, CS, codes[1], &ACTOR, &v), LL_VOUCHER_USED, "code");
	struct redeem_in late = { .incentive_id = expiring };
	bool is_new = false;
	assert_fails(incentive_redeem(f->st, person_ids[0], &late, &v, &is_new), LL_INCENTIVE_UNAVAILABLE, "incentive_id");
	assert_points_counts_equal(points_counts_now(f), before);
	assert_int_equal(stock_of(f, expiring), 8);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM points_redemptions WHERE used_at IS NOT NULL", SP_NONE), 1);
	assert_ok(redemption_use(f->st, CS, codes[0], &ACTOR, &v));
	assert_string_equal(json_string_value(json_object_get(v, "status")), "used");
	json_decref(v);
	expect_balances(f, 0, 0, 0, 100 - 15, 0);
	expect_ledger_sound(f);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_ledger, teardown_ledger)
	const struct CMUnitTest tests[] = {
		T(test_points_move_credits_debits_and_refuses_a_debit_beyond_the_balance),
		T(test_points_move_of_a_source_key_twice_moves_once),
		T(test_points_verify_finds_the_ledger_sound_and_catches_tampering),
		T(test_daily_cap_limits_a_rule_per_person_and_day_across_events),
		T(test_a_rule_made_inactive_awards_nothing),
		T(test_outcome_rules_apply_by_kind_and_level_to_their_type),
		T(test_checkin_is_stored_once_per_source_a_day_and_rules_award_once),
		T(test_a_site_check_in_needs_the_sites_code_of_today),
		T(test_checkin_month_gives_the_days_and_the_streaks),
		T(test_follow_turns_statements_and_deposits_into_checkins_and_awards_once),
		T(test_redeeming_at_once_stops_at_the_balance),
		T(test_redeeming_at_once_stops_at_the_stock),
		T(test_the_same_request_twice_at_once_gives_one_voucher),
		T(test_the_same_request_twice_at_once_for_the_last_item_gives_one_voucher),
		T(test_a_voucher_is_used_once_before_it_expires_at_its_institution_only),
	};
#undef T
	return ledger_fixture_run("points store", tests, sizeof(tests) / sizeof(tests[0]));
}
