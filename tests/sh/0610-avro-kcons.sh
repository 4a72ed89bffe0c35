#!/bin/bash
# kcons --avro through kbroker and the registry double: what python3-avro (an
# independent implementation) writes comes out as exact JSON; schemas are fetched once
# per id; bad magic bytes, unknown ids, truncated and hostile payloads are reported
# (-J: value_error) and the next message follows; --reader-schema resolution agrees with
# python3-avro's; framed keys; kprod --avro | kcons --avro round trip.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/kbroker.sh"
. "$(dirname "$0")/registry.sh"

start_kbroker -t py -t mixed -t evolve -t keys -t rt:2
start_registry

cat >"$T/w.avsc" <<'EOF'
{"type":"record","name":"W","namespace":"t","fields":[
 {"name":"id","type":"string"},
 {"name":"u","type":["null","long","string"]},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"c","type":{"type":"enum","name":"C","symbols":["RED","GREEN"]}},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"m","type":{"type":"map","values":"double"}},
 {"name":"p","type":["null",{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}]},
 {"name":"raw","type":"bytes"},
 {"name":"f","type":"float"}]}
EOF
id=$(reg_post py-value "$T/w.avsc")
assert_eq 1 "$id" "schema registered by another producer"
cat >"$T/w.in" <<'EOF'
{"id":"a","u":5,"ts":"2026-11-24T10:15:30.123Z","c":"RED","tags":["x","y"],"m":{"k":0.5},"p":{"x":-1},"raw":"a\u0000\u00ff","f":1.5}
{"id":"b\"é","u":"s","ts":"1969-12-31T23:59:59.999Z","c":"GREEN","tags":[],"m":{},"p":null,"raw":"","f":-0.25}
{"id":"c","u":null,"ts":"2026-01-01T00:00:00.000Z","c":"RED","tags":["\n"],"m":{"a":1e300},"p":null,"raw":"\"","f":3}
EOF
avro_peer produce "$B" py "$id" "$T/w.avsc" <"$T/w.in" || die "python3-avro could not produce"
cat >"$T/w.want" <<'EOF'
{"id":"a","u":5,"ts":"2026-11-24T10:15:30.123Z","c":"RED","tags":["x","y"],"m":{"k":0.5},"p":{"x":-1},"raw":"a\u0000\u00ff","f":1.5}
{"id":"b\"é","u":"s","ts":"1969-12-31T23:59:59.999Z","c":"GREEN","tags":[],"m":{},"p":null,"raw":"","f":-0.25}
{"id":"c","u":null,"ts":"2026-01-01T00:00:00.000Z","c":"RED","tags":["\n"],"m":{"a":1e+300},"p":null,"raw":"\"","f":3}
EOF
kcons -b "$B" -t py -e --avro --registry "$REG" >"$T/w.got" 2>"$T/err"
assert_eq 0 $? "kcons --avro exit status"
assert_file_eq "$T/w.want" "$T/w.got" "python3-avro's records as exact JSON"
assert_eq "" "$(cat "$T/err")" "nothing on stderr"
assert_eq 1 "$(reg_requests GET /schemas/ids/1)" "the schema fetched once for 3 messages"
# -X schema.registry.url works as --registry does (kcat's property name)
kcons -b "$B" -t py -e --avro -X schema.registry.url="$REG" >"$T/w.got2"
assert_file_eq "$T/w.want" "$T/w.got2" "-X schema.registry.url"

