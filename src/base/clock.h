/*
 * Time: UTC microseconds since the epoch in storage, RFC 3339 on the wire. Tests may pin the
 * clock with clock_set_fixed so that time-dependent rules are reproducible.
 */
#ifndef LL_CLOCK_H
#define LL_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t ll_time_us;

/* Current UTC time in microseconds (the fixed time when one is set). */
ll_time_us clock_now_us(void);
/* Monotonic time in microseconds, for durations. */
int64_t clock_mono_us(void);
/* Pins clock_now_us to t; 0 unpins. */
void clock_set_fixed(ll_time_us t);

/* Writes "2026-11-23T19:03:24.123456Z" (at most 32 bytes with NUL) into out. */
void clock_format_rfc3339(ll_time_us t, char out[32]);
/* Parses an RFC 3339 date-time (with Z or an offset); false if malformed. */
bool clock_parse_rfc3339(const char *s, ll_time_us *ret_t);
/* Formats the date part only: "2026-11-23". */
void clock_format_date(ll_time_us t, char out[11]);
/* Days since 1970-01-01 for a proleptic Gregorian date; no range checks. */
int64_t clock_days_from_civil(int y, unsigned m, unsigned d);
/* True if y-m-d is a real calendar date. */
bool clock_is_valid_date(int y, int m, int d);
/* Parses YYYY-MM-DD (a real date, year 1900 or later) into days since 1970-01-01; false if not. */
bool clock_parse_date(const char *s, int64_t *ret_days);

#endif
