#!/bin/bash
# The EXAMPLES of kbroker(1) and kprod(1), run as written (only /tmp/b is $T/b).
. "$(dirname "$0")/helpers.sh"
unset KAFKA_BROKERS

# kbroker(1), first example
kbroker -t events:6 --bootstrap-file "$T/b" >/dev/null 2>&1 &
on_exit "kill $!"
while [ ! -s "$T/b" ]; do sleep 0.1; done # kbroker writes the file once it serves
B=$(cat "$T/b")
printf '{"user_id":"u1","n":1}\n' | kprod -b "$B" -t events -k user_id
assert_eq 0 $? "kbroker(1) example: kprod"
if [ -x "$RUNNEL_BUILD/tools/kcons" ]; then
	assert_eq '{"user_id":"u1","n":1}' "$(kcons -b "$B" -t events -e 2>/dev/null)" \
		"kbroker(1) example: kcons reads it back"
else
	fail "kcons not built: kbroker(1) example not run completely"
fi
kill %1
wait %1
assert_eq 0 $? "kbroker(1) example: kill %1, exit 0"

# kbroker(1), second example (in the source tree)
"$RUNNEL_SRC/scripts/with-kbroker" -t events:6 -- sh -c \
	'seq 3 | kprod -t events && kcat -b "$KAFKA_BROKERS" -C -t events -e' >"$T/wk" 2>/dev/null
assert_eq 0 $? "kbroker(1) with-kbroker example"
assert_eq "1 2 3" "$(sort "$T/wk" | tr '\n' ' ' | sed 's/ $//')" "with-kbroker example output"

# kprod(1), first example
rm -f "$T/b"
kbroker -t events:8 -t events-copy:8 --bootstrap-file "$T/b" >/dev/null 2>&1 &
on_exit "kill $!"
export KAFKA_BROKERS=$(while [ ! -s "$T/b" ]; do sleep 0.1; done; cat "$T/b")
if command -v eventgen >/dev/null; then
	eventgen -n 100000 |
		kprod -t events -k user_id --timestamp-from timestamp -H source=eventgen -v 2>"$T/ex1"
	assert_eq 0 $? "kprod(1) example 1"
	assert_eq "kprod: in 100000, produced 100000, delivered 100000, failed 0, rejected 0" \
		"$(cat "$T/ex1")" "kprod(1) example 1 summary"
	kcat -b "$KAFKA_BROKERS" -C -t events -e -f '%k %T %h %s\n' 2>/dev/null | head -3 >"$T/ex1.out"
	assert_eq 3 "$(lines "$T/ex1.out")" "kprod(1) example 1: kcat shows three messages"
	assert_grep '^user_[0-9]+ 17[0-9]{11} source=eventgen \{"event_id"' "$T/ex1.out" \
		"key, event-time timestamp and header"
else
	fail "eventgen not built: kprod(1) example 1 not run"
fi

# kprod(1), copying a topic
if [ -x "$RUNNEL_BUILD/tools/kcons" ]; then
	kcons -t events -e -J 2>/dev/null | kprod -J -t events-copy
	assert_eq 0 $? "kprod(1) copy example"
	kcat -b "$KAFKA_BROKERS" -C -t events -e -q -f '%p %k %T %h %s\n' | sort >"$T/orig"
	kcat -b "$KAFKA_BROKERS" -C -t events-copy -e -q -f '%p %k %T %h %s\n' | sort >"$T/copy"
	assert_eq 100000 "$(lines "$T/copy")" "copy has every message"
	assert_file_eq "$T/orig" "$T/copy" "copy: same partitions, keys, timestamps, headers, values"
else
	fail "kcons not built: kprod(1) copy example not run"
fi

# kprod(1), kcat-style keys, gzip and a properties file
printf 'client.id=example\n' >"$T/client.properties"
(cd "$T" && printf 'u1|{"n":1}\n' |
	kprod -b "$KAFKA_BROKERS" -F client.properties -t t -K '|' -z gzip)
assert_eq 0 $? "kprod(1) -K example"
assert_eq 'u1 {"n":1}' "$(kcat -b "$KAFKA_BROKERS" -C -t t -e -q -f '%k %s')" "-K example result"

done_testing
