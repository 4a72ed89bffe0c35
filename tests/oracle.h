#ifndef RUNNEL_ORACLE_H
#define RUNNEL_ORACLE_H

#include <stddef.h>

/*
 * jansson as a test oracle behind opaque handles: jansson.h and common/json.h both
 * define JSON_NULL etc., so suites that use json.h reach jansson through here.
 */
enum oj_type { OJ_OBJECT, OJ_ARRAY, OJ_STRING, OJ_INTEGER, OJ_REAL, OJ_TRUE, OJ_FALSE, OJ_NULL };
enum oj_err { OJ_OK, OJ_ERR_OTHER, OJ_ERR_NUMERIC_OVERFLOW, OJ_ERR_NUL_IN_KEY, OJ_ERR_DEPTH };

typedef struct oj oj;

/* json_loadb with JSON_DECODE_ANY | JSON_ALLOW_NUL; NULL with *err and msg on failure. */
oj *oj_load(const char *p, size_t n, enum oj_err *err, char *msg, size_t msgcap);
void oj_free(oj *v);
enum oj_type oj_type(const oj *v);
const char *oj_str(const oj *v, size_t *len);
long long oj_int(const oj *v);
double oj_real(const oj *v);
size_t oj_size(const oj *v); /* array elements or object members */
oj *oj_at(const oj *v, size_t i);
oj *oj_get(const oj *v, const char *key, size_t klen);
/* Deepest nesting of arrays and objects (a scalar is 0). */
int oj_depth(const oj *v);

#endif
