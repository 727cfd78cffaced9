/*
 * The credit bank's pure rules: turning a deposit body into an outcome, entry standards as JSON
 * (every refusal names its field, and every default standard survives a round trip), every check
 * standard_check makes (kinds per institution type, required fields, evidence, ranges at and past
 * their edges, result syntax per result kind, dates in China time), and an entry's canonical bytes
 * (golden strings, every field covered by the hash, the API form). Nothing here touches a file or
 * a database; "now" is always a fixed instant passed in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/ll_err.h"
#include "base/log.h"
#include "ledger/ledger.h"
#include "org/org.h"

/* ---- Helpers ---- */

/* UTC microseconds of y-m-d h:mi:s. */
static int64_t utc_us(int y, unsigned m, unsigned d, int h, int mi, int s)
{
	return (clock_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s) * INT64_C(1000000);
}

/* Noon UTC, 2026-11-23 (20:00 in Shanghai): the "now" of most checks. */
#define NOW utc_us(2026, 11, 23, 12, 0, 0)

static void assert_fails(enum ll_err got, enum ll_err want, const char *field)
{
	if (got != want)
		fail_msg("got %s (%s), want %s", ll_err_code(got), ll_error_get(got)->message, ll_err_code(want));
	assert_string_equal(ll_error_get(got)->field, field);
}

static int type_of(const char *name)
{
	for (int i = 0; institution_types[i]; i++)
		if (strcmp(institution_types[i], name) == 0)
			return i;
	fail_msg("no institution type %s", name);
	return -1;
}

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v)
		fail_msg("test JSON does not parse: %s: %s", text, e.text);
	return v;
}

/* standard_from_json on text; the standard goes to *ret when not NULL. */
static enum ll_err standard_text(const char *text, struct entry_standard *ret)
{
	json_t *obj = parse(text);
	struct entry_standard s;
	enum ll_err err = standard_from_json(obj, KIND_ACADEMIC_CREDIT, &s);
	json_decref(obj);
	if (ret && err == LL_OK) {
		/* Strings are borrowed from obj, which is gone: keep only what the tests read. */
		s.description = s.description_en = NULL;
		*ret = s;
	}
	return err;
}

static void assert_standard_refused(const char *text, enum ll_err want, const char *field)
{
	enum ll_err err = standard_text(text, NULL);
	if (err != want)
		fail_msg("%s: got %s, want %s", text, ll_err_code(err), ll_err_code(want));
	assert_string_equal(ll_error_get(err)->field, field);
}

static void assert_standard_accepted(const char *text)
{
	enum ll_err err = standard_text(text, NULL);
	if (err != LL_OK)
		fail_msg("%s: refused with %s (%s: %s)", text, ll_err_code(err), ll_error_get(err)->field,
			 ll_error_get(err)->message);
}

/* A standard that requires nothing, admits universities, every range at its widest. */
static struct entry_standard open_standard(void)
{
	struct entry_standard s = {
		.kind = KIND_ACADEMIC_CREDIT,
		.version = 1,
		.credits_milli = { 0, OUTCOME_CREDITS_MILLI_MAX },
		.hours_milli = { 0, OUTCOME_HOURS_MILLI_MAX },
		.level = { 1, FRAMEWORK_LEVEL_MAX },
		.institution_types = 1u << 0,
	};
	return s;
}

/* An outcome with every field filled that passes open_standard and the default academic credit
 * standard from a university. */
static struct outcome full_outcome(void)
{
	struct outcome o;
	outcome_init(&o);
	o.person_id = "p-1";
	o.account_no = "3100000000000018";
	o.institution_id = "i-1";
	o.kind = KIND_ACADEMIC_CREDIT;
	o.title = "高等数学（一）";
	o.code = "MATH101";
	o.level = 6;
	o.credits_milli = 4000;
	o.hours_milli = 64000;
	o.result_kind = RESULT_GRADE;
	o.result = "A";
	o.started_on = "2026-02-24";
	o.awarded_on = "2026-06-30";
	o.certificate_no = "C-2026-0001";
	o.evidence_id = "ev-1";
	o.external_id = "ext-1";
	return o;
}

static enum ll_err check_at(const struct entry_standard *s, const struct outcome *o, int64_t now_us)
{
	return standard_check(s, o, 0, now_us);
}

/* ---- outcome_from_in ---- */

static struct outcome_in full_in(void)
{
	struct outcome_in in;
	outcome_in_init(&in);
	in.account_no = "3100000000000018";
	in.kind = "vocational_certificate";
	in.title = "电工（四级）";
	in.code = "6-31-01-03";
	in.level = 4;
	in.credits_milli = 0;
	in.hours_milli = 120000;
	in.result_kind = "score";
	in.result = "85";
	in.started_on = "2026-01-05";
	in.awarded_on = "2026-05-20";
	in.certificate_no = "S000031000001";
	in.evidence_id = "ev-9";
	in.external_id = "row-17";
	return in;
}

static void test_outcome_from_in_copies_every_field(void **state)
{
	(void)state;
	struct outcome_in in = full_in();
	struct outcome o;
	assert_int_equal(outcome_from_in(&in, &o), LL_OK);
	assert_int_equal(o.kind, KIND_VOCATIONAL_CERTIFICATE);
	assert_int_equal(o.result_kind, RESULT_SCORE);
	assert_string_equal(o.account_no, in.account_no);
	assert_string_equal(o.title, in.title);
	assert_string_equal(o.code, in.code);
	assert_int_equal(o.level, 4);
	assert_int_equal(o.credits_milli, 0);
	assert_int_equal(o.hours_milli, 120000);
	assert_string_equal(o.result, "85");
	assert_string_equal(o.started_on, in.started_on);
	assert_string_equal(o.awarded_on, in.awarded_on);
	assert_string_equal(o.certificate_no, in.certificate_no);
	assert_string_equal(o.evidence_id, in.evidence_id);
	assert_string_equal(o.external_id, in.external_id);
	/* Resolved later, never taken from the body. */
	assert_null(o.person_id);
	assert_null(o.institution_id);
	assert_null(o.evidence_sha256);
}

static void test_outcome_from_in_absent_stays_absent(void **state)
{
	(void)state;
	struct outcome_in in;
	outcome_in_init(&in);
	in.kind = "community_education";
	in.title = "太极拳";
	in.awarded_on = "2026-03-01";
	struct outcome o;
	assert_int_equal(outcome_from_in(&in, &o), LL_OK);
	assert_int_equal(o.level, -1);
	assert_int_equal(o.credits_milli, -1);
	assert_int_equal(o.hours_milli, -1);
	assert_int_equal(o.result_kind, RESULT_NONE);
	assert_null(o.result);
	assert_null(o.code);
}

static void test_outcome_from_in_unknown_kind_is_refused(void **state)
{
	(void)state;
	struct outcome o;
	const char *bad[] = { "degree", "Academic_credit", "", "academic_credit ", NULL };
	for (int i = 0; bad[i]; i++) {
		struct outcome_in in = full_in();
		in.kind = bad[i];
		assert_fails(outcome_from_in(&in, &o), LL_INVALID_VALUE, "kind");
	}
	struct outcome_in in = full_in();
	in.kind = NULL;
	assert_fails(outcome_from_in(&in, &o), LL_INVALID_VALUE, "kind");
}

