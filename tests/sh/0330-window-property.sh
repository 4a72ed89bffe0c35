#!/bin/bash
# window: property test. On eventgen data with jitter, late events and bad lines,
# window's rows equal those of tests/window_ref.py, a brute-force reference written
# from window(1), for several SIZE/SLIDE/DELAY combinations, session windows,
# Kafka partitions, and --emit every (whose last row per window is the final row).
. "$(dirname "$0")/helpers.sh"

REF="$RUNNEL_SRC/tests/window_ref.py"

# events: eventgen plus numbers to aggregate (n: integer, x: float, sometimes absent)
# and, for PART=1, Kafka metadata over 3 partitions, partition 2 running 2 min behind
gen() { # gen SEED PART
	eventgen -n 3000 --users 25 --seed "$1" --step 1s --jitter 2m --late-fraction 0.05 \
		--late-by 15m --bad-fraction 0.01 |
		$PY -c '
import json, sys
part = sys.argv[1] == "1"
offs = [0, 0, 0]
for i, raw in enumerate(sys.stdin.buffer):
    try:
        e = json.loads(raw.decode("utf-8"))
        assert isinstance(e, dict) and isinstance(e.get("timestamp"), str)
    except Exception:
        sys.stdout.buffer.write(raw)
        continue
    if i % 7:
        e["n"] = (i * 37) % 101 - 20
    if i % 5:
        e["x"] = ((i * 53) % 1000) / 8.0 - 30.25
    if part:
        p = i % 3
        if p == 2:
            t = e["timestamp"]
            from datetime import datetime, timedelta
            d = datetime.fromisoformat(t.replace("Z", "+00:00")) - timedelta(minutes=2)
            e["timestamp"] = d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)
        e["_kafka"] = {"topic": "events", "partition": p, "offset": offs[p]}
        offs[p] += 1
    sys.stdout.write(json.dumps(e, separators=(",", ":")) + "\n")
' "$2"
}

# same ROWS_A ROWS_B NAME: the two files hold the same rows (parsed JSON, in order)
same() {
	_checks=$((_checks + 1))
	if ! $PY - "$1" "$2" >"$T/diff" 2>&1 <<'PY'
import json, sys
a = [json.loads(l, object_pairs_hook=list) for l in open(sys.argv[1])]
b = [json.loads(l, object_pairs_hook=list) for l in open(sys.argv[2])]
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        print("row", i + 1, "differs:\n  window:", x, "\n  ref:   ", y)
        sys.exit(1)
if len(a) != len(b):
    print("rows:", len(a), "from window,", len(b), "from the reference")
    sys.exit(1)
PY
	then
		fail "$3"
		head -20 "$T/diff" >&2
	fi
}

AGGS_FIXED="count() as n, count(properties.device) as devices, sum(n), avg(n), min(x), max(x), sum(x)
collect_set(event_type) as types, collect_list(event_type) as list, first(event_type), last(event_type)
min(timestamp) as first_seen, max(timestamp) as last_seen, count_distinct(properties.page) as pages
approx_percentile(n, 0.5) as p50"
AGGS_SESSION="count() as n, sum(n), avg(n), min(x), max(x), collect_set(event_type) as types
first(event_type), last(event_type), min(timestamp) as first_seen, max(timestamp) as last_seen
count_distinct(user_id) as users, approx_percentile(n, 0.9) as p90"

# aggs for the reference, from the same text: [fn, field, name, p]
ref_aggs() {
	printf '%s\n' "$1" | $PY -c '
import json, re, sys
out = []
def items(line):
    depth, cur = 0, ""
    for c in line:
        depth += c == "("
        depth -= c == ")"
        if c == "," and depth == 0:
            yield cur
            cur = ""
        else:
            cur += c
    yield cur
for line in sys.stdin:
    for item in items(line.strip()):
        m = re.match(r"\s*(\w+)\(([^,)]*)(?:,\s*([0-9.]+))?\)(?:\s+as\s+(\S+))?\s*$", item)
        fn, field, p, name = m.groups()
        if fn == "count" and field == "":
            field = None
        name = name or (fn if field is None else fn + "_" + field.split(".")[-1])
        out.append([fn, field, name, float(p) if p else None])
print(json.dumps(out))'
}

