/* Validating a record against a compiled schema while writing it normalised. */
#include "schema.h"

#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "json.h"
#include "jw.h"
#include "rec.h"
#include "schema_priv.h"

/* The error path grows while the walk unwinds, innermost segment first. */
static void push_seg(struct schema *s, char kind, const char *p, size_t len)
{
	if (s->nseg == s->capseg) {
		s->capseg = s->capseg ? s->capseg * 2 : 16;
		s->seg = xrealloc(s->seg, s->capseg * sizeof *s->seg);
	}
	s->seg[s->nseg++] = (struct schema_seg){ kind, p, len };
}

/* Unions may try a value's subtree more than once; this bounds the total work, so that
   a deep value against a recursive schema cannot take exponential time. */
#define SCHEMA_BUDGET(bytes) (100000 + 16 * (uint64_t)(bytes))

static inline void truncate_to(struct buf *b, size_t len)
{
	b->len = len;
	if (b->p)
		b->p[len] = 0;
}

static void kv_reserve(struct schema *s, size_t n)
{
	if (s->capkv - s->nkv < n) {
		while (s->capkv - s->nkv < n)
			s->capkv = s->capkv ? s->capkv * 2 : 64;
		s->kv = xrealloc(s->kv, s->capkv * sizeof *s->kv);
	}
}

static size_t slots_push(struct schema *s, size_t n)
{
	if (s->capslot - s->nslot < n) {
		while (s->capslot - s->nslot < n)
			s->capslot = s->capslot ? s->capslot * 2 : 64;
		s->slot = xrealloc(s->slot, s->capslot * sizeof *s->slot);
	}
	size_t at = s->nslot;
	memset(s->slot + at, 0xff, n * sizeof *s->slot);
	s->nslot += n;
	return at;
}

/* Next element (key NULL) or member of a validated container; p starts after the
   opening bracket. */
static inline bool next_item(const char **pp, const char *end, struct json_val *key,
	struct json_val *val)
{
	struct json_iter it = { *pp, end };
	bool more = key ? json_obj_next(&it, key, val) : json_arr_next(&it, val);
	*pp = it.p;
	return more;
}

/* Collects an object's members onto the kv stack; returns how many. */
static size_t collect(struct schema *s, struct json_val obj)
{
	const char *p = obj.p + 1, *end = obj.p + obj.len - 1;
	struct json_val k, v;
	size_t n = 0;
	while (next_item(&p, end, &k, &v)) {
		kv_reserve(s, 1);
		s->kv[s->nkv].key = k;
		s->kv[s->nkv].val = v;
		s->nkv++;
		n++;
	}
	return n;
}

