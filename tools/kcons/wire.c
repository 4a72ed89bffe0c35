/* kcons --avro: the Confluent wire format decoded to JSON. */
#include "wire.h"

#include <string.h>

#include "diag.h"
#include "exitcode.h"
#include "json.h"
#include "jw.h"

void kc_wire_init(struct kc_wire *w)
{
	memset(w, 0, sizeof *w);
	reg_conf_init(&w->rc);
	av_schema_init(&w->reader);
}

void kc_wire_free(struct kc_wire *w)
{
	if (w->reg_open)
		reg_close(&w->reg);
	av_schema_free(&w->reader);
	buf_free(&w->val);
	buf_free(&w->key);
	buf_free(&w->tmp);
	buf_free(&w->verr);
	buf_free(&w->kerr);
}

bool kc_wire_opt(struct kc_wire *w, int c, const char *arg)
{
	switch (c) {
	case KCW_OPT_AVRO: w->on = true; return true;
	case KCW_OPT_READER: w->reader_file = arg; return true;
	default: return reg_opt(&w->rc, c, arg);
	}
}

int kc_wire_start(struct kc_wire *w, const struct kconf *kc)
{
	if (!w->on)
		return w->reader_file || w->rc.url || w->rc.auth ?
			cli_usage("--reader-schema and --registry options go with --avro") : CLI_CONTINUE;
	if (!reg_conf_finish(&w->rc, kc))
		return RN_EXIT_CONFIG;
	if (!w->rc.url)
		return cli_usage("--avro needs --registry URL (or -X schema.registry.url=URL)");
	if (w->reader_file) {
		if (!av_schema_load_file(&w->reader, w->reader_file, &w->tmp)) {
			diag_err("%s: %s", w->reader_file, w->tmp.p);
			return RN_EXIT_CONFIG;
		}
		w->have_reader = true;
	}
	if (!reg_open(&w->reg, &w->rc, &w->tmp)) {
		diag_err("%s", w->tmp.p);
		return RN_EXIT_RUNTIME;
	}
	w->reg_open = true;
	return CLI_CONTINUE;
}

static bool fatal(struct kc_wire *w, enum reg_status st, const struct buf *why)
{
	if (st == REG_OK || st == REG_BAD)
		return false;
	diag_err("%s", why->p);
	w->status = reg_exit(st);
	return true;
}

enum kc_wire_result kc_wire_decode(struct kc_wire *w, struct kenv_msg *m, bool keys,
	bool json_key)
{
	enum reg_status st;
	w->vbad = w->kbad = false;
	if (m->val) {
		buf_reset(&w->val);
		st = reg_decode(&w->reg, w->have_reader ? &w->reader : NULL, m->val, m->vlen, &w->val,
			&w->verr);
		if (fatal(w, st, &w->verr))
			return KCW_FATAL;
		w->vbad = st == REG_BAD;
		if (!w->vbad) {
			m->val = w->val.p;
			m->vlen = w->val.len;
		}
	}
	/* keys are often text or a few bytes (a Kafka IntegerSerializer's 4): only those
	   long enough for a frame that start with the magic byte are taken for Avro */
	if (keys && m->key && m->klen >= AV_FRAME_LEN && m->key[0] == 0) {
		buf_reset(&w->key);
		st = reg_decode(&w->reg, NULL, m->key, m->klen, &w->key, &w->kerr);
		if (fatal(w, st, &w->kerr))
			return KCW_FATAL;
		w->kbad = st == REG_BAD;
		if (!w->kbad && json_key && w->key.p[0] == '"') {
			struct json_val v = { w->key.p, w->key.len, JV_STRING };
			buf_reset(&w->tmp);
			json_str_append(&w->tmp, v);
			m->key = w->tmp.p ? w->tmp.p : ""; /* "" stays an empty key, not null */
			m->klen = w->tmp.len;
		} else if (!w->kbad) {
			m->key = w->key.p;
			m->klen = w->key.len;
		}
	}
	return KCW_OK;
}

void kc_wire_errors(struct kc_wire *w, struct buf *b)
{
	if (!w->vbad && !w->kbad)
		return;
	b->len--; /* the envelope's closing brace */
	if (w->kbad) {
		jw_keyz(b, "key_error");
		jw_str(b, w->kerr.p, w->kerr.len);
	}
	if (w->vbad) {
		jw_keyz(b, "value_error");
		jw_str(b, w->verr.p, w->verr.len);
	}
	buf_addc(b, '}');
}
