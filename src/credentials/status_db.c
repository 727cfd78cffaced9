/*
 * Status lists as of now: the bits of the credentials one of whose ledger entries has been superseded (a
 * correction or a revocation is a new entry that supersedes it), read from the ledger at each
 * request, so that a verifier sees a revocation as soon as a cache lets it ask again.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../store/store.h"
#include "credentials.h"
#include "credentials_db.h"

/* A credential is revoked once any entry it speaks for is superseded: a badge's own entry, or one
 * of a transcript's in credential_entries. */
#define SUPERSEDED_ENTRY                                                                                          \
	"(EXISTS (SELECT 1 FROM ledger_entries e WHERE e.supersedes = c.entry_id) "                               \
	"OR EXISTS (SELECT 1 FROM credential_entries ce JOIN ledger_entries e ON e.supersedes = ce.entry_id "    \
	"WHERE ce.credential_id = c.id))"
static const struct store_stmt REVOKED_IN = {
	"credential status list",
	"SELECT c.status_index FROM credentials c WHERE c.status_index >= $1 AND c.status_index < $2 AND " SUPERSEDED_ENTRY
};
static const struct store_stmt LAST_INDEX = { "credential status last",
					      "SELECT COALESCE(MAX(status_index), -1) FROM credentials" };
static const struct store_stmt IS_REVOKED = {
	"credential status one", "SELECT COUNT(*) FROM credentials c WHERE c.status_index = $1 AND " SUPERSEDED_ENTRY
};

static enum ll_err i64_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

enum ll_err cred_status_next(struct ll_tx *tx, int64_t *ret_index)
{
	int64_t value = 0;
	enum ll_err err = store_counter_add(tx, "credential_status", 1, &value);
	if (err == LL_OK && value < 1)
		err = ll_fail(LL_INTERNAL, NULL, "the status counter did not count");
	*ret_index = value - 1;
	return err;
}

struct list_ctx {
	const struct ll_keys *keys;
	const struct cred_issuer *iss;
	uint64_t list;
	unsigned char *bits;
	char *jws;
};

static enum ll_err bit_row(const struct store_row *row, void *ctx)
{
	cred_status_set(ctx, (uint64_t)store_row_i64(row, 0));
	return LL_OK;
}

static enum ll_err list_txn(struct ll_tx *tx, void *ctx)
{
	struct list_ctx *l = ctx;
	free(l->jws);
	l->jws = NULL;
	memset(l->bits, 0, CRED_STATUS_LIST_BYTES);
	int64_t last = -1;
	enum ll_err err = store_exec(tx, &LAST_INDEX, SP_NONE, i64_row, &last);
	if (err != LL_OK)
		return err;
	if (last < 0 || l->list > (uint64_t)last / CRED_STATUS_LIST_BITS)
		return ll_fail(LL_NOT_FOUND, NULL, "there is no status list %llu", (unsigned long long)l->list);
	int64_t first = (int64_t)(l->list * CRED_STATUS_LIST_BITS);
	err = store_exec(tx, &REVOKED_IN, SP(SV_I64(first), SV_I64(first + CRED_STATUS_LIST_BITS)), bit_row, l->bits);
	char *encoded = NULL;
	if (err == LL_OK)
		err = cred_status_encode(l->bits, &encoded);
	json_t *vc = err == LL_OK ? cred_status_list_json(l->iss, l->list, encoded, clock_now_us()) : NULL;
	free(encoded);
	char kid[JOSE_THUMBPRINT_MAX];
	if (err == LL_OK)
		err = vc ? cred_sign(tx, l->keys, l->iss, vc, &l->jws, kid) : LL_NOMEM;
	json_decref(vc);
	return err;
}

enum ll_err cred_status_list_jws(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
				 uint64_t list, char **ret_jws)
{
	struct list_ctx l = { keys, iss, list, malloc(CRED_STATUS_LIST_BYTES), NULL };
	enum ll_err err = l.bits ? store_run(st, STORE_READ, "credential status list", list_txn, &l) : LL_NOMEM;
	free(l.bits);
	if (err != LL_OK) {
		free(l.jws);
		return err;
	}
	*ret_jws = l.jws;
	return LL_OK;
}

struct one_ctx {
	uint64_t index;
	int64_t n;
};

static enum ll_err one_txn(struct ll_tx *tx, void *ctx)
{
	struct one_ctx *o = ctx;
	return store_exec(tx, &IS_REVOKED, SP(SV_I64((int64_t)o->index)), i64_row, &o->n);
}

enum ll_err cred_status_is_revoked(struct ll_store *st, uint64_t index, bool *ret_is_revoked)
{
	struct one_ctx o = { index, 0 };
	enum ll_err err = store_run(st, STORE_READ, "credential status", one_txn, &o);
	*ret_is_revoked = o.n > 0;
	return err;
}
