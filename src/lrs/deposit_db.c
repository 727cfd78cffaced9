/*
 * Completions of catalogued units, deposited in the credit bank. A statement from a trusted client
 * of an institution, about a person with a lifelong account, whose verb is completed or passed and
 * whose activity is HOME_PAGE/units/CODE, the approved certification unit CODE that the same
 * institution published, becomes an outcome of that institution: the unit's code, name, level and
 * credits, the hours of the statement's duration, its score (or a pass), dated by its timestamp,
 * deposited through the entry standard of its kind like any other deposit (so it may wait for
 * review or be refused). The statement's id is the outcome's external id, which makes depositing
 * it again change nothing. Each statement's fate is kept in lrs_deposits.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/roles.h"
#include "../base/arena.h"
#include "../base/clock.h"
#include "../base/json.h"
#include "../ledger/ledger.h"
#include "../store/store.h"
#include "../transfer/transfer.h"
#include "lrs.h"

#define CURSOR "lrs.deposits"
#define COMPLETED "http://adlnet.gov/expapi/verbs/completed"
#define PASSED "http://adlnet.gov/expapi/verbs/passed"

static const struct store_stmt SEQ_LAST = { "lrs deposits seq last", "SELECT COALESCE(MAX(seq), 0) FROM lrs_statements" };
static const struct store_stmt COMPLETIONS = {
	"lrs unit completions",
	"SELECT s.seq, s.id, p.account_no, s.person_id, c.institution_id, i.type, c.id, c.name, s.timestamp_us, s.body, "
	"a.iri FROM lrs_statements s JOIN lrs_clients c ON c.id = s.client_id JOIN institutions i ON i.id = c.institution_id "
	"JOIN persons p ON p.id = s.person_id JOIN lrs_iris v ON v.id = s.verb_iri JOIN lrs_iris a ON a.id = s.activity_iri "
	"WHERE s.seq > $1 AND s.seq <= $2 AND c.is_trusted = 1 AND s.is_voiding = 0 AND s.is_voided = 0 "
	"AND v.iri IN ($3, $4) "
	"AND substr(a.iri, 1, $5) = $6 ORDER BY s.seq LIMIT $7"
};
static const struct store_stmt DEPOSIT_RECORD = {
	"lrs deposit record",
	"INSERT INTO lrs_deposits (statement_id, institution_id, person_id, unit_code, status, error_code, detail, "
	"outcome_id, submission_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
	"ON CONFLICT (statement_id) DO NOTHING"
};
/* What a deposit gave then, or what became of its submission since (a review decides it). */
static const struct store_stmt DEPOSIT_LIST = {
	"lrs deposit list",
	"SELECT d.statement_id, d.unit_code, COALESCE(s.status, d.status), d.error_code, d.detail, "
	"COALESCE(d.outcome_id, s.outcome_id), d.created_at, p.account_no, p.name FROM lrs_deposits d "
	"JOIN persons p ON p.id = d.person_id LEFT JOIN submissions s ON s.id = d.submission_id "
	"WHERE d.institution_id = $1 ORDER BY d.created_at DESC LIMIT 200"
};

/* A completion as read, and what depositing it gave. */
struct completion {
	int64_t seq, timestamp_us;
	const char *id, *account_no, *person_id, *institution_id, *institution_type, *client_id, *client_name;
	const char *unit_code;
	int64_t duration_ms;          /* -1: none */
	int success;                  /* -1: not said, 0: failed, 1: succeeded */
	bool has_scaled;
	double scaled;
	/* The outcome. */
	const char *status, *error_code, *detail, *outcome_id, *submission_id;
};

struct follow_ctx {
	char prefix[LRS_HOME_PAGE_MAX + 16]; /* HOME_PAGE/units/ */
	size_t prefix_len;                   /* in bytes */
	int64_t prefix_chars;                /* in characters, as SQL's substr counts */
	int limit;
	struct arena arena;
	struct completion *items;
	int n, seen;                         /* completions kept, rows read */
	int64_t at, next, last_seen;
};

