#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_small.sh: small files against the broker's own speed (issue
# 17). For each file size, on one broker in one run: kcat producing every
# file as one message (acks=all, idempotent), `kferry send` of the same
# tree, and send plus receive end to end until every file is placed (and
# so durable: the receiver puts a file in place only after fsync).
# Prints files/s and the ratios to kcat; and the disk's own speed at
# placing the same files durably (bench/place_floor.c: one thread writes
# them all, syncs once, links them into place), with end to end's ratio
# to it. Then kcat and `kferry send` once more with the files' data
# dropped from the page cache first (bench/evict.c): read from the disk,
# where a sender reading many files at once meets one reading them one by
# one. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=bench_small.sh
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

usage() {
    cat <<USAGE
Usage: bench/bench_small.sh [--files N] [--sizes LIST] [--build DIR] [--keep]
                            [--seal] [--sign] [--data random|text]
                            [--send-set K=V]... [--recv-set K=V]...

  --files N      files per size (default 5000)
  --sizes LIST   comma-separated file sizes in bytes (default 1024,4096,65536)
  --build DIR    directory holding the kferry binary (default: build)
  --keep         keep the scratch directory
  --seal         encrypt every transfer end to end (a fresh x25519 key pair)
  --sign         sign every transfer, receiver trusting only that key (ed25519)
  --data KIND    random (default: zstd cannot shrink it) or text (decimal
                 numbers in lines, about half their size under zstd)
  --send-set K=V / --recv-set K=V   passed to kferry send / receive as -o K=V
Besides kcat, each size also runs bench/place_floor.c (compiled here with
\$CC or cc): the disk's own speed at placing the same files durably; and
kcat and kferry send again with the files' data out of the page cache
(bench/evict.c), read from the disk.
Environment: KF_BENCH_TMP (scratch, default /tmp; not tmpfs).
USAGE
}

NFILES=5000
SIZES=1024,4096,65536
BUILD=$ROOT/build
KEEP=0
PARTITIONS=4
TMPROOT=${KF_BENCH_TMP:-/tmp}
OUT=$ROOT/bench/out/small.txt
SEND_ARGS=()
RECV_ARGS=()
SEAL=0
SIGN=0
while [[ $# -gt 0 ]]; do
    case $1 in
    --files) need_arg "$@"; NFILES=$2; shift 2 ;;
    --sizes) need_arg "$@"; SIZES=$2; shift 2 ;;
    --build) need_arg "$@"; BUILD=$2; shift 2 ;;
    --send-set) need_arg "$@"; SEND_ARGS+=(-o "$2"); shift 2 ;;
    --recv-set) need_arg "$@"; RECV_ARGS+=(-o "$2"); shift 2 ;;
    --keep) KEEP=1; shift ;;
    --seal) SEAL=1; shift ;;
    --sign) SIGN=1; shift ;;
    --data) need_arg "$@"; FILE_DATA=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
[[ $NFILES =~ ^[1-9][0-9]*$ ]] || die "--files: not a positive integer: $NFILES"
IFS=, read -r -a SIZE_LIST <<<"$SIZES"
for s in "${SIZE_LIST[@]}"; do [[ $s =~ ^[1-9][0-9]*$ ]] || die "--sizes: not a size: $s"; done
[[ ${FILE_DATA:=random} == random || $FILE_DATA == text ]] || die "--data: random or text, not '$FILE_DATA'"
command -v kcat >/dev/null || die "kcat is missing: apt-get install kcat (scripts/setup.sh does)"
bench_paths

total=0
for s in "${SIZE_LIST[@]}"; do total=$((total + NFILES * (s + 8192) * 4)); done
total=$((total * 5 / 4)) # and the disk floor's copies
bench_scratch kferry-bench-small $((total + 1024 * mib))
say "scratch: $SCRATCH ($fstype); kferry: $KF"
FLOOR=$SCRATCH/place_floor
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Werror -o "$FLOOR" "$ROOT/bench/place_floor.c" ||
    die "cannot compile bench/place_floor.c (a C compiler is needed: \$CC or cc)"
EVICT=$SCRATCH/evict
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Werror -o "$EVICT" "$ROOT/bench/evict.c" ||
    die "cannot compile bench/evict.c"
bench_broker_start

# Keys made after the warm-up, which runs without them.
if ((SEAL)); then
    "$KF" keygen --type x25519 --out "$SCRATCH/recv.key" >/dev/null || die "kferry keygen x25519 failed"
    SEND_ARGS+=(-o "send.encrypt_recipients=$SCRATCH/recv.key.pub")
    RECV_ARGS+=(-o "receive.decrypt_keys=$SCRATCH/recv.key")
