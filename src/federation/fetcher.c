/*
 * Running a person's fetch of their records from a peer: page after page, each asked with a
 * signed request and believed only when the answer is signed for it by a key pinned for the peer,
 * and each record only when its credential verifies with the peer's pinned keys. A page is
 * imported in one transaction with the fetch's progress, so that a fetch stopped anywhere resumes
 * where it stopped and imports nothing twice. A failure (no answer, a refusal, a bad signature) is
 * tried again after 1, 2, 4, … seconds, FED_FETCH_ATTEMPTS times in all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/id.h"
#include "../store/store.h"
#include "federation.h"
#include "federation_int.h"

#define RECORDS_PATH "/api/v1/federation/records"
#define LEASE_US (30LL * 1000000)       /* a running fetch another run may take over after this */
#define BACKOFF_MAX_S 300

static const struct store_stmt DUE = {
	"fetch due",
	"SELECT id, person_id, node_id, purpose, consent_until, state, after_seq, attempts, next_at "
	"FROM federation_fetches WHERE state IN ('queued', 'running', 'retrying') AND next_at <= $1 "
	"ORDER BY next_at LIMIT 1"
};
static const struct store_stmt CLAIM = {
	"fetch claim",
	"UPDATE federation_fetches SET state = 'running', next_at = $2, updated_at = $3 "
	"WHERE id = $1 AND state = $4 AND next_at = $5"
};
static const struct store_stmt LEASE = { "fetch lease",
					 "UPDATE federation_fetches SET next_at = $2 WHERE id = $1 AND state = 'running'" };
static const struct store_stmt PROGRESS = {
	"fetch progress",
	"UPDATE federation_fetches SET after_seq = $2, received = received + $3, imported = imported + $4, "
	"attempts = 0, last_error = NULL, updated_at = $5, state = $6, next_at = $7, finished_at = $8 "
	"WHERE id = $1 AND state = 'running'"
};
static const struct store_stmt SETBACK = {
	"fetch setback",
	"UPDATE federation_fetches SET attempts = $2, last_error = $3, state = $4, next_at = $5, updated_at = $6, "
	"finished_at = $7 WHERE id = $1 AND state = 'running'"
};
static const struct store_stmt EXTERNAL_ENTRY = {
	"external entry", "SELECT entry_id FROM external_outcomes WHERE person_id = $1 AND node_id = $2 AND outcome_id = $3"
};
static const struct store_stmt EXTERNAL_INSERT = {
	"external insert",
	"INSERT INTO external_outcomes (id, person_id, node_id, outcome_id, entry_id, credential_id, kid, jws, kind, "
	"title, institution, level, credits_milli, hours_milli, result, awarded_on, fetch_id, imported_at, code, "
	"result_kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
};
static const struct store_stmt EXTERNAL_UPDATE = {
	"external update",
	"UPDATE external_outcomes SET entry_id = $4, credential_id = $5, kid = $6, jws = $7, kind = $8, title = $9, "
	"institution = $10, level = $11, credits_milli = $12, hours_milli = $13, result = $14, awarded_on = $15, "
	"fetch_id = $16, imported_at = $17, code = $18, result_kind = $19 "
	"WHERE person_id = $1 AND node_id = $2 AND outcome_id = $3"
};

/* The fetch being run. */
struct run {
	const struct fed_fetcher *f;
	char id[64], person_id[64], node_id[FED_NODE_ID_MAX], purpose[801];
	int64_t consent_until, after, attempts, next_at, now;
	char state[16];
	bool is_found, is_claimed;
};

