#!/bin/bash
# kprod input handling: bytes preserved, -K, -Z, bad lines (--reject, --strict),
# over-long lines, empty input, -T (and a closed stdout), -z codecs, -X/-F, usage.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/kbroker.sh"

start_kbroker -t raw:1 -t kd:1 -t bad:1 -t strict:1 -t tee:1 -t long:1 -t empty:1 \
	-t epipe:1 -t zc:1 -t cfg:1

# plain lines are values byte for byte: binary garbage, invalid UTF-8, tabs, empty lines
# (only a CR before the newline is dropped, as a CRLF line ending)
printf 'plain\n\001\002\377\376 garbage\n\n\t{"not":"checked"\nwin\r\nlast-no-newline' >"$T/raw"
kprod -b "$B" -t raw -z gzip <"$T/raw"
assert_eq 0 $? "kprod raw bytes"
$PY - "$B" >"$T/raw.got" <<'PY'
import sys
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=sys.argv[1].split(","), consumer_timeout_ms=10000)
tp = TopicPartition("raw", 0)
c.assign([tp])
c.seek_to_beginning()
end = c.end_offsets([tp])[tp]
for m in c:
    print(repr(m.key), repr(m.value))
    if m.offset + 1 >= end:
        break
PY
cat >"$T/raw.want" <<'W'
None b'plain'
None b'\x01\x02\xff\xfe garbage'
None b''
None b'\t{"not":"checked"'
None b'win'
None b'last-no-newline'
W
assert_file_eq "$T/raw.want" "$T/raw.got" "values are the lines' exact bytes (python3-kafka)"

# -K: kcat-style key delimiter (no delimiter: null key, whole line the value); -Z: empty
# keys and values become null
printf 'k1::v1\nno delimiter\n::empty key\nk4::\nk5::a::b\n' | kprod -b "$B" -t kd -K ::
assert_eq 0 $? "kprod -K"
printf 'k6::\n::x\n' | kprod -b "$B" -t kd -K :: -Z
assert_eq "k1=v1 =no delimiter =empty key k4= k5=a::b k6= =x" \
	"$(kcat -b "$B" -C -t kd -e -q -f '%k=%s ' | sed 's/ $//')" "-K keys and values"
assert_eq "2/2 -1/12 0/9 2/0 2/4 2/-1 -1/1" \
	"$(kcat -b "$B" -C -t kd -e -q -f '%K/%S ' | sed 's/ $//')" "-K and -Z: lengths, null as -1"

