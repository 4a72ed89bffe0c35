#!/bin/bash
# kprod -J: the kcons envelope (runnel(7)) back into exact message bytes: JSON, text and
# base64 values and keys, null values, repeated and binary headers, partitions,
# timestamps; python3-kafka checks every byte. Then kcons -J | kprod -J when kcons exists.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/kbroker.sh"

start_kbroker -t env:3 -t rnd:1 -t src:4 -t copy:4 -t other:1

# read TOPIC with python3-kafka; one repr line per message in partition/offset order
pyread() {
	$PY - "$B" "$1" <<'PY'
import sys
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=sys.argv[1].split(","), consumer_timeout_ms=10000,
                  enable_auto_commit=False)
tps = sorted((TopicPartition(sys.argv[2], p) for p in c.partitions_for_topic(sys.argv[2])),
             key=lambda tp: tp.partition)
c.assign(tps)
c.seek_to_beginning()
end = c.end_offsets(tps)
got = []
while any(c.position(tp) < end[tp] for tp in tps):
    for tp, msgs in c.poll(timeout_ms=2000).items():
        got.extend(msgs)
for m in sorted(got, key=lambda m: (m.partition, m.offset)):
    print(m.partition, m.timestamp if m.timestamp_type == 0 else "-", repr(m.key),
          repr(m.value), [(k, v) for k, v in m.headers])
PY
}

cat >"$T/env" <<'J'
{"topic":"elsewhere","partition":1,"offset":7,"ts":"2026-11-24T10:15:30.123Z","ts_type":"create","key":"k1","headers":{"a":"1","n":null,"r":["x","y",null],"bin":{"base64":"AP8="},"u":"\u00e9\n"},"value":{"a": 1, "b":[1,2]}}
{"partition":1,"ts":"2026-11-24T10:15:31.000Z","ts_type":"create","key":{"id":7},"value":"two\nlines\r","value_encoding":"text"}
{"partition":1,"ts":1795000000000,"ts_type":"log_append","key":"AAE=","key_encoding":"base64","value":"AP8Q","value_encoding":"base64"}
{"partition":1,"ts":"2026-11-24T10:15:32.000Z","ts_type":"create","key":"tomb","key_encoding":"text","value":null}
{"partition":1,"ts":null,"ts_type":"none","key":null,"headers":{},"value":"\"quoted\" text","value_encoding":"text"}
{"partition":1,"ts":"2026-11-24T10:15:33.000Z","key":"","key_encoding":"text","value":"","value_encoding":"text"}
{"partition":1,"ts":"2026-11-24T10:15:34.000Z","value":12.50}
J
# (gzip: Debian's python3-kafka reads no snappy without python3-snappy)
kprod -b "$B" -t env -J -z gzip -v "$T/env" 2>"$T/err"
assert_eq 0 $? "kprod -J exit status"
assert_eq "kprod: in 7, produced 7, delivered 7, failed 0, rejected 0" "$(cat "$T/err")" "-J summary"
pyread env | sed -E 's/^1 [0-9]{13} (None b."quoted)/1 NOW \1/' >"$T/got"
cat >"$T/want" <<'W'
1 1795515330123 b'"k1"' b'{"a": 1, "b":[1,2]}' [('a', b'1'), ('n', None), ('r', b'x'), ('r', b'y'), ('r', None), ('bin', b'\x00\xff'), ('u', b'\xc3\xa9\n')]
1 1795515331000 b'{"id":7}' b'two\nlines\r' []
1 1795000000000 b'\x00\x01' b'\x00\xff\x10' []
1 1795515332000 b'tomb' None []
1 NOW None b'"quoted" text' []
1 1795515333000 b'' b'' []
1 1795515334000 None b'12.50' []
W
assert_file_eq "$T/want" "$T/got" "python3-kafka sees the exact bytes the envelopes describe"

# random binary keys, values and header values survive base64 envelopes byte for byte
$PY - "$T/rnd.env" "$T/rnd.want" <<'PY'
import base64, json, random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as env, open(sys.argv[2], "w") as want:
    for i in range(300):
        k = bytes(r.randrange(256) for _ in range(r.randrange(0, 20)))
        v = bytes(r.randrange(256) for _ in range(r.randrange(0, 400)))
        h = bytes(r.randrange(256) for _ in range(r.randrange(0, 30)))
        b = lambda x: base64.b64encode(x).decode()
        env.write(json.dumps({"key": b(k), "key_encoding": "base64",
                              "headers": {"h": {"base64": b(h)}},
                              "value": b(v), "value_encoding": "base64"}) + "\n")
        want.write("0 - %r %r %r\n" % (k, v, [("h", h)]))
