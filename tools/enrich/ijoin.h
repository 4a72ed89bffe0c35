#ifndef RUNNEL_IJOIN_H
#define RUNNEL_IJOIN_H

#include <stdint.h>

#include "enrich.h"
#include "heap.h"
#include "htab.h"
#include "wm.h"

struct ijoin {
	struct keyspec keys;
	struct merge merge;
	int64_t lo, hi;            /* other.time - event.time in [lo, hi] */
	int64_t delay, other_delay;
	bool left_outer;
	struct path tpath, otpath;
	struct htab bykey;         /* key -> struct ij_key */
	struct heap lheap, rheap;  /* buffered rows by the time they can join no more */
	struct wm lwm, rwm;        /* per side, per Kafka partition when events carry _kafka */
	struct buf kscratch;
	bool ldone, rdone;         /* a side's input ended: its watermark is +inf */
	uint64_t seq;
	struct out out;
	struct rec r, r2;
	struct buf key, why;
	uint64_t in_left, in_right, joined, unmatched, late_left, late_right;
	size_t nleft, nright, peak_left, peak_right;
};

/* Parses --within and the time fields; returns an exit status. */
int ijoin_setup(struct ijoin *j, const char *within, const char *tfield, const char *otfield);
int ijoin_run(struct ijoin *j, const char *left, const char *right);
void ijoin_free(struct ijoin *j);

#endif
