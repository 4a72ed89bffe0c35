#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "sig.h"

static char paths[2][64];

/* fd (1 or 2) to a temp file for the rest of the forked test */
static void capture(int fd)
{
	char *p = paths[fd - 1];
	strcpy(p, "/tmp/check_cli.XXXXXX");
	int t = mkstemp(p);
	ck_assert_int_ge(t, 0);
	ck_assert_int_eq(dup2(t, fd), fd);
	close(t);
}

static char *captured(int fd)
{
	fflush(fd == 1 ? stdout : stderr);
	FILE *f = fopen(paths[fd - 1], "r");
	ck_assert_ptr_nonnull(f);
	struct buf b = BUF_INIT;
	char tmp[1024];
	size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, k);
	buf_add(&b, "", 0);
	fclose(f);
	unlink(paths[fd - 1]);
	return b.p;
}

START_TEST(sizes)
{
	static const struct {
		const char *s;
		size_t v;
	} ok[] = { { "0", 0 }, { "1", 1 }, { "1024", 1024 }, { "1k", 1024 }, { "1K", 1024 },
		   { "2KB", 2048 }, { "2KiB", 2048 }, { "1M", 1 << 20 }, { "1MiB", 1 << 20 },
		   { "3m", 3 << 20 }, { "1G", 1 << 30 }, { "1GB", 1 << 30 }, { "7B", 7 } };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		size_t v = 12345;
		ck_assert_msg(cli_parse_size(ok[i].s, &v) && v == ok[i].v, "%s -> %zu", ok[i].s, v);
	}
	static const char *bad[] = { "", "-1", " 5", " -5", "+5", "1x", "1MBB", "1iB", "1Mi",
		"1.5M", "M", "1 M", "99999999999999999999", "18014398509481984K" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t v = 12345;
		ck_assert_msg(!cli_parse_size(bad[i], &v), "accepted '%s'", bad[i]);
		ck_assert_uint_eq(v, 12345);
	}
}
END_TEST

START_TEST(counts)
{
	long long v;
	ck_assert(cli_parse_count("0", &v) && v == 0);
	ck_assert(cli_parse_count("1000000", &v) && v == 1000000);
	ck_assert(cli_parse_count("9223372036854775807", &v) && v == 9223372036854775807LL);
	static const char *bad[] = { "", "-1", " -1", "+1", "1e6", "1.0", "10x", " 5",
		"9223372036854775808", "1k" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!cli_parse_count(bad[i], &v), "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(rates)
{
	double r;
	ck_assert(cli_parse_rate("1000/s", &r) && r == 1000);
	ck_assert(cli_parse_rate("20000", &r) && r == 20000);
	ck_assert(cli_parse_rate("5/ms", &r) && r == 5000);
	ck_assert(cli_parse_rate("60/m", &r) && fabs(r - 1) < 1e-12);
	ck_assert(cli_parse_rate("60/min", &r) && fabs(r - 1) < 1e-12);
	ck_assert(cli_parse_rate("3600/h", &r) && fabs(r - 1) < 1e-12);
	ck_assert(cli_parse_rate("10/5s", &r) && r == 2);
	ck_assert(cli_parse_rate("0.5", &r) && r == 0.5);
	ck_assert(cli_parse_rate("2.5/s", &r) && r == 2.5);
	static const char *bad[] = { "", "0", "-5", "0/s", "5/", "5/x", "5/0s", "5s", "inf",
		"nan", "1e999", "/s", "5//s" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!cli_parse_rate(bad[i], &r), "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(help_version_and_levels)
{
	capture(1);
	{ char *av[] = { (char *)"/usr/bin/parse", NULL }; cli_init(av); }
	ck_assert_int_eq(cli_opt('h', NULL, "usage: parse [OPTION]... [FILE]...\n"), RN_EXIT_OK);
	ck_assert_int_eq(cli_opt('V', NULL, "help"), RN_EXIT_OK);
	char *out = captured(1);
	ck_assert_str_eq(out, "usage: parse [OPTION]... [FILE]...\nparse (runnel) " RUNNEL_VERSION "\n");
	free(out);
	ck_assert_int_eq(cli_opt('q', NULL, ""), CLI_CONTINUE);
	ck_assert_int_eq(diag_level(), DIAG_QUIET);
	ck_assert_int_eq(cli_opt('v', NULL, ""), CLI_CONTINUE);
	ck_assert_int_eq(diag_level(), DIAG_VERBOSE);
}
END_TEST

START_TEST(input_options)
{
	{ char *av[] = { (char *)"parse", NULL }; cli_init(av); }
	ck_assert(!cli.unbuffered && !cli.strict && !cli.reject);
	ck_assert_uint_eq(cli.max_line, 1 << 20);
	ck_assert_int_eq(cli_opt('u', NULL, ""), CLI_CONTINUE);
	ck_assert_int_eq(cli_opt(CLI_OPT_STRICT, NULL, ""), CLI_CONTINUE);
	ck_assert_int_eq(cli_opt(CLI_OPT_REJECT, "rej.json", ""), CLI_CONTINUE);
	ck_assert_int_eq(cli_opt(CLI_OPT_MAX_LINE, "64K", ""), CLI_CONTINUE);
	ck_assert(cli.unbuffered && cli.strict);
	ck_assert_str_eq(cli.reject, "rej.json");
	ck_assert_uint_eq(cli.max_line, 65536);
}
END_TEST

START_TEST(misuse_exits_2_with_hint)
{
	capture(2);
	{ char *av[] = { (char *)"/x/window", NULL }; cli_init(av); }
	ck_assert_int_eq(cli_opt(CLI_OPT_MAX_LINE, "lots", ""), RN_EXIT_USAGE);
	ck_assert_int_eq(cli_opt(CLI_OPT_MAX_LINE, "0", ""), RN_EXIT_USAGE);
	ck_assert_int_eq(cli_opt('?', NULL, ""), RN_EXIT_USAGE);
	ck_assert_int_eq(cli_usage("-w: not a duration: %s", "5x"), RN_EXIT_USAGE);
	char *err = captured(2);
	ck_assert_str_eq(err, "window: --max-line: not a size: lots\n"
			      "window: try 'window --help'\n"
			      "window: --max-line: not a size: 0\n"
			      "window: try 'window --help'\n"
			      "window: try 'window --help'\n"
			      "window: -w: not a duration: 5x\n"
			      "window: try 'window --help'\n");
	free(err);
}
END_TEST

START_TEST(signals_installed)
{
	{ char *av[] = { (char *)"t", NULL }; cli_init(av); }
	struct sigaction sa;
	ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
	ck_assert_ptr_eq(sa.sa_handler, SIG_IGN);
	ck_assert_int_eq(sigaction(SIGTERM, NULL, &sa), 0);
	ck_assert(sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN);
	ck_assert_int_eq(sa.sa_flags & SA_RESTART, 0);
	ck_assert_int_ge(sig_fd(), 0);
	ck_assert(!sig_stop && !sig_hup);
	raise(SIGHUP);
	ck_assert(sig_hup && !sig_stop);
	raise(SIGTERM);
	ck_assert(sig_stop);
	ck_assert_int_eq(sig_last, SIGTERM);
	sig_drain(); /* empties the self-pipe without blocking */
	char c;
	ck_assert_int_eq(read(sig_fd(), &c, 1), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, counts);
	tcase_add_test(tc, rates);
	tcase_add_test(tc, help_version_and_levels);
	tcase_add_test(tc, input_options);
	tcase_add_test(tc, misuse_exits_2_with_hint);
	tcase_add_test(tc, signals_installed);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
