#!/bin/bash
# parse: golden outputs, every rejection reason, exit codes, --check, --from,
# --keep-unknown, _kafka, --reject (checked with Python's json as an independent oracle).
. "$(dirname "$0")/helpers.sh"

D="$RUNNEL_SRC/tests/data/parse"
S="$RUNNEL_SRC/examples/schemas/event.avsc"

# golden: field order, time normalisation, defaults, unknown fields, _kafka, repeated keys
parse -s "$S" "$D/events.ndjson" >"$T/out" 2>"$T/err"
assert_eq 0 $? "exit status on valid input"
assert_file_eq "$D/events.out" "$T/out" "normalised events"
assert_eq "" "$(cat "$T/err")" "nothing on stderr"
parse --keep-unknown -s "$S" <"$D/events.ndjson" >"$T/out"
assert_file_eq "$D/events-keep.out" "$T/out" "--keep-unknown appends unknown fields before _kafka"
# every output line is JSON whose values match the input's (Python as the oracle)
$PY - "$D/events.ndjson" "$D/events-keep.out" <<'PY' >"$T/py" 2>&1
import json, sys
ins = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
outs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(ins) == len(outs), (len(ins), len(outs))
for i, o in zip(ins, outs):
    for k, v in i.items():
        if k not in ("timestamp", "properties"):
            assert o[k] == v, (k, o[k], v)
    assert o["properties"] == i.get("properties", {}), o
    assert list(o)[:5] == ["event_id", "user_id", "event_type", "timestamp", "properties"]
    if "_kafka" in i:
        assert list(o)[-1] == "_kafka"
print("ok")
PY
assert_eq ok "$(cat "$T/py")" "output agrees with Python's reading of the input"

# every rejection reason, with its exact message; good lines between bad ones survive
parse -s "$S" <"$D/bad.ndjson" >"$T/out" 2>"$T/err"
assert_eq 0 $? "bad lines do not change the exit status"
cat >"$T/want" <<'EOF'
{"event_id":"ok13","user_id":"u","event_type":"click","timestamp":"1970-01-01T00:00:00.000Z","properties":{}}
{"event_id":"ok21","user_id":"u","event_type":"logout","timestamp":"2026-11-24T10:15:30.999Z","properties":{}}
EOF
assert_file_eq "$T/want" "$T/out" "good lines among bad ones"
cat >"$T/want" <<'EOF'
parse: <stdin>:1: field properties.device: expected string, got number
parse: <stdin>:2: field user_id: required field is missing
parse: <stdin>:3: field user_id: expected string, got number
parse: <stdin>:4: field event_type: "clack" is not a symbol of enum EventType
parse: <stdin>:5: field timestamp: not an RFC 3339 time or epoch milliseconds: "yesterday"
parse: <stdin>:6: field timestamp: not an RFC 3339 time or epoch milliseconds: "2026-02-30T00:00:00Z"
parse: <stdin>:7: field timestamp: expected timestamp-millis, got boolean
parse: <stdin>:8: field properties: expected map of string, got string
parse: <stdin>:9: invalid JSON at column 18: expected string key
parse: <stdin>:10: not a JSON object (got an array)
parse: <stdin>:11: invalid JSON at column 31: invalid UTF-8
parse: <stdin>:12: field properties: expected map of string, got null
parse: <stdin>:14: invalid JSON at column 1: empty line
parse: <stdin>:15: invalid JSON at column 69: trailing characters after object
parse: <stdin>:16: field properties."a.b": expected string, got array
parse: <stdin>:17: field event_type: expected enum EventType, got null
parse: <stdin>:18: field timestamp: time out of range (years 0000 to 9999): 1e400
parse: <stdin>:19: invalid JSON at column 31: lone UTF-16 surrogate in \u escape
parse: <stdin>:20: not a JSON object (got a string)
EOF
assert_file_eq "$T/want" "$T/err" "rejection messages"

