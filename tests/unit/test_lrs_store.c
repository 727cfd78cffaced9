/*
 * The learning record store on a real database: statements stored with their IRIs numbered once,
 * read back by id; a statement sent again with the same content stored as nothing, with other
 * content refused with its whole request while the other requests of the same commit are stored;
 * voiding (before or after its target arrives; never of a voiding statement); the lifelong account
 * a statement is about; related agents and activities; attachments kept once; and two writers of
 * one id at once, of which one wins; agents of other identifiers that a person claimed with a
 * platform's code. Every case runs on SQLite and, when LIFELONG_TEST_PG names a
 * server, on PostgreSQL, from an empty migrated database (ledger_fixture.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "lrs/lrs.h"
#include "ledger_fixture.h"
#include "json_fixture.h"

#define HOME "https://ll.sh.cn"
#define VERB "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\"}"
#define OBJECT "\"object\":{\"id\":\"https://learn.shlll.cn/courses/elder-phone-101\"}"
#define MBOX_ACTOR "\"actor\":{\"mbox\":\"mailto:li.hua@example.cn\"}"

static const char *const IDS[] = {
	"01a20bb3-0585-75f0-8be1-aa12d730ff01", "01a20bb3-0585-75f0-8be1-aa12d730ff02",
	"01a20bb3-0585-75f0-8be1-aa12d730ff03", "01a20bb3-0585-75f0-8be1-aa12d730ff04",
};

/* A batch of the given statements (JSON texts) from client "client-1". */
struct test_batch {
	struct lrs_batch b;
	struct lrs_statement s[4];
};

static void batch_make(struct test_batch *t, const char *const *texts, int n)
{
	memset(t, 0, sizeof(*t));
	static int stamp_no;
	for (int i = 0; i < n; i++) {
		char id[40];
		snprintf(id, sizeof(id), "01a20bb3-0585-75f0-8be1-%012d", ++stamp_no);
		struct lrs_stamp stamp = { .id = id };
		json_t *obj = parse(texts[i]);
		assert_ok(lrs_statement_check(obj, "", &stamp, &t->s[i]));
		json_decref(obj);
	}
	t->b.statements = t->s;
	t->b.n = n;
	t->b.client_id = "client-1";
}

static void batch_release(struct test_batch *t)
{
	for (int i = 0; i < t->b.n; i++)
		lrs_statement_release(&t->s[i]);
}

static enum ll_err store_one(struct fx *f, struct lrs_cache *cache, struct test_batch *t)
{
	struct lrs_batch *list[] = { &t->b };
	return lrs_batches_store(f->st, NULL, cache, HOME, list, 1);
}

static char *statement_text(const char *id, const char *rest)
{
	char *text = malloc(2048);
	snprintf(text, 2048, "{\"id\":\"%s\",%s}", id, rest);
	return text;
}

static void test_statements_are_stored_and_read_back_with_iris_numbered_once(void **state)
{
	struct fx *f = *state;
	struct lrs_cache *cache = lrs_cache_new();
	char *a = statement_text(IDS[0], MBOX_ACTOR "," VERB "," OBJECT);
	char *b = statement_text(IDS[1], MBOX_ACTOR "," VERB ",\"object\":{\"id\":\"https://learn.shlll.cn/courses/2\"}");
	struct test_batch t;
	const char *texts[] = { a, b };
	batch_make(&t, texts, 2);
	assert_ok(store_one(f, cache, &t));
	assert_int_equal(t.b.err, LL_OK);
	assert_int_equal(t.b.stored, 2);
	/* The actor, the verb and two activities: four IRIs, each once. */
	assert_int_equal(count_rows(f->st, "lrs_iris"), 4);
	assert_int_equal(count_rows(f->st, "lrs_statements"), 2);
	char *body = NULL;
	assert_ok(lrs_statement_get(f->st, "01A20BB3-0585-75F0-8BE1-AA12D730FF01", false, NULL, &body));
	json_t *got = parse(body);
	/* As checked, with the time it was stored, to the millisecond, and that time as its timestamp. */
	const char *stored = json_string_value(json_object_get(got, "stored"));
	assert_non_null(stored);
	assert_int_equal(strlen(stored), 24);
	assert_string_equal(json_string_value(json_object_get(got, "timestamp")), stored);
	json_object_del(got, "stored");
	json_object_del(got, "timestamp");
	assert_true(json_equal(got, t.s[0].json));
	json_decref(got);
	free(body);
	/* Not voided, so not found as a voided statement. */
	assert_fails(lrs_statement_get(f->st, IDS[0], true, NULL, &body), LL_NOT_FOUND, "voidedStatementId");
	assert_fails(lrs_statement_get(f->st, "not-a-uuid", false, NULL, &body), LL_INVALID_VALUE, "statementId");
	batch_release(&t);
	/* The cache knows the numbers now: a statement of known IRIs numbers nothing new, with or
	 * without it. */
	char *c = statement_text(IDS[2], MBOX_ACTOR "," VERB "," OBJECT);
	const char *more[] = { c };
	batch_make(&t, more, 1);
	assert_ok(store_one(f, cache, &t));
	assert_int_equal(count_rows(f->st, "lrs_iris"), 4);
	batch_release(&t);
	char *d = statement_text(IDS[3], MBOX_ACTOR "," VERB "," OBJECT);
	const char *again[] = { d };
	batch_make(&t, again, 1);
	assert_ok(store_one(f, NULL, &t));
	assert_int_equal(count_rows(f->st, "lrs_iris"), 4);
	assert_int_equal(count_rows(f->st, "lrs_statements"), 4);
	batch_release(&t);
	free(a), free(b), free(c), free(d);
	lrs_cache_free(cache);
}