static enum ll_err i64_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err completion_row(const struct store_row *row, void *ctx)
{
	struct follow_ctx *f = ctx;
	f->seen++;
	f->last_seen = store_row_i64(row, 0);
	/* HOME_PAGE/units/CODE/more is a part of a unit (a lesson), not the unit. */
	if (strchr(store_row_text(row, 10) + f->prefix_len, '/'))
		return LL_OK;
	struct completion *c = &f->items[f->n];
	struct arena *a = &f->arena;
	*c = (struct completion){ .seq = store_row_i64(row, 0), .timestamp_us = store_row_i64(row, 8),
				  .duration_ms = -1, .success = -1 };
	c->id = arena_strdup(a, store_row_text(row, 1));
	c->account_no = arena_strdup(a, store_row_text(row, 2));
	c->person_id = arena_strdup(a, store_row_text(row, 3));
	c->institution_id = arena_strdup(a, store_row_text(row, 4));
	c->institution_type = arena_strdup(a, store_row_text(row, 5));
	c->client_id = arena_strdup(a, store_row_text(row, 6));
	c->client_name = arena_strdup(a, store_row_text(row, 7));
	c->unit_code = arena_strdup(a, store_row_text(row, 10) + f->prefix_len);
	json_t *body = json_loads(store_row_text(row, 9), 0, NULL);
	json_t *result = json_object_get(body, "result");
	const char *duration = json_string_value(json_object_get(result, "duration"));
	int64_t ms;
	if (duration && lrs_duration_ms(duration, &ms))
		c->duration_ms = ms;
	json_t *success = json_object_get(result, "success");
	if (json_is_boolean(success))
		c->success = json_is_true(success);
	json_t *scaled = json_object_get(json_object_get(result, "score"), "scaled");
	if (json_is_number(scaled)) {
		c->has_scaled = true;
		c->scaled = json_number_value(scaled);
	}
	json_decref(body);
	if (!c->id || !c->account_no || !c->person_id || !c->institution_id || !c->institution_type || !c->client_id ||
	    !c->client_name || !c->unit_code)
		return LL_NOMEM;
	f->n++;
	return LL_OK;
}

static enum ll_err read_txn(struct ll_tx *tx, void *ctx)
{
	struct follow_ctx *f = ctx;
	f->n = f->seen = 0;
	int64_t last = 0;
	enum ll_err err = store_cursor_get(tx, CURSOR, &f->at);
	if (err == LL_OK)
		err = store_exec(tx, &SEQ_LAST, SP_NONE, i64_row, &last);
	if (err == LL_OK)
		err = store_exec(tx, &COMPLETIONS,
				 SP(SV_I64(f->at), SV_I64(last), SV_TEXT(COMPLETED), SV_TEXT(PASSED), SV_I64(f->prefix_chars),
				    SV_TEXT(f->prefix), SV_I64(f->limit)),
				 completion_row, f);
	f->next = f->seen == f->limit ? f->last_seen : last > f->at ? last : f->at;
	return err;
}

/* The kind of outcome a unit completed on a platform of this type of institution is. */
static enum outcome_kind kind_of(const char *institution_type)
{
	if (strcmp(institution_type, "elder_university") == 0 || strcmp(institution_type, "elder_school") == 0)
		return KIND_ELDER_EDUCATION;
	if (strcmp(institution_type, "community_school") == 0 || strcmp(institution_type, "learning_point") == 0)
		return KIND_COMMUNITY_EDUCATION;
	if (strcmp(institution_type, "enterprise") == 0)
		return KIND_ENTERPRISE_TRAINING;
	return KIND_NON_DEGREE_TRAINING;
}

/* The date in China of t, as outcomes are dated. */
static void china_date(int64_t t_us, char out[11])
{
	clock_format_date(t_us + 8LL * 3600 * 1000000, out);
}

static void refuse(struct completion *c, struct arena *a, enum ll_err err)
{
	const struct ll_error *e = ll_error_get(err);
	c->status = "refused";
	c->error_code = ll_err_code(err);
	c->detail = e->field[0] ? arena_printf(a, "%s: %s", e->field, e->message) : arena_strdup(a, e->message);
	ll_error_clear();
}

