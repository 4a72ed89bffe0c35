#!/bin/sh
# Land NDJSON rows (window rows, alerts, any records) in a PostgreSQL table.
#
#   window ... | examples/sinks/postgres.sh [-t TABLE] [FILE...]
#
# Connection settings come from libpq's environment: PGHOST, PGPORT, PGDATABASE,
# PGUSER, PGPASSWORD (or ~/.pgpass). The table is created when missing:
#   TABLE(id bigserial, doc jsonb not null, loaded_at timestamptz default now())
# and each input line becomes one row, loaded in one transaction per run.
#
# Why CSV with control-character quote and delimiter: COPY's text format treats
# backslashes as escapes, so the JSON string "C:\\new" would arrive as "C:\new".
# Valid JSON never holds a raw byte below 0x20, so with QUOTE 0x01 and DELIMITER
# 0x02 every line is one field, passed through byte for byte.
set -eu
table=runnel_rows
while getopts t: opt; do
	case $opt in
	t) table=$OPTARG ;;
	*) echo "usage: $0 [-t TABLE] [FILE...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $table in
*[!A-Za-z0-9_]* | "") echo "$0: table name must be [A-Za-z0-9_]+" >&2; exit 2 ;;
esac

psql -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS $table (
	id bigserial PRIMARY KEY,
	doc jsonb NOT NULL,
	loaded_at timestamptz NOT NULL DEFAULT now())" >/dev/null

# Blank lines are not records; everything else must be valid JSON or the whole
# load is rolled back (COPY is atomic), so nothing is half-loaded.
cat -- "$@" | grep -v '^[[:space:]]*$' |
	psql -X -q -v ON_ERROR_STOP=1 -c "COPY $table (doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
