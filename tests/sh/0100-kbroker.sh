#!/bin/bash
# kbroker: address only once it serves, topics, signals, parent death; scripts/with-kbroker.
. "$(dirname "$0")/helpers.sh"

WK="$RUNNEL_SRC/scripts/with-kbroker"
# accepts HOST:PORT: true while something listens there
accepts() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

# start in the background; the first stdout line is the address
kbroker -t events:3 -t one --bootstrap-file "$T/addr" >"$T/out" 2>"$T/err" &
kpid=$!
on_exit "kill -9 $kpid"
wait_for "kbroker's address" 30 test -s "$T/out"
addr=$(head -1 "$T/out")
case $addr in
127.0.0.1:[0-9]*) ;;
*) fail "address line looks wrong: [$addr]" ;;
esac
assert_eq "$addr" "$(cat "$T/addr")" "--bootstrap-file holds the same address"
assert_eq "" "$(find "$T" -maxdepth 1 -name 'addr.tmp*')" "no temp file left"
assert_grep '^kbroker: in-memory Kafka cluster \(1 broker\) at 127\.0\.0\.1:[0-9]+: not durable' \
	"$T/err" "stderr says in memory, not durable"
assert_grep 'for tests and demos only' "$T/err" "stderr says tests and demos"
# no retry loop: the address is printed only once the broker serves, so this succeeds at once
kcat -b "$addr" -L -m 5 >"$T/md" 2>&1
assert_eq 0 $? "kcat -L right after the address"
assert_grep 'topic "events" with 3 partitions' "$T/md" "events pre-created with 3 partitions"
assert_grep 'topic "one" with 1 partitions' "$T/md" "TOPIC without :P has 1 partition"
# a real client round trip
printf 'a\nb\nc\n' | kcat -b "$addr" -P -t one
assert_eq "a b c" "$(kcat -b "$addr" -C -t one -e -q -f '%s ' | sed 's/ $//')" "produce and consume"
# auto-creation of unknown topics, as documented: 4 partitions
kcat -b "$addr" -L -t fresh -m 5 >"$T/md2" 2>&1
assert_grep 'topic "fresh" with 4 partitions' "$T/md2" "unknown topic auto-created with 4 partitions"
assert_eq 1 "$(wc -l <"$T/out" | tr -d ' ')" "exactly one stdout line"

accepts "$addr" || fail "the port check does not see the running broker"
kill -TERM $kpid
wait $kpid
assert_eq 0 $? "exit status after SIGTERM"
test -e "$T/addr" && fail "bootstrap file not removed at exit"
accepts "$addr" && fail "broker still answers after SIGTERM"

# SIGINT too; three brokers
kbroker -n 3 -q >"$T/out3" 2>"$T/err3" &
kpid=$!
on_exit "kill -9 $kpid"
wait_for "kbroker -n 3 address" 30 test -s "$T/out3"
addr3=$(head -1 "$T/out3")
assert_eq 3 "$(echo "$addr3" | tr ',' '\n' | grep -c '^127\.0\.0\.1:[0-9]*$')" "three bootstrap addresses"
kcat -b "$addr3" -L -m 5 >"$T/md3" 2>&1
assert_grep '^ 3 brokers:' "$T/md3" "metadata lists three brokers"
assert_eq "" "$(cat "$T/err3")" "-q: no notice"
kill -INT $kpid
wait $kpid
assert_eq 0 $? "exit status after SIGINT"

# parent dies with SIGKILL: kbroker goes too
bash -c 'kbroker >"$1/pout" 2>/dev/null & echo $! >"$1/ppid"; wait' _ "$T" &
parent=$!
wait_for "child kbroker's address" 30 test -s "$T/pout"
child=$(cat "$T/ppid")
on_exit "kill -9 $child"
kill -0 "$child" 2>/dev/null || fail "kbroker under the parent is not running"
disown $parent # no "Killed" notice from the shell
kill -KILL $parent
wait_for "kbroker to exit after its parent died" 10 sh -c "! kill -0 $child"
accepts "$(head -1 "$T/pout")" && fail "orphaned broker still answers"

# usage errors
assert_status 2 "bad topic name" kbroker -t 'bad topic:2' 2>"$T/uerr"
assert_grep "^kbroker: -t: expected TOPIC or TOPIC:PARTITIONS, got bad topic:2" "$T/uerr" "bad -t message"
assert_status 2 "zero partitions" kbroker -t t:0 2>/dev/null
assert_status 2 "zero brokers" kbroker -n 0 2>/dev/null
assert_status 2 "stray argument" kbroker extra 2>/dev/null
kbroker --help >"$T/help"
assert_grep '^usage: kbroker' "$T/help" "--help on stdout"

# unwritable bootstrap file: exit 1 with a message, no address printed
kbroker --bootstrap-file "$T/no/such/dir/addr" >"$T/bout" 2>"$T/berr"
assert_eq 1 $? "unwritable --bootstrap-file"
assert_grep "^kbroker: cannot write $T/no/such/dir/addr: No such file or directory" "$T/berr" "bootstrap file error"
assert_eq "" "$(cat "$T/bout")" "no address when the file cannot be written"

# with-kbroker: environment, -t pass-through, exit status, stdin, the broker stops
"$WK" -t w:5 -- sh -c 'echo "$KAFKA_BROKERS" >"$1/wk_addr"; echo "$KBROKER_PID" >"$1/wk_pid";
	kcat -b "$KAFKA_BROKERS" -L -t w -m 5 >"$1/wk_md" 2>&1; cat >"$1/wk_in"; exit 7' _ "$T" \
	<<<"from stdin" 2>"$T/wk_err"
assert_eq 7 $? "with-kbroker exits with CMD's status"
assert_grep 'topic "w" with 5 partitions' "$T/wk_md" "with-kbroker -t passes through"
assert_grep '^127\.0\.0\.1:[0-9]+$' "$T/wk_addr" "KAFKA_BROKERS exported"
assert_eq "from stdin" "$(cat "$T/wk_in")" "CMD reads with-kbroker's stdin"
assert_grep 'not durable' "$T/wk_err" "the broker's notice is shown"
kill -0 "$(cat "$T/wk_pid")" 2>/dev/null && fail "broker still running after with-kbroker"
accepts "$(cat "$T/wk_addr")" && fail "broker still answers after with-kbroker"

"$WK" true 2>/dev/null
assert_eq 0 $? "with-kbroker true"
"$WK" -t 'bad topic' true 2>"$T/wk_bad"
assert_eq 2 $? "with-kbroker: kbroker usage error"
assert_grep '^with-kbroker: kbroker failed to start' "$T/wk_bad" "with-kbroker says the broker failed"
"$WK" 2>/dev/null
assert_eq 2 $? "with-kbroker without a command"

# SIGTERM to with-kbroker: CMD gets it, the broker stops
"$WK" sh -c 'echo "$KBROKER_PID" >"$1/wk2_pid"; exec sleep 60' _ "$T" 2>/dev/null &
wk=$!
wait_for "with-kbroker's command to start" 30 test -s "$T/wk2_pid"
kill -TERM $wk
wait $wk
assert_eq 143 $? "with-kbroker after SIGTERM: CMD's status"
wait_for "the broker to stop after with-kbroker was terminated" 10 \
	sh -c "! kill -0 $(cat "$T/wk2_pid")"

done_testing
