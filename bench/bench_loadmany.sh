#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_loadmany.sh: files/s of `kferry load` for a directory of many
# small CSV files (the per-file cost: the ledger read, the transaction), a
# first run that loads them and a second that skips every one, next to the
# same rows as ONE file loaded by `kferry load` in the same invocation
# against one broker that this script starts and stops; with --watch, the
# files/s of a `kferry watch` records route instead, this build against a
# reference build, alternately. See bench/README.md.
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

With --watch, after ref: --runs rounds, each a run of the --ref-build's
kferry watch ("base", when given) then one of --build's ("this"), of a records route
(finished = rename, after = delete) into a fresh topic and ledger topic:
the K files are renamed into its directory at once, and its files/s is K
over the time from the first rename to the daemon's last "loaded" line.
The report gives each run, each build's mean and the ratio of the means
(this / base). Both builds run with watch.max_inflight_files = --inflight:
a daemon before this option's change (main at 5573d41) ran up to 16 loads
at once, more than the worker pool (CPUs + 1), and could then wait for
load.transaction_timeout (docs/records.md 3.3, watch routes).

Options:
  --files K        files (default 200)
  --rows R         rows a file (default 10)
  --build DIR      directory holding the kferry binary (default: build, in the repo)
  --load-set K=V   pass -o K=V to every kferry load (repeatable)
  --watch          measure kferry watch (above) instead of load and skip
  --ref-build DIR  with --watch: the reference build (e.g. main's)
  --runs N         with --watch: rounds (default 2)
  --inflight N     with --watch: watch.max_inflight_files (default: CPUs)
  --ledger-fill N  with --watch: each run's ledger topic first gets N load
                   records of another topic (default 0): a long-lived
                   ledger that compaction has not shortened
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
WATCH=0
REF_BUILD=
RUNS=2
INFLIGHT=$(nproc)
LEDGER_FILL=0

while [[ $# -gt 0 ]]; do
    case $1 in
    --files) need_arg "$@"; FILES=$2; shift 2 ;;
    --rows) need_arg "$@"; ROWS=$2; shift 2 ;;
    --build) need_arg "$@"; BUILD=$2; shift 2 ;;
    --load-set) need_arg "$@"; LOAD_SET+=("$2"); shift 2 ;;
    --watch) WATCH=1; shift ;;
    --ref-build) need_arg "$@"; REF_BUILD=$2; shift 2 ;;
    --runs) need_arg "$@"; RUNS=$2; shift 2 ;;
    --inflight) need_arg "$@"; INFLIGHT=$2; shift 2 ;;
    --ledger-fill) need_arg "$@"; LEDGER_FILL=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --label) need_arg "$@"; LABEL=$2; shift 2 ;;
    --out) need_arg "$@"; OUT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done

[[ $FILES =~ ^[1-9][0-9]*$ ]] || die "--files: not a positive integer: $FILES"
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "--rows: not a positive integer: $ROWS"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs: not a positive integer: $RUNS"
[[ $INFLIGHT =~ ^[1-9][0-9]*$ ]] || die "--inflight: not a positive integer: $INFLIGHT"
[[ $LEDGER_FILL =~ ^[0-9]+$ ]] || die "--ledger-fill: not a number: $LEDGER_FILL"
((LEDGER_FILL == 0)) || command -v kcat >/dev/null || die "--ledger-fill needs kcat"
LOAD_ARGS=()
for kv in "${LOAD_SET[@]}"; do LOAD_ARGS+=(-o "$kv"); done
bench_paths
REF_KF=
if [[ -n $REF_BUILD ]]; then
    REF_KF=$(cd "$REF_BUILD" 2>/dev/null && pwd)/kferry || die "--ref-build: no directory '$REF_BUILD'"
    [[ -x $REF_KF ]] || die "no kferry binary at $REF_KF"
fi
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

# report TITLE: runs the Python on stdin, which adds its figures to r (the
# fields both reports share) and sets L (the report's lines), then writes r
# as JSON to OUT and the report, TITLE first, to OUT's .txt and stdout.
report() {
    mkdir -p "$(dirname "$OUT")"
    python3 -c "$(cat <<PY
import json, sys
files, rows, ref = $FILES, $ROWS, $ref_s
r = {"label": "$LABEL", "kferry": "$KF",
     "tree_git": "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)",
     "cpus": $(nproc), "loadavg_start": $loadavg_start, "loadavg_end": $loadavg_end,
     "files": files, "rows_per_file": rows}
L = []
exec(sys.stdin.read())
out, txt = sys.argv[1:3]
with open(out, "w") as f:
    json.dump(r, f, indent=2)
    f.write("\\n")
text = "\\n".join(["%s [%s]  %d CPUs, load %s -> %s, tree %s"
                   % ("$1", r["label"], r["cpus"], r["loadavg_start"],
                      r["loadavg_end"], r["tree_git"])] + L) + "\\n"
open(txt, "w").write(text)
sys.stdout.write(text)
PY
)" "$OUT" "${OUT%.json}.txt"
    say "report: $OUT"
}

