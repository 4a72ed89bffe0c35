/* Leaf values against a compiled schema: numbers, times, enums, fixed; and the words
   messages use for types. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jw.h"
#include "schema.h"
#include "schema_priv.h"
#include "tm.h"

/* Times must be writable as RFC 3339: years 0000 to 9999. */
#define MS_MIN (-62167219200000LL)
#define MS_MAX (253402300799999LL)
#define DAY_MS 86400000LL

static const char *jtype(enum json_type t)
{
	switch (t) {
	case JV_NULL: return "null";
	case JV_FALSE:
	case JV_TRUE: return "boolean";
	case JV_NUMBER: return "number";
	case JV_STRING: return "string";
	case JV_ARRAY: return "array";
	case JV_OBJECT: return "object";
	default: return "nothing";
	}
}

static const char *kind_name(enum schema_kind k)
{
	static const char *const names[] = { "null", "boolean", "int", "long", "float", "double",
		"bytes", "string", "record", "enum", "array", "map", "union", "fixed" };
	return names[k];
}

/* Messages name types without their namespace. */
static const char *short_name(const char *full)
{
	const char *dot = strrchr(full, '.');
	return dot ? dot + 1 : full;
}

void schema_describe(const struct schema *s, uint32_t ni, struct buf *out)
{
	const struct schema_node *n = &s->node[ni];
	switch (n->kind) {
	case SCHEMA_RECORD:
	case SCHEMA_ENUM:
	case SCHEMA_FIXED:
		buf_printf(out, "%s %s", kind_name(n->kind), short_name(n->name));
		return;
	case SCHEMA_UNION: /* null named last: "string or null" */
		for (uint32_t i = 0, k = 0; i < n->n; i++) {
			if ((int32_t)i == n->null_branch)
				continue;
			if (k++)
				buf_adds(out, " or ");
			schema_describe(s, s->branch[n->first + i], out);
		}
		if (n->null_branch >= 0)
			buf_adds(out, n->n > 1 ? " or null" : "null");
		return;
	case SCHEMA_ARRAY:
	case SCHEMA_MAP:
		buf_adds(out, kind_name(n->kind));
		buf_adds(out, " of ");
		schema_describe(s, n->items, out);
		return;
	default:
		buf_adds(out, n->logical == SCHEMA_LT_TIMESTAMP_MILLIS ? "timestamp-millis" :
			n->logical == SCHEMA_LT_TIMESTAMP_MICROS ? "timestamp-micros" :
			n->logical == SCHEMA_LT_DATE ? "date" : kind_name(n->kind));
	}
}

/* Appends a value's text for a message, cut at 40 bytes on a character boundary. */
static void add_shown(struct buf *b, struct json_val v)
{
	size_t n = v.len;
	if (n > 40) {
		n = 40;
		while (n > 0 && ((unsigned char)v.p[n] & 0xC0) == 0x80)
			n--;
		buf_add(b, v.p, n);
		buf_adds(b, "...");
		return;
	}
	buf_add(b, v.p, n);
}

bool schema_mismatch(struct schema *s, uint32_t ni, struct json_val v)
{
	buf_reset(&s->emsg);
	buf_adds(&s->emsg, "expected ");
	schema_describe(s, ni, &s->emsg);
	buf_printf(&s->emsg, ", got %s", jtype(v.type));
	return false;
}

static bool bad_value(struct schema *s, struct json_val v, const char *pre, const char *post)
{
	buf_reset(&s->emsg);
	buf_adds(&s->emsg, pre);
	add_shown(&s->emsg, v);
	buf_adds(&s->emsg, post);
	return false;
}

long schema_enum_index(const struct schema *s, uint32_t ni, struct json_val v)
{
	const struct schema_node *n = &s->node[ni];
	if (v.type != JV_STRING || n->kind != SCHEMA_ENUM)
		return -1;
	const char *p = v.p + 1;
	size_t len = v.len - 2;
	for (uint32_t i = 0; i < n->n; i++) {
		const struct schema_sym *y = &s->sym[n->first + i];
		if (y->len == len && !memcmp(y->s, p, len))
			return i; /* symbols hold no backslash, so this is no escape */
	}
	if (!memchr(p, '\\', len))
		return -1;
	struct buf dec = BUF_INIT;
	long found = -1;
	json_str_append(&dec, v);
	for (uint32_t i = 0; i < n->n; i++) {
		const struct schema_sym *y = &s->sym[n->first + i];
		if (y->len == dec.len && !memcmp(y->s, dec.p, dec.len)) {
			found = i;
			break;
		}
	}
	buf_free(&dec);
	return found;
}

/* Fraction digits 4 to 6 of an RFC 3339 time, for microseconds. */
static int64_t micro_digits(const char *p, size_t n)
{
	int64_t us = 0;
	size_t i = 20, k = 0;
	if (n <= 19 || p[19] != '.')
		return 0;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, k++)
		if (k >= 3 && k < 6)
			us = us * 10 + (p[i] - '0');
	for (; k < 6; k++)
		if (k >= 3)
			us *= 10;
	return us;
}

