#!/bin/bash
# prom-push against Debian's Pushgateway: exact values, PUT replaces, @base64 grouping,
# --delete-on-exit, live pushes before EOF, a gateway that is down, name validation.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/prom.sh"

# usage errors
prom-push </dev/null 2>"$T/err"
assert_eq 2 $? "no output is a usage error"
assert_grep 'nothing to do: give -g URL, --textfile PATH or --listen ADDR' "$T/err" "no output message"
prom-push -g http://127.0.0.1:9 </dev/null 2>"$T/err"
assert_eq 2 $? "-g without --job"
assert_grep '^prom-push: -g needs --job$' "$T/err" "-g without --job message"
prom-push --textfile - -m 'counter:bad-name=x' </dev/null 2>"$T/err"
assert_eq 2 $? "invalid -m metric name"
assert_grep 'invalid metric name "bad-name"' "$T/err" "-m name message"
prom-push --textfile - -m 'gauge:g=x;labels=a.b-c' </dev/null 2>"$T/err"
assert_eq 2 $? "invalid -m label name"
assert_grep 'invalid label name "b-c".*labels=NAME=FIELD' "$T/err" "-m label message"
prom-push --textfile - -m 'gauge:g=x;buckets=1,2' </dev/null 2>"$T/err"
assert_eq 2 $? "buckets on a gauge"
prom-push -g http://127.0.0.1:9 -j j -l __x=1 </dev/null 2>"$T/err"
assert_eq 2 $? "reserved grouping label name"
prom-push -g http://127.0.0.1:9 -j j -l job=x </dev/null 2>"$T/err"
assert_eq 2 $? "job as --label"
prom-push --help >"$T/help"
assert_eq 0 $? "--help"
assert_grep '^usage: prom-push' "$T/help" "--help text"

start_pushgateway

# metric records: counters add, gauges set, histograms observe, summaries count and sum
cat >"$T/rec1" <<'J'
{"name":"orders_total","type":"counter","value":3,"labels":{"shop":"a"},"help":"Orders.\nAll of them."}
{"name":"orders_total","type":"counter","value":2,"labels":{"shop":"a"}}
{"name":"orders_total","type":"counter","value":1,"labels":{"shop":"b \"x\" \\ y"}}
{"name":"queue_depth","type":"gauge","value":7}
{"name":"queue_depth","type":"gauge","value":-1.5}
{"name":"size_bytes","type":"histogram","value":3,"buckets":[1,10,100]}
{"name":"size_bytes","type":"histogram","value":10}
{"name":"size_bytes","type":"histogram","value":500}
{"name":"wait_seconds","type":"summary","value":0.25}
{"name":"wait_seconds","type":"summary","value":0.5}
J
prom-push -g "$PGW" -j t1 <"$T/rec1" 2>"$T/err"
assert_eq 0 $? "push metric records"
assert_eq "" "$(cat "$T/err")" "no messages"
cat >"$T/want1" <<'E'
orders_total{instance="",job="t1",shop="a"} 5
orders_total{instance="",job="t1",shop="b \"x\" \\ y"} 1
queue_depth{instance="",job="t1"} -1.5
runnel_pushes_total{instance="",job="t1",result="failed"} 0
runnel_pushes_total{instance="",job="t1",result="ok"} 0
runnel_records_in_total{instance="",job="t1"} 10
runnel_records_rejected_total{instance="",job="t1"} 0
size_bytes_bucket{instance="",job="t1",le="+Inf"} 3
size_bytes_bucket{instance="",job="t1",le="1"} 0
size_bytes_bucket{instance="",job="t1",le="10"} 2
size_bytes_bucket{instance="",job="t1",le="100"} 2
size_bytes_count{instance="",job="t1"} 3
size_bytes_sum{instance="",job="t1"} 513
wait_seconds_count{instance="",job="t1"} 2
wait_seconds_sum{instance="",job="t1"} 0.75
E
pgw_series t1 >"$T/got1"
assert_file_eq "$T/want1" "$T/got1" "Pushgateway holds the pushed values"
curl -sf "$PGW/metrics" | grep -E '^# (HELP|TYPE) orders_total' >"$T/meta"
printf '%s\n' '# HELP orders_total Orders.\nAll of them.' '# TYPE orders_total counter' >"$T/wantmeta"
assert_file_eq "$T/wantmeta" "$T/meta" "HELP escaped, TYPE kept"

