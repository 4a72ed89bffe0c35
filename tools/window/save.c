#include "save.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gk.h"

static json_t *dbl(double d)
{
	if (isfinite(d))
		return json_real(d);
	return json_string(isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
}

static bool get_dbl(const json_t *j, double *d)
{
	if (json_is_number(j)) {
		*d = json_number_value(j);
		return true;
	}
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		if (!strcmp(s, "nan"))
			*d = NAN;
		else if (!strcmp(s, "inf"))
			*d = INFINITY;
		else if (!strcmp(s, "-inf"))
			*d = -INFINITY;
		else
			return false;
		return true;
	}
	return false;
}

static json_t *text(const char *p, size_t n)
{
	return json_stringn(p, n);
}

static json_t *agg_json(const struct agg_spec *s, const struct agg_val *v)
{
	switch (s->fn) {
	case AGG_COUNT_ALL:
	case AGG_COUNT:
		return json_integer(v->n);
	case AGG_SUM:
	case AGG_AVG:
		return json_pack("[I,o,I,i]", (json_int_t)v->sum.i, dbl(v->sum.d), (json_int_t)v->sum.n,
			(int)v->sum.fl);
	case AGG_MIN:
	case AGG_MAX:
		switch (v->mm.kind) {
		case MM_INT:
		case MM_TIME:
			return json_pack("[i,I]", v->mm.kind, (json_int_t)v->mm.u.i);
		case MM_DBL:
			return json_pack("[i,o]", v->mm.kind, dbl(v->mm.u.d));
		case MM_STR:
			return json_pack("[i,o]", v->mm.kind, text(v->mm.u.s, v->mm.len));
		default:
			return json_null();
		}
	case AGG_FIRST:
	case AGG_LAST:
		if (!v->fl.s)
			return json_null();
		return json_pack("[I,o]", (json_int_t)v->fl.t, text(v->fl.s, v->fl.len));
	case AGG_SET:
	case AGG_DISTINCT: {
		json_t *a = json_array();
		for (uint32_t i = 0; v->set && i < v->set->n; i++)
			json_array_append_new(a, text(vset_text(v->set, i), v->set->e[i].len));
		return a;
	}
	case AGG_LIST:
		return v->list ? text(v->list->p, v->list->len) : json_string("");
	case AGG_PCTL: {
		if (!v->gk)
			return json_null();
		json_t *t = json_array();
		for (uint32_t i = 0; i < v->gk->ns; i++)
			json_array_append_new(t, json_pack("[o,I,I]", dbl(v->gk->t[i].v),
				(json_int_t)v->gk->t[i].g, (json_int_t)v->gk->t[i].d));
		return json_pack("{s:o,s:I,s:I,s:o}", "eps", dbl(v->gk->eps), "n",
			(json_int_t)v->gk->n, "since", (json_int_t)v->gk->since, "t", t);
	}
	}
	return json_null();
}

static bool agg_load(const struct agg_spec *s, struct agg_val *v, json_t *j)
{
	json_int_t a, b, c;
	int k, fl;
	json_t *o;
	size_t i;
	switch (s->fn) {
	case AGG_COUNT_ALL:
	case AGG_COUNT:
		if (!json_is_integer(j))
			return false;
		v->n = json_integer_value(j);
		return true;
	case AGG_SUM:
	case AGG_AVG:
		if (json_unpack(j, "[I,o,I,i]", &a, &o, &b, &fl) < 0 || !get_dbl(o, &v->sum.d))
			return false;
		v->sum.i = a;
		v->sum.n = b;
		v->sum.fl = (uint8_t)fl;
		return true;
	case AGG_MIN:
	case AGG_MAX:
		if (json_is_null(j))
			return true;
		if (json_unpack(j, "[i,o]", &k, &o) < 0)
			return false;
		if ((k == MM_INT || k == MM_TIME) && json_is_integer(o)) {
			v->mm.u.i = json_integer_value(o);
		} else if (k == MM_DBL && get_dbl(o, &v->mm.u.d)) {
		} else if (k == MM_STR && json_is_string(o) && json_string_length(o)) {
			v->mm.len = (uint32_t)json_string_length(o);
			v->mm.u.s = xmalloc(v->mm.len);
			memcpy(v->mm.u.s, json_string_value(o), v->mm.len);
		} else {
			return false;
		}
		v->mm.kind = (uint8_t)k;
		return true;
	case AGG_FIRST:
	case AGG_LAST: {
		const char *p;
		size_t n;
		if (json_is_null(j))
			return true;
		if (json_unpack(j, "[I,s%]", &a, &p, &n) < 0 || !n)
			return false;
		v->fl.t = a;
		v->fl.s = xmalloc(n);
		memcpy(v->fl.s, p, n);
		v->fl.len = (uint32_t)n;
		return true;
	}
	case AGG_SET:
	case AGG_DISTINCT:
		if (!json_is_array(j))
			return false;
		json_array_foreach(j, i, o) {
			if (!json_is_string(o) || !json_string_length(o))
				return false;
			vset_add(&v->set, json_string_value(o), json_string_length(o));
		}
		return true;
	case AGG_LIST:
		if (!json_is_string(j))
			return false;
		if (json_string_length(j)) {
			v->list = xcalloc(1, sizeof *v->list);
			buf_add(v->list, json_string_value(j), json_string_length(j));
		}
		return true;
	case AGG_PCTL: {
		json_t *t, *e, *tv;
		double eps;
		if (json_is_null(j))
			return true;
		if (json_unpack(j, "{s:o,s:I,s:I,s:o}", "eps", &e, "n", &a, "since", &b, "t", &t) < 0 ||
		    !get_dbl(e, &eps) || !(eps > 0) || !json_is_array(t) || !json_array_size(t))
			return false;
		v->gk = xmalloc(sizeof *v->gk);
		gk_init(v->gk, eps);
		v->gk->n = a;
		v->gk->since = b;
		json_int_t sum = 0;
		json_array_foreach(t, i, o) {
			double x;
			if (json_unpack(o, "[o,I,I]", &tv, &c, &a) < 0 || !get_dbl(tv, &x) || c < 1 || a < 0)
				return false;
			gk_push(v->gk, x, c, a);
			sum += c;
		}
		return sum == v->gk->n;
	}
	}
	return false;
}

