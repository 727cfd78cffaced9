/*
 * The credentials benchmark, on a database the demo filled (persons with outcomes in the ledger):
 *  - issued per second: COUNT credentials for current outcomes of the demo's persons, by THREADS
 *    threads at once, each through cred_issue_badge (the outcome read, a tree head and an inclusion
 *    proof, a signature, and a synced commit shared with the credentials issued at the same time),
 *    as POST /api/v1/me/credentials does;
 *  - verified per second: each of them through cred_verify_local (signature, dates, status in the
 *    ledger, inclusion proof and tree-head signature), as POST /api/v1/verify does, by THREADS
 *    threads;
 *  - revocation: the time from a revocation's commit until the status list this node serves, and
 *    its own verifier, say the credential is revoked.
 *
 *   credentials_bench DB_URL KEY_FILE COUNT THREADS
 *   prints "issued SECONDS verified SECONDS revocation_seen_us"
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/audit/audit.h"
#include "../src/auth/roles.h"
#include "../src/base/arena.h"
#include "../src/base/clock.h"
#include "../src/base/crypto.h"
#include "../src/credentials/credentials.h"
#include "../src/ledger/ledger.h"
#include "../src/store/store.h"

static struct ll_store *st;
static struct ll_keys *keys;
static struct cred_issuer iss;

/* The (person, outcome) pairs to issue for, and what was issued. */
static char (*persons)[40], (*outcomes)[40];
static char **jws;
static int count, threads;
static int next_job;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *what, enum ll_err err)
{
	fprintf(stderr, "credentials_bench: %s: %s\n", what, ll_error_get(err)->message);
	exit(1);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const struct store_stmt CURRENT = {
	"bench current outcomes",
	"SELECT person_id, outcome_id FROM ledger_entries e WHERE op <> 'revoke' AND NOT EXISTS "
	"(SELECT 1 FROM ledger_entries s WHERE s.supersedes = e.id) ORDER BY seq LIMIT $1"
};

static int loaded;

static enum ll_err pair_row(const struct store_row *row, void *ctx)
{
	snprintf(persons[loaded], sizeof(persons[0]), "%s", store_row_text(row, 0));
	snprintf(outcomes[loaded], sizeof(outcomes[0]), "%s", store_row_text(row, 1));
	loaded++;
	return LL_OK;
}

static enum ll_err pairs_txn(struct ll_tx *tx, void *ctx)
{
	loaded = 0;
	return store_exec(tx, &CURRENT, SP(SV_I64(count)), pair_row, NULL);
}

static int take(void)
{
	pthread_mutex_lock(&mu);
	int i = next_job < count ? next_job++ : -1;
	pthread_mutex_unlock(&mu);
	return i;
}

static void *issuer_main(void *arg)
{
	(void)arg;
	for (int i; (i = take()) >= 0;) {
		json_t *obj = NULL;
		enum ll_err err = cred_issue_badge(st, keys, &iss, persons[i], outcomes[i], &obj);
		if (err != LL_OK)
			die("issue", err);
		jws[i] = strdup(json_string_value(json_object_get(obj, "jws")));
		json_decref(obj);
	}
	return NULL;
}

static void *verifier_main(void *arg)
{
	(void)arg;
	for (int i; (i = take()) >= 0;) {
		json_t *report = NULL;
		enum ll_err err = cred_verify_local(st, keys, &iss, jws[i], clock_now_us(), &report);
		if (err != LL_OK)
			die("verify", err);
		if (!json_is_true(json_object_get(report, "is_valid"))) {
			fprintf(stderr, "credentials_bench: credential %d does not verify\n", i);
			exit(1);
		}
		json_decref(report);
	}
	return NULL;
}

static double run_threads(void *(*fn)(void *))
{
	pthread_t t[16];
	next_job = 0;
	double t0 = now_s();
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, fn, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return now_s() - t0;
}

/* Whether the status list says credential 0 is revoked. */
static bool list_says_revoked(void)
{
	char *list = NULL;
	enum ll_err err = cred_status_list_jws(st, keys, &iss, 0, &list);
	if (err != LL_OK)
		die("status list", err);
	json_t *report = NULL;
	if ((err = cred_verify_local(st, keys, &iss, list, clock_now_us(), &report)) != LL_OK)
		die("status list verify", err);
	const json_t *subject = json_object_get(json_object_get(report, "credential"), "credentialSubject");
	unsigned char *bits = NULL;
	size_t len = 0;
	if (cred_status_decode(json_string_value(json_object_get(subject, "encodedList")), "encodedList", &bits, &len) !=
	    LL_OK)
		die("status list decode", LL_INVALID_VALUE);
	/* Credential 0's index, from its credentialStatus. */
	struct jose_jws j;
	if (jose_jws_parse(jws[0], "jws", &j) != LL_OK)
		die("parse", LL_INVALID_VALUE);
	json_t *first = json_loadb(j.payload, j.payload_len, 0, NULL);
	jose_jws_release(&j);
	uint64_t index = strtoull(json_string_value(json_object_get(json_object_get(first, "credentialStatus"),
								     "statusListIndex")),
				  NULL, 10);
	bool is_set = cred_status_get(bits, len, index);
	free(bits);
	free(list);
	json_decref(first);
	json_decref(report);
	return is_set;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: credentials_bench DB_URL KEY_FILE COUNT THREADS\n");
		return 64;
	}
	count = atoi(argv[3]);
	threads = atoi(argv[4]);
	if (count < 1 || threads < 1 || threads > 16)
		return 64;
	crypto_init();
	enum ll_err err = keys_load(argv[2], &keys);
	struct store_options opt = { .max_connections = threads + 2 };
	if (err == LL_OK)
		err = store_open(argv[1], &opt, &st);
	if (err == LL_OK)
		err = store_migrate(st, NULL);
	if (err == LL_OK)
		err = cred_issuer_init("https://lifelong.sh.cn", &iss);
	if (err == LL_OK)
		err = cred_keys_ensure(st, keys);
	if (err != LL_OK)
		die("open", err);
	persons = calloc((size_t)count, sizeof(*persons));
	outcomes = calloc((size_t)count, sizeof(*outcomes));
	jws = calloc((size_t)count, sizeof(*jws));
	if ((err = store_run(st, STORE_READ, "bench pairs", pairs_txn, NULL)) != LL_OK)
		die("outcomes", err);
	if (loaded < count) {
		fprintf(stderr, "credentials_bench: the database holds %d current outcomes, fewer than %d\n", loaded, count);
		return 1;
	}
	double issued = run_threads(issuer_main);
	double verified = run_threads(verifier_main);

	/* Revoke the first credential's outcome, as the city would, and time until it shows. */
	const struct ledger_caller city = { .role = ROLE_CITY_ADMIN, .user_id = "bench" };
	const struct audit_actor actor = { .id = "bench", .role = "city_admin", .name = "bench" };
	struct arena a;
	arena_init(&a, 1 << 16);
	const char *entry = NULL;
	if (list_says_revoked())
		die("the list says revoked before the revocation", LL_INTERNAL);
	if ((err = ledger_revoke(st, &city, outcomes[0], "benchmark", &actor, &a, &entry)) != LL_OK)
		die("revoke", err);
	int64_t t0 = clock_mono_us();
	while (!list_says_revoked())
		;
	json_t *report = NULL;
	if ((err = cred_verify_local(st, keys, &iss, jws[0], clock_now_us(), &report)) != LL_OK)
		die("verify revoked", err);
	if (json_is_true(json_object_get(report, "is_valid")))
		die("the revoked credential still verifies", LL_INTERNAL);
	int64_t seen = clock_mono_us() - t0;
	json_decref(report);
	arena_release(&a);
	printf("%d %.3f %d %.3f %lld\n", count, issued, count, verified, (long long)seen);
	for (int i = 0; i < count; i++)
		free(jws[i]);
	free(jws);
	free(persons);
	free(outcomes);
	store_close(st);
	keys_free(keys);
	return 0;
}
