/*
 * The ledger's Merkle log, after RFC 9162 (Certificate Transparency 2.0) §2.1: SHA-256 tree
 * hashes of a list of leaf hashes, inclusion and consistency proofs and their verification, a
 * frontier that keeps the log head in O(log n) state as leaves are appended, and signed tree
 * heads (Ed25519) with their canonical bytes and JSON form. Pure rules: nothing here opens a
 * file or a database or allocates beyond jansson values the caller asks for; leaf hashes come
 * from the caller, as an array, through a callback that streams a range of them, or as stored
 * interior nodes read one at a time. A log that stores every node merkle_frontier_append_emit
 * hands it gets roots and proofs in O(log n) node reads instead of O(n) leaf reads.
 *
 * Hashes (RFC 9162 §2.1.1): leaf = SHA-256(0x00 || leaf bytes), interior node =
 * SHA-256(0x01 || left || right), the empty tree = SHA-256(""), and a list of n > 1 leaves
 * splits at k, the largest power of two smaller than n. Tree sizes and leaf indexes are
 * uint64_t counted from 0 and never exceed MERKLE_SIZE_MAX, so that they fit a JSON integer.
 */
#ifndef LL_LEDGER_MERKLE_H
#define LL_LEDGER_MERKLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ll_err.h"

struct ll_keys;

#define MERKLE_HASH_BYTES 32
/* Largest tree size (and so largest leaf index + 1): the largest JSON integer jansson holds. */
#define MERKLE_SIZE_MAX ((uint64_t)INT64_MAX)
/* A tree of at most MERKLE_SIZE_MAX leaves is at most 63 levels high: no proof is longer. */
#define MERKLE_PROOF_MAX 64
/* Levels a frontier keeps: one per bit of the tree size. */
#define MERKLE_LEVELS 64

/* ---- Hashes ---- */

/* SHA-256(0x00 || data[0..len)): the hash of one leaf. */
void merkle_hash_leaf(const void *data, size_t len, unsigned char out[MERKLE_HASH_BYTES]);
/* SHA-256(0x01 || left || right): the hash of an interior node. out may alias left or right. */
void merkle_hash_children(const unsigned char left[MERKLE_HASH_BYTES], const unsigned char right[MERKLE_HASH_BYTES],
			  unsigned char out[MERKLE_HASH_BYTES]);
/* SHA-256(""): the root of the empty tree. */
void merkle_hash_empty(unsigned char out[MERKLE_HASH_BYTES]);

/* ---- Frontier (compact range [0, size)) ----
 *
 * The roots of the perfect subtrees that make up a tree of `size` leaves: when bit i of size is
 * set, nodes[i] is the hash of the 2^i leaves [a, a + 2^i) where a is size with bits 0..i
 * cleared; the other entries mean nothing. Appending costs O(1) amortised hashes and the root
 * O(log n), so the server keeps the log head without reading old leaves. The struct is plain data
 * the caller owns: to resume after a restart, save size and the nodes of its set bits beside a
 * tree head and put them back, then merkle_frontier_extend with the leaves appended since; or,
 * when the log stores its nodes, rebuild it with merkle_frontier_from_nodes. */
struct merkle_frontier {
	uint64_t size;
	unsigned char nodes[MERKLE_LEVELS][MERKLE_HASH_BYTES];
};

/* Makes f the frontier of the empty tree. */
void merkle_frontier_init(struct merkle_frontier *f);
/* Appends one leaf hash. LL_OUT_OF_RANGE (f unchanged) when f already holds MERKLE_SIZE_MAX. */
enum ll_err merkle_frontier_append(struct merkle_frontier *f, const unsigned char leaf_hash[MERKLE_HASH_BYTES]);

/* Receives one node an append completed: the hash of the perfect subtree at `level` number
 * `index` (the 2^level leaves [index << level, (index + 1) << level); level 0 is the leaf
 * itself). Returns LL_OK, or an error (with ll_fail) that the append passes on. */
typedef enum ll_err (*merkle_emit_fn)(void *ctx, unsigned level, uint64_t index,
				      const unsigned char hash[MERKLE_HASH_BYTES]);
