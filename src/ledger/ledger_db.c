/*
 * SQL of the credit bank's workflow: evidence files, submissions and their review, and the ledger
 * entries a stored submission, a correction or a revocation appends (through log_db.c). Every
 * check runs inside the transaction that writes, so that a failed check leaves nothing behind.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/roles.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../base/id.h"
#include "../org/org.h"
#include "ledger_db.h"

/* ---- Statements ---- */

static const struct store_stmt PERSON_BY_ACCOUNT = {
	"ledger person by account", "SELECT id, district_code FROM persons WHERE account_no = $1"
};
static const struct store_stmt PERSON_DISTRICT = {
	"ledger person district", "SELECT district_code FROM persons WHERE id = $1"
};
static const struct store_stmt INSTITUTION_TYPE = {
	"ledger institution type", "SELECT type FROM institutions WHERE id = $1"
};
static const struct store_stmt SHARE_EXISTS = {
	"ledger share exists", "SELECT 1 FROM record_shares WHERE person_id = $1 AND institution_id = $2"
};
static const struct store_stmt EVIDENCE_INSERT = {
	"evidence insert",
	"INSERT INTO evidence (id, institution_id, sha256, size, media_type, name, data, created_by, created_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
};
static const struct store_stmt EVIDENCE_OF_INSTITUTION = {
	"evidence sha256", "SELECT sha256 FROM evidence WHERE id = $1 AND institution_id = $2"
};
static const struct store_stmt EVIDENCE_GET = {
	"evidence get",
	"SELECT institution_id, media_type, name, data, "
	"(SELECT COUNT(*) FROM submissions s WHERE s.evidence_id = evidence.id AND s.person_id = $2) "
	"FROM evidence WHERE id = $1"
};

#define SUB_CONTENT                                                                                       \
	"kind, title, code, level, credits_milli, hours_milli, result_kind, result, started_on, awarded_on, " \
	"certificate_no, evidence_id, external_id"
#define SUB_COLS                                                                                             \
	"s.id, s.op, s.person_id, s.institution_id, s.outcome_id, s.kind, s.title, s.code, s.level, "        \
	"s.credits_milli, s.hours_milli, s.result_kind, s.result, s.started_on, s.awarded_on, "              \
	"s.certificate_no, s.evidence_id, s.external_id, s.standard_version, s.status, s.reason, "           \
	"s.submitted_by, s.submitted_at, s.decided_by, s.decided_at, s.decision_reason, s.entry_id, "        \
	"p.account_no, p.name, i.name, ev.sha256, i.name_en, " HEAD_OF("op") ", " HEAD_OF("id")
/* A column of the current entry of the submission's outcome (NULL until it is stored). */
#define HEAD_OF(col)                                                                                   \
	"(SELECT h." col " FROM ledger_entries h WHERE h.outcome_id = s.outcome_id AND NOT EXISTS "      \
	"(SELECT 1 FROM ledger_entries n WHERE n.supersedes = h.id))"
#define SUB_FROM                                                                                   \
	" FROM submissions s JOIN persons p ON p.id = s.person_id JOIN institutions i ON i.id = s.institution_id" \
	" LEFT JOIN evidence ev ON ev.id = s.evidence_id"

static const struct store_stmt SUB_INSERT = {
	"submission insert",
	"INSERT INTO submissions (id, op, person_id, institution_id, outcome_id, " SUB_CONTENT ", standard_version, "
	"status, reason, submitted_by, submitted_at, decided_at, entry_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
	"$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) ON CONFLICT DO NOTHING"
};
static const struct store_stmt SUB_BY_EXTERNAL = {
	"submission by external id", "SELECT " SUB_COLS SUB_FROM " WHERE s.institution_id = $1 AND s.external_id = $2"
};
static const struct store_stmt SUB_BY_ID = { "submission by id", "SELECT " SUB_COLS SUB_FROM " WHERE s.id = $1" };
static const struct store_stmt SUB_DECIDE = {
	"submission decide",
	"UPDATE submissions SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5, entry_id = $6 "
	"WHERE id = $1 AND status = 'pending'"
};
static const struct store_stmt SUB_RESUBMIT = {
	"submission resubmit",
	"UPDATE submissions SET kind = $2, title = $3, code = $4, level = $5, credits_milli = $6, hours_milli = $7, "
	"result_kind = $8, result = $9, started_on = $10, awarded_on = $11, certificate_no = $12, evidence_id = $13, "
	"standard_version = $14, status = $15, submitted_by = $16, submitted_at = $17, decided_by = NULL, "
	"decided_at = $18, decision_reason = NULL, entry_id = $19, outcome_id = COALESCE(outcome_id, $19) "
	"WHERE id = $1 AND status = 'returned'"
};
/* The filters are "'' means any": one cached statement serves every combination. */
/* Oldest first is by the time of (re)submission, the cursor the last id of the page before. */
static const struct store_stmt SUB_LIST_OLDEST = {
	"submission list oldest",
	"SELECT " SUB_COLS SUB_FROM " WHERE ($1 = '' OR s.status = $1) AND ($2 = '' OR s.kind = $2) "
	"AND ($3 = '' OR s.institution_id = $3) AND ($4 = '' OR s.person_id = $4) AND ($5 = '' OR "
	"s.submitted_at > (SELECT c.submitted_at FROM submissions c WHERE c.id = $5) OR "
	"(s.submitted_at = (SELECT c.submitted_at FROM submissions c WHERE c.id = $5) AND s.id > $5)) "
	"ORDER BY s.submitted_at, s.id LIMIT $6"
};
static const struct store_stmt SUB_LIST_NEWEST = {
	"submission list newest",
	"SELECT " SUB_COLS SUB_FROM " WHERE ($1 = '' OR s.status = $1) AND ($2 = '' OR s.kind = $2) "
	"AND ($3 = '' OR s.institution_id = $3) AND ($4 = '' OR s.person_id = $4) AND ($5 = '' OR s.id < $5) "
	"ORDER BY s.id DESC LIMIT $6"
};
static const struct store_stmt OUTCOME_HEAD = {
	"ledger outcome head",
	"SELECT " ENTRY_COLS " FROM ledger_entries e WHERE e.outcome_id = $1 AND NOT EXISTS "
	"(SELECT 1 FROM ledger_entries n WHERE n.supersedes = e.id)"
};

