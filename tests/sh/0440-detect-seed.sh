#!/bin/bash
# detect: the seed's detections end to end — eventgen --scenario bot,brute-force |
# parse | window | detect — with the rules in examples/rules.
. "$(dirname "$0")/helpers.sh"

SRC=$RUNNEL_SRC
WIN=(-k user_id -s 5m -S 1m -w 10m -a 'count() as event_count'
	-a 'collect_set(event_type) as event_types' -a 'min(timestamp) as session_start'
	-a 'max(timestamp) as session_end')
# jq's reading of the seed's filter, as an independent oracle
ORACLE='select(.event_count > 100 or
	((.event_types | index("failed_login")) != null and (.event_types | length) > 5))'

# 6000 background events over 5 minutes from 3000 users (a couple each), plus the
# scenario users: 2 bots (150 events in 75 s) and 3 brute-forcers (12 failed logins
# 3 s apart, then a success)
eventgen -n 6000 --step 50ms --users 3000 --scenario bot,brute-force |
	parse -s "$SRC/examples/schemas/event.avsc" >"$T/events"
assert_eq 6339 "$(lines "$T/events")" "events"
window "${WIN[@]}" <"$T/events" >"$T/rows"

# window rows: the bots' windows holding all their 150 events are suspicious; a
# bot's 75 s fit in 4 of the sliding 5-minute windows
detect -f "$SRC/examples/rules/seed.rules" <"$T/rows" >"$T/alerts" 2>"$T/err"
assert_eq 0 $? "detect exit status"
assert_eq "" "$(cat "$T/err")" "no messages"
jq -r '[.user_id, .window.start, .event_count, .rule] | @tsv' "$T/alerts" >"$T/got"
cat >"$T/want" <<'E'
attacker_bot_1	2025-12-31T23:57:00.000Z	150	suspicious
attacker_bot_1	2025-12-31T23:58:00.000Z	150	suspicious
attacker_bot_2	2025-12-31T23:58:00.000Z	150	suspicious
attacker_bot_1	2025-12-31T23:59:00.000Z	150	suspicious
attacker_bot_2	2025-12-31T23:59:00.000Z	150	suspicious
attacker_bot_1	2026-01-01T00:00:00.000Z	150	suspicious
attacker_bot_2	2026-01-01T00:00:00.000Z	150	suspicious
attacker_bot_2	2026-01-01T00:01:00.000Z	150	suspicious
E
assert_file_eq "$T/want" "$T/got" "suspicious window rows"
assert_eq 0 "$(grep -c '"user_id":"user_' "$T/alerts")" "no background user is suspicious"
jq -c "$ORACLE" "$T/rows" >"$T/oracle"
jq -c 'del(.rule)' "$T/alerts" >"$T/stripped"
assert_file_eq "$T/oracle" "$T/stripped" "the same rows as jq's filter"
# with a cooldown (window rows carry their time in window.end): one alert per bot
detect -f "$SRC/examples/rules/seed.rules" --cooldown 10m --by user_id -T window.end \
	<"$T/rows" | jq -r .user_id >"$T/got"
assert_eq "attacker_bot_1 attacker_bot_2" "$(echo $(cat "$T/got"))" "cooldown on window rows"

# events: the risk score and the brute-force pattern find the three brute-forcers
# and nobody else
detect -f "$SRC/examples/rules/seed-events.rules" --cooldown 10m <"$T/events" >"$T/alerts"
jq -r '[.rule, .user_id] | @tsv' "$T/alerts" >"$T/got"
cat >"$T/want" <<'E'
high_risk	attacker_bf_1
high_risk	attacker_bf_2
brute_force	attacker_bf_1
high_risk	attacker_bf_3
brute_force	attacker_bf_2
brute_force	attacker_bf_3
E
assert_file_eq "$T/want" "$T/got" "event alerts"
# the first high_risk is attacker_bf_1's fifth failed login (+22 s): 0.5
assert_eq "2026-01-01T00:00:22.000Z" "$(jq -r 'select(.rule == "high_risk") | .timestamp' "$T/alerts" | head -1)" \
	"high_risk at the fifth failure"
E1='{"rule":"brute_force","user_id":"attacker_bf_1","events":["2026-01-01T00:00:10.000Z","2026-01-01T00:00:13.000Z","2026-01-01T00:00:16.000Z","2026-01-01T00:00:19.000Z","2026-01-01T00:00:22.000Z","2026-01-01T00:00:25.000Z","2026-01-01T00:00:28.000Z","2026-01-01T00:00:31.000Z","2026-01-01T00:00:34.000Z","2026-01-01T00:00:37.000Z","2026-01-01T00:00:40.000Z","2026-01-01T00:00:43.000Z","2026-01-01T00:00:46.000Z"],"start":"2026-01-01T00:00:10.000Z","end":"2026-01-01T00:00:46.000Z","count":13}'
assert_eq "$E1" "$(grep -F '"rule":"brute_force","user_id":"attacker_bf_1"' "$T/alerts")" \
	"brute-force alert row"
# the seed's (user_id, user_profile) output: after the success, 1.0 - 0.05
detect -f "$SRC/examples/rules/seed-events.rules" --emit-state <"$T/events" |
	grep -F '{"user_id":"attacker_bf_1","risk' | tail -1 >"$T/got"
assert_eq '{"user_id":"attacker_bf_1","risk_score":0.95,"total_events":13,"last_activity":"2026-01-01T00:00:46.000Z"}' \
	"$(cat "$T/got")" "attacker_bf_1's final profile"

# the same events out of order (eventgen --jitter) give the same pattern alerts
# with -w
eventgen -n 6000 --step 50ms --users 3000 --jitter 2s --scenario bot,brute-force |
	parse -s "$SRC/examples/schemas/event.avsc" >"$T/jittered"
detect -f "$SRC/examples/rules/seed-events.rules" -w 5s <"$T/jittered" |
	jq -c 'select(.rule == "brute_force")' >"$T/got"
jq -c 'select(.rule == "brute_force")' "$T/alerts" >"$T/want"
assert_file_eq "$T/want" "$T/got" "pattern alerts from jittered input with -w"

# the busier default load: the seed's window rule also flags background users
# (a failed login among more than 5 event types); detect and jq agree row for row
eventgen -n 30000 --scenario bot,brute-force | parse -s "$SRC/examples/schemas/event.avsc" |
	window "${WIN[@]}" >"$T/rows2"
detect -f "$SRC/examples/rules/seed.rules" <"$T/rows2" | jq -c 'del(.rule)' >"$T/got"
jq -c "$ORACLE" "$T/rows2" >"$T/oracle"
assert_file_eq "$T/oracle" "$T/got" "default load: the same rows as jq's filter"
assert_eq 8 "$(grep -c attacker_bot "$T/got")" "default load: the bots' windows"

done_testing
