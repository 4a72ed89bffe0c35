/* kcons: consume Kafka topics to NDJSON, at least once across a shell pipeline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "kcons.h"
#include "sig.h"
#include "tm.h"

static const char help[] =
	"usage: kcons [-b BROKERS] -t TOPIC[,TOPIC] [-G GROUP] [-p PART,...] [-o OFFSET] [-e]\n"
	"             [-c N] [--from TIME] [--until TIME] [-J | --meta] [--max-rate N/s]\n"
	"             [-X prop=val]... [-F FILE] [--timeout DUR]\n"
	"       kcons -L [-b BROKERS] [-t TOPIC,...] [-G GROUP]\n"
	"Write Kafka messages to stdout, one JSON record per line.\n"
	"  -b, --brokers LIST   bootstrap brokers (default $KAFKA_BROKERS, else localhost:9092)\n"
	"  -t, --topic T[,T]    topics to read (repeatable; ^REGEX patterns with -G)\n"
	"  -G, --group GROUP    consumer group: share partitions, resume where the group left\n"
	"                       off, commit offsets of written records only (at least once)\n"
	"  -p, --partition P,.. read only these partitions\n"
	"  -o, --offset OFF     beginning | end | stored | N | -N (N before the end, per\n"
	"                       partition); with -G: where partitions without a committed\n"
	"                       offset start (default beginning)\n"
	"  -e, --exit           stop when every partition reaches its end as of the start\n"
	"  -c, --count N        stop after N messages\n"
	"      --from TIME      skip messages with a timestamp before TIME (RFC 3339, epoch\n"
	"                       ms, or relative: -2h)\n"
	"      --until TIME     stop each partition at its first message at or after TIME\n"
	"  -J, --envelope       write the Kafka envelope: topic, partition, offset, ts, key,\n"
	"                       headers and value, binary-safe (kprod -J reads it back)\n"
	"      --meta           add \"_kafka\":{topic,partition,offset,ts,key} to each value\n"
	"      --max-rate N/s   consume at most N messages per second\n"
	"  -X, --property P=V   librdkafka property (repeatable; -X list shows them, -X dump\n"
	"                       prints the configuration)\n"
	"  -F, --config FILE    librdkafka properties file (Java properties, as kcat)\n"
	"  -L, --list           print brokers, topics, partitions, leaders and low/high\n"
	"                       offsets (and -G's committed offsets) as JSON\n"
	"      --timeout DUR    how long -e, --until and -L runs try to reach the cluster\n"
	"                       before they fail (default 10s)\n"
	KCW_HELP CLI_HELP_INPUT CLI_HELP_BASE;

enum { OPT_FROM = CLI_OPT_TOOL, OPT_UNTIL, OPT_META, OPT_MAX_RATE, OPT_TIMEOUT };

static const struct option longopts[] = {
	{ "brokers", required_argument, NULL, 'b' },
	{ "topic", required_argument, NULL, 't' },
	{ "group", required_argument, NULL, 'G' },
	{ "partition", required_argument, NULL, 'p' },
	{ "offset", required_argument, NULL, 'o' },
	{ "exit", no_argument, NULL, 'e' },
	{ "count", required_argument, NULL, 'c' },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "envelope", no_argument, NULL, 'J' },
	{ "meta", no_argument, NULL, OPT_META },
	{ "max-rate", required_argument, NULL, OPT_MAX_RATE },
	{ "property", required_argument, NULL, 'X' },
	{ "config", required_argument, NULL, 'F' },
	{ "list", no_argument, NULL, 'L' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	KCW_LONG_OPTS,
	CLI_LONG_INPUT,
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

static bool add_topics(struct kc *k, const char *arg)
{
	const char *s = arg;
	for (;;) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		if (!n)
			return false;
		bool dup = false;
		for (int i = 0; i < k->ntopics && !dup; i++)
			dup = strlen(k->topics[i]) == n && !memcmp(k->topics[i], s, n);
		if (!dup) {
			k->topics = xrealloc(k->topics, (size_t)(k->ntopics + 1) * sizeof *k->topics);
			k->topics[k->ntopics++] = xstrndup(s, n);
		}
		if (!c)
			return true;
		s = c + 1;
	}
}

static bool add_parts(struct kc *k, const char *arg)
{
	const char *s = arg;
	for (;;) {
		char *e;
		long v = strtol(s, &e, 10);
		if (e == s || v < 0 || v > INT32_MAX || (*e && *e != ','))
			return false;
		k->parts = xrealloc(k->parts, (size_t)(k->nparts + 1) * sizeof *k->parts);
		k->parts[k->nparts++] = (int32_t)v;
		if (!*e)
			return true;
		s = e + 1;
	}
}

static bool parse_offset(struct kc *k, const char *s)
{
	long long v;
	if (!strcmp(s, "beginning"))
		k->start = KC_BEGINNING;
	else if (!strcmp(s, "end"))
		k->start = KC_END;
	else if (!strcmp(s, "stored"))
		k->start = KC_STORED;
	else if (*s == '-' && cli_parse_count(s + 1, &v) && v > 0)
		k->start = KC_TAIL, k->start_off = v;
	else if (cli_parse_count(s, &v))
		k->start = KC_ABS, k->start_off = v;
	else
		return false;
	return true;
}

static void kc_free(struct kc *k)
{
	for (int i = 0; i < k->ntopics; i++)
		free(k->topics[i]);
	free(k->topics);
	free(k->parts);
	for (int i = 0; i < k->nt; i++) {
		free(k->t[i].name);
		free(k->t[i].p);
	}
	free(k->t);
	free(k->dirty);
	free(k->hdrs);
	buf_free(&k->why);
	buf_free(&k->loc);
	buf_free(&k->scratch);
	kconf_free(&k->conf);
	kc_wire_free(&k->wire);
}

int main(int argc, char **argv)
{
	static struct kc k;
	int c, r;

	cli_init(argv);
	kconf_init(&k.conf);
	kc_wire_init(&k.wire);
	k.timeout_ms = 10000;
	while ((c = getopt_long(argc, argv, "b:t:G:p:o:ec:JX:F:L" CLI_SHORT_INPUT CLI_SHORT_BASE,
			longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			k.conf.brokers = optarg;
			break;
		case 't':
			if (!add_topics(&k, optarg))
				return cli_usage("-t: expected TOPIC[,TOPIC...]: '%s'", optarg);
			break;
		case 'G':
			if (!*optarg)
				return cli_usage("-G: empty group name");
			k.group = optarg;
			break;
		case 'p':
			if (!add_parts(&k, optarg))
				return cli_usage("-p: expected partition numbers like 0,2,5: '%s'", optarg);
			break;
		case 'o':
			if (!parse_offset(&k, optarg))
				return cli_usage("-o: expected beginning, end, stored, N or -N: '%s'", optarg);
			break;
		case 'e':
			k.exit_eof = true;
			break;
		case 'c':
			if (!cli_parse_count(optarg, &k.count) || k.count < 1)
				return cli_usage("-c: expected a positive count: '%s'", optarg);
			break;
		case OPT_FROM:
			if (!tm_parse_time(optarg, tm_now_ms(), &k.from))
				return cli_usage("--from: not a time: '%s'", optarg);
			k.have_from = true;
			break;
		case OPT_UNTIL:
			if (!tm_parse_time(optarg, tm_now_ms(), &k.until))
				return cli_usage("--until: not a time: '%s'", optarg);
			k.have_until = true;
			break;
		case 'J':
			k.envelope = true;
			break;
		case OPT_META:
			k.meta = true;
			break;
		case OPT_MAX_RATE:
			if (!cli_parse_rate(optarg, &k.max_rate))
				return cli_usage("--max-rate: expected a rate like 1000/s: '%s'", optarg);
			break;
		case 'X':
			r = kconf_add(&k.conf, optarg);
			if (r == KCONF_DONE)
				return RN_EXIT_OK;
			if (r != KCONF_OK)
				return RN_EXIT_CONFIG;
			break;
		case 'F':
			if (kconf_add_file(&k.conf, optarg) < 0)
				return RN_EXIT_CONFIG;
			break;
		case 'L':
			k.list = true;
			break;
		case OPT_TIMEOUT:
			if (!tm_parse_duration(optarg, &k.timeout_ms, false) || k.timeout_ms <= 0)
				return cli_usage("--timeout: not a duration: '%s'", optarg);
			break;
		default:
			if (kc_wire_opt(&k.wire, c, optarg))
				break;
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE)
				return r;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0)
		return cli_usage("unexpected argument '%s'", argv[0]);
	if (!k.ntopics && !k.list)
		return cli_usage("no topic: use -t TOPIC");
	if (k.envelope && k.meta)
		return cli_usage("-J and --meta are alternatives: -J already carries the metadata");
	if (k.have_from && k.have_until && k.from >= k.until)
		return cli_usage("--from must be before --until");
	k.assign_mode = !k.group || k.parts;
	if (k.start == KC_STORED && !k.group)
		return cli_usage("-o stored needs a consumer group (-G)");
	if (!k.assign_mode && (k.start == KC_ABS || k.start == KC_TAIL))
		return cli_usage("-o N and -o -N with -G need explicit partitions (-p); a group "
			"resumes from its committed offsets");
	for (int i = 0; i < k.ntopics; i++)
		if (k.topics[i][0] == '^' && (k.assign_mode || k.list))
			return cli_usage("topic patterns (%s) need -G and no -p", k.topics[i]);
	if (cli.reject && diag_reject_open(cli.reject) < 0)
		return RN_EXIT_RUNTIME;
	if (!k.list && (r = kc_wire_start(&k.wire, &k.conf)) != CLI_CONTINUE) {
		kc_free(&k);
		return r;
	}

	r = k.list ? kc_list(&k) : kc_consume(&k);
	if (diag_finish() < 0 && r == RN_EXIT_OK)
		r = RN_EXIT_RUNTIME;
	if (!k.list)
		diag_info("consumed %llu, written %llu, rejected %llu, skipped before --from %llu",
			k.consumed, k.written, k.rejected, k.skipped);
	kc_free(&k);
	return r;
}
