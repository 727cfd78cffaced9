/*
 * The demo city on a real database: a small run (2,000 persons, seed 7) must create every
 * institution type and one user per role, spread persons over the districts as the 2020 census
 * does, store only valid ID numbers (opened from their sealed form), phones that are unique and
 * found by their look-up hash, valid account numbers, and sign-ins that work; a second run on the
 * same database must be refused; and the same seed on two empty databases must give the same
 * people. Every case runs on SQLite (a file in a temporary folder) and, when LIFELONG_TEST_PG
 * names a server (scripts/pg-test.sh run sets it), again on PostgreSQL.
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
#include "auth/auth.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "demo/demo.h"
#include "org/org.h"
#include "store/store.h"

#define PERSONS 2000
#define SEED 7

static const char *g_url;
static bool g_is_pg;
static char g_dir[64];
static char g_sqlite_path[128];
static char g_sqlite_url[160];
static char g_keys_path[160];
static struct ll_keys *g_keys;

/* ---- helpers ---- */

struct query {
	struct store_stmt stmt;
	const struct store_val *params;
	int n_params;
	store_row_fn on_row;
	void *ctx;
};

static enum ll_err query_txn(struct ll_tx *tx, void *ctx)
{
	struct query *q = ctx;
	return store_exec(tx, &q->stmt, q->params, q->n_params, q->on_row, q->ctx);
}

/* Runs one statement in its own transaction, rows to on_row. */
static void query(struct ll_store *st, const char *sql, const struct store_val *params, int n_params,
		  store_row_fn on_row, void *ctx)
{
	struct query q = { { "test query", sql }, params, n_params, on_row, ctx };
	assert_int_equal(store_run(st, STORE_WRITE, "test", query_txn, &q), LL_OK);
}

static enum ll_err i64_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static int64_t query_i64(struct ll_store *st, const char *sql, const struct store_val *params, int n_params)
{
	int64_t v = -1;
	query(st, sql, params, n_params, i64_row, &v);
	return v;
}

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

/* A new, migrated database with the reference divisions: a fresh SQLite file or an empty schema. */
static struct ll_store *database_fresh(void)
{
	struct ll_store *st = NULL;
	if (g_is_pg) {
		assert_int_equal(store_open(g_url, NULL, &st), LL_OK);
		assert_int_equal(store_run(st, STORE_WRITE, "schema reset", schema_reset_txn, NULL), LL_OK);
		st = store_close(st);
	} else {
		const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
		for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
			char path[160];
			snprintf(path, sizeof(path), "%s%s", g_sqlite_path, suffixes[i]);
			unlink(path);
		}
	}
	assert_int_equal(store_open(g_url, NULL, &st), LL_OK);
	assert_int_equal(store_migrate(st, NULL), LL_OK);
	assert_int_equal(org_load_reference(st, NULL), LL_OK);
	return st;
}

static struct ll_store *demo_run(uint64_t seed, int64_t persons, struct demo_summary *ret_sum)
{
	struct ll_store *st = database_fresh();
	struct demo_options opt = { .persons = persons, .seed = seed, .batch_rows = 700 /* several batches */ };
	assert_int_equal(demo_generate(st, g_keys, &opt, ret_sum), LL_OK);
	return st;
}

/* ---- the city ---- */

struct type_count {
	int64_t counts[32];
};

static enum ll_err type_row(const struct store_row *row, void *ctx)
{
	struct type_count *t = ctx;
	for (int i = 0; institution_types[i]; i++)
		if (strcmp(institution_types[i], store_row_text(row, 0)) == 0)
			t->counts[i] = store_row_i64(row, 1);
	return LL_OK;
}

static void check_institutions(struct ll_store *st)
{
	struct type_count t = { { 0 } };
	query(st, "SELECT type, COUNT(*) FROM institutions GROUP BY type", SP_NONE, type_row, &t);
	for (int i = 0; institution_types[i]; i++) {
		if (t.counts[i] < 1)
			fail_msg("no demo institution of type %s", institution_types[i]);
	}
	/* Several of each type, and in every district. */
	for (int i = 0; institution_types[i]; i++)
		assert_true(t.counts[i] >= 3);
	assert_int_equal(query_i64(st,
				   "SELECT COUNT(*) FROM divisions d WHERE d.level = 2 AND NOT EXISTS "
				   "(SELECT 1 FROM institutions i WHERE i.district_code = d.code)",
				   SP_NONE),
			 0);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM institutions WHERE type = $1 AND name = $2",
				   SP(SV_TEXT("credit_bank"), SV_TEXT("上海市学分银行"))),
			 1);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM institutions WHERE type = $1",
				   SP(SV_TEXT("partner_credit_bank"))),
			 3);
}

