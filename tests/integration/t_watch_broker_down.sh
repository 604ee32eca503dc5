# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 600
# kferry watch with its broker stopped for a while: nothing is deleted
# while unacknowledged, the log reports back-pressure, and once the broker
# is back every file arrives exactly once. Memory stays bounded: with
# about 160 MiB in 2021 files queued, the daemon's peak RSS (VmHWM, over
# the whole run) stays under KF__RSS_MAX_MIB: its sender engine's chunk
# pool (send.max_inflight_bytes, 32 MiB) plus 32 MiB for librdkafka, the
# code and the file table. Uses a private broker (the suite's broker is
# shared by the other tests).
source "$(dirname "$0")/lib.sh"

PB=$WORK/private-broker
IN=$WORK/inbox
REF=$WORK/ref
DEST=$WORK/dest
mkdir -p "$IN" "$REF/d"
KF__RSS_MAX_MIB=64
NSMALL=2000
# peak_rss_kib PID: the process's peak resident set (VmHWM) in KiB
peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
BROKER_SH=$KF_REPO/scripts/kafka/broker.sh

"$BROKER_SH" start "$PB" --prop message.max.bytes=16777216 >"$WORK/pb-start.log" 2>&1 ||
	fail "private broker did not start: $(tail -n 5 "$WORK/pb-start.log")"
on_exit "'$BROKER_SH' stop '$PB' --clean >/dev/null 2>&1"
BOOTSTRAP=$(cat "$PB/bootstrap")
"$BROKER_SH" topic "$PB" create "$TOPIC" --partitions 4 >/dev/null
log "private broker at $BOOTSTRAP"

watch_start "$WORK/watch.log" --dir "$IN" --state-dir "$WORK/state" \
	--stable-seconds 1 --rescan 2 --chunk-size 256K
sleep 2
"$BROKER_SH" stop "$PB" >/dev/null 2>&1 || fail "cannot stop the private broker"
log "broker stopped"

for i in $(seq 1 20); do random_file "$REF/d/f$i.bin" $((i * 40000)); done
text_file "$REF/big.txt" $((6 * MiB))
small_files "$REF" "$NSMALL" $((144 * 1024)) 20
cp -a "$REF/d" "$REF/big.txt" "$REF/small" "$IN/"
NFILES=$((NSMALL + 21))
log "$NFILES files ($(du -sm "$REF" | cut -f1) MiB) dropped with the broker down"
sleep 40
[ "$(outbox_files "$IN")" = "$NFILES" ] || fail "files left the inbox while the broker was down"
grep -q "back-pressure" "$WORK/watch.log" || fail "no back-pressure report in the log"
HWM_DOWN=$(peak_rss_kib "$WATCH_PID")
log "with the broker down: $NFILES files wait, back-pressure reported, peak RSS $((HWM_DOWN / 1024)) MiB"

"$BROKER_SH" start "$PB" >"$WORK/pb-restart.log" 2>&1 ||
	fail "private broker did not restart: $(tail -n 5 "$WORK/pb-restart.log")"
log "broker started again"
wait_until 300 empty_dir "$IN"
HWM=$(peak_rss_kib "$WATCH_PID")
watch_stop
note "watch peak RSS: $((HWM_DOWN / 1024)) MiB with the broker down, $((HWM / 1024)) MiB over the run (bound $KF__RSS_MAX_MIB MiB)"
[ "$HWM" -lt $((KF__RSS_MAX_MIB * 1024)) ] ||
	fail "the daemon's peak RSS was $((HWM / 1024)) MiB, over $KF__RSS_MAX_MIB MiB"

receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files "$NFILES"
assert_recv "$RECV_LOG" quarantined 0
assert_trees_equal "$REF" "$DEST"
log "t_watch_broker_down passed"
