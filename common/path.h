#ifndef RUNNEL_PATH_H
#define RUNNEL_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

/* A field path: `user_id`, `properties.device`, jq-style `.a.b`, `items[0]`,
   and `."odd.key"` for keys that contain dots. */
struct path_seg {
	char *name;     /* NULL for an array index */
	size_t len;
	size_t index;
};

struct path {
	struct path_seg *seg;
	size_t n;
	char *text; /* as given, for messages and output keys */
};

/* Returns false with *err set (static text) on a malformed path. */
bool path_parse(struct path *p, const char *s, const char **err);
void path_free(struct path *p);

/* Follow the path below v (from the first segment). */
bool path_get(const struct path *p, struct json_val v, struct json_val *out);
/* Follow the path from segment `from` on. */
bool path_get_from(const struct path *p, size_t from, struct json_val v, struct json_val *out);

/* Name a path's result would have as an output field: the last key. */
const char *path_leaf(const struct path *p, size_t *len);

#endif
