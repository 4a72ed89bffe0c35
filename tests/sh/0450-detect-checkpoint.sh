#!/bin/bash
# detect --checkpoint: state, partial matches and held-back events survive a
# restart; replayed Kafka offsets are skipped; SIGTERM and kill -9; refusals.
. "$(dirname "$0")/helpers.sh"

SRC=$RUNNEL_SRC
# events with Kafka metadata: two partitions, offsets counting up in each
eventgen -n 1500 --step 200ms --users 40 --jitter 1s --scenario brute-force |
	parse -s "$SRC/examples/schemas/event.avsc" |
	jq -c '(input_line_number - 1) as $n |
		. + {_kafka: {topic: "events", partition: ($n % 2), offset: (($n / 2) | floor)}}' \
		>"$T/all"
N=$(lines "$T/all")
assert_eq 1539 "$N" "events"
OPTS=(-f "$SRC/examples/rules/seed-events.rules" -w 2s --emit-state --cooldown 1m
	-r 'pattern pair: click => page_view within 10s')

detect "${OPTS[@]}" <"$T/all" >"$T/full" 2>"$T/err"
assert_eq 0 $? "uninterrupted run"
assert_eq "" "$(cat "$T/err")" "no messages"
assert_grep '"rule":"brute_force"' "$T/full" "the full run has pattern alerts"
assert_grep '"rule":"pair"' "$T/full" "the full run has pair alerts"

# two runs over halves give the same output as one run
head -n 700 "$T/all" >"$T/h1"
tail -n +701 "$T/all" >"$T/h2"
detect "${OPTS[@]}" --checkpoint "$T/ck" <"$T/h1" >"$T/o1"
assert_eq 0 $? "first half"
assert_eq 2 "$(lines "$T/ck")" "checkpoint: document and checksum lines"
jq -e '.tool == "detect" and (.state.pending | length) > 0 and (.state.keyspaces | length) == 1' \
	<(head -1 "$T/ck") >/dev/null
assert_eq 0 $? "checkpoint holds keys and held-back events"
# (at the end the held-back events stay in the checkpoint, unless --flush)
detect "${OPTS[@]}" --checkpoint "$T/ck" --flush <"$T/h2" >"$T/o2"
assert_eq 0 $? "second half"
cat "$T/o1" "$T/o2" >"$T/split"
assert_file_eq "$T/full" "$T/split" "split run equals the full run"

# state values of every kind survive, U+0000 and escapes included
R=(-r 'by u' -r 'state s = ""' -r 'state a = null' -r 'state f = 0' -r 'update s = s + x'
	-r 'update a = [x, f]' -r 'update f = f + 0.1')
printf '%s\n' '{"u":"k\"1","x":"a\u0000b"}' | detect "${R[@]}" --emit-state --checkpoint "$T/ck2" >/dev/null
printf '%s\n' '{"u":"k\"1","x":"\u00e9"}' | detect "${R[@]}" --emit-state --checkpoint "$T/ck2" >"$T/out"
assert_eq '{"u":"k\"1","s":"a\u0000bé","a":["é",0.1],"f":0.2}' "$(cat "$T/out")" "restored values"

# a replay from an older position skips what the checkpoint absorbed
rm -f "$T/ck"
detect "${OPTS[@]}" --checkpoint "$T/ck" <"$T/h1" >"$T/o1"
tail -n +501 "$T/all" | detect "${OPTS[@]}" --checkpoint "$T/ck" --flush -v >"$T/o2" 2>"$T/err"
cat "$T/o1" "$T/o2" >"$T/split"
assert_file_eq "$T/full" "$T/split" "replayed events are counted once"
assert_grep 'replayed=200' "$T/err" "replayed events counted"

# --flush processes held-back events at the end (the checkpoint keeps the state)
rm -f "$T/ck"
detect "${OPTS[@]}" --checkpoint "$T/ck" --flush <"$T/all" >"$T/o1"
assert_file_eq "$T/full" "$T/o1" "--flush writes everything"

