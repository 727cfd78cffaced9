/*
 * The ledger's Merkle log: RFC 6962/9162 reference vectors (the Certificate Transparency test
 * suite's eight leaves, as transparency-dev/merkle carries them), every proof of every small tree
 * checked against a recursive reference written straight from the RFC's definitions, tampering
 * of every kind refused, the frontier against batch roots, leaf readers and their failures, and
 * signed tree heads with their bytes and JSON. Nothing here touches a file or a database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/crypto.h"
#include "base/ll_err.h"
#include "ledger/merkle.h"

#define HB MERKLE_HASH_BYTES

/* ---- Helpers ---- */

static void hx(const char *hex, unsigned char out[HB])
{
	assert_true(crypto_unhex(hex, out, HB));
}

static void assert_hash_hex(const unsigned char h[HB], const char *hex)
{
	char got[2 * HB + 1];
	crypto_hex(h, HB, got);
	assert_string_equal(got, hex);
}

/* The CT test suite's leaf inputs and the roots of their trees of sizes 0..8. */
static const struct { const char *hex; } vector_leaves[8] = {
	{ "" }, { "00" }, { "10" }, { "2021" }, { "3031" }, { "40414243" }, { "5051525354555657" },
	{ "606162636465666768696a6b6c6d6e6f" },
};
static const char *const vector_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};
/* Level-0 node hashes of the same tree: the leaf hashes. */
static const char *const vector_leaf_hashes[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	"07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
	"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
	"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	"46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
};

static unsigned char vec_hashes[8 * HB];

static void vector_setup(void)
{
	for (int i = 0; i < 8; i++) {
		unsigned char data[16];
		size_t len = strlen(vector_leaves[i].hex) / 2;
		if (len)
			assert_int_equal(sodium_hex2bin(data, sizeof(data), vector_leaves[i].hex,
							strlen(vector_leaves[i].hex), NULL, NULL, NULL), 0);
		merkle_hash_leaf(data, len, vec_hashes + i * HB);
	}
}

/* n distinct leaf hashes: leaf i hashes the text "entry-i". Caller frees. */
static unsigned char *make_leaves(uint64_t n)
{
	unsigned char *hs = malloc((size_t)(n ? n : 1) * HB);
	assert_non_null(hs);
	for (uint64_t i = 0; i < n; i++) {
		char text[32];
		int len = snprintf(text, sizeof(text), "entry-%llu", (unsigned long long)i);
		merkle_hash_leaf(text, (size_t)len, hs + i * HB);
	}
	return hs;
}

static struct merkle_leaves array_leaves(const unsigned char *hs)
{
	return (struct merkle_leaves){ .hashes = hs };
}

/* ---- A reference written straight from RFC 9162 §2.1, recursion and all ---- */

static uint64_t ref_split(uint64_t n)
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[n]) */
static void ref_mth(const unsigned char *hs, uint64_t n, unsigned char out[HB])
{
	if (n == 0) {
		crypto_hash_sha256(out, (const unsigned char *)"", 0);
		return;
	}
	if (n == 1) {
		memcpy(out, hs, HB);
		return;
	}
	uint64_t k = ref_split(n);
	unsigned char l[HB], r[HB], buf[1 + 2 * HB];
	ref_mth(hs, k, l);
	ref_mth(hs + k * HB, n - k, r);
	buf[0] = 0x01;
	memcpy(buf + 1, l, HB);
	memcpy(buf + 1 + HB, r, HB);
	crypto_hash_sha256(out, buf, sizeof(buf));
}

static void ref_push(struct merkle_proof *p, const unsigned char *hs, uint64_t n)
{
	assert_true(p->len < MERKLE_PROOF_MAX);
	ref_mth(hs, n, p->hashes[p->len++]);
}

/* PATH(m, D[n]) */
static void ref_path(uint64_t m, const unsigned char *hs, uint64_t n, struct merkle_proof *out)
{
	if (n <= 1)
		return;
	uint64_t k = ref_split(n);
	if (m < k) {
		ref_path(m, hs, k, out);
		ref_push(out, hs + k * HB, n - k);
	} else {
		ref_path(m - k, hs + k * HB, n - k, out);
		ref_push(out, hs, k);
	}
}

/* The length of PATH(m, D[n]), without hashing anything. */
static size_t ref_path_len(uint64_t m, uint64_t n)
{
	if (n <= 1)
		return 0;
	uint64_t k = ref_split(n);
	return 1 + (m < k ? ref_path_len(m, k) : ref_path_len(m - k, n - k));
}

/* SUBPROOF(m, D[n], b) */
static void ref_subproof(uint64_t m, const unsigned char *hs, uint64_t n, bool b, struct merkle_proof *out)
{
	if (m == n) {
		if (!b)
			ref_push(out, hs, m);
		return;
	}
	uint64_t k = ref_split(n);
	if (m <= k) {
		ref_subproof(m, hs, k, b, out);
		ref_push(out, hs + k * HB, n - k);
	} else {
		ref_subproof(m - k, hs + k * HB, n - k, false, out);
		ref_push(out, hs, k);
	}
}

/* The length of SUBPROOF(m, D[n], b), without hashing anything. */
static size_t ref_subproof_len(uint64_t m, uint64_t n, bool b)
{
	if (m == n)
		return b ? 0 : 1;
	uint64_t k = ref_split(n);
	return 1 + (m <= k ? ref_subproof_len(m, k, b) : ref_subproof_len(m - k, n - k, false));
}

static void assert_proof_equal(const struct merkle_proof *a, const struct merkle_proof *b)
{
	assert_int_equal(a->len, b->len);
	for (size_t i = 0; i < a->len; i++)
		assert_memory_equal(a->hashes[i], b->hashes[i], HB);
}

static void proof_from_hex(struct merkle_proof *p, const char *const *hex, size_t n)
{
	p->len = n;
	for (size_t i = 0; i < n; i++)
		hx(hex[i], p->hashes[i]);
}

/* ---- Hashes and roots ---- */

static void test_hash_empty_leaf_and_node(void **state)
{
	unsigned char h[HB], a[HB], b[HB];
	merkle_hash_empty(h);
	assert_hash_hex(h, vector_roots[0]);
	for (int i = 0; i < 8; i++)
		assert_hash_hex(vec_hashes + i * HB, vector_leaf_hashes[i]);
	merkle_hash_children(vec_hashes, vec_hashes + HB, h);
	assert_hash_hex(h, vector_roots[2]);
	/* The output may alias either input. */
	memcpy(a, vec_hashes, HB);
	memcpy(b, vec_hashes + HB, HB);
	merkle_hash_children(a, b, a);
	assert_memory_equal(a, h, HB);
	memcpy(a, vec_hashes, HB);
	merkle_hash_children(a, b, b);
	assert_memory_equal(b, h, HB);
}

static void test_root_reference_vectors(void **state)
{
	struct merkle_leaves lv = array_leaves(vec_hashes);
	struct merkle_frontier f;
	unsigned char h[HB];
	merkle_frontier_init(&f);
	for (uint64_t n = 0; n <= 8; n++) {
		assert_int_equal(merkle_root(&lv, n, h), LL_OK);
		assert_hash_hex(h, vector_roots[n]);
		merkle_frontier_root(&f, h);
		assert_hash_hex(h, vector_roots[n]);
		if (n < 8)
			assert_int_equal(merkle_frontier_append(&f, vec_hashes + n * HB), LL_OK);
	}
	/* A range of the middle is the tree of just those leaves: MTH(D[4:6]). */
	assert_int_equal(merkle_range_hash(&lv, 4, 6, h), LL_OK);
	assert_hash_hex(h, "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a");
	assert_int_equal(merkle_range_hash(&lv, 5, 5, h), LL_OK);
	assert_hash_hex(h, vector_roots[0]);
}

/* ---- Inclusion proofs: reference vectors and the test suite's corruptions ---- */

static const char *const some_hash_hex = "abacaba000000000000000000000000000000000000000000060061e00123456";

struct incl_vector {
	uint64_t index, size;
	size_t len;
	const char *proof[3];
};

