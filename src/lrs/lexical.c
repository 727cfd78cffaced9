/*
 * The lexical forms xAPI gives its values: UUIDs, IRIs, RFC 5646 language tags, ISO 8601
 * durations and timestamps, and the millisecond UTC form the LRS writes its own times in. Pure
 * functions; they judge a string and never change it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/clock.h"
#include "lrs.h"

bool lrs_uuid_is_valid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	for (int g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return false;
		if (g < 4 && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

bool lrs_iri_is_valid(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return false;
	const char *p = s + 1;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p != ':' || p[1] == '\0')
		return false;
	for (p++; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		/* Controls, space and the characters RFC 3987 leaves out of every IRI. */
		if (ch <= 0x20 || ch == 0x7f || strchr("<>\"{}|\\^`", ch))
			return false;
	}
	return true;
}

/* RFC 5646 tags registered whole ("grandfathered"), irregular and regular. */
static const char *const GRANDFATHERED[] = {
	"en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
	"i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE", "art-lojban",
	"cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min", "zh-min-nan", "zh-xiang", NULL
};

static bool all_of(const char *s, size_t n, int (*is)(int))
{
	for (size_t i = 0; i < n; i++)
		if (!is((unsigned char)s[i]))
			return false;
	return true;
}

bool lrs_language_tag_is_valid(const char *tag)
{
	for (int i = 0; GRANDFATHERED[i]; i++)
		if (strcasecmp(tag, GRANDFATHERED[i]) == 0)
			return true;
	/* Split into subtags of 1-8 letters or digits. */
	const char *sub[64];
	size_t len[64];
	int n = 0;
	for (const char *p = tag;;) {
		size_t k = 0;
		while (isalnum((unsigned char)p[k]))
			k++;
		if (k < 1 || k > 8 || n == 64)
			return false;
		sub[n] = p;
		len[n++] = k;
		if (p[k] == '\0')
			break;
		if (p[k] != '-')
			return false;
		p += k + 1;
	}
	int i = 0;
	/* privateuse alone: "x-whatever". */
	if (len[0] == 1 && (sub[0][0] == 'x' || sub[0][0] == 'X'))
		goto privateuse;
	/* language: 2-3 letters with up to three 3-letter extlangs, or 4-8 letters. */
	if (!all_of(sub[0], len[0], isalpha) || len[0] < 2)
		return false;
	i = 1;
	if (len[0] <= 3)
		for (int e = 0; e < 3 && i < n && len[i] == 3 && all_of(sub[i], 3, isalpha); e++)
			i++;
	if (i < n && len[i] == 4 && all_of(sub[i], 4, isalpha))
		i++; /* script */
	if (i < n && ((len[i] == 2 && all_of(sub[i], 2, isalpha)) || (len[i] == 3 && all_of(sub[i], 3, isdigit))))
		i++; /* region */
	while (i < n && ((len[i] >= 5) || (len[i] == 4 && isdigit((unsigned char)sub[i][0]))))
		i++; /* variants */
	/* extensions: a singleton other than x, each at most once, then subtags of 2-8. */
	bool seen[36] = { false };
	while (i < n && len[i] == 1 && sub[i][0] != 'x' && sub[i][0] != 'X') {
		int c = tolower((unsigned char)sub[i][0]);
		int slot = isdigit(c) ? c - '0' : c - 'a' + 10;
		if (slot < 0 || slot >= 36 || seen[slot])
			return false;
		seen[slot] = true;
		i++;
		int k = 0;
		while (i < n && len[i] >= 2) {
			i++;
			k++;
		}
		if (k == 0)
			return false;
	}
	if (i == n)
		return true;
	if (!(len[i] == 1 && (sub[i][0] == 'x' || sub[i][0] == 'X')))
		return false;
privateuse:
	/* "x" and one or more subtags of 1-8. */
	return n - i >= 2;
}

/* Digits (with a fraction when is_fraction_allowed) then unit; *ret_has_fraction says whether a
 * fraction was read. */
static bool digits_then(const char **p, char unit, bool *ret_has_fraction)
{
	const char *q = *p;
	*ret_has_fraction = false;
	if (!isdigit((unsigned char)*q))
		return false;
	while (isdigit((unsigned char)*q))
		q++;
	if (*q == '.' || *q == ',') {
		q++;
		if (!isdigit((unsigned char)*q))
			return false;
		while (isdigit((unsigned char)*q))
			q++;
		*ret_has_fraction = true;
	}
	if (*q != unit)
		return false;
	*p = q + 1;
	return true;
}

