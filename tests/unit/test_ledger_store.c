/*
 * The credit bank on a real database: deposits stored at once or queued for review, idempotency by
 * external id, failed checks that leave nothing behind, the review workflow (approve, reject,
 * return and resubmit), corrections and revocations as entries that supersede the head, outcome
 * history, transcripts (current versions, totals, scoping, CSV), per-person chains across
 * interleaved appends, signed tree heads, inclusion and consistency proofs for every leaf, and
 * the verifier on a clean ledger and after each kind of tampering done with SQL behind its back.
 * Every case runs on SQLite (a file in a temporary folder) and, when LIFELONG_TEST_PG names a
 * server (scripts/pg-test.sh run sets it), again on PostgreSQL; each case starts from an empty,
 * migrated database with the reference data, four institutions and three persons.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "accounts/accounts.h"
#include "audit/audit.h"
#include "auth/roles.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/id.h"
#include "base/log.h"
#include "ledger/ledger.h"
#include "ledger/ledger_db.h"
#include "org/org.h"
#include "store/store.h"

static const char *g_url;
static bool g_is_pg;
static char g_dir[64];
static char g_sqlite_path[128];
static char g_sqlite_url[160];
static char g_keys_path[160];
static struct ll_keys *g_keys;

#define DISTRICT_A "310101000000" /* 黄浦 */
#define DISTRICT_B "310104000000" /* 徐汇 */
#define U1 "inst-university-1"
#define U2 "inst-university-2"
#define ENT "inst-enterprise"
#define CS "inst-community-school"
#define PERSONS 3
#define MAX_ENTRIES 256

static const char *const person_ids[PERSONS] = { "person-1", "person-2", "person-3" };
static const char *const person_districts[PERSONS] = { DISTRICT_A, DISTRICT_A, DISTRICT_B };

struct fx {
	struct ll_store *st;
	struct arena a;
	char account[PERSONS][ACCOUNT_NO_LEN + 1];
	int titles;   /* for unique titles of appended entries */
	const struct tamper *tamper;  /* the tampering case under test, from the initial state */
};

static const struct audit_actor ACTOR = { .id = "user-test", .role = "staff", .name = "test" };
static const struct ledger_caller REVIEWER = { .role = ROLE_REVIEWER, .user_id = "user-reviewer" };

static struct ledger_caller staff_of(const char *institution_id)
{
	return (struct ledger_caller){ .role = ROLE_STAFF, .user_id = "user-staff", .institution_id = institution_id };
}

static struct ledger_caller citizen_of(int person)
{
	return (struct ledger_caller){ .role = ROLE_CITIZEN, .user_id = "user-citizen", .person_id = person_ids[person] };
}

/* ---- SQL helpers ---- */

struct query {
	struct store_stmt stmt;
	const struct store_val *params;
	int n_params;
	store_row_fn on_row;
	void *ctx;
	int64_t changes;
};

static enum ll_err query_txn(struct ll_tx *tx, void *ctx)
{
	struct query *q = ctx;
	enum ll_err err = store_exec(tx, &q->stmt, q->params, q->n_params, q->on_row, q->ctx);
	q->changes = store_changes(tx);
	return err;
}

/* Runs one statement in its own transaction; returns the rows it changed. */
static int64_t sql(struct ll_store *st, const char *text, const struct store_val *params, int n_params,
		   store_row_fn on_row, void *ctx)
{
	struct query q = { { "test statement", text }, params, n_params, on_row, ctx, 0 };
	enum ll_err err = store_run(st, STORE_WRITE, "test", query_txn, &q);
	if (err != LL_OK)
		fail_msg("%s: %s", text, ll_error_get(err)->message);
	return q.changes;
}

static enum ll_err i64_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static int64_t sql_i64(struct ll_store *st, const char *text, const struct store_val *params, int n_params)
{
	int64_t v = -1;
	sql(st, text, params, n_params, i64_row, &v);
	return v;
}

static int64_t count_rows(struct ll_store *st, const char *table)
{
	char text[128];
	snprintf(text, sizeof(text), "SELECT COUNT(*) FROM %s", table);
	return sql_i64(st, text, SP_NONE);
}

struct counts {
	int64_t submissions, entries, audit, nodes, evidence, sths, head;
};

static struct counts counts_now(struct fx *f)
{
	return (struct counts){
		.submissions = count_rows(f->st, "submissions"),
		.entries = count_rows(f->st, "ledger_entries"),
		.audit = count_rows(f->st, "audit_log"),
		.nodes = count_rows(f->st, "ledger_nodes"),
		.evidence = count_rows(f->st, "evidence"),
		.sths = count_rows(f->st, "ledger_sth"),
		.head = sql_i64(f->st, "SELECT size FROM ledger_head WHERE id = 1", SP_NONE),
	};
}

static void assert_counts_equal(struct counts got, struct counts want)
{
	assert_int_equal(got.submissions, want.submissions);
	assert_int_equal(got.entries, want.entries);
	assert_int_equal(got.audit, want.audit);
	assert_int_equal(got.nodes, want.nodes);
	assert_int_equal(got.evidence, want.evidence);
	assert_int_equal(got.sths, want.sths);
	assert_int_equal(got.head, want.head);
}

static void assert_fails(enum ll_err got, enum ll_err want, const char *field)
{
	if (got != want)
		fail_msg("got %s (%s), want %s", ll_err_code(got), ll_error_get(got)->message, ll_err_code(want));
	if (field)
		assert_string_equal(ll_error_get(got)->field, field);
}

static void assert_ok(enum ll_err err)
{
	if (err != LL_OK)
		fail_msg("failed with %s (%s: %s)", ll_err_code(err), ll_error_get(err)->field, ll_error_get(err)->message);
}

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int64_t jint(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return json_integer_value(v);
}

/* ---- Fixtures ---- */

static const char *const SCHEMA_RESET[] = { "DROP SCHEMA public CASCADE", "CREATE SCHEMA public" };

static enum ll_err schema_reset_txn(struct ll_tx *tx, void *ctx)
{
	(void)ctx;
	enum ll_err err = LL_OK;
	for (size_t i = 0; i < sizeof(SCHEMA_RESET) / sizeof(SCHEMA_RESET[0]) && err == LL_OK; i++) {
		struct store_stmt stmt = { "schema reset", SCHEMA_RESET[i] };
		err = store_exec(tx, &stmt, SP_NONE, NULL, NULL);
	}
	return err;
}

static void sqlite_remove(void)
{
	const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char path[160];
		snprintf(path, sizeof(path), "%s%s", g_sqlite_path, suffixes[i]);
		unlink(path);
	}
}

static int type_of(const char *name)
{
	for (int i = 0; institution_types[i]; i++)
		if (strcmp(institution_types[i], name) == 0)
			return i;
	return -1;
}

static const struct store_stmt PERSON_INSERT = {
	"test person insert",
	"INSERT INTO persons (id, account_no, name, id_hash, id_sealed, id_masked, birth_date, gender, district_code, "
	"created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
};

static enum ll_err population_txn(struct ll_tx *tx, void *ctx)
{
	struct fx *f = ctx;
	static const struct {
		const char *id, *name, *type;
	} inst[] = {
		{ U1, "测试大学一", "university" },
		{ U2, "测试大学二", "university" },
		{ ENT, "测试企业", "enterprise" },
		{ CS, "测试社区学校", "community_school" },
	};
	enum ll_err err = LL_OK;
	for (size_t i = 0; i < sizeof(inst) / sizeof(inst[0]) && err == LL_OK; i++) {
		struct institution_in in = { .name = inst[i].name, .name_en = inst[i].id, .type = type_of(inst[i].type),
					     .district_code = DISTRICT_A };
		err = org_institution_insert(tx, inst[i].id, &in);
	}
	static const char *const names[PERSONS] = { "张三", "李四", "王五" };
	for (int i = 0; i < PERSONS && err == LL_OK; i++) {
		unsigned char id_hash[32], sealed[ID_NUMBER_LEN + CRYPTO_SEAL_OVERHEAD];
		memset(id_hash, i + 1, sizeof(id_hash));
		memset(sealed, 0x5a, sizeof(sealed));
		account_no_format(i + 1, f->account[i]);
		err = store_exec(tx, &PERSON_INSERT,
				 SP(SV_TEXT(person_ids[i]), SV_TEXT(f->account[i]), SV_TEXT(names[i]),
				    SV_BLOB(id_hash, sizeof(id_hash)), SV_BLOB(sealed, sizeof(sealed)),
				    SV_TEXT("310***********001X"), SV_TEXT("1990-01-01"), SV_TEXT("F"),
				    SV_TEXT(person_districts[i]), SV_I64(clock_now_us())),
				 NULL, NULL);
	}
	return err;
}

