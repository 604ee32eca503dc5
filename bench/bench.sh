#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench.sh: end-to-end throughput, files/s and peak memory of kferry on a
# local one-node Kafka broker, next to Kafka's own ProducerPerformance as the
# reference. Everything runs in one invocation against one broker that this
# script starts and stops. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=bench.sh
source "$ROOT/bench/lib.sh"

usage() {
    cat <<USAGE
Usage: bench/bench.sh [options]

Starts a one-node Kafka broker in a scratch directory and measures, in order:
  ref             ProducerPerformance: 1 MiB records, acks=all, idempotent (MiB/s)
  incompressible  kferry send -> receive of one file from /dev/urandom (MiB/s)
  compressible    the same for one file of generated log lines (MiB/s)
  files           many 4 KiB random files in a tree (files/s)
  backlog         4 random files of size/4 sent first to a topic of 2 partitions
                  (3 of them share one), then read back: kcat -C to the end as
                  the reference, then kferry receive until all are placed (MiB/s)
  e2e             (only when asked for) the incompressible file again, plain,
                  encrypted, signed, and encrypted and signed (docs/protocol.md
                  section 10), with the ratios of each to the plain run
Prints a report and writes it as JSON (default bench/out/report.json).

Options:
  --size-mib N        size of the single-file runs and of the reference (default 1024)
  --files N           number of 4 KiB files (default 20000)
  --build DIR         directory holding the kferry binary (default: build, in the repo)
  --keep              keep the scratch directory (inputs, outputs, logs, broker data)
  --only LIST         comma-separated subset of ref,incompressible,compressible,files,backlog,e2e
  --send-set K=V      pass -o K=V to kferry send (repeatable), e.g. send.linger_ms=0
  --recv-set K=V      pass -o K=V to kferry receive (repeatable), e.g. receive.fsync=false
  --label TEXT        name of this configuration in the report (default: default)
  --out FILE          JSON report path (default bench/out/report.json; a .txt copy
                      of the printed report is written next to it)
  -h, --help          this text

Environment:
  KF_BENCH_TMP        where the scratch directory is made (default /tmp); must be
                      on disk, not tmpfs
  KAFKA_HEAP, ...     passed through to scripts/kafka/broker.sh
USAGE
}

# ---------------------------------------------------------------- options

SIZE_MIB=1024
NFILES=20000
FILE_SIZE=4096
RECORD_SIZE=1048576 # the reference's record size: kferry's default chunk size
PARTITIONS=4
BUILD=$ROOT/build
KEEP=0
ONLY=ref,incompressible,compressible,files,backlog
LABEL=default
OUT=$ROOT/bench/out/report.json
SEND_SET=()
RECV_SET=()
TMPROOT=${KF_BENCH_TMP:-/tmp}
RSS_TARGET_MIB=64
IDLE_EXIT=2

while [[ $# -gt 0 ]]; do
    case $1 in
    --size-mib) need_arg "$@"; SIZE_MIB=$2; shift 2 ;;
    --files) need_arg "$@"; NFILES=$2; shift 2 ;;
    --build) need_arg "$@"; BUILD=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --only) need_arg "$@"; ONLY=$2; shift 2 ;;
    --send-set) need_arg "$@"; SEND_SET+=("$2"); shift 2 ;;
    --recv-set) need_arg "$@"; RECV_SET+=("$2"); shift 2 ;;
    --label) need_arg "$@"; LABEL=$2; shift 2 ;;
    --out) need_arg "$@"; OUT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done

[[ $SIZE_MIB =~ ^[1-9][0-9]*$ ]] || die "--size-mib: not a positive integer: $SIZE_MIB"
[[ $NFILES =~ ^[1-9][0-9]*$ ]] || die "--files: not a positive integer: $NFILES"
bench_parts "$ONLY" ref incompressible compressible files backlog e2e

SEND_ARGS=()
for kv in "${SEND_SET[@]}"; do SEND_ARGS+=(-o "$kv"); done
RECV_ARGS=()
for kv in "${RECV_SET[@]}"; do RECV_ARGS+=(-o "$kv"); done

bench_paths

# ---------------------------------------------------------------- tools

command -v python3 >/dev/null || die "python3 is needed (polling, JSON)"
command -v sha256sum >/dev/null || die "sha256sum is needed (coreutils)"
if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time (/usr/bin/time) with apt-get"
    sudo_=()
    [[ $(id -u) -eq 0 ]] || sudo_=(sudo)
    "${sudo_[@]}" apt-get install -y -q time >/dev/null ||
        { "${sudo_[@]}" apt-get update -q >/dev/null &&
            "${sudo_[@]}" apt-get install -y -q time >/dev/null; } ||
        die "could not install the 'time' package"
fi

# ---------------------------------------------------------------- scratch

