/*
 * Differential test: common/'s scanner (json_check, rec_parse and the view API)
 * against jansson (json_loadb with JSON_DECODE_ANY | JSON_ALLOW_NUL) on the same
 * bytes: handwritten edge cases, then a seeded random corpus of JSON texts with
 * byte-level mutations. Both must agree on accept/reject and, for accepted input,
 * on every value. Disagreements are allowed only where jansson has a documented
 * limit, and each one is checked to really be that limit:
 *   - integers outside long long ("too big integer") and reals that overflow a
 *     double ("real number overflow"): jansson rejects, we accept;
 *   - "\u0000" inside an object key: jansson rejects ("NUL byte in object key not
 *     supported"), we accept;
 *   - nesting deeper than JSON_MAX_DEPTH (512) but within jansson's 2048 (jansson
 *     counts the innermost scalar as a level too): we reject;
 *   - a raw NUL byte right after a number or literal (`[1\0]`): jansson's lexer drops
 *     it when it ungets the byte, so it accepts; RFC 8259 allows no NUL there and we
 *     reject. Checked by removing those bytes: then both must accept the same value.
 * Corpus size: 1,000,000 lines (about 20 s at -O2 on the CI machine), 250,000 in ASan
 * builds (-O0 with sanitizers runs about 4x slower: about 20 s alone, 35 s with the
 * other suites running beside it); RUNNEL_JSONDIFF_LINES overrides.
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jw.h"
#include "oracle.h"
#include "rec.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_LINES 250000
#else
#define DEFAULT_LINES 1000000
#endif

struct stats {
	long lines, bytes, accepted, rejected, objects;
	long ex_bigint, ex_nulkey, ex_depth, ex_nul;
};

static char failmsg[4096];

static bool failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool failf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(failmsg, sizeof failmsg, fmt, ap);
	va_end(ap);
	return false;
}

static bool is_integer_text(struct json_val v)
{
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] == '.' || v.p[i] == 'e' || v.p[i] == 'E')
			return false;
	return true;
}

/* Walk both trees; false with failmsg set on the first difference. */
static bool same(struct json_val v, const oj *o)
{
	struct buf sb = BUF_INIT;
	bool ok = true;
	switch (v.type) {
	case JV_NULL:
		return oj_type(o) == OJ_NULL || failf("null vs jansson type %d", oj_type(o));
	case JV_TRUE:
		return oj_type(o) == OJ_TRUE || failf("true vs jansson type %d", oj_type(o));
	case JV_FALSE:
		return oj_type(o) == OJ_FALSE || failf("false vs jansson type %d", oj_type(o));
	case JV_NUMBER: {
		double d;
		if (!json_num_f64(v, &d))
			return failf("json_num_f64 failed on %.*s", (int)v.len, v.p);
		if (oj_type(o) == OJ_INTEGER) {
			int64_t i;
			if (!is_integer_text(v))
				return failf("jansson integer for %.*s", (int)v.len, v.p);
			if (!json_num_i64(v, &i) || i != oj_int(o))
				return failf("integer %.*s: ours %lld, jansson %lld", (int)v.len, v.p,
					(long long)i, oj_int(o));
			if (d != (double)oj_int(o))
				return failf("integer %.*s as double differs", (int)v.len, v.p);
			return true;
		}
		if (oj_type(o) != OJ_REAL)
			return failf("number %.*s vs jansson type %d", (int)v.len, v.p, oj_type(o));
		if (is_integer_text(v))
			return failf("jansson real for %.*s", (int)v.len, v.p);
		if (d != oj_real(o))
			return failf("real %.*s: ours %.17g, jansson %.17g", (int)v.len, v.p, d,
				oj_real(o));
		return true;
	}
	case JV_STRING: {
		size_t n, jn;
		if (oj_type(o) != OJ_STRING)
			return failf("string vs jansson type %d", oj_type(o));
		const char *s = json_str(v, &sb, &n);
		const char *js = oj_str(o, &jn);
		if (n != jn || memcmp(s, js, n))
			ok = failf("string %.*s decodes differently (%zu vs %zu bytes)", (int)v.len,
				v.p, n, jn);
		else if (json_len(v) != n)
			ok = failf("json_len of %.*s is %zu, not %zu", (int)v.len, v.p, json_len(v), n);
		else if (!json_str_eq(v, js, jn))
			ok = failf("json_str_eq(%.*s) false against its own decoding", (int)v.len, v.p);
		else if (json_utf8_valid(s, n) != n)
			ok = failf("decoded %.*s is not valid UTF-8", (int)v.len, v.p);
		buf_free(&sb);
		return ok;
	}
	case JV_ARRAY: {
		struct json_iter it;
		struct json_val e;
		size_t i = 0;
		if (oj_type(o) != OJ_ARRAY)
			return failf("array vs jansson type %d", oj_type(o));
		json_iter_init(&it, v);
		while (json_arr_next(&it, &e)) {
			if (i >= oj_size(o))
				return failf("array longer than jansson's (%zu)", oj_size(o));
			if (!same(e, oj_at(o, i)))
				return false;
			struct json_val at;
			if (i < 2 && (!json_arr_at(v, i, &at) || at.p != e.p))
				return failf("json_arr_at(%zu) disagrees with iteration", i);
			i++;
		}
		if (i != oj_size(o) || json_len(v) != i)
			return failf("array of %zu elements, jansson %zu", i, oj_size(o));
		return true;
	}
	case JV_OBJECT: {
		struct json_iter it;
		struct json_val k, e, got;
		struct json_val mk[64], mv[64];
		size_t members = 0, unique = 0;
		if (oj_type(o) != OJ_OBJECT)
			return failf("object vs jansson type %d", oj_type(o));
		json_iter_init(&it, v);
		while (json_obj_next(&it, &k, &e)) {
			if (k.type != JV_STRING)
				return failf("object key is not a string");
			if (members == 64)
				return failf("test corpus object too large");
			mk[members] = k;
			mv[members++] = e;
		}
		for (size_t i = 0; ok && i < members; i++) {
			size_t kn;
			const char *ks = json_str(mk[i], &sb, &kn);
			bool later = false; /* the last member with a key is its value */
			for (size_t j = i + 1; !later && j < members; j++)
				later = json_str_eq(mk[j], ks, kn);
			if (later)
				continue;
			unique++;
			if (i == 0 || i + 1 == members) {
				if (!json_obj_get(v, ks, kn, &got) || got.p != mv[i].p) {
					ok = failf("json_obj_get(%.*s) is not the last member", (int)mk[i].len,
						mk[i].p);
					break;
				}
			}
			oj *jv = oj_get(o, ks, kn);
			if (!jv)
				ok = failf("key %.*s missing in jansson's object", (int)mk[i].len, mk[i].p);
			else
				ok = same(mv[i], jv);
		}
		buf_free(&sb);
		if (!ok)
			return false;
		if (unique != oj_size(o))
			return failf("object has %zu distinct keys, jansson %zu", unique, oj_size(o));
		if (json_len(v) != members)
			return failf("json_len of object %zu, members %zu", json_len(v), members);
		return true;
	}
	default:
		return failf("bad type %d", v.type);
	}
}

