/*
 * A person's current outcomes, page by page in the order they were recorded, each as its Open
 * Badges credential: the person's newest one for the outcome's current version, or one issued
 * now. What a peer of the federation receives when the person asked for their records.
 */
#include <stdlib.h>
#include <string.h>

#include "../store/store.h"
#include "credentials.h"

static const struct store_stmt CURRENT = {
	"badges of person",
	/* A credential of an entry is its person's: looked for by the entry alone (credentials_entry). */
	"SELECT e.outcome_id, e.id, e.person_seq, (SELECT c.jws FROM credentials c WHERE c.entry_id = e.id "
	"AND c.type = 'OpenBadgeCredential' ORDER BY c.issued_at DESC, c.id DESC LIMIT 1) "
	"FROM ledger_entries e WHERE e.person_id = $1 AND e.person_seq > $2 AND e.op <> 'revoke' "
	"AND NOT EXISTS (SELECT 1 FROM ledger_entries n WHERE n.supersedes = e.id) ORDER BY e.person_seq LIMIT $3"
};

struct page {
	json_t *items;
	int64_t last_seq;
};

static enum ll_err current_row(const struct store_row *row, void *ctx)
{
	struct page *p = ctx;
	p->last_seq = store_row_i64(row, 2);
	const char *jws = store_row_text(row, 3);
	json_t *item = json_pack("{s:s, s:s, s:I, s:s?}", "outcome_id", store_row_text(row, 0), "entry_id",
				 store_row_text(row, 1), "seq", (json_int_t)p->last_seq, "jws", jws);
	return item && json_array_append_new(p->items, item) == 0 ? LL_OK : LL_NOMEM;
}

struct read_ctx {
	const char *person_id;
	int64_t after;
	int limit;
	struct page page;
};

static enum ll_err read_txn(struct ll_tx *tx, void *ctx)
{
	struct read_ctx *r = ctx;
	json_array_clear(r->page.items);
	return store_exec(tx, &CURRENT, SP(SV_TEXT(r->person_id), SV_I64(r->after), SV_I64(r->limit + 1)), current_row,
			  &r->page);
}

enum ll_err cred_badges_of_person(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
				  const char *person_id, int64_t after, int limit, json_t **ret_page)
{
	struct read_ctx r = { .person_id = person_id, .after = after, .limit = limit, .page = { json_array(), after } };
	enum ll_err err = r.page.items ? store_run(st, STORE_READ, "badges of person", read_txn, &r) : LL_NOMEM;
	/* One more than asked says whether another page follows. */
	bool has_more = err == LL_OK && json_array_size(r.page.items) > (size_t)limit;
	if (has_more)
		json_array_remove(r.page.items, (size_t)limit);
	/* The outcomes without a credential for their current version get one, issued together. */
	size_t i, n = json_array_size(r.page.items);
	json_t *item;
	const char **ids = calloc(n ? n : 1, sizeof(*ids));
	json_t **badges = calloc(n ? n : 1, sizeof(*badges));
	size_t *where = calloc(n ? n : 1, sizeof(*where));
	int m = 0;
	if (err == LL_OK && (!ids || !badges || !where))
		err = LL_NOMEM;
	json_array_foreach (r.page.items, i, item)
		if (err == LL_OK && !json_is_string(json_object_get(item, "jws"))) {
			where[m] = i;
			ids[m++] = json_string_value(json_object_get(item, "outcome_id"));
		}
	if (err == LL_OK && m)
		err = cred_issue_badges(st, keys, iss, person_id, ids, m, badges);
	/* An outcome changed or revoked since it was read is left to the next page or gone. */
	for (int k = 0; err == LL_OK && k < m; k++) {
		item = json_array_get(r.page.items, where[k]);
		if (badges[k]) {
			json_object_set(item, "entry_id", json_object_get(badges[k], "entry_id"));
			json_object_set(item, "jws", json_object_get(badges[k], "jws"));
		}
	}
	for (int k = 0; badges && k < m; k++)
		json_decref(badges[k]);
	free(ids);
	free(badges);
	free(where);
	/* What remains: the items with a credential, and where the next page starts. */
	json_t *items = json_array();
	json_array_foreach (r.page.items, i, item)
		if (items && json_is_string(json_object_get(item, "jws")))
			json_array_append(items, item);
	int64_t last = json_array_size(r.page.items)
			       ? json_integer_value(json_object_get(json_array_get(r.page.items, json_array_size(r.page.items) - 1), "seq"))
			       : after;
	json_decref(r.page.items);
	if (err != LL_OK) {
		json_decref(items);
		return err;
	}
	/* json_pack takes items (and the cursor) even when it fails. */
	json_t *page = items ? json_pack("{s:o, s:o}", "items", items, "next", has_more ? json_integer(last) : json_null())
			     : NULL;
	if (!page)
		return LL_NOMEM;
	*ret_page = page;
	return LL_OK;
}
