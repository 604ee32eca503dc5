# SPDX-License-Identifier: Apache-2.0
# bench/lib.sh: what the benchmark scripts share (sourced by bench/bench.sh,
# bench/bench_watch.sh and bench/bench_load.sh): messages, arithmetic, GNU
# time's fields, a scratch directory on a real disk,
# the processes they start and the broker, stopped and removed whatever
# happens; the broker's start with an untimed warm-up transfer; trees of
# random files and their digest.
#
# The script sets PROG, ROOT, KEEP, TMPROOT, PARTITIONS and KF (bench_paths
# sets it from BUILD) before it calls bench_scratch, and FILE_SIZE before
# gen_files.

BROKER_SH=$ROOT/scripts/kafka/broker.sh
mib=$((1024 * 1024))

die() { echo "$PROG: error: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }
need_arg() { [[ $# -ge 2 ]] || die "$1 needs a value"; }
# bench_parts LIST PART...: the parts of the run, LIST comma-separated
# (--only), each one of the PARTs; want PART says whether PART runs.
bench_parts() {
    local list=$1 p parts
    shift
    declare -gA DO=()
    IFS=, read -r -a parts <<<"$list"
    for p in "${parts[@]}"; do
        [[ " $* " == *" $p "* ]] || die "--only: unknown part '$p' ($(IFS=,; echo "$*"))"
        DO[$p]=1
    done
}
want() { [[ -n ${DO[$1]:-} ]]; }

# bench_paths: KF = the kferry binary of BUILD (it must exist); OUT made
# absolute.
bench_paths() {
    KF=$(cd "$BUILD" 2>/dev/null && pwd)/kferry || die "--build: no directory '$BUILD'"
    [[ -x $KF ]] || die "no kferry binary at $KF; build it with
  cmake -S $ROOT -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --target kferry"
    case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
}

# calc EXPR [DIGITS]: EXPR (Python) with DIGITS decimals (default 2).
calc() { python3 -c "print(format($1, '.${2:-2}f'))"; }
# The "Maximum resident set size" (KiB) etc. of a GNU time -v file.
time_field() { awk -F': ' -v f="$2" 'index($0, f) { v = $2 } END { print v + 0 }' "$1"; }

# "PID STARTTIME" for PID and each of its descendants, children first. The
# start time tells a process from a later one that reuses its pid.
proc_tree() {
    local c
    for c in $(pgrep -P "$1" 2>/dev/null || true); do proc_tree "$c"; done
    [[ -r /proc/$1/stat ]] && echo "$1 $(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20)"
    return 0
}

# Still the same process, and not a zombie?
proc_alive() {
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ ${st%% *} != Z && $(cut -d' ' -f20 <<<"$st") == "$2" ]]
}

# Stops processes we started and their descendants, by pid: SIGTERM (kferry
# then stops cleanly), then SIGKILL after 5 s for what is left, e.g. a sender
# still waiting for acknowledgements from a broker that is gone.
kill_tree() {
    local procs=() p i t alive pid start
    for p in "$@"; do
        while read -r pid start; do procs+=("$pid" "$start"); done < <(proc_tree "$p")
    done
    for ((i = 0; i < ${#procs[@]}; i += 2)); do
        kill "${procs[i]}" 2>/dev/null || true
    done
    for ((t = 0; t < 50; t++)); do
        alive=0
        for ((i = 0; i < ${#procs[@]}; i += 2)); do
            proc_alive "${procs[i]}" "${procs[i + 1]}" && alive=1
        done
        ((alive)) || return 0
        sleep 0.1
    done
    for ((i = 0; i < ${#procs[@]}; i += 2)); do
        if proc_alive "${procs[i]}" "${procs[i + 1]}"; then kill -KILL "${procs[i]}" 2>/dev/null || true; fi
    done
    return 0
}

# Drops a reaped pid from PIDS, so that cleanup never signals a recycled one.
forget_pid() {
    local p keep=()
    for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

# Runs a long command in the background and waits for it: bash runs a trap
# only between commands, but it interrupts a wait at once, so Ctrl-C or
# SIGTERM stops the benchmark promptly (cleanup kills the command).
run_bg() {
    "$@" &
    local pid=$! rc=0
    PIDS+=("$pid")
    wait "$pid" || rc=$?
    forget_pid "$pid"
    return "$rc"
}

bench__cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    ((${#PIDS[@]} == 0)) || kill_tree "${PIDS[@]}"
    wait 2>/dev/null || true
    if ((BROKER_UP)); then
        if ((KEEP)); then
            "$BROKER_SH" stop "$BDIR" >/dev/null 2>&1 || true
        else
            "$BROKER_SH" stop "$BDIR" --clean >/dev/null 2>&1 || true
        fi
    fi
    if ((KEEP)); then
        say "scratch kept: $SCRATCH"
    else
        rm -rf "$SCRATCH"
    fi
    exit "$rc"
}

# bench_scratch NAME NEED: makes SCRATCH ($TMPROOT/NAME.XXXXXX) after
# checking that TMPROOT is on disk with NEED bytes free, and sets the
# clean-up that runs on exit, Ctrl-C and SIGTERM. Sets fstype, BDIR,
# BROKER_UP, PIDS and FAILED.
bench_scratch() {
    local avail
    mkdir -p "$TMPROOT"
    fstype=$(stat -f -c %T "$TMPROOT")
    case $fstype in
    tmpfs | ramfs) die "$TMPROOT is $fstype; set KF_BENCH_TMP to a directory on disk" ;;
    esac
    avail=$(df -B1 --output=avail "$TMPROOT" | tail -1 | tr -d ' ')
    ((avail >= $2)) || die "$TMPROOT has $((avail / mib)) MiB free, the run needs about $(($2 / mib)) MiB"
    SCRATCH=$(mktemp -d "$TMPROOT/$1.XXXXXX")
    BDIR=$SCRATCH/broker
    BROKER_UP=0
    PIDS=()
    FAILED=()
    trap bench__cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# Starts the broker in BDIR (sets BS, its bootstrap) and sends one 4 KiB
# file through it untimed: the first idempotent producer and the first
# consumer group make the broker create its transaction-state and offsets
# topics, and without the warm-up whichever step ran first would pay that.
bench_broker_start() {
    say "starting the broker"
    mkdir -p "$BDIR"
    BROKER_UP=1
    "$BROKER_SH" start "$BDIR" >"$SCRATCH/broker-start.log" 2>&1 ||
        { cat "$SCRATCH/broker-start.log" >&2; die "the broker did not start"; }
    BS=$(cat "$BDIR/bootstrap")
    say "warm-up transfer"
    mkdir -p "$SCRATCH/warmup"
    head -c 4096 /dev/urandom >"$SCRATCH/warmup/w.bin"
    "$BROKER_SH" topic "$BDIR" create warmup --partitions "$PARTITIONS" >/dev/null 2>&1
    "$KF" send -q -b "$BS" -t warmup "$SCRATCH/warmup/w.bin" 2>"$SCRATCH/warmup/send.log" ||
        { cat "$SCRATCH/warmup/send.log" >&2; die "warm-up: kferry send failed"; }
    "$KF" receive -q -b "$BS" -t warmup -g warmup --dest "$SCRATCH/warmup/dest" --idle-exit 1 \
        2>"$SCRATCH/warmup/recv.log" ||
        { cat "$SCRATCH/warmup/recv.log" >&2; die "warm-up: kferry receive failed"; }
    cmp -s "$SCRATCH/warmup/w.bin" "$SCRATCH/warmup/dest/w.bin" || die "warm-up: the file did not arrive intact"
}

# bench_txn_warmup: an untimed kferry load of one row into the warmup
# topic: the first transactional producer makes the broker create its
# transaction-state topic, seconds of "Not coordinator" retries that a
# timed transactional step would otherwise pay (a cluster in use has that
# topic).
bench_txn_warmup() {
    say "warm-up load"
    settle_schema >"$SCRATCH/warmup.schema"
    gen_csv 1 >"$SCRATCH/warmup.csv"
    "$KF" load -q -b "$BS" -t warmup --schema "$SCRATCH/warmup.schema" --no-progress "$SCRATCH/warmup.csv" \
        2>"$SCRATCH/warmup-load.log" || { tail -n 5 "$SCRATCH/warmup-load.log" >&2; die "warm-up: kferry load failed"; }
}

# gen_files DIR N [MANIFEST]: N files of FILE_SIZE bytes as DIR/dNNN/fNNNN,
# 1000 a directory; MANIFEST gets "dNNN COUNT" per directory. The bytes are
# random, or with FILE_DATA=text random decimal numbers in lines (text that
# zstd shrinks to about half).
gen__bytes() { # N
    if [[ ${FILE_DATA:-random} == text ]]; then
        { od -An -tu2 -v /dev/urandom || true; } | head -c "$1" # od ends on SIGPIPE
    else
        head -c "$1" /dev/urandom
    fi
}
gen_files() {
    local dir=$1 n=$2 i=0 k sub
    mkdir -p "$dir"
    [[ -z ${3:-} ]] || : >"$3"
    while ((n > 0)); do
        k=$((n < 1000 ? n : 1000))
        sub=$(printf 'd%03d' "$i")
        mkdir "$dir/$sub"
        gen__bytes $((k * FILE_SIZE)) | split -a 4 -d -b "$FILE_SIZE" - "$dir/$sub/f"
        [[ -z ${3:-} ]] || echo "$sub $k" >>"$3"
        n=$((n - k))
        i=$((i + 1))
    done
}

# tree_digest DIR: one sha256 over the sorted per-file sha256 sums of the
# regular files below DIR, leaving out DIR/.kferry.
tree_digest() {
    (cd "$1" && find . -path ./.kferry -prune -o -type f -print0 | LC_ALL=C sort -z |
        xargs -0 -r sha256sum) | sha256sum | cut -d' ' -f1
}

# settle_schema: the schema file of gen_csv's settlement CSV
# (docs/records.md 2), on stdout.
settle_schema() {
    cat <<'SCHEMA'
# The generated file of bench/bench_load.sh.
[schema]
format_version = 1
name = kferry.bench
schema_version = 1
format = csv
key = id
timezone = +09:00

[csv]
header = true

[column.id]
type = int64
required = true

[column.merchant_no]
type = text
required = true

[column.settle_date]
type = date
required = true

[column.approved_at]
type = timestamp
required = true
format = %Y-%m-%d %H:%M:%S

[column.amount]
type = decimal(15,2)
required = true

[column.fee]
type = decimal(15,2)

[column.currency]
type = text
required = true

[column.approval_no]
type = text
required = true

[column.customer]
type = text

[column.branch]
type = text

[column.memo]
type = text
SCHEMA
}

# gen_csv ROWS: the CSV on stdout, deterministic (fixed seed). About one
# fee in ten is NULL (an unquoted empty field), about one memo in five
# empty, one in ten quoted with a comma.
gen_csv() {
    LC_ALL=C awk -v rows="$1" -v seed=20261202 '
BEGIN {
	srand(seed)
	ns = split("김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권", sur, " ")
	ng = split("민 서 준 지 현 우 수 영 하 은 도 윤 예 진 호 연 성 아", giv, " ")
	nb = split("서울 강남지점,서울 종로지점,부산 해운대지점,대구 동성로지점,인천 송도지점,광주 상무지점,대전 둔산지점", br, ",")
	nm = split("정산 완료|부분 환불 처리|승인 취소 후 재승인|가맹점 수수료 조정|||||\"확인, 재발송\"|야간 정산분", memo, "|")
	split("KRW KRW KRW KRW KRW KRW USD JPY", cur, " ")
	print "id,merchant_no,settle_date,approved_at,amount,fee,currency,approval_no,customer,branch,memo"
	for (i = 1; i <= rows; i++) {
		m = int(rand() * 12) + 1; d = int(rand() * 28) + 1
		fee = rand() < 0.1 ? "" : sprintf("%d.%02d", int(rand() * 100000), int(rand() * 100))
		printf "%d,M%06d,2026-%02d-%02d,2026-%02d-%02d %02d:%02d:%02d,%d.%02d,%s,%s,%08d,%s%s%s,%s,%s\n",
			i, int(rand() * 1000000), m, d, m, d, int(rand() * 24), int(rand() * 60), int(rand() * 60),
			int(rand() * 100000000), int(rand() * 100), fee, cur[int(rand() * 8) + 1], int(rand() * 100000000),
			sur[int(rand() * ns) + 1], giv[int(rand() * ng) + 1], giv[int(rand() * ng) + 1],
			br[int(rand() * nb) + 1], memo[int(rand() * nm) + 1]
	}
}'
}
