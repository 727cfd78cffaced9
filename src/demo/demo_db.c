/*
 * Writing the demo city. One transaction checks that the database holds no demo data yet and
 * writes the institutions, the staff users and the reservation of every account number; then
 * persons (and users for the activated ones) follow in transactions of batch_rows, bulk-inserted.
 * A second thread generates the next batch (sealing and hashing are most of that work) while
 * this one writes the current, so a batch is generated before its transaction starts and a retry
 * of the transaction writes the same rows again. Memory stays at two batches, whatever N is.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../base/arena.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../store/store.h"
#include "demo.h"

static const struct store_stmt USER_EXISTS = { "demo marker", "SELECT 1 FROM users WHERE login = $1" };
static const struct store_stmt COMMITTEES = {
	"demo committees",
	"SELECT c.code, c.parent_code, s.parent_code FROM divisions c JOIN divisions s ON s.code = c.parent_code "
	"WHERE c.level = 4 ORDER BY c.code"
};

static const char *const person_cols[] = {
	"id", "account_no", "name", "id_hash", "id_sealed", "id_masked", "phone_hash", "phone_sealed", "phone_masked",
	"birth_date", "gender", "district_code", "subdistrict_code", "committee_code", "registered_by",
	"is_activated", "activated_at", "created_at",
};
static const char *const user_cols[] = {
	"id", "login", "password_hash", "role", "display_name", "person_id", "created_at", "password_changed_at",
};
#define N_PERSON_COLS ((int)(sizeof(person_cols) / sizeof(person_cols[0])))
#define N_USER_COLS ((int)(sizeof(user_cols) / sizeof(user_cols[0])))

/* One staff user a role, in the order of the closing table. city.admin comes first: its
 * presence marks a database that holds demo data. */
static const struct {
	enum role role;
	const char *login;
	const char *display_name;
	const char *institution;  /* demo institution name, or NULL */
	bool has_district;        /* belongs to DEMO_DISTRICT_CODE */
} staff_rows[] = {
	{ ROLE_CITY_ADMIN, DEMO_MARKER_LOGIN, "周文华", NULL, false },
	{ ROLE_DISTRICT_ADMIN, "district.admin", "陆建平", NULL, true },
	{ ROLE_AUDITOR, "auditor", "沈静", NULL, false },
	{ ROLE_REVIEWER, "reviewer", "顾敏", "上海市学分银行", false },
	{ ROLE_INSTITUTION_ADMIN, "inst.admin", "徐海燕", "上海开放大学", false },
	{ ROLE_STAFF, "staff", "张磊", "上海开放大学", false },
};
#define N_STAFF ((int)(sizeof(staff_rows) / sizeof(staff_rows[0])))
_Static_assert(N_STAFF + 1 == DEMO_SIGN_INS, "one sign-in a role");

/* ---------------------------------------------------------------- committees */

struct committee_row {
	char code[ORG_CODE_LEN + 1];
	char subdistrict[ORG_CODE_LEN + 1];
	char district[ORG_CODE_LEN + 1];
};

struct committees_ctx {
	struct committee_row *rows;
	int64_t count, cap;
};

static enum ll_err committee_row(const struct store_row *row, void *ctx)
{
	struct committees_ctx *c = ctx;
	if (c->count == c->cap) {
		int64_t cap = c->cap ? c->cap * 2 : 8192;
		struct committee_row *rows = realloc(c->rows, (size_t)cap * sizeof(*rows));
		if (!rows)
			return ll_fail(LL_NOMEM, NULL, NULL);
		c->rows = rows;
		c->cap = cap;
	}
	struct committee_row *r = &c->rows[c->count++];
	snprintf(r->code, sizeof(r->code), "%s", store_row_text(row, 0));
	snprintf(r->subdistrict, sizeof(r->subdistrict), "%s", store_row_text(row, 1));
	snprintf(r->district, sizeof(r->district), "%s", store_row_text(row, 2));
	return LL_OK;
}

