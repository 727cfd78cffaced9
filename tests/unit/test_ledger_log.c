/*
 * The credit bank's log on a real database: per-person chains across interleaved appends and bulk
 * loads, signed tree heads over the root of the entries, inclusion and consistency proofs for
 * every leaf, the tree nodes a store keeps in memory (never another node's hash, and kept only
 * from reading transactions), and the verifier on a clean ledger and after each kind of
 * tampering done with SQL behind its back (a named case each). Every case runs on SQLite and,
 * when LIFELONG_TEST_PG names a server (scripts/pg-test.sh run sets it), again on PostgreSQL;
 * each case starts from an empty, migrated database with the reference data, four institutions
 * and three persons (ledger_fixture.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/id.h"
#include "ledger/ledger_db.h"
#include "ledger/node_cache.h"
#include "ledger_fixture.h"

#define MAX_ENTRIES 256

/* ---- Entries read back ---- */

struct entries_read {
	struct arena *a;
	struct ledger_entry items[MAX_ENTRIES];
	int n;
};

static enum ll_err entry_read_row(const struct store_row *row, void *ctx)
{
	struct entries_read *r = ctx;
	if (r->n >= MAX_ENTRIES)
		return ll_fail(LL_INTERNAL, NULL, "test holds at most %d entries", MAX_ENTRIES);
	return ledger_entry_from_row(row, r->a, &r->items[r->n++]);
}

/* Every entry in seq order into *r (strings in f's arena). */
static void entries_all(struct fx *f, struct entries_read *r)
{
	r->a = &f->a;
	r->n = 0;
	sql(f->st, "SELECT " ENTRY_COLS " FROM ledger_entries e ORDER BY e.seq", SP_NONE, entry_read_row, r);
}

/* The entry hashes of the whole log, leaf i at i * 32; returns the count. */
static int leaf_hashes(struct fx *f, unsigned char *out)
{
	static struct entries_read r;
	entries_all(f, &r);
	for (int i = 0; i < r.n; i++)
		memcpy(out + (size_t)i * MERKLE_HASH_BYTES, r.items[i].entry_hash, MERKLE_HASH_BYTES);
	return r.n;
}

struct append_job {
	struct ledger_entry *entries;
	int n;
	unsigned flags;
};

static enum ll_err append_txn(struct ll_tx *tx, void *ctx)
{
	struct append_job *j = ctx;
	return ledger_append_ex(tx, j->entries, j->n, j->flags, NULL);
}

/* Makes n community-education entries, entry i for persons[i], for ledger_append to complete. */
static void entries_make(struct fx *f, const int *persons, int n, struct ledger_entry *out)
{
	for (int i = 0; i < n; i++) {
		struct ledger_entry *e = &out[i];
		memset(e, 0, sizeof(*e));
		outcome_init(&e->o);
		ll_id id;
		id_new(&id);
		e->id = arena_strdup(&f->a, id.s);
		e->person_id = person_ids[persons[i]];
		e->o.person_id = e->person_id;
		e->op = OP_DEPOSIT;
		e->outcome_id = e->id;
		e->standard_version = 1;
		e->o.institution_id = CS;
		e->o.kind = KIND_COMMUNITY_EDUCATION;
		e->o.title = arena_printf(&f->a, "社区课程 %d", ++f->titles);
		e->o.hours_milli = 2000;
		e->o.awarded_on = "2026-01-01";
		e->actor_id = "user-test";
		e->created_at = clock_now_us();
	}
}

/* Appends such entries straight into the log in one transaction; out receives them as
 * ledger_append completed them. */
static void append_entries(struct fx *f, const int *persons, int n, struct ledger_entry *out)
{
	entries_make(f, persons, n, out);
	struct append_job j = { out, n, 0 };
	assert_ok(store_run(f->st, STORE_WRITE, "test append", append_txn, &j));
}

/* ---- The log ---- */

static void assert_chains(const struct entries_read *r)
{
	int64_t last_seq[PERSONS] = { 0 };
	unsigned char last_hash[PERSONS][ENTRY_HASH_BYTES];
	memset(last_hash, 0, sizeof(last_hash));
	for (int i = 0; i < r->n; i++) {
		const struct ledger_entry *e = &r->items[i];
		assert_int_equal(e->seq, i);
		int p = -1;
		for (int k = 0; k < PERSONS; k++)
			if (strcmp(e->person_id, person_ids[k]) == 0)
				p = k;
		assert_true(p >= 0);
		if (e->person_seq != last_seq[p] + 1)
			fail_msg("entry %d: person_seq %lld after %lld", i, (long long)e->person_seq, (long long)last_seq[p]);
		if (memcmp(e->prev_hash, last_hash[p], ENTRY_HASH_BYTES) != 0)
			fail_msg("entry %d: prev_hash is not the hash of the person's previous entry", i);
		unsigned char h[ENTRY_HASH_BYTES];
		assert_ok(entry_compute_hash(e, h));
		assert_memory_equal(h, e->entry_hash, ENTRY_HASH_BYTES);
		last_seq[p] = e->person_seq;
		memcpy(last_hash[p], e->entry_hash, ENTRY_HASH_BYTES);
	}
}

