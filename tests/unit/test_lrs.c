/*
 * The learning record store's statement rules without a database: each rule of xAPI 1.0.3 that a
 * statement can break, refused with the property's path; the stored form (id, stored, authority,
 * version, contextActivities as arrays); the keys the store indexes; and the lexical checks of
 * IRIs, UUIDs, timestamps, durations and language tags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "lrs/lrs.h"
#include "json_fixture.h"

#define ACTOR "\"actor\":{\"mbox\":\"mailto:li.hua@example.cn\",\"name\":\"李华\"}"
#define VERB "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\",\"display\":{\"zh-CN\":\"完成\"}}"
#define OBJECT "\"object\":{\"id\":\"https://learn.shlll.cn/courses/elder-phone-101\"}"
#define BASE ACTOR "," VERB "," OBJECT

static const struct lrs_stamp STAMP = { .id = "01a20bb3-0585-75f0-8be1-aa12d730ffd8" };

static enum ll_err check_text(const char *text, struct lrs_statement *ret)
{
	json_t *obj = parse(text);
	ll_error_clear();
	enum ll_err err = lrs_statement_check(obj, "", &STAMP, ret);
	json_decref(obj);
	return err;
}

/* Statements each rule refuses: the code and the path of the property named. */
static const struct refusal {
	const char *why, *json;
	enum ll_err err;
	const char *field;
} REFUSALS[] = {
	{ "no actor", "{" VERB "," OBJECT "}", LL_MISSING_FIELD, "actor" },
	{ "no verb", "{" ACTOR "," OBJECT "}", LL_MISSING_FIELD, "verb" },
	{ "no object", "{" ACTOR "," VERB "}", LL_MISSING_FIELD, "object" },
	{ "a property xAPI does not define", "{" BASE ",\"colour\":\"red\"}", LL_UNKNOWN_FIELD, "colour" },
	{ "keys are case-sensitive", "{" BASE ",\"Result\":{}}", LL_UNKNOWN_FIELD, "Result" },
	{ "a null value", "{" BASE ",\"result\":null}", LL_WRONG_TYPE, "result" },
	{ "an id that is not a UUID", "{\"id\":\"AA97B177-9383-4934-8543-0F91A7A028368\"," BASE "}", LL_INVALID_VALUE, "id" },
	{ "an id with a letter past f", "{\"id\":\"MA97B177-9383-4934-8543-0F91A7A02836\"," BASE "}", LL_INVALID_VALUE, "id" },
	{ "an agent with two identifiers",
	  "{\"actor\":{\"mbox\":\"mailto:a@b.cn\",\"openid\":\"https://id.example.cn/a\"}," VERB "," OBJECT "}",
	  LL_INVALID_VALUE, "actor" },
	{ "an agent with none", "{\"actor\":{\"name\":\"李华\"}," VERB "," OBJECT "}", LL_MISSING_FIELD, "actor" },
	{ "an mbox without mailto:", "{\"actor\":{\"mbox\":\"a@b.cn\"}," VERB "," OBJECT "}", LL_INVALID_VALUE,
	  "actor.mbox" },
	{ "an mbox_sha1sum that is not 40 hex digits", "{\"actor\":{\"mbox_sha1sum\":\"abc\"}," VERB "," OBJECT "}",
	  LL_INVALID_VALUE, "actor.mbox_sha1sum" },
	{ "an account without a name",
	  "{\"actor\":{\"account\":{\"homePage\":\"https://ll.sh.cn\"}}," VERB "," OBJECT "}", LL_MISSING_FIELD,
	  "actor.account.name" },
	{ "an account whose homePage is no IRI",
	  "{\"actor\":{\"account\":{\"homePage\":\"ll.sh.cn\",\"name\":\"3100\"}}," VERB "," OBJECT "}",
	  LL_INVALID_VALUE, "actor.account.homePage" },
	{ "an objectType in the wrong case", "{\"actor\":{\"objectType\":\"agent\",\"mbox\":\"mailto:a@b.cn\"}," VERB
					     "," OBJECT "}", LL_INVALID_VALUE, "actor.objectType" },
	{ "an anonymous group without members", "{\"actor\":{\"objectType\":\"Group\",\"member\":[]}," VERB "," OBJECT "}",
	  LL_MISSING_FIELD, "actor" },
	{ "a group as a group's member",
	  "{\"actor\":{\"objectType\":\"Group\",\"member\":[{\"objectType\":\"Group\",\"mbox\":\"mailto:g@b.cn\"}]},"
	  VERB "," OBJECT "}", LL_INVALID_VALUE, "actor.member[0]" },
	{ "a member property on an agent", "{\"actor\":{\"mbox\":\"mailto:a@b.cn\",\"member\":[]}," VERB "," OBJECT "}",
	  LL_UNKNOWN_FIELD, "actor.member" },
	{ "a verb without an id", "{" ACTOR ",\"verb\":{\"display\":{\"en\":\"did\"}}," OBJECT "}", LL_MISSING_FIELD,
	  "verb.id" },
	{ "a verb id that is no IRI", "{" ACTOR ",\"verb\":{\"id\":\"completed\"}," OBJECT "}", LL_INVALID_VALUE,
	  "verb.id" },
	{ "a display key that is no language tag",
	  "{" ACTOR ",\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\",\"display\":{\"not a tag\":\"x\"}},"
	  OBJECT "}", LL_INVALID_VALUE, "verb.display.not a tag" },
	{ "an activity without an id", "{" ACTOR "," VERB ",\"object\":{\"objectType\":\"Activity\"}}", LL_MISSING_FIELD,
	  "object.id" },
	{ "an unknown objectType", "{" ACTOR "," VERB ",\"object\":{\"objectType\":\"Thing\",\"id\":\"https://a.cn\"}}",
	  LL_INVALID_VALUE, "object.objectType" },
	{ "an agent object without objectType", "{" ACTOR "," VERB ",\"object\":{\"mbox\":\"mailto:x@y.cn\"}}",
	  LL_UNKNOWN_FIELD, "object.mbox" },
	{ "an unknown interactionType",
	  "{" ACTOR "," VERB ",\"object\":{\"id\":\"https://a.cn/q1\",\"definition\":{\"interactionType\":\"essay\"}}}",
	  LL_INVALID_VALUE, "object.definition.interactionType" },
	{ "choices on a true-false interaction",
	  "{" ACTOR "," VERB ",\"object\":{\"id\":\"https://a.cn/q1\",\"definition\":{\"interactionType\":\"true-false\","
	  "\"choices\":[{\"id\":\"a\"}]}}}", LL_INVALID_VALUE, "object.definition.choices" },
	{ "two choices with one id",
	  "{" ACTOR "," VERB ",\"object\":{\"id\":\"https://a.cn/q1\",\"definition\":{\"interactionType\":\"choice\","
	  "\"choices\":[{\"id\":\"a\"},{\"id\":\"a\"}]}}}", LL_INVALID_VALUE, "object.definition.choices[1]" },
	{ "a StatementRef whose id is no UUID",
	  "{" ACTOR "," VERB ",\"object\":{\"objectType\":\"StatementRef\",\"id\":\"x\"}}", LL_INVALID_VALUE, "object.id" },
	{ "a sub-statement inside a sub-statement",
	  "{" ACTOR "," VERB ",\"object\":{\"objectType\":\"SubStatement\"," ACTOR "," VERB ",\"object\":{\"objectType\":"
	  "\"SubStatement\"," BASE "}}}", LL_INVALID_VALUE, "object.object" },
	{ "an id on a sub-statement",
	  "{" ACTOR "," VERB ",\"object\":{\"objectType\":\"SubStatement\",\"id\":\"" "01a20bb3-0585-75f0-8be1-aa12d730ffd8"
	  "\"," BASE "}}", LL_UNKNOWN_FIELD, "object.id" },
	{ "a voiding statement whose object is an activity",
	  "{" ACTOR ",\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"}," OBJECT "}", LL_INVALID_VALUE, "object" },
	{ "a scaled score above 1", "{" BASE ",\"result\":{\"score\":{\"scaled\":1.5}}}", LL_INVALID_VALUE,
	  "result.score.scaled" },
	{ "a raw score below min", "{" BASE ",\"result\":{\"score\":{\"raw\":-1,\"min\":0,\"max\":100}}}",
	  LL_INVALID_VALUE, "result.score.raw" },
	{ "max not above min", "{" BASE ",\"result\":{\"score\":{\"min\":10,\"max\":10}}}", LL_INVALID_VALUE,
	  "result.score.max" },
	{ "success that is a string", "{" BASE ",\"result\":{\"success\":\"yes\"}}", LL_WRONG_TYPE, "result.success" },
	{ "a duration that is not ISO 8601", "{" BASE ",\"result\":{\"duration\":\"90 minutes\"}}", LL_INVALID_VALUE,
	  "result.duration" },
	{ "a registration that is no UUID", "{" BASE ",\"context\":{\"registration\":\"r-1\"}}", LL_INVALID_VALUE,
	  "context.registration" },
	{ "a team that is an agent", "{" BASE ",\"context\":{\"team\":{\"mbox\":\"mailto:t@b.cn\"}}}", LL_INVALID_VALUE,
	  "context.team" },
	{ "revision when the object is an agent",
	  "{" ACTOR "," VERB ",\"object\":{\"objectType\":\"Agent\",\"mbox\":\"mailto:x@y.cn\"},\"context\":{\"revision\":"
	  "\"2\"}}", LL_INVALID_VALUE, "context.revision" },
	{ "an unknown contextActivities key",
	  "{" BASE ",\"context\":{\"contextActivities\":{\"parents\":[{\"id\":\"https://a.cn\"}]}}}", LL_UNKNOWN_FIELD,
	  "context.contextActivities.parents" },
	{ "a context activity without an id",
	  "{" BASE ",\"context\":{\"contextActivities\":{\"parent\":[{\"id\":\"https://a.cn\"},{}]}}}", LL_MISSING_FIELD,
	  "context.contextActivities.parent[1].id" },
	{ "a language that is no tag", "{" BASE ",\"context\":{\"language\":\"zh_CN\"}}", LL_INVALID_VALUE,
	  "context.language" },
	{ "an extension key that is no IRI", "{" BASE ",\"result\":{\"extensions\":{\"level\":3}}}", LL_INVALID_VALUE,
	  "result.extensions.level" },
	{ "a timestamp with a space for the T", "{" BASE ",\"timestamp\":\"2026-11-24 09:30:00Z\"}", LL_INVALID_VALUE,
	  "timestamp" },
	{ "an empty language map", "{" ACTOR ",\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\",\"display\":{}},"
	  OBJECT "}", LL_INVALID_VALUE, "verb.display" },
	{ "an empty contextActivities", "{" BASE ",\"context\":{\"contextActivities\":{}}}", LL_INVALID_VALUE,
	  "context.contextActivities" },
	{ "an authority that is an identified group",
	  "{" BASE ",\"authority\":{\"objectType\":\"Group\",\"mbox\":\"mailto:g@b.cn\",\"member\":[{\"mbox\":"
	  "\"mailto:a@b.cn\"},{\"mbox\":\"mailto:c@b.cn\"}]}}", LL_INVALID_VALUE, "authority" },
	{ "a signature that is not application/octet-stream",
	  "{" BASE ",\"attachments\":[{\"usageType\":\"http://adlnet.gov/expapi/attachments/signature\","
	  "\"display\":{\"en\":\"signature\"},\"contentType\":\"application/jose\",\"length\":12,\"sha2\":\""
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}]}", LL_INVALID_VALUE,
	  "attachments[0].contentType" },
	{ "a timestamp with the unknown offset -00:00", "{" BASE ",\"timestamp\":\"2026-11-24T09:30:00-00:00\"}",
	  LL_INVALID_VALUE, "timestamp" },
	{ "version 2.0.0", "{" BASE ",\"version\":\"2.0.0\"}", LL_INVALID_VALUE, "version" },
	{ "version 1.1.0", "{" BASE ",\"version\":\"1.1.0\"}", LL_INVALID_VALUE, "version" },
	{ "an attachment without a sha2",
	  "{" BASE ",\"attachments\":[{\"usageType\":\"http://id.tincanapi.com/attachment/certificate\","
	  "\"display\":{\"zh-CN\":\"证书\"},\"contentType\":\"application/pdf\",\"length\":12}]}", LL_MISSING_FIELD,
	  "attachments[0].sha2" },
	{ "an attachment without a display",
	  "{" BASE ",\"attachments\":[{\"usageType\":\"http://id.tincanapi.com/attachment/certificate\","
	  "\"contentType\":\"application/pdf\",\"length\":12,\"sha2\":\"" "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	  "\"}]}", LL_MISSING_FIELD, "attachments[0]" },
	{ "an authority group of three",
	  "{" BASE ",\"authority\":{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:a@b.cn\"},{\"mbox\":"
	  "\"mailto:c@b.cn\"},{\"mbox\":\"mailto:d@b.cn\"}]}}", LL_INVALID_VALUE, "authority" },
};

