/*
 * One error enum for HTTP, the CLI and the logs. A fallible function returns enum ll_err; the
 * detail of the latest failure on this thread (field path and message) is kept in a thread-local
 * slot by ll_fail() so that the layer that reports it can say which field failed and why. The
 * slot never holds a secret: callers put names and limits in messages, never values.
 */
#ifndef LL_ERR_H
#define LL_ERR_H

#include <stdbool.h>
#include <stdio.h>

enum ll_err {
#define LL_ERR(name, num, http, exit_code, code, msg) LL_##name = num,
#include "ll_err.def"
#undef LL_ERR
};

#define LL_FIELD_MAX 128
#define LL_MESSAGE_MAX 256

/* Detail of the latest failure on this thread. */
struct ll_error {
	enum ll_err err;
	char field[LL_FIELD_MAX];
	char message[LL_MESSAGE_MAX];
	int retry_after_s;   /* for busy and locked errors: when to try again (0: unknown) */
};

/* Records err with its field (may be NULL) and a printf-style message (NULL for the default)
 * as this thread's latest failure, and returns err. */
enum ll_err ll_fail(enum ll_err err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Adds to this thread's latest failure when the caller may try again; returns its err. */
enum ll_err ll_fail_retry_after(int seconds);

/* Clears this thread's failure detail. */
void ll_error_clear(void);

/* This thread's failure detail; its err is LL_OK when none was recorded. If it records a
 * different err from the one given, the returned detail is for err with the default message. */
const struct ll_error *ll_error_get(enum ll_err err);

/* Stable machine-readable name ("invalid_json"); "internal" for an unknown value. */
const char *ll_err_code(enum ll_err err);
/* Default human message. */
const char *ll_err_message(enum ll_err err);
/* HTTP status for the error. */
int ll_err_http_status(enum ll_err err);
/* Process exit status for the error (sysexits.h values). */
int ll_err_exit_code(enum ll_err err);
/* Looks up an error by its stable name; false if none. */
bool ll_err_from_code(const char *code, enum ll_err *ret_err);

/* Logs an internal inconsistency with its place and aborts in debug builds. */
void ll_bug_at(const char *file, int line, const char *expr);
#define LL_BUG(cond) ((cond) ? ll_bug_at(__FILE__, __LINE__, #cond) : (void)0)

#endif
