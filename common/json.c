#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static inline const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static bool fail(struct json_err *err, const char *base, const char *at, const char *msg)
{
	if (err) {
		err->off = (size_t)(at - base);
		err->msg = msg;
	}
	return false;
}

/* Length of one valid UTF-8 sequence at p (p[0] >= 0x80), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n = (size_t)(end - p);
	if (c >= 0xC2 && c <= 0xDF) {
		if (n < 2 || (p[1] & 0xC0) != 0x80)
			return 0;
		return 2;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && p[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && p[1] >= 0xA0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && p[1] < 0x90)
			return 0;
		if (c == 0xF4 && p[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

size_t json_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t k = utf8_seq(p, end);
		if (!k)
			break;
		p += k;
	}
	return (size_t)(p - (const unsigned char *)s);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval((unsigned char)p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

#define ONES8 0x0101010101010101ULL
#define HIGH8 0x8080808080808080ULL

/* Nonzero when one of the 8 bytes in w is '"', '\\', a control character or >= 0x80:
   the string scanner then looks at bytes one by one. */
static inline uint64_t special8(const unsigned char *p)
{
	uint64_t w, q, b;
	memcpy(&w, p, 8);
	q = w ^ (ONES8 * '"');
	b = w ^ (ONES8 * '\\');
	return (((q - ONES8) & ~q) | ((b - ONES8) & ~b) | ((w - ONES8 * 0x20) & ~w) | w) & HIGH8;
}

/* p points after the opening quote; returns pointer after the closing quote or NULL. */
static __attribute__((noinline)) const char *scan_string_slow(const char *base, const char *p,
	const char *end, struct json_err *err, bool *esc)
{
	const unsigned char *u = (const unsigned char *)p, *e = (const unsigned char *)end;
	for (;;) {
		while (e - u >= 8) {
			uint64_t m = special8(u);
			if (!m) {
				u += 8;
				continue;
			}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* the lowest flagged byte is exact: borrows only run upwards */
			u += __builtin_ctzll(m) >> 3;
#endif
			break;
		}
		while (u < e && *u >= 0x20 && *u != '"' && *u != '\\' && *u < 0x80)
			u++;
		if (u >= e) {
			fail(err, base, (const char *)u, "unterminated string");
			return NULL;
		}
		if (*u == '"')
			return (const char *)u + 1;
		if (*u == '\\') {
			if (esc)
				*esc = true;
			if (u + 1 >= e) {
				fail(err, base, (const char *)u, "unterminated string");
				return NULL;
			}
			switch (u[1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				u += 2;
				continue;
			case 'u': {
				if (e - u < 6) {
					fail(err, base, (const char *)u, "invalid \\u escape");
					return NULL;
				}
				int cp = hex4((const char *)u + 2);
				if (cp < 0) {
					fail(err, base, (const char *)u, "invalid \\u escape");
					return NULL;
				}
				u += 6;
				if (cp >= 0xDC00 && cp <= 0xDFFF) {
					fail(err, base, (const char *)u - 6, "lone UTF-16 surrogate in \\u escape");
					return NULL;
				}
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (e - u < 6 || u[0] != '\\' || u[1] != 'u') {
						fail(err, base, (const char *)u - 6,
							"lone UTF-16 surrogate in \\u escape");
						return NULL;
					}
					int lo = hex4((const char *)u + 2);
					if (lo < 0xDC00 || lo > 0xDFFF) {
						fail(err, base, (const char *)u - 6,
							"lone UTF-16 surrogate in \\u escape");
						return NULL;
					}
					u += 6;
				}
				continue;
			}
			default:
				fail(err, base, (const char *)u, "invalid escape in string");
				return NULL;
			}
		}
		if (*u < 0x20) {
			fail(err, base, (const char *)u, "control character in string");
			return NULL;
		}
		size_t k = utf8_seq(u, e);
		if (!k) {
			fail(err, base, (const char *)u, "invalid UTF-8");
			return NULL;
		}
		u += k;
	}
}