static void test_append_chains_each_person_across_interleaved_appends(void **state)
{
	struct fx *f = *state;
	static struct ledger_entry out[MAX_ENTRIES];
	/* One at a time, persons interleaved, each in its own transaction. */
	static const int pattern[] = { 0, 1, 0, 2, 2, 1, 0, 0, 2 };
	int n = 0;
	for (size_t i = 0; i < sizeof(pattern) / sizeof(pattern[0]); i++, n++)
		append_entries(f, &pattern[i], 1, &out[n]);
	/* Then many in one batch, persons interleaved irregularly. */
	int batch[70];
	for (int i = 0; i < 70; i++)
		batch[i] = (i * i + i / 3) % PERSONS;
	append_entries(f, batch, 70, &out[n]);
	n += 70;

	static struct entries_read r;
	entries_all(f, &r);
	assert_int_equal(r.n, n);
	assert_chains(&r);
	/* What ledger_append handed back is what it stored. */
	for (int i = 0; i < n; i++) {
		assert_int_equal(out[i].seq, i);
		assert_string_equal(out[i].id, r.items[i].id);
		assert_int_equal(out[i].person_seq, r.items[i].person_seq);
		assert_memory_equal(out[i].prev_hash, r.items[i].prev_hash, ENTRY_HASH_BYTES);
		assert_memory_equal(out[i].entry_hash, r.items[i].entry_hash, ENTRY_HASH_BYTES);
	}
	assert_int_equal(sql_i64(f->st, "SELECT size FROM ledger_head WHERE id = 1", SP_NONE), n);
	/* Every perfect subtree above the leaves (a leaf is its entry's hash) is stored once: n/2 +
	 * n/4 + ... nodes. */
	int64_t want_nodes = 0;
	for (int level = 1; (n >> level) > 0; level++)
		want_nodes += n >> level;
	assert_int_equal(count_rows(f->st, "ledger_nodes"), want_nodes);
	struct verify_report v = verify(f);
	assert_true(v.is_ok);
	assert_int_equal(v.entries, n);
	assert_int_equal(v.persons, PERSONS);
	assert_int_equal(v.nodes, want_nodes);
}

static void test_append_of_new_persons_chains_within_the_batch(void **state)
{
	struct fx *f = *state;
	/* A bulk load of persons with no entry yet: the chains start in the batch. */
	static struct ledger_entry out[MAX_ENTRIES];
	int persons[30];
	for (int i = 0; i < 30; i++)
		persons[i] = (i * 2 + i / 4) % PERSONS;
	entries_make(f, persons, 30, out);
	struct append_job j = { out, 30, LEDGER_APPEND_NEW_PERSONS };
	assert_ok(store_run(f->st, STORE_WRITE, "test bulk append", append_txn, &j));
	/* Ordinary appends carry the chains on. */
	append_entries(f, persons, 5, out + 30);
	static struct entries_read r;
	entries_all(f, &r);
	assert_int_equal(r.n, 35);
	assert_chains(&r);
	assert_true(verify(f).is_ok);
}

/* An append that keeps heads between transactions, as an import job does; with fail_first set,
 * the first attempt appends persons fail_first_persons and then asks to be retried (its
 * transaction rolls back), and with is_failing every attempt fails after appending. */
struct kept_job {
	struct fx *f;
	struct ledger_heads *heads;
	const int *persons;
	int n;
	struct ledger_entry *out;
	const int *fail_first_persons;
	int n_fail_first, attempts;
	bool is_failing;
};

static enum ll_err kept_txn(struct ll_tx *tx, void *ctx)
{
	struct kept_job *j = ctx;
	static struct ledger_entry scratch[MAX_ENTRIES];
	if (j->attempts++ == 0 && j->n_fail_first > 0) {
		entries_make(j->f, j->fail_first_persons, j->n_fail_first, scratch);
		assert_ok(ledger_append_ex(tx, scratch, j->n_fail_first, 0, j->heads));
		return ll_fail(LL_STORE_BUSY, NULL, "test asks for a retry");
	}
	entries_make(j->f, j->persons, j->n, j->out);
	enum ll_err err = ledger_append_ex(tx, j->out, j->n, 0, j->heads);
	if (err == LL_OK && j->is_failing)
		return ll_fail(LL_CONFLICT, NULL, "test fails the transaction");
	return err;
}

static enum ll_err append_kept(struct kept_job j)
{
	enum ll_err err = store_run(j.f->st, STORE_WRITE, "test kept append", kept_txn, &j);
	ledger_heads_settle(j.heads, err == LL_OK);
	return err;
}

static void test_append_with_kept_heads_stays_true_to_other_writers_and_rollbacks(void **state)
{
	struct fx *f = *state;
	static struct ledger_entry out[MAX_ENTRIES];
	struct ledger_heads *heads = ledger_heads_new();
	assert_non_null(heads);
	int n = 0;
	static const int a[] = { 0, 1, 2, 0 }, b[] = { 1, 2, 0 }, c[] = { 0 }, d[] = { 0, 1 }, e[] = { 2, 2 },
			 g[] = { 2, 0 }, h[] = { 2 }, k[] = { 1 };
	/* Batches of one writer, one after the other: the later ones continue from what it kept. */
	assert_ok(append_kept((struct kept_job){ .f = f, .heads = heads, .persons = a, .n = 4, .out = out + n }));
	n += 4;
	assert_ok(append_kept((struct kept_job){ .f = f, .heads = heads, .persons = b, .n = 3, .out = out + n }));
	n += 3;
	/* Another writer appends for person 0: what was kept no longer holds. */
	append_entries(f, c, 1, out + n);
	n += 1;
	assert_ok(append_kept((struct kept_job){ .f = f, .heads = heads, .persons = d, .n = 2, .out = out + n }));
	n += 2;
	/* A batch that rolls back, then another writer appending as many entries as it did: the
	 * heads of the rolled-back batch must not be believed. */
	static struct ledger_entry lost[4];
	assert_int_equal(append_kept((struct kept_job){ .f = f, .heads = heads, .persons = e, .n = 2, .out = lost, .is_failing = true }), LL_CONFLICT);
	append_entries(f, g, 2, out + n);
	n += 2;
	assert_ok(append_kept((struct kept_job){ .f = f, .heads = heads, .persons = h, .n = 1, .out = out + n }));
	n += 1;
	/* A batch retried inside its transaction: only the attempt that committed counts. */
	assert_ok(append_kept((struct kept_job){ .f = f, .heads = heads, .persons = k, .n = 1, .out = out + n,
						   .fail_first_persons = c, .n_fail_first = 1 }));
	n += 1;
	assert_ok(append_kept((struct kept_job){ .f = f, .heads = heads, .persons = a, .n = 4, .out = out + n }));
	n += 4;
	ledger_heads_free(heads);

	static struct entries_read r;
	entries_all(f, &r);
	assert_int_equal(r.n, n);
	assert_chains(&r);
	for (int i = 0; i < n; i++)
		assert_string_equal(out[i].id, r.items[i].id);
	assert_true(verify(f).is_ok);
}

