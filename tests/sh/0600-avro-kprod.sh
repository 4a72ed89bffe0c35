#!/bin/bash
# kprod --avro through kbroker and the registry double: python3-avro (an independent
# implementation) decodes exactly what was written; subjects and versions registered;
# lines that do not fit rejected with the field path; --subject, --schema-id,
# --key-avro; the registry's 409 and 422 surfaced with exit 3.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/kbroker.sh"
. "$(dirname "$0")/registry.sh"

start_kbroker -t ev:2 -t ev2 -t keyed -t types -t bad -t sub -t byid -t clash -t inval
start_registry
EVENT=$RUNNEL_SRC/examples/schemas/event.avsc

# 300 events: what python3-avro reads back is the input, value for value
eventgen -n 300 >"$T/events"
kprod -z none -b "$B" -t ev --avro "$EVENT" --registry "$REG" -v "$T/events" 2>"$T/err"
assert_eq 0 $? "kprod --avro exit status"
assert_grep "event.avsc: schema id 1 under subject ev-value" "$T/err" "-v names the registration"
assert_eq '["ev-value"]' "$(reg_get /subjects)" "the registry holds the subject"
assert_eq '[1]' "$(reg_get /subjects/ev-value/versions)" "one version"
avro_peer decode "$B" ev "$REG" >"$T/peer"
assert_eq 300 "$(lines "$T/peer")" "python3-avro decodes every message"
assert_eq "1" "$(cut -f1 "$T/peer" | sort -u)" "every frame carries schema id 1"
cut -f2 "$T/peer" | sort >"$T/peer.json"
sort "$T/events" >"$T/events.sorted"
json_same "$T/events.sorted" "$T/peer.json"
assert_eq 0 $? "python3-avro reads exactly the input records"

# registering again is idempotent: same id, still one version
kprod -z none -b "$B" -t ev2 --avro "$EVENT" --registry "$REG" --subject ev-value "$T/events" 2>"$T/err"
assert_eq 0 $? "second run"
assert_eq '[1]' "$(reg_get /subjects/ev-value/versions)" "still one version"
assert_eq 2 "$(reg_requests POST /subjects/ev-value/versions)" "each run registers once at start"

# natural JSON: unions by value, RFC 3339 with offsets, epoch numbers, defaults, enums,
# arrays, maps, nested records, bytes as U+0000..U+00FF
cat >"$T/types.avsc" <<'EOF'
{"type":"record","name":"T","namespace":"t","fields":[
 {"name":"u","type":["null","long","string",{"type":"array","items":"int"}]},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"day","type":{"type":"int","logicalType":"date"}},
 {"name":"opt","type":["null",{"type":"record","name":"P","fields":[
   {"name":"x","type":"double"},{"name":"tags","type":{"type":"map","values":"string"}}]}],
  "default":null},
 {"name":"c","type":{"type":"enum","name":"C","symbols":["RED","GREEN"]},"default":"GREEN"},
 {"name":"raw","type":"bytes","default":"\u00ff"},
 {"name":"f","type":"float"}]}
EOF
cat >"$T/types.in" <<'EOF'
{"u":5,"ts":"2026-11-24T11:15:30.123+01:00","day":"2026-11-24","opt":{"x":1.5,"tags":{"k":"v"}},"c":"RED","raw":"a\u0000\u00e9","f":0.25}
{"u":"five","ts":1795515330123,"day":20781,"f":-2}
{"u":[1,2,3],"ts":"2026-11-24T10:15:30Z","day":"1970-01-01","opt":null,"f":1e3,"extra":"dropped"}
{"u":null,"ts":"2026-11-24T10:15:30.123456Z","day":"2026-11-24","f":0}
EOF
cat >"$T/types.want" <<'EOF'
{"u":5,"ts":"2026-11-24T10:15:30.123Z","day":"2026-11-24","opt":{"x":1.5,"tags":{"k":"v"}},"c":"RED","raw":"a\u0000\u00e9","f":0.25}
{"u":"five","ts":"2026-11-24T10:15:30.123Z","day":"2026-11-24","opt":null,"c":"GREEN","raw":"\u00ff","f":-2.0}
{"u":[1,2,3],"ts":"2026-11-24T10:15:30.000Z","day":"1970-01-01","opt":null,"c":"GREEN","raw":"\u00ff","f":1000.0}
{"u":null,"ts":"2026-11-24T10:15:30.123Z","day":"2026-11-24","opt":null,"c":"GREEN","raw":"\u00ff","f":0.0}
EOF
kprod -z none -b "$B" -t types --avro "$T/types.avsc" --registry "$REG" "$T/types.in"
assert_eq 0 $? "kprod types"
avro_peer decode "$B" types "$REG" | cut -f2 >"$T/types.got"
json_same "$T/types.want" "$T/types.got"
assert_eq 0 $? "python3-avro reads the natural JSON as meant"

