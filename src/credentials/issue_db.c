/*
 * Issuing credentials: a person's current outcome, with its ledger entry proved against a signed
 * tree head that holds it, as an Open Badges credential signed by the issuer's newest key; and
 * the person's list of what they were issued.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/clock.h"
#include "../base/id.h"
#include "../base/json.h"
#include "../ledger/ledger.h"
#include "../store/store.h"
#include "credentials.h"
#include "credentials_db.h"

static const struct store_stmt PERSON = { "credential person", "SELECT name, account_no FROM persons WHERE id = $1" };
static const struct store_stmt INSTITUTION = { "credential institution",
					       "SELECT name FROM institutions WHERE id = $1" };
static const struct store_stmt CREDENTIAL_INSERT = {
	"credential insert",
	"INSERT INTO credentials (id, person_id, type, outcome_id, entry_id, kid, title, issued_at, jws, status_index) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
};
static const struct store_stmt SUPERSEDED = { "credential entry superseded",
					      "SELECT COUNT(*) FROM ledger_entries WHERE supersedes = $1" };
/* What a list shows of a credential, records being how many ledger entries it speaks for: a
 * badge's own, or a transcript's in credential_entries. */
#define SUMMARY_COLUMNS                                                                                           \
	"c.id, c.type, c.outcome_id, c.entry_id, c.kid, c.title, c.issued_at, "                                   \
	"CASE WHEN c.entry_id IS NULL THEN (SELECT COUNT(*) FROM credential_entries ce WHERE ce.credential_id = c.id) " \
	"ELSE 1 END"
static const struct store_stmt CREDENTIAL_LIST = {
	"credential list",
	"SELECT " SUMMARY_COLUMNS " FROM credentials c WHERE c.person_id = $1 ORDER BY c.issued_at DESC, c.id DESC LIMIT 500"
};
static const struct store_stmt CREDENTIAL_GET = {
	"credential get",
	"SELECT " SUMMARY_COLUMNS ", c.jws FROM credentials c WHERE c.person_id = $1 AND c.id = $2"
};

/* What the credential says of its person and outcome, and the key that signs it, read in one
 * transaction. */
struct subject {
	const char *person_id, *outcome_id;
	const struct ll_keys *keys;
	struct arena *a;
	struct ledger_entry entry;
	bool is_found;
	const char *person_name, *account_no, *institution_name;
	struct cred_signing_key key;    /* wiped by the caller */
	struct merkle_sth sth;          /* a tree head that holds the entry, and the entry's proof, */
	struct merkle_proof proof;      /* when one is already signed (is_proved) */
	bool is_proved;
};

static enum ll_err person_row(const struct store_row *row, void *ctx)
{
	struct subject *s = ctx;
	s->person_name = arena_strdup(s->a, store_row_text(row, 0));
	s->account_no = arena_strdup(s->a, store_row_text(row, 1));
	return s->person_name && s->account_no ? LL_OK : LL_ARENA_FULL;
}

static enum ll_err institution_row(const struct store_row *row, void *ctx)
{
	struct subject *s = ctx;
	s->institution_name = arena_strdup(s->a, store_row_text(row, 0));
	return s->institution_name ? LL_OK : LL_ARENA_FULL;
}

static enum ll_err subject_txn(struct ll_tx *tx, void *ctx)
{
	struct subject *s = ctx;
	enum ll_err err = ledger_current_outcome(tx, s->person_id, s->outcome_id, s->a, &s->entry, &s->is_found);
	if (err != LL_OK || !s->is_found)
		return err;
	err = store_exec(tx, &PERSON, SP(SV_TEXT(s->person_id)), person_row, s);
	if (err == LL_OK)
		err = store_exec(tx, &INSTITUTION, SP(SV_TEXT(s->entry.o.institution_id)), institution_row, s);
	if (err == LL_OK)
		err = cred_signing_key(tx, s->keys, &s->key);
	if (err == LL_OK)
		err = ledger_proof_tx(tx, (uint64_t)s->entry.seq, &s->sth, &s->proof, &s->is_proved);
	return err;
}

static enum ll_err count_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

