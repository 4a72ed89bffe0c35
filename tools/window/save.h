#ifndef RUNNEL_WINDOW_SAVE_H
#define RUNNEL_WINDOW_SAVE_H

#include <stdbool.h>

#include "buf.h"
#include "ckpt.h"
#include "state.h"
#include "wm.h"

/*
 * window(1)'s checkpoint state as a jansson document: the effective watermark and
 * each partition's maximum event time, the Kafka offsets absorbed, and every open
 * (window, key) pair with its aggregates.
 */
/* Writes the checkpoint file; a ckpt_status, with *err on failure. */
int save_write(const char *path, const struct ckpt_meta *m, const struct ws *w,
	const struct wm *wm, const struct ckpt_offsets *o, struct buf *err);
/* Loads it into freshly initialized w, wm and o: CKPT_ABSENT, CKPT_OK, or an error
   status with *err (CKPT_CORRUPT also when the state does not fit these options). */
int save_read(const char *path, const struct ckpt_meta *m, struct ws *w, struct wm *wm,
	struct ckpt_offsets *o, int64_t now, struct buf *err);

#endif