static void test_each_rule_refuses_with_its_path(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(REFUSALS) / sizeof(REFUSALS[0]); i++) {
		const struct refusal *r = &REFUSALS[i];
		struct lrs_statement s = { 0 };
		enum ll_err err = check_text(r->json, &s);
		if (err != r->err || strcmp(ll_error_get(err)->field, r->field) != 0)
			fail_msg("%s: got %s at '%s' (%s), want %s at '%s'", r->why, ll_err_code(err),
				 ll_error_get(err)->field, ll_error_get(err)->message, ll_err_code(r->err), r->field);
		assert_null(s.json);
	}
}

static void test_a_batch_prefix_leads_the_path(void **state)
{
	(void)state;
	json_t *obj = parse("{" ACTOR ",\"verb\":{\"id\":\"completed\"}," OBJECT "}");
	struct lrs_statement s;
	assert_int_equal(lrs_statement_check(obj, "[3]", &STAMP, &s), LL_INVALID_VALUE);
	assert_string_equal(ll_error_get(LL_INVALID_VALUE)->field, "[3].verb.id");
	json_decref(obj);
}

static void test_stored_form_and_keys(void **state)
{
	(void)state;
	json_t *authority = parse("{\"objectType\":\"Agent\",\"account\":{\"homePage\":\"https://ll.sh.cn/xapi/clients\","
				  "\"name\":\"shou-moodle\"}}");
	struct lrs_stamp stamp = STAMP;
	stamp.authority = authority;
	json_t *obj = parse("{\"actor\":{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:a@b.cn\"},"
			    "{\"account\":{\"homePage\":\"https://ll.sh.cn\",\"name\":\"3100000000000011\"}}]},"
			    VERB "," OBJECT ",\"context\":{\"registration\":\"AA97B177-9383-4934-8543-0F91A7A02836\","
			    "\"instructor\":{\"mbox_sha1sum\":\"ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD\"},"
			    "\"contextActivities\":{\"parent\":{\"id\":\"https://learn.shlll.cn/courses\"},"
			    "\"category\":[{\"id\":\"https://w3id.org/xapi/seriousgames\"}]}},"
			    "\"authority\":{\"mbox\":\"mailto:claims@b.cn\"}}");
	struct lrs_statement s;
	assert_int_equal(lrs_statement_check(obj, "", &stamp, &s), LL_OK);
	/* The LRS's own properties. */
	assert_string_equal(json_string_value(json_object_get(s.json, "id")), STAMP.id);
	assert_string_equal(s.id, STAMP.id);
	/* Stored and timestamp are the store's to set. */
	assert_null(json_object_get(s.json, "stored"));
	assert_null(json_object_get(s.json, "timestamp"));
	assert_false(s.has_timestamp);
	assert_string_equal(json_string_value(json_object_get(s.json, "version")), "1.0.0");
	assert_true(json_equal(json_object_get(s.json, "authority"), authority));
	/* A single context activity becomes an array of one. */
	json_t *parent = json_object_get(json_object_get(json_object_get(s.json, "context"), "contextActivities"), "parent");
	assert_true(json_is_array(parent));
	assert_int_equal(json_array_size(parent), 1);
	/* Index keys. */
	assert_null(s.actor_key);
	assert_int_equal(s.n_member_keys, 2);
	assert_string_equal(s.member_keys[0], "mbox:mailto:a@b.cn");
	assert_string_equal(s.member_keys[1], "account:https://ll.sh.cn 3100000000000011");
	assert_string_equal(s.verb_id, "http://adlnet.gov/expapi/verbs/completed");
	assert_string_equal(s.object_activity, "https://learn.shlll.cn/courses/elder-phone-101");
	assert_string_equal(s.registration, "aa97b177-9383-4934-8543-0f91a7a02836");
	assert_int_equal(s.n_related_activities, 2);
	assert_string_equal(s.related_activities[0], "https://learn.shlll.cn/courses");
	assert_string_equal(s.related_activities[1], "https://w3id.org/xapi/seriousgames");
	assert_int_equal(s.n_related_agents, 2);
	assert_string_equal(s.related_agents[0], "sha1:abcdefabcdefabcdefabcdefabcdefabcdefabcd");
	assert_string_equal(s.related_agents[1], "account:https://ll.sh.cn/xapi/clients shou-moodle");
	assert_false(s.is_voiding);
	lrs_statement_release(&s);
	json_decref(obj);
	json_decref(authority);
}

