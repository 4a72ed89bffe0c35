#ifndef RUNNEL_JSON_H
#define RUNNEL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Zero-copy JSON views. Names avoid jansson's (JSON_OBJECT, json_equal, ...) so a
 * file may include both headers: our value types are JV_*.
 * A json_val is a slice of a buffer that json_check (or
 * rec_parse) has already validated, so walking it needs no further checks.
 */
enum json_type {
	JV_NONE = 0, /* absent */
	JV_NULL,
	JV_FALSE,
	JV_TRUE,
	JV_NUMBER,
	JV_STRING, /* p/len include the quotes */
	JV_ARRAY,
	JV_OBJECT,
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

/* Validate one string starting exactly at *pp (an object key); advances *pp. *esc is
   set to true when the string holds an escape, and left alone otherwise. */
bool json_scan_key(const char **pp, const char *end, struct json_val *out, bool *esc,
	struct json_err *err);

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
/* Elements, members as written (a repeated key counts each time), or decoded string bytes. */
size_t json_len(struct json_val v);

/* Does a JSON string (with quotes) equal the raw bytes s[0..n)? Handles escapes. */
bool json_str_eq(struct json_val str, const char *s, size_t n);

/* String contents: a pointer into the line when there are no escapes, else decoded
   into scratch (which is reset first). */
const char *json_str(struct json_val str, struct buf *scratch, size_t *len);
/* Append code point cp (at most U+10FFFF, not a surrogate) encoded as UTF-8. */
void json_put_utf8(struct buf *b, unsigned cp);
/* Decode and append the contents of a JSON string to b. */
void json_str_append(struct buf *b, struct json_val str);

bool json_num_i64(struct json_val v, int64_t *out); /* integral and in range */
bool json_num_f64(struct json_val v, double *out);

/* Semantic equality: json_val_compare() == 0 (numbers as doubles, repeated keys: the
   last counts, member order does not matter). */
bool json_val_equal(struct json_val a, struct json_val b);
/* Total order for sorting, jq's: null < false < true < numbers < strings (by code
   point) < arrays (element-wise) < objects (sorted key lists, then values by key). */
int json_val_compare(struct json_val a, struct json_val b);

/* Length of the UTF-8 prefix that is valid; n if all is valid. */
size_t json_utf8_valid(const char *p, size_t n);

#endif
