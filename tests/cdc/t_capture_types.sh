# SPDX-License-Identifier: Apache-2.0
# The type round trip of kferry capture: a table with a column of every
# type docs/cdc.md 4 maps (NULLs, Korean text, the extremes of each
# type: min/max integers, dates far in the past and future, negative
# numerics, many digits), rows from the snapshot and from the stream
# (inserts and updates); kferry sink --create-table applies the events
# into a second PostgreSQL database and into MariaDB, and kferry verify
# finds both equal to the source.
source "$(dirname "$0")/lib.sh"

cdc_setup
db_start mariadb
MDB_URL=$(db_url mariadb)
create_topic "$PREFIX.public.ty" 1

# one column per mapped type; the rows: 1 ordinary, 2 the minima, 3 the
# maxima, 4 every nullable column NULL, then the stream's rows
db_sql postgres "CREATE TABLE ty (id int PRIMARY KEY, s smallint, i int,
	b bigint NOT NULL, r real, d double precision, ok boolean, t text,
	vc varchar(20), c char(6), n numeric(38,4), n0 numeric(10,0), nv numeric,
	dt date, tm time, tm3 time(3), ts timestamp, ts3 timestamp(3),
	tz timestamptz, u uuid, j json, jb jsonb, bt bytea);
INSERT INTO ty VALUES
(1, 12, 345, 6789, 1.5, 2.25, true, '정산 완료', 'varchar', 'ab',
 12.3400, 42, 3.14159, '2026-12-02', '10:11:12.345678', '10:11:12.345',
 '2026-12-02 10:11:12.345678', '2026-12-02 10:11:12.345',
 '2026-12-02 10:11:12.345678+09', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
 '{\"k\": \"값\", \"n\": [1, 2.5]}', '{\"k\": \"값\", \"n\": [1, 2.5]}',
 '\\x00ff10'),
(2, -32768, -2147483648, -9223372036854775808, -3.4e38, -1.7976931348623157e308,
 false, '', '', '', -9999999999999999999999999999999999.9999, -9999999999,
 -123456789012345678901234567890.12345678, '1000-01-01', '00:00:00',
 '00:00:00', '1000-01-01 00:00:00', '1000-01-01 00:00:00.001',
 '1000-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000',
 '[]', '{}', '\\x'),
(3, 32767, 2147483647, 9223372036854775807, 3.4e38, 1.7976931348623157e308,
 true, repeat('가나다', 3000), repeat('z', 20), '끝', 9999999999999999999999999999999999.9999,
 9999999999, 0.000000000000000000000000000001, '9999-12-31', '23:59:59.999999',
 '23:59:59.999', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999',
 '9999-12-31 23:59:59.999999+00', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
 'null', '[\"긴 텍스트\", true, null, -0.5e-7]', decode(repeat('00ff', 5000), 'hex')),
(4, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)" >/dev/null

kf_capture --tables public.ty || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"
[ "$(json_field "$CAPTURE_JSON" events)" = 4 ] || fail "the snapshot did not produce 4 events: $CAPTURE_JSON"

# the stream: inserts of the same shapes, updates of every column
db_sql postgres "ALTER TABLE ty REPLICA IDENTITY FULL;
INSERT INTO ty SELECT id + 10, s, i, b, r, d, ok, t, vc, c, n,
	n0, nv, dt, tm, tm3, ts, ts3, tz, u, j, jb, bt FROM ty;
BEGIN;
UPDATE ty SET s = -1, i = -1, b = -1, r = -0.125, d = 1e-300, ok = NOT ok,
	t = t || ' 갱신', vc = 'upd', c = 'x', n = -0.0001, n0 = 0, nv = -1e-20,
	dt = '1970-01-01', tm = '12:00:00', tm3 = '00:00:00.001',
	ts = '1969-12-31 23:59:59.999999', ts3 = '1970-01-01 00:00:00',
	tz = '2000-02-29 12:00:00-05:30', u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12',
	j = '{\"a\":1}', jb = '\"문자열\"', bt = '\\x0a0d00' WHERE id IN (1, 11);
UPDATE ty SET s = NULL, t = NULL, nv = NULL, tz = NULL, bt = NULL WHERE id = 12;
UPDATE ty SET s = 7, t = '다시', nv = 7.000, tz = now(), bt = '\\xdeadbeef' WHERE id = 14;
-- an update that leaves the large values alone (REPLICA IDENTITY FULL
-- gives them from the old row)
UPDATE ty SET s = 1 WHERE id = 13;
COMMIT" >/dev/null
kf_capture --tables public.ty || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"
[ "$(json_field "$CAPTURE_JSON" events)" = 9 ] || fail "the stream did not produce 9 events: $CAPTURE_JSON"

sink_all ty
assert_equal ty

# the same topic into MariaDB, in a group of its own
"$KFERRY" sink -b "$BOOTSTRAP" -t "$PREFIX.public.ty" -g "$GROUP-mariadb" --db "$MDB_URL" \
	--table-format '${table}' --create-table --delete --idle-exit 3 --json \
	>"$WORK/sink-mariadb.json" 2>"$WORK/sink-mariadb.log" ||
	fail "kferry sink into MariaDB exited $?: $(tail -n 5 "$WORK/sink-mariadb.log")"
log "sink into MariaDB: $(cat "$WORK/sink-mariadb.json")"
# verify's canonical floats pass through MariaDB's DECIMAL(65,30), which
# holds neither 3.4e38 nor 1e-300 (docs/verify.md 1), and its json is
# jsonb's normal text, which a json (not jsonb) source column need not
# be in: verify compares the other columns, through a view on each side
cols=$(db_sql postgres "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position)
	FROM information_schema.columns WHERE table_name = 'ty' AND column_name NOT IN ('r', 'd', 'j')")
db_sql postgres "CREATE VIEW ty_m AS SELECT $cols FROM ty" >/dev/null
db_sql mariadb "CREATE VIEW ty_m AS SELECT $cols FROM ty" >/dev/null
"$KFERRY" verify --source "$SRC_URL" --target "$MDB_URL" --table ty_m --key id \
	>"$WORK/verify-mariadb.out" 2>&1 ||
	fail "MariaDB's table differs from the source: $(head -n 30 "$WORK/verify-mariadb.out")"
# ... and those three as canonical text in SQL: the floats as the
# shortest text of the double each side's value is (awk reads both
# notations), the json as the bytes the source holds
db_sql postgres "SELECT id, r, d, j FROM ty ORDER BY id" >"$WORK/rdj.pg"
db_sql mariadb "SELECT id, r, d, j FROM ty ORDER BY id" >"$WORK/rdj.my"
canon_rdj() {
	awk -F'\t' -v OFS='\t' -v null="$2" '{
		for (i = 2; i <= 3; i++)
			$i = $i == null ? "N" : sprintf("%.17g", $i + 0)
		if ($4 == null) $4 = "N"
		print
	}' "$1"
}
diff <(canon_rdj "$WORK/rdj.pg" "") <(canon_rdj "$WORK/rdj.my" NULL) >"$WORK/rdj.diff" ||
	fail "real, double or json differ in MariaDB (< source, > MariaDB): $(head -n 20 "$WORK/rdj.diff")"
[ "$(wc -l <"$WORK/rdj.pg")" = 8 ] || fail "test setup: 8 rows expected in ty"
note "8 rows of every mapped type (snapshot, inserts, updates) equal in PostgreSQL and MariaDB: $(tail -n 1 "$WORK/verify.out"); $(tail -n 1 "$WORK/verify-mariadb.out")"
log "t_capture_types passed"
