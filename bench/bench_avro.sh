#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_avro.sh: Avro (Confluent wire format, docs/schemas.md) against
# Connect JSON (docs/records.md) for the same generated CSV in one run:
# bytes of the records on the broker (what went over the wire) and rows/s
# of kferry load and of kferry sink into PostgreSQL (and, with --json-schema,
# JSON Schema in the wire format as a third format), with one broker, one
# Apicurio Registry and one PostgreSQL this script starts and stops. See
# bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=bench_avro.sh
source "$ROOT/bench/lib.sh"
DB_SH=$ROOT/scripts/db/db.sh
REG_SH=$ROOT/scripts/kafka/registry.sh

usage() {
    cat <<USAGE
Usage: bench/bench_avro.sh [options]

Generates the CSV of bench/bench_load.sh (N rows, about 120 bytes a row),
loads it twice with kferry load, once as Connect JSON and once as Avro
(load.value_format = avro), each into its own topic, then sinks each topic
into its own PostgreSQL table with kferry sink. Reports, per format: the
bytes of the topic's log segments (the record batches as produced, after
the producer's compression), bytes per row, load rows/s (kferry's own
rows_per_s) and sink rows/s (wall time less the 1 s idle exit),
and the Avro/JSON ratios.

Options:
  --rows N            rows of the CSV (default 1000000)
  --json-schema       a third load and sink as JSON Schema in the wire
                      format (load.value_format = json-schema), its ratios
                      against Connect JSON too
  --compression C     load.compression of both loads (default lz4; none
                      shows the serialized sizes themselves)
  --build DIR         directory holding the kferry binary (default: build)
  --keep              keep the scratch directory
  --out FILE          JSON report (default bench/out/avro.json; a .txt copy
                      of the printed report beside it)
  -h, --help          this text

Environment: KF_BENCH_TMP (scratch directory on disk, default /tmp).
USAGE
}

ROWS=1000000
COMPRESSION=lz4
BUILD=$ROOT/build
KEEP=0
OUT=$ROOT/bench/out/avro.json
TMPROOT=${KF_BENCH_TMP:-/tmp}
PARTITIONS=4
FORMATS=(json avro)
while [[ $# -gt 0 ]]; do
    case $1 in
    --rows) need_arg "$@"; ROWS=$2; shift 2 ;;
    --json-schema) FORMATS+=(json-schema); shift ;;
    --compression) need_arg "$@"; COMPRESSION=$2; shift 2 ;;
    --build) need_arg "$@"; BUILD=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --out) need_arg "$@"; OUT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "--rows: not a positive integer: $ROWS"
bench_paths
command -v psql >/dev/null || die "psql is needed (scripts/setup.sh --with-db)"

bench_scratch kferry-bench-avro $((2048 * mib + ROWS * 3000))
chmod o+x "$SCRATCH" # PostgreSQL runs as its own user when we are root
trap 'rc=$?; "$DB_SH" stop "$SCRATCH/pg" >/dev/null 2>&1 || true;
      "$REG_SH" stop "$SCRATCH/registry" >/dev/null 2>&1 || true; (exit $rc); bench__cleanup' EXIT

CSV=$SCRATCH/settle.csv
SCHEMA=$SCRATCH/settle.schema
settle_schema >"$SCHEMA"
say "generating $ROWS rows"
gen_csv "$ROWS" >"$CSV"

bench_broker_start
"$BROKER_SH" topic "$BDIR" create kferry.loads --partitions 1 --config cleanup.policy=compact >/dev/null
say "starting Apicurio Registry and PostgreSQL"
"$REG_SH" start "$SCRATCH/registry" >"$SCRATCH/registry-start.log" 2>&1 ||
    { cat "$SCRATCH/registry-start.log" >&2; die "the registry did not start"; }
REG=$(cat "$SCRATCH/registry/url")
"$DB_SH" start postgres "$SCRATCH/pg" >"$SCRATCH/pg-start.log" 2>&1 ||
    { cat "$SCRATCH/pg-start.log" >&2; die "PostgreSQL did not start"; }
PG=$("$DB_SH" url "$SCRATCH/pg")

since() { calc "$(date +%s.%N) - $1" 3; }
# The bytes of a topic's log segments on the broker (every partition).
topic_bytes() {
    find "$BDIR" -type f -name '*.log' -path "*/$1-[0-9]*/*" -printf '%s\n' |
        awk '{ s += $1 } END { print s + 0 }'
}

