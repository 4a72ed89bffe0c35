#include "expr.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jw.h"
#include "path.h"
#include "tm.h"

#define MAX_DEPTH 200
#define MAX_ARGS 64
#define MAX_HEIGHT 1000

/* Scratch memory for one evaluation: blocks are kept across resets, so once the
   largest evaluation has been seen nothing more is allocated. */
struct blk {
	struct blk *next;
	size_t cap, used;
	char data[];
};

struct arena {
	struct blk *head, *cur;
};

static char *arena_alloc(struct arena *a, size_t n)
{
	if (!a->cur) {
		size_t cap = n > 4096 ? n : 4096;
		a->head = a->cur = xmalloc(sizeof *a->cur + cap);
		a->cur->next = NULL;
		a->cur->cap = cap;
		a->cur->used = 0;
	}
	while (a->cur->cap - a->cur->used < n) {
		if (!a->cur->next) {
			size_t cap = a->cur->cap * 2;
			if (cap < n)
				cap = n;
			struct blk *b = xmalloc(sizeof *b + cap);
			b->next = NULL;
			b->cap = cap;
			a->cur->next = b;
		}
		a->cur = a->cur->next;
		a->cur->used = 0;
	}
	char *p = a->cur->data + a->cur->used;
	a->cur->used += n;
	return p;
}

static void arena_reset(struct arena *a)
{
	a->cur = a->head;
	if (a->cur)
		a->cur->used = 0;
}

static void arena_free(struct arena *a)
{
	for (struct blk *b = a->head, *nx; b; b = nx) {
		nx = b->next;
		free(b);
	}
	a->head = a->cur = NULL;
}

enum op {
	N_CONST, N_FIELD, N_VAR, N_ARRAY, N_EXISTS, N_CALL,
	N_NEG, N_NOT, N_AND, N_OR, N_COND,
	N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE, N_IN, N_NOTIN,
	N_ADD, N_SUB, N_MUL, N_DIV, N_MOD,
};

enum fn {
	F_CONTAINS, F_SIZE, F_EXISTS, F_LOWER, F_UPPER, F_MATCHES, F_STARTS, F_ENDS,
	F_MIN, F_MAX, F_ABS, F_NOW, F_TIME, F_COALESCE,
};

static const struct {
	const char *name;
	enum fn fn;
	int min, max;
} funcs[] = {
	{ "contains", F_CONTAINS, 2, 2 },
	{ "array_contains", F_CONTAINS, 2, 2 },
	{ "size", F_SIZE, 1, 1 },
	{ "exists", F_EXISTS, 1, 1 },
	{ "lower", F_LOWER, 1, 1 },
	{ "upper", F_UPPER, 1, 1 },
	{ "matches", F_MATCHES, 2, 2 },
	{ "starts_with", F_STARTS, 2, 2 },
	{ "ends_with", F_ENDS, 2, 2 },
	{ "min", F_MIN, 1, MAX_ARGS },
	{ "max", F_MAX, 1, MAX_ARGS },
	{ "abs", F_ABS, 1, 1 },
	{ "now", F_NOW, 0, 0 },
	{ "time", F_TIME, 1, 1 },
	{ "coalesce", F_COALESCE, 1, MAX_ARGS },
};

struct node {
	enum op op;
	enum fn fn;
	struct node **kid;
	size_t nkid;
	struct expr_val *kv; /* scratch for the kids' values */
	struct expr_val val; /* N_CONST */
	char *own;           /* bytes of a constant string, array or object */
	struct path path;    /* N_FIELD, N_EXISTS */
	int slot;            /* N_VAR */
	bool has_re, re_literal;
	regex_t re;
	char *dyn; /* pattern text a non-literal regex was compiled from */
	size_t dynlen;
	int h; /* height, to bound recursion in eval */
};

struct expr {
	struct node *root;
	struct arena arena;
	struct buf tmp; /* transient: decoding strings, building arrays */
	bool uses_fields, uses_vars, uses_now;
};

/* ---- values ---- */

static inline void set_null(struct expr_val *v) { v->type = EXPR_NULL; }
static inline void set_bool(struct expr_val *v, bool b) { v->type = EXPR_BOOL; v->u.b = b; }
static inline void set_int(struct expr_val *v, int64_t i) { v->type = EXPR_INT; v->u.i = i; }

static inline void set_real(struct expr_val *v, double d)
{
	if (!isfinite(d)) {
		v->type = EXPR_NULL;
		return;
	}
	v->type = EXPR_REAL;
	v->u.d = d;
}

static inline bool is_num(const struct expr_val *v)
{
	return v->type == EXPR_INT || v->type == EXPR_REAL;
}

static inline double as_real(const struct expr_val *v)
{
	return v->type == EXPR_INT ? (double)v->u.i : v->u.d;
}

bool expr_truthy(const struct expr_val *v)
{
	return v->type == EXPR_BOOL && v->u.b;
}

static int num_cmp(const struct expr_val *a, const struct expr_val *b)
{
	if (a->type == EXPR_INT && b->type == EXPR_INT)
		return (a->u.i > b->u.i) - (a->u.i < b->u.i);
	/* long double holds every int64 exactly on the platforms we build for */
	long double x = a->type == EXPR_INT ? (long double)a->u.i : (long double)a->u.d;
	long double y = b->type == EXPR_INT ? (long double)b->u.i : (long double)b->u.d;
	return (x > y) - (x < y);
}

static int str_cmp(const struct expr_val *a, const struct expr_val *b)
{
	size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
	int c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
}

bool expr_val_equal(const struct expr_val *a, const struct expr_val *b)
{
	if (is_num(a) && is_num(b))
		return num_cmp(a, b) == 0;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case EXPR_NULL:
		return true;
	case EXPR_BOOL:
		return a->u.b == b->u.b;
	case EXPR_STR:
		return str_cmp(a, b) == 0;
	case EXPR_ARRAY:
	case EXPR_OBJECT:
		return json_val_equal(a->u.j, b->u.j);
	default:
		return false;
	}
}