/* Does the value hold a number jansson cannot represent (integer beyond long long,
   real beyond double)? */
static bool has_jansson_big_number(struct json_val v)
{
	struct json_iter it;
	struct json_val k, e;
	switch (v.type) {
	case JV_NUMBER: {
		int64_t i;
		double d;
		if (is_integer_text(v))
			return !json_num_i64(v, &i);
		json_num_f64(v, &d);
		return isinf(d);
	}
	case JV_ARRAY:
		json_iter_init(&it, v);
		while (json_arr_next(&it, &e))
			if (has_jansson_big_number(e))
				return true;
		return false;
	case JV_OBJECT:
		json_iter_init(&it, v);
		while (json_obj_next(&it, &k, &e))
			if (has_jansson_big_number(e))
				return true;
		return false;
	default:
		return false;
	}
}

static bool has_nul_key(struct json_val v)
{
	struct json_iter it;
	struct json_val k, e;
	struct buf b = BUF_INIT;
	bool found = false;
	if (v.type == JV_ARRAY) {
		json_iter_init(&it, v);
		while (!found && json_arr_next(&it, &e))
			found = has_nul_key(e);
	} else if (v.type == JV_OBJECT) {
		json_iter_init(&it, v);
		while (!found && json_obj_next(&it, &k, &e)) {
			size_t n;
			const char *s = json_str(k, &b, &n);
			found = memchr(s, 0, n) || has_nul_key(e);
		}
	}
	buf_free(&b);
	return found;
}

/* Further checks on an accepted value: the compact copy is valid, equal, sorts equal. */
static bool copies_equal(struct json_val v)
{
	struct buf b = BUF_INIT;
	struct json_val c;
	struct json_err err;
	bool ok = true;
	jw_val(&b, v);
	if (!json_check(b.p, b.len, &c, &err))
		ok = failf("jw_val output invalid: %s", err.msg);
	else if (c.type != v.type || !json_val_equal(v, c) || !json_val_equal(c, v))
		ok = failf("jw_val copy not json_val_equal");
	else if (json_val_compare(v, c) || json_val_compare(c, v))
		ok = failf("jw_val copy does not compare equal");
	else
		for (size_t i = 0; ok && i < b.len; i++)
			if (b.p[i] == '\n')
				ok = failf("jw_val output holds a newline");
	buf_free(&b);
	return ok;
}

enum verdict { V_FAIL, V_ACCEPT, V_REJECT, V_EX_BIGINT, V_EX_NULKEY, V_EX_DEPTH, V_EX_NUL };