static void test_append_through_deposits_chains_each_person(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 12; i++) {
		char title[32], ext[32];
		snprintf(title, sizeof(title), "课程 %d", i);
		snprintf(ext, sizeof(ext), "e-%d", i);
		struct outcome o = credit_of(f, (i * 5 + 1) % PERSONS, arena_strdup(&f->a, title), 1000 + i,
					     "2026-06-30", arena_strdup(&f->a, ext));
		deposit_ok(f, i % 2 ? U1 : U2, &o);
	}
	static struct entries_read r;
	entries_all(f, &r);
	assert_int_equal(r.n, 12);
	assert_chains(&r);
}

static void test_sth_signs_the_root_of_the_entries(void **state)
{
	struct fx *f = *state;
	int64_t t0 = clock_now_us();
	clock_set_fixed(t0);
	static struct ledger_entry out[64];
	int persons[16];
	for (int i = 0; i < 16; i++)
		persons[i] = i % PERSONS;
	append_entries(f, persons, 13, out);

	static unsigned char hashes[MAX_ENTRIES * MERKLE_HASH_BYTES];
	struct merkle_sth sth, again;
	assert_ok(ledger_sth_current(f->st, g_keys, 13, &sth));
	assert_int_equal(sth.tree_size, 13);
	assert_int_equal(sth.timestamp_us, t0);
	assert_true(merkle_sth_verify(&sth, g_keys->sign_pk));
	int n = leaf_hashes(f, hashes);
	assert_int_equal(n, 13);
	struct merkle_leaves leaves = { .hashes = hashes };
	unsigned char root[MERKLE_HASH_BYTES];
	assert_ok(merkle_root(&leaves, 13, root));
	assert_memory_equal(sth.root_hash, root, MERKLE_HASH_BYTES);
	/* Another key does not verify it; a changed root does not verify. */
	unsigned char other_pk[MERKLE_PUBLIC_KEY_BYTES];
	memcpy(other_pk, g_keys->sign_pk, sizeof(other_pk));
	other_pk[0] ^= 1;
	assert_false(merkle_sth_verify(&sth, other_pk));
	struct merkle_sth forged = sth;
	forged.root_hash[0] ^= 1;
	assert_false(merkle_sth_verify(&forged, g_keys->sign_pk));

	/* Grown within a second of the last head: the last head serves unless a bigger one is asked for. */
	append_entries(f, persons, 3, out + 13);
	clock_set_fixed(t0 + 500000);
	assert_ok(ledger_sth_current(f->st, g_keys, 0, &again));
	assert_int_equal(again.tree_size, 13);
	assert_int_equal(again.timestamp_us, t0);
	assert_memory_equal(again.signature, sth.signature, MERKLE_SIG_BYTES);
	assert_int_equal(count_rows(f->st, "ledger_sth"), 1);
	assert_ok(ledger_sth_current(f->st, g_keys, 14, &again));
	assert_int_equal(again.tree_size, 16);
	assert_int_equal(again.timestamp_us, t0 + 500000);
	assert_true(merkle_sth_verify(&again, g_keys->sign_pk));
	n = leaf_hashes(f, hashes);
	assert_int_equal(n, 16);
	assert_ok(merkle_root(&leaves, 16, root));
	assert_memory_equal(again.root_hash, root, MERKLE_HASH_BYTES);
	assert_int_equal(count_rows(f->st, "ledger_sth"), 2);
	/* The two heads are consistent. */
	struct merkle_proof p;
	assert_ok(ledger_consistency_proof(f->st, 13, 16, &p));
	assert_true(merkle_consistency_verify(13, 16, sth.root_hash, again.root_hash, &p));

	/* Nothing new, however long after: the same head, not a second one. */
	struct merkle_sth later;
	clock_set_fixed(t0 + 5000000);
	assert_ok(ledger_sth_current(f->st, g_keys, 0, &later));
	assert_int_equal(later.tree_size, 16);
	assert_int_equal(later.timestamp_us, t0 + 500000);
	assert_memory_equal(later.signature, again.signature, MERKLE_SIG_BYTES);
	assert_int_equal(count_rows(f->st, "ledger_sth"), 2);

	/* Grown and more than a second old: a new head even when none is asked for. */
	append_entries(f, persons, 1, out + 16);
	clock_set_fixed(t0 + 7000000);
	assert_ok(ledger_sth_current(f->st, g_keys, 0, &again));
	assert_int_equal(again.tree_size, 17);
	assert_true(verify(f).is_ok);
	assert_int_equal(verify(f).tree_heads, 3);
}

static void test_sth_of_empty_log_is_the_empty_root(void **state)
{
	struct fx *f = *state;
	struct merkle_sth sth;
	assert_ok(ledger_sth_current(f->st, g_keys, 0, &sth));
	assert_int_equal(sth.tree_size, 0);
	unsigned char empty[MERKLE_HASH_BYTES];
	merkle_hash_empty(empty);
	assert_memory_equal(sth.root_hash, empty, MERKLE_HASH_BYTES);
	assert_true(merkle_sth_verify(&sth, g_keys->sign_pk));
	struct verify_report v = verify(f);
	assert_true(v.is_ok);
	assert_int_equal(v.tree_heads, 1);
}

