#ifndef RUNNEL_CKPT_H
#define RUNNEL_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "htab.h"
#include "kmeta.h"

/*
 * Checkpoints: a tool's state as one jansson document, saved atomically (temp file
 * in the same folder, fsync, rename, fsync of the folder) so a crash at any moment
 * leaves either the old or the new checkpoint, never a mix. The file is two lines:
 *
 *   {"runnel_checkpoint":1,"tool":T,"version":V,"params":P,"saved":TIME,"state":S}
 *   {"bytes":N,"fnv1a64":"HEX"}
 *
 * the second a checksum of the first (newline included). A checkpoint written by
 * another tool, another format version or other parameters P (a canonical text of
 * the options that change results) is refused, as is a corrupt one: tools exit 3.
 * json_t is jansson's: this header only declares it, so it can be included next to
 * json.h (whose names clash with jansson.h).
 */
struct json_t;

struct ckpt_meta {
	const char *tool;
	int version;
	const char *params;
};

enum ckpt_status {
	CKPT_OK = 0,
	CKPT_ABSENT,   /* no file yet: start fresh */
	CKPT_CORRUPT,  /* unreadable, truncated, checksum mismatch */
	CKPT_MISMATCH, /* another tool, version or parameters */
	CKPT_IOERR,    /* could not read or write */
};

/* Saves state (not consumed); on failure *err says why and the old file is intact. */
int ckpt_save(const char *path, const struct ckpt_meta *m, struct json_t *state, struct buf *err);
/* Loads into *state (a new reference) when CKPT_OK. */
int ckpt_load(const char *path, const struct ckpt_meta *m, struct json_t **state, struct buf *err);

/* For tests: called between writing the temp file and renaming it into place. */
extern void (*ckpt_before_rename)(const char *tmp);

/* Highest absorbed offset per topic/partition: events at or below it are replays. */
struct ckpt_off {
	char *key; /* topic bytes then the partition */
	size_t tlen;
	int32_t partition;
	int64_t offset;
};

struct ckpt_offsets {
	struct htab h;
	struct ckpt_off **all;
	size_t n, cap;
	struct ckpt_off *last;
};

void ckpt_offsets_init(struct ckpt_offsets *o);
void ckpt_offsets_free(struct ckpt_offsets *o);
/* Was this event's offset absorbed already (at or below the highest recorded)? */
bool ckpt_offsets_seen(struct ckpt_offsets *o, const struct kmeta *k);
/* Records an absorbed event. */
void ckpt_offsets_absorb(struct ckpt_offsets *o, const struct kmeta *k);
/* [{"topic":T,"partition":P,"offset":O},...] in order first seen. */
struct json_t *ckpt_offsets_json(const struct ckpt_offsets *o);
bool ckpt_offsets_load(struct ckpt_offsets *o, const struct json_t *arr, struct buf *err);

/* A watermark's state: {"watermark":W|null,"partitions":[{topic,partition,max}...]}
   as members of the object returned; loading reads the same members of st. */
struct wm;
struct json_t *ckpt_wm_json(const struct wm *w);
bool ckpt_wm_load(struct wm *w, const struct json_t *st, int64_t now, struct buf *err);

#endif
