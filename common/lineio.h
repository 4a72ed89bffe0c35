#ifndef RUNNEL_LINEIO_H
#define RUNNEL_LINEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Reading newline-delimited input in large blocks. Lines are returned in place
 * (no copy), without the newline or a trailing CR; a final line without newline
 * counts. A line longer than max_line is skipped to its end and reported once.
 */
enum lr_status { LR_ERR = -1, LR_EOF = 0, LR_LINE = 1, LR_TOOLONG = 2, LR_AGAIN = 3 };

#define LR_DEFAULT_MAX_LINE (1024 * 1024)
#define LR_PREFIX 256 /* bytes of an over-long line kept for the reject file */

struct lr {
	int fd;
	const char *name; /* "<stdin>" or the path, for messages */
	size_t max_line;
	char *buf;
	size_t cap, head, scan, tail;
	uint64_t lineno;
	bool eof, skipping, stopped, own_fd;
	bool nowait; /* lr_next returns LR_AGAIN instead of waiting for input */
	char prefix[LR_PREFIX];
	size_t prefix_len;
	uint64_t discarded; /* bytes of an incomplete line dropped at a stop signal */
	/* Called before blocking on input, e.g. to flush output. */
	void (*idle)(void *ctx);
	void *idle_ctx;
	/* Called every tick_ms while input stays idle (timers such as --idle-advance). */
	void (*tick)(void *ctx);
	void *tick_ctx;
	int tick_ms;
};

/* path "-" is stdin. Returns -1 with errno set when the file cannot be opened. */
int lr_open(struct lr *lr, const char *path, size_t max_line);
int lr_open_fd(struct lr *lr, int fd, const char *name, size_t max_line);
void lr_close(struct lr *lr);

void lr_set_idle(struct lr *lr, void (*idle)(void *), void *ctx);
void lr_set_tick(struct lr *lr, int tick_ms, void (*tick)(void *), void *ctx);

/* LR_LINE/LR_TOOLONG with *line,*len (for LR_TOOLONG: the line's first bytes),
   LR_EOF at end of input or after a stop signal, LR_ERR with errno on read error,
   LR_AGAIN (only with nowait set) when no whole line is buffered and none is ready. */
int lr_next(struct lr *lr, const char **line, size_t *len);

#endif
