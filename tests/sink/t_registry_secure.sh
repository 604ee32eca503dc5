# SPDX-License-Identifier: Apache-2.0
# The registry client over TLS with a client certificate and basic auth
# (docs/schemas.md 2): tests/sink/registry_proxy.py fronts a real Apicurio
# Registry 3.0.9 with HTTPS (a certificate of a test CA made here), requires
# a client certificate of that CA and a basic auth user (Apicurio itself
# has basic auth only through an OpenID provider). (a) kferry load
# --value-format avro and kferry sink through the front, the password by
# file:, the client key encrypted and its password by env:: the table
# equals the one kferry sink writes from the same topic through the plain
# registry URL (kferry verify); (b) a wrong password (HTTP 401), no client
# certificate, and no CA (the system's do not know the test CA) each fail
# the load before a record is produced, naming the registry.
# About 26 s on a quiet 2-vCPU machine, 135 s under a load average of 20
# (a registry, PostgreSQL, four loads and two sinks); in CI.
# kf-timeout: 300
source "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "no python3"
registry_start
db_start postgres
PG=$(db_url postgres)

# the test CA, the front's certificate (localhost), a client certificate
# whose key is encrypted
T=$WORK/tls
mkdir -p "$T"
issue() { # issue NAME SUBJECT [SAN]
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$1.key" 2>/dev/null
	openssl req -new -key "$T/$1.key" -subj "$2" -out "$T/$1.csr" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\n%s\n' "${3:+subjectAltName=$3}" >"$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-days 2 -extfile "$T/$1.ext" -out "$T/$1.pem" 2>/dev/null || fail "openssl: no $1 certificate"
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
	-subj "/CN=kferry test registry CA" -days 2 -out "$T/ca.pem" 2>/dev/null || fail "openssl: no CA"
issue front /CN=localhost DNS:localhost
issue client /CN=kferry
echo 'key pass 1' >"$T/client.key.pass"
openssl pkey -in "$T/client.key" -aes256 -passout "file:$T/client.key.pass" -out "$T/client.enc.key" ||
	fail "openssl: the client key was not encrypted"
chmod 600 "$T"/*.key
echo 's3cret:pw' >"$WORK/registry.pass"
chmod 600 "$WORK/registry.pass"

python3 "$(dirname "$0")/registry_proxy.py" "$T/front.pem" "$T/front.key" "$T/ca.pem" \
	'kferry:s3cret:pw' "${REGISTRY_URL%/apis/ccompat/v7}" "$WORK/front.port" 2>"$WORK/front.log" &
front_pid=$!
on_exit "kill $front_pid 2>/dev/null"
wait_until 20 test -s "$WORK/front.port"
FRONT=https://localhost:$(cat "$WORK/front.port")/apis/ccompat/v7

export KF_REG_KEY_PASS='key pass 1'
secure=(-o schema.registry.url="$FRONT" -o schema.registry.username=kferry
	-o schema.registry.password="file:$WORK/registry.pass"
	-o schema.registry.ca_location="$T/ca.pem"
	-o schema.registry.certificate_location="$T/client.pem"
	-o schema.registry.key_location="$T/client.enc.key"
	-o schema.registry.key_password=env:KF_REG_KEY_PASS)

N=120
awk -v n="$N" 'BEGIN { print "id,name,amount"
	for (i = 1; i <= n; i++) printf "%d,name %d,%d.%02d\n", i, i, i * 7, i % 100 }' >"$WORK/rows.csv"
cat >"$WORK/rows.schema" <<'SCHEMA'
[schema]
format_version = 1
name = kferry.secure_t
format = csv
key = id
[csv]
header = true
[column.id]
type = int64
required = true
[column.name]
type = text
required = true
[column.amount]
type = decimal(12,2)
required = true
SCHEMA

LOAD_TOPIC=$TOPIC.avro
LOAD_LEDGER=$TOPIC.loads
create_topic "$LOAD_TOPIC" 1
create_topic "$LOAD_LEDGER" 1

# (a) through the front
kf_load --schema "$WORK/rows.schema" --value-format avro "${secure[@]}" "$WORK/rows.csv" ||
	fail "kferry load through the TLS front failed: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$N" ] || fail "kferry load did not publish $N rows"
grep -q '"POST /apis/ccompat/v7/subjects/' "$WORK/front.log" ||
	fail "kferry load did not register through the front: $(tail -n 3 "$WORK/front.log")"
TOPIC=$LOAD_TOPIC kf_sink --db "$PG" --table secure_a --create-table "${secure[@]}" ||
	fail "kferry sink through the TLS front exited $?: $(tail -n 5 "$SINK_LOG")"
grep -q '"GET /apis/ccompat/v7/schemas/ids/' "$WORK/front.log" ||
	fail "kferry sink did not read the schema through the front"
TOPIC=$LOAD_TOPIC GROUP=$GROUP-plain kf_sink --db "$PG" --table secure_b --create-table \
	--schema-registry "$REGISTRY_URL" || fail "kferry sink exited $?: $(tail -n 5 "$SINK_LOG")"
[ "$(db_sql postgres "SELECT count(*) FROM secure_a")" = "$N" ] || fail "secure_a does not hold $N rows"
"$KFERRY" verify --source "$PG" --target "$PG" --table secure_a:secure_b --key id >"$WORK/verify.out" 2>&1 ||
	fail "the tables differ: $(head -n 20 "$WORK/verify.out")"
log "through TLS, a client certificate and basic auth: $(tail -n 1 "$WORK/verify.out")"

# (b) refusals: a new subject each time, so that the load must ask the
# registry before its first record
sed -i 's/^name = kferry.secure_t$/name = kferry.secure_u/' "$WORK/rows.schema"
LOAD_TOPIC=$TOPIC.refused
create_topic "$LOAD_TOPIC" 1
refused() { # refused WHAT PATTERN [load options]
	local what=$1 pattern=$2
	shift 2
	! kf_load --schema "$WORK/rows.schema" --value-format avro \
		-o schema.registry.subject_strategy=record "$@" "$WORK/rows.csv" ||
		fail "kferry load with $what succeeded"
	grep -q "schema registry $FRONT" "$LOAD_LOG" && grep -qiE "$pattern" "$LOAD_LOG" ||
		fail "kferry load with $what: not the expected error ($pattern): $(tail -n 3 "$LOAD_LOG")"
	log "$what: $(grep -m1 -iE "$pattern" "$LOAD_LOG")"
}
echo 's3cret:pW' >"$WORK/wrong.pass"
chmod 600 "$WORK/wrong.pass"
refused "a wrong password" "HTTP 401" "${secure[@]}" -o schema.registry.password="file:$WORK/wrong.pass"
refused "no client certificate" "requires a client certificate, set schema.registry.certificate_location" -o schema.registry.url="$FRONT" \
	-o schema.registry.username=kferry -o schema.registry.password="file:$WORK/registry.pass" \
	-o schema.registry.ca_location="$T/ca.pem"
refused "no CA" "certificate" "${secure[@]}" -o schema.registry.ca_location=
n=$(kcat -b "$BOOTSTRAP" -C -t "$LOAD_TOPIC" -o beginning -e -q -f 'r\n' | wc -l)
[ "$n" = 0 ] || fail "the refused loads produced $n records"
curl -sf "$REGISTRY_URL/subjects" | grep -q 'kferry.secure_u' && fail "a refused load registered a subject"
log "t_registry_secure passed"
