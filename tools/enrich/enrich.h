#ifndef RUNNEL_ENRICH_H
#define RUNNEL_ENRICH_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "out.h"
#include "path.h"
#include "rec.h"

/* How the other side's fields join the event. */
struct merge {
	const char *as;     /* --as NAME: nested object */
	const char *prefix; /* --prefix P: flat, names prefixed */
};

/* Key fields: --on a,b or --on a=x,b=y (event side = other side). */
struct keyspec {
	struct path *ev;
	struct path *other;
	size_t n;
};

bool keyspec_parse(struct keyspec *k, const char *arg, const char **err);
void keyspec_free(struct keyspec *k);
/* Canonical key bytes of a record: strings as their text, numbers normalised (so "7"
   and 7 match), booleans as words; false when a key field is missing or null. */
bool key_of(const struct rec *r, struct path *paths, size_t n, struct buf *out);

/* Appends the other side's record compacted, as one object with its member names
   already prefixed (--prefix), ready to be merged into events. */
void row_compact(struct buf *b, const struct merge *m, const struct rec *r);
/* Writes the event merged with a compacted row (NULL: no match; with --as and
   null_if_missing the nested member is null). */
void merge_write(struct buf *b, const struct merge *m, const struct rec *ev,
	const char *row, size_t rowlen, bool null_if_missing);

/* Lookup tables (table.c). */
struct table {
	struct buf rows;  /* compacted rows, back to back */
	struct buf keys;  /* canonical keys, back to back */
	uint64_t *rowoff; /* row i is rows.p[rowoff[i] .. rowoff[i+1]) */
	uint64_t *keyoff;
	size_t nrows, caprows;
	uint32_t *slot;   /* open-addressing index: row + 1, 0 when empty */
	size_t nslots;
	size_t dup_keys;
};

/* Loads NDJSON or CSV (by the .csv suffix, or csv=true); messages on failure. */
int table_load(struct table *t, const char *path, bool csv, const struct keyspec *k,
	const struct merge *m);
void table_free(struct table *t);
/* The compacted row for a key (length in *len), or NULL. */
const char *table_find(const struct table *t, const char *key, size_t n, size_t *len);

#endif
