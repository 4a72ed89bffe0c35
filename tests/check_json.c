/* Unit tests of the zero-copy JSON views; the differential test against jansson is
   check_jsondiff.c. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static struct json_val V(const char *s)
{
	struct json_val v;
	struct json_err e;
	ck_assert_msg(json_check(s, strlen(s), &v, &e), "invalid test JSON %s: %s", s,
		e.msg ? e.msg : "");
	return v;
}

static void bad(const char *s, size_t n, size_t off, const char *msg)
{
	struct json_val v = { 0 };
	struct json_err e = { 0, NULL };
	ck_assert_msg(!json_check(s, n, &v, &e), "accepted: %.*s", (int)n, s);
	ck_assert_msg(e.off == off, "%.*s: error at %zu, expected %zu (%s)", (int)n, s, e.off, off,
		e.msg);
	ck_assert_msg(!strcmp(e.msg, msg), "%.*s: message '%s', expected '%s'", (int)n, s, e.msg,
		msg);
}
#define BAD(lit, off, msg) bad(lit, sizeof(lit) - 1, off, msg)

START_TEST(check_accepts_and_types)
{
	ck_assert_int_eq(V("null").type, JV_NULL);
	ck_assert_int_eq(V("true").type, JV_TRUE);
	ck_assert_int_eq(V("false").type, JV_FALSE);
	ck_assert_int_eq(V("-1.5e3").type, JV_NUMBER);
	ck_assert_int_eq(V("\"x\"").type, JV_STRING);
	ck_assert_int_eq(V("[]").type, JV_ARRAY);
	ck_assert_int_eq(V("{}").type, JV_OBJECT);
	/* the view excludes surrounding whitespace */
	struct json_val v = V(" \t\r\n[1, 2] \n");
	ck_assert_uint_eq(v.len, 6);
	ck_assert_mem_eq(v.p, "[1, 2]", 6);
	/* out may be NULL */
	struct json_err e;
	ck_assert(json_check("1", 1, NULL, &e));
	ck_assert(!json_check("x", 1, NULL, NULL));
}
END_TEST

START_TEST(check_errors_name_offset_and_reason)
{
	BAD("", 0, "unexpected end of input");
	BAD("   ", 3, "unexpected end of input");
	BAD("{\"a\":1,}", 7, "expected string key");
	BAD("{\"a\" 1}", 5, "expected ':'");
	BAD("{\"a\":1 \"b\":2}", 7, "expected ',' or '}'");
	BAD("[1 2]", 3, "expected ',' or ']'");
	BAD("[1,]", 3, "unexpected character");
	BAD("{\"a\":1}x", 7, "trailing characters after value");
	BAD("1 2", 2, "trailing characters after value");
	BAD("tru", 0, "invalid literal");
	BAD("[nul]", 1, "invalid literal");
	BAD("01", 1, "trailing characters after value");
	BAD("-", 1, "invalid number");
	BAD("1.", 2, "invalid number");
	BAD("1e+", 3, "invalid number");
	BAD("\"abc", 4, "unterminated string");
	BAD("\"0123456789abcdefghij", 21, "unterminated string");
	BAD("\"a\\", 2, "unterminated string");
	BAD("\"\\x\"", 1, "invalid escape in string");
	BAD("\"\\u12\"", 1, "invalid \\u escape");
	BAD("\"\\uD800\"", 1, "lone UTF-16 surrogate in \\u escape");
	BAD("\"\\uDC00\\uD800\"", 1, "lone UTF-16 surrogate in \\u escape");
	BAD("\"ab\\uD83D\\u0041\"", 3, "lone UTF-16 surrogate in \\u escape");
	BAD("\"a\tb\"", 2, "control character in string");
	BAD("\"0123456789abcdef0123\nx\"", 21, "control character in string");
	BAD("\"a\0b\"", 2, "control character in string");
	BAD("\"\xc3\"", 1, "invalid UTF-8");
	BAD("\"0123456789abcdefghij\xff\"", 21, "invalid UTF-8");
	BAD("\xef\xbb\xbf{}", 0, "unexpected character");
	BAD("\0", 0, "unexpected character");
	BAD("{\"a\":1}\0", 7, "trailing characters after value");
}
END_TEST

