#!/bin/bash
# kprod never loses what it reports delivered: SIGTERM mid-produce, a stalled cluster,
# failed deliveries, unreachable brokers (bounded, exit 1, a message).
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/kbroker.sh"

start_kbroker -t live:1 -t stall:1 -t one:1

# summary FILE FIELD: a number from kprod's -v summary line
summary() { sed -n 's/^kprod: \(in [0-9]*, produced .*\)/\1/p' "$1" | tr ',' '\n' | awk -v f="$2" '$1 == f { print $2 }'; }
# in = delivered + failed + rejected, and the first DELIVERED values of the one-partition
# TOPIC are exactly 1..DELIVERED (an idempotent producer keeps order)
check_accounting() {
	_in=$(summary "$1" "in") _del=$(summary "$1" delivered) _fail=$(summary "$1" failed)
	_rej=$(summary "$1" rejected)
	assert_eq "$_in" "$((_del + _fail + _rej))" "$3: in = delivered + failed + rejected"
	kc_values "$2" >"$T/$2.got"
	[ "$(lines "$T/$2.got")" -ge "$_del" ] || fail "$3: topic has fewer messages than reported delivered"
	head -n "$_del" "$T/$2.got" | cmp -s - <(seq 1 "$_del") ||
		fail "$3: a message reported delivered is missing from the topic"
	_checks=$((_checks + 2))
}

# SIGTERM while producing a paced stream: stop reading, deliver what was read, exit 0
seq 1 200000 >"$T/seq"
kprod -b "$B" -t live --rate 20000/s -v "$T/seq" 2>"$T/live.err" &
kp=$!
wait_for "the first messages in the topic" 30 sh -c "kcat -b '$B' -C -t live -c 1 -e -q | grep -q 1"
kill -TERM $kp
wait_for "kprod to stop after SIGTERM" 30 sh -c "! kill -0 $kp"
wait $kp
assert_eq 0 $? "exit status after SIGTERM with everything delivered"
assert_grep '^kprod: in [0-9]+, produced [0-9]+, delivered [0-9]+, failed 0, rejected 0$' \
	"$T/live.err" "summary after SIGTERM"
check_accounting "$T/live.err" live "SIGTERM"
[ "$(summary "$T/live.err" in)" -lt 200000 ] || fail "SIGTERM did not stop reading"

# a stalled cluster (broker SIGSTOPped) and SIGTERM: bounded stop (--timeout), exit 1,
# the unconfirmed messages are reported; everything reported delivered is in the topic
mkfifo "$T/fifo"
kprod -b "$B" -t stall -v --timeout 2 -X linger.ms=0 <"$T/fifo" 2>"$T/stall.err" &
kp=$!
exec 7>"$T/fifo"
seq 1 1000 >&7
wait_for "1000 messages in the topic" 30 \
	sh -c "kcat -b '$B' -Q -t stall:0:-1 2>/dev/null | grep -q 'offset 1000\$'"
kill -STOP "$KBROKER_PID"
seq 1001 2000 >&7
kill -TERM $kp
wait_for "kprod to give up on the stalled cluster" 30 sh -c "! kill -0 $kp"
wait $kp
st=$?
kill -CONT "$KBROKER_PID"
exec 7>&-
check_accounting "$T/stall.err" stall "stalled cluster"
del=$(summary "$T/stall.err" delivered)
[ "$del" -ge 1000 ] || fail "the 1000 messages confirmed before the stall are not counted delivered ($del)"
if [ "$(summary "$T/stall.err" failed)" -gt 0 ]; then
	assert_eq 1 "$st" "exit status with unconfirmed messages"
	assert_grep '^kprod: stopped before [0-9]+ messages? (was|were) confirmed: they may or may not be in the topic$' \
		"$T/stall.err" "unconfirmed messages reported"
	assert_grep '^kprod: stopping: waiting up to 2s for [0-9]+ outstanding deliveries$' \
		"$T/stall.err" "bounded wait announced"
else
	assert_eq 0 "$st" "exit status when all were confirmed"
fi

# delivery failures: reported per message, counted, exit 1
seq 3 | kprod -b "$B" -t one -p 5 -v 2>"$T/fail.err"
assert_eq 1 $? "exit status after failed deliveries"
assert_eq 3 "$(grep -c '^kprod: delivery failed: one \[5\]: Local: Unknown partition$' "$T/fail.err")" \
	"one message per failed delivery"
assert_grep '^kprod: 3 messages not delivered \(see above\)$' "$T/fail.err" "failure count"
assert_grep '^kprod: in 3, produced 0, delivered 0, failed 3, rejected 0$' "$T/fail.err" "summary"

# the cluster goes away for good: deliveries time out (message.timeout.ms), exit 1
start_kbroker -t gone:1
# (a short reconnect backoff: librdkafka scans for timed-out messages between attempts)
seq 20 | kprod -b "$B" -t gone -X message.timeout.ms=1500 -X reconnect.backoff.max.ms=500 \
	--rate 10/s -v 2>"$T/gone.err" &
kp=$!
wait_for "a first message" 30 sh -c "kcat -b '$B' -C -t gone -c 1 -e -q | grep -q 1"
disown "$KBROKER_PID" # no "Killed" notice from the shell
kill -KILL "$KBROKER_PID"
wait_for "kprod to fail the undelivered messages" 60 sh -c "! kill -0 $kp"
wait $kp
assert_eq 1 $? "exit status when the cluster disappears"
assert_grep '^kprod: delivery failed: gone \[0\]: Local: Message timed out$' "$T/gone.err" \
	"timed-out delivery reported"
assert_grep '^kprod: [0-9]+ messages? not delivered \(see above\)$' "$T/gone.err" "count reported"

# nothing listens: bounded (--timeout), exit 1, a message naming the brokers
port=$(free_port)
echo x | kprod -b "127.0.0.1:$port" -t t --timeout 2 2>"$T/nob.err" &
kp=$!
wait_for "kprod to give up on unreachable brokers" 30 sh -c "! kill -0 $kp"
wait $kp
assert_eq 1 $? "exit status with no broker"
assert_grep "^kprod: cannot reach the Kafka cluster at 127\.0\.0\.1:$port within 2s \(--timeout\): .*Connection refused" \
	"$T/nob.err" "unreachable brokers message"
# $KAFKA_BROKERS is the default, -b overrides it
echo x | KAFKA_BROKERS="127.0.0.1:$port" kprod -t t --timeout 1 2>"$T/env.err"
assert_eq 1 $? "exit status with \$KAFKA_BROKERS unreachable"
assert_grep "at 127\.0\.0\.1:$port within" "$T/env.err" "KAFKA_BROKERS used by default"

done_testing
