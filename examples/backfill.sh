#!/bin/bash
# A bounded, repeatable rerun of the seed topic for node_exporter's textfile
# collector: the events of one time range, counted per event type, as Prometheus
# metrics. Running it again over the same range gives the same file, byte for byte,
# however the partitions interleave, and (once every partition holds messages past the
# range) whatever late events arrived in the topic since: kcons stops each partition at
# its first message at or after UNTIL.
#
#   examples/backfill.sh [-b BROKERS] [-t TOPIC] [-f FROM] [-u UNTIL] [-o FILE]
#
#   -b  brokers (default $KAFKA_BROKERS, else localhost:9092)
#   -t  topic (default events), produced with kprod --timestamp-from, so that Kafka's
#       timestamps are the events' times
#   -f  start of the range, inclusive: anything date -d reads (default: yesterday
#       00:00 UTC)
#   -u  end of the range, exclusive (default: FROM + 1 day)
#   -o  the textfile (default runnel_backfill.prom), replaced atomically and only when
#       the whole run succeeded
#
# Nightly at 01:30, for the day before:
#   30 1 * * * /opt/runnel/examples/backfill.sh -b kafka:9092 -o /var/lib/node_exporter/textfile/runnel_backfill.prom 2>>/var/log/runnel-backfill.log
#
#   kcons --from FROM --until UNTIL -e | parse -s event.avsc |
#     detect -r 'in_range: ...' |                  events of the range only
#     window -k event_type -s RANGE --offset FROM  one window: the whole range
#     prom-push --textfile FILE
set -euo pipefail

prog=backfill
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { echo "usage: $prog [-b BROKERS] [-t TOPIC] [-f FROM] [-u UNTIL] [-o FILE]" >&2; exit 2; }
brokers=${KAFKA_BROKERS:-localhost:9092}
topic=events
from=
until=
out=runnel_backfill.prom
while getopts b:t:f:u:o:h o; do
	case $o in
	b) brokers=$OPTARG ;;
	t) topic=$OPTARG ;;
	f) from=$OPTARG ;;
	u) until=$OPTARG ;;
	o) out=$OPTARG ;;
	h) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

# tools from $RUNNEL_BUILD/tools or build/tools of this checkout when present
for d in ${RUNNEL_BUILD:+"$RUNNEL_BUILD/tools"} "$here/../build/tools"; do
	[ -x "$d/kcons" ] && PATH=$(cd "$d" && pwd):$PATH && break
done

from_ms=$(date -u -d "${from:-yesterday 00:00}" +%s%3N) || usage
if [ -n "$until" ]; then
	until_ms=$(date -u -d "$until" +%s%3N) || usage
else
	until_ms=$((from_ms + 86400000))
fi
[ "$until_ms" -gt "$from_ms" ] || { echo "$prog: the range is empty" >&2; exit 2; }
span=$((until_ms - from_ms))

# written next to the file under another name, renamed over it at the end
new=$out.new
trap 'rm -f "$new"' EXIT
kcons -q -b "$brokers" -t "$topic" --from "$from_ms" --until "$until_ms" -e |
	parse -q -s "$here/schemas/event.avsc" |
	detect -q -r "in_range: time(timestamp) >= $from_ms && time(timestamp) < $until_ms" |
	window -k event_type -s "${span}ms" --offset "${from_ms}ms" -w "${span}ms" \
		-a 'count() as events' -a 'count_distinct(user_id) as users' |
	prom-push --textfile "$new" \
		-m 'counter:runnel_backfill_events_total=events;labels=event_type,from=window.start,until=window.end;help=Events of the range, by type.' \
		-m 'gauge:runnel_backfill_users=users;labels=event_type,from=window.start,until=window.end;help=Distinct users of the range, by event type.'
mv "$new" "$out"
