#include <avro.h>
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avrobin.h"
#include "json.h"
#include "rec.h"

/* avro-c (Apache's C implementation) is the independent oracle for the binary form. */

static const char RICH[] =
	"{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"com.ex\",\"fields\":["
	"{\"name\":\"id\",\"type\":\"string\"},"
	"{\"name\":\"n\",\"type\":\"int\"},"
	"{\"name\":\"big\",\"type\":\"long\"},"
	"{\"name\":\"ok\",\"type\":\"boolean\"},"
	"{\"name\":\"f\",\"type\":\"float\"},"
	"{\"name\":\"d\",\"type\":\"double\"},"
	"{\"name\":\"raw\",\"type\":\"bytes\"},"
	"{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
	"{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"A\",\"B\",\"C\"]}},"
	"{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
	"{\"name\":\"props\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
	"{\"name\":\"opt\",\"type\":[\"null\",\"string\"],\"default\":null},"
	"{\"name\":\"multi\",\"type\":[\"null\",\"long\",\"string\"]},"
	"{\"name\":\"loc\",\"type\":{\"type\":\"record\",\"name\":\"Loc\",\"fields\":["
	"{\"name\":\"lat\",\"type\":\"double\"},{\"name\":\"lon\",\"type\":\"double\"}]}},"
	"{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F4\",\"size\":4}},"
	"{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
	"{\"name\":\"us\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}}]}";

static const char RICH_IN[] =
	"{\"id\":\"e1\",\"n\":-3,\"big\":9007199254740993,\"ok\":true,\"f\":1.5,\"d\":0.1,"
	"\"raw\":\"a\\u0000\\u00ff\\\"\",\"ts\":\"2026-11-24T11:15:30.123+01:00\",\"kind\":\"B\","
	"\"tags\":[\"x\",\"y\"],\"props\":{\"a\":1,\"b\":-2,\"a\":3},\"multi\":\"s\","
	"\"loc\":{\"lon\":-2.5,\"lat\":1.25},\"fx\":\"ab\\u00e9d\",\"day\":\"2026-11-24\","
	"\"us\":\"2026-11-24T10:15:30.123456Z\",\"extra\":1}";

static const char RICH_OUT[] =
	"{\"id\":\"e1\",\"n\":-3,\"big\":9007199254740993,\"ok\":true,\"f\":1.5,\"d\":0.1,"
	"\"raw\":\"a\\u0000\\u00ff\\\"\",\"ts\":\"2026-11-24T10:15:30.123Z\",\"kind\":\"B\","
	"\"tags\":[\"x\",\"y\"],\"props\":{\"b\":-2,\"a\":3},\"opt\":null,\"multi\":\"s\","
	"\"loc\":{\"lat\":1.25,\"lon\":-2.5},\"fx\":\"ab\\u00e9d\",\"day\":\"2026-11-24\","
	"\"us\":\"2026-11-24T10:15:30.123456Z\"}";

/* The same value in Avro's own JSON encoding, as avro-c writes it. */
static const char RICH_AVRO_JSON[] =
	"{\"id\":\"e1\",\"n\":-3,\"big\":9007199254740993,\"ok\":true,\"f\":1.5,\"d\":0.1,"
	"\"raw\":\"a\\u0000\\u00ff\\\"\",\"ts\":1795515330123,\"kind\":\"B\","
	"\"tags\":[\"x\",\"y\"],\"props\":{\"b\":-2,\"a\":3},\"opt\":null,\"multi\":{\"string\":\"s\"},"
	"\"loc\":{\"lat\":1.25,\"lon\":-2.5},\"fx\":\"ab\\u00e9d\",\"day\":20781,"
	"\"us\":1795515330123456}";

static struct av_schema A, B;
static struct av_reader RD;
static struct buf out, why, enc;
static struct rec R;

static void setup(void)
{
	av_schema_init(&A);
	av_schema_init(&B);
	memset(&RD, 0, sizeof RD);
	rec_init(&R);
}

static void teardown(void)
{
	av_reader_free(&RD);
	av_schema_free(&A);
	av_schema_free(&B);
	rec_free(&R);
	buf_free(&out);
	buf_free(&why);
	buf_free(&enc);
}

static void load(struct av_schema *a, const char *text)
{
	av_schema_free(a);
	av_schema_init(a);
	ck_assert_msg(av_schema_load(a, text, strlen(text), &why), "load %s: %s", text, why.p);
}

