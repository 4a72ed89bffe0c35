#!/bin/bash
# detect: per-key state (the seed's risk score), --emit-state, update order,
# --state-ttl, and --cooldown for rules.
. "$(dirname "$0")/helpers.sh"

RULES=$RUNNEL_SRC/examples/rules/seed-events.rules

# ev USER TYPE SECONDS: one event at 2026-01-01T00:00:00Z + SECONDS
ev() {
	printf '{"user_id":"%s","event_type":"%s","timestamp":"%s"}\n' "$1" "$2" \
		"$(date -u -d "@$((1767225600 + $3))" +%Y-%m-%dT%H:%M:%S.000Z)"
}

# u1: 12 failed logins (the score climbs by 0.1 and stops at 1.0), 3 successes,
# one more failure, then 25 successes (down by 0.05 and stops at 0).
# u2, interleaved: a success at 0 (floored), a failure, two successes.
{
	s=0
	for i in $(seq 1 12); do ev u1 failed_login $s; s=$((s + 1)); done
	ev u2 successful_login $s
	for i in 1 2 3; do ev u1 successful_login $s; s=$((s + 1)); done
	ev u2 failed_login $s
	ev u1 failed_login $s
	s=$((s + 1))
	ev u2 successful_login $s
	ev u2 successful_login $s
	for i in $(seq 1 25); do ev u1 successful_login $s; s=$((s + 1)); done
} >"$T/events"

# The expected scores, worked out by hand in IEEE doubles (as Python computes
# min(1.0, r + 0.1) and max(0, r - 0.05)): 0.1 + 0.1 + 0.1 is 0.30000000000000004.
U1="0.1 0.2 0.30000000000000004 0.4 0.5 0.6 0.7 0.7999999999999999 0.8999999999999999
0.9999999999999999 1 1 0.95 0.8999999999999999 0.8499999999999999 0.9499999999999998
0.8999999999999998 0.8499999999999998 0.7999999999999997 0.7499999999999997
0.6999999999999996 0.6499999999999996 0.5999999999999995 0.5499999999999995
0.4999999999999995 0.4499999999999995 0.3999999999999995 0.34999999999999953
0.29999999999999954 0.24999999999999956 0.19999999999999957 0.14999999999999958
0.09999999999999958 0.04999999999999957 0 0 0 0 0 0 0"
U2="0 0.1 0.05 0"

detect -f "$RULES" --emit-state <"$T/events" >"$T/out" 2>"$T/err"
assert_eq 0 $? "exit status"
assert_eq "" "$(cat "$T/err")" "no messages"

# the state rows, per user, in order
jq -c 'select(.rule == null)' "$T/out" >"$T/states"
assert_eq 45 "$(lines "$T/states")" "one state row per event"
assert_eq "$(echo $U1)" "$(echo $(jq -r 'select(.user_id == "u1") | .risk_score' "$T/states"))" \
	"u1 risk-score trajectory"
assert_eq "$(echo $U2)" "$(echo $(jq -r 'select(.user_id == "u2") | .risk_score' "$T/states"))" \
	"u2 risk-score trajectory (floored at 0)"
assert_eq "$(echo $(seq 1 41))" "$(echo $(jq -r 'select(.user_id == "u1") | .total_events' "$T/states"))" \
	"u1 total_events"
# the exact shape: key, then the variables in declaration order
assert_eq '{"user_id":"u1","risk_score":0.1,"total_events":1,"last_activity":"2026-01-01T00:00:00.000Z"}' \
	"$(head -1 "$T/out")" "first state row"
assert_eq '{"user_id":"u2","risk_score":0,"total_events":4,"last_activity":"2026-01-01T00:00:16.000Z"}' \
	"$(jq -c 'select(.user_id == "u2")' "$T/states" | tail -1)" "u2's last state row"

# high_risk (risk_score >= 0.5) fires on the rows where the updated score is at
# least 0.5: u1's events 5 to 24 (0.5 ... 0.5499999999999995), u2 never;
# each alert row comes before that event's state row
jq -c 'select(.rule == "high_risk")' "$T/out" >"$T/alerts"
assert_eq 20 "$(lines "$T/alerts")" "high_risk alerts"
assert_eq "u1" "$(jq -r .user_id "$T/alerts" | sort -u)" "only u1 is high risk"
assert_eq '{"user_id":"u1","event_type":"failed_login","timestamp":"2026-01-01T00:00:04.000Z","rule":"high_risk"}' \
	"$(head -1 "$T/alerts")" "the first alert is the input row plus rule"
assert_eq '{"user_id":"u1","risk_score":0.5,"total_events":5,"last_activity":"2026-01-01T00:00:04.000Z"}' \
	"$(grep -A1 -F "$(head -1 "$T/alerts")" "$T/out" | tail -1)" "state row follows its alert"