# a second push of the group replaces it entirely (PUT)
echo '{"name":"queue_depth","type":"gauge","value":2}' |
	prom-push -g "$PGW" -j t1 --no-self-metrics
assert_eq 0 $? "re-push"
assert_eq 'queue_depth{instance="",job="t1"} 2' "$(pgw_series t1)" "re-push replaced the group"

# grouping labels: '/' and empty values go @base64, others percent-encoded
echo '{"name":"g","type":"gauge","value":1}' |
	prom-push -g "$PGW/" -j 'a/b' -l path=/var/log -l empty= -l sp='x y%z' --no-self-metrics
assert_eq 0 $? "push with encoded grouping labels"
curl -sf "$PGW/api/v1/metrics" | $PY -c '
import json, sys
for g in json.load(sys.stdin)["data"]:
    if g["labels"].get("job") == "a/b":
        print(json.dumps(g["labels"], sort_keys=True))
' >"$T/groups"
assert_eq '{"empty": "", "job": "a/b", "path": "/var/log", "sp": "x y%z"}' "$(cat "$T/groups")" \
	"the Pushgateway stored the decoded grouping labels"
# and the same group is deleted again through the same encoding
prom-push -g "$PGW" -j 'a/b' -l path=/var/log -l empty= -l sp='x y%z' --delete-on-exit </dev/null
assert_eq 0 $? "delete an encoded group"
assert_eq "" "$(curl -sf "$PGW/metrics" | grep 'job="a/b"')" "encoded group deleted"

# invalid names in records are rejected with a message; good records still go out
cat >"$T/bad" <<'J'
{"name":"ok_total","type":"counter","value":1}
{"name":"bad-name","type":"gauge","value":1}
{"name":"g2","type":"gauge","value":1,"labels":{"__reserved":"x"}}
{"name":"g2","type":"gauge","value":1,"labels":{"a-b":"x"}}
{"name":"ok_total","type":"gauge","value":1}
{"name":"ok_total","type":"counter","value":-1}
{"name":"h","type":"histogram","value":1,"labels":{"le":"1"}}
{"name":"h","type":"histo","value":1}
{"name":"n","type":"gauge"}
{"x":1}
not json
J
printf '\xff\xfe{"name":"g","type":"gauge","value":1}\n' >>"$T/bad"
head -c 3000 /dev/zero | tr '\0' 'a' >>"$T/bad"
echo >>"$T/bad"
echo '{"name":"ok_total","type":"counter","value":2}' >>"$T/bad"
prom-push -g "$PGW" -j t2 --max-line 1K --reject "$T/rej" <"$T/bad" 2>"$T/err"
assert_eq 0 $? "bad records do not stop prom-push"
assert_grep '^prom-push: <stdin>:2: invalid metric name "bad-name" \(expected \[a-zA-Z_:\]\[a-zA-Z0-9_:\]\*\)$' "$T/err" "bad metric name"
assert_grep '^prom-push: <stdin>:3: invalid label name "__reserved"' "$T/err" "reserved label name"
assert_grep '^prom-push: <stdin>:4: invalid label name "a-b"' "$T/err" "bad label name"
assert_grep '^prom-push: <stdin>:5: metric ok_total is a counter, not a gauge$' "$T/err" "type conflict"
assert_grep '^prom-push: <stdin>:6: counter ok_total: value -1 is negative' "$T/err" "negative counter"
assert_grep '^prom-push: <stdin>:7: label le is reserved in a histogram$' "$T/err" "le label"
assert_grep '^prom-push: <stdin>:8: unknown metric type "histo"' "$T/err" "unknown type"
assert_grep '^prom-push: <stdin>:9: metric record without a numeric "value"$' "$T/err" "no value"
assert_grep '^prom-push: <stdin>:10: not a metric record: no "name" string' "$T/err" "not a metric record"
assert_grep '^prom-push: <stdin>:11: invalid JSON' "$T/err" "not JSON"
assert_grep '^prom-push: <stdin>:12: invalid (JSON|UTF-8)' "$T/err" "binary garbage"
assert_grep '^prom-push: <stdin>:13: line longer than --max-line' "$T/err" "oversized line"
assert_eq 12 "$(lines "$T/rej")" "every bad line in the reject file"
cat >"$T/want2" <<'E'
ok_total{instance="",job="t2"} 3
runnel_pushes_total{instance="",job="t2",result="failed"} 0
runnel_pushes_total{instance="",job="t2",result="ok"} 0
runnel_records_in_total{instance="",job="t2"} 14
runnel_records_rejected_total{instance="",job="t2"} 12
E
pgw_series t2 >"$T/got2"
assert_file_eq "$T/want2" "$T/got2" "good records pushed, bad ones counted"
prom-push -g "$PGW" -j t3 --strict <"$T/bad" 2>/dev/null
assert_eq 4 $? "--strict stops with 4"
assert_eq 'ok_total{instance="",job="t3"} 1' "$(pgw_series t3 | grep ^ok_total)" \
	"--strict still pushes what came before the bad line"

