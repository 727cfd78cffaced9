/*
 * The learning record store of a serving process: its statement writer, the caches of IRI
 * numbers and client credentials, and the homePage of the city's lifelong accounts. Started once
 * by `lifelong serve`, stopped after the HTTP server stops taking requests.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lrs.h"

enum ll_err lrs_service_start(struct ll_store *st, const struct ll_keys *keys, const char *home_page,
			      struct lrs_service **ret)
{
	struct lrs_service *s = calloc(1, sizeof(*s));
	if (!s)
		return ll_fail(LL_NOMEM, NULL, NULL);
	s->st = st;
	s->keys = keys;
	snprintf(s->home_page, sizeof(s->home_page), "%s", home_page ? home_page : LRS_HOME_PAGE_DEFAULT);
	s->cache = lrs_cache_new();
	s->clients = lrs_clients_new();
	enum ll_err err = s->cache && s->clients ? lrs_writer_start(st, s->cache, s->home_page, &s->writer)
						 : ll_fail(LL_NOMEM, NULL, NULL);
	if (err != LL_OK) {
		lrs_service_stop(s);
		return err;
	}
	*ret = s;
	return LL_OK;
}

void lrs_service_drain(struct lrs_service *s)
{
	if (s)
		lrs_writer_drain(s->writer);
}

struct lrs_service *lrs_service_stop(struct lrs_service *s)
{
	if (!s)
		return NULL;
	lrs_writer_stop(s->writer);
	lrs_cache_free(s->cache);
	lrs_clients_free(s->clients);
	free(s);
	return NULL;
}
