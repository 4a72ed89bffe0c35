/* prom-push: keep Prometheus metrics from records; push, write or serve them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "jw.h"
#include "lineio.h"
#include "path.h"
#include "pp.h"
#include "prom.h"
#include "rec.h"
#include "sig.h"
#include "tm.h"

static const char help[] =
	"usage: prom-push [-g URL -j JOB [-l NAME=VALUE]...] [--textfile PATH] [--listen ADDR]\n"
	"                 [-m 'TYPE:NAME=FIELD[;labels=F,...][;buckets=B,...][;help=TEXT]']...\n"
	"                 [-i DUR] [--delete-on-exit] [FILE...]\n"
	"Keep Prometheus metrics from metric records (or any rows with -m); push them to a\n"
	"Pushgateway, write a node_exporter textfile, and/or serve them for scraping.\n"
	"  -g, --gateway URL      Pushgateway base URL, e.g. http://127.0.0.1:9091\n"
	"  -j, --job JOB          grouping key job (required with -g)\n"
	"  -l, --label NAME=VALUE another grouping label (repeatable)\n"
	"      --textfile PATH    write the exposition to PATH atomically (- : stdout at end)\n"
	"      --listen ADDR      serve /metrics on ADDR, e.g. 127.0.0.1:9464\n"
	"  -m, --map SPEC         TYPE:NAME=FIELD[;labels=[LABEL=]F,...][;buckets=B,...][;help=TEXT]\n"
	"                         (repeatable); without -m the input is metric records\n"
	"  -i, --interval DUR     push and write at least every DUR (default 10s)\n"
	"      --delete-on-exit   delete the group from the Pushgateway at exit\n"
	"      --retries N        extra attempts of the final push (default 3)\n"
	"      --timeout DUR      HTTP timeout per attempt (default 10s)\n"
	"      --max-series N     refuse new series beyond N (default 100000; 0: no limit)\n"
	"      --no-self-metrics  leave out the runnel_* metrics\n"
	CLI_HELP_INPUT CLI_HELP_BASE;

enum {
	OPT_TEXTFILE = CLI_OPT_TOOL,
	OPT_LISTEN,
	OPT_DELETE,
	OPT_RETRIES,
	OPT_TIMEOUT,
	OPT_MAX_SERIES,
	OPT_NO_SELF,
};

static const struct option longopts[] = {
	{ "gateway", required_argument, NULL, 'g' },
	{ "job", required_argument, NULL, 'j' },
	{ "label", required_argument, NULL, 'l' },
	{ "textfile", required_argument, NULL, OPT_TEXTFILE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "map", required_argument, NULL, 'm' },
	{ "interval", required_argument, NULL, 'i' },
	{ "delete-on-exit", no_argument, NULL, OPT_DELETE },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
	{ "no-self-metrics", no_argument, NULL, OPT_NO_SELF },
	CLI_LONG_INPUT,
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

/* -m TYPE:NAME=FIELD;labels=...: one row field feeding one metric family. */
struct map {
	char *spec;
	enum prom_type type;
	char *name;
	struct path field;
	struct path *lpath;
	char **lname;
	size_t nl;
	double *le;
	size_t nle;
	char *help;
	struct prom_fam *fam;
};

/* Labels decoded from a record: bytes in b, offsets until finished. */
struct labset {
	struct buf b;
	size_t (*off)[4]; /* name off, name len, value off, value len */
	struct prom_label *l;
	size_t n, cap;
};

struct pp {
	struct prom_reg reg;
	pthread_mutex_t mu; /* the registry, against the --listen thread */
	struct map *maps;
	size_t nmaps;
	struct labset ls;
	struct buf err, body, scratch;
	double *vals;
	/* self metrics */
	bool self;
	struct prom_series *s_in, *s_rej, *s_ok, *s_failed;
	/* outputs */
	bool push, delete_on_exit;
	struct pgw gw;
	const char *textfile;
	bool listening;
	struct srv srv;
	/* schedule, monotonic ms */
	int64_t interval, gap, last_flush, next_try, backoff;
	bool dirty;
	uint64_t nin, nrej;
	struct prom_label *gl; /* --label */
	size_t ngl;
};

static void ls_reset(struct labset *s)
{
	buf_reset(&s->b);
	s->n = 0;
}