# the -f shorthand: number ranges, nested paths, dates
F='n:int!,l:long,d:double,f:float,b:boolean,tags:array<string>,m:map<long>,s:struct<x:int!>,ts:timestamp,dt:date'
parse -f "$F" <"$D/types.ndjson" >"$T/out" 2>"$T/err"
assert_eq 0 $? "-f exit status"
cat >"$T/want" <<'EOF'
{"n":-5,"l":-9223372036854775808,"d":1.50,"f":2.5e-3,"b":false,"tags":[],"m":{"a":1},"s":{"x":0},"ts":"2026-11-18T11:06:40.000Z","dt":"2024-02-29"}
{"n":2147483647,"l":9223372036854775807,"d":-0,"f":0,"b":true,"tags":["x","y"],"m":{},"s":{"x":-1},"ts":null,"dt":"2022-01-08"}
EOF
assert_file_eq "$T/want" "$T/out" "-f output"
cat >"$T/want" <<'EOF'
parse: <stdin>:1: field n: expected int, got 3000000000 (out of range)
parse: <stdin>:2: field l: expected long, got 1.5 (not an integer)
parse: <stdin>:3: field d: expected double or null, got string
parse: <stdin>:4: field f: expected float, got 1e39 (out of range)
parse: <stdin>:5: field b: expected boolean or null, got string
parse: <stdin>:6: field tags[1]: expected string, got number
parse: <stdin>:7: field m.k: expected long, got string
parse: <stdin>:8: field s.x: required field is missing
parse: <stdin>:9: field s.x: expected int, got null
parse: <stdin>:10: field dt: not a date (YYYY-MM-DD) or days since 1970-01-01: "2026-13-01"
parse: <stdin>:13: field n: required field is missing
EOF
assert_file_eq "$T/want" "$T/err" "-f rejection messages"

# --reject: one JSON object per bad line, holding the raw line (Python checks it)
parse -q -s "$S" --reject "$T/rej" <"$D/bad.ndjson" >/dev/null 2>"$T/err"
assert_eq 0 $? "--reject exit status"
assert_eq "" "$(cat "$T/err")" "-q keeps stderr quiet"
$PY - "$T/rej" "$D/bad.ndjson" <<'PY' >"$T/py" 2>&1
import base64, json, sys
rej = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
raw = open(sys.argv[2], "rb").read().split(b"\n")
assert [r["line"] for r in rej] == [1,2,3,4,5,6,7,8,9,10,11,12,14,15,16,17,18,19,20], rej
for r in rej:
    assert r["file"] == "<stdin>", r
    line = raw[r["line"] - 1]
    want = line.decode("utf-8", "replace")
    assert r["input"] == want, (r["input"], want)
    try:
        line.decode("utf-8")
        assert sorted(r) == ["error", "file", "input", "line"], r
    except UnicodeDecodeError:
        # the exact bytes travel alongside the U+FFFD rendering
        assert sorted(r) == ["error", "file", "input", "input_base64", "line"], r
        assert base64.b64decode(r["input_base64"]) == line, r
assert rej[1]["error"] == "field user_id: required field is missing", rej[1]
assert rej[10]["input"].endswith('"user_id":"u\ufffd\ufffd","event_type":"click","timestamp":0}')
print("ok")
PY
assert_eq ok "$(cat "$T/py")" "reject file content"
# the reject file is appended to
parse -q -s "$S" --reject "$T/rej" <"$D/bad.ndjson" >/dev/null
assert_eq 38 "$(lines "$T/rej")" "reject file appended"

# --strict: stops at the first bad line with 4; lines before it are written
printf '%s\n' '{"event_id":"a","user_id":"u","event_type":"click","timestamp":0}' \
	'{"event_id":"b"}' '{"event_id":"c","user_id":"u","event_type":"click","timestamp":0}' \
	>"$T/strict.ndjson"
parse --strict -s "$S" <"$T/strict.ndjson" >"$T/out" 2>"$T/err"
assert_eq 4 $? "--strict exit status"
assert_eq '{"event_id":"a","user_id":"u","event_type":"click","timestamp":"1970-01-01T00:00:00.000Z","properties":{}}' \
	"$(cat "$T/out")" "--strict output before the bad line"
assert_eq "parse: <stdin>:2: field user_id: required field is missing" "$(cat "$T/err")" \
	"--strict message"
# ... and does not go on to further files
parse --strict -s "$S" "$T/strict.ndjson" "$D/events.ndjson" >"$T/out" 2>/dev/null
assert_eq 4 $? "--strict exit status with two files"
assert_eq 1 "$(lines "$T/out")" "--strict stops before the next file"

