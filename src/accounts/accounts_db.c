/*
 * SQL of accounts. Sealing, hashing and password hashing happen before a transaction starts;
 * each transaction checks, writes the person (and citizen user) and the audit row together.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../auth/roles.h"
#include "../base/clock.h"
#include "../base/id.h"
#include "../org/org.h"
#include "../store/store.h"
#include "accounts.h"

#define ACCOUNT_COLS                                                                                          \
	"p.id, p.account_no, p.name, p.id_masked, p.phone_masked, p.birth_date, p.gender, p.district_code, "  \
	"dd.name, p.subdistrict_code, ds.name, p.committee_code, dc.name, p.registered_by, p.is_activated, " \
	"p.activated_at, p.created_at, p.id_sealed, p.phone_sealed"
#define ACCOUNT_FROM                                                                      \
	" FROM persons p JOIN divisions dd ON dd.code = p.district_code"                  \
	" LEFT JOIN divisions ds ON ds.code = p.subdistrict_code"                         \
	" LEFT JOIN divisions dc ON dc.code = p.committee_code"
#define SCOPE_WHERE " AND ($2 = '' OR p.registered_by = $2) AND ($3 = '' OR p.district_code = $3) AND ($4 = '' OR p.id = $4)"

static const struct store_stmt PERSON_INSERT = {
	"person insert",
	"INSERT INTO persons (id, account_no, name, id_hash, id_sealed, id_masked, phone_hash, phone_sealed, "
	"phone_masked, birth_date, gender, district_code, subdistrict_code, committee_code, registered_by, "
	"is_activated, activated_at, created_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT DO NOTHING"
};
static const struct store_stmt PERSON_BY_ID = { "person by id", "SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE p.id = $1" };
static const struct store_stmt PERSON_BY_NO = {
	"person by account no", "SELECT " ACCOUNT_COLS ", p.id_hash" ACCOUNT_FROM " WHERE p.account_no = $1"
};
static const struct store_stmt PERSON_ACTIVATE = {
	"person activate", "UPDATE persons SET is_activated = 1, activated_at = $2 WHERE id = $1 AND is_activated = 0"
};
static const struct store_stmt SEARCH_NO = {
	"account search by number", "SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE p.account_no = $1" SCOPE_WHERE
};
static const struct store_stmt SEARCH_ID = {
	"account search by id number", "SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE p.id_hash = $1" SCOPE_WHERE
};
static const struct store_stmt SEARCH_DISTRICT = {
	"account search by district",
	"SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE ($1 = '' OR p.district_code = $1)" SCOPE_WHERE
	" AND p.id > $5 ORDER BY p.id LIMIT $6"
};
static const struct store_stmt STATS = {
	"activation stats",
	"SELECT d.code, d.name, COALESCE(dp.population_2020, 0), "
	"(SELECT COUNT(*) FROM persons p WHERE p.district_code = d.code), "
	"(SELECT COUNT(*) FROM persons p WHERE p.district_code = d.code AND p.is_activated = 1) "
	"FROM divisions d LEFT JOIN district_population dp ON dp.district_code = d.code "
	"WHERE d.level = 2 ORDER BY d.code"
};

json_t *account_json(const struct account *acc)
{
	json_t *o = json_object();
	json_set_str(o, "id", acc->id);
	json_set_str(o, "account_no", acc->account_no);
	json_set_str(o, "name", acc->name);
	json_set_str(o, "id_number", acc->id_number ? acc->id_number : acc->id_masked);
	json_set_str(o, "phone", acc->phone ? acc->phone : acc->phone_masked);
	json_object_set_new(o, "is_revealed", json_boolean(acc->id_number != NULL));
	json_set_str(o, "birth_date", acc->birth_date);
	json_set_str(o, "gender", acc->gender);
	json_object_set_new(o, "district", json_pack("{s:s, s:s?}", "code", acc->district_code, "name", acc->district_name));
	json_object_set_new(o, "subdistrict", acc->subdistrict_code
				? json_pack("{s:s, s:s?}", "code", acc->subdistrict_code, "name", acc->subdistrict_name)
				: json_null());
	json_object_set_new(o, "committee", acc->committee_code
				? json_pack("{s:s, s:s?}", "code", acc->committee_code, "name", acc->committee_name)
				: json_null());
	json_set_str(o, "registered_by", acc->registered_by);
	json_object_set_new(o, "is_activated", json_boolean(acc->is_activated));
	json_set_time(o, "activated_at", acc->activated_at);
	json_set_time(o, "created_at", acc->created_at);
	return o;
}

struct acc_row_ctx {
	struct arena *a;
	struct account *acc;
	bool is_found;
	const struct ll_keys *keys;
	bool reveal;
	unsigned char id_hash[CRYPTO_HASH_BYTES];
	json_t *items;  /* list mode */
	const char *last_id;
};

