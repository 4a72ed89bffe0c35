#ifndef RUNNEL_REC_H
#define RUNNEL_REC_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "path.h"

/*
 * One NDJSON record: a single validating pass over the line that indexes the
 * top-level members in place. Values are views into the caller's line buffer,
 * valid until that buffer is reused.
 */
struct rec_field {
	struct json_val key; /* JSON string, quotes included */
	struct json_val val;
};

struct rec {
	const char *line;
	size_t len;
	struct json_val obj;
	struct rec_field *f;
	size_t nf;
	size_t cap;
	bool key_esc;       /* some key holds a backslash escape */
	struct buf scratch; /* for unescaping keys and strings */
};

void rec_init(struct rec *r);
void rec_free(struct rec *r);

/* Validate the line (full JSON grammar and UTF-8); it must hold one object.
   On failure *reason is a message naming the column. */
bool rec_parse(struct rec *r, const char *line, size_t len, struct buf *reason);

/* Top-level member by name (the last one if repeated), or JV_NONE. */
bool rec_field(const struct rec *r, const char *name, size_t n, struct json_val *out);
/* A field path; the first segment uses the top-level index. */
bool rec_get(const struct rec *r, const struct path *p, struct json_val *out);
/* Index of the member that rec_field would return, or -1. */
long rec_index(const struct rec *r, const char *name, size_t n);

/* Canonical bytes of key fields, for grouping and deduplication: equal values give
   equal bytes, and the bytes read as the members of a JSON array. A missing field
   counts as null and makes it return false. */
bool rec_key(const struct rec *r, const struct path *paths, size_t n, struct buf *out,
	struct buf *scratch);

#endif