static void test_outcome_from_in_unknown_result_kind_is_refused(void **state)
{
	(void)state;
	struct outcome o;
	const char *bad[] = { "letter", "Grade", "", NULL };
	for (int i = 0; bad[i]; i++) {
		struct outcome_in in = full_in();
		in.result_kind = bad[i];
		assert_fails(outcome_from_in(&in, &o), LL_INVALID_VALUE, "result_kind");
	}
}

static void test_outcome_from_in_result_needs_result_kind(void **state)
{
	(void)state;
	struct outcome o;
	struct outcome_in in = full_in();
	in.result_kind = NULL;
	assert_fails(outcome_from_in(&in, &o), LL_MISSING_FIELD, "result_kind");
}

static void test_outcome_from_in_result_kind_needs_result(void **state)
{
	(void)state;
	struct outcome o;
	struct outcome_in in = full_in();
	in.result = NULL;
	assert_fails(outcome_from_in(&in, &o), LL_MISSING_FIELD, "result");
}

/* ---- standard_from_json ---- */

#define BASE "\"institution_types\":[\"university\"],\"review\":\"auto\""

static void test_standard_minimal_gets_widest_ranges(void **state)
{
	(void)state;
	struct entry_standard s;
	assert_int_equal(standard_text("{" BASE "}", &s), LL_OK);
	assert_int_equal(s.kind, KIND_ACADEMIC_CREDIT);
	assert_int_equal(s.required, 0);
	assert_int_equal(s.credits_milli.min, 0);
	assert_int_equal(s.credits_milli.max, OUTCOME_CREDITS_MILLI_MAX);
	assert_int_equal(s.hours_milli.min, 0);
	assert_int_equal(s.hours_milli.max, OUTCOME_HOURS_MILLI_MAX);
	assert_int_equal(s.level.min, 1);
	assert_int_equal(s.level.max, FRAMEWORK_LEVEL_MAX);
	assert_int_equal(s.institution_types, 1u << type_of("university"));
	assert_false(s.is_reviewed);
	assert_int_equal(s.max_age_years, 0);
}

static void test_standard_reads_every_field(void **state)
{
	(void)state;
	struct entry_standard s;
	assert_int_equal(standard_text("{\"required\":[\"code\",\"evidence\",\"started_on\"],"
				       "\"credits_milli\":{\"min\":500,\"max\":20000},\"hours_milli\":{\"max\":9000},"
				       "\"level\":{\"min\":3},\"institution_types\":[\"enterprise\",\"credit_bank\"],"
				       "\"review\":\"manual\",\"max_age_years\":7,\"description\":null}",
				       &s),
			 LL_OK);
	assert_int_equal(s.required, FIELD_CODE | FIELD_EVIDENCE | FIELD_STARTED_ON);
	assert_int_equal(s.credits_milli.min, 500);
	assert_int_equal(s.credits_milli.max, 20000);
	assert_int_equal(s.hours_milli.min, 0);
	assert_int_equal(s.hours_milli.max, 9000);
	assert_int_equal(s.level.min, 3);
	assert_int_equal(s.level.max, FRAMEWORK_LEVEL_MAX);
	assert_int_equal(s.institution_types, (1u << type_of("enterprise")) | (1u << type_of("credit_bank")));
	assert_true(s.is_reviewed);
	assert_int_equal(s.max_age_years, 7);
}

static void test_standard_not_an_object_is_refused(void **state)
{
	(void)state;
	assert_standard_refused("[]", LL_WRONG_TYPE, "");
	assert_standard_refused("\"auto\"", LL_WRONG_TYPE, "");
}

static void test_standard_unknown_key_is_named(void **state)
{
	(void)state;
	assert_standard_refused("{" BASE ",\"colour\":\"red\"}", LL_UNKNOWN_FIELD, "colour");
	assert_standard_refused("{" BASE ",\"Review\":\"auto\"}", LL_UNKNOWN_FIELD, "Review");
	assert_standard_refused("{" BASE ",\"kind\":\"academic_credit\"}", LL_UNKNOWN_FIELD, "kind");
}

static void test_standard_required_must_be_known_names(void **state)
{
	(void)state;
	assert_standard_refused("{" BASE ",\"required\":\"code\"}", LL_WRONG_TYPE, "required");
	assert_standard_refused("{" BASE ",\"required\":{}}", LL_WRONG_TYPE, "required");
	assert_standard_refused("{" BASE ",\"required\":[\"code\",\"colour\"]}", LL_INVALID_VALUE, "required");
	assert_standard_refused("{" BASE ",\"required\":[1]}", LL_INVALID_VALUE, "required");
	/* The API names, not the bit names: "credits" is not a field. */
	assert_standard_refused("{" BASE ",\"required\":[\"credits\"]}", LL_INVALID_VALUE, "required");
	for (int i = 0; outcome_field_names[i]; i++) {
		char text[256];
		snprintf(text, sizeof(text), "{" BASE ",\"required\":[\"%s\"]}", outcome_field_names[i]);
		struct entry_standard s;
		assert_int_equal(standard_text(text, &s), LL_OK);
		assert_int_equal(s.required, 1u << i);
	}
}

static void test_standard_range_types_are_checked(void **state)
{
	(void)state;
	static const char *const keys[] = { "credits_milli", "hours_milli", "level" };
	for (int i = 0; i < 3; i++) {
		char text[256];
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":5}", keys[i]);
		assert_standard_refused(text, LL_WRONG_TYPE, keys[i]);
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":[1,5]}", keys[i]);
		assert_standard_refused(text, LL_WRONG_TYPE, keys[i]);
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":{\"min\":\"1\"}}", keys[i]);
		assert_standard_refused(text, LL_WRONG_TYPE, keys[i]);
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":{\"max\":5.5}}", keys[i]);
		assert_standard_refused(text, LL_WRONG_TYPE, keys[i]);
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":{\"min\":1,\"step\":1}}", keys[i]);
		assert_standard_refused(text, LL_UNKNOWN_FIELD, keys[i]);
		/* null means the widest range */
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":null}", keys[i]);
		assert_standard_accepted(text);
	}
}

static void test_standard_ranges_out_of_bounds_are_refused(void **state)
{
	(void)state;
	static const struct {
		const char *key;
		long long lo, hi;
	} r[] = {
		{ "credits_milli", 0, OUTCOME_CREDITS_MILLI_MAX },
		{ "hours_milli", 0, OUTCOME_HOURS_MILLI_MAX },
		{ "level", 1, FRAMEWORK_LEVEL_MAX },
	};
	for (int i = 0; i < 3; i++) {
		char text[256];
		/* The bounds themselves are allowed. */
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":{\"min\":%lld,\"max\":%lld}}", r[i].key, r[i].lo, r[i].hi);
		assert_standard_accepted(text);
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":{\"min\":%lld,\"max\":%lld}}", r[i].key, r[i].lo, r[i].lo);
		assert_standard_accepted(text);
		/* One past either bound is not. */
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":{\"min\":%lld}}", r[i].key, r[i].lo - 1);
		assert_standard_refused(text, LL_OUT_OF_RANGE, r[i].key);
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":{\"max\":%lld}}", r[i].key, r[i].hi + 1);
		assert_standard_refused(text, LL_OUT_OF_RANGE, r[i].key);
		/* A min above the max, also when only one of them is given against the default other. */
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":{\"min\":%lld,\"max\":%lld}}", r[i].key, r[i].lo + 2,
			 r[i].lo + 1);
		assert_standard_refused(text, LL_OUT_OF_RANGE, r[i].key);
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":{\"max\":%lld}}", r[i].key, r[i].lo - 1);
		assert_standard_refused(text, LL_OUT_OF_RANGE, r[i].key);
	}
}