static enum ll_err due_row(const struct store_row *row, void *ctx)
{
	struct run *r = ctx;
	snprintf(r->id, sizeof(r->id), "%s", store_row_text(row, 0));
	snprintf(r->person_id, sizeof(r->person_id), "%s", store_row_text(row, 1));
	snprintf(r->node_id, sizeof(r->node_id), "%s", store_row_text(row, 2));
	snprintf(r->purpose, sizeof(r->purpose), "%s", store_row_text(row, 3));
	r->consent_until = store_row_i64(row, 4);
	snprintf(r->state, sizeof(r->state), "%s", store_row_text(row, 5));
	r->after = store_row_i64(row, 6);
	r->attempts = store_row_i64(row, 7);
	r->next_at = store_row_i64(row, 8);
	r->is_found = true;
	return LL_OK;
}

static enum ll_err claim_txn(struct ll_tx *tx, void *ctx)
{
	struct run *r = ctx;
	r->is_found = r->is_claimed = false;
	enum ll_err err = store_exec(tx, &DUE, SP(SV_I64(r->now)), due_row, r);
	if (err != LL_OK || !r->is_found)
		return err;
	err = store_exec(tx, &CLAIM,
			 SP(SV_TEXT(r->id), SV_I64(r->now + LEASE_US), SV_I64(r->now), SV_TEXT(r->state), SV_I64(r->next_at)),
			 NULL, NULL);
	r->is_claimed = err == LL_OK && store_changes(tx) == 1;
	return err;
}

static enum ll_err lease_txn(struct ll_tx *tx, void *ctx)
{
	struct run *r = ctx;
	return store_exec(tx, &LEASE, SP(SV_TEXT(r->id), SV_I64(clock_now_us() + LEASE_US)), NULL, NULL);
}

/* ---- A failure: tried again later, or given up ---- */

struct setback {
	struct run *r;
	const char *state;               /* retrying, failed, expired */
	const char *message;
	int64_t next_at;
	bool is_asked;                   /* the peer was asked: the access is logged */
};

static enum ll_err setback_txn(struct ll_tx *tx, void *ctx)
{
	struct setback *s = ctx;
	struct run *r = s->r;
	int64_t now = clock_now_us();
	bool is_final = strcmp(s->state, "retrying") != 0;
	enum ll_err err = store_exec(tx, &SETBACK,
				     SP(SV_TEXT(r->id), SV_I64(r->attempts), SV_TEXT(s->message), SV_TEXT(s->state),
					is_final ? SV_NULL : SV_I64(s->next_at), SV_I64(now), is_final ? SV_I64(now) : SV_NULL),
				     NULL, NULL);
	if (err == LL_OK && s->is_asked) {
		const struct fed_access a = { .node_id = r->node_id, .fetch_id = r->id, .direction = "out",
					      .person_id = r->person_id, .purpose = r->purpose,
					      .consent_until = r->consent_until, .records = 0, .at = now };
		err = fed_access_log(tx, &a);
	}
	return err;
}

/* Records why the run stopped: state given, or after a failure of the peer (state
 * "unreachable", "refused", "bad_signature") retrying, until the attempts run out. */
static enum ll_err set_back(struct run *r, const char *why, const char *message, bool is_asked)
{
	struct setback s = { .r = r, .is_asked = is_asked };
	char text[400];
	snprintf(text, sizeof(text), "%s: %s", why, message);
	s.message = text;
	if (strcmp(why, "failed") == 0 || strcmp(why, "expired") == 0) {
		s.state = why;
		snprintf(text, sizeof(text), "%s", message);
	} else {
		r->attempts++;
		int64_t wait_s = r->attempts >= 9 ? BACKOFF_MAX_S : 1LL << (r->attempts - 1);
		s.state = r->attempts >= FED_FETCH_ATTEMPTS ? "failed" : "retrying";
		s.next_at = clock_now_us() + (wait_s < BACKOFF_MAX_S ? wait_s : BACKOFF_MAX_S) * 1000000;
	}
	return store_run(r->f->st, STORE_WRITE, "fetch setback", setback_txn, &s);
}

/* ---- A page: verified, then imported ---- */