fi
if ((SIGN)); then
    "$KF" keygen --type ed25519 --out "$SCRATCH/send.key" >/dev/null || die "kferry keygen ed25519 failed"
    SEND_ARGS+=(-o "send.sign_key=$SCRATCH/send.key")
    RECV_ARGS+=(-o "receive.trusted_signers=$SCRATCH/send.key.pub")
fi
MODE=$( ((SEAL)) && printf 'sealed '; ((SIGN)) && printf 'signed '; printf '%s data' "$FILE_DATA")

now() { echo "$EPOCHREALTIME"; }
topic() { "$BROKER_SH" topic "$BDIR" create "$1" --partitions "$PARTITIONS" >/dev/null 2>&1 || die "cannot create topic $1"; }
drop_topic() { ((KEEP)) || "$BROKER_SH" topic "$BDIR" delete "$1" >/dev/null 2>&1 || true; }

# kcat: every file one message, keyed by its name, acks=all, idempotent.
# xargs passes as many files per kcat as the command line holds.
run_kcat() { # SRC TOPIC
    (cd "$1" && find . -type f -print0 | /usr/bin/time -f '%U %S' -o "$SCRATCH/cpu-kcat" \
        xargs -0 kcat -P -b "$BS" -t "$2" -K: \
        -X enable.idempotence=true -X acks=all -X linger.ms=5 2>"$SCRATCH/kcat.log") ||
        { cat "$SCRATCH/kcat.log" >&2; die "kcat failed"; }
}

# evict SRC: drops SRC's files from the page cache; fails unless every
# page left it (bench/evict.c).
evict() {
    local out
    out=$("$EVICT" "$1") || die "cannot drop $1 from the page cache"
    [[ $out == "files $NFILES cached_pages 0" ]] || die "$1 stayed in the page cache: $out"
    sync -f "$SCRATCH"
}

run_send() { # SRC TOPIC LOG: kferry send, its CPU in cpu-send
    run_bg /usr/bin/time -f '%U %S' -o "$SCRATCH/cpu-send" \
        "$KF" send -q --no-progress -b "$BS" -t "$2" "${SEND_ARGS[@]}" "$1" 2>"$3" ||
        { cat "$3" >&2; die "kferry send failed"; }
}

# cpu_ms FILE: user + system ms of a `/usr/bin/time -f '%U %S'` FILE (its
# last line: time writes a note above it when the command failed).
cpu_ms() { tail -n 1 "$1" | awk '{ printf "%d", ($1 + $2) * 1000 }'; }

# Waits until DEST holds N files outside .kferry; fails when the receiver
# exits first or after TIMEOUT s.
wait_files() { # DEST N RPID TIMEOUT
    local end=$((SECONDS + $4)) n
    while :; do
        n=$({ find "$1" -path "$1/.kferry" -prune -o -type f -print 2>/dev/null || true; } | wc -l)
        ((n >= $2)) && return 0
        kill -0 "$3" 2>/dev/null || die "the receiver exited with $n of $2 files placed"
        ((SECONDS < end)) || die "timed out with $n of $2 files placed"
        sleep 0.05
    done
}