static bool parse_date(const char *p, size_t n, int64_t *days)
{
	int64_t ms;
	char t[32];
	if (n != 10)
		return false;
	memcpy(t, p, 10);
	memcpy(t + 10, "T00:00:00Z", 10);
	if (!tm_parse_rfc3339(t, 20, &ms))
		return false;
	*days = ms / DAY_MS;
	return true;
}

/* 0 ok, 1 not a time of this kind, 2 out of range. */
static int time_value(struct schema *s, const struct schema_node *n, struct json_val v,
	int64_t *out)
{
	int64_t x = 0, ms;
	const char *p;
	size_t len;
	if (v.type == JV_STRING) {
		p = json_str(v, &s->tmp, &len);
		switch (n->logical) {
		case SCHEMA_LT_TIMESTAMP_MILLIS:
			if (!tm_parse_rfc3339(p, len, &x))
				return 1;
			ms = x;
			break;
		case SCHEMA_LT_TIMESTAMP_MICROS:
			if (!tm_parse_rfc3339(p, len, &ms))
				return 1;
			x = ms * 1000 + micro_digits(p, len);
			break;
		default:
			if (!parse_date(p, len, &x))
				return 1;
			ms = x * DAY_MS;
		}
	} else if (v.type == JV_NUMBER) {
		double d;
		if (!json_num_i64(v, &x)) {
			json_num_f64(v, &d);
			if (!(d > -9.2e18 && d < 9.2e18))
				return 2;
			if (n->logical == SCHEMA_LT_DATE)
				return 1;
			x = (int64_t)floor(d);
		}
		if (n->logical == SCHEMA_LT_DATE) {
			if (x < INT32_MIN || x > INT32_MAX)
				return 2;
			ms = x * DAY_MS;
		} else {
			ms = n->logical == SCHEMA_LT_TIMESTAMP_MICROS ? tm_floordiv(x, 1000) : x;
		}
	} else {
		return 1;
	}
	if (ms < MS_MIN || ms > MS_MAX)
		return 2;
	*out = x;
	return 0;
}

bool schema_time_value(const struct schema *s, uint32_t ni, struct json_val v, int64_t *out)
{
	struct schema *w = (struct schema *)s; /* only its scratch buffer is used */
	const struct schema_node *n = &s->node[ni];
	return n->logical != SCHEMA_LT_NONE && time_value(w, n, v, out) == 0;
}

static inline unsigned dd(const char *p)
{
	return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
}

#define DIG(i) ((unsigned)(p[i] - '0') <= 9)

/* Is p[0..24) a valid time already written as we would: 2026-11-24T10:15:30.123Z? */
static bool canonical(const char *p)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (!(p[4] == '-' && p[7] == '-' && p[10] == 'T' && p[13] == ':' && p[16] == ':' &&
	      p[19] == '.' && p[23] == 'Z' && DIG(0) && DIG(1) && DIG(2) && DIG(3) && DIG(5) &&
	      DIG(6) && DIG(8) && DIG(9) && DIG(11) && DIG(12) && DIG(14) && DIG(15) && DIG(17) &&
	      DIG(18) && DIG(20) && DIG(21) && DIG(22)))
		return false;
	unsigned y = dd(p) * 100 + dd(p + 2), m = dd(p + 5), d = dd(p + 8);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || dd(p + 11) > 23 || dd(p + 14) > 59 ||
	    dd(p + 17) > 59)
		return false;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

static bool write_time(struct schema *s, uint32_t ni, struct json_val v, struct buf *out)
{
	const struct schema_node *n = &s->node[ni];
	char t[48];
	int64_t x;
	if (v.type != JV_STRING && v.type != JV_NUMBER)
		return schema_mismatch(s, ni, v);
	if (n->logical == SCHEMA_LT_TIMESTAMP_MILLIS && v.len == 26 && canonical(v.p + 1)) {
		buf_add(out, v.p, v.len);
		return true;
	}
	switch (time_value(s, n, v, &x)) {
	case 1:
		return bad_value(s, v, n->logical == SCHEMA_LT_TIMESTAMP_MILLIS ?
			"not an RFC 3339 time or epoch milliseconds: " :
			n->logical == SCHEMA_LT_TIMESTAMP_MICROS ?
			"not an RFC 3339 time or epoch microseconds: " :
			"not a date (YYYY-MM-DD) or days since 1970-01-01: ", "");
	case 2:
		return bad_value(s, v, "time out of range (years 0000 to 9999): ", "");
	}
	buf_addc(out, '"');
	if (n->logical == SCHEMA_LT_TIMESTAMP_MILLIS) {
		buf_add(out, t, tm_format(x, t, sizeof t));
	} else if (n->logical == SCHEMA_LT_TIMESTAMP_MICROS) {
		int64_t ms = tm_floordiv(x, 1000), us = x - ms * 1000;
		size_t k = tm_format(ms, t, sizeof t);
		t[k - 1] = (char)('0' + us / 100);
		t[k] = (char)('0' + us / 10 % 10);
		t[k + 1] = (char)('0' + us % 10);
		t[k + 2] = 'Z';
		buf_add(out, t, k + 3);
	} else {
		buf_add(out, t, tm_format(x * DAY_MS, t, sizeof t) - 14);
	}
	buf_addc(out, '"');
	return true;
}

