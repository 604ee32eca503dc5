# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 900
# Checkpoint restart: kferry watch is killed with SIGKILL in the middle of
# a 2 GiB file, then started again. The file must arrive once and intact,
# carried on from its last acknowledged chunk (a RESUME, docs/protocol.md
# section 9), so that only the chunks the killed daemon produced past its
# last durable checkpoint travel twice. Counted two ways that must agree:
# the chunks on the broker's disk at the kill past the checkpoint, and the
# receiver's count of repeated chunks; the topic's final size must match.
source "$(dirname "$0")/lib.sh"

IN=$WORK/inbox
REF=$WORK/ref
DEST=$WORK/dest
STATE=$WORK/state
SIZE=${KF_RESUME_SIZE:-$((2048 * MiB))}
CHUNK=$MiB
INFLIGHT=$((8 * MiB))
NCHUNKS=$(((SIZE + CHUNK - 1) / CHUNK))
mkdir -p "$IN" "$REF"

random_file "$REF/big.bin" "$SIZE"
touch -d '2026-01-02 03:04:05' "$REF/big.bin"
cp -a "$REF/big.bin" "$IN/big.bin"
log "source: $((SIZE / MiB)) MiB, $NCHUNKS chunks"

# Checkpoints still on the ledger: the newest P record's next_index.
checkpoint() {
	awk -F '\t' '$1 == "P" { n = $8 } END { print n + 0 }' \
		"$STATE/ledger.log" 2>/dev/null || echo 0
}
past_a_third() { [ "$(checkpoint)" -ge $((NCHUNKS / 3)) ]; }
topic_bytes() {
	du -cb "$KF_BROKER_DIR"/node*/data/"$TOPIC"-*/*.log | tail -n 1 | cut -f 1
}
# Produce requests the killed daemon had sent may still be appended: the
# topic is measured once its size holds for a second.
topic_settled() {
	local a
	a=$(topic_bytes)
	sleep 1
	[ "$a" = "$(topic_bytes)" ]
}

opts=(--dir "$IN" --state-dir "$STATE" --finished rename --after keep
	--rescan 2 -o send.max_inflight_bytes=$INFLIGHT)
watch_start "$WORK/watch1.log" "${opts[@]}"
wait_until 300 past_a_third
kill -KILL "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null || true
at_kill=$(checkpoint)
log "daemon killed with SIGKILL; checkpoint on the ledger: chunk $at_kill of $NCHUNKS"
[ "$at_kill" -lt "$NCHUNKS" ] || fail "the file was complete before the kill; nothing to resume"
wait_until 30 topic_settled
# Each chunk message is the chunk plus well under 1 KiB of frame and record
# overhead, so whole MiBs on disk count the chunks.
on_topic=$(($(topic_bytes) / CHUNK))
past_ckpt=$((on_topic - at_kill))
log "chunks on the topic at the kill: $on_topic; past the checkpoint: $past_ckpt"

watch_start "$WORK/watch2.log" "${opts[@]}"
wait_until 300 grep -q "sent cli/big.bin" "$WORK/watch2.log"
watch_stop
grep -a "resuming 'big.bin' at chunk" "$WORK/watch2.log" ||
	fail "the restarted daemon did not resume: $(tail -n 5 "$WORK/watch2.log")"
resumed_at=$(grep -ao "resuming 'big.bin' at chunk [0-9]*" "$WORK/watch2.log" | awk '{ print $NF }')
[ "$resumed_at" = "$at_kill" ] || fail "resumed at chunk $resumed_at, the ledger said $at_kill"

receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 1
assert_recv "$RECV_LOG" quarantined 0
assert_recv "$RECV_LOG" abandoned 0
assert_trees_equal "$REF" "$DEST"
grep -aq "the sender resumed at chunk $resumed_at of $NCHUNKS" "$RECV_LOG" ||
	fail "the receiver did not report the resume"

# Chunks that reached the topic twice: those past the checkpoint that the
# killed daemon had produced (acknowledged or not) before it died. How
# many depends on the in-flight window and on how many chunks were
# acknowledged during the ledger's last fdatasync (a loaded disk: more),
# so the count is checked against the topic, not against a guess.
repeated=$(recv_stat "$RECV_LOG" repeated)
topic_bytes=$(topic_bytes)
extra=$((topic_bytes - SIZE))
note "resumed at chunk $resumed_at of $NCHUNKS; chunks sent twice: $repeated ($past_ckpt on the topic past the checkpoint at the kill, $((INFLIGHT / CHUNK)) in flight at most); topic holds $topic_bytes bytes for a $SIZE-byte file (+$((extra / 1024)) KiB)"
[ "$repeated" -eq "$past_ckpt" ] ||
	fail "the receiver dropped $repeated repeated chunks; the topic held $past_ckpt past the checkpoint at the kill"
# Every chunk is on disk once, the repeated ones twice, plus frame and
# record overhead (well under 1 KiB a message).
[ "$extra" -ge $((repeated * CHUNK)) ] && [ "$extra" -le $(((repeated + 1) * CHUNK + (NCHUNKS + repeated) * 1024)) ] ||
	fail "topic size $topic_bytes does not match $NCHUNKS chunks + $repeated repeated"
assert_private_clean "$DEST"
log "t_watch_resume passed"
