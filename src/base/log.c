/*
 * Line-oriented logging. Each call writes one whole line with a single fwrite under a lock, so
 * lines from several threads never interleave. Messages are escaped as JSON strings.
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static FILE *log_file;
static FILE *access_file;
static int access_off;
static int64_t access_flushed_ms;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
/* Access lines waiting to be written: whole lines only, so that a reader of the file never sees
 * half of one (a stdio buffer would split a line where it fills). */
static char access_buf[64 * 1024];
static size_t access_len;

void log_set_level(enum log_level level) { min_level = level; }
void log_set_file(FILE *f) { log_file = f; }

void log_set_access_file(FILE *f)
{
	access_file = f;
	access_off = f == NULL;
}

/* Writes the waiting access lines out with as few writes as the kernel takes. Holds log_lock. */
static void access_write_out(void)
{
	FILE *f = access_file ? access_file : stderr;
	fflush(f);
	int fd = fileno(f);
	size_t off = 0;
	while (off < access_len) {
		ssize_t n = write(fd, access_buf + off, access_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	access_len = 0;
}

void log_flush(void)
{
	pthread_mutex_lock(&log_lock);
	access_write_out();
	pthread_mutex_unlock(&log_lock);
}

size_t log_json_escape(char *dst, size_t cap, const char *src)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)src; *p && n + 7 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			dst[n++] = '\\';
			dst[n++] = (char)*p;
		} else if (*p < 0x20 || *p >= 0x7f) {
			/* Bytes outside printable ASCII may not be valid UTF-8 (a request path can hold
			 * anything): escaping each keeps every line valid JSON. */
			n += (size_t)snprintf(dst + n, cap - n, "\\u%04x", *p);
		} else {
			dst[n++] = (char)*p;
		}
	}
	dst[n] = '\0';
	return n;
}

void log_write(enum log_level level, const char *component, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	if (level < min_level)
		return;
	char msg[1024], esc[2048], line[2400], ts[40];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_json_escape(esc, sizeof(esc), msg);
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	int len = snprintf(line, sizeof(line),
			   "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"component\":\"%s\",\"message\":\"%s\"}\n",
			   ts, now.tv_nsec / 1000000, names[level], component, esc);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = sizeof(line) - 1;
	pthread_mutex_lock(&log_lock);
	FILE *f = log_file ? log_file : stderr;
	fwrite(line, 1, (size_t)len, f);
	fflush(f);
	pthread_mutex_unlock(&log_lock);
}

void log_access_line(const char *json_line)
{
	if (access_off)
		return;
	/* One write per line would be a system call per request: lines collect in a buffer and go out
	 * when it fills or a quarter second after the last write, whichever comes first. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	size_t len = strlen(json_line);
	if (len + 1 > sizeof(access_buf))
		return;
	pthread_mutex_lock(&log_lock);
	if (access_len + len + 1 > sizeof(access_buf))
		access_write_out();
	memcpy(access_buf + access_len, json_line, len);
	access_buf[access_len + len] = '\n';
	access_len += len + 1;
	if (now_ms - access_flushed_ms >= 250) {
		access_write_out();
		access_flushed_ms = now_ms;
	}
	pthread_mutex_unlock(&log_lock);
}
