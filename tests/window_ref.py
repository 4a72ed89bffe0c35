#!/usr/bin/python3
"""A brute-force reference for window(1), written from the man page's semantics
rather than from the C code: every window keeps its events and aggregates are
recomputed from them when a row is written.

    window_ref.py CONFIG_JSON < events > rows

CONFIG_JSON: {"size":ms,"slide":ms,"offset":ms} or {"session":gap_ms}, plus
"delay":ms, "time":"field", "keys":["f",...], "emit":"final"|"every" and
"aggs":[[fn, field_or_null, name, p_or_null], ...].
"""
import functools
import json
import math
import sys
from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_time(v):
    """RFC 3339 string or epoch-ms number to ms; None if unusable."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return math.floor(v)
    if isinstance(v, str):
        s = v
        if len(s) < 19 or s[4] != "-" or s[10] not in "Tt ":
            return None
        s = s[:10] + "T" + s[11:]
        if s.endswith(("Z", "z")):
            s = s[:-1] + "+00:00"
        # keep at most 6 fraction digits for fromisoformat; ms are truncated anyway
        if "." in s[19:20]:
            end = 20
            while end < len(s) and s[end].isdigit():
                end += 1
            frac = s[20:end][:6].ljust(3, "0")
            s = s[:20] + frac + s[end:]
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return (dt - EPOCH) // timedelta(milliseconds=1)
    return None


def fmt_time(ms):
    dt = EPOCH + timedelta(milliseconds=ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def rank(v):
    if v is None:
        return 0
    if v is False:
        return 1
    if v is True:
        return 2
    if isinstance(v, (int, float)):
        return 3
    if isinstance(v, str):
        return 4
    if isinstance(v, list):
        return 5
    return 6


def jq_cmp(a, b):
    """jq's order of JSON values (objects only roughly, as window documents)."""
    ra, rb = rank(a), rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra in (3, 4):
        return (a > b) - (a < b)
    if ra == 5:
        for x, y in zip(a, b):
            c = jq_cmp(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ra == 6:
        ka, kb = json.dumps(a, sort_keys=True), json.dumps(b, sort_keys=True)
        return (ka > kb) - (ka < kb)
    return 0


def get_path(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return (False, None)
        cur = cur[part]
    return (True, cur)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def mm_class(v):
    """min/max: numbers < times < strings; other values do not take part."""
    if is_num(v):
        return (0, v, v)
    if isinstance(v, str):
        t = parse_time(v) if "\\" not in json.dumps(v) else None
        if t is not None:
            return (1, t, fmt_time(t))
        return (2, v, v)
    return None


def agg_value(fn, field, p, evs):
    """evs: list of (seq, t, event) in arrival order."""
    vals = []
    for _, t, e in evs:
        if field is None:
            vals.append((t, True, None))
        else:
            present, v = get_path(e, field)
            vals.append((t, present, v))
    if fn == "count":
        return len(evs) if field is None else sum(1 for _, pr, v in vals if pr and v is not None)
    if fn in ("sum", "avg"):
        nums = [v for _, pr, v in vals if pr and is_num(v)]
        if not nums:
            return None
        if all(isinstance(x, int) for x in nums):
            return sum(nums) if fn == "sum" else sum(nums) / len(nums)
        s = 0.0
        for x in nums:
            s += float(x)
        return s if fn == "sum" else s / len(nums)
    if fn in ("min", "max"):
        best = None
        for _, pr, v in vals:
            c = mm_class(v) if pr else None
            if c is None:
                continue
            if best is None or (c[:2] < best[:2] if fn == "min" else c[:2] > best[:2]):
                best = c
        return None if best is None else best[2]
    if fn in ("first", "last"):
        chosen = None
        for t, pr, v in vals:
            if not pr:
                continue
            if chosen is None or (t < chosen[0] if fn == "first" else t >= chosen[0]):
                chosen = (t, v)
        return None if chosen is None else chosen[1]
    if fn in ("collect_set", "count_distinct"):
        out = []
        for _, pr, v in vals:
            if pr and v is not None and not any(jq_cmp(v, o) == 0 for o in out):
                out.append(v)
        out.sort(key=functools.cmp_to_key(jq_cmp))
        return out if fn == "collect_set" else len(out)
    if fn == "collect_list":
        return [v for _, pr, v in vals if pr and v is not None]
    if fn == "approx_percentile":
        nums = sorted(v for _, pr, v in vals if pr and is_num(v))
        if not nums:
            return None
        r = min(max(math.ceil(p * len(nums)), 1), len(nums))
        return nums[r - 1]
    raise SystemExit("unknown aggregate " + fn)


def main():
    cfg = json.loads(sys.argv[1])
    delay = cfg.get("delay", 0)
    tfield = cfg.get("time", "timestamp")
    keys = cfg.get("keys", [])
    aggs = cfg.get("aggs") or [["count", None, "count", None]]
    emit = cfg.get("emit", "final")
    session = cfg.get("session")
    size, slide, offset = cfg.get("size"), cfg.get("slide"), cfg.get("offset", 0)
    if size and not slide:
        slide = size

    wins = {}      # (start, end, keytuple_json) -> [key values, events]
    maxes = {}     # partition -> max event time
    wm = None
    out = []
    late = 0

    def row(start, end, kvals, evs):
        r = {"window": {"start": fmt_time(start), "end": fmt_time(end)}}
        for k, v in zip(keys, kvals):
            r[k.split(".")[-1]] = v
        for fn, field, name, p in aggs:
            r[name] = agg_value(fn, field, p, sorted(evs, key=lambda x: x[0]))
        return r

    def key_cmp(a, b):
        for x, y in zip(a, b):
            c = jq_cmp(x, y)
            if c:
                return c
        return 0

    def order(item):
        (start, end, _), (kvals, _) = item
        return (end, start, functools.cmp_to_key(key_cmp)(kvals))

    def close(upto):
        done = [it for it in wins.items() if upto is None or it[0][1] <= upto]
        done.sort(key=order)
        for (start, end, kj), (kvals, evs) in done:
            if emit == "final":
                out.append(row(start, end, kvals, evs))
            del wins[(start, end, kj)]

    seq = 0
    for raw in sys.stdin.buffer:
        try:
            e = json.loads(raw.decode("utf-8"))
        except ValueError:
            continue
        if not isinstance(e, dict):
            continue
        present, tv = get_path(e, tfield)
        t = parse_time(tv) if present else None
        if t is None:
            continue
        seq += 1
        kvals = [get_path(e, k)[1] for k in keys]
        kj = json.dumps(kvals, sort_keys=True)
        closed = lambda end: wm is not None and end <= wm
        touched = []
        if session:
            if closed(t + session):
                late += 1
            else:
                mine = [k for k in wins if k[2] == kj and k[0] <= t + session and k[1] >= t]
                start, end = t, t + session
                evs = []
                for k in mine:
                    start, end = min(start, k[0]), max(end, k[1])
                    evs += wins.pop(k)[1]
                evs.append((seq, t, e))
                wins[(start, end, kj)] = [kvals, evs]
                touched.append((start, end, kj))
        else:
            starts = []
            s = t - ((t - offset) % slide)
            while s > t - size:
                starts.append(s)
                s -= slide
            starts = [s for s in sorted(starts) if not closed(s + size)]
            if not starts:
                late += 1
            for s in starts:
                wins.setdefault((s, s + size, kj), [kvals, []])[1].append((seq, t, e))
                touched.append((s, s + size, kj))
        if emit == "every":
            for k in touched:
                out.append(row(k[0], k[1], wins[k][0], wins[k][1]))
        meta = e.get("_kafka")
        part = None
        if isinstance(meta, dict) and isinstance(meta.get("topic"), str) and \
                isinstance(meta.get("partition"), int) and meta["partition"] >= 0:
            part = (meta["topic"], meta["partition"])
        maxes[part] = max(maxes.get(part, t), t)
        cand = min(maxes.values()) - delay
        if wm is None or cand > wm:
            wm = cand
            close(wm)
    close(None)
    for r in out:
        sys.stdout.write(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n")
    sys.stderr.write("late=%d\n" % late)


if __name__ == "__main__":
    main()