static enum ll_err committees_txn(struct ll_tx *tx, void *ctx)
{
	struct committees_ctx *c = ctx;
	c->count = 0;
	return store_exec(tx, &COMMITTEES, SP_NONE, committee_row, c);
}

/* Loads the committees of each district into districts (pointers into the arena). */
static enum ll_err committees_load(struct ll_store *st, struct demo_district districts[DEMO_DISTRICTS],
				   struct arena *a)
{
	struct committees_ctx c = { 0 };
	enum ll_err err = store_run(st, STORE_READ, "demo committees", committees_txn, &c);
	if (err != LL_OK)
		goto out;
	for (int d = 0; d < DEMO_DISTRICTS; d++) {
		int64_t n = 0;
		for (int64_t i = 0; i < c.count; i++)
			n += strcmp(c.rows[i].district, districts[d].code) == 0;
		const char **codes = arena_alloc(a, sizeof(char *) * (size_t)(n ? n : 1));
		const char **subs = arena_alloc(a, sizeof(char *) * (size_t)(n ? n : 1));
		if (!codes || !subs) {
			err = ll_fail(LL_NOMEM, NULL, NULL);
			goto out;
		}
		int64_t k = 0;
		for (int64_t i = 0; i < c.count; i++) {
			if (strcmp(c.rows[i].district, districts[d].code) != 0)
				continue;
			codes[k] = arena_strdup(a, c.rows[i].code);
			subs[k] = arena_strdup(a, c.rows[i].subdistrict);
			if (!codes[k] || !subs[k]) {
				err = ll_fail(LL_NOMEM, NULL, NULL);
				goto out;
			}
			k++;
		}
		districts[d].committee_codes = codes;
		districts[d].subdistrict_codes = subs;
		districts[d].n_committees = n;
		if (n == 0) {
			err = ll_fail(LL_INTERNAL, NULL, "no committees of district %s in the database; run migrate first",
				      districts[d].code);
			goto out;
		}
	}
out:
	free(c.rows);
	return err;
}

/* ---------------------------------------------------------------- setup */

struct setup_ctx {
	const struct demo_options *opt;
	const struct demo_institution *institutions;
	int n_institutions;
	const char *pw_hash;
	int64_t first_serial;
	char *restore_indexes;    /* what store_indexes_suspend dropped; malloc-owned */
	char *restore_entry_indexes;
};

static enum ll_err found_row(const struct store_row *row, void *ctx)
{
	*(bool *)ctx = true;
	return LL_OK;
}

static enum ll_err setup_txn(struct ll_tx *tx, void *ctx)
{
	struct setup_ctx *s = ctx;
	bool is_found = false;
	enum ll_err err = store_exec(tx, &USER_EXISTS, SP(SV_TEXT(DEMO_MARKER_LOGIN)), found_row, &is_found);
	if (err != LL_OK)
		return err;
	if (is_found)
		return ll_fail(LL_CONFLICT, "db",
			       "this database already holds demo data (user '%s'); run the demo on an empty database",
			       DEMO_MARKER_LOGIN);
	for (int i = 0; i < s->n_institutions && err == LL_OK; i++) {
		const struct demo_institution *it = &s->institutions[i];
		struct institution_in in = { .name = it->name, .name_en = it->name_en, .type = it->type,
					     .district_code = it->district_code };
		err = org_institution_insert(tx, it->id.s, &in);
	}
	struct arena a;
	arena_init(&a, 0);
	for (int i = 0; i < N_STAFF && err == LL_OK; i++) {
		int inst = staff_rows[i].institution
				   ? demo_institution_find(s->institutions, s->n_institutions, staff_rows[i].institution)
				   : -1;
		struct user_in u = { .login = staff_rows[i].login, .display_name = staff_rows[i].display_name,
				     .role = staff_rows[i].role,
				     .institution_id = inst >= 0 ? s->institutions[inst].id.s : NULL,
				     .district_code = staff_rows[i].has_district ? DEMO_DISTRICT_CODE : NULL };
		const char *id;
		err = auth_check_user_in(&u);
		if (err == LL_OK)
			err = auth_user_insert(tx, &a, &u, s->pw_hash, &id);
	}
	arena_release(&a);
	if (err == LL_OK)
		err = account_reserve_serials(tx, s->opt->persons, &s->first_serial);
	/* Keeping persons' secondary indexes up to date row by row was a third of the load. */
	free(s->restore_indexes);
	s->restore_indexes = NULL;
	if (err == LL_OK)
		err = store_indexes_suspend(tx, "persons", &s->restore_indexes);
	free(s->restore_entry_indexes);
	s->restore_entry_indexes = NULL;
	if (err == LL_OK && s->opt->with_outcomes)
		err = store_indexes_suspend(tx, "ledger_entries", &s->restore_entry_indexes);
	if (err == LL_OK) {
		char detail[96];
		snprintf(detail, sizeof(detail), "persons=%lld seed=%llu", (long long)s->opt->persons,
			 (unsigned long long)s->opt->seed);
		struct audit_actor actor = { .name = "lifelong demo" };
		err = audit_write(tx, &actor, "demo.generate", NULL, NULL, detail);
	}
	return err;
}