/* A record R with one field v of the given type. */
static void load_v(struct av_schema *a, const char *type)
{
	char t[4096];
	snprintf(t, sizeof t, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"v\",\"type\":%s}]}",
		type);
	load(a, t);
}

static bool encode(struct av_schema *a, const char *line)
{
	buf_reset(&enc);
	buf_reset(&why);
	ck_assert_msg(rec_parse(&R, line, strlen(line), &why), "%s: %s", line, why.p);
	return av_encode_members(a, R.f, R.nf, &enc, &why);
}

static const char *hex(const struct buf *b)
{
	static char t[4096];
	size_t k = 0;
	for (size_t i = 0; i < b->len && k + 3 < sizeof t; i++)
		k += (size_t)snprintf(t + k, sizeof t - k, "%02x", (unsigned char)b->p[i]);
	t[k] = 0;
	return t;
}

static const char *encode_hex(struct av_schema *a, const char *line)
{
	ck_assert_msg(encode(a, line), "encode %s: %s", line, why.p);
	return hex(&enc);
}

static const char *encode_err(struct av_schema *a, const char *line)
{
	ck_assert_msg(!encode(a, line), "encoded %s", line);
	ck_assert_uint_eq(enc.len, 0);
	return why.p;
}

/* Decodes bytes given in hex with reader rd. */
static bool decode_hex(struct av_reader *rd, const char *h)
{
	unsigned char b[1024];
	size_t n = strlen(h) / 2;
	for (size_t i = 0; i < n; i++)
		sscanf(h + 2 * i, "%2hhx", &b[i]);
	buf_reset(&out);
	return av_decode(rd, b, n, &out, &why);
}

static void reader(const struct av_schema *w, const struct av_schema *r)
{
	av_reader_free(&RD);
	ck_assert_msg(av_reader_init(&RD, w, r, &why), "resolve: %s", why.p);
}

static const char *roundtrip(struct av_schema *a, const char *line)
{
	ck_assert_msg(encode(a, line), "encode %s: %s", line, why.p);
	reader(a, NULL);
	buf_reset(&out);
	ck_assert_msg(av_decode(&RD, enc.p, enc.len, &out, &why), "decode %s: %s", line, why.p);
	return out.p;
}

static const char *decode_err(struct av_reader *rd, const char *h)
{
	ck_assert_msg(!decode_hex(rd, h), "decoded %s as %s", h, out.p);
	ck_assert_uint_eq(out.len, 0);
	return why.p;
}

/* avro-c reads our bytes; its JSON (Avro's JSON encoding) compared as values. */
static void avroc_reads(const char *schema, const struct buf *bytes, const char *want)
{
	avro_schema_t sch;
	ck_assert_msg(!avro_schema_from_json_length(schema, strlen(schema), &sch), "%s", avro_strerror());
	avro_value_iface_t *iface = avro_generic_class_from_schema(sch);
	avro_value_t v;
	avro_generic_value_new(iface, &v);
	avro_reader_t r = avro_reader_memory(bytes->p, (int64_t)bytes->len);
	ck_assert_msg(!avro_value_read(r, &v), "avro-c: %s", avro_strerror());
	char *js;
	ck_assert(!avro_value_to_json(&v, 1, &js));
	json_t *a = json_loads(js, JSON_ALLOW_NUL, NULL), *b = json_loads(want, JSON_ALLOW_NUL, NULL);
	ck_assert_msg(a && b, "JSON: %s / %s", js, want);
	/* avro-c's JSON cuts bytes at a NUL: compare a "raw" bytes field directly */
	avro_value_t raw;
	if (!avro_value_get_by_name(&v, "raw", &raw, NULL)) {
		const void *rp;
		size_t rn;
		const char *w = json_string_value(json_object_get(b, "raw"));
		const char *wend = w + json_string_length(json_object_get(b, "raw"));
		ck_assert(!avro_value_get_bytes(&raw, &rp, &rn));
		for (size_t i = 0; i < rn; i++) { /* want's characters are U+0000..U+00FF */
			ck_assert(w < wend);
			unsigned c = (unsigned char)w[0];
			if (c & 0x80)
				c = (c & 0x1f) << 6 | ((unsigned char)*++w & 0x3f);
			w++;
			ck_assert_uint_eq(((const unsigned char *)rp)[i], c);
		}
		ck_assert(w == wend);
		json_object_del(a, "raw");
		json_object_del(b, "raw");
	}
	ck_assert_msg(a && b && json_equal(a, b), "avro-c read %s, expected %s", js, want);
	json_decref(a);
	json_decref(b);
	free(js);
	avro_reader_free(r);
	avro_value_decref(&v);
	avro_value_iface_decref(iface);
	avro_schema_decref(sch);
}

