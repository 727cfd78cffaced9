/*
 * Following the statement store and the credit bank: each statement about a person that shows
 * they learned checks their day in, each completion and each deposited outcome is offered to the
 * earning rules. A cursor per source remembers how far it got; it moves in the same transaction
 * as the check-ins and awards, and every award is keyed by its event, so a second server
 * following at the same time, or a crash between batches, awards nothing twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/clock.h"
#include "../ledger/ledger.h"
#include "../lrs/lrs.h"
#include "../store/store.h"
#include "points.h"
#include "points_db.h"

#define CURSOR_STATEMENTS "points.statements"
#define CURSOR_OUTCOMES "points.outcomes"

struct follow_ctx {
	int limit;
	int done;
	struct arena arena;
	struct rule_set rules;
};

static enum ll_err learned(struct ll_tx *tx, struct follow_ctx *f, const struct lrs_learning *l)
{
	/* The day it happened; a timestamp in the future counts as the day it was stored. */
	int64_t at = l->timestamp_us <= l->stored_us ? l->timestamp_us : l->stored_us;
	int64_t day = points_day_of(at);
	enum ll_err err = LL_OK;
	if (checkin_verb_qualifies(l->verb)) {
		bool is_new;
		err = checkin_record(tx, l->person_id, day, CHECKIN_STATEMENT, NULL, l->id, NULL, &is_new);
	}
	if (err == LL_OK && completion_verb(l->verb)) {
		char key[80];
		snprintf(key, sizeof(key), "statement:%s", l->id);
		struct points_event e = { .kind = EVENT_COMPLETION, .person_id = l->person_id, .key = key, .day = day,
					  .edu_type = edu_type_of_institution(l->institution_type), .level = -1,
					  .hours_milli = l->duration_ms >= 0 ? l->duration_ms / 3600 : -1,
					  .title = l->title, .title_en = l->title_en };
		err = points_award_with(tx, &f->rules, &e);
	}
	return err;
}

static enum ll_err deposited(struct ll_tx *tx, struct follow_ctx *f, const struct ledger_deposit_seen *d)
{
	char key[80];
	snprintf(key, sizeof(key), "outcome:%s", d->outcome_id);
	struct points_event e = { .kind = EVENT_OUTCOME, .person_id = d->person_id, .key = key,
				  .day = points_day_of(d->created_at), .edu_type = edu_type_of_kind(d->kind),
				  .outcome_kind = d->kind, .level = d->level, .hours_milli = d->hours_milli,
				  .title = d->title };
	return points_award_with(tx, &f->rules, &e);
}

static enum ll_err follow_txn(struct ll_tx *tx, void *ctx)
{
	struct follow_ctx *f = ctx;
	arena_reset(&f->arena);
	f->done = 0;
	int64_t statements_at, outcomes_at, statements_next = 0, outcomes_next = 0;
	enum ll_err err = points_rules_load(tx, &f->rules);
	if (err == LL_OK)
		err = store_cursor_get(tx, CURSOR_STATEMENTS, &statements_at);
	if (err == LL_OK)
		err = store_cursor_get(tx, CURSOR_OUTCOMES, &outcomes_at);
	struct lrs_learning *ls = NULL;
	int n_ls = 0;
	if (err == LL_OK)
		err = lrs_learning_since(tx, statements_at, f->limit, &f->arena, &ls, &n_ls, &statements_next);
	for (int i = 0; err == LL_OK && i < n_ls; i++)
		err = learned(tx, f, &ls[i]);
	if (err == LL_OK && statements_next > statements_at)
		err = store_cursor_advance(tx, CURSOR_STATEMENTS, statements_next);
	struct ledger_deposit_seen *ds = NULL;
	int n_ds = 0;
	if (err == LL_OK)
		err = ledger_deposits_since(tx, outcomes_at, f->limit, &f->arena, &ds, &n_ds, &outcomes_next);
	for (int i = 0; err == LL_OK && i < n_ds; i++)
		err = deposited(tx, f, &ds[i]);
	if (err == LL_OK && outcomes_next > outcomes_at)
		err = store_cursor_advance(tx, CURSOR_OUTCOMES, outcomes_next);
	f->done = n_ls + n_ds;
	return err;
}

enum ll_err points_follow(struct ll_store *st, int limit, int *ret_done)
{
	struct follow_ctx *f = calloc(1, sizeof(*f));
	if (!f)
		return ll_fail(LL_NOMEM, NULL, NULL);
	f->limit = limit > 0 ? limit : 500;
	arena_init(&f->arena, 0);
	enum ll_err err = store_run(st, STORE_WRITE, "points follow", follow_txn, f);
	*ret_done = err == LL_OK ? f->done : 0;
	arena_release(&f->arena);
	points_rules_release(&f->rules);
	free(f);
	return err;
}
