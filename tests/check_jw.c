#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jw.h"

/* Random rounds: fewer in sanitizer builds (-O0 with ASan runs several times slower). */
#if defined(__SANITIZE_ADDRESS__)
#define ROUNDS 40000
#else
#define ROUNDS 200000
#endif

/* jw_str output must be one valid JSON string; returns its decoding in dec. */
static void decode_str(const struct buf *b, struct buf *dec)
{
	struct json_val v;
	struct json_err e;
	ck_assert_msg(json_check(b->p, b->len, &v, &e), "invalid JSON %s: %s", b->p, e.msg);
	ck_assert_int_eq(v.type, JV_STRING);
	ck_assert_uint_eq(json_utf8_valid(b->p, b->len), b->len);
	buf_reset(dec);
	json_str_append(dec, v);
}

START_TEST(str_escapes)
{
	struct buf b = BUF_INIT;
	jw_str(&b, "a\"b\\c/d\b\f\n\r\t\x01\x1f\x7f", 15);
	ck_assert_str_eq(b.p, "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
	buf_reset(&b);
	jw_str(&b, "x\0y", 3);
	ck_assert_str_eq(b.p, "\"x\\u0000y\"");
	buf_reset(&b);
	jw_strz(&b, "");
	ck_assert_str_eq(b.p, "\"\"");
	buf_reset(&b);
	/* valid UTF-8 stays as it is */
	jw_strz(&b, "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf");
	ck_assert_str_eq(b.p, "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf\"");
	buf_free(&b);
}
END_TEST

#define FFFD "\xef\xbf\xbd"

START_TEST(str_replaces_invalid_utf8)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} t[] = {
		{ "\xff", 1, FFFD }, { "a\x80z", 3, "a" FFFD "z" }, { "\xc3", 1, FFFD },
		{ "\xc3(", 2, FFFD "(" }, { "\xc0\x80", 2, FFFD FFFD }, { "\xc1\xbf", 2, FFFD FFFD },
		{ "\xe0\x80\xaf", 3, FFFD FFFD FFFD }, { "\xed\xa0\x80", 3, FFFD FFFD FFFD },
		{ "\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD }, { "\xf8\x88\x80\x80\x80", 5,
			FFFD FFFD FFFD FFFD FFFD }, { "\xe2\x82", 2, FFFD FFFD },
		{ "\xf0\x9f\x98", 3, FFFD FFFD FFFD }, { "\xe2\x82\xac\xe2\x82", 5, "\xe2\x82\xac" FFFD FFFD },
		{ "ok\xc3\xa9\xff\"", 6, "ok\xc3\xa9" FFFD "\\\"" },
	};
	struct buf b = BUF_INIT, want = BUF_INIT;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		buf_reset(&b);
		jw_str(&b, t[i].in, t[i].n);
		buf_reset(&want);
		buf_addc(&want, '"');
		buf_adds(&want, t[i].out);
		buf_addc(&want, '"');
		ck_assert_msg(!strcmp(b.p, want.p), "case %zu: %s", i, b.p);
	}
	buf_free(&b);
	buf_free(&want);
}
END_TEST

static uint64_t seed = 88172645463325252ULL;
static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

START_TEST(str_always_valid_json)
{
	struct buf b = BUF_INIT, dec = BUF_INIT;
	char in[64];
	/* every single byte */
	for (int c = 0; c < 256; c++) {
		in[0] = (char)c;
		buf_reset(&b);
		jw_str(&b, in, 1);
		decode_str(&b, &dec);
		if (c < 0x80)
			ck_assert(dec.len == 1 && dec.p[0] == (char)c);
		else
			ck_assert_str_eq(dec.p, FFFD);
	}
	/* random bytes: valid output; valid UTF-8 input comes back unchanged */
	for (int i = 0; i < ROUNDS; i++) {
		size_t n = rnd() % sizeof in;
		for (size_t k = 0; k < n; k++) {
			uint64_t r = rnd();
			in[k] = (char)(r % 4 ? (r >> 8) % 0x80 : (r >> 8) % 256);
		}
		buf_reset(&b);
		jw_str(&b, in, n);
		decode_str(&b, &dec);
		if (json_utf8_valid(in, n) == n)
			ck_assert(dec.len == n && !memcmp(dec.p, in, n));
		else
			ck_assert(strstr(dec.p, FFFD) || memchr(dec.p, 0, dec.len));
	}
	buf_free(&b);
	buf_free(&dec);
}
END_TEST

START_TEST(keys_and_separators)
{
	struct buf b = BUF_INIT;
	struct json_val key;
	const char *line = "{\"raw\\u0041\":1}";
	ck_assert(json_check(line + 1, 11, &key, NULL));
	buf_addc(&b, '{');
	jw_keyz(&b, "a");
	jw_i64(&b, 1);
	jw_key(&b, "b\"c", 3);
	buf_addc(&b, '[');
	jw_sep(&b);
	jw_null(&b);
	jw_sep(&b);
	jw_bool(&b, true);
	jw_sep(&b);
	jw_bool(&b, false);
	jw_sep(&b);
	buf_addc(&b, '{');
	buf_addc(&b, '}');
	jw_sep(&b);
	buf_addc(&b, '[');
	buf_addc(&b, ']');
	buf_addc(&b, ']');
	jw_key_raw(&b, key);
	jw_strz(&b, "v");
	jw_keyz(&b, "o");
	buf_addc(&b, '{');
	jw_keyz(&b, "x");
	jw_f64(&b, 0.5);
	buf_addc(&b, '}');
	buf_addc(&b, '}');
	ck_assert_str_eq(b.p, "{\"a\":1,\"b\\\"c\":[null,true,false,{},[]],\"raw\\u0041\":\"v\","
			      "\"o\":{\"x\":0.5}}");
	ck_assert(json_check(b.p, b.len, NULL, NULL));
	/* at the very start no comma */
	buf_reset(&b);
	jw_sep(&b);
	jw_keyz(&b, "k");
	ck_assert_str_eq(b.p, "\"k\":");
	buf_free(&b);
}
END_TEST