/* The statement as received is the caller's and stays as it was, whether or not the stored form
 * changes something below its top level (a lone context activity, in the statement or in its
 * sub-statement, made an array). */
static void test_check_leaves_the_statement_received_as_it_was(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"{" BASE ",\"context\":{\"contextActivities\":{\"parent\":[{\"id\":\"https://a.cn/c\"}]}}}",
		"{" BASE ",\"context\":{\"contextActivities\":{\"parent\":{\"id\":\"https://a.cn/c\"}}}}",
		"{" ACTOR "," VERB ",\"object\":{\"objectType\":\"SubStatement\"," BASE ","
		"\"context\":{\"contextActivities\":{\"grouping\":{\"id\":\"https://a.cn/g\"}}}}}",
	};
	json_t *authority = parse("{\"objectType\":\"Agent\",\"account\":{\"homePage\":\"https://ll.sh.cn/xapi/clients\","
				  "\"name\":\"shou-moodle\"}}");
	struct lrs_stamp stamp = STAMP;
	stamp.authority = authority;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_t *obj = parse(texts[i]);
		char *before = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
		struct lrs_statement s;
		assert_int_equal(lrs_statement_check(obj, "", &stamp, &s), LL_OK);
		char *after = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
		assert_string_equal(after, before);
		/* The stored form has what the LRS sets, and arrays. */
		assert_non_null(json_object_get(s.json, "id"));
		assert_non_null(json_object_get(s.json, "version"));
		assert_true(json_equal(json_object_get(s.json, "authority"), authority));
		const json_t *at = i == 2 ? json_object_get(s.json, "object") : s.json;
		json_t *ca = json_object_get(json_object_get(at, "context"), "contextActivities");
		assert_true(json_is_array(json_object_get(ca, i == 2 ? "grouping" : "parent")));
		free(before);
		free(after);
		lrs_statement_release(&s);
		json_decref(obj);
	}
	json_decref(authority);
}

