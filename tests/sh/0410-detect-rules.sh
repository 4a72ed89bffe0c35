#!/bin/bash
# detect: rules over records, --pass, rules-file syntax and its errors, bad input,
# the reject channel, EPIPE and SIGTERM.
. "$(dirname "$0")/helpers.sh"

cat >"$T/rows" <<'J'
{"user_id":"u1","event_count":150,"event_types":["click","page_view"]}
{"user_id":"u2","event_count":12,"event_types":["a","b","c","d","e","failed_login"]}
{"user_id":"u3","event_count":12,"event_types":["a","b","c","d","failed_login"]}
{"user_id":"u4","event_count":101,"event_types":["failed_login","a","b","c","d","e"]}
{ "user_id" : "u5" , "event_count" : 7 }
{}
J

# one output row per matching rule, rule order, the input row as it came
detect -r 'suspicious: event_count > 100 || (contains(event_types, "failed_login") && size(event_types) > 5)' \
	-r 'busy: event_count >= 100' -r 'quiet: event_count < 10' <"$T/rows" >"$T/out" 2>"$T/err"
assert_eq 0 $? "exit status"
cat >"$T/want" <<'J'
{"user_id":"u1","event_count":150,"event_types":["click","page_view"],"rule":"suspicious"}
{"user_id":"u1","event_count":150,"event_types":["click","page_view"],"rule":"busy"}
{"user_id":"u2","event_count":12,"event_types":["a","b","c","d","e","failed_login"],"rule":"suspicious"}
{"user_id":"u4","event_count":101,"event_types":["failed_login","a","b","c","d","e"],"rule":"suspicious"}
{"user_id":"u4","event_count":101,"event_types":["failed_login","a","b","c","d","e"],"rule":"busy"}
{ "user_id" : "u5" , "event_count" : 7 ,"rule":"quiet"}
J
assert_file_eq "$T/want" "$T/out" "alert rows"
assert_eq "" "$(cat "$T/err")" "no messages"

# the seed's Spark SQL spelling works as written
detect -r "suspicious: event_count > 100 OR (array_contains(event_types, 'failed_login') AND size(event_types) > 5)" \
	<"$T/rows" | jq -r .user_id >"$T/sql"
assert_eq "u1 u2 u4" "$(echo $(cat "$T/sql"))" "Spark SQL spelling"

# --pass: every row once, with the names of the rules it triggered
detect --pass -r 'busy: event_count >= 100' -r 'fl: "failed_login" in event_types' <"$T/rows" >"$T/out"
cat >"$T/want" <<'J'
{"user_id":"u1","event_count":150,"event_types":["click","page_view"],"alerts":["busy"]}
{"user_id":"u2","event_count":12,"event_types":["a","b","c","d","e","failed_login"],"alerts":["fl"]}
{"user_id":"u3","event_count":12,"event_types":["a","b","c","d","failed_login"],"alerts":["fl"]}
{"user_id":"u4","event_count":101,"event_types":["failed_login","a","b","c","d","e"],"alerts":["busy","fl"]}
{ "user_id" : "u5" , "event_count" : 7 ,"alerts":[]}
{"alerts":[]}
J
assert_file_eq "$T/want" "$T/out" "--pass rows"

# rules files: comments, blank lines, '#' inside strings, rules from -r and -f in order
cat >"$T/r1" <<'R'
# window-row rules

tagged: contains(event_types, "#x") # a trailing comment
  indented: event_count == 7
R
printf '%s\n' '{"event_count":7,"event_types":["#x"]}' |
	detect -r 'first: true' -f "$T/r1" -r 'last: true' | jq -r .rule >"$T/out"
assert_eq "first tagged indented last" "$(echo $(cat "$T/out"))" "rule order across -r and -f"