# --check: no output; 0 when all valid, 4 otherwise (all lines are still checked)
parse --check -s "$S" "$D/events.ndjson" >"$T/out" 2>"$T/err"
assert_eq 0 $? "--check on valid input"
assert_eq "" "$(cat "$T/out")$(cat "$T/err")" "--check writes nothing for valid input"
parse --check -v -s "$S" <"$D/bad.ndjson" >"$T/out" 2>"$T/err"
assert_eq 4 $? "--check on bad input"
assert_eq 0 "$(wc -c <"$T/out")" "--check writes no records"
assert_eq 19 "$(grep -c '^parse: <stdin>:[0-9]*: ' "$T/err")" "--check reports every bad line"
assert_eq "parse: in=21 valid=2 rejected=19" "$(tail -1 "$T/err")" "--check summary"
parse --check --strict -s "$S" <"$D/bad.ndjson" 2>"$T/err"
assert_eq 4 $? "--check --strict"
assert_eq 1 "$(lines "$T/err")" "--check --strict stops at the first bad line"

# -v summary
parse -v -s "$S" <"$D/bad.ndjson" >/dev/null 2>"$T/err"
assert_eq "parse: in=21 out=2 rejected=19" "$(tail -1 "$T/err")" "-v summary"

# --from: the record is a JSON document held in a string (or embedded as an object)
cat >"$T/from.ndjson" <<'EOF'
{"topic":"events","value":"{\"user_id\":\"u1\",\"event_id\":\"e1\",\"event_type\":\"click\",\"timestamp\":0,\"x\":1}","_kafka":{"topic":"events","partition":1,"offset":9,"ts":"2026-11-24T10:15:30.123Z","key":"u1"}}
{"value":{"event_id":"e2","user_id":"u2","event_type":"search","timestamp":"2026-11-24T10:15:30Z","_kafka":{"inner":true}}}
{"value":"{\"event_id\":\"e3\"}"}
{"value":"not json"}
{"value":null}
{"value":42}
{"key":"k"}
{"value":"{\"event_id\":\"e8\",\"user_id\":\"u\",\"event_type\":\"logout\",\"timestamp\":\"2026-11-24T10:15:30Z\",\"_kafka\":{\"inner\":1}}","_kafka":{"outer":1}}
EOF
parse --from value -s "$S" <"$T/from.ndjson" >"$T/out" 2>"$T/err"
assert_eq 0 $? "--from exit status"
cat >"$T/want" <<'EOF'
{"event_id":"e1","user_id":"u1","event_type":"click","timestamp":"1970-01-01T00:00:00.000Z","properties":{},"_kafka":{"topic":"events","partition":1,"offset":9,"ts":"2026-11-24T10:15:30.123Z","key":"u1"}}
{"event_id":"e2","user_id":"u2","event_type":"search","timestamp":"2026-11-24T10:15:30.000Z","properties":{},"_kafka":{"inner":true}}
{"event_id":"e8","user_id":"u","event_type":"logout","timestamp":"2026-11-24T10:15:30.000Z","properties":{},"_kafka":{"outer":1}}
EOF
assert_file_eq "$T/want" "$T/out" "--from output"
cat >"$T/want" <<'EOF'
parse: <stdin>:3: field user_id: required field is missing
parse: <stdin>:4: field value: invalid JSON at column 1: invalid literal
parse: <stdin>:5: field value: expected a JSON document in a string, got null
parse: <stdin>:6: field value: expected a JSON document in a string, got number
parse: <stdin>:7: field value: missing
EOF
assert_file_eq "$T/want" "$T/err" "--from messages"
# without a schema --from just unwraps; a nested path works too
parse --from value <"$T/from.ndjson" 2>/dev/null | head -2 >"$T/out"
cat >"$T/want" <<'EOF'
{"user_id":"u1","event_id":"e1","event_type":"click","timestamp":0,"x":1,"_kafka":{"topic":"events","partition":1,"offset":9,"ts":"2026-11-24T10:15:30.123Z","key":"u1"}}
{"event_id":"e2","user_id":"u2","event_type":"search","timestamp":"2026-11-24T10:15:30Z","_kafka":{"inner":true}}
EOF
assert_file_eq "$T/want" "$T/out" "--from without a schema"
assert_eq '{"a":1}' "$(echo '{"m":{"doc":"{\"a\": 1}"}}' | parse --from m.doc)" "--from a nested path"

# without a schema: any JSON object, written compact (repeated keys kept as written)
printf '%s\n' '{ "b" : [1, 2, {"c" : "d e"}], "a":null, "a":true }' '  {}  ' '{"k":"\u00e9\n"}' |
	parse >"$T/out" 2>"$T/err"
printf '%s\n' '{"b":[1,2,{"c":"d e"}],"a":null,"a":true}' '{}' '{"k":"\u00e9\n"}' >"$T/want"
assert_file_eq "$T/want" "$T/out" "no schema: compact objects"