PY
kprod -b "$B" -t rnd -J -z gzip "$T/rnd.env"
assert_eq 0 $? "kprod -J binary"
pyread rnd | sed 's/^0 [0-9]* /0 - /' >"$T/rnd.got"
assert_file_eq "$T/rnd.want" "$T/rnd.got" "300 random binary messages byte for byte"

# the envelope's topic is used without -t; -p overrides the envelope's partition
printf '%s\n' '{"topic":"other","partition":0,"value":"to-other","value_encoding":"text"}' |
	kprod -b "$B" -J
assert_eq "to-other" "$(kcat -b "$B" -C -t other -e -q -f '%s')" "envelope topic without -t"
printf '%s\n' '{"topic":"x","partition":0,"value":1}' '{"partition":0,"value":2}' |
	kprod -b "$B" -J -t env -p 2
assert_eq "1 2" "$(kcat -b "$B" -C -t env -p 2 -e -q -f '%s ' | sed 's/ $//')" "-p overrides, -t overrides"

# bad envelopes are rejected with a reason; good lines around them are produced
cat >"$T/badenv" <<'J'
{"value":1,"value_encoding":"hex"}
{"key":"x"}
{"value":"!!!","value_encoding":"base64"}
{"value":1,"partition":"one"}
{"value":1,"headers":{"h":5}}
{"value":1,"headers":[1]}
{"value":1,"ts":"yesterday"}
not json
{"value":"ok","value_encoding":"text"}
J
kprod -b "$B" -J -t other --reject "$T/rej" <"$T/badenv" 2>"$T/baderr"
assert_eq 0 $? "bad envelopes without --strict: exit 0"
cat >"$T/badwant" <<'W'
kprod: <stdin>:1: envelope: unknown value_encoding "hex" (text or base64)
kprod: <stdin>:2: envelope: no value member
kprod: <stdin>:3: envelope: value is not valid base64
kprod: <stdin>:4: envelope: partition must be an integer >= -1
kprod: <stdin>:5: envelope: header h: expected a string, null or {"base64":...}
kprod: <stdin>:6: envelope: headers must be an object
kprod: <stdin>:7: envelope: ts is not an RFC 3339 time or epoch ms
kprod: <stdin>:8: invalid JSON at column 1: invalid literal
W
assert_file_eq "$T/badwant" "$T/baderr" "a reason for every bad envelope"
assert_eq 8 "$(lines "$T/rej")" "bad envelopes in the reject file"
assert_eq '{"line":3,"file":"<stdin>","error":"envelope: value is not valid base64","input":"{\"value\":\"!!!\",\"value_encoding\":\"base64\"}"}' \
	"$(sed -n 3p "$T/rej")" "reject record"
assert_eq "to-other ok" "$(kcat -b "$B" -C -t other -e -q -f '%s ' | sed 's/ $//')" \
	"the good line after the bad ones is produced"
kprod -b "$B" -J -t other --strict <"$T/badenv" 2>/dev/null
assert_eq 4 $? "--strict: exit 4 at the first bad envelope"
assert_eq "to-other ok" "$(kcat -b "$B" -C -t other -e -q -f '%s ' | sed 's/ $//')" \
	"--strict: nothing after the bad line produced"

# kcons -J | kprod -J copies a topic byte for byte: values, keys, headers, partitions,
# timestamps (kcons(1) owns the writing side; this checks both ends agree)
if [ -x "$RUNNEL_BUILD/tools/kcons" ]; then
	kprod -b "$B" -J -z gzip -t src <"$T/env"
	kprod -b "$B" -J -z gzip -t src "$T/rnd.env"
	kprod -b "$B" -z gzip -t src -K '|' -H h1=a -H h1=b <<<'k|plain text value'
	kcons -b "$B" -t src -e -J >"$T/dump" 2>"$T/kcerr"
	assert_eq 0 $? "kcons -J exit status"
	kprod -b "$B" -J -z gzip -t copy <"$T/dump"
	assert_eq 0 $? "kprod -J exit status for the copy"
	pyread src >"$T/src.py"
	pyread copy >"$T/copy.py"
	assert_eq 308 "$(lines "$T/src.py")" "source messages"
	assert_file_eq "$T/src.py" "$T/copy.py" \
		"copy has the same partitions, timestamps, keys, values and headers"
else
	fail "kcons is not built: the kcons -J | kprod -J copy is not checked"
fi

done_testing
