/* dq-check: completeness, timeliness and validity of a live event stream. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "dq.h"
#include "exitcode.h"
#include "filter.h"
#include "jw.h"
#include "kmeta.h"
#include "lineio.h"
#include "out.h"
#include "sig.h"
#include "tm.h"
#include "wm.h"

static const char help[] =
	"usage: dq-check [--required F,...] [--allowed F=V,...] [--valid 'NAME: EXPR']...\n"
	"                [--unique F] [--max-latency DUR] [--latency-from now|kafka|FIELD]\n"
	"                [--range F=LO..HI] [--regex F=RE] [-T FIELD] [-w DELAY] [--window DUR]\n"
	"                [--annotate | --report] [--fail-under RATIO] [--max-silence DUR] [FILE...]\n"
	"Check completeness, timeliness and validity of events.\n"
	"      --required F,...     fields that must be present and not null (repeatable)\n"
	"      --allowed F=V,...    the values F may take (repeatable)\n"
	"      --valid 'NAME: EXPR' an expression (detect's language) events must satisfy\n"
	"      --unique F           F must not repeat within an event-time window\n"
	"      --max-latency DUR    latency must be known and at most DUR\n"
	"      --latency-from SRC   now (default), kafka (_kafka.ts) or a time FIELD\n"
	"      --range F=LO..HI     F must be a number in [LO, HI] (repeatable)\n"
	"      --regex F=RE         F must match the extended regular expression (repeatable)\n"
	"  -T, --time FIELD         event-time field (default timestamp)\n"
	"  -w, --watermark DELAY    how late events may be before their window closes (0)\n"
	"      --window DUR         report window (default 1m)\n"
	"      --idle-advance DUR   advance the watermark with wall time after DUR of no input\n"
	"  -a, --annotate           pass every event on with a _dq object (default)\n"
	"  -r, --report             write metric records per window instead (for prom-push)\n"
	"      --fail-under RATIO   exit 4 at the end when a pass ratio is below RATIO\n"
	"      --max-silence DUR    write a stale-stream record when no event came for DUR\n"
	CLI_HELP_INPUT CLI_HELP_BASE;

enum {
	OPT_REQUIRED = CLI_OPT_TOOL,
	OPT_ALLOWED,
	OPT_VALID,
	OPT_UNIQUE,
	OPT_MAX_LATENCY,
	OPT_LATENCY_FROM,
	OPT_RANGE,
	OPT_REGEX,
	OPT_WINDOW,
	OPT_IDLE,
	OPT_FAIL_UNDER,
	OPT_MAX_SILENCE,
};

static const struct option longopts[] = {
	{ "required", required_argument, NULL, OPT_REQUIRED },
	{ "allowed", required_argument, NULL, OPT_ALLOWED },
	{ "valid", required_argument, NULL, OPT_VALID },
	{ "unique", required_argument, NULL, OPT_UNIQUE },
	{ "max-latency", required_argument, NULL, OPT_MAX_LATENCY },
	{ "latency-from", required_argument, NULL, OPT_LATENCY_FROM },
	{ "range", required_argument, NULL, OPT_RANGE },
	{ "regex", required_argument, NULL, OPT_REGEX },
	{ "time", required_argument, NULL, 'T' },
	{ "watermark", required_argument, NULL, 'w' },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "idle-advance", required_argument, NULL, OPT_IDLE },
	{ "annotate", no_argument, NULL, 'a' },
	{ "report", no_argument, NULL, 'r' },
	{ "fail-under", required_argument, NULL, OPT_FAIL_UNDER },
	{ "max-silence", required_argument, NULL, OPT_MAX_SILENCE },
	CLI_LONG_INPUT,
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

enum lat_from { LAT_NOW, LAT_KAFKA, LAT_FIELD };

struct dq {
	struct check *ck;
	size_t nck;
	size_t i_unique, i_latency; /* check indices, SIZE_MAX when off; event_time is 0 */
	struct path tpath, latpath;
	enum lat_from latfrom;
	int64_t max_latency;
	bool report, windows;
	struct wm wm;
	struct dqwins ws;
	int64_t idle_ms;
	double fail_under;
	int64_t max_silence, last_mono, last_wall;
	bool stale;
	uint64_t total, complete, valid, dup, late;
	uint64_t *fail;
	bool *failed;
	struct out out;
	struct rec r;
	struct buf scratch, why, kscratch, key;
};

