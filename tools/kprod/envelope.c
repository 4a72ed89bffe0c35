/* kprod -J: reading the kcons envelope back into message bytes (runnel(7)). */
#include <string.h>

#include "b64.h"
#include "json.h"
#include "kprod.h"
#include "tm.h"

void kp_env_init(struct kp_env *e)
{
	memset(e, 0, sizeof *e);
	rec_init(&e->r);
}

void kp_env_free(struct kp_env *e)
{
	rec_free(&e->r);
	buf_free(&e->key);
	buf_free(&e->val);
	buf_free(&e->topic);
	buf_free(&e->scratch);
}

static bool member(const struct rec *r, const char *name, struct json_val *v)
{
	return rec_field(r, name, strlen(name), v) && v->type != JV_NONE;
}

/* Bytes of a key or value given its *_encoding member; NULL *out for null. */
static bool bytes_of(const struct rec *r, const char *name, struct buf *store,
	const char **out, size_t *len, struct buf *why)
{
	struct json_val v, enc;
	char encname[32];
	snprintf(encname, sizeof encname, "%s_encoding", name);
	bool has_enc = member(r, encname, &enc) && enc.type != JV_NULL;
	if (!member(r, name, &v)) {
		if (!strcmp(name, "value")) {
			buf_printf(why, "envelope: no value member");
			return false;
		}
		v.type = JV_NULL; /* a missing key is a null key */
	}
	if (v.type == JV_NULL) {
		if (has_enc) {
			buf_printf(why, "envelope: %s is null but has %s", name, encname);
			return false;
		}
		*out = NULL;
		*len = 0;
		return true;
	}
	if (!has_enc) { /* embedded JSON: its exact bytes */
		*out = v.p;
		*len = v.len;
		return true;
	}
	bool text = enc.type == JV_STRING && json_str_eq(enc, "text", 4);
	bool b64 = enc.type == JV_STRING && json_str_eq(enc, "base64", 6);
	if (!text && !b64) {
		buf_printf(why, "envelope: unknown %s %.*s (text or base64)", encname,
			(int)(enc.len > 40 ? 40 : enc.len), enc.p);
		return false;
	}
	if (v.type != JV_STRING) {
		buf_printf(why, "envelope: %s with %s must be a string", name, encname);
		return false;
	}
	buf_reset(store);
	if (text) {
		json_str_append(store, v);
	} else if (!b64_decode(store, v.p + 1, v.len - 2)) {
		/* base64 has no escapes worth keeping: the raw string body is the text */
		buf_printf(why, "envelope: %s is not valid base64", name);
		return false;
	}
	*out = store->p ? store->p : "";
	*len = store->len;
	return true;
}

/* One header value: string, null, or {"base64":"..."}. */
static bool add_header(struct kp_env *e, rd_kafka_headers_t *h, const char *name, size_t nlen,
	struct json_val v, struct buf *why)
{
	buf_reset(&e->scratch);
	if (v.type == JV_NULL) {
		rd_kafka_header_add(h, name, (ssize_t)nlen, NULL, 0);
		return true;
	}
	if (v.type == JV_STRING) {
		json_str_append(&e->scratch, v);
	} else if (v.type == JV_OBJECT) {
		struct json_val b;
		if (json_len(v) != 1 || !json_obj_get(v, "base64", 6, &b) || b.type != JV_STRING ||
			!b64_decode(&e->scratch, b.p + 1, b.len - 2)) {
			buf_printf(why, "envelope: header %.*s: expected a string, null or {\"base64\":...}",
				(int)(nlen > 64 ? 64 : nlen), name);
			return false;
		}
	} else {
		buf_printf(why, "envelope: header %.*s: expected a string, null or {\"base64\":...}",
			(int)(nlen > 64 ? 64 : nlen), name);
		return false;
	}
	rd_kafka_header_add(h, name, (ssize_t)nlen, e->scratch.p ? e->scratch.p : "",
		(ssize_t)e->scratch.len);
	return true;
}

