/*
 * SQL of the learning record store's statements: storing the statements of many requests in one
 * transaction (group commit), IRIs and agent keys numbered once and remembered, voiding, the
 * lifelong account a statement is about, and reading a statement back. Never edits a stored
 * statement's body: voiding only marks it.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/clock.h"
#include "../base/grow.h"
#include "../base/strmap.h"
#include "../store/store.h"
#include "lrs.h"

/* What a row of lrs_related matches a query by. */
enum related_role {
	ROLE_AGENT = 1,            /* the agent query: a member of an anonymous-group actor or object */
	ROLE_RELATED_AGENT = 2,    /* related_agents only: authority, instructor, team, a sub-statement's */
	ROLE_VERB = 3,             /* the verb query (inherited from a statement referred to) */
	ROLE_ACTIVITY = 4,         /* the activity query (inherited) */
	ROLE_RELATED_ACTIVITY = 5, /* related_activities only: context activities, a sub-statement's */
	ROLE_REGISTRATION = 6,     /* the registration query (inherited) */
};
/* How far a chain of StatementRefs passes on what its statements match. */
#define INHERIT_DEPTH 8

static const struct store_stmt LOCK_PG = { "lrs lock", "SELECT pg_advisory_xact_lock(31009)" };
static const struct store_stmt IRI_INSERT = { "lrs iri insert",
					      "INSERT INTO lrs_iris (iri) VALUES ($1) ON CONFLICT DO NOTHING" };
static const struct store_stmt IRI_GET = { "lrs iri", "SELECT id FROM lrs_iris WHERE iri = $1" };
static const struct store_stmt STATEMENT_FIND = { "lrs statement find",
						  "SELECT body FROM lrs_statements WHERE id = $1" };
static const struct store_stmt STATEMENT_INSERT = {
	"lrs statement insert",
	"INSERT INTO lrs_statements (id, stored_us, timestamp_us, actor_iri, verb_iri, activity_iri, object_agent_iri, "
	"object_statement, registration_iri, is_voiding, is_voided, client_id, client_no, person_id, body) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING seq"
};
static const struct store_stmt RELATED_INSERT = {
	"lrs related insert", "INSERT INTO lrs_related (iri, role, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
};
static const struct store_stmt STORED_LAST = {
	"lrs stored last", "SELECT stored_us FROM lrs_statements ORDER BY seq DESC LIMIT 1"
};
static const struct store_stmt REFERRERS = {
	"lrs referrers",
	"SELECT s.seq, s.id, s.is_voiding, COALESCE(c.institution_id, '') FROM lrs_statements s "
	"LEFT JOIN lrs_clients c ON c.id = s.client_id WHERE s.object_statement = $1"
};
static const struct store_stmt ACTIVITY_GET = {
	"lrs activity", "SELECT definition FROM lrs_activities WHERE institution_id = $1 AND iri = $2"
};
static const struct store_stmt ACTIVITY_PUT = {
	"lrs activity put",
	"INSERT INTO lrs_activities (institution_id, iri, definition, updated_us) VALUES ($1, $2, $3, $4) "
	"ON CONFLICT (institution_id, iri) DO UPDATE SET definition = excluded.definition, updated_us = excluded.updated_us"
};
static const struct store_stmt CLIENT_OF = {
	"lrs client of", "SELECT institution_id, number FROM lrs_clients WHERE id = $1"
};
/* Whose a statement is: the institution of the client that stored it. */
static const struct store_stmt STATEMENT_INSTITUTION = {
	"lrs statement institution",
	"SELECT COALESCE(c.institution_id, '') FROM lrs_statements s LEFT JOIN lrs_clients c ON c.id = s.client_id "
	"WHERE s.id = $1"
};
/* A voiding statement voids its target unless the target voids in turn. */
static const struct store_stmt VOID_TARGET = {
	"lrs void", "UPDATE lrs_statements SET is_voided = 1 WHERE id = $1 AND is_voiding = 0"
};
/* Data is kept once by its hash. Data whose bytes are not what the hash says is kept only while
 * there is no other, and gives way to data whose bytes are: it can never stand in for them. */
static const struct store_stmt ATTACHMENT_INSERT = {
	"lrs attachment insert",
	"INSERT INTO lrs_attachments (sha2, content_type, length, data, created_at, is_verified) "
	"VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha2) DO UPDATE SET content_type = excluded.content_type, "
	"length = excluded.length, data = excluded.data, created_at = excluded.created_at, is_verified = 1 "
	"WHERE excluded.is_verified = 1 AND lrs_attachments.is_verified = 0"
};
static const struct store_stmt PERSON_BY_ACCOUNT = { "lrs person by account",
						     "SELECT id FROM persons WHERE account_no = $1" };
static const struct store_stmt STATEMENT_GET = {
	"lrs statement get",
	"SELECT body FROM lrs_statements WHERE id = $1 AND is_voided = $2 AND ($3 = '' OR client_id IN "
	"(SELECT c.id FROM lrs_clients c WHERE c.institution_id = $3))"
};

/* ---- The cache of IRI numbers ---- */

struct lrs_cache {
	pthread_mutex_t mu;
	struct strmap *iris;
	struct strmap *definitions;    /* "institution\niri" -> hash of the definition last applied */
	struct strmap *clients;        /* client id -> its number (lrs_clients.number) */
	struct strmap *persons;        /* account number -> index in person_ids */
	char (*person_ids)[48];
	size_t n_person_ids, cap_person_ids;
};

