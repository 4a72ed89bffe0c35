/* Avro schemas for the wire, Confluent framing, and encoding natural JSON to Avro. */
#include "avrobin.h"

#include <jansson.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

#define WRAP_HEAD "{\"type\":\"record\",\"name\":\"runnel_wrap\",\"fields\":[{\"name\":\"value\",\"type\":"
#define WRAP_TAIL "}]}"

void av_schema_init(struct av_schema *a)
{
	memset(a, 0, sizeof *a);
	schema_init(&a->s);
	a->root = SCHEMA_NONE;
}

void av_schema_free(struct av_schema *a)
{
	schema_free(&a->s);
	free(a->text);
	free(a->enum_def);
	free(a->defv);
	buf_free(&a->norm);
	buf_free(&a->tmp);
	buf_free(&a->emsg);
	free(a->kv);
	free(a->slot);
	free(a->seg);
	av_schema_init(a);
}

static const char *ns_part(const char *full, char *t, size_t cap)
{
	const char *dot = strrchr(full, '.');
	size_t n = dot ? (size_t)(dot - full) : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(t, full, n);
	t[n] = 0;
	return t;
}

/* The loader checks an enum's "default" but keeps only the symbols: find each
   default again, by the enum's full name, for schema resolution. */
static void enum_defaults(struct av_schema *a, json_t *j, const char *ns)
{
	char full[1024], sub[1024];
	if (json_is_array(j)) {
		size_t i;
		json_t *e;
		json_array_foreach(j, i, e)
			enum_defaults(a, e, ns);
		return;
	}
	if (!json_is_object(j))
		return;
	json_t *t = json_object_get(j, "type");
	if (json_is_object(t) || json_is_array(t)) {
		enum_defaults(a, t, ns);
		return;
	}
	const char *tn = json_string_value(t);
	if (!tn)
		return;
	if (!strcmp(tn, "array") || !strcmp(tn, "map")) {
		enum_defaults(a, json_object_get(j, tn[0] == 'a' ? "items" : "values"), ns);
		return;
	}
	bool rec = !strcmp(tn, "record") || !strcmp(tn, "error");
	if (!rec && strcmp(tn, "enum"))
		return;
	const char *name = json_string_value(json_object_get(j, "name"));
	const char *jns = json_string_value(json_object_get(j, "namespace"));
	if (!name)
		return;
	if (jns)
		ns = jns;
	if (strchr(name, '.') || !ns || !*ns)
		snprintf(full, sizeof full, "%s", name);
	else
		snprintf(full, sizeof full, "%s.%s", ns, name);
	if (rec) {
		json_t *fields = json_object_get(j, "fields"), *f;
		size_t i;
		ns_part(full, sub, sizeof sub);
		json_array_foreach(fields, i, f)
			enum_defaults(a, json_object_get(f, "type"), sub);
		return;
	}
	const char *def = json_string_value(json_object_get(j, "default"));
	for (size_t n = 0; def && n < a->s.nnode; n++) {
		const struct schema_node *e = &a->s.node[n];
		if (e->kind != SCHEMA_ENUM || !e->name || strcmp(e->name, full))
			continue;
		for (uint32_t k = 0; k < e->n; k++)
			if (!strcmp(a->s.sym[e->first + k].s, def))
				a->enum_def[n] = (int32_t)k;
	}
}

/* Loader messages about the wrapper's one field are about the top level. */
static void unwrap_err(struct buf *err)
{
	static const char pre[] = "field value";
	if (!err->p || strncmp(err->p, pre, sizeof pre - 1))
		return;
	const char *rest = err->p + sizeof pre - 1;
	struct buf t = BUF_INIT;
	if (*rest == '.')
		buf_printf(&t, "field %s", rest + 1);
	else if (!strncmp(rest, ": ", 2))
		buf_adds(&t, rest + 2);
	else
		return;
	buf_reset(err);
	buf_add(err, t.p, t.len);
	buf_free(&t);
}

