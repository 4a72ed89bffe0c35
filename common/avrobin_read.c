/* Decoding Avro binary to natural JSON, with writer/reader schema resolution, and
   strict bounds on every length and count (the bytes may be hostile). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avrobin.h"
#include "jw.h"
#include "tm.h"

#define MS_MIN (-62167219200000LL) /* 0000-01-01 */
#define MS_MAX (253402300799999LL) /* 9999-12-31T23:59:59.999 */
#define DAY_MS 86400000LL

struct av_pair {
	uint32_t w, r;  /* writer and reader record nodes */
	int32_t *map;   /* writer field → reader field, or -1 to skip */
	bool direct;    /* the same fields in the same order: no reordering */
};

static const char *short_name(const char *full)
{
	const char *dot = full ? strrchr(full, '.') : NULL;
	return dot ? dot + 1 : full ? full : "";
}

static void push_seg(struct av_reader *rd, char kind, const char *p, size_t len)
{
	if (rd->nseg == rd->capseg) {
		rd->capseg = rd->capseg ? rd->capseg * 2 : 16;
		rd->seg = xrealloc(rd->seg, rd->capseg * sizeof *rd->seg);
	}
	rd->seg[rd->nseg++] = (struct schema_seg){ kind, p, len };
}

static bool fail(struct av_reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(struct av_reader *rd, const char *fmt, ...)
{
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	buf_reset(&rd->emsg);
	buf_adds(&rd->emsg, m);
	return false;
}

static bool mismatch(struct av_reader *rd, const struct schema *ws, uint32_t wn,
	const struct schema *rs, uint32_t rn)
{
	buf_reset(&rd->emsg);
	buf_adds(&rd->emsg, "the writer's ");
	schema_describe(ws, wn, &rd->emsg);
	buf_adds(&rd->emsg, " cannot be read as the reader's ");
	schema_describe(rs, rn, &rd->emsg);
	return false;
}

/* Types that resolve without promotion: same kind, and named types by unqualified
   name (fixed also by size). */
static bool exact(const struct schema *ws, uint32_t wn, const struct schema *rs, uint32_t rn)
{
	const struct schema_node *w = &ws->node[wn], *r = &rs->node[rn];
	if (w->kind != r->kind)
		return false;
	if (w->kind == SCHEMA_RECORD || w->kind == SCHEMA_ENUM || w->kind == SCHEMA_FIXED)
		return !strcmp(short_name(w->name), short_name(r->name)) &&
			(w->kind != SCHEMA_FIXED || w->size == r->size);
	return true;
}

static bool promotes(enum schema_kind w, enum schema_kind r)
{
	switch (w) {
	case SCHEMA_INT: return r == SCHEMA_LONG || r == SCHEMA_FLOAT || r == SCHEMA_DOUBLE;
	case SCHEMA_LONG: return r == SCHEMA_FLOAT || r == SCHEMA_DOUBLE;
	case SCHEMA_FLOAT: return r == SCHEMA_DOUBLE;
	case SCHEMA_STRING: return r == SCHEMA_BYTES;
	case SCHEMA_BYTES: return r == SCHEMA_STRING;
	default: return false;
	}
}

static bool compatible(const struct schema *ws, uint32_t wn, const struct schema *rs, uint32_t rn)
{
	return exact(ws, wn, rs, rn) || promotes(ws->node[wn].kind, rs->node[rn].kind);
}

/* The reader union's branch for a (non-union) writer type, or SCHEMA_NONE. */
static uint32_t match_branch(const struct schema *ws, uint32_t wn, const struct schema *rs,
	uint32_t rn)
{
	const struct schema_node *r = &rs->node[rn];
	for (uint32_t i = 0; i < r->n; i++)
		if (exact(ws, wn, rs, rs->branch[r->first + i]))
			return rs->branch[r->first + i];
	for (uint32_t i = 0; i < r->n; i++)
		if (promotes(ws->node[wn].kind, rs->node[rs->branch[r->first + i]].kind))
			return rs->branch[r->first + i];
	return SCHEMA_NONE;
}

static struct av_pair *pair_find(struct av_reader *rd, uint32_t w, uint32_t r)
{
	for (size_t i = 0; i < rd->npair; i++)
		if (rd->pair[i].w == w && rd->pair[i].r == r)
			return &rd->pair[i];
	return NULL;
}

/* Builds the field maps of every record pair reachable from (wn, rn); checks what can
   be checked before data arrives. */
static bool resolve(struct av_reader *rd, uint32_t wn, uint32_t rn)
{
	const struct schema *ws = &rd->w->s, *rs = &rd->r->s;
	const struct schema_node *w = &ws->node[wn], *r = &rs->node[rn];
	if (w->kind == SCHEMA_UNION) {
		/* a writer branch the reader cannot take fails only if data uses it */
		for (uint32_t i = 0; i < w->n; i++) {
			uint32_t wb = ws->branch[w->first + i];
			uint32_t rb = r->kind == SCHEMA_UNION ? match_branch(ws, wb, rs, rn) :
				compatible(ws, wb, rs, rn) ? rn : SCHEMA_NONE;
			if (rb != SCHEMA_NONE && !resolve(rd, wb, rb))
				return false;
		}
		return true;
	}
	if (r->kind == SCHEMA_UNION) {
		uint32_t rb = match_branch(ws, wn, rs, rn);
		if (rb == SCHEMA_NONE)
			return mismatch(rd, ws, wn, rs, rn);
		return resolve(rd, wn, rb);
	}
	if (!compatible(ws, wn, rs, rn))
		return mismatch(rd, ws, wn, rs, rn);
	if (w->kind == SCHEMA_ARRAY || w->kind == SCHEMA_MAP)
		return resolve(rd, w->items, r->items);
	if (w->kind != SCHEMA_RECORD || pair_find(rd, wn, rn))
		return true;
	if (rd->npair == rd->cappair) {
		rd->cappair = rd->cappair ? rd->cappair * 2 : 8;
		rd->pair = xrealloc(rd->pair, rd->cappair * sizeof *rd->pair);
	}
	size_t pi = rd->npair++;
	int32_t *map = xmalloc((w->n ? w->n : 1) * sizeof *map);
	bool *seen = xcalloc(r->n ? r->n : 1, sizeof *seen), direct = w->n == r->n, ok = true;
	rd->pair[pi] = (struct av_pair){ wn, rn, map, false };
	for (uint32_t i = 0; i < w->n; i++) {
		const struct schema_field *wf = &ws->field[w->first + i];
		long j = schema_field_index(rs, rn, wf->name, wf->len);
		map[i] = (int32_t)j;
		direct &= j == (long)i;
		if (j >= 0)
			seen[j] = true;
	}
	for (uint32_t i = 0; i < w->n && ok; i++) {
		const struct schema_field *wf = &ws->field[w->first + i];
		if (map[i] >= 0 && !(ok = resolve(rd, wf->type, rs->field[r->first + (uint32_t)map[i]].type)))
			push_seg(rd, 'f', wf->name, wf->len);
	}
	for (uint32_t j = 0; j < r->n && ok; j++) {
		const struct schema_field *rf = &rs->field[r->first + j];
		if (!seen[j] && !rf->def) {
			ok = fail(rd, "the reader's field has no default and the writer's record %s lacks it",
				short_name(w->name));
			push_seg(rd, 'f', rf->name, rf->len);
		}
	}
	free(seen);
	rd->pair[pi].direct = direct;
	return ok;
}

static void format_err(struct av_reader *rd, struct buf *why)
{
	buf_reset(why);
	if (rd->nseg) {
		buf_adds(why, "field ");
		for (size_t i = rd->nseg; i-- > 0;) {
			const struct schema_seg *g = &rd->seg[i];
			if (g->kind == 'i') {
				buf_printf(why, "[%zu]", g->len);
				continue;
			}
			if (i != rd->nseg - 1)
				buf_addc(why, '.');
			buf_add(why, g->p, g->len);
		}
		buf_adds(why, ": ");
	}
	buf_add(why, rd->emsg.p, rd->emsg.len);
	rd->nseg = 0;
}

bool av_reader_init(struct av_reader *rd, const struct av_schema *w, const struct av_schema *r,
	struct buf *why)
{
	memset(rd, 0, sizeof *rd);
	rd->w = w;
	rd->r = r ? r : w;
	if (rd->r == rd->w)
		return true;
	if (resolve(rd, w->root, rd->r->root))
		return true;
	format_err(rd, why);
	return false;
}

void av_reader_free(struct av_reader *rd)
{
	for (size_t i = 0; i < rd->npair; i++)
		free(rd->pair[i].map);
	free(rd->pair);
	for (size_t i = 0; i <= AV_MAX_DEPTH; i++)
		buf_free(&rd->scr[i]);
	free(rd->slot);
	free(rd->seg);
	buf_free(&rd->emsg);
	memset(rd, 0, sizeof *rd);
}

static size_t at(const struct av_reader *rd)
{
	return (size_t)(rd->p - rd->start);
}

static bool truncated(struct av_reader *rd, const char *what)
{
	return fail(rd, "truncated: the payload ends at byte %zu inside %s",
		(size_t)(rd->end - rd->start), what);
}

static bool get_long(struct av_reader *rd, int64_t *x)
{
	uint64_t z = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (rd->p >= rd->end)
			return truncated(rd, "a number");
		uint8_t b = *rd->p++;
		if (shift == 63 && b > 1)
			return fail(rd, "a number longer than 64 bits at byte %zu", at(rd) - 10);
		z |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		if (shift == 63)
			return fail(rd, "a number longer than 64 bits at byte %zu", at(rd) - 10);
	}
	*x = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
	return true;
}

