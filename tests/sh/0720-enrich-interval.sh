#!/bin/bash
# enrich --stream: Flink-style interval join of events with a profile stream.
. "$(dirname "$0")/helpers.sh"

# The seed's join: a profile applies to an event when profile.timestamp lies within
# the 24 hours before the event (both bounds inclusive).
cat >"$T/profiles" <<'J'
{"user_id":"u1","timestamp":"2026-11-23T09:00:00.000Z","plan":"free"}
{"user_id":"u1","timestamp":"2026-11-24T08:00:00.000Z","plan":"pro"}
{"user_id":"u2","timestamp":"2026-11-20T00:00:00.000Z","plan":"old"}
{"user_id":"u4","timestamp":"2026-11-24T09:00:00.001Z","plan":"future"}
J
cat >"$T/events" <<'J'
{"user_id":"u1","timestamp":"2026-11-24T09:00:00.000Z","e":1}
{"user_id":"u2","timestamp":"2026-11-24T09:00:00.000Z","e":2}
{"user_id":"u3","timestamp":"2026-11-24T09:00:00.000Z","e":3}
{"user_id":"u1","timestamp":"2026-11-24T08:00:00.000Z","e":4}
{"user_id":"u4","timestamp":"2026-11-24T09:00:00.000Z","e":5}
{"user_id":"u1","timestamp":"2026-11-24T09:00:00.001Z","e":6}
J
enrich -s "$T/profiles" -o user_id --within -24h..0 --as profile --left-outer -v \
	<"$T/events" >"$T/out" 2>"$T/err"
assert_eq 0 $? "exit status"
# hand-computed: e1 joins both u1 profiles (-24h exactly and -1h); e4 joins both
# (-23h and 0); e6 is 24h+1ms after the free profile, so only pro; u4's profile is 1ms
# after e5; u2's is 4 days before e2; u3 has none
cat >"$T/want" <<'J'
{"user_id":"u1","timestamp":"2026-11-24T09:00:00.000Z","e":1,"profile":{"user_id":"u1","timestamp":"2026-11-23T09:00:00.000Z","plan":"free"}}
{"user_id":"u1","timestamp":"2026-11-24T08:00:00.000Z","e":4,"profile":{"user_id":"u1","timestamp":"2026-11-23T09:00:00.000Z","plan":"free"}}
{"user_id":"u1","timestamp":"2026-11-24T09:00:00.000Z","e":1,"profile":{"user_id":"u1","timestamp":"2026-11-24T08:00:00.000Z","plan":"pro"}}
{"user_id":"u1","timestamp":"2026-11-24T08:00:00.000Z","e":4,"profile":{"user_id":"u1","timestamp":"2026-11-24T08:00:00.000Z","plan":"pro"}}
{"user_id":"u1","timestamp":"2026-11-24T09:00:00.001Z","e":6,"profile":{"user_id":"u1","timestamp":"2026-11-24T08:00:00.000Z","plan":"pro"}}
{"user_id":"u2","timestamp":"2026-11-24T09:00:00.000Z","e":2,"profile":null}
{"user_id":"u3","timestamp":"2026-11-24T09:00:00.000Z","e":3,"profile":null}
{"user_id":"u4","timestamp":"2026-11-24T09:00:00.000Z","e":5,"profile":null}
J
$PY - "$T/want" "$T/out" <<'PY' || fail "interval join rows differ (as sets)"
import json, sys
w = sorted(open(sys.argv[1]).read().splitlines())
g = sorted(open(sys.argv[2]).read().splitlines())
assert w == g, "\n".join(["want:"] + w + ["got:"] + g)
PY
assert_grep 'left=6 right=4 joined=5 unmatched=3' "$T/err" "summary counts"

# inner join (no --left-outer), flat merge with a prefix: the event's fields win
enrich -s "$T/profiles" -o user_id --within -24h..0 -p p_ <"$T/events" | sort >"$T/out"
assert_eq 5 "$(lines "$T/out")" "inner join rows"
assert_grep '^\{"user_id":"u1","timestamp":"2026-11-24T09:00:00.001Z","e":6,"p_user_id":"u1","p_timestamp":"2026-11-24T08:00:00.000Z","p_plan":"pro"\}$' \
	"$T/out" "prefixed flat merge"

# left-outer emission timing: an unmatched event is written exactly when the other
# side's watermark passes its time + HI, not before
mkfifo "$T/L" "$T/R"
enrich -s "$T/R" -o k --within -1h..0 --left-outer --as p -u -T t --other-time t \
	<"$T/L" >"$T/live" 2>"$T/live.err" &
