#include "state.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jw.h"
#include "tm.h"

static bool bucket_less(const void *x, const void *y)
{
	const struct bucket *a = x, *b = y;
	return a->se[1] != b->se[1] ? a->se[1] < b->se[1] : a->se[0] < b->se[0];
}

static void bucket_moved(void *b, size_t i)
{
	((struct bucket *)b)->hi = i;
}

void ws_init(struct ws *w)
{
	htab_init(&w->keys);
	htab_init(&w->buckets);
	heap_init(&w->heap, bucket_less, bucket_moved);
}

static void pane_release(struct ws *w, struct pane *p)
{
	for (size_t i = 0; i < w->naggs; i++)
		agg_free(&w->aggs[i], &p->a[i]);
	*(struct pane **)p = w->free_panes; /* the free list reuses the first member */
	w->free_panes = p;
	w->npanes--;
}

void ws_free(struct ws *w)
{
	for (size_t i = 0; i < w->heap.n; i++) {
		struct bucket *b = w->heap.e[i];
		for (uint32_t j = 0; j < b->n; j++)
			pane_release(w, b->p[j]);
		free(b->p);
		free(b);
	}
	for (size_t i = 0; i < w->keys.cap; i++)
		if (w->keys.e[i].hash) {
			struct gkey *k = w->keys.e[i].val;
			free(k->p);
			free(k);
		}
	while (w->free_panes) {
		struct pane *p = w->free_panes;
		w->free_panes = *(struct pane **)p;
		free(p);
	}
	htab_free(&w->keys);
	htab_free(&w->buckets);
	heap_free(&w->heap);
	free(w->dirty);
	free(w->upd);
	free(w->sort);
	free(w->sorttmp);
	for (size_t i = 0; w->members && i < w->nkeys + w->naggs; i++)
		buf_free(&w->members[i]);
	free(w->members);
	buf_free(&w->prefix);
}

int ws_key_cmp(const char *a, size_t al, const char *b, size_t bl, size_t nkeys)
{
	if (nkeys <= 1)
		return agg_text_cmp(a, al, b, bl);
	const char *pa = a, *pb = b, *ea = a + al, *eb = b + bl;
	for (size_t i = 0; i < nkeys; i++) {
		struct json_val x, y;
		if (!json_scan(&pa, ea, &x, NULL, 0) || !json_scan(&pb, eb, &y, NULL, 0))
			break;
		int c = agg_text_cmp(x.p, x.len, y.p, y.len);
		if (c)
			return c;
		pa++; /* the ',' */
		pb++;
	}
	return 0;
}

static int ent_cmp(const struct ws_sortent *a, const struct ws_sortent *b, size_t nkeys)
{
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->plain & b->plain) {
		if (a->pre[0] != b->pre[0])
			return a->pre[0] < b->pre[0] ? -1 : 1;
		if (a->pre[1] != b->pre[1])
			return a->pre[1] < b->pre[1] ? -1 : 1;
		if (a->kl <= 18 && b->kl <= 18)
			return 0; /* both fit the prefix: equal */
	}
	const struct gkey *x = a->k, *y = b->k;
	if (x->plain & y->plain) {
		int c = memcmp(x->kb + 1, y->kb + 1, (x->kl < y->kl ? x->kl : y->kl) - 2);
		return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
	}
	return ws_key_cmp(x->kb, x->kl, y->kb, y->kl, nkeys);
}

/* Sorts panes into (end, start, key) order: a merge sort with buffers kept across
   calls (qsort would allocate each time), on copies of the sort keys so that
   comparisons touch no pane. Returns the sorted entries. */