static void test_same_id_same_content_is_nothing_other_content_refuses_its_request_only(void **state)
{
	struct fx *f = *state;
	char *a = statement_text(IDS[0], MBOX_ACTOR "," VERB "," OBJECT);
	struct test_batch t;
	const char *one[] = { a };
	batch_make(&t, one, 1);
	assert_ok(store_one(f, NULL, &t));
	batch_release(&t);
	int64_t iris = count_rows(f->st, "lrs_iris");

	/* Sent again (another stored time and version): stored as nothing. */
	char *a_again = statement_text(IDS[0], MBOX_ACTOR "," VERB "," OBJECT ",\"version\":\"1.0.3\"");
	const char *again[] = { a_again };
	batch_make(&t, again, 1);
	assert_ok(store_one(f, NULL, &t));
	assert_int_equal(t.b.err, LL_OK);
	assert_int_equal(t.b.stored, 0);
	assert_int_equal(count_rows(f->st, "lrs_statements"), 1);
	batch_release(&t);

	/* A request whose third statement takes the id with other content: none of it is stored;
	 * another request in the same commit is. */
	char *x = statement_text(IDS[1], MBOX_ACTOR "," VERB ",\"object\":{\"id\":\"https://a.cn/x\"}");
	char *y = statement_text(IDS[2], MBOX_ACTOR "," VERB ",\"object\":{\"id\":\"https://a.cn/y\"}");
	char *changed = statement_text(IDS[0], MBOX_ACTOR "," VERB ",\"object\":{\"id\":\"https://a.cn/other\"}");
	char *z = statement_text(IDS[3], MBOX_ACTOR "," VERB "," OBJECT);
	struct test_batch bad, good;
	const char *bad_texts[] = { x, y, changed };
	const char *good_texts[] = { z };
	batch_make(&bad, bad_texts, 3);
	batch_make(&good, good_texts, 1);
	struct lrs_batch *list[] = { &bad.b, &good.b };
	assert_ok(lrs_batches_store(f->st, NULL, NULL, HOME, list, 2));
	assert_int_equal(bad.b.err, LL_CONFLICT);
	assert_string_equal(bad.b.detail.field, "id");
	assert_int_equal(bad.b.stored, 0);
	assert_int_equal(good.b.err, LL_OK);
	assert_int_equal(good.b.stored, 1);
	assert_int_equal(count_rows(f->st, "lrs_statements"), 2);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM lrs_statements WHERE id = $1", SP(SV_TEXT(IDS[1]))), 0);
	/* The refused request numbered none of its IRIs for good. */
	assert_int_equal(count_rows(f->st, "lrs_iris"), iris);
	batch_release(&bad);
	batch_release(&good);

	/* One id twice in one request. */
	char *twice = statement_text(IDS[1], MBOX_ACTOR "," VERB "," OBJECT);
	const char *dup[] = { twice, twice };
	batch_make(&t, dup, 2);
	assert_ok(store_one(f, NULL, &t));
	assert_int_equal(t.b.err, LL_INVALID_VALUE);
	assert_int_equal(count_rows(f->st, "lrs_statements"), 2);
	batch_release(&t);
	free(a), free(a_again), free(x), free(y), free(changed), free(z), free(twice);
}

#define VOIDS(target)                                                                                             \
	MBOX_ACTOR ",\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},\"object\":{\"objectType\":"       \
		   "\"StatementRef\",\"id\":\"" target "\"}"

static void test_voiding_marks_its_target_before_or_after_it_arrives_but_never_a_voiding_statement(void **state)
{
	struct fx *f = *state;
	char *target = statement_text(IDS[0], MBOX_ACTOR "," VERB "," OBJECT);
	char *voider = statement_text(IDS[1], VOIDS("01A20BB3-0585-75F0-8BE1-AA12D730FF01"));
	struct test_batch t;
	const char *texts[] = { target, voider };
	batch_make(&t, texts, 2);
	assert_ok(store_one(f, NULL, &t));
	batch_release(&t);
	char *body = NULL;
	assert_fails(lrs_statement_get(f->st, IDS[0], false, NULL, &body), LL_NOT_FOUND, "statementId");
	assert_ok(lrs_statement_get(f->st, IDS[0], true, NULL, &body));
	free(body);
	/* The voiding statement itself stays readable. */
	assert_ok(lrs_statement_get(f->st, IDS[1], false, NULL, &body));
	free(body);

	/* A voiding statement that arrives first voids its target when the target comes. */
	char *early = statement_text(IDS[2], VOIDS("01a20bb3-0585-75f0-8be1-aa12d730ff04"));
	char *late = statement_text(IDS[3], MBOX_ACTOR "," VERB "," OBJECT);
	const char *first[] = { early };
	batch_make(&t, first, 1);
	assert_ok(store_one(f, NULL, &t));
	batch_release(&t);
	const char *second[] = { late };
	batch_make(&t, second, 1);
	assert_ok(store_one(f, NULL, &t));
	batch_release(&t);
	assert_fails(lrs_statement_get(f->st, IDS[3], false, NULL, &body), LL_NOT_FOUND, NULL);
	assert_ok(lrs_statement_get(f->st, IDS[3], true, NULL, &body));
	free(body);

	/* Voiding a voiding statement voids nothing. */
	char *meta = statement_text("01a20bb3-0585-75f0-8be1-aa12d730ff05", VOIDS("01a20bb3-0585-75f0-8be1-aa12d730ff02"));
	const char *third[] = { meta };
	batch_make(&t, third, 1);
	assert_ok(store_one(f, NULL, &t));
	batch_release(&t);
	assert_ok(lrs_statement_get(f->st, IDS[1], false, NULL, &body));
	free(body);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM lrs_statements WHERE is_voided = 1", SP_NONE), 2);
	free(target), free(voider), free(early), free(late), free(meta);
}

