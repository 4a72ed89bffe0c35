#ifndef RUNNEL_GK_H
#define RUNNEL_GK_H

#include <stdint.h>

/*
 * Greenwald-Khanna quantile summary, as Spark's approx_percentile uses: a query
 * for rank r returns a value that was added and whose rank is within eps*n of r.
 * Exact until 1/(2*eps) values were added; then at most O((1/eps) log(eps*n))
 * tuples. Combining two summaries (merged sessions) keeps the bound.
 */
struct gk_tuple {
	double v;
	int64_t g; /* rank of v minus rank of the previous tuple, at least */
	int64_t d; /* uncertainty of v's rank */
};

struct gk {
	double eps;
	int64_t n;
	int64_t since; /* additions since the last compression */
	uint32_t ns, cap;
	struct gk_tuple *t;
};

void gk_init(struct gk *g, double eps);
void gk_free(struct gk *g);
void gk_add(struct gk *g, double v);
void gk_merge(struct gk *into, const struct gk *from);
/* The value at rank ceil(p*n) (at least 1); n must be > 0. */
double gk_query(const struct gk *g, double p);
/* For restoring from a checkpoint: appends a tuple as is. */
void gk_push(struct gk *g, double v, int64_t gg, int64_t d);
void gk_compress(struct gk *g);

#endif
