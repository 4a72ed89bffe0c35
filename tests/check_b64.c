#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"

static const struct {
	const char *raw;
	size_t n;
	const char *enc;
} vectors[] = {
	/* RFC 4648 §10 */
	{ "", 0, "" },
	{ "f", 1, "Zg==" },
	{ "fo", 2, "Zm8=" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg==" },
	{ "fooba", 5, "Zm9vYmE=" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xff\xfe\x00\x01", 4, "//4AAQ==" },
	{ "\xfb\xff", 2, "+/8=" },
};

START_TEST(test_vectors)
{
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		struct buf b = BUF_INIT;
		buf_adds(&b, "x");
		b64_encode(&b, vectors[i].raw, vectors[i].n);
		ck_assert_str_eq(b.p + 1, vectors[i].enc);
		buf_reset(&b);
		ck_assert(b64_decode(&b, vectors[i].enc, strlen(vectors[i].enc)));
		ck_assert_uint_eq(b.len, vectors[i].n);
		ck_assert(!memcmp(b.p, vectors[i].raw, b.len));
		buf_free(&b);
	}
}
END_TEST

START_TEST(test_roundtrip_all_bytes)
{
	char raw[256 * 3];
	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (char)(i * 7 + i / 256);
	for (size_t n = 0; n <= sizeof raw; n += 1 + n / 3) {
		struct buf e = BUF_INIT, d = BUF_INIT;
		b64_encode(&e, raw, n);
		ck_assert_uint_eq(e.len, (n + 2) / 3 * 4);
		ck_assert(b64_decode(&d, e.p ? e.p : "", e.len));
		ck_assert_uint_eq(d.len, n);
		ck_assert(!n || !memcmp(d.p, raw, n));
		buf_free(&e);
		buf_free(&d);
	}
}
END_TEST

START_TEST(test_rejects)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "Zm9v!A==", "Zh==", "Zm9=", "Zg==Zg==", "=Zg=", "Zm 9v",
		"Zm9v\n", "Zm-_",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf b = BUF_INIT;
		buf_adds(&b, "keep");
		ck_assert_msg(!b64_decode(&b, bad[i], strlen(bad[i])), "accepted %s", bad[i]);
		ck_assert_str_eq(b.p, "keep");
		buf_free(&b);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("b64");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_roundtrip_all_bytes);
	tcase_add_test(tc, test_rejects);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