static int setup_ledger(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->tamper = *state;
	arena_init(&f->a, 0);
	if (g_is_pg) {
		struct ll_store *st = NULL;
		if (store_open(g_url, NULL, &st) != LL_OK ||
		    store_run(st, STORE_WRITE, "schema reset", schema_reset_txn, NULL) != LL_OK) {
			fprintf(stderr, "cannot empty the test database: %s\n", ll_error_get(LL_STORE)->message);
			store_close(st);
			return -1;
		}
		store_close(st);
	} else {
		sqlite_remove();
	}
	if (store_open(g_url, NULL, &f->st) != LL_OK || store_migrate(f->st, NULL) != LL_OK ||
	    org_load_reference(f->st, NULL) != LL_OK || ledger_seed_reference(f->st) != LL_OK ||
	    store_run(f->st, STORE_WRITE, "test population", population_txn, f) != LL_OK) {
		fprintf(stderr, "cannot prepare the test database\n");
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown_ledger(void **state)
{
	struct fx *f = *state;
	clock_set_fixed(0);
	if (f) {
		store_close(f->st);
		arena_release(&f->a);
		free(f);
	}
	return 0;
}

/* ---- Outcomes and calls ---- */

static struct outcome credit_of(struct fx *f, int person, const char *title, int64_t credits_milli,
				const char *awarded_on, const char *external_id)
{
	struct outcome o;
	outcome_init(&o);
	o.kind = KIND_ACADEMIC_CREDIT;
	o.account_no = f->account[person];
	o.title = title;
	o.code = "MATH101";
	o.credits_milli = credits_milli;
	o.result_kind = RESULT_GRADE;
	o.result = "A";
	o.awarded_on = awarded_on;
	o.external_id = external_id;
	return o;
}

static struct outcome qualification_of(struct fx *f, int person, const char *evidence_id, const char *external_id)
{
	struct outcome o;
	outcome_init(&o);
	o.kind = KIND_ACADEMIC_QUALIFICATION;
	o.account_no = f->account[person];
	o.title = "计算机科学与技术（本科）";
	o.code = "080901";
	o.level = 7;
	o.started_on = "2022-09-01";
	o.awarded_on = "2026-06-30";
	o.certificate_no = "102471202605001234";
	o.evidence_id = evidence_id;
	o.external_id = external_id;
	return o;
}

static struct outcome training_of(struct fx *f, int person, const char *title, int64_t hours_milli)
{
	struct outcome o;
	outcome_init(&o);
	o.kind = KIND_ENTERPRISE_TRAINING;
	o.account_no = f->account[person];
	o.title = title;
	o.level = 3;
	o.hours_milli = hours_milli;
	o.awarded_on = "2024-05-01";
	return o;
}

static struct deposit_result deposit_ok(struct fx *f, const char *institution_id, const struct outcome *o)
{
	struct ledger_caller c = staff_of(institution_id);
	struct deposit_result r;
	assert_ok(ledger_deposit(f->st, &c, o, &ACTOR, &f->a, &r));
	return r;
}

static enum ll_err deposit(struct fx *f, const char *institution_id, const struct outcome *o,
			   struct deposit_result *ret)
{
	struct ledger_caller c = staff_of(institution_id);
	return ledger_deposit(f->st, &c, o, &ACTOR, &f->a, ret);
}

static struct deposit_result correct_ok(struct fx *f, const char *institution_id, const char *outcome_id,
					const struct outcome *o, const char *reason)
{
	struct ledger_caller c = staff_of(institution_id);
	struct deposit_result r;
	assert_ok(ledger_correct(f->st, &c, outcome_id, o, reason, &ACTOR, &f->a, &r));
	return r;
}

static const char *revoke_ok(struct fx *f, const char *institution_id, const char *outcome_id, const char *reason)
{
	struct ledger_caller c = staff_of(institution_id);
	const char *id = NULL;
	assert_ok(ledger_revoke(f->st, &c, outcome_id, reason, &ACTOR, &f->a, &id));
	return id;
}

static const char *evidence_up(struct fx *f, const char *institution_id, const char *content, char sha[65])
{
	struct ledger_caller c = staff_of(institution_id);
	const char *id = NULL;
	char local[65];
	assert_ok(evidence_store(f->st, &c, content, strlen(content), "application/pdf", "scan.pdf", &ACTOR, &f->a, &id,
				 sha ? sha : local));
	return id;
}

static struct ledger_entry entry_of(struct fx *f, const char *id)
{
	struct ledger_entry e;
	assert_ok(ledger_entry_get(f->st, &REVIEWER, id, &f->a, &e));
	return e;
}

/* The submission as the API shows it; caller owns the reference. */
static json_t *submission_of(struct fx *f, const char *id)
{
	json_t *obj = NULL;
	assert_ok(ledger_submission_get(f->st, &REVIEWER, id, &obj));
	return obj;
}

static void assert_submission_status(struct fx *f, const char *id, const char *status)
{
	json_t *s = submission_of(f, id);
	assert_string_equal(jstr(s, "status"), status);
	json_decref(s);
}

/* ---- Entries read back ---- */

struct entries_read {
	struct arena *a;
	struct ledger_entry items[MAX_ENTRIES];
	int n;
};

static enum ll_err entry_read_row(const struct store_row *row, void *ctx)
{
	struct entries_read *r = ctx;
	if (r->n >= MAX_ENTRIES)
		return ll_fail(LL_INTERNAL, NULL, "test holds at most %d entries", MAX_ENTRIES);
	return ledger_entry_from_row(row, r->a, &r->items[r->n++]);
}

/* Every entry in seq order into *r (strings in f's arena). */
static void entries_all(struct fx *f, struct entries_read *r)
{
	r->a = &f->a;
	r->n = 0;
	sql(f->st, "SELECT " ENTRY_COLS " FROM ledger_entries e ORDER BY e.seq", SP_NONE, entry_read_row, r);
}

/* The entry hashes of the whole log, leaf i at i * 32; returns the count. */
static int leaf_hashes(struct fx *f, unsigned char *out)
{
	static struct entries_read r;
	entries_all(f, &r);
	for (int i = 0; i < r.n; i++)
		memcpy(out + (size_t)i * MERKLE_HASH_BYTES, r.items[i].entry_hash, MERKLE_HASH_BYTES);
	return r.n;
}

struct append_job {
	struct ledger_entry *entries;
	int n;
	unsigned flags;
};

static enum ll_err append_txn(struct ll_tx *tx, void *ctx)
{
	struct append_job *j = ctx;
	return ledger_append_ex(tx, j->entries, j->n, j->flags);
}

/* Makes n community-education entries, entry i for persons[i], for ledger_append to complete. */
static void entries_make(struct fx *f, const int *persons, int n, struct ledger_entry *out)
{
	for (int i = 0; i < n; i++) {
		struct ledger_entry *e = &out[i];
		memset(e, 0, sizeof(*e));
		outcome_init(&e->o);
		ll_id id;
		id_new(&id);
		e->id = arena_strdup(&f->a, id.s);
		e->person_id = person_ids[persons[i]];
		e->o.person_id = e->person_id;
		e->op = OP_DEPOSIT;
		e->outcome_id = e->id;
		e->standard_version = 1;
		e->o.institution_id = CS;
		e->o.kind = KIND_COMMUNITY_EDUCATION;
		e->o.title = arena_printf(&f->a, "社区课程 %d", ++f->titles);
		e->o.hours_milli = 2000;
		e->o.awarded_on = "2026-01-01";
		e->actor_id = "user-test";
		e->created_at = clock_now_us();
	}
}

/* Appends such entries straight into the log in one transaction; out receives them as
 * ledger_append completed them. */
static void append_entries(struct fx *f, const int *persons, int n, struct ledger_entry *out)
{
	entries_make(f, persons, n, out);
	struct append_job j = { out, n, 0 };
	assert_ok(store_run(f->st, STORE_WRITE, "test append", append_txn, &j));
}

static struct verify_report verify(struct fx *f)
{
	struct verify_report r;
	assert_ok(ledger_verify(f->st, g_keys->sign_pk, NULL, NULL, &r));
	return r;
}

/* ---- Depositing ---- */

static void test_deposit_auto_kind_is_stored_at_once(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	struct deposit_result r = deposit_ok(f, U1, &o);
	assert_int_equal(r.status, SUB_STORED);
	assert_false(r.is_existing);
	assert_non_null(r.submission_id);
	assert_non_null(r.entry_id);
	assert_string_equal(r.outcome_id, r.entry_id);

	json_t *s = submission_of(f, r.submission_id);
	assert_string_equal(jstr(s, "status"), "stored");
	assert_string_equal(jstr(s, "op"), "deposit");
	assert_string_equal(jstr(s, "entry_id"), r.entry_id);
	assert_string_equal(jstr(s, "outcome_id"), r.entry_id);
	assert_string_equal(jstr(s, "external_id"), "row-1");
	json_decref(s);

	struct ledger_entry e = entry_of(f, r.entry_id);
	assert_int_equal(e.seq, 0);
	assert_int_equal(e.op, OP_DEPOSIT);
	assert_string_equal(e.person_id, person_ids[0]);
	assert_int_equal(e.person_seq, 1);
	static const unsigned char zero[ENTRY_HASH_BYTES];
	assert_memory_equal(e.prev_hash, zero, ENTRY_HASH_BYTES);
	assert_string_equal(e.outcome_id, r.entry_id);
	assert_null(e.supersedes);
	assert_string_equal(e.submission_id, r.submission_id);
	assert_int_equal(e.standard_version, 1);
	assert_string_equal(e.o.institution_id, U1);
	assert_string_equal(e.o.title, "高等数学");
	assert_int_equal(e.o.credits_milli, 4000);
	assert_string_equal(e.o.external_id, "row-1");
	unsigned char h[ENTRY_HASH_BYTES];
	assert_ok(entry_compute_hash(&e, h));
	assert_memory_equal(h, e.entry_hash, ENTRY_HASH_BYTES);

	assert_int_equal(count_rows(f->st, "ledger_entries"), 1);
	assert_int_equal(count_rows(f->st, "submissions"), 1);
	assert_int_equal(sql_i64(f->st, "SELECT size FROM ledger_head WHERE id = 1", SP_NONE), 1);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM audit_log WHERE action = 'outcome.deposit' AND target_id = $1",
				 SP(SV_TEXT(r.submission_id))),
			 1);
}

static void test_deposit_same_external_id_same_content_is_idempotent(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	struct deposit_result first = deposit_ok(f, U1, &o);
	struct counts before = counts_now(f);
	/* The same row sent again, from another copy of its strings. */
	struct outcome again = credit_of(f, 0, arena_strdup(&f->a, "高等数学"), 4000, "2026-06-30",
					 arena_strdup(&f->a, "row-1"));
	struct deposit_result r = deposit_ok(f, U1, &again);
	assert_true(r.is_existing);
	assert_int_equal(r.status, SUB_STORED);
	assert_string_equal(r.submission_id, first.submission_id);
	assert_string_equal(r.entry_id, first.entry_id);
	assert_string_equal(r.outcome_id, first.outcome_id);
	assert_counts_equal(counts_now(f), before);
	/* The same external id from another institution is another deposit. */
	struct deposit_result other = deposit_ok(f, U2, &o);
	assert_false(other.is_existing);
	assert_string_not_equal(other.entry_id, first.entry_id);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 2);
}

static void test_deposit_same_external_id_different_content_is_refused(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	deposit_ok(f, U1, &o);
	struct counts before = counts_now(f);
	struct deposit_result r;
	struct outcome changed[4] = { o, o, o, o };
	changed[0].title = "高等数学（二）";
	changed[1].credits_milli = 4500;
	changed[2].account_no = f->account[1];
	changed[3].result = "B";
	for (int i = 0; i < 4; i++) {
		assert_fails(deposit(f, U1, &changed[i], &r), LL_DUPLICATE_EXTERNAL_ID, "external_id");
		assert_counts_equal(counts_now(f), before);
	}
}

/* Deposits o for institution_id, which must fail with want naming field and write nothing. */
static void assert_refused_cleanly(struct fx *f, const char *what, const char *institution_id,
				   const struct outcome *o, enum ll_err want, const char *field)
{
	struct counts before = counts_now(f);
	struct deposit_result r;
	enum ll_err err = deposit(f, institution_id, o, &r);
	if (err != want)
		fail_msg("%s: got %s, want %s", what, ll_err_code(err), ll_err_code(want));
	assert_string_equal(ll_error_get(err)->field, field);
	assert_counts_equal(counts_now(f), before);
}