bool av_schema_load(struct av_schema *a, const char *text, size_t len, struct buf *err)
{
	json_error_t e;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	buf_reset(err);
	if (!j) {
		buf_printf(err, "invalid JSON at line %d, column %d: %s", e.line, e.column, e.text);
		return false;
	}
	const char *tn = json_is_object(j) ? json_string_value(json_object_get(j, "type")) : NULL;
	char *compact = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	bool ok;
	a->wrapped = !tn || (strcmp(tn, "record") && strcmp(tn, "error"));
	if (a->wrapped) {
		struct buf w = BUF_INIT;
		buf_adds(&w, WRAP_HEAD);
		buf_adds(&w, compact);
		buf_adds(&w, WRAP_TAIL);
		ok = schema_load_avro(&a->s, w.p, w.len, err);
		buf_free(&w);
		if (ok)
			a->root = a->s.field[a->s.node[a->s.root].first].type;
		else
			unwrap_err(err);
	} else {
		ok = schema_load_avro(&a->s, text, len, err);
		a->root = a->s.root;
	}
	if (ok) {
		a->text = compact;
		a->text_len = strlen(compact);
		a->enum_def = xmalloc((a->s.nnode ? a->s.nnode : 1) * sizeof *a->enum_def);
		for (size_t i = 0; i < a->s.nnode; i++)
			a->enum_def[i] = -1;
		enum_defaults(a, j, NULL);
		a->defv = xcalloc(a->s.nfield ? a->s.nfield : 1, sizeof *a->defv);
		for (size_t i = 0; i < a->s.nfield; i++) {
			const struct schema_field *f = &a->s.field[i];
			const char *d = f->avro_def ? f->avro_def : f->def;
			if (d && !json_check(d, strlen(d), &a->defv[i], NULL))
				a->defv[i].type = JV_NONE;
		}
	} else {
		free(compact);
		schema_free(&a->s);
		schema_init(&a->s);
	}
	json_decref(j);
	return ok;
}

bool av_schema_load_file(struct av_schema *a, const char *path, struct buf *err)
{
	struct buf text = BUF_INIT;
	buf_reset(err);
	bool ok = buf_read_file(&text, path);
	if (!ok)
		buf_adds(err, strerror(errno));
	else
		ok = av_schema_load(a, text.p ? text.p : "", text.len, err);
	buf_free(&text);
	return ok;
}

void av_frame(struct buf *out, uint32_t id)
{
	char h[AV_FRAME_LEN] = { 0, (char)(id >> 24), (char)(id >> 16), (char)(id >> 8), (char)id };
	buf_add(out, h, sizeof h);
}

bool av_unframe(const void *p, size_t n, uint32_t *id, const uint8_t **payload, size_t *plen,
	struct buf *why)
{
	const uint8_t *b = p;
	buf_reset(why);
	if (!b || n < AV_FRAME_LEN) {
		buf_printf(why, "truncated frame: %zu byte%s, the Confluent wire format needs at least %d",
			b ? n : 0, b && n == 1 ? "" : "s", AV_FRAME_LEN);
		return false;
	}
	if (b[0] != 0) {
		buf_printf(why, "bad magic byte 0x%02x: not in the Confluent wire format", b[0]);
		return false;
	}
	*id = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
	*payload = b + AV_FRAME_LEN;
	*plen = n - AV_FRAME_LEN;
	return true;
}

/* Encoding: the value was validated by schema_write_* first, so the walk below only
   meets values that fit, except bytes beyond U+00FF. */
static void put_long(struct buf *b, int64_t x)
{
	uint64_t z = ((uint64_t)x << 1) ^ (0 - (uint64_t)(x < 0));
	char t[10];
	size_t n = 0;
	while (z >= 0x80) {
		t[n++] = (char)(z | 0x80);
		z >>= 7;
	}
	t[n++] = (char)z;
	buf_add(b, t, n);
}

