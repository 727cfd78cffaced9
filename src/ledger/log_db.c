/*
 * The ledger's log in the database: appending entries (each linked to the person's previous
 * entry and made a leaf of the global Merkle log, with every tree node it completes), signed
 * tree heads, inclusion and consistency proofs from the stored nodes, reading entries, and the
 * verifier that recomputes all of it. Nothing here updates or deletes an entry or a node.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/roles.h"
#include "../base/arena.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../base/grow.h"
#include "../base/log.h"
#include "../base/strmap.h"
#include "ledger_db.h"
#include "node_cache.h"

/* A new tree head is signed at most this often unless a proof needs one. */
#define STH_MIN_INTERVAL_US 1000000
/* Entries the verifier reads per query. */
#define VERIFY_BATCH 8192

static const struct store_stmt HEAD_ADVANCE = {
	"ledger head advance", "UPDATE ledger_head SET size = size + $1 WHERE id = 1 RETURNING size"
};
static const struct store_stmt HEAD_SIZE = { "ledger head size", "SELECT size FROM ledger_head WHERE id = 1" };
static const struct store_stmt NODE_GET = {
	"ledger node get", "SELECT hash FROM ledger_nodes WHERE last_leaf = $1 AND level = $2"
};
/* Leaves are the entries' own hashes: ledger_nodes holds only the levels above them. */
static const struct store_stmt LEAF_GET = { "ledger leaf get", "SELECT entry_hash FROM ledger_entries WHERE seq = $1" };
static const struct store_stmt STH_LATEST = {
	"ledger sth latest",
	"SELECT tree_size, timestamp_us, root_hash, signature FROM ledger_sth ORDER BY tree_size DESC LIMIT 1"
};
static const struct store_stmt STH_INSERT = {
	"ledger sth insert",
	"INSERT INTO ledger_sth (tree_size, timestamp_us, root_hash, signature) VALUES ($1, $2, $3, $4) "
	"ON CONFLICT DO NOTHING"
};
static const struct store_stmt ENTRY_BY_ID = {
	"ledger entry by id", "SELECT " ENTRY_COLS " FROM ledger_entries e WHERE e.id = $1"
};
static const struct store_stmt ENTRY_HISTORY = {
	"ledger outcome history", "SELECT " ENTRY_COLS " FROM ledger_entries e WHERE e.outcome_id = $1 ORDER BY e.seq"
};
static const struct store_stmt VERIFY_ENTRIES = {
	"ledger verify entries",
	"SELECT " ENTRY_COLS " FROM ledger_entries e WHERE e.seq >= $1 AND e.seq < $2 ORDER BY e.seq"
};
static const struct store_stmt VERIFY_NODES = {
	"ledger verify nodes",
	"SELECT last_leaf, level, hash FROM ledger_nodes WHERE last_leaf >= $1 AND last_leaf < $2 "
	"ORDER BY last_leaf, level"
};
static const struct store_stmt VERIFY_STHS = {
	"ledger verify sths",
	"SELECT tree_size, timestamp_us, root_hash, signature FROM ledger_sth WHERE tree_size >= $1 AND tree_size < $2 "
	"ORDER BY tree_size"
};
static const struct store_stmt VERIFY_STHS_BEYOND = {
	"ledger verify sths beyond head",
	"SELECT MIN(tree_size) FROM ledger_sth WHERE tree_size > (SELECT size FROM ledger_head WHERE id = 1)"
};
static const struct store_stmt VERIFY_CHAINS = {
	"ledger verify chains",
	"SELECT person_id, person_seq, prev_hash, entry_hash, seq FROM ledger_entries "
	"WHERE (person_id, person_seq) > ($1, $2) ORDER BY person_id, person_seq LIMIT $3"
};
/* One statement each, so that the head and the rows are read in one snapshot on either engine
 * while other servers append. */
static const struct store_stmt VERIFY_BEYOND = {
	"ledger verify beyond head",
	"SELECT COUNT(*) FROM ledger_entries WHERE seq >= (SELECT size FROM ledger_head WHERE id = 1) OR seq < 0"
};
static const struct store_stmt VERIFY_NODES_BEYOND = {
	"ledger verify nodes beyond head",
	"SELECT COUNT(*) FROM ledger_nodes WHERE last_leaf >= (SELECT size FROM ledger_head WHERE id = 1) OR last_leaf < 0"
};

static const char *const entry_cols[] = {
	"seq", "id", "person_id", "person_seq", "prev_hash", "entry_hash", "op", "outcome_id", "supersedes",
	"submission_id", "standard_version", "institution_id", "kind", "title", "code", "level", "credits_milli",
	"hours_milli", "result_kind", "result", "started_on", "awarded_on", "certificate_no", "evidence_sha256",
	"external_id", "actor_id", "reason", "created_at", "transfer_item_id", "transfer_rule_id", "transfer_rule_version",
	"transfer_sources"
};
static const char *const node_cols[] = { "last_leaf", "level", "hash" };

/* ---- Row helpers ---- */

const char *ledger_col_text(struct arena *a, const struct store_row *row, int col)
{
	return store_row_is_null(row, col) ? NULL : arena_strdup(a, store_row_text(row, col));
}

int64_t ledger_col_i64(const struct store_row *row, int col)
{
	return store_row_is_null(row, col) ? -1 : store_row_i64(row, col);
}

static bool copy_hash(const struct store_row *row, int col, unsigned char out[ENTRY_HASH_BYTES])
{
	size_t len = 0;
	const void *p = store_row_is_null(row, col) ? NULL : store_row_blob(row, col, &len);
	if (!p || len != ENTRY_HASH_BYTES)
		return false;
	memcpy(out, p, ENTRY_HASH_BYTES);
	return true;
}