/* rec_parse must accept exactly the objects json_check accepts, indexing every member. */
static bool rec_agrees(struct rec *r, const char *p, size_t n, bool ok, struct json_val v)
{
	struct buf why = BUF_INIT;
	bool rok = rec_parse(r, p, n, &why);
	bool want = ok && v.type == JV_OBJECT;
	if (rok != want) {
		failf("rec_parse %s (%s), json_check %s", rok ? "accepts" : "rejects",
			rok ? "" : why.p, ok ? "accepts" : "rejects");
		buf_free(&why);
		return false;
	}
	if (!rok && (!why.len || strncmp(why.p, ok ? "not a JSON object" : "invalid JSON at column ",
					 ok ? 17 : 23))) {
		failf("rec_parse reason: %s", why.p);
		buf_free(&why);
		return false;
	}
	buf_free(&why);
	if (!rok)
		return true;
	if (r->obj.p != v.p || r->obj.len != v.len)
		return failf("rec obj is not the object json_check found");
	struct json_iter it;
	struct json_val k, e;
	size_t i = 0;
	struct buf kb = BUF_INIT;
	bool good = true;
	json_iter_init(&it, v);
	while (good && json_obj_next(&it, &k, &e)) {
		if (i >= r->nf || r->f[i].key.p != k.p || r->f[i].key.len != k.len ||
		    r->f[i].val.p != e.p || r->f[i].val.len != e.len || r->f[i].val.type != e.type) {
			good = failf("rec member %zu differs from iteration", i);
			break;
		}
		i++;
	}
	/* rec_field finds the last member of each name */
	for (size_t j = 0; good && j < r->nf; j++) {
		size_t kn;
		const char *ks = json_str(r->f[j].key, &kb, &kn);
		long last = (long)j;
		for (size_t m = j + 1; m < r->nf; m++)
			if (json_str_eq(r->f[m].key, ks, kn))
				last = (long)m;
		struct json_val fv;
		if (rec_index(r, ks, kn) != last || !rec_field(r, ks, kn, &fv) || fv.p != r->f[last].val.p)
			good = failf("rec_field(%.*s) is not the last member", (int)r->f[j].key.len,
				r->f[j].key.p);
	}
	buf_free(&kb);
	if (good && i != r->nf)
		good = failf("rec has %zu members, iteration %zu", r->nf, i);
	return good;
}

/* Is p[off] a NUL byte straight after a number or a literal (jansson drops those)? */
static bool nul_after_token(const char *p, size_t off)
{
	if (!off || p[off])
		return false;
	char c = p[off - 1];
	return (c >= '0' && c <= '9') || c == 'e' || c == 'l';
}

/* Without its NUL bytes after tokens, the input must be what jansson read. */
static bool same_without_nuls(const char *p, size_t n, const oj *o)
{
	struct buf b = BUF_INIT;
	struct json_val v;
	struct json_err err;
	bool ok;
	buf_add(&b, p, n);
	for (;;) {
		ok = json_check(b.p, b.len, &v, &err);
		if (ok || !nul_after_token(b.p, err.off))
			break;
		memmove(b.p + err.off, b.p + err.off + 1, b.len - err.off - 1);
		b.len--;
	}
	if (!ok)
		failf("still rejected (%s) after removing NUL bytes jansson ignores", err.msg);
	else
		ok = same(v, o);
	buf_free(&b);
	return ok;
}

static enum verdict diff_one(struct rec *r, const char *p, size_t n, struct stats *st)
{
	struct json_val v = { 0 };
	struct json_err err = { 0, NULL };
	enum oj_err jerr;
	char jmsg[200] = "";
	bool ok = json_check(p, n, &v, &err);
	oj *o = oj_load(p, n, &jerr, jmsg, sizeof jmsg);
	enum verdict res;
	st->lines++;
	st->bytes += (long)n;
	if (!ok && err.msg && err.off > n) {
		failf("error offset %zu beyond input of %zu bytes", err.off, n);
		res = V_FAIL;
	} else if (ok && o) {
		res = same(v, o) && copies_equal(v) ? V_ACCEPT : V_FAIL;
	} else if (!ok && !o) {
		res = V_REJECT;
	} else if (ok && jerr == OJ_ERR_NUMERIC_OVERFLOW) {
		res = has_jansson_big_number(v) ? V_EX_BIGINT :
			(failf("jansson: %s, but no out-of-range number here", jmsg), V_FAIL);
	} else if (ok && jerr == OJ_ERR_NUL_IN_KEY) {
		res = has_nul_key(v) ? V_EX_NULKEY :
			(failf("jansson: %s, but no NUL in a key here", jmsg), V_FAIL);
	} else if (!ok && o && !strcmp(err.msg, "nesting too deep")) {
		int d = oj_depth(o);
		res = d > JSON_MAX_DEPTH && d <= 2048 ? V_EX_DEPTH :
			(failf("we say nesting too deep, jansson's depth is %d", d), V_FAIL);
	} else if (!ok && o && nul_after_token(p, err.off)) {
		res = same_without_nuls(p, n, o) ? V_EX_NUL : V_FAIL;
	} else if (ok) {
		failf("jansson rejects what we accept: %s", jmsg);
		res = V_FAIL;
	} else {
		failf("we reject (%s at %zu) what jansson accepts", err.msg, err.off);
		res = V_FAIL;
	}
	if (res != V_FAIL && !rec_agrees(r, p, n, ok, v))
		res = V_FAIL;
	switch (res) {
	case V_ACCEPT:
		st->accepted++;
		st->objects += v.type == JV_OBJECT;
		break;
	case V_REJECT: st->rejected++; break;
	case V_EX_BIGINT: st->ex_bigint++; break;
	case V_EX_NULKEY: st->ex_nulkey++; break;
	case V_EX_DEPTH: st->ex_depth++; break;
	case V_EX_NUL: st->ex_nul++; break;
	default: break;
	}
	if (o)
		oj_free(o);
	return res;
}