static const struct incl_vector incl_vectors[] = {
	{ 0, 1, 0, { NULL } },
	{ 0, 2, 1, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7" } },
	{ 1, 2, 1, { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d" } },
	{ 2, 3, 1, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
	{ 1, 5, 3,
	  { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	{ 0, 8, 3,
	  { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 5, 8, 3,
	  { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

static void proof_insert(struct merkle_proof *p, size_t at, const unsigned char h[HB])
{
	assert_true(p->len < MERKLE_PROOF_MAX);
	memmove(p->hashes[at + 1], p->hashes[at], (p->len - at) * HB);
	memcpy(p->hashes[at], h, HB);
	p->len++;
}

static void test_inclusion_reference_vectors(void **state)
{
	struct merkle_leaves lv = array_leaves(vec_hashes);
	unsigned char root[HB], leaf[HB], empty[HB], some[HB], zero[HB] = { 0 };
	merkle_hash_empty(empty);
	hx(some_hash_hex, some);
	for (size_t v = 0; v < sizeof(incl_vectors) / sizeof(incl_vectors[0]); v++) {
		const struct incl_vector *tc = &incl_vectors[v];
		struct merkle_proof want, got, bad;
		proof_from_hex(&want, tc->proof, tc->len);
		assert_int_equal(merkle_inclusion_proof(&lv, tc->size, tc->index, &got), LL_OK);
		assert_proof_equal(&got, &want);
		hx(vector_roots[tc->size], root);
		memcpy(leaf, vec_hashes + tc->index * HB, HB);
		assert_true(merkle_inclusion_verify(tc->index, tc->size, leaf, &want, root));

		/* Wrong index, wrong size, wrong leaf or root. */
		uint64_t i = tc->index, n = tc->size;
		assert_false(merkle_inclusion_verify(i - 1, n, leaf, &want, root));
		assert_false(merkle_inclusion_verify(i + 1, n, leaf, &want, root));
		assert_false(merkle_inclusion_verify(i ^ 2, n, leaf, &want, root));
		assert_false(merkle_inclusion_verify(i, n * 2, leaf, &want, root));
		assert_false(merkle_inclusion_verify(i, n / 2, leaf, &want, root));
		assert_false(merkle_inclusion_verify(i, n, some, &want, root));
		assert_false(merkle_inclusion_verify(i, n, leaf, &want, empty));
		assert_false(merkle_inclusion_verify(i, n, leaf, &want, some));
		/* Garbage after or before. */
		bad = want;
		proof_insert(&bad, bad.len, zero);
		assert_false(merkle_inclusion_verify(i, n, leaf, &bad, root));
		bad = want;
		proof_insert(&bad, bad.len, root);
		assert_false(merkle_inclusion_verify(i, n, leaf, &bad, root));
		bad = want;
		proof_insert(&bad, 0, zero);
		assert_false(merkle_inclusion_verify(i, n, leaf, &bad, root));
		bad = want;
		proof_insert(&bad, 0, root);
		assert_false(merkle_inclusion_verify(i, n, leaf, &bad, root));
		/* One bit of one element, a removed element, an inserted one. */
		for (size_t k = 0; k < want.len; k++) {
			bad = want;
			bad.hashes[k][0] ^= 8;
			assert_false(merkle_inclusion_verify(i, n, leaf, &bad, root));
		}
		if (want.len > 0) {
			bad = want;
			bad.len--;
			assert_false(merkle_inclusion_verify(i, n, leaf, &bad, root));
		}
		if (want.len > 1) {
			bad = want;
			proof_insert(&bad, 1, some);
			assert_false(merkle_inclusion_verify(i, n, leaf, &bad, root));
		}
	}
}

/* ---- Consistency proofs: reference vectors and the test suite's corruptions ---- */

struct cons_vector {
	uint64_t first, second;
	size_t len;
	const char *proof[3];
};

static const struct cons_vector cons_vectors[] = {
	{ 1, 1, 0, { NULL } },
	{ 1, 8, 3,
	  { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 6, 8, 3,
	  { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 5, 2,
	  { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	{ 6, 7, 3,
	  { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

static void test_consistency_reference_vectors(void **state)
{
	struct merkle_leaves lv = array_leaves(vec_hashes);
	unsigned char r1[HB], r2[HB], some[HB], zero[HB] = { 0 };
	hx(some_hash_hex, some);
	for (size_t v = 0; v < sizeof(cons_vectors) / sizeof(cons_vectors[0]); v++) {
		const struct cons_vector *tc = &cons_vectors[v];
		struct merkle_proof want, got, bad;
		proof_from_hex(&want, tc->proof, tc->len);
		assert_int_equal(merkle_consistency_proof(&lv, tc->first, tc->second, &got), LL_OK);
		assert_proof_equal(&got, &want);
		hx(vector_roots[tc->first], r1);
		hx(vector_roots[tc->second], r2);
		assert_true(merkle_consistency_verify(tc->first, tc->second, r1, r2, &want));
		if (want.len == 0)
			continue;

		uint64_t m = tc->first, n = tc->second;
		assert_false(merkle_consistency_verify(m - 1, n, r1, r2, &want));
		assert_false(merkle_consistency_verify(m + 1, n, r1, r2, &want));
		assert_false(merkle_consistency_verify(m ^ 2, n, r1, r2, &want));
		assert_false(merkle_consistency_verify(m, n * 2, r1, r2, &want));
		assert_false(merkle_consistency_verify(m, n / 2, r1, r2, &want));
		assert_false(merkle_consistency_verify(m, n, some, r2, &want));
		assert_false(merkle_consistency_verify(m, n, r1, some, &want));
		assert_false(merkle_consistency_verify(m, n, r2, r1, &want));
		bad = want;
		bad.len = 0;
		assert_false(merkle_consistency_verify(m, n, r1, r2, &bad));
		const unsigned char *extra[] = { zero, r1, r2, want.hashes[0] };
		for (size_t e = 0; e < sizeof(extra) / sizeof(extra[0]); e++) {
			bad = want;
			proof_insert(&bad, bad.len, extra[e]);
			assert_false(merkle_consistency_verify(m, n, r1, r2, &bad));
			bad = want;
			proof_insert(&bad, 0, extra[e]);
			assert_false(merkle_consistency_verify(m, n, r1, r2, &bad));
		}
		bad = want;
		bad.len--;
		assert_false(merkle_consistency_verify(m, n, r1, r2, &bad));
		for (size_t k = 0; k < want.len; k++) {
			bad = want;
			bad.hashes[k][0] ^= 16;
			assert_false(merkle_consistency_verify(m, n, r1, r2, &bad));
		}
	}
}

/* The verifier test suite's table of trivial cases, with one difference: an empty old tree must
 * carry the empty-tree root (RFC 9162 leaves first == 0 undefined; we refuse a made-up root). */
static void test_consistency_trivial_cases(void **state)
{
	unsigned char any1[HB], any2[HB], empty[HB];
	struct merkle_proof none = { .len = 0 }, one = { .len = 1 };
	memset(any1, 1, HB);
	memset(any2, 2, HB);
	merkle_hash_empty(empty);
	memcpy(one.hashes[0], empty, HB);

	assert_false(merkle_consistency_verify(0, 0, any1, any2, &none));
	assert_false(merkle_consistency_verify(1, 1, any1, any2, &none));
	assert_true(merkle_consistency_verify(0, 0, empty, empty, &none));
	assert_false(merkle_consistency_verify(0, 0, any1, any1, &none));
	assert_true(merkle_consistency_verify(0, 1, empty, any2, &none));
	assert_false(merkle_consistency_verify(0, 1, any1, any2, &none));
	assert_true(merkle_consistency_verify(1, 1, any2, any2, &none));
	/* Time travel to the past. */
	assert_false(merkle_consistency_verify(1, 0, any1, any2, &none));
	assert_false(merkle_consistency_verify(2, 1, any1, any2, &none));
	/* An empty proof between different sizes. */
	assert_false(merkle_consistency_verify(1, 2, any1, any2, &none));
	/* Roots that differ where they must not, or a proof where none belongs. */
	assert_false(merkle_consistency_verify(0, 0, empty, any2, &none));
	assert_false(merkle_consistency_verify(1, 1, empty, any2, &none));
	assert_false(merkle_consistency_verify(0, 0, empty, empty, &one));
	assert_false(merkle_consistency_verify(0, 1, empty, empty, &one));
	assert_false(merkle_consistency_verify(1, 1, empty, empty, &one));
}

/* ---- Every proof of every tree up to 64 leaves ---- */

static void test_inclusion_every_leaf_up_to_64(void **state)
{
	enum { N = 64 };
	unsigned char *hs = make_leaves(N);
	struct merkle_leaves lv = array_leaves(hs);
	unsigned char root[HB], r2[HB];
	for (uint64_t n = 1; n <= N; n++) {
		assert_int_equal(merkle_root(&lv, n, root), LL_OK);
		ref_mth(hs, n, r2);
		assert_memory_equal(root, r2, HB);
		for (uint64_t m = 0; m < n; m++) {
			struct merkle_proof got, want = { .len = 0 }, bad;
			const unsigned char *leaf = hs + m * HB;
			assert_int_equal(merkle_inclusion_proof(&lv, n, m, &got), LL_OK);
			ref_path(m, hs, n, &want);
			assert_proof_equal(&got, &want);
			assert_true(merkle_inclusion_verify(m, n, leaf, &got, root));

			/* Any bit of any element, of the leaf or of the root. */
			for (size_t k = 0; k < got.len; k++) {
				for (int bit = 0; bit < 8; bit++) {
					bad = got;
					bad.hashes[k][(k * 7 + (size_t)bit * 5) % HB] ^= (unsigned char)(1u << bit);
					assert_false(merkle_inclusion_verify(m, n, leaf, &bad, root));
				}
			}
			unsigned char x[HB];
			memcpy(x, leaf, HB);
			x[m % HB] ^= 0x80;
			assert_false(merkle_inclusion_verify(m, n, x, &got, root));
			memcpy(x, root, HB);
			x[(m * 3) % HB] ^= 0x01;
			assert_false(merkle_inclusion_verify(m, n, leaf, &got, x));
			/* Every other index of the same tree. */
			for (uint64_t w = 0; w < n + 2; w++)
				if (w != m)
					assert_false(merkle_inclusion_verify(w, n, leaf, &got, root));
			/* Another size with a path of another length. A size whose path has the same
			 * shape is not caught by the proof alone: the signed tree head binds the size
			 * to its root. */
			for (uint64_t w = m + 1; w <= 2 * N + 1; w++)
				if (ref_path_len(m, w) != got.len)
					assert_false(merkle_inclusion_verify(m, w, leaf, &got, root));
			/* The root of a neighbouring size. */
			ref_mth(hs, n + 1 <= N ? n + 1 : n - 1, x);
			assert_false(merkle_inclusion_verify(m, n, leaf, &got, x));
			/* Truncated or extended. */
			if (got.len > 0) {
				bad = got;
				bad.len--;
				assert_false(merkle_inclusion_verify(m, n, leaf, &bad, root));
			}
			bad = got;
			proof_insert(&bad, bad.len, root);
			assert_false(merkle_inclusion_verify(m, n, leaf, &bad, root));
		}
	}
	free(hs);
}

static void test_consistency_every_pair_up_to_64(void **state)
{
	enum { N = 64 };
	unsigned char *hs = make_leaves(N);
	struct merkle_leaves lv = array_leaves(hs);
	unsigned char roots[N + 1][HB];
	for (uint64_t n = 0; n <= N; n++)
		ref_mth(hs, n, roots[n]);
	for (uint64_t n = 0; n <= N; n++) {
		for (uint64_t m = 0; m <= n; m++) {
			struct merkle_proof got, want = { .len = 0 }, bad;
			assert_int_equal(merkle_consistency_proof(&lv, m, n, &got), LL_OK);
			if (m > 0 && m < n)
				ref_subproof(m, hs, n, true, &want);
			assert_proof_equal(&got, &want);
			assert_true(merkle_consistency_verify(m, n, roots[m], roots[n], &got));
			if (m == 0 || m == n)
				continue;

			for (size_t k = 0; k < got.len; k++) {
				for (int bit = 0; bit < 8; bit++) {
					bad = got;
					bad.hashes[k][(k * 11 + (size_t)bit * 3) % HB] ^= (unsigned char)(1u << bit);
					assert_false(merkle_consistency_verify(m, n, roots[m], roots[n], &bad));
				}
			}
			unsigned char x[HB];
			memcpy(x, roots[m], HB);
			x[n % HB] ^= 0x04;
			assert_false(merkle_consistency_verify(m, n, x, roots[n], &got));
			memcpy(x, roots[n], HB);
			x[m % HB] ^= 0x04;
			assert_false(merkle_consistency_verify(m, n, roots[m], x, &got));
			assert_false(merkle_consistency_verify(m, n, roots[n], roots[m], &got));
			/* The roots of other sizes in either place. */
			for (uint64_t w = 0; w <= N; w++) {
				if (w != m)
					assert_false(merkle_consistency_verify(m, n, roots[w], roots[n], &got));
				if (w != n)
					assert_false(merkle_consistency_verify(m, n, roots[m], roots[w], &got));
			}
			/* Every other old size against the same pair of roots; every new size whose
			 * proof has another length (as with inclusion, a new size of the same shape is
			 * bound to its root by the signed tree head, not by the proof). */
			for (uint64_t w = 0; w <= n; w++)
				if (w != m)
					assert_false(merkle_consistency_verify(w, n, roots[m], roots[n], &got));
			for (uint64_t w = m + 1; w <= 2 * N + 1; w++)
				if (w != n && ref_subproof_len(m, w, true) != got.len)
					assert_false(merkle_consistency_verify(m, w, roots[m], roots[n], &got));
			bad = got;
			bad.len--;
			assert_false(merkle_consistency_verify(m, n, roots[m], roots[n], &bad));
			bad = got;
			proof_insert(&bad, bad.len, roots[n]);
			assert_false(merkle_consistency_verify(m, n, roots[m], roots[n], &bad));
			bad = got;
			proof_insert(&bad, 0, roots[m]);
			assert_false(merkle_consistency_verify(m, n, roots[m], roots[n], &bad));
		}
	}
	free(hs);
}

/* ---- Larger trees ---- */

static void check_large_tree(const unsigned char *hs, uint64_t n, uint64_t step)
{
	struct merkle_leaves lv = array_leaves(hs);
	struct merkle_frontier f;
	unsigned char root[HB], old_root[HB];
	assert_int_equal(merkle_root(&lv, n, root), LL_OK);
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	for (uint64_t m = 0; m < n; m++) {
		if (m % step != 0 && m != 1 && m != k - 1 && m != k && m != n - 1)
			continue;
		struct merkle_proof p;
		assert_int_equal(merkle_inclusion_proof(&lv, n, m, &p), LL_OK);
		assert_true(merkle_inclusion_verify(m, n, hs + m * HB, &p, root));
		assert_false(merkle_inclusion_verify(m, n, hs + ((m + 1) % n) * HB, &p, root));

		/* Consistency of every sampled old size with this one, the old root from a frontier. */
		merkle_frontier_init(&f);
		assert_int_equal(merkle_frontier_extend(&f, &lv, m + 1), LL_OK);
		merkle_frontier_root(&f, old_root);
		assert_int_equal(merkle_consistency_proof(&lv, m + 1, n, &p), LL_OK);
		assert_true(merkle_consistency_verify(m + 1, n, old_root, root, &p));
		if (p.len > 0) {
			p.hashes[p.len / 2][5] ^= 0x20;
			assert_false(merkle_consistency_verify(m + 1, n, old_root, root, &p));
		}
	}
}

static void test_large_trees(void **state)
{
	unsigned char *hs = make_leaves(1025);
	check_large_tree(hs, 1000, 1);
	check_large_tree(hs, 1024, 7);
	check_large_tree(hs, 1025, 7);
	free(hs);
}

/* ---- Frontier ---- */

static void test_frontier_matches_batch_up_to_1000(void **state)
{
	enum { N = 1000 };
	unsigned char *hs = make_leaves(N);
	struct merkle_leaves lv = array_leaves(hs);
	struct merkle_frontier f;
	unsigned char a[HB], b[HB], c[HB];
	merkle_frontier_init(&f);
	for (uint64_t n = 0; n <= N; n++) {
		assert_int_equal(f.size, n);
		merkle_frontier_root(&f, a);
		assert_int_equal(merkle_root(&lv, n, b), LL_OK);
		assert_memory_equal(a, b, HB);
		if (n % 10 == 0 || n < 70) {
			ref_mth(hs, n, c);
			assert_memory_equal(a, c, HB);
		}
		if (n < N)
			assert_int_equal(merkle_frontier_append(&f, hs + n * HB), LL_OK);
	}
	free(hs);
}

/* The server keeps size and the nodes of set bits beside a tree head, and after a restart
 * extends from there with only the leaves appended since. */
static void test_frontier_resumes_from_saved_nodes(void **state)
{
	enum { N = 1000 };
	unsigned char *hs = make_leaves(N);
	struct merkle_leaves lv = array_leaves(hs);
	struct merkle_frontier f, saved;
	unsigned char a[HB], b[HB];
	for (uint64_t at = 0; at <= N; at += 37) {
		merkle_frontier_init(&f);
		assert_int_equal(merkle_frontier_extend(&f, &lv, at), LL_OK);
		memset(&saved, 0xee, sizeof(saved));
		saved.size = f.size;
		for (int level = 0; level < MERKLE_LEVELS; level++)
			if ((f.size >> level) & 1)
				memcpy(saved.nodes[level], f.nodes[level], HB);
		assert_int_equal(merkle_frontier_extend(&saved, &lv, N), LL_OK);
		merkle_frontier_root(&saved, a);
		assert_int_equal(merkle_root(&lv, N, b), LL_OK);
		assert_memory_equal(a, b, HB);
	}
	/* Shrinking is refused and leaves the frontier as it was. */
	assert_int_equal(merkle_frontier_extend(&saved, &lv, N - 1), LL_OUT_OF_RANGE);
	assert_int_equal(saved.size, N);
	free(hs);
}

static void test_frontier_full(void **state)
{
	struct merkle_frontier f;
	merkle_frontier_init(&f);
	f.size = MERKLE_SIZE_MAX;
	assert_int_equal(merkle_frontier_append(&f, vec_hashes), LL_OUT_OF_RANGE);
	assert_int_equal(f.size, MERKLE_SIZE_MAX);
	assert_string_equal(ll_error_get(LL_OUT_OF_RANGE)->field, "tree_size");
	/* The last size that fits still appends, filling bits 0..62. */
	f.size = MERKLE_SIZE_MAX - 1;
	assert_int_equal(merkle_frontier_append(&f, vec_hashes), LL_OK);
	assert_int_equal(f.size, MERKLE_SIZE_MAX);
}

/* ---- Leaf readers ---- */

struct reader {
	const unsigned char *hs;
	uint64_t calls, leaves;
	enum ll_err fail_with;
	bool is_short;
};

static enum ll_err reader_read(void *ctx, uint64_t begin, uint64_t end, struct merkle_frontier *into)
{
	struct reader *r = ctx;
	r->calls++;
	if (r->fail_with != LL_OK)
		return ll_fail(r->fail_with, NULL, "cannot read ledger leaves");
	if (r->is_short && end > begin)
		end--;
	for (uint64_t i = begin; i < end; i++) {
		enum ll_err err = merkle_frontier_append(into, r->hs + i * HB);
		if (err != LL_OK)
			return err;
		r->leaves++;
	}
	return LL_OK;
}

static void test_reader_gives_same_results_and_reads_each_leaf_once(void **state)
{
	enum { N = 300 };
	unsigned char *hs = make_leaves(N);
	struct merkle_leaves arr = array_leaves(hs);
	struct reader rd = { .hs = hs };
	struct merkle_leaves cb = { .read = reader_read, .ctx = &rd };
	unsigned char a[HB], b[HB];
	assert_int_equal(merkle_root(&cb, N, a), LL_OK);
	assert_int_equal(merkle_root(&arr, N, b), LL_OK);
	assert_memory_equal(a, b, HB);
	assert_int_equal(rd.calls, 1);
	assert_int_equal(rd.leaves, N);

	for (uint64_t m = 0; m < N; m += 13) {
		struct merkle_proof p, q;
		rd.calls = rd.leaves = 0;
		assert_int_equal(merkle_inclusion_proof(&cb, N, m, &p), LL_OK);
		assert_int_equal(merkle_inclusion_proof(&arr, N, m, &q), LL_OK);
		assert_proof_equal(&p, &q);
		/* The cost the header promises: every leaf but m, once, one read per path hash. */
		assert_int_equal(rd.leaves, N - 1);
		assert_int_equal(rd.calls, p.len);

		rd.calls = rd.leaves = 0;
		assert_int_equal(merkle_consistency_proof(&cb, m + 1, N, &p), LL_OK);
		assert_int_equal(merkle_consistency_proof(&arr, m + 1, N, &q), LL_OK);
		assert_proof_equal(&p, &q);
		assert_true(rd.leaves <= N);
		assert_int_equal(rd.calls, p.len);
	}
	free(hs);
}

static void test_reader_failures_pass_through(void **state)
{
	enum { N = 20 };
	unsigned char *hs = make_leaves(N);
	struct reader rd = { .hs = hs, .fail_with = LL_STORE };
	struct merkle_leaves cb = { .read = reader_read, .ctx = &rd };
	struct merkle_proof p, sentinel;
	struct merkle_frontier f;
	unsigned char h[HB];
	memset(&sentinel, 0x5a, sizeof(sentinel));

	p = sentinel;
	assert_int_equal(merkle_inclusion_proof(&cb, N, 3, &p), LL_STORE);
	assert_memory_equal(&p, &sentinel, sizeof(p));
	assert_int_equal(merkle_consistency_proof(&cb, 3, N, &p), LL_STORE);
	assert_memory_equal(&p, &sentinel, sizeof(p));
	assert_int_equal(merkle_root(&cb, N, h), LL_STORE);
	merkle_frontier_init(&f);
	assert_int_equal(merkle_frontier_append(&f, hs), LL_OK);
	assert_int_equal(merkle_frontier_extend(&f, &cb, N), LL_STORE);
	assert_int_equal(f.size, 1);

	/* A reader that comes up short (a row gone from the table) is an internal error. */
	rd.fail_with = LL_OK;
	rd.is_short = true;
	assert_int_equal(merkle_inclusion_proof(&cb, N, 3, &p), LL_INTERNAL);
	assert_memory_equal(&p, &sentinel, sizeof(p));
	assert_int_equal(merkle_root(&cb, N, h), LL_INTERNAL);
	assert_non_null(strstr(ll_error_get(LL_INTERNAL)->message, "gave 19 leaves for [0, 20)"));
	assert_int_equal(merkle_frontier_extend(&f, &cb, N), LL_INTERNAL);
	assert_int_equal(f.size, 1);

	/* A source with neither an array nor a reader. */
	struct merkle_leaves nothing = { .hashes = NULL };
	assert_int_equal(merkle_root(&nothing, 2, h), LL_INTERNAL);
	/* ...is never asked for anything when there is nothing to read. */
	assert_int_equal(merkle_root(&nothing, 0, h), LL_OK);
	free(hs);
}

/* ---- Stored nodes ---- */

/* Compares what a frontier means: its size and the nodes of the set bits of its size. */
static void assert_frontier_equal(const struct merkle_frontier *a, const struct merkle_frontier *b)
{
	assert_int_equal(a->size, b->size);
	for (int level = 0; level < MERKLE_LEVELS; level++)
		if ((a->size >> level) & 1)
			assert_memory_equal(a->nodes[level], b->nodes[level], HB);
}

static unsigned popcount(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

enum { TABLE_LEAVES = 130, TABLE_LEVELS = 8 };

/* The node table a database keeps: every (level, index) merkle_frontier_append_emit hands out,
 * answered back by table_node. Reads must stay inside the tree of `limit` leaves, as the header
 * promises; fail_with makes every read after the first fail_after fail. */
struct node_table {
	unsigned char hash[TABLE_LEVELS][TABLE_LEAVES][HB];
	bool is_stored[TABLE_LEVELS][TABLE_LEAVES];
	uint64_t limit, reads, fail_after;
	enum ll_err fail_with;
};

static enum ll_err table_emit(void *ctx, unsigned level, uint64_t index, const unsigned char hash[HB])
{
	struct node_table *t = ctx;
	assert_true(level < TABLE_LEVELS);
	assert_true(index < TABLE_LEAVES);
	/* Every perfect subtree exactly once. */
	assert_false(t->is_stored[level][index]);
	memcpy(t->hash[level][index], hash, HB);
	t->is_stored[level][index] = true;
	return LL_OK;
}

static enum ll_err table_node(void *ctx, unsigned level, uint64_t index, unsigned char out[HB])
{
	struct node_table *t = ctx;
	t->reads++;
	assert_true(level < TABLE_LEVELS);
	assert_true((index + 1) << level <= t->limit);
	if (t->fail_with != LL_OK && t->reads > t->fail_after)
		return ll_fail(t->fail_with, NULL, "cannot read merkle node");
	if (index >= TABLE_LEAVES || !t->is_stored[level][index])
		return ll_fail(LL_NOT_FOUND, NULL, "merkle node %u/%llu is not stored", level, (unsigned long long)index);
	memcpy(out, t->hash[level][index], HB);
	return LL_OK;
}

/* A table holding every node of the first n leaves of hs, filled by appending them with emit.
 * Caller frees. */
static struct node_table *table_fill(const unsigned char *hs, uint64_t n)
{
	struct node_table *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	struct merkle_frontier f;
	merkle_frontier_init(&f);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(merkle_frontier_append_emit(&f, hs + i * HB, table_emit, t), LL_OK);
	t->limit = n;
	return t;
}

/* What one append emitted, in order; the call numbered fail_at (from 0) fails when fail_with is
 * set. */
struct emit_log {
	size_t len, fail_at;
	unsigned level[MERKLE_LEVELS];
	uint64_t index[MERKLE_LEVELS];
	unsigned char hash[MERKLE_LEVELS][HB];
	enum ll_err fail_with;
};

static enum ll_err log_emit(void *ctx, unsigned level, uint64_t index, const unsigned char hash[HB])
{
	struct emit_log *lg = ctx;
	if (lg->fail_with != LL_OK && lg->len == lg->fail_at)
		return ll_fail(lg->fail_with, NULL, "cannot store merkle node");
	assert_true(lg->len < MERKLE_LEVELS);
	lg->level[lg->len] = level;
	lg->index[lg->len] = index;
	memcpy(lg->hash[lg->len], hash, HB);
	lg->len++;
	return LL_OK;
}

static void test_append_emit_order_and_every_subtree_once(void **state)
{
	enum { N = 64 };
	unsigned char *hs = make_leaves(N);
	struct node_table *t = calloc(1, sizeof(*t));
	struct merkle_frontier f, plain;
	unsigned char want[HB];
	size_t emitted = 0;
	assert_non_null(t);
	merkle_frontier_init(&f);
	merkle_frontier_init(&plain);
	for (uint64_t n = 1; n <= N; n++) {
		/* Appending leaf n - 1 completes the leaf and one subtree per trailing one bit of
		 * n - 1, lowest first: (L, (n >> L) - 1) for L = 0 .. ctz(n). */
		struct emit_log lg = { .len = 0 };
		assert_int_equal(merkle_frontier_append_emit(&f, hs + (n - 1) * HB, log_emit, &lg), LL_OK);
		assert_int_equal(lg.len, (size_t)__builtin_ctzll(n) + 1);
		/* The second bound is for the compiler, which cannot see the first one's limit. */
		for (size_t i = 0; i < lg.len && i < MERKLE_LEVELS; i++) {
			assert_int_equal(lg.level[i], i);
			assert_int_equal(lg.index[i], (n >> i) - 1);
			ref_mth(hs + (lg.index[i] << i) * HB, UINT64_C(1) << i, want);
			assert_memory_equal(lg.hash[i], want, HB);
			assert_int_equal(table_emit(t, lg.level[i], lg.index[i], lg.hash[i]), LL_OK);
		}
		emitted += lg.len;
		/* The same frontier as a plain append, byte for byte. */
		assert_int_equal(merkle_frontier_append(&plain, hs + (n - 1) * HB), LL_OK);
		assert_memory_equal(&f, &plain, sizeof(f));

		/* So far: every perfect subtree inside the first n leaves, and nothing else (table_emit
		 * refuses a second emit of the same node). */
		size_t want_count = 0;
		for (unsigned level = 0; level < TABLE_LEVELS; level++)
			for (uint64_t index = 0; index < TABLE_LEAVES; index++) {
				bool is_inside = (index + 1) << level <= n;
				assert_int_equal(t->is_stored[level][index], is_inside);
				want_count += is_inside;
			}
		assert_int_equal(emitted, want_count);
	}
	assert_int_equal(emitted, 2 * N - 1);
	/* A NULL emit is a plain append. */
	assert_int_equal(merkle_frontier_append_emit(&f, hs, NULL, NULL), LL_OK);
	assert_int_equal(merkle_frontier_append(&plain, hs), LL_OK);
	assert_memory_equal(&f, &plain, sizeof(f));
	free(t);
	free(hs);
}

static void test_emit_failure_leaves_frontier_unchanged(void **state)
{
	enum { N = 130 };
	unsigned char *hs = make_leaves(N);
	static const uint64_t sizes[] = { 0, 1, 2, 3, 6, 7, 15, 63, 64, 127 };
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct merkle_frontier f, before, want;
		merkle_frontier_init(&f);
		for (uint64_t i = 0; i < sizes[s]; i++)
			assert_int_equal(merkle_frontier_append(&f, hs + i * HB), LL_OK);
		want = f;
		assert_int_equal(merkle_frontier_append(&want, hs + sizes[s] * HB), LL_OK);
		size_t calls = (size_t)__builtin_ctzll(sizes[s] + 1) + 1;
		/* Fail at each of the calls this append makes: the error comes back, f is as it was,
		 * and a retry of the same leaf emits the same nodes and succeeds. */
		for (size_t at = 0; at < calls; at++) {
			struct emit_log lg = { .fail_at = at, .fail_with = LL_STORE };
			before = f;
			assert_int_equal(merkle_frontier_append_emit(&f, hs + sizes[s] * HB, log_emit, &lg), LL_STORE);
			assert_int_equal(lg.len, at);
			assert_memory_equal(&f, &before, sizeof(f));
		}
		struct emit_log lg = { .len = 0 };
		assert_int_equal(merkle_frontier_append_emit(&f, hs + sizes[s] * HB, log_emit, &lg), LL_OK);
		assert_int_equal(lg.len, calls);
		assert_memory_equal(&f, &want, sizeof(f));
	}

	/* A full tree emits nothing and is refused as a plain append is. */
	struct merkle_frontier f, before;
	struct emit_log lg = { .len = 0 };
	merkle_frontier_init(&f);
	f.size = MERKLE_SIZE_MAX;
	before = f;
	assert_int_equal(merkle_frontier_append_emit(&f, hs, log_emit, &lg), LL_OUT_OF_RANGE);
	assert_string_equal(ll_error_get(LL_OUT_OF_RANGE)->field, "tree_size");
	assert_int_equal(lg.len, 0);
	assert_memory_equal(&f, &before, sizeof(f));
	free(hs);
}

/* Every root, range hash, inclusion proof, consistency proof, frontier extension and rebuilt
 * frontier of every tree up to 130 leaves is the same from stored nodes as from the array, and
 * aligned ranges cost one read per set bit. */
static void test_nodes_match_arrays_up_to_130(void **state)
{
	enum { N = TABLE_LEAVES, NC = 70 };
	unsigned char *hs = make_leaves(N);
	struct node_table *t = table_fill(hs, N);
	struct merkle_leaves arr = array_leaves(hs);
	struct merkle_leaves nd = { .node = table_node, .ctx = t };
	struct merkle_frontier *appended = malloc((N + 1) * sizeof(*appended)), f, g;
	unsigned char a[HB], b[HB];

	assert_non_null(appended);
	merkle_frontier_init(&appended[0]);
	for (uint64_t n = 1; n <= N; n++) {
		appended[n] = appended[n - 1];
		assert_int_equal(merkle_frontier_append(&appended[n], hs + (n - 1) * HB), LL_OK);
	}

	for (uint64_t n = 0; n <= N; n++) {
		t->limit = n;
		t->reads = 0;
		assert_int_equal(merkle_root(&nd, n, a), LL_OK);
		assert_int_equal(t->reads, popcount(n));
		assert_int_equal(merkle_root(&arr, n, b), LL_OK);
		assert_memory_equal(a, b, HB);

		/* Rebuilt from popcount(n) nodes: the appended frontier, the levels of unset bits zero. */
		t->reads = 0;
		memset(&f, 0xee, sizeof(f));
		assert_int_equal(merkle_frontier_from_nodes(&f, n, &nd), LL_OK);
		assert_int_equal(t->reads, popcount(n));
		assert_frontier_equal(&f, &appended[n]);
		for (int level = 0; level < MERKLE_LEVELS; level++)
			if (!((n >> level) & 1))
				assert_true(sodium_is_zero(f.nodes[level], HB));

		for (uint64_t m = 0; m < n; m++) {
			struct merkle_proof p, q;
			t->reads = 0;
			assert_int_equal(merkle_inclusion_proof(&nd, n, m, &p), LL_OK);
			assert_true(t->reads <= 2 * 8);
			assert_int_equal(merkle_inclusion_proof(&arr, n, m, &q), LL_OK);
			assert_proof_equal(&p, &q);
		}

		/* Extending any smaller frontier, however it was made, reaches the same one. */
		for (uint64_t m = 0; m <= n; m++) {
			f = appended[m];
			t->reads = 0;
			assert_int_equal(merkle_frontier_extend(&f, &nd, n), LL_OK);
			assert_true(t->reads <= 2 * 8);
			assert_frontier_equal(&f, &appended[n]);
		}
	}

	for (uint64_t n = 0; n <= NC; n++) {
		t->limit = n;
		for (uint64_t m = 0; m <= n; m++) {
			struct merkle_proof p, q;
			t->reads = 0;
			assert_int_equal(merkle_consistency_proof(&nd, m, n, &p), LL_OK);
			assert_true(t->reads <= 3 * 8);
			assert_int_equal(merkle_consistency_proof(&arr, m, n, &q), LL_OK);
			assert_proof_equal(&p, &q);
		}
	}

	/* Every range, aligned or not: aligned ones take one read a set bit of their length, the
	 * others are still right. */
	t->limit = N;
	for (uint64_t begin = 0; begin <= N; begin++) {
		for (uint64_t end = begin; end <= N; end++) {
			t->reads = 0;
			assert_int_equal(merkle_range_hash(&nd, begin, end, a), LL_OK);
			assert_int_equal(merkle_range_hash(&arr, begin, end, b), LL_OK);
			assert_memory_equal(a, b, HB);
			uint64_t len = end - begin;
			bool is_aligned = len == 0 || begin % (UINT64_C(1) << (63 - __builtin_clzll(len))) == 0;
			if (is_aligned)
				assert_int_equal(t->reads, popcount(len));
			else
				assert_true(t->reads <= len);
		}
	}
	/* An odd begin can use nothing above level 0. */
	t->reads = 0;
	assert_int_equal(merkle_range_hash(&nd, 1, N, a), LL_OK);
	assert_int_equal(t->reads, N - 1);

	/* from_nodes on a source without nodes reads the leaves instead, to the same frontier. */
	struct reader rd = { .hs = hs };
	struct merkle_leaves cb = { .read = reader_read, .ctx = &rd };
	assert_int_equal(merkle_frontier_from_nodes(&f, 100, &cb), LL_OK);
	assert_int_equal(rd.leaves, 100);
	assert_int_equal(merkle_frontier_from_nodes(&g, 100, &nd), LL_OK);
	assert_memory_equal(&f, &g, sizeof(f));
	assert_int_equal(merkle_frontier_from_nodes(&f, 100, &arr), LL_OK);
	assert_memory_equal(&f, &g, sizeof(f));
	free(appended);
	free(t);
	free(hs);
}

static enum ll_err reader_never(void *ctx, uint64_t begin, uint64_t end, struct merkle_frontier *into)
{
	(void)ctx;
	(void)into;
	fail_msg("leaf reader called for [%llu, %llu) although another source comes first",
		 (unsigned long long)begin, (unsigned long long)end);
	return LL_INTERNAL;
}

/* The array comes first, then nodes, then the leaf reader. */
static void test_leaf_source_precedence(void **state)
{
	enum { N = 40 };
	unsigned char *hs = make_leaves(N);
	struct node_table *t = table_fill(hs, N);
	struct reader rd = { .hs = hs };
	struct merkle_proof p, q;
	struct merkle_frontier f;
	unsigned char a[HB], b[HB];
	struct merkle_leaves all = { .hashes = hs, .read = reader_never, .node = table_node, .ctx = t };
	assert_int_equal(merkle_root(&all, N, a), LL_OK);
	assert_int_equal(merkle_inclusion_proof(&all, N, 7, &p), LL_OK);
	assert_int_equal(merkle_frontier_from_nodes(&f, N, &all), LL_OK);
	assert_int_equal(t->reads, 0);

	struct merkle_leaves nodes_and_reader = { .read = reader_never, .node = table_node, .ctx = t };
	assert_int_equal(merkle_root(&nodes_and_reader, N, b), LL_OK);
	assert_memory_equal(a, b, HB);
	assert_int_equal(t->reads, popcount(N));
	assert_int_equal(merkle_inclusion_proof(&nodes_and_reader, N, 7, &q), LL_OK);
	assert_proof_equal(&p, &q);
	struct merkle_leaves reader_only = { .read = reader_read, .ctx = &rd };
	assert_int_equal(merkle_root(&reader_only, N, b), LL_OK);
	assert_memory_equal(a, b, HB);
	free(t);
	free(hs);
}

static void test_node_reader_failures_pass_through(void **state)
{
	enum { N = 100 };
	unsigned char *hs = make_leaves(N);
	struct node_table *t = table_fill(hs, N);
	struct merkle_leaves nd = { .node = table_node, .ctx = t };
	struct merkle_proof p, sentinel;
	struct merkle_frontier f, before;
	unsigned char h[HB];
	memset(&sentinel, 0x5a, sizeof(sentinel));

	/* Failing on the first read, and on a later one part-way through. */
	for (uint64_t after = 0; after <= 2; after += 2) {
		t->fail_with = LL_STORE;
		t->fail_after = after;
		t->reads = 0;
		assert_int_equal(merkle_root(&nd, N, h), LL_STORE);
		t->reads = 0;
		assert_int_equal(merkle_range_hash(&nd, 3, 77, h), LL_STORE);
		t->reads = 0;
		p = sentinel;
		assert_int_equal(merkle_inclusion_proof(&nd, N, 37, &p), LL_STORE);
		assert_memory_equal(&p, &sentinel, sizeof(p));
		t->reads = 0;
		assert_int_equal(merkle_consistency_proof(&nd, 37, N, &p), LL_STORE);
		assert_memory_equal(&p, &sentinel, sizeof(p));
		t->reads = 0;
		merkle_frontier_init(&f);
		for (uint64_t i = 0; i < 5; i++)
			assert_int_equal(merkle_frontier_append(&f, hs + i * HB), LL_OK);
		before = f;
		assert_int_equal(merkle_frontier_extend(&f, &nd, N), LL_STORE);
		assert_memory_equal(&f, &before, sizeof(f));
		t->reads = 0;
		memset(&f, 0x5a, sizeof(f));
		before = f;
		assert_int_equal(merkle_frontier_from_nodes(&f, N, &nd), LL_STORE);
		assert_memory_equal(&f, &before, sizeof(f));
	}

	/* A row missing from the table: the reader's own error, with its message. */
	t->fail_with = LL_OK;
	t->is_stored[5][2] = false;
	t->reads = 0;
	/* 100 = 64 + 32 + 4: the root reads 6/0, 5/2 (leaves [64, 96)) and 2/24. */
	assert_int_equal(merkle_root(&nd, N, h), LL_NOT_FOUND);
	assert_non_null(strstr(ll_error_get(LL_NOT_FOUND)->message, "merkle node 5/2 is not stored"));
	assert_int_equal(merkle_inclusion_proof(&nd, N, 0, &p), LL_NOT_FOUND);
	assert_int_equal(merkle_inclusion_proof(&nd, N, 99, &p), LL_NOT_FOUND);
	/* A proof inside [64, 96) needs the nodes under 5/2, not 5/2 itself. */
	assert_int_equal(merkle_inclusion_proof(&nd, N, 70, &p), LL_OK);
	free(t);
	free(hs);
}

/* A tree whose leaves are all one hash: its node at level L is the same at every index, so a
 * node reader for any size costs nothing to build. Checks that each read lies inside the tree
 * and counts the reads. */
struct uniform_tree {
	unsigned char level_hash[MERKLE_LEVELS][HB];
	uint64_t size, reads;
};

static enum ll_err uniform_node(void *ctx, unsigned level, uint64_t index, unsigned char out[HB])
{
	struct uniform_tree *u = ctx;
	u->reads++;
	assert_true(level < MERKLE_LEVELS - 1);
	assert_true(index < (u->size >> level));
	memcpy(out, u->level_hash[level], HB);
	return LL_OK;
}

/* Proofs from stored nodes cost O(log n) reads at any size: the header's 2 * 63 and 3 * 63, and
 * at a million leaves (20 levels) well within 2 * 20 and 3 * 20. The proofs verify against
 * roots from the same nodes, and the root of a million against one built by appending. */
static void test_node_reads_are_logarithmic(void **state)
{
	struct uniform_tree u = { .size = 0 };
	struct merkle_leaves nd = { .node = uniform_node, .ctx = &u };
	struct merkle_frontier f, g;
	struct merkle_proof p;
	unsigned char root[HB], old_root[HB], want[HB];
	merkle_hash_leaf("same", 4, u.level_hash[0]);
	for (int level = 1; level < MERKLE_LEVELS; level++)
		merkle_hash_children(u.level_hash[level - 1], u.level_hash[level - 1], u.level_hash[level]);

	enum { MILLION = 1000000 };
	merkle_frontier_init(&f);
	for (uint64_t i = 0; i < MILLION; i++)
		assert_int_equal(merkle_frontier_append(&f, u.level_hash[0]), LL_OK);
	merkle_frontier_root(&f, want);
	u.size = MILLION;
	assert_int_equal(merkle_root(&nd, MILLION, root), LL_OK);
	assert_memory_equal(root, want, HB);
	assert_int_equal(u.reads, popcount(MILLION));
	u.reads = 0;
	assert_int_equal(merkle_frontier_from_nodes(&g, MILLION, &nd), LL_OK);
	assert_int_equal(u.reads, popcount(MILLION));
	assert_frontier_equal(&g, &f);

	static const uint64_t sizes[] = { MILLION, 10000000, (UINT64_C(1) << 40) + 12345, MERKLE_SIZE_MAX };
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint64_t n = sizes[s];
		uint64_t bound = (n == MILLION) ? 20 : 63;
		u.size = n;
		assert_int_equal(merkle_root(&nd, n, root), LL_OK);
		uint64_t picks[] = { 0, 1, 2, n / 3, n / 2, (n - 1) & ~UINT64_C(0xffff), n - 2, n - 1 };
		for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
			uint64_t m = picks[i];
			u.reads = 0;
			assert_int_equal(merkle_inclusion_proof(&nd, n, m, &p), LL_OK);
			assert_true(u.reads <= 2 * bound);
			assert_true(merkle_inclusion_verify(m, n, u.level_hash[0], &p, root));

			uint64_t first = m + 1;
			u.size = first;
			assert_int_equal(merkle_root(&nd, first, old_root), LL_OK);
			u.size = n;
			u.reads = 0;
			assert_int_equal(merkle_consistency_proof(&nd, first, n, &p), LL_OK);
			assert_true(u.reads <= 3 * bound);
			assert_true(merkle_consistency_verify(first, n, old_root, root, &p));

			u.size = first;
			assert_int_equal(merkle_frontier_from_nodes(&g, first, &nd), LL_OK);
			u.size = n;
			u.reads = 0;
			assert_int_equal(merkle_frontier_extend(&g, &nd, n), LL_OK);
			assert_true(u.reads <= 2 * bound);
			merkle_frontier_root(&g, want);
			assert_memory_equal(want, root, HB);
		}
	}
	/* The worst inclusion path: a leaf 62 levels down whose first left turn leaves a sibling of
	 * 62 set bits. */
	u.size = MERKLE_SIZE_MAX;
	u.reads = 0;
	assert_int_equal(merkle_inclusion_proof(&nd, MERKLE_SIZE_MAX, 0, &p), LL_OK);
	assert_int_equal(p.len, 63);
	assert_int_equal(u.reads, 62 + 62);
}

/* ---- Edges ---- */

static void test_edge_sizes(void **state)
{
	struct merkle_leaves lv = array_leaves(vec_hashes);
	struct merkle_proof p, sentinel;
	unsigned char h[HB], empty[HB];
	merkle_hash_empty(empty);
	memset(&sentinel, 0x5a, sizeof(sentinel));

	/* Size 0: the empty root, no leaf to prove. */
	assert_int_equal(merkle_root(&lv, 0, h), LL_OK);
	assert_memory_equal(h, empty, HB);
	p = sentinel;
	assert_int_equal(merkle_inclusion_proof(&lv, 0, 0, &p), LL_OUT_OF_RANGE);
	assert_string_equal(ll_error_get(LL_OUT_OF_RANGE)->field, "leaf_index");
	assert_memory_equal(&p, &sentinel, sizeof(p));
	assert_false(merkle_inclusion_verify(0, 0, vec_hashes, &(struct merkle_proof){ .len = 0 }, empty));
	assert_int_equal(merkle_inclusion_proof(&lv, 8, 8, &p), LL_OUT_OF_RANGE);
	assert_int_equal(merkle_inclusion_proof(&lv, MERKLE_SIZE_MAX + 1, 0, &p), LL_OUT_OF_RANGE);
	assert_string_equal(ll_error_get(LL_OUT_OF_RANGE)->field, "tree_size");

	/* Size 1: the root is the leaf hash and the path is empty. */
	assert_int_equal(merkle_root(&lv, 1, h), LL_OK);
	assert_memory_equal(h, vec_hashes, HB);
	assert_int_equal(merkle_inclusion_proof(&lv, 1, 0, &p), LL_OK);
	assert_int_equal(p.len, 0);
	assert_true(merkle_inclusion_verify(0, 1, vec_hashes, &p, vec_hashes));
	assert_false(merkle_inclusion_verify(0, 1, vec_hashes, &p, empty));
	assert_false(merkle_inclusion_verify(1, 1, vec_hashes, &p, vec_hashes));

	/* m == 0 and m == n: empty proofs; m > n refused. */
	unsigned char r8[HB];
	hx(vector_roots[8], r8);
	p = sentinel;
	assert_int_equal(merkle_consistency_proof(&lv, 0, 8, &p), LL_OK);
	assert_int_equal(p.len, 0);
	assert_true(merkle_consistency_verify(0, 8, empty, r8, &p));
	assert_false(merkle_consistency_verify(0, 8, r8, r8, &p));
	p = sentinel;
	assert_int_equal(merkle_consistency_proof(&lv, 8, 8, &p), LL_OK);
	assert_int_equal(p.len, 0);
	assert_true(merkle_consistency_verify(8, 8, r8, r8, &p));
	assert_false(merkle_consistency_verify(8, 8, r8, empty, &p));
	assert_int_equal(merkle_consistency_proof(&lv, 0, 0, &p), LL_OK);
	assert_true(merkle_consistency_verify(0, 0, empty, empty, &p));
	p = sentinel;
	assert_int_equal(merkle_consistency_proof(&lv, 5, 4, &p), LL_OUT_OF_RANGE);
	assert_string_equal(ll_error_get(LL_OUT_OF_RANGE)->field, "first");
	assert_memory_equal(&p, &sentinel, sizeof(p));
	assert_int_equal(merkle_consistency_proof(&lv, 1, MERKLE_SIZE_MAX + 1, &p), LL_OUT_OF_RANGE);
	assert_string_equal(ll_error_get(LL_OUT_OF_RANGE)->field, "second");

	/* Ranges backwards or past the largest tree. */
	assert_int_equal(merkle_range_hash(&lv, 3, 2, h), LL_OUT_OF_RANGE);
	assert_int_equal(merkle_range_hash(&lv, 0, MERKLE_SIZE_MAX + 1, h), LL_OUT_OF_RANGE);

	/* A proof claiming more hashes than any proof holds is refused, not read past its end. */
	struct merkle_proof big = { .len = MERKLE_PROOF_MAX + 1 };
	assert_false(merkle_inclusion_verify(3, 8, vec_hashes, &big, r8));
	assert_false(merkle_consistency_verify(3, 8, r8, r8, &big));
}

/* The deepest trees the size limit allows give proofs that fit MERKLE_PROOF_MAX. A reader that
 * hands out one fixed hash stands in for 2^63 - 1 leaves; only the shape matters here, so the
 * range hashes are cut short by a reader that counts instead of streaming. */
static enum ll_err shape_read(void *ctx, uint64_t begin, uint64_t end, struct merkle_frontier *into)
{
	/* Pretend: a frontier of (end - begin) equal leaves is summarised by its size alone. */
	(void)ctx;
	into->size += end - begin;
	for (int level = 0; level < MERKLE_LEVELS; level++)
		memset(into->nodes[level], level, HB);
	return LL_OK;
}

static void test_longest_proofs_fit(void **state)
{
	struct merkle_leaves lv = { .read = shape_read };
	struct merkle_proof p;
	/* Leaf 0 of 2^63 - 1 leaves sits 63 levels down. */
	assert_int_equal(merkle_inclusion_proof(&lv, MERKLE_SIZE_MAX, 0, &p), LL_OK);
	assert_int_equal(p.len, 63);
	assert_int_equal(merkle_inclusion_proof(&lv, MERKLE_SIZE_MAX, MERKLE_SIZE_MAX - 1, &p), LL_OK);
	assert_int_equal(p.len, 62);
	assert_int_equal(merkle_consistency_proof(&lv, 1, MERKLE_SIZE_MAX, &p), LL_OK);
	assert_int_equal(p.len, 63);
	/* The longest consistency proof: 63 levels down and the old root, which is no node. */
	assert_int_equal(merkle_consistency_proof(&lv, (UINT64_C(1) << 62) - 1, MERKLE_SIZE_MAX, &p), LL_OK);
	assert_int_equal(p.len, MERKLE_PROOF_MAX);
}

/* ---- Signed tree heads ---- */

static struct ll_keys test_keys, other_keys;

static void sth_example(struct merkle_sth *sth)
{
	memset(sth, 0, sizeof(*sth));
	sth->tree_size = 8;
	sth->timestamp_us = INT64_C(1795460604123456);
	hx(vector_roots[8], sth->root_hash);
}

static void test_sth_message_layout(void **state)
{
	struct merkle_sth sth;
	unsigned char msg[MERKLE_STH_MESSAGE_BYTES];
	sth_example(&sth);
	sth.tree_size = UINT64_C(0x0102030405060708);
	sth.timestamp_us = INT64_C(0x1112131415161718);
	merkle_sth_message(&sth, msg);
	assert_int_equal(sizeof(msg), 64);
	assert_memory_equal(msg, "lifelong-sth-v1\0", 16);
	static const unsigned char be[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 };
	assert_memory_equal(msg + 16, be, 16);
	assert_memory_equal(msg + 32, sth.root_hash, HB);
	/* The signature is not part of what is signed. */
	unsigned char again[MERKLE_STH_MESSAGE_BYTES];
	memset(sth.signature, 0xff, sizeof(sth.signature));
	merkle_sth_message(&sth, again);
	assert_memory_equal(msg, again, sizeof(msg));
}

static void test_sth_sign_verify_and_tamper(void **state)
{
	struct merkle_sth sth, bad;
	sth_example(&sth);
	assert_int_equal(merkle_sth_sign(&sth, &test_keys), LL_OK);
	assert_true(merkle_sth_verify(&sth, test_keys.sign_pk));
	assert_false(merkle_sth_verify(&sth, other_keys.sign_pk));
	/* Ed25519 is deterministic: the same head gives the same signature. */
	bad = sth;
	assert_int_equal(merkle_sth_sign(&bad, &test_keys), LL_OK);
	assert_memory_equal(bad.signature, sth.signature, MERKLE_SIG_BYTES);

	for (int bit = 0; bit < 64; bit++) {
		bad = sth;
		bad.tree_size ^= UINT64_C(1) << bit;
		assert_false(merkle_sth_verify(&bad, test_keys.sign_pk));
		bad = sth;
		bad.timestamp_us = (int64_t)((uint64_t)bad.timestamp_us ^ (UINT64_C(1) << bit));
		assert_false(merkle_sth_verify(&bad, test_keys.sign_pk));
	}
	for (size_t i = 0; i < HB; i++) {
		bad = sth;
		bad.root_hash[i] ^= 0x01;
		assert_false(merkle_sth_verify(&bad, test_keys.sign_pk));
	}
	for (size_t i = 0; i < MERKLE_SIG_BYTES; i++) {
		bad = sth;
		bad.signature[i] ^= 0x40;
		assert_false(merkle_sth_verify(&bad, test_keys.sign_pk));
	}
}

static void test_sth_sign_refuses_out_of_range(void **state)
{
	struct merkle_sth sth, before;
	sth_example(&sth);
	sth.tree_size = MERKLE_SIZE_MAX + 1;
	before = sth;
	assert_int_equal(merkle_sth_sign(&sth, &test_keys), LL_OUT_OF_RANGE);
	assert_memory_equal(&sth, &before, sizeof(sth));
	assert_null(merkle_sth_to_json(&sth));
	sth_example(&sth);
	sth.timestamp_us = -1;
	assert_int_equal(merkle_sth_sign(&sth, &test_keys), LL_OUT_OF_RANGE);
	sth.timestamp_us = MERKLE_TIME_MAX + 1;
	assert_int_equal(merkle_sth_sign(&sth, &test_keys), LL_OUT_OF_RANGE);
	sth.timestamp_us = MERKLE_TIME_MAX;
	sth.tree_size = MERKLE_SIZE_MAX;
	assert_int_equal(merkle_sth_sign(&sth, &test_keys), LL_OK);
	assert_true(merkle_sth_verify(&sth, test_keys.sign_pk));
}

static json_t *sth_json_round(const struct merkle_sth *sth)
{
	json_t *obj = merkle_sth_to_json(sth);
	assert_non_null(obj);
	char *text = json_dumps(obj, JSON_COMPACT);
	assert_non_null(text);
	json_decref(obj);
	json_error_t jerr;
	obj = json_loads(text, 0, &jerr);
	free(text);
	assert_non_null(obj);
	return obj;
}

static void test_sth_json_round_trip(void **state)
{
	struct merkle_sth sth, back;
	sth_example(&sth);
	assert_int_equal(merkle_sth_sign(&sth, &test_keys), LL_OK);
	json_t *obj = sth_json_round(&sth);
	assert_int_equal(json_integer_value(json_object_get(obj, "tree_size")), 8);
	assert_int_equal(json_integer_value(json_object_get(obj, "timestamp_us")), INT64_C(1795460604123456));
	assert_string_equal(json_string_value(json_object_get(obj, "timestamp")), "2026-11-23T19:03:24.123456Z");
	assert_string_equal(json_string_value(json_object_get(obj, "root_hash")), vector_roots[8]);
	char sig_hex[2 * MERKLE_SIG_BYTES + 1];
	crypto_hex(sth.signature, MERKLE_SIG_BYTES, sig_hex);
	assert_string_equal(json_string_value(json_object_get(obj, "signature")), sig_hex);
	assert_int_equal(json_object_size(obj), 5);

	memset(&back, 0, sizeof(back));
	assert_int_equal(merkle_sth_from_json(obj, &back), LL_OK);
	assert_memory_equal(&back, &sth, sizeof(sth));
	assert_true(merkle_sth_verify(&back, test_keys.sign_pk));

	/* "timestamp" is for people: it may be left out, and another spelling of the same instant
	 * is the same head. Upper-case hex decodes to the same bytes. */
	json_object_del(obj, "timestamp");
	assert_int_equal(merkle_sth_from_json(obj, &back), LL_OK);
	assert_memory_equal(&back, &sth, sizeof(sth));
	json_object_set_new(obj, "timestamp", json_string("2026-11-24T03:03:24.123456+08:00"));
	char upper[2 * HB + 1];
	snprintf(upper, sizeof(upper), "%s", vector_roots[8]);
	for (char *c = upper; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	json_object_set_new(obj, "root_hash", json_string(upper));
	assert_int_equal(merkle_sth_from_json(obj, &back), LL_OK);
	assert_memory_equal(&back, &sth, sizeof(sth));
	json_decref(obj);

	/* The smallest head: an empty log at the epoch. */
	sth.tree_size = 0;
	sth.timestamp_us = 0;
	merkle_hash_empty(sth.root_hash);
	assert_int_equal(merkle_sth_sign(&sth, &test_keys), LL_OK);
	obj = sth_json_round(&sth);
	assert_int_equal(merkle_sth_from_json(obj, &back), LL_OK);
	assert_memory_equal(&back, &sth, sizeof(sth));
	assert_true(merkle_sth_verify(&back, test_keys.sign_pk));
	json_decref(obj);
}

/* Decodes a copy of good with key set to v (NULL deletes it); returns the error and checks
 * that the output was not written. */
static enum ll_err sth_decode_with(const json_t *good, const char *key, json_t *v)
{
	json_t *obj = json_deep_copy(good);
	if (v)
		json_object_set_new(obj, key, v);
	else
		json_object_del(obj, key);
	struct merkle_sth out, sentinel;
	memset(&sentinel, 0x77, sizeof(sentinel));
	out = sentinel;
	enum ll_err err = merkle_sth_from_json(obj, &out);
	if (err != LL_OK)
		assert_memory_equal(&out, &sentinel, sizeof(out));
	json_decref(obj);
	return err;
}

static void assert_field(enum ll_err err, const char *field)
{
	assert_string_equal(ll_error_get(err)->field, field);
}

static void test_sth_json_rejects(void **state)
{
	struct merkle_sth sth;
	sth_example(&sth);
	assert_int_equal(merkle_sth_sign(&sth, &test_keys), LL_OK);
	json_t *good = merkle_sth_to_json(&sth);
	enum ll_err err;

	err = sth_decode_with(good, "signature", NULL);
	assert_int_equal(err, LL_MISSING_FIELD);
	assert_field(err, "signature");
	err = sth_decode_with(good, "tree_size", NULL);
	assert_int_equal(err, LL_MISSING_FIELD);
	err = sth_decode_with(good, "timestamp_us", NULL);
	assert_int_equal(err, LL_MISSING_FIELD);
	err = sth_decode_with(good, "key_id", json_string("x"));
	assert_int_equal(err, LL_UNKNOWN_FIELD);
	err = sth_decode_with(good, "tree_size", json_integer(-1));
	assert_int_equal(err, LL_OUT_OF_RANGE);
	assert_field(err, "tree_size");
	err = sth_decode_with(good, "tree_size", json_string("8"));
	assert_int_equal(err, LL_WRONG_TYPE);
	err = sth_decode_with(good, "tree_size", json_real(8.0));
	assert_int_equal(err, LL_WRONG_TYPE);
	err = sth_decode_with(good, "timestamp_us", json_integer(-5));
	assert_int_equal(err, LL_OUT_OF_RANGE);
	err = sth_decode_with(good, "timestamp_us", json_integer(MERKLE_TIME_MAX + 1));
	assert_int_equal(err, LL_OUT_OF_RANGE);
	err = sth_decode_with(good, "timestamp", json_string("2026-11-23T19:03:24.123457Z"));
	assert_int_equal(err, LL_INVALID_VALUE);
	assert_field(err, "timestamp");
	err = sth_decode_with(good, "timestamp", json_string("yesterday"));
	assert_int_equal(err, LL_INVALID_VALUE);
	char bad_hex[2 * HB + 1];
	memset(bad_hex, 'z', 2 * HB);
	bad_hex[2 * HB] = '\0';
	err = sth_decode_with(good, "root_hash", json_string(bad_hex));
	assert_int_equal(err, LL_INVALID_VALUE);
	assert_field(err, "root_hash");
	err = sth_decode_with(good, "root_hash", json_string("abcd"));
	assert_int_equal(err, LL_INVALID_VALUE);
	assert_field(err, "root_hash");
	err = sth_decode_with(good, "root_hash", json_integer(1));
	assert_int_equal(err, LL_WRONG_TYPE);
	err = sth_decode_with(good, "signature", json_string(vector_roots[8]));
	assert_int_equal(err, LL_INVALID_VALUE);
	assert_field(err, "signature");
	json_decref(good);

	struct merkle_sth out;
	json_t *arr = json_array();
	assert_int_equal(merkle_sth_from_json(arr, &out), LL_WRONG_TYPE);
	json_decref(arr);
}

static void test_proof_json(void **state)
{
	struct merkle_leaves lv = array_leaves(vec_hashes);
	struct merkle_proof p, back, sentinel;
	assert_int_equal(merkle_inclusion_proof(&lv, 8, 5, &p), LL_OK);
	json_t *arr = merkle_proof_to_json(&p);
	assert_non_null(arr);
	assert_int_equal(json_array_size(arr), 3);
	assert_string_equal(json_string_value(json_array_get(arr, 0)), incl_vectors[6].proof[0]);
	assert_int_equal(merkle_proof_from_json(arr, "inclusion_proof", &back), LL_OK);
	assert_proof_equal(&back, &p);
	json_decref(arr);

	p.len = 0;
	arr = merkle_proof_to_json(&p);
	assert_int_equal(json_array_size(arr), 0);
	assert_int_equal(merkle_proof_from_json(arr, "inclusion_proof", &back), LL_OK);
	assert_int_equal(back.len, 0);
	json_decref(arr);

	memset(&sentinel, 0x33, sizeof(sentinel));
	back = sentinel;
	arr = json_pack("[s, i]", vector_roots[1], 7);
	assert_int_equal(merkle_proof_from_json(arr, "inclusion_proof", &back), LL_WRONG_TYPE);
	assert_field(LL_WRONG_TYPE, "inclusion_proof[1]");
	assert_memory_equal(&back, &sentinel, sizeof(back));
	json_decref(arr);
	arr = json_pack("[s, s]", vector_roots[1], "0x12");
	assert_int_equal(merkle_proof_from_json(arr, "consistency_proof", &back), LL_INVALID_VALUE);
	assert_field(LL_INVALID_VALUE, "consistency_proof[1]");
	json_decref(arr);
	arr = json_array();
	for (int i = 0; i <= MERKLE_PROOF_MAX; i++)
		json_array_append_new(arr, json_string(vector_roots[1]));
	assert_int_equal(merkle_proof_from_json(arr, "inclusion_proof", &back), LL_TOO_LONG);
	json_decref(arr);
	arr = json_object();
	assert_int_equal(merkle_proof_from_json(arr, "inclusion_proof", &back), LL_WRONG_TYPE);
	json_decref(arr);
}

static int group_setup(void **state)
{
	if (crypto_init() != LL_OK)
		return -1;
	vector_setup();
	crypto_sign_keypair(test_keys.sign_pk, test_keys.sign_sk);
	crypto_sign_keypair(other_keys.sign_pk, other_keys.sign_sk);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_empty_leaf_and_node),
		cmocka_unit_test(test_root_reference_vectors),
		cmocka_unit_test(test_inclusion_reference_vectors),
		cmocka_unit_test(test_consistency_reference_vectors),
		cmocka_unit_test(test_consistency_trivial_cases),
		cmocka_unit_test(test_inclusion_every_leaf_up_to_64),
		cmocka_unit_test(test_consistency_every_pair_up_to_64),
		cmocka_unit_test(test_large_trees),
		cmocka_unit_test(test_frontier_matches_batch_up_to_1000),
		cmocka_unit_test(test_frontier_resumes_from_saved_nodes),
		cmocka_unit_test(test_frontier_full),
		cmocka_unit_test(test_reader_gives_same_results_and_reads_each_leaf_once),
		cmocka_unit_test(test_reader_failures_pass_through),
		cmocka_unit_test(test_append_emit_order_and_every_subtree_once),
		cmocka_unit_test(test_emit_failure_leaves_frontier_unchanged),
		cmocka_unit_test(test_nodes_match_arrays_up_to_130),
		cmocka_unit_test(test_leaf_source_precedence),
		cmocka_unit_test(test_node_reader_failures_pass_through),
		cmocka_unit_test(test_node_reads_are_logarithmic),
		cmocka_unit_test(test_edge_sizes),
		cmocka_unit_test(test_longest_proofs_fit),
		cmocka_unit_test(test_sth_message_layout),
		cmocka_unit_test(test_sth_sign_verify_and_tamper),
		cmocka_unit_test(test_sth_sign_refuses_out_of_range),
		cmocka_unit_test(test_sth_json_round_trip),
		cmocka_unit_test(test_sth_json_rejects),
		cmocka_unit_test(test_proof_json),
	};
	return cmocka_run_group_tests_name("merkle", tests, group_setup, NULL);
}
