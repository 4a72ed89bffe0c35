#include "rec.h"

#include <stdlib.h>
#include <string.h>

void rec_init(struct rec *r)
{
	memset(r, 0, sizeof *r);
}

void rec_free(struct rec *r)
{
	free(r->f);
	buf_free(&r->scratch);
	memset(r, 0, sizeof *r);
}

static inline const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static bool bad(struct buf *reason, const char *line, const char *at, const char *msg)
{
	if (reason) {
		buf_reset(reason);
		buf_printf(reason, "invalid JSON at column %zu: %s", (size_t)(at - line) + 1, msg);
	}
	return false;
}

bool rec_parse(struct rec *r, const char *line, size_t len, struct buf *reason)
{
	const char *p = line, *end = line + len;
	struct json_err err;
	r->line = line;
	r->len = len;
	r->nf = 0;
	p = ws(p, end);
	if (p >= end)
		return bad(reason, line, p, "empty line");
	if (*p != '{') {
		struct json_val v;
		if (!json_check(line, len, &v, &err))
			return bad(reason, line, line + err.off, err.msg);
		if (reason) {
			buf_reset(reason);
			buf_printf(reason, "not a JSON object (got %s)",
				v.type == JSON_ARRAY ? "an array" : v.type == JSON_STRING ? "a string" :
				v.type == JSON_NUMBER ? "a number" : v.type == JSON_NULL ? "null" :
				"a boolean");
		}
		return false;
	}
	const char *start = p;
	p = ws(p + 1, end);
	if (p < end && *p == '}') {
		p++;
	} else {
		for (;;) {
			struct rec_field f;
			const char *q = p;
			if (p >= end || *p != '"')
				return bad(reason, line, p, "expected string key");
			if (!json_scan(&q, end, &f.key, &err, 1))
				return bad(reason, line, line + err.off + (size_t)(p - line), err.msg);
			p = ws(q, end);
			if (p >= end || *p != ':')
				return bad(reason, line, p, "expected ':'");
			q = ++p;
			if (!json_scan(&q, end, &f.val, &err, 1))
				return bad(reason, line, p + err.off, err.msg);
			if (r->nf == r->cap) {
				r->cap = r->cap ? r->cap * 2 : 16;
				r->f = xrealloc(r->f, r->cap * sizeof *r->f);
			}
			r->f[r->nf++] = f;
			p = ws(q, end);
			if (p < end && *p == ',') {
				p = ws(p + 1, end);
				continue;
			}
			if (p < end && *p == '}') {
				p++;
				break;
			}
			return bad(reason, line, p, p < end ? "expected ',' or '}'" :
				"unexpected end of input");
		}
	}
	r->obj.p = start;
	r->obj.len = (size_t)(p - start);
	r->obj.type = JSON_OBJECT;
	p = ws(p, end);
	if (p != end)
		return bad(reason, line, p, "trailing characters after object");
	return true;
}

long rec_index(const struct rec *r, const char *name, size_t n)
{
	for (size_t i = r->nf; i-- > 0;)
		if (json_str_eq(r->f[i].key, name, n))
			return (long)i;
	return -1;
}

bool rec_field(const struct rec *r, const char *name, size_t n, struct json_val *out)
{
	long i = rec_index(r, name, n);
	if (i < 0)
		return false;
	*out = r->f[i].val;
	return true;
}

bool rec_get(const struct rec *r, const struct path *p, struct json_val *out)
{
	if (!p->n)
		return false;
	struct json_val v;
	const struct path_seg *s = &p->seg[0];
	if (!s->name)
		return false;
	if (!rec_field(r, s->name, s->len, &v))
		return false;
	return path_get_from(p, 1, v, out);
}
