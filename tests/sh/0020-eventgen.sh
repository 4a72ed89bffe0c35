#!/bin/bash
# eventgen: determinism, event shape (python3 and jq as oracles), time options, late and
# bad lines, scenarios, pacing, EPIPE, SIGTERM, usage errors.
. "$(dirname "$0")/helpers.sh"

# The oracle: python3's json module over the raw bytes of each line.
cat >"$T/oracle.py" <<'PY'
import json, re, sys, datetime as dt

KEYS = ["event_id", "user_id", "event_type", "timestamp", "properties"]
TYPES = {"page_view", "click", "search", "add_to_cart", "purchase", "failed_login",
         "successful_login", "logout"}
PROPS = {  # documented property keys per event type
    "page_view": ["page", "referrer", "device"],
    "click": ["page", "element", "device"],
    "search": ["query", "results", "device"],
    "add_to_cart": ["product_id", "quantity", "price", "device"],
    "purchase": ["product_id", "amount", "currency", "payment", "device"],
    "failed_login": ["reason", "ip", "device"],
    "successful_login": ["method", "ip", "device"],
    "logout": ["session_seconds", "device"],
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

def ms(ts):
    d = dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    return (d - EPOCH) // dt.timedelta(milliseconds=1)

def lines(path):
    data = open(path, "rb").read()
    assert data == b"" or data.endswith(b"\n"), "output does not end with a newline"
    return data.split(b"\n")[:-1]

def why_not_event(o, users=None):
    """None if o is a valid event, else the problem."""
    if not isinstance(o, dict):
        return "not an object"
    if list(o) != KEYS:
        return "members %r" % list(o)
    if not isinstance(o["event_id"], str) or not UUID.match(o["event_id"]):
        return "event_id %r" % o["event_id"]
    u = o["user_id"]
    if not isinstance(u, str) or not re.match(r"(user|attacker_bf|attacker_bot)_[1-9]\d*\Z", u):
        return "user_id %r" % u
    if users and u.startswith("user_") and int(u[5:]) > users:
        return "user_id %r beyond --users" % u
    if o["event_type"] not in TYPES:
        return "event_type %r" % o["event_type"]
    if not isinstance(o["timestamp"], str) or not TS.match(o["timestamp"]):
        return "timestamp %r" % o["timestamp"]
    ms(o["timestamp"])
    p = o["properties"]
    if not isinstance(p, dict) or list(p) != PROPS[o["event_type"]]:
        return "properties %r" % p
    if not all(isinstance(v, str) for v in p.values()):
        return "non-string property in %r" % p
    return None

def main():
    mode = sys.argv[1]
    if mode == "valid":  # valid FILE USERS: every line an event; prints facts
        users = int(sys.argv[3])
        ev = []
        for i, l in enumerate(lines(sys.argv[2])):
            o = json.loads(l.decode("utf-8"))
            w = why_not_event(o, users)
            if w:
                print("line %d: %s" % (i + 1, w))
                return
            ev.append(o)
        ts = [ms(o["timestamp"]) for o in ev]
        print("ok")
        print("monotone", all(a <= b for a, b in zip(ts, ts[1:])))
        print("types", len({o["event_type"] for o in ev}))
        print("ids", len({o["event_id"] for o in ev}) == len(ev))
        print("maxuser", max(int(o["user_id"][5:]) for o in ev if o["user_id"].startswith("user_")))
        print("span", ts[-1] - ts[0] if ts else 0)
    elif mode == "times":  # times FILE: each line's epoch ms
        for l in lines(sys.argv[2]):
            print(ms(json.loads(l)["timestamp"]))
    elif mode == "shift":  # shift CLEAN OTHER: per line, clean ts - other ts; rest equal
        a, b = lines(sys.argv[2]), lines(sys.argv[3])
        assert len(a) == len(b), "line counts differ"
        for x, y in zip(a, b):
            x, y = json.loads(x), json.loads(y)
            tx, ty = ms(x.pop("timestamp")), ms(y.pop("timestamp"))
            assert x == y, "lines differ in more than the timestamp"
            print(tx - ty)
    elif mode == "bad":  # bad CLEAN OTHER: classify every line that differs from clean
        a, b = lines(sys.argv[2]), lines(sys.argv[3])
        assert len(a) == len(b), "line counts differ"
        kinds = {}
        for i, (x, y) in enumerate(zip(a, b)):
            if x == y:
                continue
            k = classify(x, y)
            if k.startswith("?"):
                print("line %d: %s: %r" % (i + 1, k, y[:120]))
                return
            kinds[k] = kinds.get(k, 0) + 1
        for k in sorted(kinds):
            print(k, kinds[k])
    elif mode == "attackers":  # attackers FILE: per attacker: count, types, first/last ms
        per = {}
        for l in lines(sys.argv[2]):
            o = json.loads(l)
            if o["user_id"].startswith("attacker_"):
                per.setdefault(o["user_id"], []).append(o)
        for u in sorted(per):
            ev = per[u]
            types = {}
            for o in ev:
                types[o["event_type"]] = types.get(o["event_type"], 0) + 1
            ts = [ms(o["timestamp"]) for o in ev]
            print(u, len(ev), ",".join("%s=%d" % kv for kv in sorted(types.items())),
                  ev[-1]["event_type"], ts[0], ts[-1],
                  "steady" if len(set(b - a for a, b in zip(ts, ts[1:]))) == 1 else "uneven")

def classify(clean, bad):
    """The documented kind of a malformed line made from the clean line at its position."""
    if bad == b"":
        return "empty"
    if bad[0] >= 0x80:
        try:
            json.loads(bad)
            return "?binary that parses"
        except Exception:
            pass
        return "binary" if b"\n" not in bad and not bad.endswith(b"\r") and 8 <= len(bad) <= 64 \
            else "?binary of wrong length"
    if bad.startswith(b"["):
        return "array" if bad == b"[" + clean + b"]" else "?array"
    try:
        text = bad.decode("utf-8")
    except UnicodeDecodeError:
        for seq in (b"\xff", b"\x80", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"):
            if bad == clean[:-3] + seq + clean[-3:]:
                return "utf8"
        return "?utf8"
    try:
        o = json.loads(text)
    except ValueError:
        return "truncated" if clean.startswith(bad) and 0 < len(bad) < len(clean) else "?truncated"
    c = json.loads(clean)
    if list(o) != KEYS:
        missing = [k for k in KEYS if k not in o]
        if len(missing) == 1 and missing[0] != "properties" and \
                {k: v for k, v in c.items() if k != missing[0]} == o:
            return "missing"
        return "?missing"
    diff = [k for k in KEYS if o[k] != c[k]]
    if len(diff) != 1:
        return "?type"
    k, v = diff[0], o[diff[0]]
    ok = {"user_id": isinstance(v, int) and "user_%d" % v == c["user_id"],
          "event_type": isinstance(v, int) and 0 <= v < 8,
          "timestamp": v is True,
          "properties": v == "n/a"}[k]
    return "type" if ok else "?type"

main()
PY
py() { $PY "$T/oracle.py" "$@"; }

# determinism: the same options give the same bytes; the default seed is 1
eventgen -n 5000 >"$T/a"
assert_eq 0 $? "eventgen exit status"
eventgen -n 5000 >"$T/b"
assert_file_eq "$T/a" "$T/b" "same options, same bytes"
eventgen -n 5000 --seed 1 >"$T/b"
assert_file_eq "$T/a" "$T/b" "default seed is 1"
eventgen -n 5000 --seed 2 >"$T/c"
_checks=$((_checks + 1))
cmp -s "$T/a" "$T/c" && fail "--seed 2 gives the same output as --seed 1"
assert_eq 0 "$(cut -d, -f1 "$T/a" "$T/c" | sort | uniq -d | wc -l)" "no event_id repeats across seeds"
eventgen -u -n 5000 >"$T/b"
assert_file_eq "$T/a" "$T/b" "-u changes buffering, not bytes"
eventgen -n 3000 >"$T/b"
head -3000 "$T/a" >"$T/a3"
assert_file_eq "$T/a3" "$T/b" "-n 3000 is a prefix of -n 5000"

# -n is exact
assert_eq 0 "$(eventgen -n 0 | wc -c)" "-n 0 writes nothing"
assert_eq 1 "$(eventgen -n 1 | wc -l)" "-n 1"
assert_eq 12345 "$(eventgen -n 12345 | wc -l)" "-n 12345"
assert_eq 5000 "$(lines "$T/a")" "-n 5000"

# the event shape: python3 as oracle
py valid "$T/a" 1000 >"$T/facts"
assert_eq "ok
monotone True
types 8
ids True
maxuser 1000
span 49990" "$(cat "$T/facts")" "5000 events: valid, monotone, all types, unique ids, 10ms step"
# jq as a second oracle: compact JSON with members in order re-serialises to the same bytes
jq -c . <"$T/a" >"$T/jq"
assert_file_eq "$T/a" "$T/jq" "jq -c reproduces every line byte for byte"
assert_eq '"2026-01-01T00:00:00.000Z"' "$(head -1 "$T/a" | jq .timestamp)" "default start"
eventgen -n 20000 --users 7 --seed 3 >"$T/u7"
py valid "$T/u7" 7 >"$T/v"
assert_eq "ok" "$(head -1 "$T/v")" "--users 7: valid"
assert_eq "maxuser 7" "$(grep maxuser "$T/v")" "--users 7: user_7 appears, none above"
assert_eq 7 "$(jq -r .user_id "$T/u7" | sort -u | wc -l)" "--users 7: seven users"
# weights: page_view is the commonest type, purchase rarer than add_to_cart
jq -r .event_type "$T/u7" | sort | uniq -c | sort -rn >"$T/wt"
assert_eq page_view "$(awk 'NR==1{print $2}' "$T/wt")" "page_view is the commonest type"
_checks=$((_checks + 1))
[ "$(awk '$2=="purchase"{print $1}' "$T/wt")" -lt "$(awk '$2=="add_to_cart"{print $1}' "$T/wt")" ] ||
	fail "purchase should be rarer than add_to_cart"

# --start and --step
eventgen -n 3 --start 2026-11-24T10:15:30.123+01:00 --step 1s | jq -r .timestamp >"$T/ts"
assert_eq "2026-11-24T09:15:30.123Z
2026-11-24T09:15:31.123Z
2026-11-24T09:15:32.123Z" "$(cat "$T/ts")" "--start with offset, --step 1s"
assert_eq "1969-12-31T23:59:59.500Z 1969-12-31T23:59:59.501Z" \
	"$(eventgen -n 2 --start 1000 --step 1ms --late-fraction 1 --late-by 1500ms | jq -r .timestamp | paste -sd' ')" \
	"epoch-ms start and negative epoch times"
assert_eq "2026-01-01T00:00:00.999Z 2026-01-01T00:00:01.000Z 2026-01-01T00:00:01.001Z" \
	"$(eventgen -n 3 --start 2026-01-01T00:00:00.999Z --step 1ms | jq -r .timestamp | paste -sd' ')" \
	"a second boundary"
assert_eq "2024-02-29T23:59:59.999Z 2024-03-01T00:00:00.000Z" \
	"$(eventgen -n 2 --start 2024-02-29T23:59:59.999Z --step 1ms | jq -r .timestamp | paste -sd' ')" \
	"leap day"
# with --rate (and no --start) the first event time is now: within a generous bound
now=$(($(date +%s) * 1000))
t=$(eventgen --rate 1000/s -n 1 | jq -r .timestamp)
first=$($PY -c "import datetime as d,sys; print(int(d.datetime.strptime(sys.argv[1],'%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=d.timezone.utc).timestamp()*1000))" "$t")
_checks=$((_checks + 1))
[ $((first - now)) -ge -300000 ] && [ $((first - now)) -le 300000 ] ||
	fail "--rate without --start starts now: got $t"

# jitter: each time moves into the past by 0..2s, nothing else changes, order breaks
eventgen -n 10000 >"$T/clean"
eventgen -n 10000 --jitter 2s >"$T/jit"
py shift "$T/clean" "$T/jit" >"$T/d"
assert_eq 0 $? "jitter changes only timestamps"
assert_eq "0 2000" "$(sort -n "$T/d" | sed -n '1p;$p' | paste -sd' ')" "jitter spans [0, 2s]"
assert_eq 10000 "$(awk '$1>=0 && $1<=2000' "$T/d" | wc -l)" "every shift within [0, 2000] ms"
py valid "$T/jit" 1000 >"$T/v"
assert_eq "monotone False" "$(grep monotone "$T/v")" "jittered output is out of order"

# late: exactly the chosen lines move back by --late-by; the count is binomial(10000, 0.1)
eventgen -n 10000 --late-fraction 0.1 --late-by 15m -v >"$T/late" 2>"$T/late.err"
py shift "$T/clean" "$T/late" | sort -n | uniq -c | awk '{print $2 "x" $1}' | paste -sd' ' >"$T/d"
late=$(sed -n 's/^0x[0-9]* 900000x\([0-9]*\)$/\1/p' "$T/d")
assert_eq "0x$((10000 - ${late:-0})) 900000x${late:-0}" "$(cat "$T/d")" "late lines are exactly 15m late"
_checks=$((_checks + 1))
[ "${late:-0}" -ge 850 ] && [ "${late:-0}" -le 1150 ] || fail "late count $late not within 1000 +- 150"
assert_eq 1023 "$late" "late count for seed 1 (deterministic)"
assert_grep "^eventgen: wrote 10000 lines: 10000 events \\($late late\\), 0 bad, 0 scenario$" \
	"$T/late.err" "-v summary"
eventgen -n 10000 --late-by 1h >"$T/b"
assert_file_eq "$T/clean" "$T/b" "--late-by alone changes nothing"

# bad lines: each is one documented kind made from the event at its position
eventgen -n 10000 --bad-fraction 0.2 -v >"$T/bad" 2>"$T/bad.err"
assert_eq 10000 "$(lines "$T/bad")" "bad lines take the place of events"
py bad "$T/clean" "$T/bad" >"$T/kinds"
assert_eq "array 307
binary 262
empty 293
missing 277
truncated 278
type 289
utf8 271" "$(cat "$T/kinds")" "bad kinds for seed 1 (deterministic)"
nbad=$(awk '{s += $2} END {print s}' "$T/kinds")
_checks=$((_checks + 1))
[ "$nbad" -ge 1800 ] && [ "$nbad" -le 2200 ] || fail "bad count $nbad not within 2000 +- 200"
assert_grep "^eventgen: wrote 10000 lines: $((10000 - nbad)) events \\(0 late\\), $nbad bad, 0 scenario$" \
	"$T/bad.err" "-v counts bad lines"
# every kind really is bad input for a JSON-lines reader
$PY - "$T/clean" "$T/bad" <<'PY' >"$T/badcheck"
import json, sys
a = open(sys.argv[1], "rb").read().split(b"\n")
b = open(sys.argv[2], "rb").read().split(b"\n")
for x, y in zip(a, b):
    if x == y:
        continue
    try:
        o = json.loads(y.decode("utf-8"))
    except Exception:
        continue
    req = {"event_id": str, "user_id": str, "event_type": str, "timestamp": str, "properties": dict}
    if isinstance(o, dict) and all(isinstance(o.get(k), t) for k, t in req.items()):
        print("accepted:", y[:100])
print("done")
PY
assert_eq done "$(cat "$T/badcheck")" "no bad line passes as a well-typed event"
eventgen -n 300 --bad-fraction 1 >"$T/allbad"
head -300 "$T/clean" >"$T/clean300"
assert_eq 300 "$(py bad "$T/clean300" "$T/allbad" | awk '{s += $2} END {print s}')" \
	"--bad-fraction 1: every line bad"

# scenarios: extra lines merged by event time; the background stays the same
eventgen -n 20000 --scenario brute-force,bot -v >"$T/sc" 2>"$T/sc.err"
assert_eq 20339 "$(lines "$T/sc")" "20000 events + 39 brute-force + 300 bot"
grep -v '"user_id":"attacker_' "$T/sc" >"$T/sc.bg"
eventgen -n 20000 >"$T/c20"
assert_file_eq "$T/c20" "$T/sc.bg" "background unchanged by --scenario"
py valid "$T/sc" 1000 >"$T/v"
assert_eq "ok" "$(head -1 "$T/v")" "scenario events are valid events"
assert_eq "monotone True" "$(grep monotone "$T/v")" "merged in time order"
assert_grep "^eventgen: wrote 20339 lines: 20000 events \\(0 late\\), 0 bad, 339 scenario$" \
	"$T/sc.err" "-v counts scenario lines"
# start 2026-01-01T00:00:00Z = 1767225600000 ms
s0=1767225600000
py attackers "$T/sc" >"$T/att"
assert_eq "attacker_bf_1 13 failed_login=12,successful_login=1 successful_login $((s0 + 10000)) $((s0 + 46000)) steady
attacker_bf_2 13 failed_login=12,successful_login=1 successful_login $((s0 + 30000)) $((s0 + 66000)) steady
attacker_bf_3 13 failed_login=12,successful_login=1 successful_login $((s0 + 50000)) $((s0 + 86000)) steady
attacker_bot_1 150 add_to_cart=30,click=30,page_view=30,purchase=30,search=30 purchase $((s0 + 20000)) $((s0 + 94500)) steady
attacker_bot_2 150 add_to_cart=30,click=30,page_view=30,purchase=30,search=30 purchase $((s0 + 80000)) $((s0 + 154500)) steady" \
	"$(cat "$T/att")" "attackers as documented"
assert_eq 'attacker_bf_1 {"reason":"bad_password","ip":"203.0.113.11","device":"desktop"}' \
	"$(grep -m1 attacker_bf_1 "$T/sc" | jq -rc '.user_id + " " + (.properties | tojson)')" \
	"brute-force failures: bad_password from one address"
eventgen -n 100 --scenario bot >"$T/short"
assert_eq 400 "$(lines "$T/short")" "short runs: scenario events written after the background"
py valid "$T/short" 1000 >"$T/v"
assert_eq "monotone True" "$(grep monotone "$T/v")" "still in time order"
assert_eq 300 "$(tail -300 "$T/short" | grep -c '"user_id":"attacker_bot_')" "leftovers come last"
assert_eq 39 "$(eventgen -n 0 --scenario brute-force | wc -l)" "-n 0 --scenario brute-force"
assert_eq 0 "$(eventgen -n 5000 --scenario brute-force | grep -c attacker_bot)" "no bots unless asked"
assert_file_eq "$T/sc" <(eventgen -n 20000 --scenario bot,brute-force) "scenario order in the list is irrelevant"

# pacing: counts only, and pacing does not change the bytes
eventgen -n 200 --rate 1000/s >"$T/r"
assert_eq 0 $? "--rate exit status"
assert_eq 200 "$(lines "$T/r")" "--rate 1000/s -n 200"
eventgen -n 200 --rate 20000/s --start 2026-01-01T00:00:00Z --step 10ms >"$T/r"
head -200 "$T/a" >"$T/a200"
assert_file_eq "$T/a200" "$T/r" "--rate with explicit start and step: same bytes"

# a closed stdout ends eventgen quietly with 0 (endless and counted)
eventgen 2>"$T/pipe.err" | head -1 >"$T/h1"
assert_eq 0 "${PIPESTATUS[0]}" "eventgen | head -1 exit status"
assert_eq 1 "$(lines "$T/h1")" "head got its line"
assert_eq 0 "$(wc -c <"$T/pipe.err")" "no message on EPIPE"
eventgen -n 1000000 --rate 100000/s | head -5 >/dev/null
assert_eq 0 "${PIPESTATUS[0]}" "paced eventgen | head exit status"

# a write error is a runtime failure
eventgen -n 10 >/dev/full 2>"$T/full.err"
assert_eq 1 $? "exit status on a full disk"
assert_eq "eventgen: write error on standard output: No space left on device" "$(cat "$T/full.err")" \
	"write error message"

# SIGTERM: an endless paced run stops with 0 and complete lines
eventgen --rate 2000/s >"$T/term" 2>"$T/term.err" &
pid=$!
wait_for "eventgen to write 100 lines" 30 sh -c "test \$(wc -l <'$T/term') -ge 100"
kill -TERM $pid
wait $pid
assert_eq 0 $? "exit status after SIGTERM"
assert_eq "" "$(tail -c1 "$T/term" | tr -d '\n')" "output ends with a whole line"
py valid "$T/term" 1000 >"$T/v"
assert_eq ok "$(head -1 "$T/v")" "every line written before SIGTERM is an event"
assert_eq 0 "$(wc -c <"$T/term.err")" "SIGTERM is quiet"

# usage
eventgen --help >"$T/help"
assert_eq 0 $? "--help exit status"
assert_grep '^usage: eventgen' "$T/help" "--help on stdout"
assert_eq "eventgen (runnel) $(sed -n "s/^  version : '\(.*\)',/\1/p" "$RUNNEL_SRC/meson.build")" \
	"$(eventgen -V)" "-V"
for args in "-n x" "-n -1" "--rate 0" "--users 0" "--seed x" "--start yesterday" "--step 5" \
	"--jitter -1s" "--late-fraction 1.5" "--bad-fraction x" "--late-by soon" \
	"--scenario ddos" "--scenario brute-force,ddos" "extra"; do
	# shellcheck disable=SC2086
	eventgen $args >"$T/out" 2>"$T/err"
	assert_eq 2 $? "eventgen $args: exit status"
	assert_eq 0 "$(wc -c <"$T/out")" "eventgen $args: nothing on stdout"
	assert_grep "^eventgen: try 'eventgen --help'$" "$T/err" "eventgen $args: try-help"
done
assert_eq "eventgen: --scenario: expected brute-force, bot or both: ddos" \
	"$(eventgen --scenario ddos 2>&1 | head -1)" "--scenario message"

# the manual pages
for page in eventgen.1 runnel.7; do
	assert_eq "" "$(mandoc -T lint -W warning "$RUNNEL_SRC/man/$page" 2>&1)" "$page lints clean"
done

done_testing
