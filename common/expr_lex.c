/* common/expr: the tokenizer. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_int.h"

static inline bool id_start(int c) { return isalpha(c) || c == '_'; }
static inline bool id_char(int c) { return isalnum(c) || c == '_'; }

void *expr_fail(struct lex *L, size_t off, const char *fmt, ...)
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

const char *expr_tok_text(struct lex *L, char *tmp, size_t cap)
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
			expr_fail(L, L->start, "unterminated string");
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
			expr_fail(L, (size_t)(esc - s), "unterminated string");
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
				expr_fail(L, (size_t)(esc - s), "invalid \\u escape");
				return false;
			}
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				int lo = (end - p >= 6 && p[0] == '\\' && p[1] == 'u') ? hex4(p + 2, end) : -1;
				if (lo < 0xDC00 || lo > 0xDFFF) {
					expr_fail(L, (size_t)(esc - s), "unpaired surrogate in \\u escape");
					return false;
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				expr_fail(L, (size_t)(esc - s), "unpaired surrogate in \\u escape");
				return false;
			}
			json_put_utf8(&L->str, (unsigned)cp);
			break;
		}
		default:
			expr_fail(L, (size_t)(esc - s), "invalid escape in string");
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
		expr_fail(L, L->start, "malformed number");
		return false;
	}
	size_t n = (size_t)(p - (s + L->pos));
	char tmp[64];
	if (n >= sizeof tmp) {
		expr_fail(L, L->start, "number too long");
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
		expr_fail(L, L->start, "number out of range");
		return false;
	}
	L->num.type = EXPR_REAL;
	L->num.u.d = d;
	return true;
}

bool expr_word_is(struct lex *L, const char *w)
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
				expr_fail(L, p, "unterminated or empty quoted key in field path");
				return false;
			}
			p = q + 1;
			plain = false;
		} else if (p < L->len && id_start((unsigned char)s[p])) {
			while (p < L->len && id_char((unsigned char)s[p]))
				p++;
		} else {
			expr_fail(L, p, "expected a field name");
			return false;
		}
		segs++;
		while (p < L->len && s[p] == '[') {
			size_t q = p + 1;
			while (q < L->len && isdigit((unsigned char)s[q]))
				q++;
			if (q == p + 1 || q >= L->len || s[q] != ']') {
				expr_fail(L, p, "array index in field path must be [N]");
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

void expr_next(struct lex *L)
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
				if (expr_word_is(L, kw[i].w)) {
					L->t = kw[i].t;
					L->simple = false;
					break;
				}
		return;
	}
	L->t = T_ERR;
	L->end = L->pos + 1;
	if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
		expr_fail(L, L->pos, "unexpected character '%c'", c);
	else
		expr_fail(L, L->pos, "unexpected byte 0x%02x", (unsigned char)c);
}

/* The token after the current one, without consuming anything. */
enum tok expr_peek(struct lex *L, bool *within_or_by)
{
	struct lex save = *L;
	struct buf keep = L->str;
	bool failed = L->failed;
	struct expr_err err = *L->err;
	L->str = (struct buf)BUF_INIT;
	expr_next(L);
	enum tok t = L->t;
	if (within_or_by)
		*within_or_by = L->t == T_PATH && (expr_word_is(L, "within") || expr_word_is(L, "by"));
	buf_free(&L->str);
	*L = save;
	L->str = keep;
	L->failed = failed;
	*L->err = err;
	return t;
}