/* The reference time latency is measured to; false when it is unknown. */
static bool latency_ref(struct dq *d, int64_t *ref)
{
	struct json_val v, ts;
	switch (d->latfrom) {
	case LAT_NOW:
		*ref = tm_now_ms();
		return true;
	case LAT_KAFKA:
		return rec_field(&d->r, "_kafka", 6, &v) && v.type == JV_OBJECT &&
			json_obj_get(v, "ts", 2, &ts) && tm_from_json(ts, ref);
	case LAT_FIELD:
		return rec_get(&d->r, &d->latpath, &v) && tm_from_json(v, ref);
	}
	return false;
}

static void close_windows(struct dq *d, bool all)
{
	while (d->ws.n && (all || wm_closed(&d->wm, d->ws.w[0]->end))) {
		struct dqwin *w = d->ws.w[0];
		if (d->report && !d->out.broken)
			dq_emit_window(&d->out, w, d->ck, d->nck, true);
		dqw_free(w);
		memmove(d->ws.w, d->ws.w + 1, (--d->ws.n) * sizeof *d->ws.w);
	}
}

/* The record with `"_dq":{...}` as its last member (replacing one it had). */
static void annotate(struct dq *d, bool complete, bool valid, bool lat_ok, double lat)
{
	struct buf *b = out_buf(&d->out);
	const struct rec *r = &d->r;
	if (r->nf && rec_index(r, "_dq", 3) < 0) {
		size_t n = r->obj.len - 1; /* without the closing brace */
		while (n && (r->obj.p[n - 1] == ' ' || r->obj.p[n - 1] == '\t'))
			n--;
		buf_add(b, r->obj.p, n);
	} else {
		buf_addc(b, '{');
		for (size_t i = 0; i < r->nf; i++)
			if (!json_str_eq(r->f[i].key, "_dq", 3)) {
				jw_key_raw(b, r->f[i].key);
				jw_val(b, r->f[i].val);
			}
	}
	jw_keyz(b, "_dq");
	buf_addc(b, '{');
	jw_keyz(b, "completeness_score");
	jw_i64(b, complete);
	jw_keyz(b, "latency_seconds");
	if (lat_ok)
		jw_f64(b, lat);
	else
		jw_null(b);
	jw_keyz(b, "is_valid");
	jw_bool(b, valid);
	jw_keyz(b, "errors");
	buf_addc(b, '[');
	for (size_t i = 0; i < d->nck; i++)
		if (d->failed[i]) {
			jw_sep(b);
			jw_strz(b, d->ck[i].name);
		}
	buf_add(b, "]}}", 3);
	out_end_record(&d->out);
}

/* The window an event counts in: its own, or when that has closed (or the event has
   no time) the one the watermark is in. */
static struct dqwin *window_for(struct dq *d, bool t_ok, int64_t t, bool *late)
{
	int64_t size = d->ws.size, start = 0;
	*late = false;
	if (t_ok) {
		start = tm_floordiv(t, size) * size;
		*late = wm_closed(&d->wm, start + size);
	}
	if (!t_ok || *late) {
		int64_t base = wm_get(&d->wm) != WM_NONE ? wm_get(&d->wm) : tm_now_ms();
		start = tm_floordiv(base, size) * size;
	}
	return dqw_get(&d->ws, start);
}