/* The common case inline: a short string of plain ASCII closed within a few words. */
static inline const char *scan_string(const char *base, const char *p, const char *end,
	struct json_err *err, bool *esc)
{
#if defined(__SSE2__)
	const unsigned char *u = (const unsigned char *)p, *e = (const unsigned char *)end;
	while (e - u >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)u);
		/* signed: bytes >= 0x80 are negative, so one compare finds them and controls */
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))), _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits) {
			u += __builtin_ctz(bits);
			if (*u == '"')
				return (const char *)u + 1;
			break;
		}
		u += 16;
	}
	p = (const char *)u;
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const unsigned char *u = (const unsigned char *)p, *e = (const unsigned char *)end;
	while (e - u >= 8) {
		uint64_t m = special8(u);
		if (m) {
			u += __builtin_ctzll(m) >> 3;
			if (*u == '"')
				return (const char *)u + 1;
			break;
		}
		u += 8;
	}
	p = (const char *)u;
#endif
	return scan_string_slow(base, p, end, err, esc);
}

static const char *scan_number(const char *base, const char *p, const char *end,
	struct json_err *err)
{
	if (p < end && *p == '-')
		p++;
	if (p >= end || !(*p >= '0' && *p <= '9')) {
		fail(err, base, p, "invalid number");
		return NULL;
	}
	if (*p == '0')
		p++;
	else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !(*p >= '0' && *p <= '9')) {
			fail(err, base, p, "invalid number");
			return NULL;
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !(*p >= '0' && *p <= '9')) {
			fail(err, base, p, "invalid number");
			return NULL;
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static bool scan_value(const char *base, const char **pp, const char *end,
	struct json_val *out, struct json_err *err, int depth)
{
	const char *p = skip_ws(*pp, end);
	const char *start = p;
	if (p >= end)
		return fail(err, base, p, "unexpected end of input");
	switch (*p) {
	case '"':
		p = scan_string(base, p + 1, end, err, NULL);
		if (!p)
			return false;
		out->type = JV_STRING;
		break;
	case '{':
	case '[': {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		if (depth >= JSON_MAX_DEPTH)
			return fail(err, base, p, "nesting too deep");
		p = skip_ws(p + 1, end);
		if (p < end && *p == close) {
			p++;
		} else {
			for (;;) {
				struct json_val v;
				if (obj) {
					p = skip_ws(p, end);
					if (p >= end || *p != '"')
						return fail(err, base, p, "expected string key");
					p = scan_string(base, p + 1, end, err, NULL);
					if (!p)
						return false;
					p = skip_ws(p, end);
					if (p >= end || *p != ':')
						return fail(err, base, p, "expected ':'");
					p++;
				}
				if (!scan_value(base, &p, end, &v, err, depth + 1))
					return false;
				p = skip_ws(p, end);
				if (p < end && *p == ',') {
					p++;
					continue;
				}
				if (p < end && *p == close) {
					p++;
					break;
				}
				return fail(err, base, p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
			}
		}
		out->type = obj ? JV_OBJECT : JV_ARRAY;
		break;
	}
	case 't':
		if (end - p < 4 || memcmp(p, "true", 4))
			return fail(err, base, p, "invalid literal");
		p += 4;
		out->type = JV_TRUE;
		break;
	case 'f':
		if (end - p < 5 || memcmp(p, "false", 5))
			return fail(err, base, p, "invalid literal");
		p += 5;
		out->type = JV_FALSE;
		break;
	case 'n':
		if (end - p < 4 || memcmp(p, "null", 4))
			return fail(err, base, p, "invalid literal");
		p += 4;
		out->type = JV_NULL;
		break;
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9')) {
			p = scan_number(base, p, end, err);
			if (!p)
				return false;
			out->type = JV_NUMBER;
			break;
		}
		return fail(err, base, p, "unexpected character");
	}
	out->p = start;
	out->len = (size_t)(p - start);
	*pp = p;
	return true;
}

bool json_scan(const char **pp, const char *end, struct json_val *out, struct json_err *err,
	int depth)
{
	return scan_value(*pp, pp, end, out, err, depth);
}

bool json_scan_key(const char **pp, const char *end, struct json_val *out, bool *esc,
	struct json_err *err)
{
	const char *p = *pp, *q;
	if (p >= end || *p != '"')
		return fail(err, *pp, p, "expected string key");
	q = scan_string(*pp, p + 1, end, err, esc);
	if (!q)
		return false;
	out->p = p;
	out->len = (size_t)(q - p);
	out->type = JV_STRING;
	*pp = q;
	return true;
}

bool json_check(const char *p, size_t n, struct json_val *out, struct json_err *err)
{
	const char *q = p, *end = p + n;
	struct json_val v;
	if (!scan_value(p, &q, end, &v, err, 0))
		return false;
	q = skip_ws(q, end);
	if (q != end)
		return fail(err, p, q, "trailing characters after value");
	if (out)
		*out = v;
	return true;
}

/*
 * Skipping inside validated text needs no checks; the container's end bounds the
 * 8-bytes-at-a-time scan for a quote or backslash (records are mostly strings).
 */
#define ONES8 0x0101010101010101ULL
#define HIGH8 0x8080808080808080ULL

static const char *skip_string(const char *p, const char *end)
{
	for (p++;;) {
		while (end - p >= 8) {
			uint64_t w, q, b;
			memcpy(&w, p, 8);
			q = w ^ (ONES8 * '"');
			b = w ^ (ONES8 * '\\');
			if ((((q - ONES8) & ~q) | ((b - ONES8) & ~b)) & HIGH8)
				break;
			p += 8;
		}
		while (*p != '"' && *p != '\\')
			p++;
		if (*p == '"')
			return p + 1;
		p += 2;
	}
}

static const char *skip_value(const char *p, const char *end, struct json_val *v)
{
	const char *start = p;
	switch (*p) {
	case '"':
		p = skip_string(p, end);
		v->type = JV_STRING;
		break;
	case '{':
	case '[': {
		int depth = 0;
		v->type = *p == '{' ? JV_OBJECT : JV_ARRAY;
		do {
			switch (*p) {
			case '"':
				p = skip_string(p, end);
				continue;
			case '{': case '[':
				depth++;
				break;
			case '}': case ']':
				depth--;
				break;
			}
			p++;
		} while (depth);
		break;
	}
	case 't':
		p += 4;
		v->type = JV_TRUE;
		break;
	case 'f':
		p += 5;
		v->type = JV_FALSE;
		break;
	case 'n':
		p += 4;
		v->type = JV_NULL;
		break;
	default:
		while (*p == '-' || *p == '+' || *p == '.' || *p == 'e' || *p == 'E' ||
		       (*p >= '0' && *p <= '9'))
			p++;
		v->type = JV_NUMBER;
	}
	v->p = start;
	v->len = (size_t)(p - start);
	return p;
}

void json_iter_init(struct json_iter *it, struct json_val c)
{
	it->p = c.p + 1;
	it->end = c.p + c.len - 1;
}

static inline const char *skip_ws_sep(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',' ||
			   *p == ':'))
		p++;
	return p;
}

