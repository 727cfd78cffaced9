/*
 * Sign-in rules without a database: password and login policy, which affiliations each role
 * needs, the back-off schedule, the password gate that bounds concurrent Argon2id hashing, and
 * role names. Gate cases run real hashes on threads; the threads only report results back and
 * every assertion happens on the main thread.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "auth/auth_cache.h"
#include "base/clock.h"
#include "auth/roles.h"
#include "base/crypto.h"

static int group_setup(void **state)
{
	return crypto_init() == LL_OK ? 0 : -1;
}

/* ---- passwords ---- */

static void expect_password(const char *pw, const char *login, enum ll_err want)
{
	enum ll_err err = auth_check_password(pw, login);
	if (err != want)
		fail_msg("password '%s' (login %s): got %s, want %s", pw, login ? login : "NULL", ll_err_code(err),
			 ll_err_code(want));
	if (want != LL_OK)
		assert_string_equal(ll_error_get(err)->field, "password");
}

static void test_password_length_bounds(void **state)
{
	char pw[AUTH_PASSWORD_MAX + 2];
	expect_password("", NULL, LL_WEAK_PASSWORD);
	expect_password("abc1234", NULL, LL_WEAK_PASSWORD);   /* 7 */
	expect_password("abcd1234", NULL, LL_OK);             /* 8 */
	memset(pw, 'a', AUTH_PASSWORD_MAX);
	pw[0] = '1';
	pw[AUTH_PASSWORD_MAX] = '\0';
	expect_password(pw, NULL, LL_OK);                     /* 128 */
	pw[AUTH_PASSWORD_MAX] = 'a';
	pw[AUTH_PASSWORD_MAX + 1] = '\0';
	expect_password(pw, NULL, LL_TOO_LONG);               /* 129 */
}

static void test_password_length_in_characters(void **state)
{
	/* Seven Chinese characters and a digit are eight characters though 22 bytes. */
	expect_password("学习终身教育平1", NULL, LL_OK);
	expect_password("学习终身教1", NULL, LL_WEAK_PASSWORD); /* 6 characters, 16 bytes */
	/* 128 three-byte characters (384 bytes) and one digit: too long by characters. */
	char pw[3 * 128 + 2];
	for (int i = 0; i < 128; i++)
		memcpy(pw + 3 * i, "学", 3);
	pw[384] = '1';
	pw[385] = '\0';
	expect_password(pw, NULL, LL_TOO_LONG);
	pw[381] = '1';
	pw[382] = '\0';
	expect_password(pw, NULL, LL_OK); /* 127 + 1 = 128 */
}

static void test_password_character_classes(void **state)
{
	expect_password("abcdefgh", NULL, LL_WEAK_PASSWORD);
	expect_password("ABCDEFGHij", NULL, LL_WEAK_PASSWORD);
	expect_password("12345678", NULL, LL_WEAK_PASSWORD);
	expect_password("!@#$%^&*", NULL, LL_WEAK_PASSWORD);
	expect_password("学习终身教育平台", NULL, LL_WEAK_PASSWORD);
	expect_password("abcdefg1", NULL, LL_OK);
	expect_password("abcdefg!", NULL, LL_OK);
	expect_password("1234567!", NULL, LL_OK);
	expect_password("学习终身教育平a", NULL, LL_OK);
	expect_password("correct horse", NULL, LL_OK); /* the space counts as another class */
}

static void test_password_not_the_login(void **state)
{
	expect_password("alice2024", "alice2024", LL_WEAK_PASSWORD);
	expect_password("ALICE2024", "alice2024", LL_WEAK_PASSWORD);
	expect_password("alice2024!", "alice2024", LL_OK);
	expect_password("alice2024", NULL, LL_OK);
}

/* ---- logins ---- */

