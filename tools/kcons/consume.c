/* kcons: the consumer: assignment, the poll loop, and at-least-once offset commits. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "kcons.h"
#include "sig.h"
#include "tm.h"

#define POLL_MS 100    /* idle poll: flush, reader check and signals at this pace */
#define REQUEST_MS 5000 /* one metadata or offsets request, within --timeout */

static struct kc_topic *topic_get(struct kc *k, const char *name)
{
	for (int i = 0; i < k->nt; i++)
		if (!strcmp(k->t[i].name, name))
			return &k->t[i];
	k->t = xrealloc(k->t, (size_t)(k->nt + 1) * sizeof *k->t);
	struct kc_topic *t = &k->t[k->nt++];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	return t;
}

static struct kc_part *part_get(struct kc *k, const char *topic, int32_t id)
{
	struct kc_topic *t = topic_get(k, topic);
	if (id < 0)
		return NULL;
	if (id >= t->np) {
		int32_t np = id + 1;
		t->p = xrealloc(t->p, (size_t)np * sizeof *t->p);
		memset(t->p + t->np, 0, (size_t)(np - t->np) * sizeof *t->p);
		t->np = np;
	}
	struct kc_part *p = &t->p[id];
	if (!p->known) {
		p->known = true;
		p->ti = (int)(t - k->t);
		p->id = id;
		p->end = p->pend = p->written = p->ripe = p->stored = -1;
	}
	return p;
}

/* The partition of a message; the topic handle pointer saves the name comparison. */
static struct kc_part *part_of(struct kc *k, const rd_kafka_message_t *m)
{
	struct kc_topic *t = NULL;
	if (!m->rkt)
		return NULL;
	for (int i = 0; i < k->nt && !t; i++)
		if (k->t[i].rkt == m->rkt)
			t = &k->t[i];
	if (!t) {
		t = topic_get(k, rd_kafka_topic_name(m->rkt));
		t->rkt = m->rkt;
	}
	if (m->partition < 0 || m->partition >= t->np || !t->p[m->partition].known)
		return NULL;
	return &t->p[m->partition];
}

/* Whether the reader of our stdout pipe (or socket) has gone away: then stop, and
   commit nothing more, as the reader may have read more than it processed. */
static bool reader_gone(struct kc *k)
{
	struct pollfd p = { .fd = k->out.fd, .events = POLLOUT };
	if (!k->reader_gone && poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)))
		k->reader_gone = true;
	if (k->reader_gone)
		k->stop = true;
	return k->reader_gone;
}

static void promote(struct kc *k)
{
	for (size_t i = 0; i < k->ndirty; i++) {
		struct kc_part *p = &k->t[k->dirty[i].ti].p[k->dirty[i].id];
		p->written = p->pend;
		p->pend = -1;
		p->dirty = false;
	}
	k->ndirty = 0;
}

/* Writes buffered records; only then do their offsets become committable. */
static int flush_out(struct kc *k)
{
	if (k->reader_gone)
		return -1;
	if (out_flush(&k->out) < 0) {
		if (k->out.broken) {
			k->reader_gone = true;
		} else {
			diag_err("cannot write %s: %s", k->out.name, strerror(k->out.err));
			k->status = RN_EXIT_RUNTIME;
			k->reader_gone = true; /* what was written is unknown: commit nothing more */
		}
		k->stop = true;
		return -1;
	}
	promote(k);
	return 0;
}

static void handled(struct kc *k, struct kc_part *p, int64_t offset)
{
	p->pend = offset + 1;
	if (!p->dirty) {
		if (k->ndirty == k->capdirty) {
			k->capdirty = k->capdirty ? 2 * k->capdirty : 64;
			k->dirty = xrealloc(k->dirty, k->capdirty * sizeof *k->dirty);
		}
		k->dirty[k->ndirty].ti = p->ti;
		k->dirty[k->ndirty++].id = p->id;
		p->dirty = true;
	}
	if (k->out.b.len == 0)
		promote(k); /* nothing of ours is waiting in the buffer */
}

/* Stores the chosen offsets of assigned partitions and commits them (group mode);
   `when` names the occasion of a synchronous commit for its failure message. */
