#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "out.h"
#include "sig.h"

/* A SOCK_SEQPACKET pair keeps write boundaries: a child reports the size of every
   write the writer made, so tests see the syscalls, not just the bytes. */
struct spy {
	int fd;      /* give this to out_init */
	int sizes;   /* read end: one uint32 per write, then EOF */
	pid_t pid;
};

static struct spy spy_start(void)
{
	int sv[2], res[2];
	struct spy s;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(pipe(res), 0);
	s.pid = fork();
	ck_assert_int_ge(s.pid, 0);
	if (s.pid == 0) {
		static char buf[1 << 20];
		close(sv[0]);
		close(res[0]);
		for (;;) {
			ssize_t n = recv(sv[1], buf, sizeof buf, 0);
			if (n <= 0)
				_exit(n < 0);
			uint32_t k = (uint32_t)n;
			if (write(res[1], &k, sizeof k) != sizeof k)
				_exit(1);
		}
	}
	close(sv[1]);
	close(res[1]);
	s.fd = sv[0];
	s.sizes = res[0];
	return s;
}

/* After the writer closed its end: the sizes of all writes. */
static size_t spy_sizes(struct spy *s, uint32_t *out, size_t cap)
{
	size_t n = 0;
	uint32_t k;
	while (read(s->sizes, &k, sizeof k) == sizeof k) {
		ck_assert_uint_lt(n, cap);
		out[n++] = k;
	}
	close(s->sizes);
	int st;
	ck_assert_int_eq(waitpid(s->pid, &st, 0), s->pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return n;
}

static void add_record(struct out *o, size_t len, char c)
{
	struct buf *b = out_buf(o);
	buf_grow(b, len);
	memset(b->p + b->len, c, len);
	b->len += len;
}

START_TEST(block_mode_writes_64k_chunks)
{
	struct spy s = spy_start();
	struct out o;
	out_init(&o, s.fd, "spy", false);
	ck_assert_int_eq(o.mode, OUT_BLOCK);
	/* 2000 records of 99 bytes + newline: no write until 64 KiB are buffered */
	size_t total = 0;
	for (int i = 0; i < 2000; i++) {
		add_record(&o, 99, 'a');
		ck_assert_int_eq(out_end_record(&o), 0);
		total += 100;
	}
	/* one record of 200 KiB goes out in 64 KiB pieces */
	add_record(&o, 200 * 1024, 'b');
	ck_assert_int_eq(out_end_record(&o), 0);
	total += 200 * 1024 + 1;
	ck_assert_int_eq(out_close(&o), 0);
	uint32_t sizes[64];
	size_t n = spy_sizes(&s, sizes, 64);
	size_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_le(sizes[i], OUT_CHUNK);
		sum += sizes[i];
	}
	ck_assert_uint_eq(sum, total);
	ck_assert_uint_le(n, total / OUT_CHUNK + 4); /* not a write per line */
	/* 656 records made the first block: 64 KiB, then the rest */
	ck_assert_uint_eq(sizes[0], 65536);
	ck_assert_uint_eq(sizes[1], 64);
}
END_TEST

START_TEST(unbuffered_writes_each_record)
{
	struct spy s = spy_start();
	struct out o;
	out_init(&o, s.fd, "spy", true);
	ck_assert_int_eq(o.mode, OUT_UNBUFFERED);
	for (int i = 0; i < 10; i++) {
		buf_printf(out_buf(&o), "{\"i\":%d}", i);
		ck_assert_int_eq(out_end_record(&o), 0);
		ck_assert_uint_eq(out_buf(&o)->len, 0);
	}
	out_close(&o);
	uint32_t sizes[64];
	ck_assert_uint_eq(spy_sizes(&s, sizes, 64), 10);
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(sizes[i], 8);
}
END_TEST

START_TEST(idle_flush_callback)
{
	struct spy s = spy_start();
	struct out o;
	out_init(&o, s.fd, "spy", false);
	buf_adds(out_buf(&o), "{}");
	out_end_record(&o);
	ck_assert_uint_eq(out_buf(&o)->len, 3);
	out_flush_cb(&o); /* what lr_set_idle calls */
	ck_assert_uint_eq(out_buf(&o)->len, 0);
	out_flush_cb(&o); /* nothing buffered: no write */
	out_close(&o);
	uint32_t sizes[8];
	ck_assert_uint_eq(spy_sizes(&s, sizes, 8), 1);
	ck_assert_uint_eq(sizes[0], 3);
}
END_TEST

