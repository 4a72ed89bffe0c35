/* detect: events held back until the watermark passes them (-w), in time order. */
#include <stdlib.h>
#include <string.h>

#include "pending.h"

static bool before(const struct pend *a, const struct pend *b)
{
	return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static void swap(struct pend **h, size_t i, size_t j)
{
	struct pend *x = h[i];
	h[i] = h[j];
	h[j] = x;
}

void pend_push(struct pending *q, int64_t t, uint64_t seq, const char *line, size_t len)
{
	struct pend *e = q->nfree ? q->free[--q->nfree] : xcalloc(1, sizeof *e);
	e->t = t;
	e->seq = seq;
	buf_reset(&e->line);
	buf_add(&e->line, line, len);
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->h = xrealloc(q->h, q->cap * sizeof *q->h);
	}
	size_t i = q->n++;
	q->h[i] = e;
	while (i && before(q->h[i], q->h[(i - 1) / 2])) {
		swap(q->h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	if (seq >= q->seq)
		q->seq = seq + 1;
}

struct pend *pend_pop(struct pending *q)
{
	if (!q->n)
		return NULL;
	struct pend *top = q->h[0];
	q->h[0] = q->h[--q->n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < q->n && before(q->h[l], q->h[m]))
			m = l;
		if (r < q->n && before(q->h[r], q->h[m]))
			m = r;
		if (m == i)
			break;
		swap(q->h, i, m);
		i = m;
	}
	return top;
}

void pend_recycle(struct pending *q, struct pend *e)
{
	if (q->nfree == q->capfree) {
		q->capfree = q->capfree ? q->capfree * 2 : 64;
		q->free = xrealloc(q->free, q->capfree * sizeof *q->free);
	}
	if (e->line.cap > 1 << 16) /* keep only ordinary-sized buffers */
		buf_free(&e->line);
	q->free[q->nfree++] = e;
}

void pend_free(struct pending *q)
{
	for (size_t i = 0; i < q->n; i++) {
		buf_free(&q->h[i]->line);
		free(q->h[i]);
	}
	for (size_t i = 0; i < q->nfree; i++) {
		buf_free(&q->free[i]->line);
		free(q->free[i]);
	}
	free(q->h);
	free(q->free);
	memset(q, 0, sizeof *q);
}
