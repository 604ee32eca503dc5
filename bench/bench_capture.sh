#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_capture.sh: change data capture from PostgreSQL (or, with
# --db mariadb, MariaDB) to PostgreSQL through Kafka, kferry (capture ->
# topic -> sink) against Debezium 3.2 (the source's connector -> topic ->
# JDBC sink, each in a Kafka Connect 3.9.1 standalone worker), in one
# invocation against one broker and one PostgreSQL server (a target
# database per pipeline; the source database too, or a MariaDB server's)
# that this script starts and stops. Reports the change events per second
# of a backlog source to target (and into Kafka alone), the commit-to-apply
# latency (p50, p99) at a fixed rate, the peak RSS of each process, and the
# ratios against Debezium. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=bench_capture.sh
source "$ROOT/bench/lib.sh"
DB_SH=$ROOT/scripts/db/db.sh
CONNECT_SH=$ROOT/scripts/kafka/connect.sh

usage() {
    cat <<USAGE
Usage: bench/bench_capture.sh [options]

Steps, in order:
  backlog  pgbench writes --events inserts into table ev (--rows-per-tx rows
           a transaction, 2 clients) after each pipeline's replication slot
           was created: every pipeline starts with the same backlog. With
           --db mariadb two mariadb clients write them, each pipeline
           starting at the binlog position before them (kferry: an offsets
           record written there; Debezium: snapshot.mode=never, the binlog
           from its beginning, which holds the tables' creation and little
           else)
  kfcap    kferry capture alone (own slot) until idle: events/s into Kafka
  kferry   kferry sink, then kferry capture (no snapshot): events/s from the
           capture's start until the target's ev holds every row
  dbz      Debezium's JDBC sink worker, then its PostgreSQL connector worker
           (snapshot.mode=no_data; MariaDB: its MariaDB connector,
           snapshot.mode=never): events/s from the source connector
           RUNNING until the target's ev holds every row; its topic's end
           offset gives the capture alone
  latency  both pipelines still running, pgbench (MariaDB: two paced mariadb
           clients) inserts into table lat at
           --rate transactions/s for --duration s; each row carries its
           source commit time, each target row its apply time (below)

Options:
  --db KIND        the source, postgres (default) or mariadb
  --events N       backlog change events (default 200000; a multiple of
                   2 x --rows-per-tx)
  --rows-per-tx N  rows inserted by each backlog transaction (default 10)
  --rate N         latency workload, transactions/s (default: 500, or a
                   fifth of the slower pipeline's events/s if that is less)
  --duration S     latency workload, seconds (default 60)
  --build DIR      directory holding the kferry binary (default: build)
  --capture-set K=V  pass -o K=V to both kferry capture runs (repeatable)
  --sink-set K=V   pass -o K=V to kferry sink (repeatable)
  --keep           keep the scratch directory
  --out FILE       JSON report (default bench/out/capture.json, with
                   --db mariadb bench/out/capture-mariadb.json)
  -h, --help       this text
Environment: KF_BENCH_TMP (scratch root, default /tmp, on disk).
USAGE
}

DB=postgres
EVENTS=200000
ROWS_PER_TX=10
RATE=
DURATION=60
BUILD=build
KEEP=0
OUT=
TMPROOT=${KF_BENCH_TMP:-/tmp}
PARTITIONS=1
IDLE_S=2
# a pipeline that has not applied the backlog by then has failed
LIMIT_S=1800
CAPTURE_SET=()
SINK_SET=()

while [[ $# -gt 0 ]]; do
    case $1 in
    --db) need_arg "$@"; DB=$2; shift 2 ;;
    --events) need_arg "$@"; EVENTS=$2; shift 2 ;;
    --rows-per-tx) need_arg "$@"; ROWS_PER_TX=$2; shift 2 ;;
    --rate) need_arg "$@"; RATE=$2; shift 2 ;;
    --duration) need_arg "$@"; DURATION=$2; shift 2 ;;
    --build) need_arg "$@"; BUILD=$2; shift 2 ;;
    --capture-set) need_arg "$@"; CAPTURE_SET+=(-o "$2"); shift 2 ;;
    --sink-set) need_arg "$@"; SINK_SET+=(-o "$2"); shift 2 ;;
    --keep) KEEP=1; shift ;;
    --out) need_arg "$@"; OUT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done
