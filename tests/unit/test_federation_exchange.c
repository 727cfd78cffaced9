/*
 * The federation's exchange of a person's records on a real database, on SQLite and, when
 * LIFELONG_TEST_PG names a server, on PostgreSQL (ledger_fixture.h, credentials_fixture.h):
 * persons found by the regional hash of their ID number (filled in for those without one, once;
 * made anew under another regional key; a person made since found by catching up; none without a
 * regional key), a person's current outcomes as badges page by page (what a peer receives), a
 * person's fetches from peers (refusals that store nothing, one under way at a time, only their
 * own, tried again, withdrawn), the outcomes imported and the access log, and running a fetch
 * that is due without asking the peer (suspended or removed peer, consent ended, no regional key)
 * and with asking it (a peer that does not answer). Nothing here answers as a peer: what crosses
 * the wire is tests/api's.
 */
#include <sodium.h>

#include "credentials_fixture.h"

#include "base/id.h"
#include "federation/federation.h"
#include "federation/federation_int.h"
#include "http/fetch.h"

static const char *const LOCAL_HOSTS[] = { "127.0.0.1", "localhost" };
static const struct fetch_policy POLICY = { .local_hosts = LOCAL_HOSTS, .n_local_hosts = 2, .timeout_ms = 2000 };
static const struct audit_actor ADMIN = { .id = "user-city-admin", .role = "city_admin", .name = "市管理员" };

/* The persons' ID numbers, sealed into the fixture's persons by setup_exchange. */
static const char *const id_numbers[PERSONS] = { "310101199001011234", "310101198502022345", "31010419770303345X" };

/* The node's keys (g_keys: the same seal, look-up and signing keys) with regional key A, and with
 * regional key B; made once a program, from g_keys's file. */
static struct ll_keys *g_region_a, *g_region_b;

#define T0 1780000000000000LL /* 2026-05-28T20:26:40Z */
#define HOUR_US (3600LL * 1000000)
#define DAY_US (24 * HOUR_US)

/* g_keys's key file with a region line of 32 bytes of fill added, loaded; the file is removed. */
static struct ll_keys *keys_with_region(unsigned char fill)
{
	char text[1024] = "", path[] = "/tmp/lifelong-test-region.XXXXXX";
	FILE *in = fopen(g_keys_path, "r");
	if (!in)
		return NULL;
	size_t n = fread(text, 1, sizeof(text) - 1, in);
	fclose(in);
	text[n] = '\0';
	unsigned char region[CRYPTO_KEY_BYTES];
	char hex[2 * CRYPTO_KEY_BYTES + 1];
	memset(region, fill, sizeof(region));
	crypto_hex(region, sizeof(region), hex);
	int fd = mkstemp(path); /* mode 0600 */
	if (fd < 0)
		return NULL;
	FILE *out = fdopen(fd, "w");
	fprintf(out, "%sregion=%s\n", text, hex);
	fclose(out);
	struct ll_keys *k = NULL;
	enum ll_err err = keys_load(path, &k);
	unlink(path);
	return err == LL_OK ? k : NULL;
}

static enum ll_err seal_txn(struct ll_tx *tx, void *ctx)
{
	(void)ctx;
	enum ll_err err = LL_OK;
	for (int i = 0; i < PERSONS && err == LL_OK; i++) {
		unsigned char sealed[ID_NUMBER_LEN + CRYPTO_SEAL_OVERHEAD];
		crypto_seal(g_keys, id_numbers[i], ID_NUMBER_LEN, sealed);
		struct store_stmt stmt = { "test seal", "UPDATE persons SET id_sealed = $1 WHERE id = $2" };
		err = store_exec(tx, &stmt, SP(SV_BLOB(sealed, sizeof(sealed)), SV_TEXT(person_ids[i])), NULL, NULL);
	}
	return err;
}

/* setup_ledger, with the persons' ID numbers sealed with the node's key (as the portal seals
 * them) and the regional keys made. */
static int setup_exchange(void **state)
{
	if (setup_ledger(state) != 0)
		return -1;
	if (!g_region_a) {
		g_region_a = keys_with_region(0xa1);
		g_region_b = keys_with_region(0xb2);
		if (!g_region_a || !g_region_b) {
			fprintf(stderr, "cannot make the regional test keys\n");
			return -1;
		}
	}
	struct fx *f = *state;
	return store_run(f->st, STORE_WRITE, "test seal", seal_txn, NULL) == LL_OK ? 0 : -1;
}

static void region_hash(const struct ll_keys *keys, const char *id_number, unsigned char out[32])
{
	assert_true(crypto_region_hash(keys, id_number, ID_NUMBER_LEN, out));
}

/* ---- Persons by the regional hash ---- */

static enum ll_err blob_row(const struct store_row *row, void *ctx)
{
	size_t len = 0;
	const unsigned char *b = store_row_blob(row, 0, &len);
	unsigned char *out = ctx;
	out[32] = 0;
	if (b && len == 32) {
		memcpy(out, b, 32);
		out[32] = 1;
	}
	return LL_OK;
}

/* The stored regional hash of person_id; false when it has none. */
static bool stored_hash(struct fx *f, const char *person_id, unsigned char out[32])
{
	unsigned char got[33] = { 0 };
	sql(f->st, "SELECT region_hash FROM persons WHERE id = $1", SP(SV_TEXT(person_id)), blob_row, got);
	memcpy(out, got, 32);
	return got[32] == 1;
}

static int64_t without_hash(struct fx *f)
{
	return sql_i64(f->st, "SELECT COUNT(*) FROM persons WHERE region_hash IS NULL", SP_NONE);
}

/* Every person's stored hash is the regional hash of their ID number under keys. */
static void assert_hashes_under(struct fx *f, const struct ll_keys *keys)
{
	for (int i = 0; i < PERSONS; i++) {
		unsigned char got[32], want[32];
		if (!stored_hash(f, person_ids[i], got))
			fail_msg("%s has no regional hash", person_ids[i]);
		region_hash(keys, id_numbers[i], want);
		assert_memory_equal(got, want, 32);
	}
}

static int64_t catch_up(struct fx *f, const struct ll_keys *keys)
{
	int64_t n = -1;
	assert_ok(fed_subjects_catch_up(f->st, keys, &n));
	return n;
}

struct new_persons {
	int first, count;            /* serials first .. first+count-1 */
};

/* Persons person-<serial> with ID numbers 3101011990<serial as 8 digits>, sealed. */
static void number_of(int serial, char out[ID_NUMBER_LEN + 1])
{
	snprintf(out, ID_NUMBER_LEN + 1, "3101011990%08u", (unsigned)serial % 100000000u);
}

static enum ll_err new_persons_txn(struct ll_tx *tx, void *ctx)
{
	const struct new_persons *p = ctx;
	enum ll_err err = LL_OK;
	for (int s = p->first; s < p->first + p->count && err == LL_OK; s++) {
		char id[32], account[ACCOUNT_NO_LEN + 1], number[ID_NUMBER_LEN + 1];
		unsigned char id_hash[32] = { 0 }, sealed[ID_NUMBER_LEN + CRYPTO_SEAL_OVERHEAD];
		snprintf(id, sizeof(id), "person-%d", s);
		account_no_format(s, account);
		number_of(s, number);
		crypto_lookup_hash(g_keys, CRYPTO_DOMAIN_ID_NUMBER, number, ID_NUMBER_LEN, id_hash);
		crypto_seal(g_keys, number, ID_NUMBER_LEN, sealed);
		err = store_exec(tx, &PERSON_INSERT,
				 SP(SV_TEXT(id), SV_TEXT(account), SV_TEXT("新人"), SV_BLOB(id_hash, sizeof(id_hash)),
				    SV_BLOB(sealed, sizeof(sealed)), SV_TEXT("310***********0000"), SV_TEXT("1990-01-01"),
				    SV_TEXT("M"), SV_TEXT(DISTRICT_A), SV_I64(clock_now_us())),
				 NULL, NULL);
	}
	return err;
}

