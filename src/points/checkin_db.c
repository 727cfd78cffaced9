/*
 * Check-ins and learning sites: the days each person learned, once per source a day, with the
 * check-in rules awarded the first time a source checks a day in; and the sites whose daily code
 * a person scans to check in there.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../base/id.h"
#include "../store/store.h"
#include "points.h"
#include "points_db.h"

static const struct store_stmt CHECKIN_INSERT = {
	"checkin insert",
	"INSERT INTO checkins (person_id, day, source, site_id, statement_id, note, created_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_id, day, source) DO NOTHING"
};
static const struct store_stmt CHECKIN_MONTH = {
	"checkin month",
	"SELECT c.day, c.source, c.note, s.id, s.name, s.name_en FROM checkins c "
	"LEFT JOIN checkin_sites s ON s.id = c.site_id WHERE c.person_id = $1 AND c.day >= $2 AND c.day < $3 "
	"ORDER BY c.day, c.source"
};
static const struct store_stmt CHECKIN_DAYS = {
	"checkin days", "SELECT DISTINCT day FROM checkins WHERE person_id = $1 ORDER BY day"
};
static const struct store_stmt SITE_INSERT = {
	"checkin site insert",
	"INSERT INTO checkin_sites (id, institution_id, name, name_en, address, secret, created_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7)"
};
#define SITE_COLUMNS \
	"s.id, s.name, s.name_en, s.address, s.retired_at, s.created_at, i.id, i.name, i.name_en, s.secret"
static const struct store_stmt SITE_GET = {
	"checkin site get",
	"SELECT " SITE_COLUMNS " FROM checkin_sites s JOIN institutions i ON i.id = s.institution_id WHERE s.id = $1"
};
static const struct store_stmt SITE_LIST = {
	"checkin site list",
	"SELECT " SITE_COLUMNS " FROM checkin_sites s JOIN institutions i ON i.id = s.institution_id "
	"WHERE s.institution_id = $1 ORDER BY s.retired_at IS NOT NULL, s.created_at DESC LIMIT 500"
};
static const struct store_stmt SITE_RETIRE = {
	"checkin site retire",
	"UPDATE checkin_sites SET retired_at = $3 WHERE id = $1 AND institution_id = $2 AND retired_at IS NULL"
};

/* ---- Recording ---- */

enum ll_err checkin_record(struct ll_tx *tx, const char *person_id, int64_t day, enum checkin_source source,
			   const char *site_id, const char *statement_id, const char *note, bool *ret_is_new)
{
	enum ll_err err = store_exec(tx, &CHECKIN_INSERT,
				     SP(SV_TEXT(person_id), SV_I64(day), SV_TEXT(checkin_sources[source]), SV_TEXT(site_id),
					SV_TEXT(statement_id), SV_TEXT(note), SV_I64(clock_now_us())),
				     NULL, NULL);
	if (err != LL_OK)
		return err;
	*ret_is_new = store_changes(tx) > 0;
	if (!*ret_is_new)
		return LL_OK;
	char key[POINTS_ID_MAX + 40], date[11];
	points_day_format(day, date);
	snprintf(key, sizeof(key), "checkin:%s:%s", person_id, date);
	struct points_event e = { .kind = EVENT_CHECKIN, .person_id = person_id, .key = key, .day = day,
				  .edu_type = EDU_COMMUNITY, .checkin_source = source, .level = -1, .hours_milli = -1 };
	return points_award(tx, &e);
}

/* ---- Sites ---- */

struct site {
	char id[POINTS_ID_MAX], institution_id[POINTS_ID_MAX];
	unsigned char secret[SITE_SECRET_BYTES];
	bool is_found, is_retired;
	json_t *json;
};

static json_t *site_json(const struct store_row *row)
{
	char created[32];
	clock_format_rfc3339(store_row_i64(row, 5), created);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:{s:s, s:s, s:s?}}", "id", store_row_text(row, 0), "name",
			 store_row_text(row, 1), "name_en", store_row_text(row, 2), "address", store_row_text(row, 3),
			 "is_active", store_row_is_null(row, 4), "created_at", created, "institution", "id",
			 store_row_text(row, 6), "name", store_row_text(row, 7), "name_en", store_row_text(row, 8));
}