# Peak use: the broker keeps every topic (reference, incompressible and
# compressible: up to 3 x size) while a run holds its input and output
# (2 x size); the file tree costs about 3 copies of 4 KiB blocks plus inodes.
need=$(((5 * SIZE_MIB + 1024) * mib + NFILES * 3 * 8192))
((KEEP)) && need=$((need + 4 * SIZE_MIB * mib))
bench_scratch kferry-bench "$need"

# ---------------------------------------------------------------- results

RESULTS=$SCRATCH/results.tsv
: >"$RESULTS"
# putn KEY VALUE: a JSON literal (number, true, false, null); puts: a string.
putn() { printf '%s\tn\t%s\n' "$1" "$2" >>"$RESULTS"; }
puts() { printf '%s\ts\t%s\n' "$1" "$2" >>"$RESULTS"; }
get() { awk -F'\t' -v k="$1" '$1 == k { v = $3 } END { print v }' "$RESULTS"; }

# ---------------------------------------------------------------- helpers

# Waits until every completion condition holds and prints the wall-clock
# time (seconds since the epoch) at which it was first seen. Polls every
# 50 ms. Modes:
#   file PATH SIZE           PATH exists with SIZE bytes
#   tree PATH MANIFEST       every "RELDIR COUNT" line of MANIFEST: PATH/RELDIR
#                            holds COUNT non-directory entries (a directory
#                            that reached its count is not listed again)
# Fails (exit 3) when DIR/recv.rc appears (the receiver ended) or DIR/send.rc
# holds a non-zero status, and (exit 2) after TIMEOUT seconds.
cat >"$SCRATCH/poll.py" <<'PY'
import os, signal, sys, time

signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGTERM, signal.SIG_DFL)

mode, path, arg, rundir, timeout = sys.argv[1:6]
deadline = time.monotonic() + float(timeout)
if mode == "tree":
    pending = {}
    with open(arg) as f:
        for line in f:
            rel, n = line.split()
            pending[os.path.join(path, rel)] = int(n)
    total = sum(pending.values())

def progress():
    if mode == "file":
        try:
            return os.stat(path).st_size == int(arg), ""
        except FileNotFoundError:
            return False, "file not there"
    done = total
    for d, want in list(pending.items()):
        try:
            with os.scandir(d) as it:
                n = sum(1 for e in it if not e.is_dir(follow_symlinks=False))
        except FileNotFoundError:
            n = 0
        if n >= want:
            del pending[d]
        else:
            done -= want - n
    return not pending, "%d of %d files" % (done, total)