static void check_users(struct ll_store *st, const struct demo_summary *sum)
{
	for (int i = 0; i < ROLE_COUNT; i++) {
		if (!role_is_user(role_at(i)))
			continue; /* a learning platform's credentials are no user */
		const char *role = role_name(role_at(i));
		if (query_i64(st, "SELECT COUNT(*) FROM users WHERE role = $1", SP(SV_TEXT(role))) < 1)
			fail_msg("no demo user with role %s", role);
	}
	static const struct {
		const char *login, *role, *institution;
	} staff[] = {
		{ "city.admin", "city_admin", NULL },        { "district.admin", "district_admin", NULL },
		{ "auditor", "auditor", NULL },              { "reviewer", "reviewer", "上海市学分银行" },
		{ "inst.admin", "institution_admin", "上海开放大学" }, { "staff", "staff", "上海开放大学" },
	};
	for (size_t i = 0; i < sizeof(staff) / sizeof(staff[0]); i++) {
		assert_int_equal(query_i64(st,
					   "SELECT COUNT(*) FROM users u LEFT JOIN institutions i ON i.id = u.institution_id "
					   "WHERE u.login = $1 AND u.role = $2 AND COALESCE(i.name, '') = $3",
					   SP(SV_TEXT(staff[i].login), SV_TEXT(staff[i].role),
					      SV_TEXT(staff[i].institution ? staff[i].institution : ""))),
				 1);
	}
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM users WHERE login = $1 AND district_code = $2",
				   SP(SV_TEXT("district.admin"), SV_TEXT(DEMO_DISTRICT_CODE))),
			 1);
	/* One citizen user per activated person, logging in with the account number. */
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM persons WHERE is_activated = 1", SP_NONE), sum->activated);
	assert_int_equal(query_i64(st,
				   "SELECT COUNT(*) FROM users u JOIN persons p ON p.id = u.person_id "
				   "WHERE u.role = 'citizen' AND u.login = p.account_no AND p.is_activated = 1",
				   SP_NONE),
			 sum->activated);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM users", SP_NONE), sum->users);
}

struct district_count {
	int64_t population[DEMO_DISTRICTS], persons[DEMO_DISTRICTS];
	char codes[DEMO_DISTRICTS][ORG_CODE_LEN + 1];
	int n;
};

static enum ll_err district_row(const struct store_row *row, void *ctx)
{
	struct district_count *d = ctx;
	assert_true(d->n < DEMO_DISTRICTS);
	snprintf(d->codes[d->n], sizeof(d->codes[d->n]), "%s", store_row_text(row, 0));
	d->population[d->n] = store_row_i64(row, 1);
	d->persons[d->n] = store_row_i64(row, 2);
	d->n++;
	return LL_OK;
}

static void check_districts(struct ll_store *st)
{
	struct district_count d = { .n = 0 };
	query(st,
	      "SELECT dp.district_code, dp.population_2020, (SELECT COUNT(*) FROM persons p WHERE p.district_code = "
	      "dp.district_code) FROM district_population dp ORDER BY dp.district_code",
	      SP_NONE, district_row, &d);
	assert_int_equal(d.n, DEMO_DISTRICTS);
	int64_t pop = 0, persons = 0;
	for (int i = 0; i < d.n; i++) {
		pop += d.population[i];
		persons += d.persons[i];
	}
	assert_int_equal(persons, PERSONS);
	for (int i = 0; i < d.n; i++) {
		/* Quotas by largest remainder: each district within one person of its census share. */
		double want = (double)PERSONS * (double)d.population[i] / (double)pop;
		if ((double)d.persons[i] < want - 1.0 || (double)d.persons[i] > want + 1.0)
			fail_msg("district %s has %lld persons, census share %.1f", d.codes[i], (long long)d.persons[i], want);
	}
	/* Everyone lives in a committee of a subdistrict of their own district. */
	assert_int_equal(query_i64(st,
				   "SELECT COUNT(*) FROM persons p JOIN divisions c ON c.code = p.committee_code "
				   "JOIN divisions s ON s.code = c.parent_code "
				   "WHERE c.level = 4 AND s.code = p.subdistrict_code AND s.parent_code = p.district_code",
				   SP_NONE),
			 PERSONS);
}

struct person_check {
	int64_t rows, with_phone, activated, non_local, elderly;
	char citizen_phone_hash[CRYPTO_HASH_BYTES * 2 + 1];
};