/* ---- Small helpers ---- */

static bool is_role(const struct ledger_caller *c, unsigned mask)
{
	return (c->role & mask) != 0;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static struct store_val opt_i64(int64_t v)
{
	return v < 0 ? SV_NULL : SV_I64(v);
}

struct text_row {
	struct arena *a;
	const char *text;
	bool is_found;
};

static enum ll_err text_row(const struct store_row *row, void *ctx)
{
	struct text_row *t = ctx;
	t->text = arena_strdup(t->a, store_row_text(row, 0));
	t->is_found = true;
	return LL_OK;
}

/* ---- Who may read what ---- */

static enum ll_err exists_row(const struct store_row *row, void *ctx)
{
	(void)row;
	*(bool *)ctx = true;
	return LL_OK;
}

enum ll_err ledger_may_read(struct ll_tx *tx, const struct ledger_caller *c, const char *person_id,
			    const char *institution_id, bool *ret_ok)
{
	*ret_ok = false;
	if (is_role(c, ROLE_REVIEWER | ROLE_CITY_ADMIN | ROLE_AUDITOR)) {
		*ret_ok = true;
		return LL_OK;
	}
	if (is_role(c, ROLE_CITIZEN)) {
		*ret_ok = same(c->person_id, person_id);
		return LL_OK;
	}
	if (is_role(c, ROLE_DISTRICT_ADMIN)) {
		struct arena a;
		arena_init(&a, 4096);
		struct text_row t = { .a = &a };
		enum ll_err err = store_exec(tx, &PERSON_DISTRICT, SP(SV_TEXT(person_id)), text_row, &t);
		*ret_ok = err == LL_OK && t.is_found && same(t.text, c->district_code);
		arena_release(&a);
		return err;
	}
	if (is_role(c, ROLE_STAFF | ROLE_INSTITUTION_ADMIN) && c->institution_id) {
		if (institution_id && strcmp(institution_id, c->institution_id) == 0) {
			*ret_ok = true;
			return LL_OK;
		}
		return store_exec(tx, &SHARE_EXISTS, SP(SV_TEXT(person_id), SV_TEXT(c->institution_id)), exists_row, ret_ok);
	}
	return LL_OK;
}

/* ---- Evidence ---- */

struct evidence_store_ctx {
	const struct ledger_caller *c;
	const void *data;
	size_t len;
	const char *media_type, *name, *id;
	char sha[65];
	const struct audit_actor *actor;
};

static enum ll_err evidence_store_txn(struct ll_tx *tx, void *ctx)
{
	struct evidence_store_ctx *e = ctx;
	enum ll_err err = store_exec(tx, &EVIDENCE_INSERT,
				     SP(SV_TEXT(e->id), SV_TEXT(e->c->institution_id), SV_TEXT(e->sha),
					SV_I64((int64_t)e->len), SV_TEXT(e->media_type), SV_TEXT(e->name),
					SV_BLOB(e->data, e->len), SV_TEXT(e->c->user_id), SV_I64(clock_now_us())),
				     NULL, NULL);
	if (err != LL_OK)
		return err;
	return audit_write(tx, e->actor, "evidence.upload", "evidence", e->id, e->sha);
}

enum ll_err evidence_store(struct ll_store *st, const struct ledger_caller *c, const void *data, size_t len,
			   const char *media_type, const char *name, const struct audit_actor *actor,
			   struct arena *a, const char **ret_id, char ret_sha256[65])
{
	if (!c->institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "evidence is uploaded by the staff of a depositing institution");
	if (len == 0)
		return ll_fail(LL_MISSING_FIELD, "file", "the evidence file is empty");
	if (len > OUTCOME_EVIDENCE_MAX)
		return ll_fail(LL_BODY_TOO_LARGE, "file", "evidence files are at most %d MiB", OUTCOME_EVIDENCE_MAX >> 20);
	ll_id id;
	id_new(&id);
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, data, len);
	struct evidence_store_ctx e = { .c = c, .data = data, .len = len, .media_type = media_type, .name = name,
					.id = id.s, .actor = actor };
	crypto_hex(digest, sizeof(digest), e.sha);
	enum ll_err err = store_run(st, STORE_WRITE, "evidence upload", evidence_store_txn, &e);
	if (err == LL_OK) {
		*ret_id = arena_strdup(a, id.s);
		memcpy(ret_sha256, e.sha, 65);
	}
	return err;
}

struct evidence_load_ctx {
	const struct ledger_caller *c;
	const char *id;
	struct arena *a;
	const void *data;
	size_t len;
	const char *media_type, *name, *institution_id;
	int64_t own_submissions;
	bool is_found;
};

static enum ll_err evidence_row(const struct store_row *row, void *ctx)
{
	struct evidence_load_ctx *e = ctx;
	size_t len;
	const void *p = store_row_blob(row, 3, &len);
	e->institution_id = arena_strdup(e->a, store_row_text(row, 0));
	e->media_type = arena_strdup(e->a, store_row_text(row, 1));
	e->name = ledger_col_text(e->a, row, 2);
	e->data = arena_memdup(e->a, p, len);
	e->len = len;
	e->own_submissions = store_row_i64(row, 4);
	e->is_found = e->data != NULL || len == 0;
	return e->data || len == 0 ? LL_OK : LL_ARENA_FULL;
}

