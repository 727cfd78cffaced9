/*
 * lifelong ledger verify: recomputes every entry's hash from its stored columns, every person's
 * chain, every tree node and every signed tree head of the credit bank's ledger, and names the
 * first thing that does not hold. Exit code 0 when all of it holds, 65 when something does not.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../base/clock.h"
#include "../base/crypto.h"
#include "../ledger/ledger.h"
#include "../store/store.h"
#include "cli.h"

static const char verify_help[] =
	"usage: lifelong ledger verify [OPTIONS]\n\n"
	"Checks the credit bank's ledger: that each entry's content matches its hash, that each person's\n"
	"entries form an unbroken chain, that the stored Merkle tree matches the entries, and that every\n"
	"signed tree head has the right root and this node's signature. Names the first entry, node or\n"
	"tree head that does not hold and exits with 65; exits with 0 when everything holds.\n\n"
	"  --quiet           print nothing but a failure\n" CLI_COMMON_HELP;

struct verify_progress {
	bool is_tty;
	int64_t t0_us, last_us;
};

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	struct verify_progress *p = ctx;
	int64_t now = clock_mono_us();
	if (!p->is_tty || (now - p->last_us < 100000 && done < total))
		return;
	p->last_us = now;
	double secs = (double)(now - p->t0_us) / 1e6;
	int pct = total ? (int)(done * 100 / total) : 100;
	char bar[31];
	for (int i = 0; i < 30; i++)
		bar[i] = i < pct * 30 / 100 ? '#' : '-';
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %3d%%  %llu/%llu entries  %.0f entries/s ", bar, pct, (unsigned long long)done,
		(unsigned long long)total, secs > 0 ? (double)done / secs : 0.0);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}

static int ledger_verify_cmd(int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'h' }, { 0 } };
	struct cli_common common;
	bool is_quiet = false;
	int c;
	cli_common_init(&common);
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (cli_common_option(&common, c, optarg))
			continue;
		switch (c) {
		case 'q':
			is_quiet = true;
			break;
		case 'h':
			fputs(verify_help, stdout);
			return 0;
		default:
			fputs(verify_help, stderr);
			return 64;
		}
	}
	struct ll_store *st = NULL;
	struct ll_keys *keys = NULL;
	struct verify_report r;
	enum ll_err err = cli_open(&common, &st, &keys);
	struct verify_progress p = { .is_tty = !is_quiet && isatty(STDERR_FILENO) == 1, .t0_us = clock_mono_us() };
	if (err == LL_OK)
		err = ledger_verify(st, keys->sign_pk, progress, &p, &r);
	double secs = (double)(clock_mono_us() - p.t0_us) / 1e6;
	store_close(st);
	keys_free(keys);
	if (err != LL_OK)
		return cli_report(err);
	if (!r.is_ok) {
		fprintf(stderr, "lifelong ledger verify: FAILED: %s\n", r.first_failure);
		return ll_err_exit_code(LL_LEDGER_BROKEN);
	}
	if (!is_quiet)
		printf("ledger verified: %llu entries of %llu persons, %llu tree nodes, %llu signed tree heads "
		       "in %.1f s (%.0f entries/s)\n",
		       (unsigned long long)r.entries, (unsigned long long)r.persons, (unsigned long long)r.nodes,
		       (unsigned long long)r.tree_heads, secs, secs > 0 ? (double)r.entries / secs : 0.0);
	return 0;
}

int cmd_ledger(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return ledger_verify_cmd(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs("usage: lifelong ledger verify [OPTIONS]\n", stdout);
		return 0;
	}
	fputs("usage: lifelong ledger verify [OPTIONS]\n", stderr);
	return 64;
}
