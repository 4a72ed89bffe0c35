#!/bin/bash
# The seed pipeline end to end: synthetic traffic into Kafka, and the seed's streaming
# job out of it, as shell pipelines of runnel tools.
#
#   examples/seed-pipeline.sh [-d RUNDIR] [-t SECONDS] [-n EVENTS] [-r RATE]
#                             [-g PUSHGATEWAY_URL] [--no-traffic] [--flush]
#
#   eventgen | kprod -t events -k user_id --timestamp-from timestamp     (traffic)
#   kcons -G seed --meta -t events | parse -s event.avsc | enrich --table users.csv |
#     tee >(dq-check --report | prom-push)                 data quality per minute |
#     dedup -k event_id --within 10m |
#     tee >(detect -f seed-events.rules | kprod -t alerts) stateful risk scoring
#         >(enrich --stream profiles.fifo | sink)          events with their profile
#         >(window -s 1m | prom-push)                      events/s, active users
#     window -k user_id -s 5m -S 1m -w 10m --late late.ndjson |
#     tee >(sink) | detect -f seed.rules | kprod -t alerts  suspicious windows
#   kcons -t user_profiles > profiles.fifo                 the interval join's right side
#   kcons -G seed-alerts -t alerts | window -k rule | prom-push   alerts per rule
#
# Kafka: $KAFKA_BROKERS when set (topics events, alerts and user_profiles must exist or
# be auto-created), otherwise a kbroker started here and stopped at the end.
# Traffic: -n EVENTS of history spread over the last 30 minutes (with eventgen's
# brute-force and bot attackers, bad lines, late events, and a resent batch of
# duplicates), then RATE live events a second (-r, default 20; 0 for none) and a
# profile change a second. --no-traffic consumes what the topics already hold.
# Without -t the pipeline runs until Ctrl-C or SIGTERM, which stop it cleanly: the
# consumers stop first, every stage finishes the lines it holds and exits, and what is
# still running after STOP_TIMEOUT (20 s) is killed, process group by process group.
# With -t SECONDS, the live traffic stops after SECONDS, the pipeline drains what
# Kafka holds (at most DRAIN_TIMEOUT, 60 s) and stops the same way.
#
# RUNDIR (default: a new folder under $TMPDIR or /tmp) receives logs/STAGE.log (each
# stage's stderr, with its -v summary), rejected*.ndjson, duplicates.ndjson,
# late.ndjson, lake/ (window rows and enriched events landed by sink), metrics/*.prom
# (also pushed to the Pushgateway with -g, job seed), state/ (checkpoints), alerts.ndjson,
# and summary.json; a report is printed at the end. Run it again with the same -d and
# the same KAFKA_BROKERS to resume from the checkpoints and the consumer groups (with
# -n 0: new history would lie behind the watermarks the checkpoints hold).
#
# Environment: USERS (5000), SCENARIO (brute-force,bot), BAD_FRACTION (0.005),
# LATE_FRACTION (0.01), DUPLICATES (200), SEED (1), GROUP (seed), FLUSH (0; 1 = --flush:
# write open windows at the end too), RUNNEL_BUILD (where tools/ is).
set -u

prog=seed-pipeline
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)

usage() {
	echo "usage: $prog [-d RUNDIR] [-t SECONDS] [-n EVENTS] [-r RATE] [-g URL] [--no-traffic] [--flush]" >&2
	exit 2
}
RUN=
DURATION=
BACKLOG=${BACKLOG:-30000}
RATE=${RATE:-20}
TRAFFIC=1
PUSHGATEWAY_URL=${PUSHGATEWAY_URL:-}
FLUSH=${FLUSH:-0}
while [ $# -gt 0 ]; do
	case $1 in
	-d | -t | -n | -r | -g) [ $# -ge 2 ] || usage ;;
	esac
	case $1 in
	-d) RUN=$2; shift ;;
	-t) DURATION=$2; shift ;;
	-n) BACKLOG=$2; shift ;;
	-r) RATE=$2; shift ;;
	-g) PUSHGATEWAY_URL=$2; shift ;;
	--no-traffic) TRAFFIC=0 ;;
	--flush) FLUSH=1 ;;
	-h | --help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "$prog: unknown argument $1" >&2; usage ;;
	esac
	shift
done
for v in "$BACKLOG" "$RATE" ${DURATION:+"$DURATION"}; do
	case $v in '' | *[!0-9]*) echo "$prog: -n, -r and -t take whole numbers" >&2; usage ;; esac