static void test_standard_institution_types_are_required_and_known(void **state)
{
	(void)state;
	assert_standard_refused("{\"review\":\"auto\"}", LL_MISSING_FIELD, "institution_types");
	assert_standard_refused("{\"review\":\"auto\",\"institution_types\":\"university\"}", LL_WRONG_TYPE,
				"institution_types");
	assert_standard_refused("{\"review\":\"auto\",\"institution_types\":[\"university\",\"school\"]}",
				LL_INVALID_VALUE, "institution_types");
	assert_standard_refused("{\"review\":\"auto\",\"institution_types\":[]}", LL_INVALID_VALUE,
				"institution_types");
	assert_standard_refused("{\"review\":\"auto\",\"institution_types\":null}", LL_WRONG_TYPE, "institution_types");
	/* Every type the organisation module knows is accepted by its name. */
	for (int i = 0; institution_types[i]; i++) {
		char text[256];
		snprintf(text, sizeof(text), "{\"review\":\"auto\",\"institution_types\":[\"%s\"]}", institution_types[i]);
		struct entry_standard s;
		assert_int_equal(standard_text(text, &s), LL_OK);
		assert_int_equal(s.institution_types, 1u << i);
	}
}

static void test_standard_review_is_required_auto_or_manual(void **state)
{
	(void)state;
	assert_standard_refused("{\"institution_types\":[\"university\"]}", LL_MISSING_FIELD, "review");
	assert_standard_refused("{\"institution_types\":[\"university\"],\"review\":\"sometimes\"}", LL_INVALID_VALUE,
				"review");
	assert_standard_refused("{\"institution_types\":[\"university\"],\"review\":\"Manual\"}", LL_INVALID_VALUE,
				"review");
	assert_standard_refused("{\"institution_types\":[\"university\"],\"review\":true}", LL_INVALID_VALUE, "review");
	struct entry_standard s;
	assert_int_equal(standard_text("{\"institution_types\":[\"university\"],\"review\":\"manual\"}", &s), LL_OK);
	assert_true(s.is_reviewed);
	assert_int_equal(standard_text("{\"institution_types\":[\"university\"],\"review\":\"auto\"}", &s), LL_OK);
	assert_false(s.is_reviewed);
}

static void test_standard_max_age_years_bounds(void **state)
{
	(void)state;
	struct entry_standard s;
	assert_int_equal(standard_text("{" BASE ",\"max_age_years\":0}", &s), LL_OK);
	assert_int_equal(s.max_age_years, 0);
	assert_int_equal(standard_text("{" BASE ",\"max_age_years\":100}", &s), LL_OK);
	assert_int_equal(s.max_age_years, 100);
	assert_int_equal(standard_text("{" BASE ",\"max_age_years\":null}", &s), LL_OK);
	assert_int_equal(s.max_age_years, 0);
	assert_standard_refused("{" BASE ",\"max_age_years\":101}", LL_OUT_OF_RANGE, "max_age_years");
	assert_standard_refused("{" BASE ",\"max_age_years\":-1}", LL_OUT_OF_RANGE, "max_age_years");
	assert_standard_refused("{" BASE ",\"max_age_years\":\"10\"}", LL_WRONG_TYPE, "max_age_years");
	assert_standard_refused("{" BASE ",\"max_age_years\":2.5}", LL_WRONG_TYPE, "max_age_years");
}

static void test_standard_description_length_counts_characters(void **state)
{
	(void)state;
	static const char *const keys[] = { "description", "description_en" };
	for (int k = 0; k < 2; k++) {
		/* 1000 three-byte characters fit; 1001 ASCII ones do not. */
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "{" BASE ",\"%s\":\"", keys[k]);
		for (int i = 0; i < 1000; i++)
			buf_puts(&b, "学");
		buf_puts(&b, "\"}");
		json_t *obj = parse(b.data);
		struct entry_standard s;
		assert_int_equal(standard_from_json(obj, KIND_ACADEMIC_CREDIT, &s), LL_OK);
		assert_int_equal(strlen(k == 0 ? s.description : s.description_en), 3000);
		json_decref(obj);

		buf_reset(&b);
		buf_printf(&b, "{" BASE ",\"%s\":\"", keys[k]);
		for (int i = 0; i < 1001; i++)
			buf_putc(&b, 'x');
		buf_puts(&b, "\"}");
		assert_standard_refused(b.data, LL_TOO_LONG, keys[k]);

		buf_reset(&b);
		buf_printf(&b, "{" BASE ",\"%s\":42}", keys[k]);
		assert_standard_refused(b.data, LL_WRONG_TYPE, keys[k]);
		buf_release(&b);
	}
}

static void test_standard_default_round_trips_through_json(void **state)
{
	(void)state;
	for (int k = 0; k < KIND_COUNT; k++) {
		struct entry_standard d, back;
		standard_default((enum outcome_kind)k, &d);
		assert_int_equal(d.kind, k);
		assert_int_equal(d.version, 1);
		assert_true(d.institution_types != 0);
		/* credit_bank may deposit every kind. */
		assert_true(d.institution_types & (1u << type_of("credit_bank")));
		json_t *obj = standard_to_json(&d);
		assert_non_null(obj);
		assert_int_equal(standard_from_json(obj, (enum outcome_kind)k, &back), LL_OK);
		back.version = d.version; /* not part of the rules */
		assert_int_equal(back.kind, d.kind);
		assert_int_equal(back.required, d.required);
		assert_int_equal(back.credits_milli.min, d.credits_milli.min);
		assert_int_equal(back.credits_milli.max, d.credits_milli.max);
		assert_int_equal(back.hours_milli.min, d.hours_milli.min);
		assert_int_equal(back.hours_milli.max, d.hours_milli.max);
		assert_int_equal(back.level.min, d.level.min);
		assert_int_equal(back.level.max, d.level.max);
		assert_int_equal(back.institution_types, d.institution_types);
		assert_int_equal(back.is_reviewed, d.is_reviewed);
		assert_int_equal(back.max_age_years, d.max_age_years);
		assert_string_equal(back.description, d.description);
		assert_string_equal(back.description_en, d.description_en);
		/* And the JSON of what came back is the JSON that went in. */
		json_t *again = standard_to_json(&back);
		assert_true(json_equal(obj, again));
		json_decref(again);
		json_decref(obj);
	}
}

