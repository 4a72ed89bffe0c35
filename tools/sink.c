/* sink: land NDJSON records in Hive-style partition folders by event time. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "filter.h"
#include "lineio.h"
#include "out.h"
#include "path.h"
#include "rec.h"
#include "sig.h"
#include "tm.h"

static const char help[] =
	"usage: sink --dir DIR [--partition-by FORMAT] [-T FIELD] [--max-bytes N]\n"
	"            [--max-age DUR] [--max-open N] [--gzip] [--name PREFIX] [FILE...]\n"
	"Write records into partition folders by event time; files appear only when complete.\n"
	"  -d, --dir DIR            output root folder (created if missing)\n"
	"  -P, --partition-by FMT   strftime-style folder pattern over the event time in UTC\n"
	"                           (default 'dt=%Y-%m-%d/hour=%H'; '' for none)\n"
	"  -T, --time FIELD         event-time field (default timestamp)\n"
	"      --max-bytes N        roll a file after N bytes of records (default 128M)\n"
	"      --max-age DUR        roll a file DUR after it was opened (default 5m)\n"
	"      --max-open N         files open at once; the least recently used is closed (64)\n"
	"  -z, --gzip               compress files (.ndjson.gz)\n"
	"      --name PREFIX        file name prefix (default part)\n"
	"Completed file paths are printed on stdout, one per line.\n"
	CLI_HELP_INPUT CLI_HELP_BASE;

enum { OPT_MAX_BYTES = CLI_OPT_TOOL, OPT_MAX_AGE, OPT_MAX_OPEN, OPT_NAME };

static const struct option longopts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "partition-by", required_argument, NULL, 'P' },
	{ "time", required_argument, NULL, 'T' },
	{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "max-open", required_argument, NULL, OPT_MAX_OPEN },
	{ "gzip", no_argument, NULL, 'z' },
	{ "name", required_argument, NULL, OPT_NAME },
	CLI_LONG_INPUT,
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

struct part {
	char *dir;      /* partition folder, relative to the root */
	char *tmp;      /* hidden temp path */
	char *final;    /* visible path after rename */
	int fd;
	gzFile gz;
	struct buf b;
	size_t bytes;
	int64_t opened; /* monotonic ms */
	uint64_t used;  /* LRU clock */
};

struct sink {
	const char *root;
	const char *pattern;
	const char *name;
	struct path tpath;
	size_t max_bytes;
	int64_t max_age;
	size_t max_open;
	bool gzip;
	struct part *parts;
	size_t nparts;
	uint64_t clock;
	uint64_t seq;
	char host[64];
	unsigned rnd;
	int64_t cache_sec;
	struct buf cache_dir;
	struct out out; /* completed paths */
	struct rec r;
	struct buf why;
	bool io_failed;
	uint64_t written, files, failed;
};