/* One record of a page, verified: what is kept of it. */
struct record {
	const char *outcome_id, *entry_id, *credential_id, *kid, *jws;
	const char *kind, *title, *institution, *result, *awarded_on, *code, *result_kind;
	int64_t level, credits_milli, hours_milli;   /* -1: none */
	json_t *entry;                                /* owns the strings above but jws, ids */
};

/* The peer's keys: its pinned issuer keys for credentials, and for its ledger the key its signed
 * answer vouches for. */
struct peer_keys {
	const json_t *peer;
	unsigned char ledger_pk[32];
};

static enum ll_err peer_key(void *ctx, const char *did, const char *fragment, bool is_ledger, unsigned char pk[32],
			    enum cred_key_lookup *ret)
{
	(void)did;
	const struct peer_keys *k = ctx;
	*ret = KEY_NOT_PUBLISHED;
	if (is_ledger) {
		if (strcmp(fragment, "ledger") == 0) {
			memcpy(pk, k->ledger_pk, 32);
			*ret = KEY_FOUND;
		}
		return LL_OK;
	}
	size_t i;
	const json_t *jwk;
	json_array_foreach (json_object_get(k->peer, "keys"), i, jwk) {
		const char *kid = json_string_value(json_object_get(jwk, "kid"));
		if (kid && strcmp(kid, fragment) == 0 && jose_jwk_ed25519_parse(jwk, "keys", pk) == LL_OK) {
			*ret = KEY_FOUND;
			return LL_OK;
		}
		ll_error_clear();
	}
	return LL_OK;
}