# a schema that names _kafka itself validates it like any field
printf '%s\n' '{"_kafka":{"topic":"t"},"a":1}' '{"_kafka":5,"a":1}' |
	parse -f '_kafka:map<string>,a:int' >"$T/out" 2>"$T/err"
assert_eq '{"_kafka":{"topic":"t"},"a":1}' "$(cat "$T/out")" "_kafka in the schema"
assert_eq 'parse: <stdin>:2: field _kafka: expected map of string or null, got number' \
	"$(cat "$T/err")" "_kafka validated when the schema names it"

# empty input: empty output, exit 0
parse -s "$S" </dev/null >"$T/out"
assert_eq 0 $? "empty input exit status"
assert_eq 0 "$(wc -c <"$T/out")" "empty input gives empty output"

# a final line without newline, CRLF line ends
printf '{"a":1}\r\n{"a":2}' | parse -f 'a:int' >"$T/out"
printf '%s\n' '{"a":1}' '{"a":2}' >"$T/want"
assert_file_eq "$T/want" "$T/out" "CRLF and no final newline"

# several files: messages name the file; a missing file is exit 1 but the rest is read
printf '%s\n' '{"a":1}' '{"a":"x"}' >"$T/f1"
printf '%s\n' '{"a":3}' >"$T/f2"
(cd "$T" && parse -f 'a:int' f1 nosuch f2 >out 2>err)
assert_eq 1 $? "missing input file exit status"
printf '%s\n' '{"a":1}' '{"a":3}' >"$T/want"
assert_file_eq "$T/want" "$T/out" "files around a missing one are read"
printf '%s\n' "parse: f1:2: field a: expected int or null, got string" \
	"parse: nosuch: No such file or directory" >"$T/want"
assert_file_eq "$T/want" "$T/err" "messages name the file"

# usage errors: exit 2
assert_status 2 "unknown option" parse --bogus </dev/null 2>"$T/err"
assert_grep "^parse: try 'parse --help'$" "$T/err" "try --help"
assert_status 2 "-s and -f together" parse -s "$S" -f a:int </dev/null 2>"$T/err"
assert_eq "parse: -s and -f cannot be used together" "$(head -1 "$T/err")" "-s/-f message"
assert_status 2 "bad --max-line" parse --max-line 0 </dev/null 2>/dev/null
assert_status 2 "bad --from path" parse --from 'a..b' </dev/null 2>/dev/null
assert_status 0 "--help" parse --help >"$T/help"
assert_grep '^usage: parse ' "$T/help" "--help text"
assert_status 0 "--version" parse -V >"$T/ver"
assert_grep '^parse \(runnel\) ' "$T/ver" "--version text"

# bad schemas: exit 3 with a message naming the problem
assert_status 3 "-f unknown type" parse -f 'a:strin' </dev/null 2>"$T/err"
assert_eq 'parse: -f: column 3: unknown type "strin"' "$(cat "$T/err")" "-f error message"
assert_status 3 "-f missing colon" parse -f 'a int' </dev/null 2>"$T/err"
assert_eq "parse: -f: column 3: expected ':' after field name \"a\"" "$(cat "$T/err")" \
	"-f colon message"
echo '{"type":"record","name":"E","fields":[{"name":"t","type":"lng"}]}' >"$T/bad.avsc"
assert_status 3 "unknown Avro type" parse -s "$T/bad.avsc" </dev/null 2>"$T/err"
assert_eq "parse: $T/bad.avsc: field t: unknown type \"lng\"" "$(cat "$T/err")" \
	"Avro schema error message"
echo '{"type":"record","name":"E","fields":[' >"$T/bad.avsc"
assert_status 3 "schema not JSON" parse -s "$T/bad.avsc" </dev/null 2>"$T/err"
assert_grep "^parse: $T/bad.avsc: invalid JSON at line 2, column 0: " "$T/err" "schema JSON error"
assert_status 3 "missing schema file" parse -s "$T/nosuch.avsc" </dev/null 2>"$T/err"
assert_eq "parse: $T/nosuch.avsc: No such file or directory" "$(cat "$T/err")" \
	"missing schema message"

# a write error on stdout is exit 1 with a message
parse -s "$S" "$D/events.ndjson" >/dev/full 2>"$T/err"
assert_eq 1 $? "stdout write error exit status"
assert_eq "parse: stdout: No space left on device" "$(cat "$T/err")" "write error message"

done_testing
