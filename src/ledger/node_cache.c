/*
 * The ledger's tree nodes in memory: a direct-mapped table of NODE_CACHE_SLOTS nodes (about
 * 2.6 MB a store). A node's slot is a hash of its place, so the few thousand nodes near the root,
 * which every inclusion proof reads, stay, and a leaf-level node lasts until another needs its
 * slot. The table never holds a node that was not read from a committed tree.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "node_cache.h"

#define NODE_CACHE_SLOTS (1u << 16)
#define NODE_CACHE_STRIPES 64

struct node_slot {
	uint64_t key; /* 0: empty */
	unsigned char hash[MERKLE_HASH_BYTES];
};

struct node_cache {
	pthread_mutex_t stripes[NODE_CACHE_STRIPES];
	struct node_slot slots[NODE_CACHE_SLOTS];
};

/* A node's key: the level (below 64) in the low bits and the index above them, plus one. */
static uint64_t node_key(unsigned level, uint64_t index)
{
	return ((index << 6) | level) + 1;
}

static uint32_t slot_of(uint64_t key)
{
	key *= UINT64_C(0x9e3779b97f4a7c15);
	return (uint32_t)(key >> 48) & (NODE_CACHE_SLOTS - 1);
}

static void *make(struct ll_store *st)
{
	(void)st;
	struct node_cache *c = calloc(1, sizeof(*c));
	if (c)
		for (int i = 0; i < NODE_CACHE_STRIPES; i++)
			pthread_mutex_init(&c->stripes[i], NULL);
	return c;
}

static void release(void *p)
{
	struct node_cache *c = p;
	for (int i = 0; i < NODE_CACHE_STRIPES; i++)
		pthread_mutex_destroy(&c->stripes[i]);
	free(c);
}

struct node_cache *node_cache_of(struct ll_store *st)
{
	return store_memo(st, "ledger nodes", make, release);
}

bool node_cache_get(struct node_cache *c, unsigned level, uint64_t index, unsigned char out[MERKLE_HASH_BYTES])
{
	uint64_t key = node_key(level, index);
	uint32_t i = slot_of(key);
	pthread_mutex_t *m = &c->stripes[i % NODE_CACHE_STRIPES];
	pthread_mutex_lock(m);
	bool is_found = c->slots[i].key == key;
	if (is_found)
		memcpy(out, c->slots[i].hash, MERKLE_HASH_BYTES);
	pthread_mutex_unlock(m);
	return is_found;
}

void node_cache_put(struct node_cache *c, unsigned level, uint64_t index, const unsigned char hash[MERKLE_HASH_BYTES])
{
	uint64_t key = node_key(level, index);
	uint32_t i = slot_of(key);
	pthread_mutex_t *m = &c->stripes[i % NODE_CACHE_STRIPES];
	pthread_mutex_lock(m);
	c->slots[i].key = key;
	memcpy(c->slots[i].hash, hash, MERKLE_HASH_BYTES);
	pthread_mutex_unlock(m);
}
