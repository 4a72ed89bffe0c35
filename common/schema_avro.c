/* Loading an Avro schema (JSON, read once with jansson) into a compiled schema. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h" /* not json.h: its type names clash with jansson's */

struct named {
	char *name;
	uint32_t node;
};

struct ld {
	struct schema *s;
	struct buf *err;
	struct buf path; /* field path, for messages */
	struct named *names;
	size_t nnames, capnames;
	bool failed;
};

static uint32_t fail(struct ld *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static uint32_t fail(struct ld *l, const char *fmt, ...)
{
	char m[1024];
	va_list ap;
	if (l->failed)
		return SCHEMA_NONE;
	l->failed = true;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	buf_reset(l->err);
	if (l->path.len)
		buf_printf(l->err, "field %s: ", l->path.p);
	buf_adds(l->err, m);
	return SCHEMA_NONE;
}

static bool valid_name(const char *p, size_t n)
{
	if (!n || !((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z') || p[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		      (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
			return false;
	return true;
}

static bool valid_fullname(const char *p)
{
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!valid_name(p, n))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

static const struct {
	const char *name;
	enum schema_kind kind;
} prims[] = {
	{ "null", SCHEMA_NULL }, { "boolean", SCHEMA_BOOLEAN }, { "int", SCHEMA_INT },
	{ "long", SCHEMA_LONG }, { "float", SCHEMA_FLOAT }, { "double", SCHEMA_DOUBLE },
	{ "bytes", SCHEMA_BYTES }, { "string", SCHEMA_STRING },
};

static int prim_kind(const char *name)
{
	for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
		if (!strcmp(prims[i].name, name))
			return (int)prims[i].kind;
	return -1;
}

static uint32_t lookup(struct ld *l, const char *name, const char *ns)
{
	char full[1024];
	if (!strchr(name, '.') && ns && *ns) {
		snprintf(full, sizeof full, "%s.%s", ns, name);
		for (size_t i = 0; i < l->nnames; i++)
			if (!strcmp(l->names[i].name, full))
				return l->names[i].node;
	}
	for (size_t i = 0; i < l->nnames; i++)
		if (!strcmp(l->names[i].name, name))
			return l->names[i].node;
	return SCHEMA_NONE;
}

/* A named type's full name from "name" and "namespace"; registers it. */
static uint32_t define(struct ld *l, json_t *j, enum schema_kind kind, const char *ns,
	const char *what)
{
	const char *name = json_string_value(json_object_get(j, "name"));
	json_t *jns = json_object_get(j, "namespace");
	char full[1024];
	if (!name)
		return fail(l, "%s without a \"name\"", what);
	if (jns && !json_is_null(jns) && !json_is_string(jns))
		return fail(l, "%s %s: \"namespace\" must be a string", what, name);
	if (jns && json_is_string(jns))
		ns = json_string_value(jns);
	if (strchr(name, '.') || !ns || !*ns)
		snprintf(full, sizeof full, "%s", name);
	else
		snprintf(full, sizeof full, "%s.%s", ns, name);
	if (!valid_fullname(full))
		return fail(l, "%s name \"%s\" is not a valid Avro name", what, full);
	if (prim_kind(full) >= 0)
		return fail(l, "%s name \"%s\" is a primitive type", what, full);
	if (lookup(l, full, NULL) != SCHEMA_NONE)
		return fail(l, "type %s is defined twice", full);
	uint32_t n = schema_add_node(l->s, kind);
	l->s->node[n].name = xstrdup(full);
	if (l->nnames == l->capnames) {
		l->capnames = l->capnames ? l->capnames * 2 : 16;
		l->names = xrealloc(l->names, l->capnames * sizeof *l->names);
	}
	l->names[l->nnames].name = xstrdup(full);
	l->names[l->nnames].node = n;
	l->nnames++;
	return n;
}

/* Namespace of a full name, into t. */
static const char *ns_of(const char *full, char *t, size_t cap)
{
	const char *dot = strrchr(full, '.');
	size_t n = dot ? (size_t)(dot - full) : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(t, full, n);
	t[n] = 0;
	return t;
}

static uint32_t compile(struct ld *l, json_t *j, const char *ns);

/* Renders a default as compact JSON; reals in the shortest form that reads back. */
static void render(struct buf *b, json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;
	char *t;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		buf_addc(b, '{');
		i = 0;
		json_object_foreach(j, k, v) {
			if (i++)
				buf_addc(b, ',');
			json_t *ks = json_string(k);
			t = json_dumps(ks, JSON_ENCODE_ANY);
			buf_adds(b, t);
			free(t);
			json_decref(ks);
			buf_addc(b, ':');
			render(b, v);
		}
		buf_addc(b, '}');
		break;
	case JSON_ARRAY:
		buf_addc(b, '[');
		json_array_foreach(j, i, v) {
			if (i)
				buf_addc(b, ',');
			render(b, v);
		}
		buf_addc(b, ']');
		break;
	case JSON_REAL: {
		double d = json_real_value(j);
		char r[40];
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(r, sizeof r, "%.*g", prec, d);
			if (strtod(r, NULL) == d)
				break;
		}
		buf_adds(b, r);
		if (!strpbrk(r, ".eEn"))
			buf_adds(b, ".0");
		break;
	}
	default:
		t = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		buf_adds(b, t);
		free(t);
	}
}

static uint32_t compile_record(struct ld *l, json_t *j, const char *ns, const char *what)
{
	struct schema *s = l->s;
	char rns[1024];
	uint32_t r = define(l, j, SCHEMA_RECORD, ns, what);
	if (r == SCHEMA_NONE)
		return r;
	json_t *fields = json_object_get(j, "fields");
	if (!json_is_array(fields))
		return fail(l, "%s %s: \"fields\" must be an array", what, s->node[r].name);
	ns_of(s->node[r].name, rns, sizeof rns);
	uint32_t n = (uint32_t)json_array_size(fields);
	uint32_t first = schema_add_fields(s, n);
	s->node[r].first = first;
	s->node[r].n = n;
	for (uint32_t i = 0; i < n; i++) {
		json_t *fj = json_array_get(fields, i);
		const char *name = json_string_value(json_object_get(fj, "name"));
		if (!json_is_object(fj) || !name)
			return fail(l, "%s %s: field %u has no \"name\"", what, s->node[r].name, i + 1);
		size_t mark = l->path.len;
		if (mark)
			buf_addc(&l->path, '.');
		buf_adds(&l->path, name);
		if (!valid_name(name, strlen(name)))
			return fail(l, "\"%s\" is not a valid Avro name", name);
		for (uint32_t k = 0; k < i; k++)
			if (!strcmp(s->field[first + k].name, name))
				return fail(l, "appears twice in record %s", s->node[r].name);
		schema_set_field_name(s, first + i, name, strlen(name));
		json_t *t = json_object_get(fj, "type");
		if (!t)
			return fail(l, "no \"type\"");
		uint32_t ft = compile(l, t, rns);
		if (ft == SCHEMA_NONE)
			return SCHEMA_NONE;
		s->field[first + i].type = ft;
		json_t *def = json_object_get(fj, "default");
		if (def) {
			struct buf d = BUF_INIT;
			render(&d, def);
			s->field[first + i].avro_def = d.p;
		}
		l->path.len = mark;
		l->path.p[mark] = 0;
	}
	return r;
}

static uint32_t compile_enum(struct ld *l, json_t *j, const char *ns)
{
	struct schema *s = l->s;
	uint32_t e = define(l, j, SCHEMA_ENUM, ns, "enum");
	if (e == SCHEMA_NONE)
		return e;
	json_t *syms = json_object_get(j, "symbols"), *y;
	size_t i;
	if (!json_is_array(syms))
		return fail(l, "enum %s: \"symbols\" must be an array", s->node[e].name);
	s->node[e].first = (uint32_t)s->nsym;
	json_array_foreach(syms, i, y) {
		const char *sym = json_string_value(y);
		if (!sym || !valid_name(sym, strlen(sym)))
			return fail(l, "enum %s: symbol %zu is not a valid Avro name", s->node[e].name,
				i + 1);
		for (uint32_t k = 0; k < i; k++)
			if (!strcmp(s->sym[s->node[e].first + k].s, sym))
				return fail(l, "enum %s: symbol %s appears twice", s->node[e].name, sym);
		schema_add_symbol(s, sym, strlen(sym));
	}
	s->node[e].n = (uint32_t)i;
	json_t *def = json_object_get(j, "default");
	if (def) {
		bool found = false;
		for (uint32_t k = 0; json_is_string(def) && k < s->node[e].n; k++)
			found |= !strcmp(s->sym[s->node[e].first + k].s, json_string_value(def));
		if (!found)
			return fail(l, "enum %s: \"default\" is not one of its symbols", s->node[e].name);
	}
	return e;
}

static uint32_t compile_union(struct ld *l, json_t *j, const char *ns)
{
	struct schema *s = l->s;
	size_t n = json_array_size(j);
	if (!n)
		return fail(l, "empty union");
	uint32_t u = schema_add_node(s, SCHEMA_UNION);
	uint32_t first = schema_add_branches(s, (uint32_t)n);
	s->node[u].first = first;
	s->node[u].n = (uint32_t)n;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t b = compile(l, json_array_get(j, i), ns);
		if (b == SCHEMA_NONE)
			return b;
		const struct schema_node *bn = &s->node[b];
		if (bn->kind == SCHEMA_UNION)
			return fail(l, "a union may not contain a union");
		for (uint32_t k = 0; k < i; k++) {
			const struct schema_node *o = &s->node[s->branch[first + k]];
			if (bn->name ? s->branch[first + k] == b : o->kind == bn->kind) {
				struct buf d = BUF_INIT;
				schema_describe(s, b, &d);
				fail(l, "union has %s twice", d.p);
				buf_free(&d);
				return SCHEMA_NONE;
			}
		}
		s->branch[first + i] = b;
		if (bn->kind == SCHEMA_NULL)
			s->node[u].null_branch = (int32_t)i;
	}
	return u;
}

static uint32_t compile(struct ld *l, json_t *j, const char *ns)
{
	struct schema *s = l->s;
	if (json_is_string(j)) {
		const char *name = json_string_value(j);
		int k = prim_kind(name);
		if (k >= 0)
			return schema_add_node(s, (enum schema_kind)k);
		uint32_t n = lookup(l, name, ns);
		if (n == SCHEMA_NONE)
			return fail(l, "unknown type \"%s\"", name);
		return n;
	}
	if (json_is_array(j))
		return compile_union(l, j, ns);
	if (!json_is_object(j))
		return fail(l, "a type must be a name, an array (union) or an object");
	json_t *t = json_object_get(j, "type");
	if (!t)
		return fail(l, "type object without \"type\"");
	if (json_is_object(t) || json_is_array(t))
		return compile(l, t, ns);
	const char *tn = json_string_value(t);
	if (!tn)
		return fail(l, "\"type\" must be a string, an array or an object");
	int k = prim_kind(tn);
	if (k >= 0) {
		uint32_t n = schema_add_node(s, (enum schema_kind)k);
		const char *lt = json_string_value(json_object_get(j, "logicalType"));
		/* unknown logical types, or ones on the wrong type, are ignored (Avro spec) */
		if (lt && k == SCHEMA_LONG && !strcmp(lt, "timestamp-millis"))
			s->node[n].logical = SCHEMA_LT_TIMESTAMP_MILLIS;
		else if (lt && k == SCHEMA_LONG && !strcmp(lt, "timestamp-micros"))
			s->node[n].logical = SCHEMA_LT_TIMESTAMP_MICROS;
		else if (lt && k == SCHEMA_INT && !strcmp(lt, "date"))
			s->node[n].logical = SCHEMA_LT_DATE;
		return n;
	}
	if (!strcmp(tn, "record") || !strcmp(tn, "error"))
		return compile_record(l, j, ns, tn);
	if (!strcmp(tn, "enum"))
		return compile_enum(l, j, ns);
	if (!strcmp(tn, "array") || !strcmp(tn, "map")) {
		bool arr = tn[0] == 'a';
		json_t *it = json_object_get(j, arr ? "items" : "values");
		if (!it)
			return fail(l, "%s without \"%s\"", tn, arr ? "items" : "values");
		uint32_t n = schema_add_node(s, arr ? SCHEMA_ARRAY : SCHEMA_MAP);
		uint32_t items = compile(l, it, ns);
		if (items == SCHEMA_NONE)
			return items;
		s->node[n].items = items;
		return n;
	}
	if (!strcmp(tn, "fixed")) {
		json_t *size = json_object_get(j, "size");
		if (!json_is_integer(size) || json_integer_value(size) < 0)
			return fail(l, "fixed without a \"size\" (a non-negative integer)");
		uint32_t n = define(l, j, SCHEMA_FIXED, ns, "fixed");
		if (n != SCHEMA_NONE)
			s->node[n].size = (size_t)json_integer_value(size);
		return n;
	}
	uint32_t n = lookup(l, tn, ns);
	if (n == SCHEMA_NONE)
		return fail(l, "unknown type \"%s\"", tn);
	return n;
}

static bool load(struct schema *s, json_t *j, struct buf *err)
{
	struct ld l = { s, err, BUF_INIT, NULL, 0, 0, false };
	uint32_t root = SCHEMA_NONE;
	buf_reset(err);
	if (!json_is_object(j) || !json_is_string(json_object_get(j, "type")) ||
	    (strcmp(json_string_value(json_object_get(j, "type")), "record") &&
		strcmp(json_string_value(json_object_get(j, "type")), "error")))
		fail(&l, "the top level must be a record ({\"type\":\"record\",...})");
	else
		root = compile(&l, j, NULL);
	for (size_t i = 0; i < l.nnames; i++)
		free(l.names[i].name);
	free(l.names);
	buf_free(&l.path);
	if (root == SCHEMA_NONE)
		return false;
	return schema_finish(s, root, err);
}

bool schema_load_avro(struct schema *s, const char *text, size_t len, struct buf *err)
{
	json_error_t e;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	if (!j) {
		buf_reset(err);
		buf_printf(err, "invalid JSON at line %d, column %d: %s", e.line, e.column, e.text);
		return false;
	}
	bool ok = load(s, j, err);
	json_decref(j);
	return ok;
}

bool schema_load_avro_file(struct schema *s, const char *path, struct buf *err)
{
	struct buf text = BUF_INIT;
	if (!buf_read_file(&text, path)) {
		buf_reset(err);
		buf_adds(err, strerror(errno));
		buf_free(&text);
		return false;
	}
	bool ok = schema_load_avro(s, text.p ? text.p : "", text.len, err);
	buf_free(&text);
	return ok;
}
