#!/bin/bash
# window: aggregates, keys, options, per-partition watermarks, late data, bad input,
# signals and a closed stdout.
. "$(dirname "$0")/helpers.sh"

# ---- every aggregate on one window (tumbling 1 h, key g)
cat >"$T/in" <<'J'
{"g":"a","t":"2026-01-01T00:00:05Z","n":3,"s":"pear","ts":"2026-01-01T10:00:00+02:00","x":1.5,"tag":"b"}
{"g":"a","t":"2026-01-01T00:00:01Z","n":1,"s":"apple","ts":"2026-01-01T07:30:00Z","x":null,"tag":"a"}
{"g":"a","t":"2026-01-01T00:00:09Z","n":2.5,"s":10,"tag":"b"}
{"g":"a","t":"2026-01-01T00:00:01Z","n":"7","s":true,"tag":["z",1]}
{"g":"a","t":"2026-01-01T00:00:09Z","tag":null}
J
window -T t -k g -s 1h -a 'count() as n, count(tag), count(x), sum(n), avg(n), min(n), max(n)' \
	-a 'min(s), max(s), min(ts), max(ts), first(s), last(s)' \
	-a 'collect_set(tag), collect_list(tag), count_distinct(tag), approx_percentile(n, 0.5)' \
	<"$T/in" >"$T/got" 2>"$T/err"
assert_eq 0 $? "all aggregates: exit status"
assert_eq '{"window":{"start":"2026-01-01T00:00:00.000Z","end":"2026-01-01T01:00:00.000Z"},"g":"a","n":5,"count_tag":4,"count_x":1,"sum_n":6.5,"avg_n":2.1666666666666665,"min_n":1,"max_n":"7","min_s":10,"max_s":"pear","min_ts":"2026-01-01T07:30:00.000Z","max_ts":"2026-01-01T08:00:00.000Z","first_s":"apple","last_s":10,"collect_set_tag":["a","b",["z",1]],"collect_list_tag":["b","a","b",["z",1]],"count_distinct_tag":3,"approx_percentile_n":2.5}' \
	"$(cat "$T/got")" "all aggregates"
assert_eq "" "$(cat "$T/err")" "all aggregates: no messages"

# Spark spellings, default names and quoting
window -T t -s 1h -a 'COUNT(*) AS c, count(1), count(distinct tag), sum(n)' \
	-a 'mean(n) as `avg n`, percentile_approx(n, array(0, 1)) as "p"' -a 'max(t)' <"$T/in" >"$T/got"
assert_eq '{"window":{"start":"2026-01-01T00:00:00.000Z","end":"2026-01-01T01:00:00.000Z"},"c":5,"count":5,"count_distinct_tag":3,"sum_n":6.5,"avg n":2.1666666666666665,"p":[1,3],"max_t":"2026-01-01T00:00:09.000Z"}' \
	"$(cat "$T/got")" "Spark spellings and default names"
# default aggregate
assert_eq '{"window":{"start":"2026-01-01T00:00:00.000Z","end":"2026-01-01T01:00:00.000Z"},"count":5}' \
	"$(window -T t -s 1h <"$T/in")" "default aggregate: count() as count"

# integer sums are exact, then become doubles past 64 bits; all-null inputs
printf '%s\n' '{"t":0,"v":9007199254740993}' '{"t":1,"v":1}' '{"t":2,"w":null}' >"$T/in"
assert_eq '{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:01.000Z"},"s":9007199254740994,"w":null,"a":null,"m":null,"f":null,"l":[],"cs":[],"cd":0,"p":null}' \
	"$(window -T t -s 1s -a 'sum(v) as s, sum(w) as w, avg(w) as a, min(w) as m, first(zz) as f' \
		-a 'collect_list(w) as l, collect_set(w) as cs, count_distinct(w) as cd' \
		-a 'approx_percentile(w, 0.5) as p' <"$T/in")" "exact integer sum; aggregates of nothing"
printf '%s\n' '{"t":0,"v":9223372036854775807}' '{"t":1,"v":10}' >"$T/in"
assert_eq '{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:01.000Z"},"s":9.223372036854776e+18}' \
	"$(window -T t -s 1s -a 'sum(v) as s' <"$T/in")" "sum past int64 becomes a double"