static enum ll_err site_row(const struct store_row *row, void *ctx)
{
	struct site *s = ctx;
	size_t len = 0;
	const void *secret = store_row_blob(row, 9, &len);
	if (len != SITE_SECRET_BYTES)
		return ll_fail(LL_INTERNAL, NULL, "a learning site's secret has the wrong length");
	memcpy(s->secret, secret, len);
	snprintf(s->id, sizeof(s->id), "%s", store_row_text(row, 0));
	snprintf(s->institution_id, sizeof(s->institution_id), "%s", store_row_text(row, 6));
	s->is_found = true;
	s->is_retired = !store_row_is_null(row, 4);
	json_decref(s->json);
	s->json = site_json(row);
	return s->json ? LL_OK : LL_NOMEM;
}

static enum ll_err site_load(struct ll_tx *tx, const char *id, struct site *ret)
{
	ret->is_found = false;
	return store_exec(tx, &SITE_GET, SP(SV_TEXT(id)), site_row, ret);
}

struct site_ctx {
	const char *institution_id, *id;
	const struct site_in *in;
	const struct audit_actor *actor;
	struct site site;
};

static enum ll_err site_create_txn(struct ll_tx *tx, void *ctx)
{
	struct site_ctx *x = ctx;
	unsigned char secret[SITE_SECRET_BYTES];
	randombytes_buf(secret, sizeof(secret));
	enum ll_err err = store_exec(tx, &SITE_INSERT,
				     SP(SV_TEXT(x->id), SV_TEXT(x->institution_id), SV_TEXT(x->in->name),
					SV_TEXT(x->in->name_en ? x->in->name_en : ""),
					SV_TEXT(x->in->address ? x->in->address : ""), SV_BLOB(secret, sizeof(secret)),
					SV_I64(clock_now_us())),
				     NULL, NULL);
	sodium_memzero(secret, sizeof(secret));
	if (err == LL_OK)
		err = audit_write(tx, x->actor, "checkin_site.create", "checkin_site", x->id, x->in->name);
	if (err == LL_OK)
		err = site_load(tx, x->id, &x->site);
	return err;
}

const struct json_field checkin_site_spec[] = {
	JSON_STR("name", struct site_in, name, .min_len = 1, .max_len = 100, .doc = "the site's name, in Chinese"),
	JSON_STR("name_en", struct site_in, name_en, .is_optional = true, .max_len = 100),
	JSON_STR("address", struct site_in, address, .is_optional = true, .max_len = 200),
	JSON_END
};

static enum ll_err site_done(enum ll_err err, struct site *s, json_t **ret)
{
	if (err == LL_OK && !s->json)
		err = ll_fail(LL_NOT_FOUND, NULL, "no learning site has this id");
	if (err != LL_OK) {
		json_decref(s->json);
		return err;
	}
	*ret = s->json;
	return LL_OK;
}

enum ll_err checkin_site_create(struct ll_store *st, const char *institution_id, const struct site_in *in,
				const struct audit_actor *actor, json_t **ret)
{
	if (!institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "learning sites belong to an institution");
	ll_id id;
	id_new(&id);
	struct site_ctx x = { .institution_id = institution_id, .id = id.s, .in = in, .actor = actor };
	return site_done(store_run(st, STORE_WRITE, "checkin site create", site_create_txn, &x), &x.site, ret);
}

enum ll_err checkin_site_list(struct ll_store *st, const char *institution_id, json_t **ret_items)
{
	if (!institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "learning sites belong to an institution");
	return store_items(st, "checkin site list", &SITE_LIST, SP(SV_TEXT(institution_id)), site_json, ret_items);
}

static enum ll_err site_retire_txn(struct ll_tx *tx, void *ctx)
{
	struct site_ctx *x = ctx;
	enum ll_err err = store_exec(tx, &SITE_RETIRE, SP(SV_TEXT(x->id), SV_TEXT(x->institution_id), SV_I64(clock_now_us())),
				     NULL, NULL);
	if (err == LL_OK && store_changes(tx) == 0)
		return ll_fail(LL_NOT_FOUND, NULL, "the institution has no learning site in use with this id");
	return err == LL_OK ? audit_write(tx, x->actor, "checkin_site.retire", "checkin_site", x->id, NULL) : err;
}

enum ll_err checkin_site_retire(struct ll_store *st, const char *institution_id, const char *id,
				const struct audit_actor *actor)
{
	struct site_ctx x = { .institution_id = institution_id ? institution_id : "", .id = id, .actor = actor };
	return store_run(st, STORE_WRITE, "checkin site retire", site_retire_txn, &x);
}

static enum ll_err site_get_txn(struct ll_tx *tx, void *ctx)
{
	struct site_ctx *x = ctx;
	json_decref(x->site.json);
	x->site.json = NULL;
	return site_load(tx, x->id, &x->site);
}