static void test_voiding_and_sub_statement_keys(void **state)
{
	(void)state;
	struct lrs_statement s;
	assert_int_equal(check_text("{\"id\":\"01a20bb3-0585-75f0-8be1-aa12d730ffd9\"," ACTOR ",\"verb\":{\"id\":"
				    "\"http://adlnet.gov/expapi/verbs/voided\"},\"object\":{\"objectType\":\"StatementRef\","
				    "\"id\":\"AA97B177-9383-4934-8543-0F91A7A02836\"},\"timestamp\":\"2026-11-24T09:30:00+08:00\"}",
				    &s),
			 LL_OK);
	assert_true(s.is_voiding);
	assert_string_equal(s.object_statement, "aa97b177-9383-4934-8543-0f91a7a02836");
	assert_string_equal(s.id, "01a20bb3-0585-75f0-8be1-aa12d730ffd9");
	ll_time_us utc;
	assert_true(clock_parse_rfc3339("2026-11-24T01:30:00Z", &utc));
	assert_int_equal(s.timestamp_us, utc);
	lrs_statement_release(&s);

	assert_int_equal(check_text("{" ACTOR "," VERB ",\"object\":{\"objectType\":\"SubStatement\","
				    "\"actor\":{\"mbox\":\"mailto:teacher@b.cn\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/"
				    "attended\"},\"object\":{\"id\":\"https://a.cn/live/1\"},\"context\":{\"registration\":"
				    "\"AA97B177-9383-4934-8543-0F91A7A02836\"}}}",
				    &s),
			 LL_OK);
	assert_null(s.object_activity);
	assert_null(s.object_agent_key);
	assert_null(s.registration); /* a sub-statement's registration is not the statement's */
	assert_string_equal(s.related_agents[0], "mbox:mailto:teacher@b.cn");
	assert_string_equal(s.related_activities[0], "https://a.cn/live/1");
	lrs_statement_release(&s);
}