static void add_persons(struct fx *f, int first, int count)
{
	struct new_persons p = { first, count };
	assert_ok(store_run(f->st, STORE_WRITE, "test persons", new_persons_txn, &p));
}

/* Person serial (made by add_persons) has the regional hash of their ID number under keys. */
static void assert_added_hashed(struct fx *f, int serial, const struct ll_keys *keys)
{
	unsigned char got[32], want[32];
	char number[ID_NUMBER_LEN + 1], id[32];
	number_of(serial, number);
	snprintf(id, sizeof(id), "person-%d", serial);
	assert_true(stored_hash(f, id, got));
	region_hash(keys, number, want);
	assert_memory_equal(got, want, 32);
}

static void test_catch_up_fills_every_missing_hash_once(void **state)
{
	struct fx *f = *state;
	assert_int_equal(without_hash(f), PERSONS);
	/* Without a regional key nothing is made. */
	assert_int_equal(catch_up(f, g_keys), 0);
	assert_int_equal(without_hash(f), PERSONS);

	assert_int_equal(catch_up(f, g_region_a), PERSONS);
	assert_int_equal(without_hash(f), 0);
	assert_hashes_under(f, g_region_a);
	/* Each person's own, not anyone else's. */
	unsigned char h1[32], h2[32];
	stored_hash(f, person_ids[0], h1);
	stored_hash(f, person_ids[1], h2);
	assert_memory_not_equal(h1, h2, 32);

	/* Again: nothing to do, nothing changed. */
	assert_int_equal(catch_up(f, g_region_a), 0);
	assert_hashes_under(f, g_region_a);
	/* A node whose key file lost its region line leaves the hashes as they are. */
	assert_int_equal(catch_up(f, g_keys), 0);
	assert_hashes_under(f, g_region_a);

	/* A person made since: only that one. */
	add_persons(f, 100, 1);
	assert_int_equal(without_hash(f), 1);
	assert_int_equal(catch_up(f, g_region_a), 1);
	assert_int_equal(without_hash(f), 0);
	assert_added_hashed(f, 100, g_region_a);
	assert_hashes_under(f, g_region_a);
}

/* The catch-up goes in batches (1000 a transaction): every person counts, across them. */
static void test_catch_up_counts_every_person_across_batches(void **state)
{
	struct fx *f = *state;
	add_persons(f, 1000, 1000 - PERSONS); /* 1000 in all: exactly one full batch */
	assert_int_equal(catch_up(f, g_region_a), 1000);
	assert_int_equal(without_hash(f), 0);
	add_persons(f, 5000, 1203);
	assert_int_equal(catch_up(f, g_region_a), 1203);
	assert_int_equal(without_hash(f), 0);
	assert_int_equal(catch_up(f, g_region_a), 0);
	assert_added_hashed(f, 6202, g_region_a);
	assert_hashes_under(f, g_region_a);
}

static void test_catch_up_under_another_regional_key_makes_every_hash_anew(void **state)
{
	struct fx *f = *state;
	assert_int_equal(catch_up(f, g_region_a), PERSONS);
	assert_hashes_under(f, g_region_a);
	/* The same node (the same seal key) given another region line. */
	assert_memory_equal(g_region_a->seal, g_region_b->seal, CRYPTO_KEY_BYTES);
	assert_memory_not_equal(g_region_a->region, g_region_b->region, CRYPTO_KEY_BYTES);
	assert_int_equal(catch_up(f, g_region_b), PERSONS);
	assert_hashes_under(f, g_region_b);
	assert_int_equal(catch_up(f, g_region_b), 0);
	/* And back: anew once more. */
	assert_int_equal(catch_up(f, g_region_a), PERSONS);
	assert_hashes_under(f, g_region_a);
	assert_int_equal(count_rows(f->st, "federation_region"), 1);
}

static void test_subject_find_finds_by_hash_catching_up_on_a_miss(void **state)
{
	struct fx *f = *state;
	unsigned char h[32];
	char person_id[64];
	bool is_found = false;
	/* Before any catch-up: the miss catches up, and the person is found. */
	region_hash(g_region_a, id_numbers[1], h);
	assert_ok(fed_subject_find(f->st, g_region_a, h, person_id, &is_found));
	assert_true(is_found);
	assert_string_equal(person_id, "person-2");
	assert_int_equal(without_hash(f), 0);
	for (int i = 0; i < PERSONS; i++) {
		region_hash(g_region_a, id_numbers[i], h);
		is_found = false;
		assert_ok(fed_subject_find(f->st, g_region_a, h, person_id, &is_found));
		assert_true(is_found);
		assert_string_equal(person_id, person_ids[i]);
	}

	/* A person made after the last catch-up. */
	add_persons(f, 200, 1);
	char number[ID_NUMBER_LEN + 1];
	number_of(200, number);
	region_hash(g_region_a, number, h);
	is_found = false;
	assert_ok(fed_subject_find(f->st, g_region_a, h, person_id, &is_found));
	assert_true(is_found);
	assert_string_equal(person_id, "person-200");
	assert_int_equal(without_hash(f), 0);

	/* An unknown number: not found, and person_id left alone. */
	region_hash(g_region_a, "110101200001019999", h);
	strcpy(person_id, "untouched");
	is_found = true;
	assert_ok(fed_subject_find(f->st, g_region_a, h, person_id, &is_found));
	assert_false(is_found);
	assert_string_equal(person_id, "untouched");
	/* A known number hashed with the node's own look-up key is no regional hash. */
	crypto_lookup_hash(g_region_a, CRYPTO_DOMAIN_ID_NUMBER, id_numbers[0], ID_NUMBER_LEN, h);
	is_found = true;
	assert_ok(fed_subject_find(f->st, g_region_a, h, person_id, &is_found));
	assert_false(is_found);
	/* Nor one under another regional key than the asker's. */
	region_hash(g_region_b, id_numbers[0], h);
	is_found = true;
	assert_ok(fed_subject_find(f->st, g_region_a, h, person_id, &is_found));
	assert_false(is_found);
	/* Without a regional key nothing is found. */
	region_hash(g_region_a, "110101200001018888", h);
	is_found = true;
	assert_ok(fed_subject_find(f->st, g_keys, h, person_id, &is_found));
	assert_false(is_found);
}

static void test_subject_hash_is_the_regional_hash_of_the_id_number(void **state)
{
	struct fx *f = *state;
	unsigned char got[32], want[32], stored[32];
	for (int i = 0; i < PERSONS; i++) {
		assert_ok(fed_subject_hash(f->st, g_region_a, person_ids[i], got));
		region_hash(g_region_a, id_numbers[i], want);
		assert_memory_equal(got, want, 32);
	}
	/* The same as the catch-up stores, and what fed_subject_find finds the person by. */
	assert_int_equal(catch_up(f, g_region_a), PERSONS);
	assert_ok(fed_subject_hash(f->st, g_region_a, "person-3", got));
	assert_true(stored_hash(f, "person-3", stored));
	assert_memory_equal(got, stored, 32);
	char person_id[64];
	bool is_found = false;
	assert_ok(fed_subject_find(f->st, g_region_a, got, person_id, &is_found));
	assert_true(is_found);
	assert_string_equal(person_id, "person-3");
	/* Under key B, B's hash. */
	assert_ok(fed_subject_hash(f->st, g_region_b, "person-3", got));
	region_hash(g_region_b, id_numbers[2], want);
	assert_memory_equal(got, want, 32);

	/* Without a regional key: LL_NO_REGION_KEY. An unknown person: not found. */
	assert_fails(fed_subject_hash(f->st, g_keys, "person-1", got), LL_NO_REGION_KEY, NULL);
	assert_fails(fed_subject_hash(f->st, g_region_a, "person-nobody", got), LL_NOT_FOUND, NULL);
}

/* ---- A person's outcomes as badges ---- */

