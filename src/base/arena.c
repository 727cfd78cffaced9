/*
 * Arena allocation in chunks of at least 16 KiB. The first chunk survives a reset so that a
 * thread's steady state allocates nothing from malloc.
 */
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_CHUNK (16 * 1024)
#define ARENA_ALIGN 16

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

void arena_init(struct arena *a, size_t cap)
{
	a->head = NULL;
	a->used = 0;
	a->cap = cap;
	a->is_full = 0;
}

void arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head;
	if (c) {
		while (c->next) {
			struct arena_chunk *next = c->next;
			c->next = next->next;
			free(next);
		}
		c->used = 0;
		/* An outsized chunk from one large request is not worth keeping for the next. */
		if (c->size > 4 * ARENA_MIN_CHUNK) {
			free(c);
			a->head = NULL;
		}
	}
	a->used = 0;
	a->is_full = 0;
}

void arena_release(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need < n || (a->cap && a->used + need > a->cap)) {
		a->is_full = 1;
		return NULL;
	}
	/* Only the head chunk takes new allocations; older chunks are full or nearly so. */
	struct arena_chunk *c = a->head;
	if (!c || c->size - c->used < need) {
		size_t size = need > ARENA_MIN_CHUNK ? need : ARENA_MIN_CHUNK;
		struct arena_chunk *fresh = malloc(sizeof(*fresh) + size);
		if (!fresh)
			return NULL;
		fresh->size = size;
		fresh->used = 0;
		fresh->next = c;
		a->head = fresh;
		c = fresh;
	}
	void *p = c->data + c->used;
	c->used += need;
	a->used += need;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
	void *q = arena_alloc(a, n ? n : 1);
	if (q && n)
		memcpy(q, p, n);
	return q;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0)
		return NULL;
	char *p = arena_alloc(a, (size_t)len + 1);
	if (p)
		vsnprintf(p, (size_t)len + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
