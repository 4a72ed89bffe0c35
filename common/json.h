#ifndef RUNNEL_JSON_H
#define RUNNEL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Zero-copy JSON views. A json_val is a slice of a buffer that json_check (or
 * rec_parse) has already validated, so walking it needs no further checks.
 */
enum json_type {
	JSON_NONE = 0, /* absent */
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING, /* p/len include the quotes */
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_val {
	const char *p;
	size_t len;
	enum json_type type;
};

/* Nesting deeper than this is rejected (jansson's own limit is 2048). */
#define JSON_MAX_DEPTH 512

struct json_err {
	size_t off;        /* byte offset of the problem */
	const char *msg;   /* static text */
};

/* Validate exactly one JSON value (surrounding whitespace allowed) in p[0..n). */
bool json_check(const char *p, size_t n, struct json_val *out, struct json_err *err);

/* Validate one value starting at *pp (after optional whitespace); advances *pp. */
bool json_scan(const char **pp, const char *end, struct json_val *out, struct json_err *err,
	int depth);

/* Iterating a validated array or object. */
struct json_iter {
	const char *p;
	const char *end;
};

void json_iter_init(struct json_iter *it, struct json_val container);
bool json_arr_next(struct json_iter *it, struct json_val *val);
bool json_obj_next(struct json_iter *it, struct json_val *key, struct json_val *val);

/* Last member named key (jansson and jq keep the last of duplicate keys). */
bool json_obj_get(struct json_val obj, const char *key, size_t klen, struct json_val *out);
bool json_arr_at(struct json_val arr, size_t idx, struct json_val *out);
size_t json_len(struct json_val v); /* elements, members, or decoded string bytes */

/* Does a JSON string (with quotes) equal the raw bytes s[0..n)? Handles escapes. */
bool json_str_eq(struct json_val str, const char *s, size_t n);

/* String contents: a pointer into the line when there are no escapes, else decoded
   into scratch (which is reset first). */
const char *json_str(struct json_val str, struct buf *scratch, size_t *len);
/* Decode and append the contents of a JSON string to b. */
void json_str_append(struct buf *b, struct json_val str);

bool json_num_i64(struct json_val v, int64_t *out); /* integral and in range */
bool json_num_f64(struct json_val v, double *out);

bool json_equal(struct json_val a, struct json_val b); /* semantic equality */
int json_compare(struct json_val a, struct json_val b); /* total order for sorting */

/* Length of the UTF-8 prefix that is valid; n if all is valid. */
size_t json_utf8_valid(const char *p, size_t n);

#endif