static void report_fail(const char *what, const char *p, size_t n)
{
	char hex[1200];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < sizeof hex; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			hex[k++] = (char)c;
		else
			k += (size_t)snprintf(hex + k, sizeof hex - k, "\\x%02x", c);
	}
	hex[k] = 0;
	ck_abort_msg("%s: %s\n  input (%zu bytes): %s", what, failmsg, n, hex);
}

/* ---- handwritten cases ---- */

struct hcase {
	const char *s;
	size_t n;      /* 0: strlen(s) */
	enum verdict want;
};

#define A(s) { s, sizeof(s) - 1, V_ACCEPT }
#define R(s) { s, sizeof(s) - 1, V_REJECT }
#define BIG(s) { s, sizeof(s) - 1, V_EX_BIGINT }
#define NULKEY(s) { s, sizeof(s) - 1, V_EX_NULKEY }
#define NULAFTER(s) { s, sizeof(s) - 1, V_EX_NUL }

static const struct hcase cases[] = {
	/* empty and whitespace */
	R(""), R(" "), R("\n"), R("\r\n\t "),
	/* literals */
	A("null"), A("true"), A("false"), A(" true "), R("nul"), R("tru"), R("True"), R("nulll"),
	R("true false"), R("NaN"), R("Infinity"), R("-Infinity"), R("undefined"),
	/* numbers */
	A("0"), A("-0"), A("1"), A("-1"), A("0.5"), A("-0.0"), A("1e5"), A("1E5"), A("1e+5"),
	A("1e-5"), A("1.5e300"), A("123456789"), A("9223372036854775807"),
	A("-9223372036854775808"), A("1.7976931348623157e308"), A("4.9e-324"), A("1e-400"),
	A("2.2250738585072014e-308"), A("0.1"), A("100000000000000000000.0"),
	A("1e0000000000000000000001"), A("123.456e-789"),
	A("9007199254740993"), A("-9007199254740993"), A("0e0"), A("0E-0"),
	R("01"), R("-01"), R("00"), R("+1"), R(".5"), R("1."), R("1.e5"), R("1e"), R("1e+"),
	R("-"), R("--1"), R("1-"), R("0x10"), R("1,"), R("1 2"), R("- 1"), R("1.5.5"),
	R("1ee5"), R("١"), R("\xef\xbc\x91"),
	BIG("9223372036854775808"), BIG("-9223372036854775809"),
	BIG("18446744073709551616"), BIG("123456789012345678901234567890"),
	BIG("[1, 99999999999999999999]"), BIG("{\"a\":-99999999999999999999}"),
	BIG("1e309"), BIG("-1e309"), BIG("1.8e308"), BIG("[0.0, 1e99999]"),
	/* strings */
	A("\"\""), A("\"a\""), A("\" \""), A("\"\\\"\""), A("\"\\\\\""), A("\"\\/\""),
	A("\"\\b\\f\\n\\r\\t\""), A("\"\\u0000\""), A("\"a\\u0000b\""), A("\"\\u001f\""),
	A("\"\\u0041\\u00e9\\u20AC\\uFFFF\""), A("\"\\uD83D\\uDE00\""), A("\"\\ud83d\\ude00\""),
	A("\"\\uDBFF\\uDFFF\""), A("\"\\uD800\\uDC00\""), A("\"\\uE000\""), A("\"\\uD7FF\""),
	A("\"\x7f\""), A("\"\xc2\x80\""), A("\"\xdf\xbf\""), A("\"\xe0\xa0\x80\""),
	A("\"\xef\xbf\xbf\""), A("\"\xf0\x90\x80\x80\""), A("\"\xf4\x8f\xbf\xbf\""),
	A("\"\xed\x9f\xbf\""), A("\"\xee\x80\x80\""), A("\"h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac\""),
	A("\"0123456789abcdef0123456789abcdef\\n0123456789abcdef\""),
	A("\"0123456789abcde\xc3\xa9\""), A("\"0123456789abcdef\\\"\""),
	R("\""), R("\"a"), R("\"\\\""), R("\"\\"), R("\"\\a\""), R("\"\\x41\""), R("\"\\U0041\""),
	R("\"\\u\""), R("\"\\u12\""), R("\"\\u12g4\""), R("\"\\uD800\""), R("\"\\uDC00\""),
	R("\"\\uD800\\u0041\""), R("\"\\uD800x\""), R("\"\\uDBFF\\uDBFF\""), R("\"\\uDC00\\uD800\""),
	R("\"\\uD800\\\""), R("\"\\uD800\\u\""), R("\"\\uD800\\uDC0\""),
	R("\"\t\""), R("\"\n\""), R("\"\r\""), R("\"\x1f\""), R("\"a\0b\""), R("'a'"),
	/* invalid UTF-8: overlongs, surrogates, > U+10FFFF, truncated, stray bytes */
	R("\"\xc0\x80\""), R("\"\xc1\xbf\""), R("\"\xe0\x80\x80\""), R("\"\xe0\x9f\xbf\""),
	R("\"\xf0\x80\x80\x80\""), R("\"\xf0\x8f\xbf\xbf\""), R("\"\xed\xa0\x80\""),
	R("\"\xed\xbf\xbf\""), R("\"\xed\xa0\xbd\xed\xb8\x80\""), R("\"\xf4\x90\x80\x80\""),
	R("\"\xf5\x80\x80\x80\""), R("\"\xf8\x88\x80\x80\x80\""), R("\"\xfc\x84\x80\x80\x80\x80\""),
	R("\"\xfe\""), R("\"\xff\""), R("\"\x80\""), R("\"\xbf\""), R("\"\xc3\""), R("\"\xe2\x82\""),
	R("\"\xf0\x9f\x98\""), R("\"\xc3\x28\""), R("\"\xe2\x28\xa1\""), R("\"\xf0\x28\x8c\xbc\""),
	R("\"0123456789abcdef\xc3\""), R("\"0123456789abcdef\xff\"0123456789"),
	R("\xef\xbb\xbf{}"), R("\xc3\xa9"), R("{\"a\":1}\xff"),
	/* arrays */
	A("[]"), A("[ ]"), A("[1]"), A("[1,2]"), A("[[]]"), A("[[],[[]]]"), A(" [ 1 , \"a\" ] "),
	A("[null,true,false,0,\"\",[],{}]"), A("\t[\r\n1\n]\r\n"),
	R("["), R("]"), R("[,]"), R("[1,]"), R("[,1]"), R("[1 2]"), R("[1,,2]"), R("[1}"),
	R("[\"a\":1]"), R("[[]"), R("[]]"), R("[1]x"), R("[1] [2]"),
	/* objects */
	A("{}"), A("{ }"), A("{\"a\":1}"), A("{\"a\":1,\"b\":[2,{\"c\":null}]}"),
	A("{\"a\":1,\"a\":2}"), A("{\"a\":{\"x\":1},\"a\":[2]}"), A("{\"\":\"\"}"),
	A("{\"a\\u0062\":1,\"ab\":2}"), A("{\"ab\":1,\"a\\u0062\":2}"),
	A("{\"\\u00e9\":1,\"\xc3\xa9\":2,\"\\u00E9\":3}"), A("{\"\\\\\":1,\"\\\"\":2}"),
	A("{\"a\\nb\":1,\"a\\\\nb\":2}"), A("{\"a\":1,\"b\":2,\"a\":3,\"b\":4,\"c\":5}"),
	A(" { \"a\" : 1 , \"b\" : 2 } "), A("{\"a\":\"\\uD83D\\uDE00\"}"),
	R("{"), R("}"), R("{,}"), R("{\"a\"}"), R("{\"a\":}"), R("{\"a\" 1}"), R("{\"a\":1,}"),
	R("{\"a\":1 \"b\":2}"), R("{a:1}"), R("{'a':1}"), R("{1:1}"), R("{null:1}"),
	R("{\"a\":1]"), R("{\"a\":1}}"), R("{\"a\":1}{}"), R("{\"a\"::1}"), R("{\"a\":1,,\"b\":2}"),
	R("{\"\xff\":1}"), R("{\"a\":\"\xed\xa0\x80\"}"), R("{\"a\":1} x"), R("{\"a\":1}\0"),
	R("\0{}"), R("{\0}"), R("[1,\0 2]"), R("[\"a\"\0]"), R("[1\0\0]"), R("tr\0ue"),
	NULAFTER("{\"a\":1\0}"), NULAFTER("[1\0]"), NULAFTER("1\0"), NULAFTER("[true\0]"),
	NULAFTER("[null\0,false\0]"), NULAFTER("{\"a\":1e5\0,\"b\":-0\0}"),
	NULKEY("{\"\\u0000\":1}"), NULKEY("{\"a\\u0000b\":1}"), NULKEY("[{\"x\":{\"\\u0000\":[]}}]"),
	A("{\"a\":\"\\u0000\"}"),
	/* seed shape */
	A("{\"event_id\":\"5e0c4a7e-8f4f-4a51-9a55-0c1b2f0e6b1d\",\"user_id\":\"user_123\","
	  "\"event_type\":\"page_view\",\"timestamp\":\"2026-11-24T10:15:30.123Z\","
	  "\"properties\":{\"page\":\"/home\",\"device\":\"mobile\"}}"),
};