START_TEST(test_primitive_bytes)
{
	load_v(&A, "\"long\"");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":0}"), "00");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":-1}"), "01");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":1}"), "02");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":64}"), "8001");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":-9223372036854775808}"), "ffffffffffffffffff01");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":9223372036854775807}"), "feffffffffffffffff01");
	load_v(&A, "\"string\"");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":\"hi\"}"), "046869");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":\"\\u00e9\"}"), "04c3a9");
	load_v(&A, "\"bytes\"");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":\"\\u00e9\\u0000\"}"), "04e900");
	load_v(&A, "\"boolean\"");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":true}"), "01");
	load_v(&A, "\"float\"");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":1.5}"), "0000c03f");
	load_v(&A, "\"double\"");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":-2}"), "00000000000000c0");
	load_v(&A, "[\"null\",\"string\"]");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":null}"), "00");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":\"x\"}"), "020278");
	ck_assert_str_eq(encode_hex(&A, "{}"), "00"); /* nullable: null when missing */
	load_v(&A, "{\"type\":\"array\",\"items\":\"int\"}");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":[]}"), "00");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":[1,2]}"), "04020400");
	load_v(&A, "{\"type\":\"map\",\"values\":\"int\"}");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":{\"a\":1}}"), "0202610200");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":{\"a\":1,\"a\":2}}"), "0202610400");
}
END_TEST

START_TEST(test_rich_roundtrip)
{
	load(&A, RICH);
	ck_assert(!A.wrapped);
	ck_assert_str_eq(roundtrip(&A, RICH_IN), RICH_OUT);
	avroc_reads(RICH, &enc, RICH_AVRO_JSON);
	/* decoding is idempotent: its output encodes to the same bytes */
	struct buf first = BUF_INIT;
	buf_add(&first, enc.p, enc.len);
	char *again = xstrdup(out.p);
	ck_assert_str_eq(roundtrip(&A, again), RICH_OUT);
	ck_assert_uint_eq(enc.len, first.len);
	ck_assert(!memcmp(enc.p, first.p, first.len));
	free(again);
	buf_free(&first);
	/* epoch numbers for the logical types are accepted too */
	const char *in = "{\"id\":\"e1\",\"n\":-3,\"big\":9007199254740993,\"ok\":true,\"f\":1.5,"
		"\"d\":0.1,\"raw\":\"a\\u0000\\u00ff\\\"\",\"ts\":1795515330123,\"kind\":\"B\","
		"\"tags\":[\"x\",\"y\"],\"props\":{\"b\":-2,\"a\":3},\"multi\":\"s\","
		"\"loc\":{\"lat\":1.25,\"lon\":-2.5},\"fx\":\"ab\\u00e9d\",\"day\":20781,"
		"\"us\":1795515330123456}";
	ck_assert_str_eq(roundtrip(&A, in), RICH_OUT);
}
END_TEST