static void test_standard_to_json_shape(void **state)
{
	(void)state;
	struct entry_standard d;
	standard_default(KIND_ACADEMIC_CREDIT, &d);
	json_t *obj = standard_to_json(&d);
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(obj);
	/* Field names in bit order; types in institution_types order. */
	assert_non_null(strstr(text, "\"required\":[\"code\",\"credits_milli\",\"result\"]"));
	assert_non_null(strstr(text, "\"credits_milli\":{\"max\":20000,\"min\":500}"));
	assert_non_null(strstr(text, "\"institution_types\":[\"university\",\"open_university\",\"vocational_college\","
				     "\"adult_college\",\"credit_bank\"]"));
	assert_non_null(strstr(text, "\"review\":\"auto\""));
	assert_non_null(strstr(text, "\"max_age_years\":0"));
	free(text);
}

/* ---- standard_check ---- */

static void test_check_default_standards_accept_a_fitting_outcome(void **state)
{
	(void)state;
	struct entry_standard s;
	standard_default(KIND_ACADEMIC_CREDIT, &s);
	struct outcome o = full_outcome();
	assert_int_equal(standard_check(&s, &o, type_of("university"), NOW), LL_OK);
	assert_int_equal(standard_check(&s, &o, type_of("credit_bank"), NOW), LL_OK);
}

static void test_check_kind_not_allowed_for_institution_type(void **state)
{
	(void)state;
	struct outcome o = full_outcome();
	for (int k = 0; k < KIND_COUNT; k++) {
		struct entry_standard s;
		standard_default((enum outcome_kind)k, &s);
		o.kind = (enum outcome_kind)k;
		for (int t = 0; institution_types[t]; t++) {
			if (s.institution_types & (1u << t))
				continue;
			assert_fails(standard_check(&s, &o, t, NOW), LL_KIND_NOT_ALLOWED, "kind");
		}
		assert_fails(standard_check(&s, &o, -1, NOW), LL_KIND_NOT_ALLOWED, "kind");
	}
	/* Spot checks of the defaults: an enterprise does not award academic credit; a university
	 * does not run enterprise training. */
	struct entry_standard s;
	standard_default(KIND_ACADEMIC_CREDIT, &s);
	o.kind = KIND_ACADEMIC_CREDIT;
	assert_fails(standard_check(&s, &o, type_of("enterprise"), NOW), LL_KIND_NOT_ALLOWED, "kind");
	standard_default(KIND_ENTERPRISE_TRAINING, &s);
	o.kind = KIND_ENTERPRISE_TRAINING;
	assert_fails(standard_check(&s, &o, type_of("university"), NOW), LL_KIND_NOT_ALLOWED, "kind");
}

static void test_check_each_required_field_missing_is_named(void **state)
{
	(void)state;
	struct entry_standard s = open_standard();
	s.required = FIELD_CODE | FIELD_LEVEL | FIELD_CREDITS | FIELD_HOURS | FIELD_RESULT | FIELD_STARTED_ON |
		     FIELD_CERTIFICATE_NO | FIELD_EVIDENCE;
	struct outcome full = full_outcome();
	assert_int_equal(check_at(&s, &full, NOW), LL_OK);
	static const char *const names[] = { "code", "level", "credits_milli", "hours_milli", "result", "started_on",
					     "certificate_no" };
	for (int i = 0; i < 7; i++) {
		struct outcome o = full;
		switch (i) {
		case 0: o.code = NULL; break;
		case 1: o.level = -1; break;
		case 2: o.credits_milli = -1; break;
		case 3: o.hours_milli = -1; break;
		case 4: o.result = NULL; o.result_kind = RESULT_NONE; break;
		case 5: o.started_on = NULL; break;
		case 6: o.certificate_no = NULL; break;
		}
		assert_fails(check_at(&s, &o, NOW), LL_MISSING_FIELD, names[i]);
		assert_string_equal(outcome_field_names[i], names[i]);
	}
	/* Zero is present, not missing. */
	struct outcome o = full;
	o.credits_milli = 0;
	o.hours_milli = 0;
	assert_int_equal(check_at(&s, &o, NOW), LL_OK);
}

static void test_check_evidence_required(void **state)
{
	(void)state;
	struct entry_standard s = open_standard();
	s.required = FIELD_EVIDENCE;
	struct outcome o = full_outcome();
	o.evidence_id = NULL;
	assert_fails(check_at(&s, &o, NOW), LL_EVIDENCE_REQUIRED, "evidence_id");
	o.evidence_id = "ev-2";
	assert_int_equal(check_at(&s, &o, NOW), LL_OK);
	/* Each default standard that asks for evidence refuses an outcome without it. */
	for (int k = 0; k < KIND_COUNT; k++) {
		struct entry_standard d;
		standard_default((enum outcome_kind)k, &d);
		if (!(d.required & FIELD_EVIDENCE))
			continue;
		struct outcome x = full_outcome();
		x.kind = (enum outcome_kind)k;
		x.evidence_id = NULL;
		assert_fails(standard_check(&d, &x, type_of("credit_bank"), NOW), LL_EVIDENCE_REQUIRED, "evidence_id");
	}
}

static void test_check_awarded_on_is_always_required(void **state)
{
	(void)state;
	struct entry_standard s = open_standard();
	struct outcome o = full_outcome();
	o.awarded_on = NULL;
	o.started_on = NULL;
	assert_fails(check_at(&s, &o, NOW), LL_MISSING_FIELD, "awarded_on");
}

/* Checks value v of the field at i (0 credits, 1 hours, 2 level) against range [lo, hi]. */
static enum ll_err check_range_value(int i, int64_t lo, int64_t hi, int64_t v)
{
	struct entry_standard s = open_standard();
	struct int_range *r = i == 0 ? &s.credits_milli : i == 1 ? &s.hours_milli : &s.level;
	r->min = lo;
	r->max = hi;
	struct outcome o = full_outcome();
	o.credits_milli = o.hours_milli = o.level = -1;
	if (i == 0)
		o.credits_milli = v;
	else if (i == 1)
		o.hours_milli = v;
	else
		o.level = v;
	return check_at(&s, &o, NOW);
}

static void test_check_ranges_at_and_beyond_the_edges(void **state)
{
	(void)state;
	static const char *const fields[] = { "credits_milli", "hours_milli", "level" };
	static const int64_t lo[] = { 500, 1000, 4 }, hi[] = { 20000, 2000000, 8 };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(check_range_value(i, lo[i], hi[i], lo[i]), LL_OK);
		assert_int_equal(check_range_value(i, lo[i], hi[i], hi[i]), LL_OK);
		assert_int_equal(check_range_value(i, lo[i], hi[i], (lo[i] + hi[i]) / 2), LL_OK);
		assert_fails(check_range_value(i, lo[i], hi[i], lo[i] - 1), LL_OUT_OF_RANGE, fields[i]);
		assert_fails(check_range_value(i, lo[i], hi[i], hi[i] + 1), LL_OUT_OF_RANGE, fields[i]);
		assert_fails(check_range_value(i, lo[i], hi[i], 0), LL_OUT_OF_RANGE, fields[i]);
		/* Absent is not out of range when the standard does not require the field. */
		assert_int_equal(check_range_value(i, lo[i], hi[i], -1), LL_OK);
	}
	/* The defaults: academic credit takes 0.5 to 20 credits. */
	struct entry_standard d;
	standard_default(KIND_ACADEMIC_CREDIT, &d);
	struct outcome o = full_outcome();
	o.credits_milli = 499;
	assert_fails(standard_check(&d, &o, 0, NOW), LL_OUT_OF_RANGE, "credits_milli");
	o.credits_milli = 500;
	assert_int_equal(standard_check(&d, &o, 0, NOW), LL_OK);
	o.credits_milli = 20001;
	assert_fails(standard_check(&d, &o, 0, NOW), LL_OUT_OF_RANGE, "credits_milli");
}