for v in EVENTS ROWS_PER_TX DURATION ${RATE:+RATE}; do
    [[ ${!v} =~ ^[1-9][0-9]{0,8}$ ]] || die "--${v,,}: not a positive integer: ${!v}"
done
((EVENTS % (2 * ROWS_PER_TX) == 0)) || die "--events: $EVENTS is not a multiple of 2 x --rows-per-tx"
# SCHEMA: the middle of the topics' names (Debezium's and kferry's, the
# source's schema or database); FETCH: fetch.sh's option for the plugins
case $DB in
postgres)
    SRC_NAME="PostgreSQL 15" SCHEMA=public FETCH=--debezium CLIENTS="psql pgbench"
    AIM="aim (issue 14): events/s ratio >= 3, kferry p99 < 500 ms, RSS ratio <= 0.1"
    OUT=${OUT:-$ROOT/bench/out/capture.json} ;;
mariadb)
    SRC_NAME="MariaDB 10.11" SCHEMA=kferry FETCH=--debezium-mariadb CLIENTS="psql mariadb"
    AIM="aim (issue 15): events/s ratio >= 3"
    OUT=${OUT:-$ROOT/bench/out/capture-mariadb.json} ;;
*) die "--db: postgres or mariadb, not '$DB'" ;;
esac
REFERENCE="Debezium 3.2 ${SRC_NAME% *} connector + JDBC sink"
bench_paths
for c in $CLIENTS kcat java curl; do
    command -v "$c" >/dev/null || die "$c is needed (scripts/setup.sh)"
done

bench_scratch kferry-bench-capture $((2048 * mib + EVENTS * 4000))
# the server runs as its own user when we are root: it must reach $SCRATCH/db
chmod o+x "$SCRATCH"
# the Connect workers and the database server go with the scratch directory
trap 'rc=$?; for w in dbz-src dbz-sink; do "$CONNECT_SH" stop "$SCRATCH/$w" >/dev/null 2>&1 || true; done
      for d in db mdb; do "$DB_SH" stop "$SCRATCH/$d" >/dev/null 2>&1 || true; done
      (exit $rc); bench__cleanup' EXIT

plugins=$("$ROOT/scripts/kafka/fetch.sh" "$FETCH" 2>"$SCRATCH/fetch-dbz.log") ||
    { tail -n 5 "$SCRATCH/fetch-dbz.log" >&2; die "no Debezium plugins"; }
bench_broker_start
bench_txn_warmup
OFFSETS=kferry.capture.bench
"$BROKER_SH" topic "$BDIR" create "$OFFSETS" --partitions 1 --config cleanup.policy=compact >/dev/null
for t in kfa.$SCHEMA.ev kfp.$SCHEMA.ev kfp.$SCHEMA.lat dbz.$SCHEMA.ev dbz.$SCHEMA.lat; do
    "$BROKER_SH" topic "$BDIR" create "$t" --partitions "$PARTITIONS" >/dev/null
done

say "starting PostgreSQL"
"$DB_SH" start postgres "$SCRATCH/db" >"$SCRATCH/db-start.log" 2>&1 ||
    { cat "$SCRATCH/db-start.log" >&2; die "PostgreSQL did not start"; }
