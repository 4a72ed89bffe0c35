/* prom-push: keep Prometheus metrics from records; push, write or serve them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "filter.h"
#include "lineio.h"
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

static void bad(struct pp *p, const struct lr *lr, const char *why, const char *line, size_t len)
{
	diag_bad(lr->name, lr->lineno, why, line, len);
	pthread_mutex_lock(&p->mu);
	p->nrej++;
	if (p->self)
		p->s_rej->value++;
	pthread_mutex_unlock(&p->mu);
}

static enum filter_verdict pp_input(struct pp *p, const struct lr *lr, const char *line,
	size_t len, bool toolong)
{
	bool ok;
	buf_reset(&p->err);
	pthread_mutex_lock(&p->mu);
	p->nin++;
	if (p->self)
		p->s_in->value++;
	if (toolong) {
		buf_adds(&p->err, "line longer than --max-line");
		ok = false;
	} else if (!rec_parse(&p->r, line, len, &p->err)) {
		ok = false;
	} else {
		ok = p->nmaps ? apply_maps(p, &p->r) : apply_record(p, &p->r);
	}
	pthread_mutex_unlock(&p->mu);
	p->dirty = true;
	if (!ok)
		bad(p, lr, p->err.p, line, len);
	if ((p->nin & 1023) == 0 && flushing(p)) {
		int64_t now = tm_mono_ms();
		if (now >= p->next_try && now - p->last_flush >= p->interval)
			flush(p);
	}
	return ok ? FILTER_OK : FILTER_BAD;
}

static enum filter_verdict pp_line(void *ctx, const struct lr *lr, const char *line, size_t len)
{
	return pp_input(ctx, lr, line, len, false);
}

static enum filter_verdict pp_toolong(void *ctx, const struct lr *lr, const char *line,
	size_t len)
{
	return pp_input(ctx, lr, line, len, true);
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
		struct filter f = { .line = pp_line, .toolong = pp_toolong, .ctx = p,
			.idle = on_tick, .tick = on_tick,
			.tick_ms = p->gap < 100 ? (int)p->gap : 100 };
		rec_init(&p->r);
		rc = filter_files(&f, argc, argv);
		rec_free(&p->r);
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

	cli_init(argv);
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