static enum ll_err evidence_load_txn(struct ll_tx *tx, void *ctx)
{
	struct evidence_load_ctx *e = ctx;
	e->is_found = false;
	enum ll_err err = store_exec(tx, &EVIDENCE_GET, SP(SV_TEXT(e->id), SV_TEXT(e->c->person_id ? e->c->person_id : "")),
				     evidence_row, e);
	if (err != LL_OK)
		return err;
	bool is_ok = e->is_found &&
		     (is_role(e->c, ROLE_REVIEWER | ROLE_CITY_ADMIN | ROLE_AUDITOR) ||
		      (e->c->institution_id && strcmp(e->c->institution_id, e->institution_id) == 0) ||
		      (is_role(e->c, ROLE_CITIZEN) && e->own_submissions > 0));
	return is_ok ? LL_OK : ll_fail(LL_NOT_FOUND, NULL, "no evidence file with this id");
}

enum ll_err evidence_load(struct ll_store *st, const struct ledger_caller *c, const char *id, struct arena *a,
			  const void **ret_data, size_t *ret_len, const char **ret_media_type, const char **ret_name)
{
	struct evidence_load_ctx e = { .c = c, .id = id, .a = a };
	enum ll_err err = store_run(st, STORE_READ, "evidence", evidence_load_txn, &e);
	if (err == LL_OK) {
		*ret_data = e.data;
		*ret_len = e.len;
		*ret_media_type = e.media_type;
		*ret_name = e.name;
	}
	return err;
}

/* ---- Submissions ---- */

/* A submission as read back: its content as an outcome, and its workflow columns. */
struct submission {
	const char *id;
	const char *op;
	const char *outcome_id;
	struct outcome o;
	int standard_version;
	enum submission_status status;
	const char *reason;
	const char *submitted_by;
	int64_t submitted_at;
	const char *decided_by;
	int64_t decided_at;
	const char *decision_reason;
	const char *entry_id;
	const char *person_name;
	const char *institution_name, *institution_name_en;
	const char *outcome_op;       /* op of the outcome's current entry: deposit, correct, revoke */
	const char *current_entry_id;
};

static enum ll_err submission_from_row(const struct store_row *row, struct arena *a, struct submission *ret)
{
	struct submission s = { 0 };
	outcome_init(&s.o);
	s.id = ledger_col_text(a, row, 0);
	s.op = ledger_col_text(a, row, 1);
	s.o.person_id = ledger_col_text(a, row, 2);
	s.o.institution_id = ledger_col_text(a, row, 3);
	s.outcome_id = ledger_col_text(a, row, 4);
	int kind = ledger_name_index(outcome_kinds, store_row_text(row, 5));
	int rk = store_row_is_null(row, 11) ? 0 : ledger_name_index(result_kinds, store_row_text(row, 11));
	int status = ledger_name_index(submission_statuses, store_row_text(row, 19));
	if (kind < 0 || rk < 0 || status < 0)
		return ll_fail(LL_STORE, NULL, "a stored submission has an unknown kind or status");
	s.o.kind = (enum outcome_kind)kind;
	s.o.title = ledger_col_text(a, row, 6);
	s.o.code = ledger_col_text(a, row, 7);
	s.o.level = ledger_col_i64(row, 8);
	s.o.credits_milli = ledger_col_i64(row, 9);
	s.o.hours_milli = ledger_col_i64(row, 10);
	s.o.result_kind = (enum result_kind)rk;
	s.o.result = ledger_col_text(a, row, 12);
	s.o.started_on = ledger_col_text(a, row, 13);
	s.o.awarded_on = ledger_col_text(a, row, 14);
	s.o.certificate_no = ledger_col_text(a, row, 15);
	s.o.evidence_id = ledger_col_text(a, row, 16);
	s.o.external_id = ledger_col_text(a, row, 17);
	s.standard_version = (int)store_row_i64(row, 18);
	s.status = (enum submission_status)status;
	s.reason = ledger_col_text(a, row, 20);
	s.submitted_by = ledger_col_text(a, row, 21);
	s.submitted_at = store_row_i64(row, 22);
	s.decided_by = ledger_col_text(a, row, 23);
	s.decided_at = store_row_is_null(row, 24) ? 0 : store_row_i64(row, 24);
	s.decision_reason = ledger_col_text(a, row, 25);
	s.entry_id = ledger_col_text(a, row, 26);
	s.o.account_no = ledger_col_text(a, row, 27);
	s.person_name = ledger_col_text(a, row, 28);
	s.institution_name = ledger_col_text(a, row, 29);
	s.o.evidence_sha256 = ledger_col_text(a, row, 30);
	s.institution_name_en = ledger_col_text(a, row, 31);
	s.outcome_op = ledger_col_text(a, row, 32);
	s.current_entry_id = ledger_col_text(a, row, 33);
	*ret = s;
	return LL_OK;
}

/* The outcome's content as API JSON (shared by submissions; entries have entry_json). */
static void outcome_json_into(json_t *o, const struct outcome *x)
{
	json_set_str(o, "kind", outcome_kinds[x->kind]);
	json_set_str(o, "title", x->title);
	json_set_str(o, "code", x->code);
	json_object_set_new(o, "level", x->level < 0 ? json_null() : json_integer(x->level));
	json_object_set_new(o, "credits_milli", x->credits_milli < 0 ? json_null() : json_integer(x->credits_milli));
	json_object_set_new(o, "hours_milli", x->hours_milli < 0 ? json_null() : json_integer(x->hours_milli));
	json_set_str(o, "result_kind", x->result_kind == RESULT_NONE ? NULL : result_kinds[x->result_kind]);
	json_set_str(o, "result", x->result);
	json_set_str(o, "started_on", x->started_on);
	json_set_str(o, "awarded_on", x->awarded_on);
	json_set_str(o, "certificate_no", x->certificate_no);
	json_set_str(o, "evidence_id", x->evidence_id);
	json_set_str(o, "evidence_sha256", x->evidence_sha256);
	json_set_str(o, "external_id", x->external_id);
}

