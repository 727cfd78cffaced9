/*
 * The SQL of running a fetch: taking a due one with a lease, extending the lease, setting it back
 * after a failure, and importing a page with the fetch's progress in one transaction. Every change
 * is made only while the run still holds the lease it set (next_at), so that a fetch withdrawn or
 * taken over by another server meanwhile is left as that one made it.
 */
#include <stdio.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/id.h"
#include "../store/store.h"
#include "federation_int.h"

#define LEASE_US (30LL * 1000000)       /* a running fetch another run may take over after this */

static const struct store_stmt DUE = {
	"fetch due",
	"SELECT f.id, f.person_id, f.node_id, f.purpose, f.consent_until, f.after_seq, f.attempts, f.next_at, "
	"f.received, f.state, p.name FROM federation_fetches f JOIN persons p ON p.id = f.person_id "
	"WHERE f.state IN ('queued', 'running', 'retrying') AND f.next_at <= $1 ORDER BY f.next_at LIMIT 1"
};
static const struct store_stmt CLAIM = {
	"fetch claim",
	"UPDATE federation_fetches SET state = 'running', next_at = $2, updated_at = $3 "
	"WHERE id = $1 AND state = $4 AND next_at = $5"
};
static const struct store_stmt LEASE = {
	"fetch lease",
	"UPDATE federation_fetches SET next_at = $3 WHERE id = $1 AND state = 'running' AND next_at = $2"
};
static const struct store_stmt PROGRESS = {
	"fetch progress",
	"UPDATE federation_fetches SET after_seq = $3, received = received + $4, imported = imported + $5, "
	"attempts = 0, last_error = NULL, updated_at = $6, state = $7, next_at = $8, finished_at = $9 "
	"WHERE id = $1 AND state = 'running' AND next_at = $2"
};
static const struct store_stmt SETBACK = {
	"fetch setback",
	"UPDATE federation_fetches SET attempts = $3, last_error = $4, state = $5, next_at = $6, updated_at = $7, "
	"finished_at = $8 WHERE id = $1 AND state = 'running' AND next_at = $2"
};
static const struct store_stmt EXTERNAL_ENTRY = {
	"external entry", "SELECT entry_id FROM external_outcomes WHERE person_id = $1 AND node_id = $2 AND outcome_id = $3"
};
static const struct store_stmt EXTERNAL_INSERT = {
	"external insert",
	"INSERT INTO external_outcomes (id, person_id, node_id, outcome_id, entry_id, credential_id, kid, jws, kind, "
	"title, institution, level, credits_milli, hours_milli, result, awarded_on, fetch_id, imported_at, code, "
	"result_kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
};
static const struct store_stmt EXTERNAL_UPDATE = {
	"external update",
	"UPDATE external_outcomes SET entry_id = $4, credential_id = $5, kid = $6, jws = $7, kind = $8, title = $9, "
	"institution = $10, level = $11, credits_milli = $12, hours_milli = $13, result = $14, awarded_on = $15, "
	"fetch_id = $16, imported_at = $17, code = $18, result_kind = $19 "
	"WHERE person_id = $1 AND node_id = $2 AND outcome_id = $3"
};
/* A record that came again as it was: seen by this fetch. */
static const struct store_stmt EXTERNAL_SEEN = {
	"external seen",
	"UPDATE external_outcomes SET fetch_id = $4 WHERE person_id = $1 AND node_id = $2 AND outcome_id = $3"
};
/* At the end of a fetch: what the peer no longer gives (revoked there) is gone here too. */
static const struct store_stmt EXTERNAL_GONE = {
	"external gone", "DELETE FROM external_outcomes WHERE person_id = $1 AND node_id = $2 AND fetch_id <> $3"
};

static enum ll_err due_row(const struct store_row *row, void *ctx)
{
	struct fed_run *r = ctx;
	snprintf(r->id, sizeof(r->id), "%s", store_row_text(row, 0));
	snprintf(r->person_id, sizeof(r->person_id), "%s", store_row_text(row, 1));
	snprintf(r->node_id, sizeof(r->node_id), "%s", store_row_text(row, 2));
	snprintf(r->purpose, sizeof(r->purpose), "%s", store_row_text(row, 3));
	r->consent_until = store_row_i64(row, 4);
	r->after = store_row_i64(row, 5);
	r->attempts = store_row_i64(row, 6);
	r->lease = store_row_i64(row, 7);   /* the due time, until it is claimed */
	r->received = store_row_i64(row, 8);
	snprintf(r->person_name, sizeof(r->person_name), "%s", store_row_text(row, 10));
	return LL_OK;
}

