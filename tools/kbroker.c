/* kbroker: librdkafka's in-memory mock cluster on loopback, for tests and demos. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "buf.h"
#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "sig.h"
#include "tm.h"

static const char help[] =
	"usage: kbroker [-n BROKERS] [-t TOPIC[:PARTITIONS]]... [--bootstrap-file FILE]\n"
	"Run an in-memory Kafka-protocol cluster on 127.0.0.1 (librdkafka's mock cluster).\n"
	"Not durable: data lives in memory only; for tests and demos.\n"
	"  -n, --brokers N          number of brokers (default 1)\n"
	"  -t, --topic T[:P]        create topic T with P partitions (default 1); repeatable\n"
	"      --bootstrap-file F   also write the bootstrap address to F (atomically)\n"
	"The bootstrap address is the first line on stdout, printed once the cluster\n"
	"accepts connections. Runs until SIGINT/SIGTERM or until its parent exits.\n"
	CLI_HELP_BASE;

enum { OPT_BOOTSTRAP_FILE = CLI_OPT_TOOL };

static const struct option longopts[] = {
	{ "brokers", required_argument, NULL, 'n' },
	{ "topic", required_argument, NULL, 't' },
	{ "bootstrap-file", required_argument, NULL, OPT_BOOTSTRAP_FILE },
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

struct topic {
	char *name;
	int partitions;
};

#define READY_TIMEOUT_MS 10000

/* TOPIC or TOPIC:PARTITIONS; Kafka topic names are [a-zA-Z0-9._-]{1,249}. */
static bool parse_topic(const char *arg, struct topic *t)
{
	const char *colon = strrchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	if (n == 0 || n > 249)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = arg[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '.' || c == '_' || c == '-'))
			return false;
	}
	t->partitions = 1;
	if (colon) {
		long long p;
		if (!cli_parse_count(colon + 1, &p) || p < 1 || p > 10000)
			return false;
		t->partitions = (int)p;
	}
	t->name = xstrndup(arg, n);
	return true;
}

/* The broker lives on a librdkafka handle's background threads; quiet its log. */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *msg)
{
	(void)rk;
	if (level <= 3 || diag_level() >= DIAG_VERBOSE)
		diag_err("librdkafka: %s: %s", fac, msg);
}

static void free_topics(struct topic *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].name);
	free(t);
}

/* A plain TCP connect to one host:port, proving its listener accepts. */
static bool tcp_accepts(const char *hostport)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	if (!colon || (size_t)(colon - hostport) >= sizeof host)
		return false;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = 0;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return false;
	bool ok = false;
	for (struct addrinfo *a = ai; a && !ok; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		ok = connect(fd, a->ai_addr, a->ai_addrlen) == 0;
		close(fd);
	}
	freeaddrinfo(ai);
	return ok;
}

/* Every broker accepts TCP, and a real client sees every pre-created topic in metadata. */
static bool cluster_ready(const char *bootstraps, const struct topic *topics, size_t ntopics)
{
	char *list = xstrdup(bootstraps), *save = NULL;
	for (char *hp = strtok_r(list, ",", &save); hp; hp = strtok_r(NULL, ",", &save)) {
		if (!tcp_accepts(hp)) {
			diag_err("broker %s does not accept connections", hp);
			free(list);
			return false;
		}
	}
	free(list);

	char err[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, log_cb);
	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, err, sizeof err) != RD_KAFKA_CONF_OK) {
		diag_err("client config: %s", err);
		rd_kafka_conf_destroy(conf);
		return false;
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
	if (!rk) {
		diag_err("cannot create a client: %s", err);
		return false;
	}
	bool ok = false;
	int64_t deadline = tm_mono_ms() + READY_TIMEOUT_MS;
	while (!ok && !sig_stop && tm_mono_ms() < deadline) {
		const struct rd_kafka_metadata *md;
		rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, 2000);
		if (e) {
			diag_info("metadata: %s", rd_kafka_err2str(e));
			continue;
		}
		size_t seen = 0;
		for (size_t i = 0; i < ntopics; i++)
			for (int j = 0; j < md->topic_cnt; j++)
				if (!strcmp(md->topics[j].topic, topics[i].name) && !md->topics[j].err &&
					md->topics[j].partition_cnt == topics[i].partitions) {
					seen++;
					break;
				}
		ok = seen == ntopics;
		rd_kafka_metadata_destroy(md);
	}
	rd_kafka_destroy(rk);
	if (!ok && !sig_stop)
		diag_err("cluster did not answer metadata requests within %d ms", READY_TIMEOUT_MS);
	return ok;
}

