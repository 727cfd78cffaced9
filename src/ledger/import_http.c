/* HTTP handlers of bulk imports: upload a file as a job, follow its progress, read its errors. */
#include <string.h>
#include <strings.h>

#include "../http/auth_http.h"
#include "../http/http.h"
#include "ledger.h"

/* The format from ?format, else the Content-Type, else the file name. */
static enum ll_err format_of(const struct http_req *req, const char *name, enum csv_format *ret)
{
	const char *f = http_query(req, "format");
	if (f && *f) {
		if (strcmp(f, "csv") == 0)
			*ret = CSV_FORMAT_CSV;
		else if (strcmp(f, "jsonl") == 0)
			*ret = CSV_FORMAT_JSONL;
		else
			return ll_fail(LL_BAD_QUERY, "format", "format must be csv or jsonl");
		return LL_OK;
	}
	const char *ct = http_header(req, "Content-Type");
	size_t n = ct ? strcspn(ct, "; \t") : 0;
	if (n && (strncasecmp(ct, "application/x-ndjson", n) == 0 || strncasecmp(ct, "application/jsonl", n) == 0)) {
		*ret = CSV_FORMAT_JSONL;
		return LL_OK;
	}
	*ret = name ? csv_format_from_name(name) : CSV_FORMAT_CSV;
	return LL_OK;
}

enum ll_err ledger_http_import_create(struct http_req *req)
{
	struct import_job_in in = { .data = req->body, .len = req->body_len, .filename = http_query(req, "name") };
	if (in.filename && json_utf8_chars(in.filename) > 200)
		return ll_fail(LL_BAD_QUERY, "name", "name is longer than 200 characters");
	enum ll_err err = format_of(req, in.filename, &in.format);
	if (err != LL_OK)
		return err;
	const char *mode = http_query(req, "mode");
	if (mode && *mode && strcmp(mode, "partial") != 0 && strcmp(mode, "all_or_nothing") != 0)
		return ll_fail(LL_BAD_QUERY, "mode", "mode must be partial or all_or_nothing");
	in.mode = mode && strcmp(mode, "all_or_nothing") == 0 ? IMPORT_ALL_OR_NOTHING : IMPORT_PARTIAL;
	struct ledger_caller c;
	struct audit_actor actor;
	const char *id;
	json_t *job;
	ledger_http_caller(req, &c);
	http_actor(req, &actor);
	err = import_job_create(req->app->st, &c, &in, &actor, &req->arena, &id);
	if (err == LL_OK)
		err = import_job_get(req->app->st, &c, id, &job);
	if (err == LL_OK)
		http_reply(req, 202, job);
	return err;
}

enum ll_err ledger_http_import_list(struct http_req *req)
{
	struct ledger_caller c;
	int64_t limit;
	json_t *page;
	ledger_http_caller(req, &c);
	enum ll_err err = http_query_int(req, "limit", 50, 1, 500, &limit);
	if (err == LL_OK)
		err = import_job_list(req->app->st, &c, (int)limit, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err ledger_http_import_get(struct http_req *req)
{
	struct ledger_caller c;
	json_t *job;
	ledger_http_caller(req, &c);
	enum ll_err err = import_job_get(req->app->st, &c, http_param(req, "id"), &job);
	if (err == LL_OK)
		http_reply(req, 200, job);
	return err;
}

enum ll_err ledger_http_import_errors(struct http_req *req)
{
	struct ledger_caller c;
	int64_t limit, after;
	json_t *page;
	ledger_http_caller(req, &c);
	enum ll_err err = http_query_int(req, "limit", 100, 1, 1000, &limit);
	if (err == LL_OK)
		err = http_query_int(req, "after", 0, 0, INT64_MAX, &after);
	if (err == LL_OK)
		err = import_job_errors(req->app->st, &c, http_param(req, "id"), after, (int)limit, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err ledger_http_import_errors_csv(struct http_req *req)
{
	struct ledger_caller c;
	struct buf b;
	ledger_http_caller(req, &c);
	const char *lang = http_query(req, "lang");
	bool is_english = lang ? strncmp(lang, "en", 2) == 0
			       : req->caller.locale && strncmp(req->caller.locale, "en", 2) == 0;
	buf_init(&b);
	enum ll_err err = import_job_errors_csv(req->app->st, &c, http_param(req, "id"), is_english, &b);
	if (err == LL_OK)
		err = http_reply_download(req, "text/csv; charset=utf-8", &b, "import-errors.csv");
	buf_release(&b);
	return err;
}