static inline bool key_eq(struct json_val a, struct json_val b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

/* Marks every member whose key comes again later (by its JSON text) as a duplicate
   (key.type = JV_NONE): the last one wins, as in jansson, jq and Python. */
static void dedup(struct schema *s, size_t base, size_t n)
{
	struct rec_field *f = s->kv + base;
	if (n < 2)
		return;
	if (n <= 16) {
		for (size_t i = 0; i + 1 < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (key_eq(f[i].key, f[j].key)) {
					f[i].key.type = JV_NONE;
					break;
				}
		return;
	}
	struct htab h;
	bool added;
	htab_init(&h);
	for (size_t i = 0; i < n; i++) {
		struct htab_ent *e = htab_put(&h, f[i].key.p, f[i].key.len, &added);
		if (!added)
			f[(uintptr_t)e->val - 1].key.type = JV_NONE;
		e->val = (void *)(uintptr_t)(i + 1);
	}
	htab_free(&h);
}

/* Schema field of record r named by a JSON key; tries the field after the last match
   first, since records mostly come in schema order. */
static long match_field(struct schema *s, const struct schema_node *r, struct json_val key,
	uint32_t hint)
{
	const struct schema_field *F = s->field + r->first;
	const char *kp = key.p + 1;
	size_t kl = key.len - 2;
	if (hint < r->n && F[hint].len == kl && !memcmp(F[hint].name, kp, kl))
		return hint;
	for (uint32_t j = 0; j < r->n; j++)
		if (F[j].len == kl && !memcmp(F[j].name, kp, kl))
			return j;
	if (!memchr(kp, '\\', kl))
		return -1;
	buf_reset(&s->tmp);
	json_str_append(&s->tmp, key);
	for (uint32_t j = 0; j < r->n; j++)
		if (F[j].len == s->tmp.len && !memcmp(F[j].name, s->tmp.p, s->tmp.len))
			return j;
	return -1;
}

long schema_field_index(const struct schema *s, uint32_t rec, const char *name, size_t n)
{
	const struct schema_node *r = &s->node[rec];
	if (r->kind != SCHEMA_RECORD)
		return -1;
	for (uint32_t j = 0; j < r->n; j++)
		if (s->field[r->first + j].len == n && !memcmp(s->field[r->first + j].name, name, n))
			return j;
	return -1;
}

static bool write_node(struct schema *s, uint32_t ni, struct json_val v, unsigned flags,
	struct buf *out);

static inline void add_key(struct buf *out, const struct schema_field *f)
{
	jw_sep(out);
	buf_add(out, f->key, f->key_len);
}

/* The members kv[base..base+n) against record rn, written without braces. */
static bool write_members(struct schema *s, uint32_t rn, size_t base, size_t n,
	unsigned flags, struct buf *out)
{
	const struct schema_node *r = &s->node[rn];
	size_t sb = slots_push(s, r->n);
	uint32_t hint = 0;
	bool ok = false;
	for (size_t i = 0; i < n; i++) {
		long j = match_field(s, r, s->kv[base + i].key, hint);
		if (j >= 0) {
			s->slot[sb + (size_t)j] = (uint32_t)i;
			hint = (uint32_t)j + 1;
		}
	}
	for (uint32_t j = 0; j < r->n; j++) {
		const struct schema_field *f = &s->field[r->first + j];
		uint32_t i = s->slot[sb + j];
		if (i == SCHEMA_NONE) {
			if (!f->def) {
				buf_reset(&s->emsg);
				buf_adds(&s->emsg, "required field is missing");
				push_seg(s, 'f', f->name, f->len);
				goto out;
			}
			add_key(out, f);
			buf_add(out, f->def, f->def_len);
			continue;
		}
		add_key(out, f);
		if (!write_node(s, f->type, s->kv[base + i].val, flags & ~SCHEMA_NO_KAFKA, out)) {
			push_seg(s, 'f', f->name, f->len);
			goto out;
		}
	}
	if (flags & SCHEMA_KEEP_UNKNOWN) {
		dedup(s, base, n);
		for (size_t i = 0; i < n; i++) {
			struct rec_field m = s->kv[base + i];
			if (m.key.type == JV_NONE || match_field(s, r, m.key, 0) >= 0)
				continue;
			if ((flags & SCHEMA_NO_KAFKA) && m.key.len == 8 && !memcmp(m.key.p, "\"_kafka\"", 8))
				continue;
			jw_key_raw(out, m.key);
			jw_val(out, m.val);
		}
	}
	ok = true;
out:
	s->nslot = sb;
	return ok;
}

static bool write_record(struct schema *s, uint32_t ni, struct json_val v, unsigned flags,
	struct buf *out)
{
	if (v.type != JV_OBJECT)
		return schema_mismatch(s, ni, v);
	size_t base = s->nkv;
	size_t n = collect(s, v);
	buf_addc(out, '{');
	bool ok = write_members(s, ni, base, n, flags, out);
	buf_addc(out, '}');
	s->nkv = base;
	return ok;
}

static bool write_map(struct schema *s, uint32_t ni, struct json_val v, unsigned flags,
	struct buf *out)
{
	if (v.type != JV_OBJECT)
		return schema_mismatch(s, ni, v);
	uint32_t items = s->node[ni].items;
	size_t base = s->nkv;
	size_t n = collect(s, v);
	bool ok = true, copy = s->node[items].kind == SCHEMA_STRING ||
		s->node[items].kind == SCHEMA_BYTES;
	size_t compact = n ? 1 + 2 * n : 2; /* braces, colons, commas */
	dedup(s, base, n);
	/* a map of strings already written compact and without repeated keys is copied */
	for (size_t i = 0; copy && i < n; i++) {
		const struct rec_field *m = &s->kv[base + i];
		copy = m->val.type == JV_STRING && m->key.type != JV_NONE;
		compact += m->key.len + m->val.len;
	}
	if (copy && compact == v.len) {
		buf_add(out, v.p, v.len);
		s->nkv = base;
		return true;
	}
	buf_addc(out, '{');
	for (size_t i = 0; i < n; i++) {
		struct rec_field m = s->kv[base + i];
		if (m.key.type == JV_NONE)
			continue;
		jw_key_raw(out, m.key);
		if (!write_node(s, items, m.val, flags, out)) {
			push_seg(s, 'k', m.key.p, m.key.len);
			ok = false;
			break;
		}
	}
	buf_addc(out, '}');
	s->nkv = base;
	return ok;
}

static bool write_array(struct schema *s, uint32_t ni, struct json_val v, unsigned flags,
	struct buf *out)
{
	if (v.type != JV_ARRAY)
		return schema_mismatch(s, ni, v);
	uint32_t items = s->node[ni].items;
	const char *p = v.p + 1, *end = v.p + v.len - 1;
	struct json_val e;
	size_t i = 0;
	buf_addc(out, '[');
	while (next_item(&p, end, NULL, &e)) {
		jw_sep(out);
		if (!write_node(s, items, e, flags, out)) {
			push_seg(s, 'i', NULL, i);
			return false;
		}
		i++;
	}
	buf_addc(out, ']');
	return true;
}

/* Which JSON values a branch could take, before trying it. */
static bool could_take(const struct schema_node *n, enum json_type t)
{
	switch (n->kind) {
	case SCHEMA_NULL: return t == JV_NULL;
	case SCHEMA_BOOLEAN: return t == JV_TRUE || t == JV_FALSE;
	case SCHEMA_INT:
	case SCHEMA_LONG:
		return t == JV_NUMBER || (t == JV_STRING && n->logical != SCHEMA_LT_NONE);
	case SCHEMA_FLOAT:
	case SCHEMA_DOUBLE: return t == JV_NUMBER;
	case SCHEMA_BYTES:
	case SCHEMA_STRING:
	case SCHEMA_ENUM:
	case SCHEMA_FIXED: return t == JV_STRING;
	case SCHEMA_RECORD:
	case SCHEMA_MAP: return t == JV_OBJECT;
	case SCHEMA_ARRAY: return t == JV_ARRAY;
	case SCHEMA_UNION: return false;
	}
	return false;
}

/* A union takes the first branch that accepts the value; when all refuse, the first
   branch that could have taken the value's JSON type explains why. */
static bool write_union(struct schema *s, uint32_t ni, struct json_val v, unsigned flags,
	struct buf *out, long *taken)
{
	const struct schema_node *n = &s->node[ni];
	size_t save = out->len, nseg = s->nseg;
	long first_fit = -1;
	struct buf why = BUF_INIT;
	*taken = -1;
	if (n->null_branch >= 0 && v.type == JV_NULL) {
		buf_add(out, "null", 4);
		*taken = n->null_branch;
		return true;
	}
	for (uint32_t i = 0; i < n->n; i++) {
		uint32_t b = s->branch[n->first + i];
		if (!could_take(&s->node[b], v.type))
			continue;
		if (write_node(s, b, v, flags, out)) {
			*taken = i;
			buf_free(&why);
			return true;
		}
		truncate_to(out, save);
		if (!s->budget) {
			s->nseg = nseg;
			buf_free(&why);
			return false;
		}
		if (first_fit < 0) { /* keep its reason; later tries push above its path */
			first_fit = i;
			nseg = s->nseg;
			buf_add(&why, s->emsg.p, s->emsg.len);
		}
		s->nseg = nseg;
	}
	if (first_fit < 0)
		return schema_mismatch(s, ni, v);
	buf_reset(&s->emsg);
	buf_add(&s->emsg, why.p, why.len);
	buf_free(&why);
	return false;
}

static bool write_node(struct schema *s, uint32_t ni, struct json_val v, unsigned flags,
	struct buf *out)
{
	const struct schema_node *n = &s->node[ni];
	long taken;
	if (!s->budget) {
		buf_reset(&s->emsg);
		buf_adds(&s->emsg, "too complex: the schema's unions give too many readings to try");
		return false;
	}
	s->budget--;
	switch (n->kind) {
	case SCHEMA_STRING: /* most fields: no call */
		if (v.type != JV_STRING)
			return schema_mismatch(s, ni, v);
		buf_add(out, v.p, v.len);
		return true;
	case SCHEMA_RECORD:
		return write_record(s, ni, v, flags, out);
	case SCHEMA_MAP:
		return write_map(s, ni, v, flags, out);
	case SCHEMA_ARRAY:
		return write_array(s, ni, v, flags, out);
	case SCHEMA_UNION:
		return write_union(s, ni, v, flags, out, &taken);
	default:
		return schema_write_leaf(s, ni, v, out);
	}
}

long schema_union_branch(struct schema *s, uint32_t ni, struct json_val v)
{
	struct buf scratch = BUF_INIT;
	long taken = -1;
	size_t nkv = s->nkv, nslot = s->nslot, nseg = s->nseg;
	s->budget = SCHEMA_BUDGET(v.len);
	if (s->node[ni].kind == SCHEMA_UNION)
		write_union(s, ni, v, 0, &scratch, &taken);
	s->nkv = nkv;
	s->nslot = nslot;
	s->nseg = nseg;
	buf_free(&scratch);
	return taken;
}

static bool simple_key(const char *p, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* `field properties.device: reason`, or the bare reason at the top. */
static void format_err(struct schema *s, struct buf *why)
{
	buf_reset(why);
	if (s->nseg) {
		buf_adds(why, "field ");
		for (size_t i = s->nseg; i-- > 0;) {
			const struct schema_seg *g = &s->seg[i];
			if (g->kind == 'i') {
				buf_printf(why, "[%zu]", g->len);
				continue;
			}
			if (i != s->nseg - 1)
				buf_addc(why, '.');
			if (g->kind == 'f')
				buf_add(why, g->p, g->len);
			else if (simple_key(g->p + 1, g->len - 2))
				buf_add(why, g->p + 1, g->len - 2);
			else
				buf_add(why, g->p, g->len);
		}
		buf_adds(why, ": ");
	}
	buf_add(why, s->emsg.p, s->emsg.len);
	s->nseg = 0;
}

bool schema_write_members(struct schema *s, const struct rec_field *f, size_t n,
	unsigned flags, struct buf *out, struct buf *why)
{
	size_t save = out->len, size = 0;
	kv_reserve(s, n);
	if (n)
		memcpy(s->kv, f, n * sizeof *f);
	for (size_t i = 0; i < n; i++)
		size += f[i].key.len + f[i].val.len;
	s->budget = SCHEMA_BUDGET(size);
	s->nkv = n;
	s->nseg = 0;
	bool ok = write_members(s, s->root, 0, n, flags, out);
	s->nkv = 0;
	if (!ok) {
		truncate_to(out, save);
		format_err(s, why);
	}
	return ok;
}

bool schema_write_value(struct schema *s, uint32_t node, struct json_val v, unsigned flags,
	struct buf *out, struct buf *why)
{
	size_t save = out->len;
	s->nkv = s->nslot = s->nseg = 0;
	s->budget = SCHEMA_BUDGET(v.len);
	bool ok = write_node(s, node, v, flags & ~SCHEMA_NO_KAFKA, out);
	if (!ok) {
		truncate_to(out, save);
		format_err(s, why);
	}
	return ok;
}

bool schema_write_text(struct schema *s, uint32_t node, const char *text, size_t len,
	struct buf *out, struct buf *why)
{
	struct json_val v;
	struct json_err err;
	if (!json_check(text, len, &v, &err)) {
		buf_reset(why);
		buf_printf(why, "invalid JSON at column %zu: %s", err.off + 1, err.msg);
		return false;
	}
	return schema_write_value(s, node, v, 0, out, why);
}
