/*
 * The fixture the credit bank's store tests share (test_ledger_store.c: deposits, review,
 * corrections, transcripts; test_ledger_log.c: the log, proofs and the verifier): an empty,
 * migrated database with the reference data, four institutions and three persons for every case,
 * on SQLite (a file in a temporary folder) and again on PostgreSQL when LIFELONG_TEST_PG names a
 * server (scripts/pg-test.sh run sets it); SQL run behind the API's back; and the outcomes and
 * calls both files make. The PostgreSQL database is emptied (DROP SCHEMA public) before every
 * case, so it must be a throw-away one; nothing else is ever touched.
 *
 * Everything is static, functions static inline, so that each test program is still one
 * translation unit with its own copy and a helper one program does not use costs no warning.
 * Include it once, from the file that holds main.
 */
#ifndef LL_TEST_LEDGER_FIXTURE_H
#define LL_TEST_LEDGER_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "ledger/ledger.h"
#include "org/org.h"
#include "store/store.h"

#define DISTRICT_A "310101000000" /* 黄浦 */
#define DISTRICT_B "310104000000" /* 徐汇 */
#define U1 "inst-university-1"
#define U2 "inst-university-2"
#define ENT "inst-enterprise"
#define CS "inst-community-school"
#define PERSONS 3

static const char *g_url;
static bool g_is_pg;
static char g_dir[64];
static char g_sqlite_path[128];
static char g_sqlite_url[160];
static char g_keys_path[160];
/* The signing keys of the node under test, made once a program. */
static struct ll_keys *g_keys;

/* The persons' ids, in the order of struct fx's account numbers. */
static const char *const person_ids[PERSONS] = { "person-1", "person-2", "person-3" };
static const char *const person_districts[PERSONS] = { DISTRICT_A, DISTRICT_A, DISTRICT_B };

/* One case's world: its own store connection and arena, freed by teardown_ledger. */
struct fx {
	struct ll_store *st;
	struct arena a;
	char account[PERSONS][ACCOUNT_NO_LEN + 1];
	int titles;          /* for unique titles of appended entries */
	const void *param;   /* the case's own parameter, given as the test's initial state: NULL for
			      * most, a tampering case in test_ledger_log.c */
};

static const struct audit_actor ACTOR = { .id = "user-test", .role = "staff", .name = "test" };
static const struct ledger_caller REVIEWER = { .role = ROLE_REVIEWER, .user_id = "user-reviewer" };

static inline struct ledger_caller staff_of(const char *institution_id)
{
	return (struct ledger_caller){ .role = ROLE_STAFF, .user_id = "user-staff", .institution_id = institution_id };
}

/* ---- SQL behind the API's back ---- */

struct query {
	struct store_stmt stmt;
	const struct store_val *params;
	int n_params;
	store_row_fn on_row;
	void *ctx;
	int64_t changes;
};

static inline enum ll_err query_txn(struct ll_tx *tx, void *ctx)
{
	struct query *q = ctx;
	enum ll_err err = store_exec(tx, &q->stmt, q->params, q->n_params, q->on_row, q->ctx);
	q->changes = store_changes(tx);
	return err;
}

/* Runs one statement in its own write transaction, failing the test if it fails; returns the
 * rows it changed. */
static inline int64_t sql(struct ll_store *st, const char *text, const struct store_val *params, int n_params,
			  store_row_fn on_row, void *ctx)
{
	struct query q = { { "test statement", text }, params, n_params, on_row, ctx, 0 };
	enum ll_err err = store_run(st, STORE_WRITE, "test", query_txn, &q);
	if (err != LL_OK)
		fail_msg("%s: %s", text, ll_error_get(err)->message);
	return q.changes;
}

static inline enum ll_err i64_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

/* The first column of the last row a query returns; -1 when it returns none. */
static inline int64_t sql_i64(struct ll_store *st, const char *text, const struct store_val *params, int n_params)
{
	int64_t v = -1;
	sql(st, text, params, n_params, i64_row, &v);
	return v;
}

static inline int64_t count_rows(struct ll_store *st, const char *table)
{
	char text[128];
	snprintf(text, sizeof(text), "SELECT COUNT(*) FROM %s", table);
	return sql_i64(st, text, SP_NONE);
}

/* The rows of every table a write may touch, to show that a refusal wrote nothing. */
struct counts {
	int64_t submissions, entries, audit, nodes, evidence, sths, head;
};

static inline struct counts counts_now(struct fx *f)
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

static inline void assert_counts_equal(struct counts got, struct counts want)
{
	assert_int_equal(got.submissions, want.submissions);
	assert_int_equal(got.entries, want.entries);
	assert_int_equal(got.audit, want.audit);
	assert_int_equal(got.nodes, want.nodes);
	assert_int_equal(got.evidence, want.evidence);
	assert_int_equal(got.sths, want.sths);
	assert_int_equal(got.head, want.head);
}