# run SEED PART EMIT 'WINDOW OPTIONS' 'REF CONFIG' AGGS NAME
run() {
	_seed=$1 _part=$2 _emit=$3 _wopts=$4 _cfg=$5 _aggs=$6 _name=$7
	gen "$_seed" "$_part" >"$T/ev"
	_a=()
	while IFS= read -r l; do _a+=(-a "$l"); done <<<"$_aggs"
	# shellcheck disable=SC2086
	window $_wopts --emit "$_emit" "${_a[@]}" -q --late "$T/late" <"$T/ev" >"$T/got" 2>"$T/err"
	assert_eq 0 $? "$_name: exit status"
	_cfg=$($PY -c 'import json,sys; c=json.loads(sys.argv[1]); c["aggs"]=json.loads(sys.argv[2]); c["emit"]=sys.argv[3]; print(json.dumps(c))' \
		"$_cfg" "$(ref_aggs "$_aggs")" "$_emit")
	$PY "$REF" "$_cfg" <"$T/ev" >"$T/want" 2>"$T/referr"
	[ -s "$T/want" ] || die "$_name: the reference wrote nothing: $(cat "$T/referr")"
	same "$T/got" "$T/want" "$_name: rows equal the reference's"
	assert_eq "$(sed -n 's/^late=//p' "$T/referr")" "$(lines "$T/late")" "$_name: late events"
	rm -f "$T/late"
}

# the seed's sliding windows, and their changelog
run 1 0 final "-k user_id -s 5m -S 1m -w 10m" \
	'{"size":300000,"slide":60000,"delay":600000,"keys":["user_id"]}' "$AGGS_FIXED" "5m/1m, delay 10m"
cp "$T/got" "$T/final"
run 1 0 every "-k user_id -s 5m -S 1m -w 10m" \
	'{"size":300000,"slide":60000,"delay":600000,"keys":["user_id"]}' "$AGGS_FIXED" "5m/1m, --emit every"
$PY - "$T/got" >"$T/last" <<'PY'
import json, sys
last = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    last[(r["window"]["start"], r["window"]["end"], json.dumps(r["user_id"]))] = l
# final rows come out by (end, start, key); keys are strings or null here
def k(item):
    (s, e, u), _ = item
    u = json.loads(u)
    return (e, s, (0, "") if u is None else (1 if isinstance(u, (int, float)) else 2, u))
for _, l in sorted(last.items(), key=k):
    sys.stdout.write(l)
PY
same "$T/last" "$T/final" "--emit every: the last row of each window is the final row"

# tumbling, no keys, no lateness allowed
run 2 0 final "-s 10m" '{"size":600000}' "$AGGS_FIXED" "tumbling 10m, delay 0"
# SIZE not a multiple of SLIDE, offset, two keys
run 3 0 final "-k event_type,properties.device -s 7m -S 3m --offset 1m -w 2m" \
	'{"size":420000,"slide":180000,"offset":60000,"delay":120000,"keys":["event_type","properties.device"]}' \
	"$AGGS_FIXED" "7m/3m offset 1m, delay 2m, two keys"
# negative offset, millisecond sizes
run 4 0 final "-k user_id -s 90500ms -S 30250ms --offset -10s -w 1m" \
	'{"size":90500,"slide":30250,"offset":-10000,"delay":60000,"keys":["user_id"]}' \
	"$AGGS_FIXED" "90.5s/30.25s offset -10s"
# Kafka partitions: the watermark is the minimum over partitions
run 5 1 final "-k user_id -s 90s -S 30s -w 1m" \
	'{"size":90000,"slide":30000,"delay":60000,"keys":["user_id"]}' "$AGGS_FIXED" "partitions, 90s/30s"
# sessions
run 6 0 final "-k user_id --session 3m -w 5m" \
	'{"session":180000,"delay":300000,"keys":["user_id"]}' "$AGGS_SESSION" "sessions 3m, delay 5m"
run 7 1 every "-k user_id --session 2m -w 1m" \
	'{"session":120000,"delay":60000,"keys":["user_id"]}' "$AGGS_SESSION" "sessions with partitions, --emit every"

done_testing
