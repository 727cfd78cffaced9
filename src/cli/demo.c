/*
 * lifelong demo: fills a database with the synthetic demo city (src/demo/), shows its progress
 * on a terminal, and ends with the table of demo sign-ins and the time it took. Progress goes to
 * stderr and the sign-ins to stdout, so that `lifelong demo ... | tee FILE` keeps the sign-ins.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/clock.h"
#include "../base/crypto.h"
#include "../demo/demo.h"
#include "../store/store.h"
#include "cli.h"

static const char help[] =
	"usage: lifelong demo [--persons N] [--seed S] [--db URL] [--key-file FILE] [--batch-rows N] [--no-outcomes]\n\n"
	"Fills a database (migrated first) with a synthetic Shanghai: institutions of every type in the 16\n"
	"districts, one staff user per role, and N residents spread over the districts as the 2020\n"
	"census counts them, with valid ID numbers, account numbers, committees, phones (about 70%)\n"
	"and activations (about a third), and each resident's learning history in the credit bank's\n"
	"ledger: a couple of dozen outcomes on average across kinds, institutions and years, some\n"
	"corrected or revoked. The same seed on an empty database gives the same data.\n"
	"Every demo user, and every activated resident (by account number or phone), signs in with\n"
	"the password " DEMO_PASSWORD "; the run ends with a table of one sign-in per role.\n\n"
	"The demo refuses a database that already holds demo data (user '" DEMO_MARKER_LOGIN "'),\n"
	"with error 'conflict' (exit status 65). A run that fails half-way leaves what it wrote:\n"
	"start again on an empty database. The secondary indexes of persons and ledger entries are\n"
	"dropped while the rows are written into the empty tables and rebuilt at the end.\n\n"
	"  --persons N       residents to create (default 10000; at most 100000000)\n"
	"  --seed S          seed of the generator (default 1)\n"
	"  --batch-rows N    residents per transaction (default 50000)\n"
	"  --no-outcomes     residents only, no learning histories\n" CLI_COMMON_HELP;

/* Draws a progress bar on a terminal, or a plain line every tenth without one. */
struct progress {
	bool is_tty;
	int64_t t0_us;
	int64_t last_draw_us;
	int last_tenth;
	bool is_finished;  /* the bar reached 100% and its line ended */
};

static void progress_draw(const char *phase, int64_t done, int64_t total, void *ctx)
{
	struct progress *p = ctx;
	int64_t now = clock_mono_us();
	if (strcmp(phase, "indexes") == 0) {
		if (p->is_tty || p->last_tenth > 0)
			fprintf(stderr, "lifelong demo: rebuilding indexes\n");
		return;
	}
	double secs = (double)(now - p->t0_us) / 1e6;
	double rate = secs > 0 ? (double)done / secs : 0;
	int pct = total > 0 ? (int)(done * 100 / total) : 100;
	if (p->is_tty) {
		if (p->is_finished || (now - p->last_draw_us < 100000 && done < total))
			return;
		p->last_draw_us = now;
		char bar[31];
		int fill = pct * 30 / 100;
		for (int i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '-';
		bar[30] = '\0';
		fprintf(stderr, "\r[%s] %3d%%  %lld/%lld persons  %.0f persons/s ", bar, pct, (long long)done,
			(long long)total, rate);
		if (done >= total) {
			fputc('\n', stderr);
			p->is_finished = true;
		}
		fflush(stderr);
		return;
	}
	/* Without a terminal (logs, CI) a line every tenth, and only for runs long enough to want it. */
	int tenth = total > 0 ? (int)(done * 10 / total) : 10;
	if (total >= 100000 && tenth > p->last_tenth) {
		p->last_tenth = tenth;
		fprintf(stderr, "lifelong demo: %d%% (%lld of %lld persons, %.0f persons/s)\n", tenth * 10, (long long)done,
			(long long)total, rate);
	}
}

static bool parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "persons", required_argument, NULL, 'n' }, { "seed", required_argument, NULL, 's' },
		{ "batch-rows", required_argument, NULL, 'b' }, { "no-outcomes", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct cli_common common;
	cli_common_init(&common);
	struct demo_options opt = { .persons = 10000, .seed = 1, .with_outcomes = true };
	int64_t v;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!parse_i64(optarg, 1, DEMO_MAX_PERSONS, &opt.persons)) {
				fprintf(stderr, "lifelong demo: --persons must be a whole number from 1 to %lld\n",
					DEMO_MAX_PERSONS);
				return 64;
			}
			break;
		case 's':
			if (!parse_i64(optarg, 0, INT64_MAX, &v)) {
				fprintf(stderr, "lifelong demo: --seed must be a whole number from 0\n");
				return 64;
			}
			opt.seed = (uint64_t)v;
			break;
		case 'b':
			if (!parse_i64(optarg, 1, 1000000, &v)) {
				fprintf(stderr, "lifelong demo: --batch-rows must be a whole number from 1 to 1000000\n");
				return 64;
			}
			opt.batch_rows = (int)v;
			break;
		case 'O':
			opt.with_outcomes = false;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			if (!cli_common_option(&common, c, optarg))
				return 64;
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lifelong demo: unexpected argument '%s'\n", argv[optind]);
		return 64;
	}
	struct ll_store *st = NULL;
	struct ll_keys *keys = NULL;
	struct demo_summary sum;
	struct progress prog = { .is_tty = isatty(STDERR_FILENO) == 1, .t0_us = clock_mono_us() };
	opt.on_progress = progress_draw;
	opt.progress_ctx = &prog;
	enum ll_err err = cli_open(&common, &st, &keys);
	if (err == LL_OK)
		err = demo_generate(st, keys, &opt, &sum);
	store_close(st);
	keys_free(keys);
	if (err != LL_OK) {
		if (prog.is_tty && prog.last_draw_us && !prog.is_finished)
			fputc('\n', stderr);
		return cli_report(err);
	}
	double secs = (double)sum.elapsed_us / 1e6;
	printf("Demo city: %lld persons (%lld activated, %lld with a phone), %d institutions, %lld users.\n",
	       (long long)sum.persons, (long long)sum.activated, (long long)sum.with_phone, sum.institutions,
	       (long long)sum.users);
	if (sum.entries > 0)
		printf("Credit bank: %lld ledger entries of learning outcomes.\n", (long long)sum.entries);
	if (sum.statements)
		printf("Learning record store: %lld xAPI statements from 上海开放大学's platform 上海学习网, whose "
		       "credentials are key %s, secret %s (HTTP Basic at /xapi).\n",
		       (long long)sum.statements, sum.xapi_key, sum.xapi_secret);
	printf("Written in %.1f s (%.0f persons/s).\n\n", secs, secs > 0 ? (double)sum.persons / secs : 0.0);
	printf("Demo sign-ins, all with the password %s:\n\n", DEMO_PASSWORD);
	printf("  %-18s %-18s %s\n", "ROLE", "LOGIN", "WHO");
	for (int i = 0; i < sum.n_sign_ins; i++)
		printf("  %-18s %-18s %s\n", sum.sign_ins[i].role, sum.sign_ins[i].login, sum.sign_ins[i].who);
	printf("\nEvery activated resident signs in the same way with their account number or phone.\n");
	return 0;
}
