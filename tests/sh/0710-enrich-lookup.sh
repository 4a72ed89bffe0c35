#!/bin/bash
# enrich --table: NDJSON and CSV tables, merge modes, inner, reload on SIGHUP.
. "$(dirname "$0")/helpers.sh"

cat >"$T/dim.ndjson" <<'J'
{"user_id":"u1","tier":"gold","country":"DE"}
{"user_id":"u2","tier":"silver","country":"FR"}
{"user_id":7,"tier":"seven"}
{"user_id":"u2","tier":"platinum","country":"FR"}
{"tier":"no key"}
J
cat >"$T/ev" <<'J'
{"user_id":"u1","tier":"own","x":1}
{"user_id":"u9"}
{"user_id":"7"}
{ "user_id" : "u2" , "e":[1, 2] }
not json
{}
J

# flat merge: the event's own fields win; "7" matches 7; the last u2 row wins
enrich -t "$T/dim.ndjson" -o user_id <"$T/ev" >"$T/out" 2>"$T/err"
assert_eq 0 $? "exit status"
cat >"$T/want" <<'J'
{"user_id":"u1","tier":"own","x":1,"country":"DE"}
{"user_id":"u9"}
{"user_id":"7","tier":"seven"}
{ "user_id" : "u2" , "e":[1, 2],"tier":"platinum","country":"FR"}
{}
J
assert_file_eq "$T/want" "$T/out" "flat lookup join"
assert_eq 'enrich: <stdin>:5: invalid JSON at column 1: invalid literal' "$(cat "$T/err")" \
	"bad line reported"

# nested, inner
enrich -t "$T/dim.ndjson" --on user_id --as dim --inner <"$T/ev" >"$T/out" 2>/dev/null
cat >"$T/want" <<'J'
{"user_id":"u1","tier":"own","x":1,"dim":{"user_id":"u1","tier":"gold","country":"DE"}}
{"user_id":"7","dim":{"user_id":7,"tier":"seven"}}
{"user_id":"u2","e":[1,2],"dim":{"user_id":"u2","tier":"platinum","country":"FR"}}
J
assert_file_eq "$T/want" "$T/out" "nested inner lookup join"

# CSV with a header, quoted fields, an embedded newline; prefix; differently named key
printf 'id,tier,note\nu1,gold,"a, ""quoted""\nnote"\nu2,,\n' >"$T/dim.csv"
enrich -t "$T/dim.csv" -o user_id=id -p d_ <"$T/ev" >"$T/out" 2>/dev/null
cat >"$T/want" <<'J'
{"user_id":"u1","tier":"own","x":1,"d_id":"u1","d_tier":"gold","d_note":"a, \"quoted\"\nnote"}
{"user_id":"u9"}
{"user_id":"7"}
{ "user_id" : "u2" , "e":[1, 2],"d_id":"u2","d_tier":null,"d_note":null}
{}
J
assert_file_eq "$T/want" "$T/out" "CSV lookup join with prefix"

# composite keys
printf '%s\n' '{"a":"x","b":1,"v":"x1"}' '{"a":"x","b":2,"v":"x2"}' >"$T/dim2"
printf '%s\n' '{"a":"x","b":2}' '{"a":"x","b":3}' |
	enrich -t "$T/dim2" -o a,b --inner >"$T/out"
assert_eq '{"a":"x","b":2,"v":"x2"}' "$(cat "$T/out")" "composite key"

# errors: a broken table is a config error (3), usage errors 2
printf '{"user_id":"u1"\n' >"$T/broken"
enrich -t "$T/broken" -o user_id </dev/null 2>"$T/err"
assert_eq 3 $? "broken table exit status"
assert_grep "^enrich: table $T/broken:1: invalid JSON" "$T/err" "broken table message"
enrich -t "$T/dim.ndjson" </dev/null 2>/dev/null
assert_eq 2 $? "--on missing"
enrich -t "$T/dim.ndjson" -o user_id --as a --prefix b </dev/null 2>/dev/null
assert_eq 2 $? "--as with --prefix"
enrich -t "$T/dim.ndjson" -o user_id --strict <"$T/ev" >/dev/null 2>&1
assert_eq 4 $? "--strict"

# SIGHUP reloads atomically; a broken new table keeps the old one
cp "$T/dim.ndjson" "$T/live.ndjson"
mkfifo "$T/fifo"
enrich -t "$T/live.ndjson" -o user_id -u -v <"$T/fifo" >"$T/live.out" 2>"$T/live.err" &
pid=$!
exec 7>"$T/fifo"
echo '{"user_id":"u1"}' >&7
wait_for "first joined row" 20 test -s "$T/live.out"
printf '%s\n' '{"user_id":"u1","tier":"bronze"}' >"$T/live.new"
mv "$T/live.new" "$T/live.ndjson"
kill -HUP $pid
echo '{"user_id":"u1"}' >&7
wait_for "second joined row" 20 sh -c "test \$(wc -l <'$T/live.out') -ge 2"
printf '{"user_id":\n' >"$T/live.new"
mv "$T/live.new" "$T/live.ndjson"
kill -HUP $pid
echo '{"user_id":"u1"}' >&7
wait_for "third joined row" 20 sh -c "test \$(wc -l <'$T/live.out') -ge 3"
exec 7>&-
wait $pid
assert_eq 0 $? "exit status after reloads"
cat >"$T/want" <<'J'
{"user_id":"u1","tier":"gold","country":"DE"}
{"user_id":"u1","tier":"bronze"}
{"user_id":"u1","tier":"bronze"}
J
assert_file_eq "$T/want" "$T/live.out" "rows before and after reloads"
assert_grep "reload of $T/live.ndjson failed; keeping the table loaded before" "$T/live.err" \
	"failed reload reported"
assert_grep 'reloads=1' "$T/live.err" "one successful reload counted"

# a large table loads; memory stays near the data size (checked from RSS)
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "{\"user_id\":\"user_%d\",\"segment\":\"s%d\"}\n", i, i % 17 }' >"$T/big"
echo '{"user_id":"user_999999"}' >"$T/one"
/usr/bin/time -f '%M' -o "$T/rss" enrich -t "$T/big" -o user_id "$T/one" >"$T/out"
assert_eq '{"user_id":"user_999999","segment":"s8"}' "$(cat "$T/out")" "lookup in a 1M-row table"
size_kb=$(($(wc -c <"$T/big") / 1024))
rss_kb=$(tail -1 "$T/rss")
factor=5 # in halves: 2.5x the data, plus the program itself
sanitized && factor=14 # ASan's redzones and quarantine
[ "$rss_kb" -lt $((size_kb * factor / 2 + 32768)) ] ||
	fail "RSS ${rss_kb} KiB for a ${size_kb} KiB table: more than $factor/2 times the data"

# EPIPE: a closed stdout ends quietly
awk 'BEGIN { for (i = 0; i < 200000; i++) print "{\"user_id\":\"u1\"}" }' |
	enrich -t "$T/dim.ndjson" -o user_id | head -1 >/dev/null
assert_eq "0 0" "${PIPESTATUS[1]} ${PIPESTATUS[2]}" "enrich | head -1"

done_testing