static void put_le(struct buf *b, uint64_t x, size_t n)
{
	char t[8];
	for (size_t i = 0; i < n; i++)
		t[i] = (char)(x >> (8 * i));
	buf_add(b, t, n);
}

static void push_seg(struct av_schema *a, char kind, const char *p, size_t len)
{
	if (a->nseg == a->capseg) {
		a->capseg = a->capseg ? a->capseg * 2 : 16;
		a->seg = xrealloc(a->seg, a->capseg * sizeof *a->seg);
	}
	a->seg[a->nseg++] = (struct schema_seg){ kind, p, len };
}

static bool enc_fail(struct av_schema *a, const char *msg)
{
	buf_reset(&a->emsg);
	buf_adds(&a->emsg, msg);
	return false;
}

/* Avro's JSON form of bytes: each character U+0000..U+00FF is one byte. */
static bool latin1(struct av_schema *a, struct json_val v)
{
	buf_reset(&a->tmp);
	json_str_append(&a->tmp, v);
	unsigned char *p = (unsigned char *)a->tmp.p, *q = p, *end = p + a->tmp.len;
	while (p < end) {
		if (*p < 0x80) {
			*q++ = *p++;
		} else if ((*p == 0xC2 || *p == 0xC3) && p + 1 < end) {
			*q++ = (unsigned char)(((*p & 0x1F) << 6) | (p[1] & 0x3F));
			p += 2;
		} else {
			buf_reset(&a->emsg);
			buf_adds(&a->emsg, "bytes: a character beyond U+00FF (Avro's JSON form of "
				"bytes has one character U+0000..U+00FF per byte)");
			return false;
		}
	}
	a->tmp.len = (size_t)(q - (unsigned char *)a->tmp.p);
	return true;
}

static size_t kv_collect(struct av_schema *a, struct json_val obj)
{
	struct json_iter it;
	struct json_val k, v;
	size_t n = 0;
	json_iter_init(&it, obj);
	while (json_obj_next(&it, &k, &v)) {
		if (a->nkv == a->capkv) {
			a->capkv = a->capkv ? a->capkv * 2 : 64;
			a->kv = xrealloc(a->kv, a->capkv * sizeof *a->kv);
		}
		a->kv[a->nkv].key = k;
		a->kv[a->nkv].val = v;
		a->nkv++;
		n++;
	}
	return n;
}

static bool enc_node(struct av_schema *a, uint32_t ni, struct json_val v, struct buf *out);

/* Fields of record rn from the members kv[base..base+n), in schema order. */
static bool enc_fields(struct av_schema *a, uint32_t rn, size_t base, size_t n, struct buf *out)
{
	const struct schema_node *r = &a->s.node[rn];
	size_t sb = a->nslot;
	uint32_t hint = 0;
	bool ok = true;
	if (a->capslot - a->nslot < r->n) {
		while (a->capslot - a->nslot < r->n)
			a->capslot = a->capslot ? a->capslot * 2 : 64;
		a->slot = xrealloc(a->slot, a->capslot * sizeof *a->slot);
	}
	memset(a->slot + sb, 0xff, r->n * sizeof *a->slot);
	a->nslot += r->n;
	for (size_t i = 0; i < n; i++) {
		struct json_val key = a->kv[base + i].key;
		const struct schema_field *F = a->s.field + r->first;
		uint32_t j = hint;
		if (!(j < r->n && json_str_eq(key, F[j].name, F[j].len)))
			for (j = 0; j < r->n && !json_str_eq(key, F[j].name, F[j].len); j++)
				;
		if (j < r->n) {
			a->slot[sb + j] = (uint32_t)i; /* a repeated key: the last one counts */
			hint = j + 1;
		}
	}
	for (uint32_t j = 0; j < r->n && ok; j++) {
		uint32_t fi = r->first + j, i = a->slot[sb + j];
		struct json_val v = i == SCHEMA_NONE ? a->defv[fi] : a->kv[base + i].val;
		if (v.type == JV_NONE)
			ok = enc_fail(a, "required field is missing");
		else
			ok = enc_node(a, a->s.field[fi].type, v, out);
		if (!ok)
			push_seg(a, 'f', a->s.field[fi].name, a->s.field[fi].len);
	}
	a->nslot = sb;
	return ok;
}

