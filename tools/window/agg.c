#include "agg.h"

#include <stdlib.h>
#include <string.h>

#include "gk.h"
#include "json.h"
#include "jw.h"
#include "rec.h"
#include "tm.h"

static enum json_type type_of(const char *p)
{
	switch (*p) {
	case '"': return JV_STRING;
	case '{': return JV_OBJECT;
	case '[': return JV_ARRAY;
	case 't': return JV_TRUE;
	case 'f': return JV_FALSE;
	case 'n': return JV_NULL;
	default: return JV_NUMBER;
	}
}

int agg_text_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	struct json_val x = { a, al, type_of(a) }, y = { b, bl, type_of(b) };
	if (x.type == JV_STRING && y.type == JV_STRING && !memchr(a, '\\', al) &&
	    !memchr(b, '\\', bl)) {
		int c = memcmp(a + 1, b + 1, (al < bl ? al : bl) - 2);
		return c ? (c < 0 ? -1 : 1) : al < bl ? -1 : al > bl;
	}
	return json_val_compare(x, y);
}

void agg_prepare(const struct agg_spec *s, size_t n, const struct rec *r, int64_t t,
	struct agg_in *in, struct buf *scratch)
{
	size_t off[n];
	buf_reset(scratch);
	for (size_t k = 0; k < n; k++) {
		struct agg_in *x = &in[k];
		struct json_val v;
		memset(x, 0, sizeof *x);
		off[k] = SIZE_MAX;
		if (!s[k].field || !rec_get(r, s[k].field, &v))
			continue;
		x->present = true;
		x->null = v.type == JV_NULL;
		switch (s[k].fn) {
		case AGG_SUM:
		case AGG_AVG:
		case AGG_PCTL:
		case AGG_MIN:
		case AGG_MAX:
			if (v.type == JV_NUMBER) {
				x->num = true;
				x->isint = json_num_i64(v, &x->i);
				json_num_f64(v, &x->d);
				if (x->isint)
					x->d = (double)x->i;
				x->kind = x->isint ? MM_INT : MM_DBL;
			} else if (v.type == JV_STRING) {
				x->txt = v.p;
				x->tlen = v.len;
				if (s[k].is_time)
					x->kind = MM_TIME, x->tm = t;
				else if (!memchr(v.p, '\\', v.len) &&
					 tm_parse_rfc3339(v.p + 1, v.len - 2, &x->tm))
					x->kind = MM_TIME;
				else
					x->kind = MM_STR;
			}
			break;
		case AGG_FIRST:
		case AGG_LAST:
		case AGG_SET:
		case AGG_LIST:
		case AGG_DISTINCT:
			if (v.type == JV_ARRAY || v.type == JV_OBJECT) {
				off[k] = scratch->len;
				jw_val(scratch, v);
				x->tlen = scratch->len - off[k];
			} else {
				x->txt = v.p;
				x->tlen = v.len;
			}
			break;
		default:
			break;
		}
	}
	for (size_t k = 0; k < n; k++)
		if (off[k] != SIZE_MAX)
			in[k].txt = scratch->p + off[k];
}

void agg_init(const struct agg_spec *s, struct agg_val *v)
{
	(void)s;
	memset(v, 0, sizeof *v);
}

static void set_text(char **dst, uint32_t *dlen, const char *p, size_t n)
{
	*dst = xrealloc(*dst, n ? n : 1);
	memcpy(*dst, p, n);
	*dlen = (uint32_t)n;
}

#define VSET_E0 4
#define VSET_D0 96

static struct vset *vset_pool; /* blocks of the first size, for reuse */

static void vset_free(struct vset *s)
{
	if (s && s->ecap == VSET_E0 && s->dcap == VSET_D0) {
		*(struct vset **)s = vset_pool;
		vset_pool = s;
	} else {
		free(s);
	}
}