static const char *opt_text(struct arena *a, const struct store_row *row, int col)
{
	return store_row_is_null(row, col) ? NULL : arena_strdup(a, store_row_text(row, col));
}

/* Opens a sealed column into the arena as a string; NULL if absent or forged. */
static const char *open_sealed(struct acc_row_ctx *c, const struct store_row *row, int col)
{
	size_t len;
	if (store_row_is_null(row, col))
		return NULL;
	const unsigned char *sealed = store_row_blob(row, col, &len);
	if (len < CRYPTO_SEAL_OVERHEAD)
		return NULL;
	char *plain = arena_alloc(c->a, len - CRYPTO_SEAL_OVERHEAD + 1);
	if (!plain || !crypto_open(c->keys, sealed, len, plain))
		return NULL;
	plain[len - CRYPTO_SEAL_OVERHEAD] = '\0';
	return plain;
}

static enum ll_err acc_row(const struct store_row *row, void *ctx)
{
	struct acc_row_ctx *c = ctx;
	struct account local, *acc = c->items ? &local : c->acc;
	struct arena *a = c->a;
	memset(acc, 0, sizeof(*acc));
	acc->id = opt_text(a, row, 0);
	acc->account_no = opt_text(a, row, 1);
	acc->name = opt_text(a, row, 2);
	acc->id_masked = opt_text(a, row, 3);
	acc->phone_masked = opt_text(a, row, 4);
	acc->birth_date = opt_text(a, row, 5);
	acc->gender = opt_text(a, row, 6);
	acc->district_code = opt_text(a, row, 7);
	acc->district_name = opt_text(a, row, 8);
	acc->subdistrict_code = opt_text(a, row, 9);
	acc->subdistrict_name = opt_text(a, row, 10);
	acc->committee_code = opt_text(a, row, 11);
	acc->committee_name = opt_text(a, row, 12);
	acc->registered_by = opt_text(a, row, 13);
	acc->is_activated = store_row_i64(row, 14) != 0;
	acc->activated_at = store_row_is_null(row, 15) ? 0 : store_row_i64(row, 15);
	acc->created_at = store_row_i64(row, 16);
	if (c->reveal) {
		acc->id_number = open_sealed(c, row, 17);
		acc->phone = open_sealed(c, row, 18);
		if (!acc->id_number)
			return ll_fail(LL_INTERNAL, NULL, "sealed ID number of %s cannot be opened with this key", acc->id);
	}
	if (store_row_columns(row) > 19) {
		size_t len;
		const void *h = store_row_blob(row, 19, &len);
		if (len == CRYPTO_HASH_BYTES)
			memcpy(c->id_hash, h, len);
	}
	c->is_found = true;
	if (c->items) {
		json_array_append_new(c->items, account_json(acc));
		c->last_id = acc->id;
	}
	return LL_OK;
}

enum ll_err account_reserve_serials(struct ll_tx *tx, int64_t n, int64_t *ret_first)
{
	int64_t last = 0;
	enum ll_err err = store_counter_add(tx, "account_no", n, &last);
	if (err != LL_OK)
		return err;
	if (n < 1 || last >= ACCOUNT_SERIAL_LIMIT)
		return ll_fail(LL_INTERNAL, NULL, "account numbers are exhausted");
	*ret_first = last - n + 1;
	return LL_OK;
}

