# SPDX-License-Identifier: Apache-2.0
# kferry sink applies Debezium's change events in Avro (docs/schemas.md
# 6.2): Debezium 3.2's PostgreSQL connector (pgoutput) in Kafka Connect
# 3.9.1 writes key and value through Apicurio's AvroConverter
# (2.6.13.Final, the Confluent wire format, ids resolved as content ids)
# against a real Apicurio Registry 3.0.9. A source table of several types
# (int, bigint, numeric(12,2), Korean text, date, timestamp(3) and (6),
# boolean, time(3), jsonb, uuid, bytea, real, double, smallint, varchar,
# NULLs) is snapshotted, then changed live (inserts, updates, deletes);
# kferry sink --delete --create-table reads the events by their ids into
# a second database, and kferry verify finds the two tables equal.
#
# About 25 s on a quiet 2-vCPU machine, 160 s under a load average of 20
# (the Connect worker and the registry start beside the broker); in CI.
# kf-timeout: 300
source "$(dirname "$0")/lib.sh"
source "$KF_INTEROP_DIR/../sink/lib.sh"

plugins=$(debezium_plugins)
registry_start
URL=$REGISTRY_URL
converter=$("$KF_REPO/scripts/kafka/fetch.sh" --registry 2>/dev/null)/plugins
db_start postgres
src_url=$(db_url postgres)
dst_url=${src_url%/*}/kferry_dst
db_sql postgres "CREATE DATABASE kferry_dst" >/dev/null

# The rows 1..4 exist before the connector starts (its snapshot);
# 5..7 come after, with updates and deletes of both kinds of rows.
db_sql postgres "CREATE TABLE src_a (
	id int PRIMARY KEY, big bigint, amt numeric(12,2), name text,
	d date, ts timestamp(3), ok boolean, tm time(3), js jsonb, u uuid,
	by bytea, r real, dp double precision, si smallint, vc varchar(20),
	ts6 timestamp(6));
INSERT INTO src_a (id, big, amt, name, d, ts, ok, ts6) VALUES
	(1, 9007199254740993, 1234567890.12, '정산 하나', '2026-12-02', '2026-12-02 10:11:12.345', true, '2026-12-02 10:11:12.123456'),
	(2, -1, -0.05, 'plain ascii', '1999-12-31', '1970-01-01 00:00:00', false, '1969-12-31 23:59:59.999999'),
	(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	(4, 0, 0.00, '', '2000-02-29', '2038-01-19 03:14:08.001', true, '2000-01-01 00:00:00');
UPDATE src_a SET tm = '01:02:03.004', js = '{\"a\": [1, \"b\"]}',
	u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', by = '\\x00ff10', r = 1.5,
	dp = -2.25e10, si = -7, vc = '한글 varchar' WHERE id IN (1, 4)" >/dev/null

slot=kf_$(tr -c 'a-z0-9_\n' _ <<<"${TOPIC,,}" | tail -c 40)
prefix=${TOPIC}dbz
topic=$prefix.public.src_a
create_topic "$topic" 1
cat >"$WORK/source.properties" <<PROPS
name=kferry-dbz-avro
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
table.include.list=public.src_a
snapshot.mode=initial
# Avro names are letters, digits and _: the topic prefix holds hyphens
schema.name.adjustment.mode=avro
PROPS
apicurio_props "$plugins,$converter" io.apicurio.registry.utils.converter.AvroConverter \
	apicurio.registry.auto-register=true
# the slot outlives the connector: drop it before the server stops
on_exit "'$DB_SH' sql '$DB_WORK/postgres' -qc \"SELECT pg_drop_replication_slot('$slot')\" >/dev/null 2>&1"
connect_start "$WORK/source.properties" "${PROPS[@]}"
# the changes below are to arrive as streamed events, not in the snapshot
wait_until 90 grep -q 'Starting streaming' "$CONNECT_DIR/connect.log"

db_sql postgres "INSERT INTO src_a (id, big, amt, name, d, ts, ok, ts6) VALUES
	(5, 42, 99999.99, '한글 행 다섯', '2026-01-01', '2026-06-30 23:59:59.999', false, '2026-06-30 23:59:59.999999'),
	(6, NULL, 1.50, 'six', NULL, '2026-12-02 00:00:00.5', NULL, NULL),
	(7, 7, 7.00, '지울 행', '2026-07-07', '2026-07-07 07:07:07', true, '2026-07-07 07:07:07.000007');
UPDATE src_a SET name = '바뀐 이름', amt = amt + 1 WHERE id = 1;
UPDATE src_a SET big = 3, ok = true, name = 'was null' WHERE id = 3;
UPDATE src_a SET ts = NULL WHERE id = 6;
UPDATE src_a SET tm = '23:59:59.999', js = '[]', by = '', si = 32767 WHERE id = 5;
DELETE FROM src_a WHERE id IN (2, 7)" >/dev/null

# The events arrive while the sink runs; a sink that found the topic idle
# before the last one is run again: it resumes at the offsets the target
# holds, so the loop ends when the two tables are equal.
t0=$SECONDS
while :; do
	kf_sink --db "$dst_url" -t "$topic" --table-format '${table}' --create-table --delete \
		--schema-registry "$URL" ||
		fail "kferry sink exited $?: $(tail -n 5 "$SINK_LOG")"
	if "$KFERRY" verify --source "$src_url" --target "$dst_url" --table src_a \
		>"$WORK/verify.out" 2>&1; then
		break
	fi
	[ $((SECONDS - t0)) -lt 60 ] ||
		fail "the target differs from the source after $((SECONDS - t0)) s: $(head -n 20 "$WORK/verify.out"; connect_state | head -n 20)"
done
# the events were Avro: the converter registered the topic's schemas
curl -sf "$URL/subjects" >"$WORK/subjects.json" || fail "cannot list the registry's subjects"
grep -q "\"$topic-value\"" "$WORK/subjects.json" && grep -q "\"$topic-key\"" "$WORK/subjects.json" ||
	fail "no $topic-key and -value subjects: the converter was not used: $(cat "$WORK/subjects.json")"
assert_connect_clean
[ "$(db_sql postgres "SELECT count(*) FROM src_a")" = 5 ] || fail "test setup: the source should hold 5 rows"
note "Debezium PostgreSQL (Apicurio AvroConverter) snapshot + live changes applied by kferry sink; verify: $(tail -n 1 "$WORK/verify.out")"
log "t_avro_debezium passed"
