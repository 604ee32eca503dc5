#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_tls.sh: what TLS and SASL cost kferry. One secured broker
# (scripts/kafka/secure.sh), the same file sent and received over
# PLAINTEXT, SSL (mutual TLS) and SASL_SSL (SCRAM-SHA-512), rounds
# interleaved with the order of the modes rotated every round; prints MiB/s
# per mode (best and median of the rounds) and the ratio to PLAINTEXT
# measured in the same run. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECURE_SH=$ROOT/scripts/kafka/secure.sh
PROG=bench_tls.sh

usage() {
    cat <<USAGE
Usage: bench/bench_tls.sh [--size-mib N] [--rounds N] [--warm-mib N] [--build DIR] [--base DIR]
                          [-o KEY=VALUE]... [--aes256] [--plain-sasl] [--keep]

  --size-mib N   size of the file sent in each run (default 512)
  --rounds N     runs of each mode, interleaved, the order of the modes
                 rotated by one every round; the best and the median are
                 reported (default 5)
  --warm-mib N   size of the untimed warm-up transfer of each mode (default 64)
  --build DIR    directory holding the kferry binary (default: build)
  --base DIR     also run every mode with DIR's kferry (modes named base-*),
                 interleaved: a before/after of two builds in the same run,
                 ratios to base-plain
  -o KEY=VALUE   a kferry setting for every run of --build's kferry (not
                 --base's): with --base DIR naming the same build, a setting
                 before and after in the same run
  --aes256       also run ssl and sasl_ssl offering AES-256-GCM alone
                 (tls.ciphersuites=TLS_AES_256_GCM_SHA384, the suite Kafka's
                 brokers pick when offered OpenSSL's default list)
  --plain-sasl   also run sasl_ssl with the PLAIN mechanism (sasl_plain)
  --keep         keep the scratch directory
Environment: KF_BENCH_TMP (scratch, default /tmp; not tmpfs).
USAGE
}

die() { echo "$PROG: error: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

SIZE_MIB=512
ROUNDS=5
WARM_MIB=64
BUILD=$ROOT/build
BASE=
OPTS=()
KEEP=0
MODES=(plain ssl sasl_ssl)
while [ $# -gt 0 ]; do
    case "$1" in
        --size-mib) SIZE_MIB=${2:?}; shift ;;
        --rounds) ROUNDS=${2:?}; shift ;;
        --warm-mib) WARM_MIB=${2:?}; shift ;;
        --build) BUILD=${2:?}; shift ;;
        --base) BASE=${2:?}; shift ;;
        -o) OPTS+=(-o "${2:?}"); shift ;;
        --aes256) MODES+=(ssl_aes256 sasl_ssl_aes256) ;;
        --plain-sasl) MODES+=(sasl_plain) ;;
        --keep) KEEP=1 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done
KFERRY=$(cd "$BUILD" && pwd)/kferry
[ -x "$KFERRY" ] || die "no $KFERRY: build it first"
if [ -n "$BASE" ]; then
    KFERRY_BASE=$(cd "$BASE" && pwd)/kferry
    [ -x "$KFERRY_BASE" ] || die "no $KFERRY_BASE: build it first"
    for m in "${MODES[@]}"; do MODES+=("base-$m"); done
fi