/* Everything about a new person that can be computed before the transaction. */
struct create_ctx {
	const struct account_in *in;
	const struct audit_actor *actor;
	struct arena *a;
	struct account *out;
	ll_id id;
	struct id_facts facts;
	char birth_date[16];
	char gender[2];
	struct person_secrets sec;
	const char *pw_hash;
};

static enum ll_err create_txn(struct ll_tx *tx, void *ctx)
{
	struct create_ctx *c = ctx;
	const struct account_in *in = c->in;
	struct division committee, subdistrict, district;
	enum ll_err err = org_division_get(tx, in->committee_code, "committee_code", &committee);
	if (err != LL_OK)
		return err;
	if (committee.level != DIVISION_COMMITTEE)
		return ll_fail(LL_UNKNOWN_DIVISION, "committee_code",
			       "committee_code must name a neighbourhood or village committee");
	err = org_division_get(tx, committee.parent_code, "committee_code", &subdistrict);
	if (err == LL_OK)
		err = org_division_get(tx, subdistrict.parent_code, "committee_code", &district);
	int64_t serial;
	if (err == LL_OK)
		err = account_reserve_serials(tx, 1, &serial);
	if (err != LL_OK)
		return err;
	char account_no[ACCOUNT_NO_LEN + 1];
	account_no_format(serial, account_no);
	int64_t now = clock_now_us();
	const struct person_secrets *sec = &c->sec;
	err = store_exec(tx, &PERSON_INSERT,
			 SP(SV_TEXT(c->id.s), SV_TEXT(account_no), SV_TEXT(in->name), SV_BLOB(sec->id_hash, CRYPTO_HASH_BYTES),
			    SV_BLOB(sec->id_sealed, sizeof(sec->id_sealed)), SV_TEXT(sec->id_masked),
			    sec->has_phone ? SV_BLOB(sec->phone_hash, CRYPTO_HASH_BYTES) : SV_NULL,
			    sec->has_phone ? SV_BLOB(sec->phone_sealed, sizeof(sec->phone_sealed)) : SV_NULL,
			    sec->has_phone ? SV_TEXT(sec->phone_masked) : SV_NULL, SV_TEXT(c->birth_date), SV_TEXT(c->gender),
			    SV_TEXT(district.code), SV_TEXT(subdistrict.code), SV_TEXT(committee.code),
			    SV_TEXT(in->registered_by), SV_BOOL(c->pw_hash != NULL), c->pw_hash ? SV_I64(now) : SV_NULL,
			    SV_I64(now)),
			 NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) == 0)
		return ll_fail(LL_DUPLICATE_PERSON, "id_number", "a person with this ID number already has an account");
	if (c->pw_hash) {
		struct user_in u = { .login = account_no, .display_name = in->name, .role = ROLE_CITIZEN,
				     .person_id = c->id.s };
		const char *user_id;
		err = auth_user_insert(tx, c->a, &u, c->pw_hash, &user_id);
		if (err != LL_OK)
			return err;
	}
	err = audit_write(tx, c->actor, "account.create", "person", c->id.s, c->pw_hash ? "activated" : NULL);
	if (err != LL_OK)
		return err;
	struct acc_row_ctx r = { .a = c->a, .acc = c->out };
	return store_exec(tx, &PERSON_BY_ID, SP(SV_TEXT(c->id.s)), acc_row, &r);
}

