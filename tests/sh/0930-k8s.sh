#!/bin/bash
# examples/k8s: manifests parse, and they and the Containerfile name only files and
# tools that exist. (Not deployed here: there is no cluster.)
. "$(dirname "$0")/helpers.sh"
K=$RUNNEL_SRC/examples/k8s

$PY - "$K/statefulset.yaml" >"$T/kinds" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
for d in docs:
    print(d["kind"], d["metadata"]["name"])
sts = [d for d in docs if d["kind"] == "StatefulSet"][0]
spec = sts["spec"]
assert spec["serviceName"] == "runnel-pipeline"
assert spec["volumeClaimTemplates"][0]["metadata"]["name"] == "state"
c = spec["template"]["spec"]["containers"][0]
assert any(m["name"] == "state" and m["mountPath"] == "/var/lib/runnel" for m in c["volumeMounts"])
env = {e["name"]: e["value"] for e in c.get("env", [])}
assert env["STATE_DIR"] == "/var/lib/runnel"
cm = [d for d in docs if d["kind"] == "ConfigMap"][0]
assert "GROUP" in cm["data"] and "KAFKA_BROKERS" in cm["data"]
PY
assert_eq 0 $? "manifests parse and wire the state volume and the consumer group"
assert_eq "ConfigMap runnel-pipeline
Service runnel-pipeline
StatefulSet runnel-pipeline" "$(cat "$T/kinds")" "manifest kinds"

# every COPY source in the Containerfile exists in the repository
grep -E '^COPY ' "$K/Containerfile" | grep -v -- '--from=' | while read -r _ args; do
	set -- $args
	while [ $# -gt 1 ]; do
		[ -e "$RUNNEL_SRC/$1" ] || echo "missing $1"
		shift
	done
done >"$T/missing"
assert_eq "" "$(cat "$T/missing")" "Containerfile COPY sources exist"

# the pipeline script is valid shell, and names only tools this project builds and
# files it ships
bash -n "$K/pipeline.sh"
assert_eq 0 $? "pipeline.sh parses"
for tool in $(grep -oE '^\s*(\|\s*)?[a-z][a-z-]+ ' "$K/pipeline.sh" | tr -d '| \t' | sort -u) \
	$(grep -oE '(>\(|\| )[a-z][a-z-]+' "$K/pipeline.sh" | sed 's/^[>(| ]*//' | sort -u); do
	case $tool in
	set | mkdir | if | then | else | fi | metrics | tee) continue ;;
	esac
	[ -f "$RUNNEL_SRC/tools/$tool.c" ] || [ -d "$RUNNEL_SRC/tools/$tool" ] ||
		fail "pipeline.sh runs $tool, which tools/ does not build"
done
for f in $(grep -oE '\$share/[A-Za-z0-9_./-]+' "$K/pipeline.sh" | sed 's|\$share/||' | sort -u); do
	[ -f "$RUNNEL_SRC/examples/$f" ] || fail "pipeline.sh uses examples/$f, which does not exist"
done
# the tools' options it uses are ones they accept
for opt in "kcons --meta" "dedup --checkpoint" "window --late" "detect -f" "dq-check --report"; do
	set -- $opt
	"$RUNNEL_BUILD/tools/$1" --help 2>/dev/null | grep -q -- "$2" ||
		fail "$1 --help does not mention $2"
done

done_testing
