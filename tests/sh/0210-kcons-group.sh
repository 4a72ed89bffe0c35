#!/bin/bash
# kcons -G: at-least-once across a pipeline. Resume after a clean stop (no duplicates),
# after kill -9 (duplicates exactly what was not committed), `| head -3`, commits on
# rebalance, and two consumers sharing a topic's partitions.
. "$(dirname "$0")/helpers.sh"

kbroker -t ga:3 -t gk:2 -t gh -t gbig -t gs:4 >"$T/kb" 2>"$T/kb.err" &
kpid=$!
on_exit "kill $kpid"
wait_for "kbroker's address" 30 test -s "$T/kb"
B=$(head -1 "$T/kb")
export KAFKA_BROKERS=$B
# the mock broker rebalances after session.timeout.ms; keep it short
ST="-X session.timeout.ms=6000"

# produce TOPIC PARTITION FIRST LAST: values {"p":P,"n":N}
produce() {
	seq "$3" "$4" | sed "s/.*/{\"p\":$2,\"n\":&}/" | kcat -P -b "$B" -t "$1" -p "$2" ||
		die "kcat -P $1 failed"
}
# committed GROUP TOPIC: "P=OFFSET" per partition (null: nothing committed)
committed() {
	kcons -L -G "$1" -t "$2" | $PY -c 'import json, sys
for p in json.load(sys.stdin)["topics"][0]["partitions"]:
    print("%d=%s" % (p["partition"], p["committed"]))'
}
# count P FILE: records of partition P in FILE
count() { grep -c "^{\"p\":$1," "$2"; }

# 1. a clean stop after -c: the next run in the group continues with no gap and no
# duplicate
for p in 0 1 2; do produce ga $p 1 40; done
for p in 0 1 2; do seq 1 40 | sed "s/.*/{\"p\":$p,\"n\":&}/"; done | sort >"$T/ga_want"
kcons -G ga -t ga -c 50 $ST >"$T/ga1" 2>"$T/ga1_err"
assert_eq 0 $? "-G -c 50: exit status"
assert_eq 50 "$(lines "$T/ga1")" "-G -c 50: 50 records"
kcons -G ga -t ga -e $ST >"$T/ga2" 2>"$T/ga2_err"
assert_eq 0 $? "-G -e after -c: exit status"
assert_eq 70 "$(lines "$T/ga2")" "the second run reads the other 70"
sort "$T/ga1" "$T/ga2" >"$T/ga_got"
assert_file_eq "$T/ga_want" "$T/ga_got" "both runs together: every record exactly once"
assert_eq "0=40 1=40 2=40" "$(committed ga ga | tr '\n' ' ' | sed 's/ $//')" \
	"committed offsets at the end"
assert_eq "" "$(cat "$T/ga1_err" "$T/ga2_err")" "nothing on stderr"
# SIGTERM commits what was written (well before the first periodic commit, 5 s)
kcons -G ga2 -t ga $ST >"$T/ga3" 2>"$T/ga3_err" &
k3=$!
on_exit "kill -9 $k3"
wait_for "a live group consumer to write 120 records" 60 sh -c "[ \$(wc -l <'$T/ga3') -eq 120 ]"
kill -TERM $k3
wait $k3
assert_eq 0 $? "-G: SIGTERM exit status"
assert_eq "0=40 1=40 2=40" "$(committed ga2 ga | tr '\n' ' ' | sed 's/ $//')" \
	"SIGTERM: offsets of everything written are committed"

