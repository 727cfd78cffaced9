/* lifelong serve: open the store, bring the schema up to date, serve until SIGINT or SIGTERM. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../auth/auth.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../base/log.h"
#include "../credentials/credentials.h"
#include "../federation/federation.h"
#include "../http/fetch.h"
#include "../http/guesses.h"
#include "../http/metrics.h"
#include "../http/server.h"
#include "../ledger/ledger.h"
#include "../lrs/lrs.h"
#include "../points/points.h"
#include "../store/store.h"
#include "cli.h"

static volatile sig_atomic_t stop_requested;
/* The background worker's stop flag: set after the HTTP server stops taking requests. */
static volatile int worker_stop;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* The background worker: runs import jobs one after another (those uploaded here, those another
 * server left unfinished), turns new statements and deposits into check-ins and points, deposits
 * the completions of catalogued units, and looks again a few times a second when nothing waits. */
struct worker {
	struct ll_store *st;
	const char *home_page;
};

/* The federation's worker: fills in the regional hashes of persons, then runs persons' fetches of
 * their records from peers as they fall due (network waits stay off the other worker). */
static void *fetcher_main(void *arg)
{
	const struct fed_fetcher *f = arg;
	int64_t n = 0;
	enum ll_err err = fed_subjects_catch_up(f->st, f->keys, &n);
	if (err != LL_OK)
		log_error("federation", "regional hashes: %s", ll_error_get(err)->message);
	else if (n > 0)
		log_info("federation", "regional hashes made for %lld persons", (long long)n);
	while (!worker_stop) {
		bool ran = false;
		err = fed_fetch_run_due(f, clock_now_us(), &ran);
		if (err != LL_OK && !worker_stop)
			log_error("federation", "fetching records: %s", ll_error_get(err)->message);
		if (!ran || err != LL_OK)
			usleep(200 * 1000);
	}
	return NULL;
}