static void test_deposit_failing_check_writes_nothing(void **state)
{
	struct fx *f = *state;
	/* Evidence of another institution, and one deposit already there, so that the counts are
	 * not all zero. */
	const char *foreign = evidence_up(f, U2, "%PDF-1.7 U2's scan", NULL);
	struct outcome ok = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-ok");
	deposit_ok(f, U1, &ok);

	struct outcome o = credit_of(f, 0, "x", 4000, "2026-06-30", "r1");
	o.account_no = "3100000000099999";
	assert_refused_cleanly(f, "unknown account", U1, &o, LL_UNKNOWN_ACCOUNT, "account_no");
	o.account_no = NULL;
	assert_refused_cleanly(f, "no account", U1, &o, LL_MISSING_FIELD, "account_no");
	o = training_of(f, 0, "安全培训", 8000);
	assert_refused_cleanly(f, "kind not allowed", U1, &o, LL_KIND_NOT_ALLOWED, "kind");
	o = credit_of(f, 0, "x", 4000, "2026-06-30", "r3");
	o.code = NULL;
	assert_refused_cleanly(f, "missing code", U1, &o, LL_MISSING_FIELD, "code");
	o = qualification_of(f, 0, "no-such-evidence", "r4");
	assert_refused_cleanly(f, "unknown evidence", U1, &o, LL_UNKNOWN_EVIDENCE, "evidence_id");
	o = qualification_of(f, 0, foreign, "r5");
	assert_refused_cleanly(f, "another institution's evidence", U1, &o, LL_UNKNOWN_EVIDENCE, "evidence_id");
	o = qualification_of(f, 0, NULL, "r6");
	assert_refused_cleanly(f, "evidence missing", U1, &o, LL_EVIDENCE_REQUIRED, "evidence_id");
	o = credit_of(f, 0, "x", 4000, "2099-01-01", "r7");
	assert_refused_cleanly(f, "future date", U1, &o, LL_INVALID_DATE, "awarded_on");
	o = credit_of(f, 0, "x", 25000, "2026-06-30", "r8");
	assert_refused_cleanly(f, "credits out of range", U1, &o, LL_OUT_OF_RANGE, "credits_milli");
	o = credit_of(f, 0, "x", 4000, "2026-06-30", "r9");
	o.result = "Z";
	assert_refused_cleanly(f, "bad grade", U1, &o, LL_INVALID_RESULT, "result");
	/* Only staff of an institution deposit. */
	struct counts before = counts_now(f);
	struct ledger_caller citizen = citizen_of(0);
	struct deposit_result r;
	assert_fails(ledger_deposit(f->st, &citizen, &ok, &ACTOR, &f->a, &r), LL_FORBIDDEN, NULL);
	assert_counts_equal(counts_now(f), before);
}

/* ---- Review ---- */

static void test_manual_kind_waits_for_review_then_approval_appends(void **state)
{
	struct fx *f = *state;
	char sha[65];
	const char *ev = evidence_up(f, U1, "%PDF-1.7 diploma scan", sha);
	struct outcome o = qualification_of(f, 0, ev, "deg-1");
	struct deposit_result r = deposit_ok(f, U1, &o);
	assert_int_equal(r.status, SUB_PENDING);
	assert_null(r.entry_id);
	assert_null(r.outcome_id);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 0);
	assert_submission_status(f, r.submission_id, "pending");

	/* Staff do not decide. */
	struct ledger_caller staff = staff_of(U1);
	assert_fails(ledger_decide(f->st, &staff, r.submission_id, DECIDE_APPROVE, NULL, &ACTOR), LL_FORBIDDEN, NULL);
	assert_fails(ledger_decide(f->st, &REVIEWER, "no-such-submission", DECIDE_APPROVE, NULL, &ACTOR), LL_NOT_FOUND,
		     NULL);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 0);

	assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	json_t *s = submission_of(f, r.submission_id);
	assert_string_equal(jstr(s, "status"), "stored");
	assert_string_equal(jstr(s, "decided_by"), "user-reviewer");
	const char *entry_id = arena_strdup(&f->a, jstr(s, "entry_id"));
	assert_non_null(entry_id);
	assert_string_equal(jstr(s, "outcome_id"), entry_id);
	json_decref(s);

	assert_int_equal(count_rows(f->st, "ledger_entries"), 1);
	struct ledger_entry e = entry_of(f, entry_id);
	assert_int_equal(e.op, OP_DEPOSIT);
	assert_string_equal(e.outcome_id, entry_id);
	assert_string_equal(e.submission_id, r.submission_id);
	assert_string_equal(e.o.evidence_sha256, sha);
	assert_string_equal(e.o.external_id, "deg-1");
	assert_string_equal(e.actor_id, "user-reviewer");
	assert_int_equal(e.o.level, 7);
	assert_int_equal(e.person_seq, 1);
	assert_true(verify(f).is_ok);
}

static void test_reject_and_return_need_a_reason(void **state)
{
	struct fx *f = *state;
	const char *ev = evidence_up(f, U1, "%PDF-1.7 scan", NULL);
	struct outcome o = qualification_of(f, 0, ev, "deg-1");
	struct deposit_result r = deposit_ok(f, U1, &o);
	struct counts before = counts_now(f);
	assert_fails(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_REJECT, NULL, &ACTOR), LL_MISSING_FIELD,
		     "reason");
	assert_fails(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_RETURN, NULL, &ACTOR), LL_MISSING_FIELD,
		     "reason");
	assert_counts_equal(counts_now(f), before);
	assert_submission_status(f, r.submission_id, "pending");

	assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_REJECT, "证书扫描件与学历信息不符", &ACTOR));
	json_t *s = submission_of(f, r.submission_id);
	assert_string_equal(jstr(s, "status"), "rejected");
	assert_string_equal(jstr(s, "decision_reason"), "证书扫描件与学历信息不符");
	assert_true(json_is_null(json_object_get(s, "entry_id")));
	json_decref(s);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 0);
}

static void test_deciding_twice_is_not_pending(void **state)
{
	struct fx *f = *state;
	const char *ev = evidence_up(f, U1, "%PDF-1.7 scan", NULL);
	struct outcome a = qualification_of(f, 0, ev, "deg-1"), b = qualification_of(f, 1, ev, "deg-2");
	struct deposit_result ra = deposit_ok(f, U1, &a), rb = deposit_ok(f, U1, &b);
	assert_ok(ledger_decide(f->st, &REVIEWER, ra.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	assert_ok(ledger_decide(f->st, &REVIEWER, rb.submission_id, DECIDE_REJECT, "不符", &ACTOR));
	struct counts before = counts_now(f);
	static const enum review_decision all[] = { DECIDE_APPROVE, DECIDE_REJECT, DECIDE_RETURN };
	for (int i = 0; i < 3; i++) {
		assert_fails(ledger_decide(f->st, &REVIEWER, ra.submission_id, all[i], "again", &ACTOR), LL_NOT_PENDING, NULL);
		assert_fails(ledger_decide(f->st, &REVIEWER, rb.submission_id, all[i], "again", &ACTOR), LL_NOT_PENDING, NULL);
	}
	assert_counts_equal(counts_now(f), before);
	assert_int_equal(before.entries, 1);
	assert_submission_status(f, ra.submission_id, "stored");
	assert_submission_status(f, rb.submission_id, "rejected");
}

static void test_returned_submission_is_resubmitted_and_approved(void **state)
{
	struct fx *f = *state;
	const char *ev = evidence_up(f, U1, "%PDF-1.7 blurred scan", NULL);
	struct outcome o = qualification_of(f, 0, ev, "deg-1");
	struct deposit_result r = deposit_ok(f, U1, &o);
	assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_RETURN, "扫描件不清晰", &ACTOR));
	json_t *s = submission_of(f, r.submission_id);
	assert_string_equal(jstr(s, "status"), "returned");
	assert_string_equal(jstr(s, "decision_reason"), "扫描件不清晰");
	json_decref(s);
	/* A returned submission is not approved directly. */
	assert_fails(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_APPROVE, NULL, &ACTOR), LL_NOT_PENDING, NULL);

	char sha[65];
	const char *ev2 = evidence_up(f, U1, "%PDF-1.7 clear scan", sha);
	struct outcome fixed = qualification_of(f, 0, ev2, NULL);
	fixed.certificate_no = "102471202605009999";
	struct deposit_result rr;
	/* Only its institution resubmits, and only for the same account. */
	struct ledger_caller other = staff_of(U2), mine = staff_of(U1);
	struct counts before = counts_now(f);
	assert_fails(ledger_resubmit(f->st, &other, r.submission_id, &fixed, &ACTOR, &f->a, &rr), LL_NOT_FOUND, NULL);
	struct outcome moved = fixed;
	moved.account_no = f->account[1];
	assert_fails(ledger_resubmit(f->st, &mine, r.submission_id, &moved, &ACTOR, &f->a, &rr), LL_INVALID_VALUE,
		     "account_no");
	assert_counts_equal(counts_now(f), before);

	assert_ok(ledger_resubmit(f->st, &mine, r.submission_id, &fixed, &ACTOR, &f->a, &rr));
	assert_string_equal(rr.submission_id, r.submission_id);
	assert_int_equal(rr.status, SUB_PENDING);
	assert_int_equal(count_rows(f->st, "submissions"), 1);
	s = submission_of(f, r.submission_id);
	assert_string_equal(jstr(s, "status"), "pending");
	assert_string_equal(jstr(s, "certificate_no"), "102471202605009999");
	assert_string_equal(jstr(s, "external_id"), "deg-1");
	assert_true(json_is_null(json_object_get(s, "decision_reason")));
	json_decref(s);
	/* Pending again: a second resubmission is refused. */
	assert_fails(ledger_resubmit(f->st, &mine, r.submission_id, &fixed, &ACTOR, &f->a, &rr), LL_NOT_PENDING, NULL);

	assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	s = submission_of(f, r.submission_id);
	struct ledger_entry e = entry_of(f, jstr(s, "entry_id"));
	assert_string_equal(jstr(s, "outcome_id"), e.id);
	json_decref(s);
	assert_string_equal(e.o.certificate_no, "102471202605009999");
	assert_string_equal(e.o.evidence_sha256, sha);
	assert_string_equal(e.o.external_id, "deg-1");
	assert_string_equal(e.submission_id, r.submission_id);
}

static void test_resubmission_under_an_automatic_standard_is_stored_at_once(void **state)
{
	struct fx *f = *state;
	struct entry_standard s;
	standard_default(KIND_ACADEMIC_CREDIT, &s);
	s.is_reviewed = true;
	int version = 0;
	const struct audit_actor admin = { .id = "user-admin", .role = "city_admin" };
	assert_ok(standard_publish(f->st, &s, &admin, &version));
	assert_int_equal(version, 2);
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	struct deposit_result r = deposit_ok(f, U1, &o);
	assert_int_equal(r.status, SUB_PENDING);
	assert_ok(ledger_decide(f->st, &REVIEWER, r.submission_id, DECIDE_RETURN, "成绩有误", &ACTOR));
	s.is_reviewed = false;
	assert_ok(standard_publish(f->st, &s, &admin, &version));
	assert_int_equal(version, 3);

	struct ledger_caller mine = staff_of(U1);
	struct outcome fixed = o;
	fixed.result = "A-";
	struct deposit_result rr;
	assert_ok(ledger_resubmit(f->st, &mine, r.submission_id, &fixed, &ACTOR, &f->a, &rr));
	assert_int_equal(rr.status, SUB_STORED);
	assert_non_null(rr.entry_id);
	assert_string_equal(rr.outcome_id, rr.entry_id);
	json_t *sub = submission_of(f, r.submission_id);
	assert_string_equal(jstr(sub, "status"), "stored");
	assert_string_equal(jstr(sub, "entry_id"), rr.entry_id);
	assert_string_equal(jstr(sub, "outcome_id"), rr.entry_id);
	assert_int_equal(jint(sub, "standard_version"), 3);
	json_decref(sub);
	struct ledger_entry e = entry_of(f, rr.entry_id);
	assert_int_equal(e.op, OP_DEPOSIT);
	assert_string_equal(e.outcome_id, rr.entry_id);
	assert_string_equal(e.o.result, "A-");
	assert_string_equal(e.o.external_id, "row-1");
	assert_int_equal(e.standard_version, 3);
}

