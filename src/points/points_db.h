/*
 * What the storage files of the points module share among themselves, and nothing outside it.
 */
#ifndef LL_POINTS_DB_H
#define LL_POINTS_DB_H

#include "points.h"

/* A rule as read from the database, with room for its strings. */
struct rule_row {
	struct points_rule rule;
	char name[404], name_en[404], outcome_kind[40];
};

/* The active rules; zero-initialised before the first load, released with points_rules_release. */
struct rule_set {
	size_t n, cap;
	struct rule_row *rows;
};

/* The active rules, oldest first, inside tx (replacing what ret held). */
enum ll_err points_rules_load(struct ll_tx *tx, struct rule_set *ret);
void points_rules_release(struct rule_set *s);
/* points_award with rules already loaded (a batch of events shares one load). */
enum ll_err points_award_with(struct ll_tx *tx, const struct rule_set *rules, const struct points_event *e);
/* {"balances":{type:n,...},"total":n}; NULL when out of memory. */
json_t *points_balances_json(const int64_t balances[EDU_COUNT]);

#endif
