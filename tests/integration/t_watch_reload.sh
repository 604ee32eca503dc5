# SPDX-License-Identifier: Apache-2.0
# kferry watch: SIGHUP and SIGTERM with files in flight. The suite's broker
# is paused (SIGSTOP) to hold a large file in flight for certain:
#
# 1. SIGHUP changes route "a" (dir, topic and include glob), removes route
#    "b" and adds route "c" while a large file of the old "a" is in flight:
#    it completes exactly once; the new "a" sends only its new dir's
#    matching files, to its new topic; the removed route sends nothing new;
#    the old dir of "a" is no longer watched; "c" sends. Route "e" is
#    renamed "f" (same dir) with a file in flight: sent once, by "e".
# 2. SIGTERM with a file in flight: the daemon drains it, exits 0, and the
#    file is complete at the receiver.
# 3. SIGTERM with a drain time too short for the file in flight: the daemon
#    names the file it leaves unsent, exits 0 and keeps the file; a restart
#    sends it, and the receiver holds it once.
# kf-timeout: 400
source "$(dirname "$0")/lib.sh"

BROKER_SH=$KF_REPO/scripts/kafka/broker.sh
A1=$WORK/in-a1
A2=$WORK/in-a2
BD=$WORK/in-b
CD=$WORK/in-c
ED=$WORK/in-e
REF=$WORK/ref   # what arrives on $TOPIC
REF2=$WORK/ref2 # what arrives on $TOPIC2
CONF=$WORK/kferry.conf
TOPIC2=$TOPIC-new
mkdir -p "$A1" "$A2" "$BD" "$CD" "$ED" "$REF" "$REF2"
create_topic "$TOPIC2"

PAUSED=0
pause_broker() {
	"$BROKER_SH" pause "$KF_BROKER_DIR" 1 >/dev/null
	PAUSED=1
	log "broker paused"
}
resume_broker() {
	"$BROKER_SH" resume "$KF_BROKER_DIR" 1 >/dev/null
	PAUSED=0
	log "broker resumed"
}
on_exit '[ $PAUSED = 0 ] || "$BROKER_SH" resume "$KF_BROKER_DIR" 1 >/dev/null'

# in_flight DIR/NAME: the daemon holds the file open (the sender reads
# it), under its name or claimed (DIR/.kferry/sending/NAME, docs/watch.md).
in_flight() {
	ls -l "/proc/$WATCH_PID/fd" 2>/dev/null |
		grep -qF -e "$1" -e "$(dirname "$1")/.kferry/sending/$(basename "$1")"
}
sent_count() { grep -c "watch: sent $1 " "$2" || true; }
# conf_v1/conf_v2: the configuration before and after the reload; a
# sender pool smaller than the files, so that a file in flight stays open
conf_common() { conf_watch "drain_seconds = ${DRAIN:-60}" "[send]" "max_inflight_bytes = 4MiB"; }
conf_v1() {
	conf_common
	conf_route a "$A1" "include = *.dat" "finished = rename"
	conf_route b "$BD" "finished = rename"
	conf_route e "$ED" "finished = rename"
}
conf_v2() {
	conf_common
	conf_route a "$A2" "topic = $TOPIC2" "include = *.csv" "finished = rename"
	conf_route c "$CD" "finished = rename"
	conf_route f "$ED" "finished = rename"
}

# ------------------------------------------------ 1. reload with a file in flight
conf_v1 >"$CONF"
watch_start "$WORK/watch.1.log" -c "$CONF"
text_file "$REF/b0.txt" 30000
drop_in "$REF/b0.txt" "$BD"
wait_until 60 empty_dir "$BD"
log "route b works"

pause_broker
random_file "$REF/big.dat" $((48 * MiB))
drop_in "$REF/big.dat" "$A1"
random_file "$REF/ebig.bin" $((16 * MiB))
drop_in "$REF/ebig.bin" "$ED"
wait_until 30 in_flight "$A1/big.dat"
wait_until 30 in_flight "$ED/ebig.bin"
log "big.dat and ebig.bin are in flight"
conf_v2 >"$CONF"
kill -HUP "$WATCH_PID"
wait_until 20 grep -q "configuration reloaded: 3 routes" "$WORK/watch.1.log"
grep -q "route b removed" "$WORK/watch.1.log" || fail "route b was not removed"
grep -q "route a changed" "$WORK/watch.1.log" || fail "route a was not changed"
grep -q "route c added" "$WORK/watch.1.log" || fail "route c was not added"
grep -q "route e removed" "$WORK/watch.1.log" || fail "route e was not removed"
grep -q "route f added" "$WORK/watch.1.log" || fail "route f was not added"
in_flight "$A1/big.dat" || fail "big.dat is no longer in flight after the reload"
[ "$(sent_count a/big.dat "$WORK/watch.1.log")" = 0 ] || fail "big.dat was done before the reload"
resume_broker