static void test_a_lifelong_account_actor_is_its_person_and_related_iris_are_indexed(void **state)
{
	struct fx *f = *state;
	char actor[256], other[256];
	snprintf(actor, sizeof(actor), "\"actor\":{\"account\":{\"homePage\":\"" HOME "\",\"name\":\"%s\"}}", f->account[1]);
	snprintf(other, sizeof(other), "\"actor\":{\"account\":{\"homePage\":\"https://other.example\",\"name\":\"%s\"}}",
		 f->account[1]);
	char rest[1024];
	snprintf(rest, sizeof(rest),
		 "%s," VERB "," OBJECT ",\"context\":{\"instructor\":{\"mbox\":\"mailto:teacher@shou.edu.cn\"},"
		 "\"contextActivities\":{\"parent\":{\"id\":\"https://learn.shlll.cn/courses\"},"
		 "\"grouping\":[{\"id\":\"https://learn.shlll.cn\"}]}}",
		 actor);
	char *mine = statement_text(IDS[0], rest);
	snprintf(rest, sizeof(rest), "%s," VERB "," OBJECT, other);
	char *theirs = statement_text(IDS[1], rest);
	char *unknown = statement_text(IDS[2], "\"actor\":{\"account\":{\"homePage\":\"" HOME "\",\"name\":\"0000\"}},"
					       VERB "," OBJECT);
	struct test_batch t;
	const char *texts[] = { mine, theirs, unknown };
	batch_make(&t, texts, 3);
	struct lrs_cache *cache = lrs_cache_new();
	assert_ok(store_one(f, cache, &t));
	batch_release(&t);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM lrs_statements WHERE id = $1 AND person_id = $2",
				 SP(SV_TEXT(IDS[0]), SV_TEXT(person_ids[1]))),
			 1);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM lrs_statements WHERE person_id IS NULL", SP_NONE), 2);
	/* The instructor and the two context activities of the first statement. */
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM lrs_related r JOIN lrs_statements s ON s.seq = r.seq WHERE s.id = $1",
				 SP(SV_TEXT(IDS[0]))),
			 3);
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM lrs_related r JOIN lrs_iris i ON i.id = r.iri "
				 "WHERE i.iri = 'mbox:mailto:teacher@shou.edu.cn'",
				 SP_NONE),
			 1);
	lrs_cache_free(cache);
	free(mine), free(theirs), free(unknown);
}

/* A platform's claim code links its agent to the person who enters it: the statements stored so
 * far join them, later ones are linked as they are stored; a code works once; an agent is one
 * person's; undoing the claim leaves the statements about nobody. */
static void test_a_claimed_agent_is_its_persons_before_and_after_the_claim(void **state)
{
	struct fx *f = *state;
	struct lrs_cache *cache = lrs_cache_new();
	char *before = statement_text(IDS[0], MBOX_ACTOR "," VERB "," OBJECT);
	struct test_batch t;
	const char *texts[] = { before };
	batch_make(&t, texts, 1);
	assert_ok(store_one(f, cache, &t));
	batch_release(&t);
	const struct lrs_client client = { .id = "client-1", .institution_id = U1, .name = "上海学习网" };
	json_t *agent = parse("{\"mbox\":\"mailto:li.hua@example.cn\"}");
	json_t *issued = NULL;
	assert_ok(lrs_claim_code_issue(f->st, g_keys, &client, HOME, agent, &issued));
	char code[LRS_CLAIM_CODE_LEN + 1];
	snprintf(code, sizeof(code), "%s", json_string_value(json_object_get(issued, "code")));
	json_decref(issued);
	/* Nobody's until claimed; a lifelong account needs no claim. */
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM lrs_statements WHERE person_id IS NULL", SP_NONE), 1);
	char lifelong[256];
	snprintf(lifelong, sizeof(lifelong), "{\"account\":{\"homePage\":\"" HOME "\",\"name\":\"%s\"}}", f->account[0]);
	json_t *own = parse(lifelong);
	assert_int_equal(lrs_claim_code_issue(f->st, g_keys, &client, HOME, own, &issued), LL_INVALID_VALUE);
	json_decref(own);
	/* Typed in lower case without its hyphen, it still works; once. */
	char typed[16] = "";
	for (int i = 0, j = 0; code[i]; i++)
		if (code[i] != '-')
			typed[j++] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] - 'A' + 'a' : code[i]);
	json_t *claimed = NULL;
	assert_ok(lrs_claim(f->st, g_keys, person_ids[0], typed, &ACTOR, &claimed));
	assert_int_equal(json_integer_value(json_object_get(claimed, "statements")), 1);
	json_decref(claimed);
	assert_int_equal(lrs_claim(f->st, g_keys, person_ids[0], code, &ACTOR, &claimed), LL_INVALID_CLAIM_CODE);
	assert_int_equal(lrs_claim(f->st, g_keys, person_ids[0], "ABCDE-FGHJK", &ACTOR, &claimed), LL_INVALID_CLAIM_CODE);
	/* A code is good for a day. */
	json_t *other = parse("{\"account\":{\"homePage\":\"https://learn.shlll.cn\",\"name\":\"li\"}}");
	assert_ok(lrs_claim_code_issue(f->st, g_keys, &client, HOME, other, &issued));
	char late[LRS_CLAIM_CODE_LEN + 1];
	snprintf(late, sizeof(late), "%s", json_string_value(json_object_get(issued, "code")));
	json_decref(issued);
	clock_set_fixed(clock_now_us() + 24LL * 3600 * 1000000 + 1000000);
	assert_int_equal(lrs_claim(f->st, g_keys, person_ids[1], late, &ACTOR, &claimed), LL_INVALID_CLAIM_CODE);
	clock_set_fixed(0);
	json_decref(other);
	/* Another code for a claimed agent is refused. */
	assert_int_equal(lrs_claim_code_issue(f->st, g_keys, &client, HOME, agent, &issued), LL_CONFLICT);
	/* A statement stored after the claim is the person's as it is stored. */
	char *after = statement_text(IDS[1], MBOX_ACTOR "," VERB "," OBJECT);
	texts[0] = after;
	batch_make(&t, texts, 1);
	assert_ok(store_one(f, cache, &t));
	batch_release(&t);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM lrs_statements WHERE person_id = $1",
				 SP(SV_TEXT(person_ids[0]))),
			 2);
	json_t *links = NULL;
	assert_ok(lrs_claims_list(f->st, person_ids[0], &links));
	json_t *link = json_array_get(json_object_get(links, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(link, "agent")), "mbox:mailto:li.hua@example.cn");
	assert_int_equal(json_integer_value(json_object_get(link, "statements")), 2);
	char id[64];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(link, "id")));
	json_decref(links);
	assert_int_equal(lrs_claim_undo(f->st, person_ids[1], id, &ACTOR), LL_NOT_FOUND);
	assert_ok(lrs_claim_undo(f->st, person_ids[0], id, &ACTOR));
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM lrs_statements WHERE person_id IS NULL", SP_NONE), 2);
	json_decref(agent);
	lrs_cache_free(cache);
	free(before), free(after);
}

