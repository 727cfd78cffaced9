/*
 * RFC 9162 Merkle tree hashing and proofs over leaf hashes the caller supplies, and signed tree
 * heads. Proofs are built by walking the tree top-down as the definitions in RFC 9162 §2.1.3.1
 * and §2.1.4.1 recurse, hashing each subtree they name through a frontier, fed either with its
 * leaves or with the stored nodes of the aligned perfect subtrees that tile it; verification
 * follows the RFC's own algorithms (§2.1.3.2, §2.1.4.2) step by step, so that the two sides are
 * written independently of each other. Nothing here does I/O, allocates (beyond the jansson
 * values it returns) or keeps state between calls.
 */
#include "merkle.h"

#include <sodium.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/crypto.h"
#include "../base/json.h"

_Static_assert(sizeof(MERKLE_STH_PREFIX) == MERKLE_STH_PREFIX_BYTES, "prefix and its NUL are 16 bytes");
_Static_assert(crypto_hash_sha256_BYTES == MERKLE_HASH_BYTES, "SHA-256 hash size");
_Static_assert(crypto_sign_BYTES == MERKLE_SIG_BYTES, "Ed25519 signature size");
_Static_assert(crypto_sign_PUBLICKEYBYTES == MERKLE_PUBLIC_KEY_BYTES, "Ed25519 public key size");

/* ---- Hashes ---- */

void merkle_hash_leaf(const void *data, size_t len, unsigned char out[MERKLE_HASH_BYTES])
{
	static const unsigned char leaf_prefix = 0x00;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &leaf_prefix, 1);
	if (len > 0)
		crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, out);
}

void merkle_hash_children(const unsigned char left[MERKLE_HASH_BYTES], const unsigned char right[MERKLE_HASH_BYTES],
			  unsigned char out[MERKLE_HASH_BYTES])
{
	/* One buffer and one call: a node is hashed a million times for a million leaves. Copying
	 * first also lets out alias left or right. */
	unsigned char buf[1 + 2 * MERKLE_HASH_BYTES];
	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH_BYTES);
	memcpy(buf + 1 + MERKLE_HASH_BYTES, right, MERKLE_HASH_BYTES);
	crypto_hash_sha256(out, buf, sizeof(buf));
}

void merkle_hash_empty(unsigned char out[MERKLE_HASH_BYTES])
{
	static const unsigned char nothing[1];
	crypto_hash_sha256(out, nothing, 0);
}

/* ---- Frontier ---- */

