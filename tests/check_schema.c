#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rec.h"
#include "schema.h"

static struct schema S;
static struct buf out, why, err;
static struct rec R;

static void setup(void)
{
	schema_init(&S);
	rec_init(&R);
}

static void teardown(void)
{
	schema_free(&S);
	rec_free(&R);
	buf_free(&out);
	buf_free(&why);
	buf_free(&err);
}

static void load(const char *avsc)
{
	schema_free(&S);
	schema_init(&S);
	ck_assert_msg(schema_load_avro(&S, avsc, strlen(avsc), &err), "load %s: %s", avsc, err.p);
}

/* A record R with one field v of the given type (and maybe a default). */
static void load_v(const char *type, const char *def)
{
	char t[8192];
	snprintf(t, sizeof t,
		"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"v\",\"type\":%s%s%s}]}",
		type, def ? ",\"default\":" : "", def ? def : "");
	load(t);
}

static const char *load_error(const char *avsc)
{
	schema_free(&S);
	schema_init(&S);
	ck_assert_msg(!schema_load_avro(&S, avsc, strlen(avsc), &err), "loaded %s", avsc);
	return err.p;
}

static void fields(const char *spec)
{
	schema_free(&S);
	schema_init(&S);
	ck_assert_msg(schema_parse_fields(&S, spec, &err), "-f %s: %s", spec, err.p);
}

static const char *fields_error(const char *spec)
{
	schema_free(&S);
	schema_init(&S);
	ck_assert_msg(!schema_parse_fields(&S, spec, &err), "accepted -f %s", spec);
	return err.p;
}

/* The line through the root record: its output, or "!" and the reason. */
static const char *run(const char *line, unsigned flags)
{
	ck_assert_msg(rec_parse(&R, line, strlen(line), &why), "bad test line %s", line);
	buf_reset(&out);
	buf_addc(&out, '{');
	if (!schema_write_members(&S, R.f, R.nf, flags, &out, &why)) {
		ck_assert_str_eq(out.p, "{"); /* nothing left behind */
		buf_reset(&out);
		buf_addc(&out, '!');
		buf_add(&out, why.p, why.len);
		return out.p;
	}
	buf_addc(&out, '}');
	return out.p;
}

#define OK(line, want) ck_assert_str_eq(run(line, 0), want)
#define OKF(line, flags, want) ck_assert_str_eq(run(line, flags), want)
#define BAD(line, want) ck_assert_str_eq(run(line, 0), "!" want)

/* One value of field v: in, and the expected out (NULL: rejected with msg). */
struct vcase {
	const char *in;
	const char *want;
	const char *msg;
};

static void check_values(const char *type, const struct vcase *c, size_t n)
{
	char line[1024], want[1024];
	load_v(type, NULL);
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof line, "{\"v\":%s}", c[i].in);
		if (c[i].want)
			snprintf(want, sizeof want, "{\"v\":%s}", c[i].want);
		else
			snprintf(want, sizeof want, "!field v: %s", c[i].msg);
		ck_assert_msg(!strcmp(run(line, 0), want), "%s: %s gave [%s], want [%s]", type,
			c[i].in, out.p, want);
	}
}

#define VALUES(type, ...) do { \
	static const struct vcase cases_[] = { __VA_ARGS__ }; \
	check_values(type, cases_, sizeof cases_ / sizeof cases_[0]); \
} while (0)

START_TEST(test_primitives)
{
	VALUES("\"string\"",
		{ "\"x\"", "\"x\"", NULL },
		{ "\"a\\u00e9\\n\"", "\"a\\u00e9\\n\"", NULL },
		{ "\"\"", "\"\"", NULL },
		{ "1", NULL, "expected string, got number" },
		{ "null", NULL, "expected string, got null" },
		{ "true", NULL, "expected string, got boolean" },
		{ "[]", NULL, "expected string, got array" },
		{ "{}", NULL, "expected string, got object" });
	VALUES("\"boolean\"",
		{ "true", "true", NULL },
		{ "false", "false", NULL },
		{ "\"true\"", NULL, "expected boolean, got string" },
		{ "0", NULL, "expected boolean, got number" });
	VALUES("\"null\"",
		{ "null", "null", NULL },
		{ "0", NULL, "expected null, got number" });
	VALUES("\"bytes\"",
		{ "\"\\u00ff\\u0000\"", "\"\\u00ff\\u0000\"", NULL },
		{ "1", NULL, "expected bytes, got number" });
}
END_TEST

START_TEST(test_integers)
{
	VALUES("\"int\"",
		{ "0", "0", NULL },
		{ "-0", "0", NULL },
		{ "2147483647", "2147483647", NULL },
		{ "-2147483648", "-2147483648", NULL },
		{ "1e3", "1000", NULL },
		{ "1.0", "1", NULL },
		{ "2147483648", NULL, "expected int, got 2147483648 (out of range)" },
		{ "-2147483649", NULL, "expected int, got -2147483649 (out of range)" },
		{ "1.5", NULL, "expected int, got 1.5 (not an integer)" },
		{ "\"1\"", NULL, "expected int, got string" });
	VALUES("\"long\"",
		{ "9223372036854775807", "9223372036854775807", NULL },
		{ "-9223372036854775808", "-9223372036854775808", NULL },
		{ "3000000000", "3000000000", NULL },
		{ "9223372036854775808", NULL,
		  "expected long, got 9223372036854775808 (out of range)" },
		{ "1e19", NULL, "expected long, got 1e19 (out of range)" },
		{ "0.5", NULL, "expected long, got 0.5 (not an integer)" },
		{ "123456789012345678901234567890123456789012345", NULL,
		  "expected long, got 1234567890123456789012345678901234567890... (out of range)" },
		{ "false", NULL, "expected long, got boolean" });
}
END_TEST

