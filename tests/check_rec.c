#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"

#define SEED "{\"event_id\":\"5e0c4a7e-8f4f-4a51-9a55-0c1b2f0e6b1d\",\"user_id\":\"user_123\"," \
	"\"event_type\":\"page_view\",\"timestamp\":\"2026-11-24T10:15:30.123Z\"," \
	"\"properties\":{\"page\":\"/home\",\"device\":\"mobile\"}}"

static bool field_is(const struct rec *r, const char *name, const char *raw)
{
	struct json_val v;
	if (!rec_field(r, name, strlen(name), &v))
		return raw == NULL;
	return raw && v.len == strlen(raw) && !memcmp(v.p, raw, v.len);
}

START_TEST(seed_event)
{
	struct rec r;
	struct buf why = BUF_INIT;
	static const char line[] = SEED;
	rec_init(&r);
	ck_assert(rec_parse(&r, line, strlen(line), &why));
	ck_assert_uint_eq(r.nf, 5);
	ck_assert_ptr_eq(r.obj.p, line);
	ck_assert_uint_eq(r.obj.len, strlen(SEED));
	ck_assert(field_is(&r, "user_id", "\"user_123\""));
	ck_assert(field_is(&r, "timestamp", "\"2026-11-24T10:15:30.123Z\""));
	ck_assert(field_is(&r, "missing", NULL));
	ck_assert(field_is(&r, "user", NULL));
	ck_assert_int_eq(rec_index(&r, "event_type", 10), 2);
	ck_assert_int_eq(rec_index(&r, "properties", 10), 4);
	ck_assert_int_eq(rec_index(&r, "nope", 4), -1);
	/* views point into the line: zero copy */
	struct json_val v;
	ck_assert(rec_field(&r, "event_id", 8, &v));
	ck_assert(v.p > line && v.p < line + strlen(line));
	ck_assert_mem_eq(r.f[1].key.p, "\"user_id\"", 9);
	/* paths */
	struct path p;
	const char *err;
	ck_assert(path_parse(&p, "properties.device", &err));
	ck_assert(rec_get(&r, &p, &v));
	ck_assert_mem_eq(v.p, "\"mobile\"", 8);
	path_free(&p);
	ck_assert(path_parse(&p, ".properties.nope", &err));
	ck_assert(!rec_get(&r, &p, &v));
	path_free(&p);
	ck_assert(path_parse(&p, "user_id.x", &err));
	ck_assert(!rec_get(&r, &p, &v));
	path_free(&p);
	ck_assert(path_parse(&p, "[0]", &err));
	ck_assert(!rec_get(&r, &p, &v));
	path_free(&p);
	buf_free(&why);
	rec_free(&r);
}
END_TEST

START_TEST(duplicates_and_escaped_keys)
{
	struct rec r;
	rec_init(&r);
	const char *l = "{\"a\":1,\"b\":2,\"a\":3}";
	ck_assert(rec_parse(&r, l, strlen(l), NULL));
	ck_assert_uint_eq(r.nf, 3);
	ck_assert(field_is(&r, "a", "3"));
	ck_assert_int_eq(rec_index(&r, "a", 1), 2);
	/* a key spelled with escapes matches its decoded name */
	l = "{\"us\\u0065r\":\"x\",\"n\\\"q\":1,\"t\\tab\":2,\"user\":\"y\"}";
	ck_assert(rec_parse(&r, l, strlen(l), NULL));
	ck_assert(r.key_esc);
	ck_assert(field_is(&r, "user", "\"y\""));
	ck_assert(field_is(&r, "n\"q", "1"));
	ck_assert(field_is(&r, "t\tab", "2"));
	ck_assert(field_is(&r, "t\\tab", NULL));
	l = "{\"us\\u0065r\":\"x\"}";
	ck_assert(rec_parse(&r, l, strlen(l), NULL));
	ck_assert(field_is(&r, "user", "\"x\""));
	ck_assert(field_is(&r, "us\\u0065r", NULL));
	/* the escape flag does not leak into the next line */
	l = "{\"a\\\\b\":1}";
	ck_assert(rec_parse(&r, l, strlen(l), NULL));
	ck_assert(field_is(&r, "a\\b", "1"));
	l = "{\"a\\\\b\":1}";
	ck_assert(rec_parse(&r, "{\"x\":1}", 7, NULL));
	ck_assert(!r.key_esc);
	ck_assert(field_is(&r, "a\\b", NULL));
	/* many members grow the index */
	struct buf big = BUF_INIT;
	buf_addc(&big, '{');
	for (int i = 0; i < 1000; i++)
		buf_printf(&big, "%s\"k%d\":%d", i ? "," : "", i, i);
	buf_addc(&big, '}');
	ck_assert(rec_parse(&r, big.p, big.len, NULL));
	ck_assert_uint_eq(r.nf, 1000);
	ck_assert(field_is(&r, "k999", "999"));
	ck_assert(field_is(&r, "k0", "0"));
	buf_free(&big);
	rec_free(&r);
}
END_TEST

