#include "rec.h"
#include "jw.h"

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
	r->key_esc = false;
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
				v.type == JV_ARRAY ? "an array" : v.type == JV_STRING ? "a string" :
				v.type == JV_NUMBER ? "a number" : v.type == JV_NULL ? "null" :
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
			if (!json_scan_key(&q, end, &f.key, &r->key_esc, &err))
				return bad(reason, line, p + err.off, err.msg);
			p = ws(q, end);
			if (p >= end || *p != ':')
				return bad(reason, line, p, "expected ':'");
			q = p = ws(p + 1, end);
			bool esc;
			if (!(p < end && *p == '"' ? json_scan_key(&q, end, &f.val, &esc, &err) :
				json_scan(&q, end, &f.val, &err, 1)))
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
	r->obj.type = JV_OBJECT;
	p = ws(p, end);
	if (p != end)
		return bad(reason, line, p, "trailing characters after object");
	return true;
}

long rec_index(const struct rec *r, const char *name, size_t n)
{
	if (!r->key_esc) {
		/* no key holds an escape: its raw text is its name */
		for (size_t i = r->nf; i-- > 0;)
			if (r->f[i].key.len == n + 2 && !memcmp(r->f[i].key.p + 1, name, n))
				return (long)i;
		return -1;
	}
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

/* Equal values must give equal bytes: strings are written with their escapes
   normalised (jw_str), numbers in their shortest form (1.0 and 1 agree), and other
   values compacted. Strings keep their quotes, so "7" and 7 stay different keys. */
static void key_canon(struct buf *b, struct json_val v, struct buf *scratch)
{
	int64_t i;
	double d;
	size_t n;
	switch (v.type) {
	case JV_STRING:
		if (!memchr(v.p, '\\', v.len)) {
			buf_add(b, v.p, v.len);
		} else {
			const char *s = json_str(v, scratch, &n);
			jw_str(b, s, n);
		}
		break;
	case JV_NUMBER:
		if (json_num_i64(v, &i)) {
			jw_i64(b, i);
		} else {
			json_num_f64(v, &d);
			jw_f64(b, d);
		}
		break;
	case JV_NONE:
		jw_null(b);
		break;
	default:
		jw_val(b, v);
	}
}

bool rec_key(const struct rec *r, const struct path *paths, size_t n, struct buf *out,
	struct buf *scratch)
{
	bool all = true;
	buf_reset(out);
	for (size_t i = 0; i < n; i++) {
		struct json_val v = { NULL, 0, JV_NONE };
		if (i)
			buf_addc(out, ',');
		if (!rec_get(r, &paths[i], &v))
			all = false;
		key_canon(out, v, scratch);
	}
	return all;
}
