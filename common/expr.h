#ifndef RUNNEL_EXPR_H
#define RUNNEL_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "rec.h"

/*
 * The expression language shared by detect and dq-check: field paths, literals,
 * comparisons, logic, arithmetic, `in`, `?:` and a few functions, compiled once
 * into a tree. Evaluation allocates nothing in the steady state: values are views
 * into the input line, numbers, or bytes in a scratch arena that belongs to the
 * expression and is reset at the start of each evaluation. detect(1) documents the
 * language and its type rules.
 */
enum expr_type {
	EXPR_NULL = 0, /* also a missing field */
	EXPR_BOOL,
	EXPR_INT,  /* int64 */
	EXPR_REAL, /* finite double */
	EXPR_STR,  /* decoded bytes s/n */
	EXPR_ARRAY, /* validated JSON text in j */
	EXPR_OBJECT,
};

struct expr_val {
	enum expr_type type;
	union {
		bool b;
		int64_t i;
		double d;
		struct {
			const char *p;
			size_t n;
		} s;
		struct json_val j;
	} u;
};

struct expr;

struct expr_err {
	size_t off; /* byte offset into the source where the problem is */
	char msg[160];
};

/* Binds a bare identifier to a variable slot (>= 0), or returns -1 to leave it a
   record field. Called at compile time only. */
typedef int (*expr_resolve_fn)(void *ctx, const char *name, size_t len);

struct expr_opts {
	expr_resolve_fn resolve;
	void *ctx;
	/* Parse the longest expression at the start of the source and report where it
	   ended instead of failing on what follows. */
	bool partial;
	/* With partial: a `+`, `*` or `?` followed by the end, `->`, `=>`, `{`, `within`
	   or `by` ends the expression (a pattern step's quantifier). */
	bool quantifiers;
};

/* Compiles src[0..len). On success *end (if not NULL) is the offset where parsing
   stopped (len unless partial). Returns NULL with *err filled on error. */
struct expr *expr_compile(const char *src, size_t len, const struct expr_opts *opts,
	size_t *end, struct expr_err *err);
void expr_free(struct expr *e);

/* True when the expression reads no record field, variable or clock. */
bool expr_is_const(const struct expr *e);
/* True when it reads a record field (exists() included). */
bool expr_uses_fields(const struct expr *e);

struct expr_env {
	const struct rec *rec;       /* NULL: every field is missing */
	const struct expr_val *vars; /* indexed by the slots the resolver returned */
	int64_t now;                 /* processing time for now(); 0 = read the clock */
};

/* *out stays valid until e is evaluated again (or the line or variables change). */
void expr_eval(struct expr *e, const struct expr_env *env, struct expr_val *out);
/* Whether e evaluates to true (only the boolean true counts). */
bool expr_test(struct expr *e, const struct expr_env *env);

/* Truth, equality and order as the language defines them. */
bool expr_truthy(const struct expr_val *v);
bool expr_val_equal(const struct expr_val *a, const struct expr_val *b);
/* A JSON value as an expression value; escaped strings are decoded into *scratch
   (reset first), so the result is valid until scratch is reused. */
void expr_from_json(struct json_val j, struct buf *scratch, struct expr_val *out);

/* Writes v as compact JSON. */
void expr_jw(struct buf *b, const struct expr_val *v);

/* Copies the bytes v points at into store (reusing its memory), so v outlives the
   line and the expression's arena. v may already point into store. */
void expr_val_own(struct expr_val *v, struct buf *store);

/* 1-based column (in characters) of byte offset off of line. */
size_t expr_column(const char *line, size_t len, size_t off);
/* Appends `line\n` and a caret line pointing at off (tabs kept so it lines up). */
void expr_caret(struct buf *b, const char *line, size_t len, size_t off);

#endif
