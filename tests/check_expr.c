/* common/expr: the rule and check expression language. */
#include <check.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "rec.h"

static const char *LINE =
	"{\"a\":1,\"b\":{\"c\":\"x\\\"y\"},\"arr\":[1,\"two\",null,[3]],\"s\":\"Hello \\u00e9\","
	"\"n\":-9223372036854775808,\"big\":1e308,\"obj\":{\"k\":\"v\"},\"nul\":null,"
	"\"t\":\"2026-11-24T10:15:30.123Z\",\"odd.key\":7,\"f\":2.5,\"types\":[\"page_view\","
	"\"failed_login\",\"click\"],\"re\":\"^H\",\"e\":\"\",\"ms\":1795000000000}";

static struct rec R;
static struct buf OUT;

static void setup(void)
{
	struct buf why = BUF_INIT;
	rec_init(&R);
	ck_assert_msg(rec_parse(&R, LINE, strlen(LINE), &why), "%s", why.p);
	buf_free(&why);
}

static void teardown(void)
{
	rec_free(&R);
	buf_free(&OUT);
}

static const char *VARS[] = { "score", "count", "name" };

static int resolve(void *ctx, const char *name, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof VARS / sizeof VARS[0]; i++)
		if (strlen(VARS[i]) == n && !memcmp(VARS[i], name, n))
			return (int)i;
	return -1;
}

/* Evaluates src against LINE (with variables score=0.5, count=3, name="bob") and
   returns the result as JSON. */
static const char *ev(const char *src)
{
	struct expr_err err;
	struct expr_opts o = { resolve, NULL, false, false };
	struct expr *e = expr_compile(src, strlen(src), &o, NULL, &err);
	ck_assert_msg(e, "%s: column %zu: %s", src, err.off + 1, err.msg);
	struct expr_val vars[3];
	vars[0].type = EXPR_REAL;
	vars[0].u.d = 0.5;
	vars[1].type = EXPR_INT;
	vars[1].u.i = 3;
	vars[2].type = EXPR_STR;
	vars[2].u.s.p = "bob";
	vars[2].u.s.n = 3;
	struct expr_env env = { &R, vars, 1234 };
	struct expr_val v;
	expr_eval(e, &env, &v);
	buf_reset(&OUT);
	expr_jw(&OUT, &v);
	if (!OUT.p)
		buf_add(&OUT, "", 0);
	expr_free(e);
	return OUT.p;
}

#define EV(src, want) ck_assert_str_eq(ev(src), want)

/* Compiling must fail at 1-based column col with a message containing msg. */
static void bad(const char *src, size_t col, const char *msg)
{
	struct expr_err err;
	struct expr *e = expr_compile(src, strlen(src), NULL, NULL, &err);
	ck_assert_msg(!e, "%s compiled", src);
	ck_assert_msg(expr_column(src, strlen(src), err.off) == col,
		"%s: column %zu, expected %zu (%s)", src, expr_column(src, strlen(src), err.off),
		col, err.msg);
	ck_assert_msg(strstr(err.msg, msg), "%s: message '%s' lacks '%s'", src, err.msg, msg);
}

START_TEST(precedence)
{
	EV("1 + 2 * 3", "7");
	EV("(1 + 2) * 3", "9");
	EV("2 - 3 - 4", "-5");
	EV("8 / 4 / 2", "1");
	EV("10 - 2 * 3 % 4", "8");
	EV("-2 * 3", "-6");
	EV("2 * -3", "-6");
	EV("- -2", "2");
	EV("true || false && false", "true");
	EV("(true || false) && false", "false");
	EV("!true || true", "true");
	EV("!(true || true)", "false");
	/* `not` binds looser than comparisons (SQL, Python), `!` tighter (C) */
	EV("not 1 == 2", "true");
	EV("!1 == 2", "false");
	EV("not a == 1 and true", "false");
	EV("1 < 2 == true", "true");
	EV("1 + 2 > 2 && 3 % 2 == 1", "true");
	EV("true ? 1 : false ? 2 : 3", "1");
	EV("false ? 1 : false ? 2 : 3", "3");
	EV("1 == 1 ? 'a' : 'b'", "\"a\"");
	EV("false || true ? 'y' : 'n'", "\"y\"");
	EV("2 in [1, 2] && 3 not in [1, 2]", "true");
	EV("1 + 1 in [2]", "true");
	EV("event_count > 100 OR (array_contains(types, 'failed_login') AND size(types) > 2)",
		"true");
	EV("a == 1 and b.c == 'x\"y' or false", "true");
}
END_TEST