# empty input: the self metrics alone
prom-push -g "$PGW" -j t4 </dev/null
assert_eq 0 $? "empty input"
assert_eq 'runnel_records_in_total{instance="",job="t4"} 0' \
	"$(pgw_series t4 | grep ^runnel_records_in_total)" "empty input pushed"

# -m mappings over any rows (the seed's dashboard metrics from window rows)
cat >"$T/rows" <<'J'
{"window":{"start":"2026-11-24T10:00:00.000Z","end":"2026-11-24T10:01:00.000Z"},"region":"eu","total_events":10,"avg_latency":0.3,"active_user_count":4}
{"window":{"start":"2026-11-24T10:00:00.000Z","end":"2026-11-24T10:01:00.000Z"},"region":"us","total_events":5,"avg_latency":0.02,"active_user_count":2}
{"window":{"start":"2026-11-24T10:01:00.000Z","end":"2026-11-24T10:02:00.000Z"},"region":"eu","total_events":"7","avg_latency":1.5,"active_user_count":6}
{"window":{},"region":"eu","total_events":"many"}
{"other":1}
J
prom-push -g "$PGW" -j seed --no-self-metrics \
	-m 'counter:pipeline_events_processed_total=total_events;labels=region;help=Events processed.' \
	-m 'histogram:pipeline_event_latency_seconds=avg_latency;buckets=0.1,1' \
	-m 'gauge:pipeline_active_users=active_user_count;labels=zone=region' <"$T/rows" 2>"$T/err"
assert_eq 0 $? "push mapped rows"
assert_grep '^prom-push: <stdin>:4: field total_events: not a number$' "$T/err" "non-numeric field"
assert_grep '^prom-push: <stdin>:5: none of the -m fields is present$' "$T/err" "unmapped row"
cat >"$T/want3" <<'E'
pipeline_active_users{instance="",job="seed",zone="eu"} 6
pipeline_active_users{instance="",job="seed",zone="us"} 2
pipeline_event_latency_seconds_bucket{instance="",job="seed",le="+Inf"} 3
pipeline_event_latency_seconds_bucket{instance="",job="seed",le="0.1"} 1
pipeline_event_latency_seconds_bucket{instance="",job="seed",le="1"} 2
pipeline_event_latency_seconds_count{instance="",job="seed"} 3
pipeline_event_latency_seconds_sum{instance="",job="seed"} 1.82
pipeline_events_processed_total{instance="",job="seed",region="eu"} 17
pipeline_events_processed_total{instance="",job="seed",region="us"} 5
E
pgw_series seed >"$T/got3"
assert_file_eq "$T/want3" "$T/got3" "mapped rows"