void merkle_frontier_init(struct merkle_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

enum ll_err merkle_frontier_append_emit(struct merkle_frontier *f, const unsigned char leaf_hash[MERKLE_HASH_BYTES],
					merkle_emit_fn emit, void *ctx)
{
	if (f->size >= MERKLE_SIZE_MAX)
		return ll_fail(LL_OUT_OF_RANGE, "tree_size", "merkle tree is full at %llu leaves",
			       (unsigned long long)f->size);
	uint64_t new_size = f->size + 1;
	unsigned char h[MERKLE_HASH_BYTES];
	memcpy(h, leaf_hash, MERKLE_HASH_BYTES);
	/* Each set low bit of size is a finished subtree as high as h: merge and carry, as in
	 * binary addition. size < 2^63 keeps level below MERKLE_LEVELS. The merges only read f, and
	 * f is written once after the last emit, so a failed emit leaves it untouched without the
	 * cost of copying all 2 KiB of it on every append. */
	unsigned level = 0;
	for (;;) {
		if (emit) {
			enum ll_err err = emit(ctx, level, (new_size >> level) - 1, h);
			if (err != LL_OK)
				return err;
		}
		if (!((f->size >> level) & 1))
			break;
		merkle_hash_children(f->nodes[level], h, h);
		level++;
	}
	memcpy(f->nodes[level], h, MERKLE_HASH_BYTES);
	f->size = new_size;
	return LL_OK;
}

enum ll_err merkle_frontier_append(struct merkle_frontier *f, const unsigned char leaf_hash[MERKLE_HASH_BYTES])
{
	return merkle_frontier_append_emit(f, leaf_hash, NULL, NULL);
}

/* Appends the hash of 2^level leaves as one piece. The caller sees to it that f->size is a
 * multiple of 2^level (so the piece is a node of f's tree) and that the sum stays within
 * MERKLE_SIZE_MAX. */
static void frontier_append_node(struct merkle_frontier *f, unsigned level, const unsigned char hash[MERKLE_HASH_BYTES])
{
	unsigned char h[MERKLE_HASH_BYTES];
	uint64_t added = UINT64_C(1) << level;
	memcpy(h, hash, MERKLE_HASH_BYTES);
	while ((f->size >> level) & 1) {
		merkle_hash_children(f->nodes[level], h, h);
		level++;
	}
	memcpy(f->nodes[level], h, MERKLE_HASH_BYTES);
	f->size += added;
}

void merkle_frontier_root(const struct merkle_frontier *f, unsigned char ret_root[MERKLE_HASH_BYTES])
{
	if (f->size == 0) {
		merkle_hash_empty(ret_root);
		return;
	}
	/* RFC 9162 splits off the largest power of two on the left first, so the smallest subtree
	 * is the deepest right child: fold from the lowest set bit upward. */
	unsigned level = (unsigned)__builtin_ctzll(f->size);
	unsigned char r[MERKLE_HASH_BYTES];
	memcpy(r, f->nodes[level], MERKLE_HASH_BYTES);
	for (level++; level < MERKLE_LEVELS; level++)
		if ((f->size >> level) & 1)
			merkle_hash_children(f->nodes[level], r, r);
	memcpy(ret_root, r, MERKLE_HASH_BYTES);
}

/* ---- Leaves ---- */

/* Trailing zero bits of x, with 0 counted as divisible by every power of two a tree holds. */
static unsigned low_zeros(uint64_t x)
{
	return x == 0 ? MERKLE_LEVELS - 1 : (unsigned)__builtin_ctzll(x);
}

/* Appends leaves [begin, end) to into from stored nodes. A node (L, b >> L) can stand for its
 * 2^L leaves only where it is a node of both trees: of the stored tree (b a multiple of 2^L) and
 * of into's (into->size a multiple of 2^L), and where it fits (b + 2^L <= end). Taking the
 * highest such L each time tiles the range greedily. When begin is a multiple of the largest
 * power of two <= end - begin and into starts empty, b and into->size stay multiples of every
 * piece still to come, so the pieces are the set bits of end - begin, highest first:
 * popcount(end - begin) reads. When into continues the stored tree (into->size == begin), the
 * pieces are the compact range of [begin, end): at most 2 * 63. Anything else is still right,
 * only slower; at worst (begin odd, into empty) every piece is one leaf. */
static enum ll_err nodes_read(const struct merkle_leaves *leaves, uint64_t begin, uint64_t end,
			      struct merkle_frontier *into)
{
	unsigned char h[MERKLE_HASH_BYTES];
	for (uint64_t b = begin; b < end;) {
		unsigned level = 63 - (unsigned)__builtin_clzll(end - b);
		unsigned z = low_zeros(b);
		if (z < level)
			level = z;
		z = low_zeros(into->size);
		if (z < level)
			level = z;
		enum ll_err err = leaves->node(leaves->ctx, level, b >> level, h);
		if (err != LL_OK)
			return err;
		frontier_append_node(into, level, h);
		b += UINT64_C(1) << level;
	}
	return LL_OK;
}

/* Appends leaves [begin, end) to into from the first source leaves has. into->size + (end -
 * begin) must not pass MERKLE_SIZE_MAX, which every caller's range check ensures. */
static enum ll_err leaves_read(const struct merkle_leaves *leaves, uint64_t begin, uint64_t end,
			       struct merkle_frontier *into)
{
	enum ll_err err;
	if (begin == end)
		return LL_OK;
	if (leaves->hashes) {
		for (uint64_t i = begin; i < end; i++) {
			err = merkle_frontier_append(into, leaves->hashes + i * MERKLE_HASH_BYTES);
			if (err != LL_OK)
				return err;
		}
		return LL_OK;
	}
	if (leaves->node)
		return nodes_read(leaves, begin, end, into);
	if (!leaves->read)
		return ll_fail(LL_INTERNAL, NULL, "merkle leaf source has neither hashes nor nodes nor a reader");
	uint64_t before = into->size;
	err = leaves->read(leaves->ctx, begin, end, into);
	if (err != LL_OK)
		return err;
	/* Not LL_BUG: a reader over a database comes up short when a stored row has gone, which is
	 * exactly what the ledger verifier exists to report. */
	if (into->size - before != end - begin)
		return ll_fail(LL_INTERNAL, NULL, "merkle leaf reader gave %llu leaves for [%llu, %llu)",
			       (unsigned long long)(into->size - before), (unsigned long long)begin,
			       (unsigned long long)end);
	return LL_OK;
}

/* ---- Tree hashes ---- */

enum ll_err merkle_range_hash(const struct merkle_leaves *leaves, uint64_t begin, uint64_t end,
			      unsigned char ret_hash[MERKLE_HASH_BYTES])
{
	if (begin > end || end > MERKLE_SIZE_MAX)
		return ll_fail(LL_OUT_OF_RANGE, "tree_size", "[%llu, %llu) is not a range of merkle leaves",
			       (unsigned long long)begin, (unsigned long long)end);
	struct merkle_frontier f;
	merkle_frontier_init(&f);
	enum ll_err err = leaves_read(leaves, begin, end, &f);
	if (err != LL_OK)
		return err;
	merkle_frontier_root(&f, ret_hash);
	return LL_OK;
}

enum ll_err merkle_root(const struct merkle_leaves *leaves, uint64_t size, unsigned char ret_root[MERKLE_HASH_BYTES])
{
	return merkle_range_hash(leaves, 0, size, ret_root);
}

enum ll_err merkle_frontier_extend(struct merkle_frontier *f, const struct merkle_leaves *leaves, uint64_t size)
{
	if (size > MERKLE_SIZE_MAX || size < f->size)
		return ll_fail(LL_OUT_OF_RANGE, "tree_size", "cannot extend a merkle tree of %llu leaves to %llu",
			       (unsigned long long)f->size, (unsigned long long)size);
	struct merkle_frontier next = *f;
	enum ll_err err = leaves_read(leaves, f->size, size, &next);
	if (err != LL_OK)
		return err;
	*f = next;
	return LL_OK;
}

enum ll_err merkle_frontier_from_nodes(struct merkle_frontier *ret_f, uint64_t size,
				       const struct merkle_leaves *leaves)
{
	struct merkle_frontier f;
	merkle_frontier_init(&f);
	/* From an empty frontier nodes_read takes the set bits of size, highest first, each landing
	 * at its own level without a merge: popcount(size) reads and no hashes. */
	enum ll_err err = merkle_frontier_extend(&f, leaves, size);
	if (err != LL_OK)
		return err;
	/* Appending leaf by leaf strands merged nodes in the levels of unset bits; clear them so
	 * that the result does not depend on the source and compares equal byte for byte. */
	for (unsigned level = 0; level < MERKLE_LEVELS; level++)
		if (!((size >> level) & 1))
			memset(f.nodes[level], 0, MERKLE_HASH_BYTES);
	*ret_f = f;
	return LL_OK;
}

/* ---- Proofs ---- */

/* The largest power of two smaller than n, for n >= 2: where RFC 9162 splits n leaves. */
static uint64_t split_point(uint64_t n)
{
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

/* Appends MTH(D[begin:end)) to proof.
 *
 * From nodes this costs popcount(end - begin) reads because every range the two walks below
 * push is aligned: begin is a multiple of the largest power of two <= end - begin. Both walks
 * start at lo = 0 and only ever add k to lo when descending right, after which n - k <= k, so
 * every later split point k' and range length is at most that k: lo stays a multiple of every
 * power of two a later range can have as its largest. The ranges pushed are then [lo, lo + k)
 * (a perfect subtree, 1 read), [lo + k, lo + n) (lo + k is a multiple of k and n - k <= k), and
 * the consistency walk's last [lo, lo + m) (m <= the current n, so m's largest power of two
 * divides lo). Descending left makes n the power of two k, after which every range is a perfect
 * subtree; so an inclusion proof has at most one range that is not, a consistency proof two. */
static enum ll_err proof_push(struct merkle_proof *proof, const struct merkle_leaves *leaves, uint64_t begin,
			      uint64_t end)
{
	if (proof->len >= MERKLE_PROOF_MAX)
		return ll_fail(LL_INTERNAL, NULL, "merkle proof longer than %d hashes", MERKLE_PROOF_MAX);
	enum ll_err err = merkle_range_hash(leaves, begin, end, proof->hashes[proof->len]);
	if (err != LL_OK)
		return err;
	proof->len++;
	return LL_OK;
}

/* The walk collects hashes root first; RFC 9162 lists them leaf first. */
static void proof_reverse(struct merkle_proof *proof)
{
	unsigned char t[MERKLE_HASH_BYTES];
	for (size_t i = 0, j = proof->len; i + 1 < j; i++, j--) {
		memcpy(t, proof->hashes[i], MERKLE_HASH_BYTES);
		memcpy(proof->hashes[i], proof->hashes[j - 1], MERKLE_HASH_BYTES);
		memcpy(proof->hashes[j - 1], t, MERKLE_HASH_BYTES);
	}
}

enum ll_err merkle_inclusion_proof(const struct merkle_leaves *leaves, uint64_t size, uint64_t index,
				   struct merkle_proof *ret_proof)
{
	if (size > MERKLE_SIZE_MAX)
		return ll_fail(LL_OUT_OF_RANGE, "tree_size", "tree_size %llu is too large", (unsigned long long)size);
	if (index >= size)
		return ll_fail(LL_OUT_OF_RANGE, "leaf_index", "leaf_index %llu is not below tree_size %llu",
			       (unsigned long long)index, (unsigned long long)size);
	struct merkle_proof proof = { .len = 0 };
	/* PATH(m, D[lo:lo+n]): descend into the half holding m, recording the other half. */
	uint64_t lo = 0, n = size, m = index;
	while (n > 1) {
		uint64_t k = split_point(n);
		enum ll_err err;
		if (m < k) {
			err = proof_push(&proof, leaves, lo + k, lo + n);
			n = k;
		} else {
			err = proof_push(&proof, leaves, lo, lo + k);
			lo += k;
			m -= k;
			n -= k;
		}
		if (err != LL_OK)
			return err;
	}
	proof_reverse(&proof);
	*ret_proof = proof;
	return LL_OK;
}

enum ll_err merkle_consistency_proof(const struct merkle_leaves *leaves, uint64_t first, uint64_t second,
				     struct merkle_proof *ret_proof)
{
	if (second > MERKLE_SIZE_MAX)
		return ll_fail(LL_OUT_OF_RANGE, "second", "second %llu is too large", (unsigned long long)second);
	if (first > second)
		return ll_fail(LL_OUT_OF_RANGE, "first", "first %llu is larger than second %llu",
			       (unsigned long long)first, (unsigned long long)second);
	struct merkle_proof proof = { .len = 0 };
	if (first != 0 && first != second) {
		/* SUBPROOF(m, D[lo:lo+n], have_root): have_root stays true while the old root is
		 * itself a node of the new tree, in which case the verifier already holds it. */
		uint64_t lo = 0, n = second, m = first;
		bool have_root = true;
		while (m != n) {
			uint64_t k = split_point(n);
			enum ll_err err;
			if (m <= k) {
				err = proof_push(&proof, leaves, lo + k, lo + n);
				n = k;
			} else {
				err = proof_push(&proof, leaves, lo, lo + k);
				lo += k;
				m -= k;
				n -= k;
				have_root = false;
			}
			if (err != LL_OK)
				return err;
		}
		if (!have_root) {
			enum ll_err err = proof_push(&proof, leaves, lo, lo + m);
			if (err != LL_OK)
				return err;
		}
		proof_reverse(&proof);
	}
	*ret_proof = proof;
	return LL_OK;
}

static bool hash_equal(const unsigned char a[MERKLE_HASH_BYTES], const unsigned char b[MERKLE_HASH_BYTES])
{
	return memcmp(a, b, MERKLE_HASH_BYTES) == 0;
}

bool merkle_inclusion_verify(uint64_t index, uint64_t size, const unsigned char leaf_hash[MERKLE_HASH_BYTES],
			     const struct merkle_proof *proof, const unsigned char root[MERKLE_HASH_BYTES])
{
	if (index >= size || proof->len > MERKLE_PROOF_MAX)
		return false;
	uint64_t fn = index, sn = size - 1;
	unsigned char r[MERKLE_HASH_BYTES];
	memcpy(r, leaf_hash, MERKLE_HASH_BYTES);
	for (size_t i = 0; i < proof->len; i++) {
		const unsigned char *p = proof->hashes[i];
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			merkle_hash_children(p, r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_hash_children(r, p, r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && hash_equal(r, root);
}

bool merkle_consistency_verify(uint64_t first, uint64_t second, const unsigned char first_root[MERKLE_HASH_BYTES],
			       const unsigned char second_root[MERKLE_HASH_BYTES], const struct merkle_proof *proof)
{
	unsigned char empty[MERKLE_HASH_BYTES];
	if (first > second || proof->len > MERKLE_PROOF_MAX)
		return false;
	if (first == 0 || first == second) {
		merkle_hash_empty(empty);
		return proof->len == 0 && (first != 0 || hash_equal(first_root, empty)) &&
		       (first != second || hash_equal(first_root, second_root));
	}
	if (proof->len == 0)
		return false;
	/* When the old tree is a perfect subtree its root opens the path (the prover left it out). */
	bool is_pow2 = (first & (first - 1)) == 0;
	size_t i = 0;
	const unsigned char *start = is_pow2 ? first_root : proof->hashes[i++];
	uint64_t fn = first - 1, sn = second - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	unsigned char fr[MERKLE_HASH_BYTES], sr[MERKLE_HASH_BYTES];
	memcpy(fr, start, MERKLE_HASH_BYTES);
	memcpy(sr, start, MERKLE_HASH_BYTES);
	for (; i < proof->len; i++) {
		const unsigned char *c = proof->hashes[i];
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			merkle_hash_children(c, fr, fr);
			merkle_hash_children(c, sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_hash_children(sr, c, sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && hash_equal(fr, first_root) && hash_equal(sr, second_root);
}

json_t *merkle_proof_to_json(const struct merkle_proof *proof)
{
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	for (size_t i = 0; i < proof->len && i < MERKLE_PROOF_MAX; i++) {
		char hex[2 * MERKLE_HASH_BYTES + 1];
		crypto_hex(proof->hashes[i], MERKLE_HASH_BYTES, hex);
		if (json_array_append_new(arr, json_string(hex)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

enum ll_err merkle_proof_from_json(const json_t *arr, const char *field, struct merkle_proof *ret_proof)
{
	if (!json_is_array(arr))
		return ll_fail(LL_WRONG_TYPE, field, "%s must be an array of hashes", field);
	if (json_array_size(arr) > MERKLE_PROOF_MAX)
		return ll_fail(LL_TOO_LONG, field, "%s has more than %d hashes", field, MERKLE_PROOF_MAX);
	struct merkle_proof proof = { .len = 0 };
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		char path[LL_FIELD_MAX];
		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		if (!json_is_string(v))
			return ll_fail(LL_WRONG_TYPE, path, "%s must be a string", path);
		if (!crypto_unhex(json_string_value(v), proof.hashes[i], MERKLE_HASH_BYTES))
			return ll_fail(LL_INVALID_VALUE, path, "%s must be %d hexadecimal characters", path,
				       2 * MERKLE_HASH_BYTES);
		proof.len++;
	}
	*ret_proof = proof;
	return LL_OK;
}

/* ---- Signed tree heads ---- */

static void put_be64(unsigned char *out, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static bool sth_in_range(const struct merkle_sth *sth)
{
	return sth->tree_size <= MERKLE_SIZE_MAX && sth->timestamp_us >= 0 && sth->timestamp_us <= MERKLE_TIME_MAX;
}

void merkle_sth_message(const struct merkle_sth *sth, unsigned char out[MERKLE_STH_MESSAGE_BYTES])
{
	memcpy(out, MERKLE_STH_PREFIX, MERKLE_STH_PREFIX_BYTES);
	put_be64(out + MERKLE_STH_PREFIX_BYTES, sth->tree_size);
	put_be64(out + MERKLE_STH_PREFIX_BYTES + 8, (uint64_t)sth->timestamp_us);
	memcpy(out + MERKLE_STH_PREFIX_BYTES + 16, sth->root_hash, MERKLE_HASH_BYTES);
}

enum ll_err merkle_sth_sign(struct merkle_sth *sth, const struct ll_keys *keys)
{
	if (!sth_in_range(sth))
		return ll_fail(LL_OUT_OF_RANGE, "tree_head", "tree head size or timestamp out of range");
	unsigned char msg[MERKLE_STH_MESSAGE_BYTES];
	unsigned char sig[MERKLE_SIG_BYTES];
	merkle_sth_message(sth, msg);
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), keys->sign_sk);
	memcpy(sth->signature, sig, sizeof(sig));
	return LL_OK;
}

bool merkle_sth_verify(const struct merkle_sth *sth, const unsigned char public_key[MERKLE_PUBLIC_KEY_BYTES])
{
	unsigned char msg[MERKLE_STH_MESSAGE_BYTES];
	merkle_sth_message(sth, msg);
	return crypto_sign_verify_detached(sth->signature, msg, sizeof(msg), public_key) == 0;
}

json_t *merkle_sth_to_json(const struct merkle_sth *sth)
{
	if (!sth_in_range(sth))
		return NULL;
	char root_hex[2 * MERKLE_HASH_BYTES + 1], sig_hex[2 * MERKLE_SIG_BYTES + 1], when[32];
	crypto_hex(sth->root_hash, MERKLE_HASH_BYTES, root_hex);
	crypto_hex(sth->signature, MERKLE_SIG_BYTES, sig_hex);
	clock_format_rfc3339(sth->timestamp_us, when);
	return json_pack("{s:I, s:s, s:I, s:s, s:s}", "tree_size", (json_int_t)sth->tree_size, "timestamp", when,
			 "timestamp_us", (json_int_t)sth->timestamp_us, "root_hash", root_hex, "signature", sig_hex);
}

struct sth_in {
	int64_t tree_size;
	int64_t timestamp;
	int64_t timestamp_us;
	const char *root_hash;
	const char *signature;
};

static const struct json_field sth_spec[] = {
	JSON_I64("tree_size", struct sth_in, tree_size, .min = 0, .max = INT64_MAX, .doc = "leaves in the log"),
	JSON_TIME("timestamp", struct sth_in, timestamp, .is_optional = true,
		  .doc = "when the head was signed, for people; must equal timestamp_us"),
	JSON_I64("timestamp_us", struct sth_in, timestamp_us, .min = 0, .max = MERKLE_TIME_MAX,
		 .doc = "when the head was signed, UTC microseconds (the signed value)"),
	JSON_STR("root_hash", struct sth_in, root_hash, .min_len = 2 * MERKLE_HASH_BYTES,
		 .max_len = 2 * MERKLE_HASH_BYTES, .doc = "root of the log, SHA-256 in hex"),
	JSON_STR("signature", struct sth_in, signature, .min_len = 2 * MERKLE_SIG_BYTES,
		 .max_len = 2 * MERKLE_SIG_BYTES, .doc = "Ed25519 signature of the head, in hex"),
	JSON_END
};

enum ll_err merkle_sth_from_json(const json_t *obj, struct merkle_sth *ret_sth)
{
	struct sth_in in = { .timestamp = INT64_MIN };
	enum ll_err err = json_decode(obj, sth_spec, &in);
	if (err != LL_OK)
		return err;
	if (in.timestamp != INT64_MIN && in.timestamp != in.timestamp_us)
		return ll_fail(LL_INVALID_VALUE, "timestamp", "timestamp does not match timestamp_us");
	struct merkle_sth sth = { .tree_size = (uint64_t)in.tree_size, .timestamp_us = in.timestamp_us };
	if (!crypto_unhex(in.root_hash, sth.root_hash, MERKLE_HASH_BYTES))
		return ll_fail(LL_INVALID_VALUE, "root_hash", "root_hash must be %d hexadecimal characters",
			       2 * MERKLE_HASH_BYTES);
	if (!crypto_unhex(in.signature, sth.signature, MERKLE_SIG_BYTES))
		return ll_fail(LL_INVALID_VALUE, "signature", "signature must be %d hexadecimal characters",
			       2 * MERKLE_SIG_BYTES);
	*ret_sth = sth;
	return LL_OK;
}