URL=$("$DB_SH" url "$SCRATCH/db")
JDBC=$("$DB_SH" jdbc "$SCRATCH/db")
KF_URL=${URL%/*}/kferry_kf
PGPORT=$(cat "$SCRATCH/db/port")
# sql [-d DB] STATEMENT: its result, one row a line, fields tab-separated
sql() {
    local db=()
    [[ $1 != -d ]] || { db=(-d "$2"); shift 2; }
    "$DB_SH" sql "$SCRATCH/db" "${db[@]}" -qtAX -F $'\t' -v ON_ERROR_STOP=1 -c "$1"
}
# seconds since t0 (from date +%s.%N)
since() { calc "$(date +%s.%N) - $1" 3; }
pgb() { pgbench -n -h 127.0.0.1 -p "$PGPORT" -U kferry "$@" kferry; }

# The source: PostgreSQL's database kferry of that server, or a MariaDB
# server's. src_sql STATEMENT: as sql, in the source database. SRC_URL:
# kferry capture's --db; NOW_US_SRC: the source's clock in microseconds
# since the epoch (a row's commit time, as each statement is a transaction).
if [[ $DB == mariadb ]]; then
    say "starting MariaDB"
    "$DB_SH" start mariadb "$SCRATCH/mdb" >"$SCRATCH/mdb-start.log" 2>&1 ||
        { cat "$SCRATCH/mdb-start.log" >&2; die "MariaDB did not start"; }
    SRC_URL=$("$DB_SH" url "$SCRATCH/mdb")
    MDBPORT=$(cat "$SCRATCH/mdb/port")
    src_sql() { "$DB_SH" sql "$SCRATCH/mdb" -N -B -e "$1"; }
    NOW_US_SRC='CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)'
else
    SRC_URL=$URL
    src_sql() { sql "$1"; }
fi

# The source tables, and the same in each target with the apply time: a
# column default, evaluated when the sink's statement writes the row (both
# sinks name the columns they write, so the default fills it).
EV_COLS='id bigint PRIMARY KEY, acct int NOT NULL, amount numeric(12,2) NOT NULL, note text'
LAT_COLS='id bigint PRIMARY KEY, src_us bigint NOT NULL, pad text'
NOW_US='(extract(epoch FROM clock_timestamp()) * 1000000)::bigint'
# the targets' sums and the source's: equal when the rows are
SUM_PG="count(*), sum(acct), sum(amount), md5(string_agg(note, '' ORDER BY id))"
if [[ $DB == mariadb ]]; then
    src_sql "CREATE TABLE ev (id BIGINT AUTO_INCREMENT PRIMARY KEY, acct INT NOT NULL,
        amount DECIMAL(12,2) NOT NULL, note TEXT) ENGINE=InnoDB;
    CREATE TABLE lat (id BIGINT AUTO_INCREMENT PRIMARY KEY, src_us BIGINT NOT NULL, pad TEXT) ENGINE=InnoDB"
    # each kferry pipeline starts at the position before the backlog: its
    # offsets record (docs/cdc.md 10.5) says so, as if it had streamed
    # everything before
    read -r bl_file bl_pos _ < <(src_sql "SHOW MASTER STATUS")
    bl_gtid=$(src_sql "SELECT @@gtid_binlog_pos")
    for s in kfa kfp; do
        printf 'mariadb/%s\t{"v":1,"source":"mariadb","name":"%s","db":"kferry","gtid":"%s","file":"%s","pos":%s,"ts_ms":%s,"snapshot":null}\n' \
            "$s" "$s" "$bl_gtid" "$bl_file" "$bl_pos" "$(date +%s000)"
    done | kcat -P -b "$BS" -t "$OFFSETS" -K $'\t' || die "could not write the offsets records"
else
    sql "CREATE SEQUENCE ev_id; CREATE SEQUENCE lat_id;
CREATE TABLE ev ($EV_COLS); ALTER TABLE ev ALTER id SET DEFAULT nextval('ev_id');
CREATE TABLE lat ($LAT_COLS); ALTER TABLE lat ALTER id SET DEFAULT nextval('lat_id')" >/dev/null
    NOW_US_SRC=$NOW_US
fi
sql "CREATE DATABASE kferry_kf" >/dev/null
sql "CREATE DATABASE kferry_dbz" >/dev/null
# kferry sink writes table ${table}; Debezium's JDBC sink the topic's name
# with '_' for '.' (its default collection.name.format, ${topic})
DBZ_EV=dbz_${SCHEMA}_ev
DBZ_LAT=dbz_${SCHEMA}_lat
sql -d kferry_kf "CREATE TABLE ev ($EV_COLS);
CREATE TABLE lat ($LAT_COLS, applied_us bigint DEFAULT $NOW_US)" >/dev/null
sql -d kferry_dbz "CREATE TABLE $DBZ_EV ($EV_COLS);
CREATE TABLE $DBZ_LAT ($LAT_COLS, applied_us bigint DEFAULT $NOW_US)" >/dev/null
if [[ $DB == postgres ]]; then
    # one slot per pipeline (and one for the capture alone), made before
    # the backlog: each streams the same changes
    sql "CREATE PUBLICATION kfa_pub FOR TABLE ev; CREATE PUBLICATION kfp_pub FOR TABLE ev, lat;
CREATE PUBLICATION dbz_pub FOR TABLE ev, lat" >/dev/null
    for s in kfa kfp dbz; do
        sql "SELECT pg_create_logical_replication_slot('$s', 'pgoutput')" >/dev/null
    done
fi

# mdb_clients FILE...: the statements of each FILE through its own
# mariadb client, all at once; fails if one does.
mdb_clients() {
    local f pids=() p rc=0
    for f in "$@"; do
        "$DB_SH" sql "$SCRATCH/mdb" <"$f" >"$f.log" 2>&1 &
        pids+=("$!")
    done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    return "$rc"
}

# 1. the backlog
say "backlog: $EVENTS inserts, $ROWS_PER_TX a transaction"
t0=$(date +%s.%N)
if [[ $DB == mariadb ]]; then
    # autocommit: a statement is a transaction of ROWS_PER_TX rows (the
    # sequence engine's seq_1_to_N table), half of them each client's
    for c in 1 2; do
        awk -v n=$((EVENTS / ROWS_PER_TX / 2)) -v s="INSERT INTO ev (acct, amount, note) SELECT
            FLOOR(RAND() * 100000), ROUND(RAND() * 1000000, 2), MD5(RAND()) FROM seq_1_to_$ROWS_PER_TX;" \
            'BEGIN { gsub(/\n */, " ", s); for (i = 0; i < n; i++) print s }' >"$SCRATCH/backlog$c.sql"
    done
    mdb_clients "$SCRATCH/backlog1.sql" "$SCRATCH/backlog2.sql" ||
        { tail -n 5 "$SCRATCH"/backlog?.sql.log >&2; die "the backlog's clients failed"; }