def status(name):
    try:
        with open(os.path.join(rundir, name)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None

while True:
    ok, what = progress()
    if ok:
        print("%.6f" % time.time())
        sys.exit(0)
    s = status("send.rc")
    if s not in (None, "", "0"):
        sys.stderr.write("sender failed (exit %s); %s\n" % (s, what))
        sys.exit(3)
    if status("recv.rc") is not None:
        ok, what = progress()
        if ok:
            print("%.6f" % time.time())
            sys.exit(0)
        sys.stderr.write("receiver exited (exit %s); %s\n" % (status("recv.rc"), what))
        sys.exit(3)
    if time.monotonic() > deadline:
        sys.stderr.write("timed out after %s s; %s\n" % (timeout, what))
        sys.exit(2)
    time.sleep(0.05)
PY

json_field() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# Generates SIZE bytes of log-like text lines (timestamps, levels, IPs,
# request paths, random request ids), deterministic for a given seed.
gen_text() {
    awk -v seed=20261125 -v total="$1" '
BEGIN {
	srand(seed)
	split("INFO INFO INFO INFO INFO DEBUG DEBUG WARN ERROR", lv, " ")
	split("GET GET GET GET POST POST PUT DELETE", mt, " ")
	split("/api/v1/orders /api/v1/users /api/v1/items /api/v2/search /static/app.js /health /api/v1/cart /login", pth, " ")
	split("200 200 200 200 200 200 201 204 304 400 404 500 503", st, " ")
	split("alice bob carol dave erin frank grace heidi ivan judy mallory oscar", us, " ")
	split("auth http db cache queue scheduler", cm, " ")
	hex = "0123456789abcdef"
	t = 1764000000; ms = 0; left = total
	while (left > 0) {
		ms += int(rand() * 7)
		if (ms >= 1000) { t += int(ms / 1000); ms %= 1000 }
		id = ""
		for (k = 0; k < 16; k++) id = id substr(hex, int(rand() * 16) + 1, 1)
		line = sprintf("%s.%03dZ %-5s [worker-%d] %s: 10.%d.%d.%d \"%s %s/%d?page=%d HTTP/1.1\" %s %d %.1fms req=%s user=%s\n",
			strftime("%Y-%m-%dT%H:%M:%S", t, 1), ms, lv[int(rand() * 9) + 1],
			int(rand() * 8), cm[int(rand() * 6) + 1], int(rand() * 4),
			int(rand() * 256), int(rand() * 256), mt[int(rand() * 8) + 1],
			pth[int(rand() * 8) + 1], int(rand() * 100000), int(rand() * 20),
			st[int(rand() * 13) + 1], int(rand() * 65536), rand() * 250, id,
			us[int(rand() * 12) + 1])
		n = length(line)
		if (n > left) { line = substr(line, 1, left); n = left }
		printf "%s", line
		left -= n
	}
}'
}

wait_assigned() { # LOG RUNDIR
    local i
    for ((i = 0; i < 600; i++)); do
        grep -q 'assigned [0-9]* partition' "$1" 2>/dev/null && return 0
        [[ -e $2/recv.rc ]] && break
        sleep 0.1
    done
    cat "$1" >&2
    die "the receiver was not assigned partitions within 60 s"
}

# One timed transfer. run_transfer NAME KIND SRC BYTES COUNT
#   KIND file: SRC is a file, done when DEST/basename has BYTES bytes
#   KIND tree: SRC is a directory, done when every MANIFEST count is reached
# Results go under NAME.* in the results table.
run_transfer() {
    local name=$1 kind=$2 src=$3 bytes=$4 count=$5
    local d=$SCRATCH/run-$name topic=kf-$name group=g-$name
    local dest=$d/dest base target timeout t0 t1 prc=0 src_rc rcv_rc spid rpid
    base=$(basename "$src")
    mkdir -p "$d"
    "$BROKER_SH" topic "$BDIR" create "$topic" --partitions "$PARTITIONS" >"$d/topic.log" 2>&1 ||
        { cat "$d/topic.log" >&2; die "could not create topic $topic"; }
    if [[ $kind == file ]]; then
        target=$bytes
        timeout=$((120 + 2 * bytes / mib))
    else
        target=$(dirname "$src")/manifest
        timeout=$((120 + count / 5))
    fi

    sync -f "$SCRATCH" # start with no dirty data of earlier steps
    (
        set +e
        /usr/bin/time -v -o "$d/recv.time" "$KF" receive -b "$BS" -t "$topic" -g "$group" \
            --dest "$dest" --idle-exit "$IDLE_EXIT" "${RECV_ARGS[@]}" 2>"$d/recv.log"
        echo $? >"$d/recv.rc"
    ) &
    rpid=$!
    PIDS+=("$rpid")
    wait_assigned "$d/recv.log" "$d"

    t0=$EPOCHREALTIME
    (
        set +e
        /usr/bin/time -v -o "$d/send.time" "$KF" send --json --no-progress -b "$BS" -t "$topic" \
            "${SEND_ARGS[@]}" "$src" >"$d/send.json" 2>"$d/send.log"
        echo $? >"$d/send.rc"
    ) &
    spid=$!
    PIDS+=("$spid")
    run_bg python3 "$SCRATCH/poll.py" "$kind" "$dest/$base" "$target" "$d" "$timeout" \
        >"$d/done" || prc=$?
    t1=$(cat "$d/done")
    if ((prc != 0)); then kill_tree "$spid"; fi
    wait "$spid" || true
    forget_pid "$spid"
    src_rc=$(cat "$d/send.rc" 2>/dev/null || echo -1)
    if ((prc != 0)); then
        # Not everything arrived: record what did, keep the logs, go on.
        kill_tree "$rpid"
        wait "$rpid" || true
        forget_pid "$rpid"
        local arrived quarantined logs
        arrived=$({ find "$dest/$base" -type f 2>/dev/null || true; } | wc -l)
        quarantined=$({ find "$dest/.kferry/quarantine" -mindepth 1 -maxdepth 1 2>/dev/null || true; } | wc -l)
        logs=$(dirname "$OUT")/failed-$LABEL-$name
        rm -rf "$logs"
        mkdir -p "$logs"
        cp "$d"/*.log "$d"/*.time "$d"/*.rc "$d"/send.json "$logs"/ 2>/dev/null || true
        say "$name: INCOMPLETE: $arrived of $count file(s) arrived, $quarantined quarantined;" \
            "sender exit $src_rc, receiver exit $(cat "$d/recv.rc" 2>/dev/null || echo killed). Logs: $logs"
        tail -n 5 "$d/send.log" "$d/recv.log" >&2 || true
        putn "$name.complete" false
        putn "$name.files" "$count"
        putn "$name.arrived" "$arrived"
        putn "$name.quarantined" "$quarantined"
        putn "$name.sender_exit" "$src_rc"
        putn "$name.receiver_exit" "$(cat "$d/recv.rc" 2>/dev/null || echo -1)"
        puts "$name.logs" "$logs"
        FAILED+=("$name")
        if ((!KEEP)); then
            rm -rf "$dest" "$src"
            "$BROKER_SH" topic "$BDIR" delete "$topic" >/dev/null 2>&1 || true
        fi
        return 0
    fi
    wait "$rpid" || true
    forget_pid "$rpid"
    rcv_rc=$(cat "$d/recv.rc" 2>/dev/null || echo -1)
    [[ $src_rc == 0 ]] || say "warning: $name: kferry send exited $src_rc"
    [[ $rcv_rc == 0 ]] || say "warning: $name: kferry receive exited $rcv_rc"

    local secs ok quarantined
    secs=$(calc "$t1 - $t0" 3)
    if [[ $kind == file ]]; then
        local a b
        a=$(sha256sum <"$src" | cut -d' ' -f1)
        b=$(sha256sum <"$dest/$base" | cut -d' ' -f1)
        [[ $a == "$b" ]] && ok=true || ok=false
    else
        [[ $(tree_digest "$src") == $(tree_digest "$dest/$base") ]] && ok=true || ok=false
    fi
    quarantined=$({ find "$dest/.kferry/quarantine" -mindepth 1 -maxdepth 1 2>/dev/null || true; } | wc -l)
    if [[ $ok != true ]]; then
        say "warning: $name: sha256 MISMATCH between source and destination"
        FAILED+=("$name")
    fi
    putn "$name.complete" true

    local s_secs s_mibps wire msgs
    s_secs=$(json_field "$d/send.json" seconds)
    s_mibps=$(json_field "$d/send.json" mib_per_s)
    wire=$(json_field "$d/send.json" wire_bytes)
    msgs=$(json_field "$d/send.json" messages)

    putn "$name.bytes" "$bytes"
    putn "$name.files" "$count"
    putn "$name.e2e_seconds" "$secs"
    putn "$name.e2e_mib_per_s" "$(calc "$bytes / 1048576 / $secs")"
    putn "$name.e2e_files_per_s" "$(calc "$count / $secs" 1)"
    putn "$name.sender_seconds" "$s_secs"
    putn "$name.sender_mib_per_s" "$s_mibps"
    putn "$name.sender_files_per_s" "$(calc "$count / max($s_secs, 1e-9)" 1)"
    putn "$name.wire_bytes" "$wire"
    putn "$name.messages" "$msgs"
    putn "$name.compression_ratio" "$(calc "$bytes / max($wire, 1)")"
    putn "$name.sha256_ok" "$ok"
    putn "$name.quarantined" "$quarantined"
    putn "$name.sender_exit" "$src_rc"
    putn "$name.receiver_exit" "$rcv_rc"
    local who f
    for who in sender receiver; do
        if [[ $who == sender ]]; then f=$d/send.time; else f=$d/recv.time; fi
        putn "$name.${who}_rss_mib" "$(calc "$(time_field "$f" 'Maximum resident set size') / 1024" 1)"
        putn "$name.${who}_cpu_user_s" "$(time_field "$f" 'User time (seconds)')"
        putn "$name.${who}_cpu_sys_s" "$(time_field "$f" 'System time (seconds)')"
    done

    if ((!KEEP)); then # free the disk for the next step
        rm -rf "$dest" "$src"
        "$BROKER_SH" topic "$BDIR" delete "$topic" >/dev/null 2>&1 || true
    fi
}

# ---------------------------------------------------------------- run

puts label "$LABEL"
puts started_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
puts host "$(hostname)"
putn cpus "$(nproc)"
putn loadavg_start "$(cut -d' ' -f1 /proc/loadavg)"
puts kferry.binary "$KF"
# The tree's revision now; the binary may have been built from another one.
puts kferry.tree_git "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
puts kferry.built_at "$(date -u -r "$KF" +%Y-%m-%dT%H:%M:%SZ)"
puts scratch "$SCRATCH ($fstype)"
putn params.size_mib "$SIZE_MIB"
putn params.files "$NFILES"
putn params.file_size "$FILE_SIZE"
putn params.partitions "$PARTITIONS"
puts params.send_set "${SEND_SET[*]:-}"
puts params.recv_set "${RECV_SET[*]:-}"
putn rss_target_mib "$RSS_TARGET_MIB"
putn ulimit_nofile "$(ulimit -n | sed 's/unlimited/-1/')"

say "scratch: $SCRATCH ($fstype); kferry: $KF"
bench_broker_start
puts broker "Kafka 3.9.1, 1 node (KRaft), $BS"

if want ref; then
    say "reference: ProducerPerformance, $SIZE_MIB x 1 MiB records"
    "$BROKER_SH" topic "$BDIR" create ref --partitions "$PARTITIONS" >/dev/null 2>&1
    sync -f "$SCRATCH"
    run_bg "$BROKER_SH" perf "$BDIR" --topic ref --num-records "$SIZE_MIB" --record-size "$RECORD_SIZE" \
        --throughput -1 --producer-props acks=all enable.idempotence=true \
        >"$SCRATCH/ref.log" 2>&1 || { cat "$SCRATCH/ref.log" >&2; die "ProducerPerformance failed"; }
    line=$(grep 'records sent,' "$SCRATCH/ref.log" | tail -n 1)
    # "N records sent, R records/sec (M MB/sec), L ms avg latency, ..."; its
    # MB/sec is bytes / 2^20 per second, i.e. MiB/s. Recompute it from
    # records/sec for more digits.
    read -r recs rps printed lat < <(sed -E \
        's/^([0-9]+) records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency.*/\1 \2 \3 \4/' <<<"$line")
    [[ $recs == "$SIZE_MIB" ]] || die "cannot parse ProducerPerformance's last line: $line"
    putn ref.records "$recs"
    putn ref.records_per_s "$rps"
    putn ref.mib_per_s "$(calc "$rps * $RECORD_SIZE / 1048576")"
    putn ref.printed_mb_per_s "$printed"
    putn ref.avg_latency_ms "$lat"
    puts ref.line "$line"
    if [[ -z $(get ref.mib_per_s) ]]; then die "reference: no MiB/s"; fi
    if ((KEEP == 0)); then "$BROKER_SH" topic "$BDIR" delete ref >/dev/null 2>&1 || true; fi
fi

BYTES=$((SIZE_MIB * mib))
if want incompressible; then
    say "incompressible: generating $SIZE_MIB MiB from /dev/urandom"
    mkdir -p "$SCRATCH/in-inc"
    run_bg head -c "$BYTES" /dev/urandom >"$SCRATCH/in-inc/random.bin"
    sync "$SCRATCH/in-inc/random.bin"
    say "incompressible: transfer"
    run_transfer incompressible file "$SCRATCH/in-inc/random.bin" "$BYTES" 1
fi
if want compressible; then
    say "compressible: generating $SIZE_MIB MiB of log lines"
    mkdir -p "$SCRATCH/in-txt"
    run_bg gen_text "$BYTES" >"$SCRATCH/in-txt/app.log"
    sync "$SCRATCH/in-txt/app.log"
    say "compressible: transfer"
    run_transfer compressible file "$SCRATCH/in-txt/app.log" "$BYTES" 1
fi
if want files; then
    say "files: generating $NFILES x $FILE_SIZE-byte random files"
    run_bg gen_files "$SCRATCH/in-files/tree" "$NFILES" "$SCRATCH/in-files/manifest"
    sync -f "$SCRATCH"
    say "files: transfer"
    run_transfer files tree "$SCRATCH/in-files/tree" $((NFILES * FILE_SIZE)) "$NFILES"
fi

# A receiver catching up: the topic is written before it starts, so its
# fetches are full and librdkafka's queue reaches its cap (a stall there
# is invisible while send and receive run together).
run_backlog() {
    local d=$SCRATCH/run-backlog topic=kf-backlog group=g-backlog
    local each=$((BYTES / 4)) i t0 t1 prc=0 rcv_rc ok dest
    mkdir -p "$d/src/backlog"
    for i in 1 2 3 4; do
        run_bg head -c "$each" /dev/urandom >"$d/src/backlog/part$i.bin"
    done
    printf 'backlog 4\n' >"$d/manifest"
    "$BROKER_SH" topic "$BDIR" create "$topic" --partitions 2 >"$d/topic.log" 2>&1 ||
        { cat "$d/topic.log" >&2; die "could not create topic $topic"; }
    "$KF" send --json --no-progress -b "$BS" -t "$topic" "${SEND_ARGS[@]}" "$d/src/backlog" \
        >"$d/send.json" 2>"$d/send.log" || { tail -n 5 "$d/send.log" >&2; die "backlog: kferry send failed"; }
    sync -f "$SCRATCH"
    t0=$EPOCHREALTIME
    run_bg kcat -b "$BS" -C -t "$topic" -o beginning -e -q -f '%S\n' >"$d/kcat.out" 2>"$d/kcat.log" ||
        { tail -n 5 "$d/kcat.log" >&2; die "backlog: kcat failed"; }
    t1=$EPOCHREALTIME
    putn backlog.kcat_seconds "$(calc "$t1 - $t0" 3)"
    putn backlog.kcat_mib_per_s "$(calc "$(awk '{ s += $1 } END { print s + 0 }' "$d/kcat.out") / 1048576 / ($t1 - $t0)")"
    # into tmpfs when it has room: a receiver slowed by the disk holds
    # reading back by its own caps, and its fetcher is woken then anyway
    dest=$d/dest
    if [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs ]] &&
        (($(df -P -k /dev/shm | awk 'NR == 2 { print $4 }') > 2 * BYTES / 1024)); then
        dest=$(mktemp -d /dev/shm/kferry-bench-backlog.XXXXXX)
    fi
    puts backlog.dest_fs "$(stat -f -c %T "$dest")"
    t0=$EPOCHREALTIME
    (
        set +e
        /usr/bin/time -v -o "$d/recv.time" "$KF" receive -b "$BS" -t "$topic" -g "$group" \
            --dest "$dest" --idle-exit "$IDLE_EXIT" "${RECV_ARGS[@]}" 2>"$d/recv.log"
        echo $? >"$d/recv.rc"
    ) &
    PIDS+=("$!")
    run_bg python3 "$SCRATCH/poll.py" tree "$dest" "$d/manifest" "$d" $((120 + 2 * BYTES / mib)) \
        >"$d/done" || prc=$?
    wait "${PIDS[-1]}" || true
    forget_pid "${PIDS[-1]}"
    rcv_rc=$(cat "$d/recv.rc" 2>/dev/null || echo -1)
    if ((prc != 0)); then
        say "backlog: INCOMPLETE (receiver exit $rcv_rc); logs in $d"
        FAILED+=(backlog)
        [[ $dest == "$d/dest" ]] || rm -rf "$dest"
        return 0
    fi
    t1=$(cat "$d/done")
    [[ $(tree_digest "$d/src/backlog") == $(tree_digest "$dest/backlog") ]] && ok=true || ok=false
    [[ $dest == "$d/dest" ]] || rm -rf "$dest"
    [[ $ok == true ]] || { say "warning: backlog: sha256 MISMATCH"; FAILED+=(backlog); }
    putn backlog.bytes "$BYTES"
    putn backlog.seconds "$(calc "$t1 - $t0" 3)"
    putn backlog.mib_per_s "$(calc "$BYTES / 1048576 / ($t1 - $t0)")"
    putn backlog.sha256_ok "$ok"
    putn backlog.receiver_rss_mib "$(calc "$(time_field "$d/recv.time" 'Maximum resident set size') / 1024" 1)"
    putn ratios.backlog_vs_kcat "$(calc "$(get backlog.mib_per_s) / $(get backlog.kcat_mib_per_s)" 3)"
    if ((!KEEP)); then
        rm -rf "$d/src" "$d/dest"
        "$BROKER_SH" topic "$BDIR" delete "$topic" >/dev/null 2>&1 || true
    fi
}
if want backlog; then
    say "backlog: 4 x $((SIZE_MIB / 4)) MiB on 2 partitions, sent, then read by kcat and by kferry receive"
    run_backlog
fi

if want e2e; then
    # The same file four times, so that the ratios compare protection only.
    # Each run gets a hard link of it (run_transfer deletes its source).
    say "e2e: generating $SIZE_MIB MiB from /dev/urandom, and keys"
    mkdir -p "$SCRATCH/in-e2e" "$SCRATCH/keys"
    run_bg head -c "$BYTES" /dev/urandom >"$SCRATCH/in-e2e/random.bin"
    sync "$SCRATCH/in-e2e/random.bin"
    "$KF" keygen --type x25519 --out "$SCRATCH/keys/r.key" >/dev/null
    "$KF" keygen --type ed25519 --out "$SCRATCH/keys/s.key" >/dev/null
    ENC_S=(-o "send.encrypt_recipients=$SCRATCH/keys/r.key.pub")
    ENC_R=(-o "receive.decrypt_keys=$SCRATCH/keys/r.key")
    SIG_S=(-o "send.sign_key=$SCRATCH/keys/s.key")
    SIG_R=(-o "receive.trusted_signers=$SCRATCH/keys/s.key.pub")
    base_send=("${SEND_ARGS[@]}")
    base_recv=("${RECV_ARGS[@]}")
    for mode in plain encrypted signed encrypted_signed; do
        SEND_ARGS=("${base_send[@]}")
        RECV_ARGS=("${base_recv[@]}")
        case $mode in
        encrypted) SEND_ARGS+=("${ENC_S[@]}"); RECV_ARGS+=("${ENC_R[@]}") ;;
        signed) SEND_ARGS+=("${SIG_S[@]}"); RECV_ARGS+=("${SIG_R[@]}") ;;
        encrypted_signed)
            SEND_ARGS+=("${ENC_S[@]}" "${SIG_S[@]}")
            RECV_ARGS+=("${ENC_R[@]}" "${SIG_R[@]}")
            ;;
        esac
        mkdir -p "$SCRATCH/in-e2e-$mode"
        ln "$SCRATCH/in-e2e/random.bin" "$SCRATCH/in-e2e-$mode/random.bin"
        say "e2e: $mode transfer"
        run_transfer "e2e_$mode" file "$SCRATCH/in-e2e-$mode/random.bin" "$BYTES" 1
    done
    SEND_ARGS=("${base_send[@]}")
    RECV_ARGS=("${base_recv[@]}")
    ((KEEP)) || rm -rf "$SCRATCH/in-e2e"
    plain=$(get e2e_plain.e2e_mib_per_s)
    for mode in encrypted signed encrypted_signed; do
        v=$(get "e2e_$mode.e2e_mib_per_s")
        [[ -n $plain && -n $v ]] || continue
        putn "ratios.e2e_${mode}_vs_plain" "$(calc "$v / $plain" 3)"
        putn "ratios.e2e_${mode}_sender_vs_plain" \
            "$(calc "$(get "e2e_$mode.sender_mib_per_s") / $(get e2e_plain.sender_mib_per_s)" 3)"
        for who in sender receiver; do
            putn "ratios.e2e_${mode}_${who}_cpu_vs_plain" "$(calc "($(get "e2e_$mode.${who}_cpu_user_s") + \
$(get "e2e_$mode.${who}_cpu_sys_s")) / max($(get "e2e_plain.${who}_cpu_user_s") + \
$(get "e2e_plain.${who}_cpu_sys_s"), 1e-9)" 3)"
        done
    done
