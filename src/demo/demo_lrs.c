/*
 * The demo city's learning activity: 上海开放大学's learning platform holds xAPI credentials and
 * has sent statements about some of its learners (the demo citizen among them): lessons watched,
 * courses completed, quizzes passed, live classes attended, over the last two months. Stored
 * through the same path as statements sent over HTTP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/grow.h"
#include "../audit/audit.h"
#include "../base/id.h"
#include "../lrs/lrs.h"
#include "../store/store.h"
#include "demo.h"

#define LEARNERS 2000
#define BATCH 500

static const struct demo_course {
	const char *id, *name, *name_en, *type;
} COURSES[] = {
	{ "https://www.shlll.net/courses/elder-smartphone", "老年人智能手机应用", "Smartphones for Older Adults",
	  "http://adlnet.gov/expapi/activities/course" },
	{ "https://www.shlll.net/courses/tai-chi-24", "二十四式太极拳", "24-form Tai Chi",
	  "http://adlnet.gov/expapi/activities/course" },
	{ "https://www.shlll.net/courses/shanghai-history", "上海城市历史", "A History of Shanghai",
	  "http://adlnet.gov/expapi/activities/course" },
	{ "https://www.shlll.net/courses/python-basics", "Python 程序设计入门", "Python Basics",
	  "http://adlnet.gov/expapi/activities/course" },
	{ "https://www.shlll.net/courses/anti-fraud", "防范电信网络诈骗", "Staying Safe from Phone and Online Fraud",
	  "http://adlnet.gov/expapi/activities/course" },
};
#define N_COURSES ((int)(sizeof(COURSES) / sizeof(COURSES[0])))

static const char *const ACCOUNTS = "SELECT account_no FROM persons ORDER BY account_no LIMIT $1";

struct accounts {
	char (*items)[ACCOUNT_NO_LEN + 1];
	size_t n, cap;
};

static enum ll_err account_row(const struct store_row *row, void *ctx)
{
	struct accounts *a = ctx;
	if (!grow(&a->items, &a->cap, a->n, sizeof(*a->items), 256))
		return LL_NOMEM;
	snprintf(a->items[a->n++], ACCOUNT_NO_LEN + 1, "%s", store_row_text(row, 0));
	return LL_OK;
}

static enum ll_err accounts_txn(struct ll_tx *tx, void *ctx)
{
	struct accounts *a = ctx;
	a->n = 0;
	const struct store_stmt stmt = { "demo lrs accounts", ACCOUNTS };
	return store_exec(tx, &stmt, SP(SV_I64(LEARNERS)), account_row, a);
}

/* Statement k of learner i: a lesson watched, a course completed, a quiz passed or a live class
 * attended, on a day of the last two months. */
