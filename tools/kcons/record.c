/* kcons: one Kafka message as one output record (value, value + _kafka, or envelope). */
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "jw.h"
#include "kcons.h"
#include "kenv.h"
#include "lineio.h"

static void msg_view(struct kc *k, const rd_kafka_message_t *m, struct kenv_msg *e, bool hdrs)
{
	rd_kafka_timestamp_type_t tt;
	memset(e, 0, sizeof *e);
	e->topic = rd_kafka_topic_name(m->rkt);
	e->partition = m->partition;
	e->offset = m->offset;
	e->ts = rd_kafka_message_timestamp(m, &tt);
	e->ts_type = tt == RD_KAFKA_TIMESTAMP_CREATE_TIME ? KENV_TS_CREATE :
		tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? KENV_TS_LOG_APPEND : KENV_TS_NONE;
	e->key = m->key;
	e->klen = m->key_len;
	e->val = m->payload;
	e->vlen = m->len;
	rd_kafka_headers_t *h;
	if (!hdrs || rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	size_t n = rd_kafka_header_cnt(h);
	if (n > k->hcap) {
		k->hcap = n;
		k->hdrs = xrealloc(k->hdrs, n * sizeof *k->hdrs);
	}
	for (size_t i = 0; i < n; i++) {
		const void *v;
		size_t len;
		if (rd_kafka_header_get_all(h, i, &k->hdrs[i].name, &v, &len))
			break;
		k->hdrs[i].val = v;
		k->hdrs[i].len = len;
		e->nhdrs = i + 1;
	}
	e->hdrs = k->hdrs;
}

static bool has_line_break(const char *p, size_t n)
{
	return memchr(p, '\n', n) || memchr(p, '\r', n);
}

/* The value object with `_kafka` as its last member (an existing one is replaced). */
static bool with_meta(struct kc *k, struct buf *b, const struct kenv_msg *e)
{
	struct rec *r = &k->rec;
	if (!rec_parse(r, e->val, e->vlen, &k->why))
		return false;
	if (rec_index(r, "_kafka", 6) < 0) {
		size_t start = b->len;
		if (has_line_break(r->obj.p, r->obj.len))
			jw_val(b, r->obj);
		else
			buf_add(b, r->obj.p, r->obj.len);
		b->len--; /* the closing brace */
		while (b->len > start + 1 && (b->p[b->len - 1] == ' ' || b->p[b->len - 1] == '\t' ||
			b->p[b->len - 1] == '\n' || b->p[b->len - 1] == '\r'))
			b->len--;
		b->p[b->len] = 0;
	} else {
		buf_addc(b, '{');
		for (size_t i = 0; i < r->nf; i++)
			if (!json_str_eq(r->f[i].key, "_kafka", 6)) {
				jw_key_raw(b, r->f[i].key);
				jw_val(b, r->f[i].val);
			}
	}
	jw_keyz(b, "_kafka");
	kenv_meta(b, e);
	buf_addc(b, '}');
	return true;
}

static bool value_only(struct kc *k, struct buf *b, const struct kenv_msg *e)
{
	struct json_val v;
	struct json_err err;
	if (!json_check(e->val, e->vlen, &v, &err)) {
		buf_reset(&k->why);
		buf_printf(&k->why, "invalid JSON at column %zu: %s", err.off + 1, err.msg);
		return false;
	}
	/* JSON strings cannot hold raw line breaks: any are whitespace, so compact them */
	if (has_line_break(v.p, v.len))
		jw_val(b, v);
	else
		buf_add(b, v.p, v.len);
	return true;
}

bool kc_record(struct kc *k, const rd_kafka_message_t *m)
{
	struct buf *b = out_buf(&k->out);
	size_t mark = b->len;
	struct kenv_msg e;
	bool ok;

	msg_view(k, m, &e, k->envelope);
	if (k->wire.on && kc_wire_decode(&k->wire, &e, k->envelope || k->meta, k->meta) == KCW_FATAL) {
		k->status = k->wire.status;
		k->stop = true;
		return false;
	}
	if (k->envelope) {
		kenv_write(b, &e);
		if (k->wire.on)
			kc_wire_errors(&k->wire, b);
		return true;
	}
	buf_reset(&k->why);
	if (!e.val) {
		buf_adds(&k->why, "null value (tombstone); use -J to see it");
		ok = false;
	} else if (e.vlen == 0) {
		buf_adds(&k->why, "empty value");
		ok = false;
	} else if (k->wire.on && k->wire.vbad) {
		buf_add(&k->why, k->wire.verr.p, k->wire.verr.len);
		ok = false;
	} else if (e.vlen > cli.max_line) {
		buf_adds(&k->why, "value longer than --max-line");
		ok = false;
	} else {
		ok = k->meta ? with_meta(k, b, &e) : value_only(k, b, &e);
	}
	if (ok)
		return true;
	b->len = mark;
	if (b->p)
		b->p[mark] = 0;
	buf_reset(&k->loc);
	buf_printf(&k->loc, "%s [%d] @%lld", e.topic, (int)e.partition, (long long)e.offset);
	buf_reset(&k->scratch);
	jw_keyz(&k->scratch, "topic");
	jw_strz(&k->scratch, e.topic);
	jw_keyz(&k->scratch, "partition");
	jw_i64(&k->scratch, e.partition);
	jw_keyz(&k->scratch, "offset");
	jw_i64(&k->scratch, e.offset);
	size_t shown = e.vlen > cli.max_line ? LR_PREFIX : e.vlen;
	diag_bad_at(k->loc.p, k->scratch.p, k->why.p, e.val ? e.val : "", e.val ? shown : 0);
	return false;
}
