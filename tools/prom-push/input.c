/* prom-push: input records into registry updates (metric records and -m mappings). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jw.h"
#include "pp.h"

static void ls_reset(struct labset *s)
{
	buf_reset(&s->b);
	s->n = 0;
}

static size_t ls_new(struct labset *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->off = xrealloc(s->off, s->cap * sizeof *s->off);
		s->l = xrealloc(s->l, s->cap * sizeof *s->l);
	}
	return s->n++;
}

/* A JSON value as label text: strings decoded, null empty, anything else as JSON. */
static void label_text(struct buf *b, struct json_val v)
{
	if (v.type == JV_STRING)
		json_str_append(b, v);
	else if (v.type != JV_NULL && v.type != JV_NONE)
		jw_val(b, v);
}

static void ls_add(struct labset *s, const char *name, size_t nlen, struct json_val nameval,
	struct json_val v)
{
	size_t i = ls_new(s);
	s->off[i][0] = s->b.len;
	if (name)
		buf_add(&s->b, name, nlen);
	else
		json_str_append(&s->b, nameval);
	s->off[i][1] = s->b.len - s->off[i][0];
	s->off[i][2] = s->b.len;
	label_text(&s->b, v);
	s->off[i][3] = s->b.len - s->off[i][2];
}

static struct prom_label *ls_finish(struct labset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		s->l[i].name = s->b.p + s->off[i][0];
		s->l[i].nlen = s->off[i][1];
		s->l[i].val = s->b.p + s->off[i][2];
		s->l[i].vlen = s->off[i][3];
	}
	return s->l;
}

/* Numbers, booleans (1, 0) and numeric strings. */
static bool num_value(struct json_val v, struct buf *scratch, double *d)
{
	if (v.type == JV_NUMBER)
		return json_num_f64(v, d);
	if (v.type == JV_TRUE || v.type == JV_FALSE) {
		*d = v.type == JV_TRUE;
		return true;
	}
	if (v.type == JV_STRING) {
		size_t n;
		const char *s = json_str(v, scratch, &n);
		char t[64], *e;
		if (!n || n >= sizeof t)
			return false;
		memcpy(t, s, n);
		t[n] = 0;
		*d = strtod(t, &e);
		return *e == 0 && e != t;
	}
	return false;
}

bool map_parse(struct map *m, const char *spec, struct buf *err)
{
	const char *colon = strchr(spec, ':'), *eq, *semi, *p, *perr;
	memset(m, 0, sizeof *m);
	m->spec = xstrdup(spec);
	if (!colon || !prom_type_parse(spec, (size_t)(colon - spec), &m->type)) {
		buf_printf(err, "-m %s: expected TYPE:NAME=FIELD with TYPE counter, gauge, histogram "
			"or summary", spec);
		return false;
	}
	eq = strchr(colon + 1, '=');
	if (!eq) {
		buf_printf(err, "-m %s: expected TYPE:NAME=FIELD", spec);
		return false;
	}
	m->name = xstrndup(colon + 1, (size_t)(eq - colon - 1));
	if (!prom_metric_name_ok(m->name, strlen(m->name))) {
		buf_printf(err, "-m %s: invalid metric name \"%s\" (expected [a-zA-Z_:][a-zA-Z0-9_:]*)",
			spec, m->name);
		return false;
	}
	semi = strchr(eq + 1, ';');
	char *field = xstrndup(eq + 1, semi ? (size_t)(semi - eq - 1) : strlen(eq + 1));
	bool ok = *field && path_parse(&m->field, field, &perr);
	if (!ok)
		buf_printf(err, "-m %s: field '%s': %s", spec, field, *field ? perr : "missing");
	free(field);
	if (!ok)
		return false;
	for (p = semi; p && *p;) {
		p++;
		if (!strncmp(p, "help=", 5)) { /* the rest, ';' and ',' included */
			m->help = xstrdup(p + 5);
			break;
		}
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *opt = xstrndup(p, n);
		if (!strncmp(opt, "labels=", 7)) {
			for (char *save, *tok = strtok_r(opt + 7, ",", &save); tok;
				tok = strtok_r(NULL, ",", &save)) {
				char *leq = strchr(tok, '=');
				m->lpath = xrealloc(m->lpath, (m->nl + 1) * sizeof *m->lpath);
				m->lname = xrealloc(m->lname, (m->nl + 1) * sizeof *m->lname);
				if (!path_parse(&m->lpath[m->nl], leq ? leq + 1 : tok, &perr)) {
					buf_printf(err, "-m %s: label field '%s': %s", spec, leq ? leq + 1 : tok,
						perr);
					free(opt);
					return false;
				}
				size_t ln;
				const char *lf = leq ? tok : path_leaf(&m->lpath[m->nl], &ln);
				m->lname[m->nl] = leq ? xstrndup(tok, (size_t)(leq - tok)) : xstrndup(lf, ln);
				m->nl++;
				if (!prom_label_name_ok(m->lname[m->nl - 1], strlen(m->lname[m->nl - 1]))) {
					buf_printf(err, "-m %s: invalid label name \"%s\" (expected "
						"[a-zA-Z_][a-zA-Z0-9_]*, not starting with __; rename it with "
						"labels=NAME=FIELD)", spec, m->lname[m->nl - 1]);
					free(opt);
					return false;
				}
			}
		} else if (!strncmp(opt, "buckets=", 8)) {
			if (m->type != PROM_HISTOGRAM) {
				buf_printf(err, "-m %s: buckets are for histograms", spec);
				free(opt);
				return false;
			}
			struct buf e = BUF_INIT;
			free(m->le);
			m->le = NULL;
			if (!prom_parse_buckets(opt + 8, &m->le, &m->nle, &e)) {
				buf_printf(err, "-m %s: %s", spec, e.p);
				buf_free(&e);
				free(opt);
				return false;
			}
		} else {
			buf_printf(err, "-m %s: unknown option '%s' (labels=, buckets=, help=)", spec, opt);
			free(opt);
			return false;
		}
		free(opt);
		p = end;
	}
	return true;
}