static void deposit_one(struct ll_store *st, struct follow_ctx *f, struct completion *c)
{
	struct arena *a = &f->arena;
	if (c->success == 0) {
		refuse(c, a, ll_fail(LL_NOT_SUCCEEDED, "result", "result.success is false: the learner did not succeed"));
		return;
	}
	struct cert_unit_seen unit;
	enum ll_err err = cert_unit_approved(st, c->unit_code, a, &unit);
	if (err == LL_OK && strcmp(unit.institution_id, c->institution_id) != 0)
		err = ll_fail(LL_NOT_FOUND, NULL, "the unit is another institution's");
	if (err != LL_OK) {
		refuse(c, a, err);
		return;
	}
	char awarded[11], started[11];
	china_date(c->timestamp_us, awarded);
	china_date(c->timestamp_us - (c->duration_ms > 0 ? c->duration_ms * 1000 : 0), started);
	struct outcome o;
	outcome_init(&o);
	o.account_no = c->account_no;
	o.kind = kind_of(c->institution_type);
	o.title = unit.name;
	o.code = unit.code;
	o.level = unit.level;
	o.credits_milli = unit.credits_milli;
	o.hours_milli = c->duration_ms > 0 ? c->duration_ms / 3600 : -1;
	if (c->has_scaled) {
		double pct = fmin(fmax(c->scaled, 0), 1) * 100;
		o.result_kind = RESULT_SCORE;
		o.result = arena_printf(a, "%.1f", round(pct * 10) / 10);
	} else {
		o.result_kind = RESULT_PASS;
		o.result = "pass";
	}
	o.started_on = started;
	o.awarded_on = awarded;
	o.external_id = arena_printf(a, "xapi:%s", c->id);
	const struct ledger_caller caller = { .role = ROLE_STAFF, .institution_id = c->institution_id };
	const struct audit_actor actor = { .id = c->client_id, .role = "lrs_client", .name = c->client_name,
					   .institution_id = c->institution_id };
	struct deposit_result r;
	err = o.result && o.external_id ? ledger_deposit(st, &caller, &o, &actor, a, &r) : LL_NOMEM;
	if (err != LL_OK) {
		refuse(c, a, err);
		return;
	}
	c->status = submission_statuses[r.status];
	c->outcome_id = r.outcome_id;
	c->submission_id = r.submission_id;
}

static enum ll_err record_txn(struct ll_tx *tx, void *ctx)
{
	struct follow_ctx *f = ctx;
	enum ll_err err = LL_OK;
	int64_t now = clock_now_us();
	for (int i = 0; err == LL_OK && i < f->n; i++) {
		const struct completion *c = &f->items[i];
		err = store_exec(tx, &DEPOSIT_RECORD,
				 SP(SV_TEXT(c->id), SV_TEXT(c->institution_id), SV_TEXT(c->person_id), SV_TEXT(c->unit_code),
				    SV_TEXT(c->status), SV_TEXT(c->error_code), SV_TEXT(c->detail), SV_TEXT(c->outcome_id),
				    SV_TEXT(c->submission_id), SV_I64(now)),
				 NULL, NULL);
	}
	return err == LL_OK && f->next > f->at ? store_cursor_advance(tx, CURSOR, f->next) : err;
}

enum ll_err lrs_deposit_follow(struct ll_store *st, const char *home_page, int limit, int *ret_done)
{
	struct follow_ctx f = { .limit = limit > 0 ? limit : 100 };
	*ret_done = 0;
	snprintf(f.prefix, sizeof(f.prefix), "%s/units/", home_page);
	f.prefix_len = strlen(f.prefix);
	f.prefix_chars = (int64_t)json_utf8_chars(f.prefix);
	arena_init(&f.arena, 0);
	f.items = arena_alloc(&f.arena, (size_t)f.limit * sizeof(*f.items));
	enum ll_err err = f.items ? store_run(st, STORE_READ, "lrs unit completions", read_txn, &f) : LL_NOMEM;
	for (int i = 0; err == LL_OK && i < f.n; i++)
		deposit_one(st, &f, &f.items[i]);
	if (err == LL_OK && (f.n > 0 || f.next > f.at))
		err = store_run(st, STORE_WRITE, "lrs deposit record", record_txn, &f);
	if (err == LL_OK)
		*ret_done = f.n;
	arena_release(&f.arena);
	return err;
}

static json_t *deposit_item(const struct store_row *row)
{
	char at[32];
	clock_format_rfc3339(store_row_i64(row, 6), at);
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:{s:s, s:s}}", "statement_id", store_row_text(row, 0),
			 "unit_code", store_row_text(row, 1), "status", store_row_text(row, 2), "error_code",
			 store_row_is_null(row, 3) ? json_null() : json_string(store_row_text(row, 3)), "detail",
			 store_row_is_null(row, 4) ? json_null() : json_string(store_row_text(row, 4)), "outcome_id",
			 store_row_is_null(row, 5) ? json_null() : json_string(store_row_text(row, 5)), "created_at", at,
			 "person", "account_no", store_row_text(row, 7), "name", store_row_text(row, 8));
}

enum ll_err lrs_deposit_list(struct ll_store *st, const char *institution_id, json_t **ret_page)
{
	if (!institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "completions are deposited for an institution");
	return store_items(st, "lrs deposit list", &DEPOSIT_LIST, SP(SV_TEXT(institution_id)), deposit_item, ret_page);
}
