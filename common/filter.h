#ifndef RUNNEL_FILTER_H
#define RUNNEL_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "lineio.h"
#include "out.h"

/*
 * The read loop every NDJSON filter runs: lines of each file (or stdin) to a
 * handler, over-long lines to the reject channel, --strict stopping at the first bad
 * line, output flushed whenever the input goes idle, a closed stdout ending quietly.
 */
enum filter_verdict {
	FILTER_OK,   /* handled */
	FILTER_BAD,  /* bad input, already reported with diag_bad */
	FILTER_STOP, /* stop reading (e.g. the output went away) */
};

struct filter {
	enum filter_verdict (*line)(void *ctx, const struct lr *lr, const char *line, size_t len);
	/* an over-long line (its first bytes); default: reported as bad input */
	enum filter_verdict (*toolong)(void *ctx, const struct lr *lr, const char *line,
		size_t len);
	void *ctx;
	struct out *out;         /* flushed when input idles (unless idle is set) */
	void (*idle)(void *ctx); /* replaces that flush */
	void (*tick)(void *ctx); /* every tick_ms while input stays idle */
	int tick_ms;
	uint64_t lines;          /* lines read, bad ones included */
};

/* One file ("-": stdin); returns an exit status (1: unreadable, 4: --strict). */
int filter_file(struct filter *f, const char *file);
/* The command line's files in turn, stdin when there are none, until a stop signal,
   a --strict rejection or a failed output; returns the worst status. */
int filter_files(struct filter *f, int argc, char **argv);

#endif