fi

putn loadavg_end "$(cut -d' ' -f1 /proc/loadavg)"
puts finished_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
puts failed "${FAILED[*]:-}"
ref=$(get ref.mib_per_s)
for p in incompressible compressible; do
    v=$(get $p.e2e_mib_per_s)
    if [[ -n $ref && -n $v ]]; then
        putn "ratios.${p}_e2e_vs_reference" "$(calc "$v / $ref" 3)"
        putn "ratios.${p}_sender_vs_reference" "$(calc "$(get $p.sender_mib_per_s) / $ref" 3)"
    fi
done
if [[ -n $(get incompressible.sender_rss_mib) ]]; then
    for who in sender receiver; do
        v=$(get incompressible.${who}_rss_mib)
        putn "rss.${who}_mib" "$v"
        putn "rss.${who}_within_target" "$(python3 -c "print('true' if $v <= $RSS_TARGET_MIB else 'false')")"
    done
fi

# ---------------------------------------------------------------- report

mkdir -p "$(dirname "$OUT")"
python3 - "$RESULTS" "$OUT" "${OUT%.json}.txt" <<'PY'
import json, sys

res, out, txt = sys.argv[1:4]
tree = {}
flat = {}
with open(res) as f:
    for line in f:
        key, kind, val = line.rstrip("\n").split("\t", 2)
        v = json.loads(val) if kind == "n" else val
        flat[key] = v
        node = tree
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
with open(out, "w") as f:
    json.dump(tree, f, indent=2)
    f.write("\n")

