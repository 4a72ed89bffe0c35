/* kprod's producer: queueing with back-pressure, delivery reports, bounded stops. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "kprod.h"
#include "sig.h"
#include "tm.h"

#define POLL_EVERY 1000 /* messages between non-blocking polls for delivery reports */
#define REQUEST_MS 5000 /* one metadata request */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kp *p = opaque;
	(void)rk;
	if (!m->err) {
		p->delivered++;
		return;
	}
	if (p->purging && (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
		m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)) {
		p->unconfirmed++;
		return;
	}
	p->failed++;
	if (p->shown < DIAG_BAD_SHOWN)
		diag_err("delivery failed: %s [%d]: %s", rd_kafka_topic_name(m->rkt),
			(int)m->partition, rd_kafka_err2str(m->err));
	else if (p->shown == DIAG_BAD_SHOWN)
		diag_err("more delivery failures: further messages suppressed (counted in the summary)");
	p->shown++;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kp *p = opaque;
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		char why[512];
		rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
		diag_err("fatal producer error: %s: %s", rd_kafka_err2name(orig), why);
		p->fatal = true;
		return;
	}
	snprintf(p->last_err, sizeof p->last_err, "%s", reason);
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		diag_warn("all brokers down (%s): %s; retrying", p->brokers, reason);
	else
		diag_info("%s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* Creates the handle with SIGINT/SIGTERM blocked, so librdkafka's threads inherit a
   mask that leaves the signals to the main thread. */
int kp_open(struct kp *p, rd_kafka_conf_t *conf, const char *brokers)
{
	char err[512];
	memset(p, 0, sizeof *p);
	p->brokers = brokers;
	rd_kafka_conf_set_opaque(conf, p);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!p->rk) {
		diag_err("cannot create the producer: %s", err);
		return -1;
	}
	return 0;
}

static rd_kafka_topic_t *topic(struct kp *p, const char *name)
{
	for (size_t i = 0; i < p->ntopics; i++)
		if (!strcmp(p->topics[i].name, name)) {
			if (i) { /* keep the last used first: one topic is the common case */
				struct kp_topic t = p->topics[i];
				p->topics[i] = p->topics[0];
				p->topics[0] = t;
			}
			return p->topics[0].rkt;
		}
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(p->rk, name, NULL);
	if (!rkt)
		return NULL;
	p->topics = xrealloc(p->topics, (p->ntopics + 1) * sizeof *p->topics);
	p->topics[p->ntopics].name = xstrdup(name);
	p->topics[p->ntopics].rkt = rkt;
	p->ntopics++;
	return rkt;
}

int kp_wait_cluster(struct kp *p, const char *name, int64_t timeout_ms)
{
	int64_t deadline = tm_mono_ms() + timeout_ms;
	rd_kafka_topic_t *rkt = name ? topic(p, name) : NULL;
	for (;;) {
		int64_t left = deadline - tm_mono_ms();
		if (left <= 0 || sig_stop)
			break;
		const struct rd_kafka_metadata *md;
		rd_kafka_resp_err_t e = rd_kafka_metadata(p->rk, 0, rkt, &md,
			(int)(left < REQUEST_MS ? left : REQUEST_MS));
		if (!e) {
			/* a cluster without auto-creation fails such messages only after
			   topic.metadata.propagation.max.ms: say so now */
			if (name && md->topic_cnt == 1 &&
				md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
				diag_warn("topic %s does not exist (yet)", name);
			rd_kafka_metadata_destroy(md);
			return 0;
		}
		if (!p->last_err[0])
			snprintf(p->last_err, sizeof p->last_err, "%s", rd_kafka_err2str(e));
		kp_poll(p, 0);
	}
	if (sig_stop)
		return -1;
	diag_err("cannot reach the Kafka cluster at %s within %llds (--timeout): %s", p->brokers,
		(long long)(timeout_ms + 999) / 1000, p->last_err[0] ? p->last_err : "no answer");
	return -1;
}

void kp_poll(struct kp *p, int ms)
{
	rd_kafka_poll(p->rk, ms);
	p->since_poll = 0;
}

void kp_poll_cb(void *p)
{
	kp_poll(p, 0);
}

int kp_send(struct kp *p, const struct kp_msg *m)
{
	rd_kafka_topic_t *rkt = topic(p, m->topic);
	if (!rkt) {
		rd_kafka_resp_err_t e = rd_kafka_last_error();
		p->failed++;
		diag_err("delivery failed: %s [%d]: %s", m->topic, (int)m->partition, rd_kafka_err2str(e));
		if (m->hdrs)
			rd_kafka_headers_destroy(m->hdrs);
		return -1;
	}
	for (;;) {
		if (p->fatal || sig_stop >= 2) {
			if (m->hdrs)
				rd_kafka_headers_destroy(m->hdrs);
			return -2;
		}
		rd_kafka_resp_err_t e = rd_kafka_producev(p->rk,
			RD_KAFKA_V_RKT(rkt),
			RD_KAFKA_V_PARTITION(m->partition),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_KEY(m->key, m->key ? m->klen : 0),
			RD_KAFKA_V_VALUE((void *)m->val, m->val ? m->vlen : 0),
			RD_KAFKA_V_TIMESTAMP(m->ts),
			RD_KAFKA_V_HEADERS(m->hdrs),
			RD_KAFKA_V_END);
		if (!e) {
			p->produced++;
			if (++p->since_poll >= POLL_EVERY)
				kp_poll(p, 0);
			return 0;
		}
		if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			/* back-pressure: wait for delivery reports to make room, never drop;
			   after a stop signal the line stays unsent (and is reported) */
			if (sig_stop) {
				if (m->hdrs)
					rd_kafka_headers_destroy(m->hdrs);
				return -2;
			}
			kp_poll(p, 100);
			continue;
		}
		if (m->hdrs)
			rd_kafka_headers_destroy(m->hdrs);
		p->failed++;
		if (p->shown++ < DIAG_BAD_SHOWN)
			diag_err("delivery failed: %s [%d]: %s", m->topic, (int)m->partition,
				rd_kafka_err2str(e));
		return -1;
	}
}

void kp_finish(struct kp *p, int64_t timeout_ms)
{
	int64_t deadline = INT64_MAX;
	while (rd_kafka_outq_len(p->rk) > 0) {
		if (sig_stop && deadline == INT64_MAX) {
			deadline = tm_mono_ms() + timeout_ms;
			diag_warn("stopping: waiting up to %llds for %d outstanding deliveries",
				(long long)(timeout_ms + 999) / 1000, rd_kafka_outq_len(p->rk));
		}
		if (sig_stop >= 2 || p->fatal || tm_mono_ms() >= deadline)
			break;
		kp_poll(p, 100);
	}
	if (rd_kafka_outq_len(p->rk) > 0) {
		/* bounded stop: whatever is still queued or in flight has an unknown fate */
		p->purging = true;
		rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		int64_t end = tm_mono_ms() + 2000;
		while (rd_kafka_outq_len(p->rk) > 0 && tm_mono_ms() < end)
			kp_poll(p, 50);
		kp_poll(p, 0);
	}
}

void kp_close(struct kp *p)
{
	for (size_t i = 0; i < p->ntopics; i++) {
		rd_kafka_topic_destroy(p->topics[i].rkt);
		free(p->topics[i].name);
	}
	free(p->topics);
	p->topics = NULL;
	p->ntopics = 0;
	if (p->rk)
		rd_kafka_destroy(p->rk);
	p->rk = NULL;
}