static struct ws_sortent *sort_panes(struct ws *w, struct pane **ps, size_t n)
{
	if (n > w->sortcap) {
		w->sortcap = n + n / 2;
		w->sort = xrealloc(w->sort, w->sortcap * sizeof *w->sort);
		w->sorttmp = xrealloc(w->sorttmp, w->sortcap * sizeof *w->sorttmp);
	}
	struct ws_sortent *a = w->sort, *t = w->sorttmp;
	for (size_t i = 0; i < n; i++) {
		const struct gkey *k = ps[i]->k;
		a[i] = (struct ws_sortent){ ps[i]->end, ps[i]->start, { 0, 0 }, k->kl, k->plain, k,
			ps[i] };
		if (k->plain) {
			unsigned char pre[16] = { 0 };
			memcpy(pre, k->kb + 1, k->kl - 2 < 16 ? k->kl - 2 : 16);
			for (int j = 0; j < 8; j++) {
				a[i].pre[0] = a[i].pre[0] << 8 | pre[j];
				a[i].pre[1] = a[i].pre[1] << 8 | pre[8 + j];
			}
		}
	}
	for (size_t i = 1; i < n; i++) { /* insertion sort runs of 8 */
		struct ws_sortent x = a[i];
		size_t j = i;
		for (; j % 8 && ent_cmp(&x, &a[j - 1], w->nkeys) < 0; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
	for (size_t width = 8; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				t[k++] = ent_cmp(&a[j], &a[i], w->nkeys) < 0 ? a[j++] : a[i++];
			while (i < mid)
				t[k++] = a[i++];
			while (j < hi)
				t[k++] = a[j++];
		}
		struct ws_sortent *x = a;
		a = t;
		t = x;
	}
	return a;
}

static struct bucket *bucket_get(struct ws *w, int64_t start, int64_t end)
{
	int64_t se[2] = { start, end };
	bool added;
	struct htab_ent *e = htab_put(&w->buckets, se, sizeof se, &added);
	if (!added)
		return e->val;
	struct bucket *b = xcalloc(1, sizeof *b);
	b->se[0] = start;
	b->se[1] = end;
	e->val = b;
	e->key = (const char *)b->se;
	heap_push(&w->heap, b);
	return b;
}

static void bucket_add(struct ws *w, struct pane *p)
{
	struct bucket *b = bucket_get(w, p->start, p->end);
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 4;
		b->p = xrealloc(b->p, b->cap * sizeof *b->p);
	}
	p->b = b;
	p->bi = b->n;
	b->p[b->n++] = p;
}

static void bucket_drop(struct ws *w, struct bucket *b)
{
	htab_del(&w->buckets, b->se, sizeof b->se);
	free(b->p);
	free(b);
}

/* Takes a pane out of its bucket; an emptied bucket goes at once. */
static void bucket_unlink(struct ws *w, struct pane *p)
{
	struct bucket *b = p->b;
	struct pane *last = b->p[--b->n];
	if (last != p) {
		b->p[p->bi] = last;
		last->bi = p->bi;
	}
	p->b = NULL;
	if (!b->n) {
		heap_remove(&w->heap, b->hi);
		bucket_drop(w, b);
	}
}

static void mark_dirty(struct ws *w, struct pane *p)
{
	if (p->di != WS_NO_IDX)
		return;
	if (w->ndirty == w->dcap) {
		w->dcap = w->dcap ? 2 * w->dcap : 64;
		w->dirty = xrealloc(w->dirty, w->dcap * sizeof *w->dirty);
	}
	p->di = (uint32_t)w->ndirty;
	w->dirty[w->ndirty++] = p;
}

static void clear_dirty(struct ws *w, struct pane *p)
{
	if (p->di == WS_NO_IDX)
		return;
	struct pane *last = w->dirty[--w->ndirty];
	if (last != p) {
		w->dirty[p->di] = last;
		last->di = p->di;
	}
	p->di = WS_NO_IDX;
}

/* `,"name":` for each key and aggregate, escaped once. */
static void members(struct ws *w)
{
	w->members = xcalloc(w->nkeys + w->naggs, sizeof *w->members);
	for (size_t i = 0; i < w->nkeys + w->naggs; i++) {
		buf_addc(&w->members[i], ',');
		jw_strz(&w->members[i], i < w->nkeys ? w->key_names[i] : w->aggs[i - w->nkeys].name);
		buf_addc(&w->members[i], ':');
	}
}

/* `{"window":{"start":...,"end":...}`, the same for all rows of a window. */
static void window_prefix(struct buf *b, int64_t start, int64_t end)
{
	buf_reset(b);
	buf_add(b, "{\"window\":{\"start\":", 19);
	jw_time(b, start);
	buf_add(b, ",\"end\":", 7);
	jw_time(b, end);
	buf_addc(b, '}');
}

