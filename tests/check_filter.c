#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "filter.h"

struct seen {
	int good, bad, toolong;
	char last[64];
};

static enum filter_verdict on_line(void *ctx, const struct lr *lr, const char *line, size_t len)
{
	struct seen *s = ctx;
	snprintf(s->last, sizeof s->last, "%.*s", (int)len, line);
	if (len && line[0] == 'x') {
		diag_bad(lr->name, lr->lineno, "starts with x", line, len);
		s->bad++;
		return FILTER_BAD;
	}
	if (len && line[0] == 'q')
		return FILTER_STOP;
	s->good++;
	return FILTER_OK;
}

static enum filter_verdict on_toolong(void *ctx, const struct lr *lr, const char *line,
	size_t len)
{
	(void)lr;
	(void)line;
	(void)len;
	((struct seen *)ctx)->toolong++;
	return FILTER_BAD;
}

static char *tmpfile_with(const char *text)
{
	static char path[64];
	strcpy(path, "/tmp/check_filter.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return strdup(path);
}

START_TEST(lines_bad_and_toolong)
{
	struct seen s = { 0 };
	char *p = tmpfile_with("a\nxbad\n0123456789abcdef\nb\n");
	struct filter f = { .line = on_line, .ctx = &s };
	diag_set_level(DIAG_QUIET);
	cli.max_line = 8;
	cli.strict = false;
	ck_assert_int_eq(filter_file(&f, p), RN_EXIT_OK);
	ck_assert_int_eq(s.good, 2);
	ck_assert_int_eq(s.bad, 1);
	ck_assert_uint_eq(f.lines, 4); /* the over-long line counts as read */
	ck_assert_str_eq(s.last, "b");
	/* a tool may take over-long lines itself */
	memset(&s, 0, sizeof s);
	f.toolong = on_toolong;
	ck_assert_int_eq(filter_file(&f, p), RN_EXIT_OK);
	ck_assert_int_eq(s.toolong, 1);
	unlink(p);
	free(p);
}
END_TEST

START_TEST(strict_and_stop)
{
	struct seen s = { 0 };
	char *p = tmpfile_with("a\nxbad\nb\n");
	struct filter f = { .line = on_line, .ctx = &s };
	diag_set_level(DIAG_QUIET);
	cli.max_line = 1024;
	cli.strict = true;
	ck_assert_int_eq(filter_file(&f, p), RN_EXIT_REJECT);
	ck_assert_int_eq(s.good, 1); /* b was never read */
	cli.strict = false;
	unlink(p);
	free(p);
	memset(&s, 0, sizeof s);
	p = tmpfile_with("a\nq\nb\n");
	ck_assert_int_eq(filter_file(&f, p), RN_EXIT_OK);
	ck_assert_int_eq(s.good, 1);
	unlink(p);
	free(p);
}
END_TEST

START_TEST(files_in_turn)
{
	struct seen s = { 0 };
	char *a = tmpfile_with("1\n2\n");
	char *b = tmpfile_with("3\n");
	char *argv[] = { a, (char *)"/nonexistent/file", b, NULL };
	struct filter f = { .line = on_line, .ctx = &s };
	diag_set_level(DIAG_QUIET);
	cli.max_line = 1024;
	cli.strict = false;
	/* an unreadable file is an error, and the files after it are still read */
	ck_assert_int_eq(filter_files(&f, 3, argv), RN_EXIT_RUNTIME);
	ck_assert_int_eq(s.good, 3);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}
END_TEST

int main(void)
{
	char *av[] = { (char *)"check_filter", NULL };
	cli_init(av);
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, lines_bad_and_toolong);
	tcase_add_test(tc, strict_and_stop);
	tcase_add_test(tc, files_in_turn);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
