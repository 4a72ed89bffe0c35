#!/bin/bash
# One replica of the seed pipeline inside the StatefulSet (statefulset.yaml).
# Every replica joins the same consumer group, so Kafka spreads the partitions of
# the events topic over the replicas; each keeps its window and dedup state in its
# own volume (/var/lib/runnel). The pod's stable name is its static group membership
# (group.instance.id), so a pod restarted within the session timeout gets its own
# partitions back without a rebalance and resumes exactly where its checkpoints are;
# cooperative-sticky keeps the others' partitions where they are when one moves.
set -eu
: "${KAFKA_BROKERS:?set KAFKA_BROKERS}"
: "${PUSHGATEWAY_URL:=}"
state=${STATE_DIR:-/var/lib/runnel}
share=${RUNNEL_SHARE:-/usr/share/runnel}
mkdir -p "$state"

metrics() {
	if [ -n "$PUSHGATEWAY_URL" ]; then
		prom-push -g "$PUSHGATEWAY_URL" --job pipeline --label "instance=${HOSTNAME:-runnel}"
	else
		prom-push --listen "0.0.0.0:9464"
	fi
}

kcons -b "$KAFKA_BROKERS" -G "${GROUP:-pipeline}" -t "${TOPIC:-events}" --meta \
	-X group.instance.id="${HOSTNAME:-runnel}" -X session.timeout.ms=60000 \
	-X partition.assignment.strategy=cooperative-sticky |
	parse -s "$share/schemas/event.avsc" --reject "$state/rejected.ndjson" |
	dedup -k event_id --within 10m -w 10m --checkpoint "$state/dedup.ckpt" |
	tee >(dq-check --report -w 10m --window 1m | metrics) |
	window -k user_id -s 5m -S 1m -w 10m \
		-a 'count() as event_count' -a 'collect_set(event_type) as event_types' \
		-a 'min(timestamp) as session_start' -a 'max(timestamp) as session_end' \
		--late "$state/late.ndjson" --checkpoint "$state/window.ckpt" |
	detect -f "$share/rules/seed.rules" |
	kprod -b "$KAFKA_BROKERS" -t "${ALERTS_TOPIC:-alerts}"