/* ---- Corrections, revocations, history ---- */

static void test_correction_supersedes_head_and_keeps_identity(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "Calculus", 4000, "2026-06-30", "c-1");
	struct deposit_result d = deposit_ok(f, U1, &o);
	struct ledger_entry first = entry_of(f, d.entry_id);

	struct counts before = counts_now(f);
	struct ledger_caller mine = staff_of(U1), other = staff_of(U2);
	struct outcome fixed = credit_of(f, 0, "Calculus I", 4500, "2026-06-30", NULL);
	struct deposit_result r;
	assert_fails(ledger_correct(f->st, &mine, d.outcome_id, &fixed, NULL, &ACTOR, &f->a, &r), LL_MISSING_FIELD,
		     "reason");
	assert_fails(ledger_correct(f->st, &other, d.outcome_id, &fixed, "typo", &ACTOR, &f->a, &r), LL_NOT_FOUND, NULL);
	assert_fails(ledger_correct(f->st, &mine, "no-such-outcome", &fixed, "typo", &ACTOR, &f->a, &r), LL_NOT_FOUND,
		     NULL);
	struct outcome moved = fixed;
	moved.account_no = f->account[1];
	assert_fails(ledger_correct(f->st, &mine, d.outcome_id, &moved, "typo", &ACTOR, &f->a, &r), LL_INVALID_VALUE,
		     "account_no");
	struct outcome renamed = fixed;
	renamed.external_id = "c-2";
	assert_fails(ledger_correct(f->st, &mine, d.outcome_id, &renamed, "typo", &ACTOR, &f->a, &r), LL_INVALID_VALUE,
		     "external_id");
	struct outcome bad = fixed;
	bad.code = NULL;
	assert_fails(ledger_correct(f->st, &mine, d.outcome_id, &bad, "typo", &ACTOR, &f->a, &r), LL_MISSING_FIELD,
		     "code");
	assert_counts_equal(counts_now(f), before);

	struct deposit_result c1 = correct_ok(f, U1, d.outcome_id, &fixed, "课程名称录入错误");
	assert_int_equal(c1.status, SUB_STORED);
	assert_string_equal(c1.outcome_id, d.outcome_id);
	assert_string_not_equal(c1.entry_id, d.entry_id);
	struct ledger_entry e1 = entry_of(f, c1.entry_id);
	assert_int_equal(e1.op, OP_CORRECT);
	assert_string_equal(e1.outcome_id, d.outcome_id);
	assert_string_equal(e1.supersedes, d.entry_id);
	assert_string_equal(e1.o.external_id, "c-1");
	assert_string_equal(e1.o.title, "Calculus I");
	assert_int_equal(e1.o.credits_milli, 4500);
	assert_string_equal(e1.reason, "课程名称录入错误");
	assert_string_equal(e1.submission_id, c1.submission_id);
	assert_int_equal(e1.person_seq, 2);
	assert_memory_equal(e1.prev_hash, first.entry_hash, ENTRY_HASH_BYTES);
	json_t *s = submission_of(f, c1.submission_id);
	assert_string_equal(jstr(s, "op"), "correct");
	assert_string_equal(jstr(s, "outcome_id"), d.outcome_id);
	json_decref(s);

	/* The external id may be repeated; a second correction supersedes the first. */
	struct outcome again = fixed;
	again.external_id = "c-1";
	again.result = "A-";
	struct deposit_result c2 = correct_ok(f, U1, d.outcome_id, &again, "成绩更正");
	struct ledger_entry e2 = entry_of(f, c2.entry_id);
	assert_string_equal(e2.supersedes, c1.entry_id);
	assert_string_equal(e2.outcome_id, d.outcome_id);
	assert_string_equal(e2.o.external_id, "c-1");
	assert_int_equal(e2.person_seq, 3);
	assert_memory_equal(e2.prev_hash, e1.entry_hash, ENTRY_HASH_BYTES);
	/* The deposit stays idempotent by its external id after corrections. */
	struct deposit_result re = deposit_ok(f, U1, &o);
	assert_true(re.is_existing);
	assert_string_equal(re.outcome_id, d.outcome_id);
	assert_true(verify(f).is_ok);
}

static void test_correction_of_reviewed_kind_waits_for_review(void **state)
{
	struct fx *f = *state;
	const char *ev = evidence_up(f, U1, "%PDF-1.7 scan", NULL);
	struct outcome o = qualification_of(f, 0, ev, "deg-1");
	struct deposit_result d = deposit_ok(f, U1, &o);
	assert_ok(ledger_decide(f->st, &REVIEWER, d.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	json_t *s = submission_of(f, d.submission_id);
	const char *outcome_id = arena_strdup(&f->a, jstr(s, "outcome_id"));
	json_decref(s);

	struct outcome fixed = qualification_of(f, 0, ev, NULL);
	fixed.level = 6;
	struct deposit_result c = correct_ok(f, U1, outcome_id, &fixed, "等级有误");
	assert_int_equal(c.status, SUB_PENDING);
	assert_null(c.entry_id);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 1);
	assert_ok(ledger_decide(f->st, &REVIEWER, c.submission_id, DECIDE_APPROVE, NULL, &ACTOR));
	assert_int_equal(count_rows(f->st, "ledger_entries"), 2);
	s = submission_of(f, c.submission_id);
	struct ledger_entry e = entry_of(f, jstr(s, "entry_id"));
	json_decref(s);
	assert_int_equal(e.op, OP_CORRECT);
	assert_string_equal(e.outcome_id, outcome_id);
	assert_string_equal(e.supersedes, outcome_id);
	assert_string_equal(e.o.external_id, "deg-1");
	assert_string_equal(e.reason, "等级有误");
	assert_int_equal(e.o.level, 6);
}

static void test_revoked_outcome_cannot_be_corrected_or_revoked_again(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	struct deposit_result d = deposit_ok(f, U1, &o);
	struct ledger_caller mine = staff_of(U1), other = staff_of(U2), citizen = citizen_of(0);
	const char *id = NULL;
	assert_fails(ledger_revoke(f->st, &mine, d.outcome_id, NULL, &ACTOR, &f->a, &id), LL_MISSING_FIELD, "reason");
	assert_fails(ledger_revoke(f->st, &other, d.outcome_id, "x", &ACTOR, &f->a, &id), LL_NOT_FOUND, NULL);
	assert_fails(ledger_revoke(f->st, &citizen, d.outcome_id, "x", &ACTOR, &f->a, &id), LL_FORBIDDEN, NULL);
	assert_fails(ledger_revoke(f->st, &mine, "no-such-outcome", "x", &ACTOR, &f->a, &id), LL_NOT_FOUND, NULL);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 1);

	const char *rid = revoke_ok(f, U1, d.outcome_id, "重复录入");
	struct ledger_entry head = entry_of(f, d.entry_id), e = entry_of(f, rid);
	assert_int_equal(e.op, OP_REVOKE);
	assert_string_equal(e.outcome_id, d.outcome_id);
	assert_string_equal(e.supersedes, d.entry_id);
	assert_string_equal(e.reason, "重复录入");
	assert_null(e.submission_id);
	/* A revocation repeats the content it revokes. */
	assert_string_equal(e.o.title, head.o.title);
	assert_int_equal(e.o.credits_milli, head.o.credits_milli);
	assert_string_equal(e.o.external_id, "row-1");
	assert_int_equal(e.person_seq, 2);

	struct counts before = counts_now(f);
	struct outcome fixed = credit_of(f, 0, "高等数学（一）", 4000, "2026-06-30", NULL);
	struct deposit_result r;
	assert_fails(ledger_correct(f->st, &mine, d.outcome_id, &fixed, "typo", &ACTOR, &f->a, &r), LL_REVOKED, NULL);
	assert_fails(ledger_revoke(f->st, &mine, d.outcome_id, "again", &ACTOR, &f->a, &id), LL_REVOKED, NULL);
	assert_fails(ledger_revoke(f->st, &REVIEWER, d.outcome_id, "again", &ACTOR, &f->a, &id), LL_REVOKED, NULL);
	assert_counts_equal(counts_now(f), before);
	assert_true(verify(f).is_ok);
}

static void test_reviewer_revokes_any_outcome(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "高等数学", 4000, "2026-06-30", "row-1");
	struct deposit_result d = deposit_ok(f, U1, &o);
	const char *id = NULL;
	assert_ok(ledger_revoke(f->st, &REVIEWER, d.outcome_id, "证书造假", &ACTOR, &f->a, &id));
	struct ledger_entry e = entry_of(f, id);
	assert_int_equal(e.op, OP_REVOKE);
	assert_string_equal(e.actor_id, "user-reviewer");
}

static void test_history_lists_versions_oldest_first(void **state)
{
	struct fx *f = *state;
	struct outcome o = credit_of(f, 0, "v1", 4000, "2026-06-30", "h-1");
	struct deposit_result d = deposit_ok(f, U1, &o);
	/* Another person's entries in between do not belong to the history. */
	struct outcome x = credit_of(f, 1, "other", 4000, "2026-06-30", "h-x");
	deposit_ok(f, U1, &x);
	struct outcome v2 = credit_of(f, 0, "v2", 4000, "2026-06-30", NULL);
	struct deposit_result c1 = correct_ok(f, U1, d.outcome_id, &v2, "r2");
	struct outcome v3 = credit_of(f, 0, "v3", 4000, "2026-06-30", NULL);
	struct deposit_result c2 = correct_ok(f, U1, d.outcome_id, &v3, "r3");
	const char *rv = revoke_ok(f, U1, d.outcome_id, "r4");

	json_t *items = NULL;
	assert_ok(ledger_outcome_history(f->st, &REVIEWER, d.outcome_id, &items));
	assert_int_equal(json_array_size(items), 4);
	static const char *const ops[] = { "deposit", "correct", "correct", "revoke" };
	static const char *const titles[] = { "v1", "v2", "v3", "v3" };
	const char *ids[] = { d.entry_id, c1.entry_id, c2.entry_id, rv };
	int64_t last_seq = -1;
	for (size_t i = 0; i < 4; i++) {
		json_t *it = json_array_get(items, i);
		assert_string_equal(jstr(it, "op"), ops[i]);
		assert_string_equal(jstr(it, "title"), titles[i]);
		assert_string_equal(jstr(it, "id"), ids[i]);
		assert_string_equal(jstr(it, "outcome_id"), d.outcome_id);
		assert_string_equal(jstr(it, "external_id"), "h-1");
		assert_true(jint(it, "seq") > last_seq);
		last_seq = jint(it, "seq");
		if (i == 0)
			assert_true(json_is_null(json_object_get(it, "supersedes")));
		else
			assert_string_equal(jstr(it, "supersedes"), ids[i - 1]);
		assert_non_null(jstr(it, "entry_hash"));
	}
	json_decref(items);

	/* Who may read it: the person and the depositor, not another person or institution. */
	struct ledger_caller own = citizen_of(0), stranger = citizen_of(1), mine = staff_of(U1), other = staff_of(U2);
	assert_ok(ledger_outcome_history(f->st, &own, d.outcome_id, &items));
	json_decref(items);
	assert_ok(ledger_outcome_history(f->st, &mine, d.outcome_id, &items));
	json_decref(items);
	assert_fails(ledger_outcome_history(f->st, &stranger, d.outcome_id, &items), LL_NOT_FOUND, NULL);
	assert_fails(ledger_outcome_history(f->st, &other, d.outcome_id, &items), LL_NOT_FOUND, NULL);
	assert_fails(ledger_outcome_history(f->st, &REVIEWER, "no-such-outcome", &items), LL_NOT_FOUND, NULL);
}