# 2. kill -9: offsets are committed only for written records, and a restart resumes
# at the committed offset, so the duplicates are exactly the written but uncommitted
for p in 0 1; do produce gk $p 1 200; done
kcons -G gk -t gk -u --max-rate 100/s $ST -X auto.commit.interval.ms=200 >"$T/gk1" 2>/dev/null &
k1=$!
on_exit "kill -9 $k1"
wait_for "some commits" 60 sh -c "kcons -L -G gk -t gk | grep -q '\"committed\":[1-9]'"
{ kill -9 $k1; wait $k1; } 2>/dev/null
committed gk gk >"$T/gk_c"
dups=0
for p in 0 1; do
	c=$(sed -n "s/^$p=//p" "$T/gk_c")
	[ "$c" = None ] && c=0
	w=$(count $p "$T/gk1")
	[ "$w" -ge "$c" ] || fail "partition $p: committed $c but only $w written"
	# written records are a prefix of the partition
	assert_eq "$(seq 1 "$w" | sed "s/.*/{\"p\":$p,\"n\":&}/")" "$(grep "^{\"p\":$p," "$T/gk1")" \
		"partition $p: written in order"
	eval "c$p=$c"
	dups=$((dups + w - c))
done
info "after kill -9: committed $(tr '\n' ' ' <"$T/gk_c")of $(lines "$T/gk1") written"
kcons -G gk -t gk -e $ST >"$T/gk2" 2>/dev/null
assert_eq 0 $? "restart after kill -9: exit status"
for p in 0 1; do
	eval "c=\$c$p"
	assert_eq "{\"p\":$p,\"n\":$((c + 1))}" "$(grep -m1 "^{\"p\":$p," "$T/gk2")" \
		"partition $p resumes at the committed offset $c"
done
for p in 0 1; do seq 1 200 | sed "s/.*/{\"p\":$p,\"n\":&}/"; done | sort >"$T/gk_want"
sort -u "$T/gk1" "$T/gk2" >"$T/gk_union"
assert_file_eq "$T/gk_want" "$T/gk_union" "after kill -9: nothing lost"
assert_eq "$dups" "$(sort "$T/gk1" "$T/gk2" | uniq -d | wc -l | tr -d ' ')" \
	"duplicates are exactly the written but uncommitted records"

# 3. `kcons | head -3`: exit 0; head read more than it printed, so nothing may be
# committed past what it printed: a restart resumes at record 4 or earlier
produce gh 0 1 10
kcons -G gh -t gh $ST -X auto.commit.interval.ms=500 2>"$T/gh_err" | head -3 >"$T/gh1"
assert_eq "0 0" "${PIPESTATUS[*]}" "kcons -G | head -3 (reader gone while idle): exit 0"
assert_eq "$(seq 1 3 | sed 's/.*/{"p":0,"n":&}/')" "$(cat "$T/gh1")" "head printed 3"
c=$(committed gh gh | sed 's/^0=//')
[ "$c" = None ] || [ "$c" -le 3 ] || fail "| head -3 committed offset $c"
kcons -G gh -t gh -e $ST >"$T/gh2" 2>/dev/null
n=$(head -1 "$T/gh2" | sed 's/.*"n":\([0-9]*\)}/\1/')
[ "$n" -le 4 ] || fail "restart after | head -3 resumed at record $n"
assert_eq "$(seq "$n" 10 | sed 's/.*/{"p":0,"n":&}/')" "$(cat "$T/gh2")" "restart reads on to the end"
# the same while writing (EPIPE), with more data than the pipe holds
produce gbig 0 1 30000
kcons -G gbig -t gbig $ST -X auto.commit.interval.ms=500 2>"$T/gbig_err" | head -3 >/dev/null
assert_eq "0 0" "${PIPESTATUS[*]}" "kcons -G | head -3 (EPIPE): exit 0"
assert_eq "" "$(cat "$T/gbig_err")" "EPIPE is quiet"
c=$(committed gbig gbig | sed 's/^0=//')
[ "$c" = None ] || [ "$c" -le 3 ] || fail "| head -3 (EPIPE) committed offset $c"

