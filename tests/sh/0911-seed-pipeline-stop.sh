#!/bin/bash
# examples/seed-pipeline.sh with its own kbroker and live traffic, stopped by Ctrl-C
# (SIGINT to its process group, as a terminal sends it) and by SIGTERM: it exits 0
# within bounds, every stage ended by itself (status 0, closing summary logged),
# checkpoints are saved, and no process of the run is left, kbroker included.
. "$(dirname "$0")/helpers.sh"

# run_until_signal NAME SIGNAL TARGET: starts the pipeline in a process group of its
# own (job control on, so SIGINT is not ignored), waits until it runs, signals it
run_until_signal() {
	local run=$T/$1 err=$T/$1.err
	set -m
	"$RUNNEL_SRC/examples/seed-pipeline.sh" -d "$run" -n 3000 -r 200 >"$T/$1.out" 2>"$err" &
	pid=$!
	set +m
	# should the test stop early: the script stops its jobs itself, before $T goes
	on_exit "kill -TERM $pid; for i in \$(seq 600); do kill -0 $pid || break; sleep 0.1; done"
	wait_for "the pipeline of $1 to run" 60 grep -q 'running; Ctrl-C to stop' "$err"
	wait_for "events through dedup in $1" 30 test -s "$run/duplicates.ndjson"
	if [ "$3" = group ]; then
		kill "-$2" -- "-$pid"
	else
		kill "-$2" "$pid"
	fi
	# bounded: the script's own stop takes at most STOP_TIMEOUT per job
	local end=$(($(date +%s) + 60))
	while kill -0 "$pid" 2>/dev/null; do
		[ "$(date +%s)" -ge "$end" ] && { kill -KILL -- "-$pid"; die "$1: still running 60 s after SIG$2"; }
		sleep 0.1
	done
	wait "$pid"
	assert_eq 0 $? "$1: exit status after SIG$2"
	assert_grep 'stopping' "$err" "$1: says it stops"
	assert_grep '^seed pipeline run in ' "$T/$1.out" "$1: the report"
	assert_no_grep 'FAILED|killed|still running' "$T/$1.out" "$1: no stage failed"
	assert_no_grep 'killed|still running' "$err" "$1: nothing had to be killed"
	for n in $(cd "$run/pids" && echo *); do
		assert_eq 0 "$(cat "$run/status/$n" 2>/dev/null)" "$1: $n exited 0"
		kill -0 "$(cat "$run/pids/$n")" 2>/dev/null && fail "$1: $n still runs"
	done
	[ "$(ls "$run/pids" | wc -l)" -ge 25 ] || fail "$1: only $(ls "$run/pids" | wc -l) stages ran"
	kill -0 "$(cat "$run/kbroker.pid")" 2>/dev/null && fail "$1: kbroker still runs"
	assert_eq "" "$(ps -eo pid=,args= | grep -F "$run" | grep -v grep)" "$1: no process of the run is left"
	assert_eq "" "$(ps -eo pgid=,stat=,args= | awk -v g="$pid" '$1 == g && $2 !~ /^Z/')" \
		"$1: nothing left in the script's process group"
	for c in window dedup risk; do
		[ -s "$run/state/$c.ckpt" ] || fail "$1: no $c checkpoint saved"
	done
	assert_grep 'rows=' "$run/logs/window.log" "$1: window wrote its summary"
	assert_grep 'delivered' "$run/logs/kprod-live.log" "$1: the live producer delivered and said so"
}

run_until_signal ctrl-c INT group
run_until_signal sigterm TERM process
done_testing
