#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_loadmany.sh: files/s of `kferry load` for a directory of many
# small CSV files (the per-file cost: the ledger read, the transaction), a
# first run that loads them and a second that skips every one, next to the
# same rows as ONE file loaded by `kferry load` in the same invocation
# against one broker that this script starts and stops. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=bench_loadmany.sh
source "$ROOT/bench/lib.sh"

usage() {
    cat <<USAGE
Usage: bench/bench_loadmany.sh [options]

Generates K CSV files of R rows each (bench/lib.sh gen_csv, split, each with
its header: distinct contents) and their schema, starts a one-node Kafka
broker in a scratch directory and measures, in order:
  ref     kferry load of the K*R rows as one file (rows/s; files/s as if
          that file were K)
  load    kferry load of the K files in one run (files/s, rows/s)
  skip    the same K files again: every one is in the ledger (files/s)
and the ratio of load's rows/s to ref's (the per-file overhead: 1.0 means
none). The ledger topic is compacted, 1 partition, so every file's ledger
read is of the partition that grows with every file. Prints a report and
writes it as JSON (default bench/out/loadmany.json).

Options:
  --files K        files (default 200)
  --rows R         rows a file (default 10)
  --build DIR      directory holding the kferry binary (default: build, in the repo)
  --load-set K=V   pass -o K=V to every kferry load (repeatable)
  --keep           keep the scratch directory
  --label TEXT     name of this run in the report (default: default)
  --out FILE       JSON report path (default bench/out/loadmany.json; a .txt
                   copy of the printed report is written next to it)
  -h, --help       this text

The environment is read as by bench/bench.sh (KF_BENCH_TMP: a scratch
directory on disk, default /tmp; KAFKA_HEAP etc. for the broker).
USAGE
}

FILES=200
ROWS=10
PARTITIONS=4
BUILD=$ROOT/build
KEEP=0
LABEL=default
OUT=$ROOT/bench/out/loadmany.json
TMPROOT=${KF_BENCH_TMP:-/tmp}
LOAD_SET=()

while [[ $# -gt 0 ]]; do
    case $1 in
    --files) need_arg "$@"; FILES=$2; shift 2 ;;
    --rows) need_arg "$@"; ROWS=$2; shift 2 ;;
    --build) need_arg "$@"; BUILD=$2; shift 2 ;;
    --load-set) need_arg "$@"; LOAD_SET+=("$2"); shift 2 ;;
    --keep) KEEP=1; shift ;;
    --label) need_arg "$@"; LABEL=$2; shift 2 ;;
    --out) need_arg "$@"; OUT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done

[[ $FILES =~ ^[1-9][0-9]*$ ]] || die "--files: not a positive integer: $FILES"
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "--rows: not a positive integer: $ROWS"
LOAD_ARGS=()
for kv in "${LOAD_SET[@]}"; do LOAD_ARGS+=(-o "$kv"); done
bench_paths
command -v python3 >/dev/null || die "python3 is needed (the report)"

bench_scratch kferry-bench-loadmany $((1024 * mib))
SCHEMA=$SCRATCH/settle_bench.schema
settle_schema >"$SCHEMA"
say "scratch: $SCRATCH; kferry: $KF; $FILES files of $ROWS rows"
gen_csv $((FILES * ROWS)) >"$SCRATCH/all.csv"
mkdir -p "$SCRATCH/many"
# split the rows (not the header) into FILES files, each with the header
tail -n +2 "$SCRATCH/all.csv" | split -l "$ROWS" -a 6 -d --additional-suffix=.csv \
    --filter='{ head -n 1 "'"$SCRATCH/all.csv"'"; cat; } >"$FILE"' - "$SCRATCH/many/f"
nfiles=$(find "$SCRATCH/many" -name '*.csv' | wc -l)
((nfiles == FILES)) || die "split made $nfiles files, not $FILES"

loadavg_start=$(cut -d' ' -f1 /proc/loadavg)
bench_broker_start
bench_txn_warmup