static json_t *badges(struct fx *f, const struct cred_issuer *iss, int person, int64_t after, int limit)
{
	json_t *page = NULL;
	assert_ok(cred_badges_of_person(f->st, g_keys, iss, person_ids[person], after, limit, &page));
	assert_non_null(page);
	assert_int_equal(json_object_size(page), 2);
	assert_true(json_is_array(json_object_get(page, "items")));
	assert_non_null(json_object_get(page, "next"));
	return page;
}

static const json_t *item_at(const json_t *page, size_t i)
{
	return json_array_get(json_object_get(page, "items"), i);
}

static size_t items_of(const json_t *page)
{
	return json_array_size(json_object_get(page, "items"));
}

static int64_t person_seq(struct fx *f, const char *entry_id)
{
	return sql_i64(f->st, "SELECT person_seq FROM ledger_entries WHERE id = $1", SP(SV_TEXT(entry_id)));
}

static void test_badges_page_through_current_outcomes_in_person_order(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result d[5];
	const char *titles[5] = { "高等数学", "线性代数", "概率论", "离散数学", "数值分析" };
	for (int i = 0; i < 5; i++) {
		char ext[16];
		snprintf(ext, sizeof(ext), "row-%d", i);
		d[i] = credit_ok(f, 0, titles[i], arena_strdup(&f->a, ext));
	}
	/* Another person's outcome is never in the first's pages. */
	struct deposit_result other = credit_ok(f, 1, "大学英语", "row-x");
	assert_int_equal(count_rows(f->st, "credentials"), 0);

	/* Pages of 2: 2, 2, 1, each in person_seq order, next the last seq until the end. */
	const char *seen[5];
	int n = 0;
	int64_t after = 0, last_seq = 0;
	for (int page_no = 0; page_no < 3; page_no++) {
		json_t *page = badges(f, &iss, 0, after, 2);
		size_t want = page_no < 2 ? 2 : 1;
		assert_int_equal(items_of(page), want);
		for (size_t i = 0; i < want; i++) {
			const json_t *item = item_at(page, i);
			assert_int_equal(json_object_size(item), 4);
			assert_string_equal(jstr(item, "outcome_id"), d[n].outcome_id);
			assert_string_equal(jstr(item, "entry_id"), d[n].entry_id);
			int64_t seq = json_integer_value(json_object_get(item, "seq"));
			assert_int_equal(seq, person_seq(f, d[n].entry_id));
			assert_true(seq > last_seq);
			last_seq = seq;
			assert_non_null(jstr(item, "jws"));
			assert_valid(f, &iss, jstr(item, "jws"));
			seen[n++] = arena_strdup(&f->a, jstr(item, "jws"));
		}
		const json_t *next = json_object_get(page, "next");
		if (page_no < 2) {
			assert_true(json_is_integer(next));
			assert_int_equal(json_integer_value(next), last_seq);
			after = json_integer_value(next);
		} else {
			assert_true(json_is_null(next));
		}
		json_decref(page);
	}
	assert_int_equal(n, 5);
	/* One badge issued for each outcome, recorded for its current entry. */
	assert_int_equal(count_rows(f->st, "credentials"), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sql_i64(f->st,
					 "SELECT COUNT(*) FROM credentials WHERE person_id = $1 AND outcome_id = $2 AND "
					 "entry_id = $3 AND type = 'OpenBadgeCredential' AND jws = $4",
					 SP(SV_TEXT(person_ids[0]), SV_TEXT(d[i].outcome_id), SV_TEXT(d[i].entry_id),
					    SV_TEXT(seen[i]))),
				 1);

	/* A page that holds exactly what is left ends: next is null. */
	json_t *page = badges(f, &iss, 0, 0, 5);
	assert_int_equal(items_of(page), 5);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);
	/* After the last: an empty page. */
	page = badges(f, &iss, 0, last_seq, 2);
	assert_int_equal(items_of(page), 0);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);

	/* The second person's page holds only theirs. */
	page = badges(f, &iss, 1, 0, 10);
	assert_int_equal(items_of(page), 1);
	assert_string_equal(jstr(item_at(page, 0), "outcome_id"), other.outcome_id);
	json_decref(page);
}

static void test_badges_reuse_the_newest_badge_of_the_current_version(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-a");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-b");

	/* a has two badges already, the newer issued a second later; b has none. */
	const int64_t t = clock_now_us();
	clock_set_fixed(t);
	json_t *older = badge_ok(f, &iss, 0, a.outcome_id);
	clock_set_fixed(t + 1000000);
	json_t *newer = badge_ok(f, &iss, 0, a.outcome_id);
	clock_set_fixed(t + 2000000);
	assert_string_not_equal(jstr(older, "jws"), jstr(newer, "jws"));
	assert_int_equal(count_rows(f->st, "credentials"), 2);

	json_t *page = badges(f, &iss, 0, 0, 10);
	assert_int_equal(items_of(page), 2);
	assert_string_equal(jstr(item_at(page, 0), "jws"), jstr(newer, "jws"));
	const char *b_jws = arena_strdup(&f->a, jstr(item_at(page, 1), "jws"));
	assert_string_equal(jstr(item_at(page, 1), "outcome_id"), b.outcome_id);
	assert_int_equal(count_rows(f->st, "credentials"), 3); /* one issued for b */
	json_decref(page);

	/* Again: the same badges, nothing issued. */
	page = badges(f, &iss, 0, 0, 10);
	assert_int_equal(items_of(page), 2);
	assert_string_equal(jstr(item_at(page, 0), "jws"), jstr(newer, "jws"));
	assert_string_equal(jstr(item_at(page, 1), "jws"), b_jws);
	assert_int_equal(count_rows(f->st, "credentials"), 3);
	json_decref(page);

	/* After a correction the badge of the old version is not reused: a new one for the new entry. */
	const char *entry_id = corrected_ok(f, 0, a.outcome_id, "高等数学（上）");
	page = badges(f, &iss, 0, 0, 10);
	assert_int_equal(items_of(page), 2);
	/* b first now: a's current version was recorded after it. */
	assert_string_equal(jstr(item_at(page, 0), "outcome_id"), b.outcome_id);
	assert_string_equal(jstr(item_at(page, 0), "jws"), b_jws);
	const json_t *item = item_at(page, 1);
	assert_string_equal(jstr(item, "outcome_id"), a.outcome_id);
	assert_string_equal(jstr(item, "entry_id"), entry_id);
	assert_string_not_equal(jstr(item, "jws"), jstr(newer, "jws"));
	assert_string_not_equal(jstr(item, "jws"), jstr(older, "jws"));
	assert_valid(f, &iss, jstr(item, "jws"));
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credentials WHERE entry_id = $1", SP(SV_TEXT(entry_id))), 1);
	assert_int_equal(count_rows(f->st, "credentials"), 4);
	json_decref(page);
	json_decref(older);
	json_decref(newer);
}

static void test_badges_leave_out_revoked_and_superseded_outcomes(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	struct deposit_result a = credit_ok(f, 0, "高等数学", "row-a");
	struct deposit_result b = credit_ok(f, 0, "线性代数", "row-b");
	struct deposit_result c = credit_ok(f, 0, "概率论", "row-c");
	revoke_ok(f, U1, b.outcome_id, "重复录入");
	const char *c_entry = corrected_ok(f, 0, c.outcome_id, "概率论与数理统计");

	json_t *page = badges(f, &iss, 0, 0, 10);
	assert_int_equal(items_of(page), 2);
	assert_string_equal(jstr(item_at(page, 0), "outcome_id"), a.outcome_id);
	assert_string_equal(jstr(item_at(page, 0), "entry_id"), a.entry_id);
	assert_string_equal(jstr(item_at(page, 1), "outcome_id"), c.outcome_id);
	assert_string_equal(jstr(item_at(page, 1), "entry_id"), c_entry);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);
	/* Nothing issued for the revoked outcome nor for c's old version. */
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credentials WHERE outcome_id = $1", SP(SV_TEXT(b.outcome_id))),
			 0);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM credentials WHERE entry_id = $1", SP(SV_TEXT(c.entry_id))), 0);
	assert_int_equal(count_rows(f->st, "credentials"), 2);

	/* Pages of one skip them too: a, then c, then the end. */
	page = badges(f, &iss, 0, 0, 1);
	assert_int_equal(items_of(page), 1);
	assert_string_equal(jstr(item_at(page, 0), "outcome_id"), a.outcome_id);
	int64_t next = json_integer_value(json_object_get(page, "next"));
	json_decref(page);
	page = badges(f, &iss, 0, next, 1);
	assert_int_equal(items_of(page), 1);
	assert_string_equal(jstr(item_at(page, 0), "outcome_id"), c.outcome_id);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);
}

