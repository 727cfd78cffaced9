/*
 * A bump allocator with a byte cap. A request's arena holds everything that request allocates;
 * it is reset when the request completes and nothing in it is freed by hand. Long-lived objects
 * never live in an arena.
 */
#ifndef LL_ARENA_H
#define LL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used;     /* bytes handed out since the last reset */
	size_t cap;      /* most bytes this arena may hand out; 0 means no cap */
	int is_full;     /* set once an allocation was refused for the cap */
};

/* Prepares an empty arena that hands out at most cap bytes (0: no cap). */
void arena_init(struct arena *a, size_t cap);
/* Forgets every allocation and frees every chunk but one of ordinary size, kept for reuse. */
void arena_reset(struct arena *a);
/* Frees every chunk. The arena may be initialised again. */
void arena_release(struct arena *a);

/* Returns n zeroed bytes aligned for any type, or NULL when the cap or memory runs out.
 * Arena-owned. */
void *arena_alloc(struct arena *a, size_t n);
/* Copies s (NULL gives NULL). Arena-owned. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
/* printf into the arena. Arena-owned. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

#endif