static size_t ls_new(struct labset *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->off = xrealloc(s->off, s->cap * sizeof *s->off);
		s->l = xrealloc(s->l, s->cap * sizeof *s->l);
	}
	return s->n++;
}

/* A JSON value as label text: strings decoded, null empty, anything else as JSON. */
static void label_text(struct buf *b, struct json_val v)
{
	if (v.type == JV_STRING)
		json_str_append(b, v);
	else if (v.type != JV_NULL && v.type != JV_NONE)
		jw_val(b, v);
}

static void ls_add(struct labset *s, const char *name, size_t nlen, struct json_val nameval,
	struct json_val v)
{
	size_t i = ls_new(s);
	s->off[i][0] = s->b.len;
	if (name)
		buf_add(&s->b, name, nlen);
	else
		json_str_append(&s->b, nameval);
	s->off[i][1] = s->b.len - s->off[i][0];
	s->off[i][2] = s->b.len;
	label_text(&s->b, v);
	s->off[i][3] = s->b.len - s->off[i][2];
}

static struct prom_label *ls_finish(struct labset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		s->l[i].name = s->b.p + s->off[i][0];
		s->l[i].nlen = s->off[i][1];
		s->l[i].val = s->b.p + s->off[i][2];
		s->l[i].vlen = s->off[i][3];
	}
	return s->l;
}

/* Numbers, booleans (1, 0) and numeric strings. */
static bool num_value(struct json_val v, struct buf *scratch, double *d)
{
	if (v.type == JV_NUMBER)
		return json_num_f64(v, d);
	if (v.type == JV_TRUE || v.type == JV_FALSE) {
		*d = v.type == JV_TRUE;
		return true;
	}
	if (v.type == JV_STRING) {
		size_t n;
		const char *s = json_str(v, scratch, &n);
		char t[64], *e;
		if (!n || n >= sizeof t)
			return false;
		memcpy(t, s, n);
		t[n] = 0;
		*d = strtod(t, &e);
		return *e == 0 && e != t;
	}
	return false;
}

static bool map_parse(struct map *m, const char *spec, struct buf *err)
{
	const char *colon = strchr(spec, ':'), *eq, *semi, *p, *perr;
	memset(m, 0, sizeof *m);
	m->spec = xstrdup(spec);
	if (!colon || !prom_type_parse(spec, (size_t)(colon - spec), &m->type)) {
		buf_printf(err, "-m %s: expected TYPE:NAME=FIELD with TYPE counter, gauge, histogram "
			"or summary", spec);
		return false;
	}
	eq = strchr(colon + 1, '=');
	if (!eq) {
		buf_printf(err, "-m %s: expected TYPE:NAME=FIELD", spec);
		return false;
	}
	m->name = xstrndup(colon + 1, (size_t)(eq - colon - 1));
	if (!prom_metric_name_ok(m->name, strlen(m->name))) {
		buf_printf(err, "-m %s: invalid metric name \"%s\" (expected [a-zA-Z_:][a-zA-Z0-9_:]*)",
			spec, m->name);
		return false;
	}
	semi = strchr(eq + 1, ';');
	char *field = xstrndup(eq + 1, semi ? (size_t)(semi - eq - 1) : strlen(eq + 1));
	bool ok = *field && path_parse(&m->field, field, &perr);
	if (!ok)
		buf_printf(err, "-m %s: field '%s': %s", spec, field, *field ? perr : "missing");
	free(field);
	if (!ok)
		return false;
	for (p = semi; p && *p;) {
		p++;
		if (!strncmp(p, "help=", 5)) { /* the rest, ';' and ',' included */
			m->help = xstrdup(p + 5);
			break;
		}
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *opt = xstrndup(p, n);
		if (!strncmp(opt, "labels=", 7)) {
			for (char *save, *tok = strtok_r(opt + 7, ",", &save); tok;
				tok = strtok_r(NULL, ",", &save)) {
				char *leq = strchr(tok, '=');
				m->lpath = xrealloc(m->lpath, (m->nl + 1) * sizeof *m->lpath);
				m->lname = xrealloc(m->lname, (m->nl + 1) * sizeof *m->lname);
				if (!path_parse(&m->lpath[m->nl], leq ? leq + 1 : tok, &perr)) {
					buf_printf(err, "-m %s: label field '%s': %s", spec, leq ? leq + 1 : tok,
						perr);
					free(opt);
					return false;
				}
				size_t ln;
				const char *lf = leq ? tok : path_leaf(&m->lpath[m->nl], &ln);
				m->lname[m->nl] = leq ? xstrndup(tok, (size_t)(leq - tok)) : xstrndup(lf, ln);
				m->nl++;
				if (!prom_label_name_ok(m->lname[m->nl - 1], strlen(m->lname[m->nl - 1]))) {
					buf_printf(err, "-m %s: invalid label name \"%s\" (expected "
						"[a-zA-Z_][a-zA-Z0-9_]*, not starting with __; rename it with "
						"labels=NAME=FIELD)", spec, m->lname[m->nl - 1]);
					free(opt);
					return false;
				}
			}
		} else if (!strncmp(opt, "buckets=", 8)) {
			if (m->type != PROM_HISTOGRAM) {
				buf_printf(err, "-m %s: buckets are for histograms", spec);
				free(opt);
				return false;
			}
			struct buf e = BUF_INIT;
			free(m->le);
			m->le = NULL;
			if (!prom_parse_buckets(opt + 8, &m->le, &m->nle, &e)) {
				buf_printf(err, "-m %s: %s", spec, e.p);
				buf_free(&e);
				free(opt);
				return false;
			}
		} else {
			buf_printf(err, "-m %s: unknown option '%s' (labels=, buckets=, help=)", spec, opt);
			free(opt);
			return false;
		}
		free(opt);
		p = end;
	}
	return true;
}