/* A length or a count: not negative, and no more than the bytes left (each element
   takes at least `unit` bytes). */
static bool get_len(struct av_reader *rd, size_t unit, const char *what, size_t *n)
{
	size_t pos = at(rd), left;
	int64_t x;
	if (!get_long(rd, &x))
		return false;
	if (x < 0)
		return fail(rd, "negative %s %lld at byte %zu", what, (long long)x, pos);
	left = (size_t)(rd->end - rd->p);
	if (unit && (uint64_t)x > left / unit)
		return fail(rd, "truncated: %s %lld at byte %zu with %zu byte%s remaining", what,
			(long long)x, pos, left, left == 1 ? "" : "s");
	*n = (size_t)x;
	return true;
}

/* The fewest bytes a value of node n can take (0 when unsure). */
static size_t min_size(const struct schema *s, uint32_t n, int depth)
{
	const struct schema_node *x = &s->node[n];
	size_t sum = 0;
	switch (x->kind) {
	case SCHEMA_NULL: return 0;
	case SCHEMA_FLOAT: return 4;
	case SCHEMA_DOUBLE: return 8;
	case SCHEMA_FIXED: return x->size;
	case SCHEMA_RECORD:
		if (depth > 8)
			return 0;
		for (uint32_t i = 0; i < x->n; i++)
			sum += min_size(s, s->field[x->first + i].type, depth + 1);
		return sum;
	default: return 1;
	}
}

