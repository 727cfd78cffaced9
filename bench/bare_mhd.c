/*
 * The ceiling for the HTTP benchmark: libmicrohttpd with the flags and thread pool that
 * src/http/server.c uses, answering every request with a fixed JSON body about the size of
 * GET /api/v1/me (327 bytes), queued on the second access-handler call (as server.c does, so that
 * connections stay alive). Nothing else: no routing, no session, no database, no log. It must
 * never grow features; its only use is to say how fast the bare library is on this machine.
 *
 *   bare_mhd [--port N] [--threads N]     (defaults: 8090, four per processor like `lifelong serve`)
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The answer of GET /api/v1/me for a city administrator, byte for byte in shape and size. */
static const char body[] =
	"{\"id\":\"01a20a00-b337-763d-a5c6-218bba566f82\",\"login\":\"bench.admin\",\"role\":\"city_admin\","
	"\"display_name\":\"bench.admin\",\"institution\":null,\"district\":null,\"person_id\":null,"
	"\"elder_mode\":false,\"locale\":\"zh-CN\",\"created_at\":\"2026-11-23T20:02:27.767220Z\","
	"\"csrf_token\":\"a6d310a84faca67d126e9057e7e2fac9ccbb29873529581ebdf4ba598bb4bf27\"}";

static struct MHD_Response *response;
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	/* libmicrohttpd 0.9.75 closes the connection when the response is queued on the first call. */
	if (!*con_cls) {
		*con_cls = (void *)1;
		return MHD_YES;
	}
	*upload_data_size = 0;
	return MHD_queue_response(conn, MHD_HTTP_OK, response);
}

int main(int argc, char **argv)
{
	unsigned port = 8090;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = (unsigned)(ncpu > 0 ? ncpu : 2) * 4;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0)
			port = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--threads") == 0)
			threads = (unsigned)atoi(argv[i + 1]);
	}
	response = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!response)
		return 1;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
	MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, access_cb,
		NULL, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 1024u,
		MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare_mhd: cannot listen on port %u\n", port);
		return 1;
	}
	printf("bare_mhd: port %u, %u threads, %zu-byte body\n", port, threads, sizeof(body) - 1);
	fflush(stdout);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop_requested)
		pause();
	MHD_stop_daemon(d);
	MHD_destroy_response(response);
	return 0;
}
