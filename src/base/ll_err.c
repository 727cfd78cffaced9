/*
 * The error table, read from ll_err.def, and the thread-local failure detail. Nothing here
 * allocates; the detail buffers are fixed-size and truncate long messages.
 */
#include "ll_err.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct err_row {
	enum ll_err err;
	int http_status;
	int exit_code;
	const char *code;
	const char *message;
};

static const struct err_row err_rows[] = {
#define LL_ERR(name, num, http, exit_code, code, msg) { LL_##name, http, exit_code, code, msg },
#include "ll_err.def"
#undef LL_ERR
};

static _Thread_local struct ll_error last_error;

static const struct err_row *err_row_find(enum ll_err err)
{
	for (size_t i = 0; i < sizeof(err_rows) / sizeof(err_rows[0]); i++)
		if (err_rows[i].err == err)
			return &err_rows[i];
	return NULL;
}

enum ll_err ll_fail(enum ll_err err, const char *field, const char *fmt, ...)
{
	/* Format into locals first: a caller may pass the current detail's own field or message
	 * ("%s", ll_error_get(err)->message) to re-file it under another field. */
	struct ll_error detail = { .err = err };
	snprintf(detail.field, sizeof(detail.field), "%s", field ? field : "");
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail.message, sizeof(detail.message), fmt, ap);
		va_end(ap);
	} else {
		snprintf(detail.message, sizeof(detail.message), "%s", ll_err_message(err));
	}
	last_error = detail;
	return err;
}

enum ll_err ll_fail_retry_after(int seconds)
{
	last_error.retry_after_s = seconds;
	return last_error.err;
}

void ll_error_clear(void)
{
	memset(&last_error, 0, sizeof(last_error));
}

const struct ll_error *ll_error_get(enum ll_err err)
{
	if (last_error.err != err) {
		last_error.err = err;
		last_error.field[0] = '\0';
		snprintf(last_error.message, sizeof(last_error.message), "%s", ll_err_message(err));
	}
	return &last_error;
}

const char *ll_err_code(enum ll_err err)
{
	const struct err_row *row = err_row_find(err);
	return row ? row->code : "internal";
}

const char *ll_err_message(enum ll_err err)
{
	const struct err_row *row = err_row_find(err);
	return row ? row->message : "internal error";
}

int ll_err_http_status(enum ll_err err)
{
	const struct err_row *row = err_row_find(err);
	return row ? row->http_status : 500;
}

int ll_err_exit_code(enum ll_err err)
{
	const struct err_row *row = err_row_find(err);
	return row ? row->exit_code : 70;
}

bool ll_err_from_code(const char *code, enum ll_err *ret_err)
{
	for (size_t i = 0; i < sizeof(err_rows) / sizeof(err_rows[0]); i++) {
		if (strcmp(err_rows[i].code, code) == 0) {
			*ret_err = err_rows[i].err;
			return true;
		}
	}
	return false;
}

void ll_bug_at(const char *file, int line, const char *expr)
{
	log_error("bug", "internal inconsistency at %s:%d: %s", file, line, expr);
#ifndef NDEBUG
	abort();
#endif
}
