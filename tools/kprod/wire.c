/* kprod --avro: JSON lines to Avro in the Confluent wire format. */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exitcode.h"

void kp_wire_init(struct kp_wire *w)
{
	memset(w, 0, sizeof *w);
	w->schema_id = -1;
	reg_conf_init(&w->rc);
	av_schema_init(&w->val);
	av_schema_init(&w->key);
	rec_init(&w->r);
}

void kp_wire_free(struct kp_wire *w)
{
	if (w->reg_open)
		reg_close(&w->reg);
	av_schema_free(&w->val);
	av_schema_free(&w->key);
	buf_free(&w->vbuf);
	buf_free(&w->kbuf);
	buf_free(&w->why);
	rec_free(&w->r);
}

bool kp_wire_opt(struct kp_wire *w, int c, const char *arg)
{
	switch (c) {
	case KPW_OPT_AVRO: w->file = arg; return true;
	case KPW_OPT_KEY_AVRO: w->key_file = arg; return true;
	case KPW_OPT_SUBJECT: w->subject = arg; return true;
	case KPW_OPT_SCHEMA_ID:
		if (!strcmp(arg, "latest"))
			w->schema_id = -3;
		else if (!cli_parse_count(arg, &w->schema_id) || w->schema_id > INT32_MAX)
			w->schema_id = -2;
		return true;
	default:
		return reg_opt(&w->rc, c, arg);
	}
}

static int load(struct av_schema *a, const char *file, struct buf *err)
{
	if (av_schema_load_file(a, file, err))
		return CLI_CONTINUE;
	diag_err("%s: %s", file, err->p);
	return RN_EXIT_CONFIG;
}

/* Registers the schema under subject (TopicNameStrategy unless given). */
static int enroll(struct kp_wire *w, struct av_schema *a, const char *file, const char *subject,
	uint32_t *id)
{
	enum reg_status st = reg_register(&w->reg, subject, a->text, id, &w->why);
	if (st != REG_OK) {
		diag_err("%s: %s", file, w->why.p);
		return reg_exit(st);
	}
	diag_info("%s: schema id %u under subject %s", file, (unsigned)*id, subject);
	return CLI_CONTINUE;
}

/* --schema-id N: the registry's schema N, which --avro's file must equal if given. */
static int use_id(struct kp_wire *w)
{
	enum reg_status st;
	const struct av_schema *got = reg_schema(&w->reg, (uint32_t)w->schema_id, &st, &w->why);
	if (!got) {
		diag_err("--schema-id %lld: %s", w->schema_id, w->why.p);
		return reg_exit(st);
	}
	if (!w->file) {
		if (av_schema_load(&w->val, got->text, got->text_len, &w->why))
			return CLI_CONTINUE;
		diag_err("--schema-id %lld: %s", w->schema_id, w->why.p);
		return RN_EXIT_CONFIG;
	}
	struct buf a = BUF_INIT, b = BUF_INIT;
	schema_to_avro(&got->s, &a);
	schema_to_avro(&w->val.s, &b);
	bool same = a.len == b.len && !memcmp(a.p, b.p, a.len);
	buf_free(&a);
	buf_free(&b);
	if (same)
		return CLI_CONTINUE;
	diag_err("--schema-id %lld: the registry's schema %lld is not the one in %s", w->schema_id,
		w->schema_id, w->file);
	return RN_EXIT_CONFIG;
}