/* A row; prefix is the window's, or NULL to make it. */
static void write_row(struct ws *w, const struct pane *p, const struct buf *prefix)
{
	struct buf *b = out_buf(w->out);
	if (!w->members)
		members(w);
	if (!prefix) {
		window_prefix(&w->prefix, p->start, p->end);
		prefix = &w->prefix;
	}
	buf_add(b, prefix->p, prefix->len);
	const char *kp = p->k->kb, *ke = kp + p->k->kl;
	for (size_t i = 0; i < w->nkeys; i++) {
		struct json_val v;
		buf_add(b, w->members[i].p, w->members[i].len);
		if (w->nkeys == 1) {
			buf_add(b, kp, p->k->kl);
		} else if (json_scan(&kp, ke, &v, NULL, 0)) {
			buf_add(b, v.p, v.len);
			kp++;
		}
	}
	for (size_t i = 0; i < w->naggs; i++) {
		const struct buf *m = &w->members[w->nkeys + i];
		buf_add(b, m->p, m->len);
		agg_write(&w->aggs[i], &p->a[i], b);
	}
	buf_addc(b, '}');
	w->rows++;
	out_end_record(w->out);
}

static struct gkey *key_get(struct ws *w, const char *kb, size_t kl, bool *full)
{
	bool added;
	*full = false;
	struct gkey *k = htab_get(&w->keys, kb, kl);
	if (k)
		return k;
	if (w->max_keys && w->keys.n >= w->max_keys) {
		*full = true;
		return NULL;
	}
	k = xmalloc(sizeof *k + kl + 1);
	memset(k, 0, sizeof *k);
	memcpy(k->kb, kb, kl);
	k->kb[kl] = 0;
	k->kl = (uint32_t)kl;
	k->plain = w->nkeys == 1 && kl >= 2 && kb[0] == '"' && !memchr(kb, '\\', kl);
	struct htab_ent *e = htab_put(&w->keys, k->kb, kl, &added);
	e->val = k;
	return k;
}

static void key_drop(struct ws *w, struct gkey *k)
{
	htab_del(&w->keys, k->kb, k->kl);
	free(k->p);
	free(k);
}

