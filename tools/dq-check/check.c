/* dq-check: the checks, from their options to pass or fail on a record. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dq.h"

struct check *ck_add(struct check **ck, size_t *n, enum ck_kind kind, const char *name,
	const char *field, struct buf *err)
{
	const char *perr;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*ck)[i].name, name)) {
			if (kind == CK_REQUIRED)
				return &(*ck)[i]; /* --required a,a is harmless */
			buf_printf(err, "check %s given twice", name);
			return NULL;
		}
	*ck = xrealloc(*ck, (*n + 1) * sizeof **ck);
	struct check *c = &(*ck)[*n];
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->lo = -INFINITY;
	c->hi = INFINITY;
	if (field) {
		if (!*field || !path_parse(&c->path, field, &perr)) {
			buf_printf(err, "field '%s': %s", field, *field ? perr : "empty");
			return NULL;
		}
		c->has_path = true;
	}
	c->name = xstrdup(name);
	(*n)++;
	return c;
}

static char *check_name(const char *kind, const char *field, size_t n)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s:%.*s", kind, (int)n, field);
	return b.p;
}

bool ck_required(struct check **ck, size_t *n, const char *arg, struct buf *err)
{
	char *copy = xstrdup(arg), *save;
	bool ok = true;
	for (char *f = strtok_r(copy, ",", &save); f && ok; f = strtok_r(NULL, ",", &save)) {
		char *name = check_name("required", f, strlen(f));
		ok = ck_add(ck, n, CK_REQUIRED, name, f, err) != NULL;
		free(name);
	}
	free(copy);
	if (ok && !*arg) {
		buf_printf(err, "--required: no field");
		ok = false;
	}
	return ok;
}

/* `F=REST`: the field, and REST in *rest. */
static char *field_eq(const char *opt, const char *arg, const char **rest, struct buf *err)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		buf_printf(err, "%s %s: expected FIELD=...", opt, arg);
		return NULL;
	}
	*rest = eq + 1;
	return xstrndup(arg, (size_t)(eq - arg));
}

