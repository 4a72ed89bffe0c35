/* window: event-time windowed aggregation with watermarks, late data and checkpoints. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "ckpt.h"
#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "filter.h"
#include "json.h"
#include "kmeta.h"
#include "lineio.h"
#include "out.h"
#include "path.h"
#include "rec.h"
#include "save.h"
#include "sig.h"
#include "state.h"
#include "tm.h"
#include "wm.h"

#define CKPT_VERSION 1
/* RFC 3339 years 0000-9999 */
#define T_MIN (-62167219200000LL)
#define T_MAX 253402300799999LL
#define DUR_MAX (100LL * 366 * 86400 * 1000)
#define MAX_WINDOWS_PER_EVENT 1000

static const char help[] =
	"usage: window [-k KEY[,KEY]] (-s SIZE [-S SLIDE] [--offset OFF] | --session GAP)\n"
	"              [-T FIELD] [-w DELAY] [-a 'FUNC(FIELD) as NAME']... [--emit MODE]\n"
	"              [--trigger DUR] [--late FILE] [--checkpoint FILE [--flush]]\n"
	"              [--idle-advance DUR] [--max-keys N] [FILE...]\n"
	"Aggregate events over event-time windows per key; a row per window when it closes.\n"
	"  -k, --key KEY[,KEY]      group by these fields (default: one group)\n"
	"  -s, --size SIZE          window length (5m, 1h, 250ms, '10 seconds')\n"
	"  -S, --slide SLIDE        distance between window starts (default SIZE: tumbling)\n"
	"      --offset OFF         window alignment relative to the epoch (may be negative)\n"
	"      --session GAP        session windows: a key's events less than GAP apart\n"
	"  -T, --time FIELD         event-time field: RFC 3339 or epoch ms (default timestamp)\n"
	"  -w, --watermark DELAY    allowed lateness: watermark = max event time - DELAY (0)\n"
	"  -a, --agg 'F(X) as N'    count() count(f) sum avg min max first last collect_set\n"
	"                           collect_list count_distinct approx_percentile(f, p[, acc])\n"
	"                           (default: count() as count)\n"
	"      --emit MODE          final (each window once, when it closes), update (changed\n"
	"                           windows every --trigger and when they close), every (a row\n"
	"                           after each event)\n"
	"      --trigger DUR        --emit update interval of processing time (default 1s;\n"
	"                           0: whenever the input is drained)\n"
	"      --late FILE          append late events to FILE\n"
	"      --checkpoint FILE    load state from FILE at start; save it there periodically,\n"
	"                           on SIGTERM/SIGINT and at end of input (instead of writing\n"
	"                           open windows)\n"
	"      --checkpoint-interval DUR  (default 10s)\n"
	"      --flush              with --checkpoint: also write the open windows at the end\n"
	"      --idle-advance DUR   advance the watermark with wall time after DUR of no input\n"
	"      --max-keys N         fail when more than N keys have open windows\n"
	CLI_HELP_INPUT CLI_HELP_BASE;

enum {
	OPT_OFFSET = CLI_OPT_TOOL,
	OPT_SESSION,
	OPT_EMIT,
	OPT_TRIGGER,
	OPT_LATE,
	OPT_CKPT,
	OPT_CKPT_INTERVAL,
	OPT_FLUSH,
	OPT_IDLE,
	OPT_MAX_KEYS,
};

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "size", required_argument, NULL, 's' },
	{ "slide", required_argument, NULL, 'S' },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "session", required_argument, NULL, OPT_SESSION },
	{ "time", required_argument, NULL, 'T' },
	{ "watermark", required_argument, NULL, 'w' },
	{ "agg", required_argument, NULL, 'a' },
	{ "emit", required_argument, NULL, OPT_EMIT },
	{ "trigger", required_argument, NULL, OPT_TRIGGER },
	{ "late", required_argument, NULL, OPT_LATE },
	{ "checkpoint", required_argument, NULL, OPT_CKPT },
	{ "checkpoint-interval", required_argument, NULL, OPT_CKPT_INTERVAL },
	{ "flush", no_argument, NULL, OPT_FLUSH },
	{ "idle-advance", required_argument, NULL, OPT_IDLE },
	{ "max-keys", required_argument, NULL, OPT_MAX_KEYS },
	CLI_LONG_INPUT,
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