static void test_proofs_verify_for_every_leaf(void **state)
{
	struct fx *f = *state;
	static struct ledger_entry out[64];
	int persons[40];
	for (int i = 0; i < 40; i++)
		persons[i] = (i * 7) % PERSONS;
	/* Batches of uneven sizes, so that appends resume from stored nodes at odd sizes. */
	static const int batches[] = { 1, 2, 5, 7, 1, 16, 8 };
	int n = 0;
	for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
		append_entries(f, persons + n, batches[b], out + n);
		n += batches[b];
	}
	assert_int_equal(n, 40);
	static unsigned char hashes[MAX_ENTRIES * MERKLE_HASH_BYTES];
	assert_int_equal(leaf_hashes(f, hashes), 40);
	struct merkle_leaves leaves = { .hashes = hashes };
	unsigned char roots[41][MERKLE_HASH_BYTES];
	for (int size = 0; size <= 40; size++)
		assert_ok(merkle_root(&leaves, (uint64_t)size, roots[size]));
	struct merkle_proof p;
	for (int size = 1; size <= 40; size++) {
		for (int i = 0; i < size; i++) {
			assert_ok(ledger_inclusion_proof(f->st, (uint64_t)i, (uint64_t)size, &p));
			if (!merkle_inclusion_verify((uint64_t)i, (uint64_t)size, hashes + i * MERKLE_HASH_BYTES, &p,
						     roots[size]))
				fail_msg("inclusion of leaf %d in tree %d does not verify", i, size);
			/* Another leaf's hash is not proven by it. */
			int j = (i + 1) % size;
			if (j != i)
				assert_false(merkle_inclusion_verify((uint64_t)i, (uint64_t)size,
								     hashes + j * MERKLE_HASH_BYTES, &p, roots[size]));
		}
	}
	for (int second = 0; second <= 40; second++) {
		for (int first = 0; first <= second; first++) {
			assert_ok(ledger_consistency_proof(f->st, (uint64_t)first, (uint64_t)second, &p));
			if (!merkle_consistency_verify((uint64_t)first, (uint64_t)second, roots[first], roots[second], &p))
				fail_msg("consistency %d -> %d does not verify", first, second);
		}
	}
	/* The whole tree's root is what a tree head signs. */
	struct merkle_sth sth;
	assert_ok(ledger_sth_current(f->st, g_keys, 40, &sth));
	assert_memory_equal(sth.root_hash, roots[40], MERKLE_HASH_BYTES);
	/* Past the log: refused. */
	assert_fails(ledger_inclusion_proof(f->st, 3, 41, &p), LL_OUT_OF_RANGE, "tree_size");
	assert_fails(ledger_inclusion_proof(f->st, 40, 40, &p), LL_OUT_OF_RANGE, NULL);
	assert_fails(ledger_consistency_proof(f->st, 10, 41, &p), LL_OUT_OF_RANGE, "second");
	assert_fails(ledger_consistency_proof(f->st, 30, 20, &p), LL_OUT_OF_RANGE, NULL);
}

/* ---- Tree nodes kept in memory ---- */

/* A hash no two (level, index) share, so a node given back for another's place shows. */
static void node_hash_of(unsigned level, uint64_t index, unsigned char out[MERKLE_HASH_BYTES])
{
	uint64_t x = (index << 6 | level) * UINT64_C(0x9e3779b97f4a7c15) + 1;
	for (int i = 0; i < MERKLE_HASH_BYTES; i++) {
		x ^= x >> 29;
		x *= UINT64_C(0xbf58476d1ce4e5b9);
		out[i] = (unsigned char)(x >> 56);
	}
	memcpy(out, &index, sizeof(index));
	out[sizeof(index)] = (unsigned char)level;
}

/* Many more nodes than the table has slots (65,536), at every level a tree of 2^40 leaves has, so
 * that slots are shared many times over. */
#define CACHE_NODES 200000
#define CACHE_LEVELS 41

static void cache_key(int k, unsigned *ret_level, uint64_t *ret_index)
{
	*ret_level = (unsigned)(k % CACHE_LEVELS);
	*ret_index = (uint64_t)(k / CACHE_LEVELS) * 977 + (uint64_t)(k % 7);
}

/* The node table gives back what was put for a node and nothing for a node never put; a node
 * that shares its slot with a later one is gone, never answered with the other's hash. */
static void test_node_cache_never_gives_another_nodes_hash(void **state)
{
	struct fx *f = *state;
	struct node_cache *c = node_cache_of(f->st);
	assert_non_null(c);
	assert_ptr_equal(node_cache_of(f->st), c);
	unsigned char want[MERKLE_HASH_BYTES], got[MERKLE_HASH_BYTES];

	/* A node put again holds its newest hash. */
	assert_false(node_cache_get(c, 5, 7, got));
	memset(want, 0x11, sizeof(want));
	node_cache_put(c, 5, 7, want);
	assert_true(node_cache_get(c, 5, 7, got));
	assert_memory_equal(got, want, MERKLE_HASH_BYTES);
	assert_false(node_cache_get(c, 5, 6, got));
	assert_false(node_cache_get(c, 4, 7, got));
	memset(want, 0x22, sizeof(want));
	node_cache_put(c, 5, 7, want);
	assert_true(node_cache_get(c, 5, 7, got));
	assert_memory_equal(got, want, MERKLE_HASH_BYTES);

	for (int k = 0; k < CACHE_NODES; k++) {
		unsigned level;
		uint64_t index;
		cache_key(k, &level, &index);
		if (node_cache_get(c, level, index, got))
			fail_msg("node (level %u, index %llu) found before it was put", level,
				 (unsigned long long)index);
		node_hash_of(level, index, want);
		node_cache_put(c, level, index, want);
		if (!node_cache_get(c, level, index, got))
			fail_msg("node (level %u, index %llu) not found just after it was put", level,
				 (unsigned long long)index);
		assert_memory_equal(got, want, MERKLE_HASH_BYTES);
	}
	int found = 0;
	for (int k = 0; k < CACHE_NODES; k++) {
		unsigned level;
		uint64_t index;
		cache_key(k, &level, &index);
		if (!node_cache_get(c, level, index, got))
			continue;
		node_hash_of(level, index, want);
		if (memcmp(got, want, MERKLE_HASH_BYTES) != 0)
			fail_msg("node (level %u, index %llu) answered with another node's hash", level,
				 (unsigned long long)index);
		found++;
	}
	/* Some were pushed out by later nodes of their slot, and the table kept some. */
	assert_true(found > 0);
	assert_true(found < CACHE_NODES);
}

