/* dedup: drop repeats of a key within an event-time interval, with bounded state. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "filter.h"
#include "heap.h"
#include "htab.h"
#include "kmeta.h"
#include "lineio.h"
#include "out.h"
#include "path.h"
#include "rec.h"
#include "sig.h"
#include "tm.h"
#include "wm.h"

static const char help[] =
	"usage: dedup -k FIELD[,FIELD] --within DUR [-T FIELD] [-w DELAY]\n"
	"             [--checkpoint FILE [--checkpoint-interval DUR]] [--dupes FILE] [FILE...]\n"
	"Pass the first event of each key; drop later ones within DUR of it in event time.\n"
	"  -k, --key FIELDS          key field paths, comma-separated\n"
	"  -W, --within DUR          an event is a duplicate when its time is less than DUR\n"
	"                            from the first event of its key\n"
	"  -T, --time FIELD          event time (default timestamp)\n"
	"  -w, --watermark DELAY     out-of-orderness allowed (default 0)\n"
	"      --checkpoint FILE     load state at start, save it periodically and at exit\n"
	"      --checkpoint-interval DUR   (default 10s)\n"
	"      --dupes FILE          append dropped events to FILE\n"
	CLI_HELP_INPUT CLI_HELP_BASE;

enum { OPT_CKPT = CLI_OPT_TOOL, OPT_CKPT_INTERVAL, OPT_DUPES };

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "within", required_argument, NULL, 'W' },
	{ "time", required_argument, NULL, 'T' },
	{ "watermark", required_argument, NULL, 'w' },
	{ "checkpoint", required_argument, NULL, OPT_CKPT },
	{ "checkpoint-interval", required_argument, NULL, OPT_CKPT_INTERVAL },
	{ "dupes", required_argument, NULL, OPT_DUPES },
	CLI_LONG_INPUT,
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

/* The first occurrence of a key, kept until the watermark passes first + within. */
struct seen {
	char *key;
	size_t klen;
	int64_t first;
	size_t hidx;
};

struct dedup {
	struct path *keys;
	size_t nkeys;
	struct path tpath;
	int64_t within, delay, ckpt_interval, last_ckpt;
	const char *ckpt, *dupes_path;
	struct ckpt_meta meta;
	struct htab seen;
	struct heap expiry;
	struct wm wm;
	struct ckpt_offsets offs;
	struct out out, dupes;
	struct rec r;
	struct buf key, scratch, why, kscratch;
	bool changed;
	uint64_t handled, passed, dropped, nokey, late, replayed;
	size_t peak;
};

static bool seen_less(const void *a, const void *b)
{
	return ((const struct seen *)a)->first < ((const struct seen *)b)->first;
}

static void seen_moved(void *s, size_t idx)
{
	((struct seen *)s)->hidx = idx;
}

static void forget(struct dedup *d, struct seen *s)
{
	htab_del(&d->seen, s->key, s->klen);
	free(s->key);
	free(s);
}

/* Keys whose interval the watermark has passed can match no future event. */
static void evict(struct dedup *d)
{
	int64_t w = wm_get(&d->wm);
	struct seen *s;
	if (w == WM_NONE)
		return;
	while ((s = heap_top(&d->expiry))) {
		if (s->first > INT64_MAX - d->within || s->first + d->within > w)
			break;
		heap_pop(&d->expiry);
		forget(d, s);
	}
}

static void remember(struct dedup *d, int64_t t)
{
	bool added;
	struct htab_ent *e = htab_put(&d->seen, d->key.p, d->key.len, &added);
	struct seen *s = e->val;
	if (added) {
		s = xcalloc(1, sizeof *s);
		s->key = xstrndup(d->key.p, d->key.len);
		s->klen = d->key.len;
		s->first = t;
		e->key = s->key;
		e->val = s;
		heap_push(&d->expiry, s);
		if (d->seen.n > d->peak)
			d->peak = d->seen.n;
	} else {
		s->first = t;
		heap_fix(&d->expiry, s->hidx);
	}
}

static int save(struct dedup *d)
{
	struct buf err = BUF_INIT;
	json_t *st = ckpt_wm_json(&d->wm), *keys = json_array();
	/* what the checkpoint absorbed must have reached the pipe first */
	out_flush(&d->out);
	if (d->dupes_path)
		out_flush(&d->dupes);
	for (size_t i = 0; i < d->expiry.n; i++) {
		const struct seen *s = d->expiry.e[i];
		json_array_append_new(keys, json_pack("[s%,I]", s->key, s->klen, (json_int_t)s->first));
	}
	json_object_set_new(st, "keys", keys);
	json_object_set_new(st, "offsets", ckpt_offsets_json(&d->offs));
	int rc = ckpt_save(d->ckpt, &d->meta, st, &err);
	json_decref(st);
	if (rc != CKPT_OK)
		diag_err("checkpoint %s: %s", d->ckpt, err.p ? err.p : "cannot save");
	buf_free(&err);
	d->changed = false;
	d->last_ckpt = tm_mono_ms();
	return rc == CKPT_OK ? 0 : -1;
}