static int commit(struct kc *k, bool ripe_only, bool sync, const char *when)
{
	if (!k->group || k->reader_gone)
		return 0;
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(16);
	for (int i = 0; i < k->nt; i++)
		for (int32_t j = 0; j < k->t[i].np; j++) {
			struct kc_part *p = &k->t[i].p[j];
			int64_t off = ripe_only ? p->ripe : p->written;
			if (p->known && p->assigned && off >= 0 && off != p->stored)
				rd_kafka_topic_partition_list_add(l, k->t[i].name, j)->offset = off;
		}
	int r = 0, n = l->cnt;
	if (n) {
		rd_kafka_offsets_store(k->rk, l);
		for (int i = 0; i < l->cnt; i++)
			if (!l->elems[i].err)
				part_get(k, l->elems[i].topic, l->elems[i].partition)->stored =
					l->elems[i].offset;
	}
	rd_kafka_topic_partition_list_destroy(l);
	if (!n && !sync)
		return 0;
	k->syncing = sync;
	rd_kafka_resp_err_t e = rd_kafka_commit(k->rk, NULL, !sync);
	k->syncing = false;
	if (sync && e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
		diag_warn("cannot commit offsets for group %s %s: %s; what was written since the "
			"last commit will be read again", k->group, when, rd_kafka_err2str(e));
		r = -1;
	}
	return r;
}

/* Every commit interval: commit what was written one interval ago, if the reader is
   still there (a reader that dies soon after reading gets it again on restart). */
static void tick(struct kc *k, int64_t now)
{
	k->next_tick = now + k->commit_ms;
	if (reader_gone(k))
		return;
	commit(k, true, false, NULL);
	for (int i = 0; i < k->nt; i++)
		for (int32_t j = 0; j < k->t[i].np; j++)
			k->t[i].p[j].ripe = k->t[i].p[j].written;
}

static void pause_part(struct kc *k, const char *topic, int32_t id)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, id);
	rd_kafka_pause_partitions(k->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

static bool all_done(struct kc *k)
{
	if (!k->exit_eof && !k->have_until)
		return false;
	if (!k->assigned_once)
		return false;
	for (int i = 0; i < k->nt; i++)
		for (int32_t j = 0; j < k->t[i].np; j++) {
			struct kc_part *p = &k->t[i].p[j];
			if (p->known && p->assigned && !p->done)
				return false;
		}
	return true;
}

static void part_done(struct kc *k, const char *topic, int32_t id, struct kc_part *p)
{
	if (p->done)
		return;
	p->done = true;
	diag_info("%s [%d]: done", topic, (int)id);
	pause_part(k, topic, id);
	if (all_done(k))
		k->stop = true;
}

/* End offsets of the listed partitions (ListOffsets "latest", one batched request),
   recorded for -e; partitions whose lookup fails rely on the end-of-partition event. */
static void lookup_ends(struct kc *k, const rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_copy(parts);
	for (int i = 0; i < l->cnt; i++)
		l->elems[i].offset = RD_KAFKA_OFFSET_END;
	int64_t t = k->timeout_ms < REQUEST_MS ? k->timeout_ms : REQUEST_MS;
	rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(k->rk, l, (int)t);
	for (int i = 0; i < l->cnt; i++) {
		struct kc_part *p = part_get(k, l->elems[i].topic, l->elems[i].partition);
		p->end = !e && !l->elems[i].err ? l->elems[i].offset : -1;
	}
	if (e)
		diag_info("end offsets: %s", rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(l);
}

static void describe(const char *what, const rd_kafka_topic_partition_list_t *l)
{
	if (diag_level() < DIAG_VERBOSE)
		return;
	struct buf b = BUF_INIT;
	for (int i = 0; i < l->cnt; i++)
		buf_printf(&b, "%s%s [%d]", i ? ", " : "", l->elems[i].topic,
			(int)l->elems[i].partition);
	diag_info("%s: %s", what, l->cnt ? b.p : "nothing");
	buf_free(&b);
}

static void take(struct kc *k, const rd_kafka_topic_partition_list_t *l)
{
	for (int i = 0; i < l->cnt; i++) {
		struct kc_part *p = part_get(k, l->elems[i].topic, l->elems[i].partition);
		p->assigned = true;
		p->done = p->started = false;
		p->end = p->stored = -1;
	}
	if (k->exit_eof)
		lookup_ends(k, l);
	k->assigned_once = true;
	describe("assigned", l);
}

static void give_up(struct kc *k, const rd_kafka_topic_partition_list_t *l)
{
	for (int i = 0; i < l->cnt; i++) {
		struct kc_part *p = part_get(k, l->elems[i].topic, l->elems[i].partition);
		p->assigned = false;
		p->pend = p->written = p->ripe = -1;
		p->done = false;
	}
	describe("revoked", l);
}

/* Before partitions go to another member: write what we hold, commit it, let go. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
	rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct kc *k = opaque;
	bool coop = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		take(k, parts);
		if (coop) {
			rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
			if (e) {
				diag_err("cannot take partitions: %s", rd_kafka_error_string(e));
				rd_kafka_error_destroy(e);
			}
		} else {
			rd_kafka_assign(rk, parts);
		}
		/* -e: partitions that are all done already (empty assignment included) */
		if (all_done(k))
			k->stop = true;
		return;
	}
	if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
		if (!rd_kafka_assignment_lost(rk)) {
			flush_out(k);
			if (!reader_gone(k))
				commit(k, false, true, "before a rebalance");
		}
	} else {
		diag_err("rebalance: %s", rd_kafka_err2str(err));
	}
	give_up(k, parts);
	if (coop) {
		rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
		if (e)
			rd_kafka_error_destroy(e);
	} else {
		rd_kafka_assign(rk, NULL);
	}
}

