/*
 * Statement queries: the filters of GET /xapi/statements turned into SQL that reads an index in
 * statement order and stops at the page's end, however many statements the store holds. One
 * filter drives (the most selective given: agent, registration, activity, verb); each way a
 * statement can match it (its own column; a member, a related agent or activity, or what it
 * inherits through a StatementRef, in lrs_related) is a branch read newest (or oldest) first up
 * to the page size, the other filters checked on each row; the branches merge into one page.
 * Voided statements are never returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../store/store.h"
#include "lrs.h"

static const struct store_stmt IRI_GET = { "lrs iri", "SELECT id FROM lrs_iris WHERE iri = $1" };
/* The last statement stored at or before a time: stored never goes back as seq grows, so a time
 * bound is a bound on seq. */
static const struct store_stmt SEQ_AT = {
	"lrs seq at", "SELECT seq FROM lrs_statements WHERE stored_us <= $1 ORDER BY stored_us DESC, seq DESC LIMIT 1"
};

/* Roles of lrs_related rows (see lrs_db.c). */
#define ROLES_AGENT "1"
#define ROLES_RELATED_AGENT "1, 2"
#define ROLES_VERB "3"
#define ROLES_ACTIVITY "4"
#define ROLES_RELATED_ACTIVITY "4, 5"
#define ROLES_REGISTRATION "6"

#define PARAMS_MAX 12

struct sql {
	struct buf b;
	struct store_val vals[PARAMS_MAX];
	int n;
};

/* A parameter's placeholder: "$k". */
static int param(struct sql *q, struct store_val v)
{
	q->vals[q->n] = v;
	return ++q->n;
}

/* One filter: the column that holds it and the roles of lrs_related rows that match it too. */
struct filter {
	const char *column;
	const char *roles;
	int64_t iri;
	int p;                          /* its parameter */
	const char *column2;            /* the agent filter's second column (object_agent_iri) */
};

/* The conditions every branch shares: the other filters, time bounds, cursor, institution. */
static void common(struct sql *q, const struct lrs_query *in, const struct filter *filters, int n, int driver,
		   const int *p_common)
{
	buf_puts(&q->b, " AND s.is_voided = 0");
	for (int i = 0; i < n; i++) {
		if (i == driver)
			continue;
		const struct filter *f = &filters[i];
		/* The unary plus keeps the planner on the driving index. */
		buf_printf(&q->b, " AND (+s.%s = $%d", f->column, f->p);
		if (f->column2)
			buf_printf(&q->b, " OR +s.%s = $%d", f->column2, f->p);
		buf_printf(&q->b, " OR EXISTS (SELECT 1 FROM lrs_related x WHERE x.iri = $%d AND x.role IN (%s) "
				  "AND x.seq = s.seq))",
			   f->p, f->roles);
	}
	if (in->since_us)
		buf_printf(&q->b, " AND s.seq > $%d", p_common[0]);
	if (in->until_us)
		buf_printf(&q->b, " AND s.seq <= $%d", p_common[1]);
	if (in->after_seq)
		buf_printf(&q->b, " AND s.seq %s $%d", in->is_ascending ? ">" : "<", p_common[2]);
	if (in->institution_id)
		buf_printf(&q->b, " AND s.client_no IN (SELECT c.number FROM lrs_clients c WHERE c.institution_id = $%d)",
			   p_common[3]);
}

static void branch_end(struct sql *q, const struct lrs_query *in, const char *seq, int p_limit)
{
	buf_printf(&q->b, " ORDER BY %s %s LIMIT $%d) b", seq, in->is_ascending ? "ASC" : "DESC", p_limit);
}

struct page_ctx {
	json_t *statements;
	int64_t last_seq, newest_stored_us;
	int limit, n;
	bool has_more;
};

static enum ll_err page_row(const struct store_row *row, void *ctx)
{
	struct page_ctx *p = ctx;
	if (p->n == p->limit) {
		p->has_more = true;
		return LL_OK;
	}
	json_t *st = json_loads(store_row_text(row, 2), 0, NULL);
	if (!st)
		return ll_fail(LL_INTERNAL, NULL, "a stored statement does not parse");
	if (json_array_append_new(p->statements, st) != 0)
		return LL_NOMEM;
	p->last_seq = store_row_i64(row, 0);
	if (store_row_i64(row, 1) > p->newest_stored_us)
		p->newest_stored_us = store_row_i64(row, 1);
	p->n++;
	return LL_OK;
}

struct query_ctx {
	const struct lrs_query *in;
	struct page_ctx *page;
	bool is_empty;
};

static enum ll_err i64_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err query_txn(struct ll_tx *tx, void *ctx)
{
	struct query_ctx *x = ctx;
	const struct lrs_query *in = x->in;
	struct page_ctx *page = x->page;
	json_array_clear(page->statements);
	page->n = 0;
	page->has_more = false;
	page->last_seq = 0;
	page->newest_stored_us = 0;
	x->is_empty = false;

