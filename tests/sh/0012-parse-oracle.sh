#!/bin/bash
# parse against an independent oracle: Python's json plus a hand-written reading of
# examples/schemas/event.avsc, over eventgen's events (with its malformed lines, late
# and jittered times and attack scenarios) and over hand-mutated variants of them.
# They must agree on which lines are valid and on every value of every output record.
. "$(dirname "$0")/helpers.sh"

S="$RUNNEL_SRC/examples/schemas/event.avsc"

# eventgen's output validates against the example schema
eventgen -n 20000 --seed 11 --jitter 2s --late-fraction 0.05 --scenario brute-force,bot \
	>"$T/events"
parse --check -s "$S" "$T/events"
assert_eq 0 $? "eventgen's events all validate against event.avsc"

eventgen -n 20000 --seed 12 --bad-fraction 0.2 --scenario brute-force >"$T/in"
# mutations eventgen does not make: times in other forms, odd but valid JSON, bad values
$PY - "$T/in" <<'PY' >>"$T/in"
import random, sys
random.seed(7)
lines = open(sys.argv[1], "rb").read().split(b"\n")[:200]
subs = [
    (b'"timestamp":"2026-01-01T00:00:00', b'"timestamp":"2026-01-01T01:00:00+01:00'),
    (b'"timestamp":"2026-01-01T00:00:00', b'"timestamp":"2026-01-01 00:00:00'),
    (b'"timestamp":"2026-01-01T00:00:00', b'"timestamp":"2026-02-30T00:00:00'),
    (b'"timestamp":"2026-01-01T00:00:00', b'"timestamp":"2026-01-01T24:00:00'),
    (b'"timestamp":"', b'"timestamp":"x'),
    (b'"user_id":"', b'"user_id": "\\u00fc'),
    (b'"user_id":"', b'"extra":{"a":[1,2,{"b":null}]},"user_id":"'),
    (b'"event_type":"', b'"event_type":"X'),
    (b'"properties":{', b'"properties":{"n":1,'),
    (b'"properties":{', b'"properties":{"e":"\\"\\\\\\/\\b\\f\\n\\r\\t",'),
    (b'"properties":{', b'"properties" : { "k" : "v" , '),
    (b'"event_id"', b'"_kafka":{"topic":"t","partition":1,"offset":2,"key":null},"event_id"'),
    (b'"event_id":"', b'"event_id":null,"event_id":"'),
    (b',"properties":{', b',"properties":null,"x":{'),
]
for l in lines:
    if not l.startswith(b'{"event_id"'):
        continue
    a, b = random.choice(subs)
    sys.stdout.buffer.write(l.replace(a, b, 1) + b"\n")
for ts in [b"0", b"-1", b"1795000000000", b"1.5", b"-62167219200001", b"253402300799999",
           b"253402300800000", b"true", b"null", b'"1969-12-31T23:59:59.999Z"', b"1e3"]:
    sys.stdout.buffer.write(b'{"event_id":"e","user_id":"u","event_type":"click","timestamp":'
                            + ts + b"}\n")
PY
parse -q -s "$S" --reject "$T/rej" <"$T/in" >"$T/out"
assert_eq 0 $? "parse exit status"

$PY - "$T/in" "$T/out" "$T/rej" <<'PY' >"$T/py" 2>&1
import datetime, json, re, sys

SYMS = {"page_view", "click", "search", "add_to_cart", "purchase", "failed_login",
        "successful_login", "logout"}
RFC3339 = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?"
                     r"(?:([Zz])|([+-])(\d\d):(\d\d))?$")
EPOCH = datetime.datetime(1970, 1, 1)

def ms_of(v):
    if isinstance(v, bool):
        raise ValueError("bool")
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        import math
        return math.floor(v)
    if not isinstance(v, str):
        raise ValueError("type")
    m = RFC3339.match(v)
    if not m:
        raise ValueError("format")
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    if h > 23 or mi > 59 or s > 60:
        raise ValueError("range")
    days = (datetime.date(y, mo, d) - EPOCH.date()).days  # raises for Feb 30
    frac = int(((m.group(7) or "") + "000")[:3])
    off = 0
    if m.group(9):
        off = (int(m.group(10)) * 60 + int(m.group(11))) * (-1 if m.group(9) == "-" else 1)
    return ((days * 86400 + h * 3600 + mi * 60 + s) - off * 60) * 1000 + frac

def fmt(ms):
    if not -62167219200000 <= ms <= 253402300799999:
        raise ValueError("out of range")
    days, rem = divmod(ms, 86400000)
    if ms < -62135596800000:  # before year 1: Python's date cannot say
        raise ValueError("year 0")
    d = EPOCH + datetime.timedelta(days=days, milliseconds=rem)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (rem % 1000)

def no_consts(c):
    raise ValueError(c)

def expect(raw):
    """The record parse must write for this line, or None if it must reject it."""
    try:
        text = raw.decode("utf-8")
        if re.search(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])", text):
            return None  # a lone surrogate
        if any(ord(c) < 0x20 for c in text):
            return None
        rec = json.loads(text, parse_constant=no_consts)
    except ValueError:
        return None
    if not isinstance(rec, dict):
        return None
    try:
        out = {}
        for k in ("event_id", "user_id"):
            if not isinstance(rec.get(k), str):
                return None
            out[k] = rec[k]
        if rec.get("event_type") not in SYMS:
            return None
        out["event_type"] = rec["event_type"]
        if "timestamp" not in rec:
            return None
        out["timestamp"] = fmt(ms_of(rec["timestamp"]))
        props = rec.get("properties", {})
        if not isinstance(props, dict) or not all(isinstance(v, str) for v in props.values()):
            return None
        out["properties"] = props
    except ValueError:
        return None
    if "_kafka" in rec:
        out["_kafka"] = rec["_kafka"]
    return out

raw = open(sys.argv[1], "rb").read().split(b"\n")
if raw[-1] == b"":
    raw.pop()
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
rejected = {json.loads(l)["line"] for l in open(sys.argv[3], encoding="utf-8")}
want = []
for n, line in enumerate(raw, 1):
    e = expect(line)
    if (e is None) != (n in rejected):
        print("line %d: oracle %s, parse %s: %r" % (n, "rejects" if e is None else "accepts",
              "rejected" if n in rejected else "accepted", line[:200]))
        sys.exit(1)
    if e is not None:
        want.append(e)
assert len(want) == len(got), (len(want), len(got))
for w, g in zip(want, got):
    if w != g or list(w) != list(g):
        print("differs:\n want %r\n got  %r" % (w, g))
        sys.exit(1)
print("ok %d valid %d rejected" % (len(got), len(rejected)))
PY
assert_grep '^ok [0-9]+ valid [0-9]+ rejected$' "$T/py" "parse agrees with the Python oracle"
info "$(cat "$T/py")"

# Apache Avro's own Python library reads the schema and accepts every record parse
# wrote (with the time turned back into a datetime), and refuses a broken one
$PY - "$S" "$T/out" <<'PY' >"$T/avro" 2>&1
import avro.io, avro.schema, datetime, json, sys
schema = avro.schema.parse(open(sys.argv[1]).read())
n = 0
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    r.pop("_kafka", None)
    r["timestamp"] = datetime.datetime.strptime(r["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert avro.io.validate(schema, r), r
    n += 1
r["event_type"] = "nope"
assert not avro.io.validate(schema, r)
print("ok", n)
PY
assert_grep '^ok [0-9]+$' "$T/avro" "python3-avro accepts parse's output"

done_testing