bool ck_allowed(struct check **ck, size_t *n, const char *arg, struct buf *err)
{
	const char *rest;
	char *f = field_eq("--allowed", arg, &rest, err), *save;
	if (!f)
		return false;
	char *name = check_name("allowed", f, strlen(f));
	struct check *c = ck_add(ck, n, CK_ALLOWED, name, f, err);
	free(name);
	free(f);
	if (!c)
		return false;
	char *copy = xstrdup(rest);
	for (char *v = strtok_r(copy, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
		c->allowed = xrealloc(c->allowed, (c->nallowed + 1) * sizeof *c->allowed);
		c->allowed[c->nallowed] = (struct buf)BUF_INIT;
		buf_adds(&c->allowed[c->nallowed++], v);
	}
	free(copy);
	if (!c->nallowed) {
		buf_printf(err, "--allowed %s: no values", arg);
		return false;
	}
	return true;
}

bool ck_valid(struct check **ck, size_t *n, const char *arg, struct buf *err, bool *config)
{
	size_t i = 0;
	*config = false;
	while (isspace((unsigned char)arg[i]))
		i++;
	size_t from = i;
	if (!isalpha((unsigned char)arg[i]) && arg[i] != '_') {
		buf_printf(err, "--valid '%s': expected 'NAME: EXPRESSION'", arg);
		return false;
	}
	while (isalnum((unsigned char)arg[i]) || arg[i] == '_')
		i++;
	size_t to = i;
	while (isspace((unsigned char)arg[i]))
		i++;
	if (arg[i] != ':') {
		buf_printf(err, "--valid '%s': expected 'NAME: EXPRESSION'", arg);
		return false;
	}
	char *name = xstrndup(arg + from, to - from); /* the user's name, as given */
	struct check *c = ck_add(ck, n, CK_VALID, name, NULL, err);
	free(name);
	if (!c)
		return false;
	struct expr_err e;
	const char *src = arg + i + 1;
	c->expr = expr_compile(src, strlen(src), NULL, NULL, &e);
	if (!c->expr) {
		buf_printf(err, "--valid '%s': column %zu: %s\n", arg,
			expr_column(arg, strlen(arg), i + 1 + e.off), e.msg);
		expr_caret(err, arg, strlen(arg), i + 1 + e.off);
		while (err->len && err->p[err->len - 1] == '\n')
			err->p[--err->len] = 0;
		*config = true;
		return false;
	}
	return true;
}

bool ck_range(struct check **ck, size_t *n, const char *arg, struct buf *err)
{
	const char *rest, *dots;
	char *f = field_eq("--range", arg, &rest, err), *e;
	if (!f)
		return false;
	double lo = -INFINITY, hi = INFINITY;
	if (!(dots = strstr(rest, ".."))) {
		buf_printf(err, "--range %s: expected FIELD=LOW..HIGH (either may be left out)", arg);
		free(f);
		return false;
	}
	if (dots > rest) {
		char *t = xstrndup(rest, (size_t)(dots - rest));
		lo = strtod(t, &e);
		bool ok = *e == 0 && isfinite(lo);
		free(t);
		if (!ok) {
			buf_printf(err, "--range %s: low bound is not a number", arg);
			free(f);
			return false;
		}
	}
	if (dots[2]) {
		hi = strtod(dots + 2, &e);
		if (*e || !isfinite(hi)) {
			buf_printf(err, "--range %s: high bound is not a number", arg);
			free(f);
			return false;
		}
	}
	if (lo > hi) {
		buf_printf(err, "--range %s: low bound above high bound", arg);
		free(f);
		return false;
	}
	char *name = check_name("range", f, strlen(f));
	struct check *c = ck_add(ck, n, CK_RANGE, name, f, err);
	free(name);
	free(f);
	if (!c)
		return false;
	c->lo = lo;
	c->hi = hi;
	return true;
}

bool ck_regex(struct check **ck, size_t *n, const char *arg, struct buf *err, bool *config)
{
	*config = false;
	const char *rest;
	char *f = field_eq("--regex", arg, &rest, err);
	if (!f)
		return false;
	char *name = check_name("regex", f, strlen(f));
	struct check *c = ck_add(ck, n, CK_REGEX, name, f, err);
	free(name);
	free(f);
	if (!c)
		return false;
	int r = regcomp(&c->re, rest, REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		char m[200];
		regerror(r, &c->re, m, sizeof m);
		buf_printf(err, "--regex %s: %s", arg, m);
		*config = true;
		return false;
	}
	c->re_ok = true;
	return true;
}

void ck_free(struct check *ck, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct check *c = &ck[i];
		free(c->name);
		if (c->has_path)
			path_free(&c->path);
		for (size_t j = 0; j < c->nallowed; j++)
			buf_free(&c->allowed[j]);
		free(c->allowed);
		if (c->expr)
			expr_free(c->expr);
		if (c->re_ok)
			regfree(&c->re);
	}
	free(ck);
}

/* A scalar as text: strings decoded, numbers and booleans as written; false for
   objects and arrays. */
static bool scalar_text(struct json_val v, struct buf *scratch)
{
	buf_reset(scratch);
	if (v.type == JV_STRING)
		json_str_append(scratch, v);
	else if (v.type == JV_NUMBER || v.type == JV_TRUE || v.type == JV_FALSE)
		buf_add(scratch, v.p, v.len);
	else
		return false;
	if (!scratch->p)
		buf_grow(scratch, 1);
	return true;
}

bool ck_pass(struct check *c, const struct rec *r, struct buf *scratch)
{
	struct json_val v;
	bool present = c->has_path && rec_get(r, &c->path, &v) && v.type != JV_NULL;
	double d;
	switch (c->kind) {
	case CK_REQUIRED:
		return present;
	case CK_ALLOWED:
		if (!present)
			return true; /* completeness is --required's business */
		if (!scalar_text(v, scratch))
			return false;
		for (size_t i = 0; i < c->nallowed; i++)
			if (c->allowed[i].len == scratch->len &&
				!memcmp(c->allowed[i].p, scratch->p, scratch->len))
				return true;
		return false;
	case CK_VALID: {
		struct expr_env env = { r, NULL, 0 };
		return expr_test(c->expr, &env);
	}
	case CK_RANGE:
		if (!present)
			return true;
		return v.type == JV_NUMBER && json_num_f64(v, &d) && d >= c->lo && d <= c->hi;
	case CK_REGEX:
		if (!present)
			return true;
		if (!scalar_text(v, scratch) || memchr(scratch->p, 0, scratch->len))
			return false;
		return regexec(&c->re, scratch->p, 0, NULL, 0) == 0;
	default:
		return true; /* event time, unique and latency are judged by the caller */
	}
}