static void test_badges_of_a_person_with_none_is_an_empty_page(void **state)
{
	struct fx *f = *state;
	struct cred_issuer iss = issuer();
	assert_ok(cred_keys_ensure(f->st, g_keys));
	json_t *page = badges(f, &iss, 2, 0, 10);
	assert_int_equal(items_of(page), 0);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);
	/* One whose only outcome was revoked has none either. */
	struct deposit_result a = credit_ok(f, 2, "高等数学", "row-a");
	revoke_ok(f, U1, a.outcome_id, "录入错误");
	page = badges(f, &iss, 2, 0, 10);
	assert_int_equal(items_of(page), 0);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);
	assert_int_equal(count_rows(f->st, "credentials"), 0);
	/* Nor does someone who is nobody. */
	assert_ok(cred_badges_of_person(f->st, g_keys, &iss, "person-nobody", 0, 10, &page));
	assert_int_equal(items_of(page), 0);
	json_decref(page);
}

/* ---- Fetches ---- */

/* Peer node_id registered with one key (seed), active or suspended, at base_url. */
static void peer_ok(struct fx *f, const char *node_id, const char *base_url, int status)
{
	unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	memset(seed, node_id[0], sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	char *x = jose_b64url_encode(pk, sizeof(pk));
	json_t *given = json_pack("[s]", x);
	free(x);
	struct fed_peer_in in = { .node_id = node_id, .name = fed_node_name(node_id, false) ?: node_id,
				  .base_url = base_url, .keys = given, .status = status };
	json_t *keys = NULL, *peer = NULL;
	assert_ok(fed_peer_check(&in, "SH", &POLICY, &keys));
	assert_ok(fed_peer_create(f->st, &in, keys, &ADMIN, &peer));
	json_decref(peer);
	json_decref(keys);
	json_decref(given);
}

static void peer_set_status(struct fx *f, const char *node_id, int status)
{
	json_t *peer = NULL;
	assert_ok(fed_peer_get(f->st, node_id, &peer));
	json_t *given = json_array();
	size_t i;
	json_t *jwk;
	json_array_foreach (json_object_get(peer, "keys"), i, jwk)
		json_array_append(given, json_object_get(jwk, "x"));
	struct fed_peer_in in = { .node_id = node_id, .name = jstr(peer, "name"), .base_url = jstr(peer, "base_url"),
				  .keys = given, .status = status };
	json_t *keys = NULL, *changed = NULL;
	assert_ok(fed_peer_check(&in, "SH", &POLICY, &keys));
	assert_ok(fed_peer_update(f->st, node_id, &in, keys, &ADMIN, &changed));
	json_decref(changed);
	json_decref(keys);
	json_decref(given);
	json_decref(peer);
}

/* JS (active) and ZJ (suspended), at a loopback port nothing answers on. */
static void peers(struct fx *f)
{
	peer_ok(f, "JS", "http://127.0.0.1:1", FED_ACTIVE);
	peer_ok(f, "ZJ", "http://127.0.0.1:1", FED_SUSPENDED);
}

static struct fed_fetch_in fetch_in(const char *node_id, int64_t consent_until)
{
	return (struct fed_fetch_in){ .node_id = node_id, .purpose = "学分转换", .consent_until = consent_until };
}

/* person's fetch from node_id, consent for 30 days from now; caller owns it. */
static json_t *fetch_ok(struct fx *f, int person, const char *node_id, int64_t now)
{
	struct fed_fetch_in in = fetch_in(node_id, now + 30 * DAY_US);
	json_t *fetch = NULL;
	assert_ok(fed_fetch_create(f->st, person_ids[person], &in, now, &fetch));
	assert_non_null(fetch);
	return fetch;
}

static int64_t fetches_count(struct fx *f)
{
	return count_rows(f->st, "federation_fetches");
}

static void set_state(struct fx *f, const char *id, const char *state_)
{
	assert_int_equal(sql(f->st, "UPDATE federation_fetches SET state = $1 WHERE id = $2",
			     SP(SV_TEXT(state_), SV_TEXT(id)), NULL, NULL),
			 1);
}

static void assert_time_is(const json_t *o, const char *key, int64_t t)
{
	if (!t) {
		if (!json_is_null(json_object_get(o, key)))
			fail_msg("%s is %s, want null", key, jstr(o, key) ?: "(not a string)");
		return;
	}
	char want[32];
	clock_format_rfc3339(t, want);
	assert_non_null(jstr(o, key));
	assert_string_equal(jstr(o, key), want);
}

/* fed_fetch_create for person 0 must refuse in with want naming field and store nothing. */
static void create_refused(struct fx *f, const struct fed_fetch_in *in, int64_t now, enum ll_err want, const char *field)
{
	int64_t before = fetches_count(f);
	json_t *fetch = NULL;
	assert_fails(fed_fetch_create(f->st, person_ids[0], in, now, &fetch), want, field);
	assert_null(fetch);
	assert_int_equal(fetches_count(f), before);
}

static void test_fetch_create_refusals_store_nothing(void **state)
{
	struct fx *f = *state;
	peers(f);
	const int64_t now = T0;
	struct fed_fetch_in in = fetch_in("AH", now + DAY_US);
	create_refused(f, &in, now, LL_NOT_FOUND, "node_id");         /* not a peer */
	in.node_id = "ZJ";
	create_refused(f, &in, now, LL_PEER_SUSPENDED, "node_id");    /* suspended */
	const char *bad[] = { "js", "J", "ABCDEFGHI", "J1", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in.node_id = bad[i];
		create_refused(f, &in, now, LL_INVALID_VALUE, "node_id");
	}
	/* Consent: ahead of now, at most 365 days ahead. */
	in = fetch_in("JS", now);
	create_refused(f, &in, now, LL_OUT_OF_RANGE, "consent_until");
	in.consent_until = now - 1;
	create_refused(f, &in, now, LL_OUT_OF_RANGE, "consent_until");
	in.consent_until = now - 30 * DAY_US;
	create_refused(f, &in, now, LL_OUT_OF_RANGE, "consent_until");
	in.consent_until = now + 365 * DAY_US + 1;
	create_refused(f, &in, now, LL_OUT_OF_RANGE, "consent_until");
	in.consent_until = now + 400 * DAY_US;
	create_refused(f, &in, now, LL_OUT_OF_RANGE, "consent_until");
	assert_int_equal(fetches_count(f), 0);

	/* 365 days to the microsecond is taken; then a second from JS is under way already. */
	in.consent_until = now + 365 * DAY_US;
	json_t *first = NULL;
	assert_ok(fed_fetch_create(f->st, person_ids[0], &in, now, &first));
	assert_int_equal(fetches_count(f), 1);
	in.consent_until = now + DAY_US;
	create_refused(f, &in, now + 1, LL_FETCH_UNDER_WAY, "node_id");
	/* Running and retrying are under way too; done, failed, withdrawn and expired are not. */
	const char *under_way[] = { "running", "retrying" };
	for (size_t i = 0; i < 2; i++) {
		set_state(f, jstr(first, "id"), under_way[i]);
		create_refused(f, &in, now + 1, LL_FETCH_UNDER_WAY, "node_id");
	}
	set_state(f, jstr(first, "id"), "done");
	const char *ended[] = { "done", "failed", "withdrawn", "expired" };
	for (size_t i = 0; i < 4; i++) {
		json_t *again = NULL;
		assert_ok(fed_fetch_create(f->st, person_ids[0], &in, now + 1, &again));
		create_refused(f, &in, now + 2, LL_FETCH_UNDER_WAY, "node_id");
		set_state(f, jstr(again, "id"), ended[i]);
		json_decref(again);
	}
	assert_int_equal(fetches_count(f), 5);
	/* Another person fetches from JS while the first's is under way. */
	set_state(f, jstr(first, "id"), "queued");
	json_decref(fetch_ok(f, 1, "JS", now));
	assert_int_equal(fetches_count(f), 6);
	/* Once JS is suspended nobody starts one. */
	peer_set_status(f, "JS", FED_SUSPENDED);
	in.node_id = "JS";
	json_t *none = NULL;
	assert_fails(fed_fetch_create(f->st, person_ids[2], &in, now, &none), LL_PEER_SUSPENDED, "node_id");
	assert_int_equal(fetches_count(f), 6);
	json_decref(first);
}

static void test_fetch_created_is_queued_and_only_its_persons(void **state)
{
	struct fx *f = *state;
	peers(f);
	const int64_t now = T0;
	struct fed_fetch_in in = fetch_in("JS", now + 7 * DAY_US);
	json_t *fetch = NULL;
	assert_ok(fed_fetch_create(f->st, person_ids[0], &in, now, &fetch));
	const char *members[] = { "id", "node_id", "name", "purpose", "consent_until", "state", "received", "imported",
				  "attempts", "next_at", "last_error", "created_at", "updated_at", "finished_at" };
	assert_int_equal(json_object_size(fetch), sizeof(members) / sizeof(members[0]));
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		if (!json_object_get(fetch, members[i]))
			fail_msg("the fetch has no %s", members[i]);
	assert_true(id_is_valid(jstr(fetch, "id")));
	assert_string_equal(jstr(fetch, "node_id"), "JS");
	assert_string_equal(jstr(fetch, "name"), "江苏省终身教育学分银行");
	assert_string_equal(jstr(fetch, "purpose"), "学分转换");
	assert_string_equal(jstr(fetch, "state"), "queued");
	assert_int_equal(json_integer_value(json_object_get(fetch, "received")), 0);
	assert_int_equal(json_integer_value(json_object_get(fetch, "imported")), 0);
	assert_int_equal(json_integer_value(json_object_get(fetch, "attempts")), 0);
	assert_true(json_is_null(json_object_get(fetch, "last_error")));
	assert_time_is(fetch, "consent_until", now + 7 * DAY_US);
	assert_time_is(fetch, "next_at", now); /* due at once */
	assert_time_is(fetch, "created_at", now);
	assert_time_is(fetch, "updated_at", now);
	assert_time_is(fetch, "finished_at", 0);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM federation_fetches WHERE id = $1 AND person_id = $2",
				 SP(SV_TEXT(jstr(fetch, "id")), SV_TEXT(person_ids[0]))),
			 1);

	/* Read back and listed as made, for its person only. */
	json_t *got = NULL;
	assert_ok(fed_fetch_get(f->st, person_ids[0], jstr(fetch, "id"), &got));
	assert_true(json_equal(got, fetch));
	json_decref(got);
	json_t *page = NULL;
	assert_ok(fed_fetch_list(f->st, person_ids[0], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 1);
	assert_true(json_equal(json_array_get(json_object_get(page, "items"), 0), fetch));
	json_decref(page);
	got = NULL;
	assert_fails(fed_fetch_get(f->st, person_ids[1], jstr(fetch, "id"), &got), LL_NOT_FOUND, NULL);
	assert_null(got);
	assert_ok(fed_fetch_list(f->st, person_ids[1], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);
	assert_fails(fed_fetch_get(f->st, person_ids[0], "01890000-0000-7000-8000-000000000000", &got), LL_NOT_FOUND,
		     NULL);

	/* The person's list is newest first. */
	set_state(f, jstr(fetch, "id"), "done");
	json_t *second = fetch_ok(f, 0, "JS", now + 1000);
	assert_ok(fed_fetch_list(f->st, person_ids[0], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
	assert_string_equal(jstr(json_array_get(json_object_get(page, "items"), 0), "id"), jstr(second, "id"));
	assert_string_equal(jstr(json_array_get(json_object_get(page, "items"), 1), "id"), jstr(fetch, "id"));
	json_decref(page);
	json_decref(second);
	json_decref(fetch);
}

static void test_fetch_retry_requeues_only_a_failed_or_retrying_one(void **state)
{
	struct fx *f = *state;
	peers(f);
	const int64_t now = T0, later = T0 + HOUR_US;
	json_t *fetch = fetch_ok(f, 0, "JS", now);
	const char *id = jstr(fetch, "id");
	json_t *got = NULL;
	/* Queued: nothing to try again. */
	assert_fails(fed_fetch_retry(f->st, person_ids[0], id, later, &got), LL_CONFLICT, "state");
	assert_null(got);

	/* Failed: queued again now, its end forgotten. */
	sql(f->st,
	    "UPDATE federation_fetches SET state = 'failed', attempts = 8, last_error = 'unreachable: x', next_at = NULL, "
	    "finished_at = $2 WHERE id = $1",
	    SP(SV_TEXT(id), SV_I64(now + 60)), NULL, NULL);
	assert_ok(fed_fetch_retry(f->st, person_ids[0], id, later, &got));
	assert_string_equal(jstr(got, "state"), "queued");
	assert_time_is(got, "next_at", later);
	assert_time_is(got, "updated_at", later);
	assert_time_is(got, "finished_at", 0);
	assert_time_is(got, "created_at", now);
	/* A person's try starts the count of attempts (and their backoff) afresh. */
	assert_int_equal(json_integer_value(json_object_get(got, "attempts")), 0);
	json_decref(got);
	got = NULL;
	/* Twice: it is queued now. */
	assert_fails(fed_fetch_retry(f->st, person_ids[0], id, later, &got), LL_CONFLICT, "state");

	/* Retrying: tried now rather than at its time. */
	sql(f->st, "UPDATE federation_fetches SET state = 'retrying', next_at = $2 WHERE id = $1",
	    SP(SV_TEXT(id), SV_I64(later + HOUR_US)), NULL, NULL);
	assert_ok(fed_fetch_retry(f->st, person_ids[0], id, later, &got));
	assert_string_equal(jstr(got, "state"), "queued");
	assert_time_is(got, "next_at", later);
	json_decref(got);
	got = NULL;

	/* Not another person's; not one done, withdrawn or running; not one whose consent ended. */
	set_state(f, id, "failed");
	assert_fails(fed_fetch_retry(f->st, person_ids[1], id, later, &got), LL_NOT_FOUND, NULL);
	const char *not_again[] = { "done", "withdrawn", "running", "expired" };
	for (size_t i = 0; i < 4; i++) {
		set_state(f, id, not_again[i]);
		assert_fails(fed_fetch_retry(f->st, person_ids[0], id, later, &got), LL_CONFLICT, "state");
		assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM federation_fetches WHERE id = $1 AND state = $2",
					 SP(SV_TEXT(id), SV_TEXT(not_again[i]))),
				 1);
	}
	set_state(f, id, "failed");
	assert_fails(fed_fetch_retry(f->st, person_ids[0], id, now + 30 * DAY_US, &got), LL_CONFLICT, "state");
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM federation_fetches WHERE state = 'failed'", SP_NONE), 1);
	assert_null(got);
	json_decref(fetch);
}

static void test_fetch_withdraw_ends_an_unfinished_one_once(void **state)
{
	struct fx *f = *state;
	peers(f);
	const int64_t now = T0, later = T0 + HOUR_US;
	json_t *fetch = fetch_ok(f, 0, "JS", now);
	const char *id = jstr(fetch, "id");
	json_t *got = NULL;
	/* Another person's: not found, and left as it was. */
	assert_fails(fed_fetch_withdraw(f->st, person_ids[1], id, later, &got), LL_NOT_FOUND, NULL);
	assert_null(got);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM federation_fetches WHERE state = 'queued'", SP_NONE), 1);

	assert_ok(fed_fetch_withdraw(f->st, person_ids[0], id, later, &got));
	assert_string_equal(jstr(got, "state"), "withdrawn");
	assert_time_is(got, "next_at", 0);
	assert_time_is(got, "finished_at", later);
	assert_time_is(got, "updated_at", later);
	json_decref(got);
	got = NULL;
	/* Again: it has ended, and keeps its first end. */
	assert_fails(fed_fetch_withdraw(f->st, person_ids[0], id, later + HOUR_US, &got), LL_CONFLICT, "state");
	assert_null(got);
	assert_ok(fed_fetch_get(f->st, person_ids[0], id, &got));
	assert_time_is(got, "finished_at", later);
	json_decref(got);
	got = NULL;
	/* Withdrawn, it is tried no more. */
	assert_fails(fed_fetch_retry(f->st, person_ids[0], id, later, &got), LL_CONFLICT, "state");

	/* Running, retrying and failed ones are withdrawn too; done and expired ones are not. */
	const char *unfinished[] = { "running", "retrying", "failed" };
	for (size_t i = 0; i < 3; i++) {
		set_state(f, id, unfinished[i]);
		assert_ok(fed_fetch_withdraw(f->st, person_ids[0], id, later, &got));
		assert_string_equal(jstr(got, "state"), "withdrawn");
		json_decref(got);
		got = NULL;
	}
	const char *ended[] = { "done", "expired" };
	for (size_t i = 0; i < 2; i++) {
		set_state(f, id, ended[i]);
		assert_fails(fed_fetch_withdraw(f->st, person_ids[0], id, later, &got), LL_CONFLICT, "state");
		assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM federation_fetches WHERE state = $1",
					 SP(SV_TEXT(ended[i]))),
				 1);
	}
	json_decref(fetch);
}