static bool bounded(const struct kc *k)
{
	return k->exit_eof || k->have_until || k->list;
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kc *k = opaque;
	switch (err) {
	case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
		if (!k->down_since)
			k->down_since = tm_mono_ms();
		if (!k->down_said && k->started) {
			diag_warn("cannot reach the Kafka cluster at %s: %s; %s", kconf_brokers(&k->conf),
				k->last_err[0] ? k->last_err : reason,
				bounded(k) ? "retrying for --timeout" : "retrying");
			k->down_said = true;
		}
		break;
	case RD_KAFKA_RESP_ERR__TRANSPORT:
	case RD_KAFKA_RESP_ERR__RESOLVE:
		snprintf(k->last_err, sizeof k->last_err, "%s", reason);
		diag_info("%s", reason);
		break;
	case RD_KAFKA_RESP_ERR__FATAL: {
		char why[512];
		rd_kafka_fatal_error(rk, why, sizeof why);
		diag_err("fatal: %s", why);
		k->status = RN_EXIT_RUNTIME;
		k->stop = true;
		break;
	}
	case RD_KAFKA_RESP_ERR__AUTHENTICATION:
	case RD_KAFKA_RESP_ERR__SSL:
		snprintf(k->last_err, sizeof k->last_err, "%s", reason);
		diag_err("%s", reason);
		break;
	default:
		diag_info("%s: %s", rd_kafka_err2name(err), reason);
	}
}

static void commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
	rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
	(void)rk;
	(void)offsets;
	struct kc *k = opaque;
	if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET && !k->syncing && !k->closing)
		diag_warn("offset commit for group %s failed: %s (retried at the next commit)",
			k->group, rd_kafka_err2str(err));
}

/* A message or event came: the cluster is reachable (again). */
static void connected(struct kc *k)
{
	if (k->down_since) {
		if (k->down_said)
			diag_warn("connected to the Kafka cluster again");
		k->down_since = 0;
		k->down_said = false;
	}
}

