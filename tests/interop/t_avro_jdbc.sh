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
registry_start
URL=$REGISTRY_URL
converter=$("$KF_REPO/scripts/kafka/fetch.sh" --registry 2>/dev/null)/plugins
db_start postgres

settle_csv "$N" >"$WORK/settle_20261204.csv"
kferry_load --schema "$KF_REPO/config/settlement.schema" --value-format avro \
	--schema-registry "$URL" "$WORK/settle_20261204.csv"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$N" ] || fail "kferry load did not publish $N rows: $LOAD_JSON"

apicurio_props "$plugins,$converter" io.apicurio.registry.utils.converter.AvroConverter
SINK_OPTS=(--schema-registry "$URL")
jdbc_vs_kferry "$N" kferry-avro-jdbc "${PROPS[@]}"
note "Apicurio's AvroConverter + Debezium JDBC sink and kferry sink wrote the same $N rows from kferry load --value-format avro; verify: $VERIFY_LAST"
log "t_avro_jdbc passed"
