#!/bin/bash
# window --checkpoint: offsets absorbed once, refusal of corrupt and mismatched
# checkpoints (exit 3), and kill -9 at random points of a replaying Kafka-like source:
# the union of all runs' rows equals the rows of one uninterrupted run.
. "$(dirname "$0")/helpers.sh"

OPTS=(-k user_id -s 2m -S 1m -w 3m -a 'count() as n, collect_set(event_type) as types, sum(n) as s')

# events with `_kafka` offsets over 3 partitions, as kcons --meta writes them
eventgen -n 4000 --users 40 --seed 11 --step 500ms --jitter 1m --late-fraction 0.02 --late-by 10m |
	$PY -c '
import json, sys
offs = [0, 0, 0]
for i, l in enumerate(sys.stdin):
    e = json.loads(l)
    p = (i * 7 + i // 13) % 3
    e["n"] = i % 17
    e["_kafka"] = {"topic": "events", "partition": p, "offset": 1000 + offs[p],
                   "ts": e["timestamp"], "key": e["user_id"]}
    offs[p] += 1
    print(json.dumps(e, separators=(",", ":")))' >"$T/ev"

window "${OPTS[@]}" <"$T/ev" >"$T/full"
assert_eq 0 $? "uninterrupted run"
[ "$(lines "$T/full")" -gt 100 ] || die "too few rows to compare: $(lines "$T/full")"

# ---- replays are skipped by offset: two runs over overlapping ranges count each once
head -2500 "$T/ev" | window "${OPTS[@]}" --checkpoint "$T/a.ckpt" >"$T/a1"
assert_eq 0 $? "first run"
sed -n '1800,$p' "$T/ev" | window "${OPTS[@]}" --checkpoint "$T/a.ckpt" --flush -v >"$T/a2" 2>"$T/a2err"
assert_eq 0 $? "second run, replaying from line 1800"
assert_grep 'replayed=701 ' "$T/a2err" "second run: lines 1800-2500 skipped as replays"
cat "$T/a1" "$T/a2" >"$T/a"
assert_file_eq "$T/full" "$T/a" "two runs over a replayed range equal one run"
# the checkpoint holds the highest offset absorbed per partition
assert_eq "$(jq -sc 'map(._kafka) | group_by(.partition) | map({topic: .[0].topic, partition: .[0].partition, offset: (map(.offset) | max)})' "$T/ev")" \
	"$(head -1 "$T/a.ckpt" | jq -c '.state.offsets')" "checkpoint: offsets absorbed"
assert_eq 3 "$(head -1 "$T/a.ckpt" | jq '.state.offsets | length')" "checkpoint: one offset per partition"
assert_eq 3 "$(head -1 "$T/a.ckpt" | jq '.state.partitions | length')" "checkpoint: three partitions"
# a third run over data already absorbed adds nothing
window "${OPTS[@]}" --checkpoint "$T/a.ckpt" <"$T/ev" >"$T/a3"
assert_eq 0 "$(lines "$T/a3")" "full replay after the end: nothing new"

# ---- corrupt and mismatched checkpoints are refused with exit 3 and left alone
cp "$T/a.ckpt" "$T/good.ckpt"
refused() { # refused NAME MESSAGE_REGEX CKPT [OPTIONS...]
	_n=$1 _re=$2 _ck=$3
	shift 3
	_sum=$(md5sum <"$_ck")
	echo '{"timestamp":"2026-01-01T00:00:00Z","user_id":"u"}' |
		window "${OPTS[@]}" --checkpoint "$_ck" "$@" >"$T/rout" 2>"$T/rerr"
	assert_eq 3 $? "$_n: exit status"
	assert_grep "$_re" "$T/rerr" "$_n: message"
	assert_eq 0 "$(lines "$T/rout")" "$_n: no output"
	assert_eq "$_sum" "$(md5sum <"$_ck")" "$_n: checkpoint left as it was"
}
head -c 300 "$T/good.ckpt" >"$T/trunc.ckpt"
refused "truncated checkpoint" "checkpoint $T/trunc.ckpt is corrupt" "$T/trunc.ckpt"
sed '1s/"watermark":1/"watermark":2/' "$T/good.ckpt" >"$T/flip.ckpt"
cmp -s "$T/good.ckpt" "$T/flip.ckpt" && die "the alteration changed nothing"
refused "altered checkpoint" "is corrupt \(checksum mismatch\)" "$T/flip.ckpt"
printf 'garbage\n' >"$T/garbage.ckpt"
refused "garbage checkpoint" "is corrupt" "$T/garbage.ckpt"
: >"$T/empty.ckpt"
refused "empty checkpoint" "is corrupt \(empty file\)" "$T/empty.ckpt"
cp "$T/good.ckpt" "$T/m.ckpt"
refused "other window size" "written with other parameters" "$T/m.ckpt" -s 3m
refused "other delay" "delay=180000 .*not .*delay=240000" "$T/m.ckpt" -w 4m
refused "other aggregates" "written with other parameters" "$T/m.ckpt" -a 'max(n)'
# a well-formed checkpoint whose state does not fit: a window of the wrong size
$PY - "$T/good.ckpt" >"$T/bad.ckpt" <<'PY'
import json, sys
doc = json.loads(open(sys.argv[1]).readline())
doc["state"]["panes"] = [["\"u\"", 0, 1, False, [1, [], [0, 0.0, 0, 0]]]]
body = (json.dumps(doc, separators=(",", ":")) + "\n").encode()
h = 0xcbf29ce484222325
for b in body:
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
sys.stdout.write(body.decode() + json.dumps({"bytes": len(body), "fnv1a64": "%016x" % h}) + "\n")
PY
refused "inconsistent state" "is corrupt \(panes\[0\]: window" "$T/bad.ckpt"
# output options may change
echo '{"timestamp":"2026-01-01T00:00:00Z","user_id":"u"}' |
	window "${OPTS[@]}" --checkpoint "$T/m.ckpt" --emit every --late /dev/null >/dev/null
assert_eq 0 $? "--emit and --late may change between runs"

# ---- --emit update with a checkpoint: the changes so far are written before saving
printf '%s\n' '{"t":1000}' '{"t":2000}' '{"t":3000}' >"$T/u1"
assert_eq '{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:01:00.000Z"},"count":3}' \
	"$(window -T t -s 1m --emit update --trigger 1h --checkpoint "$T/upd.ckpt" <"$T/u1")" \
	"update mode: last trigger at the end of input"
assert_eq '{"window":{"start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:01:00.000Z"},"count":4}' \
	"$(echo '{"t":4000}' | window -T t -s 1m --emit update --trigger 1h --checkpoint "$T/upd.ckpt")" \
	"update mode: the next run continues the window"
assert_eq '' "$(window -T t -s 1m --emit update --trigger 1h --checkpoint "$T/upd.ckpt" </dev/null)" \
	"update mode: nothing to write when nothing changed"

# ---- SIGTERM saves the checkpoint (the 10 s interval has not come yet)
rm -f "$T/fifo" "$T/term.ckpt"
mkfifo "$T/fifo"
window "${OPTS[@]}" --checkpoint "$T/term.ckpt" --emit every -u <"$T/fifo" >"$T/term.out" &
pid=$!
exec 7>"$T/fifo"
head -3 "$T/ev" >&7
wait_for "three changelog rows" 20 sh -c "[ \$(cat '$T/term.out' | wc -l) -ge 6 ]"
[ -e "$T/term.ckpt" ] && fail "checkpoint saved before the interval or a signal"
kill -TERM $pid
wait $pid
assert_eq 0 $? "SIGTERM: exit status"
exec 7>&-
assert_eq "$(head -3 "$T/ev" | jq -sc 'map(._kafka.offset) | sort')" \
	"$(head -1 "$T/term.ckpt" | jq -c '[.state.offsets[].offset] | sort')" "SIGTERM: offsets saved"
assert_eq 6 "$(head -1 "$T/term.ckpt" | jq '.state.panes | length')" "SIGTERM: open windows saved"

# ---- kill -9 at random points while a replaying source feeds window
# feed.py EVENTS START KILL_AT PID_FILE: writes lines START.. of EVENTS in bursts; at
# line KILL_AT (0: never) it SIGKILLs the window whose pid is in PID_FILE.
cat >"$T/feed.py" <<'PY'
import os, signal, sys, time
lines = open(sys.argv[1], "rb").readlines()
start, kill_at = int(sys.argv[2]), int(sys.argv[3])
kill_after = kill_at - start if kill_at else 0
out = os.fdopen(1, "wb", buffering=0)
sent = 0
for i in range(start, len(lines), 100):
    chunk = lines[i:i + 100]
    if kill_after and sent + len(chunk) >= kill_after:
        chunk = chunk[:kill_after - sent]
    out.write(b"".join(chunk))
    sent += len(chunk)
    if kill_after and sent >= kill_after:
        time.sleep(0.002 * (kill_after % 7))
        os.kill(int(open(sys.argv[4]).read()), signal.SIGKILL)
        break
    time.sleep(0.003)
PY
# replay_from CKPT: a line number at or before the first event the checkpoint has not
# absorbed, chosen by seed (consumers replay from older committed offsets)
cat >"$T/replay.py" <<'PY'
import json, random, sys
evs = [json.loads(l)["_kafka"] for l in open(sys.argv[1])]
try:
    st = json.loads(open(sys.argv[2]).readline())["state"]
    done = {(o["topic"], o["partition"]): o["offset"] for o in st["offsets"]}
except (OSError, ValueError):
    done = {}
first = next((i for i, k in enumerate(evs) if k["offset"] > done.get((k["topic"], k["partition"]), -1)), len(evs))
r = random.Random(int(sys.argv[3]))
print(max(0, first - r.randrange(0, 400)))
PY

for seed in 1 2 3; do
	ck="$T/kill$seed.ckpt"
	rm -f "$ck" "$T"/out"$seed".*
	kills=$($PY -c "import random; r = random.Random($seed); print(*sorted(r.sample(range(150, 3800), 3)))")
	round=0
	for k in $kills 0; do
		round=$((round + 1))
		start=$($PY "$T/replay.py" "$T/ev" "$ck" "$seed$round")
		info "seed $seed round $round: replay from line $start, kill at ${k}"
		rm -f "$T/fifo"
		mkfifo "$T/fifo"
		flush=()
		[ "$k" = 0 ] && flush=(--flush)
		window "${OPTS[@]}" --checkpoint "$ck" --checkpoint-interval 0 "${flush[@]}" \
			<"$T/fifo" >"$T/out$seed.$round" 2>"$T/err$seed.$round" &
		echo $! >"$T/pid"
		$PY "$T/feed.py" "$T/ev" "$start" "$k" "$T/pid" >"$T/fifo"
		wait "$(cat "$T/pid")"
		st=$?
		if [ "$k" = 0 ]; then
			assert_eq 0 "$st" "seed $seed: last run exit status"
		else
			assert_eq 137 "$st" "seed $seed, round $round: killed by SIGKILL"
		fi
		assert_eq "" "$(grep -v '^$' "$T/err$seed.$round")" "seed $seed, round $round: no messages"
	done
	# rows of killed runs may end in a partial line; the union of whole rows must be
	# the uninterrupted run's rows
	$PY - "$T/full" "$T"/out"$seed".* >"$T/union$seed" <<'PY'
import sys
full = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
union = set()
for f in sys.argv[2:]:
    data = open(f, "rb").read()
    rows = data.split(b"\n")
    union.update(r for r in rows[:-1])  # the last piece is partial (or empty)
extra = union - set(full)
missing = set(full) - union
print("rows", len(full), "extra", len(extra), "missing", len(missing))
for r in list(extra)[:3]:
    print("extra:", r.decode())
for r in list(missing)[:3]:
    print("missing:", r.decode())
PY
	assert_eq "rows $(lines "$T/full") extra 0 missing 0" "$(head -1 "$T/union$seed")" \
		"seed $seed: union of the runs' rows equals the uninterrupted run"
	[ "$(head -1 "$T/union$seed")" = "rows $(lines "$T/full") extra 0 missing 0" ] || cat "$T/union$seed" >&2
done

done_testing