enum ll_err account_create(struct ll_store *st, const struct ll_keys *keys, struct pw_gate *g,
			   const struct account_in *in, const struct audit_actor *actor, struct arena *a,
			   struct account *ret)
{
	struct create_ctx c = { .in = in, .actor = actor, .a = a, .out = ret };
	char pw_hash[CRYPTO_PWHASH_MAX];
	enum ll_err err = id_number_check(in->id_number, clock_now_us(), &c.facts);
	if (err != LL_OK)
		return err;
	if (in->phone) {
		err = phone_check(in->phone);
		if (err != LL_OK)
			return err;
	}
	if (!org_code_is_valid(in->committee_code))
		return ll_fail(LL_UNKNOWN_DIVISION, "committee_code", "committee_code must be a 12-digit division code");
	if (in->password) {
		err = auth_check_password(in->password, NULL);
		if (err != LL_OK)
			return err;
	}
	id_new(&c.id);
	snprintf(c.birth_date, sizeof(c.birth_date), "%04d-%02d-%02d", c.facts.birth_year % 10000,
		 c.facts.birth_month % 100, c.facts.birth_day % 100);
	c.gender[0] = c.facts.gender;
	c.gender[1] = '\0';
	person_secrets_compute(keys, in->id_number, in->phone, &c.sec);
	if (in->password) {
		err = pw_gate_hash(g, in->password, pw_hash);
		if (err != LL_OK)
			return err;
		c.pw_hash = pw_hash;
	}
	return store_run(st, STORE_WRITE, "account create", create_txn, &c);
}

struct activate_ctx {
	const struct activate_in *in;
	const struct audit_actor *actor;
	struct arena *a;
	struct account *out;
	unsigned char id_hash[CRYPTO_HASH_BYTES];
	const char *pw_hash;
};

static enum ll_err activate_txn(struct ll_tx *tx, void *ctx)
{
	struct activate_ctx *c = ctx;
	struct acc_row_ctx r = { .a = c->a, .acc = c->out };
	enum ll_err err = store_exec(tx, &PERSON_BY_NO, SP(SV_TEXT(c->in->account_no)), acc_row, &r);
	if (err != LL_OK)
		return err;
	if (!r.is_found || sodium_memcmp(r.id_hash, c->id_hash, CRYPTO_HASH_BYTES) != 0)
		return ll_fail(LL_INVALID_VALUE, "id_number", "account number and ID number do not belong together");
	if (c->out->is_activated)
		return ll_fail(LL_ALREADY_ACTIVE, "account_no", "this account is already activated; sign in instead");
	int64_t now = clock_now_us();
	err = store_exec(tx, &PERSON_ACTIVATE, SP(SV_TEXT(c->out->id), SV_I64(now)), NULL, NULL);
	if (err == LL_OK && store_changes(tx) == 0)
		err = ll_fail(LL_ALREADY_ACTIVE, "account_no", "this account is already activated; sign in instead");
	const char *user_id;
	struct user_in u = { .login = c->in->account_no, .display_name = c->out->name, .role = ROLE_CITIZEN,
			     .person_id = c->out->id };
	if (err == LL_OK)
		err = auth_user_insert(tx, c->a, &u, c->pw_hash, &user_id);
	if (err == LL_OK)
		err = audit_write(tx, c->actor, "account.activate", "person", c->out->id, NULL);
	if (err == LL_OK) {
		c->out->is_activated = true;
		c->out->activated_at = now;
	}
	return err;
}

enum ll_err account_activate(struct ll_store *st, const struct ll_keys *keys, struct pw_gate *g,
			     const struct activate_in *in, const struct audit_actor *actor, struct arena *a,
			     struct account *ret)
{
	char id_upper[ID_NUMBER_LEN + 1];
	char pw_hash[CRYPTO_PWHASH_MAX];
	if (!account_no_is_valid(in->account_no))
		return ll_fail(LL_INVALID_ACCOUNT_NO, "account_no", "account number is not valid");
	enum ll_err err = id_number_check(in->id_number, clock_now_us(), NULL);
	if (err == LL_OK)
		err = auth_check_password(in->password, in->account_no);
	if (err != LL_OK)
		return err;
	memcpy(id_upper, in->id_number, ID_NUMBER_LEN + 1);
	if (id_upper[17] == 'x')
		id_upper[17] = 'X';
	struct activate_ctx c = { .in = in, .actor = actor, .a = a, .out = ret };
	crypto_lookup_hash(keys, CRYPTO_DOMAIN_ID_NUMBER, id_upper, ID_NUMBER_LEN, c.id_hash);
	err = pw_gate_hash(g, in->password, pw_hash);
	if (err != LL_OK)
		return err;
	c.pw_hash = pw_hash;
	return store_run(st, STORE_WRITE, "account activate", activate_txn, &c);
}