START_TEST(epipe_sets_broken)
{
	int p[2];
	ck_assert_int_eq(sig_init(), 0); /* SIGPIPE ignored: EPIPE instead of death */
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	struct out o;
	out_init(&o, p[1], "stdout", false);
	buf_adds(out_buf(&o), "{\"a\":1}");
	ck_assert_int_eq(out_end_record(&o), 0); /* buffered */
	ck_assert_int_eq(out_flush(&o), -1);
	ck_assert(o.broken);
	ck_assert_int_eq(o.err, 0);
	ck_assert_uint_eq(out_buf(&o)->len, 0);
	/* further output is dropped without writing */
	buf_adds(out_buf(&o), "x");
	ck_assert_int_eq(out_flush(&o), -1);
	ck_assert_int_eq(out_close(&o), -1);
	ck_assert(o.broken);
}
END_TEST

START_TEST(epipe_unbuffered_record)
{
	int p[2];
	ck_assert_int_eq(sig_init(), 0);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	struct out o;
	out_init(&o, p[1], "stdout", true);
	buf_adds(out_buf(&o), "{}");
	ck_assert_int_eq(out_end_record(&o), -1);
	ck_assert(o.broken);
	out_close(&o);
}
END_TEST

START_TEST(other_write_errors)
{
	int fd = open("/dev/full", O_WRONLY);
	ck_assert_int_ge(fd, 0);
	struct out o;
	out_init(&o, fd, "/dev/full", false);
	buf_adds(out_buf(&o), "data");
	ck_assert_int_eq(out_flush(&o), -1);
	ck_assert(!o.broken);
	ck_assert_int_eq(o.err, ENOSPC);
	ck_assert_int_eq(out_close(&o), -1);
}
END_TEST

START_TEST(terminal_is_line_mode)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(m, 0);
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	int t = open(ptsname(m), O_RDWR | O_NOCTTY);
	ck_assert_int_ge(t, 0);
	struct out o;
	out_init(&o, t, "tty", false);
	ck_assert_int_eq(o.mode, OUT_LINE);
	buf_adds(out_buf(&o), "x");
	ck_assert_int_eq(out_end_record(&o), 0);
	ck_assert_uint_eq(out_buf(&o)->len, 0); /* written at once */
	out_close(&o);
	close(m);
}
END_TEST

START_TEST(pipe_grows_to_1mib)
{
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	long max = 0;
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld", &max), 1);
	fclose(f);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct out o;
	out_init(&o, p[1], "pipe", false);
	int sz = fcntl(p[1], F_GETPIPE_SZ);
	if (max >= (1 << 20))
		ck_assert_int_ge(sz, 1 << 20);
	else
		ck_assert_int_ge(sz, 4096);
	out_close(&o);
	close(p[0]);
}
END_TEST

START_TEST(files_append_and_truncate)
{
	char path[] = "/tmp/check_out.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	struct out o;
	ck_assert_int_eq(out_open(&o, path, false), 0);
	buf_adds(out_buf(&o), "one");
	out_end_record(&o);
	ck_assert_int_eq(out_close(&o), 0);
	ck_assert_int_eq(out_open(&o, path, true), 0);
	buf_adds(out_buf(&o), "two");
	out_end_record(&o);
	ck_assert_int_eq(out_close(&o), 0);
	char buf[64] = "";
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, buf, sizeof buf - 1), 8);
	close(fd);
	ck_assert_str_eq(buf, "one\ntwo\n");
	ck_assert_int_eq(out_open(&o, path, false), 0);
	ck_assert_int_eq(out_close(&o), 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 0);
	close(fd);
	unlink(path);
	errno = 0;
	ck_assert_int_eq(out_open(&o, "/nonexistent/dir/file", true), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("out");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, block_mode_writes_64k_chunks);
	tcase_add_test(tc, unbuffered_writes_each_record);
	tcase_add_test(tc, idle_flush_callback);
	tcase_add_test(tc, epipe_sets_broken);
	tcase_add_test(tc, epipe_unbuffered_record);
	tcase_add_test(tc, other_write_errors);
	tcase_add_test(tc, terminal_is_line_mode);
	tcase_add_test(tc, pipe_grows_to_1mib);
	tcase_add_test(tc, files_append_and_truncate);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
