/*
 * The budget of failures per address. Each address keeps one time, tat: when its failures so far
 * will have been paid off at one per interval. An address may try while one more failure would
 * leave tat at most burst intervals ahead of now. Addresses live in a fixed table found by hash
 * with a short probe; when every slot of the probe is taken, the one paid off earliest is reused.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "guesses.h"

#define PROBE 8

struct slot {
	unsigned char addr[16];
	int64_t tat;              /* 0: free */
};

struct guess_limit {
	pthread_mutex_t lock;
	int burst;
	int64_t interval_us;
	int n;
	struct slot slots[];
};

struct guess_limit *guess_limit_new(int burst, int64_t interval_us, int slots)
{
	if (burst < 1 || interval_us < 1 || slots < PROBE)
		return NULL;
	struct guess_limit *g = calloc(1, sizeof(*g) + (size_t)slots * sizeof(struct slot));
	if (!g)
		return NULL;
	pthread_mutex_init(&g->lock, NULL);
	g->burst = burst;
	g->interval_us = interval_us;
	g->n = slots;
	return g;
}

void guess_limit_free(struct guess_limit *g)
{
	if (!g)
		return;
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* addr as 16 bytes: IPv4 as an IPv4-mapped IPv6 address, IPv6 cut to its /64, anything else
 * hashed. */
static void key_of(const char *addr, unsigned char key[16])
{
	memset(key, 0, 16);
	struct in_addr v4;
	if (inet_pton(AF_INET, addr, &v4) == 1) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &v4, 4);
		return;
	}
	if (inet_pton(AF_INET6, addr, key) == 1) {
		/* An IPv4-mapped address is its IPv4 address; any other by its /64. */
		static const unsigned char MAPPED[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(key, MAPPED, 12) != 0)
			memset(key + 8, 0, 8);
		return;
	}
	uint64_t h = 1469598103934665603ull;
	for (const char *p = addr; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	key[0] = 0xfe;
	memcpy(key + 8, &h, 8);
}

static uint64_t hash_of(const unsigned char key[16])
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return h;
}

/* addr's slot, or when is_new the slot it takes (the one paid off earliest); NULL when absent. */
static struct slot *find(struct guess_limit *g, const unsigned char key[16], bool is_new)
{
	uint64_t h = hash_of(key);
	struct slot *oldest = NULL;
	for (int i = 0; i < PROBE; i++) {
		struct slot *s = &g->slots[(h + (uint64_t)i) % (uint64_t)g->n];
		if (s->tat && memcmp(s->addr, key, 16) == 0)
			return s;
		if (!oldest || s->tat < oldest->tat)
			oldest = s;
	}
	if (!is_new)
		return NULL;
	memcpy(oldest->addr, key, 16);
	oldest->tat = 0;
	return oldest;
}

bool guess_limit_allows(struct guess_limit *g, const char *addr, int64_t now_us, int *ret_wait_s)
{
	*ret_wait_s = 0;
	if (!g)
		return true;
	unsigned char key[16];
	key_of(addr ? addr : "", key);
	pthread_mutex_lock(&g->lock);
	const struct slot *s = find(g, key, false);
	int64_t ahead = s ? s->tat - now_us : 0;
	/* One more failure must fit in burst intervals. */
	int64_t limit = (int64_t)(g->burst - 1) * g->interval_us;
	pthread_mutex_unlock(&g->lock);
	if (ahead <= limit)
		return true;
	*ret_wait_s = (int)((ahead - limit + 999999) / 1000000);
	return false;
}

void guess_limit_fail(struct guess_limit *g, const char *addr, int64_t now_us)
{
	if (!g)
		return;
	unsigned char key[16];
	key_of(addr ? addr : "", key);
	pthread_mutex_lock(&g->lock);
	struct slot *s = find(g, key, true);
	s->tat = (s->tat > now_us ? s->tat : now_us) + g->interval_us;
	pthread_mutex_unlock(&g->lock);
}
