# Sourced after helpers.sh by tests that need a schema registry: start_registry
# [registry_double.py options] starts tests/registry_double.py on a free loopback port,
# stopped at exit, and sets REG (its URL; https with --tls), REG_LOG (one JSON line per
# request) and REG_PID. A bounded wait: the double prints "ready" once it listens.
start_registry() {
	_rg_n=$((${_rg_n:-0} + 1))
	_rg_port=$(free_port)
	REG_LOG=$T/registry$_rg_n.log
	: >"$REG_LOG"
	$PY "$RUNNEL_SRC/tests/registry_double.py" "$_rg_port" --log "$REG_LOG" "$@" \
		>"$T/registry$_rg_n.out" 2>"$T/registry$_rg_n.err" &
	REG_PID=$!
	on_exit "kill $REG_PID; wait $REG_PID"
	wait_for "the registry double" 30 grep -q ready "$T/registry$_rg_n.out"
	case " $* " in
	*" --tls "*) REG=https://127.0.0.1:$_rg_port ;;
	*) REG=http://127.0.0.1:$_rg_port ;;
	esac
}
# reg_get PATH: the registry's answer (curl, no auth unless REG_AUTH is set)
reg_get() {
	curl -s ${REG_AUTH:+-u "$REG_AUTH"} "$REG$1"
}
# reg_requests METHOD PATH: how many such requests the double has seen
reg_requests() {
	grep -c "\"method\": \"$1\", \"path\": \"$2\"" "$REG_LOG"
}
# avro_peer ARGS...: python3-avro and python3-kafka, the independent Avro peer
avro_peer() {
	$PY "$RUNNEL_SRC/tests/avro_peer.py" "$@"
}
# json_same FILE1 FILE2: the same JSON values line by line (object member order and
# string escapes aside); prints the first difference
json_same() {
	$PY - "$1" "$2" <<'PYEOF'
import json, sys
a = open(sys.argv[1]).read().splitlines()
b = open(sys.argv[2]).read().splitlines()
if len(a) != len(b):
    sys.exit("%d lines against %d" % (len(a), len(b)))
for i, (x, y) in enumerate(zip(a, b)):
    if json.loads(x) != json.loads(y):
        sys.exit("line %d: %s\n  against %s" % (i + 1, x, y))
PYEOF
}
# reg_post SUBJECT SCHEMA_FILE: registers the schema as another producer would (curl);
# prints its id
reg_post() {
	$PY -c 'import json,sys; print(json.dumps({"schema": open(sys.argv[1]).read()}))' "$2" |
		curl -s ${REG_AUTH:+-u "$REG_AUTH"} -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
			--data-binary @- "$REG/subjects/$1/versions" |
		$PY -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