static void test_attachments_are_kept_once_by_their_hash(void **state)
{
	struct fx *f = *state;
	static const char pdf[] = "%PDF-1.4 certificate";
	const struct lrs_payload p = { "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "application/pdf",
				       pdf, sizeof(pdf) - 1, true };
	for (int i = 0; i < 2; i++) {
		char *text = statement_text(IDS[i], MBOX_ACTOR "," VERB "," OBJECT);
		struct test_batch t;
		const char *texts[] = { text };
		batch_make(&t, texts, 1);
		t.b.payloads = &p;
		t.b.n_payloads = 1;
		assert_ok(store_one(f, NULL, &t));
		batch_release(&t);
		free(text);
	}
	assert_int_equal(count_rows(f->st, "lrs_attachments"), 1);
	assert_int_equal(sql_i64(f->st, "SELECT length FROM lrs_attachments WHERE sha2 = $1", SP(SV_TEXT(p.sha2))),
			 (int64_t)sizeof(pdf) - 1);
}

/* Data whose bytes are not what its hash says is kept while there is no other, and gives way to
 * data whose bytes are; neither other unverified data nor anything else replaces verified data. */
static void test_unverified_attachment_data_gives_way_to_verified(void **state)
{
	struct fx *f = *state;
	static const char sha[] = "7063d0a4cfa93373753ad2f5a6ffcf684559fb1df3c2f0473a14ece7d4edb06a";
	static const char real[] = "here is another simple attachment", forged[] = "FORGED", other[] = "OTHER FORGED";
	const struct {
		const char *data;
		bool is_verified;
		const char *kept;
	} steps[] = {
		{ forged, false, forged }, /* the first data under the hash, unverified */
		{ other, false, forged },  /* unverified does not replace unverified */
		{ real, true, real },      /* verified replaces it */
		{ forged, false, real },   /* and stays */
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char id[40];
		snprintf(id, sizeof(id), "01a20bb3-0585-75f0-8be1-%012zu", 960000 + i);
		char *text = statement_text(id, MBOX_ACTOR "," VERB "," OBJECT);
		const struct lrs_payload p = { sha, "text/plain", steps[i].data, strlen(steps[i].data), steps[i].is_verified };
		struct test_batch t;
		const char *texts[] = { text };
		batch_make(&t, texts, 1);
		t.b.payloads = &p;
		t.b.n_payloads = 1;
		assert_ok(store_one(f, NULL, &t));
		batch_release(&t);
		free(text);
		const char *kept = steps[i].kept;
		if (sql_i64(f->st, "SELECT COUNT(*) FROM lrs_attachments WHERE sha2 = $1 AND data = $2 AND length = $3",
			    SP(SV_TEXT(sha), SV_BLOB(kept, strlen(kept)), SV_I64((int64_t)strlen(kept)))) != 1)
			fail_msg("step %zu: the data kept is not '%s'", i, kept);
		assert_int_equal(sql_i64(f->st, "SELECT is_verified FROM lrs_attachments WHERE sha2 = $1", SP(SV_TEXT(sha))),
				 kept == real);
	}
	assert_int_equal(count_rows(f->st, "lrs_attachments"), 1);
}

/* ---- Two writers of one id at once ---- */

struct writer {
	struct ll_store *st;
	const char *text;
	pthread_barrier_t *start;
	enum ll_err err, batch_err;
	int stored;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct test_batch t;
	const char *texts[] = { w->text };
	batch_make(&t, texts, 1);
	struct lrs_batch *list[] = { &t.b };
	pthread_barrier_wait(w->start);
	w->err = lrs_batches_store(w->st, NULL, NULL, HOME, list, 1);
	w->batch_err = t.b.err;
	w->stored = t.b.stored;
	batch_release(&t);
	return NULL;
}

static void test_two_writers_of_one_id_at_once_one_wins(void **state)
{
	struct fx *f = *state;
	char *a = statement_text(IDS[0], MBOX_ACTOR "," VERB ",\"object\":{\"id\":\"https://a.cn/a\"}");
	char *b = statement_text(IDS[0], MBOX_ACTOR "," VERB ",\"object\":{\"id\":\"https://a.cn/b\"}");
	for (int round = 0; round < 5; round++) {
		sql(f->st, "DELETE FROM lrs_statements", SP_NONE, NULL, NULL);
		pthread_barrier_t start;
		pthread_barrier_init(&start, NULL, 2);
		struct writer w[2] = { { .st = f->st, .text = a, .start = &start }, { .st = f->st, .text = b, .start = &start } };
		pthread_t th[2];
		for (int i = 0; i < 2; i++)
			pthread_create(&th[i], NULL, writer_main, &w[i]);
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&start);
		assert_ok(w[0].err);
		assert_ok(w[1].err);
		assert_int_equal(w[0].stored + w[1].stored, 1);
		assert_true((w[0].batch_err == LL_CONFLICT) != (w[1].batch_err == LL_CONFLICT));
		assert_int_equal(count_rows(f->st, "lrs_statements"), 1);
	}
	free(a), free(b);
}

