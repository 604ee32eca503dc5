# SPDX-License-Identifier: Apache-2.0
# Debezium's JDBC sink reads what kferry capture writes: a source table's
# snapshot, then streamed inserts, updates (one changing the primary
# key: a delete, its tombstone and a create), deletes with their
# tombstones, captured by kferry capture; Debezium 3.2's
# JdbcSinkConnector (upsert on the record key, deletes enabled, the
# table created) writes the topic into a second PostgreSQL database,
# and kferry verify finds it equal to the source.
source "$(dirname "$0")/lib.sh"
source "$KF_INTEROP_DIR/../cdc/lib.sh"

plugins=$(debezium_plugins)
cdc_setup
create_topic "$PREFIX.public.acct" 1
db_sql postgres "CREATE TABLE acct (id int PRIMARY KEY, amt numeric(12,2),
	name text, d date, ts timestamp(3), ok boolean NOT NULL DEFAULT true,
	big bigint, u uuid, f double precision);
INSERT INTO acct (id, amt, name, d, ts, big, u, f)
	SELECT g, g * 1.25 - 100, '정산 ' || g, DATE '2026-01-01' + g,
	       TIMESTAMP '2026-12-02 10:00:00.123' + g * INTERVAL '1 minute',
	       g::bigint * 1000000007, md5(g::text)::uuid, g / 8.0
	FROM generate_series(1, 200) g" >/dev/null
kf_capture --tables public.acct || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"
[ "$(json_field "$CAPTURE_JSON" events)" = 200 ] || fail "the snapshot did not produce 200 events: $CAPTURE_JSON"

db_sql postgres "BEGIN;
INSERT INTO acct (id, amt, name, ok) VALUES (1001, -0.05, '새 행', false), (1002, 0, '', true);
UPDATE acct SET amt = amt + 1, name = name || ' (바뀜)', d = NULL WHERE id BETWEEN 10 AND 19;
DELETE FROM acct WHERE id IN (20, 21, 1002);
COMMIT;
UPDATE acct SET id = 5000 WHERE id = 30;
UPDATE acct SET ok = false, ts = NULL, u = NULL, f = -1e-10 WHERE id = 31;
DELETE FROM acct WHERE id BETWEEN 40 AND 49" >/dev/null
kf_capture --tables public.acct || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"
# 2 inserts, 10 updates, 3 deletes; the key change's delete and create;
# 1 update; 10 deletes; a tombstone after each of the 14 deletes
[ "$(json_field "$CAPTURE_JSON" events)" = 42 ] || fail "the stream did not produce 42 events: $CAPTURE_JSON"

jdbc_props "$WORK/jdbc.properties" kferry-capture-jdbc "$PREFIX.public.acct" \
	"$("$DB_SH" jdbc "$DB_WORK/postgres")_dst" acct delete.enabled=true
connect_start "$WORK/jdbc.properties" --prop plugin.path="$plugins"

# the sink has applied every event when the target equals the source
t0=$SECONDS
until "$KFERRY" verify --source "$SRC_URL" --target "$DST_URL" --table acct \
	>"$WORK/verify.out" 2>&1; do
	[ $((SECONDS - t0)) -lt 60 ] ||
		fail "Debezium's JDBC sink did not make the target equal to the source in 60 s: $(head -n 20 "$WORK/verify.out"); Connect: $(state_brief "$(connect_state 2>&1)")"
	sleep 1
done
assert_connect_clean
[ "$(db_sql postgres "SELECT count(*) FROM acct")" = 189 ] || fail "test setup: the source should hold 189 rows"
note "Debezium's JDBC sink applied kferry capture's 200 snapshot rows and 28 changes (deletes, tombstones, a key change); verify: $(tail -n 1 "$WORK/verify.out")"
log "t_capture_jdbc passed"