int kp_wire_start(struct kp_wire *w, const struct kconf *kc, const char *topic, bool envelope,
	bool have_key)
{
	char subject[512];
	int r;
	w->on = w->file || w->schema_id != -1;
	w->key_on = w->key_file != NULL;
	if (w->schema_id == -2)
		return cli_usage("--schema-id: not a schema id (a number, or latest)");
	if (!w->on && (w->key_on || w->subject))
		return cli_usage("--key-avro and --subject go with --avro");
	if (!w->on)
		return w->rc.url || w->rc.auth ? cli_usage("--registry options go with --avro") :
			CLI_CONTINUE;
	if (envelope || !topic)
		return cli_usage("--avro needs -t TOPIC (it does not read -J envelopes)");
	if (w->key_on && !have_key)
		return cli_usage("--key-avro needs -k FIELD");
	if (!reg_conf_finish(&w->rc, kc))
		return RN_EXIT_CONFIG;
	if (!w->rc.url && (w->schema_id < 0 || !w->file || w->key_on))
		return cli_usage("--avro needs --registry URL (or --schema-id N with --avro FILE)");
	if (w->file && (r = load(&w->val, w->file, &w->why)) != CLI_CONTINUE)
		return r;
	if (w->key_on && (r = load(&w->key, w->key_file, &w->why)) != CLI_CONTINUE)
		return r;
	if (w->file && w->val.wrapped) {
		diag_err("%s: the value schema's top level must be a record (each line is one)", w->file);
		return RN_EXIT_CONFIG;
	}
	if (w->rc.url) {
		if (!reg_open(&w->reg, &w->rc, &w->why)) {
			diag_err("%s", w->why.p);
			return RN_EXIT_RUNTIME;
		}
		w->reg_open = true;
	}
	snprintf(subject, sizeof subject, "%s-value", topic);
	if (w->schema_id == -3) { /* the subject's latest version */
		struct buf text = BUF_INIT;
		uint32_t id;
		int ver;
		enum reg_status st = reg_latest(&w->reg, w->subject ? w->subject : subject, &id, &ver,
			&text, &w->why);
		buf_free(&text);
		if (st != REG_OK) {
			diag_err("--schema-id latest: %s", w->why.p);
			return reg_exit(st);
		}
		diag_info("--schema-id latest: version %d of subject %s is schema id %u", ver,
			w->subject ? w->subject : subject, (unsigned)id);
		w->schema_id = id;
	}
	if (w->schema_id >= 0) {
		w->val_id = (uint32_t)w->schema_id;
		if (w->reg_open && (r = use_id(w)) != CLI_CONTINUE)
			return r;
		if (w->val.wrapped) {
			diag_err("--schema-id %lld: the schema's top level is not a record", w->schema_id);
			return RN_EXIT_CONFIG;
		}
	} else {
		if ((r = enroll(w, &w->val, w->file, w->subject ? w->subject : subject, &w->val_id)) !=
			CLI_CONTINUE)
			return r;
	}
	if (w->key_on) {
		snprintf(subject, sizeof subject, "%s-key", topic);
		if ((r = enroll(w, &w->key, w->key_file, subject, &w->key_id)) != CLI_CONTINUE)
			return r;
	}
	return CLI_CONTINUE;
}

bool kp_wire_encode(struct kp_wire *w, struct kp_msg *m, const struct path *key_path,
	struct buf *why)
{
	if (!rec_parse(&w->r, m->val ? m->val : "", m->val ? m->vlen : 0, why))
		return false;
	buf_reset(&w->vbuf);
	av_frame(&w->vbuf, w->val_id);
	if (!av_encode_members(&w->val, w->r.f, w->r.nf, &w->vbuf, why))
		return false;
	if (w->key_on) {
		struct json_val v;
		if (!rec_get(&w->r, key_path, &v) || v.type == JV_NONE) {
			buf_printf(why, "key field %s is missing", key_path->text);
			return false;
		}
		buf_reset(&w->kbuf);
		av_frame(&w->kbuf, w->key_id);
		if (!av_encode_value(&w->key, v, &w->kbuf, &w->why)) {
			buf_reset(why);
			buf_printf(why, "key field %s: %s", key_path->text, w->why.p);
			return false;
		}
		m->key = w->kbuf.p;
		m->klen = w->kbuf.len;
	}
	m->val = w->vbuf.p;
	m->vlen = w->vbuf.len;
	return true;
}
