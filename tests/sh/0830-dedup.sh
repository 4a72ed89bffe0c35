#!/bin/bash
# dedup: first occurrence passes, repeats within the interval drop, state is bounded
# by the watermark, and a restart from a checkpoint neither forgets nor double-drops.
. "$(dirname "$0")/helpers.sh"

# semantics on a small hand-made stream (within 1s, no delay)
cat >"$T/small" <<'J'
{"id":"a","timestamp":1000}
{"id":"a","timestamp":1500}
{"id":"b","timestamp":1600}
{"id":"a","timestamp":2000}
{"id":"a","timestamp":2999}
{"x":1,"timestamp":3000}
{"id":"a","timestamp":500}
not json
{"id":"c"}
J
dedup -k id --within 1s -v --dupes "$T/dupes" <"$T/small" >"$T/out" 2>"$T/err"
assert_eq 0 $? "exit status"
cat >"$T/want" <<'J'
{"id":"a","timestamp":1000}
{"id":"b","timestamp":1600}
{"id":"a","timestamp":2000}
{"x":1,"timestamp":3000}
{"id":"a","timestamp":500}
J
assert_file_eq "$T/want" "$T/out" "passed events (a again after exactly 1s; a late one passes)"
printf '%s\n' '{"id":"a","timestamp":1500}' '{"id":"a","timestamp":2999}' >"$T/want"
assert_file_eq "$T/want" "$T/dupes" "dropped events kept in --dupes"
assert_grep '^dedup: <stdin>:8: invalid JSON at column 1' "$T/err" "bad JSON"
assert_grep '^dedup: <stdin>:9: no event time: field timestamp is missing$' "$T/err" "no time"
assert_grep 'in=9 passed=5 dropped=2 nokey=1 late=1 replayed=0 rejected=2 state=0 peak_state=2' \
	"$T/err" "summary"

# composite keys; equal values in other spellings are the same key
printf '%s\n' '{"u":"x","n":1,"timestamp":0}' '{"u":"x","n":1.0,"timestamp":1}' \
	'{"u":"\u0078","n":1,"timestamp":2}' '{"u":"x","n":"1","timestamp":3}' |
	dedup -k u,n --within 1m >"$T/out"
assert_eq 2 "$(lines "$T/out")" "composite key with normalised values"

# a replayed stream (every event twice, the copy up to 50 events later) comes out
# exactly once
awk 'BEGIN { for (i = 0; i < 20000; i++)
	printf "{\"event_id\":\"e%d\",\"timestamp\":%d}\n", i, 1000000 + i * 10 }' >"$T/orig"
$PY - "$T/orig" >"$T/replayed" <<'PY'
import random, sys
rng = random.Random(11)
lines = open(sys.argv[1]).read().splitlines()
out, pending = [], []
for i, l in enumerate(lines):
    out.append(l)
    pending.append((i + rng.randint(0, 50), l))
    ready = [p for p in pending if p[0] <= i]
    pending = [p for p in pending if p[0] > i]
    out.extend(l2 for _, l2 in ready)
out.extend(l2 for _, l2 in pending)
print("\n".join(out))
PY
assert_eq 40000 "$(lines "$T/replayed")" "replayed stream has every event twice"
dedup -k event_id --within 10s -w 1s -v <"$T/replayed" >"$T/out" 2>"$T/err"
assert_file_eq "$T/orig" "$T/out" "replay comes out exactly once, in first-seen order"
assert_grep 'passed=20000 dropped=20000' "$T/err" "counts"

# state stays bounded: 2M events over 2M distinct keys, 1 ms apart, within 1s
# keeps about 1000 keys, never the stream
n=2000000
awk -v n=$n 'BEGIN { for (i = 0; i < n; i++) printf "{\"k\":%d,\"timestamp\":%d}\n", i, i }' |
	dedup -k k --within 1s -v 2>"$T/err" >/dev/null
info "$(cat "$T/err")"
peak=$(sed -n 's/.*peak_state=\([0-9]*\).*/\1/p' "$T/err")
[ -n "$peak" ] && [ "$peak" -le 1001 ] || fail "state not bounded by the interval: peak $peak"
assert_grep "in=$n passed=$n dropped=0" "$T/err" "all distinct keys passed"

# restart from a checkpoint: the first run absorbs offsets 0..5999 and saves at end
# of input; the second replays from offset 4000 (a consumer group's last commit);
# together they pass each first occurrence exactly once
$PY - >"$T/k" <<'PY'
for off in range(10000):
    # even offsets bring new ids; each odd offset repeats the id of 3 offsets before
    i = off // 2 if off % 2 == 0 else (off - 3) // 2
    print('{"event_id":"e%d","timestamp":%d,"_kafka":{"topic":"ev","partition":0,"offset":%d}}'
          % (i, 1000 + off, off))
PY
head -6000 "$T/k" | dedup -k event_id --within 1m --checkpoint "$T/ck" >"$T/run1"
assert_eq 0 $? "first run"
tail -n +4001 "$T/k" | dedup -k event_id --within 1m --checkpoint "$T/ck" -v >"$T/run2" 2>"$T/err2"
assert_eq 0 $? "second run"
assert_grep 'replayed=2000' "$T/err2" "offsets at or below the checkpoint skipped"
dedup -k event_id --within 1m <"$T/k" >"$T/straight"
cat "$T/run1" "$T/run2" >"$T/union"
assert_file_eq "$T/straight" "$T/union" "restart gives the uninterrupted result"
# mismatched parameters or a corrupt file are refused
dedup -k event_id --within 2m --checkpoint "$T/ck" </dev/null 2>"$T/err"
assert_eq 3 $? "checkpoint with other parameters"
echo garbage >"$T/bad.ck"
dedup -k event_id --within 1m --checkpoint "$T/bad.ck" </dev/null 2>"$T/err"
assert_eq 3 $? "corrupt checkpoint"

# SIGTERM saves the checkpoint too
mkfifo "$T/fifo"
dedup -k event_id --within 1m --checkpoint "$T/ck2" -u <"$T/fifo" >"$T/live" &
pid=$!
exec 7>"$T/fifo"
head -10 "$T/k" >&7
wait_for "first events" 20 sh -c "test \$(wc -l <'$T/live') -ge 5"
kill -TERM $pid
wait $pid
assert_eq 0 $? "exit status after SIGTERM"
exec 7>&-
assert_grep '"offset":9' "$T/ck2" "checkpoint saved at SIGTERM holds the last offset"

# usage, strict, EPIPE
dedup --within 1s </dev/null 2>/dev/null
assert_eq 2 $? "-k missing"
dedup -k id </dev/null 2>/dev/null
assert_eq 2 $? "--within missing"
dedup -k id --within 1s --strict <"$T/small" >/dev/null 2>&1
assert_eq 4 $? "--strict"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "{\"id\":%d,\"timestamp\":%d}\n", i, i }' |
	dedup -k id --within 1s | head -1 >/dev/null
assert_eq "0 0" "${PIPESTATUS[1]} ${PIPESTATUS[2]}" "dedup | head -1"

done_testing
