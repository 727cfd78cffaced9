/*
 * Issuing a transcript (CLR 2.0 ClrCredential) of outcomes a person chooses: each outcome's Open
 * Badges credential (the person's current one for that version of the outcome, or a new one),
 * embedded in a credential of their own that is revoked once any of the outcomes changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/clock.h"
#include "../base/id.h"
#include "../ledger/ledger.h"
#include "../store/store.h"
#include "credentials.h"
#include "credentials_db.h"

static const struct store_stmt PERSON = { "transcript person", "SELECT name, account_no FROM persons WHERE id = $1" };
/* A credential of an entry is its person's: looked for by the entry alone (credentials_entry), not
 * among all the person's credentials. */
static const struct store_stmt CURRENT_BADGE = {
	"transcript badge",
	"SELECT id, jws FROM credentials WHERE entry_id = $1 AND type = 'OpenBadgeCredential' "
	"ORDER BY issued_at DESC, id DESC LIMIT 1"
};
static const struct store_stmt SUPERSEDED = { "transcript entry superseded",
					      "SELECT COUNT(*) FROM ledger_entries WHERE supersedes = $1" };
static const struct store_stmt INSERT = {
	"transcript insert",
	"INSERT INTO credentials (id, person_id, type, outcome_id, entry_id, kid, title, issued_at, jws, status_index) "
	"VALUES ($1, $2, $3, NULL, NULL, $4, $5, $6, $7, $8)"
};
static const struct store_stmt ENTRY = { "transcript entry",
					 "INSERT INTO credential_entries (credential_id, entry_id) VALUES ($1, $2)" };

/* One outcome of the transcript: its current entry, and its badge once there is one. */
struct part {
	const char *outcome_id;
	const char *entry_id;
	const char *title;
	char *badge_id;
	char *jws;
};

struct read_ctx {
	const char *person_id;
	struct part *parts;
	int n;
	struct arena *a;
	const char *person_name, *account_no;
	int missing;                    /* the first outcome the person holds no current version of; -1 */
};

static enum ll_err person_row(const struct store_row *row, void *ctx)
{
	struct read_ctx *r = ctx;
	r->person_name = arena_strdup(r->a, store_row_text(row, 0));
	r->account_no = arena_strdup(r->a, store_row_text(row, 1));
	return r->person_name && r->account_no ? LL_OK : LL_ARENA_FULL;
}

static enum ll_err badge_row(const struct store_row *row, void *ctx)
{
	struct part *p = ctx;
	free(p->badge_id);
	free(p->jws);
	p->badge_id = strdup(store_row_text(row, 0));
	p->jws = strdup(store_row_text(row, 1));
	return p->badge_id && p->jws ? LL_OK : LL_NOMEM;
}

static void forget_badges(struct part *parts, int n)
{
	for (int i = 0; i < n; i++) {
		free(parts[i].badge_id);
		free(parts[i].jws);
		parts[i].badge_id = parts[i].jws = NULL;
	}
}

static enum ll_err read_txn(struct ll_tx *tx, void *ctx)
{
	struct read_ctx *r = ctx;
	forget_badges(r->parts, r->n);
	r->missing = -1;
	enum ll_err err = LL_OK;
	for (int i = 0; i < r->n && err == LL_OK; i++) {
		struct ledger_entry e;
		bool is_found = false;
		err = ledger_current_outcome(tx, r->person_id, r->parts[i].outcome_id, r->a, &e, &is_found);
		if (err != LL_OK)
			return err;
		if (!is_found) {
			r->missing = i;
			return LL_OK;
		}
		r->parts[i].entry_id = e.id;
		r->parts[i].title = e.o.title;
		err = store_exec(tx, &CURRENT_BADGE, SP(SV_TEXT(r->parts[i].entry_id)), badge_row,
				 &r->parts[i]);
	}
	if (err == LL_OK)
		err = store_exec(tx, &PERSON, SP(SV_TEXT(r->person_id)), person_row, r);
	return err;
}

static enum ll_err count_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

struct sign_ctx {
	const struct ll_keys *keys;
	const struct cred_issuer *iss;
	const struct read_ctx *r;
	const char *id, *title;
	int64_t now;
	char kid[JOSE_THUMBPRINT_MAX];
	json_t *credential;
	char *jws;
};

static enum ll_err sign_txn(struct ll_tx *tx, void *ctx)
{
	struct sign_ctx *x = ctx;
	json_decref(x->credential);
	x->credential = NULL;
	free(x->jws);
	x->jws = NULL;
	const struct read_ctx *r = x->r;
	/* Every outcome must still be as it was read: a transcript of the past would be revoked at birth. */
	for (int i = 0; i < r->n; i++) {
		int64_t superseded = 0;
		enum ll_err err = store_exec(tx, &SUPERSEDED, SP(SV_TEXT(r->parts[i].entry_id)), count_row, &superseded);
		if (err != LL_OK)
			return err;
		if (superseded)
			return ll_fail(LL_CONFLICT, "outcome_ids", "an outcome changed while its transcript was being made; ask again");
	}
	int64_t status_index;
	enum ll_err err = cred_status_next(tx, &status_index);
	if (err != LL_OK)
		return err;
	const char **jws = malloc((size_t)r->n * sizeof(*jws));
	if (!jws)
		return LL_NOMEM;
	for (int i = 0; i < r->n; i++)
		jws[i] = r->parts[i].jws;
	const struct cred_clr_in in = { .issuer = x->iss, .id = x->id, .valid_from_us = x->now,
					.person_name = r->person_name, .account_no = r->account_no, .jws = jws, .n = r->n,
					.status_index = status_index };
	x->credential = cred_clr_json(&in);
	free(jws);
	err = x->credential ? cred_sign(tx, x->keys, x->iss, x->credential, &x->jws, x->kid) : LL_NOMEM;
	if (err == LL_OK)
		err = store_exec(tx, &INSERT,
				 SP(SV_TEXT(x->id), SV_TEXT(r->person_id), SV_TEXT(CRED_TYPE_CLR), SV_TEXT(x->kid),
				    SV_TEXT(x->title), SV_I64(x->now), SV_TEXT(x->jws), SV_I64(status_index)),
				 NULL, NULL);
	for (int i = 0; i < r->n && err == LL_OK; i++)
		err = store_exec(tx, &ENTRY, SP(SV_TEXT(x->id), SV_TEXT(r->parts[i].entry_id)), NULL, NULL);
	return err;
}