static int64_t opt_i64(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* Verifies item (a record of the page) as a credential of the peer for the outcome it names. */
static enum ll_err verify_record(const struct peer_keys *keys, const json_t *item, int64_t now, struct record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->outcome_id = json_string_value(json_object_get(item, "outcome_id"));
	rec->entry_id = json_string_value(json_object_get(item, "entry_id"));
	rec->jws = json_string_value(json_object_get(item, "jws"));
	if (!rec->outcome_id || !rec->entry_id || !rec->jws)
		return ll_fail(LL_UNAUTHENTICATED, "items", "a record lacks its outcome, entry or credential");
	const struct cred_verifier v = { .key = peer_key, .ctx = (void *)keys };
	json_t *report = NULL;
	enum ll_err err = cred_verify(&v, rec->jws, now, &report);
	if (err != LL_OK)
		return err;
	const json_t *vc = json_object_get(report, "credential");
	const json_t *ledger = json_object_get(vc, "lifelongLedger");
	const char *entry64 = json_string_value(json_object_get(ledger, "entry"));
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	if (json_is_true(json_object_get(report, "is_valid")) && entry64 &&
	    jose_b64url_decode(entry64, strlen(entry64), &raw, &raw_len))
		rec->entry = json_loadb((const char *)raw, raw_len, 0, NULL);
	free(raw);
	/* Valid, with a ledger proof that holds, for the entry and outcome the record names. */
	const json_t *checks = json_object_get(report, "checks");
	bool is_proved = strcmp(json_string_value(json_object_get(json_array_get(checks, CHECK_LEDGER), "status")) ?: "",
				"passed") == 0;
	const char *e_id = json_string_value(json_object_get(rec->entry, "id"));
	const char *e_outcome = json_string_value(json_object_get(rec->entry, "outcome_id"));
	if (!rec->entry || !is_proved || !e_id || strcmp(e_id, rec->entry_id) != 0 || !e_outcome ||
	    strcmp(e_outcome, rec->outcome_id) != 0) {
		const char *why = json_string_value(json_object_get(
			json_array_get(checks, 0), "message_en"));
		for (size_t i = 0; i < json_array_size(checks); i++)
			if (strcmp(json_string_value(json_object_get(json_array_get(checks, i), "status")) ?: "", "failed") == 0)
				why = json_string_value(json_object_get(json_array_get(checks, i), "message_en"));
		err = ll_fail(LL_UNAUTHENTICATED, "items", "the credential of outcome %.40s does not verify: %.200s",
			      rec->outcome_id, why ? why : "no ledger proof of its entry");
		json_decref(report);
		return err;
	}
	rec->credential_id = json_string_value(json_object_get(vc, "id"));
	rec->kid = json_string_value(json_object_get(report, "kid"));
	rec->kind = json_string_value(json_object_get(rec->entry, "kind"));
	rec->title = json_string_value(json_object_get(rec->entry, "title"));
	rec->result = json_string_value(json_object_get(rec->entry, "result"));
	rec->awarded_on = json_string_value(json_object_get(rec->entry, "awarded_on"));
	rec->code = json_string_value(json_object_get(rec->entry, "code"));
	rec->result_kind = json_string_value(json_object_get(rec->entry, "result_kind"));
	rec->institution = json_string_value(json_object_get(
		json_object_get(json_object_get(json_object_get(vc, "credentialSubject"), "achievement"), "creator"), "name"));
	rec->level = opt_i64(rec->entry, "level");
	rec->credits_milli = opt_i64(rec->entry, "credits_milli");
	rec->hours_milli = opt_i64(rec->entry, "hours_milli");
	/* The strings of the report that the record keeps live in its entry and the item. */
	rec->credential_id = rec->credential_id ? strdup(rec->credential_id) : NULL;
	rec->kid = rec->kid ? strdup(rec->kid) : NULL;
	rec->institution = rec->institution ? strdup(rec->institution) : NULL;
	json_decref(report);
	if (!rec->credential_id || !rec->kid || !rec->kind || !rec->title || !rec->awarded_on)
		return ll_fail(LL_UNAUTHENTICATED, "items", "the credential of outcome %.40s lacks what is kept of it",
			       rec->outcome_id);
	return LL_OK;
}

static void record_release(struct record *rec)
{
	free((char *)rec->credential_id);
	free((char *)rec->kid);
	free((char *)rec->institution);
	json_decref(rec->entry);
	memset(rec, 0, sizeof(*rec));
}

struct import {
	struct run *r;
	struct record *recs;
	int n;
	int64_t next;                    /* -1: the last page */
	int64_t imported;
};

static enum ll_err entry_row(const struct store_row *row, void *ctx)
{
	snprintf(ctx, 64, "%s", store_row_text(row, 0));
	return LL_OK;
}

static struct store_val opt(int64_t v)
{
	return v >= 0 ? SV_I64(v) : SV_NULL;
}

static enum ll_err import_txn(struct ll_tx *tx, void *ctx)
{
	struct import *m = ctx;
	struct run *r = m->r;
	m->imported = 0;
	int64_t now = clock_now_us();
	enum ll_err err = LL_OK;
	for (int i = 0; i < m->n && err == LL_OK; i++) {
		const struct record *c = &m->recs[i];
		char had[64] = "";
		err = store_exec(tx, &EXTERNAL_ENTRY, SP(SV_TEXT(r->person_id), SV_TEXT(r->node_id), SV_TEXT(c->outcome_id)),
				 entry_row, had);
		if (err != LL_OK || strcmp(had, c->entry_id) == 0)
			continue;   /* already here as it is */
		if (had[0]) {
			err = store_exec(tx, &EXTERNAL_UPDATE,
					 SP(SV_TEXT(r->person_id), SV_TEXT(r->node_id), SV_TEXT(c->outcome_id),
					    SV_TEXT(c->entry_id), SV_TEXT(c->credential_id), SV_TEXT(c->kid), SV_TEXT(c->jws),
					    SV_TEXT(c->kind), SV_TEXT(c->title), SV_TEXT(c->institution), opt(c->level),
					    opt(c->credits_milli), opt(c->hours_milli), SV_TEXT(c->result), SV_TEXT(c->awarded_on),
					    SV_TEXT(r->id), SV_I64(now), SV_TEXT(c->code), SV_TEXT(c->result_kind)),
					 NULL, NULL);
		} else {
			ll_id id;
			id_new(&id);
			err = store_exec(tx, &EXTERNAL_INSERT,
					 SP(SV_TEXT(id.s), SV_TEXT(r->person_id), SV_TEXT(r->node_id), SV_TEXT(c->outcome_id),
					    SV_TEXT(c->entry_id), SV_TEXT(c->credential_id), SV_TEXT(c->kid), SV_TEXT(c->jws),
					    SV_TEXT(c->kind), SV_TEXT(c->title), SV_TEXT(c->institution), opt(c->level),
					    opt(c->credits_milli), opt(c->hours_milli), SV_TEXT(c->result), SV_TEXT(c->awarded_on),
					    SV_TEXT(r->id), SV_I64(now), SV_TEXT(c->code), SV_TEXT(c->result_kind)),
					 NULL, NULL);
		}
		m->imported++;
	}
	bool is_last = m->next < 0;
	if (err == LL_OK)
		err = store_exec(tx, &PROGRESS,
				 SP(SV_TEXT(r->id), SV_I64(is_last ? r->after : m->next), SV_I64(m->n), SV_I64(m->imported),
				    SV_I64(now), SV_TEXT(is_last ? "done" : "running"),
				    is_last ? SV_NULL : SV_I64(now + LEASE_US), is_last ? SV_I64(now) : SV_NULL),
				 NULL, NULL);
	if (err == LL_OK && store_changes(tx) != 1)
		return ll_fail(LL_CONFLICT, NULL, "the fetch was withdrawn or taken over while it ran");
	if (err == LL_OK) {
		const struct fed_access a = { .node_id = r->node_id, .fetch_id = r->id, .direction = "out",
					      .person_id = r->person_id, .purpose = r->purpose,
					      .consent_until = r->consent_until, .records = m->n, .at = now };
		err = fed_access_log(tx, &a);
	}
	return err;
}

/* Asks for, verifies and imports one page. *ret_is_last when it was the last. On a failure of the
 * peer the run is set back and LL_OK returned with *ret_is_stopped. */
static enum ll_err one_page(struct run *r, const json_t *peer, const char *subject, bool *ret_is_last,
			    bool *ret_is_stopped)
{
	const struct fed_fetcher *f = r->f;
	char until[32];
	clock_format_rfc3339(r->consent_until, until);
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i}", "subject", subject, "purpose", r->purpose,
				 "consent_until", until, "fetch_id", r->id, "after", (json_int_t)r->after, "limit", f->page);
	if (!body)
		return LL_NOMEM;
	const struct fed_call c = { .st = f->st, .keys = f->keys, .iss = f->iss, .own_id = f->own_id,
				    .policy = f->policy, .peer = peer };
	json_t *answer = NULL;
	const char *state = "ok";
	enum ll_err err = fed_call(&c, "POST", RECORDS_PATH, body, &answer, &state);
	json_decref(body);
	if (err == LL_NOMEM || err == LL_STORE || err == LL_STORE_BUSY)
		return err;
	/* The answer must be about this person and this fetch, and vouch for the peer's ledger key. */
	struct peer_keys keys = { .peer = peer };
	const json_t *items = json_object_get(answer, "items");
	const json_t *next = json_object_get(answer, "next");
	const char *ledger_key = json_string_value(json_object_get(answer, "ledger_key"));
	unsigned char *lk = NULL;
	size_t lk_len = 0;
	if (err == LL_OK &&
	    (strcmp(json_string_value(json_object_get(answer, "subject")) ?: "", subject) != 0 ||
	     strcmp(json_string_value(json_object_get(answer, "fetch_id")) ?: "", r->id) != 0 || !json_is_array(items) ||
	     !(json_is_null(next) || (json_is_integer(next) && json_integer_value(next) > r->after)) || !ledger_key ||
	     !jose_b64url_decode(ledger_key, strlen(ledger_key), &lk, &lk_len) || lk_len != 32)) {
		state = "bad_signature";
		err = ll_fail(LL_UNAUTHENTICATED, NULL, "%s answered for another person, fetch or page", r->node_id);
	}
	if (lk && lk_len == 32)
		memcpy(keys.ledger_pk, lk, 32);
	free(lk);
	size_t n = err == LL_OK ? json_array_size(items) : 0;
	struct record *recs = n ? calloc(n, sizeof(*recs)) : NULL;
	if (n && !recs)
		err = LL_NOMEM;
	for (size_t i = 0; i < n && err == LL_OK; i++) {
		err = verify_record(&keys, json_array_get(items, i), clock_now_us(), &recs[i]);
		if (err == LL_UNAUTHENTICATED)
			state = "bad_signature";
	}
	if (err == LL_OK) {
		struct import m = { .r = r, .recs = recs, .n = (int)n, .next = json_is_null(next) ? -1 : json_integer_value(next) };
		err = store_run(f->st, STORE_WRITE, "fetch import", import_txn, &m);
		if (err == LL_OK) {
			*ret_is_last = m.next < 0;
			if (!*ret_is_last)
				r->after = m.next;
		}
	} else if (err != LL_NOMEM) {
		/* Nothing of the page is kept: it is asked for again later. */
		char message[300];
		snprintf(message, sizeof(message), "%s", ll_error_get(err)->message);
		ll_error_clear();
		err = set_back(r, state, message, true);
		*ret_is_stopped = true;
	}
	for (size_t i = 0; i < n; i++)
		record_release(&recs[i]);
	free(recs);
	json_decref(answer);
	return err;
}