static void *worker_main(void *arg)
{
	const struct worker *w = arg;
	struct ll_store *st = w->st;
	char host[64] = "localhost", worker[96];
	gethostname(host, sizeof(host) - 1);
	snprintf(worker, sizeof(worker), "%s:%ld", host, (long)getpid());
	while (!worker_stop) {
		bool ran = false;
		enum ll_err err = import_run(st, NULL, worker, &worker_stop, NULL, NULL, &ran);
		if (err != LL_OK && !worker_stop)
			log_error("import", "import worker: %s", ll_error_get(err)->message);
		int followed = 0, deposited = 0;
		enum ll_err follow_err = points_follow(st, 500, &followed);
		if (follow_err != LL_OK && !worker_stop)
			log_error("points", "points worker: %s", ll_error_get(follow_err)->message);
		follow_err = lrs_deposit_follow(st, w->home_page, 100, &deposited);
		if (follow_err != LL_OK && !worker_stop)
			log_error("lrs", "depositing completions: %s", ll_error_get(follow_err)->message);
		if ((!ran || err != LL_OK) && followed == 0 && deposited == 0)
			usleep(200 * 1000);
	}
	return NULL;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "listen", required_argument, NULL, 'l' },    { "web", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },   { "timeout", required_argument, NULL, 'T' },
		{ "max-per-ip", required_argument, NULL, 'P' }, { "access-log", required_argument, NULL, 'a' },
		{ "secure-cookies", no_argument, NULL, 'S' },  { "home-page", required_argument, NULL, 'H' },
		{ "local-issuer", required_argument, NULL, 'L' }, { "node-id", required_argument, NULL, 'N' },
		{ "federation-page", required_argument, NULL, 'F' }, { "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const char help[] =
		"usage: lifelong serve [--db URL] [--key-file FILE] [--listen ADDR:PORT] [--web DIR]\n\n"
		"Serves the API and the web portal until interrupted.\n\n" CLI_COMMON_HELP
		"  --listen ADDR:PORT  address to listen on (default 127.0.0.1:8080; ':8080' for all)\n"
		"  --web DIR           built portal to serve at / (default web/dist when it exists)\n"
		"  --threads N         server threads (default 4 per processor)\n"
		"  --timeout S         seconds an idle or slow connection may stay open (default 30)\n"
		"  --max-per-ip N      connections one client address may hold (default 256)\n"
		"  --access-log FILE   one JSON line per request ('-' for stderr, the default; 'off')\n"
		"  --secure-cookies    mark cookies Secure (when served behind TLS)\n"
		"  --home-page URL     the homePage of lifelong accounts in xAPI statements (default "
		LRS_HOME_PAGE_DEFAULT ")\n"
		"  --local-issuer HOST another issuer on this city's own network: its did:web documents and status\n"
		"                      lists are fetched over http too, and at private addresses (repeatable)\n"
		"  --node-id ID        this credit bank's node in the Yangtze River Delta federation: 2 to 8\n"
		"                      capital letters (default SH)\n"
		"  --federation-page N records asked of a peer per request when fetching a person's records\n"
		"                      (1 to 100, default 100)\n";
	struct cli_common common;
	cli_common_init(&common);
	struct server_options so = { .listen = "127.0.0.1:8080" };
	const char *web = NULL, *access_log = "-", *home_page = NULL, *node_id = "SH";
	int federation_page = 100;
	const char *local_issuers[16];
	struct fetch_policy fetch = { .local_hosts = local_issuers };
	bool is_secure = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': so.listen = optarg; break;
		case 'w': web = optarg; break;
		case 't': so.threads = (unsigned)atoi(optarg); break;
		case 'T': so.timeout_s = (unsigned)atoi(optarg); break;
		case 'P': so.max_per_ip = (unsigned)atoi(optarg); break;
		case 'a': access_log = optarg; break;
		case 'S': is_secure = true; break;
		case 'H': home_page = optarg; break;
		case 'L':
			if (fetch.n_local_hosts == (int)(sizeof(local_issuers) / sizeof(local_issuers[0]))) {
				fprintf(stderr, "lifelong serve: at most %zu --local-issuer\n",
					sizeof(local_issuers) / sizeof(local_issuers[0]));
				return 64;
			}
			local_issuers[fetch.n_local_hosts++] = optarg;
			break;
		case 'N': node_id = optarg; break;
		case 'F':
			federation_page = atoi(optarg);
			if (federation_page < 1 || federation_page > 100) {
				fprintf(stderr, "lifelong serve: --federation-page is a whole number from 1 to 100\n");
				return 64;
			}
			break;
		case 'h': fputs(help, stdout); return 0;
		default:
			if (!cli_common_option(&common, c, optarg))
				return 64;
			break;
		}
	}
	if (!fed_node_id_is_valid(node_id)) {
		fprintf(stderr, "lifelong serve: --node-id is 2 to 8 capital letters (SH, JS, ZJ, AH)\n");
		return 64;
	}
	if (!web && access("web/dist/index.html", R_OK) == 0)
		web = "web/dist";
	if (!so.threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		so.threads = (unsigned)(n > 0 ? n : 2) * 4;
	}
	FILE *access_file = NULL;
	if (strcmp(access_log, "off") == 0) {
		log_set_access_file(NULL);
	} else if (strcmp(access_log, "-") != 0) {
		access_file = fopen(access_log, "a");
		if (!access_file) {
			fprintf(stderr, "lifelong serve: cannot open access log '%s'\n", access_log);
			return 73;
		}
		log_set_access_file(access_file);
	}
	struct ll_store *st = NULL;
	struct ll_keys *keys = NULL;
	struct server *srv = NULL;
	struct app app = { .web_dir = web, .is_cookie_secure = is_secure };
	struct cred_issuer issuer;
	/* One database connection per server thread, one for the odd background task and one the
	 * statement writer keeps. */
	enum ll_err err = cli_open_pool(&common, (int)so.threads + 2, &st, &keys);
	if (err != LL_OK)
		goto out;
	app.st = st;
	app.keys = keys;
	app.metrics = metrics_new(routes_count);
	/* Each hash holds 64 MiB for ~85 ms: as many at once as there are processors, and a short queue
	 * that leaves most server threads free for everything else. */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	app.pw_gate = pw_gate_new(ncpu > 0 ? (int)ncpu : 2, (int)so.threads / 2);
	/* Share links: 20 unknown ones per address, then one each 30 seconds. */
	app.share_guesses = guess_limit_new(20, 30 * 1000000LL, 65536);
	/* Other issuers' keys and status lists, for verifying their credentials. */
	if ((err = fetch_init()) != LL_OK)
		goto out;
	app.resolver = cred_resolver_new(&fetch);
	app.fetch = &fetch;
	app.node_id = node_id;
	if (!app.metrics || !app.pw_gate || !app.share_guesses || !app.resolver) {
		err = ll_fail(LL_NOMEM, NULL, NULL);
		goto out;
	}
	if ((err = lrs_service_start(st, keys, home_page, &app.lrs)) != LL_OK)
		goto out;
	/* Credentials are issued at the city's public address, where lifelong accounts live. */
	if ((err = cred_issuer_init(app.lrs->home_page, &issuer)) != LL_OK || (err = cred_keys_ensure(st, keys)) != LL_OK)
		goto out;
	/* Another province's node issues in its own credit bank's name. */
	if (strcmp(node_id, "SH") != 0 && fed_node_name(node_id, false)) {
		issuer.name = fed_node_name(node_id, false);
		issuer.name_en = fed_node_name(node_id, true);
	}
	app.issuer = &issuer;
	err = server_start(&app, &so, &srv);
	if (err != LL_OK)
		goto out;
	pthread_t worker;
	struct worker w = { st, app.lrs->home_page };
	bool has_worker = pthread_create(&worker, NULL, worker_main, &w) == 0;
	if (!has_worker)
		log_error("serve", "cannot start the background worker: imports wait for another server");
	pthread_t fetcher;
	const struct fed_fetcher ff = { .st = st, .keys = keys, .iss = &issuer, .own_id = node_id, .policy = &fetch,
					.page = federation_page, .stop = &worker_stop };
	bool has_fetcher = pthread_create(&fetcher, NULL, fetcher_main, (void *)&ff) == 0;
	if (!has_fetcher)
		log_error("serve", "cannot start the federation's worker: records are not fetched from peers");
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info("serve", "listening on %s (port %u), %u threads, portal %s", so.listen, server_port(srv), so.threads,
		 web ? web : "off");
	printf("Lifelong is serving on http://%s/\n", so.listen[0] == ':' ? "localhost:8080" : so.listen);
	fflush(stdout);
	/* The main thread's only work: write out buffered access-log lines a few times a second. */
	while (!stop_requested) {
		usleep(250 * 1000);
		log_flush();
	}
	log_info("serve", "stopping");
	worker_stop = 1;
	if (has_worker)
		pthread_join(worker, NULL);
	if (has_fetcher)
		pthread_join(fetcher, NULL);
out:
	/* Requests waiting for the statement writer are answered before the server stops. */
	lrs_service_drain(app.lrs);
	srv = server_stop(srv);
	app.lrs = lrs_service_stop(app.lrs);
	log_flush();
	metrics_free(app.metrics);
	pw_gate_free(app.pw_gate);
	guess_limit_free(app.share_guesses);
	cred_resolver_free(app.resolver);
	store_close(st);
	keys_free(keys);
	if (access_file)
		fclose(access_file);
	return err == LL_OK ? 0 : cli_report(err);
}