static int restore(struct dedup *d)
{
	struct buf err = BUF_INIT;
	json_t *st, *keys, *offs, *v;
	size_t i;
	int rc = ckpt_load(d->ckpt, &d->meta, &st, &err);
	if (rc == CKPT_ABSENT) {
		buf_free(&err);
		return RN_EXIT_OK;
	}
	if (rc != CKPT_OK) {
		diag_err("%s", err.p ? err.p : "cannot load checkpoint");
		buf_free(&err);
		return rc == CKPT_IOERR ? RN_EXIT_RUNTIME : RN_EXIT_CONFIG;
	}
	bool ok = ckpt_wm_load(&d->wm, st, tm_mono_ms(), &err) &&
		!json_unpack(st, "{s:o,s:o}", "keys", &keys, "offsets", &offs) &&
		json_is_array(keys) && ckpt_offsets_load(&d->offs, offs, &err);
	if (ok) {
		json_array_foreach(keys, i, v) {
			const char *k;
			size_t kl;
			json_int_t first;
			if (json_unpack(v, "[s%,I]", &k, &kl, &first) < 0) {
				ok = false;
				break;
			}
			buf_reset(&d->key);
			buf_add(&d->key, k, kl);
			remember(d, first);
		}
	}
	json_decref(st);
	if (!ok) {
		diag_err("checkpoint %s is corrupt (%s); remove it to start afresh", d->ckpt,
			err.p ? err.p : "bad state");
		buf_free(&err);
		return RN_EXIT_CONFIG;
	}
	diag_info("resumed from %s: %zu keys", d->ckpt, d->seen.n);
	buf_free(&err);
	return RN_EXIT_OK;
}

static void on_tick(void *ctx)
{
	struct dedup *d = ctx;
	if (d->ckpt && d->changed && tm_mono_ms() - d->last_ckpt >= d->ckpt_interval)
		save(d);
}

static enum filter_verdict bad(const struct lr *lr, const char *line, size_t len,
	const char *why)
{
	diag_bad(lr->name, lr->lineno, why, line, len);
	return FILTER_BAD;
}

static enum filter_verdict dedup_line(void *ctx, const struct lr *lr, const char *line,
	size_t len)
{
	struct dedup *d = ctx;
	struct json_val tv;
	struct kmeta km;
	int64_t t;
	if (!rec_parse(&d->r, line, len, &d->why))
		return bad(lr, line, len, d->why.p);
	if (!rec_get(&d->r, &d->tpath, &tv)) {
		buf_reset(&d->why);
		buf_printf(&d->why, "no event time: field %s is missing", d->tpath.text);
		return bad(lr, line, len, d->why.p);
	}
	if (!tm_from_json(tv, &t)) {
		buf_reset(&d->why);
		buf_printf(&d->why, "field %s: not an RFC 3339 time or epoch milliseconds",
			d->tpath.text);
		return bad(lr, line, len, d->why.p);
	}
	bool has_km = kmeta_get(&d->r, &km, &d->kscratch);
	if (d->ckpt && has_km && ckpt_offsets_seen(&d->offs, &km)) {
		d->replayed++; /* absorbed before the checkpoint: its fate is decided */
		return FILTER_OK;
	}
	bool dup = false;
	if (!rec_key(&d->r, d->keys, d->nkeys, &d->key, &d->scratch)) {
		d->nokey++;
	} else {
		const struct seen *s = htab_get(&d->seen, d->key.p, d->key.len);
		if (t < wm_get(&d->wm))
			d->late++;
		int64_t gap;
		if (s && !__builtin_sub_overflow(t, s->first, &gap) &&
		    (gap < 0 ? gap > -d->within : gap < d->within))
			dup = true;
		else if (t > INT64_MAX - d->within || t + d->within > wm_get(&d->wm))
			remember(d, t);
	}
	if (dup) {
		d->dropped++;
		if (d->dupes_path) {
			buf_add(out_buf(&d->dupes), d->r.obj.p, d->r.obj.len);
			out_end_record(&d->dupes);
		}
	} else {
		d->passed++;
		buf_add(out_buf(&d->out), d->r.obj.p, d->r.obj.len);
		out_end_record(&d->out);
	}
	if (has_km && d->ckpt)
		ckpt_offsets_absorb(&d->offs, &km);
	d->changed = true;
	if (wm_observe(&d->wm, has_km ? km.topic : NULL, has_km ? km.tlen : 0,
		    has_km ? km.partition : 0, t, 0))
		evict(d);
	if (d->ckpt && (++d->handled & 1023) == 0)
		on_tick(d);
	return FILTER_OK;
}

static bool parse_keys(struct dedup *d, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL;
	const char *err;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		d->keys = xrealloc(d->keys, (d->nkeys + 1) * sizeof *d->keys);
		if (!path_parse(&d->keys[d->nkeys], tok, &err)) {
			cli_usage("-k %s: %s", tok, err);
			free(copy);
			return false;
		}
		d->nkeys++;
	}
	free(copy);
	if (!d->nkeys)
		cli_usage("-k needs at least one field");
	return d->nkeys > 0;
}

