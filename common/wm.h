#ifndef RUNNEL_WM_H
#define RUNNEL_WM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "htab.h"

/*
 * Event-time watermarks (runnel(7)): per input partition, the maximum event time
 * seen minus a fixed delay; the effective watermark is the minimum over the
 * partitions seen (as Flink and Kafka Streams do), and never decreases. Events
 * without Kafka metadata all belong to one anonymous partition.
 *
 * Idle handling (--idle-advance): when no input at all arrives for idle_ms of wall
 * time, the effective watermark advances by the wall time that passes; and a
 * partition that has sent nothing for idle_ms while others have is left out of the
 * minimum until it sends again (Flink's withIdleness).
 */
#define WM_NONE INT64_MIN /* no watermark yet: nothing is closed */

struct wm_part {
	char *topic;       /* NULL for the anonymous partition */
	size_t tlen;
	int32_t partition;
	int64_t max;       /* highest event time seen here */
	int64_t seen;      /* wall (monotonic) ms of the last event */
	size_t heap;       /* position in the heap; SIZE_MAX when idle */
};

struct wm {
	int64_t delay;
	int64_t idle_ms;       /* 0: no idle handling */
	int64_t wm;            /* effective watermark, WM_NONE before the first event */
	int64_t last_input;    /* wall ms of the last event (or of wm_init) */
	int64_t last_advance;  /* wall ms the idle advance was last applied up to */
	struct htab parts;     /* topic bytes + partition → struct wm_part */
	struct wm_part **all;  /* every partition, in order first seen */
	size_t n, cap;
	struct heap active;    /* partitions not idle, by max */
	struct wm_part *last;  /* lookup cache */
	struct wm_part anon;
};

void wm_init(struct wm *w, int64_t delay, int64_t idle_ms, int64_t now);
void wm_free(struct wm *w);

/* Records an event at time t from a partition (topic NULL: none) seen at wall time
   now. Returns true when the effective watermark advanced. */
bool wm_observe(struct wm *w, const char *topic, size_t tlen, int32_t partition, int64_t t,
	int64_t now);

/* Idle handling at wall time now (call it from a timer); true when it advanced. */
bool wm_idle(struct wm *w, int64_t now);

/* Moves the effective watermark forward to at least t (restores, tests). */
void wm_raise(struct wm *w, int64_t t);

static inline int64_t wm_get(const struct wm *w) { return w->wm; }

/* Is a window [.., end) closed: end <= watermark? */
static inline bool wm_closed(const struct wm *w, int64_t end) { return w->wm != WM_NONE && end <= w->wm; }

/* Restoring a partition's maximum from a checkpoint. */
void wm_set_part(struct wm *w, const char *topic, size_t tlen, int32_t partition, int64_t max,
	int64_t now);

#endif
