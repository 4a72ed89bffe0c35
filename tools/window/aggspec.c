/* window(1)'s -a syntax: FUNC(FIELD [, ARGS]) [as NAME], Spark's spellings included. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agg.h"
#include "path.h"

#define DEFAULT_ACCURACY 10000

static const struct {
	const char *name;
	enum agg_fn fn;
} fns[] = {
	{ "count", AGG_COUNT },
	{ "sum", AGG_SUM },
	{ "avg", AGG_AVG },
	{ "mean", AGG_AVG },
	{ "min", AGG_MIN },
	{ "max", AGG_MAX },
	{ "first", AGG_FIRST },
	{ "first_value", AGG_FIRST },
	{ "last", AGG_LAST },
	{ "last_value", AGG_LAST },
	{ "collect_set", AGG_SET },
	{ "collect_list", AGG_LIST },
	{ "count_distinct", AGG_DISTINCT },
	{ "approx_count_distinct", AGG_DISTINCT },
	{ "approx_percentile", AGG_PCTL },
	{ "percentile_approx", AGG_PCTL },
};

static const char *const fn_names[] = {
	[AGG_COUNT_ALL] = "count", [AGG_COUNT] = "count", [AGG_SUM] = "sum", [AGG_AVG] = "avg",
	[AGG_MIN] = "min", [AGG_MAX] = "max", [AGG_FIRST] = "first", [AGG_LAST] = "last",
	[AGG_SET] = "collect_set", [AGG_LIST] = "collect_list",
	[AGG_DISTINCT] = "count_distinct", [AGG_PCTL] = "approx_percentile",
};

static const char *skip_ws(const char *s, const char *e)
{
	while (s < e && isspace((unsigned char)*s))
		s++;
	return s;
}

static const char *trim_end(const char *s, const char *e)
{
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return e;
}

/* End of the next top-level item: a comma outside brackets and quotes, or e. */
static const char *item_end(const char *s, const char *e)
{
	int depth = 0;
	char q = 0;
	for (; s < e; s++) {
		if (q) {
			if (*s == q)
				q = 0;
		} else if (*s == '"' || *s == '`' || *s == '\'') {
			q = *s;
		} else if (*s == '(' || *s == '[') {
			depth++;
		} else if (*s == ')' || *s == ']') {
			depth--;
		} else if (*s == ',' && depth == 0) {
			return s;
		}
	}
	return e;
}

static bool parse_prob(const char *s, const char *e, double *p)
{
	char tmp[64], *end;
	size_t n = (size_t)(e - s);
	if (!n || n >= sizeof tmp)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	*p = strtod(tmp, &end);
	return *end == 0 && end != tmp && *p >= 0 && *p <= 1;
}

/* Percentages: a number, or a list as [a, b] or array(a, b). */
static bool parse_pcts(struct agg_spec *sp, const char *s, const char *e)
{
	s = skip_ws(s, e);
	e = trim_end(s, e);
	if (e - s > 6 && !strncasecmp(s, "array(", 6) && e[-1] == ')') {
		s += 6;
		e--;
		sp->p_list = true;
	} else if (e - s >= 2 && *s == '[' && e[-1] == ']') {
		s++;
		e--;
		sp->p_list = true;
	}
	while (s < e) {
		const char *ie = item_end(s, e);
		double p;
		if (!parse_prob(skip_ws(s, ie), trim_end(s, ie), &p))
			return false;
		sp->p = xrealloc(sp->p, (sp->np + 1) * sizeof *sp->p);
		sp->p[sp->np++] = p;
		s = ie < e ? ie + 1 : e;
	}
	return sp->np > 0;
}

