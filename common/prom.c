#include "prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"

const double prom_default_buckets[PROM_DEFAULT_BUCKETS_N] = {
	.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10,
};

static const char *const type_names[] = { "counter", "gauge", "histogram", "summary" };

static bool is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool prom_metric_name_ok(const char *s, size_t n)
{
	if (!n || !(is_alpha_(s[0]) || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_alpha_(s[i]) && !is_digit(s[i]) && s[i] != ':')
			return false;
	return true;
}

bool prom_label_name_ok(const char *s, size_t n)
{
	if (!n || !is_alpha_(s[0]) || (n >= 2 && s[0] == '_' && s[1] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_alpha_(s[i]) && !is_digit(s[i]))
			return false;
	return true;
}

bool prom_type_parse(const char *s, size_t n, enum prom_type *t)
{
	for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
		if (strlen(type_names[i]) == n && !memcmp(type_names[i], s, n)) {
			*t = (enum prom_type)i;
			return true;
		}
	return false;
}

const char *prom_type_name(enum prom_type t)
{
	return type_names[t];
}

bool prom_parse_buckets(const char *s, double **le, size_t *n, struct buf *err)
{
	size_t cap = 8, k = 0;
	double *v = xmalloc(cap * sizeof *v);
	const char *p = s;
	for (;;) {
		char *e;
		while (*p == ' ')
			p++;
		double d = strtod(p, &e);
		if (e == p) {
			buf_printf(err, "buckets: not a number at '%s'", p);
			goto bad;
		}
		while (*e == ' ')
			e++;
		if (isinf(d) && d > 0 && !*e)
			break; /* a trailing +Inf is implied anyway */
		if (!isfinite(d)) {
			buf_printf(err, "buckets: %.*s is not a finite bound", (int)(e - p), p);
			goto bad;
		}
		if (k && d <= v[k - 1]) {
			buf_printf(err, "buckets: bounds must increase (%g after %g)", d, v[k - 1]);
			goto bad;
		}
		if (k == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[k++] = d;
		if (!*e)
			break;
		if (*e != ',') {
			buf_printf(err, "buckets: expected ',' at '%s'", e);
			goto bad;
		}
		p = e + 1;
	}
	if (!k) {
		buf_printf(err, "buckets: at least one finite bound is needed");
		goto bad;
	}
	*le = v;
	*n = k;
	return true;
bad:
	free(v);
	return false;
}

void prom_init(struct prom_reg *r)
{
	memset(r, 0, sizeof *r);
	htab_init(&r->famidx);
	htab_init(&r->series);
}

void prom_free(struct prom_reg *r)
{
	for (size_t i = 0; i < r->nfam; i++) {
		struct prom_fam *f = r->fam[i];
		for (size_t j = 0; j < f->nseries; j++) {
			free(f->series[j]->key);
			free(f->series[j]->bucket);
			free(f->series[j]);
		}
		free(f->series);
		free(f->name);
		free(f->help);
		free(f->le);
		free(f);
	}
	free(r->fam);
	htab_free(&r->famidx);
	htab_free(&r->series);
	memset(r, 0, sizeof *r);
}

static struct prom_fam *fam_find(struct prom_reg *r, const char *name, size_t n)
{
	return htab_get(&r->famidx, name, n);
}

/* Would a family `name` of type t share an exposed series name with another family? */
static const char *collision(struct prom_reg *r, const char *name, size_t n, enum prom_type t)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	char tmp[512];
	if (t == PROM_HISTOGRAM || t == PROM_SUMMARY) {
		for (size_t i = t == PROM_HISTOGRAM ? 0 : 1; i < 3; i++) {
			size_t sl = strlen(sfx[i]);
			if (n + sl > sizeof tmp)
				continue;
			memcpy(tmp, name, n);
			memcpy(tmp + n, sfx[i], sl);
			struct prom_fam *f = fam_find(r, tmp, n + sl);
			if (f)
				return f->name;
		}
	}
	for (size_t i = 0; i < 3; i++) {
		size_t sl = strlen(sfx[i]);
		if (n <= sl || memcmp(name + n - sl, sfx[i], sl))
			continue;
		struct prom_fam *f = fam_find(r, name, n - sl);
		if (f && (f->type == PROM_HISTOGRAM || (f->type == PROM_SUMMARY && i > 0)))
			return f->name;
	}
	return NULL;
}

struct prom_fam *prom_family(struct prom_reg *r, const char *name, size_t n,
	enum prom_type t, const double *le, size_t nle, const char *help, size_t hlen,
	struct buf *err)
{
	struct prom_fam *f = fam_find(r, name, n);
	if (f) {
		if (f->type != t) {
			buf_printf(err, "metric %s is a %s, not a %s", f->name, type_names[f->type],
				type_names[t]);
			return NULL;
		}
		if (help && hlen && !f->help)
			f->help = xstrndup(help, hlen);
		return f;
	}
	if (!prom_metric_name_ok(name, n)) {
		buf_printf(err, "invalid metric name \"%.*s\" (expected [a-zA-Z_:][a-zA-Z0-9_:]*)",
			(int)(n > 200 ? 200 : n), name);
		return NULL;
	}
	const char *other = collision(r, name, n, t);
	if (other) {
		buf_printf(err, "metric %.*s (%s) collides with the series of metric %s", (int)n,
			name, type_names[t], other);
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	f->name = xstrndup(name, n);
	f->type = t;
	if (help && hlen)
		f->help = xstrndup(help, hlen);
	if (t == PROM_HISTOGRAM) {
		if (!le) {
			le = prom_default_buckets;
			nle = PROM_DEFAULT_BUCKETS_N;
		}
		f->le = xmalloc(nle * sizeof *f->le);
		memcpy(f->le, le, nle * sizeof *f->le);
		f->nle = nle;
	}
	bool added;
	struct htab_ent *e = htab_put(&r->famidx, f->name, n, &added);
	e->val = f;
	if (r->nfam == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->fam = xrealloc(r->fam, r->cap * sizeof *r->fam);
	}
	r->fam[r->nfam++] = f;
	r->sorted = false;
	return f;
}

void prom_escape_label(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			buf_add(b, "\\\\", 2);
		else if (s[i] == '"')
			buf_add(b, "\\\"", 2);
		else if (s[i] == '\n')
			buf_add(b, "\\n", 2);
		else
			buf_addc(b, s[i]);
	}
}

void prom_escape_help(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			buf_add(b, "\\\\", 2);
		else if (s[i] == '\n')
			buf_add(b, "\\n", 2);
		else
			buf_addc(b, s[i]);
	}
}

void prom_fmt_value(struct buf *b, double v)
{
	char t[40];
	if (isnan(v)) {
		buf_adds(b, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_adds(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) {
		buf_addc(b, '0');
		return;
	}
	if (v == floor(v) && fabs(v) <= 9007199254740992.0) {
		buf_printf(b, "%.0f", v);
		return;
	}
	int n = 0;
	for (int prec = 1; prec <= 17; prec++) {
		n = snprintf(t, sizeof t, "%.*g", prec, v);
		if (strtod(t, NULL) == v)
			break;
	}
	buf_add(b, t, (size_t)n);
}

static int label_cmp(const void *a, const void *b)
{
	const struct prom_label *x = *(const struct prom_label *const *)a;
	const struct prom_label *y = *(const struct prom_label *const *)b;
	size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
	int c = memcmp(x->name, y->name, n);
	return c ? c : (x->nlen > y->nlen) - (x->nlen < y->nlen);
}

/* Canonical key: family name, NUL, labels sorted by name and escaped. */
static bool series_key(struct prom_fam *f, const struct prom_label *l, size_t nl,
	struct buf *key, struct buf *err)
{
	const struct prom_label *stackp[16];
	const struct prom_label **p = nl <= 16 ? stackp : xmalloc(nl * sizeof *p);
	bool ok = false;
	size_t np = 0;
	for (size_t i = 0; i < nl; i++) {
		if (!prom_label_name_ok(l[i].name, l[i].nlen)) {
			buf_printf(err, "invalid label name \"%.*s\" (expected [a-zA-Z_][a-zA-Z0-9_]*, "
				"not starting with __)", (int)(l[i].nlen > 200 ? 200 : l[i].nlen),
				l[i].name);
			goto out;
		}
		if ((f->type == PROM_HISTOGRAM && l[i].nlen == 2 && !memcmp(l[i].name, "le", 2)) ||
			(f->type == PROM_SUMMARY && l[i].nlen == 8 &&
				!memcmp(l[i].name, "quantile", 8))) {
			buf_printf(err, "label %.*s is reserved in a %s", (int)l[i].nlen, l[i].name,
				type_names[f->type]);
			goto out;
		}
		if (l[i].vlen) /* an empty value is the same as no label */
			p[np++] = &l[i];
	}
	qsort(p, np, sizeof *p, label_cmp);
	buf_reset(key);
	buf_adds(key, f->name);
	buf_addc(key, 0);
	for (size_t i = 0; i < np; i++) {
		if (i && label_cmp(&p[i - 1], &p[i]) == 0) {
			buf_printf(err, "label %.*s given twice", (int)p[i]->nlen, p[i]->name);
			goto out;
		}
		if (i)
			buf_addc(key, ',');
		buf_add(key, p[i]->name, p[i]->nlen);
		buf_add(key, "=\"", 2);
		prom_escape_label(key, p[i]->val, p[i]->vlen);
		buf_addc(key, '"');
	}
	ok = true;
out:
	if (p != stackp)
		free(p);
	return ok;
}

struct prom_series *prom_series_get(struct prom_reg *r, struct prom_fam *f,
	const struct prom_label *l, size_t nl, struct buf *err)
{
	struct buf key = BUF_INIT;
	if (!series_key(f, l, nl, &key, err)) {
		buf_free(&key);
		return NULL;
	}
	struct prom_series *s = htab_get(&r->series, key.p, key.len);
	if (s) {
		buf_free(&key);
		return s;
	}
	if (r->max_series && r->nseries >= r->max_series) {
		buf_printf(err, "too many series (limit %zu): %s{%s} not added", r->max_series,
			f->name, key.p + strlen(f->name) + 1);
		buf_free(&key);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->key = key.p; /* ownership moves to the series */
	s->klen = key.len;
	s->labels = s->key + strlen(f->name) + 1;
	s->llen = s->klen - strlen(f->name) - 1;
	if (f->type == PROM_HISTOGRAM)
		s->bucket = xcalloc(f->nle + 1, sizeof *s->bucket);
	bool added;
	struct htab_ent *e = htab_put(&r->series, s->key, s->klen, &added);
	e->val = s;
	if (f->nseries == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 4;
		f->series = xrealloc(f->series, f->cap * sizeof *f->series);
	}
	f->series[f->nseries++] = s;
	f->sorted = false;
	r->nseries++;
	return s;
}

bool prom_update(struct prom_reg *r, struct prom_fam *f, const struct prom_label *l,
	size_t nl, double v, struct buf *err)
{
	if (isnan(v) && f->type != PROM_GAUGE) {
		buf_printf(err, "%s %s: value is NaN", type_names[f->type], f->name);
		return false;
	}
	if (f->type == PROM_COUNTER && !(v >= 0)) {
		buf_printf(err, "counter %s: value %g is negative (counters only go up)", f->name, v);
		return false;
	}
	struct prom_series *s = prom_series_get(r, f, l, nl, err);
	if (!s)
		return false;
	switch (f->type) {
	case PROM_COUNTER:
		s->value += v;
		break;
	case PROM_GAUGE:
		s->value = v;
		break;
	case PROM_HISTOGRAM: {
		size_t lo = 0, hi = f->nle; /* first bound >= v; nle means +Inf */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (f->le[mid] >= v)
				hi = mid;
			else
				lo = mid + 1;
		}
		s->bucket[lo]++;
	}
		/* fall through */
	case PROM_SUMMARY:
		s->count++;
		s->sum += v;
		break;
	}
	return true;
}

static int fam_cmp(const void *a, const void *b)
{
	return strcmp((*(struct prom_fam *const *)a)->name, (*(struct prom_fam *const *)b)->name);
}

static int series_cmp(const void *a, const void *b)
{
	const struct prom_series *x = *(struct prom_series *const *)a;
	const struct prom_series *y = *(struct prom_series *const *)b;
	size_t n = x->llen < y->llen ? x->llen : y->llen;
	int c = memcmp(x->labels, y->labels, n);
	return c ? c : (x->llen > y->llen) - (x->llen < y->llen);
}

/* name{labels[,extra]} */
static void series_name(struct buf *out, const char *name, const char *sfx,
	const struct prom_series *s, const char *extra, size_t elen)
{
	buf_adds(out, name);
	buf_adds(out, sfx);
	if (s->llen || elen) {
		buf_addc(out, '{');
		buf_add(out, s->labels, s->llen);
		if (s->llen && elen)
			buf_addc(out, ',');
		if (elen)
			buf_add(out, extra, elen);
		buf_addc(out, '}');
	}
	buf_addc(out, ' ');
}

void prom_render(struct prom_reg *r, struct buf *out)
{
	struct buf le = BUF_INIT;
	if (!r->sorted) {
		qsort(r->fam, r->nfam, sizeof *r->fam, fam_cmp);
		r->sorted = true;
	}
	for (size_t i = 0; i < r->nfam; i++) {
		struct prom_fam *f = r->fam[i];
		if (!f->nseries)
			continue;
		if (!f->sorted) {
			qsort(f->series, f->nseries, sizeof *f->series, series_cmp);
			f->sorted = true;
		}
		buf_printf(out, "# HELP %s ", f->name);
		if (f->help)
			prom_escape_help(out, f->help, strlen(f->help));
		else
			buf_printf(out, "%s %s.", f->name, type_names[f->type]);
		buf_printf(out, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
		for (size_t j = 0; j < f->nseries; j++) {
			const struct prom_series *s = f->series[j];
			if (f->type == PROM_COUNTER || f->type == PROM_GAUGE) {
				series_name(out, f->name, "", s, NULL, 0);
				prom_fmt_value(out, s->value);
				buf_addc(out, '\n');
				continue;
			}
			if (f->type == PROM_HISTOGRAM) {
				uint64_t cum = 0;
				for (size_t k = 0; k <= f->nle; k++) {
					cum += s->bucket[k];
					buf_reset(&le);
					buf_adds(&le, "le=\"");
					if (k < f->nle)
						prom_fmt_value(&le, f->le[k]);
					else
						buf_adds(&le, "+Inf");
					buf_addc(&le, '"');
					series_name(out, f->name, "_bucket", s, le.p, le.len);
					buf_printf(out, "%llu\n", (unsigned long long)cum);
				}
			}
			series_name(out, f->name, "_sum", s, NULL, 0);
			prom_fmt_value(out, s->sum);
			buf_addc(out, '\n');
			series_name(out, f->name, "_count", s, NULL, 0);
			buf_printf(out, "%llu\n", (unsigned long long)s->count);
		}
	}
	buf_free(&le);
}

void prom_base64url(struct buf *b, const char *s, size_t n)
{
	size_t from = b->len;
	b64_encode(b, s, n);
	for (size_t i = from; i < b->len; i++)
		if (b->p[i] == '+')
			b->p[i] = '-';
		else if (b->p[i] == '/')
			b->p[i] = '_';
}

static void pct_encode(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '.' || c == '_' || c == '~') {
			buf_addc(b, (char)c);
		} else {
			char t[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_add(b, t, 3);
		}
	}
}

static void group_pair(struct buf *b, const char *name, size_t nlen, const char *v, size_t vlen)
{
	buf_addc(b, '/');
	buf_add(b, name, nlen);
	if (!vlen) {
		buf_adds(b, "@base64/=");
	} else if (memchr(v, '/', vlen)) {
		buf_adds(b, "@base64/");
		prom_base64url(b, v, vlen);
	} else {
		buf_addc(b, '/');
		pct_encode(b, v, vlen);
	}
}

void prom_group_path(struct buf *b, const char *job, const struct prom_label *l, size_t nl)
{
	buf_adds(b, "/metrics");
	group_pair(b, "job", 3, job, strlen(job));
	for (size_t i = 0; i < nl; i++)
		group_pair(b, l[i].name, l[i].nlen, l[i].val, l[i].vlen);
}
