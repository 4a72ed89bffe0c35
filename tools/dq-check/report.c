/* dq-check --report: tumbling event-time windows and their metric records. */
#include <stdlib.h>
#include <string.h>

#include "dq.h"
#include "jw.h"
#include "out.h"

#define DQ_GK_EPS 0.001 /* exact up to 500 latencies per window */

struct dqwin *dqw_get(struct dqwins *ws, int64_t start)
{
	size_t lo = 0, hi = ws->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ws->w[mid]->start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ws->n && ws->w[lo]->start == start)
		return ws->w[lo];
	if (ws->n == ws->cap) {
		ws->cap = ws->cap ? ws->cap * 2 : 8;
		ws->w = xrealloc(ws->w, ws->cap * sizeof *ws->w);
	}
	memmove(ws->w + lo + 1, ws->w + lo, (ws->n - lo) * sizeof *ws->w);
	struct dqwin *w = xcalloc(1, sizeof *w);
	w->start = start;
	w->end = start + ws->size;
	w->fail = xcalloc(ws->nck ? ws->nck : 1, sizeof *w->fail);
	gk_init(&w->lat, DQ_GK_EPS);
	ws->w[lo] = w;
	ws->n++;
	return w;
}

bool dqw_seen(struct dqwin *w, const char *key, size_t klen)
{
	bool added;
	if (!w->seen.e)
		htab_init(&w->seen);
	struct htab_ent *e = htab_put(&w->seen, key, klen, &added);
	if (!added)
		return true;
	char *copy = xmalloc(klen + 1);
	memcpy(copy, key, klen);
	copy[klen] = 0;
	e->key = copy;
	e->val = copy;
	return false;
}

void dqw_free(struct dqwin *w)
{
	for (size_t i = 0; i < w->seen.cap; i++)
		if (w->seen.e[i].hash)
			free(w->seen.e[i].val);
	htab_free(&w->seen);
	gk_free(&w->lat);
	free(w->fail);
	free(w);
}

static void metric(struct out *o, const struct dqwin *w, const char *name, const char *type,
	double v, const char *check, const char *help)
{
	struct buf *b = out_buf(o);
	buf_addc(b, '{');
	jw_keyz(b, "name");
	jw_strz(b, name);
	jw_keyz(b, "type");
	jw_strz(b, type);
	jw_keyz(b, "value");
	jw_f64(b, v);
	jw_keyz(b, "labels");
	buf_addc(b, '{');
	if (check) {
		jw_keyz(b, "check");
		jw_strz(b, check);
	}
	buf_addc(b, '}');
	jw_keyz(b, "help");
	jw_strz(b, help);
	if (w) {
		jw_keyz(b, "window");
		buf_addc(b, '{');
		jw_keyz(b, "start");
		jw_time(b, w->start);
		jw_keyz(b, "end");
		jw_time(b, w->end);
		buf_addc(b, '}');
	}
	buf_addc(b, '}');
	out_end_record(o);
}

void dq_emit_window(struct out *o, const struct dqwin *w, const struct check *ck, size_t nck,
	bool report_latency)
{
	double total = (double)w->total;
	metric(o, w, "dq_events_total", "counter", total, NULL,
		"Events checked by dq-check.");
	metric(o, w, "dq_complete_events_total", "counter", (double)w->complete, NULL,
		"Events with every required field present and not null.");
	metric(o, w, "dq_valid_events_total", "counter", (double)w->valid, NULL,
		"Events that passed every check.");
	metric(o, w, "dq_duplicate_events_total", "counter", (double)w->dup, NULL,
		"Events whose --unique field repeated a value of their window.");
	metric(o, w, "dq_late_events_total", "counter", (double)w->late, NULL,
		"Events that arrived after the watermark had closed their window.");
	for (size_t i = 0; i < nck; i++)
		metric(o, w, "dq_check_failures_total", "counter", (double)w->fail[i], ck[i].name,
			"Events that failed a check, by check.");
	metric(o, w, "dq_completeness_ratio", "gauge", total ? (double)w->complete / total : 1,
		NULL, "Share of complete events in the last closed window.");
	metric(o, w, "dq_validity_ratio", "gauge", total ? (double)w->valid / total : 1, NULL,
		"Share of valid events in the last closed window.");
	if (report_latency && w->lat_n) {
		metric(o, w, "dq_latency_avg_seconds", "gauge", w->lat_sum / (double)w->lat_n / 1000, NULL,
			"Average event latency in the last closed window.");
		metric(o, w, "dq_latency_p95_seconds", "gauge", gk_query(&w->lat, 0.95), NULL,
			"95th percentile of event latency in the last closed window.");
	}
	metric(o, w, "dq_window_end_timestamp_seconds", "gauge", (double)w->end / 1000, NULL,
		"End of the last closed window, in seconds since the epoch.");
}

void dq_emit_stale(struct out *o, bool stale, double silence, int64_t last_event)
{
	struct buf *b = out_buf(o);
	buf_addc(b, '{');
	jw_keyz(b, "name");
	jw_strz(b, "dq_stream_stale");
	jw_keyz(b, "type");
	jw_strz(b, "gauge");
	jw_keyz(b, "value");
	jw_i64(b, stale);
	jw_keyz(b, "labels");
	buf_add(b, "{}", 2);
	jw_keyz(b, "help");
	jw_strz(b, "1 while no event has arrived for --max-silence, else 0.");
	jw_keyz(b, "silence_seconds");
	jw_f64(b, silence);
	jw_keyz(b, "last_event_at");
	if (last_event)
		jw_time(b, last_event);
	else
		jw_null(b);
	buf_addc(b, '}');
	out_end_record(o);
}
