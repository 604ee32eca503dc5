# SPDX-License-Identifier: Apache-2.0
# kferry sink applies what Debezium's MariaDB connector writes: a MariaDB
# table (int key, bigint, decimal(12,2), utf8mb4 varchar with Korean,
# date, datetime(3), text, NULLs) is snapshotted, then changed while the
# connector streams the binlog (inserts, updates, deletes in one
# transaction, then a key change) by Debezium 3.2's MariaDB connector
# (JsonConverter with schemas) in Kafka Connect; kferry sink --delete
# writes the topic into PostgreSQL and kferry verify finds the target
# equal to the MariaDB source. It fetches the MariaDB connector (14 MB,
# scripts/kafka/fetch.sh --debezium-mariadb) and starts a worker (about a
# minute under load): it runs only with KF_INTEROP_MARIADB=1, kept out of
# CI:
#   KF_INTEROP_MARIADB=1 tests/interop/run.sh --build build t_capture_debezium_mariadb
source "$(dirname "$0")/lib.sh"
source "$KF_INTEROP_DIR/../sink/lib.sh"

[ "${KF_INTEROP_MARIADB:-0}" = 1 ] || skip "set KF_INTEROP_MARIADB=1 to run it (Debezium's MariaDB connector, about a minute)"
plugins=$(debezium_plugins --debezium-mariadb)
db_start mariadb
db_start postgres
src_url=$(db_url mariadb)
dst_url=$(db_url postgres)

db_sql mariadb "CREATE TABLE src_t (id INT PRIMARY KEY, big BIGINT,
	amt DECIMAL(12,2), name VARCHAR(40) CHARACTER SET utf8mb4, d DATE,
	ts DATETIME(3), note TEXT) ENGINE=InnoDB;
INSERT INTO src_t VALUES
	(1, 9007199254740993, 1234567890.12, '정산 하나', '2026-12-02', '2026-12-02 10:11:12.345', 'a'),
	(2, -1, -0.05, 'plain ascii', '1999-12-31', '1970-01-01 00:00:00', ''),
	(3, NULL, NULL, NULL, NULL, NULL, NULL),
	(4, 0, 0.00, '', '2000-02-29', '2038-01-19 03:14:08.001', '지울 행')" >/dev/null

prefix=${TOPIC}dbz
topic=$prefix.kferry.src_t
create_topic "$topic" 1
cat >"$WORK/source.properties" <<PROPS
name=kferry-dbz-mariadb
connector.class=io.debezium.connector.mariadb.MariaDbConnector
tasks.max=1
database.hostname=127.0.0.1
database.port=$(cat "$DB_WORK/mariadb/port")
database.user=kferry
database.password=
database.server.id=5401
topic.prefix=$prefix
database.include.list=kferry
table.include.list=kferry.src_t
snapshot.mode=initial
schema.history.internal.kafka.bootstrap.servers=$BOOTSTRAP
schema.history.internal.kafka.topic=$prefix.history
PROPS
connect_start "$WORK/source.properties" --prop plugin.path="$plugins"
# the changes below are to be streamed, not in the snapshot: its 4 rows
# are on the topic first
t0=$SECONDS
until [ "$(kcat -b "$BOOTSTRAP" -Q -t "$topic:0:-1" 2>/dev/null | awk '{ print $NF }')" -ge 4 ] 2>/dev/null; do
	[ $((SECONDS - t0)) -lt 120 ] || fail "no snapshot on $topic after 120 s: $(state_brief "$(connect_state 2>&1)")"
	sleep 0.5
done

db_sql mariadb "BEGIN;
INSERT INTO src_t VALUES
	(5, 42, 99999.99, '한글 행 다섯', '2026-01-01', '2026-06-30 23:59:59.999', 'five'),
	(6, NULL, 1.50, 'six', NULL, '2026-12-02 00:00:00.5', NULL);
UPDATE src_t SET name = '바뀐 이름', amt = amt + 1 WHERE id = 1;
UPDATE src_t SET big = 3, name = 'was null', note = 'n' WHERE id = 3;
DELETE FROM src_t WHERE id IN (2, 4);
COMMIT;
UPDATE src_t SET id = 7 WHERE id = 6" >/dev/null

# The events arrive while the sink runs; a sink that found the topic idle
# before the last one is run again: it resumes at the offsets the target
# holds, so the loop ends when the two tables are equal.
t0=$SECONDS
while :; do
	kf_sink --db "$dst_url" -t "$topic" --table-format '${table}' --create-table --delete ||
		fail "kferry sink exited $?: $(tail -n 5 "$SINK_LOG")"
	if "$KFERRY" verify --source "$src_url" --target "$dst_url" --table src_t \
		>"$WORK/verify.out" 2>&1; then
		break
	fi
	[ $((SECONDS - t0)) -lt 60 ] ||
		fail "the target differs from the source after $((SECONDS - t0)) s: $(head -n 20 "$WORK/verify.out")"
done
assert_connect_clean
[ "$(db_sql postgres "SELECT string_agg(id::text, ',' ORDER BY id) FROM src_t")" = 1,3,5,7 ] ||
	fail "the target's keys are not 1,3,5,7"
note "Debezium MariaDB snapshot + streamed changes applied by kferry sink into PostgreSQL; verify: $(tail -n 1 "$WORK/verify.out")"
log "t_capture_debezium_mariadb passed"