static void external_insert(struct fx *f, const char *id, int person, const char *node_id, const char *outcome_id,
			    const char *fetch_id, const char *title, const char *awarded_on)
{
	sql(f->st,
	    "INSERT INTO external_outcomes (id, person_id, node_id, outcome_id, entry_id, credential_id, kid, jws, kind, "
	    "title, institution, level, credits_milli, hours_milli, result, awarded_on, fetch_id, imported_at) VALUES ($1, $2, "
	    "$3, $4, 'entry-' || $4, 'urn:uuid:' || $1, 'kid-1', 'h.p.s', 'academic_credit', $5, '南京大学', NULL, 2500, "
	    "NULL, 'A', $6, $7, $8)",
	    SP(SV_TEXT(id), SV_TEXT(person_ids[person]), SV_TEXT(node_id), SV_TEXT(outcome_id), SV_TEXT(title),
	       SV_TEXT(awarded_on), SV_TEXT(fetch_id), SV_I64(T0)),
	    NULL, NULL);
}

static void test_external_list_is_the_persons_own_by_award_date(void **state)
{
	struct fx *f = *state;
	peers(f);
	json_t *mine = fetch_ok(f, 0, "JS", T0), *theirs = fetch_ok(f, 1, "JS", T0);
	json_t *page = NULL;
	assert_ok(fed_external_list(f->st, person_ids[0], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);

	external_insert(f, "x-1", 0, "JS", "o-1", jstr(mine, "id"), "微积分", "2023-06-30");
	external_insert(f, "x-2", 0, "JS", "o-2", jstr(mine, "id"), "大学物理", "2024-01-15");
	external_insert(f, "x-3", 1, "JS", "o-3", jstr(theirs, "id"), "别人的", "2025-01-01");
	assert_ok(fed_external_list(f->st, person_ids[0], &page));
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 2);
	/* Newest award first. */
	const json_t *x = json_array_get(items, 0);
	assert_string_equal(jstr(x, "id"), "x-2");
	assert_string_equal(jstr(json_array_get(items, 1), "id"), "x-1");
	assert_string_equal(jstr(x, "node_id"), "JS");
	assert_string_equal(jstr(x, "node_name"), "江苏省终身教育学分银行");
	assert_string_equal(jstr(x, "outcome_id"), "o-2");
	assert_string_equal(jstr(x, "entry_id"), "entry-o-2");
	assert_string_equal(jstr(x, "credential_id"), "urn:uuid:x-2");
	assert_string_equal(jstr(x, "title"), "大学物理");
	assert_string_equal(jstr(x, "institution"), "南京大学");
	assert_string_equal(jstr(x, "kind"), "academic_credit");
	assert_string_equal(jstr(x, "awarded_on"), "2024-01-15");
	assert_string_equal(jstr(x, "fetch_id"), jstr(mine, "id"));
	/* The list leaves the credentials' text out; one outcome has it. */
	assert_null(json_object_get(x, "jws"));
	assert_int_equal(json_integer_value(json_object_get(page, "total")), 2);
	json_t *one = NULL;
	assert_ok(fed_external_get(f->st, person_ids[0], "x-2", &one));
	assert_string_equal(jstr(one, "jws"), "h.p.s");
	assert_string_equal(jstr(one, "title"), "大学物理");
	json_decref(one);
	assert_int_equal(fed_external_get(f->st, person_ids[1], "x-2", &one), LL_NOT_FOUND);
	ll_error_clear();
	assert_true(json_is_null(json_object_get(x, "level")));
	assert_true(json_is_null(json_object_get(x, "hours")));
	assert_true(json_real_value(json_object_get(x, "credits")) == 2.5);
	assert_time_is(x, "imported_at", T0);
	json_decref(page);
	assert_ok(fed_external_list(f->st, person_ids[1], &page));
	items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_array_get(items, 0), "id"), "x-3");
	json_decref(page);
	assert_ok(fed_external_list(f->st, person_ids[2], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);
	json_decref(mine);
	json_decref(theirs);
}

