#!/bin/bash
# Registry access for kprod and kcons: HTTP basic auth from --registry-auth, the
# environment, -F/-X properties or the URL (never shown in messages); wrong or missing
# credentials exit 3 with the registry's message; retries on 5xx; an unreachable
# registry exits 1; TLS with a CA file and a client certificate.
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/kbroker.sh"
. "$(dirname "$0")/registry.sh"

start_kbroker -t a -t b -t tls
EVENT=$RUNNEL_SRC/examples/schemas/event.avsc
eventgen -n 5 >"$T/events"
unset RUNNEL_REGISTRY_AUTH

start_registry --auth u:secretpw
AREG=$REG
prod() { kprod -z none -b "$B" -t a --avro "$EVENT" "$@" "$T/events"; }

prod --registry "$AREG" 2>"$T/err"
assert_eq 3 $? "no credentials: exit 3"
assert_grep "^kprod: .*event.avsc: registry $AREG: POST /subjects/a-value/versions: Unauthorized \(error 401\)$" \
	"$T/err" "the registry's 401 message"
prod --registry "$AREG" --registry-auth u:wrongpw 2>"$T/err"
assert_eq 3 $? "a wrong password: exit 3"
assert_grep "Unauthorized \(error 401\)" "$T/err" "401 again"
assert_no_grep "wrongpw" "$T/err" "the password is not shown"
prod --registry "$AREG" --registry-auth u:secretpw
assert_eq 0 $? "--registry-auth"
RUNNEL_REGISTRY_AUTH=u:secretpw prod --registry "$AREG"
assert_eq 0 $? "RUNNEL_REGISTRY_AUTH"
RUNNEL_REGISTRY_AUTH=u:wrongpw prod --registry "$AREG" --registry-auth u:secretpw
assert_eq 0 $? "--registry-auth wins over the environment"
cat >"$T/props" <<EOF
# kcat's property names
schema.registry.url=$AREG
schema.registry.basic.auth.user.info=u:secretpw
EOF
prod -F "$T/props"
assert_eq 0 $? "-F file with schema.registry.url and basic.auth.user.info"
prod -X schema.registry.url="$AREG" -X schema.registry.basic.auth.user.info=u:secretpw
assert_eq 0 $? "-X properties"
prod --registry "http://u:secretpw@${AREG#http://}"
assert_eq 0 $? "credentials in the URL"
prod --registry "http://u:badpw@${AREG#http://}" 2>"$T/err"
assert_eq 3 $? "wrong credentials in the URL"
assert_no_grep "badpw" "$T/err" "the URL's password is not shown"
assert_grep "registry $AREG: POST" "$T/err" "the URL shown without credentials"
prod --registry "$AREG" -X schema.registry.colour=red 2>"$T/err"
assert_eq 3 $? "an unknown registry property"
assert_grep "schema.registry.colour: unknown registry property" "$T/err" "names it"
prod --registry "$AREG" --registry-auth nocolon 2>"$T/err"
assert_eq 3 $? "credentials without a colon"
assert_eq 30 "$(kcat -b "$B" -C -t a -e -q -f 'x\n' | wc -l | tr -d ' ')" \
	"the six authorised runs produced, the others nothing"

# kcons: the same rules
kcons -b "$B" -t a -e -c 1 --avro --registry "$AREG" >"$T/out" 2>"$T/err"
assert_eq 3 $? "kcons without credentials: exit 3"
assert_grep "^kcons: registry $AREG: GET /schemas/ids/1: Unauthorized \(error 401\)$" "$T/err" "kcons says so"
assert_eq "" "$(cat "$T/out")" "nothing written"
RUNNEL_REGISTRY_AUTH=u:secretpw kcons -b "$B" -t a -e -c 5 --avro --registry "$AREG" >"$T/out"
assert_eq 0 $? "kcons with credentials from the environment"
parse -s "$EVENT" "$T/events" >"$T/want"
assert_file_eq "$T/want" "$T/out" "kcons decodes with credentials"

# 5xx: retried with backoff; too many: exit 1
start_registry --fail-next 2
prod --registry "$REG" 2>"$T/err"
assert_eq 0 $? "two 503s are retried"
assert_eq 2 "$(grep -c 'Service unavailable .*(error 50301) (attempt [12] of 4; retrying in' "$T/err")" \
	"each retry is said"
start_registry --fail-next 5
prod --registry "$REG" -X schema.registry.retries=1 2>"$T/err"
assert_eq 1 $? "a registry that keeps failing: exit 1"
assert_grep "Service unavailable .*\(error 50301\) \(2 attempts\)$" "$T/err" "after the retries"
port=$(free_port)
prod --registry "http://127.0.0.1:$port" -X schema.registry.retries=0 2>"$T/err"
assert_eq 1 $? "an unreachable registry: exit 1"
assert_grep "^kprod: .*registry http://127.0.0.1:$port: POST /subjects/a-value/versions: .*onnect" \
	"$T/err" "says it cannot connect"

# TLS: a CA, the registry's certificate for 127.0.0.1, and a client certificate
cd "$T" || die "cd"
ossl() { openssl "$@" >/dev/null 2>&1 || die "openssl $1 failed"; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
	-out ca.pem -days 2 -subj /CN=runnel-test-ca
ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr \
	-subj /CN=127.0.0.1
printf 'subjectAltName=IP:127.0.0.1\n' >srv.ext
ossl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
	-extfile srv.ext
ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout cli.key -out cli.csr \
	-subj /CN=client
ossl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cli.pem -days 2
cd - >/dev/null || die "cd -"
start_registry --tls "$T/srv.pem" "$T/srv.key" --client-ca "$T/ca.pem"
tprod() { kprod -z none -b "$B" -t tls --avro "$EVENT" --registry "$REG" "$@" "$T/events"; }
tprod --registry-ca "$T/ca.pem" --registry-cert "$T/cli.pem" --registry-key "$T/cli.key"
assert_eq 0 $? "https with a CA file and a client certificate"
tprod -X schema.registry.ssl.ca.location="$T/ca.pem" \
	-X schema.registry.ssl.certificate.location="$T/cli.pem" \
	-X schema.registry.ssl.key.location="$T/cli.key"
assert_eq 0 $? "the same with schema.registry.ssl.* properties"
tprod --registry-cert "$T/cli.pem" --registry-key "$T/cli.key" 2>"$T/err"
assert_eq 3 $? "an unknown CA: exit 3"
assert_grep "registry $REG: POST /subjects/tls-value/versions: .*certificate" "$T/err" \
	"says the certificate was refused"
tprod --registry-ca "$T/ca.pem" -X schema.registry.retries=0 2>"$T/err"
assert_eq 1 $? "no client certificate: the registry hangs up"
assert_grep "registry $REG: POST /subjects/tls-value/versions: " "$T/err" "says so"
RUNNEL_REGISTRY_AUTH= kcons -b "$B" -t tls -e --avro --registry "$REG" --registry-ca "$T/ca.pem" \
	--registry-cert "$T/cli.pem" --registry-key "$T/cli.key" >"$T/out"
assert_eq 0 $? "kcons over https"
assert_eq 10 "$(lines "$T/out")" "kcons decodes both runs"
done_testing
