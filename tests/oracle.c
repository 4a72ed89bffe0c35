#include "oracle.h"

#include <jansson.h>
#include <stdio.h>

oj *oj_load(const char *p, size_t n, enum oj_err *err, char *msg, size_t msgcap)
{
	json_error_t e;
	json_t *v = json_loadb(p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (v) {
		*err = OJ_OK;
		return (oj *)v;
	}
	switch (json_error_code(&e)) {
	case json_error_numeric_overflow: *err = OJ_ERR_NUMERIC_OVERFLOW; break;
	case json_error_null_byte_in_key: *err = OJ_ERR_NUL_IN_KEY; break;
	case json_error_stack_overflow: *err = OJ_ERR_DEPTH; break;
	default: *err = OJ_ERR_OTHER; break;
	}
	if (msg && msgcap)
		snprintf(msg, msgcap, "%s (position %d)", e.text, e.position);
	return NULL;
}

void oj_free(oj *v)
{
	json_decref((json_t *)v);
}

enum oj_type oj_type(const oj *v)
{
	switch (json_typeof((const json_t *)v)) {
	case JSON_OBJECT: return OJ_OBJECT;
	case JSON_ARRAY: return OJ_ARRAY;
	case JSON_STRING: return OJ_STRING;
	case JSON_INTEGER: return OJ_INTEGER;
	case JSON_REAL: return OJ_REAL;
	case JSON_TRUE: return OJ_TRUE;
	case JSON_FALSE: return OJ_FALSE;
	default: return OJ_NULL;
	}
}

const char *oj_str(const oj *v, size_t *len)
{
	*len = json_string_length((const json_t *)v);
	return json_string_value((const json_t *)v);
}

long long oj_int(const oj *v)
{
	return (long long)json_integer_value((const json_t *)v);
}

double oj_real(const oj *v)
{
	return json_real_value((const json_t *)v);
}

size_t oj_size(const oj *v)
{
	const json_t *j = (const json_t *)v;
	return json_is_array(j) ? json_array_size(j) : json_object_size(j);
}

oj *oj_at(const oj *v, size_t i)
{
	return (oj *)json_array_get((const json_t *)v, i);
}

oj *oj_get(const oj *v, const char *key, size_t klen)
{
	return (oj *)json_object_getn((const json_t *)v, key, klen);
}

int oj_depth(const oj *v)
{
	const json_t *j = (const json_t *)v;
	int d = 0;
	if (json_is_array(j)) {
		size_t i;
		json_t *e;
		json_array_foreach(j, i, e) {
			int k = oj_depth((oj *)e);
			if (k > d)
				d = k;
		}
		return d + 1;
	}
	if (json_is_object(j)) {
		const char *k;
		json_t *e;
		json_object_foreach((json_t *)j, k, e) {
			int x = oj_depth((oj *)e);
			if (x > d)
				d = x;
		}
		return d + 1;
	}
	return 0;
}
