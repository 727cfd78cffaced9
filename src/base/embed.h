/*
 * Files compiled into the binary (schema migrations, reference data), so that the installed
 * program needs nothing from the source tree. Tables end with an entry whose name is NULL.
 */
#ifndef LL_EMBED_H
#define LL_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *name;
	const char *data;
	size_t len;
};

extern const struct embedded_file embedded_migrations[];
extern const struct embedded_file embedded_data[];

/* The embedded file called name in table, or NULL. */
const struct embedded_file *embed_find(const struct embedded_file *table, const char *name);

#endif