	/* The filters given, most selective first: the first drives. */
	char reg[48];
	snprintf(reg, sizeof(reg), "urn:uuid:%s", in->registration ? in->registration : "");
	struct {
		const char *iri;
		struct filter f;
	} given[4] = {
		{ in->agent_key, { "actor_iri", in->is_related_agents ? ROLES_RELATED_AGENT : ROLES_AGENT, 0, 0,
				   "object_agent_iri" } },
		{ in->registration ? reg : NULL, { "registration_iri", ROLES_REGISTRATION, 0, 0, NULL } },
		{ in->activity_id, { "activity_iri", in->is_related_activities ? ROLES_RELATED_ACTIVITY : ROLES_ACTIVITY, 0,
				     0, NULL } },
		{ in->verb_id, { "verb_iri", ROLES_VERB, 0, 0, NULL } },
	};
	struct filter filters[4];
	int n = 0;
	for (int i = 0; i < 4; i++) {
		if (!given[i].iri)
			continue;
		int64_t iri = -1;
		enum ll_err err = store_exec(tx, &IRI_GET, SP(SV_TEXT(given[i].iri)), i64_row, &iri);
		if (err != LL_OK)
			return err;
		if (iri < 0) {
			x->is_empty = true; /* nothing was ever stored with it */
			return LL_OK;
		}
		filters[n] = given[i].f;
		filters[n].iri = iri;
		n++;
	}

	/* The time bounds as bounds on seq: since the last statement stored at or before it (0: none),
	 * until the last one stored at or before it (none: nothing can match). */
	int64_t since_seq = 0, until_seq = 0;
	if (in->since_us) {
		enum ll_err err = store_exec(tx, &SEQ_AT, SP(SV_I64(in->since_us)), i64_row, &since_seq);
		if (err != LL_OK)
			return err;
	}
	if (in->until_us) {
		enum ll_err err = store_exec(tx, &SEQ_AT, SP(SV_I64(in->until_us)), i64_row, &until_seq);
		if (err != LL_OK)
			return err;
		if (until_seq == 0) {
			x->is_empty = true;
			return LL_OK;
		}
	}

	struct sql q = { .n = 0 };
	buf_init(&q.b);
	for (int i = 0; i < n; i++)
		filters[i].p = param(&q, SV_I64(filters[i].iri));
	int p_common[4] = {
		in->since_us ? param(&q, SV_I64(since_seq)) : 0,
		in->until_us ? param(&q, SV_I64(until_seq)) : 0,
		in->after_seq ? param(&q, SV_I64(in->after_seq)) : 0,
		in->institution_id ? param(&q, SV_TEXT(in->institution_id)) : 0,
	};
	int p_limit = param(&q, SV_I64(page->limit + 1));
	const char *order = in->is_ascending ? "ASC" : "DESC";

	buf_puts(&q.b, "SELECT s.seq, s.stored_us, s.body FROM lrs_statements s WHERE s.seq IN (");
	if (n == 0) {
		buf_puts(&q.b, "SELECT seq FROM (SELECT s.seq FROM lrs_statements s WHERE 1 = 1");
		common(&q, in, filters, n, -1, p_common);
		branch_end(&q, in, "s.seq", p_limit);
	} else {
		const struct filter *d = &filters[0];
		/* Its own column (and the agent's second one). */
		const char *columns[2] = { d->column, d->column2 };
		for (int c = 0; c < 2 && columns[c]; c++) {
			buf_printf(&q.b, "%sSELECT seq FROM (SELECT s.seq FROM lrs_statements s WHERE s.%s = $%d",
				   c ? " UNION " : "", columns[c], d->p);
			common(&q, in, filters, n, 0, p_common);
			branch_end(&q, in, "s.seq", p_limit);
		}
		/* What lrs_related says matches it. */
		buf_printf(&q.b,
			   " UNION SELECT seq FROM (SELECT r.seq FROM lrs_related r JOIN lrs_statements s ON s.seq = r.seq "
			   "WHERE r.iri = $%d AND r.role IN (%s)",
			   d->p, d->roles);
		common(&q, in, filters, n, 0, p_common);
		branch_end(&q, in, "r.seq", p_limit);
	}
	buf_printf(&q.b, ") ORDER BY s.seq %s LIMIT $%d", order, p_limit);

	const struct store_stmt stmt = { "lrs query", q.b.data };
	enum ll_err err = store_exec(tx, &stmt, q.vals, q.n, page_row, page);
	buf_release(&q.b);
	return err;
}

enum ll_err lrs_query_run(struct ll_store *st, const struct lrs_query *in, struct lrs_page *ret)
{
	struct page_ctx page = { .statements = json_array(), .limit = in->limit };
	if (!page.statements)
		return LL_NOMEM;
	if (page.limit < 1 || page.limit > LRS_PAGE_MAX)
		page.limit = LRS_PAGE_MAX;
	struct query_ctx x = { in, &page, false };
	enum ll_err err = store_run(st, STORE_READ, "lrs query", query_txn, &x);
	if (err != LL_OK) {
		json_decref(page.statements);
		return err;
	}
	ret->statements = page.statements;
	ret->has_more = page.has_more;
	ret->last_seq = page.last_seq;
	ret->newest_stored_us = page.newest_stored_us;
	return LL_OK;
}
