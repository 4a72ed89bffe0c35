/* common/expr: values and evaluation. */
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"
#include "jw.h"
#include "tm.h"

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

void expr_arena_reset(struct arena *a)
{
	a->cur = a->head;
	if (a->cur)
		a->cur->used = 0;
}

void expr_arena_free(struct arena *a)
{
	for (struct blk *b = a->head, *nx; b; b = nx) {
		nx = b->next;
		free(b);
	}
	a->head = a->cur = NULL;
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

size_t expr_utf8_chars(const char *p, size_t n)
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
			expr_eval_node(e, n->kid[i], env, out);
			if (out->type != EXPR_NULL)
				return;
		}
		return;
	}
	for (size_t i = 0; i < n->nkid; i++)
		expr_eval_node(e, n->kid[i], env, &a[i]);
	switch (n->fn) {
	case F_CONTAINS:
		set_bool(out, contains(e, &a[0], &a[1]));
		return;
	case F_SIZE:
		if (a[0].type == EXPR_ARRAY || a[0].type == EXPR_OBJECT)
			set_int(out, (int64_t)json_len(a[0].u.j));
		else if (a[0].type == EXPR_STR)
			set_int(out, (int64_t)expr_utf8_chars(a[0].u.s.p, a[0].u.s.n));
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
		expr_eval_node(e, n->kid[i], env, &n->kv[i]);
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

void expr_eval_node(struct expr *e, struct node *n, const struct expr_env *env,
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
		expr_eval_node(e, n->kid[0], env, &a[0]);
		set_bool(out, !expr_truthy(&a[0]));
		return;
	case N_NEG:
		expr_eval_node(e, n->kid[0], env, &a[0]);
		if (a[0].type == EXPR_INT && a[0].u.i != INT64_MIN)
			set_int(out, -a[0].u.i);
		else if (a[0].type == EXPR_REAL)
			set_real(out, -a[0].u.d);
		else
			set_null(out);
		return;
	case N_AND:
		expr_eval_node(e, n->kid[0], env, &a[0]);
		if (!expr_truthy(&a[0])) {
			set_bool(out, false);
			return;
		}
		expr_eval_node(e, n->kid[1], env, &a[1]);
		set_bool(out, expr_truthy(&a[1]));
		return;
	case N_OR:
		expr_eval_node(e, n->kid[0], env, &a[0]);
		if (expr_truthy(&a[0])) {
			set_bool(out, true);
			return;
		}
		expr_eval_node(e, n->kid[1], env, &a[1]);
		set_bool(out, expr_truthy(&a[1]));
		return;
	case N_COND:
		expr_eval_node(e, n->kid[0], env, &a[0]);
		expr_eval_node(e, n->kid[expr_truthy(&a[0]) ? 1 : 2], env, out);
		return;
	default:
		break;
	}
	expr_eval_node(e, n->kid[0], env, &a[0]);
	expr_eval_node(e, n->kid[1], env, &a[1]);
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
	expr_arena_reset(&e->arena);
	expr_eval_node(e, e->root, env, out);
}

bool expr_test(struct expr *e, const struct expr_env *env)
{
	struct expr_val v;
	expr_eval(e, env, &v);
	return expr_truthy(&v);
}