# errors in rules: exit 3 before reading input, file:line, column, the line, a caret
rules_err() { # WANT_STDERR_FILE ARGS...
	_want=$1
	shift
	echo '{"a":1}' | detect "$@" >"$T/eo" 2>"$T/ee"
	_rc=$?
	assert_eq 3 "$_rc" "exit status for $*"
	assert_eq "" "$(cat "$T/eo")" "no output for $*"
	assert_file_eq "$_want" "$T/ee" "message for $*"
}
cat >"$T/w" <<'E'
detect: rule 'x': syntax error at column 10: expected ')'
x: (a > 1
         ^
E
rules_err "$T/w" -r 'x: (a > 1'
cat >"$T/bad.rules" <<'R'
ok: a > 1
# the next line is wrong
big: size(event_types) > 5 && (a == 1 || b
R
cat >"$T/w" <<E
detect: $T/bad.rules:3: rule 'big': syntax error at column 43: expected ')'
big: size(event_types) > 5 && (a == 1 || b
                                          ^
E
rules_err "$T/w" -f "$T/bad.rules"
cat >"$T/w" <<'E'
detect: rule 'r': syntax error at column 4: unknown function 'sizeof'
r: sizeof(x) > 1
   ^
E
rules_err "$T/w" -r 'r: sizeof(x) > 1'
cat >"$T/w" <<'E'
detect: rule 'r': syntax error at column 16: invalid regular expression: Unmatched ( or \(
r: matches(ua, "bot(")
               ^
E
rules_err "$T/w" -r 'r: matches(ua, "bot(")'
cat >"$T/w" <<'E'
detect: rule 'r': syntax error at column 6: '=' is not an operator; compare with '=='
r: a = 1
     ^
E
rules_err "$T/w" -r 'r: a = 1'
cat >"$T/w" <<'E'
detect: rule 'r': syntax error at column 10: comparisons do not chain; combine them with '&&'
r: 1 < a < 3
         ^
E
rules_err "$T/w" -r 'r: 1 < a < 3'
cat >"$T/w" <<'E'
detect: syntax error at column 1: expected 'NAME: EXPRESSION' or a state, update, by or pattern line
just some words
^
E
rules_err "$T/w" -r 'just some words'
cat >"$T/w" <<'E'
detect: rule 'a': error at column 1: a rule of that name already exists
a: false
^
E
rules_err "$T/w" -r 'a: true' -r 'a: false'
cat >"$T/w" <<'E'
detect: update: error at column 8: 'score' is not a state variable (declare it with 'state score = VALUE')
update score = score + 1
       ^
E
rules_err "$T/w" -r 'update score = score + 1'
cat >"$T/w" <<'E'
detect: update 'n': syntax error at column 18: expected 'when' or the end of the line
update n = n + 1 if x
                 ^
E
rules_err "$T/w" -r 'state n = 0' -r 'update n = n + 1 if x'
cat >"$T/w" <<'E'
detect: state 'n': error at column 11: an initial value cannot read record fields or other variables
state n = a + 1
          ^
E
rules_err "$T/w" -r 'state n = a + 1'
cat >"$T/w" <<'E'
detect: state: error at column 7: 'rule' cannot name a state variable
state rule = 0
      ^
E
rules_err "$T/w" -r 'state rule = 0'
cat >"$T/w" <<'E'
detect: pattern 'p': error at column 17: the last step of a pattern cannot be optional
pattern p: a -> b?
                ^
E
rules_err "$T/w" -r 'pattern p: a -> b?'
cat >"$T/w" <<'E'
detect: pattern 'p': error at column 13: quantifier matches nothing
pattern p: a{3,2} -> b
            ^
E
rules_err "$T/w" -r 'pattern p: a{3,2} -> b'
cat >"$T/w" <<'E'
detect: pattern 'p': syntax error at column 26: expected a positive duration after 'within'
pattern p: a -> b within soon
                         ^
E
rules_err "$T/w" -r 'pattern p: a -> b within soon'
cat >"$T/w" <<'E'
detect: pattern 'p': syntax error at column 19: expected ')'
pattern p: a -> (b
                  ^
E
rules_err "$T/w" -r 'pattern p: a -> (b'
cat >"$T/w" <<'E'
detect: pattern 'p': syntax error at column 16: expected a step
pattern p: a ->
               ^
E
rules_err "$T/w" -r 'pattern p: a ->'
detect -f "$T/missing.rules" </dev/null >/dev/null 2>"$T/ee"
assert_eq 3 $? "unreadable rules file"
assert_eq "detect: $T/missing.rules: No such file or directory" "$(cat "$T/ee")" "unreadable rules file message"

# usage errors
quiet() { "$@" 2>/dev/null; }
assert_status 2 "no rules" quiet detect </dev/null
assert_status 2 "--emit-state without state" quiet detect -r 'a: true' --emit-state </dev/null
assert_status 2 "bad --cooldown" quiet detect -r 'a: true' --cooldown 5x </dev/null
assert_status 2 "--late without -w" quiet detect -r 'a: true' --late "$T/l" </dev/null
assert_status 2 "only state" quiet detect -r 'state a = 1' </dev/null
assert_status 0 "--help" detect --help >/dev/null
detect -r 'a: true' --bogus </dev/null 2>"$T/ee"
assert_eq 2 $? "unknown option"
assert_grep "^detect: try 'detect --help'" "$T/ee" "try --help"

# bad input lines: reported, counted, rejected; good records all kept
{
	echo '{"a":1}'
	echo '[1,2]'
	printf '{"a":"\xff"}\n'
	printf '\x00\x01\x02 binary\n'
	echo '{"a":2'
	echo '{"a":3}'
	printf '{"a":4,"pad":"%0300d"}\n' 0
	printf '{"a":5}\r\n'
	printf '{"a":6}'
} >"$T/in"
detect -r 'pos: a > 0' --max-line 200 --reject "$T/rej" <"$T/in" >"$T/out" 2>"$T/err"
assert_eq 0 $? "bad lines: exit status"
printf '%s\n' '{"a":1,"rule":"pos"}' '{"a":3,"rule":"pos"}' '{"a":5,"rule":"pos"}' \
	'{"a":6,"rule":"pos"}' >"$T/want"
assert_file_eq "$T/want" "$T/out" "good records around bad ones"
cat >"$T/want" <<'E'
detect: <stdin>:2: not a JSON object (got an array)
detect: <stdin>:3: invalid JSON at column 7: invalid UTF-8
detect: <stdin>:4: invalid JSON at column 1: unexpected character
detect: <stdin>:5: invalid JSON at column 7: unexpected end of input
detect: <stdin>:7: line longer than --max-line
E
assert_file_eq "$T/want" "$T/err" "bad line messages"
assert_eq 5 "$(lines "$T/rej")" "rejected lines"
assert_eq '{"line":2,"file":"<stdin>","error":"not a JSON object (got an array)","input":"[1,2]"}' \
	"$(head -1 "$T/rej")" "reject record"
jq -e . "$T/rej" >/dev/null
assert_eq 0 $? "reject file is valid JSON"

# --strict: stop at the first bad line with 4, after what came before
detect -r 'pos: a > 0' --strict <"$T/in" >"$T/out" 2>/dev/null
assert_eq 4 $? "--strict exit status"
assert_eq '{"a":1,"rule":"pos"}' "$(cat "$T/out")" "--strict keeps earlier records"

# empty input
detect -r 'pos: a > 0' </dev/null >"$T/out" 2>"$T/err"
assert_eq 0 $? "empty input"
assert_eq 0 "$(wc -c <"$T/out")" "no output for empty input"

# a closed stdout ends detect quietly with 0
for i in $(seq 1 20000); do echo "{\"a\":$i}"; done >"$T/many"
detect --pass -r 'pos: a > 0' <"$T/many" 2>"$T/err" | head -1 >"$T/out"
assert_eq "0 0" "${PIPESTATUS[0]} ${PIPESTATUS[1]}" "EPIPE exit status"
assert_eq '{"a":1,"alerts":["pos"]}' "$(cat "$T/out")" "first row before EPIPE"
assert_eq "" "$(cat "$T/err")" "EPIPE is quiet"

# SIGTERM: lines already read are handled, exit 0
mkfifo "$T/fifo"
detect -r 'pos: a > 0' <"$T/fifo" >"$T/out" 2>"$T/err" &
pid=$!
exec 7>"$T/fifo"
echo '{"a":1}' >&7
wait_for "the first alert" 20 test -s "$T/out"
echo '{"a":2}' >&7
wait_for "the second alert" 20 sh -c "test \$(wc -l <'$T/out') -ge 2"
kill -TERM $pid
wait $pid
assert_eq 0 $? "exit status after SIGTERM"
exec 7>&-
printf '%s\n' '{"a":1,"rule":"pos"}' '{"a":2,"rule":"pos"}' >"$T/want"
assert_file_eq "$T/want" "$T/out" "records before SIGTERM"

# events held back by -w are handled, in time order, at SIGTERM; a late event
# (behind the watermark) shows when the earlier lines have been read
rm -f "$T/fifo"
mkfifo "$T/fifo"
detect -r 'pos: a > 0' -w 1h --late "$T/late" <"$T/fifo" >"$T/out" 2>"$T/err" &
pid=$!
exec 7>"$T/fifo"
printf '%s\n' '{"a":1,"timestamp":"2026-01-01T10:00:02Z"}' \
	'{"a":2,"timestamp":"2026-01-01T10:00:01Z"}' \
	'{"a":3,"timestamp":"2026-01-01T08:00:00Z"}' >&7
wait_for "the late event" 20 test -s "$T/late"
assert_eq 0 "$(wc -c <"$T/out")" "nothing written while held back"
kill -TERM $pid
wait $pid
assert_eq 0 $? "exit status after SIGTERM with -w"
exec 7>&-
printf '%s\n' '{"a":2,"timestamp":"2026-01-01T10:00:01Z","rule":"pos"}' \
	'{"a":1,"timestamp":"2026-01-01T10:00:02Z","rule":"pos"}' >"$T/want"
assert_file_eq "$T/want" "$T/out" "held-back events handled in time order at SIGTERM"
assert_eq '{"a":3,"timestamp":"2026-01-01T08:00:00Z"}' "$(cat "$T/late")" "late event"

done_testing