g = flat.get
L = []
L.append("kferry benchmark [%s]  %s  host %s, %s CPUs, load %s -> %s"
         % (g("label"), g("started_at"), g("host"), g("cpus"),
            g("loadavg_start"), g("loadavg_end")))
L.append("  kferry %s, built %s (source tree now at %s)" % (g("kferry.binary"), g("kferry.built_at"), g("kferry.tree_git")))
L.append("  broker %s; topics %s partitions; ulimit -n %s" % (g("broker"), g("params.partitions"), g("ulimit_nofile")))
if g("params.send_set") or g("params.recv_set"):
    L.append("  send -o: %s   receive -o: %s" % (g("params.send_set") or "-", g("params.recv_set") or "-"))
L.append("")
if "ref.mib_per_s" in flat:
    L.append("reference  ProducerPerformance %d x 1 MiB records, acks=all, idempotent, no compression"
             % g("ref.records"))
    L.append("           %8.1f MiB/s   (%.1f records/s, avg latency %.0f ms; printed as %.2f \"MB/sec\" = MiB/s)"
             % (g("ref.mib_per_s"), g("ref.records_per_s"), g("ref.avg_latency_ms"), g("ref.printed_mb_per_s")))
def incomplete(p, title):
    L.append("%-15s %s" % (p, title))
    L.append("           INCOMPLETE: %d of %d file(s) arrived, %d quarantined; sender exit %s, receiver exit %s"
             % (g(p + ".arrived"), g(p + ".files"), g(p + ".quarantined"), g(p + ".sender_exit"), g(p + ".receiver_exit")))
    L.append("           logs: %s" % g(p + ".logs"))