# run_load NAME TOPIC PATH...: one kferry load; sets SECS, PUB, DONE, SKIPPED
run_load() {
    local name=$1 topic=$2 rc=0 t0 t1
    shift 2
    t0=$(date +%s.%N)
    "$KF" load -b "$BS" -t "$topic" --schema "$SCHEMA" --json --no-progress \
        -o load.ledger_topic=bench.loads "${LOAD_ARGS[@]}" "$@" \
        >"$SCRATCH/$name.json" 2>"$SCRATCH/$name.log" || rc=$?
    t1=$(date +%s.%N)
    ((rc == 0)) || { tail -n 20 "$SCRATCH/$name.log" >&2; die "$name: kferry load exited $rc"; }
    SECS=$(calc "$t1 - $t0" 3)
    read -r PUB DONE SKIPPED < <(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["rows_published"], j.get("files_done", 0), j.get("files_skipped", 0))' "$SCRATCH/$name.json")
}

"$BROKER_SH" topic "$BDIR" create bench.loads --partitions 1 --config cleanup.policy=compact >/dev/null 2>&1
"$BROKER_SH" topic "$BDIR" create one --partitions "$PARTITIONS" >/dev/null 2>&1
"$BROKER_SH" topic "$BDIR" create many --partitions "$PARTITIONS" >/dev/null 2>&1

run_load ref one "$SCRATCH/all.csv"
((PUB == FILES * ROWS)) || die "ref: published $PUB rows, not $((FILES * ROWS))"
ref_s=$SECS
say "ref: one file of $((FILES * ROWS)) rows in $ref_s s"
run_load load many "$SCRATCH"/many/*.csv
((PUB == FILES * ROWS && DONE == FILES)) || die "load: published $PUB rows, $DONE files done: $(cat "$SCRATCH/load.json")"
load_s=$SECS
say "load: $FILES files in $load_s s"
run_load skip many "$SCRATCH"/many/*.csv
((PUB == 0 && SKIPPED == FILES)) || die "skip: published $PUB rows, $SKIPPED files skipped: $(cat "$SCRATCH/skip.json")"
skip_s=$SECS
say "skip: $FILES files in $skip_s s"
loadavg_end=$(cut -d' ' -f1 /proc/loadavg)

mkdir -p "$(dirname "$OUT")"
python3 - "$OUT" "${OUT%.json}.txt" <<PY
import json, sys
files, rows = $FILES, $ROWS
ref, load, skip = $ref_s, $load_s, $skip_s
r = {"label": "$LABEL", "kferry": "$KF",
     "tree_git": "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)",
     "cpus": $(nproc), "loadavg_start": $loadavg_start, "loadavg_end": $loadavg_end,
     "files": files, "rows_per_file": rows,
     "ref": {"seconds": ref, "rows_per_s": round(files * rows / ref, 1)},
     "load": {"seconds": load, "files_per_s": round(files / load, 2),
              "rows_per_s": round(files * rows / load, 1)},
     "skip": {"seconds": skip, "files_per_s": round(files / skip, 2)}}
r["ratio_load_vs_ref"] = round(ref / load, 3)
out, txt = sys.argv[1:3]
with open(out, "w") as f:
    json.dump(r, f, indent=2)
    f.write("\n")
L = ["kferry load of many small files [%s]  %d CPUs, load %s -> %s, tree %s"
     % (r["label"], r["cpus"], r["loadavg_start"], r["loadavg_end"], r["tree_git"]),
     "ref   one file of %d rows:     %7.2f s  %9.1f rows/s" % (files * rows, ref, r["ref"]["rows_per_s"]),
     "load  %d files of %d rows:  %7.2f s  %9.1f rows/s  %7.2f files/s"
     % (files, rows, load, r["load"]["rows_per_s"], r["load"]["files_per_s"]),
     "skip  the same, all skipped: %7.2f s  %7.2f files/s" % (skip, r["skip"]["files_per_s"]),
     "ratio load/ref (rows/s):     %.3f" % r["ratio_load_vs_ref"]]
text = "\n".join(L) + "\n"
open(txt, "w").write(text)
sys.stdout.write(text)
PY
say "report: $OUT"
