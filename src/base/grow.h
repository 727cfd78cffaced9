/*
 * Growing a malloc'd array one element at a time, doubling its capacity when it is full.
 */
#ifndef LL_GROW_H
#define LL_GROW_H

#include <stdbool.h>
#include <stddef.h>

/* Makes room for element n of the array whose address is items (a T ** passed as void *), which
 * has room for *cap elements of elem_size bytes: when n reaches *cap, the capacity doubles (the
 * first time to first) and the array is reallocated. False when out of memory; the array is then
 * unchanged. */
bool grow(void *items, size_t *cap, size_t n, size_t elem_size, size_t first);

#endif
