#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "lineio.h"
#include "sig.h"

#define MiB (1024 * 1024)

static char tmpl[64];

/* A temp file holding data; lr opens it by path. */
static const char *tmp_file(const void *data, size_t n)
{
	strcpy(tmpl, "/tmp/check_lineio.XXXXXX");
	int fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
	return tmpl;
}

/* A pipe fed by a child writing data in chunks of `chunk` bytes; returns the read end. */
static int feeder(const char *data, size_t n, size_t chunk, pid_t *pid)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	*pid = fork();
	ck_assert_int_ge(*pid, 0);
	if (*pid == 0) {
		close(p[0]);
		for (size_t off = 0; off < n;) {
			size_t k = n - off < chunk ? n - off : chunk;
			ssize_t w = write(p[1], data + off, k);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void reap(pid_t pid)
{
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void expect_line(struct lr *lr, const char *want, size_t n)
{
	const char *l;
	size_t len;
	int st = lr_next(lr, &l, &len);
	ck_assert_msg(st == LR_LINE, "status %d, expected a line", st);
	ck_assert_msg(len == n && !memcmp(l, want, n), "line %llu: got %zu bytes '%.*s', expected '%.*s'",
		(unsigned long long)lr->lineno, len, (int)(len < 60 ? len : 60), l, (int)n, want);
}
#define LINE(lr, lit) expect_line(lr, lit, sizeof(lit) - 1)

static void expect_eof(struct lr *lr)
{
	const char *l;
	size_t len;
	ck_assert_int_eq(lr_next(lr, &l, &len), LR_EOF);
	ck_assert_int_eq(lr_next(lr, &l, &len), LR_EOF); /* and it stays there */
}

START_TEST(empty_and_tiny_inputs)
{
	struct lr lr;
	ck_assert_int_eq(lr_open(&lr, tmp_file("", 0), 0), 0);
	expect_eof(&lr);
	ck_assert_uint_eq(lr.lineno, 0);
	lr_close(&lr);
	unlink(tmpl);

	ck_assert_int_eq(lr_open(&lr, tmp_file("\n", 1), 0), 0);
	LINE(&lr, "");
	expect_eof(&lr);
	ck_assert_uint_eq(lr.lineno, 1);
	lr_close(&lr);
	unlink(tmpl);

	ck_assert_int_eq(lr_open(&lr, tmp_file("a\nbc", 4), 0), 0);
	LINE(&lr, "a");
	LINE(&lr, "bc"); /* no final newline */
	ck_assert_uint_eq(lr.lineno, 2);
	expect_eof(&lr);
	lr_close(&lr);
	unlink(tmpl);

	ck_assert_int_eq(lr_open(&lr, tmp_file("\n\n\nx", 4), 0), 0);
	LINE(&lr, "");
	LINE(&lr, "");
	LINE(&lr, "");
	LINE(&lr, "x");
	expect_eof(&lr);
	lr_close(&lr);
	unlink(tmpl);
}
END_TEST

START_TEST(crlf_and_nul_bytes)
{
	struct lr lr;
	const char d[] = "a\r\nb\r\n\r\nx\ry\n\0\n1\0002\r\nlast\r";
	ck_assert_int_eq(lr_open(&lr, tmp_file(d, sizeof d - 1), 0), 0);
	LINE(&lr, "a");
	LINE(&lr, "b");
	LINE(&lr, "");
	LINE(&lr, "x\ry"); /* only a CR before the newline goes */
	LINE(&lr, "\0");
	LINE(&lr, "1\0002");
	LINE(&lr, "last"); /* and the CR of a final line without newline */
	expect_eof(&lr);
	ck_assert_uint_eq(lr.lineno, 7);
	lr_close(&lr);
	unlink(tmpl);
}
END_TEST

static void expect_toolong(struct lr *lr, char c, uint64_t lineno)
{
	const char *l;
	size_t len;
	ck_assert_int_eq(lr_next(lr, &l, &len), LR_TOOLONG);
	ck_assert_uint_eq(lr->lineno, lineno);
	ck_assert_uint_eq(len, LR_PREFIX);
	for (size_t i = 0; i < len; i++)
		ck_assert_int_eq(l[i], c);
}

/* 1 MiB lines: exactly max is accepted, max+1 rejected, and the next line is read fine. */
static struct buf mib_input(void)
{
	struct buf b = BUF_INIT;
	buf_grow(&b, 6 * MiB);
	memset(b.p, 'x', MiB);
	b.len = MiB;
	buf_addc(&b, '\n');
	memset(b.p + b.len, 'y', MiB + 1);
	b.len += MiB + 1;
	buf_adds(&b, "\n{}\n");
	memset(b.p + b.len, 'z', MiB);
	b.len += MiB;
	buf_adds(&b, "\r\n");
	memset(b.p + b.len, 'v', MiB + 1);
	b.len += MiB + 1;
	buf_adds(&b, "\r\nok\n");
	memset(b.p + b.len, 'w', MiB + 1);
	b.len += MiB + 1; /* a final over-long line without newline */
	return b;
}

static void read_mib(struct lr *lr)
{
	const char *l;
	size_t len;
	ck_assert_int_eq(lr_next(lr, &l, &len), LR_LINE);
	ck_assert_uint_eq(len, MiB);
	ck_assert(l[0] == 'x' && l[MiB - 1] == 'x');
	expect_toolong(lr, 'y', 2);
	LINE(lr, "{}");
	ck_assert_uint_eq(lr->lineno, 3);
	ck_assert_int_eq(lr_next(lr, &l, &len), LR_LINE); /* CRLF: the CR does not count */
	ck_assert_uint_eq(len, MiB);
	ck_assert(l[0] == 'z' && l[MiB - 1] == 'z');
	expect_toolong(lr, 'v', 5);
	LINE(lr, "ok");
	expect_toolong(lr, 'w', 7);
	expect_eof(lr);
	ck_assert_uint_eq(lr->lineno, 7);
}

START_TEST(max_line_from_file)
{
	struct buf b = mib_input();
	struct lr lr;
	ck_assert_int_eq(lr_open(&lr, tmp_file(b.p, b.len), 0), 0);
	ck_assert_uint_eq(lr.max_line, LR_DEFAULT_MAX_LINE);
	read_mib(&lr);
	lr_close(&lr);
	unlink(tmpl);
	buf_free(&b);
}
END_TEST

START_TEST(max_line_from_pipe)
{
	struct buf b = mib_input();
	size_t chunks[] = { 4093, 65536, 1 << 20 };
	for (size_t i = 0; i < 3; i++) {
		pid_t pid;
		struct lr lr;
		int fd = feeder(b.p, b.len, chunks[i], &pid);
		lr_open_fd(&lr, fd, "pipe", LR_DEFAULT_MAX_LINE);
		read_mib(&lr);
		lr_close(&lr);
		close(fd);
		reap(pid);
	}
	buf_free(&b);
}
END_TEST

static uint64_t rs = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

/* Random lines around a small max_line, dribbled through a pipe in odd chunks. */
START_TEST(random_lines_keep_sync)
{
	const size_t max = 20;
	for (int round = 0; round < 30; round++) {
		struct buf in = BUF_INIT;
		size_t nlines = 300, lens[300];
		bool crs[300];
		for (size_t i = 0; i < nlines; i++) {
			lens[i] = rnd() % 45;
			crs[i] = rnd() % 4 == 0;
			for (size_t k = 0; k < lens[i]; k++) {
				char c = (char)(rnd() % 256);
				buf_addc(&in, c == '\n' || c == '\r' ? 'n' : c);
			}
			if (crs[i])
				buf_addc(&in, '\r');
			if (i + 1 < nlines || round % 2)
				buf_addc(&in, '\n');
		}
		pid_t pid;
		struct lr lr;
		int fd = feeder(in.p, in.len, 1 + rnd() % 97, &pid);
		lr_open_fd(&lr, fd, "pipe", max);
		size_t off = 0;
		for (size_t i = 0; i < nlines; i++) {
			const char *l;
			size_t len;
			int st = lr_next(&lr, &l, &len);
			ck_assert_uint_eq(lr.lineno, i + 1);
			if (lens[i] > max) {
				ck_assert_msg(st == LR_TOOLONG, "round %d line %zu of %zu bytes: %d", round, i,
					lens[i], st);
				/* a prefix of the line itself, never of the lines after it */
				ck_assert_uint_le(len, lens[i] + crs[i]); /* a CR may come along */
				ck_assert_uint_ge(len, max + 1);
				ck_assert(!memcmp(l, in.p + off, len));
			} else {
				ck_assert_msg(st == LR_LINE, "round %d line %zu: %d", round, i, st);
				ck_assert_uint_eq(len, lens[i]);
				ck_assert(!memcmp(l, in.p + off, len));
			}
			off += lens[i] + crs[i] + 1;
		}
		expect_eof(&lr);
		lr_close(&lr);
		close(fd);
		reap(pid);
		buf_free(&in);
	}
}
END_TEST

START_TEST(open_errors)
{
	struct lr lr;
	errno = 0;
	ck_assert_int_eq(lr_open(&lr, "/nonexistent/runnel-input", 0), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(lr_open(&lr, "-", 0), 0);
	ck_assert_int_eq(lr.fd, 0);
	ck_assert_str_eq(lr.name, "<stdin>");
	lr_close(&lr);
	/* a read error is LR_ERR with errno */
	ck_assert_int_eq(lr_open(&lr, "/", 0), 0);
	const char *l;
	size_t len;
	ck_assert_int_eq(lr_next(&lr, &l, &len), LR_ERR);
	ck_assert_int_eq(errno, EISDIR);
	lr_close(&lr);
}
END_TEST

struct idle_ctx {
	int notify; /* write end: tells the writer the reader went idle */
	int calls;
	int limit;
};

static void on_idle(void *p)
{
	struct idle_ctx *c = p;
	c->calls++;
	if (c->calls <= c->limit)
		ck_assert_int_eq(write(c->notify, "i", 1), 1);
}

/* The writer sends each chunk only when told the reader has gone idle (or ticked). */
static pid_t paced_writer(int out, int in, const char *const *lines, int n)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c;
		for (int i = 0; i < n; i++) {
			if (read(in, &c, 1) != 1)
				_exit(2);
			if (write(out, lines[i], strlen(lines[i])) < 0)
				_exit(1);
		}
		_exit(0);
	}
	return pid;
}

START_TEST(idle_fires_when_writer_pauses)
{
	int data[2], note[2];
	ck_assert_int_eq(pipe(data), 0);
	ck_assert_int_eq(pipe(note), 0);
	const char *lines[] = { "a\n", "b\nc\n", "d" };
	pid_t pid = paced_writer(data[1], note[0], lines, 3);
	close(data[1]);
	close(note[0]);
	struct idle_ctx ctx = { note[1], 0, 3 };
	struct lr lr;
	lr_open_fd(&lr, data[0], "pipe", 0);
	lr_set_idle(&lr, on_idle, &ctx);
	LINE(&lr, "a");
	ck_assert_int_eq(ctx.calls, 1); /* idle once, then the writer went on */
	LINE(&lr, "b");
	ck_assert_int_eq(ctx.calls, 2);
	LINE(&lr, "c"); /* buffered: no idle */
	ck_assert_int_eq(ctx.calls, 2);
	LINE(&lr, "d");
	ck_assert_int_ge(ctx.calls, 3);
	expect_eof(&lr);
	lr_close(&lr);
	close(data[0]);
	close(note[1]);
	reap(pid);
}
END_TEST

START_TEST(idle_not_called_when_data_is_ready)
{
	struct idle_ctx ctx = { -1, 0, 0 };
	struct lr lr;
	pid_t pid;
	int fd = feeder("1\n2\n3\n", 6, 6, &pid);
	reap(pid); /* all written and closed before reading */
	lr_open_fd(&lr, fd, "pipe", 0);
	lr_set_idle(&lr, on_idle, &ctx);
	LINE(&lr, "1");
	LINE(&lr, "2");
	LINE(&lr, "3");
	expect_eof(&lr);
	ck_assert_int_eq(ctx.calls, 0);
	lr_close(&lr);
	close(fd);
}
END_TEST

static void on_tick(void *p)
{
	struct idle_ctx *c = p;
	if (++c->calls == c->limit)
		ck_assert_int_eq(write(c->notify, "t", 1), 1);
}

START_TEST(ticks_while_idle)
{
	int data[2], note[2];
	ck_assert_int_eq(pipe(data), 0);
	ck_assert_int_eq(pipe(note), 0);
	const char *lines[] = { "a\n", "b\n" };
	pid_t pid = paced_writer(data[1], note[0], lines, 2);
	close(data[1]);
	close(note[0]);
	ck_assert_int_eq(write(note[1], "go", 1), 1); /* "a" at once */
	struct idle_ctx ctx = { note[1], 0, 3 }; /* "b" after the third tick */
	struct lr lr;
	lr_open_fd(&lr, data[0], "pipe", 0);
	lr_set_tick(&lr, 5, on_tick, &ctx);
	LINE(&lr, "a");
	LINE(&lr, "b");
	ck_assert_int_ge(ctx.calls, 3);
	expect_eof(&lr);
	lr_close(&lr);
	close(data[0]);
	close(note[1]);
	reap(pid);
}
END_TEST

START_TEST(sigterm_returns_buffered_lines_then_eof)
{
	int p[2];
	ck_assert_int_eq(sig_init(), 0);
	ck_assert_int_eq(pipe(p), 0);
	const char d[] = "a\nb\nc\npartial";
	ck_assert_int_eq(write(p[1], d, sizeof d - 1), (ssize_t)(sizeof d - 1));
	struct lr lr;
	lr_open_fd(&lr, p[0], "pipe", 0);
	LINE(&lr, "a"); /* one read took in everything written */
	ck_assert_int_eq(raise(SIGTERM), 0);
	ck_assert(sig_stop);
	LINE(&lr, "b");
	LINE(&lr, "c");
	expect_eof(&lr); /* the incomplete line is dropped and counted */
	ck_assert_uint_eq(lr.discarded, 7);
	ck_assert_uint_eq(lr.lineno, 3);
	lr_close(&lr);
	close(p[0]);
	close(p[1]);
}
END_TEST

static void send_term(void *p)
{
	(void)p;
	kill(getpid(), SIGTERM);
}

START_TEST(sigterm_wakes_a_blocked_reader)
{
	int p[2];
	ck_assert_int_eq(sig_init(), 0);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "x\n", 2), 2);
	struct lr lr;
	lr_open_fd(&lr, p[0], "pipe", 0);
	LINE(&lr, "x");
	/* the signal arrives while the reader waits on an open, silent pipe */
	lr_set_idle(&lr, send_term, NULL);
	expect_eof(&lr);
	ck_assert_uint_eq(lr.discarded, 0);
	lr_close(&lr);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(sigint_stops_too)
{
	int p[2];
	ck_assert_int_eq(sig_init(), 0);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "1\n2\n", 4), 4);
	struct lr lr;
	lr_open_fd(&lr, p[0], "pipe", 0);
	LINE(&lr, "1");
	raise(SIGINT);
	LINE(&lr, "2");
	expect_eof(&lr);
	lr_close(&lr);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(nowait_returns_again)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct lr lr;
	const char *l;
	size_t len;
	lr_open_fd(&lr, p[0], "pipe", 0);
	lr.nowait = true;
	ck_assert_int_eq(lr_next(&lr, &l, &len), LR_AGAIN);
	ck_assert_int_eq(write(p[1], "ab", 2), 2);
	ck_assert_int_eq(lr_next(&lr, &l, &len), LR_AGAIN); /* no whole line yet */
	ck_assert_int_eq(write(p[1], "c\n", 2), 2);
	LINE(&lr, "abc");
	close(p[1]);
	expect_eof(&lr);
	lr_close(&lr);
	close(p[0]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lineio");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, empty_and_tiny_inputs);
	tcase_add_test(tc, crlf_and_nul_bytes);
	tcase_add_test(tc, max_line_from_file);
	tcase_add_test(tc, max_line_from_pipe);
	tcase_add_test(tc, random_lines_keep_sync);
	tcase_add_test(tc, open_errors);
	tcase_add_test(tc, idle_fires_when_writer_pauses);
	tcase_add_test(tc, idle_not_called_when_data_is_ready);
	tcase_add_test(tc, ticks_while_idle);
	tcase_add_test(tc, sigterm_returns_buffered_lines_then_eof);
	tcase_add_test(tc, sigterm_wakes_a_blocked_reader);
	tcase_add_test(tc, sigint_stops_too);
	tcase_add_test(tc, nowait_returns_again);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