# first/last by event time, not arrival; equal times keep arrival order
printf '%s\n' '{"t":5,"v":"b"}' '{"t":1,"v":"a1"}' '{"t":9,"v":"z1"}' '{"t":1,"v":"a2"}' \
	'{"t":9,"v":"z2"}' '{"t":3,"v":null}' >"$T/in"
assert_eq '["a1","z2"]' "$(window -T t -s 1s -a 'first(v) as f, last(v) as l' <"$T/in" | jq -c '[.f,.l]')" \
	"first/last by event time"

# collect_set: jq order, duplicates by value (1 and 1.0, escaped strings)
printf '%s\n' '{"t":0,"v":"b"}' '{"t":0,"v":1.0}' '{"t":0,"v":{"x":1}}' '{"t":0,"v":[2]}' \
	'{"t":0,"v":false}' '{"t":0,"v":"\u0062"}' '{"t":0,"v":1}' '{"t":0,"v":-3}' '{"t":0,"v":"a"}' >"$T/in"
assert_eq '{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:01.000Z"},"s":[false,-3,1.0,"a","b",[2],{"x":1}],"d":7}' \
	"$(window -T t -s 1s -a 'collect_set(v) as s, count_distinct(v) as d' <"$T/in")" \
	"collect_set order and distinctness"

# approx_percentile: exact below ACCURACY/2 values; within rank eps*n beyond
$PY -c 'import random; r = random.Random(7)
for i in range(3000): print("{\"t\":%d,\"v\":%d}" % (i, r.randrange(100000)))' >"$T/nums"
window -T t -s 1h -a 'approx_percentile(v, [0, 0.1, 0.5, 0.9, 0.99, 1]) as exact' \
	-a 'approx_percentile(v, [0, 0.1, 0.5, 0.9, 0.99, 1], 20) as rough' <"$T/nums" >"$T/p"
$PY - "$T/nums" "$T/p" <<'PY' >"$T/pcheck"
import json, math, sys
vals = sorted(json.loads(l)["v"] for l in open(sys.argv[1]))
row = json.loads(open(sys.argv[2]).read())
n = len(vals)
ps = [0, 0.1, 0.5, 0.9, 0.99, 1]
want = [vals[min(max(math.ceil(p * n), 1), n) - 1] for p in ps]
print("exact", row["exact"] == want)
ok = True
for p, got in zip(ps, row["rough"]):
    r = min(max(math.ceil(p * n), 1), n)
    lo, hi = vals.index(got) + 1, n - vals[::-1].index(got)  # ranks the value occupies
    if got not in vals or max(0, lo - r, r - hi) > n / 20:
        ok = False
        print("p", p, "value", got, "ranks", lo, hi, "target", r)
print("bounded", ok)
PY
assert_eq "exact True
bounded True" "$(cat "$T/pcheck")" "approx_percentile: exact, and within eps*n with accuracy 20"

# ... and after merging sessions: six sessions of 700 numbers each, bridged into one
$PY -c 'import random; r = random.Random(3)
for c in range(6):
    for i in range(700): print("{\"t\":%d,\"v\":%d}" % (c * 100000 + i, r.randrange(10**6)))
for t in range(700, 600000, 5000): print("{\"t\":%d,\"v\":%d}" % (t, r.randrange(10**6)))' >"$T/nums"
window -T t --session 10s -w 1h -a 'approx_percentile(v, [0, 0.1, 0.5, 0.9, 0.99, 1], 20) as rough' \
	-a 'approx_percentile(v, [0, 0.1, 0.5, 0.9, 0.99, 1]) as exact' <"$T/nums" >"$T/p"
assert_eq 1 "$(lines "$T/p")" "merged sessions: one session"
$PY - "$T/nums" "$T/p" <<'PY' >"$T/pcheck"
import json, math, sys
vals = sorted(json.loads(l)["v"] for l in open(sys.argv[1]))
row = json.loads(open(sys.argv[2]).read())
n = len(vals)
ps = [0, 0.1, 0.5, 0.9, 0.99, 1]
print("exact", row["exact"] == [vals[min(max(math.ceil(p * n), 1), n) - 1] for p in ps])
ok = True
for p, got in zip(ps, row["rough"]):
    r = min(max(math.ceil(p * n), 1), n)
    lo, hi = vals.index(got) + 1, n - vals[::-1].index(got)
    ok = ok and got in vals and max(0, lo - r, r - hi) <= n / 20