static void event(struct dq *d)
{
	struct json_val v;
	struct kmeta km;
	int64_t t = 0, ref = 0;
	bool late = false, dup = false;

	if (d->stale) {
		dq_emit_stale(&d->out, false, (double)(tm_mono_ms() - d->last_mono) / 1000,
			d->last_wall);
		d->stale = false;
	}
	if (d->max_silence) {
		d->last_mono = tm_mono_ms();
		d->last_wall = tm_now_ms();
	}
	memset(d->failed, 0, d->nck * sizeof *d->failed);
	bool t_ok = rec_get(&d->r, &d->tpath, &v) && tm_from_json(v, &t);
	d->failed[0] = !t_ok;
	bool lat_ok = t_ok && latency_ref(d, &ref);
	double lat = lat_ok ? (double)(ref - t) / 1000 : 0;
	if (d->i_latency != SIZE_MAX)
		d->failed[d->i_latency] = !lat_ok || ref - t > d->max_latency;
	bool complete = true;
	for (size_t i = 1; i < d->nck; i++) {
		struct check *c = &d->ck[i];
		if (c->kind == CK_UNIQUE || c->kind == CK_LATENCY)
			continue;
		d->failed[i] = !ck_pass(c, &d->r, &d->scratch);
		if (c->kind == CK_REQUIRED && d->failed[i])
			complete = false;
	}
	struct dqwin *w = d->windows ? window_for(d, t_ok, t, &late) : NULL;
	if (w && d->i_unique != SIZE_MAX &&
		rec_get(&d->r, &d->ck[d->i_unique].path, &v) && v.type != JV_NULL) {
		buf_reset(&d->key);
		buf_addc(&d->key, (char)v.type);
		if (v.type == JV_STRING)
			json_str_append(&d->key, v);
		else
			jw_val(&d->key, v);
		dup = d->failed[d->i_unique] = dqw_seen(w, d->key.p, d->key.len);
	}
	bool valid = true;
	for (size_t i = 0; i < d->nck; i++)
		if (d->failed[i]) {
			valid = false;
			d->fail[i]++;
			if (w)
				w->fail[i]++;
		}
	d->total++;
	d->complete += complete;
	d->valid += valid;
	d->dup += dup;
	d->late += late;
	if (w) {
		w->total++;
		w->complete += complete;
		w->valid += valid;
		w->dup += dup;
		w->late += late;
		if (lat_ok) {
			w->lat_sum += (double)(ref - t); /* ms: exact sums */
			w->lat_n++;
			gk_add(&w->lat, lat);
		}
	}
	if (!d->report)
		annotate(d, complete, valid, lat_ok, lat);
	if (t_ok && d->windows) {
		bool has_km = kmeta_get(&d->r, &km, &d->kscratch);
		if (wm_observe(&d->wm, has_km ? km.topic : NULL, has_km ? km.tlen : 0,
				has_km ? km.partition : 0, t, d->idle_ms ? tm_mono_ms() : 0))
			close_windows(d, false);
	}
}

static void on_idle(void *ctx)
{
	struct dq *d = ctx;
	out_flush(&d->out);
}

/* Timers while input is idle: the stale-stream record and --idle-advance. */
static void on_tick(void *ctx)
{
	struct dq *d = ctx;
	int64_t now = tm_mono_ms();
	if (d->max_silence && !d->stale && now - d->last_mono >= d->max_silence) {
		dq_emit_stale(&d->out, true, (double)(now - d->last_mono) / 1000, d->last_wall);
		d->stale = true;
	}
	if (d->windows && d->idle_ms && wm_idle(&d->wm, now))
		close_windows(d, false);
	out_flush(&d->out);
}

static enum filter_verdict dq_line(void *ctx, const struct lr *lr, const char *line,
	size_t len)
{
	struct dq *d = ctx;
	if (!rec_parse(&d->r, line, len, &d->why)) {
		diag_bad(lr->name, lr->lineno, d->why.p, line, len);
		return FILTER_BAD;
	}
	event(d);
	return FILTER_OK;
}

