#ifndef RUNNEL_DETECT_CKJSON_H
#define RUNNEL_DETECT_CKJSON_H

#include <stddef.h>

#include "buf.h"
#include "ckpt.h"

/*
 * The one place detect meets jansson (whose names clash with json.h): the state is
 * built and read as JSON text with jw and the record scanner, and converted to and
 * from the checkpoint's document here, next to the absorbed Kafka offsets.
 */
int ckj_save(const char *path, const struct ckpt_meta *m, const char *state, size_t n,
	const struct ckpt_offsets *o, struct buf *err);
/* On CKPT_OK, *state holds the state's JSON text (without the offsets). */
int ckj_load(const char *path, const struct ckpt_meta *m, struct buf *state,
	struct ckpt_offsets *o, struct buf *err);

#endif
