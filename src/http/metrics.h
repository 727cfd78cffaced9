/*
 * Request counters by route and status, a latency histogram, and their Prometheus text form.
 * Counters are atomics so that every server thread records without a lock.
 */
#ifndef LL_METRICS_H
#define LL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"

struct metrics;
struct ll_store;

/* Counters for n_routes routes plus the unrouted (404/405/static) bucket. Caller frees with metrics_free. */
struct metrics *metrics_new(size_t n_routes);
struct metrics *metrics_free(struct metrics *m);

/* Records one finished request. route_index is n_routes for requests that matched no route. */
void metrics_record(struct metrics *m, size_t route_index, int status, int64_t duration_us);

/* Writes the Prometheus text exposition. */
void metrics_render(struct metrics *m, struct ll_store *st, unsigned open_connections, struct buf *out);

#endif