static void add_int(struct buf *out, const struct schema_node *r, int64_t x)
{
	char t[48];
	int64_t ms;
	switch (r->logical) {
	case SCHEMA_LT_TIMESTAMP_MILLIS:
		if (x >= MS_MIN && x <= MS_MAX) {
			jw_time(out, x);
			return;
		}
		break;
	case SCHEMA_LT_TIMESTAMP_MICROS:
		ms = tm_floordiv(x, 1000);
		if (ms >= MS_MIN && ms <= MS_MAX) {
			int64_t us = x - ms * 1000;
			size_t k = tm_format(ms, t, sizeof t);
			t[k - 1] = (char)('0' + us / 100);
			t[k] = (char)('0' + us / 10 % 10);
			t[k + 1] = (char)('0' + us % 10);
			t[k + 2] = 'Z';
			buf_addc(out, '"');
			buf_add(out, t, k + 3);
			buf_addc(out, '"');
			return;
		}
		break;
	case SCHEMA_LT_DATE:
		if (x >= MS_MIN / DAY_MS && x <= MS_MAX / DAY_MS) {
			tm_format(x * DAY_MS, t, sizeof t);
			buf_addc(out, '"');
			buf_add(out, t, 10);
			buf_addc(out, '"');
			return;
		}
		break;
	default:
		break;
	}
	jw_i64(out, x);
}

