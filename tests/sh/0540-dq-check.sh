#!/bin/bash
# dq-check: every check's verdict and count on crafted input, report windows closed by
# the watermark, --fail-under, Kafka-time latency in a backfill, --max-silence.
. "$(dirname "$0")/helpers.sh"

# jq's compact view of report rows: window start (HH:MM), metric, check, value
table() { jq -c '[.window.start[11:16], .name, (.labels.check // ""), .value]'; }

cat >"$T/events" <<'J'
{"id":"e1","user_id":"u1","event_type":"click","amount":5,"email":"a@b.com","timestamp":"2026-11-24T10:00:01.000Z","_kafka":{"topic":"t","partition":0,"offset":1,"ts":"2026-11-24T10:00:02.500Z","key":null}}
{"id":"e2","user_id":null,"event_type":"view","amount":-1,"email":"bad","timestamp":"2026-11-24T10:00:20.000Z","_kafka":{"topic":"t","partition":0,"offset":2,"ts":"2026-11-24T10:00:21.000Z","key":null}}
{"id":"e1","user_id":"u2","event_type":"buy","amount":500,"timestamp":"2026-11-24T10:00:40.000Z","_kafka":{"topic":"t","partition":0,"offset":3,"ts":"2026-11-24T10:00:50.000Z","key":null}}
{"id":"e3","event_type":"click","amount":1,"timestamp":"2026-11-24T10:00:41.000Z","_dq":{"old":1},"_kafka":{"topic":"t","partition":0,"offset":4,"ts":"2026-11-24T10:00:41.000Z","key":null}}
{"id":"e4","user_id":"u3","event_type":"click","amount":2,"email":"x@y","_kafka":{"topic":"t","partition":0,"offset":5,"ts":"2026-11-24T10:00:42.000Z","key":null}}
{ }
J
checks=(--required user_id,event_type --allowed event_type=click,view
	--valid 'positive: amount > 0' --unique id --max-latency 5s --latency-from kafka
	--range amount=0..100 --regex 'email=^[^@]+@[^@]+$')

# --annotate (the default): every event passes with its verdict; an old _dq is replaced
dq-check "${checks[@]}" <"$T/events" >"$T/out" 2>"$T/err"
assert_eq 0 $? "annotate exit status"
assert_eq "" "$(cat "$T/err")" "no messages"
jq -c '[.id, ._dq.completeness_score, ._dq.latency_seconds, ._dq.is_valid, ._dq.errors]' \
	"$T/out" >"$T/verdicts"
cat >"$T/want" <<'E'
["e1",1,1.5,true,[]]
["e2",0,1,false,["required:user_id","positive","range:amount","regex:email"]]
["e1",1,10,false,["allowed:event_type","unique:id","latency","range:amount"]]
["e3",0,0,false,["required:user_id"]]
["e4",1,null,false,["event_time","latency"]]
[null,0,null,false,["event_time","required:user_id","required:event_type","positive","latency"]]
E
assert_file_eq "$T/want" "$T/verdicts" "each event's verdict"
assert_eq '{"id":"e1","user_id":"u1","event_type":"click","amount":5,"email":"a@b.com","timestamp":"2026-11-24T10:00:01.000Z","_kafka":{"topic":"t","partition":0,"offset":1,"ts":"2026-11-24T10:00:02.500Z","key":null},"_dq":{"completeness_score":1,"latency_seconds":1.5,"is_valid":true,"errors":[]}}' \
	"$(head -1 "$T/out")" "the event is kept byte for byte, _dq appended"
assert_eq '{"id":"e3","event_type":"click","amount":1,"timestamp":"2026-11-24T10:00:41.000Z","_kafka":{"topic":"t","partition":0,"offset":4,"ts":"2026-11-24T10:00:41.000Z","key":null},"_dq":{"completeness_score":0,"latency_seconds":0,"is_valid":false,"errors":["required:user_id"]}}' \
	"$(sed -n 4p "$T/out")" "an existing _dq is replaced"
assert_eq '{"_dq":{"completeness_score":0,"latency_seconds":null,"is_valid":false,"errors":["event_time","required:user_id","required:event_type","positive","latency"]}}' \
	"$(sed -n 6p "$T/out")" "empty object"