void map_free(struct map *m)
{
	free(m->spec);
	free(m->name);
	path_free(&m->field);
	for (size_t i = 0; i < m->nl; i++) {
		path_free(&m->lpath[i]);
		free(m->lname[i]);
	}
	free(m->lpath);
	free(m->lname);
	free(m->le);
	free(m->help);
}

/* A row through the -m mappings: all values are checked before any is applied. */
bool apply_maps(struct pp *p, const struct rec *r)
{
	size_t used = 0;
	for (size_t i = 0; i < p->nmaps; i++) {
		struct map *m = &p->maps[i];
		struct json_val v;
		p->vals[i] = NAN;
		if (!rec_get(r, &m->field, &v) || v.type == JV_NULL)
			continue;
		if (!num_value(v, &p->scratch, &p->vals[i]) || isnan(p->vals[i])) {
			buf_printf(&p->err, "field %s: not a number", m->field.text);
			return false;
		}
		if (m->type == PROM_COUNTER && !(p->vals[i] >= 0)) {
			buf_printf(&p->err, "field %s: counter %s cannot go down by %g", m->field.text,
				m->name, p->vals[i]);
			return false;
		}
		used++;
	}
	if (!used) {
		buf_printf(&p->err, "none of the -m fields is present");
		return false;
	}
	for (size_t i = 0; i < p->nmaps; i++) {
		struct map *m = &p->maps[i];
		if (isnan(p->vals[i]))
			continue;
		ls_reset(&p->ls);
		for (size_t j = 0; j < m->nl; j++) {
			struct json_val v = { NULL, 0, JV_NONE }, none = v;
			rec_get(r, &m->lpath[j], &v);
			ls_add(&p->ls, m->lname[j], strlen(m->lname[j]), none, v);
		}
		if (!prom_update(&p->reg, m->fam, ls_finish(&p->ls), p->ls.n, p->vals[i], &p->err))
			return false;
	}
	return true;
}

/* {"name","type","value","labels","help","buckets"}: one metric record. */
bool apply_record(struct pp *p, const struct rec *r)
{
	struct json_val name, type, val, labels, hv, bk;
	enum prom_type t;
	double d, lebuf[64];
	size_t nle = 0, hlen = 0, nlen, tlen;
	const char *hs = NULL, *ns, *ts;
	struct buf hb = BUF_INIT;

	if (!rec_field(r, "name", 4, &name) || name.type != JV_STRING) {
		buf_printf(&p->err, "not a metric record: no \"name\" string (map rows with -m)");
		return false;
	}
	if (!rec_field(r, "type", 4, &type) || type.type != JV_STRING) {
		buf_printf(&p->err, "metric record without a \"type\" string");
		return false;
	}
	ts = json_str(type, &p->scratch, &tlen);
	if (!prom_type_parse(ts, tlen, &t)) {
		buf_printf(&p->err, "unknown metric type \"%.*s\" (counter, gauge, histogram or "
			"summary)", (int)(tlen > 40 ? 40 : tlen), ts);
		return false;
	}
	if (!rec_field(r, "value", 5, &val) || !num_value(val, &p->scratch, &d)) {
		buf_printf(&p->err, "metric record without a numeric \"value\"");
		return false;
	}
	if (rec_field(r, "buckets", 7, &bk)) {
		struct json_iter it;
		struct json_val e;
		if (bk.type != JV_ARRAY || t != PROM_HISTOGRAM) {
			buf_printf(&p->err, "\"buckets\" must be an array of bounds of a histogram");
			return false;
		}
		json_iter_init(&it, bk);
		while (json_arr_next(&it, &e)) {
			if (nle == 64 || !json_num_f64(e, &lebuf[nle]) || !isfinite(lebuf[nle]) ||
				(nle && lebuf[nle] <= lebuf[nle - 1])) {
				buf_printf(&p->err, "\"buckets\": up to 64 increasing finite numbers");
				return false;
			}
			nle++;
		}
	}
	if (rec_field(r, "help", 4, &hv) && hv.type == JV_STRING) {
		json_str_append(&hb, hv);
		hs = hb.p;
		hlen = hb.len;
	}
	ls_reset(&p->ls);
	if (rec_field(r, "labels", 6, &labels) && labels.type != JV_NULL) {
		struct json_iter it;
		struct json_val k, v;
		if (labels.type != JV_OBJECT) {
			buf_printf(&p->err, "\"labels\" must be an object");
			buf_free(&hb);
			return false;
		}
		json_iter_init(&it, labels);
		while (json_obj_next(&it, &k, &v))
			ls_add(&p->ls, NULL, 0, k, v);
	}
	ns = json_str(name, &p->scratch, &nlen);
	struct prom_fam *f = prom_family(&p->reg, ns, nlen, t, nle ? lebuf : NULL, nle, hs, hlen,
		&p->err);
	buf_free(&hb);
	if (!f)
		return false;
	return prom_update(&p->reg, f, ls_finish(&p->ls), p->ls.n, d, &p->err);
}