START_TEST(integers)
{
	struct buf b = BUF_INIT;
	int64_t v[] = { 0, 1, -1, 9, 10, -10, 1234567890123LL, INT64_MAX, INT64_MIN };
	const char *s[] = { "0", "1", "-1", "9", "10", "-10", "1234567890123",
		"9223372036854775807", "-9223372036854775808" };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		buf_reset(&b);
		jw_i64(&b, v[i]);
		ck_assert_str_eq(b.p, s[i]);
	}
	buf_free(&b);
}
END_TEST

static void f64_is(double d, const char *want)
{
	struct buf b = BUF_INIT;
	jw_f64(&b, d);
	ck_assert_msg(!strcmp(b.p, want), "%.17g: got %s, expected %s", d, b.p, want);
	buf_free(&b);
}

START_TEST(doubles_fixed)
{
	f64_is(0, "0");
	f64_is(-0.0, "-0");
	f64_is(1, "1");
	f64_is(-3, "-3");
	f64_is(0.1, "0.1");
	f64_is(1.5, "1.5");
	f64_is(-2.25, "-2.25");
	f64_is(1.0 / 3, "0.3333333333333333");
	f64_is(0.1 + 0.2, "0.30000000000000004");
	f64_is(100, "100");
	f64_is(1e15 - 1, "999999999999999");
	f64_is(1e21, "1e+21");
	f64_is(1e-7, "1e-07");
	f64_is(5e-324, "5e-324");
	f64_is(-2.5e-320, "-2.5e-320");
	f64_is(DBL_MAX, "1.7976931348623157e+308");
	f64_is(123456.789, "123456.789");
	f64_is(NAN, "null");
	f64_is(INFINITY, "null");
	f64_is(-INFINITY, "null");
}
END_TEST

/* Significant digits of a number's text: no leading or trailing zeros. */
static int sig_digits(const char *s)
{
	char d[400];
	int n = 0;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9' && (n || *s != '0'))
			d[n++] = *s;
	while (n > 0 && d[n - 1] == '0')
		n--;
	return n;
}

START_TEST(doubles_round_trip_shortest)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < ROUNDS; i++) {
		double d;
		uint64_t bits = rnd();
		if (i % 3 == 0) {
			memcpy(&d, &bits, sizeof d);
			if (!isfinite(d))
				continue;
		} else if (i % 3 == 1) {
			d = (double)(int64_t)(bits % 2000000) / 1000.0; /* typical metric values */
		} else {
			d = (double)(bits >> 11) * 0x1p-53 * pow(10, (double)(int)(bits % 40) - 20);
		}
		buf_reset(&b);
		jw_f64(&b, d);
		struct json_val v;
		ck_assert_msg(json_check(b.p, b.len, &v, NULL) && v.type == JV_NUMBER,
			"%.17g wrote %s", d, b.p);
		double back = strtod(b.p, NULL);
		ck_assert_msg(back == d && signbit(back) == signbit(d), "%.17g wrote %s", d, b.p);
		/* no shorter decimal reads back the same */
		int digits = sig_digits(b.p);
		if (digits > 1) {
			char t[400];
			snprintf(t, sizeof t, "%.*g", digits - 1, d);
			ck_assert_msg(strtod(t, NULL) != d, "%.17g: %s is shorter than %s", d, t, b.p);
		}
	}
	buf_free(&b);
}
END_TEST

START_TEST(times)
{
	struct buf b = BUF_INIT;
	jw_time(&b, 0);
	ck_assert_str_eq(b.p, "\"1970-01-01T00:00:00.000Z\"");
	buf_reset(&b);
	jw_time(&b, -1);
	ck_assert_str_eq(b.p, "\"1969-12-31T23:59:59.999Z\"");
	buf_reset(&b);
	jw_time(&b, 1795515330123LL);
	ck_assert_str_eq(b.p, "\"2026-11-24T10:15:30.123Z\"");
	buf_free(&b);
}
END_TEST

START_TEST(copy_values_compactly)
{
	struct buf b = BUF_INIT;
	const char *in = " { \"a b\" : [ 1 , \"x , y\" , { } ] ,\n\t\"c\\\" d\" : \"e\\\\\" , \"f\":\r\n null } ";
	struct json_val v;
	ck_assert(json_check(in, strlen(in), &v, NULL));
	jw_val(&b, v);
	ck_assert_str_eq(b.p, "{\"a b\":[1,\"x , y\",{}],\"c\\\" d\":\"e\\\\\",\"f\":null}");
	buf_reset(&b);
	ck_assert(json_check(" \"s  p\" ", 8, &v, NULL));
	jw_val(&b, v);
	ck_assert_str_eq(b.p, "\"s  p\"");
	buf_reset(&b);
	ck_assert(json_check("-1.5e3", 6, &v, NULL));
	jw_val(&b, v);
	ck_assert_str_eq(b.p, "-1.5e3");
	buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jw");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, str_escapes);
	tcase_add_test(tc, str_replaces_invalid_utf8);
	tcase_add_test(tc, str_always_valid_json);
	tcase_add_test(tc, keys_and_separators);
	tcase_add_test(tc, integers);
	tcase_add_test(tc, doubles_fixed);
	tcase_add_test(tc, doubles_round_trip_shortest);
	tcase_add_test(tc, times);
	tcase_add_test(tc, copy_values_compactly);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