static bool headers_of(struct kp_env *e, struct kp_msg *m, struct buf *why)
{
	struct json_val hv, k, v;
	if (!member(&e->r, "headers", &hv) || hv.type == JV_NULL)
		return true;
	if (hv.type != JV_OBJECT) {
		buf_printf(why, "envelope: headers must be an object");
		return false;
	}
	m->hdrs = rd_kafka_headers_new(json_len(hv) + 1);
	struct buf name = BUF_INIT;
	struct json_iter it;
	bool ok = true;
	json_iter_init(&it, hv);
	while (ok && json_obj_next(&it, &k, &v)) {
		buf_reset(&name);
		json_str_append(&name, k);
		if (v.type == JV_ARRAY) { /* a repeated header, values in order */
			struct json_iter ai;
			struct json_val el;
			json_iter_init(&ai, v);
			while (ok && json_arr_next(&ai, &el))
				ok = add_header(e, m->hdrs, name.p, name.len, el, why);
		} else {
			ok = add_header(e, m->hdrs, name.p, name.len, v, why);
		}
	}
	buf_free(&name);
	if (!ok) {
		rd_kafka_headers_destroy(m->hdrs);
		m->hdrs = NULL;
	}
	return ok;
}

bool kp_env_parse(struct kp_env *e, const char *line, size_t len, struct kp_msg *m,
	struct buf *why)
{
	struct json_val v;
	m->hdrs = NULL;
	if (!rec_parse(&e->r, line, len, why))
		return false;
	if (member(&e->r, "topic", &v) && v.type != JV_NULL) {
		if (v.type != JV_STRING || json_len(v) == 0) {
			buf_printf(why, "envelope: topic must be a non-empty string");
			return false;
		}
		buf_reset(&e->topic);
		json_str_append(&e->topic, v);
		m->topic = e->topic.p;
	}
	if (member(&e->r, "partition", &v) && v.type != JV_NULL) {
		int64_t part;
		if (!json_num_i64(v, &part) || part < -1 || part > INT32_MAX) {
			buf_printf(why, "envelope: partition must be an integer >= -1");
			return false;
		}
		m->partition = (int32_t)part;
	}
	struct json_val tt;
	bool ts_none = member(&e->r, "ts_type", &tt) && tt.type == JV_STRING &&
		json_str_eq(tt, "none", 4);
	if (member(&e->r, "ts", &v) && v.type != JV_NULL && !ts_none) {
		int64_t ms;
		if (!tm_from_json(v, &ms)) {
			buf_printf(why, "envelope: ts is not an RFC 3339 time or epoch ms");
			return false;
		}
		if (ms <= 0) {
			buf_printf(why, "envelope: ts is not after 1970-01-01T00:00:00Z");
			return false;
		}
		m->ts = ms;
	}
	if (!bytes_of(&e->r, "key", &e->key, &m->key, &m->klen, why) ||
		!bytes_of(&e->r, "value", &e->val, &m->val, &m->vlen, why))
		return false;
	if (e->ts_path) { /* --timestamp-from: a field of an embedded JSON object value */
		struct json_val val, enc, t;
		if (!member(&e->r, "value", &val) || val.type != JV_OBJECT ||
			(member(&e->r, "value_encoding", &enc) && enc.type != JV_NULL)) {
			buf_printf(why, "no event time: the value is not a JSON object");
			return false;
		}
		if (!path_get(e->ts_path, val, &t) || t.type == JV_NONE) {
			buf_printf(why, "no event time: field %s is missing", e->ts_path->text);
			return false;
		}
		if (!tm_from_json(t, &m->ts) || m->ts <= 0) {
			buf_printf(why, "bad event time in field %s: not RFC 3339 or epoch ms after 1970",
				e->ts_path->text);
			return false;
		}
	}
	return headers_of(e, m, why);
}
