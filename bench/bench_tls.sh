#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_tls.sh: what TLS and SASL cost kferry. One secured broker
# (scripts/kafka/secure.sh), the same file sent and received over
# PLAINTEXT, SSL (mutual TLS) and SASL_SSL (SCRAM-SHA-512), rounds
# interleaved; prints MiB/s per mode and the ratio to PLAINTEXT measured in
# the same run. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECURE_SH=$ROOT/scripts/kafka/secure.sh
PROG=bench_tls.sh

usage() {
    cat <<USAGE
Usage: bench/bench_tls.sh [--size-mib N] [--rounds N] [--build DIR] [--keep]

  --size-mib N   size of the file sent in each run (default 512)
  --rounds N     runs of each mode, interleaved; the best is reported (default 3)
  --build DIR    directory holding the kferry binary (default: build)
  --keep         keep the scratch directory
Environment: KF_BENCH_TMP (scratch, default /tmp; not tmpfs).
USAGE
}

die() { echo "$PROG: error: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

SIZE_MIB=512
ROUNDS=3
BUILD=$ROOT/build
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --size-mib) SIZE_MIB=${2:?}; shift ;;
        --rounds) ROUNDS=${2:?}; shift ;;
        --build) BUILD=${2:?}; shift ;;
        --keep) KEEP=1 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done
KFERRY=$(cd "$BUILD" && pwd)/kferry
[ -x "$KFERRY" ] || die "no $KFERRY: build it first"

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
conf() { # MODE ROLE: the options of a mode and role
    case "$1" in
        plain) echo "-b $(cat "$S/bootstrap")" ;;
        ssl) echo "-b $(cat "$S/bootstrap.SSL") -o tls.ca=$T/ca.pem -o tls.cert=$T/$2.pem -o tls.key=$T/$2.key" ;;
        sasl_ssl) echo "-b $(cat "$S/bootstrap.SASL_SSL") -o tls.ca=$T/ca.pem -o sasl.username=alice -o sasl.password=env:KF_BENCH_SASL_PW" ;;
    esac
}

mkdir -p "$W/src"
head -c $((SIZE_MIB * 1048576)) /dev/urandom >"$W/src/data.bin"
IDLE=2
declare -A best_send=() best_recv=()
now() { date +%s.%N; }
rate() { awk -v m="$SIZE_MIB" -v a="$1" -v b="$2" -v d="${3:-0}" 'BEGIN { printf "%.1f", m / (b - a - d) }'; }
max() { awk -v a="${1:-0}" -v b="$2" 'BEGIN { print (b > a ? b : a) }'; }

# Warm-up: the first idempotent producer and group create Kafka's
# internal topics; no mode should pay for that.
"$SECURE_SH" topic "$S" create bench-warm --partitions 1 >/dev/null 2>&1
head -c 4096 /dev/urandom >"$W/warm.bin"
# shellcheck disable=SC2046
"$KFERRY" send -q $(conf plain sender) "${common[@]}" -t bench-warm "$W/warm.bin"
# shellcheck disable=SC2046
"$KFERRY" receive -q $(conf plain receiver) "${common[@]}" -t bench-warm -g bench-warm \
    --dest "$W/warm" --idle-exit 1 2>/dev/null

for r in $(seq 1 "$ROUNDS"); do
    for m in plain ssl sasl_ssl; do
        t=bench-$m-$r
        "$SECURE_SH" topic "$S" create "$t" --partitions 4 >/dev/null 2>&1
        a=$(now)
        # shellcheck disable=SC2046
        "$KFERRY" send -q $(conf "$m" sender) "${common[@]}" -t "$t" "$W/src/data.bin" ||
            die "$m: send failed"
        b=$(now)
        # shellcheck disable=SC2046
        "$KFERRY" receive -q $(conf "$m" receiver) "${common[@]}" -t "$t" -g "$t" \
            --dest "$W/dst-$m" --idle-exit $IDLE 2>"$W/recv-$m.log" || die "$m: receive failed"
        c=$(now)
        cmp -s "$W/src/data.bin" "$W/dst-$m/data.bin" || die "$m: received file differs"
        rm -rf "$W/dst-$m"
        s=$(rate "$a" "$b"); v=$(rate "$b" "$c" "$IDLE")
        say "round $r $m: send $s MiB/s, receive $v MiB/s"
        best_send[$m]=$(max "${best_send[$m]:-}" "$s")
        best_recv[$m]=$(max "${best_recv[$m]:-}" "$v")
        "$SECURE_SH" topic "$S" delete "$t" >/dev/null 2>&1 || true
    done
done

printf '\nTLS cost, %d MiB incompressible file, best of %d (ratio = mode / plaintext)\n' "$SIZE_MIB" "$ROUNDS"
printf '%-10s %12s %8s %14s %8s\n' mode "send MiB/s" ratio "receive MiB/s" ratio
for m in plain ssl sasl_ssl; do
    printf '%-10s %12s %8s %14s %8s\n' "$m" "${best_send[$m]}" \
        "$(awk -v a="${best_send[$m]}" -v b="${best_send[plain]}" 'BEGIN { printf "%.2f", a / b }')" \
        "${best_recv[$m]}" \
        "$(awk -v a="${best_recv[$m]}" -v b="${best_recv[plain]}" 'BEGIN { printf "%.2f", a / b }')"
done
