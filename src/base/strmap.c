/* Open addressing with linear probing over FNV-1a hashes; keys live in one growing byte pool. */
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct slot {
	uint64_t hash;
	size_t key_off;   /* into pool; SIZE_MAX: empty */
	int64_t value;
};

struct strmap {
	struct slot *slots;
	size_t cap;       /* power of two */
	size_t count;
	char *pool;
	size_t pool_len, pool_cap;
};

static uint64_t hash_of(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static bool slots_alloc(struct strmap *m, size_t cap)
{
	struct slot *s = malloc(cap * sizeof(*s));
	if (!s)
		return false;
	for (size_t i = 0; i < cap; i++)
		s[i].key_off = SIZE_MAX;
	m->slots = s;
	m->cap = cap;
	return true;
}

struct strmap *strmap_new(void)
{
	struct strmap *m = calloc(1, sizeof(*m));
	if (!m || !slots_alloc(m, 64)) {
		free(m);
		return NULL;
	}
	return m;
}

struct strmap *strmap_free(struct strmap *m)
{
	if (m) {
		free(m->slots);
		free(m->pool);
		free(m);
	}
	return NULL;
}

void strmap_clear(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		m->slots[i].key_off = SIZE_MAX;
	m->count = 0;
	m->pool_len = 0;
}

static struct slot *find(const struct strmap *m, const char *key, uint64_t h)
{
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct slot *s = &m->slots[i];
		if (s->key_off == SIZE_MAX || (s->hash == h && strcmp(m->pool + s->key_off, key) == 0))
			return s;
	}
}

bool strmap_get(const struct strmap *m, const char *key, int64_t *ret_value)
{
	const struct slot *s = find(m, key, hash_of(key));
	if (s->key_off == SIZE_MAX)
		return false;
	*ret_value = s->value;
	return true;
}

static bool grow(struct strmap *m)
{
	struct slot *old = m->slots;
	size_t old_cap = m->cap;
	if (!slots_alloc(m, old_cap * 2)) {
		m->slots = old;
		m->cap = old_cap;
		return false;
	}
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i].key_off == SIZE_MAX)
			continue;
		struct slot *s = find(m, old[i].key_off + m->pool, old[i].hash);
		*s = old[i];
	}
	free(old);
	return true;
}

bool strmap_put(struct strmap *m, const char *key, int64_t value)
{
	uint64_t h = hash_of(key);
	struct slot *s = find(m, key, h);
	if (s->key_off != SIZE_MAX) {
		s->value = value;
		return true;
	}
	size_t n = strlen(key) + 1;
	if (m->pool_len + n > m->pool_cap) {
		size_t cap = m->pool_cap ? m->pool_cap * 2 : 4096;
		while (cap < m->pool_len + n)
			cap *= 2;
		char *p = realloc(m->pool, cap);
		if (!p)
			return false;
		m->pool = p;
		m->pool_cap = cap;
	}
	/* Keep the load under a half, so that probes stay short. */
	if ((m->count + 1) * 2 > m->cap) {
		if (!grow(m))
			return false;
		s = find(m, key, h);
	}
	memcpy(m->pool + m->pool_len, key, n);
	s->hash = h;
	s->key_off = m->pool_len;
	s->value = value;
	m->pool_len += n;
	m->count++;
	return true;
}

size_t strmap_count(const struct strmap *m)
{
	return m->count;
}