bool json_arr_next(struct json_iter *it, struct json_val *val)
{
	const char *p = skip_ws_sep(it->p, it->end);
	if (p >= it->end)
		return false;
	it->p = skip_value(p, it->end, val);
	return true;
}

bool json_obj_next(struct json_iter *it, struct json_val *key, struct json_val *val)
{
	const char *p = skip_ws_sep(it->p, it->end);
	if (p >= it->end)
		return false;
	p = skip_value(p, it->end, key);
	p = skip_ws_sep(p, it->end);
	it->p = skip_value(p, it->end, val);
	return true;
}

bool json_obj_get(struct json_val obj, const char *key, size_t klen, struct json_val *out)
{
	if (obj.type != JV_OBJECT)
		return false;
	struct json_iter it;
	struct json_val k, v;
	bool found = false;
	json_iter_init(&it, obj);
	while (json_obj_next(&it, &k, &v))
		if (json_str_eq(k, key, klen)) {
			*out = v;
			found = true;
		}
	return found;
}

bool json_arr_at(struct json_val arr, size_t idx, struct json_val *out)
{
	if (arr.type != JV_ARRAY)
		return false;
	struct json_iter it;
	json_iter_init(&it, arr);
	for (size_t i = 0; json_arr_next(&it, out); i++)
		if (i == idx)
			return true;
	return false;
}