/* Index of the first pane of k starting at or after start. */
static uint32_t key_pos(const struct gkey *k, int64_t start)
{
	uint32_t lo = 0, hi = k->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (k->p[mid]->start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct pane *pane_new(struct ws *w, struct gkey *k, uint32_t at, int64_t start, int64_t end)
{
	struct pane *p = w->free_panes;
	if (p)
		w->free_panes = *(struct pane **)p;
	else
		p = xmalloc(sizeof *p + w->naggs * sizeof p->a[0]);
	p->start = start;
	p->end = end;
	p->k = k;
	p->di = WS_NO_IDX;
	for (size_t i = 0; i < w->naggs; i++)
		agg_init(&w->aggs[i], &p->a[i]);
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 4;
		k->p = xrealloc(k->p, k->cap * sizeof *k->p);
	}
	memmove(k->p + at + 1, k->p + at, (k->n - at) * sizeof *k->p);
	k->p[at] = p;
	k->n++;
	bucket_add(w, p);
	w->npanes++;
	return p;
}

/* Removes pane from its key's list (usually the first) and frees it. */
static void pane_drop(struct ws *w, struct pane *p)
{
	struct gkey *k = p->k;
	uint32_t i = 0;
	while (i < k->n && k->p[i] != p)
		i++;
	memmove(k->p + i, k->p + i + 1, (k->n - i - 1) * sizeof *k->p);
	k->n--;
	clear_dirty(w, p);
	pane_release(w, p);
	if (!k->n)
		key_drop(w, k);
}

static void touched(struct ws *w, struct pane *p)
{
	if (w->emit == EMIT_UPDATE) {
		mark_dirty(w, p);
	} else if (w->emit == EMIT_EVERY) {
		if (w->nupd == w->updcap) {
			w->updcap = w->updcap ? 2 * w->updcap : 16;
			w->upd = xrealloc(w->upd, w->updcap * sizeof *w->upd);
		}
		w->upd[w->nupd++] = p;
	}
}

static void update(struct ws *w, struct pane *p, const struct agg_in *in, int64_t t)
{
	for (size_t i = 0; i < w->naggs; i++)
		agg_update(&w->aggs[i], &p->a[i], &in[i], t);
	touched(w, p);
}

static enum ws_result fixed_event(struct ws *w, struct gkey *k, const char *kb, size_t kl,
	int64_t t, const struct agg_in *in, const struct wm *wm)
{
	int64_t last = w->offset + tm_floordiv(t - w->offset, w->slide) * w->slide;
	int64_t first = last;
	while (first - w->slide > t - w->size)
		first -= w->slide;
	/* windows [s, s+size) for s = first, first+slide, ..., last; skip closed ones */
	while (first <= last && wm_closed(wm, first + w->size))
		first += w->slide;
	if (first > last)
		return WS_LATE;
	if (!k) {
		bool full;
		if (!(k = key_get(w, kb, kl, &full)))
			return WS_MAXKEYS;
	}
	uint32_t i = key_pos(k, first);
	for (int64_t s = first; s <= last; s += w->slide, i++) {
		struct pane *p;
		if (i < k->n && k->p[i]->start == s)
			p = k->p[i];
		else
			p = pane_new(w, k, i, s, s + w->size);
		update(w, p, in, t);
	}
	return WS_OK;
}

/* Moves a session pane to the bucket of its new bounds. */
static void session_rebound(struct ws *w, struct pane *p, int64_t start, int64_t end)
{
	if (p->start == start && p->end == end)
		return;
	bucket_unlink(w, p);
	p->start = start;
	p->end = end;
	bucket_add(w, p);
}

static enum ws_result session_event(struct ws *w, struct gkey *k, const char *kb, size_t kl,
	int64_t t, const struct agg_in *in, const struct wm *wm)
{
	int64_t end = t + w->gap;
	if (wm_closed(wm, end))
		return WS_LATE;
	if (!k) {
		bool full;
		if (!(k = key_get(w, kb, kl, &full)))
			return WS_MAXKEYS;
	}
	/* sessions of a key do not overlap, so both starts and ends are sorted: the ones
	   this event touches ([start, end] meets [t, t+gap]) are consecutive */
	uint32_t lo = 0, hi = k->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (k->p[mid]->end < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t i1 = lo;
	while (i1 < k->n && k->p[i1]->start <= end)
		i1++;
	struct pane *p;
	if (lo == i1) {
		p = pane_new(w, k, lo, t, end);
	} else {
		p = k->p[lo];
		int64_t ns = p->start < t ? p->start : t;
		int64_t ne = k->p[i1 - 1]->end > end ? k->p[i1 - 1]->end : end;
		for (uint32_t j = lo + 1; j < i1; j++) {
			struct pane *q = k->p[j];
			for (size_t a = 0; a < w->naggs; a++)
				agg_merge(&w->aggs[a], &p->a[a], &q->a[a]);
			bucket_unlink(w, q);
			clear_dirty(w, q);
			pane_release(w, q);
		}
		memmove(k->p + lo + 1, k->p + i1, (k->n - i1) * sizeof *k->p);
		k->n -= i1 - lo - 1;
		session_rebound(w, p, ns, ne);
	}
	update(w, p, in, t);
	return WS_OK;
}

enum ws_result ws_event(struct ws *w, const char *kb, size_t kl, int64_t t,
	const struct agg_in *in, const struct wm *wm)
{
	struct gkey *k = htab_get(&w->keys, kb, kl);
	enum ws_result r;
	w->nupd = 0;
	if (w->mode == WS_SESSION)
		r = session_event(w, k, kb, kl, t, in, wm);
	else
		r = fixed_event(w, k, kb, kl, t, in, wm);
	for (size_t i = 0; i < w->nupd && !w->out->broken; i++)
		write_row(w, w->upd[i], NULL);
	w->nupd = 0;
	return r;
}

void ws_close(struct ws *w, int64_t upto)
{
	struct bucket *b;
	while ((b = heap_top(&w->heap)) && b->se[1] <= upto) {
		heap_pop(&w->heap);
		struct ws_sortent *se = sort_panes(w, b->p, b->n);
		window_prefix(&w->prefix, b->se[0], b->se[1]);
		for (uint32_t i = 0; i < b->n; i++) {
			struct pane *p = se[i].p;
			if (i + 4 < b->n)
				__builtin_prefetch(se[i + 4].p);
			if (w->emit == EMIT_FINAL || (w->emit == EMIT_UPDATE && p->di != WS_NO_IDX))
				if (!w->out->broken)
					write_row(w, p, &w->prefix);
			pane_drop(w, p);
		}
		bucket_drop(w, b);
	}
}

static int bucket_order_cmp(const void *x, const void *y)
{
	const struct bucket *a = *(struct bucket *const *)x, *b = *(struct bucket *const *)y;
	return bucket_less(a, b) ? -1 : bucket_less(b, a);
}


void ws_write_open(struct ws *w)
{
	size_t n = w->heap.n;
	struct bucket **bs = xmalloc((n + 1) * sizeof *bs);
	memcpy(bs, w->heap.e, n * sizeof *bs);
	qsort(bs, n, sizeof *bs, bucket_order_cmp);
	for (size_t i = 0; i < n && !w->out->broken; i++) {
		struct bucket *b = bs[i];
		struct ws_sortent *se = sort_panes(w, b->p, b->n);
		window_prefix(&w->prefix, b->se[0], b->se[1]);
		for (uint32_t j = 0; j < b->n; j++) {
			write_row(w, se[j].p, &w->prefix);
			clear_dirty(w, se[j].p);
		}
	}
	free(bs);
}

void ws_trigger(struct ws *w)
{
	if (!w->ndirty)
		return;
	struct ws_sortent *se = sort_panes(w, w->dirty, w->ndirty);
	for (size_t i = 0; i < w->ndirty; i++) {
		if (!w->out->broken)
			write_row(w, se[i].p, NULL);
		se[i].p->di = WS_NO_IDX;
	}
	w->ndirty = 0;
}

struct pane *ws_restore(struct ws *w, const char *kb, size_t kl, int64_t start, int64_t end,
	bool dirty)
{
	bool full;
	if (end <= start || (w->mode == WS_FIXED && (end - start != w->size ||
		w->offset + tm_floordiv(start - w->offset, w->slide) * w->slide != start)))
		return NULL;
	struct gkey *k = htab_get(&w->keys, kb, kl);
	size_t saved = w->max_keys;
	w->max_keys = 0; /* a restored state is never refused for its size */
	if (!k)
		k = key_get(w, kb, kl, &full);
	w->max_keys = saved;
	uint32_t at = key_pos(k, start);
	if (at < k->n && k->p[at]->start == start)
		return NULL;
	if (w->mode == WS_SESSION && ((at > 0 && k->p[at - 1]->end >= start) ||
		(at < k->n && k->p[at]->start <= end)))
		return NULL;
	struct pane *p = pane_new(w, k, at, start, end);
	if (dirty)
		mark_dirty(w, p);
	return p;
}

size_t ws_pair_bytes(const struct ws *w, size_t key_len)
{
	(void)key_len;
	/* the pane, its pointers in the key's list and in its bucket, and the
	   allocator's header */
	return sizeof(struct pane) + w->naggs * sizeof(struct agg_val) + 2 * sizeof(void *) + 16;
}

size_t ws_bytes(const struct ws *w)
{
	size_t n = w->keys.cap * sizeof(struct htab_ent) + w->buckets.cap * sizeof(struct htab_ent) +
		w->heap.cap * sizeof(void *);
	for (size_t i = 0; i < w->heap.n; i++) {
		const struct bucket *b = w->heap.e[i];
		n += sizeof *b + b->cap * sizeof(void *);
		for (uint32_t j = 0; j < b->n; j++) {
			const struct pane *p = b->p[j];
			n += sizeof *p + w->naggs * sizeof(struct agg_val) + 16;
			for (size_t a = 0; a < w->naggs; a++)
				n += agg_heap_bytes(&w->aggs[a], &p->a[a]);
		}
	}
	for (size_t i = 0; i < w->keys.cap; i++)
		if (w->keys.e[i].hash) {
			const struct gkey *k = w->keys.e[i].val;
			n += sizeof *k + k->kl + 1 + k->cap * sizeof(void *) + 16;
		}
	return n;
}