static enum ll_err access_txn(struct ll_tx *tx, void *ctx)
{
	return fed_access_log(tx, ctx);
}

static void access_ok(struct fx *f, const struct fed_access *a)
{
	assert_ok(store_run(f->st, STORE_WRITE, "test access", access_txn, (void *)a));
}

static void test_access_log_keeps_one_row_a_fetch_and_direction(void **state)
{
	struct fx *f = *state;
	peers(f);
	json_t *page = NULL;
	assert_ok(fed_access_list(f->st, person_ids[0], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);

	struct fed_access a = { .node_id = "JS", .fetch_id = "fetch-1", .direction = "out", .person_id = person_ids[0],
				.purpose = "学分转换", .consent_until = T0 + DAY_US, .records = 3, .at = T0 };
	access_ok(f, &a);
	a.records = 4;
	a.at = T0 + 1000;
	a.consent_until = T0 + 2 * DAY_US;
	access_ok(f, &a);
	assert_int_equal(count_rows(f->st, "federation_access"), 1);
	assert_ok(fed_access_list(f->st, person_ids[0], &page));
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 1);
	const json_t *row = json_array_get(items, 0);
	assert_int_equal(json_object_size(row), 9);
	assert_string_equal(jstr(row, "node_id"), "JS");
	assert_string_equal(jstr(row, "name"), "江苏省终身教育学分银行");
	assert_string_equal(jstr(row, "direction"), "out");
	assert_string_equal(jstr(row, "purpose"), "学分转换");
	assert_int_equal(json_integer_value(json_object_get(row, "requests")), 2);
	assert_int_equal(json_integer_value(json_object_get(row, "records")), 7);
	assert_time_is(row, "first_at", T0);
	assert_time_is(row, "last_at", T0 + 1000);
	assert_time_is(row, "consent_until", T0 + 2 * DAY_US);
	json_decref(page);

	/* The other direction of the same fetch, another fetch and another person: rows of their own. */
	a.direction = "in";
	a.records = 1;
	a.at = T0 + 2000;
	access_ok(f, &a);
	struct fed_access b = a;
	b.fetch_id = "fetch-2";
	b.node_id = "ZJ";
	b.direction = "out";
	b.records = 0;
	b.at = T0 + 3000;
	access_ok(f, &b);
	struct fed_access c = a;
	c.person_id = person_ids[1];
	c.fetch_id = "fetch-3";
	c.at = T0 + 4000;
	access_ok(f, &c);
	assert_int_equal(count_rows(f->st, "federation_access"), 4);
	assert_ok(fed_access_list(f->st, person_ids[0], &page));
	items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 3);
	/* Newest first. */
	assert_string_equal(jstr(json_array_get(items, 0), "node_id"), "ZJ");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "requests")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "records")), 0);
	assert_string_equal(jstr(json_array_get(items, 1), "direction"), "in");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "requests")), 1);
	assert_string_equal(jstr(json_array_get(items, 2), "direction"), "out");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 2), "requests")), 2);
	json_decref(page);
	assert_ok(fed_access_list(f->st, person_ids[1], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 1);
	json_decref(page);
	assert_ok(fed_access_list(f->st, person_ids[2], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);

	/* A peer that names the same fetch for another person: that person gets a row of their own, and
	 * the first person's row counts nothing of it. */
	struct fed_access d = a;
	d.person_id = person_ids[2];
	d.records = 5;
	access_ok(f, &d);
	assert_ok(fed_access_list(f->st, person_ids[2], &page));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(page, "items"), 0), "records")), 5);
	json_decref(page);
	assert_ok(fed_access_list(f->st, person_ids[0], &page));
	items = json_object_get(page, "items");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "records")), 1);
	json_decref(page);
}

