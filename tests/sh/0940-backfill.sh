#!/bin/bash
# examples/backfill.sh: a day of the topic (Kafka timestamps from the events) counted
# per event type into a node_exporter textfile; the counts are those of an independent
# reading of the topic (kcat, python) under kcons' documented --from/--until rules; a
# second run, also after more late events reached the topic, writes the same bytes; a
# failed run leaves the previous file alone; the header's crontab line is well formed.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/kbroker.sh"
BF=$RUNNEL_SRC/examples/backfill.sh

start_kbroker -t events:6
# 55 hours from 2026-01-01T12:00Z, 1% of them two hours late, 1% bad lines
eventgen -n 20000 --start 2026-01-01T12:00:00Z --step 10s --jitter 1m --late-fraction 0.01 \
	--late-by 2h --bad-fraction 0.01 |
	kprod -q -b "$B" -t events -k user_id --timestamp-from timestamp
assert_eq 0 $? "history produced"

"$BF" -b "$B" -f 2026-01-02T00:00:00Z -o "$T/day.prom" 2>"$T/err"
assert_eq 0 $? "backfill exit status"
assert_eq "" "$(cat "$T/err")" "no messages"
promtool check metrics <"$T/day.prom" >"$T/lint" 2>&1
assert_eq 0 $? "promtool accepts the textfile"
assert_eq "" "$(find "$T" -maxdepth 1 -name '*day.prom.*')" "no temporary file left"

# the oracle: per partition, from the first message at or after FROM to the one before
# the first at or after UNTIL (kcons(1)); of those, the valid events of the range
kcat -b "$B" -C -t events -e -q -f '%p\t%o\t%T\t%s\n' >"$T/topic"
$PY - "$T/topic" >"$T/want" <<'PY'
import json, sys, collections, datetime
F = int(datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc).timestamp() * 1000)
U = F + 86400000
TYPES = {"page_view", "click", "search", "add_to_cart", "purchase", "failed_login",
         "successful_login", "logout"}
parts = collections.defaultdict(list)
for line in open(sys.argv[1], "rb"):
    p, o, ts, v = line.rstrip(b"\n").split(b"\t", 3)
    parts[int(p)].append((int(o), int(ts), v))
events, users = collections.Counter(), collections.defaultdict(set)
for msgs in parts.values():
    msgs.sort()
    start = next(i for i, m in enumerate(msgs) if m[1] >= F)
    end = next((i for i, m in enumerate(msgs) if i >= start and m[1] >= U), len(msgs))
    for _, _, v in msgs[start:end]:
        try:
            e = json.loads(v)
        except ValueError:
            continue
        if not (isinstance(e, dict) and isinstance(e.get("event_id"), str)
                and isinstance(e.get("user_id"), str) and e.get("event_type") in TYPES
                and isinstance(e.get("timestamp"), str)
                and isinstance(e.get("properties", {}), dict)):
            continue
        t = datetime.datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00"))
        t = int(t.timestamp() * 1000)
        if F <= t < U:
            events[e["event_type"]] += 1
            users[e["event_type"]].add(e["user_id"])
lab = ',from="2026-01-02T00:00:00.000Z",until="2026-01-03T00:00:00.000Z"'
for k in sorted(events):
    print('runnel_backfill_events_total{event_type="%s"%s} %d' % (k, lab, events[k]))
for k in sorted(users):
    print('runnel_backfill_users{event_type="%s"%s} %d' % (k, lab, len(users[k])))
PY
grep '^runnel_backfill' "$T/day.prom" >"$T/got"
assert_file_eq "$T/want" "$T/got" "counts per event type equal the oracle's"
assert_eq 8 "$(grep -c '^runnel_backfill_events_total' "$T/got")" "all eight event types"

# idempotent: again, and again after late events of that day reached the topic
"$BF" -b "$B" -f 2026-01-02T00:00:00Z -o "$T/again.prom"
assert_file_eq "$T/day.prom" "$T/again.prom" "a second run writes the same bytes"
eventgen -n 300 --seed 7 --start 2026-01-02T06:00:00Z --step 1s |
	kprod -q -b "$B" -t events -k user_id --timestamp-from timestamp
"$BF" -b "$B" -f 2026-01-02T00:00:00Z -u 2026-01-03T00:00:00Z -o "$T/later.prom"
assert_file_eq "$T/day.prom" "$T/later.prom" "the same bytes after later arrivals"

# another range gives other counts, with its own labels
"$BF" -b "$B" -f '2026-01-01 12:00 UTC' -u '2026-01-01 18:00 UTC' -o "$T/six.prom"
six=$(awk '/^runnel_backfill_events_total/ { s += $2 } END { print s + 0 }' "$T/six.prom")
[ "$six" -gt 2000 ] && [ "$six" -le 2160 ] || fail "six hours of one event every 10 s: $six events"
assert_grep 'from="2026-01-01T12:00:00.000Z",until="2026-01-01T18:00:00.000Z"' "$T/six.prom" "range labels"

# a run that fails (the output cannot be written) leaves the last good file in place
cp "$T/day.prom" "$T/keep.prom"
mkdir "$T/keep.prom.new"
"$BF" -b "$B" -f 2026-01-02T00:00:00Z -o "$T/keep.prom" 2>"$T/err"
[ $? -ne 0 ] || fail "a failed run exits non-zero"
assert_file_eq "$T/day.prom" "$T/keep.prom" "a failed run keeps the previous file"
assert_grep 'prom-push' "$T/err" "the failure is reported"

# the crontab line of the header: five time fields, this script, options it takes
cron=$(sed -n 's/^#   \([0-9*].*backfill\.sh.*\)$/\1/p' "$BF")
set -f; set -- $cron; set +f
assert_eq 5 "$(echo "$1 $2 $3 $4 $5" | wc -w)" "crontab line: five time fields"
case $6 in */examples/backfill.sh) ;; *) fail "crontab line runs $6" ;; esac
assert_grep ' -b kafka:9092 -o /var/lib/node_exporter/textfile/' <(echo "$cron") "crontab line options"
bash -n "$BF"
assert_eq 0 $? "backfill.sh parses"
done_testing
