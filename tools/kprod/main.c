/* kprod: produce NDJSON lines (or kcons -J envelopes) to Kafka, at least once. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "kconf.h"
#include "kprod.h"
#include "wire.h"
#include "lineio.h"
#include "out.h"
#include "sig.h"
#include "tm.h"

static const char help[] =
	"usage: kprod [-b BROKERS] -t TOPIC [-k FIELD | -K DELIM] [-p PART] [-H name=value]...\n"
	"             [-J] [-z CODEC] [--timestamp-from FIELD] [--rate N/s] [-T] [-Z]\n"
	"             [-X prop=val]... [-F FILE] [--timeout DUR] [FILE...]\n"
	"Produce each input line as one Kafka message; exit 0 only when all were delivered.\n"
	"  -b, --brokers LIST       bootstrap brokers (default $KAFKA_BROKERS, else localhost:9092)\n"
	"  -t, --topic TOPIC        topic (with -J: overrides the envelope's topic)\n"
	"  -k, --key FIELD          message key from this field of the JSON line\n"
	"  -K, --key-delimiter D    kcat-style: key is the text before the first D, value the rest\n"
	"  -p, --partition N        partition (default: librdkafka's partitioner; -1 forces it)\n"
	"  -H, --header NAME=VALUE  add a header to every message (repeatable)\n"
	"  -J, --envelope           read kcons -J envelopes: per-message key, headers, partition,\n"
	"                           timestamp and value\n"
	"  -z, --compression CODEC  none, gzip, snappy (default), lz4 or zstd\n"
	"      --timestamp-from F   CreateTime from this event-time field (RFC 3339 or epoch ms)\n"
	"      --rate N/s           produce at most N messages per second\n"
	"  -T, --tee                also write each produced input line to stdout\n"
	"  -Z, --null               empty values and keys are sent as null\n"
	"  -X, --property P=V       librdkafka property (repeatable; -X list shows them all)\n"
	"  -F, --config-file FILE   librdkafka properties file (name=value lines)\n"
	"      --timeout DUR        wait at most DUR for the cluster at start and for deliveries\n"
	"                           after SIGINT/SIGTERM (default 30s)\n"
	"  -P                       ignored (kcat's producer mode flag)\n"
	"Defaults: enable.idempotence=true acks=all linger.ms=10 compression snappy.\n"
	KPW_HELP CLI_HELP_INPUT CLI_HELP_BASE;

enum { OPT_TS_FROM = CLI_OPT_TOOL, OPT_RATE, OPT_TIMEOUT };

static const struct option longopts[] = {
	{ "brokers", required_argument, NULL, 'b' },
	{ "topic", required_argument, NULL, 't' },
	{ "key", required_argument, NULL, 'k' },
	{ "key-delimiter", required_argument, NULL, 'K' },
	{ "partition", required_argument, NULL, 'p' },
	{ "header", required_argument, NULL, 'H' },
	{ "envelope", no_argument, NULL, 'J' },
	{ "compression", required_argument, NULL, 'z' },
	{ "timestamp-from", required_argument, NULL, OPT_TS_FROM },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "tee", no_argument, NULL, 'T' },
	{ "null", no_argument, NULL, 'Z' },
	{ "property", required_argument, NULL, 'X' },
	{ "config-file", required_argument, NULL, 'F' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	KPW_LONG_OPTS,
	CLI_LONG_INPUT,
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

struct kprod {
	/* options */
	struct kconf kc;
	const char *topic;
	const char *codec;
	const char *delim;
	size_t dlen;
	int32_t partition;
	bool part_set;
	bool envelope, tee, null_empty;
	bool have_key, have_ts;
	struct path key_path, ts_path;
	rd_kafka_headers_t *hdrs; /* -H, copied into every message */
	double rate;
	int64_t timeout_ms;

	/* state */
	struct kp p;
	struct kp_env env;
	struct kp_wire wire; /* --avro */
	struct rec r;
	struct out out;
	struct buf why, keybuf;
	uint64_t in, rejected, unsent;
	int64_t rate_t0; /* monotonic µs of the first paced message */
	uint64_t paced;
	bool stop;
	int status;
};

static void idle(void *ctx)
{
	struct kprod *k = ctx;
	if (k->tee)
		out_flush(&k->out);
	kp_poll(&k->p, 0);
}