START_TEST(handwritten)
{
	struct stats st = { 0 };
	struct rec r;
	rec_init(&r);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct hcase *c = &cases[i];
		enum verdict v = diff_one(&r, c->s, c->n, &st);
		if (v == V_FAIL)
			report_fail("handwritten case", c->s, c->n);
		if (v != c->want) {
			snprintf(failmsg, sizeof failmsg, "verdict %d, expected %d", v, c->want);
			report_fail("handwritten case", c->s, c->n);
		}
	}
	rec_free(&r);
}
END_TEST

static char *nest(const char *open, const char *mid, const char *close, int depth, size_t *n)
{
	size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
	char *s = malloc((lo + lc) * (size_t)depth + lm + 1), *p = s;
	for (int i = 0; i < depth; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, mid, lm);
	p += lm;
	for (int i = 0; i < depth; i++, p += lc)
		memcpy(p, close, lc);
	*n = (size_t)(p - s);
	return s;
}

START_TEST(nesting_limits)
{
	static const struct {
		const char *open, *mid, *close;
		int scalar; /* jansson counts an innermost scalar as one more level */
	} shapes[] = { { "[", "", "]", 0 }, { "[", "1", "]", 1 }, { "{\"a\":", "null", "}", 1 },
		       { "[{\"k\":", "[]", "}]", 0 } };
	struct stats st = { 0 };
	struct rec r;
	rec_init(&r);
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		int per = s == 3 ? 2 : 1, extra = s == 3 ? 1 : 0;
		int depths[] = { 1, 2, 100, 255, 256, 257, 510, 511, 512, 513, 514, 1000, 1023, 1024,
			2047, 2048, 2049, 2050, 5000 };
		for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {
			int reps = depths[d] / per;
			int total = reps * per + extra;
			size_t n;
			char *p = nest(shapes[s].open, shapes[s].mid, shapes[s].close, reps, &n);
			enum verdict v = diff_one(&r, p, n, &st);
			enum verdict want = total <= JSON_MAX_DEPTH ? V_ACCEPT :
				total + shapes[s].scalar <= 2048 ? V_EX_DEPTH : V_REJECT;
			if (v == V_FAIL)
				report_fail("nesting", p, n);
			ck_assert_msg(v == want, "depth %d shape %zu: verdict %d, expected %d", total,
				s, v, want);
			free(p);
		}
	}
	/* depth is counted the same inside a record: {"a":[[...]]} */
	for (int d = 510; d <= 514; d++) {
		size_t n;
		char *inner = nest("[", "", "]", d - 1, &n);
		char *p = malloc(n + 8);
		memcpy(p, "{\"a\":", 5);
		memcpy(p + 5, inner, n);
		p[5 + n] = '}';
		enum verdict v = diff_one(&r, p, n + 6, &st);
		ck_assert_msg(v == (d <= JSON_MAX_DEPTH ? V_ACCEPT : V_EX_DEPTH), "record depth %d", d);
		struct buf why = BUF_INIT;
		ck_assert(rec_parse(&r, p, n + 6, &why) == (d <= JSON_MAX_DEPTH));
		if (d > JSON_MAX_DEPTH)
			ck_assert_msg(strstr(why.p, "nesting too deep"), "%s", why.p);
		buf_free(&why);
		free(inner);
		free(p);
	}
	rec_free(&r);
}
END_TEST