rd_kafka_t *kc_client(struct kc *k, bool for_list)
{
	char err[512], val[64];
	size_t n = sizeof val;
	const char *reset = k->start == KC_END ? "latest" : "earliest";
	const char *defaults[] = {
		"client.id", "kcons",
		"group.id", k->group ? k->group : "kcons",
		"isolation.level", "read_committed",
		"auto.offset.reset", reset,
		NULL,
	};
	if (kconf_has(&k->conf, "enable.auto.offset.store") || kconf_has(&k->conf, "enable.auto.commit"))
		diag_warn("-X enable.auto.commit and enable.auto.offset.store are ignored: kcons "
			"commits only what it has written (auto.commit.interval.ms sets the pace)");
	rd_kafka_conf_t *conf = kconf_build(&k->conf, defaults);
	if (!conf) {
		k->status = RN_EXIT_CONFIG;
		return NULL;
	}
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
	rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", err, sizeof err);
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
	if (k->conf.dump) {
		kconf_dump(conf);
		rd_kafka_conf_destroy(conf);
		k->status = RN_EXIT_OK;
		return NULL;
	}
	if (rd_kafka_conf_get(conf, "auto.commit.interval.ms", val, &n) == RD_KAFKA_CONF_OK)
		k->commit_ms = atoll(val);
	if (k->commit_ms <= 0)
		k->commit_ms = 5000;
	rd_kafka_conf_set_opaque(conf, k);
	rd_kafka_conf_set_error_cb(conf, error_cb);
	if (!for_list) {
		rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
		rd_kafka_conf_set_offset_commit_cb(conf, commit_cb);
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
	if (!rk) {
		diag_err("cannot create the Kafka consumer: %s", err);
		k->status = RN_EXIT_CONFIG;
		return NULL;
	}
	rd_kafka_poll_set_consumer(rk);
	k->rk = rk;
	return rk;
}

/* Cluster metadata (all topics): retried until it comes, or for --timeout in bounded
   runs; false after reporting, or on a stop signal. */
bool kc_wait_metadata(struct kc *k, const struct rd_kafka_metadata **md, bool bound)
{
	int64_t t0 = tm_mono_ms(), deadline = t0 + k->timeout_ms;
	bool said = false;
	for (;;) {
		int64_t left = deadline - tm_mono_ms();
		/* short slices: a stop signal is seen within a second */
		int t = !bound || left > 1000 ? 1000 : left < 100 ? 100 : (int)left;
		rd_kafka_resp_err_t e = rd_kafka_metadata(k->rk, 1, NULL, md, t);
		if (!e) {
			if (said)
				diag_warn("connected to the Kafka cluster");
			return true;
		}
		/* serves error_cb, which knows the cause (connection refused, name unknown) */
		rd_kafka_message_t *m = rd_kafka_consumer_poll(k->rk, 0);
		if (m)
			rd_kafka_message_destroy(m);
		const char *why = k->last_err[0] ? k->last_err : rd_kafka_err2str(e);
		if (sig_stop)
			return false;
		if (bound && tm_mono_ms() >= deadline) {
			diag_err("cannot reach the Kafka cluster at %s within %llds (--timeout): %s",
				kconf_brokers(&k->conf), (long long)(k->timeout_ms + 999) / 1000, why);
			return false;
		}
		if (!bound && !said) {
			diag_warn("cannot reach the Kafka cluster at %s: %s; retrying",
				kconf_brokers(&k->conf), why);
			said = true;
		}
	}
}

static const struct rd_kafka_metadata_topic *md_topic(const struct rd_kafka_metadata *md,
	const char *name)
{
	for (int i = 0; i < md->topic_cnt; i++)
		if (!strcmp(md->topics[i].topic, name))
			return &md->topics[i];
	return NULL;
}

/* Start offsets for explicitly assigned partitions: -o, else --from by timestamp
   lookup (where the broker supports it), else the beginning or the group's offset. */
static void start_offsets(struct kc *k, rd_kafka_topic_partition_list_t *l)
{
	int64_t def = k->group ? RD_KAFKA_OFFSET_STORED : RD_KAFKA_OFFSET_BEGINNING;
	for (int i = 0; i < l->cnt; i++) {
		int64_t *o = &l->elems[i].offset;
		switch (k->start) {
		case KC_DEFAULT: *o = def; break;
		case KC_BEGINNING: *o = RD_KAFKA_OFFSET_BEGINNING; break;
		case KC_END: *o = RD_KAFKA_OFFSET_END; break;
		case KC_STORED: *o = RD_KAFKA_OFFSET_STORED; break;
		case KC_ABS: *o = k->start_off; break;
		case KC_TAIL: *o = RD_KAFKA_OFFSET_TAIL(k->start_off); break;
		}
	}
	if (k->start != KC_DEFAULT || !k->have_from)
		return;
	rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_copy(l);
	for (int i = 0; i < q->cnt; i++)
		q->elems[i].offset = k->from;
	int64_t t = k->timeout_ms < REQUEST_MS ? k->timeout_ms : REQUEST_MS;
	rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(k->rk, q, (int)t);
	for (int i = 0; i < q->cnt; i++)
		/* -1 is "no such message" on a real broker, but also all some brokers (the
		   mock) answer: start as without --from and skip by timestamp instead */
		if (!e && !q->elems[i].err && q->elems[i].offset >= 0)
			l->elems[i].offset = q->elems[i].offset;
	rd_kafka_topic_partition_list_destroy(q);
}

/* Subscribes (group) or assigns (explicit partitions); false after reporting. */
static bool start(struct kc *k)
{
	const struct rd_kafka_metadata *md;
	if (!kc_wait_metadata(k, &md, bounded(k))) {
		if (!sig_stop)
			k->status = RN_EXIT_RUNTIME;
		return false;
	}
	bool ok = true;
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(16);
	for (int i = 0; i < k->ntopics && ok; i++) {
		const char *name = k->topics[i];
		if (name[0] == '^') { /* a pattern: the group subscription resolves it */
			rd_kafka_topic_partition_list_add(l, name, RD_KAFKA_PARTITION_UA);
			continue;
		}
		const struct rd_kafka_metadata_topic *mt = md_topic(md, name);
		rd_kafka_resp_err_t te = mt ? mt->err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
		if (te && (k->assign_mode || bounded(k))) {
			diag_err("topic %s: %s", name, te == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ?
				"no such topic" : rd_kafka_err2str(te));
			ok = false;
			break;
		}
		if (te)
			diag_warn("topic %s: %s; waiting for it", name, rd_kafka_err2str(te));
		if (!k->assign_mode) {
			rd_kafka_topic_partition_list_add(l, name, RD_KAFKA_PARTITION_UA);
			continue;
		}
		if (k->parts) {
			for (int j = 0; j < k->nparts; j++) {
				if (k->parts[j] >= mt->partition_cnt) {
					diag_err("topic %s has no partition %d (it has %d)", name,
						(int)k->parts[j], mt->partition_cnt);
					ok = false;
					break;
				}
				rd_kafka_topic_partition_list_add(l, name, k->parts[j]);
			}
		} else {
			for (int j = 0; j < mt->partition_cnt; j++)
				rd_kafka_topic_partition_list_add(l, name, mt->partitions[j].id);
		}
	}
	rd_kafka_metadata_destroy(md);
	if (ok && k->assign_mode) {
		rd_kafka_topic_partition_list_sort(l, NULL, NULL);
		start_offsets(k, l);
		take(k, l);
		rd_kafka_resp_err_t e = rd_kafka_assign(k->rk, l);
		if (e) {
			diag_err("cannot assign partitions: %s", rd_kafka_err2str(e));
			ok = false;
		}
		if (all_done(k))
			k->stop = true;
	} else if (ok) {
		rd_kafka_resp_err_t e = rd_kafka_subscribe(k->rk, l);
		if (e) {
			diag_err("cannot subscribe: %s", rd_kafka_err2str(e));
			ok = false;
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
	if (!ok)
		k->status = RN_EXIT_RUNTIME;
	k->started = true;
	return ok;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* --max-rate: the n-th record is not written before t0 + n/rate. */
static void pace(struct kc *k)
{
	unsigned long long n = k->written + k->rejected;
	int64_t now = tm_mono_ms();
	if (!n)
		k->rate_t0 = now;
	int64_t due = k->rate_t0 + (int64_t)((double)n * 1000.0 / k->max_rate);
	while (now < due && !sig_stop && !k->stop) {
		if (k->out.b.len)
			flush_out(k);
		sleep_ms(due - now < POLL_MS ? due - now : POLL_MS);
		now = tm_mono_ms();
	}
}

static void event(struct kc *k, rd_kafka_message_t *m)
{
	struct kc_part *p = part_of(k, m);
	const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
	switch (m->err) {
	case RD_KAFKA_RESP_ERR__PARTITION_EOF:
		connected(k);
		if (p && p->assigned && (k->exit_eof || (k->have_until && tm_now_ms() >= k->until)))
			part_done(k, topic, m->partition, p);
		return;
	case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
	case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
		if (bounded(k)) {
			diag_err("%s", rd_kafka_message_errstr(m));
			k->status = RN_EXIT_RUNTIME;
			k->stop = true;
		} else {
			diag_warn("%s", rd_kafka_message_errstr(m));
		}
		return;
	default:
		if (m->rkt)
			diag_warn("%s [%d]: %s", topic, (int)m->partition, rd_kafka_message_errstr(m));
		else
			diag_warn("%s", rd_kafka_message_errstr(m));
	}
}

static void message(struct kc *k, rd_kafka_message_t *m)
{
	if (m->err) {
		event(k, m);
		return;
	}
	connected(k);
	struct kc_part *p = part_of(k, m);
	if (!p || !p->assigned || p->done)
		return; /* fetched before a pause or a revocation took effect */
	k->consumed++;
	int64_t ts = rd_kafka_message_timestamp(m, NULL);
	if (k->have_until && ts >= 0 && ts >= k->until) {
		part_done(k, rd_kafka_topic_name(m->rkt), m->partition, p);
		return;
	}
	if (k->have_from && !p->started) {
		if (ts >= 0 && ts < k->from) {
			k->skipped++;
			handled(k, p, m->offset);
			return;
		}
		p->started = true;
	}
	if (k->max_rate > 0)
		pace(k);
	if (kc_record(k, m)) {
		k->written++;
		if (out_end_record(&k->out) < 0) {
			flush_out(k); /* reports, and sets reader_gone */
			return;
		}
	} else {
		if (k->stop)
			return; /* a fatal error (the schema registry): not handled */
		k->rejected++;
		if (cli.strict) {
			k->status = RN_EXIT_REJECT;
			k->stop = true;
			return; /* not handled: a rerun meets it again */
		}
	}
	handled(k, p, m->offset);
	if (k->count && k->written + k->rejected >= (unsigned long long)k->count)
		k->stop = true;
	if (k->exit_eof && p->end >= 0 && m->offset + 1 >= p->end)
		part_done(k, rd_kafka_topic_name(m->rkt), m->partition, p);
}

int kc_consume(struct kc *k)
{
	k->status = RN_EXIT_OK;
	if (!kc_client(k, false))
		return k->status;
	out_init(&k->out, 1, "stdout", cli.unbuffered);
	rec_init(&k->rec);
	k->next_tick = tm_mono_ms() + k->commit_ms;
	if (start(k)) {
		while (!k->stop && !sig_stop) {
			int64_t now = tm_mono_ms();
			if (now >= k->next_tick)
				tick(k, now);
			if (k->stop)
				break;
			if (bounded(k) && k->down_since && now - k->down_since > k->timeout_ms) {
				diag_err("lost the Kafka cluster at %s for more than %llds (--timeout): %s",
					kconf_brokers(&k->conf), (long long)(k->timeout_ms + 999) / 1000,
					k->last_err[0] ? k->last_err : "all brokers are down");
				k->status = RN_EXIT_RUNTIME;
				break;
			}
			rd_kafka_message_t *m = rd_kafka_consumer_poll(k->rk,
				k->out.b.len ? 0 : POLL_MS);
			if (m) {
				message(k, m);
				rd_kafka_message_destroy(m);
				continue;
			}
			/* nothing ready: let the pipeline see what we have */
			if ((k->out.b.len && flush_out(k) < 0) || reader_gone(k))
				break;
		}
	}
	/* stop: write what we hold, commit it, leave the group */
	k->closing = true;
	flush_out(k);
	if (reader_gone(k))
		diag_info("the reader of stdout went away: offsets of unread output are not committed");
	commit(k, false, true, "at exit");
	rd_kafka_consumer_close(k->rk);
	rd_kafka_destroy(k->rk);
	k->rk = NULL;
	if (out_close(&k->out) < 0 && k->out.err && k->status == RN_EXIT_OK)
		k->status = RN_EXIT_RUNTIME;
	rec_free(&k->rec);
	return k->status;
}