/* ---- Queries ---- */

#define ACTIVITY(x) "\"object\":{\"id\":\"https://a.cn/" x "\"}"
#define VERB_OF(x) "\"verb\":{\"id\":\"https://v.cn/" x "\"}"
#define AGENT(x) "\"actor\":{\"mbox\":\"mailto:" x "@b.cn\"}"

/* The ids (last 2 digits) of a page, in order, as "a b c". */
static void page_ids(const struct lrs_page *p, char *out, size_t cap)
{
	out[0] = '\0';
	size_t i;
	json_t *st;
	json_array_foreach (p->statements, i, st) {
		const char *id = json_string_value(json_object_get(st, "id"));
		size_t n = strlen(out);
		snprintf(out + n, cap - n, "%s%s", n ? " " : "", id + strlen(id) - 2);
	}
}

static void expect_query(struct fx *f, const struct lrs_query *q, const char *want)
{
	struct lrs_page p;
	assert_ok(lrs_query_run(f->st, q, &p));
	char got[256];
	page_ids(&p, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("query gave [%s], want [%s]", got, want);
	json_decref(p.statements);
}

/* Statements 01..09, each in its own commit so that their order is theirs. */
static void store_each(struct fx *f, const char *const *rests, int n)
{
	for (int i = 0; i < n; i++) {
		char id[48];
		snprintf(id, sizeof(id), "01a20bb3-0585-75f0-8be1-0000000000%02d", (i + 1) % 100);
		char *text = statement_text(id, rests[i]);
		struct test_batch t;
		const char *one[] = { text };
		batch_make(&t, one, 1);
		assert_ok(store_one(f, NULL, &t));
		assert_int_equal(t.b.err, LL_OK);
		batch_release(&t);
		free(text);
	}
}

static void test_queries_match_by_each_filter_and_by_what_a_statement_refers_to(void **state)
{
	struct fx *f = *state;
	static const char *const rests[] = {
		/* 01 */ AGENT("li") "," VERB_OF("x") "," ACTIVITY("c1"),
		/* 02 */ AGENT("wang") "," VERB_OF("x") "," ACTIVITY("c1") ",\"context\":{\"instructor\":{\"mbox\":"
			 "\"mailto:li@b.cn\"},\"contextActivities\":{\"parent\":{\"id\":\"https://a.cn/course\"}}}",
		/* 03 */ AGENT("li") "," VERB_OF("y") "," ACTIVITY("c2"),
		/* 04 */ "\"actor\":{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:li@b.cn\"},"
			 "{\"mbox\":\"mailto:zhao@b.cn\"}]}," VERB_OF("y") "," ACTIVITY("c3"),
		/* 05: voids 01 */ AGENT("wang") ",\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},"
			 "\"object\":{\"objectType\":\"StatementRef\",\"id\":\"01a20bb3-0585-75f0-8be1-000000000001\"}",
		/* 06: refers to 03 */ AGENT("zhao") "," VERB_OF("z") ",\"object\":{\"objectType\":\"StatementRef\","
			 "\"id\":\"01a20bb3-0585-75f0-8be1-000000000003\"}",
		/* 07: refers to 09, stored later */ AGENT("zhao") "," VERB_OF("z") ",\"object\":{\"objectType\":"
			 "\"StatementRef\",\"id\":\"01a20bb3-0585-75f0-8be1-000000000009\"}",
		/* 08 */ AGENT("qian") "," VERB_OF("x") "," ACTIVITY("course") ",\"context\":{\"registration\":"
			 "\"aa97b177-9383-4934-8543-0f91a7a02836\"}",
		/* 09 */ AGENT("sun") "," VERB_OF("w") "," ACTIVITY("c9") ",\"context\":{\"registration\":"
			 "\"AA97B177-9383-4934-8543-0F91A7A02836\"}",
	};
	store_each(f, rests, 9);
	/* Everything but the voided 01, newest first; and oldest first. */
	expect_query(f, &(struct lrs_query){ .limit = 0 }, "09 08 07 06 05 04 03 02");
	expect_query(f, &(struct lrs_query){ .is_ascending = true }, "02 03 04 05 06 07 08 09");
	/* The verb x: 02 and 08 themselves, and 05, which voids 01 of verb x (01 itself is voided). */
	expect_query(f, &(struct lrs_query){ .verb_id = "https://v.cn/x" }, "08 05 02");
	/* Verb y: 03 and 04, and 06 that refers to 03. */
	expect_query(f, &(struct lrs_query){ .verb_id = "https://v.cn/y" }, "06 04 03");
	/* Verb w: 09, and 07, which referred to 09 before 09 arrived. */
	expect_query(f, &(struct lrs_query){ .verb_id = "https://v.cn/w" }, "09 07");
	/* The agent li: actor of 03, member of 04's group, 06 by reference to 03 and 05 by its
	 * reference to li's voided 01; not the instructor of 02 unless related agents are asked for. */
	expect_query(f, &(struct lrs_query){ .agent_key = "mbox:mailto:li@b.cn" }, "06 05 04 03");
	expect_query(f, &(struct lrs_query){ .agent_key = "mbox:mailto:li@b.cn", .is_related_agents = true },
		     "06 05 04 03 02");
	/* The activity course: 08's object, and 02's parent with related activities. */
	expect_query(f, &(struct lrs_query){ .activity_id = "https://a.cn/course" }, "08");
	expect_query(f, &(struct lrs_query){ .activity_id = "https://a.cn/course", .is_related_activities = true },
		     "08 02");
	/* A registration in either case; and 07 by reference to 09. */
	expect_query(f, &(struct lrs_query){ .registration = "aa97b177-9383-4934-8543-0f91a7a02836" }, "09 08 07");
	/* Filters together. */
	expect_query(f, &(struct lrs_query){ .agent_key = "mbox:mailto:li@b.cn", .verb_id = "https://v.cn/y",
					     .activity_id = "https://a.cn/c2" },
		     "06 03");
	expect_query(f, &(struct lrs_query){ .verb_id = "https://v.cn/x", .registration = "aa97b177-9383-4934-8543-0f91a7a02836" },
		     "08");
	/* Something never stored matches nothing. */
	expect_query(f, &(struct lrs_query){ .verb_id = "https://v.cn/never" }, "");
	expect_query(f, &(struct lrs_query){ .agent_key = "mbox:mailto:nobody@b.cn" }, "");
}

static void test_query_pages_continue_where_they_stopped_and_keep_to_time_bounds(void **state)
{
	struct fx *f = *state;
	/* The client the statements come from, a platform of U1. */
	sql(f->st, "INSERT INTO lrs_clients (id, institution_id, name, api_key, secret_hash, created_at, number) "
		   "VALUES ('client-1', $1, 'moodle', 'llx_1', $2, 1, 1)",
	    SP(SV_TEXT(U1), SV_BLOB("01234567890123456789012345678901", 32)), NULL, NULL);
	static const char *const rests[] = { AGENT("li") "," VERB_OF("x") "," ACTIVITY("c1"),
					     AGENT("li") "," VERB_OF("x") "," ACTIVITY("c2"),
					     AGENT("li") "," VERB_OF("x") "," ACTIVITY("c3"),
					     AGENT("li") "," VERB_OF("x") "," ACTIVITY("c4"),
					     AGENT("li") "," VERB_OF("x") "," ACTIVITY("c5") };
	store_each(f, rests, 5);
	struct lrs_query q = { .agent_key = "mbox:mailto:li@b.cn", .limit = 2 };
	struct lrs_page p;
	char got[64];
	const char *want[] = { "05 04", "03 02", "01" };
	for (int i = 0; i < 3; i++) {
		assert_ok(lrs_query_run(f->st, &q, &p));
		page_ids(&p, got, sizeof(got));
		assert_string_equal(got, want[i]);
		assert_int_equal(p.has_more, i < 2);
		q.after_seq = p.last_seq;
		json_decref(p.statements);
	}
	/* Stored times never go back, and the statements of a commit share one. */
	int64_t first = sql_i64(f->st, "SELECT MIN(stored_us) FROM lrs_statements", SP_NONE);
	int64_t last = sql_i64(f->st, "SELECT MAX(stored_us) FROM lrs_statements", SP_NONE);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM lrs_statements a JOIN lrs_statements b ON b.seq > a.seq "
				     "WHERE b.stored_us < a.stored_us",
				 SP_NONE),
			 0);
	assert_true(first % 1000 == 0);
	/* since is exclusive, until inclusive. */
	int64_t third = sql_i64(f->st, "SELECT stored_us FROM lrs_statements WHERE id LIKE '%03'", SP_NONE);
	struct lrs_query bounded = { .until_us = third, .is_ascending = true };
	assert_ok(lrs_query_run(f->st, &bounded, &p));
	assert_true(json_array_size(p.statements) >= 3);
	json_decref(p.statements);
	bounded = (struct lrs_query){ .since_us = last };
	expect_query(f, &bounded, "");
	/* Only what the institution's clients stored. */
	expect_query(f, &(struct lrs_query){ .institution_id = U1, .limit = 1 }, "05");
	expect_query(f, &(struct lrs_query){ .institution_id = U2 }, "");
}

