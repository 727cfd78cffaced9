/*
 * Audits per second of the transfer engine on one core: a programme of 30 courses (20 required,
 * 10 elective) with 200 conversion rules, and PERSONS generated learners of about 20 outcomes
 * each (course credits, certificates that rules name or nearly name, community courses), every
 * audit built into its JSON report and written out as text, as a caller would. The generator is
 * seeded, so every run audits the same learners.
 *
 *   audit_engine [PERSONS]   prints "audits seconds available_courses bytes_per_report"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/base/buf.h"
#include "../src/base/json.h"
#include "../src/transfer/transfer.h"

#define COURSES 30
#define REQUIRED 20
#define RULES 200
#define OUTCOMES_PER_PERSON 20

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static json_t *plan_json(void)
{
	json_t *courses = json_array();
	char code[16], name[32];
	for (int i = 0; i < COURSES; i++) {
		snprintf(code, sizeof(code), "%05d", 100 + i);
		snprintf(name, sizeof(name), "课程 %d", i);
		json_array_append_new(courses, json_pack("{s:s, s:s, s:s, s:i, s:b}", "code", code, "name", name, "group",
							 i < REQUIRED ? "core" : "elec", "credits_milli",
							 i < REQUIRED ? 3000 : 2000, "transfer_excluded", i == 0));
	}
	return json_pack("{s:i, s:i, s:[{s:s, s:s}, {s:s, s:s, s:b, s:i}], s:o}", "total_credits_milli", 70000,
			 "transfer_max_permille", 500, "groups", "code", "core", "name", "必修", "code", "elec", "name",
			 "选修", "elective", 1, "min_credits_milli", 10000, "courses", courses);
}

/* Rule i: one or two certificate conditions (some by pattern, some with a least score, some
 * recent only), granting one or two courses; every fiftieth a counted community-course rule
 * granting elective credit. */
static json_t *rule_json(int i)
{
	char code[24], code2[24], course[16], course2[16];
	json_t *conditions = json_array(), *grants = json_array();
	if (i % 50 == 49) {
		json_array_append_new(conditions, json_pack("{s:s, s:i, s:i}", "kind", "community_education",
							    "min_hours_milli", 16000, "count", 5 + i % 6));
		json_array_append_new(grants, json_pack("{s:s, s:i}", "group", "elec", "credits_milli", 1000));
	} else {
		if (i % 7 == 0)
			snprintf(code, sizeof(code), "CERT-%02d*", i % 40);
		else
			snprintf(code, sizeof(code), "CERT-%03d", i);
		json_t *c = json_pack("{s:s, s:s}", "kind", "vocational_certificate", "code", code);
		if (i % 3 == 0)
			json_object_set_new(c, "min_result", json_pack("{s:s}", "score", "60"));
		if (i % 5 == 0)
			json_object_set_new(c, "within_years", json_integer(5));
		json_array_append_new(conditions, c);
		if (i % 11 == 0) {
			snprintf(code2, sizeof(code2), "PQ-%03d", i);
			json_array_append_new(conditions, json_pack("{s:s, s:s}", "kind", "professional_qualification", "code", code2));
		}
		snprintf(course, sizeof(course), "%05d", 100 + 1 + i % (COURSES - 1));
		json_array_append_new(grants, json_pack("{s:s}", "course", course));
		if (i % 4 == 0) {
			snprintf(course2, sizeof(course2), "%05d", 100 + 1 + (i * 7 + 3) % (COURSES - 1));
			if (strcmp(course, course2) != 0)
				json_array_append_new(grants, json_pack("{s:s}", "course", course2));
		}
	}
	return json_pack("{s:s, s:s, s:o, s:o}", "name", "rule", "effective_from", "2015-01-01", "conditions", conditions,
			 "grants", grants);
}