static json_t *statement_make(const char *account_no, const char *home_page, uint64_t h, int64_t now_us)
{
	const struct demo_course *c = &COURSES[h % N_COURSES];
	int what = (int)((h >> 8) % 10);
	int64_t when = now_us - (int64_t)((h >> 16) % (60 * 86400)) * 1000000 - 3600 * 1000000LL;
	char timestamp[32];
	lrs_time_format(when, timestamp);
	json_t *actor = json_pack("{s:s, s:{s:s, s:s}}", "objectType", "Agent", "account", "homePage", home_page, "name",
				  account_no);
	json_t *object = json_pack("{s:s, s:s, s:{s:{s:s, s:s}, s:s}}", "objectType", "Activity", "id", c->id, "definition",
				   "name", "zh-CN", c->name, "en-US", c->name_en, "type", c->type);
	json_t *st;
	if (what < 5) {
		char lesson[160];
		snprintf(lesson, sizeof(lesson), "%s/lessons/%d", c->id, (int)((h >> 24) % 12) + 1);
		json_object_set_new(object, "id", json_string(lesson));
		json_object_set_new(object, "definition",
				    json_pack("{s:{s:s%, s:s%}, s:s}", "name", "zh-CN", c->name, strlen(c->name), "en-US",
					      c->name_en, strlen(c->name_en), "type",
					      "http://adlnet.gov/expapi/activities/lesson"));
		st = json_pack("{s:o, s:{s:s, s:{s:s, s:s}}, s:o, s:{s:s}, s:{s:{s:[{s:s}]}, s:s}, s:s}", "actor", actor,
			       "verb", "id", "http://adlnet.gov/expapi/verbs/experienced", "display", "zh-CN", "学习了",
			       "en-US", "experienced", "object", object, "result", "duration", "PT25M", "context",
			       "contextActivities", "parent", "id", c->id, "platform", "上海学习网", "timestamp", timestamp);
	} else if (what < 7) {
		st = json_pack("{s:o, s:{s:s, s:{s:s, s:s}}, s:o, s:{s:b, s:s}, s:{s:s}, s:s}", "actor", actor, "verb", "id",
			       "http://adlnet.gov/expapi/verbs/completed", "display", "zh-CN", "完成了", "en-US", "completed",
			       "object", object, "result", "completion", 1, "duration", "PT6H", "context", "platform",
			       "上海学习网", "timestamp", timestamp);
	} else if (what < 9) {
		int raw = 60 + (int)((h >> 32) % 41);
		st = json_pack("{s:o, s:{s:s, s:{s:s, s:s}}, s:o, s:{s:b, s:{s:i, s:i, s:i}}, s:{s:s}, s:s}", "actor", actor,
			       "verb", "id", "http://adlnet.gov/expapi/verbs/passed", "display", "zh-CN", "通过了", "en-US",
			       "passed", "object", object, "result", "success", 1, "score", "raw", raw, "min", 0, "max", 100,
			       "context", "platform", "上海学习网", "timestamp", timestamp);
	} else {
		json_object_set_new(object, "definition",
				    json_pack("{s:{s:s, s:s}, s:s}", "name", "zh-CN", "书法直播课", "en-US",
					      "Live calligraphy class", "type", "http://adlnet.gov/expapi/activities/meeting"));
		json_object_set_new(object, "id", json_string("https://www.shlll.net/live/calligraphy"));
		st = json_pack("{s:o, s:{s:s, s:{s:s, s:s}}, s:o, s:{s:s}, s:s}", "actor", actor, "verb", "id",
			       "http://adlnet.gov/expapi/verbs/attended", "display", "zh-CN", "参加了", "en-US", "attended",
			       "object", object, "context", "platform", "上海学习网 直播", "timestamp", timestamp);
	}
	return st;
}

static enum ll_err batch_flush(struct ll_store *st, struct lrs_cache *cache, const char *home_page,
			       struct lrs_batch *b, int64_t *stored)
{
	struct lrs_batch *list[] = { b };
	enum ll_err err = b->n ? lrs_batches_store(st, NULL, cache, home_page, list, 1) : LL_OK;
	if (err == LL_OK && b->err != LL_OK)
		err = ll_fail(b->err, NULL, "demo statements: %s", b->detail.message);
	*stored += b->stored;
	for (int i = 0; i < b->n; i++)
		lrs_statement_release(&b->statements[i]);
	b->n = 0;
	return err;
}

/* A pass of the certification unit SOU-PY101, three weeks ago, with its score and hours. */
static json_t *unit_passed(const char *account_no, const char *home_page, int64_t now_us)
{
	char timestamp[32], unit[LRS_HOME_PAGE_MAX + 32];
	lrs_time_format(now_us - 21 * 86400 * 1000000LL, timestamp);
	snprintf(unit, sizeof(unit), "%s/units/SOU-PY101", home_page);
	return json_pack("{s:{s:s, s:{s:s, s:s}}, s:{s:s, s:{s:s, s:s}}, s:{s:s, s:s, s:{s:{s:s, s:s}, s:s}}, "
			 "s:{s:b, s:b, s:{s:f}, s:s}, s:{s:s}, s:s}",
			 "actor", "objectType", "Agent", "account", "homePage", home_page, "name", account_no, "verb", "id",
			 "http://adlnet.gov/expapi/verbs/passed", "display", "zh-CN", "通过了", "en-US", "passed", "object",
			 "objectType", "Activity", "id", unit, "definition", "name", "zh-CN", "Python 程序设计基础", "en-US",
			 "Python Programming Fundamentals", "type", "http://adlnet.gov/expapi/activities/course", "result",
			 "success", 1, "completion", 1, "score", "scaled", 0.86, "duration", "PT48H", "context", "platform",
			 "上海学习网", "timestamp", timestamp);
}

