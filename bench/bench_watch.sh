#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_watch.sh: files/s of `kferry watch` for many small files dropped
# into a watched directory, next to `kferry send` of the same files as the
# reference, and the latency from a file being finished (renamed in) to its
# rename at the receiver (p50, p99). Everything runs in one invocation
# against one broker that this script starts and stops. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=bench_watch.sh
source "$ROOT/bench/lib.sh"

usage() {
    cat <<USAGE
Usage: bench/bench_watch.sh [options]

Starts a one-node Kafka broker in a scratch directory and measures, in order:
  send          kferry send of N files of 4 KiB in one run (files/s; the reference)
  rename-burst  the same N files renamed one by one into a directory watched
                by kferry watch (finished = rename) as fast as they can be
                (files/s, and the latency of each file)
  rename-paced  M files renamed in at R files/s (latency without a queue)
  stable-paced  M files at R files/s with finished = stable (latency; it is
                dominated by stable_seconds)
A receiver runs through each step; every file is counted and hashed at the
end. Prints a report and writes it as JSON (default bench/out/watch.json).

Options:
  --files N           files in the send and burst steps (default 10000)
  --paced M           files in each paced step (default 300)
  --rate R            files/s of the paced steps (default 50)
  --stable-seconds S  stable_seconds of the stable step (default 2)
  --build DIR         directory holding the kferry binary (default: build, in the repo)
  --only LIST         comma-separated subset of send,rename-burst,rename-paced,stable-paced
  --watch-set K=V     pass -o K=V to kferry watch (repeatable), e.g. watch.max_inflight_files=64
  --keep              keep the scratch directory (inputs, outputs, logs, broker data)
  --label TEXT        name of this run in the report (default: default)
  --out FILE          JSON report path (default bench/out/watch.json; a .txt copy of
                      the printed report is written next to it)
  -h, --help          this text

The environment is read as by bench/bench.sh (KF_BENCH_TMP: a scratch
directory on disk, default /tmp; KAFKA_HEAP etc. for the broker).
USAGE
}

# ---------------------------------------------------------------- options

NFILES=10000
NPACED=300
RATE=50
STABLE_S=2
FILE_SIZE=4096
PARTITIONS=4
BUILD=$ROOT/build
KEEP=0
ONLY=send,rename-burst,rename-paced,stable-paced
LABEL=default
OUT=$ROOT/bench/out/watch.json
TMPROOT=${KF_BENCH_TMP:-/tmp}
WATCH_SET=()

while [[ $# -gt 0 ]]; do
    case $1 in
    --files) need_arg "$@"; NFILES=$2; shift 2 ;;
    --paced) need_arg "$@"; NPACED=$2; shift 2 ;;
    --rate) need_arg "$@"; RATE=$2; shift 2 ;;
    --stable-seconds) need_arg "$@"; STABLE_S=$2; shift 2 ;;
    --build) need_arg "$@"; BUILD=$2; shift 2 ;;
    --only) need_arg "$@"; ONLY=$2; shift 2 ;;
    --watch-set) need_arg "$@"; WATCH_SET+=("$2"); shift 2 ;;
    --keep) KEEP=1; shift ;;
    --label) need_arg "$@"; LABEL=$2; shift 2 ;;
    --out) need_arg "$@"; OUT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done

for v in NFILES NPACED RATE STABLE_S; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "${v}: not a positive integer: ${!v}"
done
bench_parts "$ONLY" send rename-burst rename-paced stable-paced
WATCH_ARGS=()
for kv in "${WATCH_SET[@]}"; do WATCH_ARGS+=(-o "$kv"); done

bench_paths
command -v python3 >/dev/null || die "python3 is needed (dropping, polling, statistics)"

# ---------------------------------------------------------------- scratch

bench_scratch kferry-bench-watch $((1024 * mib + (NFILES + NPACED) * 6 * 8192))

# ---------------------------------------------------------------- helpers

# The dropper: renames every file of STAGE (sorted) into DIR at RATE files/s
# (0: as fast as it can), creating the directories first, and writes
# "RELPATH<TAB>ns" per file: the wall clock just after its rename, the
# moment the file is finished for a rename route.
cat >"$SCRATCH/drop.py" <<'PY'
import os, sys, time
stage, dest, rate, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
rels = []
for d, _, files in os.walk(stage):
    for f in files:
        rels.append(os.path.relpath(os.path.join(d, f), stage))
rels.sort()
for d in sorted({os.path.dirname(r) for r in rels}):
    os.makedirs(os.path.join(dest, d), exist_ok=True)