START_TEST(test_reals)
{
	/* numbers pass through as written */
	VALUES("\"double\"",
		{ "1.50", "1.50", NULL },
		{ "-0.0", "-0.0", NULL },
		{ "1E+2", "1E+2", NULL },
		{ "7", "7", NULL },
		{ "1e300", "1e300", NULL },
		{ "1e400", NULL, "expected double, got 1e400 (out of range)" },
		{ "-1e400", NULL, "expected double, got -1e400 (out of range)" },
		{ "1e-400", "1e-400", NULL },
		{ "\"1.5\"", NULL, "expected double, got string" });
	VALUES("\"float\"",
		{ "3.25", "3.25", NULL },
		{ "1e38", "1e38", NULL },
		{ "340000000000000000000000000000000000000", "340000000000000000000000000000000000000",
		  NULL },
		{ "3.5e38", NULL, "expected float, got 3.5e38 (out of range)" },
		{ "3500000000000000000000000000000000000000", NULL,
		  "expected float, got 3500000000000000000000000000000000000000 (out of range)" },
		{ "null", NULL, "expected float, got null" });
}
END_TEST

START_TEST(test_timestamps)
{
	VALUES("{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}",
		{ "\"2026-11-24T10:15:30.123Z\"", "\"2026-11-24T10:15:30.123Z\"", NULL },
		{ "\"2026-11-24T11:15:30.1239+01:00\"", "\"2026-11-24T10:15:30.123Z\"", NULL },
		{ "\"2026-11-24 10:15:30\"", "\"2026-11-24T10:15:30.000Z\"", NULL },
		{ "\"2016-12-31T23:59:60.000Z\"", "\"2017-01-01T00:00:00.000Z\"", NULL },
		{ "\"2024-02-29T00:00:00Z\"", "\"2024-02-29T00:00:00.000Z\"", NULL },
		/* already canonical: checked without a full parse */
		{ "\"2024-02-29T23:59:59.999Z\"", "\"2024-02-29T23:59:59.999Z\"", NULL },
		{ "\"2000-02-29T00:00:00.000Z\"", "\"2000-02-29T00:00:00.000Z\"", NULL },
		{ "\"0000-01-01T00:00:00.000Z\"", "\"0000-01-01T00:00:00.000Z\"", NULL },
		{ "\"2026-11-24T10:15:60.000Z\"", "\"2026-11-24T10:16:00.000Z\"", NULL },
		{ "\"1900-02-29T00:00:00.000Z\"", NULL,
		  "not an RFC 3339 time or epoch milliseconds: \"1900-02-29T00:00:00.000Z\"" },
		{ "\"2026-11-31T00:00:00.000Z\"", NULL,
		  "not an RFC 3339 time or epoch milliseconds: \"2026-11-31T00:00:00.000Z\"" },
		{ "\"2026-00-01T00:00:00.000Z\"", NULL,
		  "not an RFC 3339 time or epoch milliseconds: \"2026-00-01T00:00:00.000Z\"" },
		{ "\"2026-11-24T24:00:00.000Z\"", NULL,
		  "not an RFC 3339 time or epoch milliseconds: \"2026-11-24T24:00:00.000Z\"" },
		{ "\"2026-11-24T10:60:00.000Z\"", NULL,
		  "not an RFC 3339 time or epoch milliseconds: \"2026-11-24T10:60:00.000Z\"" },
		{ "\"2026-11-24T10:15:30.12xZ\"", NULL,
		  "not an RFC 3339 time or epoch milliseconds: \"2026-11-24T10:15:30.12xZ\"" },
		{ "1795000000000", "\"2026-11-18T11:06:40.000Z\"", NULL },
		{ "-1", "\"1969-12-31T23:59:59.999Z\"", NULL },
		{ "0", "\"1970-01-01T00:00:00.000Z\"", NULL },
		{ "253402300799999", "\"9999-12-31T23:59:59.999Z\"", NULL },
		{ "-62167219200000", "\"0000-01-01T00:00:00.000Z\"", NULL },
		{ "253402300800000", NULL,
		  "time out of range (years 0000 to 9999): 253402300800000" },
		{ "-62167219200001", NULL,
		  "time out of range (years 0000 to 9999): -62167219200001" },
		{ "1e30", NULL, "time out of range (years 0000 to 9999): 1e30" },
		{ "\"2023-02-29T00:00:00Z\"", NULL,
		  "not an RFC 3339 time or epoch milliseconds: \"2023-02-29T00:00:00Z\"" },
		{ "\"yesterday\"", NULL, "not an RFC 3339 time or epoch milliseconds: \"yesterday\"" },
		{ "\"2026-11-24T10:15:30.123Zjunk\"", NULL,
		  "not an RFC 3339 time or epoch milliseconds: \"2026-11-24T10:15:30.123Zjunk\"" },
		{ "true", NULL, "expected timestamp-millis, got boolean" },
		{ "{}", NULL, "expected timestamp-millis, got object" });
	VALUES("{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}",
		{ "\"2026-11-24T10:15:30.123456Z\"", "\"2026-11-24T10:15:30.123456Z\"", NULL },
		{ "\"2026-11-24T10:15:30.1Z\"", "\"2026-11-24T10:15:30.100000Z\"", NULL },
		{ "\"2026-11-24T10:15:30Z\"", "\"2026-11-24T10:15:30.000000Z\"", NULL },
		{ "1", "\"1970-01-01T00:00:00.000001Z\"", NULL },
		{ "-1", "\"1969-12-31T23:59:59.999999Z\"", NULL },
		{ "\"x\"", NULL, "not an RFC 3339 time or epoch microseconds: \"x\"" });
	VALUES("{\"type\":\"int\",\"logicalType\":\"date\"}",
		{ "\"2024-02-29\"", "\"2024-02-29\"", NULL },
		{ "19000", "\"2022-01-08\"", NULL },
		{ "-1", "\"1969-12-31\"", NULL },
		{ "2932896", "\"9999-12-31\"", NULL },
		{ "2932897", NULL, "time out of range (years 0000 to 9999): 2932897" },
		{ "3000000000", NULL, "time out of range (years 0000 to 9999): 3000000000" },
		{ "1.5", NULL, "not a date (YYYY-MM-DD) or days since 1970-01-01: 1.5" },
		{ "\"2023-02-29\"", NULL,
		  "not a date (YYYY-MM-DD) or days since 1970-01-01: \"2023-02-29\"" },
		{ "\"2024-02-29T00:00:00Z\"", NULL,
		  "not a date (YYYY-MM-DD) or days since 1970-01-01: \"2024-02-29T00:00:00Z\"" });
	/* logical types on the wrong type, or unknown ones, are ignored */
	VALUES("{\"type\":\"string\",\"logicalType\":\"timestamp-millis\"}",
		{ "\"x\"", "\"x\"", NULL });
	VALUES("{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}",
		{ "5", "5", NULL },
		{ "\"2026-11-24T10:15:30Z\"", NULL, "expected long, got string" });
}
END_TEST

