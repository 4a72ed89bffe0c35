#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "diag.h"
#include "json.h"
#include "rec.h"

static char errpath[64];

/* Sends stderr to a temp file for the rest of the (forked) test. */
static void capture_stderr(void)
{
	strcpy(errpath, "/tmp/check_diag.err.XXXXXX");
	int fd = mkstemp(errpath);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	ck_assert_int_eq(dup2(fd, 2), 2);
	close(fd);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	struct buf b = BUF_INIT;
	char tmp[4096];
	size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, k);
	fclose(f);
	buf_add(&b, "", 0);
	*n = b.len;
	return b.p;
}

static char *captured(void)
{
	size_t n;
	fflush(stderr);
	char *s = slurp(errpath, &n);
	unlink(errpath);
	return s;
}

START_TEST(messages_and_levels)
{
	capture_stderr();
	diag_init("/usr/local/bin/parse");
	ck_assert_str_eq(diag_prog(), "parse");
	ck_assert_int_eq(diag_level(), DIAG_NORMAL);
	diag_err("bad %s %d", "thing", 7);
	diag_warn("warned");
	diag_info("not shown");
	diag_set_level(DIAG_QUIET);
	diag_warn("not shown");
	diag_err("errors always");
	diag_set_level(DIAG_VERBOSE);
	diag_info("info %d", 1);
	diag_warn("w2");
	char *s = captured();
	ck_assert_str_eq(s, "parse: bad thing 7\nparse: warned\nparse: errors always\n"
			    "parse: info 1\nparse: w2\n");
	free(s);
}
END_TEST

