/* detect: rules, stateful per-key scoring and sequence patterns over NDJSON. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "cli.h"
#include "detect.h"
#include "diag.h"
#include "exitcode.h"
#include "filter.h"
#include "jw.h"
#include "kmeta.h"
#include "lineio.h"
#include "out.h"
#include "pending.h"
#include "save.h"
#include "sig.h"
#include "tm.h"
#include "wm.h"

static const char help[] =
	"usage: detect [-r 'NAME: EXPR']... [-f RULES]... [--pass] [--cooldown DUR] [--by FIELD]\n"
	"              [-T FIELD] [-w DELAY] [--late FILE] [--emit-state] [--state-ttl DUR]\n"
	"              [--max-partial N] [--checkpoint FILE [--flush]] [FILE...]\n"
	"Writes the records that match rules, each with \"rule\":NAME added, and an alert\n"
	"record for each sequence pattern matched.\n"
	"  -r, --rule LINE          a rule 'NAME: EXPR' (or any rules-file line)\n"
	"  -f, --rules FILE         rules file: rules, state, update, by and pattern lines\n"
	"      --pass               write every record, with \"alerts\":[NAMES]\n"
	"      --cooldown DUR       after an alert, suppress the same rule for the same key\n"
	"                           for DUR of event time\n"
	"      --by FIELD           key for state, cooldowns and patterns (overrides 'by')\n"
	"  -T, --time FIELD         event time field (default timestamp)\n"
	"  -w, --watermark DELAY    hold events back and process them in event-time order;\n"
	"                           watermark = max event time - DELAY\n"
	"      --late FILE          with -w: append events behind the watermark to FILE\n"
	"      --emit-state         after each event, write its key's state variables\n"
	"      --state-ttl DUR      forget keys idle for DUR of event time\n"
	"      --max-partial N      partial matches kept per pattern and key (default 1000)\n"
	"      --checkpoint FILE    load state from FILE at start; save it periodically,\n"
	"                           on SIGTERM and at the end\n"
	"      --checkpoint-interval DUR  (default 10s)\n"
	"      --flush              with --checkpoint: process held-back events at the end\n"
	CLI_HELP_INPUT CLI_HELP_BASE;

enum {
	OPT_PASS = CLI_OPT_TOOL,
	OPT_COOLDOWN,
	OPT_BY,
	OPT_LATE,
	OPT_EMIT_STATE,
	OPT_TTL,
	OPT_MAX_PARTIAL,
	OPT_CKPT,
	OPT_CKPT_INTERVAL,
	OPT_FLUSH,
};

static const struct option longopts[] = {
	{ "rule", required_argument, NULL, 'r' },
	{ "rules", required_argument, NULL, 'f' },
	{ "pass", no_argument, NULL, OPT_PASS },
	{ "cooldown", required_argument, NULL, OPT_COOLDOWN },
	{ "by", required_argument, NULL, OPT_BY },
	{ "time", required_argument, NULL, 'T' },
	{ "watermark", required_argument, NULL, 'w' },
	{ "late", required_argument, NULL, OPT_LATE },
	{ "emit-state", no_argument, NULL, OPT_EMIT_STATE },
	{ "state-ttl", required_argument, NULL, OPT_TTL },
	{ "max-partial", required_argument, NULL, OPT_MAX_PARTIAL },
	{ "checkpoint", required_argument, NULL, OPT_CKPT },
	{ "checkpoint-interval", required_argument, NULL, OPT_CKPT_INTERVAL },
	{ "flush", no_argument, NULL, OPT_FLUSH },
	CLI_LONG_INPUT,
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

/* Times outside the years 0000-9999 are refused, as window does. */
#define T_MIN (-62167219200000LL)
#define T_MAX (253402300799999LL)
#define DUR_MAX (100LL * 365 * 86400 * 1000)

struct match {
	struct pattern *p;
	struct kent *k;
};