static enum ll_err person_row(const struct store_row *row, void *ctx)
{
	struct person_check *c = ctx;
	/* account_no, id_sealed, id_hash, birth_date, gender, phone_sealed, phone_hash, is_activated, activated_at,
	 * created_at */
	const char *account_no = store_row_text(row, 0);
	if (!account_no_is_valid(account_no))
		fail_msg("account number %s is not valid", account_no);
	size_t len;
	const unsigned char *sealed = store_row_blob(row, 1, &len);
	assert_int_equal(len, ID_NUMBER_LEN + CRYPTO_SEAL_OVERHEAD);
	char id[ID_NUMBER_LEN + 1] = { 0 };
	assert_true(crypto_open(g_keys, sealed, len, id));
	struct id_facts facts;
	if (id_number_check(id, clock_now_us(), &facts) != LL_OK)
		fail_msg("ID number of account %s is not valid: %s", account_no, ll_error_get(LL_INVALID_ID_NUMBER)->message);
	unsigned char want_hash[CRYPTO_HASH_BYTES];
	crypto_lookup_hash(g_keys, CRYPTO_DOMAIN_ID_NUMBER, id, ID_NUMBER_LEN, want_hash);
	const void *hash = store_row_blob(row, 2, &len);
	assert_int_equal(len, CRYPTO_HASH_BYTES);
	assert_memory_equal(hash, want_hash, CRYPTO_HASH_BYTES);
	char birth[16];
	snprintf(birth, sizeof(birth), "%04u-%02u-%02u", (unsigned)facts.birth_year % 10000u,
		 (unsigned)facts.birth_month % 100u, (unsigned)facts.birth_day % 100u);
	assert_string_equal(store_row_text(row, 3), birth);
	char gender[2] = { facts.gender, 0 };
	assert_string_equal(store_row_text(row, 4), gender);
	c->non_local += strncmp(id, "31", 2) != 0;
	c->elderly += facts.birth_year <= 1966;
	if (!store_row_is_null(row, 5)) {
		char phone[PHONE_LEN + 1] = { 0 };
		sealed = store_row_blob(row, 5, &len);
		assert_int_equal(len, PHONE_LEN + CRYPTO_SEAL_OVERHEAD);
		assert_true(crypto_open(g_keys, sealed, len, phone));
		assert_int_equal(phone_check(phone), LL_OK);
		crypto_lookup_hash(g_keys, CRYPTO_DOMAIN_PHONE, phone, PHONE_LEN, want_hash);
		assert_memory_equal(store_row_blob(row, 6, &len), want_hash, CRYPTO_HASH_BYTES);
		c->with_phone++;
	}
	bool is_activated = store_row_i64(row, 7) != 0;
	int64_t created = store_row_i64(row, 9);
	if (is_activated) {
		int64_t activated = store_row_i64(row, 8);
		assert_true(activated >= clock_days_from_civil(2021, 1, 1) * 86400LL * 1000000LL);
		assert_true(activated <= clock_days_from_civil(2026, 11, 1) * 86400LL * 1000000LL);
		assert_true(created <= activated);
		c->activated++;
	} else {
		assert_true(store_row_is_null(row, 8));
	}
	c->rows++;
	return LL_OK;
}

static void check_persons(struct ll_store *st, const struct demo_summary *sum)
{
	struct person_check c = { 0 };
	query(st,
	      "SELECT account_no, id_sealed, id_hash, birth_date, gender, phone_sealed, phone_hash, is_activated, "
	      "activated_at, created_at FROM persons ORDER BY account_no",
	      SP_NONE, person_row, &c);
	assert_int_equal(c.rows, PERSONS);
	assert_int_equal(sum->persons, PERSONS);
	assert_int_equal(c.activated, sum->activated);
	assert_int_equal(c.with_phone, sum->with_phone);
	/* About 70% with a phone, 30-40% activated, many born elsewhere, many elderly. */
	assert_true(c.with_phone > PERSONS * 60 / 100 && c.with_phone < PERSONS * 80 / 100);
	assert_true(c.activated > PERSONS * 30 / 100 && c.activated < PERSONS * 40 / 100);
	assert_true(c.non_local > PERSONS * 10 / 100 && c.non_local < PERSONS * 50 / 100);
	assert_true(c.elderly > PERSONS * 20 / 100);
	/* Unique account numbers and phones: sign-in by phone must find one person. */
	assert_int_equal(query_i64(st, "SELECT COUNT(DISTINCT account_no) FROM persons", SP_NONE), PERSONS);
	assert_int_equal(query_i64(st, "SELECT COUNT(DISTINCT phone_hash) FROM persons", SP_NONE), c.with_phone);
	/* The registering institutions exist (foreign keys) and some residents have one. */
	assert_true(query_i64(st, "SELECT COUNT(*) FROM persons WHERE registered_by IS NOT NULL", SP_NONE) > PERSONS / 3);
}