static json_t *submission_json(const struct submission *s)
{
	json_t *o = json_object();
	json_set_str(o, "id", s->id);
	json_set_str(o, "op", s->op);
	json_set_str(o, "status", submission_statuses[s->status]);
	json_object_set_new(o, "person", json_pack("{s:s?, s:s?, s:s?}", "id", s->o.person_id, "account_no",
						   s->o.account_no, "name", s->person_name));
	json_object_set_new(o, "institution", json_pack("{s:s?, s:s?, s:s?}", "id", s->o.institution_id, "name",
							s->institution_name, "name_en", s->institution_name_en));
	outcome_json_into(o, &s->o);
	json_object_set_new(o, "standard_version", json_integer(s->standard_version));
	json_set_str(o, "reason", s->reason);
	json_set_str(o, "submitted_by", s->submitted_by);
	json_set_time(o, "submitted_at", s->submitted_at);
	int64_t age = (clock_now_us() - s->submitted_at) / 1000000;
	json_object_set_new(o, "age_s", json_integer(age < 0 ? 0 : age));
	json_set_str(o, "decided_by", s->decided_by);
	json_set_time(o, "decided_at", s->decided_at);
	json_set_str(o, "decision_reason", s->decision_reason);
	json_set_str(o, "entry_id", s->entry_id);
	json_set_str(o, "outcome_id", s->outcome_id);
	/* What became of the stored outcome since: the transcript's status words. */
	const char *now = !s->outcome_op ? NULL
			  : strcmp(s->outcome_op, "revoke") == 0 ? "revoked"
			  : strcmp(s->outcome_op, "correct") == 0 ? "corrected" : "stored";
	json_set_str(o, "outcome_status", now);
	json_set_str(o, "current_entry_id", s->current_entry_id);
	return o;
}

struct sub_rows {
	struct arena *a;
	struct submission one;
	bool is_found;
	json_t *items;
	const char *last_id;
	int n;
};

static enum ll_err sub_row(const struct store_row *row, void *ctx)
{
	struct sub_rows *r = ctx;
	enum ll_err err = submission_from_row(row, r->a, &r->one);
	if (err != LL_OK)
		return err;
	r->is_found = true;
	r->n++;
	r->last_id = r->one.id;
	if (r->items)
		json_array_append_new(r->items, submission_json(&r->one));
	return LL_OK;
}

/* True if two outcomes say the same thing (a re-sent row). */
static bool outcome_same(const struct outcome *a, const struct outcome *b)
{
	return a->kind == b->kind && same(a->person_id, b->person_id) && same(a->title, b->title) &&
	       same(a->code, b->code) && a->level == b->level && a->credits_milli == b->credits_milli &&
	       a->hours_milli == b->hours_milli && a->result_kind == b->result_kind && same(a->result, b->result) &&
	       same(a->started_on, b->started_on) && same(a->awarded_on, b->awarded_on) &&
	       same(a->certificate_no, b->certificate_no) && same(a->evidence_id, b->evidence_id);
}

/* ---- Depositing ---- */

struct deposit_ctx {
	const struct ledger_caller *c;
	struct outcome o;              /* person_id, evidence_sha256 filled in the transaction */
	const char *outcome_id;        /* corrections: the outcome corrected */
	const char *reason;            /* corrections */
	const char *resubmit_id;       /* resubmissions: the returned submission */
	const struct audit_actor *actor;
	struct arena *a;
	struct deposit_result r;
	struct ledger_entry head;      /* corrections: the current entry */
};

struct person_row {
	struct arena *a;
	const char *id;
	bool is_found;
};

static enum ll_err person_row(const struct store_row *row, void *ctx)
{
	struct person_row *p = ctx;
	p->id = arena_strdup(p->a, store_row_text(row, 0));
	p->is_found = true;
	return LL_OK;
}

struct head_ctx {
	struct arena *a;
	struct ledger_entry e;
	bool is_found;
};

static enum ll_err head_row(const struct store_row *row, void *ctx)
{
	struct head_ctx *h = ctx;
	h->is_found = true;
	return ledger_entry_from_row(row, h->a, &h->e);
}

/* The current entry of an outcome; LL_NOT_FOUND when there is none, LL_REVOKED when revoked. */
static enum ll_err outcome_head(struct ll_tx *tx, const char *outcome_id, struct arena *a, struct ledger_entry *ret)
{
	struct head_ctx h = { .a = a };
	enum ll_err err = store_exec(tx, &OUTCOME_HEAD, SP(SV_TEXT(outcome_id)), head_row, &h);
	if (err != LL_OK)
		return err;
	if (!h.is_found)
		return ll_fail(LL_NOT_FOUND, NULL, "no stored outcome with this id");
	if (h.e.op == OP_REVOKE)
		return ll_fail(LL_REVOKED, NULL, "the outcome was revoked");
	*ret = h.e;
	return LL_OK;
}

/* Builds the entry that stores submission sub_id's content. */
static void entry_for(struct ledger_entry *e, enum entry_op op, const char *entry_id, const char *outcome_id,
		      const char *supersedes, const char *sub_id, int standard_version, const struct outcome *o,
		      const char *actor_id, const char *reason)
{
	memset(e, 0, sizeof(*e));
	e->id = entry_id;
	e->person_id = o->person_id;
	e->op = op;
	e->outcome_id = outcome_id;
	e->supersedes = supersedes;
	e->submission_id = sub_id;
	e->standard_version = standard_version;
	e->o = *o;
	e->actor_id = actor_id;
	e->reason = reason;
	e->created_at = clock_now_us();
}