static void test_same_statement_ignores_what_the_lrs_sets(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		bool is_same;
	} pairs[] = {
		{ "{\"id\":\"x\",\"stored\":\"1\",\"timestamp\":\"1\",\"version\":\"1.0.0\",\"authority\":{}," BASE "}",
		  "{" OBJECT "," VERB "," ACTOR ",\"id\":\"y\",\"stored\":\"3\",\"timestamp\":\"3\",\"version\":\"1.0.3\"}", true },
		{ "{" BASE "}", "{" ACTOR "," VERB ",\"object\":{\"id\":\"https://learn.shlll.cn/courses/other\"}}", false },
		{ "{" BASE ",\"timestamp\":\"2026-11-24T09:30:00.000+08:00\"}", "{" BASE ",\"timestamp\":\"2026-11-24T01:30:00Z\"}",
		  true },
		{ "{" BASE ",\"timestamp\":\"2026-11-24T09:30:00+08:00\"}", "{" BASE ",\"timestamp\":\"2026-11-24T09:30:00Z\"}",
		  false },
		{ "{\"actor\":{\"mbox\":\"mailto:Li.Hua@EXAMPLE.cn\"}," VERB "," OBJECT "}",
		  "{\"actor\":{\"objectType\":\"Agent\",\"mbox\":\"mailto:Li.Hua@example.cn\"}," VERB "," OBJECT "}", true },
		{ "{\"actor\":{\"mbox\":\"mailto:li.hua@example.cn\"}," VERB "," OBJECT "}",
		  "{\"actor\":{\"mbox\":\"mailto:LI.hua@example.cn\"}," VERB "," OBJECT "}", false },
		{ "{\"actor\":{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:a@b.cn\"},{\"mbox\":\"mailto:c@b.cn\"}]},"
		  VERB "," OBJECT "}",
		  "{\"actor\":{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:c@b.cn\"},{\"mbox\":\"mailto:a@b.cn\"}]},"
		  VERB "," OBJECT "}", true },
		{ "{" ACTOR "," VERB ",\"object\":{\"id\":\"https://a.cn/1\",\"definition\":{\"name\":{\"en\":\"One\"}}}}",
		  "{" ACTOR ",\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\"},\"object\":{\"objectType\":"
		  "\"Activity\",\"id\":\"https://a.cn/1\"}}", true },
		{ "{" BASE ",\"result\":{\"score\":{\"raw\":85}}}", "{" BASE ",\"result\":{\"score\":{\"raw\":85.0}}}", true },
		{ "{" BASE ",\"result\":{\"score\":{\"raw\":85}}}", "{" BASE ",\"result\":{\"score\":{\"raw\":86}}}", false },
		{ "{" BASE ",\"context\":{\"registration\":\"AA97B177-9383-4934-8543-0F91A7A02836\"}}",
		  "{" BASE ",\"context\":{\"registration\":\"aa97b177-9383-4934-8543-0f91a7a02836\"}}", true },
		{ "{" BASE ",\"result\":{\"duration\":\"PT1.001S\"}}", "{" BASE ",\"result\":{\"duration\":\"PT1.004S\"}}", true },
		{ "{" BASE ",\"result\":{\"duration\":\"PT1.01S\"}}", "{" BASE ",\"result\":{\"duration\":\"PT1.02S\"}}", false },
		{ "{" BASE ",\"result\":{\"duration\":\"PT1.1S\"}}", "{" BASE ",\"result\":{\"duration\":\"PT1.10S\"}}", true },
		{ "{" BASE ",\"context\":{\"extensions\":{\"https://a.cn/x\":\"A\"}}}",
		  "{" BASE ",\"context\":{\"extensions\":{\"https://a.cn/x\":\"a\"}}}", false },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		json_t *a = parse(pairs[i].a), *b = parse(pairs[i].b);
		if (lrs_statement_same(a, b) != pairs[i].is_same || lrs_statement_same(b, a) != pairs[i].is_same)
			fail_msg("pair %zu should %sbe the same statement", i, pairs[i].is_same ? "" : "not ");
		json_decref(a);
		json_decref(b);
	}
}