REPORT=()
for size in "${SIZE_LIST[@]}"; do
    FILE_SIZE=$size
    src=$SCRATCH/in-$size
    say "$size B: generating $NFILES files"
    run_bg gen_files "$src" "$NFILES"
    sync -f "$SCRATCH"

    topic kc-$size
    t0=$(now)
    run_kcat "$src" kc-$size
    t_kcat=$(calc "$(now) - $t0" 3)
    drop_topic kc-$size

    # the disk's own speed: one thread writes every file, syncs once,
    # links them into place, syncs their directories
    sync -f "$SCRATCH"
    floor_out=$("$FLOOR" "$src" "$SCRATCH/floor-$size" "$NFILES") || die "$size B: place_floor failed"
    t_floor=$(awk '{ print $4 }' <<<"$floor_out")
    [[ $(tree_digest "$src") == $(tree_digest "$SCRATCH/floor-$size") ]] ||
        die "$size B: place_floor's tree differs from the source"

    topic ks-$size
    sync -f "$SCRATCH"
    t0=$(now)
    run_send "$src" ks-$size "$SCRATCH/send-$size.log"
    t_send=$(calc "$(now) - $t0" 3)
    drop_topic ks-$size
    kc=$(cpu_ms "$SCRATCH/cpu-kcat") sc=$(cpu_ms "$SCRATCH/cpu-send")

    topic ke-$size
    dest=$SCRATCH/out-$size
    /usr/bin/time -f '%U %S' -o "$SCRATCH/cpu-recv" \
        "$KF" receive -b "$BS" -t ke-$size -g ge-$size --dest "$dest" --idle-exit 3 "${RECV_ARGS[@]}" \
        2>"$SCRATCH/recv-$size.log" &
    rpid=$!
    PIDS+=("$rpid")
    for ((i = 0; i < 600; i++)); do
        grep -q 'assigned [0-9]* partition' "$SCRATCH/recv-$size.log" 2>/dev/null && break
        sleep 0.1
    done
    sync -f "$SCRATCH"
    t0=$(now)
    run_bg "$KF" send -q --no-progress -b "$BS" -t ke-$size "${SEND_ARGS[@]}" "$src" 2>"$SCRATCH/send-e2e-$size.log" ||
        { cat "$SCRATCH/send-e2e-$size.log" >&2; die "kferry send (end to end) failed"; }
    wait_files "$dest" "$NFILES" "$rpid" $((120 + NFILES / 20))
    t_e2e=$(calc "$(now) - $t0" 3)
    wait "$rpid" || die "kferry receive exited $?: $(tail -n 5 "$SCRATCH/recv-$size.log")"
    forget_pid "$rpid"
    [[ $(tree_digest "$src") == $(tree_digest "$dest/in-$size") ]] || die "$size B: the received tree differs from the sent one"
    drop_topic ke-$size

    # the files' data read from the disk: each sender after the source
    # left the page cache (its inodes stay cached)
    topic kcc-$size
    evict "$src"
    t0=$(now)
    run_kcat "$src" kcc-$size
    t_kcat_cold=$(calc "$(now) - $t0" 3)
    drop_topic kcc-$size
    topic ksc-$size
    evict "$src"
    t0=$(now)
    run_send "$src" ksc-$size "$SCRATCH/send-cold-$size.log"
    t_send_cold=$(calc "$(now) - $t0" 3)
    drop_topic ksc-$size
    # The trees stay until the scratch directory goes at exit: deleting
    # thousands of files here made the next size's receiver pay for them.
    # ext4 without a journal skips inodes deleted in the last 5 s (300 s
    # while their inode table block is dirty) one by one on every create
    # (bench/README.md, "Where plain 4 KiB files wait").

    k=$(calc "$NFILES / $t_kcat" 0) s=$(calc "$NFILES / $t_send" 0) e=$(calc "$NFILES / $t_e2e" 0)
    f=$(calc "$NFILES / $t_floor" 0)
    line=$(printf '%6d B x %d, %s: kcat -P %7s files/s | kferry send %7s files/s (%sx kcat) | end to end %7s files/s (%sx kcat), tree sha256 equal' \
        "$size" "$NFILES" "$MODE" "$k" "$s" "$(calc "$s / $k")" "$e" "$(calc "$e / $k")")
    kk=$(calc "$NFILES / $t_kcat_cold" 0) ss=$(calc "$NFILES / $t_send_cold" 0)
    line+=$(printf '\n%6s   source not in the page cache: kcat -P %s files/s | kferry send %s files/s (%sx kcat)' \
        '' "$kk" "$ss" "$(calc "$ss / $kk")")
    line+=$(printf '\n%6s   the disk (place_floor: write all, one syncfs, link) %s files/s | end to end / the disk %s' \
        '' "$f" "$(calc "$e / $f")")
    # CPU (user + system) per 1000 files: steadier than the wall clock on a
    # shared machine; the receiver's includes its idle exit
    rc=$(cpu_ms "$SCRATCH/cpu-recv")
    line+=$(printf '\n%6s   CPU ms per 1000 files: kcat -P %s | kferry send %s (%sx kcat) | kferry receive %s' \
        '' "$(calc "$kc * 1000 / $NFILES" 0)" "$(calc "$sc * 1000 / $NFILES" 0)" \
        "$(calc "$sc / max($kc, 1)")" "$(calc "$rc * 1000 / $NFILES" 0)")
    say "$line"
    REPORT+=("$line")
done

mkdir -p "$(dirname "$OUT")"
{
    echo "bench_small.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) $(git -C "$ROOT" describe --always --dirty 2>/dev/null) load $(cut -d" " -f1-3 /proc/loadavg) ${SEND_ARGS[*]} ${RECV_ARGS[*]}"
    printf '%s\n' "${REPORT[@]}"
} | tee "$OUT"