static void map_free(struct map *m)
{
	free(m->spec);
	free(m->name);
	path_free(&m->field);
	for (size_t i = 0; i < m->nl; i++) {
		path_free(&m->lpath[i]);
		free(m->lname[i]);
	}
	free(m->lpath);
	free(m->lname);
	free(m->le);
	free(m->help);
}

/* A row through the -m mappings: all values are checked before any is applied. */
static bool apply_maps(struct pp *p, const struct rec *r)
{
	size_t used = 0;
	for (size_t i = 0; i < p->nmaps; i++) {
		struct map *m = &p->maps[i];
		struct json_val v;
		p->vals[i] = NAN;
		if (!rec_get(r, &m->field, &v) || v.type == JV_NULL)
			continue;
		if (!num_value(v, &p->scratch, &p->vals[i]) || isnan(p->vals[i])) {
			buf_printf(&p->err, "field %s: not a number", m->field.text);
			return false;
		}
		if (m->type == PROM_COUNTER && !(p->vals[i] >= 0)) {
			buf_printf(&p->err, "field %s: counter %s cannot go down by %g", m->field.text,
				m->name, p->vals[i]);
			return false;
		}
		used++;
	}
	if (!used) {
		buf_printf(&p->err, "none of the -m fields is present");
		return false;
	}
	for (size_t i = 0; i < p->nmaps; i++) {
		struct map *m = &p->maps[i];
		if (isnan(p->vals[i]))
			continue;
		ls_reset(&p->ls);
		for (size_t j = 0; j < m->nl; j++) {
			struct json_val v = { NULL, 0, JV_NONE }, none = v;
			rec_get(r, &m->lpath[j], &v);
			ls_add(&p->ls, m->lname[j], strlen(m->lname[j]), none, v);
		}
		if (!prom_update(&p->reg, m->fam, ls_finish(&p->ls), p->ls.n, p->vals[i], &p->err))
			return false;
	}
	return true;
}

