#!/bin/bash
# kcons without groups: values from kcat and python3-kafka, -o/-p/-c/-e, the -J envelope,
# --meta, rejects, --from/--until, -L, unreachable brokers, EPIPE, signals, usage.
. "$(dirname "$0")/helpers.sh"

kbroker -t vals:3 -t env -t pyv -t meta -t bad -t times:2 -t big:2 -t live -t grow \
	-t rate -t events:2 -t events-copy:2 -t clicks >"$T/kb" 2>"$T/kb.err" &
kpid=$!
on_exit "kill $kpid"
wait_for "kbroker's address" 30 test -s "$T/kb"
B=$(head -1 "$T/kb")
export KAFKA_BROKERS=$B

# py SCRIPT: python3-kafka with a producer `p` connected to the broker
py() {
	$PY -c "import sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers='$B', linger_ms=5)
$1
p.flush(); p.close()" || die "python3-kafka could not produce"
}

# kcat -P → kcons: the same values, in order within each partition
for p in 0 1 2; do
	seq 1 50 | sed "s/.*/{\"p\":$p,\"n\":&}/" >"$T/in$p"
	kcat -P -b "$B" -t vals -p $p <"$T/in$p" || die "kcat -P failed"
done
kcons -t vals -e >"$T/all" 2>"$T/err"
assert_eq 0 $? "kcons -e exit status"
assert_eq "" "$(cat "$T/err")" "nothing on stderr"
sort "$T/in0" "$T/in1" "$T/in2" >"$T/want_all"
sort "$T/all" >"$T/got_all"
assert_file_eq "$T/want_all" "$T/got_all" "every value of every partition, once"
for p in 0 1 2; do
	kcons -t vals -p $p -e >"$T/p$p"
	assert_file_eq "$T/in$p" "$T/p$p" "partition $p in order"
done
# -b wins over $KAFKA_BROKERS
KAFKA_BROKERS=127.0.0.1:1 kcons -b "$B" -t vals -p 1 -e >"$T/p1b"
assert_file_eq "$T/in1" "$T/p1b" "-b overrides KAFKA_BROKERS"

# offsets: -N from the end, N absolute, end, beginning; -c; -p lists; -t lists
assert_eq "$(tail -5 "$T/in0")" "$(kcons -t vals -p 0 -o -5 -e)" "-o -5"
assert_eq "$(sed -n '46,50p' "$T/in2")" "$(kcons -t vals -p 2 -o 45 -e)" "-o 45"
assert_eq "" "$(kcons -t vals -o end -e)" "-o end -e: nothing"
assert_eq "$(head -7 "$T/in0")" "$(kcons -t vals -p 0 -o beginning -c 7)" "-c 7"
assert_eq "$(tail -2 "$T/in0"; tail -2 "$T/in2")" \
	"$(kcons -t vals -p 0,2 -o -2 -e | sort -t: -k2,2n -k3n)" "-p 0,2 -o -2"
assert_eq "$(tail -3 "$T/in1")" "$(kcons -t vals,vals -t vals -p 1 -o -3 -e)" "a topic named twice is read once"
assert_eq 150 "$(kcons -t vals -o -100 -e | wc -l | tr -d ' ')" "-o -100 beyond the start: all of each partition"

# -e stops at the end as of the start, even while producers keep writing faster
# than kcons reads (--max-rate keeps it behind, so it never catches up by itself)
$PY -c "import time
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers='$B', linger_ms=5)
i = 0
while True:
    for _ in range(20):
        i += 1
        p.send('grow', ('{\"n\":%d}' % i).encode())
    p.flush()
    time.sleep(0.01)" 2>/dev/null &