# 4. two consumers in one group split the partitions with no overlap. (kcons also
# commits when partitions are revoked, but the 2.0.2 mock broker refuses commits once a
# rebalance has begun, so here the periodic commits make the handover replay-free.)
GC="-X auto.commit.interval.ms=300"
for p in 0 1 2 3; do produce gs $p 1 50; done
kcons -G gs -t gs -u -v $ST $GC >"$T/gsA" 2>"$T/gsA_err" &
ka=$!
on_exit "kill -9 $ka"
wait_for "the first consumer to read 200 records" 60 sh -c "[ \$(wc -l <'$T/gsA') -eq 200 ]"
wait_for "its commits" 60 sh -c "[ \"\$(kcons -L -G gs -t gs | grep -o '\"committed\":50' | wc -l)\" -eq 4 ]"
kcons -G gs -t gs -u -v $ST $GC >"$T/gsB" 2>"$T/gsB_err" &
kb=$!
on_exit "kill -9 $kb"
# the latest assignment of each, once both have one after the rebalance
latest() { grep -E '^kcons: (assigned|revoked):' "$1" | tail -1; }
split_done() {
	a=$(latest "$T/gsA_err") b=$(latest "$T/gsB_err")
	case "$a$b" in *revoked*) return 1 ;; esac
	[ -n "$b" ] && [ "$(grep -c '^kcons: assigned:' "$T/gsA_err")" -ge 2 ]
}
wait_for "the rebalance to give both consumers partitions" 60 split_done
pa=$(latest "$T/gsA_err" | grep -o 'gs \[[0-9]\]' | tr -dc '0-9')
pb=$(latest "$T/gsB_err" | grep -o 'gs \[[0-9]\]' | tr -dc '0-9')
info "consumer A has partitions $pa, consumer B has $pb"
assert_eq 0123 "$(echo "$pa$pb" | fold -w1 | sort | tr -d '\n')" "the partitions are split with no overlap"
[ -n "$pa" ] && [ -n "$pb" ] || fail "one consumer got no partition"
assert_eq 0 "$(lines "$T/gsB")" "no replay after the rebalance"
for p in 0 1 2 3; do produce gs $p 51 100; done
wait_for "both consumers to read the new records" 60 sh -c "[ \$(cat '$T/gsA' '$T/gsB' | wc -l) -eq 400 ]"
wait_for "their commits" 60 sh -c "[ \"\$(kcons -L -G gs -t gs | grep -o '\"committed\":100' | wc -l)\" -eq 4 ]"
kill -TERM $ka $kb
wait $ka
assert_eq 0 $? "consumer A: SIGTERM exit status"
wait $kb
assert_eq 0 $? "consumer B: SIGTERM exit status"
for p in 0 1 2 3; do
	na=$(awk -F'[:,}]' -v p=$p '$2 == p && $4 > 50' "$T/gsA" | wc -l | tr -d ' ')
	nb=$(awk -F'[:,}]' -v p=$p '$2 == p && $4 > 50' "$T/gsB" | wc -l | tr -d ' ')
	info "partition $p, records 51-100: consumer A $na, consumer B $nb"
	case $pa in *$p*) want="50 0" ;; *) want="0 50" ;; esac
	assert_eq "$want" "$na $nb" "partition $p's new records went to its owner only"
done
for p in 0 1 2 3; do seq 1 100 | sed "s/.*/{\"p\":$p,\"n\":&}/"; done | sort >"$T/gs_want"
sort "$T/gsA" "$T/gsB" >"$T/gs_got"
assert_file_eq "$T/gs_want" "$T/gs_got" "two consumers: every record exactly once"
# the next run in the group sees only new records
for p in 0 1 2 3; do produce gs $p 101 110; done
kcons -G gs -t gs -e $ST >"$T/gs3" 2>/dev/null
for p in 0 1 2 3; do seq 101 110 | sed "s/.*/{\"p\":$p,\"n\":&}/"; done | sort >"$T/gs3_want"
sort "$T/gs3" >"$T/gs3_got"
assert_file_eq "$T/gs3_want" "$T/gs3_got" "after SIGTERM: the group resumes exactly"

done_testing