# live: pushes happen when the input pauses, long before EOF; SIGTERM pushes the rest
mkfifo "$T/fifo"
prom-push -g "$PGW" -j live --delete-on-exit <"$T/fifo" 2>"$T/liveerr" &
pid=$!
exec 7>"$T/fifo"
echo '{"name":"live_total","type":"counter","value":1}' >&7
wait_for "the first live push" 20 sh -c "curl -sf '$PGW/metrics' | grep -q '^live_total{.*} 1\$'"
echo '{"name":"live_total","type":"counter","value":2}' >&7
wait_for "the second live push" 20 sh -c "curl -sf '$PGW/metrics' | grep -q '^live_total{.*} 3\$'"
assert_eq 'runnel_pushes_total{instance="",job="live",result="ok"} 1' \
	"$(pgw_series live | grep 'result="ok"')" "pushes are counted"
exec 7>&-
wait $pid
assert_eq 0 $? "exit after EOF"
assert_eq "" "$(pgw_series live)" "--delete-on-exit removed the group"
assert_eq "" "$(cat "$T/liveerr")" "no messages from a live push"

# the gateway is down: retries with backoff, a clear error, exit 1, textfile still written
dead=$(free_port)
echo '{"name":"x_total","type":"counter","value":1}' |
	prom-push -g "http://127.0.0.1:$dead" -j d --retries 2 --textfile "$T/dead.prom" 2>"$T/err"
assert_eq 1 $? "exit 1 when the final push fails"
assert_eq 2 "$(grep -c 'retrying in' "$T/err")" "two retries"
assert_grep "^prom-push: PUT http://127.0.0.1:$dead/metrics/job/d: .*\(attempt 1 of 3; retrying in 250 ms\)$" "$T/err" "first retry message"
assert_grep "^prom-push: PUT http://127.0.0.1:$dead/metrics/job/d: .*\(attempt 2 of 3; retrying in 500 ms\)$" "$T/err" "backoff doubles"
assert_grep "^prom-push: final push failed after 3 attempts, metrics not delivered: PUT http://127.0.0.1:$dead/metrics/job/d: " "$T/err" "final message"
assert_grep '^x_total 1$' "$T/dead.prom" "the textfile is written even when the push fails"

# a push the gateway refuses (400) is not retried
echo '{"name":"queue_depth","type":"counter","value":1}' | prom-push -g "$PGW" -j t5 2>"$T/err"
assert_eq 1 $? "refused push"
assert_grep '^prom-push: final push failed after 1 attempt, metrics not delivered: PUT .*/metrics/job/t5: HTTP 400: pushed metrics are invalid or inconsistent' "$T/err" "the Pushgateway's reason is shown"

# down at first, up later: the live pusher keeps the data and delivers it
late=$(free_port)
mkfifo "$T/fifo2"
prom-push -g "http://127.0.0.1:$late" -j late -i 1s <"$T/fifo2" 2>"$T/lateerr" &
pid=$!
exec 8>"$T/fifo2"
echo '{"name":"kept_total","type":"counter","value":4}' >&8
wait_for "a failed push to be reported" 20 grep -q 'next attempt in' "$T/lateerr"
/usr/bin/prometheus-pushgateway --web.listen-address=127.0.0.1:$late --persistence.file= \
	--log.level=warn >"$T/pgw2.log" 2>&1 8>&- &
pgw2=$!
on_exit "kill $pgw2; wait $pgw2"
wait_for "the data to arrive once the gateway is up" 30 sh -c \
	"curl -sf http://127.0.0.1:$late/metrics | grep -q '^kept_total{.*} 4\$'"
exec 8>&-
wait $pid
assert_eq 0 $? "exit 0 once delivered"
assert_grep 'works again' "$T/lateerr" "recovery reported"

done_testing
