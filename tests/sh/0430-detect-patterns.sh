#!/bin/bash
# detect: sequence patterns — contiguity, quantifiers, within, skip strategy, keys,
# event-time order with -w, and the examples of Flink's CEP documentation.
. "$(dirname "$0")/helpers.sh"

# cep PATTERN "TOKENS" [OPTIONS...]: one event per token, a second apart; its
# event_type is the token in lower case without digits ("B2" is a "b"). Prints
# each match as {TOKENS}, one per line.
cep() {
	_pat=$1 _toks=$2
	shift 2
	_i=0
	for _t in $_toks; do
		printf '{"id":"%s","event_type":"%s","timestamp":"2026-01-01T00:%02d:%02d.000Z"}\n' \
			"$_t" "$(echo "$_t" | tr -d '0-9' | tr 'A-Z' 'a-z')" $((_i / 60)) $((_i % 60))
		_i=$((_i + 1))
	done >"$T/cep.in"
	detect -r "pattern p: $_pat" "$@" <"$T/cep.in" >"$T/cep.out" 2>"$T/cep.err" ||
		fail "detect -r 'pattern p: $_pat' failed: $(cat "$T/cep.err")"
	jq -r --slurpfile ev "$T/cep.in" \
		'($ev | map({key: .timestamp, value: .id}) | from_entries) as $m |
		 "{" + ([.events[] | $m[.]] | join(" ")) + "}"' "$T/cep.out"
}
# match PATTERN "TOKENS" "EXPECTED MATCHES" [OPTIONS...]
match() {
	_got=$(cep "$1" "$2" "${@:4}")
	assert_eq "$3" "$(echo $_got)" "pattern '$1' over '$2' ${*:4}"
}

# -- Flink CEP documentation, "Combining Patterns" (docs/content/docs/libs/cep.md in
#    apache/flink): a pattern "a b" over "a", "c", "b1", "b2" gives, with strict
#    contiguity, {} (no match); with relaxed contiguity, {a b1}.
match 'a => b' 'a c b1 b2' ''
match 'a -> b' 'a c b1 b2' '{a b1}'

# -- "Contiguity within looping patterns": "a b+ c" over a b1 d1 b2 d2 b3 c with
#    relaxed contiguity (the default for looping patterns) gives {a b1 c},
#    {a b1 b2 c}, {a b1 b2 b3 c}, {a b2 c}, {a b2 b3 c}, {a b3 c} under NO_SKIP.
#    detect's quantifiers are greedy and it skips past the last event, so it
#    reports the one match among those that takes every b: {a b1 b2 b3 c}.
match 'a -> b+ -> c' 'a b1 d1 b2 d2 b3 c' '{a b1 b2 b3 c}'

# -- "consecutive()": c, then a+ (relaxed), then b over C D A1 A2 A3 D A4 B gives
#    without consecutive {C A1 B}, {C A1 A2 B}, {C A1 A2 A3 B}, {C A1 A2 A3 A4 B};
#    greedy: the last.
match 'c -> a+ -> b' 'C D A1 A2 A3 D A4 B' '{C A1 A2 A3 A4 B}'

# -- "After Match Skip Strategy": pattern b+ c over b1 b2 b3 c; SKIP_PAST_LAST_EVENT
#    gives only b1 b2 b3 c ("the match process will discard all started partial
#    matches"; NO_SKIP would add b2 b3 c and b3 c).
match 'b+ -> c' 'b1 b2 b3 c' '{b1 b2 b3 c}'
match 'b+ => c' 'b1 b2 b3 c' '{b1 b2 b3 c}'
#    Pattern (a | b | c) (b | c) c+.greedy d over a b c1 c2 c3 d: NO_SKIP gives
#    a b c1 c2 c3 d, b c1 c2 c3 d, c1 c2 c3 d; skipping past the last event keeps
#    the first, which started earliest.
match 'event_type in ["a","b","c"] -> event_type in ["b","c"] -> c+ -> d' 'a b c1 c2 c3 d' \
	'{a b c1 c2 c3 d}'
match 'event_type in ["a","b","c"] => event_type in ["b","c"] => c+ => d' 'a b c1 c2 c3 d' \
	'{a b c1 c2 c3 d}'
#    Pattern a b+ over a b1 b2 b3: SKIP_TO_NEXT gives a b1 (NO_SKIP adds a b1 b2 and
#    a b1 b2 b3); a last quantified step completes at its minimum, and skipping past
#    b1 leaves no "a" to start another.
match 'a -> b+' 'a b1 b2 b3' '{a b1}'

