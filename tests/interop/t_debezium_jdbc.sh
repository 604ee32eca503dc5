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

# Rows of every shape the schema admits: quoted thousands, NULL and
# empty fees and memos, Korean memos, three currencies.
awk -v n="$N" 'BEGIN {
	print "settle_id,merchant_no,settle_date,approved_at,amount,fee,currency,card_no,status,memo"
	split("KRW USD JPY", cur, " ")
	nm = split("|\"\"|정산 완료|\"late, resent\"|부분 환불", memo, "|")
	for (i = 1; i <= n; i++) {
		amount = i % 7 ? sprintf("%d.%02d", i * 13, i % 100) : sprintf("\"%d,%03d.50\"", i, i % 1000)
		fee = i % 5 ? sprintf("%d.%02d", i % 90, i % 100) : ""
		printf "%d,M%06d,2026-%02d-%02d,2026-12-02 %02d:%02d:%02d,%s,%s,%s,94101234%08d,%s,%s\n",
			1000 + i, i, i % 12 + 1, i % 28 + 1, i % 24, i % 60, (i * 7) % 60, amount, fee,
			cur[i % 3 + 1], i, i % 11 ? "OK" : "CANCEL", memo[i % nm + 1]
	}
}' >"$WORK/settle_20261203.csv"
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
