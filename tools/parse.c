/* parse: validate events against a schema and write them normalised. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "filter.h"
#include "json.h"
#include "jw.h"
#include "lineio.h"
#include "out.h"
#include "path.h"
#include "rec.h"
#include "schema.h"
#include "sig.h"

static const char help[] =
	"usage: parse [-s SCHEMA.avsc | -f 'name:type,...'] [--from FIELD] [--keep-unknown]\n"
	"             [--check] [--strict] [--reject FILE] [FILE...]\n"
	"Validate JSON records against a schema and write each valid one compact, its\n"
	"fields in schema order; bad lines are reported and skipped.\n"
	"  -s, --schema FILE    Avro record schema (.avsc)\n"
	"  -f, --fields SPEC    ad-hoc schema, e.g. 'id:string!,ts:timestamp,tags:array<string>'\n"
	"                       (types string boolean int long float double timestamp date\n"
	"                       bytes map<T> array<T> struct<...>; nullable unless marked !)\n"
	"      --from FIELD     the record is the JSON document held (as a string) in FIELD\n"
	"      --keep-unknown   keep fields the schema does not name, after its own\n"
	"      --check          validate only: no output; exit 4 if any line is bad\n"
	"Without -s or -f, any JSON object is valid and is written compact.\n"
	CLI_HELP_INPUT CLI_HELP_BASE;

enum { OPT_FROM = CLI_OPT_TOOL, OPT_KEEP_UNKNOWN, OPT_CHECK };

static const struct option longopts[] = {
	{ "schema", required_argument, NULL, 's' },
	{ "fields", required_argument, NULL, 'f' },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "keep-unknown", no_argument, NULL, OPT_KEEP_UNKNOWN },
	{ "check", no_argument, NULL, OPT_CHECK },
	CLI_LONG_INPUT,
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

struct parse {
	struct schema sc;
	bool have_schema, kafka_in_schema, keep_unknown, check;
	struct path from;
	bool have_from;
	struct rec r, inner;
	struct buf why, why2, doc, scratch;
	struct out o;
	uint64_t out;
};

static bool is_kafka(struct json_val key)
{
	return key.len == 8 && !memcmp(key.p, "\"_kafka\"", 8);
}

/* The record to validate: the line itself, or with --from the document in a field. */
static const struct rec *document(struct parse *p, struct json_val *kafka, bool *outer)
{
	struct json_val v;
	*outer = false;
	if (!p->have_from)
		return &p->r;
	buf_reset(&p->why);
	if (!rec_get(&p->r, &p->from, &v)) {
		buf_printf(&p->why, "field %s: missing", p->from.text);
		return NULL;
	}
	if (v.type == JV_STRING) {
		size_t n;
		const char *t = json_str(v, &p->doc, &n);
		if (!rec_parse(&p->inner, t, n, &p->why2)) {
			buf_printf(&p->why, "field %s: %s", p->from.text, p->why2.p);
			return NULL;
		}
	} else if (v.type == JV_OBJECT) {
		rec_parse(&p->inner, v.p, v.len, NULL);
	} else {
		buf_printf(&p->why, "field %s: expected a JSON document in a string, got %s",
			p->from.text, v.type == JV_NULL ? "null" : v.type == JV_NUMBER ? "number" :
			v.type == JV_ARRAY ? "array" : "boolean");
		return NULL;
	}
	*outer = rec_field(&p->r, "_kafka", 6, kafka);
	return &p->inner;
}

/* Validates one line and appends its normalised form to b; false with p->why set. */
static bool do_line(struct parse *p, const char *line, size_t len, struct buf *b)
{
	struct json_val kafka;
	bool have_kafka;
	if (!rec_parse(&p->r, line, len, &p->why))
		return false;
	const struct rec *d = document(p, &kafka, &have_kafka);
	if (!d)
		return false;
	if (!p->have_schema) {
		if (!p->have_from) {
			jw_val(b, p->r.obj);
			return true;
		}
		buf_addc(b, '{');
		for (size_t i = 0; i < d->nf; i++) {
			if (have_kafka && is_kafka(d->f[i].key))
				continue;
			jw_key_raw(b, d->f[i].key);
			jw_val(b, d->f[i].val);
		}
	} else {
		unsigned flags = p->keep_unknown ? SCHEMA_KEEP_UNKNOWN : 0;
		if (!p->kafka_in_schema) {
			flags |= SCHEMA_NO_KAFKA;
			if (!have_kafka)
				have_kafka = rec_field(d, "_kafka", 6, &kafka);
		} else {
			have_kafka = false;
		}
		buf_addc(b, '{');
		if (!schema_write_members(&p->sc, d->f, d->nf, flags, b, &p->why)) {
			b->len--;
			b->p[b->len] = 0;
			return false;
		}
	}
	if (have_kafka) {
		jw_keyz(b, "_kafka");
		jw_val(b, kafka);
	}
	buf_addc(b, '}');
	return true;
}