# -- strict and relaxed contiguity
match 'a => b => c' 'a b c' '{a b c}'
match 'a => b => c' 'a b x c' ''
match 'a => b -> c' 'a b x y c' '{a b c}'
match 'a -> b => c' 'a x b c' '{a b c}'
# followedBy is deterministic: a run that took b1 does not wait for another b, so
# when x breaks the strict step the partial match is gone (as in Flink)
match 'a -> b => c' 'a b x c b c' ''
# repetitions of a step may be apart; => binds the next step to the last one
match 'a{2} => b' 'a1 a2 b' '{a1 a2 b}'
match 'a{2} => b' 'a1 x a2 b' '{a1 a2 b}'
match 'a{2} => b' 'a1 a2 x b' ''
match 'a{2} => b' 'a1 a2 x a3 b' '{a2 a3 b}'
# strict repetitions are written out
match 'a => a => b' 'a1 x a2 a3 b' '{a2 a3 b}'

# -- quantifiers
match 'a{3} -> b' 'a1 a2 x a3 a4 b' '{a1 a2 a3 b}'
match 'a{3} -> b' 'a1 a2 b' ''
match 'a{2,} -> b' 'a1 x a2 a3 b' '{a1 a2 a3 b}'
match 'a{2,} -> b' 'a1 b' ''
match 'a{1,2} -> b' 'a1 a2 a3 b' '{a1 a2 b}'
match 'a{2,3} => b' 'a1 a2 a3 a4 b' '{a2 a3 a4 b}'
match 'a+ -> b' 'x a1 a2 b' '{a1 a2 b}'
match 'a -> b? -> c' 'a x c' '{a c}'
match 'a -> b? -> c' 'a b c' '{a b c}'
match 'a -> b? -> c' 'a b1 b2 c' '{a b1 c}'
match 'a -> b* -> c' 'a b1 b2 c' '{a b1 b2 c}'
match 'a -> b* -> c' 'a c' '{a c}'
match 'x? -> y' 'y1' '{y1}'
match 'x? -> y' 'x1 y1' '{x1 y1}'
match 'a{0,2} => b' 'a1 a2 a3 b' '{a2 a3 b}'
match 'a' 'x a1 a2' '{a1} {a2}'
match 'a{2}' 'a1 a2 a3 a4 a5' '{a1 a2} {a3 a4}'
match 'a{ 2 , }' 'a1 a2' '{a1 a2}'

# -- after a match, matching skips past its last event
match 'a -> b' 'a1 a2 b1 b2' '{a1 b1}'
match 'a -> b' 'a1 b1 a2 b2' '{a1 b1} {a2 b2}'
match 'a -> a' 'a1 a2 a3 a4 a5' '{a1 a2} {a3 a4}'

# -- steps are expressions; a bare word is event_type == "word"
printf '%s\n' '{"event_type":"login","n":1,"timestamp":1000}' \
	'{"event_type":"login","n":5,"timestamp":2000}' '{"event_type":"buy","timestamp":3000}' |
	detect -r 'pattern big: (event_type == "login" && n > 2) -> buy' >"$T/out"
assert_eq '{"rule":"big","events":["1970-01-01T00:00:02.000Z","1970-01-01T00:00:03.000Z"],"start":"1970-01-01T00:00:02.000Z","end":"1970-01-01T00:00:03.000Z","count":2}' \
	"$(cat "$T/out")" "expression step; alert row without a key"

# -- within: last - first strictly less than the bound
w() { printf '{"event_type":"%s","timestamp":%d}\n' "$1" "$2"; }
{ w a 0; w b 5000; } | detect -r 'pattern p: a -> b within 5s' >"$T/out"
assert_eq 0 "$(wc -c <"$T/out")" "within: exactly the bound is no match"
{ w a 0; w b 4999; } | detect -r 'pattern p: a -> b within 5s' | jq -c .events >"$T/out"
assert_eq '["1970-01-01T00:00:00.000Z","1970-01-01T00:00:04.999Z"]' "$(cat "$T/out")" \
	"within: 1 ms less matches"
# a later start can still match when an earlier one has timed out
{ w a 0; w a 3000; w b 7000; } | detect -r 'pattern p: a -> b within 5s' | jq -c .events >"$T/out"
assert_eq '["1970-01-01T00:00:03.000Z","1970-01-01T00:00:07.000Z"]' "$(cat "$T/out")" \
	"within: the earliest start still in bounds"
{ w f 0; w f 100; w f 200; w f 300; w s 400; } |
	detect -r 'pattern p: f{3,} -> s within 350ms' | jq -c .events >"$T/out"