size_t json_len(struct json_val v)
{
	struct json_iter it;
	struct json_val k, e;
	size_t n = 0;
	switch (v.type) {
	case JV_ARRAY:
		json_iter_init(&it, v);
		while (json_arr_next(&it, &e))
			n++;
		return n;
	case JV_OBJECT:
		json_iter_init(&it, v);
		while (json_obj_next(&it, &k, &e))
			n++;
		return n;
	case JV_STRING: {
		struct buf b = BUF_INIT;
		json_str(v, &b, &n);
		buf_free(&b);
		return n;
	}
	default:
		return 0;
	}
}

void json_put_utf8(struct buf *b, unsigned cp)
{
	char t[4];
	size_t n;
	if (cp < 0x80) {
		t[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xC0 | cp >> 6);
		t[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xE0 | cp >> 12);
		t[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		t[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		t[0] = (char)(0xF0 | cp >> 18);
		t[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		t[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		t[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(b, t, n);
}

void json_str_append(struct buf *b, struct json_val str)
{
	const char *p = str.p + 1, *end = str.p + str.len - 1;
	while (p < end) {
		const char *q = memchr(p, '\\', (size_t)(end - p));
		if (!q) {
			buf_add(b, p, (size_t)(end - p));
			return;
		}
		buf_add(b, p, (size_t)(q - p));
		char c = q[1];
		p = q + 2;
		switch (c) {
		case 'b': buf_addc(b, '\b'); break;
		case 'f': buf_addc(b, '\f'); break;
		case 'n': buf_addc(b, '\n'); break;
		case 'r': buf_addc(b, '\r'); break;
		case 't': buf_addc(b, '\t'); break;
		case 'u': {
			unsigned cp = (unsigned)hex4(p);
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				unsigned lo = (unsigned)hex4(p + 2);
				p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			json_put_utf8(b, cp);
			break;
		}
		default: buf_addc(b, c); break;
		}
	}
}

const char *json_str(struct json_val str, struct buf *scratch, size_t *len)
{
	if (str.type != JV_STRING) {
		*len = 0;
		return "";
	}
	if (!memchr(str.p + 1, '\\', str.len - 2)) {
		*len = str.len - 2;
		return str.p + 1;
	}
	buf_reset(scratch);
	json_str_append(scratch, str);
	*len = scratch->len;
	return scratch->p;
}

/* Escapes only shorten a string, so the raw text decides most cases without decoding;
   raw text equal to s is a match only if it holds no escape (s has no backslash). */
bool json_str_eq(struct json_val str, const char *s, size_t n)
{
	if (str.type != JV_STRING || str.len - 2 < n)
		return false;
	if (str.len - 2 == n && !memcmp(str.p + 1, s, n))
		return !memchr(s, '\\', n);
	if (!memchr(str.p + 1, '\\', str.len - 2))
		return false;
	struct buf b = BUF_INIT;
	json_str_append(&b, str);
	bool eq = b.len == n && !memcmp(b.p, s, n);
	buf_free(&b);
	return eq;
}

bool json_num_f64(struct json_val v, double *out)
{
	if (v.type != JV_NUMBER)
		return false;
	char tmp[64];
	const char *s = v.p;
	char *heap = NULL;
	if (v.len < sizeof tmp) {
		memcpy(tmp, v.p, v.len);
		tmp[v.len] = 0;
		s = tmp;
	} else {
		s = heap = xstrndup(v.p, v.len);
	}
	*out = strtod(s, NULL);
	free(heap);
	return true;
}

bool json_num_i64(struct json_val v, int64_t *out)
{
	if (v.type != JV_NUMBER)
		return false;
	const char *p = v.p, *end = v.p + v.len;
	bool neg = false;
	if (*p == '-') {
		neg = true;
		p++;
	}
	uint64_t acc = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (acc > (UINT64_MAX - d) / 10)
			goto real;
		acc = acc * 10 + d;
	}
	if (p != end)
		goto real;
	if (neg) {
		if (acc > (uint64_t)INT64_MAX + 1)
			return false;
		*out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
	} else {
		if (acc > (uint64_t)INT64_MAX)
			return false;
		*out = (int64_t)acc;
	}
	return true;
real: {
		double d;
		json_num_f64(v, &d);
		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != floor(d))
			return false;
		*out = (int64_t)d;
		return true;
	}
}

static int type_rank(enum json_type t)
{
	switch (t) {
	case JV_NONE: return 0;
	case JV_NULL: return 1;
	case JV_FALSE: return 2;
	case JV_TRUE: return 3;
	case JV_NUMBER: return 4;
	case JV_STRING: return 5;
	case JV_ARRAY: return 6;
	case JV_OBJECT: return 7;
	}
	return 0;
}

/* Strings by their decoded bytes (so by code point), a prefix first, as jq does. */
static int str_cmp(struct json_val a, struct json_val b)
{
	struct buf s1 = BUF_INIT, s2 = BUF_INIT;
	size_t n1, n2;
	const char *p1 = json_str(a, &s1, &n1);
	const char *p2 = json_str(b, &s2, &n2);
	int c = memcmp(p1, p2, n1 < n2 ? n1 : n2);
	if (!c)
		c = n1 < n2 ? -1 : n1 > n2 ? 1 : 0;
	buf_free(&s1);
	buf_free(&s2);
	return c < 0 ? -1 : c > 0 ? 1 : 0;
}

struct member {
	struct json_val k, v;
	size_t i;
};

static int member_cmp(const void *x, const void *y)
{
	const struct member *a = x, *b = y;
	int c = str_cmp(a->k, b->k);
	return c ? c : a->i < b->i ? -1 : 1;
}

/* The object's effective members (the last of repeated keys) sorted by key. */
static size_t sorted_members(struct json_val o, struct member **out)
{
	struct json_iter it;
	struct json_val k, v;
	size_t n = 0, cap = 8, u = 0;
	struct member *m = xmalloc(cap * sizeof *m);
	json_iter_init(&it, o);
	while (json_obj_next(&it, &k, &v)) {
		if (n == cap)
			m = xrealloc(m, (cap *= 2) * sizeof *m);
		m[n] = (struct member){ k, v, n };
		n++;
	}
	qsort(m, n, sizeof *m, member_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && str_cmp(m[i].k, m[i + 1].k) == 0)
			continue; /* a later member has the same key */
		m[u++] = m[i];
	}
	*out = m;
	return u;
}

/* jq's order: null < false < true < numbers < strings < arrays < objects; arrays
   element by element; objects by their sorted key lists, then values in key order. */
int json_val_compare(struct json_val a, struct json_val b)
{
	int ra = type_rank(a.type), rb = type_rank(b.type);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (a.type) {
	case JV_NUMBER: {
		double x, y;
		json_num_f64(a, &x);
		json_num_f64(b, &y);
		return x < y ? -1 : x > y ? 1 : 0;
	}
	case JV_STRING:
		return str_cmp(a, b);
	case JV_ARRAY: {
		struct json_iter i1, i2;
		struct json_val e1, e2;
		json_iter_init(&i1, a);
		json_iter_init(&i2, b);
		for (;;) {
			bool h1 = json_arr_next(&i1, &e1), h2 = json_arr_next(&i2, &e2);
			if (!h1 || !h2)
				return h1 == h2 ? 0 : h1 ? 1 : -1;
			int c = json_val_compare(e1, e2);
			if (c)
				return c;
		}
	}
	case JV_OBJECT: {
		if (a.len == b.len && !memcmp(a.p, b.p, a.len))
			return 0;
		struct member *m1, *m2;
		size_t n1 = sorted_members(a, &m1), n2 = sorted_members(b, &m2);
		int c = 0;
		for (size_t i = 0; !c && i < n1 && i < n2; i++)
			c = str_cmp(m1[i].k, m2[i].k);
		if (!c && n1 != n2)
			c = n1 < n2 ? -1 : 1;
		for (size_t i = 0; !c && i < n1; i++)
			c = json_val_compare(m1[i].v, m2[i].v);
		free(m1);
		free(m2);
		return c;
	}
	default:
		return 0;
	}
}

bool json_val_equal(struct json_val a, struct json_val b)
{
	if (a.type != b.type)
		return false;
	if (a.type == JV_NONE || (a.len == b.len && !memcmp(a.p, b.p, a.len)))
		return true;
	return json_val_compare(a, b) == 0;
}