# refusals: exit 3, the file left alone
rm -f "$T/ck"
detect "${OPTS[@]}" --checkpoint "$T/ck" <"$T/h1" >/dev/null
detect -f "$SRC/examples/rules/seed-events.rules" -r 'x: false' -w 2s --emit-state --cooldown 1m \
	-r 'pattern pair: click => page_view within 10s' --checkpoint "$T/ck" <"$T/h2" >"$T/out" 2>"$T/err"
assert_eq 3 $? "other rules: exit status"
assert_grep "^detect: checkpoint $T/ck was written with other parameters" "$T/err" "other rules: message"
assert_eq 0 "$(wc -c <"$T/out")" "other rules: no output"
detect "${OPTS[@]}" --cooldown 2m --checkpoint "$T/ck" <"$T/h2" >/dev/null 2>&1
assert_eq 3 $? "other options: exit status"
sed -i '1s/"maxt":1/"maxt":2/' "$T/ck"
cp "$T/ck" "$T/ck.bad"
detect "${OPTS[@]}" --checkpoint "$T/ck" <"$T/h2" >/dev/null 2>"$T/err"
assert_eq 3 $? "corrupt checkpoint: exit status"
assert_grep "^detect: checkpoint $T/ck is corrupt \\(checksum mismatch\\)" "$T/err" "corrupt: message"
cmp -s "$T/ck" "$T/ck.bad"
assert_eq 0 $? "the corrupt file is left as it was"
printf 'garbage\n' >"$T/ck"
detect "${OPTS[@]}" --checkpoint "$T/ck" </dev/null 2>/dev/null
assert_eq 3 $? "garbage checkpoint"

# SIGTERM saves the checkpoint; the rest continues from it
rm -f "$T/ck"
mkfifo "$T/fifo"
detect "${OPTS[@]}" -u --checkpoint "$T/ck" <"$T/fifo" >"$T/o1" 2>"$T/err" &
pid=$!
exec 7>"$T/fifo"
head -n 400 "$T/all" >&7
# with -w 2s every event but the last few seconds' is out once processed
wait_for "output for the first 400 events" 30 sh -c "test \$(grep -c '\"risk_score\"' '$T/o1') -ge 380"
kill -TERM $pid
wait $pid
assert_eq 0 $? "SIGTERM exit status"
exec 7>&-
assert_eq 2 "$(lines "$T/ck")" "checkpoint saved at SIGTERM"
tail -n +401 "$T/all" | detect "${OPTS[@]}" --checkpoint "$T/ck" --flush >"$T/o2"
cat "$T/o1" "$T/o2" >"$T/split"
assert_file_eq "$T/full" "$T/split" "SIGTERM and restart equal the full run"

# kill -9 at a random point: a restart replaying everything gives, after the
# output the last checkpoint covers, exactly the rest of the full run
for round in 1 2 3; do
	rm -f "$T/ck" "$T/fifo"
	mkfifo "$T/fifo"
	detect "${OPTS[@]}" -u --checkpoint "$T/ck" --checkpoint-interval 0 <"$T/fifo" >"$T/o1" 2>/dev/null &
	pid=$!
	exec 7>"$T/fifo"
	stop=$((RANDOM % 12 + 2))
	for chunk in $(seq 1 $stop); do
		sed -n "$(((chunk - 1) * 100 + 1)),$((chunk * 100))p" "$T/all" >&7
		wait_for "chunk $chunk processed" 30 sh -c \
			"test \$(grep -c '\"risk_score\"' '$T/o1') -ge $((chunk * 100 - 30))"
	done
	kill -KILL $pid
	wait $pid 2>/dev/null
	exec 7>&-
	detect "${OPTS[@]}" --checkpoint "$T/ck" --flush <"$T/all" >"$T/o2" 2>"$T/err"
	assert_eq 0 $? "restart after kill -9 (round $round)"
	covered=$(($(lines "$T/full") - $(lines "$T/o2")))
	{ head -n "$covered" "$T/o1"; cat "$T/o2"; } >"$T/split"
	assert_file_eq "$T/full" "$T/split" "kill -9 after chunk $stop, restart (round $round)"
	[ "$covered" -gt 0 ] && [ "$covered" -le "$(lines "$T/o1")" ] ||
		fail "output covered by the checkpoint ($covered) not within what was written"
done

done_testing
