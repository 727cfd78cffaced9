/*
 * Tree nodes kept in memory (node_cache.c), private to the ledger's _db files: a committed node
 * never changes, so proofs read the upper levels, which every proof shares, from here.
 */
#ifndef LL_NODE_CACHE_H
#define LL_NODE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "../store/store.h"
#include "merkle.h"

struct node_cache;

/* The cache of st's ledger, made at the first call and freed when st closes; NULL without memory. */
struct node_cache *node_cache_of(struct ll_store *st);
/* Copies node (level, index) into out when the cache holds it. */
bool node_cache_get(struct node_cache *c, unsigned level, uint64_t index, unsigned char out[MERKLE_HASH_BYTES]);
/* Keeps node (level, index), which must be committed, in place of whatever shared its slot. */
void node_cache_put(struct node_cache *c, unsigned level, uint64_t index, const unsigned char hash[MERKLE_HASH_BYTES]);

#endif
