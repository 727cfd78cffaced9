/*
 * SQL of the learning overpass: programmes and their plan versions, conversion rules and their
 * versions with the city's decisions, enrolments, and audits that read a person's current
 * outcomes from the ledger. A plan or a rule is never changed in place: each edit is a new
 * version, and an audit always names the rule version it used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/roles.h"
#include "../base/clock.h"
#include "../base/id.h"
#include "../base/log.h"
#include "../store/store.h"
#include "transfer_db.h"

const char *const programme_kinds[] = { "associate", "bachelor", "diploma", "certificate", "self_study", NULL };
const char *const rule_statuses[] = { "pending", "approved", "rejected", NULL };

const struct json_field programme_spec[] = {
	JSON_STR("code", struct programme_in, code, .max_len = 40, .doc = "the programme's code at its institution"),
	JSON_STR("name", struct programme_in, name, .max_len = 100),
	JSON_STR("name_en", struct programme_in, name_en, .is_optional = true, .max_len = 100),
	JSON_STR("kind", struct programme_in, kind, .max_len = 20,
		 .doc = "associate, bachelor, diploma, certificate or self_study"),
	JSON_END
};

#define PROGRAMME_COLS \
	"p.id, p.institution_id, i.name, p.code, p.name, p.name_en, p.kind, p.plan_version, i.name_en"
static const struct store_stmt PROGRAMME_INSERT = {
	"programme insert",
	"INSERT INTO programmes (id, institution_id, code, name, name_en, kind, plan_version, created_by, created_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) ON CONFLICT DO NOTHING"
};
static const struct store_stmt PLAN_INSERT = {
	"programme plan insert",
	"INSERT INTO programme_plans (programme_id, version, plan, published_by, published_at) VALUES ($1, $2, $3, $4, $5)"
};
static const struct store_stmt PLAN_ADVANCE = {
	"programme plan advance",
	"UPDATE programmes SET plan_version = plan_version + 1 WHERE id = $1 RETURNING plan_version"
};
static const struct store_stmt PROGRAMME_GET = {
	"programme get",
	"SELECT " PROGRAMME_COLS ", pp.plan FROM programmes p JOIN institutions i ON i.id = p.institution_id "
	"JOIN programme_plans pp ON pp.programme_id = p.id AND pp.version = p.plan_version WHERE p.id = $1"
};
static const struct store_stmt PROGRAMME_INSTITUTION = {
	"programme institution", "SELECT institution_id FROM programmes WHERE id = $1"
};
static const struct store_stmt PROGRAMME_LIST = {
	"programme list",
	"SELECT " PROGRAMME_COLS " FROM programmes p JOIN institutions i ON i.id = p.institution_id "
	"WHERE ($1 = '' OR p.institution_id = $1) AND ($2 = '' OR lower(p.name) LIKE lower($2) ESCAPE '\\' "
	"OR lower(p.code) LIKE lower($2) ESCAPE '\\' OR lower(p.name_en) LIKE lower($2) ESCAPE '\\') "
	"ORDER BY i.name, p.name LIMIT 500"
};
/* Taken first by whoever publishes a rule of a programme: publishers of one programme's rules
 * (and its plan) go one at a time, so that two contradicting rules cannot both pass the check. */
static const struct store_stmt PROGRAMME_LOCK = {
	"programme lock", "UPDATE programmes SET plan_version = plan_version WHERE id = $1"
};
static const struct store_stmt RULE_INSERT = {
	"transfer rule insert",
	"INSERT INTO transfer_rules (id, programme_id, institution_id, version, created_at) VALUES ($1, $2, $3, 1, $4)"
};
static const struct store_stmt RULE_ADVANCE = {
	"transfer rule advance",
	"UPDATE transfer_rules SET version = version + 1 WHERE id = $1 AND programme_id = $2 RETURNING version"
};
static const struct store_stmt RULE_VERSION_INSERT = {
	"transfer rule version insert",
	"INSERT INTO transfer_rule_versions (rule_id, version, programme_id, plan_version, body, status, published_by, "
	"published_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)"
};
/* The versions an audit or a contradiction check weighs: of each rule of the programme, its
 * latest approved version, and its latest version when that one is pending. */
static const struct store_stmt RULES_LIVE = {
	"transfer rules live",
	"SELECT v.rule_id, v.version, v.body, v.status FROM transfer_rule_versions v WHERE v.programme_id = $1 AND ("
	"(v.status = 'approved' AND v.version = (SELECT MAX(a.version) FROM transfer_rule_versions a "
	"WHERE a.rule_id = v.rule_id AND a.status = 'approved')) OR "
	"(v.status = 'pending' AND v.version = (SELECT r.version FROM transfer_rules r WHERE r.id = v.rule_id))) "
	"ORDER BY v.rule_id, v.version"
};
static const struct store_stmt RULE_DECIDE = {
	"transfer rule decide",
	"UPDATE transfer_rule_versions SET status = $3, reason = $4, decided_by = $5, decided_at = $6 "
	"WHERE rule_id = $1 AND version = $2 AND status = 'pending'"
};
static const struct store_stmt RULE_VERSION_EXISTS = {
	"transfer rule version exists", "SELECT 1 FROM transfer_rule_versions WHERE rule_id = $1 AND version = $2"
};
#define RULE_LIST_COLS                                                                                            \
	"v.rule_id, v.version, v.programme_id, p.name, i.name, v.status, v.reason, v.body, v.plan_version, "     \
	"v.published_at, v.decided_at, pu.display_name, du.display_name, p.name_en, i.name_en"
#define RULE_LIST_FROM                                                                                            \
	" FROM transfer_rule_versions v JOIN programmes p ON p.id = v.programme_id "                             \
	"JOIN institutions i ON i.id = p.institution_id LEFT JOIN users pu ON pu.id = v.published_by "           \
	"LEFT JOIN users du ON du.id = v.decided_by "
static const struct store_stmt RULE_LIST = {
	"transfer rule list",
	"SELECT " RULE_LIST_COLS RULE_LIST_FROM "WHERE v.programme_id = $1 AND ($2 = '' OR v.status = $2) "
	"ORDER BY v.rule_id, v.version DESC LIMIT 2000"
};
static const struct store_stmt RULE_QUEUE = {
	"transfer rule queue",
	"SELECT " RULE_LIST_COLS RULE_LIST_FROM "WHERE v.status = $1 ORDER BY v.published_at LIMIT 500"
};
static const struct store_stmt ENROL = {
	"enrol",
	"INSERT INTO enrolments (person_id, programme_id, enrolled_by, enrolled_at) VALUES ($1, $2, $3, $4) "
	"ON CONFLICT DO NOTHING"
};
static const struct store_stmt ENROLLED = {
	"enrolled", "SELECT 1 FROM enrolments WHERE person_id = $1 AND programme_id = $2"
};
static const struct store_stmt PERSON_EXISTS = { "transfer person", "SELECT account_no, name FROM persons WHERE id = $1" };
static const struct store_stmt PERSON_BY_ACCOUNT = {
	"transfer person by account", "SELECT id FROM persons WHERE account_no = $1"
};
static const struct store_stmt ENROLMENTS = {
	"enrolments",
	"SELECT " PROGRAMME_COLS ", e.enrolled_at FROM enrolments e JOIN programmes p ON p.id = e.programme_id "
	"JOIN institutions i ON i.id = p.institution_id WHERE e.person_id = $1 ORDER BY e.enrolled_at"
};
static const struct store_stmt LEARNERS = {
	"programme learners",
	"SELECT p.id, p.account_no, p.name, e.enrolled_at FROM enrolments e JOIN persons p ON p.id = e.person_id "
	"WHERE e.programme_id = $1 AND e.person_id > $2 ORDER BY e.person_id LIMIT $3"
};
static const struct store_stmt UNFOLLOW = {
	"unfollow", "DELETE FROM enrolments WHERE person_id = $1 AND programme_id = $2"
};
static const struct store_stmt COHORT = {
	"cohort", "SELECT person_id FROM enrolments WHERE programme_id = $1 AND person_id > $2 ORDER BY person_id LIMIT $3"
};