/* True if scope may see the account. */
static bool scope_admits(const struct account_scope *s, const struct account *acc)
{
	switch (s->role) {
	case ROLE_CITIZEN:
		return s->person_id && strcmp(s->person_id, acc->id) == 0;
	case ROLE_STAFF:
	case ROLE_INSTITUTION_ADMIN:
		return s->institution_id && acc->registered_by && strcmp(s->institution_id, acc->registered_by) == 0;
	case ROLE_DISTRICT_ADMIN:
		return s->district_code && strcmp(s->district_code, acc->district_code) == 0;
	case ROLE_REVIEWER:
	case ROLE_CITY_ADMIN:
	case ROLE_AUDITOR:
		return true;
	default:
		return false;
	}
}

/* Roles whose work needs the whole ID and phone numbers. */
#define REVEAL_ROLES (ROLE_REVIEWER | ROLE_DISTRICT_ADMIN | ROLE_CITY_ADMIN)

struct get_ctx {
	const char *id;
	const struct account_scope *scope;
	bool reveal;
	const char *purpose;
	const struct audit_actor *actor;
	struct acc_row_ctx r;
};

static enum ll_err get_txn(struct ll_tx *tx, void *ctx)
{
	struct get_ctx *g = ctx;
	g->r.is_found = false;
	g->r.reveal = false;
	enum ll_err err = store_exec(tx, &PERSON_BY_ID, SP(SV_TEXT(g->id)), acc_row, &g->r);
	if (err != LL_OK)
		return err;
	if (!g->r.is_found || !scope_admits(g->scope, g->r.acc))
		return ll_fail(LL_NOT_FOUND, "id", "no account with this id");
	if (!g->reveal)
		return LL_OK;
	g->r.reveal = true;
	err = store_exec(tx, &PERSON_BY_ID, SP(SV_TEXT(g->id)), acc_row, &g->r);
	if (err == LL_OK)
		err = audit_pii_read(tx, g->actor, g->id, g->r.acc->phone ? "id_number,phone" : "id_number", g->purpose);
	return err;
}

enum ll_err account_get(struct ll_store *st, const struct ll_keys *keys, const char *id,
			const struct account_scope *scope, bool reveal, const char *purpose,
			const struct audit_actor *actor, struct arena *a, struct account *ret)
{
	if (reveal && !(scope->role & REVEAL_ROLES))
		return ll_fail(LL_FORBIDDEN, "reveal", "your role may not see whole ID or phone numbers");
	if (reveal && (!purpose || !*purpose))
		return ll_fail(LL_MISSING_FIELD, "purpose", "say why you need the whole numbers (purpose)");
	struct get_ctx g = { .id = id, .scope = scope, .reveal = reveal, .purpose = purpose, .actor = actor,
			     .r = { .a = a, .acc = ret, .keys = keys } };
	return store_run(st, reveal ? STORE_WRITE : STORE_READ, "account get", get_txn, &g);
}

struct search_ctx {
	const struct account_scope *scope;
	const char *account_no;
	const unsigned char *id_hash;
	const char *district_code;
	const char *after_id;
	int limit;
	struct acc_row_ctx r;
};