enum ll_err ledger_entry_from_row(const struct store_row *row, struct arena *a, struct ledger_entry *ret)
{
	struct ledger_entry e = { 0 };
	outcome_init(&e.o);
	e.seq = store_row_i64(row, 0);
	e.id = ledger_col_text(a, row, 1);
	e.person_id = ledger_col_text(a, row, 2);
	e.person_seq = store_row_i64(row, 3);
	if (!copy_hash(row, 4, e.prev_hash) || !copy_hash(row, 5, e.entry_hash))
		return ll_fail(LL_INVALID_VALUE, "entry_hash", "entry %lld has a malformed hash", (long long)e.seq);
	int op = ledger_name_index(entry_ops, store_row_text(row, 6));
	int kind = ledger_name_index(outcome_kinds, store_row_text(row, 12));
	int rk = store_row_is_null(row, 18) ? 0 : ledger_name_index(result_kinds, store_row_text(row, 18));
	if (op < 0 || kind < 0 || (rk <= 0 && !store_row_is_null(row, 18)))
		return ll_fail(LL_INVALID_VALUE, "kind", "entry %lld has an unknown op, kind or result kind", (long long)e.seq);
	e.op = (enum entry_op)op;
	e.outcome_id = ledger_col_text(a, row, 7);
	e.supersedes = ledger_col_text(a, row, 8);
	e.submission_id = ledger_col_text(a, row, 9);
	e.standard_version = (int)store_row_i64(row, 10);
	e.o.person_id = e.person_id;
	e.o.institution_id = ledger_col_text(a, row, 11);
	e.o.kind = (enum outcome_kind)kind;
	e.o.title = ledger_col_text(a, row, 13);
	e.o.code = ledger_col_text(a, row, 14);
	e.o.level = ledger_col_i64(row, 15);
	e.o.credits_milli = ledger_col_i64(row, 16);
	e.o.hours_milli = ledger_col_i64(row, 17);
	e.o.result_kind = (enum result_kind)(rk < 0 ? 0 : rk);
	e.o.result = ledger_col_text(a, row, 19);
	e.o.started_on = ledger_col_text(a, row, 20);
	e.o.awarded_on = ledger_col_text(a, row, 21);
	e.o.certificate_no = ledger_col_text(a, row, 22);
	e.o.evidence_sha256 = ledger_col_text(a, row, 23);
	e.o.external_id = ledger_col_text(a, row, 24);
	e.actor_id = ledger_col_text(a, row, 25);
	e.reason = ledger_col_text(a, row, 26);
	e.created_at = store_row_i64(row, 27);
	e.transfer_item_id = ledger_col_text(a, row, 28);
	e.transfer_rule_id = ledger_col_text(a, row, 29);
	e.transfer_rule_version = store_row_is_null(row, 30) ? 0 : (int)store_row_i64(row, 30);
	e.transfer_sources = ledger_col_text(a, row, 31);
	*ret = e;
	return LL_OK;
}

/* ---- Stored tree nodes ---- */

/* The key of a perfect subtree in ledger_nodes: the index of its last leaf. */
static int64_t node_last_leaf(unsigned level, uint64_t index)
{
	return (int64_t)(((index + 1) << level) - 1);
}

struct node_read_ctx {
	struct ll_tx *tx;
	unsigned char *out;
	bool is_found;
};

static enum ll_err node_row(const struct store_row *row, void *ctx)
{
	struct node_read_ctx *c = ctx;
	size_t len;
	const void *p = store_row_blob(row, 0, &len);
	if (len != MERKLE_HASH_BYTES)
		return ll_fail(LL_LEDGER_BROKEN, NULL, "a stored tree node is not %d bytes", MERKLE_HASH_BYTES);
	memcpy(c->out, p, MERKLE_HASH_BYTES);
	c->is_found = true;
	return LL_OK;
}

/* The stored tree as a transaction reads it, with the nodes it read kept in memory when they are
 * surely committed. */
struct stored_nodes {
	struct ll_tx *tx;
	struct node_cache *cache;
};

static enum ll_err node_read(void *ctx, unsigned level, uint64_t index, unsigned char out[MERKLE_HASH_BYTES])
{
	struct stored_nodes *s = ctx;
	if (s->cache && node_cache_get(s->cache, level, index, out))
		return LL_OK;
	struct node_read_ctx c = { .tx = s->tx, .out = out };
	enum ll_err err = level == 0 ? store_exec(c.tx, &LEAF_GET, SP(SV_I64((int64_t)index)), node_row, &c)
				     : store_exec(c.tx, &NODE_GET, SP(SV_I64(node_last_leaf(level, index)), SV_I64(level)),
						  node_row, &c);
	if (err == LL_OK && !c.is_found)
		err = ll_fail(LL_LEDGER_BROKEN, NULL, "tree node (level %u, index %llu) is missing", level,
			      (unsigned long long)index);
	if (err == LL_OK && s->cache)
		node_cache_put(s->cache, level, index, out);
	return err;
}

/* The leaves of the stored tree, read through s (the caller's, kept while the result is used).
 * Only a reading transaction's nodes go into the cache: a writer's own may yet roll back. */
static struct merkle_leaves stored_tree(struct ll_tx *tx, struct stored_nodes *s)
{
	*s = (struct stored_nodes){ .tx = tx };
	if (store_tx_mode(tx) == STORE_READ)
		s->cache = node_cache_of(store_tx_store(tx));
	return (struct merkle_leaves){ .node = node_read, .ctx = s };
}

enum ll_err ledger_i64_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

