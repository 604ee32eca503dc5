#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_load.sh: rows/s of `kferry load` for a generated CSV of one
# million rows, next to Kafka's own ProducerPerformance sending as many
# records of the same mean value size with the same producer settings, in one
# invocation against one broker that this script starts and stops; peak RSS
# of both. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=bench_load.sh
source "$ROOT/bench/lib.sh"

usage() {
    cat <<USAGE
Usage: bench/bench_load.sh [options]

Generates a CSV of N rows (about 120 bytes a row: ids, decimals, dates,
timestamps, Korean text) and its schema file, starts a one-node Kafka broker
in a scratch directory and measures, in order:
  ref         ProducerPerformance: N records of random text of the mean size
              of the Connect JSON values that kferry load writes for this CSV
              (docs/records.md 1), acks=all, idempotent, linger.ms=20,
              batch.size=1 MiB, lz4 (rows/s)
  ref_sample  the same, sending those values themselves (the first 10000
              rows', --payload-file): they compress as kferry's records do
  load        kferry load --schema of the CSV into a topic (rows/s); skipped
              with a message while the binary has no load command
and reports rows/s of each, the ratios and peak RSS. Prints a report and
writes it as JSON (default bench/out/load.json).

Options:
  --rows N            rows of the CSV and records of the reference (default 1000000)
  --record-size B     the reference's record size (default: the mean value size
                      of the records of this CSV, computed from docs/records.md 1)
  --build DIR         directory holding the kferry binary (default: build, in the repo)
  --only LIST         comma-separated subset of ref,ref_sample,load
  --load-set K=V      pass -o K=V to kferry load (repeatable)
  --keep              keep the scratch directory (CSV, logs, broker data)
  --label TEXT        name of this run in the report (default: default)
  --out FILE          JSON report path (default bench/out/load.json; a .txt copy of
                      the printed report is written next to it)
  -h, --help          this text

The environment is read as by bench/bench.sh (KF_BENCH_TMP: a scratch
directory on disk, default /tmp; KAFKA_HEAP etc. for the broker).
USAGE
}

# ---------------------------------------------------------------- options

ROWS=1000000
RECORD_SIZE=
PARTITIONS=4
BUILD=$ROOT/build
KEEP=0
ONLY=ref,ref_sample,load
LABEL=default
OUT=$ROOT/bench/out/load.json
TMPROOT=${KF_BENCH_TMP:-/tmp}
LOAD_SET=()
SAMPLE_ROWS=10000
# The reference's producer settings: those of kferry's producer
# (docs/records.md 5.3); --load-set sets kferry's own where they differ.
REF_PROPS=(acks=all enable.idempotence=true linger.ms=20 batch.size=1048576 compression.type=lz4)

while [[ $# -gt 0 ]]; do
    case $1 in
    --rows) need_arg "$@"; ROWS=$2; shift 2 ;;
    --record-size) need_arg "$@"; RECORD_SIZE=$2; shift 2 ;;
    --build) need_arg "$@"; BUILD=$2; shift 2 ;;
    --only) need_arg "$@"; ONLY=$2; shift 2 ;;
    --load-set) need_arg "$@"; LOAD_SET+=("$2"); shift 2 ;;
    --keep) KEEP=1; shift ;;
    --label) need_arg "$@"; LABEL=$2; shift 2 ;;
    --out) need_arg "$@"; OUT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done

[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "--rows: not a positive integer: $ROWS"
[[ -z $RECORD_SIZE || $RECORD_SIZE =~ ^[1-9][0-9]*$ ]] || die "--record-size: not a positive integer: $RECORD_SIZE"
bench_parts "$ONLY" ref ref_sample load
LOAD_ARGS=()
for kv in "${LOAD_SET[@]}"; do LOAD_ARGS+=(-o "$kv"); done

bench_paths
command -v python3 >/dev/null || die "python3 is needed (record sizes, the report)"
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time, package 'time') is needed for peak RSS"

# ---------------------------------------------------------------- scratch