else
    cat >"$SCRATCH/backlog.sql" <<'SQL'
INSERT INTO ev (acct, amount, note)
SELECT (random() * 100000)::int, round((random() * 1000000)::numeric, 2), md5(random()::text)
FROM generate_series(1, :rows);
SQL
    pgb -c 2 -j 2 -t $((EVENTS / ROWS_PER_TX / 2)) -D rows="$ROWS_PER_TX" -f "$SCRATCH/backlog.sql" \
        >"$SCRATCH/backlog.log" 2>&1 || { tail -n 5 "$SCRATCH/backlog.log" >&2; die "pgbench (backlog) failed"; }
fi
backlog_s=$(since "$t0")
n=$(src_sql "SELECT count(*) FROM ev")
[[ $n == "$EVENTS" ]] || die "the backlog wrote $n rows, not $EVENTS"
if [[ $DB == mariadb ]]; then
    SRC_SUM=$(src_sql "SET SESSION group_concat_max_len = 1073741824;
        SELECT count(*), sum(acct), sum(amount), md5(group_concat(note ORDER BY id SEPARATOR '')) FROM ev")
else
    SRC_SUM=$(sql "SELECT $SUM_PG FROM ev")
fi

# 2. kferry capture alone, until idle (the idle time not counted)
say "kferry capture alone"
t0=$(date +%s.%N)
run_bg /usr/bin/time -v -o "$SCRATCH/kfa.time" "$KF" capture -b "$BS" --db "$SRC_URL" \
    -o capture.offsets_topic="$OFFSETS" --snapshot never --slot kfa --topic-prefix kfa \
    --tables "$SCHEMA.ev" --idle-exit "$IDLE_S" --json "${CAPTURE_SET[@]}" >"$SCRATCH/kfa.json" 2>"$SCRATCH/kfa.log" ||
    { tail -n 5 "$SCRATCH/kfa.log" >&2; die "kferry capture (alone) failed"; }
kfa_s=$(calc "$(since "$t0") - $IDLE_S" 3)
kfa_rss=$(calc "$(time_field "$SCRATCH/kfa.time" 'Maximum resident set size') / 1024" 1)
kfa_events=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["events"])' "$SCRATCH/kfa.json")
[[ $kfa_events == "$EVENTS" ]] || die "kferry capture (alone) wrote $kfa_events events, not $EVENTS"

# wait_rows DB TABLE N WHAT [TOPIC]: polls TABLE of DB every 100 ms until
# it holds N rows; sets done_s (seconds since t0) and, with TOPIC, topic_s:
# when TOPIC's end offset first reached N (a topic without transactions:
# one offset per event). Fails after LIMIT_S or when a PID of PIDS died.
wait_rows() {
    local n end p
    topic_s=
    while :; do
        if [[ -n ${5:-} && -z $topic_s ]]; then
            end=$(kcat -b "$BS" -Q -t "$5:0:-1" 2>/dev/null | awk '{ print $NF }')
            [[ ${end:-0} -lt $3 ]] || topic_s=$(since "$t0")
        fi
        n=$(sql -d "$1" "SELECT count(*) FROM $2")
        [[ $n != "$3" ]] || break
        (($(calc "$(since "$t0") > $LIMIT_S" 0))) && die "$4 applied $n of $3 rows in $LIMIT_S s"
        for p in "${PIDS[@]}"; do
            kill -0 "$p" 2>/dev/null || die "$4: pid $p exited after $n rows (logs in $SCRATCH)"
        done
        sleep 0.1
    done
    done_s=$(since "$t0")
}

