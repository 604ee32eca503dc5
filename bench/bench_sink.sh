#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_sink.sh: a generated settlement CSV (bench/lib.sh gen_csv) into
# PostgreSQL or MariaDB through Kafka, exactly once (`kferry load`, then
# `kferry sink`), next to the server's own bulk load of the same file into a
# table of the same column types (`psql \copy`; MariaDB's `LOAD DATA LOCAL
# INFILE`), in one invocation against one broker and one database server
# that this script starts and stops (scripts/db/db.sh). Reports rows/s of
# each step, of load + sink end to end, the ratios against the reference,
# and the peak RSS of kferry sink; with --files K, the same rows as K
# files loaded one after another while one sink runs. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=bench_sink.sh
source "$ROOT/bench/lib.sh"
DB_SH=$ROOT/scripts/db/db.sh

usage() {
    cat <<USAGE
Usage: bench/bench_sink.sh [options]

Steps (all by default):
  copy   psql \\copy (MariaDB: LOAD DATA LOCAL INFILE) of the CSV into a
         table of the sink's column types (the reference: the server's own
         bulk path)
  load   kferry load --schema of the CSV into a topic (one transaction)
  sink   kferry sink of that topic into PostgreSQL (--create-table, exactly
         once: rows and offsets in one transaction per batch), until idle
  files  with --files K only: the CSV cut into K files, loaded one after
         another by kferry load into another topic while one kferry sink
         runs on it: rows/s from the start of the first load until the
         table holds every row (a stream of files, not one)
  parts  with --parts SIZE only: the one CSV loaded by kferry load with
         load.txn_max_bytes=SIZE (docs/records.md 3.4) into another topic
         while one kferry sink runs on it: the sink applies each part once
         committed, while the load reads the next; rows/s from the start
         of the load until the table holds every row
  before with --before DIR only: DIR's kferry sink (another build, e.g.
         main's) on the same topic into its own table, right after ours:
         rows/s and peak RSS of both in one run
  dbz    with --debezium only: Debezium 3.2's JDBC sink in Kafka Connect
         3.9.1 standalone on the same topic (insert, key from the record
         key, table created by schema.evolution=basic): rows/s from the
         connector RUNNING until the table holds every row, and the
         worker's peak RSS

Options:
  --rows N       rows of the CSV (default 1000000)
  --files K      add the files step with K files (2 or more)
  --parts SIZE   add the parts step with parts of SIZE (e.g. 8MiB)
  --db KIND      postgres (default) or mariadb
  --build DIR    directory holding the kferry binary (default: build)
  --sink-set K=V pass -o K=V to kferry sink (repeatable)
  --load-set K=V pass -o K=V to kferry load (repeatable)
  --avro         the records in Avro under a Schema Registry
                 (load.value_format = avro, docs/schemas.md), with an
                 Apicurio Registry this script starts and stops
  --before DIR   add the before step with DIR/kferry
  --debezium     add the dbz step (needs java; fetches the plugins once)
  --keep         keep the scratch directory
  --out FILE     JSON report (default bench/out/sink.json)
  -h, --help     this text
Environment: KF_BENCH_TMP (scratch root, default /tmp, on disk).
USAGE
}

ROWS=1000000
DBKIND=postgres
BUILD=build
KEEP=0
OUT=$ROOT/bench/out/sink.json
TMPROOT=${KF_BENCH_TMP:-/tmp}
PARTITIONS=4
SINK_SET=()
LOAD_SET=()
AVRO=0
DBZ=0
BEFORE=
FILES=0
PARTS=
IDLE_S=2

while [[ $# -gt 0 ]]; do
    case $1 in
    --rows) need_arg "$@"; ROWS=$2; shift 2 ;;
    --files) need_arg "$@"; FILES=$2; shift 2 ;;
    --parts) need_arg "$@"; PARTS=$2; shift 2 ;;
    --db) need_arg "$@"; DBKIND=$2; shift 2 ;;
    --build) need_arg "$@"; BUILD=$2; shift 2 ;;
    --sink-set) need_arg "$@"; SINK_SET+=(-o "$2"); shift 2 ;;
    --load-set) need_arg "$@"; LOAD_SET+=(-o "$2"); shift 2 ;;
    --avro) AVRO=1; shift ;;
    --keep) KEEP=1; shift ;;
    --debezium) DBZ=1; shift ;;
    --before) need_arg "$@"; BEFORE=$(cd "$2" && pwd) || die "--before: no directory $2"; shift 2 ;;
    --out) need_arg "$@"; OUT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "--rows: not a positive integer: $ROWS"