static bool nonfinite(struct buf *out, double d)
{
	if (isfinite(d))
		return false;
	buf_adds(out, isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	return true;
}

static void add_float(struct buf *out, float f)
{
	char t[32];
	int n = 0;
	if (nonfinite(out, f))
		return;
	for (int prec = 1; prec <= 9; prec++) {
		n = snprintf(t, sizeof t, "%.*g", prec, (double)f);
		if (strtof(t, NULL) == f)
			break;
	}
	buf_add(out, t, (size_t)n);
}

static void add_double(struct buf *out, double d)
{
	if (!nonfinite(out, d))
		jw_f64(out, d);
}

/* A number read from the writer as the reader's type. */
static void add_number(struct buf *out, const struct schema_node *r, int64_t x)
{
	if (r->kind == SCHEMA_FLOAT)
		add_float(out, (float)x);
	else if (r->kind == SCHEMA_DOUBLE)
		add_double(out, (double)x);
	else
		add_int(out, r, x);
}

/* Avro's JSON form of bytes: one character per byte, escaped unless printable ASCII. */
static void add_bytes(struct buf *out, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_grow(out, n + 2);
	buf_addc(out, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			buf_addc(out, (char)c);
		} else if (c == '"' || c == '\\') {
			buf_addc(out, '\\');
			buf_addc(out, (char)c);
		} else {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_add(out, u, 6);
		}
	}
	buf_addc(out, '"');
}

static bool get_bytes(struct av_reader *rd, const char *what, const uint8_t **p, size_t *n)
{
	if (!get_len(rd, 1, what, n))
		return false;
	*p = rd->p;
	rd->p += *n;
	return true;
}

static bool get_fixed(struct av_reader *rd, size_t size, const char *what, const uint8_t **p)
{
	if ((size_t)(rd->end - rd->p) < size)
		return truncated(rd, what);
	*p = rd->p;
	rd->p += size;
	return true;
}

static bool dec(struct av_reader *rd, uint32_t wn, const struct schema *rs, uint32_t rn,
	struct buf *out, unsigned depth);

static bool dec_enum(struct av_reader *rd, uint32_t wn, const struct schema *rs, uint32_t rn,
	struct buf *out)
{
	const struct schema *ws = &rd->w->s;
	const struct schema_node *w = &ws->node[wn], *r = &rs->node[rn];
	size_t pos = at(rd);
	int64_t i;
	if (!get_long(rd, &i))
		return false;
	if (i < 0 || i >= (int64_t)w->n)
		return fail(rd, "enum index %lld at byte %zu is not a symbol of enum %s (it has %u)",
			(long long)i, pos, short_name(w->name), w->n);
	const struct schema_sym *y = &ws->sym[w->first + (uint32_t)i];
	if (rs != ws) {
		uint32_t k;
		for (k = 0; k < r->n && (rs->sym[r->first + k].len != y->len ||
			memcmp(rs->sym[r->first + k].s, y->s, y->len)); k++)
			;
		if (k == r->n) {
			int32_t d = rd->r->enum_def[rn];
			if (d < 0)
				return fail(rd, "symbol %s is not in the reader's enum %s, which has no default",
					y->s, short_name(r->name));
			k = (uint32_t)d;
		}
		y = &rs->sym[r->first + k];
	}
	jw_str(out, y->s, y->len);
	return true;
}

/* Array items or map values, block by block. */
static bool dec_blocks(struct av_reader *rd, uint32_t wn, const struct schema *rs, uint32_t rn,
	struct buf *out, unsigned depth)
{
	const struct schema *ws = &rd->w->s;
	const struct schema_node *w = &ws->node[wn];
	bool map = w->kind == SCHEMA_MAP;
	uint32_t ritems = rs->node[rn].items;
	size_t unit = map ? 1 + min_size(ws, w->items, 0) : min_size(ws, w->items, 0), idx = 0;
	buf_addc(out, map ? '{' : '[');
	for (;;) {
		size_t pos = at(rd), cnt;
		int64_t c;
		if (!get_long(rd, &c))
			return false;
		if (c == 0)
			break;
		if (c < 0) { /* a count followed by the block's size in bytes */
			size_t size;
			if (c == INT64_MIN)
				return fail(rd, "block count %lld at byte %zu is out of range", (long long)c, pos);
			c = -c;
			if (!get_len(rd, 1, "block size", &size))
				return false;
		}
		size_t left = (size_t)(rd->end - rd->p);
		if (!unit && (uint64_t)c > rd->budget)
			return fail(rd, "block count %lld at byte %zu: more items than a payload of %zu "
				"bytes may hold", (long long)c, pos, (size_t)(rd->end - rd->start));
		if (unit && (uint64_t)c > left / unit)
			return fail(rd, "block count %lld at byte %zu is more than the %zu remaining byte%s can hold",
				(long long)c, pos, left, left == 1 ? "" : "s");
		cnt = (size_t)c;
		for (size_t k = 0; k < cnt; k++, idx++) {
			jw_sep(out);
			if (map) {
				const uint8_t *kp;
				size_t kn;
				if (!get_bytes(rd, "map key length", &kp, &kn))
					return false;
				if (json_utf8_valid((const char *)kp, kn) != kn)
					return fail(rd, "map key at byte %zu is not valid UTF-8",
						(size_t)(kp - rd->start));
				jw_str(out, (const char *)kp, kn);
				buf_addc(out, ':');
			}
			if (!dec(rd, w->items, rs, ritems, out, depth + 1)) {
				push_seg(rd, 'i', NULL, idx);
				return false;
			}
		}
	}
	buf_addc(out, map ? '}' : ']');
	return true;
}

