#!/bin/bash
# dq-check --report | prom-push: report rows are metric records the Pushgateway takes
# without any mapping, live (before end of input) and at the end.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/prom.sh"

start_pushgateway

cat >"$T/events" <<'J'
{"id":1,"user_id":"u1","timestamp":"2026-11-24T10:00:10.000Z","sent":"2026-11-24T10:00:10.500Z"}
{"id":1,"user_id":null,"timestamp":"2026-11-24T10:00:20.000Z","sent":"2026-11-24T10:00:22.000Z"}
{"id":2,"user_id":"u2","timestamp":"2026-11-24T10:01:05.000Z","sent":"2026-11-24T10:01:06.000Z"}
{"id":3,"timestamp":"2026-11-24T10:01:30.000Z","sent":"2026-11-24T10:01:30.250Z"}
J
dq-check --report --required user_id --unique id --latency-from sent <"$T/events" |
	prom-push -g "$PGW" -j dq --no-self-metrics 2>"$T/err"
assert_eq "0 0" "${PIPESTATUS[*]}" "pipeline exit statuses"
assert_eq "" "$(cat "$T/err")" "no rejected rows"
cat >"$T/want" <<'E'
dq_check_failures_total{check="event_time",instance="",job="dq"} 0
dq_check_failures_total{check="required:user_id",instance="",job="dq"} 2
dq_check_failures_total{check="unique:id",instance="",job="dq"} 1
dq_complete_events_total{instance="",job="dq"} 2
dq_completeness_ratio{instance="",job="dq"} 0.5
dq_duplicate_events_total{instance="",job="dq"} 1
dq_events_total{instance="",job="dq"} 4
dq_late_events_total{instance="",job="dq"} 0
dq_latency_avg_seconds{instance="",job="dq"} 0.625
dq_latency_p95_seconds{instance="",job="dq"} 1
dq_valid_events_total{instance="",job="dq"} 2
dq_validity_ratio{instance="",job="dq"} 0.5
dq_window_end_timestamp_seconds{instance="",job="dq"} 1.79551452e+09
E
pgw_series dq >"$T/got"
assert_file_eq "$T/want" "$T/got" "counters add up over windows, gauges hold the last window"
curl -sf "$PGW/metrics" | grep -E '^# (HELP|TYPE) dq_(events_total|completeness_ratio) ' >"$T/meta"
cat >"$T/want" <<'E'
# HELP dq_completeness_ratio Share of complete events in the last closed window.
# TYPE dq_completeness_ratio gauge
# HELP dq_events_total Events checked by dq-check.
# TYPE dq_events_total counter
E
assert_file_eq "$T/want" "$T/meta" "HELP and TYPE from the records"

# re-push of the group replaces it: one window only now
head -1 "$T/events" | dq-check --report --required user_id --latency-from sent |
	prom-push -g "$PGW" -j dq --no-self-metrics
assert_eq 'dq_events_total{instance="",job="dq"} 1' "$(pgw_series dq | grep ^dq_events_total)" \
	"re-push replaced the counter"
assert_eq "" "$(pgw_series dq | grep 'unique:id')" "series of the old push are gone"

# live: a window closed by the watermark reaches the Pushgateway before end of input,
# and --fail-under still gates the pipeline at the end
mkfifo "$T/fifo"
dq-check --report --required user_id --fail-under 0.9 <"$T/fifo" 2>"$T/dqerr" |
	prom-push -g "$PGW" -j live 2>"$T/pperr" &
pipe=$!
exec 7>"$T/fifo"
head -3 "$T/events" >&7
wait_for "the first window in the Pushgateway" 20 sh -c \
	"curl -sf '$PGW/metrics' | grep -q '^dq_events_total{instance=\"\",job=\"live\"} 2\$'"
tail -n 1 "$T/events" >&7
exec 7>&-
wait $pipe
assert_eq 0 $? "prom-push exit status"
assert_eq 'dq_events_total{instance="",job="live"} 4' "$(pgw_series live | grep ^dq_events_total)" \
	"both windows pushed at the end"
assert_eq 'dq-check: completeness 0.5 is below --fail-under 0.9 (2 of 4 events complete)
dq-check: validity 0.5 is below --fail-under 0.9 (2 of 4 events valid)
dq-check: check required:user_id: pass ratio 0.5 is below --fail-under 0.9 (2 of 4 events failed)' \
	"$(cat "$T/dqerr")" "failing checks on stderr"
set -o pipefail
dq-check --report --required user_id --fail-under 0.9 <"$T/events" 2>/dev/null |
	prom-push --textfile "$T/dq.prom"
assert_eq 4 $? "--fail-under fails the pipeline (pipefail)"
set +o pipefail
promtool check metrics <"$T/dq.prom" >"$T/lint" 2>&1
assert_eq 0 $? "promtool accepts the dq metrics"
assert_eq "" "$(cat "$T/lint")" "no lint complaints"
done_testing