[[ $FILES == 0 || ($FILES =~ ^[1-9][0-9]*$ && $FILES -ge 2 && $FILES -le $ROWS) ]] ||
    die "--files: an integer from 2 to --rows, not $FILES"
case $DBKIND in
postgres) REF_NAME='psql \copy' ;;
mariadb) REF_NAME='LOAD DATA LOCAL INFILE' ;;
*) die "--db: postgres or mariadb, not '$DBKIND'" ;;
esac
bench_paths
[[ -z $BEFORE || -x $BEFORE/kferry ]] || die "--before: no $BEFORE/kferry"
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is needed for peak RSS"
[[ $DBKIND == mariadb ]] || command -v psql >/dev/null || die "psql is needed (scripts/setup.sh --with-db)"

bench_scratch kferry-bench-sink $((2048 * mib + ROWS * 3000))
# the server runs as its own user when we are root: it must reach $SCRATCH/db
chmod o+x "$SCRATCH"
# the database server, the registry and the Connect worker go with the
# scratch directory, then bench__cleanup stops the broker and the
# processes in PIDS, whatever the exit status: errexit is off here, or a
# failing step (a die) would end the trap before the broker's stop
REG_SH=$ROOT/scripts/kafka/registry.sh
CONNECT_SH=$ROOT/scripts/kafka/connect.sh
CONNECT_UP=0
sink_cleanup() {
    local rc=$?
    set +e
    ((CONNECT_UP)) && "$CONNECT_SH" stop "$SCRATCH/connect" >/dev/null 2>&1
    "$DB_SH" stop "$SCRATCH/db" >/dev/null 2>&1
    ((AVRO)) && "$REG_SH" stop "$SCRATCH/registry" >/dev/null 2>&1
    (exit "$rc")
    bench__cleanup
}
trap sink_cleanup EXIT

CSV=$SCRATCH/settle.csv
SCHEMA=$SCRATCH/settle.schema
settle_schema >"$SCHEMA"
say "generating $ROWS rows"
gen_csv "$ROWS" >"$CSV"

bench_broker_start
"$BROKER_SH" topic "$BDIR" create rows --partitions "$PARTITIONS" >/dev/null
"$BROKER_SH" topic "$BDIR" create kferry.loads --partitions 1 --config cleanup.policy=compact >/dev/null
bench_txn_warmup
VALUE_FORMAT=json
if ((AVRO)); then
    say "starting Apicurio Registry"
    "$REG_SH" start "$SCRATCH/registry" >"$SCRATCH/registry-start.log" 2>&1 ||
        { cat "$SCRATCH/registry-start.log" >&2; die "the registry did not start"; }
    VALUE_FORMAT=avro
    LOAD_SET+=(-o load.value_format=avro -o schema.registry.url="$(cat "$SCRATCH/registry/url")")
    SINK_SET+=(-o schema.registry.url="$(cat "$SCRATCH/registry/url")")
fi
say "starting $DBKIND"
"$DB_SH" start "$DBKIND" "$SCRATCH/db" >"$SCRATCH/db-start.log" 2>&1 ||
    { cat "$SCRATCH/db-start.log" >&2; die "$DBKIND did not start"; }
URL=$("$DB_SH" url "$SCRATCH/db")
# sql STATEMENT: its result, one row a line, fields tab-separated
if [[ $DBKIND == postgres ]]; then
    sql() { "$DB_SH" sql "$SCRATCH/db" -qtAX -c "$1"; }
else
    sql() { "$DB_SH" sql "$SCRATCH/db" --local-infile=1 -N -B -e "$1"; }
fi