static void bad(struct kprod *k, const struct lr *lr, const char *why, const char *line,
	size_t len)
{
	diag_bad(lr->name, lr->lineno, why, line, len);
	k->rejected++;
	if (cli.strict) {
		k->status = RN_EXIT_REJECT;
		k->stop = true;
	}
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --rate: message n goes out no earlier than n/rate seconds after the first; the
   waiting serves delivery reports. A stop signal ends the pacing. */
static void pace(struct kprod *k)
{
	int64_t now = mono_us();
	if (!k->paced++) {
		k->rate_t0 = now;
		return;
	}
	int64_t due = k->rate_t0 + (int64_t)((double)(k->paced - 1) * 1e6 / k->rate);
	while (!sig_stop && (now = mono_us()) < due) {
		int64_t wait = due - now;
		if (wait >= 1000) {
			if (k->tee)
				out_flush(&k->out);
			kp_poll(&k->p, (int)(wait / 1000));
		} else {
			struct timespec ts = { 0, (long)wait * 1000 };
			nanosleep(&ts, NULL);
		}
	}
}

/* The key, value and timestamp of a plain (not -J) line. */
static bool plain_msg(struct kprod *k, const char *line, size_t len, struct kp_msg *m)
{
	m->val = line;
	m->vlen = len;
	if (k->delim) {
		const char *d = memmem(line, len, k->delim, k->dlen);
		if (d) { /* no delimiter: the whole line is the value, the key null (kcat) */
			m->key = line;
			m->klen = (size_t)(d - line);
			m->val = d + k->dlen;
			m->vlen = len - m->klen - k->dlen;
		}
	}
	if (!k->have_key && !k->have_ts)
		return true;
	if (!rec_parse(&k->r, m->val, m->vlen, &k->why))
		return false;
	struct json_val v;
	if (k->have_key) {
		if (!rec_get(&k->r, &k->key_path, &v) || v.type == JV_NONE) {
			buf_printf(&k->why, "key field %s is missing", k->key_path.text);
			return false;
		}
		if (v.type == JV_STRING) {
			m->key = json_str(v, &k->keybuf, &m->klen);
		} else if (v.type != JV_NULL) { /* numbers, booleans, objects: their text */
			m->key = v.p;
			m->klen = v.len;
		}
	}
	if (k->have_ts) {
		if (!rec_get(&k->r, &k->ts_path, &v) || v.type == JV_NONE) {
			buf_printf(&k->why, "no event time: field %s is missing", k->ts_path.text);
			return false;
		}
		if (!tm_from_json(v, &m->ts) || m->ts <= 0) {
			buf_printf(&k->why, "bad event time in field %s: not RFC 3339 or epoch ms after 1970",
				k->ts_path.text);
			return false;
		}
	}
	return true;
}

static void add_static_headers(struct kprod *k, struct kp_msg *m)
{
	if (!k->hdrs)
		return;
	if (!m->hdrs) {
		m->hdrs = rd_kafka_headers_copy(k->hdrs);
		return;
	}
	const char *name;
	const void *val;
	size_t size;
	for (size_t i = 0; !rd_kafka_header_get_all(k->hdrs, i, &name, &val, &size); i++)
		rd_kafka_header_add(m->hdrs, name, -1, val, (ssize_t)size);
}

static void one_line(struct kprod *k, const struct lr *lr, const char *line, size_t len)
{
	struct kp_msg m = { .topic = k->topic, .partition = k->partition };
	buf_reset(&k->why);
	if (k->envelope) {
		m.partition = RD_KAFKA_PARTITION_UA;
		if (!kp_env_parse(&k->env, line, len, &m, &k->why)) {
			bad(k, lr, k->why.p, line, len);
			return;
		}
		if (k->topic)
			m.topic = k->topic;
		if (k->part_set)
			m.partition = k->partition;
		if (!m.topic) {
			if (m.hdrs)
				rd_kafka_headers_destroy(m.hdrs);
			bad(k, lr, "envelope: no topic (and no -t)", line, len);
			return;
		}
	} else if (!plain_msg(k, line, len, &m)) {
		bad(k, lr, k->why.p, line, len);
		return;
	}
	if (k->wire.on && !kp_wire_encode(&k->wire, &m, &k->key_path, &k->why)) {
		bad(k, lr, k->why.p, line, len);
		return;
	}
	if (k->null_empty) {
		if (m.val && !m.vlen)
			m.val = NULL;
		if (m.key && !m.klen)
			m.key = NULL;
	}
	add_static_headers(k, &m);
	if (k->rate > 0)
		pace(k);
	int r = kp_send(&k->p, &m);
	if (r == -2) {
		k->unsent++;
		k->stop = true;
		return;
	}
	if (k->tee) {
		struct buf *b = out_buf(&k->out);
		buf_add(b, line, len);
		if (out_end_record(&k->out) < 0 && k->out.broken)
			k->stop = true; /* the reader went away: stop reading, deliver what we have */
	}
}

static void run_file(struct kprod *k, const char *path)
{
	struct lr lr;
	const char *line;
	size_t len;
	int st;
	if (lr_open(&lr, path, cli.max_line) < 0) {
		diag_err("%s: %s", path, strerror(errno));
		k->status = RN_EXIT_RUNTIME;
		return;
	}
	lr_set_idle(&lr, idle, k);
	lr_set_tick(&lr, 100, kp_poll_cb, &k->p);
	while (!k->stop && !k->p.fatal && (st = lr_next(&lr, &line, &len)) > 0) {
		k->in++;
		if (st == LR_TOOLONG)
			bad(k, &lr, "line longer than --max-line", line, len);
		else
			one_line(k, &lr, line, len);
	}
	if (!k->stop && !k->p.fatal && st == LR_ERR) {
		diag_err("%s: read error: %s", lr.name, strerror(errno));
		k->status = RN_EXIT_RUNTIME;
	}
	if (lr.discarded)
		diag_warn("%s: stopped: an incomplete last line (%llu bytes) was not produced", lr.name,
			(unsigned long long)lr.discarded);
	lr_close(&lr);
}

static bool parse_timeout(const char *s, int64_t *ms)
{
	long long n;
	if (cli_parse_count(s, &n)) { /* plain seconds */
		*ms = n * 1000;
		return n > 0;
	}
	return tm_parse_duration(s, ms, false) && *ms > 0;
}

static int options(struct kprod *k, int argc, char **argv)
{
	int c, r;
	const char *kpath = NULL, *tpath = NULL, *perr;
	while ((c = getopt_long(argc, argv, "b:t:k:K:p:H:Jz:TZX:F:P" CLI_SHORT_INPUT CLI_SHORT_BASE,
		longopts, NULL)) != -1) {
		switch (c) {
		case 'b': k->kc.brokers = optarg; break;
		case 't':
			if (!*optarg)
				return cli_usage("-t: empty topic name");
			k->topic = optarg;
			break;
		case 'k': kpath = optarg; break;
		case 'K':
			if (!*optarg)
				return cli_usage("-K: empty delimiter");
			k->delim = optarg;
			k->dlen = strlen(optarg);
			break;
		case 'p': {
			char *e;
			long v = strtol(optarg, &e, 10);
			if (!*optarg || *e || v < -1 || v > INT32_MAX)
				return cli_usage("-p: not a partition: %s", optarg);
			k->partition = v < 0 ? RD_KAFKA_PARTITION_UA : (int32_t)v;
			k->part_set = true;
			break;
		}
		case 'H': {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return cli_usage("-H: expected name=value, got %s", optarg);
			if (!k->hdrs)
				k->hdrs = rd_kafka_headers_new(8);
			rd_kafka_header_add(k->hdrs, optarg, eq - optarg, eq + 1, -1);
			break;
		}
		case 'J': k->envelope = true; break;
		case 'z': k->codec = optarg; break;
		case 'T': k->tee = true; break;
		case 'Z': k->null_empty = true; break;
		case 'P': break;
		case 'X':
			if ((r = kconf_add(&k->kc, optarg)) != KCONF_OK)
				return r == KCONF_DONE ? RN_EXIT_OK : RN_EXIT_CONFIG;
			break;
		case 'F':
			if (kconf_add_file(&k->kc, optarg) < 0)
				return RN_EXIT_CONFIG;
			break;
		case OPT_TS_FROM: tpath = optarg; break;
		case OPT_RATE:
			if (!cli_parse_rate(optarg, &k->rate))
				return cli_usage("--rate: not a rate (like 1000/s): %s", optarg);
			break;
		case OPT_TIMEOUT:
			if (!parse_timeout(optarg, &k->timeout_ms))
				return cli_usage("--timeout: not a duration (like 30s): %s", optarg);
			break;
		default:
			if (kp_wire_opt(&k->wire, c, optarg))
				break;
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE)
				return r;
		}
	}
	if (!k->topic && !k->envelope)
		return cli_usage("-t TOPIC is required (or -J with topics in the envelopes)");
	if (kpath && k->delim)
		return cli_usage("-k and -K cannot be combined");
	if (k->envelope && (kpath || k->delim))
		return cli_usage("-J takes keys from the envelopes: no -k or -K");
	if (kpath) {
		if (!path_parse(&k->key_path, kpath, &perr))
			return cli_usage("-k: %s: %s", kpath, perr);
		k->have_key = true;
	}
	if (tpath) {
		if (!path_parse(&k->ts_path, tpath, &perr))
			return cli_usage("--timestamp-from: %s: %s", tpath, perr);
		k->have_ts = true;
		if (k->envelope)
			k->env.ts_path = &k->ts_path;
	}
	return CLI_CONTINUE;
}

