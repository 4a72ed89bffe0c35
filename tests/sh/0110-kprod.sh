#!/bin/bash
# kprod: 100k events to kbroker, checked by independent readers (kcat, python3-kafka):
# counts, checksums, keys from -k, headers from -H, timestamps from --timestamp-from.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/kbroker.sh"

# 8 partitions keep each under the mock's ~5 MiB per-partition retention (kbroker(1))
start_kbroker -t events:8 -t sample:3 -t ts:1 -t parts:4

N=100000
if command -v eventgen >/dev/null; then
	eventgen -n $N >"$T/events"
else
	awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) printf "{\"event_id\":\"e%d\",\"user_id\":\"user_%d\",\"n\":%d}\n", i, i % 997, i }' >"$T/events"
fi
assert_eq $N "$(lines "$T/events")" "generated input"

kprod -b "$B" -t events -k user_id -H source=eventgen -H run=0110 -v "$T/events" 2>"$T/err"
assert_eq 0 $? "kprod exit status"
assert_eq "kprod: in $N, produced $N, delivered $N, failed 0, rejected 0" "$(cat "$T/err")" \
	"-v summary, nothing else on stderr"

# kcat: exact count and checksum of the sorted values; every key is the value's user_id,
# every message carries exactly the two headers in order
kcat -b "$B" -C -t events -e -q -f '%k\t%h\t%s\n' >"$T/got"
assert_eq $N "$(lines "$T/got")" "kcat counts every message"
assert_eq "$(sort "$T/events" | md5sum)" "$(cut -f3- "$T/got" | sort | md5sum)" \
	"md5 of sorted values"
$PY - "$T/got" >"$T/keycheck" <<'PY'
import json, sys
bad = 0
for line in open(sys.argv[1], encoding="utf-8"):
    k, h, v = line.rstrip("\n").split("\t", 2)
    if k != json.loads(v)["user_id"] or h != "source=eventgen,run=0110":
        bad += 1
print(bad)
PY
assert_eq 0 "$(cat "$T/keycheck")" "keys from -k user_id and headers from -H on every message"
# the same key always lands on the same partition (the repartition-by-key contract)
kcat -b "$B" -C -t events -e -q -f '%k %p\n' | sort -u | awk '{print $1}' | uniq -d >"$T/split"
assert_eq 0 "$(lines "$T/split")" "no key spread over two partitions"

# python3-kafka (pure Python, not librdkafka) reads exact bytes: values, keys, headers
# (gzip: Debian's python3-kafka lacks a snappy codec without python3-snappy)
head -2000 "$T/events" >"$T/sample"
kprod -b "$B" -t sample -z gzip -k user_id -H source=eventgen -H 'empty=' "$T/sample"
assert_eq 0 $? "kprod sample"
$PY - "$B" "$T/sample" >"$T/pycheck" 2>&1 <<'PY'
import json, sys
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=sys.argv[1].split(","), consumer_timeout_ms=10000,
                  enable_auto_commit=False)
tps = [TopicPartition("sample", p) for p in c.partitions_for_topic("sample")]
c.assign(tps)
c.seek_to_beginning()
end = c.end_offsets(tps)
got = []
while any(c.position(tp) < end[tp] for tp in tps):
    for tp, msgs in c.poll(timeout_ms=2000).items():
        got.extend(msgs)
want = [l.rstrip(b"\n") for l in open(sys.argv[2], "rb")]
problems = []
if sorted(m.value for m in got) != sorted(want):
    problems.append("values differ")
for m in got:
    if m.key != json.loads(m.value)["user_id"].encode():
        problems.append("key %r for %r" % (m.key, m.value[:40])); break
    if list(m.headers) != [("source", b"eventgen"), ("empty", b"")]:
        problems.append("headers %r" % (m.headers,)); break
print(len(got), "ok" if not problems else problems)
PY
assert_eq "2000 ok" "$(cat "$T/pycheck")" "python3-kafka reads kprod's values, keys and headers"

# --timestamp-from: CreateTime from the event field (RFC 3339 with offset, Z, epoch ms)
cat >"$T/tsin" <<'J'
{"id":1,"timestamp":"2026-11-24T10:15:30.123Z"}
{"id":2,"timestamp":"2026-11-24T12:15:30.5+02:00"}
{"id":3,"timestamp":1795000000000}
{"id":4,"at":{"t":"1999-12-31T23:59:59.999Z"}}
J
kprod -b "$B" -t ts --timestamp-from timestamp <"$T/tsin" 2>"$T/tserr"
assert_eq 0 $? "kprod --timestamp-from exit status (one line rejected, not --strict)"
assert_grep '^kprod: <stdin>:4: no event time: field timestamp is missing$' "$T/tserr" \
	"missing event time rejected"
printf '%s\n' '1795515330123 1' '1795515330500 2' '1795000000000 3' >"$T/tswant"
kcat -b "$B" -C -t ts -e -q -f '%T %s\n' | sed 's/ {"id":\([0-9]*\).*/ \1/' >"$T/tsgot"
assert_file_eq "$T/tswant" "$T/tsgot" "kcat sees CreateTime from the event field"
kprod -b "$B" -t ts --timestamp-from at.t <<<'{"id":5,"at":{"t":"1999-12-31T23:59:59.999Z"}}'
assert_eq "946684799999" "$(kcat -b "$B" -C -t ts -o 3 -e -q -f '%T')" "nested --timestamp-from path"

# -p: a fixed partition; -k with a numeric field uses the number's text
printf '{"u":42}\n{"u":"x"}\n{"u":null}\n' | kprod -b "$B" -t parts -p 2 -k u
assert_eq 0 $? "kprod -p 2"
assert_eq "2 42|2 x|2 " "$(kcat -b "$B" -C -t parts -p 2 -e -q -f '%p %k|' | sed 's/|$//')" \
	"partition 2, numeric key as text, null key for null"
assert_eq "2|1|-1" "$(kcat -b "$B" -C -t parts -p 2 -e -q -f '%K|' | sed 's/|$//')" \
	"key lengths (null key has none)"

done_testing
