#ifndef RUNNEL_KPROD_H
#define RUNNEL_KPROD_H

#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "buf.h"
#include "path.h"
#include "rec.h"

/* One message for kp_send. NULL key/val: null key / null value (tombstone). */
struct kp_msg {
	const char *topic; /* NULL: the default topic (-t) */
	int32_t partition; /* RD_KAFKA_PARTITION_UA: the partitioner picks */
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
	int64_t ts;               /* CreateTime in epoch ms; 0: the time of producing */
	rd_kafka_headers_t *hdrs; /* NULL, or handed over to kp_send */
};

/* The producer: librdkafka handle, topic handles, delivery accounting. */
struct kp_topic {
	char *name;
	rd_kafka_topic_t *rkt;
};

struct kp {
	rd_kafka_t *rk;
	const char *brokers;
	struct kp_topic *topics;
	size_t ntopics;
	uint64_t produced;  /* handed to librdkafka */
	uint64_t delivered; /* acknowledged by the cluster */
	uint64_t failed;    /* delivery reports with an error, and refused sends */
	uint64_t unconfirmed; /* purged at a bounded stop: outcome unknown */
	uint64_t shown;     /* delivery failures printed */
	uint64_t since_poll;
	bool purging;
	bool fatal;
	char last_err[512]; /* latest cluster-level error, for messages */
};

/* Takes conf (also on failure). 0, or -1 after a message. */
int kp_open(struct kp *p, rd_kafka_conf_t *conf, const char *brokers);
/* Waits up to timeout_ms until the cluster answers a metadata request; -1 after a
   message (or when a stop signal came). */
int kp_wait_cluster(struct kp *p, const char *topic, int64_t timeout_ms);
/* Queues one message, polling while the local queue is full. 0 when queued;
   -1 when it was refused (counted and reported as failed); -2 when stopping (fatal
   error or a second signal) before it could be queued: not counted. */
int kp_send(struct kp *p, const struct kp_msg *m);
/* Serves delivery reports, waiting up to ms for one. */
void kp_poll(struct kp *p, int ms);
void kp_poll_cb(void *p);
/* Waits for every delivery report. After a stop signal (or if one comes) it waits at
   most timeout_ms, a second signal not at all; what is left is purged and counted
   as unconfirmed. */
void kp_finish(struct kp *p, int64_t timeout_ms);
void kp_close(struct kp *p);

/* -J: the kcons envelope of one line, decoded into m (views into the line or into
   the parser's buffers, valid until the next call). */
struct kp_env {
	struct rec r;
	struct buf key, val, topic, scratch;
	const struct path *ts_path; /* --timestamp-from: a field of the value */
};

void kp_env_init(struct kp_env *e);
void kp_env_free(struct kp_env *e);
/* false with *why set when the line is no valid envelope. m->hdrs is created here when
   the envelope has headers; the caller owns it. */
bool kp_env_parse(struct kp_env *e, const char *line, size_t len, struct kp_msg *m,
	struct buf *why);

#endif
