#!/bin/bash
# examples/seed-pipeline.sh, a bounded run against kbroker: 20000 events of history
# with the brute-force and bot attackers, bad lines, late events and a resent batch,
# drained and stopped (-t 0). The attackers are alerted and nobody else; every stage's
# counts agree with the next one's and with Kafka as kcat reads it; logs, side files,
# landed rows and metric files are all there; every stage exited 0.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/kbroker.sh"

start_kbroker -t events:6 -t alerts:1 -t user_profiles:3
RUN=$T/run
KAFKA_BROKERS=$B "$RUNNEL_SRC/examples/seed-pipeline.sh" -d "$RUN" -n 20000 -r 0 -t 0 --flush \
	>"$T/out" 2>"$T/err"
assert_eq 0 $? "seed-pipeline.sh exit status"
assert_grep '^seed pipeline run in ' "$T/out" "the report"
assert_no_grep 'FAILED' "$T/out" "no stage failed"
assert_eq '[]' "$(jq -c .failed_stages "$RUN/summary.json")" "summary.json: no failed stages"

# every stage logged its closing summary (-v)
for s in kcons:consumed parse:in= enrich-users:matched= dq-check:events= prom-push-dq:in= \
	dedup:passed= detect-risk:alerts= kprod-risk:delivered enrich-profiles:joined= \
	sink-events:written= window-traffic:rows= prom-push-traffic:in= window:rows= \
	sink-windows:written= detect-windows:alerts= kprod-alerts:delivered \
	kcons-profiles:consumed kcons-alerts:consumed window-alerts:rows= prom-push-alerts:in= \
	eventgen-history:wrote kprod-history-first:delivered kprod-history:delivered \
	kprod-resend:delivered kprod-profiles:delivered; do
	assert_grep "${s#*:}" "$RUN/logs/${s%%:*}.log" "log of ${s%%:*}"
	assert_eq 0 "$(cat "$RUN/status/${s%%:*}" 2>/dev/null)" "exit status of ${s%%:*}"
done
kv() { grep -o "\b$2=[0-9]*" "$RUN/logs/$1.log" | tail -1 | cut -d= -f2; }
kp() { sed -n "s/.*[ ,]$2 \([0-9][0-9]*\).*/\1/p" "$RUN/logs/$1.log" | tail -1; }

# Kafka as kcat sees it: what kprod delivered
kc_values events >"$T/topic"
assert_eq "$(($(kp kprod-history-first delivered) + $(kp kprod-history delivered) + \
	$(kp kprod-resend delivered)))" "$(lines "$T/topic")" "events in the topic = delivered by kprod"
assert_eq "$(($(kp kprod-history-first rejected) + $(kp kprod-history rejected) + \
	$(kp kprod-resend rejected)))" "$(lines "$RUN/rejected-produce.ndjson")" \
	"kprod's rejects in rejected-produce.ndjson"
assert_eq 20339 "$(($(kp kprod-history-first in) + $(kp kprod-history in)))" \
	"history lines: 20000 and 339 scenario events"
assert_eq 200 "$(kp kprod-resend in)" "the resent batch"

# stage by stage
consumed=$(sed -n 's/.*consumed \([0-9]*\),.*/\1/p' "$RUN/logs/kcons.log")
assert_eq "$(lines "$T/topic")" "$consumed" "kcons read the whole topic"
assert_eq "$consumed" "$(kv parse in)" "parse read what kcons wrote"
assert_eq "$(kv parse in)" "$(($(kv parse out) + $(kv parse rejected)))" "parse: in = out + rejected"
assert_eq "$(kv parse rejected)" "$(lines "$RUN/rejected.ndjson")" "parse's rejects in rejected.ndjson"
[ "$(kv parse rejected)" -gt 0 ] || fail "the history has bad lines that parse rejects"
assert_eq "$(kv parse out)" "$(kv enrich-users in)" "the lookup join read parse's output"
assert_eq "$(kv enrich-users in)" "$(kv enrich-users out)" "the lookup join keeps every event"
assert_eq "$(kv parse out)" "$(kv dq-check events)" "dq-check saw every event"
assert_eq "$(kv parse out)" "$(kv dedup in)" "dedup read every event"
passed=$(kv dedup passed)
assert_eq "$(kv dedup in)" "$((passed + $(kv dedup dropped)))" "dedup: in = passed + dropped"
assert_eq "$(kv dedup dropped)" "$(lines "$RUN/duplicates.ndjson")" "dedup's drops in duplicates.ndjson"
# the dropped events are exactly the valid events that are twice in the topic
parse -q -s "$RUNNEL_SRC/examples/schemas/event.avsc" <"$T/topic" 2>/dev/null |
	jq -r .event_id | sort | uniq -d >"$T/twice"
jq -r .event_id "$RUN/duplicates.ndjson" | sort >"$T/dropped"
assert_file_eq "$T/twice" "$T/dropped" "dedup dropped the resent events, once each"
[ "$(lines "$T/dropped")" -gt 150 ] || fail "the resent batch should hold more than 150 valid events"
for s in detect-risk window-traffic window; do
	assert_eq "$passed" "$(kv $s events)" "$s read every passed event"