/* ---------------------------------------------------------------- persons */

struct batch {
	struct demo_person *rows;
	int64_t count;
	int64_t activated, with_phone;
};

/* Fills b with up to cap persons from g. */
static void batch_fill(struct demo_gen *g, struct batch *b, int64_t cap)
{
	b->count = b->activated = b->with_phone = 0;
	while (b->count < cap && demo_gen_next(g, &b->rows[b->count])) {
		const struct demo_person *p = &b->rows[b->count];
		b->activated += p->is_activated;
		b->with_phone += p->sec.has_phone;
		b->count++;
	}
}

struct fill_job {
	pthread_t thread;
	struct demo_gen *g;
	struct batch *b;
	int64_t cap;
};

static void *fill_thread(void *arg)
{
	struct fill_job *j = arg;
	batch_fill(j->g, j->b, j->cap);
	return NULL;
}

struct insert_ctx {
	const struct batch *b;
	const char *pw_hash;
	int64_t next;          /* row of b the bulk insert reads next */
	int64_t done_before;   /* persons committed by earlier batches */
	const struct demo_options *opt;
	struct demo_outcomes *outcomes;  /* NULL: persons only */
	int64_t entries;       /* ledger entries this batch appended */
};

/* Persons whose histories go into the ledger in one append: bounds the memory of a batch. */
#define OUTCOME_CHUNK_PERSONS 4000

static bool person_next(struct store_val *v, void *ctx)
{
	struct insert_ctx *c = ctx;
	if (c->next >= c->b->count)
		return false;
	const struct demo_person *p = &c->b->rows[c->next++];
	const struct person_secrets *sec = &p->sec;
	v[0] = SV_TEXT(p->id.s);
	v[1] = SV_TEXT(p->account_no);
	v[2] = SV_TEXT(p->name);
	v[3] = SV_BLOB(sec->id_hash, CRYPTO_HASH_BYTES);
	v[4] = SV_BLOB(sec->id_sealed, sizeof(sec->id_sealed));
	v[5] = SV_TEXT(sec->id_masked);
	v[6] = sec->has_phone ? SV_BLOB(sec->phone_hash, CRYPTO_HASH_BYTES) : SV_NULL;
	v[7] = sec->has_phone ? SV_BLOB(sec->phone_sealed, sizeof(sec->phone_sealed)) : SV_NULL;
	v[8] = sec->has_phone ? SV_TEXT(sec->phone_masked) : SV_NULL;
	v[9] = SV_TEXT(p->birth_date);
	v[10] = SV_TEXT(p->gender);
	v[11] = SV_TEXT(p->district_code);
	v[12] = SV_TEXT(p->subdistrict_code);
	v[13] = SV_TEXT(p->committee_code);
	v[14] = SV_TEXT(p->registered_by);
	v[15] = SV_BOOL(p->is_activated);
	v[16] = p->is_activated ? SV_I64(p->activated_at) : SV_NULL;
	v[17] = SV_I64(p->created_at);
	if (c->opt->on_progress && c->next % 4096 == 0)
		c->opt->on_progress("persons", c->done_before + c->next, c->opt->persons, c->opt->progress_ctx);
	return true;
}

