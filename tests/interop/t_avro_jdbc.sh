# SPDX-License-Identifier: Apache-2.0
# Kafka Connect reads kferry load's Avro (docs/schemas.md): a settlement
# CSV (config/settlement.schema) loaded with --value-format avro against a
# real Apicurio Registry 3.0.9 is read by Apicurio's AvroConverter
# (2.6.13.Final, the Confluent wire format, ids resolved as content ids)
# for key and value and written by Debezium 3.2's JdbcSinkConnector
# (upsert on the record key) into PostgreSQL table settle_a; kferry sink
# reads the same topic by the same ids into settle_b; kferry verify finds
# the two tables equal.
# kf-timeout: 300
source "$(dirname "$0")/lib.sh"
source "$KF_INTEROP_DIR/../sink/lib.sh"

N=300
plugins=$(debezium_plugins)
REG=$WORK/registry
"$KF_REPO/scripts/kafka/registry.sh" start "$REG" >"$WORK/registry.log" 2>&1 ||
	fail "the registry did not start: $(tail -n 5 "$WORK/registry.log")"
on_exit "\"$KF_REPO/scripts/kafka/registry.sh\" stop \"$REG\" >/dev/null 2>&1"
URL=$(cat "$REG/url")
converter=$("$KF_REPO/scripts/kafka/fetch.sh" --registry 2>/dev/null)/plugins
db_start postgres
url=$(db_url postgres)

settle_csv "$N" >"$WORK/settle_20261204.csv"
kferry_load --schema "$KF_REPO/config/settlement.schema" --value-format avro \
	--schema-registry "$URL" "$WORK/settle_20261204.csv"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$N" ] || fail "kferry load did not publish $N rows: $LOAD_JSON"

cat >"$WORK/jdbc.properties" <<PROPS
name=kferry-avro-jdbc
connector.class=io.debezium.connector.jdbc.JdbcSinkConnector
tasks.max=1
topics=$CONNECT_TOPIC
connection.url=$("$DB_SH" jdbc "$DB_WORK/postgres")
connection.username=kferry
connection.password=unused
insert.mode=upsert
primary.key.mode=record_key
schema.evolution=basic
collection.name.format=settle_a
PROPS
# the converter's own API (v2) of the same registry; ccompat ids are
# Apicurio's content ids. Its jar has no service manifest: hybrid
# discovery finds it.
props=(--prop plugin.path="$plugins,$converter" --prop plugin.discovery=hybrid_warn)
for side in key value; do
	props+=(--prop "$side.converter=io.apicurio.registry.utils.converter.AvroConverter"
		--prop "$side.converter.apicurio.registry.url=${URL%/apis/ccompat/v7}/apis/registry/v2"
		--prop "$side.converter.apicurio.registry.as-confluent=true"
		--prop "$side.converter.apicurio.registry.use-id=contentId"
		--prop "$side.converter.apicurio.registry.headers.enabled=false")
done
connect_start "$WORK/jdbc.properties" "${props[@]}"
a_rows() { [ "$(db_sql postgres "SELECT count(*) FROM settle_a" 2>/dev/null)" = "$N" ]; }
wait_until 60 a_rows
assert_connect_clean

TOPIC=$CONNECT_TOPIC kf_sink --db "$url" --table settle_b --create-table --mode upsert \
	--schema-registry "$URL" || fail "kferry sink exited $?: $(tail -n 5 "$SINK_LOG")"
"$KFERRY" verify --source "$url" --target "$url" --table settle_a:settle_b --key settle_id \
	>"$WORK/verify.out" 2>&1 || {
	db_sql postgres "SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_name IN ('settle_a', 'settle_b') ORDER BY 1, ordinal_position" >&2
	fail "Debezium's table and kferry's differ: $(head -n 30 "$WORK/verify.out")"
}
note "Apicurio's AvroConverter + Debezium JDBC sink and kferry sink wrote the same $N rows from kferry load --value-format avro; verify: $(tail -n 1 "$WORK/verify.out")"
log "t_avro_jdbc passed"