/* Marks all but the last of repeated map keys (key.type = JV_NONE); returns how many
   keys are left. */
static size_t dedup(struct av_schema *a, size_t base, size_t n)
{
	struct rec_field *f = a->kv + base;
	size_t left = n;
	if (n <= 16) {
		for (size_t i = 0; i + 1 < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (f[i].key.len == f[j].key.len && !memcmp(f[i].key.p, f[j].key.p, f[i].key.len)) {
					f[i].key.type = JV_NONE;
					left--;
					break;
				}
		return left;
	}
	struct htab h;
	bool added;
	htab_init(&h);
	for (size_t i = 0; i < n; i++) {
		struct htab_ent *e = htab_put(&h, f[i].key.p, f[i].key.len, &added);
		if (!added) {
			f[(uintptr_t)e->val - 1].key.type = JV_NONE;
			left--;
		}
		e->val = (void *)(uintptr_t)(i + 1);
	}
	htab_free(&h);
	return left;
}

static bool enc_union(struct av_schema *a, uint32_t ni, struct json_val v, struct buf *out)
{
	const struct schema_node *n = &a->s.node[ni];
	long b;
	if (n->null_branch >= 0 && (v.type == JV_NULL || n->n == 2))
		b = v.type == JV_NULL ? n->null_branch : 1 - n->null_branch;
	else
		b = schema_union_branch(&a->s, ni, v);
	if (b < 0)
		return enc_fail(a, "no branch of the union takes this value");
	put_long(out, b);
	return enc_node(a, a->s.branch[n->first + (uint32_t)b], v, out);
}

static bool enc_node(struct av_schema *a, uint32_t ni, struct json_val v, struct buf *out)
{
	const struct schema_node *n = &a->s.node[ni];
	int64_t x;
	double d;
	size_t len;
	const char *p;
	switch (n->kind) {
	case SCHEMA_NULL:
		return true;
	case SCHEMA_BOOLEAN:
		buf_addc(out, v.type == JV_TRUE ? 1 : 0);
		return true;
	case SCHEMA_INT:
	case SCHEMA_LONG:
		if (!(n->logical != SCHEMA_LT_NONE ? schema_time_value(&a->s, ni, v, &x) :
			json_num_i64(v, &x)))
			return enc_fail(a, "not an integer in range");
		put_long(out, x);
		return true;
	case SCHEMA_FLOAT: {
		float f;
		uint32_t u;
		json_num_f64(v, &d);
		f = (float)d;
		memcpy(&u, &f, 4);
		put_le(out, u, 4);
		return true;
	}
	case SCHEMA_DOUBLE: {
		uint64_t u;
		json_num_f64(v, &d);
		memcpy(&u, &d, 8);
		put_le(out, u, 8);
		return true;
	}
	case SCHEMA_STRING:
		p = json_str(v, &a->tmp, &len);
		put_long(out, (int64_t)len);
		buf_add(out, p, len);
		return true;
	case SCHEMA_BYTES:
		if (!latin1(a, v))
			return false;
		put_long(out, (int64_t)a->tmp.len);
		buf_add(out, a->tmp.p, a->tmp.len);
		return true;
	case SCHEMA_FIXED:
		if (!latin1(a, v))
			return false;
		if (a->tmp.len != n->size)
			return enc_fail(a, "fixed: wrong number of bytes");
		buf_add(out, a->tmp.p, a->tmp.len);
		return true;
	case SCHEMA_ENUM:
		put_long(out, schema_enum_index(&a->s, ni, v));
		return true;
	case SCHEMA_ARRAY: {
		struct json_iter it;
		struct json_val e;
		size_t i = 0, cnt = json_len(v);
		if (cnt) {
			put_long(out, (int64_t)cnt);
			json_iter_init(&it, v);
			while (json_arr_next(&it, &e)) {
				if (!enc_node(a, n->items, e, out)) {
					push_seg(a, 'i', NULL, i);
					return false;
				}
				i++;
			}
		}
		put_long(out, 0);
		return true;
	}
	case SCHEMA_MAP: {
		size_t base = a->nkv, cnt = kv_collect(a, v), left = dedup(a, base, cnt);
		bool ok = true;
		if (left)
			put_long(out, (int64_t)left);
		for (size_t i = 0; i < cnt && ok; i++) {
			struct rec_field m = a->kv[base + i];
			if (m.key.type == JV_NONE)
				continue;
			p = json_str(m.key, &a->tmp, &len);
			put_long(out, (int64_t)len);
			buf_add(out, p, len);
			if (!(ok = enc_node(a, n->items, m.val, out)))
				push_seg(a, 'k', m.key.p, m.key.len);
		}
		put_long(out, 0);
		a->nkv = base;
		return ok;
	}
	case SCHEMA_RECORD: {
		size_t base = a->nkv, cnt = kv_collect(a, v);
		bool ok = enc_fields(a, ni, base, cnt, out);
		a->nkv = base;
		return ok;
	}
	case SCHEMA_UNION:
		return enc_union(a, ni, v, out);
	}
	return enc_fail(a, "unknown type");
}

static bool simple_key(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
			(p[i] >= '0' && p[i] <= '9') || p[i] == '_' || p[i] == '-'))
			return false;
	return n > 0;
}