START_TEST(literals)
{
	EV("42", "42");
	EV("-0", "0");
	EV("1.5", "1.5");
	EV("1e3", "1000");
	EV("2.5E-1", "0.25");
	EV("9223372036854775807", "9223372036854775807");
	EV("9223372036854775808", "9.223372036854776e+18");
	EV("\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\"", "\"a\\\"b\\\\c\\n\xc3\xa9\xf0\x9f\x98\x80\"");
	EV("'it\\'s'", "\"it's\"");
	EV("'say \"hi\"'", "\"say \\\"hi\\\"\"");
	EV("true", "true");
	EV("FALSE", "false");
	EV("null", "null");
	EV("[]", "[]");
	EV("[1, 'x', [true, null], -2.5]", "[1,\"x\",[true,null],-2.5]");
	EV("[a, s, [arr[0]]]", "[1,\"Hello \xc3\xa9\",[1]]");
	EV("0.1 + 0.2", "0.30000000000000004");
}
END_TEST

START_TEST(fields)
{
	EV("a", "1");
	EV(".a", "1");
	EV("b.c", "\"x\\\"y\"");
	EV(".b.c", "\"x\\\"y\"");
	EV("b", "{\"c\":\"x\\\"y\"}");
	EV("arr[1]", "\"two\"");
	EV("arr[3][0]", "3");
	EV("arr[9]", "null");
	EV("obj.k", "\"v\"");
	EV("missing", "null");
	EV("missing.deeper", "null");
	EV("a.b", "null");
	EV(".\"odd.key\"", "7");
	EV("s", "\"Hello \xc3\xa9\"");
	EV("n", "-9223372036854775808");
	EV("big", "1e+308");
	EV("nul", "null");
	/* variables from the resolver shadow fields; a leading dot means a field */
	EV("score", "0.5");
	EV("count + 1", "4");
	EV("name == 'bob'", "true");
	EV(".score", "null");
}
END_TEST

