#ifndef RUNNEL_DETECT_PENDING_H
#define RUNNEL_DETECT_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A min-heap of held-back lines by (event time, arrival number). */
struct pend {
	int64_t t;
	uint64_t seq;
	struct buf line;
};

struct pending {
	struct pend **h;
	size_t n, cap;
	struct pend **free;
	size_t nfree, capfree;
	uint64_t seq; /* next arrival number */
};

void pend_push(struct pending *q, int64_t t, uint64_t seq, const char *line, size_t len);
static inline const struct pend *pend_top(const struct pending *q) { return q->n ? q->h[0] : NULL; }
/* Removes the earliest; hand it back with pend_recycle when done. */
struct pend *pend_pop(struct pending *q);
void pend_recycle(struct pending *q, struct pend *e);
void pend_free(struct pending *q);

#endif