struct win {
	struct ws ws;
	struct wm wm;
	struct ckpt_offsets offs;
	struct path tpath;
	struct path *keys;
	size_t nkeys;
	struct agg_spec *aggs;
	size_t naggs;
	struct agg_in *in;
	struct rec r;
	struct buf kb, scratch, kscratch, why;
	struct out out, late;
	bool have_late;
	const char *ckpt, *late_path;
	struct ckpt_meta meta;
	int64_t ckpt_interval, last_ckpt;
	bool flush, changed;
	int64_t trigger, last_trigger;
	int64_t idle_ms;
	int fatal;
	bool max_keys_hit;
	uint64_t lines, events, late_n, skipped;
};

static int save(struct win *w)
{
	struct buf err = BUF_INIT;
	w->last_ckpt = tm_mono_ms();
	/* rows before state: a row the checkpoint counts as written must be out */
	if (out_flush(&w->out) < 0 || (w->have_late && out_flush(&w->late) < 0))
		return -1;
	int rc = save_write(w->ckpt, &w->meta, &w->ws, &w->wm, &w->offs, &err);
	if (rc != CKPT_OK) {
		diag_err("%s", err.p);
		w->fatal = RN_EXIT_RUNTIME;
	}
	w->changed = false;
	buf_free(&err);
	return rc == CKPT_OK ? 0 : -1;
}

/* Timers: --idle-advance, --emit update's trigger, checkpoints. */
static void periodic(struct win *w, bool idle)
{
	int64_t now = tm_mono_ms();
	if (w->out.broken || w->fatal)
		return;
	if (w->idle_ms && wm_idle(&w->wm, now)) {
		ws_close(&w->ws, wm_get(&w->wm));
		w->changed = true;
	}
	if (w->ws.emit == EMIT_UPDATE &&
	    (w->trigger ? now - w->last_trigger >= w->trigger : idle || now != w->last_trigger)) {
		if (w->ws.ndirty)
			w->changed = true;
		ws_trigger(&w->ws);
		w->last_trigger = now;
	}
	if (w->ckpt && w->changed &&
	    (w->ckpt_interval ? now - w->last_ckpt >= w->ckpt_interval : true))
		save(w);
	if (idle) {
		out_flush(&w->out);
		if (w->have_late)
			out_flush(&w->late);
	}
}

static void on_idle(void *ctx)
{
	periodic(ctx, true);
}

static void bad(struct win *w, const struct lr *lr, const char *line, size_t len, const char *fmt,
	const char *arg)
{
	if (fmt) {
		buf_reset(&w->why);
		buf_printf(&w->why, fmt, arg);
	}
	diag_bad(lr->name, lr->lineno, w->why.p, line, len);
}

/* One input line; false when it was bad. */
static bool process(struct win *w, const struct lr *lr, const char *line, size_t len)
{
	struct json_val tv;
	struct kmeta km;
	int64_t t;
	if (!rec_parse(&w->r, line, len, &w->why)) {
		bad(w, lr, line, len, NULL, NULL);
		return false;
	}
	bool has_km = kmeta_get(&w->r, &km, &w->kscratch);
	bool absorb = has_km && w->ckpt;
	if (absorb && ckpt_offsets_seen(&w->offs, &km)) {
		w->skipped++;
		return true;
	}
	bool ok = true;
	if (!rec_get(&w->r, &w->tpath, &tv)) {
		bad(w, lr, line, len, "no event time: field %s is missing", w->tpath.text);
		ok = false;
	} else if (!tm_from_json(tv, &t)) {
		bad(w, lr, line, len, "field %s: not an RFC 3339 time or epoch milliseconds",
			w->tpath.text);
		ok = false;
	} else if (t < T_MIN || t > T_MAX) {
		bad(w, lr, line, len, "field %s: event time outside the years 0000-9999",
			w->tpath.text);
		ok = false;
	}
	if (!ok) {
		if (absorb) {
			ckpt_offsets_absorb(&w->offs, &km);
			w->changed = true;
		}
		return false;
	}
	rec_key(&w->r, w->keys, w->nkeys, &w->kb, &w->scratch); /* missing fields: null */
	agg_prepare(w->aggs, w->naggs, &w->r, t, w->in, &w->scratch);
	enum ws_result res = ws_event(&w->ws, w->kb.p ? w->kb.p : "", w->kb.len, t, w->in, &w->wm);
	if (res == WS_MAXKEYS) {
		diag_err("%s:%llu: more than %zu keys with open windows (--max-keys); key %.*s",
			lr->name, (unsigned long long)lr->lineno, w->ws.max_keys, (int)w->kb.len,
			w->kb.p);
		w->fatal = RN_EXIT_RUNTIME;
		w->max_keys_hit = true;
		return true;
	}
	w->events++;
	w->changed = true;
	if (absorb)
		ckpt_offsets_absorb(&w->offs, &km);
	if (res == WS_LATE) {
		w->late_n++;
		if (w->have_late) {
			buf_add(out_buf(&w->late), line, len);
			out_end_record(&w->late);
		}
	}
	int64_t now = w->idle_ms ? tm_mono_ms() : 0;
	if (wm_observe(&w->wm, has_km ? km.topic : NULL, has_km ? km.tlen : 0,
			has_km ? km.partition : 0, t, now))
		ws_close(&w->ws, wm_get(&w->wm));
	return true;
}