START_TEST(test_enum)
{
	VALUES("{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"x.y\",\"symbols\":[\"A\",\"B_2\"]}",
		{ "\"A\"", "\"A\"", NULL },
		{ "\"B_2\"", "\"B_2\"", NULL },
		{ "\"\\u0041\"", "\"\\u0041\"", NULL },
		{ "\"a\"", NULL, "\"a\" is not a symbol of enum E" },
		{ "\"\"", NULL, "\"\" is not a symbol of enum E" },
		{ "1", NULL, "expected enum E, got number" });
	ck_assert_int_eq(schema_enum_index(&S, S.field[0].type,
		(struct json_val){ "\"B_2\"", 5, JV_STRING }), 1);
	ck_assert_int_eq(schema_enum_index(&S, S.field[0].type,
		(struct json_val){ "\"C\"", 3, JV_STRING }), -1);
}
END_TEST

START_TEST(test_fixed)
{
	VALUES("{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}",
		{ "\"ab\"", "\"ab\"", NULL },
		{ "\"\\u00ff\\u0000\"", "\"\\u00ff\\u0000\"", NULL },
		{ "\"abc\"", NULL, "expected 2 characters for fixed F, got 3" },
		{ "2", NULL, "expected fixed F, got number" });
}
END_TEST

START_TEST(test_arrays_maps)
{
	VALUES("{\"type\":\"array\",\"items\":\"long\"}",
		{ "[]", "[]", NULL },
		{ "[ 1 , 2,3 ]", "[1,2,3]", NULL },
		{ "{}", NULL, "expected array of long, got object" });
	load_v("{\"type\":\"array\",\"items\":\"long\"}", NULL);
	BAD("{\"v\":[1,\"2\"]}", "field v[1]: expected long, got string");
	load_v("{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":\"int\"}}", NULL);
	OK("{\"v\":[[1],[],[2,3]]}", "{\"v\":[[1],[],[2,3]]}");
	BAD("{\"v\":[[1],[],[2,3.5]]}", "field v[2][1]: expected int, got 3.5 (not an integer)");

	load_v("{\"type\":\"map\",\"values\":\"string\"}", NULL);
	OK("{\"v\":{}}", "{\"v\":{}}");
	OK("{\"v\":{ \"a\" : \"1\" , \"b\":\"2\"}}", "{\"v\":{\"a\":\"1\",\"b\":\"2\"}}");
	/* a repeated key: the last wins, as in jansson, jq and Python */
	OK("{\"v\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}}", "{\"v\":{\"b\":\"2\",\"a\":\"3\"}}");
	BAD("{\"v\":{\"device\":5}}", "field v.device: expected string, got number");
	BAD("{\"v\":{\"a.b\":5}}", "field v.\"a.b\": expected string, got number");
	BAD("{\"v\":{\"\":5}}", "field v.\"\": expected string, got number");
	BAD("{\"v\":[]}", "field v: expected map of string, got array");
	load_v("{\"type\":\"map\",\"values\":{\"type\":\"map\",\"values\":\"int\"}}", NULL);
	OK("{\"v\":{\"a\":{\"b\":1}}}", "{\"v\":{\"a\":{\"b\":1}}}");
	BAD("{\"v\":{\"a\":{\"b\":true}}}", "field v.a.b: expected int, got boolean");
}
END_TEST

