#ifndef RUNNEL_BUF_H
#define RUNNEL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* A growable byte buffer; p is always NUL-terminated when cap > 0. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_grow(struct buf *b, size_t extra);
void buf_free(struct buf *b);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void buf_reset(struct buf *b) { b->len = 0; if (b->p) b->p[0] = 0; }

static inline void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->cap - b->len <= n)
		buf_grow(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

static inline void buf_addc(struct buf *b, char c)
{
	if (b->cap - b->len <= 1)
		buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

static inline void buf_adds(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

/* Appends a whole file to b; false with errno set when it cannot be read. */
bool buf_read_file(struct buf *b, const char *path);

/* Allocation that reports and aborts: running out of memory is not recoverable here. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
