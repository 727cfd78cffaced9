/*
 * Learning check-ins (学习打卡) and points (积分): the days each person learned, and a
 * double-entry points ledger with a balance per education type, fed by earning rules that are
 * data, with a catalogue of incentives to redeem points for.
 *
 * points.c holds the rules (education types, days in Beijing time, streaks, site codes, which
 * rule awards what; no I/O); checkin_db.c check-ins and sites; ledger_db.c (points_) rules,
 * awards, balances and the statement; incentives_db.c the catalogue, redemptions and vouchers;
 * follow_db.c turns statements and deposited outcomes into check-ins and awards; points_http.c
 * the handlers. docs/points.md describes the behaviour.
 */
#ifndef LL_POINTS_H
#define LL_POINTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/json.h"
#include "../base/ll_err.h"

struct ll_store;
struct ll_tx;
struct ll_keys;
struct http_req;
struct audit_actor;

/* ---- Education types ---- */

enum edu_type { EDU_ACADEMIC, EDU_VOCATIONAL, EDU_COMMUNITY, EDU_ELDER, EDU_COUNT };
/* "academic", "vocational", "community", "elder"; NULL-terminated. */
extern const char *const edu_types[];
/* The type points for an outcome of this kind (an outcome_kinds[] name) go to; community when
 * unknown. */
enum edu_type edu_type_of_kind(const char *kind);
/* The type points for learning on a platform of this institution type go to. */
enum edu_type edu_type_of_institution(const char *institution_type);

/* ---- Days ---- */

/* Beijing time (UTC+8, no daylight saving) decides which day something happened on. */
#define POINTS_UTC_OFFSET_US (8LL * 3600 * 1000000)
/* The Beijing day (days since 1970-01-01) of UTC time t. */
int64_t points_day_of(int64_t t_us);
/* "2026-11-24" for a day number. */
void points_day_format(int64_t day, char out[11]);

/* ---- Check-ins ---- */

enum checkin_source { CHECKIN_STATEMENT, CHECKIN_MANUAL, CHECKIN_SITE, CHECKIN_SOURCE_COUNT };
extern const char *const checkin_sources[];   /* "statement", "manual", "site" */

/* True if a statement with this verb IRI shows that its actor learned. */
bool checkin_verb_qualifies(const char *verb);
/* True if a statement with this verb completes what it is about (completed, passed). */
bool completion_verb(const char *verb);

struct checkin_streak {
	int current;          /* consecutive days ending today (or yesterday when today is not yet) */
	int longest;
	int total_days;
	bool is_checked_in_today;
};
/* Streaks of the checked-in days days[0..n), ascending and distinct, seen on day today. */
void checkin_streak_of(const int64_t *days, int n, int64_t today, struct checkin_streak *ret);

#define SITE_SECRET_BYTES 32
#define SITE_CODE_LEN 8
/* The code a site shows on day: SITE_CODE_LEN characters of base32 of a keyed hash of the day. */
void checkin_site_code(const unsigned char secret[SITE_SECRET_BYTES], int64_t day, char out[SITE_CODE_LEN + 1]);

/* ---- Earning rules ---- */

enum points_event_kind { EVENT_CHECKIN, EVENT_COMPLETION, EVENT_OUTCOME, EVENT_KIND_COUNT };
extern const char *const points_event_kinds[];   /* "checkin", "completion", "outcome" */

#define POINTS_AWARD_MAX 100000
#define POINTS_ID_MAX 40

struct points_rule {
	char id[POINTS_ID_MAX];
	int event;                /* enum points_event_kind */
	const char *name, *name_en;
	int edu_type;             /* -1: the event's own */
	int checkin_source;       /* -1: any */
	const char *outcome_kind; /* NULL: any */
	int64_t level_min, level_max;   /* -1: no bound */
	int64_t points;
	int64_t points_per_hour;
	int64_t daily_cap;        /* -1: none */
	bool is_active;
};

/* What happened, as rules see it. Strings borrowed. */
struct points_event {
	int kind;                 /* enum points_event_kind */
	const char *person_id;
	const char *key;          /* "checkin:PERSON:DAY", "statement:ID", "outcome:ID" */
	int64_t day;              /* Beijing day it happened on */
	int edu_type;             /* the event's own type */
	int checkin_source;       /* EVENT_CHECKIN */
	const char *outcome_kind; /* EVENT_OUTCOME */
	int64_t level;            /* -1: none */
	int64_t hours_milli;      /* -1: none */
	const char *title;        /* what was learned, for the statement; may be NULL */
	const char *title_en;     /* the same in English when it has a name in English; may be NULL */
};