static enum ll_err deposit_existing(struct ll_tx *tx, struct deposit_ctx *d);

/* Checks the content against the current standard and either appends the entry (automatic
 * acceptance) or leaves the submission pending; writes or rewrites the submission row. */
static enum ll_err deposit_route(struct ll_tx *tx, struct deposit_ctx *d)
{
	struct outcome *o = &d->o;
	enum ll_err err;
	/* The depositor's type decides what it may deposit. */
	struct text_row type = { .a = d->a };
	if ((err = store_exec(tx, &INSTITUTION_TYPE, SP(SV_TEXT(o->institution_id)), text_row, &type)) != LL_OK)
		return err;
	if (!type.is_found)
		return ll_fail(LL_UNKNOWN_INSTITUTION, "institution_id", "the depositing institution does not exist");
	if (o->evidence_id) {
		struct text_row sha = { .a = d->a };
		err = store_exec(tx, &EVIDENCE_OF_INSTITUTION, SP(SV_TEXT(o->evidence_id), SV_TEXT(o->institution_id)),
				 text_row, &sha);
		if (err != LL_OK)
			return err;
		if (!sha.is_found)
			return ll_fail(LL_UNKNOWN_EVIDENCE, "evidence_id", "no evidence file of this institution has this id");
		o->evidence_sha256 = sha.text;
	}
	struct entry_standard std;
	if ((err = standard_current(tx, o->kind, d->a, &std)) != LL_OK)
		return err;
	if ((err = standard_check(&std, o, ledger_name_index(institution_types, type.text), clock_now_us())) != LL_OK)
		return err;

	ll_id sub_id, entry_id;
	id_new(&sub_id);
	id_new(&entry_id);
	bool is_stored = !std.is_reviewed;
	const char *sid = d->resubmit_id ? d->resubmit_id : arena_strdup(d->a, sub_id.s);
	const char *eid = is_stored ? arena_strdup(d->a, entry_id.s) : NULL;
	const char *op = d->outcome_id ? "correct" : "deposit";
	const char *outcome_id = d->outcome_id ? d->outcome_id : eid;
	int64_t now = clock_now_us();
	if (d->resubmit_id) {
		err = store_exec(tx, &SUB_RESUBMIT,
				 SP(SV_TEXT(sid), SV_TEXT(outcome_kinds[o->kind]), SV_TEXT(o->title), SV_TEXT(o->code),
				    opt_i64(o->level), opt_i64(o->credits_milli), opt_i64(o->hours_milli),
				    o->result_kind ? SV_TEXT(result_kinds[o->result_kind]) : SV_NULL, SV_TEXT(o->result),
				    SV_TEXT(o->started_on), SV_TEXT(o->awarded_on), SV_TEXT(o->certificate_no),
				    SV_TEXT(o->evidence_id), SV_I64(std.version),
				    SV_TEXT(submission_statuses[is_stored ? SUB_STORED : SUB_PENDING]),
				    SV_TEXT(d->c->user_id), SV_I64(now), is_stored ? SV_I64(now) : SV_NULL, SV_TEXT(eid)),
				 NULL, NULL);
		if (err == LL_OK && store_changes(tx) == 0)
			err = ll_fail(LL_NOT_PENDING, NULL, "only a submission returned for correction can be resubmitted");
	} else {
		err = store_exec(tx, &SUB_INSERT,
				 SP(SV_TEXT(sid), SV_TEXT(op), SV_TEXT(o->person_id), SV_TEXT(o->institution_id),
				    SV_TEXT(d->outcome_id ? d->outcome_id : eid), SV_TEXT(outcome_kinds[o->kind]),
				    SV_TEXT(o->title), SV_TEXT(o->code), opt_i64(o->level), opt_i64(o->credits_milli),
				    opt_i64(o->hours_milli), o->result_kind ? SV_TEXT(result_kinds[o->result_kind]) : SV_NULL,
				    SV_TEXT(o->result), SV_TEXT(o->started_on), SV_TEXT(o->awarded_on),
				    SV_TEXT(o->certificate_no), SV_TEXT(o->evidence_id),
				    /* A correction's row does not repeat the outcome's external id: that
				     * names the deposit, which stays unique per institution. */
				    SV_TEXT(d->outcome_id ? NULL : o->external_id), SV_I64(std.version),
				    SV_TEXT(submission_statuses[is_stored ? SUB_STORED : SUB_PENDING]), SV_TEXT(d->reason),
				    SV_TEXT(d->c->user_id), SV_I64(now), is_stored ? SV_I64(now) : SV_NULL, SV_TEXT(eid)),
				 NULL, NULL);
		/* The same external id committed by another request since this one looked: a resend. */
		if (err == LL_OK && store_changes(tx) == 0)
			return deposit_existing(tx, d);
	}
	if (err != LL_OK)
		return err;
	if (is_stored) {
		struct ledger_entry e;
		if (d->outcome_id) {
			/* The correction keeps the outcome's identity: its external id stays. */
			o->external_id = d->head.o.external_id;
			entry_for(&e, OP_CORRECT, eid, d->outcome_id, d->head.id, sid, std.version, o, d->c->user_id,
				  d->reason);
		} else {
			entry_for(&e, OP_DEPOSIT, eid, eid, NULL, sid, std.version, o, d->c->user_id, NULL);
		}
		if ((err = ledger_append(tx, &e, 1)) != LL_OK)
			return err;
	}
	d->r = (struct deposit_result){ .submission_id = sid,
					.status = is_stored ? SUB_STORED : SUB_PENDING,
					.entry_id = eid,
					.outcome_id = outcome_id };
	return audit_write(tx, d->actor, d->resubmit_id ? "outcome.resubmit" : d->outcome_id ? "outcome.correct" : "outcome.deposit",
			   "submission", sid, is_stored ? "stored" : "pending");
}

