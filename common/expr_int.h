#ifndef RUNNEL_EXPR_INT_H
#define RUNNEL_EXPR_INT_H

#include <math.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "expr.h"
#include "path.h"

/* Internals shared by the compiler (expr.c), its tokenizer (expr_lex.c) and the
   evaluator (expr_eval.c). */
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

void expr_arena_reset(struct arena *a);
void expr_arena_free(struct arena *a);

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

void *expr_fail(struct lex *L, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void expr_next(struct lex *L);
/* The token after the current one, without consuming anything. */
enum tok expr_peek(struct lex *L, bool *within_or_by);
bool expr_word_is(struct lex *L, const char *w);
const char *expr_tok_text(struct lex *L, char *tmp, size_t cap);

void expr_eval_node(struct expr *e, struct node *n, const struct expr_env *env,
	struct expr_val *out);
size_t expr_utf8_chars(const char *p, size_t n);

#endif