done

USERS=${USERS:-5000}
SCENARIO=${SCENARIO:-brute-force,bot}
BAD_FRACTION=${BAD_FRACTION:-0.005}
LATE_FRACTION=${LATE_FRACTION:-0.01}
DUPLICATES=${DUPLICATES:-200}
SEED=${SEED:-1}
GROUP=${GROUP:-seed}
SPAN_MS=$((30 * 60 * 1000)) # the history's span of event time
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-60}
STOP_TIMEOUT=${STOP_TIMEOUT:-20}
SCHEMA=$src/examples/schemas/event.avsc
RULES=$src/examples/rules
USERS_CSV=$src/examples/data/users.csv

# the tools: $RUNNEL_BUILD/tools, else build/tools of this checkout, else PATH
for d in ${RUNNEL_BUILD:+"$RUNNEL_BUILD/tools"} "$src/build/tools"; do
	if [ -x "$d/kcons" ]; then
		PATH=$(cd "$d" && pwd):$PATH
		break
	fi
done
for t in kbroker kcons kprod parse eventgen dedup enrich dq-check prom-push window detect sink jq; do
	command -v "$t" >/dev/null || { echo "$prog: $t not found (build runnel, set RUNNEL_BUILD)" >&2; exit 1; }
done

[ -n "$RUN" ] || RUN=$(mktemp -d "${TMPDIR:-/tmp}/runnel-seed.XXXXXX") || exit 1
mkdir -p "$RUN" && RUN=$(cd "$RUN" && pwd) || exit 1
LOGS=$RUN/logs
STATE=$RUN/state
mkdir -p "$LOGS" "$RUN/pids" "$RUN/status" "$RUN/lake" "$RUN/metrics" "$STATE"
rm -f "$RUN"/pids/* "$RUN"/status/* "$RUN/traffic.ready"
say() { echo "$prog: $*" >&2; }

# stage NAME CMD...: runs CMD with its stderr in logs/NAME.log, its pid in pids/NAME
# and, once it has exited, its exit status in status/NAME
stage() {
	local name=$1 pid
	shift
	"$@" <&0 2>>"$LOGS/$name.log" &
	pid=$!
	echo "$pid" >"$RUN/pids/$name"
	wait "$pid"
	echo $? >"$RUN/status/$name"
}
alive() { kill -0 "$1" 2>/dev/null; }
pid_of() { cat "$RUN/pids/$1" 2>/dev/null; }
# Each job (kbroker, traffic, pipeline, alert metrics) runs in a process group of its
# own, so that Ctrl-C reaches only this script, which then stops them in order.
KBROKER_PID=
B=
declare -A JOB # name -> process group id
start_job() {
	local name=$1
	shift
	set -m
	"$@" &
	JOB[$name]=$!
	set +m
}
# group_busy PGID: true while a process of the group runs (zombies aside)
group_busy() { ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; }
# wait_group SECONDS PGID: true once the group has no running process
wait_group() {
	local end=$(($(date +%s) + $1))
	while group_busy "$2"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}
# stop_job NAME: SIGTERM to the job's whole group, then SIGKILL what is left
stop_job() {
	local g=${JOB[$1]:-}
	[ -n "$g" ] || return 0
	if group_busy "$g"; then
		kill -TERM -- "-$g" 2>/dev/null
		if ! wait_group 5 "$g"; then
			say "job $1 did not stop on SIGTERM: killed"
			kill -KILL -- "-$g" 2>/dev/null
		fi
	fi
	wait "$g" 2>/dev/null
	unset "JOB[$1]"
}
# end_job NAME HEAD...: the graceful stop: SIGTERM to the job's sources only, so that
# every later stage sees end of input, finishes and exits; stop_job for what remains
end_job() {
	local name=$1 p
	shift
	[ -n "${JOB[$name]:-}" ] || return 0
	kill -TERM "${JOB[$name]}" 2>/dev/null # the job's own shell, should it be waiting
	for p in "$@"; do
		p=$(pid_of "$p") && [ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	done
	wait_group "$STOP_TIMEOUT" "${JOB[$name]}" ||
		say "stages of $name still running after ${STOP_TIMEOUT}s"
	stop_job "$name"
}

# lag GROUP TOPIC: messages in TOPIC that GROUP has not committed
lag() {
	kcons -b "$B" -L -G "$1" -t "$2" --timeout 5s 2>/dev/null |
		jq '[.topics[].partitions[] | .high - (.committed // .low)] | add // 0'
}
# drain GROUP TOPIC: waits (at most DRAIN_TIMEOUT) until GROUP has consumed TOPIC
drain() {
	local end=$(($(date +%s) + DRAIN_TIMEOUT)) n
	while n=$(lag "$1" "$2"); [ "$n" != 0 ]; do
		if [ "$(date +%s)" -ge "$end" ]; then
			say "group $1 still has ${n:-?} messages of $2 to read after ${DRAIN_TIMEOUT}s; stopping anyway"
			return 1
		fi
		sleep 0.5
	done
}

# metrics NAME: prom-push's outputs for one source of metrics
metrics() {
	local out=(--textfile "$RUN/metrics/$1.prom")
	[ -n "$PUSHGATEWAY_URL" ] && out+=(-g "$PUSHGATEWAY_URL" -j seed -l "stage=$1")
	printf '%s\n' "${out[@]}"
}
mapfile -t M_DQ < <(metrics dq)
mapfile -t M_TRAFFIC < <(metrics traffic)
mapfile -t M_ALERTS < <(metrics alerts)
FLUSH_OPT=()
[ "$FLUSH" = 1 ] && FLUSH_OPT=(--flush)

# The right side of the profile join: a snapshot of every known user's profile,
# stamped an hour before the history starts (before its late events too), then one
# change a second, stamped now.
profile_feed() {
	trap 'exit 0' TERM
	awk -F, -v t="$1" 'NR > 1 {
		printf "{\"user_id\":\"%s\",\"timestamp\":\"%s\",\"plan\":\"%s\",\"mfa\":%s,\"newsletter\":%s}\n",
			$1, t, $2, NR % 3 == 0 ? "true" : "false", NR % 4 == 0 ? "true" : "false" }' "$USERS_CSV"
	local i=0 n
	n=$(($(wc -l <"$USERS_CSV") - 1))
	while sleep 1; do
		i=$((i + 1))
		printf '{"user_id":"user_%d","timestamp":"%(%Y-%m-%dT%H:%M:%S)TZ","plan":"plus","mfa":true,"newsletter":%s}\n' \
			$((i * 7919 % n + 1)) -1 "$([ $((i % 2)) = 0 ] && echo true || echo false)"
	done
}

traffic() {
	local start now step gen
	now=$(date +%s%3N)
	start=$((now - SPAN_MS))
	step=$((SPAN_MS / (BACKLOG > 0 ? BACKLOG : 1)))
	[ "$step" -gt 0 ] || step=1
	stage profile-feed profile_feed "$(date -u -d "@$(((start - 3600000) / 1000))" +%Y-%m-%dT%H:%M:%SZ)" |
		stage kprod-profiles kprod -v -b "$B" -t user_profiles -k user_id --timestamp-from timestamp &
	gen=(eventgen -n "$BACKLOG" --users "$USERS" --seed "$SEED" --start "$start" --step "${step}ms"
		--jitter 5s --late-fraction "$LATE_FRACTION" --bad-fraction "$BAD_FRACTION")
	[ -n "$SCENARIO" ] && gen+=(--scenario "$SCENARIO")
	if [ "$BACKLOG" -gt 0 ]; then
		mkdir -p "$RUN/traffic"
		stage eventgen-history "${gen[@]}" -v >"$RUN/traffic/history.ndjson"
		# The first events go alone, and the rest only once the pipeline has read them:
		# then it fetches every partition from the start. The rest is replayed at about
		# 300 times real time (30 minutes in 6 seconds), so that the partitions arrive
		# side by side as they would live. Otherwise a partition read late, or a batch
		# holding minutes of event time, puts another's events behind the watermark.
		head -n 60 "$RUN/traffic/history.ndjson" |
			stage kprod-history-first kprod -v -b "$B" -t events -k user_id \
				--timestamp-from timestamp --reject "$RUN/rejected-produce.ndjson"
		local end=$(($(date +%s) + 30))
		until [ "$(lag "$GROUP" events)" = 0 ] || [ "$(date +%s)" -ge "$end" ]; do sleep 0.2; done
		tail -n +61 "$RUN/traffic/history.ndjson" |
			stage kprod-history kprod -v -b "$B" -t events -k user_id --timestamp-from timestamp \
				--rate "$(((BACKLOG + 5) / 6))/s" --reject "$RUN/rejected-produce.ndjson"
		# a producer that timed out resends its last batch: duplicates for dedup
		if [ "$DUPLICATES" -gt 0 ]; then
			tail -n "$DUPLICATES" "$RUN/traffic/history.ndjson" |
				stage kprod-resend kprod -v -b "$B" -t events -k user_id --timestamp-from timestamp \
					--reject "$RUN/rejected-produce.ndjson"
		fi
	fi
	: >"$RUN/traffic.ready"
	if [ "$RATE" -gt 0 ]; then
		stage eventgen-live eventgen -v --rate "$RATE/s" --users "$USERS" --seed $((SEED + 1)) \
			--late-fraction "$LATE_FRACTION" --bad-fraction "$BAD_FRACTION" |
			stage kprod-live kprod -v -b "$B" -t events -k user_id --timestamp-from timestamp \
				--reject "$RUN/rejected-produce.ndjson" &
	fi
	wait
}

pipeline() {
	local win=(-k user_id -s 5m -S 1m -w 10m -a 'count() as event_count'
		-a 'collect_set(event_type) as event_types' -a 'min(timestamp) as session_start'
		-a 'max(timestamp) as session_end')
	rm -f "$RUN/profiles.fifo"
	mkfifo "$RUN/profiles.fifo" || return 1
	stage kcons-profiles kcons -v -b "$B" -t user_profiles --from -25h >"$RUN/profiles.fifo" &
	stage kcons kcons -v -b "$B" -G "$GROUP" -t events --meta -X auto.commit.interval.ms=1000 \
		-X max.partition.fetch.bytes=16384 |
		stage parse parse -v -s "$SCHEMA" --reject "$RUN/rejected.ndjson" |
		stage enrich-users enrich -v --table "$USERS_CSV" --on user_id --as user |
		tee -p >(stage dq-check dq-check -v --report --window 1m -w 1m \
			--required user_id,user --unique event_id --max-latency 1m \
			--valid 'amount_present: event_type != "purchase" || properties.amount != null' |
			stage prom-push-dq prom-push -v "${M_DQ[@]}") |
		stage dedup dedup -v -k event_id --within 10m -w 10m --checkpoint "$STATE/dedup.ckpt" \
			--dupes "$RUN/duplicates.ndjson" |
		tee -p >(stage detect-risk detect -v -f "$RULES/seed-events.rules" -w 10m --cooldown 10m \
			--state-ttl 1d --late "$RUN/late-risk.ndjson" --checkpoint "$STATE/risk.ckpt" "${FLUSH_OPT[@]}" |
			stage kprod-risk kprod -v -b "$B" -t alerts -k user_id) \
			>(stage enrich-profiles enrich -v --stream "$RUN/profiles.fifo" --on user_id \
				--within -24h..0 --as profile --left-outer -w 10m --other-w 1m |
				stage sink-events sink -v --dir "$RUN/lake/events" --max-age 1m >"$RUN/lake/events.files") \
			>(stage window-traffic window -v -s 1m -w 1m -a 'count() as events' \
				-a 'count_distinct(user_id) as active_users' |
				stage prom-push-traffic prom-push -v "${M_TRAFFIC[@]}" \
					-m 'counter:pipeline_events_processed_total=events;help=Events through the seed pipeline (after dedup).' \
					-m 'gauge:pipeline_active_users=active_users;help=Distinct users in the last closed minute.') |
		stage window window -v "${win[@]}" --late "$RUN/late.ndjson" \
			--checkpoint "$STATE/window.ckpt" "${FLUSH_OPT[@]}" |
		tee -p >(stage sink-windows sink -v --dir "$RUN/lake/windows" -T window.start --max-age 1m \
			>"$RUN/lake/windows.files") |
		stage detect-windows detect -v -f "$RULES/seed.rules" --cooldown 10m --by user_id -T window.end |
		stage kprod-alerts kprod -v -b "$B" -t alerts -k user_id
	wait
}

alert_metrics() {
	stage kcons-alerts kcons -v -b "$B" -G "$GROUP-alerts" -t alerts --meta \
		-X auto.commit.interval.ms=1000 |
		stage window-alerts window -v -k rule -s 10s -T _kafka.ts --idle-advance 2s \
			-a 'count() as alerts' |
		stage prom-push-alerts prom-push -v "${M_ALERTS[@]}" \
			-m 'counter:pipeline_alerts_total=alerts;labels=rule;help=Alerts written to the alerts topic, by rule.'
}

# kv LOG KEY: the value of KEY=N in the last line of logs/LOG.log that has it
kv() {
	local v
	v=$(grep -o "\b$2=[0-9]*" "$LOGS/$1.log" 2>/dev/null | tail -1 | cut -d= -f2)
	echo "${v:-0}"
}
# kprod_n LOG WORD: kprod's summary "in N, produced N, delivered N, failed N, rejected N"
kprod_n() {
	local v
	v=$(sed -n "s/.*[ ,]$2 \([0-9][0-9]*\).*/\1/p" "$LOGS/$1.log" 2>/dev/null | tail -1)
	echo "${v:-0}"
}
sum() { local s=0 x; for x in "$@"; do s=$((s + ${x:-0})); done; echo "$s"; }