W=$(mktemp -d "${KF_BENCH_TMP:-/tmp}/kferry-bench-tls.XXXXXX")
[ "$(stat -f -c %T "$W")" != tmpfs ] || die "$W is tmpfs; set KF_BENCH_TMP"
S=$W/secure
cleanup() {
    "$SECURE_SH" stop "$S" >/dev/null 2>&1 || true
    if [ $KEEP -eq 1 ]; then say "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting a secured broker"
"$SECURE_SH" start "$S" --user alice:alice-pw --client sender --client receiver \
    >"$W/broker.log" 2>&1 || { tail -n 20 "$W/broker.log" >&2; die "broker start failed"; }
# Every client may do everything on the bench- topics and groups.
who=(--allow-principal User:sender --allow-principal User:receiver --allow-principal User:alice)
"$SECURE_SH" acl "$S" --add --resource-pattern-type prefixed "${who[@]}" \
    --operation Write --operation Read --operation Describe --topic bench- >>"$W/acl.log" 2>&1 &&
    "$SECURE_SH" acl "$S" --add --resource-pattern-type prefixed "${who[@]}" \
        --operation Read --group bench- >>"$W/acl.log" 2>&1 || die "granting ACLs failed (see $W/acl.log)"

T=$S/tls
common=(-X broker.address.family=v4)
# kferry refuses a secret inline on its command line (visible in ps)
export KF_BENCH_SASL_PW=alice-pw
AES256="-o tls.ciphersuites=TLS_AES_256_GCM_SHA384"
conf() { # MODE ROLE: the options of a mode and role
    case "$1" in
        plain) echo "-b $(cat "$S/bootstrap")" ;;
        ssl) echo "-b $(cat "$S/bootstrap.SSL") -o tls.ca=$T/ca.pem -o tls.cert=$T/$2.pem -o tls.key=$T/$2.key" ;;
        sasl_ssl) echo "-b $(cat "$S/bootstrap.SASL_SSL") -o tls.ca=$T/ca.pem -o sasl.username=alice -o sasl.password=env:KF_BENCH_SASL_PW" ;;
        sasl_plain) echo "$(conf sasl_ssl "$2") -o sasl.mechanism=plain" ;;
        *_aes256) echo "$(conf "${1%_aes256}" "$2") $AES256" ;;
        base-*) conf "${1#base-}" "$2" ;;
    esac
}
# MODE: the kferry binary of a mode; the -o settings of a mode
kf() { case "$1" in base-*) echo "$KFERRY_BASE" ;; *) echo "$KFERRY" ;; esac; }
xopts() { case "$1" in base-*) ;; *) echo "${OPTS[*]-}" ;; esac; }

