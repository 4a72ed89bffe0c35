#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

void out_init(struct out *o, int fd, const char *name, bool unbuffered)
{
	struct stat st;
	o->fd = fd;
	o->name = name;
	o->broken = false;
	o->err = 0;
	o->b = (struct buf)BUF_INIT;
	buf_grow(&o->b, OUT_CHUNK + 4096);
	o->mode = unbuffered ? OUT_UNBUFFERED : isatty(fd) ? OUT_LINE : OUT_BLOCK;
#ifdef F_SETPIPE_SZ
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && fcntl(fd, F_GETPIPE_SZ) < (1 << 20))
		fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#else
	(void)st;
#endif
}

int out_open(struct out *o, const char *path, bool append)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0666);
	if (fd < 0)
		return -1;
	out_init(o, fd, path, false);
	return 0;
}

int out_flush(struct out *o)
{
	size_t off = 0;
	if (o->broken || o->err) {
		o->b.len = 0;
		return -1;
	}
	while (off < o->b.len) {
		size_t n = o->b.len - off;
		if (n > OUT_CHUNK)
			n = OUT_CHUNK;
		ssize_t w = write(o->fd, o->b.p + off, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				o->broken = true;
			else
				o->err = errno;
			o->b.len = 0;
			return -1;
		}
		off += (size_t)w;
	}
	o->b.len = 0;
	return 0;
}

void out_flush_cb(void *o)
{
	out_flush(o);
}

int out_close(struct out *o)
{
	int r = out_flush(o);
	if (o->fd > 2 && close(o->fd) < 0 && !r) {
		o->err = errno;
		r = -1;
	}
	buf_free(&o->b);
	o->fd = -1;
	return r;
}