# --report: one window here; every check's failure count
dq-check --report "${checks[@]}" <"$T/events" >"$T/rep"
assert_eq 0 $? "report exit status"
table <"$T/rep" >"$T/got"
cat >"$T/want" <<'E'
["10:00","dq_events_total","",6]
["10:00","dq_complete_events_total","",3]
["10:00","dq_valid_events_total","",1]
["10:00","dq_duplicate_events_total","",1]
["10:00","dq_late_events_total","",0]
["10:00","dq_check_failures_total","event_time",2]
["10:00","dq_check_failures_total","required:user_id",3]
["10:00","dq_check_failures_total","required:event_type",1]
["10:00","dq_check_failures_total","allowed:event_type",1]
["10:00","dq_check_failures_total","positive",2]
["10:00","dq_check_failures_total","unique:id",1]
["10:00","dq_check_failures_total","latency",3]
["10:00","dq_check_failures_total","range:amount",2]
["10:00","dq_check_failures_total","regex:email",1]
["10:00","dq_completeness_ratio","",0.5]
["10:00","dq_validity_ratio","",0.16666666666666666]
["10:00","dq_latency_avg_seconds","",3.125]
["10:00","dq_latency_p95_seconds","",10]
["10:00","dq_window_end_timestamp_seconds","",1795514460]
E
assert_file_eq "$T/want" "$T/got" "report counts per check"
assert_eq '{"name":"dq_check_failures_total","type":"counter","value":3,"labels":{"check":"required:user_id"},"help":"Events that failed a check, by check.","window":{"start":"2026-11-24T10:00:00.000Z","end":"2026-11-24T10:01:00.000Z"}}' \
	"$(grep -F '"required:user_id"' "$T/rep")" "a report row is a metric record"

# windows close in event-time order as the watermark passes their end (-w 30s); a late
# event counts in the window the watermark is in; duplicates are per window
cat >"$T/stream" <<'J'
{"id":1,"timestamp":"2026-11-24T10:00:10.000Z","sent":"2026-11-24T10:00:11.000Z"}
{"id":1,"timestamp":"2026-11-24T10:00:20.000Z","sent":"2026-11-24T10:00:23.000Z"}
{"id":2,"timestamp":"2026-11-24T10:01:05.000Z","sent":"2026-11-24T10:01:06.000Z"}
{"id":3,"timestamp":"2026-11-24T10:00:50.000Z","sent":"2026-11-24T10:01:07.000Z"}
{"id":1,"timestamp":"2026-11-24T10:01:40.000Z","sent":"2026-11-24T10:01:41.000Z"}
{"id":4,"timestamp":"2026-11-24T10:00:30.000Z","sent":"2026-11-24T10:01:42.000Z"}
{"id":2,"timestamp":"2026-11-24T10:01:45.000Z","sent":"2026-11-24T10:01:45.500Z"}
J
mkfifo "$T/fifo"
dq-check --report -w 30s --unique id --latency-from sent <"$T/fifo" >"$T/rep2" &
pid=$!
exec 7>"$T/fifo"
head -5 "$T/stream" >&7
# 10:01:40 - 30s passes 10:01:00: the first window is out before end of input
wait_for "the first window's rows" 20 grep -q 'dq_window_end_timestamp_seconds' "$T/rep2"
tail -n +6 "$T/stream" >&7
exec 7>&-
wait $pid
assert_eq 0 $? "exit status"
grep -E 'dq_(events|duplicate_events|late_events)_total|latency|unique:id' "$T/rep2" | table >"$T/got"
cat >"$T/want" <<'E'
["10:00","dq_events_total","",3]
["10:00","dq_duplicate_events_total","",1]
["10:00","dq_late_events_total","",0]
["10:00","dq_check_failures_total","unique:id",1]
["10:00","dq_latency_avg_seconds","",7]
["10:00","dq_latency_p95_seconds","",17]
["10:01","dq_events_total","",4]
["10:01","dq_duplicate_events_total","",1]
["10:01","dq_late_events_total","",1]
["10:01","dq_check_failures_total","unique:id",1]
["10:01","dq_latency_avg_seconds","",18.625]
["10:01","dq_latency_p95_seconds","",72]
E
assert_file_eq "$T/want" "$T/got" "windows, late events, per-window duplicates, latency from a field"

