/* enrich: lookup joins against a table, and interval joins with a second stream. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "enrich.h"
#include "exitcode.h"
#include "filter.h"
#include "ijoin.h"
#include "lineio.h"
#include "sig.h"
#include "tm.h"

static const char help[] =
	"usage: enrich --table FILE --on FIELD[=TABLE_FIELD][,...] [--csv]\n"
	"              [--prefix P | --as NAME] [--inner] [FILE...]\n"
	"       enrich --stream FILE --on FIELD[=OTHER_FIELD][,...] --within LO..HI\n"
	"              [--time FIELD] [--other-time FIELD] [-w DELAY] [--other-w DELAY]\n"
	"              [--left-outer] [--prefix P | --as NAME]\n"
	"Join each event with a row of a lookup table, or with the events of a second\n"
	"stream whose time lies within an interval of the event's time.\n"
	"  -t, --table FILE       NDJSON or CSV (with header) table, loaded into memory;\n"
	"                         SIGHUP reloads it\n"
	"      --csv              read the table as CSV whatever its name\n"
	"  -o, --on KEYS          join key fields, event=other when the names differ\n"
	"  -p, --prefix P         merge the other side's fields flat, names prefixed with P\n"
	"  -a, --as NAME          merge them as one nested object NAME\n"
	"      --inner            drop events without a match (lookup join)\n"
	"  -s, --stream FILE      the other stream (a file or a named pipe); stdin is the left\n"
	"      --within LO..HI    other.time - event.time in [LO, HI], e.g. -24h..0\n"
	"  -T, --time FIELD       event time (default timestamp)\n"
	"      --other-time FIELD other stream's time (default: as --time)\n"
	"  -w, --watermark DELAY  lateness allowed on the left stream (default 0)\n"
	"      --other-w DELAY    lateness allowed on the other stream (default 0)\n"
	"      --left-outer       also write events that found no match, once none can come\n"
	CLI_HELP_INPUT CLI_HELP_BASE;

enum { OPT_CSV = CLI_OPT_TOOL, OPT_INNER, OPT_WITHIN, OPT_OTHER_TIME, OPT_OTHER_W, OPT_LEFT_OUTER };

static const struct option longopts[] = {
	{ "table", required_argument, NULL, 't' },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "on", required_argument, NULL, 'o' },
	{ "prefix", required_argument, NULL, 'p' },
	{ "as", required_argument, NULL, 'a' },
	{ "inner", no_argument, NULL, OPT_INNER },
	{ "stream", required_argument, NULL, 's' },
	{ "within", required_argument, NULL, OPT_WITHIN },
	{ "time", required_argument, NULL, 'T' },
	{ "other-time", required_argument, NULL, OPT_OTHER_TIME },
	{ "watermark", required_argument, NULL, 'w' },
	{ "other-w", required_argument, NULL, OPT_OTHER_W },
	{ "left-outer", no_argument, NULL, OPT_LEFT_OUTER },
	CLI_LONG_INPUT,
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

struct lookup {
	const char *path;
	bool csv, inner;
	struct keyspec keys;
	struct merge merge;
	struct table table;
	struct out out;
	struct rec r;
	struct buf key, why;
	uint64_t out_n, matched, reloads;
};

/* SIGHUP: build the new table completely before dropping the old one. */
static void maybe_reload(struct lookup *l)
{
	struct table t;
	if (!sig_hup)
		return;
	sig_hup = 0;
	if (table_load(&t, l->path, l->csv, &l->keys, &l->merge) < 0) {
		diag_err("reload of %s failed; keeping the table loaded before", l->path);
		return;
	}
	table_free(&l->table);
	l->table = t;
	l->reloads++;
	diag_info("reloaded %s: %zu rows", l->path, t.nrows);
}

static void on_tick(void *ctx)
{
	maybe_reload(ctx);
}

static enum filter_verdict lookup_line(void *ctx, const struct lr *lr, const char *line,
	size_t len)
{
	struct lookup *l = ctx;
	const char *row = NULL;
	size_t rowlen = 0;
	if (sig_hup)
		maybe_reload(l);
	if (!rec_parse(&l->r, line, len, &l->why)) {
		diag_bad(lr->name, lr->lineno, l->why.p, line, len);
		return FILTER_BAD;
	}
	if (key_of(&l->r, l->keys.ev, l->keys.n, &l->key))
		row = table_find(&l->table, l->key.p, l->key.len, &rowlen);
	if (row)
		l->matched++;
	else if (l->inner)
		return FILTER_OK;
	if (row)
		merge_write(out_buf(&l->out), &l->merge, &l->r, row, rowlen, false);
	else
		buf_add(out_buf(&l->out), l->r.obj.p, l->r.obj.len);
	l->out_n++;
	out_end_record(&l->out);
	return FILTER_OK;
}

