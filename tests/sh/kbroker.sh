# shellcheck shell=bash
# Sourced after helpers.sh by tests that need Kafka: start_kbroker [kbroker options]
# starts an in-memory cluster on free loopback ports, stopped at exit, and sets
# B (bootstrap address) and KBROKER_PID. A bounded wait: kbroker prints its address
# only once it accepts connections.
start_kbroker() {
	_kb_n=${_kb_n:-0}
	_kb_n=$((_kb_n + 1))
	kbroker "$@" --bootstrap-file "$T/kbroker$_kb_n.addr" >/dev/null 2>"$T/kbroker$_kb_n.err" &
	KBROKER_PID=$!
	on_exit "kill -CONT $KBROKER_PID; kill $KBROKER_PID; wait $KBROKER_PID"
	wait_for "kbroker's address" 60 test -s "$T/kbroker$_kb_n.addr"
	B=$(cat "$T/kbroker$_kb_n.addr")
}
# kc_values TOPIC: every value in TOPIC, one per line (kcat as the independent reader)
kc_values() {
	kcat -b "$B" -C -t "$1" -e -q -f '%s\n'
}