done
assert_eq "$passed" "$(($(kv enrich-profiles joined) + $(kv enrich-profiles unmatched)))" \
	"the profile join wrote each event once (one profile per user in 24 h)"
assert_eq "$passed" "$(kv sink-events written)" "sink landed every enriched event"
cat "$RUN"/lake/events/dt=*/hour=*/*.ndjson >"$T/landed"
assert_eq "$passed" "$(jq -r .event_id "$T/landed" | sort -u | wc -l)" "landed events are the passed ones"
assert_eq "$(kv enrich-profiles unmatched)" "$(jq -c 'select(.profile == null)' "$T/landed" | wc -l)" \
	"events without a profile have profile null"
assert_eq 0 "$(jq -c 'select(.profile == null and (.user_id | startswith("user_")))' "$T/landed" | wc -l)" \
	"every background user has a profile"

# windows: rows written = landed; each (window, user) once; counts bounded by the events
rows=$(kv window rows)
assert_eq "$rows" "$(kv sink-windows written)" "sink landed every window row"
cat "$RUN"/lake/windows/dt=*/hour=*/*.ndjson >"$T/rows"
assert_eq "$rows" "$(lines "$T/rows")" "window rows in lake/windows"
assert_eq "$rows" "$(jq -c '[.window.start, .user_id]' "$T/rows" | sort -u | wc -l)" \
	"one row per window and user (--flush writes open windows once)"
assert_eq "$(kv window late)" "$(lines "$RUN/late.ndjson")" "late events in late.ndjson"
[ "$(kv window late)" -gt 0 ] || fail "the history has late events"
total=$(jq -s 'map(.event_count) | add' "$T/rows")
ontime=$((passed - $(kv window late)))
[ "$total" -le $((5 * ontime)) ] && [ "$total" -gt $((5 * ontime - 5 * 300)) ] ||
	fail "window counts: $total is not about 5 x $ontime"
# attacker_bot_1's 150 events span 74.5 s: the fullest of its sliding windows holds all
# of them that window did not set aside as late (a Kafka partition whose first records
# arrive after others have moved the watermark can make some late: see window(1))
late_bot=$(grep -c '"user_id":"attacker_bot_1"' "$RUN/late.ndjson")
assert_eq $((150 - late_bot)) \
	"$(jq -s '[.[] | select(.user_id == "attacker_bot_1") | .event_count] | max' "$T/rows")" \
	"attacker_bot_1's on-time events all in its fullest window"

# alerts: the five attackers and nobody else, from both detections
kc_values alerts >"$T/alerts"
jq -r '[.rule, .user_id] | @tsv' "$T/alerts" | sort -u >"$T/got"
cat >"$T/want" <<'E'
brute_force	attacker_bf_1
brute_force	attacker_bf_2
brute_force	attacker_bf_3
high_risk	attacker_bf_1
high_risk	attacker_bf_2
high_risk	attacker_bf_3
suspicious	attacker_bot_1
suspicious	attacker_bot_2
E
assert_file_eq "$T/want" "$T/got" "alerts in topic alerts (kcat)"
assert_eq 8 "$(lines "$T/alerts")" "one alert per rule and attacker (cooldowns)"
assert_eq '{"brute_force":["attacker_bf_1","attacker_bf_2","attacker_bf_3"],"high_risk":["attacker_bf_1","attacker_bf_2","attacker_bf_3"],"suspicious":["attacker_bot_1","attacker_bot_2"]}' \
	"$(jq -c .alerts "$RUN/summary.json")" "summary.json alerts"
assert_grep '^      suspicious: attacker_bot_1 attacker_bot_2$' "$T/out" "the report names the bots"

# metric files, as prom-push wrote them
metric() { awk -v n="$2" '$1 == n { print $2 }' "$RUN/metrics/$1.prom"; }
assert_eq "$(kv parse out)" "$(metric dq dq_events_total)" "dq_events_total"
# dq-check counts a repeat within its one-minute window: all the resent events but a few
# late ones (1%), which count in the window the watermark is in at their arrival
dqdup=$(metric dq dq_duplicate_events_total)
[ "$dqdup" -le "$(lines "$T/twice")" ] && [ "$dqdup" -ge "$(($(lines "$T/twice") - 8))" ] ||
	fail "dq-check counted $dqdup duplicates of $(lines "$T/twice")"
assert_eq "$(($(kv window-traffic events) - $(kv window-traffic late)))" \
	"$(metric traffic pipeline_events_processed_total)" "pipeline_events_processed_total"
assert_eq 3 "$(metric alerts 'pipeline_alerts_total{rule="high_risk"}')" "alerts per rule: high_risk"
assert_eq 2 "$(metric alerts 'pipeline_alerts_total{rule="suspicious"}')" "alerts per rule: suspicious"
for f in dq traffic alerts; do
	promtool check metrics <"$RUN/metrics/$f.prom" >"$T/lint" 2>&1
	assert_eq 0 $? "promtool accepts metrics/$f.prom"
done
assert_eq "" "$(ls "$RUN/pids" | while read -r n; do kill -0 "$(cat "$RUN/pids/$n")" 2>/dev/null && echo "$n"; done)" \
	"no stage is left running"
done_testing