/* Every activated person can sign in with their account number (or phone) and the demo password. */
static bool user_next(struct store_val *v, void *ctx)
{
	struct insert_ctx *c = ctx;
	while (c->next < c->b->count && !c->b->rows[c->next].is_activated)
		c->next++;
	if (c->next >= c->b->count)
		return false;
	const struct demo_person *p = &c->b->rows[c->next++];
	v[0] = SV_TEXT(p->user_id.s);
	v[1] = SV_TEXT(p->account_no);
	v[2] = SV_TEXT(c->pw_hash);
	v[3] = SV_TEXT(role_name(ROLE_CITIZEN));
	v[4] = SV_TEXT(p->name);
	v[5] = SV_TEXT(p->id.s);
	v[6] = SV_I64(p->activated_at);
	v[7] = SV_I64(p->activated_at);
	return true;
}

static enum ll_err insert_txn(struct ll_tx *tx, void *ctx)
{
	struct insert_ctx *c = ctx;
	int64_t rows = 0;
	c->next = 0;
	enum ll_err err = store_bulk_insert(tx, "persons", person_cols, N_PERSON_COLS, person_next, c, &rows);
	if (err != LL_OK)
		return err;
	c->next = 0;
	err = store_bulk_insert(tx, "users", user_cols, N_USER_COLS, user_next, c, &rows);
	c->entries = 0;
	for (int64_t i = 0; err == LL_OK && c->outcomes && i < c->b->count; i += OUTCOME_CHUNK_PERSONS) {
		demo_outcomes_reset(c->outcomes);
		for (int64_t k = i; err == LL_OK && k < c->b->count && k < i + OUTCOME_CHUNK_PERSONS; k++)
			err = demo_outcomes_add(c->outcomes, &c->b->rows[k]);
		/* Every person of the demo is new: their chains start here. */
		if (err == LL_OK)
			err = ledger_append_ex(tx, c->outcomes->entries, (int)c->outcomes->n, LEDGER_APPEND_NEW_PERSONS, NULL);
		c->entries += (int64_t)c->outcomes->n;
	}
	return err;
}

/* Generates and writes every person, a batch a transaction, the next batch generated meanwhile. */
static enum ll_err persons_write(struct ll_store *st, struct demo_gen *g, const struct demo_options *opt,
				 const char *pw_hash, struct demo_outcomes *outcomes, struct demo_summary *sum,
				 struct demo_person *ret_citizen)
{
	int64_t cap = opt->batch_rows > 0 ? opt->batch_rows : DEMO_BATCH_ROWS;
	if (cap > opt->persons)
		cap = opt->persons;
	struct batch b[2] = { 0 };
	enum ll_err err = LL_OK;
	b[0].rows = malloc((size_t)cap * sizeof(struct demo_person));
	b[1].rows = malloc((size_t)cap * sizeof(struct demo_person));
	if (!b[0].rows || !b[1].rows) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	batch_fill(g, &b[0], cap);
	*ret_citizen = b[0].rows[0]; /* the generator makes the demo citizen first */
	for (int cur = 0; b[cur].count > 0; cur ^= 1) {
		struct fill_job job = { .g = g, .b = &b[cur ^ 1], .cap = cap };
		bool has_thread = pthread_create(&job.thread, NULL, fill_thread, &job) == 0;
		if (!has_thread)
			batch_fill(g, job.b, cap); /* no thread to spare: generate in turn */
		struct insert_ctx c = { .b = &b[cur], .pw_hash = pw_hash, .done_before = sum->persons, .opt = opt,
					.outcomes = outcomes };
		err = store_run(st, STORE_WRITE, "demo persons", insert_txn, &c);
		if (has_thread)
			pthread_join(job.thread, NULL);
		if (err != LL_OK)
			goto out;
		sum->persons += b[cur].count;
		sum->entries += c.entries;
		sum->activated += b[cur].activated;
		sum->with_phone += b[cur].with_phone;
		if (opt->on_progress)
			opt->on_progress("persons", sum->persons, opt->persons, opt->progress_ctx);
	}
out:
	free(b[0].rows);
	free(b[1].rows);
	return err;
}