START_TEST(functions)
{
	EV("contains(types, 'click')", "true");
	EV("contains(types, 'purchase')", "false");
	EV("array_contains(types, 'failed_login')", "true");
	EV("contains(arr, 1.0)", "true");
	EV("contains(arr, [3])", "true");
	EV("contains(arr, null)", "true");
	EV("contains(s, 'llo')", "true");
	EV("contains(s, '')", "true");
	EV("contains(s, 1)", "false");
	EV("contains(obj, 'k')", "true");
	EV("contains(obj, 'v')", "false");
	EV("contains(missing, 1)", "false");
	EV("contains(a, 1)", "false");
	EV("'two' in arr", "true");
	EV("'k' in obj", "true");
	EV("'ell' in s", "true");
	EV("1 in missing", "false");

	EV("size(types)", "3");
	EV("size(obj)", "1");
	EV("size(s)", "7"); /* characters, not bytes */
	EV("size('')", "0");
	EV("size(a)", "null");
	EV("size(missing)", "null");
	EV("size([])", "0");

	EV("exists(a)", "true");
	EV("exists(nul)", "true");
	EV("exists(missing)", "false");
	EV("exists(b.c)", "true");
	EV("exists(b.d)", "false");
	EV("exists(arr[3])", "true");
	EV("exists(arr[4])", "false");

	EV("lower('MiXeD É')", "\"mixed \xc3\x89\"");
	EV("upper(s)", "\"HELLO \xc3\xa9\"");
	EV("lower(1)", "null");
	EV("upper(missing)", "null");

	EV("matches(s, '^Hel+o')", "true");
	EV("matches(s, '^hel')", "false");
	EV("matches(t, '^[0-9]{4}-[0-9]{2}-[0-9]{2}T')", "true");
	EV("matches(s, re)", "true");
	EV("matches(s, e)", "true");
	EV("matches(s, missing)", "false");
	EV("matches(a, '1')", "false");
	EV("matches(missing, '.*')", "false");
	EV("matches(s, a)", "false");
	EV("matches('abc', 'b|z')", "true");

	EV("starts_with(s, 'Hell')", "true");
	EV("starts_with(s, 'ell')", "false");
	EV("starts_with(s, '')", "true");
	EV("ends_with(s, 'o \xc3\xa9')", "true");
	EV("ends_with(s, 'Hello')", "false");
	EV("ends_with('a', 'ab')", "false");
	EV("starts_with(a, '1')", "false");

	EV("min(1, 2.5, -3)", "-3");
	EV("max(1, 2.5, -3)", "2.5");
	EV("min(1.0, score + 0.1)", "0.6");
	EV("max(0, score - 0.05)", "0.45");
	EV("min(missing, 4, nul)", "4");
	EV("min(missing)", "null");
	EV("max('b', 'a', 'c')", "\"c\"");
	EV("max(1, 'a')", "null");
	EV("max(1, true)", "null");
	EV("max([4, 9, 2])", "9");
	EV("min([4, 9, 2])", "2");
	EV("min([])", "null");
	EV("max(types)", "\"page_view\"");
	EV("max(arr)", "null");

	EV("abs(-3)", "3");
	EV("abs(2.5)", "2.5");
	EV("abs(-2.5)", "2.5");
	EV("abs(n)", "null");
	EV("abs('x')", "null");

	EV("now()", "1234");
	EV("now() - 4", "1230");

	EV("time(t)", "1795515330123");
	EV("time('1970-01-01T00:00:01+01:00')", "-3599000");
	EV("time(ms)", "1795000000000");
	EV("time(1.9)", "1");
	EV("time('yesterday')", "null");
	EV("time(missing)", "null");
	EV("time(t) - time('2026-11-24T10:15:00Z') > 30000", "true");

	EV("coalesce(missing, nul, a, 5)", "1");
	EV("coalesce(missing, nul)", "null");
	EV("coalesce('x')", "\"x\"");
}
END_TEST

START_TEST(types)
{
	EV("'5' == 5", "false");
	EV("'5' != 5", "true");
	EV("'a' < 1", "false");
	EV("'a' >= 1", "false");
	EV("null < 1", "false");
	EV("null >= 1", "false");
	EV("missing < 1 || missing >= 1", "false");
	EV("null == null", "true");
	EV("missing == null", "true");
	EV("missing != null", "false");
	EV("nul == missing", "true");
	EV("1 == 1.0", "true");
	EV("a == 1.0", "true");
	EV("9007199254740993 == 9007199254740992.0", "false");
	EV("9007199254740993 > 9007199254740992.0", "true");
	EV("true == 1", "false");
	EV("true < false", "false");
	EV("'abc' < 'abd'", "true");
	EV("'ab' < 'abc'", "true");
	EV("'b' > 'abc'", "true");
	EV("'\xc3\xa9' > 'z'", "true");
	EV("[1, 2] == [1, 2.0]", "true");
	EV("[1, 2] == [2, 1]", "false");
	EV("[1] < [2]", "false");
	EV("obj == obj", "true");
	EV("b.c == 'x\"y'", "true");
	EV("true + 1", "null");
	EV("'a' + 'b' + s", "\"abHello \xc3\xa9\"");
	EV("'a' + 1", "null");
	EV("'a' * 2", "null");
	EV("-'a'", "null");
	EV("[1] + [2]", "null");
	/* a condition holds only for true */
	EV("1 && true", "false");
	EV("'yes' || false", "false");
	EV("!1", "true");
	EV("a ? 'y' : 'n'", "\"n\"");
}
END_TEST