static void check_sign_ins(struct ll_store *st, const struct demo_summary *sum)
{
	struct pw_gate *gate = pw_gate_new(1, 4);
	struct arena a;
	arena_init(&a, 0);
	struct user u;
	const char *token, *csrf;
	assert_int_equal(sum->n_sign_ins, DEMO_SIGN_INS);
	assert_int_equal(auth_sign_in(st, g_keys, gate, "city.admin", DEMO_PASSWORD, "127.0.0.1", &a, &u, &token, &csrf),
			 LL_OK);
	assert_int_equal(u.role, ROLE_CITY_ADMIN);
	/* The demo citizen: by phone, and by the account number the closing table prints. */
	const struct demo_sign_in *citizen = &sum->sign_ins[DEMO_SIGN_INS - 1];
	assert_string_equal(citizen->role, "citizen");
	assert_int_equal(auth_sign_in(st, g_keys, gate, DEMO_CITIZEN_PHONE, DEMO_PASSWORD, "127.0.0.1", &a, &u, &token,
				      &csrf),
			 LL_OK);
	assert_int_equal(u.role, ROLE_CITIZEN);
	assert_string_equal(u.login, citizen->login);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM persons WHERE account_no = $1 AND district_code = $2",
				   SP(SV_TEXT(citizen->login), SV_TEXT(DEMO_DISTRICT_CODE))),
			 1);
	arena_release(&a);
	pw_gate_free(gate);
}

static void test_demo_city(void **state)
{
	(void)state;
	struct demo_summary sum;
	struct ll_store *st = demo_run(SEED, PERSONS, &sum);
	check_institutions(st);
	check_users(st, &sum);
	check_districts(st);
	check_persons(st, &sum);
	check_sign_ins(st, &sum);
	/* The two programmes, and the certification units: two approved, one waiting, one rejected
	 * with its reason. (Applications need learning histories, which this run does not make.) */
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM programmes WHERE code IN ('530601', '460306')", SP_NONE), 2);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM cert_units WHERE status = 'approved'", SP_NONE), 2);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM cert_units WHERE status = 'pending'", SP_NONE), 1);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM cert_units WHERE status = 'rejected' AND reason <> ''", SP_NONE),
			 1);
	/* The indexes dropped for the load are back. */
	if (!g_is_pg)
		assert_int_equal(query_i64(st,
					   "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN "
					   "('persons_district', 'persons_phone', 'persons_registered_by')",
					   SP_NONE),
				 3);
	/* A second run on the same database is refused, and writes nothing. */
	struct demo_options opt = { .persons = 10, .seed = SEED };
	struct demo_summary again;
	assert_int_equal(demo_generate(st, g_keys, &opt, &again), LL_CONFLICT);
	assert_int_equal(query_i64(st, "SELECT COUNT(*) FROM persons", SP_NONE), PERSONS);
	store_close(st);
}

/* ---- determinism ---- */

struct snapshot {
	char **lines;
	int64_t n;
};

static enum ll_err snapshot_row(const struct store_row *row, void *ctx)
{
	struct snapshot *s = ctx;
	size_t len;
	const unsigned char *sealed = store_row_blob(row, 6, &len);
	char id[ID_NUMBER_LEN + 1] = { 0 };
	assert_true(crypto_open(g_keys, sealed, len, id));
	char line[512];
	snprintf(line, sizeof(line), "%s|%s|%s|%s|%s|%s|%s|%s|%lld|%lld", store_row_text(row, 0), store_row_text(row, 1),
		 store_row_text(row, 2), store_row_text(row, 3), store_row_text(row, 4), store_row_text(row, 5), id,
		 store_row_is_null(row, 7) ? "-" : store_row_text(row, 7), (long long)store_row_i64(row, 8),
		 (long long)store_row_i64(row, 9));
	s->lines = realloc(s->lines, sizeof(char *) * (size_t)(s->n + 1));
	assert_non_null(s->lines);
	s->lines[s->n] = strdup(line);
	assert_non_null(s->lines[s->n]);
	s->n++;
	return LL_OK;
}

static struct snapshot snapshot_take(uint64_t seed)
{
	struct demo_summary sum;
	struct ll_store *st = demo_run(seed, 500, &sum);
	struct snapshot s = { 0 };
	query(st,
	      "SELECT account_no, id, name, birth_date, committee_code, COALESCE(registered_by, '-'), id_sealed, "
	      "phone_masked, COALESCE(activated_at, 0), created_at FROM persons ORDER BY account_no",
	      SP_NONE, snapshot_row, &s);
	store_close(st);
	return s;
}