mkdir -p "$W/src"
head -c $((SIZE_MIB * 1048576)) /dev/urandom >"$W/src/data.bin"
IDLE=2
declare -A all_send=() all_recv=() cpu_send=() cpu_recv=()
TIME=/usr/bin/time
[ -x "$TIME" ] || die "GNU time is missing (apt-get install time)"
HZ=$(getconf CLK_TCK)
BROKER_PID=$(cat "$S/broker/node1/pid")
# CPU ticks the broker's JVM has spent so far (user + system), as "KAFKA
# JIT": its JIT compiler threads apart from all the others. The JIT still
# compiles in bursts long after the warm-up on a loaded machine, and the
# burst falls on whichever mode runs then: it is no cost of that mode.
# Threads that ended are left out of both.
broker_ticks() {
    cat "/proc/$BROKER_PID/task/"*/stat 2>/dev/null | awk '{
        o = index($0, "("); c = match($0, /\) [A-Z] /)
        split(substr($0, c + 2), f, " ")
        if (substr($0, o + 1, c - o - 1) ~ /^C[12] CompilerThre/) j += f[12] + f[13]
        else k += f[12] + f[13]
    } END { print k + 0, j + 0 }'
}
# CPU-FILE "K0 J0" "K1 J1": "client+broker+jit" CPU seconds per GiB of
# one run.
cpu() {
    awk -v m="$SIZE_MIB" -v hz="$HZ" -v a="$2" -v b="$3" \
        'BEGIN { split(a, x, " "); split(b, y, " ") }
         { printf "%.2f+%.2f+%.2f", ($1 + $2) * 1024 / m, (y[1] - x[1]) / hz * 1024 / m,
               (y[2] - x[2]) / hz * 1024 / m }' "$1"
}
# The median of "a+b+c" triples, each part on its own.
cpu_median() {
    local a b c
    a=$(xargs -n 1 | tee "$W/cpu.list" | cut -d+ -f1 | median %.2f)
    b=$(cut -d+ -f2 "$W/cpu.list" | median %.2f)
    c=$(cut -d+ -f3 "$W/cpu.list" | median %.2f)
    echo "$a+$b+$c"
}
now() { date +%s.%N; }
rate() { awk -v m="$SIZE_MIB" -v a="$1" -v b="$2" -v d="${3:-0}" 'BEGIN { printf "%.1f", m / (b - a - d) }'; }
best() { xargs -n 1 | sort -g | tail -n 1; }
# median [FORMAT]: of the numbers on stdin
median() { xargs -n 1 | sort -g | awk -v f="${1:-%.1f}" '{ v[NR] = $1 } END { printf f, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Warm-up: the first idempotent producer and group create Kafka's
# internal topics, and the broker's JVM compiles its TLS code (AES-GCM
# included) only once it has run a while: without a warm-up of every mode,
# the first TLS mode of round 1 ran at a third of its speed. No mode should
# pay for that.
head -c $((WARM_MIB * 1048576)) /dev/urandom >"$W/warm.bin"
for m in "${MODES[@]}"; do
    t=bench-warm-${m//_/-}
    "$SECURE_SH" topic "$S" create "$t" --partitions 1 >/dev/null 2>&1
    # shellcheck disable=SC2046
    $(kf "$m") send -q $(conf "$m" sender) $(xopts "$m") "${common[@]}" -t "$t" "$W/warm.bin" ||
        die "$m: warm-up send failed"
    # shellcheck disable=SC2046
    $(kf "$m") receive -q $(conf "$m" receiver) $(xopts "$m") "${common[@]}" -t "$t" -g "$t" \
        --dest "$W/warm-$m" --idle-exit 1 2>/dev/null || die "$m: warm-up receive failed"
    rm -rf "$W/warm-$m"
    "$SECURE_SH" topic "$S" delete "$t" >/dev/null 2>&1 || true
done

n=${#MODES[@]}
for r in $(seq 1 "$ROUNDS"); do
    # Round r starts with mode r-1: each mode runs first, second, ... in
    # turn, so that no mode always follows the same one (or the deletion
    # of its topic, or the JIT's bursts after the warm-up).
    for i in $(seq 0 $((n - 1))); do
        m=${MODES[$(((r - 1 + i) % n))]}
        t=bench-${m//_/-}-$r
        "$SECURE_SH" topic "$S" create "$t" --partitions 4 >/dev/null 2>&1
        k0=$(broker_ticks); a=$(now)
        # shellcheck disable=SC2046
        "$TIME" -f "%U %S" -o "$W/send.cpu" $(kf "$m") send -q $(conf "$m" sender) $(xopts "$m") "${common[@]}" \
            -t "$t" "$W/src/data.bin" || die "$m: send failed"
        b=$(now); k1=$(broker_ticks)
        # shellcheck disable=SC2046
        "$TIME" -f "%U %S" -o "$W/recv.cpu" $(kf "$m") receive -q $(conf "$m" receiver) $(xopts "$m") \
            "${common[@]}" -t "$t" -g "$t" --dest "$W/dst-$m" --idle-exit $IDLE \
            2>"$W/recv-$m.log" || die "$m: receive failed"
        c=$(now); k2=$(broker_ticks)
        cmp -s "$W/src/data.bin" "$W/dst-$m/data.bin" || die "$m: received file differs"
        rm -rf "$W/dst-$m"
        s=$(rate "$a" "$b"); v=$(rate "$b" "$c" "$IDLE")
        say "round $r $m: send $s MiB/s, receive $v MiB/s"
        all_send[$m]+=" $s"
        all_recv[$m]+=" $v"
        cpu_send[$m]+=" $(cpu "$W/send.cpu" "$k0" "$k1")"
        cpu_recv[$m]+=" $(cpu "$W/recv.cpu" "$k1" "$k2")"
        "$SECURE_SH" topic "$S" delete "$t" >/dev/null 2>&1 || true
    done
done

printf '\nTLS cost, %d MiB incompressible file, %d rounds (ratio = mode / plaintext%s)\n' "$SIZE_MIB" "$ROUNDS" \
    "${BASE:+; base-* modes: to base-plain}"
printf '%-16s %17s %13s %17s %13s %33s\n' mode "send MiB/s" ratio "receive MiB/s" ratio \
    "CPU s/GiB, client+broker+JIT"
printf '%-16s %8s %8s %6s %6s %8s %8s %6s %6s %16s %16s\n' "" best median best median best median \
    best median send receive
for m in "${MODES[@]}"; do
    sb=$(best <<<"${all_send[$m]}") sm=$(median <<<"${all_send[$m]}")
    rb=$(best <<<"${all_recv[$m]}") rm=$(median <<<"${all_recv[$m]}")
    # base-plain comes after every mode of the build under test
    [ "$m" != plain ] && [ "$m" != base-plain ] || { psb=$sb psm=$sm prb=$rb prm=$rm; }
    printf '%-16s %8s %8s %6s %6s %8s %8s %6s %6s %16s %16s\n' "$m" "$sb" "$sm" \
        "$(ratio "$sb" "$psb")" "$(ratio "$sm" "$psm")" \
        "$rb" "$rm" "$(ratio "$rb" "$prb")" "$(ratio "$rm" "$prm")" \
        "$(cpu_median <<<"${cpu_send[$m]}")" "$(cpu_median <<<"${cpu_recv[$m]}")"
done