/* The deposit of the same institution and external id is already there: the same content is a
 * resend that changes nothing, other content a conflict. LL_NOT_FOUND when there is none. */
static enum ll_err deposit_existing(struct ll_tx *tx, struct deposit_ctx *d)
{
	struct sub_rows r = { .a = d->a };
	enum ll_err err = store_exec(tx, &SUB_BY_EXTERNAL, SP(SV_TEXT(d->o.institution_id), SV_TEXT(d->o.external_id)),
				     sub_row, &r);
	if (err != LL_OK)
		return err;
	if (!r.is_found)
		return ll_fail(LL_NOT_FOUND, NULL, "no deposit has this external id");
	if (!outcome_same(&r.one.o, &d->o))
		return ll_fail(LL_DUPLICATE_EXTERNAL_ID, "external_id", "this external id was deposited before with different content");
	d->r = (struct deposit_result){ .submission_id = r.one.id, .status = r.one.status, .entry_id = r.one.entry_id,
					.outcome_id = r.one.outcome_id, .is_existing = true };
	return LL_OK;
}

static enum ll_err resolve_person(struct ll_tx *tx, struct deposit_ctx *d)
{
	struct person_row p = { .a = d->a };
	if (!d->o.account_no)
		return ll_fail(LL_MISSING_FIELD, "account_no", "account_no is required");
	enum ll_err err = store_exec(tx, &PERSON_BY_ACCOUNT, SP(SV_TEXT(d->o.account_no)), person_row, &p);
	if (err != LL_OK)
		return err;
	if (!p.is_found)
		return ll_fail(LL_UNKNOWN_ACCOUNT, "account_no", "no learning account has this number");
	d->o.person_id = p.id;
	return LL_OK;
}

static enum ll_err deposit_txn(struct ll_tx *tx, void *ctx)
{
	struct deposit_ctx *d = ctx;
	enum ll_err err = resolve_person(tx, d);
	if (err != LL_OK)
		return err;
	if (d->o.external_id) {
		err = deposit_existing(tx, d);
		if (err != LL_NOT_FOUND)
			return err;
	}
	return deposit_route(tx, d);
}

static enum ll_err check_depositor(const struct ledger_caller *c)
{
	if (!is_role(c, ROLE_STAFF | ROLE_INSTITUTION_ADMIN) || !c->institution_id)
		return ll_fail(LL_FORBIDDEN, NULL, "outcomes are deposited by the staff of an institution");
	return LL_OK;
}

enum ll_err ledger_deposit(struct ll_store *st, const struct ledger_caller *c, const struct outcome *o,
			   const struct audit_actor *actor, struct arena *a, struct deposit_result *ret)
{
	enum ll_err err = check_depositor(c);
	if (err != LL_OK)
		return err;
	struct deposit_ctx d = { .c = c, .o = *o, .actor = actor, .a = a };
	d.o.institution_id = c->institution_id;
	err = store_run(st, STORE_WRITE, "outcome deposit", deposit_txn, &d);
	if (err == LL_OK)
		*ret = d.r;
	return err;
}

static enum ll_err correct_txn(struct ll_tx *tx, void *ctx)
{
	struct deposit_ctx *d = ctx;
	enum ll_err err = outcome_head(tx, d->outcome_id, d->a, &d->head);
	if (err != LL_OK)
		return err;
	/* Only its depositor corrects an outcome; the person stays the same. */
	if (!same(d->head.o.institution_id, d->c->institution_id))
		return ll_fail(LL_NOT_FOUND, NULL, "no stored outcome of this institution has this id");
	if ((err = resolve_person(tx, d)) != LL_OK)
		return err;
	if (!same(d->o.person_id, d->head.person_id))
		return ll_fail(LL_INVALID_VALUE, "account_no", "a correction cannot move an outcome to another account");
	if (d->o.external_id && !same(d->o.external_id, d->head.o.external_id))
		return ll_fail(LL_INVALID_VALUE, "external_id", "a correction keeps the outcome's external id");
	return deposit_route(tx, d);
}

enum ll_err ledger_correct(struct ll_store *st, const struct ledger_caller *c, const char *outcome_id,
			   const struct outcome *o, const char *reason, const struct audit_actor *actor,
			   struct arena *a, struct deposit_result *ret)
{
	enum ll_err err = check_depositor(c);
	if (err != LL_OK)
		return err;
	if (!reason)
		return ll_fail(LL_MISSING_FIELD, "reason", "say why the outcome is corrected");
	struct deposit_ctx d = { .c = c, .o = *o, .outcome_id = outcome_id, .reason = reason, .actor = actor, .a = a };
	d.o.institution_id = c->institution_id;
	err = store_run(st, STORE_WRITE, "outcome correction", correct_txn, &d);
	if (err == LL_OK)
		*ret = d.r;
	return err;
}

static enum ll_err resubmit_txn(struct ll_tx *tx, void *ctx)
{
	struct deposit_ctx *d = ctx;
	struct sub_rows r = { .a = d->a };
	enum ll_err err = store_exec(tx, &SUB_BY_ID, SP(SV_TEXT(d->resubmit_id)), sub_row, &r);
	if (err != LL_OK)
		return err;
	if (!r.is_found || !same(r.one.o.institution_id, d->c->institution_id))
		return ll_fail(LL_NOT_FOUND, NULL, "no submission of this institution has this id");
	if (r.one.status != SUB_RETURNED)
		return ll_fail(LL_NOT_PENDING, NULL, "only a submission returned for correction can be resubmitted");
	if ((err = resolve_person(tx, d)) != LL_OK)
		return err;
	if (!same(d->o.person_id, r.one.o.person_id))
		return ll_fail(LL_INVALID_VALUE, "account_no", "a resubmission cannot change the account");
	d->o.external_id = r.one.o.external_id;
	if (strcmp(r.one.op, "correct") == 0) {
		d->outcome_id = r.one.outcome_id;
		d->reason = r.one.reason;
		if ((err = outcome_head(tx, d->outcome_id, d->a, &d->head)) != LL_OK)
			return err;
	}
	return deposit_route(tx, d);
}