# The CSV, and a topic of Connect JSON at a time (about 10 times the CSV
# before lz4, each deleted after its step) on the broker.
bench_scratch kferry-bench-load $((1024 * mib + ROWS * 1500))
RES=$SCRATCH/results.json
echo '{}' >"$RES"
# put KEY JSON-VALUE: sets a (dotted) key of the report.
put() {
    python3 - "$RES" "$1" "$2" <<'PY'
import json, sys
path, key, val = sys.argv[1:4]
with open(path) as f:
    tree = json.load(f)
node = tree
parts = key.split(".")
for p in parts[:-1]:
    node = node.setdefault(p, {})
node[parts[-1]] = json.loads(val)
with open(path, "w") as f:
    json.dump(tree, f, indent=2)
PY
}
str() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

# ---------------------------------------------------------------- the data

CSV=$SCRATCH/settle_bench.csv
SCHEMA=$SCRATCH/settle_bench.schema

settle_schema >"$SCHEMA"


# value_sizes CSV N SAMPLE: the mean size of the Connect JSON values
# (docs/records.md 1, what kferry load writes for this schema) of the first
# N rows; writes those values to SAMPLE, one a line.
cat >"$SCRATCH/values.py" <<'PY'
import base64, csv, datetime, json, sys
path, n, sample = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def f(t, field, opt, **kw):
    d = {"type": t, "optional": opt}
    d.update(kw)
    d["field"] = field
    return d
dec = dict(name="org.apache.kafka.connect.data.Decimal", version=1,
           parameters={"scale": "2", "connect.decimal.precision": "15"})
schema = {"type": "struct", "fields": [
    f("int64", "id", False), f("string", "merchant_no", False),
    f("int32", "settle_date", False, name="org.apache.kafka.connect.data.Date", version=1),
    f("int64", "approved_at", False, name="org.apache.kafka.connect.data.Timestamp", version=1),
    f("bytes", "amount", False, **dec), f("bytes", "fee", True, **dec),
    f("string", "currency", False), f("string", "approval_no", False), f("string", "customer", True),
    f("string", "branch", True), f("string", "memo", True)],
    "optional": False, "name": "kferry.bench", "version": 1}
dumps = lambda o: json.dumps(o, ensure_ascii=False, separators=(",", ":"))
head = '{"schema":' + dumps(schema) + ',"payload":'
def b64dec(text):
    u = int(text.replace(".", ""))
    k = 1
    while not -(1 << (8 * k - 1)) <= u < (1 << (8 * k - 1)):
        k += 1
    return base64.b64encode(u.to_bytes(k, "big", signed=True)).decode()
epoch = datetime.date(1970, 1, 1)
kst = datetime.timezone(datetime.timedelta(hours=9))
total = count = 0
with open(path, newline="", encoding="utf-8") as fh, open(sample, "w", encoding="utf-8") as out:
    rows = csv.reader(fh)
    next(rows)
    for r in rows:
        if count == n:
            break
        nul = lambda s: s if s != "" else None
        ts = datetime.datetime.strptime(r[3], "%Y-%m-%d %H:%M:%S").replace(tzinfo=kst)
        payload = {"id": int(r[0]), "merchant_no": r[1],
                   "settle_date": (datetime.date.fromisoformat(r[2]) - epoch).days,
                   "approved_at": int(ts.timestamp()) * 1000, "amount": b64dec(r[4]),
                   "fee": b64dec(r[5]) if r[5] else None, "currency": r[6], "approval_no": r[7],
                   "customer": nul(r[8]), "branch": nul(r[9]), "memo": nul(r[10])}
        v = head + dumps(payload) + "}"
        out.write(v + "\n")
        total += len(v.encode())
        count += 1
print(round(total / count))
PY

say "scratch: $SCRATCH ($(stat -f -c %T "$SCRATCH")); kferry: $KF"
say "generating $ROWS rows"
t0=$(date +%s.%N)
gen_csv "$ROWS" >"$CSV"
csv_bytes=$(stat -c %s "$CSV")
say "CSV: $csv_bytes bytes, $(calc "$csv_bytes / ($ROWS + 1)" 1) bytes a row, in $(calc "$(date +%s.%N) - $t0" 1) s"
mean=$(python3 "$SCRATCH/values.py" "$CSV" "$SAMPLE_ROWS" "$SCRATCH/values.sample")
[[ -n $RECORD_SIZE ]] || RECORD_SIZE=$mean
say "mean Connect JSON value of the first $SAMPLE_ROWS rows: $mean bytes; reference record size $RECORD_SIZE"