START_TEST(arithmetic_limits)
{
	EV("9223372036854775807 + 1", "null");
	EV("-9223372036854775807 - 2", "null");
	EV("-9223372036854775807 - 1", "-9223372036854775808");
	EV("4611686018427387904 * 2", "null");
	EV("4611686018427387904 * -2", "-9223372036854775808");
	EV("-(-9223372036854775807 - 1)", "null");
	EV("-n", "null");
	EV("n - 1", "null");
	EV("n / -1", "null");
	EV("n % -1", "0");
	EV("1 / 0", "null");
	EV("1 % 0", "null");
	EV("1.5 / 0", "null");
	EV("1.5 % 0", "null");
	EV("0 / 0", "null");
	EV("0.0 / 0", "null");
	EV("1e308 * 10", "null");
	EV("big + big", "null");
	EV("-big * 2", "null");
	EV("7 / 2", "3.5");
	EV("6 / 3", "2");
	EV("-7 / 2", "-3.5");
	EV("-7 % 3", "-1");
	EV("7 % -3", "1");
	EV("7.5 % 2", "1.5");
	EV("f * 2", "5");
	EV("a + f", "3.5");
	EV("n + 0.0", "-9.223372036854776e+18");
}
END_TEST

START_TEST(nulls)
{
	EV("missing + 1", "null");
	EV("1 - nul", "null");
	EV("!missing", "true");
	EV("missing && true", "false");
	EV("missing || true", "true");
	EV("missing ? 1 : 2", "2");
	EV("lower(missing) == null", "true");
	EV("coalesce(missing + 1, 0)", "0");
	EV("size(missing) > 5", "false");
	EV("[missing]", "[null]");
}
END_TEST

START_TEST(errors)
{
	bad("(1 + 2", 7, "expected ')'");
	bad("size(types) > 5 && (a", 22, "expected ')'");
	bad("a ==", 5, "expected an expression");
	bad("", 1, "expected an expression");
	bad("a = 1", 3, "'=' is not an operator");
	bad("foo(1)", 1, "unknown function 'foo'");
	bad("size(1, 2)", 1, "size() takes 1 argument, not 2");
	bad("now(1)", 1, "now() takes 0 arguments");
	bad("min()", 1, "min() takes at least 1 argument");
	bad("matches(a, '(')", 12, "invalid regular expression");
	bad("matches(a, 5)", 12, "string pattern");
	bad("a == \"abc", 6, "unterminated string");
	bad("'a\\qb'", 3, "invalid escape");
	bad("'\\ud800'", 2, "unpaired surrogate");
	bad("1 < 2 < 3", 7, "comparisons do not chain");
	bad("a == b != c", 8, "comparisons do not chain");
	bad("a b", 3, "unexpected 'b'");
	bad("1 @ 2", 3, "unexpected character '@'");
	bad("a & b", 3, "unexpected character '&'");
	bad("exists(1)", 8, "exists() takes a record field path");
	bad("[1, 2", 6, "expected ',' or ']'");
	bad("size(a b)", 8, "expected ',' or ')'");
	bad("true ? 1", 9, "expected ':'");
	bad("1 2", 3, "unexpected '2'");
	bad("12abc", 1, "malformed number");
	bad("1e999", 1, "number out of range");
	bad("a.", 2, "unexpected character '.'");
	bad("a[x]", 2, "array index");
	bad(")", 1, "expected an expression, not ')'");
	bad("a -> b", 3, "unexpected '->'");
	bad("'\xc3\xa9\xc3\xa9' == (", 10, "expected an expression");

	/* nesting is bounded, with an error, not a stack overflow */
	struct buf deep = BUF_INIT;
	for (int i = 0; i < 5000; i++)
		buf_addc(&deep, '(');
	buf_addc(&deep, '1');
	struct expr_err err;
	ck_assert(!expr_compile(deep.p, deep.len, NULL, NULL, &err));
	ck_assert(strstr(err.msg, "nested too deeply"));
	buf_reset(&deep);
	buf_adds(&deep, "a");
	for (int i = 0; i < 5000; i++)
		buf_adds(&deep, " + a");
	ck_assert(!expr_compile(deep.p, deep.len, NULL, NULL, &err));
	ck_assert(strstr(err.msg, "too long or nested too deeply"));
	buf_free(&deep);
}
END_TEST