struct dt {
	struct rules R;
	struct path tpath;
	bool need_time, pass, emit_state, reorder, flush, changed;
	int64_t cooldown, ttl;
	size_t max_runs;
	struct wm wm;
	struct pending pend;
	struct out out, late;
	bool have_late;
	struct ckpt_offsets offs;
	const char *ckpt;
	struct ckpt_meta meta;
	int64_t ckpt_interval, last_ckpt;
	struct rec r, r2;
	struct buf why, scratch, kscratch;
	struct expr_val *nullvars;
	int64_t maxt, next_sweep, sweep_every;
	size_t since_sweep;
	size_t *fired;
	struct match *matches;
	int fatal;
	uint64_t lines, events, alerts, suppressed, late_n, replayed;
};

static bool cool_ok(struct dt *d, struct kent *k, size_t alert, int64_t t)
{
	if (!d->cooldown || !k)
		return true;
	int64_t c = k->cool[alert];
	if (c != COOL_NONE && t < c + d->cooldown && t > c - d->cooldown) {
		d->suppressed++;
		return false;
	}
	if (c == COOL_NONE || t > c)
		k->cool[alert] = t;
	return true;
}

/* The input record with one more member: `"NAME":` then what the caller appends. */
static void row_open(struct buf *b, const struct rec *r, const char *member)
{
	buf_add(b, r->obj.p, r->obj.len - 1);
	if (r->nf)
		buf_addc(b, ',');
	buf_addc(b, '"');
	buf_adds(b, member);
	buf_adds(b, "\":");
}

static bool end_record(struct dt *d)
{
	d->alerts++;
	if (out_end_record(&d->out) < 0 && d->out.broken)
		return false;
	return true;
}

static void key_member(struct buf *b, const struct keyspace *ks, const struct kent *k)
{
	if (!ks->by)
		return;
	jw_key(b, ks->leaf, ks->leaflen);
	buf_add(b, k->key, k->klen);
}

static bool write_match(struct dt *d, const struct match *m, int64_t t)
{
	const struct run *run = m->p->match;
	struct buf *b = out_buf(&d->out);
	buf_addc(b, '{');
	jw_keyz(b, "rule");
	jw_strz(b, m->p->name);
	key_member(b, m->p->ks, m->k);
	jw_keyz(b, "events");
	buf_addc(b, '[');
	for (uint32_t i = 0; i < run->nev; i++) {
		jw_sep(b);
		jw_time(b, run->ev[i]);
	}
	buf_addc(b, ']');
	jw_keyz(b, "start");
	jw_time(b, run->start);
	jw_keyz(b, "end");
	jw_time(b, t);
	jw_keyz(b, "count");
	jw_i64(b, (int64_t)run->total);
	buf_addc(b, '}');
	return end_record(d);
}

static bool write_state(struct dt *d, struct kent *k)
{
	struct buf *b = out_buf(&d->out);
	buf_addc(b, '{');
	key_member(b, d->R.main, k);
	for (size_t i = 0; i < d->R.nvar; i++) {
		jw_keyz(b, d->R.var[i].name);
		expr_jw(b, &k->vars[i]);
	}
	buf_addc(b, '}');
	if (out_end_record(&d->out) < 0 && d->out.broken)
		return false;
	return true;
}