# watch_done LOG PID: 0 once the daemon's LOG says it loaded (or skipped)
# every file; dies when one failed or the daemon is gone.
watch_done() {
    grep -q 'attempt [0-9]* failed\|giving up' "$1" && die "a file failed: $(grep -m 3 'failed\|giving up' "$1")"
    kill -0 "$2" 2>/dev/null || die "kferry watch is gone: $(tail -n 5 "$1")"
    (($(grep -c 'loaded bench/' "$1" || true) >= FILES))
}

# run_watch NAME KF: one run of KF's kferry watch (--watch): a records
# route into fresh topics NAME and NAME.loads; sets SECS.
run_watch() {
    local name=$1 kf=$2 d=$SCRATCH/$1 wpid t0 t1 i rc=0 pub
    mkdir -p "$d/in"
    cp -a "$SCRATCH/many" "$d/stage"
    "$BROKER_SH" topic "$BDIR" create "$name" --partitions "$PARTITIONS" >/dev/null 2>&1
    "$BROKER_SH" topic "$BDIR" create "$name.loads" --partitions 1 --config cleanup.policy=compact >/dev/null 2>&1
    if ((LEDGER_FILL)); then
        # records of 600 bytes like a load record's, keyed by another topic
        awk -v n="$LEDGER_FILL" 'BEGIN { pad = sprintf("%520s", ""); gsub(/ /, "x", pad)
            for (i = 0; i < n; i++) printf "filler/%032x\t{\"v\":1,\"kind\":\"load\",\"state\":\"done\",\"pad\":\"%s\"}\n", i, pad }' |
            kcat -b "$BS" -P -t "$name.loads" -K $'\t' 2>"$d/fill.log" || die "$name: filling the ledger failed: $(cat "$d/fill.log")"
    fi
    printf '[watch]\nstate_dir = %s\nmax_inflight_files = %s\n' "$d/state" "$INFLIGHT" >"$d/watch.conf"
    printf '[load]\nledger_topic = %s\n' "$name.loads" >>"$d/watch.conf"
    printf '[route.bench]\ndir = %s\nkind = records\nschema = %s\ntopic = %s\n' \
        "$d/in" "$SCHEMA" "$name" >>"$d/watch.conf"
    printf 'finished = rename\nafter = delete\n' >>"$d/watch.conf"
    sync -f "$SCRATCH"
    "$kf" watch -b "$BS" -c "$d/watch.conf" "${LOAD_ARGS[@]}" 2>"$d/watch.log" &
    wpid=$!
    PIDS+=("$wpid")
    for ((i = 0; i < 600; i++)); do
        grep -qs 'route bench: ' "$d/watch.log" && break
        kill -0 "$wpid" 2>/dev/null || die "$name: kferry watch did not start: $(tail -n 5 "$d/watch.log")"
        sleep 0.1
    done
    t0=$(date +%s.%N)
    mv "$d/stage"/*.csv "$d/in/"
    until watch_done "$d/watch.log" "$wpid"; do
        (($(date +%s) - ${t0%.*} < 600)) || die "$name: not every file loaded in 600 s"
        sleep 0.05
    done
    t1=$(date +%s.%N)
    kill -TERM "$wpid"
    wait "$wpid" || rc=$?
    forget_pid "$wpid"
    ((rc == 0)) || die "$name: kferry watch exited $rc after SIGTERM"
    pub=$(grep -o 'loaded bench/[^:]*: [0-9]* rows read, [0-9]* published' "$d/watch.log" |
        awk '{ n += $(NF - 1) } END { print n + 0 }')
    ((pub == FILES * ROWS)) || die "$name: published $pub rows, not $((FILES * ROWS))"
    SECS=$(calc "$t1 - $t0" 3)
    say "$name: $FILES files in $SECS s ($(calc "$FILES / $SECS") files/s)"
    ((KEEP)) || rm -rf "$d"
}

# watch_rounds: --runs rounds of the reference build's run, then this
# build's; the report.
watch_rounds() {
    local r runs=()
    for ((r = 1; r <= RUNS; r++)); do
        if [[ -n $REF_KF ]]; then
            run_watch "base$r" "$REF_KF"
            runs+=("base $r $SECS")
        fi
        run_watch "this$r" "$KF"
        runs+=("this $r $SECS")
    done
    loadavg_end=$(cut -d' ' -f1 /proc/loadavg)
    printf '%s\n' "${runs[@]}" >"$SCRATCH/watch_runs.txt"
    report "kferry watch, records route, many small files" <<PY
runs = [dict(build=b, run=int(n), seconds=float(s), files_per_s=round(files / float(s), 2))
        for b, n, s in (l.split() for l in open("$SCRATCH/watch_runs.txt") if l.strip())]
mean = {b: round(sum(x["files_per_s"] for x in runs if x["build"] == b) /
                 len([x for x in runs if x["build"] == b]), 2)
        for b in sorted({x["build"] for x in runs})}
r.update({"mode": "watch", "ref_kferry": "$REF_KF", "max_inflight_files": $INFLIGHT,
          "ledger_fill": $LEDGER_FILL,
          "ref_one_file": {"seconds": ref, "rows_per_s": round(files * rows / ref, 1)},
          "runs": runs, "mean_files_per_s": mean})
if "base" in mean:
    r["ratio_this_vs_base"] = round(mean["this"] / mean["base"], 3)
L = ["one file of %d rows by kferry load: %.2f s; watch.max_inflight_files %d; %d records in each ledger first"
     % (files * rows, ref, r["max_inflight_files"], r["ledger_fill"])]
L += ["%-4s run %d  %d files of %d rows: %7.2f s  %7.2f files/s"
      % (x["build"], x["run"], files, rows, x["seconds"], x["files_per_s"]) for x in runs]
L += ["%-4s mean %7.2f files/s" % (b, m) for b, m in mean.items()]
if "ratio_this_vs_base" in r:
    L.append("ratio this/base (files/s): %.3f" % r["ratio_this_vs_base"])
PY
}

"$BROKER_SH" topic "$BDIR" create bench.loads --partitions 1 --config cleanup.policy=compact >/dev/null 2>&1
"$BROKER_SH" topic "$BDIR" create one --partitions "$PARTITIONS" >/dev/null 2>&1
"$BROKER_SH" topic "$BDIR" create many --partitions "$PARTITIONS" >/dev/null 2>&1

run_load ref one "$SCRATCH/all.csv"
((PUB == FILES * ROWS)) || die "ref: published $PUB rows, not $((FILES * ROWS))"
ref_s=$SECS
say "ref: one file of $((FILES * ROWS)) rows in $ref_s s"
if ((WATCH)); then
    watch_rounds
    exit 0
fi
run_load load many "$SCRATCH"/many/*.csv
((PUB == FILES * ROWS && DONE == FILES)) || die "load: published $PUB rows, $DONE files done: $(cat "$SCRATCH/load.json")"
load_s=$SECS
say "load: $FILES files in $load_s s"
run_load skip many "$SCRATCH"/many/*.csv
((PUB == 0 && SKIPPED == FILES)) || die "skip: published $PUB rows, $SKIPPED files skipped: $(cat "$SCRATCH/skip.json")"
skip_s=$SECS
say "skip: $FILES files in $skip_s s"
loadavg_end=$(cut -d' ' -f1 /proc/loadavg)

report "kferry load of many small files" <<PY
load, skip = $load_s, $skip_s
r.update({"ref": {"seconds": ref, "rows_per_s": round(files * rows / ref, 1)},
          "load": {"seconds": load, "files_per_s": round(files / load, 2),
                   "rows_per_s": round(files * rows / load, 1)},
          "skip": {"seconds": skip, "files_per_s": round(files / skip, 2)}})
r["ratio_load_vs_ref"] = round(ref / load, 3)
L = ["ref   one file of %d rows:     %7.2f s  %9.1f rows/s" % (files * rows, ref, r["ref"]["rows_per_s"]),
     "load  %d files of %d rows:  %7.2f s  %9.1f rows/s  %7.2f files/s"
     % (files, rows, load, r["load"]["rows_per_s"], r["load"]["files_per_s"]),
     "skip  the same, all skipped: %7.2f s  %7.2f files/s" % (skip, r["skip"]["files_per_s"]),
     "ratio load/ref (rows/s):     %.3f" % r["ratio_load_vs_ref"]]
PY
