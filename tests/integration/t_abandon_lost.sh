# SPDX-License-Identifier: Apache-2.0
# A receive.abandon_timeout shorter than a broker outage: the receiver
# drops the unfinished transfer, and when the rest of it arrives after the
# outage the file can no longer be placed. That must be said loudly
# (an error naming the file, "LOST", a count in the summary), never
# silently: the sender got every acknowledgement and exits 0.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src
DEST=$WORK/dest
mkdir -p "$SRC"
random_file "$SRC/big.bin" $((300 * MiB))

RLOG=$WORK/recv.log
"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" \
	--abandon-timeout 3 --idle-exit 20 2>"$RLOG" &
RPID=$!
KF_BG_PIDS+=("$RPID")

# a slow sender: small in-flight window, so the file takes a while
"$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" -o send.max_inflight_bytes=2M \
	"$SRC/big.bin" >"$WORK/send.out" 2>"$WORK/send.log" &
SPID=$!
KF_BG_PIDS+=("$SPID")

staged() { [ -n "$(find "$DEST/.kferry/tmp" -name '*.part' -size +1M 2>/dev/null)" ]; }
wait_until 120 staged
"$KF_REPO/scripts/kafka/broker.sh" pause "$KF_BROKER_DIR" 1 >/dev/null
log "broker paused with the transfer half received"
wait_until 60 grep -q "abandoning it" "$RLOG"
sleep 1
"$KF_REPO/scripts/kafka/broker.sh" resume "$KF_BROKER_DIR" 1 >/dev/null
log "broker resumed"

wait "$SPID" || fail "send exited $?: $(tail -n 3 "$WORK/send.log")"
wait "$RPID" || fail "receive exited $?: $(tail -n 3 "$RLOG")"
grep -a "LOST" "$RLOG" | head -n 1 | cut -c1-200
grep -aq "'big.bin': LOST: its data kept coming after it was abandoned" "$RLOG" ||
	fail "no LOST error for the late data: $(tail -n 5 "$RLOG")"
[ "$(grep -ac "LOST" "$RLOG")" = 1 ] || fail "the loss was reported more than once"
assert_recv "$RLOG" lost 1
assert_recv "$RLOG" files 0
[ ! -e "$DEST/big.bin" ] || fail "an abandoned file became visible"
assert_private_clean "$DEST"
log "t_abandon_lost passed"