assert_eq '["1970-01-01T00:00:00.100Z","1970-01-01T00:00:00.200Z","1970-01-01T00:00:00.300Z","1970-01-01T00:00:00.400Z"]' \
	"$(cat "$T/out")" "within with a greedy step"
{ w a 0; w b 60000; } | detect -r 'pattern p: a -> b within 10 minutes' | jq -r .count >"$T/out"
assert_eq 2 "$(cat "$T/out")" "within in Spark's words"

# -- keys: patterns match per key; strictness counts the key's own events only
k() { printf '{"u":"%s","event_type":"%s","timestamp":%d}\n' "$1" "$2" "$3"; }
{ k u1 a 1; k u2 x 2; k u2 a 3; k u1 b 4; k u2 b 5; } >"$T/keyed"
detect -r 'pattern p: a => b by u' <"$T/keyed" | jq -c '[.u, .count, .start]' >"$T/out"
printf '%s\n' '["u1",2,"1970-01-01T00:00:00.001Z"]' '["u2",2,"1970-01-01T00:00:00.003Z"]' >"$T/want"
assert_file_eq "$T/want" "$T/out" "keyed strict pattern"
detect -r 'pattern p: a => b' <"$T/keyed" | jq -c .events >"$T/out"
assert_eq '["1970-01-01T00:00:00.003Z","1970-01-01T00:00:00.004Z"]' "$(cat "$T/out")" \
	"without a key every event counts for strictness"
detect -r 'by u' -r 'pattern p: a => b' <"$T/keyed" | jq -r .u >"$T/out"
assert_eq "u1 u2" "$(echo $(cat "$T/out"))" "the rules' by is the default key"
detect -r 'pattern p: a => b by u' --by nothing <"$T/keyed" | jq -r .u >"$T/out"
assert_eq "u1 u2" "$(echo $(cat "$T/out"))" "a pattern's own by wins over --by"
printf '%s\n' '{"p":{"device":"d1"},"event_type":"a","timestamp":1}' \
	'{"p":{"device":"d1"},"event_type":"b","timestamp":2}' |
	detect -r 'pattern p: a -> b by p.device' | jq -c 'del(.events)' >"$T/out"
assert_eq '{"rule":"p","device":"d1","start":"1970-01-01T00:00:00.001Z","end":"1970-01-01T00:00:00.002Z","count":2}' \
	"$(cat "$T/out")" "key member named by the path's last segment"
# records without the key field do not take part
{ k u1 a 1; printf '{"event_type":"b","timestamp":2}\n'; k u1 b 3; } |
	detect -r 'pattern p: a => b by u' | jq -c .events >"$T/out"
assert_eq '["1970-01-01T00:00:00.001Z","1970-01-01T00:00:00.003Z"]' "$(cat "$T/out")" \
	"keyless records are ignored by keyed patterns"

# -- cooldown applies to pattern alerts, per key, by the match's last event
{ k u1 a 0; k u1 b 1000; k u1 a 2000; k u1 b 3000; k u2 a 3500; k u2 b 4000; k u1 a 700000; k u1 b 700001; } |
	detect -r 'pattern p: a -> b by u' --cooldown 10m | jq -c '[.u, .end]' >"$T/out"
printf '%s\n' '["u1","1970-01-01T00:00:01.000Z"]' '["u2","1970-01-01T00:00:04.000Z"]' \
	'["u1","1970-01-01T00:11:40.001Z"]' >"$T/want"
assert_file_eq "$T/want" "$T/out" "pattern cooldown"

# -- --pass lists the pattern on the event that completed it, then the alert row
{ w a 1; w b 2; } | detect --pass -r 'pattern p: a -> b' -r 'isb: event_type == "b"' >"$T/out"
cat >"$T/want" <<'J'
{"event_type":"a","timestamp":1,"alerts":[]}
{"event_type":"b","timestamp":2,"alerts":["isb","p"]}
{"rule":"p","events":["1970-01-01T00:00:00.001Z","1970-01-01T00:00:00.002Z"],"start":"1970-01-01T00:00:00.001Z","end":"1970-01-01T00:00:00.002Z","count":2}
J
assert_file_eq "$T/want" "$T/out" "--pass with a pattern"

# -- out-of-order input: -w sorts by event time before matching
{ w a 1000; w c 3000; w b 2000; w x 9000; } >"$T/ooo"
detect -r 'pattern p: a => b => c' <"$T/ooo" >"$T/out"
assert_eq 0 "$(wc -c <"$T/out")" "arrival order: no match"
detect -r 'pattern p: a => b => c' -w 2s <"$T/ooo" | jq -c .events >"$T/out"
assert_eq '["1970-01-01T00:00:01.000Z","1970-01-01T00:00:02.000Z","1970-01-01T00:00:03.000Z"]' \
	"$(cat "$T/out")" "-w: event-time order"