# row_sum TABLE [HOURS]: the rows of TABLE and an order-independent sum
# of a hash of each whole row (every column), its approved_at moved back
# by HOURS: the CSV's times are local to the schema's zone (+09:00,
# bench/lib.sh) as the reference loads them, while the record holds the
# instant and the sink writes it in UTC (docs/sink.md 2.3)
row_sum() {
    local at=approved_at row
    [[ -n ${2:-} ]] && at="approved_at - INTERVAL '$2' HOUR"
    row="md5(concat_ws('|', id, merchant_no, settle_date, $at, amount, fee,
        currency, approval_no, customer, branch, memo))"
    if [[ $DBKIND == postgres ]]; then
        sql "SELECT count(*), sum(('x' || substr($row, 1, 15))::bit(60)::bigint) FROM $1"
    else
        sql "SELECT count(*), sum(CAST(conv(substr($row, 1, 15), 16, 10) AS UNSIGNED)) FROM $1"
    fi
}
# the zone's hours (bench/lib.sh's settle_schema)
TZ_HOURS=9

# seconds since t0 (from date +%s.%N)
since() { calc "$(date +%s.%N) - $1" 3; }

# 1. the reference: the server's bulk load into the column types kferry sink
# creates (docs/sink.md 2.3), with the same primary key
if [[ $DBKIND == postgres ]]; then
    sql "CREATE TABLE ref_copy (id bigint PRIMARY KEY, merchant_no text NOT NULL,
        settle_date date NOT NULL, approved_at timestamp(3) NOT NULL,
        amount numeric(15,2) NOT NULL, fee numeric(15,2), currency text NOT NULL,
        approval_no text NOT NULL, customer text, branch text, memo text)"
    REF_SQL="\\copy ref_copy FROM '$CSV' WITH (FORMAT csv, HEADER)"
else
    sql "CREATE TABLE ref_copy (id BIGINT PRIMARY KEY, merchant_no LONGTEXT NOT NULL,
        settle_date DATE NOT NULL, approved_at DATETIME(3) NOT NULL,
        amount DECIMAL(15,2) NOT NULL, fee DECIMAL(15,2), currency LONGTEXT NOT NULL,
        approval_no LONGTEXT NOT NULL, customer LONGTEXT, branch LONGTEXT, memo LONGTEXT)
        CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    # an empty field of an optional column is NULL, as kferry load reads it
    # (and as \copy's CSV does)
    REF_SQL="LOAD DATA LOCAL INFILE '$CSV' INTO TABLE ref_copy CHARACTER SET utf8mb4
        FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY ''
        LINES TERMINATED BY '\\n' IGNORE 1 LINES
        (id, merchant_no, settle_date, approved_at, amount, @fee, currency,
         approval_no, @customer, @branch, @memo) SET fee = NULLIF(@fee, ''),
        customer = NULLIF(@customer, ''), branch = NULLIF(@branch, ''),
        memo = NULLIF(@memo, '')"
fi
say "$REF_NAME of $ROWS rows"
t0=$(date +%s.%N)
sql "$REF_SQL"
copy_s=$(since "$t0")

# 2. kferry load
say "kferry load"
t0=$(date +%s.%N)
"$KF" load -q -b "$BS" -t rows --schema "$SCHEMA" --no-progress "${LOAD_SET[@]}" "$CSV" 2>"$SCRATCH/load.log" ||
    { tail -n 5 "$SCRATCH/load.log" >&2; die "kferry load failed"; }
load_s=$(since "$t0")

# sink_run KF TABLE GROUP NAME: KF sink of the topic into TABLE until it is
# idle for IDLE_S seconds (not counted); sets sink_s and sink_rss (MiB)
sink_run() {
    local t0
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$SCRATCH/$4.time" "$1" sink -b "$BS" -t rows -g "$3" --db "$URL" \
        --table "$2" --create-table --idle-exit "$IDLE_S" --json "${SINK_SET[@]}" \
        >"$SCRATCH/$4.json" 2>"$SCRATCH/$4.log" ||
        { tail -n 5 "$SCRATCH/$4.log" >&2; die "$1 sink failed"; }
    sink_s=$(calc "$(since "$t0") - $IDLE_S" 3)
    sink_rss=$(calc "$(time_field "$SCRATCH/$4.time" 'Maximum resident set size') / 1024" 1)
}

# 3. kferry sink
say "kferry sink"
sink_run "$KF" settle bench sink

n=$(sql "SELECT count(*) FROM settle")
[[ $n == "$ROWS" ]] || die "the sink's table holds $n rows, not $ROWS"
n=$(sql "SELECT count(*) FROM ref_copy")
[[ $n == "$ROWS" ]] || die "$REF_NAME loaded $n rows, not $ROWS"
b=$(row_sum ref_copy "$TZ_HOURS")
a=$(row_sum settle)
[[ $a == "$b" ]] || die "the sink's table differs from $REF_NAME's (rows, sum of row hashes): $a against $b"

