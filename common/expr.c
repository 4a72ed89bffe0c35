/* common/expr: compiling expressions (parsing, constant folding); see expr.h. */
#include "expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_int.h"

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
	expr_arena_reset(&L->e->arena);
	expr_eval_node(L->e, n, &env, &v);
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
		return expr_fail(L, at, "unknown function '%.*s'", (int)nlen, L->src + at);
	expr_next(L); /* name */
	expr_next(L); /* ( */
	struct node *args[MAX_ARGS];
	size_t argoff[MAX_ARGS];
	size_t na = 0;
	struct node *n = NULL;
	if (L->t != T_RP) {
		for (;;) {
			if (na == MAX_ARGS) {
				expr_fail(L, L->start, "too many arguments");
				goto bad;
			}
			argoff[na] = L->start;
			if (!(args[na] = parse(L, 0)))
				goto bad;
			na++;
			if (L->t == T_COMMA) {
				expr_next(L);
				continue;
			}
			if (L->t != T_RP) {
				expr_fail(L, L->start, "expected ',' or ')'");
				goto bad;
			}
			break;
		}
	}
	expr_next(L); /* ) */
	if ((int)na < funcs[fi].min || (int)na > funcs[fi].max) {
		if (funcs[fi].min == funcs[fi].max)
			expr_fail(L, at, "%s() takes %d argument%s, not %zu", funcs[fi].name,
				funcs[fi].min, funcs[fi].min == 1 ? "" : "s", na);
		else
			expr_fail(L, at, "%s() takes at least %d argument%s", funcs[fi].name,
				funcs[fi].min, funcs[fi].min == 1 ? "" : "s");
		goto bad;
	}
	if (funcs[fi].fn == F_EXISTS) {
		if (args[0]->op != N_FIELD) {
			expr_fail(L, argoff[0], "exists() takes a record field path");
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
			expr_fail(L, argoff[1], "matches() takes a string pattern");
			goto bad;
		}
		int rc = regcomp(&n->re, pv->u.s.p, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char m[100];
			regerror(rc, &n->re, m, sizeof m);
			regfree(&n->re);
			expr_fail(L, argoff[1], "invalid regular expression: %s", m);
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
		expr_next(L);
		return n;
	case T_STR:
		n = new_node(N_CONST, 0);
		n->val.type = EXPR_STR;
		n->val.u.s.p = L->str.p ? L->str.p : "";
		n->val.u.s.n = L->str.len;
		own_const(n);
		expr_next(L);
		return n;
	case T_TRUE:
	case T_FALSE:
		n = new_node(N_CONST, 0);
		set_bool(&n->val, L->t == T_TRUE);
		expr_next(L);
		return n;
	case T_NULL:
		n = new_node(N_CONST, 0);
		expr_next(L);
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
					expr_next(L);
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
			return expr_fail(L, L->start, "%s", perr);
		}
		L->e->uses_fields = true;
		expr_next(L);
		return n;
	}
	case T_LP:
		expr_next(L);
		if (!(n = parse(L, 0)))
			return NULL;
		if (L->t != T_RP) {
			free_node(n);
			return expr_fail(L, L->start, "expected ')'");
		}
		expr_next(L);
		return n;
	case T_LB: {
		expr_next(L);
		struct node *el[MAX_ARGS];
		size_t ne = 0;
		if (L->t != T_RB) {
			for (;;) {
				if (ne == MAX_ARGS) {
					expr_fail(L, L->start, "too many array elements (at most %d)", MAX_ARGS);
					goto badarr;
				}
				if (!(el[ne] = parse(L, 0)))
					goto badarr;
				ne++;
				if (L->t == T_COMMA) {
					expr_next(L);
					continue;
				}
				if (L->t != T_RB) {
					expr_fail(L, L->start, "expected ',' or ']'");
					goto badarr;
				}
				break;
			}
		}
		expr_next(L);
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
		expr_next(L);
		if (!(k = parse(L, t == T_NOT ? 40 : 90)))
			return NULL;
		n = new_node(t == T_MINUS ? N_NEG : N_NOT, 1);
		n->kid[0] = k;
		return fold(L, n);
	}
	case T_ERR:
		return NULL; /* the lexer said why */
	case T_ASSIGN:
		return expr_fail(L, L->start, "'=' is not an operator; compare with '=='");
	case T_END:
		return expr_fail(L, L->start, "expected an expression");
	default:
		return expr_fail(L, L->start, "expected an expression, not %s", expr_tok_text(L, tt, sizeof tt));
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
		return expr_fail(L, L->start, "expression nested too deeply");
	}
	struct node *left = parse_prefix(L), *right, *n;
	while (left) {
		enum op op;
		int bp = infix_bp(L->t, &op);
		if (L->t == T_ASSIGN) {
			expr_fail(L, L->start, "'=' is not an operator; compare with '=='");
			goto bad;
		}
		if (bp < 0 || bp <= minbp)
			break;
		if (L->t == T_NOT && expr_peek(L, NULL) != T_IN)
			break;
		if (L->o && L->o->partial && L->o->quantifiers &&
		    (L->t == T_PLUS || L->t == T_QUEST || L->t == T_STAR)) {
			bool wb;
			enum tok nt = expr_peek(L, &wb);
			if (nt == T_END || nt == T_ARROW || nt == T_FAT || nt == T_LBRACE || wb)
				break;
		}
		if (L->t == T_NOT)
			expr_next(L); /* `not` of `not in` */
		expr_next(L);
		if (op == N_COND) {
			struct node *a, *b;
			if (!(a = parse(L, 0)))
				goto bad;
			if (L->t != T_COLON) {
				free_node(a);
				expr_fail(L, L->start, "expected ':'");
				goto bad;
			}
			expr_next(L);
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
			expr_fail(L, L->start, "expression too long or nested too deeply");
			goto bad;
		}
		if (bp == 50 || bp == 60) {
			enum op op2;
			if (infix_bp(L->t, &op2) == bp && (L->t != T_NOT || expr_peek(L, NULL) == T_IN)) {
				expr_fail(L, L->start, "comparisons do not chain; combine them with '&&'");
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
	expr_next(&L);
	e->root = L.failed ? NULL : parse(&L, 0);
	if (e->root && !L.failed) {
		if (opts && opts->partial) {
			if (end)
				*end = L.start;
		} else if (L.t != T_END) {
			char tt[32];
			expr_fail(&L, L.start, "unexpected %s", expr_tok_text(&L, tt, sizeof tt));
		} else if (end) {
			*end = len;
		}
	}
	buf_free(&L.str);
	if (L.failed || !e->root) {
		if (!L.failed)
			expr_fail(&L, L.start, "syntax error");
		expr_free(e);
		return NULL;
	}
	expr_arena_reset(&e->arena);
	return e;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	free_node(e->root);
	expr_arena_free(&e->arena);
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


size_t expr_column(const char *line, size_t len, size_t off)
{
	if (off > len)
		off = len;
	return expr_utf8_chars(line, off) + 1;
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
