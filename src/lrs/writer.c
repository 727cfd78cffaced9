/*
 * The statement writer: one thread that takes every batch requests have queued and stores them in
 * one transaction. While one commit is being made durable the next requests queue up, so the cost
 * of a synced commit is shared by as many requests as arrive during it, and an idle writer
 * commits a lone request at once (no waiting for company). It never answers a request itself:
 * each batch's callback does, after its commit.
 */
#include <pthread.h>
#include <stdlib.h>

#include "../base/clock.h"
#include "../store/store.h"
#include "lrs.h"

/* Statements per commit at most: enough to amortise the sync, few enough that the first request
 * of a full queue does not wait long. */
#define COMMIT_STATEMENTS_MAX 4096
#define COMMIT_BATCHES_MAX 1024

struct lrs_writer {
	struct ll_store *st;
	struct store_session *session;  /* one connection for every commit: its cache stays warm */
	struct lrs_cache *cache;
	const char *home_page;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	struct lrs_batch *head, *tail;
	bool is_stopping;
	bool is_joined;
	/* While a commit is being made: a time no later than the stored time of its statements. */
	int64_t committing_since_us;
	struct lrs_writer_stats stats;
};

/* The clock to the millisecond below, as statements' stored times are (lrs_db.c). */
static int64_t now_ms_us(void)
{
	return clock_now_us() / 1000 * 1000;
}

/* Takes up to the limits from the queue into list, oldest first; returns how many. Holds mu. */
static int take(struct lrs_writer *w, struct lrs_batch **list)
{
	int n = 0, statements = 0;
	while (w->head && n < COMMIT_BATCHES_MAX && (n == 0 || statements + w->head->n <= COMMIT_STATEMENTS_MAX)) {
		struct lrs_batch *b = w->head;
		w->head = b->next;
		b->next = NULL;
		list[n++] = b;
		statements += b->n;
	}
	if (!w->head)
		w->tail = NULL;
	return n;
}

static void *writer_main(void *arg)
{
	struct lrs_writer *w = arg;
	struct lrs_batch **list = malloc(COMMIT_BATCHES_MAX * sizeof(*list));
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->is_stopping)
			pthread_cond_wait(&w->wake, &w->mu);
		if (!w->head)
			break;
		int n = list ? take(w, list) : 0;
		w->committing_since_us = n ? now_ms_us() : 0;
		pthread_mutex_unlock(&w->mu);
		if (n == 0) {
			/* Out of memory at start: refuse rather than store nothing forever. */
			pthread_mutex_lock(&w->mu);
			struct lrs_batch *b = w->head;
			w->head = b->next;
			if (!w->head)
				w->tail = NULL;
			pthread_mutex_unlock(&w->mu);
			b->err = ll_fail(LL_NOMEM, NULL, "the statement writer is out of memory");
			b->detail = *ll_error_get(LL_NOMEM);
			b->on_done(b, b->done_ctx);
			pthread_mutex_lock(&w->mu);
			continue;
		}
		ll_error_clear();
		lrs_batches_store(w->st, w->session, w->cache, w->home_page, list, n);
		uint64_t statements = 0;
		for (int i = 0; i < n; i++)
			statements += (uint64_t)list[i]->stored;
		pthread_mutex_lock(&w->mu);
		w->committing_since_us = 0;
		w->stats.commits++;
		w->stats.batches += (uint64_t)n;
		w->stats.statements += statements;
		pthread_mutex_unlock(&w->mu);
		for (int i = 0; i < n; i++)
			list[i]->on_done(list[i], list[i]->done_ctx); /* may free the batch */
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	free(list);
	return NULL;
}

enum ll_err lrs_writer_start(struct ll_store *st, struct lrs_cache *cache, const char *home_page,
			     struct lrs_writer **ret_writer)
{
	struct lrs_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return ll_fail(LL_NOMEM, NULL, NULL);
	w->st = st;
	w->cache = cache;
	w->home_page = home_page;
	enum ll_err err = store_session_open(st, &w->session);
	if (err != LL_OK) {
		free(w);
		return err;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->mu);
		store_session_close(w->session);
		free(w);
		return ll_fail(LL_INTERNAL, NULL, "cannot start the statement writer");
	}
	*ret_writer = w;
	return LL_OK;
}

enum ll_err lrs_writer_submit(struct lrs_writer *w, struct lrs_batch *b,
			      void (*on_done)(struct lrs_batch *b, void *ctx), void *ctx)
{
	b->next = NULL;
	b->on_done = on_done;
	b->done_ctx = ctx;
	pthread_mutex_lock(&w->mu);
	if (w->is_stopping) {
		pthread_mutex_unlock(&w->mu);
		return ll_fail(LL_BUSY, NULL, "the server is stopping");
	}
	if (w->tail)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	return LL_OK;
}

void lrs_writer_drain(struct lrs_writer *w)
{
	if (!w || w->is_joined)
		return;
	pthread_mutex_lock(&w->mu);
	w->is_stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	w->is_joined = true;
}

struct lrs_writer *lrs_writer_stop(struct lrs_writer *w)
{
	if (!w)
		return NULL;
	lrs_writer_drain(w);
	w->session = store_session_close(w->session);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	free(w);
	return NULL;
}

int64_t lrs_writer_consistent_through(struct lrs_writer *w)
{
	pthread_mutex_lock(&w->mu);
	int64_t t = now_ms_us();
	if (w->committing_since_us && w->committing_since_us < t)
		t = w->committing_since_us;
	pthread_mutex_unlock(&w->mu);
	/* A millisecond earlier: a commit under way, or one begun later in this millisecond, may
	 * store statements at t itself, and a query since t leaves out those stored at t. */
	return t - 1000;
}

void lrs_writer_get_stats(struct lrs_writer *w, struct lrs_writer_stats *ret_stats)
{
	pthread_mutex_lock(&w->mu);
	*ret_stats = w->stats;
	pthread_mutex_unlock(&w->mu);
}
