#include "wm.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define NOT_IN_HEAP SIZE_MAX

static int64_t sat_sub(int64_t a, int64_t b)
{
	return a < INT64_MIN + b + 1 ? INT64_MIN + 1 : a - b;
}

static bool part_less(const void *a, const void *b)
{
	return ((const struct wm_part *)a)->max < ((const struct wm_part *)b)->max;
}

static void part_moved(void *p, size_t i)
{
	((struct wm_part *)p)->heap = i;
}

void wm_init(struct wm *w, int64_t delay, int64_t idle_ms, int64_t now)
{
	memset(w, 0, sizeof *w);
	w->delay = delay < 0 ? 0 : delay;
	w->idle_ms = idle_ms;
	w->wm = WM_NONE;
	w->last_input = w->last_advance = now;
	htab_init(&w->parts);
	heap_init(&w->active, part_less, part_moved);
	w->anon.max = INT64_MIN;
	w->anon.heap = NOT_IN_HEAP;
}

void wm_free(struct wm *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->all[i] != &w->anon) {
			free(w->all[i]->topic);
			free(w->all[i]);
		}
	free(w->all);
	heap_free(&w->active);
	htab_free(&w->parts);
	memset(w, 0, sizeof *w);
}

/* The effective watermark from the active partitions; never moves back. */
static bool recompute(struct wm *w)
{
	const struct wm_part *min = heap_top(&w->active);
	if (!min || min->max == INT64_MIN)
		return false;
	int64_t v = sat_sub(min->max, w->delay);
	if (w->wm == WM_NONE || v > w->wm) {
		w->wm = v;
		return true;
	}
	return false;
}

static struct wm_part *find(struct wm *w, const char *topic, size_t tlen, int32_t partition,
	bool create)
{
	if (!topic)
		return &w->anon;
	struct wm_part *l = w->last;
	if (l && l->partition == partition && l->tlen == tlen && !memcmp(l->topic, topic, tlen))
		return l;
	char kb[256];
	struct buf big = BUF_INIT;
	char *k = kb;
	size_t kl = tlen + sizeof partition;
	if (kl > sizeof kb) {
		buf_grow(&big, kl);
		k = big.p;
	}
	memcpy(k, topic, tlen);
	memcpy(k + tlen, &partition, sizeof partition);
	struct wm_part *p = htab_get(&w->parts, k, kl);
	if (!p && create) {
		bool added;
		p = xcalloc(1, sizeof *p);
		p->topic = xmalloc(kl);
		memcpy(p->topic, k, kl);
		p->tlen = tlen;
		p->partition = partition;
		p->max = INT64_MIN;
		p->heap = NOT_IN_HEAP;
		struct htab_ent *e = htab_put(&w->parts, p->topic, kl, &added);
		e->val = p;
	}
	buf_free(&big);
	if (p)
		w->last = p;
	return p;
}

static void enlist(struct wm *w, struct wm_part *p)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->all[i] == p)
			return;
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 8;
		w->all = xrealloc(w->all, w->cap * sizeof *w->all);
	}
	w->all[w->n++] = p;
}

bool wm_observe(struct wm *w, const char *topic, size_t tlen, int32_t partition, int64_t t,
	int64_t now)
{
	struct wm_part *p = find(w, topic, tlen, partition, true);
	bool fresh = p->max == INT64_MIN && p->heap == NOT_IN_HEAP;
	if (fresh)
		enlist(w, p);
	w->last_input = now;
	p->seen = now;
	if (t > p->max)
		p->max = t;
	if (p->heap == NOT_IN_HEAP)
		heap_push(&w->active, p);
	else
		heap_fix(&w->active, p->heap);
	return recompute(w);
}

bool wm_idle(struct wm *w, int64_t now)
{
	if (w->idle_ms <= 0)
		return false;
	if (now - w->last_input >= w->idle_ms) {
		/* the whole input is quiet: event time follows wall time */
		int64_t base = w->last_advance > w->last_input ? w->last_advance : w->last_input;
		w->last_advance = now;
		if (w->wm == WM_NONE || now <= base)
			return false;
		w->wm += now - base;
		return true;
	}
	bool changed = false;
	for (size_t i = 0; i < w->n; i++) {
		struct wm_part *p = w->all[i];
		if (p->heap != NOT_IN_HEAP && now - p->seen >= w->idle_ms && w->active.n > 1) {
			heap_remove(&w->active, p->heap);
			p->heap = NOT_IN_HEAP;
			changed = true;
		}
	}
	return changed && recompute(w);
}

void wm_raise(struct wm *w, int64_t t)
{
	if (t != WM_NONE && (w->wm == WM_NONE || t > w->wm))
		w->wm = t;
}

void wm_set_part(struct wm *w, const char *topic, size_t tlen, int32_t partition, int64_t max,
	int64_t now)
{
	struct wm_part *p = find(w, topic, tlen, partition, true);
	enlist(w, p);
	p->max = max;
	p->seen = now;
	if (p->heap == NOT_IN_HEAP)
		heap_push(&w->active, p);
	else
		heap_fix(&w->active, p->heap);
}