/* avro-c writes; we read. */
START_TEST(test_avroc_writes)
{
	const char *schema = "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
		"{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"u\",\"type\":[\"null\",\"long\",\"string\"]},"
		"{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
		"{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"boolean\"}},"
		"{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\",\"Y\"]}},"
		"{\"name\":\"b\",\"type\":\"bytes\"}]}";
	avro_schema_t sch;
	ck_assert(!avro_schema_from_json_length(schema, strlen(schema), &sch));
	avro_value_iface_t *iface = avro_generic_class_from_schema(sch);
	avro_value_t v, f, br, el;
	avro_generic_value_new(iface, &v);
	avro_value_get_by_name(&v, "s", &f, NULL);
	avro_value_set_string(&f, "h\"i\n");
	avro_value_get_by_name(&v, "u", &f, NULL);
	avro_value_set_branch(&f, 1, &br);
	avro_value_set_long(&br, -77);
	avro_value_get_by_name(&v, "a", &f, NULL);
	avro_value_append(&f, &el, NULL);
	avro_value_set_double(&el, 0.25);
	avro_value_append(&f, &el, NULL);
	avro_value_set_double(&el, 1e300);
	avro_value_get_by_name(&v, "m", &f, NULL);
	avro_value_add(&f, "k", &el, NULL, NULL);
	avro_value_set_boolean(&el, 1);
	avro_value_get_by_name(&v, "e", &f, NULL);
	avro_value_set_enum(&f, 1);
	avro_value_get_by_name(&v, "b", &f, NULL);
	avro_value_set_bytes(&f, "\x00\x7f\x80z", 4);
	char mem[256];
	avro_writer_t w = avro_writer_memory(mem, sizeof mem);
	ck_assert(!avro_value_write(w, &v));
	size_t n = (size_t)avro_writer_tell(w);
	avro_writer_free(w);
	avro_value_decref(&v);
	avro_value_iface_decref(iface);
	avro_schema_decref(sch);

	load(&A, schema);
	reader(&A, NULL);
	ck_assert_msg(av_decode(&RD, mem, n, &out, &why), "%s", why.p);
	ck_assert_str_eq(out.p, "{\"s\":\"h\\\"i\\n\",\"u\":-77,\"a\":[0.25,1e+300],\"m\":{\"k\":true},"
		"\"e\":\"Y\",\"b\":\"\\u0000\\u007f\\u0080z\"}");
}
END_TEST

START_TEST(test_wrapped)
{
	load(&A, "\"string\"");
	ck_assert(A.wrapped);
	ck_assert_str_eq(A.text, "\"string\"");
	struct json_val v;
	ck_assert(json_check("\"u1\"", 4, &v, NULL));
	ck_assert(av_encode_value(&A, v, &enc, &why));
	ck_assert_str_eq(hex(&enc), "047531");
	reader(&A, NULL);
	ck_assert(decode_hex(&RD, "047531"));
	ck_assert_str_eq(out.p, "\"u1\"");
	ck_assert(!encode(&A, "{\"v\":1}"));
	ck_assert_str_eq(why.p, "the schema's top level is not a record");
	load(&B, " [\"null\", {\"type\":\"enum\",\"name\":\"C\",\"symbols\":[\"R\",\"G\"]}] ");
	ck_assert_str_eq(B.text, "[\"null\",{\"type\":\"enum\",\"name\":\"C\",\"symbols\":[\"R\",\"G\"]}]");
	ck_assert(json_check("\"G\"", 3, &v, NULL));
	buf_reset(&enc);
	ck_assert(av_encode_value(&B, v, &enc, &why));
	ck_assert_str_eq(hex(&enc), "0202");
	ck_assert(json_check("\"Q\"", 3, &v, NULL));
	ck_assert(!av_encode_value(&B, v, &enc, &why));
	ck_assert_str_eq(why.p, "\"Q\" is not a symbol of enum C");
	/* loader messages about the top level read as such */
	av_schema_free(&B);
	av_schema_init(&B);
	ck_assert(!av_schema_load(&B, "\"lng\"", 5, &why));
	ck_assert_str_eq(why.p, "unknown type \"lng\"");
	ck_assert(!av_schema_load(&B, "{\"type\":", 8, &why));
	ck_assert_str_eq(why.p, "invalid JSON at line 1, column 8: unexpected token near end of file");
}
END_TEST

START_TEST(test_encode_errors)
{
	load(&A, RICH);
	ck_assert_str_eq(encode_err(&A, "{\"id\":\"e1\"}"), "field n: required field is missing");
	load_v(&A, "{\"type\":\"record\",\"name\":\"In\",\"fields\":[{\"name\":\"x\",\"type\":{\"type\":"
		"\"map\",\"values\":{\"type\":\"array\",\"items\":\"bytes\"}}}]}");
	ck_assert_str_eq(encode_err(&A, "{\"v\":{\"x\":{\"k\":[\"a\",1]}}}"),
		"field v.x.k[1]: expected bytes, got number");
	ck_assert_str_eq(encode_err(&A, "{\"v\":{\"x\":{\"a b\":[\"a\",\"\\u0100\"]}}}"),
		"field v.x.\"a b\"[1]: bytes: a character beyond U+00FF (Avro's JSON form of bytes has "
		"one character U+0000..U+00FF per byte)");
	load_v(&A, "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}");
	ck_assert_str_eq(encode_err(&A, "{\"v\":\"yesterday\"}"),
		"field v: not an RFC 3339 time or epoch milliseconds: \"yesterday\"");
}
END_TEST

