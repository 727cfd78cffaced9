/*
 * lifelong import outcomes FILE --institution ID: imports a CSV (UTF-8 or GB18030) or JSON Lines
 * file of learning outcomes for an institution through the same job the portal and the API use,
 * with a progress bar on a terminal, and writes the rejected rows to a report.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../audit/audit.h"
#include "../auth/roles.h"
#include "../base/buf.h"
#include "../base/crypto.h"
#include "../base/clock.h"
#include "../ledger/ledger.h"
#include "../store/store.h"
#include "cli.h"

static const char help[] =
	"usage: lifelong import outcomes FILE --institution ID [OPTIONS]\n\n"
	"Imports learning outcomes for an institution from FILE: CSV with a header row (UTF-8 with or\n"
	"without BOM, or GB18030 as Excel saves it) or JSON Lines (.jsonl). Columns: account_no, kind,\n"
	"title, awarded_on (required), code, level, credits, hours, result_kind, result, started_on,\n"
	"certificate_no, external_id; or their Chinese headings 学习账号, 类别, 名称, 获得日期, 代码, 等级,\n"
	"学分, 学时, 成绩类型, 成绩, 开始日期, 证书编号, 外部编号. Each row is checked against the entry\n"
	"standard of its kind. Rows with an external_id already imported are left as they are, so running\n"
	"the same file again changes nothing.\n\n"
	"  --institution ID   the depositing institution (required)\n"
	"  --all-or-nothing   store nothing when any row is rejected (default: store the good rows)\n"
	"  --format F         csv or jsonl (default: from the file name)\n"
	"  --report FILE      write the rejected rows (line, field, code, message) as CSV to FILE\n"
	"  --quiet            no progress bar\n" CLI_COMMON_HELP
	"\nExit status: 0 when every row was stored or already there, 65 when rows were rejected.\n";

struct bar {
	bool is_tty;
	int64_t t0_us, last_us;
};

static void progress(void *ctx, const struct import_progress *p)
{
	struct bar *b = ctx;
	int64_t now = clock_mono_us();
	if (!b->is_tty || (now - b->last_us < 100000 && p->bytes_done < p->total_bytes))
		return;
	b->last_us = now;
	int pct = p->total_bytes ? (int)(p->bytes_done * 100 / p->total_bytes) : 100;
	double secs = (double)(now - b->t0_us) / 1e6;
	char bar[31];
	for (int i = 0; i < 30; i++)
		bar[i] = i < pct * 30 / 100 ? '#' : '-';
	bar[30] = '\0';
	fprintf(stderr, "\r%-10s [%s] %3d%%  %llu rows  %.0f rows/s  %llu rejected ", p->phase, bar, pct,
		(unsigned long long)p->rows_read, secs > 0 ? (double)p->rows_read / secs : 0.0,
		(unsigned long long)p->rows_rejected);
	fflush(stderr);
}

static enum ll_err read_file(const char *path, char **ret_data, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ll_fail(LL_IO, "FILE", "cannot open '%s'", path);
	struct buf b;
	buf_init(&b);
	char chunk[1 << 16];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= IMPORT_MAX_BYTES)
		buf_append(&b, chunk, n);
	bool is_error = ferror(f);
	fclose(f);
	if (is_error || b.is_oom) {
		buf_release(&b);
		return ll_fail(is_error ? LL_IO : LL_NOMEM, "FILE", "cannot read '%s'", path);
	}
	*ret_data = buf_steal(&b, ret_len);
	return LL_OK;
}

static int import_outcomes(int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS,
					      { "institution", required_argument, NULL, 'i' },
					      { "all-or-nothing", no_argument, NULL, 'A' },
					      { "format", required_argument, NULL, 'f' },
					      { "report", required_argument, NULL, 'r' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct cli_common common;
	const char *institution = NULL, *format = NULL, *report = NULL;
	bool is_all = false, is_quiet = false;
	int c;
	cli_common_init(&common);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_common_option(&common, c, optarg))
			continue;
		switch (c) {
		case 'i': institution = optarg; break;
		case 'A': is_all = true; break;
		case 'f': format = optarg; break;
		case 'r': report = optarg; break;
		case 'q': is_quiet = true; break;
		case 'h': fputs(help, stdout); return 0;
		default: fputs(help, stderr); return 64;
		}
	}
	if (optind + 1 != argc || !institution) {
		fputs(help, stderr);
		return 64;
	}
	const char *path = argv[optind];
	struct import_job_in in = { .mode = is_all ? IMPORT_ALL_OR_NOTHING : IMPORT_PARTIAL, .filename = path };
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "jsonl") != 0) {
		fprintf(stderr, "lifelong import: --format must be csv or jsonl\n");
		return 64;
	}
	in.format = format ? (strcmp(format, "jsonl") == 0 ? CSV_FORMAT_JSONL : CSV_FORMAT_CSV) : csv_format_from_name(path);
	const char *slash = strrchr(path, '/');
	in.filename = slash ? slash + 1 : path;

	struct ll_store *st = NULL;
	struct ll_keys *keys = NULL;
	char *data = NULL;
	const char *id = NULL;
	json_t *job = NULL;
	struct arena a;
	arena_init(&a, 1 << 20);
	/* The command line acts as the institution's own staff, and the audit log names it. */
	struct ledger_caller caller = { .role = ROLE_STAFF, .institution_id = institution };
	struct audit_actor actor = { .role = "cli", .name = "lifelong import", .institution_id = institution };
	char worker[96], host[64] = "localhost";
	gethostname(host, sizeof(host) - 1);
	snprintf(worker, sizeof(worker), "%s:%ld", host, (long)getpid());
	struct bar bar = { .is_tty = !is_quiet && isatty(STDERR_FILENO) == 1, .t0_us = clock_mono_us() };
	bool ran = false;
	int rc = 0;
	enum ll_err err = read_file(path, &data, &in.len);
	in.data = data;
	if (err == LL_OK)
		err = cli_open(&common, &st, &keys);
	if (err == LL_OK)
		err = import_job_create(st, &caller, &in, &actor, &a, &id);
	if (err == LL_OK)
		err = import_run(st, id, worker, NULL, progress, &bar, &ran);
	if (bar.is_tty)
		fputc('\n', stderr);
	if (err == LL_OK)
		err = import_job_get(st, NULL, id, &job);
	if (err != LL_OK) {
		rc = cli_report(err);
		goto out;
	}
	const char *status = json_string_value(json_object_get(job, "status"));
	json_int_t rejected = json_integer_value(json_object_get(job, "rows_rejected"));
	printf("import %s: %s; %lld rows read, %lld stored, %lld pending review, %lld already there, %lld rejected\n", id,
	       status, (long long)json_integer_value(json_object_get(job, "rows_read")),
	       (long long)json_integer_value(json_object_get(job, "rows_stored")),
	       (long long)json_integer_value(json_object_get(job, "rows_pending")),
	       (long long)json_integer_value(json_object_get(job, "rows_existing")), (long long)rejected);
	const char *why = json_string_value(json_object_get(job, "error"));
	if (why)
		printf("  %s\n", why);
	if (rejected > 0 || strcmp(status, "done") != 0)
		rc = ll_err_exit_code(LL_INVALID_VALUE);
	if (report) {
		struct buf b;
		buf_init(&b);
		err = import_job_errors_csv(st, NULL, id, false, &b);
		FILE *f = err == LL_OK ? fopen(report, "wb") : NULL;
		if (!f || fwrite(b.data, 1, b.len, f) != b.len) {
			fprintf(stderr, "lifelong import: cannot write the report '%s'\n", report);
			rc = 73;
		} else {
			printf("  rejected rows: %s\n", report);
		}
		if (f)
			fclose(f);
		buf_release(&b);
	}
out:
	json_decref(job);
	free(data);
	arena_release(&a);
	store_close(st);
	keys_free(keys);
	return rc;
}

int cmd_import(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "outcomes") == 0)
		return import_outcomes(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(help, stdout);
		return 0;
	}
	fputs(help, stderr);
	return 64;
}