struct issue_ctx {
	const struct subject *subject;
	const char *id;
	int64_t now;
	const char *jws;
	int64_t status_index;
	/* In a group commit: this credential's own refusal, which leaves the others to commit, or
	 * (is_failed_together) the error of the whole group's transaction. */
	enum ll_err refusal;
	struct ll_error refusal_detail;
	bool is_failed_together;
};

/* One credential's part of a group's transaction: its entry still current, and its row. A
 * refusal of this credential alone is x->refusal, with nothing of it written; anything else fails
 * the transaction. */
static enum ll_err issue_one(struct ll_tx *tx, struct issue_ctx *x)
{
	x->refusal = LL_OK;
	const struct subject *s = x->subject;
	/* The entry was current when it was read; a correction or revocation since then would make
	 * this a credential of the past. */
	int64_t superseded = 0;
	enum ll_err err = store_exec(tx, &SUPERSEDED, SP(SV_TEXT(s->entry.id)), count_row, &superseded);
	if (err != LL_OK)
		return err;
	if (superseded) {
		x->refusal = ll_fail(LL_CONFLICT, "outcome_id", "the outcome changed while its credential was being made; ask again");
		x->refusal_detail = *ll_error_get(x->refusal);
		ll_error_clear();
		return LL_OK;
	}
	return store_exec(tx, &CREDENTIAL_INSERT,
			  SP(SV_TEXT(x->id), SV_TEXT(s->person_id), SV_TEXT(CRED_TYPE_BADGE), SV_TEXT(s->outcome_id),
			     SV_TEXT(s->entry.id), SV_TEXT(s->key.kid), SV_TEXT(s->entry.o.title), SV_I64(x->now),
			     SV_TEXT(x->jws), SV_I64(x->status_index)),
			  NULL, NULL);
}

/* ---- Group commit ----
 * Credentials issued at the same time share one transaction and so one synced commit: a caller
 * queues its credential, and whichever caller finds no commit under way takes everything queued
 * for its store and commits it, while those that come meanwhile queue for the next one. Nobody
 * waits for company: a lone credential is committed at once. */

#define GROUP_MAX 256
/* Status indexes reserved at a time: a process that stops skips at most this many. */
#define STATUS_BLOCK 256

