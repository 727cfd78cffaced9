/*
 * The synthetic demo city: institutions of every type across Shanghai's 16 districts, one staff
 * user per role, and N residents spread over the districts as the 2020 census counts them, each
 * with a committee of their district, a valid GB 11643 ID number, an account number, often a
 * phone, and for about a third an activation. Everything follows from the seed: the same seed on
 * an empty database gives the same ids, names, numbers and dates (the sealed columns differ from
 * run to run because sealing draws a random nonce, but they open to the same numbers). The demo
 * must never write into a database that already holds demo data; it refuses instead.
 *
 * demo.c holds the rules (the seeded generator and its tables, no I/O); demo_db.c writes them.
 */
#ifndef LL_DEMO_H
#define LL_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "../accounts/accounts.h"
#include "../base/id.h"
#include "../ledger/ledger.h"
#include "../base/ll_err.h"
#include "../org/org.h"

struct ll_store;
struct ll_keys;

/* Every demo user's password, printed at the end of a run. */
#define DEMO_PASSWORD "Demo-2026!"
/* The login whose presence says that a database already holds demo data. */
#define DEMO_MARKER_LOGIN "city.admin"
/* The demo citizen's phone, for phone sign-in. */
#define DEMO_CITIZEN_PHONE "13800138000"
/* The district the district administrator (and the demo citizen) belong to: 浦东新区. */
#define DEMO_DISTRICT_CODE "310115000000"
/* Persons per transaction unless told otherwise. */
#define DEMO_BATCH_ROWS 50000
#define DEMO_MAX_PERSONS 100000000LL
#define DEMO_DISTRICTS 16
#define DEMO_SIGN_INS 7

/* --- the seeded generator (demo.c) --- */

/* xoshiro256** seeded through splitmix64; a stream number gives independent sequences of one
 * seed, so that adding persons never changes the institutions. */
struct demo_rng {
	uint64_t s[4];
};
void demo_rng_seed(struct demo_rng *r, uint64_t seed, uint64_t stream);
uint64_t demo_rng_next(struct demo_rng *r);
/* Uniform in [0, n); n > 0. */
uint64_t demo_rng_below(struct demo_rng *r, uint64_t n);

/* A district as the generator sees it: codes and names, its 2020 population, and the committees
 * a resident may live in (codes borrowed from the caller, who keeps them alive). */
struct demo_district {
	char code[ORG_CODE_LEN + 1];
	const char *name;        /* 黄浦区 */
	const char *short_name;  /* 黄浦 */
	const char *name_en;     /* Huangpu District */
	const char *short_en;    /* Huangpu */
	int64_t population_2020;
	int64_t n_committees;
	const char *const *committee_codes;    /* n_committees entries */
	const char *const *subdistrict_codes;  /* the parent of each committee */
	int registrars[3];       /* institutions of the district that register residents (demo_institution index) */
};

/* The 16 districts with names and populations from the embedded census file; committees are the
 * caller's to fill. LL_INTERNAL if the file is missing or does not match the table. */
enum ll_err demo_districts_load(struct demo_district ret_districts[DEMO_DISTRICTS]);

/* An institution of the demo, with its deterministic id. */
struct demo_institution {
	ll_id id;
	char name[96];
	char name_en[128];
	int type;                /* index into institution_types */
	const char *district_code;
};
/* The demo's institutions: every type of institution_types, several of each, over the districts.
 * Fills districts' registrars. *ret_items is malloc-owned (caller frees); LL_INTERNAL if a type
 * named by the table is unknown. */
enum ll_err demo_institutions_make(uint64_t seed, struct demo_district districts[DEMO_DISTRICTS],
				   struct demo_institution **ret_items, int *ret_count);
/* Index of the institution named name in items, or -1. */
int demo_institution_find(const struct demo_institution *items, int count, const char *name);
/* The demo's programmes with their plans and approved conversion rules, and their cohorts
 * (demo_transfer.c). */
struct ll_store;
enum ll_err demo_transfer_write(struct ll_store *st, const struct demo_institution *institutions, int n_institutions);

/* One resident, as the persons table (and for activated ones, the users table) stores them. */
struct demo_person {
	ll_id id;
	ll_id user_id;                   /* meaningful when is_activated */
	char account_no[ACCOUNT_NO_LEN + 1];
	char name[16];
	char birth_date[11];
	char gender[2];
	struct person_secrets sec;
	const char *district_code, *subdistrict_code, *committee_code;  /* borrowed from the districts */
	const char *registered_by;       /* institution id (borrowed) or NULL */
	bool is_activated;
	int64_t activated_at;
	int64_t created_at;
};