# bad messages between good ones: each reported, the next one follows
good=$(head -1 "$T/w.in" | avro_peer encode "$id" "$T/w.avsc")
{
	echo "$good"
	echo 7b2261223a317d                # {"a":1}: bad magic byte
	echo "000000003e${good:10}"       # unknown id 62
	echo "${good:0:12}"               # truncated inside the first string
	echo "000000000101"               # a negative string length
	echo "000000003e00"               # unknown id 62 again: asked once
	echo "0000"                       # shorter than a frame
	echo "$good"
} | avro_peer raw "$B" mixed || die "python3-kafka could not produce"
kcons -b "$B" -t mixed -e --avro --registry "$REG" --reject "$T/rej" >"$T/m.got" 2>"$T/err"
assert_eq 0 $? "bad messages do not stop kcons"
assert_eq "$(head -1 "$T/w.want"; head -1 "$T/w.want")" "$(cat "$T/m.got")" "the good messages, exactly"
cat >"$T/m.want" <<EOF
kcons: mixed [0] @1: bad magic byte 0x7b: not in the Confluent wire format
kcons: mixed [0] @2: unknown schema id 62: registry $REG: GET /schemas/ids/62: Schema 62 not found (error 40403)
kcons: mixed [0] @3: schema id 1: field id: truncated: string length 1 at byte 0 with 0 bytes remaining
kcons: mixed [0] @4: schema id 1: field id: negative string length -1 at byte 0
kcons: mixed [0] @5: unknown schema id 62: registry $REG: GET /schemas/ids/62: Schema 62 not found (error 40403)
kcons: mixed [0] @6: truncated frame: 2 bytes, the Confluent wire format needs at least 5
EOF
assert_file_eq "$T/m.want" "$T/err" "each bad message reported with its reason"
assert_eq 1 "$(reg_requests GET /schemas/ids/62)" "an unknown id is asked for once"
assert_eq 6 "$(lines "$T/rej")" "--reject gets the 6 bad messages"
kcons -b "$B" -t mixed -e --avro --registry "$REG" -J 2>/dev/null >"$T/m.env"
$PY - "$T/m.env" >"$T/m.errs" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    print(o["offset"], list(o)[-1], o.get("value_error", o["value"].get("id") if isinstance(o["value"], dict) else "?"))
PY
cat >"$T/m.errs.want" <<EOF
0 value a
1 value_error bad magic byte 0x7b: not in the Confluent wire format
2 value_error unknown schema id 62: registry $REG: GET /schemas/ids/62: Schema 62 not found (error 40403)
3 value_error schema id 1: field id: truncated: string length 1 at byte 0 with 0 bytes remaining
4 value_error schema id 1: field id: negative string length -1 at byte 0
5 value_error unknown schema id 62: registry $REG: GET /schemas/ids/62: Schema 62 not found (error 40403)
6 value_error truncated frame: 2 bytes, the Confluent wire format needs at least 5
7 value a
EOF
assert_file_eq "$T/m.errs.want" "$T/m.errs" "-J: value_error members, the envelope otherwise intact"
assert_grep '"offset":1,.*"value":\{"a":1\},"value_error":"bad magic byte' "$T/m.env" \
	"-J keeps the undecodable bytes"
kcons -b "$B" -t mixed -e --avro --registry "$REG" --strict -q >"$T/m.strict"
assert_eq 4 $? "--strict stops at the first bad message"
assert_eq 1 "$(lines "$T/m.strict")" "what came before it was written"

# --reader-schema: python3-avro writes with v1; read as v2 (a field added with a
# default, one removed, int promoted to long, float to double, fields reordered, an
# enum symbol the reader lacks taking the reader's default)
cat >"$T/v1.avsc" <<'EOF'
{"type":"record","name":"User","fields":[
 {"name":"id","type":"string"},{"name":"n","type":"int"},{"name":"gone","type":"string"},
 {"name":"score","type":"float"},
 {"name":"c","type":{"type":"enum","name":"Color","symbols":["RED","PINK"]}}]}
EOF
cat >"$T/v2.avsc" <<'EOF'
{"type":"record","name":"User","fields":[
 {"name":"c","type":{"type":"enum","name":"Color","symbols":["RED","BLUE"],"default":"BLUE"}},
 {"name":"score","type":"double"},{"name":"n","type":"long"},{"name":"id","type":"string"},
 {"name":"added","type":{"type":"long","logicalType":"timestamp-millis"},"default":0},
 {"name":"note","type":["null","string"],"default":null}]}
EOF
v1=$(reg_post evolve-value "$T/v1.avsc")
cat >"$T/v1.in" <<'EOF'
{"id":"x","n":7,"gone":"bye","score":0.5,"c":"RED"}
{"id":"y","n":-2147483648,"gone":"","score":-1.25,"c":"PINK"}
EOF
avro_peer produce "$B" evolve "$v1" "$T/v1.avsc" <"$T/v1.in"
cat >"$T/v2.want" <<'EOF'
{"c":"RED","score":0.5,"n":7,"id":"x","added":"1970-01-01T00:00:00.000Z","note":null}
{"c":"BLUE","score":-1.25,"n":-2147483648,"id":"y","added":"1970-01-01T00:00:00.000Z","note":null}
EOF
kcons -b "$B" -t evolve -e --avro --registry "$REG" --reader-schema "$T/v2.avsc" >"$T/v2.got"
assert_eq 0 $? "kcons --reader-schema"
assert_file_eq "$T/v2.want" "$T/v2.got" "resolved records, exactly"
# python3-avro's own resolution as the oracle, with a reader it handles (1.11 knows no
# enum defaults, and gives a logical type's default as the bare number)
cat >"$T/v2o.avsc" <<'EOF'
{"type":"record","name":"User","fields":[
 {"name":"c","type":{"type":"enum","name":"Color","symbols":["RED","BLUE","PINK"]}},
 {"name":"score","type":"double"},{"name":"n","type":"long"},{"name":"id","type":"string"},
 {"name":"added","type":"long","default":-1},
 {"name":"note","type":["null","string"],"default":null}]}
