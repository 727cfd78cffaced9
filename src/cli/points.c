/*
 * lifelong points follow: makes the check-ins and awards of every statement and deposit not yet
 * followed (what the background worker of `lifelong serve` does continuously).
 * lifelong points verify: checks that every points transaction balances and that every stored
 * balance is the sum of its postings. Exit code 0 when all of it holds, 65 when something does not.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../base/crypto.h"
#include "../points/points.h"
#include "../store/store.h"
#include "cli.h"

static const char usage[] = "usage: lifelong points follow|verify [OPTIONS]\n";

static int points_cmd(int argc, char **argv, bool is_verify)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { "help", no_argument, NULL, 'h' }, { 0 } };
	static const char follow_help[] =
		"usage: lifelong points follow [OPTIONS]\n\n"
		"Turns the statements stored and the outcomes deposited since the last follow into check-ins and\n"
		"points, as the background worker of 'lifelong serve' does, and prints how many it looked at.\n\n"
		CLI_COMMON_HELP;
	static const char verify_help[] =
		"usage: lifelong points verify [OPTIONS]\n\n"
		"Checks the points ledger: every transaction's postings sum to zero, and every balance equals the\n"
		"sum of its postings. Exits with 65 when something does not hold, 0 when everything does.\n\n"
		CLI_COMMON_HELP;
	const char *help = is_verify ? verify_help : follow_help;
	struct cli_common common;
	cli_common_init(&common);
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_common_option(&common, c, optarg))
			continue;
		if (c == 'h') {
			fputs(help, stdout);
			return 0;
		}
		fputs(help, stderr);
		return 64;
	}
	struct ll_store *st = NULL;
	struct ll_keys *keys = NULL;
	enum ll_err err = cli_open(&common, &st, &keys);
	struct points_check check = { 0 };
	long long followed = 0;
	if (err == LL_OK && is_verify) {
		err = points_verify(st, &check);
	} else if (err == LL_OK) {
		int done;
		do {
			err = points_follow(st, 5000, &done);
			followed += done;
		} while (err == LL_OK && done > 0);
	}
	store_close(st);
	keys_free(keys);
	if (err != LL_OK)
		return cli_report(err);
	if (!is_verify) {
		printf("followed %lld statements and deposits\n", followed);
		return 0;
	}
	if (check.unbalanced || check.wrong_balances) {
		fprintf(stderr, "lifelong points verify: FAILED: %lld unbalanced transactions, %lld wrong balances\n",
			(long long)check.unbalanced, (long long)check.wrong_balances);
		return 65;
	}
	printf("points verified: %lld transactions, %lld postings, %lld persons with a balance\n",
	       (long long)check.transactions, (long long)check.postings, (long long)check.persons);
	return 0;
}

int cmd_points(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "verify") == 0 || strcmp(argv[1], "follow") == 0))
		return points_cmd(argc - 1, argv + 1, strcmp(argv[1], "verify") == 0);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	fputs(usage, stderr);
	return 64;
}