# 3b. the sink of another build, right after
before_json=null
if [[ -n $BEFORE ]]; then
    say "kferry sink of $BEFORE"
    after_s=$sink_s after_rss=$sink_rss
    sink_run "$BEFORE/kferry" settle_before bench-before before
    before_s=$sink_s before_rss=$sink_rss sink_s=$after_s sink_rss=$after_rss
    a=$(row_sum settle_before)
    [[ $a == "$b" ]] || die "the before sink's table differs from $REF_NAME's: $a against $b"
    before_rps=$(calc "$ROWS / $before_s" 1)
    before_json="{\"build\": \"$BEFORE\", \"seconds\": $before_s, \"rows_per_s\": $before_rps, \"peak_rss_mib\": $before_rss}"
fi

# stream_run NAME FILE...: loads the FILEs into a topic NAME of their own
# (one after another, with the load options in STREAM_LOAD) while one
# kferry sink, started and assigned beforehand as a running sink is,
# applies them into table settle_NAME; from the start of the first load
# until the table holds every row (looked at every 0.2 s once the last
# load is done). Sets stream_s, stream_load_s, stream_rps, stream_rss.
stream_run() {
    local name=$1 pid i n f t0
    shift
    "$BROKER_SH" topic "$BDIR" create "$name" --partitions "$PARTITIONS" >/dev/null
    /usr/bin/time -v -o "$SCRATCH/$name-sink.time" "$KF" sink -b "$BS" -t "$name" -g "bench-$name" \
        --db "$URL" --table "settle_$name" --create-table --json "${SINK_SET[@]}" \
        >"$SCRATCH/$name-sink.json" 2>"$SCRATCH/$name-sink.log" &
    pid=$!
    PIDS+=("$pid")
    for ((i = 0; i < 600; i++)); do
        grep -q 'assigned [0-9]* partition' "$SCRATCH/$name-sink.log" && break
        kill -0 "$pid" 2>/dev/null || { tail -n 5 "$SCRATCH/$name-sink.log" >&2; die "the $name sink stopped"; }
        sleep 0.1
    done
    ((i < 600)) || die "the $name sink got no partitions in 60 s"
    t0=$(date +%s.%N)
    for f in "$@"; do
        "$KF" load -q -b "$BS" -t "$name" --schema "$SCHEMA" --no-progress --json "${LOAD_SET[@]}" "${STREAM_LOAD[@]}" "$f" \
            2>>"$SCRATCH/$name-load.log" >>"$SCRATCH/$name-load.json" || { tail -n 5 "$SCRATCH/$name-load.log" >&2; die "kferry load of $f failed"; }
    done
    stream_load_s=$(since "$t0")
    while n=$(sql "SELECT count(*) FROM settle_$name" 2>/dev/null || echo 0) && [[ $n != "$ROWS" ]]; do
        kill -0 "$pid" 2>/dev/null || { tail -n 5 "$SCRATCH/$name-sink.log" >&2; die "the $name sink stopped at $n rows"; }
        (($(calc "$(since "$t0") > 1800" 0))) && die "the $name sink wrote $n of $ROWS rows in 30 min"
        sleep 0.2
    done
    stream_s=$(since "$t0")
    # GNU time writes the peak RSS once kferry (its child) has stopped
    kill -TERM $(pgrep -P "$pid") 2>/dev/null || true
    wait "$pid" || true
    forget_pid "$pid"
    stream_rss=$(calc "$(time_field "$SCRATCH/$name-sink.time" 'Maximum resident set size') / 1024" 1)
    a=$(row_sum "settle_$name")
    [[ $a == "$b" ]] || die "the $name table differs from $REF_NAME's: $a against $b"
    stream_rps=$(calc "$ROWS / $stream_s" 1)
}