/* mkdir -p for a path below the root. */
static int mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);
	if (n >= sizeof tmp)
		return -1;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static void fsync_dir(const char *file)
{
	char d[PATH_MAX];
	const char *s = strrchr(file, '/');
	size_t n = s ? (size_t)(s - file) : 1;
	if (n >= sizeof d)
		return;
	memcpy(d, s ? file : ".", n);
	d[n] = 0;
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int part_write(struct part *p, const void *data, size_t n)
{
	if (p->gz)
		return gzwrite(p->gz, data, (unsigned)n) == (int)n ? 0 : -1;
	const char *s = data;
	while (n) {
		ssize_t w = write(p->fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int part_flush(struct part *p)
{
	int r = p->b.len ? part_write(p, p->b.p, p->b.len) : 0;
	p->b.len = 0;
	return r;
}

/* Completes a file: flush, fsync, rename into sight, fsync the folder. */
static int part_close(struct sink *s, struct part *p)
{
	int r = part_flush(p);
	if (p->gz && gzclose(p->gz) != Z_OK) /* finishes the stream on the dup'd fd */
		r = -1;
	if (fsync(p->fd) < 0)
		r = -1;
	if (close(p->fd) < 0)
		r = -1;
	if (r == 0 && rename(p->tmp, p->final) < 0)
		r = -1;
	if (r == 0) {
		fsync_dir(p->final);
		s->files++;
		struct buf *b = out_buf(&s->out);
		buf_adds(b, p->final);
		out_end_record(&s->out);
	} else {
		diag_err("cannot complete %s: %s (left as %s)", p->final, strerror(errno), p->tmp);
		s->failed++;
	}
	free(p->dir);
	free(p->tmp);
	free(p->final);
	buf_free(&p->b);
	*p = s->parts[--s->nparts];
	return r;
}

static struct part *part_open(struct sink *s, const char *dir, size_t dlen)
{
	char stamp[32], full[PATH_MAX];
	int64_t now = tm_now_ms();
	int Y, M, D, h, mi, se, ms;
	tm_civil(now, &Y, &M, &D, &h, &mi, &se, &ms);
	snprintf(stamp, sizeof stamp, "%04d%02d%02dT%02d%02d%02d.%03dZ", Y, M, D, h, mi, se, ms);
	if (dlen)
		snprintf(full, sizeof full, "%s/%.*s", s->root, (int)dlen, dir);
	else
		snprintf(full, sizeof full, "%s", s->root);
	if (mkdirs(full) < 0) {
		diag_err("cannot create %s: %s", full, strerror(errno));
		return NULL;
	}
	if (s->nparts == s->max_open) {
		size_t lru = 0;
		for (size_t i = 1; i < s->nparts; i++)
			if (s->parts[i].used < s->parts[lru].used)
				lru = i;
		part_close(s, &s->parts[lru]);
	}
	struct part *p = &s->parts[s->nparts];
	memset(p, 0, sizeof *p);
	struct buf t = BUF_INIT;
	buf_printf(&t, "%s-%s-%s-%d-%04x-%06llu.ndjson%s", s->name, stamp, s->host, (int)getpid(),
		s->rnd & 0xffff, (unsigned long long)++s->seq, s->gzip ? ".gz" : "");
	struct buf fin = BUF_INIT, tmp = BUF_INIT;
	buf_printf(&fin, "%s/%s", full, t.p);
	buf_printf(&tmp, "%s/.%s.tmp", full, t.p);
	buf_free(&t);
	p->fd = open(tmp.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (p->fd < 0) {
		diag_err("cannot create %s: %s", tmp.p, strerror(errno));
		buf_free(&fin);
		buf_free(&tmp);
		return NULL;
	}
	if (s->gzip) {
		p->gz = gzdopen(dup(p->fd), "wb6");
		if (!p->gz) {
			diag_err("cannot start gzip stream for %s", tmp.p);
			close(p->fd);
			unlink(tmp.p);
			buf_free(&fin);
			buf_free(&tmp);
			return NULL;
		}
	}
	p->dir = xstrndup(dir, dlen);
	p->final = fin.p;
	p->tmp = tmp.p;
	p->opened = tm_mono_ms();
	s->nparts++;
	return p;
}

/* The partition folder for an event time; cached per second. */
static const struct buf *part_dir(struct sink *s, int64_t ms)
{
	int64_t sec = tm_floordiv(ms, 1000);
	if (sec == s->cache_sec && s->cache_dir.p)
		return &s->cache_dir;
	char out[PATH_MAX];
	time_t t = (time_t)sec;
	struct tm tmv;
	gmtime_r(&t, &tmv);
	size_t n = *s->pattern ? strftime(out, sizeof out, s->pattern, &tmv) : 0;
	buf_reset(&s->cache_dir);
	buf_add(&s->cache_dir, out, n);
	s->cache_sec = sec;
	return &s->cache_dir;
}

static void roll_aged(struct sink *s)
{
	int64_t now = tm_mono_ms();
	for (size_t i = 0; i < s->nparts;)
		if (now - s->parts[i].opened >= s->max_age)
			part_close(s, &s->parts[i]);
		else
			i++;
}

static void on_tick(void *ctx)
{
	struct sink *s = ctx;
	roll_aged(s);
	out_flush(&s->out);
}

static int sink_record(struct sink *s, const char *line, size_t len, int64_t ms)
{
	const struct buf *d = part_dir(s, ms);
	struct part *p = NULL;
	for (size_t i = 0; i < s->nparts; i++)
		if (strlen(s->parts[i].dir) == d->len && !memcmp(s->parts[i].dir, d->p, d->len)) {
			p = &s->parts[i];
			break;
		}
	if (!p && !(p = part_open(s, d->p, d->len)))
		return -1;
	p->used = ++s->clock;
	buf_add(&p->b, line, len);
	buf_addc(&p->b, '\n');
	p->bytes += len + 1;
	if (p->b.len >= OUT_CHUNK && part_flush(p) < 0) {
		diag_err("cannot write %s: %s", p->tmp, strerror(errno));
		return -1;
	}
	s->written++;
	if (p->bytes >= s->max_bytes)
		return part_close(s, p);
	return 0;
}

static enum filter_verdict sink_line(void *ctx, const struct lr *lr, const char *line,
	size_t len)
{
	struct sink *s = ctx;
	struct json_val tv;
	int64_t ms;
	if (!rec_parse(&s->r, line, len, &s->why)) {
		diag_bad(lr->name, lr->lineno, s->why.p, line, len);
		return FILTER_BAD;
	}
	if (!rec_get(&s->r, &s->tpath, &tv)) {
		buf_reset(&s->why);
		buf_printf(&s->why, "no event time: field %s is missing", s->tpath.text);
		diag_bad(lr->name, lr->lineno, s->why.p, line, len);
		return FILTER_BAD;
	}
	if (!tm_from_json(tv, &ms)) {
		buf_reset(&s->why);
		buf_printf(&s->why, "field %s: not an RFC 3339 time or epoch milliseconds",
			s->tpath.text);
		diag_bad(lr->name, lr->lineno, s->why.p, line, len);
		return FILTER_BAD;
	}
	if (sink_record(s, s->r.obj.p, s->r.obj.len, ms) < 0) {
		s->io_failed = true;
		return FILTER_STOP;
	}
	if ((s->written & 1023) == 0)
		roll_aged(s);
	return FILTER_OK;
}

int main(int argc, char **argv)
{
	struct sink s;
	const char *tfield = "timestamp", *err;
	long long n;
	int c, r, rc = RN_EXIT_OK;

	cli_init(argv);
	memset(&s, 0, sizeof s);
	s.pattern = "dt=%Y-%m-%d/hour=%H";
	s.name = "part";
	s.max_bytes = 128u << 20;
	s.max_age = 5 * 60 * 1000;
	s.max_open = 64;
	s.cache_sec = INT64_MIN;
	while ((c = getopt_long(argc, argv, "d:P:T:z" CLI_SHORT_INPUT CLI_SHORT_BASE, longopts,
			NULL)) != -1) {
		switch (c) {
		case 'd':
			s.root = optarg;
			break;
		case 'P':
			s.pattern = optarg;
			break;
		case 'T':
			tfield = optarg;
			break;
		case 'z':
			s.gzip = true;
			break;
		case OPT_MAX_BYTES:
			if (!cli_parse_size(optarg, &s.max_bytes) || !s.max_bytes)
				return cli_usage("--max-bytes: not a size: %s", optarg);
			break;
		case OPT_MAX_AGE:
			if (!tm_parse_duration(optarg, &s.max_age, false) || s.max_age <= 0)
				return cli_usage("--max-age: not a duration: %s", optarg);
			break;
		case OPT_MAX_OPEN:
			if (!cli_parse_count(optarg, &n) || n < 1 || n > 4096)
				return cli_usage("--max-open: expected 1..4096: %s", optarg);
			s.max_open = (size_t)n;
			break;
		case OPT_NAME:
			if (!*optarg || strchr(optarg, '/') || *optarg == '.')
				return cli_usage("--name: must be a plain file name prefix: %s", optarg);
			s.name = optarg;
			break;
		default:
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE)
				return r;
		}
	}
	argc -= optind;
	argv += optind;
	if (!s.root)
		return cli_usage("--dir is required");
	if (strstr(s.pattern, ".."))
		return cli_usage("--partition-by must not contain '..'");
	if (!path_parse(&s.tpath, tfield, &err))
		return cli_usage("-T %s: %s", tfield, err);
	if (mkdirs(s.root) < 0) {
		diag_err("cannot create %s: %s", s.root, strerror(errno));
		return RN_EXIT_RUNTIME;
	}
	if (cli.reject && diag_reject_open(cli.reject) < 0)
		return RN_EXIT_RUNTIME;
	if (gethostname(s.host, sizeof s.host - 1) < 0 || !*s.host)
		strcpy(s.host, "host");
	for (char *h = s.host; *h; h++)
		if (*h == '/' || *h == '.' || *h == '-')
			*h = '_';
	s.rnd = (unsigned)(tm_now_ms() ^ (getpid() << 16));
	s.parts = xcalloc(s.max_open, sizeof *s.parts);
	out_init(&s.out, 1, "stdout", true);

	int64_t tick = s.max_age / 4;
	struct filter f = { .line = sink_line, .ctx = &s, .out = &s.out, .tick = on_tick,
		.tick_ms = tick < 50 ? 50 : tick > 1000 ? 1000 : (int)tick };
	rec_init(&s.r);
	rc = filter_files(&f, argc, argv);
	if (s.io_failed)
		rc = RN_EXIT_RUNTIME;
	while (s.nparts)
		if (part_close(&s, &s.parts[0]) < 0)
			rc = RN_EXIT_RUNTIME;
	if (out_close(&s.out) < 0 && s.out.err)
		rc = RN_EXIT_RUNTIME;
	if (diag_finish() < 0)
		rc = RN_EXIT_RUNTIME;
	diag_info("in=%llu written=%llu rejected=%llu files=%llu", (unsigned long long)f.lines,
		(unsigned long long)s.written, (unsigned long long)diag_bad_count(),
		(unsigned long long)s.files);
	free(s.parts);
	rec_free(&s.r);
	buf_free(&s.why);
	buf_free(&s.cache_dir);
	path_free(&s.tpath);
	return rc;
}
