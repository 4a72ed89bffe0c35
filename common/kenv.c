#include "kenv.h"

#include <string.h>

#include "b64.h"
#include "json.h"
#include "jw.h"

enum kenv_enc kenv_classify(const char *p, size_t n)
{
	struct json_val v;
	if (!p)
		return KENV_NULL;
	if (n && json_check(p, n, &v, NULL) && v.p == p && v.len == n && !memchr(p, '\n', n) &&
		!memchr(p, '\r', n))
		return KENV_JSON;
	return json_utf8_valid(p, n) == n ? KENV_TEXT : KENV_BASE64;
}

enum kenv_enc kenv_bytes(struct buf *b, const char *p, size_t n)
{
	enum kenv_enc e = kenv_classify(p, n);
	switch (e) {
	case KENV_NULL:
		jw_null(b);
		break;
	case KENV_JSON:
		buf_add(b, p, n);
		break;
	case KENV_TEXT:
		jw_str(b, p, n);
		break;
	case KENV_BASE64:
		buf_addc(b, '"');
		b64_encode(b, p, n);
		buf_addc(b, '"');
		break;
	}
	return e;
}

const char *kenv_enc_name(enum kenv_enc e)
{
	return e == KENV_TEXT ? "text" : e == KENV_BASE64 ? "base64" : NULL;
}

static void member_bytes(struct buf *b, const char *name, const char *enc_name, const char *p,
	size_t n)
{
	jw_keyz(b, name);
	const char *e = kenv_enc_name(kenv_bytes(b, p, n));
	if (e) {
		jw_keyz(b, enc_name);
		jw_strz(b, e);
	}
}

static void header_value(struct buf *b, const struct kenv_hdr *h)
{
	if (!h->val) {
		jw_null(b);
	} else if (json_utf8_valid(h->val, h->len) == h->len) {
		jw_str(b, h->val, h->len);
	} else {
		buf_adds(b, "{\"base64\":\"");
		b64_encode(b, h->val, h->len);
		buf_adds(b, "\"}");
	}
}

/* Names in first-appearance order; a repeated name gathers its values into an array
   (quadratic in the header count, which is small in practice). */
static void headers(struct buf *b, const struct kenv_hdr *h, size_t n)
{
	buf_addc(b, '{');
	for (size_t i = 0; i < n; i++) {
		size_t j, more = 0;
		for (j = 0; j < i && strcmp(h[j].name, h[i].name); j++)
			;
		if (j < i)
			continue; /* written with its first occurrence */
		for (j = i + 1; j < n; j++)
			more += !strcmp(h[j].name, h[i].name);
		jw_keyz(b, h[i].name);
		if (!more) {
			header_value(b, &h[i]);
			continue;
		}
		buf_addc(b, '[');
		for (j = i; j < n; j++)
			if (j == i || !strcmp(h[j].name, h[i].name)) {
				jw_sep(b);
				header_value(b, &h[j]);
			}
		buf_addc(b, ']');
	}
	buf_addc(b, '}');
}

static void ts(struct buf *b, const struct kenv_msg *m)
{
	jw_keyz(b, "ts");
	if (m->ts_type == KENV_TS_NONE)
		jw_null(b);
	else
		jw_time(b, m->ts);
}

void kenv_write(struct buf *b, const struct kenv_msg *m)
{
	static const char *const ts_types[] = { "none", "create", "log_append" };
	buf_addc(b, '{');
	jw_keyz(b, "topic");
	jw_strz(b, m->topic);
	jw_keyz(b, "partition");
	jw_i64(b, m->partition);
	jw_keyz(b, "offset");
	jw_i64(b, m->offset);
	ts(b, m);
	jw_keyz(b, "ts_type");
	jw_strz(b, ts_types[m->ts_type]);
	member_bytes(b, "key", "key_encoding", m->key, m->klen);
	jw_keyz(b, "headers");
	headers(b, m->hdrs, m->nhdrs);
	member_bytes(b, "value", "value_encoding", m->val, m->vlen);
	buf_addc(b, '}');
}

void kenv_meta(struct buf *b, const struct kenv_msg *m)
{
	buf_addc(b, '{');
	jw_keyz(b, "topic");
	jw_strz(b, m->topic);
	jw_keyz(b, "partition");
	jw_i64(b, m->partition);
	jw_keyz(b, "offset");
	jw_i64(b, m->offset);
	ts(b, m);
	jw_keyz(b, "key");
	if (m->key)
		jw_str(b, m->key, m->klen);
	else
		jw_null(b);
	buf_addc(b, '}');
}