/* ---- Running what is due ---- */

static struct fed_fetcher fetcher(struct fx *f, const struct ll_keys *keys, const struct cred_issuer *iss)
{
	return (struct fed_fetcher){ .st = f->st, .keys = keys, .iss = iss, .own_id = "SH", .policy = &POLICY, .page = 10 };
}

/* The fetch id as it reads now for person 0. */
static json_t *fetch_now(struct fx *f, const char *id)
{
	json_t *got = NULL;
	assert_ok(fed_fetch_get(f->st, person_ids[0], id, &got));
	return got;
}

/* Nothing was imported nor logged as an access. */
static void assert_nothing_crossed(struct fx *f)
{
	assert_int_equal(count_rows(f->st, "external_outcomes"), 0);
	assert_int_equal(count_rows(f->st, "federation_access"), 0);
}

static bool run_due(struct fx *f, const struct ll_keys *keys, int64_t now)
{
	struct cred_issuer iss = issuer();
	struct fed_fetcher fr = fetcher(f, keys, &iss);
	bool ran = false;
	assert_ok(fed_fetch_run_due(&fr, now, &ran));
	return ran;
}

static void test_run_due_fails_a_fetch_whose_peer_is_suspended_or_gone(void **state)
{
	struct fx *f = *state;
	peers(f);
	clock_set_fixed(T0);
	json_t *fetch = fetch_ok(f, 0, "JS", T0);
	peer_set_status(f, "JS", FED_SUSPENDED);
	clock_set_fixed(T0 + 5000);
	assert_true(run_due(f, g_region_a, T0 + 5000));
	json_t *got = fetch_now(f, jstr(fetch, "id"));
	assert_string_equal(jstr(got, "state"), "failed");
	assert_string_equal(jstr(got, "last_error"), "exchange with the peer is suspended");
	assert_time_is(got, "finished_at", T0 + 5000);
	assert_time_is(got, "next_at", 0);
	assert_int_equal(json_integer_value(json_object_get(got, "received")), 0);
	assert_int_equal(json_integer_value(json_object_get(got, "imported")), 0);
	json_decref(got);
	assert_nothing_crossed(f);
	/* Nothing else is due. */
	assert_false(run_due(f, g_region_a, T0 + 10000));
	json_decref(fetch);

	/* A peer removed from the registry since: failed too. */
	peer_set_status(f, "JS", FED_ACTIVE);
	fetch = fetch_ok(f, 0, "JS", T0 + 20000);
	sql(f->st, "DELETE FROM federation_peers WHERE node_id = 'JS'", SP_NONE, NULL, NULL);
	assert_true(run_due(f, g_region_a, T0 + 30000));
	got = fetch_now(f, jstr(fetch, "id"));
	assert_string_equal(jstr(got, "state"), "failed");
	assert_non_null(strstr(jstr(got, "last_error"), "no longer"));
	json_decref(got);
	assert_nothing_crossed(f);
	json_decref(fetch);
}

static void test_run_due_expires_a_fetch_whose_consent_ended(void **state)
{
	struct fx *f = *state;
	peers(f);
	clock_set_fixed(T0);
	struct fed_fetch_in in = fetch_in("JS", T0 + HOUR_US);
	json_t *fetch = NULL;
	assert_ok(fed_fetch_create(f->st, person_ids[0], &in, T0, &fetch));
	/* Run only after the consent ended (a server that was down meanwhile). */
	clock_set_fixed(T0 + 2 * HOUR_US);
	assert_true(run_due(f, g_region_a, T0 + 2 * HOUR_US));
	json_t *got = fetch_now(f, jstr(fetch, "id"));
	assert_string_equal(jstr(got, "state"), "expired");
	assert_time_is(got, "finished_at", T0 + 2 * HOUR_US);
	assert_time_is(got, "next_at", 0);
	assert_int_equal(json_integer_value(json_object_get(got, "imported")), 0);
	json_decref(got);
	assert_nothing_crossed(f);
	assert_false(run_due(f, g_region_a, T0 + 3 * HOUR_US));
	/* Expired, it is not tried again. */
	got = NULL;
	assert_fails(fed_fetch_retry(f->st, person_ids[0], jstr(fetch, "id"), T0 + 3 * HOUR_US, &got), LL_CONFLICT,
		     "state");
	/* Consent that ends at the very time it runs has ended. */
	json_decref(fetch);
	in.consent_until = T0 + 4 * HOUR_US;
	assert_ok(fed_fetch_create(f->st, person_ids[0], &in, T0 + 3 * HOUR_US, &fetch));
	clock_set_fixed(T0 + 4 * HOUR_US);
	assert_true(run_due(f, g_region_a, T0 + 4 * HOUR_US));
	got = fetch_now(f, jstr(fetch, "id"));
	assert_string_equal(jstr(got, "state"), "expired");
	json_decref(got);
	assert_nothing_crossed(f);
	json_decref(fetch);

	/* Consent that ends after the fetch was taken up but before the peer is asked: expired, and
	 * the peer never asked. */
	in.consent_until = T0 + 6 * HOUR_US;
	assert_ok(fed_fetch_create(f->st, person_ids[0], &in, T0 + 5 * HOUR_US, &fetch));
	clock_set_fixed(T0 + 6 * HOUR_US);
	assert_true(run_due(f, g_region_a, T0 + 5 * HOUR_US + 1));
	got = fetch_now(f, jstr(fetch, "id"));
	assert_string_equal(jstr(got, "state"), "expired");
	assert_int_equal(json_integer_value(json_object_get(got, "attempts")), 0);
	json_decref(got);
	assert_nothing_crossed(f);
	json_decref(fetch);
}

static void test_run_due_fails_without_a_regional_key_and_waits_for_next_at(void **state)
{
	struct fx *f = *state;
	peers(f);
	clock_set_fixed(T0);
	json_t *fetch = fetch_ok(f, 0, "JS", T0);
	/* Not due before its time. */
	sql(f->st, "UPDATE federation_fetches SET next_at = $1", SP(SV_I64(T0 + HOUR_US)), NULL, NULL);
	assert_false(run_due(f, g_region_a, T0 + HOUR_US - 1));
	json_t *got = fetch_now(f, jstr(fetch, "id"));
	assert_string_equal(jstr(got, "state"), "queued");
	json_decref(got);
	/* Due, on a node without a regional key: nobody can be named to the peer. */
	clock_set_fixed(T0 + HOUR_US);
	assert_true(run_due(f, g_keys, T0 + HOUR_US));
	got = fetch_now(f, jstr(fetch, "id"));
	assert_string_equal(jstr(got, "state"), "failed");
	assert_non_null(strstr(jstr(got, "last_error"), "regional"));
	json_decref(got);
	assert_nothing_crossed(f);
	json_decref(fetch);
}