#define COHORT_PAGE 1000

enum ll_err transfer_found_row(const struct store_row *row, void *ctx)
{
	(void)row;
	*(bool *)ctx = true;
	return LL_OK;
}

static enum ll_err i64_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

bool transfer_is_staff_of(const struct ledger_caller *c, const char *institution_id)
{
	return (c->role & (ROLE_STAFF | ROLE_INSTITUTION_ADMIN)) && c->institution_id && institution_id &&
	       strcmp(c->institution_id, institution_id) == 0;
}

static char *plan_text(const struct programme_plan *plan)
{
	json_t *j = plan_to_json(plan);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return text;
}

/* ---- Programmes ---- */

struct create_ctx {
	const struct ledger_caller *c;
	const struct programme_in *in;
	const char *plan;
	const struct audit_actor *actor;
	char id[LL_ID_LEN + 1];
};

static enum ll_err create_txn(struct ll_tx *tx, void *ctx)
{
	struct create_ctx *x = ctx;
	int64_t now = clock_now_us();
	enum ll_err err = store_exec(tx, &PROGRAMME_INSERT,
				     SP(SV_TEXT(x->id), SV_TEXT(x->c->institution_id), SV_TEXT(x->in->code),
					SV_TEXT(x->in->name), SV_TEXT(x->in->name_en), SV_TEXT(x->in->kind),
					SV_TEXT(x->c->user_id), SV_I64(now)),
				     NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) != 1)
		return ll_fail(LL_CONFLICT, "code", "the institution has a programme with code %s", x->in->code);
	if ((err = store_exec(tx, &PLAN_INSERT, SP(SV_TEXT(x->id), SV_I64(1), SV_TEXT(x->plan), SV_TEXT(x->c->user_id),
						   SV_I64(now)), NULL, NULL)) != LL_OK)
		return err;
	return audit_write(tx, x->actor, "programme.create", "programme", x->id, x->in->code);
}

enum ll_err programme_create(struct ll_store *st, const struct ledger_caller *c, const struct programme_in *in,
			     const struct programme_plan *plan, const struct audit_actor *actor, struct arena *a,
			     const char **ret_id)
{
	if (!c->institution_id || !(c->role & (ROLE_STAFF | ROLE_INSTITUTION_ADMIN)))
		return ll_fail(LL_FORBIDDEN, NULL, "programmes are created by the staff of their institution");
	if (ledger_name_index(programme_kinds, in->kind) < 0)
		return ll_fail(LL_INVALID_VALUE, "kind", "a programme is associate, bachelor, diploma, certificate or self_study");
	enum ll_err checked = transfer_code_check(in->code, "code", false);
	if (checked != LL_OK)
		return checked;
	if (!in->name || !*in->name)
		return ll_fail(LL_MISSING_FIELD, "name", "a programme has a name");
	struct create_ctx x = { .c = c, .in = in, .actor = actor };
	ll_id id;
	id_new(&id);
	memcpy(x.id, id.s, sizeof(x.id));
	char *text = plan_text(plan);
	if (!text)
		return LL_NOMEM;
	x.plan = text;
	enum ll_err err = store_run(st, STORE_WRITE, "programme create", create_txn, &x);
	free(text);
	if (err != LL_OK)
		return err;
	if (!(*ret_id = arena_strdup(a, x.id)))
		return LL_NOMEM;
	return LL_OK;
}

struct institution_ctx {
	bool is_found;
	char institution_id[LL_ID_LEN + 1];
};

static enum ll_err institution_row(const struct store_row *row, void *ctx)
{
	struct institution_ctx *x = ctx;
	x->is_found = true;
	snprintf(x->institution_id, sizeof(x->institution_id), "%s", store_row_text(row, 0));
	return LL_OK;
}

/* The programme's institution; LL_NOT_FOUND when there is no such programme. */
static enum ll_err programme_institution(struct ll_tx *tx, const char *id, struct institution_ctx *ret)
{
	*ret = (struct institution_ctx){ 0 };
	enum ll_err err = store_exec(tx, &PROGRAMME_INSTITUTION, SP(SV_TEXT(id)), institution_row, ret);
	if (err == LL_OK && !ret->is_found)
		err = ll_fail(LL_NOT_FOUND, NULL, "no programme %s", id);
	return err;
}

struct plan_ctx {
	const struct ledger_caller *c;
	const char *id, *plan;
	const struct audit_actor *actor;
	int64_t version;
};

static enum ll_err plan_txn(struct ll_tx *tx, void *ctx)
{
	struct plan_ctx *x = ctx;
	struct institution_ctx inst;
	enum ll_err err = programme_institution(tx, x->id, &inst);
	if (err != LL_OK)
		return err;
	if (!transfer_is_staff_of(x->c, inst.institution_id))
		return ll_fail(LL_FORBIDDEN, NULL, "only the programme's institution edits its plan");
	if ((err = store_exec(tx, &PLAN_ADVANCE, SP(SV_TEXT(x->id)), i64_row, &x->version)) != LL_OK ||
	    (err = store_exec(tx, &PLAN_INSERT, SP(SV_TEXT(x->id), SV_I64(x->version), SV_TEXT(x->plan),
						   SV_TEXT(x->c->user_id), SV_I64(clock_now_us())), NULL, NULL)) != LL_OK)
		return err;
	char detail[32];
	snprintf(detail, sizeof(detail), "plan version %lld", (long long)x->version);
	return audit_write(tx, x->actor, "programme.plan", "programme", x->id, detail);
}

enum ll_err programme_publish_plan(struct ll_store *st, const struct ledger_caller *c, const char *id,
				   const struct programme_plan *plan, const struct audit_actor *actor, int *ret_version)
{
	char *text = plan_text(plan);
	if (!text)
		return LL_NOMEM;
	struct plan_ctx x = { .c = c, .id = id, .plan = text, .actor = actor };
	enum ll_err err = store_run(st, STORE_WRITE, "programme plan", plan_txn, &x);
	free(text);
	if (err == LL_OK)
		*ret_version = (int)x.version;
	return err;
}

struct get_ctx {
	struct arena *a;
	struct programme *p;
	bool is_found;
	const char *plan;
};

static void programme_from_row(const struct store_row *row, struct arena *a, struct programme *p)
{
	*p = (struct programme){
		.id = arena_strdup(a, store_row_text(row, 0)),
		.institution_id = arena_strdup(a, store_row_text(row, 1)),
		.institution_name = arena_strdup(a, store_row_text(row, 2)),
		.code = arena_strdup(a, store_row_text(row, 3)),
		.name = arena_strdup(a, store_row_text(row, 4)),
		.name_en = store_row_is_null(row, 5) ? NULL : arena_strdup(a, store_row_text(row, 5)),
		.kind = arena_strdup(a, store_row_text(row, 6)),
		.plan_version = (int)store_row_i64(row, 7),
		.institution_name_en = store_row_is_null(row, 8) ? NULL : arena_strdup(a, store_row_text(row, 8)),
	};
}

