#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "kenv.h"

static struct kenv_msg msg(const char *val, size_t vlen)
{
	struct kenv_msg m = {
		.topic = "events", .partition = 3, .offset = 1234, .ts = 1795774530123LL,
		.ts_type = KENV_TS_CREATE, .key = "u1", .klen = 2, .val = val, .vlen = vlen,
	};
	return m;
}

static void env_eq(const struct kenv_msg *m, const char *want)
{
	struct buf b = BUF_INIT;
	kenv_write(&b, m);
	ck_assert_str_eq(b.p, want);
	json_error_t e;
	json_t *j = json_loadb(b.p, b.len, JSON_ALLOW_NUL, &e); /* the oracle: it must be valid JSON */
	ck_assert_msg(j != NULL, "invalid JSON: %s", e.text);
	json_decref(j);
	buf_free(&b);
}

#define HEAD "{\"topic\":\"events\",\"partition\":3,\"offset\":1234,\"ts\":\"2026-11-27T10:15:30.123Z\"," \
	"\"ts_type\":\"create\",\"key\":"

START_TEST(test_json_value_verbatim)
{
	const char *v = "{\"a\": [1, 2.50, \"\\u00e9\"],\"b\":null}";
	struct kenv_msg m = msg(v, strlen(v));
	env_eq(&m, HEAD "\"u1\",\"key_encoding\":\"text\",\"headers\":{},\"value\":"
		"{\"a\": [1, 2.50, \"\\u00e9\"],\"b\":null}}");
	m.key = "42";
	env_eq(&m, HEAD "42,\"headers\":{},\"value\":{\"a\": [1, 2.50, \"\\u00e9\"],\"b\":null}}");
}
END_TEST

START_TEST(test_text_binary_null)
{
	struct kenv_msg m = msg("plain \"text\"\twith tab", 21);
	m.key = NULL;
	env_eq(&m, HEAD "null,\"headers\":{},\"value\":\"plain \\\"text\\\"\\twith tab\","
		"\"value_encoding\":\"text\"}");
	m = msg("{\"a\":1}\n", 8); /* a newline makes JSON text */
	m.key = NULL;
	env_eq(&m, HEAD "null,\"headers\":{},\"value\":\"{\\\"a\\\":1}\\n\",\"value_encoding\":\"text\"}");
	m = msg(" 1", 2); /* surrounding whitespace would be lost: text */
	m.key = NULL;
	env_eq(&m, HEAD "null,\"headers\":{},\"value\":\" 1\",\"value_encoding\":\"text\"}");
	m = msg("\xff\x00\x01", 3);
	m.key = "\x80";
	m.klen = 1;
	env_eq(&m, HEAD "\"gA==\",\"key_encoding\":\"base64\",\"headers\":{},\"value\":\"/wAB\","
		"\"value_encoding\":\"base64\"}");
	m = msg(NULL, 0);
	m.key = "";
	m.klen = 0;
	m.ts_type = KENV_TS_NONE;
	env_eq(&m, "{\"topic\":\"events\",\"partition\":3,\"offset\":1234,\"ts\":null,\"ts_type\":\"none\","
		"\"key\":\"\",\"key_encoding\":\"text\",\"headers\":{},\"value\":null}");
	m = msg("", 0);
	m.ts_type = KENV_TS_LOG_APPEND;
	m.key = "\"k\"";
	m.klen = 3;
	env_eq(&m, "{\"topic\":\"events\",\"partition\":3,\"offset\":1234,\"ts\":\"2026-11-27T10:15:30.123Z\","
		"\"ts_type\":\"log_append\",\"key\":\"k\",\"headers\":{},\"value\":\"\",\"value_encoding\":\"text\"}");
	m = msg("nul\0byte", 8);
	m.key = NULL;
	env_eq(&m, HEAD "null,\"headers\":{},\"value\":\"nul\\u0000byte\",\"value_encoding\":\"text\"}");
}
END_TEST

START_TEST(test_headers)
{
	struct kenv_hdr h[] = {
		{ "trace", "abc", 3 },
		{ "n", NULL, 0 },
		{ "bin", "\xfe\xff", 2 },
		{ "trace", "def", 3 },
		{ "e\"q", "", 0 },
		{ "trace", NULL, 0 },
	};
	struct kenv_msg m = msg("1", 1);
	m.hdrs = h;
	m.nhdrs = sizeof h / sizeof h[0];
	env_eq(&m, HEAD "\"u1\",\"key_encoding\":\"text\",\"headers\":{\"trace\":[\"abc\",\"def\",null],"
		"\"n\":null,\"bin\":{\"base64\":\"/v8=\"},\"e\\\"q\":\"\"},\"value\":1}");
}
END_TEST

START_TEST(test_classify)
{
	ck_assert_int_eq(kenv_classify(NULL, 0), KENV_NULL);
	ck_assert_int_eq(kenv_classify("", 0), KENV_TEXT);
	ck_assert_int_eq(kenv_classify("true", 4), KENV_JSON);
	ck_assert_int_eq(kenv_classify("\"s\"", 3), KENV_JSON);
	ck_assert_int_eq(kenv_classify("[1,\r2]", 6), KENV_TEXT);
	ck_assert_int_eq(kenv_classify("1 ", 2), KENV_TEXT);
	ck_assert_int_eq(kenv_classify("{\"a\":1", 6), KENV_TEXT);
	ck_assert_int_eq(kenv_classify("\"\xc3\x28\"", 4), KENV_BASE64);
	ck_assert_str_eq(kenv_enc_name(KENV_TEXT), "text");
	ck_assert_str_eq(kenv_enc_name(KENV_BASE64), "base64");
	ck_assert_ptr_null(kenv_enc_name(KENV_JSON));
}
END_TEST

START_TEST(test_meta)
{
	struct kenv_msg m = msg("{}", 2);
	struct buf b = BUF_INIT;
	kenv_meta(&b, &m);
	ck_assert_str_eq(b.p, "{\"topic\":\"events\",\"partition\":3,\"offset\":1234,"
		"\"ts\":\"2026-11-27T10:15:30.123Z\",\"key\":\"u1\"}");
	buf_reset(&b);
	m.key = NULL;
	m.ts_type = KENV_TS_NONE;
	kenv_meta(&b, &m);
	ck_assert_str_eq(b.p, "{\"topic\":\"events\",\"partition\":3,\"offset\":1234,\"ts\":null,\"key\":null}");
	buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kenv");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_json_value_verbatim);
	tcase_add_test(tc, test_text_binary_null);
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_meta);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