bool lrs_duration_is_valid(const char *s)
{
	/* ISO 8601 durations in the format xAPI allows: PnYnMnDTnHnMnS (each part optional, at least
	 * one, a fraction only on the last) or PnW alone. */
	if (*s++ != 'P' || !*s)
		return false;
	bool has_fraction;
	const char *w = s;
	if (digits_then(&w, 'W', &has_fraction))
		return *w == '\0';
	static const char units[] = "YMDHMS";
	const char *p = s;
	bool any = false, is_time = false, is_last = false;
	for (int u = 0; u < 6 && *p; u++) {
		if (u == 3) {
			if (*p != 'T')
				break;
			p++;
			is_time = true;
			if (!*p)
				return false;
		}
		if (is_last)
			return false; /* a part after a fraction */
		const char *q = p;
		if (digits_then(&q, units[u], &has_fraction)) {
			p = q;
			any = true;
			is_last = has_fraction;
		}
	}
	if (is_time && p[-1] == 'T')
		return false;
	return any && *p == '\0';
}

bool lrs_duration_ms(const char *s, int64_t *ret_ms)
{
	if (!s || !lrs_duration_is_valid(s))
		return false;
	/* Valid, so: numbers each followed by its unit; M before T is months, after it minutes. */
	static const double date_ms[] = { ['Y'] = 365 * 86400e3, ['M'] = 30 * 86400e3, ['W'] = 7 * 86400e3,
					  ['D'] = 86400e3 };
	static const double time_ms[] = { ['H'] = 3600e3, ['M'] = 60e3, ['S'] = 1e3 };
	double total = 0;
	bool is_time = false;
	for (const char *p = s + 1; *p;) {
		if (*p == 'T') {
			is_time = true;
			p++;
			continue;
		}
		char number[32];
		size_t n = 0;
		while ((isdigit((unsigned char)*p) || *p == '.' || *p == ',') && n < sizeof(number) - 1)
			number[n++] = *p == ',' ? '.' : *p, p++;
		number[n] = '\0';
		unsigned char unit = (unsigned char)*p++;
		total += strtod(number, NULL) * (is_time ? time_ms[unit] : date_ms[unit]);
	}
	if (total > 9e15)
		return false;
	*ret_ms = (int64_t)total;
	return true;
}

static bool two_digits(const char *p, int *ret)
{
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
		return false;
	*ret = (p[0] - '0') * 10 + (p[1] - '0');
	return true;
}

bool lrs_timestamp_parse(const char *s, int64_t *ret_us)
{
	/* ISO 8601 combined date and time: RFC 3339's form, or with the offset as +hhmm or +hh, or
	 * with none (UTC). The unknown offset (-00:00, -0000, -00) is refused, as xAPI requires. */
	size_t n = strlen(s);
	if (n < 19 || s[10] != 'T')
		return false;
	const char *zone = s + 19;
	if (*zone == '.') {
		zone++;
		if (!isdigit((unsigned char)*zone))
			return false;
		while (isdigit((unsigned char)*zone))
			zone++;
	}
	char text[64];
	size_t head = (size_t)(zone - s);
	if (head + 7 > sizeof(text))
		return false;
	memcpy(text, s, head);
	int oh = 0, om = 0;
	if (*zone == '\0' || ((*zone == 'Z' || *zone == 'z') && zone[1] == '\0')) {
		memcpy(text + head, "Z", 2);
	} else if (*zone == '+' || *zone == '-') {
		const char *o = zone + 1;
		if (!two_digits(o, &oh))
			return false;
		o += 2;
		if (*o == ':')
			o++;
		if (*o && (!two_digits(o, &om) || o[2] != '\0' || (o[-1] != ':' && o - zone != 3)))
			return false;
		if (!*o && o[-1] == ':')
			return false;
		if (*zone == '-' && oh == 0 && om == 0)
			return false;
		snprintf(text + head, sizeof(text) - head, "%c%02d:%02d", *zone, oh, om);
	} else {
		return false;
	}
	ll_time_us t;
	if (!clock_parse_rfc3339(text, &t))
		return false;
	*ret_us = t;
	return true;
}

void lrs_time_format(int64_t t_us, char out[32])
{
	clock_format_rfc3339(t_us, out);
	/* 2026-11-24T01:30:00.123456Z -> 2026-11-24T01:30:00.123Z */
	memcpy(out + 23, "Z", 2);
}
