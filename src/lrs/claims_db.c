/*
 * Claiming statements. A statement whose actor is not a lifelong account (a platform's own
 * account, an mbox) is stored about nobody. The platform, which knows who its learner is, asks for
 * a one-time claim code for that agent and shows it to them; the person enters it in the portal,
 * and from then on the agent is linked to them: the statements already stored about it join their
 * learning activity, and so do those that come later. Only a keyed hash of a code is kept; a code
 * works once and for a day.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../base/id.h"
#include "../store/store.h"
#include "lrs.h"

#define CLAIM_TTL_US (24LL * 3600 * 1000000)

static const struct store_stmt CODE_INSERT = {
	"lrs claim code insert",
	"INSERT INTO lrs_claim_codes (code_hash, agent_key, institution_id, client_id, created_at, expires_at) "
	"VALUES ($1, $2, $3, $4, $5, $6)"
};
static const struct store_stmt CODE_TAKE = {
	"lrs claim code take",
	"UPDATE lrs_claim_codes SET used_at = $2, person_id = $3 WHERE code_hash = $1 AND used_at IS NULL "
	"AND expires_at > $2 RETURNING agent_key, institution_id"
};
static const struct store_stmt LINK_OF_AGENT = { "lrs link of agent",
						 "SELECT person_id FROM lrs_agent_links WHERE agent_key = $1" };
static const struct store_stmt LINK_INSERT = {
	"lrs link insert",
	"INSERT INTO lrs_agent_links (id, agent_key, person_id, institution_id, created_at) VALUES ($1, $2, $3, $4, $5)"
};
static const struct store_stmt LINK_STATEMENTS = {
	"lrs link statements",
	"UPDATE lrs_statements SET person_id = $2 WHERE person_id IS NULL "
	"AND actor_iri = (SELECT id FROM lrs_iris WHERE iri = $1)"
};
static const struct store_stmt LINK_LIST = {
	"lrs link list",
	"SELECT l.id, l.agent_key, l.created_at, i.id, i.name, i.name_en, (SELECT COUNT(*) FROM lrs_statements s "
	"WHERE s.person_id = l.person_id AND s.actor_iri = (SELECT id FROM lrs_iris WHERE iri = l.agent_key)) "
	"FROM lrs_agent_links l JOIN institutions i ON i.id = l.institution_id WHERE l.person_id = $1 "
	"ORDER BY l.created_at"
};
static const struct store_stmt LINK_DELETE = {
	"lrs link delete", "DELETE FROM lrs_agent_links WHERE id = $1 AND person_id = $2 RETURNING agent_key"
};
static const struct store_stmt UNLINK_STATEMENTS = {
	"lrs unlink statements",
	"UPDATE lrs_statements SET person_id = NULL WHERE person_id = $2 "
	"AND actor_iri = (SELECT id FROM lrs_iris WHERE iri = $1)"
};

/* ---- The writer's look-up ---- */

static enum ll_err text_of(const struct store_row *row, void *ctx)
{
	char **ret = ctx;
	free(*ret);
	*ret = strdup(store_row_text(row, 0));
	return *ret ? LL_OK : LL_NOMEM;
}

enum ll_err lrs_agent_person(struct ll_tx *tx, const char *agent_key, char **ret_person_id)
{
	*ret_person_id = NULL;
	return store_exec(tx, &LINK_OF_AGENT, SP(SV_TEXT(agent_key)), text_of, ret_person_id);
}

/* ---- Codes, for platforms ---- */

struct code_ctx {
	const unsigned char *hash;
	const char *agent_key, *institution_id, *client_id;
	int64_t now;
	char *linked;
};

static enum ll_err code_txn(struct ll_tx *tx, void *ctx)
{
	struct code_ctx *x = ctx;
	free(x->linked);
	x->linked = NULL;
	enum ll_err err = lrs_agent_person(tx, x->agent_key, &x->linked);
	if (err == LL_OK && x->linked)
		return ll_fail(LL_CONFLICT, "agent", "this agent is linked to a lifelong account already");
	return err == LL_OK ? store_exec(tx, &CODE_INSERT,
					 SP(SV_BLOB(x->hash, CRYPTO_HASH_BYTES), SV_TEXT(x->agent_key),
					    SV_TEXT(x->institution_id), SV_TEXT(x->client_id), SV_I64(x->now),
					    SV_I64(x->now + CLAIM_TTL_US)),
					 NULL, NULL)
			    : err;
}