# 3c. a stream of files: the CSV cut into FILES files (each with its
# header)
files_json=null
if ((FILES)); then
    mkdir -p "$SCRATCH/files"
    tail -n +2 "$CSV" | split -l $(((ROWS + FILES - 1) / FILES)) -d -a 4 - "$SCRATCH/files/part."
    nfiles=0
    for f in "$SCRATCH"/files/part.*; do
        { head -n 1 "$CSV"; cat "$f"; } >"$f.csv"
        rm "$f"
        nfiles=$((nfiles + 1))
    done
    say "kferry sink while $nfiles files are loaded one after another"
    STREAM_LOAD=()
    stream_run files "$SCRATCH"/files/part.*.csv
    files_s=$stream_s files_load_s=$stream_load_s files_rps=$stream_rps files_rss=$stream_rss
    files_json="{\"files\": $nfiles, \"seconds\": $files_s, \"rows_per_s\": $files_rps, \"load_seconds\": $files_load_s, \"sink_peak_rss_mib\": $files_rss}"
fi

# 3d. the one file in parts of PARTS bytes, each applied once committed
parts_json=null
if [[ -n $PARTS ]]; then
    say "kferry sink while the file is loaded in parts of $PARTS"
    STREAM_LOAD=(-o "load.txn_max_bytes=$PARTS")
    stream_run parts "$CSV"
    parts_s=$stream_s parts_load_s=$stream_load_s parts_rps=$stream_rps parts_rss=$stream_rss
    nparts=$(grep -o '"parts":[0-9]*' "$SCRATCH/parts-load.json" | cut -d: -f2)
    parts_json="{\"txn_max_bytes\": \"$PARTS\", \"parts\": $nparts, \"seconds\": $parts_s, \"rows_per_s\": $parts_rps, \"load_seconds\": $parts_load_s, \"sink_peak_rss_mib\": $parts_rss}"
fi

# 4. Debezium's JDBC sink on the same topic, into its own table
dbz_json=null
if ((DBZ)); then
    plugins=$("$ROOT/scripts/kafka/fetch.sh" --debezium 2>"$SCRATCH/fetch-dbz.log") ||
        { tail -n 5 "$SCRATCH/fetch-dbz.log" >&2; die "no Debezium plugins"; }
    cat >"$SCRATCH/jdbc.properties" <<PROPS
name=bench-dbz-jdbc
connector.class=io.debezium.connector.jdbc.JdbcSinkConnector
tasks.max=1
topics=rows
connection.url=$("$DB_SH" jdbc "$SCRATCH/db")
connection.username=kferry
connection.password=unused
insert.mode=insert
primary.key.mode=record_key
schema.evolution=basic
collection.name.format=settle_dbz
PROPS
    CONNECT_UP=1
    say "Debezium JDBC sink"
    "$CONNECT_SH" start "$SCRATCH/connect" --bootstrap "$BS" --connector "$SCRATCH/jdbc.properties" \
        --prop plugin.path="$plugins" >"$SCRATCH/connect-start.log" 2>&1 ||
        { tail -n 20 "$SCRATCH/connect-start.log" >&2; die "the Connect worker did not start"; }
    t0=$(date +%s.%N)
    # it may have begun before it was seen RUNNING: that counts for it
    while :; do
        n=$(sql "SELECT count(*) FROM settle_dbz" 2>/dev/null || echo 0)
        [[ $n != "$ROWS" ]] || break
        (($(calc "$(since "$t0") > 1800" 0))) && die "Debezium's JDBC sink wrote $n of $ROWS rows in 30 min"
        "$CONNECT_SH" status "$SCRATCH/connect" >/dev/null 2>&1 ||
            die "Debezium's JDBC sink failed after $n rows: $("$CONNECT_SH" status "$SCRATCH/connect" 2>&1 | head -n 5)"
        sleep 0.5
    done
    dbz_s=$(since "$t0")
    dbz_rss=$(calc "$(awk '/^VmHWM/ { print $2 }' "/proc/$(cat "$SCRATCH/connect/pid")/status") / 1024" 1)
    "$CONNECT_SH" stop "$SCRATCH/connect" >/dev/null 2>&1 || true
    a=$(row_sum settle_dbz)
    [[ $a == "$b" ]] || die "Debezium's table differs from $REF_NAME's: $a against $b"
    dbz_rps=$(calc "$ROWS / $dbz_s" 1)
    dbz_json="{\"seconds\": $dbz_s, \"rows_per_s\": $dbz_rps, \"peak_rss_mib\": $dbz_rss}"
fi

