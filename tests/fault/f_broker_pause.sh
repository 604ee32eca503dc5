# kf-timeout: 420
# Scenario 2: a broker (the leader of a seeded partition) paused with
# SIGSTOP in the middle of a transfer for 12 to 18 s, longer than the
# broker session timeout (broker.session.timeout.ms, 9 s) and the
# receivers' consumer session timeout (6 s), then resumed with SIGCONT.
# The cluster fences it and moves its leaderships; when it wakes up it
# finds itself behind. The send must succeed, and the tree arrive exactly.
# CI: one pause; --full: three pauses on larger trees.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src
DEST=$WORK/dest
ROUNDS=1 NBIG=4 BIG=$((32 * MiB)) NSMALL=300
[ "$KF_FULL" = 0 ] || { ROUNDS=3; NBIG=6; BIG=$((48 * MiB)); NSMALL=1000; }

recv_start main "$DEST"
main=$RPID
wait_log "$main" "$WORK/recv.main.log" assigned 60

for r in $(seq 1 "$ROUNDS"); do
	mkdir -p "$SRC/r$r/big"
	for i in $(seq 1 "$NBIG"); do random_file "$SRC/r$r/big/f$i.bin" $((BIG + i)); done
	small_files "$SRC/r$r" "$NSMALL" 65536 6
	# the leader is looked up first (a JVM start): the fault must land
	# while the send runs
	p=$(pick 6)
	node=$(leader_of "$p")
	[[ $node =~ ^[123]$ ]] || fail "partition $p has no leader: '$node'"
	send_bg "r$r" "$SRC/r$r"
	sleep_ms $((200 + $(pick 800)))
	pause=$((12000 + $(pick 6000)))
	kill -0 "$SPID" 2>/dev/null || note "round $r: the send had finished before the pause"
	node_cmd pause "$node"
	fault "node $node (leader of partition $p) paused for $pause ms"
	sleep_ms "$pause"
	node_cmd resume "$node"
	log "node $node resumed; partition $p led by node $(leader_of "$p")"
	wait "$SPID" || fail "send of round $r exited $? after a broker pause: $(tail -n 5 "$WORK/send.r$r.log")"
	wait_until 180 all_in_sync
	log "round $r: every partition has three in-sync replicas again"
done

kill -TERM "$main"
wait_exit "$main" 120 || fail "receiver exited $? after SIGTERM: $(tail -n 5 "$WORK/recv.main.log")"
drain "$DEST"
assert_private_clean "$DEST"
fault_finish "$SRC" "$DEST"
