#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

static struct prom_label L(const char *n, const char *v)
{
	return (struct prom_label){ n, strlen(n), v, strlen(v) };
}

static struct prom_fam *fam(struct prom_reg *r, const char *name, enum prom_type t)
{
	struct buf err = BUF_INIT;
	struct prom_fam *f = prom_family(r, name, strlen(name), t, NULL, 0, NULL, 0, &err);
	ck_assert_msg(f != NULL, "%s: %s", name, err.p ? err.p : "");
	buf_free(&err);
	return f;
}

static char *render(struct prom_reg *r)
{
	struct buf b = BUF_INIT;
	prom_render(r, &b);
	return b.p ? b.p : xstrdup("");
}

START_TEST(test_names)
{
	static const char *const good[] = { "a", "_", ":", "a:b_c9", "http_requests_total",
		"A1", ":x" };
	static const char *const bad[] = { "", "9a", "a-b", "a b", "é", "a.b", "a{}" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		ck_assert_msg(prom_metric_name_ok(good[i], strlen(good[i])), "%s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!prom_metric_name_ok(bad[i], strlen(bad[i])), "%s", bad[i]);
	static const char *const lgood[] = { "a", "_a", "a_1", "code", "_" };
	static const char *const lbad[] = { "", "__name__", "__x", "1a", "a:b", "a-b", "a.b" };
	for (size_t i = 0; i < sizeof lgood / sizeof *lgood; i++)
		ck_assert_msg(prom_label_name_ok(lgood[i], strlen(lgood[i])), "%s", lgood[i]);
	for (size_t i = 0; i < sizeof lbad / sizeof *lbad; i++)
		ck_assert_msg(!prom_label_name_ok(lbad[i], strlen(lbad[i])), "%s", lbad[i]);
}
END_TEST

START_TEST(test_escaping)
{
	struct buf b = BUF_INIT;
	prom_escape_label(&b, "a\"b\\c\nd\te", 10);
	ck_assert_str_eq(b.p, "a\\\"b\\\\c\\nd\te");
	buf_reset(&b);
	prom_escape_help(&b, "say \"hi\"\\\n", 10);
	ck_assert_str_eq(b.p, "say \"hi\"\\\\\\n");
	buf_free(&b);

	struct prom_reg r;
	struct buf err = BUF_INIT;
	prom_init(&r);
	struct prom_fam *f = prom_family(&r, "x_total", 7, PROM_COUNTER, NULL, 0,
		"Line one\nback\\slash", 19, &err);
	ck_assert_ptr_nonnull(f);
	struct prom_label l[] = { L("path", "/a\"b\\\n"), L("code", "200") };
	ck_assert(prom_update(&r, f, l, 2, 1, &err));
	char *out = render(&r);
	ck_assert_str_eq(out,
		"# HELP x_total Line one\\nback\\\\slash\n"
		"# TYPE x_total counter\n"
		"x_total{code=\"200\",path=\"/a\\\"b\\\\\\n\"} 1\n");
	free(out);
	prom_free(&r);
	buf_free(&err);
}
END_TEST

START_TEST(test_values)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
		{ 0, "0" }, { 1, "1" }, { -2, "-2" }, { 0.1, "0.1" }, { 1e6, "1000000" },
		{ 0.005, "0.005" }, { 2.5, "2.5" }, { 1.0 / 3, "0.3333333333333333" },
		{ 1e300, "1e+300" }, { 1e-7, "1e-07" }, { 9007199254740992.0, "9007199254740992" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct buf b = BUF_INIT;
		prom_fmt_value(&b, cases[i].v);
		ck_assert_str_eq(b.p, cases[i].s);
		buf_free(&b);
	}
	struct buf b = BUF_INIT;
	prom_fmt_value(&b, INFINITY);
	prom_fmt_value(&b, -INFINITY);
	prom_fmt_value(&b, NAN);
	ck_assert_str_eq(b.p, "+Inf-InfNaN");
	buf_free(&b);
}
END_TEST

START_TEST(test_histogram_math)
{
	struct prom_reg r;
	struct buf err = BUF_INIT;
	double le[] = { 0.25, 1, 10 };
	prom_init(&r);
	struct prom_fam *f = prom_family(&r, "lat_seconds", 11, PROM_HISTOGRAM, le, 3, "Lat.", 4,
		&err);
	ck_assert_ptr_nonnull(f);
	/* on a bound counts in that bucket (le is <=) */
	double obs[] = { 0.125, 0.25, 0.5, 1, 1.5, 10, 11, 100, -1 };
	for (size_t i = 0; i < sizeof obs / sizeof *obs; i++)
		ck_assert(prom_update(&r, f, NULL, 0, obs[i], &err));
	char *out = render(&r);
	ck_assert_str_eq(out,
		"# HELP lat_seconds Lat.\n"
		"# TYPE lat_seconds histogram\n"
		"lat_seconds_bucket{le=\"0.25\"} 3\n"
		"lat_seconds_bucket{le=\"1\"} 5\n"
		"lat_seconds_bucket{le=\"10\"} 7\n"
		"lat_seconds_bucket{le=\"+Inf\"} 9\n"
		"lat_seconds_sum 123.375\n"
		"lat_seconds_count 9\n");
	free(out);
	/* le is reserved in a histogram */
	struct prom_label bad = L("le", "1");
	ck_assert(!prom_update(&r, f, &bad, 1, 1, &err));
	ck_assert_str_eq(err.p, "label le is reserved in a histogram");
	prom_free(&r);
	buf_free(&err);
}
END_TEST

START_TEST(test_default_buckets)
{
	struct prom_reg r;
	struct buf err = BUF_INIT;
	prom_init(&r);
	struct prom_fam *f = fam(&r, "h", PROM_HISTOGRAM);
	struct prom_label l = L("a", "x");
	ck_assert(prom_update(&r, f, &l, 1, 0.3, &err));
	char *out = render(&r);
	ck_assert_str_eq(out,
		"# HELP h h histogram.\n"
		"# TYPE h histogram\n"
		"h_bucket{a=\"x\",le=\"0.005\"} 0\n"
		"h_bucket{a=\"x\",le=\"0.01\"} 0\n"
		"h_bucket{a=\"x\",le=\"0.025\"} 0\n"
		"h_bucket{a=\"x\",le=\"0.05\"} 0\n"
		"h_bucket{a=\"x\",le=\"0.1\"} 0\n"
		"h_bucket{a=\"x\",le=\"0.25\"} 0\n"
		"h_bucket{a=\"x\",le=\"0.5\"} 1\n"
		"h_bucket{a=\"x\",le=\"1\"} 1\n"
		"h_bucket{a=\"x\",le=\"2.5\"} 1\n"
		"h_bucket{a=\"x\",le=\"5\"} 1\n"
		"h_bucket{a=\"x\",le=\"10\"} 1\n"
		"h_bucket{a=\"x\",le=\"+Inf\"} 1\n"
		"h_sum{a=\"x\"} 0.3\n"
		"h_count{a=\"x\"} 1\n");
	free(out);
	prom_free(&r);
	buf_free(&err);
}
END_TEST

START_TEST(test_semantics_and_order)
{
	struct prom_reg r;
	struct buf err = BUF_INIT;
	prom_init(&r);
	struct prom_fam *g = fam(&r, "b_gauge", PROM_GAUGE);
	struct prom_fam *c = fam(&r, "a_total", PROM_COUNTER);
	struct prom_fam *s = fam(&r, "c_seconds", PROM_SUMMARY);
	struct prom_label l1[] = { L("z", "1"), L("a", "2") };
	struct prom_label l2[] = { L("a", "2"), L("z", "1"), L("e", "") }; /* same series */
	struct prom_label l3[] = { L("a", "1") };
	ck_assert(prom_update(&r, c, l1, 2, 2, &err));
	ck_assert(prom_update(&r, c, l2, 3, 3, &err));
	ck_assert(prom_update(&r, c, l3, 1, 1, &err));
	ck_assert(!prom_update(&r, c, l3, 1, -1, &err)); /* counters do not go down */
	ck_assert(prom_update(&r, g, NULL, 0, 5, &err));
	ck_assert(prom_update(&r, g, NULL, 0, -1.5, &err));
	ck_assert(prom_update(&r, s, NULL, 0, 2, &err));
	ck_assert(prom_update(&r, s, NULL, 0, 0.5, &err));
	struct prom_label q = L("quantile", "0.5");
	ck_assert(!prom_update(&r, s, &q, 1, 1, &err));
	struct prom_label dup[] = { L("a", "1"), L("a", "2") };
	buf_reset(&err);
	ck_assert(!prom_update(&r, g, dup, 2, 1, &err));
	ck_assert_str_eq(err.p, "label a given twice");
	char *out = render(&r);
	ck_assert_str_eq(out,
		"# HELP a_total a_total counter.\n"
		"# TYPE a_total counter\n"
		"a_total{a=\"1\"} 1\n"
		"a_total{a=\"2\",z=\"1\"} 5\n"
		"# HELP b_gauge b_gauge gauge.\n"
		"# TYPE b_gauge gauge\n"
		"b_gauge -1.5\n"
		"# HELP c_seconds c_seconds summary.\n"
		"# TYPE c_seconds summary\n"
		"c_seconds_sum 2.5\n"
		"c_seconds_count 2\n");
	free(out);
	prom_free(&r);
	buf_free(&err);
}
END_TEST

START_TEST(test_family_errors)
{
	struct prom_reg r;
	struct buf err = BUF_INIT;
	prom_init(&r);
	fam(&r, "x", PROM_GAUGE);
	ck_assert_ptr_null(prom_family(&r, "x", 1, PROM_COUNTER, NULL, 0, NULL, 0, &err));
	ck_assert_str_eq(err.p, "metric x is a gauge, not a counter");
	buf_reset(&err);
	ck_assert_ptr_null(prom_family(&r, "a-b", 3, PROM_GAUGE, NULL, 0, NULL, 0, &err));
	ck_assert_str_eq(err.p, "invalid metric name \"a-b\" (expected [a-zA-Z_:][a-zA-Z0-9_:]*)");
	/* a histogram's _bucket, _sum, _count series collide with other families */
	fam(&r, "h", PROM_HISTOGRAM);
	buf_reset(&err);
	ck_assert_ptr_null(prom_family(&r, "h_bucket", 8, PROM_GAUGE, NULL, 0, NULL, 0, &err));
	ck_assert_str_eq(err.p, "metric h_bucket (gauge) collides with the series of metric h");
	fam(&r, "y_count", PROM_COUNTER);
	buf_reset(&err);
	ck_assert_ptr_null(prom_family(&r, "y", 1, PROM_SUMMARY, NULL, 0, NULL, 0, &err));
	ck_assert_str_eq(err.p, "metric y (summary) collides with the series of metric y_count");
	fam(&r, "s", PROM_SUMMARY);
	fam(&r, "s_bucket", PROM_GAUGE); /* a summary has no buckets */
	struct prom_label bad = L("__x", "1");
	buf_reset(&err);
	ck_assert(!prom_update(&r, prom_family(&r, "x", 1, PROM_GAUGE, NULL, 0, NULL, 0, &err),
		&bad, 1, 1, &err));
	ck_assert_str_eq(err.p, "invalid label name \"__x\" (expected [a-zA-Z_][a-zA-Z0-9_]*, "
		"not starting with __)");
	prom_free(&r);
	buf_free(&err);
}
END_TEST

START_TEST(test_max_series)
{
	struct prom_reg r;
	struct buf err = BUF_INIT;
	prom_init(&r);
	r.max_series = 2;
	struct prom_fam *f = fam(&r, "g", PROM_GAUGE);
	struct prom_label a = L("k", "a"), b = L("k", "b"), c = L("k", "c");
	ck_assert(prom_update(&r, f, &a, 1, 1, &err));
	ck_assert(prom_update(&r, f, &b, 1, 1, &err));
	ck_assert(!prom_update(&r, f, &c, 1, 1, &err));
	ck_assert_str_eq(err.p, "too many series (limit 2): g{k=\"c\"} not added");
	ck_assert(prom_update(&r, f, &a, 1, 3, &err)); /* existing ones still update */
	prom_free(&r);
	buf_free(&err);
}
END_TEST

START_TEST(test_buckets_parse)
{
	double *le;
	size_t n;
	struct buf err = BUF_INIT;
	ck_assert(prom_parse_buckets("0.1, 1,10,+Inf", &le, &n, &err));
	ck_assert_uint_eq(n, 3);
	ck_assert(le[0] == 0.1 && le[1] == 1 && le[2] == 10);
	free(le);
	ck_assert(!prom_parse_buckets("1,1", &le, &n, &err));
	ck_assert(!prom_parse_buckets("2,1", &le, &n, &err));
	ck_assert(!prom_parse_buckets("a", &le, &n, &err));
	ck_assert(!prom_parse_buckets("1,,2", &le, &n, &err));
	ck_assert(!prom_parse_buckets("+Inf", &le, &n, &err));
	ck_assert(!prom_parse_buckets("1,nan", &le, &n, &err));
	buf_free(&err);
}
END_TEST

START_TEST(test_group_path)
{
	struct buf b = BUF_INIT;
	struct prom_label l[] = { L("instance", "host:9/x"), L("empty", ""), L("sp", "a b%"),
		L("plain", "x-1.y_z~") };
	prom_group_path(&b, "my/job", l, 4);
	/* base64url("my/job") = bXkvam9i, base64url("host:9/x") = aG9zdDo5L3g= */
	ck_assert_str_eq(b.p, "/metrics/job@base64/bXkvam9i/instance@base64/aG9zdDo5L3g="
		"/empty@base64/=/sp/a%20b%25/plain/x-1.y_z~");
	buf_reset(&b);
	prom_base64url(&b, "\xfb\xff\xbf", 3); /* standard: +/+/ */
	ck_assert_str_eq(b.p, "-_-_");
	buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_histogram_math);
	tcase_add_test(tc, test_default_buckets);
	tcase_add_test(tc, test_semantics_and_order);
	tcase_add_test(tc, test_family_errors);
	tcase_add_test(tc, test_max_series);
	tcase_add_test(tc, test_buckets_parse);
	tcase_add_test(tc, test_group_path);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
