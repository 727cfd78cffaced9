/*
 * A growable byte buffer on the heap, for output whose size is not known in advance (response
 * bodies, CSV lines, metrics text). The owner frees it with buf_release.
 */
#ifndef LL_BUF_H
#define LL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;     /* always NUL-terminated when len > 0 or after any append */
	size_t len;
	size_t cap;
	bool is_oom;    /* an append failed; later appends do nothing */
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
/* One byte; inline, since writers of JSON and CSV put many. */
static inline void buf_putc(struct buf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return;
	}
	buf_append(b, &c, 1);
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the bytes to the caller (free with free()) and leaves b empty. */
char *buf_steal(struct buf *b, size_t *ret_len);

#endif