declare -A BYTES LOAD_RPS SINK_RPS
for fmt in "${FORMATS[@]}"; do
    topic=rows_$fmt
    table=t_${fmt//-/_}
    "$BROKER_SH" topic "$BDIR" create "$topic" --partitions "$PARTITIONS" >/dev/null
    say "kferry load, $fmt"
    "$KF" load -q -b "$BS" -t "$topic" --schema "$SCHEMA" --no-progress --json \
        -o load.value_format="$fmt" -o load.compression="$COMPRESSION" \
        -o schema.registry.url="$REG" "$CSV" >"$SCRATCH/load-$fmt.json" \
        2>"$SCRATCH/load-$fmt.log" || { tail -n 5 "$SCRATCH/load-$fmt.log" >&2; die "load ($fmt) failed"; }
    # kferry's own count: from the first block read to the last commit
    LOAD_RPS[$fmt]=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["rows_per_s"]))' \
        "$SCRATCH/load-$fmt.json")
    BYTES[$fmt]=$(topic_bytes "$topic")
    say "kferry sink, $fmt"
    t0=$(date +%s.%N)
    # idle-exit 1: the sink's time is its wall time less that second
    "$KF" sink -q -b "$BS" -t "$topic" -g "sink-$fmt" --db "$PG" --table "$table" \
        --create-table --idle-exit 1 --json -o schema.registry.url="$REG" \
        >"$SCRATCH/sink-$fmt.json" 2>"$SCRATCH/sink-$fmt.log" ||
        { tail -n 5 "$SCRATCH/sink-$fmt.log" >&2; die "sink ($fmt) failed"; }
    sink_s=$(calc "$(since "$t0") - 1" 3)
    n=$("$DB_SH" sql "$SCRATCH/pg" -qtAX -c "SELECT count(*) FROM $table")
    [[ $n == "$ROWS" ]] || die "$table holds $n rows, expected $ROWS"
    SINK_RPS[$fmt]=$(calc "$ROWS / $sink_s" 0)
done
for fmt in "${FORMATS[@]:1}"; do
    table=t_${fmt//-/_}
    same=$("$DB_SH" sql "$SCRATCH/pg" -qtAX -c "SELECT count(*) FROM (SELECT * FROM t_json EXCEPT SELECT * FROM $table) d")
    [[ $same == 0 ]] || die "t_json and $table differ in $same rows"
done

mkdir -p "$(dirname "$OUT")"
{
    printf '%s vs Connect JSON, %d rows of %s, compression %s, same run\n' "${FORMATS[*]:1}" \
        "$ROWS" "$(basename "$CSV")" "$COMPRESSION"
    printf '%-11s %14s %10s %12s %12s\n' format "topic bytes" bytes/row "load rows/s" "sink rows/s"
    for fmt in "${FORMATS[@]}"; do
        printf '%-11s %14d %10s %12s %12s\n' "$fmt" "${BYTES[$fmt]}" "$(calc "${BYTES[$fmt]} / $ROWS" 1)" \
            "${LOAD_RPS[$fmt]}" "${SINK_RPS[$fmt]}"
    done
    for fmt in "${FORMATS[@]:1}"; do
        printf '%s/json: bytes %s, load rows/s %s, sink rows/s %s; the tables are equal\n' "$fmt" \
            "$(calc "${BYTES[$fmt]} / ${BYTES[json]}" 3)" "$(calc "${LOAD_RPS[$fmt]} / ${LOAD_RPS[json]}" 2)" \
            "$(calc "${SINK_RPS[$fmt]} / ${SINK_RPS[json]}" 2)"
    done
} | tee "${OUT%.json}.txt"
{
    printf '{"rows":%d,"compression":"%s"' "$ROWS" "$COMPRESSION"
    for fmt in "${FORMATS[@]}"; do
        printf ',"%s":{"bytes":%d,"load_rows_per_s":%s,"sink_rows_per_s":%s}' "${fmt//-/_}" \
            "${BYTES[$fmt]}" "${LOAD_RPS[$fmt]}" "${SINK_RPS[$fmt]}"
    done
    printf '}\n'
} >"$OUT"
