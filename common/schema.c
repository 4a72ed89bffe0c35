/* Compiled schemas: building them, parse's -f shorthand, and the Avro form. */
#include "schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jw.h"

void schema_init(struct schema *s)
{
	memset(s, 0, sizeof *s);
	s->root = SCHEMA_NONE;
}

void schema_free(struct schema *s)
{
	for (size_t i = 0; i < s->nnode; i++)
		free(s->node[i].name);
	for (size_t i = 0; i < s->nfield; i++) {
		free(s->field[i].name);
		free(s->field[i].key);
		free(s->field[i].def);
		free(s->field[i].avro_def);
	}
	for (size_t i = 0; i < s->nsym; i++)
		free(s->sym[i].s);
	free(s->node);
	free(s->field);
	free(s->sym);
	free(s->branch);
	free(s->kv);
	free(s->slot);
	free(s->seg);
	buf_free(&s->emsg);
	buf_free(&s->tmp);
	schema_init(s);
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 16;
	return xrealloc(p, *cap * size);
}

uint32_t schema_add_node(struct schema *s, enum schema_kind kind)
{
	s->node = grow(s->node, &s->capnode, s->nnode + 1, sizeof *s->node);
	memset(&s->node[s->nnode], 0, sizeof *s->node);
	s->node[s->nnode].kind = kind;
	s->node[s->nnode].items = SCHEMA_NONE;
	s->node[s->nnode].null_branch = -1;
	return (uint32_t)s->nnode++;
}

uint32_t schema_add_fields(struct schema *s, uint32_t n)
{
	s->field = grow(s->field, &s->capfield, s->nfield + n, sizeof *s->field);
	memset(&s->field[s->nfield], 0, n * sizeof *s->field);
	for (uint32_t i = 0; i < n; i++)
		s->field[s->nfield + i].type = SCHEMA_NONE;
	s->nfield += n;
	return (uint32_t)(s->nfield - n);
}

uint32_t schema_add_branches(struct schema *s, uint32_t n)
{
	s->branch = grow(s->branch, &s->capbranch, s->nbranch + n, sizeof *s->branch);
	for (uint32_t i = 0; i < n; i++)
		s->branch[s->nbranch + i] = SCHEMA_NONE;
	s->nbranch += n;
	return (uint32_t)(s->nbranch - n);
}

void schema_add_symbol(struct schema *s, const char *p, size_t n)
{
	s->sym = grow(s->sym, &s->capsym, s->nsym + 1, sizeof *s->sym);
	s->sym[s->nsym].s = xstrndup(p, n);
	s->sym[s->nsym].len = n;
	s->nsym++;
}

void schema_set_field_name(struct schema *s, uint32_t fi, const char *name, size_t n)
{
	struct schema_field *f = &s->field[fi];
	struct buf k = BUF_INIT;
	f->name = xstrndup(name, n);
	f->len = n;
	jw_str(&k, name, n);
	buf_addc(&k, ':');
	f->key = k.p;
	f->key_len = k.len;
}

static bool nullable(const struct schema *s, uint32_t t)
{
	return s->node[t].kind == SCHEMA_NULL ||
		(s->node[t].kind == SCHEMA_UNION && s->node[t].null_branch >= 0);
}

/* A default may be a record whose own fields' defaults it relies on, so defaults are
   settled in rounds until no more can be; one that never fits is an error. */
bool schema_finish(struct schema *s, uint32_t root, struct buf *err)
{
	struct buf out = BUF_INIT, why = BUF_INIT;
	size_t pending = 0, last = SIZE_MAX;
	if (root == SCHEMA_NONE || s->node[root].kind != SCHEMA_RECORD) {
		buf_reset(err);
		buf_adds(err, "the top level must be a record");
		return false;
	}
	s->root = root;
	for (size_t i = 0; i < s->nfield; i++) {
		struct schema_field *f = &s->field[i];
		if (f->avro_def)
			pending++;
		else if (nullable(s, f->type))
			f->def = xstrdup("null"), f->def_len = 4;
	}
	while (pending && pending < last) {
		last = pending;
		pending = 0;
		for (size_t ri = 0; ri < s->nnode; ri++) {
			const struct schema_node *r = &s->node[ri];
			for (uint32_t j = 0; r->kind == SCHEMA_RECORD && j < r->n; j++) {
				struct schema_field *f = &s->field[r->first + j];
				if (!f->avro_def || f->def)
					continue;
				buf_reset(&out);
				if (schema_write_text(s, f->type, f->avro_def, strlen(f->avro_def), &out,
					    &why)) {
					f->def = xstrndup(out.p ? out.p : "", out.len);
					f->def_len = out.len;
				} else if (++pending == 1) {
					buf_reset(err);
					buf_printf(err, "field %s.%s: default %s does not fit its type: %s",
						r->name, f->name, f->avro_def, why.p);
				}
			}
		}
	}
	buf_free(&out);
	buf_free(&why);
	return pending == 0;
}

