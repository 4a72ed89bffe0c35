# Sourced by the 05xx tests after helpers.sh: Debian's Pushgateway and Prometheus on
# free loopback ports, stopped at exit.

# start_pushgateway: sets PGW_PORT and PGW (base URL); in-memory only
start_pushgateway() {
	PGW_PORT=$(free_port)
	PGW=http://127.0.0.1:$PGW_PORT
	/usr/bin/prometheus-pushgateway --web.listen-address=127.0.0.1:$PGW_PORT \
		--persistence.file= --log.level=warn >"$T/pushgateway.log" 2>&1 &
	PGW_PID=$!
	on_exit "kill $PGW_PID; wait $PGW_PID"
	wait_for "the Pushgateway on port $PGW_PORT" 30 curl -sf "$PGW/-/ready"
}

# pgw_series JOB: the group's samples as the Pushgateway exposes them, without the
# push_time_seconds and push_failure_time_seconds it adds, sorted
pgw_series() {
	curl -sf "$PGW/metrics" | grep -v '^#' | grep "job=\"$1\"" |
		grep -v '^push_time_seconds\|^push_failure_time_seconds' | LC_ALL=C sort
}

# start_prometheus CONFIG_BODY: sets PROM (base URL); CONFIG_BODY is the scrape_configs
start_prometheus() {
	PROM_PORT=$(free_port)
	PROM=http://127.0.0.1:$PROM_PORT
	mkdir -p "$T/prom-data"
	{
		printf 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n'
		printf '%s\n' "$1"
	} >"$T/prometheus.yml"
	/usr/bin/prometheus --config.file="$T/prometheus.yml" \
		--web.listen-address=127.0.0.1:$PROM_PORT --storage.tsdb.path="$T/prom-data" \
		--log.level=warn >"$T/prometheus.log" 2>&1 &
	PROM_PID=$!
	on_exit "kill $PROM_PID; wait $PROM_PID"
	wait_for "Prometheus on port $PROM_PORT" 60 curl -sf "$PROM/-/ready"
}

# prom_query EXPR: the instant query's result as `{labels} value` lines, sorted
prom_query() {
	curl -sf --get --data-urlencode "query=$1" "$PROM/api/v1/query" | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d["status"] == "success", d
for r in d["data"]["result"]:
    m = ",".join("%s=%s" % kv for kv in sorted(r["metric"].items()))
    print("{%s} %s" % (m, r["value"][1]))
' | LC_ALL=C sort
}

# wait_query DESCRIPTION SECONDS EXPR PYTHON-CONDITION: polls the query until the
# condition over `res` (list of (labels dict, float)) holds; dies with the last answer
wait_query() {
	_desc=$1 _secs=$2 _expr=$3 _cond=$4
	_end=$(($(date +%s) + _secs))
	while :; do
		curl -sf --get --data-urlencode "query=$_expr" "$PROM/api/v1/query" >"$T/query.json" 2>/dev/null
		if $PY - "$T/query.json" "$_cond" <<'PY' 2>/dev/null; then
import json, sys
d = json.load(open(sys.argv[1]))
res = [(r["metric"], float(r["value"][1])) for r in d["data"]["result"]]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
			return 0
		fi
		if [ "$(date +%s)" -ge "$_end" ]; then
			echo "last answer to $_expr: $(cat "$T/query.json" 2>/dev/null)" >&2
			die "timed out after ${_secs}s waiting for $_desc"
		fi
		sleep 0.2
	done
}