static void cleanup(struct kprod *k)
{
	kp_close(&k->p);
	kp_env_free(&k->env);
	rec_free(&k->r);
	buf_free(&k->why);
	buf_free(&k->keybuf);
	if (k->hdrs)
		rd_kafka_headers_destroy(k->hdrs);
	if (k->have_key)
		path_free(&k->key_path);
	if (k->have_ts)
		path_free(&k->ts_path);
	kconf_free(&k->kc);
	kp_wire_free(&k->wire);
}

/* What happened to every input line, said plainly; the exit status follows from it. */
static int report(struct kprod *k)
{
	struct kp *p = &k->p;
	uint64_t failed = p->failed + p->unconfirmed + k->unsent;
	if (p->failed)
		diag_err("%llu message%s not delivered (see above)", (unsigned long long)p->failed,
			p->failed == 1 ? "" : "s");
	if (p->unconfirmed)
		diag_err("stopped before %llu message%s were confirmed: they may or may not be in the topic",
			(unsigned long long)p->unconfirmed, p->unconfirmed == 1 ? "" : "s");
	if (k->unsent)
		diag_err("stopped: %llu input line%s read but not produced", (unsigned long long)k->unsent,
			k->unsent == 1 ? "" : "s");
	diag_info("in %llu, produced %llu, delivered %llu, failed %llu, rejected %llu",
		(unsigned long long)k->in, (unsigned long long)p->produced,
		(unsigned long long)p->delivered, (unsigned long long)failed,
		(unsigned long long)k->rejected);
	if (failed || p->fatal)
		return RN_EXIT_RUNTIME;
	return k->status;
}