/* Appends one leaf hash as merkle_frontier_append does and hands emit(ctx, ...) every node the
 * append completes, lowest first: the leaf (level 0, index = the old f->size), then for each
 * level L = 1, 2, ... whose subtree the leaf finishes, (L, (new size >> L) - 1). That is 1 +
 * (trailing one bits of the old size) calls; over a log's life every perfect subtree is emitted
 * exactly once, which is the table a merkle_node_fn answers from. emit may be NULL (a plain
 * append). When emit fails its error is returned and *f is left as it was, so the caller may
 * retry the same leaf; the nodes emitted before the failure are handed out again then, with the
 * same hashes, so a store that kept them must roll them back or accept the duplicates.
 * LL_OUT_OF_RANGE (nothing emitted) when f already holds MERKLE_SIZE_MAX. */
enum ll_err merkle_frontier_append_emit(struct merkle_frontier *f, const unsigned char leaf_hash[MERKLE_HASH_BYTES],
					merkle_emit_fn emit, void *ctx);
/* The root hash of the f->size leaves appended so far (the empty-tree hash for none). */
void merkle_frontier_root(const struct merkle_frontier *f, unsigned char ret_root[MERKLE_HASH_BYTES]);

/* ---- Where leaf hashes come from ---- */

/* Streams the leaf hashes of indexes [begin, end), in order, into `into` with
 * merkle_frontier_append, and returns LL_OK; or returns an error (with ll_fail), which the caller
 * passes on. A database implements it with one ranged SELECT ordered by index whose rows are
 * appended as they arrive. A reader that appends any other number of leaves than end - begin
 * (a bug, or a row gone from the table) makes the calling function fail with LL_INTERNAL. */
typedef enum ll_err (*merkle_read_fn)(void *ctx, uint64_t begin, uint64_t end, struct merkle_frontier *into);

/* Writes the hash of the perfect subtree at `level` number `index`, MTH(D[index << level :
 * (index + 1) << level)), into out (level 0 is leaf `index`'s hash) and returns LL_OK; or returns
 * an error (with ll_fail: a missing row, a failed query), which the caller passes on. Callers ask
 * only for nodes inside the tree they were given (with (index + 1) << level <= its size) and
 * level < MERKLE_LEVELS - 1. A database answers from a table of (level, index, hash) rows filled
 * by merkle_frontier_append_emit, with one primary-key look-up. */
typedef enum ll_err (*merkle_node_fn)(void *ctx, unsigned level, uint64_t index, unsigned char out[MERKLE_HASH_BYTES]);

/* A tree's leaf hashes, from the first of these that is set: the array `hashes` (leaf i at
 * hashes + 32 * i, at least as many leaves as any size asked of it; borrowed); stored nodes,
 * node(ctx, ...); or read(ctx, ...). With node, a range [begin, end) whose begin is a multiple of
 * the largest power of two <= end - begin (every range a root or proof needs) costs
 * popcount(end - begin) node reads; any other range is still hashed right, from smaller aligned
 * nodes, at worst one level-0 read a leaf. */
struct merkle_leaves {
	const unsigned char *hashes;
	merkle_read_fn read;
	void *ctx;
	merkle_node_fn node;
};

/* ---- Tree hashes ---- */

/* MTH(D[begin:end)): the root of the tree of leaves begin..end-1 (the empty-tree hash when begin
 * == end). From leaves: reads each of those leaves once, in order; O(end - begin) hashes. From
 * nodes: popcount(end - begin) node reads and as many hashes when the range is aligned (see
 * struct merkle_leaves), O(end - begin) reads at worst otherwise. O(log n) memory either way.
 * LL_OUT_OF_RANGE if begin > end or end > MERKLE_SIZE_MAX; otherwise the reader's errors. */
enum ll_err merkle_range_hash(const struct merkle_leaves *leaves, uint64_t begin, uint64_t end,
			      unsigned char ret_hash[MERKLE_HASH_BYTES]);