START_TEST(caret)
{
	struct buf b = BUF_INIT;
	const char *src = "x: size(a > 1";
	expr_caret(&b, src, strlen(src), 13);
	ck_assert_str_eq(b.p, "x: size(a > 1\n             ^\n");
	buf_reset(&b);
	src = "\t'\xc3\xa9' == (";
	expr_caret(&b, src, strlen(src), 10);
	ck_assert_str_eq(b.p, "\t'\xc3\xa9' == (\n\t        ^\n");
	ck_assert_uint_eq(expr_column(src, strlen(src), 10), 10);
	buf_free(&b);
}
END_TEST

START_TEST(partial)
{
	struct expr_err err;
	struct expr_opts o = { NULL, NULL, true, true };
	size_t end = 0;
	struct expr *e;
	const char *s = "failed_login{3,} -> x";
	e = expr_compile(s, strlen(s), &o, &end, &err);
	ck_assert(e);
	ck_assert_uint_eq(end, 12);
	expr_free(e);
	s = "a + b -> c";
	e = expr_compile(s, strlen(s), &o, &end, &err);
	ck_assert(e);
	ck_assert_uint_eq(end, 6);
	expr_free(e);
	s = "(a + 1 > b)+ => c";
	e = expr_compile(s, strlen(s), &o, &end, &err);
	ck_assert(e);
	ck_assert_uint_eq(end, 11);
	expr_free(e);
	s = "a? within 5m";
	e = expr_compile(s, strlen(s), &o, &end, &err);
	ck_assert(e);
	ck_assert_uint_eq(end, 1);
	expr_free(e);
	s = "x+";
	e = expr_compile(s, strlen(s), &o, &end, &err);
	ck_assert(e);
	ck_assert_uint_eq(end, 1);
	expr_free(e);
	s = "a ? b : c => d";
	e = expr_compile(s, strlen(s), &o, &end, &err);
	ck_assert(e);
	ck_assert_uint_eq(end, 10);
	expr_free(e);
	/* without quantifiers, + is addition */
	o.quantifiers = false;
	s = "risk + 0.1 when event_type == 'x'";
	e = expr_compile(s, strlen(s), &o, &end, &err);
	ck_assert(e);
	ck_assert_uint_eq(end, 11);
	expr_free(e);
	s = "x+ -> y";
	ck_assert(!expr_compile(s, strlen(s), &o, &end, &err));
	ck_assert_uint_eq(expr_column(s, strlen(s), err.off), 4);
}
END_TEST

START_TEST(properties)
{
	struct expr_err err;
	struct expr *e;
	const char *s;
	s = "1 + 2 * size([1,2]) > 3 ? lower('A') : 'b'";
	ck_assert((e = expr_compile(s, strlen(s), NULL, NULL, &err)));
	ck_assert(expr_is_const(e));
	ck_assert(!expr_uses_fields(e));
	expr_free(e);
	s = "now() > 1";
	ck_assert((e = expr_compile(s, strlen(s), NULL, NULL, &err)));
	ck_assert(!expr_is_const(e));
	ck_assert(!expr_uses_fields(e));
	expr_free(e);
	s = "exists(x)";
	ck_assert((e = expr_compile(s, strlen(s), NULL, NULL, &err)));
	ck_assert(expr_uses_fields(e));
	expr_free(e);
	struct expr_opts o = { resolve, NULL, false, false };
	s = "score + 1";
	ck_assert((e = expr_compile(s, strlen(s), &o, NULL, &err)));
	ck_assert(!expr_uses_fields(e));
	ck_assert(!expr_is_const(e));
	/* evaluation without a record or variables reads null */
	struct expr_env env = { NULL, NULL, 0 };
	ck_assert(!expr_test(e, &env));
	expr_free(e);
	s = "exists(score)";
	ck_assert(!expr_compile(s, strlen(s), &o, NULL, &err));
}
END_TEST