# the new routes: a (new dir, *.csv only, new topic), c; the old ones: nothing
text_file "$REF2/x.csv" 40000
drop_in "$REF2/x.csv" "$A2"
text_file "$A2/y.dat" 5000
text_file "$A1/late.dat" 5000
text_file "$BD/b2.txt" 5000
text_file "$REF/c.txt" 50000 5
drop_in "$REF/c.txt" "$CD"
wait_until 90 test ! -e "$A1/big.dat"
wait_until 90 test ! -e "$ED/ebig.bin"
wait_until 60 test ! -e "$A2/x.csv"
wait_until 60 test ! -e "$CD/c.txt"
sleep 5 # two rescans: what should stay, stays
for f in "$A2/y.dat" "$A1/late.dat" "$BD/b2.txt"; do
	[ -f "$f" ] || fail "$f was sent"
done
[ "$(sent_count a/big.dat "$WORK/watch.1.log")" = 1 ] || fail "big.dat not logged sent exactly once"
[ "$(sent_count e/ebig.bin "$WORK/watch.1.log")" = 1 ] || fail "ebig.bin not logged sent by e"
! grep -q "f/ebig.bin" "$WORK/watch.1.log" || fail "route f touched ebig.bin: $(grep f/ebig.bin "$WORK/watch.1.log")"
log "reload: in-flight file done once; new routes send, removed/old ones do not"

# ------------------------------------------------ 2. SIGTERM drains
pause_broker
random_file "$REF/drain.bin" $((24 * MiB))
drop_in "$REF/drain.bin" "$CD"
wait_until 30 in_flight "$CD/drain.bin"
kill -TERM "$WATCH_PID"
wait_until 20 grep -q "stopping: 1 files in flight" "$WORK/watch.1.log"
sleep 1
resume_broker
rc=0
wait "$WATCH_PID" || rc=$?
[ "$rc" = 0 ] || fail "kferry watch exited $rc after SIGTERM"
[ ! -e "$CD/drain.bin" ] || fail "drain.bin was not drained"
[ "$(sent_count c/drain.bin "$WORK/watch.1.log")" = 1 ] || fail "drain.bin not logged sent"
log "SIGTERM drained the file in flight and exited 0"

# ------------------------------------------------ 3. SIGTERM, drain time over
DRAIN=2 conf_v2 >"$CONF"
watch_start "$WORK/watch.2.log" -c "$CONF"
sleep 2
pause_broker
random_file "$REF/left.bin" $((24 * MiB))
drop_in "$REF/left.bin" "$CD"
wait_until 30 in_flight "$CD/left.bin"
kill -TERM "$WATCH_PID"
wait_until 30 grep -q "left unsent: c/left.bin" "$WORK/watch.2.log"
resume_broker
rc=0
wait "$WATCH_PID" || rc=$?
[ "$rc" = 0 ] || fail "kferry watch exited $rc after SIGTERM"
[ -f "$CD/left.bin" ] || fail "left.bin left the inbox unsent"
cmp "$REF/left.bin" "$CD/left.bin" || fail "left.bin changed"
conf_v2 >"$CONF"
watch_start "$WORK/watch.3.log" -c "$CONF"
wait_until 90 test ! -e "$CD/left.bin"
watch_stop
[ "$(sent_count c/left.bin "$WORK/watch.3.log")" = 1 ] || fail "the restart did not send left.bin once"
log "drain time over: left.bin named, kept, and sent by the restart"

receive_until_idle "$WORK/dest" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 6
assert_recv "$RECV_LOG" present 0
# the transfer of left.bin that the drain aborted
assert_recv "$RECV_LOG" abandoned 1
assert_recv "$RECV_LOG" quarantined 0
assert_trees_equal "$REF" "$WORK/dest"
assert_private_clean "$WORK/dest"
receive_until_idle "$WORK/dest2" -t "$TOPIC2" || fail "receive of $TOPIC2 exited $?"
assert_recv "$RECV_LOG" files 1
assert_recv "$RECV_LOG" quarantined 0
assert_trees_equal "$REF2" "$WORK/dest2"
log "t_watch_reload passed"