/* <, <=, >, >= hold only between two numbers or two strings. */
static bool ordered(const struct expr_val *a, const struct expr_val *b, int *c)
{
	if (is_num(a) && is_num(b)) {
		*c = num_cmp(a, b);
		return true;
	}
	if (a->type == EXPR_STR && b->type == EXPR_STR) {
		*c = str_cmp(a, b);
		return true;
	}
	return false;
}

static void to_val(struct json_val j, struct expr_val *out)
{
	switch (j.type) {
	case JV_TRUE:
		set_bool(out, true);
		break;
	case JV_FALSE:
		set_bool(out, false);
		break;
	case JV_NUMBER: {
		int64_t i;
		double d;
		if (json_num_i64(j, &i)) {
			set_int(out, i);
		} else {
			json_num_f64(j, &d);
			set_real(out, d);
		}
		break;
	}
	case JV_ARRAY:
		out->type = EXPR_ARRAY;
		out->u.j = j;
		break;
	case JV_OBJECT:
		out->type = EXPR_OBJECT;
		out->u.j = j;
		break;
	default:
		set_null(out);
	}
}

void expr_from_json(struct json_val j, struct buf *scratch, struct expr_val *out)
{
	if (j.type == JV_STRING) {
		out->type = EXPR_STR;
		out->u.s.p = json_str(j, scratch, &out->u.s.n);
		return;
	}
	to_val(j, out);
}

/* The same, decoding escaped strings into the expression's arena. */
static void from_json(struct expr *e, struct json_val j, struct expr_val *out)
{
	if (j.type != JV_STRING) {
		to_val(j, out);
		return;
	}
	out->type = EXPR_STR;
	if (!memchr(j.p + 1, '\\', j.len - 2)) {
		out->u.s.p = j.p + 1;
		out->u.s.n = j.len - 2;
		return;
	}
	buf_reset(&e->tmp);
	json_str_append(&e->tmp, j);
	char *p = arena_alloc(&e->arena, e->tmp.len + 1);
	memcpy(p, e->tmp.p, e->tmp.len + 1);
	out->u.s.p = p;
	out->u.s.n = e->tmp.len;
}

void expr_jw(struct buf *b, const struct expr_val *v)
{
	switch (v->type) {
	case EXPR_NULL:
		jw_null(b);
		break;
	case EXPR_BOOL:
		jw_bool(b, v->u.b);
		break;
	case EXPR_INT:
		jw_i64(b, v->u.i);
		break;
	case EXPR_REAL:
		jw_f64(b, v->u.d);
		break;
	case EXPR_STR:
		jw_str(b, v->u.s.p, v->u.s.n);
		break;
	case EXPR_ARRAY:
	case EXPR_OBJECT:
		jw_val(b, v->u.j);
		break;
	}
}

void expr_val_own(struct expr_val *v, struct buf *store)
{
	const char *p;
	size_t n;
	if (v->type == EXPR_STR) {
		p = v->u.s.p;
		n = v->u.s.n;
	} else if (v->type == EXPR_ARRAY || v->type == EXPR_OBJECT) {
		p = v->u.j.p;
		n = v->u.j.len;
	} else {
		return;
	}
	if (store->p && p >= store->p && p <= store->p + store->len) {
		memmove(store->p, p, n);
		store->len = n;
		store->p[n] = 0;
	} else {
		buf_reset(store);
		buf_add(store, p ? p : "", n);
	}
	if (!store->p)
		buf_add(store, "", 0);
	if (v->type == EXPR_STR)
		v->u.s.p = store->p;
	else
		v->u.j.p = store->p;
}

/* ---- lexer ---- */

enum tok {
	T_END, T_ERR, T_NUM, T_STR, T_PATH, T_LP, T_RP, T_LB, T_RB, T_COMMA, T_QUEST,
	T_COLON, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PCT, T_EQ, T_NE, T_LT, T_LE, T_GT,
	T_GE, T_AND, T_OR, T_BANG, T_NOT, T_IN, T_TRUE, T_FALSE, T_NULL, T_ARROW, T_FAT,
	T_LBRACE, T_ASSIGN,
};

struct lex {
	const char *src;
	size_t len, pos;
	enum tok t;
	size_t start, end; /* current token */
	bool simple;       /* T_PATH that is one plain identifier */
	struct expr_val num;
	struct buf str; /* decoded T_STR */
	const struct expr_opts *o;
	struct expr *e;
	struct expr_err *err;
	bool failed;
	int depth;
};