static enum ll_err check_result(enum result_kind rk, const char *result)
{
	struct entry_standard s = open_standard();
	struct outcome o = full_outcome();
	o.result_kind = rk;
	o.result = result;
	return check_at(&s, &o, NOW);
}

static void test_check_grades(void **state)
{
	(void)state;
	const char *good[] = { "A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F",
			       "优秀", "良好", "中等", "及格", "合格", "不及格", "不合格", NULL };
	for (int i = 0; good[i]; i++)
		if (check_result(RESULT_GRADE, good[i]) != LL_OK)
			fail_msg("grade %s refused", good[i]);
	const char *bad[] = { "a", "E", "A++", "F-", "", "优", "pass", "90", " A", NULL };
	for (int i = 0; bad[i]; i++) {
		enum ll_err err = check_result(RESULT_GRADE, bad[i]);
		if (err != LL_INVALID_RESULT)
			fail_msg("grade '%s' gave %s", bad[i], ll_err_code(err));
		assert_string_equal(ll_error_get(err)->field, "result");
	}
}

static void test_check_scores(void **state)
{
	(void)state;
	const char *good[] = { "0", "0.5", "60", "100", "99.5", "710.5", "710", "1000", "1000.0", NULL };
	for (int i = 0; good[i]; i++)
		if (check_result(RESULT_SCORE, good[i]) != LL_OK)
			fail_msg("score %s refused", good[i]);
	const char *bad[] = { "1000.5", "1001", "01", "00", "007", "-1", "+5", "10.", ".5", "10.55", "1e3", "85 ",
			      " 85", "85分", "", "10000", "A", NULL };
	for (int i = 0; bad[i]; i++) {
		enum ll_err err = check_result(RESULT_SCORE, bad[i]);
		if (err != LL_INVALID_RESULT)
			fail_msg("score '%s' gave %s", bad[i], ll_err_code(err));
		assert_string_equal(ll_error_get(err)->field, "result");
	}
}

static void test_check_pass(void **state)
{
	(void)state;
	assert_int_equal(check_result(RESULT_PASS, "pass"), LL_OK);
	assert_fails(check_result(RESULT_PASS, "PASS"), LL_INVALID_RESULT, "result");
	assert_fails(check_result(RESULT_PASS, "fail"), LL_INVALID_RESULT, "result");
	assert_fails(check_result(RESULT_PASS, "合格"), LL_INVALID_RESULT, "result");
	/* A result with no kind cannot be judged: refused, not waved through. */
	assert_fails(check_result(RESULT_NONE, "A"), LL_INVALID_RESULT, "result");
	/* No result at all is fine when the standard does not require one. */
	assert_int_equal(check_result(RESULT_NONE, NULL), LL_OK);
}

static enum ll_err check_dates(const char *started_on, const char *awarded_on, int64_t now_us)
{
	struct entry_standard s = open_standard();
	struct outcome o = full_outcome();
	o.started_on = started_on;
	o.awarded_on = awarded_on;
	return check_at(&s, &o, now_us);
}

static void test_check_dates_must_be_real(void **state)
{
	(void)state;
	assert_int_equal(check_dates(NULL, "2024-02-29", NOW), LL_OK);
	assert_fails(check_dates(NULL, "2025-02-29", NOW), LL_INVALID_DATE, "awarded_on");
	assert_fails(check_dates(NULL, "1900-02-29", NOW), LL_INVALID_DATE, "awarded_on");
	assert_int_equal(check_dates(NULL, "2000-02-29", NOW), LL_OK);
	const char *bad[] = { "2024-2-29", "2024/02/29", "20240229", "2024-02-29T00:00:00", "2024-02-2x", "2024-13-01",
			      "2024-00-10", "2024-04-31", "2024-01-00", "1899-12-31", "+024-01-01", "2024-0a-01",
			      "2024--1-01", " 2024-01-1", "", NULL };
	for (int i = 0; bad[i]; i++) {
		enum ll_err err = check_dates(NULL, bad[i], NOW);
		if (err != LL_INVALID_DATE)
			fail_msg("awarded_on '%s' gave %s", bad[i], ll_err_code(err));
		assert_string_equal(ll_error_get(err)->field, "awarded_on");
		err = check_dates(bad[i], "2024-03-01", NOW);
		if (err != LL_INVALID_DATE)
			fail_msg("started_on '%s' gave %s", bad[i], ll_err_code(err));
		assert_string_equal(ll_error_get(err)->field, "started_on");
	}
	assert_int_equal(check_dates("1900-01-01", "2024-03-01", NOW), LL_OK);
}

static void test_check_future_is_judged_in_china_time(void **state)
{
	(void)state;
	/* 16:00 UTC is midnight in Shanghai. One microsecond before, it is still the 23rd there. */
	int64_t before_midnight_cn = utc_us(2026, 11, 23, 16, 0, 0) - 1;
	int64_t midnight_cn = utc_us(2026, 11, 23, 16, 0, 0);
	int64_t early_utc = utc_us(2026, 11, 23, 17, 30, 0); /* 01:30 on the 24th in Shanghai */
	assert_int_equal(check_dates(NULL, "2026-11-23", before_midnight_cn), LL_OK);
	assert_fails(check_dates(NULL, "2026-11-24", before_midnight_cn), LL_INVALID_DATE, "awarded_on");
	/* A certificate dated today in Shanghai, while it is still yesterday in UTC, is accepted. */
	assert_int_equal(check_dates(NULL, "2026-11-24", midnight_cn), LL_OK);
	assert_int_equal(check_dates(NULL, "2026-11-24", early_utc), LL_OK);
	assert_fails(check_dates(NULL, "2026-11-25", early_utc), LL_INVALID_DATE, "awarded_on");
	assert_fails(check_dates(NULL, "2030-01-01", early_utc), LL_INVALID_DATE, "awarded_on");
}

static void test_check_started_on_not_after_awarded_on(void **state)
{
	(void)state;
	assert_int_equal(check_dates("2026-06-30", "2026-06-30", NOW), LL_OK);
	assert_int_equal(check_dates("2025-12-31", "2026-01-01", NOW), LL_OK);
	assert_fails(check_dates("2026-07-01", "2026-06-30", NOW), LL_INVALID_DATE, "started_on");
	assert_fails(check_dates("2027-01-01", "2026-06-30", NOW), LL_INVALID_DATE, "started_on");
}

