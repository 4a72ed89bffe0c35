/* detect: checkpoint state as JSON text (see save.h; ckjson.c does the file). */
#include "save.h"

#include <stdlib.h>
#include <string.h>

#include "ckjson.h"
#include "jw.h"
#include "tm.h"

static void opt_i64(struct buf *b, int64_t v, int64_t none)
{
	if (v == none)
		jw_null(b);
	else
		jw_i64(b, v);
}

static void write_run(struct buf *b, const struct run *r)
{
	buf_addc(b, '{');
	jw_keyz(b, "start");
	jw_i64(b, r->start);
	jw_keyz(b, "stage");
	jw_i64(b, r->stage);
	jw_keyz(b, "count");
	jw_i64(b, r->count);
	jw_keyz(b, "gap");
	jw_bool(b, r->gap);
	jw_keyz(b, "total");
	jw_i64(b, (int64_t)r->total);
	jw_keyz(b, "events");
	buf_addc(b, '[');
	for (uint32_t i = 0; i < r->nev; i++) {
		jw_sep(b);
		jw_i64(b, r->ev[i]);
	}
	buf_adds(b, "]}");
}

static void write_key(struct buf *b, const struct rules *R, const struct keyspace *ks,
	const struct kent *k)
{
	buf_addc(b, '{');
	jw_keyz(b, "key");
	jw_str(b, k->key, k->klen);
	jw_keyz(b, "last");
	opt_i64(b, k->last, INT64_MIN);
	if (k->vars) {
		jw_keyz(b, "vars");
		buf_addc(b, '[');
		for (size_t i = 0; i < R->nvar; i++) {
			jw_sep(b);
			expr_jw(b, &k->vars[i]);
		}
		buf_addc(b, ']');
	}
	if (k->cool) {
		jw_keyz(b, "cool");
		buf_addc(b, '[');
		for (size_t i = 0; i < R->nalert; i++) {
			jw_sep(b);
			opt_i64(b, k->cool[i], COOL_NONE);
		}
		buf_addc(b, ']');
	}
	jw_keyz(b, "runs");
	buf_addc(b, '[');
	for (size_t p = 0; k->runs && p < R->npat; p++) {
		if (R->pat[p].ks != ks || !k->runs[p].n)
			continue;
		jw_sep(b);
		buf_addc(b, '{');
		jw_keyz(b, "p");
		jw_i64(b, (int64_t)p);
		jw_keyz(b, "runs");
		buf_addc(b, '[');
		for (size_t i = 0; i < k->runs[p].n; i++) {
			jw_sep(b);
			write_run(b, k->runs[p].r[i]);
		}
		buf_adds(b, "]}");
	}
	buf_adds(b, "]}");
}

int save_write(const char *path, const struct ckpt_meta *m, const struct save_ctx *s,
	struct buf *err)
{
	const struct rules *R = s->R;
	struct buf b = BUF_INIT;
	buf_addc(&b, '{');
	jw_keyz(&b, "maxt");
	opt_i64(&b, *s->maxt, INT64_MIN);
	jw_keyz(&b, "keyspaces");
	buf_addc(&b, '[');
	for (size_t i = 0; i < R->nks; i++) {
		const struct keyspace *ks = R->ks[i];
		jw_sep(&b);
		buf_addc(&b, '{');
		jw_keyz(&b, "by");
		if (ks->by)
			jw_strz(&b, ks->by);
		else
			jw_null(&b);
		jw_keyz(&b, "keys");
		buf_addc(&b, '[');
		for (size_t e = 0; e < ks->h.cap; e++) {
			if (!ks->h.e[e].hash)
				continue;
			jw_sep(&b);
			write_key(&b, R, ks, ks->h.e[e].val);
		}
		buf_adds(&b, "]}");
	}
	buf_addc(&b, ']');
	jw_keyz(&b, "pending");
	buf_addc(&b, '[');
	for (size_t i = 0; i < s->pend->n; i++) {
		const struct pend *e = s->pend->h[i];
		jw_sep(&b);
		buf_addc(&b, '{');
		jw_keyz(&b, "t");
		jw_i64(&b, e->t);
		jw_keyz(&b, "seq");
		jw_i64(&b, (int64_t)e->seq);
		jw_keyz(&b, "line");
		jw_str(&b, e->line.p ? e->line.p : "", e->line.len);
		buf_addc(&b, '}');
	}
	buf_adds(&b, "]}");
	int rc = ckj_save(path, m, b.p, b.len, s->offs, s->wm, err);
	buf_free(&b);
	return rc;
}

