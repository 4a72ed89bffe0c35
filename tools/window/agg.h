#ifndef RUNNEL_WINDOW_AGG_H
#define RUNNEL_WINDOW_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Aggregates of window(1): their -a specifications, their state per (window, key)
 * (one 32-byte struct agg_val each, plus heap storage for the collecting ones) and
 * the row values they write. Free of json.h so that the checkpoint code, which uses
 * jansson, can include it.
 */
enum agg_fn {
	AGG_COUNT_ALL, /* count(), count(*), count(1) */
	AGG_COUNT,     /* count(f): non-null values */
	AGG_SUM,
	AGG_AVG,
	AGG_MIN,
	AGG_MAX,
	AGG_FIRST,
	AGG_LAST,
	AGG_SET,       /* collect_set */
	AGG_LIST,      /* collect_list */
	AGG_DISTINCT,  /* count_distinct, count(distinct f) */
	AGG_PCTL,      /* approx_percentile(f, p [, accuracy]) */
};

struct path;
struct rec;

struct agg_spec {
	enum agg_fn fn;
	struct path *field; /* NULL for count() */
	bool is_time;       /* field is the event-time field: use the parsed time */
	char *name;         /* output member */
	char *canon;        /* fn(field[,args]) for the checkpoint fingerprint */
	double *p;          /* percentiles */
	size_t np;
	bool p_list;        /* written as an array */
	double eps;         /* 1/accuracy */
};

/* min/max value kinds, in their order: numbers < times < strings */
enum { MM_NONE, MM_INT, MM_DBL, MM_TIME, MM_STR };
/* sum/avg flags */
enum { SUM_DBL = 1, SUM_OVF = 2 };

/* Distinct values, sorted (json_compare order), as compact JSON texts: one block of
   header, entries, then the texts. */
struct vset {
	uint32_t n, ecap, dlen, dcap;
	struct vset_ent {
		uint32_t off, len;
	} e[];
};

static inline const char *vset_text(const struct vset *s, uint32_t i)
{
	return (const char *)(s->e + s->ecap) + s->e[i].off;
}

struct gk;

struct agg_val {
	union {
		int64_t n; /* count */
		struct {
			int64_t i;  /* exact integer sum while no flag is set */
			double d;   /* sum in arrival order */
			int64_t n;  /* numbers added */
			uint8_t fl;
		} sum;
		struct {
			union {
				int64_t i; /* MM_INT, MM_TIME (ms) */
				double d;
				char *s;   /* MM_STR: JSON text */
			} u;
			uint32_t len;
			uint8_t kind;
		} mm;
		struct {
			int64_t t;  /* event time of the value */
			char *s;    /* compact JSON text; NULL: none yet */
			uint32_t len;
		} fl;
		struct vset *set;
		struct buf *list;
		struct gk *gk;
	};
};

/* One event's input to one aggregate, read once however many windows it updates. */
struct agg_in {
	bool present;     /* the field exists (null included) */
	bool null;
	bool num, isint;
	int64_t i;
	double d;
	uint8_t kind;     /* for min/max */
	int64_t tm;
	const char *txt;  /* compact JSON text */
	size_t tlen;
};

/* Parses one -a argument (several aggregates separated by top-level commas) and
   appends to *specs; false with a message in err. */
bool agg_parse(const char *arg, struct agg_spec **specs, size_t *n, struct buf *err);
void agg_spec_free(struct agg_spec *s);

/* Fills in[i] for each spec from the record; scratch holds compact texts until the
   next call. t is the event time; tfield_is_time specs take it as their value. */
void agg_prepare(const struct agg_spec *s, size_t n, const struct rec *r, int64_t t,
	struct agg_in *in, struct buf *scratch);

void agg_init(const struct agg_spec *s, struct agg_val *v);
void agg_update(const struct agg_spec *s, struct agg_val *v, const struct agg_in *in,
	int64_t t);
/* Folds b into a (merged sessions: b's values come after a's); b is left empty. */
void agg_merge(const struct agg_spec *s, struct agg_val *a, struct agg_val *b);
void agg_free(const struct agg_spec *s, struct agg_val *v);
/* Appends the value (JSON) for the row. */
void agg_write(const struct agg_spec *s, const struct agg_val *v, struct buf *b);
/* Bytes of heap storage beyond the struct (for --verbose statistics). */
size_t agg_heap_bytes(const struct agg_spec *s, const struct agg_val *v);

/* Orders compact JSON texts as json_val_compare does (jq's order). */
int agg_text_cmp(const char *a, size_t al, const char *b, size_t bl);

/* Adds a compact JSON text to a set (made when *s is NULL) unless it is there. */
void vset_add(struct vset **s, const char *txt, size_t len);
/* Frees the blocks kept for reuse (at exit, for leak checkers). */
void agg_cleanup(void);

#endif