/* {"name","type","value","labels","help","buckets"}: one metric record. */
static bool apply_record(struct pp *p, const struct rec *r)
{
	struct json_val name, type, val, labels, hv, bk;
	enum prom_type t;
	double d, lebuf[64];
	size_t nle = 0, hlen = 0, nlen, tlen;
	const char *hs = NULL, *ns, *ts;
	struct buf hb = BUF_INIT;

	if (!rec_field(r, "name", 4, &name) || name.type != JV_STRING) {
		buf_printf(&p->err, "not a metric record: no \"name\" string (map rows with -m)");
		return false;
	}
	if (!rec_field(r, "type", 4, &type) || type.type != JV_STRING) {
		buf_printf(&p->err, "metric record without a \"type\" string");
		return false;
	}
	ts = json_str(type, &p->scratch, &tlen);
	if (!prom_type_parse(ts, tlen, &t)) {
		buf_printf(&p->err, "unknown metric type \"%.*s\" (counter, gauge, histogram or "
			"summary)", (int)(tlen > 40 ? 40 : tlen), ts);
		return false;
	}
	if (!rec_field(r, "value", 5, &val) || !num_value(val, &p->scratch, &d)) {
		buf_printf(&p->err, "metric record without a numeric \"value\"");
		return false;
	}
	if (rec_field(r, "buckets", 7, &bk)) {
		struct json_iter it;
		struct json_val e;
		if (bk.type != JV_ARRAY || t != PROM_HISTOGRAM) {
			buf_printf(&p->err, "\"buckets\" must be an array of bounds of a histogram");
			return false;
		}
		json_iter_init(&it, bk);
		while (json_arr_next(&it, &e)) {
			if (nle == 64 || !json_num_f64(e, &lebuf[nle]) || !isfinite(lebuf[nle]) ||
				(nle && lebuf[nle] <= lebuf[nle - 1])) {
				buf_printf(&p->err, "\"buckets\": up to 64 increasing finite numbers");
				return false;
			}
			nle++;
		}
	}
	if (rec_field(r, "help", 4, &hv) && hv.type == JV_STRING) {
		json_str_append(&hb, hv);
		hs = hb.p;
		hlen = hb.len;
	}
	ls_reset(&p->ls);
	if (rec_field(r, "labels", 6, &labels) && labels.type != JV_NULL) {
		struct json_iter it;
		struct json_val k, v;
		if (labels.type != JV_OBJECT) {
			buf_printf(&p->err, "\"labels\" must be an object");
			buf_free(&hb);
			return false;
		}
		json_iter_init(&it, labels);
		while (json_obj_next(&it, &k, &v))
			ls_add(&p->ls, NULL, 0, k, v);
	}
	ns = json_str(name, &p->scratch, &nlen);
	struct prom_fam *f = prom_family(&p->reg, ns, nlen, t, nle ? lebuf : NULL, nle, hs, hlen,
		&p->err);
	buf_free(&hb);
	if (!f)
		return false;
	return prom_update(&p->reg, f, ls_finish(&p->ls), p->ls.n, d, &p->err);
}

/* Renders the exposition; runs in the --listen thread too. */
static void render(void *ctx, struct buf *out)
{
	struct pp *p = ctx;
	pthread_mutex_lock(&p->mu);
	prom_render(&p->reg, out);
	pthread_mutex_unlock(&p->mu);
}

/* Atomically replaces path: a hidden temp file beside it (not *.prom, so node_exporter
   never reads it), fsync, rename. */
