# SPDX-License-Identifier: Apache-2.0
# kferry sink applies what Debezium's PostgreSQL connector writes: a
# source table of several types (int, bigint, numeric(12,2), Korean text,
# date, timestamp(3), boolean, time(3), jsonb, uuid, bytea, real, double,
# smallint, varchar, NULLs) is snapshotted, then changed live
# (inserts, updates, deletes), by Debezium 3.2 (pgoutput, JsonConverter
# with schemas) in Kafka Connect; kferry sink --delete writes the events
# into a second database, and kferry verify finds the two tables equal.
#
# A second table holds the types Debezium writes with its own logical
# types under its default settings (docs/sink.md 2.3): timestamp(6)
# (MicroTimestamp), timestamptz (ZonedTimestamp), time(6) (MicroTime),
# timetz (ZonedTime), interval (MicroDuration), numeric without a scale
# (VariableScaleDecimal), uuid, json, xml, an enum, bit(12) (Bits),
# NaN and infinite doubles and reals, time(0) 24:00:00, timestamp and
# timestamptz infinities. kferry sink --create-table makes its table;
# the two are compared as canonical text in SQL (intervals by their
# seconds: Debezium counts them in microseconds, a day as 24 hours;
# numerics without their trailing zeros: Debezium drops them; timetz at
# UTC, as Debezium writes it). Left out, as Debezium loses them: months
# in intervals (30.4375 days each), interval microseconds that a double
# of seconds does not hold (-1.000001 s came as -1 s), numeric NaN
# (null), bit varying's length, timestamps before 1582 (through the JDBC
# driver's Julian calendar).
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

db_sql postgres "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE src_types (id int PRIMARY KEY, ts6 timestamp, tsz timestamptz,
	t6 time, ttz timetz, iv interval, n numeric, u uuid, j json, x xml,
	e mood, bt bit(12), f8 double precision, f4 real, t0 time(0),
	tsi timestamp(0));
INSERT INTO src_types VALUES
	(1, '2026-12-02 10:11:12.123456', '2026-12-02 10:11:12.123456+05',
	 '10:11:12.654321', '10:11:12.25+05', '1 day 02:03:04.5', 12.3400,
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, \"b\"]}',
	 '<a>정산</a>', 'happy', B'101000000001', 'NaN', 'Infinity', '24:00:00',
	 'infinity'),
	(2, '1583-01-01 00:00:00.000001', '-infinity', '00:00:00', '23:59:59-08',
	 '-00:00:01.5', -1e-20, NULL, '[]', NULL, 'sad', B'000000000000',
	 '-Infinity', '-0', '00:00:00', '-infinity'),
	(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, NULL)" >/dev/null
# canonical_types DB: src_types as text, one line per row (see above)
canonical_types() {
	"$DB_SH" sql "$DB_WORK/postgres" -d "$1" -qAt -F '|' -v ON_ERROR_STOP=1 -c "
	SELECT id, ts6, tsz, t6, ttz AT TIME ZONE 'UTC', extract(epoch FROM iv),
		trim_scale(n), u, j, x, e::text, bt, f8, f4, t0, tsi
	FROM src_types ORDER BY id"
}

slot=kf_$(tr -c 'a-z0-9_\n' _ <<<"${TOPIC,,}" | tail -c 40)
prefix=${TOPIC}dbz
topic=$prefix.public.src_t
types_topic=$prefix.public.src_types
create_topic "$topic" 1
create_topic "$types_topic" 1
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
table.include.list=public.src_t,public.src_types
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
DELETE FROM src_t WHERE id IN (2, 7);
INSERT INTO src_types SELECT 4, ts6 + interval '1 microsecond', tsz, t6, ttz,
	iv * 2, n * 3, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', j, x, 'ok',
	~bt, 1.5e300, 1.25, '23:59:59', '2026-12-02 00:00:01' FROM src_types WHERE id = 1;
UPDATE src_types SET tsz = '2000-02-29 23:59:59.999999-01', n = 99999999999999999999.999999
	WHERE id = 3" >/dev/null

# The events arrive while the sink runs; a sink that found the topic idle
# before the last one is run again: it resumes at the offsets the target
# holds, so the loop ends when the two tables are equal.
t0=$SECONDS
while :; do
	kf_sink --db "$dst_url" -t "$topic,$types_topic" --table-format '${table}' --create-table --delete ||
		fail "kferry sink exited $?: $(tail -n 5 "$SINK_LOG")"
	canonical_types kferry >"$WORK/types.src"
	canonical_types kferry_dst >"$WORK/types.dst" 2>&1 || true
	if "$KFERRY" verify --source "$src_url" --target "$dst_url" --table src_t \
		>"$WORK/verify.out" 2>&1 && cmp -s "$WORK/types.src" "$WORK/types.dst"; then
		break
	fi
	[ $((SECONDS - t0)) -lt 40 ] ||
		fail "the target differs from the source after $((SECONDS - t0)) s: $(head -n 20 "$WORK/verify.out"; diff "$WORK/types.src" "$WORK/types.dst")"
done
grep -q '^1|2026-12-02 10:11:12.123456|.*|NaN|Infinity|24:00:00|infinity$' "$WORK/types.dst" ||
	fail "test setup: row 1 of src_types is not what the comparison expects: $(head -n 1 "$WORK/types.dst")"
# --create-table gave the types of docs/sink.md 2.3
"$DB_SH" sql "$DB_WORK/postgres" -d kferry_dst -qAt -F ' ' -c "
	SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema.columns
	JOIN pg_attribute ON attrelid = 'src_types'::regclass AND attname = column_name
	WHERE table_name = 'src_types' ORDER BY ordinal_position" >"$WORK/types.columns"
for want in "ts6 timestamp(6) without time zone" "tsz timestamp(6) with time zone" \
	"t6 time(6) without time zone" "ttz time(6) with time zone" "iv interval" "n numeric" \
	"u uuid" "j jsonb" "x xml" "e text" "bt bit(12)" "f8 double precision" "f4 real"; do
	grep -qx "$want" "$WORK/types.columns" || fail "column type: no '$want' in $(tr '\n' ',' <"$WORK/types.columns")"
done
assert_connect_clean
[ "$(db_sql postgres "SELECT count(*) FROM src_t")" = 5 ] || fail "test setup: the source should hold 5 rows"
note "Debezium PostgreSQL snapshot + live changes applied by kferry sink; verify: $(tail -n 1 "$WORK/verify.out"); Debezium's types: $(wc -l <"$WORK/types.dst") rows equal as text"
log "t_debezium_sink passed"