/* temp file in the same folder, then rename: readers see nothing or the whole line. */
static int write_atomically(const char *path, const char *text)
{
	struct buf tmp = BUF_INIT;
	buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	if (w != (ssize_t)n || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp.p);
		errno = e ? e : EIO;
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp.p, path) < 0) {
		int e = errno;
		unlink(tmp.p);
		errno = e;
		goto fail;
	}
	buf_free(&tmp);
	return 0;
fail:
	diag_err("cannot write %s: %s", path, strerror(errno));
	buf_free(&tmp);
	return -1;
}

int main(int argc, char **argv)
{
	int c, r;
	long long nbrokers = 1;
	const char *bootstrap_file = NULL;
	struct topic *topics = NULL;
	size_t ntopics = 0;
	pid_t parent = getppid();

	cli_init(argv);
	/* die with the parent (a test script killed with SIGKILL must not leave us behind) */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		return RN_EXIT_OK;

	while ((c = getopt_long(argc, argv, "n:t:" CLI_SHORT_BASE, longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!cli_parse_count(optarg, &nbrokers) || nbrokers < 1 || nbrokers > 64) {
				free_topics(topics, ntopics);
				return cli_usage("-n: not a broker count (1..64): %s", optarg);
			}
			break;
		case 't':
			topics = xrealloc(topics, (ntopics + 1) * sizeof *topics);
			if (!parse_topic(optarg, &topics[ntopics])) {
				free_topics(topics, ntopics);
				return cli_usage("-t: expected TOPIC or TOPIC:PARTITIONS, got %s", optarg);
			}
			ntopics++;
			break;
		case OPT_BOOTSTRAP_FILE:
			bootstrap_file = optarg;
			break;
		default:
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE) {
				free_topics(topics, ntopics);
				return r;
			}
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0) {
		free_topics(topics, ntopics);
		return cli_usage("unexpected argument: %s", argv[0]);
	}

	char err[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, log_cb);
	/* librdkafka's threads inherit a mask that leaves SIGINT/SIGTERM to this thread */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
	rd_kafka_mock_cluster_t *mc = rk ? rd_kafka_mock_cluster_new(rk, (int)nbrokers) : NULL;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!rk) {
		diag_err("cannot create the librdkafka handle: %s", err);
		free_topics(topics, ntopics);
		return RN_EXIT_RUNTIME;
	}
	if (!mc) {
		diag_err("cannot start the mock cluster");
		rd_kafka_destroy(rk);
		free_topics(topics, ntopics);
		return RN_EXIT_RUNTIME;
	}
	int status = RN_EXIT_OK;
	int repl = nbrokers < 3 ? (int)nbrokers : 3;
	for (size_t i = 0; i < ntopics; i++) {
		rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topics[i].name,
			topics[i].partitions, repl);
		if (e) {
			diag_err("cannot create topic %s: %s", topics[i].name, rd_kafka_err2str(e));
			status = RN_EXIT_RUNTIME;
		}
		/* The 2.0.2 mock thread can miss the wake-up for a request queued right after
		   it answered the previous one, and then sleeps its 1 s poll timeout: measured
		   1-3 s for 14 topics without this pause, 25-50 ms with it. */
		usleep(1000);
	}
	const char *bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
	if (status == RN_EXIT_OK && !cluster_ready(bootstraps, topics, ntopics))
		status = sig_stop ? RN_EXIT_OK : RN_EXIT_RUNTIME;
	if (status == RN_EXIT_OK && !sig_stop) {
		if (bootstrap_file && write_atomically(bootstrap_file, bootstraps) < 0)
			status = RN_EXIT_RUNTIME;
	}
	if (status == RN_EXIT_OK && !sig_stop) {
		printf("%s\n", bootstraps);
		fflush(stdout);
		diag_warn("in-memory Kafka cluster (%lld broker%s) at %s: not durable, data is lost "
			"at exit; for tests and demos only", nbrokers, nbrokers == 1 ? "" : "s", bootstraps);
		struct pollfd pfd = { .fd = sig_fd(), .events = POLLIN };
		while (!sig_stop) {
			if (poll(&pfd, 1, 500) > 0)
				sig_drain();
			if (getppid() != parent) {
				diag_warn("parent process exited; stopping");
				break;
			}
		}
		if (sig_stop)
			diag_info("stopping on signal %d", (int)sig_last);
	}
	if (bootstrap_file && status == RN_EXIT_OK)
		unlink(bootstrap_file);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	free_topics(topics, ntopics);
	return status;
}
