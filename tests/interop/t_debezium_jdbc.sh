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

settle_csv "$N" >"$WORK/settle_20261203.csv"
kferry_load --schema "$KF_REPO/config/settlement.schema" "$WORK/settle_20261203.csv"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$N" ] || fail "kferry load did not publish $N rows: $LOAD_JSON"

jdbc_vs_kferry "$N" kferry-dbz-jdbc --prop plugin.path="$plugins"
note "Debezium JDBC sink and kferry sink wrote the same $N rows from kferry load; verify: $VERIFY_LAST"
log "t_debezium_jdbc passed"