/* One event, in processing order: updates, rules, patterns, then output. */
static void process(struct dt *d, const struct rec *r, int64_t t)
{
	struct rules *R = &d->R;
	d->changed = true;
	if (d->need_time) {
		if (t > d->maxt)
			d->maxt = t;
		/* sweeps are spaced in event time, and by events so their cost per event
		   stays constant however many keys there are */
		d->since_sweep++;
		if (d->sweep_every && d->maxt >= d->next_sweep &&
		    d->since_sweep * 4 >= ks_count(R)) {
			ks_sweep(R, d->maxt, d->ttl, d->cooldown);
			d->next_sweep = d->maxt + d->sweep_every;
			d->since_sweep = 0;
		}
	}
	struct kent *mk = R->main ? ks_get(R, R->main, r, t, &d->scratch, true) : NULL;
	if (mk && R->nupd)
		ks_update(R, mk, r);
	struct expr_env env = { r, mk && mk->vars ? mk->vars : d->nullvars, 0 };
	size_t nf = 0, nm = 0;
	for (size_t i = 0; i < R->nrule; i++)
		if (expr_test(R->rule[i].e, &env) && cool_ok(d, mk, i, t))
			d->fired[nf++] = i;
	for (size_t i = 0; i < R->npat; i++) {
		struct pattern *p = &R->pat[i];
		struct kent *k = mk;
		if (p->ks != R->main) {
			/* a key without partial matches needs an entry only to start one */
			k = ks_get(R, p->ks, r, t, &d->scratch, false);
			if (!k && pat_can_start(p, &env))
				k = ks_get(R, p->ks, r, t, &d->scratch, true);
		}
		if (k && pat_event(R, p, &k->runs[i], &env, t, d->max_runs) &&
		    cool_ok(d, k, p->alert, t)) {
			d->matches[nm].p = p;
			d->matches[nm++].k = k;
		}
	}
	struct buf *b = out_buf(&d->out);
	if (d->pass) {
		row_open(b, r, "alerts");
		buf_addc(b, '[');
		for (size_t i = 0; i < nf; i++) {
			jw_sep(b);
			jw_strz(b, R->rule[d->fired[i]].name);
		}
		for (size_t i = 0; i < nm; i++) {
			jw_sep(b);
			jw_strz(b, d->matches[i].p->name);
		}
		buf_adds(b, "]}");
		if (out_end_record(&d->out) < 0 && d->out.broken)
			return;
		d->alerts += nf;
	} else {
		for (size_t i = 0; i < nf; i++) {
			row_open(b, r, "rule");
			jw_strz(b, R->rule[d->fired[i]].name);
			buf_addc(b, '}');
			if (!end_record(d))
				return;
		}
	}
	for (size_t i = 0; i < nm; i++)
		if (!write_match(d, &d->matches[i], t))
			return;
	if (d->emit_state && mk)
		write_state(d, mk);
}

/* Processes held-back events up to the watermark (all with INT64_MAX). */
static void release(struct dt *d, int64_t upto)
{
	const struct pend *top;
	struct buf why = BUF_INIT;
	while (!d->out.broken && (top = pend_top(&d->pend)) && top->t <= upto) {
		struct pend *e = pend_pop(&d->pend);
		if (rec_parse(&d->r2, e->line.p, e->line.len, &why))
			process(d, &d->r2, e->t);
		pend_recycle(&d->pend, e);
	}
	buf_free(&why);
}

static int save(struct dt *d)
{
	struct buf err = BUF_INIT;
	d->last_ckpt = tm_mono_ms();
	/* records before state: what the checkpoint counts as done must be out */
	if (out_flush(&d->out) < 0 || (d->have_late && out_flush(&d->late) < 0))
		return -1;
	struct save_ctx s = { &d->R, &d->wm, &d->offs, &d->pend, &d->maxt };
	int rc = save_write(d->ckpt, &d->meta, &s, &err);
	if (rc != CKPT_OK) {
		diag_err("%s", err.p);
		d->fatal = RN_EXIT_RUNTIME;
	}
	d->changed = false;
	buf_free(&err);
	return rc == CKPT_OK ? 0 : -1;
}

static void periodic(struct dt *d, bool idle)
{
	if (d->out.broken || d->fatal)
		return;
	if (d->ckpt && d->changed &&
	    (d->ckpt_interval ? tm_mono_ms() - d->last_ckpt >= d->ckpt_interval : idle))
		save(d);
	if (idle) {
		out_flush(&d->out);
		if (d->have_late)
			out_flush(&d->late);
	}
}

static void on_idle(void *ctx)
{
	periodic(ctx, true);
}

static bool bad(struct dt *d, const struct lr *lr, const char *line, size_t len, const char *fmt,
	const char *arg)
{
	if (fmt) {
		buf_reset(&d->why);
		buf_printf(&d->why, fmt, arg);
	}
	diag_bad(lr->name, lr->lineno, d->why.p, line, len);
	return false;
}