/* More than 16 members: duplicates are found through a hash table. */
START_TEST(test_map_many_duplicates)
{
	struct buf line = BUF_INIT, want = BUF_INIT;
	load_v("{\"type\":\"map\",\"values\":\"int\"}", NULL);
	buf_adds(&line, "{\"v\":{");
	buf_adds(&want, "{\"v\":{");
	for (int i = 0; i < 200; i++)
		buf_printf(&line, "%s\"k%d\":%d", i ? "," : "", i % 50, i);
	for (int i = 150; i < 200; i++)
		buf_printf(&want, "%s\"k%d\":%d", i > 150 ? "," : "", i % 50, i);
	buf_adds(&line, "}}");
	buf_adds(&want, "}}");
	ck_assert_str_eq(run(line.p, 0), want.p);
	buf_free(&line);
	buf_free(&want);
}
END_TEST

START_TEST(test_records)
{
	load("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
		"{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":\"A\",\"fields\":["
		"{\"name\":\"b\",\"type\":\"int\"},{\"name\":\"c\",\"type\":[\"null\",\"string\"]}]}},"
		"{\"name\":\"n\",\"type\":\"long\"}]}");
	OK("{\"n\":1,\"a\":{\"c\":\"x\",\"b\":2}}", "{\"a\":{\"b\":2,\"c\":\"x\"},\"n\":1}");
	OK("{\"n\":1,\"a\":{\"b\":2}}", "{\"a\":{\"b\":2,\"c\":null},\"n\":1}");
	OK("{\"n\":1,\"a\":{\"b\":2,\"zz\":[1, 2]}}", "{\"a\":{\"b\":2,\"c\":null},\"n\":1}");
	OKF("{\"n\":1,\"a\":{\"b\":2,\"zz\":[1, 2]}}", SCHEMA_KEEP_UNKNOWN,
		"{\"a\":{\"b\":2,\"c\":null,\"zz\":[1,2]},\"n\":1}");
	BAD("{\"n\":1,\"a\":{\"c\":\"x\"}}", "field a.b: required field is missing");
	BAD("{\"n\":1,\"a\":{\"b\":2,\"c\":3}}", "field a.c: expected string or null, got number");
	BAD("{\"n\":1,\"a\":[]}", "field a: expected record A, got array");
	BAD("{\"a\":{\"b\":2}}", "field n: required field is missing");
	/* a repeated field: the last wins */
	OK("{\"n\":1,\"n\":2,\"a\":{\"b\":2}}", "{\"a\":{\"b\":2,\"c\":null},\"n\":2}");
	/* keys with escapes still name their field */
	OK("{\"\\u006e\":1,\"a\":{\"\\u0062\":2}}", "{\"a\":{\"b\":2,\"c\":null},\"n\":1}");
	ck_assert_int_eq(schema_field_index(&S, S.root, "n", 1), 1);
	ck_assert_int_eq(schema_field_index(&S, S.root, "x", 1), -1);
}
END_TEST

