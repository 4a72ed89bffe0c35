#ifndef RUNNEL_DETECT_SAVE_H
#define RUNNEL_DETECT_SAVE_H

#include <stdint.h>

#include "buf.h"
#include "ckpt.h"
#include "detect.h"
#include "pending.h"
#include "wm.h"

/*
 * detect(1)'s checkpoint: the watermark with each partition's maximum, the latest
 * event time, every key's state variables, cooldowns and partial matches, the
 * events still held back by -w, and the Kafka offsets absorbed.
 */
struct save_ctx {
	struct rules *R;
	struct wm *wm;
	struct ckpt_offsets *offs;
	struct pending *pend;
	int64_t *maxt;
};

int save_write(const char *path, const struct ckpt_meta *m, const struct save_ctx *s,
	struct buf *err);
/* CKPT_ABSENT, CKPT_OK, or an error status with *err. */
int save_read(const char *path, const struct ckpt_meta *m, struct save_ctx *s, struct buf *err);

#endif