int main(int argc, char **argv)
{
	struct lookup l;
	struct ijoin j;
	const char *on = NULL, *stream = NULL, *within = NULL, *err;
	const char *tfield = "timestamp", *otfield = NULL;
	int c, r, rc = RN_EXIT_OK;

	cli_init(argv);
	memset(&l, 0, sizeof l);
	memset(&j, 0, sizeof j);
	while ((c = getopt_long(argc, argv, "t:o:p:a:s:T:w:" CLI_SHORT_INPUT CLI_SHORT_BASE,
			longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			l.path = optarg;
			break;
		case OPT_CSV:
			l.csv = true;
			break;
		case 'o':
			on = optarg;
			break;
		case 'p':
			l.merge.prefix = optarg;
			break;
		case 'a':
			if (!*optarg)
				return cli_usage("--as needs a name");
			l.merge.as = optarg;
			break;
		case OPT_INNER:
			l.inner = true;
			break;
		case 's':
			stream = optarg;
			break;
		case OPT_WITHIN:
			within = optarg;
			break;
		case 'T':
			tfield = optarg;
			break;
		case OPT_OTHER_TIME:
			otfield = optarg;
			break;
		case 'w':
			if (!tm_parse_duration(optarg, &j.delay, false))
				return cli_usage("-w: not a duration: %s", optarg);
			break;
		case OPT_OTHER_W:
			if (!tm_parse_duration(optarg, &j.other_delay, false))
				return cli_usage("--other-w: not a duration: %s", optarg);
			break;
		case OPT_LEFT_OUTER:
			j.left_outer = true;
			break;
		default:
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE)
				return r;
		}
	}
	argc -= optind;
	argv += optind;
	if (!l.path == !stream)
		return cli_usage("give exactly one of --table and --stream");
	if (!on)
		return cli_usage("--on is required");
	if (l.merge.as && l.merge.prefix)
		return cli_usage("--as and --prefix exclude each other");
	if (!keyspec_parse(&l.keys, on, &err))
		return cli_usage("--on %s: %s", on, err);
	if (stream) {
		j.keys = l.keys;
		j.merge = l.merge;
		if (l.inner)
			rc = cli_usage("--inner is for --table; the interval join is inner unless --left-outer");
		else if (!within)
			rc = cli_usage("--stream needs --within LO..HI");
		else if (argc > 1)
			rc = cli_usage("--stream reads the left stream from stdin or one FILE");
		else if (cli.reject && diag_reject_open(cli.reject) < 0)
			rc = RN_EXIT_RUNTIME;
		else if ((rc = ijoin_setup(&j, within, tfield, otfield ? otfield : tfield)) == RN_EXIT_OK)
			rc = ijoin_run(&j, argc ? argv[0] : "-", stream);
		ijoin_free(&j);
		goto done;
	}
	if (j.left_outer || within || otfield) {
		rc = cli_usage("--within, --other-time and --left-outer are for --stream");
		goto done;
	}
	if (cli.reject && diag_reject_open(cli.reject) < 0) {
		rc = RN_EXIT_RUNTIME;
		goto done;
	}
	if (table_load(&l.table, l.path, l.csv, &l.keys, &l.merge) < 0) {
		rc = RN_EXIT_CONFIG;
		goto done;
	}
	diag_info("table %s: %zu rows, %zu repeated keys (the last row wins)", l.path,
		l.table.nrows, l.table.dup_keys);
	out_init(&l.out, 1, "stdout", cli.unbuffered);
	rec_init(&l.r);
	struct filter f = { .line = lookup_line, .ctx = &l, .out = &l.out, .tick = on_tick,
		.tick_ms = 250 };
	rc = filter_files(&f, argc, argv);
	if (out_close(&l.out) < 0 && l.out.err) {
		diag_err("stdout: %s", strerror(l.out.err));
		rc = RN_EXIT_RUNTIME;
	}
	diag_info("in=%llu out=%llu matched=%llu rejected=%llu reloads=%llu",
		(unsigned long long)f.lines, (unsigned long long)l.out_n,
		(unsigned long long)l.matched, (unsigned long long)diag_bad_count(),
		(unsigned long long)l.reloads);
done:
	if (diag_finish() < 0 && rc == RN_EXIT_OK)
		rc = RN_EXIT_RUNTIME;
	table_free(&l.table);
	rec_free(&l.r);
	buf_free(&l.key);
	buf_free(&l.why);
	keyspec_free(&l.keys);
	return rc;
}