/* One input line; false when it was bad. */
static bool accept(struct dt *d, const struct lr *lr, const char *line, size_t len)
{
	struct json_val tv;
	struct kmeta km;
	int64_t t = 0;
	if (!rec_parse(&d->r, line, len, &d->why))
		return bad(d, lr, line, len, NULL, NULL);
	bool has_km = (d->ckpt || d->reorder) && kmeta_get(&d->r, &km, &d->kscratch);
	bool absorb = has_km && d->ckpt && km.has_offset;
	if (absorb && ckpt_offsets_seen(&d->offs, &km)) {
		d->replayed++;
		return true;
	}
	if (d->need_time) {
		const char *why = NULL;
		if (!rec_get(&d->r, &d->tpath, &tv))
			why = "no event time: field %s is missing";
		else if (!tm_from_json(tv, &t))
			why = "field %s: not an RFC 3339 time or epoch milliseconds";
		else if (t < T_MIN || t > T_MAX)
			why = "field %s: event time outside the years 0000-9999";
		if (why) {
			if (absorb) {
				ckpt_offsets_absorb(&d->offs, &km);
				d->changed = true;
			}
			return bad(d, lr, line, len, why, d->tpath.text);
		}
	}
	d->events++;
	if (!d->reorder) {
		process(d, &d->r, t);
	} else if (wm_get(&d->wm) != WM_NONE && t < wm_get(&d->wm)) {
		d->late_n++;
		d->changed = true;
		if (d->have_late) {
			buf_add(out_buf(&d->late), line, len);
			out_end_record(&d->late);
		}
	} else {
		pend_push(&d->pend, t, d->pend.seq, line, len);
		d->changed = true;
		wm_observe(&d->wm, has_km ? km.topic : NULL, has_km ? km.tlen : 0,
			has_km ? km.partition : 0, t, 0);
		release(d, wm_get(&d->wm));
	}
	if (absorb)
		ckpt_offsets_absorb(&d->offs, &km);
	return true;
}

static enum filter_verdict detect_line(void *ctx, const struct lr *lr, const char *line,
	size_t len)
{
	struct dt *d = ctx;
	bool ok = accept(d, lr, line, len);
	if (d->fatal)
		return FILTER_STOP;
	if ((++d->lines & 1023) == 0)
		periodic(d, false);
	return ok ? FILTER_OK : FILTER_BAD;
}

static bool parse_dur(const char *opt, const char *s, int64_t *ms)
{
	if (!tm_parse_duration(s, ms, false) || *ms > DUR_MAX || *ms <= 0) {
		cli_usage("%s: not a positive duration: %s", opt, s);
		return false;
	}
	return true;
}

/* What a checkpoint depends on: restoring it under other rules would be wrong. */
static char *fingerprint(const struct dt *d, const char *by)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "time=%s by=%s delay=%lld cooldown=%lld ttl=%lld rules=%016llx",
		d->tpath.text, by ? by : "", (long long)(d->reorder ? d->wm.delay : -1),
		(long long)d->cooldown, (long long)d->ttl,
		(unsigned long long)htab_hash(d->R.text.p ? d->R.text.p : "", d->R.text.len));
	return b.p;
}

static void finish(struct dt *d)
{
	if (d->out.broken || d->fatal)
		return;
	if (!d->ckpt || d->flush)
		release(d, INT64_MAX);
	if (d->ckpt)
		save(d);
}