static enum ll_err i64_or_null_row(const struct store_row *row, void *ctx)
{
	if (!store_row_is_null(row, 0))
		*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

/* ---- Appending ---- */

struct node_rec {
	int64_t last_leaf;
	int level;
	unsigned char hash[MERKLE_HASH_BYTES];
};

struct append_ctx {
	struct node_rec *nodes;
	size_t n_nodes, cap_nodes;
	struct ledger_entry *entries;
	int n, next;
	char prev_hex[ENTRY_HASH_BYTES * 2 + 1];
};

static enum ll_err node_emit(void *ctx, unsigned level, uint64_t index, const unsigned char hash[MERKLE_HASH_BYTES])
{
	struct append_ctx *c = ctx;
	if (level == 0)
		return LL_OK; /* the entry row holds it */
	if (!grow(&c->nodes, &c->cap_nodes, c->n_nodes, sizeof(*c->nodes), 64))
		return LL_NOMEM;
	struct node_rec *r = &c->nodes[c->n_nodes++];
	r->last_leaf = node_last_leaf(level, index);
	r->level = (int)level;
	memcpy(r->hash, hash, MERKLE_HASH_BYTES);
	return LL_OK;
}

static bool next_entry_row(struct store_val *v, void *ctx)
{
	struct append_ctx *c = ctx;
	if (c->next >= c->n)
		return false;
	const struct ledger_entry *e = &c->entries[c->next++];
	const struct outcome *o = &e->o;
	int i = 0;
	v[i++] = SV_I64(e->seq);
	v[i++] = SV_TEXT(e->id);
	v[i++] = SV_TEXT(e->person_id);
	v[i++] = SV_I64(e->person_seq);
	v[i++] = SV_BLOB(e->prev_hash, ENTRY_HASH_BYTES);
	v[i++] = SV_BLOB(e->entry_hash, ENTRY_HASH_BYTES);
	v[i++] = SV_TEXT(entry_ops[e->op]);
	v[i++] = SV_TEXT(e->outcome_id);
	v[i++] = SV_TEXT(e->supersedes);
	v[i++] = SV_TEXT(e->submission_id);
	v[i++] = SV_I64(e->standard_version);
	v[i++] = SV_TEXT(o->institution_id);
	v[i++] = SV_TEXT(outcome_kinds[o->kind]);
	v[i++] = SV_TEXT(o->title);
	v[i++] = SV_TEXT(o->code);
	v[i++] = o->level < 0 ? SV_NULL : SV_I64(o->level);
	v[i++] = o->credits_milli < 0 ? SV_NULL : SV_I64(o->credits_milli);
	v[i++] = o->hours_milli < 0 ? SV_NULL : SV_I64(o->hours_milli);
	v[i++] = o->result_kind == RESULT_NONE ? SV_NULL : SV_TEXT(result_kinds[o->result_kind]);
	v[i++] = SV_TEXT(o->result);
	v[i++] = SV_TEXT(o->started_on);
	v[i++] = SV_TEXT(o->awarded_on);
	v[i++] = SV_TEXT(o->certificate_no);
	v[i++] = SV_TEXT(o->evidence_sha256);
	v[i++] = SV_TEXT(o->external_id);
	v[i++] = SV_TEXT(e->actor_id);
	v[i++] = SV_TEXT(e->reason);
	v[i++] = SV_I64(e->created_at);
	v[i++] = SV_TEXT(e->transfer_item_id);
	v[i++] = SV_TEXT(e->transfer_rule_id);
	v[i++] = e->transfer_item_id ? SV_I64(e->transfer_rule_version) : SV_NULL;
	v[i++] = SV_TEXT(e->transfer_sources);
	return true;
}

static bool next_node_row(struct store_val *v, void *ctx)
{
	struct append_ctx *c = ctx;
	if ((size_t)c->next >= c->n_nodes)
		return false;
	const struct node_rec *r = &c->nodes[c->next++];
	v[0] = SV_I64(r->last_leaf);
	v[1] = SV_I64(r->level);
	v[2] = SV_BLOB(r->hash, MERKLE_HASH_BYTES);
	return true;
}

/* ---- Chain heads ---- */

/* Persons' last entries: person id -> (person_seq, entry hash). */
struct head {
	int64_t person_seq;
	unsigned char hash[ENTRY_HASH_BYTES];
};

struct head_set {
	struct strmap *at;                 /* person id -> index into heads */
	struct head *heads;
	size_t n, cap;
};

static bool head_set_put(struct head_set *s, const char *person_id, int64_t person_seq,
			 const unsigned char hash[ENTRY_HASH_BYTES])
{
	int64_t j;
	if (!s->at && !(s->at = strmap_new()))
		return false;
	if (!strmap_get(s->at, person_id, &j)) {
		if (!grow(&s->heads, &s->cap, s->n, sizeof(*s->heads), 256) || !strmap_put(s->at, person_id, (int64_t)s->n))
			return false;
		j = (int64_t)s->n++;
	}
	s->heads[j].person_seq = person_seq;
	memcpy(s->heads[j].hash, hash, ENTRY_HASH_BYTES);
	return true;
}

static bool head_set_get(const struct head_set *s, const char *person_id, int64_t *ret_seq,
			 unsigned char ret_hash[ENTRY_HASH_BYTES])
{
	int64_t j;
	if (!s->at || !strmap_get(s->at, person_id, &j))
		return false;
	*ret_seq = s->heads[j].person_seq;
	memcpy(ret_hash, s->heads[j].hash, ENTRY_HASH_BYTES);
	return true;
}

static void head_set_clear(struct head_set *s)
{
	if (s->at)
		strmap_clear(s->at);
	s->n = 0;
}

static void head_set_release(struct head_set *s)
{
	strmap_free(s->at);
	free(s->heads);
	*s = (struct head_set){ 0 };
}

/* The most persons whose heads a writer keeps between transactions (about 100 bytes each). */
#define LEDGER_HEADS_KEPT_MAX (1u << 19)

struct staged_head {
	const char *person_id;             /* in staged_ids */
	struct head head;
};

struct ledger_heads {
	struct head_set kept;              /* true of the ledger while its size is kept_size */
	int64_t kept_size;                 /* -1: nothing kept */
	struct staged_head *staged;        /* the heads the last append left, once it commits */
	size_t n_staged, cap_staged;
	struct arena staged_ids;
	int64_t staged_size;               /* -1: nothing staged */
};

struct ledger_heads *ledger_heads_new(void)
{
	struct ledger_heads *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->kept_size = h->staged_size = -1;
	arena_init(&h->staged_ids, 0);
	return h;
}

void ledger_heads_free(struct ledger_heads *h)
{
	if (!h)
		return;
	head_set_release(&h->kept);
	free(h->staged);
	arena_release(&h->staged_ids);
	free(h);
}

static void heads_forget(struct ledger_heads *h)
{
	head_set_clear(&h->kept);
	h->kept_size = -1;
}

void ledger_heads_settle(struct ledger_heads *h, bool is_committed)
{
	if (!h || h->staged_size < 0)
		return;
	if (is_committed) {
		h->kept_size = h->staged_size;
		for (size_t i = 0; i < h->n_staged; i++) {
			const struct staged_head *x = &h->staged[i];
			int64_t seq;
			unsigned char hash[ENTRY_HASH_BYTES];
			/* When full, the persons not kept yet are looked up again when they come back. */
			if (h->kept.n >= LEDGER_HEADS_KEPT_MAX && !head_set_get(&h->kept, x->person_id, &seq, hash))
				continue;
			if (!head_set_put(&h->kept, x->person_id, x->head.person_seq, x->head.hash)) {
				heads_forget(h);
				break;
			}
		}
	} else {
		heads_forget(h);
	}
	h->n_staged = 0;
	arena_reset(&h->staged_ids);
	h->staged_size = -1;
}

/* Records what an append left: the last entry of every person of entries (in_batch maps each
 * person to it), true of the ledger at size once the transaction commits. */
static enum ll_err heads_stage(struct ledger_heads *h, const struct ledger_entry *entries, int n,
			       const struct strmap *in_batch, int64_t size)
{
	for (int i = 0; i < n; i++) {
		int64_t last;
		if (!strmap_get(in_batch, entries[i].person_id, &last) || last != i)
			continue;
		if (!grow(&h->staged, &h->cap_staged, h->n_staged, sizeof(*h->staged), 256))
			return LL_NOMEM;
		struct staged_head *x = &h->staged[h->n_staged];
		if (!(x->person_id = arena_strdup(&h->staged_ids, entries[i].person_id)))
			return LL_NOMEM;
		x->head.person_seq = entries[i].person_seq;
		memcpy(x->head.hash, entries[i].entry_hash, ENTRY_HASH_BYTES);
		h->n_staged++;
	}
	h->staged_size = size;
	return LL_OK;
}

static enum ll_err head_row(const struct store_row *row, void *ctx)
{
	struct head_set *s = ctx;
	unsigned char hash[ENTRY_HASH_BYTES];
	int64_t seq;
	if (!copy_hash(row, 2, hash))
		return ll_fail(LL_LEDGER_BROKEN, NULL, "a stored entry hash is malformed");
	if (head_set_get(s, store_row_text(row, 0), &seq, hash))
		return LL_INTERNAL; /* a person has two last entries */
	return head_set_put(s, store_row_text(row, 0), store_row_i64(row, 1), hash) ? LL_OK : LL_NOMEM;
}

/* Fetches into fetched the last entry of every person of entries that kept (when not NULL) does
 * not know, in one look-up per LEDGER_IN_MAX persons. */
static enum ll_err heads_fetch(struct ll_tx *tx, const struct ledger_entry *entries, int n,
			       const struct head_set *kept, struct head_set *fetched)
{
	const char **keys = malloc(sizeof(*keys) * (size_t)n);
	struct strmap *seen = strmap_new();
	enum ll_err err = LL_NOMEM;
	size_t n_keys = 0;
	if (!keys || !seen)
		goto out;
	for (int i = 0; i < n; i++) {
		int64_t v;
		unsigned char hash[ENTRY_HASH_BYTES];
		if (strmap_get(seen, entries[i].person_id, &v) || (kept && head_set_get(kept, entries[i].person_id, &v, hash)))
			continue;
		if (!strmap_put(seen, entries[i].person_id, i))
			goto out;
		keys[n_keys++] = entries[i].person_id;
	}
	err = ledger_exec_in(tx, "ledger chain heads",
			     "SELECT e.person_id, e.person_seq, e.entry_hash FROM ledger_entries e WHERE e.person_seq = "
			     "(SELECT MAX(x.person_seq) FROM ledger_entries x WHERE x.person_id = e.person_id) AND e.person_id IN ",
			     "", NULL, 0, keys, n_keys, head_row, fetched);
out:
	free(keys);
	strmap_free(seen);
	return err;
}

/* Links entry i to the person's previous entry: an earlier one of this batch (found through
 * in_batch, person id to index), else the last one stored (as kept or fetched); then records i
 * as the person's last. */
static enum ll_err link_person(struct ledger_entry *entries, int i, struct strmap *in_batch, const struct head_set *kept,
			       const struct head_set *fetched)
{
	struct ledger_entry *e = &entries[i];
	int64_t j;
	if (strmap_get(in_batch, e->person_id, &j)) {
		e->person_seq = entries[j].person_seq + 1;
		memcpy(e->prev_hash, entries[j].entry_hash, ENTRY_HASH_BYTES);
	} else if ((kept && head_set_get(kept, e->person_id, &j, e->prev_hash)) ||
		   head_set_get(fetched, e->person_id, &j, e->prev_hash)) {
		e->person_seq = j + 1;
	} else {
		e->person_seq = 1;
		memset(e->prev_hash, 0, ENTRY_HASH_BYTES);
	}
	return strmap_put(in_batch, e->person_id, i) ? LL_OK : LL_NOMEM;
}

enum ll_err ledger_append(struct ll_tx *tx, struct ledger_entry *entries, int n)
{
	return ledger_append_ex(tx, entries, n, 0, NULL);
}

enum ll_err ledger_append_ex(struct ll_tx *tx, struct ledger_entry *entries, int n, unsigned flags,
			     struct ledger_heads *heads)
{
	struct append_ctx c = { .entries = entries, .n = n };
	int64_t size = -1, rows;
	enum ll_err err;
	struct strmap *in_batch = NULL;
	struct head_set fetched = { 0 };
	const struct head_set *kept = NULL;
	if (n <= 0)
		return LL_OK;
	if (!(in_batch = strmap_new()))
		return LL_NOMEM;
	/* Taking the head row first serialises appenders across servers until commit. */
	err = store_exec(tx, &HEAD_ADVANCE, SP(SV_I64(n)), ledger_i64_row, &size);
	if (err != LL_OK)
		goto out;
	if (size < n) {
		err = ll_fail(LL_LEDGER_BROKEN, NULL, "the ledger head is missing");
		goto out;
	}
	uint64_t first = (uint64_t)(size - n);
	if (heads) {
		/* An append staged and not settled did not commit (a retried transaction). What the
		 * writer's earlier appends left holds only if the ledger has not grown since. */
		heads->n_staged = 0;
		arena_reset(&heads->staged_ids);
		heads->staged_size = -1;
		if (heads->kept_size == (int64_t)first)
			kept = &heads->kept;
		else
			heads_forget(heads);
	}
	/* Every person of the batch is new to the ledger, on the caller's word, or the heads not
	 * kept are looked up together. */
	if (!(flags & LEDGER_APPEND_NEW_PERSONS) && (err = heads_fetch(tx, entries, n, kept, &fetched)) != LL_OK)
		goto out;
	struct merkle_frontier f;
	struct stored_nodes nodes;
	struct merkle_leaves tree = stored_tree(tx, &nodes);
	err = merkle_frontier_from_nodes(&f, first, &tree);
	if (err != LL_OK)
		goto out;
	for (int i = 0; i < n; i++) {
		struct ledger_entry *e = &entries[i];
		e->seq = (int64_t)(first + (uint64_t)i);
		if ((err = link_person(entries, i, in_batch, kept, &fetched)) != LL_OK ||
		    (err = entry_compute_hash(e, e->entry_hash)) != LL_OK ||
		    (err = merkle_frontier_append_emit(&f, e->entry_hash, node_emit, &c)) != LL_OK)
			goto out;
	}
	c.next = 0;
	err = store_bulk_insert(tx, "ledger_entries", entry_cols, ENTRY_N_COLS, next_entry_row, &c, &rows);
	if (err != LL_OK)
		goto out;
	c.next = 0;
	err = store_bulk_insert(tx, "ledger_nodes", node_cols, 3, next_node_row, &c, &rows);
	if (err == LL_OK && heads)
		err = heads_stage(heads, entries, n, in_batch, size);
out:
	head_set_release(&fetched);
	strmap_free(in_batch);
	free(c.nodes);
	return err;
}

/* ---- Signed tree heads ---- */

struct sth_ctx {
	struct merkle_sth sth;
	bool is_found;
};

static enum ll_err sth_row(const struct store_row *row, void *ctx)
{
	struct sth_ctx *c = ctx;
	size_t root_len, sig_len;
	const void *root = store_row_blob(row, 2, &root_len);
	const void *sig = store_row_blob(row, 3, &sig_len);
	if (root_len != MERKLE_HASH_BYTES || sig_len != MERKLE_SIG_BYTES)
		return ll_fail(LL_LEDGER_BROKEN, NULL, "a stored tree head is malformed");
	c->sth.tree_size = (uint64_t)store_row_i64(row, 0);
	c->sth.timestamp_us = store_row_i64(row, 1);
	memcpy(c->sth.root_hash, root, MERKLE_HASH_BYTES);
	memcpy(c->sth.signature, sig, MERKLE_SIG_BYTES);
	c->is_found = true;
	return LL_OK;
}

struct sth_current_ctx {
	const struct ll_keys *keys;
	uint64_t min_size;
	bool is_read_only;              /* only look: a head must be signed when is_to_sign comes back */
	bool is_to_sign;
	struct merkle_sth sth;
};

static enum ll_err sth_current_txn(struct ll_tx *tx, void *ctx)
{
	struct sth_current_ctx *c = ctx;
	int64_t size = 0;
	struct sth_ctx latest = { 0 };
	enum ll_err err = store_exec(tx, &HEAD_SIZE, SP_NONE, ledger_i64_row, &size);
	if (err == LL_OK)
		err = store_exec(tx, &STH_LATEST, SP_NONE, sth_row, &latest);
	if (err != LL_OK)
		return err;
	/* A head already signed for a longer log means entries were taken away: never sign a fork. */
	if (latest.is_found && latest.sth.tree_size > (uint64_t)size)
		return ll_fail(LL_LEDGER_BROKEN, NULL, "the log holds %lld entries but a tree head of %llu was signed",
			       (long long)size, (unsigned long long)latest.sth.tree_size);
	int64_t now = clock_now_us();
	if (latest.is_found && (latest.sth.tree_size == (uint64_t)size ||
				(latest.sth.tree_size >= c->min_size && now - latest.sth.timestamp_us < STH_MIN_INTERVAL_US))) {
		c->sth = latest.sth;
		c->is_to_sign = false;
		return LL_OK;
	}
	c->is_to_sign = true;
	if (c->is_read_only)
		return LL_OK;
	struct merkle_sth sth = { .tree_size = (uint64_t)size, .timestamp_us = now };
	struct merkle_frontier f;
	struct stored_nodes nodes;
	struct merkle_leaves tree = stored_tree(tx, &nodes);
	if ((err = merkle_frontier_from_nodes(&f, sth.tree_size, &tree)) != LL_OK)
		return err;
	merkle_frontier_root(&f, sth.root_hash);
	if ((err = merkle_sth_sign(&sth, c->keys)) != LL_OK)
		return err;
	err = store_exec(tx, &STH_INSERT, SP(SV_I64((int64_t)sth.tree_size), SV_I64(sth.timestamp_us),
					     SV_BLOB(sth.root_hash, MERKLE_HASH_BYTES),
					     SV_BLOB(sth.signature, MERKLE_SIG_BYTES)), NULL, NULL);
	if (err != LL_OK)
		return err;
	if (store_changes(tx) == 0) {
		/* Another server signed this size a moment ago: publish that one, not a second. */
		latest.is_found = false;
		err = store_exec(tx, &STH_LATEST, SP_NONE, sth_row, &latest);
		if (err == LL_OK && latest.is_found)
			sth = latest.sth;
	}
	c->sth = sth;
	return err;
}

enum ll_err ledger_sth_current(struct ll_store *st, const struct ll_keys *keys, uint64_t min_size,
			       struct merkle_sth *ret_sth)
{
	/* Most calls find a head to reuse: looking needs no write lock, which would queue them behind
	 * every commit. Only a head to be signed takes one (and looks again under it). */
	struct sth_current_ctx c = { .keys = keys, .min_size = min_size, .is_read_only = true };
	enum ll_err err = store_run(st, STORE_READ, "ledger tree head", sth_current_txn, &c);
	if (err == LL_OK && c.is_to_sign) {
		c.is_read_only = false;
		err = store_run(st, STORE_WRITE, "ledger tree head", sth_current_txn, &c);
	}
	if (err == LL_OK)
		*ret_sth = c.sth;
	return err;
}

enum ll_err ledger_proof_tx(struct ll_tx *tx, uint64_t seq, struct merkle_sth *ret_sth, struct merkle_proof *ret_proof,
			    bool *ret_is_found)
{
	*ret_is_found = false;
	struct sth_current_ctx c = { .min_size = seq + 1, .is_read_only = true };
	enum ll_err err = sth_current_txn(tx, &c);
	if (err != LL_OK || c.is_to_sign)
		return err;
	struct stored_nodes nodes;
	struct merkle_leaves tree = stored_tree(tx, &nodes);
	err = merkle_inclusion_proof(&tree, c.sth.tree_size, seq, ret_proof);
	if (err == LL_OK) {
		*ret_sth = c.sth;
		*ret_is_found = true;
	}
	return err;
}

/* ---- Proofs ---- */

struct proof_ctx {
	uint64_t a, b;
	bool is_consistency;
	struct merkle_proof proof;
};

static enum ll_err proof_txn(struct ll_tx *tx, void *ctx)
{
	struct proof_ctx *c = ctx;
	int64_t size = 0;
	enum ll_err err = store_exec(tx, &HEAD_SIZE, SP_NONE, ledger_i64_row, &size);
	if (err != LL_OK)
		return err;
	if (c->b > (uint64_t)size)
		return ll_fail(LL_OUT_OF_RANGE, c->is_consistency ? "second" : "tree_size",
			       "the log holds %lld entries", (long long)size);
	struct stored_nodes nodes;
	struct merkle_leaves tree = stored_tree(tx, &nodes);
	return c->is_consistency ? merkle_consistency_proof(&tree, c->a, c->b, &c->proof)
				 : merkle_inclusion_proof(&tree, c->b, c->a, &c->proof);
}

enum ll_err ledger_inclusion_proof(struct ll_store *st, uint64_t seq, uint64_t tree_size, struct merkle_proof *ret_proof)
{
	struct proof_ctx c = { .a = seq, .b = tree_size };
	enum ll_err err = store_run(st, STORE_READ, "ledger inclusion proof", proof_txn, &c);
	if (err == LL_OK)
		*ret_proof = c.proof;
	return err;
}

enum ll_err ledger_consistency_proof(struct ll_store *st, uint64_t first, uint64_t second,
				     struct merkle_proof *ret_proof)
{
	struct proof_ctx c = { .a = first, .b = second, .is_consistency = true };
	enum ll_err err = store_run(st, STORE_READ, "ledger consistency proof", proof_txn, &c);
	if (err == LL_OK)
		*ret_proof = c.proof;
	return err;
}

/* ---- Reading entries ---- */

struct entries_ctx {
	struct arena *a;
	struct ledger_entry last;  /* the latest row read */
	json_t *items;             /* every row, when not NULL */
	bool is_found;
};

static enum ll_err entries_row(const struct store_row *row, void *ctx)
{
	struct entries_ctx *c = ctx;
	struct ledger_entry e;
	enum ll_err err = ledger_entry_from_row(row, c->a, &e);
	if (err != LL_OK)
		return err;
	c->is_found = true;
	c->last = e;
	if (c->items)
		json_array_append_new(c->items, entry_json(&e));
	return LL_OK;
}

struct entry_get_ctx {
	const struct ledger_caller *c;
	const char *id;
	const struct store_stmt *stmt;
	struct entries_ctx rows;
};

static enum ll_err entry_get_txn(struct ll_tx *tx, void *ctx)
{
	struct entry_get_ctx *g = ctx;
	g->rows.is_found = false;
	if (g->rows.items)
		json_array_clear(g->rows.items);
	enum ll_err err = store_exec(tx, g->stmt, SP(SV_TEXT(g->id)), entries_row, &g->rows);
	if (err != LL_OK)
		return err;
	if (!g->rows.is_found)
		return ll_fail(LL_NOT_FOUND, NULL, "no ledger entry or outcome with this id");
	bool is_ok;
	/* Every version of an outcome has the same person and depositor: any row scopes it. */
	err = ledger_may_read(tx, g->c, g->rows.last.person_id, g->rows.last.o.institution_id, &is_ok);
	if (err == LL_OK && !is_ok)
		err = ll_fail(LL_NOT_FOUND, NULL, "no ledger entry or outcome with this id");
	return err;
}

enum ll_err ledger_entry_get(struct ll_store *st, const struct ledger_caller *c, const char *id, struct arena *a,
			     struct ledger_entry *ret)
{
	struct entry_get_ctx g = { .c = c, .id = id, .stmt = &ENTRY_BY_ID, .rows = { .a = a } };
	enum ll_err err = store_run(st, STORE_READ, "ledger entry", entry_get_txn, &g);
	if (err == LL_OK)
		*ret = g.rows.last;
	return err;
}

enum ll_err ledger_outcome_history(struct ll_store *st, const struct ledger_caller *c, const char *outcome_id,
				   json_t **ret_items)
{
	struct arena a;
	arena_init(&a, 8 << 20);
	struct entry_get_ctx g = { .c = c, .id = outcome_id, .stmt = &ENTRY_HISTORY,
				   .rows = { .a = &a, .items = json_array() } };
	enum ll_err err = store_run(st, STORE_READ, "ledger outcome history", entry_get_txn, &g);
	arena_release(&a);
	if (err != LL_OK) {
		json_decref(g.rows.items);
		return err;
	}
	*ret_items = g.rows.items;
	return LL_OK;
}

/* ---- Verifying ---- */

struct verify_ctx {
	const unsigned char *public_key;
	verify_progress_fn progress;
	void *progress_ctx;
	struct verify_report r;
	struct arena a;
	int64_t size;
	struct merkle_frontier f;
	/* One batch: the nodes the entries imply, the stored nodes, the tree heads in range. */
	struct append_ctx implied;
	size_t stored_at;
	struct merkle_sth *sths;
	size_t n_sths, cap_sths, sth_at;
	int64_t expect_seq;
	/* Chain pass. */
	char last_person[64];
	int64_t last_person_seq;
	unsigned char last_hash[ENTRY_HASH_BYTES];
};

/* Records the first failure; later ones are not reported (the first names where to look). */
static enum ll_err verify_fail(struct verify_ctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static enum ll_err verify_fail(struct verify_ctx *v, const char *fmt, ...)
{
	if (v->r.is_ok) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(v->r.first_failure, sizeof(v->r.first_failure), fmt, ap);
		va_end(ap);
		v->r.is_ok = false;
	}
	return LL_LEDGER_BROKEN;
}

static enum ll_err check_sths_at(struct verify_ctx *v)
{
	while (v->sth_at < v->n_sths && v->sths[v->sth_at].tree_size == v->f.size) {
		struct merkle_sth *s = &v->sths[v->sth_at++];
		unsigned char root[MERKLE_HASH_BYTES];
		merkle_frontier_root(&v->f, root);
		if (memcmp(root, s->root_hash, MERKLE_HASH_BYTES) != 0)
			return verify_fail(v, "signed tree head of size %llu: its root does not match the entries",
					   (unsigned long long)s->tree_size);
		if (!merkle_sth_verify(s, v->public_key))
			return verify_fail(v, "signed tree head of size %llu: the signature does not verify with this "
					   "node's key", (unsigned long long)s->tree_size);
		v->r.tree_heads++;
	}
	return LL_OK;
}

static enum ll_err verify_entry_row(const struct store_row *row, void *ctx)
{
	struct verify_ctx *v = ctx;
	struct ledger_entry e;
	int64_t seq = store_row_i64(row, 0);
	if (seq != v->expect_seq)
		return verify_fail(v, "entry %lld is missing from the log", (long long)v->expect_seq);
	if (ledger_entry_from_row(row, &v->a, &e) != LL_OK)
		return verify_fail(v, "entry %lld: a stored value is not one the ledger writes", (long long)seq);
	unsigned char hash[ENTRY_HASH_BYTES];
	if (entry_compute_hash(&e, hash) != LL_OK || memcmp(hash, e.entry_hash, ENTRY_HASH_BYTES) != 0)
		return verify_fail(v, "entry %lld (id %s, person %s): its content does not match its hash", (long long)seq,
				   e.id ? e.id : "?", e.person_id ? e.person_id : "?");
	enum ll_err err = merkle_frontier_append_emit(&v->f, hash, node_emit, &v->implied);
	if (err != LL_OK)
		return err;
	v->expect_seq++;
	v->r.entries++;
	return check_sths_at(v);
}

static enum ll_err verify_node_row(const struct store_row *row, void *ctx)
{
	struct verify_ctx *v = ctx;
	int64_t last_leaf = store_row_i64(row, 0);
	int level = (int)store_row_i64(row, 1);
	size_t len;
	const void *hash = store_row_blob(row, 2, &len);
	if (v->stored_at >= v->implied.n_nodes)
		return verify_fail(v, "tree node (level %d, last leaf %lld) is not one the entries make", level,
				   (long long)last_leaf);
	const struct node_rec *want = &v->implied.nodes[v->stored_at];
	if (want->last_leaf != last_leaf || want->level != level)
		return verify_fail(v, "tree node (level %d, last leaf %lld) is missing", want->level,
				   (long long)want->last_leaf);
	if (len != MERKLE_HASH_BYTES || memcmp(hash, want->hash, MERKLE_HASH_BYTES) != 0)
		return verify_fail(v, "tree node (level %d, last leaf %lld) does not match the entries", level,
				   (long long)last_leaf);
	v->stored_at++;
	v->r.nodes++;
	return LL_OK;
}

static enum ll_err verify_sth_row(const struct store_row *row, void *ctx)
{
	struct verify_ctx *v = ctx;
	struct sth_ctx one = { 0 };
	if (sth_row(row, &one) != LL_OK)
		return verify_fail(v, "a signed tree head is malformed");
	if (!grow(&v->sths, &v->cap_sths, v->n_sths, sizeof(*v->sths), 16))
		return LL_NOMEM;
	v->sths[v->n_sths++] = one.sth;
	return LL_OK;
}

static enum ll_err verify_log_txn(struct ll_tx *tx, void *ctx)
{
	struct verify_ctx *v = ctx;
	int64_t beyond = 0;
	enum ll_err err = store_exec(tx, &HEAD_SIZE, SP_NONE, ledger_i64_row, &v->size);
	if (err != LL_OK)
		return err;
	merkle_frontier_init(&v->f);
	v->expect_seq = 0;
	/* Tree heads of size 0 (an empty log) are checked before the first entry. */
	for (int64_t a = 0; a <= v->size; a += VERIFY_BATCH) {
		int64_t b = a + VERIFY_BATCH < v->size ? a + VERIFY_BATCH : v->size;
		arena_reset(&v->a);
		v->implied.n_nodes = 0;
		v->stored_at = 0;
		v->n_sths = v->sth_at = 0;
		/* Heads of sizes (a, b], and 0 in the first batch. */
		if ((err = store_exec(tx, &VERIFY_STHS, SP(SV_I64(a == 0 ? 0 : a + 1), SV_I64(b + 1)), verify_sth_row, v)) !=
		    LL_OK)
			return err;
		if ((err = check_sths_at(v)) != LL_OK)
			return err;
		if ((err = store_exec(tx, &VERIFY_ENTRIES, SP(SV_I64(a), SV_I64(b)), verify_entry_row, v)) != LL_OK)
			return err;
		if (v->expect_seq != b)
			return verify_fail(v, "entry %lld is missing from the log", (long long)v->expect_seq);
		if (v->sth_at < v->n_sths)
			return verify_fail(v, "signed tree head of size %llu: the log never had that size",
					   (unsigned long long)v->sths[v->sth_at].tree_size);
		if ((err = store_exec(tx, &VERIFY_NODES, SP(SV_I64(a), SV_I64(b)), verify_node_row, v)) != LL_OK)
			return err;
		if (v->stored_at < v->implied.n_nodes)
			return verify_fail(v, "tree node (level %d, last leaf %lld) is missing",
					   v->implied.nodes[v->stored_at].level,
					   (long long)v->implied.nodes[v->stored_at].last_leaf);
		if (v->progress)
			v->progress(v->progress_ctx, (uint64_t)b, (uint64_t)v->size);
		if (b == v->size)
			break;
	}
	if ((err = store_exec(tx, &VERIFY_BEYOND, SP_NONE, ledger_i64_row, &beyond)) != LL_OK)
		return err;
	if (beyond > 0)
		return verify_fail(v, "%lld entries lie outside the log", (long long)beyond);
	if ((err = store_exec(tx, &VERIFY_NODES_BEYOND, SP_NONE, ledger_i64_row, &beyond)) != LL_OK)
		return err;
	if (beyond > 0)
		return verify_fail(v, "%lld tree nodes lie outside the log", (long long)beyond);
	/* A head signed for a longer log than there is: entries were taken away. */
	beyond = -1;
	if ((err = store_exec(tx, &VERIFY_STHS_BEYOND, SP_NONE, i64_or_null_row, &beyond)) != LL_OK)
		return err;
	if (beyond > 0)
		return verify_fail(v, "signed tree head of size %lld: the log is shorter than that", (long long)beyond);
	return LL_OK;
}

struct chain_page {
	struct verify_ctx *v;
	int rows;
};

static enum ll_err verify_chain_row(const struct store_row *row, void *ctx)
{
	struct chain_page *p = ctx;
	struct verify_ctx *v = p->v;
	const char *person = store_row_text(row, 0);
	int64_t person_seq = store_row_i64(row, 1), seq = store_row_i64(row, 4);
	unsigned char prev[ENTRY_HASH_BYTES], hash[ENTRY_HASH_BYTES];
	p->rows++;
	if (!copy_hash(row, 2, prev) || !copy_hash(row, 3, hash))
		return verify_fail(v, "entry %lld: a stored hash is malformed", (long long)seq);
	bool is_new_person = strcmp(person, v->last_person) != 0;
	if (is_new_person) {
		static const unsigned char zero[ENTRY_HASH_BYTES];
		v->r.persons++;
		if (person_seq != 1 || memcmp(prev, zero, ENTRY_HASH_BYTES) != 0)
			return verify_fail(v, "entry %lld: person %s's chain does not start at their first entry",
					   (long long)seq, person);
	} else if (person_seq != v->last_person_seq + 1) {
		return verify_fail(v, "entry %lld: person %s's chain skips from %lld to %lld", (long long)seq, person,
				   (long long)v->last_person_seq, (long long)person_seq);
	} else if (memcmp(prev, v->last_hash, ENTRY_HASH_BYTES) != 0) {
		return verify_fail(v, "entry %lld: person %s's chain is broken (previous hash does not match entry %lld)",
				   (long long)seq, person, (long long)(person_seq - 1));
	}
	snprintf(v->last_person, sizeof(v->last_person), "%s", person);
	v->last_person_seq = person_seq;
	memcpy(v->last_hash, hash, ENTRY_HASH_BYTES);
	return LL_OK;
}

static enum ll_err verify_chains_txn(struct ll_tx *tx, void *ctx)
{
	struct verify_ctx *v = ctx;
	v->last_person[0] = '\0';
	v->last_person_seq = 0;
	v->r.persons = 0;
	for (;;) {
		struct chain_page p = { .v = v };
		char after[64];
		snprintf(after, sizeof(after), "%s", v->last_person);
		enum ll_err err = store_exec(tx, &VERIFY_CHAINS,
					     SP(SV_TEXT(after), SV_I64(v->last_person_seq), SV_I64(VERIFY_BATCH)),
					     verify_chain_row, &p);
		if (err != LL_OK)
			return err;
		if (p.rows < VERIFY_BATCH)
			return LL_OK;
	}
}

enum ll_err ledger_verify(struct ll_store *st, const unsigned char public_key[MERKLE_PUBLIC_KEY_BYTES],
			  verify_progress_fn progress, void *ctx, struct verify_report *ret)
{
	struct verify_ctx *v = calloc(1, sizeof(*v));
	if (!v)
		return LL_NOMEM;
	v->public_key = public_key;
	v->progress = progress;
	v->progress_ctx = ctx;
	v->r.is_ok = true;
	arena_init(&v->a, 0);
	enum ll_err err = store_run(st, STORE_READ, "ledger verify log", verify_log_txn, v);
	if (err == LL_OK)
		err = store_run(st, STORE_READ, "ledger verify chains", verify_chains_txn, v);
	/* A broken ledger is a finding, not a failure of the verifier. */
	if (err == LL_LEDGER_BROKEN && !v->r.is_ok)
		err = LL_OK;
	if (err == LL_OK)
		*ret = v->r;
	arena_release(&v->a);
	free(v->implied.nodes);
	free(v->sths);
	free(v);
	return err;
}

/* ---- What follows the ledger ---- */

static const struct store_stmt DEPOSITS_SINCE = {
	"ledger deposits since",
	"SELECT seq, outcome_id, person_id, kind, title, level, hours_milli, created_at FROM ledger_entries "
	"WHERE seq > $1 AND seq <= $2 AND op = 'deposit' ORDER BY seq LIMIT $3"
};
/* The ledger's numbers start at 0: an empty ledger is "before 0" (the position a new follower holds). */
static const struct store_stmt SEQ_LAST = { "ledger seq last", "SELECT COALESCE(MAX(seq), -1) FROM ledger_entries" };

static enum ll_err last_seq_row(const struct store_row *row, void *ctx)
{
	*(int64_t *)ctx = store_row_i64(row, 0);
	return LL_OK;
}

struct deposits_ctx {
	struct arena *a;
	struct ledger_deposit_seen *items;
	int n, cap;
};

static enum ll_err deposit_seen_row(const struct store_row *row, void *ctx)
{
	struct deposits_ctx *x = ctx;
	if (x->n == x->cap)
		return LL_OK;
	struct ledger_deposit_seen *d = &x->items[x->n];
	d->seq = store_row_i64(row, 0);
	d->outcome_id = arena_strdup(x->a, store_row_text(row, 1));
	d->person_id = arena_strdup(x->a, store_row_text(row, 2));
	d->kind = arena_strdup(x->a, store_row_text(row, 3));
	d->title = arena_strdup(x->a, store_row_text(row, 4));
	d->level = store_row_is_null(row, 5) ? -1 : store_row_i64(row, 5);
	d->hours_milli = store_row_is_null(row, 6) ? -1 : store_row_i64(row, 6);
	d->created_at = store_row_i64(row, 7);
	if (!d->outcome_id || !d->person_id || !d->kind || !d->title)
		return LL_NOMEM;
	x->n++;
	return LL_OK;
}

enum ll_err ledger_deposits_since(struct ll_tx *tx, int64_t after_seq, int limit, struct arena *a,
				  struct ledger_deposit_seen **ret_items, int *ret_n, int64_t *ret_next)
{
	struct deposits_ctx x = { .a = a, .cap = limit, .items = arena_alloc(a, (size_t)limit * sizeof(*x.items)) };
	if (!x.items)
		return ll_fail(LL_NOMEM, NULL, NULL);
	int64_t last = -1;
	enum ll_err err = store_exec(tx, &SEQ_LAST, SP_NONE, last_seq_row, &last);
	if (err == LL_OK)
		err = store_exec(tx, &DEPOSITS_SINCE, SP(SV_I64(after_seq), SV_I64(last), SV_I64(limit)), deposit_seen_row,
				 &x);
	*ret_items = x.items;
	*ret_n = x.n;
	*ret_next = x.n == limit ? x.items[x.n - 1].seq : last > after_seq ? last : after_seq;
	return err;
}