static struct vset *vset_new(uint32_t ecap, uint32_t dcap)
{
	struct vset *s;
	if (ecap == VSET_E0 && dcap == VSET_D0 && vset_pool) {
		s = vset_pool;
		vset_pool = *(struct vset **)s;
	} else {
		s = xmalloc(sizeof *s + ecap * sizeof s->e[0] + dcap);
	}
	s->n = s->dlen = 0;
	s->ecap = ecap;
	s->dcap = dcap;
	return s;
}

void agg_cleanup(void)
{
	while (vset_pool) {
		struct vset *s = vset_pool;
		vset_pool = *(struct vset **)s;
		free(s);
	}
}

void vset_add(struct vset **sp, const char *txt, size_t len)
{
	struct vset *s = *sp;
	if (!s)
		s = *sp = vset_new(VSET_E0, len <= VSET_D0 ? VSET_D0 : (uint32_t)len * 2);
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		int c = agg_text_cmp(vset_text(s, mid), s->e[mid].len, txt, len);
		if (!c)
			return;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->n == s->ecap || s->dlen + len > s->dcap) {
		uint32_t ec = s->ecap, dc = s->dcap;
		if (s->n == ec)
			ec *= 2;
		while (s->dlen + len > dc)
			dc *= 2;
		struct vset *t = vset_new(ec, dc);
		t->n = s->n;
		t->dlen = s->dlen;
		memcpy(t->e, s->e, s->n * sizeof s->e[0]);
		memcpy((char *)(t->e + t->ecap), (char *)(s->e + s->ecap), s->dlen);
		vset_free(s);
		s = *sp = t;
	}
	memmove(s->e + lo + 1, s->e + lo, (s->n - lo) * sizeof s->e[0]);
	s->e[lo].off = s->dlen;
	s->e[lo].len = (uint32_t)len;
	memcpy((char *)(s->e + s->ecap) + s->dlen, txt, len);
	s->dlen += (uint32_t)len;
	s->n++;
}

/* Order of min/max values: numbers < times < strings. */
static int mm_cmp(uint8_t ka, int64_t ia, double da, const char *sa, size_t la, uint8_t kb,
	int64_t ib, double db, const char *sb, size_t lb)
{
	int ra = ka == MM_DBL ? MM_INT : ka, rb = kb == MM_DBL ? MM_INT : kb;
	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (ra) {
	case MM_INT:
		if (ka == MM_INT && kb == MM_INT)
			return ia < ib ? -1 : ia > ib;
		{
			double x = ka == MM_INT ? (double)ia : da, y = kb == MM_INT ? (double)ib : db;
			return x < y ? -1 : x > y;
		}
	case MM_TIME:
		return ia < ib ? -1 : ia > ib;
	default:
		return agg_text_cmp(sa, la, sb, lb);
	}
}

static void mm_take(struct agg_val *v, uint8_t kind, int64_t i, double d, const char *s,
	size_t len)
{
	if (v->mm.kind == MM_STR && kind != MM_STR) {
		free(v->mm.u.s);
		v->mm.u.s = NULL;
	}
	if (kind == MM_STR) {
		if (v->mm.kind != MM_STR)
			v->mm.u.s = NULL;
		set_text(&v->mm.u.s, &v->mm.len, s, len);
	} else if (kind == MM_DBL) {
		v->mm.u.d = d;
	} else {
		v->mm.u.i = i;
	}
	v->mm.kind = kind;
}

static void mm_update(bool is_max, struct agg_val *v, uint8_t kind, int64_t i, double d,
	const char *s, size_t len)
{
	if (kind == MM_NONE)
		return;
	if (v->mm.kind != MM_NONE) {
		int c = mm_cmp(kind, i, d, s, len, v->mm.kind, v->mm.u.i, v->mm.u.d,
			v->mm.kind == MM_STR ? v->mm.u.s : NULL, v->mm.len);
		if (is_max ? c <= 0 : c >= 0)
			return;
	}
	mm_take(v, kind, i, d, s, len);
}

static void sum_add(struct agg_val *v, bool isint, int64_t i, double d, int64_t n)
{
	v->sum.n += n;
	v->sum.d += d;
	if (!isint)
		v->sum.fl |= SUM_DBL;
	else if (!(v->sum.fl & (SUM_DBL | SUM_OVF)) && __builtin_add_overflow(v->sum.i, i, &v->sum.i))
		v->sum.fl |= SUM_OVF;
}