START_TEST(depth_limit)
{
	char s[2 * JSON_MAX_DEPTH + 4];
	size_t n = 0;
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		s[n++] = '[';
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		s[n++] = ']';
	struct json_err e;
	ck_assert(json_check(s, n, NULL, &e));
	memmove(s + 1, s, n);
	s[0] = '[';
	s[n + 1] = ']';
	ck_assert(!json_check(s, n + 2, NULL, &e));
	ck_assert_str_eq(e.msg, "nesting too deep");
	ck_assert_uint_eq(e.off, JSON_MAX_DEPTH);
}
END_TEST

START_TEST(scan_advances)
{
	const char *s = "  {\"a\":[1]} , 7", *p = s, *end = s + strlen(s);
	struct json_val v;
	struct json_err e;
	ck_assert(json_scan(&p, end, &v, &e, 0));
	ck_assert_int_eq(v.type, JV_OBJECT);
	ck_assert_uint_eq(v.len, 9);
	ck_assert_ptr_eq(p, s + 11);
	/* depth counts against the limit */
	p = "[[]]";
	ck_assert(!json_scan(&p, p + 4, &v, &e, JSON_MAX_DEPTH - 1));
	ck_assert_str_eq(e.msg, "nesting too deep");
	/* json_scan_key: a string exactly at *pp, reporting escapes */
	const char *k = "\"a\\nb\":1";
	bool esc = false;
	p = k;
	ck_assert(json_scan_key(&p, k + strlen(k), &v, &esc, &e));
	ck_assert(esc);
	ck_assert_uint_eq(v.len, 6);
	ck_assert_int_eq(*p, ':');
	esc = false;
	p = "\"plain\"";
	ck_assert(json_scan_key(&p, p + 7, &v, &esc, &e));
	ck_assert(!esc);
	p = " \"x\"";
	ck_assert(!json_scan_key(&p, p + 4, &v, &esc, &e));
	ck_assert_str_eq(e.msg, "expected string key");
}
END_TEST