# an event behind the watermark is late: counted, to --late, not matched
{ w a 1000; w x 5000; w b 1500; w b 6000; } |
	detect -r 'pattern p: a -> b' -w 2s --late "$T/late" -v 2>"$T/err" | jq -c .events >"$T/out"
assert_eq '["1970-01-01T00:00:01.000Z","1970-01-01T00:00:06.000Z"]' "$(cat "$T/out")" \
	"late event not matched"
assert_eq '{"event_type":"b","timestamp":1500}' "$(cat "$T/late")" "late event written"
assert_grep 'late=1' "$T/err" "late event counted"
# with Kafka metadata the watermark is per partition, the slowest counting: b from
# the lagging partition 1 is on time
kp() { printf '{"event_type":"%s","timestamp":%d,"_kafka":{"topic":"t","partition":%d,"offset":%d}}\n' "$@"; }
{ kp a 1000 0 0; kp y 1500 1 0; kp x 50000 0 1; kp b 2000 1 1; } >"$T/parts"
detect -r 'pattern p: a -> b' -w 1s <"$T/parts" | jq -c .events >"$T/out"
assert_eq '["1970-01-01T00:00:01.000Z","1970-01-01T00:00:02.000Z"]' "$(cat "$T/out")" \
	"per-partition watermark"
jq -c 'del(._kafka)' "$T/parts" | detect -r 'pattern p: a -> b' -w 1s >"$T/out"
assert_eq 0 "$(wc -c <"$T/out")" "one watermark for all: b is late"
# a shuffled stream of keyed attacks gives the same alerts as the sorted one
for u in 1 2 3 4 5 6 7 8; do
	for j in 0 1 2 3 4; do k "u$u" failed_login $((u * 10000 + j * 1000)); done
	k "u$u" successful_login $((u * 10000 + 5000))
	k "u$u" page_view $((u * 10000 + 5500))
done >"$T/sorted"
shuf --random-source=<(yes) "$T/sorted" >"$T/shuffled"
detect -r 'pattern bf: failed_login{3,} -> successful_login within 1m by u' <"$T/sorted" >"$T/a"
detect -r 'pattern bf: failed_login{3,} -> successful_login within 1m by u' -w 100s <"$T/shuffled" >"$T/b"
assert_eq 8 "$(lines "$T/a")" "one alert per attacker"
assert_file_eq "$T/a" "$T/b" "shuffled input with -w matches like sorted input"

# -- bounded memory
# keys get an entry only to start a partial match (u7 and u8 here, not the 300
# others); entries left without one go at the next sweep
{ for i in $(seq 1 300); do k "u$i" page_view "$i"; done; k u7 a 400; k u8 a 401; k u7 b 402; } >"$T/sparse"
detect -r 'pattern p: a -> b within 1m by u' -v <"$T/sparse" 2>&1 >/dev/null | grep -o 'keys=[0-9]*' >"$T/out"
assert_eq "keys=2" "$(cat "$T/out")" "entries only for keys that started a match"
k u9 page_view 600000 >>"$T/sparse"
detect -r 'pattern p: a -> b within 1m by u' -v <"$T/sparse" 2>&1 >/dev/null | grep -o 'keys=[0-9]*' >"$T/out"
assert_eq "keys=0" "$(cat "$T/out")" "entries without partial matches swept"
# the events list keeps 256 times; count and end say the rest
{ for i in $(seq 1 300); do w a "$i"; done; w b 1000; } |
	detect -r 'pattern p: a{300} -> b' | jq -c '[(.events | length), .count, .end]' >"$T/out"
assert_eq '[256,301,"1970-01-01T00:00:01.000Z"]' "$(cat "$T/out")" "long match"
# --max-partial drops the oldest partial matches, and says so
{ for i in 1 2 3 4 5; do w a "$i"; done; w b 10; } |
	detect -r 'pattern p: a -> b within 1h' --max-partial 2 2>"$T/err" | jq -c .start >"$T/out"
assert_eq '"1970-01-01T00:00:00.004Z"' "$(cat "$T/out")" "oldest partial matches dropped"
assert_eq "detect: 3 partial matches dropped at --max-partial 2" "$(cat "$T/err")" "drops reported"
# without within, partial matches in the same state merge: 20000 a's keep one
{ for i in $(seq 1 20000); do w a "$i"; done; w b 30000; } |
	detect -r 'pattern p: a+ -> b' --max-partial 5 2>"$T/err" | jq -c '[.count, .start]' >"$T/out"
assert_eq '[20001,"1970-01-01T00:00:00.001Z"]' "$(cat "$T/out")" "merged partial matches"
assert_eq "" "$(cat "$T/err")" "nothing dropped when merged"

done_testing