static void test_lexical_rules(void **state)
{
	(void)state;
	assert_true(lrs_uuid_is_valid("01a20bb3-0585-75f0-8be1-aa12d730ffd8"));
	assert_true(lrs_uuid_is_valid("AA97B177-9383-4934-8543-0F91A7A02836"));
	assert_false(lrs_uuid_is_valid("01a20bb3-0585-75f0-8be1-aa12d730ffd"));
	assert_false(lrs_uuid_is_valid("01a20bb3058575f08be1aa12d730ffd8"));
	assert_true(lrs_iri_is_valid("http://adlnet.gov/expapi/verbs/completed"));
	assert_true(lrs_iri_is_valid("urn:uuid:01a20bb3-0585-75f0-8be1-aa12d730ffd8"));
	assert_true(lrs_iri_is_valid("https://例子.中国/课程"));
	assert_false(lrs_iri_is_valid("completed"));
	assert_false(lrs_iri_is_valid("http://a b"));
	assert_false(lrs_iri_is_valid("1http://a"));
	assert_false(lrs_iri_is_valid("ab=c://should.fail.com"));
	static const char *const good_tags[] = { "de", "ine", "tlh", "zh-Hant", "sr-Latn", "sr-Latn-RS", "zh-cmn-Hans-CN",
						 "sl-rozaj-biske", "de-CH-1901", "hy-Latn-IT-arevela", "de-DE",
						 "az-Arab-x-AZE-derbend", "x-whatever", "i-enochian", "en", "zh-CN",
						 "zh-Hans-CN", "es-419", "en-a-bbb-x-a-ccc", NULL };
	static const char *const bad_tags[] = { "a12345", "de-419-DE", "a-DE", "ar-a-aaa-b-bbb-a-ccc", "zh_CN", "z",
						"zh-", "zh-toolongsubtag", "", "x", "en--US", NULL };
	for (int i = 0; good_tags[i]; i++)
		if (!lrs_language_tag_is_valid(good_tags[i]))
			fail_msg("%s is a well-formed language tag", good_tags[i]);
	for (int i = 0; bad_tags[i]; i++)
		if (lrs_language_tag_is_valid(bad_tags[i]))
			fail_msg("%s is not a well-formed language tag", bad_tags[i]);
	static const char *const good_durations[] = { "PT1H0M0.1S", "PT4H35M59.14S", "PT16559.14S", "P3Y1M29DT4H35M59.14S",
						      "P3Y", "P4W", "PT1H30M", "P1DT2.5S", "P0.5D", NULL };
	static const char *const bad_durations[] = { "PA1H0M0S", "should fail", "P", "PT", "PT1H30", "1H", "PT1M1H",
						     "P4W1D", "P1.5YT1H", "P1DT", "P0003-01-29T04:35:59", NULL };
	for (int i = 0; good_durations[i]; i++)
		if (!lrs_duration_is_valid(good_durations[i]))
			fail_msg("%s is an ISO 8601 duration", good_durations[i]);
	for (int i = 0; bad_durations[i]; i++)
		if (lrs_duration_is_valid(bad_durations[i]))
			fail_msg("%s is not an ISO 8601 duration xAPI allows", bad_durations[i]);
	int64_t t, utc;
	assert_true(lrs_timestamp_parse("2026-11-24T01:30:00Z", &utc));
	static const char *const same_instant[] = { "2026-11-24T09:30:00+08:00", "2026-11-24T09:30:00+0800",
						    "2026-11-24T09:30:00+08", "2026-11-24T01:30:00", "2026-11-23T20:30:00-05:00",
						    NULL };
	for (int i = 0; same_instant[i]; i++) {
		if (!lrs_timestamp_parse(same_instant[i], &t))
			fail_msg("%s is an ISO 8601 date and time", same_instant[i]);
		assert_int_equal(t, utc);
	}
	assert_true(lrs_timestamp_parse("2026-11-24T09:30:00.123+08:00", &t));
	assert_int_equal(t, utc + 123000);
	static const char *const bad_times[] = { "2026-11-24", "01/011/2015", "should fail", "2026-11-24T01:30:00-00:00",
						 "2026-11-24T01:30:00-0000", "2026-11-24T01:30:00-00", "2026-11-24T01:30:00+8",
						 "2026-11-24T01:30:00+08:", "2026-13-24T01:30:00Z", NULL };
	for (int i = 0; bad_times[i]; i++)
		if (lrs_timestamp_parse(bad_times[i], &t))
			fail_msg("%s is not a timestamp xAPI allows", bad_times[i]);
	char text[32];
	lrs_time_format(utc + 123456, text);
	assert_string_equal(text, "2026-11-24T01:30:00.123Z");
}