/* The generator's state. Deterministic given its seed and the order of calls. */
struct demo_gen {
	const struct ll_keys *keys;
	const struct demo_district *districts;
	const struct demo_institution *institutions;
	int open_university;             /* index of 上海开放大学: it registers some residents itself */
	struct demo_rng rng;
	int64_t total, next_index;
	int64_t first_serial;
	int64_t remaining[DEMO_DISTRICTS];
	int64_t remaining_total;
	uint16_t *seq_used;              /* sequence numbers given per (region, birth day, gender) */
	uint64_t phone_key;
	int other_region_total, surname_total, age_band_total;
};

/* Prepares to generate total persons whose account serials start at first_serial. Borrows keys,
 * districts and institutions for the generator's life. Caller releases with demo_gen_release. */
enum ll_err demo_gen_init(struct demo_gen *g, uint64_t seed, int64_t total, int64_t first_serial,
			  const struct ll_keys *keys, const struct demo_district districts[DEMO_DISTRICTS],
			  const struct demo_institution *institutions, int n_institutions);
void demo_gen_release(struct demo_gen *g);
/* The next person; false when all total have been made. The first person is the demo citizen:
 * activated, living in DEMO_DISTRICT_CODE, with phone DEMO_CITIZEN_PHONE. */
bool demo_gen_next(struct demo_gen *g, struct demo_person *ret);

/* --- learning histories (demo_ledger.c) --- */

#define DEMO_INSTITUTION_TYPES 16
#define DEMO_PER_TYPE 64

/* A batch of persons' outcomes as ledger entries (ids, chains and hashes are the ledger's to
 * fill when they are appended). Strings live in arena or in static tables. */
struct demo_outcomes {
	uint64_t seed;
	const struct demo_institution *institutions;
	int of_type[DEMO_INSTITUTION_TYPES][DEMO_PER_TYPE];
	int n_of_type[DEMO_INSTITUTION_TYPES];
	struct ledger_entry *entries;
	size_t n, cap;
	struct arena arena;
};
void demo_outcomes_init(struct demo_outcomes *d, uint64_t seed, const struct demo_institution *institutions,
			int n_institutions);
void demo_outcomes_release(struct demo_outcomes *d);
/* Empties the batch (keeps the memory). */
void demo_outcomes_reset(struct demo_outcomes *d);
/* Appends person p's learning history: a couple of dozen outcomes on average, fewer for the young,
 * oldest first, with the odd correction or revocation after what it changes. */
enum ll_err demo_outcomes_add(struct demo_outcomes *d, const struct demo_person *p);

/* --- writing the city (demo_db.c) --- */

struct demo_options {
	int64_t persons;
	uint64_t seed;
	int batch_rows;                  /* persons per transaction; 0: DEMO_BATCH_ROWS */
	bool with_outcomes;              /* deposit each person's learning history in the ledger */
	/* Called now and then from the calling thread: phase "persons" with persons written so far,
	 * then once phase "indexes" (done and total 0) while the indexes are rebuilt. May be NULL. */
	void (*on_progress)(const char *phase, int64_t done, int64_t total, void *ctx);
	void *progress_ctx;
};

/* A sign-in the demo created, for the closing table. */
struct demo_sign_in {
	const char *role;
	char login[ACCOUNT_NO_LEN + 24];
	char who[160];
};

struct demo_summary {
	int64_t persons;
	int64_t activated;
	int64_t with_phone;
	int institutions;
	int64_t users;
	int64_t entries;                 /* ledger entries of the learning histories */
	int64_t statements;              /* xAPI statements of the learning platform */
	char xapi_key[40], xapi_secret[72]; /* the learning platform's credentials */
	struct demo_sign_in sign_ins[DEMO_SIGN_INS];
	int n_sign_ins;
	int64_t elapsed_us;              /* the whole run, password hashing included */
};

/* 上海开放大学's learning platform with xAPI credentials (into sum) and statements about the
 * first learners and the demo citizen (citizen_account_no). */
enum ll_err demo_lrs_write(struct ll_store *st, const struct ll_keys *keys, const struct demo_institution *institutions,
			   int n_institutions, const char *citizen_account_no, struct demo_summary *sum);

/* Learning sites, the incentives catalogue, and the demo citizen's check-ins and a voucher
 * (demo_points.c). */
enum ll_err demo_points_write(struct ll_store *st, const struct demo_institution *institutions, int n_institutions,
			      const char *citizen_person_id);

/* Writes the demo city into a migrated database that holds the reference divisions. Refuses with
 * LL_CONFLICT when the database already holds demo data (a user DEMO_MARKER_LOGIN). Writes
 * persons in transactions of batch_rows; a run that fails half-way leaves what it committed, and
 * a later run then refuses: start again on an empty database. */
enum ll_err demo_generate(struct ll_store *st, const struct ll_keys *keys, const struct demo_options *opt,
			  struct demo_summary *ret_summary);

#endif
