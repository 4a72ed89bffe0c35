#!/bin/bash
# Every NDJSON filter, one contract (runnel(7)): bad lines of every kind (over-long,
# invalid UTF-8, binary garbage, empty, not JSON) are reported as `tool: FILE:LINE:`,
# never crash the tool and never cost a good record; --strict stops with 4; empty
# input is fine; a closed stdout ends quietly with 0; SIGTERM keeps what was read.
. "$(dirname "$0")/helpers.sh"

eventgen -n 40 >"$T/good"
printf '{"user_id":"user_1","event_id":"e1","tier":"gold"}\n' >"$T/table"
# the input: good lines 1-10, then bad lines 11-15, then good lines 16-45
mixed() {
	head -10 "$1"
	printf '{"x":"%s"}\n' "$(head -c 6000 /dev/zero | tr '\0' a)"      # 11: over-long
	printf '{"user_id":"\xff\xfe"}\n'                                # 12: invalid UTF-8
	printf '\x01\x02\x9c\xfe garbage \x00 bytes\n'                  # 13: binary
	printf '\n'                                                      # 14: empty
	printf '{"user_id": \n'                                          # 15: not JSON
	tail -n +11 "$1"
}
mixed "$T/good" >"$T/mixed"
# prom-push reads metric records
for i in $(seq 40); do
	echo '{"name":"events_total","type":"counter","value":1,"labels":{"n":"'$((i % 3))'"}}'
done >"$T/metrics"
mixed "$T/metrics" >"$T/mixed.metrics"

# name | command | good records out (with 40 good lines in) ("" when not per record)
specs=(
	"parse|parse -s $RUNNEL_SRC/examples/schemas/event.avsc|40"
	"window|window -k user_id -s 1h --emit every|40"
	"detect|detect -r 'all: true'|40"
	"dq-check|dq-check --required user_id|40"
	"enrich|enrich -t $T/table -o user_id|40"
	"dedup|dedup -k event_id --within 1m|40"
	"sink|sink -d $T/sinkdir -P ''|"
	"prom-push|prom-push --textfile $T/out.prom|"
)

for spec in "${specs[@]}"; do
	IFS='|' read -r tool cmd want <<<"$spec"
	rm -rf "$T/sinkdir"
	in=$T/mixed
	[ "$tool" = prom-push ] && in=$T/mixed.metrics

	eval "$cmd --max-line 4K" <"$in" >"$T/out" 2>"$T/err"
	assert_eq 0 $? "$tool: exit status with bad lines"
	for n in 11 12 13 14 15; do
		assert_grep "^$tool: <stdin>:$n: " "$T/err" "$tool: line $n reported"
	done
	assert_eq 5 "$(grep -c "^$tool: <stdin>:" "$T/err")" "$tool: exactly the 5 bad lines reported"
	if [ -n "$want" ]; then
		assert_eq "$want" "$(lines "$T/out")" "$tool: every good record out"
	elif [ "$tool" = sink ]; then
		assert_eq 40 "$(cat "$T"/sinkdir/*.ndjson | wc -l)" "sink: every good record landed"
	else
		assert_grep '^runnel_records_in_total 45$' "$T/out.prom" "prom-push: lines counted"
		assert_grep '^events_total\{n="0"\} 13$' "$T/out.prom" "prom-push: good records counted"
		assert_grep '^runnel_records_rejected_total 5$' "$T/out.prom" "prom-push: bad counted"
	fi

	eval "$cmd --max-line 4K --strict" <"$in" >/dev/null 2>"$T/err"
	assert_eq 4 $? "$tool: --strict exit status"
	assert_eq 1 "$(grep -c "^$tool: <stdin>:" "$T/err")" "$tool: --strict stops at the first"

	eval "$cmd" </dev/null >"$T/out" 2>"$T/err"
	assert_eq 0 $? "$tool: empty input"
	[ "$tool" = prom-push ] || assert_eq 0 "$(lines "$T/out")" "$tool: nothing out of nothing"

	# a reader that goes away: exit 0, quietly
	if [ -n "$want" ]; then
		for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat "$T/good"; done >"$T/many"
		for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat "$T/many"; done |
			eval "$cmd" 2>"$T/err" | head -1 >/dev/null
		assert_eq "0 0" "${PIPESTATUS[1]} ${PIPESTATUS[2]}" "$tool | head -1"
		assert_eq "" "$(cat "$T/err")" "$tool | head -1 is quiet"
	fi

	# SIGTERM after input was read: exit 0, nothing read is lost
	if [ -n "$want" ]; then
		rm -f "$T/fifo"
		mkfifo "$T/fifo"
		eval "exec $cmd -u" <"$T/fifo" >"$T/out" 2>"$T/err" &
		pid=$!
		exec 7>"$T/fifo"
		head -10 "$T/good" >&7
		wait_for "$tool to write 10 records" 20 sh -c "test \$(wc -l <'$T/out') -ge 10"
		kill -TERM $pid
		wait $pid
		assert_eq 0 $? "$tool: exit status after SIGTERM"
		exec 7>&-
		assert_eq 10 "$(lines "$T/out")" "$tool: records after SIGTERM"
	fi
done

done_testing
