#ifndef RUNNEL_SCHEMA_PRIV_H
#define RUNNEL_SCHEMA_PRIV_H

/* Shared by schema_write.c and schema_leaf.c only; json.h comes first. */
#include "schema.h"

/* Sets s->emsg to `expected TYPE, got JSONTYPE`; returns false. */
bool schema_mismatch(struct schema *s, uint32_t node, struct json_val v);
/* Checks and writes a value of a non-container type. */
bool schema_write_leaf(struct schema *s, uint32_t node, struct json_val v, struct buf *out);

#endif
