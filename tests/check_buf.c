#include <check.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

START_TEST(empty_buffer)
{
	struct buf b = BUF_INIT;
	ck_assert_ptr_null(b.p);
	buf_reset(&b); /* safe before any allocation */
	buf_free(&b);
	buf_free(&b);
	ck_assert_uint_eq(b.len, 0);
	buf_add(&b, "", 0);
	ck_assert_ptr_nonnull(b.p);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(b.p[0], 0);
	buf_free(&b);
}
END_TEST

START_TEST(add_keeps_nul_terminated)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "abc");
	buf_addc(&b, 'd');
	buf_add(&b, "e\0f", 3);
	ck_assert_uint_eq(b.len, 7);
	ck_assert_mem_eq(b.p, "abcde\0f", 7);
	ck_assert_int_eq(b.p[7], 0);
	ck_assert_uint_gt(b.cap, b.len);
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.p, "");
	buf_free(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(growth_many_small_and_one_large)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 100000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	ck_assert_uint_eq(b.len, 100000);
	for (int i = 0; i < 100000; i++)
		ck_assert_int_eq(b.p[i], 'a' + i % 26);
	ck_assert_int_eq(b.p[b.len], 0);
	size_t big = 3u << 20;
	char *x = malloc(big);
	memset(x, 'z', big);
	buf_add(&b, x, big);
	ck_assert_uint_eq(b.len, 100000 + big);
	ck_assert_int_eq(b.p[b.len - 1], 'z');
	ck_assert_int_eq(b.p[b.len], 0);
	free(x);
	buf_free(&b);
}
END_TEST

START_TEST(exact_fit_boundary)
{
	/* filling to exactly cap-1 then one more byte must grow, never overrun */
	struct buf b = BUF_INIT;
	buf_grow(&b, 10);
	size_t cap = b.cap;
	while (b.len < cap - 1)
		buf_addc(&b, 'x');
	ck_assert_uint_eq(b.len, cap - 1);
	ck_assert_int_eq(b.p[b.len], 0);
	buf_addc(&b, 'y');
	ck_assert_uint_gt(b.cap, cap);
	ck_assert_int_eq(b.p[b.len - 1], 'y');
	ck_assert_int_eq(b.p[b.len], 0);
	buf_free(&b);
}
END_TEST

START_TEST(printf_appends)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "n=");
	buf_printf(&b, "%d,%s", 42, "x");
	ck_assert_str_eq(b.p, "n=42,x");
	ck_assert_uint_eq(b.len, 6);
	buf_printf(&b, "%s", ""); /* nothing */
	ck_assert_uint_eq(b.len, 6);
	char big[5000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = 0;
	buf_printf(&b, "[%s]", big);
	ck_assert_uint_eq(b.len, 6 + 2 + sizeof big - 1);
	ck_assert_int_eq(b.p[6], '[');
	ck_assert_int_eq(b.p[b.len - 1], ']');
	ck_assert_int_eq(b.p[b.len], 0);
	buf_free(&b);

	struct buf e = BUF_INIT;
	buf_printf(&e, "%s", "");
	ck_assert_uint_eq(e.len, 0);
	buf_free(&e);
}
END_TEST

START_TEST(x_alloc)
{
	char *s = xstrdup("hello");
	ck_assert_str_eq(s, "hello");
	free(s);
	s = xstrndup("hello", 3);
	ck_assert_str_eq(s, "hel");
	free(s);
	s = xstrndup("a\0b", 3);
	ck_assert_mem_eq(s, "a\0b", 4);
	free(s);
	void *p = xmalloc(0); /* never NULL */
	ck_assert_ptr_nonnull(p);
	p = xrealloc(p, 0);
	ck_assert_ptr_nonnull(p);
	free(p);
	int *z = xcalloc(16, sizeof *z);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(z[i], 0);
	free(z);
}
END_TEST

START_TEST(read_file)
{
	char path[] = "/tmp/check_buf.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "abc\0def", 7), 7);
	close(fd);
	struct buf b = BUF_INIT;
	buf_adds(&b, ">");
	ck_assert(buf_read_file(&b, path)); /* appends */
	ck_assert_uint_eq(b.len, 8);
	ck_assert_mem_eq(b.p, ">abc\0def", 8);
	unlink(path);
	errno = 0;
	ck_assert(!buf_read_file(&b, path));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(b.len, 8);
	buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, empty_buffer);
	tcase_add_test(tc, add_keeps_nul_terminated);
	tcase_add_test(tc, growth_many_small_and_one_large);
	tcase_add_test(tc, exact_fit_boundary);
	tcase_add_test(tc, printf_appends);
	tcase_add_test(tc, x_alloc);
	tcase_add_test(tc, read_file);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