static void test_check_max_age_years(void **state)
{
	(void)state;
	struct entry_standard s = open_standard();
	s.max_age_years = 10;
	struct outcome o = full_outcome();
	o.started_on = NULL;
	/* Ten years of 365.25 days back from 2026-11-23 (Shanghai) is 2016-11-23. */
	o.awarded_on = "2016-11-23";
	assert_int_equal(check_at(&s, &o, NOW), LL_OK);
	o.awarded_on = "2016-11-22";
	assert_fails(check_at(&s, &o, NOW), LL_INVALID_DATE, "awarded_on");
	o.awarded_on = "2001-01-01";
	assert_fails(check_at(&s, &o, NOW), LL_INVALID_DATE, "awarded_on");
	/* 0 means any age. */
	s.max_age_years = 0;
	assert_int_equal(check_at(&s, &o, NOW), LL_OK);
	o.awarded_on = "1900-01-01";
	assert_int_equal(check_at(&s, &o, NOW), LL_OK);
	/* One year: 365 days back is accepted, 366 is not (2025-11-23 .. 2026-11-23 has no 29 Feb). */
	s.max_age_years = 1;
	o.awarded_on = "2025-11-23";
	assert_int_equal(check_at(&s, &o, NOW), LL_OK);
	o.awarded_on = "2025-11-22";
	assert_fails(check_at(&s, &o, NOW), LL_INVALID_DATE, "awarded_on");
	/* The default non-degree training standard keeps ten years. */
	struct entry_standard d;
	standard_default(KIND_NON_DEGREE_TRAINING, &d);
	o = full_outcome();
	o.kind = KIND_NON_DEGREE_TRAINING;
	o.started_on = "2016-11-01";
	o.awarded_on = "2016-11-22";
	assert_fails(standard_check(&d, &o, type_of("training_institution"), NOW), LL_INVALID_DATE, "awarded_on");
}

/* ---- Entry canonical bytes ---- */

static struct ledger_entry full_entry(void)
{
	struct ledger_entry e;
	memset(&e, 0, sizeof(e));
	e.seq = 41;
	e.id = "0190a1b2-0000-7000-8000-000000000042";
	e.person_id = "0190a1b2-0000-7000-8000-0000000000p1";
	e.person_seq = 3;
	for (int i = 0; i < ENTRY_HASH_BYTES; i++)
		e.prev_hash[i] = (unsigned char)(0xa0 + i);
	e.op = OP_CORRECT;
	e.outcome_id = "0190a1b2-0000-7000-8000-000000000007";
	e.supersedes = "0190a1b2-0000-7000-8000-000000000030";
	e.submission_id = "0190a1b2-0000-7000-8000-0000000000s9";
	e.standard_version = 2;
	e.o = full_outcome();
	e.o.person_id = e.person_id;
	e.o.institution_id = "0190a1b2-0000-7000-8000-0000000000i1";
	e.o.evidence_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	e.actor_id = "u-7";
	e.reason = "成绩录入错误";
	e.created_at = INT64_C(1795460604123456);
	return e;
}

static struct ledger_entry minimal_entry(void)
{
	struct ledger_entry e;
	memset(&e, 0, sizeof(e));
	outcome_init(&e.o);
	e.id = "e0";
	e.person_id = "p0";
	e.person_seq = 1;
	e.op = OP_DEPOSIT;
	e.outcome_id = "e0";
	e.standard_version = 1;
	e.o.institution_id = "i0";
	e.o.kind = KIND_COMMUNITY_EDUCATION;
	e.o.title = "t";
	e.o.awarded_on = "2026-01-01";
	e.created_at = 1;
	return e;
}

static char *canonical_text(const struct ledger_entry *e)
{
	struct buf b;
	buf_init(&b);
	assert_int_equal(entry_canonical(e, &b), LL_OK);
	char *s = buf_steal(&b, NULL);
	buf_release(&b);
	return s;
}

static void test_entry_canonical_full_golden(void **state)
{
	(void)state;
	struct ledger_entry e = full_entry();
	char *got = canonical_text(&e);
	const char *want =
		"{\"actor_id\":\"u-7\",\"awarded_on\":\"2026-06-30\",\"certificate_no\":\"C-2026-0001\","
		"\"code\":\"MATH101\",\"created_at\":1795460604123456,\"credits_milli\":4000,"
		"\"evidence_sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\","
		"\"external_id\":\"ext-1\",\"hours_milli\":64000,\"id\":\"0190a1b2-0000-7000-8000-000000000042\","
		"\"institution_id\":\"0190a1b2-0000-7000-8000-0000000000i1\",\"kind\":\"academic_credit\",\"level\":6,"
		"\"op\":\"correct\",\"outcome_id\":\"0190a1b2-0000-7000-8000-000000000007\","
		"\"person_id\":\"0190a1b2-0000-7000-8000-0000000000p1\",\"person_seq\":3,"
		"\"prev_hash\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\","
		"\"reason\":\"成绩录入错误\",\"result\":\"A\",\"result_kind\":\"grade\",\"seq\":41,"
		"\"standard_version\":2,\"started_on\":\"2026-02-24\","
		"\"submission_id\":\"0190a1b2-0000-7000-8000-0000000000s9\","
		"\"supersedes\":\"0190a1b2-0000-7000-8000-000000000030\",\"title\":\"高等数学（一）\",\"v\":1}";
	assert_string_equal(got, want);
	/* Not part of the canonical form: the account number as sent, the evidence id (its hash
	 * is), the entry's own hash. */
	assert_null(strstr(got, "3100000000000018"));
	assert_null(strstr(got, "ev-1"));
	free(got);
}

static void test_entry_canonical_minimal_golden(void **state)
{
	(void)state;
	struct ledger_entry e = minimal_entry();
	char *got = canonical_text(&e);
	const char *want =
		"{\"actor_id\":null,\"awarded_on\":\"2026-01-01\",\"certificate_no\":null,\"code\":null,"
		"\"created_at\":1,\"credits_milli\":null,\"evidence_sha256\":null,\"external_id\":null,"
		"\"hours_milli\":null,\"id\":\"e0\",\"institution_id\":\"i0\",\"kind\":\"community_education\","
		"\"level\":null,\"op\":\"deposit\",\"outcome_id\":\"e0\",\"person_id\":\"p0\",\"person_seq\":1,"
		"\"prev_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"reason\":null,"
		"\"result\":null,\"result_kind\":null,\"seq\":0,\"standard_version\":1,\"started_on\":null,"
		"\"submission_id\":null,\"supersedes\":null,\"title\":\"t\",\"v\":1}";
	assert_string_equal(got, want);
	free(got);
}