times = []
t0 = time.monotonic()
for i, r in enumerate(rels):
    if rate > 0:
        wait = t0 + i / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    os.rename(os.path.join(stage, r), os.path.join(dest, r))
    times.append(time.time_ns())
with open(out, "w") as f:
    for r, t in zip(rels, times):
        f.write("%s\t%d\n" % (r, t))
PY

# Waits until LOG holds N "placed" lines of the receiver, or TIMEOUT s pass.
# Fails (exit 3) if PID (the receiver) ends first.
cat >"$SCRATCH/wait_placed.py" <<'PY'
import os, sys, time
log, n, timeout, pid = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
deadline = time.monotonic() + timeout
count, pos = 0, 0
while True:
    with open(log, "rb") as f:
        f.seek(pos)
        data = f.read()
    end = data.rfind(b"\n") + 1
    count += sum(1 for l in data[:end].split(b"\n") if l.endswith(b": placed"))
    pos += end
    if count >= n:
        sys.exit(0)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.stderr.write("the receiver exited; %d of %d files placed\n" % (count, n))
        sys.exit(3)
    if time.monotonic() > deadline:
        sys.stderr.write("timed out after %.0f s; %d of %d files placed\n" % (timeout, count, n))
        sys.exit(2)
    time.sleep(0.05)
PY

# Statistics of one step, as JSON: files/s from the first file started
# (t0, ns) or dropped to the last one placed at the receiver (the time of
# its log line, 1 ms resolution); for dropped files, the latency of each
# from its drop to its "placed" line; the last acknowledgement from the
# watch daemon's "sent" lines.
cat >"$SCRATCH/stats.py" <<'PY'
import datetime, json, re, sys
recv_log, prefix, n, t0_ns, drops, watch_log, out = sys.argv[1:8]
n, t0_ns = int(n), int(t0_ns)
line_re = re.compile(rb"^(\S+) info  recv: received '(.*)' \(\d+ bytes, \d+ ms\): placed$")
def ts(s):
    d = datetime.datetime.strptime(s.decode(), "%Y-%m-%dT%H:%M:%S.%fZ")
    return d.replace(tzinfo=datetime.timezone.utc).timestamp()
placed = {}
with open(recv_log, "rb") as f:
    for line in f:
        m = line_re.match(line.rstrip(b"\n"))
        if m and m.group(2).startswith(prefix.encode()) and m.group(2) != b".bench-warm":
            placed[m.group(2)[len(prefix):].decode()] = ts(m.group(1))
res = {"files": n, "placed": len(placed)}
if drops != "-":
    lat = []
    with open(drops) as f:
        for line in f:
            rel, ns = line.rstrip("\n").split("\t")
            t0_ns = min(t0_ns, int(ns)) if t0_ns else int(ns)
            if rel in placed:
                lat.append(placed[rel] - int(ns) / 1e9)
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, max(0, int(round(q * len(lat))) - 1))]
    if lat:
        res.update(latency_n=len(lat), latency_p50_ms=round(pick(0.50) * 1000, 1),
                   latency_p99_ms=round(pick(0.99) * 1000, 1),
                   latency_max_ms=round(lat[-1] * 1000, 1),
                   latency_mean_ms=round(sum(lat) / len(lat) * 1000, 1))
t0 = t0_ns / 1e9
last = max(placed.values()) if placed else t0
res["e2e_seconds"] = round(last - t0, 3)
res["e2e_files_per_s"] = round(n / max(last - t0, 1e-9), 1)
if watch_log != "-":
    sent = [ts(l.split(b" ", 1)[0]) for l in open(watch_log, "rb")
            if b" watch: sent " in l and b"/.bench-warm" not in l]
    if sent:
        res["acked_seconds"] = round(max(sent) - t0, 3)
        res["acked_files_per_s"] = round(n / max(max(sent) - t0, 1e-9), 1)
json.dump(res, open(out, "w"))
PY

# start_receiver DIR TOPIC: kferry receive into DIR/dest, log DIR/recv.log;
# sets RPID once it has its partitions.
start_receiver() {
    local d=$1 topic=$2 i
    "$KF" receive -b "$BS" -t "$topic" -g "g-$topic" --dest "$d/dest" 2>"$d/recv.log" &
    RPID=$!
    PIDS+=("$RPID")
    for ((i = 0; i < 600; i++)); do
        grep -q 'assigned [0-9]* partition' "$d/recv.log" 2>/dev/null && return 0
        kill -0 "$RPID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$d/recv.log" >&2
    die "the receiver was not assigned partitions within 60 s"
}