/* Clients are numbered as they are issued; a statement carries its client's number, which is what
 * an institution's queries are scoped by (also when the number is remembered from before). */
static void test_issued_clients_are_numbered_and_scope_their_statements(void **state)
{
	struct fx *f = *state;
	json_t *one = NULL, *two = NULL;
	assert_ok(lrs_client_create(f->st, g_keys, U1, "user-test", "moodle", false, &ACTOR, &one));
	assert_ok(lrs_client_create(f->st, g_keys, U2, "user-test", "edx", false, &ACTOR, &two));
	const char *id_one = json_string_value(json_object_get(one, "id"));
	const char *id_two = json_string_value(json_object_get(two, "id"));
	assert_int_equal(sql_i64(f->st, "SELECT number FROM lrs_clients WHERE id = $1", SP(SV_TEXT(id_one))), 1);
	assert_int_equal(sql_i64(f->st, "SELECT number FROM lrs_clients WHERE id = $1", SP(SV_TEXT(id_two))), 2);
	struct lrs_cache *cache = lrs_cache_new();
	const char *ids[] = { id_two, id_one, id_two };
	for (int i = 0; i < 3; i++) {
		char id[48];
		snprintf(id, sizeof(id), "01a20bb3-0585-75f0-8be1-0000000000%02d", i + 1);
		char *text = statement_text(id, AGENT("li") "," VERB_OF("x") "," ACTIVITY("c1"));
		struct test_batch t;
		const char *texts[] = { text };
		batch_make(&t, texts, 1);
		t.b.client_id = ids[i];
		t.b.institution_id = i == 2 ? U2 : NULL; /* the third from the cache */
		assert_ok(store_one(f, cache, &t));
		assert_int_equal(t.b.err, LL_OK);
		batch_release(&t);
		free(text);
	}
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM lrs_statements WHERE client_no = 2", SP_NONE), 2);
	expect_query(f, &(struct lrs_query){ .agent_key = "mbox:mailto:li@b.cn", .institution_id = U2 }, "03 01");
	expect_query(f, &(struct lrs_query){ .agent_key = "mbox:mailto:li@b.cn", .institution_id = U1 }, "02");
	expect_query(f, &(struct lrs_query){ .activity_id = "https://a.cn/c1", .institution_id = U1 }, "02");
	lrs_cache_free(cache);
	json_decref(one);
	json_decref(two);
}

