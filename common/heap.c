#include "heap.h"

#include <stdlib.h>

#include "buf.h"

void heap_init(struct heap *h, bool (*less)(const void *, const void *),
	void (*moved)(void *, size_t))
{
	h->e = NULL;
	h->n = h->cap = 0;
	h->less = less;
	h->moved = moved;
}

void heap_free(struct heap *h)
{
	free(h->e);
	h->e = NULL;
	h->n = h->cap = 0;
}

static inline void put(struct heap *h, size_t i, void *x)
{
	h->e[i] = x;
	if (h->moved)
		h->moved(x, i);
}

static void up(struct heap *h, size_t i)
{
	void *x = h->e[i];
	while (i > 0 && h->less(x, h->e[(i - 1) / 2])) {
		put(h, i, h->e[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	put(h, i, x);
}

static void down(struct heap *h, size_t i)
{
	void *x = h->e[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->less(h->e[c + 1], h->e[c]))
			c++;
		if (!h->less(h->e[c], x))
			break;
		put(h, i, h->e[c]);
		i = c;
	}
	put(h, i, x);
}

void heap_push(struct heap *h, void *item)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->e = xrealloc(h->e, h->cap * sizeof *h->e);
	}
	h->e[h->n++] = item;
	up(h, h->n - 1);
}

void *heap_remove(struct heap *h, size_t idx)
{
	void *x = h->e[idx];
	void *last = h->e[--h->n];
	if (idx < h->n) {
		h->e[idx] = last;
		heap_fix(h, idx);
	}
	return x;
}

void *heap_pop(struct heap *h)
{
	return h->n ? heap_remove(h, 0) : NULL;
}

void heap_fix(struct heap *h, size_t idx)
{
	if (idx > 0 && h->less(h->e[idx], h->e[(idx - 1) / 2]))
		up(h, idx);
	else
		down(h, idx);
}