static enum ll_err restore_txn(struct ll_tx *tx, void *ctx)
{
	return store_indexes_restore(tx, ctx);
}

/* ---------------------------------------------------------------- the review queue */

/* A one-page PDF standing in for a scanned diploma. */
static const char demo_pdf[] =
	"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

static const struct store_stmt PENDING_PERSONS = {
	"demo pending persons", "SELECT id FROM persons ORDER BY account_no LIMIT $1"
};
static const struct store_stmt EVIDENCE_INSERT = {
	"demo evidence",
	"INSERT INTO evidence (id, institution_id, sha256, size, media_type, name, data, created_at) "
	"VALUES ($1, $2, $3, $4, 'application/pdf', 'diploma.pdf', $5, $6)"
};
static const struct store_stmt PENDING_INSERT = {
	"demo pending submission",
	"INSERT INTO submissions (id, op, person_id, institution_id, kind, title, code, level, started_on, awarded_on, "
	"certificate_no, evidence_id, external_id, standard_version, status, submitted_at) "
	"VALUES ($1, 'deposit', $2, $3, 'academic_qualification', $4, $5, $6, $7, $8, $9, $10, $11, 1, 'pending', $12)"
};

struct pending_ctx {
	const char *institution_id;
	uint64_t seed;
	int64_t n;
	struct arena a;
	const char **persons;
	int64_t n_persons;
};

static enum ll_err pending_person_row(const struct store_row *row, void *ctx)
{
	struct pending_ctx *p = ctx;
	p->persons[p->n_persons++] = arena_strdup(&p->a, store_row_text(row, 0));
	return LL_OK;
}

/* Diplomas the open university deposited that wait for a reviewer, submitted over the last month,
 * so that the review queue of a new city has work in it and items of different ages. */
