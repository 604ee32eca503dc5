# SPDX-License-Identifier: Apache-2.0
# Receivers of one group sharing one DEST while the group rebalances: two
# start together, a third joins mid-way, one is stopped with SIGTERM
# mid-way. Every file is placed exactly once (the others find it already
# present), nothing is quarantined, nothing is left staged.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src/shared
DEST=$WORK/dest
mkdir -p "$SRC/big"
for i in 1 2 3 4; do random_file "$SRC/big/r$i.bin" $((32 * MiB)); done
small_files "$SRC" 1500 65536 10
NFILES=$(count_files "$SRC")
kf_send "$SRC" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok "$NFILES"

OPTS=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500 --idle-exit 5)
start_receiver() { # start_receiver N: sets PID_N
	"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" \
		"${OPTS[@]}" 2>"$WORK/recv.r$1.log" &
	eval "PID_$1=$!"
	KF_BG_PIDS+=($!)
}
wait_assigned() { # wait_assigned N
	for _ in $(seq 1 300); do
		grep -q 'assigned' "$WORK/recv.r$1.log" && return 0
		sleep 0.1
	done
	fail "receiver $1 got no partitions in 30 s: $(tail -n 3 "$WORK/recv.r$1.log")"
}

start_receiver 1
start_receiver 2
wait_assigned 1
sleep 1
start_receiver 3
log "receiver 3 joins: $(count_files "$DEST") files in place"
sleep 1.5
kill -TERM "$PID_2"
log "receiver 2 stopped with SIGTERM: $(count_files "$DEST") files in place"

for n in 1 2 3; do
	pid_var=PID_$n
	rc=0
	# idle-exit makes them leave; give them a minute
	for _ in $(seq 1 600); do kill -0 "${!pid_var}" 2>/dev/null || break; sleep 0.1; done
	kill -0 "${!pid_var}" 2>/dev/null && fail "receiver $n still running after a minute"
	wait "${!pid_var}" || rc=$?
	log "receiver $n exit $rc: $(recv_summary "$WORK/recv.r$n.log")"
	[ $rc = 0 ] || fail "receiver $n exited $rc: $(tail -n 5 "$WORK/recv.r$n.log")"
done

# One more pass in the group picks up whatever is left.
receive_until_idle "$DEST" -X session.timeout.ms=6000 || fail "final receive exited $?"

placed=0
present=0
for f in "$WORK"/recv.r?.log "$RECV_LOG"; do
	placed=$((placed + $(recv_stat "$f" files)))
	present=$((present + $(recv_stat "$f" present)))
	[ "$(recv_stat "$f" quarantined)" = 0 ] || fail "$(basename "$f"): quarantined: $(grep -a quarantined "$f" | head -n 3)"
done
log "placed $placed, found already present $present (re-read after a rebalance)"
assert_trees_equal "$SRC" "$DEST/shared"
assert_private_clean "$DEST"
[ "$placed" = "$NFILES" ] || fail "$placed files placed for $NFILES sent: some were placed twice or not at all"
log "t_rebalance passed"