static enum filter_verdict window_line(void *ctx, const struct lr *lr, const char *line,
	size_t len)
{
	struct win *w = ctx;
	bool ok = process(w, lr, line, len);
	if (w->fatal)
		return FILTER_STOP;
	if ((++w->lines & 1023) == 0)
		periodic(w, false);
	return ok ? FILTER_OK : FILTER_BAD;
}

static bool parse_dur(const char *opt, const char *s, int64_t *ms, bool neg, bool zero)
{
	if (zero && !strcmp(s, "0")) {
		*ms = 0;
		return true;
	}
	if (!tm_parse_duration(s, ms, neg) || *ms > DUR_MAX || *ms < -DUR_MAX || (!zero && *ms == 0)) {
		cli_usage("%s: not a %sduration: %s", opt, zero ? "" : "positive ", s);
		return false;
	}
	return true;
}

static char *fingerprint(const struct win *w, const char *tfield)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "time=%s keys=", tfield);
	for (size_t i = 0; i < w->nkeys; i++)
		buf_printf(&b, "%s%s", i ? "," : "", w->keys[i].text);
	if (w->ws.mode == WS_SESSION)
		buf_printf(&b, " session=%lld", (long long)w->ws.gap);
	else
		buf_printf(&b, " size=%lld slide=%lld offset=%lld", (long long)w->ws.size,
			(long long)w->ws.slide, (long long)w->ws.offset);
	buf_printf(&b, " delay=%lld aggs=", (long long)w->wm.delay);
	for (size_t i = 0; i < w->naggs; i++)
		buf_printf(&b, "%s%s", i ? ";" : "", w->aggs[i].canon);
	return b.p;
}

static void finish(struct win *w)
{
	if (w->out.broken)
		return;
	if (w->max_keys_hit) {
		/* the windows closed so far are out; the open ones stay in the checkpoint */
		if (w->ckpt) {
			w->fatal = 0;
			save(w);
			w->fatal = RN_EXIT_RUNTIME;
		}
		return;
	}
	if (w->fatal)
		return;
	if (w->ckpt) {
		if (w->flush)
			ws_write_open(&w->ws);
		else if (w->ws.emit == EMIT_UPDATE)
			ws_trigger(&w->ws); /* a last trigger: the changes so far are out */
		save(w);
	} else {
		ws_close(&w->ws, INT64_MAX);
	}
}

static void win_free(struct win *w)
{
	ws_free(&w->ws);
	wm_free(&w->wm);
	ckpt_offsets_free(&w->offs);
	rec_free(&w->r);
	for (size_t i = 0; i < w->nkeys; i++) {
		path_free(&w->keys[i]);
		if (w->ws.key_names)
			free(w->ws.key_names[i]);
	}
	free(w->keys);
	free(w->ws.key_names);
	for (size_t i = 0; i < w->naggs; i++)
		agg_spec_free(&w->aggs[i]);
	free(w->aggs);
	free(w->in);
	free((char *)w->meta.params);
	path_free(&w->tpath);
	buf_free(&w->kb);
	buf_free(&w->scratch);
	buf_free(&w->kscratch);
	buf_free(&w->why);
	agg_cleanup();
}

