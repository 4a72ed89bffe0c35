#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

static void segs(const char *text, size_t n, const char *const *names, const size_t *idx)
{
	struct path p;
	const char *err = NULL;
	ck_assert_msg(path_parse(&p, text, &err), "%s: %s", text, err);
	ck_assert_msg(p.n == n, "%s: %zu segments", text, p.n);
	ck_assert_str_eq(p.text, text);
	for (size_t i = 0; i < n; i++) {
		if (names[i]) {
			ck_assert_ptr_nonnull(p.seg[i].name);
			ck_assert_uint_eq(p.seg[i].len, strlen(names[i]));
			ck_assert_str_eq(p.seg[i].name, names[i]);
		} else {
			ck_assert_ptr_null(p.seg[i].name);
			ck_assert_uint_eq(p.seg[i].index, idx[i]);
		}
	}
	path_free(&p);
}

START_TEST(parse_forms)
{
	segs("user_id", 1, (const char *[]){ "user_id" }, NULL);
	segs("a.b", 2, (const char *[]){ "a", "b" }, NULL);
	segs(".a.b", 2, (const char *[]){ "a", "b" }, NULL);
	segs("properties.device", 2, (const char *[]){ "properties", "device" }, NULL);
	segs("items[0]", 2, (const char *[]){ "items", NULL }, (size_t[]){ 0, 0 });
	segs(".items[12].sku", 3, (const char *[]){ "items", NULL, "sku" }, (size_t[]){ 0, 12, 0 });
	segs("m[1][2]", 3, (const char *[]){ "m", NULL, NULL }, (size_t[]){ 0, 1, 2 });
	segs(".\"dotted.key\"", 1, (const char *[]){ "dotted.key" }, NULL);
	segs("\"dotted.key\"", 1, (const char *[]){ "dotted.key" }, NULL);
	segs("a.\"b.c\".d", 3, (const char *[]){ "a", "b.c", "d" }, NULL);
	segs("a.\"x[0]\"[1]", 3, (const char *[]){ "a", "x[0]", NULL }, (size_t[]){ 0, 0, 1 });
	segs("[3]", 1, (const char *[]){ NULL }, (size_t[]){ 3 });
	segs(".[3].a", 2, (const char *[]){ NULL, "a" }, (size_t[]){ 3, 0 });
	segs("with space", 1, (const char *[]){ "with space" }, NULL);
	segs("\xc3\xa9t\xc3\xa9", 1, (const char *[]){ "\xc3\xa9t\xc3\xa9" }, NULL);
}
END_TEST

static void bad(const char *text, const char *want)
{
	struct path p;
	const char *err = NULL;
	ck_assert_msg(!path_parse(&p, text, &err), "accepted %s", text);
	ck_assert_msg(err && !strcmp(err, want), "%s: '%s', expected '%s'", text, err, want);
	ck_assert_ptr_null(p.seg);
	ck_assert_ptr_null(p.text);
	path_free(&p); /* safe after a failed parse */
}

START_TEST(parse_errors)
{
	bad("", "empty field path");
	bad(".", "empty field path");
	bad("a.", "field path ends with '.'");
	bad("a..b", "empty key in field path");
	bad("..a", "empty key in field path");
	bad("a[", "array index in field path must be a number");
	bad("a[x]", "array index in field path must be a number");
	bad("a[-1]", "array index in field path must be a number");
	bad("a[]", "array index in field path must be a number");
	bad("a[1", "missing ']' in field path");
	bad("a[1x]", "missing ']' in field path");
	bad("\"open", "unterminated or empty quoted key in field path");
	bad("a.\"\"", "unterminated or empty quoted key in field path");
	bad("\"a\"b", "unexpected character in field path");
	bad("a[0]b", "unexpected character in field path");
	bad("a]", "unexpected character in field path");
	bad("a\"b", "unexpected character in field path");
}
END_TEST

static struct json_val V(const char *s)
{
	struct json_val v;
	ck_assert(json_check(s, strlen(s), &v, NULL));
	return v;
}

static void get_is(const char *doc, const char *path, const char *want)
{
	struct path p;
	const char *err;
	struct json_val v;
	ck_assert(path_parse(&p, path, &err));
	bool ok = path_get(&p, V(doc), &v);
	if (!want)
		ck_assert_msg(!ok, "%s found in %s", path, doc);
	else
		ck_assert_msg(ok && v.len == strlen(want) && !memcmp(v.p, want, v.len),
			"%s in %s: got %.*s", path, doc, ok ? (int)v.len : 0, ok ? v.p : "");
	path_free(&p);
}

START_TEST(get_values)
{
	const char *d = "{\"a\":{\"b\":[10,{\"c\":\"x\"},[7,8]],\"a.b\":1},\"dotted.key\":true,"
			"\"a\":{\"b\":[11]}}";
	get_is(d, "a.b", "[11]"); /* the last "a" wins */
	get_is(d, "a.b[0]", "11");
	get_is(d, "a.b[1]", NULL);
	get_is(d, "\"dotted.key\"", "true");
	get_is(d, "dotted.key", NULL);
	get_is(d, "a[0]", NULL); /* not an array */
	get_is(d, "nope", NULL);
	const char *e = "{\"a\":{\"b\":[10,{\"c\":\"x\"},[7,8]],\"a.b\":1}}";
	get_is(e, ".a.b[1].c", "\"x\"");
	get_is(e, "a.b[2][1]", "8");
	get_is(e, "a.b[2][2]", NULL);
	get_is(e, "a.\"a.b\"", "1");
	get_is(e, "a.b.c", NULL);
	get_is("[[1,2],[3]]", "[1][0]", "3");
	get_is("{\"k\\u0065y\":5}", "key", "5");
	/* path_get_from skips leading segments */
	struct path p;
	const char *err;
	struct json_val v;
	ck_assert(path_parse(&p, "outer.b[0]", &err));
	ck_assert(path_get_from(&p, 1, V("{\"b\":[4]}"), &v));
	ck_assert_mem_eq(v.p, "4", 1);
	path_free(&p);
}
END_TEST

START_TEST(leaf_names)
{
	static const struct {
		const char *path, *leaf;
	} t[] = { { "user_id", "user_id" }, { "properties.device", "device" },
		  { ".a.b", "b" }, { "items[0]", "items" }, { "a.\"b.c\"", "b.c" },
		  { "items[0][1]", "items" }, { "[2]", "[2]" } };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct path p;
		const char *err;
		size_t n;
		ck_assert(path_parse(&p, t[i].path, &err));
		const char *l = path_leaf(&p, &n);
		ck_assert_msg(n == strlen(t[i].leaf) && !memcmp(l, t[i].leaf, n), "%s: %.*s",
			t[i].path, (int)n, l);
		path_free(&p);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, parse_forms);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, get_values);
	tcase_add_test(tc, leaf_names);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