/* The outcome ids of ids (a JSON array of strings): 1 to CRED_CLR_MAX, none twice. */
static enum ll_err check_ids(const json_t *ids, int *ret_n)
{
	size_t n = json_array_size(ids);
	if (!json_is_array(ids) || n == 0)
		return ll_fail(LL_MISSING_FIELD, "outcome_ids", "choose at least one outcome");
	if (n > CRED_CLR_MAX)
		return ll_fail(LL_TOO_LONG, "outcome_ids", "a transcript holds at most %d outcomes", CRED_CLR_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *a = json_string_value(json_array_get(ids, i));
		if (!a || !*a)
			return ll_fail(LL_INVALID_VALUE, "outcome_ids", "each outcome is named by its id");
		for (size_t k = 0; k < i; k++)
			if (strcmp(a, json_string_value(json_array_get(ids, k))) == 0)
				return ll_fail(LL_INVALID_VALUE, "outcome_ids", "outcome %s is chosen twice", a);
	}
	*ret_n = (int)n;
	return LL_OK;
}

enum ll_err cred_issue_clr(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			   const char *person_id, const json_t *outcome_ids, json_t **ret_obj)
{
	int n = 0;
	enum ll_err err = check_ids(outcome_ids, &n);
	if (err != LL_OK)
		return err;
	struct arena a;
	arena_init(&a, 1 << 20);
	struct part parts[CRED_CLR_MAX];
	memset(parts, 0, sizeof(parts));
	for (int i = 0; i < n; i++)
		parts[i].outcome_id = json_string_value(json_array_get(outcome_ids, i));
	struct read_ctx r = { .person_id = person_id, .parts = parts, .n = n, .a = &a, .missing = -1 };
	err = store_run(st, STORE_READ, "transcript outcomes", read_txn, &r);
	if (err == LL_OK && r.missing >= 0)
		err = ll_fail(LL_NOT_FOUND, "outcome_ids", "you hold no current outcome with id %s",
			      parts[r.missing].outcome_id);
	/* A badge for each outcome that has none yet for its current version. */
	for (int i = 0; i < n && err == LL_OK; i++) {
		if (parts[i].jws)
			continue;
		json_t *badge = NULL;
		err = cred_issue_badge(st, keys, iss, person_id, parts[i].outcome_id, &badge);
		if (err == LL_OK) {
			parts[i].badge_id = strdup(json_string_value(json_object_get(badge, "id")));
			parts[i].jws = strdup(json_string_value(json_object_get(badge, "jws")));
			const char *entry = json_string_value(json_object_get(badge, "entry_id"));
			if (!parts[i].badge_id || !parts[i].jws)
				err = LL_NOMEM;
			else if (strcmp(entry, parts[i].entry_id) != 0)
				err = ll_fail(LL_CONFLICT, "outcome_ids",
					      "an outcome changed while its transcript was being made; ask again");
		}
		json_decref(badge);
	}
	ll_id raw;
	id_new(&raw);
	char id[64], title[64];
	snprintf(id, sizeof(id), "urn:uuid:%s", raw.s);
	snprintf(title, sizeof(title), "学习成果记录（%d 项）", n);
	struct sign_ctx x = { .keys = keys, .iss = iss, .r = &r, .id = id, .title = title, .now = clock_now_us() };
	if (err == LL_OK)
		err = store_run(st, STORE_WRITE, "transcript issue", sign_txn, &x);
	json_t *o = NULL, *items = NULL;
	if (err == LL_OK) {
		items = json_array();
		for (int i = 0; items && i < n; i++)
			if (json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s}", "credential_id", parts[i].badge_id,
								   "outcome_id", parts[i].outcome_id, "entry_id",
								   parts[i].entry_id, "title", parts[i].title)) != 0) {
				json_decref(items);
				items = NULL;
			}
		o = items ? json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:O, s:o}", "id", id, "type", CRED_TYPE_CLR, "kid",
				      x.kid, "title", title, "records", (json_int_t)n, "jws", x.jws, "credential", x.credential,
				      "items", items)
			  : NULL;
		if (o)
			json_set_time(o, "issued_at", x.now);
		else
			err = LL_NOMEM;
	}
	if (err == LL_OK)
		*ret_obj = o;
	json_decref(x.credential);
	free(x.jws);
	forget_badges(parts, n);
	arena_release(&a);
	return err;
}