static json_t *save_state(const struct ws *w, const struct wm *wm, const struct ckpt_offsets *o)
{
	json_t *st = ckpt_wm_json(wm), *panes = json_array();
	json_object_set_new(st, "offsets", ckpt_offsets_json(o));
	for (size_t i = 0; i < w->heap.n; i++) {
		const struct bucket *b = w->heap.e[i];
		for (uint32_t j = 0; j < b->n; j++) {
			const struct pane *p = b->p[j];
			json_t *aggs = json_array();
			for (size_t a = 0; a < w->naggs; a++)
				json_array_append_new(aggs, agg_json(&w->aggs[a], &p->a[a]));
			json_array_append_new(panes, json_pack("[o,I,I,b,o]",
				json_stringn(p->k->kb, p->k->kl), (json_int_t)p->start,
				(json_int_t)p->end, p->di != WS_NO_IDX, aggs));
		}
	}
	json_object_set_new(st, "panes", panes);
	return st;
}

static bool save_restore(struct ws *w, struct wm *wm, struct ckpt_offsets *o, json_t *st, int64_t now,
	struct buf *err)
{
	json_t *offs, *panes, *v;
	size_t i;
	if (json_unpack(st, "{s:o,s:o}", "offsets", &offs, "panes", &panes) < 0 ||
	    !json_is_array(panes)) {
		buf_printf(err, "state: expected watermark, partitions, offsets and panes");
		return false;
	}
	if (!ckpt_wm_load(wm, st, now, err))
		return false;
	if (!ckpt_offsets_load(o, offs, err))
		return false;
	json_array_foreach(panes, i, v) {
		const char *kb;
		size_t kl;
		json_int_t s, e;
		int dirty;
		json_t *aggs, *aj;
		size_t a;
		if (json_unpack(v, "[s%,I,I,b,o]", &kb, &kl, &s, &e, &dirty, &aggs) < 0 ||
		    !json_is_array(aggs) || json_array_size(aggs) != w->naggs) {
			buf_printf(err, "panes[%zu]: expected [key, start, end, dirty, aggregates]", i);
			return false;
		}
		struct pane *p = ws_restore(w, kb, kl, s, e, dirty);
		if (!p) {
			buf_printf(err, "panes[%zu]: window [%lld, %lld) does not fit", i, (long long)s,
				(long long)e);
			return false;
		}
		json_array_foreach(aggs, a, aj) {
			if (!agg_load(&w->aggs[a], &p->a[a], aj)) {
				buf_printf(err, "panes[%zu]: bad state for %s", i, w->aggs[a].canon);
				return false;
			}
		}
	}
	return true;
}

int save_write(const char *path, const struct ckpt_meta *m, const struct ws *w,
	const struct wm *wm, const struct ckpt_offsets *o, struct buf *err)
{
	json_t *st = save_state(w, wm, o);
	int rc = ckpt_save(path, m, st, err);
	json_decref(st);
	return rc;
}

int save_read(const char *path, const struct ckpt_meta *m, struct ws *w, struct wm *wm,
	struct ckpt_offsets *o, int64_t now, struct buf *err)
{
	json_t *st;
	int rc = ckpt_load(path, m, &st, err);
	if (rc != CKPT_OK)
		return rc;
	struct buf why = BUF_INIT;
	if (!save_restore(w, wm, o, st, now, &why)) {
		buf_printf(err, "checkpoint %s is corrupt (%s); remove it to start afresh", path,
			why.p ? why.p : "bad state");
		rc = CKPT_CORRUPT;
	}
	buf_free(&why);
	json_decref(st);
	return rc;
}