static void snapshot_free(struct snapshot *s)
{
	for (int64_t i = 0; i < s->n; i++)
		free(s->lines[i]);
	free(s->lines);
}

static void test_demo_same_seed_same_people(void **state)
{
	(void)state;
	struct snapshot a = snapshot_take(SEED), b = snapshot_take(SEED), c = snapshot_take(SEED + 1);
	assert_int_equal(a.n, 500);
	assert_int_equal(b.n, a.n);
	for (int64_t i = 0; i < a.n; i++)
		assert_string_equal(a.lines[i], b.lines[i]);
	int64_t same = 0;
	for (int64_t i = 0; i < a.n && i < c.n; i++)
		same += strcmp(a.lines[i], c.lines[i]) == 0;
	assert_int_equal(same, 0);
	snapshot_free(&a);
	snapshot_free(&b);
	snapshot_free(&c);
}

/* ---- rules without a database ---- */

static void test_rng_streams_are_deterministic_and_independent(void **state)
{
	(void)state;
	struct demo_rng a, b, c;
	demo_rng_seed(&a, 42, 1);
	demo_rng_seed(&b, 42, 1);
	demo_rng_seed(&c, 42, 2);
	int differ = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = demo_rng_next(&a);
		assert_true(x == demo_rng_next(&b));
		differ += x != demo_rng_next(&c);
	}
	assert_true(differ > 990);
	for (int i = 0; i < 10000; i++)
		assert_true(demo_rng_below(&a, 7) < 7);
}

static void test_institution_table_names_every_type(void **state)
{
	(void)state;
	struct demo_district d[DEMO_DISTRICTS];
	assert_int_equal(demo_districts_load(d), LL_OK);
	struct demo_institution *items = NULL;
	int n = 0;
	assert_int_equal(demo_institutions_make(SEED, d, &items, &n), LL_OK);
	for (int t = 0; institution_types[t]; t++) {
		int count = 0;
		for (int i = 0; i < n; i++)
			count += items[i].type == t;
		if (count == 0)
			fail_msg("the demo has no institution of type %s", institution_types[t]);
	}
	for (int i = 0; i < n; i++) {
		assert_true(id_is_valid(items[i].id.s));
		for (int j = i + 1; j < n; j++) {
			assert_string_not_equal(items[i].name, items[j].name);
			assert_string_not_equal(items[i].id.s, items[j].id.s);
		}
	}
	free(items);
}

static const struct CMUnitTest engine_tests[] = {
	cmocka_unit_test(test_demo_city),
	cmocka_unit_test(test_demo_same_seed_same_people),
};

static const struct CMUnitTest rule_tests[] = {
	cmocka_unit_test(test_rng_streams_are_deterministic_and_independent),
	cmocka_unit_test(test_institution_table_names_every_type),
};

int main(void)
{
	log_set_level(LOG_ERROR);
	if (crypto_init() != LL_OK)
		return 1;
	snprintf(g_dir, sizeof(g_dir), "%s", "/tmp/lifelong-test-demo.XXXXXX");
	if (!mkdtemp(g_dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(g_keys_path, sizeof(g_keys_path), "%s/keys", g_dir);
	if (keys_generate_file(g_keys_path, false) != LL_OK || keys_load(g_keys_path, &g_keys) != LL_OK) {
		fprintf(stderr, "cannot make test keys\n");
		return 1;
	}
	snprintf(g_sqlite_path, sizeof(g_sqlite_path), "%s/demo.db", g_dir);
	snprintf(g_sqlite_url, sizeof(g_sqlite_url), "sqlite:%s", g_sqlite_path);

	int failed = cmocka_run_group_tests_name("demo rules", rule_tests, NULL, NULL);
	g_url = g_sqlite_url;
	g_is_pg = false;
	failed += cmocka_run_group_tests_name("demo on sqlite", engine_tests, NULL, NULL);
	const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char path[160];
		snprintf(path, sizeof(path), "%s%s", g_sqlite_path, suffixes[i]);
		unlink(path);
	}
	const char *pg = getenv("LIFELONG_TEST_PG");
	if (pg && pg[0]) {
		g_url = pg;
		g_is_pg = true;
		failed += cmocka_run_group_tests_name("demo on postgres", engine_tests, NULL, NULL);
	} else {
		printf("demo on postgres: SKIPPED, LIFELONG_TEST_PG is not set (run under scripts/pg-test.sh run)\n");
	}
	g_keys = keys_free(g_keys);
	unlink(g_keys_path);
	rmdir(g_dir);
	return failed ? 1 : 0;
}
