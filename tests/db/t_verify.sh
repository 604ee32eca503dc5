#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kferry verify (docs/verify.md) against real servers.
#
#   tests/db/t_verify.sh KFERRY PG_DIR MARIADB_DIR [CASE...]
#
# PG_DIR and MARIADB_DIR are servers started by scripts/db/db.sh (tests/db/
# run.sh starts them and runs this after test_db). Each case prints
# "[       OK ] test_verify_NAME" or "[  FAILED  ] test_verify_NAME", as the
# cmocka cases of test_db do, so run.sh counts both alike. Exits 1 if a
# case failed.
set -uo pipefail

KFERRY=${1:?usage: t_verify.sh KFERRY PG_DIR MARIADB_DIR}
PG_DIR=${2:?}
MY_DIR=${3:?}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DB_SH=$ROOT/scripts/db/db.sh
PG=$("$DB_SH" url "$PG_DIR")
MY=$("$DB_SH" url "$MY_DIR")
OUT=$(mktemp -d "${KF_TEST_TMP:-/tmp}/kf-verify.XXXXXX") || exit 2
trap 'rm -rf "$OUT"' EXIT
FAILED=0

pg() { "$DB_SH" sql "$PG_DIR" -q -v ON_ERROR_STOP=1 "$@" >/dev/null; }
my() { "$DB_SH" sql "$MY_DIR" "$@" >/dev/null; }

pass() { echo "[       OK ] test_verify_$1"; }
fail() {
    echo "[  FAILED  ] test_verify_$1: $2"
    sed 's/^/    | /' "$OUT/out" | head -40
    FAILED=$((FAILED + 1))
}

# Runs kferry verify ARGS... into $OUT/out; $RC is its exit code.
verify() {
    "$KFERRY" verify "$@" >"$OUT/out" 2>&1
    RC=$?
}

# A Python expression over the JSON report r, e.g. json 'r["equal"]'.
json() {
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2], {"r": r}))' "$OUT/out" "$1"
}

# ---------------------------------------------------------------------------
# Every type of docs/sink.md 2.3, on both dialects. HEXB(..) is a bytes
# literal, written per dialect.

pg_types_ddl='CREATE TABLE %s (
  id bigint PRIMARY KEY, b boolean, i16 smallint, i32 integer, i64 bigint,
  f4 real, f8 double precision, s text, vs varchar(20), bin bytea,
  d38 numeric(38,10), dn numeric, dt date, tm time(3), ts timestamp(3),
  tz timestamptz, mts timestamp(6), j jsonb, u uuid)'
my_types_ddl='CREATE TABLE vt (
  id BIGINT PRIMARY KEY, b BOOLEAN, i16 SMALLINT, i32 INT, i64 BIGINT,
  f4 FLOAT, f8 DOUBLE, s LONGTEXT, vs VARCHAR(20), bin LONGBLOB,
  d38 DECIMAL(38,10), dn DECIMAL(65,10), dt DATE, tm TIME(3),
  ts DATETIME(3), tz TIMESTAMP(6) NULL, mts DATETIME(6), j JSON, u UUID)
  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'
types_rows="
(1, TRUE, -32768, -2147483648, -9223372036854775808, 0.1, 0.1, 'plain', 'v', HEXB(00ff10),
 1234567890123456789012345678.1234567890, 1.5, '1970-01-01', '00:00:00', '1970-01-01 00:00:00',
 '1970-01-01 00:00:01', '1970-01-01 00:00:00.000001', '{\"a\": 1}', '6f1e2a3b-0000-4000-8000-000000000001'),
(2, FALSE, 32767, 2147483647, 9223372036854775807, 3.4e30, 1e20, '안녕하세요 세계', '한국어', HEXB(),
 -0.5, 0, '1900-01-01', '23:59:59.999', '1899-12-31 23:59:59.999',
 '2038-01-19 03:14:07.999999', '1000-01-01 00:00:00.5', '{\"k\": [1, 2.5, \"x\"], \"z\": null}', '6F1E2A3B-0000-4000-8000-00000000000A'),
(3, TRUE, 0, 0, 0, -1.5e-7, 0.30000000000000004, 'text with ''quote'' and @BS@ backslash', 'x', HEXB(5c78),
 0.0000000001, 100, '1000-01-01', '12:34:56.789', '2024-02-29 23:59:59.123',
 '2024-06-01 12:00:00.123456', '9999-12-31 23:59:59.999999', '[]', '00000000-0000-0000-0000-000000000000'),