struct waiter {
	struct ll_store *st;
	struct issue_ctx *x;
	pthread_cond_t *wake;   /* its caller's: signalled when it is done or the queue is its to commit */
	enum ll_err err;
	struct ll_error detail;
	bool is_done, is_failed_together;
	struct waiter *next;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct waiter *g_queue;
static bool g_is_committing;

struct group {
	struct waiter *list[GROUP_MAX];
	int n;
};

static enum ll_err group_txn(struct ll_tx *tx, void *ctx)
{
	struct group *g = ctx;
	enum ll_err err = LL_OK;
	for (int i = 0; i < g->n && err == LL_OK; i++)
		err = issue_one(tx, g->list[i]->x);
	return err;
}

/* Takes the queued waiters of st (oldest first, at most GROUP_MAX) into g. Holds g_mu. */
static void take(struct ll_store *st, struct group *g)
{
	g->n = 0;
	struct waiter **p = &g_queue;
	while (*p && g->n < GROUP_MAX) {
		if ((*p)->st == st) {
			g->list[g->n++] = *p;
			*p = (*p)->next;
		} else {
			p = &(*p)->next;
		}
	}
}

/* Commits xs (n of them) in as few shared transactions as come: each x's own refusal is its
 * x->refusal (with the others committed); the error of a transaction that failed is every one's. */
static enum ll_err issue_together(struct ll_store *st, struct issue_ctx **xs, int n)
{
	struct waiter *us = calloc((size_t)n, sizeof(*us));
	if (!us)
		return LL_NOMEM;
	/* Each caller sleeps on a condition of its own, woken only when its credentials are done or
	 * the next commit is its to make: one shared condition woke every caller at every commit,
	 * most of them to sleep again. */
	pthread_cond_t wake;
	pthread_cond_init(&wake, NULL);
	pthread_mutex_lock(&g_mu);
	struct waiter **tail = &g_queue;
	while (*tail)
		tail = &(*tail)->next;
	for (int i = 0; i < n; i++) {
		us[i] = (struct waiter){ .st = st, .x = xs[i], .wake = &wake };
		*tail = &us[i];
		tail = &us[i].next;
	}
	for (;;) {
		int done = 0;
		for (int i = 0; i < n; i++)
			done += us[i].is_done;
		if (done == n)
			break;
		if (g_is_committing) {
			pthread_cond_wait(&wake, &g_mu);
			continue;
		}
		struct group g;
		take(st, &g);
		g_is_committing = true;
		pthread_mutex_unlock(&g_mu);
		enum ll_err err = store_run(st, STORE_WRITE, "credential issue", group_txn, &g);
		struct ll_error detail = *ll_error_get(err);
		pthread_mutex_lock(&g_mu);
		for (int i = 0; i < g.n; i++) {
			struct waiter *w = g.list[i];
			w->err = err != LL_OK ? err : w->x->refusal;
			w->detail = err != LL_OK ? detail : w->x->refusal_detail;
			w->is_failed_together = err != LL_OK;
			w->is_done = true;
			if (w->wake != &wake)
				pthread_cond_signal(w->wake);
		}
		g_is_committing = false;
		/* Whoever queued first makes the next commit (this caller again, if it is still queued). */
		if (g_queue && g_queue->wake != &wake)
			pthread_cond_signal(g_queue->wake);
	}
	pthread_mutex_unlock(&g_mu);
	pthread_cond_destroy(&wake);
	/* What each one came to: its refusal, or the failed transaction's error. */
	enum ll_err err = LL_OK;
	for (int i = 0; i < n; i++) {
		xs[i]->refusal = us[i].err;
		xs[i]->refusal_detail = us[i].detail;
		xs[i]->is_failed_together = us[i].is_failed_together;
		if (us[i].err != LL_OK && n == 1)
			err = ll_fail(us[i].err, us[i].detail.field[0] ? us[i].detail.field : NULL, "%s", us[i].detail.message);
	}
	free(us);
	return err;
}

static json_t *summary(const char *id, const char *type, const char *outcome_id, const char *entry_id,
		       const char *kid, const char *title, int64_t issued_at, int64_t records)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", id, "type", type, "kid", kid, "title", title, "records",
			      (json_int_t)records);
	if (o) {
		json_set_str(o, "outcome_id", outcome_id);
		json_set_str(o, "entry_id", entry_id);
		json_set_time(o, "issued_at", issued_at);
	}
	return o;
}

/* The credential of s, signed with s's key: its JSON in *ret_credential, its JWS in *ret_jws. */
static enum ll_err badge_signed(const struct cred_issuer *iss, const struct subject *s, const char *id, int64_t now,
				const struct merkle_sth *sth, const struct merkle_proof *proof, int64_t status_index,
				json_t **ret_credential, char **ret_jws)
{
	char log_key[CRED_DID_MAX + 16];
	snprintf(log_key, sizeof(log_key), "%s#ledger", iss->did);
	const struct cred_badge_in in = { .issuer = iss, .id = id, .valid_from_us = now, .entry = &s->entry,
					  .person_name = s->person_name, .account_no = s->account_no,
					  .institution_name = s->institution_name, .sth = sth, .proof = proof,
					  .log_key_id = log_key, .status_index = status_index };
	*ret_credential = cred_badge_json(&in);
	return *ret_credential ? cred_sign_with(&s->key, iss, *ret_credential, ret_jws) : LL_NOMEM;
}

/* One credential made ready to commit: read, proved, numbered and signed. */
struct prepared {
	struct subject s;
	char id[64];
	int64_t now;
	json_t *credential;
	char *jws;
	struct issue_ctx x;
};

/* Everything but the commit happens in the caller's thread, beside other callers: reading, the
 * tree head and proof, a status index from this store's reserved block, the credential's JSON and
 * its signature. */