/* Eight entries appended four and four, so that the second append reads node (level 2, index 0),
 * leaves 0-3 (last leaf 3), to resume the tree: a read in a writing transaction. Leaf 4's
 * inclusion proof in the tree of 8 holds that node as its last hash (leaf 5, node (1, 3), node
 * (2, 0), deepest first). tree_of_eight fills a kept_tree with the leaf hashes and the root. */
#define KEPT_SIZE 8
#define KEPT_LEAF 4
#define KEPT_NODE_IN_PROOF 2
#define KEPT_NODE_SQL "UPDATE ledger_nodes SET hash = $1 WHERE last_leaf = 3 AND level = 2"

struct kept_tree {
	unsigned char hashes[KEPT_SIZE * MERKLE_HASH_BYTES];
	unsigned char root[MERKLE_HASH_BYTES];
	const unsigned char *leaf; /* leaf KEPT_LEAF's hash, in hashes */
	unsigned char forged[MERKLE_HASH_BYTES];
};

static void tree_of_eight(struct fx *f, struct kept_tree *t)
{
	static struct ledger_entry out[KEPT_SIZE];
	static const int persons[KEPT_SIZE] = { 0, 1, 2, 0, 1, 2, 0, 1 };
	append_entries(f, persons, 4, out);
	append_entries(f, persons + 4, 4, out + 4);
	assert_int_equal(leaf_hashes(f, t->hashes), KEPT_SIZE);
	struct merkle_leaves leaves = { .hashes = t->hashes };
	assert_ok(merkle_root(&leaves, KEPT_SIZE, t->root));
	t->leaf = t->hashes + KEPT_LEAF * MERKLE_HASH_BYTES;
}

/* Overwrites the stored node that leaf 4's proof uses, behind the ledger's back, with 0xab bytes,
 * which forged receives. */
static void kept_node_tamper(struct fx *f, unsigned char forged[MERKLE_HASH_BYTES])
{
	memset(forged, 0xab, MERKLE_HASH_BYTES);
	assert_int_equal(sql(f->st, KEPT_NODE_SQL, SP(SV_BLOB(forged, MERKLE_HASH_BYTES)), NULL, NULL), 1);
}

static void assert_proof_equal(const struct merkle_proof *got, const struct merkle_proof *want)
{
	assert_int_equal(got->len, want->len);
	assert_memory_equal(got->hashes, want->hashes, want->len * MERKLE_HASH_BYTES);
}

struct proof_tx_job {
	uint64_t seq;
	struct merkle_sth sth;
	struct merkle_proof proof;
	bool is_found;
};

static enum ll_err proof_tx_txn(struct ll_tx *tx, void *ctx)
{
	struct proof_tx_job *j = ctx;
	return ledger_proof_tx(tx, j->seq, &j->sth, &j->proof, &j->is_found);
}

/* ledger_proof_tx for leaf seq in a transaction of that mode, against a head already signed. */
static struct merkle_proof proof_in(struct fx *f, enum store_mode mode, uint64_t seq)
{
	struct proof_tx_job j = { .seq = seq };
	assert_ok(store_run(f->st, mode, "test proof", proof_tx_txn, &j));
	assert_true(j.is_found);
	return j.proof;
}

/* A proof asked in a reading transaction keeps the nodes it read: a stored node changed behind
 * the ledger's back afterwards does not reach the next proofs this store gives, whichever way
 * they are asked, while another store, whose table is empty, reads the changed one. */
static void test_proof_in_a_read_transaction_keeps_its_nodes(void **state)
{
	struct fx *f = *state;
	static struct kept_tree t;
	tree_of_eight(f, &t);
	struct merkle_sth sth;
	assert_ok(ledger_sth_current(f->st, g_keys, KEPT_SIZE, &sth));
	assert_memory_equal(sth.root_hash, t.root, MERKLE_HASH_BYTES);

	struct merkle_proof first, again;
	assert_ok(ledger_inclusion_proof(f->st, KEPT_LEAF, KEPT_SIZE, &first));
	assert_int_equal(first.len, 3);
	assert_true(merkle_inclusion_verify(KEPT_LEAF, KEPT_SIZE, t.leaf, &first, t.root));
	kept_node_tamper(f, t.forged);
	assert_memory_not_equal(first.hashes[KEPT_NODE_IN_PROOF], t.forged, MERKLE_HASH_BYTES);

	assert_ok(ledger_inclusion_proof(f->st, KEPT_LEAF, KEPT_SIZE, &again));
	assert_proof_equal(&again, &first);
	again = proof_in(f, STORE_READ, KEPT_LEAF);
	assert_proof_equal(&again, &first);
	/* Leaf 7's proof (leaf 6, node (1, 2), node (2, 0)) shares the kept node. */
	assert_ok(ledger_inclusion_proof(f->st, 7, KEPT_SIZE, &again));
	assert_memory_equal(again.hashes[2], first.hashes[KEPT_NODE_IN_PROOF], MERKLE_HASH_BYTES);
	assert_true(merkle_inclusion_verify(7, KEPT_SIZE, t.hashes + 7 * MERKLE_HASH_BYTES, &again, t.root));

	/* The change is in the database: a store of its own reads it. */
	struct ll_store *other = NULL;
	assert_ok(store_open(g_url, NULL, &other));
	assert_ok(ledger_inclusion_proof(other, KEPT_LEAF, KEPT_SIZE, &again));
	other = store_close(other);
	assert_memory_equal(again.hashes[KEPT_NODE_IN_PROOF], t.forged, MERKLE_HASH_BYTES);
	assert_false(merkle_inclusion_verify(KEPT_LEAF, KEPT_SIZE, t.leaf, &again, t.root));
}