static bool dec_record(struct av_reader *rd, uint32_t wn, const struct schema *rs, uint32_t rn,
	struct buf *out, unsigned depth)
{
	const struct schema *ws = &rd->w->s;
	const struct schema_node *w = &ws->node[wn], *r = &rs->node[rn];
	struct av_pair *pr = NULL;
	if (rs != ws && !(pr = pair_find(rd, wn, rn)))
		return mismatch(rd, ws, wn, rs, rn);
	buf_addc(out, '{');
	if (!pr || pr->direct) {
		for (uint32_t i = 0; i < w->n; i++) {
			const struct schema_field *wf = &ws->field[w->first + i];
			const struct schema_field *rf = &rs->field[r->first + i];
			jw_sep(out);
			buf_add(out, rf->key, rf->key_len);
			if (!dec(rd, wf->type, rs, rf->type, out, depth + 1)) {
				push_seg(rd, 'f', wf->name, wf->len);
				return false;
			}
		}
		buf_addc(out, '}');
		return true;
	}
	/* fields in the reader's order: decode into scratch, then copy */
	struct buf *sc = &rd->scr[depth];
	size_t mark = sc->len, sb = rd->nslot;
	bool ok = true;
	if (rd->capslot - rd->nslot < 2 * (size_t)r->n) {
		while (rd->capslot - rd->nslot < 2 * (size_t)r->n)
			rd->capslot = rd->capslot ? rd->capslot * 2 : 64;
		rd->slot = xrealloc(rd->slot, rd->capslot * sizeof *rd->slot);
	}
	memset(rd->slot + sb, 0xff, 2 * (size_t)r->n * sizeof *rd->slot);
	rd->nslot += 2 * (size_t)r->n;
	for (uint32_t i = 0; i < w->n && ok; i++) {
		const struct schema_field *wf = &ws->field[w->first + i];
		int32_t j = pr->map[i];
		size_t start = sc->len;
		if (j < 0) { /* not in the reader: decoded (checked) and dropped */
			ok = dec(rd, wf->type, ws, wf->type, sc, depth + 1);
			sc->len = start;
		} else {
			ok = dec(rd, wf->type, rs, rs->field[r->first + (uint32_t)j].type, sc, depth + 1);
			rd->slot[sb + 2 * (size_t)j] = (uint32_t)(start - mark);
			rd->slot[sb + 2 * (size_t)j + 1] = (uint32_t)(sc->len - start);
		}
		if (!ok)
			push_seg(rd, 'f', wf->name, wf->len);
	}
	for (uint32_t j = 0; j < r->n && ok; j++) {
		const struct schema_field *rf = &rs->field[r->first + j];
		uint32_t off = rd->slot[sb + 2 * (size_t)j];
		jw_sep(out);
		buf_add(out, rf->key, rf->key_len);
		if (off != SCHEMA_NONE)
			buf_add(out, sc->p + mark + off, rd->slot[sb + 2 * (size_t)j + 1]);
		else
			buf_add(out, rf->def, rf->def_len);
	}
	sc->len = mark;
	if (sc->p)
		sc->p[mark] = 0;
	rd->nslot = sb;
	if (ok)
		buf_addc(out, '}');
	return ok;
}