# latency from Kafka timestamps makes a backfill meaningful: events of 2020 read today
for i in 1 2 3 4; do
	printf '{"n":%d,"timestamp":"2020-03-01T12:00:0%d.000Z","_kafka":{"topic":"ev","partition":%d,"offset":%d,"ts":"2020-03-01T12:00:0%d.%d00Z","key":"k"}}\n' \
		"$i" "$i" $((i % 2)) "$i" "$i" "$i"
done >"$T/backfill"
dq-check --latency-from kafka --max-latency 1s <"$T/backfill" |
	jq -c '[._dq.latency_seconds, ._dq.is_valid]' | tr '\n' ' ' >"$T/got"
assert_eq '[0.1,true] [0.2,true] [0.3,true] [0.4,true] ' "$(cat "$T/got")" "Kafka-time latency"
dq-check --max-latency 1s <"$T/backfill" | jq -c '._dq.errors' | sort -u >"$T/got"
assert_eq '["latency"]' "$(cat "$T/got")" "processing-time latency of a backfill is years"
dq-check --report --latency-from kafka <"$T/backfill" | table | grep latency >"$T/got"
printf '%s\n' '["12:00","dq_latency_avg_seconds","",0.25]' '["12:00","dq_latency_p95_seconds","",0.4]' >"$T/want"
assert_file_eq "$T/want" "$T/got" "report latency from Kafka time"

# --fail-under: exit 4 with the failing checks named, 0 when every ratio is high enough
dq-check "${checks[@]}" --fail-under 0.5 <"$T/events" >/dev/null 2>"$T/err"
assert_eq 4 $? "--fail-under 0.5 fails"
# completeness, required:user_id and latency are exactly 0.5: not below
assert_eq 'dq-check: validity 0.1667 is below --fail-under 0.5 (1 of 6 events valid)' \
	"$(cat "$T/err")" "only the failing ratio is reported"
dq-check "${checks[@]}" --fail-under 0.6 <"$T/events" >/dev/null 2>"$T/err"
assert_eq 4 $? "--fail-under 0.6 fails"
cat >"$T/want" <<'E'
dq-check: completeness 0.5 is below --fail-under 0.6 (3 of 6 events complete)
dq-check: validity 0.1667 is below --fail-under 0.6 (1 of 6 events valid)
dq-check: check required:user_id: pass ratio 0.5 is below --fail-under 0.6 (3 of 6 events failed)
dq-check: check latency: pass ratio 0.5 is below --fail-under 0.6 (3 of 6 events failed)
E
assert_file_eq "$T/want" "$T/err" "failing checks on stderr"
dq-check --required timestamp --fail-under 0.99 <"$T/backfill" >/dev/null
assert_eq 0 $? "--fail-under passes"
dq-check --report --required n --fail-under 1 <"$T/backfill" >/dev/null
assert_eq 0 $? "--fail-under 1 with everything passing"

# --max-silence: a stale-stream record when nothing arrives, a resumed one after
mkfifo "$T/fifo2"
dq-check --max-silence 1s --latency-from kafka <"$T/fifo2" >"$T/silence" &
pid=$!
exec 8>"$T/fifo2"
head -1 "$T/backfill" >&8
wait_for "the stale-stream record" 20 grep -q '"dq_stream_stale"' "$T/silence"
sed -n 2p "$T/backfill" >&8
wait_for "the stream-resumed record" 20 grep -q '"dq_stream_stale","type":"gauge","value":0' "$T/silence"
exec 8>&-
wait $pid
assert_eq 0 $? "exit status with --max-silence"
jq -c 'if .name then [.name, .value, .silence_seconds >= 1, (.last_event_at | test("Z$"))] else [._dq.is_valid] end' \
	"$T/silence" >"$T/got"
printf '%s\n' '[true]' '["dq_stream_stale",1,true,true]' '["dq_stream_stale",0,true,true]' '[true]' >"$T/want"
assert_file_eq "$T/want" "$T/got" "stale then resumed"
assert_eq 1 "$(grep -c '"value":1' "$T/silence")" "one stale record per silence"

