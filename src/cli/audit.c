/*
 * lifelong audit --programme ID: audits every learner enrolled in a programme (the graduation
 * check of a whole cohort) and writes one JSON report per line, then a summary. Exit code 0
 * when every audit ran, whatever the audits found.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/clock.h"
#include "../base/buf.h"
#include "../base/crypto.h"
#include "../base/json.h"
#include "../store/store.h"
#include "../transfer/transfer.h"
#include "cli.h"

static const char audit_help[] =
	"usage: lifelong audit --programme ID [OPTIONS]\n\n"
	"Audits every learner enrolled in the programme against its plan and its approved conversion\n"
	"rules, with each learner's current outcomes in the credit bank, and writes one report per\n"
	"learner as a line of JSON. Prints how many audits ran and how many learners are complete.\n\n"
	"  --programme ID    the programme (required)\n"
	"  --as-of DATE      audit as on this day, YYYY-MM-DD (default today)\n"
	"  --out FILE        write the reports here (default standard output; - for it too)\n"
	"  --quiet           no summary\n" CLI_COMMON_HELP;

struct cohort {
	FILE *out;
	struct buf line;
	long audits, complete, complete_with_transfers;
};

static enum ll_err on_report(void *ctx, const char *person_id, json_t *report)
{
	struct cohort *c = ctx;
	(void)person_id;
	buf_reset(&c->line);
	if (!json_dump_compact(report, &c->line))
		return LL_NOMEM;
	buf_putc(&c->line, '\n');
	if (fwrite(c->line.data, 1, c->line.len, c->out) != c->line.len)
		return ll_fail(LL_IO, NULL, "cannot write the report");
	c->audits++;
	c->complete += json_is_true(json_object_get(report, "is_complete"));
	c->complete_with_transfers += json_is_true(json_object_get(report, "is_complete_with_transfers"));
	return LL_OK;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS,
					      { "programme", required_argument, NULL, 'p' },
					      { "as-of", required_argument, NULL, 'a' },
					      { "out", required_argument, NULL, 'o' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct cli_common common;
	const char *programme = NULL, *as_of = NULL, *out = NULL;
	bool is_quiet = false;
	int c;
	cli_common_init(&common);
	while ((c = getopt_long(argc, argv, "p:a:o:qh", opts, NULL)) != -1) {
		if (cli_common_option(&common, c, optarg))
			continue;
		switch (c) {
		case 'p':
			programme = optarg;
			break;
		case 'a':
			as_of = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			is_quiet = true;
			break;
		case 'h':
			fputs(audit_help, stdout);
			return 0;
		default:
			fputs(audit_help, stderr);
			return 64;
		}
	}
	if (!programme || optind < argc) {
		fputs(audit_help, stderr);
		return 64;
	}
	int64_t days;
	if (as_of && !clock_parse_date(as_of, &days)) {
		fprintf(stderr, "lifelong audit: --as-of is a date, YYYY-MM-DD\n");
		return 64;
	}
	/* Reports go to a file beside FILE that replaces it only when every audit ran, so that a
	 * failed run leaves an earlier report in place. */
	struct cohort cohort = { .out = stdout };
	buf_init(&cohort.line);
	char partial[4096] = "";
	bool is_file = out && strcmp(out, "-") != 0;
	if (is_file) {
		snprintf(partial, sizeof(partial), "%s.partial", out);
		if (strlen(out) + sizeof(".partial") > sizeof(partial) || !(cohort.out = fopen(partial, "w"))) {
			fprintf(stderr, "lifelong audit: cannot write '%s'\n", out);
			return ll_err_exit_code(LL_IO);
		}
	}
	struct ll_store *st = NULL;
	struct ll_keys *keys = NULL;
	int64_t t0 = clock_mono_us();
	enum ll_err err = cli_open(&common, &st, &keys);
	if (err == LL_OK) {
		/* An unknown programme is an error, not an empty cohort. */
		struct programme p;
		json_t *root = NULL;
		struct arena a;
		arena_init(&a, 0);
		err = programme_get(st, programme, &a, &p, &root);
		json_decref(root);
		arena_release(&a);
	}
	if (err == LL_OK)
		err = transfer_audit_cohort(st, programme, as_of, on_report, &cohort);
	double secs = (double)(clock_mono_us() - t0) / 1e6;
	buf_release(&cohort.line);
	store_close(st);
	keys_free(keys);
	if (is_file) {
		if (fclose(cohort.out) != 0 && err == LL_OK)
			err = ll_fail(LL_IO, NULL, "cannot write '%s'", out);
		if (err == LL_OK && rename(partial, out) != 0)
			err = ll_fail(LL_IO, NULL, "cannot write '%s'", out);
		if (err != LL_OK)
			unlink(partial);
	}
	if (err != LL_OK)
		return cli_report(err);
	if (!is_quiet)
		fprintf(stderr, "audited %ld learners in %.1f s (%.0f audits/s): %ld complete, %ld complete with transfers\n",
			cohort.audits, secs, secs > 0 ? (double)cohort.audits / secs : 0.0, cohort.complete,
			cohort.complete_with_transfers);
	return 0;
}