struct lrs_cache *lrs_cache_new(void)
{
	struct lrs_cache *c = calloc(1, sizeof(*c));
	if (!c || !(c->iris = strmap_new()) || !(c->definitions = strmap_new()) || !(c->persons = strmap_new()) ||
	    !(c->clients = strmap_new())) {
		if (c) {
			strmap_free(c->iris);
			strmap_free(c->definitions);
			strmap_free(c->persons);
		}
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

struct lrs_cache *lrs_cache_free(struct lrs_cache *c)
{
	if (c) {
		strmap_free(c->iris);
		strmap_free(c->definitions);
		strmap_free(c->persons);
		strmap_free(c->clients);
		free(c->person_ids);
		pthread_mutex_destroy(&c->mu);
		free(c);
	}
	return NULL;
}

static bool cache_get(struct lrs_cache *c, const char *iri, int64_t *ret)
{
	if (!c)
		return false;
	pthread_mutex_lock(&c->mu);
	bool is_found = strmap_get(c->iris, iri, ret);
	pthread_mutex_unlock(&c->mu);
	return is_found;
}

/* ---- One group commit ---- */

/* An IRI numbered in this transaction; remembered only once it commits. */
struct fresh_iri {
	const char *iri;
	int64_t id;
};

struct store_ctx {
	struct lrs_cache *cache;
	const char *home_page;
	struct lrs_batch *const *batches;
	int n;
	/* Per attempt. */
	struct fresh_iri *fresh;
	size_t n_fresh, cap_fresh;
	struct strmap *local;          /* IRIs numbered in this attempt, to their numbers */
	struct strmap *ids;            /* statement ids accepted in this attempt, to batch index */
	struct strmap *own;            /* ids of the batch being admitted */
	int64_t stored_us;             /* the time of this commit */
	char institution[48];          /* of the batch being stored ("" when its client has none) */
	int64_t client_no;             /* its client's number (0: a client lrs_clients does not hold) */
	/* Definitions applied in this attempt: remembered in the cache once it commits. */
	struct fresh_definition {
		char *key;
		int64_t hash;
	} *fresh_defs;
	size_t n_fresh_defs, cap_fresh_defs;
	struct strmap *local_defs;
};

static enum ll_err id_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err text_row(const struct store_row *row, void *ctx)
{
	char **out = ctx;
	free(*out);
	*out = strdup(store_row_text(row, 0));
	return *out ? LL_OK : LL_NOMEM;
}

/* The number of iri (NULL: none), numbering it when new. */
static enum ll_err iri_number(struct ll_tx *tx, struct store_ctx *x, const char *iri, int64_t *ret)
{
	*ret = 0;
	if (!iri)
		return LL_OK;
	if (cache_get(x->cache, iri, ret) || strmap_get(x->local, iri, ret))
		return LL_OK;
	int64_t id = -1;
	enum ll_err err = store_exec(tx, &IRI_INSERT, SP(SV_TEXT(iri)), NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &IRI_GET, SP(SV_TEXT(iri)), id_row, &id);
	if (err != LL_OK)
		return err;
	if (id < 0)
		return ll_fail(LL_INTERNAL, NULL, "an IRI was numbered but cannot be read back");
	if (!strmap_put(x->local, iri, id) || !grow(&x->fresh, &x->cap_fresh, x->n_fresh, sizeof(*x->fresh), 64))
		return LL_NOMEM;
	x->fresh[x->n_fresh++] = (struct fresh_iri){ iri, id };
	*ret = id;
	return LL_OK;
}

struct client_of {
	char *institution;
	int64_t number;
};

static enum ll_err client_row(const struct store_row *row, void *ctx)
{
	struct client_of *c = ctx;
	c->institution = strdup(store_row_text(row, 0));
	c->number = store_row_is_null(row, 1) ? 0 : store_row_i64(row, 1);
	return c->institution ? LL_OK : LL_NOMEM;
}

/* The institution and number of the batch's client into x: a number never changes, so once read
 * it is remembered. */
static enum ll_err client_resolve(struct ll_tx *tx, struct store_ctx *x, const struct lrs_batch *batch)
{
	struct lrs_cache *c = x->cache;
	bool is_known = false;
	if (c && batch->institution_id) {
		pthread_mutex_lock(&c->mu);
		is_known = strmap_get(c->clients, batch->client_id, &x->client_no);
		pthread_mutex_unlock(&c->mu);
	}
	if (is_known) {
		snprintf(x->institution, sizeof(x->institution), "%s", batch->institution_id);
		return LL_OK;
	}
	struct client_of found = { NULL, 0 };
	enum ll_err err = store_exec(tx, &CLIENT_OF, SP(SV_TEXT(batch->client_id)), client_row, &found);
	snprintf(x->institution, sizeof(x->institution), "%s",
		 batch->institution_id ? batch->institution_id : found.institution ? found.institution : "");
	x->client_no = found.number;
	if (err == LL_OK && found.number && c) {
		pthread_mutex_lock(&c->mu);
		strmap_put(c->clients, batch->client_id, found.number); /* out of memory: asked again */
		pthread_mutex_unlock(&c->mu);
	}
	free(found.institution);
	return err;
}

/* Decides whether batch b can be stored: every statement's id is new, or held with the same
 * content (by the store or an earlier batch of this commit). Marks the statements to skip. */
static enum ll_err batch_admit(struct ll_tx *tx, struct store_ctx *x, int b, bool *skip)
{
	struct lrs_batch *batch = x->batches[b];
	strmap_clear(x->own);
	enum ll_err err = client_resolve(tx, x, batch);
	if (err != LL_OK)
		return err;
	for (int i = 0; i < batch->n; i++) {
		const struct lrs_statement *s = &batch->statements[i];
		int64_t earlier;
		/* An institution's clients void its own statements, nobody else's. */
		if (s->is_voiding) {
			char *owner = NULL;
			err = store_exec(tx, &STATEMENT_INSTITUTION, SP(SV_TEXT(s->object_statement)), text_row, &owner);
			bool is_other = owner && strcmp(owner, x->institution) != 0;
			free(owner);
			if (err != LL_OK)
				return err;
			if (is_other) {
				ll_fail(LL_FORBIDDEN, "object", "statement %s was stored by another institution's platform; "
								"only its own may void it", s->object_statement);
				batch->err = LL_FORBIDDEN;
				batch->detail = *ll_error_get(LL_FORBIDDEN);
				return LL_OK;
			}
		}
		if (strmap_get(x->own, s->id, &earlier)) {
			ll_fail(LL_INVALID_VALUE, "id", "statement %s is twice in one request", s->id);
			batch->err = LL_INVALID_VALUE;
			batch->detail = *ll_error_get(LL_INVALID_VALUE);
			return LL_OK;
		}
		if (!strmap_put(x->own, s->id, i))
			return LL_NOMEM;
		const json_t *held = NULL;
		json_t *loaded = NULL;
		if (strmap_get(x->ids, s->id, &earlier)) {
			const struct lrs_batch *e = x->batches[earlier >> 20];
			held = e->statements[earlier & 0xfffff].json;
		} else {
			char *body = NULL;
			err = store_exec(tx, &STATEMENT_FIND, SP(SV_TEXT(s->id)), text_row, &body);
			if (err != LL_OK) {
				free(body);
				return err;
			}
			if (body) {
				loaded = json_loads(body, 0, NULL);
				free(body);
				if (!loaded)
					return ll_fail(LL_INTERNAL, NULL, "stored statement %s does not parse", s->id);
				held = loaded;
			}
		}
		if (held) {
			bool is_same = lrs_statement_same(held, s->json);
			json_decref(loaded);
			if (!is_same) {
				ll_fail(LL_CONFLICT, "id", "statement %s is stored already with other content", s->id);
				batch->err = LL_CONFLICT;
				batch->detail = *ll_error_get(LL_CONFLICT);
				return LL_OK;
			}
			skip[i] = true;
		}
	}
	return LL_OK;
}

/* The person whose lifelong account the actor key names, or who claimed the agent; or NULL. */
static enum ll_err person_of(struct ll_tx *tx, const struct store_ctx *x, const char *key, char **ret)
{
	*ret = NULL;
	if (!key || !x->home_page)
		return LL_OK;
	size_t hp = strlen(x->home_page);
	if (strncmp(key, "account:", 8) != 0 || strncmp(key + 8, x->home_page, hp) != 0 || key[8 + hp] != ' ')
		return lrs_agent_person(tx, key, ret); /* another identifier: its person if claimed */
	const char *account_no = key + 8 + hp + 1;
	/* An account number names its person for good: once found, remembered. */
	struct lrs_cache *c = x->cache;
	int64_t k;
	if (c) {
		pthread_mutex_lock(&c->mu);
		bool is_known = strmap_get(c->persons, account_no, &k);
		char *id = is_known ? strdup(c->person_ids[k]) : NULL;
		pthread_mutex_unlock(&c->mu);
		if (is_known) {
			*ret = id;
			return id ? LL_OK : LL_NOMEM;
		}
	}
	enum ll_err err = store_exec(tx, &PERSON_BY_ACCOUNT, SP(SV_TEXT(account_no)), text_row, ret);
	if (err == LL_OK && *ret && c && strlen(*ret) < sizeof(c->person_ids[0])) {
		pthread_mutex_lock(&c->mu);
		if (grow(&c->person_ids, &c->cap_person_ids, c->n_person_ids, sizeof(c->person_ids[0]), 256) &&
		    strmap_put(c->persons, account_no, (int64_t)c->n_person_ids))
			snprintf(c->person_ids[c->n_person_ids++], sizeof(c->person_ids[0]), "%s", *ret);
		pthread_mutex_unlock(&c->mu);
	}
	return err;
}

static enum ll_err related_add(struct ll_tx *tx, struct store_ctx *x, const char *iri, enum related_role role,
			       int64_t seq)
{
	int64_t n;
	enum ll_err err = iri_number(tx, x, iri, &n);
	if (err == LL_OK && n)
		err = store_exec(tx, &RELATED_INSERT, SP(SV_I64(n), SV_I64(role), SV_I64(seq)), NULL, NULL);
	return err;
}

static void registration_iri(const char *registration, char out[48])
{
	snprintf(out, 48, "urn:uuid:%s", registration ? registration : "");
}

/* What statement s matches a query by, for the statement seq: its own related rows, and, when
 * is_inherited, its actor, object, verb and registration too (seq refers to s). */
static enum ll_err related_write(struct ll_tx *tx, struct store_ctx *x, const struct lrs_statement *s, int64_t seq,
				 bool is_inherited)
{
	enum ll_err err = LL_OK;
	for (int i = 0; i < s->n_member_keys && err == LL_OK; i++)
		err = related_add(tx, x, s->member_keys[i], ROLE_AGENT, seq);
	for (int i = 0; i < s->n_related_agents && err == LL_OK; i++)
		err = related_add(tx, x, s->related_agents[i], ROLE_RELATED_AGENT, seq);
	for (int i = 0; i < s->n_related_activities && err == LL_OK; i++)
		err = related_add(tx, x, s->related_activities[i], ROLE_RELATED_ACTIVITY, seq);
	if (!is_inherited || err != LL_OK)
		return err;
	char reg[48];
	registration_iri(s->registration, reg);
	if (s->actor_key)
		err = related_add(tx, x, s->actor_key, ROLE_AGENT, seq);
	if (err == LL_OK && s->object_agent_key)
		err = related_add(tx, x, s->object_agent_key, ROLE_AGENT, seq);
	if (err == LL_OK)
		err = related_add(tx, x, s->verb_id, ROLE_VERB, seq);
	if (err == LL_OK && s->object_activity)
		err = related_add(tx, x, s->object_activity, ROLE_ACTIVITY, seq);
	if (err == LL_OK && s->registration)
		err = related_add(tx, x, reg, ROLE_REGISTRATION, seq);
	return err;
}

/* A statement whose object refers to target_id matches what the target matches (and what the
 * target refers to, in turn): its rows are written for the referring statement seq. A target not
 * stored yet passes them on when it arrives (referrers_update). */
static enum ll_err inherit(struct ll_tx *tx, struct store_ctx *x, const char *target_id, int64_t seq, int depth)
{
	char *body = NULL;
	enum ll_err err = store_exec(tx, &STATEMENT_FIND, SP(SV_TEXT(target_id)), text_row, &body);
	if (err != LL_OK || !body) {
		free(body);
		return err;
	}
	json_t *obj = json_loads(body, 0, NULL);
	free(body);
	if (!obj)
		return ll_fail(LL_INTERNAL, NULL, "stored statement %s does not parse", target_id);
	struct lrs_statement t;
	const struct lrs_stamp stamp = { .id = target_id };
	err = lrs_statement_check(obj, "", &stamp, &t);
	json_decref(obj);
	if (err != LL_OK)
		return ll_fail(LL_INTERNAL, NULL, "stored statement %s no longer checks", target_id);
	err = related_write(tx, x, &t, seq, true);
	if (err == LL_OK && t.object_statement && depth + 1 < INHERIT_DEPTH)
		err = inherit(tx, x, t.object_statement, seq, depth + 1);
	lrs_statement_release(&t);
	return err;
}

struct referrer {
	int64_t seq;
	char id[40];
};

struct referrers {
	struct referrer items[16];
	int n;
	bool has_voiding;              /* voided by a statement of the same institution */
	const char *institution;
};

static enum ll_err referrer_row(const struct store_row *row, void *ctx)
{
	struct referrers *r = ctx;
	if (r->n < (int)(sizeof(r->items) / sizeof(r->items[0]))) {
		r->items[r->n].seq = store_row_i64(row, 0);
		snprintf(r->items[r->n].id, sizeof(r->items[r->n].id), "%s", store_row_text(row, 1));
		r->n++;
	}
	r->has_voiding |= store_row_i64(row, 2) != 0 && r->institution && strcmp(store_row_text(row, 3), r->institution) == 0;
	return LL_OK;
}

/* Statements stored earlier that refer to id (or to statements that do) inherit from it now. */
static enum ll_err referrers_update(struct ll_tx *tx, struct store_ctx *x, const char *id, const char *source_id,
				   int depth)
{
	struct referrers r = { .n = 0 };
	enum ll_err err = store_exec(tx, &REFERRERS, SP(SV_TEXT(id)), referrer_row, &r);
	for (int i = 0; i < r.n && err == LL_OK; i++) {
		err = inherit(tx, x, source_id, r.items[i].seq, 0);
		if (err == LL_OK && depth + 1 < INHERIT_DEPTH)
			err = referrers_update(tx, x, r.items[i].id, source_id, depth + 1);
	}
	return err;
}

static int64_t text_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (int64_t)(h >> 1);
}

/* The canonical definition of an activity takes in one a statement gave: each language of its
 * name and description, every other part whole. A definition applied before (here or in an
 * earlier commit) costs nothing. */
static enum ll_err definition_apply(struct ll_tx *tx, struct store_ctx *x, const struct lrs_statement *s)
{
	if (!s->object_activity || !s->definition_text)
		return LL_OK;
	size_t klen = strlen(x->institution) + strlen(s->object_activity) + 2;
	char *key = malloc(klen);
	if (!key)
		return LL_NOMEM;
	snprintf(key, klen, "%s\n%s", x->institution, s->object_activity);
	int64_t hash = text_hash(s->definition_text), seen = 0;
	bool is_known = strmap_get(x->local_defs, key, &seen) && seen == hash;
	if (!is_known && x->cache) {
		pthread_mutex_lock(&x->cache->mu);
		is_known = strmap_get(x->cache->definitions, key, &seen) && seen == hash;
		pthread_mutex_unlock(&x->cache->mu);
	}
	if (is_known) {
		free(key);
		return LL_OK;
	}
	char *held = NULL;
	enum ll_err err = store_exec(tx, &ACTIVITY_GET, SP(SV_TEXT(x->institution), SV_TEXT(s->object_activity)),
				     text_row, &held);
	json_t *canonical = held ? json_loads(held, 0, NULL) : NULL;
	if (!canonical)
		canonical = json_object();
	const char *name;
	json_t *part;
	json_object_foreach ((json_t *)s->object_definition, name, part) {
		json_t *have = json_object_get(canonical, name);
		bool is_map = strcmp(name, "name") == 0 || strcmp(name, "description") == 0;
		if (is_map && json_is_object(have))
			json_object_update(have, part);
		else
			json_object_set(canonical, name, part);
	}
	char *text = json_dumps(canonical, JSON_COMPACT);
	json_decref(canonical);
	if (err == LL_OK && !text)
		err = LL_NOMEM;
	/* Written only when it says something new: a platform repeats a definition with every
	 * statement. */
	if (err == LL_OK && !(held && strcmp(held, text) == 0))
		err = store_exec(tx, &ACTIVITY_PUT,
				 SP(SV_TEXT(x->institution), SV_TEXT(s->object_activity), SV_TEXT(text), SV_I64(x->stored_us)),
				 NULL, NULL);
	free(held);
	free(text);
	if (err == LL_OK && (!strmap_put(x->local_defs, key, hash) ||
			     !grow(&x->fresh_defs, &x->cap_fresh_defs, x->n_fresh_defs, sizeof(*x->fresh_defs), 16)))
		err = LL_NOMEM;
	if (err != LL_OK) {
		free(key);
		return err;
	}
	x->fresh_defs[x->n_fresh_defs++] = (struct fresh_definition){ key, hash };
	return LL_OK;
}

static enum ll_err statement_insert(struct ll_tx *tx, struct store_ctx *x, const struct lrs_batch *batch,
				    struct lrs_statement *s)
{
	/* Stored now: every statement of the commit shares its time, which never goes back. */
	char stored[32];
	lrs_time_format(x->stored_us, stored);
	if (!s->has_timestamp)
		s->timestamp_us = x->stored_us;
	char reg[48];
	registration_iri(s->registration, reg);
	int64_t actor, verb, activity, object_agent, registration;
	enum ll_err err = iri_number(tx, x, s->actor_key, &actor);
	if (err == LL_OK)
		err = iri_number(tx, x, s->verb_id, &verb);
	if (err == LL_OK)
		err = iri_number(tx, x, s->object_activity, &activity);
	if (err == LL_OK)
		err = iri_number(tx, x, s->object_agent_key, &object_agent);
	if (err == LL_OK)
		err = iri_number(tx, x, s->registration ? reg : NULL, &registration);
	if (err != LL_OK)
		return err;
	/* Statements stored earlier that refer to this one: a voiding one voids it, and each passes
	 * on what it matches (referrers_update, once this one has its number). */
	struct referrers r = { .n = 0, .institution = x->institution };
	if ((err = store_exec(tx, &REFERRERS, SP(SV_TEXT(s->id)), referrer_row, &r)) != LL_OK)
		return err;
	bool is_voided = !s->is_voiding && r.has_voiding;
	char *person = NULL;
	if ((err = person_of(tx, x, s->actor_key, &person)) != LL_OK)
		return err;
	/* The checked text with the store's own properties before its closing brace. */
	char *body = malloc(s->text_len + 96);
	if (!body) {
		free(person);
		return LL_NOMEM;
	}
	memcpy(body, s->text, s->text_len - 1);
	snprintf(body + s->text_len - 1, 96, ",\"stored\":\"%s\"%s%s%s}", stored, s->has_timestamp ? "" : ",\"timestamp\":\"",
		 s->has_timestamp ? "" : stored, s->has_timestamp ? "" : "\"");
	int64_t seq = -1;
	err = store_exec(tx, &STATEMENT_INSERT,
			 SP(SV_TEXT(s->id), SV_I64(x->stored_us), SV_I64(s->timestamp_us), actor ? SV_I64(actor) : SV_NULL,
			    SV_I64(verb), activity ? SV_I64(activity) : SV_NULL,
			    object_agent ? SV_I64(object_agent) : SV_NULL, SV_TEXT(s->object_statement),
			    registration ? SV_I64(registration) : SV_NULL, SV_BOOL(s->is_voiding), SV_BOOL(is_voided),
			    SV_TEXT(batch->client_id), x->client_no ? SV_I64(x->client_no) : SV_NULL, SV_TEXT(person),
			    SV_TEXT(body)),
			 id_row, &seq);
	free(body);
	free(person);
	if (err == LL_OK)
		err = related_write(tx, x, s, seq, false);
	if (err == LL_OK && s->object_statement)
		err = inherit(tx, x, s->object_statement, seq, 0);
	for (int i = 0; i < r.n && err == LL_OK; i++) {
		err = inherit(tx, x, s->id, r.items[i].seq, 0);
		if (err == LL_OK)
			err = referrers_update(tx, x, r.items[i].id, s->id, 1);
	}
	if (err == LL_OK && s->is_voiding)
		err = store_exec(tx, &VOID_TARGET, SP(SV_TEXT(s->object_statement)), NULL, NULL);
	if (err == LL_OK)
		err = definition_apply(tx, x, s);
	return err;
}

enum ll_err lrs_write_lock(struct ll_tx *tx)
{
	/* SQLite has one writer at a time already. */
	if (store_engine(store_tx_store(tx)) != STORE_ENGINE_POSTGRES)
		return LL_OK;
	return store_exec(tx, &LOCK_PG, SP_NONE, NULL, NULL);
}

static enum ll_err store_txn(struct ll_tx *tx, void *ctx)
{
	struct store_ctx *x = ctx;
	x->n_fresh = 0;
	for (size_t i = 0; i < x->n_fresh_defs; i++)
		free(x->fresh_defs[i].key);
	x->n_fresh_defs = 0;
	strmap_clear(x->local_defs);
	strmap_clear(x->local);
	strmap_clear(x->ids);
	enum ll_err err = lrs_write_lock(tx);
	int64_t now = clock_now_us(), last = 0;
	if (err == LL_OK)
		err = store_exec(tx, &STORED_LAST, SP_NONE, id_row, &last);
	x->stored_us = now / 1000 * 1000;
	if (x->stored_us < last)
		x->stored_us = last;
	for (int b = 0; b < x->n && err == LL_OK; b++) {
		struct lrs_batch *batch = x->batches[b];
		batch->err = LL_OK;
		batch->stored = 0;
		bool *skip = calloc((size_t)batch->n + 1, sizeof(bool));
		if (!skip)
			return LL_NOMEM;
		err = batch_admit(tx, x, b, skip);
		if (err == LL_OK && batch->err == LL_OK) {
			for (int i = 0; i < batch->n && err == LL_OK; i++) {
				if (skip[i])
					continue;
				err = statement_insert(tx, x, batch, &batch->statements[i]);
				if (err == LL_OK && !strmap_put(x->ids, batch->statements[i].id, ((int64_t)b << 20) | i))
					err = LL_NOMEM;
				batch->stored += err == LL_OK;
			}
			for (int i = 0; i < batch->n_payloads && err == LL_OK; i++) {
				const struct lrs_payload *p = &batch->payloads[i];
				err = store_exec(tx, &ATTACHMENT_INSERT,
						 SP(SV_TEXT(p->sha2), SV_TEXT(p->content_type), SV_I64((int64_t)p->len),
						    SV_BLOB(p->data ? p->data : "", p->len), SV_I64(now),
						    SV_BOOL(p->is_verified)),
						 NULL, NULL);
			}
		}
		free(skip);
	}
	return err;
}

enum ll_err lrs_batches_store(struct ll_store *st, struct store_session *session, struct lrs_cache *cache,
			      const char *home_page,
			      struct lrs_batch *const *batches, int n)
{
	for (int b = 0; b < n; b++)
		if (batches[b]->n >= (1 << 20))
			return ll_fail(LL_OUT_OF_RANGE, NULL, "a request holds fewer than 2^20 statements");
	struct store_ctx x = { .cache = cache, .home_page = home_page, .batches = batches, .n = n,
			       .local = strmap_new(), .ids = strmap_new(), .own = strmap_new(),
			       .local_defs = strmap_new() };
	enum ll_err err = !(x.local && x.ids && x.own && x.local_defs) ? LL_NOMEM
			  : session ? store_session_run(session, STORE_WRITE, "lrs store", store_txn, &x)
				    : store_run(st, STORE_WRITE, "lrs store", store_txn, &x);
	if (err == LL_OK && cache) {
		/* Out of memory here only makes the cache forget. */
		pthread_mutex_lock(&cache->mu);
		for (size_t i = 0; i < x.n_fresh; i++)
			strmap_put(cache->iris, x.fresh[i].iri, x.fresh[i].id);
		for (size_t i = 0; i < x.n_fresh_defs; i++)
			strmap_put(cache->definitions, x.fresh_defs[i].key, x.fresh_defs[i].hash);
		pthread_mutex_unlock(&cache->mu);
	}
	for (size_t i = 0; i < x.n_fresh_defs; i++)
		free(x.fresh_defs[i].key);
	free(x.fresh_defs);
	strmap_free(x.local_defs);
	if (err != LL_OK) {
		struct ll_error detail = *ll_error_get(err);
		for (int b = 0; b < n; b++) {
			batches[b]->err = err;
			batches[b]->detail = detail;
			batches[b]->stored = 0;
		}
	}
	free(x.fresh);
	strmap_free(x.local);
	strmap_free(x.ids);
	strmap_free(x.own);
	return err;
}

/* ---- Reading ---- */

static const struct store_stmt ATTACHMENT_GET = {
	"lrs attachment", "SELECT content_type, data FROM lrs_attachments WHERE sha2 = $1"
};

struct attachments_ctx {
	const char *const *sha2s;
	int n;
	struct lrs_payload *out;
	int found;
};

static enum ll_err attachment_row(const struct store_row *row, void *ctx)
{
	struct attachments_ctx *a = ctx;
	struct lrs_payload *p = &a->out[a->found];
	size_t len;
	const void *data = store_row_blob(row, 1, &len);
	char *copy = malloc(len + 1);
	char *type = strdup(store_row_text(row, 0));
	if (!copy || !type) {
		free(copy);
		free(type);
		return LL_NOMEM;
	}
	if (len)
		memcpy(copy, data, len); /* empty data may be no pointer at all */
	p->data = copy;
	p->len = len;
	p->content_type = type;
	return LL_OK;
}

static enum ll_err attachments_txn(struct ll_tx *tx, void *ctx)
{
	struct attachments_ctx *a = ctx;
	lrs_payloads_release(a->out, a->found);
	a->found = 0;
	for (int i = 0; i < a->n; i++) {
		a->out[a->found].data = NULL;
		enum ll_err err = store_exec(tx, &ATTACHMENT_GET, SP(SV_TEXT(a->sha2s[i])), attachment_row, a);
		if (err != LL_OK)
			return err;
		if (a->out[a->found].data)
			a->out[a->found++].sha2 = a->sha2s[i];
	}
	return LL_OK;
}

enum ll_err lrs_attachments_get(struct ll_store *st, const char *const *sha2s, int n, struct lrs_payload *ret,
				int *ret_n)
{
	struct attachments_ctx a = { sha2s, n, ret, 0 };
	memset(ret, 0, (size_t)n * sizeof(*ret));
	enum ll_err err = store_run(st, STORE_READ, "lrs attachments", attachments_txn, &a);
	if (err != LL_OK) {
		lrs_payloads_release(ret, a.found);
		return err;
	}
	*ret_n = a.found;
	return LL_OK;
}

void lrs_payloads_release(struct lrs_payload *p, int n)
{
	for (int i = 0; i < n; i++) {
		free((void *)p[i].data);
		free((void *)p[i].content_type);
		p[i].data = NULL;
		p[i].content_type = NULL;
	}
}

/* A person's learning activity, newest first, from before seq $2 (0: the newest). */
static const struct store_stmt PERSON_ACTIVITY = {
	"lrs person activity",
	"SELECT seq, body FROM lrs_statements WHERE person_id = $1 AND is_voided = 0 AND is_voiding = 0 AND ($2 = 0 OR seq < $2) "
	"ORDER BY seq DESC LIMIT $3"
};

struct activity_page {
	const char *person_id;
	int64_t before;
	int limit, n;
	int64_t last_seq;
	bool has_more;
	json_t *items;
};

static enum ll_err activity_row(const struct store_row *row, void *ctx)
{
	struct activity_page *p = ctx;
	if (p->n == p->limit) {
		p->has_more = true;
		return LL_OK;
	}
	json_t *st = json_loads(store_row_text(row, 1), 0, NULL);
	if (!st)
		return ll_fail(LL_INTERNAL, NULL, "a stored statement does not parse");
	p->last_seq = store_row_i64(row, 0);
	p->n++;
	return json_array_append_new(p->items, st) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err person_activity_txn(struct ll_tx *tx, void *ctx)
{
	struct activity_page *p = ctx;
	json_array_clear(p->items);
	p->n = 0;
	p->has_more = false;
	return store_exec(tx, &PERSON_ACTIVITY, SP(SV_TEXT(p->person_id), SV_I64(p->before), SV_I64(p->limit + 1)),
			  activity_row, p);
}

enum ll_err lrs_person_activity(struct ll_store *st, const char *person_id, const char *after, int limit,
				json_t **ret_page)
{
	char *end = NULL;
	long long before = after && *after ? strtoll(after, &end, 10) : 0;
	if (after && *after && (*end || before <= 0))
		return ll_fail(LL_BAD_QUERY, "after", "after is the next value of the previous page");
	struct activity_page p = { .person_id = person_id, .before = before, .limit = limit, .items = json_array() };
	enum ll_err err = p.items ? store_run(st, STORE_READ, "lrs person activity", person_activity_txn, &p) : LL_NOMEM;
	if (err != LL_OK) {
		json_decref(p.items);
		return err;
	}
	json_t *page = json_pack("{s:o}", "items", p.items);
	if (page && p.has_more)
		json_object_set_new(page, "next", json_sprintf("%lld", (long long)p.last_seq));
	*ret_page = page;
	return page ? LL_OK : LL_NOMEM;
}

struct activity_ctx {
	const char *institution_id, *id;
	char *definition;
};

static enum ll_err activity_txn(struct ll_tx *tx, void *ctx)
{
	struct activity_ctx *a = ctx;
	free(a->definition);
	a->definition = NULL;
	return store_exec(tx, &ACTIVITY_GET, SP(SV_TEXT(a->institution_id), SV_TEXT(a->id)), text_row, &a->definition);
}

enum ll_err lrs_activity_get(struct ll_store *st, const char *institution_id, const char *id, json_t **ret)
{
	struct activity_ctx a = { institution_id ? institution_id : "", id, NULL };
	enum ll_err err = store_run(st, STORE_READ, "lrs activity", activity_txn, &a);
	json_t *definition = a.definition ? json_loads(a.definition, 0, NULL) : NULL;
	free(a.definition);
	if (err != LL_OK) {
		json_decref(definition);
		return err;
	}
	json_t *o = json_pack("{s:s, s:s}", "objectType", "Activity", "id", id);
	if (!o) {
		json_decref(definition);
		return LL_NOMEM;
	}
	if (definition)
		json_object_set_new(o, "definition", definition);
	*ret = o;
	return LL_OK;
}

struct get_ctx {
	const char *id;
	bool is_voided;
	const char *institution_id;
	char *body;
};

static enum ll_err get_txn(struct ll_tx *tx, void *ctx)
{
	struct get_ctx *g = ctx;
	free(g->body);
	g->body = NULL;
	return store_exec(tx, &STATEMENT_GET,
			  SP(SV_TEXT(g->id), SV_BOOL(g->is_voided), SV_TEXT(g->institution_id ? g->institution_id : "")),
			  text_row, &g->body);
}

enum ll_err lrs_statement_get(struct ll_store *st, const char *id, bool is_voided, const char *institution_id,
			      char **ret_body)
{
	if (!lrs_uuid_is_valid(id))
		return ll_fail(LL_INVALID_VALUE, is_voided ? "voidedStatementId" : "statementId", "must be a UUID");
	char lower[37];
	snprintf(lower, sizeof(lower), "%s", id);
	for (char *p = lower; *p; p++)
		*p = (char)((*p >= 'A' && *p <= 'F') ? *p - 'A' + 'a' : *p);
	struct get_ctx g = { lower, is_voided, institution_id, NULL };
	enum ll_err err = store_run(st, STORE_READ, "lrs statement", get_txn, &g);
	if (err == LL_OK && !g.body)
		err = ll_fail(LL_NOT_FOUND, is_voided ? "voidedStatementId" : "statementId", "no %sstatement %s",
			      is_voided ? "voided " : "", lower);
	if (err != LL_OK) {
		free(g.body);
		return err;
	}
	*ret_body = g.body;
	return LL_OK;
}

/* ---- What follows the store ---- */

static const struct store_stmt LEARNING_SINCE = {
	"lrs learning since",
	"SELECT s.seq, s.id, s.person_id, v.iri, i.type, s.timestamp_us, s.stored_us, s.body FROM lrs_statements s "
	"JOIN lrs_iris v ON v.id = s.verb_iri JOIN lrs_clients c ON c.id = s.client_id "
	"JOIN institutions i ON i.id = c.institution_id "
	"WHERE s.seq > $1 AND s.seq <= $2 AND s.person_id IS NOT NULL AND s.is_voiding = 0 AND s.is_voided = 0 "
	"ORDER BY s.seq LIMIT $3"
};
static const struct store_stmt SEQ_LAST = { "lrs seq last", "SELECT COALESCE(MAX(seq), 0) FROM lrs_statements" };

static enum ll_err i64_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

struct learning_ctx {
	struct arena *a;
	struct lrs_learning *items;
	int n, cap;
};

/* The name of a language map, Chinese first (or English first), then the other, then any. */
static const char *map_pick(const json_t *map, bool is_english)
{
	static const char *const zh_first[] = { "zh-CN", "zh-Hans-CN", "zh", "en-US", "en", NULL };
	static const char *const en_first[] = { "en-US", "en", "en-GB", "zh-CN", "zh-Hans-CN", "zh", NULL };
	const char *const *preferred = is_english ? en_first : zh_first;
	for (int i = 0; preferred[i]; i++) {
		const char *v = json_string_value(json_object_get(map, preferred[i]));
		if (v)
			return v;
	}
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)map, key, value) {
		if (json_is_string(value))
			return json_string_value(value);
	}
	return NULL;
}