/* --fail-under: every pass ratio over the whole input; the failing ones on stderr. */
static int gate(struct dq *d)
{
	int rc = RN_EXIT_OK;
	if (d->fail_under < 0 || !d->total)
		return rc;
	double n = (double)d->total;
	bool any_required = false;
	for (size_t i = 0; i < d->nck; i++)
		any_required |= d->ck[i].kind == CK_REQUIRED;
	if (any_required && (double)d->complete / n < d->fail_under) {
		diag_err("completeness %.4g is below --fail-under %g (%llu of %llu events complete)",
			(double)d->complete / n, d->fail_under, (unsigned long long)d->complete,
			(unsigned long long)d->total);
		rc = RN_EXIT_REJECT;
	}
	if ((double)d->valid / n < d->fail_under) {
		diag_err("validity %.4g is below --fail-under %g (%llu of %llu events valid)",
			(double)d->valid / n, d->fail_under, (unsigned long long)d->valid,
			(unsigned long long)d->total);
		rc = RN_EXIT_REJECT;
	}
	for (size_t i = 0; i < d->nck; i++) {
		double pass = 1 - (double)d->fail[i] / n;
		if (pass < d->fail_under) {
			diag_err("check %s: pass ratio %.4g is below --fail-under %g (%llu of %llu "
				"events failed)", d->ck[i].name, pass, d->fail_under,
				(unsigned long long)d->fail[i], (unsigned long long)d->total);
			rc = RN_EXIT_REJECT;
		}
	}
	return rc;
}

static bool parse_dur(const char *opt, const char *arg, int64_t *ms, int64_t min)
{
	if (!tm_parse_duration(arg, ms, false) || *ms < min) {
		cli_usage("%s: expected a duration%s: %s", opt, min ? " above 0" : "", arg);
		return false;
	}
	return true;
}

/* Options into d; returns CLI_CONTINUE or the exit status. */
static int options(struct dq *d, int argc, char **argv, const char **tfield)
{
	struct buf err = BUF_INIT;
	const char *unique = NULL;
	char *e;
	bool config = false, ok = true;
	int c, r;
	/* the event_time check is always first */
	ck_add(&d->ck, &d->nck, CK_EVENT_TIME, "event_time", NULL, &err);
	while ((c = getopt_long(argc, argv, "T:w:ar" CLI_SHORT_INPUT CLI_SHORT_BASE, longopts,
			NULL)) != -1) {
		switch (c) {
		case OPT_REQUIRED:
			ok = ck_required(&d->ck, &d->nck, optarg, &err);
			break;
		case OPT_ALLOWED:
			ok = ck_allowed(&d->ck, &d->nck, optarg, &err);
			break;
		case OPT_VALID:
			ok = ck_valid(&d->ck, &d->nck, optarg, &err, &config);
			break;
		case OPT_RANGE:
			ok = ck_range(&d->ck, &d->nck, optarg, &err);
			break;
		case OPT_REGEX:
			ok = ck_regex(&d->ck, &d->nck, optarg, &err, &config);
			break;
		case OPT_UNIQUE:
			if (unique) {
				buf_printf(&err, "--unique given twice");
				ok = false;
				break;
			}
			unique = optarg;
			buf_reset(&err);
			buf_printf(&err, "unique:%s", optarg);
			char *name = xstrdup(err.p);
			buf_reset(&err);
			ok = ck_add(&d->ck, &d->nck, CK_UNIQUE, name, optarg, &err) != NULL;
			free(name);
			d->i_unique = d->nck - 1;
			break;
		case OPT_MAX_LATENCY:
			if (!parse_dur("--max-latency", optarg, &d->max_latency, 0))
				return RN_EXIT_USAGE;
			if (d->i_latency == SIZE_MAX) {
				ok = ck_add(&d->ck, &d->nck, CK_LATENCY, "latency", NULL, &err) != NULL;
				d->i_latency = d->nck - 1;
			}
			break;
		case OPT_LATENCY_FROM:
			if (!strcmp(optarg, "now")) {
				d->latfrom = LAT_NOW;
			} else if (!strcmp(optarg, "kafka")) {
				d->latfrom = LAT_KAFKA;
			} else {
				const char *perr;
				if (d->latfrom == LAT_FIELD)
					path_free(&d->latpath);
				if (!path_parse(&d->latpath, optarg, &perr)) {
					buf_printf(&err, "--latency-from %s: %s", optarg, perr);
					ok = false;
					break;
				}
				d->latfrom = LAT_FIELD;
			}
			break;
		case 'T':
			*tfield = optarg;
			break;
		case 'w':
			if (!parse_dur("-w", optarg, &d->wm.delay, 0))
				return RN_EXIT_USAGE;
			break;
		case OPT_WINDOW:
			if (!parse_dur("--window", optarg, &d->ws.size, 1))
				return RN_EXIT_USAGE;
			break;
		case OPT_IDLE:
			if (!parse_dur("--idle-advance", optarg, &d->idle_ms, 1))
				return RN_EXIT_USAGE;
			break;
		case 'a':
			d->report = false;
			break;
		case 'r':
			d->report = true;
			break;
		case OPT_FAIL_UNDER:
			d->fail_under = strtod(optarg, &e);
			if (e == optarg || *e || !(d->fail_under >= 0 && d->fail_under <= 1))
				return cli_usage("--fail-under: expected a ratio in [0, 1]: %s", optarg);
			break;
		case OPT_MAX_SILENCE:
			if (!parse_dur("--max-silence", optarg, &d->max_silence, 1))
				return RN_EXIT_USAGE;
			break;
		default:
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE) {
				buf_free(&err);
				return r;
			}
		}
		if (!ok) {
			if (config)
				diag_err("%s", err.p);
			r = config ? RN_EXIT_CONFIG : cli_usage("%s", err.p);
			buf_free(&err);
			return r;
		}
	}
	buf_free(&err);
	return CLI_CONTINUE;
}