START_TEST(test_unknown_and_kafka)
{
	load("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
	const char *in = "{\"z\":1,\"_kafka\":{\"offset\":5},\"a\":1,\"y\":[ 2 ],\"z\":3}";
	OK(in, "{\"a\":1}");
	OKF(in, SCHEMA_KEEP_UNKNOWN, "{\"a\":1,\"_kafka\":{\"offset\":5},\"y\":[2],\"z\":3}");
	OKF(in, SCHEMA_KEEP_UNKNOWN | SCHEMA_NO_KAFKA, "{\"a\":1,\"y\":[2],\"z\":3}");
	OKF(in, SCHEMA_NO_KAFKA, "{\"a\":1}");
}
END_TEST

START_TEST(test_unions)
{
	VALUES("[\"null\",\"string\"]",
		{ "null", "null", NULL },
		{ "\"x\"", "\"x\"", NULL },
		{ "1", NULL, "expected string or null, got number" });
	VALUES("[\"int\",\"string\"]",
		{ "5", "5", NULL },
		{ "\"5\"", "\"5\"", NULL },
		{ "3000000000", NULL, "expected int, got 3000000000 (out of range)" },
		{ "null", NULL, "expected int or string, got null" });
	VALUES("[\"int\",\"null\",\"string\"]",
		{ "true", NULL, "expected int or string or null, got boolean" });
	VALUES("[\"int\",\"long\",\"double\"]",
		{ "5", "5", NULL },
		{ "3000000000", "3000000000", NULL },
		{ "2.50", "2.50", NULL });
	/* timestamps take strings before a string branch that comes later */
	VALUES("[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"string\"]",
		{ "0", "\"1970-01-01T00:00:00.000Z\"", NULL },
		{ "\"1970-01-01T01:00:00+01:00\"", "\"1970-01-01T00:00:00.000Z\"", NULL },
		{ "\"soon\"", "\"soon\"", NULL });
	VALUES("[{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]},"
		"{\"type\":\"map\",\"values\":\"boolean\"}]",
		{ "{\"x\":1,\"y\":2}", "{\"x\":1}", NULL },
		{ "{\"y\":true}", "{\"y\":true}", NULL });
	BAD("{\"v\":{\"y\":2}}", "field v.x: required field is missing");
	/* the branch that explains a refusal is the first that could take the JSON type */
	load_v("[\"null\",{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\","
		"\"type\":\"int\"}]}]", NULL);
	BAD("{\"v\":{\"x\":\"1\"}}", "field v.x: expected int, got string");
	OK("{}", "{\"v\":null}");
	load_v("[\"string\",\"null\"]", NULL);
	OK("{}", "{\"v\":null}");

	load_v("[\"null\",\"int\",\"string\"]", NULL);
	uint32_t u = S.field[0].type;
	ck_assert_int_eq(schema_union_branch(&S, u, (struct json_val){ "null", 4, JV_NULL }), 0);
	ck_assert_int_eq(schema_union_branch(&S, u, (struct json_val){ "7", 1, JV_NUMBER }), 1);
	ck_assert_int_eq(schema_union_branch(&S, u, (struct json_val){ "\"7\"", 3, JV_STRING }), 2);
	ck_assert_int_eq(schema_union_branch(&S, u, (struct json_val){ "7.5", 3, JV_NUMBER }), -1);
}
END_TEST

START_TEST(test_defaults)
{
	load("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
		"{\"name\":\"s\",\"type\":\"string\",\"default\":\"d\"},"
		"{\"name\":\"i\",\"type\":\"int\",\"default\":7},"
		"{\"name\":\"d\",\"type\":\"double\",\"default\":1.1},"
		"{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"},\"default\":{}},"
		"{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\"},\"default\":[1,2]},"
		"{\"name\":\"t\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},"
		"\"default\":0},"
		"{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"Q\",\"fields\":["
		"{\"name\":\"q\",\"type\":\"boolean\",\"default\":false}]},\"default\":{}},"
		"{\"name\":\"u\",\"type\":[\"null\",\"string\"],\"default\":null},"
		"{\"name\":\"u2\",\"type\":[\"null\",\"string\"]},"
		"{\"name\":\"u3\",\"type\":[\"string\",\"null\"],\"default\":\"x\"},"
		"{\"name\":\"req\",\"type\":\"string\"}]}");
	OK("{\"req\":\"r\"}",
		"{\"s\":\"d\",\"i\":7,\"d\":1.1,\"m\":{},\"a\":[1,2],\"t\":\"1970-01-01T00:00:00.000Z\","
		"\"r\":{\"q\":false},\"u\":null,\"u2\":null,\"u3\":\"x\",\"req\":\"r\"}");
	OK("{\"req\":\"r\",\"s\":\"e\",\"u\":\"v\",\"r\":{\"q\":true}}",
		"{\"s\":\"e\",\"i\":7,\"d\":1.1,\"m\":{},\"a\":[1,2],\"t\":\"1970-01-01T00:00:00.000Z\","
		"\"r\":{\"q\":true},\"u\":\"v\",\"u2\":null,\"u3\":\"x\",\"req\":\"r\"}");
	BAD("{\"s\":\"e\"}", "field req: required field is missing");
	/* a present null is not a missing field */
	BAD("{\"req\":\"r\",\"s\":null}", "field s: expected string, got null");

	/* a default that relies on the defaults of a record defined elsewhere */
	load("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
		"{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":\"Q\",\"fields\":["
		"{\"name\":\"q\",\"type\":\"boolean\",\"default\":false}]}},"
		"{\"name\":\"c\",\"type\":{\"type\":\"record\",\"name\":\"S\",\"fields\":["
		"{\"name\":\"d\",\"type\":\"Q\",\"default\":{}}]},\"default\":{}}]}");
	OK("{\"a\":{}}", "{\"a\":{\"q\":false},\"c\":{\"d\":{\"q\":false}}}");
}
END_TEST