static void *fail(struct lex *L, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void *fail(struct lex *L, size_t off, const char *fmt, ...)
{
	if (!L->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(L->err->msg, sizeof L->err->msg, fmt, ap);
		va_end(ap);
		L->err->off = off;
		L->failed = true;
	}
	return NULL;
}

static inline bool id_start(int c) { return isalpha(c) || c == '_'; }
static inline bool id_char(int c) { return isalnum(c) || c == '_'; }

static const char *tok_text(struct lex *L, char *tmp, size_t cap)
{
	if (L->t == T_END)
		return "end of expression";
	size_t n = L->end - L->start;
	if (n > cap - 3)
		n = cap - 3;
	tmp[0] = '\'';
	memcpy(tmp + 1, L->src + L->start, n);
	tmp[n + 1] = '\'';
	tmp[n + 2] = 0;
	return tmp;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char o[4];
	size_t n;
	if (cp < 0x80) {
		o[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		o[0] = (char)(0xF0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(b, o, n);
}

static int hex4(const char *p, const char *end)
{
	int v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static bool lex_string(struct lex *L)
{
	const char *s = L->src, *p = s + L->pos, *end = s + L->len;
	char q = *p++;
	buf_reset(&L->str);
	for (;;) {
		if (p >= end) {
			fail(L, L->start, "unterminated string");
			return false;
		}
		char c = *p;
		if (c == q) {
			p++;
			break;
		}
		if (c != '\\') {
			buf_addc(&L->str, c);
			p++;
			continue;
		}
		const char *esc = p;
		if (p + 1 >= end) {
			fail(L, (size_t)(esc - s), "unterminated string");
			return false;
		}
		c = p[1];
		p += 2;
		switch (c) {
		case '"': case '\'': case '\\': case '/':
			buf_addc(&L->str, c);
			break;
		case 'b': buf_addc(&L->str, '\b'); break;
		case 'f': buf_addc(&L->str, '\f'); break;
		case 'n': buf_addc(&L->str, '\n'); break;
		case 'r': buf_addc(&L->str, '\r'); break;
		case 't': buf_addc(&L->str, '\t'); break;
		case 'u': {
			int cp = hex4(p, end);
			if (cp < 0) {
				fail(L, (size_t)(esc - s), "invalid \\u escape");
				return false;
			}
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				int lo = (end - p >= 6 && p[0] == '\\' && p[1] == 'u') ? hex4(p + 2, end) : -1;
				if (lo < 0xDC00 || lo > 0xDFFF) {
					fail(L, (size_t)(esc - s), "unpaired surrogate in \\u escape");
					return false;
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				fail(L, (size_t)(esc - s), "unpaired surrogate in \\u escape");
				return false;
			}
			put_utf8(&L->str, (unsigned)cp);
			break;
		}
		default:
			fail(L, (size_t)(esc - s), "invalid escape in string");
			return false;
		}
	}
	L->pos = (size_t)(p - s);
	return true;
}

static bool lex_number(struct lex *L)
{
	const char *s = L->src, *p = s + L->pos, *end = s + L->len;
	bool real = false;
	while (p < end && isdigit((unsigned char)*p))
		p++;
	if (p + 1 < end && *p == '.' && isdigit((unsigned char)p[1])) {
		real = true;
		p++;
		while (p < end && isdigit((unsigned char)*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q < end && isdigit((unsigned char)*q)) {
			real = true;
			p = q;
			while (p < end && isdigit((unsigned char)*p))
				p++;
		}
	}
	if (p < end && (id_char((unsigned char)*p) || *p == '.')) {
		fail(L, L->start, "malformed number");
		return false;
	}
	size_t n = (size_t)(p - (s + L->pos));
	char tmp[64];
	if (n >= sizeof tmp) {
		fail(L, L->start, "number too long");
		return false;
	}
	memcpy(tmp, s + L->pos, n);
	tmp[n] = 0;
	L->pos += n;
	if (!real) {
		bool ok = true;
		uint64_t acc = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned d = (unsigned)(tmp[i] - '0');
			if (acc > ((uint64_t)INT64_MAX - d) / 10) {
				ok = false;
				break;
			}
			acc = acc * 10 + d;
		}
		if (ok) {
			set_int(&L->num, (int64_t)acc);
			return true;
		}
	}
	double d = strtod(tmp, NULL);
	if (!isfinite(d)) {
		fail(L, L->start, "number out of range");
		return false;
	}
	L->num.type = EXPR_REAL;
	L->num.u.d = d;
	return true;
}

static bool word_is(struct lex *L, const char *w)
{
	size_t n = strlen(w);
	return L->t == T_PATH && L->simple && L->end - L->start == n &&
	       !strncasecmp(L->src + L->start, w, n);
}

/* A field path: identifier or ."quoted" segments, [N] indexes, no spaces. */
static bool lex_path(struct lex *L)
{
	const char *s = L->src;
	size_t p = L->pos, segs = 0;
	bool plain = true;
	if (s[p] == '.')
		p++, plain = false;
	for (;;) {
		if (p < L->len && s[p] == '"') {
			size_t q = p + 1;
			while (q < L->len && s[q] != '"')
				q++;
			if (q >= L->len || q == p + 1) {
				fail(L, p, "unterminated or empty quoted key in field path");
				return false;
			}
			p = q + 1;
			plain = false;
		} else if (p < L->len && id_start((unsigned char)s[p])) {
			while (p < L->len && id_char((unsigned char)s[p]))
				p++;
		} else {
			fail(L, p, "expected a field name");
			return false;
		}
		segs++;
		while (p < L->len && s[p] == '[') {
			size_t q = p + 1;
			while (q < L->len && isdigit((unsigned char)s[q]))
				q++;
			if (q == p + 1 || q >= L->len || s[q] != ']') {
				fail(L, p, "array index in field path must be [N]");
				return false;
			}
			p = q + 1;
			plain = false;
		}
		if (p + 1 < L->len && s[p] == '.' && (id_start((unsigned char)s[p + 1]) ||
						   s[p + 1] == '"')) {
			p++;
			continue;
		}
		break;
	}
	L->simple = plain && segs == 1;
	L->pos = p;
	return true;
}

static void next(struct lex *L)
{
	const char *s = L->src;
	while (L->pos < L->len && (s[L->pos] == ' ' || s[L->pos] == '\t' || s[L->pos] == '\n' ||
				     s[L->pos] == '\r'))
		L->pos++;
	L->start = L->pos;
	L->simple = false;
	if (L->pos >= L->len) {
		L->t = T_END;
		L->end = L->pos;
		return;
	}
	char c = s[L->pos], d = L->pos + 1 < L->len ? s[L->pos + 1] : 0;
	size_t w = 1;
	enum tok t = T_ERR;
	switch (c) {
	case '(': t = T_LP; break;
	case ')': t = T_RP; break;
	case '[': t = T_LB; break;
	case ']': t = T_RB; break;
	case '{': t = T_LBRACE; break;
	case ',': t = T_COMMA; break;
	case '?': t = T_QUEST; break;
	case ':': t = T_COLON; break;
	case '+': t = T_PLUS; break;
	case '*': t = T_STAR; break;
	case '/': t = T_SLASH; break;
	case '%': t = T_PCT; break;
	case '-':
		if (d == '>')
			t = T_ARROW, w = 2;
		else
			t = T_MINUS;
		break;
	case '=':
		if (d == '=')
			t = T_EQ, w = 2;
		else if (d == '>')
			t = T_FAT, w = 2;
		else
			t = T_ASSIGN;
		break;
	case '!':
		if (d == '=')
			t = T_NE, w = 2;
		else
			t = T_BANG;
		break;
	case '<':
		if (d == '=')
			t = T_LE, w = 2;
		else
			t = T_LT;
		break;
	case '>':
		if (d == '=')
			t = T_GE, w = 2;
		else
			t = T_GT;
		break;
	case '&':
		if (d == '&')
			t = T_AND, w = 2;
		break;
	case '|':
		if (d == '|')
			t = T_OR, w = 2;
		break;
	case '"':
	case '\'':
		if (!lex_string(L)) {
			L->t = T_ERR;
			L->end = L->pos;
			return;
		}
		L->t = T_STR;
		L->end = L->pos;
		return;
	default:
		break;
	}
	if (t != T_ERR) {
		L->t = t;
		L->pos += w;
		L->end = L->pos;
		return;
	}
	if (isdigit((unsigned char)c)) {
		L->t = lex_number(L) ? T_NUM : T_ERR;
		L->end = L->pos;
		return;
	}
	if (id_start((unsigned char)c) || (c == '.' && (id_start((unsigned char)d) || d == '"'))) {
		if (!lex_path(L)) {
			L->t = T_ERR;
			L->end = L->pos;
			return;
		}
		L->t = T_PATH;
		L->end = L->pos;
		static const struct {
			const char *w;
			enum tok t;
		} kw[] = {
			{ "and", T_AND }, { "or", T_OR }, { "not", T_NOT }, { "in", T_IN },
			{ "true", T_TRUE }, { "false", T_FALSE }, { "null", T_NULL },
		};
		if (L->simple)
			for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
				if (word_is(L, kw[i].w)) {
					L->t = kw[i].t;
					L->simple = false;
					break;
				}
		return;
	}
	L->t = T_ERR;
	L->end = L->pos + 1;
	if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
		fail(L, L->pos, "unexpected character '%c'", c);
	else
		fail(L, L->pos, "unexpected byte 0x%02x", (unsigned char)c);
}

/* The token after the current one, without consuming anything. */
static enum tok peek(struct lex *L, bool *within_or_by)
{
	struct lex save = *L;
	struct buf keep = L->str;
	bool failed = L->failed;
	struct expr_err err = *L->err;
	L->str = (struct buf)BUF_INIT;
	next(L);
	enum tok t = L->t;
	if (within_or_by)
		*within_or_by = L->t == T_PATH && (word_is(L, "within") || word_is(L, "by"));
	buf_free(&L->str);
	*L = save;
	L->str = keep;
	L->failed = failed;
	*L->err = err;
	return t;
}

/* ---- parser ---- */

static struct node *new_node(enum op op, size_t nkid)
{
	struct node *n = xcalloc(1, sizeof *n);
	n->op = op;
	n->slot = -1;
	n->h = 1;
	if (nkid) {
		n->kid = xcalloc(nkid, sizeof *n->kid);
		n->kv = xcalloc(nkid, sizeof *n->kv);
		n->nkid = nkid;
	}
	return n;
}

static void free_node(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkid; i++)
		free_node(n->kid[i]);
	free(n->kid);
	free(n->kv);
	free(n->own);
	free(n->dyn);
	if (n->path.text)
		path_free(&n->path);
	if (n->has_re)
		regfree(&n->re);
	free(n);
}

static void own_const(struct node *n)
{
	const char *p = NULL;
	size_t len = 0;
	if (n->val.type == EXPR_STR) {
		p = n->val.u.s.p;
		len = n->val.u.s.n;
	} else if (n->val.type == EXPR_ARRAY || n->val.type == EXPR_OBJECT) {
		p = n->val.u.j.p;
		len = n->val.u.j.len;
	} else {
		return;
	}
	char *o = xmalloc(len + 1);
	if (len)
		memcpy(o, p, len);
	o[len] = 0;
	free(n->own);
	n->own = o;
	if (n->val.type == EXPR_STR)
		n->val.u.s.p = o;
	else
		n->val.u.j.p = o;
}

static void eval(struct expr *e, struct node *n, const struct expr_env *env,
	struct expr_val *out);

/* Folds a node whose kids are all constants into a constant. */
static struct node *fold(struct lex *L, struct node *n)
{
	for (size_t i = 0; i < n->nkid; i++)
		if (n->kid[i]->h + 1 > n->h)
			n->h = n->kid[i]->h + 1;
	if (n->op == N_CONST || n->op == N_FIELD || n->op == N_VAR || n->op == N_EXISTS ||
	    (n->op == N_CALL && n->fn == F_NOW))
		return n;
	for (size_t i = 0; i < n->nkid; i++)
		if (n->kid[i]->op != N_CONST)
			return n;
	struct expr_env env = { NULL, NULL, 0 };
	struct expr_val v;
	arena_reset(&L->e->arena);
	eval(L->e, n, &env, &v);
	struct node *c = new_node(N_CONST, 0);
	c->val = v;
	own_const(c);
	free_node(n);
	return c;
}

static struct node *parse(struct lex *L, int minbp);

static int find_fn(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
		if (strlen(funcs[i].name) == n && !strncasecmp(funcs[i].name, name, n))
			return (int)i;
	return -1;
}

static struct node *parse_call(struct lex *L)
{
	size_t at = L->start, nlen = L->end - L->start;
	int fi = find_fn(L->src + at, nlen);
	if (fi < 0)
		return fail(L, at, "unknown function '%.*s'", (int)nlen, L->src + at);
	next(L); /* name */
	next(L); /* ( */
	struct node *args[MAX_ARGS];
	size_t argoff[MAX_ARGS];
	size_t na = 0;
	struct node *n = NULL;
	if (L->t != T_RP) {
		for (;;) {
			if (na == MAX_ARGS) {
				fail(L, L->start, "too many arguments");
				goto bad;
			}
			argoff[na] = L->start;
			if (!(args[na] = parse(L, 0)))
				goto bad;
			na++;
			if (L->t == T_COMMA) {
				next(L);
				continue;
			}
			if (L->t != T_RP) {
				fail(L, L->start, "expected ',' or ')'");
				goto bad;
			}
			break;
		}
	}
	next(L); /* ) */
	if ((int)na < funcs[fi].min || (int)na > funcs[fi].max) {
		if (funcs[fi].min == funcs[fi].max)
			fail(L, at, "%s() takes %d argument%s, not %zu", funcs[fi].name,
				funcs[fi].min, funcs[fi].min == 1 ? "" : "s", na);
		else
			fail(L, at, "%s() takes at least %d argument%s", funcs[fi].name,
				funcs[fi].min, funcs[fi].min == 1 ? "" : "s");
		goto bad;
	}
	if (funcs[fi].fn == F_EXISTS) {
		if (args[0]->op != N_FIELD) {
			fail(L, argoff[0], "exists() takes a record field path");
			goto bad;
		}
		args[0]->op = N_EXISTS;
		return args[0];
	}
	n = new_node(N_CALL, na);
	n->fn = funcs[fi].fn;
	for (size_t i = 0; i < na; i++)
		n->kid[i] = args[i];
	na = 0;
	if (n->fn == F_NOW)
		L->e->uses_now = true;
	if (n->fn == F_MATCHES && n->kid[1]->op == N_CONST) {
		const struct expr_val *pv = &n->kid[1]->val;
		if (pv->type != EXPR_STR) {
			fail(L, argoff[1], "matches() takes a string pattern");
			goto bad;
		}
		int rc = regcomp(&n->re, pv->u.s.p, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char m[100];
			regerror(rc, &n->re, m, sizeof m);
			regfree(&n->re);
			fail(L, argoff[1], "invalid regular expression: %s", m);
			goto bad;
		}
		n->has_re = n->re_literal = true;
	}
	return fold(L, n);
bad:
	for (size_t i = 0; i < na; i++)
		free_node(args[i]);
	free_node(n);
	return NULL;
}

static struct node *parse_prefix(struct lex *L)
{
	struct node *n, *k;
	char tt[32];
	switch (L->t) {
	case T_NUM:
		n = new_node(N_CONST, 0);
		n->val = L->num;
		next(L);
		return n;
	case T_STR:
		n = new_node(N_CONST, 0);
		n->val.type = EXPR_STR;
		n->val.u.s.p = L->str.p ? L->str.p : "";
		n->val.u.s.n = L->str.len;
		own_const(n);
		next(L);
		return n;
	case T_TRUE:
	case T_FALSE:
		n = new_node(N_CONST, 0);
		set_bool(&n->val, L->t == T_TRUE);
		next(L);
		return n;
	case T_NULL:
		n = new_node(N_CONST, 0);
		next(L);
		return n;
	case T_PATH: {
		if (L->simple) {
			size_t q = L->end;
			while (q < L->len && (L->src[q] == ' ' || L->src[q] == '\t'))
				q++;
			if (q < L->len && L->src[q] == '(')
				return parse_call(L);
			if (L->o && L->o->resolve) {
				int slot = L->o->resolve(L->o->ctx, L->src + L->start, L->end - L->start);
				if (slot >= 0) {
					n = new_node(N_VAR, 0);
					n->slot = slot;
					L->e->uses_vars = true;
					next(L);
					return n;
				}
			}
		}
		char *text = xstrndup(L->src + L->start, L->end - L->start);
		const char *perr;
		n = new_node(N_FIELD, 0);
		bool ok = path_parse(&n->path, text, &perr);
		free(text);
		if (!ok) {
			free_node(n);
			return fail(L, L->start, "%s", perr);
		}
		L->e->uses_fields = true;
		next(L);
		return n;
	}
	case T_LP:
		next(L);
		if (!(n = parse(L, 0)))
			return NULL;
		if (L->t != T_RP) {
			free_node(n);
			return fail(L, L->start, "expected ')'");
		}
		next(L);
		return n;
	case T_LB: {
		next(L);
		struct node *el[MAX_ARGS];
		size_t ne = 0;
		if (L->t != T_RB) {
			for (;;) {
				if (ne == MAX_ARGS) {
					fail(L, L->start, "too many array elements (at most %d)", MAX_ARGS);
					goto badarr;
				}
				if (!(el[ne] = parse(L, 0)))
					goto badarr;
				ne++;
				if (L->t == T_COMMA) {
					next(L);
					continue;
				}
				if (L->t != T_RB) {
					fail(L, L->start, "expected ',' or ']'");
					goto badarr;
				}
				break;
			}
		}
		next(L);
		n = new_node(N_ARRAY, ne);
		for (size_t i = 0; i < ne; i++)
			n->kid[i] = el[i];
		if (!ne) { /* no kids to fold from */
			n->op = N_CONST;
			n->val.type = EXPR_ARRAY;
			n->val.u.j.p = "[]";
			n->val.u.j.len = 2;
			n->val.u.j.type = JV_ARRAY;
			own_const(n);
			return n;
		}
		return fold(L, n);
badarr:
		for (size_t i = 0; i < ne; i++)
			free_node(el[i]);
		return NULL;
	}
	case T_BANG:
	case T_NOT:
	case T_MINUS: {
		enum tok t = L->t;
		next(L);
		if (!(k = parse(L, t == T_NOT ? 40 : 90)))
			return NULL;
		n = new_node(t == T_MINUS ? N_NEG : N_NOT, 1);
		n->kid[0] = k;
		return fold(L, n);
	}
	case T_ERR:
		return NULL; /* the lexer said why */
	case T_ASSIGN:
		return fail(L, L->start, "'=' is not an operator; compare with '=='");
	case T_END:
		return fail(L, L->start, "expected an expression");
	default:
		return fail(L, L->start, "expected an expression, not %s", tok_text(L, tt, sizeof tt));
	}
}

static int infix_bp(enum tok t, enum op *op)
{
	switch (t) {
	case T_QUEST: *op = N_COND; return 10;
	case T_OR: *op = N_OR; return 20;
	case T_AND: *op = N_AND; return 30;
	case T_EQ: *op = N_EQ; return 50;
	case T_NE: *op = N_NE; return 50;
	case T_LT: *op = N_LT; return 60;
	case T_LE: *op = N_LE; return 60;
	case T_GT: *op = N_GT; return 60;
	case T_GE: *op = N_GE; return 60;
	case T_IN: *op = N_IN; return 60;
	case T_NOT: *op = N_NOTIN; return 60; /* only as `not in` */
	case T_PLUS: *op = N_ADD; return 70;
	case T_MINUS: *op = N_SUB; return 70;
	case T_STAR: *op = N_MUL; return 80;
	case T_SLASH: *op = N_DIV; return 80;
	case T_PCT: *op = N_MOD; return 80;
	default: return -1;
	}
}

static struct node *parse(struct lex *L, int minbp)
{
	if (++L->depth > MAX_DEPTH) {
		L->depth--;
		return fail(L, L->start, "expression nested too deeply");
	}
	struct node *left = parse_prefix(L), *right, *n;
	while (left) {
		enum op op;
		int bp = infix_bp(L->t, &op);
		if (L->t == T_ASSIGN) {
			fail(L, L->start, "'=' is not an operator; compare with '=='");
			goto bad;
		}
		if (bp < 0 || bp <= minbp)
			break;
		if (L->t == T_NOT && peek(L, NULL) != T_IN)
			break;
		if (L->o && L->o->partial && L->o->quantifiers &&
		    (L->t == T_PLUS || L->t == T_QUEST || L->t == T_STAR)) {
			bool wb;
			enum tok nt = peek(L, &wb);
			if (nt == T_END || nt == T_ARROW || nt == T_FAT || nt == T_LBRACE || wb)
				break;
		}
		if (L->t == T_NOT)
			next(L); /* `not` of `not in` */
		next(L);
		if (op == N_COND) {
			struct node *a, *b;
			if (!(a = parse(L, 0)))
				goto bad;
			if (L->t != T_COLON) {
				free_node(a);
				fail(L, L->start, "expected ':'");
				goto bad;
			}
			next(L);
			if (!(b = parse(L, bp - 1))) {
				free_node(a);
				goto bad;
			}
			n = new_node(N_COND, 3);
			n->kid[0] = left;
			n->kid[1] = a;
			n->kid[2] = b;
			left = fold(L, n);
			continue;
		}
		if (!(right = parse(L, bp)))
			goto bad;
		n = new_node(op, 2);
		n->kid[0] = left;
		n->kid[1] = right;
		left = fold(L, n);
		if (left->h > MAX_HEIGHT) {
			fail(L, L->start, "expression too long or nested too deeply");
			goto bad;
		}
		if (bp == 50 || bp == 60) {
			enum op op2;
			if (infix_bp(L->t, &op2) == bp && (L->t != T_NOT || peek(L, NULL) == T_IN)) {
				fail(L, L->start, "comparisons do not chain; combine them with '&&'");
				goto bad;
			}
		}
	}
	L->depth--;
	return left;
bad:
	L->depth--;
	free_node(left);
	return NULL;
}

struct expr *expr_compile(const char *src, size_t len, const struct expr_opts *opts,
	size_t *end, struct expr_err *err)
{
	struct expr *e = xcalloc(1, sizeof *e);
	struct lex L;
	memset(&L, 0, sizeof L);
	L.src = src;
	L.len = len;
	L.o = opts;
	L.e = e;
	L.err = err;
	err->off = 0;
	err->msg[0] = 0;
	next(&L);
	e->root = L.failed ? NULL : parse(&L, 0);
	if (e->root && !L.failed) {
		if (opts && opts->partial) {
			if (end)
				*end = L.start;
		} else if (L.t != T_END) {
			char tt[32];
			fail(&L, L.start, "unexpected %s", tok_text(&L, tt, sizeof tt));
		} else if (end) {
			*end = len;
		}
	}
	buf_free(&L.str);
	if (L.failed || !e->root) {
		if (!L.failed)
			fail(&L, L.start, "syntax error");
		expr_free(e);
		return NULL;
	}
	arena_reset(&e->arena);
	return e;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	free_node(e->root);
	arena_free(&e->arena);
	buf_free(&e->tmp);
	free(e);
}

bool expr_is_const(const struct expr *e)
{
	return e->root->op == N_CONST;
}

bool expr_uses_fields(const struct expr *e)
{
	return e->uses_fields;
}

/* ---- evaluation ---- */

static void arith(enum op op, const struct expr_val *a, const struct expr_val *b,
	struct expr_val *out)
{
	if (!is_num(a) || !is_num(b)) {
		set_null(out);
		return;
	}
	if (a->type == EXPR_INT && b->type == EXPR_INT) {
		int64_t x = a->u.i, y = b->u.i, r;
		switch (op) {
		case N_ADD:
			if (__builtin_add_overflow(x, y, &r))
				goto null;
			break;
		case N_SUB:
			if (__builtin_sub_overflow(x, y, &r))
				goto null;
			break;
		case N_MUL:
			if (__builtin_mul_overflow(x, y, &r))
				goto null;
			break;
		case N_DIV:
			if (y == 0 || (x == INT64_MIN && y == -1))
				goto null;
			if (x % y == 0) {
				r = x / y;
			} else {
				set_real(out, (double)x / (double)y);
				return;
			}
			break;
		case N_MOD:
			if (y == 0)
				goto null;
			r = y == -1 ? 0 : x % y;
			break;
		default:
			goto null;
		}
		set_int(out, r);
		return;
	}
	double x = as_real(a), y = as_real(b);
	switch (op) {
	case N_ADD: set_real(out, x + y); return;
	case N_SUB: set_real(out, x - y); return;
	case N_MUL: set_real(out, x * y); return;
	case N_DIV:
		if (y == 0)
			goto null;
		set_real(out, x / y);
		return;
	case N_MOD:
		if (y == 0)
			goto null;
		set_real(out, fmod(x, y));
		return;
	default:
		break;
	}
null:
	set_null(out);
}

static bool mem_find(const char *h, size_t hn, const char *n, size_t nn)
{
	if (nn == 0)
		return true;
	if (nn > hn)
		return false;
	return memmem(h, hn, n, nn) != NULL;
}

/* `x in y`, contains(y, x): element of an array, substring, or key of an object. */
static bool contains(struct expr *e, const struct expr_val *hay, const struct expr_val *x)
{
	switch (hay->type) {
	case EXPR_ARRAY: {
		struct json_iter it;
		struct json_val el;
		struct expr_val v;
		json_iter_init(&it, hay->u.j);
		while (json_arr_next(&it, &el)) {
			from_json(e, el, &v);
			if (expr_val_equal(&v, x))
				return true;
		}
		return false;
	}
	case EXPR_STR:
		return x->type == EXPR_STR && mem_find(hay->u.s.p, hay->u.s.n, x->u.s.p, x->u.s.n);
	case EXPR_OBJECT: {
		struct json_val v;
		return x->type == EXPR_STR && json_obj_get(hay->u.j, x->u.s.p, x->u.s.n, &v);
	}
	default:
		return false;
	}
}

static size_t utf8_chars(const char *p, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)p[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static const char *arena_cstr(struct expr *e, const struct expr_val *s)
{
	char *p = arena_alloc(&e->arena, s->u.s.n + 1);
	if (s->u.s.n)
		memcpy(p, s->u.s.p, s->u.s.n);
	p[s->u.s.n] = 0;
	return p;
}

static bool regex_match(struct expr *e, struct node *n, const struct expr_val *s,
	const struct expr_val *pat)
{
	if (s->type != EXPR_STR)
		return false;
	if (!n->re_literal) {
		if (pat->type != EXPR_STR)
			return false;
		if (!n->dyn || n->dynlen != pat->u.s.n || memcmp(n->dyn, pat->u.s.p, pat->u.s.n)) {
			if (n->has_re)
				regfree(&n->re);
			n->has_re = false;
			n->dyn = xrealloc(n->dyn, pat->u.s.n + 1);
			memcpy(n->dyn, pat->u.s.p, pat->u.s.n);
			n->dyn[pat->u.s.n] = 0;
			n->dynlen = pat->u.s.n;
			n->has_re = regcomp(&n->re, n->dyn, REG_EXTENDED | REG_NOSUB) == 0;
		}
		if (!n->has_re)
			return false;
	}
	return regexec(&n->re, arena_cstr(e, s), 0, NULL, 0) == 0;
}

static void case_map(struct expr *e, const struct expr_val *s, bool up, struct expr_val *out)
{
	if (s->type != EXPR_STR) {
		set_null(out);
		return;
	}
	char *p = arena_alloc(&e->arena, s->u.s.n + 1);
	for (size_t i = 0; i < s->u.s.n; i++) {
		unsigned char c = (unsigned char)s->u.s.p[i];
		p[i] = (char)(up ? (c >= 'a' && c <= 'z' ? c - 32 : c) :
				   (c >= 'A' && c <= 'Z' ? c + 32 : c));
	}
	p[s->u.s.n] = 0;
	out->type = EXPR_STR;
	out->u.s.p = p;
	out->u.s.n = s->u.s.n;
}

/* min/max over values of one kind (numbers or strings), nulls skipped. */
static bool extreme_step(const struct expr_val *v, bool want_max, struct expr_val *best,
	bool *mixed)
{
	if (v->type == EXPR_NULL)
		return true;
	if (!is_num(v) && v->type != EXPR_STR) {
		*mixed = true;
		return false;
	}
	if (best->type == EXPR_NULL) {
		*best = *v;
		return true;
	}
	int c;
	if (!ordered(v, best, &c)) {
		*mixed = true;
		return false;
	}
	if (want_max ? c > 0 : c < 0)
		*best = *v;
	return true;
}

static void extreme(struct expr *e, struct node *n, bool want_max, struct expr_val *out)
{
	struct expr_val best = { .type = EXPR_NULL };
	bool mixed = false;
	if (n->nkid == 1 && n->kv[0].type == EXPR_ARRAY) {
		struct json_iter it;
		struct json_val el;
		struct expr_val v;
		json_iter_init(&it, n->kv[0].u.j);
		while (json_arr_next(&it, &el)) {
			from_json(e, el, &v);
			if (!extreme_step(&v, want_max, &best, &mixed))
				break;
		}
	} else {
		for (size_t i = 0; i < n->nkid; i++)
			if (!extreme_step(&n->kv[i], want_max, &best, &mixed))
				break;
	}
	if (mixed)
		set_null(out);
	else
		*out = best;
}

static void call(struct expr *e, struct node *n, const struct expr_env *env,
	struct expr_val *out)
{
	struct expr_val *a = n->kv;
	if (n->fn == F_COALESCE) {
		for (size_t i = 0; i < n->nkid; i++) {
			eval(e, n->kid[i], env, out);
			if (out->type != EXPR_NULL)
				return;
		}
		return;
	}
	for (size_t i = 0; i < n->nkid; i++)
		eval(e, n->kid[i], env, &a[i]);
	switch (n->fn) {
	case F_CONTAINS:
		set_bool(out, contains(e, &a[0], &a[1]));
		return;
	case F_SIZE:
		if (a[0].type == EXPR_ARRAY || a[0].type == EXPR_OBJECT)
			set_int(out, (int64_t)json_len(a[0].u.j));
		else if (a[0].type == EXPR_STR)
			set_int(out, (int64_t)utf8_chars(a[0].u.s.p, a[0].u.s.n));
		else
			set_null(out);
		return;
	case F_LOWER:
	case F_UPPER:
		case_map(e, &a[0], n->fn == F_UPPER, out);
		return;
	case F_MATCHES:
		set_bool(out, regex_match(e, n, &a[0], &a[1]));
		return;
	case F_STARTS:
	case F_ENDS:
		if (a[0].type != EXPR_STR || a[1].type != EXPR_STR || a[1].u.s.n > a[0].u.s.n) {
			set_bool(out, false);
			return;
		}
		set_bool(out, !a[1].u.s.n || !memcmp(n->fn == F_STARTS ? a[0].u.s.p :
			a[0].u.s.p + a[0].u.s.n - a[1].u.s.n, a[1].u.s.p, a[1].u.s.n));
		return;
	case F_MIN:
	case F_MAX:
		extreme(e, n, n->fn == F_MAX, out);
		return;
	case F_ABS:
		if (a[0].type == EXPR_INT && a[0].u.i != INT64_MIN)
			set_int(out, a[0].u.i < 0 ? -a[0].u.i : a[0].u.i);
		else if (a[0].type == EXPR_REAL)
			set_real(out, fabs(a[0].u.d));
		else
			set_null(out);
		return;
	case F_NOW:
		set_int(out, env->now ? env->now : tm_now_ms());
		return;
	case F_TIME: {
		int64_t ms;
		if (a[0].type == EXPR_STR && tm_parse_rfc3339(a[0].u.s.p, a[0].u.s.n, &ms))
			set_int(out, ms);
		else if (a[0].type == EXPR_INT)
			*out = a[0];
		else if (a[0].type == EXPR_REAL && a[0].u.d >= -9.2e18 && a[0].u.d <= 9.2e18)
			set_int(out, (int64_t)a[0].u.d);
		else
			set_null(out);
		return;
	}
	default:
		set_null(out);
	}
}

static void build_array(struct expr *e, struct node *n, const struct expr_env *env,
	struct expr_val *out)
{
	for (size_t i = 0; i < n->nkid; i++)
		eval(e, n->kid[i], env, &n->kv[i]);
	buf_reset(&e->tmp);
	buf_addc(&e->tmp, '[');
	for (size_t i = 0; i < n->nkid; i++) {
		jw_sep(&e->tmp);
		expr_jw(&e->tmp, &n->kv[i]);
	}
	buf_addc(&e->tmp, ']');
	char *p = arena_alloc(&e->arena, e->tmp.len);
	memcpy(p, e->tmp.p, e->tmp.len);
	out->type = EXPR_ARRAY;
	out->u.j.p = p;
	out->u.j.len = e->tmp.len;
	out->u.j.type = JV_ARRAY;
}

static void eval(struct expr *e, struct node *n, const struct expr_env *env,
	struct expr_val *out)
{
	struct expr_val *a = n->kv;
	struct json_val j;
	int c;
	switch (n->op) {
	case N_CONST:
		*out = n->val;
		return;
	case N_FIELD:
		if (env->rec && rec_get(env->rec, &n->path, &j))
			from_json(e, j, out);
		else
			set_null(out);
		return;
	case N_VAR:
		if (env->vars)
			*out = env->vars[n->slot];
		else
			set_null(out);
		return;
	case N_EXISTS:
		set_bool(out, env->rec && rec_get(env->rec, &n->path, &j));
		return;
	case N_ARRAY:
		build_array(e, n, env, out);
		return;
	case N_CALL:
		call(e, n, env, out);
		return;
	case N_NOT:
		eval(e, n->kid[0], env, &a[0]);
		set_bool(out, !expr_truthy(&a[0]));
		return;
	case N_NEG:
		eval(e, n->kid[0], env, &a[0]);
		if (a[0].type == EXPR_INT && a[0].u.i != INT64_MIN)
			set_int(out, -a[0].u.i);
		else if (a[0].type == EXPR_REAL)
			set_real(out, -a[0].u.d);
		else
			set_null(out);
		return;
	case N_AND:
		eval(e, n->kid[0], env, &a[0]);
		if (!expr_truthy(&a[0])) {
			set_bool(out, false);
			return;
		}
		eval(e, n->kid[1], env, &a[1]);
		set_bool(out, expr_truthy(&a[1]));
		return;
	case N_OR:
		eval(e, n->kid[0], env, &a[0]);
		if (expr_truthy(&a[0])) {
			set_bool(out, true);
			return;
		}
		eval(e, n->kid[1], env, &a[1]);
		set_bool(out, expr_truthy(&a[1]));
		return;
	case N_COND:
		eval(e, n->kid[0], env, &a[0]);
		eval(e, n->kid[expr_truthy(&a[0]) ? 1 : 2], env, out);
		return;
	default:
		break;
	}
	eval(e, n->kid[0], env, &a[0]);
	eval(e, n->kid[1], env, &a[1]);
	switch (n->op) {
	case N_EQ:
		set_bool(out, expr_val_equal(&a[0], &a[1]));
		return;
	case N_NE:
		set_bool(out, !expr_val_equal(&a[0], &a[1]));
		return;
	case N_LT:
		set_bool(out, ordered(&a[0], &a[1], &c) && c < 0);
		return;
	case N_LE:
		set_bool(out, ordered(&a[0], &a[1], &c) && c <= 0);
		return;
	case N_GT:
		set_bool(out, ordered(&a[0], &a[1], &c) && c > 0);
		return;
	case N_GE:
		set_bool(out, ordered(&a[0], &a[1], &c) && c >= 0);
		return;
	case N_IN:
		set_bool(out, contains(e, &a[1], &a[0]));
		return;
	case N_NOTIN:
		set_bool(out, !contains(e, &a[1], &a[0]));
		return;
	case N_ADD:
		if (a[0].type == EXPR_STR && a[1].type == EXPR_STR) {
			size_t len = a[0].u.s.n + a[1].u.s.n;
			char *p = arena_alloc(&e->arena, len + 1);
			if (a[0].u.s.n)
				memcpy(p, a[0].u.s.p, a[0].u.s.n);
			if (a[1].u.s.n)
				memcpy(p + a[0].u.s.n, a[1].u.s.p, a[1].u.s.n);
			p[len] = 0;
			out->type = EXPR_STR;
			out->u.s.p = p;
			out->u.s.n = len;
			return;
		}
		/* fall through */
	default:
		arith(n->op, &a[0], &a[1], out);
	}
}

void expr_eval(struct expr *e, const struct expr_env *env, struct expr_val *out)
{
	arena_reset(&e->arena);
	eval(e, e->root, env, out);
}

bool expr_test(struct expr *e, const struct expr_env *env)
{
	struct expr_val v;
	expr_eval(e, env, &v);
	return expr_truthy(&v);
}

/* ---- messages ---- */

size_t expr_column(const char *line, size_t len, size_t off)
{
	if (off > len)
		off = len;
	return utf8_chars(line, off) + 1;
}

void expr_caret(struct buf *b, const char *line, size_t len, size_t off)
{
	if (off > len)
		off = len;
	for (size_t i = 0; i < len; i++)
		buf_addc(b, (unsigned char)line[i] < 0x20 && line[i] != '\t' ? ' ' : line[i]);
	buf_addc(b, '\n');
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c & 0xC0) == 0x80)
			continue;
		buf_addc(b, c == '\t' ? '\t' : ' ');
	}
	buf_adds(b, "^\n");
}