# lines that do not fit: rejected with the field path, never produced; the good ones go
cat >"$T/bad.in" <<'EOF'
{"u":1,"ts":"2026-11-24T10:15:30Z","day":"2026-11-24","f":1}
{"u":1,"ts":"yesterday","day":"2026-11-24","f":1}
{"u":1,"ts":0,"day":"2026-11-24","opt":{"x":"one","tags":{}},"f":1}
{"u":true,"ts":0,"day":"2026-11-24","f":1}
{"u":1,"ts":0,"day":"2026-11-24","f":1,"raw":"\u0100"}
{"u":1,"ts":0,"day":"2026-11-24"}
{"u":1,"ts":0,"day":"2026-11-24","c":"BLUE","f":1}
not json
{"u":2,"ts":0,"day":"2026-11-24","f":2}
EOF
kprod -z none -b "$B" -t bad --avro "$T/types.avsc" --registry "$REG" --reject "$T/rejects" -v \
	"$T/bad.in" 2>"$T/err"
assert_eq 0 $? "rejects do not fail the run"
cat >"$T/bad.want" <<EOF
kprod: $T/bad.in:2: field ts: not an RFC 3339 time or epoch milliseconds: "yesterday"
kprod: $T/bad.in:3: field opt.x: expected double, got string
kprod: $T/bad.in:4: field u: expected long or string or array of int or null, got boolean
kprod: $T/bad.in:5: field raw: bytes: a character beyond U+00FF (Avro's JSON form of bytes has one character U+0000..U+00FF per byte)
kprod: $T/bad.in:6: field f: required field is missing
kprod: $T/bad.in:7: field c: "BLUE" is not a symbol of enum C
EOF
grep "bad.in" "$T/err" | grep -v "bad.in:8:" >"$T/bad.got"
assert_file_eq "$T/bad.want" "$T/bad.got" "each rejected line names its field"
assert_grep "bad.in:8: " "$T/err" "invalid JSON is rejected too"
assert_grep "in 9, produced 2, delivered 2, failed 0, rejected 7" "$T/err" "counts"
assert_eq 7 "$(lines "$T/rejects")" "--reject gets the 7 lines"
assert_eq "2" "$(avro_peer decode "$B" bad "$REG" | wc -l | tr -d ' ')" "only the good lines are in the topic"
assert_status 4 "--strict stops at the first line that does not fit" \
	kprod -z none -b "$B" -t bad --avro "$T/types.avsc" --registry "$REG" --strict -q "$T/bad.in"

# --key-avro: keys from -k in the wire format under TOPIC-key
echo '"string"' >"$T/key.avsc"
head -20 "$T/events" | kprod -z none -b "$B" -t keyed -k user_id --key-avro "$T/key.avsc" --avro "$EVENT" \
	--registry "$REG"
assert_eq 0 $? "kprod --key-avro"
assert_eq '[1]' "$(reg_get /subjects/keyed-key/versions)" "key schema under keyed-key"
kid=$(reg_get /subjects/keyed-key/versions/latest | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
avro_peer decode "$B" keyed "$REG" --keys >"$T/keyed"
assert_eq 20 "$(lines "$T/keyed")" "20 keyed messages"
assert_eq "$kid" "$(cut -f1 "$T/keyed" | sort -u)" "keys framed with the key schema's id"
$PY -c 'import json,sys
bad = [l for l in open(sys.argv[1]) if json.loads(l.split("\t")[1]) != json.loads(l.split("\t")[3])["user_id"]]
print(len(bad))' "$T/keyed" >"$T/keycheck"
assert_eq 0 "$(cat "$T/keycheck")" "each key is the value's user_id"
assert_status 2 "--key-avro without -k" kprod -z none -b "$B" -t keyed --key-avro "$T/key.avsc" \
	--avro "$EVENT" --registry "$REG" </dev/null

# --subject: another subject; --schema-id: an existing id, checked against the file
head -3 "$T/events" | kprod -z none -b "$B" -t sub --avro "$EVENT" --registry "$REG" --subject custom-subject
assert_eq 0 $? "--subject"
assert_eq '[1]' "$(reg_get /subjects/custom-subject/versions)" "registered under custom-subject"
assert_no_grep '"sub-value"' <(reg_get /subjects) "not under the topic's name"
head -3 "$T/events" | kprod -z none -b "$B" -t byid --avro "$EVENT" --registry "$REG" --schema-id 1
assert_eq 0 $? "--schema-id with a matching file"
head -3 "$T/events" | kprod -z none -b "$B" -t byid --registry "$REG" --schema-id 1
assert_eq 0 $? "--schema-id alone takes the registry's schema"
head -3 "$T/events" | kprod -z none -b "$B" -t byid --avro "$EVENT" --schema-id 1
assert_eq 0 $? "--schema-id with --avro and no registry trusts the file"
assert_eq "1" "$(avro_peer decode "$B" byid "$REG" | cut -f1 | sort -u)" "framed with id 1"
assert_eq 9 "$(avro_peer decode "$B" byid "$REG" | wc -l | tr -d ' ')" "9 messages by id"
kprod -z none -b "$B" -t byid --avro "$T/types.avsc" --registry "$REG" --schema-id 1 </dev/null 2>"$T/err"
assert_eq 3 $? "--schema-id with another schema's file"
assert_grep "the registry's schema 1 is not the one in .*types.avsc" "$T/err" "says which"
head -1 "$T/events" | kprod -z none -b "$B" -t byid --registry "$REG" --subject ev-value \
	--schema-id latest --avro "$EVENT" -v 2>"$T/err"
assert_eq 0 $? "--schema-id latest"
assert_grep "version 1 of subject ev-value is schema id 1" "$T/err" "-v names the version"
kprod -z none -b "$B" -t byid --registry "$REG" --schema-id latest </dev/null 2>"$T/err"
assert_eq 3 $? "--schema-id latest of a subject the registry lacks"
assert_grep "^kprod: --schema-id latest: registry http://127.0.0.1:[0-9]+: GET /subjects/byid-value/versions/latest: Subject 'byid-value' not found. \(error 40401\)$" \
	"$T/err" "the registry's 40401 message"
kprod -z none -b "$B" -t byid --registry "$REG" --schema-id 99 </dev/null 2>"$T/err"
assert_eq 3 $? "--schema-id unknown"
assert_grep "^kprod: --schema-id 99: registry http://127.0.0.1:[0-9]+: GET /schemas/ids/99: Schema 99 not found \(error 40403\)$" \
	"$T/err" "the registry's 40403 message"

# 409: an incompatible new version (a field without default added); nothing produced
sed 's/"fields": \[/"fields": [{"name": "added", "type": "string"},/' "$EVENT" >"$T/v2.avsc"
head -3 "$T/events" | kprod -z none -b "$B" -t clash --avro "$T/v2.avsc" --registry "$REG" --subject ev-value \
	2>"$T/err"
assert_eq 3 $? "409 exits 3"
assert_grep "^kprod: .*v2.avsc: registry http://127.0.0.1:[0-9]+: POST /subjects/ev-value/versions: Schema being registered is incompatible with an earlier schema for subject \"ev-value\", details: \[READER_FIELD_MISSING_DEFAULT_VALUE: .*'added'.*\] \(error 409\)$" \
	"$T/err" "the registry's 409 message"
assert_eq "" "$(kc_values clash)" "nothing produced after a 409"
# 422: a schema the registry will not parse (runnel ignores a field's sort order)
cat >"$T/inval.avsc" <<'EOF'
{"type":"record","name":"R","fields":[{"name":"x","type":"string","order":"sideways"}]}
EOF
echo '{"x":"a"}' | kprod -z none -b "$B" -t inval --avro "$T/inval.avsc" --registry "$REG" 2>"$T/err"
assert_eq 3 $? "422 exits 3"
assert_grep "POST /subjects/inval-value/versions: Invalid schema .*The order property sideways is not valid.* \(error 42201\)$" \
	"$T/err" "the registry's 422 message"
# a schema file that does not load: exit 3 before any request
echo '{"type":"record","name":"R","fields":[{"name":"x","type":"lng"}]}' >"$T/broken.avsc"
n=$(wc -l <"$REG_LOG")
kprod -z none -b "$B" -t inval --avro "$T/broken.avsc" --registry "$REG" </dev/null 2>"$T/err"
assert_eq 3 $? "a broken schema exits 3"
assert_eq "kprod: $T/broken.avsc: field x: unknown type \"lng\"" "$(cat "$T/err")" "names the field"
assert_eq "$n" "$(wc -l <"$REG_LOG")" "no request for a broken schema"
assert_status 2 "--avro without a registry" kprod -z none -b "$B" -t inval --avro "$EVENT" </dev/null
assert_status 2 "--avro with -J" kprod -b "$B" -J --avro "$EVENT" --registry "$REG" </dev/null
done_testing