/* ---- Transcripts ---- */

struct record {
	struct deposit_result a, b, c, d, t, x;
	const char *b_fixed;
};

/* Person 0: credits A (U1, 4 credits, level 6, 2025), B (U1, corrected to 3 credits, level 7,
 * 2026), C (U2, 2.5 credits, title with a comma, 2026), D (U1, revoked), T (enterprise training, 8
 * hours, level 3, 2024); person 1: X (U1). */
static struct record record_make(struct fx *f)
{
	struct record r;
	struct outcome a = credit_of(f, 0, "高等数学", 4000, "2025-06-30", "A");
	a.level = 6;
	r.a = deposit_ok(f, U1, &a);
	struct outcome b = credit_of(f, 0, "线性代数", 2500, "2026-01-15", "B");
	b.level = 7;
	r.b = deposit_ok(f, U1, &b);
	b.credits_milli = 3000;
	b.external_id = NULL;
	r.b_fixed = correct_ok(f, U1, r.b.outcome_id, &b, "学分录入错误").entry_id;
	struct outcome c = credit_of(f, 0, "Math, part \"1\"", 2500, "2026-03-01", "C");
	r.c = deposit_ok(f, U2, &c);
	struct outcome d = credit_of(f, 0, "概率论", 1000, "2026-02-01", "D");
	r.d = deposit_ok(f, U1, &d);
	revoke_ok(f, U1, r.d.outcome_id, "重复录入");
	struct outcome t = training_of(f, 0, "安全生产培训", 8000);
	r.t = deposit_ok(f, ENT, &t);
	struct outcome x = credit_of(f, 1, "离散数学", 3000, "2026-01-10", "X");
	r.x = deposit_ok(f, U1, &x);
	return r;
}

static const struct transcript_filter ALL = { .kind = -1, .level = -1 };

static json_t *transcript_ok(struct fx *f, const struct ledger_caller *c, int person, const struct transcript_filter *tf)
{
	json_t *t = NULL;
	assert_ok(transcript_get(f->st, c, person_ids[person], tf, &t));
	return t;
}

static void assert_titles(const json_t *t, const char *const *titles, size_t n)
{
	json_t *items = json_object_get(t, "items");
	if (json_array_size(items) != n) {
		char *dump = json_dumps(items, JSON_COMPACT);
		fail_msg("want %zu items, got %s", n, dump);
	}
	for (size_t i = 0; i < n; i++)
		assert_string_equal(jstr(json_array_get(items, i), "title"), titles[i]);
}

static void assert_totals(const json_t *totals, int64_t count, int64_t credits_milli, int64_t hours_milli)
{
	assert_int_equal(jint(totals, "count"), count);
	assert_int_equal(jint(totals, "credits_milli"), credits_milli);
	assert_int_equal(jint(totals, "hours_milli"), hours_milli);
}

static void test_transcript_shows_current_versions_and_totals(void **state)
{
	struct fx *f = *state;
	struct record r = record_make(f);
	struct ledger_caller own = citizen_of(0);
	json_t *t = transcript_ok(f, &own, 0, &ALL);
	assert_string_equal(jstr(json_object_get(t, "person"), "account_no"), f->account[0]);
	assert_string_equal(jstr(json_object_get(t, "person"), "name"), "张三");
	/* Sorted by kind, then newest first; the corrected version only; the revoked one hidden. */
	static const char *const want[] = { "Math, part \"1\"", "线性代数", "高等数学", "安全生产培训" };
	assert_titles(t, want, 4);
	json_t *items = json_object_get(t, "items");
	json_t *b = json_array_get(items, 1);
	assert_string_equal(jstr(b, "status"), "corrected");
	assert_string_equal(jstr(b, "entry_id"), r.b_fixed);
	assert_string_equal(jstr(b, "outcome_id"), r.b.outcome_id);
	assert_int_equal(jint(b, "credits_milli"), 3000);
	assert_string_equal(jstr(b, "reason"), "学分录入错误");
	assert_string_equal(jstr(json_array_get(items, 0), "status"), "stored");
	assert_string_equal(jstr(json_object_get(json_array_get(items, 0), "institution"), "name"), "测试大学二");

	assert_totals(json_object_get(t, "totals"), 4, 4000 + 3000 + 2500, 8000);
	json_t *kinds = json_object_get(t, "by_kind");
	assert_int_equal(json_array_size(kinds), 2);
	assert_string_equal(jstr(json_array_get(kinds, 0), "kind"), "academic_credit");
	assert_totals(json_array_get(kinds, 0), 3, 9500, 0);
	assert_string_equal(jstr(json_array_get(kinds, 1), "kind"), "enterprise_training");
	assert_totals(json_array_get(kinds, 1), 1, 0, 8000);
	json_t *levels = json_object_get(t, "by_level");
	assert_int_equal(json_array_size(levels), 3);
	static const int64_t lv[] = { 3, 6, 7 }, lc[] = { 0, 4000, 3000 }, lh[] = { 8000, 0, 0 };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(jint(json_array_get(levels, i), "level"), lv[i]);
		assert_totals(json_array_get(levels, i), 1, lc[i], lh[i]);
	}
	json_t *years = json_object_get(t, "by_year");
	assert_int_equal(json_array_size(years), 3);
	assert_int_equal(jint(json_array_get(years, 0), "year"), 2024);
	assert_totals(json_array_get(years, 0), 1, 0, 8000);
	assert_int_equal(jint(json_array_get(years, 1), "year"), 2025);
	assert_totals(json_array_get(years, 1), 1, 4000, 0);
	assert_int_equal(jint(json_array_get(years, 2), "year"), 2026);
	assert_totals(json_array_get(years, 2), 2, 5500, 0);
	json_decref(t);

	/* The revoked outcome shows when asked for, marked, and counts in no total. */
	struct transcript_filter with_revoked = ALL;
	with_revoked.include_revoked = true;
	t = transcript_ok(f, &own, 0, &with_revoked);
	static const char *const want_all[] = { "Math, part \"1\"", "概率论", "线性代数", "高等数学", "安全生产培训" };
	assert_titles(t, want_all, 5);
	assert_string_equal(jstr(json_array_get(json_object_get(t, "items"), 1), "status"), "revoked");
	assert_totals(json_object_get(t, "totals"), 4, 9500, 8000);
	json_decref(t);

	/* Filters. */
	struct transcript_filter tf = ALL;
	tf.kind = KIND_ENTERPRISE_TRAINING;
	t = transcript_ok(f, &own, 0, &tf);
	assert_titles(t, (const char *const[]){ "安全生产培训" }, 1);
	json_decref(t);
	tf = ALL;
	tf.level = 7;
	t = transcript_ok(f, &own, 0, &tf);
	assert_titles(t, (const char *const[]){ "线性代数" }, 1);
	json_decref(t);
	tf = ALL;
	tf.from = "2026-01-15";
	t = transcript_ok(f, &own, 0, &tf);
	assert_titles(t, (const char *const[]){ "Math, part \"1\"", "线性代数" }, 2);
	json_decref(t);
	tf = ALL;
	tf.to = "2025-12-31";
	t = transcript_ok(f, &own, 0, &tf);
	assert_titles(t, (const char *const[]){ "高等数学", "安全生产培训" }, 2);
	json_decref(t);
	tf = ALL;
	tf.kind = KIND_COUNT;
	assert_fails(transcript_get(f->st, &own, person_ids[0], &tf, &t), LL_BAD_QUERY, "kind");

	/* Person 1 has only their own outcome. */
	struct ledger_caller p1 = citizen_of(1);
	t = transcript_ok(f, &p1, 1, &ALL);
	assert_titles(t, (const char *const[]){ "离散数学" }, 1);
	json_decref(t);
}

static void test_transcript_scoping(void **state)
{
	struct fx *f = *state;
	record_make(f);
	json_t *t = NULL;
	/* A citizen sees only themself. */
	struct ledger_caller stranger = citizen_of(1);
	assert_fails(transcript_get(f->st, &stranger, person_ids[0], &ALL, &t), LL_NOT_FOUND, NULL);
	assert_fails(transcript_get(f->st, &REVIEWER, "no-such-person", &ALL, &t), LL_NOT_FOUND, NULL);
	/* Reviewers see everything. */
	t = transcript_ok(f, &REVIEWER, 0, &ALL);
	assert_int_equal(json_array_size(json_object_get(t, "items")), 4);
	json_decref(t);
	/* A district office sees the persons who live in its district. */
	struct ledger_caller district_a = { .role = ROLE_DISTRICT_ADMIN, .user_id = "user-da", .district_code = DISTRICT_A };
	struct ledger_caller district_b = { .role = ROLE_DISTRICT_ADMIN, .user_id = "user-db", .district_code = DISTRICT_B };
	t = transcript_ok(f, &district_a, 0, &ALL);
	assert_int_equal(json_array_size(json_object_get(t, "items")), 4);
	json_decref(t);
	assert_fails(transcript_get(f->st, &district_b, person_ids[0], &ALL, &t), LL_NOT_FOUND, NULL);

	/* An institution sees what it deposited, and the totals of only that. */
	struct ledger_caller u1 = staff_of(U1), u2 = staff_of(U2), ent = staff_of(ENT);
	t = transcript_ok(f, &u1, 0, &ALL);
	assert_titles(t, (const char *const[]){ "线性代数", "高等数学" }, 2);
	assert_totals(json_object_get(t, "totals"), 2, 7000, 0);
	json_decref(t);
	struct transcript_filter with_revoked = ALL;
	with_revoked.include_revoked = true;
	t = transcript_ok(f, &u1, 0, &with_revoked);
	assert_titles(t, (const char *const[]){ "概率论", "线性代数", "高等数学" }, 3);
	json_decref(t);
	t = transcript_ok(f, &u2, 0, &ALL);
	assert_titles(t, (const char *const[]){ "Math, part \"1\"" }, 1);
	json_decref(t);
	t = transcript_ok(f, &ent, 0, &ALL);
	assert_titles(t, (const char *const[]){ "安全生产培训" }, 1);
	json_decref(t);

	/* Once the person shares their record with the employer, it sees all of it. */
	sql(f->st, "INSERT INTO record_shares (person_id, institution_id, created_at) VALUES ($1, $2, $3)",
	    SP(SV_TEXT(person_ids[0]), SV_TEXT(ENT), SV_I64(clock_now_us())), NULL, NULL);
	t = transcript_ok(f, &ent, 0, &ALL);
	assert_int_equal(json_array_size(json_object_get(t, "items")), 4);
	assert_totals(json_object_get(t, "totals"), 4, 9500, 8000);
	json_decref(t);
	/* The share is the person's with that institution only. */
	t = transcript_ok(f, &u2, 0, &ALL);
	assert_int_equal(json_array_size(json_object_get(t, "items")), 1);
	json_decref(t);
}