START_TEST(own_values)
{
	struct buf store = BUF_INIT;
	struct expr_val v = { .type = EXPR_STR };
	char tmp[] = "hello";
	v.u.s.p = tmp;
	v.u.s.n = 5;
	expr_val_own(&v, &store);
	tmp[0] = 'J';
	ck_assert(v.u.s.n == 5 && !memcmp(v.u.s.p, "hello", 5));
	/* a value already in the store, moved to its start */
	v.u.s.p = store.p + 1;
	v.u.s.n = 3;
	expr_val_own(&v, &store);
	ck_assert(v.u.s.p == store.p && !memcmp(v.u.s.p, "ell", 3));
	v.type = EXPR_ARRAY;
	v.u.j.p = "[1,2]";
	v.u.j.len = 5;
	v.u.j.type = JV_ARRAY;
	expr_val_own(&v, &store);
	ck_assert(v.u.j.p == store.p && !memcmp(store.p, "[1,2]", 5));
	v.type = EXPR_STR;
	v.u.s.p = "";
	v.u.s.n = 0;
	expr_val_own(&v, &store);
	ck_assert(v.u.s.n == 0 && v.u.s.p == store.p);
	buf_free(&store);
}
END_TEST

/* After a warm-up, evaluation allocates nothing (glibc's counters; under ASan the
   allocator is replaced and this only checks that nothing breaks). */
START_TEST(no_allocation)
{
	struct expr_err err;
	const char *s = "lower(b.c) + upper(s) == 'x' || [a, s, arr[1]] == [1, s, 'two'] && "
			"matches(s, '^H') && contains(types, 'click') && min(arr) == null && "
			"coalesce(missing, time(t)) > 0 && size(s + s) == 14";
	struct expr *e = expr_compile(s, strlen(s), NULL, NULL, &err);
	ck_assert_msg(e, "%s", err.msg);
	struct expr_env env = { &R, NULL, 1 };
	ck_assert(expr_test(e, &env));
	struct mallinfo2 before = mallinfo2();
	for (int i = 0; i < 10000; i++)
		expr_test(e, &env);
	struct mallinfo2 after = mallinfo2();
	ck_assert_uint_eq(before.uordblks, after.uordblks);
	ck_assert_uint_eq(before.hblks, after.hblks);
	expr_free(e);
}
END_TEST

