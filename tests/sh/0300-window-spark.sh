#!/bin/bash
# window: conformance vectors transcribed from Apache Spark's own test suites
# (sql/core/src/test/scala/org/apache/spark/sql/DataFrameTimeWindowingSuite.scala,
# .../sql/streaming/EventTimeWatermarkSuite.scala, StreamingSessionWindowSuite.scala).
# Input events and expected windows are Spark's; rows are written in window's format.
# Spark's batch DataFrame tests have no watermark: -w 1d (longer than the data) is the
# same. Spark's streaming tests advance the watermark per micro-batch and window(1)
# per event; the vectors below give the same rows either way.
. "$(dirname "$0")/helpers.sh"

# check NAME EXPECTED_ROWS CMD...: runs CMD with $T/in on stdin, compares stdout
check() {
	_name=$1 _want=$2
	shift 2
	"$@" <"$T/in" >"$T/got" 2>"$T/err"
	assert_eq 0 $? "$_name: exit status"
	printf '%s\n' "$_want" >"$T/want"
	assert_file_eq "$T/want" "$T/got" "$_name"
}

ev() { # ev TIME [VALUE [ID]]: one event
	printf '{"time":"%s"' "$1"
	[ $# -ge 2 ] && printf ',"value":%s' "$2"
	[ $# -ge 3 ] && printf ',"id":"%s"' "$3"
	printf '}\n'
}

# DataFrameTimeWindowingSuite "simple tumbling window with record at window start"
ev 2016-03-27T19:39:30Z 1 a >"$T/in"
check "tumbling, record at window start" \
	'{"window":{"start":"2016-03-27T19:39:30.000Z","end":"2016-03-27T19:39:40.000Z"},"counts":1}' \
	window -T time -s 10s -w 1d -a 'count(*) as counts'

# "SPARK-21590: tumbling window using negative start time"
{ ev 2016-03-27T19:39:30Z 1 a; ev 2016-03-27T19:39:25Z 2 a; } >"$T/in"
check "tumbling, negative start time" \
	'{"window":{"start":"2016-03-27T19:39:25.000Z","end":"2016-03-27T19:39:35.000Z"},"counts":2}' \
	window -T time -s '10 seconds' -S '10 seconds' --offset '-5 seconds' -w 1d -a 'count(*) as counts'

# "tumbling window groupBy statement" and "tumbling window with multi-column
# projection" (values per window: 4, 1, 2)
{ ev 2016-03-27T19:39:34Z 1 a; ev 2016-03-27T19:39:56Z 2 a; ev 2016-03-27T19:39:27Z 4 b; } >"$T/in"
check "tumbling groupBy" \
	'{"window":{"start":"2016-03-27T19:39:20.000Z","end":"2016-03-27T19:39:30.000Z"},"counts":1,"values":[4]}
{"window":{"start":"2016-03-27T19:39:30.000Z","end":"2016-03-27T19:39:40.000Z"},"counts":1,"values":[1]}
{"window":{"start":"2016-03-27T19:39:50.000Z","end":"2016-03-27T19:40:00.000Z"},"counts":1,"values":[2]}' \
	window -T time -s 10s -w 1d -a 'count(*) as counts, collect_list(value) as values'

# "tumbling window groupBy statement with startTime" (5 s) and "... with negative
# startTime" (-5 s): the same windows
want='{"window":{"start":"2016-03-27T19:39:25.000Z","end":"2016-03-27T19:39:35.000Z"},"id":"a","counts":1}
{"window":{"start":"2016-03-27T19:39:25.000Z","end":"2016-03-27T19:39:35.000Z"},"id":"b","counts":1}
{"window":{"start":"2016-03-27T19:39:55.000Z","end":"2016-03-27T19:40:05.000Z"},"id":"a","counts":1}'
check "tumbling groupBy with startTime" "$want" \
	window -T time -s 10s --offset 5s -w 1d -k id -a 'count(*) as counts'
check "tumbling groupBy with negative startTime" "$want" \
	window -T time -s 10s --offset=-5s -w 1d -k id -a 'count(*) as counts'

# "time window in SQL with three expressions [including negative start time]":
# (start, end, value) = (25, 35, 1), (25, 35, 4), (55, 05, 2)
check "SQL three expressions" \
	'{"window":{"start":"2016-03-27T19:39:25.000Z","end":"2016-03-27T19:39:35.000Z"},"value":[1,4]}
{"window":{"start":"2016-03-27T19:39:55.000Z","end":"2016-03-27T19:40:05.000Z"},"value":[2]}' \
	window -T time -s 10s --offset -5s -w 1d -a 'collect_set(value) as value'

# "sliding window grouping": 10 s windows every 3 s; 19:39:27 -> 4 bins, :34 and :56 -> 3
check "sliding window grouping" \
	'{"window":{"start":"2016-03-27T19:39:18.000Z","end":"2016-03-27T19:39:28.000Z"},"counts":1}
{"window":{"start":"2016-03-27T19:39:21.000Z","end":"2016-03-27T19:39:31.000Z"},"counts":1}
{"window":{"start":"2016-03-27T19:39:24.000Z","end":"2016-03-27T19:39:34.000Z"},"counts":1}
{"window":{"start":"2016-03-27T19:39:27.000Z","end":"2016-03-27T19:39:37.000Z"},"counts":2}
{"window":{"start":"2016-03-27T19:39:30.000Z","end":"2016-03-27T19:39:40.000Z"},"counts":1}
{"window":{"start":"2016-03-27T19:39:33.000Z","end":"2016-03-27T19:39:43.000Z"},"counts":1}
{"window":{"start":"2016-03-27T19:39:48.000Z","end":"2016-03-27T19:39:58.000Z"},"counts":1}
{"window":{"start":"2016-03-27T19:39:51.000Z","end":"2016-03-27T19:40:01.000Z"},"counts":1}
{"window":{"start":"2016-03-27T19:39:54.000Z","end":"2016-03-27T19:40:04.000Z"},"counts":1}' \
	window -T time -s '10 seconds' -S '3 seconds' --offset '0 second' -w 1d -a 'count(*) as counts'

# "sliding window projection": values by window start, then value descending
window -T time -s 10s -S 3s -w 1d -a 'collect_list(value) as v' <"$T/in" |
	jq -c '.v | sort | reverse | .[]' | tr '\n' ' ' >"$T/got"
assert_eq "4 4 4 4 1 1 1 2 2 2 " "$(cat "$T/got")" "sliding window projection"

# "No need to filter windows when windowDuration is multiple of slideDuration":
# 9 s every 3 s with offsets 0, -2 s and 2 s put each event in 3 windows
ts() { echo '{"time":"2022-02-15T19:39:34Z"}{"time":"2022-02-15T19:39:56Z"}{"time":"2022-02-15T19:39:27Z"}' | jq -c .; }
for off in 0s -2s 2s; do
	assert_eq 9 "$(ts | window -T time -s 9s -S 3s --offset="$off" -w 1d -a 'count() as n' | jq -s 'map(.n)|add')" \
		"9 s windows every 3 s, offset $off: 3 windows per event"
done

# "millisecond precision sliding windows"
{ ev 2016-03-27T09:00:00.41Z 3; ev 2016-03-27T09:00:00.62Z 6; ev 2016-03-27T09:00:00.715Z 8; } >"$T/in"
check "millisecond precision sliding windows" \
	'{"window":{"start":"2016-03-27T09:00:00.240Z","end":"2016-03-27T09:00:00.440Z"},"counts":1}
{"window":{"start":"2016-03-27T09:00:00.280Z","end":"2016-03-27T09:00:00.480Z"},"counts":1}
{"window":{"start":"2016-03-27T09:00:00.320Z","end":"2016-03-27T09:00:00.520Z"},"counts":1}
{"window":{"start":"2016-03-27T09:00:00.360Z","end":"2016-03-27T09:00:00.560Z"},"counts":1}
{"window":{"start":"2016-03-27T09:00:00.400Z","end":"2016-03-27T09:00:00.600Z"},"counts":1}
{"window":{"start":"2016-03-27T09:00:00.440Z","end":"2016-03-27T09:00:00.640Z"},"counts":1}
{"window":{"start":"2016-03-27T09:00:00.480Z","end":"2016-03-27T09:00:00.680Z"},"counts":1}
{"window":{"start":"2016-03-27T09:00:00.520Z","end":"2016-03-27T09:00:00.720Z"},"counts":2}
{"window":{"start":"2016-03-27T09:00:00.560Z","end":"2016-03-27T09:00:00.760Z"},"counts":2}
{"window":{"start":"2016-03-27T09:00:00.600Z","end":"2016-03-27T09:00:00.800Z"},"counts":2}
{"window":{"start":"2016-03-27T09:00:00.640Z","end":"2016-03-27T09:00:00.840Z"},"counts":1}
{"window":{"start":"2016-03-27T09:00:00.680Z","end":"2016-03-27T09:00:00.880Z"},"counts":1}' \
	window -T time -s '200 milliseconds' -S '40 milliseconds' --offset '0 milliseconds' -w 1d \
	-a 'count(*) as counts'

# "negative timestamps": 10 s windows offset 5 s around the epoch
{ ev 1970-01-01T00:00:02Z 1; ev 1970-01-01T00:00:12Z 2; } >"$T/in"
check "negative timestamps" \
	'{"window":{"start":"1969-12-31T23:59:55.000Z","end":"1970-01-01T00:00:05.000Z"},"value":1}
{"window":{"start":"1970-01-01T00:00:05.000Z","end":"1970-01-01T00:00:15.000Z"},"value":2}' \
	window -T time -s 10s --offset 5s -w 1d -a 'sum(value) as value'
# the same times as epoch milliseconds, and a window wholly before 1970
printf '%s\n' '{"time":2000,"value":1}' '{"time":12000,"value":2}' '{"time":-86400000,"value":7}' >"$T/in"
check "epoch-ms and pre-1970 times" \
	'{"window":{"start":"1969-12-30T23:59:55.000Z","end":"1969-12-31T00:00:05.000Z"},"value":7}
{"window":{"start":"1969-12-31T23:59:55.000Z","end":"1970-01-01T00:00:05.000Z"},"value":1}
{"window":{"start":"1970-01-01T00:00:05.000Z","end":"1970-01-01T00:00:15.000Z"},"value":2}' \
	window -T time -s 10s --offset 5s -w 2d -a 'sum(value) as value'

# ---- streaming: event times as seconds ("value".cast("timestamp")), 5 s windows,
# withWatermark("eventTime", "10 seconds")
secs() { for v in "$@"; do printf '{"value":%d,"eventTime":%d}\n' "$v" $((v * 1000)); done; }
row() { # row START COUNT: a 5 s window row
	printf '{"window":{"start":"1970-01-01T00:00:%02d.000Z","end":"1970-01-01T00:00:%02d.000Z"},"count":%d}' \
		"$1" $(($1 + 5)) "$2"
}
W5="window -T eventTime -s 5s -w 10s"

# EventTimeWatermarkSuite "append mode": 25 advances the watermark to 15 s and emits
# (10, 5); 10 is then late; two windows stay in the state (assertNumStateRows(2)).
# --checkpoint keeps the open windows instead of writing them at the end, as the
# still running Spark query does.
secs 10 11 12 13 14 15 25 10 >"$T/in"
check "append mode" "$(row 10 5)" $W5 --checkpoint "$T/append.ckpt" --late "$T/late"
assert_eq '{"value":10,"eventTime":10000}' "$(cat "$T/late")" "append mode: the late event"
assert_eq 2 "$(head -1 "$T/append.ckpt" | jq '.state.panes|length')" "append mode: state rows"
assert_eq 15000 "$(head -1 "$T/append.ckpt" | jq '.state.watermark')" "append mode: watermark"

# "recovery": stop and restart from the checkpoint between batches; 10 and 17 are
# ignored as late, (15, 1) and then (25, 2) come out
rm -f "$T/rec.ckpt"
secs 10 11 12 13 14 15 25 >"$T/in"
check "recovery: first run" "$(row 10 5)" $W5 --checkpoint "$T/rec.ckpt"
secs 10 27 30 >"$T/in"
check "recovery: second run" "$(row 15 1)" $W5 --checkpoint "$T/rec.ckpt"
secs 17 40 >"$T/in"
check "recovery: third run" "$(row 25 2)" $W5 --checkpoint "$T/rec.ckpt"

# "event time and watermark metrics with Trigger.Once (SPARK-24699)": 15 | 10 12 14 |
# 25 | 50 | 50 -> (10, 3) once 50 moves the watermark to 40 (with it, (15, 1) and
# (25, 1), which Spark writes one batch later)
secs 15 10 12 14 25 50 50 >"$T/in"
check "Trigger.Once" "$(row 10 3)
$(row 15 1)
$(row 25 1)" $W5 --checkpoint "$T/once.ckpt"

# "update mode": micro-batches through a FIFO; --trigger 0 writes the changed windows
# whenever the input is drained, which is when a batch is done.
# feed_batches OUT BATCH... : each BATCH is "values|rows expected in OUT afterwards"
feed_batches() {
	_out=$1
	shift
	for b in "$@"; do
		secs ${b%|*} >&7
		_n=${b#*|}
		wait_for "$_n rows after batch [${b%|*}]" 20 sh -c "[ \$(wc -l <'$_out') -ge $_n ]"
	done
}
rm -f "$T/fifo"
mkfifo "$T/fifo"
$W5 --emit update --trigger 0 <"$T/fifo" >"$T/upd" &
pid=$!
exec 7>"$T/fifo"
feed_batches "$T/upd" "10 11 12 13 14 15|2" "25|3" "10 25|4" "10|4"
exec 7>&-
wait $pid
assert_eq 0 $? "update mode: exit status"
printf '%s\n' "$(row 10 5)" "$(row 15 1)" "$(row 25 1)" "$(row 25 2)" >"$T/want"
assert_file_eq "$T/want" "$T/upd" "update mode"

# ---- session windows: session($"eventTime", "5 seconds") by valuegroup = value / 10
# ("append mode - session"), watermark 10 s; rows: (valuegroup, start, end, count, sum)
sess() { for v in "$@"; do printf '{"value":%d,"valuegroup":%d,"eventTime":%d}\n' "$v" $((v / 10)) $((v * 1000)); done; }
srow() { # srow GROUP START END COUNT SUM
	printf '{"window":{"start":"1970-01-01T00:00:%02d.000Z","end":"1970-01-01T00:00:%02d.000Z"},"valuegroup":%d,"count":%d,"sum":%d}' \
		"$2" "$3" "$1" "$4" "$5"
}
S5() { window -T eventTime --session 5s -w 10s -k valuegroup -a 'count(*) as count, sum(value) as sum' "$@"; }
sess 10 11 17 25 35 10 40 >"$T/in"
check "append mode - session" "$(srow 1 10 16 2 21)
$(srow 1 17 22 1 17)
$(srow 2 25 30 1 25)" S5 --checkpoint "$T/sess.ckpt"

# "update mode - session" through micro-batches
rm -f "$T/fifo"
mkfifo "$T/fifo"
S5 --emit update --trigger 0 <"$T/fifo" >"$T/supd" &
pid=$!
exec 7>"$T/fifo"
sessfeed() {
	_out=$1
	shift
	for b in "$@"; do
		sess ${b%|*} >&7
		_n=${b#*|}
		wait_for "$_n rows after batch [${b%|*}]" 20 sh -c "[ \$(wc -l <'$_out') -ge $_n ]"
	done
}
sessfeed "$T/supd" "10 11|1" "17|2" "25|3" "35|4" "10|4" "40|5"
exec 7>&-
wait $pid
printf '%s\n' "$(srow 1 10 16 2 21)" "$(srow 1 17 22 1 17)" "$(srow 2 25 30 1 25)" \
	"$(srow 3 35 40 1 35)" "$(srow 4 40 45 1 40)" >"$T/want"
assert_file_eq "$T/want" "$T/supd" "update mode - session"

# "update mode - session - keys overlapped with sessions": valuegroup = value mod 2
sessmod() { for v in "$@"; do printf '{"value":%d,"valuegroup":%d,"eventTime":%d}\n' "$v" $((v % 2)) $((v * 1000)); done; }
rm -f "$T/fifo"
mkfifo "$T/fifo"
S5 --emit update --trigger 0 <"$T/fifo" >"$T/smod" &
pid=$!
exec 7>"$T/fifo"
for b in "10 11 12 13|2" "17|3" "25|4" "35|5" "27|6" "10|6" "40|7"; do
	sessmod ${b%|*} >&7
	wait_for "${b#*|} rows after batch [${b%|*}]" 20 sh -c "[ \$(wc -l <'$T/smod') -ge ${b#*|} ]"
done
exec 7>&-
wait $pid
printf '%s\n' "$(srow 0 10 17 2 22)" "$(srow 1 11 18 2 24)" "$(srow 1 11 22 3 41)" \
	"$(srow 1 25 30 1 25)" "$(srow 1 35 40 1 35)" "$(srow 1 25 32 2 52)" \
	"$(srow 0 40 45 1 40)" >"$T/want"
assert_file_eq "$T/want" "$T/smod" "update mode - session - keys overlapped with sessions"

# StreamingSessionWindowSuite "append mode - session window": words of each line are
# session keys, gap 10 s, watermark 30 s; (spark streaming, 0) is dropped as late
# (assertNumRowsDroppedByWatermark(2)); (spark streaming, 30) joins sessions before
# and after it; the watermark 60 s after (..., 90) emits the first five sessions.
: >"$T/in"
for lt in "hello world spark streaming|40" "world hello structured streaming|41" \
	"spark streaming|25" "spark streaming|0" "spark streaming|30" \
	"hello apache spark|60" "structured streaming|90"; do
	for w in ${lt%|*}; do
		printf '{"sessionId":"%s","eventTime":%d}\n' "$w" $((${lt#*|} * 1000)) >>"$T/in"
	done
done
swrow() { # swrow ID START END N: (sessionId, start, end, numEvents)
	printf '{"window":{"start":"1970-01-01T00:00:%02d.000Z","end":"1970-01-01T00:00:%02d.000Z"},"sessionId":"%s","numEvents":%d}' \
		"$2" "$3" "$1" "$4"
}
check "session window append mode" "$(swrow spark 25 50 3)
$(swrow streaming 25 51 4)
$(swrow hello 40 51 2)
$(swrow world 40 51 2)
$(swrow structured 41 51 1)" \
	window -T eventTime -k sessionId --session '10 seconds' -w '30 seconds' \
	-a 'count(*) as numEvents' --checkpoint "$T/sw.ckpt" --late "$T/swlate"
assert_eq 2 "$(lines "$T/swlate")" "session window append mode: rows dropped by watermark"
# the rest at the end of input without a checkpoint (Spark's complete-mode answer)
window -T eventTime -k sessionId --session 10s -w 30s -a 'count(*) as numEvents' <"$T/in" |
	tail -n 5 >"$T/got"
cat >"$T/want" <<'J'
{"window":{"start":"1970-01-01T00:01:00.000Z","end":"1970-01-01T00:01:10.000Z"},"sessionId":"apache","numEvents":1}
{"window":{"start":"1970-01-01T00:01:00.000Z","end":"1970-01-01T00:01:10.000Z"},"sessionId":"hello","numEvents":1}
{"window":{"start":"1970-01-01T00:01:00.000Z","end":"1970-01-01T00:01:10.000Z"},"sessionId":"spark","numEvents":1}
{"window":{"start":"1970-01-01T00:01:30.000Z","end":"1970-01-01T00:01:40.000Z"},"sessionId":"streaming","numEvents":1}
{"window":{"start":"1970-01-01T00:01:30.000Z","end":"1970-01-01T00:01:40.000Z"},"sessionId":"structured","numEvents":1}
J
assert_file_eq "$T/want" "$T/got" "session window: open sessions at end of input"

done_testing