/* ---- random corpus ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void gen_ws(struct buf *b)
{
	static const char ws[] = " \t\n\r";
	if (below(6) == 0) {
		unsigned k = 1 + below(3);
		while (k--)
			buf_addc(b, ws[below(4)]);
	}
}

static unsigned random_cp(void)
{
	static const unsigned edge[] = { 0x7F, 0x80, 0x7FF, 0x800, 0xFFF, 0x1000, 0xD7FF, 0xE000,
		0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x10FFFF, 0x1F600, 0xE9, 0x20AC };
	switch (below(4)) {
	case 0: return edge[below(sizeof edge / sizeof edge[0])];
	case 1: return 0x80 + below(0x800 - 0x80);
	case 2: {
		unsigned c = 0x800 + below(0x10000 - 0x800);
		return c >= 0xD800 && c <= 0xDFFF ? c + 0x800 : c;
	}
	default: return 0x10000 + below(0x100000);
	}
}

static void gen_string_body(struct buf *b, bool key)
{
	unsigned len = below(8) == 0 ? below(120) : below(20);
	int plain = below(3) == 0; /* long ASCII runs exercise the vector scanner */
	for (unsigned i = 0; i < len; i++) {
		unsigned r = plain ? below(40) : below(100);
		if (r < 60) {
			char c = (char)(0x20 + below(95));
			buf_addc(b, c == '"' || c == '\\' ? 'x' : c);
		} else if (r < 72) {
			static const char *esc[] = { "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r",
				"\\t", "\\u0000", "\\u001f", "\\u0041", "\\u00e9", "\\u00E9", "\\u20ac",
				"\\uFFFF", "\\ud83d\\ude00", "\\uDBFF\\uDFFF", "\\u0022", "\\u005c" };
			unsigned e = below(sizeof esc / sizeof esc[0]);
			if (key && e == 8 && below(20)) /* \u0000 in keys: a jansson limit, keep rare */
				e = 0;
			buf_adds(b, esc[e]);
		} else if (r < 85) {
			json_put_utf8(b, random_cp());
		} else if (r < 88) {
			char u[16];
			snprintf(u, sizeof u, "\\u%04x", random_cp() & 0xFFFF);
			unsigned v = (unsigned)strtoul(u + 2, NULL, 16);
			if (v >= 0xD800 && v <= 0xDFFF)
				snprintf(u, sizeof u, "\\u%04X", v - 0x800);
			buf_adds(b, u);
		} else {
			buf_addc(b, (char)('a' + below(26)));
		}
	}
}

