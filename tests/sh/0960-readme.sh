#!/bin/bash
# README.md: every ```sh block runs, in order, in one bash (set -e, pipefail) from a
# scratch copy of the source tree's top (examples/ and man/ linked), as a reader would
# run the tour; ```text blocks are shown, not run (scripts/demo has 0915-demo). No other
# kind of block is allowed, so a new command cannot slip in untested; every relative
# link points at a file that exists; the tour's commands did what the text says.
. "$(dirname "$0")/helpers.sh"
R=$RUNNEL_SRC/README.md

# the fences: only ```sh and ```text open a block
awk '/^```/ { if (!inb) { inb = 1; print substr($0, 4) } else { inb = 0; if ($0 != "```") print "bad close: " $0 } }
	END { if (inb) print "unclosed block" }' "$R" | sort | uniq -c >"$T/fences"
assert_eq "" "$(awk '$2 != "sh" && $2 != "text"' "$T/fences")" "every block is sh or text"
nsh=$(awk '$2 == "sh" { print $1 }' "$T/fences")
[ "${nsh:-0}" -ge 10 ] || fail "only ${nsh:-0} sh blocks"

# relative links name files that exist
grep -oE '\]\([^)#]+\)' "$R" | sed 's/^](//; s/)$//' | grep -v '^[a-z]*://' | sort -u >"$T/links"
while IFS= read -r l; do
	[ -e "$RUNNEL_SRC/$l" ] || fail "README links $l, which does not exist"
done <"$T/links"
for m in "$RUNNEL_SRC"/man/*.1; do
	grep -qF "](man/$(basename "$m"))" "$R" || fail "README does not link man/$(basename "$m")"
done

# the tour: the sh blocks, each announcing itself
mkdir -p "$T/top/build"
ln -s "$RUNNEL_SRC/examples" "$RUNNEL_SRC/man" "$T/top/"
ln -s "$RUNNEL_BUILD/tools" "$T/top/build/tools"
awk 'BEGIN { print "set -euo pipefail" }
	/^```sh$/ { n++; print "echo \"### block " n "\" >&2"; inb = 1; next }
	/^```/ { inb = 0; next }
	inb' "$R" >"$T/tour.sh"
(cd "$T/top" && env -u KAFKA_BROKERS bash "$T/tour.sh") >"$T/out" 2>"$T/err"
st=$?
assert_eq 0 $st "the tour's exit status"
[ $st = 0 ] || tail -20 "$T/err" >&2
assert_eq "$nsh" "$(grep -c '^### block ' "$T/err")" "every block ran"

# what the text says happened
assert_grep '"source":"readme"' "$T/out" "the hand-made message and its header"
assert_grep '^bad records: 4$' "$T/out" "parse --check found the hand-made record"
assert_grep 'parse: <stdin>:[0-9]+: ' "$T/err" "and named it"
assert_eq "$(kcat -b "$(cat "$T/top/kafka.addr" 2>/dev/null)" -L 2>/dev/null | head -1)" "" \
	"kbroker stopped at the end (kill %1)"
printf 'attacker_bot_1\nattacker_bot_2\n' >"$T/want"
cut -f1 "$T/out" | grep '^attacker_bot' | sort -u >"$T/got"
assert_file_eq "$T/want" "$T/got" "the live pipeline alerted on the two bots"
assert_grep '"suspicious":\["attacker_bot_1","attacker_bot_2"\]' "$T/out" "the seed pipeline's alerts"
assert_grep '^dq_events_total [0-9]+' "$T/out" "dq metrics in the textfile"
assert_eq 8 "$(grep -c '^runnel_backfill_events_total{' "$T/out")" "the backfill's counts, identical twice"
assert_eq 100 "$(grep -x '[0-9]*' "$T/out" | tail -1)" "dedup dropped the 100 repeated events"
assert_eq 2000 "$(cat "$T"/top/lake/dt=*/hour=*/*.ndjson | wc -l)" "sink landed the 2000 unique events"
assert_eq "$((100000 - $(lines "$T/top/bad.ndjson")))" "$(cat "$T"/top/events-lake/dt=*/hour=*/*.ndjson | wc -l)" \
	"the first pipeline landed every good event and set the bad ones aside"
done_testing