struct claim {
	struct fed_run *r;
	int64_t now;
	char state[16];
	bool is_claimed;
};

static enum ll_err state_row(const struct store_row *row, void *ctx)
{
	struct claim *c = ctx;
	snprintf(c->state, sizeof(c->state), "%s", store_row_text(row, 9));
	return due_row(row, c->r);
}

static enum ll_err claim_txn(struct ll_tx *tx, void *ctx)
{
	struct claim *c = ctx;
	c->state[0] = '\0';
	c->is_claimed = false;
	enum ll_err err = store_exec(tx, &DUE, SP(SV_I64(c->now)), state_row, c);
	if (err != LL_OK || !c->state[0])
		return err;
	int64_t due = c->r->lease;
	c->r->lease = c->now + LEASE_US;
	err = store_exec(tx, &CLAIM,
			 SP(SV_TEXT(c->r->id), SV_I64(c->r->lease), SV_I64(c->now), SV_TEXT(c->state), SV_I64(due)), NULL,
			 NULL);
	c->is_claimed = err == LL_OK && store_changes(tx) == 1;
	return err;
}

enum ll_err fed_run_claim(struct ll_store *st, int64_t now, struct fed_run *ret_run, bool *ret_is_claimed)
{
	struct fed_run r;
	memset(&r, 0, sizeof(r));
	struct claim c = { .r = &r, .now = now };
	enum ll_err err = store_run(st, STORE_WRITE, "fetch claim", claim_txn, &c);
	if (err != LL_OK)
		return err;
	if (c.is_claimed)
		*ret_run = r;
	*ret_is_claimed = c.is_claimed;
	return LL_OK;
}

static enum ll_err held(struct ll_tx *tx)
{
	return store_changes(tx) == 1 ? LL_OK
				      : ll_fail(LL_CONFLICT, NULL, "the fetch was withdrawn or taken over while it ran");
}

struct lease {
	struct fed_run *r;
	int64_t until;
};

static enum ll_err lease_txn(struct ll_tx *tx, void *ctx)
{
	struct lease *l = ctx;
	enum ll_err err = store_exec(tx, &LEASE, SP(SV_TEXT(l->r->id), SV_I64(l->r->lease), SV_I64(l->until)), NULL, NULL);
	return err == LL_OK ? held(tx) : err;
}

enum ll_err fed_run_lease(struct ll_store *st, struct fed_run *r)
{
	struct lease l = { r, clock_now_us() + LEASE_US };
	enum ll_err err = store_run(st, STORE_WRITE, "fetch lease", lease_txn, &l);
	if (err == LL_OK)
		r->lease = l.until;
	return err;
}

struct setback {
	const struct fed_run *r;
	const char *state, *message;
	int64_t next_at;
	bool is_asked;
};

static enum ll_err setback_txn(struct ll_tx *tx, void *ctx)
{
	struct setback *s = ctx;
	const struct fed_run *r = s->r;
	int64_t now = clock_now_us();
	bool is_final = strcmp(s->state, "retrying") != 0;
	enum ll_err err = store_exec(tx, &SETBACK,
				     SP(SV_TEXT(r->id), SV_I64(r->lease), SV_I64(r->attempts), SV_TEXT(s->message),
					SV_TEXT(s->state), is_final ? SV_NULL : SV_I64(s->next_at), SV_I64(now),
					is_final ? SV_I64(now) : SV_NULL),
				     NULL, NULL);
	if (err == LL_OK)
		err = held(tx);
	if (err == LL_OK && s->is_asked) {
		const struct fed_access a = { .node_id = r->node_id, .fetch_id = r->id, .direction = "out",
					      .person_id = r->person_id, .purpose = r->purpose,
					      .consent_until = r->consent_until, .records = 0, .at = now };
		err = fed_access_log(tx, &a);
	}
	return err;
}

enum ll_err fed_run_set_back(struct ll_store *st, const struct fed_run *r, const char *state, const char *message,
			     int64_t next_at, bool is_asked)
{
	struct setback s = { r, state, message, next_at, is_asked };
	return store_run(st, STORE_WRITE, "fetch setback", setback_txn, &s);
}

struct import {
	struct fed_run *r;
	const struct fed_record *recs;
	int n;
	int64_t next;                    /* -1: the last page */
	int64_t imported, lease;
};

static enum ll_err entry_row(const struct store_row *row, void *ctx)
{
	snprintf(ctx, 64, "%s", store_row_text(row, 0));
	return LL_OK;
}

static struct store_val opt(int64_t v)
{
	return v >= 0 ? SV_I64(v) : SV_NULL;
}

