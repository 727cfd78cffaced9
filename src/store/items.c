/*
 * Lists: one statement read in one transaction, each row made an item, the whole answered as
 * {"items":[…]}, which is how the API gives most lists.
 */
#include <jansson.h>

#include "store.h"

struct items_ctx {
	const struct store_stmt *stmt;
	const struct store_val *params;
	int n_params;
	store_item_fn item_of;
	json_t *items;
};

static enum ll_err item_row(const struct store_row *row, void *ctx)
{
	struct items_ctx *x = ctx;
	json_t *item = x->item_of(row);
	return item && json_array_append_new(x->items, item) == 0 ? LL_OK : ll_fail(LL_NOMEM, NULL, NULL);
}

static enum ll_err items_txn(struct ll_tx *tx, void *ctx)
{
	struct items_ctx *x = ctx;
	json_array_clear(x->items);
	return store_exec(tx, x->stmt, x->params, x->n_params, item_row, x);
}

enum ll_err store_items(struct ll_store *st, const char *what, const struct store_stmt *stmt,
			const struct store_val *params, int n_params, store_item_fn item_of, json_t **ret_page)
{
	struct items_ctx x = { stmt, params, n_params, item_of, json_array() };
	enum ll_err err = x.items ? store_run(st, STORE_READ, what, items_txn, &x) : ll_fail(LL_NOMEM, NULL, NULL);
	json_t *page = err == LL_OK ? json_pack("{s:o}", "items", x.items) : NULL;
	if (err == LL_OK && !page)
		err = ll_fail(LL_NOMEM, NULL, NULL);
	if (err != LL_OK) {
		if (!page)
			json_decref(x.items);
		return err;
	}
	*ret_page = page;
	return LL_OK;
}