pid=$!
exec 7>"$T/L" 8>"$T/R"
echo '{"k":"m","t":"2026-11-24T10:00:00.000Z","r":1}' >&8
echo '{"k":"a","t":"2026-11-24T10:30:00.000Z","l":1}' >&7
echo '{"k":"m","t":"2026-11-24T10:30:00.000Z","l":2}' >&7
wait_for "l2 joined with r1" 20 test -s "$T/live"
echo '{"k":"m","t":"2026-11-24T10:30:00.000Z","r":2}' >&8
wait_for "l2 joined with r2" 20 sh -c "test \$(wc -l <'$T/live') -ge 2"
assert_eq 2 "$(lines "$T/live")" "l1 not written while the right watermark equals its time + HI"
echo '{"k":"zz","t":"2026-11-24T10:30:00.001Z","r":3}' >&8
wait_for "l1 written unmatched" 20 sh -c "test \$(wc -l <'$T/live') -ge 3"
exec 7>&- 8>&-
wait $pid
assert_eq 0 $? "live join exit status"
cat >"$T/want" <<'J'
{"k":"m","t":"2026-11-24T10:30:00.000Z","l":2,"p":{"k":"m","t":"2026-11-24T10:00:00.000Z","r":1}}
{"k":"m","t":"2026-11-24T10:30:00.000Z","l":2,"p":{"k":"m","t":"2026-11-24T10:30:00.000Z","r":2}}
{"k":"a","t":"2026-11-24T10:30:00.000Z","l":1,"p":null}
J
assert_file_eq "$T/want" "$T/live" "left-outer emission order"

# bad lines on either side go to the reject channel; --strict stops
printf '%s\n' '{"user_id":"u1"}' 'garbage' >"$T/badprof"
printf '%s\n' '{"user_id":"u1","timestamp":"yesterday"}' '{"user_id":"u1","timestamp":"2026-11-24T09:00:00Z"}' |
	enrich -s "$T/badprof" -o user_id --within -1h..0 --left-outer >"$T/out" 2>"$T/err"
assert_eq 0 $? "bad lines exit status"
assert_grep '^enrich: <stdin>:1: field timestamp: not an RFC 3339 time or epoch milliseconds$' "$T/err" \
	"bad left time"
assert_grep "^enrich: $T/badprof:1: no event time: field timestamp is missing\$" "$T/err" \
	"missing right time"
assert_grep "^enrich: $T/badprof:2: invalid JSON" "$T/err" "bad right line"
assert_eq '{"user_id":"u1","timestamp":"2026-11-24T09:00:00Z"}' "$(cat "$T/out")" \
	"good left line kept"
enrich -s /dev/null -o user_id --within 1h..-1h </dev/null 2>/dev/null
assert_eq 2 $? "LO > HI is a usage error"

# state stays bounded: 1M events against 100k profile updates over the same 10 days;
# each side buffers only what the other side's watermark still allows
awk 'BEGIN { t0 = 1795000000000; for (i = 0; i < 1000000; i++)
	printf "{\"user_id\":\"u%d\",\"timestamp\":%.0f}\n", i % 5000, t0 + i * 864 }' >"$T/big.events"
awk 'BEGIN { t0 = 1795000000000; for (i = 0; i < 100000; i++)
	printf "{\"user_id\":\"u%d\",\"timestamp\":%.0f,\"v\":%d}\n", i % 5000, t0 + i * 8640, i }' >"$T/big.profiles"
enrich -s "$T/big.profiles" -o user_id --within -1h..0 --left-outer --as p -v \
	<"$T/big.events" 2>"$T/big.err" | wc -l >"$T/big.n"
info "$(cat "$T/big.err")"
peak_left=$(sed -n 's/.*peak_left=\([0-9]*\).*/\1/p' "$T/big.err")
peak_right=$(sed -n 's/.*peak_right=\([0-9]*\).*/\1/p' "$T/big.err")
[ -n "$peak_left" ] && [ "$peak_left" -lt 1000 ] || fail "left state not bounded: $peak_left"
[ -n "$peak_right" ] && [ "$peak_right" -lt 1000 ] || fail "right state not bounded: $peak_right"
assert_grep 'left=1000000 right=100000 ' "$T/big.err" "all events read"
assert_grep 'state_left=0 state_right=0' "$T/big.err" "state empty at the end"

done_testing