static const char *keys[] = { "a", "b", "id", "user_id", "event_type", "timestamp", "k",
	"a\\u0062", "ab", "\\u00e9", "\xc3\xa9", "x y", "", "\\\\", "\\n", "properties",
	"\\u0061", "0123456789abcdefghij", "\\u0000" };

static void gen_key(struct buf *b)
{
	buf_addc(b, '"');
	if (below(4) == 0)
		gen_string_body(b, true);
	else {
		unsigned nk = sizeof keys / sizeof keys[0];
		unsigned k = below(nk);
		if (k == nk - 1 && below(20)) /* keys with \u0000 are a jansson limit: keep rare */
			k = 0;
		buf_adds(b, keys[k]);
	}
	buf_addc(b, '"');
}

static void gen_number(struct buf *b)
{
	static const char *odd[] = { "-0", "0.0", "-0.0", "1e308", "1.7976931348623157e308",
		"4.9e-324", "1e-400", "2.2250738585072014e-308", "9223372036854775807",
		"-9223372036854775808", "9007199254740993", "0.1", "1E+2", "1e-0", "123456789.123456789",
		"0.30000000000000004", "5e-324", "1e22", "1e23" };
	switch (below(10)) {
	case 0:
		buf_adds(b, odd[below(sizeof odd / sizeof odd[0])]);
		break;
	case 1: { /* rarely beyond jansson's range */
		if (below(30) == 0)
			buf_adds(b, below(2) ? "99999999999999999999" : "1e400");
		else {
			unsigned sh = below(63);
			long long v = (long long)(rnd() >> 1 >> sh);
			buf_printf(b, "%lld", below(2) ? -v : v);
		}
		break;
	}
	case 2:
	case 3:
		buf_printf(b, "%d", (int)below(2000) - 1000);
		break;
	case 4: { /* sequenced: argument evaluation order must not change the corpus */
		int prec = 1 + (int)below(17);
		double m = (double)(rnd() >> 11) / 9007199254740992.0;
		int e10 = (int)below(40) - 20;
		buf_printf(b, "%.*g", prec, m * pow(10, e10));
		break;
	}
	case 5: {
		int i = (int)below(100), f = (int)below(1000);
		char sign = "+-"[below(2)];
		int e = (int)below(30);
		buf_printf(b, "%d.%de%c%d", i, f, sign, e);
		break;
	}
	default:
		buf_printf(b, "%u", below(100000));
	}
}

static void gen_value(struct buf *b, int depth)
{
	unsigned r = below(depth >= 3 ? 60 : 100);
	gen_ws(b);
	if (r < 8) {
		buf_adds(b, below(3) == 0 ? "null" : below(2) ? "true" : "false");
	} else if (r < 30) {
		gen_number(b);
	} else if (r < 60) {
		buf_addc(b, '"');
		gen_string_body(b, false);
		buf_addc(b, '"');
	} else if (r < 78) {
		unsigned n = below(5);
		buf_addc(b, '[');
		for (unsigned i = 0; i < n; i++) {
			if (i)
				buf_addc(b, ',');
			gen_value(b, depth + 1);
		}
		gen_ws(b);
		buf_addc(b, ']');
	} else {
		unsigned n = below(5);
		buf_addc(b, '{');
		for (unsigned i = 0; i < n; i++) {
			if (i)
				buf_addc(b, ',');
			gen_ws(b);
			gen_key(b);
			gen_ws(b);
			buf_addc(b, ':');
			gen_value(b, depth + 1);
		}
		gen_ws(b);
		buf_addc(b, '}');
	}
	gen_ws(b);
}