START_TEST(long_message_is_one_line)
{
	capture_stderr();
	diag_init("tool");
	char big[10000];
	memset(big, 'm', sizeof big - 1);
	big[sizeof big - 1] = 0;
	diag_err("%s", big);
	diag_err("next");
	char *s = captured();
	char *nl = strchr(s, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_uint_le((size_t)(nl - s), 4095);
	ck_assert(!strncmp(s, "tool: mmm", 9));
	ck_assert_str_eq(nl + 1, "tool: next\n");
	free(s);
}
END_TEST

START_TEST(bad_lines_rate_limited)
{
	capture_stderr();
	diag_init("parse");
	for (int i = 1; i <= DIAG_BAD_SHOWN + 5; i++)
		diag_bad("in.json", (uint64_t)i, "invalid JSON at column 1: unexpected character", "x", 1);
	ck_assert_uint_eq(diag_bad_count(), DIAG_BAD_SHOWN + 5);
	ck_assert_int_eq(diag_finish(), 0);
	char *s = captured();
	struct buf want = BUF_INIT;
	for (int i = 1; i <= DIAG_BAD_SHOWN; i++)
		buf_printf(&want, "parse: in.json:%d: invalid JSON at column 1: unexpected character\n", i);
	buf_adds(&want, "parse: more bad input: further messages suppressed (counted in the summary)\n");
	buf_printf(&want, "parse: %d bad input lines in all, 5 not shown\n", DIAG_BAD_SHOWN + 5);
	ck_assert_str_eq(s, want.p);
	buf_free(&want);
	free(s);
}
END_TEST

START_TEST(few_bad_lines_no_summary)
{
	capture_stderr();
	diag_init("parse");
	diag_bad("<stdin>", 3, "reason", "", 0);
	ck_assert_int_eq(diag_finish(), 0);
	char *s = captured();
	ck_assert_str_eq(s, "parse: <stdin>:3: reason\n");
	free(s);
}
END_TEST

START_TEST(quiet_counts_silently)
{
	capture_stderr();
	diag_init("parse");
	diag_set_level(DIAG_QUIET);
	for (int i = 0; i < 50; i++)
		diag_bad("f", (uint64_t)i, "r", "x", 1);
	ck_assert_uint_eq(diag_bad_count(), 50);
	diag_finish();
	char *s = captured();
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

/* Each line of the reject file: a JSON object with line, file, error and input. */
static void check_reject_line(const char *l, size_t n, uint64_t line, const char *file,
	const char *error, const char *input, size_t input_len, const char *raw, size_t rawlen)
{
	struct rec r;
	struct buf why = BUF_INIT, sc = BUF_INIT;
	struct json_val v;
	int64_t num;
	size_t k;
	rec_init(&r);
	ck_assert_msg(rec_parse(&r, l, n, &why), "reject line not JSON: %s: %.*s", why.p,
		(int)(n < 200 ? n : 200), l);
	ck_assert_uint_eq(json_utf8_valid(l, n), n);
	ck_assert(rec_field(&r, "line", 4, &v) && json_num_i64(v, &num) && num == (int64_t)line);
	ck_assert(rec_field(&r, "file", 4, &v));
	ck_assert(json_str_eq(v, file, strlen(file)));
	ck_assert(rec_field(&r, "error", 5, &v));
	ck_assert(json_str_eq(v, error, strlen(error)));
	ck_assert(rec_field(&r, "input", 5, &v));
	const char *got = json_str(v, &sc, &k);
	ck_assert_msg(k == input_len && !memcmp(got, input, k), "input of %zu bytes, expected %zu: %.*s",
		k, input_len, (int)(k < 200 ? k : 200), got);
	if (json_utf8_valid(raw, rawlen) == rawlen) {
		ck_assert_uint_eq(r.nf, 4);
	} else {
		/* the exact bytes, for input that is not UTF-8 */
		struct buf dec = BUF_INIT;
		ck_assert_uint_eq(r.nf, 5);
		ck_assert(rec_field(&r, "input_base64", 12, &v));
		got = json_str(v, &sc, &k);
		ck_assert(b64_decode(&dec, got, k));
		ck_assert(dec.len == rawlen && !memcmp(dec.p, raw, rawlen));
		buf_free(&dec);
	}
	buf_free(&why);
	buf_free(&sc);
	rec_free(&r);
}

START_TEST(reject_file_is_valid_ndjson)
{
	capture_stderr();
	diag_init("parse");
	char path[] = "/tmp/check_diag.rej.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "{\"earlier\":1}\n", 14), 14); /* appended to, not replaced */
	close(fd);
	ck_assert_int_eq(diag_reject_open(path), 0);
	const char bin[] = "\xff\xfe{\"a\":\"\xc3\x28\"}\x00\x01\t\"\\\xed\xa0\x80ok\xc3\xa9";
	diag_bad("in.json", 1, "invalid JSON at column 1: unexpected character", bin, sizeof bin - 1);
	diag_bad("in \"q\".json", 2, "bad \"quoted\"\treason", "{\"x\":1}", 7);
	diag_bad("in.json", 3, "empty", "", 0);
	struct buf big = BUF_INIT;
	for (int i = 0; i < 100000; i++)
		buf_addc(&big, (char)(i % 251 + 1));
	diag_bad("in.json", 4, "long", big.p, big.len);
	ck_assert_int_eq(diag_finish(), 0);
	size_t n;
	char *s = slurp(path, &n);
	unlink(path);
	char *lines[8];
	size_t lens[8], nl = 0;
	for (char *p = s; p < s + n;) {
		char *e = memchr(p, '\n', (size_t)(s + n - p));
		ck_assert_ptr_nonnull(e); /* every record ends with a newline */
		ck_assert_uint_lt(nl, 8);
		lines[nl] = p;
		lens[nl++] = (size_t)(e - p);
		p = e + 1;
	}
	ck_assert_uint_eq(nl, 5);
	ck_assert(lens[0] == 13 && !memcmp(lines[0], "{\"earlier\":1}", 13));
	const char want[] = "\xef\xbf\xbd\xef\xbf\xbd{\"a\":\"\xef\xbf\xbd(\"}\x00\x01\t\"\\"
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdok\xc3\xa9";
	check_reject_line(lines[1], lens[1], 1, "in.json",
		"invalid JSON at column 1: unexpected character", want, sizeof want - 1, bin,
		sizeof bin - 1);
	check_reject_line(lines[2], lens[2], 2, "in \"q\".json", "bad \"quoted\"\treason", "{\"x\":1}", 7,
		"{\"x\":1}", 7);
	check_reject_line(lines[3], lens[3], 3, "in.json", "empty", "", 0, "", 0);
	/* control bytes are escaped; U+007F..: bytes 1..251 are all ASCII or invalid */
	struct buf w = BUF_INIT;
	for (size_t i = 0; i < big.len; i++) {
		unsigned char c = (unsigned char)big.p[i];
		if (c < 0x80)
			buf_addc(&w, (char)c);
		else
			buf_adds(&w, "\xef\xbf\xbd");
	}
	check_reject_line(lines[4], lens[4], 4, "in.json", "long", w.p, w.len, big.p, big.len);
	buf_free(&w);
	buf_free(&big);
	free(s);
	free(captured());
}
END_TEST

START_TEST(reject_open_fails)
{
	capture_stderr();
	diag_init("parse");
	ck_assert_int_eq(diag_reject_open("/nonexistent/dir/rej.json"), -1);
	char *s = captured();
	ck_assert_str_eq(s, "parse: cannot open reject file /nonexistent/dir/rej.json: "
			    "No such file or directory\n");
	free(s);
}
END_TEST

START_TEST(bad_at_locations)
{
	capture_stderr();
	diag_init("kcons");
	char path[] = "/tmp/check_diag.rej.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(diag_reject_open(path), 0);
	diag_bad_at("events/0@5", "\"topic\":\"events\",\"partition\":0,\"offset\":5", "not JSON", "x\xff", 2);
	ck_assert_uint_eq(diag_bad_count(), 1);
	ck_assert_int_eq(diag_finish(), 0);
	size_t n;
	char *s = slurp(path, &n);
	unlink(path);
	ck_assert_str_eq(s, "{\"topic\":\"events\",\"partition\":0,\"offset\":5,\"error\":\"not JSON\","
			    "\"input\":\"x\xef\xbf\xbd\",\"input_base64\":\"eP8=\"}\n");
	free(s);
	s = captured();
	ck_assert_str_eq(s, "kcons: events/0@5: not JSON\n");
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("diag");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, messages_and_levels);
	tcase_add_test(tc, long_message_is_one_line);
	tcase_add_test(tc, bad_lines_rate_limited);
	tcase_add_test(tc, few_bad_lines_no_summary);
	tcase_add_test(tc, quiet_counts_silently);
	tcase_add_test(tc, reject_file_is_valid_ndjson);
	tcase_add_test(tc, reject_open_fails);
	tcase_add_test(tc, bad_at_locations);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
