#ifndef RUNNEL_KCONS_H
#define RUNNEL_KCONS_H

#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "buf.h"
#include "kconf.h"
#include "kenv.h"
#include "out.h"
#include "rec.h"
#include "wire.h"

/* Where a partition starts (-o). */
enum kc_start { KC_DEFAULT, KC_BEGINNING, KC_END, KC_STORED, KC_ABS, KC_TAIL };

/* One partition's progress. Offsets are "next to read" (the Kafka commit convention);
   -1 means none yet. */
struct kc_part {
	bool known;    /* present in the table */
	bool assigned;
	bool done;     /* -e or --until reached: paused, no more output */
	bool started;  /* --from: a message at or after the start time was seen */
	bool dirty;    /* on the list of partitions with unflushed output */
	int ti;        /* its topic's index in kc.t, and its id: the list holds these, */
	int32_t id;    /* not pointers, as the tables may grow in a rebalance */
	int64_t end;   /* -e: end offset when it was assigned, -1 unknown */
	int64_t pend;  /* after messages handled but not yet flushed to stdout */
	int64_t written; /* after messages flushed to stdout */
	int64_t ripe;  /* `written` as of the previous commit tick */
	int64_t stored; /* last offset given to rd_kafka_offsets_store */
};

struct kc_topic {
	char *name;
	struct kc_part *p; /* indexed by partition id */
	int32_t np;
	const rd_kafka_topic_t *rkt; /* last handle seen, for a fast lookup */
};

struct kc {
	/* options */
	struct kconf conf;
	struct kc_wire wire; /* --avro */
	char **topics;
	int ntopics;
	const char *group;
	int32_t *parts; /* -p, or NULL */
	int nparts;
	enum kc_start start;
	int64_t start_off;
	bool exit_eof;   /* -e */
	long long count; /* -c, 0 = unlimited */
	bool have_from, have_until;
	int64_t from, until;
	bool envelope; /* -J */
	bool meta;     /* --meta */
	double max_rate;
	bool list;     /* -L */
	int64_t timeout_ms; /* --timeout: bounded runs give up on an unreachable cluster */

	/* state */
	rd_kafka_t *rk;
	struct out out;
	struct kc_topic *t;
	int nt;
	struct kc_ref {
		int ti;
		int32_t id;
	} *dirty;
	size_t ndirty, capdirty;
	struct rec rec;
	struct buf why, loc, scratch;
	struct kenv_hdr *hdrs;
	size_t hcap;
	char last_err[512]; /* the latest connection problem, for messages */
	bool assign_mode;  /* partitions chosen by us (no -G, or -G with -p) */
	bool assigned_once;
	bool started;      /* past the first metadata: error_cb reports outages */
	bool stop;
	bool reader_gone;  /* EPIPE or the pipe's reader closed: commit nothing more */
	bool syncing;      /* in a synchronous commit: its callback stays quiet */
	bool closing;      /* so does an earlier async commit's, failing at exit */
	int status;
	int64_t commit_ms, next_tick;
	int64_t down_since; /* monotonic ms since the cluster has been unreachable, 0 if not */
	bool down_said;
	int64_t rate_t0;
	unsigned long long consumed, written, rejected, skipped;
};

/* consume.c */
int kc_consume(struct kc *k);
rd_kafka_t *kc_client(struct kc *k, bool for_list);
bool kc_wait_metadata(struct kc *k, const struct rd_kafka_metadata **md, bool bounded);
/* list.c */
int kc_list(struct kc *k);
/* record.c: appends the output record for m to the output buffer, or rejects it */
bool kc_record(struct kc *k, const rd_kafka_message_t *m);

#endif
