# SPDX-License-Identifier: Apache-2.0
# kferry sink applies what Debezium's PostgreSQL connector writes: a
# source table of several types (int, bigint, numeric(12,2), Korean text,
# date, timestamp(3), boolean, time(3), jsonb, uuid, bytea, real, double,
# smallint, varchar, NULLs) is snapshotted, then changed live
# (inserts, updates, deletes), by Debezium 3.2 (pgoutput, JsonConverter
# with schemas) in Kafka Connect; kferry sink --delete writes the events
# into a second database, and kferry verify finds the two tables equal.
#
# timestamp(3) is what Debezium sends as io.debezium.time.Timestamp
# (milliseconds), time(3) as io.debezium.time.Time. The envelope decoder
# refuses yet (the whole message, as format): timestamp(4..6) and
# timestamp (MicroTimestamp), timestamptz (ZonedTimestamp), time(4..6)
# and time (MicroTime), timetz (ZonedTime), interval (MicroDuration) and
# numeric without a scale (VariableScaleDecimal, a struct).
source "$(dirname "$0")/lib.sh"
source "$KF_INTEROP_DIR/../sink/lib.sh"

plugins=$(debezium_plugins)
db_start postgres
src_url=$(db_url postgres)
dst_url=${src_url%/*}/kferry_dst
db_sql postgres "CREATE DATABASE kferry_dst" >/dev/null

# The rows 1..4 exist before the connector starts (its snapshot);
# 5..7 come after, with updates and deletes of both kinds of rows.
db_sql postgres "CREATE TABLE src_t (
	id int PRIMARY KEY, big bigint, amt numeric(12,2), name text,
	d date, ts timestamp(3), ok boolean, tm time(3), js jsonb, u uuid,
	by bytea, r real, dp double precision, si smallint, vc varchar(20));
INSERT INTO src_t (id, big, amt, name, d, ts, ok) VALUES
	(1, 9007199254740993, 1234567890.12, '정산 하나', '2026-12-02', '2026-12-02 10:11:12.345', true),
	(2, -1, -0.05, 'plain ascii', '1999-12-31', '1970-01-01 00:00:00', false),
	(3, NULL, NULL, NULL, NULL, NULL, NULL),
	(4, 0, 0.00, '', '2000-02-29', '2038-01-19 03:14:08.001', true);
UPDATE src_t SET tm = '01:02:03.004', js = '{\"a\": [1, \"b\"]}',
	u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', by = '\\x00ff10', r = 1.5,
	dp = -2.25e10, si = -7, vc = '한글 varchar' WHERE id IN (1, 4)" >/dev/null

slot=kf_$(tr -c 'a-z0-9_\n' _ <<<"${TOPIC,,}" | tail -c 40)
prefix=${TOPIC}dbz
topic=$prefix.public.src_t
create_topic "$topic" 1
cat >"$WORK/source.properties" <<PROPS
name=kferry-dbz-source
connector.class=io.debezium.connector.postgresql.PostgresConnector
tasks.max=1
database.hostname=127.0.0.1
database.port=$(cat "$DB_WORK/postgres/port")
database.user=kferry
database.dbname=kferry
topic.prefix=$prefix
plugin.name=pgoutput
slot.name=$slot
publication.name=${slot}_pub
publication.autocreate.mode=filtered
table.include.list=public.src_t
snapshot.mode=initial
PROPS
# the slot outlives the connector: drop it before the server stops
on_exit "'$DB_SH' sql '$DB_WORK/postgres' -qc \"SELECT pg_drop_replication_slot('$slot')\" >/dev/null 2>&1"
connect_start "$WORK/source.properties" --prop plugin.path="$plugins"
# the changes below are to arrive as streamed events, not in the snapshot
wait_until 60 grep -q 'Starting streaming' "$CONNECT_DIR/connect.log"

db_sql postgres "INSERT INTO src_t (id, big, amt, name, d, ts, ok) VALUES
	(5, 42, 99999.99, '한글 행 다섯', '2026-01-01', '2026-06-30 23:59:59.999', false),
	(6, NULL, 1.50, 'six', NULL, '2026-12-02 00:00:00.5', NULL),
	(7, 7, 7.00, '지울 행', '2026-07-07', '2026-07-07 07:07:07', true);
UPDATE src_t SET name = '바뀐 이름', amt = amt + 1 WHERE id = 1;
UPDATE src_t SET big = 3, ok = true, name = 'was null' WHERE id = 3;
UPDATE src_t SET ts = NULL WHERE id = 6;
UPDATE src_t SET tm = '23:59:59.999', js = '[]', by = '', si = 32767 WHERE id = 5;
DELETE FROM src_t WHERE id IN (2, 7)" >/dev/null

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
	[ $((SECONDS - t0)) -lt 40 ] ||
		fail "the target differs from the source after $((SECONDS - t0)) s: $(head -n 20 "$WORK/verify.out")"
done
assert_connect_clean
[ "$(db_sql postgres "SELECT count(*) FROM src_t")" = 5 ] || fail "test setup: the source should hold 5 rows"
note "Debezium PostgreSQL snapshot + live changes applied by kferry sink; verify: $(tail -n 1 "$WORK/verify.out")"
log "t_debezium_sink passed"
