#ifndef RUNNEL_DETECT_CKJSON_H
#define RUNNEL_DETECT_CKJSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ckpt.h"

/*
 * The one place detect uses jansson: its state is built and read as JSON text with
 * jw and the record scanner (the code paths records take), and converted to and
 * from the checkpoint document here, next to the absorbed Kafka offsets and the
 * watermark, which common/ckpt writes for every tool alike.
 */
struct wm;
int ckj_save(const char *path, const struct ckpt_meta *m, const char *state, size_t n,
	const struct ckpt_offsets *o, const struct wm *w, struct buf *err);
/* On CKPT_OK, *state holds the state's JSON text (offsets and watermark restored). */
int ckj_load(const char *path, const struct ckpt_meta *m, struct buf *state,
	struct ckpt_offsets *o, struct wm *w, int64_t now, struct buf *err);

#endif