static bool parse_one(const char *s, const char *e, struct agg_spec *sp, struct buf *err)
{
	const char *p = skip_ws(s, e), *q;
	e = trim_end(p, e);
	memset(sp, 0, sizeof *sp);
	q = p;
	while (q < e && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	size_t fl = (size_t)(q - p);
	const char *open = skip_ws(q, e);
	if (!fl || open >= e || *open != '(') {
		buf_printf(err, "expected FUNC(FIELD) [as NAME]: %.*s", (int)(e - s), s);
		return false;
	}
	bool found = false;
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
		if (strlen(fns[i].name) == fl && !strncasecmp(fns[i].name, p, fl)) {
			sp->fn = fns[i].fn;
			found = true;
		}
	if (!found) {
		buf_printf(err, "unknown aggregate function %.*s", (int)fl, p);
		return false;
	}
	/* the matching parenthesis */
	const char *close = NULL;
	int depth = 0;
	char quote = 0;
	for (const char *c = open; c < e; c++) {
		if (quote) {
			if (*c == quote)
				quote = 0;
		} else if (*c == '"') {
			quote = '"';
		} else if (*c == '(') {
			depth++;
		} else if (*c == ')' && --depth == 0) {
			close = c;
			break;
		}
	}
	if (!close) {
		buf_printf(err, "missing ')' in %.*s", (int)(e - p), p);
		return false;
	}
	/* arguments */
	const char *a = skip_ws(open + 1, close), *ae = trim_end(a, close);
	const char *a1e = item_end(a, ae);
	char *field = xstrndup(a, (size_t)(trim_end(a, a1e) - a));
	const char *rest = a1e < ae ? a1e + 1 : NULL;
	bool ok = true;
	if (sp->fn == AGG_COUNT) {
		if (!*field || !strcmp(field, "*") || !strcmp(field, "1")) {
			sp->fn = AGG_COUNT_ALL;
		} else if (!strncasecmp(field, "distinct", 8) && isspace((unsigned char)field[8])) {
			sp->fn = AGG_DISTINCT;
			char *f2 = xstrdup(skip_ws(field + 8, field + strlen(field)));
			free(field);
			field = f2;
		}
	}
	if (sp->fn != AGG_COUNT_ALL) {
		const char *perr;
		if (!*field) {
			buf_printf(err, "%.*s needs a field", (int)fl, p);
			ok = false;
		} else {
			sp->field = xcalloc(1, sizeof *sp->field);
			if (!path_parse(sp->field, field, &perr)) {
				buf_printf(err, "%.*s(%s): %s", (int)fl, p, field, perr);
				ok = false;
			}
		}
	}
	if (ok && sp->fn == AGG_PCTL) {
		sp->eps = 1.0 / DEFAULT_ACCURACY;
		if (!rest) {
			buf_printf(err, "approx_percentile needs a percentage: approx_percentile(%s, 0.5)",
				field);
			ok = false;
		} else {
			const char *pe = item_end(rest, ae);
			if (!parse_pcts(sp, rest, pe)) {
				buf_printf(err, "approx_percentile: percentages must be numbers in [0, 1]: "
					"%.*s", (int)(pe - rest), rest);
				ok = false;
			} else if (pe < ae) {
				char tmp[32], *end;
				const char *x = skip_ws(pe + 1, ae);
				size_t n = (size_t)(ae - x);
				long long acc = 0;
				if (n && n < sizeof tmp) {
					memcpy(tmp, x, n);
					tmp[n] = 0;
					acc = strtoll(tmp, &end, 10);
					if (*end)
						acc = 0;
				}
				if (acc <= 0 || acc > 1000000) {
					buf_printf(err, "approx_percentile: accuracy must be 1..1000000: %.*s",
						(int)n, x);
					ok = false;
				}
				sp->eps = 1.0 / (double)acc;
			}
		}
	} else if (ok && rest) {
		buf_printf(err, "%.*s takes one argument", (int)fl, p);
		ok = false;
	}
	/* as NAME */
	const char *n = skip_ws(close + 1, e);
	if (ok && n < e) {
		if (e - n > 3 && !strncasecmp(n, "as", 2) && isspace((unsigned char)n[2])) {
			n = skip_ws(n + 2, e);
			if (n < e && (*n == '"' || *n == '`') && e - n >= 2 && e[-1] == *n)
				sp->name = xstrndup(n + 1, (size_t)(e - n - 2));
			else
				sp->name = xstrndup(n, (size_t)(e - n));
			if (!*sp->name) {
				buf_printf(err, "empty name after 'as'");
				ok = false;
			}
		} else {
			buf_printf(err, "unexpected text after %.*s): %.*s", (int)fl, p, (int)(e - n), n);
			ok = false;
		}
	}
	if (ok) {
		struct buf c = BUF_INIT;
		buf_printf(&c, "%s(%s", fn_names[sp->fn], sp->field ? sp->field->text : "");
		for (size_t i = 0; i < sp->np; i++)
			buf_printf(&c, ",%.17g", sp->p[i]);
		if (sp->fn == AGG_PCTL)
			buf_printf(&c, ",%.17g", 1 / sp->eps);
		buf_addc(&c, ')');
		sp->canon = c.p;
		if (!sp->name) {
			struct buf nm = BUF_INIT;
			buf_adds(&nm, fn_names[sp->fn]);
			if (sp->field) {
				size_t ll;
				const char *leaf = path_leaf(sp->field, &ll);
				buf_addc(&nm, '_');
				buf_add(&nm, leaf, ll);
			}
			sp->name = nm.p;
		}
	}
	free(field);
	if (!ok)
		agg_spec_free(sp);
	return ok;
}

bool agg_parse(const char *arg, struct agg_spec **specs, size_t *n, struct buf *err)
{
	const char *s = arg, *e = arg + strlen(arg);
	if (skip_ws(s, e) == e) {
		buf_printf(err, "empty aggregate");
		return false;
	}
	while (s < e) {
		const char *ie = item_end(s, e);
		struct agg_spec sp;
		if (!parse_one(s, ie, &sp, err))
			return false;
		*specs = xrealloc(*specs, (*n + 1) * sizeof **specs);
		(*specs)[(*n)++] = sp;
		s = ie < e ? ie + 1 : e;
	}
	return true;
}

void agg_spec_free(struct agg_spec *s)
{
	if (s->field) {
		path_free(s->field);
		free(s->field);
	}
	free(s->name);
	free(s->canon);
	free(s->p);
	memset(s, 0, sizeof *s);
}
