/*
 * Logging: one JSON line per event on stderr (or a file), and the access log that the HTTP
 * layer writes one line per request to. Never log a secret: passwords, tokens, keys, ID numbers
 * and phone numbers stay out of every message.
 */
#ifndef LL_LOG_H
#define LL_LOG_H

#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the lowest level written; default LOG_INFO. */
void log_set_level(enum log_level level);
/* Sends log lines to f (borrowed; stays open); default stderr. */
void log_set_file(FILE *f);
/* Sends access lines to f (borrowed; fully buffered from now on); NULL turns the access log off.
 * Default stderr. Lines reach the file within a quarter second and at log_flush. */
void log_set_access_file(FILE *f);

void log_write(enum log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define log_debug(c, ...) log_write(LOG_DEBUG, c, __VA_ARGS__)
#define log_info(c, ...) log_write(LOG_INFO, c, __VA_ARGS__)
#define log_warn(c, ...) log_write(LOG_WARN, c, __VA_ARGS__)
#define log_error(c, ...) log_write(LOG_ERROR, c, __VA_ARGS__)

/* Writes src as the inside of a JSON string into dst (cap bytes, always terminated, truncated
 * when long); bytes outside printable ASCII become \u00XX escapes. Returns the length. */
size_t log_json_escape(char *dst, size_t cap, const char *src);

/* Writes out access lines still held in the buffer. */
void log_flush(void);

/* Writes one complete line (which must already be a JSON object, no newline) to the access log. */
void log_access_line(const char *json_line);

#endif