enum ll_err ledger_resubmit(struct ll_store *st, const struct ledger_caller *c, const char *submission_id,
			    const struct outcome *o, const struct audit_actor *actor, struct arena *a,
			    struct deposit_result *ret)
{
	enum ll_err err = check_depositor(c);
	if (err != LL_OK)
		return err;
	struct deposit_ctx d = { .c = c, .o = *o, .resubmit_id = submission_id, .actor = actor, .a = a };
	d.o.institution_id = c->institution_id;
	err = store_run(st, STORE_WRITE, "outcome resubmission", resubmit_txn, &d);
	if (err == LL_OK)
		*ret = d.r;
	return err;
}

/* ---- Review ---- */

struct decide_ctx {
	const struct ledger_caller *c;
	const char *id;
	enum review_decision d;
	const char *reason;
	const struct audit_actor *actor;
	struct arena a;
};

static enum ll_err decide_txn(struct ll_tx *tx, void *ctx)
{
	struct decide_ctx *d = ctx;
	arena_reset(&d->a);
	struct sub_rows r = { .a = &d->a };
	enum ll_err err = store_exec(tx, &SUB_BY_ID, SP(SV_TEXT(d->id)), sub_row, &r);
	if (err != LL_OK)
		return err;
	if (!r.is_found)
		return ll_fail(LL_NOT_FOUND, NULL, "no submission has this id");
	if (r.one.status != SUB_PENDING)
		return ll_fail(LL_NOT_PENDING, NULL, "the submission was decided already (%s)", submission_statuses[r.one.status]);
	static const enum submission_status to[] = { SUB_STORED, SUB_REJECTED, SUB_RETURNED };
	ll_id entry_id;
	id_new(&entry_id);
	const char *eid = d->d == DECIDE_APPROVE ? entry_id.s : NULL;
	int64_t now = clock_now_us();
	err = store_exec(tx, &SUB_DECIDE, SP(SV_TEXT(d->id), SV_TEXT(submission_statuses[to[d->d]]), SV_TEXT(d->c->user_id),
					     SV_I64(now), SV_TEXT(d->reason), SV_TEXT(eid)), NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) == 0)
		return ll_fail(LL_NOT_PENDING, NULL, "the submission was decided already");
	if (d->d == DECIDE_APPROVE) {
		struct ledger_entry e;
		bool is_correction = strcmp(r.one.op, "correct") == 0;
		if (is_correction) {
			struct ledger_entry head;
			if ((err = outcome_head(tx, r.one.outcome_id, &d->a, &head)) != LL_OK)
				return err;
			r.one.o.external_id = head.o.external_id;
			entry_for(&e, OP_CORRECT, eid, r.one.outcome_id, head.id, r.one.id, r.one.standard_version,
				  &r.one.o, d->c->user_id, r.one.reason);
		} else {
			/* A deposit's outcome is named by its first entry: record it on the submission. */
			entry_for(&e, OP_DEPOSIT, eid, eid, NULL, r.one.id, r.one.standard_version, &r.one.o,
				  d->c->user_id, NULL);
		}
		if ((err = ledger_append(tx, &e, 1)) != LL_OK)
			return err;
		if (!is_correction) {
			static const struct store_stmt SUB_OUTCOME = {
				"submission set outcome", "UPDATE submissions SET outcome_id = $2 WHERE id = $1"
			};
			if ((err = store_exec(tx, &SUB_OUTCOME, SP(SV_TEXT(d->id), SV_TEXT(eid)), NULL, NULL)) != LL_OK)
				return err;
		}
	}
	return audit_write(tx, d->actor, "submission.decide", "submission", d->id, review_decisions[d->d]);
}

enum ll_err ledger_decide(struct ll_store *st, const struct ledger_caller *c, const char *submission_id,
			  enum review_decision dec, const char *reason, const struct audit_actor *actor)
{
	if (!is_role(c, ROLE_REVIEWER | ROLE_CITY_ADMIN))
		return ll_fail(LL_FORBIDDEN, NULL, "submissions are decided by credit-bank reviewers");
	if (dec != DECIDE_APPROVE && !reason)
		return ll_fail(LL_MISSING_FIELD, "reason", "say why the submission is %s",
			       dec == DECIDE_REJECT ? "rejected" : "returned");
	struct decide_ctx d = { .c = c, .id = submission_id, .d = dec, .reason = reason, .actor = actor };
	arena_init(&d.a, 1 << 20);
	enum ll_err err = store_run(st, STORE_WRITE, "submission decision", decide_txn, &d);
	arena_release(&d.a);
	return err;
}

/* ---- Revoking ---- */

struct revoke_ctx {
	const struct ledger_caller *c;
	const char *outcome_id, *reason;
	const struct audit_actor *actor;
	struct arena *a;
	const char *entry_id;
};