static void test_entry_canonical_is_deterministic(void **state)
{
	(void)state;
	struct ledger_entry a = full_entry(), b = full_entry();
	/* Same content through different pointers (a copy of every string) gives the same bytes. */
	char title[64];
	snprintf(title, sizeof(title), "%s", a.o.title);
	b.o.title = title;
	char *ta = canonical_text(&a), *tb = canonical_text(&b), *ta2 = canonical_text(&a);
	assert_string_equal(ta, tb);
	assert_string_equal(ta, ta2);
	unsigned char ha[ENTRY_HASH_BYTES], hb[ENTRY_HASH_BYTES], want[ENTRY_HASH_BYTES];
	assert_int_equal(entry_compute_hash(&a, ha), LL_OK);
	assert_int_equal(entry_compute_hash(&b, hb), LL_OK);
	assert_memory_equal(ha, hb, ENTRY_HASH_BYTES);
	/* The hash is the Merkle leaf hash of the canonical bytes. */
	merkle_hash_leaf(ta, strlen(ta), want);
	assert_memory_equal(ha, want, ENTRY_HASH_BYTES);
	/* Fields outside the canonical form do not move it. */
	b.o.account_no = "other";
	b.o.evidence_id = "other";
	memset(b.entry_hash, 0x55, ENTRY_HASH_BYTES);
	assert_int_equal(entry_compute_hash(&b, hb), LL_OK);
	assert_memory_equal(ha, hb, ENTRY_HASH_BYTES);
	free(ta);
	free(tb);
	free(ta2);
}

/* One change to one canonical field of e; returns false past the last. */
static bool mutate_field(struct ledger_entry *e, int i, const char **ret_name)
{
	struct outcome *o = &e->o;
	switch (i) {
	case 0: *ret_name = "seq"; e->seq++; return true;
	case 1: *ret_name = "id"; e->id = "0190a1b2-0000-7000-8000-000000000043"; return true;
	case 2: *ret_name = "person_id"; e->person_id = "p2"; return true;
	case 3: *ret_name = "person_seq"; e->person_seq++; return true;
	case 4: *ret_name = "prev_hash"; e->prev_hash[ENTRY_HASH_BYTES - 1] ^= 1; return true;
	case 5: *ret_name = "op"; e->op = OP_REVOKE; return true;
	case 6: *ret_name = "outcome_id"; e->outcome_id = "o2"; return true;
	case 7: *ret_name = "supersedes"; e->supersedes = NULL; return true;
	case 8: *ret_name = "submission_id"; e->submission_id = "s2"; return true;
	case 9: *ret_name = "standard_version"; e->standard_version++; return true;
	case 10: *ret_name = "institution_id"; o->institution_id = "i2"; return true;
	case 11: *ret_name = "kind"; o->kind = KIND_ACADEMIC_QUALIFICATION; return true;
	case 12: *ret_name = "title"; o->title = "高等数学（二）"; return true;
	case 13: *ret_name = "code"; o->code = "MATH102"; return true;
	case 14: *ret_name = "level"; o->level = 7; return true;
	case 15: *ret_name = "credits_milli"; o->credits_milli = 4001; return true;
	case 16: *ret_name = "hours_milli"; o->hours_milli = -1; return true;
	case 17: *ret_name = "result_kind"; o->result_kind = RESULT_SCORE; return true;
	case 18: *ret_name = "result"; o->result = "A-"; return true;
	case 19: *ret_name = "started_on"; o->started_on = "2026-02-25"; return true;
	case 20: *ret_name = "awarded_on"; o->awarded_on = "2026-07-01"; return true;
	case 21: *ret_name = "certificate_no"; o->certificate_no = "C-2026-0002"; return true;
	case 22: *ret_name = "evidence_sha256"; o->evidence_sha256 = "00"; return true;
	case 23: *ret_name = "external_id"; o->external_id = NULL; return true;
	case 24: *ret_name = "actor_id"; e->actor_id = "u-8"; return true;
	case 25: *ret_name = "reason"; e->reason = "成绩录入错误。"; return true;
	case 26: *ret_name = "created_at"; e->created_at++; return true;
	/* Absent and zero differ. */
	case 27: *ret_name = "level absent"; o->level = -1; return true;
	case 28: *ret_name = "credits_milli zero"; o->credits_milli = 0; return true;
	case 29: *ret_name = "code empty"; o->code = ""; return true;
	default: return false;
	}
}

static void test_entry_hash_covers_every_field(void **state)
{
	(void)state;
	struct ledger_entry base = full_entry();
	unsigned char h0[ENTRY_HASH_BYTES];
	assert_int_equal(entry_compute_hash(&base, h0), LL_OK);
	unsigned char seen[64][ENTRY_HASH_BYTES];
	int n = 0;
	const char *name = NULL;
	for (int i = 0;; i++) {
		struct ledger_entry e = full_entry();
		if (!mutate_field(&e, i, &name))
			break;
		unsigned char h[ENTRY_HASH_BYTES];
		assert_int_equal(entry_compute_hash(&e, h), LL_OK);
		if (memcmp(h, h0, ENTRY_HASH_BYTES) == 0)
			fail_msg("changing %s does not change the entry hash", name);
		for (int j = 0; j < n; j++)
			if (memcmp(h, seen[j], ENTRY_HASH_BYTES) == 0)
				fail_msg("changing %s gives the same hash as another change", name);
		memcpy(seen[n++], h, ENTRY_HASH_BYTES);
	}
	/* Every key of the canonical form but the version was mutated. */
	char *text = canonical_text(&base);
	json_t *obj = parse(text);
	free(text);
	assert_int_equal(json_object_size(obj), 27 + 1);
	json_decref(obj);
	assert_true(n >= 27);
}

static void test_entry_canonical_of_transfer_credit_adds_its_link(void **state)
{
	(void)state;
	struct ledger_entry e = minimal_entry();
	char *plain = canonical_text(&e);
	e.transfer_item_id = "item-1";
	e.transfer_rule_id = "rule-1";
	e.transfer_rule_version = 3;
	e.transfer_sources = "[\"o-1\",\"o-2\"]";
	char *got = canonical_text(&e);
	/* The same fields as before, then the link in key order, and version 2. */
	const char *want_tail = "\"title\":\"t\",\"transfer_item_id\":\"item-1\",\"transfer_rule_id\":\"rule-1\","
				"\"transfer_rule_version\":3,\"transfer_sources\":[\"o-1\",\"o-2\"],\"v\":2}";
	const char *plain_tail = "\"title\":\"t\",\"v\":1}";
	size_t head = strlen(plain) - strlen(plain_tail);
	assert_memory_equal(got, plain, head);
	assert_string_equal(got + head, want_tail);
	/* Stored with spaces, the sources still give the same bytes. */
	e.transfer_sources = "[ \"o-1\", \"o-2\" ]";
	char *spaced = canonical_text(&e);
	assert_string_equal(spaced, got);
	/* Each part of the link is covered by the hash. */
	unsigned char h0[ENTRY_HASH_BYTES], h[ENTRY_HASH_BYTES];
	e.transfer_sources = "[\"o-1\",\"o-2\"]";
	assert_int_equal(entry_compute_hash(&e, h0), LL_OK);
	struct ledger_entry x = e;
	x.transfer_sources = "[\"o-1\"]";
	assert_int_equal(entry_compute_hash(&x, h), LL_OK);
	assert_memory_not_equal(h, h0, ENTRY_HASH_BYTES);
	x = e;
	x.transfer_rule_version = 4;
	assert_int_equal(entry_compute_hash(&x, h), LL_OK);
	assert_memory_not_equal(h, h0, ENTRY_HASH_BYTES);
	x = e;
	x.transfer_item_id = "item-2";
	assert_int_equal(entry_compute_hash(&x, h), LL_OK);
	assert_memory_not_equal(h, h0, ENTRY_HASH_BYTES);
	/* Sources that are not a JSON array of strings make an entry no verifier accepts. */
	x = e;
	x.transfer_sources = "o-1,o-2";
	struct buf b;
	buf_init(&b);
	assert_int_equal(entry_canonical(&x, &b), LL_INVALID_VALUE);
	buf_release(&b);
	/* entry_json carries the link, the sources as an array. */
	json_t *j = entry_json(&e);
	assert_int_equal(json_integer_value(json_object_get(j, "v")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "transfer_sources")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "transfer_item_id")), "item-1");
	json_decref(j);
	free(plain);
	free(got);
	free(spaced);
}

