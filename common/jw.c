#include "jw.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tm.h"

static const char hexd[] = "0123456789abcdef";

void jw_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	buf_grow(b, n + 2);
	buf_addc(b, '"');
	while (p < end) {
		const unsigned char *q = p;
		while (q < end && *q >= 0x20 && *q != '"' && *q != '\\' && *q < 0x80)
			q++;
		if (q > p)
			buf_add(b, p, (size_t)(q - p));
		p = q;
		if (p >= end)
			break;
		unsigned c = *p;
		if (c >= 0x80) {
			size_t k = json_utf8_valid((const char *)p, (size_t)(end - p) < 4 ?
				(size_t)(end - p) : 4);
			/* json_utf8_valid over at most 4 bytes: a full sequence is 2..4 */
			size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			if (k >= need) {
				buf_add(b, p, need);
				p += need;
			} else {
				buf_add(b, "\xEF\xBF\xBD", 3);
				p++;
			}
			continue;
		}
		switch (c) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		case '\b': buf_add(b, "\\b", 2); break;
		case '\f': buf_add(b, "\\f", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15] };
			buf_add(b, u, 6);
		}
		}
		p++;
	}
	buf_addc(b, '"');
}

void jw_key(struct buf *b, const char *k, size_t n)
{
	jw_sep(b);
	jw_str(b, k, n);
	buf_addc(b, ':');
}

void jw_key_raw(struct buf *b, struct json_val key)
{
	jw_sep(b);
	buf_add(b, key.p, key.len);
	buf_addc(b, ':');
}

void jw_i64(struct buf *b, int64_t v)
{
	char t[24];
	char *e = t + sizeof t, *p = e;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(e - p));
}

void jw_f64(struct buf *b, double v)
{
	if (!isfinite(v)) {
		buf_add(b, "null", 4);
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		if (v == 0 && signbit(v))
			buf_addc(b, '-'); /* -0 reads back as -0, as jq writes it */
		jw_i64(b, (int64_t)v);
		return;
	}
	char t[32];
	int n = 0;
	/* 15 digits are exact for normal doubles, so %.15g is then the shortest form;
	   subnormals carry fewer digits and may need fewer */
	for (int prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		n = snprintf(t, sizeof t, "%.*g", prec, v);
		if (strtod(t, NULL) == v)
			break;
	}
	buf_add(b, t, (size_t)n);
}

void jw_bool(struct buf *b, bool v)
{
	if (v)
		buf_add(b, "true", 4);
	else
		buf_add(b, "false", 5);
}

void jw_null(struct buf *b)
{
	buf_add(b, "null", 4);
}

void jw_time(struct buf *b, int64_t ms)
{
	char t[40];
	size_t n = tm_format(ms, t, sizeof t);
	buf_addc(b, '"');
	buf_add(b, t, n);
	buf_addc(b, '"');
}

/* Compact input (what runnel's tools write) is copied in one piece; only text with
   white space takes the walk that keeps the spaces inside strings. */
void jw_val(struct buf *b, struct json_val v)
{
	const char *p = v.p, *end = v.p + v.len;
	if ((v.type != JV_OBJECT && v.type != JV_ARRAY) ||
	    (!memchr(p, ' ', v.len) && !memchr(p, '\t', v.len) && !memchr(p, '\r', v.len) &&
	     !memchr(p, '\n', v.len))) {
		buf_add(b, v.p, v.len);
		return;
	}
	buf_grow(b, v.len);
	while (p < end) {
		const char *q = p;
		while (q < end && *q != '"' && *q != ' ' && *q != '\t' && *q != '\n' && *q != '\r')
			q++;
		buf_add(b, p, (size_t)(q - p));
		p = q;
		if (p >= end)
			break;
		if (*p == '"') {
			/* to the closing quote: one not preceded by an odd run of backslashes */
			for (q = p + 1;; q++) {
				q = memchr(q, '"', (size_t)(end - q));
				const char *bs = q;
				while (bs[-1] == '\\')
					bs--;
				if (((q - bs) & 1) == 0)
					break;
			}
			q++;
			buf_add(b, p, (size_t)(q - p));
			p = q;
		} else {
			p++;
		}
	}
}