/* Nothing a writing transaction reads is kept: not the node the second append read to resume the
 * tree, nor the nodes of a proof asked with ledger_proof_tx inside a STORE_WRITE transaction (a
 * writer's own nodes may yet roll back). So a node changed after those is what the next
 * reading proof returns. */
static void test_nodes_read_in_a_write_transaction_are_not_kept(void **state)
{
	struct fx *f = *state;
	static struct kept_tree t;
	tree_of_eight(f, &t);
	struct merkle_sth sth;
	assert_ok(ledger_sth_current(f->st, g_keys, KEPT_SIZE, &sth));

	struct merkle_proof written = proof_in(f, STORE_WRITE, KEPT_LEAF);
	assert_int_equal(written.len, 3);
	assert_true(merkle_inclusion_verify(KEPT_LEAF, KEPT_SIZE, t.leaf, &written, t.root));
	kept_node_tamper(f, t.forged);

	struct merkle_proof read;
	assert_ok(ledger_inclusion_proof(f->st, KEPT_LEAF, KEPT_SIZE, &read));
	assert_int_equal(read.len, 3);
	assert_memory_equal(read.hashes[KEPT_NODE_IN_PROOF], t.forged, MERKLE_HASH_BYTES);
	/* The rest of the path was read again and is as it was. */
	assert_memory_equal(read.hashes, written.hashes, KEPT_NODE_IN_PROOF * MERKLE_HASH_BYTES);
}

/* A node changed before any reading proof is what the first such proof returns: the appends
 * that wrote and read the tree kept nothing. */
static void test_node_changed_before_any_read_proof_is_what_it_returns(void **state)
{
	struct fx *f = *state;
	static struct kept_tree t;
	tree_of_eight(f, &t);
	kept_node_tamper(f, t.forged);
	struct merkle_proof p;
	assert_ok(ledger_inclusion_proof(f->st, KEPT_LEAF, KEPT_SIZE, &p));
	assert_memory_equal(p.hashes[KEPT_NODE_IN_PROOF], t.forged, MERKLE_HASH_BYTES);
	assert_false(merkle_inclusion_verify(KEPT_LEAF, KEPT_SIZE, t.leaf, &p, t.root));
}

/* ---- Verification ---- */

/* Twelve entries (seq 0-11) for three persons: deposits, a correction (seq 6) and a revocation
 * (seq 7), with signed tree heads of sizes 8 and 12. */
static void ledger_for_tamper(struct fx *f)
{
	static const int who[] = { 0, 0, 0, 1, 1 };
	struct deposit_result d[5];
	for (int i = 0; i < 5; i++) {
		char title[32], ext[16];
		snprintf(title, sizeof(title), "课程 %d", i);
		snprintf(ext, sizeof(ext), "t-%d", i);
		struct outcome o = credit_of(f, who[i], arena_strdup(&f->a, title), 1000 * (i + 1), "2026-06-30",
					     arena_strdup(&f->a, ext));
		d[i] = deposit_ok(f, U1, &o);
	}
	struct outcome t = training_of(f, 2, "安全生产培训", 8000);
	deposit_ok(f, ENT, &t);                                                    /* seq 5 */
	struct outcome fixed = credit_of(f, 0, "课程 0（更正）", 1000, "2026-06-30", NULL);
	correct_ok(f, U1, d[0].outcome_id, &fixed, "名称更正");                     /* seq 6 */
	revoke_ok(f, U1, d[3].outcome_id, "重复");                                  /* seq 7 */
	struct merkle_sth sth;
	assert_ok(ledger_sth_current(f->st, g_keys, 8, &sth));
	assert_int_equal(sth.tree_size, 8);
	for (int i = 0; i < 4; i++) {                                             /* seq 8-11 */
		struct outcome o = training_of(f, i % PERSONS, arena_printf(&f->a, "培训 %d", i), 1000 * (i + 1));
		deposit_ok(f, ENT, &o);
	}
	assert_ok(ledger_sth_current(f->st, g_keys, 12, &sth));
	assert_int_equal(sth.tree_size, 12);
	assert_int_equal(count_rows(f->st, "ledger_entries"), 12);
}

static void assert_broken(struct fx *f, const char *want)
{
	struct verify_report v = verify(f);
	if (v.is_ok)
		fail_msg("the verifier found nothing wrong (want a failure naming '%s')", want);
	if (!strstr(v.first_failure, want))
		fail_msg("first failure '%s' does not name '%s'", v.first_failure, want);
}

struct progress {
	uint64_t calls, done, total;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	p->calls++;
	p->done = done;
	p->total = total;
}

static void test_verify_clean_ledger_is_ok(void **state)
{
	struct fx *f = *state;
	ledger_for_tamper(f);
	struct verify_report v = verify(f);
	if (!v.is_ok)
		fail_msg("clean ledger: %s", v.first_failure);
	assert_int_equal(v.entries, 12);
	assert_int_equal(v.persons, 3);
	assert_int_equal(v.tree_heads, 2);
	assert_int_equal(v.nodes, count_rows(f->st, "ledger_nodes"));
	assert_int_equal(v.nodes, 6 + 3 + 1); /* above the 12 leaves */
	assert_string_equal(v.first_failure, "");
	/* Progress ends at the whole log. */
	struct progress p = { 0 };
	assert_ok(ledger_verify(f->st, g_keys->sign_pk, on_progress, &p, &v));
	assert_true(p.calls >= 1);
	assert_int_equal(p.done, 12);
	assert_int_equal(p.total, 12);
	/* Another node's key does not verify this node's tree heads. */
	unsigned char other_pk[MERKLE_PUBLIC_KEY_BYTES];
	memcpy(other_pk, g_keys->sign_pk, sizeof(other_pk));
	other_pk[31] ^= 0x40;
	assert_ok(ledger_verify(f->st, other_pk, NULL, NULL, &v));
	assert_false(v.is_ok);
	assert_non_null(strstr(v.first_failure, "signed tree head of size 8: the signature"));
	/* Verifying reads only. */
	struct counts before = counts_now(f);
	verify(f);
	assert_counts_equal(counts_now(f), before);
}