static void test_actor_key_of_a_query_agent(void **state)
{
	(void)state;
	char key[LRS_KEY_MAX];
	json_t *a = parse("{\"objectType\":\"Agent\",\"account\":{\"homePage\":\"https://ll.sh.cn\",\"name\":\"3100\"}}");
	assert_int_equal(lrs_actor_key(a, "agent", key), LL_OK);
	assert_string_equal(key, "account:https://ll.sh.cn 3100");
	/* An address's domain is case-insensitive, its local part is not. */
	json_t *m = parse("{\"mbox\":\"mailto:Li.Hua@EXAMPLE.Cn\"}");
	assert_int_equal(lrs_actor_key(m, "agent", key), LL_OK);
	assert_string_equal(key, "mbox:mailto:Li.Hua@example.cn");
	json_decref(m);
	json_t *g = parse("{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:a@b.cn\"}]}");
	assert_int_equal(lrs_actor_key(g, "agent", key), LL_INVALID_VALUE);
	assert_string_equal(ll_error_get(LL_INVALID_VALUE)->field, "agent");
	json_decref(a);
	json_decref(g);
}

static void test_versions_of_1_0(void **state)
{
	(void)state;
	static const char *const taken[] = { "1.0", "1.0.0", "1.0.3", "1.0.10", "1.0.0-beta", "1.0.3-rc.1" };
	static const char *const refused[] = { "1.0.", "1.0.x", "1.0.3-", "1.0.3-beta!", "1.0.3 ", "1.1.0",
						"0.95", "10.0.0", "" };
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (!lrs_version_is_1_0(taken[i]))
			fail_msg("'%s' is refused", taken[i]);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (lrs_version_is_1_0(refused[i]))
			fail_msg("'%s' is taken", refused[i]);
	/* A statement keeps the version it was sent with. */
	struct lrs_statement s = { 0 };
	assert_int_equal(check_text("{" BASE ",\"version\":\"1.0.10\"}", &s), LL_OK);
	assert_string_equal(json_string_value(json_object_get(s.json, "version")), "1.0.10");
	lrs_statement_release(&s);
}