put label "$(str "$LABEL")"
put started_at "$(str "$(date -u +%FT%TZ)")"
put host "$(str "$(hostname)")"
put cpus "$(nproc)"
put loadavg_start "$(cut -d' ' -f1 /proc/loadavg)"
put kferry.binary "$(str "$KF")"
put kferry.tree_git "$(str "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)")"
put csv.rows "$ROWS"
put csv.bytes "$csv_bytes"
put csv.bytes_per_row "$(calc "$csv_bytes / ($ROWS + 1)" 1)"
put value.mean_bytes "$mean"
put value.sample_rows "$SAMPLE_ROWS"
put params.record_size "$RECORD_SIZE"
put params.partitions "$PARTITIONS"
put params.producer "$(str "${REF_PROPS[*]}")"
put params.load_set "$(str "${LOAD_SET[*]:-}")"

bench_broker_start
put broker "$(str "Kafka 3.9.1, 1 node (KRaft), $BS")"
# A transactional producer makes the broker create __transaction_state
# (50 partitions); kferry load is transactional, so do it untimed first.
"$BROKER_SH" perf "$BDIR" --topic warmup --num-records 10 --record-size 100 --throughput -1 \
    --transactional-id bench-load-warmup >"$SCRATCH/warmup-txn.log" 2>&1 ||
    { cat "$SCRATCH/warmup-txn.log" >&2; die "warm-up: a transactional producer failed"; }

# run_ref NAME WHAT PAYLOAD-ARGS...: ProducerPerformance with ROWS records
# on a fresh topic; the report's NAME.*.
run_ref() {
    local name=$1 what=$2 line recs rps lat rss
    shift 2
    say "$name: ProducerPerformance, $ROWS records of $what, ${REF_PROPS[*]}"
    "$BROKER_SH" topic "$BDIR" create "$name" --partitions "$PARTITIONS" >/dev/null 2>&1
    sync -f "$SCRATCH"
    run_bg /usr/bin/time -v -o "$SCRATCH/$name.time" "$BROKER_SH" perf "$BDIR" --topic "$name" \
        --num-records "$ROWS" "$@" --throughput -1 --producer-props "${REF_PROPS[@]}" \
        >"$SCRATCH/$name.log" 2>&1 || { cat "$SCRATCH/$name.log" >&2; die "ProducerPerformance failed"; }
    line=$(grep 'records sent,' "$SCRATCH/$name.log" | tail -n 1)
    # "N records sent, R records/sec (M MB/sec), L ms avg latency, ..."
    read -r recs rps lat < <(sed -E \
        's/^([0-9]+) records sent, ([0-9.]+) records\/sec \([0-9.]+ MB\/sec\), ([0-9.]+) ms avg latency.*/\1 \2 \3/' <<<"$line")
    [[ $recs == "$ROWS" ]] || die "cannot parse ProducerPerformance's last line: $line"
    rss=$(calc "$(time_field "$SCRATCH/$name.time" 'Maximum resident set size') / 1024" 1)
    put "$name.what" "$(str "$what")"
    put "$name.records" "$recs"
    put "$name.rows_per_s" "$rps"
    put "$name.avg_latency_ms" "$lat"
    put "$name.rss_mib" "$rss"
    put "$name.line" "$(str "$line")"
    say "$name: $rps records/s, peak RSS $rss MiB (JVM)"
    ((KEEP)) || "$BROKER_SH" topic "$BDIR" delete "$name" >/dev/null 2>&1 || true
}

if want ref; then
    run_ref ref "$RECORD_SIZE bytes of random text" --record-size "$RECORD_SIZE"
fi
if want ref_sample; then
    run_ref ref_sample "the values of the first $SAMPLE_ROWS rows" --payload-file "$SCRATCH/values.sample"
fi