# --cooldown: one high_risk alert per user per 10 minutes of event time
{
	for m in $(seq 0 11); do ev u1 failed_login $((m * 60)); done
	for m in 12 13 14 15; do ev u1 successful_login $((m * 60)); done
} >"$T/slow"
detect -f "$RULES" --cooldown 10m <"$T/slow" | jq -r 'select(.rule == "high_risk") | .timestamp' >"$T/out"
assert_eq "2026-01-01T00:04:00.000Z 2026-01-01T00:14:00.000Z" "$(echo $(cat "$T/out"))" \
	"alerts 10 minutes apart"
detect -f "$RULES" --cooldown 10m -v <"$T/slow" 2>&1 >/dev/null | grep -o 'suppressed=[0-9]*' >"$T/out"
assert_eq "suppressed=10" "$(cat "$T/out")" "suppressed alerts counted"
# the cooldown is per key
{ ev u1 failed_login 0; ev u2 failed_login 1; ev u1 failed_login 2; ev u2 failed_login 3; } |
	detect -r 'f: event_type == "failed_login"' --cooldown 1h --by user_id | jq -r .user_id >"$T/out"
assert_eq "u1 u2" "$(echo $(cat "$T/out"))" "cooldown per key"
# without --by, per rule
{ ev u1 failed_login 0; ev u2 failed_login 1; ev u1 failed_login 3601; } |
	detect -r 'f: event_type == "failed_login"' --cooldown 1h | jq -r .timestamp >"$T/out"
assert_eq "2026-01-01T00:00:00.000Z 2026-01-01T01:00:01.000Z" "$(echo $(cat "$T/out"))" \
	"cooldown per rule without a key"

# updates run in order, each seeing the ones before; strings and arrays are kept
# across events; records without the key field update nothing and read null
cat >"$T/r" <<'R'
by user
state n = 0
state tenfold = 0
state path = ""
state last = null
update n = n + 1
update tenfold = n * 10
update path = path + event + "/" when exists(event)
update last = [event, n]
nokey: n == null
R
printf '%s\n' '{"user":"a","event":"x"}' '{"user":"b","event":"y"}' '{"event":"z"}' \
	'{"user":"a","event":"w\"q"}' '{"user":"a"}' |
	detect -f "$T/r" --emit-state >"$T/out"
cat >"$T/want" <<'J'
{"user":"a","n":1,"tenfold":10,"path":"x/","last":["x",1]}
{"user":"b","n":1,"tenfold":10,"path":"y/","last":["y",1]}
{"event":"z","rule":"nokey"}
{"user":"a","n":2,"tenfold":20,"path":"x/w\"q/","last":["w\"q",2]}
{"user":"a","n":3,"tenfold":30,"path":"x/w\"q/","last":[null,3]}
J
assert_file_eq "$T/want" "$T/out" "update order and kept values"

# keys are values: "1" and 1 are different users, escapes do not matter
printf '%s\n' '{"user":"1"}' '{"user":1}' '{"user":"\u0031"}' '{"user":1.0}' |
	detect -r 'by user' -r 'state n = 0' -r 'update n = n + 1' --emit-state >"$T/out"
printf '%s\n' '{"user":"1","n":1}' '{"user":1,"n":1}' '{"user":"1","n":2}' '{"user":1,"n":2}' >"$T/want"
assert_file_eq "$T/want" "$T/out" "key identity"

# --state-ttl: a key idle for the TTL (event time) starts afresh
{
	ev u1 click 0
	ev u2 click 30
	ev u1 click 89    # idle 89 s < 90 s: kept
	ev u2 click 120   # idle exactly 90 s: forgotten
	ev u1 click 200   # idle 111 s: forgotten
	ev u1 click 201
} | detect -f "$RULES" --emit-state --state-ttl 90s | jq -r '"\(.user_id)=\(.total_events)"' >"$T/out"
assert_eq "u1=1 u2=1 u1=2 u2=1 u1=1 u1=2" "$(echo $(cat "$T/out"))" "state TTL"
# memory: keys idle past the TTL are swept, not only reset when they return
for i in $(seq 1 500); do ev "user_$i" click "$i"; done >"$T/many"
ev late click 100000 >>"$T/many"
detect -f "$RULES" --state-ttl 1m -v <"$T/many" 2>&1 >/dev/null | grep -o 'keys=[0-9]*' >"$T/out"
assert_eq "keys=1" "$(cat "$T/out")" "idle keys swept"
detect -f "$RULES" -v <"$T/many" 2>&1 >/dev/null | grep -o 'keys=[0-9]*' >"$T/out"
assert_eq "keys=501" "$(cat "$T/out")" "without a TTL every key stays"

done_testing
