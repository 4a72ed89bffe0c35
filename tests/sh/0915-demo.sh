#!/bin/bash
# scripts/demo, short (DEMO_SECONDS): deps, build, the seed pipeline on its own kbroker
# with a Pushgateway and a Prometheus it starts itself; its report names the attackers
# and nobody else, Prometheus received the metrics, and nothing is left running.
. "$(dirname "$0")/helpers.sh"

DEMO_SECONDS=3 DEMO_EVENTS=10000 DEMO_DIR=$T/demo "$RUNNEL_SRC/scripts/demo" "$RUNNEL_BUILD" \
	</dev/null >"$T/out" 2>"$T/err"
assert_eq 0 $? "demo exit status"
for what in 'events in   [0-9]+ read from Kafka' 'rejected    [1-9][0-9]* bad lines' \
	'duplicates  [1-9][0-9]* dropped' 'late        [1-9][0-9]* events' 'windows     [1-9][0-9]* rows' \
	'alerts      8 for 5 users:' 'metrics     .*/run/metrics/\*\.prom' 'logs        '; do
	assert_grep "^  $what" "$T/out" "the report's line /$what/"
done
grep -E '^ {16}[a-z_]+: ' "$T/out" >"$T/alerts"
cat >"$T/want" <<'E'
                brute_force: attacker_bf_1, attacker_bf_2, attacker_bf_3
                high_risk: attacker_bf_1, attacker_bf_2, attacker_bf_3
                suspicious: attacker_bot_1, attacker_bot_2
E
assert_file_eq "$T/want" "$T/alerts" "the alerts name the injected attackers"
assert_no_grep 'user_[0-9]' "$T/out" "no background user is named"
assert_no_grep 'FAILED' "$T/out" "no stage failed"
# Prometheus (through the Pushgateway) held the pipeline's series
assert_grep '^              Prometheus  http://127\.0\.0\.1:[0-9]+/graph.* \([1-9][0-9]* series of job seed\)$' \
	"$T/out" "Prometheus scraped the pushed metrics"
assert_grep '^              Pushgateway http://127\.0\.0\.1:[0-9]+/metrics' "$T/out" "the Pushgateway's address"
# the servers and the pipeline are gone
pgw_port=$(sed -n 's|.*Pushgateway http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/out")
assert_eq "" "$(ps -eo args= | grep -E "prometheus.*($T/demo|127.0.0.1:$pgw_port)" | grep -v grep)" \
	"Prometheus and the Pushgateway stopped"
assert_eq "" "$(ps -eo args= | grep -F "$T/demo/run" | grep -v grep)" "no process of the pipeline is left"
done_testing