stop_one() {
    kill_tree "$1"
    wait "$1" 2>/dev/null || true
    forget_pid "$1"
}

new_topic() {
    "$BROKER_SH" topic "$BDIR" create "$1" --partitions "$PARTITIONS" >/dev/null 2>&1 ||
        die "could not create topic $1"
}

# check_tree NAME REF DEST: every file arrived with its bytes.
check_tree() {
    if [[ $(tree_digest "$2") == $(tree_digest "$3") ]]; then
        echo true >"$SCRATCH/$1.sha_ok"
    else
        say "warning: $1: the received tree differs from what was dropped"
        echo false >"$SCRATCH/$1.sha_ok"
        FAILED+=("$1")
    fi
}

# ---------------------------------------------------------------- steps

step_send() {
    local d=$SCRATCH/send t0 rc=0
    mkdir -p "$d"
    gen_files "$d/src/tree" "$NFILES"
    cp -a "$d/src/tree" "$d/ref"
    sync -f "$SCRATCH"
    new_topic kf-send
    start_receiver "$d" kf-send
    t0=$(date +%s%N)
    "$KF" send --json --no-progress -b "$BS" -t kf-send "$d/src/tree" >"$d/send.json" 2>"$d/send.log" || rc=$?
    ((rc == 0)) || { tail -n 5 "$d/send.log" >&2; FAILED+=(send); }
    python3 "$SCRATCH/wait_placed.py" "$d/recv.log" "$NFILES" $((120 + NFILES / 20)) "$RPID" ||
        FAILED+=(send)
    stop_one "$RPID"
    python3 "$SCRATCH/stats.py" "$d/recv.log" "tree/" "$NFILES" "$t0" - - "$SCRATCH/send.json"
    python3 - "$d/send.json" "$SCRATCH/send.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
r["acked_seconds"] = s["seconds"]
r["acked_files_per_s"] = round(r["files"] / max(s["seconds"], 1e-9), 1)
json.dump(r, open(sys.argv[2], "w"))
PY
    check_tree send "$d/ref" "$d/dest/tree"
    ((KEEP)) || rm -rf "$d/src" "$d/dest" "$d/ref"
}

# step_watch NAME FINISHED N RATE: N files dropped at RATE files/s (0: at
# once) into a route with finished = FINISHED.
step_watch() {
    local name=$1 finished=$2 n=$3 rate=$4
    local d=$SCRATCH/$name topic=kf-$name wpid extra=()
    [[ $finished == stable ]] && extra=(--stable-seconds "$STABLE_S")
    mkdir -p "$d/in"
    gen_files "$d/stage" "$n"
    cp -a "$d/stage" "$d/ref"
    sync -f "$SCRATCH"
    new_topic "$topic"
    start_receiver "$d" "$topic"
    "$KF" watch -b "$BS" -t "$topic" --dir "$d/in" --finished "$finished" "${extra[@]}" \
        --state-dir "$d/state" --after delete "${WATCH_ARGS[@]}" 2>"$d/watch.log" &
    wpid=$!
    PIDS+=("$wpid")
    # one untimed file first: the daemon's producer is up and has its id
    head -c "$FILE_SIZE" /dev/urandom >"$d/.bench-warm"
    mv "$d/.bench-warm" "$d/in/.bench-warm"
    python3 "$SCRATCH/wait_placed.py" "$d/recv.log" 1 60 "$RPID" || die "$name: the warm-up file did not arrive"
    python3 "$SCRATCH/drop.py" "$d/stage" "$d/in" "$rate" "$d/drops.tsv"
    python3 "$SCRATCH/wait_placed.py" "$d/recv.log" $((n + 1)) $((120 + n / 20 + STABLE_S)) "$RPID" ||
        FAILED+=("$name")
    stop_one "$wpid"
    stop_one "$RPID"
    python3 "$SCRATCH/stats.py" "$d/recv.log" "" "$n" 0 "$d/drops.tsv" "$d/watch.log" "$SCRATCH/$name.json"
    rm -f "$d/dest/.bench-warm"
    check_tree "$name" "$d/ref" "$d/dest"
    ((KEEP)) || rm -rf "$d/stage" "$d/dest" "$d/ref"
}

# ---------------------------------------------------------------- run

STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
say "scratch: $SCRATCH ($fstype); kferry: $KF"
bench_broker_start

if want send; then say "send: $NFILES files in one kferry send"; step_send; fi
if want rename-burst; then
    say "rename-burst: $NFILES files renamed into the watched directory at once"
    step_watch rename-burst rename "$NFILES" 0
