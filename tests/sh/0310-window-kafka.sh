#!/bin/bash
# window: conformance vectors transcribed from Apache Kafka Streams' own tests
# (streams/src/test/java/org/apache/kafka/streams/kstream/TimeWindowsTest.java,
# .../kstream/internals/KStreamWindowAggregateTest.java and SuppressScenarioTest.java).
# Record timestamps are epoch ms; a Kafka Streams grace period is window's -w DELAY:
# both close a window once stream time reaches its end plus that much.
. "$(dirname "$0")/helpers.sh"

ms() { # ms KEY T [VALUE]...: one event per "KEY T" pair
	while [ $# -ge 2 ]; do
		printf '{"k":"%s","t":%d}\n' "$1" "$2"
		shift 2
	done
}
# [key@start/end]=value, as Kafka Streams prints a windowed record
kv() { jq -r '"[\(.k)@\(.window.start|sub(".*T00:00:";"")|sub("Z";"")|tonumber*1000|round)/\(.window.end|sub(".*T00:00:";"")|sub("Z";"")|tonumber*1000|round)]=\(.v)"'; }

# TimeWindowsTest.shouldComputeWindowsForHoppingWindows: size 12, advance 5, t = 21
ms A 21 | window -T t -k k -s 12ms -S 5ms -a 'count() as v' | kv >"$T/got"
printf '%s\n' '[A@10/22]=1' '[A@15/27]=1' '[A@20/32]=1' >"$T/want"
assert_file_eq "$T/want" "$T/got" "hopping windows for t=21"
# shouldComputeWindowsForBarelyOverlappingHoppingWindows: size 6, advance 5, t = 7
assert_eq '[A@5/11]=1' "$(ms A 7 | window -T t -k k -s 6ms -S 5ms -a 'count() as v' | kv)" \
	"barely overlapping hopping windows"
# shouldComputeWindowsForTumblingWindows: size 12, t = 21
assert_eq '[A@12/24]=1' "$(ms A 21 | window -T t -k k -s 12ms -a 'count() as v' | kv)" \
	"tumbling windows"

# KStreamWindowAggregateTest.testAggBasic: TimeWindows.of(10).advanceBy(5) with a
# string-concatenating aggregator, every update forwarded: --emit every with
# collect_list. Its grace (24 h minus the size) drops nothing here: -w 1d.
# Kafka Streams creates no window starting before 0 (windowsFor clips at 0) while
# Spark's assignment, which window follows, does: rows of [-5, 5) are left out.
printf '%s\n' A:1:0 B:2:1 C:3:2 D:4:3 A:1:4 A:1:5 B:2:6 D:4:7 B:2:8 C:3:9 A:1:10 B:2:11 \
	D:4:12 B:2:13 C:3:14 B:1:3 B:2:2 B:3:9 |
	awk -F: '{ printf "{\"k\":\"%s\",\"v\":\"%s\",\"t\":%d}\n", $1, $2, $3 }' >"$T/in"
window -T t -k k -s 10ms -S 5ms -w 1d --emit every -a 'collect_list(v) as v' <"$T/in" |
	jq -c 'select(.window.start >= "1970")' |
	jq -r '"[\(.k)@\(.window.start[20:23]|tonumber)/\(.window.end[20:23]|tonumber)]=0+\(.v|join("+"))"' >"$T/got"
cat >"$T/want" <<'E'
[A@0/10]=0+1
[B@0/10]=0+2
[C@0/10]=0+3
[D@0/10]=0+4
[A@0/10]=0+1+1
[A@0/10]=0+1+1+1
[A@5/15]=0+1
[B@0/10]=0+2+2
[B@5/15]=0+2
[D@0/10]=0+4+4
[D@5/15]=0+4
[B@0/10]=0+2+2+2
[B@5/15]=0+2+2
[C@0/10]=0+3+3
[C@5/15]=0+3
[A@5/15]=0+1+1
[A@10/20]=0+1
[B@5/15]=0+2+2+2
[B@10/20]=0+2
[D@5/15]=0+4+4
[D@10/20]=0+4
[B@5/15]=0+2+2+2+2
[B@10/20]=0+2+2
[C@5/15]=0+3+3
[C@10/20]=0+3
[B@0/10]=0+2+2+2+1
[B@0/10]=0+2+2+2+1+2
[B@0/10]=0+2+2+2+1+2+3
[B@5/15]=0+2+2+2+2+3
E
assert_file_eq "$T/want" "$T/got" "testAggBasic changelog"
# the last row of each window in the changelog is the final row
window -T t -k k -s 10ms -S 5ms -w 1d --emit every -a 'collect_list(v) as v' <"$T/in" |
	jq -sc 'group_by(.window.start, .k) | map(last) | sort_by(.window.end, .window.start, .k) | .[]' >"$T/last"
window -T t -k k -s 10ms -S 5ms -w 1d -a 'collect_list(v) as v' <"$T/in" >"$T/final"
assert_file_eq "$T/final" "$T/last" "testAggBasic: last changelog rows are the final rows"

# SuppressScenarioTest.shouldSupportFinalResultsForTimeWindows: size 2, grace 1;
# the last record (t=0) is out of the grace period and dropped.
ms k1 0 k1 1 k1 2 k1 1 k1 0 k1 5 k1 0 >"$T/in"
window -T t -k k -s 2ms -w 1ms --emit every -a 'count() as v' <"$T/in" | kv >"$T/got"
printf '%s\n' '[k1@0/2]=1' '[k1@0/2]=2' '[k1@2/4]=1' '[k1@0/2]=3' '[k1@0/2]=4' '[k1@4/6]=1' >"$T/want"
assert_file_eq "$T/want" "$T/got" "final results for time windows: raw"
# suppress(untilWindowCloses): each window once, when it closes; the still open
# [4, 6) stays in the checkpoint as it stays in the running topology
window -T t -k k -s 2ms -w 1ms -a 'count() as v' --checkpoint "$T/s1.ckpt" --late "$T/s1.late" \
	<"$T/in" | kv >"$T/got"
printf '%s\n' '[k1@0/2]=4' '[k1@2/4]=1' >"$T/want"
assert_file_eq "$T/want" "$T/got" "final results for time windows: suppressed"
assert_eq '{"k":"k1","t":0}' "$(cat "$T/s1.late")" "final results: the dropped record"

# shouldSupportFinalResultsForTimeWindowsWithLargeJump: size 2, grace 2
ms k1 0 k1 1 k1 2 k1 0 k1 3 k1 0 k1 4 k1 0 k1 30 >"$T/in"
window -T t -k k -s 2ms -w 2ms --emit every -a 'count() as v' <"$T/in" | kv >"$T/got"
printf '%s\n' '[k1@0/2]=1' '[k1@0/2]=2' '[k1@2/4]=1' '[k1@0/2]=3' '[k1@2/4]=2' '[k1@0/2]=4' \
	'[k1@4/6]=1' '[k1@30/32]=1' >"$T/want"
assert_file_eq "$T/want" "$T/got" "large jump: raw"
window -T t -k k -s 2ms -w 2ms -a 'count() as v' --checkpoint "$T/s2.ckpt" <"$T/in" | kv >"$T/got"
printf '%s\n' '[k1@0/2]=4' '[k1@2/4]=2' '[k1@4/6]=1' >"$T/want"
assert_file_eq "$T/want" "$T/got" "large jump: suppressed"

# shouldSupportFinalResultsForSessionWindows: inactivity gap 5, no grace. Kafka Streams
# names a session by its first and last event ([k1@0/5]); window by [first, last+gap).
# "arbitrarily disordered records are admitted" until stream time passes the end;
# k2@11 closes k1's session for every key, so k1@5 after it is dropped.
ms k1 0 k1 5 k1 1 k2 11 k1 5 k1 30 >"$T/in"
window -T t -k k --session 5ms -a 'count() as v' --checkpoint "$T/s3.ckpt" --late "$T/s3.late" \
	<"$T/in" | kv >"$T/got"
printf '%s\n' '[k1@0/10]=3' '[k2@11/16]=1' >"$T/want"
assert_file_eq "$T/want" "$T/got" "final results for session windows"
assert_eq '{"k":"k1","t":5}' "$(cat "$T/s3.late")" "session windows: the dropped record"

# KStreamWindowAggregateTest.shouldLogAndMeterWhenSkippingExpiredWindowByGrace:
# tumbling 10 with grace 90; at stream time 200, [100, 110) has expired, so the
# records at 100..105 and 6 are all dropped: one row.
printf '{"k":"k","v":"%s","t":%d}\n' 100 200 0 100 1 101 2 102 3 103 4 104 5 105 6 6 >"$T/in"
window -T t -k k -s 10ms -w 90ms --emit every -a 'collect_list(v) as v' --late "$T/g.late" \
	<"$T/in" | kv >"$T/got"
assert_eq '[k@200/210]=["100"]' "$(cat "$T/got")" "grace: expired windows"
assert_eq 7 "$(lines "$T/g.late")" "grace: dropped records"

# shouldLogAndMeterWhenSkippingExpiredWindow: hopping 10/5, retained until 100
# (grace 90): at stream time 100 [0, 10) has expired but [5, 15) has not, so 5 and 6
# still count there while 0..4 are dropped.
printf '{"k":"k","v":"%s","t":%d}\n' 100 100 0 0 1 1 2 2 3 3 4 4 5 5 6 6 >"$T/in"
window -T t -k k -s 10ms -S 5ms -w 90ms --emit every -a 'collect_list(v) as v' \
	--late "$T/g2.late" <"$T/in" | jq -r '"[\(.k)@\(.window.start[20:23]|tonumber)/\(.window.end[20:23]|tonumber)]=+\(.v|join("+"))"' >"$T/got"
printf '%s\n' '[k@95/105]=+100' '[k@100/110]=+100' '[k@5/15]=+5' '[k@5/15]=+5+6' >"$T/want"
assert_file_eq "$T/want" "$T/got" "retention: expired and live windows"
assert_eq 5 "$(lines "$T/g2.late")" "retention: records with every window expired"

done_testing