static void test_transcript_of_unrelated_institution_is_not_found(void **state)
{
	struct fx *f = *state;
	record_make(f);
	/* The community school deposited nothing for person 0 and has no share: ledger.h promises
	 * LL_NOT_FOUND "when the caller may see nothing of the person", so that an institution
	 * cannot learn a stranger's name and account number by asking for their transcript. */
	struct ledger_caller cs = staff_of(CS);
	json_t *t = NULL;
	enum ll_err err = transcript_get(f->st, &cs, person_ids[0], &ALL, &t);
	if (err == LL_OK) {
		char *dump = json_dumps(json_object_get(t, "person"), JSON_COMPACT);
		json_decref(t);
		fail_msg("an institution with nothing to see got the transcript of %s", dump);
	}
	assert_fails(err, LL_NOT_FOUND, NULL);
}

static void test_transcript_csv_has_bom_header_and_rows(void **state)
{
	struct fx *f = *state;
	struct record r = record_make(f);
	struct ledger_caller own = citizen_of(0);
	struct buf b;
	buf_init(&b);
	assert_ok(transcript_csv(f->st, &own, person_ids[0], &ALL, &b));
	char *text = buf_steal(&b, NULL);
	assert_memory_equal(text, "\xEF\xBB\xBF", 3);
	const char *head = "类别,名称,代码,等级,学分,学时,成绩,获得日期,存入机构,证书编号,状态,成果编号,记录编号\r\n";
	assert_memory_equal(text + 3, head, strlen(head));
	int lines = 0;
	for (const char *p = text; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	assert_int_equal(lines, 1 + 4);
	/* Quoted where a comma or quote needs it; thousandths as decimals. */
	char *row = strstr(text, "\"Math, part \"\"1\"\"\"");
	assert_non_null(row);
	assert_non_null(strstr(row, ",MATH101,,2.5,,A,2026-03-01,测试大学二,,已入库,"));
	char want[256];
	snprintf(want, sizeof(want), "线性代数,MATH101,7,3,,A,2026-01-15,测试大学一,,已更正,%s,%s\r\n", r.b.outcome_id,
		 r.b_fixed);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "企业培训,安全生产培训,,3,,8,,2024-05-01,测试企业,,已入库,"));
	assert_null(strstr(text, "概率论"));
	free(text);

	struct transcript_filter en = ALL;
	en.is_english = true;
	en.include_revoked = true;
	assert_ok(transcript_csv(f->st, &own, person_ids[0], &en, &b));
	text = buf_steal(&b, NULL);
	assert_memory_equal(text, "\xEF\xBB\xBF"
				  "kind,title,code,level,credits,hours,result,awarded_on,institution,certificate_no,status,"
				  "outcome_id,entry_id\r\n",
			    3 + strlen("kind,title,code,level,credits,hours,result,awarded_on,institution,"
				       "certificate_no,status,outcome_id,entry_id\r\n"));
	assert_non_null(strstr(text, "Academic course credit,概率论,MATH101,,1,,A,2026-02-01,测试大学一,,revoked,"));
	assert_non_null(strstr(text, ",corrected,"));
	free(text);

	/* An institution's CSV holds its own rows only; a stranger gets none. */
	struct ledger_caller u2 = staff_of(U2), stranger = citizen_of(1);
	assert_ok(transcript_csv(f->st, &u2, person_ids[0], &ALL, &b));
	text = buf_steal(&b, NULL);
	lines = 0;
	for (const char *p = text; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	assert_int_equal(lines, 1 + 1);
	free(text);
	assert_fails(transcript_csv(f->st, &stranger, person_ids[0], &ALL, &b), LL_NOT_FOUND, NULL);
	buf_release(&b);
}

/* ---- The log ---- */

static void assert_chains(const struct entries_read *r)
{
	int64_t last_seq[PERSONS] = { 0 };
	unsigned char last_hash[PERSONS][ENTRY_HASH_BYTES];
	memset(last_hash, 0, sizeof(last_hash));
	for (int i = 0; i < r->n; i++) {
		const struct ledger_entry *e = &r->items[i];
		assert_int_equal(e->seq, i);
		int p = -1;
		for (int k = 0; k < PERSONS; k++)
			if (strcmp(e->person_id, person_ids[k]) == 0)
				p = k;
		assert_true(p >= 0);
		if (e->person_seq != last_seq[p] + 1)
			fail_msg("entry %d: person_seq %lld after %lld", i, (long long)e->person_seq, (long long)last_seq[p]);
		if (memcmp(e->prev_hash, last_hash[p], ENTRY_HASH_BYTES) != 0)
			fail_msg("entry %d: prev_hash is not the hash of the person's previous entry", i);
		unsigned char h[ENTRY_HASH_BYTES];
		assert_ok(entry_compute_hash(e, h));
		assert_memory_equal(h, e->entry_hash, ENTRY_HASH_BYTES);
		last_seq[p] = e->person_seq;
		memcpy(last_hash[p], e->entry_hash, ENTRY_HASH_BYTES);
	}
}

static void test_append_chains_each_person_across_interleaved_appends(void **state)
{
	struct fx *f = *state;
	static struct ledger_entry out[MAX_ENTRIES];
	/* One at a time, persons interleaved, each in its own transaction. */
	static const int pattern[] = { 0, 1, 0, 2, 2, 1, 0, 0, 2 };
	int n = 0;
	for (size_t i = 0; i < sizeof(pattern) / sizeof(pattern[0]); i++, n++)
		append_entries(f, &pattern[i], 1, &out[n]);
	/* Then many in one batch, persons interleaved irregularly. */
	int batch[70];
	for (int i = 0; i < 70; i++)
		batch[i] = (i * i + i / 3) % PERSONS;
	append_entries(f, batch, 70, &out[n]);
	n += 70;

	static struct entries_read r;
	entries_all(f, &r);
	assert_int_equal(r.n, n);
	assert_chains(&r);
	/* What ledger_append handed back is what it stored. */
	for (int i = 0; i < n; i++) {
		assert_int_equal(out[i].seq, i);
		assert_string_equal(out[i].id, r.items[i].id);
		assert_int_equal(out[i].person_seq, r.items[i].person_seq);
		assert_memory_equal(out[i].prev_hash, r.items[i].prev_hash, ENTRY_HASH_BYTES);
		assert_memory_equal(out[i].entry_hash, r.items[i].entry_hash, ENTRY_HASH_BYTES);
	}
	assert_int_equal(sql_i64(f->st, "SELECT size FROM ledger_head WHERE id = 1", SP_NONE), n);
	/* Every perfect subtree above the leaves (a leaf is its entry's hash) is stored once: n/2 +
	 * n/4 + ... nodes. */
	int64_t want_nodes = 0;
	for (int level = 1; (n >> level) > 0; level++)
		want_nodes += n >> level;
	assert_int_equal(count_rows(f->st, "ledger_nodes"), want_nodes);
	struct verify_report v = verify(f);
	assert_true(v.is_ok);
	assert_int_equal(v.entries, n);
	assert_int_equal(v.persons, PERSONS);
	assert_int_equal(v.nodes, want_nodes);
}

static void test_append_of_new_persons_chains_within_the_batch(void **state)
{
	struct fx *f = *state;
	/* A bulk load of persons with no entry yet: the chains start in the batch. */
	static struct ledger_entry out[MAX_ENTRIES];
	int persons[30];
	for (int i = 0; i < 30; i++)
		persons[i] = (i * 2 + i / 4) % PERSONS;
	entries_make(f, persons, 30, out);
	struct append_job j = { out, 30, LEDGER_APPEND_NEW_PERSONS };
	assert_ok(store_run(f->st, STORE_WRITE, "test bulk append", append_txn, &j));
	/* Ordinary appends carry the chains on. */
	append_entries(f, persons, 5, out + 30);
	static struct entries_read r;
	entries_all(f, &r);
	assert_int_equal(r.n, 35);
	assert_chains(&r);
	assert_true(verify(f).is_ok);
}

static void test_append_through_deposits_chains_each_person(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 12; i++) {
		char title[32], ext[32];
		snprintf(title, sizeof(title), "课程 %d", i);
		snprintf(ext, sizeof(ext), "e-%d", i);
		struct outcome o = credit_of(f, (i * 5 + 1) % PERSONS, arena_strdup(&f->a, title), 1000 + i,
					     "2026-06-30", arena_strdup(&f->a, ext));
		deposit_ok(f, i % 2 ? U1 : U2, &o);
	}
	static struct entries_read r;
	entries_all(f, &r);
	assert_int_equal(r.n, 12);
	assert_chains(&r);
}

static void test_sth_signs_the_root_of_the_entries(void **state)
{
	struct fx *f = *state;
	int64_t t0 = clock_now_us();
	clock_set_fixed(t0);
	static struct ledger_entry out[64];
	int persons[16];
	for (int i = 0; i < 16; i++)
		persons[i] = i % PERSONS;
	append_entries(f, persons, 13, out);

	static unsigned char hashes[MAX_ENTRIES * MERKLE_HASH_BYTES];
	struct merkle_sth sth, again;
	assert_ok(ledger_sth_current(f->st, g_keys, 13, &sth));
	assert_int_equal(sth.tree_size, 13);
	assert_int_equal(sth.timestamp_us, t0);
	assert_true(merkle_sth_verify(&sth, g_keys->sign_pk));
	int n = leaf_hashes(f, hashes);
	assert_int_equal(n, 13);
	struct merkle_leaves leaves = { .hashes = hashes };
	unsigned char root[MERKLE_HASH_BYTES];
	assert_ok(merkle_root(&leaves, 13, root));
	assert_memory_equal(sth.root_hash, root, MERKLE_HASH_BYTES);
	/* Another key does not verify it; a changed root does not verify. */
	unsigned char other_pk[MERKLE_PUBLIC_KEY_BYTES];
	memcpy(other_pk, g_keys->sign_pk, sizeof(other_pk));
	other_pk[0] ^= 1;
	assert_false(merkle_sth_verify(&sth, other_pk));
	struct merkle_sth forged = sth;
	forged.root_hash[0] ^= 1;
	assert_false(merkle_sth_verify(&forged, g_keys->sign_pk));

	/* Grown within a second of the last head: the last head serves unless a bigger one is asked for. */
	append_entries(f, persons, 3, out + 13);
	clock_set_fixed(t0 + 500000);
	assert_ok(ledger_sth_current(f->st, g_keys, 0, &again));
	assert_int_equal(again.tree_size, 13);
	assert_int_equal(again.timestamp_us, t0);
	assert_memory_equal(again.signature, sth.signature, MERKLE_SIG_BYTES);
	assert_int_equal(count_rows(f->st, "ledger_sth"), 1);
	assert_ok(ledger_sth_current(f->st, g_keys, 14, &again));
	assert_int_equal(again.tree_size, 16);
	assert_int_equal(again.timestamp_us, t0 + 500000);
	assert_true(merkle_sth_verify(&again, g_keys->sign_pk));
	n = leaf_hashes(f, hashes);
	assert_int_equal(n, 16);
	assert_ok(merkle_root(&leaves, 16, root));
	assert_memory_equal(again.root_hash, root, MERKLE_HASH_BYTES);
	assert_int_equal(count_rows(f->st, "ledger_sth"), 2);
	/* The two heads are consistent. */
	struct merkle_proof p;
	assert_ok(ledger_consistency_proof(f->st, 13, 16, &p));
	assert_true(merkle_consistency_verify(13, 16, sth.root_hash, again.root_hash, &p));

	/* Nothing new, however long after: the same head, not a second one. */
	struct merkle_sth later;
	clock_set_fixed(t0 + 5000000);
	assert_ok(ledger_sth_current(f->st, g_keys, 0, &later));
	assert_int_equal(later.tree_size, 16);
	assert_int_equal(later.timestamp_us, t0 + 500000);
	assert_memory_equal(later.signature, again.signature, MERKLE_SIG_BYTES);
	assert_int_equal(count_rows(f->st, "ledger_sth"), 2);

	/* Grown and more than a second old: a new head even when none is asked for. */
	append_entries(f, persons, 1, out + 16);
	clock_set_fixed(t0 + 7000000);
	assert_ok(ledger_sth_current(f->st, g_keys, 0, &again));
	assert_int_equal(again.tree_size, 17);
	assert_true(verify(f).is_ok);
	assert_int_equal(verify(f).tree_heads, 3);
}