/* Fails the test unless got is want and, when field is not NULL, names field. */
static inline void assert_fails(enum ll_err got, enum ll_err want, const char *field)
{
	if (got != want)
		fail_msg("got %s (%s), want %s", ll_err_code(got), ll_error_get(got)->message, ll_err_code(want));
	if (field)
		assert_string_equal(ll_error_get(got)->field, field);
}

static inline void assert_ok(enum ll_err err)
{
	if (err != LL_OK)
		fail_msg("failed with %s (%s: %s)", ll_err_code(err), ll_error_get(err)->field, ll_error_get(err)->message);
}

/* ---- The database of a case ---- */

static const char *const SCHEMA_RESET[] = { "DROP SCHEMA public CASCADE", "CREATE SCHEMA public" };

static inline enum ll_err schema_reset_txn(struct ll_tx *tx, void *ctx)
{
	(void)ctx;
	enum ll_err err = LL_OK;
	for (size_t i = 0; i < sizeof(SCHEMA_RESET) / sizeof(SCHEMA_RESET[0]) && err == LL_OK; i++) {
		struct store_stmt stmt = { "schema reset", SCHEMA_RESET[i] };
		err = store_exec(tx, &stmt, SP_NONE, NULL, NULL);
	}
	return err;
}

static inline void sqlite_remove(void)
{
	const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char path[160];
		snprintf(path, sizeof(path), "%s%s", g_sqlite_path, suffixes[i]);
		unlink(path);
	}
}

static inline int type_of(const char *name)
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

static inline enum ll_err population_txn(struct ll_tx *tx, void *ctx)
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

/* cmocka setup of every case: *state (the case's parameter) becomes a struct fx on a new
 * database. */
static inline int setup_ledger(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->param = *state;
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

static inline int teardown_ledger(void **state)
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

/* Runs tests on SQLite and then, when LIFELONG_TEST_PG is set, on PostgreSQL, as the groups
 * "<suite> on sqlite" and "<suite> on postgres"; returns main's exit status. Makes and removes
 * the temporary folder, the keys and the SQLite file. */
static inline int ledger_fixture_run(const char *suite, const struct CMUnitTest *tests, size_t n)
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
	if (keys_generate_file(g_keys_path, false) != LL_OK || keys_load(g_keys_path, &g_keys) != LL_OK) {
		fprintf(stderr, "cannot make test keys\n");
		return 1;
	}
	snprintf(g_sqlite_path, sizeof(g_sqlite_path), "%s/ledger.db", g_dir);
	snprintf(g_sqlite_url, sizeof(g_sqlite_url), "sqlite:%s", g_sqlite_path);

	char group[96];
	g_url = g_sqlite_url;
	g_is_pg = false;
	snprintf(group, sizeof(group), "%s on sqlite", suite);
	int failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	sqlite_remove();
	const char *pg = getenv("LIFELONG_TEST_PG");
	if (pg && pg[0]) {
		g_url = pg;
		g_is_pg = true;
		snprintf(group, sizeof(group), "%s on postgres", suite);
		failed += _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	} else {
		printf("%s on postgres: SKIPPED, LIFELONG_TEST_PG is not set (run under scripts/pg-test.sh run)\n", suite);
	}
	g_keys = keys_free(g_keys);
	unlink(g_keys_path);
	rmdir(g_dir);
	return failed ? 1 : 0;
}

/* ---- Outcomes and calls ---- */

/* Academic credit for person (0..PERSONS-1): code MATH101, grade A. Strings borrowed. */
static inline struct outcome credit_of(struct fx *f, int person, const char *title, int64_t credits_milli,
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

/* Enterprise training at level 3, awarded 2024-05-01. */
static inline struct outcome training_of(struct fx *f, int person, const char *title, int64_t hours_milli)
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

/* Deposit, correct and revoke as staff of institution_id, failing the test on an error; the
 * results' strings live in f's arena. */
static inline struct deposit_result deposit_ok(struct fx *f, const char *institution_id, const struct outcome *o)
{
	struct ledger_caller c = staff_of(institution_id);
	struct deposit_result r;
	assert_ok(ledger_deposit(f->st, &c, o, &ACTOR, &f->a, &r));
	return r;
}

static inline struct deposit_result correct_ok(struct fx *f, const char *institution_id, const char *outcome_id,
					       const struct outcome *o, const char *reason)
{
	struct ledger_caller c = staff_of(institution_id);
	struct deposit_result r;
	assert_ok(ledger_correct(f->st, &c, outcome_id, o, reason, &ACTOR, &f->a, &r));
	return r;
}

static inline const char *revoke_ok(struct fx *f, const char *institution_id, const char *outcome_id,
				    const char *reason)
{
	struct ledger_caller c = staff_of(institution_id);
	const char *id = NULL;
	assert_ok(ledger_revoke(f->st, &c, outcome_id, reason, &ACTOR, &f->a, &id));
	return id;
}

/* The verifier's report with the node's own key. */
static inline struct verify_report verify(struct fx *f)
{
	struct verify_report r;
	assert_ok(ledger_verify(f->st, g_keys->sign_pk, NULL, NULL, &r));
	return r;
}

#endif