/* True if rule r applies to event e (active, same event, every condition met). */
bool points_rule_matches(const struct points_rule *r, const struct points_event *e);
/* Points r awards for e when the person already has earned_today from r on e's day: its points
 * plus points_per_hour per whole hour, never past the daily cap; 0 means none. */
int64_t points_rule_award(const struct points_rule *r, const struct points_event *e, int64_t earned_today);
/* The type an award of r for e goes to. */
int points_rule_edu_type(const struct points_rule *r, const struct points_event *e);

/* The body of a rule (POST/PUT /api/v1/points/rules). Names of enums are decoded by the spec;
 * optional numbers are -1 when absent. */
struct rule_in {
	int event;
	const char *name, *name_en;
	const char *edu_type, *checkin_source, *outcome_kind;
	int64_t level_min, level_max, points, points_per_hour, daily_cap;
	bool is_active;
};
extern const struct json_field points_rule_spec[];
void rule_in_init(struct rule_in *in);
/* Checks in and turns it into a rule (strings borrowed); errors name the field. */
enum ll_err points_rule_from_in(const struct rule_in *in, struct points_rule *ret);
json_t *points_rule_json(const struct points_rule *r);

/* ---- Storage: check-ins and sites (checkin_db.c) ---- */

/* Records that person learned on day from source (site_id or statement_id naming which, note the
 * person's words; each may be NULL) inside tx, and awards the check-in rules the first time the
 * day is checked in from that source. *ret_is_new: this source had not checked in that day. */
enum ll_err checkin_record(struct ll_tx *tx, const char *person_id, int64_t day, enum checkin_source source,
			   const char *site_id, const char *statement_id, const char *note, bool *ret_is_new);
/* A manual check-in today (site_id NULL) or at a site with today's code. */
struct checkin_in {
	const char *note;
	const char *site_id;
	const char *code;
};
extern const struct json_field checkin_spec[];
enum ll_err checkin_today(struct ll_store *st, const char *person_id, const struct checkin_in *in, json_t **ret,
			  bool *ret_is_new);
/* The month (year, month 1-12) of person's check-ins and their streaks. */
enum ll_err checkin_month(struct ll_store *st, const char *person_id, int year, int month, json_t **ret);

struct site_in {
	const char *name, *name_en, *address;
};
extern const struct json_field checkin_site_spec[];
enum ll_err checkin_site_create(struct ll_store *st, const char *institution_id, const struct site_in *in,
				const struct audit_actor *actor, json_t **ret);
enum ll_err checkin_site_list(struct ll_store *st, const char *institution_id, json_t **ret_items);
enum ll_err checkin_site_retire(struct ll_store *st, const char *institution_id, const char *id,
				const struct audit_actor *actor);
/* A site's public face, retired or not; LL_NOT_FOUND when unknown. */
enum ll_err checkin_site_get(struct ll_store *st, const char *id, json_t **ret);
/* Today's code of a site of institution_id, and the portal path it opens. */
enum ll_err checkin_site_code_today(struct ll_store *st, const char *institution_id, const char *id, json_t **ret);

/* ---- Storage: rules, awards, balances (ledger_db.c) ---- */

/* Writes the default earning rules when there are none (start-up, migrate, demo). */
enum ll_err points_seed_reference(struct ll_store *st);
enum ll_err points_rule_list(struct ll_store *st, json_t **ret_items);
/* Creates (id NULL) or replaces rule id; *ret is the rule as stored. */
enum ll_err points_rule_save(struct ll_store *st, const char *id, const struct points_rule *r,
			     const struct audit_actor *actor, json_t **ret);
/* Awards every matching active rule for e inside tx, once per rule and event key. */
enum ll_err points_award(struct ll_tx *tx, const struct points_event *e);
/* Balances by type and in total. */
enum ll_err points_balances(struct ll_store *st, const char *person_id, json_t **ret);
/* The person's transactions, newest first, after the cursor of a previous page. */
enum ll_err points_statement(struct ll_store *st, const char *person_id, const char *after, int limit,
			     json_t **ret_page);

/* A movement of points inside tx: amount (> 0) moves between person's account of type edu and
 * the city's account (credited to the person when is_credit). source_key makes it once only:
 * *ret_is_new false when a transaction with that key exists (nothing is written). A debit that
 * would take the balance below zero is LL_INSUFFICIENT_POINTS. */