int main(int argc, char **argv)
{
	int persons = argc > 1 ? atoi(argv[1]) : 100000;
	json_t *pj = plan_json();
	static struct programme_plan plan;
	if (plan_from_json(pj, &plan) != LL_OK) {
		fprintf(stderr, "audit_engine: plan refused: %s\n", ll_error_get(LL_INVALID_VALUE)->message);
		return 1;
	}
	static struct transfer_rule rules[RULES];
	static json_t *rule_docs[RULES];
	for (int i = 0; i < RULES; i++) {
		rule_docs[i] = rule_json(i);
		enum ll_err err = rule_from_json(rule_docs[i], &plan, &rules[i]);
		if (err != LL_OK) {
			fprintf(stderr, "audit_engine: rule %d refused: %s %s\n", i, ll_error_get(err)->field,
				ll_error_get(err)->message);
			return 1;
		}
		rules[i].id = "rule";
		rules[i].version = 1;
	}
	static char codes[400][16], courses[COURSES][16], ids[OUTCOMES_PER_PERSON][16];
	for (int i = 0; i < 400; i++)
		snprintf(codes[i], sizeof(codes[i]), "CERT-%03d", i);
	for (int i = 0; i < COURSES; i++)
		snprintf(courses[i], sizeof(courses[i]), "%05d", 100 + i);
	for (int i = 0; i < OUTCOMES_PER_PERSON; i++)
		snprintf(ids[i], sizeof(ids[i]), "outcome-%d", i);
	static const char *const scores[] = { "45", "61", "75", "88", "92" };
	static const char *const dates[] = { "2012-06-30", "2019-06-30", "2023-06-30", "2025-12-31" };
	struct audit_outcome outcomes[OUTCOMES_PER_PERSON];
	long available = 0;
	size_t bytes = 0;
	struct arena scratch;
	arena_init(&scratch, 0);
	struct buf text;
	buf_init(&text);
	double t0 = now_s();
	for (int p = 0; p < persons; p++) {
		int n = OUTCOMES_PER_PERSON - (int)rnd(6);
		for (int k = 0; k < n; k++) {
			struct audit_outcome *o = &outcomes[k];
			*o = (struct audit_outcome){ .id = ids[k], .title = "成果", .level = -1, .credits_milli = -1,
						     .hours_milli = -1, .awarded_on = dates[rnd(4)] };
			uint32_t what = rnd(10);
			if (what < 4) {
				o->kind = KIND_ACADEMIC_CREDIT;
				o->code = courses[rnd(COURSES)];
				o->result_kind = RESULT_SCORE;
				o->result = scores[rnd(5)];
			} else if (what < 7) {
				o->kind = KIND_VOCATIONAL_CERTIFICATE;
				o->code = codes[rnd(400)];
				o->result_kind = RESULT_SCORE;
				o->result = scores[rnd(5)];
			} else if (what < 8) {
				o->kind = KIND_PROFESSIONAL_QUALIFICATION;
				o->code = "PQ-000";
			} else {
				o->kind = KIND_COMMUNITY_EDUCATION;
				o->hours_milli = rnd(2) ? 16000 : 8000;
			}
		}
		arena_reset(&scratch);
		struct audit_input in = { .plan = &plan, .rules = rules, .n_rules = RULES, .outcomes = outcomes,
					  .n_outcomes = n, .as_of = "2026-11-24", .scratch = &scratch };
		json_t *report;
		if (transfer_audit(&in, &report) != LL_OK) {
			fprintf(stderr, "audit_engine: audit failed: %s\n", ll_error_get(LL_INTERNAL)->message);
			return 1;
		}
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(report, "courses"), i, c)
			available += strcmp(json_string_value(json_object_get(c, "status")), "available") == 0;
		buf_reset(&text);
		if (!json_dump_compact(report, &text)) {
			fprintf(stderr, "audit_engine: out of memory\n");
			return 1;
		}
		bytes += text.len;
		json_decref(report);
	}
	double t1 = now_s();
	printf("%d %.3f %ld %zu\n", persons, t1 - t0, available, persons > 0 ? bytes / (size_t)persons : 0);
	arena_release(&scratch);
	buf_release(&text);
	for (int i = 0; i < RULES; i++)
		json_decref(rule_docs[i]);
	json_decref(pj);
	return 0;
}