enum ll_err checkin_site_get(struct ll_store *st, const char *id, json_t **ret)
{
	struct site_ctx x = { .id = id };
	enum ll_err err = store_run(st, STORE_READ, "checkin site get", site_get_txn, &x);
	sodium_memzero(x.site.secret, sizeof(x.site.secret));
	return site_done(err, &x.site, ret);
}

enum ll_err checkin_site_code_today(struct ll_store *st, const char *institution_id, const char *id, json_t **ret)
{
	struct site_ctx x = { .id = id };
	enum ll_err err = store_run(st, STORE_READ, "checkin site get", site_get_txn, &x);
	/* Another institution's site, or a retired one, has no code to show. */
	if (err == LL_OK && x.site.is_found &&
	    (x.site.is_retired || !institution_id || strcmp(x.site.institution_id, institution_id) != 0)) {
		json_decref(x.site.json);
		x.site.json = NULL;
	}
	if (err == LL_OK && x.site.json) {
		int64_t day = points_day_of(clock_now_us());
		char code[SITE_CODE_LEN + 1], date[11];
		checkin_site_code(x.site.secret, day, code);
		points_day_format(day, date);
		json_t *site = x.site.json;
		x.site.json = json_pack("{s:o, s:s, s:s, s:s+++}", "site", site, "date", date, "code", code, "path",
					"/checkin?site=", id, "&code=", code);
		if (!x.site.json)
			err = LL_NOMEM;
	}
	sodium_memzero(x.site.secret, sizeof(x.site.secret));
	return site_done(err, &x.site, ret);
}

/* ---- Checking in today ---- */

const struct json_field checkin_spec[] = {
	JSON_STR("note", struct checkin_in, note, .is_optional = true, .max_len = 200,
		 .doc = "what the person learned, in their words (manual check-ins)"),
	JSON_STR("site_id", struct checkin_in, site_id, .is_optional = true, .max_len = 40,
		 .doc = "the learning site whose QR code was scanned"),
	JSON_STR("code", struct checkin_in, code, .is_optional = true, .max_len = 40,
		 .doc = "the code in the site's QR code (it changes every day)"),
	JSON_END
};

struct today_ctx {
	const char *person_id;
	const struct checkin_in *in;
	struct site site;
	int64_t day;
	enum checkin_source source;
	bool is_new;
};

static bool code_matches(const char *given, const char *expected)
{
	if (!given || strlen(given) != SITE_CODE_LEN)
		return false;
	char upper[SITE_CODE_LEN + 1];
	for (int i = 0; i < SITE_CODE_LEN; i++)
		upper[i] = (char)toupper((unsigned char)given[i]);
	upper[SITE_CODE_LEN] = '\0';
	return sodium_memcmp(upper, expected, SITE_CODE_LEN) == 0;
}

static enum ll_err today_txn(struct ll_tx *tx, void *ctx)
{
	struct today_ctx *t = ctx;
	const char *site_id = NULL;
	if (t->in->site_id) {
		json_decref(t->site.json);
		t->site.json = NULL;
		enum ll_err err = id_is_valid(t->in->site_id) ? site_load(tx, t->in->site_id, &t->site) : LL_OK;
		if (err != LL_OK)
			return err;
		if (!t->site.is_found || t->site.is_retired)
			return ll_fail(LL_UNKNOWN_SITE, "site_id", "no learning site in use has this id");
		char expected[SITE_CODE_LEN + 1];
		checkin_site_code(t->site.secret, t->day, expected);
		if (!code_matches(t->in->code, expected))
			return ll_fail(LL_INVALID_CHECKIN_CODE, "code", "this is not today's code of the learning site");
		site_id = t->site.id;
	}
	return checkin_record(tx, t->person_id, t->day, t->source, site_id, NULL, t->in->note, &t->is_new);
}

enum ll_err checkin_today(struct ll_store *st, const char *person_id, const struct checkin_in *in, json_t **ret,
			  bool *ret_is_new)
{
	if (!person_id)
		return ll_fail(LL_FORBIDDEN, NULL, "check-ins are a learner's own");
	if (in->code && !in->site_id)
		return ll_fail(LL_INVALID_VALUE, "site_id", "a code comes with the site it belongs to");
	if (in->site_id && !in->code)
		return ll_fail(LL_INVALID_CHECKIN_CODE, "code", "a site check-in needs the code of its QR code");
	struct today_ctx t = { .person_id = person_id, .in = in, .day = points_day_of(clock_now_us()),
			       .source = in->site_id ? CHECKIN_SITE : CHECKIN_MANUAL };
	enum ll_err err = store_run(st, STORE_WRITE, "checkin", today_txn, &t);
	sodium_memzero(t.site.secret, sizeof(t.site.secret));
	if (err != LL_OK) {
		json_decref(t.site.json);
		return err;
	}
	char date[11];
	points_day_format(t.day, date);
	*ret = json_pack("{s:s, s:s, s:b, s:o}", "date", date, "source", checkin_sources[t.source], "is_new", t.is_new,
			 "site", t.site.json ? t.site.json : json_null());
	*ret_is_new = t.is_new;
	return *ret ? LL_OK : LL_NOMEM;
}

