# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 2100
# The soak: random faults for KF_SOAK_SECONDS (default 1200), run by
# tests/fault/soak.sh (not part of the suite's default run). Two receivers
# of one group work all along; batches of files are sent one after the
# other, and during each batch one seeded fault (or none) is injected:
#   kill a receiver | kill both receivers | kill the sender (then send the
#   batch again) | kill a partition leader and restart it | pause a
#   partition leader for 12..18 s | nothing
# Receivers that die are started again. At the end everything is drained
# and DEST is counted against the sent trees (fault_finish).
source "$(dirname "$0")/lib.sh"

DURATION=${KF_SOAK_SECONDS:-1200}
SRC=$WORK/src
DEST=$WORK/dest
# Longer than the longest partition outage injected here (a pause of up
# to 18 s plus the failover): a receiver abandons a transfer whose data
# is held up that long, and the file is lost although its sender is alive
# and reports success (docs/fault-tolerance.md, "Abandon timeout"). Killed
# senders' transfers are superseded by the batch sent again, not waited for.
RECV_OPTS+=(--abandon-timeout 60)
declare -A SLOT_PID SLOT_N
SEND_ERRORS=0

# ensure_receivers: slots A and B each have a live receiver.
ensure_receivers() {
	local s
	for s in A B; do
		if [ -z "${SLOT_PID[$s]:-}" ] || ! kill -0 "${SLOT_PID[$s]}" 2>/dev/null; then
			SLOT_N[$s]=$((${SLOT_N[$s]:-0} + 1))
			recv_start "$s${SLOT_N[$s]}" "$DEST"
			SLOT_PID[$s]=$RPID
		fi
	done
}

kill_receiver() { # kill_receiver SLOT
	kill -KILL "${SLOT_PID[$1]}" 2>/dev/null || return 0
	wait "${SLOT_PID[$1]}" 2>/dev/null || true
	fault "receiver $1${SLOT_N[$1]} SIGKILLed"
}

# send_until_ok DIR: kferry send DIR again until it exits 0.
send_until_ok() {
	local i
	for i in 1 2 3 4 5; do
		kf_send --chunk-size 256K "$1" && return 0
		SEND_ERRORS=$((SEND_ERRORS + 1))
		log "send of $1 failed: $(tail -n 3 "$SEND_LOG")"
		sleep 5
	done
	fail "send of $1 failed five times"
}

ensure_receivers
end=$((SECONDS + DURATION))
b=0
declare -A KIND_COUNT
while [ $SECONDS -lt $end ]; do
	b=$((b + 1))
	mkdir -p "$SRC/b$b"
	small_files "$SRC/b$b" $((20 + RANDOM % 200)) 65536 $((1 + RANDOM % 8))
	[ $((RANDOM % 3)) != 0 ] || random_file "$SRC/b$b/big.bin" $(((1 + RANDOM % 32) * MiB + RANDOM % 4096))
	kind=$((RANDOM % 6))
	[ "$kind" -lt 4 ] || seeded_leader
	send_bg "b$b" "$SRC/b$b"
	sleep_ms $((100 + RANDOM % 1500))
	case $kind in
	0) KIND_COUNT[none]=$((${KIND_COUNT[none]:-0} + 1)) ;;
	1)
		slots=(A B)
		kill_receiver "${slots[RANDOM % 2]}"
		KIND_COUNT[receiver]=$((${KIND_COUNT[receiver]:-0} + 1))
		;;
	2)
		kill_receiver A
		kill_receiver B
		KIND_COUNT[receivers]=$((${KIND_COUNT[receivers]:-0} + 1))
		;;
	3)
		if kill -KILL "$SPID" 2>/dev/null; then
			fault "send of b$b SIGKILLed"
			KIND_COUNT[sender]=$((${KIND_COUNT[sender]:-0} + 1))
		fi
		;;
	4)
		kill_leader "$P" "$NODE"
		KIND_COUNT[leader]=$((${KIND_COUNT[leader]:-0} + 1))
		;;
	5)
		pause_leader "$P" "$NODE"
		KIND_COUNT[pause]=$((${KIND_COUNT[pause]:-0} + 1))
		;;
	esac
	if ! wait "$SPID"; then
		[ "$kind" = 3 ] || { SEND_ERRORS=$((SEND_ERRORS + 1)); log "send of b$b failed: $(tail -n 3 "$WORK/send.b$b.log")"; }
		send_until_ok "$SRC/b$b"
	fi
	[ "$kind" -lt 4 ] || wait_until 180 all_in_sync
	ensure_receivers
done

for s in A B; do kill -TERM "${SLOT_PID[$s]}" 2>/dev/null || true; done
for s in A B; do
	wait_exit "${SLOT_PID[$s]}" 120 || fail "receiver $s exited $? after SIGTERM"
done
drain "$DEST"
kinds=
for k in "${!KIND_COUNT[@]}"; do kinds+=" $k ${KIND_COUNT[$k]}"; done
note "soak: $b batches in $DURATION s; fault kinds:$kinds; sends that failed and were repeated: $SEND_ERRORS"
! grep -aq "quarantined '" "$WORK"/recv.*.log || fail "a receiver quarantined something"
assert_private_clean "$DEST"
fault_finish "$SRC" "$DEST"