static enum ll_err prepare(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			   const char *person_id, const char *outcome_id, struct arena *a, struct prepared *p)
{
	memset(p, 0, sizeof(*p));
	p->s = (struct subject){ .person_id = person_id, .outcome_id = outcome_id, .keys = keys, .a = a };
	struct subject *s = &p->s;
	enum ll_err err = store_run(st, STORE_READ, "credential subject", subject_txn, s);
	if (err == LL_OK && !s->is_found)
		err = ll_fail(LL_NOT_FOUND, "outcome_id", "you hold no current outcome with this id");
	/* A tree head that holds the entry is usually signed already, and read with it; else one is
	 * signed now. */
	if (err == LL_OK && !s->is_proved)
		err = ledger_sth_current(st, keys, (uint64_t)s->entry.seq + 1, &s->sth);
	if (err == LL_OK && !s->is_proved)
		err = ledger_inclusion_proof(st, (uint64_t)s->entry.seq, s->sth.tree_size, &s->proof);
	int64_t status_index = -1;
	if (err == LL_OK)
		err = store_counter_take(st, "credential_status", STATUS_BLOCK, &status_index);
	ll_id raw;
	id_new(&raw);
	snprintf(p->id, sizeof(p->id), "urn:uuid:%s", raw.s);
	p->now = clock_now_us();
	if (err == LL_OK)
		err = badge_signed(iss, s, p->id, p->now, &s->sth, &s->proof, status_index, &p->credential, &p->jws);
	p->x = (struct issue_ctx){ .subject = s, .id = p->id, .now = p->now, .jws = p->jws, .status_index = status_index };
	return err;
}

/* The summary of a committed credential, with its JWS and JSON; NULL when out of memory. */
static json_t *prepared_summary(const struct prepared *p)
{
	const struct subject *s = &p->s;
	json_t *o = summary(p->id, CRED_TYPE_BADGE, s->outcome_id, s->entry.id, s->key.kid, s->entry.o.title, p->now, 1);
	if (o && json_object_set_new(o, "jws", json_string(p->jws)) == 0 &&
	    json_object_set(o, "credential", p->credential) == 0)
		return o;
	json_decref(o);
	return NULL;
}

static void prepared_release(struct prepared *p)
{
	sodium_memzero(p->s.key.sk, sizeof(p->s.key.sk));
	json_decref(p->credential);
	free(p->jws);
	p->credential = NULL;
	p->jws = NULL;
}

enum ll_err cred_issue_badge(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			     const char *person_id, const char *outcome_id, json_t **ret_obj)
{
	if (!outcome_id || !*outcome_id)
		return ll_fail(LL_MISSING_FIELD, "outcome_id", "name the outcome the credential speaks for");
	struct arena a;
	arena_init(&a, 1 << 20);
	struct prepared p;
	enum ll_err err = prepare(st, keys, iss, person_id, outcome_id, &a, &p);
	struct issue_ctx *x = &p.x;
	if (err == LL_OK)
		err = issue_together(st, &x, 1);
	if (err == LL_OK && !(*ret_obj = prepared_summary(&p)))
		err = LL_NOMEM;
	prepared_release(&p);
	arena_release(&a);
	return err;
}

enum ll_err cred_issue_badges(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			      const char *person_id, const char *const *outcome_ids, int n, json_t **ret_objs)
{
	struct arena a;
	arena_init(&a, (size_t)(n ? n : 1) << 20);
	struct prepared *ps = calloc((size_t)(n ? n : 1), sizeof(*ps));
	struct issue_ctx **xs = calloc((size_t)(n ? n : 1), sizeof(*xs));
	enum ll_err err = ps && xs ? LL_OK : LL_NOMEM;
	for (int i = 0; i < n; i++)
		ret_objs[i] = NULL;
	int m = 0;   /* the ones made ready, in xs */
	for (int i = 0; i < n && err == LL_OK; i++) {
		err = prepare(st, keys, iss, person_id, outcome_ids[i], &a, &ps[i]);
		if (err == LL_NOT_FOUND) {
			ll_error_clear();
			err = LL_OK;
			ps[i].x.refusal = LL_NOT_FOUND;
			continue;
		}
		if (err == LL_OK)
			xs[m++] = &ps[i].x;
	}
	if (err == LL_OK && m)
		err = issue_together(st, xs, m);
	/* A transaction that failed fails them all; an outcome that changed meanwhile is only its own. */
	for (int i = 0; i < m && err == LL_OK; i++)
		if (xs[i]->is_failed_together || (xs[i]->refusal != LL_OK && xs[i]->refusal != LL_CONFLICT))
			err = ll_fail(xs[i]->refusal, NULL, "%s", xs[i]->refusal_detail.message);
	for (int i = 0; i < n && err == LL_OK; i++)
		if (ps[i].x.refusal == LL_OK && ps[i].jws && !(ret_objs[i] = prepared_summary(&ps[i])))
			err = LL_NOMEM;
	for (int i = 0; ps && i < n; i++) {
		if (err != LL_OK && ret_objs[i]) {
			json_decref(ret_objs[i]);
			ret_objs[i] = NULL;
		}
		prepared_release(&ps[i]);
	}
	free(ps);
	free(xs);
	arena_release(&a);
	return err;
}