static enum ll_err get_row(const struct store_row *row, void *ctx)
{
	struct get_ctx *g = ctx;
	g->is_found = true;
	programme_from_row(row, g->a, g->p);
	g->plan = arena_strdup(g->a, store_row_text(row, 9));
	return g->plan ? LL_OK : LL_NOMEM;
}

static enum ll_err get_txn(struct ll_tx *tx, void *ctx)
{
	struct get_ctx *g = ctx;
	g->is_found = false;
	return store_exec(tx, &PROGRAMME_GET, SP(SV_TEXT(g->p->id)), get_row, g);
}

/* Loads programme id inside tx with its plan decoded; *ret_root holds the plan's strings. */
enum ll_err transfer_programme_load(struct ll_tx *tx, const char *id, struct arena *a, struct programme *ret,
				  json_t **ret_root)
{
	struct programme p = { .id = id };
	struct get_ctx g = { .a = a, .p = &p };
	enum ll_err err = get_txn(tx, &g);
	if (err != LL_OK)
		return err;
	if (!g.is_found)
		return ll_fail(LL_NOT_FOUND, NULL, "no programme %s", id);
	json_t *root;
	if ((err = json_parse(g.plan, strlen(g.plan), 16, &root)) != LL_OK)
		return ll_fail(LL_INTERNAL, NULL, "the stored plan of programme %s is not JSON", id);
	if ((err = plan_from_json(root, &p.plan)) != LL_OK) {
		json_decref(root);
		return ll_fail(LL_INTERNAL, NULL, "the stored plan of programme %s no longer decodes", id);
	}
	*ret = p;
	*ret_root = root;
	return LL_OK;
}

struct load_ctx {
	const char *id;
	struct arena *a;
	struct programme *p;
	json_t *root;
};

static enum ll_err load_txn(struct ll_tx *tx, void *ctx)
{
	struct load_ctx *l = ctx;
	json_decref(l->root);
	l->root = NULL;
	return transfer_programme_load(tx, l->id, l->a, l->p, &l->root);
}

enum ll_err programme_get(struct ll_store *st, const char *id, struct arena *a, struct programme *ret,
			  json_t **ret_root)
{
	struct load_ctx l = { .id = id, .a = a, .p = ret };
	enum ll_err err = store_run(st, STORE_READ, "programme", load_txn, &l);
	if (err != LL_OK) {
		json_decref(l.root);
		return err;
	}
	*ret_root = l.root;
	return LL_OK;
}

static json_t *programme_head_json(const struct programme *p)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "id", p->id, "institution_id", p->institution_id,
			      "institution_name", p->institution_name, "code", p->code, "name", p->name, "kind", p->kind,
			      "plan_version", p->plan_version);
	json_set_str(o, "name_en", p->name_en);
	json_set_str(o, "institution_name_en", p->institution_name_en);
	return o;
}

json_t *programme_json(const struct programme *p)
{
	json_t *o = programme_head_json(p);
	json_object_set_new(o, "plan", plan_to_json(&p->plan));
	return o;
}

struct list_ctx {
	const char *institution_id, *like;
	struct arena a;
	json_t *items;
};