copy_rps=$(calc "$ROWS / $copy_s" 1)
load_rps=$(calc "$ROWS / $load_s" 1)
sink_rps=$(calc "$ROWS / $sink_s" 1)
e2e_rps=$(calc "$ROWS / ($load_s + $sink_s)" 1)
mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<JSON
{"rows": $ROWS, "csv_bytes": $(stat -c %s "$CSV"), "db": "$DBKIND", "reference": "$REF_NAME", "value_format": "$VALUE_FORMAT",
 "copy": {"seconds": $copy_s, "rows_per_s": $copy_rps},
 "load": {"seconds": $load_s, "rows_per_s": $load_rps},
 "sink": {"seconds": $sink_s, "rows_per_s": $sink_rps, "peak_rss_mib": $sink_rss, "summary": $(cat "$SCRATCH/sink.json")},
 "sink_before": $before_json,
 "files_end_to_end": $files_json,
 "parts_end_to_end": $parts_json,
 "debezium_jdbc": $dbz_json,
 "end_to_end_rows_per_s": $e2e_rps,
 "ratio_sink_vs_copy": $(calc "$sink_rps / $copy_rps" 3),
 "ratio_end_to_end_vs_copy": $(calc "$e2e_rps / $copy_rps" 3),
 "ratio_files_end_to_end_vs_copy": $( ((FILES)) && calc "$files_rps / $copy_rps" 3 || echo null),
 "ratio_parts_end_to_end_vs_copy": $( [[ -n $PARTS ]] && calc "$parts_rps / $copy_rps" 3 || echo null)}
JSON
{
    echo "kferry sink benchmark  $(date -u +%FT%TZ)  host $(hostname), $(nproc) CPUs"
    echo "  CSV $ROWS rows, $(stat -c %s "$CSV") bytes; $DBKIND (scripts/db/db.sh), Kafka 3.9.1 1 node, $PARTITIONS partitions; records in $VALUE_FORMAT"
    printf 'copy   %-26s %9s rows/s  (%s s)\n' "$REF_NAME" "$copy_rps" "$copy_s"
    printf 'load   kferry load               %10s rows/s  (%s s)\n' "$load_rps" "$load_s"
    printf 'sink   kferry sink (exactly once) %9s rows/s  (%s s)  peak RSS %s MiB\n' "$sink_rps" "$sink_s" "$sink_rss"
    printf 'e2e    load + sink               %10s rows/s\n' "$e2e_rps"
    if ((FILES)); then
        printf 'files  %d files, sink running   %10s rows/s  (%s s; their loads alone %s s)  sink peak RSS %s MiB\n' \
            "$nfiles" "$files_rps" "$files_s" "$files_load_s" "$files_rss"
    fi
    if [[ -n $PARTS ]]; then
        printf 'parts  %d parts, sink running   %10s rows/s  (%s s; the load alone %s s)  sink peak RSS %s MiB\n' \
            "$nparts" "$parts_rps" "$parts_s" "$parts_load_s" "$parts_rss"
    fi
    if [[ -n $BEFORE ]]; then
        printf 'before kferry sink of --before   %9s rows/s  (%s s)  peak RSS %s MiB\n' "$before_rps" "$before_s" "$before_rss"
        echo "ratio  sink_vs_before  $(calc "$sink_rps / $before_rps" 3) rows/s, $(calc "$sink_rss / $before_rss" 3) peak RSS"
    fi
    if ((DBZ)); then
        printf 'dbz    Debezium JDBC sink         %9s rows/s  (%s s)  peak RSS %s MiB\n' "$dbz_rps" "$dbz_s" "$dbz_rss"
        echo "ratio  kferry_sink_vs_debezium  $(calc "$sink_rps / $dbz_rps" 2) rows/s, $(calc "$sink_rss / $dbz_rss" 2) peak RSS"
    fi
    echo "ratio  sink_vs_copy        $(calc "$sink_rps / $copy_rps" 3)"
    echo "ratio  end_to_end_vs_copy  $(calc "$e2e_rps / $copy_rps" 3) (aim: at least 0.8)"
    if ((FILES)); then
        echo "ratio  files_end_to_end_vs_copy  $(calc "$files_rps / $copy_rps" 3)"
    fi
    if [[ -n $PARTS ]]; then
        echo "ratio  parts_end_to_end_vs_copy  $(calc "$parts_rps / $copy_rps" 3)"
    fi
    echo "tables equal: rows, and a sum of a hash of every row's columns (approved_at in UTC)"
} | tee "${OUT%.json}.txt"