# 3. the kferry pipeline, left running for the latency step
say "kferry pipeline: sink, then capture"
"$KF" sink -b "$BS" -t "kfp.$SCHEMA.ev,kfp.$SCHEMA.lat" -g bench --db "$KF_URL" \
    --table-format '${table}' "${SINK_SET[@]}" >"$SCRATCH/kfsink.out" 2>"$SCRATCH/kfsink.log" &
KFSINK_PID=$!
PIDS+=("$KFSINK_PID")
t0=$(date +%s.%N)
"$KF" capture -b "$BS" --db "$SRC_URL" -o capture.offsets_topic="$OFFSETS" --snapshot never \
    --slot kfp --topic-prefix kfp --tables "$SCHEMA.ev,$SCHEMA.lat" "${CAPTURE_SET[@]}" \
    >"$SCRATCH/kfcap.out" 2>"$SCRATCH/kfcap.log" &
KFCAP_PID=$!
PIDS+=("$KFCAP_PID")
wait_rows kferry_kf ev "$EVENTS" "the kferry pipeline"
kf_s=$done_s

# 4. the Debezium pipeline, left running too
connector() { # NAME FILE [PROPERTY...]: Connect worker NAME, its connector's properties FILE
    local name=$1 file=$2
    shift 2
    printf '%s\n' "$@" >"$file"
    "$CONNECT_SH" start "$SCRATCH/$name" --bootstrap "$BS" --connector "$file" \
        --prop plugin.path="$plugins" >"$SCRATCH/$name-start.log" 2>&1 ||
        { tail -n 20 "$SCRATCH/$name-start.log" >&2; die "the Connect worker $name did not start"; }
}
say "Debezium pipeline: JDBC sink worker, then $SRC_NAME connector worker"
connector dbz-sink "$SCRATCH/dbz-sink.properties" name=bench-dbz-jdbc \
    connector.class=io.debezium.connector.jdbc.JdbcSinkConnector tasks.max=1 \
    "topics=dbz.$SCHEMA.ev,dbz.$SCHEMA.lat" "connection.url=${JDBC%/*}/kferry_dbz" \
    connection.username=kferry connection.password=unused insert.mode=upsert \
    primary.key.mode=record_key schema.evolution=none
if [[ $DB == mariadb ]]; then
    # its own replica id; the schema history (the binlog's DDL) in a topic
    connector dbz-src "$SCRATCH/dbz-src.properties" name=bench-dbz-mariadb \
        connector.class=io.debezium.connector.mariadb.MariaDbConnector tasks.max=1 \
        database.hostname=127.0.0.1 "database.port=$MDBPORT" database.user=kferry \
        database.password= database.server.id=5400 topic.prefix=dbz \
        database.include.list=kferry table.include.list=kferry.ev,kferry.lat snapshot.mode=never \
        "schema.history.internal.kafka.bootstrap.servers=$BS" schema.history.internal.kafka.topic=dbz.history
else
    connector dbz-src "$SCRATCH/dbz-src.properties" name=bench-dbz-pg \
        connector.class=io.debezium.connector.postgresql.PostgresConnector tasks.max=1 \
        database.hostname=127.0.0.1 "database.port=$PGPORT" database.user=kferry \
        database.dbname=kferry topic.prefix=dbz plugin.name=pgoutput slot.name=dbz \
        publication.name=dbz_pub publication.autocreate.mode=disabled \
        table.include.list=public.ev,public.lat snapshot.mode=no_data
fi
# it may have begun before it was seen RUNNING: that counts for it
t0=$(date +%s.%N)
PIDS+=("$(cat "$SCRATCH/dbz-sink/pid")" "$(cat "$SCRATCH/dbz-src/pid")")
wait_rows kferry_dbz "$DBZ_EV" "$EVENTS" "the Debezium pipeline" "dbz.$SCHEMA.ev"
dbz_s=$done_s
dbz_cap_s=${topic_s:-$done_s}