static void cleanup(struct dedup *d)
{
	struct seen *s;
	while ((s = heap_pop(&d->expiry)))
		forget(d, s);
	heap_free(&d->expiry);
	htab_free(&d->seen);
	wm_free(&d->wm);
	ckpt_offsets_free(&d->offs);
	for (size_t i = 0; i < d->nkeys; i++)
		path_free(&d->keys[i]);
	free(d->keys);
	path_free(&d->tpath);
	free((char *)d->meta.params);
	rec_free(&d->r);
	buf_free(&d->key);
	buf_free(&d->scratch);
	buf_free(&d->why);
	buf_free(&d->kscratch);
}

int main(int argc, char **argv)
{
	struct dedup d;
	const char *keys = NULL, *tfield = "timestamp", *err;
	int c, r, rc = RN_EXIT_OK;

	cli_init(argv);
	memset(&d, 0, sizeof d);
	d.within = -1;
	d.ckpt_interval = 10000;
	while ((c = getopt_long(argc, argv, "k:W:T:w:" CLI_SHORT_INPUT CLI_SHORT_BASE, longopts,
			NULL)) != -1) {
		switch (c) {
		case 'k':
			keys = optarg;
			break;
		case 'W':
			if (!tm_parse_duration(optarg, &d.within, false) || d.within <= 0)
				return cli_usage("--within: not a positive duration: %s", optarg);
			break;
		case 'T':
			tfield = optarg;
			break;
		case 'w':
			if (!tm_parse_duration(optarg, &d.delay, false))
				return cli_usage("-w: not a duration: %s", optarg);
			break;
		case OPT_CKPT:
			d.ckpt = optarg;
			break;
		case OPT_CKPT_INTERVAL:
			if (!tm_parse_duration(optarg, &d.ckpt_interval, false) || d.ckpt_interval <= 0)
				return cli_usage("--checkpoint-interval: not a positive duration: %s",
					optarg);
			break;
		case OPT_DUPES:
			d.dupes_path = optarg;
			break;
		default:
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE)
				return r;
		}
	}
	argc -= optind;
	argv += optind;
	if (!keys)
		return cli_usage("-k is required");
	if (d.within < 0)
		return cli_usage("--within is required");
	heap_init(&d.expiry, seen_less, seen_moved);
	htab_init(&d.seen);
	wm_init(&d.wm, d.delay, 0, 0);
	ckpt_offsets_init(&d.offs);
	rec_init(&d.r);
	if (!parse_keys(&d, keys)) {
		rc = RN_EXIT_USAGE;
		goto done;
	}
	if (!path_parse(&d.tpath, tfield, &err)) {
		rc = cli_usage("-T %s: %s", tfield, err);
		goto done;
	}
	if (cli.reject && diag_reject_open(cli.reject) < 0) {
		rc = RN_EXIT_RUNTIME;
		goto done;
	}
	if (d.ckpt) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "key=%s;within=%lld;time=%s;delay=%lld", keys, (long long)d.within,
			tfield, (long long)d.delay);
		d.meta = (struct ckpt_meta){ "dedup", 1, p.p };
		if ((rc = restore(&d)) != RN_EXIT_OK)
			goto done;
		d.last_ckpt = tm_mono_ms();
	}
	if (d.dupes_path && out_open(&d.dupes, d.dupes_path, true) < 0) {
		diag_err("cannot open %s: %s", d.dupes_path, strerror(errno));
		d.dupes_path = NULL;
		rc = RN_EXIT_RUNTIME;
		goto done;
	}
	out_init(&d.out, 1, "stdout", cli.unbuffered);
	struct filter f = { .line = dedup_line, .ctx = &d, .out = &d.out };
	if (d.ckpt) {
		f.tick = on_tick;
		f.tick_ms = d.ckpt_interval < 1000 ? (int)d.ckpt_interval : 1000;
	}
	rc = filter_files(&f, argc, argv);
	if (d.ckpt && save(&d) < 0 && rc == RN_EXIT_OK)
		rc = RN_EXIT_RUNTIME;
	if (out_close(&d.out) < 0 && d.out.err) {
		diag_err("stdout: %s", strerror(d.out.err));
		rc = RN_EXIT_RUNTIME;
	}
	if (d.dupes_path && out_close(&d.dupes) < 0) {
		diag_err("%s: %s", d.dupes_path, strerror(d.dupes.err));
		rc = RN_EXIT_RUNTIME;
	}
	diag_info("in=%llu passed=%llu dropped=%llu nokey=%llu late=%llu replayed=%llu "
		"rejected=%llu state=%zu peak_state=%zu",
		(unsigned long long)f.lines, (unsigned long long)d.passed,
		(unsigned long long)d.dropped, (unsigned long long)d.nokey,
		(unsigned long long)d.late, (unsigned long long)d.replayed,
		(unsigned long long)diag_bad_count(), d.seen.n, d.peak);
done:
	if (diag_finish() < 0 && rc == RN_EXIT_OK)
		rc = RN_EXIT_RUNTIME;
	cleanup(&d);
	return rc;
}