if want load; then
    if ! "$KF" load --help >/dev/null 2>&1; then
        say "SKIP load: $KF has no 'load' command yet (build a tree that has it)"
        put load.skipped true
    else
        say "kferry load of $ROWS rows"
        "$BROKER_SH" topic "$BDIR" create load --partitions "$PARTITIONS" >/dev/null 2>&1
        sync -f "$SCRATCH"
        rc=0
        run_bg /usr/bin/time -v -o "$SCRATCH/load.time" "$KF" load -b "$BS" -t load --schema "$SCHEMA" \
            --json "${LOAD_ARGS[@]}" "$CSV" >"$SCRATCH/load.json" 2>"$SCRATCH/load.log" || rc=$?
        ((rc == 0)) || { tail -n 20 "$SCRATCH/load.log" >&2; die "kferry load exited $rc: $(cat "$SCRATCH/load.json")"; }
        read -r published secs < <(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["rows_published"], j["seconds"])' "$SCRATCH/load.json")
        [[ $published == "$ROWS" ]] || die "kferry load published $published rows of $ROWS: $(cat "$SCRATCH/load.json")"
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$SCRATCH/load.time")
        load_rss=$(calc "$(time_field "$SCRATCH/load.time" 'Maximum resident set size') / 1024" 1)
        put load.rows "$published"
        put load.seconds "$secs"
        put load.rows_per_s "$(calc "$published / $secs" 1)"
        put load.wall_seconds "$wall"
        put load.wall_rows_per_s "$(calc "$published / $wall" 1)"
        put load.rss_mib "$load_rss"
        put load.cpu_s "$(calc "$(time_field "$SCRATCH/load.time" 'User time') + $(time_field "$SCRATCH/load.time" 'System time')" 2)"
        say "kferry load: $(calc "$published / $secs" 1) rows/s ($secs s; wall $wall s), peak RSS $load_rss MiB"
        ((KEEP)) || "$BROKER_SH" topic "$BDIR" delete load >/dev/null 2>&1 || true
    fi
fi
put loadavg_end "$(cut -d' ' -f1 /proc/loadavg)"

# ---------------------------------------------------------------- report

mkdir -p "$(dirname "$OUT")"
python3 - "$RES" "$OUT" "${OUT%.json}.txt" <<'PY'
import json, sys
res, out, txt = sys.argv[1:4]
r = json.load(open(res))
for ref in ("ref", "ref_sample"):
    if "rows_per_s" in r.get(ref, {}) and "rows_per_s" in r.get("load", {}):
        r.setdefault("ratios", {})["load_vs_" + ref] = round(r["load"]["rows_per_s"] / r[ref]["rows_per_s"], 3)
with open(out, "w") as f:
    json.dump(r, f, indent=2)
    f.write("\n")
L = ["kferry load benchmark [%s]  %s  host %s, %s CPUs, load %s -> %s"
     % (r["label"], r["started_at"], r["host"], r["cpus"], r["loadavg_start"], r["loadavg_end"]),
     "  kferry %s (source tree now at %s); broker %s; %d partitions"
     % (r["kferry"]["binary"], r["kferry"]["tree_git"], r["broker"], r["params"]["partitions"]),
     "  CSV %d rows, %d bytes (%.1f a row); mean Connect JSON value %d bytes (first %d rows)"
     % (r["csv"]["rows"], r["csv"]["bytes"], r["csv"]["bytes_per_row"], r["value"]["mean_bytes"],
        r["value"]["sample_rows"]),
     "  producer: %s" % r["params"]["producer"], ""]
for ref in ("ref", "ref_sample"):
    if ref in r:
        g = r[ref]
        L.append("%-10s ProducerPerformance, %d records of %s" % (ref, g["records"], g["what"]))
        L.append("           %10.1f rows/s   avg latency %.0f ms   peak RSS %.1f MiB (JVM)"
                 % (g["rows_per_s"], g["avg_latency_ms"], g["rss_mib"]))
if r.get("load", {}).get("skipped"):
    L.append("load       SKIPPED: the kferry binary has no load command")
elif "load" in r:
    g = r["load"]
    L.append("load       kferry load --schema, %d rows" % g["rows"])
    L.append("           %10.1f rows/s   (%.2f s; wall clock %.2f s = %.1f rows/s)   peak RSS %.1f MiB   CPU %.1f s"
             % (g["rows_per_s"], g["seconds"], g["wall_seconds"], g["wall_rows_per_s"], g["rss_mib"], g["cpu_s"]))
if "ratios" in r:
    L.append("")
    for k, v in r["ratios"].items():
        L.append("ratio      %-22s %.3f (aim: at least 0.8)" % (k, v))
text = "\n".join(L) + "\n"
open(txt, "w").write(text)
sys.stdout.write(text)
PY
say "report: $OUT"
