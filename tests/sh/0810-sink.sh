#!/bin/bash
# sink: event-time partitions, rollover, atomic visibility, gzip, signals.
. "$(dirname "$0")/helpers.sh"

cat >"$T/in.ndjson" <<'J'
{"id":1,"timestamp":"2026-11-24T10:15:30.123Z"}
{"id":2,"timestamp":"2026-11-24T11:00:00.000Z"}
{"id":3,"timestamp":"2026-11-24T10:59:59.999Z"}
not json
{"id":4}
{"id":5,"timestamp":1795000000000}
J

# partitioning by event time: the late event 3 lands in hour 10, not 11
sink -d "$T/out" <"$T/in.ndjson" >"$T/paths" 2>"$T/err"
assert_eq 0 $? "sink exit status"
assert_eq 3 "$(lines "$T/paths")" "one completed file per partition printed"
cat "$T"/out/dt=2026-11-24/hour=10/*.ndjson >"$T/h10"
printf '%s\n' '{"id":1,"timestamp":"2026-11-24T10:15:30.123Z"}' \
	'{"id":3,"timestamp":"2026-11-24T10:59:59.999Z"}' >"$T/want10"
assert_file_eq "$T/want10" "$T/h10" "hour 10 partition"
assert_eq '{"id":2,"timestamp":"2026-11-24T11:00:00.000Z"}' \
	"$(cat "$T"/out/dt=2026-11-24/hour=11/*.ndjson)" "hour 11 partition"
assert_eq '{"id":5,"timestamp":1795000000000}' \
	"$(cat "$T"/out/dt=2026-11-18/hour=11/*.ndjson)" "epoch-ms time partition"
assert_grep '^sink: <stdin>:4: invalid JSON at column 1' "$T/err" "bad JSON reported"
assert_grep '^sink: <stdin>:5: no event time: field timestamp is missing' "$T/err" \
	"missing time reported"
assert_eq 0 "$(find "$T/out" -name '.*' -type f | wc -l)" "no temp files left"
while read -r p; do [ -f "$p" ] || fail "printed path $p does not exist"; done <"$T/paths"

# file names: prefix, sortable open time, .ndjson
for f in "$T"/out/*/*/*.ndjson; do
	case "$(basename "$f")" in
	part-[0-9]*T[0-9]*.[0-9][0-9][0-9]Z-*-*-*-[0-9]*.ndjson) ;;
	*) fail "unexpected file name $(basename "$f")" ;;
	esac
done

# --strict stops at the first bad line with 4; --reject keeps it as JSON
sink -d "$T/strict" --strict --reject "$T/rej" <"$T/in.ndjson" >/dev/null 2>&1
assert_eq 4 $? "--strict exit status"
assert_eq '{"line":4,"file":"<stdin>","error":"invalid JSON at column 1: invalid literal","input":"not json"}' \
	"$(cat "$T/rej")" "reject record"
assert_eq 3 "$(cat "$T"/strict/*/*/*.ndjson | wc -l)" "records before the bad line kept under --strict"

# rollover by size: 100 records of 48 bytes, --max-bytes 1K → 5 files of ≤ 21 records
for i in $(seq 1000 1099); do
	printf '{"id":%d,"timestamp":"2026-11-24T10:00:00.000Z"}\n' "$i"
done >"$T/many"
sink -d "$T/roll" -P '' --max-bytes 1K <"$T/many" >"$T/rollpaths"
assert_eq 5 "$(lines "$T/rollpaths")" "files after size rollover"
cat $(cat "$T/rollpaths") >"$T/rolled"
assert_file_eq "$T/many" "$T/rolled" "rolled files hold every record in order"
for f in $(cat "$T/rollpaths"); do
	[ "$(wc -c <"$f")" -le 1071 ] || fail "$f is larger than max-bytes plus one record"
done

# gzip
sink -d "$T/gz" -P 'dt=%Y-%m-%d' -z <"$T/many" >"$T/gzpaths"
assert_eq 1 "$(lines "$T/gzpaths")" "one gzip file"
assert_grep '\.ndjson\.gz$' "$T/gzpaths" "gzip suffix"
zcat "$(cat "$T/gzpaths")" >"$T/gunz"
assert_file_eq "$T/many" "$T/gunz" "gzip content"

# rollover by age while the input stays open and idle; then SIGTERM completes the rest
mkfifo "$T/fifo"
sink -d "$T/age" -P '' --max-age 300ms <"$T/fifo" >"$T/agepaths" 2>"$T/ageerr" &
pid=$!
exec 7>"$T/fifo"
echo '{"id":1,"timestamp":"2026-11-24T10:00:00.000Z"}' >&7
wait_for "an aged file to be completed" 20 test -s "$T/agepaths"
echo '{"id":2,"timestamp":"2026-11-24T10:00:00.000Z"}' >&7
wait_for "the second record to be written to a temp file" 20 \
	sh -c "test \$(cat '$T'/age/.*.tmp 2>/dev/null | wc -l) -ge 1 || test \$(wc -l <'$T/agepaths') -ge 2"
kill -TERM $pid
wait $pid
assert_eq 0 $? "exit status after SIGTERM"
exec 7>&-
assert_eq 2 "$(cat "$T"/age/*.ndjson | wc -l)" "both records visible after SIGTERM"
assert_eq 0 "$(find "$T/age" -name '.*' -type f | wc -l)" "no temp file after SIGTERM"

# kill -9 mid-stream: visible files are always complete; the open one stays hidden
rm -f "$T/fifo"; mkfifo "$T/fifo"
sink -d "$T/k9" -P '' --max-bytes 2K <"$T/fifo" >"$T/k9paths" 2>/dev/null &
pid=$!
exec 7>"$T/fifo"
cat "$T/many" >&7
wait_for "two completed files" 20 sh -c "test \$(wc -l <'$T/k9paths') -ge 2"
kill -KILL $pid
wait $pid 2>/dev/null
exec 7>&-
n=0
for f in "$T"/k9/*.ndjson; do
	$PY -c 'import json,sys
data=open(sys.argv[1],"rb").read()
assert data.endswith(b"\n"), "partial last line"
[json.loads(l) for l in data.splitlines()]' "$f" || fail "visible file $f is partial"
	n=$((n + 1))
done
assert_eq "$(lines "$T/k9paths")" "$n" "visible files are exactly the completed ones"
assert_eq 1 "$(find "$T/k9" -name '.*.tmp' | wc -l)" "the open file stays hidden after kill -9"

# usage
sink >/dev/null 2>"$T/uerr"
assert_eq 2 $? "missing --dir"
assert_grep "^sink: try 'sink --help'" "$T/uerr" "usage hint"
sink --help >"$T/help"
assert_eq 0 $? "--help"
assert_grep '^usage: sink' "$T/help" "help text on stdout"

done_testing
