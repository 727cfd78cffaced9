/* Clock and RFC 3339 conversion, without locale or time-zone state. */
#include "clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic ll_time_us fixed_now;

ll_time_us clock_now_us(void)
{
	ll_time_us fixed = atomic_load(&fixed_now);
	if (fixed)
		return fixed;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (ll_time_us)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void clock_set_fixed(ll_time_us t)
{
	atomic_store(&fixed_now, t);
}

/* Howard Hinnant's days_from_civil. */
int64_t clock_days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

bool clock_is_valid_date(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	int max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

bool clock_parse_date(const char *s, int64_t *ret_days)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || !clock_is_valid_date(y, m, d))
		return false;
	*ret_days = clock_days_from_civil(y, (unsigned)m, (unsigned)d);
	return true;
}

void clock_format_rfc3339(ll_time_us t, char out[32])
{
	time_t secs = (time_t)(t / 1000000);
	long us = (long)(t % 1000000);
	if (us < 0) {
		us += 1000000;
		secs -= 1;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	/* Years past 9999 do not occur in this program's data; clamp so the output always fits. */
	unsigned year = (unsigned)(tm.tm_year + 1900) % 10000u;
	snprintf(out, 32, "%04u-%02u-%02u" "T%02u:%02u:%02u.%06luZ", year, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
		 (unsigned)tm.tm_sec % 100u, (unsigned long)us % 1000000ul);
}

void clock_format_date(ll_time_us t, char out[11])
{
	char full[32];
	clock_format_rfc3339(t, full);
	memcpy(out, full, 10);
	out[10] = '\0';
}

static bool digits(const char *s, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

bool clock_parse_rfc3339(const char *s, ll_time_us *ret_t)
{
	int y, mo, d, h, mi, sec;
	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
		return false;
	if (!clock_is_valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 60)
		return false;
	const char *p = s + 19;
	int64_t frac_us = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		int64_t scale = 100000;
		while (*p >= '0' && *p <= '9') {
			if (n < 6)
				frac_us += (*p - '0') * scale;
			scale /= 10;
			n++;
			p++;
		}
		if (n == 0)
			return false;
	}
	int64_t offset_s = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return false;
		offset_s = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	int64_t days = clock_days_from_civil(y, (unsigned)mo, (unsigned)d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + (sec > 59 ? 59 : sec) - offset_s;
	*ret_t = secs * 1000000 + frac_us;
	return true;
}