int main(int argc, char **argv)
{
	static struct kprod k;
	int r;

	cli_init(argv);
	kconf_init(&k.kc);
	kp_env_init(&k.env);
	kp_wire_init(&k.wire);
	rec_init(&k.r);
	k.partition = RD_KAFKA_PARTITION_UA;
	k.timeout_ms = 30000;
	if ((r = options(&k, argc, argv)) != CLI_CONTINUE) {
		cleanup(&k);
		return r;
	}
	argc -= optind;
	argv += optind;

	const char *const defaults[] = {
		"enable.idempotence", "true",
		"acks", "all",
		"linger.ms", "10",
		"compression.codec", k.codec ? k.codec : "snappy",
		NULL,
	};
	rd_kafka_conf_t *conf = kconf_build(&k.kc, defaults);
	if (!conf) {
		cleanup(&k);
		return RN_EXIT_CONFIG;
	}
	if (k.kc.dump) {
		kconf_dump(conf);
		rd_kafka_conf_destroy(conf);
		cleanup(&k);
		return RN_EXIT_OK;
	}
	if ((r = kp_wire_start(&k.wire, &k.kc, k.topic, k.envelope, k.have_key)) != CLI_CONTINUE) {
		rd_kafka_conf_destroy(conf);
		cleanup(&k);
		return r;
	}
	if (cli.reject && diag_reject_open(cli.reject) < 0) {
		rd_kafka_conf_destroy(conf);
		cleanup(&k);
		return RN_EXIT_RUNTIME;
	}
	if (kp_open(&k.p, conf, kconf_brokers(&k.kc)) < 0 ||
		kp_wait_cluster(&k.p, k.topic, k.timeout_ms) < 0) {
		cleanup(&k);
		diag_finish();
		return sig_stop ? RN_EXIT_OK : RN_EXIT_RUNTIME;
	}
	if (k.tee)
		out_init(&k.out, 1, "stdout", cli.unbuffered);

	if (argc == 0)
		run_file(&k, "-");
	for (int i = 0; i < argc && !k.stop && !sig_stop && !k.p.fatal; i++)
		run_file(&k, argv[i]);

	if (k.tee && out_close(&k.out) < 0 && !k.out.broken) {
		diag_err("stdout: %s", strerror(k.out.err));
		k.status = RN_EXIT_RUNTIME;
	}
	kp_finish(&k.p, k.timeout_ms);
	r = report(&k);
	if (diag_finish() < 0 && r == RN_EXIT_OK)
		r = RN_EXIT_RUNTIME;
	cleanup(&k);
	return r;
}