static int textfile_write(const char *path, const char *data, size_t n)
{
	struct buf tmp = BUF_INIT;
	const char *slash = strrchr(path, '/');
	if (slash)
		buf_printf(&tmp, "%.*s/.%s.%ld.tmp", (int)(slash - path), path, slash + 1,
			(long)getpid());
	else
		buf_printf(&tmp, ".%s.%ld.tmp", path, (long)getpid());
	int fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc = -1;
	if (fd < 0) {
		diag_err("cannot create %s: %s", tmp.p, strerror(errno));
		buf_free(&tmp);
		return -1;
	}
	const char *s = data;
	size_t left = n;
	while (left) {
		ssize_t w = write(fd, s, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		s += w;
		left -= (size_t)w;
	}
	if (left == 0 && fsync(fd) == 0 && close(fd) == 0) {
		fd = -1;
		if (rename(tmp.p, path) == 0)
			rc = 0;
	}
	if (rc < 0) {
		diag_err("cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp.p);
	}
	buf_free(&tmp);
	return rc;
}

static bool textfile_on(const struct pp *p)
{
	return p->textfile && strcmp(p->textfile, "-");
}

/* One round of pushing and writing; a failed push is tried again with backoff. */
static void flush(struct pp *p)
{
	int64_t now = tm_mono_ms();
	bool ok = true;
	buf_reset(&p->body);
	render(p, &p->body);
	if (p->push) {
		enum pgw_result r = pgw_send(&p->gw, "PUT", p->body.p, p->body.len, &p->err);
		pthread_mutex_lock(&p->mu);
		if (p->self)
			(r == PGW_OK ? p->s_ok : p->s_failed)->value++;
		pthread_mutex_unlock(&p->mu);
		if (r != PGW_OK) {
			p->backoff = p->backoff ? p->backoff * 2 : 250;
			if (p->backoff > p->interval)
				p->backoff = p->interval;
			diag_warn("%s (next attempt in %lld ms)", p->err.p, (long long)p->backoff);
			p->next_try = now + p->backoff;
			ok = false;
		} else if (p->backoff) {
			diag_warn("push to %s works again", p->gw.url);
			p->backoff = 0;
		}
	}
	if (textfile_on(p) && textfile_write(p->textfile, p->body.p, p->body.len) < 0)
		ok = false;
	p->last_flush = now;
	p->dirty = !ok;
}

static bool flushing(const struct pp *p)
{
	return p->push || textfile_on(p);
}

/* Timer and idle hook: changes go out soon after the input pauses (at most once per
   second), and everything at least every --interval. */
static void on_tick(void *ctx)
{
	struct pp *p = ctx;
	int64_t now = tm_mono_ms();
	if (!flushing(p) || now < p->next_try)
		return;
	if ((p->dirty && now - p->last_flush >= p->gap) || now - p->last_flush >= p->interval)
		flush(p);
}

static void bad(struct pp *p, struct lr *lr, const char *why, const char *line, size_t len)
{
	diag_bad(lr->name, lr->lineno, why, line, len);
	pthread_mutex_lock(&p->mu);
	p->nrej++;
	if (p->self)
		p->s_rej->value++;
	pthread_mutex_unlock(&p->mu);
}

static int run_file(struct pp *p, const char *file)
{
	struct lr lr;
	struct rec r;
	const char *line;
	size_t len;
	int st, rc = RN_EXIT_OK;

	if (lr_open(&lr, file, cli.max_line) < 0) {
		diag_err("%s: %s", file, strerror(errno));
		return RN_EXIT_RUNTIME;
	}
	lr_set_idle(&lr, on_tick, p);
	lr_set_tick(&lr, p->gap < 100 ? (int)p->gap : 100, on_tick, p);
	rec_init(&r);
	while ((st = lr_next(&lr, &line, &len)) > 0) {
		bool ok;
		buf_reset(&p->err);
		pthread_mutex_lock(&p->mu);
		p->nin++;
		if (p->self)
			p->s_in->value++;
		if (st == LR_TOOLONG) {
			buf_adds(&p->err, "line longer than --max-line");
			ok = false;
		} else if (!rec_parse(&r, line, len, &p->err)) {
			ok = false;
		} else {
			ok = p->nmaps ? apply_maps(p, &r) : apply_record(p, &r);
		}
		pthread_mutex_unlock(&p->mu);
		p->dirty = true;
		if (!ok) {
			bad(p, &lr, p->err.p, line, len);
			if (cli.strict) {
				rc = RN_EXIT_REJECT;
				break;
			}
		}
		if ((p->nin & 1023) == 0 && flushing(p)) {
			int64_t now = tm_mono_ms();
			if (now >= p->next_try && now - p->last_flush >= p->interval)
				flush(p);
		}
	}
	if (st == LR_ERR) {
		diag_err("%s: %s", lr.name, strerror(errno));
		rc = RN_EXIT_RUNTIME;
	}
	rec_free(&r);
	lr_close(&lr);
	return rc;
}

/* End of input: the final push (or the group's deletion) and the last textfile. */
static int finish(struct pp *p)
{
	int rc = RN_EXIT_OK;
	unsigned failed = 0;
	buf_reset(&p->body);
	render(p, &p->body);
	if (p->push) {
		bool ok;
		const char *what = p->delete_on_exit ? "delete" : "final push";
		if (p->delete_on_exit)
			ok = pgw_send_retry(&p->gw, "DELETE", NULL, 0, &p->err, &failed);
		else
			ok = pgw_send_retry(&p->gw, "PUT", p->body.p, p->body.len, &p->err, &failed);
		if (!ok) {
			diag_err("%s failed after %u attempt%s, metrics not delivered: %s", what, failed,
				failed == 1 ? "" : "s", p->err.p);
			rc = RN_EXIT_RUNTIME;
		}
	}
	if (textfile_on(p) && textfile_write(p->textfile, p->body.p, p->body.len) < 0)
		rc = RN_EXIT_RUNTIME;
	if (p->textfile && !strcmp(p->textfile, "-")) {
		fwrite(p->body.p ? p->body.p : "", 1, p->body.len, stdout);
		if (fflush(stdout) != 0 && errno != EPIPE) {
			diag_err("stdout: %s", strerror(errno));
			rc = RN_EXIT_RUNTIME;
		}
	}
	return rc;
}

static void self_init(struct pp *p)
{
	static const struct prom_label ok = { "result", 6, "ok", 2 };
	static const struct prom_label failed = { "result", 6, "failed", 6 };
	struct prom_fam *f;
	f = prom_family(&p->reg, "runnel_records_in_total", 23, PROM_COUNTER, NULL, 0,
		"Input lines read by prom-push.", 30, &p->err);
	p->s_in = prom_series_get(&p->reg, f, NULL, 0, &p->err);
	f = prom_family(&p->reg, "runnel_records_rejected_total", 29, PROM_COUNTER, NULL, 0,
		"Input lines prom-push rejected as bad.", 38, &p->err);
	p->s_rej = prom_series_get(&p->reg, f, NULL, 0, &p->err);
	if (p->push) {
		f = prom_family(&p->reg, "runnel_pushes_total", 19, PROM_COUNTER, NULL, 0,
			"Pushgateway pushes by prom-push, by result (before this one).", 61, &p->err);
		p->s_ok = prom_series_get(&p->reg, f, &ok, 1, &p->err);
		p->s_failed = prom_series_get(&p->reg, f, &failed, 1, &p->err);
	}
}

static int setup(struct pp *p, const char *gateway, const char *job, struct prom_label *gl,
	size_t ngl, const char *listen, long timeout, int retries)
{
	for (size_t i = 0; i < p->nmaps; i++) {
		struct map *m = &p->maps[i];
		m->fam = prom_family(&p->reg, m->name, strlen(m->name), m->type, m->le, m->nle,
			m->help, m->help ? strlen(m->help) : 0, &p->err);
		if (!m->fam) {
			diag_err("-m %s: %s", m->spec, p->err.p);
			return RN_EXIT_USAGE;
		}
	}
	p->vals = xcalloc(p->nmaps + 1, sizeof *p->vals);
	if (p->self)
		self_init(p);
	if (p->push && pgw_init(&p->gw, gateway, job, gl, ngl, timeout, retries) < 0)
		return RN_EXIT_RUNTIME;
	if (listen) {
		p->srv.render = render;
		p->srv.ctx = p;
		buf_reset(&p->err);
		if (srv_start(&p->srv, listen, &p->err) < 0) {
			diag_err("%s", p->err.p);
			return RN_EXIT_RUNTIME;
		}
		p->listening = true;
	}
	return RN_EXIT_OK;
}

/* Options, setup and the input loop; main() frees what this leaves behind. */
static int pp_run(struct pp *p, int argc, char **argv)
{
	const char *gateway = NULL, *job = NULL, *listen = NULL;
	int64_t timeout = 10000;
	long long n;
	int retries = 3, c, r, rc = RN_EXIT_OK;

	while ((c = getopt_long(argc, argv, "g:j:l:m:i:" CLI_SHORT_INPUT CLI_SHORT_BASE, longopts,
			NULL)) != -1) {
		switch (c) {
		case 'g':
			gateway = optarg;
			break;
		case 'j':
			job = optarg;
			break;
		case 'l': {
			const char *eq = strchr(optarg, '=');
			if (!eq || !prom_label_name_ok(optarg, (size_t)(eq - optarg)))
				return cli_usage("--label %s: expected NAME=VALUE with NAME matching "
					"[a-zA-Z_][a-zA-Z0-9_]* (not starting with __)", optarg);
			if (eq - optarg == 3 && !strncmp(optarg, "job", 3))
				return cli_usage("--label %s: give the job with --job", optarg);
			p->gl = xrealloc(p->gl, (p->ngl + 1) * sizeof *p->gl);
			p->gl[p->ngl++] = (struct prom_label){ optarg, (size_t)(eq - optarg), eq + 1,
				strlen(eq + 1) };
			break;
		}
		case OPT_TEXTFILE:
			p->textfile = optarg;
			break;
		case OPT_LISTEN:
			listen = optarg;
			break;
		case 'm':
			p->maps = xrealloc(p->maps, (p->nmaps + 1) * sizeof *p->maps);
			buf_reset(&p->err);
			if (!map_parse(&p->maps[p->nmaps++], optarg, &p->err))
				return cli_usage("%s", p->err.p);
			break;
		case 'i':
			if (!tm_parse_duration(optarg, &p->interval, false) || p->interval < 10)
				return cli_usage("--interval: expected a duration of at least 10ms: %s",
					optarg);
			break;
		case OPT_DELETE:
			p->delete_on_exit = true;
			break;
		case OPT_RETRIES:
			if (!cli_parse_count(optarg, &n) || n > 100)
				return cli_usage("--retries: expected 0..100: %s", optarg);
			retries = (int)n;
			break;
		case OPT_TIMEOUT:
			if (!tm_parse_duration(optarg, &timeout, false) || timeout < 1)
				return cli_usage("--timeout: not a duration: %s", optarg);
			break;
		case OPT_MAX_SERIES:
			if (!cli_parse_count(optarg, &n))
				return cli_usage("--max-series: not a count: %s", optarg);
			p->reg.max_series = (size_t)n;
			break;
		case OPT_NO_SELF:
			p->self = false;
			break;
		default:
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE)
				return r;
		}
	}
	argc -= optind;
	argv += optind;
	if (gateway && !job)
		return cli_usage("-g needs --job");
	if (job && !gateway)
		return cli_usage("--job needs -g URL");
	if (!*(job ? job : "x"))
		return cli_usage("--job must not be empty");
	if (p->ngl && !gateway)
		return cli_usage("--label needs -g URL");
	if (p->delete_on_exit && !gateway)
		return cli_usage("--delete-on-exit needs -g URL");
	if (!gateway && !p->textfile && !listen)
		return cli_usage("nothing to do: give -g URL, --textfile PATH or --listen ADDR");
	p->push = gateway != NULL;
	p->gap = p->interval < 1000 ? p->interval : 1000;
	p->last_flush = tm_mono_ms();
	if (cli.reject && diag_reject_open(cli.reject) < 0)
		return RN_EXIT_RUNTIME;

	rc = setup(p, gateway, job, p->gl, p->ngl, listen, (long)timeout, retries);
	if (rc == RN_EXIT_OK) {
		if (argc == 0) {
			rc = run_file(p, "-");
		} else {
			for (; *argv && !sig_stop && rc != RN_EXIT_REJECT; argv++) {
				r = run_file(p, *argv);
				if (r > rc)
					rc = r;
			}
		}
		r = finish(p);
		if (r > rc && rc != RN_EXIT_REJECT)
			rc = r;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct pp p;
	int rc;

	cli_init(argv[0]);
	memset(&p, 0, sizeof p);
	pthread_mutex_init(&p.mu, NULL);
	prom_init(&p.reg);
	p.reg.max_series = 100000;
	p.self = true;
	p.interval = 10000;
	rc = pp_run(&p, argc, argv);
	if (p.listening)
		srv_stop(&p.srv);
	if (diag_finish() < 0 && rc == RN_EXIT_OK)
		rc = RN_EXIT_RUNTIME;
	diag_info("in=%llu rejected=%llu series=%zu", (unsigned long long)p.nin,
		(unsigned long long)p.nrej, p.reg.nseries);
	if (p.push)
		pgw_free(&p.gw);
	for (size_t i = 0; i < p.nmaps; i++)
		map_free(&p.maps[i]);
	free(p.maps);
	free(p.vals);
	free(p.gl);
	free(p.ls.off);
	free(p.ls.l);
	buf_free(&p.ls.b);
	buf_free(&p.err);
	buf_free(&p.body);
	buf_free(&p.scratch);
	prom_free(&p.reg);
	pthread_mutex_destroy(&p.mu);
	return rc;
}
