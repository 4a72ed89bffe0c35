#ifndef RUNNEL_HEAP_H
#define RUNNEL_HEAP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A binary min-heap of pointers, for the event-time orders every stateful tool
 * keeps (windows by end, buffered rows by deadline, partitions by watermark).
 * With a `moved` callback items learn their index, so they can be removed or
 * re-ordered in place.
 */
struct heap {
	void **e;
	size_t n, cap;
	bool (*less)(const void *a, const void *b);
	void (*moved)(void *item, size_t idx);
};

void heap_init(struct heap *h, bool (*less)(const void *, const void *),
	void (*moved)(void *, size_t));
void heap_free(struct heap *h);
void heap_push(struct heap *h, void *item);
void *heap_pop(struct heap *h);
static inline void *heap_top(const struct heap *h) { return h->n ? h->e[0] : NULL; }
/* Removes the item at idx (known through `moved`). */
void *heap_remove(struct heap *h, size_t idx);
/* Restores order after the item at idx changed its key. */
void heap_fix(struct heap *h, size_t idx);

#endif
