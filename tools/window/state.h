#ifndef RUNNEL_WINDOW_STATE_H
#define RUNNEL_WINDOW_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "heap.h"
#include "htab.h"
#include "out.h"
#include "wm.h"

/*
 * The open (window, key) pairs of window(1) and the order they close in.
 *
 * A hash table maps each group key to its open panes (one per window), sorted by
 * start; each pane also sits in the bucket of its window [start, end), and the
 * buckets form a min-heap by (end, start). Closing pops the buckets whose end is at
 * or below the watermark and writes their panes sorted by key, so rows closed
 * together come out in (end, start, key) order without any scan over all keys.
 * Free of json.h: the checkpoint code (jansson) reads these structures.
 */
enum ws_mode { WS_FIXED, WS_SESSION };
enum ws_emit { EMIT_FINAL, EMIT_UPDATE, EMIT_EVERY };
enum ws_result { WS_OK, WS_LATE, WS_MAXKEYS };

#define WS_NO_IDX UINT32_MAX

struct gkey;
struct bucket;

struct pane {
	int64_t start, end;
	struct gkey *k;
	struct bucket *b;
	uint32_t bi; /* index in b->p */
	uint32_t di; /* index in the dirty list, or WS_NO_IDX */
	struct agg_val a[];
};

struct gkey {
	struct pane **p; /* open panes by start */
	uint32_t n, cap;
	uint32_t kl;
	uint8_t plain;   /* one key, a string without escapes: bytes compare */
	char kb[];       /* key values as compact JSON, joined by ',' */
};

/* Panes decorated for sorting into (end, start, key) order. */
struct ws_sortent {
	int64_t end, start;
	uint64_t pre[2]; /* plain keys: their first 16 bytes, big-endian, zero-padded */
	uint32_t kl;
	uint8_t plain;
	const struct gkey *k;
	struct pane *p;
};

struct bucket {
	int64_t se[2];   /* start, end (the bucket table's key bytes) */
	struct pane **p;
	uint32_t n, cap;
	size_t hi;       /* heap index */
};

struct ws {
	enum ws_mode mode;
	enum ws_emit emit;
	int64_t size, slide, offset, gap;
	const struct agg_spec *aggs;
	size_t naggs;
	char **key_names;
	size_t nkeys;
	size_t max_keys;   /* 0: unlimited */
	struct out *out;

	struct htab keys;    /* kb → struct gkey */
	struct htab buckets; /* (start, end) → struct bucket */
	struct heap heap;    /* buckets by (end, start) */
	struct pane **dirty; /* --emit update: changed since last written */
	size_t ndirty, dcap;
	struct pane *free_panes;
	size_t npanes;
	struct pane **upd;   /* panes one event updated */
	size_t nupd, updcap;
	struct ws_sortent *sort, *sorttmp;
	size_t sortcap;
	struct buf *members;   /* `,"name":` of keys, then aggregates */
	struct buf prefix;     /* the window part of rows being written */
	uint64_t rows;
};

void ws_init(struct ws *w);
void ws_free(struct ws *w);

/* One event at time t for key kb (its in[] prepared for the aggregates); windows
   already closed by wm are skipped. */
enum ws_result ws_event(struct ws *w, const char *kb, size_t kl, int64_t t,
	const struct agg_in *in, const struct wm *wm);
/* Closes every window whose end is at or below upto (INT64_MAX: all of them). */
void ws_close(struct ws *w, int64_t upto);
/* Writes every open window without closing it (--flush with --checkpoint). */
void ws_write_open(struct ws *w);
/* --emit update: writes the changed windows. */
void ws_trigger(struct ws *w);

/* For restoring a checkpoint: a pane with initialized aggregates, or NULL if the
   window or key is inconsistent with the state so far. */
struct pane *ws_restore(struct ws *w, const char *kb, size_t kl, int64_t start, int64_t end,
	bool dirty);
/* Rough bytes of state, for --verbose. */
size_t ws_bytes(const struct ws *w);
/* Bytes of one (window, key) pair without collected values. */
size_t ws_pair_bytes(const struct ws *w, size_t key_len);

/* Compares key texts in -k order (json_val_compare per field). */
int ws_key_cmp(const char *a, size_t al, const char *b, size_t bl, size_t nkeys);

#endif
