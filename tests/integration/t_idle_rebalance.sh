# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 240
# --idle-exit counts only while the receiver is assigned and caught up.
# Receiver A joins the group with a 70 s session timeout and is killed
# (SIGKILL); files are sent; receiver B, with --idle-exit 2, joins while
# the group still waits for A's session to expire (no assignment for
# about 70 s, past any join grace). B must not give up before its
# assignment, and must place every file.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src
DEST=$WORK/dest
mkdir -p "$SRC"
for i in 1 2 3; do text_file "$SRC/f$i.txt" $((100000 * i)); done

ALOG=$WORK/recv.a.log
"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$WORK/dest.a" \
	-X session.timeout.ms=70000 2>"$ALOG" &
APID=$!
KF_BG_PIDS+=("$APID")
wait_until 60 grep -q "assigned" "$ALOG"
kill -KILL "$APID"
wait "$APID" 2>/dev/null || true
log "receiver A killed while it held the group's partitions"

kf_send "$SRC" || fail "send exited $?"
assert_send_ok 3

t0=$(now)
receive_until_idle "$DEST" --idle-exit 2 || fail "receiver B exited $?: $(tail -n 5 "$RECV_LOG")"
log "receiver B ran $(elapsed "$t0") s"
grep -aq "assigned" "$RECV_LOG" || fail "receiver B exited before any assignment: $(tail -n 3 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 3
assert_trees_equal "$SRC" "$DEST/src"
log "t_idle_rebalance passed"