static enum ll_err pending_txn(struct ll_tx *tx, void *ctx)
{
	static const struct { const char *title, *code; int level; } degrees[] = {
		{ "行政管理（专科）", "590201", 6 }, { "会计（专科）", "530302", 6 },
		{ "汉语言文学（本科）", "050101", 7 }, { "计算机科学与技术（本科）", "080901", 7 },
	};
	struct pending_ctx *p = ctx;
	p->n_persons = 0;
	arena_reset(&p->a);
	enum ll_err err = store_exec(tx, &PENDING_PERSONS, SP(SV_I64(p->n)), pending_person_row, p);
	if (err != LL_OK)
		return err;
	struct demo_rng r;
	demo_rng_seed(&r, p->seed, 0x9e11d1e9);
	int64_t as_of = clock_days_from_civil(2026, 11, 1);
	uint8_t rnd[10];
	for (int k = 0; k < 10; k++)
		rnd[k] = (uint8_t)demo_rng_below(&r, 256);
	ll_id evidence;
	id_from_parts((as_of - 40) * 86400000LL, rnd, &evidence);
	unsigned char digest[crypto_hash_sha256_BYTES];
	char sha[65];
	crypto_hash_sha256(digest, (const unsigned char *)demo_pdf, sizeof(demo_pdf) - 1);
	sodium_bin2hex(sha, sizeof(sha), digest, sizeof(digest));
	err = store_exec(tx, &EVIDENCE_INSERT, SP(SV_TEXT(evidence.s), SV_TEXT(p->institution_id), SV_TEXT(sha),
						  SV_I64((int64_t)sizeof(demo_pdf) - 1), SV_BLOB(demo_pdf, sizeof(demo_pdf) - 1),
						  SV_I64((as_of - 40) * 86400000000LL)), NULL, NULL);
	for (int64_t i = 0; i < p->n_persons && err == LL_OK; i++) {
		int d = (int)demo_rng_below(&r, sizeof(degrees) / sizeof(degrees[0]));
		int64_t submitted = (as_of - 1 - (int64_t)demo_rng_below(&r, 30)) * 86400000000LL +
				    (int64_t)demo_rng_below(&r, 9 * 3600) * 1000000LL + 3600000000LL;
		int64_t awarded = as_of - 35 - (int64_t)demo_rng_below(&r, 300);
		char started_on[11], awarded_on[11];
		clock_format_date((awarded - 3 * 365) * 86400000000LL, started_on);
		clock_format_date(awarded * 86400000000LL, awarded_on);
		for (int k = 0; k < 10; k++)
			rnd[k] = (uint8_t)demo_rng_below(&r, 256);
		ll_id id;
		id_from_parts(submitted / 1000, rnd, &id);
		char *cert = arena_printf(&p->a, "5130%04d%08llu", atoi(awarded_on), (unsigned long long)demo_rng_below(&r, 100000000));
		char *ext = arena_printf(&p->a, "demo-diploma-%lld", (long long)i + 1);
		err = store_exec(tx, &PENDING_INSERT,
				 SP(SV_TEXT(id.s), SV_TEXT(p->persons[i]), SV_TEXT(p->institution_id), SV_TEXT(degrees[d].title),
				    SV_TEXT(degrees[d].code), SV_I64(degrees[d].level), SV_TEXT(started_on), SV_TEXT(awarded_on),
				    SV_TEXT(cert), SV_TEXT(evidence.s), SV_TEXT(ext), SV_I64(submitted)),
				 NULL, NULL);
	}
	return err;
}

static enum ll_err pending_write(struct ll_store *st, const struct demo_institution *institutions, int n_institutions,
				 const struct demo_options *opt)
{
	int inst = demo_institution_find(institutions, n_institutions, "上海开放大学");
	if (inst < 0)
		return LL_OK;
	struct pending_ctx p = { .institution_id = institutions[inst].id.s, .seed = opt->seed,
				 .n = opt->persons / 200 < 1 ? 1 : opt->persons / 200 > 300 ? 300 : opt->persons / 200 };
	arena_init(&p.a, 0);
	p.persons = calloc((size_t)p.n, sizeof(*p.persons));
	enum ll_err err = p.persons ? store_run(st, STORE_WRITE, "demo review queue", pending_txn, &p) : LL_NOMEM;
	free(p.persons);
	arena_release(&p.a);
	return err;
}

/* ---------------------------------------------------------------- the whole run */

static void sign_ins_fill(const struct demo_institution *institutions, int n_institutions,
			  const struct demo_district districts[DEMO_DISTRICTS], const char *citizen_account_no,
			  const char *citizen_name, struct demo_summary *sum)
{
	for (int i = 0; i < N_STAFF; i++) {
		struct demo_sign_in *s = &sum->sign_ins[i];
		s->role = role_name(staff_rows[i].role);
		snprintf(s->login, sizeof(s->login), "%s", staff_rows[i].login);
		const char *where = "上海市";
		int inst = staff_rows[i].institution
				   ? demo_institution_find(institutions, n_institutions, staff_rows[i].institution)
				   : -1;
		if (inst >= 0)
			where = institutions[inst].name;
		for (int d = 0; d < DEMO_DISTRICTS && staff_rows[i].has_district; d++)
			if (strcmp(districts[d].code, DEMO_DISTRICT_CODE) == 0)
				where = districts[d].name;
		snprintf(s->who, sizeof(s->who), "%s, %s", staff_rows[i].display_name, where);
	}
	struct demo_sign_in *s = &sum->sign_ins[N_STAFF];
	s->role = role_name(ROLE_CITIZEN);
	snprintf(s->login, sizeof(s->login), "%s", citizen_account_no);
	snprintf(s->who, sizeof(s->who), "%s, or phone %s", citizen_name, DEMO_CITIZEN_PHONE);
	sum->n_sign_ins = DEMO_SIGN_INS;
}

