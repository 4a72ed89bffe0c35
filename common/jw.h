#ifndef RUNNEL_JW_H
#define RUNNEL_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

/*
 * Building compact JSON text into a buffer. Separators are implied: jw_key and
 * jw_sep add a comma unless the buffer ends with an opening bracket, so callers
 * write members and elements in order without tracking state.
 */
static inline void jw_sep(struct buf *b)
{
	if (b->len && b->p[b->len - 1] != '{' && b->p[b->len - 1] != '[')
		buf_addc(b, ',');
}

/* A string value from raw bytes: escapes quotes, backslash and control characters;
   bytes that are not valid UTF-8 become U+FFFD so the output is always valid JSON. */
void jw_str(struct buf *b, const char *s, size_t n);
static inline void jw_strz(struct buf *b, const char *s) { jw_str(b, s, strlen(s)); }
/* `,"key":` (comma as needed); the key is escaped. */
void jw_key(struct buf *b, const char *k, size_t n);
static inline void jw_keyz(struct buf *b, const char *k) { jw_key(b, k, strlen(k)); }
/* A key already in JSON form (quotes included), e.g. from the input line. */
void jw_key_raw(struct buf *b, struct json_val key);

void jw_i64(struct buf *b, int64_t v);
/* Shortest text that reads back as the same double; non-finite values become null. */
void jw_f64(struct buf *b, double v);
void jw_bool(struct buf *b, bool v);
void jw_null(struct buf *b);
/* An RFC 3339 UTC time with milliseconds, quoted. */
void jw_time(struct buf *b, int64_t ms);
/* A validated value copied as-is, minus insignificant whitespace outside strings. */
void jw_val(struct buf *b, struct json_val v);

#endif
