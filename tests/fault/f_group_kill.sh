# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 420
# Scenario 5: receivers of one consumer group sharing one DEST, one of
# them SIGKILLed while the group rebalances:
#  1. two receivers: r1 works, r2 joins; r1 is killed as soon as it logs
#     the revocation of its partitions;
#  2. three receivers: r2 and r3 work, r4 joins; r2 is killed the same way.
# Then r3 and r4 share a last batch and run until idle, and a last
# receiver drains the group. The load is shared (r3 and r4 both place
# files) and nothing is placed twice: no path has two "placed" log lines
# and no NAME.1 copy exists (--on-conflict rename).
# CI: small trees; --full: larger ones.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src
DEST=$WORK/dest
NSMALL=800 BIG=$((4 * MiB))
[ "$KF_FULL" = 0 ] || { NSMALL=3000; BIG=$((16 * MiB)); }
RECV_OPTS+=(--idle-exit 8)

batch() { # batch NAME: a tree SRC/NAME, sent in the background
	mkdir -p "$SRC/$1/big"
	for i in 1 2 3; do random_file "$SRC/$1/big/f$i.bin" $((BIG + i)); done
	small_files "$SRC/$1" "$NSMALL" 32768 12
	send_bg "$1" --chunk-size 64K "$SRC/$1"
}

# start N: receiver rN; sets PID_N
start() {
	recv_start "r$1" "$DEST"
	eval "PID_$1=$RPID"
}

# kill_in_rebalance VICTIM JOINER: starts rJOINER, waits for rVICTIM to
# log a revocation, then SIGKILLs rVICTIM a seeded 0..300 ms later.
kill_in_rebalance() {
	local v=$1 j=$2 before pid_var=PID_$1 d
	before=$(grep -c 'revoked' "$WORK/recv.r$v.log" || true)
	start "$j"
	for _ in $(seq 1 600); do
		[ "$(grep -c 'revoked' "$WORK/recv.r$v.log" || true)" -gt "$before" ] && break
		sleep 0.05
	done
	[ "$(grep -c 'revoked' "$WORK/recv.r$v.log" || true)" -gt "$before" ] ||
		fail "r$v saw no rebalance in 30 s after r$j joined"
	d=$((RANDOM % 300))
	sleep_ms "$d"
	kill -KILL "${!pid_var}" || fail "r$v had exited before its kill"
	wait "${!pid_var}" 2>/dev/null || true
	fault "r$v SIGKILLed $d ms after r$j's join revoked its partitions ($(placed_count "$WORK/recv.r$v.log") files placed)"
}

# 1. two receivers
batch one
start 1
wait_log "$PID_1" "$WORK/recv.r1.log" assigned 60
sleep_ms $((300 + RANDOM % 1500))
kill_in_rebalance 1 2
wait "$SPID" || fail "send of batch one exited $?"

# 2. three receivers
start 3
wait_log "$PID_3" "$WORK/recv.r3.log" assigned 60
batch two
sleep_ms $((300 + RANDOM % 1500))
kill_in_rebalance 2 4
wait_log "$PID_4" "$WORK/recv.r4.log" assigned 60
wait "$SPID" || fail "send of batch two exited $?"
# the last batch goes to the two survivors only
batch three
wait "$SPID" || fail "send of batch three exited $?"

for n in 3 4; do
	pid_var=PID_$n
	wait_exit "${!pid_var}" 180 || fail "r$n exited $?: $(tail -n 5 "$WORK/recv.r$n.log")"
	log "r$n: $(recv_summary "$WORK/recv.r$n.log")"
done
drain "$DEST"
shared=
for n in 1 2 3 4; do shared+=" r$n $(placed_count "$WORK/recv.r$n.log")"; done
note "files placed per receiver:$shared, last drain $(placed_count "$RECV_LOG")"
for n in 3 4; do
	[ "$(placed_count "$WORK/recv.r$n.log")" -gt 0 ] || fail "r$n placed nothing: the load was not shared ($shared)"
done
! grep -aq "quarantined '" "$WORK"/recv.*.log || fail "a receiver quarantined something"
assert_private_clean "$DEST"
fault_finish "$SRC" "$DEST"
