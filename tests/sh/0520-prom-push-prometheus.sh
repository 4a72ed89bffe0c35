#!/bin/bash
# Debian's Prometheus scrapes the Pushgateway (honor_labels) and prom-push --listen; the
# seed dashboard's expressions return the expected series while the pipeline runs.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/prom.sh"

start_pushgateway
LISTEN_PORT=$(free_port)
start_prometheus "  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:$PGW_PORT']
  - job_name: prompush
    static_configs:
      - targets: ['127.0.0.1:$LISTEN_PORT']"

maps=(-m 'counter:pipeline_events_processed_total=total_events'
	-m 'histogram:pipeline_event_latency_seconds=avg_latency'
	-m 'gauge:pipeline_active_users=active_user_count')
mkfifo "$T/push.fifo" "$T/pull.fifo"
prom-push -g "$PGW" -j pipeline "${maps[@]}" <"$T/push.fifo" 2>"$T/push.err" &
push_pid=$!
exec 7>"$T/push.fifo"
prom-push --listen "127.0.0.1:$LISTEN_PORT" "${maps[@]}" <"$T/pull.fifo" 2>"$T/pull.err" 7>&- &
pull_pid=$!
exec 8>"$T/pull.fifo"
on_exit "kill $push_pid $pull_pid"
wait_for "prom-push --listen on port $LISTEN_PORT" 20 curl -sf "http://127.0.0.1:$LISTEN_PORT/metrics"

row() { # total_events avg_latency active_user_count
	printf '{"window":{"start":"2026-11-24T10:00:00.000Z","end":"2026-11-24T10:01:00.000Z"},"total_events":%s,"avg_latency":%s,"active_user_count":%s}\n' "$@"
}
row 100 0.3 12 >&7
row 100 0.3 12 >&8

# both sources are scraped with the first window's values
wait_query "the first window in Prometheus from both sources" 60 \
	'pipeline_events_processed_total' \
	'sorted((r["job"], v) for r, v in res) == [("pipeline", 100.0), ("prompush", 100.0)]'
prom_query 'pipeline_active_users' >"$T/users"
printf '%s\n' '{__name__=pipeline_active_users,instance=127.0.0.1:'"$LISTEN_PORT"',job=prompush} 12' \
	'{__name__=pipeline_active_users,job=pipeline} 12' >"$T/want_users"
assert_file_eq "$T/want_users" "$T/users" "gauge series: the pushed one keeps its own labels (honor_labels)"

# the next window: the counter grows, the latency histogram gets a second observation
row 60 0.4 9 >&7
row 60 0.4 9 >&8
wait_query "rate(pipeline_events_processed_total[1m]) for both sources" 60 \
	'rate(pipeline_events_processed_total[1m])' \
	'sorted(r["job"] for r, v in res) == ["pipeline", "prompush"] and all(v > 0 for r, v in res)'
prom_query 'rate(pipeline_events_processed_total[1m])' | sed 's/} .*/}/' >"$T/rate"
printf '%s\n' "{instance=127.0.0.1:$LISTEN_PORT,job=prompush}" '{job=pipeline}' >"$T/want_rate"
assert_file_eq "$T/want_rate" "$T/rate" "rate() series labels"
assert_eq '{__name__=pipeline_events_processed_total,job=pipeline} 160' \
	"$(prom_query 'pipeline_events_processed_total{job="pipeline"}')" "counter added over windows"

# every observation is in (0.25, 0.5], so the 95th percentile interpolates to
# 0.25 + 0.95 * 0.25 however rate() extrapolates
wait_query "histogram_quantile(0.95, ...) over the latency histogram" 60 \
	'histogram_quantile(0.95, sum by (le) (rate(pipeline_event_latency_seconds_bucket[1m])))' \
	'len(res) == 1 and abs(res[0][1] - 0.4875) < 1e-9'
for job in pipeline prompush; do
	wait_query "the 95th percentile for job $job" 30 \
		"histogram_quantile(0.95, sum by (le) (rate(pipeline_event_latency_seconds_bucket{job=\"$job\"}[1m])))" \
		'len(res) == 1 and abs(res[0][1] - 0.4875) < 1e-9'
done
assert_eq '{__name__=pipeline_event_latency_seconds_count,job=pipeline} 2' \
	"$(prom_query 'pipeline_event_latency_seconds_count{job="pipeline"}')" "two observations"
assert_eq '{__name__=pipeline_event_latency_seconds_sum,job=pipeline} 0.7' \
	"$(prom_query 'pipeline_event_latency_seconds_sum{job="pipeline"}')" "their sum"

# the scrape target is healthy and the self metrics are there
assert_eq "{__name__=up,instance=127.0.0.1:$LISTEN_PORT,job=prompush} 1" \
	"$(prom_query 'up{job="prompush"}')" "prom-push --listen is up"
wait_query "the self metrics of the --listen prom-push" 30 \
	'runnel_records_in_total{job="prompush"}' 'len(res) == 1 and res[0][1] == 2'

exec 7>&- 8>&-
wait $push_pid
assert_eq 0 $? "pushing prom-push exit status"
wait $pull_pid
assert_eq 0 $? "listening prom-push exit status"
assert_eq "" "$(cat "$T/push.err" "$T/pull.err")" "no messages"
done_testing