# bad input never loses a good record
{
	echo '{"id":"g1","timestamp":"2026-11-24T10:00:00.000Z"}'
	echo 'not json'
	printf '\xff\xfe\n'
	head -c 3000 /dev/zero | tr '\0' x
	echo
	echo '[1,2]'
	echo '{"id":"g2","timestamp":"2026-11-24T10:00:01.000Z"}'
} >"$T/bad"
dq-check --required id --max-line 1K --reject "$T/rej" <"$T/bad" >"$T/out" 2>"$T/err"
assert_eq 0 $? "bad lines do not stop dq-check"
assert_eq '["g1","g2"]' "$(jq -sc 'map(.id)' "$T/out")" "good records pass"
assert_grep '^dq-check: <stdin>:2: invalid JSON' "$T/err" "not JSON"
assert_grep '^dq-check: <stdin>:4: line longer than --max-line' "$T/err" "oversized"
assert_grep '^dq-check: <stdin>:5: not a JSON object' "$T/err" "not an object"
assert_eq 4 "$(lines "$T/rej")" "rejected lines"
dq-check --strict <"$T/bad" >"$T/out" 2>/dev/null
assert_eq 4 $? "--strict"
assert_eq 1 "$(lines "$T/out")" "records before the bad line are out"

# empty input, a closed stdout, SIGTERM in report mode
dq-check --report </dev/null >"$T/out"
assert_eq 0 $? "empty input"
assert_eq 0 "$(lines "$T/out")" "no rows for no events"
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "{\"i\":%d,\"timestamp\":%.0f}\n", i, 1795514400000 + i }' >"$T/many"
dq-check <"$T/many" 2>"$T/err" | head -1 >/dev/null
assert_eq 0 "${PIPESTATUS[0]}" "EPIPE exits 0"
assert_eq "" "$(cat "$T/err")" "quietly"
mkfifo "$T/fifo3"
dq-check --report <"$T/fifo3" >"$T/term" &
pid=$!
exec 9>"$T/fifo3"
head -2 "$T/many" >&9
echo '{"i":0,"timestamp":"2026-11-24T10:02:00.000Z"}' >&9
# the 10:02 event closed the 10:00 window, so it has been read
wait_for "the first window's rows" 20 grep -q '"dq_window_end_timestamp_seconds"' "$T/term"
kill -TERM $pid
wait $pid
assert_eq 0 $? "SIGTERM exit status"
exec 9>&-
grep '"dq_events_total"' "$T/term" | table >"$T/got"
printf '%s\n' '["10:00","dq_events_total","",2]' '["10:02","dq_events_total","",1]' >"$T/want"
assert_file_eq "$T/want" "$T/got" "SIGTERM flushes the open window"

# --idle-advance: on a quiet stream the watermark follows the wall clock
mkfifo "$T/fifo4"
dq-check --report --idle-advance 200ms <"$T/fifo4" >"$T/idle" &
pid=$!
exec 6>"$T/fifo4"
echo '{"timestamp":"2026-11-24T10:00:59.900Z"}' >&6
wait_for "the window closed by wall-clock time" 20 grep -q '"dq_events_total"' "$T/idle"
exec 6>&-
wait $pid
assert_eq '["10:00","dq_events_total","",1]' "$(grep '"dq_events_total"' "$T/idle" | table)" \
	"window closed while idle"

# option errors
dq-check --valid 'x: amount >' </dev/null 2>"$T/err"
assert_eq 3 $? "a bad expression is a rules error"
assert_grep "^dq-check: --valid 'x: amount >': column 12: " "$T/err" "expression message"
dq-check --regex 'email=(' </dev/null 2>"$T/err"
assert_eq 3 $? "a bad regex is a rules error"
dq-check --range amount=5..1 </dev/null 2>"$T/err"
assert_eq 2 $? "bad range"
assert_grep 'low bound above high bound' "$T/err" "range message"
dq-check --fail-under 2 </dev/null 2>/dev/null
assert_eq 2 $? "bad ratio"
dq-check --valid 'p: a > 1' --valid 'p: b > 1' </dev/null 2>"$T/err"
assert_eq 2 $? "check names are unique"
assert_grep 'check p given twice' "$T/err" "duplicate check message"
done_testing