/* Options, checks and the checkpoint; CLI_CONTINUE or the exit status. */
static int setup(struct win *w, int argc, char **argv, int *nfiles)
{
	const char *tfield = "timestamp", *err;
	int64_t size = 0, slide = 0, offset = 0, gap = 0, delay = 0;
	bool have_offset = false;
	long long n;
	struct buf e = BUF_INIT;
	int c, r;

	w->ckpt_interval = 10000;
	w->trigger = 1000;
	ws_init(&w->ws);
	while ((c = getopt_long(argc, argv, "k:s:S:T:w:a:" CLI_SHORT_INPUT CLI_SHORT_BASE, longopts,
			NULL)) != -1) {
		switch (c) {
		case 'k':
			for (const char *s = optarg;;) {
				const char *comma = strchr(s, ',');
				char *one = comma ? xstrndup(s, (size_t)(comma - s)) : xstrdup(s);
				w->keys = xrealloc(w->keys, (w->nkeys + 1) * sizeof *w->keys);
				if (!path_parse(&w->keys[w->nkeys], one, &err)) {
					r = cli_usage("-k %s: %s", one, err);
					free(one);
					return r;
				}
				w->nkeys++;
				free(one);
				if (!comma)
					break;
				s = comma + 1;
			}
			break;
		case 's':
			if (!parse_dur("-s", optarg, &size, false, false))
				return RN_EXIT_USAGE;
			break;
		case 'S':
			if (!parse_dur("-S", optarg, &slide, false, false))
				return RN_EXIT_USAGE;
			break;
		case OPT_OFFSET:
			if (!parse_dur("--offset", optarg, &offset, true, true))
				return RN_EXIT_USAGE;
			have_offset = true;
			break;
		case OPT_SESSION:
			if (!parse_dur("--session", optarg, &gap, false, false))
				return RN_EXIT_USAGE;
			break;
		case 'T':
			tfield = optarg;
			break;
		case 'w':
			if (!parse_dur("-w", optarg, &delay, false, true))
				return RN_EXIT_USAGE;
			break;
		case 'a':
			buf_reset(&e);
			if (!agg_parse(optarg, &w->aggs, &w->naggs, &e)) {
				r = cli_usage("-a %s: %s", optarg, e.p);
				buf_free(&e);
				return r;
			}
			break;
		case OPT_EMIT:
			if (!strcmp(optarg, "final"))
				w->ws.emit = EMIT_FINAL;
			else if (!strcmp(optarg, "update"))
				w->ws.emit = EMIT_UPDATE;
			else if (!strcmp(optarg, "every"))
				w->ws.emit = EMIT_EVERY;
			else
				return cli_usage("--emit: expected final, update or every: %s", optarg);
			break;
		case OPT_TRIGGER:
			if (!parse_dur("--trigger", optarg, &w->trigger, false, true))
				return RN_EXIT_USAGE;
			break;
		case OPT_LATE:
			w->late_path = optarg;
			break;
		case OPT_CKPT:
			w->ckpt = optarg;
			break;
		case OPT_CKPT_INTERVAL:
			if (!parse_dur("--checkpoint-interval", optarg, &w->ckpt_interval, false, true))
				return RN_EXIT_USAGE;
			break;
		case OPT_FLUSH:
			w->flush = true;
			break;
		case OPT_IDLE:
			if (!parse_dur("--idle-advance", optarg, &w->idle_ms, false, false))
				return RN_EXIT_USAGE;
			break;
		case OPT_MAX_KEYS:
			if (!cli_parse_count(optarg, &n) || n < 1)
				return cli_usage("--max-keys: not a positive count: %s", optarg);
			w->ws.max_keys = (size_t)n;
			break;
		default:
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE) {
				buf_free(&e);
				return r;
			}
		}
	}
	buf_free(&e);
	*nfiles = argc - optind;

	if (gap && (size || slide || have_offset))
		return cli_usage("--session cannot be combined with -s, -S or --offset");
	if (!gap && !size)
		return cli_usage("a window is required: -s SIZE [-S SLIDE] or --session GAP");
	if (!gap) {
		if (!slide)
			slide = size;
		if (slide > size)
			return cli_usage("-S %lld ms is longer than -s %lld ms: events between windows "
				"would belong to none", (long long)slide, (long long)size);
		if ((size + slide - 1) / slide > MAX_WINDOWS_PER_EVENT)
			return cli_usage("-s/-S: each event would be in more than %d windows",
				MAX_WINDOWS_PER_EVENT);
		offset %= slide;
		if (offset < 0)
			offset += slide;
	}
	if (w->flush && !w->ckpt)
		return cli_usage("--flush only makes sense with --checkpoint");
	if (!path_parse(&w->tpath, tfield, &err))
		return cli_usage("-T %s: %s", tfield, err);
	if (!w->naggs && !agg_parse("count() as count", &w->aggs, &w->naggs, &e))
		return RN_EXIT_USAGE;
	for (size_t i = 0; i < w->naggs; i++)
		w->aggs[i].is_time = w->aggs[i].field && !strcmp(w->aggs[i].field->text, w->tpath.text);
	w->ws.mode = gap ? WS_SESSION : WS_FIXED;
	w->ws.size = size;
	w->ws.slide = slide;
	w->ws.offset = offset;
	w->ws.gap = gap;
	w->ws.aggs = w->aggs;
	w->ws.naggs = w->naggs;
	w->ws.nkeys = w->nkeys;
	w->ws.key_names = xcalloc(w->nkeys + 1, sizeof *w->ws.key_names);
	for (size_t i = 0; i < w->nkeys; i++) {
		size_t ll;
		const char *leaf = path_leaf(&w->keys[i], &ll);
		w->ws.key_names[i] = xstrndup(leaf, ll);
	}
	w->ws.out = &w->out;
	w->in = xcalloc(w->naggs, sizeof *w->in);
	wm_init(&w->wm, delay, w->idle_ms, tm_mono_ms());
	ckpt_offsets_init(&w->offs);
	rec_init(&w->r);
	w->meta.tool = "window";
	w->meta.version = CKPT_VERSION;
	w->meta.params = fingerprint(w, tfield);

	if (w->ckpt) {
		int st = save_read(w->ckpt, &w->meta, &w->ws, &w->wm, &w->offs, tm_mono_ms(), &e);
		if (st != CKPT_OK && st != CKPT_ABSENT) {
			diag_err("%s", e.p);
			buf_free(&e);
			return st == CKPT_IOERR ? RN_EXIT_RUNTIME : RN_EXIT_CONFIG;
		}
		if (st == CKPT_OK)
			diag_info("resumed from %s: %zu open windows, watermark %lld", w->ckpt,
				w->ws.npanes, (long long)wm_get(&w->wm));
		buf_free(&e);
	}
	if (cli.reject && diag_reject_open(cli.reject) < 0)
		return RN_EXIT_RUNTIME;
	return CLI_CONTINUE;
}