print("bounded", ok)
PY
assert_eq "exact True
bounded True" "$(cat "$T/pcheck")" "approx_percentile of merged sessions: exact, and within eps*n"

# ---- keys: several, missing ones group as null, equal JSON values group together,
# rows closed together in (end, start, key) order with keys in jq order
cat >"$T/in" <<'J'
{"t":1500,"a":"x","b":2}
{"t":1000,"a":"x","b":2.0}
{"t":1200,"b":1}
{"t":500,"a":"\u0078","b":2}
{"t":100,"a":"w","b":{"z":1}}
{"t":600,"a":10,"b":1}
J
window -T t -k a,b -s 1s -S 500ms -w 1d <"$T/in" >"$T/got"
cat >"$T/want" <<'J'
{"window":{"start":"1969-12-31T23:59:59.500Z","end":"1970-01-01T00:00:00.500Z"},"a":"w","b":{"z":1},"count":1}
{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:01.000Z"},"a":10,"b":1,"count":1}
{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:01.000Z"},"a":"w","b":{"z":1},"count":1}
{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:01.000Z"},"a":"x","b":2,"count":1}
{"window":{"start":"1970-01-01T00:00:00.500Z","end":"1970-01-01T00:00:01.500Z"},"a":null,"b":1,"count":1}
{"window":{"start":"1970-01-01T00:00:00.500Z","end":"1970-01-01T00:00:01.500Z"},"a":10,"b":1,"count":1}
{"window":{"start":"1970-01-01T00:00:00.500Z","end":"1970-01-01T00:00:01.500Z"},"a":"x","b":2,"count":2}
{"window":{"start":"1970-01-01T00:00:01.000Z","end":"1970-01-01T00:00:02.000Z"},"a":null,"b":1,"count":1}
{"window":{"start":"1970-01-01T00:00:01.000Z","end":"1970-01-01T00:00:02.000Z"},"a":"x","b":2,"count":2}
{"window":{"start":"1970-01-01T00:00:01.500Z","end":"1970-01-01T00:00:02.500Z"},"a":"x","b":2,"count":1}
J
assert_file_eq "$T/want" "$T/got" "keys: grouping and row order"
# nested key paths name the output field by their last component
assert_eq '"d"' "$(echo '{"t":0,"p":{"dev":"d"}}' | window -T t -k p.dev -s 1s | jq -c '.dev')" \
	"nested key path"

# ---- session windows: aggregates of merged sessions
printf '%s\n' '{"t":0,"u":"a","v":1}' '{"t":20000,"u":"a","v":3}' '{"t":10000,"u":"a","v":2}' \
	'{"t":2000,"u":"b","v":9}' >"$T/in"
assert_eq '{"window":{"start":"1970-01-01T00:00:02.000Z","end":"1970-01-01T00:00:12.000Z"},"u":"b","n":1,"l":[9],"f":9,"la":9,"s":9}
{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:30.000Z"},"u":"a","n":3,"l":[1,3,2],"f":1,"la":3,"s":6}' \
	"$(window -T t -k u --session 10s -w 1h -a 'count() as n, collect_list(v) as l, first(v) as f, last(v) as la, sum(v) as s' <"$T/in")" \
	"session merge of three events"

# ---- Kafka partitions: the watermark is the minimum over partitions seen
kev() { printf '{"t":%d,"_kafka":{"topic":"e","partition":%d,"offset":%d}}\n' "$1" "$2" "$3"; }
{ kev 0 0 0; kev 0 1 0; kev 100000 0 1; kev 5000 1 1; kev 100000 1 2; } >"$T/in"
window -T t -s 10s --late "$T/plate" <"$T/in" >"$T/got"
assert_eq '{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:10.000Z"},"count":3}
{"window":{"start":"1970-01-01T00:01:40.000Z","end":"1970-01-01T00:01:50.000Z"},"count":2}' \
	"$(cat "$T/got")" "per-partition watermark: partition 1's event at 5 s is not late"
assert_eq 0 "$(lines "$T/plate")" "per-partition watermark: nothing late"
# without Kafka metadata the same events share one watermark: 5 s is late
jq -c 'del(._kafka)' <"$T/in" | window -T t -s 10s --late "$T/plate2" >"$T/got"
assert_eq 1 "$(lines "$T/plate2")" "one watermark: the event at 5 s is late"
assert_eq '{"t":5000}' "$(cat "$T/plate2")" "late file holds the event as it came"

# ---- --max-keys
# a's window closes (and a leaves the state) before c and d arrive: d is the third key
printf '%s\n' '{"t":0,"k":"a"}' '{"t":5000,"k":"b"}' '{"t":5100,"k":"c"}' '{"t":5200,"k":"d"}' >"$T/in"
window -T t -k k -s 1s --max-keys 2 <"$T/in" >"$T/got" 2>"$T/err"
assert_eq 1 $? "--max-keys: exit status"
assert_grep 'window: <stdin>:4: more than 2 keys with open windows \(--max-keys\); key "d"' "$T/err" \
	"--max-keys: message"
assert_eq '{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:01.000Z"},"k":"a","count":1}' \
	"$(cat "$T/got")" "--max-keys: windows closed before are written"

# ---- usage errors
usage() { # usage MESSAGE_REGEX ARGS...
	_re=$1
	shift
	echo '{"timestamp":0}' | window "$@" >"$T/uo" 2>"$T/ue"
	assert_eq 2 $? "usage: window $*"
	assert_grep "$_re" "$T/ue" "usage message for: window $*"
	assert_grep "try 'window --help'" "$T/ue" "usage hint for: window $*"
}
usage 'a window is required' -k user
usage '-S .* is longer than -s' -s 1m -S 2m
usage 'cannot be combined' -s 1m --session 5m
usage 'unknown aggregate function median' -s 1m -a 'median(x)'
usage 'expected FUNC\(FIELD\)' -s 1m -a 'count'
usage 'needs a percentage' -s 1m -a 'approx_percentile(x)'
usage 'percentages must be numbers in \[0, 1\]' -s 1m -a 'approx_percentile(x, 1.5)'
usage 'takes one argument' -s 1m -a 'sum(x, y)'
usage 'unexpected text' -s 1m -a 'sum(x) bogus'
usage '--emit: expected final, update or every' -s 1m --emit sometimes
usage '--flush only makes sense with --checkpoint' -s 1m --flush
usage 'more than 1000 windows' -s 1d -S 1s
usage '-s: not a positive duration' -s 0s
usage '-w: not a duration' -s 1m -w -5m
window -h >"$T/help"
assert_eq 0 $? "--help: exit status"
assert_grep '^usage: window' "$T/help" "--help on stdout"

# ---- bad input: reported, counted, rejected; good lines around them kept
printf '%s\n' '{"timestamp":"2026-01-01T00:00:00Z","v":1}' 'not json' '[1,2]' '{"v":2}' \
	'{"timestamp":"yesterday"}' '{"timestamp":true}' '{"timestamp":"12026-01-01T00:00:00Z"}' \
	'{"timestamp":1e17}' '{"timestamp":"2026-01-01T00:00:30Z","v":3}' >"$T/in"
printf '{"timestamp":"2026-01-01T00:00:40Z","bad":"\xff\xfe"}\n' >>"$T/in"
head -c 3000 /dev/urandom | tr -d '\n' >>"$T/in"
printf '\n{"timestamp":"2026-01-01T00:00:50Z","v":4}\n' >>"$T/in"
window -s 1m -a 'collect_list(v) as v' --reject "$T/rej" <"$T/in" >"$T/got" 2>"$T/err"
assert_eq 0 $? "bad input: exit status"
assert_eq '{"window":{"start":"2026-01-01T00:00:00.000Z","end":"2026-01-01T00:01:00.000Z"},"v":[1,3,4]}' \
	"$(cat "$T/got")" "bad input: good records counted"
assert_grep '^window: <stdin>:2: invalid JSON at column 1' "$T/err" "bad input: not JSON"
assert_grep '^window: <stdin>:3: not a JSON object' "$T/err" "bad input: array"
assert_grep '^window: <stdin>:4: no event time: field timestamp is missing' "$T/err" "bad input: no time"
assert_grep '^window: <stdin>:5: field timestamp: not an RFC 3339 time or epoch milliseconds' "$T/err" \
	"bad input: unparseable time"
assert_grep '^window: <stdin>:6: field timestamp: not an RFC 3339' "$T/err" "bad input: boolean time"
assert_grep '^window: <stdin>:7: field timestamp: not an RFC 3339' "$T/err" "bad input: 5-digit year"
assert_grep '^window: <stdin>:8: field timestamp: event time outside the years 0000-9999' "$T/err" \
	"bad input: time out of range"
assert_grep '^window: <stdin>:10: ' "$T/err" "bad input: invalid UTF-8"
assert_grep '^window: <stdin>:11: ' "$T/err" "bad input: binary garbage"
assert_eq 9 "$(lines "$T/rej")" "bad input: reject file"
assert_eq '{"line":4,"file":"<stdin>","error":"no event time: field timestamp is missing","input":"{\"v\":2}"}' \
	"$(sed -n 3p "$T/rej")" "bad input: reject record"
# --strict: stops at the first bad line as if the input ended there
window -s 1m -a 'collect_list(v) as v' --strict <"$T/in" >"$T/got" 2>/dev/null
assert_eq 4 $? "--strict: exit status"
assert_eq '[1]' "$(jq -c .v "$T/got")" "--strict: records before the bad line"
# over-long lines
{ printf '{"timestamp":0,"pad":"%s"}\n' "$(head -c 3000 /dev/zero | tr '\0' x)"; echo '{"timestamp":1}'; } |
	window -s 1s --max-line 1K >"$T/got" 2>"$T/err"
assert_eq 0 $? "long line: exit status"
assert_grep '<stdin>:1: line longer than --max-line' "$T/err" "long line: reported"
assert_eq 1 "$(jq .count "$T/got")" "long line: skipped, next line counted"
# empty input
window -s 1m </dev/null >"$T/got" 2>"$T/err"
assert_eq 0 $? "empty input: exit status"
assert_eq 0 "$(wc -c <"$T/got")" "empty input: no rows"
# an unreadable file
window -s 1m "$T/missing" 2>"$T/err"
assert_eq 1 $? "missing file: exit status"
assert_grep "window: $T/missing: No such file or directory" "$T/err" "missing file: message"

# ---- a closed stdout: quiet exit 0
$PY -c 'for i in range(200000): print("{\"timestamp\":%d,\"k\":%d}" % (i * 10, i))' >"$T/many"
window -k k -s 1s <"$T/many" 2>"$T/err" | head -1 >/dev/null
assert_eq 0 "${PIPESTATUS[0]}" "EPIPE: exit status"
assert_eq "" "$(cat "$T/err")" "EPIPE: no messages"

# ---- SIGTERM: lines already read are processed, open windows written, exit 0
rm -f "$T/fifo"
mkfifo "$T/fifo"
window -T t -s 1m -u -a 'count() as n' --late "$T/tlate" <"$T/fifo" >"$T/got" 2>"$T/err" &
pid=$!
exec 7>"$T/fifo"
printf '%s\n' '{"t":0}' '{"t":1000}' '{"t":70000}' '{"t":5}' >&7
wait_for "the first window" 20 test -s "$T/got"
wait_for "the late event" 20 test -s "$T/tlate"
kill -TERM $pid
wait $pid
assert_eq 0 $? "SIGTERM: exit status"
exec 7>&-
assert_eq '2 1' "$(jq -r .n "$T/got" | tr '\n' ' ' | sed 's/ $//')" "SIGTERM: open window written"

# ---- --idle-advance: a quiet input still closes its windows
rm -f "$T/fifo"
mkfifo "$T/fifo"
window -T t -s 1s --idle-advance 100ms --late "$T/ilate" <"$T/fifo" >"$T/got" 2>"$T/err" &
pid=$!
exec 7>"$T/fifo"
echo '{"t":0}' >&7
wait_for "the idle watermark to close [0, 1s)" 20 test -s "$T/got"
echo '{"t":999}' >&7 # behind the advanced watermark: late
wait_for "the late event" 20 test -s "$T/ilate"
exec 7>&-
wait $pid
assert_eq 0 $? "--idle-advance: exit status"
assert_eq '{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:01.000Z"},"count":1}' \
	"$(cat "$T/got")" "--idle-advance: window closed by wall time"
assert_eq '{"t":999}' "$(cat "$T/ilate")" "--idle-advance: later event is late"

# ---- -v summary
printf '%s\n' '{"t":0}' '{"t":5000}' '{"t":1}' >"$T/in"
window -T t -s 1s -v <"$T/in" >/dev/null 2>"$T/err"
assert_grep '^window: lines=3 events=3 late=1 replayed=0 rejected=0 rows=2 open=0 keys=0' "$T/err" \
	"-v summary"

done_testing