/* ---- fuzz ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *ATOMS[] = {
	"0", "1", "-1", "2.5", "9223372036854775807", "-9223372036854775808", "1e308", "0.1",
	"'x'", "\"\"", "'Hello \xc3\xa9'", "'\\u00e9'", "'^H.*'", "'('", "'2026-11-24T10:15:30Z'",
	"true", "false", "null", "a", "b", "b.c", "arr", "arr[0]", "arr[3][0]", "s", "n", "big",
	"obj", "nul", "t", "types", "missing", ".\"odd.key\"", "f", "re", "e", "ms", "score",
	"count", "name", "[]", "[1, 'a']",
};
static const char *BINOPS[] = {
	"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "and", "or",
	"in", "not in",
};
static const char *FUNCS[] = {
	"contains", "array_contains", "size", "exists", "lower", "upper", "matches",
	"starts_with", "ends_with", "min", "max", "abs", "now", "time", "coalesce",
};
static const char *JUNK[] = {
	"(", ")", "[", "]", ",", "?", ":", "=", "!", "->", "=>", "{", "'", "\"", "@", "\\",
	".", "..", "1.", "\xff", "\xc3", "not", "in", "&", "|",
};

static void gen(struct buf *b, int depth)
{
	unsigned k = depth > 6 ? 0 : rnd(10);
	switch (k) {
	case 0:
	case 1:
		buf_adds(b, ATOMS[rnd(sizeof ATOMS / sizeof ATOMS[0])]);
		break;
	case 2:
	case 3:
	case 4:
		gen(b, depth + 1);
		buf_addc(b, ' ');
		buf_adds(b, BINOPS[rnd(sizeof BINOPS / sizeof BINOPS[0])]);
		buf_addc(b, ' ');
		gen(b, depth + 1);
		break;
	case 5:
		buf_adds(b, rnd(3) == 0 ? "not " : rnd(2) ? "!" : "-");
		gen(b, depth + 1);
		break;
	case 6:
		buf_addc(b, '(');
		gen(b, depth + 1);
		buf_addc(b, ')');
		break;
	case 7: {
		buf_adds(b, FUNCS[rnd(sizeof FUNCS / sizeof FUNCS[0])]);
		buf_addc(b, '(');
		unsigned n = rnd(4);
		for (unsigned i = 0; i < n; i++) {
			if (i)
				buf_adds(b, ", ");
			gen(b, depth + 1);
		}
		buf_addc(b, ')');
		break;
	}
	case 8:
		gen(b, depth + 1);
		buf_adds(b, " ? ");
		gen(b, depth + 1);
		buf_adds(b, " : ");
		gen(b, depth + 1);
		break;
	default: {
		buf_addc(b, '[');
		unsigned n = rnd(3);
		for (unsigned i = 0; i < n; i++) {
			if (i)
				buf_adds(b, ", ");
			gen(b, depth + 1);
		}
		buf_addc(b, ']');
		break;
	}
	}
	if (rnd(40) == 0)
		buf_adds(b, JUNK[rnd(sizeof JUNK / sizeof JUNK[0])]);
}

START_TEST(fuzz)
{
	const char *lines[] = {
		LINE,
		"{}",
		"{\"a\":\"1\",\"arr\":\"not an array\",\"s\":[1,2],\"types\":null,\"b\":[{\"c\":1}],"
		"\"t\":-62135596800000,\"n\":1.7976931348623157e308,\"obj\":[],\"e\":\"\\u0000x\"}",
	};
	struct rec recs[3];
	struct buf why = BUF_INIT, src = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 3; i++) {
		rec_init(&recs[i]);
		ck_assert(rec_parse(&recs[i], lines[i], strlen(lines[i]), &why));
	}
	struct expr_val vars[3];
	vars[0].type = EXPR_INT;
	vars[0].u.i = INT64_MIN;
	vars[1].type = EXPR_NULL;
	vars[2].type = EXPR_STR;
	vars[2].u.s.p = "x";
	vars[2].u.s.n = 1;
	struct expr_opts o = { resolve, NULL, false, false };
	unsigned compiled = 0, failed = 0;
	for (int i = 0; i < 20000; i++) {
		buf_reset(&src);
		if (i % 10 == 9) { /* raw bytes */
			unsigned n = rnd(24);
			for (unsigned j = 0; j < n; j++)
				buf_addc(&src, rnd(4) ? "()[]{},.'\"!=<>&|+-*/%?:ab1 "[rnd(27)] :
					(char)rnd(256));
		} else {
			gen(&src, 0);
		}
		o.partial = i % 7 == 0;
		o.quantifiers = i % 14 == 0;
		struct expr_err err;
		size_t end = 0;
		struct expr *e = expr_compile(src.p ? src.p : "", src.len, &o, &end, &err);
		if (!e) {
			failed++;
			ck_assert_msg(err.off <= src.len, "%s: offset %zu", src.p, err.off);
			ck_assert_msg(err.msg[0], "%s: no message", src.p);
			continue;
		}
		compiled++;
		ck_assert(end <= src.len);
		for (int r = 0; r < 3; r++) {
			struct expr_env env = { &recs[r], vars, 5 };
			struct expr_val v;
			expr_eval(e, &env, &v);
			buf_reset(&out);
			expr_jw(&out, &v);
			struct json_val jv;
			ck_assert_msg(json_check(out.p, out.len, &jv, NULL), "%s gave %s", src.p,
				out.p);
		}
		expr_free(e);
	}
	ck_assert_uint_gt(compiled, 5000);
	ck_assert_uint_gt(failed, 1000);
	for (int i = 0; i < 3; i++)
		rec_free(&recs[i]);
	buf_free(&why);
	buf_free(&src);
	buf_free(&out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("expr");
	TCase *t = tcase_create("core");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, precedence);
	tcase_add_test(t, literals);
	tcase_add_test(t, fields);
	tcase_add_test(t, functions);
	tcase_add_test(t, types);
	tcase_add_test(t, arithmetic_limits);
	tcase_add_test(t, nulls);
	tcase_add_test(t, errors);
	tcase_add_test(t, caret);
	tcase_add_test(t, partial);
	tcase_add_test(t, properties);
	tcase_add_test(t, own_values);
	tcase_add_test(t, no_allocation);
	tcase_add_test(t, fuzz);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
