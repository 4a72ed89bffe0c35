#include <stdlib.h>
#include <string.h>

#include "enrich.h"
#include "jw.h"

bool keyspec_parse(struct keyspec *k, const char *arg, const char **err)
{
	char *copy = xstrdup(arg), *save = NULL;
	memset(k, 0, sizeof *k);
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		k->ev = xrealloc(k->ev, (k->n + 1) * sizeof *k->ev);
		k->other = xrealloc(k->other, (k->n + 1) * sizeof *k->other);
		if (eq)
			*eq = 0;
		if (!path_parse(&k->ev[k->n], tok, err)) {
			free(copy);
			keyspec_free(k);
			return false;
		}
		if (!path_parse(&k->other[k->n], eq ? eq + 1 : tok, err)) {
			path_free(&k->ev[k->n]);
			free(copy);
			keyspec_free(k);
			return false;
		}
		k->n++;
	}
	free(copy);
	if (!k->n) {
		*err = "no key field";
		keyspec_free(k);
		return false;
	}
	return true;
}

void keyspec_free(struct keyspec *k)
{
	for (size_t i = 0; i < k->n; i++) {
		path_free(&k->ev[i]);
		path_free(&k->other[i]);
	}
	free(k->ev);
	free(k->other);
	memset(k, 0, sizeof *k);
}

bool key_of(const struct rec *r, struct path *paths, size_t n, struct buf *out)
{
	buf_reset(out);
	for (size_t i = 0; i < n; i++) {
		struct json_val v;
		if (i)
			buf_addc(out, '\x1f');
		if (!rec_get(r, &paths[i], &v))
			return false;
		switch (v.type) {
		case JV_STRING:
			json_str_append(out, v);
			break;
		case JV_NUMBER: {
			int64_t iv;
			double d;
			if (json_num_i64(v, &iv))
				jw_i64(out, iv);
			else if (json_num_f64(v, &d))
				jw_f64(out, d);
			break;
		}
		case JV_TRUE:
			buf_adds(out, "true");
			break;
		case JV_FALSE:
			buf_adds(out, "false");
			break;
		default:
			return false; /* null, objects and arrays do not join */
		}
	}
	return true;
}

void row_compact(struct buf *b, const struct merge *m, const struct rec *r)
{
	if (!m->prefix) {
		jw_val(b, r->obj);
		return;
	}
	struct buf name = BUF_INIT;
	buf_addc(b, '{');
	for (size_t i = 0; i < r->nf; i++) {
		buf_reset(&name);
		buf_adds(&name, m->prefix);
		json_str_append(&name, r->f[i].key);
		jw_key(b, name.p, name.len);
		jw_val(b, r->f[i].val);
	}
	buf_addc(b, '}');
	buf_free(&name);
}

/* Does the event have a member whose name is the JSON string key[0..klen)? */
static bool event_has(const struct rec *ev, const char *key, size_t klen)
{
	for (size_t i = 0; i < ev->nf; i++) {
		const struct json_val *k = &ev->f[i].key;
		if (k->len == klen && !memcmp(k->p, key, klen))
			return true;
	}
	if (!memchr(key, '\\', klen))
		return false;
	struct buf name = BUF_INIT;
	struct json_val kv = { key, klen, JV_STRING };
	json_str_append(&name, kv);
	bool has = rec_index(ev, name.p, name.len) >= 0;
	buf_free(&name);
	return has;
}

void merge_write(struct buf *b, const struct merge *m, const struct rec *ev,
	const char *row, size_t rowlen, bool null_if_missing)
{
	if (m->as) {
		size_t alen = strlen(m->as);
		buf_addc(b, '{');
		for (size_t i = 0; i < ev->nf; i++) {
			if (json_str_eq(ev->f[i].key, m->as, alen))
				continue;
			jw_key_raw(b, ev->f[i].key);
			jw_val(b, ev->f[i].val);
		}
		if (row || null_if_missing) {
			jw_key(b, m->as, alen);
			if (row)
				buf_add(b, row, rowlen);
			else
				jw_null(b);
		}
		buf_addc(b, '}');
		return;
	}
	/* flat: the event's own members win over the other side's */
	buf_add(b, ev->obj.p, ev->obj.len - 1);
	while (b->len && (b->p[b->len - 1] == ' ' || b->p[b->len - 1] == '\t' ||
			  b->p[b->len - 1] == '\r' || b->p[b->len - 1] == '\n'))
		b->len--;
	if (row) {
		struct json_val obj = { row, rowlen, JV_OBJECT }, k, v;
		struct json_iter it;
		json_iter_init(&it, obj);
		while (json_obj_next(&it, &k, &v)) {
			if (event_has(ev, k.p, k.len))
				continue;
			jw_sep(b);
			buf_add(b, k.p, (size_t)(v.p + v.len - k.p));
		}
	}
	buf_addc(b, '}');
}