START_TEST(test_named_types)
{
	/* references by short and full name, namespaces inherited and overridden */
	load("{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"a.b\",\"fields\":["
		"{\"name\":\"k\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"X\",\"Y\"]}},"
		"{\"name\":\"k2\",\"type\":\"Kind\"},"
		"{\"name\":\"k3\",\"type\":\"a.b.Kind\"},"
		"{\"name\":\"o\",\"type\":{\"type\":\"record\",\"name\":\"O\",\"namespace\":\"c\","
		"\"fields\":[{\"name\":\"k\",\"type\":\"a.b.Kind\"}]}},"
		"{\"name\":\"o2\",\"type\":[\"null\",\"c.O\"]},"
		"{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"Two\",\"size\":2}},"
		"{\"name\":\"f2\",\"type\":{\"type\":\"Two\"}}]}");
	OK("{\"k\":\"X\",\"k2\":\"Y\",\"k3\":\"X\",\"o\":{\"k\":\"Y\"},\"f\":\"ab\",\"f2\":\"cd\"}",
		"{\"k\":\"X\",\"k2\":\"Y\",\"k3\":\"X\",\"o\":{\"k\":\"Y\"},\"o2\":null,\"f\":\"ab\","
		"\"f2\":\"cd\"}");
	BAD("{\"k\":\"X\",\"k2\":\"Z\",\"k3\":\"X\",\"o\":{\"k\":\"Y\"},\"f\":\"ab\",\"f2\":\"cd\"}",
		"field k2: \"Z\" is not a symbol of enum Kind");
	BAD("{\"k\":\"X\",\"k2\":\"Y\",\"k3\":\"X\",\"o\":{\"k\":\"Y\"},\"o2\":{},\"f\":\"ab\","
		"\"f2\":\"cd\"}", "field o2.k: required field is missing");

	/* a recursive record: a linked list */
	load("{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
		"{\"name\":\"next\",\"type\":[\"null\",\"Node\"],\"default\":null}]}");
	OK("{\"v\":1,\"next\":{\"v\":2,\"next\":{\"v\":3}}}",
		"{\"v\":1,\"next\":{\"v\":2,\"next\":{\"v\":3,\"next\":null}}}");
	BAD("{\"v\":1,\"next\":{\"v\":2,\"next\":{\"v\":\"3\"}}}",
		"field next.next.v: expected int, got string");
}
END_TEST

/* Both branches of a union reach into the same subtree: a deep bad value would take
   exponential time to refuse without the work budget. */
START_TEST(test_union_budget)
{
	struct buf line = BUF_INIT;
	load("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"v\",\"type\":"
		"{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":"
		"[\"null\",\"A\",{\"type\":\"record\",\"name\":\"B\",\"fields\":["
		"{\"name\":\"x\",\"type\":[\"null\",\"A\",\"B\"]},{\"name\":\"b\",\"type\":\"int\"}]}]}]}}]}");
	/* shallow: the first branch that could take the value explains */
	BAD("{\"v\":{\"x\":{\"x\":{\"x\":5}}}}",
		"field v.x.x.x: expected record A or record B or null, got number");
	buf_adds(&line, "{\"v\":");
	for (int i = 0; i < 60; i++)
		buf_adds(&line, "{\"x\":");
	buf_adds(&line, "5");
	for (int i = 0; i < 60; i++)
		buf_addc(&line, '}');
	buf_addc(&line, '}');
	const char *got = run(line.p, 0);
	ck_assert_msg(strstr(got, ": too complex: the schema's unions give too many readings to try"),
		"%s", got);
	/* a good deep value is still read */
	buf_reset(&line);
	buf_adds(&line, "{\"v\":");
	for (int i = 0; i < 60; i++)
		buf_adds(&line, "{\"x\":");
	buf_adds(&line, "null");
	for (int i = 0; i < 61; i++)
		buf_addc(&line, '}');
	ck_assert_str_eq(run(line.p, 0), line.p);
	buf_free(&line);
}
END_TEST

START_TEST(test_load_errors)
{
	static const struct {
		const char *avsc, *msg;
	} c[] = {
		{ "{\"type\":\"record\"", "invalid JSON at line 1, column 16: '}' expected near end of file" },
		{ "\"string\"", "the top level must be a record ({\"type\":\"record\",...})" },
		{ "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[]}",
		  "the top level must be a record ({\"type\":\"record\",...})" },
		{ "{\"type\":\"record\",\"fields\":[]}", "record without a \"name\"" },
		{ "{\"type\":\"record\",\"name\":\"R\"}", "record R: \"fields\" must be an array" },
		{ "{\"type\":\"record\",\"name\":\"1R\",\"fields\":[]}",
		  "record name \"1R\" is not a valid Avro name" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"type\":\"int\"}]}",
		  "record R: field 1 has no \"name\"" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\"}]}",
		  "field a: no \"type\"" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a-b\",\"type\":\"int\"}]}",
		  "field a-b: \"a-b\" is not a valid Avro name" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"lng\"}]}",
		  "field a: unknown type \"lng\"" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
		  "{\"name\":\"a\",\"type\":\"int\"}]}", "field a: appears twice in record R" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"b\",\"type\":"
		  "{\"type\":\"array\"}}]}}]}", "field a.b: array without \"items\"" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "{\"type\":\"map\",\"items\":\"int\"}}]}", "field a: map without \"values\"" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":[]}]}",
		  "field a: empty union" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "[\"null\",[\"int\"]]}]}", "field a: a union may not contain a union" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "[\"string\",\"null\",\"string\"]}]}", "field a: union has string twice" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}}]}",
		  "field a: enum E: symbol A appears twice" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"a b\"]}}]}",
		  "field a: enum E: symbol 1 is not a valid Avro name" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"],\"default\":\"B\"}}]}",
		  "field a: enum E: \"default\" is not one of its symbols" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "{\"type\":\"fixed\",\"name\":\"F\"}}]}",
		  "field a: fixed without a \"size\" (a non-negative integer)" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "{\"type\":\"enum\",\"name\":\"R\",\"symbols\":[\"A\"]}}]}",
		  "field a: type R is defined twice" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "{\"logicalType\":\"date\"}}]}", "field a: type object without \"type\"" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":5}]}",
		  "field a: a type must be a name, an array (union) or an object" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
		  "\"default\":\"x\"}]}",
		  "field R.a: default \"x\" does not fit its type: expected int, got string" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "{\"type\":\"map\",\"values\":\"int\"},\"default\":{\"k\":\"x\"}}]}",
		  "field R.a: default {\"k\":\"x\"} does not fit its type: field k: expected int, got string" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[],\"fields\":[]}",
		  "invalid JSON at line 1, column 48: duplicate object key near '\"fields\"'" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		const char *got = load_error(c[i].avsc);
		ck_assert_msg(!strcmp(got, c[i].msg), "%s: got [%s], want [%s]", c[i].avsc, got,
			c[i].msg);
	}
	ck_assert(!schema_load_avro_file(&S, "/nonexistent/x.avsc", &err));
	ck_assert_str_eq(err.p, "No such file or directory");
}
END_TEST