int main(int argc, char **argv)
{
	struct dt d;
	const char *tfield = "timestamp", *late = NULL, *by = NULL, *err;
	int64_t delay = -1;
	long long n;
	int c, r, rc = RN_EXIT_OK;
	bool have_rules = false;
	char *params = NULL;

	cli_init(argv);
	memset(&d, 0, sizeof d);
	rules_init(&d.R);
	d.max_runs = 1000;
	d.ckpt_interval = 10000;
	while ((c = getopt_long(argc, argv, "r:f:T:w:" CLI_SHORT_INPUT CLI_SHORT_BASE, longopts,
			NULL)) != -1) {
		switch (c) {
		case 'r':
			rules_add(&d.R, NULL, 0, optarg);
			have_rules = true;
			break;
		case 'f':
			if (rules_read(&d.R, optarg) < 0) {
				rc = RN_EXIT_CONFIG;
				goto out;
			}
			have_rules = true;
			break;
		case OPT_PASS:
			d.pass = true;
			break;
		case OPT_COOLDOWN:
			if (!parse_dur("--cooldown", optarg, &d.cooldown)) {
				rc = RN_EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_BY:
			by = optarg;
			break;
		case 'T':
			tfield = optarg;
			break;
		case 'w':
			if (!tm_parse_duration(optarg, &delay, false) || delay > DUR_MAX) {
				rc = cli_usage("-w: not a duration: %s", optarg);
				goto out;
			}
			break;
		case OPT_LATE:
			late = optarg;
			break;
		case OPT_EMIT_STATE:
			d.emit_state = true;
			break;
		case OPT_TTL:
			if (!parse_dur("--state-ttl", optarg, &d.ttl)) {
				rc = RN_EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_MAX_PARTIAL:
			if (!cli_parse_count(optarg, &n) || n < 1 || n > 1000000) {
				rc = cli_usage("--max-partial: expected 1..1000000: %s", optarg);
				goto out;
			}
			d.max_runs = (size_t)n;
			break;
		case OPT_CKPT:
			d.ckpt = optarg;
			break;
		case OPT_CKPT_INTERVAL:
			if (!strcmp(optarg, "0"))
				d.ckpt_interval = 0;
			else if (!tm_parse_duration(optarg, &d.ckpt_interval, false) ||
			    d.ckpt_interval > DUR_MAX) {
				rc = cli_usage("--checkpoint-interval: not a duration: %s", optarg);
				goto out;
			}
			break;
		case OPT_FLUSH:
			d.flush = true;
			break;
		default:
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE) {
				rc = r;
				goto out;
			}
		}
	}
	argc -= optind;
	argv += optind;
	if (!have_rules) {
		rc = cli_usage("no rules: give -r 'NAME: EXPR' or -f RULES");
		goto out;
	}
	if (late && delay < 0) {
		rc = cli_usage("--late needs -w");
		goto out;
	}
	if (d.flush && !d.ckpt) {
		rc = cli_usage("--flush only makes sense with --checkpoint");
		goto out;
	}
	if (!path_parse(&d.tpath, tfield, &err)) {
		rc = cli_usage("-T %s: %s", tfield, err);
		goto out;
	}
	if (rules_compile(&d.R) < 0) {
		rc = RN_EXIT_CONFIG;
		goto out;
	}
	if (d.emit_state && !d.R.nvar) {
		rc = cli_usage("--emit-state needs state variables ('state NAME = VALUE')");
		goto out;
	}
	if (!d.R.nrule && !d.R.npat && !d.emit_state) {
		rc = cli_usage("the rules define no rule, no pattern, and --emit-state is not set");
		goto out;
	}
	d.R.cooldown = d.cooldown > 0;
	d.R.ttl = d.ttl;
	if (ks_setup(&d.R, by, d.cooldown && d.R.nrule) < 0) {
		rc = RN_EXIT_USAGE;
		goto out;
	}
	d.reorder = delay >= 0;
	d.need_time = d.R.npat || d.cooldown || d.ttl || d.reorder;
	d.maxt = INT64_MIN;
	if (d.ttl || d.R.npat || d.cooldown) {
		int64_t every = d.ttl ? d.ttl : d.cooldown ? d.cooldown : 60000;
		for (size_t i = 0; i < d.R.npat; i++)
			if (d.R.pat[i].within && d.R.pat[i].within < every)
				every = d.R.pat[i].within;
		every /= 4;
		d.sweep_every = every < 1000 ? 1000 : every;
		d.next_sweep = INT64_MIN;
	}
	d.nullvars = xcalloc(d.R.nvar + 1, sizeof *d.nullvars);
	d.fired = xcalloc(d.R.nrule + 1, sizeof *d.fired);
	d.matches = xcalloc(d.R.npat + 1, sizeof *d.matches);
	wm_init(&d.wm, d.reorder ? delay : 0, 0, tm_mono_ms());
	ckpt_offsets_init(&d.offs);
	rec_init(&d.r);
	rec_init(&d.r2);
	params = fingerprint(&d, by ? by : d.R.by);
	d.meta = (struct ckpt_meta){ "detect", 1, params };
	if (d.ckpt) {
		struct buf e = BUF_INIT;
		struct save_ctx s = { &d.R, &d.wm, &d.offs, &d.pend, &d.maxt };
		int st = save_read(d.ckpt, &d.meta, &s, &e);
		if (st != CKPT_OK && st != CKPT_ABSENT) {
			diag_err("%s", e.p);
			buf_free(&e);
			rc = st == CKPT_IOERR ? RN_EXIT_RUNTIME : RN_EXIT_CONFIG;
			goto out;
		}
		if (st == CKPT_OK)
			diag_info("resumed from %s: %zu keys, %zu held-back events", d.ckpt,
				ks_count(&d.R), d.pend.n);
		buf_free(&e);
	}
	if (cli.reject && diag_reject_open(cli.reject) < 0) {
		rc = RN_EXIT_RUNTIME;
		goto out;
	}
	if (late) {
		if (out_open(&d.late, late, true) < 0) {
			diag_err("cannot open %s: %s", late, strerror(errno));
			rc = RN_EXIT_RUNTIME;
			goto out;
		}
		d.have_late = true;
	}
	d.last_ckpt = tm_mono_ms();
	out_init(&d.out, 1, "stdout", cli.unbuffered);
	struct filter f = { .line = detect_line, .ctx = &d, .out = &d.out, .idle = on_idle };
	if (d.ckpt && d.ckpt_interval) {
		int64_t tick = d.ckpt_interval < 1000 ? d.ckpt_interval : 1000;
		f.tick = on_idle;
		f.tick_ms = tick < 10 ? 10 : (int)tick;
	}
	rc = filter_files(&f, argc, argv);
	if (rc != RN_EXIT_REJECT)
		finish(&d);
	if (d.fatal && !rc)
		rc = d.fatal;
	if (out_close(&d.out) < 0 && d.out.err && !rc)
		rc = RN_EXIT_RUNTIME;
	if (d.have_late && out_close(&d.late) < 0 && !rc) {
		diag_err("cannot write %s: %s", late, strerror(d.late.err ? d.late.err : EIO));
		rc = RN_EXIT_RUNTIME;
	}
	if (d.R.runs_dropped)
		diag_warn("%llu partial matches dropped at --max-partial %zu",
			(unsigned long long)d.R.runs_dropped, d.max_runs);
	diag_info("lines=%llu events=%llu alerts=%llu suppressed=%llu late=%llu replayed=%llu "
		"rejected=%llu keys=%zu", (unsigned long long)f.lines,
		(unsigned long long)d.events, (unsigned long long)d.alerts,
		(unsigned long long)d.suppressed, (unsigned long long)d.late_n,
		(unsigned long long)d.replayed, (unsigned long long)diag_bad_count(),
		ks_count(&d.R));
out:
	if (diag_finish() < 0 && !rc)
		rc = RN_EXIT_RUNTIME;
	free(params);
	free(d.nullvars);
	free(d.fired);
	free(d.matches);
	pend_free(&d.pend);
	wm_free(&d.wm);
	ckpt_offsets_free(&d.offs);
	rec_free(&d.r);
	rec_free(&d.r2);
	buf_free(&d.why);
	buf_free(&d.scratch);
	buf_free(&d.kscratch);
	path_free(&d.tpath);
	rules_free(&d.R);
	pat_cleanup();
	return rc;
}