/* ---- reading ---- */

struct rd {
	struct save_ctx *s;
	struct buf scratch, why;
};

static bool get(struct json_val obj, const char *k, enum json_type t, struct json_val *v)
{
	return json_obj_get(obj, k, strlen(k), v) && v->type == t;
}

static bool get_i64(struct json_val obj, const char *k, int64_t *out, bool null_ok,
	int64_t none)
{
	struct json_val v;
	if (!json_obj_get(obj, k, strlen(k), &v))
		return false;
	if (v.type == JV_NULL && null_ok) {
		*out = none;
		return true;
	}
	return json_num_i64(v, out);
}

static bool fail(struct rd *d, const char *what)
{
	buf_reset(&d->why);
	buf_adds(&d->why, what);
	return false;
}

static bool read_run(struct rd *d, const struct pattern *p, struct json_val v, struct runs *rs)
{
	int64_t start, stage, count, total;
	struct json_val gap, ev, e;
	if (v.type != JV_OBJECT || !get_i64(v, "start", &start, false, 0) ||
	    !get_i64(v, "stage", &stage, false, 0) || !get_i64(v, "count", &count, false, 0) ||
	    !get_i64(v, "total", &total, false, 0) || !json_obj_get(v, "gap", 3, &gap) ||
	    !get(v, "events", JV_ARRAY, &ev) || stage < 0 || (size_t)stage >= p->nst ||
	    count < 1 || count > p->st[stage].max || total < 1)
		return fail(d, "bad partial match");
	struct run *r = run_new();
	r->stage = (uint32_t)stage;
	r->count = (uint32_t)count;
	r->gap = gap.type == JV_TRUE;
	struct json_iter it;
	json_iter_init(&it, ev);
	while (json_arr_next(&it, &e)) {
		int64_t t;
		if (!json_num_i64(e, &t)) {
			run_put(r);
			return fail(d, "bad event time in a partial match");
		}
		run_add_event(r, t);
	}
	r->start = start;
	r->total = (uint64_t)total;
	runs_push(rs, r);
	return true;
}

static bool read_key(struct rd *d, struct keyspace *ks, struct json_val v)
{
	struct rules *R = d->s->R;
	struct json_val key, a, e;
	struct json_iter it;
	int64_t last;
	if (v.type != JV_OBJECT || !get(v, "key", JV_STRING, &key) ||
	    !get_i64(v, "last", &last, true, INT64_MIN))
		return fail(d, "bad key");
	size_t kl;
	const char *kp = json_str(key, &d->scratch, &kl);
	char *kcopy = xstrndup(kp, kl);
	if (htab_get(&ks->h, kcopy, kl)) {
		free(kcopy);
		return fail(d, "key listed twice");
	}
	struct kent *k = ks_add(R, ks, kcopy, kl);
	free(kcopy);
	k->last = last;
	if (k->vars) {
		size_t i = 0;
		if (!get(v, "vars", JV_ARRAY, &a) || json_len(a) != R->nvar)
			return fail(d, "state variables do not fit the rules");
		json_iter_init(&it, a);
		while (json_arr_next(&it, &e)) {
			expr_from_json(e, &d->scratch, &k->vars[i]);
			expr_val_own(&k->vars[i], &k->store[i]);
			i++;
		}
	}
	if (k->cool && get(v, "cool", JV_ARRAY, &a)) {
		size_t i = 0;
		if (json_len(a) != R->nalert)
			return fail(d, "cooldowns do not fit the rules");
		json_iter_init(&it, a);
		while (json_arr_next(&it, &e)) {
			int64_t c;
			if (e.type == JV_NULL)
				c = COOL_NONE;
			else if (!json_num_i64(e, &c))
				return fail(d, "bad cooldown time");
			k->cool[i++] = c;
		}
	}
	if (!get(v, "runs", JV_ARRAY, &a))
		return fail(d, "no partial matches");
	json_iter_init(&it, a);
	while (json_arr_next(&it, &e)) {
		int64_t p;
		struct json_val runs, r;
		if (e.type != JV_OBJECT || !get_i64(e, "p", &p, false, 0) || p < 0 ||
		    (size_t)p >= R->npat || R->pat[p].ks != ks || !get(e, "runs", JV_ARRAY, &runs))
			return fail(d, "partial matches do not fit the patterns");
		struct json_iter ri;
		json_iter_init(&ri, runs);
		while (json_arr_next(&ri, &r))
			if (!read_run(d, &R->pat[p], r, &k->runs[p]))
				return false;
	}
	return true;
}