static void test_login_rules(void **state)
{
	const char *good[] = { "abc", "alice", "a.b_c-d@e", "3100000000000011", "x1-", "zhang.san@school.edu.cn" };
	const char *bad[] = { "", "ab", "Alice", "al ice", "al/ice", "alice!", "张三丰", "al\tice", "a+b" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(auth_check_login(good[i]), LL_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum ll_err err = auth_check_login(bad[i]);
		if (err != LL_INVALID_VALUE)
			fail_msg("login '%s' accepted", bad[i]);
		assert_string_equal(ll_error_get(err)->field, "login");
	}
	char login[66];
	memset(login, 'a', 64);
	login[64] = '\0';
	assert_int_equal(auth_check_login(login), LL_OK);
	login[64] = 'a';
	login[65] = '\0';
	assert_int_equal(auth_check_login(login), LL_INVALID_VALUE);
}

/* ---- role affiliations ---- */

static void expect_user(enum role role, const char *inst, const char *district, const char *person, enum ll_err want,
			const char *want_field)
{
	struct user_in in = { .login = "someone", .display_name = "Someone", .role = role, .institution_id = inst,
			      .district_code = district, .person_id = person };
	ll_error_clear();
	enum ll_err err = auth_check_user_in(&in);
	if (err != want)
		fail_msg("role %s inst=%s district=%s person=%s: got %s, want %s", role_name(role) ? role_name(role) : "?",
			 inst ? inst : "-", district ? district : "-", person ? person : "-", ll_err_code(err),
			 ll_err_code(want));
	if (want_field)
		assert_string_equal(ll_error_get(err)->field, want_field);
}

#define I "inst-1"
#define D "310104"
#define P "person-1"

static void test_user_in_staff_and_institution_admin(void **state)
{
	const enum role roles[] = { ROLE_STAFF, ROLE_INSTITUTION_ADMIN };
	for (int i = 0; i < 2; i++) {
		expect_user(roles[i], I, NULL, NULL, LL_OK, NULL);
		expect_user(roles[i], NULL, NULL, NULL, LL_MISSING_FIELD, "institution");
		expect_user(roles[i], I, D, NULL, LL_INVALID_VALUE, "district");
		expect_user(roles[i], I, NULL, P, LL_INVALID_VALUE, "person");
	}
}

static void test_user_in_reviewer(void **state)
{
	/* A reviewer may belong to an institution or to none. */
	expect_user(ROLE_REVIEWER, NULL, NULL, NULL, LL_OK, NULL);
	expect_user(ROLE_REVIEWER, I, NULL, NULL, LL_OK, NULL);
	expect_user(ROLE_REVIEWER, NULL, D, NULL, LL_INVALID_VALUE, "district");
	expect_user(ROLE_REVIEWER, NULL, NULL, P, LL_INVALID_VALUE, "person");
}

static void test_user_in_district_admin(void **state)
{
	expect_user(ROLE_DISTRICT_ADMIN, NULL, D, NULL, LL_OK, NULL);
	expect_user(ROLE_DISTRICT_ADMIN, NULL, NULL, NULL, LL_MISSING_FIELD, "district");
	expect_user(ROLE_DISTRICT_ADMIN, I, D, NULL, LL_INVALID_VALUE, "institution");
	expect_user(ROLE_DISTRICT_ADMIN, NULL, D, P, LL_INVALID_VALUE, "person");
}

static void test_user_in_citizen(void **state)
{
	expect_user(ROLE_CITIZEN, NULL, NULL, P, LL_OK, NULL);
	expect_user(ROLE_CITIZEN, NULL, NULL, NULL, LL_MISSING_FIELD, "person");
	expect_user(ROLE_CITIZEN, I, NULL, P, LL_INVALID_VALUE, "institution");
	expect_user(ROLE_CITIZEN, NULL, D, P, LL_INVALID_VALUE, "district");
}

static void test_user_in_city_admin_and_auditor(void **state)
{
	const enum role roles[] = { ROLE_CITY_ADMIN, ROLE_AUDITOR };
	for (int i = 0; i < 2; i++) {
		expect_user(roles[i], NULL, NULL, NULL, LL_OK, NULL);
		expect_user(roles[i], I, NULL, NULL, LL_INVALID_VALUE, "institution");
		expect_user(roles[i], NULL, D, NULL, LL_INVALID_VALUE, "district");
		expect_user(roles[i], NULL, NULL, P, LL_INVALID_VALUE, "person");
	}
}

static void test_user_in_unknown_role(void **state)
{
	expect_user(ROLE_NONE, NULL, NULL, NULL, LL_INVALID_VALUE, "role");
	expect_user((enum role)(ROLE_STAFF | ROLE_CITY_ADMIN), I, NULL, NULL, LL_INVALID_VALUE, "role");
	expect_user((enum role)(1 << 8), NULL, NULL, NULL, LL_INVALID_VALUE, "role");
	/* A learning platform's credentials are never a user. */
	expect_user(ROLE_LRS_CLIENT, I, NULL, NULL, LL_INVALID_VALUE, "role");
}

static void test_user_in_checks_login_name_and_password(void **state)
{
	struct user_in in = { .login = "Bad Login", .display_name = "x", .role = ROLE_CITY_ADMIN };
	assert_int_equal(auth_check_user_in(&in), LL_INVALID_VALUE);
	assert_string_equal(ll_error_get(LL_INVALID_VALUE)->field, "login");
	in.login = "goodlogin";
	in.password = "short1";
	assert_int_equal(auth_check_user_in(&in), LL_WEAK_PASSWORD);
	in.password = "goodlogin";
	assert_int_equal(auth_check_user_in(&in), LL_WEAK_PASSWORD);
	in.password = "a-good-pass-2024";
	assert_int_equal(auth_check_user_in(&in), LL_OK);
	in.password = NULL; /* no password yet is allowed */
	assert_int_equal(auth_check_user_in(&in), LL_OK);
	char name[120];
	memset(name, 'n', 101);
	name[101] = '\0';
	in.display_name = name;
	assert_int_equal(auth_check_user_in(&in), LL_TOO_LONG);
	assert_string_equal(ll_error_get(LL_TOO_LONG)->field, "display_name");
	name[100] = '\0';
	assert_int_equal(auth_check_user_in(&in), LL_OK);
}

/* ---- back-off ---- */

static void test_backoff_schedule(void **state)
{
	const int64_t want[] = { 0, 0, 0, 2, 8, 900, 900, 900 };
	for (int n = 0; n < (int)(sizeof(want) / sizeof(want[0])); n++)
		assert_int_equal(auth_backoff_s(n), want[n]);
	assert_int_equal(auth_backoff_s(AUTH_LOCK_AFTER), 900);
	assert_int_equal(auth_backoff_s(1000000), 900);
	assert_int_equal(auth_backoff_s(-1), 0);
}

/* ---- the password gate ---- */

struct hash_job {
	struct pw_gate *g;
	pthread_barrier_t *start;
	enum ll_err err;
	char hash[CRYPTO_PWHASH_MAX];
};

static void *hash_thread(void *arg)
{
	struct hash_job *j = arg;
	pthread_barrier_wait(j->start);
	j->err = pw_gate_hash(j->g, "concurrent pass 1", j->hash);
	return NULL;
}

/* Starts two hashes at the same instant through g; fills a and b. */
static void race_two_hashes(struct pw_gate *g, struct hash_job *a, struct hash_job *b)
{
	pthread_barrier_t start;
	pthread_t ta, tb;
	pthread_barrier_init(&start, NULL, 2);
	*a = (struct hash_job){ .g = g, .start = &start, .err = LL_INTERNAL };
	*b = (struct hash_job){ .g = g, .start = &start, .err = LL_INTERNAL };
	assert_int_equal(pthread_create(&ta, NULL, hash_thread, a), 0);
	assert_int_equal(pthread_create(&tb, NULL, hash_thread, b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&start);
}

static void test_gate_turns_away_when_no_waiting(void **state)
{
	struct pw_gate *g = pw_gate_new(1, 0);
	struct hash_job a, b;
	/* A hash takes tens of milliseconds, so two started together overlap; should the scheduler
	 * run them one after the other, try again rather than report a false failure. */
	bool saw_busy = false;
	for (int attempt = 0; attempt < 5 && !saw_busy; attempt++) {
		race_two_hashes(g, &a, &b);
		assert_true(a.err == LL_OK || a.err == LL_BUSY);
		assert_true(b.err == LL_OK || b.err == LL_BUSY);
		assert_false(a.err == LL_BUSY && b.err == LL_BUSY); /* one of them always runs */
		saw_busy = a.err == LL_BUSY || b.err == LL_BUSY;
	}
	assert_true(saw_busy);
	/* The slot is released afterwards: a lone hash goes through. */
	char h[CRYPTO_PWHASH_MAX];
	assert_int_equal(pw_gate_hash(g, "alone pass 1", h), LL_OK);
	pw_gate_free(g);
}

static void test_gate_queues_when_waiting_allowed(void **state)
{
	struct pw_gate *g = pw_gate_new(1, 1);
	struct hash_job a, b;
	for (int attempt = 0; attempt < 3; attempt++) {
		race_two_hashes(g, &a, &b);
		assert_int_equal(a.err, LL_OK);
		assert_int_equal(b.err, LL_OK);
		assert_true(crypto_password_verify(a.hash, "concurrent pass 1"));
		assert_true(crypto_password_verify(b.hash, "concurrent pass 1"));
	}
	pw_gate_free(g);
}

static void test_gate_two_slots_run_together(void **state)
{
	struct pw_gate *g = pw_gate_new(2, 0);
	struct hash_job a, b;
	race_two_hashes(g, &a, &b);
	assert_int_equal(a.err, LL_OK);
	assert_int_equal(b.err, LL_OK);
	pw_gate_free(g);
}

static void test_gate_verify(void **state)
{
	struct pw_gate *g = pw_gate_new(1, 0);
	char h[CRYPTO_PWHASH_MAX];
	bool ok = false;
	assert_int_equal(pw_gate_hash(g, "right pass 1", h), LL_OK);
	assert_int_equal(pw_gate_verify(g, h, "right pass 1", &ok), LL_OK);
	assert_true(ok);
	assert_int_equal(pw_gate_verify(g, h, "wrong pass 1", &ok), LL_OK);
	assert_false(ok);
	assert_null(pw_gate_free(g));
	assert_null(pw_gate_free(NULL));
}

/* ---- roles ---- */

static void test_role_names_round_trip(void **state)
{
	const char *const want[ROLE_COUNT] = { "citizen", "staff", "institution_admin", "reviewer", "district_admin",
					       "city_admin", "auditor", "lrs_client", "peer_node" };
	unsigned seen = 0;
	for (int i = 0; i < ROLE_COUNT; i++) {
		enum role r = role_at(i), back = ROLE_NONE;
		const char *name = role_name(r);
		assert_non_null(name);
		assert_string_equal(name, want[i]);
		/* Every role but a learning platform's and another node's is a user's, and parses back. */
		assert_int_equal(role_parse(name, &back), r != ROLE_LRS_CLIENT && r != ROLE_PEER_NODE);
		assert_int_equal(role_is_user(r), r != ROLE_LRS_CLIENT && r != ROLE_PEER_NODE);
		if (r != ROLE_LRS_CLIENT && r != ROLE_PEER_NODE)
			assert_int_equal(back, r);
		/* Each role is exactly one bit, each bit used once, all within ROLES_ALL. */
		assert_int_equal(__builtin_popcount((unsigned)r), 1);
		assert_int_equal(seen & (unsigned)r, 0);
		seen |= (unsigned)r;
	}
	assert_int_equal(seen, ROLES_ALL | ROLE_LRS_CLIENT | ROLE_PEER_NODE);
	assert_int_equal(ROLES_STAFF_ALL, ROLES_ALL & ~(unsigned)ROLE_CITIZEN);
}

static void test_role_name_refuses_non_roles(void **state)
{
	enum role r = ROLE_STAFF;
	assert_null(role_name(ROLE_NONE));
	assert_null(role_name((enum role)(ROLE_STAFF | ROLE_REVIEWER)));
	assert_null(role_name((enum role)(1 << 9)));
	assert_false(role_parse("lrs_client", &r));
	assert_false(role_parse("peer_node", &r));
	assert_false(role_parse("", &r));
	assert_false(role_parse("admin", &r));
	assert_false(role_parse("Citizen", &r));
	assert_false(role_parse("citizen ", &r));
	assert_int_equal(r, ROLE_STAFF);
}

/* --- the credential cache --- */

static void cache_hash(unsigned char h[CRYPTO_HASH_BYTES], unsigned char seed)
{
	for (int i = 0; i < CRYPTO_HASH_BYTES; i++)
		h[i] = (unsigned char)(seed * 31 + i);
}

static struct user cache_user(const char *id)
{
	struct user u = { .id = id, .login = "li.lei", .role = ROLE_INSTITUTION_ADMIN, .display_name = "李雷",
			  .institution_id = "inst-1", .institution_name = "上海开放大学", .institution_type = "open_university",
			  .locale = "zh-CN", .is_elder_mode = true, .created_at = 1234 };
	return u;
}

static void test_cache_returns_what_was_put(void **state)
{
	(void)state;
	unsigned char h[CRYPTO_HASH_BYTES];
	cache_hash(h, 1);
	struct user u = cache_user("user-1"), got;
	auth_cache_put(h, &u, "csrf-1", false, 0);
	struct arena a;
	arena_init(&a, 0);
	const char *csrf = NULL;
	bool ro = true;
	assert_true(auth_cache_get(h, &a, &got, &csrf, &ro));
	assert_string_equal(got.id, "user-1");
	assert_string_equal(got.display_name, "李雷");
	assert_string_equal(got.institution_name, "上海开放大学");
	assert_null(got.district_code);
	assert_null(got.person_id);
	assert_int_equal(got.role, ROLE_INSTITUTION_ADMIN);
	assert_true(got.is_elder_mode);
	assert_int_equal(got.created_at, 1234);
	assert_string_equal(csrf, "csrf-1");
	assert_false(ro);
	arena_release(&a);
}

static void test_cache_entries_expire_after_ttl_and_with_credential(void **state)
{
	(void)state;
	unsigned char h1[CRYPTO_HASH_BYTES], h2[CRYPTO_HASH_BYTES];
	cache_hash(h1, 2);
	cache_hash(h2, 3);
	struct user u = cache_user("user-2"), got;
	struct arena a;
	arena_init(&a, 0);
	const char *csrf;
	bool ro;
	ll_time_us t0 = 1800000000000000LL;
	clock_set_fixed(t0);
	auth_cache_put(h1, &u, "c", false, 0);
	auth_cache_put(h2, &u, "c", false, t0 + 1000);
	clock_set_fixed(t0 + AUTH_CACHE_TTL_US - 1);
	assert_true(auth_cache_get(h1, &a, &got, &csrf, &ro));
	assert_false(auth_cache_get(h2, &a, &got, &csrf, &ro)); /* the session itself ended */
	clock_set_fixed(t0 + AUTH_CACHE_TTL_US);
	assert_false(auth_cache_get(h1, &a, &got, &csrf, &ro));
	clock_set_fixed(0);
	arena_release(&a);
}

static void test_cache_forgets_a_credential_and_a_user(void **state)
{
	(void)state;
	unsigned char h1[CRYPTO_HASH_BYTES], h2[CRYPTO_HASH_BYTES], h3[CRYPTO_HASH_BYTES];
	cache_hash(h1, 4);
	cache_hash(h2, 5);
	cache_hash(h3, 6);
	struct user a_user = cache_user("user-a"), b_user = cache_user("user-b"), got;
	struct arena a;
	arena_init(&a, 0);
	const char *csrf;
	bool ro;
	auth_cache_put(h1, &a_user, "c", false, 0);
	auth_cache_put(h2, &a_user, NULL, true, 0);
	auth_cache_put(h3, &b_user, "c", false, 0);
	auth_cache_forget(h1);
	assert_false(auth_cache_get(h1, &a, &got, &csrf, &ro));
	assert_true(auth_cache_get(h2, &a, &got, &csrf, &ro));
	assert_null(csrf);
	assert_true(ro);
	auth_cache_forget_user("user-a");
	assert_false(auth_cache_get(h2, &a, &got, &csrf, &ro));
	assert_true(auth_cache_get(h3, &a, &got, &csrf, &ro));
	arena_release(&a);
}

static void test_cache_skips_users_too_long_to_hold(void **state)
{
	(void)state;
	unsigned char h[CRYPTO_HASH_BYTES];
	cache_hash(h, 7);
	char long_name[1200];
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	struct user u = cache_user("user-long"), got;
	u.institution_name = long_name;
	auth_cache_put(h, &u, "c", false, 0);
	struct arena a;
	arena_init(&a, 0);
	const char *csrf;
	bool ro;
	assert_false(auth_cache_get(h, &a, &got, &csrf, &ro));
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_length_bounds),
		cmocka_unit_test(test_password_length_in_characters),
		cmocka_unit_test(test_password_character_classes),
		cmocka_unit_test(test_password_not_the_login),
		cmocka_unit_test(test_login_rules),
		cmocka_unit_test(test_user_in_staff_and_institution_admin),
		cmocka_unit_test(test_user_in_reviewer),
		cmocka_unit_test(test_user_in_district_admin),
		cmocka_unit_test(test_user_in_citizen),
		cmocka_unit_test(test_user_in_city_admin_and_auditor),
		cmocka_unit_test(test_user_in_unknown_role),
		cmocka_unit_test(test_user_in_checks_login_name_and_password),
		cmocka_unit_test(test_backoff_schedule),
		cmocka_unit_test(test_gate_turns_away_when_no_waiting),
		cmocka_unit_test(test_gate_queues_when_waiting_allowed),
		cmocka_unit_test(test_gate_two_slots_run_together),
		cmocka_unit_test(test_gate_verify),
		cmocka_unit_test(test_role_names_round_trip),
		cmocka_unit_test(test_cache_returns_what_was_put),
		cmocka_unit_test(test_cache_entries_expire_after_ttl_and_with_credential),
		cmocka_unit_test(test_cache_forgets_a_credential_and_a_user),
		cmocka_unit_test(test_cache_skips_users_too_long_to_hold),
		cmocka_unit_test(test_role_name_refuses_non_roles),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