struct points_move {
	const char *person_id;
	int edu_type;
	int64_t amount;
	bool is_credit;
	const char *source_key;
	const char *event;          /* "checkin", "completion", "outcome", "redemption" */
	const char *ref;
	const char *rule_id;        /* may be NULL */
	int64_t day;
	const char *description, *description_en, *title, *title_en;
};
enum ll_err points_move(struct ll_tx *tx, const struct points_move *m, char ret_txn_id[POINTS_ID_MAX],
			bool *ret_is_new);

struct points_check {
	int64_t transactions, postings, persons;
	int64_t unbalanced;         /* transactions whose postings do not sum to zero */
	int64_t wrong_balances;     /* stored balances that differ from their postings */
};
/* Checks the whole ledger. */
enum ll_err points_verify(struct ll_store *st, struct points_check *ret);

/* ---- Storage: incentives and vouchers (incentives_db.c) ---- */

extern const char *const incentive_kinds[];   /* "course_voucher", "venue_visit", "other" */

struct incentive_in {
	int kind;
	const char *name, *name_en, *description;
	const char *institution_id;
	int edu_type;
	int64_t cost, stock;
	int64_t expires_at;         /* 0: never */
	bool is_active;
};
extern const struct json_field incentive_spec[];
extern const struct json_field incentive_update_spec[];
void incentive_in_init(struct incentive_in *in);
enum ll_err incentive_create(struct ll_store *st, const struct incentive_in *in, const struct audit_actor *actor,
			     json_t **ret);
/* Changes everything but the stock. */
enum ll_err incentive_update(struct ll_store *st, const char *id, const struct incentive_in *in,
			     const struct audit_actor *actor, json_t **ret);
/* Adds add (negative takes away) to the stock, never below zero (LL_OUT_OF_STOCK). */
enum ll_err incentive_restock(struct ll_store *st, const char *id, int64_t add, const struct audit_actor *actor,
			      json_t **ret);
/* The catalogue: every incentive (is_all), or those a citizen can redeem now. */
enum ll_err incentive_list(struct ll_store *st, bool is_all, json_t **ret_items);

struct redeem_in {
	const char *incentive_id;
	const char *request_id;
};
extern const struct json_field redeem_spec[];
/* Takes the cost from person's balance and one item of stock, and issues a voucher; the same
 * request_id again gives the first voucher (*ret_is_new false). */
enum ll_err incentive_redeem(struct ll_store *st, const char *person_id, const struct redeem_in *in, json_t **ret,
			     bool *ret_is_new);
enum ll_err redemption_list_mine(struct ll_store *st, const char *person_id, json_t **ret_items);
/* A voucher of an incentive that institution_id provides, by its code. */
enum ll_err redemption_find(struct ll_store *st, const char *institution_id, const char *code, json_t **ret);
enum ll_err redemption_use(struct ll_store *st, const char *institution_id, const char *code,
			   const struct audit_actor *actor, json_t **ret);

/* ---- Following statements and the credit bank (follow_db.c) ---- */

/* Turns statements stored and outcomes deposited since the last call into check-ins and awards,
 * at most limit of each kind in one transaction; *ret_done is how many were looked at (0: all
 * caught up). Safe to run from several servers at once. */
enum ll_err points_follow(struct ll_store *st, int limit, int *ret_done);

/* ---- Handlers (points_http.c) ---- */

extern const struct json_field incentive_stock_spec[];   /* {"add":N} */
extern const struct json_field voucher_use_spec[];       /* {"code":"…"} */

enum ll_err points_http_checkins(struct http_req *req);
enum ll_err points_http_checkin(struct http_req *req);
enum ll_err points_http_sites(struct http_req *req);
enum ll_err points_http_site_create(struct http_req *req);
enum ll_err points_http_site_retire(struct http_req *req);
enum ll_err points_http_site_get(struct http_req *req);
enum ll_err points_http_site_code(struct http_req *req);
enum ll_err points_http_site_qr(struct http_req *req);
enum ll_err points_http_rules(struct http_req *req);
enum ll_err points_http_rule_create(struct http_req *req);
enum ll_err points_http_rule_update(struct http_req *req);
enum ll_err points_http_balances(struct http_req *req);
enum ll_err points_http_statement(struct http_req *req);
enum ll_err points_http_incentives(struct http_req *req);
enum ll_err points_http_incentive_create(struct http_req *req);
enum ll_err points_http_incentive_update(struct http_req *req);
enum ll_err points_http_incentive_stock(struct http_req *req);
enum ll_err points_http_redeem(struct http_req *req);
enum ll_err points_http_my_redemptions(struct http_req *req);
enum ll_err points_http_redemption_find(struct http_req *req);
enum ll_err points_http_redemption_use(struct http_req *req);

#endif
