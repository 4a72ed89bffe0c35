#!/bin/bash
# Scale-out: three copies of the windowing pipeline (kcons -G --meta | parse | window
# --checkpoint) in one consumer group over a 6-partition topic keyed by user_id. The
# union of their window rows equals one window process over the same events, no user's
# rows come from two copies, and killing one copy mid-run (kill -9 of its processes)
# and restarting it on its checkpoint changes neither: it gets its partitions back
# (cooperative-sticky assignment, as static membership would on a real cluster),
# replays its partitions, and skips what its checkpoint absorbed. The copies commit
# offsets only when they stop: librdkafka takes a commit refused for a past generation
# (the mock refuses them during rebalances) as a lost assignment, which would defeat
# the sticky assignment; the drain is read from the checkpoints instead.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/kbroker.sh"
SCHEMA=$RUNNEL_SRC/examples/schemas/event.avsc
WIN=(-k user_id -s 5m -S 1m -w 10m -a 'count() as event_count'
	-a 'collect_set(event_type) as event_types' -a 'min(timestamp) as session_start'
	-a 'max(timestamp) as session_end')
KX=(-X session.timeout.ms=6000 -X partition.assignment.strategy=cooperative-sticky
	-X auto.commit.interval.ms=600000)

start_kbroker -t sc:6

# copy N [TAG]: one copy in a process group of its own, rows appended to rows.N,
# kcons' messages in kcons.N[TAG].log, window's in window.N[TAG].log
declare -A GROUP
copy() {
	local tag=${2:-}
	set -m
	{
		sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$T/kcons.$1.pid" \
			kcons -v -b "$B" -G scale -t sc --meta "${KX[@]}" 2>"$T/kcons.$1$tag.log" |
			parse -q -s "$SCHEMA" |
			window -v "${WIN[@]}" --checkpoint "$T/ckpt.$1" --checkpoint-interval 0 --flush \
				>>"$T/rows.$1" 2>"$T/window.$1$tag.log"
	} &
	GROUP[$1]=$!
	set +m
	on_exit "kill -KILL -- -${GROUP[$1]}"
}
# assignment [TAG]: each copy's partitions now, from kcons -v (assigned/revoked lines);
# with TAG, copy 2's restart
assignment() {
	$PY - "$T/kcons.1.log" "$T/kcons.2${1:-}.log" "$T/kcons.3.log" <<'PY'
import re, sys
for f in sys.argv[1:]:
    cur = set()
    try:
        for line in open(f):
            m = re.match(r"kcons: (assigned|revoked): (.*)", line)
            if not m or m.group(2) == "nothing":
                continue
            ps = {int(p) for p in re.findall(r"\[(\d+)\]", m.group(2))}
            cur = cur | ps if m.group(1) == "assigned" else cur - ps
    except FileNotFoundError:
        pass
    print(",".join(map(str, sorted(cur))) or "-")
PY
}
# stable [TAG]: each copy holds two partitions, together all six
stable() {
	local a
	a=$(assignment "${1:-}" | tr '\n' ' ')
	[ "$(echo "$a" | tr ' ,' '\n\n' | grep -c '^[0-5]$')" = 6 ] &&
		[ "$(echo "$a" | tr ' ,' '\n\n' | grep '^[0-5]$' | sort -u | wc -l)" = 6 ] &&
		! echo "$a" | grep -qE '(^| )([0-5]|-)( |$)'
}
# drained: the windows' checkpoints absorbed every message of the topic
drained() {
	kcons -b "$B" -L -t sc 2>/dev/null >"$T/list" || return 1
	jq -s '([.[0].topics[].partitions[] | {key: "\(.partition)", value: (.high - 1)}] | from_entries)
		== ([.[1:][] | .state.offsets? // empty | .[] | {key: "\(.partition)", value: .offset}]
		    | group_by(.key) | map(max_by(.value)) | from_entries)' \
		"$T/list" "$T"/ckpt.[123] 2>/dev/null | grep -qx true
}

for n in 1 2 3; do copy $n; done
wait_for "three copies sharing the six partitions" 40 stable
before=$(assignment | tr '\n' ' ')
info "assignment: $before"

# phase 1: nine minutes of events from 300 users (nothing late whatever the
# interleaving: the watermark trails by ten)
eventgen -n 3000 --users 300 --seed 11 --start 2026-01-01T00:00:00Z --step 180ms --jitter 2s \
	>"$T/phase1"
kprod -q -b "$B" -t sc -k user_id --timestamp-from timestamp <"$T/phase1"
wait_for "the group to read phase 1" 30 drained

# phase 2, twenty minutes later, produced over about five seconds: it closes phase 1's
# windows; copy 2 is killed as soon as it wrote rows, and restarted
eventgen -n 3000 --users 300 --seed 12 --start 2026-01-01T00:20:00Z --step 180ms --jitter 2s \
	>"$T/phase2"
kprod -q -b "$B" -t sc -k user_id --timestamp-from timestamp --rate 600/s <"$T/phase2" &
producer=$!
wait_for "copy 2's first rows" 30 test -s "$T/rows.2"
kill -KILL -- "-${GROUP[2]}"
wait "${GROUP[2]}" 2>/dev/null
lines "$T/rows.2" >"$T/rows.2.at-kill"
copy 2 b
wait "$producer"
assert_eq 0 $? "phase 2 produced"
wait_for "the group to be whole again" 40 stable b
wait_for "the group to read phase 2" 40 drained
after=$(assignment b | tr '\n' ' ')
assert_eq "$(echo "$before" | cut -d' ' -f2)" "$(echo "$after" | cut -d' ' -f2)" \
	"the restarted copy got its own partitions back"

# stop: SIGTERM to each kcons; parse and window see end of input, window writes the
# open windows (--flush) and saves its checkpoint
for n in 1 2 3; do kill -TERM "$(cat "$T/kcons.$n.pid")"; done
for n in 1 2 3; do
	wait "${GROUP[$n]}"
	assert_eq 0 $? "copy $n exit status"
done

# the reference: one window over the same events, as produced
cat "$T/phase1" "$T/phase2" | parse -q -s "$SCHEMA" | window "${WIN[@]}" | sort >"$T/want"
sort -u "$T"/rows.{1,2,3} >"$T/union"
assert_file_eq "$T/want" "$T/union" "the union of the copies' rows equals the single-process run"
for n in 1 2 3; do
	[ -s "$T/rows.$n" ] || fail "copy $n wrote no rows"
	jq -r .user_id "$T/rows.$n" | sort -u >"$T/users.$n"
done
assert_eq "" "$(sort "$T"/users.{1,2,3} | uniq -d | head -5)" "no user's rows come from two copies"
# copy 2 committed nothing before it was killed: its restart read its partitions from
# the beginning, and its window skipped what the checkpoint had absorbed
assert_grep '^window: resumed from .*ckpt\.2' "$T/window.2b.log" "the restart loaded the checkpoint"
replayed=$(sed -n 's/.* replayed=\([0-9]*\) .*/\1/p' "$T/window.2b.log")
[ "${replayed:-0}" -gt 0 ] || fail "the restarted window skipped no replayed event"
info "restarted copy: $(tail -n 1 "$T/window.2b.log"); rows before the kill: $(cat "$T/rows.2.at-kill")"
done_testing
