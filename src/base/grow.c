#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

bool grow(void *items, size_t *cap, size_t n, size_t elem_size, size_t first)
{
	if (n < *cap)
		return true;
	size_t want = *cap ? 2 * *cap : (first > n ? first : n + 1);
	if (want <= n || want > SIZE_MAX / elem_size)
		return false;
	void *old;
	memcpy(&old, items, sizeof(old));
	void *p = realloc(old, want * elem_size);
	if (!p)
		return false;
	memcpy(items, &p, sizeof(p));
	*cap = want;
	return true;
}