START_TEST(utf8_validation)
{
	static const struct {
		const char *s;
		size_t n, valid;
	} t[] = {
		{ "", 0, 0 }, { "abc", 3, 3 }, { "\xc3\xa9", 2, 2 }, { "\xe2\x82\xac", 3, 3 },
		{ "\xf0\x9f\x98\x80", 4, 4 }, { "\xf4\x8f\xbf\xbf", 4, 4 }, { "\xef\xbf\xbf", 3, 3 },
		{ "\xed\x9f\xbf", 3, 3 }, { "\xee\x80\x80", 3, 3 }, { "a\0b", 3, 3 },
		/* overlongs */
		{ "\xc0\x80", 2, 0 }, { "\xc1\xbf", 2, 0 }, { "a\xe0\x80\x80", 4, 1 },
		{ "\xe0\x9f\xbf", 3, 0 }, { "\xf0\x80\x80\x80", 4, 0 }, { "\xf0\x8f\xbf\xbf", 4, 0 },
		/* surrogates */
		{ "\xed\xa0\x80", 3, 0 }, { "ab\xed\xbf\xbf", 5, 2 },
		/* beyond U+10FFFF */
		{ "\xf4\x90\x80\x80", 4, 0 }, { "\xf5\x80\x80\x80", 4, 0 }, { "\xf8\x88\x80\x80\x80", 5, 0 },
		{ "\xff", 1, 0 }, { "\xfe", 1, 0 },
		/* truncated and stray */
		{ "\xc3", 1, 0 }, { "x\xe2\x82", 3, 1 }, { "\xf0\x9f\x98", 3, 0 }, { "\x80", 1, 0 },
		{ "\xc3\x28", 2, 0 }, { "\xe2\x28\xa1", 3, 0 }, { "\xc3\xa9\xc3", 3, 2 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_msg(json_utf8_valid(t[i].s, t[i].n) == t[i].valid, "case %zu: %zu", i,
			json_utf8_valid(t[i].s, t[i].n));
}
END_TEST

START_TEST(iterate_and_lookup)
{
	struct json_val o = V("{ \"a\" : 1 , \"b\":[true, {\"c\":\"d\"}], \"a\":\"last\" ,\"e\":{}}");
	struct json_iter it;
	struct json_val k, v;
	const char *want_k[] = { "\"a\"", "\"b\"", "\"a\"", "\"e\"" };
	const char *want_v[] = { "1", "[true, {\"c\":\"d\"}]", "\"last\"", "{}" };
	size_t i = 0;
	json_iter_init(&it, o);
	while (json_obj_next(&it, &k, &v)) {
		ck_assert_uint_lt(i, 4);
		ck_assert_uint_eq(k.len, strlen(want_k[i]));
		ck_assert_mem_eq(k.p, want_k[i], k.len);
		ck_assert_uint_eq(v.len, strlen(want_v[i]));
		ck_assert_mem_eq(v.p, want_v[i], v.len);
		i++;
	}
	ck_assert_uint_eq(i, 4);
	ck_assert_uint_eq(json_len(o), 4);
	/* duplicate keys: the last wins */
	ck_assert(json_obj_get(o, "a", 1, &v));
	ck_assert_int_eq(v.type, JV_STRING);
	ck_assert_mem_eq(v.p, "\"last\"", 6);
	ck_assert(!json_obj_get(o, "c", 1, &v));
	ck_assert(!json_obj_get(o, "", 0, &v));
	ck_assert(json_obj_get(o, "b", 1, &v));
	ck_assert_uint_eq(json_len(v), 2);
	struct json_val e;
	ck_assert(json_arr_at(v, 1, &e));
	ck_assert_int_eq(e.type, JV_OBJECT);
	ck_assert(!json_arr_at(v, 2, &e));
	ck_assert(!json_arr_at(o, 0, &e)); /* not an array */
	ck_assert(!json_obj_get(v, "a", 1, &e)); /* not an object */
	/* keys are compared decoded */
	struct json_val esc = V("{\"\\u0061\\u0062\":1,\"a\\\"b\":2}");
	ck_assert(json_obj_get(esc, "ab", 2, &v));
	ck_assert_mem_eq(v.p, "1", 1);
	ck_assert(json_obj_get(esc, "a\"b", 3, &v));
	ck_assert_mem_eq(v.p, "2", 1);
	/* empty containers */
	json_iter_init(&it, V("[ ]"));
	ck_assert(!json_arr_next(&it, &v));
	json_iter_init(&it, V("{ }"));
	ck_assert(!json_obj_next(&it, &k, &v));
	ck_assert_uint_eq(json_len(V("[]")), 0);
	ck_assert_uint_eq(json_len(V("[[],[1,2],{}]")), 3);
	ck_assert_uint_eq(json_len(V("7")), 0);
	/* element types after whitespace and nesting */
	json_iter_init(&it, V("[ -1 ,\"s,]\" ,[\"]\"], null,false ,true,{\"}\":\"{\"}]"));
	enum json_type types[] = { JV_NUMBER, JV_STRING, JV_ARRAY, JV_NULL, JV_FALSE,
		JV_TRUE, JV_OBJECT };
	for (i = 0; json_arr_next(&it, &v); i++)
		ck_assert_int_eq(v.type, types[i]);
	ck_assert_uint_eq(i, 7);
}
END_TEST

START_TEST(strings_decode)
{
	struct buf sc = BUF_INIT;
	size_t n;
	struct json_val s = V("\"plain\"");
	const char *p = json_str(s, &sc, &n);
	ck_assert_ptr_eq(p, s.p + 1); /* zero copy */
	ck_assert_uint_eq(n, 5);
	s = V("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\\ud83d\\ude00\\u0000z\"");
	p = json_str(s, &sc, &n);
	const char want[] = "a\"b\\c/d\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0z";
	ck_assert_uint_eq(n, sizeof want - 1);
	ck_assert_mem_eq(p, want, n);
	ck_assert_uint_eq(json_len(s), sizeof want - 1);
	/* json_str_append appends */
	struct buf b = BUF_INIT;
	buf_adds(&b, ">");
	json_str_append(&b, V("\"x\\ty\""));
	ck_assert_str_eq(b.p, ">x\ty");
	buf_free(&b);
	/* not a string */
	p = json_str(V("12"), &sc, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(p, "");
	buf_free(&sc);
}
END_TEST

START_TEST(string_equality)
{
	ck_assert(json_str_eq(V("\"abc\""), "abc", 3));
	ck_assert(!json_str_eq(V("\"abc\""), "ab", 2));
	ck_assert(!json_str_eq(V("\"ab\""), "abc", 3));
	ck_assert(json_str_eq(V("\"\""), "", 0));
	ck_assert(json_str_eq(V("\"a\\u0062c\""), "abc", 3));
	ck_assert(json_str_eq(V("\"\\u00e9\""), "\xc3\xa9", 2));
	ck_assert(json_str_eq(V("\"a\\\\b\""), "a\\b", 3));
	ck_assert(json_str_eq(V("\"\\u0000\""), "\0", 1));
	/* raw text that happens to equal s is not a match when it holds an escape */
	ck_assert(!json_str_eq(V("\"a\\nb\""), "a\\nb", 4));
	ck_assert(json_str_eq(V("\"a\\nb\""), "a\nb", 3));
	ck_assert(!json_str_eq(V("\"\\u0041\""), "\\u0041", 6));
	ck_assert(!json_str_eq(V("1"), "1", 1));
	ck_assert(!json_str_eq(V("null"), "null", 4));
}
END_TEST

START_TEST(numbers)
{
	static const struct {
		const char *s;
		bool ok;
		int64_t v;
	} t[] = {
		{ "0", true, 0 }, { "-0", true, 0 }, { "42", true, 42 }, { "-42", true, -42 },
		{ "1.0", true, 1 }, { "1e2", true, 100 }, { "1E+2", true, 100 }, { "-2.5e1", true, -25 },
		{ "1.5", false, 0 }, { "1e-2", false, 0 }, { "0.1", false, 0 },
		{ "9223372036854775807", true, INT64_MAX }, { "-9223372036854775808", true, INT64_MIN },
		{ "9223372036854775808", false, 0 }, { "-9223372036854775809", false, 0 },
		{ "18446744073709551616", false, 0 }, { "1e19", false, 0 }, { "-1e19", false, 0 },
		{ "1e400", false, 0 }, { "123456789012", true, 123456789012LL },
		{ "1.7e15", true, 1700000000000000LL },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t v = -7;
		ck_assert_msg(json_num_i64(V(t[i].s), &v) == t[i].ok, "%s", t[i].s);
		if (t[i].ok)
			ck_assert_msg(v == t[i].v, "%s: %lld", t[i].s, (long long)v);
	}
	int64_t iv;
	ck_assert(!json_num_i64(V("\"1\""), &iv));
	double d;
	ck_assert(json_num_f64(V("0.1"), &d));
	ck_assert(d == 0.1);
	ck_assert(json_num_f64(V("-1.5e-3"), &d) && d == -1.5e-3);
	ck_assert(json_num_f64(V("1e400"), &d) && isinf(d) && d > 0);
	ck_assert(json_num_f64(V("1e-400"), &d) && d == 0);
	ck_assert(json_num_f64(V("9007199254740993"), &d) && d == 9007199254740992.0);
	ck_assert(!json_num_f64(V("true"), &d));
	/* a very long number (the text is copied to the heap for strtod) */
	char big[200] = "1.";
	memset(big + 2, '5', 150);
	big[152] = 0;
	ck_assert(json_num_f64(V(big), &d));
	ck_assert(fabs(d - 1.5555555555555556) < 1e-15);
}
END_TEST

START_TEST(equality)
{
	ck_assert(json_val_equal(V("{\"a\":1,\"a\":2}"), V("{\"a\":2}")));
	ck_assert(json_val_equal(V("{\"a\":2}"), V("{\"a\":1,\"a\":2}")));
	ck_assert(!json_val_equal(V("{\"a\":1,\"a\":2}"), V("{\"a\":1}")));
	ck_assert(json_val_equal(V("{\"a\":1,\"b\":[1,{\"c\":null}]}"),
		V("{ \"b\" : [ 1 , { \"c\" : null } ] , \"a\" : 1 }")));
	ck_assert(!json_val_equal(V("{\"a\":1,\"b\":2}"), V("{\"a\":1}")));
	ck_assert(!json_val_equal(V("{\"a\":1}"), V("{\"a\":1,\"b\":2}")));
	ck_assert(!json_val_equal(V("{\"a\":1}"), V("{\"b\":1}")));
	ck_assert(json_val_equal(V("{\"a\":1,\"b\":2,\"a\":3}"), V("{\"b\":2,\"a\":3}")));
	ck_assert(json_val_equal(V("{\"a\":1,\"b\":2,\"a\":3}"), V("{\"a\":3,\"b\":0,\"b\":2}")));
	ck_assert(json_val_equal(V("{\"\\u0061\":1}"), V("{\"a\":1}")));
	ck_assert(json_val_equal(V("{}"), V("{ }")));
	ck_assert(json_val_equal(V("[1,2]"), V("[ 1, 2 ]")));
	ck_assert(!json_val_equal(V("[1,2]"), V("[2,1]")));
	ck_assert(!json_val_equal(V("[1]"), V("[1,1]")));
	ck_assert(json_val_equal(V("1"), V("1.0")));
	ck_assert(json_val_equal(V("100"), V("1e2")));
	ck_assert(json_val_equal(V("0"), V("-0")));
	ck_assert(!json_val_equal(V("1"), V("\"1\"")));
	ck_assert(json_val_equal(V("\"\\u00e9\""), V("\"\xc3\xa9\"")));
	ck_assert(!json_val_equal(V("\"a\""), V("\"a \"")));
	ck_assert(!json_val_equal(V("true"), V("false")));
	ck_assert(!json_val_equal(V("null"), V("false")));
	ck_assert(json_val_equal(V("null"), V("null")));
	struct json_val none = { NULL, 0, JV_NONE };
	ck_assert(json_val_equal(none, none));
	ck_assert(!json_val_equal(none, V("null")));
}
END_TEST

static int cmp_vals(const void *a, const void *b)
{
	return json_val_compare(*(const struct json_val *)a, *(const struct json_val *)b);
}

START_TEST(ordering_is_jq)
{
	/* jq -c 'sort' on these values gives the order in `want` */
	const char *in = "[{\"b\":1},{\"a\":2},{\"a\":1,\"b\":1},{\"a\":1},{\"a\":[1]},{\"a\":null},{},"
			 "[1,2],[1],[],[0,5],[[]],\"b\",\"a\",\"ab\",\"\",\"\xc3\xa9\",\"z\",2,1.5,-1,1e100,"
			 "true,false,null,{\"a\":1,\"a\":0},[{\"a\":1}],[{\"a\":0,\"b\":0}],"
			 "{\"b\":0,\"c\":0},{\"a\":5,\"c\":0}]";
	const char *want[] = { "null", "false", "true", "-1", "1.5", "2", "1e100", "\"\"",
		"\"a\"", "\"ab\"", "\"b\"", "\"z\"", "\"\xc3\xa9\"", "[]", "[0,5]", "[1]", "[1,2]", "[[]]",
		"[{\"a\":1}]", "[{\"a\":0,\"b\":0}]", "{}", "{\"a\":null}", "{\"a\":1,\"a\":0}",
		"{\"a\":1}", "{\"a\":2}", "{\"a\":[1]}", "{\"a\":1,\"b\":1}", "{\"a\":5,\"c\":0}",
		"{\"b\":1}", "{\"b\":0,\"c\":0}" };
	struct json_val arr = V(in), vals[64], e;
	struct json_iter it;
	size_t n = 0;
	json_iter_init(&it, arr);
	while (json_arr_next(&it, &e))
		vals[n++] = e;
	ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
	qsort(vals, n, sizeof vals[0], cmp_vals);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(vals[i].len == strlen(want[i]) && !memcmp(vals[i].p, want[i], vals[i].len),
			"position %zu: %.*s, expected %s", i, (int)vals[i].len, vals[i].p, want[i]);
	/* a total order: antisymmetric and consistent with equality */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c = json_val_compare(vals[i], vals[j]);
			ck_assert_int_eq(c, -json_val_compare(vals[j], vals[i]));
			ck_assert_int_eq(c == 0, i == j);
			ck_assert_int_eq(c == 0, json_val_equal(vals[i], vals[j]));
			ck_assert_int_eq(c, i < j ? -1 : i > j ? 1 : 0);
		}
	/* equal objects written differently compare equal */
	ck_assert_int_eq(json_val_compare(V("{\"a\":1,\"b\":2}"), V("{\"b\":2,\"a\":1}")), 0);
	ck_assert_int_eq(json_val_compare(V("{\"a\":0,\"a\":2}"), V("{\"a\":2}")), 0);
	ck_assert_int_eq(json_val_compare(V("{\"a\":1}"), V("{\"a\":1,\"a\":2}")), -1);
	/* strings by code point: U+FFFF < U+10000 in UTF-8 byte order too */
	ck_assert_int_eq(json_val_compare(V("\"\\uffff\""), V("\"\\ud800\\udc00\"")), -1);
	ck_assert_int_eq(json_val_compare(V("\"a\\u0000\""), V("\"a\"")), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, check_accepts_and_types);
	tcase_add_test(tc, check_errors_name_offset_and_reason);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, scan_advances);
	tcase_add_test(tc, utf8_validation);
	tcase_add_test(tc, iterate_and_lookup);
	tcase_add_test(tc, strings_decode);
	tcase_add_test(tc, string_equality);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, equality);
	tcase_add_test(tc, ordering_is_jq);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
