/*
 * The HTTP server: libmicrohttpd with a thread pool and epoll, serving the route table and the
 * built portal. Start-up binds and returns; the caller waits for a signal and stops it.
 */
#ifndef LL_SERVER_H
#define LL_SERVER_H

#include <stdint.h>

#include "http.h"

struct server_options {
	const char *listen;            /* "127.0.0.1:8080", "[::1]:8080" or ":8080" */
	unsigned threads;              /* 0: number of processors */
	unsigned max_connections;      /* 0: 1024 */
	unsigned max_per_ip;           /* 0: 256 */
	unsigned timeout_s;            /* idle connection timeout; 0: 30 */
	size_t max_header_bytes;       /* request line and headers; 0: 16 KiB */
	size_t max_url_bytes;          /* 0: 2048 */
};

struct server;

/* Starts serving app on opt->listen. Caller stops with server_stop. */
enum ll_err server_start(struct app *app, const struct server_options *opt, struct server **ret_server);
/* Stops accepting, waits for requests in flight, frees; accepts NULL; returns NULL. */
struct server *server_stop(struct server *srv);
/* The port actually bound (useful with port 0). */
uint16_t server_port(const struct server *srv);

#endif