static enum ll_err search_txn(struct ll_tx *tx, void *ctx)
{
	struct search_ctx *s = ctx;
	const struct account_scope *sc = s->scope;
	/* Staff see whom their institution registered; a district office, its residents; a citizen, themself. */
	const char *inst = (sc->role & (ROLE_STAFF | ROLE_INSTITUTION_ADMIN)) ? (sc->institution_id ? sc->institution_id : "-") : "";
	const char *dist = sc->role == ROLE_DISTRICT_ADMIN ? (sc->district_code ? sc->district_code : "-") : "";
	const char *self = sc->role == ROLE_CITIZEN ? (sc->person_id ? sc->person_id : "-") : "";
	json_array_clear(s->r.items);
	if (s->account_no)
		return store_exec(tx, &SEARCH_NO, SP(SV_TEXT(s->account_no), SV_TEXT(inst), SV_TEXT(dist), SV_TEXT(self)),
				  acc_row, &s->r);
	if (s->id_hash)
		return store_exec(tx, &SEARCH_ID,
				  SP(SV_BLOB(s->id_hash, CRYPTO_HASH_BYTES), SV_TEXT(inst), SV_TEXT(dist), SV_TEXT(self)),
				  acc_row, &s->r);
	return store_exec(tx, &SEARCH_DISTRICT,
			  SP(SV_TEXT(s->district_code ? s->district_code : ""), SV_TEXT(inst), SV_TEXT(dist), SV_TEXT(self),
			     SV_TEXT(s->after_id ? s->after_id : ""), SV_I64(s->limit)),
			  acc_row, &s->r);
}

enum ll_err account_search(struct ll_store *st, const struct ll_keys *keys, const struct account_scope *scope,
			   const char *account_no, const char *id_number, const char *district_code,
			   const char *after_id, int limit, json_t **ret_page)
{
	unsigned char id_hash[CRYPTO_HASH_BYTES];
	char id_upper[ID_NUMBER_LEN + 1];
	struct arena a;
	arena_init(&a, 0);
	struct search_ctx s = { .scope = scope, .account_no = account_no, .district_code = district_code,
				.after_id = after_id, .limit = limit, .r = { .a = &a, .keys = keys, .items = json_array() } };
	enum ll_err err = LL_OK;
	if (id_number) {
		err = id_number_check(id_number, clock_now_us(), NULL);
		if (err != LL_OK)
			goto out;
		memcpy(id_upper, id_number, ID_NUMBER_LEN + 1);
		if (id_upper[17] == 'x')
			id_upper[17] = 'X';
		crypto_lookup_hash(keys, CRYPTO_DOMAIN_ID_NUMBER, id_upper, ID_NUMBER_LEN, id_hash);
		s.id_hash = id_hash;
	}
	err = store_run(st, STORE_READ, "account search", search_txn, &s);
	if (err != LL_OK)
		goto out;
	bool is_full = !account_no && !id_number && (int)json_array_size(s.r.items) == limit;
	*ret_page = json_pack("{s:O, s:o}", "items", s.r.items, "next",
			      is_full && s.r.last_id ? json_string(s.r.last_id) : json_null());
out:
	json_decref(s.r.items);
	arena_release(&a);
	return err;
}

struct stats_ctx {
	json_t *districts;
	int64_t total, activated;
};

static enum ll_err stats_row(const struct store_row *row, void *ctx)
{
	struct stats_ctx *s = ctx;
	int64_t accounts = store_row_i64(row, 3), activated = store_row_i64(row, 4);
	json_array_append_new(s->districts,
			      json_pack("{s:s, s:s, s:I, s:I, s:I}", "code", store_row_text(row, 0), "name",
					store_row_text(row, 1), "population_2020", (json_int_t)store_row_i64(row, 2),
					"accounts", (json_int_t)accounts, "activated", (json_int_t)activated));
	s->total += accounts;
	s->activated += activated;
	return LL_OK;
}

static enum ll_err stats_txn(struct ll_tx *tx, void *ctx)
{
	struct stats_ctx *s = ctx;
	json_array_clear(s->districts);
	s->total = s->activated = 0;
	return store_exec(tx, &STATS, SP_NONE, stats_row, s);
}

enum ll_err account_stats(struct ll_store *st, const struct account_scope *scope, json_t **ret_stats)
{
	struct stats_ctx s = { .districts = json_array() };
	(void)scope;
	enum ll_err err = store_run(st, STORE_READ, "activation stats", stats_txn, &s);
	if (err != LL_OK) {
		json_decref(s.districts);
		return err;
	}
	*ret_stats = json_pack("{s:I, s:I, s:o}", "total_accounts", (json_int_t)s.total, "total_activated",
			       (json_int_t)s.activated, "districts", s.districts);
	return LL_OK;
}