static bool write_integer(struct schema *s, uint32_t ni, struct json_val v, struct buf *out)
{
	int64_t x;
	if (v.type != JV_NUMBER)
		return schema_mismatch(s, ni, v);
	if (!json_num_i64(v, &x)) {
		double d;
		json_num_f64(v, &d);
		return bad_value(s, v, s->node[ni].kind == SCHEMA_INT ? "expected int, got " :
			"expected long, got ", d == floor(d) ? " (out of range)" : " (not an integer)");
	}
	if (s->node[ni].kind == SCHEMA_INT && (x < INT32_MIN || x > INT32_MAX))
		return bad_value(s, v, "expected int, got ", " (out of range)");
	jw_i64(out, x);
	return true;
}

/* Numbers pass through as written unless they are beyond the type's range. */
static bool write_real(struct schema *s, uint32_t ni, struct json_val v, struct buf *out)
{
	bool is_float = s->node[ni].kind == SCHEMA_FLOAT;
	if (v.type != JV_NUMBER)
		return schema_mismatch(s, ni, v);
	size_t digits = 0;
	bool exp = false, frac = false;
	for (size_t i = 0; i < v.len; i++) {
		char c = v.p[i];
		if (c == 'e' || c == 'E')
			exp = true;
		else if (c == '.')
			frac = true;
		else if (!frac && c >= '0' && c <= '9')
			digits++;
	}
	if (exp || digits > 38) {
		double d;
		json_num_f64(v, &d);
		if (!isfinite(d) || (is_float && fabs(d) > FLT_MAX))
			return bad_value(s, v, is_float ? "expected float, got " :
				"expected double, got ", " (out of range)");
	}
	buf_add(out, v.p, v.len);
	return true;
}

static bool write_enum(struct schema *s, uint32_t ni, struct json_val v, struct buf *out)
{
	if (v.type != JV_STRING)
		return schema_mismatch(s, ni, v);
	if (schema_enum_index(s, ni, v) < 0) {
		bad_value(s, v, "", " is not a symbol of enum ");
		buf_adds(&s->emsg, short_name(s->node[ni].name));
		return false;
	}
	buf_add(out, v.p, v.len);
	return true;
}

static bool write_fixed(struct schema *s, uint32_t ni, struct json_val v, struct buf *out)
{
	const struct schema_node *n = &s->node[ni];
	size_t len, chars = 0;
	if (v.type != JV_STRING)
		return schema_mismatch(s, ni, v);
	const char *p = json_str(v, &s->tmp, &len);
	for (size_t i = 0; i < len; i++)
		chars += ((unsigned char)p[i] & 0xC0) != 0x80;
	if (chars != n->size) {
		buf_reset(&s->emsg);
		buf_printf(&s->emsg, "expected %zu characters for fixed %s, got %zu", n->size,
			short_name(n->name), chars);
		return false;
	}
	buf_add(out, v.p, v.len);
	return true;
}


bool schema_write_leaf(struct schema *s, uint32_t ni, struct json_val v, struct buf *out)
{
	const struct schema_node *n = &s->node[ni];
	switch (n->kind) {
	case SCHEMA_STRING:
	case SCHEMA_BYTES:
		if (v.type != JV_STRING)
			return schema_mismatch(s, ni, v);
		buf_add(out, v.p, v.len);
		return true;
	case SCHEMA_NULL:
		if (v.type != JV_NULL)
			return schema_mismatch(s, ni, v);
		buf_add(out, "null", 4);
		return true;
	case SCHEMA_BOOLEAN:
		if (v.type != JV_TRUE && v.type != JV_FALSE)
			return schema_mismatch(s, ni, v);
		buf_add(out, v.p, v.len);
		return true;
	case SCHEMA_INT:
	case SCHEMA_LONG:
		if (n->logical != SCHEMA_LT_NONE)
			return write_time(s, ni, v, out);
		return write_integer(s, ni, v, out);
	case SCHEMA_FLOAT:
	case SCHEMA_DOUBLE:
		return write_real(s, ni, v, out);
	case SCHEMA_ENUM:
		return write_enum(s, ni, v, out);
	case SCHEMA_FIXED:
		return write_fixed(s, ni, v, out);
	default:
		return false;
	}
}
