#!/bin/bash
# window: the seed's query end to end,
#   eventgen | parse -s examples/schemas/event.avsc | window -k user_id -s 5m -S 1m -w 10m ...
# checked against tests/window_ref.py on the same parsed events.
. "$(dirname "$0")/helpers.sh"

eventgen -n 6000 --users 50 --seed 42 --step 700ms --jitter 3m --late-fraction 0.03 \
	--late-by 20m --bad-fraction 0.02 >"$T/raw"
parse -q -s "$RUNNEL_SRC/examples/schemas/event.avsc" <"$T/raw" >"$T/events"
assert_eq 0 $? "parse exit status"
[ "$(lines "$T/events")" -gt 5000 ] || die "parse passed only $(lines "$T/events") events"

eventgen -n 6000 --users 50 --seed 42 --step 700ms --jitter 3m --late-fraction 0.03 \
	--late-by 20m --bad-fraction 0.02 |
	parse -q -s "$RUNNEL_SRC/examples/schemas/event.avsc" |
	window -k user_id -s 5m -S 1m -w 10m -a 'count() as event_count' \
		-a 'collect_set(event_type) as event_types' -a 'min(timestamp) as session_start' \
		-a 'max(timestamp) as session_end' --late "$T/late" >"$T/got" 2>"$T/err"
st=("${PIPESTATUS[@]}")
assert_eq "0 0 0" "${st[*]}" "pipeline exit statuses"
assert_eq "" "$(cat "$T/err")" "no messages from window"

$PY "$RUNNEL_SRC/tests/window_ref.py" '{"size":300000,"slide":60000,"delay":600000,
	"keys":["user_id"],"aggs":[["count",null,"event_count",null],
	["collect_set","event_type","event_types",null],["min","timestamp","session_start",null],
	["max","timestamp","session_end",null]]}' <"$T/events" >"$T/want" 2>"$T/referr"
assert_file_eq "$T/want" "$T/got" "seed query: rows equal the reference's, byte for byte"
assert_eq "late=$(lines "$T/late")" "$(cat "$T/referr")" "seed query: late events"
[ "$(lines "$T/late")" -gt 0 ] || fail "the data has no late events to test with"
# the rows' shape
head -1 "$T/got" | jq -e 'keys_unsorted == ["window","user_id","event_count","event_types","session_start","session_end"]
	and (.session_start | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$"))' >/dev/null
assert_eq 0 $? "row members and their order"
# every event that was not late is counted in 5 windows
assert_eq "$((($(lines "$T/events") - $(lines "$T/late")) * 5))" \
	"$(jq -s 'map(.event_count) | add' "$T/got")" "each on-time event is in 5 windows"

done_testing
