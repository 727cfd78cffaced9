/*
 * A hash map from strings to 64-bit values, for the bookkeeping of bulk work (a person's place in
 * a batch, account numbers already resolved, external ids already seen in a file). Keys are
 * copied into the map's own storage; it grows as needed. Not thread-safe.
 */
#ifndef LL_STRMAP_H
#define LL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap;

/* An empty map; NULL when out of memory. Caller frees with strmap_free. */
struct strmap *strmap_new(void);
/* Frees m (NULL is fine); returns NULL. */
struct strmap *strmap_free(struct strmap *m);
/* Removes every key (keeps the memory for reuse). */
void strmap_clear(struct strmap *m);
/* The value of key into *ret_value; false when absent. */
bool strmap_get(const struct strmap *m, const char *key, int64_t *ret_value);
/* Sets key to value; false when out of memory (the map is then unchanged). */
bool strmap_put(struct strmap *m, const char *key, int64_t value);
size_t strmap_count(const struct strmap *m);

#endif