static enum filter_verdict parse_line(void *ctx, const struct lr *lr, const char *line,
	size_t len)
{
	struct parse *p = ctx;
	struct buf *b = p->check ? &p->scratch : out_buf(&p->o);
	if (p->check)
		buf_reset(b);
	if (!do_line(p, line, len, b)) {
		diag_bad(lr->name, lr->lineno, p->why.p, line, len);
		return FILTER_BAD;
	}
	p->out++;
	if (!p->check && out_end_record(&p->o) < 0)
		return FILTER_STOP;
	return FILTER_OK;
}

int main(int argc, char **argv)
{
	struct parse p;
	const char *schema_file = NULL, *fields = NULL, *from = NULL, *err;
	struct buf e = BUF_INIT;
	int c, r, rc = RN_EXIT_OK;

	cli_init(argv);
	memset(&p, 0, sizeof p);
	while ((c = getopt_long(argc, argv, "s:f:" CLI_SHORT_INPUT CLI_SHORT_BASE, longopts,
			NULL)) != -1) {
		switch (c) {
		case 's':
			schema_file = optarg;
			break;
		case 'f':
			fields = optarg;
			break;
		case OPT_FROM:
			from = optarg;
			break;
		case OPT_KEEP_UNKNOWN:
			p.keep_unknown = true;
			break;
		case OPT_CHECK:
			p.check = true;
			break;
		default:
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE)
				return r;
		}
	}
	argc -= optind;
	argv += optind;
	if (schema_file && fields)
		return cli_usage("-s and -f cannot be used together");
	if (from) {
		if (!path_parse(&p.from, from, &err))
			return cli_usage("--from %s: %s", from, err);
		p.have_from = true;
	}
	schema_init(&p.sc);
	if (schema_file || fields) {
		bool ok = schema_file ? schema_load_avro_file(&p.sc, schema_file, &e) :
			schema_parse_fields(&p.sc, fields, &e);
		if (!ok) {
			diag_err("%s: %s", schema_file ? schema_file : "-f", e.p);
			buf_free(&e);
			schema_free(&p.sc);
			path_free(&p.from);
			return RN_EXIT_CONFIG;
		}
		p.have_schema = true;
		p.kafka_in_schema = schema_field_index(&p.sc, p.sc.root, "_kafka", 6) >= 0;
	}
	buf_free(&e);
	if (cli.reject && diag_reject_open(cli.reject) < 0)
		return RN_EXIT_RUNTIME;
	rec_init(&p.r);
	rec_init(&p.inner);
	out_init(&p.o, 1, "stdout", cli.unbuffered);

	struct filter f = { .line = parse_line, .ctx = &p, .out = &p.o };
	rc = filter_files(&f, argc, argv);
	if (out_close(&p.o) < 0 && p.o.err) {
		diag_err("stdout: %s", strerror(p.o.err));
		rc = RN_EXIT_RUNTIME;
	}
	if (diag_finish() < 0)
		rc = RN_EXIT_RUNTIME;
	if (p.check && rc == RN_EXIT_OK && diag_bad_count())
		rc = RN_EXIT_REJECT;
	diag_info("in=%llu %s=%llu rejected=%llu", (unsigned long long)f.lines,
		p.check ? "valid" : "out", (unsigned long long)p.out,
		(unsigned long long)diag_bad_count());
	rec_free(&p.r);
	rec_free(&p.inner);
	buf_free(&p.why);
	buf_free(&p.why2);
	buf_free(&p.doc);
	buf_free(&p.scratch);
	schema_free(&p.sc);
	path_free(&p.from);
	return rc;
}
