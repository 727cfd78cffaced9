/*
 * How often an address may guess: a budget of failures per client address (an IPv4 address whole,
 * an IPv6 address by its /64, which one subscriber usually holds), as a generic cell rate
 * algorithm: burst failures at once, then one more each interval. Used where a wrong guess is a
 * failure that must not be repeated fast, such as unknown share links.
 */
#ifndef LL_GUESSES_H
#define LL_GUESSES_H

#include <stdbool.h>
#include <stdint.h>

struct guess_limit;

/* A limit of burst failures, then one per interval_us, for up to about slots addresses at once
 * (the least limited one is forgotten first). NULL when out of memory. */
struct guess_limit *guess_limit_new(int burst, int64_t interval_us, int slots);
void guess_limit_free(struct guess_limit *g);
/* Whether addr may try now; when not, *ret_wait_s is how many seconds until it may. A NULL limit
 * allows everything. */
bool guess_limit_allows(struct guess_limit *g, const char *addr, int64_t now_us, int *ret_wait_s);
/* Counts a failure of addr. */
void guess_limit_fail(struct guess_limit *g, const char *addr, int64_t now_us);

#endif