/* A sub-statement's attachments are the statement's to receive, and count with its own towards
 * the limit. */
static void test_sub_statement_attachments(void **state)
{
	(void)state;
	json_t *att = json_pack("{s:s, s:{s:s}, s:s, s:i, s:s}", "usageType", "http://id.tincanapi.com/attachment/certificate",
				"display", "zh-CN", "证书", "contentType", "application/pdf", "length", 12, "sha2",
				"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	json_t *st = parse("{" ACTOR "," VERB ",\"object\":{\"objectType\":\"SubStatement\"," BASE "}}");
	json_t *own = json_array(), *sub = json_array();
	json_object_set_new(st, "attachments", own);
	json_object_set_new(json_object_get(st, "object"), "attachments", sub);
	json_array_append(own, att);
	json_array_append(sub, att);
	json_array_append(sub, att);
	struct lrs_statement s;
	ll_error_clear();
	assert_int_equal(lrs_statement_check(st, "", &STAMP, &s), LL_OK);
	assert_int_equal(s.n_attachments, 3);
	const struct lrs_attachment_ref *mine = NULL, *second = NULL;
	for (int i = 0; i < s.n_attachments; i++)
		if (!s.attachments[i].is_sub)
			mine = &s.attachments[i];
		else if (s.attachments[i].index == 1)
			second = &s.attachments[i];
	assert_non_null(mine);
	assert_non_null(second);
	char path[96];
	lrs_attachment_path(second, "[4].", "sha2", path, sizeof(path));
	assert_string_equal(path, "[4].object.attachments[1].sha2");
	lrs_attachment_path(mine, "", "", path, sizeof(path));
	assert_string_equal(path, "attachments[0]");
	lrs_statement_release(&s);
	/* 31 of its own and 2 of its sub-statement's are one too many. */
	for (int i = 1; i < LRS_ATTACHMENTS_MAX - 1; i++)
		json_array_append(own, att);
	assert_int_equal(lrs_statement_check(st, "", &STAMP, &s), LL_OUT_OF_RANGE);
	assert_string_equal(ll_error_get(LL_OUT_OF_RANGE)->field, "attachments");
	json_array_remove(sub, 0);
	assert_int_equal(lrs_statement_check(st, "", &STAMP, &s), LL_OK);
	assert_int_equal(s.n_attachments, LRS_ATTACHMENTS_MAX);
	lrs_statement_release(&s);
	json_decref(st);
	json_decref(att);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_rule_refuses_with_its_path),
		cmocka_unit_test(test_a_batch_prefix_leads_the_path),
		cmocka_unit_test(test_stored_form_and_keys),
		cmocka_unit_test(test_check_leaves_the_statement_received_as_it_was),
		cmocka_unit_test(test_voiding_and_sub_statement_keys),
		cmocka_unit_test(test_same_statement_ignores_what_the_lrs_sets),
		cmocka_unit_test(test_lexical_rules),
		cmocka_unit_test(test_actor_key_of_a_query_agent),
		cmocka_unit_test(test_versions_of_1_0),
		cmocka_unit_test(test_sub_statement_attachments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