static enum ll_err list_row(const struct store_row *row, void *ctx)
{
	struct list_ctx *l = ctx;
	struct programme p;
	programme_from_row(row, &l->a, &p);
	return json_array_append_new(l->items, programme_head_json(&p)) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err list_txn(struct ll_tx *tx, void *ctx)
{
	struct list_ctx *l = ctx;
	json_array_clear(l->items);
	return store_exec(tx, &PROGRAMME_LIST, SP(SV_TEXT(l->institution_id ? l->institution_id : ""), SV_TEXT(l->like)),
			  list_row, l);
}

enum ll_err programme_list(struct ll_store *st, const char *institution_id, const char *q, json_t **ret_page)
{
	if (q && strlen(q) > 100)
		return ll_fail(LL_BAD_QUERY, "q", "q is at most 100 characters");
	char *like = store_like_pattern(q);
	if (!like)
		return LL_NOMEM;
	struct list_ctx l = { .institution_id = institution_id, .like = like, .items = json_array() };
	arena_init(&l.a, 0);
	enum ll_err err = store_run(st, STORE_READ, "programme list", list_txn, &l);
	arena_release(&l.a);
	free(like);
	if (err != LL_OK) {
		json_decref(l.items);
		return err;
	}
	*ret_page = json_pack("{s:o}", "items", l.items);
	return LL_OK;
}

/* ---- Rules ---- */

static enum ll_err rule_row(const struct store_row *row, void *ctx)
{
	struct rules_ctx *r = ctx;
	bool is_approved = strcmp(store_row_text(row, 3), "approved") == 0;
	if (r->is_approved_only && !is_approved)
		return LL_OK;
	if (r->n == r->cap) {
		int cap = r->cap ? 2 * r->cap : 64;
		struct stored_rule *p = arena_alloc(r->a, sizeof(*p) * (size_t)cap);
		if (!p)
			return LL_NOMEM;
		if (r->n)
			memcpy(p, r->rules, sizeof(*p) * (size_t)r->n);
		r->rules = p;
		r->cap = cap;
	}
	struct stored_rule *x = &r->rules[r->n];
	*x = (struct stored_rule){ .id = arena_strdup(r->a, store_row_text(row, 0)),
				   .version = (int)store_row_i64(row, 1), .is_approved = is_approved };
	const char *body = store_row_text(row, 2);
	if (json_parse(body, strlen(body), 16, &x->body) != LL_OK)
		return ll_fail(LL_INTERNAL, NULL, "the stored body of rule %s is not JSON", x->id);
	r->n++;
	enum ll_err err = rule_from_json(x->body, r->plan, &x->rule);
	x->is_fit = err == LL_OK;
	if (!x->is_fit)
		snprintf(x->why_unfit, sizeof(x->why_unfit), "%s%s%s", ll_error_get(err)->field,
			 ll_error_get(err)->field[0] ? ": " : "", ll_error_get(err)->message);
	x->rule.id = x->id;
	x->rule.version = x->version;
	ll_error_clear();
	return LL_OK;
}

void transfer_rules_release(struct rules_ctx *r)
{
	for (int i = 0; i < r->n; i++)
		json_decref(r->rules[i].body);
	r->n = 0;
}

/* The live versions of a programme's rules (the latest approved of each, and the latest when
 * it is pending), decoded against plan. */
enum ll_err transfer_rules_load(struct ll_tx *tx, const char *programme_id, struct rules_ctx *r)
{
	transfer_rules_release(r);
	return store_exec(tx, &RULES_LIVE, SP(SV_TEXT(programme_id)), rule_row, r);
}

struct publish_ctx {
	const struct ledger_caller *c;
	const char *programme_id, *rule_id;
	const json_t *body;
	const struct audit_actor *actor;
	struct arena *a;
	char new_id[LL_ID_LEN + 1];
	int64_t version;
	struct rules_ctx rules;
};

static enum ll_err publish_txn(struct ll_tx *tx, void *ctx)
{
	struct publish_ctx *x = ctx;
	struct programme p;
	json_t *root = NULL;
	enum ll_err err = store_exec(tx, &PROGRAMME_LOCK, SP(SV_TEXT(x->programme_id)), NULL, NULL);
	if (err == LL_OK)
		err = transfer_programme_load(tx, x->programme_id, x->a, &p, &root);
	if (err != LL_OK)
		return err;
	if (!transfer_is_staff_of(x->c, p.institution_id)) {
		err = ll_fail(LL_FORBIDDEN, NULL, "only the programme's institution publishes its rules");
		goto out;
	}
	struct transfer_rule rule;
	if ((err = rule_from_json(x->body, &p.plan, &rule)) != LL_OK)
		goto out;
	x->rules.a = x->a;
	x->rules.plan = &p.plan;
	if ((err = transfer_rules_load(tx, x->programme_id, &x->rules)) != LL_OK)
		goto out;
	const char *id = x->rule_id ? x->rule_id : x->new_id;
	for (int i = 0; i < x->rules.n; i++) {
		const struct stored_rule *o = &x->rules.rules[i];
		if (!o->is_fit || strcmp(o->id, id) == 0)
			continue;
		if (rule_contradicts(&rule, &o->rule)) {
			err = ll_fail(LL_RULE_CONTRADICTS, "conditions",
				      "rule %s (version %d) asks for the same outcomes and grants other credit", o->id, o->version);
			goto out;
		}
	}
	int64_t now = clock_now_us();
	if (x->rule_id) {
		x->version = 0;
		if ((err = store_exec(tx, &RULE_ADVANCE, SP(SV_TEXT(x->rule_id), SV_TEXT(x->programme_id)), i64_row,
				      &x->version)) != LL_OK)
			goto out;
		if (x->version == 0) {
			err = ll_fail(LL_NOT_FOUND, NULL, "programme %s has no rule %s", x->programme_id, x->rule_id);
			goto out;
		}
	} else {
		x->version = 1;
		if ((err = store_exec(tx, &RULE_INSERT, SP(SV_TEXT(id), SV_TEXT(x->programme_id), SV_TEXT(p.institution_id),
							   SV_I64(now)), NULL, NULL)) != LL_OK)
			goto out;
	}
	/* Stored as rule_to_json writes it, so that every reader decodes the same rule. */
	json_t *canonical = rule_to_json(&rule);
	char *stored = canonical ? json_dumps(canonical, JSON_COMPACT) : NULL;
	json_decref(canonical);
	if (!stored) {
		err = LL_NOMEM;
		goto out;
	}
	err = store_exec(tx, &RULE_VERSION_INSERT,
			 SP(SV_TEXT(id), SV_I64(x->version), SV_TEXT(x->programme_id), SV_I64(p.plan_version),
			    SV_TEXT(stored), SV_TEXT(x->c->user_id), SV_I64(now)),
			 NULL, NULL);
	free(stored);
	if (err == LL_OK) {
		char detail[64];
		snprintf(detail, sizeof(detail), "version %lld", (long long)x->version);
		err = audit_write(tx, x->actor, "transfer_rule.publish", "transfer_rule", id, detail);
	}
out:
	transfer_rules_release(&x->rules);
	json_decref(root);
	return err;
}

enum ll_err transfer_rule_publish(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
				  const char *rule_id, const json_t *body, const struct audit_actor *actor,
				  struct arena *a, const char **ret_rule_id, int *ret_version)
{
	struct publish_ctx x = { .c = c, .programme_id = programme_id, .rule_id = rule_id, .body = body, .actor = actor,
				 .a = a };
	ll_id id;
	id_new(&id);
	memcpy(x.new_id, id.s, sizeof(x.new_id));
	enum ll_err err = store_run(st, STORE_WRITE, "transfer rule publish", publish_txn, &x);
	if (err != LL_OK)
		return err;
	if (!(*ret_rule_id = arena_strdup(a, rule_id ? rule_id : x.new_id)))
		return LL_NOMEM;
	*ret_version = (int)x.version;
	return LL_OK;
}

struct decide_ctx {
	const char *rule_id;
	int version;
	bool is_approved;
	const char *reason;
	const struct audit_actor *actor;
};

static enum ll_err decide_txn(struct ll_tx *tx, void *ctx)
{
	struct decide_ctx *x = ctx;
	enum ll_err err = store_exec(tx, &RULE_DECIDE,
				     SP(SV_TEXT(x->rule_id), SV_I64(x->version),
					SV_TEXT(x->is_approved ? "approved" : "rejected"), SV_TEXT(x->reason),
					SV_TEXT(x->actor ? x->actor->id : NULL), SV_I64(clock_now_us())),
				     NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) != 1) {
		bool is_found = false;
		if ((err = store_exec(tx, &RULE_VERSION_EXISTS, SP(SV_TEXT(x->rule_id), SV_I64(x->version)), transfer_found_row,
				      &is_found)) != LL_OK)
			return err;
		return is_found ? ll_fail(LL_NOT_PENDING, NULL, "rule %s version %d was decided already", x->rule_id, x->version)
				: ll_fail(LL_NOT_FOUND, NULL, "no rule %s version %d", x->rule_id, x->version);
	}
	char detail[64];
	snprintf(detail, sizeof(detail), "version %d %s", x->version, x->is_approved ? "approved" : "rejected");
	return audit_write(tx, x->actor, "transfer_rule.decide", "transfer_rule", x->rule_id, detail);
}

enum ll_err transfer_rule_decide(struct ll_store *st, const char *rule_id, int version, bool is_approved,
				 const char *reason, const struct audit_actor *actor)
{
	if (!is_approved && (!reason || !*reason))
		return ll_fail(LL_MISSING_FIELD, "reason", "a rejection says why");
	struct decide_ctx x = { rule_id, version, is_approved, reason, actor };
	return store_run(st, STORE_WRITE, "transfer rule decide", decide_txn, &x);
}

struct rule_list_ctx {
	const char *programme_id, *status;
	json_t *items;
};

static enum ll_err rule_list_row(const struct store_row *row, void *ctx)
{
	struct rule_list_ctx *l = ctx;
	const char *body = store_row_text(row, 7);
	json_t *rule = json_loads(body, 0, NULL);
	json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:I}", "id", store_row_text(row, 0), "version",
			      (json_int_t)store_row_i64(row, 1), "programme_id", store_row_text(row, 2), "programme_name",
			      store_row_text(row, 3), "institution_name", store_row_text(row, 4), "status",
			      store_row_text(row, 5), "rule", rule ? rule : json_null(), "plan_version",
			      (json_int_t)store_row_i64(row, 8));
	if (!o)
		return LL_NOMEM;
	json_set_str(o, "reason", store_row_is_null(row, 6) ? NULL : store_row_text(row, 6));
	json_set_time(o, "published_at", store_row_i64(row, 9));
	json_set_time(o, "decided_at", store_row_is_null(row, 10) ? 0 : store_row_i64(row, 10));
	json_set_str(o, "published_by", store_row_is_null(row, 11) ? NULL : store_row_text(row, 11));
	json_set_str(o, "decided_by", store_row_is_null(row, 12) ? NULL : store_row_text(row, 12));
	json_set_str(o, "programme_name_en", store_row_is_null(row, 13) ? NULL : store_row_text(row, 13));
	json_set_str(o, "institution_name_en", store_row_is_null(row, 14) ? NULL : store_row_text(row, 14));
	return json_array_append_new(l->items, o) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err rule_list_txn(struct ll_tx *tx, void *ctx)
{
	struct rule_list_ctx *l = ctx;
	json_array_clear(l->items);
	struct institution_ctx inst;
	enum ll_err err;
	if (l->programme_id && (err = programme_institution(tx, l->programme_id, &inst)) != LL_OK)
		return err;
	if (l->programme_id)
		return store_exec(tx, &RULE_LIST, SP(SV_TEXT(l->programme_id), SV_TEXT(l->status ? l->status : "")),
				  rule_list_row, l);
	return store_exec(tx, &RULE_QUEUE, SP(SV_TEXT(l->status ? l->status : "pending")), rule_list_row, l);
}