/* One way of tampering with the stored ledger behind its back, and what the verifier must name. */
struct tamper {
	const char *name;
	const char *sql[3];    /* run in order, each in its own transaction */
	size_t blob_bytes;     /* not 0: $1 is a blob of that many bytes */
	bool is_rehashed;      /* then recompute every entry hash and tree node and drop the tree heads,
			        * as someone without the signing key but with write access would */
	const char *want;
};

static const struct tamper tampers[] = {
	{ "test_verify_finds_changed_title", { "UPDATE ledger_entries SET title = 'tampered' WHERE seq = 3" }, 0, false,
	  "entry 3 " },
	{ "test_verify_finds_changed_credits",
	  { "UPDATE ledger_entries SET credits_milli = credits_milli + 1000 WHERE seq = 4" }, 0, false, "entry 4 " },
	{ "test_verify_finds_deleted_entry", { "DELETE FROM ledger_entries WHERE seq = 6" }, 0, false,
	  "entry 6 is missing" },
	{ "test_verify_finds_deleted_last_entry", { "DELETE FROM ledger_entries WHERE seq = 11" }, 0, false,
	  "entry 11 is missing" },
	{ "test_verify_finds_changed_prev_hash", { "UPDATE ledger_entries SET prev_hash = $1 WHERE seq = 7" },
	  ENTRY_HASH_BYTES, false, "entry 7 " },
	{ "test_verify_finds_changed_entry_hash", { "UPDATE ledger_entries SET entry_hash = $1 WHERE seq = 2" },
	  ENTRY_HASH_BYTES, false, "entry 2 " },
	{ "test_verify_finds_changed_lowest_node",
	  { "UPDATE ledger_nodes SET hash = $1 WHERE last_leaf = 1 AND level = 1" }, MERKLE_HASH_BYTES, false,
	  "tree node (level 1, last leaf 1) does not match" },
	{ "test_verify_finds_changed_interior_node",
	  { "UPDATE ledger_nodes SET hash = $1 WHERE last_leaf = 7 AND level = 3" }, MERKLE_HASH_BYTES, false,
	  "tree node (level 3, last leaf 7) does not match" },
	{ "test_verify_finds_deleted_node", { "DELETE FROM ledger_nodes WHERE last_leaf = 5 AND level = 1" }, 0, false,
	  "tree node (level 1, last leaf 5) is missing" },
	{ "test_verify_finds_changed_sth_root", { "UPDATE ledger_sth SET root_hash = $1 WHERE tree_size = 8" },
	  MERKLE_HASH_BYTES, false, "signed tree head of size 8: its root does not match" },
	{ "test_verify_finds_changed_sth_signature", { "UPDATE ledger_sth SET signature = $1 WHERE tree_size = 12" },
	  MERKLE_SIG_BYTES, false, "signed tree head of size 12: the signature" },
	{ "test_verify_finds_entry_beyond_head",
	  { "INSERT INTO ledger_entries (seq, id, person_id, person_seq, prev_hash, entry_hash, op, outcome_id, "
	    "supersedes, submission_id, standard_version, institution_id, kind, title, code, level, credits_milli, "
	    "hours_milli, result_kind, result, started_on, awarded_on, certificate_no, evidence_sha256, external_id, "
	    "actor_id, reason, created_at) SELECT 12, id || '-extra', person_id, person_seq + 1000, prev_hash, entry_hash, "
	    "op, outcome_id, NULL, submission_id, standard_version, institution_id, kind, title, code, level, "
	    "credits_milli, hours_milli, result_kind, result, started_on, awarded_on, certificate_no, evidence_sha256, "
	    "external_id, actor_id, reason, created_at FROM ledger_entries WHERE seq = 11" },
	  0, false, "1 entries lie outside the log" },
	{ "test_verify_finds_node_beyond_head",
	  { "INSERT INTO ledger_nodes (last_leaf, level, hash) SELECT 13, 1, hash FROM ledger_nodes "
	    "WHERE last_leaf = 11 AND level = 1" },
	  0, false, "1 tree nodes lie outside the log" },
	{ "test_verify_finds_head_beyond_entries", { "UPDATE ledger_head SET size = 13 WHERE id = 1" }, 0, false,
	  "entry 12 is missing" },
	/* The last two entries removed with everything that would betray them, but the signed tree
	 * head of size 12 was published: the log must not verify. */
	{ "test_verify_finds_log_truncated_below_a_signed_head",
	  { "DELETE FROM ledger_entries WHERE seq >= 10", "DELETE FROM ledger_nodes WHERE last_leaf >= 10",
	    "UPDATE ledger_head SET size = 10 WHERE id = 1" },
	  0, false, "signed tree head of size 12" },
	/* Rewritten history with every hash and node recomputed: only the person chains tell. */
	{ "test_verify_finds_rehashed_broken_chain", { "UPDATE ledger_entries SET prev_hash = $1 WHERE seq = 7" },
	  ENTRY_HASH_BYTES, true, "entry 7: person person-2's chain is broken" },
	{ "test_verify_finds_rehashed_skipped_person_seq",
	  { "UPDATE ledger_entries SET person_seq = person_seq + 1 WHERE seq = 10" }, 0, true,
	  "entry 10: person person-3's chain skips from 1 to 3" },
	{ "test_verify_finds_rehashed_chain_not_starting_at_first",
	  { "UPDATE ledger_entries SET prev_hash = $1 WHERE seq = 5" }, ENTRY_HASH_BYTES, true,
	  "entry 5: person person-3's chain does not start at their first entry" },
};

struct rehash_ctx {
	struct fx *f;
	struct entries_read *r;
	struct ll_tx *tx;
};