/* Runs r's fetch page after page. */
static enum ll_err run_pages(struct run *r)
{
	const struct fed_fetcher *f = r->f;
	json_t *peer = NULL;
	enum ll_err err = fed_peer_get(f->st, r->node_id, &peer);
	if (err == LL_NOT_FOUND) {
		ll_error_clear();
		return set_back(r, "failed", "this credit bank no longer exchanges records with the peer", false);
	}
	if (err != LL_OK)
		return err;
	if (strcmp(json_string_value(json_object_get(peer, "status")), "active") != 0) {
		json_decref(peer);
		return set_back(r, "failed", "exchange with the peer is suspended", false);
	}
	unsigned char hash[32];
	err = fed_subject_hash(f->st, f->keys, r->person_id, hash);
	char *subject = err == LL_OK ? jose_b64url_encode(hash, sizeof(hash)) : NULL;
	if (err == LL_NO_REGION_KEY) {
		char message[200];
		snprintf(message, sizeof(message), "%.190s", ll_error_get(err)->message);
		ll_error_clear();
		err = set_back(r, "failed", message, false);
	} else if (err == LL_OK && !subject) {
		err = LL_NOMEM;
	}
	bool is_last = false, is_stopped = false;
	while (err == LL_OK && subject && !is_last && !is_stopped) {
		if (clock_now_us() >= r->consent_until) {
			err = set_back(r, "expired", "the consent ended before the fetch was done", false);
			break;
		}
		err = one_page(r, peer, subject, &is_last, &is_stopped);
		if (err == LL_OK && !is_last && !is_stopped)
			err = store_run(f->st, STORE_WRITE, "fetch lease", lease_txn, r);
	}
	free(subject);
	json_decref(peer);
	return err;
}

enum ll_err fed_fetch_run_due(const struct fed_fetcher *f, int64_t now_us, bool *ret_ran)
{
	*ret_ran = false;
	struct run r = { .f = f, .now = now_us };
	enum ll_err err = store_run(f->st, STORE_WRITE, "fetch claim", claim_txn, &r);
	if (err != LL_OK || !r.is_claimed)
		return err;
	*ret_ran = true;
	if (r.consent_until <= now_us)
		return set_back(&r, "expired", "the consent ended before the fetch was done", false);
	return run_pages(&r);
}