enum ll_err transfer_rule_list(struct ll_store *st, const char *programme_id, const char *status, json_t **ret_page)
{
	if (status && ledger_name_index(rule_statuses, status) < 0)
		return ll_fail(LL_BAD_QUERY, "status", "status is pending, approved or rejected");
	struct rule_list_ctx l = { programme_id, status, json_array() };
	enum ll_err err = store_run(st, STORE_READ, "transfer rule list", rule_list_txn, &l);
	if (err != LL_OK) {
		json_decref(l.items);
		return err;
	}
	*ret_page = json_pack("{s:o}", "items", l.items);
	return LL_OK;
}

/* ---- What the node publishes ---- */

static const struct store_stmt RULES_PUBLISHED = {
	"transfer rules published",
	"SELECT v.rule_id, v.version, p.id, p.code, p.name, p.name_en, i.name, i.name_en, v.body, v.decided_at "
	"FROM transfer_rule_versions v JOIN programmes p ON p.id = v.programme_id "
	"JOIN institutions i ON i.id = p.institution_id WHERE v.status = 'approved' AND v.version = "
	"(SELECT MAX(w.version) FROM transfer_rule_versions w WHERE w.rule_id = v.rule_id AND w.status = 'approved') "
	"ORDER BY p.code, p.id, v.rule_id LIMIT 2000"
};