/* XXXXX-XXXXX in Crockford's base32: 50 random bits. */
static void claim_code_make(char out[LRS_CLAIM_CODE_LEN + 1])
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	unsigned char r[10];
	randombytes_buf(r, sizeof(r));
	for (int i = 0, j = 0; i < LRS_CLAIM_CODE_LEN; i++)
		out[i] = i == 5 ? '-' : alphabet[r[j++] & 31];
	out[LRS_CLAIM_CODE_LEN] = '\0';
	sodium_memzero(r, sizeof(r));
}

/* The code as typed: upper case, without spaces or hyphens, as Crockford reads O, I and L. */
static bool claim_code_normal(const char *in, char out[LRS_CLAIM_CODE_LEN + 1])
{
	int n = 0;
	for (const char *p = in; *p; p++) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		if (c == ' ' || c == '-')
			continue;
		c = c == 'O' ? '0' : c == 'I' || c == 'L' ? '1' : c;
		if (!strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", c) || n == 10)
			return false;
		out[n < 5 ? n : n + 1] = c;
		n++;
	}
	if (n != 10)
		return false;
	out[5] = '-';
	out[LRS_CLAIM_CODE_LEN] = '\0';
	return true;
}

enum ll_err lrs_claim_code_issue(struct ll_store *st, const struct ll_keys *keys, const struct lrs_client *client,
				 const char *home_page, const json_t *agent, json_t **ret)
{
	char key[LRS_KEY_MAX];
	enum ll_err err = lrs_actor_key(agent, "agent", key);
	if (err != LL_OK)
		return err;
	size_t hp = strlen(home_page);
	if (strncmp(key, "account:", 8) == 0 && strncmp(key + 8, home_page, hp) == 0 && key[8 + hp] == ' ')
		return ll_fail(LL_INVALID_VALUE, "agent", "a lifelong account is its person's already");
	char code[LRS_CLAIM_CODE_LEN + 1];
	claim_code_make(code);
	unsigned char hash[CRYPTO_HASH_BYTES];
	crypto_token_hash(keys, code, hash);
	struct code_ctx x = { .hash = hash, .agent_key = key, .institution_id = client->institution_id,
			      .client_id = client->id, .now = clock_now_us() };
	err = store_run(st, STORE_WRITE, "lrs claim code", code_txn, &x);
	free(x.linked);
	if (err != LL_OK)
		return err;
	char expires[32];
	clock_format_rfc3339(x.now + CLAIM_TTL_US, expires);
	*ret = json_pack("{s:s, s:s}", "code", code, "expires_at", expires);
	return *ret ? LL_OK : LL_NOMEM;
}

/* ---- Claiming, for people ---- */

struct claim_ctx {
	const unsigned char *hash;
	const char *person_id;
	const struct audit_actor *actor;
	char agent_key[LRS_KEY_MAX], institution_id[64];
	bool is_found;
	char *linked;
	int64_t statements;
};

static enum ll_err taken_row(const struct store_row *row, void *ctx)
{
	struct claim_ctx *x = ctx;
	snprintf(x->agent_key, sizeof(x->agent_key), "%s", store_row_text(row, 0));
	snprintf(x->institution_id, sizeof(x->institution_id), "%s", store_row_text(row, 1));
	x->is_found = true;
	return LL_OK;
}

static enum ll_err claim_txn(struct ll_tx *tx, void *ctx)
{
	struct claim_ctx *x = ctx;
	x->is_found = false;
	free(x->linked);
	x->linked = NULL;
	int64_t now = clock_now_us();
	/* No statement is stored while the agent's statements are linked: one stored meanwhile would
	 * neither be linked here nor find the link when it was stored. */
	enum ll_err err = lrs_write_lock(tx);
	if (err == LL_OK)
		err = store_exec(tx, &CODE_TAKE, SP(SV_BLOB(x->hash, CRYPTO_HASH_BYTES), SV_I64(now),
						      SV_TEXT(x->person_id)),
				     taken_row, x);
	if (err == LL_OK && !x->is_found)
		return ll_fail(LL_INVALID_CLAIM_CODE, "code", "the code is unknown, used or more than a day old");
	if (err == LL_OK)
		err = lrs_agent_person(tx, x->agent_key, &x->linked);
	if (err == LL_OK && x->linked && strcmp(x->linked, x->person_id) != 0)
		return ll_fail(LL_CONFLICT, "code", "these records belong to another lifelong account");
	if (err == LL_OK && !x->linked) {
		ll_id id;
		id_new(&id);
		err = store_exec(tx, &LINK_INSERT,
				 SP(SV_TEXT(id.s), SV_TEXT(x->agent_key), SV_TEXT(x->person_id), SV_TEXT(x->institution_id),
				    SV_I64(now)),
				 NULL, NULL);
	}
	if (err == LL_OK)
		err = store_exec(tx, &LINK_STATEMENTS, SP(SV_TEXT(x->agent_key), SV_TEXT(x->person_id)), NULL, NULL);
	x->statements = store_changes(tx);
	if (err == LL_OK)
		err = audit_write(tx, x->actor, "lrs_agent.claim", "person", x->person_id, x->agent_key);
	return err;
}