/* ---- The writer ---- */

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int done, conflicts;
};

static void on_done(struct lrs_batch *b, void *ctx)
{
	struct waiter *w = ctx;
	pthread_mutex_lock(&w->mu);
	w->done++;
	w->conflicts += b->err == LL_CONFLICT;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
}

#define QUEUED 64

struct hold {
	struct lrs_writer *writer;
	struct test_batch *t;
	struct waiter *w;
};

/* A writer over the fixture's store, with a cache of its own, and what its requests signal. */
struct writer_fx {
	struct lrs_cache *cache;
	struct lrs_writer *writer;
	struct waiter w;
};

static void writer_fx_start(struct fx *f, struct writer_fx *x)
{
	*x = (struct writer_fx){ .cache = lrs_cache_new(),
				 .w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 } };
	assert_non_null(x->cache);
	assert_ok(lrs_writer_start(f->st, x->cache, HOME, &x->writer));
}

/* Waits until n requests are answered. */
static void writer_fx_wait(struct writer_fx *x, int n)
{
	pthread_mutex_lock(&x->w.mu);
	while (x->w.done < n)
		pthread_cond_wait(&x->w.cond, &x->w.mu);
	pthread_mutex_unlock(&x->w.mu);
}

static void writer_fx_stop(struct writer_fx *x)
{
	x->writer = lrs_writer_stop(x->writer);
	x->cache = lrs_cache_free(x->cache);
}

/* What the writer's commit takes first: SQLite's write lock is the transaction's already. */
static void take_writers_lock(struct ll_tx *tx)
{
	if (g_is_pg)
		assert_ok(store_exec(tx, &(struct store_stmt){ "hold", "SELECT pg_advisory_xact_lock(31009)" }, SP_NONE,
				     NULL, NULL));
}

static enum ll_err hold_txn(struct ll_tx *tx, void *ctx)
{
	struct hold *h = ctx;
	take_writers_lock(tx);
	for (int i = 0; i <= QUEUED; i++)
		assert_ok(lrs_writer_submit(h->writer, &h->t[i].b, on_done, h->w));
	usleep(50 * 1000); /* the writer takes the first request and waits for the lock */
	return LL_OK;
}

static void test_writer_stores_queued_requests_in_shared_commits_and_answers_each(void **state)
{
	struct fx *f = *state;
	struct writer_fx x;
	writer_fx_start(f, &x);
	struct test_batch *t = calloc(QUEUED + 1, sizeof(*t));
	char *texts[QUEUED + 1];
	for (int i = 0; i < QUEUED; i++) {
		char id[40], rest[256];
		snprintf(id, sizeof(id), "01a20bb3-0585-75f0-8be1-%012d", 900000 + i);
		snprintf(rest, sizeof(rest), MBOX_ACTOR "," VERB ",\"object\":{\"id\":\"https://a.cn/c/%d\"}", i % 7);
		texts[i] = statement_text(id, rest);
		const char *one[] = { texts[i] };
		batch_make(&t[i], one, 1);
	}
	/* The last takes the first one's id with other content. */
	texts[QUEUED] = statement_text("01a20bb3-0585-75f0-8be1-000000900000", MBOX_ACTOR "," VERB "," OBJECT);
	const char *clash[] = { texts[QUEUED] };
	batch_make(&t[QUEUED], clash, 1);
	/* Submitted while another transaction holds the writer back, as a commit being synced does. */
	struct hold h = { x.writer, t, &x.w };
	assert_ok(store_run(f->st, STORE_WRITE, "hold the writer", hold_txn, &h));
	writer_fx_wait(&x, QUEUED + 1);
	assert_int_equal(x.w.conflicts, 1);
	assert_int_equal(t[QUEUED].b.err, LL_CONFLICT);
	struct lrs_writer_stats stats;
	lrs_writer_get_stats(x.writer, &stats);
	assert_int_equal(stats.batches, QUEUED + 1);
	assert_int_equal(stats.statements, QUEUED);
	/* Requests queued while a commit is made share the next one: the first request's commit, then
	 * one (or, had the writer looked in between, two) for the rest. */
	if (stats.commits > 3)
		fail_msg("%llu commits for %d requests queued at once", (unsigned long long)stats.commits, QUEUED + 1);
	assert_int_equal(count_rows(f->st, "lrs_statements"), QUEUED);
	writer_fx_stop(&x);
	for (int i = 0; i <= QUEUED; i++) {
		batch_release(&t[i]);
		free(texts[i]);
	}
	free(t);
}

/* Consistent-Through while a commit waits for the write lock: the time its commit began, not
 * the clock, so that a read begun then, which cannot see it yet, claims nothing it misses; once
 * stored, the statement's stored time is no earlier. An idle writer's is the clock's. */
struct through_hold {
	struct lrs_writer *writer;
	struct test_batch *t;
	struct waiter *w;
	int64_t submitted_us, through_us, asked_us;
};

static enum ll_err through_hold_txn(struct ll_tx *tx, void *ctx)
{
	struct through_hold *h = ctx;
	take_writers_lock(tx);
	h->submitted_us = clock_now_us();
	assert_ok(lrs_writer_submit(h->writer, &h->t->b, on_done, h->w));
	usleep(100 * 1000); /* the writer takes the request and waits for the lock */
	h->asked_us = clock_now_us();
	h->through_us = lrs_writer_consistent_through(h->writer);
	return LL_OK;
}