static enum ll_err published_row(const struct store_row *row, void *ctx)
{
	json_t *body = json_loads(store_row_text(row, 8), 0, NULL);
	/* The peers whose outcomes the rule recognises: every node a condition names, once. */
	json_t *nodes = json_array();
	size_t i, k;
	const json_t *c, *n;
	json_array_foreach (json_object_get(body, "conditions"), i, c)
		json_array_foreach (json_object_get(c, "from_nodes"), k, n) {
			bool is_there = false;
			for (size_t j = 0; j < json_array_size(nodes) && !is_there; j++)
				is_there = json_equal(json_array_get(nodes, j), n);
			if (!is_there)
				json_array_append(nodes, (json_t *)n);
		}
	json_t *o = json_pack("{s:s, s:I, s:{s:s, s:s, s:s, s:s?, s:s, s:s?}, s:o, s:o}", "id", store_row_text(row, 0),
			      "version", (json_int_t)store_row_i64(row, 1), "programme", "id", store_row_text(row, 2), "code",
			      store_row_text(row, 3), "name", store_row_text(row, 4), "name_en",
			      store_row_is_null(row, 5) ? NULL : store_row_text(row, 5), "institution", store_row_text(row, 6),
			      "institution_en", store_row_is_null(row, 7) ? NULL : store_row_text(row, 7), "rule",
			      body ? body : json_object(), "recognises", nodes);
	if (!o)
		return LL_NOMEM;
	json_set_time(o, "approved_at", store_row_is_null(row, 9) ? 0 : store_row_i64(row, 9));
	return json_array_append_new(ctx, o) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err published_txn(struct ll_tx *tx, void *ctx)
{
	json_array_clear(ctx);
	return store_exec(tx, &RULES_PUBLISHED, SP_NONE, published_row, ctx);
}

enum ll_err transfer_rules_published(struct ll_store *st, json_t **ret_items)
{
	json_t *items = json_array();
	enum ll_err err = items ? store_run(st, STORE_READ, "transfer rules published", published_txn, items) : LL_NOMEM;
	if (err != LL_OK) {
		json_decref(items);
		return err;
	}
	*ret_items = items;
	return LL_OK;
}

/* ---- Enrolments ---- */

struct person_id_ctx {
	bool is_found;
	char id[LL_ID_LEN + 1];
};

static enum ll_err person_id_row(const struct store_row *row, void *ctx)
{
	struct person_id_ctx *p = ctx;
	p->is_found = true;
	snprintf(p->id, sizeof(p->id), "%s", store_row_text(row, 0));
	return LL_OK;
}

/* The person of account_no, or the calling person when account_no is NULL, into ret_id. */
enum ll_err transfer_person_of(struct ll_tx *tx, const struct ledger_caller *c, const char *account_no,
			     char ret_id[LL_ID_LEN + 1])
{
	if (!account_no) {
		if (!(c->role & ROLE_CITIZEN) || !c->person_id)
			return ll_fail(LL_MISSING_FIELD, "account_no", "say whose learning account");
		snprintf(ret_id, LL_ID_LEN + 1, "%s", c->person_id);
		return LL_OK;
	}
	struct person_id_ctx p = { 0 };
	enum ll_err err = store_exec(tx, &PERSON_BY_ACCOUNT, SP(SV_TEXT(account_no)), person_id_row, &p);
	if (err != LL_OK)
		return err;
	if (!p.is_found)
		return ll_fail(LL_UNKNOWN_ACCOUNT, "account_no", "no learning account has the number %s", account_no);
	memcpy(ret_id, p.id, LL_ID_LEN + 1);
	return LL_OK;
}

struct enrol_ctx {
	const struct ledger_caller *c;
	const char *programme_id, *account_no;
	const struct audit_actor *actor;
};

static enum ll_err enrol_txn(struct ll_tx *tx, void *ctx)
{
	struct enrol_ctx *x = ctx;
	struct institution_ctx inst;
	enum ll_err err = programme_institution(tx, x->programme_id, &inst);
	if (err != LL_OK)
		return err;
	if (x->account_no && !transfer_is_staff_of(x->c, inst.institution_id))
		return ll_fail(LL_FORBIDDEN, NULL, "a programme's institution enrols its learners");
	char person_id[LL_ID_LEN + 1];
	if ((err = transfer_person_of(tx, x->c, x->account_no, person_id)) != LL_OK)
		return err;
	/* Enrolment lets the institution audit the learner's whole record: it needs the learner's
	 * consent (following the programme themself, or sharing their record with the institution)
	 * or the institution's own deposits for them. */
	if (x->account_no) {
		bool is_known = false;
		if ((err = ledger_institution_knows(tx, person_id, inst.institution_id, &is_known)) != LL_OK)
			return err;
		if (!is_known)
			return ll_fail(LL_FORBIDDEN, "account_no",
				       "the learner has no record from your institution: they follow the programme themselves, "
				       "or share their record with your institution first");
	}
	if ((err = store_exec(tx, &ENROL, SP(SV_TEXT(person_id), SV_TEXT(x->programme_id), SV_TEXT(x->c->user_id),
					       SV_I64(clock_now_us())), NULL, NULL)) != LL_OK)
		return err;
	if (store_changes(tx) == 0)
		return LL_OK;
	return audit_write(tx, x->actor, "programme.enrol", "programme", x->programme_id, person_id);
}

enum ll_err transfer_enrol(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
			   const char *account_no, const struct audit_actor *actor)
{
	struct enrol_ctx x = { c, programme_id, account_no, actor };
	return store_run(st, STORE_WRITE, "enrol", enrol_txn, &x);
}

struct enrolments_ctx {
	const char *person_id;
	struct arena a;
	json_t *items;
};

static enum ll_err enrolment_row(const struct store_row *row, void *ctx)
{
	struct enrolments_ctx *e = ctx;
	struct programme p;
	programme_from_row(row, &e->a, &p);
	json_t *o = json_pack("{s:o}", "programme", programme_head_json(&p));
	json_set_time(o, "enrolled_at", store_row_i64(row, 9));
	return json_array_append_new(e->items, o) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err enrolments_txn(struct ll_tx *tx, void *ctx)
{
	struct enrolments_ctx *e = ctx;
	json_array_clear(e->items);
	return store_exec(tx, &ENROLMENTS, SP(SV_TEXT(e->person_id)), enrolment_row, e);
}

enum ll_err transfer_enrolments(struct ll_store *st, const char *person_id, json_t **ret_page)
{
	struct enrolments_ctx e = { .person_id = person_id, .items = json_array() };
	arena_init(&e.a, 0);
	enum ll_err err = store_run(st, STORE_READ, "enrolments", enrolments_txn, &e);
	arena_release(&e.a);
	if (err != LL_OK) {
		json_decref(e.items);
		return err;
	}
	*ret_page = json_pack("{s:o}", "items", e.items);
	return LL_OK;
}

/* ---- Audits ---- */

struct person_ctx {
	bool is_found;
	struct arena *a;
	const char *account_no, *name;
};

static enum ll_err person_row(const struct store_row *row, void *ctx)
{
	struct person_ctx *p = ctx;
	p->is_found = true;
	p->account_no = arena_strdup(p->a, store_row_text(row, 0));
	p->name = arena_strdup(p->a, store_row_text(row, 1));
	return LL_OK;
}

static const struct store_stmt EXTERNAL = {
	"transfer external outcomes",
	"SELECT x.id, x.node_id, x.kind, x.title, x.code, x.level, x.credits_milli, x.hours_milli, x.result_kind, "
	"x.result, x.awarded_on FROM external_outcomes x JOIN federation_peers p ON p.node_id = x.node_id "
	"AND p.status = 'active' WHERE x.person_id = $1 ORDER BY x.awarded_on, x.id"
};

struct outcomes_ctx {
	struct arena *a;
	struct audit_outcome *items;
	int n, cap;
};

static int64_t opt_i64(const struct store_row *row, int col)
{
	return store_row_is_null(row, col) ? -1 : store_row_i64(row, col);
}

static enum ll_err external_row(const struct store_row *row, void *ctx)
{
	struct outcomes_ctx *o = ctx;
	enum outcome_kind kind;
	if (!outcome_kind_parse(store_row_text(row, 2), &kind))
		return LL_OK;   /* a kind this node does not know counts for nothing here */
	if (o->n == o->cap) {
		int cap = o->cap ? 2 * o->cap : 64;
		struct audit_outcome *more = arena_alloc(o->a, sizeof(*more) * (size_t)cap);
		if (!more)
			return LL_NOMEM;
		if (o->n)
			memcpy(more, o->items, sizeof(*more) * (size_t)o->n);
		o->items = more;
		o->cap = cap;
	}
	int rk = store_row_is_null(row, 8) ? -1 : ledger_name_index(result_kinds, store_row_text(row, 8));
	o->items[o->n++] = (struct audit_outcome){
		.id = arena_strdup(o->a, store_row_text(row, 0)), .node_id = arena_strdup(o->a, store_row_text(row, 1)),
		.kind = kind, .title = arena_strdup(o->a, store_row_text(row, 3)),
		.code = store_row_is_null(row, 4) ? NULL : arena_strdup(o->a, store_row_text(row, 4)),
		.level = opt_i64(row, 5), .credits_milli = opt_i64(row, 6), .hours_milli = opt_i64(row, 7),
		.result_kind = rk < 0 ? RESULT_NONE : (enum result_kind)rk,
		.result = store_row_is_null(row, 9) ? NULL : arena_strdup(o->a, store_row_text(row, 9)),
		.awarded_on = arena_strdup(o->a, store_row_text(row, 10))
	};
	return LL_OK;
}

enum ll_err transfer_person_outcomes(struct ll_tx *tx, const char *person_id, struct arena *a,
				     struct audit_outcome **ret, int *ret_n)
{
	struct ledger_entry *entries;
	int n;
	enum ll_err err = ledger_current_outcomes(tx, person_id, a, &entries, &n);
	if (err != LL_OK)
		return err;
	struct outcomes_ctx o = { .a = a, .cap = n + 16 };
	o.items = arena_alloc(a, sizeof(*o.items) * (size_t)o.cap);
	if (!o.items)
		return LL_NOMEM;
	/* Credit a transfer granted is the transfer's, not an outcome of its own. */
	for (int i = 0; i < n; i++) {
		const struct outcome *x = &entries[i].o;
		if (entries[i].transfer_item_id)
			continue;
		o.items[o.n++] = (struct audit_outcome){ .id = entries[i].outcome_id, .kind = x->kind, .title = x->title,
							 .code = x->code, .level = x->level,
							 .credits_milli = x->credits_milli, .hours_milli = x->hours_milli,
							 .result_kind = x->result_kind, .result = x->result,
							 .awarded_on = x->awarded_on };
	}
	err = store_exec(tx, &EXTERNAL, SP(SV_TEXT(person_id)), external_row, &o);
	if (err == LL_OK) {
		*ret = o.items;
		*ret_n = o.n;
	}
	return err;
}

const struct audit_outcome *transfer_outcome_find(const struct audit_outcome *outcomes, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(outcomes[i].id, id) == 0)
			return &outcomes[i];
	return NULL;
}

/* One audit inside tx against a programme loaded with its rules. */
enum ll_err transfer_audit_one(struct ll_tx *tx, const struct programme *p, const struct rules_ctx *rules,
			     const char *person_id, const char *as_of, struct arena *a, json_t **ret_report)
{
	struct person_ctx who = { .a = a };
	enum ll_err err = store_exec(tx, &PERSON_EXISTS, SP(SV_TEXT(person_id)), person_row, &who);
	if (err != LL_OK)
		return err;
	if (!who.is_found)
		return ll_fail(LL_NOT_FOUND, NULL, "no person %s", person_id);
	struct audit_outcome *outcomes;
	int n_outcomes;
	if ((err = transfer_person_outcomes(tx, person_id, a, &outcomes, &n_outcomes)) != LL_OK)
		return err;
	struct transfer_rule *fit = arena_alloc(a, sizeof(*fit) * (size_t)(rules->n ? rules->n : 1));
	if (!fit)
		return LL_NOMEM;
	struct audit_transfer *transfers = NULL;
	int n_transfers = 0;
	if ((err = transfer_items_load(tx, person_id, p->id, a, &transfers, &n_transfers)) != LL_OK)
		return err;
	int n_fit = 0;
	json_t *unfit = json_array();
	for (int i = 0; i < rules->n; i++) {
		const struct stored_rule *r = &rules->rules[i];
		if (r->is_fit)
			fit[n_fit++] = r->rule;
		else
			json_array_append_new(unfit, json_pack("{s:s, s:i, s:s}", "id", r->id, "version", r->version, "reason",
								r->why_unfit));
	}
	struct audit_input in = { .plan = &p->plan, .rules = fit, .n_rules = n_fit, .outcomes = outcomes,
				  .n_outcomes = n_outcomes, .transfers = transfers, .n_transfers = n_transfers,
				  .as_of = as_of, .scratch = a };
	json_t *report;
	if ((err = transfer_audit(&in, &report)) != LL_OK) {
		json_decref(unfit);
		return err;
	}
	json_t *programme = programme_head_json(p);
	json_object_set_new(report, "programme", programme);
	json_object_set_new(report, "person",
			    json_pack("{s:s, s:s, s:s}", "id", person_id, "account_no", who.account_no, "name", who.name));
	json_object_set_new(report, "unfit_rules", unfit);
	*ret_report = report;
	return LL_OK;
}

struct audit_ctx {
	const struct ledger_caller *c;
	const char *programme_id, *account_no, *as_of;
	struct arena a;
	json_t *report;
	/* cohort */
	enum ll_err (*on_report)(void *ctx, const char *person_id, json_t *report);
	void *on_ctx;
	char after[LL_ID_LEN + 1];
	const char **page;
	int n_page;
};

/* The programme and its approved rules into p and rules; *root holds the plan's strings. */
static enum ll_err audit_setup(struct ll_tx *tx, struct audit_ctx *x, struct programme *p, json_t **root,
			       struct rules_ctx *rules)
{
	enum ll_err err = transfer_programme_load(tx, x->programme_id, &x->a, p, root);
	if (err != LL_OK)
		return err;
	*rules = (struct rules_ctx){ .a = &x->a, .plan = &p->plan, .is_approved_only = true };
	return transfer_rules_load(tx, x->programme_id, rules);
}

static enum ll_err audit_txn(struct ll_tx *tx, void *ctx)
{
	struct audit_ctx *x = ctx;
	struct programme p;
	json_t *root = NULL;
	struct rules_ctx rules = { 0 };
	json_decref(x->report);
	x->report = NULL;
	arena_reset(&x->a);
	enum ll_err err = audit_setup(tx, x, &p, &root, &rules);
	if (err != LL_OK)
		goto out;
	char person_id[LL_ID_LEN + 1];
	if (x->account_no && !transfer_is_staff_of(x->c, p.institution_id)) {
		err = ll_fail(LL_FORBIDDEN, NULL, "a programme's institution audits its learners");
		goto out;
	}
	if ((err = transfer_person_of(tx, x->c, x->account_no, person_id)) != LL_OK)
		goto out;
	if (x->account_no) {
		bool is_enrolled = false;
		if ((err = store_exec(tx, &ENROLLED, SP(SV_TEXT(person_id), SV_TEXT(x->programme_id)), transfer_found_row,
				      &is_enrolled)) != LL_OK)
			goto out;
		if (!is_enrolled) {
			err = ll_fail(LL_NOT_FOUND, "account_no", "the programme has not enrolled %s", x->account_no);
			goto out;
		}
	}
	err = transfer_audit_one(tx, &p, &rules, person_id, x->as_of, &x->a, &x->report);
out:
	transfer_rules_release(&rules);
	json_decref(root);
	return err;
}

void transfer_today(char out[11])
{
	clock_format_date(clock_now_us(), out);
}

enum ll_err transfer_audit_person(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
				  const char *account_no, const char *as_of, json_t **ret_report)
{
	char now[11];
	transfer_today(now);
	struct audit_ctx x = { .c = c, .programme_id = programme_id, .account_no = account_no,
			       .as_of = as_of ? as_of : now };
	arena_init(&x.a, 0);
	enum ll_err err = store_run(st, STORE_READ, "transfer audit", audit_txn, &x);
	arena_release(&x.a);
	if (err != LL_OK) {
		json_decref(x.report);
		return err;
	}
	*ret_report = x.report;
	return LL_OK;
}

static enum ll_err cohort_row(const struct store_row *row, void *ctx)
{
	struct audit_ctx *x = ctx;
	return (x->page[x->n_page++] = arena_strdup(&x->a, store_row_text(row, 0))) ? LL_OK : LL_NOMEM;
}

/* The programme and its approved rules as the cohort's audits all take them, loaded once. */
struct cohort_setup {
	struct audit_ctx *x;
	struct arena a;
	struct programme p;
	json_t *root;
	struct rules_ctx rules;
};

static enum ll_err cohort_setup_txn(struct ll_tx *tx, void *ctx)
{
	struct cohort_setup *c = ctx;
	transfer_rules_release(&c->rules);
	json_decref(c->root);
	c->root = NULL;
	arena_reset(&c->a);
	enum ll_err err = transfer_programme_load(tx, c->x->programme_id, &c->a, &c->p, &c->root);
	if (err != LL_OK)
		return err;
	c->rules = (struct rules_ctx){ .a = &c->a, .plan = &c->p.plan, .is_approved_only = true };
	return transfer_rules_load(tx, c->x->programme_id, &c->rules);
}

struct cohort_page {
	struct audit_ctx *x;
	struct cohort_setup *setup;
};

/* One page of the cohort, audited in one read transaction. */
static enum ll_err cohort_txn(struct ll_tx *tx, void *ctx)
{
	struct cohort_page *c = ctx;
	struct audit_ctx *x = c->x;
	arena_reset(&x->a);
	x->n_page = 0;
	if (!(x->page = arena_alloc(&x->a, sizeof(*x->page) * COHORT_PAGE)))
		return LL_NOMEM;
	enum ll_err err = store_exec(tx, &COHORT, SP(SV_TEXT(x->programme_id), SV_TEXT(x->after), SV_I64(COHORT_PAGE)),
				     cohort_row, x);
	struct arena one;
	arena_init(&one, 0);
	for (int i = 0; i < x->n_page && err == LL_OK; i++) {
		json_t *report = NULL;
		arena_reset(&one);
		if ((err = transfer_audit_one(tx, &c->setup->p, &c->setup->rules, x->page[i], x->as_of, &one, &report)) ==
		    LL_OK)
			err = x->on_report(x->on_ctx, x->page[i], report);
		json_decref(report);
	}
	arena_release(&one);
	if (err == LL_OK && x->n_page > 0)
		snprintf(x->after, sizeof(x->after), "%s", x->page[x->n_page - 1]);
	return err;
}

enum ll_err transfer_audit_cohort(struct ll_store *st, const char *programme_id, const char *as_of,
				  enum ll_err (*on_report)(void *ctx, const char *person_id, json_t *report), void *ctx)
{
	char now[11];
	transfer_today(now);
	struct audit_ctx x = { .programme_id = programme_id, .as_of = as_of ? as_of : now, .on_report = on_report,
			       .on_ctx = ctx };
	struct cohort_setup setup = { .x = &x };
	struct cohort_page page = { &x, &setup };
	arena_init(&x.a, 0);
	arena_init(&setup.a, 0);
	/* Every learner is audited against the same plan and rule versions, whatever is published
	 * while the cohort runs. */
	enum ll_err err = store_run(st, STORE_READ, "transfer cohort setup", cohort_setup_txn, &setup);
	while (err == LL_OK) {
		err = store_run(st, STORE_READ, "transfer cohort audit", cohort_txn, &page);
		if (x.n_page < COHORT_PAGE)
			break;
	}
	transfer_rules_release(&setup.rules);
	json_decref(setup.root);
	arena_release(&setup.a);
	arena_release(&x.a);
	return err;
}

/* ---- What a learner's outcomes count toward ---- */

static const struct store_stmt PROGRAMMES_FOR = {
	"programmes for a learner",
	"SELECT p.id, (SELECT COUNT(*) FROM enrolments e WHERE e.person_id = $1 AND e.programme_id = p.id) "
	"FROM programmes p ORDER BY p.id LIMIT 500"
};

struct options_ctx {
	const struct ledger_caller *c;
	struct arena a;
	json_t *items;
	const char **ids;
	bool *is_enrolled;
	int n;
};

static enum ll_err programme_id_row(const struct store_row *row, void *ctx)
{
	struct options_ctx *x = ctx;
	x->is_enrolled[x->n] = store_row_i64(row, 1) > 0;
	return (x->ids[x->n++] = arena_strdup(&x->a, store_row_text(row, 0))) ? LL_OK : LL_NOMEM;
}

static int by_available(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t ax = json_integer_value(json_object_get(x, "available_milli"));
	json_int_t ay = json_integer_value(json_object_get(y, "available_milli"));
	if (ax != ay)
		return ax > ay ? -1 : 1;
	json_int_t ex = json_integer_value(json_object_get(x, "earned_milli"));
	json_int_t ey = json_integer_value(json_object_get(y, "earned_milli"));
	return ex > ey ? -1 : ex < ey ? 1 : 0;
}

static enum ll_err options_txn(struct ll_tx *tx, void *ctx)
{
	struct options_ctx *x = ctx;
	char person_id[LL_ID_LEN + 1], day[11];
	arena_reset(&x->a);
	json_array_clear(x->items);
	x->n = 0;
	enum ll_err err = transfer_person_of(tx, x->c, NULL, person_id);
	if (err != LL_OK)
		return err;
	x->ids = arena_alloc(&x->a, sizeof(*x->ids) * 500);
	x->is_enrolled = arena_alloc(&x->a, sizeof(*x->is_enrolled) * 500);
	if (!x->ids || !x->is_enrolled)
		return LL_NOMEM;
	if ((err = store_exec(tx, &PROGRAMMES_FOR, SP(SV_TEXT(person_id)), programme_id_row, x)) != LL_OK)
		return err;
	transfer_today(day);
	json_t **summaries = arena_alloc(&x->a, sizeof(*summaries) * (size_t)(x->n ? x->n : 1));
	int n_summaries = 0;
	for (int i = 0; i < x->n && err == LL_OK; i++) {
		struct programme p;
		json_t *root = NULL, *report = NULL;
		struct rules_ctx rules = { .a = &x->a, .is_approved_only = true };
		if ((err = transfer_programme_load(tx, x->ids[i], &x->a, &p, &root)) == LL_OK) {
			rules.plan = &p.plan;
			if ((err = transfer_rules_load(tx, p.id, &rules)) == LL_OK)
				err = transfer_audit_one(tx, &p, &rules, person_id, day, &x->a, &report);
		}
		if (err == LL_OK) {
			json_t *credits = json_object_get(report, "credits");
			int counts[5] = { 0 };
			static const char *const statuses[] = { "completed", "transferred", "pending", "available", "missing",
								NULL };
			size_t k;
			json_t *c;
			json_array_foreach(json_object_get(report, "courses"), k, c) {
				int s = ledger_name_index(statuses, json_string_value(json_object_get(c, "status")));
				if (s >= 0)
					counts[s]++;
			}
			json_t *o = json_pack("{s:O, s:b, s:O, s:O, s:O, s:O, s:O, s:{s:i, s:i, s:i, s:i, s:i}}", "programme",
					      json_object_get(report, "programme"), "is_enrolled", x->is_enrolled[i],
					      "earned_milli", json_object_get(credits, "earned_milli"), "pending_milli",
					      json_object_get(credits, "pending_milli"), "available_milli",
					      json_object_get(credits, "available_milli"), "total_required_milli",
					      json_object_get(credits, "total_required_milli"), "is_complete_with_transfers",
					      json_object_get(report, "is_complete_with_transfers"), "courses", "completed",
					      counts[0], "transferred", counts[1], "pending", counts[2], "available", counts[3],
					      "missing", counts[4]);
			if (o)
				summaries[n_summaries++] = o;
		}
		transfer_rules_release(&rules);
		json_decref(report);
		json_decref(root);
	}
	qsort(summaries, (size_t)n_summaries, sizeof(*summaries), by_available);
	for (int i = 0; i < n_summaries; i++)
		json_array_append_new(x->items, summaries[i]);
	return err;
}

enum ll_err transfer_options(struct ll_store *st, const struct ledger_caller *c, json_t **ret_page)
{
	struct options_ctx x = { .c = c, .items = json_array() };
	arena_init(&x.a, 0);
	enum ll_err err = store_run(st, STORE_READ, "transfer options", options_txn, &x);
	arena_release(&x.a);
	if (err != LL_OK) {
		json_decref(x.items);
		return err;
	}
	*ret_page = json_pack("{s:o}", "items", x.items);
	return LL_OK;
}

/* ---- The learners of a programme ---- */

struct learners_ctx {
	const struct ledger_caller *c;
	const char *programme_id, *after;
	int limit;
	json_t *items;
	char last[LL_ID_LEN + 1];
};

static enum ll_err learner_row(const struct store_row *row, void *ctx)
{
	struct learners_ctx *l = ctx;
	json_t *o = json_pack("{s:s, s:s}", "account_no", store_row_text(row, 1), "name", store_row_text(row, 2));
	if (!o)
		return LL_NOMEM;
	json_set_time(o, "enrolled_at", store_row_i64(row, 3));
	snprintf(l->last, sizeof(l->last), "%s", store_row_text(row, 0));
	return json_array_append_new(l->items, o) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err learners_txn(struct ll_tx *tx, void *ctx)
{
	struct learners_ctx *l = ctx;
	struct institution_ctx inst;
	json_array_clear(l->items);
	l->last[0] = '\0';
	enum ll_err err = programme_institution(tx, l->programme_id, &inst);
	if (err != LL_OK)
		return err;
	if (!transfer_is_staff_of(l->c, inst.institution_id))
		return ll_fail(LL_FORBIDDEN, NULL, "a programme's institution lists its learners");
	return store_exec(tx, &LEARNERS, SP(SV_TEXT(l->programme_id), SV_TEXT(l->after ? l->after : ""), SV_I64(l->limit)),
			  learner_row, l);
}

enum ll_err transfer_learners(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
			      const char *after, int limit, json_t **ret_page)
{
	struct learners_ctx l = { .c = c, .programme_id = programme_id, .after = after, .limit = limit, .items = json_array() };
	enum ll_err err = store_run(st, STORE_READ, "programme learners", learners_txn, &l);
	if (err != LL_OK) {
		json_decref(l.items);
		return err;
	}
	json_t *page = json_pack("{s:o}", "items", l.items);
	json_object_set_new(page, "next", (int)json_array_size(l.items) == limit && l.last[0] ? json_string(l.last) : json_null());
	*ret_page = page;
	return LL_OK;
}

struct unfollow_ctx {
	const struct ledger_caller *c;
	const char *programme_id;
	const struct audit_actor *actor;
};

static enum ll_err unfollow_txn(struct ll_tx *tx, void *ctx)
{
	struct unfollow_ctx *u = ctx;
	enum ll_err err = store_exec(tx, &UNFOLLOW, SP(SV_TEXT(u->c->person_id), SV_TEXT(u->programme_id)), NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) != 1)
		return ll_fail(LL_NOT_FOUND, NULL, "you do not follow programme %s", u->programme_id);
	return audit_write(tx, u->actor, "programme.unfollow", "programme", u->programme_id, u->c->person_id);
}

enum ll_err transfer_unfollow(struct ll_store *st, const struct ledger_caller *c, const char *programme_id,
			      const struct audit_actor *actor)
{
	if (!(c->role & ROLE_CITIZEN) || !c->person_id)
		return ll_fail(LL_FORBIDDEN, NULL, "a learner stops following a programme themself");
	struct unfollow_ctx u = { c, programme_id, actor };
	return store_run(st, STORE_WRITE, "unfollow", unfollow_txn, &u);
}