/* The first branch that accepts the value, as parse -s picks it. */
START_TEST(test_natural_unions)
{
	load_v(&A, "[\"null\",\"int\",\"double\",\"string\",{\"type\":\"array\",\"items\":\"long\"},"
		"{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}]");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":3}"), "0206");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":3.5}"), "040000000000000c40");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":\"q\"}"), "060271");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":[1]}"), "08020200");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":{\"a\":2}}"), "0a04");
	ck_assert_str_eq(roundtrip(&A, "{\"v\":{\"a\":2}}"), "{\"v\":{\"a\":2}}");
	ck_assert_str_eq(encode_err(&A, "{\"v\":true}"),
		"field v: expected int or double or string or array of long or record P or null, got boolean");
	/* an RFC 3339 string prefers the timestamp branch to none; a number the long */
	load_v(&A, "[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}]");
	ck_assert_str_eq(encode_hex(&A, "{\"v\":\"1970-01-01T00:00:01Z\"}"), "02d00f");
	ck_assert_str_eq(roundtrip(&A, "{\"v\":1000}"), "{\"v\":\"1970-01-01T00:00:01.000Z\"}");
	avroc_reads("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"v\",\"type\":"
		"[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}]}]}", &enc,
		"{\"v\":{\"long\":1000}}");
}
END_TEST

START_TEST(test_decode_forms)
{
	load_v(&A, "\"float\"");
	reader(&A, NULL);
	ck_assert(decode_hex(&RD, "cdcccc3d"));
	ck_assert_str_eq(out.p, "{\"v\":0.1}");
	ck_assert(decode_hex(&RD, "0000c07f"));
	ck_assert_str_eq(out.p, "{\"v\":\"NaN\"}");
	ck_assert(decode_hex(&RD, "000080ff"));
	ck_assert_str_eq(out.p, "{\"v\":\"-Infinity\"}");
	load_v(&A, "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}");
	reader(&A, NULL);
	ck_assert(decode_hex(&RD, "feffffffffffffffff01")); /* beyond year 9999: the number */
	ck_assert_str_eq(out.p, "{\"v\":9223372036854775807}");
	ck_assert(decode_hex(&RD, "01"));
	ck_assert_str_eq(out.p, "{\"v\":\"1969-12-31T23:59:59.999Z\"}");
	load_v(&A, "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}");
	reader(&A, NULL);
	ck_assert(decode_hex(&RD, "01"));
	ck_assert_str_eq(out.p, "{\"v\":\"1969-12-31T23:59:59.999999Z\"}");
	load_v(&A, "{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}");
	reader(&A, NULL);
	ck_assert(decode_hex(&RD, "5c2209"));
	ck_assert_str_eq(out.p, "{\"v\":\"\\\\\\\"\\u0009\"}");
	/* negative block counts carry a byte size */
	load_v(&A, "{\"type\":\"array\",\"items\":\"int\"}");
	reader(&A, NULL);
	ck_assert(decode_hex(&RD, "050602040600"));
	ck_assert_str_eq(out.p, "{\"v\":[1,2,3]}");
}
END_TEST