EOF
avro_peer resolve "$T/v1.avsc" "$T/v2o.avsc" <"$T/v1.in" >"$T/v2o.py"
kcons -b "$B" -t evolve -e --avro --registry "$REG" --reader-schema "$T/v2o.avsc" >"$T/v2o.got"
json_same "$T/v2o.py" "$T/v2o.got"
assert_eq 0 $? "python3-avro's own resolution reads the same values"
cat >"$T/v3.avsc" <<'EOF'
{"type":"record","name":"User","fields":[{"name":"id","type":"string"},{"name":"must","type":"string"}]}
EOF
kcons -b "$B" -t evolve -e --avro --registry "$REG" --reader-schema "$T/v3.avsc" >"$T/v3.got" 2>"$T/err"
assert_eq 0 $? "an unresolvable reader rejects the messages"
assert_eq "" "$(cat "$T/v3.got")" "nothing written"
assert_eq 2 "$(grep -c "schema id $v1 cannot be read with the reader schema: field must: the reader's field has no default and the writer's record User lacks it" "$T/err")" \
	"each message says why"
echo '{"type":"record","name":"R","fields":[' >"$T/broken.avsc"
assert_status 3 "a reader schema that does not load" \
	kcons -b "$B" -t evolve -e --avro --registry "$REG" --reader-schema "$T/broken.avsc"

# framed keys (a "string" key schema) are decoded; text keys stay as they are
echo '"string"' >"$T/k.avsc"
kid=$(reg_post keys-key "$T/k.avsc")
printf '"u1"\t{"id":"k","u":1,"ts":0,"c":"RED","tags":[],"m":{},"p":null,"raw":"","f":0}\n' |
	avro_peer produce "$B" keys "$id" "$T/w.avsc" --key-id "$kid" --key-schema "$T/k.avsc"
# the text key "txt:", and a 4-byte integer key (too short for a frame)
printf '7478743a:%s\n00000007:%s\n' "$good" "$good" | avro_peer raw "$B" keys
kcons -b "$B" -t keys -e --avro --registry "$REG" -J | $PY -c 'import json,sys
for l in sys.stdin:
    o = json.loads(l); print(json.dumps(o["key"]), o.get("key_encoding"), o["value"]["id"], "key_error" in o)' >"$T/keys.got"
cat >"$T/keys.want" <<'EOF'
"u1" None k False
"txt:" text a False
"\u0000\u0000\u0000\u0007" text a False
EOF
assert_file_eq "$T/keys.want" "$T/keys.got" "-J: the Avro key decoded, the text key as is"
kcons -b "$B" -t keys -e --avro --registry "$REG" --meta | $PY -c 'import json,sys
for l in sys.stdin: print(json.loads(l)["_kafka"]["key"])' >"$T/keys.meta"
printf 'u1\ntxt:\n\x00\x00\x00\x07\n' | $PY -c 'import sys, json
for l in sys.stdin: print(json.loads(json.dumps(l[:-1])))' >"$T/keys.meta.want"
assert_file_eq "$T/keys.meta.want" "$T/keys.meta" "--meta: _kafka.key is the decoded string"

# round trip: kprod --avro | kcons --avro gives what parse -s makes of the input
EVENT=$RUNNEL_SRC/examples/schemas/event.avsc
eventgen -n 500 >"$T/events"
kprod -z none -b "$B" -t rt --avro "$EVENT" --registry "$REG" "$T/events" || fail "kprod rt"
kcons -b "$B" -t rt -e --avro --registry "$REG" | sort >"$T/rt.got"
parse -s "$EVENT" "$T/events" | sort >"$T/rt.want"
assert_eq 500 "$(lines "$T/rt.got")" "500 events back"
assert_file_eq "$T/rt.want" "$T/rt.got" "kcons --avro gives parse -s's records, byte for byte"

# the registry gone: exit 1, nothing written, no offset handled
kill "$REG_PID"
wait "$REG_PID" 2>/dev/null
kcons -b "$B" -t py -e --avro --registry "$REG" -X schema.registry.retries=1 >"$T/down.out" 2>"$T/err"
assert_eq 1 $? "an unreachable registry exits 1"
assert_grep "^kcons: registry $REG: GET /schemas/ids/1: .*onnect.* \(2 attempts\)$" "$T/err" "says so"
assert_eq "" "$(cat "$T/down.out")" "nothing written"
assert_status 2 "--avro without a registry" kcons -b "$B" -t py -e --avro
assert_status 2 "--reader-schema without --avro" kcons -b "$B" -t py -e --reader-schema "$T/v2.avsc"
done_testing
