#!/bin/bash
# examples/sinks/postgres.sh against Debian's PostgreSQL started here on a free port.
. "$(dirname "$0")/helpers.sh"

pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
[ -x "$pgbin/initdb" ] || die "PostgreSQL server binaries not found (scripts/deps installs postgresql)"
chmod 755 "$T"
mkdir "$T/pg" "$T/sock"
if [ "$(id -u)" = 0 ]; then
	chown postgres "$T/pg" "$T/sock"
	as_pg() { runuser -u postgres -- "$@"; }
	pguser=postgres
else
	as_pg() { "$@"; }
	pguser=$(id -un)
fi
as_pg "$pgbin/initdb" -D "$T/pg" -A trust -U "$pguser" >"$T/initdb.log" 2>&1 ||
	die "initdb failed: $(tail -5 "$T/initdb.log")"
port=$(free_port)
as_pg "$pgbin/pg_ctl" -D "$T/pg" -l "$T/sock/pg.log" -w -t 60 \
	-o "-p $port -k $T/sock -c listen_addresses=''" start >/dev/null ||
	die "postgres did not start: $(tail -5 "$T/sock/pg.log")"
on_exit "as_pg '$pgbin/pg_ctl' -D '$T/pg' -m immediate stop"
export PGHOST="$T/sock" PGPORT=$port PGUSER=$pguser PGDATABASE=postgres

# rows whose JSON holds backslashes, quotes, escapes and non-ASCII text
cat >"$T/rows" <<'J'
{"window":{"start":"2026-11-24T10:00:00.000Z","end":"2026-11-24T10:05:00.000Z"},"user_id":"u1","event_count":3}
{"user_id":"C:\\new\\table","note":"tab\there \"quoted\" \\n not a newline","x":null}
{"user_id":"ü ∑ 😀","list":[1,2.5,"\\."],"nested":{"a":{"b":"\u0001"}}}

{"user_id":"last","event_count":0}
J
"$RUNNEL_SRC/examples/sinks/postgres.sh" -t wrows "$T/rows"
assert_eq 0 $? "load exit status"
assert_eq 4 "$(psql -X -At -c 'select count(*) from wrows')" "row count (blank line skipped)"
psql -X -At -c 'select doc::text from wrows order by id' >"$T/back"
$PY - "$T/rows" "$T/back" <<'PY' || fail "documents differ after the round trip"
import json, sys
want = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert want == got, (want, got)
PY
assert_eq 'C:\new\table' "$(psql -X -At -c "select doc->>'user_id' from wrows where id=2")" \
	"backslashes arrive intact"

# window rows landed by sink, then loaded file by file
printf '%s\n' '{"window":{"start":"2026-11-24T10:00:00.000Z","end":"2026-11-24T10:05:00.000Z"},"user_id":"u2","event_count":7}' |
	sink -d "$T/land" -T window.start >"$T/files"
"$RUNNEL_SRC/examples/sinks/postgres.sh" -t wrows $(cat "$T/files")
assert_eq 7 "$(psql -X -At -c "select doc->>'event_count' from wrows where doc->>'user_id'='u2'")" \
	"sink file loaded"

# a bad line rolls the whole load back
printf '%s\n' '{"ok":1}' 'not json' | "$RUNNEL_SRC/examples/sinks/postgres.sh" -t wrows 2>"$T/err"
[ $? -ne 0 ] || fail "invalid JSON must fail the load"
assert_eq 5 "$(psql -X -At -c 'select count(*) from wrows')" "failed load added nothing"

done_testing
