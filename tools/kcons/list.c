/* kcons -L: cluster metadata with watermarks (and a group's committed offsets) as JSON. */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exitcode.h"
#include "jw.h"
#include "kcons.h"

static int by_broker(const void *a, const void *b)
{
	const struct rd_kafka_metadata_broker *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

static int by_topic(const void *a, const void *b)
{
	const struct rd_kafka_metadata_topic *const *x = a, *const *y = b;
	return strcmp((*x)->topic, (*y)->topic);
}

static int by_part(const void *a, const void *b)
{
	const struct rd_kafka_metadata_partition *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

static void ids(struct buf *b, const int32_t *v, int n)
{
	buf_addc(b, '[');
	for (int i = 0; i < n; i++) {
		jw_sep(b);
		jw_i64(b, v[i]);
	}
	buf_addc(b, ']');
}

/* offsets_for_times with the special times -2 (earliest) and -1 (latest): one batched
   ListOffsets request for every partition. */
static rd_kafka_topic_partition_list_t *offsets(struct kc *k,
	const rd_kafka_topic_partition_list_t *parts, int64_t which)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_copy(parts);
	for (int i = 0; i < l->cnt; i++)
		l->elems[i].offset = which;
	rd_kafka_resp_err_t e = l->cnt ? rd_kafka_offsets_for_times(k->rk, l, (int)k->timeout_ms) : 0;
	if (e) {
		diag_err("cannot list %s offsets: %s", which == -2 ? "low" : "high", rd_kafka_err2str(e));
		k->status = RN_EXIT_RUNTIME;
	}
	return l;
}

static void offset_member(struct buf *b, const char *name, const rd_kafka_topic_partition_list_t *l,
	const char *topic, int32_t id)
{
	rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(l, topic, id);
	jw_keyz(b, name);
	if (p && !p->err && p->offset >= 0)
		jw_i64(b, p->offset);
	else
		jw_null(b);
}

int kc_list(struct kc *k)
{
	const struct rd_kafka_metadata *md;
	struct buf *b;
	k->status = RN_EXIT_OK;
	if (!kc_client(k, true))
		return k->status;
	if (!kc_wait_metadata(k, &md, true)) {
		rd_kafka_destroy(k->rk);
		return RN_EXIT_RUNTIME;
	}
	/* the topics to show, sorted; a requested topic that is missing gets an error */
	const struct rd_kafka_metadata_topic **ts = xcalloc((size_t)md->topic_cnt + 1, sizeof *ts);
	int nts = 0;
	for (int i = 0; i < md->topic_cnt; i++) {
		bool want = k->ntopics == 0;
		for (int j = 0; j < k->ntopics && !want; j++)
			want = !strcmp(k->topics[j], md->topics[i].topic);
		if (want)
			ts[nts++] = &md->topics[i];
	}
	qsort(ts, (size_t)nts, sizeof *ts, by_topic);
	rd_kafka_topic_partition_list_t *all = rd_kafka_topic_partition_list_new(64);
	for (int i = 0; i < nts; i++)
		for (int j = 0; j < ts[i]->partition_cnt && !ts[i]->err; j++)
			rd_kafka_topic_partition_list_add(all, ts[i]->topic, ts[i]->partitions[j].id);
	rd_kafka_topic_partition_list_t *lo = offsets(k, all, -2), *hi = offsets(k, all, -1);
	rd_kafka_topic_partition_list_t *cm = NULL;
	if (k->group && all->cnt) {
		cm = rd_kafka_topic_partition_list_copy(all);
		rd_kafka_resp_err_t e = rd_kafka_committed(k->rk, cm, (int)k->timeout_ms);
		if (e) {
			diag_err("cannot fetch the committed offsets of group %s: %s", k->group,
				rd_kafka_err2str(e));
			k->status = RN_EXIT_RUNTIME;
		}
	}

	out_init(&k->out, 1, "stdout", true);
	b = out_buf(&k->out);
	buf_addc(b, '{');
	jw_keyz(b, "brokers");
	buf_addc(b, '[');
	struct rd_kafka_metadata_broker *br = xcalloc((size_t)md->broker_cnt + 1, sizeof *br);
	memcpy(br, md->brokers, (size_t)md->broker_cnt * sizeof *br);
	qsort(br, (size_t)md->broker_cnt, sizeof *br, by_broker);
	for (int i = 0; i < md->broker_cnt; i++) {
		jw_sep(b);
		buf_addc(b, '{');
		jw_keyz(b, "id");
		jw_i64(b, br[i].id);
		jw_keyz(b, "host");
		jw_strz(b, br[i].host);
		jw_keyz(b, "port");
		jw_i64(b, br[i].port);
		buf_addc(b, '}');
	}
	free(br);
	buf_addc(b, ']');
	if (k->group) {
		jw_keyz(b, "group");
		jw_strz(b, k->group);
	}
	jw_keyz(b, "topics");
	buf_addc(b, '[');
	for (int i = 0; i < nts; i++) {
		const struct rd_kafka_metadata_topic *t = ts[i];
		jw_sep(b);
		buf_addc(b, '{');
		jw_keyz(b, "topic");
		jw_strz(b, t->topic);
		if (t->err) {
			jw_keyz(b, "error");
			jw_strz(b, rd_kafka_err2str(t->err));
		}
		jw_keyz(b, "partitions");
		buf_addc(b, '[');
		struct rd_kafka_metadata_partition *ps = xcalloc((size_t)t->partition_cnt + 1, sizeof *ps);
		memcpy(ps, t->partitions, (size_t)t->partition_cnt * sizeof *ps);
		qsort(ps, (size_t)t->partition_cnt, sizeof *ps, by_part);
		for (int j = 0; j < t->partition_cnt && !t->err; j++) {
			jw_sep(b);
			buf_addc(b, '{');
			jw_keyz(b, "partition");
			jw_i64(b, ps[j].id);
			jw_keyz(b, "leader");
			jw_i64(b, ps[j].leader);
			jw_keyz(b, "replicas");
			ids(b, ps[j].replicas, ps[j].replica_cnt);
			jw_keyz(b, "isr");
			ids(b, ps[j].isrs, ps[j].isr_cnt);
			offset_member(b, "low", lo, t->topic, ps[j].id);
			offset_member(b, "high", hi, t->topic, ps[j].id);
			if (cm)
				offset_member(b, "committed", cm, t->topic, ps[j].id);
			if (ps[j].err) {
				jw_keyz(b, "error");
				jw_strz(b, rd_kafka_err2str(ps[j].err));
			}
			buf_addc(b, '}');
		}
		free(ps);
		buf_addc(b, ']');
		buf_addc(b, '}');
	}
	/* requested topics the cluster does not have */
	for (int j = 0; j < k->ntopics; j++) {
		int i;
		for (i = 0; i < nts && strcmp(ts[i]->topic, k->topics[j]); i++)
			;
		bool dup = false;
		for (int d = 0; d < j; d++)
			dup |= !strcmp(k->topics[d], k->topics[j]);
		if (i < nts || dup)
			continue;
		jw_sep(b);
		buf_addc(b, '{');
		jw_keyz(b, "topic");
		jw_strz(b, k->topics[j]);
		jw_keyz(b, "error");
		jw_strz(b, rd_kafka_err2str(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
		jw_keyz(b, "partitions");
		buf_adds(b, "[]}");
		diag_err("topic %s: no such topic", k->topics[j]);
		k->status = RN_EXIT_RUNTIME;
	}
	buf_adds(b, "]}");
	for (int i = 0; i < nts; i++)
		if (ts[i]->err) {
			diag_err("topic %s: %s", ts[i]->topic, rd_kafka_err2str(ts[i]->err));
			k->status = RN_EXIT_RUNTIME;
		}
	if (out_end_record(&k->out) < 0 && !k->out.broken) {
		k->status = RN_EXIT_RUNTIME;
	}
	out_close(&k->out);
	if (cm)
		rd_kafka_topic_partition_list_destroy(cm);
	rd_kafka_topic_partition_list_destroy(lo);
	rd_kafka_topic_partition_list_destroy(hi);
	rd_kafka_topic_partition_list_destroy(all);
	free(ts);
	rd_kafka_metadata_destroy(md);
	rd_kafka_destroy(k->rk);
	k->rk = NULL;
	return k->status;
}