while read -r db table; do
    s=$(sql -d "$db" "SELECT $SUM_PG FROM $table")
    [[ $s == "$SRC_SUM" ]] || die "$db.$table differs from the source: $s against $SRC_SUM"
done <<<"kferry_kf ev
kferry_dbz $DBZ_EV"

# 5. latency: both pipelines apply the same workload at once, at a rate
# well below both maxima: a fifth of the slower one's backlog events/s, as
# each transaction here holds one row, and a transaction costs a pipeline
# more than a row (at half, Debezium's latency grew through the run)
[[ -n $RATE ]] || RATE=$(calc "max(1, min(500, min($EVENTS / $kf_s, $EVENTS / $dbz_s) / 5))" 0)
say "latency: $RATE tx/s for $DURATION s"
if [[ $DB == mariadb ]]; then
    # two clients at half the rate each, as pgbench -c 2 -R: a pacer
    # writes each statement when it is due, the client runs it then
    # (autocommit: NOW(6) is the commit's time within microseconds)
    paced() {
        python3 -c 'import sys, time
rate, dur, stmt = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3] + "\n"
t0, n = time.monotonic(), 0
while n / rate < dur:
    d = t0 + n / rate - time.monotonic()
    if d > 0:
        time.sleep(d)
    sys.stdout.write(stmt)
    sys.stdout.flush()
    n += 1' "$(calc "$RATE / 2" 3)" "$DURATION" "INSERT INTO lat (src_us, pad) VALUES ($NOW_US_SRC, MD5(RAND()));"
    }
    pacers=()
    for c in 1 2; do
        mkfifo "$SCRATCH/lat$c.sql"
        paced >"$SCRATCH/lat$c.sql" &
        pacers+=("$!")
    done
    mdb_clients "$SCRATCH/lat1.sql" "$SCRATCH/lat2.sql" ||
        { tail -n 5 "$SCRATCH"/lat?.sql.log >&2; die "the latency workload's clients failed"; }
    for c in "${pacers[@]}"; do wait "$c" || die "the latency workload's pacer failed"; done
else
    cat >"$SCRATCH/lat.sql" <<SQL
INSERT INTO lat (src_us, pad) VALUES ($NOW_US, md5(random()::text));
SQL
    pgb -c 2 -j 2 -R "$RATE" -T "$DURATION" -f "$SCRATCH/lat.sql" >"$SCRATCH/lat.log" 2>&1 ||
        { tail -n 5 "$SCRATCH/lat.log" >&2; die "pgbench (latency) failed"; }
fi
LAT_N=$(src_sql "SELECT count(*) FROM lat")
t0=$(date +%s.%N)
wait_rows kferry_kf lat "$LAT_N" "the kferry pipeline (latency)"
wait_rows kferry_dbz "$DBZ_LAT" "$LAT_N" "the Debezium pipeline (latency)"
# percentiles of apply - commit, in ms: "p50 p99 max"
lat_of() {
    sql -d "$1" "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY d)::numeric / 1000, 1),
        round(percentile_cont(0.99) WITHIN GROUP (ORDER BY d)::numeric / 1000, 1),
        round(max(d)::numeric / 1000, 1) FROM (SELECT applied_us - src_us AS d FROM $2) x" | tr '\t' ' '
}
read -r kf_p50 kf_p99 kf_max < <(lat_of kferry_kf lat)
read -r dbz_p50 dbz_p99 dbz_max < <(lat_of kferry_dbz "$DBZ_LAT")
lat_rate=$(calc "$LAT_N / $DURATION" 1)

# 6. peak RSS of each process (MiB), then stop them
hwm() { calc "$(awk '/^VmHWM/ { print $2 }' "/proc/$1/status") / 1024" 1; }
kfcap_rss=$(hwm "$KFCAP_PID")
kfsink_rss=$(hwm "$KFSINK_PID")
dbzsrc_rss=$(hwm "$(cat "$SCRATCH/dbz-src/pid")")
dbzsink_rss=$(hwm "$(cat "$SCRATCH/dbz-sink/pid")")
kf_rss=$(calc "$kfcap_rss + $kfsink_rss" 1)
dbz_rss=$(calc "$dbzsrc_rss + $dbzsink_rss" 1)