# bad lines with -k: reported, counted, rejected to --reject; good lines all produced
cat >"$T/bad.in" <<'J'
{"user_id":"u1","n":1}
{"n":2}
not json
{"user_id":"u\u00e9","n":4}
{"user_id":"u5","n":5
J
printf '{"user_id":"u6","n":6,"bad":"\377"}\n' >>"$T/bad.in"
kprod -b "$B" -t bad -k user_id --reject "$T/rej" -v <"$T/bad.in" 2>"$T/bad.err"
assert_eq 0 $? "bad lines without --strict: exit 0"
cat >"$T/bad.want" <<'W'
kprod: <stdin>:2: key field user_id is missing
kprod: <stdin>:3: invalid JSON at column 1: invalid literal
kprod: <stdin>:5: invalid JSON at column 22: unexpected end of input
kprod: <stdin>:6: invalid JSON at column 30: invalid UTF-8
kprod: in 6, produced 2, delivered 2, failed 0, rejected 4
W
assert_file_eq "$T/bad.want" "$T/bad.err" "a reason per bad line, then the summary"
assert_eq 4 "$(lines "$T/rej")" "reject file lines"
assert_eq '{"line":2,"file":"<stdin>","error":"key field user_id is missing","input":"{\"n\":2}"}' \
	"$(head -1 "$T/rej")" "reject record"
assert_eq 'u1 1|ué 4' "$(kcat -b "$B" -C -t bad -e -q -f '%k %s|' | sed 's/ {"user_id":"[^"]*","n":\([0-9]\)}/ \1/g; s/|$//')" \
	"good lines produced, escaped key decoded"
# --strict: exit 4 at the first bad line; what came before it is delivered
kprod -b "$B" -t strict -k user_id --strict <"$T/bad.in" 2>"$T/strict.err"
assert_eq 4 $? "--strict exit status"
assert_eq "kprod: <stdin>:2: key field user_id is missing" "$(cat "$T/strict.err")" "--strict message"
assert_eq '{"user_id":"u1","n":1}' "$(kc_values strict)" "--strict: only the line before"

# over-long lines are rejected, the rest produced; empty input produces nothing
{ echo short; head -c 3000 /dev/zero | tr '\0' x; echo; echo after; } >"$T/long.in"
kprod -b "$B" -t long --max-line 1K <"$T/long.in" 2>"$T/long.err"
assert_eq 0 $? "over-long line: exit 0"
assert_eq "kprod: <stdin>:2: line longer than --max-line" "$(cat "$T/long.err")" "over-long message"
assert_eq "short after" "$(kc_values long | tr '\n' ' ' | sed 's/ $//')" "lines around it produced"
kprod -b "$B" -t empty -v </dev/null 2>"$T/empty.err"
assert_eq 0 $? "empty input: exit 0"
assert_eq "kprod: in 0, produced 0, delivered 0, failed 0, rejected 0" "$(cat "$T/empty.err")" \
	"empty input summary"

# -T: produced lines also go to stdout; a closed stdout stops reading quietly
printf '{"a":1}\n{"b":2}\nbad\n' | kprod -b "$B" -t tee -T -k a -q >"$T/tee.out"
assert_eq 0 $? "-T exit status"
assert_eq '{"a":1}' "$(cat "$T/tee.out")" "-T passes produced lines, not rejected ones"
seq 1 200000 | kprod -b "$B" -t epipe -T -v 2>"$T/epipe.err" | head -1 >"$T/epipe.out"
assert_eq "0 0" "${PIPESTATUS[1]} $(lines "$T/epipe.err" | tr -d ' ' | sed 's/^1$/0/')" \
	"closed stdout: exit 0, only the summary on stderr"
assert_eq 1 "$(cat "$T/epipe.out")" "head got the first line"
assert_grep '^kprod: in [0-9]+, produced [0-9]+, delivered [0-9]+, failed 0, rejected 0$' \
	"$T/epipe.err" "closed stdout: what was read is delivered"

# -z: every codec round-trips (kcat decompresses); a bad codec is a config error (3)
for c in none gzip snappy lz4 zstd; do
	seq 1 500 | sed "s/^/$c-/" | kprod -b "$B" -t zc -z "$c"
	assert_eq 0 $? "kprod -z $c"
done
kcat -b "$B" -C -t zc -e -q -f '%s\n' >"$T/zc.got"
for c in none gzip snappy lz4 zstd; do seq 1 500 | sed "s/^/$c-/"; done >"$T/zc.want"
assert_file_eq "$T/zc.want" "$T/zc.got" "all codecs"
echo x | kprod -b "$B" -t zc -z brotli 2>"$T/zbad.err"
assert_eq 3 $? "unknown codec: exit 3"
assert_grep '^kprod: default compression.codec: Invalid value "brotli"' "$T/zbad.err" "codec message"

# -F: Java-properties file as kcat reads it; -X overrides; -X dump shows the result
cat >"$T/client.properties" <<'P'
# comment
! another comment
linger.ms = 5
compression.codec: lz4
client.id  kprod-\
  test
P
kprod -b "$B" -t cfg -F "$T/client.properties" -X linger.ms=7 -X dump >"$T/dump"
assert_eq 0 $? "-X dump exit status"
# (librdkafka dumps canonical names: queue.buffering.max.ms is linger.ms)
assert_grep '^queue.buffering.max.ms = 7$' "$T/dump" "-X after -F wins"
assert_grep '^compression.codec = lz4$' "$T/dump" "-F value"
assert_grep '^client.id = kprod-test$' "$T/dump" "-F continuation line"
assert_grep '^enable.idempotence = true$' "$T/dump" "safe default idempotence"
assert_grep '^topic.request.required.acks = -1$' "$T/dump" "safe default acks=all"
assert_grep "^metadata.broker.list = $B\$" "$T/dump" "-b"
echo ok | kprod -b "$B" -t cfg -F "$T/client.properties"
assert_eq "ok" "$(kcat -b "$B" -C -t cfg -e -q -f '%s')" "produce with -F"
printf 'linger.ms=5\nno.such.property=1\n' >"$T/bad.properties"
kprod -b "$B" -t cfg -F "$T/bad.properties" </dev/null 2>"$T/badprop.err"
assert_eq 3 $? "unknown property in -F: exit 3"
assert_grep "^kprod: $T/bad.properties:2 no.such.property: No such configuration property" \
	"$T/badprop.err" "unknown property named with file and line"
kprod -b "$B" -t cfg -X 'nonsense' </dev/null 2>"$T/badx.err"
assert_eq 3 $? "-X without =: exit 3"
assert_eq "kprod: -X: expected prop=value, got 'nonsense'" "$(cat "$T/badx.err")" "-X message"
kprod -t cfg -F "$T/missing.properties" </dev/null 2>"$T/nof.err"
assert_eq 3 $? "missing -F file: exit 3"
assert_grep "^kprod: -F $T/missing.properties: No such file or directory" "$T/nof.err" "-F open error"

# usage errors: exit 2 and a pointer to --help
kprod -b "$B" </dev/null 2>"$T/u1"
assert_eq 2 $? "no -t"
assert_eq "kprod: -t TOPIC is required (or -J with topics in the envelopes)
kprod: try 'kprod --help'" "$(cat "$T/u1")" "no -t message"
assert_status 2 "-k with -K" kprod -t x -k a -K : </dev/null 2>/dev/null
assert_status 2 "-J with -k" kprod -J -k a </dev/null 2>/dev/null
assert_status 2 "bad -p" kprod -t x -p two </dev/null 2>/dev/null
assert_status 2 "bad -H" kprod -t x -H novalue </dev/null 2>/dev/null
assert_status 2 "bad --rate" kprod -t x --rate fast </dev/null 2>/dev/null
assert_status 2 "bad -k path" kprod -t x -k 'a[' </dev/null 2>/dev/null
kprod --help >"$T/help"
assert_grep '^usage: kprod ' "$T/help" "--help on stdout"

done_testing