static bool restore(struct rd *d, struct json_val st)
{
	struct save_ctx *s = d->s;
	struct rules *R = s->R;
	struct json_val a, e;
	struct json_iter it;
	if (st.type != JV_OBJECT || !get_i64(st, "maxt", s->maxt, true, INT64_MIN))
		return fail(d, "expected maxt");
	if (!get(st, "keyspaces", JV_ARRAY, &a))
		return fail(d, "no keyspaces");
	json_iter_init(&it, a);
	while (json_arr_next(&it, &e)) {
		struct json_val by, keys, k;
		if (e.type != JV_OBJECT || !json_obj_get(e, "by", 2, &by) ||
		    !get(e, "keys", JV_ARRAY, &keys))
			return fail(d, "bad keyspace");
		struct keyspace *ks = NULL;
		for (size_t i = 0; i < R->nks && !ks; i++)
			if (by.type == JV_NULL ? !R->ks[i]->by :
			    R->ks[i]->by && json_str_eq(by, R->ks[i]->by, strlen(R->ks[i]->by)))
				ks = R->ks[i];
		if (!ks)
			return fail(d, "a key field the rules do not use");
		struct json_iter ki;
		json_iter_init(&ki, keys);
		while (json_arr_next(&ki, &k))
			if (!read_key(d, ks, k))
				return false;
	}
	if (!get(st, "pending", JV_ARRAY, &a))
		return fail(d, "no pending events");
	json_iter_init(&it, a);
	struct buf line = BUF_INIT;
	while (json_arr_next(&it, &e)) {
		struct json_val l;
		int64_t t, seq;
		if (e.type != JV_OBJECT || !get_i64(e, "t", &t, false, 0) ||
		    !get_i64(e, "seq", &seq, false, 0) || seq < 0 || !get(e, "line", JV_STRING, &l)) {
			buf_free(&line);
			return fail(d, "bad pending event");
		}
		buf_reset(&line);
		json_str_append(&line, l);
		pend_push(s->pend, t, (uint64_t)seq, line.p ? line.p : "", line.len);
	}
	buf_free(&line);
	return true;
}

int save_read(const char *path, const struct ckpt_meta *m, struct save_ctx *s, struct buf *err)
{
	struct buf text = BUF_INIT;
	int rc = ckj_load(path, m, &text, s->offs, s->wm, tm_mono_ms(), err);
	if (rc != CKPT_OK) {
		buf_free(&text);
		return rc;
	}
	struct rd d = { s, BUF_INIT, BUF_INIT };
	struct json_val st;
	struct json_err je;
	if (!json_check(text.p, text.len, &st, &je) || !restore(&d, st)) {
		buf_printf(err, "checkpoint %s is corrupt (%s); remove it to start afresh", path,
			d.why.p ? d.why.p : "invalid JSON");
		rc = CKPT_CORRUPT;
	}
	buf_free(&d.scratch);
	buf_free(&d.why);
	buf_free(&text);
	return rc;
}