static enum ll_err revoke_txn(struct ll_tx *tx, void *ctx)
{
	struct revoke_ctx *r = ctx;
	struct ledger_entry head, e;
	enum ll_err err = outcome_head(tx, r->outcome_id, r->a, &head);
	if (err != LL_OK)
		return err;
	if (!is_role(r->c, ROLE_REVIEWER | ROLE_CITY_ADMIN) && !same(head.o.institution_id, r->c->institution_id))
		return ll_fail(LL_NOT_FOUND, NULL, "no stored outcome of this institution has this id");
	ll_id id;
	id_new(&id);
	r->entry_id = arena_strdup(r->a, id.s);
	entry_for(&e, OP_REVOKE, r->entry_id, r->outcome_id, head.id, NULL, head.standard_version, &head.o,
		  r->c->user_id, r->reason);
	if ((err = ledger_append(tx, &e, 1)) != LL_OK)
		return err;
	return audit_write(tx, r->actor, "outcome.revoke", "outcome", r->outcome_id, NULL);
}

enum ll_err ledger_revoke(struct ll_store *st, const struct ledger_caller *c, const char *outcome_id,
			  const char *reason, const struct audit_actor *actor, struct arena *a, const char **ret_entry_id)
{
	if (!is_role(c, ROLE_REVIEWER | ROLE_CITY_ADMIN) && (!is_role(c, ROLE_STAFF | ROLE_INSTITUTION_ADMIN) ||
							     !c->institution_id))
		return ll_fail(LL_FORBIDDEN, NULL, "outcomes are revoked by their depositor or a reviewer");
	if (!reason)
		return ll_fail(LL_MISSING_FIELD, "reason", "say why the outcome is revoked");
	struct revoke_ctx r = { .c = c, .outcome_id = outcome_id, .reason = reason, .actor = actor, .a = a };
	enum ll_err err = store_run(st, STORE_WRITE, "outcome revocation", revoke_txn, &r);
	if (err == LL_OK)
		*ret_entry_id = r.entry_id;
	return err;
}

/* ---- Listing submissions ---- */

struct list_ctx {
	const struct ledger_caller *c;
	const struct submission_filter *f;
	struct sub_rows rows;
	bool is_oldest_first;
};

static enum ll_err list_txn(struct ll_tx *tx, void *ctx)
{
	struct list_ctx *l = ctx;
	const struct submission_filter *f = l->f;
	const char *institution = f->institution_id ? f->institution_id : "";
	const char *person = f->person_id ? f->person_id : "";
	/* Depositors see their own institution's submissions; citizens their own. */
	if (is_role(l->c, ROLE_STAFF | ROLE_INSTITUTION_ADMIN))
		institution = l->c->institution_id ? l->c->institution_id : "-";
	if (is_role(l->c, ROLE_CITIZEN))
		person = l->c->person_id ? l->c->person_id : "-";
	json_array_clear(l->rows.items);
	l->rows.n = 0;
	l->rows.last_id = NULL;
	const char *cursor = f->before ? f->before : "";
	return store_exec(tx, l->is_oldest_first ? &SUB_LIST_OLDEST : &SUB_LIST_NEWEST,
			  SP(SV_TEXT(f->status ? f->status : ""), SV_TEXT(f->kind ? f->kind : ""), SV_TEXT(institution),
			     SV_TEXT(person), SV_TEXT(cursor), SV_I64(f->limit)),
			  sub_row, &l->rows);
}

enum ll_err ledger_submission_list(struct ll_store *st, const struct ledger_caller *c,
				   const struct submission_filter *f, json_t **ret_page)
{
	if (f->status && ledger_name_index(submission_statuses, f->status) < 0)
		return ll_fail(LL_BAD_QUERY, "status", "status must be pending, returned, rejected or stored");
	if (f->kind && ledger_name_index(outcome_kinds, f->kind) < 0)
		return ll_fail(LL_BAD_QUERY, "kind", "kind must be one of the credit bank's kinds");
	struct arena a;
	arena_init(&a, 16 << 20);
	/* The review queue reads oldest first, so that the longest-waiting item is on top. */
	struct list_ctx l = { .c = c, .f = f, .rows = { .a = &a, .items = json_array() },
			      .is_oldest_first = f->status && strcmp(f->status, "pending") == 0 };
	enum ll_err err = store_run(st, STORE_READ, "submission list", list_txn, &l);
	if (err == LL_OK) {
		json_t *page = json_object();
		json_object_set_new(page, "items", l.rows.items);
		json_set_str(page, "next", l.rows.n == f->limit ? l.rows.last_id : NULL);
		*ret_page = page;
	} else {
		json_decref(l.rows.items);
	}
	arena_release(&a);
	return err;
}

struct get_ctx {
	const struct ledger_caller *c;
	const char *id;
	struct sub_rows rows;
};

static enum ll_err get_txn(struct ll_tx *tx, void *ctx)
{
	struct get_ctx *g = ctx;
	g->rows.is_found = false;
	enum ll_err err = store_exec(tx, &SUB_BY_ID, SP(SV_TEXT(g->id)), sub_row, &g->rows);
	if (err != LL_OK)
		return err;
	bool is_ok = false;
	if (g->rows.is_found) {
		/* A pending submission is not yet in the ledger; its depositor, reviewers and the person
		 * see it. */
		err = ledger_may_read(tx, g->c, g->rows.one.o.person_id, g->rows.one.o.institution_id, &is_ok);
		if (err != LL_OK)
			return err;
	}
	return is_ok ? LL_OK : ll_fail(LL_NOT_FOUND, NULL, "no submission has this id");
}

enum ll_err ledger_submission_get(struct ll_store *st, const struct ledger_caller *c, const char *id,
				  json_t **ret_obj)
{
	struct arena a;
	arena_init(&a, 1 << 20);
	struct get_ctx g = { .c = c, .id = id, .rows = { .a = &a } };
	enum ll_err err = store_run(st, STORE_READ, "submission", get_txn, &g);
	if (err == LL_OK)
		*ret_obj = submission_json(&g.rows.one);
	arena_release(&a);
	return err;
}