void agg_update(const struct agg_spec *s, struct agg_val *v, const struct agg_in *in, int64_t t)
{
	switch (s->fn) {
	case AGG_COUNT_ALL:
		v->n++;
		break;
	case AGG_COUNT:
		if (in->present && !in->null)
			v->n++;
		break;
	case AGG_SUM:
	case AGG_AVG:
		if (in->num)
			sum_add(v, in->isint, in->i, in->d, 1);
		break;
	case AGG_MIN:
	case AGG_MAX:
		mm_update(s->fn == AGG_MAX, v, in->kind, in->kind == MM_TIME ? in->tm : in->i, in->d,
			in->txt, in->tlen);
		break;
	case AGG_FIRST:
		if (in->present && (!v->fl.s || t < v->fl.t)) {
			set_text(&v->fl.s, &v->fl.len, in->txt, in->tlen);
			v->fl.t = t;
		}
		break;
	case AGG_LAST:
		if (in->present && (!v->fl.s || t >= v->fl.t)) {
			set_text(&v->fl.s, &v->fl.len, in->txt, in->tlen);
			v->fl.t = t;
		}
		break;
	case AGG_SET:
	case AGG_DISTINCT:
		if (in->present && !in->null) {
			vset_add(&v->set, in->txt, in->tlen);
		}
		break;
	case AGG_LIST:
		if (in->present && !in->null) {
			if (!v->list)
				v->list = xcalloc(1, sizeof *v->list);
			if (v->list->len)
				buf_addc(v->list, ',');
			buf_add(v->list, in->txt, in->tlen);
		}
		break;
	case AGG_PCTL:
		if (in->num) {
			if (!v->gk) {
				v->gk = xmalloc(sizeof *v->gk);
				gk_init(v->gk, s->eps);
			}
			gk_add(v->gk, in->d);
		}
		break;
	}
}

void agg_merge(const struct agg_spec *s, struct agg_val *a, struct agg_val *b)
{
	switch (s->fn) {
	case AGG_COUNT_ALL:
	case AGG_COUNT:
		a->n += b->n;
		break;
	case AGG_SUM:
	case AGG_AVG:
		if (b->sum.n) {
			a->sum.fl |= b->sum.fl;
			sum_add(a, !(b->sum.fl & (SUM_DBL | SUM_OVF)), b->sum.i, b->sum.d, b->sum.n);
		}
		break;
	case AGG_MIN:
	case AGG_MAX:
		mm_update(s->fn == AGG_MAX, a, b->mm.kind, b->mm.u.i, b->mm.u.d,
			b->mm.kind == MM_STR ? b->mm.u.s : NULL, b->mm.len);
		break;
	case AGG_FIRST:
		if (b->fl.s && (!a->fl.s || b->fl.t < a->fl.t)) {
			free(a->fl.s);
			a->fl = b->fl;
			b->fl.s = NULL;
		}
		break;
	case AGG_LAST:
		if (b->fl.s && (!a->fl.s || b->fl.t >= a->fl.t)) {
			free(a->fl.s);
			a->fl = b->fl;
			b->fl.s = NULL;
		}
		break;
	case AGG_SET:
	case AGG_DISTINCT:
		if (b->set) {
			if (!a->set) {
				a->set = b->set;
				b->set = NULL;
			} else {
				for (uint32_t i = 0; i < b->set->n; i++)
					vset_add(&a->set, vset_text(b->set, i), b->set->e[i].len);
			}
		}
		break;
	case AGG_LIST:
		if (b->list && b->list->len) {
			if (!a->list) {
				a->list = b->list;
				b->list = NULL;
			} else {
				if (a->list->len)
					buf_addc(a->list, ',');
				buf_add(a->list, b->list->p, b->list->len);
			}
		}
		break;
	case AGG_PCTL:
		if (b->gk) {
			if (!a->gk) {
				a->gk = b->gk;
				b->gk = NULL;
			} else {
				gk_merge(a->gk, b->gk);
			}
		}
		break;
	}
	agg_free(s, b);
}