static bool dec(struct av_reader *rd, uint32_t wn, const struct schema *rs, uint32_t rn,
	struct buf *out, unsigned depth)
{
	const struct schema *ws = &rd->w->s;
	const struct schema_node *w = &ws->node[wn], *r = &rs->node[rn];
	const uint8_t *p = NULL;
	size_t n = 0, pos = at(rd);
	int64_t x;
	if (depth > AV_MAX_DEPTH)
		return fail(rd, "values nested deeper than %d", AV_MAX_DEPTH);
	if (!rd->budget)
		return fail(rd, "more values than a payload of %zu bytes can hold",
			(size_t)(rd->end - rd->start));
	rd->budget--;
	if (w->kind == SCHEMA_UNION) {
		if (!get_long(rd, &x))
			return false;
		if (x < 0 || x >= (int64_t)w->n)
			return fail(rd, "union branch %lld at byte %zu does not exist (the union has %u)",
				(long long)x, pos, w->n);
		uint32_t wb = ws->branch[w->first + (uint32_t)x];
		/* the branch against the reader's type, which may be a union itself */
		return dec(rd, wb, rs, rs == ws ? wb : rn, out, depth);
	}
	if (rs != ws) {
		if (r->kind == SCHEMA_UNION) {
			uint32_t rb = match_branch(ws, wn, rs, rn);
			if (rb == SCHEMA_NONE)
				return mismatch(rd, ws, wn, rs, rn);
			return dec(rd, wn, rs, rb, out, depth);
		}
		if (!compatible(ws, wn, rs, rn))
			return mismatch(rd, ws, wn, rs, rn);
	}
	switch (w->kind) {
	case SCHEMA_NULL:
		jw_null(out);
		return true;
	case SCHEMA_BOOLEAN:
		if (!get_fixed(rd, 1, "a boolean", &p))
			return false;
		if (*p > 1)
			return fail(rd, "boolean byte 0x%02x at byte %zu is neither 0 nor 1", *p, pos);
		jw_bool(out, *p);
		return true;
	case SCHEMA_INT:
	case SCHEMA_LONG:
		if (!get_long(rd, &x))
			return false;
		if (w->kind == SCHEMA_INT && (x < INT32_MIN || x > INT32_MAX))
			return fail(rd, "int %lld at byte %zu is out of range", (long long)x, pos);
		add_number(out, r, x);
		return true;
	case SCHEMA_FLOAT: {
		uint32_t u;
		float f;
		if (!get_fixed(rd, 4, "a float", &p))
			return false;
		u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		memcpy(&f, &u, 4);
		if (r->kind == SCHEMA_DOUBLE)
			add_double(out, f);
		else
			add_float(out, f);
		return true;
	}
	case SCHEMA_DOUBLE: {
		uint64_t u = 0;
		double d;
		if (!get_fixed(rd, 8, "a double", &p))
			return false;
		for (int i = 7; i >= 0; i--)
			u = u << 8 | p[i];
		memcpy(&d, &u, 8);
		add_double(out, d);
		return true;
	}
	case SCHEMA_STRING:
	case SCHEMA_BYTES:
		if (!get_bytes(rd, w->kind == SCHEMA_STRING ? "string length" : "bytes length", &p, &n))
			return false;
		if (r->kind == SCHEMA_BYTES) {
			add_bytes(out, p, n);
			return true;
		}
		if (json_utf8_valid((const char *)p, n) != n)
			return fail(rd, "string at byte %zu is not valid UTF-8", pos);
		jw_str(out, (const char *)p, n);
		return true;
	case SCHEMA_FIXED:
		if (!get_fixed(rd, w->size, "a fixed", &p))
			return false;
		add_bytes(out, p, w->size);
		return true;
	case SCHEMA_ENUM:
		return dec_enum(rd, wn, rs, rn, out);
	case SCHEMA_ARRAY:
	case SCHEMA_MAP:
		return dec_blocks(rd, wn, rs, rn, out, depth);
	case SCHEMA_RECORD:
		return dec_record(rd, wn, rs, rn, out, depth);
	case SCHEMA_UNION:
		break;
	}
	return fail(rd, "unknown type");
}

bool av_decode(struct av_reader *rd, const void *p, size_t n, struct buf *out, struct buf *why)
{
	size_t save = out->len;
	rd->start = rd->p = p;
	rd->end = rd->start + n;
	rd->budget = 65536 + 16 * (uint64_t)n;
	rd->nseg = rd->nslot = 0;
	bool ok = dec(rd, rd->w->root, &rd->r->s, rd->r->root, out, 0);
	if (ok && rd->p != rd->end)
		ok = fail(rd, "%zu byte%s left over after the value (written with another schema?)",
			(size_t)(rd->end - rd->p), rd->end - rd->p == 1 ? "" : "s");
	if (ok)
		return true;
	for (size_t i = 0; i <= AV_MAX_DEPTH; i++)
		buf_reset(&rd->scr[i]);
	format_err(rd, why);
	out->len = save;
	if (out->p)
		out->p[save] = 0;
	return false;
}