START_TEST(test_fields_types)
{
	fields("event_id:string!, user_id:string,timestamp:timestamp!,"
		"properties:map<string>,tags:array<string>,n:long!,b:BOOLEAN,i:integer,f:float,"
		"d:double,dt:date,by:bytes,m2:map<string,int>,s:struct<x:int!,y:array<map<long>>>");
	ck_assert_str_eq(run("{\"event_id\":\"e\",\"timestamp\":0,\"n\":5}", 0),
		"{\"event_id\":\"e\",\"user_id\":null,\"timestamp\":\"1970-01-01T00:00:00.000Z\","
		"\"properties\":null,\"tags\":null,\"n\":5,\"b\":null,\"i\":null,\"f\":null,\"d\":null,"
		"\"dt\":null,\"by\":null,\"m2\":null,\"s\":null}");
	ck_assert_str_eq(run("{\"event_id\":\"e\",\"timestamp\":\"2026-11-24T10:15:30Z\",\"n\":5,"
		"\"user_id\":\"u\",\"properties\":{\"a\":\"b\"},\"tags\":[\"t\"],\"b\":true,\"i\":-3,"
		"\"f\":1.5,\"d\":2e10,\"dt\":\"2026-11-24\",\"by\":\"\",\"m2\":{\"k\":1},"
		"\"s\":{\"x\":1,\"y\":[{\"z\":2}]}}", 0),
		"{\"event_id\":\"e\",\"user_id\":\"u\",\"timestamp\":\"2026-11-24T10:15:30.000Z\","
		"\"properties\":{\"a\":\"b\"},\"tags\":[\"t\"],\"n\":5,\"b\":true,\"i\":-3,\"f\":1.5,"
		"\"d\":2e10,\"dt\":\"2026-11-24\",\"by\":\"\",\"m2\":{\"k\":1},"
		"\"s\":{\"x\":1,\"y\":[{\"z\":2}]}}");
	BAD("{\"timestamp\":0,\"n\":5}", "field event_id: required field is missing");
	BAD("{\"event_id\":\"e\",\"timestamp\":0,\"n\":5,\"tags\":[null]}",
		"field tags[0]: expected string, got null");
	BAD("{\"event_id\":\"e\",\"timestamp\":0,\"n\":5,\"s\":{\"y\":[]}}",
		"field s.x: required field is missing");
	BAD("{\"event_id\":\"e\",\"timestamp\":0,\"n\":5,\"s\":{\"x\":1,\"y\":[{\"z\":\"2\"}]}}",
		"field s.y[0].z: expected long, got string");
	BAD("{\"event_id\":\"e\",\"timestamp\":\"noon\",\"n\":5}",
		"field timestamp: not an RFC 3339 time or epoch milliseconds: \"noon\"");

	/* odd names in backquotes, spaces around everything */
	fields("  `a b` : int ! ,`c:d`:string  ");
	OK("{\"a b\":1,\"c:d\":\"x\"}", "{\"a b\":1,\"c:d\":\"x\"}");
	BAD("{}", "field a b: required field is missing");
}
END_TEST

