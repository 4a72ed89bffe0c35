#include "gk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void gk_init(struct gk *g, double eps)
{
	memset(g, 0, sizeof *g);
	g->eps = eps;
}

void gk_free(struct gk *g)
{
	free(g->t);
	g->t = NULL;
	g->ns = g->cap = 0;
}

static void reserve(struct gk *g, uint32_t n)
{
	if (g->ns + n <= g->cap)
		return;
	while (g->ns + n > g->cap)
		g->cap = g->cap ? g->cap * 2 : 8;
	g->t = xrealloc(g->t, g->cap * sizeof *g->t);
}

void gk_push(struct gk *g, double v, int64_t gg, int64_t d)
{
	reserve(g, 1);
	g->t[g->ns++] = (struct gk_tuple){ v, gg, d };
}

/* Merges neighbours whose combined uncertainty stays within 2*eps*n, right to left. */
void gk_compress(struct gk *g)
{
	g->since = 0;
	if (g->ns < 3)
		return;
	int64_t thr = (int64_t)floor(2 * g->eps * (double)g->n);
	uint32_t w = g->ns - 1;
	for (uint32_t i = g->ns - 2; i >= 1; i--) {
		if (g->t[i].g + g->t[w].g + g->t[w].d <= thr)
			g->t[w].g += g->t[i].g;
		else
			g->t[--w] = g->t[i];
	}
	g->t[--w] = g->t[0];
	g->ns -= w;
	memmove(g->t, g->t + w, g->ns * sizeof *g->t);
}

void gk_add(struct gk *g, double v)
{
	uint32_t lo = 0, hi = g->ns;
	while (lo < hi) { /* first tuple with a larger value */
		uint32_t mid = (lo + hi) / 2;
		if (g->t[mid].v > v)
			hi = mid;
		else
			lo = mid + 1;
	}
	int64_t d = lo == 0 || lo == g->ns ? 0 : g->t[lo].g + g->t[lo].d - 1;
	reserve(g, 1);
	memmove(g->t + lo + 1, g->t + lo, (g->ns - lo) * sizeof *g->t);
	g->t[lo] = (struct gk_tuple){ v, 1, d };
	g->ns++;
	g->n++;
	if (++g->since >= (int64_t)(1 / (2 * g->eps)))
		gk_compress(g);
}

/* Combines from into into: each tuple's rank bounds become the sum of its bounds in its
   own summary and the bounds of its neighbours in the other (Greenwald-Khanna 2004). */
void gk_merge(struct gk *into, const struct gk *from)
{
	if (!from->n)
		return;
	if (!into->n) {
		into->n = from->n;
		into->ns = 0;
		reserve(into, from->ns);
		memcpy(into->t, from->t, from->ns * sizeof *from->t);
		into->ns = from->ns;
		if (from->eps > into->eps)
			into->eps = from->eps;
		return;
	}
	const struct gk *a = into, *b = from;
	uint32_t na = a->ns, nb = b->ns, i = 0, j = 0;
	struct gk_tuple *out = xmalloc((size_t)(na + nb) * sizeof *out);
	int64_t *rmina = xmalloc((size_t)(na + nb) * 2 * sizeof *rmina);
	int64_t *rmaxa = rmina + na, *rminb = rmina + na + na, *rmaxb = rminb + nb;
	int64_t r = 0;
	for (uint32_t k = 0; k < na; k++) {
		r += a->t[k].g;
		rmina[k] = r;
		rmaxa[k] = r + a->t[k].d;
	}
	r = 0;
	for (uint32_t k = 0; k < nb; k++) {
		r += b->t[k].g;
		rminb[k] = r;
		rmaxb[k] = r + b->t[k].d;
	}
	int64_t prev = 0;
	uint32_t n = 0;
	while (i < na || j < nb) {
		int64_t lo, hi;
		double v;
		if (j >= nb || (i < na && a->t[i].v <= b->t[j].v)) {
			/* from a: b's tuples before it are those < v, j of them */
			v = a->t[i].v;
			lo = rmina[i] + (j ? rminb[j - 1] : 0);
			hi = rmaxa[i] + (j < nb ? rmaxb[j] - 1 : b->n);
			i++;
		} else {
			v = b->t[j].v;
			lo = rminb[j] + (i ? rmina[i - 1] : 0);
			hi = rmaxb[j] + (i < na ? rmaxa[i] - 1 : a->n);
			j++;
		}
		out[n++] = (struct gk_tuple){ v, lo - prev, hi - lo };
		prev = lo;
	}
	free(rmina);
	free(into->t);
	into->t = out;
	into->ns = into->cap = n;
	into->n += b->n;
	if (b->eps > into->eps)
		into->eps = b->eps;
	gk_compress(into);
}

double gk_query(const struct gk *g, double p)
{
	int64_t r = (int64_t)ceil(p * (double)g->n);
	if (r < 1)
		r = 1;
	if (r > g->n)
		r = g->n;
	int64_t rmin = 0, best = INT64_MAX;
	double v = g->t[0].v;
	for (uint32_t i = 0; i < g->ns; i++) {
		rmin += g->t[i].g;
		int64_t rmax = rmin + g->t[i].d;
		int64_t e = r - rmin > rmax - r ? r - rmin : rmax - r;
		if (e < best) {
			best = e;
			v = g->t[i].v;
		}
	}
	return v;
}
