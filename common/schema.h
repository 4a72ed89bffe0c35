#ifndef RUNNEL_SCHEMA_H
#define RUNNEL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Views from json.h and rec.h. Not included here, so that the schema loader can use
   jansson, whose type names clash with json.h's. */
struct json_val;
struct rec_field;

/*
 * Record schemas: an Avro schema (JSON, read once with jansson) or parse's -f
 * shorthand (`id:string!,ts:timestamp,tags:array<string>`), compiled to flat
 * arrays of nodes. Validating and normalising a record is then one walk over the
 * line's zero-copy views, writing compact JSON with jw_ into a buffer: no DOM, no
 * allocation once the scratch stacks have grown.
 *
 * Input values are plain JSON (not Avro's JSON encoding): a union's branch is the
 * first one that accepts the value, and logical times are written as RFC 3339.
 */
enum schema_kind {
	SCHEMA_NULL,
	SCHEMA_BOOLEAN,
	SCHEMA_INT,
	SCHEMA_LONG,
	SCHEMA_FLOAT,
	SCHEMA_DOUBLE,
	SCHEMA_BYTES,
	SCHEMA_STRING,
	SCHEMA_RECORD,
	SCHEMA_ENUM,
	SCHEMA_ARRAY,
	SCHEMA_MAP,
	SCHEMA_UNION,
	SCHEMA_FIXED,
};

/* Logical types parse understands; others are ignored as Avro says. */
enum schema_logical {
	SCHEMA_LT_NONE,
	SCHEMA_LT_TIMESTAMP_MILLIS, /* long: epoch ms; written "2026-11-24T10:15:30.123Z" */
	SCHEMA_LT_TIMESTAMP_MICROS, /* long: epoch µs; written with 6 fraction digits */
	SCHEMA_LT_DATE,             /* int: days since 1970-01-01; written "2026-11-24" */
};

#define SCHEMA_NONE UINT32_MAX

struct schema_node {
	enum schema_kind kind;
	enum schema_logical logical;
	char *name;          /* full name of a record, enum or fixed, else NULL */
	uint32_t items;      /* array items, map values */
	uint32_t first;      /* record: field[first..], enum: sym[first..], union: branch[first..] */
	uint32_t n;          /* how many of those */
	int32_t null_branch; /* union: position of "null" among the branches, or -1 */
	size_t size;         /* fixed */
};

struct schema_field {
	char *name;
	size_t len;
	uint32_t type;   /* node */
	char *key;       /* `"name":` ready to copy */
	size_t key_len;
	char *def;       /* written when the field is missing: the normalised default,
	                    "null" for a nullable field without one, or NULL (required) */
	size_t def_len;
	char *avro_def;  /* the default as the schema gave it (compact JSON), or NULL */
};

struct schema_sym {
	char *s;
	size_t len;
};

struct schema_seg {
	char kind;     /* 'f' field name, 'k' map key (JSON text), 'i' array index */
	const char *p;
	size_t len;    /* or the index */
};

struct schema {
	struct schema_node *node;
	size_t nnode, capnode;
	struct schema_field *field;
	size_t nfield, capfield;
	struct schema_sym *sym;
	size_t nsym, capsym;
	uint32_t *branch;
	size_t nbranch, capbranch;
	uint32_t root; /* a record */
	/* scratch for validation (so a schema is used by one thread at a time) */
	struct rec_field *kv;
	size_t nkv, capkv;
	uint32_t *slot;
	size_t nslot, capslot;
	struct schema_seg *seg; /* error path, innermost first */
	size_t nseg, capseg;
	struct buf emsg;
	struct buf tmp;
	uint64_t budget; /* values still to look at for this record */
};

void schema_init(struct schema *s);
void schema_free(struct schema *s);

/* An Avro schema whose top level is a record. On failure err holds a message naming
   the problem (e.g. `field timestamp: unknown type "lng"`). */
bool schema_load_avro(struct schema *s, const char *text, size_t len, struct buf *err);
bool schema_load_avro_file(struct schema *s, const char *path, struct buf *err);

/* parse's -f shorthand, after Spark's StructType: `name:type[!],...` with types string,
   boolean, int, long, float, double, timestamp, date, bytes, map<T> (or map<string,T>),
   array<T>, struct<fields>; fields are nullable unless marked `!`. */
bool schema_parse_fields(struct schema *s, const char *spec, struct buf *err);

/* The schema as Avro schema JSON (named types defined once), e.g. for a registry. */
void schema_to_avro(const struct schema *s, struct buf *out);

enum {
	SCHEMA_KEEP_UNKNOWN = 1, /* fields not in the schema follow, in input order */
	SCHEMA_NO_KAFKA = 2,     /* a top-level `_kafka` is left to the caller */
};

/*
 * Validates a record's top-level members f[0..n) against the root record and writes
 * them normalised, in schema order, as members (commas implied, no braces) to out.
 * On failure out is left as it was and why holds `field PATH: reason`.
 */
bool schema_write_members(struct schema *s, const struct rec_field *f, size_t n,
	unsigned flags, struct buf *out, struct buf *why);

/* The same for one value against any node (flags as above, for nested records). */
bool schema_write_value(struct schema *s, uint32_t node, struct json_val v, unsigned flags,
	struct buf *out, struct buf *why);

/* The same for a value given as JSON text (validated first). */
bool schema_write_text(struct schema *s, uint32_t node, const char *text, size_t len,
	struct buf *out, struct buf *why);

/* Helpers for encoders walking a value alongside the schema. */
long schema_field_index(const struct schema *s, uint32_t rec, const char *name, size_t n);
long schema_enum_index(const struct schema *s, uint32_t node, struct json_val v);
/* The union branch a value takes (its position), or -1 when none accepts it. */
long schema_union_branch(struct schema *s, uint32_t node, struct json_val v);
/* A logical time's value in the type's own unit (ms, µs or days). */
bool schema_time_value(const struct schema *s, uint32_t node, struct json_val v,
	int64_t *out);

/* Building a schema, for the loaders. Indices stay valid while the arrays grow;
   pointers into them do not. */
uint32_t schema_add_node(struct schema *s, enum schema_kind kind);
uint32_t schema_add_fields(struct schema *s, uint32_t n); /* zeroed; returns the first */
uint32_t schema_add_branches(struct schema *s, uint32_t n);
void schema_add_symbol(struct schema *s, const char *p, size_t n);
void schema_set_field_name(struct schema *s, uint32_t f, const char *name, size_t n);
/* Sets the root, checks each field's avro_def against its type and keeps it
   normalised as def, and gives nullable fields without one the default null. */
bool schema_finish(struct schema *s, uint32_t root, struct buf *err);

/* "string", "timestamp-millis", "enum EventType", "null or string", ... */
void schema_describe(const struct schema *s, uint32_t node, struct buf *out);

#endif
