# kf-timeout: 420
# Scenario 1: the leader of a partition (as the cluster describes it at
# that moment) SIGKILLed in the middle of a transfer, and restarted a few
# seconds later. With replication factor 3 and min.insync.replicas 2 the
# send goes on against the new leader and must succeed; the receiver that
# runs all along, and a final drain, must deliver the tree exactly.
# CI: one kill; --full: three kills on larger trees.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src
DEST=$WORK/dest
ROUNDS=1 NBIG=4 BIG=$((32 * MiB)) NSMALL=300
[ "$KF_FULL" = 0 ] || { ROUNDS=3; NBIG=6; BIG=$((48 * MiB)); NSMALL=1000; }

recv_start main "$DEST"
main=$RPID
wait_log "$main" "$WORK/recv.main.log" assigned 60

# new_leader P OLD: P has a leader again, and it is not OLD.
new_leader() {
	local l
	l=$(leader_of "$1")
	[[ $l =~ ^[123]$ ]] && [ "$l" != "$2" ]
}

for r in $(seq 1 "$ROUNDS"); do
	mkdir -p "$SRC/r$r/big"
	for i in $(seq 1 "$NBIG"); do random_file "$SRC/r$r/big/f$i.bin" $((BIG + i)); done
	small_files "$SRC/r$r" "$NSMALL" 65536 6
	# the leader is looked up first (a JVM start): the fault must land
	# while the send runs
	p=$(pick 6)
	leader=$(leader_of "$p")
	[[ $leader =~ ^[123]$ ]] || fail "partition $p has no leader: '$leader'"
	send_bg "r$r" "$SRC/r$r"
	sleep_ms $((200 + $(pick 800)))
	kill -0 "$SPID" 2>/dev/null || note "round $r: the send had finished before the kill"
	node_cmd kill "$leader"
	fault "node $leader (leader of partition $p) SIGKILLed mid-transfer"
	wait_until 60 new_leader "$p" "$leader"
	log "partition $p is now led by node $(leader_of "$p")"
	sleep_ms $((2000 + $(pick 4000)))
	node_cmd restart "$leader"
	log "node $leader restarted"
	wait "$SPID" || fail "send of round $r exited $? after a leader was killed: $(tail -n 5 "$WORK/send.r$r.log")"
	wait_until 180 all_in_sync
	log "round $r: every partition has three in-sync replicas again"
done

kill -TERM "$main"
wait_exit "$main" 120 || fail "receiver exited $? after SIGTERM: $(tail -n 5 "$WORK/recv.main.log")"
drain "$DEST"
assert_private_clean "$DEST"
fault_finish "$SRC" "$DEST"