START_TEST(test_hostile)
{
	load(&A, RICH);
	reader(&A, NULL);
	ck_assert_str_eq(decode_err(&RD, ""), "field id: truncated: the payload ends at byte 0 inside a number");
	ck_assert_str_eq(decode_err(&RD, "01"), "field id: negative string length -1 at byte 0");
	ck_assert_str_eq(decode_err(&RD, "0a6869"),
		"field id: truncated: string length 5 at byte 0 with 2 bytes remaining");
	ck_assert_str_eq(decode_err(&RD, "00ffffffffffffffffff7f"),
		"field n: a number longer than 64 bits at byte 1");
	ck_assert_str_eq(decode_err(&RD, "0080808080808080808002"),
		"field n: a number longer than 64 bits at byte 1");
	ck_assert_str_eq(decode_err(&RD, "00feffffff1f"), "field n: int 4294967295 at byte 1 is out of range");
	ck_assert_str_eq(decode_err(&RD, "00000002"), "field ok: boolean byte 0x02 at byte 3 is neither 0 nor 1");
	load_v(&A, "{\"type\":\"array\",\"items\":\"long\"}");
	reader(&A, NULL);
	ck_assert_str_eq(decode_err(&RD, "80808080808080808001"),
		"field v: block count 4611686018427387904 at byte 0 is more than the 0 remaining bytes can hold");
	ck_assert_str_eq(decode_err(&RD, "ffffffffffffffffff01"),
		"field v: block count -9223372036854775808 at byte 0 is out of range");
	ck_assert_str_eq(decode_err(&RD, "0301"), "field v: negative block size -1 at byte 1");
	ck_assert_str_eq(decode_err(&RD, "0302"),
		"field v: truncated: block size 1 at byte 1 with 0 bytes remaining");
	ck_assert_str_eq(decode_err(&RD, "0402"), "field v: block count 2 at byte 0 is more than the 1 remaining byte can hold");
	ck_assert_str_eq(decode_err(&RD, "0002"), "1 byte left over after the value (written with another schema?)");
	load_v(&A, "{\"type\":\"array\",\"items\":\"null\"}");
	reader(&A, NULL);
	ck_assert(decode_hex(&RD, "0800"));
	ck_assert_str_eq(out.p, "{\"v\":[null,null,null,null]}");
	ck_assert_str_eq(decode_err(&RD, "feffffff0f00"),
		"field v: block count 2147483647 at byte 0: more items than a payload of 6 bytes may hold");
	load_v(&A, "[\"null\",{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}]");
	reader(&A, NULL);
	ck_assert_str_eq(decode_err(&RD, "04"), "field v: union branch 2 at byte 0 does not exist (the union has 2)");
	ck_assert_str_eq(decode_err(&RD, "01"), "field v: union branch -1 at byte 0 does not exist (the union has 2)");
	ck_assert_str_eq(decode_err(&RD, "0202"), "field v: enum index 1 at byte 1 is not a symbol of enum E (it has 1)");
	load_v(&A, "\"string\"");
	reader(&A, NULL);
	ck_assert_str_eq(decode_err(&RD, "04c328"), "field v: string at byte 0 is not valid UTF-8");
	load_v(&A, "{\"type\":\"map\",\"values\":\"int\"}");
	reader(&A, NULL);
	ck_assert_str_eq(decode_err(&RD, "0202ff0000"), "field v: map key at byte 2 is not valid UTF-8");
	ck_assert_str_eq(decode_err(&RD, "06"), "field v: block count 3 at byte 0 is more than the 0 remaining bytes can hold");
}
END_TEST

/* A linked list nested deeper than the limit: an error, not a stack overflow. */
START_TEST(test_deep)
{
	load(&A, "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"next\",\"type\":[\"null\",\"L\"]}]}");
	reader(&A, NULL);
	size_t n = 100000;
	char *b = xmalloc(n + 1);
	memset(b, 2, n);
	b[n] = 0;
	ck_assert(!av_decode(&RD, b, n + 1, &out, &why));
	ck_assert_msg(strstr(why.p, "values nested deeper than 200"), "%s", why.p);
	ck_assert(av_decode(&RD, b + n - 50, 51, &out, &why));
	free(b);
}
END_TEST

START_TEST(test_frame)
{
	uint32_t id;
	const uint8_t *p;
	size_t n;
	av_frame(&enc, 0x01020304);
	buf_add(&enc, "xy", 2);
	ck_assert_str_eq(hex(&enc), "00010203047879");
	ck_assert(av_unframe(enc.p, enc.len, &id, &p, &n, &why));
	ck_assert_uint_eq(id, 0x01020304);
	ck_assert_uint_eq(n, 2);
	ck_assert(!memcmp(p, "xy", 2));
	ck_assert(!av_unframe(enc.p, 4, &id, &p, &n, &why));
	ck_assert_str_eq(why.p, "truncated frame: 4 bytes, the Confluent wire format needs at least 5");
	ck_assert(!av_unframe("{\"a\":1}", 7, &id, &p, &n, &why));
	ck_assert_str_eq(why.p, "bad magic byte 0x7b: not in the Confluent wire format");
	ck_assert(!av_unframe(NULL, 0, &id, &p, &n, &why));
	ck_assert_str_eq(why.p, "truncated frame: 0 bytes, the Confluent wire format needs at least 5");
}
END_TEST