(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(5, FALSE, 1, 1, 1, 1, 1, '', '', HEXB(),
 10, 10.25, '2000-02-29', '00:00:00.001', '2000-01-01 00:00:00',
 '2000-01-01 00:00:00', '2000-01-01 00:00:00', '{}', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
(6, TRUE, 7, 7, 7, -0.0, -2.5e-20, 'tab	and
newline', 'é', HEXB(e282ac),
 -99999999999999999999999999.9999999999, -3.14159, '1969-12-31', '08:00:00', '1969-12-31 23:59:59.999',
 '1999-12-31 23:59:59.5', '1969-07-20 20:17:40', '\"string\"', '12345678-1234-5678-1234-567812345678')"

pg_insert() { # TABLE
    echo "INSERT INTO $1 VALUES $types_rows;" |
        sed "s/HEXB(\([0-9a-f]*\))/decode('\1', 'hex')/g; s/@BS@/\\\\/g"
}
my_insert() {
    echo "INSERT INTO vt VALUES $types_rows;" |
        sed "s/HEXB(\([0-9a-f]*\))/X'\1'/g; s/@BS@/\\\\\\\\/g"
}

setup_types() {
    pg -c "DROP SCHEMA IF EXISTS tgt CASCADE; CREATE SCHEMA tgt; DROP TABLE IF EXISTS vt"
    pg -c "$(printf "$pg_types_ddl" vt)" -c "$(printf "$pg_types_ddl" tgt.vt)"
    pg_insert vt | "$DB_SH" sql "$PG_DIR" -q -v ON_ERROR_STOP=1 >/dev/null &&
        pg_insert tgt.vt | "$DB_SH" sql "$PG_DIR" -q -v ON_ERROR_STOP=1 >/dev/null
    # a date before year 1 exists only in PostgreSQL
    pg -c "INSERT INTO vt (id, dt, ts) VALUES (7, '0044-03-15 BC', '0044-03-15 12:00 BC')" \
        -c "INSERT INTO tgt.vt (id, dt, ts) VALUES (7, '0044-03-15 BC', '0044-03-15 12:00 BC')"
    my -e "DROP TABLE IF EXISTS vt; $my_types_ddl"
    my_insert | "$DB_SH" sql "$MY_DIR" >/dev/null
}

# the source without the BC row, for MariaDB
pg_view_for_mariadb() {
    pg -c "DROP TABLE IF EXISTS vt_ad" -c "CREATE TABLE vt_ad (LIKE vt INCLUDING ALL)" \
        -c "INSERT INTO vt_ad SELECT * FROM vt WHERE id <> 7"
}

t_types_pg_pg() {
    verify --source "$PG" --target "$PG" --table public.vt:tgt.vt --json
    if [ "$RC" != 0 ]; then fail types_pg_pg "exit $RC, expected 0"; return; fi
    if [ "$(json 'r["tables"][0]["rows_source"], r["tables"][0]["ranges_differing"]')" != "(7, 0)" ]; then
        fail types_pg_pg "expected 7 rows and no differing range"; return
    fi
    pass types_pg_pg
}

t_types_pg_mariadb() {
    # one row per range: each row's count and checksum, computed by
    # PostgreSQL and by MariaDB, are the same numbers
    verify --source "$PG" --target "$MY" --table vt_ad:vt --chunk-rows 1 --json
    if [ "$RC" != 0 ]; then fail types_pg_mariadb "exit $RC, expected 0"; return; fi
    if [ "$(json 'r["tables"][0]["rows_target"], r["tables"][0]["ranges"], r["tables"][0]["ranges_differing"]')" != "(6, 7, 0)" ]; then
        fail types_pg_mariadb "expected 6 rows in 7 ranges, none differing"; return
    fi
    # and the other way: MariaDB's keys bound the ranges on PostgreSQL
    verify --source "$MY" --target "$PG" --table vt:vt_ad --chunk-rows 2
    if [ "$RC" != 0 ] || ! grep -q '^  ranges: 4 compared, 0 differing$' "$OUT/out"; then
        fail types_pg_mariadb "MariaDB to PostgreSQL: exit $RC, expected 0 and 4 equal ranges"; return
    fi
    pass types_pg_mariadb
}

# One changed value, one missing row, one extra row, NULL against the
# empty string: exactly those keys.
t_differences() { # NAME TARGET_URL TARGET_TABLE SOURCE_TABLE SQL_ON_TARGET
    local name=$1 target=$2 table=$3 src=$4 sqlf=$5
    $sqlf "UPDATE $table SET s = 'changed' WHERE id = 3"
    $sqlf "DELETE FROM $table WHERE id = 2"
    $sqlf "INSERT INTO $table (id, s) VALUES (100, 'extra')"
    $sqlf "UPDATE $table SET vs = NULL WHERE id = 5"
    verify --source "$PG" --target "$target" --table "$src:$table" --json
    if [ "$RC" != 1 ]; then fail "$name" "exit $RC, expected 1"; return; fi
    local got
    got=$(json 'sorted((d["kind"], d["key"]["id"], tuple(c for c in d["source"] if d["target"] and d["source"][c] != d["target"][c]) if d["source"] else ()) for d in r["tables"][0]["differences"])')
    local want="[('changed', '3', ('s',)), ('changed', '5', ('vs',)), ('extra', '100', ()), ('missing', '2', ())]"
    if [ "$got" != "$want" ]; then
        fail "$name" "differences $got"; return
    fi
    # the text report names them too, with both sides' values
    verify --source "$PG" --target "$target" --table "$src:$table"
    if ! grep -q '^  changed  id=5$' "$OUT/out" ||
        ! grep -q 'vs: source "", target NULL' "$OUT/out" ||
        ! grep -q '^  missing  id=2$' "$OUT/out" || ! grep -q '^  extra    id=100$' "$OUT/out"; then
        fail "$name" "text report"; return
    fi
    pass "$name"
}

# differences on the PostgreSQL target, then on the MariaDB one
pg_on() { pg -c "$1"; }
my_on() { my -e "$1"; }

t_differences_pg() {
    pg -c "DROP TABLE IF EXISTS pg_src" -c "CREATE TABLE pg_src (LIKE vt INCLUDING ALL)" \
        -c "INSERT INTO pg_src SELECT * FROM vt"
    t_differences differences_pg "$PG" tgt.vt pg_src pg_on
}
t_differences_mariadb() {
    pg -c "DROP TABLE IF EXISTS my_src" -c "CREATE TABLE my_src (LIKE vt_ad INCLUDING ALL)" \
        -c "INSERT INTO my_src SELECT * FROM vt_ad"
    t_differences differences_mariadb "$MY" vt my_src my_on
}

# A composite key (a number and a Korean text), ranges drilled through
# several levels: 5000 rows in chunks of 2000, one value changed, one row
# missing.
t_composite() {
    pg -c "DROP TABLE IF EXISTS ck" \
        -c "CREATE TABLE ck (a int, b text, v numeric(10,2), PRIMARY KEY (a, b))" \
        -c "INSERT INTO ck SELECT i / 3, '키' || (i % 3), i / 4.0 FROM generate_series(0, 4999) i"
    my -e "DROP TABLE IF EXISTS ck; CREATE TABLE ck (a INT, b VARCHAR(255), v DECIMAL(10,2),
        PRIMARY KEY (a, b)) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
        INSERT INTO ck SELECT seq DIV 3, CONCAT('키', seq MOD 3), seq / 4 FROM seq_0_to_4999;
        UPDATE ck SET v = v + 1 WHERE a = 1234 AND b = '키1';
        DELETE FROM ck WHERE a = 777 AND b = '키2'"
    verify --source "$PG" --target "$MY" --table ck --chunk-rows 2000 --json
    if [ "$RC" != 1 ]; then fail composite "exit $RC, expected 1"; return; fi
    local got
    got=$(json 'sorted((d["kind"], d["key"]["a"], d["key"]["b"]) for d in r["tables"][0]["differences"]), r["tables"][0]["rows_source"], r["tables"][0]["rows_target"]')
    if [ "$got" != "([('changed', '1234', '키1'), ('missing', '777', '키2')], 5000, 4999)" ]; then
        fail composite "got $got"; return
    fi
    # an empty target: every row missing, counted without reading more
    # of them than the report shows
    my -e "DROP TABLE IF EXISTS ck_empty; CREATE TABLE ck_empty LIKE ck"
    verify --source "$PG" --target "$MY" --table ck:ck_empty --chunk-rows 2000 --show 3 --json
    got=$(json 'r["tables"][0]["missing"], len(r["tables"][0]["differences"]), r["tables"][0]["ranges_differing"]')
    if [ "$RC" != 1 ] || [ "$got" != "(5000, 3, 3)" ]; then
        fail composite "empty target: exit $RC, got $got"; return
    fi
    pass composite
}

# A character(n) keeps its padding blanks (docs/verify.md 1): equal to a
# text column that holds them (what kferry capture and sink give), not to
# one that holds the trimmed text.
t_char_padding() {
    pg -c "DROP TABLE IF EXISTS cp, cp_pad, cp_trim" \
        -c "CREATE TABLE cp (id int PRIMARY KEY, c char(4))" \
        -c "INSERT INTO cp VALUES (1, 'ab'), (2, ''), (3, NULL), (4, '끝')" \
        -c "CREATE TABLE cp_pad (id int PRIMARY KEY, c text)" \
        -c "INSERT INTO cp_pad VALUES (1, 'ab  '), (2, '    '), (3, NULL), (4, '끝   ')" \
        -c "CREATE TABLE cp_trim AS SELECT id, c::text AS c FROM cp" \
        -c "ALTER TABLE cp_trim ADD PRIMARY KEY (id)"
    verify --source "$PG" --target "$PG" --table cp:cp_pad
    if [ "$RC" != 0 ]; then fail char_padding "padded text: exit $RC, expected 0"; return; fi
    verify --source "$PG" --target "$PG" --table cp:cp_trim --json
    local got
    got=$(json 'sorted(d["key"]["id"] for d in r["tables"][0]["differences"])')
    if [ "$RC" != 1 ] || [ "$got" != "['1', '2', '4']" ]; then
        fail char_padding "trimmed text: exit $RC, differing ids $got, expected 1, 2, 4"; return
    fi
    pass char_padding
}

# 200k rows, PostgreSQL to MariaDB: equal, then one row changed in the
# middle is found. Prints rows/s (not asserted).
t_200k() {
    pg -c "DROP TABLE IF EXISTS big" \
        -c "CREATE TABLE big (id bigint PRIMARY KEY, v text, n numeric(12,2), t timestamp(3))" \
        -c "INSERT INTO big SELECT i, 'row ' || i, i / 100.0, '2020-01-01'::timestamp + i * interval '1 millisecond' FROM generate_series(1, 200000) i"
    my -e "DROP TABLE IF EXISTS big; CREATE TABLE big (id BIGINT PRIMARY KEY, v LONGTEXT,
        n DECIMAL(12,2), t DATETIME(3)) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
        INSERT INTO big SELECT seq, CONCAT('row ', seq), seq / 100,
        '2020-01-01' + INTERVAL seq * 1000 MICROSECOND FROM seq_1_to_200000"
    verify --source "$PG" --target "$MY" --table big --json
    if [ "$RC" != 0 ]; then fail 200k "exit $RC, expected 0"; return; fi
    echo "    200k rows PostgreSQL -> MariaDB: $(json 'round(r["tables"][0]["seconds"], 2)') s, $(json 'int(400000 / r["tables"][0]["seconds"])') rows/s (both sides)"
    my -e "UPDATE big SET v = 'different' WHERE id = 123457"
    verify --source "$PG" --target "$MY" --table big --json
    if [ "$RC" != 1 ] ||
        [ "$(json '[(d["kind"], d["key"]["id"]) for d in r["tables"][0]["differences"]]')" != "[('changed', '123457')]" ]; then
        fail 200k "the changed row was not found alone"; return
    fi
    echo "    one changed row found in $(json 'round(r["tables"][0]["seconds"], 2)') s"
    pass 200k
}

t_exit_codes() {
    pg -c "DROP TABLE IF EXISTS nokey" -c "CREATE TABLE nokey (a int)"
    verify --source "$PG" --target "$PG" --table nokey
    if [ "$RC" != 2 ]; then fail exit_codes "no key: exit $RC, expected 2"; return; fi
    verify --source "$PG" --target "$PG" --table nokey --key a
    if [ "$RC" != 0 ]; then fail exit_codes "--key: exit $RC, expected 0"; return; fi
    verify --source "$PG" --target "$PG" --table vt:no_such_table
    if [ "$RC" != 1 ] || ! grep -q 'no table in the target: no_such_table' "$OUT/out"; then
        fail exit_codes "missing table: exit $RC, expected 1"; return
    fi
    verify --source "$PG" --target "postgresql://kferry@127.0.0.1:1/kferry" --table vt
    if [ "$RC" != 3 ]; then fail exit_codes "unreachable: exit $RC, expected 3"; return; fi
    pass exit_codes
}

shift 3
CASES=${*:-types_pg_pg types_pg_mariadb differences_pg differences_mariadb composite char_padding 200k exit_codes}
setup_types
pg_view_for_mariadb
for c in $CASES; do
    "t_$c"
done
[ "$FAILED" -eq 0 ]
