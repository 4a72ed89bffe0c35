#ifndef RUNNEL_AVROBIN_H
#define RUNNEL_AVROBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "rec.h"
#include "schema.h"

/*
 * Avro binary encoding and decoding of JSON records, and the Confluent wire format
 * (magic byte 0, 4-byte big-endian schema id, Avro payload). Prefix av_: avro-c
 * owns avro_.
 *
 * Schemas are compiled by schema.h (one loader for parse -s and for Avro); a schema
 * whose top level is not a record (a key schema "string", say) is accepted here too.
 *
 * Encoding takes the natural JSON that parse -s accepts: a union value is just the
 * value (the first branch that accepts it is taken; {"type": value} is not needed),
 * timestamp-millis/-micros are RFC 3339 strings or epoch numbers, dates are
 * "YYYY-MM-DD", missing fields take their defaults, bytes and fixed are strings whose
 * characters U+0000..U+00FF are the bytes (Avro's JSON encoding).
 *
 * Decoding writes compact JSON in the same natural form: a union value is written
 * as the value alone (no {"type": value} wrapper, so ["int","long"] loses which
 * branch it was), logical times as RFC 3339 (ms, or µs for -micros; the number when
 * outside years 0000-9999), dates as "YYYY-MM-DD", enums as their symbol, bytes and
 * fixed as strings with \u00XX escapes for bytes that are not printable ASCII,
 * floats in their shortest round-trip form, NaN and infinities as the strings "NaN",
 * "Infinity", "-Infinity". Decoded output feeds parse -s and kprod --avro back
 * unchanged (NaN and infinities aside: JSON numbers cannot hold them).
 *
 * The decoder is ours, not avro-c's: avro-c 1.11 trusts lengths and block counts in
 * the input. Every length, count, varint and enum or union index is checked against
 * the bytes left, nesting is bounded, and the number of values decoded is bounded by
 * the payload's size, so hostile bytes give an error, never a crash or a huge output.
 */

#define AV_FRAME_LEN 5    /* magic byte + schema id */
#define AV_MAX_DEPTH 200  /* nesting of decoded values */

struct av_schema {
	struct schema s;
	uint32_t root;          /* the top-level type's node */
	bool wrapped;           /* the top level is not a record */
	char *text;             /* the schema as compact JSON, for registries */
	size_t text_len;
	int32_t *enum_def;      /* per node: an enum's default symbol, or -1 */
	struct json_val *defv;  /* per field: its default as JSON, JV_NONE if none */
	/* encoder scratch */
	struct buf norm, tmp;
	struct rec_field *kv;
	size_t nkv, capkv;
	uint32_t *slot;
	size_t nslot, capslot;
	struct schema_seg *seg;
	size_t nseg, capseg;
	struct buf emsg;
};

void av_schema_init(struct av_schema *a);
void av_schema_free(struct av_schema *a);
/* An Avro schema (JSON text); err names the problem. */
bool av_schema_load(struct av_schema *a, const char *text, size_t len, struct buf *err);
bool av_schema_load_file(struct av_schema *a, const char *path, struct buf *err);

/*
 * Encoding: a record line's top-level members (root must be a record), or one JSON
 * value, appended to out as Avro binary. A value that does not fit leaves out as it
 * was and sets why to `field PATH: reason`.
 */
bool av_encode_members(struct av_schema *a, const struct rec_field *f, size_t n,
	struct buf *out, struct buf *why);
bool av_encode_value(struct av_schema *a, struct json_val v, struct buf *out,
	struct buf *why);

/* Confluent framing. */
void av_frame(struct buf *out, uint32_t id);
/* Splits a framed message; false with why set for a short message or a bad magic byte. */
bool av_unframe(const void *p, size_t n, uint32_t *id, const uint8_t **payload,
	size_t *plen, struct buf *why);

/*
 * Reading data written with schema w as schema r (Avro schema resolution; r may be
 * w itself). Supported: fields matched by name in any order, writer fields missing
 * from the reader skipped, reader fields missing from the writer filled from their
 * default (a nullable one without a default reads as null), the promotions int to
 * long/float/double, long to float/double, float to double, string to bytes and
 * bytes to string (valid UTF-8 only), enum symbols by name (an unknown one takes the
 * reader enum's default or is an error), unions on either side (a reader union takes
 * the first branch that matches the writer's type exactly, else the first it can be
 * promoted to), named types matched by unqualified name. Not supported: aliases.
 */
struct av_pair;

struct av_reader {
	const struct av_schema *w, *r;
	struct av_pair *pair; /* record pairs and their field maps */
	size_t npair, cappair;
	struct buf scr[AV_MAX_DEPTH + 1];
	uint32_t *slot; /* reader field → position in scr, 2 per field */
	size_t nslot, capslot;
	struct schema_seg *seg;
	size_t nseg, capseg;
	struct buf emsg;
	const uint8_t *start, *p, *end;
	uint64_t budget;
};

/* false with why set when the schemas cannot be resolved (a reader field without a
   default missing from the writer, records or enums of different names, types that
   do not promote). */
bool av_reader_init(struct av_reader *rd, const struct av_schema *w, const struct av_schema *r,
	struct buf *why);
void av_reader_free(struct av_reader *rd);

/* One Avro payload (no frame) as compact JSON appended to out; false with why set
   (and out as it was) for bytes that do not decode, or trailing bytes. */
bool av_decode(struct av_reader *rd, const void *p, size_t n, struct buf *out,
	struct buf *why);

#endif
