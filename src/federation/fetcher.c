/*
 * Running a person's fetch of their records from a peer: page after page, each asked with a
 * signed request and believed only when the answer is signed for it by a key pinned for the peer,
 * and each record only when its credential verifies with the peer's pinned keys and names the
 * person. A page is imported in one transaction with the fetch's progress (run_db.c), so that a
 * fetch stopped anywhere resumes where it stopped and imports nothing twice. A failure (no answer,
 * a refusal, a bad signature) is tried again after 1, 2, 4, … seconds, FED_FETCH_ATTEMPTS times in
 * all. A fetch holds at most FED_FETCH_RECORDS_MAX records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../store/store.h"
#include "federation.h"
#include "federation_int.h"

#define RECORDS_PATH "/api/v1/federation/records"
#define BACKOFF_MAX_S 300

/* Records the run's failure: given up (state "failed" or "expired"), or after a failure of the
 * peer ("unreachable", "refused", "bad_signature", "error") tried again later, until the attempts
 * run out. A run withdrawn or taken over meanwhile is left as it is. */
static enum ll_err set_back(const struct fed_fetcher *f, struct fed_run *r, const char *why, const char *message,
			    bool is_asked)
{
	char text[400];
	const char *state = why;
	int64_t next_at = 0;
	if (strcmp(why, "failed") == 0 || strcmp(why, "expired") == 0) {
		snprintf(text, sizeof(text), "%s", message);
	} else {
		snprintf(text, sizeof(text), "%s: %s", why, message);
		r->attempts++;
		int64_t wait_s = r->attempts >= 9 ? BACKOFF_MAX_S : 1LL << (r->attempts - 1);
		state = r->attempts >= FED_FETCH_ATTEMPTS ? "failed" : "retrying";
		next_at = clock_now_us() + (wait_s < BACKOFF_MAX_S ? wait_s : BACKOFF_MAX_S) * 1000000;
	}
	enum ll_err err = fed_run_set_back(f->st, r, state, text, next_at, is_asked);
	if (err == LL_CONFLICT)
		ll_error_clear();
	return err == LL_CONFLICT ? LL_OK : err;
}

/* ---- A page: verified, then imported ---- */

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
static enum ll_err verify_record(const struct peer_keys *keys, const char *person_name, const json_t *item, int64_t now,
				 struct fed_record *rec)
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
	/* A credential of this person: the name it gives them is theirs here. */
	const char *named = NULL;
	size_t k;
	const json_t *ident;
	json_array_foreach (json_object_get(json_object_get(vc, "credentialSubject"), "identifier"), k, ident)
		if (strcmp(json_string_value(json_object_get(ident, "identityType")) ?: "", "name") == 0)
			named = json_string_value(json_object_get(ident, "identityHash"));
	if (!named || strcmp(named, person_name) != 0) {
		json_decref(report);
		return ll_fail(LL_UNAUTHENTICATED, "items", "the credential of outcome %.40s names another person",
			       rec->outcome_id);
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

static void record_release(struct fed_record *rec)
{
	free((char *)rec->credential_id);
	free((char *)rec->kid);
	free((char *)rec->institution);
	json_decref(rec->entry);
	memset(rec, 0, sizeof(*rec));
}

/* The answer a page: about this person and fetch, vouching for the peer's ledger key, moving on
 * (or ending) with records on every page but the last, within the cap. */
static enum ll_err check_answer(const struct fed_run *r, const json_t *answer, const char *subject,
				struct peer_keys *keys, int64_t *ret_next)
{
	const json_t *items = json_object_get(answer, "items");
	const json_t *next = json_object_get(answer, "next");
	const char *ledger_key = json_string_value(json_object_get(answer, "ledger_key"));
	unsigned char *lk = NULL;
	size_t lk_len = 0;
	bool is_ok = strcmp(json_string_value(json_object_get(answer, "subject")) ?: "", subject) == 0 &&
		     strcmp(json_string_value(json_object_get(answer, "fetch_id")) ?: "", r->id) == 0 &&
		     json_is_array(items) &&
		     (json_is_null(next) ||
		      (json_is_integer(next) && json_integer_value(next) > r->after && json_array_size(items) > 0)) &&
		     ledger_key && jose_b64url_decode(ledger_key, strlen(ledger_key), &lk, &lk_len) && lk_len == 32;
	if (is_ok)
		memcpy(keys->ledger_pk, lk, 32);
	free(lk);
	if (!is_ok)
		return ll_fail(LL_UNAUTHENTICATED, NULL, "%s answered for another person, fetch or page", r->node_id);
	if (r->received + (int64_t)json_array_size(items) > FED_FETCH_RECORDS_MAX)
		return ll_fail(LL_TOO_LONG, NULL, "%s gives more than %d records", r->node_id, FED_FETCH_RECORDS_MAX);
	*ret_next = json_is_null(next) ? -1 : json_integer_value(next);
	return LL_OK;
}

/* Asks for, verifies and imports one page. *ret_is_last when it was the last. On a failure of the
 * peer the run is set back and LL_OK returned with *ret_is_stopped. */
static enum ll_err one_page(const struct fed_fetcher *f, struct fed_run *r, const json_t *peer, const char *subject,
			    bool *ret_is_last, bool *ret_is_stopped)
{
	char until[32];
	clock_format_rfc3339(r->consent_until, until);
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i}", "subject", subject, "purpose", r->purpose,
				 "consent_until", until, "fetch_id", r->id, "after", (json_int_t)r->after, "limit", f->page);
	if (!body)
		return LL_NOMEM;
	const struct fed_call c = { .st = f->st, .keys = f->keys, .iss = f->iss, .own_id = f->own_id,
				    .policy = f->policy, .peer = peer };
	json_t *answer = NULL;
	const char *state = "error";
	enum ll_err err = fed_call(&c, "POST", RECORDS_PATH, body, &answer, &state);
	json_decref(body);
	if (err == LL_NOMEM || err == LL_STORE || err == LL_STORE_BUSY)
		return err;
	if (strcmp(state, "ok") == 0)
		state = "error";   /* failed before the peer was asked: this node's own trouble */
	struct peer_keys keys = { .peer = peer };
	int64_t next = -1;
	if (err == LL_OK && (err = check_answer(r, answer, subject, &keys, &next)) != LL_OK)
		state = err == LL_TOO_LONG ? "failed" : "bad_signature";
	const json_t *items = json_object_get(answer, "items");
	size_t n = err == LL_OK ? json_array_size(items) : 0;
	struct fed_record *recs = n ? calloc(n, sizeof(*recs)) : NULL;
	if (n && !recs)
		err = LL_NOMEM;
	for (size_t i = 0; i < n && err == LL_OK; i++) {
		err = verify_record(&keys, r->person_name, json_array_get(items, i), clock_now_us(), &recs[i]);
		if (err == LL_UNAUTHENTICATED)
			state = "bad_signature";
	}
	int64_t imported = 0;
	if (err == LL_OK) {
		err = fed_run_import(f->st, r, recs, (int)n, next, &imported);
		*ret_is_last = next < 0;
		if (err == LL_CONFLICT) {
			/* Withdrawn or taken over meanwhile: nothing of the page was kept. */
			ll_error_clear();
			err = LL_OK;
			*ret_is_stopped = true;
		}
	} else if (err != LL_NOMEM) {
		/* Nothing of the page is kept: it is asked for again later. */
		char message[300];
		snprintf(message, sizeof(message), "%.290s", ll_error_get(err)->message);
		ll_error_clear();
		err = set_back(f, r, state, message, true);
		*ret_is_stopped = true;
	}
	for (size_t i = 0; i < n; i++)
		record_release(&recs[i]);
	free(recs);
	json_decref(answer);
	return err;
}

