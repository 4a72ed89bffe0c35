#!/bin/bash
# Man pages: every tool in tools/meson.build has man/NAME.1, runnel(7) exists, every page
# is clean under `mandoc -T lint -W warning` and has the sections the project requires.
. "$(dirname "$0")/helpers.sh"

command -v mandoc >/dev/null || die "mandoc is not installed (scripts/deps installs it)"
man="$RUNNEL_SRC/man"

# tool names: the keys of the tool_deps dictionary
tools=$(sed -n '/^tool_deps = {/,/^}/p' "$RUNNEL_SRC/tools/meson.build" |
	sed -n "s/^[[:space:]]*'\([^']*\)'[[:space:]]*:.*/\1/p")
[ -n "$tools" ] || die "no tools found in tools/meson.build tool_deps"

for t in $tools; do
	_checks=$((_checks + 1))
	[ -f "$man/$t.1" ] || fail "tool $t has no man page man/$t.1"
done
_checks=$((_checks + 1))
[ -f "$man/runnel.7" ] || fail "man/runnel.7 (the record contract) is missing"

# has_section PAGE TITLE: an .Sh (mdoc) or .SH (man) line with that title
has_section() {
	grep -Eq "^\.S[Hh][[:space:]]+\"?$2\"?[[:space:]]*$" "$1"
}

for page in "$man"/*.[1-9]; do
	[ -f "$page" ] || continue
	name=$(basename "$page")
	_checks=$((_checks + 1))
	if ! mandoc -T lint -W warning "$page" >"$T/lint" 2>&1 || [ -s "$T/lint" ]; then
		fail "$name: mandoc -T lint -W warning reports problems"
		sed 's/^/    /' "$T/lint" >&2
	fi
	sections="NAME SYNOPSIS DESCRIPTION EXIT.STATUS EXAMPLES SEE.ALSO"
	case $name in
	*.7) ;;
	*) sections="$sections OPTIONS" ;;
	esac
	for s in $sections; do
		_checks=$((_checks + 1))
		has_section "$page" "${s/./ }" || fail "$name: no ${s/./ } section"
	done
done

done_testing