/* Stores record c of the run: new, changed (the peer corrected it), or seen again as it was. */
static enum ll_err import_one(struct ll_tx *tx, const struct fed_run *r, const struct fed_record *c, int64_t now,
			      bool *ret_is_new)
{
	char had[64] = "";
	enum ll_err err = store_exec(tx, &EXTERNAL_ENTRY, SP(SV_TEXT(r->person_id), SV_TEXT(r->node_id),
							      SV_TEXT(c->outcome_id)), entry_row, had);
	*ret_is_new = err == LL_OK && strcmp(had, c->entry_id) != 0;
	if (err != LL_OK)
		return err;
	if (!*ret_is_new)
		return store_exec(tx, &EXTERNAL_SEEN,
				  SP(SV_TEXT(r->person_id), SV_TEXT(r->node_id), SV_TEXT(c->outcome_id), SV_TEXT(r->id)), NULL,
				  NULL);
	if (had[0])
		return store_exec(tx, &EXTERNAL_UPDATE,
				  SP(SV_TEXT(r->person_id), SV_TEXT(r->node_id), SV_TEXT(c->outcome_id), SV_TEXT(c->entry_id),
				     SV_TEXT(c->credential_id), SV_TEXT(c->kid), SV_TEXT(c->jws), SV_TEXT(c->kind),
				     SV_TEXT(c->title), SV_TEXT(c->institution), opt(c->level), opt(c->credits_milli),
				     opt(c->hours_milli), SV_TEXT(c->result), SV_TEXT(c->awarded_on), SV_TEXT(r->id),
				     SV_I64(now), SV_TEXT(c->code), SV_TEXT(c->result_kind)),
				  NULL, NULL);
	ll_id id;
	id_new(&id);
	return store_exec(tx, &EXTERNAL_INSERT,
			  SP(SV_TEXT(id.s), SV_TEXT(r->person_id), SV_TEXT(r->node_id), SV_TEXT(c->outcome_id),
			     SV_TEXT(c->entry_id), SV_TEXT(c->credential_id), SV_TEXT(c->kid), SV_TEXT(c->jws),
			     SV_TEXT(c->kind), SV_TEXT(c->title), SV_TEXT(c->institution), opt(c->level),
			     opt(c->credits_milli), opt(c->hours_milli), SV_TEXT(c->result), SV_TEXT(c->awarded_on),
			     SV_TEXT(r->id), SV_I64(now), SV_TEXT(c->code), SV_TEXT(c->result_kind)),
			  NULL, NULL);
}

static enum ll_err import_txn(struct ll_tx *tx, void *ctx)
{
	struct import *m = ctx;
	struct fed_run *r = m->r;
	m->imported = 0;
	int64_t now = clock_now_us();
	m->lease = now + LEASE_US;
	enum ll_err err = LL_OK;
	for (int i = 0; i < m->n && err == LL_OK; i++) {
		bool is_new = false;
		err = import_one(tx, r, &m->recs[i], now, &is_new);
		m->imported += is_new;
	}
	bool is_last = m->next < 0;
	if (err == LL_OK)
		err = store_exec(tx, &PROGRESS,
				 SP(SV_TEXT(r->id), SV_I64(r->lease), SV_I64(is_last ? r->after : m->next), SV_I64(m->n),
				    SV_I64(m->imported), SV_I64(now), SV_TEXT(is_last ? "done" : "running"),
				    is_last ? SV_NULL : SV_I64(m->lease), is_last ? SV_I64(now) : SV_NULL),
				 NULL, NULL);
	if (err == LL_OK)
		err = held(tx);
	if (err == LL_OK && is_last)
		err = store_exec(tx, &EXTERNAL_GONE, SP(SV_TEXT(r->person_id), SV_TEXT(r->node_id), SV_TEXT(r->id)), NULL,
				 NULL);
	if (err == LL_OK) {
		const struct fed_access a = { .node_id = r->node_id, .fetch_id = r->id, .direction = "out",
					      .person_id = r->person_id, .purpose = r->purpose,
					      .consent_until = r->consent_until, .records = m->n, .at = now };
		err = fed_access_log(tx, &a);
	}
	return err;
}

enum ll_err fed_run_import(struct ll_store *st, struct fed_run *r, const struct fed_record *recs, int n, int64_t next,
			   int64_t *ret_imported)
{
	struct import m = { .r = r, .recs = recs, .n = n, .next = next };
	enum ll_err err = store_run(st, STORE_WRITE, "fetch import", import_txn, &m);
	if (err != LL_OK)
		return err;
	r->lease = m.lease;
	r->received += n;
	if (next >= 0)
		r->after = next;
	*ret_imported = m.imported;
	return LL_OK;
}