/* Runs r's fetch page after page, until it ends, fails, is taken from it or the server stops. */
static enum ll_err run_pages(const struct fed_fetcher *f, struct fed_run *r)
{
	unsigned char hash[32];
	enum ll_err err = fed_subject_hash(f->st, f->keys, r->person_id, hash);
	if (err == LL_NO_REGION_KEY) {
		char message[200];
		snprintf(message, sizeof(message), "%.190s", ll_error_get(err)->message);
		ll_error_clear();
		return set_back(f, r, "failed", message, false);
	}
	char *subject = err == LL_OK ? jose_b64url_encode(hash, sizeof(hash)) : NULL;
	if (err == LL_OK && !subject)
		err = LL_NOMEM;
	bool is_last = false, is_stopped = false;
	while (err == LL_OK && !is_last && !is_stopped && !(f->stop && *f->stop)) {
		if (clock_now_us() >= r->consent_until) {
			err = set_back(f, r, "expired", "the consent ended before the fetch was done", false);
			break;
		}
		/* The peer as it is registered now: a suspension or a key unpinned counts from the next page. */
		json_t *peer = NULL;
		err = fed_peer_get(f->st, r->node_id, &peer);
		if (err == LL_NOT_FOUND) {
			ll_error_clear();
			err = set_back(f, r, "failed", "this credit bank no longer exchanges records with the peer", false);
			break;
		}
		if (err == LL_OK && strcmp(json_string_value(json_object_get(peer, "status")), "active") != 0) {
			json_decref(peer);
			err = set_back(f, r, "failed", "exchange with the peer is suspended", false);
			break;
		}
		if (err == LL_OK)
			err = one_page(f, r, peer, subject, &is_last, &is_stopped);
		json_decref(peer);
		if (err == LL_OK && !is_last && !is_stopped) {
			err = fed_run_lease(f->st, r);
			if (err == LL_CONFLICT) {
				ll_error_clear();
				err = LL_OK;
				is_stopped = true;
			}
		}
	}
	free(subject);
	return err;
}

enum ll_err fed_fetch_run_due(const struct fed_fetcher *f, int64_t now_us, bool *ret_ran)
{
	*ret_ran = false;
	struct fed_run r;
	bool is_claimed = false;
	enum ll_err err = fed_run_claim(f->st, now_us, &r, &is_claimed);
	if (err != LL_OK || !is_claimed)
		return err;
	*ret_ran = true;
	if (r.consent_until <= now_us)
		return set_back(f, &r, "expired", "the consent ended before the fetch was done", false);
	err = run_pages(f, &r);
	/* Whatever else stopped it is this node's trouble: the person sees it, and it is tried again. */
	if (err != LL_OK) {
		char message[300];
		snprintf(message, sizeof(message), "%.290s", ll_error_get(err)->message);
		enum ll_err back = set_back(f, &r, "error", message, false);
		if (back == LL_OK)
			ll_fail(err, NULL, "%s", message);
	}
	return err;
}
