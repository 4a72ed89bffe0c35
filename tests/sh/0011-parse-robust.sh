#!/bin/bash
# parse under abuse: oversized lines, invalid UTF-8, binary garbage, a closed stdout,
# SIGTERM mid-stream. Bad input never crashes it and never costs a good line.
. "$(dirname "$0")/helpers.sh"

S="$RUNNEL_SRC/examples/schemas/event.avsc"
eventgen -n 2000 --seed 5 >"$T/good"
assert_eq 2000 "$(lines "$T/good")" "eventgen lines"
# eventgen writes events in the canonical form, so parse must give them back unchanged
parse -s "$S" "$T/good" >"$T/out"
assert_file_eq "$T/good" "$T/out" "eventgen's events pass through unchanged"

# an oversized line is rejected (its first 256 bytes go to --reject); the next line is
# still parsed, also when the long line is the last one and has no newline
{
	echo '{"a":1}'
	printf '{"a":"%s"}\n' "$(printf 'x%.0s' $(seq 1000))"
	echo '{"a":2}'
	printf '{"a":"%s"}' "$(printf 'y%.0s' $(seq 300))"
} >"$T/long"
parse -f 'a:string' --max-line 100 --reject "$T/rej" <"$T/long" >"$T/out" 2>"$T/err"
assert_eq 0 $? "oversized lines exit status"
assert_eq 0 "$(lines "$T/out")" "oversized: no line has a string a"
cat >"$T/want" <<'EOF'
parse: <stdin>:1: field a: expected string or null, got number
parse: <stdin>:2: line longer than --max-line
parse: <stdin>:3: field a: expected string or null, got number
parse: <stdin>:4: line longer than --max-line
EOF
assert_file_eq "$T/want" "$T/err" "oversized line messages"
parse -f 'a:long' --max-line 100 <"$T/long" >"$T/out" 2>/dev/null
printf '%s\n' '{"a":1}' '{"a":2}' >"$T/want"
assert_file_eq "$T/want" "$T/out" "lines around oversized ones"
$PY - "$T/rej" <<'PY' >"$T/py" 2>&1
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x["line"] for x in r] == [1, 2, 3, 4], r
assert r[1]["error"] == "line longer than --max-line", r[1]
assert r[1]["input"] == '{"a":"' + "x" * 250, r[1]["input"]
assert r[3]["input"] == '{"a":"' + "y" * 250, r[3]["input"]
print("ok")
PY
assert_eq ok "$(cat "$T/py")" "oversized lines in the reject file"
# the default limit is 1 MiB: a line of 1 MiB + 1 byte is rejected, one of 1 MiB is not
$PY -c '
import sys
pad = 1024 * 1024 - len("{\"a\":\"\"}")
sys.stdout.write("{\"a\":\"" + "z" * pad + "\"}\n")
sys.stdout.write("{\"a\":\"" + "z" * (pad + 1) + "\"}\n")
sys.stdout.write("{\"a\":\"ok\"}\n")' >"$T/mib"
parse -f 'a:string!' <"$T/mib" 2>"$T/err" | cut -c1-12 >"$T/out"
printf '%s\n' '{"a":"zzzzzz' '{"a":"ok"}' >"$T/want"
assert_file_eq "$T/want" "$T/out" "1 MiB line accepted, 1 MiB + 1 rejected"
assert_eq "parse: <stdin>:2: line longer than --max-line" "$(cat "$T/err")" "1 MiB + 1 message"

# invalid UTF-8 and binary garbage (deterministic) between good lines: every good line
# comes out, in order, and every other line is rejected
$PY - "$T/good" "$T/mixed" <<'PY'
import random, sys
random.seed(20261124)
good = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
out = []
for g in good:
    k = random.random()
    if k < 0.3:
        n = random.randrange(0, 400)
        out.append(bytes(random.choice([b for b in range(256) if b != 10]) for _ in range(n)))
    elif k < 0.5:
        # a good event with a broken byte somewhere: invalid UTF-8 or a control character
        i = random.randrange(1, len(g) - 1)
        out.append(g[:i] + random.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00",
                                          b"\xf5\x80\x80\x80", b"\xc0\xaf"]) + g[i:])
    out.append(g)
open(sys.argv[2], "wb").write(b"\n".join(out) + b"\n")
PY
nmixed=$(lines "$T/mixed")
parse -s "$S" --reject "$T/rej2" <"$T/mixed" >"$T/out" 2>"$T/err"
assert_eq 0 $? "garbage exit status"
assert_file_eq "$T/good" "$T/out" "every good line survives the garbage"
assert_eq $((nmixed - 2000)) "$(lines "$T/rej2")" "every bad line rejected"
$PY -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    json.loads(l)
print("ok")' "$T/rej2" >"$T/py" 2>&1
assert_eq ok "$(cat "$T/py")" "the reject file is valid UTF-8 NDJSON despite the garbage"
parse <"$T/mixed" >"$T/out" 2>/dev/null
assert_eq 0 $? "garbage without a schema"
assert_file_eq "$T/good" "$T/out" "every good line survives the garbage (no schema)"
parse --keep-unknown --from value -s "$S" <"$T/mixed" >/dev/null 2>&1
assert_eq 0 $? "garbage with --from"
printf '\0\0\0\n{"a":"\0"}\n\0{"a":1}\n{"a":1}\0\n{"a":1}\n' | parse >"$T/out" 2>"$T/err"
assert_eq '{"a":1}' "$(cat "$T/out")" "NUL bytes"
assert_eq 4 "$(lines "$T/err")" "NUL bytes rejected"

# a closed stdout: parse | head -1 exits 0, quietly
eventgen -n 100000 --seed 9 >"$T/big"
parse -s "$S" "$T/big" 2>"$T/err" | head -1 >"$T/out"
assert_eq 0 "${PIPESTATUS[0]}" "parse | head -1 exit status"
assert_eq "$(head -1 "$T/big")" "$(cat "$T/out")" "head -1 output"
assert_eq "" "$(cat "$T/err")" "no message on EPIPE"
parse -s "$S" 2>"$T/err" <"$T/big" | head -c 10 >/dev/null
assert_eq 0 "${PIPESTATUS[0]}" "parse | head -c 10 exit status"

# SIGTERM mid-stream: lines already read are all written, exit 0
mkfifo "$T/fifo"
parse -s "$S" <"$T/fifo" >"$T/term" 2>"$T/termerr" &
pid=$!
exec 7>"$T/fifo"
head -n 50 "$T/good" >&7
wait_for "parse to write 50 lines" 30 sh -c "test \$(wc -l <'$T/term') -ge 50"
kill -TERM $pid
wait $pid
assert_eq 0 $? "exit status after SIGTERM"
exec 7>&-
head -n 50 "$T/good" >"$T/want"
assert_file_eq "$T/want" "$T/term" "all lines read before SIGTERM are written"
assert_eq "" "$(cat "$T/termerr")" "no message on SIGTERM"

done_testing
