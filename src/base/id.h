/*
 * Public ids: UUIDv7 (RFC 9562), time-ordered so that inserts land at the end of an index.
 */
#ifndef LL_ID_H
#define LL_ID_H

#include <stdbool.h>
#include <stdint.h>

#define LL_ID_LEN 36
typedef struct { char s[LL_ID_LEN + 1]; } ll_id;

/* A new UUIDv7 for the current time. */
void id_new(ll_id *ret_id);
/* A UUIDv7 from a given millisecond time and 10 random-looking bytes (for deterministic data). */
void id_from_parts(int64_t unix_ms, const uint8_t rand10[10], ll_id *ret_id);
/* True if s is a canonical lowercase UUID string. */
bool id_is_valid(const char *s);

#endif