report() {
	local produced rej_prod resent consumed failed=() n st rows files
	kcons -b "$B" -t alerts -e -q --timeout 10s >"$RUN/alerts.ndjson" 2>>"$LOGS/report.log"
	produced=$(sum "$(kprod_n kprod-history-first delivered)" "$(kprod_n kprod-history delivered)" \
		"$(kprod_n kprod-live delivered)")
	resent=$(kprod_n kprod-resend delivered)
	rej_prod=$(sum "$(kprod_n kprod-history-first rejected)" "$(kprod_n kprod-history rejected)" \
		"$(kprod_n kprod-resend rejected)" "$(kprod_n kprod-live rejected)")
	consumed=$(sed -n 's/.*consumed \([0-9]*\),.*/\1/p' "$LOGS/kcons.log" 2>/dev/null | tail -1)
	for n in "$RUN"/pids/*; do
		n=${n##*/}
		[ "$n" = '*' ] && continue
		st=$(cat "$RUN/status/$n" 2>/dev/null) || st=killed
		[ "$st" = 0 ] || failed+=("$n($st)")
	done
	rows=$(kv window rows)
	files=$(cat "$RUN"/lake/windows.files 2>/dev/null | wc -l)
	jq -n --argjson produced "${produced:-0}" --argjson resent "${resent:-0}" \
		--argjson rejected_produce "${rej_prod:-0}" --argjson consumed "${consumed:-0}" \
		--argjson parsed "$(kv parse out)" --argjson rejected_parse "$(kv parse rejected)" \
		--argjson duplicates "$(kv dedup dropped)" --argjson passed "$(kv dedup passed)" \
		--argjson late "$(kv window late)" --argjson windows "${rows:-0}" \
		--argjson enriched "$(kv sink-events written)" --argjson landed_windows "$(kv sink-windows written)" \
		--arg failed "${failed[*]:-}" --slurpfile alerts "$RUN/alerts.ndjson" \
		'{produced: $produced, resent: $resent, rejected_produce: $rejected_produce,
		  consumed: $consumed, parsed: $parsed, rejected_parse: $rejected_parse,
		  duplicates: $duplicates, passed: $passed, late: $late, windows: $windows,
		  landed_windows: $landed_windows, enriched_events: $enriched,
		  alerts: ($alerts | group_by(.rule) | map({key: .[0].rule, value: (map(.user_id) | unique)}) | from_entries),
		  failed_stages: ($failed | split(" ") | map(select(. != "")))}' \
		>"$RUN/summary.json" 2>>"$LOGS/report.log" || say "could not write summary.json (see logs/report.log)"
	{
		echo "seed pipeline run in $RUN"
		printf '  %-12s %s\n' "events in" "${consumed:-0} read from topic events (${produced:-0} produced, ${resent:-0} of them resent)" \
			"rejected" "$(sum "$rej_prod" "$(kv parse rejected)") ($rej_prod by kprod: rejected-produce.ndjson, $(kv parse rejected) by parse: rejected.ndjson)" \
			"duplicates" "$(kv dedup dropped) dropped by dedup (duplicates.ndjson)" \
			"late" "$(kv window late) events behind the 10m watermark (late.ndjson)" \
			"windows" "${rows:-0} rows, landed by sink in $files files under lake/windows" \
			"enriched" "$(kv sink-events written) events with their profile under lake/events" \
			"alerts" "$(wc -l <"$RUN/alerts.ndjson") in topic alerts (alerts.ndjson):"
		jq -rs 'group_by(.rule)[] | "      \(.[0].rule): \(map(.user_id) | unique | join(" "))"' \
			"$RUN/alerts.ndjson" 2>/dev/null
		printf '  %-12s %s\n' "metrics" "$RUN/metrics/*.prom${PUSHGATEWAY_URL:+ and $PUSHGATEWAY_URL (job seed)}" \
			"logs" "$LOGS/"
		[ ${#failed[@]} -eq 0 ] || printf '  %-12s %s\n' "FAILED" "${failed[*]} (see their logs)"
	}
	[ ${#failed[@]} -eq 0 ]
}

stopping=
shutdown() { # how: drain (after -t) or now (a signal)
	if [ -n "$stopping" ]; then
		say "stopping at once"
		for j in "${!JOB[@]}"; do stop_job "$j"; done
		[ -n "$KBROKER_PID" ] && kill "$KBROKER_PID" 2>/dev/null
		exit 130
	fi
	stopping=1
	say "stopping"
	end_job traffic kprod-history-first kprod-history kprod-resend eventgen-live profile-feed
	if [ "$1" = drain ]; then
		drain "$GROUP" events
	fi
	end_job pipeline kcons kcons-profiles
	[ "$1" = drain ] && drain "$GROUP-alerts" alerts
	end_job alerts kcons-alerts
	rc=1
	if [ -n "$B" ]; then
		report
		rc=$?
	fi
	if [ -n "$KBROKER_PID" ]; then
		kill "$KBROKER_PID" 2>/dev/null
		wait "$KBROKER_PID" 2>/dev/null
	fi
	exit $rc
}
trap 'shutdown now' INT TERM HUP
# pause SECONDS: a sleep that a signal interrupts (bash runs traps only between commands)
SLEEP_PID=
pause() {
	sleep "$1" &
	SLEEP_PID=$!
	wait "$SLEEP_PID"
	SLEEP_PID=
}
# whatever ends this script, nothing it started stays behind
cleanup() {
	local j
	[ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
	for j in "${!JOB[@]}"; do kill -TERM -- "-${JOB[$j]}" 2>/dev/null; done
	[ -n "$KBROKER_PID" ] && kill "$KBROKER_PID" 2>/dev/null
}
trap cleanup EXIT

if [ -n "${KAFKA_BROKERS:-}" ]; then
	B=$KAFKA_BROKERS
else
	# a fresh cluster has fresh offsets: checkpoints of an earlier run do not apply
	rm -f "$STATE"/*.ckpt
	rm -f "$RUN/kbroker.addr"
	start_job kbroker kbroker -t events:6 -t alerts:1 -t user_profiles:3 \
		--bootstrap-file "$RUN/kbroker.addr" >/dev/null 2>"$LOGS/kbroker.log"
	KBROKER_PID=${JOB[kbroker]}
	echo "$KBROKER_PID" >"$RUN/kbroker.pid"
	unset 'JOB[kbroker]'
	end=$(($(date +%s) + 30))
	until [ -s "$RUN/kbroker.addr" ]; do
		if ! alive "$KBROKER_PID" || [ "$(date +%s)" -ge "$end" ]; then
			say "kbroker did not start:"
			cat "$LOGS/kbroker.log" >&2
			exit 1
		fi
		sleep 0.05
	done
	B=$(cat "$RUN/kbroker.addr")
fi
say "Kafka at $B; run folder $RUN"

start_job pipeline pipeline
start_job alerts alert_metrics
# traffic starts once the pipeline reads the topic (a group takes seconds to form)
end=$(($(date +%s) + 60))
until grep -q 'assigned: events' "$LOGS/kcons.log" 2>/dev/null; do
	if [ "$(date +%s)" -ge "$end" ] || ! group_busy "${JOB[pipeline]}"; then
		say "the pipeline did not start reading topic events; see $LOGS"
		shutdown now
	fi
	pause 0.1
done
if [ "$TRAFFIC" = 1 ]; then
	start_job traffic traffic
	while [ ! -e "$RUN/traffic.ready" ] && group_busy "${JOB[traffic]}"; do
		pause 0.1
	done
	if [ "$RATE" -gt 0 ]; then
		say "history produced; live traffic at $RATE events/s"
	else
		say "history produced"
	fi
fi
# running: until -t's time is up or a signal; a pipeline that ends by itself (a stage
# failed: see its log) ends the run too
[ -n "$DURATION" ] || say "running; Ctrl-C to stop"
end=$(($(date +%s) + ${DURATION:-0}))
while [ -z "$DURATION" ] || [ "$(date +%s)" -lt "$end" ]; do
	if ! group_busy "${JOB[pipeline]}"; then
		say "the pipeline stopped by itself; see $LOGS"
		shutdown now
	fi
	pause 1
done
shutdown drain