static void gen_record(struct buf *b)
{
	unsigned n = below(9);
	buf_addc(b, '{');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			buf_addc(b, ',');
		gen_ws(b);
		gen_key(b);
		buf_addc(b, ':');
		gen_value(b, 1);
	}
	buf_addc(b, '}');
}

static const char *nasty[] = { "\"", "\\", "[", "]", "{", "}", ",", ":", "\\u", "\\uD800",
	"\\uDC00", "\\ud83d\\ude00", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe0\x80\xaf",
	"\xf0\x80\x80\xaf", "\xf8\x88\x80\x80\x80", "\xc2", "\xe2\x82", "\xf0\x9f\x98", "\xff",
	"\xfe", "\x80", "\x7f", "\t", "\n", "\r", "\x01", "1e999", "-", "0", "01", ".", "e",
	"true", "nul", "\"\":", "[]", "{}", "\\\"", "\\\\", "\\x", "\\u0000", "\xc3\xa9", " " };

static void mutate(struct buf *b)
{
	unsigned k = 1 + below(3);
	while (k--) {
		size_t pos = b->len ? (size_t)(rnd() % (b->len + 1)) : 0;
		switch (below(8)) {
		case 0: /* flip one bit */
			if (b->len && pos < b->len)
				b->p[pos] = (char)(b->p[pos] ^ (1 << below(8)));
			break;
		case 1: /* truncate */
			b->len = pos;
			break;
		case 2: /* delete a byte */
			if (pos < b->len) {
				memmove(b->p + pos, b->p + pos + 1, b->len - pos - 1);
				b->len--;
			}
			break;
		case 3: /* a random byte */
		case 4: {
			char c = (char)below(256);
			buf_grow(b, 1);
			memmove(b->p + pos + 1, b->p + pos, b->len - pos);
			b->p[pos] = c;
			b->len++;
			break;
		}
		case 5: /* replace a byte */
			if (pos < b->len)
				b->p[pos] = (char)below(256);
			break;
		case 6: { /* duplicate a slice */
			if (!b->len)
				break;
			size_t from = (size_t)(rnd() % b->len), n = 1 + below(12);
			if (from + n > b->len)
				n = b->len - from;
			char tmp[16];
			memcpy(tmp, b->p + from, n);
			buf_grow(b, n);
			memmove(b->p + pos + n, b->p + pos, b->len - pos);
			memcpy(b->p + pos, tmp, n);
			b->len += n;
			break;
		}
		default: { /* a nasty token */
			const char *t = nasty[below(sizeof nasty / sizeof nasty[0])];
			size_t tn = strlen(t);
			buf_grow(b, tn);
			memmove(b->p + pos + tn, b->p + pos, b->len - pos);
			memcpy(b->p + pos, t, tn);
			b->len += tn;
		}
		}
	}
}

static long corpus_lines(void)
{
	const char *e = getenv("RUNNEL_JSONDIFF_LINES");
	long n = e ? atol(e) : DEFAULT_LINES;
	return n > 0 ? n : DEFAULT_LINES;
}

START_TEST(random_corpus)
{
	struct stats st = { 0 };
	struct buf b = BUF_INIT;
	struct rec r;
	long want = corpus_lines();
	long mutated = 0;
	rec_init(&r);
	rng_state = 0x5eed2026u;
	for (long i = 0; i < want; i++) {
		buf_reset(&b);
		if (below(8))
			gen_record(&b);
		else
			gen_value(&b, 0);
		if (below(10) < 7) {
			mutate(&b);
			mutated++;
		}
		if (diff_one(&r, b.p, b.len, &st) == V_FAIL) {
			char what[64];
			snprintf(what, sizeof what, "random line %ld", i);
			report_fail(what, b.p, b.len);
		}
	}
	fprintf(stderr, "jsondiff: %ld lines of %ld bytes on average (%ld mutated): %ld accepted (%ld objects), "
		"%ld rejected by both; jansson limits: %ld big numbers, %ld NUL keys, %ld depth, "
		"%ld NUL after token\n", st.lines, st.bytes / (st.lines ? st.lines : 1), mutated, st.accepted, st.objects, st.rejected,
		st.ex_bigint, st.ex_nulkey, st.ex_depth, st.ex_nul);
	/* the corpus must exercise both sides, not degenerate into all-reject */
	ck_assert_int_eq(st.lines, want);
	ck_assert_int_gt(st.accepted, want / 5);
	ck_assert_int_gt(st.rejected, want / 5);
	ck_assert_int_gt(st.objects, want / 10);
	ck_assert_int_gt(st.ex_bigint, 0);
	ck_assert_int_gt(st.ex_nulkey, 0);
	buf_free(&b);
	rec_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jsondiff");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, handwritten);
	tcase_add_test(tc, nesting_limits);
	tcase_add_test(tc, random_corpus);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