START_TEST(test_fields_errors)
{
	static const struct {
		const char *spec, *msg;
	} c[] = {
		{ "", "column 1: expected a field name" },
		{ "a:strin", "column 3: unknown type \"strin\"" },
		{ "a int", "column 3: expected ':' after field name \"a\"" },
		{ "a", "column 2: expected ':' after field name \"a\"" },
		{ "a:", "column 3: expected a type at the end" },
		{ "a:int,", "column 7: expected a field name" },
		{ "a:int,,b:int", "column 7: expected a field name" },
		{ ":int", "column 1: expected a field name, found ':'" },
		{ "a:int,a:long", "column 7: field \"a\" appears twice" },
		{ "a:array<int", "column 12: expected '>' at the end" },
		{ "a:array int", "column 9: expected '<', found 'i'" },
		{ "a:array<>", "column 9: expected a type, found '>'" },
		{ "a:map<int,string>", "column 7: map keys must be strings" },
		{ "a:map<string,int,int>", "column 17: expected '>', found ','" },
		{ "a:int!!", "column 7: expected ',' or the end, found '!'" },
		{ "a:int b:int", "column 7: expected ',' or the end, found 'b'" },
		{ "a:struct<b:int", "column 15: expected ',' or '>' at the end" },
		{ "a:struct<>", "column 10: expected a field name" },
		{ "`a:int", "column 1: unterminated `name`" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		const char *got = fields_error(c[i].spec);
		ck_assert_msg(!strcmp(got, c[i].msg), "-f '%s': got [%s], want [%s]", c[i].spec, got,
			c[i].msg);
	}
}
END_TEST

START_TEST(test_to_avro)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	fields("id:string!,ts:timestamp,tags:array<string>!,m:map<long>,s:struct<x:date!>");
	schema_to_avro(&S, &a);
	ck_assert_str_eq(a.p,
		"{\"type\":\"record\",\"name\":\"Record\",\"fields\":["
		"{\"name\":\"id\",\"type\":\"string\"},"
		"{\"name\":\"ts\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":"
		"\"timestamp-millis\"}],\"default\":null},"
		"{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
		"{\"name\":\"m\",\"type\":[\"null\",{\"type\":\"map\",\"values\":\"long\"}],"
		"\"default\":null},"
		"{\"name\":\"s\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Record_s\","
		"\"fields\":[{\"name\":\"x\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}}]}],"
		"\"default\":null}]}");
	/* what it writes loads back to the same schema */
	load(a.p);
	schema_to_avro(&S, &b);
	ck_assert_str_eq(a.p, b.p);

	/* named types are defined once, then referenced; defaults kept as given */
	buf_reset(&a);
	buf_reset(&b);
	load("{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"n\",\"fields\":["
		"{\"name\":\"k\",\"type\":{\"type\":\"enum\",\"name\":\"K\",\"symbols\":[\"A\"]}},"
		"{\"name\":\"k2\",\"type\":[\"null\",\"K\"],\"default\":null},"
		"{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}},"
		"{\"name\":\"d\",\"type\":\"double\",\"default\":0.1},"
		"{\"name\":\"t\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"},"
		"\"default\":5}]}");
	schema_to_avro(&S, &a);
	ck_assert_str_eq(a.p,
		"{\"type\":\"record\",\"name\":\"n.Event\",\"fields\":["
		"{\"name\":\"k\",\"type\":{\"type\":\"enum\",\"name\":\"n.K\",\"symbols\":[\"A\"]}},"
		"{\"name\":\"k2\",\"type\":[\"null\",\"n.K\"],\"default\":null},"
		"{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"n.F\",\"size\":4}},"
		"{\"name\":\"d\",\"type\":\"double\",\"default\":0.1},"
		"{\"name\":\"t\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"},"
		"\"default\":5}]}");
	load(a.p);
	schema_to_avro(&S, &b);
	ck_assert_str_eq(a.p, b.p);
	OK("{\"k\":\"A\",\"f\":\"abcd\"}", "{\"k\":\"A\",\"k2\":null,\"f\":\"abcd\",\"d\":0.1,"
		"\"t\":\"1970-01-01T00:00:00.000005Z\"}");
	buf_free(&a);
	buf_free(&b);
}
END_TEST

START_TEST(test_time_value)
{
	int64_t x;
	load_v("{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}", NULL);
	uint32_t t = S.field[0].type;
	ck_assert(schema_time_value(&S, t, (struct json_val){ "\"1970-01-01T00:00:01Z\"", 22,
		JV_STRING }, &x));
	ck_assert_int_eq(x, 1000);
	ck_assert(!schema_time_value(&S, t, (struct json_val){ "\"x\"", 3, JV_STRING }, &x));
	load_v("{\"type\":\"int\",\"logicalType\":\"date\"}", NULL);
	ck_assert(schema_time_value(&S, S.field[0].type, (struct json_val){ "\"1970-01-03\"", 12,
		JV_STRING }, &x));
	ck_assert_int_eq(x, 2);
	load_v("\"long\"", NULL);
	ck_assert(!schema_time_value(&S, S.field[0].type, (struct json_val){ "1", 1,
		JV_NUMBER }, &x));
}
END_TEST

START_TEST(test_write_text)
{
	load_v("{\"type\":\"array\",\"items\":\"int\"}", NULL);
	buf_reset(&out);
	ck_assert(schema_write_text(&S, S.field[0].type, " [1, 2] ", 8, &out, &why));
	ck_assert_str_eq(out.p, "[1,2]");
	ck_assert(!schema_write_text(&S, S.field[0].type, "[1,", 3, &out, &why));
	ck_assert_str_eq(why.p, "invalid JSON at column 4: unexpected end of input");
	ck_assert(!schema_write_text(&S, S.field[0].type, "[1,true]", 8, &out, &why));
	ck_assert_str_eq(why.p, "field [1]: expected int, got boolean");
	ck_assert_str_eq(out.p, "[1,2]");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_primitives);
	tcase_add_test(tc, test_integers);
	tcase_add_test(tc, test_reals);
	tcase_add_test(tc, test_timestamps);
	tcase_add_test(tc, test_enum);
	tcase_add_test(tc, test_fixed);
	tcase_add_test(tc, test_arrays_maps);
	tcase_add_test(tc, test_map_many_duplicates);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, test_unknown_and_kafka);
	tcase_add_test(tc, test_unions);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_named_types);
	tcase_add_test(tc, test_union_budget);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_fields_types);
	tcase_add_test(tc, test_fields_errors);
	tcase_add_test(tc, test_to_avro);
	tcase_add_test(tc, test_time_value);
	tcase_add_test(tc, test_write_text);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
