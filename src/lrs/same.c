/*
 * When two statements are the same statement, as xAPI decides it for a statement sent again with
 * an id the LRS holds: both are normalised (what the LRS sets, definitions, displays and
 * attachments dropped; agents, identifiers, timestamps and numbers in one form) and compared.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrs.h"

static void lower_from(char *s, char from)
{
	char *p = from ? strchr(s, from) : s;
	for (; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

static void set_lower(json_t *obj, const char *key, char from)
{
	const char *v = json_string_value(json_object_get(obj, key));
	if (!v)
		return;
	char *copy = strdup(v);
	if (!copy)
		return;
	lower_from(copy, from);
	json_object_set_new(obj, key, json_string(copy));
	free(copy);
}

/* Numbers compare by value: every integer becomes a real. */
static void numbers_as_reals(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach (v, key, x) {
			if (json_is_integer(x))
				json_object_set_new(v, key, json_real((double)json_integer_value(x)));
			else
				numbers_as_reals(x);
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, x) {
			if (json_is_integer(x))
				json_array_set_new(v, i, json_real((double)json_integer_value(x)));
			else
				numbers_as_reals(x);
		}
	}
}

static int member_cmp(const void *a, const void *b)
{
	char *x = json_dumps(*(json_t *const *)a, JSON_COMPACT | JSON_SORT_KEYS);
	char *y = json_dumps(*(json_t *const *)b, JSON_COMPACT | JSON_SORT_KEYS);
	int r = strcmp(x ? x : "", y ? y : "");
	free(x);
	free(y);
	return r;
}

static void normalise_agent(json_t *agent)
{
	if (!json_is_object(agent))
		return;
	if (!json_object_get(agent, "objectType"))
		json_object_set_new(agent, "objectType", json_string("Agent"));
	set_lower(agent, "mbox", '@');
	set_lower(agent, "mbox_sha1sum", 0);
	json_t *members = json_object_get(agent, "member");
	size_t n = json_array_size(members);
	if (n == 0)
		return;
	json_t **items = malloc(n * sizeof(*items));
	if (!items)
		return;
	for (size_t i = 0; i < n; i++) {
		items[i] = json_incref(json_array_get(members, i));
		normalise_agent(items[i]);
	}
	qsort(items, n, sizeof(*items), member_cmp);
	json_array_clear(members);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(members, items[i]);
	free(items);
}

/* An activity as its id: definitions are not part of what a statement says. */
static void normalise_activity(json_t *a)
{
	json_object_del(a, "definition");
	if (!json_object_get(a, "objectType"))
		json_object_set_new(a, "objectType", json_string("Activity"));
}

static void normalise_body(json_t *st, bool is_sub);

static void normalise_time(json_t *st)
{
	const char *ts = json_string_value(json_object_get(st, "timestamp"));
	const char *stored = json_string_value(json_object_get(st, "stored"));
	int64_t t;
	if (ts && stored && strcmp(ts, stored) == 0) {
		json_object_del(st, "timestamp"); /* the LRS filled it in */
	} else if (ts && lrs_timestamp_parse(ts, &t)) {
		char text[32];
		lrs_time_format(t, text);
		json_object_set_new(st, "timestamp", json_string(text));
	}
}

/* A duration compares to the hundredth of a second: "PT1.004S" is "PT1.00S". */
static void normalise_duration(json_t *result)
{
	const char *d = json_string_value(json_object_get(result, "duration"));
	const char *dot = d ? strpbrk(d, ".,") : NULL;
	if (!dot)
		return;
	char text[64];
	size_t head = (size_t)(dot - d), digits = strspn(dot + 1, "0123456789");
	if (head + 4 >= sizeof(text) || strlen(dot + 1 + digits) >= sizeof(text) - head - 4)
		return;
	char frac[3] = "00";
	memcpy(frac, dot + 1, digits < 2 ? digits : 2);
	snprintf(text, sizeof(text), "%.*s.%s%s", (int)head, d, frac, dot + 1 + digits);
	json_object_set_new(result, "duration", json_string(text));
}

static void normalise_body(json_t *st, bool is_sub)
{
	static const char *const ignored[] = { "id", "stored", "authority", "version", "attachments" };
	normalise_time(st);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		json_object_del(st, ignored[i]);
	normalise_agent(json_object_get(st, "actor"));
	normalise_duration(json_object_get(st, "result"));
	json_t *verb = json_object_get(st, "verb");
	json_object_del(verb, "display");
	json_t *obj = json_object_get(st, "object");
	const char *type = json_string_value(json_object_get(obj, "objectType"));
	if (!type || strcmp(type, "Activity") == 0)
		normalise_activity(obj);
	else if (strcmp(type, "Agent") == 0 || strcmp(type, "Group") == 0)
		normalise_agent(obj);
	else if (strcmp(type, "StatementRef") == 0)
		set_lower(obj, "id", 0);
	else if (!is_sub && strcmp(type, "SubStatement") == 0)
		normalise_body(obj, true);
	json_t *ctx = json_object_get(st, "context");
	if (ctx) {
		set_lower(ctx, "registration", 0);
		normalise_agent(json_object_get(ctx, "instructor"));
		normalise_agent(json_object_get(ctx, "team"));
		set_lower(json_object_get(ctx, "statement"), "id", 0);
		json_t *ca = json_object_get(ctx, "contextActivities");
		const char *key;
		json_t *list;
		json_object_foreach (ca, key, list) {
			size_t i;
			json_t *a;
			json_array_foreach (list, i, a)
				normalise_activity(a);
		}
	}
}

bool lrs_statement_same(const json_t *a, const json_t *b)
{
	json_t *x = json_deep_copy(a), *y = json_deep_copy(b);
	bool is_same = false;
	if (x && y) {
		normalise_body(x, false);
		normalise_body(y, false);
		numbers_as_reals(x);
		numbers_as_reals(y);
		is_same = json_equal(x, y);
	}
	json_decref(x);
	json_decref(y);
	return is_same;
}