static void test_consistent_through_waits_for_a_commit_under_way(void **state)
{
	struct fx *f = *state;
	struct writer_fx x;
	writer_fx_start(f, &x);
	int64_t before = clock_now_us() / 1000 * 1000;
	int64_t idle = lrs_writer_consistent_through(x.writer);
	assert_true(idle >= before - 1000 && idle < clock_now_us());
	struct test_batch t;
	char *text = statement_text("01a20bb3-0585-75f0-8be1-000000950000", MBOX_ACTOR "," VERB "," OBJECT);
	const char *one[] = { text };
	batch_make(&t, one, 1);
	struct through_hold h = { x.writer, &t, &x.w, 0, 0, 0 };
	assert_ok(store_run(f->st, STORE_WRITE, "hold the writer", through_hold_txn, &h));
	/* A millisecond before the writer took the request (at once), a tenth of a second before it was
	 * asked. */
	if (h.through_us < h.submitted_us / 1000 * 1000 - 1000 || h.through_us > h.asked_us - 20 * 1000)
		fail_msg("consistent through %lld while a commit of a statement submitted at %lld waits (asked at %lld)",
			 (long long)h.through_us, (long long)h.submitted_us, (long long)h.asked_us);
	writer_fx_wait(&x, 1);
	assert_int_equal(t.b.err, LL_OK);
	char *body = NULL;
	assert_ok(lrs_statement_get(f->st, "01a20bb3-0585-75f0-8be1-000000950000", false, NULL, &body));
	json_t *got = json_loads(body, 0, NULL);
	int64_t stored = 0;
	assert_true(lrs_timestamp_parse(json_string_value(json_object_get(got, "stored")), &stored));
	/* After it: a query since the header finds the statement. */
	assert_true(stored > h.through_us);
	/* Idle again: the clock's, a millisecond back. */
	assert_true(lrs_writer_consistent_through(x.writer) >= h.asked_us / 1000 * 1000 - 1000);
	json_decref(got);
	free(body);
	writer_fx_stop(&x);
	batch_release(&t);
	free(text);
}

/* The columns of index name, each followed by a space. */
static enum ll_err column_row(const struct store_row *row, void *ctx)
{
	char *cols = ctx;
	size_t len = strlen(cols);
	snprintf(cols + len, 512 - len, "%s ", store_row_text(row, 0));
	return LL_OK;
}

struct columns_ctx {
	const char *index;
	char cols[512];
};

static enum ll_err columns_txn(struct ll_tx *tx, void *ctx)
{
	struct columns_ctx *c = ctx;
	c->cols[0] = '\0';
	static const struct store_stmt SQLITE = { "index columns", "SELECT name FROM pragma_index_info($1)" };
	static const struct store_stmt PG = {
		"index columns", "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
				 "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE c.relname = $1"
	};
	return store_exec(tx, g_is_pg ? &PG : &SQLITE, SP(SV_TEXT(c->index)), column_row, c->cols);
}

/* A query driven by the agent, object agent, activity or registration decides on each candidate
 * from its index alone: the index holds every column the query's other conditions read. */
static void test_query_indexes_hold_every_column_a_query_checks(void **state)
{
	struct fx *f = *state;
	static const char *const INDEXES[] = { "lrs_statements_actor", "lrs_statements_object_agent",
					       "lrs_statements_activity", "lrs_statements_registration" };
	static const char *const CHECKED[] = { "seq", "is_voided", "actor_iri", "object_agent_iri", "verb_iri",
					       "activity_iri", "registration_iri", "client_no" };
	for (size_t i = 0; i < sizeof(INDEXES) / sizeof(INDEXES[0]); i++) {
		struct columns_ctx c = { .index = INDEXES[i] };
		assert_ok(store_run(f->st, STORE_READ, "index columns", columns_txn, &c));
		for (size_t k = 0; k < sizeof(CHECKED) / sizeof(CHECKED[0]); k++) {
			char word[40];
			snprintf(word, sizeof(word), "%s ", CHECKED[k]);
			if (!strstr(c.cols, word))
				fail_msg("index %s lacks %s (it has %s)", INDEXES[i], CHECKED[k], c.cols);
		}
	}
	/* Time bounds become bounds on seq through the stored index. */
	struct columns_ctx c = { .index = "lrs_statements_stored" };
	assert_ok(store_run(f->st, STORE_READ, "index columns", columns_txn, &c));
	assert_non_null(strstr(c.cols, "stored_us "));
	assert_non_null(strstr(c.cols, "seq "));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_ledger, teardown_ledger)
	const struct CMUnitTest tests[] = {
		T(test_statements_are_stored_and_read_back_with_iris_numbered_once),
		T(test_same_id_same_content_is_nothing_other_content_refuses_its_request_only),
		T(test_voiding_marks_its_target_before_or_after_it_arrives_but_never_a_voiding_statement),
		T(test_a_lifelong_account_actor_is_its_person_and_related_iris_are_indexed),
		T(test_a_claimed_agent_is_its_persons_before_and_after_the_claim),
		T(test_attachments_are_kept_once_by_their_hash),
		T(test_unverified_attachment_data_gives_way_to_verified),
		T(test_two_writers_of_one_id_at_once_one_wins),
		T(test_writer_stores_queued_requests_in_shared_commits_and_answers_each),
		T(test_consistent_through_waits_for_a_commit_under_way),
		T(test_queries_match_by_each_filter_and_by_what_a_statement_refers_to),
		T(test_query_pages_continue_where_they_stopped_and_keep_to_time_bounds),
		T(test_query_indexes_hold_every_column_a_query_checks),
		T(test_issued_clients_are_numbered_and_scope_their_statements),
	};
#undef T
	return ledger_fixture_run("lrs store", tests, sizeof(tests) / sizeof(tests[0]));
}
