#include "lineio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "sig.h"

#define READ_MIN (128 * 1024)

int lr_open_fd(struct lr *lr, int fd, const char *name, size_t max_line)
{
	memset(lr, 0, sizeof *lr);
	lr->fd = fd;
	lr->name = name;
	lr->max_line = max_line ? max_line : LR_DEFAULT_MAX_LINE;
	lr->cap = 4 * READ_MIN;
	lr->buf = xmalloc(lr->cap);
	return 0;
}

int lr_open(struct lr *lr, const char *path, size_t max_line)
{
	if (!strcmp(path, "-"))
		return lr_open_fd(lr, 0, "<stdin>", max_line);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	lr_open_fd(lr, fd, path, max_line);
	lr->own_fd = true;
	return 0;
}

void lr_close(struct lr *lr)
{
	if (lr->own_fd && lr->fd >= 0)
		close(lr->fd);
	free(lr->buf);
	lr->buf = NULL;
	lr->fd = -1;
}

void lr_set_idle(struct lr *lr, void (*idle)(void *), void *ctx)
{
	lr->idle = idle;
	lr->idle_ctx = ctx;
}

void lr_set_tick(struct lr *lr, int tick_ms, void (*tick)(void *), void *ctx)
{
	lr->tick_ms = tick_ms;
	lr->tick = tick;
	lr->tick_ctx = ctx;
}

/* Waits for input, running the idle hook and timers; false when a stop signal came. */
static bool wait_input(struct lr *lr)
{
	struct pollfd pf[2] = { { lr->fd, POLLIN, 0 }, { sig_fd(), POLLIN, 0 } };
	int npf = pf[1].fd >= 0 ? 2 : 1;
	bool idled = false;
	for (;;) {
		if (sig_stop)
			return false;
		int timeout = !idled && lr->idle ? 0 : lr->tick ? lr->tick_ms : -1;
		int r = poll(pf, (nfds_t)npf, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return true; /* let read() report it */
		}
		if (npf == 2 && pf[1].revents)
			sig_drain();
		if (sig_stop)
			return false;
		if (pf[0].revents)
			return true;
		if (r == 0) {
			if (!idled && lr->idle) {
				lr->idle(lr->idle_ctx);
				idled = true;
			} else if (lr->tick) {
				lr->tick(lr->tick_ctx);
			}
		}
	}
}

static int fill(struct lr *lr)
{
	if (lr->head > 0) {
		memmove(lr->buf, lr->buf + lr->head, lr->tail - lr->head);
		lr->scan -= lr->head;
		lr->tail -= lr->head;
		lr->head = 0;
	}
	if (lr->cap - lr->tail < READ_MIN) {
		lr->cap *= 2;
		lr->buf = xrealloc(lr->buf, lr->cap);
	}
	for (;;) {
		if (lr->nowait) {
			struct pollfd pf = { lr->fd, POLLIN, 0 };
			if (sig_stop) {
				lr->stopped = true;
				return 0;
			}
			if (poll(&pf, 1, 0) == 0)
				return 2;
		} else if (!wait_input(lr)) {
			lr->stopped = true;
			return 0;
		}
		ssize_t n = read(lr->fd, lr->buf + lr->tail, lr->cap - lr->tail);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		lr->tail += (size_t)n;
		return n > 0 ? 1 : 0;
	}
}

static int toolong(struct lr *lr, const char **line, size_t *len)
{
	lr->skipping = false;
	*line = lr->prefix;
	*len = lr->prefix_len;
	return LR_TOOLONG;
}

/* n: bytes of the over-long line in the buffer (its end may not have come yet). */
static void start_skip(struct lr *lr, size_t n)
{
	lr->prefix_len = n < LR_PREFIX ? n : LR_PREFIX;
	memcpy(lr->prefix, lr->buf + lr->head, lr->prefix_len);
	lr->skipping = true;
}

int lr_next(struct lr *lr, const char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(lr->buf + lr->scan, '\n', lr->tail - lr->scan);
		if (nl) {
			size_t end = (size_t)(nl - lr->buf);
			lr->lineno++;
			if (!lr->skipping) {
				size_t n = end - lr->head;
				if (n && lr->buf[end - 1] == '\r')
					n--; /* a CRLF line may hold max_line bytes too */
				if (n > lr->max_line)
					start_skip(lr, n);
			}
			if (lr->skipping) {
				lr->head = lr->scan = end + 1;
				return toolong(lr, line, len);
			}
			*line = lr->buf + lr->head;
			*len = end - lr->head;
			if (*len && (*line)[*len - 1] == '\r')
				(*len)--;
			lr->head = lr->scan = end + 1;
			return LR_LINE;
		}
		lr->scan = lr->tail;
		/* one byte over may still be the CR of a CRLF */
		if (!lr->skipping && lr->tail - lr->head > lr->max_line + 1)
			start_skip(lr, lr->tail - lr->head);
		if (lr->skipping)
			lr->head = lr->scan = lr->tail = 0;
		if (lr->eof) {
			if (lr->stopped) {
				lr->discarded += lr->tail - lr->head;
				lr->head = lr->scan = lr->tail = 0;
				lr->skipping = false;
				return LR_EOF;
			}
			if (lr->skipping) {
				lr->lineno++;
				return toolong(lr, line, len);
			}
			if (lr->head < lr->tail) {
				lr->lineno++;
				*line = lr->buf + lr->head;
				*len = lr->tail - lr->head;
				if ((*line)[*len - 1] == '\r')
					(*len)--;
				if (*len > lr->max_line) {
					start_skip(lr, *len);
					lr->head = lr->scan = lr->tail;
					return toolong(lr, line, len);
				}
				lr->head = lr->scan = lr->tail;
				return LR_LINE;
			}
			return LR_EOF;
		}
		int r = fill(lr);
		if (r < 0)
			return LR_ERR;
		if (r == 2)
			return LR_AGAIN;
		if (r == 0)
			lr->eof = true;
	}
}