static enum ll_err rehash_node(void *ctx, unsigned level, uint64_t index, const unsigned char hash[MERKLE_HASH_BYTES])
{
	static const struct store_stmt NODE_INSERT = {
		"test node insert", "INSERT INTO ledger_nodes (last_leaf, level, hash) VALUES ($1, $2, $3)"
	};
	struct rehash_ctx *c = ctx;
	if (level == 0)
		return LL_OK; /* a leaf is its entry's hash */
	int64_t last_leaf = (int64_t)(((index + 1) << level) - 1);
	return store_exec(c->tx, &NODE_INSERT, SP(SV_I64(last_leaf), SV_I64(level), SV_BLOB(hash, MERKLE_HASH_BYTES)),
			  NULL, NULL);
}

static enum ll_err rehash_txn(struct ll_tx *tx, void *ctx)
{
	static const struct store_stmt CLEAR_NODES = { "test clear nodes", "DELETE FROM ledger_nodes" };
	static const struct store_stmt CLEAR_STHS = { "test clear sths", "DELETE FROM ledger_sth" };
	static const struct store_stmt SET_HASH = {
		"test set entry hash", "UPDATE ledger_entries SET entry_hash = $2 WHERE seq = $1"
	};
	struct rehash_ctx *c = ctx;
	c->tx = tx;
	enum ll_err err = store_exec(tx, &CLEAR_NODES, SP_NONE, NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &CLEAR_STHS, SP_NONE, NULL, NULL);
	struct merkle_frontier fr;
	merkle_frontier_init(&fr);
	for (int i = 0; i < c->r->n && err == LL_OK; i++) {
		struct ledger_entry *e = &c->r->items[i];
		if ((err = entry_compute_hash(e, e->entry_hash)) == LL_OK)
			err = store_exec(tx, &SET_HASH, SP(SV_I64(e->seq), SV_BLOB(e->entry_hash, ENTRY_HASH_BYTES)), NULL,
					 NULL);
		if (err == LL_OK)
			err = merkle_frontier_append_emit(&fr, e->entry_hash, rehash_node, c);
	}
	return err;
}

/* Makes every entry hash and tree node match the entries as they now are. */
static void rehash(struct fx *f)
{
	static struct entries_read r;
	entries_all(f, &r);
	struct rehash_ctx c = { f, &r, NULL };
	assert_ok(store_run(f->st, STORE_WRITE, "test rehash", rehash_txn, &c));
}

static void test_verify_finds_tampering(void **state)
{
	struct fx *f = *state;
	const struct tamper *t = f->param;
	ledger_for_tamper(f);
	if (t->is_rehashed) {
		/* Recomputing alone leaves a ledger that verifies: the finding is the tampering's. */
		rehash(f);
		struct verify_report v = verify(f);
		if (!v.is_ok)
			fail_msg("rehashed clean ledger: %s", v.first_failure);
	}
	unsigned char blob[MERKLE_SIG_BYTES];
	memset(blob, 0xab, sizeof(blob));
	for (int i = 0; i < 3 && t->sql[i]; i++) {
		if (t->blob_bytes)
			assert_true(sql(f->st, t->sql[i], SP(SV_BLOB(blob, t->blob_bytes)), NULL, NULL) >= 1);
		else
			assert_true(sql(f->st, t->sql[i], SP_NONE, NULL, NULL) >= 1);
	}
	if (t->is_rehashed)
		rehash(f);
	assert_broken(f, t->want);
}

static void test_verify_finds_resigned_sth_over_wrong_root(void **state)
{
	struct fx *f = *state;
	ledger_for_tamper(f);
	/* Signed with the node's own key, so the signature holds: the root still has to match. */
	struct merkle_sth sth = { .tree_size = 8, .timestamp_us = clock_now_us() };
	memset(sth.root_hash, 0x42, sizeof(sth.root_hash));
	assert_ok(merkle_sth_sign(&sth, g_keys));
	assert_int_equal(sql(f->st, "UPDATE ledger_sth SET root_hash = $1, signature = $2, timestamp_us = $3 "
				    "WHERE tree_size = 8",
			     SP(SV_BLOB(sth.root_hash, MERKLE_HASH_BYTES), SV_BLOB(sth.signature, MERKLE_SIG_BYTES),
				SV_I64(sth.timestamp_us)),
			     NULL, NULL),
			 1);
	assert_broken(f, "signed tree head of size 8: its root does not match");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_ledger, teardown_ledger)
	const struct CMUnitTest engine_tests[] = {
		T(test_append_chains_each_person_across_interleaved_appends),
		T(test_append_of_new_persons_chains_within_the_batch),
		T(test_append_with_kept_heads_stays_true_to_other_writers_and_rollbacks),
		T(test_append_through_deposits_chains_each_person),
		T(test_sth_signs_the_root_of_the_entries),
		T(test_sth_of_empty_log_is_the_empty_root),
		T(test_proofs_verify_for_every_leaf),
		T(test_node_cache_never_gives_another_nodes_hash),
		T(test_proof_in_a_read_transaction_keeps_its_nodes),
		T(test_nodes_read_in_a_write_transaction_are_not_kept),
		T(test_node_changed_before_any_read_proof_is_what_it_returns),
		T(test_verify_clean_ledger_is_ok),
		T(test_verify_finds_resigned_sth_over_wrong_root),
	};
#undef T
	/* The tampering cases, one named test each, with the case as the initial state. */
	struct CMUnitTest tests[sizeof(engine_tests) / sizeof(engine_tests[0]) + sizeof(tampers) / sizeof(tampers[0])];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(engine_tests) / sizeof(engine_tests[0]); i++)
		tests[n++] = engine_tests[i];
	for (size_t i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++)
		tests[n++] = (struct CMUnitTest){ .name = tampers[i].name, .test_func = test_verify_finds_tampering,
						  .setup_func = setup_ledger, .teardown_func = teardown_ledger,
						  .initial_state = (void *)&tampers[i] };
	return ledger_fixture_run("ledger log", tests, n);
}