for p, title in (("incompressible", "1 file, /dev/urandom"), ("compressible", "1 file, log text"),
                 ("e2e_plain", "1 file, /dev/urandom, plain"),
                 ("e2e_encrypted", "the same, encrypted (AES-256-GCM)"),
                 ("e2e_signed", "the same, signed (Ed25519 + SHA-256)"),
                 ("e2e_encrypted_signed", "the same, encrypted and signed")):
    if g(p + ".complete") is False:
        incomplete(p, title)
        continue
    if p + ".e2e_mib_per_s" not in flat:
        continue
    L.append("%-15s %s, %d MiB" % (p, title, g(p + ".bytes") // 1048576))
    L.append("           %8.1f MiB/s end to end (%.2f s)   sender alone %.1f MiB/s (%.2f s)"
             % (g(p + ".e2e_mib_per_s"), g(p + ".e2e_seconds"), g(p + ".sender_mib_per_s"), g(p + ".sender_seconds")))
    L.append("           wire/raw %.3f (ratio %.2fx), %d messages, sha256 %s, quarantined %d"
             % (g(p + ".wire_bytes") / g(p + ".bytes"), g(p + ".compression_ratio"), g(p + ".messages"),
                "equal" if g(p + ".sha256_ok") else "DIFFERENT", g(p + ".quarantined")))
    L.append("           RSS sender %.1f MiB, receiver %.1f MiB; CPU s (user+sys) sender %.1f, receiver %.1f"
             % (g(p + ".sender_rss_mib"), g(p + ".receiver_rss_mib"),
                g(p + ".sender_cpu_user_s") + g(p + ".sender_cpu_sys_s"),
                g(p + ".receiver_cpu_user_s") + g(p + ".receiver_cpu_sys_s")))
if "backlog.mib_per_s" in flat:
    L.append("backlog    4 files, %d MiB in all, on 2 partitions, written before the readers start"
             % (g("backlog.bytes") // 1048576))
    L.append("           %8.1f MiB/s kferry receive until placed into %s (%.2f s; sha256 %s, RSS %.1f MiB)"
             % (g("backlog.mib_per_s"), g("backlog.dest_fs"), g("backlog.seconds"),
                "equal" if g("backlog.sha256_ok") else "DIFFERENT", g("backlog.receiver_rss_mib")))
    L.append("           %8.1f MiB/s kcat -C to the end (%.2f s): ratio %.3f"
             % (g("backlog.kcat_mib_per_s"), g("backlog.kcat_seconds"), g("ratios.backlog_vs_kcat")))
if g("files.complete") is False:
    incomplete("files", "%d files of %d bytes" % (g("files.files"), g("params.file_size")))
if "files.e2e_files_per_s" in flat:
    L.append("files      %d files of %d bytes in %d directories"
             % (g("files.files"), g("params.file_size"), (g("files.files") + 999) // 1000))
    L.append("           %8.1f files/s end to end (%.2f s, %.1f MiB/s)   sender alone %.1f files/s (%.2f s)"
             % (g("files.e2e_files_per_s"), g("files.e2e_seconds"), g("files.e2e_mib_per_s"),
                g("files.sender_files_per_s"), g("files.sender_seconds")))
    L.append("           tree sha256 %s, quarantined %d; RSS sender %.1f MiB, receiver %.1f MiB"
             % ("equal" if g("files.sha256_ok") else "DIFFERENT", g("files.quarantined"),
                g("files.sender_rss_mib"), g("files.receiver_rss_mib")))
    L.append("           CPU s (user+sys) sender %.1f, receiver %.1f"
             % (g("files.sender_cpu_user_s") + g("files.sender_cpu_sys_s"),
                g("files.receiver_cpu_user_s") + g("files.receiver_cpu_sys_s")))
L.append("")
for p in ("incompressible", "compressible"):
    k = "ratios.%s_e2e_vs_reference" % p
    if k in flat:
        L.append("ratio %-15s e2e / reference = %.3f   (sender alone / reference = %.3f)"
                 % (p, g(k), g("ratios.%s_sender_vs_reference" % p)))
for m in ("encrypted", "signed", "encrypted_signed"):
    k = "ratios.e2e_%s_vs_plain" % m
    if k in flat:
        L.append("ratio %-17s e2e / plain = %.3f   sender alone / plain = %.3f   CPU / plain: sender %.2f, receiver %.2f"
                 % (m, g(k), g("ratios.e2e_%s_sender_vs_plain" % m),
                    g("ratios.e2e_%s_sender_cpu_vs_plain" % m), g("ratios.e2e_%s_receiver_cpu_vs_plain" % m)))
if "rss.sender_mib" in flat:
    t = g("rss_target_mib")
    L.append("peak RSS, incompressible run: sender %.1f MiB (%s), receiver %.1f MiB (%s); target <= %d MiB each"
             % (g("rss.sender_mib"), "ok" if g("rss.sender_within_target") else "OVER",
                g("rss.receiver_mib"), "ok" if g("rss.receiver_within_target") else "OVER", t))
if g("failed"):
    L.append("FAILED steps: %s" % g("failed"))
L.append("")
L.append("JSON: %s" % out)
text = "\n".join(L) + "\n"
with open(txt, "w") as f:
    f.write(text)
sys.stdout.write(text)
PY
((${#FAILED[@]} == 0)) || exit 1