const struct json_field lrs_claim_spec[] = {
	JSON_STR("code", struct lrs_claim_in, code, .min_len = 1, .max_len = 40,
		 .doc = "the claim code the learning platform showed (XXXXX-XXXXX)"),
	JSON_END
};

enum ll_err lrs_claim(struct ll_store *st, const struct ll_keys *keys, const char *person_id, const char *code,
		      const struct audit_actor *actor, json_t **ret)
{
	if (!person_id)
		return ll_fail(LL_FORBIDDEN, NULL, "records are claimed by the person they are about");
	char normal[LRS_CLAIM_CODE_LEN + 1];
	if (!code || !claim_code_normal(code, normal))
		return ll_fail(LL_INVALID_CLAIM_CODE, "code", "a claim code is ten letters and digits, XXXXX-XXXXX");
	unsigned char hash[CRYPTO_HASH_BYTES];
	crypto_token_hash(keys, normal, hash);
	struct claim_ctx x = { .hash = hash, .person_id = person_id, .actor = actor };
	enum ll_err err = store_run(st, STORE_WRITE, "lrs claim", claim_txn, &x);
	free(x.linked);
	if (err != LL_OK)
		return err;
	*ret = json_pack("{s:s, s:I}", "agent", x.agent_key, "statements", (json_int_t)x.statements);
	return *ret ? LL_OK : LL_NOMEM;
}

struct links_ctx {
	const char *person_id, *id;
	const struct audit_actor *actor;
	char agent_key[LRS_KEY_MAX];
	bool is_found;
};

static json_t *link_item(const struct store_row *row)
{
	char at[32];
	clock_format_rfc3339(store_row_i64(row, 2), at);
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s?}, s:I}", "id", store_row_text(row, 0), "agent",
			 store_row_text(row, 1), "created_at", at, "institution", "id", store_row_text(row, 3), "name",
			 store_row_text(row, 4), "name_en", store_row_text(row, 5), "statements",
			 (json_int_t)store_row_i64(row, 6));
}

enum ll_err lrs_claims_list(struct ll_store *st, const char *person_id, json_t **ret_page)
{
	return store_items(st, "lrs links", &LINK_LIST, SP(SV_TEXT(person_id)), link_item, ret_page);
}

static enum ll_err deleted_row(const struct store_row *row, void *ctx)
{
	struct links_ctx *l = ctx;
	snprintf(l->agent_key, sizeof(l->agent_key), "%s", store_row_text(row, 0));
	l->is_found = true;
	return LL_OK;
}

static enum ll_err unlink_txn(struct ll_tx *tx, void *ctx)
{
	struct links_ctx *l = ctx;
	l->is_found = false;
	enum ll_err err = lrs_write_lock(tx); /* as for a claim */
	if (err == LL_OK)
		err = store_exec(tx, &LINK_DELETE, SP(SV_TEXT(l->id), SV_TEXT(l->person_id)), deleted_row, l);
	if (err == LL_OK && !l->is_found)
		return ll_fail(LL_NOT_FOUND, NULL, "no records of yours were claimed with this id");
	if (err == LL_OK)
		err = store_exec(tx, &UNLINK_STATEMENTS, SP(SV_TEXT(l->agent_key), SV_TEXT(l->person_id)), NULL, NULL);
	return err == LL_OK ? audit_write(tx, l->actor, "lrs_agent.unlink", "person", l->person_id, l->agent_key) : err;
}

enum ll_err lrs_claim_undo(struct ll_store *st, const char *person_id, const char *id, const struct audit_actor *actor)
{
	struct links_ctx l = { .person_id = person_id, .id = id, .actor = actor };
	return store_run(st, STORE_WRITE, "lrs unlink", unlink_txn, &l);
}