void agg_free(const struct agg_spec *s, struct agg_val *v)
{
	switch (s->fn) {
	case AGG_MIN:
	case AGG_MAX:
		if (v->mm.kind == MM_STR)
			free(v->mm.u.s);
		break;
	case AGG_FIRST:
	case AGG_LAST:
		free(v->fl.s);
		break;
	case AGG_SET:
	case AGG_DISTINCT:
		vset_free(v->set);
		break;
	case AGG_LIST:
		if (v->list) {
			buf_free(v->list);
			free(v->list);
		}
		break;
	case AGG_PCTL:
		if (v->gk) {
			gk_free(v->gk);
			free(v->gk);
		}
		break;
	default:
		break;
	}
	memset(v, 0, sizeof *v);
}

void agg_write(const struct agg_spec *s, const struct agg_val *v, struct buf *b)
{
	switch (s->fn) {
	case AGG_COUNT_ALL:
	case AGG_COUNT:
		jw_i64(b, v->n);
		break;
	case AGG_DISTINCT:
		jw_i64(b, v->set ? v->set->n : 0);
		break;
	case AGG_SUM:
		if (!v->sum.n)
			jw_null(b);
		else if (!v->sum.fl)
			jw_i64(b, v->sum.i);
		else
			jw_f64(b, v->sum.d);
		break;
	case AGG_AVG:
		if (!v->sum.n)
			jw_null(b);
		else
			jw_f64(b, (v->sum.fl ? v->sum.d : (double)v->sum.i) / (double)v->sum.n);
		break;
	case AGG_MIN:
	case AGG_MAX:
		switch (v->mm.kind) {
		case MM_INT: jw_i64(b, v->mm.u.i); break;
		case MM_DBL: jw_f64(b, v->mm.u.d); break;
		case MM_TIME: jw_time(b, v->mm.u.i); break;
		case MM_STR: buf_add(b, v->mm.u.s, v->mm.len); break;
		default: jw_null(b);
		}
		break;
	case AGG_FIRST:
	case AGG_LAST:
		if (v->fl.s)
			buf_add(b, v->fl.s, v->fl.len);
		else
			jw_null(b);
		break;
	case AGG_SET:
		buf_addc(b, '[');
		for (uint32_t i = 0; v->set && i < v->set->n; i++) {
			if (i)
				buf_addc(b, ',');
			buf_add(b, vset_text(v->set, i), v->set->e[i].len);
		}
		buf_addc(b, ']');
		break;
	case AGG_LIST:
		buf_addc(b, '[');
		if (v->list)
			buf_add(b, v->list->p, v->list->len);
		buf_addc(b, ']');
		break;
	case AGG_PCTL:
		if (s->p_list)
			buf_addc(b, '[');
		for (size_t i = 0; i < s->np; i++) {
			if (i)
				buf_addc(b, ',');
			if (v->gk && v->gk->n)
				jw_f64(b, gk_query(v->gk, s->p[i]));
			else
				jw_null(b);
		}
		if (s->p_list)
			buf_addc(b, ']');
		break;
	}
}

size_t agg_heap_bytes(const struct agg_spec *s, const struct agg_val *v)
{
	switch (s->fn) {
	case AGG_MIN:
	case AGG_MAX:
		return v->mm.kind == MM_STR ? v->mm.len : 0;
	case AGG_FIRST:
	case AGG_LAST:
		return v->fl.s ? v->fl.len : 0;
	case AGG_SET:
	case AGG_DISTINCT:
		return v->set ? sizeof *v->set + v->set->ecap * sizeof v->set->e[0] + v->set->dcap : 0;
	case AGG_LIST:
		return v->list ? sizeof *v->list + v->list->cap : 0;
	case AGG_PCTL:
		return v->gk ? sizeof *v->gk + v->gk->cap * sizeof *v->gk->t : 0;
	default:
		return 0;
	}
}
