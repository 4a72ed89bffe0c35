#!/bin/bash
# prom-push --textfile: node_exporter textfile output that promtool accepts, written
# atomically (a kill -9 in the middle of a write never leaves a partial .prom file).
. "$(dirname "$0")/helpers.sh"

cat >"$T/in" <<'J'
{"name":"jobs_processed_total","type":"counter","value":3,"labels":{"queue":"a"},"help":"Jobs done."}
{"name":"jobs_processed_total","type":"counter","value":4,"labels":{"queue":"a"}}
{"name":"jobs_processed_total","type":"counter","value":1,"labels":{"queue":"b\\c \"q\"\nz"}}
{"name":"temperature_celsius","type":"gauge","value":21.5,"help":"Temperature\\today."}
{"name":"job_duration_seconds","type":"histogram","value":0.3,"help":"Job duration."}
{"name":"job_duration_seconds","type":"histogram","value":42,"help":"Job duration."}
{"name":"payload_bytes","type":"summary","value":1024,"help":"Payload sizes."}
J
cat >"$T/want" <<'E'
# HELP job_duration_seconds Job duration.
# TYPE job_duration_seconds histogram
job_duration_seconds_bucket{le="0.005"} 0
job_duration_seconds_bucket{le="0.01"} 0
job_duration_seconds_bucket{le="0.025"} 0
job_duration_seconds_bucket{le="0.05"} 0
job_duration_seconds_bucket{le="0.1"} 0
job_duration_seconds_bucket{le="0.25"} 0
job_duration_seconds_bucket{le="0.5"} 1
job_duration_seconds_bucket{le="1"} 1
job_duration_seconds_bucket{le="2.5"} 1
job_duration_seconds_bucket{le="5"} 1
job_duration_seconds_bucket{le="10"} 1
job_duration_seconds_bucket{le="+Inf"} 2
job_duration_seconds_sum 42.3
job_duration_seconds_count 2
# HELP jobs_processed_total Jobs done.
# TYPE jobs_processed_total counter
jobs_processed_total{queue="a"} 7
jobs_processed_total{queue="b\\c \"q\"\nz"} 1
# HELP payload_bytes Payload sizes.
# TYPE payload_bytes summary
payload_bytes_sum 1024
payload_bytes_count 1
# HELP temperature_celsius Temperature\\today.
# TYPE temperature_celsius gauge
temperature_celsius 21.5
E
prom-push --no-self-metrics --textfile "$T/out.prom" <"$T/in"
assert_eq 0 $? "textfile exit status"
assert_file_eq "$T/want" "$T/out.prom" "textfile exposition"
promtool check metrics <"$T/out.prom" >"$T/lint" 2>&1
assert_eq 0 $? "promtool check metrics accepts the textfile"
assert_eq "" "$(cat "$T/lint")" "promtool has no complaints"
assert_eq "" "$(find "$T" -name '.*tmp')" "no temp file left"
prom-push --no-self-metrics --textfile - <"$T/in" >"$T/stdout"
assert_file_eq "$T/want" "$T/stdout" "--textfile - prints the exposition at the end"

# with the self metrics too, promtool's lint is still clean
prom-push --textfile "$T/self.prom" <"$T/in"
promtool check metrics <"$T/self.prom" >"$T/lint" 2>&1
assert_eq 0 $? "promtool accepts the self metrics"
assert_grep '^runnel_records_in_total 7$' "$T/self.prom" "records in"

prom-push --textfile "$T/no/such/dir/x.prom" <"$T/in" 2>"$T/err"
assert_eq 1 $? "unwritable textfile is a runtime error"
assert_grep "^prom-push: cannot create $T/no/such/dir/\.x\.prom\.[0-9]+\.tmp: No such file or directory" "$T/err" "message"

# a reader that goes away early: exit 0, quietly
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "{\"name\":\"g\",\"type\":\"gauge\",\"value\":1,\"labels\":{\"i\":\"%d\"}}\n", i }' |
	prom-push --textfile - 2>"$T/err" | head -1 >"$T/first"
assert_eq "0 0 0" "${PIPESTATUS[*]}" "EPIPE on stdout"
assert_eq "# HELP g g gauge." "$(cat "$T/first")" "first line"
assert_eq "" "$(cat "$T/err")" "no message after EPIPE"

# SIGTERM: the last state is written before exiting
mkfifo "$T/fifo"
prom-push --textfile "$T/term.prom" -i 1h <"$T/fifo" &
pid=$!
exec 7>"$T/fifo"
head -3 "$T/in" >&7
wait_for "the textfile after the input paused" 20 grep -q 'queue="a"} 7' "$T/term.prom"
tail -n +4 "$T/in" >&7
wait_for "the records after the pause" 20 grep -q '^runnel_records_in_total 7$' "$T/term.prom"
kill -TERM $pid
wait $pid
assert_eq 0 $? "exit 0 after SIGTERM"
exec 7>&-

# kill -9 while a large file is being written: only complete files are ever visible
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "{\"name\":\"a_series\",\"type\":\"gauge\",\"value\":%d,\"labels\":{\"id\":\"%06d\"}}\n", i, i }' >"$T/big"
want_lines=40008 # 40000 samples, HELP and TYPE, and the two self-metric families
hits=0
for attempt in $(seq 1 20); do
	rm -f "$T/big.prom" "$T"/.big.prom.*.tmp
	mkfifo "$T/bigfifo.$attempt"
	prom-push --textfile "$T/big.prom" -i 10ms <"$T/bigfifo.$attempt" &
	pid=$!
	exec 8>"$T/bigfifo.$attempt"
	cat "$T/big" >&8
	wait_for "a textfile with every record" 30 grep -q '^runnel_records_in_total 40000$' "$T/big.prom"
	# rewritten every 10 ms from now on: kill it as soon as a write is under way
	end=$(($(date +%s) + 10))
	until compgen -G "$T/.big.prom.*.tmp" >/dev/null || [ "$(date +%s)" -ge "$end" ]; do :; done
	kill -KILL $pid
	wait $pid 2>/dev/null
	exec 8>&-
	# the visible file is always a whole exposition
	assert_eq $want_lines "$(lines "$T/big.prom")" "complete textfile after kill -9 (attempt $attempt)"
	assert_eq 'runnel_records_rejected_total 0' "$(tail -n 1 "$T/big.prom")" \
		"textfile ends with its last sample (attempt $attempt)"
	if compgen -G "$T/.big.prom.*.tmp" >/dev/null; then
		hits=$((hits + 1))
		[ "$hits" -ge 3 ] && break
	fi
done
[ "$hits" -ge 1 ] || fail "no kill -9 landed during a write in 20 attempts"
info "kill -9 landed during a write $hits times"
promtool check metrics <"$T/big.prom" >"$T/lint" 2>&1
assert_eq 0 $? "promtool accepts the textfile that survived"
done_testing
