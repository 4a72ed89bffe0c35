# Sourced by every tests/sh/NNNN-name.sh (which must not use set -e). Meson sets RUNNEL_BUILD and RUNNEL_SRC;
# run by hand: RUNNEL_BUILD=build RUNNEL_SRC=. bash tests/sh/0100-parse.sh
set -u
: "${RUNNEL_BUILD:?set RUNNEL_BUILD to the build directory}"
: "${RUNNEL_SRC:?set RUNNEL_SRC to the source directory}"
RUNNEL_BUILD=$(cd "$RUNNEL_BUILD" && pwd)
RUNNEL_SRC=$(cd "$RUNNEL_SRC" && pwd)
export PATH="$RUNNEL_BUILD/tools:$PATH"
PY=/usr/bin/python3 # Debian's python3: python3-kafka and python3-avro import only here
T=$(mktemp -d "${TMPDIR:-/tmp}/runnel-test.XXXXXX")
_cleanup_hooks=""
_failures=0
_checks=0
TEST_NAME=$(basename "$0" .sh)

# Register a command to run at exit (servers to stop); runs in reverse order.
on_exit() { _cleanup_hooks="$1
$_cleanup_hooks"; }
_at_exit() {
	rc=$?
	printf '%s\n' "$_cleanup_hooks" | while IFS= read -r h; do [ -n "$h" ] && eval "$h" >/dev/null 2>&1; done
	rm -rf "$T"
	exit $rc
}
trap _at_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

fail() { echo "FAIL: $TEST_NAME: $*" >&2; _failures=$((_failures + 1)); }
die() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
info() { echo "# $*" >&2; }

# assert_eq EXPECTED ACTUAL MESSAGE
assert_eq() {
	_checks=$((_checks + 1))
	if [ "$1" != "$2" ]; then
		fail "$3: expected [$1], got [$2]"
	fi
}
# assert_file_eq EXPECTED_FILE ACTUAL_FILE MESSAGE: byte-exact, shows a diff
assert_file_eq() {
	_checks=$((_checks + 1))
	if ! cmp -s "$1" "$2"; then
		fail "$3: files differ"
		diff -u "$1" "$2" | head -40 >&2
	fi
}
# assert_status EXPECTED MESSAGE CMD...: runs CMD, checks its exit status
assert_status() {
	_want=$1 _msg=$2
	shift 2
	_checks=$((_checks + 1))
	"$@"
	_got=$?
	[ "$_got" = "$_want" ] || fail "$_msg: exit status $_got, expected $_want"
	return 0
}
# assert_grep PATTERN FILE MESSAGE (extended regex)
assert_grep() {
	_checks=$((_checks + 1))
	grep -Eq -- "$1" "$2" || { fail "$3: /$1/ not in $2"; head -20 "$2" >&2; }
}
assert_no_grep() {
	_checks=$((_checks + 1))
	if grep -Eq -- "$1" "$2"; then fail "$3: /$1/ found in $2"; grep -E -- "$1" "$2" | head -5 >&2; fi
}
# lines FILE: number of lines
lines() { wc -l <"$1" | tr -d ' '; }

# sanitized: true when the build under test uses ASan/UBSan (memory bounds differ)
sanitized() {
	$PY -c 'import json,sys
o=[x for x in json.load(open(sys.argv[1])) if x["name"]=="b_sanitize"]
sys.exit(0 if o and o[0]["value"] not in ("none","") else 1)' "$RUNNEL_BUILD/meson-info/intro-buildoptions.json"
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
# wait_for DESCRIPTION SECONDS CMD...: polls CMD every 0.1 s; dies with a clear
# message when SECONDS pass (a bounded wait, not a sleep-and-hope)
wait_for() {
	_desc=$1 _secs=$2
	shift 2
	_end=$(($(date +%s) + _secs))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$_end" ] && die "timed out after ${_secs}s waiting for $_desc"
		sleep 0.1
	done
}

# done_testing: call last; exit status says whether every check passed
done_testing() {
	if [ "$_failures" -gt 0 ]; then
		echo "$TEST_NAME: $_failures of $_checks checks failed" >&2
		exit 1
	fi
	[ "$_checks" -gt 0 ] || die "no checks ran"
	echo "$TEST_NAME: all $_checks checks passed"
	exit 0
}
