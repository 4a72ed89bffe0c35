#ifndef RUNNEL_PROM_H
#define RUNNEL_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "htab.h"

/*
 * A Prometheus metric registry and its text exposition (format 0.0.4): families of
 * counters, gauges, histograms and summaries, each holding series keyed by their label
 * set. Names are checked against Prometheus' rules; the exposition is deterministic
 * (families by name, series by labels), has HELP and TYPE once per family and no
 * timestamps, so the Pushgateway, node_exporter's textfile collector and
 * `promtool check metrics` all accept it.
 */
enum prom_type { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_SUMMARY };

/* Prometheus' default histogram buckets (client libraries' DefBuckets). */
#define PROM_DEFAULT_BUCKETS_N 11
extern const double prom_default_buckets[PROM_DEFAULT_BUCKETS_N];

/* A label as given: values may be any UTF-8; an empty value means "no label". */
struct prom_label {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

struct prom_series {
	char *key;      /* family name, NUL, canonical label text: the table key */
	size_t klen;
	const char *labels; /* escaped `a="x",b="y"` (no braces), inside key */
	size_t llen;
	double value;       /* counter, gauge */
	double sum;         /* histogram, summary */
	uint64_t count;     /* histogram, summary */
	uint64_t *bucket;   /* histogram: per-bucket (not cumulative) counts */
};

struct prom_fam {
	char *name;
	enum prom_type type;
	char *help;
	double *le; /* histogram upper bounds, strictly increasing, no +Inf */
	size_t nle;
	struct prom_series **series;
	size_t nseries, cap;
	bool sorted;
};

struct prom_reg {
	struct prom_fam **fam;
	size_t nfam, cap;
	bool sorted;
	struct htab famidx; /* name → family */
	struct htab series; /* series key → series */
	size_t nseries;
	size_t max_series; /* 0: no limit */
};

bool prom_metric_name_ok(const char *s, size_t n);
/* Label names: [a-zA-Z_][a-zA-Z0-9_]*, not starting with `__` (reserved). */
bool prom_label_name_ok(const char *s, size_t n);
bool prom_type_parse(const char *s, size_t n, enum prom_type *t);
const char *prom_type_name(enum prom_type t);
/* `0.1,0.5,1,5` (strictly increasing finite numbers; a trailing +Inf is dropped). */
bool prom_parse_buckets(const char *s, double **le, size_t *n, struct buf *err);

void prom_init(struct prom_reg *r);
void prom_free(struct prom_reg *r);

/* Finds the family `name` or declares it. NULL with a message in err when the name is
   invalid, the family exists with another type, or a histogram's or summary's
   _bucket/_sum/_count series would collide with another family. le/nle (NULL: the
   defaults) and help apply when the family is new; a family without help gets one
   when help is given later. */
struct prom_fam *prom_family(struct prom_reg *r, const char *name, size_t n,
	enum prom_type t, const double *le, size_t nle, const char *help, size_t hlen,
	struct buf *err);

/* Counter: adds v (must be >= 0); gauge: sets v; histogram, summary: observes v.
   Labels are validated and sorted by name; false with a message in err otherwise. */
bool prom_update(struct prom_reg *r, struct prom_fam *f, const struct prom_label *l,
	size_t nl, double v, struct buf *err);

/* The series for a label set, created (at zero) if new; NULL with err as above. */
struct prom_series *prom_series_get(struct prom_reg *r, struct prom_fam *f,
	const struct prom_label *l, size_t nl, struct buf *err);

/* Appends the whole exposition to out. */
void prom_render(struct prom_reg *r, struct buf *out);

/* Text-format pieces, exposed for tests. */
void prom_escape_label(struct buf *b, const char *s, size_t n); /* \\ \" \n */
void prom_escape_help(struct buf *b, const char *s, size_t n);  /* \\ \n */
void prom_fmt_value(struct buf *b, double v); /* shortest exact text, +Inf, -Inf, NaN */

/* The Pushgateway grouping path `/metrics/job/JOB/NAME/VALUE...`: values that are
   empty or contain `/` are sent as `NAME@base64/URL-SAFE-BASE64`, others
   percent-encoded. */
void prom_group_path(struct buf *b, const char *job, const struct prom_label *l, size_t nl);
/* RFC 4648 §5 URL-safe base64 with padding. */
void prom_base64url(struct buf *b, const char *s, size_t n);

#endif
