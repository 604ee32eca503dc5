# SPDX-License-Identifier: Apache-2.0
# JSON Schema records between kferry and a peer in the Confluent wire format
# (docs/schemas.md 11): Apicurio Registry's JSON Schema serde
# (apicurio-registry-serdes-jsonschema-serde 2.6.13.Final; as-confluent, ids
# as content ids, validation on) against a real Apicurio Registry 3.0.9.
# (a) kferry load --value-format json-schema writes a settlement CSV; Kafka
#     Connect 3.9.1 reads it through Apicurio's SerdeBasedConverter with that
#     deserializer for key and value (each body validated against the
#     registered document), and FileStreamSink's lines are the bodies
#     kferry wrote, byte for byte.
# (b) Apicurio's serializer writes those bodies, against the latest versions
#     of the subjects kferry registered, to a second topic: the same ids and
#     bodies, so the same bytes, as kferry's records; kferry sink reads both
#     topics into PostgreSQL and kferry verify finds the tables equal.
# About 215 s on the loaded 2-vCPU development VM (a registry, a Connect
# worker, javac and a JVM producer): kept out of CI; run it with
# KF_INTEROP_SLOW=1.
# kf-timeout: 420
source "$(dirname "$0")/lib.sh"
source "$KF_INTEROP_DIR/../sink/lib.sh"

[ -n "${KF_INTEROP_SLOW:-}" ] || skip "slow (about 215 s): set KF_INTEROP_SLOW=1 to run it"

N=200
registry_start
URL=$REGISTRY_URL
V2=${URL%/apis/ccompat/v7}/apis/registry/v2
serde=$("$KF_REPO/scripts/kafka/fetch.sh" --registry 2>/dev/null)/plugins
db_start postgres
url=$(db_url postgres)

settle_csv "$N" >"$WORK/settle_20261205.csv"
kferry_load --schema "$KF_REPO/config/settlement.schema" --value-format json-schema \
	--schema-registry "$URL" "$WORK/settle_20261205.csv"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$N" ] || fail "kferry load did not publish $N rows: $LOAD_JSON"
wire_bodies "$CONNECT_TOPIC" "$WORK/bodies"
[ "$(wc -l <"$WORK/bodies")" = "$N" ] || fail "$CONNECT_TOPIC holds $(wc -l <"$WORK/bodies") records, not $N"
log "kferry's schema ids (keys, values): $(tr '\n' ';' <"$WORK/bodies.ids")"

# (a) Connect reads kferry's records through Apicurio's deserializer
apicurio_props "$serde" io.apicurio.registry.utils.converter.SerdeBasedConverter \
	apicurio.registry.converter.serializer=io.apicurio.registry.serde.jsonschema.JsonSchemaKafkaSerializer \
	apicurio.registry.converter.deserializer=io.apicurio.registry.serde.jsonschema.JsonSchemaKafkaDeserializer \
	apicurio.registry.serde.validation-enabled=true
cut -f 2 "$WORK/bodies" >"$WORK/values.expected"
connect_file_sink "${PROPS[@]}"
wait_sink "$N" 120
assert_connect_clean
assert_sink "$WORK/values.expected"

# (b) Apicurio's serializer writes what kferry sink reads
mkdir -p "$WORK/java"
cp="$serde/apicurio-converter/*:$KF_KAFKA_LIB/*"
javac -d "$WORK/java" -cp "$cp" "$KF_INTEROP_DIR/java/JsonSchemaProduce.java" 2>"$WORK/javac.log" ||
	fail "javac: $(tail -n 5 "$WORK/javac.log")"
PEER_TOPIC=$TOPIC-peer
create_topic "$PEER_TOPIC" 1
n=$(java -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$WORK/java:$cp" JsonSchemaProduce \
	"$BOOTSTRAP" "$PEER_TOPIC" "$V2" "$CONNECT_TOPIC-key" "$CONNECT_TOPIC-value" "$WORK/bodies" \
	2>"$WORK/produce.log") || fail "Apicurio's serializer failed: $(grep -v '^\s*at ' "$WORK/produce.log" | tail -n 8)"
[ "$n" = "$N" ] || fail "Apicurio's serializer wrote $n records, not $N"
wire_bodies "$PEER_TOPIC" "$WORK/peer.bodies"
cmp -s "$WORK/bodies.ids" "$WORK/peer.bodies.ids" ||
	fail "Apicurio's serializer wrote ids $(cat "$WORK/peer.bodies.ids"), kferry $(cat "$WORK/bodies.ids")"
cmp -s "$WORK/bodies" "$WORK/peer.bodies" || {
	diff "$WORK/bodies" "$WORK/peer.bodies" | head -n 6 >&2
	fail "Apicurio's serializer wrote other bodies than kferry's (< kferry, > Apicurio)"
}
log "Apicurio's serializer wrote $n records, key and value byte for byte kferry's"

SINK_OPTS=(--schema-registry "$URL" --create-table --mode upsert)
TOPIC=$CONNECT_TOPIC kf_sink --db "$url" --table settle_b "${SINK_OPTS[@]}" ||
	fail "kferry sink exited $?: $(tail -n 5 "$SINK_LOG")"
TOPIC=$PEER_TOPIC GROUP=$GROUP-peer kf_sink --db "$url" --table settle_c "${SINK_OPTS[@]}" ||
	fail "kferry sink exited $? on Apicurio's records: $(tail -n 5 "$SINK_LOG")"
[ "$(db_sql postgres "SELECT count(*) FROM settle_c")" = "$N" ] || fail "settle_c does not hold $N rows"
"$KFERRY" verify --source "$url" --target "$url" --table settle_b:settle_c --key settle_id \
	>"$WORK/verify.out" 2>&1 || fail "kferry's table and the peer's differ: $(head -n 30 "$WORK/verify.out")"
note "Apicurio's JSON Schema deserializer in Connect read kferry load's $N records byte for byte; kferry sink read its serializer's records as kferry's: $(tail -n 1 "$WORK/verify.out")"
log "t_jsonschema_connect passed"