static enum ll_err learning_row(const struct store_row *row, void *ctx)
{
	struct learning_ctx *x = ctx;
	if (x->n == x->cap)
		return LL_OK;
	struct lrs_learning *l = &x->items[x->n];
	l->seq = store_row_i64(row, 0);
	l->id = arena_strdup(x->a, store_row_text(row, 1));
	l->person_id = arena_strdup(x->a, store_row_text(row, 2));
	l->verb = arena_strdup(x->a, store_row_text(row, 3));
	l->institution_type = arena_strdup(x->a, store_row_text(row, 4));
	l->timestamp_us = store_row_i64(row, 5);
	l->stored_us = store_row_i64(row, 6);
	l->duration_ms = -1;
	l->title = l->title_en = NULL;
	json_t *body = json_loads(store_row_text(row, 7), 0, NULL);
	if (body) {
		const char *duration = json_string_value(json_object_get(json_object_get(body, "result"), "duration"));
		int64_t ms;
		if (duration && lrs_duration_ms(duration, &ms))
			l->duration_ms = ms;
		const json_t *name = json_object_get(json_object_get(json_object_get(body, "object"), "definition"), "name");
		const char *title = map_pick(name, false), *title_en = map_pick(name, true);
		if (title)
			l->title = arena_strdup(x->a, title);
		if (title_en)
			l->title_en = arena_strdup(x->a, title_en);
		json_decref(body);
	}
	if (!l->id || !l->person_id || !l->verb || !l->institution_type)
		return LL_NOMEM;
	x->n++;
	return LL_OK;
}

enum ll_err lrs_learning_since(struct ll_tx *tx, int64_t after_seq, int limit, struct arena *a,
			       struct lrs_learning **ret_items, int *ret_n, int64_t *ret_next)
{
	struct learning_ctx x = { .a = a, .cap = limit, .items = arena_alloc(a, (size_t)limit * sizeof(*x.items)) };
	if (!x.items)
		return ll_fail(LL_NOMEM, NULL, NULL);
	/* Up to the last statement now stored: when fewer than limit of them are about someone, the
	 * next call starts after all of them instead of scanning them again. */
	int64_t last = 0;
	enum ll_err err = store_exec(tx, &SEQ_LAST, SP_NONE, i64_row, &last);
	if (err == LL_OK)
		err = store_exec(tx, &LEARNING_SINCE, SP(SV_I64(after_seq), SV_I64(last), SV_I64(limit)), learning_row, &x);
	*ret_items = x.items;
	*ret_n = x.n;
	*ret_next = x.n == limit ? x.items[x.n - 1].seq : last > after_seq ? last : after_seq;
	return err;
}