enum ll_err demo_generate(struct ll_store *st, const struct ll_keys *keys, const struct demo_options *opt,
			  struct demo_summary *ret_summary)
{
	int64_t t0 = clock_mono_us();
	struct demo_summary sum = { 0 };
	struct demo_district districts[DEMO_DISTRICTS];
	struct demo_institution *institutions = NULL;
	int n_institutions = 0;
	struct demo_gen g = { 0 };
	struct setup_ctx s = { 0 };
	char pw_hash[CRYPTO_PWHASH_MAX];
	struct arena a;
	arena_init(&a, 0);
	enum ll_err err;
	if (opt->persons < 1 || opt->persons > DEMO_MAX_PERSONS) {
		err = ll_fail(LL_OUT_OF_RANGE, "persons", "persons must be between 1 and %lld", DEMO_MAX_PERSONS);
		goto out;
	}
	err = demo_districts_load(districts);
	if (err == LL_OK)
		err = committees_load(st, districts, &a);
	if (err == LL_OK)
		err = demo_institutions_make(opt->seed, districts, &institutions, &n_institutions);
	/* One Argon2id hash (~85 ms) serves every demo user. */
	if (err == LL_OK)
		err = crypto_password_hash(DEMO_PASSWORD, pw_hash);
	if (err != LL_OK)
		goto out;
	s = (struct setup_ctx){ .opt = opt, .institutions = institutions, .n_institutions = n_institutions,
				.pw_hash = pw_hash };
	err = store_run(st, STORE_WRITE, "demo setup", setup_txn, &s);
	if (err != LL_OK)
		goto out;
	sum.institutions = n_institutions;
	sum.users = N_STAFF;
	err = demo_gen_init(&g, opt->seed, opt->persons, s.first_serial, keys, districts, institutions, n_institutions);
	struct demo_person citizen;
	struct demo_outcomes outcomes;
	demo_outcomes_init(&outcomes, opt->seed, institutions, n_institutions);
	if (err == LL_OK)
		err = persons_write(st, &g, opt, pw_hash, opt->with_outcomes ? &outcomes : NULL, &sum, &citizen);
	demo_outcomes_release(&outcomes);
	/* From here on the indexes are rebuilt whatever happened, so that what was written stays usable. */
	if (s.restore_indexes) {
		if (opt->on_progress)
			opt->on_progress("indexes", 0, 0, opt->progress_ctx);
		enum ll_err restore_err = store_run(st, STORE_WRITE, "demo indexes", restore_txn, s.restore_indexes);
		if (err == LL_OK)
			err = restore_err;
	}
	if (s.restore_entry_indexes) {
		enum ll_err restore_err = store_run(st, STORE_WRITE, "demo ledger indexes", restore_txn,
						    s.restore_entry_indexes);
		if (err == LL_OK)
			err = restore_err;
	}
	if (err == LL_OK && opt->with_outcomes)
		err = pending_write(st, institutions, n_institutions, opt);
	if (err == LL_OK)
		err = demo_transfer_write(st, institutions, n_institutions);
	if (err == LL_OK && opt->with_outcomes)
		err = demo_lrs_write(st, keys, institutions, n_institutions, citizen.account_no, &sum);
	if (err == LL_OK)
		err = demo_points_write(st, institutions, n_institutions, citizen.id.s);
	if (err != LL_OK)
		goto out;
	sum.users += sum.activated;
	sign_ins_fill(institutions, n_institutions, districts, citizen.account_no, citizen.name, &sum);
	sum.elapsed_us = clock_mono_us() - t0;
	*ret_summary = sum;
out:
	sodium_memzero(pw_hash, sizeof(pw_hash));
	demo_gen_release(&g);
	free(s.restore_indexes);
	free(s.restore_entry_indexes);
	free(institutions);
	arena_release(&a);
	return err;
}