/* `field a.b[2]: reason`, as schema.h words it. */
static void enc_err(struct av_schema *a, struct buf *why)
{
	buf_reset(why);
	if (a->nseg) {
		buf_adds(why, "field ");
		for (size_t i = a->nseg; i-- > 0;) {
			const struct schema_seg *g = &a->seg[i];
			if (g->kind == 'i') {
				buf_printf(why, "[%zu]", g->len);
				continue;
			}
			if (i != a->nseg - 1)
				buf_addc(why, '.');
			if (g->kind == 'k' && simple_key(g->p + 1, g->len - 2))
				buf_add(why, g->p + 1, g->len - 2);
			else
				buf_add(why, g->p, g->len);
		}
		buf_adds(why, ": ");
	}
	buf_add(why, a->emsg.p, a->emsg.len);
	a->nseg = 0;
}

static bool enc_done(struct av_schema *a, bool ok, size_t save, struct buf *out, struct buf *why)
{
	a->nkv = a->nslot = 0;
	if (ok)
		return true;
	enc_err(a, why);
	out->len = save;
	if (out->p)
		out->p[save] = 0;
	return false;
}

bool av_encode_members(struct av_schema *a, const struct rec_field *f, size_t n,
	struct buf *out, struct buf *why)
{
	size_t save = out->len;
	if (a->wrapped) {
		buf_reset(why);
		buf_adds(why, "the schema's top level is not a record");
		return false;
	}
	buf_reset(&a->norm);
	if (!schema_write_members(&a->s, f, n, 0, &a->norm, why))
		return false;
	a->nseg = a->nkv = a->nslot = 0;
	if (a->capkv < n) {
		a->capkv = n;
		a->kv = xrealloc(a->kv, a->capkv * sizeof *a->kv);
	}
	if (n)
		memcpy(a->kv, f, n * sizeof *f);
	a->nkv = n;
	return enc_done(a, enc_fields(a, a->root, 0, n, out), save, out, why);
}

bool av_encode_value(struct av_schema *a, struct json_val v, struct buf *out, struct buf *why)
{
	size_t save = out->len;
	buf_reset(&a->norm);
	if (!schema_write_value(&a->s, a->root, v, 0, &a->norm, why))
		return false;
	a->nseg = a->nkv = a->nslot = 0;
	return enc_done(a, enc_node(a, a->root, v, out), save, out, why);
}