static void test_sth_of_empty_log_is_the_empty_root(void **state)
{
	struct fx *f = *state;
	struct merkle_sth sth;
	assert_ok(ledger_sth_current(f->st, g_keys, 0, &sth));
	assert_int_equal(sth.tree_size, 0);
	unsigned char empty[MERKLE_HASH_BYTES];
	merkle_hash_empty(empty);
	assert_memory_equal(sth.root_hash, empty, MERKLE_HASH_BYTES);
	assert_true(merkle_sth_verify(&sth, g_keys->sign_pk));
	struct verify_report v = verify(f);
	assert_true(v.is_ok);
	assert_int_equal(v.tree_heads, 1);
}

static void test_proofs_verify_for_every_leaf(void **state)
{
	struct fx *f = *state;
	static struct ledger_entry out[64];
	int persons[40];
	for (int i = 0; i < 40; i++)
		persons[i] = (i * 7) % PERSONS;
	/* Batches of uneven sizes, so that appends resume from stored nodes at odd sizes. */
	static const int batches[] = { 1, 2, 5, 7, 1, 16, 8 };
	int n = 0;
	for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
		append_entries(f, persons + n, batches[b], out + n);
		n += batches[b];
	}
	assert_int_equal(n, 40);
	static unsigned char hashes[MAX_ENTRIES * MERKLE_HASH_BYTES];
	assert_int_equal(leaf_hashes(f, hashes), 40);
	struct merkle_leaves leaves = { .hashes = hashes };
	unsigned char roots[41][MERKLE_HASH_BYTES];
	for (int size = 0; size <= 40; size++)
		assert_ok(merkle_root(&leaves, (uint64_t)size, roots[size]));
	struct merkle_proof p;
	for (int size = 1; size <= 40; size++) {
		for (int i = 0; i < size; i++) {
			assert_ok(ledger_inclusion_proof(f->st, (uint64_t)i, (uint64_t)size, &p));
			if (!merkle_inclusion_verify((uint64_t)i, (uint64_t)size, hashes + i * MERKLE_HASH_BYTES, &p,
						     roots[size]))
				fail_msg("inclusion of leaf %d in tree %d does not verify", i, size);
			/* Another leaf's hash is not proven by it. */
			int j = (i + 1) % size;
			if (j != i)
				assert_false(merkle_inclusion_verify((uint64_t)i, (uint64_t)size,
								     hashes + j * MERKLE_HASH_BYTES, &p, roots[size]));
		}
	}
	for (int second = 0; second <= 40; second++) {
		for (int first = 0; first <= second; first++) {
			assert_ok(ledger_consistency_proof(f->st, (uint64_t)first, (uint64_t)second, &p));
			if (!merkle_consistency_verify((uint64_t)first, (uint64_t)second, roots[first], roots[second], &p))
				fail_msg("consistency %d -> %d does not verify", first, second);
		}
	}
	/* The whole tree's root is what a tree head signs. */
	struct merkle_sth sth;
	assert_ok(ledger_sth_current(f->st, g_keys, 40, &sth));
	assert_memory_equal(sth.root_hash, roots[40], MERKLE_HASH_BYTES);
	/* Past the log: refused. */
	assert_fails(ledger_inclusion_proof(f->st, 3, 41, &p), LL_OUT_OF_RANGE, "tree_size");
	assert_fails(ledger_inclusion_proof(f->st, 40, 40, &p), LL_OUT_OF_RANGE, NULL);
	assert_fails(ledger_consistency_proof(f->st, 10, 41, &p), LL_OUT_OF_RANGE, "second");
	assert_fails(ledger_consistency_proof(f->st, 30, 20, &p), LL_OUT_OF_RANGE, NULL);
}

/* ---- Verification ---- */

/* Twelve entries (seq 0-11) for three persons: deposits, a correction (seq 6) and a revocation
 * (seq 7), with signed tree heads of sizes 8 and 12. */
static void ledger_for_tamper(struct fx *f)
{
	static const int who[] = { 0, 0, 0, 1, 1 };
	struct deposit_result d[5];
	for (int i = 0; i < 5; i++) {
		char title[32], ext[16];
		snprintf(title, sizeof(title), "课程 %d", i);
		snprintf(ext, sizeof(ext), "t-%d", i);
		struct outcome o = credit_of(f, who[i], arena_strdup(&f->a, title), 1000 * (i + 1), "2026-06-30",
					     arena_strdup(&f->a, ext));
		d[i] = deposit_ok(f, U1, &o);
	}
	struct outcome t = training_of(f, 2, "安全生产培训", 8000);
	deposit_ok(f, ENT, &t);                                                    /* seq 5 */
	struct outcome fixed = credit_of(f, 0, "课程 0（更正）", 1000, "2026-06-30", NULL);
	correct_ok(f, U1, d[0].outcome_id, &fixed, "名称更正");                     /* seq 6 */
	revoke_ok(f, U1, d[3].outcome_id, "重复");                                  /* seq 7 */
	struct merkle_sth sth;
	assert_ok(ledger_sth_current(f->st, g_keys, 8, &sth));
	assert_int_equal(sth.tree_size, 8);
	for (int i = 0; i < 4; i++) {                                             /* seq 8-11 */
		struct outcome o = training_of(f, i % PERSONS, arena_printf(&f->a, "培训 %d", i), 1000 * (i + 1));
		deposit_ok(f, ENT, &o);
	}
	assert_ok(ledger_sth_current(f->st, g_keys, 12, &sth));
	assert_int_equal(sth.tree_size, 12);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 12);
}

static void assert_broken(struct fx *f, const char *want)
{
	struct verify_report v = verify(f);
	if (v.is_ok)
		fail_msg("the verifier found nothing wrong (want a failure naming '%s')", want);
	if (!strstr(v.first_failure, want))
		fail_msg("first failure '%s' does not name '%s'", v.first_failure, want);
}

struct progress {
	uint64_t calls, done, total;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	p->calls++;
	p->done = done;
	p->total = total;
}

static void test_verify_clean_ledger_is_ok(void **state)
{
	struct fx *f = *state;
	ledger_for_tamper(f);
	struct verify_report v = verify(f);
	if (!v.is_ok)
		fail_msg("clean ledger: %s", v.first_failure);
	assert_int_equal(v.entries, 12);
	assert_int_equal(v.persons, 3);
	assert_int_equal(v.tree_heads, 2);
	assert_int_equal(v.nodes, count_rows(f->st, "ledger_nodes"));
	assert_int_equal(v.nodes, 6 + 3 + 1); /* above the 12 leaves */
	assert_string_equal(v.first_failure, "");
	/* Progress ends at the whole log. */
	struct progress p = { 0 };
	assert_ok(ledger_verify(f->st, g_keys->sign_pk, on_progress, &p, &v));
	assert_true(p.calls >= 1);
	assert_int_equal(p.done, 12);
	assert_int_equal(p.total, 12);
	/* Another node's key does not verify this node's tree heads. */
	unsigned char other_pk[MERKLE_PUBLIC_KEY_BYTES];
	memcpy(other_pk, g_keys->sign_pk, sizeof(other_pk));
	other_pk[31] ^= 0x40;
	assert_ok(ledger_verify(f->st, other_pk, NULL, NULL, &v));
	assert_false(v.is_ok);
	assert_non_null(strstr(v.first_failure, "signed tree head of size 8: the signature"));
	/* Verifying reads only. */
	struct counts before = counts_now(f);
	verify(f);
	assert_counts_equal(counts_now(f), before);
}

/* One way of tampering with the stored ledger behind its back, and what the verifier must name. */
struct tamper {
	const char *name;
	const char *sql[3];    /* run in order, each in its own transaction */
	size_t blob_bytes;     /* not 0: $1 is a blob of that many bytes */
	bool is_rehashed;      /* then recompute every entry hash and tree node and drop the tree heads,
			        * as someone without the signing key but with write access would */
	const char *want;
};