fi
if want rename-paced; then
    say "rename-paced: $NPACED files renamed in at $RATE files/s"
    step_watch rename-paced rename "$NPACED" "$RATE"
fi
if want stable-paced; then
    say "stable-paced: $NPACED files at $RATE files/s, stable_seconds = $STABLE_S"
    step_watch stable-paced stable "$NPACED" "$RATE"
fi

# ---------------------------------------------------------------- report

mkdir -p "$(dirname "$OUT")"
python3 - "$SCRATCH" "$OUT" "${OUT%.json}.txt" <<PY
import json, os, sys
scratch, out, txt = sys.argv[1:4]
steps = {}
for name in ("send", "rename-burst", "rename-paced", "stable-paced"):
    p = os.path.join(scratch, name + ".json")
    if os.path.exists(p):
        steps[name] = json.load(open(p))
        ok = os.path.join(scratch, name + ".sha_ok")
        steps[name]["sha256_ok"] = open(ok).read().strip() == "true" if os.path.exists(ok) else False
rep = {"label": "$LABEL", "started_at": "$STARTED", "host": os.uname().nodename,
       "cpus": os.cpu_count(), "loadavg_start": float("$LOAD0"),
       "loadavg_end": float(open("/proc/loadavg").read().split()[0]),
       "kferry": {"binary": "$KF",
                  "tree_git": os.popen("git -C $ROOT describe --always --dirty 2>/dev/null").read().strip()},
       "params": {"files": $NFILES, "file_size": $FILE_SIZE, "paced": $NPACED, "rate": $RATE,
                  "stable_seconds": $STABLE_S, "partitions": $PARTITIONS,
                  "watch_set": "${WATCH_SET[*]:-}"},
       "steps": steps, "failed": "${FAILED[*]:-}"}
ref = steps.get("send", {}).get("e2e_files_per_s")
for k, v in steps.items():
    if ref and k != "send" and "e2e_files_per_s" in v and v["files"] == $NFILES:
        v["e2e_vs_send"] = round(v["e2e_files_per_s"] / ref, 3)
json.dump(rep, open(out, "w"), indent=2)
L = ["kferry watch benchmark [%s]  %s  host %s, %s CPUs, load %.2f -> %.2f"
     % (rep["label"], rep["started_at"], rep["host"], rep["cpus"], rep["loadavg_start"], rep["loadavg_end"]),
     "  %s (source tree now at %s); 1 broker, %d partitions; files of %d bytes"
     % (rep["kferry"]["binary"], rep["kferry"]["tree_git"], $PARTITIONS, $FILE_SIZE)]
if rep["params"]["watch_set"]:
    L.append("  watch -o: %s" % rep["params"]["watch_set"])
L += ["",
      "%-34s %7s %10s %8s %10s %9s %7s" % ("step", "files", "e2e f/s", "e2e s", "acked f/s", "vs send", "sha256")]
titles = {"send": "kferry send, one run",
          "rename-burst": "watch rename, all at once",
          "rename-paced": "watch rename, %d files/s" % $RATE,
          "stable-paced": "watch stable %d s, %d files/s" % ($STABLE_S, $RATE)}
for k, v in steps.items():
    L.append("%-34s %7d %10.1f %8.2f %10s %9s %7s"
             % (titles[k], v["files"], v["e2e_files_per_s"], v["e2e_seconds"],
                "%.1f" % v["acked_files_per_s"] if "acked_files_per_s" in v else "-",
                "%.3f" % v["e2e_vs_send"] if "e2e_vs_send" in v else ("1 (ref)" if k == "send" else "-"),
                "equal" if v["sha256_ok"] else "DIFFERS"))
L += ["", "latency, finished (renamed in) -> renamed into place at the receiver (ms):",
      "%-34s %7s %9s %9s %9s %9s" % ("step", "n", "p50", "p99", "max", "mean")]
for k, v in steps.items():
    if "latency_n" in v:
        L.append("%-34s %7d %9.1f %9.1f %9.1f %9.1f" % (titles[k], v["latency_n"], v["latency_p50_ms"],
                 v["latency_p99_ms"], v["latency_max_ms"], v["latency_mean_ms"]))
if "stable-paced" in steps:
    L.append("  (stable: dominated by stable_seconds = %d s plus the 1 s rescan while files wait)" % $STABLE_S)
if rep["failed"]:
    L.append("FAILED steps: %s" % rep["failed"])
L += ["", "JSON: %s" % out]
text = "\n".join(L) + "\n"
open(txt, "w").write(text)
sys.stdout.write(text)
PY
((${#FAILED[@]} == 0)) || exit 1