/* ---- The month and the streak ---- */

struct month_ctx {
	const char *person_id;
	int64_t first, end;
	json_t *days;
	int64_t *all;
	int n_all, cap_all;
	bool is_nomem;
};

static enum ll_err month_row(const struct store_row *row, void *ctx)
{
	struct month_ctx *m = ctx;
	char date[11];
	points_day_format(store_row_i64(row, 0), date);
	size_t n = json_array_size(m->days);
	json_t *day = n ? json_array_get(m->days, n - 1) : NULL;
	if (!day || strcmp(json_string_value(json_object_get(day, "date")), date) != 0) {
		day = json_pack("{s:s, s:[], s:n, s:n}", "date", date, "sources", "note", "site");
		if (!day || json_array_append_new(m->days, day) != 0)
			return LL_NOMEM;
	}
	json_array_append_new(json_object_get(day, "sources"), json_string(store_row_text(row, 1)));
	if (!store_row_is_null(row, 2))
		json_object_set_new(day, "note", json_string(store_row_text(row, 2)));
	if (!store_row_is_null(row, 3))
		json_object_set_new(day, "site", json_pack("{s:s, s:s, s:s?}", "id", store_row_text(row, 3), "name",
							   store_row_text(row, 4), "name_en", store_row_text(row, 5)));
	return LL_OK;
}

static enum ll_err day_row(const struct store_row *row, void *ctx)
{
	struct month_ctx *m = ctx;
	if (m->n_all == m->cap_all) {
		int cap = m->cap_all ? m->cap_all * 2 : 256;
		int64_t *grown = realloc(m->all, (size_t)cap * sizeof(*grown));
		if (!grown)
			return LL_NOMEM;
		m->all = grown;
		m->cap_all = cap;
	}
	m->all[m->n_all++] = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err month_txn(struct ll_tx *tx, void *ctx)
{
	struct month_ctx *m = ctx;
	json_array_clear(m->days);
	m->n_all = 0;
	enum ll_err err = store_exec(tx, &CHECKIN_MONTH, SP(SV_TEXT(m->person_id), SV_I64(m->first), SV_I64(m->end)),
				     month_row, m);
	return err == LL_OK ? store_exec(tx, &CHECKIN_DAYS, SP(SV_TEXT(m->person_id)), day_row, m) : err;
}

enum ll_err checkin_month(struct ll_store *st, const char *person_id, int year, int month, json_t **ret)
{
	if (!person_id)
		return ll_fail(LL_FORBIDDEN, NULL, "check-ins are a learner's own");
	if (!clock_is_valid_date(year, month, 1) || year < 2000 || year > 2200)
		return ll_fail(LL_BAD_QUERY, "month", "month is YYYY-MM");
	struct month_ctx m = { .person_id = person_id, .days = json_array(),
			       .first = clock_days_from_civil(year, (unsigned)month, 1),
			       .end = month == 12 ? clock_days_from_civil(year + 1, 1, 1)
						  : clock_days_from_civil(year, (unsigned)month + 1, 1) };
	enum ll_err err = m.days ? store_run(st, STORE_READ, "checkin month", month_txn, &m) : LL_NOMEM;
	if (err != LL_OK) {
		json_decref(m.days);
		free(m.all);
		return err;
	}
	int64_t today = points_day_of(clock_now_us());
	struct checkin_streak s;
	checkin_streak_of(m.all, m.n_all, today, &s);
	free(m.all);
	char month_s[16], today_s[11];
	snprintf(month_s, sizeof(month_s), "%04d-%02d", year, month);
	points_day_format(today, today_s);
	*ret = json_pack("{s:s, s:s, s:o, s:{s:i, s:i, s:i, s:b}}", "month", month_s, "today", today_s, "days", m.days,
			 "streak", "current", s.current, "longest", s.longest, "total_days", s.total_days,
			 "is_checked_in_today", s.is_checked_in_today);
	return *ret ? LL_OK : LL_NOMEM;
}