static const struct tamper tampers[] = {
	{ "test_verify_finds_changed_title", { "UPDATE ledger_entries SET title = 'tampered' WHERE seq = 3" }, 0, false,
	  "entry 3 " },
	{ "test_verify_finds_changed_credits",
	  { "UPDATE ledger_entries SET credits_milli = credits_milli + 1000 WHERE seq = 4" }, 0, false, "entry 4 " },
	{ "test_verify_finds_deleted_entry", { "DELETE FROM ledger_entries WHERE seq = 6" }, 0, false,
	  "entry 6 is missing" },
	{ "test_verify_finds_deleted_last_entry", { "DELETE FROM ledger_entries WHERE seq = 11" }, 0, false,
	  "entry 11 is missing" },
	{ "test_verify_finds_changed_prev_hash", { "UPDATE ledger_entries SET prev_hash = $1 WHERE seq = 7" },
	  ENTRY_HASH_BYTES, false, "entry 7 " },
	{ "test_verify_finds_changed_entry_hash", { "UPDATE ledger_entries SET entry_hash = $1 WHERE seq = 2" },
	  ENTRY_HASH_BYTES, false, "entry 2 " },
	{ "test_verify_finds_changed_lowest_node",
	  { "UPDATE ledger_nodes SET hash = $1 WHERE last_leaf = 1 AND level = 1" }, MERKLE_HASH_BYTES, false,
	  "tree node (level 1, last leaf 1) does not match" },
	{ "test_verify_finds_changed_interior_node",
	  { "UPDATE ledger_nodes SET hash = $1 WHERE last_leaf = 7 AND level = 3" }, MERKLE_HASH_BYTES, false,
	  "tree node (level 3, last leaf 7) does not match" },
	{ "test_verify_finds_deleted_node", { "DELETE FROM ledger_nodes WHERE last_leaf = 5 AND level = 1" }, 0, false,
	  "tree node (level 1, last leaf 5) is missing" },
	{ "test_verify_finds_changed_sth_root", { "UPDATE ledger_sth SET root_hash = $1 WHERE tree_size = 8" },
	  MERKLE_HASH_BYTES, false, "signed tree head of size 8: its root does not match" },
	{ "test_verify_finds_changed_sth_signature", { "UPDATE ledger_sth SET signature = $1 WHERE tree_size = 12" },
	  MERKLE_SIG_BYTES, false, "signed tree head of size 12: the signature" },
	{ "test_verify_finds_entry_beyond_head",
	  { "INSERT INTO ledger_entries (seq, id, person_id, person_seq, prev_hash, entry_hash, op, outcome_id, "
	    "supersedes, submission_id, standard_version, institution_id, kind, title, code, level, credits_milli, "
	    "hours_milli, result_kind, result, started_on, awarded_on, certificate_no, evidence_sha256, external_id, "
	    "actor_id, reason, created_at) SELECT 12, id || '-extra', person_id, person_seq + 1000, prev_hash, entry_hash, "
	    "op, outcome_id, NULL, submission_id, standard_version, institution_id, kind, title, code, level, "
	    "credits_milli, hours_milli, result_kind, result, started_on, awarded_on, certificate_no, evidence_sha256, "
	    "external_id, actor_id, reason, created_at FROM ledger_entries WHERE seq = 11" },
	  0, false, "1 entries lie outside the log" },
	{ "test_verify_finds_node_beyond_head",
	  { "INSERT INTO ledger_nodes (last_leaf, level, hash) SELECT 13, 1, hash FROM ledger_nodes "
	    "WHERE last_leaf = 11 AND level = 1" },
	  0, false, "1 tree nodes lie outside the log" },
	{ "test_verify_finds_head_beyond_entries", { "UPDATE ledger_head SET size = 13 WHERE id = 1" }, 0, false,
	  "entry 12 is missing" },
	/* The last two entries removed with everything that would betray them, but the signed tree
	 * head of size 12 was published: the log must not verify. */
	{ "test_verify_finds_log_truncated_below_a_signed_head",
	  { "DELETE FROM ledger_entries WHERE seq >= 10", "DELETE FROM ledger_nodes WHERE last_leaf >= 10",
	    "UPDATE ledger_head SET size = 10 WHERE id = 1" },
	  0, false, "signed tree head of size 12" },
	/* Rewritten history with every hash and node recomputed: only the person chains tell. */
	{ "test_verify_finds_rehashed_broken_chain", { "UPDATE ledger_entries SET prev_hash = $1 WHERE seq = 7" },
	  ENTRY_HASH_BYTES, true, "entry 7: person person-2's chain is broken" },
	{ "test_verify_finds_rehashed_skipped_person_seq",
	  { "UPDATE ledger_entries SET person_seq = person_seq + 1 WHERE seq = 10" }, 0, true,
	  "entry 10: person person-3's chain skips from 1 to 3" },
	{ "test_verify_finds_rehashed_chain_not_starting_at_first",
	  { "UPDATE ledger_entries SET prev_hash = $1 WHERE seq = 5" }, ENTRY_HASH_BYTES, true,
	  "entry 5: person person-3's chain does not start at their first entry" },
};

struct rehash_ctx {
	struct fx *f;
	struct entries_read *r;
	struct ll_tx *tx;
};

static enum ll_err rehash_node(void *ctx, unsigned level, uint64_t index, const unsigned char hash[MERKLE_HASH_BYTES])
{
	static const struct store_stmt NODE_INSERT = {
		"test node insert", "INSERT INTO ledger_nodes (last_leaf, level, hash) VALUES ($1, $2, $3)"
	};
	struct rehash_ctx *c = ctx;
	if (level == 0)
		return LL_OK; /* a leaf is its entry's hash */
	int64_t last_leaf = (int64_t)(((index + 1) << level) - 1);
	return store_exec(c->tx, &NODE_INSERT, SP(SV_I64(last_leaf), SV_I64(level), SV_BLOB(hash, MERKLE_HASH_BYTES)),
			  NULL, NULL);
}

static enum ll_err rehash_txn(struct ll_tx *tx, void *ctx)
{
	static const struct store_stmt CLEAR_NODES = { "test clear nodes", "DELETE FROM ledger_nodes" };
	static const struct store_stmt CLEAR_STHS = { "test clear sths", "DELETE FROM ledger_sth" };
	static const struct store_stmt SET_HASH = {
		"test set entry hash", "UPDATE ledger_entries SET entry_hash = $2 WHERE seq = $1"
	};
	struct rehash_ctx *c = ctx;
	c->tx = tx;
	enum ll_err err = store_exec(tx, &CLEAR_NODES, SP_NONE, NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &CLEAR_STHS, SP_NONE, NULL, NULL);
	struct merkle_frontier fr;
	merkle_frontier_init(&fr);
	for (int i = 0; i < c->r->n && err == LL_OK; i++) {
		struct ledger_entry *e = &c->r->items[i];
		if ((err = entry_compute_hash(e, e->entry_hash)) == LL_OK)
			err = store_exec(tx, &SET_HASH, SP(SV_I64(e->seq), SV_BLOB(e->entry_hash, ENTRY_HASH_BYTES)), NULL,
					 NULL);
		if (err == LL_OK)
			err = merkle_frontier_append_emit(&fr, e->entry_hash, rehash_node, c);
	}
	return err;
}

/* Makes every entry hash and tree node match the entries as they now are. */
static void rehash(struct fx *f)
{
	static struct entries_read r;
	entries_all(f, &r);
	struct rehash_ctx c = { f, &r, NULL };
	assert_ok(store_run(f->st, STORE_WRITE, "test rehash", rehash_txn, &c));
}

static void test_verify_finds_tampering(void **state)
{
	struct fx *f = *state;
	const struct tamper *t = f->tamper;
	ledger_for_tamper(f);
	if (t->is_rehashed) {
		/* Recomputing alone leaves a ledger that verifies: the finding is the tampering's. */
		rehash(f);
		struct verify_report v = verify(f);
		if (!v.is_ok)
			fail_msg("rehashed clean ledger: %s", v.first_failure);
	}
	unsigned char blob[MERKLE_SIG_BYTES];
	memset(blob, 0xab, sizeof(blob));
	for (int i = 0; i < 3 && t->sql[i]; i++) {
		if (t->blob_bytes)
			assert_true(sql(f->st, t->sql[i], SP(SV_BLOB(blob, t->blob_bytes)), NULL, NULL) >= 1);
		else
			assert_true(sql(f->st, t->sql[i], SP_NONE, NULL, NULL) >= 1);
	}
	if (t->is_rehashed)
		rehash(f);
	assert_broken(f, t->want);
}

static void test_verify_finds_resigned_sth_over_wrong_root(void **state)
{
	struct fx *f = *state;
	ledger_for_tamper(f);
	/* Signed with the node's own key, so the signature holds: the root still has to match. */
	struct merkle_sth sth = { .tree_size = 8, .timestamp_us = clock_now_us() };
	memset(sth.root_hash, 0x42, sizeof(sth.root_hash));
	assert_ok(merkle_sth_sign(&sth, g_keys));
	assert_int_equal(sql(f->st, "UPDATE ledger_sth SET root_hash = $1, signature = $2, timestamp_us = $3 "
				    "WHERE tree_size = 8",
			     SP(SV_BLOB(sth.root_hash, MERKLE_HASH_BYTES), SV_BLOB(sth.signature, MERKLE_SIG_BYTES),
				SV_I64(sth.timestamp_us)),
			     NULL, NULL),
			 1);
	assert_broken(f, "signed tree head of size 8: its root does not match");
}

int main(void)
{
	log_set_level(LOG_ERROR); /* the failures these tests cause on purpose are logged as warnings */
	if (crypto_init() != LL_OK)
		return 1;
	snprintf(g_dir, sizeof(g_dir), "%s", "/tmp/lifelong-test-ledger.XXXXXX");
	if (!mkdtemp(g_dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(g_keys_path, sizeof(g_keys_path), "%s/keys", g_dir);
	if (keys_generate_file(g_keys_path) != LL_OK || keys_load(g_keys_path, &g_keys) != LL_OK) {
		fprintf(stderr, "cannot make test keys\n");
		return 1;
	}
	snprintf(g_sqlite_path, sizeof(g_sqlite_path), "%s/ledger.db", g_dir);
	snprintf(g_sqlite_url, sizeof(g_sqlite_url), "sqlite:%s", g_sqlite_path);

#define T(name) cmocka_unit_test_setup_teardown(name, setup_ledger, teardown_ledger)
	const struct CMUnitTest engine_tests[] = {
		T(test_deposit_auto_kind_is_stored_at_once),
		T(test_deposit_same_external_id_same_content_is_idempotent),
		T(test_deposit_same_external_id_different_content_is_refused),
		T(test_deposit_failing_check_writes_nothing),
		T(test_manual_kind_waits_for_review_then_approval_appends),
		T(test_reject_and_return_need_a_reason),
		T(test_deciding_twice_is_not_pending),
		T(test_returned_submission_is_resubmitted_and_approved),
		T(test_resubmission_under_an_automatic_standard_is_stored_at_once),
		T(test_correction_supersedes_head_and_keeps_identity),
		T(test_correction_of_reviewed_kind_waits_for_review),
		T(test_revoked_outcome_cannot_be_corrected_or_revoked_again),
		T(test_reviewer_revokes_any_outcome),
		T(test_history_lists_versions_oldest_first),
		T(test_transcript_shows_current_versions_and_totals),
		T(test_transcript_scoping),
		T(test_transcript_of_unrelated_institution_is_not_found),
		T(test_transcript_csv_has_bom_header_and_rows),
		T(test_append_chains_each_person_across_interleaved_appends),
		T(test_append_of_new_persons_chains_within_the_batch),
		T(test_append_through_deposits_chains_each_person),
		T(test_sth_signs_the_root_of_the_entries),
		T(test_sth_of_empty_log_is_the_empty_root),
		T(test_proofs_verify_for_every_leaf),
		T(test_verify_clean_ledger_is_ok),
		T(test_verify_finds_resigned_sth_over_wrong_root),
	};
#undef T
	/* The tampering cases, one named test each, with the case as the initial state. */
	struct CMUnitTest tests[sizeof(engine_tests) / sizeof(engine_tests[0]) + sizeof(tampers) / sizeof(tampers[0])];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(engine_tests) / sizeof(engine_tests[0]); i++)
		tests[n++] = engine_tests[i];
	for (size_t i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++)
		tests[n++] = (struct CMUnitTest){ .name = tampers[i].name, .test_func = test_verify_finds_tampering,
						  .setup_func = setup_ledger, .teardown_func = teardown_ledger,
						  .initial_state = (void *)&tampers[i] };
	g_url = g_sqlite_url;
	g_is_pg = false;
	int failed = _cmocka_run_group_tests("ledger on sqlite", tests, n, NULL, NULL);
	sqlite_remove();
	const char *pg = getenv("LIFELONG_TEST_PG");
	if (pg && pg[0]) {
		g_url = pg;
		g_is_pg = true;
		failed += _cmocka_run_group_tests("ledger on postgres", tests, n, NULL, NULL);
	} else {
		printf("ledger on postgres: SKIPPED, LIFELONG_TEST_PG is not set (run under scripts/pg-test.sh run)\n");
	}
	g_keys = keys_free(g_keys);
	unlink(g_keys_path);
	rmdir(g_dir);
	return failed ? 1 : 0;
}