gpid=$!
on_exit "kill $gpid"
high() { kcons -L -t "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["topics"][0]["partitions"][0]["high"])'; }
wait_for "the producer to write 300 messages" 30 sh -c "[ \$(kcons -L -t grow | grep -o '\"high\":[0-9]*' | cut -d: -f2) -ge 300 ]"
timeout 60 kcons -t grow -e --max-rate 1000/s >"$T/grow"
assert_eq 0 $? "-e on a growing topic ends"
n=$(lines "$T/grow")
[ "$n" -ge 300 ] || fail "-e on a growing topic: only $n messages"
assert_eq "$(seq 1 "$n" | sed 's/.*/{"n":&}/')" "$(cat "$T/grow")" "-e output is the topic's prefix"
h=$(high grow)
[ "$h" -gt "$n" ] || fail "-e did not stop before the producer's end: read $n of $h"
kill $gpid
wait $gpid 2>/dev/null

# python3-kafka (an independent, pure-Python client) writes what kcons reads
py "
p.send('pyv', key=b'u1', value=b'{\"user_id\":\"u1\",\"n\":1}', headers=[('h', b'1')])
p.send('pyv', key=None, value=b'[1,2,3]')
p.send('pyv', value=b'\"a string\"')
p.send('pyv', value='{\"name\":\"Zo\u00eb \u2603\"}'.encode())"
printf '%s\n' '{"user_id":"u1","n":1}' '[1,2,3]' '"a string"' '{"name":"Zoë ☃"}' >"$T/pyv_want"
kcons -t pyv -e >"$T/pyv"
assert_file_eq "$T/pyv_want" "$T/pyv" "values written by python3-kafka"

# -J: the envelope, exactly (python3-kafka sets CreateTime, keys and headers;
# kcat -H NAME without = sends a null header value)
py "
ts = 1700000000000
p.send('env', key=b'k1', value=b'{\"a\": 1, \"b\":[true,null]}', timestamp_ms=ts,
       headers=[('h1', b'v1'), ('bin', b'\xff\x00'), ('h1', b'v2')])
p.send('env', key=b'tomb', value=None, timestamp_ms=ts + 1)
p.send('env', value=b'\xc3\x28binary', timestamp_ms=ts + 2)
p.send('env', key=b'{\"k\":1}', value=b'plain \"text\"\nline 2', timestamp_ms=ts + 3)
p.send('env', key=b'', value=b'', timestamp_ms=ts + 4)
p.send('env', value=b' 42', timestamp_ms=ts + 5)
p.send('env', value='caf\u00e9'.encode(), timestamp_ms=ts + 6)"
printf '7\n' | kcat -P -b "$B" -t env -H nul -H 'e=' -H 'a=b' || die "kcat -P -H failed"
cat >"$T/env_want" <<'J'
{"topic":"env","partition":0,"offset":0,"ts":"2023-11-14T22:13:20.000Z","ts_type":"create","key":"k1","key_encoding":"text","headers":{"h1":["v1","v2"],"bin":{"base64":"/wA="}},"value":{"a": 1, "b":[true,null]}}
{"topic":"env","partition":0,"offset":1,"ts":"2023-11-14T22:13:20.001Z","ts_type":"create","key":"tomb","key_encoding":"text","headers":{},"value":null}
{"topic":"env","partition":0,"offset":2,"ts":"2023-11-14T22:13:20.002Z","ts_type":"create","key":null,"headers":{},"value":"wyhiaW5hcnk=","value_encoding":"base64"}
{"topic":"env","partition":0,"offset":3,"ts":"2023-11-14T22:13:20.003Z","ts_type":"create","key":{"k":1},"headers":{},"value":"plain \"text\"\nline 2","value_encoding":"text"}
{"topic":"env","partition":0,"offset":4,"ts":"2023-11-14T22:13:20.004Z","ts_type":"create","key":"","key_encoding":"text","headers":{},"value":"","value_encoding":"text"}
{"topic":"env","partition":0,"offset":5,"ts":"2023-11-14T22:13:20.005Z","ts_type":"create","key":null,"headers":{},"value":" 42","value_encoding":"text"}
{"topic":"env","partition":0,"offset":6,"ts":"2023-11-14T22:13:20.006Z","ts_type":"create","key":null,"headers":{},"value":"café","value_encoding":"text"}
J
kcons -t env -e -J >"$T/env" 2>"$T/env_err"
assert_eq 0 $? "-J exit status"
head -7 "$T/env" >"$T/env7"
assert_file_eq "$T/env_want" "$T/env7" "-J envelopes"
assert_grep '^\{"topic":"env","partition":0,"offset":7,"ts":"[0-9T:.-]+Z","ts_type":"create","key":null,"headers":\{"nul":null,"e":"","a":"b"\},"value":7\}$' \
	"$T/env" "-J null and empty header values"
assert_eq "" "$(cat "$T/env_err")" "-J: nothing rejected"
# the non-JSON forms decode back to the exact bytes (python as the oracle)
$PY - "$T/env" <<'PY' >"$T/env_check" 2>&1
import base64, json, sys
want = {1: None, 2: b'\xc3\x28binary', 3: b'plain "text"\nline 2', 4: b'', 5: b' 42',
        6: 'caf\u00e9'.encode()}
for line in open(sys.argv[1], encoding='utf-8'):
    e = json.loads(line)
    if e['offset'] not in want:
        continue
    v, enc = e['value'], e.get('value_encoding')
    got = None if v is None else base64.b64decode(v) if enc == 'base64' else v.encode()
    assert got == want[e['offset']], (e['offset'], got)
print('ok')
PY
assert_eq ok "$(cat "$T/env_check")" "-J values decode to the produced bytes"

# --meta: _kafka as the last member (replacing one that is there); multi-line JSON is
# compacted; non-objects are rejected
py "
ts = 1700000000000
p.send('meta', key=b'k1', value=b'{\"a\":1}', timestamp_ms=ts)
p.send('meta', value=b'{ }', timestamp_ms=ts + 1)
p.send('meta', key=b'k3', value=b'{\"b\":2,\"_kafka\":{\"topic\":\"old\",\"partition\":9},\"c\":[1, 2]}', timestamp_ms=ts + 2)
p.send('meta', value=b'{\n  \"pretty\": \"yes\",\n  \"n\": [1,\n 2]\n}\n', timestamp_ms=ts + 3)
p.send('meta', value=b'[1,2]', timestamp_ms=ts + 4)"
cat >"$T/meta_want" <<'J'
{"a":1,"_kafka":{"topic":"meta","partition":0,"offset":0,"ts":"2023-11-14T22:13:20.000Z","key":"k1"}}
{"_kafka":{"topic":"meta","partition":0,"offset":1,"ts":"2023-11-14T22:13:20.001Z","key":null}}
{"b":2,"c":[1,2],"_kafka":{"topic":"meta","partition":0,"offset":2,"ts":"2023-11-14T22:13:20.002Z","key":"k3"}}
{"pretty":"yes","n":[1,2],"_kafka":{"topic":"meta","partition":0,"offset":3,"ts":"2023-11-14T22:13:20.003Z","key":null}}
J
kcons -t meta -e --meta >"$T/meta" 2>"$T/meta_err"
assert_eq 0 $? "--meta exit status (rejects without --strict)"
assert_file_eq "$T/meta_want" "$T/meta" "--meta records"
assert_eq "kcons: meta [0] @4: not a JSON object (got an array)" "$(cat "$T/meta_err")" \
	"--meta rejects a non-object"
kcons -t meta -e >"$T/meta_plain"
assert_eq '{"pretty":"yes","n":[1,2]}' "$(sed -n 4p "$T/meta_plain")" \
	"a multi-line JSON value becomes one line"
assert_eq '[1,2]' "$(sed -n 5p "$T/meta_plain")" "without --meta any JSON value passes"

# bad values: reported as `topic [partition] @offset`, kept in --reject, --strict stops
py "
for v in [b'{\"ok\":1}', b'not json', b'\xff\xfe', None, b'', b'{\"ok\":2}', b'{\"a\":1} x', b'{\"ok\":3}']:
    p.send('bad', key=b'k', value=v)"
kcons -t bad -e --reject "$T/rej" >"$T/bad_out" 2>"$T/bad_err"
assert_eq 0 $? "rejects without --strict: exit 0"
printf '%s\n' '{"ok":1}' '{"ok":2}' '{"ok":3}' >"$T/bad_want"
assert_file_eq "$T/bad_want" "$T/bad_out" "good values pass, bad ones do not"
cat >"$T/bad_err_want" <<'E'
kcons: bad [0] @1: invalid JSON at column 1: invalid literal
kcons: bad [0] @2: invalid JSON at column 1: unexpected character
kcons: bad [0] @3: null value (tombstone); use -J to see it
kcons: bad [0] @4: empty value
kcons: bad [0] @6: invalid JSON at column 9: trailing characters after value
E
assert_file_eq "$T/bad_err_want" "$T/bad_err" "reject messages"
cat >"$T/rej_want" <<'J'
{"topic":"bad","partition":0,"offset":1,"error":"invalid JSON at column 1: invalid literal","input":"not json"}
{"topic":"bad","partition":0,"offset":2,"error":"invalid JSON at column 1: unexpected character","input":"��","input_base64":"//4="}
{"topic":"bad","partition":0,"offset":3,"error":"null value (tombstone); use -J to see it","input":""}
{"topic":"bad","partition":0,"offset":4,"error":"empty value","input":""}
{"topic":"bad","partition":0,"offset":6,"error":"invalid JSON at column 9: trailing characters after value","input":"{\"a\":1} x"}
J
assert_file_eq "$T/rej_want" "$T/rej" "--reject records"
kcons -t bad -e --strict >"$T/strict_out" 2>/dev/null
assert_eq 4 $? "--strict exit status"
assert_eq '{"ok":1}' "$(cat "$T/strict_out")" "--strict: records before the bad one are written"
kcons -t bad -e -q >/dev/null 2>"$T/q_err"
assert_eq "" "$(cat "$T/q_err")" "-q silences the reject messages"
kcons -t bad -e -J >"$T/bad_env" 2>"$T/bad_env_err"
assert_eq 8 "$(lines "$T/bad_env")" "-J takes every message"
assert_eq "" "$(cat "$T/bad_env_err")" "-J rejects nothing"

# --from/--until with CreateTime timestamps: start at the first message at or after
# --from, stop each partition at its first message at or after --until
py "
t0 = 1795000000000
for i in range(10):
    p.send('times', partition=0, value=('{\"p\":0,\"i\":%d}' % i).encode(), timestamp_ms=t0 + i * 1000)
for i, s in enumerate([0, 5, 1, 6, 9, 2]):
    p.send('times', partition=1, value=('{\"p\":1,\"s\":%d}' % s).encode(), timestamp_ms=t0 + s * 1000)"
t0=1795000000000
kcons -t times -p 0 --from $((t0 + 3000)) --until $((t0 + 7000)) -e >"$T/win0"
assert_eq 0 $? "--from/--until exit status"
assert_eq "$(for i in 3 4 5 6; do echo "{\"p\":0,\"i\":$i}"; done)" "$(cat "$T/win0")" \
	"--from/--until with epoch ms"
# RFC 3339 bounds; partition 1's times go back and forth: from its first message at or
# after 3 s it keeps everything up to its first message at or after 8 s
kcons -t times -p 1 --from 2026-11-18T11:06:43Z --until 2026-11-18T11:06:48.000Z -e >"$T/win1"
assert_eq "$(printf '%s\n' '{"p":1,"s":5}' '{"p":1,"s":1}' '{"p":1,"s":6}')" "$(cat "$T/win1")" \
	"--from/--until with RFC 3339, out-of-order times"
# --until alone ends a run once every partition is past it (no -e needed)
timeout 60 kcons -t times --until $((t0 + 2000)) >"$T/until" 2>&1
assert_eq 0 $? "--until without -e ends"
assert_eq "$(printf '%s\n' '{"p":0,"i":0}' '{"p":0,"i":1}' '{"p":1,"s":0}')" "$(sort "$T/until")" \
	"--until alone"
# relative times: all of it is in the past
assert_eq 16 "$(kcons -t times --from -100000d --until now -e | wc -l | tr -d ' ')" \
	"--from -100000d --until now"

# -L: brokers, topics, partitions, leaders, low/high offsets as one JSON line
kcons -L >"$T/list"
assert_eq 0 $? "-L exit status"
assert_eq 1 "$(lines "$T/list")" "-L prints one line"
$PY - "$T/list" "$B" >"$T/list_check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
host, port = sys.argv[2].split(':')
assert d['brokers'] == [{'id': 1, 'host': host, 'port': int(port)}], d['brokers']
names = [t['topic'] for t in d['topics']]
assert names == sorted(names), names
v = [t for t in d['topics'] if t['topic'] == 'vals'][0]
assert v['partitions'] == [{'partition': i, 'leader': 1, 'replicas': [1], 'isr': [1], 'low': 0,
                            'high': 50} for i in range(3)], v
print('ok')
PY
assert_eq ok "$(cat "$T/list_check")" "-L content"
kcons -L -t times,nosuch >"$T/list2" 2>"$T/list2_err"
assert_eq 1 $? "-L with a missing topic: exit 1"
assert_eq "kcons: topic nosuch: no such topic" "$(cat "$T/list2_err")" "-L missing topic message"
assert_eq '{"topic":"nosuch","error":"Broker: Unknown topic or partition","partitions":[]}' \
	"$($PY -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["topics"][1], separators=(",",":")))' <"$T/list2")" \
	"-L missing topic entry"
kcons -t nosuch -e >/dev/null 2>"$T/nosuch_err"
assert_eq 1 $? "consuming a missing topic: exit 1"
assert_eq "kcons: topic nosuch: no such topic" "$(cat "$T/nosuch_err")" "missing topic message"
kcons -t vals -p 7 -e >/dev/null 2>"$T/nopart_err"
assert_eq 1 $? "a missing partition: exit 1"
assert_eq "kcons: topic vals has no partition 7 (it has 3)" "$(cat "$T/nopart_err")" \
	"missing partition message"

# unreachable brokers: bounded runs fail with exit 1 and a clear message; a live run
# keeps retrying until it is stopped
dead=127.0.0.1:$(free_port)
for args in "-t vals -e" "-t vals --until now" "-L"; do
	# shellcheck disable=SC2086
	timeout 60 kcons -b "$dead" $args --timeout 2s >"$T/dead_out" 2>"$T/dead_err"
	assert_eq 1 $? "unreachable broker ($args): exit 1 within the bound"
	assert_grep "^kcons: cannot reach the Kafka cluster at $dead within 2s \(--timeout\): .*Connection refused" \
		"$T/dead_err" "unreachable broker message ($args)"
	assert_eq 1 "$(lines "$T/dead_err")" "one message ($args)"
done
kcons -b "$dead" -t vals >"$T/live_dead" 2>"$T/live_dead_err" &
lpid=$!
wait_for "a live run to say it retries" 30 grep -q retrying "$T/live_dead_err"
assert_grep "^kcons: cannot reach the Kafka cluster at $dead: .*Connection refused.*; retrying$" \
	"$T/live_dead_err" "live run: retry message"
kill -0 $lpid 2>/dev/null || fail "a live run gave up on an unreachable cluster"
kill -TERM $lpid
wait $lpid
assert_eq 0 $? "SIGTERM while retrying: exit 0"
# a bounded run whose cluster goes away midway fails too, after --timeout
kbroker -t lost --bootstrap-file "$T/kb2" >/dev/null 2>&1 &
kpid2=$!
on_exit "kill $kpid2"
wait_for "the second kbroker" 30 test -s "$T/kb2"
B2=$(cat "$T/kb2")
seq 1 5 | sed 's/.*/{"n":&}/' | kcat -P -b "$B2" -t lost
# (bounded: timeout ends it with 124 if it does not give up by itself)
timeout 60 kcons -b "$B2" -t lost --until +1h --timeout 2s >"$T/lost" 2>"$T/lost_err" &
lpid=$!
wait_for "the records before the outage" 30 sh -c "[ \$(wc -l <'$T/lost') -eq 5 ]"
kill $kpid2
wait $kpid2
wait $lpid
assert_eq 1 $? "cluster lost during a bounded run: exit 1"
assert_grep "^kcons: lost the Kafka cluster at $B2 for more than 2s \(--timeout\): " "$T/lost_err" \
	"cluster lost: message"

# EPIPE: a reader that goes away early ends kcons quietly with 0
seq 1 40000 | sed 's/.*/{"n":&,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}/' | kcat -P -b "$B" -t big -p 0
seq 1 10 | sed 's/.*/{"m":&}/' | kcat -P -b "$B" -t big -p 1
kcons -t big -e 2>"$T/pipe_err" | head -3 >"$T/head3"
assert_eq "0 0" "${PIPESTATUS[*]}" "kcons | head -3: both exit 0"
assert_eq 3 "$(lines "$T/head3")" "head got 3 records"
assert_eq "" "$(cat "$T/pipe_err")" "EPIPE is quiet"
# the reader also goes away while kcons has nothing to write: noticed when idle
kcons -t big -p 1 2>"$T/idle_err" | head -3 >"$T/idle3"
assert_eq "0 0" "${PIPESTATUS[*]}" "live kcons | head -3 on a quiet topic: exit 0"

# live: records reach a block-buffered reader as soon as no more are ready; SIGTERM
# stops with everything written and exit 0
seq 1 100 | sed 's/.*/{"n":&}/' | kcat -P -b "$B" -t live
kcons -t live >"$T/live" 2>"$T/live_err" &
lpid=$!
wait_for "100 live records to be flushed" 30 sh -c "[ \$(wc -l <'$T/live') -eq 100 ]"
seq 101 105 | sed 's/.*/{"n":&}/' | kcat -P -b "$B" -t live
wait_for "5 more live records" 30 sh -c "[ \$(wc -l <'$T/live') -eq 105 ]"
kill -TERM $lpid
wait $lpid
assert_eq 0 $? "SIGTERM: exit 0"
assert_eq "$(seq 1 105 | sed 's/.*/{"n":&}/')" "$(cat "$T/live")" "live records in order, once"
assert_eq "" "$(cat "$T/live_err")" "nothing on stderr"
kcons -t live -u >"$T/live_u" 2>/dev/null &
lpid=$!
wait_for "-u records" 30 sh -c "[ \$(wc -l <'$T/live_u') -eq 105 ]"
kill -INT $lpid
wait $lpid
assert_eq 0 $? "SIGINT: exit 0"

# --max-rate paces: 20 records at 20/s cannot take less than 0.95 s
seq 1 20 | sed 's/.*/{"n":&}/' | kcat -P -b "$B" -t rate
s=$(date +%s%N)
kcons -t rate -e --max-rate 20/s >"$T/rate"
e=$(date +%s%N)
assert_eq 20 "$(lines "$T/rate")" "--max-rate: every record"
[ $(((e - s) / 1000000)) -ge 950 ] || fail "--max-rate 20/s wrote 20 records in $(((e - s) / 1000000)) ms"

# the EXAMPLES of kcons(1), verbatim
# example CMD: CMD must appear in the man page as written; runs it with sh
example() {
	grep -qF -- "$1" "$RUNNEL_SRC/man/kcons.1" || fail "not in kcons(1) EXAMPLES: $1"
	sh -c "$1"
}
py "
import random
r = random.Random(3)
day = 1795478400000  # 2026-11-24T00:00:00Z
for i in range(300):
    ts = day - 3600000 + i * 400000  # from the day before to the day after
    typ = r.choice(['click', 'view'])
    p.send('events', partition=i % 2, key=('u%d' % (i % 7)).encode(), timestamp_ms=ts,
           headers=[('src', b'test')] if i % 3 == 0 else [],
           value=('{\"i\":%d,\"type\":\"%s\",\"ts\":%d}' % (i, typ, ts)).encode())"
example 'kcons -t events -e' >"$T/ex1"
assert_eq 300 "$(lines "$T/ex1")" "example: everything in a topic"
example 'kcons -t events -p 0 -o -100 -e --meta' >"$T/ex2"
assert_eq 100 "$(lines "$T/ex2")" "example: the last 100 of partition 0"
assert_grep '^\{"i":298,"type":"[a-z]+","ts":[0-9]+,"_kafka":\{"topic":"events","partition":0,"offset":149,"ts":"2026-11-25T08:[0-9:.]+Z","key":"u4"\}\}$' \
	"$T/ex2" "example: the last record with _kafka"
example 'kcons -t events --from 2026-11-24T00:00:00Z --until 2026-11-25T00:00:00Z -e' >"$T/ex3"
$PY - "$T/ex1" >"$T/ex3_want" <<'PY'
import json, sys
day = 1795478400000
for l in open(sys.argv[1]):
    if day <= json.loads(l)['ts'] < day + 86400000:
        print(l, end='')
PY
sort "$T/ex3" >"$T/ex3_got"
sort "$T/ex3_want" >"$T/ex3_want_sorted"
assert_file_eq "$T/ex3_want_sorted" "$T/ex3_got" "example: one day's messages"
# the live pipeline, stopped by SIGTERM to its first stage: kcons commits what it
# wrote, the later stages see the end of their input and finish
set -m
example "kcons -G pipeline -t events | jq -c --unbuffered 'select(.type == \"click\")' | kprod -t clicks" \
	2>"$T/ex4_err" &
ex4=$!
set +m
on_exit "kill -9 -- -$ex4"
grep '"type":"click"' "$T/ex1" | sort >"$T/clicks_want"
wait_for "the clicks to arrive" 60 sh -c "[ \$(kcons -t clicks -e | wc -l) -eq $(lines "$T/clicks_want") ]"
kp=$(pgrep -g $ex4 -x kcons) || die "the example's kcons is not running"
kill -TERM "$kp"
wait $ex4
assert_eq 0 $? "example: the live pipeline ends with status 0"
kcons -t clicks -e | sort >"$T/clicks_got"
assert_file_eq "$T/clicks_want" "$T/clicks_got" "example: the live pipeline"
example 'kcons -L -t events -G pipeline' >"$T/ex6"
assert_eq "150 150" "$(grep -o '"committed":[0-9]*' "$T/ex6" | cut -d: -f2 | tr '\n' ' ' | sed 's/ $//')" \
	"example: -L -G shows the group's offsets"
# kcons -J | kprod -J: the copy's envelopes are the original's, byte for byte
example 'kcons -t events -e -J | kprod -J -t events-copy'
assert_eq 0 $? "example: the copy pipeline"
for p in 0 1; do kcons -t events -p $p -e -J; done |
	sed 's/^{"topic":"events",/{"topic":"events-copy",/' >"$T/orig_env"
for p in 0 1; do kcons -t events-copy -p $p -e -J; done >"$T/copy_env"
assert_eq 300 "$(lines "$T/copy_env")" "the copy has every message"
assert_file_eq "$T/orig_env" "$T/copy_env" "kcons -J | kprod -J copies keys, headers, partitions, offsets, timestamps"

# usage and configuration errors
assert_status 2 "no topic" kcons -e 2>"$T/u1"
assert_eq "kcons: no topic: use -t TOPIC
kcons: try 'kcons --help'" "$(cat "$T/u1")" "no topic message"
assert_status 2 "-J with --meta" kcons -t vals -J --meta 2>/dev/null
assert_status 2 "-o stored without -G" kcons -t vals -o stored 2>/dev/null
assert_status 2 "-o N with -G and no -p" kcons -t vals -G g -o 5 2>/dev/null
assert_status 2 "bad -o" kcons -t vals -o middle 2>/dev/null
assert_status 2 "bad -p" kcons -t vals -p 1,x 2>/dev/null
assert_status 2 "bad --from" kcons -t vals --from yesterday 2>/dev/null
assert_status 2 "--from after --until" kcons -t vals --from -1h --until -2h 2>/dev/null
assert_status 2 "bad --max-rate" kcons -t vals --max-rate fast 2>/dev/null
assert_status 2 "pattern without -G" kcons -t '^v.*' 2>/dev/null
assert_status 2 "stray argument" kcons -t vals extra 2>/dev/null
assert_status 3 "-X without =" kcons -t vals -X nonsense 2>/dev/null
kcons -t vals -X no.such.property=1 -e 2>"$T/x_err"
assert_eq 3 $? "unknown -X property: exit 3"
assert_grep '^kcons: -X no\.such\.property: No such configuration property' "$T/x_err" "-X error message"
kcons -t vals -X dump >"$T/dump"
assert_eq 0 $? "-X dump"
assert_grep '^enable\.auto\.offset\.store = false$' "$T/dump" "-X dump: offsets are stored by kcons"
assert_grep '^isolation\.level = read_committed$' "$T/dump" "-X dump: read_committed by default"
kcons --help >"$T/help"
assert_eq 0 $? "--help exit status"
assert_grep '^usage: kcons' "$T/help" "--help on stdout"

done_testing