/* parse -f: `name:type[!],...`, after Spark's StructType. */
struct fspec {
	struct schema *s;
	const char *start, *p;
	struct buf *err;
	struct buf name; /* record name for the struct being read: Record_a_b */
};

static bool ferr(struct fspec *f, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool ferr(struct fspec *f, const char *at, const char *fmt, ...)
{
	va_list ap;
	if (f->err->len)
		return false; /* keep the first */
	buf_printf(f->err, "column %zu: ", (size_t)(at - f->start) + 1);
	va_start(ap, fmt);
	char m[512];
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	buf_adds(f->err, m);
	return false;
}

static void fws(struct fspec *f)
{
	while (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r')
		f->p++;
}

static bool fexpect(struct fspec *f, char c)
{
	fws(f);
	if (!*f->p)
		return ferr(f, f->p, "expected '%c' at the end", c);
	if (*f->p != c)
		return ferr(f, f->p, "expected '%c', found '%c'", c, *f->p);
	f->p++;
	return true;
}

static uint32_t fstruct(struct fspec *f, char close);

static uint32_t logical_node(struct schema *s, enum schema_kind k, enum schema_logical lt)
{
	uint32_t n = schema_add_node(s, k);
	s->node[n].logical = lt;
	return n;
}

static uint32_t ftype(struct fspec *f)
{
	static const struct {
		const char *name;
		enum schema_kind kind;
		enum schema_logical lt;
	} prim[] = {
		{ "string", SCHEMA_STRING, SCHEMA_LT_NONE },
		{ "boolean", SCHEMA_BOOLEAN, SCHEMA_LT_NONE },
		{ "bool", SCHEMA_BOOLEAN, SCHEMA_LT_NONE },
		{ "int", SCHEMA_INT, SCHEMA_LT_NONE },
		{ "integer", SCHEMA_INT, SCHEMA_LT_NONE },
		{ "long", SCHEMA_LONG, SCHEMA_LT_NONE },
		{ "bigint", SCHEMA_LONG, SCHEMA_LT_NONE },
		{ "float", SCHEMA_FLOAT, SCHEMA_LT_NONE },
		{ "real", SCHEMA_FLOAT, SCHEMA_LT_NONE },
		{ "double", SCHEMA_DOUBLE, SCHEMA_LT_NONE },
		{ "bytes", SCHEMA_BYTES, SCHEMA_LT_NONE },
		{ "binary", SCHEMA_BYTES, SCHEMA_LT_NONE },
		{ "timestamp", SCHEMA_LONG, SCHEMA_LT_TIMESTAMP_MILLIS },
		{ "date", SCHEMA_INT, SCHEMA_LT_DATE },
	};
	struct schema *s = f->s;
	fws(f);
	const char *id = f->p;
	while ((*f->p >= 'a' && *f->p <= 'z') || (*f->p >= 'A' && *f->p <= 'Z') ||
	       (*f->p >= '0' && *f->p <= '9') || *f->p == '_')
		f->p++;
	size_t n = (size_t)(f->p - id);
	if (!n) {
		if (!*f->p)
			return ferr(f, id, "expected a type at the end"), SCHEMA_NONE;
		return ferr(f, id, "expected a type, found '%c'", *id), SCHEMA_NONE;
	}
	for (size_t i = 0; i < sizeof prim / sizeof prim[0]; i++)
		if (strlen(prim[i].name) == n && !strncasecmp(prim[i].name, id, n))
			return logical_node(s, prim[i].kind, prim[i].lt);
	if (n == 5 && !strncasecmp(id, "array", 5)) {
		if (!fexpect(f, '<'))
			return SCHEMA_NONE;
		uint32_t items = ftype(f);
		if (items == SCHEMA_NONE || !fexpect(f, '>'))
			return SCHEMA_NONE;
		uint32_t a = schema_add_node(s, SCHEMA_ARRAY);
		s->node[a].items = items;
		return a;
	}
	if (n == 3 && !strncasecmp(id, "map", 3)) {
		if (!fexpect(f, '<'))
			return SCHEMA_NONE;
		const char *at = f->p;
		uint32_t v = ftype(f);
		if (v == SCHEMA_NONE)
			return SCHEMA_NONE;
		fws(f);
		if (*f->p == ',') {
			f->p++;
			if (s->node[v].kind != SCHEMA_STRING || s->node[v].logical != SCHEMA_LT_NONE)
				return ferr(f, at, "map keys must be strings"), SCHEMA_NONE;
			v = ftype(f);
			if (v == SCHEMA_NONE)
				return SCHEMA_NONE;
		}
		if (!fexpect(f, '>'))
			return SCHEMA_NONE;
		uint32_t m = schema_add_node(s, SCHEMA_MAP);
		s->node[m].items = v;
		return m;
	}
	if (n == 6 && !strncasecmp(id, "struct", 6)) {
		if (!fexpect(f, '<'))
			return SCHEMA_NONE;
		uint32_t r = fstruct(f, '>');
		if (r == SCHEMA_NONE || !fexpect(f, '>'))
			return SCHEMA_NONE;
		return r;
	}
	return ferr(f, id, "unknown type \"%.*s\"", (int)n, id), SCHEMA_NONE;
}

struct fitem {
	const char *name;
	size_t len;
	uint32_t type;
	bool required;
};

/* Fields up to `close` (not consumed), as a record named after its place. */
static uint32_t fstruct(struct fspec *f, char close)
{
	struct schema *s = f->s;
	struct fitem *it = NULL;
	size_t n = 0, cap = 0;
	uint32_t r = SCHEMA_NONE;
	for (;;) {
		struct fitem x = { 0 };
		fws(f);
		const char *at = f->p;
		if (*f->p == '`') {
			x.name = ++f->p;
			while (*f->p && *f->p != '`')
				f->p++;
			if (!*f->p) {
				ferr(f, at, "unterminated `name`");
				goto out;
			}
			x.len = (size_t)(f->p++ - x.name);
		} else {
			x.name = f->p;
			while (*f->p && !strchr(" \t\r\n,:<>!`", *f->p))
				f->p++;
			x.len = (size_t)(f->p - x.name);
		}
		if (!x.len) {
			if (*f->p && *f->p != ',' && *f->p != close)
				ferr(f, at, "expected a field name, found '%c'", *f->p);
			else
				ferr(f, at, "expected a field name");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (it[i].len == x.len && !memcmp(it[i].name, x.name, x.len)) {
				ferr(f, at, "field \"%.*s\" appears twice", (int)x.len, x.name);
				goto out;
			}
		fws(f);
		if (*f->p != ':') {
			ferr(f, f->p, "expected ':' after field name \"%.*s\"", (int)x.len, x.name);
			goto out;
		}
		f->p++;
		size_t mark = f->name.len;
		buf_addc(&f->name, '_');
		buf_add(&f->name, x.name, x.len);
		x.type = ftype(f);
		f->name.len = mark;
		f->name.p[mark] = 0;
		if (x.type == SCHEMA_NONE)
			goto out;
		fws(f);
		if (*f->p == '!') {
			x.required = true;
			f->p++;
			fws(f);
		}
		it = grow(it, &cap, n + 1, sizeof *it);
		it[n++] = x;
		if (*f->p == ',') {
			f->p++;
			continue;
		}
		if (*f->p == close)
			break;
		if (!*f->p)
			ferr(f, f->p, "expected ',' or '%c' at the end", close);
		else if (close)
			ferr(f, f->p, "expected ',' or '%c', found '%c'", close, *f->p);
		else
			ferr(f, f->p, "expected ',' or the end, found '%c'", *f->p);
		goto out;
	}
	r = schema_add_node(s, SCHEMA_RECORD);
	s->node[r].name = xstrndup(f->name.p, f->name.len);
	uint32_t first = schema_add_fields(s, (uint32_t)n);
	s->node[r].first = first;
	s->node[r].n = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		uint32_t t = it[i].type;
		if (!it[i].required) {
			uint32_t u = schema_add_node(s, SCHEMA_UNION);
			uint32_t b = schema_add_branches(s, 2);
			s->branch[b] = schema_add_node(s, SCHEMA_NULL);
			s->branch[b + 1] = t;
			s->node[u].first = b;
			s->node[u].n = 2;
			s->node[u].null_branch = 0;
			t = u;
			s->field[first + i].avro_def = xstrdup("null");
		}
		schema_set_field_name(s, first + (uint32_t)i, it[i].name, it[i].len);
		s->field[first + i].type = t;
	}
out:
	free(it);
	return r;
}

bool schema_parse_fields(struct schema *s, const char *spec, struct buf *err)
{
	struct fspec f = { s, spec, spec, err, BUF_INIT };
	buf_reset(err);
	buf_adds(&f.name, "Record");
	uint32_t r = fstruct(&f, 0);
	buf_free(&f.name);
	if (r == SCHEMA_NONE)
		return false;
	return schema_finish(s, r, err);
}

static void avro_node(const struct schema *s, uint32_t ni, bool *done, struct buf *b)
{
	static const char *const lt[] = { NULL, "timestamp-millis", "timestamp-micros", "date" };
	static const char *const kinds[] = { "null", "boolean", "int", "long", "float",
		"double", "bytes", "string", "record", "enum", "array", "map", "union", "fixed" };
	const struct schema_node *n = &s->node[ni];
	if (n->name && done[ni]) {
		jw_strz(b, n->name);
		return;
	}
	done[ni] = true;
	switch (n->kind) {
	case SCHEMA_UNION:
		buf_addc(b, '[');
		for (uint32_t i = 0; i < n->n; i++) {
			jw_sep(b);
			avro_node(s, s->branch[n->first + i], done, b);
		}
		buf_addc(b, ']');
		return;
	case SCHEMA_RECORD:
	case SCHEMA_ENUM:
	case SCHEMA_FIXED:
	case SCHEMA_ARRAY:
	case SCHEMA_MAP:
		break;
	default:
		if (n->logical == SCHEMA_LT_NONE) {
			jw_strz(b, kinds[n->kind]);
			return;
		}
	}
	buf_addc(b, '{');
	jw_keyz(b, "type");
	jw_strz(b, kinds[n->kind]);
	if (n->name) {
		jw_keyz(b, "name");
		jw_strz(b, n->name);
	}
	switch (n->kind) {
	case SCHEMA_RECORD:
		jw_keyz(b, "fields");
		buf_addc(b, '[');
		for (uint32_t i = 0; i < n->n; i++) {
			const struct schema_field *f = &s->field[n->first + i];
			jw_sep(b);
			buf_addc(b, '{');
			jw_keyz(b, "name");
			jw_str(b, f->name, f->len);
			jw_keyz(b, "type");
			avro_node(s, f->type, done, b);
			if (f->avro_def) {
				jw_keyz(b, "default");
				buf_adds(b, f->avro_def);
			}
			buf_addc(b, '}');
		}
		buf_addc(b, ']');
		break;
	case SCHEMA_ENUM:
		jw_keyz(b, "symbols");
		buf_addc(b, '[');
		for (uint32_t i = 0; i < n->n; i++) {
			jw_sep(b);
			jw_str(b, s->sym[n->first + i].s, s->sym[n->first + i].len);
		}
		buf_addc(b, ']');
		break;
	case SCHEMA_FIXED:
		jw_keyz(b, "size");
		jw_i64(b, (int64_t)n->size);
		break;
	case SCHEMA_ARRAY:
	case SCHEMA_MAP:
		jw_keyz(b, n->kind == SCHEMA_ARRAY ? "items" : "values");
		avro_node(s, n->items, done, b);
		break;
	default:
		jw_keyz(b, "logicalType");
		jw_strz(b, lt[n->logical]);
	}
	buf_addc(b, '}');
}

void schema_to_avro(const struct schema *s, struct buf *out)
{
	bool *done = xcalloc(s->nnode ? s->nnode : 1, sizeof *done);
	avro_node(s, s->root, done, out);
	free(done);
}
