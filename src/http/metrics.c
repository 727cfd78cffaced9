/*
 * Metrics storage and rendering. Statuses are kept in a fixed list of slots; an unusual status
 * lands in the slot of its class (2xx, 4xx, 5xx) so that memory stays bounded.
 */
#include "metrics.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "../store/store.h"
#include "http.h"

static const int status_slots[] = { 200, 201, 204, 206, 301, 304, 400, 401, 403, 404, 405, 409, 413,
				    414, 415, 429, 500, 503, 431, 499 };
#define N_STATUS (sizeof(status_slots) / sizeof(status_slots[0]))
static const double bucket_le_s[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 };
#define N_BUCKETS (sizeof(bucket_le_s) / sizeof(bucket_le_s[0]))

struct metrics {
	size_t n_routes;
	_Atomic uint64_t *counts;        /* (n_routes + 1) * N_STATUS */
	_Atomic uint64_t buckets[N_BUCKETS + 1];
	_Atomic uint64_t duration_sum_us;
	_Atomic uint64_t requests;
};

struct metrics *metrics_new(size_t n_routes)
{
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->n_routes = n_routes;
	m->counts = calloc((n_routes + 1) * N_STATUS, sizeof(*m->counts));
	if (!m->counts) {
		free(m);
		return NULL;
	}
	return m;
}

struct metrics *metrics_free(struct metrics *m)
{
	if (m) {
		free((void *)m->counts);
		free(m);
	}
	return NULL;
}

static size_t status_slot(int status)
{
	for (size_t i = 0; i < N_STATUS; i++)
		if (status_slots[i] == status)
			return i;
	return status >= 500 ? 16 : status >= 400 ? 6 : 0;
}

void metrics_record(struct metrics *m, size_t route_index, int status, int64_t duration_us)
{
	if (route_index > m->n_routes)
		route_index = m->n_routes;
	atomic_fetch_add_explicit(&m->counts[route_index * N_STATUS + status_slot(status)], 1, memory_order_relaxed);
	size_t b = 0;
	while (b < N_BUCKETS && (double)duration_us / 1e6 > bucket_le_s[b])
		b++;
	atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->duration_sum_us, (uint64_t)duration_us, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->requests, 1, memory_order_relaxed);
}

void metrics_render(struct metrics *m, struct ll_store *st, unsigned open_connections, struct buf *out)
{
	buf_puts(out, "# HELP lifelong_http_requests_total HTTP requests by route and status.\n"
		      "# TYPE lifelong_http_requests_total counter\n");
	for (size_t r = 0; r <= m->n_routes; r++) {
		for (size_t s = 0; s < N_STATUS; s++) {
			uint64_t n = atomic_load(&m->counts[r * N_STATUS + s]);
			if (!n)
				continue;
			if (r < m->n_routes)
				buf_printf(out, "lifelong_http_requests_total{route=\"%s %s\",status=\"%d\"} %llu\n",
					   routes[r].method, routes[r].path, status_slots[s], (unsigned long long)n);
			else
				buf_printf(out, "lifelong_http_requests_total{route=\"other\",status=\"%d\"} %llu\n",
					   status_slots[s], (unsigned long long)n);
		}
	}
	buf_puts(out, "# HELP lifelong_http_request_duration_seconds Time to answer a request.\n"
		      "# TYPE lifelong_http_request_duration_seconds histogram\n");
	uint64_t cumulative = 0;
	for (size_t b = 0; b < N_BUCKETS; b++) {
		cumulative += atomic_load(&m->buckets[b]);
		buf_printf(out, "lifelong_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bucket_le_s[b],
			   (unsigned long long)cumulative);
	}
	cumulative += atomic_load(&m->buckets[N_BUCKETS]);
	buf_printf(out, "lifelong_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
		   (unsigned long long)cumulative);
	buf_printf(out, "lifelong_http_request_duration_seconds_sum %.6f\n",
		   (double)atomic_load(&m->duration_sum_us) / 1e6);
	buf_printf(out, "lifelong_http_request_duration_seconds_count %llu\n", (unsigned long long)cumulative);
	buf_printf(out, "# HELP lifelong_http_open_connections Client connections open now.\n"
			"# TYPE lifelong_http_open_connections gauge\nlifelong_http_open_connections %u\n",
		   open_connections);
	if (st) {
		struct store_stats ss;
		store_get_stats(st, &ss);
		buf_printf(out,
			   "# HELP lifelong_db_time_seconds_total Time spent in database transactions.\n"
			   "# TYPE lifelong_db_time_seconds_total counter\nlifelong_db_time_seconds_total %.6f\n"
			   "# HELP lifelong_db_transactions_total Database transactions run.\n"
			   "# TYPE lifelong_db_transactions_total counter\nlifelong_db_transactions_total %llu\n"
			   "# HELP lifelong_db_retries_total Transactions retried after a busy or serialization failure.\n"
			   "# TYPE lifelong_db_retries_total counter\nlifelong_db_retries_total %llu\n"
			   "# HELP lifelong_db_failures_total Transactions that failed with a database error.\n"
			   "# TYPE lifelong_db_failures_total counter\nlifelong_db_failures_total %llu\n"
			   "# HELP lifelong_db_open_connections Database connections open now.\n"
			   "# TYPE lifelong_db_open_connections gauge\nlifelong_db_open_connections %d\n",
			   (double)ss.db_time_us / 1e6, (unsigned long long)ss.transactions,
			   (unsigned long long)ss.retries, (unsigned long long)ss.failures, ss.open_connections);
	}
}