/* The root of the first `size` leaves: merkle_range_hash(leaves, 0, size, ret_root); from nodes,
 * popcount(size) reads. */
enum ll_err merkle_root(const struct merkle_leaves *leaves, uint64_t size, unsigned char ret_root[MERKLE_HASH_BYTES]);
/* Extends *f from f->size to size leaves, reading leaves [f->size, size), or from nodes the at
 * most 2 * 63 aligned subtrees that cover them. On failure *f is left as it was.
 * LL_OUT_OF_RANGE if size < f->size or size > MERKLE_SIZE_MAX. */
enum ll_err merkle_frontier_extend(struct merkle_frontier *f, const struct merkle_leaves *leaves, uint64_t size);
/* The frontier of the first `size` leaves into *ret_f (written only on success): with
 * leaves->node (and no hashes array), exactly popcount(size) node reads, one a set bit of size,
 * which is how a server resumes its log head from the node table after a restart. Without
 * nodes it falls back to reading all `size` leaves, as merkle_frontier_extend from an empty
 * frontier does. Entries of unset bits are zero. LL_OUT_OF_RANGE if size > MERKLE_SIZE_MAX;
 * otherwise the reader's errors. */
enum ll_err merkle_frontier_from_nodes(struct merkle_frontier *ret_f, uint64_t size,
				       const struct merkle_leaves *leaves);

/* ---- Proofs ---- */

/* A list of node hashes, deepest first, as RFC 9162 orders them. Plain data the caller owns
 * (about 2 KiB: fine on the stack). */
struct merkle_proof {
	size_t len;
	unsigned char hashes[MERKLE_PROOF_MAX][MERKLE_HASH_BYTES];
};

/* The inclusion proof (audit path, RFC 9162 §2.1.3.1) of leaf `index` in the tree of the first
 * `size` leaves. Cost from leaves: every leaf of the tree but `index` is read once (O(size)
 * hashes), one read call a path hash. Cost from nodes: at most 2 * 63 node reads (each path hash
 * is one stored node, except the first right sibling that is not a perfect subtree, which takes
 * one read a set bit of its size) and as many hashes.
 * LL_OUT_OF_RANGE (field "leaf_index" or "tree_size") unless index < size <= MERKLE_SIZE_MAX. */
enum ll_err merkle_inclusion_proof(const struct merkle_leaves *leaves, uint64_t size, uint64_t index,
				   struct merkle_proof *ret_proof);
/* True if proof shows that leaf_hash is leaf `index` of the tree of `size` leaves whose root is
 * `root` (RFC 9162 §2.1.3.2). A proof binds the root, the index and the shape of the path; that a
 * root belongs to `size` is what a signed tree head vouches for. */
bool merkle_inclusion_verify(uint64_t index, uint64_t size, const unsigned char leaf_hash[MERKLE_HASH_BYTES],
			     const struct merkle_proof *proof, const unsigned char root[MERKLE_HASH_BYTES]);

/* The consistency proof (RFC 9162 §2.1.4.1) that the tree of the first `first` leaves is a prefix
 * of the tree of the first `second`. Empty when first is 0 or equals second. Cost from leaves:
 * O(second) hashes, each leaf read at most once. Cost from nodes: at most 3 * 63 node reads (as
 * for inclusion, plus the old root's own subtree). LL_OUT_OF_RANGE (field "first" or "second")
 * unless first <= second <= MERKLE_SIZE_MAX. */
enum ll_err merkle_consistency_proof(const struct merkle_leaves *leaves, uint64_t first, uint64_t second,
				     struct merkle_proof *ret_proof);
/* True if proof shows that the tree of `first` leaves with root first_root is a prefix of the tree
 * of `second` leaves with root second_root (RFC 9162 §2.1.4.2). When first == second the proof
 * must be empty and the roots equal; when first == 0 the proof must be empty and first_root the
 * empty-tree hash (stricter than RFC 9162, which leaves that case undefined). */
bool merkle_consistency_verify(uint64_t first, uint64_t second, const unsigned char first_root[MERKLE_HASH_BYTES],
			       const unsigned char second_root[MERKLE_HASH_BYTES], const struct merkle_proof *proof);