kf_eps=$(calc "$EVENTS / $kf_s" 1)
dbz_eps=$(calc "$EVENTS / $dbz_s" 1)
kfa_eps=$(calc "$EVENTS / $kfa_s" 1)
dbzc_eps=$(calc "$EVENTS / $dbz_cap_s" 1)
mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<JSON
{"events": $EVENTS, "rows_per_tx": $ROWS_PER_TX, "backlog_seconds": $backlog_s,
 "capture_set": "${CAPTURE_SET[*]}", "sink_set": "${SINK_SET[*]}",
 "source": "$SRC_NAME", "reference": "$REFERENCE, Kafka Connect 3.9.1 standalone",
 "capture_alone": {"kferry": {"seconds": $kfa_s, "events_per_s": $kfa_eps, "peak_rss_mib": $kfa_rss},
                   "debezium": {"seconds": $dbz_cap_s, "events_per_s": $dbzc_eps}},
 "pipeline": {"kferry": {"seconds": $kf_s, "events_per_s": $kf_eps},
              "debezium": {"seconds": $dbz_s, "events_per_s": $dbz_eps}},
 "latency": {"rate_tx_per_s": $RATE, "achieved_tx_per_s": $lat_rate, "duration_s": $DURATION, "rows": $LAT_N,
             "kferry_ms": {"p50": $kf_p50, "p99": $kf_p99, "max": $kf_max},
             "debezium_ms": {"p50": $dbz_p50, "p99": $dbz_p99, "max": $dbz_max}},
 "peak_rss_mib": {"kferry_capture": $kfcap_rss, "kferry_sink": $kfsink_rss, "kferry": $kf_rss,
                  "debezium_source_worker": $dbzsrc_rss, "debezium_sink_worker": $dbzsink_rss, "debezium": $dbz_rss},
 "ratio_events_per_s": $(calc "$kf_eps / $dbz_eps" 3),
 "ratio_capture_alone_events_per_s": $(calc "$kfa_eps / $dbzc_eps" 3),
 "ratio_p99": $(calc "$kf_p99 / max($dbz_p99, 0.1)" 3),
 "ratio_peak_rss": $(calc "$kf_rss / $dbz_rss" 3)}
JSON
{
    echo "kferry capture benchmark  $(date -u +%FT%TZ)  host $(hostname), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "  $SRC_NAME source -> Kafka 3.9.1 (1 node, $PARTITIONS partition a topic) -> PostgreSQL 15 target (other database)"
    echo "  reference: $REFERENCE (upsert), Connect 3.9.1 standalone, 2 workers"
    echo "  kferry options: capture ${CAPTURE_SET[*]:-(defaults)}; sink ${SINK_SET[*]:-(defaults)}"
    echo "  backlog: $EVENTS inserts, $ROWS_PER_TX a transaction (2 clients, $backlog_s s)"
    printf '%-34s %12s %12s %8s\n' "" kferry Debezium ratio
    printf '%-34s %12s %12s %8s\n' "pipeline events/s (source->target)" "$kf_eps" "$dbz_eps" "$(calc "$kf_eps / $dbz_eps" 2)"
    printf '%-34s %12s %12s %8s\n' "capture alone events/s (->Kafka)" "$kfa_eps" "$dbzc_eps" "$(calc "$kfa_eps / $dbzc_eps" 2)"
    printf '%-34s %12s %12s %8s\n' "latency p50 ms @ $lat_rate tx/s" "$kf_p50" "$dbz_p50" "$(calc "$kf_p50 / max($dbz_p50, 0.1)" 2)"
    printf '%-34s %12s %12s %8s\n' "latency p99 ms" "$kf_p99" "$dbz_p99" "$(calc "$kf_p99 / max($dbz_p99, 0.1)" 2)"
    printf '%-34s %12s %12s\n' "latency max ms" "$kf_max" "$dbz_max"
    printf '%-34s %12s %12s %8s\n' "peak RSS MiB (capture/source)" "$kfcap_rss" "$dbzsrc_rss" "$(calc "$kfcap_rss / $dbzsrc_rss" 3)"
    printf '%-34s %12s %12s %8s\n' "peak RSS MiB (sink)" "$kfsink_rss" "$dbzsink_rss" "$(calc "$kfsink_rss / $dbzsink_rss" 3)"
    printf '%-34s %12s %12s %8s\n' "peak RSS MiB (both sides)" "$kf_rss" "$dbz_rss" "$(calc "$kf_rss / $dbz_rss" 3)"
    echo "$AIM"
    echo "targets equal to the source in count, sum(acct), sum(amount), md5 of the notes in key order"
} | tee "${OUT%.json}.txt"