int main(int argc, char **argv)
{
	struct win w;
	int nfiles = 0, rc;

	cli_init(argv);
	memset(&w, 0, sizeof w);
	rc = setup(&w, argc, argv, &nfiles);
	if (rc != CLI_CONTINUE) {
		win_free(&w);
		return rc;
	}
	argv += argc - nfiles;
	rc = RN_EXIT_OK;
	out_init(&w.out, 1, "stdout", cli.unbuffered);
	if (w.late_path) {
		if (out_open(&w.late, w.late_path, true) < 0) {
			diag_err("cannot open %s: %s", w.late_path, strerror(errno));
			out_close(&w.out);
			win_free(&w);
			return RN_EXIT_RUNTIME;
		}
		w.have_late = true;
	}
	w.last_ckpt = w.last_trigger = tm_mono_ms();

	int64_t tick = 1000;
	if (w.idle_ms && w.idle_ms / 4 < tick)
		tick = w.idle_ms / 4;
	if (w.ws.emit == EMIT_UPDATE && w.trigger && w.trigger < tick)
		tick = w.trigger;
	if (w.ckpt && w.ckpt_interval && w.ckpt_interval < tick)
		tick = w.ckpt_interval;
	struct filter f = { .line = window_line, .ctx = &w, .out = &w.out, .idle = on_idle,
		.tick = on_idle, .tick_ms = tick < 10 ? 10 : (int)tick };
	rc = filter_files(&f, nfiles, argv);
	finish(&w);
	if (w.fatal)
		rc = w.fatal;
	if (out_close(&w.out) < 0 && w.out.err && !w.out.broken) {
		diag_err("stdout: %s", strerror(w.out.err));
		rc = RN_EXIT_RUNTIME;
	}
	if (w.have_late && out_close(&w.late) < 0) {
		diag_err("cannot write %s: %s", w.late_path,
			strerror(w.late.err ? w.late.err : EIO));
		rc = RN_EXIT_RUNTIME;
	}
	if (diag_finish() < 0)
		rc = RN_EXIT_RUNTIME;
	diag_info("lines=%llu events=%llu late=%llu replayed=%llu rejected=%llu rows=%llu "
		"open=%zu keys=%zu state=%zu bytes", (unsigned long long)f.lines,
		(unsigned long long)w.events, (unsigned long long)w.late_n,
		(unsigned long long)w.skipped, (unsigned long long)diag_bad_count(),
		(unsigned long long)w.ws.rows, w.ws.npanes, w.ws.keys.n, ws_bytes(&w.ws));
	win_free(&w);
	return rc;
}