/* The proof as a JSON array of lowercase hex strings, deepest first. Caller owns the reference;
 * NULL when out of memory. */
json_t *merkle_proof_to_json(const struct merkle_proof *proof);
/* Decodes such an array (hex in either case) into *ret_proof. field names the array in error
 * details ("inclusion_proof" gives "inclusion_proof[3]"). LL_WRONG_TYPE, LL_TOO_LONG (more than
 * MERKLE_PROOF_MAX items) or LL_INVALID_VALUE; *ret_proof is written only on success. */
enum ll_err merkle_proof_from_json(const json_t *arr, const char *field, struct merkle_proof *ret_proof);

/* ---- Signed tree heads ---- */

/* Largest timestamp a tree head may carry: 9999-12-31T23:59:59.999999Z, so that its RFC 3339
 * form is exact. */
#define MERKLE_TIME_MAX INT64_C(253402300799999999)
#define MERKLE_SIG_BYTES 64
#define MERKLE_PUBLIC_KEY_BYTES 32
/* The signed message: this 16-byte prefix (15 characters and a NUL), tree_size as 8 bytes
 * big-endian, timestamp_us as 8 bytes big-endian, root_hash: 64 bytes in all. */
#define MERKLE_STH_PREFIX "lifelong-sth-v1"
#define MERKLE_STH_PREFIX_BYTES 16
#define MERKLE_STH_MESSAGE_BYTES (MERKLE_STH_PREFIX_BYTES + 8 + 8 + MERKLE_HASH_BYTES)

/* A signed tree head: the log of tree_size leaves had root root_hash at timestamp_us (UTC
 * microseconds), signed by a node's Ed25519 key. */
struct merkle_sth {
	uint64_t tree_size;
	int64_t timestamp_us;
	unsigned char root_hash[MERKLE_HASH_BYTES];
	unsigned char signature[MERKLE_SIG_BYTES];
};

/* The canonical bytes that are signed (layout above); the signature is not part of them. */
void merkle_sth_message(const struct merkle_sth *sth, unsigned char out[MERKLE_STH_MESSAGE_BYTES]);
/* Signs sth's message with keys->sign_sk into sth->signature (Ed25519, deterministic).
 * LL_OUT_OF_RANGE (sth unchanged) if tree_size > MERKLE_SIZE_MAX or timestamp_us is outside
 * [0, MERKLE_TIME_MAX]. */
enum ll_err merkle_sth_sign(struct merkle_sth *sth, const struct ll_keys *keys);
/* True if sth->signature is public_key's Ed25519 signature of sth's message. */
bool merkle_sth_verify(const struct merkle_sth *sth, const unsigned char public_key[MERKLE_PUBLIC_KEY_BYTES]);

/* The tree head as JSON:
 *   {"tree_size": 8, "timestamp": "2026-11-23T19:03:24.123456Z", "timestamp_us": 1795460604123456,
 *    "root_hash": "<64 lowercase hex>", "signature": "<128 lowercase hex>"}
 * timestamp_us is the signed value (an integer, so that a browser can rebuild the message);
 * timestamp is the same instant in RFC 3339 for people. Hex rather than base64 because the rest
 * of Lifelong (key file, look-up hashes, evidence SHA-256) speaks hex and `sha256sum` prints it.
 * Caller owns the reference; NULL when out of memory or when sth could not have been signed
 * (tree_size or timestamp_us out of range, as merkle_sth_sign says). */
json_t *merkle_sth_to_json(const struct merkle_sth *sth);
/* Decodes that object into *ret_sth without checking the signature (merkle_sth_verify does).
 * Unknown keys are refused; timestamp may be absent, but when present must equal timestamp_us.
 * Errors name the failing field (LL_MISSING_FIELD, LL_WRONG_TYPE, LL_OUT_OF_RANGE,
 * LL_INVALID_VALUE, LL_UNKNOWN_FIELD, ...); *ret_sth is written only on success. */
enum ll_err merkle_sth_from_json(const json_t *obj, struct merkle_sth *ret_sth);

#endif
