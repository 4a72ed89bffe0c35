#!/bin/bash
# examples/grafana/runnel-dashboard.json: an importable dashboard whose every PromQL
# expression returns data from a real Prometheus (Debian's) that scrapes a Pushgateway
# fed by examples/seed-pipeline.sh, so the metric and label names are the ones
# prom-push and dq-check really write.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/prom.sh"
D=$RUNNEL_SRC/examples/grafana/runnel-dashboard.json

# the JSON as Grafana imports it: a datasource input, unique panel ids and grid
# positions, every target on the input's datasource, the job variable
$PY - "$D" >"$T/exprs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["__inputs"][0]["name"] == "DS_PROMETHEUS" and d["__inputs"][0]["pluginId"] == "prometheus"
assert d["title"] and d["uid"] and isinstance(d["schemaVersion"], int)
ids = [p["id"] for p in d["panels"]]
assert len(ids) == len(set(ids)), "panel ids repeat"
titles = {p["title"] for p in d["panels"]}
for want in ("Events per second", "Processing latency", "Active users", "Data quality", "Alerts per rule"):
    assert want in titles, want
for p in d["panels"]:
    assert set(p["gridPos"]) == {"x", "y", "w", "h"}, p["title"]
    assert p["datasource"]["uid"] == "${DS_PROMETHEUS}", p["title"]
    assert p["targets"], p["title"]
    for t in p["targets"]:
        assert t["datasource"]["uid"] == "${DS_PROMETHEUS}"
        print(t["expr"])
v = d["templating"]["list"][0]
assert v["name"] == "job" and v["query"]["query"] == "label_values(dq_events_total, job)"
PY
assert_eq 0 $? "the dashboard JSON is an importable Grafana dashboard"
assert_eq 12 "$(lines "$T/exprs")" "expressions in the dashboard"

start_pushgateway
start_prometheus "  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:$PGW_PORT']"

"$RUNNEL_SRC/examples/seed-pipeline.sh" -d "$T/run" -n 8000 -r 50 -t 3 -g "$PGW" >"$T/out" 2>"$T/err"
assert_eq 0 $? "the seed pipeline ran"
assert_no_grep FAILED "$T/out" "no stage failed"

# the job variable's values (label_values(dq_events_total, job))
wait_for "the job label of dq_events_total" 30 sh -c \
	"curl -sf --get --data-urlencode 'match[]=dq_events_total' '$PROM/api/v1/label/job/values' | grep -q '\"seed\"'"
# each expression, with Grafana's variables as a dashboard would set them, returns
# at least one series (rate() needs two scrapes: bounded waits)
while IFS= read -r e; do
	q=${e//\$__rate_interval/1m}
	q=${q//\$__range/1h}
	q=${q//\$job/seed}
	_checks=$((_checks + 1))
	wait_query "a result for $e" 30 "$q" 'len(res) > 0'
done <"$T/exprs"
# and the values are the pipeline's: alerts by rule, active users, events
prom_query 'sum by (rule) (pipeline_alerts_total{job="seed"})' >"$T/alerts"
printf '%s\n' '{rule=brute_force} 3' '{rule=high_risk} 3' '{rule=suspicious} 2' >"$T/want"
assert_file_eq "$T/want" "$T/alerts" "alerts per rule in Prometheus"
assert_eq "{} $(jq .parsed "$T/run/summary.json")" "$(prom_query 'sum(dq_events_total{job="seed"})')" \
	"dq_events_total in Prometheus is what parse passed"
done_testing