int main(int argc, char **argv)
{
	struct dq d;
	const char *tfield = "timestamp", *perr;
	int rc;

	cli_init(argv);
	memset(&d, 0, sizeof d);
	d.i_unique = d.i_latency = SIZE_MAX;
	d.ws.size = 60000;
	d.fail_under = -1;
	rec_init(&d.r);
	rc = options(&d, argc, argv, &tfield);
	argc -= optind;
	argv += optind;
	if (rc == CLI_CONTINUE && !path_parse(&d.tpath, tfield, &perr))
		rc = cli_usage("-T %s: %s", tfield, perr);
	if (rc == CLI_CONTINUE && cli.reject && diag_reject_open(cli.reject) < 0)
		rc = RN_EXIT_RUNTIME;
	if (rc == CLI_CONTINUE) {
		rc = RN_EXIT_OK;
		d.windows = d.report || d.i_unique != SIZE_MAX;
		d.ws.nck = d.nck;
		wm_init(&d.wm, d.wm.delay, d.idle_ms, tm_mono_ms());
		d.fail = xcalloc(d.nck, sizeof *d.fail);
		d.failed = xcalloc(d.nck, sizeof *d.failed);
		d.last_mono = tm_mono_ms();
		out_init(&d.out, 1, "stdout", cli.unbuffered);
		int64_t tick = 1000;
		if (d.max_silence && d.max_silence / 4 < tick)
			tick = d.max_silence / 4;
		if (d.idle_ms && d.idle_ms / 4 < tick)
			tick = d.idle_ms / 4;
		struct filter f = { .line = dq_line, .ctx = &d, .out = &d.out, .idle = on_idle };
		if (d.max_silence || d.idle_ms) {
			f.tick = on_tick;
			f.tick_ms = tick < 10 ? 10 : (int)tick;
		}
		rc = filter_files(&f, argc, argv);
		close_windows(&d, true);
		if (out_close(&d.out) < 0 && d.out.err && !d.out.broken)
			rc = RN_EXIT_RUNTIME;
		if (rc == RN_EXIT_OK)
			rc = gate(&d);
		if (diag_finish() < 0 && rc == RN_EXIT_OK)
			rc = RN_EXIT_RUNTIME;
		diag_info("events=%llu complete=%llu valid=%llu duplicate=%llu late=%llu "
			"rejected=%llu", (unsigned long long)d.total, (unsigned long long)d.complete,
			(unsigned long long)d.valid, (unsigned long long)d.dup,
			(unsigned long long)d.late, (unsigned long long)diag_bad_count());
		wm_free(&d.wm);
	}
	close_windows(&d, true);
	free(d.ws.w);
	ck_free(d.ck, d.nck);
	path_free(&d.tpath);
	if (d.latfrom == LAT_FIELD)
		path_free(&d.latpath);
	free(d.fail);
	free(d.failed);
	rec_free(&d.r);
	buf_free(&d.scratch);
	buf_free(&d.why);
	buf_free(&d.kscratch);
	buf_free(&d.key);
	return rc;
}