static void test_entry_canonical_escapes_strings_as_json_stringify(void **state)
{
	(void)state;
	/* A browser recomputes entry hashes with JSON.stringify: quote, backslash and control
	 * characters are escaped (\u with lowercase hex), everything else, '/', DEL and U+2028
	 * included, is written as it is. */
	struct ledger_entry e = minimal_entry();
	e.o.title = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\xe2\x80\xa8\xc3\xa9\xf0\x9f\x98\x80";
	char *got = canonical_text(&e);
	const char *want = "\"title\":\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xe2\x80\xa8\xc3\xa9\xf0\x9f\x98\x80\","
			   "\"v\":1}";
	if (!strstr(got, want))
		fail_msg("canonical form %s does not end with %s", got, want);
	free(got);
}

static void test_entry_canonical_refuses_non_utf8(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"bad \xff byte", "overlong \xc0\xaf", "overlong \xe0\x80\xaf", "surrogate \xed\xa0\x80",
		"past U+10FFFF \xf4\x90\x80\x80", "cut short \xe4\xb8", "lone continuation \x80", NULL
	};
	for (int i = 0; bad[i]; i++) {
		/* Wherever the string sits. */
		for (int where = 0; where < 3; where++) {
			struct ledger_entry e = minimal_entry();
			if (where == 0)
				e.o.title = bad[i];
			else if (where == 1)
				e.reason = bad[i];
			else
				e.actor_id = bad[i];
			struct buf b;
			buf_init(&b);
			enum ll_err err = entry_canonical(&e, &b);
			buf_release(&b);
			if (err != LL_INVALID_VALUE)
				fail_msg("'%s' (field %d) gave %s", bad[i], where, ll_err_code(err));
			unsigned char h[ENTRY_HASH_BYTES];
			assert_int_equal(entry_compute_hash(&e, h), LL_INVALID_VALUE);
		}
	}
	/* The largest code point and a four-byte character are fine. */
	struct ledger_entry e = minimal_entry();
	e.o.title = "\xf4\x8f\xbf\xbf \xf0\xa0\x80\x80";
	unsigned char h[ENTRY_HASH_BYTES];
	assert_int_equal(entry_compute_hash(&e, h), LL_OK);
}

static void test_entry_json_carries_hash_and_times(void **state)
{
	(void)state;
	struct ledger_entry e = full_entry();
	for (int i = 0; i < ENTRY_HASH_BYTES; i++)
		e.entry_hash[i] = (unsigned char)i;
	json_t *obj = entry_json(&e);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "entry_hash")),
			    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	assert_int_equal(json_integer_value(json_object_get(obj, "created_at_us")), e.created_at);
	char when[32];
	clock_format_rfc3339(e.created_at, when);
	assert_string_equal(json_string_value(json_object_get(obj, "created_at")), when);
	assert_string_equal(json_string_value(json_object_get(obj, "prev_hash")),
			    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
	assert_string_equal(json_string_value(json_object_get(obj, "op")), "correct");
	assert_string_equal(json_string_value(json_object_get(obj, "title")), "高等数学（一）");
	assert_int_equal(json_integer_value(json_object_get(obj, "seq")), 41);
	json_decref(obj);
	/* Absent fields are null, not missing. */
	struct ledger_entry m = minimal_entry();
	obj = entry_json(&m);
	assert_true(json_is_null(json_object_get(obj, "supersedes")));
	assert_true(json_is_null(json_object_get(obj, "level")));
	json_decref(obj);
}

int main(void)
{
	log_set_level(LOG_ERROR);
	if (crypto_init() != LL_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_from_in_copies_every_field),
		cmocka_unit_test(test_outcome_from_in_absent_stays_absent),
		cmocka_unit_test(test_outcome_from_in_unknown_kind_is_refused),
		cmocka_unit_test(test_outcome_from_in_unknown_result_kind_is_refused),
		cmocka_unit_test(test_outcome_from_in_result_needs_result_kind),
		cmocka_unit_test(test_outcome_from_in_result_kind_needs_result),
		cmocka_unit_test(test_standard_minimal_gets_widest_ranges),
		cmocka_unit_test(test_standard_reads_every_field),
		cmocka_unit_test(test_standard_not_an_object_is_refused),
		cmocka_unit_test(test_standard_unknown_key_is_named),
		cmocka_unit_test(test_standard_required_must_be_known_names),
		cmocka_unit_test(test_standard_range_types_are_checked),
		cmocka_unit_test(test_standard_ranges_out_of_bounds_are_refused),
		cmocka_unit_test(test_standard_institution_types_are_required_and_known),
		cmocka_unit_test(test_standard_review_is_required_auto_or_manual),
		cmocka_unit_test(test_standard_max_age_years_bounds),
		cmocka_unit_test(test_standard_description_length_counts_characters),
		cmocka_unit_test(test_standard_default_round_trips_through_json),
		cmocka_unit_test(test_standard_to_json_shape),
		cmocka_unit_test(test_check_default_standards_accept_a_fitting_outcome),
		cmocka_unit_test(test_check_kind_not_allowed_for_institution_type),
		cmocka_unit_test(test_check_each_required_field_missing_is_named),
		cmocka_unit_test(test_check_evidence_required),
		cmocka_unit_test(test_check_awarded_on_is_always_required),
		cmocka_unit_test(test_check_ranges_at_and_beyond_the_edges),
		cmocka_unit_test(test_check_grades),
		cmocka_unit_test(test_check_scores),
		cmocka_unit_test(test_check_pass),
		cmocka_unit_test(test_check_dates_must_be_real),
		cmocka_unit_test(test_check_future_is_judged_in_china_time),
		cmocka_unit_test(test_check_started_on_not_after_awarded_on),
		cmocka_unit_test(test_check_max_age_years),
		cmocka_unit_test(test_entry_canonical_full_golden),
		cmocka_unit_test(test_entry_canonical_minimal_golden),
		cmocka_unit_test(test_entry_canonical_is_deterministic),
		cmocka_unit_test(test_entry_hash_covers_every_field),
		cmocka_unit_test(test_entry_canonical_of_transfer_credit_adds_its_link),
		cmocka_unit_test(test_entry_canonical_escapes_strings_as_json_stringify),
		cmocka_unit_test(test_entry_canonical_refuses_non_utf8),
		cmocka_unit_test(test_entry_json_carries_hash_and_times),
	};
	return cmocka_run_group_tests_name("ledger rules", tests, NULL, NULL);
}