enum ll_err demo_lrs_write(struct ll_store *st, const struct ll_keys *keys, const struct demo_institution *institutions,
			   int n_institutions, const char *citizen_account_no, struct demo_summary *sum)
{
	int ou = demo_institution_find(institutions, n_institutions, "上海开放大学");
	if (ou < 0)
		return ll_fail(LL_INTERNAL, NULL, "the demo's learning platform needs 上海开放大学");
	const struct audit_actor actor = { .role = "institution_admin", .name = "lifelong demo",
					   .institution_id = institutions[ou].id.s };
	json_t *made = NULL;
	enum ll_err err = lrs_client_create(st, keys, institutions[ou].id.s, NULL, "上海学习网", true, &actor, &made);
	if (err != LL_OK)
		return err;
	struct lrs_client client = { 0 };
	snprintf(client.id, sizeof(client.id), "%s", json_string_value(json_object_get(made, "id")));
	snprintf(client.institution_id, sizeof(client.institution_id), "%s", institutions[ou].id.s);
	snprintf(client.name, sizeof(client.name), "上海学习网");
	snprintf(client.key, sizeof(client.key), "%s", json_string_value(json_object_get(made, "key")));
	snprintf(sum->xapi_key, sizeof(sum->xapi_key), "%s", client.key);
	snprintf(sum->xapi_secret, sizeof(sum->xapi_secret), "%s", json_string_value(json_object_get(made, "secret")));
	json_decref(made);

	struct accounts a = { 0 };
	err = store_run(st, STORE_READ, "demo lrs accounts", accounts_txn, &a);
	/* The demo citizen first, with a fuller history to look at. */
	if (err == LL_OK && (a.n == 0 || strcmp(a.items[0], citizen_account_no) != 0)) {
		if (!grow(&a.items, &a.cap, a.n, sizeof(*a.items), 256))
			err = LL_NOMEM;
		else {
			memmove(a.items[1], a.items[0], a.n * sizeof(*a.items));
			snprintf(a.items[0], ACCOUNT_NO_LEN + 1, "%s", citizen_account_no);
			a.n++;
		}
	}
	json_t *authority = lrs_client_authority(&client, LRS_HOME_PAGE_DEFAULT);
	struct lrs_cache *cache = lrs_cache_new();
	struct lrs_statement *statements = calloc(BATCH, sizeof(*statements));
	if (err == LL_OK && (!authority || !cache || !statements))
		err = LL_NOMEM;
	struct lrs_batch b = { .statements = statements, .client_id = client.id, .institution_id = client.institution_id };
	int64_t now = clock_now_us();
	for (size_t i = 0; i < a.n && err == LL_OK; i++) {
		int count = i == 0 ? 30 : 3 + (int)((i * 2654435761u) % 6);
		for (int k = 0; k < count && err == LL_OK; k++) {
			uint64_t h = ((uint64_t)i * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)(k + 1) * 0xbf58476d1ce4e5b9ull);
			h ^= h >> 31;
			json_t *obj = statement_make(a.items[i], LRS_HOME_PAGE_DEFAULT, h, now);
			ll_id id;
			id_new(&id);
			const struct lrs_stamp stamp = { .authority = authority, .id = id.s };
			err = obj ? lrs_statement_check(obj, "", &stamp, &statements[b.n]) : LL_NOMEM;
			json_decref(obj);
			if (err == LL_OK && ++b.n == BATCH)
				err = batch_flush(st, cache, LRS_HOME_PAGE_DEFAULT, &b, &sum->statements);
		}
	}
	/* The demo citizen passed 上海开放大学's certification unit on the platform: its completion is
	 * deposited in the credit bank by the server's background worker. */
	if (err == LL_OK && a.n > 0) {
		json_t *obj = unit_passed(a.items[0], LRS_HOME_PAGE_DEFAULT, now);
		ll_id id;
		id_new(&id);
		const struct lrs_stamp stamp = { .authority = authority, .id = id.s };
		err = obj ? lrs_statement_check(obj, "", &stamp, &statements[b.n]) : LL_NOMEM;
		json_decref(obj);
		if (err == LL_OK)
			b.n++;
	}
	if (err == LL_OK)
		err = batch_flush(st, cache, LRS_HOME_PAGE_DEFAULT, &b, &sum->statements);
	for (int i = 0; i < b.n; i++)
		lrs_statement_release(&statements[i]);
	free(statements);
	lrs_cache_free(cache);
	json_decref(authority);
	free(a.items);
	return err;
}