static void rejects(const char *l, size_t n, const char *reason)
{
	struct rec r;
	struct buf why = BUF_INIT;
	rec_init(&r);
	ck_assert_msg(!rec_parse(&r, l, n, &why), "accepted %.*s", (int)n, l);
	ck_assert_msg(!strcmp(why.p, reason), "%.*s: reason '%s', expected '%s'", (int)n, l, why.p,
		reason);
	buf_free(&why);
	rec_free(&r);
}
#define REJ(lit, reason) rejects(lit, sizeof(lit) - 1, reason)

START_TEST(bad_lines_name_column)
{
	REJ("", "invalid JSON at column 1: empty line");
	REJ("  \t", "invalid JSON at column 4: empty line");
	REJ("[1,2]", "not a JSON object (got an array)");
	REJ("\"s\"", "not a JSON object (got a string)");
	REJ("12", "not a JSON object (got a number)");
	REJ("null", "not a JSON object (got null)");
	REJ("true", "not a JSON object (got a boolean)");
	REJ("[1,", "invalid JSON at column 4: unexpected end of input");
	REJ("{", "invalid JSON at column 2: expected string key");
	REJ("{\"a\":1", "invalid JSON at column 7: unexpected end of input");
	REJ("{\"a\":1,}", "invalid JSON at column 8: expected string key");
	REJ("{\"a\" 1}", "invalid JSON at column 6: expected ':'");
	REJ("{\"a\":}", "invalid JSON at column 6: unexpected character");
	REJ("{\"a\":1 \"b\":2}", "invalid JSON at column 8: expected ',' or '}'");
	REJ("{\"a\":1}}", "invalid JSON at column 8: trailing characters after object");
	REJ("{\"a\":1} {}", "invalid JSON at column 9: trailing characters after object");
	REJ("{\"a\":\"x\xff\"}", "invalid JSON at column 8: invalid UTF-8");
	REJ("{\"a\xc0\x80\":1}", "invalid JSON at column 4: invalid UTF-8");
	REJ("{\"a\":\"\xed\xa0\x80\"}", "invalid JSON at column 7: invalid UTF-8");
	REJ("{\"a\":\"\\uDC00\"}", "invalid JSON at column 7: lone UTF-16 surrogate in \\u escape");
	REJ("{\"a\":[1,{\"b\":tru}]}", "invalid JSON at column 14: invalid literal");
	REJ("{\"a\":\"0123456789abcdefghij\x01\"}",
		"invalid JSON at column 27: control character in string");
	REJ("{\"a\":\"unterminated}", "invalid JSON at column 20: unterminated string");
	REJ("{\"a\":1}\0", "invalid JSON at column 8: trailing characters after object");
	REJ("{\"a\":\"x\0y\"}", "invalid JSON at column 8: control character in string");
	REJ("\0", "invalid JSON at column 1: unexpected character");
	REJ("\xef\xbb\xbf{}", "invalid JSON at column 1: unexpected character");
	REJ("{'a':1}", "invalid JSON at column 2: expected string key");
}
END_TEST

START_TEST(whitespace_and_reuse)
{
	struct rec r;
	rec_init(&r);
	const char *l = " \t{ \"a\" : 1 ,\t\"b\" :\"x\" } \r";
	ck_assert(rec_parse(&r, l, strlen(l), NULL));
	ck_assert_uint_eq(r.nf, 2);
	ck_assert(field_is(&r, "b", "\"x\""));
	ck_assert_uint_eq(r.obj.len, strlen("{ \"a\" : 1 ,\t\"b\" :\"x\" }"));
	ck_assert(rec_parse(&r, "{}", 2, NULL));
	ck_assert_uint_eq(r.nf, 0);
	ck_assert(field_is(&r, "a", NULL));
	/* a failed parse leaves no stale members visible through rec_field */
	ck_assert(!rec_parse(&r, "{\"a\":1,\"b\":}", 12, NULL));
	ck_assert(rec_parse(&r, "{ }", 3, NULL));
	ck_assert(field_is(&r, "a", NULL));
	/* a reason buffer is optional */
	ck_assert(!rec_parse(&r, "x", 1, NULL));
	rec_free(&r);
	rec_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rec");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, seed_event);
	tcase_add_test(tc, duplicates_and_escaped_keys);
	tcase_add_test(tc, bad_lines_name_column);
	tcase_add_test(tc, whitespace_and_reuse);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
