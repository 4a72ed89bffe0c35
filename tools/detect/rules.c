/* detect: the rules-file language (rules, state, updates, by, patterns). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect.h"
#include "diag.h"
#include "jw.h"
#include "tm.h"

#define QUANT_MAX 100000

struct rline {
	char *file; /* NULL for -r */
	unsigned line;
	char *text;
};

/* Where a line's meaningful text ends: before a # comment outside strings. */
static size_t effective_len(const char *s)
{
	size_t n = 0;
	char q = 0;
	for (; s[n]; n++) {
		if (q) {
			if (s[n] == '\\' && s[n + 1])
				n++;
			else if (s[n] == q)
				q = 0;
		} else if (s[n] == '"' || s[n] == '\'') {
			q = s[n];
		} else if (s[n] == '#') {
			break;
		}
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

void rules_init(struct rules *R)
{
	memset(R, 0, sizeof *R);
}

void rules_add(struct rules *R, const char *file, unsigned line, const char *text)
{
	R->lines = xrealloc(R->lines, (R->nlines + 1) * sizeof *R->lines);
	struct rline *l = &R->lines[R->nlines++];
	l->file = file ? xstrdup(file) : NULL;
	l->line = line;
	l->text = xstrdup(text);
	buf_adds(&R->text, text);
	buf_addc(&R->text, '\n');
}

int rules_read(struct rules *R, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		diag_err("%s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned no = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		no++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (memchr(line, 0, (size_t)n)) {
			diag_err("%s:%u: NUL byte in rules file", path, no);
			free(line);
			fclose(f);
			return -1;
		}
		rules_add(R, path, no, line);
	}
	int err = ferror(f);
	free(line);
	fclose(f);
	if (err) {
		diag_err("%s: read error", path);
		return -1;
	}
	return 0;
}

/* `FILE:LINE: WHAT: [syntax ]error at column N: MSG`, then the line and a caret. */
static int report(const struct rline *l, const char *what, size_t off, bool syntax,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int report(const struct rline *l, const char *what, size_t off, bool syntax,
	const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct buf b = BUF_INIT;
	if (l->file)
		buf_printf(&b, "%s:%u: ", l->file, l->line);
	if (what)
		buf_printf(&b, "%s: ", what);
	size_t len = strlen(l->text);
	buf_printf(&b, "%s at column %zu: %s", syntax ? "syntax error" : "error",
		expr_column(l->text, len, off), msg);
	diag_err("%s", b.p);
	buf_reset(&b);
	expr_caret(&b, l->text, len, off);
	fputs(b.p, stderr);
	buf_free(&b);
	return -1;
}

static size_t skip_ws(const char *s, size_t i, size_t end)
{
	while (i < end && isspace((unsigned char)s[i]))
		i++;
	return i;
}

static bool word_at(const char *s, size_t i, size_t end, const char *w)
{
	size_t n = strlen(w);
	return i + n <= end && !strncmp(s + i, w, n) &&
	       (i + n == end || !(isalnum((unsigned char)s[i + n]) || s[i + n] == '_'));
}

/* A rule or pattern name: a letter or _, then letters, digits, _ . - */
static size_t name_len(const char *s, size_t i, size_t end)
{
	size_t j = i;
	if (j >= end || !(isalpha((unsigned char)s[j]) || s[j] == '_'))
		return 0;
	while (j < end && (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '.' || s[j] == '-'))
		j++;
	return j - i;
}

static size_t ident_len(const char *s, size_t i, size_t end)
{
	size_t j = i;
	if (j >= end || !(isalpha((unsigned char)s[j]) || s[j] == '_'))
		return 0;
	while (j < end && (isalnum((unsigned char)s[j]) || s[j] == '_'))
		j++;
	return j - i;
}

static bool is_keyword(const char *s, size_t n)
{
	static const char *kw[] = { "and", "or", "not", "in", "true", "false", "null" };
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (strlen(kw[i]) == n && !strncasecmp(kw[i], s, n))
			return true;
	return false;
}

static int var_slot(void *ctx, const char *name, size_t n)
{
	struct rules *R = ctx;
	for (size_t i = 0; i < R->nvar; i++)
		if (strlen(R->var[i].name) == n && !memcmp(R->var[i].name, name, n))
			return (int)i;
	return -1;
}

/* Compiles s[from..to) with the state variables bound; reports errors. */
static struct expr *compile(struct rules *R, const struct rline *l, const char *what,
	size_t from, size_t to, bool partial, bool quant, size_t *end)
{
	struct expr_opts o = { var_slot, R, partial, quant };
	struct expr_err err;
	size_t e = 0;
	struct expr *x = expr_compile(l->text + from, to - from, &o, &e, &err);
	if (!x) {
		report(l, what, from + err.off, true, "%s", err.msg);
		return NULL;
	}
	if (end)
		*end = from + e;
	return x;
}

static const char *name_used(struct rules *R, const char *name)
{
	for (size_t i = 0; i < R->nrule; i++)
		if (!strcmp(R->rule[i].name, name))
			return "rule";
	for (size_t i = 0; i < R->npat; i++)
		if (!strcmp(R->pat[i].name, name))
			return "pattern";
	return NULL;
}

static int do_rule(struct rules *R, const struct rline *l, size_t i, size_t n, size_t colon,
	size_t end)
{
	char *name = xstrndup(l->text + i, n);
	char what[160];
	snprintf(what, sizeof what, "rule '%s'", name);
	const char *used = name_used(R, name);
	if (used) {
		report(l, what, i, false, "a %s of that name already exists", used);
		free(name);
		return -1;
	}
	struct expr *e = compile(R, l, what, colon + 1, end, false, false, NULL);
	if (!e) {
		free(name);
		return -1;
	}
	R->rule = xrealloc(R->rule, (R->nrule + 1) * sizeof *R->rule);
	R->rule[R->nrule].name = name;
	R->rule[R->nrule].e = e;
	R->nrule++;
	return 0;
}

/* `NAME =` of state and update lines; returns the offset after '=' or 0. */
static size_t var_head(const struct rline *l, const char *kind, size_t i, size_t end,
	size_t *ni, size_t *nn)
{
	const char *s = l->text;
	i = skip_ws(s, i, end);
	size_t n = ident_len(s, i, end);
	if (!n) {
		report(l, kind, i, true, "expected a variable name");
		return 0;
	}
	*ni = i;
	*nn = n;
	size_t j = skip_ws(s, i + n, end);
	if (j >= end || s[j] != '=' || (j + 1 < end && s[j + 1] == '=')) {
		report(l, kind, j, true, "expected '='");
		return 0;
	}
	return j + 1;
}

static int declare_var(struct rules *R, const struct rline *l, size_t i, size_t end)
{
	size_t ni, nn;
	size_t eq = var_head(l, "state", i, end, &ni, &nn);
	if (!eq)
		return -1;
	const char *s = l->text;
	if (is_keyword(s + ni, nn) || (nn == 4 && !memcmp(s + ni, "rule", 4)))
		return report(l, "state", ni, false, "'%.*s' cannot name a state variable",
			(int)nn, s + ni);
	if (var_slot(R, s + ni, nn) >= 0)
		return report(l, "state", ni, false, "state variable '%.*s' is declared twice",
			(int)nn, s + ni);
	R->var = xrealloc(R->var, (R->nvar + 1) * sizeof *R->var);
	struct svar *v = &R->var[R->nvar++];
	memset(v, 0, sizeof *v);
	v->name = xstrndup(s + ni, nn);
	return 0;
}

static int do_state(struct rules *R, const struct rline *l, size_t i, size_t end)
{
	size_t ni, nn;
	size_t eq = var_head(l, "state", i, end, &ni, &nn);
	if (!eq)
		return -1;
	int slot = var_slot(R, l->text + ni, nn);
	struct svar *v = &R->var[slot];
	char what[160];
	snprintf(what, sizeof what, "state '%s'", v->name);
	struct expr_opts o = { NULL, NULL, false, false };
	struct expr_err err;
	v->init = expr_compile(l->text + eq, end - eq, &o, NULL, &err);
	if (!v->init)
		return report(l, what, eq + err.off, true, "%s", err.msg);
	if (expr_uses_fields(v->init))
		return report(l, what, skip_ws(l->text, eq, end), false,
			"an initial value cannot read record fields or other variables");
	struct expr_env env = { NULL, NULL, 0 };
	expr_eval(v->init, &env, &v->v0);
	expr_val_own(&v->v0, &v->store0);
	return 0;
}

static int do_update(struct rules *R, const struct rline *l, size_t i, size_t end)
{
	size_t ni, nn, vend;
	size_t eq = var_head(l, "update", i, end, &ni, &nn);
	if (!eq)
		return -1;
	const char *s = l->text;
	int slot = var_slot(R, s + ni, nn);
	if (slot < 0)
		return report(l, "update", ni, false,
			"'%.*s' is not a state variable (declare it with 'state %.*s = VALUE')",
			(int)nn, s + ni, (int)nn, s + ni);
	char what[160];
	snprintf(what, sizeof what, "update '%s'", R->var[slot].name);
	struct update u = { (size_t)slot, NULL, NULL };
	if (!(u.val = compile(R, l, what, eq, end, true, false, &vend)))
		return -1;
	if (vend < end) {
		if (!word_at(s, vend, end, "when")) {
			expr_free(u.val);
			return report(l, what, vend, true, "expected 'when' or the end of the line");
		}
		if (!(u.when = compile(R, l, what, vend + 4, end, false, false, NULL))) {
			expr_free(u.val);
			return -1;
		}
	}
	R->upd = xrealloc(R->upd, (R->nupd + 1) * sizeof *R->upd);
	R->upd[R->nupd++] = u;
	return 0;
}

static int do_by(struct rules *R, const struct rline *l, size_t i, size_t end)
{
	const char *s = l->text;
	i = skip_ws(s, i, end);
	if (i >= end)
		return report(l, "by", i, true, "expected a field path");
	char *by = xstrndup(s + i, end - i);
	struct path p;
	const char *perr;
	if (!path_parse(&p, by, &perr)) {
		free(by);
		return report(l, "by", i, true, "%s", perr);
	}
	path_free(&p);
	if (R->by && strcmp(R->by, by)) {
		report(l, "by", i, false, "the rules already say 'by %s'", R->by);
		free(by);
		return -1;
	}
	free(R->by);
	R->by = by;
	return 0;
}

static bool read_uint(const char *s, size_t *i, size_t end, uint32_t *out)
{
	size_t j = *i;
	uint64_t v = 0;
	while (j < end && isdigit((unsigned char)s[j])) {
		v = v * 10 + (unsigned)(s[j] - '0');
		if (v > QUANT_MAX)
			v = QUANT_MAX + 1;
		j++;
	}
	if (j == *i)
		return false;
	*i = j;
	*out = (uint32_t)v;
	return true;
}

/* Does a step end at i: end of line, an arrow, `within` or `by`? */
static bool step_end(const char *s, size_t i, size_t end)
{
	i = skip_ws(s, i, end);
	return i >= end || (i + 1 < end && (s[i] == '-' || s[i] == '=') && s[i + 1] == '>') ||
	       word_at(s, i, end, "within") || word_at(s, i, end, "by");
}

/* A quantifier at *i ({n} {n,} {n,m} + * ?), if any. */
static int quantifier(const struct rline *l, const char *what, size_t *i, size_t end,
	struct step *st)
{
	const char *s = l->text;
	size_t j = skip_ws(s, *i, end), q0 = j;
	st->min = st->max = 1;
	if (j >= end)
		return 0;
	if (s[j] == '+' || s[j] == '*' || s[j] == '?') {
		st->min = s[j] == '+' ? 1 : 0;
		st->max = s[j] == '?' ? 1 : STEP_MANY;
		*i = j + 1;
		return 0;
	}
	if (s[j] != '{')
		return 0;
	j = skip_ws(s, j + 1, end);
	if (!read_uint(s, &j, end, &st->min))
		return report(l, what, j, true, "expected a number in the quantifier");
	j = skip_ws(s, j, end);
	st->max = st->min;
	if (j < end && s[j] == ',') {
		j = skip_ws(s, j + 1, end);
		st->max = STEP_MANY;
		if (j < end && isdigit((unsigned char)s[j])) {
			read_uint(s, &j, end, &st->max);
			j = skip_ws(s, j, end);
		}
	}
	if (j >= end || s[j] != '}')
		return report(l, what, j, true, "expected '}'");
	if ((st->min > QUANT_MAX && st->min != STEP_MANY) ||
	    (st->max > QUANT_MAX && st->max != STEP_MANY))
		return report(l, what, q0, false, "quantifier larger than %d", QUANT_MAX);
	if (st->max == 0 || st->min > st->max)
		return report(l, what, q0, false, "quantifier matches nothing");
	*i = j + 1;
	return 0;
}

static int do_pattern(struct rules *R, const struct rline *l, size_t i, size_t end)
{
	const char *s = l->text;
	i = skip_ws(s, i, end);
	size_t n = name_len(s, i, end);
	if (!n)
		return report(l, "pattern", i, true, "expected a pattern name");
	size_t colon = skip_ws(s, i + n, end);
	if (colon >= end || s[colon] != ':')
		return report(l, "pattern", colon, true, "expected ':' after the pattern name");
	struct pattern p;
	memset(&p, 0, sizeof p);
	p.name = xstrndup(s + i, n);
	char what[160];
	snprintf(what, sizeof what, "pattern '%s'", p.name);
	const char *used = name_used(R, p.name);
	if (used) {
		report(l, what, i, false, "a %s of that name already exists", used);
		goto bad;
	}
	size_t j = colon + 1, last_step = j;
	bool strict = false;
	for (;;) {
		struct step st;
		memset(&st, 0, sizeof st);
		st.strict = strict;
		j = skip_ws(s, j, end);
		last_step = j;
		if (j >= end) {
			report(l, what, j, true, "expected a step");
			goto bad;
		}
		size_t w = ident_len(s, j, end), after = skip_ws(s, j + w, end);
		bool bare = w && !is_keyword(s + j, w) &&
			    (step_end(s, after, end) || (after < end && s[after] == '{') ||
			     (after < end && strchr("+*?", s[after]) && step_end(s, after + 1, end)));
		if (bare) {
			/* a bare word means event_type == "word" (a field, never a variable) */
			struct buf t = BUF_INIT;
			struct expr_err err;
			buf_adds(&t, ".event_type == ");
			jw_str(&t, s + j, w);
			st.cond = expr_compile(t.p, t.len, NULL, NULL, &err);
			buf_free(&t);
			j += w;
		} else {
			st.cond = compile(R, l, what, j, end, true, true, &j);
			if (!st.cond)
				goto bad;
		}
		p.st = xrealloc(p.st, (p.nst + 1) * sizeof *p.st);
		p.st[p.nst++] = st;
		if (quantifier(l, what, &j, end, &p.st[p.nst - 1]) < 0)
			goto bad;
		j = skip_ws(s, j, end);
		if (j + 1 < end && (s[j] == '-' || s[j] == '=') && s[j + 1] == '>') {
			strict = s[j] == '=';
			j += 2;
			continue;
		}
		break;
	}
	if (p.st[p.nst - 1].min == 0) {
		report(l, what, last_step, false, "the last step of a pattern cannot be optional");
		goto bad;
	}
	while (j < end) {
		if (word_at(s, j, end, "within") && !p.within) {
			size_t d = skip_ws(s, j + 6, end), e = d;
			while (e < end && !(isspace((unsigned char)s[e - 1]) && word_at(s, e, end, "by")))
				e++;
			size_t de = e;
			while (de > d && isspace((unsigned char)s[de - 1]))
				de--;
			char *dur = xstrndup(s + d, de - d);
			bool ok = tm_parse_duration(dur, &p.within, false) && p.within > 0;
			free(dur);
			if (!ok) {
				report(l, what, d, true, "expected a positive duration after 'within'");
				goto bad;
			}
			j = e;
		} else if (word_at(s, j, end, "by") && !p.by) {
			size_t d = skip_ws(s, j + 2, end), e = d;
			while (e < end && !isspace((unsigned char)s[e]))
				e++;
			struct path tmp;
			const char *perr;
			p.by = xstrndup(s + d, e - d);
			if (d >= end || !path_parse(&tmp, p.by, &perr)) {
				report(l, what, d, true, "%s", d >= end ? "expected a field path" : perr);
				goto bad;
			}
			path_free(&tmp);
			j = skip_ws(s, e, end);
		} else {
			report(l, what, j, true, "expected '->', '=>', 'within', 'by' or the end of the line");
			goto bad;
		}
	}
	p.memo = xmalloc(p.nst);
	R->pat = xrealloc(R->pat, (R->npat + 1) * sizeof *R->pat);
	R->pat[R->npat++] = p;
	return 0;
bad:
	for (size_t k = 0; k < p.nst; k++)
		expr_free(p.st[k].cond);
	free(p.st);
	free(p.name);
	free(p.by);
	return -1;
}

/* First pass: the names of the state variables, so every expression can use them. */
static int declare(struct rules *R, const struct rline *l)
{
	const char *s = l->text;
	size_t end = effective_len(s), i = skip_ws(s, 0, end);
	if (word_at(s, i, end, "state")) {
		size_t j = skip_ws(s, i + 5, end);
		if (j < end && s[j] != ':')
			return declare_var(R, l, i + 5, end);
	}
	return 0;
}

static int line(struct rules *R, const struct rline *l)
{
	const char *s = l->text;
	size_t end = effective_len(s), i = skip_ws(s, 0, end);
	if (i >= end)
		return 0;
	size_t n = name_len(s, i, end), after = skip_ws(s, i + n, end);
	if (n && after < end && s[after] == ':')
		return do_rule(R, l, i, n, after, end);
	if (word_at(s, i, end, "state"))
		return do_state(R, l, i + 5, end);
	if (word_at(s, i, end, "update"))
		return do_update(R, l, i + 6, end);
	if (word_at(s, i, end, "by"))
		return do_by(R, l, i + 2, end);
	if (word_at(s, i, end, "pattern"))
		return do_pattern(R, l, i + 7, end);
	return report(l, NULL, i, true,
		"expected 'NAME: EXPRESSION' or a state, update, by or pattern line");
}

int rules_compile(struct rules *R)
{
	for (size_t i = 0; i < R->nlines; i++)
		if (declare(R, &R->lines[i]) < 0)
			return -1;
	for (size_t i = 0; i < R->nlines; i++)
		if (line(R, &R->lines[i]) < 0)
			return -1;
	for (size_t i = 0; i < R->npat; i++)
		R->pat[i].alert = R->nrule + i;
	R->nalert = R->nrule + R->npat;
	return 0;
}

void rules_free(struct rules *R)
{
	for (size_t i = 0; i < R->nrule; i++) {
		free(R->rule[i].name);
		expr_free(R->rule[i].e);
	}
	for (size_t i = 0; i < R->nvar; i++) {
		free(R->var[i].name);
		expr_free(R->var[i].init);
		buf_free(&R->var[i].store0);
	}
	for (size_t i = 0; i < R->nupd; i++) {
		expr_free(R->upd[i].val);
		expr_free(R->upd[i].when);
	}
	for (size_t i = 0; i < R->npat; i++) {
		for (size_t k = 0; k < R->pat[i].nst; k++)
			expr_free(R->pat[i].st[k].cond);
		free(R->pat[i].st);
		free(R->pat[i].name);
		free(R->pat[i].by);
		free(R->pat[i].memo);
		if (R->pat[i].match)
			run_put(R->pat[i].match);
	}
	for (size_t i = 0; i < R->nlines; i++) {
		free(R->lines[i].file);
		free(R->lines[i].text);
	}
	ks_free_all(R);
	free(R->rule);
	free(R->var);
	free(R->upd);
	free(R->pat);
	free(R->lines);
	free(R->by);
	buf_free(&R->text);
	buf_free(&R->kb);
	memset(R, 0, sizeof *R);
}
