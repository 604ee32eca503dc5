# SPDX-License-Identifier: Apache-2.0
# Debezium's JDBC sink reads what kferry load writes: a settlement CSV
# (config/settlement.schema) loaded into a topic is written by Debezium
# 3.2's JdbcSinkConnector (upsert on the record key, basic schema
# evolution: it creates the table) into PostgreSQL table settle_a, and by
# kferry sink --create-table into settle_b; kferry verify finds the two
# tables equal.
source "$(dirname "$0")/lib.sh"
source "$KF_INTEROP_DIR/../sink/lib.sh"

N=300
plugins=$(debezium_plugins)
db_start postgres
url=$(db_url postgres)

settle_csv "$N" >"$WORK/settle_20261203.csv"
kferry_load --schema "$KF_REPO/config/settlement.schema" "$WORK/settle_20261203.csv"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$N" ] || fail "kferry load did not publish $N rows: $LOAD_JSON"

cat >"$WORK/jdbc.properties" <<PROPS
name=kferry-dbz-jdbc
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
connect_start "$WORK/jdbc.properties" --prop plugin.path="$plugins"
a_rows() { [ "$(db_sql postgres "SELECT count(*) FROM settle_a" 2>/dev/null)" = "$N" ]; }
wait_until 60 a_rows
assert_connect_clean

TOPIC=$CONNECT_TOPIC kf_sink --db "$url" --table settle_b --create-table --mode upsert ||
	fail "kferry sink exited $?: $(tail -n 5 "$SINK_LOG")"
"$KFERRY" verify --source "$url" --target "$url" --table settle_a:settle_b --key settle_id \
	>"$WORK/verify.out" 2>&1 || {
	db_sql postgres "SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_name IN ('settle_a', 'settle_b') ORDER BY 1, ordinal_position" >&2
	fail "Debezium's table and kferry's differ: $(head -n 30 "$WORK/verify.out")"
}
note "Debezium JDBC sink and kferry sink wrote the same $N rows from kferry load; verify: $(tail -n 1 "$WORK/verify.out")"
log "t_debezium_jdbc passed"
