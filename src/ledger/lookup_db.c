/*
 * Look-ups by many keys at once: a bulk import or append asks for hundreds of accounts, external
 * ids or chain heads per statement instead of one each, which is what keeps PostgreSQL's round
 * trips (and SQLite's statement steps) from dominating a batch. Portable SQL: a plain IN list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_db.h"

enum ll_err ledger_exec_in(struct ll_tx *tx, const char *name, const char *head, const char *tail,
			   const struct store_val *fixed, int n_fixed, const char *const *keys, size_t n_keys,
			   store_row_fn on_row, void *ctx)
{
	if (n_keys == 0)
		return LL_OK;
	size_t cap = strlen(head) + strlen(tail) + (size_t)LEDGER_IN_MAX * 8 + 16;
	char *sql = malloc(cap);
	struct store_val *vals = malloc(sizeof(*vals) * (size_t)(n_fixed + LEDGER_IN_MAX));
	enum ll_err err = LL_NOMEM;
	if (!sql || !vals)
		goto out;
	size_t len = (size_t)snprintf(sql, cap, "%s(", head);
	for (int i = 0; i < LEDGER_IN_MAX; i++)
		len += (size_t)snprintf(sql + len, cap - len, "%s$%d", i ? ", " : "", n_fixed + 1 + i);
	snprintf(sql + len, cap - len, ")%s", tail);
	struct store_stmt stmt = { name, sql };
	if (n_fixed > 0)
		memcpy(vals, fixed, sizeof(*vals) * (size_t)n_fixed);
	err = LL_OK;
	for (size_t at = 0; at < n_keys && err == LL_OK; at += LEDGER_IN_MAX) {
		for (size_t i = 0; i < LEDGER_IN_MAX; i++)
			vals[n_fixed + (int)i] = SV_TEXT(at + i < n_keys ? keys[at + i] : keys[at]);
		err = store_exec(tx, &stmt, vals, n_fixed + LEDGER_IN_MAX, on_row, ctx);
	}
out:
	free(sql);
	free(vals);
	return err;
}