/* A peer asked that does not answer: tried again after a second, and the asking logged. */
static void test_run_due_retries_a_peer_that_does_not_answer(void **state)
{
	struct fx *f = *state;
	peers(f);
	assert_ok(cred_keys_ensure(f->st, g_keys));
	clock_set_fixed(T0);
	json_t *fetch = fetch_ok(f, 0, "JS", T0);
	assert_true(run_due(f, g_region_a, T0));
	json_t *got = fetch_now(f, jstr(fetch, "id"));
	assert_string_equal(jstr(got, "state"), "retrying");
	assert_int_equal(json_integer_value(json_object_get(got, "attempts")), 1);
	assert_time_is(got, "next_at", T0 + 1000000);
	assert_time_is(got, "finished_at", 0);
	assert_non_null(strstr(jstr(got, "last_error"), "unreachable"));
	json_decref(got);
	assert_int_equal(count_rows(f->st, "external_outcomes"), 0);
	assert_int_equal(sql_i64(f->st,
				 "SELECT requests FROM federation_access WHERE node_id = 'JS' AND fetch_id = $1 AND "
				 "direction = 'out' AND person_id = $2 AND records = 0",
				 SP(SV_TEXT(jstr(fetch, "id")), SV_TEXT(person_ids[0]))),
			 1);
	/* Not due until then; then tried again, waiting twice as long. */
	assert_false(run_due(f, g_region_a, T0 + 999999));
	clock_set_fixed(T0 + 1000000);
	assert_true(run_due(f, g_region_a, T0 + 1000000));
	got = fetch_now(f, jstr(fetch, "id"));
	assert_string_equal(jstr(got, "state"), "retrying");
	assert_int_equal(json_integer_value(json_object_get(got, "attempts")), 2);
	assert_time_is(got, "next_at", T0 + 3000000);
	json_decref(got);
	assert_int_equal(sql_i64(f->st, "SELECT requests FROM federation_access WHERE fetch_id = $1",
				 SP(SV_TEXT(jstr(fetch, "id")))),
			 2);
	json_decref(fetch);
}

/* A record of JS for outcome o, as a verified page gives it. */
static struct fed_record record(const char *o, const char *entry)
{
	return (struct fed_record){ .outcome_id = o, .entry_id = entry, .credential_id = "urn:uuid:c", .kid = "k",
				    .jws = "h.p.s", .kind = "academic_credit", .title = o, .awarded_on = "2025-01-01",
				    .level = -1, .credits_milli = 2000, .hours_milli = -1 };
}

static void test_run_imports_only_while_it_holds_its_lease_and_forgets_what_the_peer_no_longer_gives(void **state)
{
	struct fx *f = *state;
	peers(f);
	json_t *made = fetch_ok(f, 0, "JS", T0);
	struct fed_run r;
	bool is_claimed = false;
	assert_ok(fed_run_claim(f->st, T0 + 1, &r, &is_claimed));
	assert_true(is_claimed);
	assert_string_equal(r.id, jstr(made, "id"));
	/* Claimed: another run finds nothing due. */
	struct fed_run other;
	bool is_other = true;
	assert_ok(fed_run_claim(f->st, T0 + 2, &other, &is_other));
	assert_false(is_other);
	const struct fed_record page1[] = { record("o-1", "e-1"), record("o-2", "e-2") };
	int64_t imported = 0;
	assert_ok(fed_run_import(f->st, &r, page1, 2, 5, &imported));
	assert_int_equal(imported, 2);
	assert_int_equal(r.after, 5);
	/* Taken over by another server (its lease is another's now): nothing of the page is kept. */
	int64_t mine = r.lease;
	assert_int_equal(sql(f->st, "UPDATE federation_fetches SET next_at = next_at + 1 WHERE id = $1",
			     SP(SV_TEXT(r.id)), NULL, NULL),
			 1);
	const struct fed_record page2[] = { record("o-3", "e-3") };
	assert_int_equal(fed_run_import(f->st, &r, page2, 1, -1, &imported), LL_CONFLICT);
	ll_error_clear();
	assert_int_equal(fed_run_lease(f->st, &r), LL_CONFLICT);
	ll_error_clear();
	assert_int_equal(count_rows(f->st, "external_outcomes"), 2);
	/* Given back: the last page ends the fetch; an outcome of an earlier fetch that the peer no
	 * longer gives is forgotten, one it gave again is kept. */
	assert_int_equal(sql(f->st, "UPDATE federation_fetches SET next_at = $2 WHERE id = $1",
			     SP(SV_TEXT(r.id), SV_I64(mine)), NULL, NULL),
			 1);
	assert_ok(fed_run_import(f->st, &r, page2, 1, -1, &imported));
	json_t *done = fetch_now(f, r.id);
	assert_string_equal(jstr(done, "state"), "done");
	assert_int_equal(json_integer_value(json_object_get(done, "received")), 3);
	json_decref(done);
	assert_int_equal(count_rows(f->st, "external_outcomes"), 3);
	/* A second fetch that gives o-1 and o-3 only: o-2 is gone, the others stay as they were. */
	json_t *again = fetch_ok(f, 0, "JS", T0 + HOUR_US);
	assert_ok(fed_run_claim(f->st, T0 + HOUR_US + 1, &r, &is_claimed));
	assert_true(is_claimed);
	const struct fed_record page3[] = { record("o-1", "e-1"), record("o-3", "e-3") };
	assert_ok(fed_run_import(f->st, &r, page3, 2, -1, &imported));
	assert_int_equal(imported, 0);
	assert_int_equal(count_rows(f->st, "external_outcomes"), 2);
	json_t *page = NULL;
	assert_ok(fed_external_list(f->st, person_ids[0], &page));
	const json_t *items = json_object_get(page, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		assert_string_not_equal(jstr(json_array_get(items, i), "outcome_id"), "o-2");
	json_decref(page);
	json_decref(again);
	json_decref(made);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_exchange, teardown_ledger)
	const struct CMUnitTest tests[] = {
		T(test_catch_up_fills_every_missing_hash_once),
		T(test_catch_up_counts_every_person_across_batches),
		T(test_catch_up_under_another_regional_key_makes_every_hash_anew),
		T(test_subject_find_finds_by_hash_catching_up_on_a_miss),
		T(test_subject_hash_is_the_regional_hash_of_the_id_number),
		T(test_badges_page_through_current_outcomes_in_person_order),
		T(test_badges_reuse_the_newest_badge_of_the_current_version),
		T(test_badges_leave_out_revoked_and_superseded_outcomes),
		T(test_badges_of_a_person_with_none_is_an_empty_page),
		T(test_fetch_create_refusals_store_nothing),
		T(test_fetch_created_is_queued_and_only_its_persons),
		T(test_fetch_retry_requeues_only_a_failed_or_retrying_one),
		T(test_fetch_withdraw_ends_an_unfinished_one_once),
		T(test_external_list_is_the_persons_own_by_award_date),
		T(test_access_log_keeps_one_row_a_fetch_and_direction),
		T(test_run_due_fails_a_fetch_whose_peer_is_suspended_or_gone),
		T(test_run_due_expires_a_fetch_whose_consent_ended),
		T(test_run_due_fails_without_a_regional_key_and_waits_for_next_at),
		T(test_run_due_retries_a_peer_that_does_not_answer),
		T(test_run_imports_only_while_it_holds_its_lease_and_forgets_what_the_peer_no_longer_gives),
	};
#undef T
	int failed = ledger_fixture_run("federation exchange", tests, sizeof(tests) / sizeof(tests[0]));
	g_region_a = keys_free(g_region_a);
	g_region_b = keys_free(g_region_b);
	return failed;
}