static const char V1[] =
	"{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"w\",\"fields\":["
	"{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"n\",\"type\":\"int\"},"
	"{\"name\":\"gone\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"G\","
	"\"fields\":[{\"name\":\"g\",\"type\":\"string\"}]}}},"
	"{\"name\":\"f\",\"type\":\"float\"},"
	"{\"name\":\"c\",\"type\":{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"PINK\"]}},"
	"{\"name\":\"u\",\"type\":[\"null\",\"int\"]},{\"name\":\"s\",\"type\":\"string\"}]}";

static const char V2[] =
	"{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"r\",\"fields\":["
	"{\"name\":\"s\",\"type\":\"bytes\"},"
	"{\"name\":\"n\",\"type\":\"long\"},{\"name\":\"id\",\"type\":\"string\"},"
	"{\"name\":\"f\",\"type\":\"double\"},"
	"{\"name\":\"c\",\"type\":{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"BLUE\"],"
	"\"default\":\"BLUE\"}},"
	"{\"name\":\"u\",\"type\":[\"null\",\"double\"]},"
	"{\"name\":\"added\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"default\":0},"
	"{\"name\":\"opt\",\"type\":[\"null\",\"string\"]}]}";

START_TEST(test_resolution)
{
	load(&A, V1);
	load(&B, V2);
	reader(&A, &B);
	ck_assert(encode(&A, "{\"id\":\"x\",\"n\":7,\"gone\":[{\"g\":\"a\"},{\"g\":\"b\"}],\"f\":0.5,"
		"\"c\":\"PINK\",\"u\":3,\"s\":\"\\u00e9\"}"));
	buf_reset(&out);
	ck_assert_msg(av_decode(&RD, enc.p, enc.len, &out, &why), "%s", why.p);
	ck_assert_str_eq(out.p, "{\"s\":\"\\u00c3\\u00a9\",\"n\":7,\"id\":\"x\",\"f\":0.5,\"c\":\"BLUE\","
		"\"u\":3,\"added\":\"1970-01-01T00:00:00.000Z\",\"opt\":null}");
	/* writer's union → reader's non-union, and back */
	load_v(&A, "[\"null\",\"int\"]");
	load_v(&B, "\"long\"");
	reader(&A, &B);
	ck_assert(decode_hex(&RD, "0206"));
	ck_assert_str_eq(out.p, "{\"v\":3}");
	ck_assert_str_eq(decode_err(&RD, "00"), "field v: the writer's null cannot be read as the reader's long");
	av_reader_free(&RD); /* long into [null,int]: no branch takes a long */
	ck_assert(!av_reader_init(&RD, &B, &A, &why));
	ck_assert_str_eq(why.p, "field v: the writer's long cannot be read as the reader's int or null");
	/* a reader field without a default that the writer lacks */
	load(&A, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
	load(&B, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
		"{\"name\":\"b\",\"type\":\"string\"}]}");
	av_reader_free(&RD);
	ck_assert(!av_reader_init(&RD, &A, &B, &why));
	ck_assert_str_eq(why.p, "field b: the reader's field has no default and the writer's record R lacks it");
	load(&B, "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
	av_reader_free(&RD);
	ck_assert(!av_reader_init(&RD, &A, &B, &why));
	ck_assert_str_eq(why.p, "the writer's record R cannot be read as the reader's record S");
	/* enum symbol unknown to a reader without a default */
	load_v(&A, "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}");
	load_v(&B, "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"B\"]}");
	reader(&A, &B);
	ck_assert(decode_hex(&RD, "02"));
	ck_assert_str_eq(out.p, "{\"v\":\"B\"}");
	ck_assert_str_eq(decode_err(&RD, "00"), "field v: symbol A is not in the reader's enum E, which has no default");
	/* bytes to string must be UTF-8 */
	load_v(&A, "\"bytes\"");
	load_v(&B, "\"string\"");
	reader(&A, &B);
	ck_assert(decode_hex(&RD, "04c3a9"));
	ck_assert_str_eq(out.p, "{\"v\":\"\xc3\xa9\"}");
	ck_assert_str_eq(decode_err(&RD, "02ff"), "field v: string at byte 0 is not valid UTF-8");
}
END_TEST

/* Recursive types resolve (the pair map stops the recursion). */
START_TEST(test_resolution_recursive)
{
	load(&A, "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
		"{\"name\":\"next\",\"type\":[\"null\",\"L\"]}]}");
	load(&B, "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"next\",\"type\":[\"null\",\"L\"]},"
		"{\"name\":\"v\",\"type\":\"double\"}]}");
	reader(&A, &B);
	ck_assert(encode(&A, "{\"v\":1,\"next\":{\"v\":2,\"next\":null}}"));
	buf_reset(&out);
	ck_assert_msg(av_decode(&RD, enc.p, enc.len, &out, &why), "%s", why.p);
	ck_assert_str_eq(out.p, "{\"next\":{\"next\":null,\"v\":2},\"v\":1}");
}
END_TEST

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Decodes p[0..n) and checks the outcome is sane: valid JSON out, or an error and out
   untouched. */
static void fuzz_one(struct av_reader *rd, const unsigned char *p, size_t n)
{
	/* a copy of exactly n bytes, so ASan sees any over-read */
	unsigned char *c = xmalloc(n ? n : 1);
	memcpy(c, p, n);
	buf_reset(&out);
	buf_adds(&out, "x");
	if (av_decode(rd, c, n, &out, &why)) {
		struct json_val v;
		ck_assert_msg(json_check(out.p + 1, out.len - 1, &v, NULL), "invalid JSON: %s", out.p);
	} else {
		ck_assert(why.len > 0);
		ck_assert_str_eq(out.p, "x");
	}
	free(c);
}

static void fuzz_schema(struct av_schema *w, struct av_schema *r, const char *sample,
	unsigned iters)
{
	unsigned char b[512];
	reader(w, r);
	ck_assert_msg(encode(w, sample), "%s", why.p);
	ck_assert(enc.len <= sizeof b);
	for (unsigned it = 0; it < iters; it++) {
		size_t n;
		if (it % 4 == 0) { /* random bytes */
			n = rnd() % 64;
			for (size_t i = 0; i < n; i++)
				b[i] = (unsigned char)rnd();
		} else { /* a valid value mutated */
			n = enc.len;
			memcpy(b, enc.p, n);
			for (unsigned k = 0, m = 1 + rnd() % 4; k < m && n; k++) {
				size_t at = rnd() % n;
				switch (rnd() % 5) {
				case 0: b[at] = (unsigned char)rnd(); break;
				case 1: b[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
				case 2: n = at; break; /* truncate */
				case 3: /* a huge or negative varint in place */
					if (n + 10 <= sizeof b) {
						memmove(b + at + 10, b + at, n - at);
						for (int i = 0; i < 9; i++)
							b[at + i] = (unsigned char)(0x80 | rnd());
						b[at + 9] = (unsigned char)(rnd() % 2);
						n += 10;
					}
					break;
				case 4: b[at] = rnd() % 2 ? 0x01 : 0x7f; break; /* -1, -64 */
				}
			}
		}
		fuzz_one(&RD, b, n);
	}
}

START_TEST(test_fuzz)
{
	unsigned iters = 20000;
	rng = 0x9E3779B97F4A7C15ULL;
	load(&A, RICH);
	fuzz_schema(&A, NULL, RICH_IN, iters);
	load(&A, V1);
	load(&B, V2);
	fuzz_schema(&A, &B, "{\"id\":\"x\",\"n\":7,\"gone\":[{\"g\":\"a\"},{\"g\":\"b\"}],\"f\":0.5,"
		"\"c\":\"PINK\",\"u\":3,\"s\":\"\\u00e9\"}", iters);
	load(&A, "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
		"{\"name\":\"nulls\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
		"{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"L\"}}},"
		"{\"name\":\"next\",\"type\":[\"null\",\"L\"]}]}");
	fuzz_schema(&A, NULL, "{\"v\":1,\"nulls\":[null,null],\"m\":{\"k\":[{\"v\":2,\"nulls\":[],"
		"\"m\":{},\"next\":null}]},\"next\":{\"v\":3,\"nulls\":[null],\"m\":{},\"next\":null}}", iters);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("avrobin");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_primitive_bytes);
	tcase_add_test(tc, test_rich_roundtrip);
	tcase_add_test(tc, test_avroc_writes);
	tcase_add_test(tc, test_wrapped);
	tcase_add_test(tc, test_encode_errors);
	tcase_add_test(tc, test_natural_unions);
	tcase_add_test(tc, test_decode_forms);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_deep);
	tcase_add_test(tc, test_frame);
	tcase_add_test(tc, test_resolution);
	tcase_add_test(tc, test_resolution_recursive);
	tcase_add_test(tc, test_fuzz);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