/* The summary of a row of SUMMARY_COLUMNS. */
static json_t *summary_of_row(const struct store_row *row)
{
	return summary(store_row_text(row, 0), store_row_text(row, 1), store_row_text(row, 2), store_row_text(row, 3),
		       store_row_text(row, 4), store_row_text(row, 5), store_row_i64(row, 6), store_row_i64(row, 7));
}

static enum ll_err list_row(const struct store_row *row, void *ctx)
{
	json_t *o = summary_of_row(row);
	return o && json_array_append_new(ctx, o) == 0 ? LL_OK : LL_NOMEM;
}

struct list_ctx {
	const char *person_id;
	json_t *items;
};

static enum ll_err list_txn(struct ll_tx *tx, void *ctx)
{
	struct list_ctx *l = ctx;
	json_array_clear(l->items);
	return store_exec(tx, &CREDENTIAL_LIST, SP(SV_TEXT(l->person_id)), list_row, l->items);
}

enum ll_err cred_list(struct ll_store *st, const char *person_id, json_t **ret_page)
{
	struct list_ctx l = { person_id, json_array() };
	if (!l.items)
		return LL_NOMEM;
	enum ll_err err = store_run(st, STORE_READ, "credential list", list_txn, &l);
	json_t *page = err == LL_OK ? json_pack("{s:o}", "items", l.items) : NULL;
	if (err == LL_OK && !page)
		err = LL_NOMEM;
	if (err != LL_OK) {
		if (!page)
			json_decref(l.items);
		return err;
	}
	*ret_page = page;
	return LL_OK;
}

struct get_ctx {
	const char *person_id, *id;
	json_t *obj;
};

static enum ll_err get_row(const struct store_row *row, void *ctx)
{
	struct get_ctx *g = ctx;
	json_t *o = summary_of_row(row);
	const char *jws = store_row_text(row, 8);
	/* The credential is the JWS's payload: shown as the holder would decode it. */
	struct jose_jws j;
	enum ll_err err = jose_jws_parse(jws, "jws", &j);
	if (err != LL_OK) {
		json_decref(o);
		return ll_fail(LL_INTERNAL, NULL, "a stored credential does not parse");
	}
	json_t *credential = json_loadb(j.payload, j.payload_len, 0, NULL);
	jose_jws_release(&j);
	if (!o || !credential || json_object_set_new(o, "jws", json_string(jws)) != 0 ||
	    json_object_set_new(o, "credential", credential) != 0) {
		json_decref(o);
		return LL_NOMEM;
	}
	json_decref(g->obj);
	g->obj = o;
	return LL_OK;
}

static enum ll_err get_txn(struct ll_tx *tx, void *ctx)
{
	struct get_ctx *g = ctx;
	return store_exec(tx, &CREDENTIAL_GET, SP(SV_TEXT(g->person_id), SV_TEXT(g->id)), get_row, g);
}

enum ll_err cred_get(struct ll_store *st, const char *person_id, const char *id, json_t **ret_obj)
{
	struct get_ctx g = { person_id, id, NULL };
	enum ll_err err = store_run(st, STORE_READ, "credential get", get_txn, &g);
	if (err == LL_OK && !g.obj)
		err = ll_fail(LL_NOT_FOUND, NULL, "you hold no credential with this id");
	if (err != LL_OK) {
		json_decref(g.obj);
		return err;
	}
	*ret_obj = g.obj;
	return LL_OK;
}
