#ifndef RUNNEL_OUT_H
#define RUNNEL_OUT_H

#include <stdbool.h>

#include "buf.h"

/*
 * Record output. Records are appended to b, then out_end_record decides when to
 * write: every record with -u or on a terminal, else in blocks of at most 64 KiB
 * (a pipe's default size, so neighbours in a pipeline keep running in parallel)
 * and whenever the input goes idle (lr_set_idle).
 */
enum out_mode { OUT_BLOCK, OUT_LINE, OUT_UNBUFFERED };

#define OUT_CHUNK (64 * 1024)

struct out {
	int fd;
	const char *name;
	enum out_mode mode;
	bool broken; /* EPIPE: the reader went away */
	int err;     /* errno of a failed write */
	struct buf b;
};

/* Takes over fd (stdout: 1). A pipe is grown to 1 MiB where the kernel allows. */
void out_init(struct out *o, int fd, const char *name, bool unbuffered);
/* Opens a file for appending (or truncating); -1 with errno on failure. */
int out_open(struct out *o, const char *path, bool append);

int out_flush(struct out *o); /* 0, or -1 (broken or err set) */
void out_flush_cb(void *o);   /* for lr_set_idle */
int out_close(struct out *o);

static inline struct buf *out_buf(struct out *o) { return &o->b; }

static inline int out_end_record(struct out *o)
{
	buf_addc(&o->b, '\n');
	if (o->mode != OUT_BLOCK || o->b.len >= OUT_CHUNK)
		return out_flush(o);
	return 0;
}

#endif
